/* Unit tests for store/db: creation mode, migrations and version refusal,
 * the source life cycle (unchanged detection, re-read clears sightings),
 * message insert/find with child rows, duplicate sightings ignored; MTA
 * logs: a schema-3 database migrated by 0004 answers the same queries, and
 * the batched log writer.
 * Messages are built by hand here so the store is tested on its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/event.h"
#include "store/db.h"
#include "store/schema.h"
#include "util/hash.h"

static char path[128];

static int setup(void **state)
{
    (void)state;
    char dir[] = "/tmp/mailaudit-db-XXXXXX";
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    return 0;
}

static long long q1(struct db *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2((sqlite3 *)db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    long long v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return v;
}

static void fake_message(arena *a, struct message *m, const char *raw)
{
    memset(m, 0, sizeof *m);
    anom_init(&m->an, a);
    m->raw = raw;
    m->raw_len = strlen(raw);
    sha256_hex(raw, m->raw_len, m->sha256);
    m->hdr.body_offset = (size_t)(strstr(raw, "\n\n") - raw) + 2;
    m->subject = "hello";
    m->has_from = true;
    m->from.address = "a@Example.COM";
    m->from.domain_lc = "example.com";
    m->placement = PLACEMENT_SPAM;
    m->placement_evidence = "folder:Junk";
    static struct mime_part part;
    memset(&part, 0, sizeof part);
    part.path = "1";
    part.content_type = "text/plain";
    part.decoded_len = 5;
    memcpy(part.sha256, m->sha256, 65);
    m->mime.parts = &part;
    m->mime.n = 1;
    anom_add(&m->an, ANOM_HDR_DATE_MISSING, NULL);
}

static void create_and_migrate(void **state)
{
    (void)state;
    struct db *db;
    char err[600];
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(q1(db, "PRAGMA user_version"), db_schema_version());
    assert_true(db_schema_version() >= 1);
    assert_int_equal(q1(db, "SELECT count(*) FROM sqlite_schema WHERE name='sightings'"), 1);
    db_close(db);
    /* opening again applies nothing and keeps the version */
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    assert_int_equal(q1(db, "PRAGMA user_version"), db_schema_version());
    db_close(db);
}

static void sources_and_messages(void **state)
{
    (void)state;
    struct db *db;
    char err[600];
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    int64_t run, sid, mid, mid2;
    bool unchanged, found;
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_run_begin(db, "ingest", &run), 0);
    assert_int_equal(db_source_unchanged(db, "/x/a.mbox", 10, 20, &unchanged), 0);
    assert_false(unchanged);
    assert_int_equal(
        db_source_begin(db, run, "/x/a.mbox", SRC_MBOX, CONT_MBOX, false, 10, 20, &sid), 0);
    arena *a = arena_new();
    struct message m;
    fake_message(a, &m, "From: a@Example.COM\nSubject: hello\n\nbody\n");
    assert_int_equal(db_message_find(db, m.sha256, &found, &mid), 0);
    assert_false(found);
    assert_int_equal(db_message_insert(db, run, &m, sid, 0, &mid), 0);
    assert_int_equal(db_message_find(db, m.sha256, &found, &mid2), 0);
    assert_true(found);
    assert_int_equal(mid, mid2);
    struct src_context ctx = {.container = CONT_MBOX, .folder = "Junk"};
    assert_int_equal(
        db_sighting_insert(db, mid, sid, 0, m.raw_len, &ctx, PLACEMENT_SPAM, "folder:Junk"), 0);
    /* the same place twice is one sighting */
    assert_int_equal(
        db_sighting_insert(db, mid, sid, 0, m.raw_len, &ctx, PLACEMENT_SPAM, "folder:Junk"), 0);
    assert_int_equal(db_source_finish(db, sid, "done", NULL, 1, 100), 0);
    assert_int_equal(db_commit(db), 0);

    assert_int_equal(q1(db, "SELECT count(*) FROM sightings"), 1);
    assert_int_equal(
        q1(db, "SELECT count(*) FROM parts WHERE message_id=1 AND path='1' AND size=5"), 1);
    assert_int_equal(
        q1(db, "SELECT count(*) FROM addresses WHERE field='from' AND domain='example.com'"), 1);
    assert_int_equal(q1(db, "SELECT count(*) FROM anomalies WHERE code='header.date_missing'"), 1);
    assert_int_equal(q1(db, "SELECT length(header_block) FROM messages"), 36);
    assert_int_equal(q1(db, "SELECT placement='spam' FROM sightings"), 1);

    /* unchanged: same size and mtime after a completed read */
    assert_int_equal(db_source_unchanged(db, "/x/a.mbox", 10, 20, &unchanged), 0);
    assert_true(unchanged);
    assert_int_equal(db_source_unchanged(db, "/x/a.mbox", 11, 20, &unchanged), 0);
    assert_false(unchanged);
    /* re-reading a source clears its sightings (they are recorded again) */
    assert_int_equal(db_begin(db), 0);
    int64_t sid2;
    assert_int_equal(
        db_source_begin(db, run, "/x/a.mbox", SRC_MBOX, CONT_MBOX, false, 11, 20, &sid2), 0);
    assert_int_equal(sid2, sid);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(q1(db, "SELECT count(*) FROM sightings"), 0);
    assert_int_equal(q1(db, "SELECT status='reading' FROM sources"), 1);
    /* an interrupted read is not "unchanged" */
    assert_int_equal(db_source_unchanged(db, "/x/a.mbox", 11, 20, &unchanged), 0);
    assert_false(unchanged);
    arena_free(a);
    db_close(db);
}

