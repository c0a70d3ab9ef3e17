/* Unit tests for report/sec_campaigns: the deliveries and complaints of the
 * shown campaigns, matched by Message-ID (in memory, or by SQL when
 * test_report_campaigns_fallback compiles sec_campaigns.c to keep at most
 * one Message-ID and one campaign in memory: both must give these tables).
 * The database is built by hand (store/db migrations, then rows):
 *
 *   1     Message-ID s1@x, List-Id L1
 *   2     Message-ID s1@x again, List-Id K0: the Message-ID is counted for
 *         the least key, K0
 *   3     s3@x, List-Id L1          4   no Message-ID, List-Id L1
 *   5     s5@x, Feedback-ID F1 (no List-Id: campaign F1)
 *   6..10 feedback reports (complaint messages, not campaigns)
 *
 *   deliveries: s1@x sent to r1; deferred then sent to r2 (one final
 *   outcome); s3@x bounced for r3 and expired for r4; s5@x rejected (no
 *   queue id); S3@x (other case: another Message-ID) and other@x sent.
 *   So K0: 2 recipients, both sent; L1: 2, 1 bounced, 1 expired; F1: 1
 *   rejected.
 *
 *   complaints: f6 abuse about s3@x with List-Id L1 (one complaint of L1,
 *   named twice); f7 abuse about s1@x with Feedback-ID F1 (one of K0 and
 *   one of F1); f8 not-spam about s3@x (not a complaint); f9 without a
 *   type, List-Id L1 (a complaint of L1); f10 about a message not there.
 *   So L1 2, K0 1, F1 1.
 *
 *   copies: 1 in spam, 3 in the inbox (L1 has both: its post-mortem rows
 *   are messages 1 and 3), 2 in spam (K0: spam only). */
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
#include "util/arena.h"

static char path[160];
static struct db *db;

#include "report_sql.h"

static void msg(int id, const char *mid, const char *list_id, const char *feedback_id,
                const char *feedback_kind)
{
    run("INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
        " date, arrival, placement, n_parts, n_attachments, n_received, n_anomalies,"
        " header_block, first_source_id, first_offset, list_id, feedback_id, feedback_kind)"
        " VALUES(%d, 'sha%d', 100, %Q, 'S', 'a@x', 'x', '2025-04-01T10:00:00Z',"
        " '2025-04-01T10:00:00Z', 'unknown', 1, 0, 1, 0, X'00', 1, %d, %Q, %Q, %Q)",
        id, id, mid, id * 1000, list_id, feedback_id, feedback_kind);
}

static void delivery(int id, const char *queue_id, const char *mid, const char *rcpt,
                     const char *status)
{
    run("INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
        " recipient, status, local, hard, blocklist_misconfig)"
        " VALUES(%d, %d, %d, 'postfix', 'mx1', %Q, %Q, %Q, %Q, 0, 0, 0)",
        id, id, 1743501600 + id, queue_id, mid, rcpt, status);
}

static void complaint(int id, const char *type, const char *orig_mid, const char *feedback_id,
                      const char *list_id)
{
    msg(id, NULL, NULL, NULL, "complaint");
    run("INSERT INTO feedback_reports(message_id, format, feedback_type, incidents,"
        " orig_message_id, orig_feedback_id, orig_list_id) VALUES(%d, 'arf', %Q, 1, %Q, %Q, %Q)",
        id, type, orig_mid, feedback_id, list_id);
}

