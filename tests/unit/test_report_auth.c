/* The authentication section's aggregates are made in C over the whole
 * database (sec_authentication.c, auth_pass: one merged pass over r_msg,
 * spf_results, dmarc_results and dkim_signatures); the SQL beside it is
 * their definition. This test builds the section both ways on a database
 * of awkward values and requires the same rendered section (JSON) and the
 * same rows in every TEMP table the section reads:
 *
 *   1  x.example: SPF pass (record, Sender ID record), DMARC pass; DKIM
 *      pass d=x.example and fail "body hash mismatch" d=x.example
 *   2  no From domain ("(none)"): SPF fail, no reason -> "matched -all";
 *      DMARC fail "policy"; not signed
 *   3  x.example: no result at all (verified NULL)
 *   4  From domain the blob 'x': SPF softfail, reason '', no domain ("?");
 *      DMARC none, t=y, no From domain; a signature without d= or s=
 *      (fail, no reason, testing key)
 *   5  y.example: SPF result the blob 'pass' (not a pass), mechanism a
 *      blob; DKIM d=y.example permerror "r1", then fail "r1" twice (the
 *      same detail): with message 8's, a tie, which the GROUP BY's order
 *      decides (fail first, although permerror was seen first)
 *   6  a feedback message with results: left out (r_msg's feedback_kind)
 *      - then made an ordinary message, so that every message is sent
 *      and the signatures are read alone: the orphan signature of
 *      message 99 (no messages row) then counts in the d= tables
 *   8  y.example: DKIM fail "r1" and permerror "r1" d=y.example: two
 *      groups of two messages each, tied in the failures table
 *
 * and then a message whose two signatures of one failure group differ in
 * detail (9): the failures go by SQL, the rest stays in C; a REAL key
 * size (10), or a signature whose message id is a text: the whole section
 * goes by SQL. */
#include "../../analyzer/report/sec_authentication.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "report/render.h"
#include "store/db.h"
#include "util/arena.h"

static char path[160];
static struct db *db;

#include "report_sql.h"

static void msg(int id, const char *from_domain_lit, const char *feedback_kind)
{
    run("INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
        " date, arrival, placement, n_parts, n_attachments, n_received, n_anomalies, header_block,"
        " first_source_id, first_offset, feedback_kind)"
        " VALUES(%d, 'sha%d', 100, 'm%d@x.example', 'S', 'a@x.example', %s,"
        " '2025-04-01T10:00:00Z', '2025-04-01T10:00:00Z', 'unknown', 1, 0, 1, 0, X'00', 1, %d,"
        " %Q)",
        id, id, id, from_domain_lit, id * 1000, feedback_kind);
}

/* the text arguments are SQL literals */
static void spf(int id, const char *domain, const char *result, const char *reason,
                const char *mechanism, const char *record, const char *sid)
{
    run("INSERT INTO spf_results(message_id, identity, domain, result, reason, mechanism, record,"
        " sender_id_record) VALUES(%d, 'mailfrom', %s, %s, %s, %s, %s, %s)",
        id, domain, result, reason, mechanism, record, sid);
}

static void dmarc(int id, const char *from_domain, const char *result, const char *reason,
                  int testing, int sa, int da)
{
    run("INSERT INTO dmarc_results(message_id, from_domain, result, reason, method,"
        " policy_domain, record, policy, policy_tag, testing, spf_aligned, dkim_aligned)"
        " VALUES(%d, %s, %Q, %Q, 'tree walk', 'x.example', 'v=DMARC1; p=reject', 'reject', 'p',"
        " %d, %d, %d)",
        id, from_domain, result, reason, testing, sa, da);
}

/* domain, selector, reason, detail, bits: SQL literals */
static void sig(int id, int pos, const char *domain, const char *selector, const char *result,
                const char *reason, const char *detail, int testing, const char *bits)
{
    run("INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, body_partial,"
        " key_type, key_testing, key_bits, key_source, result, reason, detail, crypto_ok,"
        " from_relation) VALUES(%d, %d, 0, %s, %s, 0, 'rsa', %d, %s, 'db', %Q, %s, %s, 1,"
        " 'same')",
        id, pos, domain, selector, testing, bits, result, reason, detail);
}

