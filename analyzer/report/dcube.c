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
 * GROUP BY of its own; and, for the Delivery section, the bounce and
 * deferral reasons (with their distinct recipients and domains) and the
 * delays of sent deliveries into r_dreason, r_dprov and r_ddelay (see "the
 * Delivery section's reasons and delays" below), which were three more
 * passes over r_dlv. When the Campaigns section has chosen its campaigns
 * (c->camp, rctx.h), the scan reads message_id too and gives each row of
 * r_out with source 'log' to camp_dlv_row, whose counts replace that
 * section's pass over r_out.
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

/* The scan reads the key columns it must (scan_sql builds its forms): sup
 * comes from a bitmap of the r_sup ids (probing r_sup for each row cost as
 * much as reading it) or, when the ids span too wide a range for one, from
 * the membership test in SQL; has_reply from reply_text's type; source is
 * not read from the view rctx_open makes over log_deliveries, where it is
 * the constant 'log'. The reply is read once for has_reply and the texts
 * (two reads of it and a CASE per row were 20% of the scan's instructions);
 * which rows keep their text (DCUBE_WANT_TEXT) and the "said" cut are
 * worked out in C. */
#define SCAN_COLS                                                                                  \
    "SELECT local, provider, status, reason, hard, blocklist, blocklist_misconfig, dsn,"           \
    " reply_text, ts, recipient, recipient_domain, delay, id"
enum {
    S_LOCAL,
    S_PROVIDER,
    S_STATUS,
    S_REASON,
    S_HARD,
    S_BLOCKLIST,
    S_MISCONFIG,
    S_DSN,
    S_REPLY,
    S_TS,
    S_RCPT,
    S_DOMAIN,
    S_DELAY,
    S_ID,
    S_MORE /* then source (a table), then sup (in SQL) */
};
/* the key columns, in r_dcube's order */
enum {
    K_SOURCE,
    K_LOCAL,
    K_SUP,
    K_PROVIDER,
    K_STATUS,
    K_REASON,
    K_HARD,
    K_BLOCKLIST,
    K_MISCONFIG,
    K_DSN,
    K_HAS_REPLY
};

/* The fallback: the same cells by SQL (rows in first-seen order do not
 * matter there). */
static const char group_sql[] =
    "INSERT INTO r_dcube SELECT " DCUBE_KEYS ", count(*), min(ts), max(ts),"
    " max(CASE WHEN " DCUBE_WANT_TEXT " THEN reply_text END),"
    " min(CASE WHEN " DCUBE_WANT_TEXT " THEN " DCUBE_SAID " END)"
    " FROM (" DCUBE_SELECT ", ts, reply_text FROM r_dlv) GROUP BY " DCUBE_KEYS;

/* A key column's distinct values, numbered in first-seen order (the key
 * columns hold few: the classifiers' names, 0 and 1). A cell is keyed by
 * the numbers of its values, 16 bits a column. A row's value is looked for
 * first in a small cache of the column's values by a few of its bytes
 * (kcache_slot), and only a value not there is hashed. Keying each row by
 * its values' bytes (copied into one buffer, hashed and compared, 11
 * columns) cost about 800 instructions a row, this about half. */
#define KDICT_MAX 65535 /* 16 bits a value number */
#define KDICT_CACHE 64
#if DCUBE_MAX_CELLS >= KDICT_MAX
#error "a cell's key packs 16-bit value numbers"
#endif

struct kval {
    int type;
    uint32_t n;       /* text or blob: its length */
    uint64_t bits;    /* integer, or the double's bits */
    unsigned char *p; /* text or blob: its bytes */
    uint64_t hash;
    sqlite3_value *v; /* a copy (the INSERT, the cell's flags) */
};

struct kdict {
    struct kval *v;
    size_t n, cap;
    uint32_t *slots; /* value number + 1, 0 empty */
    size_t n_slots;
    uint32_t cache[KDICT_CACHE]; /* value number + 1 by kcache_slot, 0 empty */
};

#define KEY_WORDS 3 /* N_KEYS 16-bit numbers */

struct cell {
    uint64_t key[KEY_WORDS]; /* the value numbers of the key columns */
    uint64_t hash;
    bool is_log;    /* source = 'log' */
    bool want_text; /* its rows' replies are kept: DCUBE_WANT_TEXT */
    int hour_si;    /* status as an index of hour_status, -1: none of them */
    /* for the Delivery section (see below): its source is NULL, the text
     * 'log', 'bounce'; a logged sent delivery; its reason group (-1: none);
     * its provider's index among the delays' (-1: not yet) */
    bool source_null, log_text, bounce_text, delay_row;
    long rgroup;
    int dprov;
    int64_t n;
    bool has_ts;
    int64_t ts_min, ts_max;
    char *reply_max, *said_min; /* NULL: no value yet */
    size_t reply_max_len, said_min_len;
};

struct cube {
    struct kdict col[N_KEYS];
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

/* Count one logged attempt at ts with status index si (-1: none of
 * hour_status; the hour still gets its row). */
static void hours_add(struct hours *t, int64_t ts, int si)
{
    if (t->full) return;
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

struct dlvx;
static void cell_dlv(struct dlvx *x, struct cell *c, sqlite3_value **v);

static void kdict_grow(struct kdict *d)
{
    size_t ns = d->n_slots ? d->n_slots * 2 : 16;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < d->n; i++) {
        size_t k = (size_t)d->v[i].hash & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (uint32_t)(i + 1);
    }
    free(d->slots);
    d->slots = sl;
    d->n_slots = ns;
}

static inline bool kval_is(const struct kval *e, int t, uint64_t bits, const unsigned char *p,
                           uint32_t n)
{
    return e->type == t && e->bits == bits && e->n == n && (n == 0 || memcmp(e->p, p, n) == 0);
}

/* A value's slot in a column's cache: a few of its bytes, its length and
 * type (cheaper than hashing it; the cache is small and the values few). */
static unsigned kcache_slot(int t, uint64_t bits, const unsigned char *p, uint32_t n)
{
    uint32_t f = (uint32_t)t ^ (uint32_t)bits ^ (uint32_t)(bits >> 32) ^ n * 0x9e3779b1u;
    if (n) f ^= (uint32_t)p[0] * 0x85ebca6bu ^ (uint32_t)p[n / 2] * 0xc2b2ae35u ^ p[n - 1];
    f ^= f >> 15;
    f *= 0x2c1b3c6du;
    return (f ^ f >> 12) & (KDICT_CACHE - 1);
}

/* The number of value v (of type t: bits, or the bytes p, n) in column d,
 * added when new; -1 when d is full. */
__attribute__((noinline)) static long kdict_add(struct kdict *d, sqlite3_value *v, int t,
                                                uint64_t bits, const unsigned char *p, uint32_t n,
                                                unsigned slot)
{
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED ^ bits ^ (uint64_t)t << 56, p, n);
    if (d->n_slots == 0) kdict_grow(d);
    size_t k = (size_t)h & (d->n_slots - 1);
    while (d->slots[k]) {
        uint32_t i = d->slots[k] - 1;
        if (d->v[i].hash == h && kval_is(&d->v[i], t, bits, p, n)) {
            d->cache[slot] = i + 1;
            return i;
        }
        k = (k + 1) & (d->n_slots - 1);
    }
    if (d->n == KDICT_MAX) return -1;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    struct kval *e = &d->v[d->n];
    e->type = t;
    e->n = n;
    e->bits = bits;
    e->p = NULL;
    if (n) {
        e->p = xmalloc(n);
        memcpy(e->p, p, n);
    }
    e->hash = h;
    e->v = sqlite3_value_dup(v);
    if (!e->v) return -1; /* (out of memory: the SQL path) */
    d->slots[k] = (uint32_t)(d->n + 1);
    d->cache[slot] = (uint32_t)++d->n;
    if (d->n * 2 > d->n_slots) kdict_grow(d);
    return (long)d->n - 1;
}

/* The number of value v in column d, added when new (as sqlval_key keys
 * values: by type, then bytes); -1 when d is full. */
static inline long kdict_id(struct kdict *d, sqlite3_value *v)
{
    int t = sqlite3_value_type(v);
    uint64_t bits = 0;
    const unsigned char *p = NULL;
    uint32_t n = 0;
    if (t == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        memcpy(&bits, &x, sizeof bits);
    } else if (t == SQLITE_FLOAT) {
        double x = sqlite3_value_double(v);
        memcpy(&bits, &x, sizeof bits);
    } else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
        /* (the bytes first: sqlite3_value_bytes after them counts them) */
        p = t == SQLITE_TEXT ? sqlite3_value_text(v) : (const unsigned char *)sqlite3_value_blob(v);
        n = (uint32_t)sqlite3_value_bytes(v);
    }
    unsigned slot = kcache_slot(t, bits, p, n);
    uint32_t c = d->cache[slot];
    if (c && kval_is(&d->v[c - 1], t, bits, p, n)) return (long)c - 1;
    return kdict_add(d, v, t, bits, p, n, slot);
}

