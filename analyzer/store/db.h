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

#endif
