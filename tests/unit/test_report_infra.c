/* The infrastructure section's entry-hop aggregates are made in C over the
 * whole database (sec_infrastructure.c, infra_pass: iprev_results, r_cp and
 * r_msg read side by side in message order); pass_sql is their
 * definition. This test builds the section both ways on a database of
 * awkward values and requires the same rendered section (JSON) and the
 * same rows in the four TEMP tables:
 *
 *   1  198.51.100.1, HELO mx.x.example, pass, TLS 1, two copies (spam,
 *      inbox), received by mx.r.example
 *   2  the same IP, HELO the blob 'MX', fail, TLS 0, no copy; not fully
 *      qualified; r_cp's n_spam set to NULL (a copy without placement)
 *   3  no IP ("(unknown)", and no iprev pass counted), no HELO, TLS NULL,
 *      no receiving host, one unknown copy
 *   4  IP '' (an empty text, kept by coalesce), HELO an IP literal, TLS 2
 *      (true, but neither = 1 nor = 0), result the blob 'pass'
 *   5  a feedback message with an entry hop: left out - then made an
 *      ordinary message, so that iprev_results is read alone: the orphan
 *      entry hop of message 99 (no messages row) then counts
 *
 * and then a REAL TLS value, or a text HELO check: the section by SQL. */
#include "../../analyzer/report/sec_infrastructure.c"

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

static void msg(int id, const char *feedback_kind)
{
    run("INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
        " date, arrival, placement, n_parts, n_attachments, n_received, n_anomalies,"
        " header_block, first_source_id, first_offset, feedback_kind)"
        " VALUES(%d, 'sha%d', 100, 'm%d@x.example', 'S', 'a@x.example', 'x.example',"
        " '2025-04-01T10:00:00Z', '2025-04-01T10:00:00Z', 'unknown', 1, 0, 1, 0, X'00', 1, %d,"
        " %Q)",
        id, id, id, id * 1000, feedback_kind);
}

static void copy(int id, int n, const char *placement)
{
    run("INSERT INTO sightings(message_id, source_id, offset, length, folder, placement)"
        " VALUES(%d, 1, %d, 100, 'F', %Q)",
        id, id * 1000 + n, placement);
}

/* ip, result, helo, tls, fqdn, literal, received_by: SQL literals */
static void hop(int id, const char *ip, const char *result, const char *helo, const char *tls,
                const char *fqdn, int literal, const char *received_by)
{
    run("INSERT INTO iprev_results(message_id, ip, result, ptr_names, confirmed_name,"
        " received_by, tls, helo, helo_fqdn, helo_ip_literal, helo_resolves, helo_points_to_ip,"
        " helo_matches_ptr, helo_reason) VALUES(%d, %s, %s, 'ptr%d.example', NULL, %s, %s, %s,"
        " %s, %d, 1, %d, 0, 'reason %d')",
        id, ip, result, id, received_by, tls, helo, fqdn, literal, id % 2, id);
}

static int setup(void **state)
{
    (void)state;
    if (tmp_db_open("/tmp/mailaudit-infra-XXXXXX") != 0) return -1;
    run("INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
        " first_read, last_read) VALUES(1, '/s', 'mbox', 'mbox', 0, 1, 1, 'done',"
        " '2025-04-03T00:00:00Z', '2025-04-03T00:00:00Z')");
    msg(1, NULL);
    copy(1, 0, "spam");
    copy(1, 1, "inbox");
    hop(1, "'198.51.100.1'", "'pass'", "'mx.x.example'", "1", "1", 0, "'mx.r.example'");
    msg(2, NULL);
    hop(2, "'198.51.100.1'", "'fail'", "X'4D58'", "0", "0", 0, "'mx.r.example'");
    msg(3, NULL);
    copy(3, 0, "unknown");
    hop(3, "NULL", "'none'", "NULL", "NULL", "0", 0, "NULL");
    msg(4, NULL);
    copy(4, 0, "inbox");
    hop(4, "''", "X'70617373'", "'[192.0.2.1]'", "2", "0", 1, "'mx2.r.example'");
    msg(5, "arf");
    copy(5, 0, "spam");
    hop(5, "'203.0.113.5'", "'pass'", "'feedback.example'", "1", "1", 0, "'mx.r.example'");
    run("PRAGMA foreign_keys=OFF");
    hop(99, "'203.0.113.99'", "'pass'", "'orphan.example'", "1", "1", 0, "'orphan.r.example'");
    run("PRAGMA foreign_keys=ON");
    return 0;
}

static int teardown(void **state)
{
    return tmp_db_teardown(state);
}

static const char *const tables[] = {"r_agg_ip", "r_agg_helo", "r_agg_rcv", "r_agg_infra"};
#define N_TABLES (sizeof tables / sizeof tables[0])

/* The section built in C (when use_c) or by SQL: its JSON, and the dumps of
 * its tables; *by_c: what infra_pass gave. */
static char *build(bool use_c, char **dumps, int *by_c)
{
    struct report r = {.a = arena_new(), .generated = "TS"};
    struct rscope sc = {0};
    struct rctx c;
    int rc = rctx_open(&c, &r, db_handle(db), &sc);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    assert_true(c.whole);
    run("UPDATE r_cp SET n_spam = NULL WHERE message_id = 2");
    run("INSERT OR REPLACE INTO r_cp VALUES(2, 1, NULL, 0)");
    infra_c = use_c;
    rc = sec_infrastructure(&c);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    if (use_c) *by_c = infra_pass(&c, rctx_all_sent(&c)); /* once more, to see */
    infra_c = true;
    for (size_t i = 0; i < N_TABLES; i++)
        dumps[i] = temp_dump(tables[i]);
    return report_json(&r);
}

/* Both ways, the same section and tables; returns the C way's JSON. */
static char *same_both_ways(int want_by_c)
{
    char *dc[N_TABLES], *ds[N_TABLES];
    int by_c = -2;
    char *jc = build(true, dc, &by_c);
    char *js = build(false, ds, NULL);
    assert_int_equal(by_c, want_by_c);
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
    if (getenv("INFRA_SHOW")) fputs(jc, stderr);
    return jc;
}

static void same_section(void **state)
{
    (void)state;
    /* a feedback message: r_msg is read beside the entry hops */
    char *j = same_both_ways(0);
    assert_null(strstr(j, "203.0.113."));
    assert_non_null(strstr(j, "(unknown)"));
    free(j);
    /* every message sent: the entry hops alone, the orphan's too */
    run("UPDATE messages SET feedback_kind = NULL WHERE id = 5");
    j = same_both_ways(0);
    assert_non_null(strstr(j, "203.0.113.99"));
    free(j);
    /* a REAL TLS value; a text HELO check: by SQL */
    run("UPDATE iprev_results SET tls = 0.5 WHERE message_id = 3");
    free(same_both_ways(1));
    run("UPDATE iprev_results SET tls = NULL, helo_fqdn = 'yes' WHERE message_id = 3");
    free(same_both_ways(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(same_section)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
