/* buf — a growable byte buffer on the heap (for output building and for the
 * streaming readers). A buffer may carry a ceiling: appends past it are
 * dropped and the `toobig` flag is set, so input can never grow it without
 * bound. */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H
#include <stdbool.h>
#include <stddef.h>

struct buf {
    char *p;
    size_t len, cap;
    size_t limit; /* 0 = no ceiling */
    bool toobig;
};

void buf_init(struct buf *b, size_t limit);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
/* Returns false (and sets toobig) when the ceiling refused the bytes. */
bool buf_append(struct buf *b, const void *p, size_t n);
bool buf_putc(struct buf *b, char c);
bool buf_puts(struct buf *b, const char *s);
bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* NUL-terminate (not counted in len) and return the bytes. */
const char *buf_cstr(struct buf *b);
/* Remove the first n bytes. */
void buf_consume(struct buf *b, size_t n);
/* Make room for n more bytes; returns the write position (caller adds to len). */
char *buf_reserve(struct buf *b, size_t n);

#endif
