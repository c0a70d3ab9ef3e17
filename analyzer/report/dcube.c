/* dcube — the deliveries in scope counted once, by everything the report
 * groups or filters deliveries on (rctx.h, r_dcube).
 *
 * The report's delivery figures (totals, rates, outcome per provider,
 * blocklists, top replies, the recommendations on bounces, deferrals and
 * blocklists) are sums over a few columns of millions of rows. Each was its
 * own scan and GROUP BY, and SQLite sorts for every GROUP BY: about a second
 * each over three million deliveries. Here one scan adds every row to a cell
 * of a hash table keyed by those columns (a few thousand cells whatever the
 * number of rows), and the cells are written to TEMP table r_dcube; the
 * queries then read the cells with sum(n) where they had count(*).
 *
 * Exactness: a cell's rows share every key column, so any condition on key
 * columns is true for all of a cell's rows or for none, and sums, min and
 * max over the cells satisfying it equal those over the rows. The reply
 * texts are kept (as their max, and the min of the reply with Postfix's
 * "host X said: " prefix cut) only for the rows the queries take examples
 * from: status other than 'sent', or a blocklist named — both key columns.
 *
 * The same scan counts the logged attempts per hour and status into TEMP
 * table r_dhour(h, s, d, bo, r, e) for the delivery timeline (h: the hour's
 * first second; sent, deferred, bounced, rejected, expired), which was a
 * GROUP BY of its own.
 *
 * Memory: at most DCUBE_MAX_CELLS cells and DCUBE_MAX_HOURS hours; past that (key columns with
 * thousands of distinct values, which the classifiers do not produce), the
 * same table is built by SQL's GROUP BY instead (slower, bounded). */
#include "report/dcube.h"
#include "report/sqlval.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#ifndef DCUBE_MAX_CELLS       /* (a test compiles this file with a small one) */
#define DCUBE_MAX_CELLS 20000 /* about 10 MB of cells at most */
#endif
#ifndef DCUBE_MAX_HOURS
#define DCUBE_MAX_HOURS 200000 /* 22 years of hours */
#endif
#define N_KEYS 11

/* the key columns, in r_dcube's order, then the scanned values */
#define DCUBE_KEYS                                                                                 \
    "source, local, sup, provider, status, reason, hard, blocklist, blocklist_misconfig, dsn,"     \
    " has_reply"
#define DCUBE_WANT_TEXT "(status <> 'sent' OR blocklist IS NOT NULL)"
#define DCUBE_SAID                                                                                 \
    "CASE WHEN instr(reply_text, ' said: ') > 0"                                                   \
    " THEN substr(reply_text, instr(reply_text, ' said: ') + 7) ELSE reply_text END"
#define DCUBE_SELECT_AFTER_SUP                                                                     \
    " provider, status, reason, hard, blocklist, blocklist_misconfig, dsn,"                        \
    " reply_text IS NOT NULL AS has_reply"
#define DCUBE_SELECT                                                                               \
    "SELECT source, local, id IN (SELECT id FROM r_sup) AS sup," DCUBE_SELECT_AFTER_SUP

static const char create_sql[] =
    "CREATE TEMP TABLE r_dcube(source, local, sup, provider, status, reason, hard, blocklist,"
    " blocklist_misconfig, dsn, has_reply, n INTEGER NOT NULL, ts_min INTEGER, ts_max INTEGER,"
    " reply_max TEXT, said_min TEXT)";

/* The scan: "sup" is a placeholder that scan() fills from a bitmap of the
 * r_sup ids (probing r_sup for each row cost as much as reading it); the
 * "said" cut is done in C. */
static const char scan_sql[] =
    "SELECT source, local, 0 AS sup," DCUBE_SELECT_AFTER_SUP ", ts, CASE WHEN " DCUBE_WANT_TEXT
    " THEN reply_text END, id FROM r_dlv";
/* the same with the membership test in SQL, when the r_sup ids span too wide
 * a range for a bitmap */
static const char scan_sql_in[] =
    DCUBE_SELECT ", ts, CASE WHEN " DCUBE_WANT_TEXT " THEN reply_text END FROM r_dlv";

/* The fallback: the same cells by SQL (rows in first-seen order do not
 * matter there). */
static const char group_sql[] =
    "INSERT INTO r_dcube SELECT " DCUBE_KEYS ", count(*), min(ts), max(ts),"
    " max(CASE WHEN " DCUBE_WANT_TEXT " THEN reply_text END),"
    " min(CASE WHEN " DCUBE_WANT_TEXT " THEN " DCUBE_SAID " END)"
    " FROM (" DCUBE_SELECT ", ts, reply_text FROM r_dlv) GROUP BY " DCUBE_KEYS;

