/* The post-mortem's entry-hop features (iprev, SPF client IP, HELO, TLS,
 * DMARC, headers, score band, From domain, campaign) are built in C from
 * raw columns (sec_postmortem.c, sep_scan_entry); the SQL in merged_sql[0]
 * is their definition. This test runs both on a database of awkward
 * values and requires the same feature table, row for row, in both the
 * whole-scope form (r_pm_sep) and the per-campaign form; a few features
 * are also checked by hand:
 *
 *   1  iprev 198.51.100.1, HELO "MX.Example.COM", pass, TLS 1, DMARC pass,
 *      List-Id, score 6 of 5
 *   2  iprev IP '' (coalesce keeps the empty text: no ip feature, although
 *      SPF has 192.0.2.9), HELO '', fail (no PTR record), TLS 0, DMARC fail
 *      (policy), score 3 of 5 -> "2.5 to under 5"
 *   3  no iprev row: SPF's 192.0.2.10; no DMARC; score -1; Feedback-ID; no
 *      Message-ID
 *   4  HELO as a blob 'MX' -> "mx"; TLS the text 'abc' (false); iprev
 *      reason ''; score 1 of 7.5 -> "0 to under 3.75"
 *   5  TLS 0.5 (true); no score; no From domain
 *
 * The SPF features (sep_scan_spf; merged_sql[1] the definition), one row
 * per SPF result:
 *
 *   1  mailfrom pass, no reason                      -> "spf=pass"
 *   2  and helo none "no SPF record"                 -> "spf helo=none",
 *                                                       "spf helo=none (no SPF record)"
 *   3  and helo fail, reason ''                      -> "spf helo=fail" only
 *   4  identity the blob 'mailfrom' (not the text),
 *      softfail, reason an empty blob (<> '')       -> "spf mailfrom=softfail",
 *                                                       "spf mailfrom=softfail ()"
 *   5  mailfrom, result the number 42 and reason 3.5
 *      (stored as text by the TEXT columns)          -> "spf=42", "spf=42 (3.5)"
 *      and identity 'HELO' (not lowercased)         -> "spf HELO=pass"
 *
 * Over the whole scope, the report reads the SPF results, rule hits and
 * DKIM signatures beside the entry rows in one pass (sep_scan_merge); the
 * comparison runs that pass, the separate passes in C and the SQL, and
 * requires the same table from all three. The fixture adds, for it:
 *
 *   6  placement unknown (not in r_pm), with SPF, a rule hit and a signature, which
 *      must be skipped: rule R_SKIP, d=skip.example appear nowhere
 *   7  spam, Message-ID, From z.example; rules R_B and R_A; signatures:
 *      pass d=z.example, fail "body hash mismatch" d=z.example (1000-bit key),
 *      a legacy one (left out), one without d= (fail, reason NULL)
 *      -> dkim_domain z.example once; "dkim=fail (body hash mismatch)
 *         d=z.example"; "dkim key under 1024 bits d=z.example";
 *         "dkim=fail d=?"; no "dkim=none (not signed)" for it
 *   1  rule R_A too (R_A on 1 and 7: 2 spam copies)
 *   8  a row of r_pm alone (spam; no messages row), added by hand, with a
 *      rule hit R_ORPHAN: that and "dkim=none (not signed)", nothing from
 *      the entry hop (its campaign and From domain "orphan")
 *
 * The merged pass remembers a source's features by its raw columns (memos
 * of iprev, DMARC, score, SPF and DKIM rows); these rows would share a memo
 * key if it dropped a column's type or the per-message DISTINCT:
 *
 *   9  spam: iprev temperror, reason '' (text: no reason feature); SPF
 *      mailfrom neutral ''; two identical signatures (permerror "bad key"
 *      d=w.example, 1000 bits: counted once); score 10 of 7.5
 *  10  inbox: iprev temperror, reason X'' (a blob: "iprev=temperror ()");
 *      SPF identity the blob 'mailfrom' ("spf mailfrom=neutral"); the same
 *      signature, and one with 2000 bits; score 10 of 7.5
 *
 * and ARC results, stored requirements and parts (read beside too):
 *
 *   1  ARC fail "AMS i=1 body hash mismatch"; 2 ARC pass, reason ''; 6 ARC
 *      fail "skip arc" (left out)
 *   2  unsubscribe pass, one-click fail -> "List-Unsubscribe (mailto or
 *      https)", "no one-click unsubscribe"; 7 unsubscribe fail only -> "no
 *      usable List-Unsubscribe"; 6 unsubscribe pass (left out)
 *   7  attachments pdf (two parts: once), text/calendar (no detected
 *      type), and a container that is not an attachment; 3 a pdf; 6 a zip
 *      (left out)
 *
 * PM_ENTRY_DB=FILE runs the comparison on that database instead (a
 * one-off check on a large generated database). */
