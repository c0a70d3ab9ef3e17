/* rctx — the report's scope as TEMP tables, and query helpers (rctx.h). */
#include "report/rctx.h"
#include "report/dcube.h"
#include "report/sqlval.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "util/timeutil.h"

static int fail(struct rctx *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, sqlite3_errmsg(c->db));
    return -1;
}

/* A table or column of a newer schema missing from an older database. */
static bool missing_schema(sqlite3 *db)
{
    const char *m = sqlite3_errmsg(db);
    return strstr(m, "no such table") || strstr(m, "no such column");
}

static int exec(struct rctx *c, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "preparing the report: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

/* Bind the scope's values to the named parameters :since, :until,
 * :domain and :campaign that a statement uses. */
static void bind_scope(struct rctx *c, sqlite3_stmt *s)
{
    const char *names[] = {":since", ":until", ":domain", ":campaign"};
    const char *vals[] = {c->scope.since, c->scope.until, c->scope.domain, c->scope.campaign};
    for (int i = 0; i < 4; i++) {
        int k = sqlite3_bind_parameter_index(s, names[i]);
        if (k > 0 && vals[i]) sqlite3_bind_text(s, k, vals[i], -1, SQLITE_STATIC);
    }
}

static int prepare(struct rctx *c, const char *sql, const char *text1, sqlite3_stmt **s,
                   bool *missing)
{
    *missing = false;
    if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK) {
        if (missing_schema(c->db)) {
            *missing = true;
            return 0;
        }
        return fail(c, "report query");
    }
    if (text1 && sqlite3_bind_parameter_count(*s) >= 1)
        sqlite3_bind_text(*s, 1, text1, -1, SQLITE_STATIC);
    bind_scope(c, *s);
    return 0;
}

/* The campaign key from a header chosen with --campaign-header: read from
 * the stored header blocks of the messages in scope. */
static int campaign_from_header(struct rctx *c, const char *name)
{
    sqlite3_stmt *q, *u;
    if (sqlite3_prepare_v2(
            c->db, "SELECT r.id, m.header_block FROM r_msg r JOIN messages m ON m.id = r.id", -1,
            &q, NULL) != SQLITE_OK)
        return fail(c, "campaign header");
    if (sqlite3_prepare_v2(c->db, "UPDATE r_msg SET campaign = ?2 WHERE id = ?1", -1, &u, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(q);
        return fail(c, "campaign header");
    }
    arena *a = arena_new();
    int rc = rctx_begin(c), step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        arena_reset(a);
        const char *blk = sqlite3_column_blob(q, 1);
        int n = sqlite3_column_bytes(q, 1);
        if (!blk || n <= 0) continue;
        struct hdr_block h;
        hdr_parse(a, blk, (size_t)n, &h, NULL);
        const struct hdr_field *f = hdr_get(&h, name, 0);
        if (!f) continue;
        size_t len;
        char *v = hdr_unfold(a, f->value, &len);
        if (!len) continue;
        sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
        sqlite3_bind_text(u, 2, v, (int)(len > 256 ? 256 : len), SQLITE_STATIC);
        if (sqlite3_step(u) != SQLITE_DONE) {
            rc = fail(c, "campaign header");
            break;
        }
        sqlite3_reset(u);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = fail(c, "campaign header");
    arena_free(a);
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return rc;
}

static bool has_column(struct rctx *c, const char *table, const char *col)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", col, table);
    sqlite3_stmt *s;
    bool ok = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) == SQLITE_OK;
    sqlite3_finalize(s);
    return ok;
}

/* exec, where a table missing from an older database (no DKIM results
 * before schema 0003) leaves the statement undone rather than failing. */
static int exec_tolerant(struct rctx *c, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bool missing = missing_schema(c->db);
        if (!missing) snprintf(c->err, sizeof c->err, "preparing the report: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return missing ? 0 : -1;
    }
    return 0;
}

/* Run a statement with the scope's values bound by name (:since, :until,
 * :domain, :campaign). */
static int run_scoped(struct rctx *c, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) return fail(c, "report scope");
    bind_scope(c, s);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : fail(c, "report scope");
}

/* The WHERE clause of the deliveries in scope; t, sender and mid name the
 * integer time, sender and Message-ID columns (lo/hi are integers we
 * formatted, or NULL; the domain and campaign are bound parameters). */
/* " WHERE 1" and the period's bounds on integer time column t, each only
 * when set: a term "(NULL IS NULL OR t >= x)" would keep SQLite from reading
 * the period through the time index */
static void time_where(char *buf, size_t n, const char *lo, const char *hi, const char *t)
{
    char lt[96] = "", ht[96] = "";
    if (strcmp(lo, "NULL") != 0) snprintf(lt, sizeof lt, " AND %s >= %s", t, lo);
    if (strcmp(hi, "NULL") != 0) snprintf(ht, sizeof ht, " AND %s < %s", t, hi);
    snprintf(buf, n, " WHERE 1%s%s", lt, ht);
}

static void scope_where(char *buf, size_t n, const char *lo, const char *hi, const char *t,
                        const char *sender, const char *mid)
{
    char tw[256];
    time_where(tw, sizeof tw, lo, hi, t);
    snprintf(buf, n,
             "%s AND (:domain IS NULL OR lower(%s) LIKE '%%@' || :domain"
             "  OR lower(%s) LIKE '%%.' || :domain)"
             " AND (:campaign IS NULL OR %s IN (SELECT m.message_id FROM messages m"
             "  JOIN r_msg r ON r.id = m.id WHERE m.message_id IS NOT NULL))",
             tw, sender, sender, mid);
}

/* Drop a scope object of an earlier rctx_open, table or view (a scope
 * without filters makes some of them views). */
static int drop_temp(struct rctx *c, const char *name)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, "SELECT type FROM sqlite_temp_master WHERE name = ?1", -1, &s,
                           NULL) != SQLITE_OK)
        return fail(c, "report scope");
    sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    char sql[96] = "";
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(s, 0);
        if (type && (strcmp(type, "view") == 0 || strcmp(type, "table") == 0))
            snprintf(sql, sizeof sql, "DROP %s temp.%s",
                     strcmp(type, "view") == 0 ? "VIEW" : "TABLE", name);
    }
    sqlite3_finalize(s);
    return sql[0] ? exec(c, sql) : 0;
}

/* ---- the superseded attempts (r_sup) ----
 * Each recipient's final outcome is the last attempt of its (queue id,
 * host, recipient); the attempts before it are superseded. A window over
 * every delivery sorts them all (seconds for millions); instead, one pass
 * counts the keys in a fixed table of hashed buckets (two bitmaps: seen
 * once, seen again), a second pass keeps the rows whose bucket was seen
 * twice (the keys with several attempts, and a few others whose hash
 * collides), and the window runs over those only: exact, with memory
 * bounded by the bitmaps. */
#define SUP_BITS 27 /* 2^27 buckets: two 16 MiB bitmaps */

