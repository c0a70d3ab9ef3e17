/* db — the SQLite store: the only module that writes the database.
 * Opens (creating it 0600), applies the compiled-in migrations in order
 * (PRAGMA user_version holds the schema version; a database newer than this
 * binary is refused), sets WAL mode, and keeps every INSERT/SELECT as a
 * prepared statement with bound parameters. Writes are batched into
 * transactions by the caller (db_begin/db_commit); SQLite's atomic commit
 * makes a kill -9 at any point leave the last committed state.
 * Not thread-safe: one writer thread owns a struct db. */
#ifndef STORE_DB_H
#define STORE_DB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "auth/dkim.h"
#include "auth/verify.h"
#include "dns/dns.h"
#include "logs/classify.h"
#include "logs/event.h"
#include "mail/anomaly.h"
#include "mail/message.h"
#include "sources/detect.h"

struct db;

enum db_open_mode { DB_OPEN_WRITE, DB_OPEN_READ };

/* 0 on success; -1 with err filled ("what: why"). */
int db_open(const char *path, enum db_open_mode mode, struct db **out, char *err, size_t errlen);
void db_close(struct db *db);
const char *db_errmsg(struct db *db);
/* The raw handle, for the report layer's read-only queries. */
struct sqlite3 *db_handle(struct db *db);
int db_schema_version(void);

int db_begin(struct db *db);
int db_commit(struct db *db);

int db_run_begin(struct db *db, const char *command, int64_t *run_id);
struct db_run_counts {
    int64_t files_seen, files_skipped, files_failed, messages_new, messages_seen, bytes_read;
};
int db_run_finish(struct db *db, int64_t run_id, const struct db_run_counts *c);

/* Is this source already read completely with the same size and mtime? */
int db_source_unchanged(struct db *db, const char *path, int64_t size, int64_t mtime_ns,
                        bool *unchanged);
/* Insert or update the source row with status 'reading'; its earlier
 * sightings and source anomalies are removed (they are re-recorded). */
int db_source_begin(struct db *db, int64_t run_id, const char *path, enum src_format fmt,
                    enum src_container cont, bool compressed, int64_t size, int64_t mtime_ns,
                    int64_t *source_id);
/* status "done" or "error" (error text, else NULL). */
int db_source_finish(struct db *db, int64_t source_id, const char *status, const char *error,
                     int64_t n_messages, int64_t bytes_read);
int db_source_anomaly(struct db *db, int64_t source_id, enum anom_code code, const char *detail);

/* Look a message up by the SHA-256 of its raw bytes: *found and *id. */
int db_message_find(struct db *db, const char *sha256, bool *found, int64_t *id);
/* Store a parsed message with all its rows (parts, addresses, received, links,
 * images, archive members, anomalies). */
int db_message_insert(struct db *db, int64_t run_id, const struct message *m, int64_t source_id,
                      uint64_t offset, int64_t *id);
int db_sighting_insert(struct db *db, int64_t message_id, int64_t source_id, uint64_t offset,
                       size_t length, const struct src_context *ctx, enum placement pl,
                       const char *evidence);

/* ---- MTA logs (schemas 0002, 0004) ---- */

#define DB_LOG_HEAD 4096 /* bytes of a log file's head that identify it */

struct db_logfile {
    int64_t id;
    int64_t bytes_done;
    bool compressed;
};

/* Find the log file whose identity is this head (the file's first bytes, at
 * most DB_LOG_HEAD); a file first seen shorter than it is now is found too
 * and its identity widened. */
int db_logfile_find(struct db *db, const char *head, size_t head_len, bool *found,
                    struct db_logfile *out);
int db_logfile_insert(struct db *db, int64_t source_id, const char *format, const char *head,
                      size_t head_len, int64_t device, int64_t inode, bool compressed,
                      int tz_offset_min, int64_t *id);
struct db_log_counts {
    int64_t total, event, ignored, foreign, bad;
    int64_t first_time, last_time; /* 0 = none */
};
/* Record how far the file is read (in the same transaction as its events). */
int db_logfile_progress(struct db *db, int64_t id, int64_t source_id, uint64_t bytes_done,
                        const struct db_log_counts *c);

