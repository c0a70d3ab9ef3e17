/* Unit tests for report/dcube.c: the deliveries in scope counted once into
 * r_dcube. Two oracles: counts worked out by hand from the rows inserted
 * here, and SQLite's own GROUP BY over r_dlv (the same cells must come out,
 * value for value). test_report_dcube_fallback compiles dcube.c with a cap
 * of 3 cells,
 * so that the SQL fallback builds the table, and checks it the same way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/rctx.h"
#include "store/db.h"

#ifdef DCUBE_TEST_CAP
#define DCUBE_MAX_CELLS DCUBE_TEST_CAP
#include "../../analyzer/report/dcube.c"
#endif

static char dir[64];

static void exec_ok(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "SQL error: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t int_of(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static char *text_of(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const unsigned char *t = sqlite3_column_text(s, 0);
    char *r = t ? strdup((const char *)t) : NULL;
    sqlite3_finalize(s);
    return r;
}

/* Deliveries (time 1743501600 = 2025-04-01T10:00:00Z, + seconds):
 *   1  Q1 a@gmail.com   deferred gmail  speeding  +0   "host g[1] said: 421 slow down"
 *   2  Q1 a@gmail.com   sent     gmail            +60  (supersedes 1)
 *   3  Q2 b@gmail.com   sent     gmail            +10
 *   4  Q3 c@yahoo.com   bounced  yahoo  blocked   +20  blocklist spamhaus "553 listed [BL21]"
 *   5  Q4 d@yahoo.com   bounced  yahoo  blocked   +30  blocklist spamhaus "host y[2] said: 553 BL21
 * again" 6  Q5 e@yahoo.com   deferred yahoo  blocked   +40  blocklist spamhaus, misconfig, no reply
 *   7  Q6 f@local.test  sent     (local)          +50  local = 1
 *   8  Q7 a@gmail.com   bounced  gmail  userunknown +70 hard "550 5.1.1 no such user"
 * Cells: 1 (sup) alone; 2 and 3 apart (sent gmail, but 2 has a reply and
 * 3 none: has_reply differs); 4 and 5 together (same keys: bounced yahoo
 * blocked spamhaus, both with a reply, dsn NULL); 6, 7, 8 alone: 7 cells. */
static void fill(sqlite3 *h)
{
    exec_ok(h, "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, recipient,"
               " recipient_domain, status, local, hard, reason, provider, blocklist,"
               " blocklist_misconfig, reply_text) VALUES"
               " (1, 1, 1743501600, 'postfix', 'mx', 'Q1', 'a@gmail.com', 'gmail.com', 'deferred',"
               "  0, 0, 'speeding', 'gmail', NULL, 0, 'host g[1] said: 421 slow down'),"
               " (2, 2, 1743501660, 'postfix', 'mx', 'Q1', 'a@gmail.com', 'gmail.com', 'sent',"
               "  0, 0, NULL, 'gmail', NULL, 0, '250 ok'),"
               " (3, 3, 1743501610, 'postfix', 'mx', 'Q2', 'b@gmail.com', 'gmail.com', 'sent',"
               "  0, 0, NULL, 'gmail', NULL, 0, NULL),"
               " (4, 4, 1743501620, 'postfix', 'mx', 'Q3', 'c@yahoo.com', 'yahoo.com', 'bounced',"
               "  0, 0, 'blocked', 'yahoo', 'spamhaus', 0, '553 listed [BL21]'),"
               " (5, 5, 1743501630, 'postfix', 'mx', 'Q4', 'd@yahoo.com', 'yahoo.com', 'bounced',"
               "  0, 0, 'blocked', 'yahoo', 'spamhaus', 0, 'host y[2] said: 553 BL21 again'),"
               " (6, 6, 1743501640, 'postfix', 'mx', 'Q5', 'e@yahoo.com', 'yahoo.com', 'deferred',"
               "  0, 0, 'blocked', 'yahoo', 'spamhaus', 1, NULL),"
               " (7, 7, 1743501650, 'postfix', 'mx', 'Q6', 'f@local.test', 'local.test', 'sent',"
               "  1, 0, NULL, NULL, NULL, 0, NULL),"
               " (8, 8, 1743501670, 'postfix', 'mx', 'Q7', 'a@gmail.com', 'gmail.com', 'bounced',"
               "  0, 1, 'userunknown', 'gmail', NULL, 0, '550 5.1.1 no such user');");
}