static int setup(void **state)
{
    (void)state;
    if (tmp_db_open("/tmp/mailaudit-auth-XXXXXX") != 0) return -1;
    run("INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
        " first_read, last_read) VALUES(1, '/s', 'mbox', 'mbox', 0, 1, 1, 'done',"
        " '2025-04-03T00:00:00Z', '2025-04-03T00:00:00Z')");
    msg(1, "'x.example'", NULL);
    spf(1, "'x.example'", "'pass'", "NULL", "'ip4:192.0.2.0/24'", "'v=spf1 ip4:192.0.2.0/24 -all'",
        "'spf2.0/pra -all'");
    dmarc(1, "'x.example'", "pass", NULL, 0, 1, 1);
    sig(1, 0, "'x.example'", "'s1'", "pass", "NULL", "NULL", 0, "2048");
    sig(1, 1, "'x.example'", "'s1'", "fail", "'body hash mismatch'", "'footer added'", 0, "2048");
    msg(2, "NULL", NULL);
    spf(2, "'x.example'", "'fail'", "NULL", "'-all'", "'v=spf1 -all'", "NULL");
    dmarc(2, "'x.example'", "fail", "policy", 0, 0, 0);
    msg(3, "'x.example'", NULL);
    msg(4, "X'78'", NULL);
    spf(4, "NULL", "'softfail'", "''", "'~all'", "NULL", "NULL");
    dmarc(4, "NULL", "none", NULL, 1, 0, 0);
    sig(4, 0, "NULL", "NULL", "fail", "NULL", "NULL", 1, "NULL");
    msg(5, "'y.example'", NULL);
    spf(5, "'y.example'", "X'70617373'", "NULL", "X'2D616C6C'", "'v=spf1 -all'", "NULL");
    sig(5, 0, "'y.example'", "'s2'", "permerror", "'r1'", "NULL", 0, "1024");
    sig(5, 1, "'y.example'", "'s2'", "fail", "'r1'", "'dA'", 0, "1024");
    sig(5, 2, "'y.example'", "'s2'", "fail", "'r1'", "'dA'", 0, "1024");
    msg(6, "'x.example'", "arf");
    spf(6, "'z.example'", "'fail'", "'feedback'", "NULL", "NULL", "NULL");
    dmarc(6, "'z.example'", "fail", "feedback", 0, 0, 0);
    sig(6, 0, "'z.example'", "'s3'", "fail", "'feedback'", "NULL", 0, "2048");
    msg(8, "'y.example'", NULL);
    sig(8, 0, "'y.example'", "'s2'", "fail", "'r1'", "NULL", 0, "1024");
    sig(8, 1, "'y.example'", "'s2'", "permerror", "'r1'", "'dP'", 0, "1024");
    run("PRAGMA foreign_keys=OFF");
    sig(99, 0, "'orphan.example'", "'s9'", "fail", "'orphan'", "NULL", 0, "2048");
    run("PRAGMA foreign_keys=ON");
    return 0;
}

static int teardown(void **state)
{
    return tmp_db_teardown(state);
}

/* SQL run after rctx_open (its rows taken away after the section) */
static const char *after_open;

static const char *const tables[] = {"r_agg_dom", "r_agg_spf", "r_agg_dmarc", "r_agg_fspf",
                                     "r_agg_fdm", "r_agg_dkd", "r_agg_dkim"};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* The section built in C (when use_c) or by SQL: its JSON, and the dumps of
 * its tables. *by_c, *fdk: what auth_pass did. */
