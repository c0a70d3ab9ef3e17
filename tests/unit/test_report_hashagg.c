/* Unit tests for report/hashagg.c (rctx_hashagg): GROUP BY without the sort.
 * The oracle is SQLite's own GROUP BY over the same rows (EXCEPT both ways),
 * plus groups counted by hand. Rows mix integers, text, blobs, NULLs and a
 * REAL in max() (SQLite's order of values: numbers, then text, then blobs);
 * a REAL summed, a REAL key, too many groups (test_report_hashagg_fallback
 * compiles hashagg.c with a cap of 2 groups) take the SQL path; a missing
 * table leaves the result empty. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "report/rctx.h"

#ifdef HASHAGG_TEST_CAP
#define HASHAGG_MAX_GROUPS HASHAGG_TEST_CAP
#include "../../analyzer/report/hashagg.c"
#endif

static sqlite3 *db;
static struct rctx c;

static void exec_ok(const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "SQL error: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static int64_t int_of(const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int setup(void **state)
{
    (void)state;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return -1;
    memset(&c, 0, sizeof c);
    c.db = db;
    /* g: the key; v: integers and NULLs; t: mixed values for max/min */
    exec_ok("CREATE TABLE r(g, h, v, t);"
            "INSERT INTO r VALUES"
            " ('a', 1, 1, 'x'), ('a', 1, 2, 10), ('a', 1, NULL, X'01'),"
            " ('b', 1, NULL, NULL), ('b', 1, NULL, 2.5),"
            " (NULL, 1, 5, 'y'), (NULL, 1, 7, 'yz'),"
            " ('a', 2, 3, -1), ('A', 1, 4, 'b');");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    return 0;
}

/* dest equals SQLite's GROUP BY of the same rows. */
static void same_as_sql(const char *dest, const char *oracle)
{
    char q[1024];
    snprintf(q, sizeof q, "SELECT count(*) FROM (%s EXCEPT SELECT * FROM %s)", oracle, dest);
    assert_int_equal(int_of(q), 0);
    snprintf(q, sizeof q, "SELECT count(*) FROM (SELECT * FROM %s EXCEPT %s)", dest, oracle);
    assert_int_equal(int_of(q), 0);
}

static void groups(void **state)
{
    (void)state;
    assert_int_equal(rctx_hashagg(&c, "SELECT g, h, 1, v, v, t, t FROM r", 2, "ncsxm", "agg"), 0);
    /* by hand: (a,1) (b,1) (NULL,1) (a,2) (A,1): 5 groups ('a' and 'A' differ) */
    assert_int_equal(int_of("SELECT count(*) FROM agg"), 5);
    /* (a,1): 3 rows, 2 non-NULL v summing to 3; max of 'x', 10, X'01' is the
     * blob, min the number 10 */
    assert_int_equal(int_of("SELECT a1 FROM agg WHERE k1 = 'a' AND k2 = 1"), 3);
    assert_int_equal(int_of("SELECT a2 FROM agg WHERE k1 = 'a' AND k2 = 1"), 2);
    assert_int_equal(int_of("SELECT a3 FROM agg WHERE k1 = 'a' AND k2 = 1"), 3);
    assert_int_equal(int_of("SELECT typeof(a4) = 'blob' FROM agg WHERE k1 = 'a' AND k2 = 1"), 1);
    assert_int_equal(int_of("SELECT a5 FROM agg WHERE k1 = 'a' AND k2 = 1"), 10);
    /* (b,1): v all NULL: count 0, sum NULL; max/min the one REAL */
    assert_int_equal(int_of("SELECT a2 = 0 AND a3 IS NULL AND a4 = 2.5 AND a5 = 2.5 FROM agg"
                            " WHERE k1 = 'b'"),
                     1);
    /* the NULL key is one group: 5 + 7; max 'yz' > 'y' (longer wins a tie) */
    assert_int_equal(int_of("SELECT a3 FROM agg WHERE k1 IS NULL"), 12);
    assert_int_equal(int_of("SELECT a4 = 'yz' AND a5 = 'y' FROM agg WHERE k1 IS NULL"), 1);
    same_as_sql("agg", "SELECT g, h, count(*), count(v), sum(v), max(t), min(t) FROM r"
                       " GROUP BY g, h");
    /* avg: (a,1) averages 1 and 2 (the NULL left out); (b,1) has no value */
    assert_int_equal(rctx_hashagg(&c, "SELECT g, h, v FROM r", 2, "a", "agg1"), 0);
    assert_int_equal(int_of("SELECT a1 = 1.5 FROM agg1 WHERE k1 = 'a' AND k2 = 1"), 1);
    assert_int_equal(int_of("SELECT a1 IS NULL FROM agg1 WHERE k1 = 'b'"), 1);
    same_as_sql("agg1", "SELECT g, h, avg(v) FROM r GROUP BY g, h");
}

/* max and min against the value kept so far (hashagg.c's acc_cmp): an
 * integer and a REAL, equal (the first stays: its type shows) and not;
 * text by bytes then length; blobs after text after numbers. */
