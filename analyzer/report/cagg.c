/* cagg — GROUP BYs computed in C from a section's own merged rows
 * (report/cagg.h). */
#include "report/cagg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

const struct cval cval_null = {SQLITE_NULL, 0, NULL, 0};

/* SQLite's order of two non-NULL values (no REAL): integers, text, blobs;
 * text and blobs by bytes (BINARY). */
int cval_cmp(const struct cval *a, const struct cval *b)
{
    struct sqlval_parts pa = {.t = a->t, .i = a->i, .p = a->p, .n = (size_t)a->n};
    struct sqlval_parts pb = {.t = b->t, .i = b->i, .p = b->p, .n = (size_t)b->n};
    return sqlval_parts_cmp(&pa, &pb);
}

/* The value at p of a key (kb_put's bytes); returns the bytes it took. */
size_t cagg_key_get(const unsigned char *p, struct cval *v)
{
    *v = cval_null;
    v->t = p[0];
    if (v->t == SQLITE_INTEGER) {
        memcpy(&v->i, p + 1, 8);
        return 9;
    }
    if (v->t == SQLITE_TEXT || v->t == SQLITE_BLOB) {
        uint32_t n32;
        memcpy(&n32, p + 1, 4);
        v->n = (int)n32;
        v->p = p + 5;
        return 5 + (size_t)n32;
    }
    return 1;
}

void cagg_keep(struct cagg_acc *a, const struct cval *v)
{
    free(a->own);
    a->own = NULL;
    a->v = *v;
    if (v->t == SQLITE_TEXT || v->t == SQLITE_BLOB) {
        a->own = xmalloc((size_t)v->n + 1);
        if (v->n) memcpy(a->own, v->p, (size_t)v->n);
        a->v.p = a->own;
    }
    a->has = true;
}

/* *sum += x for values x >= 0 while the sum is at most 2^53: every partial
 * sum of such values, in any order, is then a double exactly, so SQLite's
 * avg() (the values added as doubles in row order) gives the integer sum
 * over the count, and groups can be merged */
static bool sum_exact(int64_t *sum, int64_t x)
{
    const int64_t lim = (int64_t)1 << 53;
    if (x < 0 || x > lim) return false;
    *sum += x;
    return *sum <= lim;
}

/* v added to a for op ('n' count, 's' sum, 'a' avg, 'x' max, 'm' min, as
 * SQLite's aggregates); false: not an integer to sum or average, or an
 * overflow. */
static bool acc_add(struct cagg_acc *a, char op, const struct cval *v)
{
    if (op == 'n') {
        a->n++;
        return true;
    }
    if (v->t == SQLITE_NULL) return true;
    if (op == 'a') { /* integers only (a REAL never reaches here) */
        if (v->t != SQLITE_INTEGER || !sum_exact(&a->sum, v->i)) return false;
        a->n++;
        return true;
    }
    if (op == 's') {
        if (v->t != SQLITE_INTEGER || __builtin_add_overflow(a->sum, v->i, &a->sum)) return false;
        a->has = true;
        return true;
    }
    int r = a->has ? cval_cmp(v, &a->v) : 0;
    if (!a->has || (op == 'x' ? r > 0 : r < 0)) cagg_keep(a, v);
    return true;
}

static void tab_rehash(struct cagg_tab *t)
{
    size_t ns = t->ns ? t->ns * 2 : 64;
    uint32_t *s = xcalloc(ns, sizeof *s);
    for (size_t i = 0; i < t->n; i++) {
        size_t k = (size_t)t->g[i].h & (ns - 1);
        while (s[k])
            k = (k + 1) & (ns - 1);
        s[k] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = s;
    t->ns = ns;
}

/* The group of key kb, made when new (groups in the order first seen, as
 * hashagg stores them); NULL past CAGG_MAX_GROUPS. */
struct cagg_grp *cagg_group(struct cagg_tab *t, const struct sqlval_key *kb)
{
    if (!t->ns) tab_rehash(t);
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, kb->p, kb->n);
    size_t k = (size_t)h & (t->ns - 1);
    while (t->slots[k]) {
        struct cagg_grp *g = &t->g[t->slots[k] - 1];
        if (g->h == h && g->kn == kb->n && memcmp(g->kb, kb->p, kb->n) == 0) return g;
        k = (k + 1) & (t->ns - 1);
    }
    if (t->n == CAGG_MAX_GROUPS) return NULL;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->g = xrealloc(t->g, t->cap * sizeof *t->g);
    }
    struct cagg_grp *g = &t->g[t->n];
    memset(g, 0, sizeof *g);
    g->h = h;
    g->kb = xmalloc(kb->n);
    memcpy(g->kb, kb->p, kb->n);
    g->kn = kb->n;
    g->a = xcalloc(strlen(t->ops), sizeof *g->a);
    t->slots[k] = (uint32_t)++t->n;
    if (t->n * 2 > t->ns) tab_rehash(t);
    return g;
}

