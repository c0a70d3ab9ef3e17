/* Unit tests for the report's Content, Delivery and Feedback sections
 * (report/sec_content.c, sec_delivery.c, sec_feedback.c). A small database
 * is built by hand (rows INSERTed into the tables the ingest writes), the
 * scope is opened with and without --since/--until/--domain, and the
 * sections' facts, table cells and chart values are compared with values
 * worked out by hand from the rows below (the arithmetic is in comments).
 * An empty database gives every section its `empty` line; hostile strings
 * (markup, quotes, control bytes, invalid UTF-8) reach the model byte for
 * byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/rctx.h"
#include "store/db.h"

static char path[128];

/* Hostile strings, stored raw. */
static const char hostile_subject[] = "<script>alert(1)</script> \"q\" '\x01\x1b[31m \xff\xfe end";
static const char hostile_reply[] =
    "host mx.outlook.com[1.2.3.4] said: 550 5.7.1 <script>alert(1)</script> \"q\" \x01 \xff listed";
/* the example shown: the reply with "... said: " cut */
static const char hostile_reply_shown[] =
    "550 5.7.1 <script>alert(1)</script> \"q\" \x01 \xff listed";

/* Epoch seconds of the delivery times (checked with Python's calendar.timegm). */
#define T_0331_0900 "1743411600"
#define T_0401_1000 "1743501600"
#define T_0401_1005 "1743501900"
#define T_0401_1006 "1743502000" /* 10:06:40 */
#define T_0401_1010 "1743502200"
#define T_0401_1030 "1743503400"
#define T_0401_1100 "1743505200"
#define T_0401_1200 "1743508800"
#define T_0401_1300 "1743512400"

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mailaudit-secb-XXXXXX";
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