/* r_dcube equals SQLite's GROUP BY of r_dlv, both ways. */
static void same_as_group_by(sqlite3 *h)
{
    static const char oracle[] =
        "SELECT source, local, id IN (SELECT id FROM r_sup), provider, status, reason, hard,"
        " blocklist, blocklist_misconfig, dsn, reply_text IS NOT NULL, count(*), min(ts),"
        " max(ts), max(CASE WHEN status <> 'sent' OR blocklist IS NOT NULL THEN reply_text END),"
        " min(CASE WHEN status <> 'sent' OR blocklist IS NOT NULL THEN"
        "  CASE WHEN instr(reply_text, ' said: ') > 0"
        "  THEN substr(reply_text, instr(reply_text, ' said: ') + 7) ELSE reply_text END END)"
        " FROM r_dlv GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11";
    char sql[2048];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (%s EXCEPT SELECT * FROM r_dcube)", oracle);
    assert_int_equal(int_of(h, sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM (SELECT * FROM r_dcube EXCEPT %s)", oracle);
    assert_int_equal(int_of(h, sql), 0);
}

static void cube(void **state)
{
    (void)state;
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/cube.db", dir);
    unlink(path);
    struct db *db;
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    sqlite3 *h = db_handle(db);
    fill(h);
    struct report r = {0};
    r.a = arena_new();
    struct rctx c;
    struct rscope sc = {0};
    assert_int_equal(rctx_open(&c, &r, h, &sc), 0);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube"), 7);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube"), 8);
    /* r_out: every row but 1 */
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube WHERE sup = 0"), 7);
    assert_int_equal(int_of(h, "SELECT n FROM r_dcube WHERE sup = 1 AND status = 'deferred'"), 1);
    /* rows 2 and 3: a cell each; no reply kept for 'sent' rows */
    assert_int_equal(int_of(h, "SELECT n FROM r_dcube WHERE status = 'sent' AND provider ="
                               " 'gmail' AND has_reply = 1"),
                     1);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube WHERE status = 'sent' AND"
                               " reply_max IS NOT NULL"),
                     0);
    /* rows 4 and 5: n 2, times +20 and +30, the greater reply and the least cut one */
    assert_int_equal(int_of(h, "SELECT n FROM r_dcube WHERE blocklist = 'spamhaus' AND"
                               " NOT blocklist_misconfig"),
                     2);
    assert_int_equal(int_of(h, "SELECT ts_min FROM r_dcube WHERE status = 'bounced' AND"
                               " blocklist IS NOT NULL"),
                     1743501620);
    assert_int_equal(int_of(h, "SELECT ts_max FROM r_dcube WHERE status = 'bounced' AND"
                               " blocklist IS NOT NULL"),
                     1743501630);
    char *t = text_of(h, "SELECT reply_max FROM r_dcube WHERE status = 'bounced' AND"
                         " blocklist IS NOT NULL");
    assert_string_equal(t, "host y[2] said: 553 BL21 again"); /* 'h' > '5' */
    free(t);
    t = text_of(h, "SELECT said_min FROM r_dcube WHERE status = 'bounced' AND"
                   " blocklist IS NOT NULL");
    assert_string_equal(t, "553 BL21 again"); /* < "553 listed [BL21]" */
    free(t);
    /* the superseded deferral keeps its cut reply */
    t = text_of(h, "SELECT said_min FROM r_dcube WHERE sup = 1");
    assert_string_equal(t, "421 slow down");
    free(t);
    same_as_group_by(h);
    /* ma_list (registered by rctx_open): a group_concat list distinct and
     * sorted, cut to N characters (UTF-8 characters, as substr counts) */
    char *l = text_of(h, "SELECT ma_list('b,a,b,c', 0)");
    assert_string_equal(l, "a,b,c");
    free(l);
    l = text_of(h, "SELECT ma_list('bb,a\xc3\xa9,c', 4)");
    assert_string_equal(l, "a\xc3\xa9,b");
    free(l);
    l = text_of(h, "SELECT ma_list(',a', 0)");
    assert_string_equal(l, ",a");
    free(l);
    assert_int_equal(int_of(h, "SELECT ma_list(NULL, 5) IS NULL"), 1);
    /* the hours: every row is a log row of 10:00 (1743501600): sent 2, 3, 7;
     * deferred 1, 6; bounced 4, 5, 8 */
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dhour"), 1);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dhour WHERE h = 1743501600 AND s = 3"
                               " AND d = 2 AND bo = 3 AND r = 0 AND e = 0"),
                     1);
    /* and as SQLite groups them */
    assert_int_equal(int_of(h, "SELECT count(*) FROM (SELECT ts - ((ts % 3600) + 3600) % 3600,"
                               " sum(status = 'sent'), sum(status = 'deferred'),"
                               " sum(status = 'bounced'), sum(status = 'rejected'),"
                               " sum(status = 'expired') FROM r_dlv WHERE source = 'log'"
                               " GROUP BY 1 EXCEPT SELECT * FROM r_dhour)"),
                     0);
    arena_free(r.a);
    db_close(db);
}

