/* rctx — the report's scope as TEMP tables, and query helpers (rctx.h). */
#include "report/rctx.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "mail/header.h"
#include "util/timeutil.h"

static int fail(struct rctx *c, const char *what)
{
    snprintf(c->err, sizeof c->err, "%s: %s", what, sqlite3_errmsg(c->db));
    return -1;
}

/* A table or column of a newer schema missing from an older database. */
static bool missing_schema(sqlite3 *db)
{
    const char *m = sqlite3_errmsg(db);
    return strstr(m, "no such table") || strstr(m, "no such column");
}

static int exec(struct rctx *c, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "preparing the report: %s", msg ? msg : "?");
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static int prepare(struct rctx *c, const char *sql, const char *text1, sqlite3_stmt **s,
                   bool *missing)
{
    *missing = false;
    if (sqlite3_prepare_v2(c->db, sql, -1, s, NULL) != SQLITE_OK) {
        if (missing_schema(c->db)) {
            *missing = true;
            return 0;
        }
        return fail(c, "report query");
    }
    if (text1 && sqlite3_bind_parameter_count(*s) >= 1)
        sqlite3_bind_text(*s, 1, text1, -1, SQLITE_STATIC);
    return 0;
}

/* The campaign key from a header chosen with --campaign-header: read from
 * the stored header blocks of the messages in scope. */
static int campaign_from_header(struct rctx *c, const char *name)
{
    sqlite3_stmt *q, *u;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT r.id, m.header_block FROM r_msg r JOIN messages m ON m.id = r.id",
                           -1, &q, NULL) != SQLITE_OK)
        return fail(c, "campaign header");
    if (sqlite3_prepare_v2(c->db, "UPDATE r_msg SET campaign = ?2 WHERE id = ?1", -1, &u, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(q);
        return fail(c, "campaign header");
    }
    arena *a = arena_new();
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        arena_reset(a);
        const char *blk = sqlite3_column_blob(q, 1);
        int n = sqlite3_column_bytes(q, 1);
        if (!blk || n <= 0) continue;
        struct hdr_block h;
        hdr_parse(a, blk, (size_t)n, &h, NULL);
        const struct hdr_field *f = hdr_get(&h, name, 0);
        if (!f) continue;
        size_t len;
        char *v = hdr_unfold(a, f->value, &len);
        if (!len) continue;
        sqlite3_bind_int64(u, 1, sqlite3_column_int64(q, 0));
        sqlite3_bind_text(u, 2, v, (int)(len > 256 ? 256 : len), SQLITE_STATIC);
        if (sqlite3_step(u) != SQLITE_DONE) {
            rc = fail(c, "campaign header");
            break;
        }
        sqlite3_reset(u);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = fail(c, "campaign header");
    arena_free(a);
    sqlite3_finalize(q);
    sqlite3_finalize(u);
    return rc;
}

static bool has_column(struct rctx *c, const char *table, const char *col)
{
    char sql[160];
    snprintf(sql, sizeof sql, "SELECT %s FROM %s LIMIT 0", col, table);
    sqlite3_stmt *s;
    bool ok = sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) == SQLITE_OK;
    sqlite3_finalize(s);
    return ok;
}

/* Run a statement with the scope's values bound by name (:since, :until,
 * :domain, :campaign). */
static int run_scoped(struct rctx *c, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(c->db, sql, -1, &s, NULL) != SQLITE_OK) return fail(c, "report scope");
    const char *names[] = {":since", ":until", ":domain", ":campaign"};
    const char *vals[] = {c->scope.since, c->scope.until, c->scope.domain, c->scope.campaign};
    for (int i = 0; i < 4; i++) {
        int k = sqlite3_bind_parameter_index(s, names[i]);
        if (k > 0 && vals[i]) sqlite3_bind_text(s, k, vals[i], -1, SQLITE_STATIC);
    }
    int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : fail(c, "report scope");
}

/* The WHERE clause of the deliveries in scope; t, sender and mid name the
 * integer time, sender and Message-ID columns (lo/hi are integers we
 * formatted, or NULL; the domain and campaign are bound parameters). */
static void scope_where(char *buf, size_t n, const char *lo, const char *hi, const char *t,
                        const char *sender, const char *mid)
{
    snprintf(buf, n,
             " WHERE (%s IS NULL OR %s >= %s) AND (%s IS NULL OR %s < %s)"
             " AND (:domain IS NULL OR lower(%s) LIKE '%%@' || :domain"
             "  OR lower(%s) LIKE '%%.' || :domain)"
             " AND (:campaign IS NULL OR %s IN (SELECT m.message_id FROM messages m"
             "  JOIN r_msg r ON r.id = m.id WHERE m.message_id IS NOT NULL))",
             lo, t, lo, hi, t, hi, sender, sender, mid);
}