/* A message row; text fields bound (so any bytes go in). */
static void message(sqlite3 *h, int id, const char *subject, const char *from, const char *arrival,
                    const char *placement, const char *feedback_kind, const char *mid)
{
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(h,
                           "INSERT INTO messages(id, sha256, size, message_id, subject,"
                           " from_address, from_domain, arrival, placement, n_parts, n_attachments,"
                           " n_received, n_anomalies, header_block, first_source_id, first_offset,"
                           " feedback_kind) VALUES (?1, 'sha' || ?1, 100, ?2, ?3, ?4,"
                           " lower(substr(?4, instr(?4, '@') + 1)), ?5, ?6, 1, 0, 0, 0, x'', 1, 0,"
                           " ?7)",
                           -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int(s, 1, id);
    sqlite3_bind_text(s, 2, mid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, arrival, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, placement, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, feedback_kind, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
}

static struct db *new_db(void)
{
    unlink(path);
    struct db *db;
    char err[600];
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    exec((sqlite3 *)db_handle(db),
         "INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
         " first_read, last_read) VALUES (1, '/x', 'message', 'file', 0, 1, 1, 'done',"
         " '2025-04-01T00:00:00Z', '2025-04-01T00:00:00Z')");
    return db;
}

/* The fixture database: see the file comment; numbers in the tests. */
static struct db *fixture(void)
{
    struct db *db = new_db();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    /* sent mail */
    message(h, 1, hostile_subject, "a@ex.com", "2025-04-01T10:00:00Z", "spam", NULL, "m1@ex.com");
    message(h, 2, "two", "b@ex.com", "2025-04-01T11:00:00Z", "inbox", NULL, "m2@ex.com");
    message(h, 3, "three", "c@ex.com", "2025-03-30T09:00:00Z", "spam", NULL, "m3@ex.com");
    message(h, 4, "four", "d@ex.com", "2025-04-01T12:00:00Z", "inbox", NULL, "m4@ex.com");
    /* feedback carriers */
    message(h, 5, "Undelivered", "mailer-daemon@outlook.com", "2025-04-01T10:07:00Z", "unknown",
            "bounce", "b1@outlook.com");
    message(h, 6, "Report domain: example.com", "noreply-dmarc-support@google.com",
            "2025-04-02T01:00:00Z", "unknown", "dmarc-aggregate", "agg1@google.com");
    message(h, 7, "complaint", "feedback@yahoo.com", "2025-04-02T02:00:00Z", "unknown", "complaint",
            "arf1@yahoo.com");
    message(h, 8, "ruf", "ruf@gmail.com", "2025-03-31T00:00:00Z", "unknown", "dmarc-failure",
            "ruf1@gmail.com");
    message(h, 9, "TLS report", "tls@example.net", "2025-04-02T03:00:00Z", "unknown", "tlsrpt",
            "tls1@example.net");
    message(h, 10, "Out of office", "bob@partner.example", "2025-04-01T16:00:00Z", "unknown",
            "autoreply", "ooo1@partner.example");
    message(h, 11, "Report domain: other.org", "dmarc@outlook.com", "2025-03-21T01:00:00Z",
            "unknown", "dmarc-aggregate", "agg2@outlook.com");
    exec(h,
         /* scores: 7.5 = R_A 5 + R_B 2.5; 0.5 = R_B 2.5 + R_D -2; 12 = R_A 5 + R_E 7; -2 = R_D */
         "INSERT INTO content_scores VALUES (1, 7.5, 5.0, 1, 2, 0, 'rules'),"
         " (2, 0.5, 5.0, 0, 2, 0, 'rules'), (3, 12.0, 5.0, 1, 2, 0, 'rules'),"
         " (4, -2.0, 5.0, 0, 1, 0, 'rules'), (5, 20.0, 5.0, 1, 1, 0, 'rules');"
         "INSERT INTO rule_hits VALUES (1, 'R_A', 5.0, 1, 'body', 'body', NULL, 'rule a'),"
         " (1, 'R_B', 2.5, 1, 'header', 'header:Subject', NULL, 'rule b'),"
         " (2, 'R_B', 2.5, 1, 'header', 'header:Subject', NULL, 'rule b'),"
         " (2, 'R_D', -2.0, 1, 'meta', 'meta', NULL, 'rule d'),"
         " (3, 'R_A', 5.0, 1, 'body', 'body', NULL, 'rule a'),"
         " (3, 'R_E', 7.0, 1, 'uri', 'uri', NULL, 'rule e'),"
         " (4, 'R_D', -2.0, 1, 'meta', 'meta', NULL, 'rule d'),"
         " (5, 'R_Z', 20.0, 1, 'body', 'body', NULL, 'rule z');");
    exec(h,
         /* attachments */
         "INSERT INTO parts(id, message_id, path, depth, content_type, filename, detected_type,"
         " is_attachment) VALUES"
         " (10, 1, '1', 0, 'multipart/mixed', NULL, NULL, 0),"
         " (11, 1, '1.1', 1, 'text/plain', NULL, 'text', 0),"
         " (12, 1, '1.2', 1, 'application/octet-stream', 'invoice.pdf.exe', 'pe', 1),"
         " (13, 1, '1.3', 1, 'application/zip', 'docs.zip', 'zip', 1),"
         " (14, 1, '1.4', 1, 'application/pdf', 'report.pdf', 'pe', 1),"
         " (15, 1, '1.5', 1, 'text/plain', 'run.JS ', 'text', 1),"
         " (16, 1, '1.6', 1, 'image/png', 'logo.png', 'png', 1),"
         " (30, 3, '1', 0, 'application/octet-stream', 'tool.exe', 'pe', 1),"
         " (50, 5, '1', 0, 'application/octet-stream', 'x.exe', 'pe', 1);"
         "INSERT INTO archive_members VALUES (13, 0, 'setup.scr', 10, 5, 0, 0),"
         " (13, 1, 'notes.txt', 10, 5, 0, 0), (13, 2, 'inner.rar', 10, 5, 0, 0),"
         " (13, 3, 'secret.docx', 10, 5, 1, 0), (13, 4, 'dir/', 0, 0, 0, 1);");
    exec(h,
         /* deliveries (MTA log) */
         "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
         " sender, recipient, recipient_domain, status, dsn, reply_text, delay, local, reason,"
         " hard, provider, blocklist, blocklist_misconfig) VALUES"
         " (1, 1, " T_0401_1000 ", 'postfix', 'h', 'Q1', 'm1@ex.com', 'a@ex.com', 'a@gmail.com',"
         "  'gmail.com', 'deferred', '4.7.28', '421 4.7.28 slow down', NULL, 0, 'speeding', 0,"
         "  'gmail', NULL, 0),"
         " (2, 2, " T_0401_1100 ", 'postfix', 'h', 'Q1', 'm1@ex.com', 'a@ex.com', 'a@gmail.com',"
         "  'gmail.com', 'sent', '2.0.0', '250 ok', 3600, 0, 'delivered', 0, 'gmail', NULL, 0),"
         " (3, 3, " T_0401_1030 ", 'postfix', 'h', 'Q1', 'm1@ex.com', 'a@ex.com', 'b@gmail.com',"
         "  'gmail.com', 'sent', '2.0.0', '250 ok', 10, 0, 'delivered', 0, 'gmail', NULL, 0),"
         " (4, 4, " T_0401_1005 ", 'postfix', 'h', 'Q2', 'm2@ex.com', 'b@ex.com',"
         "  'c@outlook.com', 'outlook.com', 'bounced', '5.7.1', NULL, NULL, 0, 'blocked', 0,"
         "  'microsoft', 'spamhaus-zen', 0),"
         " (5, 5, " T_0401_1200 ", 'postfix', 'h', NULL, NULL, 'b@ex.com', 'd@yahoo.com',"
         "  'yahoo.com', 'rejected', NULL, '554 open resolver', NULL, 0, 'blocked', 0, 'yahoo',"
         "  'spamhaus-zen', 1),"
         " (6, 6, " T_0331_0900 ", 'postfix', 'h', 'Q3', 'm3@ex.com', 'c@ex.com', 'e@gmail.com',"
         "  'gmail.com', 'sent', '2.0.0', '250 ok', 5, 0, 'delivered', 0, 'gmail', NULL, 0),"
         " (7, 7, " T_0401_1300 ", 'postfix', 'h', 'Q4', 'm4@ex.com', 'd@ex.com',"
         "  'f@example.org', 'example.org', 'expired', NULL, NULL, NULL, 0, 'expired', 0, NULL,"
         "  NULL, 0),"
         " (8, 8, " T_0401_1010 ", 'postfix', 'h', 'Q5', 'm4@ex.com', 'd@ex.com', 'g@gmail.com',"
         "  'gmail.com', 'sent', '2.0.0', '250 ok', 20, 0, 'delivered', 0, 'gmail', NULL, 0);");
    exec(h,
         /* a bounce message (carrier 5) and an auto-reply (carrier 10) */
         "INSERT INTO bounce_messages(id, message_id, kind, format, evidence, orig_message_id,"
         " orig_from, n_recipients, dropped_recipients) VALUES"
         " (1, 5, 'bounce', 'rfc3464', 'delivery-status part', 'm2@ex.com', 'a@ex.com', 1, 0),"
         " (2, 10, 'autoreply', 'autoreply', 'Auto-Submitted: auto-replied', NULL, NULL, 1, 0);"
         "INSERT INTO bounce_recipients(id, bounce, time, recipient, recipient_domain, action,"
         " status, dsn, reply_text, reason, hard, provider, blocklist, blocklist_misconfig) VALUES"
         " (1, 1, " T_0401_1006 ", 'c@outlook.com', 'outlook.com', 'failed', 'bounced', '5.7.1',"
         "  '550 5.7.1 listed', 'blocked', 0, 'microsoft', 'spamhaus-zen', 0),"
         " (2, 2, " T_0401_1006 ", 'bob@partner.example', 'partner.example', 'delivered', 'sent',"
         "  NULL, NULL, NULL, 0, NULL, NULL, 0);");
    exec(h,
         /* DMARC aggregate reports: 8 pass + 2 fail for example.com on 04-01, 5 fail for
          * other.org on 03-20 */
         "INSERT INTO dmarc_reports(id, message_id, org_name, report_id, date_begin, date_end,"
         " domain, n_rows, n_messages, status) VALUES"
         " (1, 6, 'google.com', 'r1', '2025-04-01T00:00:00Z', '2025-04-01T23:59:59Z',"
         "  'example.com', 2, 10, 'complete'),"
         " (2, 11, 'Outlook', 'r2', '2025-03-20T00:00:00Z', '2025-03-20T23:59:59Z', 'other.org',"
         "  1, 5, 'complete');"
         "INSERT INTO dmarc_report_rows(report, source_ip, count, disposition, dkim, spf,"
         " header_from, envelope_from, dkim_domain) VALUES"
         " (1, '192.0.2.1', 8, 'none', 'pass', 'pass', 'example.com', 'example.com',"
         "  'example.com'),"
         " (1, '203.0.113.9', 2, 'reject', 'fail', 'fail', 'example.com', 'spoof.example', NULL),"
         " (2, '198.51.100.1', 5, 'none', 'fail', 'fail', 'other.org', 'other.org', NULL);");
    exec(h,
         /* a complaint (3 incidents, 04-01 15:00) and a DMARC failure report (carrier 03-31) */
         "INSERT INTO feedback_reports(id, message_id, format, feedback_type, reporter,"
         " incidents, arrival_date, orig_feedback_id, orig_from, orig_subject, orig_message_id,"
         " reported_domain, auth_failure, source_ip, dkim_domain) VALUES"
         " (1, 7, 'arf', 'abuse', 'yahoo', 3, '2025-04-01T15:00:00Z', 'camp1',"
         "  'News <news@example.com>', 'Sale', 'nowhere@ex.com', NULL, NULL, NULL, NULL),"
         " (2, 8, 'arf', 'auth-failure', 'gmail', 1, NULL, NULL, NULL, 'Hi', NULL, 'example.com',"
         "  'dkim', '203.0.113.9', 'example.com');");
    exec(h,
         /* a TLS report: 90 sessions ok, 10 failed */
         "INSERT INTO tlsrpt_reports(id, message_id, organization_name, report_id, date_begin,"
         " date_end) VALUES (1, 9, 'Example Net', 't1', '2025-04-01T00:00:00Z',"
         " '2025-04-01T23:59:59Z');"
         "INSERT INTO tlsrpt_policies(id, report, policy_type, policy_domain, total_successful,"
         " total_failure) VALUES (1, 1, 'sts', 'example.com', 90, 10);"
         "INSERT INTO tlsrpt_failures(policy, result_type, receiving_mx_hostname,"
         " failed_session_count) VALUES (1, 'certificate-expired', 'mx1.example.com', 10);");
    /* the hostile reply, bound */
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(h, "UPDATE log_deliveries SET reply_text = ?1 WHERE id = 4",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, hostile_reply, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    return db;
}

/* ---- looking things up in the model ---- */

struct run {
    struct report r;
    struct rctx c;
    struct rsection *s;
};

static void run_section(struct run *x, struct db *db, int (*fn)(struct rctx *), const char *since,
                        const char *until, const char *domain)
{
    memset(x, 0, sizeof *x);
    x->r.a = arena_new();
    struct rscope sc = {.since = since, .until = until, .domain = domain};
    assert_int_equal(rctx_open(&x->c, &x->r, (sqlite3 *)db_handle(db), &sc), 0);
    int rc = fn(&x->c);
    if (rc != 0) fprintf(stderr, "section error: %s\n", x->c.err);
    assert_int_equal(rc, 0);
    assert_int_equal(x->r.n_sec, 1);
    x->s = x->r.sec[0];
}

static void run_free(struct run *x)
{
    arena_free(x->r.a);
}

static const struct rfact *fact(const struct rsection *s, const char *key)
{
    for (size_t i = 0; i < s->n_facts; i++)
        if (strcmp(s->facts[i].key, key) == 0) return &s->facts[i];
    fail_msg("no fact %s", key);
    return NULL;
}

static const struct rtable *table(const struct rsection *s, const char *id)
{
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i]->id, id) == 0) return s->tables[i];
    fail_msg("no table %s", id);
    return NULL;
}

