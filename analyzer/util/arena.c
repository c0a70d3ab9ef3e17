/* arena — see arena.h. Blocks of 64 KiB, chained; a request larger than a
 * quarter block gets a block of its own so big bodies do not waste space. */
#include "util/arena.h"
#include "util/xalloc.h"

#include <stdlib.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct arena_dtor {
    struct arena_dtor *next;
    void (*fn)(void *);
    void *arg;
};

static struct arena_block *block_new(size_t size)
{
    struct arena_block *b = xmalloc(sizeof *b + size);
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

arena *arena_new(void)
{
    arena *a = xcalloc(1, sizeof *a);
    a->head = block_new(ARENA_BLOCK);
    return a;
}

static void run_dtors(arena *a)
{
    struct arena_dtor *d = a->dtors;
    while (d) {
        struct arena_dtor *next = d->next;
        d->fn(d->arg);
        d = next;
    }
    a->dtors = NULL;
}

static void free_chain(struct arena_block *b)
{
    while (b) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
}

void arena_reset(arena *a)
{
    run_dtors(a);
    free_chain(a->big);
    a->big = NULL;
    /* keep only the oldest (last in chain) standard block */
    struct arena_block *b = a->head;
    while (b->next) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    b->used = 0;
    a->head = b;
    a->used_total = 0;
}

void arena_free(arena *a)
{
    if (!a) return;
    run_dtors(a);
    free_chain(a->big);
    free_chain(a->head);
    free(a);
}

void *arena_alloc_slow(arena *a, size_t n)
{
    if (n == 0) n = 1;
    if (n > SIZE_MAX - ARENA_ALIGN) return xmalloc(SIZE_MAX); /* exits */
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    a->used_total += need;
    if (need > ARENA_BLOCK / 4) {
        struct arena_block *b = block_new(need);
        b->next = a->big;
        a->big = b;
        return b->data;
    }
    struct arena_block *b = a->head;
    if (b->size - b->used < need) {
        b = block_new(ARENA_BLOCK);
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    return p;
}

void *arena_zalloc(arena *a, size_t n)
{
    void *p = arena_alloc(a, n);
    memset(p, 0, n);
    return p;
}

void *arena_memdup(arena *a, const void *p, size_t n)
{
    void *q = arena_alloc(a, n);
    if (n) memcpy(q, p, n);
    return q;
}

char *arena_strndup(arena *a, const char *p, size_t n)
{
    char *q = arena_alloc(a, n + 1);
    if (n) memcpy(q, p, n);
    q[n] = '\0';
    return q;
}

char *arena_strdup(arena *a, const char *s)
{
    return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

/* One formatting pass in the usual case: the text is written straight into
 * the free tail of the current block and kept there when it fits (and is
 * small enough that arena_alloc would have put it in a standard block);
 * only a text that does not fit is measured and formatted again. Halves
 * the vsnprintf work of the per-message callers (part paths, evidence). */
char *arena_printf(arena *a, const char *fmt, ...)
{
    struct arena_block *b = a->head;
    size_t room = b->size - b->used;
    char *tail = (char *)b->data + b->used;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tail, room, fmt, ap);
    va_end(ap);
    if (n < 0) return arena_strdup(a, "");
    size_t need = ((size_t)n + 1 + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    if ((size_t)n < room && need <= ARENA_BLOCK / 4) {
        /* need <= room: room is a multiple of ARENA_ALIGN */
        b->used += need;
        a->used_total += need;
        return tail;
    }
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void *arena_grow(arena *a, void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return p;
    size_t c = *cap ? *cap * 2 : 8;
    while (c < need)
        c *= 2;
    void *q = arena_alloc(a, c * elem);
    if (p && *cap) memcpy(q, p, *cap * elem);
    *cap = c;
    return q;
}

void arena_on_free(arena *a, void (*fn)(void *), void *arg)
{
    struct arena_dtor *d = arena_alloc(a, sizeof *d);
    d->fn = fn;
    d->arg = arg;
    d->next = a->dtors;
    a->dtors = d;
}

size_t arena_used(const arena *a)
{
    return a->used_total;
}

void arena_str_grow(struct arena_str *b, size_t n)
{
    size_t want = b->cap ? b->cap * 2 : 32;
    while (want < b->len + n + 1)
        want *= 2;
    char *np = arena_alloc(b->a, want);
    if (b->len) memcpy(np, b->p, b->len);
    b->p = np;
    b->cap = want;
}
