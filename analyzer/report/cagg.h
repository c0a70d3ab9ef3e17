/* cagg — GROUP BYs a section computes in C from rows it reads itself (a
 * merge of several tables in message order, report/sec_authentication.c
 * and report/sec_infrastructure.c), stored as TEMP tables that the
 * section's final queries order and limit, as rctx_hashagg_multi would
 * have stored them (report/hashagg.c, whose exactness rules these follow).
 *
 * A value (struct cval) is borrowed from its statement's row or made here
 * (cval_text, cval_int); a REAL is not taken (cval_col says so): grouping
 * and ordering it as SQLite does (1 = 1.0) is left to the SQL path, which
 * the caller takes when any call here says false. Groups are kept in the
 * order first seen (as hashagg stores them), at most CAGG_MAX_GROUPS a
 * table. Ops: 'n' count(*), 's' sum of integers (NULL without a value;
 * false on an overflow or a non-integer), 'a' avg of integers >= 0 (SQLite's
 * avg() adds them as doubles in row order: while their sum is at most
 * 2^53 every partial sum is exact, whatever the order; else false), 'x' max, 'm' min
 * (SQLite's order: integers, then text, then blobs by bytes; NULLs
 * ignored). */
#ifndef REPORT_CAGG_H
#define REPORT_CAGG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "report/rctx.h"
#include "report/sqlval.h"

#define CAGG_MAX_GROUPS 20000 /* as hashagg's bound: past it, SQL */

/* A column's value, borrowed from its statement's current row. */
struct cval {
    int t;
    int64_t i;
    const unsigned char *p;
    int n;
};

/* An aggregate: count, integer sum (has: a non-NULL seen; avg: the sum
 * and n the values), or a kept value (max, min, first) with its own
 * bytes. */
struct cagg_acc {
    int64_t n, sum;
    bool has;
    struct cval v;
    unsigned char *own;
};

struct cagg_grp {
    uint64_t h;
    unsigned char *kb;
    size_t kn;
    int64_t last;       /* the caller's (sec_authentication: the last message counted) */
    struct cagg_acc *a; /* one an op */
};

/* The groups of one TEMP table dest(cols): nkeys key columns, then one
 * column an op. */
struct cagg_tab {
    const char *dest, *cols, *ops;
    int nkeys;
    struct cagg_grp *g;
    size_t n, cap;
    uint32_t *slots; /* group index + 1, 0 empty */
    size_t ns;
};

extern const struct cval cval_null;
/* Column k of q; false for a REAL. (Inline, as the key bytes below: they
 * are called for every column of every row.) */
static inline bool cval_col(sqlite3_stmt *q, int k, struct cval *v)
{
    /* one column call, then the value's (each sqlite3_column_* call does
     * the statement's bookkeeping again: 140 instructions a column with
     * three calls, 93 with one) */
    sqlite3_value *x = sqlite3_column_value(q, k);
    v->t = sqlite3_value_type(x);
    v->i = 0;
    v->p = NULL;
    v->n = 0;
    if (v->t == SQLITE_INTEGER)
        v->i = sqlite3_value_int64(x);
    else if (v->t == SQLITE_TEXT || v->t == SQLITE_BLOB) {
        v->p = v->t == SQLITE_TEXT ? sqlite3_value_text(x) : sqlite3_value_blob(x);
        v->n = sqlite3_value_bytes(x);
        if (!v->p) v->p = (const unsigned char *)"";
    }
    return v->t != SQLITE_FLOAT;
}

static inline struct cval cval_text(const char *s)
{
    return (struct cval){SQLITE_TEXT, 0, (const unsigned char *)s, (int)strlen(s)};
}

static inline struct cval cval_int(int64_t i)
{
    return (struct cval){SQLITE_INTEGER, i, NULL, 0};
}

/* SQL's `v = 'lit'` for a TEXT-affinity column: only a text of those bytes
 * (inline: the literal's length is known where it is called). */
static inline bool cval_is(const struct cval *v, const char *lit)
{
    size_t n = strlen(lit);
    return v->t == SQLITE_TEXT && (size_t)v->n == n && memcmp(v->p, lit, n) == 0;
}
/* SQLite's order of two non-NULL values (no REAL). */
int cval_cmp(const struct cval *a, const struct cval *b);

/* v appended to a key: its type, then the integer or the length and bytes;
 * cagg_key_get reads one back (returns the bytes it took). */
static inline void cagg_key_put(struct sqlval_key *b, const struct cval *v)
{
    if (v->t == SQLITE_INTEGER) {
        unsigned char *w = sqlval_key_room(b, 9);
        w[0] = SQLITE_INTEGER;
        memcpy(w + 1, &v->i, 8);
        b->n += 9;
    } else if (v->t == SQLITE_TEXT || v->t == SQLITE_BLOB) {
        uint32_t n32 = (uint32_t)v->n;
        unsigned char *w = sqlval_key_room(b, 5 + (size_t)v->n);
        w[0] = (unsigned char)v->t;
        memcpy(w + 1, &n32, 4);
        if (v->n) memcpy(w + 5, v->p, (size_t)v->n);
        b->n += 5 + (size_t)v->n;
    } else {
        *sqlval_key_room(b, 1) = SQLITE_NULL;
        b->n++;
    }
}
size_t cagg_key_get(const unsigned char *p, struct cval *v);
/* Two groups in the order of a GROUP BY over their key columns (NULL
 * first): for qsort of a table's groups before cagg_store. */
int cagg_key_order(const void *pa, const void *pb);

/* a->v := a copy of v (a first, max or min kept by the caller) */
void cagg_keep(struct cagg_acc *a, const struct cval *v);
/* The group of key kb, made when new; NULL past CAGG_MAX_GROUPS. */
struct cagg_grp *cagg_group(struct cagg_tab *t, const struct sqlval_key *kb);
/* A row: its keys (t->nkeys values, kb the caller's scratch buffer) and
 * one argument an op (ignored for 'n'); false: take the SQL path. */
bool cagg_add(struct cagg_tab *t, struct sqlval_key *kb, const struct cval *keys,
              const struct cval *args);
/* The groups into TEMP table t->dest(t->cols) (dropped and made again),
 * in their order. 0 or -1 (c->err). */
int cagg_store(struct rctx *c, const struct cagg_tab *t);
void cagg_free(struct cagg_tab *t);
/* Group a's aggregate for op added to into's (the groups of a finer key
 * summed to a coarser one); false as cagg_add. */
bool cagg_merge(struct cagg_acc *into, char op, const struct cagg_acc *a);

#endif
