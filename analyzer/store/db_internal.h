/* db_internal — what db.c lends the other files of the store layer: cached
 * prepared statements by slot, and the step-and-reset helper (errors go to
 * db_errmsg). Not for use outside analyzer/store/. */
#ifndef STORE_DB_INTERNAL_H
#define STORE_DB_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "store/db.h"

#define DB_EXT_STMTS 64

struct sqlite3_stmt;
/* The statement of `slot`, prepared from sql on first use (the same sql
 * must be passed for a slot every time). */
struct sqlite3_stmt *db_ext_stmt(struct db *db, int slot, const char *sql);
/* Bind a string that lives until the statement runs (NULL binds NULL). */
void db_bind_text(struct sqlite3_stmt *s, int i, const char *v);
/* Bind a time as ISO 8601 UTC text, or NULL when !valid. */
void db_bind_time(struct sqlite3_stmt *s, int i, int64_t t, bool valid);
/* Step to completion, reset, clear bindings; 0 or -1 with the error kept. */
int db_ext_run(struct db *db, struct sqlite3_stmt *s, const char *what);

#endif