static void kdict_free(struct kdict *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->v[i].p);
        sqlite3_value_free(d->v[i].v);
    }
    free(d->v);
    free(d->slots);
}

static unsigned key_num(const uint64_t *key, int j)
{
    return (unsigned)(key[j / 4] >> (j % 4 * 16) & 0xffff);
}

static const struct kval *cell_val(const struct cube *q, const struct cell *c, int j)
{
    return &q->col[j].v[key_num(c->key, j)];
}

/* The bytes of value e are the text s (text or blob bytes, as the former
 * key bytes were compared). */
static bool kval_bytes_are(const struct kval *e, const char *s)
{
    size_t n = strlen(s);
    return (e->type == SQLITE_TEXT || e->type == SQLITE_BLOB) && e->n == n &&
           memcmp(e->p, s, n) == 0;
}

static uint64_t key_hash(const uint64_t *key)
{
    uint64_t h = SQLVAL_HASH_SEED;
    for (int i = 0; i < KEY_WORDS; i++) {
        h = (h ^ key[i]) * 0x9e3779b97f4a7c15ull;
        h ^= h >> 29;
    }
    return h ^ (h >> 32);
}

/* The cell of the key (value numbers); NULL when the cube is full. */
static struct cell *cell_of(struct cube *q, struct dlvx *x, const uint64_t *key)
{
    uint64_t h = key_hash(key);
    size_t k = (size_t)h & (q->n_slots - 1);
    while (q->slots[k]) {
        struct cell *c = &q->cells[q->slots[k] - 1];
        if (c->hash == h && memcmp(c->key, key, sizeof c->key) == 0) return c;
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
    memcpy(c->key, key, sizeof c->key);
    sqlite3_value *v[N_KEYS];
    for (int j = 0; j < N_KEYS; j++)
        v[j] = cell_val(q, c, j)->v;
    /* (what the timeline tests of each row, the same for all of a cell's:
     * the bytes of source and status, as the former key bytes gave them) */
    const struct kval *st = cell_val(q, c, K_STATUS);
    c->is_log = kval_bytes_are(cell_val(q, c, K_SOURCE), "log");
    c->hour_si = -1;
    for (int i = 0; i < 5 && c->hour_si < 0; i++)
        if (kval_bytes_are(st, hour_status[i])) c->hour_si = i;
    /* DCUBE_WANT_TEXT: status <> 'sent' (true for any value but NULL and
     * the text 'sent': no number or blob equals a text) OR blocklist IS NOT
     * NULL */
    c->want_text = (st->type != SQLITE_NULL &&
                    !(st->type == SQLITE_TEXT && st->n == 4 && memcmp(st->p, "sent", 4) == 0)) ||
                   cell_val(q, c, K_BLOCKLIST)->type != SQLITE_NULL;
    cell_dlv(x, c, v);
    q->slots[k] = (uint32_t)++q->n;
    if (q->n * 2 > q->n_slots) grow_slots(q);
    return &q->cells[q->n - 1];
}

static void cube_free(struct cube *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->cells[i].reply_max);
        free(q->cells[i].said_min);
    }
    for (int j = 0; j < N_KEYS; j++)
        kdict_free(&q->col[j]);
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

