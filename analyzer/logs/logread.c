/* logread — see logread.h. One buffer of LOGREAD_BUF bytes; lines are found
 * with memchr and handed out in place, so memory is constant whatever the
 * file size. */
#include "logs/logread.h"
#include "logs/logfmt.h"
#include "util/xalloc.h"

#include <stdlib.h>
#include <string.h>

#define LOGREAD_BUF (LOG_MAX_LINE * 4)

struct logread {
    struct reader *r;
    char *buf;
    size_t start, end;   /* unread bytes are buf[start, end) */
    uint64_t buf_offset; /* file offset of buf[0] */
    uint64_t done;       /* offset past the last complete line handed out */
    bool eof;
    bool skipping; /* inside the tail of a cut line */
};

struct logread *logread_open(struct reader *r, uint64_t start)
{
    struct logread *lr = xcalloc(1, sizeof *lr);
    lr->r = r;
    lr->buf = xmalloc(LOGREAD_BUF);
    lr->buf_offset = start;
    lr->done = start;
    return lr;
}

uint64_t logread_done(const struct logread *lr)
{
    return lr->done;
}

/* Move unread bytes to the front and read more. 1 = got bytes, 0 = EOF, -1 = error. */
static int fill(struct logread *lr)
{
    if (lr->eof) return 0;
    if (lr->start > 0) {
        memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
        lr->buf_offset += lr->start;
        lr->end -= lr->start;
        lr->start = 0;
    }
    if (lr->end == LOGREAD_BUF) return 1; /* full: the caller cuts the line */
    long n = reader_read(lr->r, lr->buf + lr->end, LOGREAD_BUF - lr->end);
    if (n < 0) return -1;
    if (n == 0) {
        lr->eof = true;
        return 0;
    }
    lr->end += (size_t)n;
    return 1;
}

int logread_next(struct logread *lr, const char **p, size_t *len, uint64_t *offset, bool *cut)
{
    size_t scan = lr->start;
    for (;;) {
        char *nl = memchr(lr->buf + scan, '\n', lr->end - scan);
        if (nl) {
            size_t line_start = lr->start, line_end = (size_t)(nl - lr->buf);
            lr->start = line_end + 1;
            lr->done = lr->buf_offset + lr->start;
            if (lr->skipping) { /* the tail of a cut line ends here */
                lr->skipping = false;
                scan = lr->start;
                continue;
            }
            size_t n = line_end - line_start;
            if (n && lr->buf[line_start + n - 1] == '\r') n--;
            *cut = false;
            if (n > LOG_MAX_LINE) {
                n = LOG_MAX_LINE;
                *cut = true;
            }
            *p = lr->buf + line_start;
            *len = n;
            *offset = lr->buf_offset + line_start;
            return 1;
        }
        if (lr->end - lr->start > LOG_MAX_LINE && !lr->skipping) {
            /* a line longer than the ceiling: hand out its head, skip the rest */
            *p = lr->buf + lr->start;
            *len = LOG_MAX_LINE;
            *offset = lr->buf_offset + lr->start;
            *cut = true;
            lr->skipping = true;
            lr->start = lr->end; /* drop what we have of it */
            return 1;
        }
        if (lr->skipping) lr->start = lr->end;
        size_t keep = lr->end - lr->start;
        int rc = fill(lr);
        if (rc < 0) return -1;
        if (rc == 0) return 0; /* a partial last line stays unread */
        scan = lr->start + keep;
    }
}

void logread_close(struct logread *lr)
{
    if (!lr) return;
    free(lr->buf);
    free(lr);
}
