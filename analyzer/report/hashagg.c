/* hashagg — GROUP BY without the sort (rctx.h, rctx_hashagg).
 *
 * SQLite computes a GROUP BY by sorting its rows on the key: over a million
 * rows that sort is about half of the query. When the groups are few (rules,
 * domains, score bands), adding each row to a hash table of groups gives the
 * same result in one pass. The result goes to a TEMP table that the
 * section's final query orders and limits.
 *
 * Exactness, as SQLite's aggregates compute them:
 *   count(*), count(x) (non-NULL x);
 *   sum(x): NULL without a non-NULL x, else an integer sum — a REAL x or an
 *     overflow (where SQLite's own arithmetic takes over) sends the whole
 *     query to the SQL path below;
 *   avg(x): the non-NULL values as doubles added in row order, over their
 *     count (SQLite's avg() adds in the order the rows reach it: a query
 *     read in the order its GROUP BY would give gets the same double);
 *   max(x), min(x): NULLs ignored; SQLite's order of values (numbers, then
 *     text, then blobs; text and blobs by bytes: the BINARY collation).
 * Keys are grouped by type and bytes; a REAL key (where SQLite would group
 * 1 with 1.0) also takes the SQL path. The SQL path is the same GROUP BY,
 * written from the ops; it is also taken past HASHAGG_MAX_GROUPS groups,
 * which bounds the memory. */
#include "report/rctx.h"
#include "report/sqlval.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#ifndef HASHAGG_MAX_GROUPS       /* (a test compiles this file with a small one) */
#define HASHAGG_MAX_GROUPS 20000 /* about 15 MB of groups at most */
#endif
#define HASHAGG_MAX_COLS 16

struct acc {
    int64_t n;        /* count; avg: the values averaged */
    int64_t sum;      /* sum of integers */
    double dsum;      /* avg: the sum, added in row order as SQLite's avg() does */
    bool has;         /* sum: a non-NULL value seen */
    sqlite3_value *v; /* max/min so far (a copy), NULL: none yet */
    /* v read out once when it is set (a row is compared with it:
     * sqlval_cmp read both sides through the API, six calls) */
    struct sqlval_parts vx;
};

struct group {
    uint64_t hash;
    unsigned char *kb; /* the key's sqlval_key bytes: groups compare by them (not msgfold's) */
    size_t kb_len;
    sqlite3_value *key[HASHAGG_MAX_COLS];
    struct acc acc[HASHAGG_MAX_COLS];
};

struct gtab {
    struct group *g;
    size_t n, cap;
    uint32_t *slots; /* group index + 1, 0 empty */
    size_t n_slots;
};

static void rehash(struct gtab *t)
{
    size_t ns = t->n_slots ? t->n_slots * 2 : 256;
    uint32_t *s = xcalloc(ns, sizeof *s);
    for (size_t i = 0; i < t->n; i++) {
        size_t k = (size_t)t->g[i].hash & (ns - 1);
        while (s[k])
            k = (k + 1) & (ns - 1);
        s[k] = (uint32_t)(i + 1);
    }
    free(t->slots);
    t->slots = s;
    t->n_slots = ns;
}

static void gtab_free(struct gtab *t, int nkeys, int nops)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->g[i].kb);
        for (int k = 0; k < nkeys; k++)
            sqlite3_value_free(t->g[i].key[k]);
        for (int k = 0; k < nops; k++)
            sqlite3_value_free(t->g[i].acc[k].v);
    }
    free(t->g);
    free(t->slots);
}

/* Append v to a group key; false for a REAL (the SQL path groups 1 with
 * 1.0). */
static inline bool kb_value(struct sqlval_key *b, sqlite3_value *v)
{
    return sqlval_key_add(b, v, NULL, NULL) != SQLITE_FLOAT;
}

/* The group of a row whose key is kb (values v[0..nkeys)); NULL when there
 * are too many. */