static uint64_t sup_hash(sqlite3_stmt *s)
{
    uint64_t h = 1469598103934665603ull;
    for (int k = 1; k <= 3; k++) {
        /* a blob's bytes without sqlite3_column_text, which would turn the
         * row's value into text: the candidate bound from it below would
         * then group with the text of the same bytes, which the window
         * (and the index) keeps apart */
        const unsigned char *p = sqlite3_column_type(s, k) == SQLITE_BLOB
                                     ? sqlite3_column_blob(s, k)
                                     : sqlite3_column_text(s, k);
        int n = sqlite3_column_bytes(s, k);
        h = (h ^ (p ? 0x31u : 0x30u)) * 1099511628211ull; /* NULL differs from '' */
        for (int i = 0; p && i < n; i++)
            h = (h ^ p[i]) * 1099511628211ull;
        h = (h ^ (uint64_t)(unsigned)n) * 1099511628211ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h >> (64 - SUP_BITS);
}

/* The superseded attempts of the whole database by the index
 * log_deliveries_sup (schema 0009): its entries come sorted by (queue id,
 * host, recipient), then id, so every entry followed by one with the same
 * key is an attempt a later one superseded. One pass over a covering index
 * (0.4 s for 3 million deliveries) instead of two over the table (2.5 s).
 * For the whole database, and for a large period (build_sup_period): a
 * period's attempts are superseded only by attempts in that period, so
 * only the entries of its deliveries are read. (Bounce rows have no queue
 * id: the index holds every row build_sup would read.)
 * 1: the index is not there (an older database); 0 done; -1 error. */
/* The previous index entry's key: per column its type and bytes (the
 * columns are TEXT: no numbers to compare) */
struct sup_key {
    int type[3];
    size_t len[3];
    char *buf[3];
    size_t cap[3];
};

/* Is value v (the row's column k) the same as key column k (type and
 * bytes)? The row's values are fetched once (sqlval_row: not at all after
 * the first row): every sqlite3_column_* call pays the API's exit check,
 * and three a column for three million entries showed. Only the columns
 * from the first that differs are copied (the ones before it are the
 * same). Over r100k's 300,000 entries: 499 M -> 423 M instructions, of
 * which 306 M are SQLite's reading of the index. */
static bool sup_key_same(const struct sup_key *pk, sqlite3_value *v, int k)
{
    int t = sqlite3_value_type(v);
    if (t != pk->type[k]) return false;
    if (t == SQLITE_NULL) return true;
    const void *p = t == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    return n == pk->len[k] && (n == 0 || memcmp(p, pk->buf[k], n) == 0);
}

static int sup_key_set(struct sup_key *pk, sqlite3_value *v, int k)
{
    int t = sqlite3_value_type(v);
    pk->type[k] = t;
    pk->len[k] = 0;
    if (t == SQLITE_NULL) return 0;
    const void *p = t == SQLITE_BLOB ? sqlite3_value_blob(v) : sqlite3_value_text(v);
    size_t n = (size_t)sqlite3_value_bytes(v);
    if (n > pk->cap[k]) {
        char *b = realloc(pk->buf[k], n);
        if (!b) return -1;
        pk->buf[k] = b;
        pk->cap[k] = n;
    }
    if (n) memcpy(pk->buf[k], p, n);
    pk->len[k] = n;
    return 0;
}

/* The ids a period's superseded attempts are looked for among (see
 * build_sup_period): bit id - base of bits. */
struct sup_ids {
    int64_t base;
    uint64_t nbits;
    uint64_t *bits;
};

static bool sup_ids_has(const struct sup_ids *f, int64_t id)
{
    if (id < f->base || (uint64_t)(id - f->base) >= f->nbits) return false;
    uint64_t k = (uint64_t)(id - f->base);
    return (f->bits[k >> 6] >> (k & 63)) & 1;
}

/* only: NULL for every entry (the whole database), else the entries of
 * those ids alone (a period's: its attempts are superseded only by its
 * later attempts, which are the next of its entries in the index) */
static int build_sup_index(struct rctx *c, const struct sup_ids *only)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT queue_id, host, recipient, id FROM log_deliveries"
                           " INDEXED BY log_deliveries_sup WHERE queue_id IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK)
        return 1; /* no such index */
    int rc = -1, step;
    struct sup_key pk;
    memset(&pk, 0, sizeof pk);
    bool have = false;
    int64_t prev_id = 0;
    if (exec(c, "CREATE TEMP TABLE r_sup(id INTEGER PRIMARY KEY)") != 0 || rctx_begin(c) != 0) {
        sqlite3_finalize(q);
        return -1;
    }
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_sup VALUES (?1)", -1, &ins, NULL) != SQLITE_OK) {
        fail(c, "report scope");
        goto done;
    }
    sqlite3_value *v[4] = {NULL};
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        /* (the values fetched once: sqlval_row) */
        sqlval_row(q, v, 4);
        int64_t id = sqlite3_value_int64(v[3]);
        if (only && !sup_ids_has(only, id)) continue;
        /* the key compared as PARTITION BY does: type and bytes, NULL
         * equal to NULL */
        int k0 = 0; /* the first column that differs (those before it are kept) */
        if (have)
            while (k0 < 3 && sup_key_same(&pk, v[k0], k0))
                k0++;
        if (have && k0 == 3) {
            sqlite3_bind_int64(ins, 1, prev_id);
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fail(c, "report scope");
                goto done;
            }
            sqlite3_reset(ins);
        } else
            for (int k = k0; k < 3; k++)
                if (sup_key_set(&pk, v[k], k) != 0) {
                    snprintf(c->err, sizeof c->err, "report scope: out of memory");
                    goto done;
                }
        have = true;
        prev_id = id;
    }
    if (step != SQLITE_DONE) {
        fail(c, "report scope");
        goto done;
    }
    rc = 0;
done:
    for (int k = 0; k < 3; k++)
        free(pk.buf[k]);
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return -1;
}

/* A large period's superseded attempts by the index too, when r_dlv is a
 * view (each of the two passes reads the period's rows from the 700 MB of
 * deliveries): a bitmap of its deliveries' ids (a pass over the time
 * index), then the index's entries of those ids only. The index holds
 * every delivery of the database, so this pays when the period holds more
 * than 1 in SUP_PERIOD_SHARE of them (a week of a month: 700,000 of 3
 * million deliveries, 0.8 s -> 0.46 s; the break-even is about 1 in 8); a
 * smaller period takes the two passes over its own rows, and so does an
 * r_dlv copied into a table (--domain, --campaign: its passes cost less
 * than the index's). The bitmap spans the ids of log_deliveries, at most
 * 2^SUP_BITS bits (16 MiB, as each bitmap of the two passes); a database
 * with a wider span takes the two passes too. 1: not taken; 0 done; -1
 * error. */
#define SUP_PERIOD_SHARE 6

/* Tests set it to false to take the two passes (test_report_sup.c). */
static bool sup_period_index = true;

static int build_sup_period(struct rctx *c)
{
    sqlite3_stmt *q;
    int64_t lo = 0, hi = -1;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT (SELECT min(id) FROM log_deliveries),"
                           " (SELECT max(id) FROM log_deliveries)",
                           -1, &q, NULL) != SQLITE_OK)
        return 1; /* (the two passes say why) */
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL) {
        lo = sqlite3_column_int64(q, 0);
        hi = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    if (hi < lo || (uint64_t)(hi - lo) >= ((uint64_t)1 << SUP_BITS)) return 1;
    struct sup_ids f = {.base = lo, .nbits = (uint64_t)(hi - lo) + 1};
    f.bits = calloc((size_t)(f.nbits + 63) / 64, sizeof *f.bits);
    if (!f.bits) return 1;
    /* (bounce rows have negative ids and no queue id) */
    if (sqlite3_prepare_v2(c->db, "SELECT id FROM r_dlv WHERE id > 0", -1, &q, NULL) != SQLITE_OK) {
        free(f.bits);
        return fail(c, "report scope");
    }
    int step;
    int64_t n = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0);
        if (id < lo || id > hi) continue; /* (not a log_deliveries id) */
        uint64_t k = (uint64_t)(id - lo);
        f.bits[k >> 6] |= 1ull << (k & 63);
        n++;
    }
    sqlite3_finalize(q);
    int r = step != SQLITE_DONE                 ? fail(c, "report scope")
            : (hi - lo) / SUP_PERIOD_SHARE >= n ? 1
                                                : build_sup_index(c, &f);
    free(f.bits);
    return r;
}

