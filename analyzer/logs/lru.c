/* lru — see lru.h. */
#include "logs/lru.h"

static size_t slot(uint64_t h)
{
    /* mix, so that sequential integer keys spread over the buckets */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    return (size_t)(h & (LRU_BUCKETS - 1));
}

static void unlink_list(struct lru *t, struct lru_node *n)
{
    if (n->older)
        n->older->newer = n->newer;
    else
        t->oldest = n->newer;
    if (n->newer)
        n->newer->older = n->older;
    else
        t->newest = n->older;
    n->older = n->newer = NULL;
}

static void push_newest(struct lru *t, struct lru_node *n)
{
    n->older = t->newest;
    n->newer = NULL;
    if (t->newest)
        t->newest->newer = n;
    else
        t->oldest = n;
    t->newest = n;
}

struct lru_node *lru_get(struct lru *t, uint64_t hash, lru_eq_fn eq, const void *key)
{
    for (struct lru_node *n = t->bucket[slot(hash)]; n; n = n->hnext) {
        if (n->hash == hash && (!eq || eq(n, key))) {
            if (t->newest != n) {
                unlink_list(t, n);
                push_newest(t, n);
            }
            return n;
        }
    }
    return NULL;
}

void lru_remove(struct lru *t, struct lru_node *n)
{
    struct lru_node **pp = &t->bucket[slot(n->hash)];
    while (*pp && *pp != n)
        pp = &(*pp)->hnext;
    if (*pp) *pp = n->hnext;
    unlink_list(t, n);
    t->count--;
}

void lru_insert(struct lru *t, struct lru_node *n)
{
    size_t s = slot(n->hash);
    n->hnext = t->bucket[s];
    t->bucket[s] = n;
    push_newest(t, n);
    t->count++;
}
