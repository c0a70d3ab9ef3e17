/* sqlval — SQLite values as the report's in-memory aggregates key and order
 * them (report/dcube.c, report/hashagg.c, the DKIM body-hash pass). */
#ifndef REPORT_SQLVAL_H
#define REPORT_SQLVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sqlite3.h>

#include "util/xalloc.h"

#define SQLVAL_HASH_SEED 1469598103934665603ull /* FNV-1a offset basis */

/* h mixed with the bytes p[0..n), then n (sqlval.c: eight bytes a step). */
uint64_t sqlval_hash_bytes(uint64_t h, const void *p, size_t n);
/* h mixed with v's type and value. */
uint64_t sqlval_hash(uint64_t h, struct sqlite3_value *v);
/* The same type and value (bytes for text and blobs). */
bool sqlval_same(struct sqlite3_value *a, struct sqlite3_value *b);
/* SQLite's order of two non-NULL values under the BINARY collation:
 * numbers, then text, then blobs; text and blobs by bytes, then length. */
int sqlval_cmp(struct sqlite3_value *a, struct sqlite3_value *b);
/* The BINARY order of two byte strings: <0, 0, >0. */
int sqlval_bytes_cmp(const void *a, size_t an, const void *b, size_t bn);

/* A non-NULL value read out of its sqlite3_value once: its type, then the
 * integer, the double, or the text or blob bytes. sqlval_cmp, hashagg's
 * kept max/min and cagg's values are compared through it. */
struct sqlval_parts {
    int t;
    int64_t i;
    double d;
    const void *p;
    size_t n;
};

/* SQLite's order class of a type: numbers, then text, then blobs. */
static inline int sqlval_type_class(int t)
{
    return t == SQLITE_INTEGER || t == SQLITE_FLOAT ? 1 : t == SQLITE_TEXT ? 2 : 3;
}

/* sqlval_cmp's order of two read-out values. */
static inline int sqlval_parts_cmp(const struct sqlval_parts *a, const struct sqlval_parts *b)
{
    int ca = sqlval_type_class(a->t), cb = sqlval_type_class(b->t);
    if (ca != cb) return ca < cb ? -1 : 1;
    if (ca == 1) {
        if (a->t == SQLITE_INTEGER && b->t == SQLITE_INTEGER) return a->i < b->i ? -1 : a->i > b->i;
        double x = a->t == SQLITE_INTEGER ? (double)a->i : a->d;
        double y = b->t == SQLITE_INTEGER ? (double)b->i : b->d;
        return x < y ? -1 : x > y;
    }
    return sqlval_bytes_cmp(a->p, a->n, b->p, b->n);
}

/* v (not NULL) read out. */
static inline struct sqlval_parts sqlval_parts_of(sqlite3_value *v)
{
    struct sqlval_parts r = {.t = sqlite3_value_type(v)};
    if (r.t == SQLITE_INTEGER)
        r.i = sqlite3_value_int64(v);
    else if (r.t == SQLITE_FLOAT)
        r.d = sqlite3_value_double(v);
    else {
        /* (the bytes first: sqlite3_value_bytes after them counts them) */
        r.p = r.t == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
        r.n = (size_t)sqlite3_value_bytes(v);
    }
    return r;
}

/* The values of a row's n columns into col (col[0] NULL before the first
 * row). sqlite3_column_value is a register of the statement's result row,
 * the same registers each row for a plain SELECT (one result row opcode):
 * when column 0's value is where it was, so are the others, and they are
 * not fetched again. Each fetch pays the API's checks (about 50
 * instructions); for the report's scans of millions of rows with ten and
 * more columns, 10-15% of the scan.
 * This leans on how SQLite (3.40, Debian 12's) lays out a statement's result
 * row, which its documentation does not promise: it says only that a value
 * is valid until the next step. The check on column 0 is the guard: a
 * statement whose rows come from different registers (a compound SELECT)
 * moves it, and then every column is fetched again. The report's golden
 * files, the unit tests that build each scan's result both ways
 * (test_report_dcube, test_report_hashagg, test_report_sup) and the ASan
 * build check it on the SQLite we build against. */
static inline void sqlval_row(sqlite3_stmt *s, sqlite3_value **col, int n)
{
    sqlite3_value *v0 = sqlite3_column_value(s, 0);
    if (v0 == col[0]) return;
    col[0] = v0;
    for (int k = 1; k < n; k++)
        col[k] = sqlite3_column_value(s, k);
}

/* A row's key as bytes (dcube.c's cells, hashagg.c's groups): per column
 * its type, then the integer or the double (8 bytes), or the length (4
 * bytes) and the bytes of a text or blob. Two keys are the same (the same
 * type and value in each column, as sqlval_same says) exactly when these
 * bytes are, so a row is hashed and compared in one pass over one buffer:
 * column by column it took about ten SQLite API calls per key column. */
struct sqlval_key {
    unsigned char *p;
    size_t n, cap;
};

/* Room for n more bytes at the end of b. */
static inline unsigned char *sqlval_key_room(struct sqlval_key *b, size_t n)
{
    if (b->n + n > b->cap) {
        while (b->n + n > b->cap)
            b->cap = b->cap ? b->cap * 2 : 256;
        b->p = xrealloc(b->p, b->cap);
    }
    return b->p + b->n;
}

/* Append v to the key b; returns v's type. text and len (either may be
 * NULL): the bytes of a text or blob, else NULL and 0. */
static inline int sqlval_key_add(struct sqlval_key *b, sqlite3_value *v, const unsigned char **text,
                                 int *len)
{
    int t = sqlite3_value_type(v);
    const unsigned char *p = NULL;
    int n = 0;
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        unsigned char *w = sqlval_key_room(b, 9);
        w[0] = (unsigned char)t;
        if (t == SQLITE_INTEGER) {
            int64_t x = sqlite3_value_int64(v);
            memcpy(w + 1, &x, 8);
        } else {
            double d = sqlite3_value_double(v);
            memcpy(w + 1, &d, 8);
        }
        b->n += 9;
    } else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
        /* (the bytes first: sqlite3_value_bytes after them counts them) */
        p = t == SQLITE_TEXT ? sqlite3_value_text(v) : (const unsigned char *)sqlite3_value_blob(v);
        n = sqlite3_value_bytes(v);
        uint32_t n32 = (uint32_t)n;
        unsigned char *w = sqlval_key_room(b, 5 + (size_t)n);
        w[0] = (unsigned char)t;
        memcpy(w + 1, &n32, 4);
        if (n) memcpy(w + 5, p, (size_t)n);
        b->n += 5 + (size_t)n;
    } else {
        *sqlval_key_room(b, 1) = (unsigned char)t;
        b->n++;
    }
    if (text) *text = p;
    if (len) *len = n;
    return t;
}

#endif