static void refuses_newer_and_foreign(void **state)
{
    (void)state;
    struct db *db;
    char err[600];
    sqlite3 *h;
    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "PRAGMA user_version=9999", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
    assert_int_equal(db_open(path, DB_OPEN_WRITE, &db, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer than this mailaudit"));
    assert_int_equal(db_open(path, DB_OPEN_READ, &db, err, sizeof err), -1);
    assert_non_null(strstr(err, "newer"));

    char other[160];
    snprintf(other, sizeof other, "%s.txt", path);
    FILE *f = fopen(other, "w");
    fputs("this is not an sqlite database, but some text long enough...........................",
          f);
    fclose(f);
    assert_int_equal(db_open(other, DB_OPEN_WRITE, &db, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a mailaudit database"));
    unlink(other);
}

/* ---- MTA logs: migration 0004 and the batched log writer ---- */

static void exec_ok(sqlite3 *h, const char *sql)
{
    char *e = NULL;
    if (sqlite3_exec(h, sql, NULL, NULL, &e) != SQLITE_OK) fail_msg("%s: %s", sql, e ? e : "?");
}

/* The answer of a query as text: column names, then each value typed
 * (NULL, integers, reals, 'text'), to compare two answers exactly. */
static char *answer(sqlite3 *h, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(h));
    size_t cap = 4096, len = 0;
    char *out = malloc(cap);
    out[0] = '\0';
    int n = sqlite3_column_count(s);
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int k_ = snprintf(NULL, 0, __VA_ARGS__);                                                   \
        while (len + (size_t)k_ + 1 > cap)                                                         \
            out = realloc(out, cap *= 2);                                                          \
        snprintf(out + len, cap - len, __VA_ARGS__);                                               \
        len += (size_t)k_;                                                                         \
    } while (0)
    for (int i = 0; i < n; i++)
        PUT("%s%s", i ? "|" : "", sqlite3_column_name(s, i));
    PUT("\n");
    while (sqlite3_step(s) == SQLITE_ROW) {
        for (int i = 0; i < n; i++) {
            if (i) PUT("|");
            switch (sqlite3_column_type(s, i)) {
            case SQLITE_NULL:
                PUT("NULL");
                break;
            case SQLITE_INTEGER:
                PUT("%lld", (long long)sqlite3_column_int64(s, i));
                break;
            case SQLITE_FLOAT:
                PUT("%.17g", sqlite3_column_double(s, i));
                break;
            default:
                PUT("'%s'", (const char *)sqlite3_column_text(s, i));
                break;
            }
        }
        PUT("\n");
    }
#undef PUT
    sqlite3_finalize(s);
    return out;
}

static const char *const public_queries[] = {
    "SELECT * FROM log_events ORDER BY id",
    /* the columns of schema 3 (schema 7 adds source and bounce_message at the end) */
#define DLV_V3_COLS                                                                                \
    "id, log_event_id, time, mta, host, queue_id, message_id, sender, recipient,"                  \
    " recipient_domain, relay_host, relay_ip, status, dsn, reply_code, reply_text, delay,"         \
    " attempt, local, reason, hard, reason_rule, provider, blocklist, blocklist_misconfig,"        \
    " client_ip, sasl_user"
    "SELECT " DLV_V3_COLS " FROM deliveries ORDER BY id",
    "SELECT " DLV_V3_COLS " FROM delivery_outcomes ORDER BY id",
    "SELECT message_rowid, subject, from_address, from_domain, " DLV_V3_COLS
    " FROM message_deliveries ORDER BY id",
    "SELECT kind, count(*), min(time), max(offset) FROM log_events GROUP BY kind ORDER BY kind",
    "SELECT e.kind, d.status, d.recipient FROM deliveries d JOIN log_events e"
    " ON e.id = d.log_event_id ORDER BY d.id",
    "SELECT typeof(d.reply_code), typeof(d.delay), typeof(e.pid), typeof(e.size) FROM deliveries d"
    " JOIN log_events e ON e.id = d.log_event_id ORDER BY d.id",
};
#define N_PUBLIC (sizeof public_queries / sizeof public_queries[0])

/* A database of schema 3 (migrations 1-3 only) holding log rows as the
 * previous mailaudit wrote them: a message delivered after a deferral, an
 * expiry fanned out to its deferred recipient, a refusal, and a message still
 * queued (its deliveries come later). */
static void make_v3(const char *p)
{
    sqlite3 *h;
    unlink(p);
    assert_int_equal(sqlite3_open(p, &h), SQLITE_OK);
    for (int i = 0; i < n_schema_migrations && schema_migrations[i].version <= 3; i++)
        exec_ok(h, schema_migrations[i].sql);
    exec_ok(h, "PRAGMA user_version=3");
    exec_ok(h,
            "INSERT INTO runs(id, command, version, started_at) VALUES (1, 'ingest', '0.1.0',"
            " '2025-04-01T00:00:00Z');"
            "INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status,"
            " first_read, last_read, run_id) VALUES (1, '/l/maillog', 'log', 'file', 0, 900, 1,"
            " 'done', 'x', 'x', 1), (2, '/m/a.eml', 'eml', 'file', 0, 10, 1, 'done', 'x', 'x', 1);"
            "INSERT INTO messages(id, sha256, size, message_id, subject, from_address,"
            " from_domain, placement, n_parts, n_attachments, n_received, n_anomalies,"
            " header_block, first_source_id, first_offset, run_id) VALUES (1, 'aa', 10,"
            " 'm1@example.com', 'Seed', 'news@example.com', 'example.com', 'inbox', 1, 0, 0, 0,"
            " x'00', 2, 0, 1);"
            "INSERT INTO log_files(id, source_id, format, head_len, head_sha256, compressed,"
            " bytes_done, tz_offset_min, lines_total, lines_event) VALUES (1, 1, 'postfix', 900,"
            " 'bb', 0, 900, 0, 12, 11);");
    exec_ok(
        h, "INSERT INTO log_events(id, log_file_id, offset, time, time_text, mta, host,"
           " component, pid, kind, queue_id, session_id, client_ip, client_name, helo,"
           " sasl_user, sender, recipient, orig_recipient, relay_host, relay_ip, status, dsn,"
           " reply_code, reply_text, size, message_id) VALUES"
           " (1, 1, 0, '2025-04-01T06:00:00Z', 'Apr  1 06:00:00', 'postfix', 'mx', 'postfix/smtpd',"
           "  10, 'client', 'A1', '10', '192.0.2.1', 'app', NULL, 'u1', NULL, NULL, NULL, NULL,"
           "  NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
           " (2, 1, 80, '2025-04-01T06:00:00Z', 'Apr  1 06:00:00', 'postfix', 'mx',"
           "  'postfix/cleanup', 11, 'message-id', 'A1', NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
           "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'm1@example.com'),"
           " (3, 1, 150, '2025-04-01T06:00:00Z', 'Apr  1 06:00:00', 'postfix', 'mx',"
           "  'postfix/qmgr', 12, 'queued', 'A1', NULL, NULL, NULL, NULL, NULL,"
           "  'news@example.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2048, NULL),"
           " (4, 1, 230, '2025-04-01T06:00:01Z', 'Apr  1 06:00:01', 'postfix', 'mx',"
           "  'postfix/smtp', 13, 'delivery', 'A1', NULL, NULL, NULL, NULL, NULL, NULL,"
           "  'bob@gmail.com', 'Bob@gmail.com', 'gmail-smtp-in.l.google.com', '142.250.1.1',"
           "  'deferred', '4.7.28', 421, '421-4.7.28 rate limited', NULL, NULL),"
           " (5, 1, 330, '2025-04-01T07:00:01Z', 'Apr  1 07:00:01', 'postfix', 'mx',"
           "  'postfix/smtp', 14, 'delivery', 'A1', NULL, NULL, NULL, NULL, NULL, NULL,"
           "  'bob@gmail.com', NULL, 'gmail-smtp-in.l.google.com', '142.250.1.1', 'sent', '2.0.0',"
           "  250, '250 2.0.0 OK', NULL, NULL),"
           " (6, 1, 420, '2025-04-01T07:00:02Z', 'Apr  1 07:00:02', 'postfix', 'mx',"
           "  'postfix/smtp', 14, 'delivery', 'A1', NULL, NULL, NULL, NULL, NULL, NULL,"
           "  'eve@yahoo.com', NULL, 'mta5.am0.yahoodns.net', '67.195.1.1', 'deferred', '4.7.0',"
           "  421, '421 4.7.0 [TSS04] deferred', NULL, NULL),"
           " (7, 1, 510, '2025-04-06T07:00:02Z', 'Apr  6 07:00:02', 'postfix', 'mx',"
           "  'postfix/qmgr', 12, 'expired', 'A1', NULL, NULL, NULL, NULL, NULL,"
           "  'news@example.com', NULL, NULL, NULL, NULL, 'expired', NULL, NULL,"
           "  'message expired', NULL, NULL),"
           " (8, 1, 600, '2025-04-06T07:00:03Z', 'Apr  6 07:00:03', 'postfix', 'mx',"
           "  'postfix/qmgr', 12, 'removed', 'A1', NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
           "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
           " (9, 1, 650, '2025-04-06T08:00:00Z', 'Apr  6 08:00:00', 'postfix', 'mx',"
           "  'postfix/smtpd', 20, 'reject', NULL, '20', '203.0.113.9', 'unknown', 'bot', NULL,"
           "  'x@spam.example', 'victim@example.org', NULL, NULL, NULL, NULL, '5.7.1', 554,"
           "  'Relay access denied', NULL, NULL),"
           " (10, 1, 760, '2025-04-06T09:00:00Z', 'Apr  6 09:00:00', 'postfix', 'mx',"
           "  'postfix/cleanup', 11, 'message-id', 'B2', NULL, NULL, NULL, NULL, NULL, NULL,"
           "  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'open@example.com'),"
           " (11, 1, 830, '2025-04-06T09:00:00Z', 'Apr  6 09:00:00', 'postfix', 'mx',"
           "  'postfix/qmgr', 12, 'queued', 'B2', NULL, NULL, NULL, NULL, NULL,"
           "  'ops@example.com', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 512, NULL);");
    exec_ok(h,
            "INSERT INTO deliveries(id, log_event_id, time, mta, host, queue_id, message_id,"
            " sender, recipient, recipient_domain, relay_host, relay_ip, status, dsn,"
            " reply_code, reply_text, delay, attempt, local, reason, hard, reason_rule,"
            " provider, blocklist, blocklist_misconfig, client_ip, sasl_user) VALUES"
            " (1, 4, '2025-04-01T06:00:01Z', 'postfix', 'mx', 'A1', 'm1@example.com',"
            "  'news@example.com', 'bob@gmail.com', 'gmail.com', 'gmail-smtp-in.l.google.com',"
            "  '142.250.1.1', 'deferred', '4.7.28', 421, '421-4.7.28 rate limited', 1.5, 1, 0,"
            "  'speeding', 0, 'text:gmail-rate', 'gmail', NULL, 0, NULL, NULL),"
            " (2, 5, '2025-04-01T07:00:01Z', 'postfix', 'mx', 'A1', 'm1@example.com',"
            "  'news@example.com', 'bob@gmail.com', 'gmail.com', 'gmail-smtp-in.l.google.com',"
            "  '142.250.1.1', 'sent', '2.0.0', 250, '250 2.0.0 OK', 3601.25, 2, 0, 'delivered',"
            "  0, 'status:sent', 'gmail', NULL, 0, NULL, NULL),"
            " (3, 6, '2025-04-01T07:00:02Z', 'postfix', 'mx', 'A1', 'm1@example.com',"
            "  'news@example.com', 'eve@yahoo.com', 'yahoo.com', 'mta5.am0.yahoodns.net',"
            "  '67.195.1.1', 'deferred', '4.7.0', 421, '421 4.7.0 [TSS04] deferred', NULL, 1, 0,"
            "  'speeding', 0, 'text:yahoo-tss04', 'yahoo', NULL, 0, NULL, NULL),"
            " (4, 7, '2025-04-06T07:00:02Z', 'postfix', 'mx', 'A1', 'm1@example.com',"
            "  'news@example.com', 'eve@yahoo.com', 'yahoo.com', NULL, NULL, 'expired', NULL,"
            "  NULL, 'message expired', NULL, 2, 0, 'expired', 0, 'status:expired', 'yahoo',"
            "  NULL, 0, NULL, NULL),"
            " (5, 9, '2025-04-06T08:00:00Z', 'postfix', 'mx', NULL, NULL, 'x@spam.example',"
            "  'victim@example.org', 'example.org', NULL, NULL, 'rejected', '5.7.1', 554,"
            "  'Relay access denied', NULL, NULL, 0, 'norelaying', 1, 'dsn:5.7.1', NULL, NULL, 0,"
            "  '203.0.113.9', NULL);");
    sqlite3_close(h);
}

/* What db_log_queue_load gives, as text. */
struct loaded {
    char text[512];
};

static void load_facts(void *ctx, const char *message_id, const char *sender)
{
    struct loaded *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s/%s;", message_id ? message_id : "-",
             sender ? sender : "-");
}

static void load_rcpt(void *ctx, const char *rcpt, int attempts, enum dlv_status last,
                      int64_t last_id)
{
    struct loaded *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof l->text - n, "%s:%d:%s:%lld;", rcpt ? rcpt : "-", attempts,
             dlv_status_name(last), (long long)last_id);
}

