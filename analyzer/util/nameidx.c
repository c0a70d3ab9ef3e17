/* nameidx — see nameidx.h. */
#include "util/nameidx.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t build_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *name_at(const struct nameidx *x, size_t i)
{
    const char *e = (const char *)x->base + i * x->stride;
    const char *name;
    memcpy(&name, e, sizeof name);
    return name;
}

static uint32_t name_hash(const char *p, size_t len)
{
    uint32_t h = (uint32_t)len * 0x9E3779B1u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 0x01000193u;
    return h ^ (h >> 15);
}

static void build(struct nameidx *x)
{
    if (x->n > NAMEIDX_MAX) abort(); /* our own tables: a bug */
    memset(x->slot, 0, sizeof x->slot);
    for (size_t i = 0; i < x->n; i++) {
        const char *name = name_at(x, i);
        size_t len = strlen(name);
        if (len > 255) abort();
        x->name_len[i] = (uint8_t)len;
        uint32_t s = name_hash(name, len) & (NAMEIDX_SLOTS - 1);
        while (x->slot[s])
            s = (s + 1) & (NAMEIDX_SLOTS - 1);
        x->slot[s] = (uint8_t)(i + 1);
    }
}

int nameidx_find(struct nameidx *x, const char *p, size_t len)
{
    if (!atomic_load_explicit(&x->built, memory_order_acquire)) {
        pthread_mutex_lock(&build_mu);
        if (!atomic_load_explicit(&x->built, memory_order_relaxed)) {
            build(x);
            atomic_store_explicit(&x->built, true, memory_order_release);
        }
        pthread_mutex_unlock(&build_mu);
    }
    uint32_t s = name_hash(p, len) & (NAMEIDX_SLOTS - 1);
    while (x->slot[s]) {
        size_t i = (size_t)x->slot[s] - 1;
        if (x->name_len[i] == len && memcmp(name_at(x, i), p, len) == 0) return (int)i;
        s = (s + 1) & (NAMEIDX_SLOTS - 1);
    }
    return -1;
}