static int build_sup(struct rctx *c, bool whole, bool dlv_view)
{
    int r = whole                          ? build_sup_index(c, NULL)
            : dlv_view && sup_period_index ? build_sup_period(c)
                                           : 1;
    if (r != 1) return r;
    if (exec(c,
             "CREATE TEMP TABLE r_sup(id INTEGER PRIMARY KEY);"
             "CREATE TEMP TABLE r_sup_cand(id INTEGER PRIMARY KEY, queue_id, host, recipient)") !=
        0)
        return -1;
    size_t words = ((size_t)1 << SUP_BITS) / 64;
    uint64_t *once = calloc(words, sizeof *once), *twice = calloc(words, sizeof *twice);
    sqlite3_stmt *q = NULL, *ins = NULL;
    int rc = -1, step = SQLITE_DONE;
    bool in_txn = false;
    uint64_t n_multi = 0;
    if (!once || !twice) {
        snprintf(c->err, sizeof c->err, "report scope: out of memory");
        goto done;
    }
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id, queue_id, host, recipient FROM r_dlv"
                           " WHERE queue_id IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK) {
        fail(c, "report scope");
        goto done;
    }
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        uint64_t b = sup_hash(q), bit = 1ull << (b & 63);
        size_t w = (size_t)(b >> 6);
        if (once[w] & bit) {
            if (!(twice[w] & bit)) n_multi++;
            twice[w] |= bit;
        } else
            once[w] |= bit;
    }
    if (step != SQLITE_DONE) {
        fail(c, "report scope");
        goto done;
    }
    if (n_multi > 0) { /* second pass: the candidates */
        sqlite3_reset(q);
        /* one transaction: in autocommit each INSERT would be a commit of
         * the TEMP database (seconds for a million candidates) */
        if (rctx_begin(c) != 0) goto done;
        in_txn = true;
        if (sqlite3_prepare_v2(c->db, "INSERT INTO r_sup_cand VALUES (?1, ?2, ?3, ?4)", -1, &ins,
                               NULL) != SQLITE_OK) {
            fail(c, "report scope");
            goto done;
        }
        while ((step = sqlite3_step(q)) == SQLITE_ROW) {
            uint64_t b = sup_hash(q);
            if (!(twice[b >> 6] & (1ull << (b & 63)))) continue;
            for (int k = 0; k < 4; k++) /* the key as read (the window compares them) */
                sqlite3_bind_value(ins, k + 1, sqlite3_column_value(q, k));
            if (sqlite3_step(ins) != SQLITE_DONE) {
                fail(c, "report scope");
                goto done;
            }
            sqlite3_reset(ins);
        }
        if (step != SQLITE_DONE) {
            fail(c, "report scope");
            goto done;
        }
        if (exec(c, "INSERT INTO r_sup SELECT id FROM (SELECT id, max(id) OVER (PARTITION BY"
                    " queue_id, host, recipient) AS last FROM r_sup_cand) WHERE id < last") != 0)
            goto done;
        sqlite3_finalize(ins);
        ins = NULL;
        sqlite3_finalize(q);
        q = NULL;
        in_txn = false;
        if (rctx_commit(c) != 0) goto done;
    }
    rc = exec(c, "DROP TABLE temp.r_sup_cand");
done:
    if (in_txn) {
        sqlite3_finalize(ins);
        ins = NULL;
        sqlite3_finalize(q);
        q = NULL;
        rctx_rollback(c);
    }
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    free(once);
    free(twice);
    return rc;
}

/* SQL ma_list(LIST, MAX): the items of a comma-separated LIST (what
 * group_concat gives) distinct and sorted by their bytes, joined by commas,
 * cut to MAX characters when MAX > 0. group_concat lists its values in the
 * order the rows came, which depends on the query plan (an index, fresh
 * statistics): sorted, the same data always gives the same report. */
static int item_cmp(const void *a, const void *b)
{
    const char *const *x = a, *const *y = b;
    return strcmp(*x, *y);
}