struct cell {
    sqlite3_value *key[N_KEYS];
    uint64_t hash;
    int64_t n;
    bool has_ts;
    int64_t ts_min, ts_max;
    char *reply_max, *said_min; /* NULL: no value yet */
    size_t reply_max_len, said_min_len;
};

struct cube {
    struct cell *cells; /* in first-seen order */
    size_t n, cap;
    uint32_t *slots; /* open addressing: cell index + 1, 0 empty */
    size_t n_slots;
};

/* the logged attempts per hour: open addressing on the hour */
struct hour {
    int64_t h;
    int64_t n[5]; /* sent, deferred, bounced, rejected, expired */
};

struct hours {
    struct hour *v;
    bool *used;
    size_t n, cap; /* cap: a power of two */
    bool full;     /* more than DCUBE_MAX_HOURS: r_dhour is made by SQL */
};

static const char *const hour_status[5] = {"sent", "deferred", "bounced", "rejected", "expired"};

static void hours_grow(struct hours *t)
{
    size_t cap = t->cap ? t->cap * 2 : 1024;
    struct hour *v = xcalloc(cap, sizeof *v);
    bool *used = xcalloc(cap, sizeof *used);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->used[i]) continue;
        size_t k = (size_t)((uint64_t)t->v[i].h * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
        while (used[k])
            k = (k + 1) & (cap - 1);
        used[k] = true;
        v[k] = t->v[i];
    }
    free(t->v);
    free(t->used);
    t->v = v;
    t->used = used;
    t->cap = cap;
}

/* Count one logged attempt at ts with status st (text, n bytes). */
static void hours_add(struct hours *t, int64_t ts, const unsigned char *st, int n)
{
    if (t->full) return;
    int si = -1;
    for (int i = 0; i < 5 && st; i++)
        if ((size_t)n == strlen(hour_status[i]) && memcmp(st, hour_status[i], (size_t)n) == 0)
            si = i;
    int64_t h = ts - ((ts % 3600) + 3600) % 3600; /* the hour's first second, as the SQL */
    if (t->n * 2 >= t->cap) hours_grow(t);
    size_t k = (size_t)((uint64_t)h * 0x9e3779b97f4a7c15ull >> 20) & (t->cap - 1);
    while (t->used[k] && t->v[k].h != h)
        k = (k + 1) & (t->cap - 1);
    if (!t->used[k]) {
        if (t->n == DCUBE_MAX_HOURS) {
            t->full = true;
            return;
        }
        t->used[k] = true;
        t->v[k].h = h;
        t->n++;
    }
    if (si >= 0) t->v[k].n[si]++;
}

static void keep_text(char **dst, size_t *dlen, const unsigned char *t, int n, int want)
{
    if (!t) return; /* NULL never wins min or max */
    size_t len = (size_t)n;
    if (*dst && sqlval_bytes_cmp(*dst, *dlen, t, len) * want >= 0) return;
    free(*dst);
    *dst = xmalloc(len + 1);
    memcpy(*dst, t, len);
    (*dst)[len] = '\0';
    *dlen = len;
}

static void grow_slots(struct cube *q)
{
    size_t ns = q->n_slots ? q->n_slots * 2 : 1024;
    uint32_t *s = xcalloc(ns, sizeof *s);
    for (size_t i = 0; i < q->n; i++) {
        size_t k = (size_t)q->cells[i].hash & (ns - 1);
        while (s[k])
            k = (k + 1) & (ns - 1);
        s[k] = (uint32_t)(i + 1);
    }
    free(q->slots);
    q->slots = s;
    q->n_slots = ns;
}

/* The cell of the key values v; NULL when the cube is full. */
static struct cell *cell_of(struct cube *q, sqlite3_value **v)
{
    uint64_t h = SQLVAL_HASH_SEED;
    for (int k = 0; k < N_KEYS; k++)
        h = sqlval_hash(h, v[k]);
    size_t k = (size_t)h & (q->n_slots - 1);
    while (q->slots[k]) {
        struct cell *c = &q->cells[q->slots[k] - 1];
        bool same = c->hash == h;
        for (int j = 0; j < N_KEYS && same; j++)
            same = sqlval_same(c->key[j], v[j]);
        if (same) return c;
        k = (k + 1) & (q->n_slots - 1);
    }
    if (q->n == DCUBE_MAX_CELLS) return NULL;
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 256;
        q->cells = xrealloc(q->cells, q->cap * sizeof *q->cells);
    }
    struct cell *c = &q->cells[q->n];
    memset(c, 0, sizeof *c);
    c->hash = h;
    for (int j = 0; j < N_KEYS; j++)
        c->key[j] = sqlite3_value_dup(v[j]);
    q->slots[k] = (uint32_t)++q->n;
    if (q->n * 2 > q->n_slots) grow_slots(q);
    return c;
}

