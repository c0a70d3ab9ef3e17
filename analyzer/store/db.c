/* db — see db.h. Statements are a table (enum + SQL), prepared once on first
 * use and reset after each step. Every value is bound; no SQL is built from
 * data. Text from messages is bound as-is (UTF-8 from the parsers); raw bytes
 * (header_block) as a BLOB. */
#include "store/db.h"
#include "mail/limits.h"
#include "store/schema.h"
#include "store/db_internal.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <openssl/evp.h>

#define DB_BUSY_TIMEOUT_MS 30000

/* MTA log rows are written LOG_BATCH_ROWS per INSERT (one statement's fixed
 * cost shared); the column lists below and the order of the values in
 * db_log_event_insert and delivery_add go together. A multi-row INSERT that
 * can abort halfway needs a statement journal (a temporary file written for
 * every page touched); OR ROLLBACK needs none: a constraint failure, which
 * would be our bug, ends the whole transaction and the run stops with the
 * last commit kept. */
#define LOG_BATCH_ROWS 16
#define LOG_LINE_NCOLS 27
#define LOG_LINE_COLS                                                                              \
    "id, log_file_id, offset, time, time_text, mta, host, component, pid, kind, queue_id,"         \
    " session_id, client_ip, client_name, helo, sasl_user, sender, recipient, orig_recipient,"     \
    " relay_host, relay_ip, status, dsn, reply_code, reply_text, size, message_id"
#define DLV_NCOLS 38
#define DLV_COLS                                                                                   \
    "log_event_id, time, mta, host, queue_id, message_id, sender, recipient, recipient_domain,"    \
    " relay_host, relay_ip, status, dsn, reply_code, reply_text, delay, attempt, local, reason,"   \
    " hard, reason_rule, provider, blocklist, blocklist_misconfig, client_ip, sasl_user,"          \
    " ev_log_file_id, ev_offset, ev_time_text, ev_component, ev_pid, ev_kind, ev_session_id,"      \
    " ev_client_name, ev_helo, ev_orig_recipient, ev_size, ev_flags"
#define LOG_Q9 "?,?,?,?,?,?,?,?,?"
#define LOG_LINE_ROW "(" LOG_Q9 "," LOG_Q9 "," LOG_Q9 ")"           /* 27 */
#define DLV_ROW "(" LOG_Q9 "," LOG_Q9 "," LOG_Q9 "," LOG_Q9 ",?,?)" /* 38 */
#define LOG_X2(r) r "," r
#define LOG_X4(r) LOG_X2(r) "," LOG_X2(r)
#define LOG_X8(r) LOG_X4(r) "," LOG_X4(r)
#define LOG_X16(r) LOG_X8(r) "," LOG_X8(r)

enum stmt_id {
    S_BEGIN,
    S_COMMIT,
    S_RUN_INSERT,
    S_RUN_FINISH,
    S_SRC_GET,
    S_SRC_INSERT,
    S_SRC_UPDATE,
    S_SRC_DEL_SIGHTINGS,
    S_SRC_DEL_ANOMALIES,
    S_SRC_FINISH,
    S_ANOM_SRC,
    S_MSG_FIND,
    S_MSG_INSERT,
    S_PART_INSERT,
    S_MEMBER_INSERT,
    S_ADDR_INSERT,
    S_LINK_INSERT,
    S_IMAGE_INSERT,
    S_RECV_INSERT,
    S_ANOM_MSG,
    S_SIGHT_INSERT,
    S_LOGFILE_FIND,
    S_LOGFILE_LENS,
    S_LOGFILE_WIDEN,
    S_LOGFILE_INSERT,
    S_LOGFILE_PROGRESS,
    S_LOGEV_INSERT,
    S_LOGEV_INSERT_N,
    S_LOG_NEXT_ID,
    S_DLV_INSERT,
    S_DLV_INSERT_N,
    S_LOG_QUEUE_INSERT,
    S_LOG_QUEUE_RCPT_INSERT,
    S_LOG_QUEUE_FACTS,
    S_LOG_QUEUE_RCPTS,
    S_DLV_LINK_MSGID,
    S_DLV_LINK_SENDER,
    S_DLV_MAX,
    S_DKIM_DEL,
    S_DKIM_INSERT,
    S_DNS_INSERT,
    S_DNS_TOUCH,
    S_DNS_LOAD,
    S__COUNT
};