static char *build(bool use_c, char **dumps, int *by_c, bool *fdk)
{
    struct report r = {.a = arena_new(), .generated = "TS"};
    struct rscope sc = {0};
    struct rctx c;
    int rc = rctx_open(&c, &r, db_handle(db), &sc);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    assert_true(c.whole);
    if (after_open) run("%s", after_open);
    auth_c = use_c;
    rc = sec_authentication(&c);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    if (use_c) { /* what the section's pass did, once more */
        *fdk = false;
        *by_c = auth_pass(&c, rctx_all_sent(&c), fdk);
    }
    auth_c = true;
    if (after_open) run("DELETE FROM dkim_signatures WHERE typeof(message_id) = 'text'");
    for (size_t i = 0; i < N_TABLES; i++)
        dumps[i] = temp_dump(tables[i]);
    return report_json(&r);
}

/* Both ways, the same section and tables; returns the C way's JSON. */
static char *same_both_ways(int want_by_c, bool want_fdk)
{
    char *dc[N_TABLES], *ds[N_TABLES];
    int by_c = -2;
    bool fdk = false;
    char *jc = build(true, dc, &by_c, &fdk);
    char *js = build(false, ds, NULL, NULL);
    assert_int_equal(by_c, want_by_c);
    if (want_by_c == 0) assert_int_equal(fdk, want_fdk);
    for (size_t i = 0; i < N_TABLES; i++) {
        if (strcmp(dc[i], ds[i]) != 0)
            fprintf(stderr, "%s:\nC:\n%s\nSQL:\n%s\n", tables[i], dc[i], ds[i]);
        assert_string_equal(dc[i], ds[i]);
        free(dc[i]);
        free(ds[i]);
    }
    if (strcmp(jc, js) != 0) fprintf(stderr, "C:\n%s\nSQL:\n%s\n", jc, js);
    assert_string_equal(jc, js);
    free(js);
    return jc;
}

static void same_section(void **state)
{
    (void)state;
    /* a feedback message: r_msg is read beside the signatures */
    char *j = same_both_ways(0, true);
    if (getenv("AUTH_SHOW")) fputs(j, stderr);
    /* (a few values by hand: the orphan and the feedback message left out,
     * the matched mechanism, the GROUP BY's order of the tie) */
    assert_null(strstr(j, "orphan.example"));
    assert_null(strstr(j, "z.example"));
    assert_non_null(strstr(j, "matched -all"));
    char *fail = strstr(j, "\"result\":\"fail\",\"reason\":\"r1\",\"messages\":2"),
         *perm = strstr(j, "\"result\":\"permerror\",\"reason\":\"r1\",\"messages\":2");
    assert_non_null(fail);
    assert_non_null(perm);
    assert_true(fail < perm);
    free(j);
    /* every message sent: the signatures alone, the orphan's too */
    run("UPDATE messages SET feedback_kind = NULL WHERE id = 6");
    j = same_both_ways(0, true);
    assert_non_null(strstr(j, "orphan.example"));
    free(j);
    /* a failure group whose first message has two details: that by SQL */
    msg(9, "'y.example'", NULL);
    sig(9, 0, "'w.example'", "'s4'", "fail", "'r2'", "'dB'", 0, "2048");
    sig(9, 1, "'w.example'", "'s4'", "fail", "'r2'", "'dC'", 0, "2048");
    free(same_both_ways(0, false));
    /* a REAL key size: the section by SQL */
    msg(10, "'y.example'", NULL);
    sig(10, 0, "'v.example'", "'s5'", "pass", "NULL", "NULL", 0, "1024.5");
    free(same_both_ways(1, false));
    /* a signature whose message id is a text (made after rctx_open: r_mk,
     * an INTEGER PRIMARY KEY, refuses it): the section by SQL */
    run("DELETE FROM dkim_signatures WHERE message_id = 10");
    free(same_both_ways(0, false));
    after_open = "PRAGMA foreign_keys=OFF;"
                 " INSERT INTO dkim_signatures(message_id, position, legacy, domain, body_partial,"
                 " key_testing, result, crypto_ok, from_relation)"
                 " VALUES('7z', 0, 0, 'u.example', 0, 0, 'pass', 1, 'same');"
                 " PRAGMA foreign_keys=ON";
    free(same_both_ways(1, false));
    after_open = NULL;
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(same_section)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