/* Keys that differ only in where the bytes split between columns, in type
 * (NULL, empty text, empty blob; text '1' and blob x'31'), as SQLite's
 * GROUP BY tells them apart: rows 1 and 7 share a cell, the others are
 * alone: 7 cells for 8 rows. */
static void cube_key_types(void **state)
{
    (void)state;
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/types.db", dir);
    unlink(path);
    struct db *db;
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    sqlite3 *h = db_handle(db);
    exec_ok(h, "INSERT INTO log_deliveries(id, log_event_id, time, mta, status, local, hard,"
               " provider, reason, blocklist_misconfig) VALUES"
               " (1, 1, 1743501600, 'postfix', 'sent', 0, 0, 'ab', 'c', 0),"
               " (2, 2, 1743501600, 'postfix', 'sent', 0, 0, 'a', 'bc', 0),"
               " (3, 3, 1743501600, 'postfix', 'sent', 0, 0, NULL, NULL, 0),"
               " (4, 4, 1743501600, 'postfix', 'sent', 0, 0, '', NULL, 0),"
               " (5, 5, 1743501600, 'postfix', 'sent', 0, 0, '1', NULL, 0),"
               " (6, 6, 1743501600, 'postfix', 'sent', 0, 0, x'31', NULL, 0),"
               " (7, 7, 1743501600, 'postfix', 'sent', 0, 0, 'ab', 'c', 0),"
               " (8, 8, 1743501600, 'postfix', 'sent', 0, 0, x'', NULL, 0)");
    struct report r = {0};
    r.a = arena_new();
    struct rctx c;
    struct rscope sc = {0};
    assert_int_equal(rctx_open(&c, &r, h, &sc), 0);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube"), 7);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube"), 8);
    assert_int_equal(int_of(h, "SELECT n FROM r_dcube WHERE provider = 'ab'"), 2);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube WHERE typeof(provider) = 'blob'"), 2);
    same_as_group_by(h);
    arena_free(r.a);
    db_close(db);
}

/* Values the scan works out in C rather than reading them as SQL computed
 * them: has_reply from the reply's type (an empty text, a blob, a number
 * stored as text), which rows keep their reply (status <> 'sent' OR
 * blocklist IS NOT NULL: the blob 'sent' and the number 5 are not the text
 * 'sent'), a REAL and a text in an INTEGER column; and the superseded
 * attempts (1 and 300000000) spread too wide for the bitmap, so that sup
 * comes from SQL. Read through the view (the whole database) and through
 * the table r_dlv copied for a domain (source read from the rows). */