static const char *const stmt_sql[S__COUNT] = {
    [S_BEGIN] = "BEGIN IMMEDIATE",
    [S_COMMIT] = "COMMIT",
    [S_RUN_INSERT] = "INSERT INTO runs(command, version, started_at) VALUES (?1, ?2, ?3)",
    [S_RUN_FINISH] =
        "UPDATE runs SET finished_at=?2, files_seen=?3, files_skipped=?4, files_failed=?5,"
        " messages_new=?6, messages_seen=?7, bytes_read=?8 WHERE id=?1",
    [S_SRC_GET] = "SELECT id, size, mtime_ns, status FROM sources WHERE path=?1",
    [S_SRC_INSERT] =
        "INSERT INTO sources(path, format, container, compressed, size, mtime_ns, status,"
        " first_read, last_read, run_id) VALUES (?1,?2,?3,?4,?5,?6,'reading',?7,?7,?8)",
    [S_SRC_UPDATE] =
        "UPDATE sources SET format=?2, container=?3, compressed=?4, size=?5, mtime_ns=?6,"
        " status='reading', error=NULL, last_read=?7, run_id=?8 WHERE id=?1",
    [S_SRC_DEL_SIGHTINGS] = "DELETE FROM sightings WHERE source_id=?1",
    [S_SRC_DEL_ANOMALIES] = "DELETE FROM anomalies WHERE source_id=?1 AND message_id IS NULL",
    [S_SRC_FINISH] =
        "UPDATE sources SET status=?2, error=?3, n_messages=?4, bytes_read=?5 WHERE id=?1",
    [S_ANOM_SRC] = "INSERT INTO anomalies(source_id, code, detail) VALUES (?1, ?2, ?3)",
    [S_MSG_FIND] = "SELECT id FROM messages WHERE sha256=?1",
    [S_MSG_INSERT] =
        "INSERT INTO messages(sha256, size, message_id, subject, from_address, from_name,"
        " from_domain, return_path, to_addresses, date, date_tz, arrival, placement,"
        " placement_evidence, gmail_labels, n_parts, n_attachments, n_received, n_anomalies,"
        " header_block, first_source_id, first_offset, run_id)"
        " VALUES "
        "(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23)",
    [S_PART_INSERT] =
        "INSERT INTO parts(message_id, path, depth, content_type, charset, transfer_encoding,"
        " disposition, filename, size, sha256, detected_type, is_attachment)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [S_MEMBER_INSERT] =
        "INSERT INTO archive_members(part_id, position, name, size, compressed_size,"
        " encrypted, is_dir) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [S_ADDR_INSERT] =
        "INSERT OR IGNORE INTO addresses(message_id, field, position, name, address, domain, grp)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [S_LINK_INSERT] =
        "INSERT INTO links(message_id, position, part_path, href, text) VALUES (?1,?2,?3,?4,?5)",
    [S_IMAGE_INSERT] =
        "INSERT INTO images(message_id, position, part_path, src, kind, width, height,"
        " tracking_pixel) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    [S_RECV_INSERT] =
        "INSERT INTO received(message_id, hop, from_helo, from_rdns, from_ip, by_host,"
        " with_proto, tls, tls_detail, smtp_id, for_addr, date, parsed, raw)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)",
    [S_ANOM_MSG] = "INSERT INTO anomalies(message_id, code, detail) VALUES (?1, ?2, ?3)",
    [S_SIGHT_INSERT] =
        "INSERT OR IGNORE INTO sightings(message_id, source_id, offset, length, folder,"
        " account, domain, maildir_flags, placement, placement_evidence)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)",
    [S_LOGFILE_FIND] =
        "SELECT id, bytes_done, compressed FROM log_files WHERE head_len=?1 AND head_sha256=?2",
    [S_LOGFILE_LENS] =
        "SELECT DISTINCT head_len FROM log_files WHERE head_len < ?1 ORDER BY head_len DESC",
    [S_LOGFILE_WIDEN] = "UPDATE log_files SET head_len=?2, head_sha256=?3 WHERE id=?1",
    [S_LOGFILE_INSERT] =
        "INSERT INTO log_files(source_id, format, head_len, head_sha256, device, inode,"
        " compressed, bytes_done, tz_offset_min) VALUES (?1,?2,?3,?4,?5,?6,?7,0,?8)",
    [S_LOGFILE_PROGRESS] =
        "UPDATE log_files SET source_id=?2, bytes_done=?3, lines_total=lines_total+?4,"
        " lines_event=lines_event+?5, lines_ignored=lines_ignored+?6,"
        " lines_foreign=lines_foreign+?7, lines_bad=lines_bad+?8,"
        " first_time=coalesce(first_time, ?9), last_time=coalesce(?10, last_time)"
        " WHERE id=?1",
    [S_LOGEV_INSERT] = "INSERT INTO log_lines(" LOG_LINE_COLS ") VALUES " LOG_LINE_ROW,
    [S_LOGEV_INSERT_N] =
        "INSERT OR ROLLBACK INTO log_lines(" LOG_LINE_COLS ") VALUES " LOG_X16(LOG_LINE_ROW),
    /* log_events ids are one sequence over log_lines.id and log_deliveries.log_event_id;
     * the last delivery row has the highest of the latter (rows are added in line order);
     * then the highest log_lines and log_deliveries ids */
    [S_LOG_NEXT_ID] =
        "SELECT max(coalesce((SELECT max(id) FROM log_lines), 0),"
        " coalesce((SELECT log_event_id FROM log_deliveries ORDER BY id DESC LIMIT 1), 0)) + 1,"
        " coalesce((SELECT max(id) FROM log_lines), 0),"
        " coalesce((SELECT max(id) FROM log_deliveries), 0)",
    [S_DLV_INSERT] = "INSERT INTO log_deliveries(" DLV_COLS ") VALUES " DLV_ROW,
    [S_DLV_INSERT_N] =
        "INSERT OR ROLLBACK INTO log_deliveries(" DLV_COLS ") VALUES " LOG_X16(DLV_ROW),
    [S_LOG_QUEUE_INSERT] =
        "INSERT INTO log_queue(host, queue_id, message_id, sender) VALUES (?1, ?2, ?3, ?4)",
    [S_LOG_QUEUE_RCPT_INSERT] = "INSERT INTO log_queue_rcpt(queue_row, recipient, attempts, status,"
                                " last_delivery_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_LOG_QUEUE_FACTS] =
        "SELECT message_id, sender FROM log_queue WHERE queue_id=?2 AND host IS ?1"
        " ORDER BY id",
    [S_LOG_QUEUE_RCPTS] =
        "SELECT r.recipient, r.attempts, r.status, r.last_delivery_id FROM log_queue q"
        " JOIN log_queue_rcpt r ON r.queue_row = q.id WHERE q.queue_id=?2 AND q.host IS ?1"
        " ORDER BY r.id",
    /* the first Message-ID (sender) known for the queue id: log_queue rows are
     * written in time order, each with the first seen by the run writing it */
    [S_DLV_LINK_MSGID] =
        "UPDATE log_deliveries AS d SET message_id=(SELECT q.message_id FROM log_queue q"
        " WHERE q.queue_id=d.queue_id AND q.host IS d.host AND q.message_id IS NOT NULL"
        " ORDER BY q.id LIMIT 1)"
        " WHERE d.id > ?1 AND d.message_id IS NULL AND d.queue_id IS NOT NULL",
    [S_DLV_LINK_SENDER] =
        "UPDATE log_deliveries AS d SET sender=(SELECT q.sender FROM log_queue q"
        " WHERE q.queue_id=d.queue_id AND q.host IS d.host AND q.sender IS NOT NULL"
        " ORDER BY q.id LIMIT 1)"
        " WHERE d.id > ?1 AND d.sender IS NULL AND d.queue_id IS NOT NULL",
    [S_DLV_MAX] = "SELECT coalesce(max(id), 0) FROM log_deliveries",
    [S_DKIM_DEL] = "DELETE FROM dkim_signatures WHERE message_id=?1",
    [S_DKIM_INSERT] =
        "INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, algorithm,"
        " canonicalization, headers, auid, body_length, body_bytes, body_partial, signed_at,"
        " expires_at, judged_at, judged_by, key_type, key_bits, key_testing, key_record,"
        " key_source, result, reason, detail, crypto_ok, from_relation) VALUES (?1,?2,?3,?4,?5,"
        "?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26)",
    [S_DNS_INSERT] =
        "INSERT OR IGNORE INTO dns_records(qname, qtype, rcode, answer_sha, position, ttl, pref,"
        " data, cname, error, source, fetched_at, last_used_at)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?12)",
    [S_DNS_TOUCH] = "UPDATE dns_records SET last_used_at=?4 WHERE qname=?1 AND qtype=?2"
                    " AND answer_sha=?3",
    /* for each (qname, qtype), the rows of the answer fetched last */
    [S_DNS_LOAD] =
        "SELECT r.qname, r.qtype, r.rcode, r.position, r.ttl, r.pref, r.data, r.cname, r.error,"
        " r.fetched_at, r.answer_sha FROM dns_records r WHERE r.answer_sha = (SELECT r2.answer_sha"
        " FROM dns_records r2 WHERE r2.qname=r.qname AND r2.qtype=r.qtype"
        " ORDER BY r2.fetched_at DESC, r2.id DESC LIMIT 1)"
        " ORDER BY r.qname, r.qtype, r.position",
};

struct db {
    sqlite3 *h;
    sqlite3_stmt *st[S__COUNT];
    sqlite3_stmt *ext[DB_EXT_STMTS]; /* statements of other store files (db_auth.c) */
    int version;                     /* schema version of the file (read-only opens may be older) */
    char err[512];
};

const char *db_errmsg(struct db *db)
{
    return db->err[0] ? db->err : sqlite3_errmsg(db->h);
}

struct sqlite3 *db_handle(struct db *db)
{
    return db->h;
}

int db_schema_version(void)
{
    return n_schema_migrations > 0 ? schema_migrations[n_schema_migrations - 1].version : 0;
}

static int fail(struct db *db, const char *what)
{
    snprintf(db->err, sizeof db->err, "%s: %s", what, sqlite3_errmsg(db->h));
    return -1;
}

static sqlite3_stmt *stmt(struct db *db, enum stmt_id id)
{
    if (!db->st[id]) {
        if (sqlite3_prepare_v3(db->h, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &db->st[id],
                               NULL) != SQLITE_OK) {
            /* A statement that does not compile is our bug (schema and code disagree). */
            fprintf(stderr, "mailaudit: internal error preparing \"%s\": %s\n", stmt_sql[id],
                    sqlite3_errmsg(db->h));
            abort();
        }
    }
    return db->st[id];
}

/* Step a statement to completion (no rows expected) and reset it. */
static int run(struct db *db, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return fail(db, what);
    return 0;
}

void db_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

void db_bind_time(sqlite3_stmt *s, int i, int64_t t, bool valid)
{
    if (!valid) {
        sqlite3_bind_null(s, i);
        return;
    }
    /* log lines come in time order: most binds repeat the last second */
    static _Thread_local int64_t last_t = INT64_MIN;
    static _Thread_local char last_iso[32];
    if (t != last_t) {
        time_format_iso(t, last_iso);
        last_t = t;
    }
    sqlite3_bind_text(s, i, last_iso, -1, SQLITE_TRANSIENT);
}

static void now_iso(char out[32])
{
    time_format_iso(time_now(), out);
}

static int exec(struct db *db, const char *sql, const char *what)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(db->err, sizeof db->err, "%s: %s", what, msg ? msg : "error");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int migrate(struct db *db, const char *path)
{
    sqlite3_stmt *s;
    int have = 0;
    if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return fail(db, path);
    if (sqlite3_step(s) == SQLITE_ROW) have = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    int want = db_schema_version();
    if (have > want) {
        snprintf(db->err, sizeof db->err,
                 "%s: database schema version %d is newer than this mailaudit (%d): upgrade "
                 "mailaudit or use another database",
                 path, have, want);
        return -1;
    }
    for (int i = 0; i < n_schema_migrations; i++) {
        const struct schema_migration *mg = &schema_migrations[i];
        if (mg->version <= have) continue;
        if (exec(db, "BEGIN IMMEDIATE", path) != 0) return -1;
        char what[160];
        snprintf(what, sizeof what, "%s: applying schema %s", path, mg->name);
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", mg->version);
        if (exec(db, mg->sql, what) != 0 || exec(db, pragma, what) != 0) {
            exec(db, "ROLLBACK", what);
            return -1;
        }
        if (exec(db, "COMMIT", what) != 0) return -1;
    }
    return 0;
}