static void logs_migrate_from_v3(void **state)
{
    (void)state;
    char p3[160];
    snprintf(p3, sizeof p3, "%s.v3", path);
    make_v3(p3);
    sqlite3 *h;
    char *before[N_PUBLIC];
    assert_int_equal(sqlite3_open(p3, &h), SQLITE_OK);
    for (size_t i = 0; i < N_PUBLIC; i++)
        before[i] = answer(h, public_queries[i]);
    sqlite3_close(h);
    assert_non_null(strstr(before[0], "'m1@example.com'"));

    struct db *db;
    char err[600];
    assert_int_equal(db_open(p3, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    assert_int_equal(q1(db, "PRAGMA user_version"), db_schema_version());
    /* the same questions, the same answers (column names, values, types, ids) */
    for (size_t i = 0; i < N_PUBLIC; i++) {
        char *after = answer((sqlite3 *)db_handle(db), public_queries[i]);
        if (strcmp(before[i], after) != 0)
            fail_msg("%s\nbefore:\n%s\nafter:\n%s", public_queries[i], before[i], after);
        free(after);
        free(before[i]);
    }
    assert_int_equal(q1(db, "SELECT count(*) FROM sqlite_schema WHERE type='view' AND name IN"
                            " ('log_events', 'deliveries', 'delivery_outcomes',"
                            " 'message_deliveries')"),
                     4);
    /* every old line moved to log_lines; each queue id's first Message-ID and sender kept */
    assert_int_equal(q1(db, "SELECT count(*) FROM log_lines"), 11);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_queue WHERE queue_id='B2'"
                            " AND message_id='open@example.com' AND sender='ops@example.com'"),
                     1);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_queue WHERE queue_id='A1'"
                            " AND message_id='m1@example.com' AND sender='news@example.com'"),
                     1);
    assert_int_equal(q1(db, "PRAGMA integrity_check") == -1, 0);
    /* and per recipient its attempts, last status and last delivery */
    struct loaded got = {0};
    static const struct db_queue_loader loader = {load_facts, load_rcpt};
    assert_int_equal(db_log_queue_load(db, "mx", "A1", &loader, &got), 0);
    assert_string_equal(got.text, "m1@example.com/news@example.com;"
                                  "bob@gmail.com:2:sent:2;eve@yahoo.com:2:expired:4;");

    /* A later run delivers the queued message B2: its line goes in with the
     * delivery, the ids go on from the old ones, and the link finds its
     * Message-ID and sender in what the old version stored. */
    struct db_log_batch *b = db_log_batch_new();
    int64_t since = db_max_delivery_id(db);
    assert_int_equal(since, 5);
    assert_int_equal(db_begin(db), 0);
    struct log_event ev;
    log_event_init(&ev);
    ev.kind = EV_DELIVERY;
    ev.time = 1743930000;
    ev.time_valid = true;
    ev.time_text = "Apr  6 09:00:00";
    ev.host = "mx";
    ev.component = "postfix/smtp";
    ev.pid = 30;
    ev.queue_id = "B2";
    ev.recipient = "carol@example.net";
    ev.relay_host = "mx.example.net";
    ev.status = DLV_SENT;
    ev.dsn = "2.0.0";
    ev.reply_code = 250;
    ev.reply_text = "250 ok";
    ev.delay = 0.5;
    struct db_delivery d = {.ev = &ev,
                            .status = DLV_SENT,
                            .attempt = 1,
                            .cls = {.reason = "delivered", .rule = "status:sent"}};
    int64_t eid = 0, did = 0;
    assert_int_equal(db_delivery_insert_line(db, b, 1, 900, "postfix", &d, &eid, &did), 0);
    assert_int_equal(eid, 12);
    assert_int_equal(did, 6);
    assert_int_equal(db_logs_link(db, b, since), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(q1(db, "SELECT count(*) FROM deliveries WHERE id=6 AND log_event_id=12"
                            " AND message_id='open@example.com' AND sender='ops@example.com'"
                            " AND attempt=1 AND recipient_domain='example.net'"),
                     1);
    /* as a line: kind delivery, its own status, and no Message-ID (the line had none) */
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events WHERE id=12 AND kind='delivery'"
                            " AND status='sent' AND message_id IS NULL AND sender IS NULL"
                            " AND offset=900 AND pid=30 AND time='2025-04-06T09:00:00Z'"),
                     1);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_lines"), 11);
    db_log_batch_free(b);
    db_close(db);
    unlink(p3);
}