int rctx_open(struct rctx *c, struct report *r, struct sqlite3 *db, const struct rscope *scope)
{
    c->r = r;
    c->db = db;
    c->scope = *scope;
    c->err[0] = '\0';
    /* TEMP tables on disk with a bounded cache: memory stays flat whatever
     * the database's size */
    if (exec(c, "PRAGMA temp_store = FILE; PRAGMA temp.cache_size = -65536;"
                "DROP TABLE IF EXISTS temp.r_msg; DROP TABLE IF EXISTS temp.r_copy;"
                "DROP TABLE IF EXISTS temp.r_dlv; DROP VIEW IF EXISTS temp.r_out;"
                "DROP TABLE IF EXISTS temp.r_sup;") != 0)
        return -1;
    /* messages: the period on arrival (else Date); a message without either
     * is in scope only when the period is open. A database older than
     * schema 7 has no campaign or feedback columns: NULLs stand in. */
    bool v7 = has_column(c, "messages", "feedback_kind");
    char msql[2048];
    snprintf(msql, sizeof msql,
             "INSERT INTO r_msg"
             " SELECT m.id AS id, coalesce(m.arrival, m.date) AS t, m.from_domain AS from_domain,"
             " coalesce(%s, coalesce(m.from_address, '?')"
             " || ' | ' || coalesce(m.subject, '') || ' | '"
             " || coalesce(substr(coalesce(m.arrival, m.date), 1, 10), '?')) AS campaign,"
             " m.placement AS placement, %s AS feedback_kind FROM messages m"
             " WHERE (:since IS NULL OR coalesce(m.arrival, m.date) >= :since)"
             " AND (:until IS NULL OR coalesce(m.arrival, m.date) < :until)"
             " AND (:domain IS NULL OR m.from_domain = :domain"
             "  OR m.from_domain LIKE '%%.' || :domain"
             "  OR EXISTS (SELECT 1 FROM dkim_signatures k WHERE k.message_id = m.id"
             "   AND (k.domain = :domain OR k.domain LIKE '%%.' || :domain)))",
             v7 ? "m.list_id, m.feedback_id, m.campaign_id" : "NULL",
             v7 ? "m.feedback_kind" : "NULL");
    if (exec(c, "CREATE TEMP TABLE r_msg(id INTEGER PRIMARY KEY, t TEXT, from_domain TEXT,"
                " campaign TEXT, placement TEXT, feedback_kind TEXT)") != 0 ||
        run_scoped(c, msql) != 0)
        return -1;
    if (exec(c, "CREATE INDEX temp.r_msg_campaign ON r_msg(campaign)") != 0) return -1;
    if (c->scope.campaign_header && campaign_from_header(c, c->scope.campaign_header) != 0)
        return -1;
    if (c->scope.campaign &&
        run_scoped(c, "DELETE FROM r_msg WHERE campaign IS NOT :campaign") != 0)
        return -1;
    if (exec(c, "CREATE TEMP TABLE r_copy AS SELECT s.message_id AS message_id, s.placement AS"
                " placement, s.folder AS folder, s.account AS account, s.domain AS domain,"
                " s.source_id AS source_id FROM sightings s JOIN r_msg r ON r.id = s.message_id;"
                "CREATE INDEX temp.r_copy_message ON r_copy(message_id)") != 0)
        return -1;
    /* deliveries: the period on their time; --domain on the sender's domain;
     * --campaign on the Message-ID of a campaign message. Built from the
     * tables under the `deliveries` view, filtering on the integer time
     * before any conversion, into a table without the ev_ columns; then each
     * recipient's final outcome (delivery_outcomes' rule) from that. A
     * database older than schema 7 has no bounce rows. */
    char sql[4096];
    char lo[32] = "NULL", hi[32] = "NULL";
    int64_t t;
    if (c->scope.since && time_parse_iso(c->scope.since, &t) == 0)
        snprintf(lo, sizeof lo, "%lld", (long long)t);
    if (c->scope.until && time_parse_iso(c->scope.until, &t) == 0)
        snprintf(hi, sizeof hi, "%lld", (long long)t);
    const char *cols =
        "id, log_event_id, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch') AS time, mta,"
        " host, queue_id, message_id, sender, recipient, recipient_domain, relay_host, relay_ip,"
        " status, dsn, reply_code, reply_text, delay, attempt, local, reason, hard, reason_rule,"
        " provider, blocklist, blocklist_misconfig, client_ip, sasl_user";
    /* (the time compared is the integer column: log_deliveries.time,
     * bounce_recipients.time) */
    char where[1024], bwhere[1024];
    scope_where(where, sizeof where, lo, hi, "time", "sender", "message_id");
    scope_where(bwhere, sizeof bwhere, lo, hi, "r.time", "b.orig_from", "b.orig_message_id");
    if (v7)
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE r_dlv AS SELECT * FROM ("
                 "SELECT %s, 'log' AS source, NULL AS bounce_message FROM log_deliveries%s"
                 " UNION ALL SELECT * FROM (SELECT -r.id AS id, NULL AS log_event_id,"
                 " strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', r.time, 'unixepoch') AS time, 'bounce' AS mta,"
                 " b.reporting_mta AS host, NULL AS queue_id, b.orig_message_id AS message_id,"
                 " b.orig_from AS sender, r.recipient, r.recipient_domain, r.remote_mta AS relay_host,"
                 " NULL AS relay_ip, r.status, r.dsn, r.reply_code, r.reply_text, NULL AS delay,"
                 " NULL AS attempt, 0 AS local, r.reason, r.hard, r.reason_rule, r.provider,"
                 " r.blocklist, r.blocklist_misconfig, NULL AS client_ip, NULL AS sasl_user,"
                 " 'bounce' AS source, b.message_id AS bounce_message FROM bounce_recipients r"
                 " JOIN bounce_messages b ON b.id = r.bounce%s AND b.kind = 'bounce'))",
                 cols, where, bwhere);
    else
        snprintf(sql, sizeof sql,
                 "CREATE TEMP TABLE r_dlv AS SELECT %s, 'log' AS source, NULL AS bounce_message"
                 " FROM log_deliveries%s",
                 cols, where);
    if (run_scoped(c, sql) != 0) return -1;
    /* each recipient's final outcome: every row but the attempts a later
     * attempt of the same (queue id, host, recipient) superseded (few: the
     * deferrals that were retried); a refusal without a queue id stands alone */
    return exec(c, "CREATE TEMP TABLE r_sup(id INTEGER PRIMARY KEY);"
                   "INSERT INTO r_sup SELECT id FROM (SELECT id, max(id) OVER (PARTITION BY"
                   " queue_id, host, recipient) AS last FROM r_dlv WHERE queue_id IS NOT NULL)"
                   " WHERE id < last;"
                   "CREATE TEMP VIEW r_out AS SELECT * FROM r_dlv WHERE id NOT IN"
                   " (SELECT id FROM r_sup)");
}