int db_open(const char *path, enum db_open_mode mode, struct db **out, char *err, size_t errlen)
{
    *out = NULL;
    if (mode == DB_OPEN_WRITE) {
        /* Create the file ourselves so it is 0600 from its first byte (it holds people's mail). */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot create database: %s", path, strerror(errno));
            return -1;
        }
        close(fd);
    } else if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot open database: %s", path, strerror(errno));
        return -1;
    }
    /* No memory statistics: with them (Debian's default) every SQLite
     * allocation takes a global mutex and updates counters we never read;
     * the whole report spends 2-3% of its instructions there. Only possible
     * before SQLite initialises, i.e. before the process's first open; a
     * later call is refused (SQLITE_MISUSE) and changes nothing. */
    static bool configured;
    if (!configured) {
        configured = true;
        (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    }
    struct db *db = xcalloc(1, sizeof *db);
    int flags = mode == DB_OPEN_WRITE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
    if (sqlite3_open_v2(path, &db->h, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: cannot open database: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : "out of memory");
        db_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->h, 1);
    /* Refuse what is not an SQLite database before touching it. */
    if (exec(db, "SELECT count(*) FROM sqlite_schema", path) != 0) {
        snprintf(err, errlen, "%s: not a mailaudit database (%s)", path, db->err);
        db_close(db);
        return -1;
    }
    if (mode == DB_OPEN_WRITE) {
        /* 16 KiB pages for a new database (a no-op on an existing one): the
         * report reads whole tables, and a quarter of the page reads (system
         * calls) made its whole-database run 7% cheaper */
        if (exec(db, "PRAGMA page_size=16384", path) != 0 ||
            exec(db, "PRAGMA journal_mode=WAL", path) != 0 ||
            exec(db, "PRAGMA synchronous=NORMAL", path) != 0 ||
            exec(db, "PRAGMA cache_size=-32768", path) != 0 || /* 32 MiB, bounded */
            exec(db, "PRAGMA foreign_keys=ON", path) != 0 || migrate(db, path) != 0) {
            snprintf(err, errlen, "%s", db->err);
            db_close(db);
            return -1;
        }
        /* WAL and SHM files inherit the 0600 of the database only via umask; tighten them. */
        char side[4096];
        snprintf(side, sizeof side, "%s-wal", path);
        chmod(side, 0600);
        snprintf(side, sizeof side, "%s-shm", path);
        chmod(side, 0600);
    } else {
        sqlite3_stmt *s;
        int have = 0;
        if (sqlite3_prepare_v2(db->h, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK) {
            if (sqlite3_step(s) == SQLITE_ROW) have = sqlite3_column_int(s, 0);
            sqlite3_finalize(s);
        }
        if (have == 0) {
            snprintf(err, errlen,
                     "%s: not a mailaudit database (no schema; run `mailaudit ingest` first)",
                     path);
            db_close(db);
            return -1;
        }
        if (have > db_schema_version()) {
            snprintf(err, errlen,
                     "%s: database schema version %d is newer than this mailaudit (%d)", path, have,
                     db_schema_version());
            db_close(db);
            return -1;
        }
        db->version = have;
    }
    if (mode == DB_OPEN_WRITE) db->version = db_schema_version();
    *out = db;
    return 0;
}

void db_close(struct db *db)
{
    if (!db) return;
    for (int i = 0; i < S__COUNT; i++)
        sqlite3_finalize(db->st[i]);
    for (int i = 0; i < DB_EXT_STMTS; i++)
        sqlite3_finalize(db->ext[i]);
    sqlite3_close(db->h);
    free(db);
}

int db_begin(struct db *db)
{
    return run(db, stmt(db, S_BEGIN), "begin transaction");
}

int db_commit(struct db *db)
{
    return run(db, stmt(db, S_COMMIT), "commit");
}

int db_run_begin(struct db *db, const char *command, int64_t *run_id)
{
    sqlite3_stmt *s = stmt(db, S_RUN_INSERT);
    char now[32];
    now_iso(now);
    db_bind_text(s, 1, command);
    db_bind_text(s, 2, MAILAUDIT_VERSION);
    db_bind_text(s, 3, now);
    if (run(db, s, "record run") != 0) return -1;
    *run_id = sqlite3_last_insert_rowid(db->h);
    return 0;
}

int db_run_finish(struct db *db, int64_t run_id, const struct db_run_counts *c)
{
    sqlite3_stmt *s = stmt(db, S_RUN_FINISH);
    char now[32];
    now_iso(now);
    sqlite3_bind_int64(s, 1, run_id);
    db_bind_text(s, 2, now);
    sqlite3_bind_int64(s, 3, c->files_seen);
    sqlite3_bind_int64(s, 4, c->files_skipped);
    sqlite3_bind_int64(s, 5, c->files_failed);
    sqlite3_bind_int64(s, 6, c->messages_new);
    sqlite3_bind_int64(s, 7, c->messages_seen);
    sqlite3_bind_int64(s, 8, c->bytes_read);
    return run(db, s, "finish run");
}

int db_source_unchanged(struct db *db, const char *path, int64_t size, int64_t mtime_ns,
                        bool *unchanged)
{
    sqlite3_stmt *s = stmt(db, S_SRC_GET);
    db_bind_text(s, 1, path);
    *unchanged = false;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const unsigned char *st = sqlite3_column_text(s, 3);
        *unchanged =
            sqlite3_column_int64(s, 1) == size && sqlite3_column_int64(s, 2) == mtime_ns && st &&
            (strcmp((const char *)st, "done") == 0 || strcmp((const char *)st, "error") == 0);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(db, "look up source");
    return 0;
}

int db_source_begin(struct db *db, int64_t run_id, const char *path, enum src_format fmt,
                    enum src_container cont, bool compressed, int64_t size, int64_t mtime_ns,
                    int64_t *source_id)
{
    sqlite3_stmt *s = stmt(db, S_SRC_GET);
    db_bind_text(s, 1, path);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(db, "look up source");
    char now[32];
    now_iso(now);
    s = stmt(db, id ? S_SRC_UPDATE : S_SRC_INSERT);
    int i = 1;
    if (id)
        sqlite3_bind_int64(s, i++, id);
    else
        db_bind_text(s, i++, path);
    db_bind_text(s, i++, detect_format_name(fmt));
    db_bind_text(s, i++, detect_container_name(cont));
    sqlite3_bind_int(s, i++, compressed);
    sqlite3_bind_int64(s, i++, size);
    sqlite3_bind_int64(s, i++, mtime_ns);
    db_bind_text(s, i++, now);
    sqlite3_bind_int64(s, i++, run_id);
    if (run(db, s, "record source") != 0) return -1;
    if (!id) {
        *source_id = sqlite3_last_insert_rowid(db->h);
        return 0;
    }
    *source_id = id;
    s = stmt(db, S_SRC_DEL_SIGHTINGS);
    sqlite3_bind_int64(s, 1, id);
    if (run(db, s, "clear sightings") != 0) return -1;
    s = stmt(db, S_SRC_DEL_ANOMALIES);
    sqlite3_bind_int64(s, 1, id);
    return run(db, s, "clear source anomalies");
}

int db_source_finish(struct db *db, int64_t source_id, const char *status, const char *error,
                     int64_t n_messages, int64_t bytes_read)
{
    sqlite3_stmt *s = stmt(db, S_SRC_FINISH);
    sqlite3_bind_int64(s, 1, source_id);
    db_bind_text(s, 2, status);
    db_bind_text(s, 3, error);
    sqlite3_bind_int64(s, 4, n_messages);
    sqlite3_bind_int64(s, 5, bytes_read);
    return run(db, s, "finish source");
}

int db_source_anomaly(struct db *db, int64_t source_id, enum anom_code code, const char *detail)
{
    sqlite3_stmt *s = stmt(db, S_ANOM_SRC);
    sqlite3_bind_int64(s, 1, source_id);
    db_bind_text(s, 2, anom_name(code));
    db_bind_text(s, 3, detail);
    return run(db, s, "record anomaly");
}

int db_message_find(struct db *db, const char *sha256, bool *found, int64_t *id)
{
    sqlite3_stmt *s = stmt(db, S_MSG_FIND);
    db_bind_text(s, 1, sha256);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    *id = *found ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(db, "look up message");
    return 0;
}

static int insert_addr(struct db *db, int64_t mid, const char *field, int pos, const struct addr *a)
{
    if (!a->address) return 0;
    sqlite3_stmt *s = stmt(db, S_ADDR_INSERT);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, field);
    sqlite3_bind_int(s, 3, pos);
    db_bind_text(s, 4, a->name);
    db_bind_text(s, 5, a->address);
    db_bind_text(s, 6, a->domain_lc && a->domain_lc[0] ? a->domain_lc : NULL);
    db_bind_text(s, 7, a->group);
    return run(db, s, "store address");
}