static const struct rchart *chart(const struct rsection *s, const char *id)
{
    for (size_t i = 0; i < s->n_charts; i++)
        if (strcmp(s->charts[i]->id, id) == 0) return s->charts[i];
    fail_msg("no chart %s", id);
    return NULL;
}

static struct rval cell(const struct rtable *t, size_t row, const char *key)
{
    assert_true(row < t->n_rows);
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k].key, key) == 0) return t->cells[row * t->n_cols + k];
    fail_msg("no column %s in %s", key, t->id);
    return rv_null();
}

/* The row whose column `key` is the text `v`, or -1. */
static long row_with(const struct rtable *t, const char *key, const char *v)
{
    for (size_t r = 0; r < t->n_rows; r++) {
        struct rval c = cell(t, r, key);
        if (c.k == RK_TEXT && strcmp(c.s, v) == 0) return (long)r;
    }
    return -1;
}

static double chart_value(const struct rchart *c, const char *series, const char *label)
{
    for (size_t s = 0; s < c->n_series; s++)
        if (strcmp(c->series[s], series) == 0)
            for (size_t l = 0; l < c->n_labels; l++)
                if (strcmp(c->labels[l], label) == 0) return c->values[s * c->n_labels + l];
    fail_msg("no value %s/%s in %s", series, label, c->id);
    return -1;
}

#define assert_int_cell(t, row, key, v)                                                            \
    do {                                                                                           \
        struct rval c_ = cell(t, row, key);                                                        \
        assert_int_equal(c_.k, RK_INT);                                                            \
        assert_int_equal(c_.i, v);                                                                 \
    } while (0)
#define assert_text_cell(t, row, key, v)                                                           \
    do {                                                                                           \
        struct rval c_ = cell(t, row, key);                                                        \
        assert_true(c_.k == RK_TEXT || c_.k == RK_TIME);                                           \
        assert_string_equal(c_.s, v);                                                              \
    } while (0)