#include "../../analyzer/report/sec_postmortem.c"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#include "store/db.h"

static char path[160];
static struct db *db;

#include "report_sql.h"

static void msg(int id, const char *mid, const char *from_domain, const char *list_id,
                const char *feedback_id, const char *placement)
{
    run("INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
        " date, arrival, placement, n_parts, n_attachments, n_received, n_anomalies,"
        " header_block, first_source_id, first_offset, list_id, feedback_id)"
        " VALUES(%d, 'sha%d', 100, %Q, 'S', 'a@x.example', %Q, '2025-04-01T10:00:00Z',"
        " '2025-04-01T10:00:00Z', %Q, 1, 0, 1, 0, X'00', 1, %d, %Q, %Q)",
        id, id, mid, from_domain, placement, id * 1000, list_id, feedback_id);
    run("INSERT INTO sightings(message_id, source_id, offset, length, folder, placement)"
        " VALUES(%d, 1, %d, 100, 'F', %Q)",
        id, id * 1000, placement);
}

/* tls and helo are SQL literals (so that a blob or a text can be stored) */
static void iprev(int id, const char *ip, const char *result, const char *reason, const char *helo,
                  const char *tls)
{
    run("INSERT INTO iprev_results(message_id, ip, result, reason, helo, tls, helo_fqdn,"
        " helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr)"
        " VALUES(%d, %Q, %Q, %Q, %s, %s, 1, 0, 1, 1, 1)",
        id, ip, result, reason, helo, tls);
}

static void spf(int id, const char *ip)
{
    run("INSERT INTO spf_results(message_id, identity, ip, result) VALUES(%d, 'mailfrom', %Q,"
        " 'pass')",
        id, ip);
}

/* identity, result and reason are SQL literals */
static void spf_lit(int id, const char *identity, const char *result, const char *reason)
{
    run("INSERT INTO spf_results(message_id, identity, ip, result, reason) VALUES(%d, %s,"
        " '192.0.2.99', %s, %s)",
        id, identity, result, reason);
}

static void dmarc(int id, const char *result, const char *reason)
{
    run("INSERT INTO dmarc_results(message_id, result, reason, method, testing, spf_aligned,"
        " dkim_aligned) VALUES(%d, %Q, %Q, 'tree walk', 0, 1, 1)",
        id, result, reason);
}

static void score(int id, double total, double threshold)
{
    run("INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits, limit_hits,"
        " rule_set) VALUES(%d, %.17g, %.17g, %d, 0, 0, 'rules')",
        id, total, threshold, total >= threshold);
}

static void hit(int id, const char *rule)
{
    run("INSERT INTO rule_hits(message_id, rule, score, count, kind) VALUES(%d, %Q, 1, 1, 'body')",
        id, rule);
}

/* domain and reason may be NULL; bits 0: no key */
static void sig(int id, int pos, int legacy, const char *domain, const char *result,
                const char *reason, int bits)
{
    char b[16] = "NULL";
    if (bits) snprintf(b, sizeof b, "%d", bits);
    run("INSERT INTO dkim_signatures(message_id, position, legacy, domain, body_partial,"
        " key_testing, key_bits, result, reason, crypto_ok, from_relation)"
        " VALUES(%d, %d, %d, %Q, 0, 0, %s, %Q, %Q, 1, 'same')",
        id, pos, legacy, domain, b, result, reason);
}

