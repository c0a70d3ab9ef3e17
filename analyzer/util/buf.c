/* buf — see buf.h. */
#include "util/buf.h"
#include "util/xalloc.h"

#include <stdlib.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void buf_init(struct buf *b, size_t limit)
{
    memset(b, 0, sizeof *b);
    b->limit = limit;
}

void buf_free(struct buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    b->toobig = false;
}

char *buf_reserve(struct buf *b, size_t n)
{
    b->p = xgrow(b->p, &b->cap, b->len + n + 1, 1);
    return b->p + b->len;
}

bool buf_append(struct buf *b, const void *p, size_t n)
{
    if (b->limit && b->len + n > b->limit) {
        b->toobig = true;
        return false;
    }
    /* JSON output appends a few bytes at a time: skip the grow call when
     * the room (and the byte buf_cstr may add) is already there */
    if (b->cap < b->len + n + 1) buf_reserve(b, n);
    if (n) memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

bool buf_putc(struct buf *b, char c)
{
    return buf_append(b, &c, 1);
}

bool buf_puts(struct buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

/* Formats straight into the free room when it is large enough (one
 * vsnprintf instead of a measuring pass and a writing pass: the JSON
 * numbers of `check` went through here twice each); the text is kept only
 * once its length is known to fit under the ceiling. */
bool buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    size_t room = b->p ? b->cap - b->len : 0;
    va_start(ap, fmt);
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n < 0) return false;
    if (b->limit && b->len + (size_t)n > b->limit) {
        b->toobig = true;
        return false;
    }
    if ((size_t)n >= room) {
        char *w = buf_reserve(b, (size_t)n);
        va_start(ap, fmt);
        vsnprintf(w, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    return true;
}

const char *buf_cstr(struct buf *b)
{
    buf_reserve(b, 0);
    b->p[b->len] = '\0';
    return b->p;
}

void buf_consume(struct buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}
