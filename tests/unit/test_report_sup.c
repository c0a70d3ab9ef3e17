/* The superseded attempts of a period (report/rctx.c, build_sup): through
 * the index log_deliveries_sup and a bitmap of the period's delivery ids
 * (build_sup_period), and by the two passes over the period's rows, both
 * against SQLite's window (the definition: every attempt but the last of
 * its (queue id, host, recipient) among the rows in scope), on awkward
 * keys, and against lists worked out by hand.
 *
 * Deliveries (in: 2025-04-01, the period; before, after: out of it;
 * sender x@s.example but 15):
 *    1 in     Q1 mx a@x         5 in     Q1 mx a@x       9 after  Q1 mx a@x
 *    2 in     Q2 NULL b@x       6 in     Q2 NULL b@x     (NULL host equal to NULL)
 *    7 in     X'5132' (the blob "Q2") NULL b@x          (not the text Q2)
 *    3 in     42 (stored '42') mx ''    8 in '42' mx ''  (the same key)
 *    4 in     NULL mx c@x      10 in     NULL mx c@x     (no queue id: never)
 *   11 in     Q1 MX a@x        (host case differs)
 *   12 in     Q3 mx d@x        13 before Q3 mx d@x       (a larger id, earlier)
 *   14 in     Q4 mx e@x        15 in     Q4 mx e@x (sender y@other.example)
 *   16 in     Q5 X'6D78' (the blob "mx") f@x   17 in Q5 mx f@x  (not the same)
 *   18 in     Q6 mx p@x        19 in     Q6 mx q@x       20 in Q6 mx q@x
 *      (the recipient alone differs from the entry before)
 * Superseded: the period 1 2 3 14 19; the whole database 1 2 3 5 12 14 19;
 * the domain s.example (no period) 1 2 3 5 12 19 (15 is not in scope). */
#include "../../analyzer/report/rctx.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "store/db.h"

static char path[160];
static struct db *db;

#include "report_sql.h"

/* The first column of the first row of sql as text ("" for NULL). */
static char *text_of(const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    char *r = strdup(t ? t : "");
    sqlite3_finalize(s);
    return r;
}

static char *sup_ids(void)
{
    return text_of("SELECT group_concat(id, ' ') FROM (SELECT id FROM r_sup ORDER BY id)");
}

static char *window_ids(void)
{
    return text_of("SELECT group_concat(id, ' ') FROM (SELECT id FROM (SELECT id, max(id) OVER"
                   " (PARTITION BY queue_id, host, recipient) AS last FROM r_dlv"
                   " WHERE queue_id IS NOT NULL) WHERE id < last ORDER BY id)");
}

