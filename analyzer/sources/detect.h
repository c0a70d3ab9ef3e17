/* detect — what kind of input a path is, from its content first and its
 * place in the tree second, and what its path says about the mailbox:
 *   - Maildir/Maildir++: a message file inside cur/ or new/ of a directory
 *     that also has (or had) cur/new/tmp; the folder is "INBOX" at the root
 *     or the ".Name" sub-folder ("Junk", "Sent", "Lists.Foo"); flags are the
 *     letters after ":2," in the file name.
 *   - hMailServer Data: <Data>/<domain>/<account>/<XX>/{GUID}.eml where XX is
 *     the first two hex digits of the GUID; <Data>/#Public/<XX>/{GUID}.eml
 *     (public folders); <Data>/{GUID}.eml (the delivery queue).
 *   - mbox (any name, Google Takeout "All mail Including Spam and Trash.mbox"
 *     among them): content starts with a "From " separator; the folder is the
 *     file name without .mbox/.mbx/.gz (e.g. "Spam", "Junk", "Inbox").
 *   - a single message (.eml or any name): content starts with a header field.
 * Content decides format; the path gives the context. */
#ifndef SOURCES_DETECT_H
#define SOURCES_DETECT_H
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

enum src_format {
    SRC_UNKNOWN = 0, /* not something mailaudit reads (recorded, skipped) */
    SRC_EMPTY,       /* zero bytes */
    SRC_MESSAGE,     /* one RFC 5322 message */
    SRC_MBOX,        /* mbox of any flavour */
    SRC_LOG,         /* an MTA log (decided by logs/logfmt.h, not here: detect_format never returns it) */
};

enum src_container {
    CONT_FILE = 0, /* a loose file */
    CONT_MAILDIR,
    CONT_HMAIL_ACCOUNT,
    CONT_HMAIL_PUBLIC,
    CONT_HMAIL_QUEUE,
    CONT_MBOX,
};

struct src_context {
    enum src_container container;
    const char *folder;  /* mailbox folder name, or NULL */
    const char *account; /* account / local part (hMailServer), or NULL */
    const char *domain;  /* mailbox domain (hMailServer), or NULL */
    const char *flags;   /* Maildir flags ("RS"), or NULL */
};

/* Classify the first bytes of a (decompressed) file. */
enum src_format detect_format(const char *head, size_t len);
/* What the path says; strings allocated in a. `path` as given on the command
 * line or found by the directory walk. */
void detect_context(arena *a, const char *path, enum src_format fmt, struct src_context *out);
const char *detect_format_name(enum src_format f);
const char *detect_container_name(enum src_container c);

#endif