void cagg_free(struct cagg_tab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->g[i].kb);
        for (size_t k = 0; t->g[i].a && t->ops[k]; k++)
            free(t->g[i].a[k].own);
        free(t->g[i].a);
    }
    free(t->g);
    free(t->slots);
}

/* A row of nkeys keys (vals) added with one value an op (args); false:
 * take the SQL path. */
bool cagg_add(struct cagg_tab *t, struct sqlval_key *kb, const struct cval *keys,
              const struct cval *args)
{
    kb->n = 0;
    for (int k = 0; k < t->nkeys; k++)
        cagg_key_put(kb, &keys[k]);
    struct cagg_grp *g = cagg_group(t, kb);
    if (!g) return false;
    for (int k = 0; t->ops[k]; k++)
        if (!acc_add(&g->a[k], t->ops[k], &args[k])) return false;
    return true;
}

static void bind_val(sqlite3_stmt *q, int k, const struct cval *v)
{
    if (v->t == SQLITE_INTEGER)
        sqlite3_bind_int64(q, k, v->i);
    else if (v->t == SQLITE_TEXT)
        sqlite3_bind_text(q, k, (const char *)v->p, v->n, SQLITE_TRANSIENT);
    else if (v->t == SQLITE_BLOB)
        sqlite3_bind_blob(q, k, v->p, v->n, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, k);
}

static int store_fail(struct rctx *c)
{
    snprintf(c->err, sizeof c->err, "report aggregate: %s", sqlite3_errmsg(c->db));
    return -1;
}

/* The groups into TEMP table t->dest, in their order. 0 or -1 (c->err). */
int cagg_store(struct rctx *c, const struct cagg_tab *t)
{
    char sql[512];
    snprintf(sql, sizeof sql, "DROP TABLE IF EXISTS temp.%s; CREATE TEMP TABLE %s(%s)", t->dest,
             t->dest, t->cols);
    if (rctx_exec_sql(c, sql) != 0) return -1;
    int nops = (int)strlen(t->ops);
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", t->dest);
    for (int k = 0; k < t->nkeys + nops; k++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", k ? ", " : "");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(c->db, sql, -1, &ins, NULL) != SQLITE_OK) return store_fail(c);
    int rc = rctx_begin(c);
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        const struct cagg_grp *g = &t->g[i];
        const unsigned char *p = g->kb;
        for (int k = 0; k < t->nkeys; k++) {
            struct cval v;
            p += cagg_key_get(p, &v);
            bind_val(ins, k + 1, &v);
        }
        for (int k = 0; k < nops; k++) {
            const struct cagg_acc *a = &g->a[k];
            int col = t->nkeys + k + 1;
            if (t->ops[k] == 'n')
                sqlite3_bind_int64(ins, col, a->n);
            else if (t->ops[k] == 's')
                a->has ? sqlite3_bind_int64(ins, col, a->sum) : sqlite3_bind_null(ins, col);
            else if (t->ops[k] == 'a')
                a->n ? sqlite3_bind_double(ins, col, (double)a->sum / (double)a->n)
                     : sqlite3_bind_null(ins, col);
            else
                bind_val(ins, col, a->has ? &a->v : &cval_null);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) rc = store_fail(c);
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return rc;
}

/* Two keys in the order of a GROUP BY over their columns (NULL first). */
int cagg_key_order(const void *pa, const void *pb)
{
    const struct cagg_grp *ga = pa, *gb = pb;
    const unsigned char *a = ga->kb, *b = gb->kb, *ea = a + ga->kn, *eb = b + gb->kn;
    while (a < ea && b < eb) {
        struct cval x, y;
        a += cagg_key_get(a, &x);
        b += cagg_key_get(b, &y);
        if (x.t == SQLITE_NULL || y.t == SQLITE_NULL) {
            if (x.t != y.t) return x.t == SQLITE_NULL ? -1 : 1;
            continue;
        }
        int r = cval_cmp(&x, &y);
        if (r) return r;
    }
    return 0;
}

bool cagg_merge(struct cagg_acc *into, char op, const struct cagg_acc *a)
{
    switch (op) {
    case 'n':
        into->n += a->n;
        return true;
    case 'a':
        into->n += a->n;
        return sum_exact(&into->sum, a->sum);
    case 's':
        if (!a->has) return true;
        into->has = true;
        return !__builtin_add_overflow(into->sum, a->sum, &into->sum);
    default:
        return a->has ? acc_add(into, op, &a->v) : true;
    }
}
