/* The copies and DKIM verdicts per message over the whole database
 * (report/rctx.c, facts_fill): r_cp and r_mk are filled by a C pass that
 * reads sightings and dkim_signatures in their own order; the GROUP BYs
 * they replace are the definition. This test fills both ways on tables
 * of awkward values (declared without types or constraints, so that what
 * the real schema forbids can be stored too) and requires the same rows,
 * types included:
 *
 *   sightings, in table order: messages 1 1 3 2 1 5 5 4 (2, 1 and 4 after
 *   a greater message: added by the upserts; 2 is first seen late, 1 is
 *   late twice), placements 'spam', 'inbox', NULL (3: only NULL -> n_spam
 *   and n_inbox NULL), 'SPAM' and 'spam ' (neither is spam), '' ...
 *   dkim_signatures: legacy NULL (left out, as NOT NULL is NULL), 1 and 0;
 *   result 'pass', 'PASS', NULL (6: its only one -> pass and npass NULL);
 *   key_testing NULL, 0, 2, -1; message 7 only legacy (no row).
 *
 * Then a value the pass does not judge (a REAL key_testing, a text message
 * id, a placement stored as an integer): the pass gives way to the GROUP
 * BY, with the same rows again.
 *
 * r_msg's campaign key (sql_campaign) against the SQL expression it
 * replaces, on NULLs, numbers, blobs, empty texts, an embedded NUL, and
 * times whose first ten characters are multibyte, cut by a NUL, or start
 * with a stray continuation byte.
 *
 * The overview's counts made while r_msg is written (msg_note, r_msg_ov)
 * against SQL: senders that differ only in ASCII case (one) or in a
 * non-ASCII letter's case (two, as SQLite's lower() leaves it), domains
 * compared as they are, NULL times and addresses, feedback kinds; then a
 * time stored as a blob: no r_msg_ov row (the overview counts by SQL). */
#include "../../analyzer/report/rctx.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

static sqlite3 *db;

static void run(const char *sql)
{
    char *err = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) fprintf(stderr, "%s\n%s\n", sql, err ? err : "?");
    sqlite3_free(err);
    assert_int_equal(rc, SQLITE_OK);
}

/* Every row of `table` in key order, each value with its type. */
static char *dump(const char *table)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT group_concat(r, ';') FROM (SELECT quote(message_id) || ','"
             " || quote(a) || ',' || quote(b) || ',' || quote(c) || ',' || quote(d) || ','"
             " || typeof(a) || typeof(b) || typeof(c) || typeof(d) AS r FROM %s ORDER BY 1)",
             table);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    char *r = strdup(t ? t : "");
    sqlite3_finalize(s);
    return r;
}

static char *values(const char *sql);

static const char cp_sql[] = "INSERT INTO r_cp SELECT message_id, count(*),"
                             " sum(placement = 'spam'), sum(placement = 'inbox')"
                             " FROM sightings GROUP BY message_id";
static const char mk_sql[] = "INSERT INTO r_mk SELECT k.message_id, max(k.result = 'pass'),"
                             " max(k.key_testing), count(*), sum(k.result = 'pass')"
                             " FROM dkim_signatures k WHERE NOT k.legacy GROUP BY k.message_id";

/* r_cp and r_mk by the C pass and by SQL, as views with the same column
 * names (a, b, c, d), and whether the pass gave way to the SQL */