/* ---- the Delivery section's reasons and delays, from the same scan ----
 * The bounce and deferral reasons were two GROUP BYs over r_dlv with
 * count(DISTINCT ...) of recipients and domains (each a scan, a sort of the
 * failed rows and a b-tree per distinct count: 0.5 and 0.7 s over three
 * million deliveries), and the delays a third scan that kept two million
 * values to sort (0.5 s). This scan reads every row already, and a row's
 * reason group (status, reason, hard) and whether it is a logged sent
 * delivery are functions of its cell: it adds the recipient and domain of
 * the failed rows to a hash set and counts the delays per (provider,
 * value), into TEMP tables for report/sec_delivery.c:
 *
 *   r_dreason(cls, reason, kind, a_log, rcpt, doms, dlist, a_bounce)
 *       per bounce reason (cls 1: status bounced, rejected or expired;
 *       reason = coalesce(reason, 'undefined'), kind 'hard' or 'soft')
 *       and deferral reason (cls 2, kind NULL): sum(source = 'log'),
 *       count(DISTINCT recipient) and count(DISTINCT recipient_domain) of
 *       the log rows, the distinct domains of all rows joined by commas (in
 *       no order: ma_list sorts them; NULL: none), sum(source = 'bounce');
 *       rows in the order of the former GROUP BY (cls, reason, hard first).
 *   r_dprov(i INTEGER PRIMARY KEY, name, stride), r_ddelay(prov, d, n)
 *       the delays of logged sent deliveries: the providers in the order
 *       the former collection met them (i), the sampling stride, and per
 *       (provider, delay value) the count of the values kept.
 *
 * A table missing means "compute it by the former queries": past a bound
 * below, for a value the C side does not reproduce (a REAL reason, a
 * recipient or domain that is not text), or when the cube itself goes by
 * SQL.
 *
 * Delays: the former collection kept every value until DELAY_MAX_VALUES,
 * then halved them (every other one) and kept one in 2, then 4...: the
 * values kept are those whose rank among the delays is a multiple of the
 * final stride. So each (provider, value) counts its ranks that are
 * multiples of 1, 2, 4 ... 2^(DELAY_STRIDES-1), and the final stride's
 * count is stored. A sample depends on the rows' order: a period's view
 * over log_deliveries might be read through the time index by one query
 * and not the other, so a sampled period is left to the query then.
 *
 * Memory: at most DLV_MAX_GROUPS reason groups, SET_MAX_CHUNKS MiB in at
 * most SET_MAX_ENTRIES distinct (group, recipient or domain) entries (about
 * 40 MiB, and its 8 MiB of slots), DELAY_MAX_CELLS delay counts (5 MiB). */
#ifndef DLV_MAX_GROUPS /* (a test compiles this file with small bounds) */
#define DLV_MAX_GROUPS 4096
#endif
#define SET_CHUNK ((size_t)1 << 20)
#define SET_MAX_CHUNKS 40
#ifndef SET_MAX_ENTRIES
#define SET_MAX_ENTRIES ((size_t)1 << 20)
#endif
#ifndef DELAY_MAX_VALUES
#define DELAY_MAX_VALUES (2u << 20) /* as report/sec_delivery.c */
#endif
#define DELAY_MAX_PROVIDERS 64
#define DELAY_STRIDES 8
#define DELAY_MAX_CELLS 65536

/* A reason group: (cls, reason, hard); hard 0 for the deferrals. */
struct rgroup {
    unsigned char *key; /* cls, hard, then the reason's type and bytes */
    size_t key_len;
    uint64_t hash;
    int cls, hard;
    sqlite3_value *reason;
    int64_t a_log, a_bounce; /* sum(source = 'log'), sum(source = 'bounce') */
    bool has_source;         /* a row with a source (else both sums are NULL) */
    int64_t n_rcpt, n_dom_log;
    bool has_dom; /* a non-NULL domain (else group_concat gives NULL) */
    size_t idx;   /* its index (the domain lists' order) */
};

/* The distinct (group, recipient) of log rows and (group, domain) of all
 * rows, in chunks (nothing moves when it grows): a header, then the bytes. */
struct sentry {
    uint64_t hash;
    uint32_t group, len;
    uint8_t kind; /* 0 recipient, 1 domain */
    uint8_t log;  /* a domain seen in a log row */
};

struct rset {
    unsigned char *chunk[SET_MAX_CHUNKS];
    size_t used[SET_MAX_CHUNKS];
    size_t n_chunks, n;
    uint32_t *slots; /* entry reference + 1, 0 empty */
    size_t n_slots;
};

/* (provider, value): per stride 2^j the count of ranks that are multiples */
struct delay_cell {
    double d;
    unsigned prov;
    uint64_t n[DELAY_STRIDES];
};

struct dlvx {
    /* the reasons */
    struct rgroup *g;
    size_t n_g, cap_g;
    uint32_t *gslots;
    size_t n_gslots;
    struct rset set;
    unsigned char *gkey;
    size_t gkey_cap;
    sqlite3_value *undefined; /* the text 'undefined' (coalesce of a NULL reason) */
    bool reasons_bad;         /* r_dreason by SQL */
    /* the delays, as the former collection would have met them */
    uint64_t seen, stride, kept;
    char *prov[DELAY_MAX_PROVIDERS]; /* (copies) */
    size_t n_prov;
    struct delay_cell *cell;
    size_t n_cell, cap_cell;
    uint32_t *dslots; /* cell index + 1, 0 empty */
    size_t n_dslots;
    bool delays_bad; /* r_ddelay by SQL */
};