static void part(int id, int msg_id, const char *ppath, const char *type, const char *detected,
                 int att)
{
    run("INSERT INTO parts(id, message_id, path, depth, content_type, detected_type,"
        " is_attachment) VALUES(%d, %d, %Q, 1, %Q, %Q, %d)",
        id, msg_id, ppath, type, detected, att);
}

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mailaudit-pme-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    char err[600];
    const char *ext = getenv("PM_ENTRY_DB");
    if (db_open(ext ? ext : path, ext ? DB_OPEN_READ : DB_OPEN_WRITE, &db, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (ext) return 0;
    run("INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
        " first_read, last_read) VALUES(1, '/s', 'mbox', 'mbox', 0, 1, 1, 'done',"
        " '2025-04-03T00:00:00Z', '2025-04-03T00:00:00Z')");
    msg(1, "m1@x.example", "x.example", "news.x.example", NULL, "spam");
    iprev(1, "198.51.100.1", "pass", NULL, "'MX.Example.COM'", "1");
    spf(1, "198.51.100.1");
    dmarc(1, "pass", NULL);
    score(1, 6, 5);
    msg(2, "m2@x.example", "x.example", "news.x.example", NULL, "inbox");
    iprev(2, "", "fail", "no PTR record", "''", "0");
    spf(2, "192.0.2.9");
    dmarc(2, "fail", "policy");
    score(2, 3, 5);
    msg(3, NULL, "y.example", NULL, "a:b:c:S1", "spam");
    spf(3, "192.0.2.10");
    score(3, -1, 5);
    msg(4, "m4@x.example", "x.example", NULL, NULL, "inbox");
    iprev(4, "198.51.100.4", "none", "", "X'4D58'", "'abc'");
    score(4, 1, 7.5);
    msg(5, "m5@x.example", NULL, NULL, NULL, "spam");
    iprev(5, "198.51.100.5", "pass", NULL, "NULL", "0.5");
    spf_lit(2, "'helo'", "'none'", "'no SPF record'");
    spf_lit(3, "'helo'", "'fail'", "''");
    spf_lit(4, "X'6D61696C66726F6D'", "'softfail'", "X''");
    spf_lit(5, "'mailfrom'", "42", "3.5");
    spf_lit(5, "'HELO'", "'pass'", "NULL");
    msg(6, "m6@x.example", "x.example", NULL, NULL, "unknown");
    spf_lit(6, "'mailfrom'", "'fail'", "'skip me'");
    hit(6, "R_SKIP");
    sig(6, 0, 0, "skip.example", "pass", NULL, 2048);
    msg(7, "m7@z.example", "z.example", NULL, NULL, "spam");
    hit(7, "R_B");
    hit(7, "R_A");
    hit(1, "R_A");
    sig(7, 0, 0, "z.example", "pass", NULL, 2048);
    sig(7, 1, 0, "z.example", "fail", "body hash mismatch", 1000);
    sig(7, 2, 1, "legacy.example", "fail", "legacy", 512);
    sig(7, 3, 0, NULL, "fail", NULL, 0);
    msg(9, "m9@w.example", "w.example", NULL, NULL, "spam");
    msg(10, "m10@w.example", "w.example", NULL, NULL, "inbox");
    run("INSERT INTO iprev_results(message_id, ip, result, reason, helo_fqdn, helo_ip_literal,"
        " helo_resolves, helo_points_to_ip, helo_matches_ptr)"
        " VALUES(9, '198.51.100.9', 'temperror', '', 1, 0, 1, 1, 1),"
        " (10, '198.51.100.10', 'temperror', X'', 1, 0, 1, 1, 1)");
    spf_lit(9, "'mailfrom'", "'neutral'", "''");
    sig(9, 0, 0, "w.example", "permerror", "bad key", 1000);
    sig(9, 1, 0, "w.example", "permerror", "bad key", 1000);
    score(9, 10, 7.5);
    spf_lit(10, "X'6D61696C66726F6D'", "'neutral'", "''");
    sig(10, 0, 0, "w.example", "permerror", "bad key", 1000);
    sig(10, 1, 0, "w.example", "permerror", "bad key", 2000);
    score(10, 10, 7.5);
    run("INSERT INTO arc_results(message_id, result, n_sets, reason) VALUES"
        " (1, 'fail', 1, 'AMS i=1 body hash mismatch'), (2, 'pass', 1, ''),"
        " (6, 'fail', 1, 'skip arc')");
    run("INSERT INTO requirement_sets(message_id, checks) VALUES"
        " (2, '[[\"unsubscribe\",\"pass\",\"a\"],[\"one_click_unsubscribe\",\"fail\",\"b\"]]'),"
        " (6, '[[\"unsubscribe\",\"pass\",\"a\"]]'),"
        " (7, '[[\"unsubscribe\",\"fail\",\"c\"]]')");
    part(71, 7, "1", "multipart/mixed", NULL, 0);
    part(72, 7, "1.1", "application/pdf", "pdf", 1);
    part(73, 7, "1.2", "application/octet-stream", "pdf", 1);
    part(74, 7, "1.3", "text/calendar", NULL, 1);
    part(31, 3, "1", "application/pdf", "pdf", 1);
    part(61, 6, "1", "application/zip", "zip", 1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    db_close(db);
    if (getenv("PM_ENTRY_DB")) return 0;
    unlink(path);
    *strrchr(path, '/') = '\0';
    rmdir(path);
    return 0;
}

static int64_t count_of(const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

/* Every row of table t, quoted, sorted, one line each (each ending in \n). */
static char *dump(const char *t, bool by_campaign)
{
    char *sql = sqlite3_mprintf(
        by_campaign ? "SELECT group_concat(x, char(10)) FROM (SELECT quote(campaign) || ' ' ||"
                      " quote(kind) || ' ' || quote(feature) || ' ' || a || ' ' || c AS x"
                      " FROM %s ORDER BY 1)"
                    : "SELECT group_concat(x, char(10)) FROM (SELECT quote(kind) || ' ' ||"
                      " quote(feature) || ' ' || a || ' ' || c || ' ' || quote(ex_spam) AS x"
                      " FROM %s ORDER BY 1)",
        t);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_free(sql);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *v = (const char *)sqlite3_column_text(s, 0);
    char *out = malloc(strlen(v ? v : "") + 2); /* each line ends with \n */
    assert_non_null(out);
    sprintf(out, "%s\n", v ? v : "");
    sqlite3_finalize(s);
    return out;
}

/* The feature table built in C and by SQL, whole scope and per campaign. */
static void both_ways(char **c_whole, char **sql_whole, char **c_camp, char **sql_camp,
                      char **sep_whole)
{
    struct report r = {.a = arena_new()};
    struct rscope sc = {0};
    struct rctx c;
    int rc = rctx_open(&c, &r, db_handle(db), &sc);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    assert_int_equal(sec_postmortem_features(&c), 0);
    assert_true(c.whole); /* sep_scan_merge runs for t_c */
    /* an r_pm row without a messages row (8, spam): no entry features, but
     * its rule hit and "not signed" count (r_pm is all the other passes
     * read) */
    bool ext = getenv("PM_ENTRY_DB") != NULL; /* read-only */
    if (!ext) {
        run("PRAGMA foreign_keys=OFF");
        run("INSERT INTO rule_hits(message_id, rule, score, count, kind)"
            " VALUES(8, 'R_ORPHAN', 1, 1, 'body')");
        run("PRAGMA foreign_keys=ON");
        /* r_pm is a view over r_cp and r_msg in the whole scope */
        run("INSERT INTO r_msg(id, from_domain, campaign) VALUES(8, 'orphan.example', 'orphan')");
        run("INSERT INTO r_cp VALUES(8, 1, 1, 0)");
        assert_int_equal(count_of("SELECT count(*) FROM r_pm WHERE id = 8 AND n_spam = 1 AND"
                                  " n_inbox = 0 AND campaign = 'orphan'"),
                         1);
    }
    pm_entry_c = pm_spf_c = true;
    /* the merged pass counts r_pm's totals (r_pm_tot) as SQL sums them,
     * the row without a messages row included; the separate passes don't */
    struct pm_tot tot = {0};
    assert_int_equal(sep_build_tot(&c, "r_pm", "t_c", false, 0, &tot), 0);
    assert_true(tot.has);
    assert_int_equal(tot.ns, count_of("SELECT coalesce(sum(n_spam), 0) FROM r_pm"));
    assert_int_equal(tot.ni, count_of("SELECT coalesce(sum(n_inbox), 0) FROM r_pm"));
    assert_int_equal(tot.nm, count_of("SELECT count(*) FROM r_pm"));
    if (!ext) assert_int_equal(tot.nm, 9);
    /* the side tables moved by their seek statements at every gap (message
     * 6's rows skipped by a search, not stepped through): the same table */
    pm_seek_gap = 0;
    assert_int_equal(sep_build(&c, "r_pm", "t_k", false, 0), 0);
    pm_seek_gap = 16;
    char *ck = dump("t_k", false), *cc0 = dump("t_c", false);
    assert_string_equal(ck, cc0);
    free(ck);
    free(cc0);
    pm_merge = false;
    tot.has = true;
    assert_int_equal(sep_build_tot(&c, "r_pm", "t_n", false, 0, &tot), 0);
    assert_false(tot.has);
    pm_merge = true;
    assert_int_equal(sep_build(&c, "r_pm", "t_cc", true, 0), 0);
    pm_entry_c = pm_spf_c = false;
    assert_int_equal(sep_build(&c, "r_pm", "t_s", false, 0), 0);
    assert_int_equal(sep_build(&c, "r_pm", "t_sc", true, 0), 0);
    pm_entry_c = pm_spf_c = true;
    *c_whole = dump("t_c", false);
    *sql_whole = dump("t_s", false);
    *c_camp = dump("t_cc", true);
    *sql_camp = dump("t_sc", true);
    *sep_whole = dump("t_n", false);
    if (!ext) {
        run("DELETE FROM r_msg WHERE id = 8");
        run("DELETE FROM r_cp WHERE message_id = 8");
        run("DELETE FROM rule_hits WHERE message_id = 8");
    }
    arena_free(r.a);
}

static void same_features(void **state)
{
    (void)state;
    char *cw, *sw, *cc, *scc, *nw;
    both_ways(&cw, &sw, &cc, &scc, &nw);
    if (getenv("PM_ENTRY_SHOW")) fprintf(stderr, "%s\n---\n%s\n", cw, cc);
    assert_string_equal(cw, sw);
    assert_string_equal(nw, sw);
    assert_string_equal(cc, scc);
    if (!getenv("PM_ENTRY_DB")) {
        /* worked out by hand from the fixture above (a = spam, c = inbox) */
        assert_non_null(strstr(cw, "'helo' 'mx.example.com' 1 0 1\n"));
        assert_non_null(strstr(cw, "'helo' 'mx' 0 1 NULL\n"));
        assert_null(strstr(cw, "'ip' '192.0.2.9'"));
        assert_non_null(strstr(cw, "'ip' '192.0.2.10' 1 0 3\n"));
        assert_non_null(strstr(cw, "'iprev' 'iprev=fail (no PTR record)' 0 1 NULL\n"));
        /* memo keys (messages 9, 10) */
        assert_non_null(strstr(cw, "'iprev' 'iprev=temperror' 1 1 9\n"));
        assert_non_null(strstr(cw, "'iprev' 'iprev=temperror ()' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'spf' 'spf=neutral' 1 0 9\n"));
        assert_non_null(strstr(cw, "'spf' 'spf mailfrom=neutral' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=permerror' 1 1 9\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=permerror (bad key) d=w.example' 1 1 9\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim key under 1024 bits d=w.example' 1 1 9\n"));
        assert_non_null(strstr(cw, "'dkim_domain' 'w.example' 1 1 9\n"));
        assert_non_null(strstr(cw, "'score' '7.5 or more (threshold)' 1 1 9\n"));
        assert_null(strstr(cw, "'iprev=none ("));
        assert_non_null(strstr(cw, "'tls' 'entry hop with TLS' 2 0 1\n"));
        assert_non_null(strstr(cw, "'tls' 'entry hop without TLS' 0 2 NULL\n"));
        assert_non_null(strstr(cw, "'dmarc' 'dmarc=fail (policy)' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'score' '2.5 to under 5' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'score' '0 to under 3.75' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'score' '5 or more (threshold)' 1 0 1\n"));
        assert_non_null(strstr(cw, "'score' 'below 0' 1 0 3\n"));
        assert_non_null(strstr(cw, "'header' 'no Message-ID' 1 0 3\n"));
        assert_non_null(strstr(cw, "'header' 'Feedback-ID' 1 0 3\n"));
        assert_non_null(strstr(cw, "'header' 'List-Id' 1 1 1\n"));
        assert_non_null(strstr(cw, "'from_domain' 'x.example' 1 2 1\n"));
        /* SPF */
        assert_non_null(strstr(cw, "'spf' 'spf=pass' 2 1 1\n"));
        assert_null(strstr(cw, "'spf=pass ("));
        assert_non_null(strstr(cw, "'spf' 'spf helo=none' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'spf' 'spf helo=none (no SPF record)' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'spf' 'spf helo=fail' 1 0 3\n"));
        assert_null(strstr(cw, "'spf helo=fail ("));
        assert_non_null(strstr(cw, "'spf' 'spf mailfrom=softfail' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'spf' 'spf mailfrom=softfail ()' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'spf' 'spf=42' 1 0 5\n"));
        assert_non_null(strstr(cw, "'spf' 'spf=42 (3.5)' 1 0 5\n"));
        assert_non_null(strstr(cw, "'spf' 'spf HELO=pass' 1 0 5\n"));
        /* per campaign: no campaign kind, the rest grouped */
        assert_null(strstr(cc, "'campaign' 'campaign'"));
        assert_non_null(strstr(cc, "'news.x.example' 'helo' 'mx.example.com' 1 0"));
        /* rules and DKIM (messages 6, 7) */
        assert_non_null(strstr(cw, "'rule' 'R_A' 2 0 1\n"));
        assert_non_null(strstr(cw, "'rule' 'R_B' 1 0 7\n"));
        assert_null(strstr(cw, "R_SKIP"));
        assert_null(strstr(cw, "skip.example"));
        assert_null(strstr(cw, "'spf=fail"));
        assert_null(strstr(cw, "legacy"));
        assert_non_null(strstr(cw, "'dkim_domain' 'z.example' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=pass' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=pass d=z.example' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=fail' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=fail (body hash mismatch) d=z.example' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim=fail d=?' 1 0 7\n"));
        assert_non_null(strstr(cw, "'dkim' 'dkim key under 1024 bits d=z.example' 1 0 7\n"));
        /* ARC, unsubscribe headers, attachments */
        assert_non_null(strstr(cw, "'arc' 'arc=fail' 1 0 1\n"));
        assert_non_null(strstr(cw, "'arc' 'arc=fail (AMS i=1 body hash mismatch)' 1 0 1\n"));
        assert_non_null(strstr(cw, "'arc' 'arc=pass' 0 1 NULL\n"));
        assert_null(strstr(cw, "'arc=pass ("));
        assert_null(strstr(cw, "skip arc"));
        assert_non_null(strstr(cw, "'header' 'List-Unsubscribe (mailto or https)' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'header' 'no one-click unsubscribe' 0 1 NULL\n"));
        assert_non_null(strstr(cw, "'header' 'no usable List-Unsubscribe' 1 0 7\n"));
        assert_non_null(strstr(cw, "'attachment' 'pdf' 2 0 3\n"));
        assert_non_null(strstr(cw, "'attachment' 'text/calendar' 1 0 7\n"));
        assert_null(strstr(cw, "zip"));
        assert_null(strstr(cw, "multipart"));
        /* messages 1-5 and 8 unsigned: spam 1, 3, 5, 8; inbox 2, 4 */
        assert_non_null(strstr(cw, "'dkim' 'dkim=none (not signed)' 4 2 1\n"));
        assert_non_null(strstr(cw, "'rule' 'R_ORPHAN' 1 0 8\n"));
        assert_null(strstr(cw, "orphan"));
    }
    free(cw);
    free(sw);
    free(cc);
    free(scc);
    free(nw);
}

/* r_pm built once per scope: a second call in the same scope keeps it (a
 * row added by hand survives); another scope's rctx_open drops it (the
 * report builds its scopes one after the other) and that scope's call
 * builds it again from its own messages. Over the whole database r_pm is
 * a view of r_cp and r_msg (the hand-added row goes there), in a narrower
 * scope a table. */
static void features_once(void **state)
{
    (void)state;
    if (getenv("PM_ENTRY_DB")) return;
    struct report r = {.a = arena_new()};
    struct rscope whole = {0}, later = {.since = "2030-01-01T00:00:00Z"};
    struct rctx a, b;
    assert_int_equal(rctx_open(&a, &r, db_handle(db), &whole), 0);
    assert_int_equal(sec_postmortem_features(&a), 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm"), 8);
    assert_int_equal(
        count_of("SELECT count(*) FROM sqlite_temp_master WHERE name = 'r_pm' AND type = 'view'"),
        1);
    run("INSERT INTO r_msg(id) VALUES(99)");
    run("INSERT INTO r_cp VALUES(99, 1, 1, 0)");
    assert_int_equal(sec_postmortem_features(&a), 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm"), 9);
    assert_int_equal(rctx_open(&b, &r, db_handle(db), &later), 0);
    assert_int_equal(count_of("SELECT count(*) FROM sqlite_temp_master WHERE name = 'r_pm'"), 0);
    assert_int_equal(sec_postmortem_features(&b), 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm"), 0); /* nothing after 2030 */
    assert_int_equal(
        count_of("SELECT count(*) FROM sqlite_temp_master WHERE name = 'r_pm' AND type = 'table'"),
        1);
    run("INSERT INTO r_pm VALUES(99, 1, 0, NULL, NULL)");
    assert_int_equal(sec_postmortem_features(&b), 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm"), 1); /* kept */
    assert_int_equal(rctx_open(&a, &r, db_handle(db), &whole), 0);
    assert_int_equal(sec_postmortem_features(&a), 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm"), 8); /* the hand-added rows gone */
    arena_free(r.a);
}

static int64_t fact_int(const struct rsection *s, const char *key)
{
    for (size_t i = 0; i < s->n_facts; i++)
        if (strcmp(s->facts[i].key, key) == 0) return s->facts[i].v.i;
    fail_msg("no fact %s", key);
    return -1;
}

/* Over the whole database r_pm is a view and the section's totals come
 * from the merged pass: the same as SQL sums them; and with no placed copy
 * (r_cp's counts zeroed by hand) the section is empty, found without the
 * pass. */
static void whole_totals(void **state)
{
    (void)state;
    if (getenv("PM_ENTRY_DB")) return;
    struct report r = {.a = arena_new()};
    struct rscope whole = {0};
    struct rctx c;
    assert_int_equal(rctx_open(&c, &r, db_handle(db), &whole), 0);
    assert_true(c.whole);
    assert_int_equal(sec_postmortem(&c), 0);
    struct rsection *s = rsec_find(&r, "postmortem");
    assert_null(s->empty);
    assert_int_equal(fact_int(s, "spam_copies"), count_of("SELECT sum(n_spam) FROM r_pm"));
    assert_int_equal(fact_int(s, "inbox_copies"), count_of("SELECT sum(n_inbox) FROM r_pm"));
    assert_int_equal(fact_int(s, "placed_messages"), count_of("SELECT count(*) FROM r_pm"));
    assert_int_equal(fact_int(s, "placed_messages"), 8);
    assert_int_equal(count_of("SELECT nm FROM r_pm_tot"), 8);

    struct report r2 = {.a = arena_new()};
    assert_int_equal(rctx_open(&c, &r2, db_handle(db), &whole), 0);
    run("UPDATE r_cp SET n_spam = 0, n_inbox = 0");
    assert_int_equal(sec_postmortem(&c), 0);
    s = rsec_find(&r2, "postmortem");
    assert_string_equal(s->empty, "no copies with placement evidence (inbox/spam) in this period");
    assert_int_equal(s->n_tables, 0);
    assert_int_equal(count_of("SELECT count(*) FROM r_pm_tot WHERE ns = 0 AND ni = 0 AND nm = 0"),
                     1);
    arena_free(r.a);
    arena_free(r2.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(same_features),
                                       cmocka_unit_test(features_once),
                                       cmocka_unit_test(whole_totals)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