#define assert_num(v, kind, x)                                                                     \
    do {                                                                                           \
        struct rval v_ = (v);                                                                      \
        assert_int_equal(v_.k, kind);                                                              \
        assert_true(fabs(v_.d - (x)) < 1e-9);                                                      \
    } while (0)

/* ---- content ---- */

static void content_whole(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    run_section(&x, db, sec_content, NULL, NULL, NULL);
    const struct rsection *s = x.s;
    assert_string_equal(s->id, "content");
    assert_string_equal(s->title, "Content");
    assert_null(s->empty);
    /* messages 1-4 (5 is a bounce carrier): mean (7.5 + 0.5 + 12 - 2) / 4 = 4.5; 2 of 4 spam */
    assert_int_equal(fact(s, "messages_scored")->v.i, 4);
    assert_num(fact(s, "mean_score")->v, RK_REAL, 4.5);
    assert_num(fact(s, "over_threshold_share")->v, RK_PCT, 0.5);
    const struct rchart *h = chart(s, "score_distribution");
    assert_int_equal(h->kind, RC_BARS);
    assert_int_equal(h->n_labels, 12); /* <0, 0-1 ... 9-10, >=10 */
    assert_string_equal(h->labels[0], "<0");
    assert_string_equal(h->labels[1], "0-1");
    assert_string_equal(h->labels[11], ">=10");
    assert_string_equal(h->unit, "messages");
    double total = 0;
    for (size_t l = 0; l < h->n_labels; l++)
        total += h->values[l];
    assert_true(total == 4);
    assert_true(chart_value(h, "messages", "<0") == 1);   /* -2 */
    assert_true(chart_value(h, "messages", "0-1") == 1);  /* 0.5 */
    assert_true(chart_value(h, "messages", "7-8") == 1);  /* 7.5 */
    assert_true(chart_value(h, "messages", ">=10") == 1); /* 12 */
    /* rules: R_A (1, 3), R_B (1, 2), R_D (2, 4): 2 of 4 each; R_E 1; R_Z only on the bounce */
    const struct rtable *t = table(s, "top_rules");
    assert_int_equal(t->n_rows, 4);
    assert_false(t->truncated);
    assert_text_cell(t, 0, "rule", "R_A");
    assert_text_cell(t, 0, "description", "rule a");
    assert_int_cell(t, 0, "messages", 2);
    assert_num(cell(t, 0, "share"), RK_PCT, 0.5);
    assert_num(cell(t, 0, "score"), RK_REAL, 5.0);
    assert_text_cell(t, 1, "rule", "R_B");
    assert_text_cell(t, 2, "rule", "R_D");
    assert_num(cell(t, 2, "score"), RK_REAL, -2.0);
    assert_text_cell(t, 3, "rule", "R_E");
    assert_num(cell(t, 3, "share"), RK_PCT, 0.25);
    assert_int_equal(row_with(t, "rule", "R_Z"), -1);
    /* highest scores: 3 (12, R_E), 1 (7.5, R_A), 2 (0.5, R_B), 4 (-2, R_D) */
    t = table(s, "top_messages");
    assert_int_equal(t->n_rows, 4);
    assert_text_cell(t, 0, "subject", "three");
    assert_num(cell(t, 0, "score"), RK_REAL, 12.0);
    assert_text_cell(t, 0, "top_rule", "R_E");
    assert_text_cell(t, 1, "subject", hostile_subject); /* raw bytes */
    assert_text_cell(t, 1, "from", "a@ex.com");
    assert_text_cell(t, 1, "top_rule", "R_A");
    assert_text_cell(t, 1, "placement", "spam");
    assert_text_cell(t, 1, "message_id", "m1@ex.com");
    assert_text_cell(t, 2, "top_rule", "R_B");
    assert_text_cell(t, 3, "subject", "four");
    /* attachments: 7 risky, logo.png, notes.txt, the directory and x.exe (bounce) not */
    t = table(s, "risky_attachments");
    assert_int_equal(t->n_rows, 7);
    long r = row_with(t, "file_name", "invoice.pdf.exe");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "double extension");
    assert_text_cell(t, (size_t)r, "detected_type", "pe");
    assert_int_cell(t, (size_t)r, "messages", 1);
    r = row_with(t, "file_name", "setup.scr");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "executable in archive");
    assert_text_cell(t, (size_t)r, "in_archive", "docs.zip");
    r = row_with(t, "file_name", "report.pdf");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "executable content");
    r = row_with(t, "file_name", "run.JS ");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "dangerous extension");
    r = row_with(t, "file_name", "secret.docx");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "encrypted archive member");
    r = row_with(t, "file_name", "inner.rar");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "archive in archive");
    r = row_with(t, "file_name", "tool.exe");
    assert_true(r >= 0);
    assert_text_cell(t, (size_t)r, "risk", "executable content"); /* pe bytes first */
    assert_int_equal(row_with(t, "file_name", "logo.png"), -1);
    assert_int_equal(row_with(t, "file_name", "notes.txt"), -1);
    assert_int_equal(row_with(t, "file_name", "x.exe"), -1);
    run_free(&x);
    db_close(db);
}

/* Every message sent (the feedback kinds cleared): the whole scope reads
 * rule_hits alone (rctx_all_sent), and the bounce carrier's R_Z counts. */
static void content_all_sent(void **state)
{
    (void)state;
    struct db *db = fixture();
    exec((sqlite3 *)db_handle(db), "UPDATE messages SET feedback_kind = NULL");
    struct run x;
    run_section(&x, db, sec_content, NULL, NULL, NULL);
    assert_true(rctx_all_sent(&x.c));
    const struct rsection *s = x.s;
    /* messages 1-5 scored now: R_A 2 of 5, R_Z (message 5) 1 of 5 */
    assert_int_equal(fact(s, "messages_scored")->v.i, 5);
    const struct rtable *t = table(s, "top_rules");
    assert_int_equal(t->n_rows, 5);
    long z = row_with(t, "rule", "R_Z");
    assert_true(z >= 0);
    assert_int_cell(t, (size_t)z, "messages", 1);
    assert_num(cell(t, (size_t)z, "share"), RK_PCT, 0.2);
    assert_num(cell(t, (size_t)z, "score"), RK_REAL, 20.0);
    run_free(&x);
    /* a period: not the whole database, the join */
    run_section(&x, db, sec_content, "2025-03-01T00:00:00Z", NULL, NULL);
    assert_false(rctx_all_sent(&x.c));
    run_free(&x);
    db_close(db);
}