static int setup(void **state)
{
    (void)state;
    if (tmp_db_open("/tmp/mailaudit-camp-XXXXXX") != 0) return -1;
    run("INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
        " first_read, last_read) VALUES(1, '/seeds', 'mbox', 'mbox', 0, 1, 1, 'done',"
        " '2025-04-03T00:00:00Z', '2025-04-03T00:00:00Z')");
    msg(1, "s1@x", "L1", NULL, NULL);
    msg(2, "s1@x", "K0", NULL, NULL);
    msg(3, "s3@x", "L1", NULL, NULL);
    msg(4, NULL, "L1", NULL, NULL);
    msg(5, "s5@x", NULL, "F1", NULL);
    run("INSERT INTO sightings(message_id, source_id, offset, length, placement) VALUES"
        " (1, 1, 1, 100, 'spam'), (3, 1, 3, 100, 'inbox'), (2, 1, 2, 100, 'spam')");
    delivery(1, "Q1", "s1@x", "r1@d", "sent");
    delivery(2, "Q1", "s1@x", "r2@d", "deferred");
    delivery(3, "Q1", "s1@x", "r2@d", "sent");
    delivery(4, "Q3", "s3@x", "r3@d", "bounced");
    delivery(5, "Q3", "s3@x", "r4@d", "expired");
    delivery(6, NULL, "s5@x", "r5@d", "rejected");
    delivery(7, "Q7", "S3@x", "r7@d", "sent");
    delivery(8, "Q8", "other@x", "r8@d", "sent");
    complaint(6, "abuse", "s3@x", NULL, "L1");
    complaint(7, "abuse", "s1@x", "F1", NULL);
    complaint(8, "not-spam", "s3@x", NULL, NULL);
    complaint(9, NULL, NULL, NULL, "L1");
    complaint(10, "abuse", "nothere@x", NULL, NULL);
    return 0;
}

static const struct rval *cell(const struct rtable *t, size_t row, const char *key)
{
    assert_true(row < t->n_rows);
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k].key, key) == 0) return &t->cells[row * t->n_cols + k];
    fail_msg("no column %s", key);
    return NULL;
}

static int64_t num(const struct rtable *t, size_t row, const char *key)
{
    const struct rval *v = cell(t, row, key);
    assert_int_equal(v->k, RK_INT);
    return v->i;
}

/* row's campaign, messages, then recipients, sent, deferred, bounced,
 * rejected, expired (the logs) and complaints */
static void expect(const struct rtable *t, size_t row, const char *campaign, int64_t n_msg,
                   const int64_t dlv[6], int64_t complaints)
{
    const struct rval *k = cell(t, row, "campaign");
    assert_true(k->k == RK_TEXT);
    assert_string_equal(k->s, campaign);
    assert_int_equal(num(t, row, "messages"), n_msg);
    static const char *const cols[] = {"recipients", "sent",     "deferred",
                                       "bounced",    "rejected", "expired"};
    for (int i = 0; i < 6; i++)
        assert_int_equal(num(t, row, cols[i]), dlv[i]);
    assert_int_equal(num(t, row, "complaints"), complaints);
}

/* statements run that read r_out (the section's own pass over the
 * deliveries) */
static int trace_out(unsigned type, void *u, void *p, void *x)
{
    (void)type;
    (void)x;
    const char *sql = sqlite3_sql(p);
    if (sql && strstr(sql, "FROM r_out")) ++*(int *)u;
    return 0;
}

/* The section for scope sc, its campaigns chosen by rctx_open before the
 * delivery scan (chosen: the scan counts their deliveries) or by the
 * section; expect_pass: whether the section must still read r_out (1),
 * must not (0), or may (-1). */
static struct rsection *build(struct report *r, struct rscope sc, bool chosen, int expect_pass)
{
    sc.campaigns = chosen;
    struct rctx c;
    int n_out = 0;
    int rc = rctx_open(&c, r, db_handle(db), &sc);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    assert_true(chosen == (c.camp != NULL));
    sqlite3_trace_v2(db_handle(db), SQLITE_TRACE_STMT, trace_out, &n_out);
    rc = sec_campaigns(&c);
    sqlite3_trace_v2(db_handle(db), 0, NULL, NULL);
    if (rc) fprintf(stderr, "%s\n", c.err);
    assert_int_equal(rc, 0);
    assert_null(c.camp);
    if (expect_pass >= 0) assert_int_equal(n_out > 0, expect_pass);
    return rsec_find(r, "campaigns");
}

/* whether the section reads r_out: not when the delivery scan counted for
 * it; test_report_campaigns_fallback keeps one Message-ID in memory, past
 * which the SQL path reads r_out */
#ifdef CAMP_MID_MAX
#define PASS(chosen) ((chosen) ? -1 : 1)
#else
#define PASS(chosen) ((chosen) ? 0 : 1)
#endif

/* The fixture's campaigns table, by messages, then key: L1 (3), F1 (1),
 * K0 (1) */