static size_t entry_size(uint32_t len)
{
    return (sizeof(struct sentry) + len + 7) & ~(size_t)7;
}

static struct sentry *entry_at(const struct rset *t, uint32_t ref)
{
    return (struct sentry *)(void *)(t->chunk[ref / SET_CHUNK] + ref % SET_CHUNK);
}

static void set_rehash(struct rset *t)
{
    size_t ns = t->n_slots ? t->n_slots * 2 : 1024;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t c = 0; c < t->n_chunks; c++)
        for (size_t off = 0; off < t->used[c];) {
            uint32_t ref = (uint32_t)(c * SET_CHUNK + off);
            struct sentry *e = entry_at(t, ref);
            size_t k = (size_t)e->hash & (ns - 1);
            while (sl[k])
                k = (k + 1) & (ns - 1);
            sl[k] = ref + 1;
            off += entry_size(e->len);
        }
    free(t->slots);
    t->slots = sl;
    t->n_slots = ns;
}

/* The entry of (group, kind, bytes), added when new (*added); NULL when the
 * set is full. */
static struct sentry *set_entry(struct rset *t, uint32_t group, uint8_t kind,
                                const unsigned char *p, size_t len, bool *added)
{
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED ^ ((uint64_t)group << 1 | kind), p, len);
    *added = false;
    if (t->n_slots == 0) set_rehash(t);
    size_t k = (size_t)h & (t->n_slots - 1);
    while (t->slots[k]) {
        struct sentry *e = entry_at(t, t->slots[k] - 1);
        if (e->hash == h && e->group == group && e->kind == kind && e->len == len &&
            memcmp(e + 1, p, len) == 0)
            return e;
        k = (k + 1) & (t->n_slots - 1);
    }
    size_t need = entry_size((uint32_t)len);
    if (t->n == SET_MAX_ENTRIES || need > SET_CHUNK) return NULL;
    if (t->n_chunks == 0 || t->used[t->n_chunks - 1] + need > SET_CHUNK) {
        if (t->n_chunks == SET_MAX_CHUNKS) return NULL;
        t->chunk[t->n_chunks] = xmalloc(SET_CHUNK);
        t->used[t->n_chunks++] = 0;
    }
    size_t c = t->n_chunks - 1;
    uint32_t ref = (uint32_t)(c * SET_CHUNK + t->used[c]);
    struct sentry *e = entry_at(t, ref);
    memset(e, 0, sizeof *e);
    e->hash = h;
    e->group = group;
    e->kind = kind;
    e->len = (uint32_t)len;
    if (len) memcpy(e + 1, p, len);
    t->used[c] += need;
    t->slots[k] = ref + 1;
    t->n++;
    *added = true;
    if (t->n * 2 > t->n_slots) set_rehash(t);
    return e;
}

static void set_free(struct rset *t)
{
    for (size_t c = 0; c < t->n_chunks; c++)
        free(t->chunk[c]);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

static void gslots_grow(struct dlvx *x)
{
    size_t ns = x->n_gslots ? x->n_gslots * 2 : 64;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < x->n_g; i++) {
        size_t k = (size_t)x->g[i].hash & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (uint32_t)(i + 1);
    }
    free(x->gslots);
    x->gslots = sl;
    x->n_gslots = ns;
}

/* The group of (cls, hard, reason value v); -1 when there are too many. */
static long rgroup_of(struct dlvx *x, int cls, int hard, sqlite3_value *v)
{
    int t = sqlite3_value_type(v);
    const unsigned char *p = NULL;
    size_t n = 0;
    int64_t i64;
    if (t == SQLITE_INTEGER) {
        i64 = sqlite3_value_int64(v);
        p = (const unsigned char *)&i64;
        n = sizeof i64;
    } else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
        p = t == SQLITE_TEXT ? sqlite3_value_text(v) : sqlite3_value_blob(v);
        n = (size_t)sqlite3_value_bytes(v);
    }
    if (x->gkey_cap < n + 3) {
        x->gkey_cap = n + 64;
        x->gkey = xrealloc(x->gkey, x->gkey_cap);
    }
    unsigned char *b = x->gkey;
    b[0] = (unsigned char)cls;
    b[1] = (unsigned char)hard;
    b[2] = (unsigned char)t;
    if (n) memcpy(b + 3, p, n);
    size_t len = n + 3;
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, b, len);
    if (x->n_gslots == 0) gslots_grow(x);
    size_t k = (size_t)h & (x->n_gslots - 1);
    while (x->gslots[k]) {
        struct rgroup *g = &x->g[x->gslots[k] - 1];
        if (g->hash == h && g->key_len == len && memcmp(g->key, b, len) == 0)
            return (long)(x->gslots[k] - 1);
        k = (k + 1) & (x->n_gslots - 1);
    }
    if (x->n_g == DLV_MAX_GROUPS) return -1;
    if (x->n_g == x->cap_g) {
        x->cap_g = x->cap_g ? x->cap_g * 2 : 32;
        x->g = xrealloc(x->g, x->cap_g * sizeof *x->g);
    }
    struct rgroup *g = &x->g[x->n_g];
    memset(g, 0, sizeof *g);
    g->key = xmalloc(len);
    memcpy(g->key, b, len);
    g->key_len = len;
    g->hash = h;
    g->cls = cls;
    g->hard = hard;
    g->reason = sqlite3_value_dup(v);
    x->gslots[k] = (uint32_t)++x->n_g;
    if (x->n_g * 2 > x->n_gslots) gslots_grow(x);
    return (long)(x->n_g - 1);
}

static void reasons_fail(struct dlvx *x)
{
    x->reasons_bad = true;
    set_free(&x->set); /* (the SQL path needs none of it) */
}