/* The score facts and histogram over the whole database read
 * content_scores alone when every message is sent mail (rctx_all_sent),
 * else through the join with r_msg: both must add the same totals in the
 * same order (the mean is a sum of doubles in row order, as avg() makes
 * it). Totals chosen so that another order changes the sum (1e16 and 1
 * absorb each other), negative, past the histogram's top and fractional;
 * is_spam an integer or a REAL; thresholds of two rule sets. */
static void content_scores_alone(void **state)
{
    (void)state;
    struct db *db = fixture();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    exec(h, "UPDATE messages SET feedback_kind = NULL;"
            "DELETE FROM content_scores;"
            "INSERT INTO content_scores VALUES (7, 1.0, 5.0, 0, 0, 0, 'rules'),"
            " (2, 1e16, 5.0, 1, 0, 0, 'rules'), (9, -1e16, 4.5, 0, 0, 0, 'rules'),"
            " (4, 1.0, 5.0, 0.5, 0, 0, 'rules'), (11, 63.25, 6.0, 1, 0, 0, 'rules'),"
            " (1, -0.5, 5.0, 0, 0, 0, 'rules'), (5, 9.99, 5.0, 1, 0, 0, 'rules')");
    struct run x[2];
    for (int k = 0; k < 2; k++) {
        run_section(&x[k], db, sec_content, k ? "2025-03-01T00:00:00Z" : NULL, NULL, NULL);
        assert_true(rctx_all_sent(&x[k].c) == (k == 0));
    }
    static const char *const keys[] = {"messages_scored", "mean_score", "over_threshold_share"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct rfact *a = fact(x[0].s, keys[i]), *b = fact(x[1].s, keys[i]);
        assert_int_equal(a->v.k, b->v.k);
        if (a->v.k == RK_INT)
            assert_int_equal(a->v.i, b->v.i);
        else
            assert_memory_equal(&a->v.d, &b->v.d, sizeof a->v.d); /* the same bits */
    }
    assert_int_equal(fact(x[0].s, "messages_scored")->v.i, 7);
    const struct rchart *ca = chart(x[0].s, "score_distribution"),
                        *cb = chart(x[1].s, "score_distribution");
    assert_int_equal(ca->n_labels, cb->n_labels);
    for (size_t l = 0; l < ca->n_labels; l++) {
        assert_string_equal(ca->labels[l], cb->labels[l]);
        assert_true(ca->values[l] == cb->values[l]);
    }
    assert_int_equal(x[0].s->n_notes, x[1].s->n_notes);
    for (size_t i = 0; i < x[0].s->n_notes; i++)
        assert_string_equal(x[0].s->notes[i], x[1].s->notes[i]);
    for (int k = 0; k < 2; k++)
        run_free(&x[k]);
    db_close(db);
}

/* The rules' points per hit (PER_HIT, a CASE) against SQL's max(score /
 * max(count, 1)) per rule, one decisive hit each: counts 0, negative, 2,
 * REAL 2.5 and 0.5, text and blob (a division by them is NULL, which max
 * skips beside a number), over the whole database and a period. */
static void content_points_per_hit(void **state)
{
    (void)state;
    struct db *db = fixture();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    exec(h, "DELETE FROM rule_hits;"
            "INSERT INTO rule_hits VALUES (1, 'R_ZERO', 3.0, 0, 'body', 'body', NULL, 'z'),"
            " (2, 'R_NEG', 1.0, -2, 'body', 'body', NULL, 'n'),"
            " (1, 'R_TWO', 5.0, 2, 'body', 'body', NULL, 't'),"
            " (1, 'R_REAL', 5.0, 2.5, 'body', 'body', NULL, 'r'),"
            " (2, 'R_HALF', 1.0, 0.5, 'body', 'body', NULL, 'h'),"
            " (1, 'R_TEXT', 4.0, 'x', 'body', 'body', NULL, 'x'),"
            " (1, 'R_BLOB', 4.0, x'01', 'body', 'body', NULL, 'b'),"
            " (2, 'R_MIX', 4.0, 'x', 'body', 'body', NULL, 'm'),"
            " (3, 'R_MIX', -1.0, 4, 'body', 'body', NULL, 'm')");
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(h,
                                        "SELECT rule, max(score / max(count, 1)) FROM rule_hits"
                                        " WHERE message_id <= 4 GROUP BY rule",
                                        -1, &q, NULL),
                     SQLITE_OK);
    for (int k = 0; k < 2; k++) {
        struct run x;
        run_section(&x, db, sec_content, k ? "2025-03-01T00:00:00Z" : NULL, NULL, NULL);
        const struct rtable *t = table(x.s, "top_rules");
        assert_int_equal(t->n_rows, 8);
        int n = 0;
        while (sqlite3_step(q) == SQLITE_ROW) {
            long r = row_with(t, "rule", (const char *)sqlite3_column_text(q, 0));
            assert_true(r >= 0);
            struct rval v = cell(t, (size_t)r, "score");
            if (sqlite3_column_type(q, 1) == SQLITE_NULL)
                assert_int_equal(v.k, RK_NULL);
            else
                assert_num(v, RK_REAL, sqlite3_column_double(q, 1));
            n++;
        }
        sqlite3_reset(q);
        assert_int_equal(n, 8);
        run_free(&x);
    }
    sqlite3_finalize(q);
    db_close(db);
}