static void sql_list(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const unsigned char *t = sqlite3_value_text(argv[0]);
    if (!t) {
        sqlite3_result_null(ctx);
        return;
    }
    int64_t max = sqlite3_value_int64(argv[1]);
    size_t n = (size_t)sqlite3_value_bytes(argv[0]);
    char *buf = malloc(n + 1), *out = malloc(n + 1);
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += t[i] == ',';
    char **item = malloc(cap * sizeof *item);
    if (!buf || !out || !item) {
        free(buf);
        free(out);
        free(item);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    memcpy(buf, t, n);
    buf[n] = '\0';
    size_t k = 0;
    for (char *p = buf, *e;; p = e + 1) {
        e = strchr(p, ',');
        if (e) *e = '\0';
        item[k++] = p;
        if (!e) break;
    }
    qsort(item, k, sizeof *item, item_cmp);
    size_t w = 0, emitted = 0;
    int64_t chars = 0;
    bool cut = false;
    for (size_t i = 0; i < k && !cut; i++) {
        if (i && strcmp(item[i], item[i - 1]) == 0) continue;
        for (const char *p = emitted++ ? "," : ""; *p && !cut; p++, chars++) {
            if (max > 0 && chars >= max)
                cut = true;
            else
                out[w++] = *p;
        }
        for (const unsigned char *p = (const unsigned char *)item[i]; *p && !cut; p++) {
            bool lead = (*p & 0xC0) != 0x80; /* a character starts (as substr counts) */
            if (lead && max > 0 && chars >= max)
                cut = true;
            else {
                out[w++] = (char)*p;
                chars += lead;
            }
        }
    }
    sqlite3_result_text(ctx, out, (int)w, free);
    free(buf);
    free(item);
}

/* SQL ma_campaign(list_id, feedback_id, campaign_id, from_address, subject,
 * arrival, date): a message's campaign key (rctx.h, r_msg), what
 *   coalesce(list_id, feedback_id, campaign_id, coalesce(from_address, '?')
 *     || ' | ' || coalesce(subject, '') || ' | '
 *     || coalesce(substr(coalesce(arrival, date), 1, 10), '?'))
 * gives, value for value: the first non-NULL of the three as it is, else the
 * text of the others (SQLite's text of a number or the bytes of a blob, as
 * || takes them; substr counts the characters of a text up to a NUL as
 * SQLite does, the bytes of a blob). In SQL the concatenations cost 40% of
 * writing r_msg (255 M of 643 M Ir on r100k.db), each a new string. */
static void sql_campaign(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    for (int i = 0; i < 3; i++)
        if (sqlite3_value_type(argv[i]) != SQLITE_NULL) {
            sqlite3_result_value(ctx, argv[i]);
            return;
        }
    const char *from = "?", *subj = "", *day = "?";
    size_t from_len = 1, subj_len = 0, day_len = 1;
    if (sqlite3_value_type(argv[3]) != SQLITE_NULL) {
        from = (const char *)sqlite3_value_text(argv[3]);
        from_len = (size_t)sqlite3_value_bytes(argv[3]);
    }
    if (sqlite3_value_type(argv[4]) != SQLITE_NULL) {
        subj = (const char *)sqlite3_value_text(argv[4]);
        subj_len = (size_t)sqlite3_value_bytes(argv[4]);
    }
    sqlite3_value *t = sqlite3_value_type(argv[5]) != SQLITE_NULL ? argv[5] : argv[6];
    if (sqlite3_value_type(t) == SQLITE_BLOB) {
        const char *b = sqlite3_value_blob(t);
        if (b) { /* (substr gives NULL for an empty blob: '?') */
            day = b;
            day_len = (size_t)sqlite3_value_bytes(t);
            if (day_len > 10) day_len = 10;
        }
    } else if (sqlite3_value_type(t) != SQLITE_NULL) {
        const unsigned char *z = sqlite3_value_text(t), *e = z;
        for (int k = 0; e && *e && k < 10; k++) /* SQLite's SQLITE_SKIP_UTF8 */
            if (*(e++) >= 0xc0)
                while ((*e & 0xc0) == 0x80)
                    e++;
        day = z ? (const char *)z : "";
        day_len = z ? (size_t)(e - z) : 0;
    }
    if (!from || !subj) { /* (out of memory converting) */
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t n = from_len + 3 + subj_len + 3 + day_len;
    char *buf = sqlite3_malloc64(n + 1);
    if (!buf) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    char *w = buf;
    memcpy(w, from, from_len);
    w += from_len;
    memcpy(w, " | ", 3);
    w += 3;
    memcpy(w, subj, subj_len);
    w += subj_len;
    memcpy(w, " | ", 3);
    w += 3;
    memcpy(w, day, day_len);
    sqlite3_result_text64(ctx, buf, n, sqlite3_free, SQLITE_UTF8);
}

/* ---- the messages in scope counted while r_msg is written (r_msg_ov) ----
 * The overview counted r_msg in a pass of its own (all, sent and feedback
 * messages, the first and last time, feedback messages per kind, sender
 * domains) and the distinct senders in another over messages: 0.40 s and
 * 0.28 s of the 1M bench database's report. Over the whole database the
 * INSERT that writes r_msg hands each row to ma_msg_note() as well, which
 * counts the same in C, and rctx_open stores the counts in r_msg_ov and
 * r_msg_ovfb (rctx.h). A value of a type these columns should not hold (t,
 * feedback_kind, from_domain or from_address not text) leaves r_msg_ov
 * without a row: the overview then counts by SQL. The distinct domains and
 * senders are kept up to MSG_OV_MAX_KEYS each (past it, or with a lower()
 * that is not SQLite's ASCII one, that count is NULL and done by SQL). */
#define MSG_OV_MAX_KEYS 200000 /* a set of them about 10 MB */

struct ov_key {
    uint64_t hash;
    char *s; /* NULL: an empty slot */
    size_t len;
    int64_t n;
};

/* Distinct byte strings with a count each (open addressing). */
struct ov_set {
    struct ov_key *slot;
    size_t n, n_slots; /* n_slots: 0 or a power of two */
    bool full;         /* past MSG_OV_MAX_KEYS: the set is not complete */
};

/* The key p[0..len) in the set (added with n = 0 when new), or NULL once
 * the set is full. */
static struct ov_key *ov_find(struct ov_set *set, const char *p, size_t len)
{
    if (set->full) return NULL;
    if (2 * (set->n + 1) > set->n_slots) {
        if (set->n >= MSG_OV_MAX_KEYS) {
            set->full = true;
            return NULL;
        }
        size_t n_slots = set->n_slots ? 2 * set->n_slots : 256;
        struct ov_key *slot = xcalloc(n_slots, sizeof *slot);
        for (size_t i = 0; i < set->n_slots; i++) {
            if (!set->slot[i].s) continue;
            size_t j = set->slot[i].hash & (n_slots - 1);
            while (slot[j].s)
                j = (j + 1) & (n_slots - 1);
            slot[j] = set->slot[i];
        }
        free(set->slot);
        set->slot = slot;
        set->n_slots = n_slots;
    }
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, p, len);
    size_t j = h & (set->n_slots - 1);
    for (; set->slot[j].s; j = (j + 1) & (set->n_slots - 1))
        if (set->slot[j].hash == h && set->slot[j].len == len &&
            memcmp(set->slot[j].s, p, len) == 0)
            return &set->slot[j];
    struct ov_key *k = &set->slot[j];
    k->hash = h;
    k->s = xmalloc(len + 1);
    memcpy(k->s, p, len);
    k->len = len;
    k->n = 0;
    set->n++;
    return k;
}

static void ov_set_free(struct ov_set *set)
{
    for (size_t i = 0; i < set->n_slots; i++)
        free(set->slot[i].s);
    free(set->slot);
}

struct msg_ov {
    bool bad;       /* a value not judged here: the overview counts by SQL */
    bool sql_lower; /* SQLite's lower() is not the ASCII one: senders by SQL */
    int64_t n_all, n_sent;
    char *t_min, *t_max; /* NULL: no time yet */
    size_t t_min_len, t_max_len;
    struct ov_set kinds, domains, senders;
    char *buf; /* a sender lowercased */
    size_t buf_cap;
};

static void ov_keep(char **dst, size_t *dst_len, const char *p, size_t len)
{
    free(*dst);
    *dst = xmalloc(len + 1);
    memcpy(*dst, p, len);
    *dst_len = len;
}

/* SQL ma_msg_note(STATE, t, feedback_kind, from_domain, from_address): 1,
 * and the row counted into STATE (a bound pointer, struct msg_ov). */
static void msg_note(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    sqlite3_result_int(ctx, 1);
    struct msg_ov *o = sqlite3_value_pointer(argv[0], "mailaudit_msg_ov");
    if (!o || o->bad) return;
    for (int i = 1; i <= 4; i++) {
        int t = sqlite3_value_type(argv[i]);
        if (t != SQLITE_TEXT && t != SQLITE_NULL) {
            o->bad = true;
            return;
        }
    }
    o->n_all++;
    if (sqlite3_value_type(argv[1]) == SQLITE_TEXT) {
        const char *t = (const char *)sqlite3_value_text(argv[1]);
        size_t n = (size_t)sqlite3_value_bytes(argv[1]);
        if (!o->t_min || sqlval_bytes_cmp(t, n, o->t_min, o->t_min_len) < 0)
            ov_keep(&o->t_min, &o->t_min_len, t, n);
        if (!o->t_max || sqlval_bytes_cmp(t, n, o->t_max, o->t_max_len) > 0)
            ov_keep(&o->t_max, &o->t_max_len, t, n);
    }
    if (sqlite3_value_type(argv[2]) == SQLITE_TEXT) { /* a feedback message */
        struct ov_key *k = ov_find(&o->kinds, (const char *)sqlite3_value_text(argv[2]),
                                   (size_t)sqlite3_value_bytes(argv[2]));
        if (!k)
            o->bad = true;
        else
            k->n++;
        return;
    }
    o->n_sent++;
    if (sqlite3_value_type(argv[3]) == SQLITE_TEXT)
        (void)ov_find(&o->domains, (const char *)sqlite3_value_text(argv[3]),
                      (size_t)sqlite3_value_bytes(argv[3]));
    if (sqlite3_value_type(argv[4]) == SQLITE_TEXT && !o->senders.full) {
        const unsigned char *a = sqlite3_value_text(argv[4]);
        size_t n = (size_t)sqlite3_value_bytes(argv[4]);
        if (n + 1 > o->buf_cap) o->buf = xgrow(o->buf, &o->buf_cap, n + 1, 1);
        for (size_t i = 0; i < n; i++) /* lower(): ASCII letters only */
            o->buf[i] = (char)(a[i] >= 'A' && a[i] <= 'Z' ? a[i] + 32 : a[i]);
        (void)ov_find(&o->senders, o->buf, n);
    }
}

static void msg_ov_free(struct msg_ov *o)
{
    free(o->t_min);
    free(o->t_max);
    free(o->buf);
    ov_set_free(&o->kinds);
    ov_set_free(&o->domains);
    ov_set_free(&o->senders);
}

/* Store o's counts: r_msg_ov (one row, none when o->bad) and r_msg_ovfb. */
static int msg_ov_store(struct rctx *c, const struct msg_ov *o)
{
    if (exec(c, "CREATE TEMP TABLE r_msg_ov(n_all, n_sent, n_fb, t_min, t_max, n_domains,"
                " n_senders, n_copies); CREATE TEMP TABLE r_msg_ovfb(kind, n)") != 0)
        return -1;
    if (o->bad) return 0;
    sqlite3_stmt *s = NULL;
    int rc = 0;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_msg_ovfb VALUES(?1, ?2)", -1, &s, NULL) !=
        SQLITE_OK)
        return fail(c, "report scope");
    for (size_t i = 0; i < o->kinds.n_slots && rc == 0; i++) {
        const struct ov_key *k = &o->kinds.slot[i];
        if (!k->s) continue;
        sqlite3_bind_text(s, 1, k->s, (int)k->len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, k->n);
        if (sqlite3_step(s) != SQLITE_DONE) rc = fail(c, "report scope");
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    if (rc != 0) return rc;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_msg_ov VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL)",
                           -1, &s, NULL) != SQLITE_OK)
        return fail(c, "report scope");
    sqlite3_bind_int64(s, 1, o->n_all);
    sqlite3_bind_int64(s, 2, o->n_sent);
    sqlite3_bind_int64(s, 3, o->n_all - o->n_sent);
    if (o->t_min) sqlite3_bind_text(s, 4, o->t_min, (int)o->t_min_len, SQLITE_STATIC);
    if (o->t_max) sqlite3_bind_text(s, 5, o->t_max, (int)o->t_max_len, SQLITE_STATIC);
    if (!o->domains.full) sqlite3_bind_int64(s, 6, (sqlite3_int64)o->domains.n);
    if (!o->senders.full && !o->sql_lower) sqlite3_bind_int64(s, 7, (sqlite3_int64)o->senders.n);
    if (sqlite3_step(s) != SQLITE_DONE) rc = fail(c, "report scope");
    sqlite3_finalize(s);
    return rc;
}

/* Run the statement that writes r_msg with :ov bound to o. */
static int run_noted(struct rctx *c, const char *sql, struct msg_ov *o)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) return fail(c, "report scope");
    sqlite3_bind_pointer(s, sqlite3_bind_parameter_index(s, ":ov"), o, "mailaudit_msg_ov", NULL);
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : fail(c, "report scope");
}

/* ---- the copies and DKIM verdicts per message (r_cp, r_mk) in C ----
 * Over the whole database the SQL GROUP BYs were most of the scope's
 * cost after the deliveries: r_cp read the sightings through their message
 * index (a table lookup per copy) and r_mk ran four aggregate functions per
 * signature. Here a pass reads each table once in its own order and adds up
 * each message's rows in C. Its rows reach the table through a virtual
 * table read by one INSERT ... SELECT ("facts"): a prepared INSERT stepped
 * per row cost three times as much (a fresh cursor and seek, a statement
 * journal per row). On r100k.db (callgrind, the report's scope and
 * overview): 4,526 M -> 4,221 M Ir. The sightings' table order is message
 * order but for the copies of messages found again in a later source: r100k
 * has 25,000 such (the upserts, a tenth of the gain), the bench database
 * one.
 *
 * The rows and values are the GROUP BY's. A value of a type the columns
 * should not hold (a non-integer message id, a placement that is not
 * text, a REAL key_testing, a legacy flag that is not an integer) stops
 * the pass with `fallback` set: the caller empties the table and runs the
 * GROUP BY. */