static int insert_addr_list(struct db *db, int64_t mid, const char *field,
                            const struct addr_list *l)
{
    for (size_t i = 0; i < l->n && i < ADDR_MAX_PER_FIELD; i++)
        if (insert_addr(db, mid, field, (int)i, &l->v[i]) != 0) return -1;
    return 0;
}

static const char *img_kind_name(enum html_img_kind k)
{
    switch (k) {
    case IMG_REMOTE:
        return "remote";
    case IMG_CID:
        return "cid";
    case IMG_DATA:
        return "data";
    default:
        return "other";
    }
}

static int insert_parts(struct db *db, int64_t mid, const struct message *m)
{
    int link_pos = 0, img_pos = 0;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        bool leaf = !p->is_multipart && !p->is_message;
        sqlite3_stmt *s = stmt(db, S_PART_INSERT);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, p->path);
        sqlite3_bind_int(s, 3, p->depth);
        db_bind_text(s, 4, p->content_type ? p->content_type : "");
        db_bind_text(s, 5, p->charset);
        db_bind_text(s, 6, p->cte);
        db_bind_text(s, 7, p->disposition);
        db_bind_text(s, 8, p->filename);
        if (leaf) {
            sqlite3_bind_int64(s, 9, (int64_t)p->decoded_len);
            db_bind_text(s, 10, p->sha256[0] ? p->sha256 : NULL);
        }
        db_bind_text(s, 11, leaf ? p->detected_type : NULL);
        sqlite3_bind_int(s, 12, p->is_attachment);
        if (run(db, s, "store part") != 0) return -1;
        int64_t part_id = sqlite3_last_insert_rowid(db->h);
        for (size_t k = 0; k < p->zip.n; k++) {
            const struct zip_member *zm = &p->zip.m[k];
            s = stmt(db, S_MEMBER_INSERT);
            sqlite3_bind_int64(s, 1, part_id);
            sqlite3_bind_int(s, 2, (int)k);
            db_bind_text(s, 3, zm->name ? zm->name : "");
            sqlite3_bind_int64(s, 4, (int64_t)zm->size);
            sqlite3_bind_int64(s, 5, (int64_t)zm->csize);
            sqlite3_bind_int(s, 6, zm->encrypted);
            sqlite3_bind_int(s, 7, zm->is_dir);
            if (run(db, s, "store archive member") != 0) return -1;
        }
        for (size_t k = 0; k < p->html.n_links; k++) {
            const struct html_link *l = &p->html.links[k];
            s = stmt(db, S_LINK_INSERT);
            sqlite3_bind_int64(s, 1, mid);
            sqlite3_bind_int(s, 2, link_pos++);
            db_bind_text(s, 3, p->path);
            db_bind_text(s, 4, l->href ? l->href : "");
            db_bind_text(s, 5, l->text);
            if (run(db, s, "store link") != 0) return -1;
        }
        for (size_t k = 0; k < p->html.n_images; k++) {
            const struct html_image *im = &p->html.images[k];
            s = stmt(db, S_IMAGE_INSERT);
            sqlite3_bind_int64(s, 1, mid);
            sqlite3_bind_int(s, 2, img_pos++);
            db_bind_text(s, 3, p->path);
            db_bind_text(s, 4, im->src ? im->src : "");
            db_bind_text(s, 5, img_kind_name(im->kind));
            if (im->width >= 0) sqlite3_bind_int(s, 6, im->width);
            if (im->height >= 0) sqlite3_bind_int(s, 7, im->height);
            sqlite3_bind_int(s, 8, im->tracking_pixel);
            if (run(db, s, "store image") != 0) return -1;
        }
    }
    return 0;
}

static int insert_received(struct db *db, int64_t mid, const struct message *m)
{
    for (size_t i = 0; i < m->n_received; i++) {
        const struct received_hop *r = &m->received[i];
        sqlite3_stmt *s = stmt(db, S_RECV_INSERT);
        sqlite3_bind_int64(s, 1, mid);
        sqlite3_bind_int(s, 2, (int)i);
        db_bind_text(s, 3, r->from_helo);
        db_bind_text(s, 4, r->from_rdns);
        db_bind_text(s, 5, r->from_ip);
        db_bind_text(s, 6, r->by);
        db_bind_text(s, 7, r->with);
        sqlite3_bind_int(s, 8, r->tls_used);
        db_bind_text(s, 9, r->tls);
        db_bind_text(s, 10, r->id);
        db_bind_text(s, 11, r->for_addr);
        db_bind_time(s, 12, r->date, r->date_valid);
        sqlite3_bind_int(s, 13, r->parsed);
        db_bind_text(s, 14, m->received_raw ? m->received_raw[i] : "");
        if (run(db, s, "store received") != 0) return -1;
    }
    return 0;
}

int db_message_insert(struct db *db, int64_t run_id, const struct message *m, int64_t source_id,
                      uint64_t offset, int64_t *id)
{
    sqlite3_stmt *s = stmt(db, S_MSG_INSERT);
    db_bind_text(s, 1, m->sha256);
    sqlite3_bind_int64(s, 2, (int64_t)m->raw_len);
    db_bind_text(s, 3, m->message_id);
    db_bind_text(s, 4, m->subject);
    db_bind_text(s, 5, m->has_from ? m->from.address : NULL);
    db_bind_text(s, 6, m->has_from ? m->from.name : NULL);
    db_bind_text(
        s, 7, m->has_from && m->from.domain_lc && m->from.domain_lc[0] ? m->from.domain_lc : NULL);
    db_bind_text(s, 8, m->return_path);
    db_bind_text(s, 9, m->rcpt_summary);
    db_bind_time(s, 10, m->date, m->has_date);
    if (m->has_date) sqlite3_bind_int(s, 11, m->date_tz);
    db_bind_time(s, 12, m->arrival, m->arrival != 0);
    db_bind_text(s, 13, placement_name(m->placement));
    db_bind_text(s, 14, m->placement_evidence);
    db_bind_text(s, 15, m->gmail_labels);
    sqlite3_bind_int64(s, 16, (int64_t)m->mime.n);
    sqlite3_bind_int64(s, 17, (int64_t)m->n_attachments);
    sqlite3_bind_int64(s, 18, (int64_t)m->n_received);
    sqlite3_bind_int64(s, 19, (int64_t)(m->an.n + m->an.dropped));
    size_t hlen = m->hdr.body_offset <= m->raw_len ? m->hdr.body_offset : m->raw_len;
    sqlite3_bind_blob64(s, 20, m->raw, hlen, SQLITE_STATIC);
    sqlite3_bind_int64(s, 21, source_id);
    sqlite3_bind_int64(s, 22, (int64_t)offset);
    sqlite3_bind_int64(s, 23, run_id);
    if (run(db, s, "store message") != 0) return -1;
    int64_t mid = sqlite3_last_insert_rowid(db->h);
    *id = mid;
    if (m->has_from && insert_addr(db, mid, "from", 0, &m->from) != 0) return -1;
    if (insert_addr_list(db, mid, "to", &m->to) != 0 ||
        insert_addr_list(db, mid, "cc", &m->cc) != 0 ||
        insert_addr_list(db, mid, "reply-to", &m->reply_to) != 0)
        return -1;
    if (m->return_path) {
        struct addr rp = {.address = m->return_path};
        const char *at = strrchr(m->return_path, '@');
        char dom[256] = "";
        if (at && strlen(at + 1) < sizeof dom) {
            snprintf(dom, sizeof dom, "%s", at + 1);
            str_lower(dom, strlen(dom));
            rp.domain_lc = dom;
        }
        if (insert_addr(db, mid, "return-path", 0, &rp) != 0) return -1;
    }
    if (insert_parts(db, mid, m) != 0 || insert_received(db, mid, m) != 0) return -1;
    for (size_t i = 0; i < m->an.n; i++) {
        s = stmt(db, S_ANOM_MSG);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, anom_name(m->an.v[i].code));
        db_bind_text(s, 3, m->an.v[i].detail);
        if (run(db, s, "store anomaly") != 0) return -1;
    }
    return 0;
}