static void cube_free(struct cube *q)
{
    for (size_t i = 0; i < q->n; i++) {
        for (int j = 0; j < N_KEYS; j++)
            sqlite3_value_free(q->cells[i].key[j]);
        free(q->cells[i].reply_max);
        free(q->cells[i].said_min);
    }
    free(q->cells);
    free(q->slots);
}

static int cube_fail(struct rctx *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, sqlite3_errmsg(c->db));
    return -1;
}

/* The ids of r_sup as a bitmap over [lo, lo + span): *bits NULL and *span 0
 * when r_sup is empty; 1 (and no bitmap) when the ids spread over more than
 * DCUBE_SUP_SPAN values; -1 on error. */
#define DCUBE_SUP_SPAN ((int64_t)1 << 27) /* a 16 MiB bitmap at most */
static int sup_bitmap(struct rctx *c, uint64_t **bits, int64_t *lo, int64_t *span)
{
    *bits = NULL;
    *lo = *span = 0;
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, "SELECT min(id), max(id) FROM r_sup", -1, &s, NULL) !=
            SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        return cube_fail(c, "delivery counts");
    }
    bool empty = sqlite3_column_type(s, 0) == SQLITE_NULL;
    int64_t a = sqlite3_column_int64(s, 0), b = sqlite3_column_int64(s, 1);
    sqlite3_finalize(s);
    if (empty) return 0;
    if (b - a >= DCUBE_SUP_SPAN) return 1;
    *lo = a;
    *span = b - a + 1;
    *bits = xcalloc((size_t)(*span + 63) / 64, sizeof **bits);
    if (sqlite3_prepare_v2(c->db, "SELECT id FROM r_sup", -1, &s, NULL) != SQLITE_OK)
        return cube_fail(c, "delivery counts");
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        uint64_t k = (uint64_t)(sqlite3_column_int64(s, 0) - a);
        (*bits)[k >> 6] |= 1ull << (k & 63);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : cube_fail(c, "delivery counts");
}

/* The reply with Postfix's "host X[ip] said: " prefix cut (what SQL's
 * DCUBE_SAID gives: the text after the first " said: "). */
static const unsigned char *said(const unsigned char *t, int *n)
{
    static const char pat[] = " said: ";
    const unsigned char *m = memmem(t, (size_t)*n, pat, sizeof pat - 1);
    if (!m) return t;
    const unsigned char *r = m + sizeof pat - 1;
    *n -= (int)(r - t);
    return r;
}

/* 0: the cells are in q (and the hours in hr); 1: more than
 * DCUBE_MAX_CELLS; -1: error. */
static int scan(struct rctx *c, struct cube *q, struct hours *hr)
{
    uint64_t *bits;
    int64_t lo, span;
    int wide = sup_bitmap(c, &bits, &lo, &span);
    if (wide < 0) return -1;
    /* the constants 0 and 1 as values, for the sup key (copies: the
     * statement that made them is finalized at once) */
    sqlite3_value *k01[2] = {NULL, NULL};
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, "SELECT 0, 1", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        k01[0] = sqlite3_value_dup(sqlite3_column_value(s, 0));
        k01[1] = sqlite3_value_dup(sqlite3_column_value(s, 1));
    }
    sqlite3_finalize(s);
    if (!k01[0] || !k01[1] ||
        sqlite3_prepare_v2(c->db, wide ? scan_sql_in : scan_sql, -1, &s, NULL) != SQLITE_OK) {
        sqlite3_value_free(k01[0]);
        sqlite3_value_free(k01[1]);
        free(bits);
        return cube_fail(c, "delivery counts");
    }
    grow_slots(q);
    int rc;
    sqlite3_value *v[N_KEYS];
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        for (int k = 0; k < N_KEYS; k++)
            v[k] = sqlite3_column_value(s, k);
        if (!wide) {
            int64_t id = sqlite3_column_int64(s, N_KEYS + 2), d = id - lo;
            bool sup = bits && d >= 0 && d < span && (bits[d >> 6] >> (d & 63) & 1);
            v[2] = k01[sup ? 1 : 0];
        }
        struct cell *cl = cell_of(q, v);
        if (!cl) {
            rc = -2;
            break;
        }
        cl->n++;
        if (sqlite3_column_type(s, N_KEYS) != SQLITE_NULL) {
            int64_t t = sqlite3_column_int64(s, N_KEYS);
            if (!cl->has_ts || t < cl->ts_min) cl->ts_min = t;
            if (!cl->has_ts || t > cl->ts_max) cl->ts_max = t;
            cl->has_ts = true;
            const unsigned char *src = sqlite3_column_text(s, 0);
            if (src && sqlite3_column_bytes(s, 0) == 3 && memcmp(src, "log", 3) == 0)
                hours_add(hr, t, sqlite3_column_text(s, 4), sqlite3_column_bytes(s, 4));
        }
        const unsigned char *rt = sqlite3_column_text(s, N_KEYS + 1);
        if (rt) {
            int n = sqlite3_column_bytes(s, N_KEYS + 1);
            keep_text(&cl->reply_max, &cl->reply_max_len, rt, n, 1);
            const unsigned char *cut = said(rt, &n);
            keep_text(&cl->said_min, &cl->said_min_len, cut, n, -1);
        }
    }
    sqlite3_finalize(s);
    sqlite3_value_free(k01[0]);
    sqlite3_value_free(k01[1]);
    free(bits);
    if (rc == -2) return 1;
    return rc == SQLITE_DONE ? 0 : cube_fail(c, "delivery counts");
}

