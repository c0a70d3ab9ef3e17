/* Unit tests for the Delivery section's reasons and delays counted by the
 * delivery cube's scan (report/dcube.c: r_dreason, r_dprov, r_ddelay) and
 * read by report/sec_delivery.c. Both files are compiled here with small
 * bounds (4 delays kept before sampling starts, 8 reason groups, 64
 * distinct recipients and domains), so that the sampling and every
 * fallback are reached with a few rows. Two oracles: values worked out by
 * hand (in the comments), and the former SQL queries (the SQL paths,
 * add_reasons(..., false) and add_delays(..., false)), whose tables must
 * come out the same cell for cell. */
#define DELAY_MAX_VALUES 4u
#define DLV_MAX_GROUPS 8
#define SET_MAX_ENTRIES ((size_t)64)
#include "../../analyzer/report/dcube.c"
#include "../../analyzer/report/sec_delivery.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "store/db.h"

static char path[128];

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mailaudit-dscan-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    return 0;
}

static void exec(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "SQL error: %s\n%s\n", msg ? msg : "?", sql);
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static struct db *new_db(void)
{
    unlink(path);
    struct db *db;
    char err[600];
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    return db;
}

/* A logged delivery (text arguments bound: NULL stays NULL). */
static void dlv(sqlite3 *h, int id, const char *status, const char *reason, int hard,
                const char *rcpt, const char *domain, const char *provider, double delay)
{
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "INSERT INTO log_deliveries(id, log_event_id, time, mta, sender,"
                           " recipient, recipient_domain, status, delay, local, reason, hard,"
                           " provider, blocklist_misconfig) VALUES (?1, ?1, 1743501600 + ?1,"
                           " 'postfix', 's@d.test', ?2, ?3, ?4, ?5, 0, ?6, ?7, ?8, 0)",
                           -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int(s, 1, id);
    sqlite3_bind_text(s, 2, rcpt, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
    if (delay >= 0)
        sqlite3_bind_double(s, 5, delay);
    else
        sqlite3_bind_null(s, 5);
    sqlite3_bind_text(s, 6, reason, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 7, hard);
    sqlite3_bind_text(s, 8, provider, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

struct run {
    struct report r;
    struct rctx c;
    struct rsection *scan, *sql; /* the section by the scan, the tables by SQL */
};

/* sec_delivery (the scan), then the same tables by the former queries,
 * in the scope sc. */
static void run_in(struct run *x, struct db *db, struct rscope sc)
{
    memset(x, 0, sizeof *x);
    x->r.a = arena_new();
    assert_int_equal(rctx_open(&x->c, &x->r, (sqlite3 *)db_handle(db), &sc), 0);
    int rc = sec_delivery(&x->c);
    if (rc != 0) fprintf(stderr, "section error: %s\n", x->c.err);
    assert_int_equal(rc, 0);
    x->scan = rsec_find(&x->r, "delivery");
    assert_non_null(x->scan);
    x->sql = rsec_add(&x->r, "oracle", "Oracle");
    assert_int_equal(add_reasons(&x->c, x->sql, false), 0);
    assert_int_equal(add_delays(&x->c, x->sql, false), 0);
}

static void run(struct run *x, struct db *db)
{
    run_in(x, db, (struct rscope){0});
}

static const struct rtable *table(const struct rsection *s, const char *id)
{
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i]->id, id) == 0) return s->tables[i];
    fail_msg("no table %s", id);
    return NULL;
}

static const struct rval *cell(const struct rtable *t, size_t row, const char *col)
{
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k].key, col) == 0) return &t->cells[row * t->n_cols + k];
    fail_msg("no column %s", col);
    return NULL;
}

static void assert_text(const struct rtable *t, size_t row, const char *col, const char *want)
{
    const struct rval *v = cell(t, row, col);
    if (!want) {
        assert_int_equal(v->k, RK_NULL);
        return;
    }
    assert_int_equal(v->k, RK_TEXT);
    assert_string_equal(v->s, want);
}

static void assert_int(const struct rtable *t, size_t row, const char *col, int64_t want)
{
    const struct rval *v = cell(t, row, col);
    assert_int_equal(v->k, RK_INT);
    assert_int_equal(v->i, want);
}

static void assert_real(const struct rtable *t, size_t row, const char *col, double want)
{
    const struct rval *v = cell(t, row, col);
    assert_int_equal(v->k, RK_REAL);
    assert_true(v->d == want);
}

