/* phrases — see phrases.h. */
#include "util/phrases.h"
#include "util/str.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;

/* The case is folded by setting bit 5, not through ch_lower's table: a
 * letter and its capital get the same key, and so does every other byte
 * with the one 32 apart ('@' and '`', a control byte and a punctuation
 * one), a collision that only shortens a move like any other. Each step of
 * the search waits for the key of the step before: two table loads fewer
 * a step, 25-30% of phrases_any's time on the bench messages. */
static unsigned pair_key(unsigned char a, unsigned char b)
{
    return (((unsigned)(a | 0x20) << 5) ^ (unsigned)(b | 0x20)) & (PHRASES_HASH - 1);
}

static void build(struct phrases *ps)
{
    if (ps->n > PHRASES_MAX) abort(); /* our own lists: a bug */
    size_t m = SIZE_MAX;
    for (size_t i = 0; i < ps->n; i++) {
        size_t l = strlen(ps->list[i]);
        if (l > 255) abort();
        ps->len[i] = (uint8_t)l;
        if (l < m) m = l;
    }
    ps->m = ps->n ? m : 0;
    if (ps->m < 2) return; /* compared one by one */
    memset(ps->move, (int)(ps->m - 1), sizeof ps->move);
    for (size_t i = 0; i < ps->n; i++)
        for (size_t j = 1; j < ps->m; j++) {
            unsigned k = pair_key((unsigned char)ps->list[i][j - 1], (unsigned char)ps->list[i][j]);
            uint8_t d = (uint8_t)(ps->m - 1 - j);
            if (d < ps->move[k]) ps->move[k] = d;
        }
}

bool phrases_any(struct phrases *ps, const char *p, size_t len)
{
    if (!p) return false;
    if (!atomic_load_explicit(&ps->built, memory_order_acquire)) {
        pthread_mutex_lock(&build_mu);
        if (!atomic_load_explicit(&ps->built, memory_order_relaxed)) {
            build(ps);
            atomic_store_explicit(&ps->built, true, memory_order_release);
        }
        pthread_mutex_unlock(&build_mu);
    }
    size_t m = ps->m;
    if (m < 2) {
        for (size_t i = 0; i < ps->n; i++)
            if (str_find_ci(p, len, ps->list[i])) return true;
        return false;
    }
    /* e: the window's last byte */
    for (size_t e = m - 1; e < len;) {
        uint8_t d = ps->move[pair_key((unsigned char)p[e - 1], (unsigned char)p[e])];
        if (d) {
            e += d;
            continue;
        }
        size_t w = e + 1 - m;
        for (size_t i = 0; i < ps->n; i++)
            if (ps->len[i] <= len - w && str_eq_ci(p + w, ps->len[i], ps->list[i])) return true;
        e++;
    }
    return false;
}