enum facts_kind { FACTS_CP, FACTS_MK };

/* r_cp rows of copies found out of message order: at most this many are
 * kept for the upserts after the pass (then the GROUP BY) */
#define FACTS_MAX_LATE 262144

/* One message's rows added up. Copies: n, spam and inbox counts, has_v:
 * a copy with a placement (else sum() is NULL). Signatures: n, npass
 * passing, has_v: a non-NULL result, testing the greatest key_testing
 * (has_t: a non-NULL one). */
struct facts_acc {
    int64_t mid, n, a, b, testing;
    bool has_v, has_t;
};

struct facts {
    enum facts_kind kind;
    bool fallback;          /* a value the C pass does not judge */
    int rc;                 /* an SQLite error of the source query */
    struct facts_acc *late; /* copies of already written messages */
    size_t n_late, cap_late;
    int64_t n_rows; /* source rows read (copies: r_msg_ov.n_copies) */
};

struct facts_cur {
    sqlite3_vtab_cursor base;
    struct facts *f;
    sqlite3_stmt *q;
    struct facts_acc row, next; /* the row shown; the source row read ahead */
    bool have_next, src_done, eof;
    int64_t rowid;
};

struct facts_vtab {
    sqlite3_vtab base;
    sqlite3 *db; /* for the source query */
};

/* Columns: the message id, then r_cp's (n_copy, n_spam, n_inbox) or
 * r_mk's (pass, testing, n, npass) as a, b, c, d; f the state. */
static int facts_connect(sqlite3 *db, void *aux, int argc, const char *const *argv,
                         sqlite3_vtab **vt, char **err)
{
    (void)aux, (void)argc, (void)argv, (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(message_id, a, b, c, d, f HIDDEN)");
    if (rc != SQLITE_OK) return rc;
    struct facts_vtab *v = sqlite3_malloc(sizeof *v);
    if (!v) return SQLITE_NOMEM;
    memset(v, 0, sizeof *v);
    v->db = db;
    *vt = &v->base;
    return SQLITE_OK;
}

static int facts_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* The state must be given ("WHERE f = ?" with a bound pointer). */
static int facts_best_index(sqlite3_vtab *vt, sqlite3_index_info *ii)
{
    (void)vt;
    for (int i = 0; i < ii->nConstraint; i++)
        if (ii->aConstraint[i].usable && ii->aConstraint[i].iColumn == 5 &&
            ii->aConstraint[i].op == SQLITE_INDEX_CONSTRAINT_EQ) {
            ii->aConstraintUsage[i].argvIndex = 1;
            ii->aConstraintUsage[i].omit = 1;
            ii->estimatedCost = 1e6;
            return SQLITE_OK;
        }
    return SQLITE_CONSTRAINT;
}

static int facts_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
    (void)vt;
    struct facts_cur *k = sqlite3_malloc(sizeof *k);
    if (!k) return SQLITE_NOMEM;
    memset(k, 0, sizeof *k);
    *cur = &k->base;
    return SQLITE_OK;
}

static int facts_close(sqlite3_vtab_cursor *cur)
{
    struct facts_cur *k = (struct facts_cur *)cur;
    sqlite3_finalize(k->q);
    sqlite3_free(k);
    return SQLITE_OK;
}

/* The next source row into k->next: 1, 0 at the end or when the pass
 * stops (fallback or error). Legacy signatures are skipped. */
static int facts_read(struct facts_cur *k)
{
    struct facts *f = k->f;
    for (;;) {
        if (k->src_done) return 0; /* (stepped again, it would start over) */
        int step = sqlite3_step(k->q);
        if (step != SQLITE_ROW) {
            if (step != SQLITE_DONE) f->rc = step;
            k->src_done = true;
            return 0;
        }
        sqlite3_stmt *q = k->q;
        if (sqlite3_column_type(q, 0) != SQLITE_INTEGER) {
            f->fallback = true;
            return 0;
        }
        struct facts_acc *r = &k->next;
        *r = (struct facts_acc){.mid = sqlite3_column_int64(q, 0), .n = 1};
        if (f->kind == FACTS_CP) {
            f->n_rows++;
            int pt = sqlite3_column_type(q, 1);
            if (pt == SQLITE_TEXT) {
                const char *p = (const char *)sqlite3_column_text(q, 1);
                int len = sqlite3_column_bytes(q, 1);
                r->has_v = true;
                r->a = len == 4 && memcmp(p, "spam", 4) == 0;
                r->b = len == 5 && memcmp(p, "inbox", 5) == 0;
            } else if (pt != SQLITE_NULL) {
                f->fallback = true;
                return 0;
            }
            return 1;
        }
        /* "WHERE NOT legacy": an integer 0 passes, NULL does not */
        int lt = sqlite3_column_type(q, 1), rt = sqlite3_column_type(q, 2),
            tt = sqlite3_column_type(q, 3);
        if ((lt != SQLITE_INTEGER && lt != SQLITE_NULL) ||
            (rt != SQLITE_TEXT && rt != SQLITE_NULL) ||
            (tt != SQLITE_INTEGER && tt != SQLITE_NULL)) {
            f->fallback = true;
            return 0;
        }
        if (lt == SQLITE_NULL || sqlite3_column_int64(q, 1) != 0) continue;
        if (rt == SQLITE_TEXT) {
            r->has_v = true;
            r->a = sqlite3_column_bytes(q, 2) == 4 &&
                   memcmp(sqlite3_column_text(q, 2), "pass", 4) == 0;
        }
        if (tt == SQLITE_INTEGER) {
            r->has_t = true;
            r->testing = sqlite3_column_int64(q, 3);
        }
        return 1;
    }
}

/* A copy of a message already passed, for the upserts after the pass. */
static bool facts_keep_late(struct facts *f, const struct facts_acc *r)
{
    if (f->n_late == f->cap_late) {
        if (f->cap_late >= FACTS_MAX_LATE) return false;
        size_t cap = f->cap_late ? 2 * f->cap_late : 1024;
        struct facts_acc *p = realloc(f->late, cap * sizeof *p);
        if (!p) return false;
        f->late = p;
        f->cap_late = cap;
    }
    f->late[f->n_late++] = *r;
    return true;
}

/* The next message's row: its source rows added up. */
static int facts_next(sqlite3_vtab_cursor *cur)
{
    struct facts_cur *k = (struct facts_cur *)cur;
    struct facts *f = k->f;
    if (!k->have_next && !facts_read(k)) {
        k->eof = true;
        return f->rc ? f->rc : SQLITE_OK;
    }
    k->row = k->next;
    k->have_next = false;
    k->rowid++;
    while (facts_read(k)) {
        const struct facts_acc *r = &k->next;
        if (r->mid == k->row.mid) {
            k->row.n++;
            k->row.a += r->a;
            k->row.b += r->b;
            k->row.has_v |= r->has_v;
            if (r->has_t && (!k->row.has_t || r->testing > k->row.testing))
                k->row.testing = r->testing;
            k->row.has_t |= r->has_t;
        } else if (r->mid > k->row.mid) {
            k->have_next = true;
            break;
        } else if (f->kind != FACTS_CP || !facts_keep_late(f, r)) {
            f->fallback = true; /* (signatures come in key order) */
            break;
        }
    }
    if (f->fallback) k->eof = true;
    return f->rc ? f->rc : SQLITE_OK;
}

static int facts_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str, int argc,
                        sqlite3_value **argv)
{
    (void)idx, (void)idx_str;
    struct facts_cur *k = (struct facts_cur *)cur;
    k->f = argc == 1 ? sqlite3_value_pointer(argv[0], "mailaudit_facts") : NULL;
    if (!k->f) return SQLITE_ERROR;
    sqlite3_finalize(k->q);
    k->q = NULL;
    k->have_next = k->src_done = k->eof = false;
    k->rowid = 0;
    const char *sql = k->f->kind == FACTS_CP
                          ? "SELECT message_id, placement FROM sightings NOT INDEXED"
                          : "SELECT message_id, legacy, result, key_testing FROM dkim_signatures"
                            " ORDER BY message_id";
    struct facts_vtab *v = (struct facts_vtab *)cur->pVtab;
    int rc = sqlite3_prepare_v2(v->db, sql, -1, &k->q, NULL);
    if (rc != SQLITE_OK) {
        /* (the message, "no such table" before schema 0003, is the statement's) */
        sqlite3_free(v->base.zErrMsg);
        v->base.zErrMsg = sqlite3_mprintf("%s", sqlite3_errmsg(v->db));
        return rc;
    }
    return facts_next(cur);
}

