/* arena — one region allocator per message (or per file, per report).
 * Everything parsed for a message is allocated here and released by a single
 * arena_free/arena_reset; foreign objects (PCRE2 match data, OpenSSL keys)
 * register a destructor that runs at release. Allocation never fails (OOM exits).
 * Not thread-safe: one arena belongs to one thread at a time. */
#ifndef UTIL_ARENA_H
#define UTIL_ARENA_H
#include <stddef.h>
#include <string.h>

typedef struct arena arena;

/* The block size and the alignment of every allocation. A request larger
 * than a quarter block gets a block of its own. */
#define ARENA_BLOCK (64 * 1024)
#define ARENA_ALIGN 16

/* The layout is private to arena.c; it is here only so that the common case
 * of arena_alloc can be inline. */
struct arena_block {
    struct arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};
struct arena {
    struct arena_block *head; /* current block, newest first */
    struct arena_block *big;  /* dedicated blocks for large requests */
    struct arena_dtor *dtors;
    size_t used_total;
};

arena *arena_new(void);
void arena_free(arena *a);
/* Release everything but keep the first block for reuse (fast per-message loop). */
void arena_reset(arena *a);
/* The cases arena_alloc leaves out of line: n == 0, a large request, a full
 * block, and sizes that would overflow. */
void *arena_alloc_slow(arena *a, size_t n);
/* 16-byte aligned, uninitialised. Inline: about 1,600 calls a message, nearly
 * all small ones that fit the current block (11K instructions a message
 * fewer than the call, callgrind). need - 1 wraps for n == 0 and
 * for n so large that the rounding overflows, which sends both to the slow
 * path like any request above a quarter block. */
static inline void *arena_alloc(arena *a, size_t n)
{
    size_t need = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    struct arena_block *b = a->head;
    if (need - 1 < ARENA_BLOCK / 4 && need <= b->size - b->used) {
        void *p = b->data + b->used;
        b->used += need;
        a->used_total += need;
        return p;
    }
    return arena_alloc_slow(a, n);
}
void *arena_zalloc(arena *a, size_t n);
void *arena_memdup(arena *a, const void *p, size_t n);
/* Copy n bytes and add a terminating NUL. */
char *arena_strndup(arena *a, const char *p, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Grow an arena array (old contents copied; the old block is simply abandoned). */
void *arena_grow(arena *a, void *p, size_t *cap, size_t need, size_t elem);
void arena_on_free(arena *a, void (*fn)(void *), void *arg);
/* A string built piece by piece in an arena: always NUL-terminated once
 * anything was put (p stays NULL until then). Start with {.a = arena}. */
struct arena_str {
    arena *a;
    char *p;
    size_t len, cap;
};
/* Make room for n more bytes and the NUL (the string's buffer doubles). */
void arena_str_grow(struct arena_str *b, size_t n);
/* Append n bytes. Inline: the rules and the address parser put a few bytes
 * at a time, about 1,700 calls a message. */
static inline void arena_str_put(struct arena_str *b, const char *s, size_t n)
{
    if (n == 0 && b->p) return;
    if (b->len + n + 1 > b->cap) arena_str_grow(b, n);
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

/* Bytes handed out since the last reset (for ceilings and statistics). */
size_t arena_used(const arena *a);

#endif