static int store(struct rctx *c, const struct cube *q)
{
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO r_dcube VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                           " ?11, ?12, ?13, ?14, ?15, ?16)",
                           -1, &ins, NULL) != SQLITE_OK)
        return cube_fail(c, "delivery counts");
    for (size_t i = 0; i < q->n; i++) {
        const struct cell *cl = &q->cells[i];
        for (int j = 0; j < N_KEYS; j++)
            sqlite3_bind_value(ins, j + 1, cl->key[j]);
        sqlite3_bind_int64(ins, 12, cl->n);
        if (cl->has_ts) {
            sqlite3_bind_int64(ins, 13, cl->ts_min);
            sqlite3_bind_int64(ins, 14, cl->ts_max);
        } else {
            sqlite3_bind_null(ins, 13);
            sqlite3_bind_null(ins, 14);
        }
        if (cl->reply_max)
            sqlite3_bind_text(ins, 15, cl->reply_max, (int)cl->reply_max_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 15);
        if (cl->said_min)
            sqlite3_bind_text(ins, 16, cl->said_min, (int)cl->said_min_len, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 16);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            sqlite3_finalize(ins);
            return cube_fail(c, "delivery counts");
        }
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    return 0;
}

/* r_dhour by SQL: the timeline's former GROUP BY (too many hours for the
 * table in memory, or the cube's own SQL fallback). */
static const char hour_sql[] =
    "INSERT INTO r_dhour SELECT ts - ((ts % 3600) + 3600) % 3600, sum(status = 'sent'),"
    " sum(status = 'deferred'), sum(status = 'bounced'), sum(status = 'rejected'),"
    " sum(status = 'expired') FROM r_dlv WHERE source = 'log' AND ts IS NOT NULL GROUP BY 1";

static int store_hours(struct rctx *c, const struct hours *hr)
{
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_dhour VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &ins,
                           NULL) != SQLITE_OK)
        return cube_fail(c, "delivery counts");
    for (size_t i = 0; i < hr->cap; i++) {
        if (!hr->used[i]) continue;
        sqlite3_bind_int64(ins, 1, hr->v[i].h);
        for (int k = 0; k < 5; k++)
            sqlite3_bind_int64(ins, k + 2, hr->v[i].n[k]);
        if (sqlite3_step(ins) != SQLITE_DONE) {
            sqlite3_finalize(ins);
            return cube_fail(c, "delivery counts");
        }
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    return 0;
}

int rctx_dcube(struct rctx *c)
{
    if (rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_dcube; DROP TABLE IF EXISTS temp.r_dhour") !=
            0 ||
        rctx_exec_sql(c, create_sql) != 0 ||
        rctx_exec_sql(c, "CREATE TEMP TABLE r_dhour(h INTEGER PRIMARY KEY, s INTEGER, d INTEGER,"
                         " bo INTEGER, r INTEGER, e INTEGER)") != 0)
        return -1;
    struct cube q = {0};
    struct hours hr = {0};
    hours_grow(&hr);
    int rc = scan(c, &q, &hr);
    if (rc == 0) { /* the rows written in one transaction (rctx.h) */
        rc = rctx_begin(c);
        if (rc == 0) rc = store(c, &q);
        if (rc == 0) rc = hr.full ? rctx_exec_sql(c, hour_sql) : store_hours(c, &hr);
        if (rc == 0)
            rc = rctx_commit(c);
        else
            rctx_rollback(c);
    }
    cube_free(&q);
    free(hr.v);
    free(hr.used);
    if (rc != 1) return rc;
    /* too many cells: both by SQL */
    return rctx_exec_sql(c, group_sql) != 0 || rctx_exec_sql(c, hour_sql) != 0 ? -1 : 0;
}