/* v is the text s (SQL's v = 's' on a text column: the same bytes). */
static bool text_is(sqlite3_value *v, const char *s)
{
    if (sqlite3_value_type(v) != SQLITE_TEXT) return false;
    const unsigned char *p = sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    return n == strlen(s) && memcmp(p, s, n) == 0;
}

/* What the Delivery section asks of every row of a new cell (key values v). */
static void cell_dlv(struct dlvx *x, struct cell *c, sqlite3_value **v)
{
    sqlite3_value *st = v[K_STATUS];
    c->source_null = sqlite3_value_type(v[K_SOURCE]) == SQLITE_NULL;
    c->log_text = text_is(v[K_SOURCE], "log");
    c->bounce_text = text_is(v[K_SOURCE], "bounce");
    c->delay_row = c->log_text && text_is(st, "sent");
    c->dprov = -1;
    c->rgroup = -1;
    int cls = text_is(st, "bounced") || text_is(st, "rejected") || text_is(st, "expired") ? 1
              : text_is(st, "deferred")                                                   ? 2
                                                                                          : 0;
    if (!cls || x->reasons_bad) return;
    sqlite3_value *reason =
        sqlite3_value_type(v[K_REASON]) == SQLITE_NULL ? x->undefined : v[K_REASON];
    if (sqlite3_value_type(reason) == SQLITE_FLOAT) { /* SQL groups 1 with 1.0 */
        reasons_fail(x);
        return;
    }
    /* CASE WHEN hard: true when not NULL and not 0 */
    sqlite3_value *hv = v[K_HARD];
    int hard = cls == 1 && sqlite3_value_type(hv) != SQLITE_NULL &&
               (sqlite3_value_type(hv) == SQLITE_INTEGER ? sqlite3_value_int64(hv) != 0
                                                         : sqlite3_value_double(hv) != 0);
    c->rgroup = rgroup_of(x, cls, hard, reason);
    if (c->rgroup < 0) reasons_fail(x);
}

/* A failed row of cell cl: its recipient rc and domain dm. */
static void reason_row(struct dlvx *x, const struct cell *cl, sqlite3_value *rc, sqlite3_value *dm)
{
    int trc = sqlite3_value_type(rc), tdm = sqlite3_value_type(dm);
    /* (text only: DISTINCT over other types, and their text in the list,
     * are left to SQL) */
    if ((trc != SQLITE_NULL && trc != SQLITE_TEXT) || (tdm != SQLITE_NULL && tdm != SQLITE_TEXT)) {
        reasons_fail(x);
        return;
    }
    struct rgroup *g = &x->g[cl->rgroup];
    bool added;
    if (cl->log_text && trc == SQLITE_TEXT) {
        const unsigned char *p = sqlite3_value_text(rc);
        size_t n = (size_t)sqlite3_value_bytes(rc);
        if (!set_entry(&x->set, (uint32_t)cl->rgroup, 0, p, n, &added)) {
            reasons_fail(x);
            return;
        }
        g->n_rcpt += added;
    }
    if (tdm == SQLITE_TEXT) {
        const unsigned char *p = sqlite3_value_text(dm);
        size_t n = (size_t)sqlite3_value_bytes(dm);
        struct sentry *e = set_entry(&x->set, (uint32_t)cl->rgroup, 1, p, n, &added);
        if (!e) {
            reasons_fail(x);
            return;
        }
        g->has_dom = true;
        if (cl->log_text && !e->log) {
            e->log = 1;
            g->n_dom_log++;
        }
    }
}

/* The index of provider p, as report/sec_delivery.c's delay_provider
 * numbers them: past DELAY_MAX_PROVIDERS - 1 names, "(others)". */
static unsigned dprov_of(struct dlvx *x, const char *p)
{
    for (size_t i = 0; i < x->n_prov; i++)
        if (strcmp(x->prov[i], p) == 0) return (unsigned)i;
    if (x->n_prov == DELAY_MAX_PROVIDERS - 1 && strcmp(p, "(others)") != 0)
        return dprov_of(x, "(others)");
    size_t n = strlen(p);
    char *copy = xmalloc(n + 1);
    memcpy(copy, p, n + 1);
    x->prov[x->n_prov] = copy;
    return (unsigned)x->n_prov++;
}

static uint64_t delay_hash(unsigned prov, double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return sqlval_hash_bytes(SQLVAL_HASH_SEED ^ prov, &b, sizeof b);
}

static void dslots_grow(struct dlvx *x)
{
    size_t ns = x->n_dslots ? x->n_dslots * 2 : 1024;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < x->n_cell; i++) {
        size_t k = (size_t)delay_hash(x->cell[i].prov, x->cell[i].d) & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (uint32_t)(i + 1);
    }
    free(x->dslots);
    x->dslots = sl;
    x->n_dslots = ns;
}

/* A delay v of a logged sent delivery of cell cl (provider: column kp). */
static void delay_count(struct dlvx *x, struct cell *cl, sqlite3_stmt *s, int kp, double v)
{
    uint64_t rank = x->seen;
    /* the former collection: keep one in `stride`; with DELAY_MAX_VALUES
     * kept, halve them and double the stride */
    if (x->seen++ % x->stride) return;
    if (x->kept == DELAY_MAX_VALUES) {
        if (x->stride == (uint64_t)1 << (DELAY_STRIDES - 1)) {
            x->delays_bad = true; /* a stride past the counts kept */
            return;
        }
        x->kept /= 2;
        x->stride *= 2;
    }
    x->kept++;
    if (cl->dprov < 0) { /* (a name's index never changes once given) */
        const unsigned char *p = sqlite3_column_text(s, kp);
        cl->dprov = (int)dprov_of(x, p ? (const char *)p : "other");
    }
    unsigned prov = (unsigned)cl->dprov;
    if (v == 0) v = 0; /* (-0.0 and 0.0 sort as equal: one count) */
    if (x->n_dslots == 0) dslots_grow(x);
    size_t k = (size_t)delay_hash(prov, v) & (x->n_dslots - 1);
    while (x->dslots[k]) {
        struct delay_cell *e = &x->cell[x->dslots[k] - 1];
        if (e->prov == prov && e->d == v) break;
        k = (k + 1) & (x->n_dslots - 1);
    }
    struct delay_cell *e;
    if (x->dslots[k])
        e = &x->cell[x->dslots[k] - 1];
    else {
        if (x->n_cell == DELAY_MAX_CELLS) {
            x->delays_bad = true;
            return;
        }
        if (x->n_cell == x->cap_cell) {
            x->cap_cell = x->cap_cell ? x->cap_cell * 2 : 256;
            x->cell = xrealloc(x->cell, x->cap_cell * sizeof *x->cell);
        }
        e = &x->cell[x->n_cell];
        memset(e, 0, sizeof *e);
        e->prov = prov;
        e->d = v;
        x->dslots[k] = (uint32_t)++x->n_cell;
        if (x->n_cell * 2 > x->n_dslots) dslots_grow(x);
        e = &x->cell[x->n_cell - 1];
    }
    for (unsigned j = 0; j < DELAY_STRIDES; j++)
        if (rank % ((uint64_t)1 << j) == 0) e->n[j]++;
}