static void minmax_order(void **state)
{
    (void)state;
    exec_ok("CREATE TABLE mm(g, t);"
            "INSERT INTO mm VALUES ('e', 3), ('e', 3.0), ('f', 3.0), ('f', 3),"
            " ('n', 2), ('n', 2.5), ('n', -1), ('n', 1.5), ('n', -1.0),"
            " ('s', 'ab'), ('s', 'a'), ('s', 'b'), ('s', NULL),"
            " ('x', X'0102'), ('x', X'01'), ('x', 'zz'), ('x', 99), ('x', X'0103');");
    assert_int_equal(rctx_hashagg(&c, "SELECT g, t, t FROM mm", 1, "xm", "mmagg"), 0);
    same_as_sql("mmagg", "SELECT g, max(t), min(t) FROM mm GROUP BY g");
    /* (EXCEPT takes 3 and 3.0 for the same value: their types checked apart) */
    assert_int_equal(int_of("SELECT count(*) FROM mmagg JOIN (SELECT g, typeof(max(t)) AS tx,"
                            " typeof(min(t)) AS tm FROM mm GROUP BY g) o ON o.g = k1"
                            " WHERE typeof(a1) <> tx OR typeof(a2) <> tm"),
                     0);
    assert_int_equal(int_of("SELECT typeof(a1) = 'integer' AND typeof(a2) = 'integer' FROM mmagg"
                            " WHERE k1 = 'e'"),
                     1);
    assert_int_equal(int_of("SELECT a1 = X'0103' AND a2 = 99 FROM mmagg WHERE k1 = 'x'"), 1);
    assert_int_equal(int_of("SELECT a1 = 2.5 AND a2 = -1 AND typeof(a2) = 'integer' FROM mmagg"
                            " WHERE k1 = 'n'"),
                     1);
}

/* A REAL summed and a REAL key: the SQL path, the same result. */
static void sql_path(void **state)
{
    (void)state;
    /* text summed ('x' counts as 0 and the sum becomes REAL): only SQL does that */
    assert_int_equal(
        rctx_hashagg(&c, "SELECT g, t FROM r WHERE typeof(t) <> 'blob'", 1, "s", "agg2"), 0);
    same_as_sql("agg2", "SELECT g, sum(t) FROM r WHERE typeof(t) <> 'blob' GROUP BY g");
    assert_int_equal(
        rctx_hashagg(&c, "SELECT t, 1 FROM r WHERE typeof(t) = 'real'", 1, "n", "agg3"), 0);
    same_as_sql("agg3", "SELECT t, count(*) FROM r WHERE typeof(t) = 'real' GROUP BY t");
}

static void missing_and_bad(void **state)
{
    (void)state;
    assert_int_equal(rctx_hashagg(&c, "SELECT x, 1 FROM no_such_table", 1, "n", "agg4"), 0);
    assert_int_equal(int_of("SELECT count(*) FROM agg4"), 0);
    assert_int_equal(rctx_hashagg(&c, "SELECT g FROM r", 1, "n", "agg5"), -1); /* 1 column */
    assert_non_null(strstr(c.err, "columns"));
    assert_int_equal(rctx_hashagg(&c, "SELECT g, v FROM r", 1, "q", "agg6"), -1); /* bad op */
}

/* rctx_msgfold: count(DISTINCT message) per key, and per flag. */
static void msgfold(void **state)
{
    (void)state;
    /* messages 1-3 and their signatures' domains, pass flags, testing flags:
     * message 1 has two rows of d1 (one passing) and one of d2; message 2
     * one of d1 (not passing, flag NULL); message 3 one of d2 (passing,
     * testing) and one of d3 (a third key: past the fallback build's cap) */
    exec_ok("CREATE TABLE sig(mid, d, pass, testing);"
            "INSERT INTO sig VALUES (1, 'd1', 0, 0), (1, 'd1', 1, NULL), (1, 'd2', 0, 0),"
            " (2, 'd1', NULL, 0), (3, 'd2', 1, 2), (3, 'd3', 0, 0);");
    assert_int_equal(
        rctx_msgfold(&c, "SELECT mid, d, pass, testing FROM sig ORDER BY mid", 2, "mf"), 0);
    /* d1: messages 1, 2 (pairs 2), rows 3, passing 1 (message 1), testing 0 */
    assert_int_equal(int_of("SELECT pairs = 2 AND rows = 3 AND f1 = 1 AND f2 = 0 FROM mf"
                            " WHERE k = 'd1'"),
                     1);
    /* d2: messages 1, 3, rows 2, passing 1 (message 3), testing 1 */
    assert_int_equal(int_of("SELECT pairs = 2 AND rows = 2 AND f1 = 1 AND f2 = 1 FROM mf"
                            " WHERE k = 'd2'"),
                     1);
    same_as_sql("mf", "SELECT d, count(DISTINCT mid), count(*),"
                      " count(DISTINCT CASE WHEN pass THEN mid END),"
                      " count(DISTINCT CASE WHEN testing THEN mid END) FROM sig GROUP BY d");
}

/* rctx_hashagg_multi: three groupings from one pass give what three
 * GROUP BYs give; `when` keeps the rows where its column is true (NULL and
 * 0 are not; the text 'x' is 0, 2.5 is true); a grouping that must take the
 * SQL path (a text summed) takes it alone, the others stay right. */