static struct group *group_of(struct gtab *t, const struct sqlval_key *kb, sqlite3_value **v,
                              int nkeys)
{
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, kb->p, kb->n);
    size_t k = (size_t)h & (t->n_slots - 1);
    while (t->slots[k]) {
        struct group *g = &t->g[t->slots[k] - 1];
        if (g->hash == h && g->kb_len == kb->n && memcmp(g->kb, kb->p, kb->n) == 0) return g;
        k = (k + 1) & (t->n_slots - 1);
    }
    if (t->n == HASHAGG_MAX_GROUPS) return NULL;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->g = xrealloc(t->g, t->cap * sizeof *t->g);
    }
    struct group *g = &t->g[t->n];
    memset(g, 0, sizeof *g);
    g->hash = h;
    g->kb = xmalloc(kb->n);
    memcpy(g->kb, kb->p, kb->n);
    g->kb_len = kb->n;
    for (int j = 0; j < nkeys; j++)
        g->key[j] = sqlite3_value_dup(v[j]);
    t->slots[k] = (uint32_t)++t->n;
    if (t->n * 2 > t->n_slots) rehash(t);
    return g;
}

/* The order of the non-NULL value v and a's max or min, as sqlval_cmp(v,
 * a->v) gives it. */
static int acc_cmp(const struct acc *a, sqlite3_value *v)
{
    struct sqlval_parts x = sqlval_parts_of(v);
    return sqlval_parts_cmp(&x, &a->vx);
}

/* a's max or min is now a copy of v */
static void acc_set(struct acc *a, sqlite3_value *v)
{
    sqlite3_value_free(a->v);
    a->v = sqlite3_value_dup(v);
    if (a->v) a->vx = sqlval_parts_of(a->v); /* (out of memory: as no value yet) */
}

/* Add column v of a row to accumulator a for op; false: take the SQL path. */
static bool accumulate(struct acc *a, char op, sqlite3_value *v)
{
    int t = sqlite3_value_type(v);
    switch (op) {
    case 'n':
        a->n++;
        return true;
    case 'c':
        if (t != SQLITE_NULL) a->n++;
        return true;
    case 'a':
        if (t == SQLITE_NULL) return true;
        a->dsum += t == SQLITE_INTEGER ? (double)sqlite3_value_int64(v) : sqlite3_value_double(v);
        a->n++;
        return true;
    case 's':
        if (t == SQLITE_NULL) return true;
        if (t != SQLITE_INTEGER) return false;
        if (__builtin_add_overflow(a->sum, sqlite3_value_int64(v), &a->sum)) return false;
        a->has = true;
        return true;
    default: /* 'x' max, 'm' min */
        if (t == SQLITE_NULL) return true;
        if (!a->v || (op == 'x' ? acc_cmp(a, v) > 0 : acc_cmp(a, v) < 0)) acc_set(a, v);
        return true;
    }
}

static int agg_fail(struct rctx *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, sqlite3_errmsg(c->db));
    return -1;
}