static void dlvx_free(struct dlvx *x)
{
    for (size_t i = 0; i < x->n_g; i++) {
        free(x->g[i].key);
        sqlite3_value_free(x->g[i].reason);
    }
    free(x->g);
    free(x->gslots);
    free(x->gkey);
    set_free(&x->set);
    sqlite3_value_free(x->undefined);
    for (size_t i = 0; i < x->n_prov; i++)
        free(x->prov[i]);
    free(x->cell);
    free(x->dslots);
}

/* The GROUP BY's order of the groups: cls, then reason (SQLite's order of
 * values), then 'hard' before 'soft'. */
static int cmp_group(const void *a, const void *b)
{
    const struct rgroup *x = a, *y = b;
    if (x->cls != y->cls) return x->cls - y->cls;
    int r = sqlval_cmp(x->reason, y->reason);
    if (r) return r;
    return y->hard - x->hard;
}

/* r_dreason from the groups (cells: their sums of source = 'log' and
 * 'bounce'). */
static int store_reasons(struct rctx *c, struct dlvx *x, const struct cube *q)
{
    for (size_t i = 0; i < q->n; i++) {
        const struct cell *cl = &q->cells[i];
        if (cl->rgroup < 0 || cl->source_null) continue;
        struct rgroup *g = &x->g[cl->rgroup];
        g->has_source = true;
        g->a_log += cl->log_text ? cl->n : 0;
        g->a_bounce += cl->bounce_text ? cl->n : 0;
    }
    if (rctx_exec_sql(c, "CREATE TEMP TABLE r_dreason(cls, reason, kind, a_log, rcpt, doms, dlist,"
                         " a_bounce)") != 0)
        return -1;
    /* the domain lists, from the set (entries in insertion order) */
    char **list = xcalloc(x->n_g + 1, sizeof *list);
    size_t *len = xcalloc(x->n_g + 1, sizeof *len), *cap = xcalloc(x->n_g + 1, sizeof *cap);
    const struct rset *t = &x->set;
    for (size_t ch = 0; ch < t->n_chunks; ch++)
        for (size_t off = 0; off < t->used[ch];) {
            const struct sentry *e = entry_at(t, (uint32_t)(ch * SET_CHUNK + off));
            off += entry_size(e->len);
            if (e->kind != 1) continue;
            size_t gi = e->group, need = len[gi] + e->len + 2;
            if (need > cap[gi]) {
                cap[gi] = need * 2;
                list[gi] = xrealloc(list[gi], cap[gi]);
            }
            if (len[gi]) list[gi][len[gi]++] = ',';
            memcpy(list[gi] + len[gi], e + 1, e->len);
            len[gi] += e->len;
        }
    struct rgroup *sorted = xcalloc(x->n_g + 1, sizeof *sorted);
    for (size_t i = 0; i < x->n_g; i++) {
        sorted[i] = x->g[i];
        sorted[i].idx = i;
    }
    qsort(sorted, x->n_g, sizeof *sorted, cmp_group);
    sqlite3_stmt *ins = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_dreason VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                           -1, &ins, NULL) != SQLITE_OK)
        rc = cube_fail(c, "delivery reasons");
    for (size_t i = 0; rc == 0 && i < x->n_g; i++) {
        const struct rgroup *g = &sorted[i];
        size_t gi = g->idx;
        sqlite3_bind_int(ins, 1, g->cls);
        sqlite3_bind_value(ins, 2, g->reason);
        if (g->cls == 1)
            sqlite3_bind_text(ins, 3, g->hard ? "hard" : "soft", -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 3);
        g->has_source ? sqlite3_bind_int64(ins, 4, g->a_log) : sqlite3_bind_null(ins, 4);
        sqlite3_bind_int64(ins, 5, g->n_rcpt);
        sqlite3_bind_int64(ins, 6, g->n_dom_log);
        if (g->has_dom)
            sqlite3_bind_text(ins, 7, list[gi] ? list[gi] : "", (int)len[gi], SQLITE_STATIC);
        else
            sqlite3_bind_null(ins, 7);
        g->has_source ? sqlite3_bind_int64(ins, 8, g->a_bounce) : sqlite3_bind_null(ins, 8);
        if (sqlite3_step(ins) != SQLITE_DONE) rc = cube_fail(c, "delivery reasons");
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    for (size_t i = 0; i < x->n_g; i++)
        free(list[i]);
    free(list);
    free(len);
    free(cap);
    free(sorted);
    return rc;
}

