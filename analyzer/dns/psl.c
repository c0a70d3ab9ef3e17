/* psl — see psl.h. Rules in an open-addressing set of strings: "com",
 * "*.ck" and "!www.ck" as written. A name is looked up suffix by suffix from
 * the longest, so an exception (always longer than its wildcard) is met
 * first, then the longest rule. */
#include "dns/psl.h"
#include "util/hash.h"
#include "util/reader.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct psl {
    arena *a;
    char **slot;
    size_t cap, n;
};

static void put(struct psl *l, const char *rule, size_t len)
{
    if (l->n >= PSL_MAX_RULES) return;
    if ((l->n + 1) * 2 > l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 16384;
        char **ns = xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < l->cap; i++) {
            if (!l->slot[i]) continue;
            size_t k = (size_t)hash_fnv1a(l->slot[i], strlen(l->slot[i])) & (ncap - 1);
            while (ns[k])
                k = (k + 1) & (ncap - 1);
            ns[k] = l->slot[i];
        }
        free(l->slot);
        l->slot = ns;
        l->cap = ncap;
    }
    size_t k = (size_t)hash_fnv1a(rule, len) & (l->cap - 1);
    while (l->slot[k]) {
        if (strlen(l->slot[k]) == len && memcmp(l->slot[k], rule, len) == 0) return;
        k = (k + 1) & (l->cap - 1);
    }
    l->slot[k] = arena_strndup(l->a, rule, len);
    str_lower(l->slot[k], len);
    l->n++;
}

static bool has(const struct psl *l, const char *rule, size_t len)
{
    if (!l->cap) return false;
    size_t k = (size_t)hash_fnv1a(rule, len) & (l->cap - 1);
    while (l->slot[k]) {
        if (strlen(l->slot[k]) == len && memcmp(l->slot[k], rule, len) == 0) return true;
        k = (k + 1) & (l->cap - 1);
    }
    return false;
}

struct psl *psl_load_text(const char *p, size_t len)
{
    struct psl *l = xcalloc(1, sizeof *l);
    l->a = arena_new();
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(p + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - p) : len;
        /* a rule is the first whitespace-free run of the line */
        size_t s = i;
        while (s < end && ch_is_space((unsigned char)p[s]))
            s++;
        size_t e = s;
        while (e < end && !ch_is_space((unsigned char)p[e]))
            e++;
        bool ascii = true;
        for (size_t k = s; k < e; k++)
            if ((unsigned char)p[k] >= 0x80) ascii = false;
        if (e > s && ascii && !(e - s >= 2 && p[s] == '/' && p[s + 1] == '/') && e - s < 256)
            put(l, p + s, e - s);
        i = nl ? end + 1 : len;
    }
    return l;
}

struct psl *psl_load(const char *path, char *err, size_t errlen)
{
    struct buf b;
    bool trunc;
    buf_init(&b, 0);
    if (reader_slurp(path, 64u << 20, &b, &trunc, err, errlen) != 0) {
        char why[256];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "%s: %s", path, why);
        buf_free(&b);
        return NULL;
    }
    struct psl *l = psl_load_text(b.p ? b.p : "", b.len);
    buf_free(&b);
    return l;
}

void psl_free(struct psl *l)
{
    if (!l) return;
    free(l->slot);
    arena_free(l->a);
    free(l);
}

size_t psl_rules(const struct psl *l)
{
    return l->n;
}

const char *psl_org_domain(const struct psl *l, arena *a, const char *name)
{
    size_t len = strlen(name);
    if (!len || len > 253) return NULL;
    char tmp[300];
    /* suffixes from the longest: start of each label */
    const char *ps = NULL; /* the public suffix found */
    size_t i = 0;
    while (i < len) {
        const char *suf = name + i;
        size_t sl = len - i;
        const char *dot = strchr(suf, '.');
        tmp[0] = '!';
        memcpy(tmp + 1, suf, sl);
        if (has(l, tmp, sl + 1)) { /* exception: the suffix is this minus its first label */
            ps = dot ? dot + 1 : NULL;
            if (!ps) return NULL;
            break;
        }
        if (has(l, suf, sl)) {
            ps = suf;
            break;
        }
        if (dot) {
            tmp[0] = '*';
            memcpy(tmp + 1, dot, len - (size_t)(dot - name));
            if (has(l, tmp, 1 + len - (size_t)(dot - name))) {
                ps = suf;
                break;
            }
        }
        if (!dot) {
            ps = suf; /* the implicit "*" rule: the TLD */
            break;
        }
        i = (size_t)(dot - name) + 1;
    }
    if (!ps || ps == name) return NULL; /* the name is a public suffix */
    /* one label more than the suffix */
    const char *p = ps - 1; /* the dot before the suffix */
    const char *start = p;
    while (start > name && start[-1] != '.')
        start--;
    return arena_strdup(a, start);
}