static void expect_three(const struct rtable *t)
{
    assert_int_equal(t->n_rows, 3);
    expect(t, 0, "L1", 3, (const int64_t[]){2, 0, 0, 1, 0, 1}, 2);
    expect(t, 1, "F1", 1, (const int64_t[]){1, 0, 0, 0, 1, 0}, 1);
    expect(t, 2, "K0", 1, (const int64_t[]){2, 2, 0, 0, 0, 0}, 1);
}

static void deliveries_and_complaints_by(bool chosen)
{
    struct report r = {.a = arena_new()};
    struct rsection *s = build(&r, (struct rscope){0}, chosen, PASS(chosen));
    assert_non_null(s);
    struct rtable *t = NULL;
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i]->id, "campaigns") == 0) t = s->tables[i];
    assert_non_null(t);
    expect_three(t);
    /* r_camp_pm (built in the messages' pass by what camp_rows kept) holds
     * the rows CAMP_PM_SQL selects from r_pm */
    static const char pm[] =
        "SELECT p.* FROM r_pm p WHERE p.campaign IN (SELECT p.campaign FROM r_pm p"
        " WHERE p.campaign IN (SELECT campaign FROM r_camp) GROUP BY p.campaign"
        " HAVING sum(p.n_spam) > 0 AND sum(p.n_inbox) > 0)";
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT (SELECT count(*) FROM r_camp_pm),"
             " (SELECT count(*) FROM (SELECT * FROM r_camp_pm EXCEPT %s)),"
             " (SELECT count(*) FROM (%s EXCEPT SELECT * FROM r_camp_pm))",
             pm, pm);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(q, 0), 2);
    assert_int_equal(sqlite3_column_int64(q, 1), 0);
    assert_int_equal(sqlite3_column_int64(q, 2), 0);
    sqlite3_finalize(q);
    arena_free(r.a);
}

static void deliveries_and_complaints(void **state)
{
    (void)state;
    deliveries_and_complaints_by(false);
    deliveries_and_complaints_by(true);
}

/* Deliveries whose Message-ID is not text (a blob with the bytes of s1@x,
 * s3@x in upper case) match no message: the same numbers. */
static void odd_deliveries(void **state)
{
    (void)state;
    run("INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
        " recipient, status, local, hard, blocklist_misconfig) VALUES"
        " (20, 20, 1743501620, 'postfix', 'mx1', 'Q20', x'73314078', 'r20@d', 'sent', 0, 0, 0),"
        " (21, 21, 1743501621, 'postfix', 'mx1', 'Q21', 'S3@X', 'r21@d', 'sent', 0, 0, 0)");
    for (int chosen = 0; chosen < 2; chosen++) {
        struct report r = {.a = arena_new()};
        struct rsection *s = build(&r, (struct rscope){0}, chosen, PASS(chosen));
        assert_non_null(s);
        const struct rtable *t = s->tables[0];
        expect_three(t);
        arena_free(r.a);
    }
    run("DELETE FROM log_deliveries WHERE id >= 20");
}

/* Bounce rows make r_dlv a table with a source column: a bounce of s1@x
 * and one of s3@x (source 'bounce') are not the campaigns' deliveries. A
 * week's scope (r_dlv by the time index) gives the same numbers. A
 * delivery of s5@x whose status is a blob (the bytes of 'sent') is a
 * recipient of F1 with no status named: the counting scan leaves that row
 * to the section's SQL path, which must give the same table. */