/* r_dprov and r_ddelay from the counts. */
static int store_delays(struct rctx *c, const struct dlvx *x)
{
    if (rctx_exec_sql(c, "CREATE TEMP TABLE r_dprov(i INTEGER PRIMARY KEY, name TEXT,"
                         " stride INTEGER); CREATE TEMP TABLE r_ddelay(prov INTEGER, d REAL,"
                         " n INTEGER)") != 0)
        return -1;
    unsigned j = 0;
    while (((uint64_t)1 << j) < x->stride)
        j++;
    sqlite3_stmt *p = NULL, *d = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_dprov VALUES (?1, ?2, ?3)", -1, &p, NULL) !=
            SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "INSERT INTO r_ddelay VALUES (?1, ?2, ?3)", -1, &d, NULL) !=
            SQLITE_OK)
        rc = cube_fail(c, "delivery delays");
    for (size_t i = 0; rc == 0 && i < x->n_prov; i++) {
        sqlite3_bind_int64(p, 1, (int64_t)i);
        sqlite3_bind_text(p, 2, x->prov[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(p, 3, (int64_t)x->stride);
        if (sqlite3_step(p) != SQLITE_DONE) rc = cube_fail(c, "delivery delays");
        sqlite3_reset(p);
    }
    for (size_t i = 0; rc == 0 && i < x->n_cell; i++) {
        if (x->cell[i].n[j] == 0) continue;
        sqlite3_bind_int64(d, 1, x->cell[i].prov);
        sqlite3_bind_double(d, 2, x->cell[i].d);
        sqlite3_bind_int64(d, 3, (int64_t)x->cell[i].n[j]);
        if (sqlite3_step(d) != SQLITE_DONE) rc = cube_fail(c, "delivery delays");
        sqlite3_reset(d);
    }
    sqlite3_finalize(p);
    sqlite3_finalize(d);
    return rc;
}

/* The reasons and delays tables that the scan could make (after the
 * cube's, in its transaction). */
static int store_dlv(struct rctx *c, struct dlvx *x, const struct cube *q)
{
    if (!x->reasons_bad && store_reasons(c, x, q) != 0) return -1;
    if (!x->delays_bad && x->stride > 1 && !c->whole) {
        /* a sampled period: only when r_dlv is a table (rows in rowid order) */
        sqlite3_stmt *s;
        bool table = false;
        if (sqlite3_prepare_v2(c->db,
                               "SELECT 1 FROM sqlite_temp_master WHERE name = 'r_dlv' AND"
                               " type = 'table'",
                               -1, &s, NULL) != SQLITE_OK)
            return cube_fail(c, "delivery delays");
        table = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
        if (!table) x->delays_bad = true;
    }
    if (!x->delays_bad && store_delays(c, x) != 0) return -1;
    return 0;
}

/* Is r_dlv the view over log_deliveries (rctx_open), whose source is 'log'?
 * 1 yes, 0 no, -1 error. */
static int dlv_is_view(struct rctx *c)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT type = 'view' FROM sqlite_temp_master WHERE name = 'r_dlv'", -1,
                           &s, NULL) != SQLITE_OK)
        return cube_fail(c, "delivery counts");
    int rc = sqlite3_step(s);
    int view = rc == SQLITE_ROW && sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? view : cube_fail(c, "delivery counts");
}

/* The constants the scan does not read from each row: 0 and 1 (sup,
 * has_reply) as value numbers 0 and 1 of those columns, and 'log' as the
 * view's source; x->undefined (copies: the statement that made them is
 * finalized at once). */