static int facts_eof(sqlite3_vtab_cursor *cur)
{
    return ((struct facts_cur *)cur)->eof;
}

static int facts_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int i)
{
    const struct facts_cur *k = (const struct facts_cur *)cur;
    const struct facts_acc *r = &k->row;
    bool cp = k->f->kind == FACTS_CP;
    switch (i) {
    case 0:
        sqlite3_result_int64(ctx, r->mid);
        break;
    /* r_cp: n_copy, n_spam, n_inbox; r_mk: pass, testing, n, npass */
    case 1:
        if (cp)
            sqlite3_result_int64(ctx, r->n);
        else if (r->has_v)
            sqlite3_result_int64(ctx, r->a > 0);
        break;
    case 2:
        if (cp ? r->has_v : r->has_t) sqlite3_result_int64(ctx, cp ? r->a : r->testing);
        break;
    case 3:
        if (cp ? r->has_v : true) sqlite3_result_int64(ctx, cp ? r->b : r->n);
        break;
    case 4:
        if (!cp && r->has_v) sqlite3_result_int64(ctx, r->a);
        break;
    default:
        break;
    }
    return SQLITE_OK;
}

static int facts_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = ((const struct facts_cur *)cur)->rowid;
    return SQLITE_OK;
}

static const sqlite3_module facts_module = {
    .xConnect = facts_connect,
    .xBestIndex = facts_best_index,
    .xDisconnect = facts_disconnect,
    .xOpen = facts_open,
    .xClose = facts_close,
    .xFilter = facts_filter,
    .xNext = facts_next,
    .xEof = facts_eof,
    .xColumn = facts_column,
    .xRowid = facts_rowid,
};

/* Fill r_cp or r_mk (created, empty) over the whole database: the C pass,
 * or the GROUP BY `sql` when the pass cannot judge a value. */
static int facts_fill(struct rctx *c, enum facts_kind kind, const char *sql)
{
    struct facts f = {.kind = kind};
    sqlite3_stmt *s = NULL, *up = NULL;
    const char *dest = kind == FACTS_CP ? "r_cp" : "r_mk";
    int rc = rctx_begin(c);
    if (rc != 0) return -1;
    char ins[160];
    snprintf(ins, sizeof ins,
             "INSERT INTO %s SELECT message_id, a, b, c%s FROM ma_facts WHERE f = ?1", dest,
             kind == FACTS_CP ? "" : ", d");
    if (sqlite3_prepare_v2(c->db, ins, -1, &s, NULL) != SQLITE_OK) {
        rc = fail(c, "report scope");
        goto out;
    }
    sqlite3_bind_pointer(s, 1, &f, "mailaudit_facts", NULL);
    int step = sqlite3_step(s);
    if (step != SQLITE_DONE) {
        /* a database without dkim_signatures (before schema 0003): no rows */
        rc = missing_schema(c->db) ? 0 : fail(c, "report scope");
        goto out;
    }
    /* the copies found out of message order, added to their messages' rows */
    if (!f.fallback && f.n_late > 0) {
        if (sqlite3_prepare_v2(c->db,
                               "INSERT INTO r_cp VALUES(?1, 1, ?2, ?3) ON CONFLICT(message_id) DO"
                               " UPDATE SET n_copy = n_copy + 1,"
                               " n_spam = CASE WHEN excluded.n_spam IS NULL THEN n_spam"
                               "  ELSE coalesce(n_spam, 0) + excluded.n_spam END,"
                               " n_inbox = CASE WHEN excluded.n_inbox IS NULL THEN n_inbox"
                               "  ELSE coalesce(n_inbox, 0) + excluded.n_inbox END",
                               -1, &up, NULL) != SQLITE_OK) {
            rc = fail(c, "report scope");
            goto out;
        }
        for (size_t i = 0; i < f.n_late; i++) {
            const struct facts_acc *r = &f.late[i];
            sqlite3_bind_int64(up, 1, r->mid);
            if (r->has_v) {
                sqlite3_bind_int64(up, 2, r->a);
                sqlite3_bind_int64(up, 3, r->b);
            } else {
                sqlite3_bind_null(up, 2);
                sqlite3_bind_null(up, 3);
            }
            if (sqlite3_step(up) != SQLITE_DONE) {
                rc = fail(c, "report scope");
                goto out;
            }
            sqlite3_reset(up);
        }
    }
    /* the copies in all (the overview's count when no message is feedback:
     * then the sum over r_cp, a pass of 0.07 s on the 1M bench database) */
    if (!f.fallback && kind == FACTS_CP) {
        char up_ov[96];
        snprintf(up_ov, sizeof up_ov, "UPDATE r_msg_ov SET n_copies = %lld", (long long)f.n_rows);
        rc = exec(c, up_ov);
        if (rc != 0) goto out;
    }
    if (f.fallback) {
        char del[32];
        snprintf(del, sizeof del, "DELETE FROM %s", dest);
        rc = exec(c, del);
        if (rc == 0) rc = exec_tolerant(c, sql);
    }
out:
    sqlite3_finalize(s);
    sqlite3_finalize(up);
    free(f.late);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return -1;
}