static void cube_awkward(void **state)
{
    (void)state;
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/awkward.db", dir);
    unlink(path);
    struct db *db;
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    sqlite3 *h = db_handle(db);
    exec_ok(h, "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
               " recipient, recipient_domain, status, local, hard, provider, blocklist,"
               " blocklist_misconfig, reply_text) VALUES"
               " (1, 1, 1743501600, 'postfix', 'mx', 'Q9', 'x@s.example', 'a@x', 'x', 'deferred',"
               "  0, 0, 'p', NULL, 0, 'host a said: 451 later'),"
               " (2, 2, 1743501601, 'postfix', 'mx', 'Q9', 'x@s.example', 'a@x', 'x', 'sent',"
               "  0, 0, 'p', NULL, 0, ''),"
               " (3, 3, 1743501602, 'postfix', 'mx', 'Q1', 'x@s.example', 'b@x', 'x',"
               "  x'73656e74', 0, 0, 'p', NULL, 0, 'host b said: 250 ok'),"
               " (4, 4, 1743501603, 'postfix', 'mx', 'Q2', 'x@s.example', 'c@x', 'x', 'sent',"
               "  0, 0, 'p', 'bl', 0, 'r1'),"
               " (5, 5, 1743501604, 'postfix', 'mx', 'Q3', 'x@s.example', 'd@x', 'x', 'deferred',"
               "  0, 0, 'p', NULL, 0, NULL),"
               " (6, 6, 1743501605, 'postfix', 'mx', 'Q4', 'x@s.example', 'e@x', 'x', 'sent',"
               "  0, 0, 'p', NULL, 0, x'7a'),"
               " (7, 7, 1743501606, 'postfix', 'mx', 'Q5', 'x@s.example', 'f@x', 'x', 'bounced',"
               "  0, 1, 'p', NULL, 0, 42),"
               " (8, 8, 1743501607, 'postfix', 'mx', 'Q6', 'x@s.example', 'g@x', 'x', 5,"
               "  1.5, 0, 'p', NULL, 0, 'said: x said: y'),"
               " (9, 9, 1743501608, 'postfix', 'mx', 'Q7', 'x@s.example', 'h@x', 'x', 'sent',"
               "  'abc', 0, 'p', NULL, 0, 'r2'),"
               " (10, 10, 1743501609, 'postfix', 'mx', 'Q7', 'y@other.example', 'i@x', 'x', 'sent',"
               "  0, 0, 'p', NULL, 0, 'r3'),"
               " (300000000, 11, 1743501610, 'postfix', 'mx', 'Q8', 'x@s.example', 'j@x', 'x',"
               "  'deferred', 0, 0, 'q', NULL, 0, 'host c said: 421 busy'),"
               " (300000001, 12, 1743501611, 'postfix', 'mx', 'Q8', 'x@s.example', 'j@x', 'x',"
               "  'sent', 0, 0, 'q', NULL, 0, NULL)");
    struct report r = {0};
    r.a = arena_new();
    struct rctx c;
    struct rscope whole = {0}, dom = {.domain = "s.example"};
    assert_int_equal(rctx_open(&c, &r, h, &whole), 0);
    assert_int_equal(int_of(h, "SELECT type = 'view' FROM sqlite_temp_master WHERE name ="
                               " 'r_dlv'"),
                     1);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_sup"), 2);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube"), 12);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube WHERE sup = 1"), 2);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube WHERE has_reply = 0"), 2);
    /* the blob status keeps its reply, cut; the empty reply of row 2 is not kept */
    char *t = text_of(h, "SELECT said_min FROM r_dcube WHERE typeof(status) = 'blob'");
    assert_string_equal(t, "250 ok");
    free(t);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube WHERE status = 'sent' AND"
                               " blocklist IS NULL AND reply_max IS NOT NULL"),
                     0);
    same_as_group_by(h);
    assert_int_equal(rctx_open(&c, &r, h, &dom), 0);
    assert_int_equal(int_of(h, "SELECT type = 'table' FROM sqlite_temp_master WHERE name ="
                               " 'r_dlv'"),
                     1);
    assert_int_equal(int_of(h, "SELECT sum(n) FROM r_dcube"), 11);
    assert_int_equal(int_of(h, "SELECT count(*) FROM r_dcube WHERE source IS NOT 'log'"), 0);
    same_as_group_by(h);
    arena_free(r.a);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailaudit-dcube-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cube),
        cmocka_unit_test(cube_key_types),
        cmocka_unit_test(cube_awkward),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