static void both_ways(char **c_cp, char **sql_cp, char **c_mk, char **sql_mk)
{
    struct rctx c = {.db = db};
    run("DROP TABLE IF EXISTS r_cp; DROP TABLE IF EXISTS r_mk;"
        "CREATE TEMP TABLE r_cp(message_id INTEGER PRIMARY KEY, n_copy INTEGER NOT NULL,"
        " n_spam INTEGER, n_inbox INTEGER);"
        "CREATE TEMP TABLE r_mk(message_id INTEGER PRIMARY KEY, pass INTEGER,"
        " testing INTEGER, n INTEGER NOT NULL, npass INTEGER);"
        "DROP TABLE IF EXISTS r_msg_ov;"
        "CREATE TEMP TABLE r_msg_ov(n_all, n_sent, n_fb, t_min, t_max, n_domains, n_senders,"
        " n_copies); INSERT INTO r_msg_ov(n_all) VALUES (0)");
    assert_int_equal(facts_fill(&c, FACTS_CP, cp_sql), 0);
    assert_int_equal(facts_fill(&c, FACTS_MK, mk_sql), 0);
    run("DROP VIEW IF EXISTS v_cp; DROP VIEW IF EXISTS v_mk;"
        "CREATE TEMP VIEW v_cp AS SELECT message_id, n_copy AS a, n_spam AS b, n_inbox AS c,"
        " NULL AS d FROM r_cp;"
        "CREATE TEMP VIEW v_mk AS SELECT message_id, pass AS a, testing AS b, n AS c,"
        " npass AS d FROM r_mk");
    *c_cp = dump("v_cp");
    *c_mk = dump("v_mk");
    run("DELETE FROM r_cp; DELETE FROM r_mk");
    run(cp_sql);
    run(mk_sql);
    *sql_cp = dump("v_cp");
    *sql_mk = dump("v_mk");
}

static int setup(void **state)
{
    (void)state;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return -1;
    if (sqlite3_create_module_v2(db, "ma_facts", &facts_module, NULL, NULL) != SQLITE_OK) return -1;
    run("CREATE TABLE sightings(id INTEGER PRIMARY KEY, message_id, placement);"
        "INSERT INTO sightings(message_id, placement) VALUES"
        " (1, 'spam'), (1, 'inbox'), (3, NULL), (2, 'SPAM'), (1, 'spam'), (5, NULL),"
        " (5, 'inbox'), (4, ''), (2, 'spam '), (2, 'spam'), (1, NULL);"
        "CREATE TABLE dkim_signatures(message_id, position, legacy, result, key_testing,"
        " PRIMARY KEY (message_id, position)) WITHOUT ROWID;"
        "INSERT INTO dkim_signatures VALUES"
        " (1, 0, 0, 'pass', 0), (1, 1, 0, 'fail', 2), (1, 2, 1, 'pass', 9),"
        " (2, 0, NULL, 'pass', 1), (2, 1, 0, 'PASS', NULL),"
        " (3, 0, 0, 'fail', -1), (3, 1, 0, 'fail', NULL),"
        " (6, 0, 0, NULL, NULL), (7, 0, 1, 'pass', 0), (8, 0, 0, 'pass', 1)");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    sqlite3_close(db);
    return 0;
}

static void same_rows(void)
{
    char *c_cp, *sql_cp, *c_mk, *sql_mk;
    both_ways(&c_cp, &sql_cp, &c_mk, &sql_mk);
    assert_string_equal(c_cp, sql_cp);
    assert_string_equal(c_mk, sql_mk);
    free(c_cp);
    free(sql_cp);
    free(c_mk);
    free(sql_mk);
}

static void same_as_group_by(void **state)
{
    (void)state;
    char *c_cp, *sql_cp, *c_mk, *sql_mk;
    both_ways(&c_cp, &sql_cp, &c_mk, &sql_mk);
    assert_string_equal(c_cp, sql_cp);
    assert_string_equal(c_mk, sql_mk);
    /* the copies in all, for the overview */
    char *n = values("SELECT n_copies AS v FROM r_msg_ov");
    assert_string_equal(n, "11 3131 integer");
    free(n);
    /* by hand: 1 has four copies (two spam, one inbox, one without a
     * placement), 3 only a copy without one; 6's only signature has no
     * result; 7 only a legacy one */
    assert_non_null(strstr(c_cp, "1,4,2,1,NULL,integerintegerintegernull"));
    assert_non_null(strstr(c_cp, "3,1,NULL,NULL,NULL,integernullnullnull"));
    assert_non_null(strstr(c_mk, "6,NULL,NULL,1,NULL,nullnullintegernull"));
    assert_null(strstr(c_mk, ";7,"));
    free(c_cp);
    free(sql_cp);
    free(c_mk);
    free(sql_mk);
}