/* The table id of the scan's section equals the SQL path's, cell for cell. */
static void same_table(const struct run *x, const char *id)
{
    const struct rtable *a = table(x->scan, id), *b = table(x->sql, id);
    assert_int_equal(a->n_cols, b->n_cols);
    assert_int_equal(a->n_rows, b->n_rows);
    assert_int_equal(a->limit, b->limit);
    assert_int_equal(a->truncated, b->truncated);
    assert_true((a->note == NULL) == (b->note == NULL));
    if (a->note) assert_string_equal(a->note, b->note);
    for (size_t i = 0; i < a->n_rows * a->n_cols; i++) {
        const struct rval *u = &a->cells[i], *v = &b->cells[i];
        assert_int_equal(u->k, v->k);
        if (u->k == RK_INT) assert_int_equal(u->i, v->i);
        if (u->k == RK_REAL || u->k == RK_PCT) assert_true(u->d == v->d);
        if (u->k == RK_TEXT || u->k == RK_TIME) assert_string_equal(u->s, v->s);
    }
}

static void same_tables(const struct run *x)
{
    same_table(x, "bounce_reasons");
    same_table(x, "deferral_reasons");
    same_table(x, "delays");
}

/* What the scan took on itself (false: it left the part to SQL). */
static void scanned(struct run *x, bool reasons, bool delays)
{
    bool yes;
    assert_int_equal(temp_exists(&x->c, "r_dreason", &yes), 0);
    assert_int_equal(yes, reasons);
    assert_int_equal(temp_exists(&x->c, "r_ddelay", &yes), 0);
    assert_int_equal(yes, delays);
}

/* Ten sent deliveries, delays 1..10 in row order, provider p but the 2nd
 * (q). With 4 values kept at most: ranks 0-3 kept; rank 4 halves (0, 2),
 * stride 2, then 4, 6 kept; rank 8 halves again (0, 4), stride 4, then 8:
 * ranks 0, 4, 8 = delays 1, 5, 9. Median rank ceil(1.5) = 2: 5; p90 rank
 * ceil(2.7) = 3: 9. q was kept at rank 1, then dropped: a row of 0s. */