static void content_since(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    /* message 3 (03-30) is out: 7.5, 0.5, -2 -> mean 2, 1 of 3 spam */
    run_section(&x, db, sec_content, "2025-04-01T00:00:00Z", NULL, NULL);
    const struct rsection *s = x.s;
    assert_int_equal(fact(s, "messages_scored")->v.i, 3);
    assert_num(fact(s, "mean_score")->v, RK_REAL, 2.0);
    assert_num(fact(s, "over_threshold_share")->v, RK_PCT, 1.0 / 3);
    const struct rchart *h = chart(s, "score_distribution");
    assert_true(chart_value(h, "messages", ">=10") == 0);
    assert_true(chart_value(h, "messages", "7-8") == 1);
    const struct rtable *t = table(s, "top_rules");
    /* R_B and R_D: 2 of 3; R_A 1 of 3; R_E gone */
    assert_int_equal(t->n_rows, 3);
    assert_text_cell(t, 0, "rule", "R_B");
    assert_num(cell(t, 0, "share"), RK_PCT, 2.0 / 3);
    assert_text_cell(t, 1, "rule", "R_D");
    assert_text_cell(t, 2, "rule", "R_A");
    assert_num(cell(t, 2, "share"), RK_PCT, 1.0 / 3);
    t = table(s, "top_messages");
    assert_int_equal(t->n_rows, 3);
    assert_text_cell(t, 0, "subject", hostile_subject);
    t = table(s, "risky_attachments");
    assert_int_equal(t->n_rows, 6);
    assert_int_equal(row_with(t, "file_name", "tool.exe"), -1);
    run_free(&x);
    db_close(db);
}

/* More rules than the limit: truncated at 20. */
static void content_truncated(void **state)
{
    (void)state;
    struct db *db = fixture();
    sqlite3 *h = (sqlite3 *)db_handle(db);
    exec(h, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)"
            " INSERT INTO rule_hits SELECT 4, printf('X_%02d', i), 0.1, 1, 'body', 'body', NULL,"
            " NULL FROM n");
    struct run x;
    run_section(&x, db, sec_content, NULL, NULL, NULL);
    const struct rtable *t = table(x.s, "top_rules");
    assert_int_equal(t->n_rows, 20);
    assert_true(t->truncated);
    assert_int_equal(t->limit, 20);
    run_free(&x);
    db_close(db);
}

/* ---- delivery ---- */

static void delivery_whole(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    run_section(&x, db, sec_delivery, NULL, NULL, NULL);
    const struct rsection *s = x.s;
    assert_string_equal(s->id, "delivery");
    assert_string_equal(s->title, "Delivery");
    assert_null(s->empty);
    /* final outcomes (log): Q1/a sent, Q1/b sent, Q2/c bounced, d rejected, Q3/e sent,
     * Q4/f expired, Q5/g sent = 7 recipients, 4 sent, 3 failed; 1 of 8 attempts deferred;
     * blocklist: row 4 and the bounce row (row 5 is the receiver's misconfiguration) */
    assert_int_equal(fact(s, "recipients")->v.i, 7);
    assert_num(fact(s, "delivered_share")->v, RK_PCT, 4.0 / 7);
    assert_num(fact(s, "bounce_rate")->v, RK_PCT, 3.0 / 7);
    assert_num(fact(s, "deferral_rate")->v, RK_PCT, 1.0 / 8);
    assert_int_equal(fact(s, "blocklist_hits")->v.i, 2);
    /* by provider: gmail 4 (4 sent), microsoft 1 bounced, yahoo 1 rejected, other 1 expired */
    const struct rtable *t = table(s, "by_provider");
    assert_int_equal(t->n_rows, 4);
    assert_text_cell(t, 0, "provider", "gmail");
    assert_int_cell(t, 0, "recipients", 4);
    assert_int_cell(t, 0, "sent", 4);
    assert_int_cell(t, 0, "deferred", 0);
    assert_num(cell(t, 0, "delivered_rate"), RK_PCT, 1.0);
    assert_num(cell(t, 0, "bounce_rate"), RK_PCT, 0.0);
    long r = row_with(t, "provider", "microsoft");
    assert_true(r >= 0);
    assert_int_cell(t, (size_t)r, "bounced", 1);
    assert_num(cell(t, (size_t)r, "bounce_rate"), RK_PCT, 1.0);
    r = row_with(t, "provider", "other");
    assert_true(r >= 0);
    assert_int_cell(t, (size_t)r, "expired", 1);
    t = table(s, "by_provider_bounce_messages");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "provider", "microsoft");
    assert_int_cell(t, 0, "bounced", 1);
    /* reasons: blocked (rows 4, 5 in the log; the bounce row) and expired */
    t = table(s, "bounce_reasons");
    assert_int_equal(t->n_rows, 2);
    assert_text_cell(t, 0, "reason", "blocked");
    assert_text_cell(t, 0, "kind", "soft");
    assert_int_cell(t, 0, "attempts", 2);
    assert_int_cell(t, 0, "recipients", 2);
    assert_int_cell(t, 0, "domains", 2);
    assert_int_cell(t, 0, "bounce_messages", 1);
    assert_text_cell(t, 1, "reason", "expired");
    t = table(s, "deferral_reasons");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "reason", "speeding");
    assert_int_cell(t, 0, "attempts", 1);
    /* blocklists: spamhaus-zen twice (10:05 log, 10:06:40 bounce); misconfiguration apart */
    t = table(s, "blocklists");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "blocklist", "spamhaus-zen");
    assert_int_cell(t, 0, "times", 2);
    assert_text_cell(t, 0, "first", "2025-04-01T10:05:00Z");
    assert_text_cell(t, 0, "last", "2025-04-01T10:06:40Z");
    t = table(s, "blocklist_misconfig");
    assert_int_equal(t->n_rows, 1);
    assert_int_cell(t, 0, "times", 1);
    assert_text_cell(t, 0, "example", "554 open resolver");
    /* replies: microsoft/blocked/5.7.1 (1 log + 1 bounce) first; its example the hostile
     * reply without "host ... said: " (it sorts before "550 5.7.1 listed") */
    t = table(s, "top_replies");
    assert_int_equal(t->n_rows, 3);
    assert_text_cell(t, 0, "provider", "microsoft");
    assert_int_cell(t, 0, "attempts", 1);
    assert_int_cell(t, 0, "bounce_messages", 1);
    assert_text_cell(t, 0, "example", hostile_reply_shown);
    /* delays of sent deliveries: 5, 10, 20, 3600: median rank 2 = 10, p90 rank 4 = 3600 */
    t = table(s, "delays");
    assert_int_equal(t->n_rows, 2);
    assert_text_cell(t, 0, "provider", "all providers");
    assert_int_cell(t, 0, "deliveries", 4);
    assert_num(cell(t, 0, "median"), RK_REAL, 10);
    assert_num(cell(t, 0, "p90"), RK_REAL, 3600);
    assert_num(cell(t, 0, "max"), RK_REAL, 3600);
    assert_text_cell(t, 1, "provider", "gmail");
    /* the timeline: 03-31 09h to 04-01 13h = 29 hours */
    const struct rchart *c = chart(s, "timeline");
    assert_int_equal(c->kind, RC_STACKED);
    assert_int_equal(c->n_series, 5);
    assert_string_equal(c->series[0], "sent");
    assert_string_equal(c->series[4], "expired");
    assert_int_equal(c->n_labels, 29);
    assert_string_equal(c->labels[0], "2025-03-31 09h");
    assert_string_equal(c->labels[28], "2025-04-01 13h");
    assert_true(chart_value(c, "sent", "2025-03-31 09h") == 1);
    assert_true(chart_value(c, "sent", "2025-03-31 10h") == 0);
    run_free(&x);
    db_close(db);
}