int db_sighting_insert(struct db *db, int64_t message_id, int64_t source_id, uint64_t offset,
                       size_t length, const struct src_context *ctx, enum placement pl,
                       const char *evidence)
{
    sqlite3_stmt *s = stmt(db, S_SIGHT_INSERT);
    sqlite3_bind_int64(s, 1, message_id);
    sqlite3_bind_int64(s, 2, source_id);
    sqlite3_bind_int64(s, 3, (int64_t)offset);
    sqlite3_bind_int64(s, 4, (int64_t)length);
    db_bind_text(s, 5, ctx->folder);
    db_bind_text(s, 6, ctx->account);
    db_bind_text(s, 7, ctx->domain);
    db_bind_text(s, 8, ctx->flags);
    db_bind_text(s, 9, placement_name(pl));
    db_bind_text(s, 10, evidence);
    return run(db, s, "store sighting");
}

/* ---- MTA logs ---- */

static int logfile_lookup(struct db *db, size_t len, const char *sha, bool *found,
                          struct db_logfile *out)
{
    sqlite3_stmt *s = stmt(db, S_LOGFILE_FIND);
    sqlite3_bind_int64(s, 1, (int64_t)len);
    db_bind_text(s, 2, sha);
    int rc = sqlite3_step(s);
    *found = rc == SQLITE_ROW;
    if (*found) {
        out->id = sqlite3_column_int64(s, 0);
        out->bytes_done = sqlite3_column_int64(s, 1);
        out->compressed = sqlite3_column_int(s, 2) != 0;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(db, "look up log file");
    return 0;
}

int db_logfile_find(struct db *db, const char *head, size_t head_len, bool *found,
                    struct db_logfile *out)
{
    char sha[SHA256_HEX_LEN + 1];
    if (head_len > DB_LOG_HEAD) head_len = DB_LOG_HEAD;
    sha256_hex(head, head_len, sha);
    if (logfile_lookup(db, head_len, sha, found, out) != 0) return -1;
    if (*found) return 0;
    /* a file first seen shorter: compare its first head_len bytes */
    int64_t lens[16];
    int n = 0;
    sqlite3_stmt *s = stmt(db, S_LOGFILE_LENS);
    sqlite3_bind_int64(s, 1, (int64_t)head_len);
    int rc;
    while (n < 16 && (rc = sqlite3_step(s)) == SQLITE_ROW)
        lens[n++] = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    for (int i = 0; i < n; i++) {
        char short_sha[SHA256_HEX_LEN + 1];
        sha256_hex(head, (size_t)lens[i], short_sha);
        if (logfile_lookup(db, (size_t)lens[i], short_sha, found, out) != 0) return -1;
        if (*found) {
            s = stmt(db, S_LOGFILE_WIDEN);
            sqlite3_bind_int64(s, 1, out->id);
            sqlite3_bind_int64(s, 2, (int64_t)head_len);
            db_bind_text(s, 3, sha);
            return run(db, s, "widen log file identity");
        }
    }
    return 0;
}

int db_logfile_insert(struct db *db, int64_t source_id, const char *format, const char *head,
                      size_t head_len, int64_t device, int64_t inode, bool compressed,
                      int tz_offset_min, int64_t *id)
{
    char sha[SHA256_HEX_LEN + 1];
    if (head_len > DB_LOG_HEAD) head_len = DB_LOG_HEAD;
    sha256_hex(head, head_len, sha);
    sqlite3_stmt *s = stmt(db, S_LOGFILE_INSERT);
    sqlite3_bind_int64(s, 1, source_id);
    db_bind_text(s, 2, format);
    sqlite3_bind_int64(s, 3, (int64_t)head_len);
    db_bind_text(s, 4, sha);
    sqlite3_bind_int64(s, 5, device);
    sqlite3_bind_int64(s, 6, inode);
    sqlite3_bind_int(s, 7, compressed);
    sqlite3_bind_int(s, 8, tz_offset_min);
    if (run(db, s, "record log file") != 0) return -1;
    *id = sqlite3_last_insert_rowid(db->h);
    return 0;
}

int db_logfile_progress(struct db *db, int64_t id, int64_t source_id, uint64_t bytes_done,
                        const struct db_log_counts *c)
{
    sqlite3_stmt *s = stmt(db, S_LOGFILE_PROGRESS);
    sqlite3_bind_int64(s, 1, id);
    sqlite3_bind_int64(s, 2, source_id);
    sqlite3_bind_int64(s, 3, (int64_t)bytes_done);
    sqlite3_bind_int64(s, 4, c->total);
    sqlite3_bind_int64(s, 5, c->event);
    sqlite3_bind_int64(s, 6, c->ignored);
    sqlite3_bind_int64(s, 7, c->foreign);
    sqlite3_bind_int64(s, 8, c->bad);
    db_bind_time(s, 9, c->first_time, c->first_time != 0);
    db_bind_time(s, 10, c->last_time, c->last_time != 0);
    return run(db, s, "record log progress");
}

/* A value waiting in the batch: strings are copied into the batch's arena
 * (or are static strings), so that the line's own arena can be reset. */
struct log_val {
    union {
        const char *s;
        int64_t i;
        double d;
    } u;
    int32_t len;
    uint8_t type;        /* 0 for NULL, SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT */
    uint8_t static_text; /* the text outlives the batch: a rebind of it can be skipped */
};

/* The rows waiting for one table, and what each parameter of its two
 * INSERT statements holds now: SQLite keeps a binding across resets, so a
 * parameter that would get the same NULL, integer or static text again is
 * not bound again (most columns repeat from row to row). */
struct log_rows {
    arena *a;
    struct log_val *v;                      /* LOG_BATCH_ROWS rows of ncols values */
    struct log_val *bound_one, *bound_many; /* per parameter of the 1-row and n-row statements */
    int ncols, n;
    bool check_ids;             /* each row's id is checked once written */
    int64_t id[LOG_BATCH_ROWS]; /* (given as NULL when it is the next rowid: see below) */
};

struct db_log_batch {
    struct log_rows lines, dlv;
    int64_t next_event_id; /* 0: read it (and the next two) from the database first */
    int64_t lines_max;     /* the highest log_lines id, once the batch is written */
    int64_t dlv_max;       /* the highest log_deliveries id, once the batch is written */
};

static void rows_init(struct log_rows *r, int ncols)
{
    size_t n = (size_t)LOG_BATCH_ROWS * (size_t)ncols;
    r->a = arena_new();
    r->v = xcalloc(n, sizeof *r->v);
    r->bound_one = xcalloc((size_t)ncols, sizeof *r->bound_one);
    r->bound_many = xcalloc(n, sizeof *r->bound_many);
    /* nothing is known bound yet: a type no value has */
    for (size_t i = 0; i < n; i++)
        r->bound_many[i].type = 0xff;
    for (int i = 0; i < ncols; i++)
        r->bound_one[i].type = 0xff;
    r->ncols = ncols;
}

static void rows_free(struct log_rows *r)
{
    arena_free(r->a);
    free(r->v);
    free(r->bound_one);
    free(r->bound_many);
}

struct db_log_batch *db_log_batch_new(void)
{
    struct db_log_batch *b = xcalloc(1, sizeof *b);
    rows_init(&b->lines, LOG_LINE_NCOLS);
    rows_init(&b->dlv, DLV_NCOLS);
    b->lines.check_ids = b->dlv.check_ids = true;
    return b;
}

void db_log_batch_free(struct db_log_batch *b)
{
    if (!b) return;
    rows_free(&b->lines);
    rows_free(&b->dlv);
    free(b);
}

/* The next row's values, all NULL. */
static struct log_val *row_new(struct log_rows *r)
{
    struct log_val *v = &r->v[(size_t)r->n * (size_t)r->ncols];
    memset(v, 0, (size_t)r->ncols * sizeof *v);
    return v;
}

static void v_textn(struct log_val *v, const char *s, size_t n, bool is_static)
{
    v->type = SQLITE_TEXT;
    v->u.s = s;
    v->len = n > INT32_MAX ? INT32_MAX : (int32_t)n;
    v->static_text = is_static;
}

/* A string that outlives the batch (names from tables, string literals). */
static void v_static(struct log_val *v, const char *s)
{
    if (s) v_textn(v, s, strlen(s), true);
}

static void v_text(struct log_rows *r, struct log_val *v, const char *s)
{
    if (!s) return;
    size_t n = strlen(s);
    v_textn(v, arena_memdup(r->a, s, n), n, false);
}

static void v_int(struct log_val *v, int64_t i)
{
    v->type = SQLITE_INTEGER;
    v->u.i = i;
}

/* A time as stored: UTC seconds, within the years 0000-9999 (as
 * time_format_iso gives them; the views turn them into that text). */
static void v_time(struct log_val *v, int64_t t, bool valid)
{
    if (!valid) return;
    if (t < -62167219200LL) t = -62167219200LL;
    if (t > 253402300799LL) t = 253402300799LL;
    v_int(v, t);
}

/* Bind v to parameter i unless `now` (what the parameter holds) is the same. */
static void bind_val(sqlite3_stmt *s, int i, const struct log_val *v, struct log_val *now)
{
    if (v->type == now->type) {
        if (v->type == 0) return; /* NULL */
        if (v->type == SQLITE_INTEGER && v->u.i == now->u.i) return;
        if (v->type == SQLITE_TEXT && v->static_text && now->static_text && v->u.s == now->u.s &&
            v->len == now->len)
            return;
    }
    switch (v->type) {
    case SQLITE_INTEGER:
        sqlite3_bind_int64(s, i, v->u.i);
        break;
    case SQLITE_FLOAT:
        sqlite3_bind_double(s, i, v->u.d);
        break;
    case SQLITE_TEXT:
        sqlite3_bind_text(s, i, v->u.s, v->len, SQLITE_STATIC);
        break;
    default:
        sqlite3_bind_null(s, i);
        break;
    }
    *now = *v;
}

/* Write the rows waiting in r: LOG_BATCH_ROWS per statement `many`, fewer one by one. */
static int rows_write(struct db *db, struct log_rows *r, enum stmt_id one, enum stmt_id many,
                      const char *what)
{
    int done = 0, rc = 0;
    while (done < r->n && rc == 0) {
        int k = r->n - done >= LOG_BATCH_ROWS ? LOG_BATCH_ROWS : 1;
        sqlite3_stmt *s = stmt(db, k == 1 ? one : many);
        struct log_val *now = k == 1 ? r->bound_one : r->bound_many;
        const struct log_val *v = &r->v[(size_t)done * (size_t)r->ncols];
        for (int i = 0; i < k * r->ncols; i++)
            bind_val(s, i + 1, &v[i], &now[i]);
        int src = sqlite3_step(s);
        sqlite3_reset(s);
        if (src != SQLITE_DONE) {
            rc = fail(db, what);
        } else if (r->check_ids && sqlite3_last_insert_rowid(db->h) != r->id[done + k - 1]) {
            /* a row given no id (the next rowid) did not get the one allocated: our bug */
            snprintf(db->err, sizeof db->err, "%s: log line ids out of step", what);
            rc = -1;
        }
        done += k;
    }
    r->n = 0;
    arena_reset(r->a);
    return rc;
}

int db_log_flush(struct db *db, struct db_log_batch *b)
{
    b->next_event_id = 0;
    int rc = rows_write(db, &b->lines, S_LOGEV_INSERT, S_LOGEV_INSERT_N, "store log event");
    if (rows_write(db, &b->dlv, S_DLV_INSERT, S_DLV_INSERT_N, "store delivery") != 0) rc = -1;
    return rc;
}

/* The ids the next rows get, read once per transaction (after a flush). */
static int ids_load(struct db *db, struct db_log_batch *b)
{
    if (b->next_event_id) return 0;
    sqlite3_stmt *s = stmt(db, S_LOG_NEXT_ID);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        b->next_event_id = sqlite3_column_int64(s, 0);
        b->lines_max = sqlite3_column_int64(s, 1);
        b->dlv_max = sqlite3_column_int64(s, 2);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_ROW || b->next_event_id <= 0) return fail(db, "next log event id");
    return 0;
}