/* Log rows (schema 0004: log_lines and log_deliveries, read through the
 * views log_events and deliveries) are added to a batch and written by
 * db_log_flush several rows per INSERT (a full batch is written at once).
 * Their strings are copied, but for the classification's names, which are
 * static. Flush before a commit and before anything that reads log rows
 * back (the functions below that do say so). A flush also forgets the next
 * log_events id, read again from the database by the next row: another
 * writer may add rows between two transactions, never inside one. */
struct db_log_batch;
struct db_log_batch *db_log_batch_new(void);
void db_log_batch_free(struct db_log_batch *b);
int db_log_flush(struct db *db, struct db_log_batch *b);

/* Add a log line (a log_events row that is not a delivery's own line);
 * *id is its log_events id. */
int db_log_event_insert(struct db *db, struct db_log_batch *b, int64_t log_file_id, uint64_t offset,
                        const char *mta, const struct log_event *ev, int64_t *id);

struct db_delivery {
    const struct log_event *ev;
    enum dlv_status status;
    const char *recipient;           /* overrides ev->recipient when not NULL (expired fan-out) */
    const char *message_id, *sender; /* override the event's when not NULL (from its queue id) */
    int attempt;                     /* 1, 2, ... ; 0 = unknown (stored NULL) */
    struct bounce_class cls;         /* static strings, as classify.h gives them */
    const char *provider;            /* static string */
    const struct blocklist_hit *bl;  /* NULL: none */
};
/* Add a delivery of a line added before (log_event_id), e.g. one recipient
 * of an expiry that named none. *delivery_id (may be NULL) gets its id. */
int db_delivery_insert(struct db *db, struct db_log_batch *b, int64_t log_event_id, const char *mta,
                       const struct db_delivery *d, int64_t *delivery_id);
/* Add a delivery together with the line it came from (d->ev, at offset in
 * log_file_id): one log_deliveries row carrying the line when the line's
 * own values can be told from the delivery's (nearly always), else a line
 * and a delivery. *event_id and *delivery_id (either may be NULL) get the
 * line's log_events id and the delivery's id. */
int db_delivery_insert_line(struct db *db, struct db_log_batch *b, int64_t log_file_id,
                            uint64_t offset, const char *mta, const struct db_delivery *d,
                            int64_t *event_id, int64_t *delivery_id);

/* The state of a queued message that a later run may need (log_queue, see
 * schemas/0004): its first Message-ID and sender, and per recipient the
 * attempts so far, the last status and the id of the last delivery. A row
 * of log_queue (*row gets its id), then a row per recipient whose state
 * changed since the last one written (written at once, not batched). */
int db_log_queue_insert(struct db *db, const char *host, const char *queue_id,
                        const char *message_id, const char *sender, int64_t *row);
int db_log_queue_rcpt_insert(struct db *db, int64_t row, const char *recipient, int attempts,
                             enum dlv_status last, int64_t last_delivery_id);
/* Read back the state of (host, queue id), oldest first: facts() per
 * log_queue row (values may be NULL), rcpt() per recipient row (a later row
 * of a recipient replaces an earlier one). Strings are valid during the call. */
struct db_queue_loader {
    void (*facts)(void *ctx, const char *message_id, const char *sender);
    void (*rcpt)(void *ctx, const char *recipient, int attempts, enum dlv_status last,
                 int64_t last_delivery_id);
};
int db_log_queue_load(struct db *db, const char *host, const char *queue_id,
                      const struct db_queue_loader *l, void *ctx);
/* After a run: fill what the in-memory correlation could not, for rows
 * with id > since whose Message-ID or sender is still NULL: from log_queue
 * (the first row of the queue id having one). Flushes the batch first. */
int db_logs_link(struct db *db, struct db_log_batch *b, int64_t since_delivery_id);
int64_t db_max_delivery_id(struct db *db);

/* ---- DKIM and DNS (schema 0003) ---- */

/* Replace the DKIM rows of a message with these results (fresh: the
 * message was just stored, there is nothing to delete). */
int db_dkim_replace(struct db *db, int64_t message_id, const struct dkim_result *r, size_t n,
                    bool fresh);
