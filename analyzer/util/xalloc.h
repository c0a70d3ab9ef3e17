/* xalloc — allocation wrappers that end the program cleanly on out-of-memory.
 * There is nothing useful to do when malloc fails in a batch analyzer, so the
 * callers never check: these print one line and exit with status 2. */
#ifndef UTIL_XALLOC_H
#define UTIL_XALLOC_H
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grow an array of elem-size items to hold at least need items (doubling). */
void *xgrow(void *p, size_t *cap, size_t need, size_t elem);

#endif