static void delays_sampled(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    for (int i = 1; i <= 10; i++)
        dlv(h, i, "sent", NULL, 0, "a@x.test", "x.test", i == 2 ? "q" : "p", (double)i);
    dlv(h, 11, "sent", NULL, 0, "a@x.test", "x.test", "r", -1); /* no delay: not counted */
    struct run x;
    run(&x, db);
    scanned(&x, true, true);
    const struct rtable *t = table(x.scan, "delays");
    assert_int_equal(t->n_rows, 3);
    assert_text(t, 0, "provider", "all providers");
    assert_int(t, 0, "deliveries", 3);
    assert_real(t, 0, "median", 5);
    assert_real(t, 0, "p90", 9);
    assert_real(t, 0, "max", 9);
    assert_text(t, 1, "provider", "p");
    assert_int(t, 1, "deliveries", 3);
    assert_text(t, 2, "provider", "q");
    assert_int(t, 2, "deliveries", 0);
    assert_real(t, 2, "max", 0);
    assert_non_null(strstr(t->note, "a systematic sample of 1 in 4 sent"));
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

/* The same rows in a period (r_dlv a view over log_deliveries, which
 * another query might read in the time index's order): a sample is left
 * to the delays' query. With --domain (r_dlv a table, read in rowid order)
 * the scan's counts stand. Same values as above either way. */
static void delays_sampled_scopes(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    for (int i = 1; i <= 10; i++)
        dlv(h, i, "sent", NULL, 0, "a@x.test", "x.test", i == 2 ? "q" : "p", (double)i);
    struct rscope period = {.since = "2025-04-01T00:00:00Z", .until = "2025-04-02T00:00:00Z"};
    struct rscope domain = {.domain = "d.test"};
    for (int k = 0; k < 2; k++) {
        struct run x;
        run_in(&x, db, k == 0 ? period : domain);
        scanned(&x, true, k == 1);
        const struct rtable *t = table(x.scan, "delays");
        assert_int_equal(t->n_rows, 3);
        assert_int(t, 0, "deliveries", 3);
        assert_real(t, 0, "median", 5);
        assert_real(t, 0, "p90", 9);
        assert_int(t, 2, "deliveries", 0);
        same_tables(&x);
        arena_free(x.r.a);
    }
    db_close(db);
}

/* 600 delays (1..600): the stride would pass 128 (4 values x 128 = 512 <
 * 600), beyond the counts kept: the delays go by their query. Stride 256:
 * ranks 0, 256, 512 = delays 1, 257, 513; median rank 2, p90 rank 3. */
static void delays_too_many_strides(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    exec(h, "BEGIN");
    for (int i = 1; i <= 600; i++)
        dlv(h, i, "sent", NULL, 0, "a@x.test", "x.test", "p", (double)i);
    exec(h, "COMMIT");
    struct run x;
    run(&x, db);
    scanned(&x, true, false);
    const struct rtable *t = table(x.scan, "delays");
    assert_int(t, 0, "deliveries", 3);
    assert_real(t, 0, "median", 257);
    assert_real(t, 0, "p90", 513);
    assert_real(t, 0, "max", 513);
    assert_non_null(strstr(t->note, "1 in 256 sent"));
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

/* The reasons' corners, by hand:
 *   bounce reasons (log rows, no bounce messages):
 *     r1/soft: rows 3 (b@y, domain "y,z") and 5 (no recipient, domain ""):
 *       2 attempts, 1 recipient, 2 domains, list ",y,z" (ma_list: items
 *       "", "y", "z" sorted)
 *     undefined/hard: rows 1 (reason NULL) and 2 (reason 'undefined'), both
 *       a@x: 2 attempts, 1 recipient, 1 domain, list "x"
 *     r1/hard: row 4, no domain: 1, 1, 0, list NULL
 *     r2/hard and r2/soft: rows 6, 7: 1 attempt each (a tie on every sort
 *       key: the GROUP BY's order, hard first)
 *   order: attempts desc, then reason: r1/soft, undefined/hard, then the
 *   1-attempt groups by reason: r1/hard, r2/hard, r2/soft.
 *   deferral reasons: d1 rows 8, 9, 10 (a@x twice, b@y): 3 attempts, 2
 *     recipients, 2 domains, "x,y"; undefined row 11: 1, 1, 1, "x". */
static void reasons(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    dlv(h, 1, "bounced", NULL, 1, "a@x", "x", "p", -1);
    dlv(h, 2, "bounced", "undefined", 1, "a@x", "x", "p", -1);
    dlv(h, 3, "rejected", "r1", 0, "b@y", "y,z", "p", -1);
    dlv(h, 4, "expired", "r1", 1, "c@w", NULL, "p", -1);
    dlv(h, 5, "bounced", "r1", 0, NULL, "", "p", -1);
    dlv(h, 6, "bounced", "r2", 1, "e@v", "v", "p", -1);
    dlv(h, 7, "bounced", "r2", 0, "f@v", "v", "p", -1);
    dlv(h, 8, "deferred", "d1", 0, "a@x", "x", "p", -1);
    dlv(h, 9, "deferred", "d1", 0, "a@x", "x", "p", -1);
    dlv(h, 10, "deferred", "d1", 0, "b@y", "y", "p", -1);
    dlv(h, 11, "deferred", NULL, 0, "a@x", "x", "p", -1);
    dlv(h, 12, "sent", NULL, 0, "a@x", "x", "p", 2.5);
    struct run x;
    run(&x, db);
    scanned(&x, true, true);
    const struct rtable *t = table(x.scan, "bounce_reasons");
    assert_int_equal(t->n_rows, 5);
    assert_text(t, 0, "reason", "r1");
    assert_text(t, 0, "kind", "soft");
    assert_int(t, 0, "attempts", 2);
    assert_int(t, 0, "recipients", 1);
    assert_int(t, 0, "domains", 2);
    assert_text(t, 0, "domain_list", ",y,z");
    assert_int(t, 0, "bounce_messages", 0);
    assert_text(t, 1, "reason", "undefined");
    assert_text(t, 1, "kind", "hard");
    assert_int(t, 1, "attempts", 2);
    assert_int(t, 1, "recipients", 1);
    assert_int(t, 1, "domains", 1);
    assert_text(t, 1, "domain_list", "x");
    assert_text(t, 2, "reason", "r1");
    assert_text(t, 2, "kind", "hard");
    assert_int(t, 2, "domains", 0);
    assert_text(t, 2, "domain_list", NULL);
    assert_text(t, 3, "reason", "r2");
    assert_text(t, 3, "kind", "hard");
    assert_text(t, 4, "kind", "soft");
    t = table(x.scan, "deferral_reasons");
    assert_int_equal(t->n_rows, 2);
    assert_text(t, 0, "reason", "d1");
    assert_int(t, 0, "attempts", 3);
    assert_int(t, 0, "recipients", 2);
    assert_int(t, 0, "domains", 2);
    assert_text(t, 0, "domain_list", "x,y");
    assert_text(t, 1, "reason", "undefined");
    assert_int(t, 1, "recipients", 1);
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

/* Bounce-message rows (r_dlv a table of both sources): the attempts count
 * the log rows, the bounce column the others; recipients and domains only
 * the log's, the list both. Log: bounced r/hard a@x; bounce message:
 * bounced r/hard b@y. -> 1 attempt, 1 recipient, 1 domain, "x,y", 1. */
static void reasons_bounce_messages(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    dlv(h, 1, "bounced", "r", 1, "a@x", "x", "p", -1);
    exec(h, "INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
            " first_read, last_read) VALUES (1, '/x', 'message', 'file', 0, 1, 1, 'done',"
            " '2025-04-01T00:00:00Z', '2025-04-01T00:00:00Z');"
            "INSERT INTO messages(id, sha256, size, message_id, subject, from_address,"
            " from_domain, arrival, placement, n_parts, n_attachments, n_received, n_anomalies,"
            " header_block, first_source_id, first_offset, feedback_kind) VALUES (1, 'sha1',"
            " 100, 'b1@x', 'Undelivered', 'mailer-daemon@x', 'x', '2025-04-01T10:07:00Z',"
            " 'unknown', 1, 0, 0, 0, x'', 1, 0, 'bounce');"
            "INSERT INTO bounce_messages(id, message_id, kind, format, evidence, orig_message_id,"
            " orig_from, n_recipients, dropped_recipients) VALUES"
            " (1, 1, 'bounce', 'rfc3464', 'delivery-status part', 'm1@x', 'a@ex.com', 1, 0);"
            "INSERT INTO bounce_recipients(id, bounce, time, recipient, recipient_domain, action,"
            " status, dsn, reply_text, reason, hard, provider, blocklist, blocklist_misconfig)"
            " VALUES (1, 1, 1743501700, 'b@y', 'y', 'failed', 'bounced', '5.1.1', '550 no',"
            " 'r', 1, 'p', NULL, 0)");
    struct run x;
    run(&x, db);
    scanned(&x, true, true);
    const struct rtable *t = table(x.scan, "bounce_reasons");
    assert_int_equal(t->n_rows, 1);
    assert_int(t, 0, "attempts", 1);
    assert_int(t, 0, "recipients", 1);
    assert_int(t, 0, "domains", 1);
    assert_text(t, 0, "domain_list", "x,y");
    assert_int(t, 0, "bounce_messages", 1);
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

/* A recipient stored as a blob: the reasons by SQL (DISTINCT of a blob and
 * the text of the same bytes is SQL's to decide), the same tables. */
static void reasons_blob_recipient(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    dlv(h, 1, "bounced", "r", 1, "a@x", "x", "p", -1);
    dlv(h, 2, "bounced", "r", 1, "a@x", "x", "p", -1);
    exec(h, "UPDATE log_deliveries SET recipient = CAST(recipient AS BLOB) WHERE id = 2");
    struct run x;
    run(&x, db);
    scanned(&x, false, true);
    const struct rtable *t = table(x.scan, "bounce_reasons");
    assert_int(t, 0, "attempts", 2);
    assert_int(t, 0, "recipients", 2); /* 'a@x' and x'614078' are distinct */
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

/* More groups than DLV_MAX_GROUPS (8): 10 reasons, by SQL; and more
 * distinct recipients than SET_MAX_ENTRIES (64): 70, by SQL. */
static void reasons_over_bounds(void **state)
{
    (void)state;
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    char reason[16], rcpt[32];
    for (int i = 1; i <= 10; i++) {
        snprintf(reason, sizeof reason, "r%02d", i);
        for (int j = 0; j < i; j++) /* reason ri: i attempts */
            dlv(h, i * 100 + j, "bounced", reason, 0, "a@x", "x", "p", -1);
    }
    struct run x;
    run(&x, db);
    scanned(&x, false, true);
    const struct rtable *t = table(x.scan, "bounce_reasons");
    assert_int_equal(t->n_rows, 10);
    assert_text(t, 0, "reason", "r10");
    assert_int(t, 0, "attempts", 10);
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);

    db = new_db();
    h = (sqlite3 *)db_handle(db);
    exec(h, "BEGIN");
    for (int i = 1; i <= 70; i++) {
        snprintf(rcpt, sizeof rcpt, "u%d@x", i);
        dlv(h, i, "deferred", "d", 0, rcpt, "x", "p", -1);
    }
    exec(h, "COMMIT");
    run(&x, db);
    scanned(&x, false, true);
    t = table(x.scan, "deferral_reasons");
    assert_int_equal(t->n_rows, 1);
    assert_int(t, 0, "recipients", 70);
    same_tables(&x);
    arena_free(x.r.a);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(delays_sampled),          cmocka_unit_test(delays_sampled_scopes),
        cmocka_unit_test(delays_too_many_strides), cmocka_unit_test(reasons),
        cmocka_unit_test(reasons_bounce_messages), cmocka_unit_test(reasons_blob_recipient),
        cmocka_unit_test(reasons_over_bounds),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