/* Values the pass does not judge: the GROUP BY instead, same rows. */
static void gives_way(void **state)
{
    (void)state;
    /* (a second rctx_open on the connection registers the module again) */
    assert_int_equal(sqlite3_create_module_v2(db, "ma_facts", &facts_module, NULL, NULL),
                     SQLITE_OK);
    run("INSERT INTO dkim_signatures VALUES (9, 0, 0, 'pass', 0.5)");
    same_rows();
    run("DELETE FROM dkim_signatures WHERE message_id = 9;"
        "INSERT INTO dkim_signatures VALUES ('10', 0, 0, 'pass', 1)");
    same_rows();
    run("INSERT INTO sightings(message_id, placement) VALUES (6, 7)");
    same_rows();
    run("INSERT INTO sightings(message_id, placement) VALUES ('8', 'spam')");
    same_rows();
}

/* Before schema 0003 there is no dkim_signatures: r_mk stays empty. */
static void without_signatures(void **state)
{
    (void)state;
    run("ALTER TABLE dkim_signatures RENAME TO old_signatures");
    struct rctx c = {.db = db};
    run("DELETE FROM r_mk");
    assert_int_equal(facts_fill(&c, FACTS_MK, mk_sql), 0);
    char *mk = dump("v_mk");
    assert_string_equal(mk, "");
    free(mk);
    run("ALTER TABLE old_signatures RENAME TO dkim_signatures");
}

/* The rows of `sql` (one column v) as "value type;..." */
static char *values(const char *sql)
{
    char q[1024];
    snprintf(q, sizeof q,
             "SELECT group_concat(quote(v) || ' ' || hex(v) || ' ' || typeof(v), ';') FROM (%s)",
             sql);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    char *r = strdup(t ? t : "");
    sqlite3_finalize(s);
    return r;
}

static void campaign_as_sql(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_create_function_v2(db, "ma_campaign", 7, SQLITE_UTF8, NULL,
                                                sql_campaign, NULL, NULL, NULL),
                     SQLITE_OK);
    run("CREATE TABLE cm(id INTEGER PRIMARY KEY, l, f, c, a, s, arr, d);"
        "INSERT INTO cm(l, f, c, a, s, arr, d) VALUES"
        " (NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
        " ('list', 'fb', NULL, 'a@x', 'S', '2025-04-01T10:00:00Z', NULL),"
        " (NULL, '', 'c', 'a@x', 'S', NULL, NULL),"
        " (NULL, NULL, 5, 'a@x', 'S', NULL, NULL),"
        " (NULL, NULL, X'0061', 'a@x', 'S', NULL, NULL),"
        " (NULL, NULL, NULL, 'A@X', '', NULL, '2025-04-02T00:00:00Z'),"
        " (NULL, NULL, NULL, 2.5, X'5300', 20250401123, NULL),"
        " (NULL, NULL, NULL, 'a' || char(0) || 'b', 'S', 1.5, NULL),"
        " (NULL, NULL, NULL, '', NULL, X'000102030405060708090A0B', NULL),"
        " (NULL, NULL, NULL, 'a@x', 'S', X'', NULL),"
        " (NULL, NULL, NULL, 'a@x', 'S', '', '2025-04-03'),"
        " (NULL, NULL, NULL, 'a@x', 'S', 'éèê2025-04-01T', NULL),"
        " (NULL, NULL, NULL, 'a@x', 'S', '2025' || char(0) || '-04-01', NULL),"
        " (NULL, NULL, NULL, 'a@x', 'S', CAST(X'80812D3230323541424344' AS TEXT), NULL),"
        " (NULL, NULL, NULL, 'a@x', 'S', NULL, '2025-04-04T01:02:03Z')");
    char *c = values("SELECT ma_campaign(l, f, c, a, s, arr, d) AS v FROM cm ORDER BY id");
    char *q = values("SELECT coalesce(l, f, c, coalesce(a, '?') || ' | ' || coalesce(s, '')"
                     " || ' | ' || coalesce(substr(coalesce(arr, d), 1, 10), '?')) AS v"
                     " FROM cm ORDER BY id");
    assert_string_equal(c, q);
    assert_non_null(strstr(c, "'? |  | ?' "));
    free(c);
    free(q);
}