int rctx_open(struct rctx *c, struct report *r, struct sqlite3 *db, const struct rscope *scope)
{
    c->r = r;
    c->db = db;
    c->scope = *scope;
    c->err[0] = '\0';
    c->whole = false;
    c->msg_hdr = false;
    c->pm_key = NULL;
    c->n_sent = -1;
    c->n_feedback = -1;
    c->camp = NULL;
    if (sqlite3_create_function_v2(db, "ma_list", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_list, NULL, NULL, NULL) != SQLITE_OK)
        return fail(c, "report functions");
    /* (registered again on the same connection, it replaces the earlier one) */
    if (sqlite3_create_module_v2(db, "ma_facts", &facts_module, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "ma_msg_note", 5, SQLITE_UTF8 | SQLITE_DIRECTONLY, NULL,
                                   msg_note, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(db, "ma_campaign", 7, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_campaign, NULL, NULL, NULL) != SQLITE_OK)
        return fail(c, "report functions");
    /* TEMP tables on disk with a bounded cache: memory stays flat whatever
     * the database's size */
    if (exec(c, "PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -65536;") != 0 ||
        drop_temp(c, "r_msg") != 0 || drop_temp(c, "r_copy") != 0 || drop_temp(c, "r_cp") != 0 ||
        drop_temp(c, "r_mk") != 0 || drop_temp(c, "r_out") != 0 || drop_temp(c, "r_dlv") != 0 ||
        drop_temp(c, "r_sup") != 0 || drop_temp(c, "r_sup_cand") != 0 ||
        drop_temp(c, "r_dcube") != 0 || drop_temp(c, "r_pm") != 0 ||
        drop_temp(c, "r_msg_ov") != 0 || drop_temp(c, "r_msg_ovfb") != 0)
        return -1;
    /* no period, domain or campaign: the whole database is in scope, and
     * the copies and deliveries are views over their tables rather than
     * copies of them */
    bool whole = !c->scope.since && !c->scope.until && !c->scope.domain && !c->scope.campaign &&
                 !c->scope.campaign_header;
    c->whole = whole;
    /* messages: the period on arrival (else Date); a message without either
     * is in scope only when the period is open. A database older than
     * schema 7 has no campaign or feedback columns: NULLs stand in. */
    bool v7 = has_column(c, "messages", "feedback_kind");
    /* The period's ids come from the index messages_time (schema 0008) and
     * are read back in id order: rows fetched in time order landed all
     * over the messages table and the r_msg B-tree (twice the time). The
     * bounds and the domain are written only when set: "(:x IS NULL OR
     * ...)" kept SQLite off the index, and cost a quarter of the statement
     * even when :x was NULL. */
    char period[256] = "", domain[512] = "";
    if (c->scope.since || c->scope.until)
        snprintf(period, sizeof period, " AND m.id IN (SELECT id FROM messages WHERE 1%s%s)",
                 c->scope.since ? " AND coalesce(arrival, date) >= :since" : "",
                 c->scope.until ? " AND coalesce(arrival, date) < :until" : "");
    if (c->scope.domain)
        snprintf(domain, sizeof domain, "%s",
                 " AND (m.from_domain = :domain OR m.from_domain LIKE '%.' || :domain"
                 "  OR EXISTS (SELECT 1 FROM dkim_signatures k WHERE k.message_id = m.id"
                 "   AND (k.domain = :domain OR k.domain LIKE '%.' || :domain)))");
    char msql[2048];
    snprintf(msql, sizeof msql,
             "INSERT INTO r_msg"
             " SELECT m.id AS id, coalesce(m.arrival, m.date) AS t, m.from_domain AS from_domain,"
             " ma_campaign(%s, m.from_address, m.subject, m.arrival, m.date) AS campaign,"
             " m.placement AS placement, %s AS feedback_kind, %s AS hdr FROM messages m"
             " WHERE 1%s%s%s%s%s",
             v7 ? "m.list_id, m.feedback_id, m.campaign_id" : "NULL, NULL, NULL",
             v7 ? "m.feedback_kind" : "NULL",
             whole && v7 ? "(m.list_id IS NULL) + 2 * (m.feedback_id IS NULL) +"
                           " 4 * (m.message_id IS NULL)"
                         : "NULL",
             period, domain, whole ? " AND ma_msg_note(:ov, coalesce(m.arrival, m.date), " : "",
             whole ? (v7 ? "m.feedback_kind" : "NULL") : "",
             whole ? ", m.from_domain, m.from_address)" : "");
    if (exec(c, "CREATE TEMP TABLE r_msg(id INTEGER PRIMARY KEY, t TEXT, from_domain TEXT,"
                " campaign TEXT, placement TEXT, feedback_kind TEXT, hdr INTEGER)") != 0)
        return -1;
    /* (hdr: read by the post-mortem's merged pass only, which runs over
     * the whole database) */
    c->msg_hdr = whole && v7;
    if (whole) { /* (r_msg_ov: counted as written) */
        struct msg_ov ov = {0};
        int k = run_noted(c, msql, &ov);
        int64_t ascii = 0;
        if (k == 0)
            k = rctx_int(c, "SELECT lower(char(65, 201, 90)) = char(97, 201, 122)", NULL, &ascii);
        ov.sql_lower = ascii != 1;
        if (k == 0) k = msg_ov_store(c, &ov);
        msg_ov_free(&ov);
        if (k != 0) return -1;
    } else if (run_scoped(c, msql) != 0)
        return -1;
    /* (no index on campaign: the one query that picks messages by campaign,
     * the shown campaigns' Message-IDs, reads r_msg once; building the
     * index cost more) */
    if (c->scope.campaign_header && campaign_from_header(c, c->scope.campaign_header) != 0)
        return -1;
    if (c->scope.campaign &&
        run_scoped(c, "DELETE FROM r_msg WHERE campaign IS NOT :campaign") != 0)
        return -1;
    /* r_msg's size known before it is joined: without it SQLite scanned the
     * whole of sightings and dkim_signatures for a week's copies and DKIM
     * verdicts, probing r_msg for each row */
    if (rctx_analyze(c) != 0) return -1;
    static const char copy_cols[] =
        "SELECT s.message_id AS message_id, s.placement AS placement, s.folder AS folder,"
        " s.account AS account, s.domain AS domain, s.source_id AS source_id FROM sightings s";
    char sql[4096];
    if (whole)
        snprintf(sql, sizeof sql, "CREATE TEMP VIEW r_copy AS %s", copy_cols);
    else
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE r_copy AS %s JOIN r_msg r ON r.id = s.message_id;"
                 "CREATE INDEX temp.r_copy_message ON r_copy(message_id)",
                 copy_cols);
    /* the copies counted per message, once, for the sections that need
     * counts rather than the copies themselves */
    static const char cp_sql[] = "INSERT INTO r_cp SELECT message_id, count(*),"
                                 " sum(placement = 'spam'), sum(placement = 'inbox')"
                                 " FROM r_copy GROUP BY message_id";
    /* over the whole database, by the C pass (facts_fill: the same rows); a
     * scope's few copies by the GROUP BY over r_copy */
    if (exec(c, sql) != 0 ||
        exec(c, "CREATE TEMP TABLE r_cp(message_id INTEGER PRIMARY KEY, n_copy INTEGER NOT NULL,"
                " n_spam INTEGER, n_inbox INTEGER)") != 0 ||
        (whole ? facts_fill(c, FACTS_CP, cp_sql) : exec(c, cp_sql)) != 0)
        return -1;
    /* the DKIM verdicts per message, once (joined as a subquery, SQLite
     * built an automatic index over it for every query) */
    /* a period's messages drive, in id order (RCTX_MSG_JOIN: grouped by
     * r.id, which is that order, no sort); left to choose, SQLite read every
     * signature of the database to avoid the sort. For the whole database
     * that scan is the cheaper way (half the time). */
    /* For the whole database every signature's message is in r_msg (all of
     * them are, feedback too): the signatures alone, without the join (a
     * million in 0.14 s against 0.39 s). */
    const char *mk_key = RCTX_MSG_ORDER(c, "k.message_id");
    snprintf(sql, sizeof sql,
             "INSERT INTO r_mk SELECT %s, max(k.result = 'pass'), max(k.key_testing), count(*),"
             " sum(k.result = 'pass') FROM %s%sdkim_signatures k%s"
             " WHERE NOT k.legacy GROUP BY %s",
             mk_key, whole ? "" : "r_msg r", whole ? "" : RCTX_MSG_JOIN(c),
             whole ? "" : " ON k.message_id = r.id", mk_key);
    if (exec(c, "CREATE TEMP TABLE r_mk(message_id INTEGER PRIMARY KEY, pass INTEGER,"
                " testing INTEGER, n INTEGER NOT NULL, npass INTEGER)") != 0 ||
        (whole ? facts_fill(c, FACTS_MK, sql) : exec_tolerant(c, sql)) != 0)
        return -1;
    /* deliveries: the period on their time; --domain on the sender's domain;
     * --campaign on the Message-ID of a campaign message. Built from the
     * tables under the `deliveries` view, filtering on the integer time
     * before any conversion, into a table without the ev_ columns (a view
     * when the scope is the whole database); then each recipient's final
     * outcome (delivery_outcomes' rule) from that. A database older than
     * schema 7 has no bounce rows. ts is the time as an integer (Unix
     * seconds) for sections that aggregate by time. */
    char lo[32] = "NULL", hi[32] = "NULL";
    int64_t t;
    if (c->scope.since && time_parse_iso(c->scope.since, &t) == 0)
        snprintf(lo, sizeof lo, "%lld", (long long)t);
    if (c->scope.until && time_parse_iso(c->scope.until, &t) == 0)
        snprintf(hi, sizeof hi, "%lld", (long long)t);
    const char *cols =
        "id, log_event_id, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch') AS time, mta,"
        " host, queue_id, message_id, sender, recipient, recipient_domain, relay_host, relay_ip,"
        " status, dsn, reply_code, reply_text, delay, attempt, local, reason, hard, reason_rule,"
        " provider, blocklist, blocklist_misconfig, client_ip, sasl_user";
    /* (the time compared is the integer column: log_deliveries.time,
     * bounce_recipients.time) */
    char where[1024] = "", bwhere[1024] = "";
    /* a view only when it is a plain one over log_deliveries: SQLite
     * evaluates every column of a UNION ALL view for each row of an
     * aggregate, which costs more than copying them once */
    int64_t n_bounce = 0;
    /* a period alone (no domain or campaign: no bound parameters, which a
     * view cannot hold) can be a view too, read through the time index */
    bool period_only = !c->scope.domain && !c->scope.campaign && !c->scope.campaign_header;
    if (period_only && v7) {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(c->db, "SELECT EXISTS (SELECT 1 FROM bounce_recipients)", -1, &s,
                               NULL) == SQLITE_OK &&
            sqlite3_step(s) == SQLITE_ROW)
            n_bounce = sqlite3_column_int64(s, 0);
        else
            n_bounce = 1; /* (not readable: the general form says why) */
        sqlite3_finalize(s);
    }
    bool dlv_view = period_only && n_bounce == 0;
    if (!dlv_view) {
        scope_where(where, sizeof where, lo, hi, "time", "sender", "message_id");
        scope_where(bwhere, sizeof bwhere, lo, hi, "r.time", "b.orig_from", "b.orig_message_id");
    } else if (!whole)
        time_where(where, sizeof where, lo, hi, "time");
    const char *create = dlv_view ? "CREATE TEMP VIEW r_dlv AS" : "CREATE TEMP TABLE r_dlv AS";
    if (v7 && !dlv_view)
        snprintf(
            sql, sizeof sql,
            "%s SELECT * FROM ("
            "SELECT %s, 'log' AS source, NULL AS bounce_message, time AS ts"
            " FROM log_deliveries%s"
            " UNION ALL SELECT * FROM (SELECT -r.id AS id, NULL AS log_event_id,"
            " strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', r.time, 'unixepoch') AS time, 'bounce' AS mta,"
            " b.reporting_mta AS host, NULL AS queue_id, b.orig_message_id AS message_id,"
            " b.orig_from AS sender, r.recipient, r.recipient_domain, r.remote_mta AS relay_host,"
            " NULL AS relay_ip, r.status, r.dsn, r.reply_code, r.reply_text, NULL AS delay,"
            " NULL AS attempt, 0 AS local, r.reason, r.hard, r.reason_rule, r.provider,"
            " r.blocklist, r.blocklist_misconfig, NULL AS client_ip, NULL AS sasl_user,"
            " 'bounce' AS source, b.message_id AS bounce_message, r.time AS ts"
            " FROM bounce_recipients r"
            " JOIN bounce_messages b ON b.id = r.bounce%s AND b.kind = 'bounce'))",
            create, cols, where, bwhere);
    else
        snprintf(sql, sizeof sql,
                 "%s SELECT %s, 'log' AS source, NULL AS bounce_message, time AS ts"
                 " FROM log_deliveries%s",
                 create, cols, where);
    if ((dlv_view ? exec(c, sql) : run_scoped(c, sql)) != 0) return -1;
    /* each recipient's final outcome: every row but the attempts a later
     * attempt of the same (queue id, host, recipient) superseded (few: the
     * deferrals that were retried); a refusal without a queue id stands alone */
    if (build_sup(c, whole, dlv_view) != 0 || (c->scope.campaigns && rctx_campaigns_choose(c) != 0))
        return -1;
    /* (from here an error frees the campaigns chosen: no section takes them) */
    if (rctx_dcube(c) != 0 ||
        exec(c, "CREATE TEMP VIEW r_out AS SELECT * FROM r_dlv WHERE id NOT IN"
                " (SELECT id FROM r_sup)") != 0 ||
        rctx_analyze(c) != 0) {
        rctx_campaigns_drop(c);
        return -1;
    }
    return 0;
}