static int store(struct rctx *c, const char *dest, int nkeys, const char *ops, struct gtab *t)
{
    int nops = (int)strlen(ops);
    char sql[512];
    int n = snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (", dest);
    for (int k = 0; k < nkeys + nops; k++)
        n += snprintf(sql + n, sizeof sql - (size_t)n, "%s?", k ? ", " : "");
    snprintf(sql + n, sizeof sql - (size_t)n, ")");
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(c->db, sql, -1, &ins, NULL) != SQLITE_OK)
        return agg_fail(c, "report aggregate");
    int rc = rctx_begin(c);
    for (size_t i = 0; rc == 0 && i < t->n; i++) {
        struct group *g = &t->g[i];
        for (int k = 0; k < nkeys; k++)
            sqlite3_bind_value(ins, k + 1, g->key[k]);
        for (int k = 0; k < nops; k++) {
            struct acc *a = &g->acc[k];
            int col = nkeys + k + 1;
            if (ops[k] == 'n' || ops[k] == 'c')
                sqlite3_bind_int64(ins, col, a->n);
            else if (ops[k] == 's')
                a->has ? sqlite3_bind_int64(ins, col, a->sum) : sqlite3_bind_null(ins, col);
            else if (ops[k] == 'a')
                a->n ? sqlite3_bind_double(ins, col, a->dsum / (double)a->n)
                     : sqlite3_bind_null(ins, col);
            else
                a->v ? sqlite3_bind_value(ins, col, a->v) : sqlite3_bind_null(ins, col);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) rc = agg_fail(c, "report aggregate");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return rc;
}

/* ---- several GROUP BYs from one pass (rctx_hashagg_multi, and the
 * groupings rctx_msgfold_multi adds to its own) ----
 * Each grouping keeps its own table of groups, filled from the same rows;
 * one that meets a REAL key, a REAL or overflowing sum or too many groups
 * stops there and is computed afterwards by its own GROUP BY in SQL (a
 * second pass, for it alone). */
#define MULTI_MAX_COLS 64 /* columns of the one query */

struct multi {
    const struct rctx_agg *a;
    struct gtab t;
    struct sqlval_key kb; /* a row's key */
    bool by_sql;          /* take the SQL path */
};

/* Check each grouping's shape, create its TEMP table. 0 or -1 (c->err). */
static int multi_create(struct rctx *c, struct multi *m, const struct rctx_agg *aggs, int n)
{
    memset(m, 0, (size_t)n * sizeof *m);
    for (int i = 0; i < n; i++) {
        const struct rctx_agg *a = &aggs[i];
        int nops = (int)strlen(a->ops);
        if (a->nkeys < 1 || a->nkeys > HASHAGG_MAX_COLS || nops < 1 || nops > HASHAGG_MAX_COLS ||
            strspn(a->ops, "ncsaxm") != (size_t)nops) {
            snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
            return -1;
        }
        m[i].a = a;
        char ddl[512];
        int k = snprintf(ddl, sizeof ddl, "DROP TABLE IF EXISTS temp.%s; CREATE TEMP TABLE %s(",
                         a->dest, a->dest);
        for (int j = 0; j < a->nkeys; j++)
            k += snprintf(ddl + k, sizeof ddl - (size_t)k, "%sk%d", j ? ", " : "", j + 1);
        for (int j = 0; j < nops; j++)
            k += snprintf(ddl + k, sizeof ddl - (size_t)k, ", a%d", j + 1);
        snprintf(ddl + k, sizeof ddl - (size_t)k, ")");
        if (rctx_exec_sql(c, ddl) != 0) return -1;
    }
    return 0;
}

/* Every column a grouping reads exists in a row of ncols columns; the
 * tables of groups made ready. 0 or -1 (c->err). */
static int multi_ready(struct rctx *c, struct multi *m, int n, int ncols)
{
    for (int i = 0; i < n; i++) {
        const struct rctx_agg *a = m[i].a;
        bool ok = ncols <= MULTI_MAX_COLS;
        for (int k = 0; ok && k < a->nkeys; k++)
            ok = a->keys[k] >= 0 && a->keys[k] < ncols;
        for (int k = 0; ok && a->ops[k]; k++)
            ok = a->ops[k] == 'n' || (a->args[k] >= 0 && a->args[k] < ncols);
        if (ok && a->when) ok = *a->when >= 0 && *a->when < ncols;
        if (!ok) {
            snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
            return -1;
        }
    }
    for (int i = 0; i < n; i++)
        rehash(&m[i].t);
    return 0;
}

/* Add a row to one grouping; false: it must take the SQL path. */
static bool multi_add(struct multi *m, sqlite3_value **row)
{
    const struct rctx_agg *a = m->a;
    if (a->when) { /* as WHERE: NULL and 0 are not true */
        sqlite3_value *w = row[*a->when];
        if (sqlite3_value_type(w) == SQLITE_NULL || sqlite3_value_double(w) == 0) return true;
    }
    sqlite3_value *key[HASHAGG_MAX_COLS];
    m->kb.n = 0;
    for (int k = 0; k < a->nkeys; k++) {
        key[k] = row[a->keys[k]];
        if (!kb_value(&m->kb, key[k])) return false;
    }
    struct group *g = group_of(&m->t, &m->kb, key, a->nkeys);
    if (!g) return false;
    for (int k = 0; a->ops[k]; k++)
        if (!accumulate(&g->acc[k], a->ops[k], row[a->ops[k] == 'n' ? 0 : a->args[k]]))
            return false;
    return true;
}

/* A row to every grouping still in C; *live counts those. */
static void multi_row(struct multi *m, int n, sqlite3_value **row, int *live)
{
    for (int i = 0; i < n; i++)
        if (!m[i].by_sql && !multi_add(&m[i], row)) {
            m[i].by_sql = true; /* its groups so far are dropped at the end */
            (*live)--;
        }
}

/* The SQL path of one grouping: WITH q(c0, c1, ...) AS (sql) SELECT its
 * keys and aggregates FROM q [WHERE its condition] GROUP BY its keys. */
static int multi_by_sql(struct rctx *c, const char *sql, int ncols, const struct rctx_agg *a)
{
    size_t cap = strlen(sql) + 2048;
    char *q = xmalloc(cap);
    int n = snprintf(q, cap, "INSERT INTO %s WITH q(", a->dest);
    for (int k = 0; k < ncols; k++)
        n += snprintf(q + n, cap - (size_t)n, "%sc%d", k ? ", " : "", k);
    n += snprintf(q + n, cap - (size_t)n, ") AS (%s) SELECT ", sql);
    for (int k = 0; k < a->nkeys; k++)
        n += snprintf(q + n, cap - (size_t)n, "%sc%d", k ? ", " : "", a->keys[k]);
    for (int k = 0; a->ops[k]; k++) {
        char op = a->ops[k];
        const char *fn = op == 'c'   ? "count"
                         : op == 's' ? "sum"
                         : op == 'a' ? "avg"
                         : op == 'x' ? "max"
                                     : "min";
        if (op == 'n')
            n += snprintf(q + n, cap - (size_t)n, ", count(*)");
        else
            n += snprintf(q + n, cap - (size_t)n, ", %s(c%d)", fn, a->args[k]);
    }
    n += snprintf(q + n, cap - (size_t)n, " FROM q");
    if (a->when) n += snprintf(q + n, cap - (size_t)n, " WHERE c%d", *a->when);
    for (int k = 0; k < a->nkeys; k++)
        n += snprintf(q + n, cap - (size_t)n, "%sc%d", k ? ", " : " GROUP BY ", a->keys[k]);
    int rc = rctx_exec_sql(c, q);
    free(q);
    return rc;
}

/* Store each grouping's groups, or (complete false: the pass stopped
 * before the last row; or it went to the SQL path) compute it by SQL; free
 * them. out: the caller's status so far (nothing is stored after an
 * error). Returns the status. */
static int multi_finish(struct rctx *c, struct multi *m, int n, const char *sql, int ncols,
                        bool complete, int out)
{
    for (int i = 0; i < n; i++) {
        const struct rctx_agg *a = m[i].a;
        if (out == 0)
            out = m[i].by_sql || !complete ? multi_by_sql(c, sql, ncols, a)
                                           : store(c, a->dest, a->nkeys, a->ops, &m[i].t);
        gtab_free(&m[i].t, a->nkeys, (int)strlen(a->ops));
        free(m[i].kb.p);
    }
    return out;
}

int rctx_hashagg_multi(struct rctx *c, const char *sql, const struct rctx_agg *aggs, int n_aggs)
{
    struct multi m[RCTX_MULTI_MAX];
    if (n_aggs < 1 || n_aggs > RCTX_MULTI_MAX) {
        snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
        return -1;
    }
    if (multi_create(c, m, aggs, n_aggs) != 0) return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        const char *msg = sqlite3_errmsg(c->db);
        if (strstr(msg, "no such table") || strstr(msg, "no such column"))
            return 0; /* an older database: no rows, as rctx_fill gives */
        return agg_fail(c, "report aggregate");
    }
    int ncols = sqlite3_column_count(q);
    if (multi_ready(c, m, n_aggs, ncols) != 0) {
        sqlite3_finalize(q);
        return -1;
    }
    int rc = SQLITE_DONE, live = n_aggs;
    sqlite3_value *row[MULTI_MAX_COLS];
    row[0] = NULL;
    while (live > 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqlval_row(q, row, ncols);
        multi_row(m, n_aggs, row, &live);
    }
    if (live == 0) rc = SQLITE_DONE; /* every grouping goes by SQL */
    sqlite3_finalize(q);
    int out = rc == SQLITE_DONE ? 0 : agg_fail(c, "report aggregate");
    return multi_finish(c, m, n_aggs, sql, ncols, true, out);
}

