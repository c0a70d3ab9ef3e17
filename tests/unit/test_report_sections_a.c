/* Unit tests for the report sections overview, authentication,
 * infrastructure and requirements (report/sec_*.c) over a database built
 * by hand: every expected number below is counted from the rows inserted
 * here (see the comments at each INSERT), not from the builders' output.
 * Also: a --since that leaves rows out, a --domain that selects by DKIM d=,
 * an empty database (every section says why it is empty), and hostile
 * strings (markup, quotes, control bytes, invalid UTF-8) kept raw. */
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

#include "report/openrelay.h"
#include "report/rctx.h"
#include "store/db.h"

static char dir[64];

/* A Message-ID and a From address nobody should trust. */
static const char hostile_mid[] = "<script>alert(\"x\")</script>'\x01\x1b[31m\xff\xfe@evil";
static const char hostile_from[] = "\"<b>\"\x07\xc3\x28@other.example.net";

static void exec_ok(sqlite3 *h, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) fprintf(stderr, "SQL error: %s\n", msg ? msg : "?");
    sqlite3_free(msg);
    assert_int_equal(rc, SQLITE_OK);
}

static struct db *open_db(const char *name)
{
    char path[128], err[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unlink(path);
    struct db *db;
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    return db;
}

/* The fixture. Messages (arrival; From domain; copies):
 *   1 2025-04-01T10:00 shop.example.com alice  1 inbox    DKIM shop pass
 *   2 2025-04-01T11:00 shop.example.com bob    2 spam     DKIM shop fail + esp.example pass (t=y)
 *   3 2025-04-02T09:00 shop.example.com Alice  1 spam     DKIM shop fail, legacy DomainKey
 *   4 2025-03-30T08:00 other.example.net hostile 1 inbox  unsigned
 *   5 2025-04-01T12:00 bounce (feedback)       1 unknown  DMARC fail, requirements: left out */
static void fill_fixture(struct db *db)
{
    sqlite3 *h = db_handle(db);
    exec_ok(h,
            "INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
            " error, first_read, last_read) VALUES"
            " (1, '/m/a.mbox', 'mbox', 'mbox', 0, 1, 1, 'done', NULL, 't', 't'),"
            " (2, '/l/maillog', 'log', 'file', 0, 1, 1, 'done', NULL, 't', 't'),"
            " (3, '/x/bad.gz', 'unknown', 'file', 1, 1, 1, 'error', 'gzip: corrupt', 't', 't');");
    /* message 4: hostile Message-ID and From, bound as text (raw bytes) */
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(
            h,
            "INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
            " arrival, placement, n_parts, n_attachments, n_received, n_anomalies, header_block,"
            " first_source_id, first_offset) VALUES (4, 'a4', 10, ?1, ?2, ?3,"
            " 'other.example.net', '2025-03-30T08:00:00Z', 'inbox', 1, 0, 1, 1, X'00', 1, 300)",
            -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_text(s, 1, hostile_mid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, hostile_mid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, hostile_from, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    exec_ok(h,
            "INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_domain,"
            " arrival, placement, n_parts, n_attachments, n_received, n_anomalies, header_block,"
            " first_source_id, first_offset, feedback_kind) VALUES"
            " (1, 'a1', 10, 'm1@shop', 's', 'alice@shop.example.com', 'shop.example.com',"
            "  '2025-04-01T10:00:00Z', 'inbox', 1, 0, 1, 1, X'00', 1, 0, NULL),"
            " (2, 'a2', 10, 'm2@shop', 's', 'bob@shop.example.com', 'shop.example.com',"
            "  '2025-04-01T11:00:00Z', 'spam', 1, 0, 1, 0, X'00', 1, 100, NULL),"
            " (3, 'a3', 10, 'm3@shop', 's', 'Alice@shop.example.com', 'shop.example.com',"
            "  '2025-04-02T09:00:00Z', 'spam', 1, 0, 1, 0, X'00', 1, 200, NULL),"
            " (5, 'a5', 10, 'b5@mx', 'Undelivered', 'mailer-daemon@mx.example.org',"
            "  'mx.example.org', '2025-04-01T12:00:00Z', 'unknown', 1, 0, 1, 0, X'00', 1, 400,"
            "  'bounce');"
            "INSERT INTO sightings(message_id, source_id, offset, length, placement) VALUES"
            " (1, 1, 0, 10, 'inbox'), (2, 1, 100, 10, 'spam'), (2, 1, 150, 10, 'spam'),"
            " (3, 1, 200, 10, 'spam'), (4, 1, 300, 10, 'inbox'), (5, 1, 400, 10, 'unknown');");
    exec_ok(h,
            /* position 1 of message 3 is a legacy DomainKey: never counted */
            "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, key_type,"
            " key_bits, key_testing, key_source, result, reason, detail, body_partial, crypto_ok,"
            " from_relation) VALUES"
            " (1, 0, 0, 'shop.example.com', 's1', 'rsa', 2048, 0, 'snapshot', 'pass', NULL, NULL,"
            "  0, 1, 'same'),"
            " (2, 0, 0, 'shop.example.com', 's1', 'rsa', 2048, 0, 'snapshot', 'fail',"
            "  'body hash mismatch', 'footer added', 0, 0, 'same'),"
            " (2, 1, 0, 'esp.example', 'e1', 'rsa', 1024, 1, 'snapshot', 'pass', NULL, NULL, 0,"
            "  1, 'none'),"
            " (3, 0, 0, 'shop.example.com', 's1', 'rsa', 2048, 0, 'snapshot', 'fail',"
            "  'body hash mismatch', 'footer added', 0, 0, 'same'),"
            " (3, 1, 1, 'shop.example.com', 'old', NULL, NULL, 0, 'none', 'neutral',"
            "  'legacy DomainKeys signature', NULL, 0, 0, 'same');"
            /* helo rows must not count in the SPF rates */
            "INSERT INTO spf_results(message_id, identity, domain, result, reason, mechanism,"
            " record) VALUES"
            " (1, 'mailfrom', 'shop.example.com', 'pass', NULL, 'ip4:198.51.100.0/24',"
            "  'v=spf1 ip4:198.51.100.0/24 -all'),"
            " (1, 'helo', 'mta1.esp.example', 'fail', NULL, '-all', 'v=spf1 -all'),"
            " (2, 'mailfrom', 'shop.example.com', 'pass', NULL, 'ip4:198.51.100.0/24',"
            "  'v=spf1 ip4:198.51.100.0/24 -all'),"
            " (3, 'mailfrom', 'shop.example.com', 'fail', NULL, '-all',"
            "  'v=spf1 ip4:198.51.100.0/24 -all'),"
            " (4, 'mailfrom', 'other.example.net', 'softfail', NULL, '~all', 'v=spf1 ~all'),"
            " (5, 'mailfrom', 'mx.example.org', 'fail', NULL, '-all', 'v=spf1 -all');");
    exec_ok(h, "INSERT INTO dmarc_results(message_id, from_domain, result, reason, method,"
               " policy_domain, record, policy, policy_tag, testing, spf_aligned, dkim_aligned)"
               " VALUES"
               " (1, 'shop.example.com', 'pass', NULL, 'tree walk', 'shop.example.com',"
               "  'v=DMARC1; p=quarantine', 'quarantine', 'p', 0, 1, 1),"
               " (2, 'shop.example.com', 'pass', NULL, 'tree walk', 'shop.example.com',"
               "  'v=DMARC1; p=quarantine', 'quarantine', 'p', 0, 1, 0),"
               " (3, 'shop.example.com', 'fail', 'neither SPF nor DKIM passed', 'tree walk',"
               "  'shop.example.com', 'v=DMARC1; p=quarantine', 'quarantine', 'p', 0, 0, 0),"
               " (4, 'other.example.net', 'none', 'no DMARC record', 'tree walk', NULL, NULL, NULL,"
               "  NULL, 0, 0, 0),"
               " (5, 'mx.example.org', 'fail', 'neither SPF nor DKIM passed', 'tree walk', NULL,"
               "  NULL, NULL, NULL, 0, 0, 0);"
               "INSERT INTO iprev_results(message_id, ip, result, ptr_names, confirmed_name,"
               " received_by, tls, helo, helo_fqdn, helo_ip_literal, helo_resolves,"
               " helo_points_to_ip, helo_matches_ptr, helo_reason) VALUES"
               " (1, '198.51.100.1', 'pass', 'mta1.esp.example', 'mta1.esp.example', 'mx.gmail',"
               "  1, 'mta1.esp.example', 1, 0, 1, 1, 1, 'ok'),"
               " (2, '198.51.100.2', 'fail', NULL, NULL, 'mx.gmail', 1, 'mta2', 0, 0, 0, 0, 0,"
               "  'HELO is not a fully qualified domain name'),"
               " (3, '198.51.100.2', 'fail', NULL, NULL, 'mx.gmail', 0, 'mta2', 0, 0, 0, 0, 0,"
               "  'HELO is not a fully qualified domain name'),"
               " (4, NULL, 'none', NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, 0, 'HELO unknown');");
    exec_ok(
        h,
        "INSERT INTO requirement_sets(message_id, checks) VALUES"
        " (1, '[[\"spf_pass\",\"pass\",\"spf=pass\"],[\"dkim_pass\",\"pass\",\"dkim=pass\"],"
        "[\"tls\",\"pass\",\"with TLS\"]]'),"
        " (2, '[[\"spf_pass\",\"pass\",\"spf=pass\"],[\"dkim_pass\",\"pass\",\"dkim=pass\"],"
        "[\"tls\",\"unknown\",\"no entry hop\"]]'),"
        " (3, '[[\"spf_pass\",\"fail\",\"spf=fail for shop\"],[\"dkim_pass\",\"fail\","
        "\"body hash\"],[\"tls\",\"fail\",\"without TLS\"]]'),"
        " (4, '[[\"spf_pass\",\"fail\",\"spf=softfail\"],[\"dkim_pass\",\"fail\",\"not signed\"],"
        "[\"tls\",\"unknown\",\"no entry hop\"]]'),"
        " (5, '[[\"single_from\",\"fail\",\"feedback: left out\"]]');"
        "INSERT INTO auth_claims(message_id, field, source, method, result, ours, verdict,"
        " cause) VALUES"
        " (1, 0, 'authentication-results', 'dkim', 'pass', 'pass', 'same', NULL),"
        " (2, 0, 'authentication-results', 'dkim', 'pass', 'fail', 'different',"
        "  'message modified after the receiver checked it'),"
        " (3, 0, 'arc-authentication-results', 'spf', 'pass', NULL, 'not compared',"
        "  'an earlier hop''s view (ARC)');"
        "INSERT INTO anomalies(message_id, source_id, code, detail) VALUES"
        " (1, NULL, 'hdr.date_missing', NULL), (4, NULL, 'hdr.date_missing', NULL),"
        " (NULL, 3, 'source.unknown_format', 'not a message');");
    exec_ok(
        h, "INSERT INTO log_files(id, source_id, format, head_len, head_sha256, compressed,"
           " bytes_done, tz_offset_min, lines_total) VALUES"
           " (1, 2, 'postfix', 10, 'h1', 0, 10, 0, 100), (2, 2, 'postfix', 10, 'h2', 0, 10, 0, 50);"
           /* deliveries: 2025-04-01T10:00:00Z, 10:05:00Z and 2025-03-29T00:00:00Z */
           "INSERT INTO log_deliveries(id, log_event_id, time, mta, sender, recipient,"
           " recipient_domain, status, local, hard, blocklist_misconfig) VALUES"
           " (1, 1, 1743501600, 'postfix', 'alice@shop.example.com', 'u1@gmail.com',"
           "  'gmail.com', 'sent', 0, 0, 0),"
           " (2, 2, 1743501900, 'postfix', 'alice@shop.example.com', 'u2@gmail.com',"
           "  'gmail.com', 'sent', 0, 0, 0),"
           " (3, 3, 1743206400, 'postfix', 'x@other.example.net', 'u3@gmail.com', 'gmail.com',"
           "  'sent', 0, 0, 0);");
}

/* ---- looking things up in the model ---- */

static const struct rsection *section(const struct report *r, const char *id)
{
    for (size_t i = 0; i < r->n_sec; i++)
        if (strcmp(r->sec[i]->id, id) == 0) return r->sec[i];
    fail_msg("no section %s", id);
    return NULL;
}

static const struct rval *fact(const struct rsection *s, const char *key)
{
    for (size_t i = 0; i < s->n_facts; i++)
        if (strcmp(s->facts[i].key, key) == 0) return &s->facts[i].v;
    fail_msg("no fact %s in %s", key, s->id);
    return NULL;
}

static const struct rtable *table(const struct rsection *s, const char *id)
{
    for (size_t i = 0; i < s->n_tables; i++)
        if (strcmp(s->tables[i]->id, id) == 0) return s->tables[i];
    fail_msg("no table %s in %s", id, s->id);
    return NULL;
}

static const struct rval *cell(const struct rtable *t, size_t row, const char *col)
{
    assert_true(row < t->n_rows);
    for (size_t k = 0; k < t->n_cols; k++)
        if (strcmp(t->cols[k].key, col) == 0) return &t->cells[row * t->n_cols + k];
    fail_msg("no column %s in %s", col, t->id);
    return NULL;
}

/* The row whose column `col` is the text `v`; -1 when none. */
static long find_row(const struct rtable *t, const char *col, const char *v)
{
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct rval *c = cell(t, i, col);
        if ((c->k == RK_TEXT || c->k == RK_TIME) && strcmp(c->s, v) == 0) return (long)i;
    }
    return -1;
}

static void assert_int_val(const struct rval *v, int64_t want)
{
    assert_int_equal(v->k, RK_INT);
    assert_int_equal(v->i, want);
}

static void assert_pct(const struct rval *v, double want)
{
    assert_int_equal(v->k, RK_PCT);
    if (fabs(v->d - want) > 1e-4) fail_msg("rate %.6f, want %.6f", v->d, want);
}

static void assert_text(const struct rval *v, const char *want)
{
    assert_true(v->k == RK_TEXT || v->k == RK_TIME);
    assert_string_equal(v->s, want);
}

struct built {
    struct report r;
    struct rctx c;
};

static void build(struct db *db, struct built *b, const char *since, const char *domain)
{
    memset(b, 0, sizeof *b);
    b->r.a = arena_new();
    struct rscope sc = {.since = since, .domain = domain};
    b->r.since = since;
    b->r.domain = domain;
    assert_int_equal(rctx_open(&b->c, &b->r, db_handle(db), &sc), 0);
    assert_int_equal(sec_overview(&b->c), 0);
    assert_int_equal(sec_authentication(&b->c), 0);
    assert_int_equal(sec_infrastructure(&b->c), 0);
    assert_int_equal(sec_requirements(&b->c), 0);
    assert_int_equal(b->r.n_sec, 4);
}

static void unbuild(struct built *b)
{
    arena_free(b->r.a);
}

/* ---- tests ---- */

static void overview_whole(void **state)
{
    (void)state;
    struct db *db = open_db("ov.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, NULL);
    const struct rsection *s = section(&b.r, "overview");
    assert_string_equal(s->title, "Overview");
    assert_null(s->empty);
    assert_false(b.r.empty_period);
    assert_int_val(fact(s, "sources"), 3);
    assert_int_val(fact(s, "sources_unreadable"), 1);
    assert_int_val(fact(s, "messages"), 4);          /* 1-4; 5 is feedback */
    assert_int_val(fact(s, "copies"), 5);            /* 1 + 2 + 1 + 1 */
    assert_int_val(fact(s, "feedback_messages"), 1); /* the bounce */
    assert_int_val(fact(s, "log_lines"), 150);       /* 100 + 50 */
    assert_int_val(fact(s, "deliveries"), 3);
    assert_int_val(fact(s, "senders"), 3);        /* alice (twice, case differs), bob, hostile */
    assert_int_val(fact(s, "sender_domains"), 2); /* shop.example.com, other.example.net */
    assert_int_val(fact(s, "anomalies"), 3);      /* 2 of messages + 1 of a source */
    /* no bounds: the span of the data (the 2025-03-29 delivery to message 3) */
    assert_text(fact(s, "period_start"), "2025-03-29T00:00:00Z");
    assert_text(fact(s, "period_end"), "2025-04-02T09:00:00Z");
    const struct rtable *t = table(s, "unreadable");
    assert_int_equal(t->n_rows, 1);
    assert_text(cell(t, 0, "path"), "/x/bad.gz");
    assert_text(cell(t, 0, "error"), "gzip: corrupt");
    t = table(s, "anomalies");
    assert_int_equal(t->n_rows, 2);
    assert_text(cell(t, 0, "code"), "hdr.date_missing");
    assert_int_val(cell(t, 0, "count"), 2);
    assert_int_val(cell(t, 0, "messages"), 2);
    assert_text(cell(t, 1, "code"), "source.unknown_format");
    assert_int_val(cell(t, 1, "sources"), 1);
    t = table(s, "feedback_by_kind");
    assert_int_equal(t->n_rows, 1);
    assert_text(cell(t, 0, "kind"), "bounce");
    /* a note says the log files are not filtered by the period */
    bool noted = false;
    for (size_t i = 0; i < s->n_notes; i++)
        noted |= strstr(s->notes[i], "not filtered by the period") != NULL;
    assert_true(noted);
    unbuild(&b);
    db_close(db);
}

static void authentication_whole(void **state)
{
    (void)state;
    struct db *db = open_db("auth.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, NULL);
    const struct rsection *s = section(&b.r, "authentication");
    assert_null(s->empty);
    /* SPF mailfrom: 1 pass, 2 pass, 3 fail, 4 softfail (helo rows and the
     * feedback message left out) */
    assert_pct(fact(s, "spf_pass_rate"), 2.0 / 4);
    /* DKIM: 1 and 2 pass (2 by its esp.example signature), 3 fails, 4 unsigned */
    assert_pct(fact(s, "dkim_pass_rate"), 2.0 / 4);
    /* signatures (legacy left out): pass, fail, pass, fail */
    assert_pct(fact(s, "dkim_signature_pass_rate"), 2.0 / 4);
    assert_pct(fact(s, "dmarc_pass_rate"), 2.0 / 4);
    assert_pct(fact(s, "spf_aligned_rate"), 2.0 / 4);
    assert_pct(fact(s, "dkim_aligned_rate"), 1.0 / 4);
    assert_int_val(fact(s, "dmarc_fail"), 1); /* message 3; the bounce's fail not counted */
    assert_int_val(fact(s, "dkim_testing_key"), 1);
    assert_int_val(fact(s, "claims_compared"), 2);
    assert_int_val(fact(s, "claims_different"), 1);
    for (size_t i = 0; i < s->n_facts; i++)
        if (s->facts[i].v.k == RK_PCT) assert_int_equal(s->facts[i].better, 1);

    const struct rtable *t = table(s, "by_from_domain");
    assert_int_equal(t->n_rows, 2);
    assert_text(cell(t, 0, "from_domain"), "shop.example.com");
    assert_int_val(cell(t, 0, "messages"), 3);
    assert_pct(cell(t, 0, "dkim_pass_rate"), 2.0 / 3); /* 0.6667 */
    assert_pct(cell(t, 0, "spf_pass_rate"), 2.0 / 3);
    assert_pct(cell(t, 0, "dmarc_pass_rate"), 2.0 / 3);
    assert_pct(cell(t, 0, "dkim_aligned_rate"), 1.0 / 3);
    assert_text(cell(t, 1, "from_domain"), "other.example.net");
    assert_pct(cell(t, 1, "dkim_pass_rate"), 0);
    assert_pct(cell(t, 1, "spf_pass_rate"), 0);

    t = table(s, "by_dkim_domain");
    long esp = find_row(t, "dkim_domain", "esp.example");
    long shop = find_row(t, "dkim_domain", "shop.example.com");
    assert_true(esp >= 0 && shop >= 0);
    assert_int_val(cell(t, (size_t)shop, "messages"), 3);
    assert_int_val(cell(t, (size_t)shop, "signatures"), 3); /* the legacy one left out */
    assert_pct(cell(t, (size_t)shop, "pass_rate"), 1.0 / 3);
    assert_int_val(cell(t, (size_t)esp, "dkim_testing"), 1);

    /* failures: DKIM body hash mismatch on 2 and 3 (first: m2@shop), the
     * legacy signature is not a failure */
    t = table(s, "failures");
    long bh = find_row(t, "reason", "body hash mismatch");
    assert_true(bh == 0);
    assert_text(cell(t, 0, "method"), "dkim");
    assert_int_val(cell(t, 0, "messages"), 2);
    assert_text(cell(t, 0, "example_message_id"), "m2@shop");
    assert_text(cell(t, 0, "detail"), "footer added");
    assert_int_equal(find_row(t, "reason", "legacy DomainKeys signature"), -1);
    long sf = find_row(t, "reason", "matched ~all");
    assert_true(sf >= 0);
    assert_text(cell(t, (size_t)sf, "result"), "softfail");
    assert_text(cell(t, (size_t)sf, "domain"), "other.example.net");

    t = table(s, "dkim_selectors");
    long sel = find_row(t, "selector", "e1");
    assert_true(sel >= 0);
    assert_int_val(cell(t, (size_t)sel, "key_bits"), 1024);
    assert_int_val(cell(t, (size_t)sel, "testing"), 1);
    assert_int_equal(find_row(t, "selector", "old"), -1);

    t = table(s, "dmarc_records");
    long dr = find_row(t, "from_domain", "shop.example.com");
    assert_true(dr >= 0);
    assert_text(cell(t, (size_t)dr, "policy"), "quarantine");
    assert_text(cell(t, (size_t)dr, "found_at"), "shop.example.com");
    assert_int_val(cell(t, (size_t)dr, "messages"), 3);

    t = table(s, "claims");
    assert_text(cell(t, 0, "verdict"), "different");
    assert_text(cell(t, 0, "example_message_id"), "m2@shop");
    unbuild(&b);
    db_close(db);
}

/* The bounce carrier (message 5) signed with a failing signature: left
 * out of the DKIM tables while it is a feedback message; counted once every
 * message is sent mail (the whole scope then reads dkim_signatures alone,
 * rctx_all_sent). */
static void authentication_all_sent(void **state)
{
    (void)state;
    struct db *db = open_db("auth_all.db");
    fill_fixture(db);
    exec_ok(db_handle(db),
            "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, key_type,"
            " key_bits, key_testing, key_source, result, reason, detail, body_partial, crypto_ok,"
            " from_relation) VALUES (5, 0, 0, 'mx.example.org', 'b1', 'rsa', 2048, 0, 'snapshot',"
            " 'fail', 'signature did not verify', NULL, 0, 0, 'same');"
            "INSERT INTO iprev_results(message_id, ip, result, received_by, tls, helo,"
            " helo_fqdn, helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr)"
            " VALUES (5, '203.0.113.5', 'pass', 'mx.gmail', 1, 'mx.example.org', 1, 0, 1, 1, 1);");
    struct built b;
    build(db, &b, NULL, NULL);
    assert_false(rctx_all_sent(&b.c));
    /* the infrastructure section leaves the bounce's entry hop out too */
    assert_int_val(fact(section(&b.r, "infrastructure"), "sending_ips"), 2);
    const struct rsection *s = section(&b.r, "authentication");
    assert_int_equal(find_row(table(s, "by_dkim_domain"), "dkim_domain", "mx.example.org"), -1);
    assert_int_equal(find_row(table(s, "failures"), "reason", "signature did not verify"), -1);
    unbuild(&b);

    exec_ok(db_handle(db), "UPDATE messages SET feedback_kind = NULL");
    build(db, &b, NULL, NULL);
    assert_true(rctx_all_sent(&b.c));
    s = section(&b.r, "authentication");
    const struct rtable *t = table(s, "by_dkim_domain");
    long mx = find_row(t, "dkim_domain", "mx.example.org");
    assert_true(mx >= 0);
    assert_int_val(cell(t, (size_t)mx, "messages"), 1);
    assert_int_val(cell(t, (size_t)mx, "pass"), 0);
    /* shop.example.com as before: 3 messages, 3 signatures (legacy left out) */
    long shop = find_row(t, "dkim_domain", "shop.example.com");
    assert_int_val(cell(t, (size_t)shop, "signatures"), 3);
    t = table(s, "failures");
    long f = find_row(t, "reason", "signature did not verify");
    assert_true(f >= 0);
    assert_text(cell(t, (size_t)f, "example_message_id"), "b5@mx");
    assert_int_val(cell(t, (size_t)f, "messages"), 1);
    /* the overview counts it: 5 messages, 6 copies, 4 senders, 3 domains */
    s = section(&b.r, "overview");
    assert_int_val(fact(s, "messages"), 5);
    assert_int_val(fact(s, "feedback_messages"), 0);
    assert_int_val(fact(s, "copies"), 6);
    assert_int_val(fact(s, "senders"), 4);
    assert_int_val(fact(s, "sender_domains"), 3);
    /* and its entry hop: a third IP, one message, one copy (not spam) */
    s = section(&b.r, "infrastructure");
    assert_int_val(fact(s, "sending_ips"), 3);
    assert_pct(fact(s, "iprev_pass_rate"), 2.0 / 4);
    t = table(s, "sending_ips");
    long ip5 = find_row(t, "ip", "203.0.113.5");
    assert_true(ip5 >= 0);
    assert_int_val(cell(t, (size_t)ip5, "messages"), 1);
    assert_int_val(cell(t, (size_t)ip5, "copies"), 1);
    assert_int_val(cell(t, (size_t)ip5, "spam"), 0);
    unbuild(&b);
    db_close(db);
}

static void infrastructure_whole(void **state)
{
    (void)state;
    struct db *db = open_db("infra.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, NULL);
    const struct rsection *s = section(&b.r, "infrastructure");
    assert_null(s->empty);
    assert_int_val(fact(s, "sending_ips"), 2);
    assert_pct(fact(s, "iprev_pass_rate"), 1.0 / 3); /* of the 3 messages with an IP */
    assert_int_val(fact(s, "helo_not_fqdn"), 2);
    assert_pct(fact(s, "tls_rate"), 2.0 / 3); /* 1, 1, 0; message 4 has no entry hop */
    const struct rtable *t = table(s, "sending_ips");
    assert_int_equal(t->n_rows, 3);
    assert_text(cell(t, 0, "ip"), "198.51.100.2");
    assert_int_val(cell(t, 0, "messages"), 2);
    assert_int_val(cell(t, 0, "copies"), 3);
    assert_int_val(cell(t, 0, "spam"), 3);
    assert_pct(cell(t, 0, "spam_share"), 1.0);
    assert_text(cell(t, 0, "iprev"), "fail");
    long one = find_row(t, "ip", "198.51.100.1");
    assert_true(one >= 0);
    assert_pct(cell(t, (size_t)one, "spam_share"), 0.0);
    assert_text(cell(t, (size_t)one, "confirmed_name"), "mta1.esp.example");
    t = table(s, "helo_names");
    long h2 = find_row(t, "helo", "mta2");
    assert_true(h2 >= 0);
    assert_int_val(cell(t, (size_t)h2, "messages"), 2);
    assert_int_val(cell(t, (size_t)h2, "fqdn"), 0);
    t = table(s, "tls");
    long gm = find_row(t, "received_by", "mx.gmail");
    assert_true(gm >= 0);
    assert_int_val(cell(t, (size_t)gm, "tls"), 2);
    assert_int_val(cell(t, (size_t)gm, "no_tls"), 1);
    /* logs exist: the open-relay table is there (no signs in this fixture) */
    t = table(s, "open_relay_signs");
    assert_int_equal(t->n_rows, 0);
    assert_int_val(fact(s, "open_relay_signs"), 0);
    unbuild(&b);
    db_close(db);
}

static void requirements_whole(void **state)
{
    (void)state;
    struct db *db = open_db("req.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, NULL);
    const struct rsection *s = section(&b.r, "requirements");
    assert_string_equal(s->title, "Bulk-sender requirements (Gmail, Yahoo)");
    assert_null(s->empty);
    assert_int_val(fact(s, "messages_checked"), 4);
    assert_int_val(fact(s, "requirements_failed"), 3); /* spf_pass, dkim_pass, tls */
    assert_int_val(fact(s, "messages_failing"), 2);    /* 3 and 4 */
    const struct rtable *t = table(s, "summary");
    assert_int_equal(t->n_rows, 3); /* single_from only on the feedback message: left out */
    assert_text(cell(t, 0, "requirement"), "spf_pass");
    assert_text(cell(t, 1, "requirement"), "dkim_pass");
    assert_text(cell(t, 2, "requirement"), "tls");
    assert_int_val(cell(t, 2, "pass"), 1);
    assert_int_val(cell(t, 2, "fail"), 1);
    assert_int_val(cell(t, 2, "unknown"), 2);
    assert_pct(cell(t, 2, "pass_rate"), 0.5);
    t = table(s, "by_domain");
    assert_int_equal(t->n_rows, 6);
    /* shop.example.com first (3 messages), in the README's order */
    assert_text(cell(t, 0, "from_domain"), "shop.example.com");
    assert_text(cell(t, 0, "requirement"), "spf_pass");
    assert_int_val(cell(t, 0, "pass"), 2);
    assert_int_val(cell(t, 0, "fail"), 1);
    assert_text(cell(t, 0, "example_status"), "fail");
    assert_text(cell(t, 0, "example_evidence"), "spf=fail for shop");
    assert_text(cell(t, 0, "example_message_id"), "m3@shop");
    assert_text(cell(t, 2, "requirement"), "tls");
    assert_text(cell(t, 2, "example_evidence"), "without TLS");
    /* other.example.net: the hostile Message-ID is the example, byte for byte */
    assert_text(cell(t, 3, "from_domain"), "other.example.net");
    assert_int_equal(memcmp(cell(t, 3, "example_message_id")->s, hostile_mid, sizeof hostile_mid),
                     0);
    assert_text(cell(t, 5, "example_status"), "unknown");
    unbuild(&b);
    db_close(db);
}

/* --since 2025-04-01: message 4 and the 2025-03-29 delivery are out */
static void scoped_since(void **state)
{
    (void)state;
    struct db *db = open_db("since.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, "2025-04-01T00:00:00Z", NULL);
    const struct rsection *s = section(&b.r, "overview");
    assert_int_val(fact(s, "messages"), 3);
    assert_int_val(fact(s, "copies"), 4);
    assert_int_val(fact(s, "deliveries"), 2);
    assert_int_val(fact(s, "senders"), 2);
    assert_int_val(fact(s, "sender_domains"), 1);
    assert_int_val(fact(s, "anomalies"), 2);   /* message 1's and the source's */
    assert_int_val(fact(s, "log_lines"), 150); /* not filtered */
    assert_text(fact(s, "period_start"), "2025-04-01T00:00:00Z");
    assert_text(fact(s, "period_end"), "2025-04-02T09:00:00Z");
    s = section(&b.r, "authentication");
    assert_pct(fact(s, "dkim_pass_rate"), 2.0 / 3);
    assert_pct(fact(s, "spf_pass_rate"), 2.0 / 3);
    assert_int_equal(table(s, "by_from_domain")->n_rows, 1);
    s = section(&b.r, "infrastructure");
    assert_int_val(fact(s, "sending_ips"), 2);
    assert_pct(fact(s, "iprev_pass_rate"), 1.0 / 3);
    s = section(&b.r, "requirements");
    assert_int_val(fact(s, "messages_failing"), 1);
    assert_int_equal(table(s, "by_domain")->n_rows, 3);
    unbuild(&b);
    db_close(db);
}

/* --domain esp.example: only message 2 (signed by d=esp.example) */
static void scoped_domain(void **state)
{
    (void)state;
    struct db *db = open_db("dom.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, "esp.example");
    const struct rsection *s = section(&b.r, "overview");
    assert_int_val(fact(s, "messages"), 1);
    assert_int_val(fact(s, "copies"), 2);
    assert_int_val(fact(s, "deliveries"), 0); /* no sender in esp.example */
    s = section(&b.r, "authentication");
    assert_pct(fact(s, "dkim_pass_rate"), 1.0);
    assert_pct(fact(s, "dkim_signature_pass_rate"), 0.5);
    const struct rtable *t = table(s, "by_from_domain");
    assert_int_equal(t->n_rows, 1);
    assert_int_val(cell(t, 0, "messages"), 1);
    s = section(&b.r, "requirements");
    assert_int_val(fact(s, "messages_failing"), 0);
    assert_int_val(fact(s, "requirements_failed"), 0);
    unbuild(&b);
    db_close(db);
}

/* A period with nothing in it, and a database with nothing at all. */
static void empty(void **state)
{
    (void)state;
    struct db *db = open_db("empty.db");
    struct built b;
    build(db, &b, NULL, NULL);
    assert_true(b.r.empty_period);
    for (size_t i = 0; i < b.r.n_sec; i++) {
        assert_non_null(b.r.sec[i]->empty);
        assert_true(strlen(b.r.sec[i]->empty) > 0);
    }
    assert_string_equal(section(&b.r, "overview")->empty, "no data for this period");
    assert_string_equal(section(&b.r, "authentication")->empty, "no messages in this period");
    assert_string_equal(section(&b.r, "requirements")->empty, "no messages in this period");
    unbuild(&b);
    db_close(db);

    db = open_db("future.db");
    fill_fixture(db);
    build(db, &b, "2030-01-01T00:00:00Z", NULL);
    assert_true(b.r.empty_period);
    for (size_t i = 0; i < b.r.n_sec; i++)
        assert_non_null(b.r.sec[i]->empty);
    unbuild(&b);
    db_close(db);
}

/* Messages stored without verification: the sections say so. */
static void unverified(void **state)
{
    (void)state;
    struct db *db = open_db("unverified.db");
    fill_fixture(db);
    exec_ok(db_handle(db), "DELETE FROM dkim_signatures; DELETE FROM spf_results;"
                           "DELETE FROM dmarc_results; DELETE FROM iprev_results;"
                           "DELETE FROM requirement_sets; DELETE FROM auth_claims;"
                           "DELETE FROM log_files");
    struct built b;
    build(db, &b, NULL, NULL);
    assert_false(b.r.empty_period);
    assert_null(section(&b.r, "overview")->empty);
    const char *why = section(&b.r, "authentication")->empty;
    assert_non_null(why);
    assert_non_null(strstr(why, "without verification"));
    assert_non_null(section(&b.r, "infrastructure")->empty);
    why = section(&b.r, "requirements")->empty;
    assert_non_null(why);
    assert_non_null(strstr(why, "without verification"));
    unbuild(&b);
    db_close(db);
}

/* Hostile strings come back byte for byte (renderers escape, not builders). */
static void hostile(void **state)
{
    (void)state;
    struct db *db = open_db("hostile.db");
    fill_fixture(db);
    struct built b;
    build(db, &b, NULL, NULL);
    const struct rtable *t = table(section(&b.r, "authentication"), "failures");
    long row = -1;
    for (size_t i = 0; i < t->n_rows; i++) {
        const struct rval *v = cell(t, i, "example_message_id");
        if (v->k == RK_TEXT && strcmp(v->s, hostile_mid) == 0) row = (long)i;
    }
    assert_true(row >= 0);
    assert_int_equal(strlen(cell(t, (size_t)row, "example_message_id")->s), strlen(hostile_mid));
    unbuild(&b);
    db_close(db);
}

/* Open-relay signs in the model: an unauthenticated client outside the
 * local networks relaying to a non-local domain; the text version still
 * prints the same sign. */
static void open_relay(void **state)
{
    (void)state;
    struct db *db = open_db("relay.db");
    fill_fixture(db);
    sqlite3 *h = db_handle(db);
    /* queue Q1: client 203.0.113.9 (no SASL), relayed to u9@far.example
     * (sent); queue Q2: the same from 10.0.0.5 (a local network): no sign */
    exec_ok(h, "INSERT INTO log_lines(id, log_file_id, offset, time, mta, host, kind, queue_id,"
               " client_ip) VALUES (10, 1, 0, 1743501000, 'postfix', 'mx', 'client', 'Q1',"
               " '203.0.113.9'), (11, 1, 50, 1743501000, 'postfix', 'mx', 'client', 'Q2',"
               " '10.0.0.5');"
               "INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, sender,"
               " recipient, recipient_domain, status, local, hard, blocklist_misconfig) VALUES"
               " (20, 20, 1743501600, 'postfix', 'mx', 'Q1', 'a@b.example', 'u9@far.example',"
               "  'far.example', 'sent', 0, 0, 0),"
               " (21, 21, 1743501600, 'postfix', 'mx', 'Q2', 'a@b.example', 'u8@far.example',"
               "  'far.example', 'sent', 0, 0, 0)");
    struct built b;
    char *doms[] = {"shop.example.com"};
    memset(&b, 0, sizeof b);
    b.r.a = arena_new();
    struct rscope sc = {.local_domains = doms, .n_local_domains = 1};
    assert_int_equal(rctx_open(&b.c, &b.r, h, &sc), 0);
    assert_int_equal(sec_infrastructure(&b.c), 0);
    const struct rsection *s = section(&b.r, "infrastructure");
    assert_int_val(fact(s, "open_relay_signs"), 1);
    const struct rtable *t = table(s, "open_relay_signs");
    assert_int_equal(t->n_rows, 1);
    assert_text(cell(t, 0, "client_ip"), "203.0.113.9");
    assert_text(cell(t, 0, "example_recipient"), "u9@far.example");
    assert_text(cell(t, 0, "evidence"), "relayed (sent)");
    assert_int_val(cell(t, 0, "signs"), 1);
    unbuild(&b);

    /* the text version sees the same sign */
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    struct relay_opts ro = {.domains = doms, .n_domains = 1};
    char err[256];
    assert_int_equal(report_open_relay_text(db, &ro, out, err, sizeof err), 0);
    fclose(out);
    assert_non_null(strstr(buf, "203.0.113.9"));
    assert_non_null(strstr(buf, "u9@far.example (relayed (sent))"));
    assert_null(strstr(buf, "10.0.0.5"));
    assert_non_null(strstr(buf, "1 sign(s) from 1 client(s)"));
    free(buf);
    db_close(db);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailaudit-secA-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overview_whole),
        cmocka_unit_test(authentication_whole),
        cmocka_unit_test(authentication_all_sent),
        cmocka_unit_test(infrastructure_whole),
        cmocka_unit_test(requirements_whole),
        cmocka_unit_test(scoped_since),
        cmocka_unit_test(scoped_domain),
        cmocka_unit_test(empty),
        cmocka_unit_test(unverified),
        cmocka_unit_test(hostile),
        cmocka_unit_test(open_relay),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