static void delivery_period(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    /* one day: row 6 (03-31) out; 6 recipients, 3 sent; 1 of 7 attempts deferred */
    run_section(&x, db, sec_delivery, "2025-04-01T00:00:00Z", "2025-04-02T00:00:00Z", NULL);
    const struct rsection *s = x.s;
    assert_int_equal(fact(s, "recipients")->v.i, 6);
    assert_num(fact(s, "delivered_share")->v, RK_PCT, 0.5);
    assert_num(fact(s, "bounce_rate")->v, RK_PCT, 0.5);
    assert_num(fact(s, "deferral_rate")->v, RK_PCT, 1.0 / 7);
    const struct rchart *c = chart(s, "timeline");
    assert_int_equal(c->n_labels, 24); /* the period's hours, the until hour not drawn */
    assert_string_equal(c->labels[0], "2025-04-01 00h");
    assert_string_equal(c->labels[23], "2025-04-01 23h");
    /* 10h: deferred 10:00, bounced 10:05, sent 10:10 and 10:30 */
    assert_true(chart_value(c, "sent", "2025-04-01 10h") == 2);
    assert_true(chart_value(c, "deferred", "2025-04-01 10h") == 1);
    assert_true(chart_value(c, "bounced", "2025-04-01 10h") == 1);
    assert_true(chart_value(c, "sent", "2025-04-01 11h") == 1);
    assert_true(chart_value(c, "rejected", "2025-04-01 12h") == 1);
    assert_true(chart_value(c, "expired", "2025-04-01 13h") == 1);
    assert_true(chart_value(c, "sent", "2025-04-01 00h") == 0);
    const struct rtable *t = table(s, "delays");
    /* 10, 20, 3600: median rank 2 = 20, p90 rank 3 = 3600 */
    assert_num(cell(t, 0, "median"), RK_REAL, 20);
    assert_num(cell(t, 0, "p90"), RK_REAL, 3600);
    run_free(&x);
    /* over 72 hours: days */
    run_section(&x, db, sec_delivery, "2025-03-25T00:00:00Z", "2025-04-05T00:00:00Z", NULL);
    c = chart(x.s, "timeline");
    assert_int_equal(c->n_labels, 11);
    assert_string_equal(c->labels[0], "2025-03-25");
    assert_string_equal(c->labels[10], "2025-04-04");
    assert_true(chart_value(c, "sent", "2025-03-31") == 1);
    assert_true(chart_value(c, "sent", "2025-04-01") == 3);
    assert_true(chart_value(c, "deferred", "2025-04-01") == 1);
    assert_true(chart_value(c, "sent", "2025-04-02") == 0);
    run_free(&x);
    db_close(db);
}

/* ---- feedback ---- */

static void feedback_whole(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    run_section(&x, db, sec_feedback, NULL, NULL, NULL);
    const struct rsection *s = x.s;
    assert_string_equal(s->id, "feedback");
    assert_string_equal(s->title, "Feedback from mailbox providers");
    assert_null(s->empty);
    assert_true(s->n_notes >= 1);
    /* aggregate: 8 + 2 + 5 = 15 messages, 2 + 5 fail both */
    assert_int_equal(fact(s, "dmarc_aggregate_messages")->v.i, 15);
    assert_num(fact(s, "dmarc_aggregate_fail_rate")->v, RK_PCT, 7.0 / 15);
    /* 3 incidents (the auth-failure report is not a complaint) over 4 delivered */
    assert_int_equal(fact(s, "complaints")->v.i, 3);
    assert_num(fact(s, "complaint_rate")->v, RK_PCT, 3.0 / 4);
    assert_num(fact(s, "tls_failure_rate")->v, RK_PCT, 0.1);
    assert_int_equal(fact(s, "bounce_messages")->v.i, 1);
    const struct rtable *t = table(s, "dmarc_reporters");
    assert_int_equal(t->n_rows, 2);
    assert_text_cell(t, 0, "reporter", "google.com");
    assert_int_cell(t, 0, "messages", 10);
    t = table(s, "dmarc_by_source_ip");
    assert_int_equal(t->n_rows, 3);
    assert_text_cell(t, 0, "source_ip", "192.0.2.1");
    assert_int_cell(t, 0, "dkim_pass", 8);
    assert_int_cell(t, 0, "dmarc_fail", 0);
    long r = row_with(t, "source_ip", "203.0.113.9");
    assert_true(r >= 0);
    assert_int_cell(t, (size_t)r, "dmarc_fail", 2);
    assert_int_cell(t, (size_t)r, "quarantined_rejected", 2);
    assert_num(cell(t, (size_t)r, "dmarc_fail_rate"), RK_PCT, 1.0);
    t = table(s, "dmarc_unauthenticated");
    assert_int_equal(t->n_rows, 2);
    assert_text_cell(t, 0, "source_ip", "198.51.100.1");
    assert_int_cell(t, 0, "messages", 5);
    t = table(s, "complaints_by_campaign");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "campaign", "camp1"); /* the original is not stored: Feedback-ID */
    assert_text_cell(t, 0, "reporter", "yahoo");
    assert_int_cell(t, 0, "complaints", 3);
    t = table(s, "complaint_rate_by_provider");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "provider", "yahoo");
    assert_int_cell(t, 0, "delivered", 0);
    assert_int_equal(cell(t, 0, "complaint_rate").k, RK_NULL); /* nothing delivered to yahoo */
    t = table(s, "dmarc_failure_reports");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "auth_failure", "dkim");
    t = table(s, "tls_by_policy");
    assert_int_equal(t->n_rows, 1);
    assert_int_cell(t, 0, "sessions_failed", 10);
    t = table(s, "tls_failures_by_mx");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "mx", "mx1.example.com");
    assert_int_cell(t, 0, "sessions", 10);
    t = table(s, "bounces_by_format");
    assert_int_equal(t->n_rows, 1);
    assert_text_cell(t, 0, "format", "rfc3464");
    assert_text_cell(t, 0, "reason", "blocked");
    t = table(s, "autoreplies");
    assert_int_equal(t->n_rows, 1);
    assert_int_cell(t, 0, "messages", 1);
    run_free(&x);
    db_close(db);
}