/* One grouping of the query's columns in order: the keys, then one
 * argument an op. The query must have exactly those columns. */
int rctx_hashagg(struct rctx *c, const char *sql, int nkeys, const char *ops, const char *dest)
{
    int nops = (int)strlen(ops);
    if (nkeys < 1 || nkeys > HASHAGG_MAX_COLS || nops < 1 || nops > HASHAGG_MAX_COLS ||
        strspn(ops, "ncsaxm") != (size_t)nops) {
        snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
        return -1;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) == SQLITE_OK) {
        int ncols = sqlite3_column_count(q);
        sqlite3_finalize(q);
        if (ncols != nkeys + nops) {
            snprintf(c->err, sizeof c->err, "report aggregate: %d columns, %d expected", ncols,
                     nkeys + nops);
            return -1;
        }
    } /* (else rctx_hashagg_multi says why, or leaves dest empty) */
    int keys[HASHAGG_MAX_COLS], args[HASHAGG_MAX_COLS];
    for (int k = 0; k < nkeys; k++)
        keys[k] = k;
    for (int k = 0; k < nops; k++)
        args[k] = nkeys + k;
    const struct rctx_agg a = {dest, nkeys, keys, ops, args, NULL};
    return rctx_hashagg_multi(c, sql, &a, 1);
}