static struct rval column_value(struct rctx *c, sqlite3_stmt *s, int k, enum rk kind)
{
    int t = sqlite3_column_type(s, k);
    if (t == SQLITE_NULL) return rv_null();
    switch (kind) {
    case RK_INT: return rv_int(sqlite3_column_int64(s, k));
    case RK_REAL: return rv_real(sqlite3_column_double(s, k));
    case RK_PCT: return rv_pct(sqlite3_column_double(s, k));
    case RK_TIME: return rv_time(rctx_col_text(c, s, k));
    default: return rv_text(rctx_col_text(c, s, k));
    }
}

const char *rctx_col_text(struct rctx *c, struct sqlite3_stmt *s, int k)
{
    const unsigned char *t = sqlite3_column_text(s, k);
    if (!t) return NULL;
    return arena_strndup(c->r->a, (const char *)t, (size_t)sqlite3_column_bytes(s, k));
}

long rctx_fill(struct rctx *c, struct rtable *t, size_t limit, const char *sql, const char *text1)
{
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    struct rval vals[32];
    size_t nc = t->n_cols < 32 ? t->n_cols : 32;
    long added = 0;
    int rc;
    t->limit = limit;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (limit && (size_t)added >= limit) {
            t->truncated = true;
            continue;
        }
        int have = sqlite3_column_count(s);
        for (size_t k = 0; k < nc; k++)
            vals[k] = (int)k < have ? column_value(c, s, (int)k, t->cols[k].kind) : rv_null();
        rtable_row(t, c->r, vals);
        added++;
    }
    if (rc != SQLITE_DONE) {
        fail(c, t->title ? t->title : "report query");
        sqlite3_finalize(s);
        return -1;
    }
    sqlite3_finalize(s);
    return added;
}

int rctx_value(struct rctx *c, const char *sql, const char *text1, struct rval *out)
{
    *out = rv_null();
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        switch (sqlite3_column_type(s, 0)) {
        case SQLITE_INTEGER: *out = rv_int(sqlite3_column_int64(s, 0)); break;
        case SQLITE_FLOAT: *out = rv_real(sqlite3_column_double(s, 0)); break;
        case SQLITE_NULL: break;
        default: *out = rv_text(rctx_col_text(c, s, 0)); break;
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail(c, "report query");
    return 0;
}

int rctx_int(struct rctx *c, const char *sql, const char *text1, int64_t *out)
{
    struct rval v;
    if (rctx_value(c, sql, text1, &v) != 0) return -1;
    *out = v.k == RK_INT ? v.i : v.k == RK_REAL ? (int64_t)v.d : 0;
    return 0;
}

int rctx_real(struct rctx *c, const char *sql, const char *text1, double *out, bool *has)
{
    struct rval v;
    if (rctx_value(c, sql, text1, &v) != 0) return -1;
    *has = v.k == RK_INT || v.k == RK_REAL;
    *out = v.k == RK_INT ? (double)v.i : v.k == RK_REAL ? v.d : 0;
    return 0;
}

int rctx_each(struct rctx *c, const char *sql, const char *text1,
              int (*fn)(void *ctx, struct sqlite3_stmt *s), void *ctx)
{
    sqlite3_stmt *s;
    bool missing;
    if (prepare(c, sql, text1, &s, &missing) != 0) return -1;
    if (missing) return 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        if (fn(ctx, s)) {
            rc = SQLITE_DONE;
            break;
        }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) return fail(c, "report query");
    return 0;
}