/* The batched writer: rows past a batch, a line kept apart when a delivery
 * cannot carry it, and the views answering as the tables did. */
static void logs_batch_writer(void **state)
{
    (void)state;
    char pb[160];
    snprintf(pb, sizeof pb, "%s.batch", path);
    unlink(pb);
    struct db *db;
    char err[600];
    assert_int_equal(db_open(pb, DB_OPEN_WRITE, &db, err, sizeof err), 0);
    int64_t run, sid, lf;
    assert_int_equal(db_begin(db), 0);
    assert_int_equal(db_run_begin(db, "ingest", &run), 0);
    assert_int_equal(db_source_begin(db, run, "/l/x", SRC_LOG, CONT_FILE, false, 1, 1, &sid), 0);
    assert_int_equal(db_logfile_insert(db, sid, "exim", "head", 4, 1, 1, false, 0, &lf), 0);
    struct db_log_batch *b = db_log_batch_new();
    int64_t last = 0;
    for (int i = 0; i < 40; i++) {
        char qid[16], rcpt[32];
        snprintf(qid, sizeof qid, "Q%02d", i);
        snprintf(rcpt, sizeof rcpt, "r%d@example.org", i);
        struct log_event ev;
        log_event_init(&ev);
        ev.kind = EV_QUEUED;
        ev.time = 1743500000 + i;
        ev.time_valid = true;
        ev.queue_id = qid;
        ev.sender = "s@example.com";
        ev.message_id = "id@example.com";
        int64_t id;
        assert_int_equal(db_log_event_insert(db, b, lf, (uint64_t)i * 100, "exim", &ev, &id), 0);
        assert_int_equal(id, last + 1);
        ev.kind = EV_DELIVERY;
        ev.recipient = rcpt;
        ev.status = i % 3 ? DLV_SENT : DLV_NONE; /* a line may not name the status */
        ev.sender = NULL;
        ev.message_id = i % 2 ? "id@example.com" : NULL; /* exim => lines may carry it */
        struct db_delivery d = {.ev = &ev,
                                .status = DLV_SENT,
                                .message_id = "id@example.com",
                                .sender = "s@example.com",
                                .attempt = 1,
                                .cls = {.reason = "delivered", .rule = "status:sent"}};
        if (i == 7) d.recipient = "other@example.org"; /* cannot be told from the line */
        assert_int_equal(
            db_delivery_insert_line(db, b, lf, (uint64_t)i * 100 + 50, "exim", &d, &last, NULL), 0);
        assert_int_equal(last, id + 1);
    }
    assert_int_equal(db_log_flush(db, b), 0);
    assert_int_equal(db_commit(db), 0);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events"), 80);
    assert_int_equal(q1(db, "SELECT count(DISTINCT id) || max(id) FROM log_events"), 8080);
    assert_int_equal(q1(db, "SELECT count(*) FROM deliveries"), 40);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_lines"), 41); /* 40 arrivals and line 7 */
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events e JOIN deliveries d"
                            " ON d.log_event_id = e.id WHERE e.kind = 'delivery'"
                            " AND e.offset = (e.id / 2 - 1) * 100 + 50"),
                     40);
    /* the line's own values, not the delivery's */
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events WHERE kind='delivery'"
                            " AND status IS NULL"),
                     14);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events WHERE kind='delivery'"
                            " AND message_id IS NOT NULL"),
                     20);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events WHERE kind='delivery'"
                            " AND sender IS NOT NULL"),
                     0);
    assert_int_equal(q1(db, "SELECT count(*) FROM log_events WHERE id=16 AND kind='delivery'"
                            " AND recipient='r7@example.org'"),
                     1);
    assert_int_equal(q1(db, "SELECT count(*) FROM deliveries WHERE log_event_id=16"
                            " AND recipient='other@example.org'"),
                     1);
    assert_int_equal(q1(db, "SELECT count(*) FROM deliveries WHERE status='sent'"
                            " AND sender='s@example.com' AND time LIKE '2025-04-01T%Z'"),
                     40);
    db_log_batch_free(b);
    db_close(db);
    unlink(pb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_and_migrate),
        cmocka_unit_test(sources_and_messages),
        cmocka_unit_test(refuses_newer_and_foreign),
        cmocka_unit_test(logs_migrate_from_v3),
        cmocka_unit_test(logs_batch_writer),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