/* Record a DNS answer used (rows are added once per distinct answer;
 * last_used_at is refreshed). NOSOURCE answers are not recorded. */
int db_dns_record(struct db *db, const struct dns_answer *a);
/* Load the answers of dns_records into the resolver (dns_add_cached): per
 * (qname, qtype) the answer fetched last. */
int db_dns_load(struct db *db, struct dns_resolver *r, arena *a, size_t *n_answers);

/* ---- the rest of the authentication picture (schema 0005, db_auth.c) ---- */

/* Replace every authentication row of a message (DKIM, SPF, iprev, DMARC,
 * ARC, claims, requirements) with this result; fresh as for db_dkim_replace. */
int db_auth_replace(struct db *db, int64_t message_id, const struct verify_result *r,
                    bool fresh);

/* ---- content scores (schema 0006, db_rules.c) ---- */
struct score_result;
/* Replace a message's content score and scored rule hits; rule_set names the
 * --rules paths. fresh as for db_dkim_replace. */
int db_rules_replace(struct db *db, int64_t message_id, const struct score_result *r,
                     const char *rule_set, bool fresh);

/* ---- feedback: reports and bounces (schema 0007, db_feedback.c) ---- */
struct dmarcagg_meta;
struct dmarcagg_row;
struct arf_report;
struct tlsrpt_report;
struct dsn_report;
struct fb_delivery;
/* Delete every feedback row of a message (before extracting it again). */
int db_feedback_clear(struct db *db, int64_t message_id);
/* Set messages.feedback_kind, feedback_id, list_id, campaign_id (any may be NULL). */
int db_feedback_message(struct db *db, int64_t message_id, const char *kind,
                        const char *feedback_id, const char *list_id, const char *campaign_id);
/* Add an anomaly to a stored message (and count it in n_anomalies). */
int db_feedback_anomaly(struct db *db, int64_t message_id, const char *code, const char *detail);
/* Start a DMARC aggregate report: *dup true (and *report 0) when the same
 * reporter, report id and domain is stored already. */
int db_dmarc_report_begin(struct db *db, int64_t message_id, const char *part,
                          const char *file_name, const struct dmarcagg_meta *m, int64_t *report,
                          bool *dup);
/* Rows are buffered in a batch (written 16 per INSERT); report_end (or
 * db_dmarc_flush) writes what is left. */
struct db_dmarc_batch;
struct db_dmarc_batch *db_dmarc_batch_new(void);
void db_dmarc_batch_free(struct db_dmarc_batch *b);
int db_dmarc_report_row(struct db *db, struct db_dmarc_batch *b, int64_t report,
                        const struct dmarcagg_row *r);
int db_dmarc_flush(struct db *db, struct db_dmarc_batch *b);
/* status: complete | limit | malformed; error NULL or "" when complete. */
int db_dmarc_report_end(struct db *db, struct db_dmarc_batch *b, int64_t report, uint64_t rows,
                        uint64_t messages, const char *status, const char *error);
int db_feedback_report_insert(struct db *db, int64_t message_id, const struct arf_report *r,
                              const char *reporter);
/* *dup true when the same organisation and report id is stored already. */
int db_tlsrpt_insert(struct db *db, int64_t message_id, const char *part, const char *file_name,
                     const struct tlsrpt_report *r, bool *dup);
/* A bounce or auto-reply and its recipients; dlv (r->n_rcpt entries, may
 * be NULL for an auto-reply) holds each recipient's classification. */
int db_bounce_insert(struct db *db, int64_t message_id, const struct dsn_report *r,
                     const struct fb_delivery *dlv);

/* The client IP, HELO and sender the MTA logs recorded for the session that
 * queued this Message-ID (NULLs when none). */
int db_log_envelope(struct db *db, arena *a, const char *message_id, const char **ip,
                    const char **helo, const char **sender);
/* One-message files stored by run_id whose client is unknown and whose
 * Message-ID is in the logs: fn(message row id, path) for each. */
int db_log_pending(struct db *db, int64_t run_id,
                   int (*fn)(void *ctx, int64_t message_id, const char *path), void *ctx);

#endif