static void multi(void **state)
{
    (void)state;
    static const int k_g[] = {0}, a_g[] = {0, 2, 3}, k_gh[] = {0, 1}, a_gh[] = {0, 3}, k_t[] = {3},
                     a_t[] = {0}, w_v = 2, k_h[] = {1}, a_h[] = {3};
    const struct rctx_agg aggs[] = {
        {"m1", 1, k_g, "nsx", a_g, NULL},
        {"m2", 2, k_gh, "nm", a_gh, &w_v},
        {"m3", 1, k_t, "n", a_t, &w_v},
        {"m4", 1, k_h, "s", a_h, NULL}, /* sums t, text among them: the SQL path */
    };
    assert_int_equal(rctx_hashagg_multi(&c, "SELECT g, h, v, t FROM r", aggs, 4), 0);
    same_as_sql("m1", "SELECT g, count(*), sum(v), max(t) FROM r GROUP BY g");
    same_as_sql("m2", "SELECT g, h, count(*), min(t) FROM r WHERE v GROUP BY g, h");
    same_as_sql("m3", "SELECT t, count(*) FROM r WHERE v GROUP BY t");
    same_as_sql("m4", "SELECT h, sum(t) FROM r GROUP BY h");
    /* by hand: 'a' has 4 rows, v 1 + 2 + 3 = 6; rows with v true: 6 of 9 */
    assert_int_equal(int_of("SELECT a1 = 4 AND a2 = 6 FROM m1 WHERE k1 = 'a'"), 1);
    assert_int_equal(int_of("SELECT sum(a1) FROM m2"), 6);
    /* the when column as WHERE reads it: 'x' is false, 2.5 and -1 true */
    exec_ok("CREATE TABLE w(k, c); INSERT INTO w VALUES (1, 'x'), (2, 2.5), (3, -1), (4, '0'),"
            " (5, NULL), (6, 0);");
    static const int k_k[] = {0}, a_k[] = {0}, w_c = 1;
    const struct rctx_agg wa = {"m5", 1, k_k, "n", a_k, &w_c};
    assert_int_equal(rctx_hashagg_multi(&c, "SELECT k, c FROM w", &wa, 1), 0);
    assert_int_equal(int_of("SELECT group_concat(k1, ',') = '2,3'"
                            " FROM (SELECT k1 FROM m5 ORDER BY k1)"),
                     1);
    assert_int_equal(int_of("SELECT count(*) FROM m5"), 2);
    same_as_sql("m5", "SELECT k, count(*) FROM w WHERE c GROUP BY k");
    /* a missing table: every dest empty; a column out of range: an error */
    assert_int_equal(rctx_hashagg_multi(&c, "SELECT x, y FROM no_such_table", aggs, 1), 0);
    assert_int_equal(int_of("SELECT count(*) FROM m1"), 0);
    static const int k_bad[] = {7};
    const struct rctx_agg bad = {"m6", 1, k_bad, "n", a_k, NULL};
    assert_int_equal(rctx_hashagg_multi(&c, "SELECT g FROM r", &bad, 1), -1);
}

/* rctx_msgfold_multi: the fold and a grouping of other columns of the same
 * rows, as their GROUP BYs give them. */
static void msgfold_multi(void **state)
{
    (void)state;
    exec_ok("CREATE TABLE sig2(mid, d, pass, sel, bits);"
            "INSERT INTO sig2 VALUES (1, 'd1', 0, 's1', 1024), (1, 'd1', 1, 's1', 2048),"
            " (1, 'd2', 0, 's2', NULL), (2, 'd1', NULL, 's1', 1024), (3, 'd2', 1, 's2', 2048),"
            " (3, 'd3', 0, 's3', 1024);");
    static const int k_ds[] = {1, 3}, a_ds[] = {0, 2, 4};
    const struct rctx_agg sel = {"mfs", 2, k_ds, "nsx", a_ds, NULL};
    assert_int_equal(rctx_msgfold_multi(&c, "SELECT mid, d, pass, sel, bits FROM sig2 ORDER BY mid",
                                        1, "mf2", &sel, 1),
                     0);
    same_as_sql("mf2", "SELECT d, count(DISTINCT mid), count(*),"
                       " count(DISTINCT CASE WHEN pass THEN mid END) FROM sig2 GROUP BY d");
    same_as_sql("mfs", "SELECT d, sel, count(*), sum(pass), max(bits) FROM sig2 GROUP BY d, sel");
    /* by hand: (d1, s1): 3 rows, 1 passing, largest key 2048 */
    assert_int_equal(int_of("SELECT a1 = 3 AND a2 = 1 AND a3 = 2048 FROM mfs"
                            " WHERE k1 = 'd1' AND k2 = 's1'"),
                     1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(groups),        cmocka_unit_test(minmax_order),
        cmocka_unit_test(sql_path),      cmocka_unit_test(missing_and_bad),
        cmocka_unit_test(msgfold),       cmocka_unit_test(multi),
        cmocka_unit_test(msgfold_multi),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