static int setup(void **state)
{
    (void)state;
    if (tmp_db_open("/tmp/mailaudit-sup-XXXXXX") != 0) return -1;
    /* in: 1743501600 (2025-04-01T10:00:00Z); before 1743400000; after 1743600000 */
    run("INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
        " recipient, recipient_domain, status, local, hard, blocklist_misconfig) VALUES"
        " (1, 1, 1743501600, 'postfix', 'mx', 'Q1', 'x@s.example', 'a@x', 'x', 'deferred', 0, 0, "
        "0),"
        " (2, 2, 1743501601, 'postfix', NULL, 'Q2', 'x@s.example', 'b@x', 'x', 'deferred', 0, 0, "
        "0),"
        " (3, 3, 1743501602, 'postfix', 'mx', 42, 'x@s.example', '', 'x', 'deferred', 0, 0, 0),"
        " (4, 4, 1743501603, 'postfix', 'mx', NULL, 'x@s.example', 'c@x', 'x', 'rejected', 0, 0, "
        "0),"
        " (5, 5, 1743501604, 'postfix', 'mx', 'Q1', 'x@s.example', 'a@x', 'x', 'deferred', 0, 0, "
        "0),"
        " (6, 6, 1743501605, 'postfix', NULL, 'Q2', 'x@s.example', 'b@x', 'x', 'sent', 0, 0, 0),"
        " (7, 7, 1743501606, 'postfix', NULL, X'5132', 'x@s.example', 'b@x', 'x', 'sent', 0, 0, 0),"
        " (8, 8, 1743501607, 'postfix', 'mx', '42', 'x@s.example', '', 'x', 'sent', 0, 0, 0),"
        " (9, 9, 1743600000, 'postfix', 'mx', 'Q1', 'x@s.example', 'a@x', 'x', 'sent', 0, 0, 0),"
        " (10, 10, 1743501609, 'postfix', 'mx', NULL, 'x@s.example', 'c@x', 'x', 'rejected', 0, 0,"
        "  0),"
        " (11, 11, 1743501610, 'postfix', 'MX', 'Q1', 'x@s.example', 'a@x', 'x', 'sent', 0, 0, 0),"
        " (12, 12, 1743501611, 'postfix', 'mx', 'Q3', 'x@s.example', 'd@x', 'x', 'deferred', 0, 0,"
        "  0),"
        " (13, 13, 1743400000, 'postfix', 'mx', 'Q3', 'x@s.example', 'd@x', 'x', 'sent', 0, 0, 0),"
        " (14, 14, 1743501613, 'postfix', 'mx', 'Q4', 'x@s.example', 'e@x', 'x', 'deferred', 0, 0,"
        "  0),"
        " (15, 15, 1743501614, 'postfix', 'mx', 'Q4', 'y@other.example', 'e@x', 'x', 'sent', 0, 0,"
        "  0),"
        " (16, 16, 1743501615, 'postfix', X'6D78', 'Q5', 'x@s.example', 'f@x', 'x', 'sent', 0, 0,"
        "  0),"
        " (17, 17, 1743501616, 'postfix', 'mx', 'Q5', 'x@s.example', 'f@x', 'x', 'sent', 0, 0, 0),"
        " (18, 18, 1743501617, 'postfix', 'mx', 'Q6', 'x@s.example', 'p@x', 'x', 'deferred', 0, 0,"
        "  0),"
        " (19, 19, 1743501618, 'postfix', 'mx', 'Q6', 'x@s.example', 'q@x', 'x', 'deferred', 0, 0,"
        "  0),"
        " (20, 20, 1743501619, 'postfix', 'mx', 'Q6', 'x@s.example', 'q@x', 'x', 'sent', 0, 0, 0)");
    return 0;
}

/* Open scope sc; r_sup as the report built it, then by the index alone
 * (index_rc: what build_sup_period returns: 0 taken, 1 not), then by the
 * two passes: each the same as the window and as `want`. */
static void check_scope(const struct rscope *sc, int index_rc, const char *want)
{
    struct report r = {.a = arena_new()};
    struct rctx c;
    int rc = rctx_open(&c, &r, db_handle(db), sc);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    char *w = window_ids(), *got = sup_ids();
    assert_string_equal(w, want);
    assert_string_equal(got, want);
    free(got);
    run("DROP TABLE temp.r_sup");
    assert_int_equal(build_sup_period(&c), index_rc);
    if (index_rc == 0) {
        got = sup_ids();
        assert_string_equal(got, want);
        free(got);
        run("DROP TABLE temp.r_sup");
    }
    sup_period_index = false;
    assert_int_equal(build_sup(&c, false, false), 0);
    sup_period_index = true;
    got = sup_ids();
    assert_string_equal(got, want);
    free(got);
    free(w);
    arena_free(r.a);
}

static void period(void **state)
{
    (void)state;
    struct rscope sc = {.since = "2025-04-01T00:00:00Z", .until = "2025-04-02T00:00:00Z"};
    check_scope(&sc, 0, "1 2 3 14 19");
}

/* r_dlv copied into a table: the report takes the two passes; the index
 * path is checked on it all the same */
static void domain(void **state)
{
    (void)state;
    struct rscope sc = {.domain = "s.example"};
    check_scope(&sc, 0, "1 2 3 5 12 19");
}

/* one delivery of 20: not over 1 in SUP_PERIOD_SHARE, the two passes */
static void small_period(void **state)
{
    (void)state;
    struct rscope sc = {.since = "2025-04-02T00:00:00Z", .until = "2025-04-03T00:00:00Z"};
    check_scope(&sc, 1, "");
}

/* the whole database, through the index (build_sup_index) */
static void whole(void **state)
{
    (void)state;
    struct report r = {.a = arena_new()};
    struct rctx c;
    struct rscope sc = {0};
    assert_int_equal(rctx_open(&c, &r, db_handle(db), &sc), 0);
    char *w = window_ids(), *got = sup_ids();
    assert_string_equal(w, "1 2 3 5 12 14 19");
    assert_string_equal(got, "1 2 3 5 12 14 19");
    free(w);
    free(got);
    arena_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(period), cmocka_unit_test(domain),
                                       cmocka_unit_test(small_period), cmocka_unit_test(whole)};
    return cmocka_run_group_tests(tests, setup, tmp_db_teardown);
}