/* ---- rctx_msgfold: count(DISTINCT message) per key without the sorts ----
 * The rows come in message order (a primary-key scan); each message's rows
 * are folded per key in a small array, then added to a hash table of keys:
 * pairs (message, key), rows, and per flag the pairs where any row has it. */
#define MSGFOLD_MAX_FLAGS 8
#define MSGFOLD_MAX_PER_MSG 64

struct mf_pair {
    sqlite3_value *key; /* borrowed from the statement while the message lasts: copied */
    int64_t rows;
    bool flag[MSGFOLD_MAX_FLAGS];
};

static int mf_flush(struct gtab *t, struct mf_pair *p, size_t n, int nflags, bool *full)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t h = sqlval_hash(SQLVAL_HASH_SEED, p[i].key);
        size_t k = (size_t)h & (t->n_slots - 1);
        struct group *g = NULL;
        while (t->slots[k] && !g) {
            struct group *x = &t->g[t->slots[k] - 1];
            if (x->hash == h && sqlval_same(x->key[0], p[i].key)) g = x;
            k = (k + 1) & (t->n_slots - 1);
        }
        if (!g) {
            if (t->n == HASHAGG_MAX_GROUPS) {
                *full = true;
                return 0;
            }
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 64;
                t->g = xrealloc(t->g, t->cap * sizeof *t->g);
            }
            k = (size_t)h & (t->n_slots - 1);
            while (t->slots[k])
                k = (k + 1) & (t->n_slots - 1);
            g = &t->g[t->n];
            memset(g, 0, sizeof *g);
            g->hash = h;
            g->key[0] = sqlite3_value_dup(p[i].key);
            t->slots[k] = (uint32_t)++t->n;
            if (t->n * 2 > t->n_slots) rehash(t);
            g = &t->g[t->n - 1];
        }
        g->acc[0].n++;
        g->acc[1].n += p[i].rows;
        for (int f = 0; f < nflags; f++)
            g->acc[2 + f].n += p[i].flag[f];
    }
    return 0;
}

int rctx_msgfold(struct rctx *c, const char *sql, int nflags, const char *dest)
{
    return rctx_msgfold_multi(c, sql, nflags, dest, NULL, 0);
}