/* r_msg_ov and r_msg_ovfb made by msg_note over table mo, as text */
static char *noted(void)
{
    struct rctx c = {.db = db};
    struct msg_ov ov = {0};
    run("DROP TABLE IF EXISTS r_msg_ov; DROP TABLE IF EXISTS r_msg_ovfb");
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT count(*) FROM mo"
                                        " WHERE ma_msg_note(?1, t, fk, dom, addr)",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_pointer(s, 1, &ov, "mailaudit_msg_ov", NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    sqlite3_finalize(s);
    assert_int_equal(msg_ov_store(&c, &ov), 0);
    msg_ov_free(&ov);
    char *a = values("SELECT quote(n_all) || quote(n_sent) || quote(n_fb) || quote(t_min)"
                     " || quote(t_max) || quote(n_domains) || quote(n_senders) AS v FROM r_msg_ov");
    char *b = values("SELECT kind || '=' || n AS v FROM r_msg_ovfb ORDER BY 1");
    size_t n = strlen(a) + strlen(b) + 2;
    char *r = malloc(n);
    snprintf(r, n, "%s|%s", a, b);
    free(a);
    free(b);
    return r;
}

static void overview_counts(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_create_function_v2(db, "ma_msg_note", 5, SQLITE_UTF8, NULL, msg_note,
                                                NULL, NULL, NULL),
                     SQLITE_OK);
    run("CREATE TABLE mo(id INTEGER PRIMARY KEY, t, fk, dom, addr);"
        "INSERT INTO mo(t, fk, dom, addr) VALUES"
        " ('2025-04-02', NULL, 'x.example', 'A@X.example'),"
        " ('2025-04-01', NULL, 'X.example', 'a@x.example'),"
        " (NULL, NULL, NULL, NULL),"
        " ('2025-04-03', NULL, 'y.example', 'É@y.example'),"
        " ('2025-04-01T', NULL, 'y.example', 'é@y.example'),"
        " ('2025-05-01', 'arf', 'z.example', 'q@z.example'),"
        " ('2025-03-01', 'dsn', NULL, NULL),"
        " ('2025-04-04', 'arf', NULL, ''),"
        " ('', NULL, '', '')");
    char *c = noted();
    char *q =
        values("SELECT quote(count(*)) || quote(sum(fk IS NULL)) || quote(sum(fk IS NOT NULL))"
               " || quote(min(t)) || quote(max(t))"
               " || quote((SELECT count(DISTINCT dom) FROM mo WHERE fk IS NULL))"
               " || quote((SELECT count(DISTINCT lower(addr)) FROM mo WHERE fk IS NULL))"
               " AS v FROM mo");
    char *k = values("SELECT fk || '=' || count(*) AS v FROM mo WHERE fk IS NOT NULL"
                     " GROUP BY fk ORDER BY 1");
    size_t n = strlen(q) + strlen(k) + 2;
    char *sql = malloc(n);
    snprintf(sql, n, "%s|%s", q, k);
    assert_string_equal(c, sql);
    /* by hand (quoted twice): 9 messages, 6 sent, 3 feedback, times ''
     * to 2025-05-01, 4 domains (x, X, y, ''), 4 senders (a@x.example,
     * É@, é@, ''); arf 2, dsn 1 */
    assert_int_equal(strncmp(c, "'963''''''2025-05-01''44' ", 26), 0);
    assert_non_null(strstr(c, "|'arf=2' "));
    assert_non_null(strstr(c, ";'dsn=1' "));
    free(c);
    free(q);
    free(k);
    free(sql);
    /* a time the pass does not judge: no row, the overview's SQL counts */
    run("INSERT INTO mo(t, fk, dom, addr) VALUES (X'01', NULL, 'x.example', 'a@x')");
    c = noted();
    assert_string_equal(c, "|");
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_group_by), cmocka_unit_test(gives_way),
        cmocka_unit_test(without_signatures), cmocka_unit_test(campaign_as_sql),
        cmocka_unit_test(overview_counts)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
