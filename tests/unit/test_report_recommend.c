/* Unit tests for report/sec_recommendations: hand-built databases (rows
 * inserted directly into the tables the rules read), then the section's
 * items — which fire, in which order, with evidence numbers worked out by
 * hand below — and that nothing fires on a clean database, on an empty one,
 * or outside the period. */
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

#ifdef RECO_TEST_CAP /* test_report_recommend_fallback.c */
#define KG_MAX_GROUPS RECO_TEST_CAP
#include "../../analyzer/report/sec_recommendations.c"
#endif

static char dir[64];
static int n_db;

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailaudit-reco-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static struct db *new_db(void)
{
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/t%d.db", dir, n_db++);
    struct db *db;
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    return db;
}

static void exec(struct db *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec((sqlite3 *)db_handle(db), sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fail_msg("%s (in %.80s)", msg, sql);
}

/* One message (id given) with one copy of the given placement (NULL: no copy). */
static void msg(struct db *db, int id, const char *from_domain, const char *placement,
                const char *feedback_kind, const char *list_id, const char *message_id)
{
    sqlite3 *h = (sqlite3 *)db_handle(db);
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(
            h,
            "INSERT INTO messages(id, sha256, size, message_id, from_domain, from_address, date,"
            " arrival, placement, n_parts, n_attachments, n_received, n_anomalies, header_block,"
            " first_source_id, first_offset, feedback_kind, list_id)"
            " VALUES (?1, printf('%064d', ?1), 100, ?2, ?3, 'x@' || ?3, '2025-04-01T10:00:00Z',"
            " '2025-04-01T10:00:00Z', coalesce(?4, 'unknown'), 1, 0, 1, 0, x'00', 1, ?1, ?5, ?6)",
            -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int(s, 1, id);
    sqlite3_bind_text(s, 2, message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, from_domain, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, placement, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, feedback_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, list_id, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    if (!placement) return;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "INSERT INTO sightings(message_id, source_id, offset, length,"
                           " folder, placement) VALUES (?1, 1, ?1, 100, ?2, ?2)",
                           -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int(s, 1, id);
    sqlite3_bind_text(s, 2, placement, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static void base(struct db *db)
{
    exec(db, "INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
             " first_read, last_read) VALUES (1, '/x', 'mbox', 'mbox', 0, 1, 1, 'done',"
             " '2025-04-01T00:00:00Z', '2025-04-01T00:00:00Z')");
}

static struct rsection *build(struct db *db, arena *a, struct report *r, const char *since)
{
    memset(r, 0, sizeof *r);
    r->a = a;
    struct rscope sc = {.since = since};
    struct rctx c;
    assert_int_equal(rctx_open(&c, r, (sqlite3 *)db_handle(db), &sc), 0);
    if (sec_recommendations(&c) != 0) fail_msg("%s", c.err);
    struct rsection *s = rsec_find(r, "recommendations");
    assert_non_null(s);
    assert_string_equal(s->title, "What to fix first");
    return s;
}

static const struct ritem *item(const struct rsection *s, const char *key)
{
    for (size_t i = 0; i < s->n_items; i++)
        if (strcmp(s->items[i].key, key) == 0) return &s->items[i];
    fail_msg("no item %s", key);
    return NULL;
}

static void print_items(const struct rsection *s)
{
    for (size_t i = 0; i < s->n_items; i++)
        fprintf(stderr, "# %d %d %s | %s | %s | %s\n", s->items[i].severity, s->items[i].score,
                s->items[i].key, s->items[i].title, s->items[i].evidence,
                s->items[i].example ? s->items[i].example : "-");
}

static void assert_keys(const struct rsection *s, const char *const *keys, size_t n)
{
    if (s->n_items != n) print_items(s);
    assert_int_equal(s->n_items, n);
    for (size_t i = 0; i < n; i++) {
        if (strcmp(s->items[i].key, keys[i]) != 0) print_items(s);
        assert_string_equal(s->items[i].key, keys[i]);
    }
}

/* Campaign of shop.example.com: 4 spam-placed and 3 inbox messages (one copy
 * each, ids 1-7), all signed d=shop.example.com s=s1 with a 1024-bit t=y
 * key; the body hash fails on 3 of the spam ones (1-3) with the footer
 * diagnosis, all handed over by gw.shop.example.com (192.0.2.9); no DMARC
 * record; rule MA_FOOTER hits messages 1-3, MA_COMMON all seven. Message 8
 * (other.example, no copy) came with HELO "mail". Deliveries: 3 Microsoft
 * bounces naming its own list, one Spamhaus "open resolver" answer
 * (misconfiguration), one refusal of an inbound client listed on SpamCop,
 * 10 sent. */
static void test_campaign(void **state)
{
    (void)state;
    struct db *db = new_db();
    base(db);
    for (int i = 1; i <= 7; i++) {
        char mid[64];
        snprintf(mid, sizeof mid, "c%d@shop.example.com", i);
        msg(db, i, "shop.example.com", i <= 4 ? "spam" : "inbox", NULL, "spring.shop.example.com",
            mid);
    }
    msg(db, 8, "other.example", NULL, NULL, NULL, "o1@other.example");
    exec(
        db,
        "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, key_type,"
        " key_bits, key_testing, key_record, result, reason, detail, crypto_ok, from_relation,"
        " body_partial)"
        " SELECT id, 0, 0, 'shop.example.com', 's1', 'rsa', 1024, 1, 'v=DKIM1; t=y; p=MIG',"
        " CASE WHEN id <= 3 THEN 'fail' ELSE 'pass' END,"
        " CASE WHEN id <= 3 THEN 'body hash mismatch' END,"
        " CASE WHEN id <= 3 THEN 'the body verifies without its last 61 bytes (3 lines): text"
        " was added after signing (a mailing-list or gateway footer?)' END,"
        " id > 3, 'same', 0 FROM messages WHERE id <= 7;"
        "INSERT INTO iprev_results(message_id, ip, result, helo, helo_fqdn, helo_ip_literal,"
        " helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason)"
        " SELECT id, CASE WHEN id <= 3 THEN '192.0.2.9' ELSE '192.0.2.10' END, 'pass',"
        " CASE WHEN id <= 3 THEN 'gw.shop.example.com' ELSE 'out.shop.example.com' END,"
        " 1, 0, 1, 1, 1, 'ok' FROM messages WHERE id <= 7;"
        "INSERT INTO iprev_results(message_id, ip, result, helo, helo_fqdn, helo_ip_literal,"
        " helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason)"
        " VALUES (8, '203.0.113.5', 'pass', 'mail', 0, 0, 0, 0, 0,"
        " 'HELO is not a fully qualified domain name');"
        "INSERT INTO dmarc_results(message_id, from_domain, result, reason, method, org_domain,"
        " testing, spf_aligned, dkim_aligned)"
        " SELECT id, 'shop.example.com', 'none', 'no DMARC record', 'tree walk',"
        " 'example.com', 0, 0, 0 FROM messages WHERE id <= 7;"
        "INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits, limit_hits,"
        " rule_set) SELECT id, 1, 5, 0, 1, 0, 'rules' FROM messages WHERE id <= 7;"
        "INSERT INTO rule_hits(message_id, rule, score, count, kind, area, snippet, description)"
        " SELECT id, 'MA_FOOTER', 1, 1, 'body', 'body', 'Sent via ListTool', 'footer text'"
        " FROM messages WHERE id <= 3;"
        "INSERT INTO rule_hits(message_id, rule, score, count, kind, area, snippet, description)"
        " SELECT id, 'MA_COMMON', 1, 1, 'body', 'body', 'Sale', 'common' FROM messages"
        " WHERE id <= 7;"
        /* deliveries (time: 2025-04-01T10:00:00Z = 1743501600) */
        "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
        " sender, recipient, recipient_domain, status, reply_text, local, reason, hard, provider,"
        " blocklist, blocklist_misconfig) VALUES"
        " (1, 1, 1743501600, 'postfix', 'mx1', 'Q1', 'c1@shop.example.com', 'n@shop.example.com',"
        "  'a@outlook.com', 'outlook.com', 'bounced', '550 5.7.1 ... part of their network is on"
        " our block list (S3150)', 0, 'blocked', 0, 'microsoft', 'microsoft', 0),"
        " (2, 2, 1743501601, 'postfix', 'mx1', 'Q2', 'c2@shop.example.com', 'n@shop.example.com',"
        "  'b@outlook.com', 'outlook.com', 'bounced', '550 5.7.1 ... block list (S3150)', 0,"
        "  'blocked', 0, 'microsoft', 'microsoft', 0),"
        " (3, 3, 1743501602, 'postfix', 'mx1', 'Q3', 'c3@shop.example.com', 'n@shop.example.com',"
        "  'c@hotmail.com', 'hotmail.com', 'bounced', '550 5.7.1 ... block list (S3150) last', 0,"
        "  'blocked', 0, 'microsoft', 'microsoft', 0),"
        " (4, 4, 1743501603, 'postfix', 'mx1', 'Q4', 'c4@shop.example.com', 'n@shop.example.com',"
        "  'd@example.net', 'example.net', 'deferred', 'open resolver; see spamhaus', 0, 'blocked',"
        "  0, NULL, 'spamhaus-zen', 1),"
        " (5, 5, 1743501604, 'postfix', 'mx1', NULL, NULL, 'x@spam.example', 'u@shop.example.com',"
        "  'shop.example.com', 'rejected', 'blocked using bl.spamcop.net', 0, 'blocked', 0, NULL,"
        "  'spamcop', 0);"
        "WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 1 FROM n WHERE i < 19)"
        " INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
        " recipient, recipient_domain, status, local, reason, hard, provider, blocklist_misconfig)"
        " SELECT i, i, 1743501600 + i, 'postfix', 'mx1', 'Q' || i, 'n@shop.example.com',"
        " 'r' || i || '@gmail.com', 'gmail.com', 'sent', 0, 'delivered', 0, 'gmail', 0 FROM n;");
    arena *a = arena_new();
    struct report r;
    struct rsection *s = build(db, a, &r, NULL);
    static const char *const want[] = {
        "blocklist",         "dkim_body_hash", /* critical, 3 each: by key */
        "dkim_testing_key",  "dmarc_missing",  /* warning, 7 each */
        "content_rule_spam",                   /* warning, 3 */
        "helo_not_fqdn",                       /* warning, 1 */
        "dkim_key_1024",                       /* info, 7 */
    };
    assert_keys(s, want, sizeof want / sizeof want[0]);
    assert_null(s->empty);

    const struct ritem *it = item(s, "dkim_body_hash");
    assert_int_equal(it->severity, RS_CRITICAL);
    assert_int_equal(it->score, 3);
    assert_string_equal(it->title, "Sign shop.example.com's mail after the footer is added, or "
                                   "stop adding it after signing");
    assert_string_equal(
        it->evidence,
        "DKIM body hash fails on 3 of 4 spam-placed copies and 0 of 3 inbox copies signed by "
        "d=shop.example.com (3 of 7 messages): on 3 of them a footer is added after signing (the "
        "body verifies without its last 61 bytes (3 lines): text was added after signing (a "
        "mailing-list or gateway footer?)); every failing message reached the receivers from "
        "gw.shop.example.com (192.0.2.9)");
    assert_string_equal(it->example, "c1@shop.example.com");

    it = item(s, "blocklist");
    assert_int_equal(it->severity, RS_CRITICAL);
    assert_int_equal(it->score, 3); /* not the misconfiguration, not our own refusal */
    assert_string_equal(it->title, "Request delisting from microsoft's own block list");
    assert_string_equal(it->evidence, "3 rejections by microsoft name their block list microsoft "
                                      "(last 2025-04-01T10:00:02Z)");
    assert_non_null(strstr(it->example, "S3150"));

    it = item(s, "dkim_testing_key");
    assert_int_equal(it->score, 7);
    assert_string_equal(it->title, "Remove t=y from selector s1 (s1._domainkey.shop.example.com)");

    it = item(s, "dmarc_missing");
    assert_int_equal(it->severity, RS_WARNING);
    assert_string_equal(it->title, "Publish a DMARC record for shop.example.com (start with "
                                   "\"v=DMARC1; p=none; rua=mailto:...\")");
    assert_non_null(strstr(it->evidence, "7 messages from shop.example.com: no DMARC record at "
                                         "_dmarc.shop.example.com nor at its organizational "
                                         "domain example.com"));

    it = item(s, "content_rule_spam");
    assert_string_equal(it->evidence,
                        "MA_FOOTER hits 3 of 4 spam-placed copies and 0 of 3 inbox copies");
    assert_string_equal(it->title, "Change the content that triggers MA_FOOTER (footer text)");
    assert_string_equal(it->example, "Sent via ListTool");

    it = item(s, "helo_not_fqdn");
    assert_string_equal(
        it->evidence, "HELO name mail is not a fully qualified name (1 message from 203.0.113.5)");

    it = item(s, "dkim_key_1024");
    assert_int_equal(it->severity, RS_INFO);

    /* a period holding every message: the passes start from its messages
     * (r_msg) rather than from the tables, with the same findings */
    s = build(db, a, &r, "2025-03-01T00:00:00Z");
    assert_keys(s, want, sizeof want / sizeof want[0]);
    assert_string_equal(item(s, "content_rule_spam")->evidence,
                        "MA_FOOTER hits 3 of 4 spam-placed copies and 0 of 3 inbox copies");
    assert_string_equal(item(s, "content_rule_spam")->example, "Sent via ListTool");
    assert_non_null(strstr(item(s, "dkim_body_hash")->evidence,
                           "; every failing message reached the receivers from "
                           "gw.shop.example.com (192.0.2.9)"));

    /* the period after everything: no data at all */
    s = build(db, a, &r, "2030-01-01T00:00:00Z");
    assert_int_equal(s->n_items, 0);
    assert_string_equal(s->empty, "no messages or deliveries in this period");
    arena_free(a);
    db_close(db);
}

/* Delivery, SPF, PTR, complaints, aggregate reports, requirements.
 * Outcomes (MTA log, one queue id each): 90 sent and 6 bounced userunknown to
 * gmail -> 6 of 96 = 6.25% unknown (critical from 5%); 6 deferrals for
 * speeding to gmail: 6 of 102 attempts = 5.9% (>= 5%). Complaints: 2 (one
 * incident each) for 90 delivered = 2.22% (critical over 0.3%).
 * news.example.org: messages 1-3 (list news.example.org: bulk), MAIL FROM
 * domain example.org, SPF fail from 198.51.100.7 (1, 2: spam copies) and
 * 198.51.100.8 (3: inbox copy); 198.51.100.7 has no PTR, 198.51.100.8 a PTR
 * that does not confirm; DMARC fail under p=reject; no List-Unsubscribe.
 * Message 4 (big.example): SPF permerror, too many lookups. Aggregate report
 * for example.org (carried by message 10): 203.0.113.66 50 unauthenticated,
 * 198.51.100.7 30 DKIM pass, 203.0.113.67 20 unauthenticated -> 70 of 100
 * from 2 IPs. */
static void test_delivery_and_auth(void **state)
{
    (void)state;
    struct db *db = new_db();
    base(db);
    msg(db, 1, "news.example.org", "spam", NULL, "news.example.org", "n1@news.example.org");
    msg(db, 2, "news.example.org", "spam", NULL, "news.example.org", "n2@news.example.org");
    msg(db, 3, "news.example.org", "inbox", NULL, "news.example.org", "n3@news.example.org");
    msg(db, 4, "big.example", NULL, NULL, NULL, "b1@big.example");
    msg(db, 10, "google.com", NULL, "dmarc-aggregate", NULL, "agg@google.com");
    msg(db, 11, "hotmail.com", NULL, "complaint", NULL, "arf1@hotmail.com");
    msg(db, 12, "hotmail.com", NULL, "complaint", NULL, "arf2@hotmail.com");
    exec(db,
         "INSERT INTO spf_results(message_id, identity, ip, domain, result, reason, mechanism)"
         " VALUES (1, 'mailfrom', '198.51.100.7', 'example.org', 'fail', NULL, '-all'),"
         " (2, 'mailfrom', '198.51.100.7', 'example.org', 'fail', NULL, '-all'),"
         " (3, 'mailfrom', '198.51.100.8', 'example.org', 'fail', NULL, '-all'),"
         " (4, 'mailfrom', '192.0.2.44', 'big.example', 'permerror',"
         "  'more than 10 DNS-querying terms', NULL);"
         "INSERT INTO iprev_results(message_id, ip, result, reason, ptr_names, helo, helo_fqdn,"
         " helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason)"
         " VALUES (1, '198.51.100.7', 'fail', 'no PTR record for 198.51.100.7 (nxdomain)', NULL,"
         "  'mta7.news.example.org', 1, 0, 1, 1, 0, 'HELO resolves to the client IP, which has no"
         " PTR'),"
         " (2, '198.51.100.7', 'fail', 'no PTR record for 198.51.100.7 (nxdomain)', NULL,"
         "  'mta7.news.example.org', 1, 0, 1, 1, 0, 'HELO resolves to the client IP, which has no"
         " PTR'),"
         " (3, '198.51.100.8', 'fail', 'host8.example.net does not resolve to 198.51.100.8',"
         "  'host8.example.net', 'mta8.news.example.org', 1, 0, 1, 1, 0, 'HELO resolves to the"
         " client IP');"
         "INSERT INTO dmarc_results(message_id, from_domain, result, reason, method,"
         " policy_domain, record, policy, testing, spf_aligned, dkim_aligned)"
         " SELECT id, 'news.example.org', 'fail', 'no aligned pass', 'tree walk',"
         " 'news.example.org', 'v=DMARC1; p=reject', 'reject', 0, 0, 0 FROM messages"
         " WHERE id <= 3;"
         "INSERT INTO requirement_sets(message_id, checks) SELECT id,"
         " '[[\"unsubscribe\",\"fail\",\"no List-Unsubscribe\"],"
         "[\"one_click_unsubscribe\",\"fail\",\"no List-Unsubscribe-Post\"],"
         "[\"message_id\",\"pass\",\"ok\"]]' FROM messages WHERE id <= 3;"
         "INSERT INTO dmarc_reports(id, message_id, org_name, report_id, domain, n_rows,"
         " n_messages, status) VALUES (1, 10, 'google.com', 'r1', 'example.org', 3, 100,"
         " 'complete');"
         "INSERT INTO dmarc_report_rows(report, source_ip, count, dkim, spf) VALUES"
         " (1, '203.0.113.66', 50, 'fail', 'fail'), (1, '198.51.100.7', 30, 'pass', 'fail'),"
         " (1, '203.0.113.67', 20, 'fail', 'fail');"
         "INSERT INTO feedback_reports(message_id, format, feedback_type, reporter, incidents,"
         " orig_message_id, orig_subject) VALUES"
         " (11, 'arf', 'abuse', 'microsoft', 1, 'n1@news.example.org', 'News'),"
         " (12, 'arf', 'abuse', 'microsoft', 1, 'n2@news.example.org', 'News');"
         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 102)"
         " INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
         " recipient, recipient_domain, status, reply_text, local, reason, hard, provider,"
         " blocklist_misconfig)"
         " SELECT i, i, 1743501600 + i, 'postfix', 'mx1', 'Q' || i, 'n@news.example.org',"
         " 'r' || i || '@gmail.com', 'gmail.com',"
         " CASE WHEN i <= 90 THEN 'sent' WHEN i <= 96 THEN 'bounced' ELSE 'deferred' END,"
         " CASE WHEN i <= 90 THEN '250 ok' WHEN i <= 96 THEN '550 5.1.1 no such user'"
         "  ELSE '421 4.7.28 rate limited' END, 0,"
         " CASE WHEN i <= 90 THEN 'delivered' WHEN i <= 96 THEN 'userunknown' ELSE 'speeding'"
         "  END, i BETWEEN 91 AND 96, 'gmail', 0 FROM n;");
    arena *a = arena_new();
    struct report r;
    struct rsection *s = build(db, a, &r, NULL);
    static const char *const want[] = {
        "bounce_unknown_users", /* critical 6 */
        "dmarc_fail",
        "spf_fail", /* critical 3 */
        "complaint_rate",
        "ptr_missing",            /* critical 2 */
        "spf_too_many_lookups",   /* critical 1 */
        "dmarc_aggregate_unauth", /* warning 70 */
        "deferrals_rate_limit",   /* warning 6 */
        "req_unsubscribe",        /* warning 3 (one-click folded in) */
        "ptr_not_confirmed",      /* warning 1 */
    };
    assert_keys(s, want, sizeof want / sizeof want[0]);

    const struct ritem *it = item(s, "bounce_unknown_users");
    assert_int_equal(it->severity, RS_CRITICAL);
    assert_string_equal(it->evidence, "6 of 96 recipients (6.2%) bounced as unknown users or "
                                      "domains (receivers judge senders above 2% as careless)");
    assert_string_equal(it->example, "550 5.1.1 no such user");

    it = item(s, "dmarc_fail");
    assert_string_equal(it->evidence, "DMARC fails on 3 of 3 messages from news.example.org "
                                      "(policy p=reject: receivers are asked to reject them)");
    assert_string_equal(it->example, "n1@news.example.org");

    it = item(s, "spf_fail");
    assert_int_equal(it->severity, RS_CRITICAL);
    assert_string_equal(it->title, "Add 198.51.100.7 and the other sending IPs to the SPF record "
                                   "of example.org (or stop sending as example.org from it)");
    assert_string_equal(it->evidence, "SPF fail for 3 messages with MAIL FROM domain example.org, "
                                      "from 2 IPs; 198.51.100.7 sent 2 of them");

    it = item(s, "complaint_rate");
    assert_int_equal(it->severity, RS_CRITICAL);
    assert_string_equal(it->evidence, "2 complaints for 90 delivered recipients (2.22%): Gmail "
                                      "asks for under 0.1% and never above 0.3%");

    it = item(s, "ptr_missing");
    assert_int_equal(it->severity, RS_CRITICAL); /* its copies: 2 spam, 0 inbox */
    assert_string_equal(it->evidence,
                        "2 messages sent from 198.51.100.7, which has no PTR record (reverse "
                        "DNS); of the copies found, 2 were placed in spam and 0 in the inbox");

    it = item(s, "spf_too_many_lookups");
    assert_string_equal(it->title,
                        "Flatten the SPF record of big.example: it needs more than 10 DNS lookups");

    it = item(s, "dmarc_aggregate_unauth");
    assert_int_equal(it->score, 70);
    assert_string_equal(it->evidence,
                        "DMARC aggregate reports count 70 of 100 messages as example.org (70.0%) "
                        "from 2 IPs that passed neither DKIM nor SPF; 203.0.113.66 sent 50 of them "
                        "(reported by google.com)");

    it = item(s, "deferrals_rate_limit");
    assert_string_equal(it->title,
                        "Slow down delivery to gmail: fewer connections and messages per hour");
    assert_string_equal(it->evidence, "6 of 102 delivery attempts to gmail (5.9%) were deferred "
                                      "for sending too fast");

    it = item(s, "req_unsubscribe");
    assert_string_equal(it->evidence, "3 of 3 bulk messages from news.example.org fail the "
                                      "requirement \"unsubscribe\" (no List-Unsubscribe)");

    it = item(s, "ptr_not_confirmed");
    assert_int_equal(it->severity, RS_WARNING); /* its copy is in the inbox */
    assert_string_equal(it->title,
                        "Make the PTR name host8.example.net of 198.51.100.8 resolve back to "
                        "198.51.100.8");
    arena_free(a);
    db_close(db);
}

/* Everything passes: nothing fires, and the section says so. */
static void test_clean(void **state)
{
    (void)state;
    struct db *db = new_db();
    arena *a = arena_new();
    struct report r;
    struct rsection *s = build(db, a, &r, NULL); /* empty database */
    assert_int_equal(s->n_items, 0);
    assert_string_equal(s->empty, "no messages or deliveries in this period");

    base(db);
    for (int i = 1; i <= 4; i++)
        msg(db, i, "shop.example.com", i <= 2 ? "spam" : "inbox", NULL, "l.shop.example.com",
            "m@shop.example.com");
    exec(db,
         "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, key_type,"
         " key_bits, key_testing, result, crypto_ok, from_relation, body_partial)"
         " SELECT id, 0, 0, 'shop.example.com', 's1', 'rsa', 2048, 0, 'pass', 1, 'same', 0"
         " FROM messages;"
         "INSERT INTO spf_results(message_id, identity, ip, domain, result)"
         " SELECT id, 'mailfrom', '192.0.2.1', 'shop.example.com', 'pass' FROM messages;"
         "INSERT INTO iprev_results(message_id, ip, result, ptr_names, helo, helo_fqdn,"
         " helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason)"
         " SELECT id, '192.0.2.1', 'pass', 'out.shop.example.com', 'out.shop.example.com', 1, 0,"
         " 1, 1, 1, 'HELO resolves to the client IP and matches its PTR' FROM messages;"
         "INSERT INTO dmarc_results(message_id, from_domain, result, method, policy_domain,"
         " record, policy, testing, spf_aligned, dkim_aligned)"
         " SELECT id, 'shop.example.com', 'pass', 'tree walk', 'shop.example.com',"
         " 'v=DMARC1; p=reject', 'reject', 0, 1, 1 FROM messages;"
         "INSERT INTO requirement_sets(message_id, checks) SELECT id,"
         " '[[\"unsubscribe\",\"pass\",\"ok\"],[\"one_click_unsubscribe\",\"pass\",\"ok\"]]'"
         " FROM messages;"
         "INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits, limit_hits,"
         " rule_set) SELECT id, 1, 5, 0, 1, 0, 'rules' FROM messages;"
         /* a rule on every copy separates nothing */
         "INSERT INTO rule_hits(message_id, rule, score, count, kind, description)"
         " SELECT id, 'MA_COMMON', 1, 1, 'body', 'common' FROM messages;"
         "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50)"
         " INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
         " recipient, status, local, reason, hard, provider, blocklist_misconfig)"
         " SELECT i, i, 1743501600 + i, 'postfix', 'mx1', 'Q' || i, 'n@shop.example.com',"
         " 'r' || i || '@gmail.com', CASE WHEN i = 1 THEN 'bounced' ELSE 'sent' END, 0,"
         " CASE WHEN i = 1 THEN 'userunknown' ELSE 'delivered' END, i = 1, 'gmail', 0 FROM n;"
         /* 1 bounce of 50 = 2%: at the line, but under 3 bounces; one deferral for speed */
         "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
         " recipient, status, local, reason, hard, provider, blocklist_misconfig) VALUES"
         " (60, 60, 1743501700, 'postfix', 'mx1', 'Q2', 'n@shop.example.com', 'r2@gmail.com',"
         " 'deferred', 0, 'speeding', 0, 'gmail', 0);");
    s = build(db, a, &r, NULL);
    if (s->n_items) print_items(s);
    assert_int_equal(s->n_items, 0);
    assert_string_equal(s->empty, "nothing to fix was found in this period");
    arena_free(a);
    db_close(db);
}

/* Values the one-pass DKIM and DMARC groupings must read as SQL does:
 * LIKE folds ASCII case ('Body Hash Mismatch', 'KEY REVOKED') where = does
 * not ('FAIL'); a text key_bits is no number; coalesce(key_type, 'rsa');
 * key_testing = 2 is not 1; From domains that differ in case are two
 * groups; the client of the failing messages is named only when all of
 * them have one and the same (a NULL HELO counts as one value).
 *   a.example (1, 2): body hash fails on both, from two clients;
 *   b.example (3, 4): fails on 3 (no entry hop known); 4 says 'FAIL';
 *   f.example (16, 17): fails on both, both from 192.0.2.7 without HELO;
 *   c.example: 5 key revoked (selector old), 6 key not found (gone), 7
 *     'xkey not found' (neither);
 *   d.example: 8 a 512-bit key without k= (s512), 9 768-bit ed25519, 10
 *     key_bits 'big', 11 a testing key (tst), 12 key_testing = 2;
 *   DMARC: e.example fails on 13 (p=reject) and 14 (no policy: "none"),
 *     E.example on 15 (p=none).
 * Then the same without the body-hash fails (the pass without the fold),
 * and for a period (the joins driven from the period's messages). */
static void test_awkward_values(void **state)
{
    (void)state;
    struct db *db = new_db();
    base(db);
    static const char *const dom[] = {
        "",          "a.example", "a.example", "b.example", "b.example", "c.example",
        "c.example", "c.example", "d.example", "d.example", "d.example", "d.example",
        "d.example", "e.example", "e.example", "E.example", "f.example", "f.example"};
    for (int i = 1; i <= 17; i++) {
        char mid[64];
        snprintf(mid, sizeof mid, "m%d@x.example", i);
        msg(db, i, dom[i], NULL, NULL, NULL, mid);
    }
    exec(db, "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, key_type,"
             " key_bits, key_testing, key_record, result, reason, crypto_ok, from_relation,"
             " body_partial) VALUES"
             " (1, 0, 0, 'a.example', 's', 'rsa', 2048, 0, NULL, 'fail',"
             "  'Body Hash Mismatch (sha256)', 0, 'same', 0),"
             " (2, 0, 0, 'a.example', 's', 'rsa', 2048, 0, NULL, 'fail', 'body hash mismatch', 0,"
             "  'same', 0),"
             " (3, 0, 0, 'b.example', 's', 'rsa', 2048, 0, NULL, 'fail', 'body hash mismatch', 0,"
             "  'same', 0),"
             " (4, 0, 0, 'b.example', 's', 'rsa', 2048, 0, NULL, 'FAIL', 'body hash mismatch', 0,"
             "  'same', 0),"
             " (16, 0, 0, 'f.example', 's', 'rsa', 2048, 0, NULL, 'fail', 'body hash mismatch', 0,"
             "  'same', 0),"
             " (17, 0, 0, 'f.example', 's', 'rsa', 2048, 0, NULL, 'fail', 'body hash mismatch', 0,"
             "  'same', 0),"
             " (5, 0, 0, 'c.example', 'old', NULL, NULL, 0, NULL, 'permerror',"
             "  'KEY REVOKED (empty p=)', 0, 'same', 0),"
             " (6, 0, 0, 'c.example', 'gone', NULL, NULL, 0, NULL, 'permerror',"
             "  'key not found (NXDOMAIN)', 0, 'same', 0),"
             " (7, 0, 0, 'c.example', 'odd', NULL, NULL, 0, NULL, 'permerror', 'xkey not found', 0,"
             "  'same', 0),"
             " (8, 0, 0, 'd.example', 's512', NULL, 512, 0, NULL, 'pass', NULL, 1, 'same', 0),"
             " (9, 0, 0, 'd.example', 'ed', 'ed25519', 768, 0, NULL, 'pass', NULL, 1, 'same', 0),"
             " (10, 0, 0, 'd.example', 'txt', 'rsa', 'big', 0, NULL, 'pass', NULL, 1, 'same', 0),"
             " (11, 0, 0, 'd.example', 'tst', 'rsa', 2048, 1, 'v=DKIM1; t=y; p=MIIB', 'pass', NULL,"
             "  1, 'same', 0),"
             " (12, 0, 0, 'd.example', 'two', 'rsa', 2048, 2, 'v=DKIM1; p=MIIB', 'pass', NULL, 1,"
             "  'same', 0);"
             "INSERT INTO iprev_results(message_id, ip, result, helo, helo_fqdn, helo_ip_literal,"
             " helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason) VALUES"
             " (1, '192.0.2.1', 'pass', 'h1.a.example', 1, 0, 1, 1, 1, 'ok'),"
             " (2, '192.0.2.2', 'pass', 'h2.a.example', 1, 0, 1, 1, 1, 'ok'),"
             " (16, '192.0.2.7', 'pass', NULL, 1, 0, 1, 1, 1, 'ok'),"
             " (17, '192.0.2.7', 'pass', NULL, 1, 0, 1, 1, 1, 'ok');"
             "INSERT INTO dmarc_results(message_id, from_domain, result, method, policy, testing,"
             " spf_aligned, dkim_aligned) VALUES"
             " (13, 'e.example', 'fail', 'tree walk', 'reject', 0, 0, 0),"
             " (14, 'e.example', 'fail', 'tree walk', NULL, 0, 0, 0),"
             " (15, 'E.example', 'fail', 'tree walk', 'none', 0, 0, 0);");
    static const char *const want[] = {
        "dkim_body_hash",      "dkim_body_hash",   "dmarc_fail",       /* critical, 2 */
        "dkim_body_hash",      "dkim_key_missing", "dkim_key_missing", /* critical, 1 */
        "dkim_key_under_1024",                                         /* critical, 1 */
        "dkim_testing_key",    "dmarc_fail",                           /* warning, 1 */
    };
    arena *a = arena_new();
    struct report r;
    for (int pass = 0; pass < 2; pass++) {
        /* pass 1: a period holding every message (r_msg drives the joins) */
        struct rsection *s = build(db, a, &r, pass ? "2025-03-01T00:00:00Z" : NULL);
        assert_keys(s, want, sizeof want / sizeof want[0]);
        const struct ritem *it = &s->items[0];
        assert_string_equal(it->title,
                            "Find what changes the body of a.example's mail after DKIM signing");
        assert_string_equal(it->evidence,
                            "DKIM body hash fails on 2 of 2 messages signed by d=a.example");
        assert_string_equal(it->example, "m1@x.example");
        it = &s->items[1];
        assert_string_equal(it->evidence,
                            "DKIM body hash fails on 2 of 2 messages signed by d=f.example; every "
                            "failing message reached the receivers from ? (192.0.2.7)");
        assert_string_equal(it->example, "m16@x.example");
        it = &s->items[2];
        assert_int_equal(it->severity, RS_CRITICAL);
        assert_string_equal(it->evidence, "DMARC fails on 2 of 2 messages from e.example (policy "
                                          "p=reject: receivers are asked to reject them)");
        assert_string_equal(it->example, "m13@x.example");
        it = &s->items[3];
        assert_int_equal(it->severity, RS_CRITICAL);
        assert_string_equal(it->evidence,
                            "DKIM body hash fails on 1 of 2 messages signed by d=b.example");
        assert_string_equal(it->example, "m3@x.example");
        it = &s->items[4];
        assert_string_equal(it->title, "Publish the DKIM key of selector gone at "
                                       "gone._domainkey.c.example");
        assert_string_equal(it->example, "m6@x.example");
        it = &s->items[5];
        assert_string_equal(it->title,
                            "Sign c.example's mail with a published key: selector old is revoked");
        assert_string_equal(it->evidence, "1 signature by d=c.example s=old fails: "
                                          "old._domainkey.c.example has an empty p= (revoked)");
        it = &s->items[6];
        assert_string_equal(it->title, "Replace the 512-bit DKIM key of selector s512 (d=d.example)"
                                       " with a 2048-bit key");
        assert_string_equal(it->example, "m8@x.example");
        it = &s->items[7];
        assert_int_equal(it->severity, RS_WARNING);
        assert_string_equal(it->title, "Remove t=y from selector tst (tst._domainkey.d.example)");
        assert_string_equal(it->example, "v=DKIM1; t=y; p=MIIB");
        it = &s->items[8];
        assert_int_equal(it->severity, RS_WARNING);
        assert_string_equal(it->evidence,
                            "DMARC fails on 1 of 1 messages from E.example (policy p=none)");
    }
    /* no body hash fails: the pass takes only the rows the key rules read */
    exec(db, "UPDATE dkim_signatures SET reason = 'signature did not verify'"
             " WHERE reason LIKE 'body hash%'");
    struct rsection *s = build(db, a, &r, NULL);
    static const char *const want2[] = {"dmarc_fail",       "dkim_key_missing",
                                        "dkim_key_missing", "dkim_key_under_1024",
                                        "dkim_testing_key", "dmarc_fail"};
    assert_keys(s, want2, sizeof want2 / sizeof want2[0]);
    assert_string_equal(s->items[2].title,
                        "Sign c.example's mail with a published key: selector old is revoked");
    arena_free(a);
    db_close(db);
}

/* The content rule counts the hits on placed copies of scored messages
 * only: messages 1, 2 in spam and 3, 4 in the inbox are scored; 5 (spam)
 * has hits but no score, 6 (scored) has no copy. MA_ONE hits 1, 2, 5 and
 * 6 -> 2 of 2 spam-placed copies and 0 of 2 inbox copies; MA_TWO hits 5
 * only -> nothing. The example is the greatest snippet ('b' of 'a', 'b',
 * and 'z' on message 5), the description the greatest (NULL ignored). */
static void test_content_scope(void **state)
{
    (void)state;
    struct db *db = new_db();
    base(db);
    for (int i = 1; i <= 6; i++) {
        char mid[64];
        snprintf(mid, sizeof mid, "n%d@x.example", i);
        msg(db, i, "x.example",
            i <= 2 || i == 5 ? "spam"
            : i <= 4         ? "inbox"
                             : NULL,
            NULL, NULL, mid);
    }
    exec(db, "INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits,"
             " limit_hits, rule_set) SELECT id, 1, 5, 0, 1, 0, 'rules' FROM messages"
             " WHERE id <> 5;"
             "INSERT INTO rule_hits(message_id, rule, score, count, kind, area, snippet,"
             " description) VALUES"
             " (1, 'MA_ONE', 1, 1, 'body', 'body', 'b', NULL),"
             " (2, 'MA_ONE', 1, 1, 'body', 'body', 'a', 'one'),"
             " (5, 'MA_ONE', 1, 1, 'body', 'body', 'z', 'zz'),"
             " (6, 'MA_ONE', 1, 1, 'body', 'body', 'z', 'zz'),"
             " (5, 'MA_TWO', 1, 1, 'body', 'body', 'x', 'two');");
    arena *a = arena_new();
    struct report r;
    static const char *const want[] = {"content_rule_spam"};
    for (int pass = 0; pass < 2; pass++) {
        struct rsection *s = build(db, a, &r, pass ? "2025-03-01T00:00:00Z" : NULL);
        assert_keys(s, want, 1);
        assert_string_equal(s->items[0].title, "Change the content that triggers MA_ONE (one)");
        assert_string_equal(s->items[0].evidence,
                            "MA_ONE hits 2 of 2 spam-placed copies and 0 of 2 inbox copies");
        assert_string_equal(s->items[0].example, "b");
    }
    arena_free(a);
    db_close(db);
}

/* The content rule's texts, read over the whole database only for the
 * rules a finding cites (content_texts), must be those the period's join
 * reads with every hit, whatever the values: MA_ONE (cited) on 1, 2 in
 * spam with snippets 'b', 'a' and descriptions NULL, 'one'; MA_INBOX on
 * the inbox copies 3, 4 only (not cited) with a blob description and a
 * number as snippet (which the join's pass leaves to SQL). Then one
 * MA_ONE snippet a blob: the cited rule's texts by SQL on both paths. */
static void test_content_texts(void **state)
{
    (void)state;
    struct db *db = new_db();
    base(db);
    for (int i = 1; i <= 4; i++) {
        char mid[64];
        snprintf(mid, sizeof mid, "t%d@x.example", i);
        msg(db, i, "x.example", i <= 2 ? "spam" : "inbox", NULL, NULL, mid);
    }
    exec(db, "INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits,"
             " limit_hits, rule_set) SELECT id, 1, 5, 0, 1, 0, 'rules' FROM messages;"
             "INSERT INTO rule_hits(message_id, rule, score, count, kind, area, snippet,"
             " description) VALUES"
             " (1, 'MA_ONE', 1, 1, 'body', 'body', 'b', NULL),"
             " (2, 'MA_ONE', 1, 1, 'uri', 'body', 'a', 'one'),"
             " (3, 'MA_INBOX', 1, 1, 'body', 'body', 7, x'00ff'),"
             " (4, 'MA_INBOX', 1, 1, 'body', 'body', 'i', 'inbox');");
    arena *a = arena_new();
    static const char *const want[] = {"content_rule_spam"};
    for (int round = 0; round < 2; round++) {
        if (round == 1) exec(db, "UPDATE rule_hits SET snippet = x'7a7a' WHERE message_id = 2");
        struct report r[2];
        const struct rsection *s[2];
        for (int pass = 0; pass < 2; pass++) {
            s[pass] = build(db, a, &r[pass], pass ? "2025-03-01T00:00:00Z" : NULL);
            assert_keys(s[pass], want, 1);
        }
        assert_string_equal(s[0]->items[0].title, "Change the content that triggers MA_ONE (one)");
        assert_string_equal(s[0]->items[0].evidence,
                            "MA_ONE hits 2 of 2 spam-placed copies and 0 of 2 inbox copies");
        if (round == 0) assert_string_equal(s[0]->items[0].example, "b");
        for (int k = 0; k < 2; k++) {
            const char *x = k ? s[0]->items[0].example : s[0]->items[0].title;
            const char *y = k ? s[1]->items[0].example : s[1]->items[0].title;
            assert_true((x == NULL) == (y == NULL));
            if (x) assert_string_equal(x, y);
        }
    }
    arena_free(a);
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_campaign),      cmocka_unit_test(test_delivery_and_auth),
        cmocka_unit_test(test_clean),         cmocka_unit_test(test_awkward_values),
        cmocka_unit_test(test_content_scope), cmocka_unit_test(test_content_texts),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
