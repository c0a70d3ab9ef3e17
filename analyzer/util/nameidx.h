/* nameidx — exact lookup of a name in a small constant table of structs
 * whose first member is the name (const char *, NUL-terminated, all
 * distinct), through a hash index built on first use (thread-safe, once per
 * process; at most NAMEIDX_MAX entries). For the HTML tag tables, looked up
 * once or twice per tag of every HTML part: a binary search with strcmp
 * took about seven calls and as many unpredictable branches a lookup, this
 * one hash and usually one comparison. It does not fold case: callers pass
 * the name as the table spells it. */
#ifndef UTIL_NAMEIDX_H
#define UTIL_NAMEIDX_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NAMEIDX_MAX 255
#define NAMEIDX_SLOTS 512 /* a power of two, more than twice NAMEIDX_MAX */

struct nameidx {
    const void *base; /* the table */
    size_t n;         /* its entries */
    size_t stride;    /* sizeof one entry */
    atomic_bool built;
    uint8_t slot[NAMEIDX_SLOTS];   /* entry index + 1, 0: empty */
    uint8_t name_len[NAMEIDX_MAX]; /* strlen of each entry's name (at most 255) */
};

/* A static initialiser for table `tab` (an array of structs). */
#define NAMEIDX_INIT(tab)                                                                          \
    {                                                                                              \
        (tab), sizeof(tab) / sizeof((tab)[0]), sizeof((tab)[0]), false, {0},                       \
        {                                                                                          \
            0                                                                                      \
        }                                                                                          \
    }

/* The index of the entry whose name is exactly the len bytes at p, or -1. */
int nameidx_find(struct nameidx *x, const char *p, size_t len);

#endif
