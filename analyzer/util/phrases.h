/* phrases — does a text hold any of a fixed list of phrases, ASCII
 * case-insensitively (what str_find_ci on each phrase answers)? One pass
 * that skips (Wu and Manber's multi-pattern search): a window as long as
 * the shortest phrase (m bytes) slides along the text, and the two bytes
 * that end it say how far it may move: as far as from the nearest place
 * those two bytes (case folded) take in the first m bytes of any phrase to
 * that prefix's end, m - 1 when they are in none. A window whose last two
 * bytes end some phrase's first m bytes has every phrase compared at its
 * start. The byte pairs are hashed to 12 bits: a collision only shortens a
 * move. The table is built on first use (thread-safe, once per process) for
 * a constant list; at most PHRASES_MAX phrases of at most 255 bytes. */
#ifndef UTIL_PHRASES_H
#define UTIL_PHRASES_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PHRASES_MAX 64
#define PHRASES_HASH 4096u

struct phrases {
    const char *const *list;
    size_t n;
    atomic_bool built;
    size_t m;                   /* the window: the shortest phrase (0, 1: no skipping) */
    uint8_t len[PHRASES_MAX];   /* each phrase's length */
    uint8_t move[PHRASES_HASH]; /* by byte pair: how far the window may move */
};

/* A static initialiser for the n phrases at list (constant, NUL-terminated). */
#define PHRASES_INIT(list, n)                                                                      \
    {                                                                                              \
        (list), (n), false, 0, {0},                                                                \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* Does (p,len) hold any of the phrases? */
bool phrases_any(struct phrases *ps, const char *p, size_t len);

#endif