int rctx_exec_sql(struct rctx *c, const char *sql)
{
    return exec(c, sql);
}

int rctx_begin(struct rctx *c)
{
    return exec(c, "BEGIN");
}

int rctx_commit(struct rctx *c)
{
    return exec(c, "COMMIT");
}

void rctx_rollback(struct rctx *c)
{
    sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

int rctx_analyze(struct rctx *c)
{
    /* Without statistics SQLite takes every table for a million rows, and
     * for a join of a small scope table with a big one ("FROM r_msg r JOIN
     * iprev_results i ...") it may scan the big one: a day's report then
     * reads the whole database. A sampled ANALYZE of the TEMP tables (a few
     * hundred rows of each index: milliseconds) gives their sizes. */
    return exec(c, "PRAGMA analysis_limit = 400; ANALYZE temp");
}

static struct rval column_value(struct rctx *c, sqlite3_stmt *s, int k, enum rk kind)
{
    int t = sqlite3_column_type(s, k);
    if (t == SQLITE_NULL) return rv_null();
    switch (kind) {
    case RK_INT:
        return rv_int(sqlite3_column_int64(s, k));
    case RK_REAL:
        return rv_real(sqlite3_column_double(s, k));
    case RK_PCT:
        return rv_pct(sqlite3_column_double(s, k));
    case RK_TIME:
        return rv_time(rctx_col_text(c, s, k));
    default:
        return rv_text(rctx_col_text(c, s, k));
    }
}

const char *rctx_col_text(struct rctx *c, struct sqlite3_stmt *s, int k)
{
    const unsigned char *t = sqlite3_column_text(s, k);
    if (!t) return NULL;
    return arena_strndup(c->r->a, (const char *)t, (size_t)sqlite3_column_bytes(s, k));
}

long rctx_fill(struct rctx *c, struct rtable *t, size_t limit, const char *sql, const char *text1)
{
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    struct rval vals[32];
    size_t nc = t->n_cols < 32 ? t->n_cols : 32;
    long added = 0;
    int rc;
    t->limit = limit;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (limit && (size_t)added >= limit) {
            t->truncated = true;
            continue;
        }
        int have = sqlite3_column_count(s);
        for (size_t k = 0; k < nc; k++)
            vals[k] = (int)k < have ? column_value(c, s, (int)k, t->cols[k].kind) : rv_null();
        rtable_row(t, c->r, vals);
        added++;
    }
    if (rc != SQLITE_DONE) {
        fail(c, t->title ? t->title : "report query");
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    return added;
}

int rctx_value(struct rctx *c, const char *sql, const char *text1, struct rval *out)
{
    *out = rv_null();
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        switch (sqlite3_column_type(s, 0)) {
        case SQLITE_INTEGER:
            *out = rv_int(sqlite3_column_int64(s, 0));
            break;
        case SQLITE_FLOAT:
            *out = rv_real(sqlite3_column_double(s, 0));
            break;
        case SQLITE_NULL:
            break;
        default:
            *out = rv_text(rctx_col_text(c, s, 0));
            break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, "report query");
    return 0;
}

int rctx_int(struct rctx *c, const char *sql, const char *text1, int64_t *out)
{
    struct rval v;
    if (rctx_value(c, sql, text1, &v) != 0) return -1;
    *out = v.k == RK_INT ? v.i : v.k == RK_REAL ? (int64_t)v.d : 0;
    return 0;
}

int rctx_real(struct rctx *c, const char *sql, const char *text1, double *out, bool *has)
{
    struct rval v;
    if (rctx_value(c, sql, text1, &v) != 0) return -1;
    *has = v.k == RK_INT || v.k == RK_REAL;
    *out = v.k == RK_INT ? (double)v.i : v.k == RK_REAL ? v.d : 0;
    return 0;
}

int rctx_each(struct rctx *c, const char *sql, const char *text1,
              int (*fn)(void *ctx, struct sqlite3_stmt *s), void *ctx)
{
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(ctx, s)) {
            rc = SQLITE_DONE;
            break;
        }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return fail(c, "report query");
    return 0;
}

int rctx_table(struct rctx *c, struct rsection *s, const char *id, const char *title,
               const char *note, const char *cols, size_t limit, const char *sql)
{
    struct rtable *t = rsec_table(s, c->r, id, title, cols);
    t->note = note;
    return rctx_fill(c, t, limit, sql, NULL) < 0 ? -1 : 0;
}

int rctx_fact_int(struct rctx *c, struct rsection *s, const char *key, const char *label,
                  const char *sql, int better, int64_t *out)
{
    int64_t v = 0;
    if (rctx_int(c, sql, NULL, &v) != 0) return -1;
    rsec_fact(s, c->r, key, label, rv_int(v), better);
    if (out) *out = v;
    return 0;
}

int rctx_fact_pct(struct rctx *c, struct rsection *s, const char *key, const char *label,
                  const char *sql, int better)
{
    double v;
    bool has;
    if (rctx_real(c, sql, NULL, &v, &has) != 0) return -1;
    rsec_fact(s, c->r, key, label, has ? rv_pct(v) : rv_null(), better);
    return 0;
}

bool rctx_all_sent(struct rctx *c)
{
    if (!c->whole) return false;
    if (c->n_feedback < 0) {
        int64_t k = 0;
        if (rctx_int(c, "SELECT count(*) FROM r_msg WHERE feedback_kind IS NOT NULL", NULL, &k) !=
            0)
            return false; /* (the join then says what is wrong) */
        c->n_feedback = k;
    }
    return c->n_feedback == 0;
}

int rctx_sent_messages(struct rctx *c, int64_t *n)
{
    if (c->n_sent < 0) {
        int64_t k = 0;
        if (rctx_int(c, "SELECT count(*) FROM r_msg WHERE feedback_kind IS NULL", NULL, &k) != 0)
            return -1;
        c->n_sent = k;
    }
    *n = c->n_sent;
    return 0;
}
