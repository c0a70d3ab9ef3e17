/* Unit tests for store/db: creation mode, migrations and version refusal,
 * the source life cycle (unchanged detection, re-read clears sightings),
 * message insert/find with child rows, duplicate sightings ignored.
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

#include "store/db.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(create_and_migrate),
        cmocka_unit_test(sources_and_messages),
        cmocka_unit_test(refuses_newer_and_foreign),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