static int scan_consts(struct rctx *c, struct cube *q, struct dlvx *x, bool view)
{
    sqlite3_stmt *s;
    int rc = -1;
    if (sqlite3_prepare_v2(c->db, "SELECT 0, 1, 'log', 'undefined'", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW) {
        rc = 0;
        for (int i = 0; i < 2; i++)
            if (kdict_id(&q->col[K_SUP], sqlite3_column_value(s, i)) != i ||
                kdict_id(&q->col[K_HAS_REPLY], sqlite3_column_value(s, i)) != i)
                rc = -1;
        if (view && kdict_id(&q->col[K_SOURCE], sqlite3_column_value(s, 2)) != 0) rc = -1;
        x->undefined = sqlite3_value_dup(sqlite3_column_value(s, 3));
        if (!x->undefined) rc = -1;
    }
    sqlite3_finalize(s);
    return rc == 0 ? 0 : cube_fail(c, "delivery counts");
}

/* v is the text 'log' (r_out's "source = 'log'") */
static bool is_log(sqlite3_value *v)
{
    return sqlite3_value_type(v) == SQLITE_TEXT && sqlite3_value_bytes(v) == 3 &&
           memcmp(sqlite3_value_text(v), "log", 3) == 0;
}

/* 0: the cells are in q (and the hours in hr); 1: more than
 * DCUBE_MAX_CELLS; -1: error. */
static int scan(struct rctx *c, struct cube *q, struct hours *hr, struct dlvx *x)
{
    int view = dlv_is_view(c);
    if (view < 0) return -1;
    uint64_t *bits;
    int64_t lo, span;
    int wide = sup_bitmap(c, &bits, &lo, &span);
    if (wide < 0) return -1;
    if (scan_consts(c, q, x, view) != 0) {
        free(bits);
        return -1;
    }
    /* the key columns read from the row (-1: not read), then as a list */
    int src[N_KEYS] = {view ? -1 : S_MORE, S_LOCAL,  -1,     S_PROVIDER,
                       S_STATUS,           S_REASON, S_HARD, S_BLOCKLIST,
                       S_MISCONFIG,        S_DSN,    -1};
    if (wide) src[K_SUP] = view ? S_MORE : S_MORE + 1;
    struct kdict *rd_col[N_KEYS];
    int rd_src[N_KEYS], rd_word[N_KEYS], rd_shift[N_KEYS], n_rd = 0;
    for (int k = 0; k < N_KEYS; k++)
        if (src[k] >= 0) {
            rd_col[n_rd] = &q->col[k];
            rd_src[n_rd] = src[k];
            rd_word[n_rd] = k / 4;
            rd_shift[n_rd++] = k % 4 * 16;
        }
    /* the Campaigns section's deliveries (rctx.h, camp_dlv_row): the
     * Message-ID read last */
    bool camp = c->camp && camp_dlv_wanted(c->camp);
    int s_sup = wide ? src[K_SUP] : -1, s_mid = S_MORE + !view + !!wide;
    char sql[512];
    snprintf(sql, sizeof sql, SCAN_COLS "%s%s%s FROM r_dlv", view ? "" : ", source",
             wide ? ", id IN (SELECT id FROM r_sup)" : "", camp ? ", message_id" : "");
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) {
        free(bits);
        return cube_fail(c, "delivery counts");
    }
    grow_slots(q);
    int rc;
    uint64_t key[KEY_WORDS] = {0}, prev[KEY_WORDS];
    struct cell *cl = NULL;
    int ncols = sqlite3_column_count(s);
    sqlite3_value *col[S_MORE + 3] = {NULL};
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        sqlval_row(s, col, ncols);
        memcpy(prev, key, sizeof key);
        memset(key, 0, sizeof key); /* (the constants: number 0) */
        for (int i = 0; i < n_rd; i++) {
            long id = kdict_id(rd_col[i], col[rd_src[i]]);
            if (id < 0) {
                rc = -2;
                break;
            }
            key[rd_word[i]] |= (uint64_t)id << rd_shift[i];
        }
        if (rc == -2) break;
        /* (whether the row is one of r_out: "id NOT IN (SELECT id FROM
         * r_sup)", NULL for a NULL id when r_sup has rows) */
        bool out = true;
        if (bits) {
            int64_t d = sqlite3_column_int64(s, S_ID) - lo;
            bool sup = d >= 0 && d < span && (bits[d >> 6] >> (d & 63) & 1);
            key[K_SUP / 4] |= (uint64_t)sup << (K_SUP % 4 * 16);
            out = !sup && sqlite3_value_type(col[S_ID]) != SQLITE_NULL;
        }
        if (camp) {
            if (s_sup >= 0)
                out = sqlite3_value_type(col[s_sup]) == SQLITE_INTEGER &&
                      sqlite3_value_int64(col[s_sup]) == 0;
            if (out && (view || is_log(col[S_MORE])))
                camp_dlv_row(c->camp, col[s_mid], col[S_STATUS]);
        }
        sqlite3_value *reply = col[S_REPLY];
        bool has_reply = sqlite3_value_type(reply) != SQLITE_NULL;
        key[K_HAS_REPLY / 4] |= (uint64_t)has_reply << (K_HAS_REPLY % 4 * 16);
        /* (the previous row's cell first: rows often repeat it) */
        if (!cl || memcmp(key, prev, sizeof key) != 0) cl = cell_of(q, x, key);
        if (!cl) {
            rc = -2;
            break;
        }
        cl->n++;
        sqlite3_value *ts = col[S_TS];
        if (sqlite3_value_type(ts) != SQLITE_NULL) {
            int64_t t = sqlite3_value_int64(ts);
            if (!cl->has_ts || t < cl->ts_min) cl->ts_min = t;
            if (!cl->has_ts || t > cl->ts_max) cl->ts_max = t;
            cl->has_ts = true;
            if (cl->is_log) hours_add(hr, t, cl->hour_si);
        }
        if (has_reply && cl->want_text) {
            const unsigned char *rt = sqlite3_value_text(reply);
            int n = sqlite3_value_bytes(reply);
            keep_text(&cl->reply_max, &cl->reply_max_len, rt, n, 1);
            const unsigned char *cut = said(rt, &n);
            keep_text(&cl->said_min, &cl->said_min_len, cut, n, -1);
        }
        if (cl->rgroup >= 0 && !x->reasons_bad) reason_row(x, cl, col[S_RCPT], col[S_DOMAIN]);
        if (cl->delay_row && !x->delays_bad) {
            sqlite3_value *dv = col[S_DELAY];
            if (sqlite3_value_type(dv) != SQLITE_NULL)
                delay_count(x, cl, s, S_PROVIDER, sqlite3_value_double(dv));
        }
    }
    sqlite3_finalize(s);
    free(bits);
    if (camp) camp_dlv_done(c->camp, rc == SQLITE_DONE);
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
            sqlite3_bind_value(ins, j + 1, cell_val(q, cl, j)->v);
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
    if (rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_dcube; DROP TABLE IF EXISTS temp.r_dhour;"
                         " DROP TABLE IF EXISTS temp.r_dreason; DROP TABLE IF EXISTS temp.r_dprov;"
                         " DROP TABLE IF EXISTS temp.r_ddelay") != 0 ||
        rctx_exec_sql(c, create_sql) != 0 ||
        rctx_exec_sql(c, "CREATE TEMP TABLE r_dhour(h INTEGER PRIMARY KEY, s INTEGER, d INTEGER,"
                         " bo INTEGER, r INTEGER, e INTEGER)") != 0)
        return -1;
    struct cube q = {0};
    struct hours hr = {0};
    struct dlvx x = {.stride = 1};
    hours_grow(&hr);
    int rc = scan(c, &q, &hr, &x);
    if (rc == 0) { /* the rows written in one transaction (rctx.h) */
        rc = rctx_begin(c);
        if (rc == 0) rc = store(c, &q);
        if (rc == 0) rc = hr.full ? rctx_exec_sql(c, hour_sql) : store_hours(c, &hr);
        if (rc == 0) rc = store_dlv(c, &x, &q);
        if (rc == 0)
            rc = rctx_commit(c);
        else
            rctx_rollback(c);
    }
    cube_free(&q);
    dlvx_free(&x);
    free(hr.v);
    free(hr.used);
    if (rc != 1) return rc;
    /* too many cells: both by SQL */
    return rctx_exec_sql(c, group_sql) != 0 || rctx_exec_sql(c, hour_sql) != 0 ? -1 : 0;
}