static int event_id_new(struct db *db, struct db_log_batch *b, int64_t *id)
{
    if (ids_load(db, b) != 0) return -1;
    *id = b->next_event_id++;
    return 0;
}

/* A full batch is written at once (the next row needs its slot). */
static int rows_room(struct db *db, struct db_log_batch *b, struct log_rows *r)
{
    if (r->n < LOG_BATCH_ROWS) return 0;
    return r == &b->lines ? rows_write(db, r, S_LOGEV_INSERT, S_LOGEV_INSERT_N, "store log event")
                          : rows_write(db, r, S_DLV_INSERT, S_DLV_INSERT_N, "store delivery");
}

int db_log_event_insert(struct db *db, struct db_log_batch *b, int64_t log_file_id, uint64_t offset,
                        const char *mta, const struct log_event *ev, int64_t *id)
{
    struct log_rows *r = &b->lines;
    if (rows_room(db, b, r) != 0 || event_id_new(db, b, id) != 0) return -1;
    struct log_val *v = row_new(r);
    /* The id right after the last line's is what SQLite gives a row without
     * one, at the cost of an append; any other is a seek in the table. */
    if (*id != b->lines_max + 1) v_int(&v[0], *id);
    b->lines_max = *id;
    r->id[r->n] = *id;
    v_int(&v[1], log_file_id);
    v_int(&v[2], (int64_t)offset);
    v_time(&v[3], ev->time, ev->time_valid);
    v_text(r, &v[4], ev->time_text);
    v_static(&v[5], mta);
    v_text(r, &v[6], ev->host);
    v_text(r, &v[7], ev->component);
    if (ev->pid >= 0) v_int(&v[8], ev->pid);
    v_static(&v[9], log_kind_name(ev->kind));
    v_text(r, &v[10], ev->queue_id);
    v_text(r, &v[11], ev->session_id);
    v_text(r, &v[12], ev->client_ip);
    v_text(r, &v[13], ev->client_name);
    v_text(r, &v[14], ev->helo);
    v_text(r, &v[15], ev->sasl_user);
    v_text(r, &v[16], ev->sender);
    v_text(r, &v[17], ev->recipient);
    v_text(r, &v[18], ev->orig_recipient);
    v_text(r, &v[19], ev->relay_host);
    v_text(r, &v[20], ev->relay_ip);
    v_static(&v[21], dlv_status_name(ev->status));
    v_text(r, &v[22], ev->dsn);
    if (ev->reply_code > 0) v_int(&v[23], ev->reply_code);
    v_text(r, &v[24], ev->reply_text);
    if (ev->size >= 0) v_int(&v[25], ev->size);
    v_text(r, &v[26], ev->message_id);
    r->n++;
    return 0;
}