int rctx_msgfold_multi(struct rctx *c, const char *sql, int nflags, const char *dest,
                       const struct rctx_agg *aggs, int n_aggs)
{
    static const char all_n[] = "nnnnnnnnnn"; /* 2 + MSGFOLD_MAX_FLAGS counts */
    struct multi mm[RCTX_MULTI_MAX];
    if (nflags < 0 || nflags > MSGFOLD_MAX_FLAGS || n_aggs < 0 || n_aggs > RCTX_MULTI_MAX) {
        snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
        return -1;
    }
    if (multi_create(c, mm, aggs, n_aggs) != 0) return -1;
    char ddl[512];
    int n =
        snprintf(ddl, sizeof ddl,
                 "DROP TABLE IF EXISTS temp.%s; CREATE TEMP TABLE %s(k, pairs, rows", dest, dest);
    for (int f = 0; f < nflags; f++)
        n += snprintf(ddl + n, sizeof ddl - (size_t)n, ", f%d", f + 1);
    snprintf(ddl + n, sizeof ddl - (size_t)n, ")");
    if (rctx_exec_sql(c, ddl) != 0) return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        const char *m = sqlite3_errmsg(c->db);
        if (strstr(m, "no such table") || strstr(m, "no such column")) return 0;
        return agg_fail(c, "report aggregate");
    }
    int ncols = sqlite3_column_count(q), live = n_aggs;
    if (ncols < 2 + nflags || multi_ready(c, mm, n_aggs, ncols) != 0) {
        sqlite3_finalize(q);
        snprintf(c->err, sizeof c->err, "report aggregate: bad shape");
        return -1;
    }
    sqlite3_value *row[MULTI_MAX_COLS] = {NULL};
    struct gtab t = {0};
    rehash(&t);
    struct mf_pair pairs[MSGFOLD_MAX_PER_MSG];
    size_t np = 0;
    int64_t cur = 0;
    bool full = false, have = false;
    int rc;
    while (!full && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        /* (each sqlite3_column_* call is ~55 instructions); the columns the
         * groupings read too when there are any (multi_ready bounded them) */
        sqlval_row(q, row, n_aggs > 0 ? ncols : 2 + nflags);
        int64_t mid = sqlite3_value_int64(row[0]);
        if (have && mid != cur) {
            if (mf_flush(&t, pairs, np, nflags, &full) != 0) break;
            for (size_t i = 0; i < np; i++)
                sqlite3_value_free(pairs[i].key);
            np = 0;
        }
        have = true;
        cur = mid;
        sqlite3_value *key = row[1];
        if (sqlite3_value_type(key) == SQLITE_FLOAT) {
            full = true; /* a REAL key: SQL groups 1 with 1.0 */
            break;
        }
        struct mf_pair *p = NULL;
        for (size_t i = 0; i < np && !p; i++)
            if (sqlval_same(pairs[i].key, key)) p = &pairs[i];
        if (!p) {
            if (np == MSGFOLD_MAX_PER_MSG) {
                full = true;
                break;
            }
            p = &pairs[np++];
            memset(p, 0, sizeof *p);
            p->key = sqlite3_value_dup(key);
        }
        p->rows++;
        for (int f = 0; f < nflags; f++) /* as CASE WHEN x: non-NULL and not 0 */
            if (sqlite3_value_type(row[2 + f]) != SQLITE_NULL &&
                sqlite3_value_double(row[2 + f]) != 0)
                p->flag[f] = true;
        if (n_aggs > 0) /* the other groupings fed from the same row */
            multi_row(mm, n_aggs, row, &live);
    }
    bool complete = !full && rc == SQLITE_DONE;
    if (!full && rc == SQLITE_DONE && np) mf_flush(&t, pairs, np, nflags, &full);
    for (size_t i = 0; i < np; i++)
        sqlite3_value_free(pairs[i].key);
    sqlite3_finalize(q);
    int out;
    if (!full && rc != SQLITE_DONE && rc != SQLITE_ROW)
        out = agg_fail(c, "report aggregate");
    else if (!full)
        out = store(c, dest, 1, all_n + (MSGFOLD_MAX_FLAGS - nflags), &t);
    else {
        /* the SQL path: count(DISTINCT message) per key, and per flag */
        size_t cap = strlen(sql) + 1024;
        char *s = xmalloc(cap);
        int m = snprintf(s, cap, "INSERT INTO %s WITH q(c0", dest);
        for (int k = 1; k < ncols; k++) /* every column named (the groupings' too) */
            m += snprintf(s + m, cap - (size_t)m, ", c%d", k);
        m += snprintf(s + m, cap - (size_t)m, ") AS (%s) SELECT c1, count(DISTINCT c0), count(*)",
                      sql);
        for (int f = 0; f < nflags; f++)
            m += snprintf(s + m, cap - (size_t)m, ", count(DISTINCT CASE WHEN c%d THEN c0 END)",
                          f + 2);
        snprintf(s + m, cap - (size_t)m, " FROM q GROUP BY c1");
        out = rctx_exec_sql(c, s);
        free(s);
    }
    gtab_free(&t, 1, 2 + nflags);
    return multi_finish(c, mm, n_aggs, sql, ncols, complete, out);
}
