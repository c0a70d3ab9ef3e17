/* msgview — a parsed message seen the way SpamAssassin's rules see it
 * (Mail::SpamAssassin::PerMsgStatus / Message): the text each rule type
 * matches against, built lazily once per message and cached in the view.
 *
 *  header      msgview_header(): the value SpamAssassin's get() returns for
 *              "Name[:modifier]" and the pseudo-headers (ALL, ToCc,
 *              MESSAGEID, EnvelopeFrom, X-Spam-Relays-*, ALL-TRUSTED ...);
 *              several instances joined, each ending in "\n", as SA does.
 *  body        the rendered text of the text parts (HTML rendered as SA's
 *              HTML.pm renders it), split into paragraphs with whitespace
 *              collapsed, the Subject first; each part cut at
 *              MSGVIEW_BODY_SCAN bytes (SA's body_part_scan_size).
 *  rawbody     the decoded text parts, tags kept, in lines as SA splits
 *              them; each part cut at MSGVIEW_RAWBODY_SCAN bytes.
 *  full        the whole raw message (pristine).
 *  uri         every URI of text and HTML, with SA's normalised variants.
 *  mimeheader  per MIME part, that part's header by name.
 *
 * Each text is NUL-terminated and also has a length (NULs may occur inside).
 * Everything lives in the arena given to msgview_init. Does NOT match
 * regexes or decide anything. */
#ifndef SCORE_MSGVIEW_H
#define SCORE_MSGVIEW_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/message.h"
#include "score/rules.h"
#include "util/arena.h"

#define MSGVIEW_BODY_SCAN 50000u     /* bytes of each text part's rendered text scanned */
#define MSGVIEW_RAWBODY_SCAN 500000u /* bytes of each text part's decoded text scanned */
#define MSGVIEW_MAX_URIS 2000        /* URIs (with variants) kept */

struct mv_text {
    const char *p;
    size_t len;
};

/* Envelope facts SA reads from its own headers; all optional (NULL). */
struct msgview_env {
    const char *envelope_from; /* MAIL FROM, "" for <> */
    const char *client_ip;
    const char *helo;
    const char *client_rdns;
};

struct msgview {
    arena *a;
    const struct message *m;
    struct msgview_env env;
    /* lazily built: */
    bool body_done, rawbody_done, uri_done, lower_done;
    struct mv_text *body; /* body lines (paragraphs), Subject first */
    size_t n_body;
    struct mv_text *body_nosubj; /* == body + 1 when the Subject line is there, else body */
    size_t n_body_nosubj;
    struct mv_text *rawbody;
    size_t n_rawbody;
    struct mv_text *uris;
    size_t n_uris;
    /* the body lines joined with "\n" (and lowercased ASCII, for the prefilter) */
    struct mv_text body_joined, body_lower;
    void *priv; /* header cache */
};

void msgview_init(struct msgview *v, arena *a, const struct message *m,
                  const struct msgview_env *env);

/* The value of header `name` under modifier `mod`; NULL when the message has
 * no such header (the rule then sees [if-unset: ...] or does not match).
 * `name` may be a pseudo-header. Cached per (name, mod). */
const struct mv_text *msgview_header(struct msgview *v, const char *name, enum rule_hdr_mod mod);
/* The same for a caller that asks for a name message after message: what
 * msgview_header works out from the name (its length, hash, whether it is
 * a pseudo-header), computed once by msgview_key_init. The name must outlive
 * every view the key is used with. */
struct msgview_key {
    const char *name;
    size_t len;
    uint32_t hash;
    bool pseudo;
    uint64_t head, tail;
};
void msgview_key_init(struct msgview_key *k, const char *name);
const struct mv_text *msgview_header_key(struct msgview *v, const struct msgview_key *k,
                                         enum rule_hdr_mod mod);
/* Whether header `name` exists (for exists:Name); pseudo-headers count as
 * existing when they have a value. */
bool msgview_header_exists(struct msgview *v, const char *name);

const struct mv_text *msgview_body(struct msgview *v, bool with_subject, size_t *n);
const struct mv_text *msgview_rawbody(struct msgview *v, size_t *n);
struct mv_text msgview_full(struct msgview *v);
const struct mv_text *msgview_uris(struct msgview *v, size_t *n);

/* The relays of X-Spam-Relays-Trusted (which 0) and X-Spam-Relays-Untrusted
 * (1) field by field, each as reading it back from the pseudo-header's
 * string gives it ("" when empty), and that string in *str. NULL (and *n 0)
 * when a field cannot be read back that way (an auth method holding '[',
 * ']' or '=' or white space at an end): the caller then parses *str. */
struct mv_relay {
    const char *ip, *rdns, *helo, *by, *ident, *envfrom, *id, *auth;
};
const struct mv_relay *msgview_relays(struct msgview *v, int which, size_t *n, struct mv_text *str);

/* mimeheader: the value of header `name` of MIME part `part` (index into
 * m->mime.parts), decoded unless mod is HM_RAW; NULL when absent. */
const struct mv_text *msgview_mimeheader(struct msgview *v, size_t part, const char *name,
                                         enum rule_hdr_mod mod);

#endif