static void feedback_scoped(void **state)
{
    (void)state;
    struct db *db = fixture();
    struct run x;
    /* since 04-01: the other.org report (03-20) and the failure report (carrier 03-31) out;
     * delivered in the period: 3 */
    run_section(&x, db, sec_feedback, "2025-04-01T00:00:00Z", NULL, NULL);
    const struct rsection *s = x.s;
    assert_int_equal(fact(s, "dmarc_aggregate_messages")->v.i, 10);
    assert_num(fact(s, "dmarc_aggregate_fail_rate")->v, RK_PCT, 0.2);
    assert_num(fact(s, "complaint_rate")->v, RK_PCT, 1.0);
    assert_int_equal(table(s, "dmarc_failure_reports")->n_rows, 0);
    assert_int_equal(table(s, "dmarc_reporters")->n_rows, 1);
    run_free(&x);
    /* until 04-01: only the 03-20 report, the failure report */
    run_section(&x, db, sec_feedback, NULL, "2025-04-01T00:00:00Z", NULL);
    s = x.s;
    assert_null(s->empty);
    assert_int_equal(fact(s, "dmarc_aggregate_messages")->v.i, 5);
    assert_int_equal(fact(s, "complaints")->v.i, 0);
    assert_int_equal(fact(s, "bounce_messages")->v.i, 0);
    assert_int_equal(table(s, "dmarc_failure_reports")->n_rows, 1);
    run_free(&x);
    /* --domain example.com: its reports; the complaint about news@example.com; the bounce
     * of a@ex.com's mail is not about it */
    run_section(&x, db, sec_feedback, NULL, NULL, "example.com");
    s = x.s;
    assert_int_equal(fact(s, "dmarc_aggregate_messages")->v.i, 10);
    assert_int_equal(fact(s, "complaints")->v.i, 3);
    assert_int_equal(fact(s, "bounce_messages")->v.i, 0);
    assert_num(fact(s, "tls_failure_rate")->v, RK_PCT, 0.1);
    assert_int_equal(table(s, "dmarc_failure_reports")->n_rows, 1);
    run_free(&x);
    /* --domain other.org: its aggregate report only */
    run_section(&x, db, sec_feedback, NULL, NULL, "other.org");
    s = x.s;
    assert_int_equal(fact(s, "dmarc_aggregate_messages")->v.i, 5);
    assert_int_equal(fact(s, "tls_failure_rate")->v.k, RK_NULL);
    assert_int_equal(fact(s, "complaints")->v.i, 0);
    run_free(&x);
    db_close(db);
}

/* ---- empty ---- */

static void empty_database(void **state)
{
    (void)state;
    struct db *db = new_db();
    int (*fns[])(struct rctx *) = {sec_content, sec_delivery, sec_feedback};
    for (size_t i = 0; i < 3; i++) {
        struct run x;
        run_section(&x, db, fns[i], NULL, NULL, NULL);
        assert_non_null(x.s->empty);
        assert_true(strlen(x.s->empty) > 0);
        assert_int_equal(x.s->n_tables, 0);
        run_free(&x);
    }
    db_close(db);
}

static void empty_period(void **state)
{
    (void)state;
    struct db *db = fixture();
    int (*fns[])(struct rctx *) = {sec_content, sec_delivery, sec_feedback};
    const char *ids[] = {"content", "delivery", "feedback"};
    for (size_t i = 0; i < 3; i++) {
        struct run x;
        run_section(&x, db, fns[i], "2030-01-01T00:00:00Z", NULL, NULL);
        assert_string_equal(x.s->id, ids[i]);
        assert_non_null(x.s->empty);
        run_free(&x);
    }
    db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(content_whole, setup),
        cmocka_unit_test_setup(content_all_sent, setup),
        cmocka_unit_test_setup(content_scores_alone, setup),
        cmocka_unit_test_setup(content_points_per_hit, setup),
        cmocka_unit_test_setup(content_since, setup),
        cmocka_unit_test_setup(content_truncated, setup),
        cmocka_unit_test_setup(delivery_whole, setup),
        cmocka_unit_test_setup(delivery_period, setup),
        cmocka_unit_test_setup(feedback_whole, setup),
        cmocka_unit_test_setup(feedback_scoped, setup),
        cmocka_unit_test_setup(empty_database, setup),
        cmocka_unit_test_setup(empty_period, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
