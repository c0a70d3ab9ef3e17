/* mbox — split an mbox stream into messages, in constant memory.
 * Separators: a line starting "From " at the start of the stream or after a
 * line end (mboxo/mboxrd; the blank line before it is not part of the
 * message). A Content-Length header (mboxcl/mboxcl2, Solaris/SVR4) is honoured
 * when it points exactly at the next separator or end of file; when it does
 * not, the separator scan wins and ANOM_MBOX_CONTENT_LENGTH is reported.
 * Unquoting: ">From ", ">>From " ... lose one '>' (mboxrd rule; for mboxo the
 * same rule is the best guess). CRLF and LF files both work.
 * Ceiling: a message larger than MSG_MAX_SIZE is cut (truncated=true) and the
 * rest skipped up to the next separator. */
#ifndef SOURCES_MBOX_H
#define SOURCES_MBOX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/reader.h"
#include "util/str.h"

struct mbox;

struct mbox_msg {
    const char *data; /* the message, unquoted; valid until the next mbox_next() */
    size_t len;
    uint64_t offset;        /* offset of the "From " line in the (uncompressed) stream */
    struct slice from_line; /* the separator line without its line end (valid likewise) */
    bool truncated;         /* cut at MSG_MAX_SIZE */
    bool content_length_mismatch;
};

/* The mbox does not own the reader. max_msg: ceiling per message (0 = MSG_MAX_SIZE). */
struct mbox *mbox_open(struct reader *r, size_t max_msg);
/* 1: a message in *out; 0: end of input; -1: read error (reader_error()).
 * After a read error (corrupt gzip, I/O) the message being assembled is still
 * returned with the bytes read so far; the call after it returns -1. */
int mbox_next(struct mbox *m, struct mbox_msg *out);
void mbox_close(struct mbox *m);
/* True when (p,len) — the first bytes of a file — looks like an mbox: it
 * starts with "From " followed by something like an address or date, and a
 * header field follows on the next line. */
bool mbox_looks_like(const char *p, size_t len);

#endif