static bool same_text(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* The ev_flags telling the line's message_id, sender and status from the
 * delivery's (see 0004), or -1 when the line cannot be told from the
 * delivery row and must be a log_lines row of its own. */
static int line_flags(const struct db_delivery *d)
{
    const struct log_event *ev = d->ev;
    int flags = 0;
    if (ev->queue_id && !ev->queue_id[0]) return -1; /* the delivery stores NULL for "" */
    if (d->recipient && !same_text(d->recipient, ev->recipient)) return -1;
    if (ev->message_id) {
        if (d->message_id && !same_text(d->message_id, ev->message_id)) return -1;
        flags |= 1;
    }
    if (ev->sender) {
        if (d->sender && !same_text(d->sender, ev->sender)) return -1;
        flags |= 2;
    }
    if (ev->status != DLV_NONE) {
        if (ev->status != d->status) return -1;
        flags |= 4;
    }
    return flags;
}

/* The delivery row; flags >= 0: it carries its line too (ev_ columns, ev_flags = flags).
 * Its id is the next rowid (no id is bound: an append). */
static int delivery_add(struct db *db, struct db_log_batch *b, int64_t log_event_id,
                        const char *mta, const struct db_delivery *d, int flags,
                        int64_t log_file_id, uint64_t offset, int64_t *delivery_id)
{
    struct log_rows *r = &b->dlv;
    if (rows_room(db, b, r) != 0 || ids_load(db, b) != 0) return -1;
    r->id[r->n] = ++b->dlv_max;
    if (delivery_id) *delivery_id = b->dlv_max;
    const struct log_event *ev = d->ev;
    const char *rcpt = d->recipient ? d->recipient : ev->recipient;
    struct log_val *v = row_new(r);
    v_int(&v[0], log_event_id);
    v_time(&v[1], ev->time, ev->time_valid);
    v_static(&v[2], mta);
    v_text(r, &v[3], ev->host);
    if (ev->queue_id && ev->queue_id[0]) v_text(r, &v[4], ev->queue_id);
    v_text(r, &v[5], d->message_id ? d->message_id : ev->message_id);
    v_text(r, &v[6], d->sender ? d->sender : ev->sender);
    v_text(r, &v[7], rcpt);
    const char *at = rcpt ? strrchr(rcpt, '@') : NULL;
    if (at && at[1] && strlen(at + 1) < 256) {
        size_t n = strlen(at + 1);
        while (n && (at[n] == '>' || at[n] == '.'))
            n--;
        if (n) {
            char *dom = arena_strndup(r->a, at + 1, n);
            str_lower(dom, n);
            v_textn(&v[8], dom, n, false);
        }
    }
    v_text(r, &v[9], ev->relay_host);
    v_text(r, &v[10], ev->relay_ip);
    v_static(&v[11], dlv_status_name(d->status));
    v_text(r, &v[12], ev->dsn);
    if (ev->reply_code > 0) v_int(&v[13], ev->reply_code);
    v_text(r, &v[14], ev->reply_text);
    if (ev->delay >= 0) {
        v[15].type = SQLITE_FLOAT;
        v[15].u.d = ev->delay;
    }
    if (d->attempt > 0) v_int(&v[16], d->attempt);
    v_int(&v[17], ev->local);
    v_static(&v[18], d->cls.reason);
    v_int(&v[19], d->cls.hard);
    v_static(&v[20], d->cls.rule);
    v_static(&v[21], d->provider);
    if (d->bl) v_static(&v[22], d->bl->list);
    v_int(&v[23], d->bl ? d->bl->receiver_misconfig : 0);
    v_text(r, &v[24], ev->client_ip);
    v_text(r, &v[25], ev->sasl_user);
    if (flags >= 0) {
        v_int(&v[26], log_file_id);
        v_int(&v[27], (int64_t)offset);
        v_text(r, &v[28], ev->time_text);
        v_text(r, &v[29], ev->component);
        if (ev->pid >= 0) v_int(&v[30], ev->pid);
        v_static(&v[31], log_kind_name(ev->kind));
        v_text(r, &v[32], ev->session_id);
        v_text(r, &v[33], ev->client_name);
        v_text(r, &v[34], ev->helo);
        v_text(r, &v[35], ev->orig_recipient);
        if (ev->size >= 0) v_int(&v[36], ev->size);
        v_int(&v[37], flags);
    }
    r->n++;
    return 0;
}

int db_delivery_insert(struct db *db, struct db_log_batch *b, int64_t log_event_id, const char *mta,
                       const struct db_delivery *d, int64_t *delivery_id)
{
    return delivery_add(db, b, log_event_id, mta, d, -1, 0, 0, delivery_id);
}

int db_delivery_insert_line(struct db *db, struct db_log_batch *b, int64_t log_file_id,
                            uint64_t offset, const char *mta, const struct db_delivery *d,
                            int64_t *event_id, int64_t *delivery_id)
{
    int64_t id;
    int flags = line_flags(d);
    if (flags < 0) {
        if (db_log_event_insert(db, b, log_file_id, offset, mta, d->ev, &id) != 0) return -1;
    } else if (event_id_new(db, b, &id) != 0) {
        return -1;
    }
    if (event_id) *event_id = id;
    return delivery_add(db, b, id, mta, d, flags, log_file_id, offset, delivery_id);
}

int db_log_queue_insert(struct db *db, const char *host, const char *queue_id,
                        const char *message_id, const char *sender, int64_t *row)
{
    sqlite3_stmt *s = stmt(db, S_LOG_QUEUE_INSERT);
    db_bind_text(s, 1, host);
    db_bind_text(s, 2, queue_id);
    db_bind_text(s, 3, message_id);
    db_bind_text(s, 4, sender);
    if (run(db, s, "store queue state") != 0) return -1;
    *row = sqlite3_last_insert_rowid(db->h);
    return 0;
}

int db_log_queue_rcpt_insert(struct db *db, int64_t row, const char *recipient, int attempts,
                             enum dlv_status last, int64_t last_delivery_id)
{
    sqlite3_stmt *s = stmt(db, S_LOG_QUEUE_RCPT_INSERT);
    sqlite3_bind_int64(s, 1, row);
    db_bind_text(s, 2, recipient);
    sqlite3_bind_int(s, 3, attempts);
    db_bind_text(s, 4, dlv_status_name(last));
    sqlite3_bind_int64(s, 5, last_delivery_id);
    return run(db, s, "store queue state");
}

static enum dlv_status status_from_name(const char *name)
{
    for (int st = DLV_SENT; name && st <= DLV_REJECTED; st++)
        if (!strcmp(dlv_status_name((enum dlv_status)st), name)) return (enum dlv_status)st;
    return DLV_NONE;
}

int db_log_queue_load(struct db *db, const char *host, const char *queue_id,
                      const struct db_queue_loader *l, void *ctx)
{
    sqlite3_stmt *s = stmt(db, S_LOG_QUEUE_FACTS);
    db_bind_text(s, 1, host);
    db_bind_text(s, 2, queue_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        l->facts(ctx, (const char *)sqlite3_column_text(s, 0),
                 (const char *)sqlite3_column_text(s, 1));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) return fail(db, "read queue state");
    s = stmt(db, S_LOG_QUEUE_RCPTS);
    db_bind_text(s, 1, host);
    db_bind_text(s, 2, queue_id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        l->rcpt(ctx, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1),
                status_from_name((const char *)sqlite3_column_text(s, 2)),
                sqlite3_column_int64(s, 3));
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE) return fail(db, "read queue state");
    return 0;
}

int64_t db_max_delivery_id(struct db *db)
{
    sqlite3_stmt *s = stmt(db, S_DLV_MAX);
    int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    return v;
}

int db_logs_link(struct db *db, struct db_log_batch *b, int64_t since)
{
    if (db_log_flush(db, b) != 0) return -1;
    static const enum stmt_id steps[] = {S_DLV_LINK_MSGID, S_DLV_LINK_SENDER};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        sqlite3_stmt *s = stmt(db, steps[i]);
        sqlite3_bind_int64(s, 1, since);
        if (run(db, s, "link deliveries") != 0) return -1;
    }
    return 0;
}

/* ---- DKIM and DNS (schema 0003) ---- */