static void bounce_rows(void **state)
{
    (void)state;
    msg(40, "b40@x", NULL, NULL, "bounce");
    msg(41, "b41@x", NULL, NULL, "bounce");
    run("INSERT INTO bounce_messages(id, message_id, kind, format, orig_message_id,"
        " n_recipients, dropped_recipients) VALUES (1, 40, 'bounce', 'rfc3464', 's1@x', 1, 0),"
        " (2, 41, 'bounce', 'rfc3464', 's3@x', 1, 0)");
    run("INSERT INTO bounce_recipients(bounce, time, recipient, status, hard,"
        " blocklist_misconfig) VALUES (1, 1743501650, 'r1@d', 'bounced', 1, 0),"
        " (2, 1743501651, 'r3@d', 'sent', 1, 0)");
    struct rscope week = {.since = "2025-03-30T00:00:00Z", .until = "2025-04-06T00:00:00Z"};
    for (int k = 0; k < 4; k++) {
        struct report r = {.a = arena_new()};
        struct rsection *s = build(&r, k < 2 ? (struct rscope){0} : week, k % 2, PASS(k % 2));
        assert_non_null(s);
        const struct rtable *t = s->tables[0];
        expect_three(t);
        arena_free(r.a);
    }
    run("INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
        " recipient, status, local, hard, blocklist_misconfig) VALUES"
        " (30, 30, 1743501630, 'postfix', 'mx1', 'Q30', 's5@x', 'r30@d', x'73656e74', 0, 0, 0)");
    for (int chosen = 0; chosen < 2; chosen++) {
        struct report r = {.a = arena_new()};
        struct rsection *s = build(&r, (struct rscope){0}, chosen, 1);
        const struct rtable *t = s->tables[0];
        expect(t, 1, "F1", 1, (const int64_t[]){2, 0, 0, 0, 1, 0}, 1);
        expect(t, 2, "K0", 1, (const int64_t[]){2, 2, 0, 0, 0, 0}, 1);
        arena_free(r.a);
    }
    run("DELETE FROM log_deliveries WHERE id = 30; DELETE FROM bounce_recipients;"
        " DELETE FROM bounce_messages; DELETE FROM messages WHERE id IN (40, 41)");
}

/* --campaign: the scope's one campaign, the same numbers */
static void one_campaign(void **state)
{
    (void)state;
    for (int chosen = 0; chosen < 2; chosen++) {
        struct report r = {.a = arena_new()};
        struct rsection *s = build(&r, (struct rscope){.campaign = "K0"}, chosen, PASS(chosen));
        assert_non_null(s);
        assert_int_equal(s->tables[0]->n_rows, 1);
        expect(s->tables[0], 0, "K0", 1, (const int64_t[]){2, 2, 0, 0, 0, 0}, 1);
        arena_free(r.a);
    }
}

/* Over the whole database the per-campaign pass counts the sent messages
 * for rctx_sent_messages: the same count as SQL's (feedback messages
 * 6..10 left out), and none (every message feedback) an empty section. */
static void sent_count(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        if (k) run("UPDATE messages SET feedback_kind = 'complaint' WHERE id <= 5");
        struct report r = {.a = arena_new()};
        struct rscope sc = {.campaigns = true};
        struct rctx c;
        assert_int_equal(rctx_open(&c, &r, db_handle(db), &sc), 0);
        int64_t n = -1;
        assert_int_equal(rctx_sent_messages(&c, &n), 0);
        assert_int_equal(n, k ? 0 : 5);
        assert_int_equal(sec_campaigns(&c), 0);
        struct rsection *s = rsec_find(&r, "campaigns");
        assert_non_null(s);
        assert_true((s->empty != NULL) == (k == 1));
        arena_free(r.a);
    }
    run("UPDATE messages SET feedback_kind = NULL WHERE id <= 5");
}

/* Campaigns chosen by rctx_open that no section takes (a section before
 * Campaigns failed): rctx_campaigns_drop frees them (LeakSanitizer, in make
 * check-asan, finds them otherwise) and leaves none; a second drop is
 * harmless. */
static void chosen_dropped(void **state)
{
    (void)state;
    struct report r = {.a = arena_new()};
    struct rscope sc = {.campaigns = true};
    struct rctx c;
    assert_int_equal(rctx_open(&c, &r, db_handle(db), &sc), 0);
    assert_non_null(c.camp);
    rctx_campaigns_drop(&c);
    assert_null(c.camp);
    rctx_campaigns_drop(&c);
    assert_null(c.camp);
    arena_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deliveries_and_complaints),
        cmocka_unit_test(one_campaign),
        cmocka_unit_test(odd_deliveries),
        cmocka_unit_test(bounce_rows),
        cmocka_unit_test(sent_count),
        cmocka_unit_test(chosen_dropped),
    };
    return cmocka_run_group_tests(tests, setup, tmp_db_teardown);
}
