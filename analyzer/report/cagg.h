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
/* Column k of q; false for a REAL. */
bool cval_col(sqlite3_stmt *q, int k, struct cval *v);
struct cval cval_text(const char *s);
struct cval cval_int(int64_t i);
/* SQL's `v = 'lit'` for a TEXT-affinity column: only a text of those bytes. */
bool cval_is(const struct cval *v, const char *lit);
/* SQLite's order of two non-NULL values (no REAL). */
int cval_cmp(const struct cval *a, const struct cval *b);

/* v appended to a key: its type, then the integer or the length and bytes;
 * cagg_key_get reads one back (returns the bytes it took). */
void cagg_key_put(struct sqlval_key *b, const struct cval *v);
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
