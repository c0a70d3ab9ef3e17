/* lru — a bounded table of open state (SMTP sessions, queued messages) for
 * the log parsers: an intrusive hash table whose nodes are also kept in
 * least-recently-used order, so a parser can evict the oldest entry when its
 * ceiling is reached and its memory never grows with the file. The caller
 * embeds a struct lru_node in its own struct, sets node->hash, and owns the
 * memory. LRU_BUCKETS buckets; any number of nodes (the caller bounds it). */
#ifndef LOGS_LRU_H
#define LOGS_LRU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LRU_BUCKETS 8192 /* power of two */

struct lru_node {
    uint64_t hash;
    struct lru_node *hnext;         /* bucket chain */
    struct lru_node *older, *newer; /* use order */
};

struct lru {
    struct lru_node *bucket[LRU_BUCKETS];
    struct lru_node *oldest, *newest;
    size_t count;
};

/* Tells whether a node with the right hash is the one sought (NULL: the hash is the key). */
typedef bool (*lru_eq_fn)(const struct lru_node *n, const void *key);

/* The node with this hash (and eq(node, key) when eq is given), marked most
 * recently used; NULL when absent. */
struct lru_node *lru_get(struct lru *t, uint64_t hash, lru_eq_fn eq, const void *key);
void lru_insert(struct lru *t, struct lru_node *n);
void lru_remove(struct lru *t, struct lru_node *n);

#endif
