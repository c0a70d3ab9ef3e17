/* report_sql.h — for the report's unit tests, on a database in a temporary
 * directory. The including file declares `static char path[N];` and
 * `static struct db *db;` first.
 *   run(fmt, ...)       SQL formatted by sqlite3_vmprintf (%q, %Q, %d ...),
 *                       the test failing (with the statement and SQLite's
 *                       message) on an error;
 *   tmp_db_open(tmpl)   a mkdtemp directory from tmpl ("/tmp/x-XXXXXX"),
 *                       path = DIR/t.db, db opened for writing (migrated);
 *   tmp_db_teardown     closes db, removes the file and the directory;
 *   temp_dump(t)        TEMP table t's rows as sorted text lines;
 *   report_json(r)      r rendered as JSON (the caller frees it), r's arena
 *                       freed. */
#ifndef TESTS_UNIT_REPORT_SQL_H
#define TESTS_UNIT_REPORT_SQL_H
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report/render.h"
#include "store/db.h"
#include "util/arena.h"

static void run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    char *err = NULL;
    int rc = sqlite3_exec(db_handle(db), sql, NULL, NULL, &err);
    if (rc != SQLITE_OK) fprintf(stderr, "%s\n%s\n", sql, err ? err : "?");
    sqlite3_free(err);
    sqlite3_free(sql);
    assert_int_equal(rc, SQLITE_OK);
}

static inline int tmp_db_open(const char *tmpl)
{
    char dir[64];
    snprintf(dir, sizeof dir, "%s", tmpl);
    if (!mkdtemp(dir)) return -1;
    snprintf(path, sizeof path, "%s/t.db", dir);
    char err[600];
    if (db_open(path, DB_OPEN_WRITE, &db, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static inline int tmp_db_teardown(void **state)
{
    (void)state;
    db_close(db);
    unlink(path);
    *strrchr(path, '/') = '\0';
    rmdir(path);
    return 0;
}

/* Every row of TEMP table t, its columns quoted, the rows sorted (their
 * order is the final queries' business), one line each (the caller frees
 * it): for comparing a table built in C with the one its SQL builds. */
static inline char *temp_dump(const char *t)
{
    sqlite3_stmt *s;
    char *sql = sqlite3_mprintf("SELECT * FROM temp.%s", t);
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_free(sql);
    char *x = sqlite3_mprintf("''");
    for (int k = 0; k < sqlite3_column_count(s); k++) {
        char *y = sqlite3_mprintf("%s || ' ' || quote(%s)", x, sqlite3_column_name(s, k));
        sqlite3_free(x);
        x = y;
    }
    sqlite3_finalize(s);
    sql = sqlite3_mprintf("SELECT group_concat(x, char(10)) FROM (SELECT %s AS x FROM temp.%s"
                          " ORDER BY 1)",
                          x, t);
    sqlite3_free(x);
    assert_int_equal(sqlite3_prepare_v2(db_handle(db), sql, -1, &s, NULL), SQLITE_OK);
    sqlite3_free(sql);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *v = (const char *)sqlite3_column_text(s, 0);
    char *out = strdup(v ? v : "");
    assert_non_null(out);
    sqlite3_finalize(s);
    return out;
}

/* r rendered as JSON, the test failing on an error; r's arena is freed. */
static inline char *report_json(struct report *r)
{
    char *json = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&json, &len);
    assert_non_null(f);
    char err[256];
    assert_int_equal(render_json(r, f, err, sizeof err), 0);
    fclose(f);
    arena_free(r->a);
    return json;
}

#endif