int db_dkim_replace(struct db *db, int64_t message_id, const struct dkim_result *r, size_t n,
                    bool fresh)
{
    sqlite3_stmt *s;
    if (!fresh) {
        s = stmt(db, S_DKIM_DEL);
        sqlite3_bind_int64(s, 1, message_id);
        if (run(db, s, "deleting DKIM results") != 0) return -1;
    }
    s = stmt(db, S_DKIM_INSERT);
    for (size_t i = 0; i < n; i++) {
        const struct dkim_result *x = &r[i];
        sqlite3_bind_int64(s, 1, message_id);
        sqlite3_bind_int(s, 2, x->index);
        sqlite3_bind_int(s, 3, x->legacy);
        db_bind_text(s, 4, x->domain);
        db_bind_text(s, 5, x->selector);
        db_bind_text(s, 6, x->algorithm);
        db_bind_text(s, 7, x->canonicalization);
        db_bind_text(s, 8, x->headers);
        db_bind_text(s, 9, x->auid);
        if (x->has_l)
            sqlite3_bind_int64(s, 10, x->l > INT64_MAX ? INT64_MAX : (int64_t)x->l);
        else
            sqlite3_bind_null(s, 10);
        if (x->body_bytes || x->crypto_ok || x->reason == DKIM_R_BODY_HASH)
            sqlite3_bind_int64(s, 11, (int64_t)x->body_bytes);
        else
            sqlite3_bind_null(s, 11);
        sqlite3_bind_int(s, 12, x->l_partial);
        db_bind_time(s, 13, x->t, x->has_t);
        db_bind_time(s, 14, x->x, x->has_x);
        db_bind_time(s, 15, x->at, true);
        db_bind_text(s, 16, x->at_source);
        db_bind_text(s, 17, x->key_type);
        if (x->key_bits)
            sqlite3_bind_int(s, 18, x->key_bits);
        else
            sqlite3_bind_null(s, 18);
        sqlite3_bind_int(s, 19, x->testing);
        db_bind_text(s, 20, x->key_record);
        db_bind_text(s, 21, dns_source_name(x->key_source));
        db_bind_text(s, 22, auth_result_name(x->result));
        db_bind_text(s, 23, x->reason_text && *x->reason_text ? x->reason_text : NULL);
        db_bind_text(s, 24, x->detail);
        sqlite3_bind_int(s, 25, x->crypto_ok);
        db_bind_text(s, 26, dkim_from_rel_name(x->from_rel));
        if (run(db, s, "storing a DKIM result") != 0) return -1;
    }
    return 0;
}

/* SHA-256 (hex) identifying an answer: rcode, CNAME target and records. */
static void dns_answer_sha(const struct dns_answer *a, char out[65])
{
    /* rcode, then each record as type|ttl|pref|len:data, SHA-256 of it all */
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    EVP_DigestInit_ex(c, EVP_sha256(), NULL);
    char head[96];
    int hl =
        snprintf(head, sizeof head, "%s|%s|", dns_rcode_name(a->rcode), a->cname ? a->cname : "");
    EVP_DigestUpdate(c, head, (size_t)hl);
    for (size_t i = 0; i < a->n; i++) {
        const struct dns_rr *rr = &a->rr[i];
        hl = snprintf(head, sizeof head, "%d|%u|%u|%zu:", (int)rr->type, rr->ttl,
                      (unsigned)rr->pref, rr->len);
        EVP_DigestUpdate(c, head, (size_t)hl);
        EVP_DigestUpdate(c, rr->text, rr->len);
    }
    unsigned char md[32];
    unsigned ml = 0;
    EVP_DigestFinal_ex(c, md, &ml);
    EVP_MD_CTX_free(c);
    static const char hx[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hx[md[i] >> 4];
        out[2 * i + 1] = hx[md[i] & 15];
    }
    out[64] = 0;
}

int db_dns_record(struct db *db, const struct dns_answer *a)
{
    if (a->rcode == DNS_NOSOURCE) return 0;
    char sha[65];
    dns_answer_sha(a, sha);
    char now[32];
    now_iso(now);
    char fetched[32];
    if (a->fetched)
        time_format_iso(a->fetched, fetched);
    else
        memcpy(fetched, now, sizeof now);
    const char *qtype = dns_type_name(a->qtype);
    sqlite3_stmt *s = stmt(db, S_DNS_INSERT);
    size_t n = a->n ? a->n : 1;
    for (size_t i = 0; i < n; i++) {
        const struct dns_rr *rr = a->n ? &a->rr[i] : NULL;
        db_bind_text(s, 1, a->qname);
        db_bind_text(s, 2, qtype);
        db_bind_text(s, 3, dns_rcode_name(a->rcode));
        db_bind_text(s, 4, sha);
        sqlite3_bind_int64(s, 5, (int64_t)i);
        if (rr) {
            sqlite3_bind_int64(s, 6, rr->ttl);
            sqlite3_bind_int(s, 7, rr->pref);
            sqlite3_bind_text(s, 8, rr->text, (int)rr->len, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(s, 6);
            sqlite3_bind_null(s, 7);
            sqlite3_bind_null(s, 8);
        }
        db_bind_text(s, 9, a->cname);
        db_bind_text(s, 10, a->error);
        db_bind_text(s, 11, dns_source_name(a->source));
        db_bind_text(s, 12, fetched);
        if (run(db, s, "storing a DNS answer") != 0) return -1;
    }
    s = stmt(db, S_DNS_TOUCH);
    db_bind_text(s, 1, a->qname);
    db_bind_text(s, 2, qtype);
    db_bind_text(s, 3, sha);
    db_bind_text(s, 4, now);
    return run(db, s, "storing a DNS answer");
}

int db_dns_load(struct db *db, struct dns_resolver *r, arena *a, size_t *n_answers)
{
    *n_answers = 0;
    if (db->version < 3) return 0; /* a read-only database from before DNS was recorded */
    sqlite3_stmt *s = stmt(db, S_DNS_LOAD);
    struct dns_answer cur;
    memset(&cur, 0, sizeof cur);
    size_t cap = 0;
    const char *cur_sha = NULL;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *qname = (const char *)sqlite3_column_text(s, 0);
        const char *qtype = (const char *)sqlite3_column_text(s, 1);
        const char *rcode = (const char *)sqlite3_column_text(s, 2);
        const char *sha = (const char *)sqlite3_column_text(s, 10);
        if (!qname || !qtype || !rcode || !sha) continue;
        int t = dns_type_from_name(qtype);
        if (t < 0) continue;
        if (!cur_sha || strcmp(cur.qname, qname) != 0 || cur.qtype != (enum dns_type)t ||
            strcmp(cur_sha, sha) != 0) {
            if (cur_sha) {
                dns_add_cached(r, &cur);
                (*n_answers)++;
            }
            memset(&cur, 0, sizeof cur);
            cap = 0;
            cur.qname = arena_strdup(a, qname);
            cur.qtype = (enum dns_type)t;
            cur.source = DNS_SRC_DB;
            cur.rcode = strcmp(rcode, "ok") == 0         ? DNS_OK
                        : strcmp(rcode, "nxdomain") == 0 ? DNS_NXDOMAIN
                        : strcmp(rcode, "nodata") == 0   ? DNS_NODATA
                                                         : DNS_TEMPFAIL;
            const char *cn = (const char *)sqlite3_column_text(s, 7);
            cur.cname = cn ? arena_strdup(a, cn) : NULL;
            const char *er = (const char *)sqlite3_column_text(s, 8);
            cur.error = er ? arena_strdup(a, er) : NULL;
            const char *fa = (const char *)sqlite3_column_text(s, 9);
            int64_t ft;
            cur.fetched = fa && time_parse_iso(fa, &ft) == 0 ? ft : 0;
            cur_sha = arena_strdup(a, sha);
        }
        if (sqlite3_column_type(s, 6) == SQLITE_NULL) continue;
        cur.rr = arena_grow(a, cur.rr, &cap, cur.n + 1, sizeof *cur.rr);
        struct dns_rr *rr = &cur.rr[cur.n++];
        memset(rr, 0, sizeof *rr);
        rr->type = (enum dns_type)t;
        rr->ttl = (uint32_t)sqlite3_column_int64(s, 4);
        rr->pref = (uint16_t)sqlite3_column_int(s, 5);
        int len = sqlite3_column_bytes(s, 6);
        const void *d = sqlite3_column_blob(s, 6);
        rr->text = arena_strndup(a, d ? d : "", (size_t)len);
        rr->len = (size_t)len;
        if (rr->type == DNS_T_A) inet_pton(AF_INET, rr->text, rr->addr);
        if (rr->type == DNS_T_AAAA) inet_pton(AF_INET6, rr->text, rr->addr);
    }
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return fail(db, "reading cached DNS answers");
    if (cur_sha) {
        dns_add_cached(r, &cur);
        (*n_answers)++;
    }
    return 0;
}

/* ---- for the other store files (store/db_internal.h) ---- */

struct sqlite3_stmt *db_ext_stmt(struct db *db, int slot, const char *sql)
{
    if (slot < 0 || slot >= DB_EXT_STMTS) abort();
    if (!db->ext[slot] && sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
                                             &db->ext[slot], NULL) != SQLITE_OK) {
        fprintf(stderr, "mailaudit: internal error preparing \"%s\": %s\n", sql,
                sqlite3_errmsg(db->h));
        abort();
    }
    return db->ext[slot];
}

int db_ext_run(struct db *db, struct sqlite3_stmt *s, const char *what)
{
    return run(db, s, what);
}
