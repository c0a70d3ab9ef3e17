/* db_feedback — storing the feedback a message carries (schema 0007): DMARC
 * aggregate reports and their rows, complaint reports, TLS reports, bounces.
 * Every value is bound. Slots DB_FB_SLOT.. of the extension statements. */
#include "store/db_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/feedback.h"
#include "util/timeutil.h"

enum {
    F_MSG_KIND,
    F_DMARC_FIND,
    F_DMARC_INSERT,
    F_DMARC_ROW,
    F_DMARC_END,
    F_ARF,
    F_TLS_FIND,
    F_TLS_INSERT,
    F_TLS_POLICY,
    F_TLS_FAILURE,
    F_BOUNCE,
    F_BOUNCE_RCPT,
    F_ANOM,
    F_ANOM_COUNT,
    F_DEL_DMARC_ROWS,
    F_DEL_DMARC,
    F_DEL_ARF,
    F_DEL_TLS_FAIL,
    F_DEL_TLS_POL,
    F_DEL_TLS,
    F_DEL_BOUNCE_RCPT,
    F_DEL_BOUNCE,
    F_DMARC_ROWS16,
    F_DEL_ANOM,
    F_ANOM_UNCOUNT,
    F__COUNT
};
#define DB_FB_SLOT 32 /* db_auth.c uses 0..15, db_rules.c 20..23 */

/* DMARC report rows are written DMARC_BATCH per INSERT (one statement step
 * per 16 rows instead of one per row: most of the cost of a small row). */
#define DMARC_BATCH 16
#define DMARC_COLS 17
#define ROWS_VALUES(n) "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

static const char *const sql[F__COUNT] = {
    [F_MSG_KIND] = "UPDATE messages SET feedback_kind=?2, feedback_id=?3, list_id=?4,"
                   " campaign_id=?5 WHERE id=?1",
    [F_DMARC_FIND] = "SELECT id FROM dmarc_reports WHERE org_name IS ?1 AND report_id IS ?2"
                     " AND domain IS ?3 AND report_id IS NOT NULL",
    [F_DMARC_INSERT] =
        "INSERT INTO dmarc_reports(message_id, part, file_name, org_name, email,"
        " extra_contact_info, report_id, date_begin, date_end, version, generator, errors, domain,"
        " adkim, aspf, p, sp, np, pct, fo, testing, discovery_method, n_rows, n_messages, status)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,"
        "0,0,'reading')",
    [F_DMARC_ROW] =
        "INSERT INTO dmarc_report_rows(report, source_ip, count, disposition, dkim, spf, reasons,"
        " header_from, envelope_from, envelope_to, dkim_domain, dkim_selector, dkim_result,"
        " spf_domain, spf_scope, spf_result, more_auth)"
        " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)",
    [F_DMARC_END] = "UPDATE dmarc_reports SET n_rows=?2, n_messages=?3, status=?4, error=?5,"
                    " first_row=?6, last_row=?7 WHERE id=?1",
    [F_ARF] =
        "INSERT OR REPLACE INTO feedback_reports(message_id, format, evidence, feedback_type,"
        " reporter, user_agent, version, original_mail_from, original_rcpt_to, arrival_date,"
        " source_ip, reported_domain, reported_uri, reporting_mta, incidents,"
        " authentication_results, auth_failure, delivery_result, dkim_domain, dkim_identity,"
        " dkim_selector, identity_alignment, orig_message_id, orig_from, orig_to, orig_subject,"
        " orig_date, orig_feedback_id, orig_list_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
        "?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27,?28,?29)",
    [F_TLS_FIND] = "SELECT id FROM tlsrpt_reports WHERE organization_name IS ?1 AND report_id IS ?2"
                   " AND report_id IS NOT NULL",
    [F_TLS_INSERT] = "INSERT INTO tlsrpt_reports(message_id, part, file_name, organization_name,"
                     " contact_info, report_id, date_begin, date_end, problems)"
                     " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [F_TLS_POLICY] = "INSERT INTO tlsrpt_policies(report, policy_type, policy_domain, policy_string,"
                     " mx_host, total_successful, total_failure) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [F_TLS_FAILURE] =
        "INSERT INTO tlsrpt_failures(policy, result_type, sending_mta_ip, receiving_mx_hostname,"
        " receiving_mx_helo, receiving_ip, failed_session_count, additional_information,"
        " failure_reason_code) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    [F_BOUNCE] = "INSERT INTO bounce_messages(message_id, kind, format, evidence, reporting_mta,"
                 " arrival_date, original_envelope_id, orig_message_id, orig_from, orig_to,"
                 " orig_subject, n_recipients, dropped_recipients)"
                 " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
    [F_BOUNCE_RCPT] =
        "INSERT INTO bounce_recipients(bounce, time, recipient, recipient_domain,"
        " original_recipient, action, status, dsn, reply_code, reply_text, diagnostic_type,"
        " remote_mta, will_retry_until, reason, hard, reason_rule, provider, blocklist,"
        " blocklist_misconfig) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,"
        "?17,?18,?19)",
    [F_ANOM] = "INSERT INTO anomalies(message_id, code, detail) VALUES (?1, ?2, ?3)",
    [F_ANOM_COUNT] = "UPDATE messages SET n_anomalies = n_anomalies + 1 WHERE id=?1",
    [F_DEL_DMARC_ROWS] = "DELETE FROM dmarc_report_rows WHERE id IN (SELECT w.id FROM"
                         " dmarc_reports d JOIN dmarc_report_rows w ON w.id BETWEEN d.first_row"
                         " AND d.last_row WHERE d.message_id=?1)",
    [F_DEL_DMARC] = "DELETE FROM dmarc_reports WHERE message_id=?1",
    [F_DEL_ARF] = "DELETE FROM feedback_reports WHERE message_id=?1",
    [F_DEL_TLS_FAIL] = "DELETE FROM tlsrpt_failures WHERE policy IN (SELECT p.id FROM"
                       " tlsrpt_policies p JOIN tlsrpt_reports r ON r.id = p.report"
                       " WHERE r.message_id=?1)",
    [F_DEL_TLS_POL] = "DELETE FROM tlsrpt_policies WHERE report IN"
                      " (SELECT id FROM tlsrpt_reports WHERE message_id=?1)",
    [F_DEL_TLS] = "DELETE FROM tlsrpt_reports WHERE message_id=?1",
    [F_DEL_BOUNCE_RCPT] = "DELETE FROM bounce_recipients WHERE bounce IN"
                          " (SELECT id FROM bounce_messages WHERE message_id=?1)",
    [F_DEL_BOUNCE] = "DELETE FROM bounce_messages WHERE message_id=?1",
    [F_DEL_ANOM] = "DELETE FROM anomalies WHERE message_id=?1 AND code LIKE 'feedback.%'",
    [F_ANOM_UNCOUNT] = "UPDATE messages SET n_anomalies = max(n_anomalies - ?2, 0) WHERE id=?1",
    [F_DMARC_ROWS16] =
        "INSERT INTO dmarc_report_rows(report, source_ip, count, disposition, dkim, spf, reasons,"
        " header_from, envelope_from, envelope_to, dkim_domain, dkim_selector, dkim_result,"
        " spf_domain, spf_scope, spf_result, more_auth) VALUES " ROWS_VALUES(0) "," ROWS_VALUES(1)
        "," ROWS_VALUES(2) "," ROWS_VALUES(3) "," ROWS_VALUES(4) "," ROWS_VALUES(5) ","
        ROWS_VALUES(6) "," ROWS_VALUES(7) "," ROWS_VALUES(8) "," ROWS_VALUES(9) "," ROWS_VALUES(10)
        "," ROWS_VALUES(11) "," ROWS_VALUES(12) "," ROWS_VALUES(13) "," ROWS_VALUES(14) ","
        ROWS_VALUES(15),
};

static sqlite3_stmt *st(struct db *db, int id)
{
    return db_ext_stmt(db, DB_FB_SLOT + id, sql[id]);
}

static void int_or_null(sqlite3_stmt *s, int i, int64_t v)
{
    if (v < 0)
        sqlite3_bind_null(s, i);
    else
        sqlite3_bind_int64(s, i, v);
}

int db_feedback_clear(struct db *db, int64_t mid)
{
    for (int d = F_DEL_DMARC_ROWS; d <= F_DEL_BOUNCE; d++) {
        sqlite3_stmt *s = st(db, d);
        sqlite3_bind_int64(s, 1, mid);
        if (db_ext_run(db, s, "clearing feedback rows") != 0) return -1;
    }
    /* the anomalies the reports gave (feedback.*) are given again */
    sqlite3_stmt *s = st(db, F_DEL_ANOM);
    sqlite3_bind_int64(s, 1, mid);
    if (db_ext_run(db, s, "clearing feedback anomalies") != 0) return -1;
    int gone = sqlite3_changes(db_handle(db));
    if (gone > 0) {
        s = st(db, F_ANOM_UNCOUNT);
        sqlite3_bind_int64(s, 1, mid);
        sqlite3_bind_int(s, 2, gone);
        if (db_ext_run(db, s, "counting anomalies") != 0) return -1;
    }
    return 0;
}

int db_feedback_message(struct db *db, int64_t mid, const char *kind, const char *feedback_id,
                        const char *list_id, const char *campaign_id)
{
    sqlite3_stmt *s = st(db, F_MSG_KIND);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, kind);
    db_bind_text(s, 3, feedback_id);
    db_bind_text(s, 4, list_id);
    db_bind_text(s, 5, campaign_id);
    return db_ext_run(db, s, "marking a feedback message");
}

int db_feedback_anomaly(struct db *db, int64_t mid, const char *code, const char *detail)
{
    sqlite3_stmt *s = st(db, F_ANOM);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, code);
    db_bind_text(s, 3, detail);
    if (db_ext_run(db, s, "storing an anomaly") != 0) return -1;
    s = st(db, F_ANOM_COUNT);
    sqlite3_bind_int64(s, 1, mid);
    return db_ext_run(db, s, "counting an anomaly");
}

int db_dmarc_report_begin(struct db *db, int64_t mid, const char *part, const char *file_name,
                          const struct dmarcagg_meta *m, int64_t *report, bool *dup)
{
    *report = 0;
    *dup = false;
    sqlite3_stmt *s = st(db, F_DMARC_FIND);
    db_bind_text(s, 1, m->org_name);
    db_bind_text(s, 2, m->report_id);
    db_bind_text(s, 3, m->domain);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *dup = true;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_ext_run(db, s, "finding a DMARC report");
    if (*dup) return 0;
    s = st(db, F_DMARC_INSERT);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, part);
    db_bind_text(s, 3, file_name);
    db_bind_text(s, 4, m->org_name);
    db_bind_text(s, 5, m->email);
    db_bind_text(s, 6, m->extra_contact_info);
    db_bind_text(s, 7, m->report_id);
    db_bind_time(s, 8, m->date_begin, m->date_begin >= 0);
    db_bind_time(s, 9, m->date_end, m->date_end >= 0);
    db_bind_text(s, 10, m->version);
    db_bind_text(s, 11, m->generator);
    db_bind_text(s, 12, m->errors);
    db_bind_text(s, 13, m->domain);
    db_bind_text(s, 14, m->adkim);
    db_bind_text(s, 15, m->aspf);
    db_bind_text(s, 16, m->p);
    db_bind_text(s, 17, m->sp);
    db_bind_text(s, 18, m->np);
    int_or_null(s, 19, m->pct);
    db_bind_text(s, 20, m->fo);
    db_bind_text(s, 21, m->testing);
    db_bind_text(s, 22, m->discovery_method);
    if (db_ext_run(db, s, "storing a DMARC report") != 0) return -1;
    *report = sqlite3_last_insert_rowid(db_handle(db));
    return 0;
}

/* Rows waiting for the next multi-row INSERT: the callback's strings are
 * copied (they are valid only during the callback). */
struct db_dmarc_batch {
    int64_t report;
    int64_t first_id, last_id; /* row ids written so far for `report` (0: none) */
    int n;
    size_t used;
    char buf[DMARC_BATCH * 2 * 1024];
    /* one row always fits: 15 text values of at most DMARCAGG_MAX_FIELD bytes and more_auth */
    struct {
        int64_t count;
        const char *v[DMARC_COLS]; /* index = parameter number within the row (1-based) */
        int len[DMARC_COLS];
    } r[DMARC_BATCH];
};

_Static_assert(sizeof(((struct db_dmarc_batch *)0)->buf) >= 15 * DMARCAGG_MAX_FIELD + 1024,
               "a DMARC row must fit in the batch buffer");

struct db_dmarc_batch *db_dmarc_batch_new(void)
{
    struct db_dmarc_batch *b = calloc(1, sizeof *b);
    if (!b) abort();
    return b;
}

void db_dmarc_batch_free(struct db_dmarc_batch *b)
{
    free(b);
}

static void bind_row(sqlite3_stmt *s, int base, const struct db_dmarc_batch *b, int i)
{
    sqlite3_bind_int64(s, base + 1, b->report);
    for (int c = 2; c <= DMARC_COLS; c++) {
        if (c == 3) {
            if (b->r[i].count >= 0) sqlite3_bind_int64(s, base + 3, b->r[i].count);
            continue;
        }
        if (b->r[i].v[c - 1])
            sqlite3_bind_text(s, base + c, b->r[i].v[c - 1], b->r[i].len[c - 1], SQLITE_STATIC);
    }
}

int db_dmarc_flush(struct db *db, struct db_dmarc_batch *b)
{
    int n = b->n;
    if (b->n == DMARC_BATCH) {
        sqlite3_stmt *s = st(db, F_DMARC_ROWS16);
        for (int i = 0; i < DMARC_BATCH; i++)
            bind_row(s, i * DMARC_COLS, b, i);
        if (db_ext_run(db, s, "storing DMARC report rows") != 0) return -1;
    } else {
        for (int i = 0; i < b->n; i++) {
            sqlite3_stmt *s = st(db, F_DMARC_ROW);
            bind_row(s, 0, b, i);
            if (db_ext_run(db, s, "storing a DMARC report row") != 0) return -1;
        }
    }
    if (n > 0) {
        /* rowids of a table without explicit ids are given in order: the
         * n rows just written end at the last insert rowid */
        int64_t last = sqlite3_last_insert_rowid(db_handle(db));
        if (!b->first_id) b->first_id = last - n + 1;
        b->last_id = last;
    }
    b->n = 0;
    b->used = 0;
    return 0;
}

/* Copy a value into the batch buffer (the caller made room). */
static void keep(struct db_dmarc_batch *b, int i, int col, const char *v, size_t len)
{
    if (!v) return;
    memcpy(b->buf + b->used, v, len);
    b->r[i].v[col - 1] = b->buf + b->used;
    b->r[i].len[col - 1] = (int)len;
    b->used += len;
}

int db_dmarc_report_row(struct db *db, struct db_dmarc_batch *b, int64_t report,
                        const struct dmarcagg_row *r)
{
    if (b->n > 0 && b->report != report && db_dmarc_flush(db, b) != 0) return -1;
    if (b->report != report) b->first_id = b->last_id = 0;
    char more[1024];
    size_t n = 0;
    more[0] = '\0';
    for (int k = 0; k < 2; k++) {
        const struct dmarcagg_auth *v = k == 0 ? r->dkim_auth : r->spf_auth;
        int cnt = k == 0 ? r->n_dkim : r->n_spf;
        for (int i = 1; i < cnt && n < sizeof more - 1; i++) {
            int w = snprintf(more + n, sizeof more - n, "%s%s d=%s%s%s %s", n ? "; " : "",
                             k == 0 ? "dkim" : "spf", v[i].domain ? v[i].domain : "",
                             v[i].selector ? " s=" : "", v[i].selector ? v[i].selector : "",
                             v[i].result ? v[i].result : "none");
            if (w < 0) break;
            n += (size_t)w;
            if (n >= sizeof more) n = sizeof more - 1;
        }
    }
    const char *vals[DMARC_COLS + 1] = {0};
    vals[2] = r->source_ip;
    vals[4] = r->disposition;
    vals[5] = r->dkim;
    vals[6] = r->spf;
    vals[7] = r->reasons;
    vals[8] = r->header_from;
    vals[9] = r->envelope_from;
    vals[10] = r->envelope_to;
    if (r->n_dkim > 0) {
        vals[11] = r->dkim_auth[0].domain;
        vals[12] = r->dkim_auth[0].selector;
        vals[13] = r->dkim_auth[0].result;
    }
    if (r->n_spf > 0) {
        vals[14] = r->spf_auth[0].domain;
        vals[15] = r->spf_auth[0].scope;
        vals[16] = r->spf_auth[0].result;
    }
    size_t lens[DMARC_COLS + 1] = {0}, need = n;
    for (int c = 2; c <= 16; c++)
        if (vals[c]) need += lens[c] = strlen(vals[c]);
    if (b->used + need > sizeof b->buf && db_dmarc_flush(db, b) != 0) return -1;
    int i = b->n;
    memset(&b->r[i], 0, sizeof b->r[i]);
    b->report = report;
    b->r[i].count = r->count;
    for (int c = 2; c <= 16; c++)
        keep(b, i, c, vals[c], lens[c]);
    if (n) keep(b, i, 17, more, n);
    if (++b->n == DMARC_BATCH) return db_dmarc_flush(db, b);
    return 0;
}

int db_dmarc_report_end(struct db *db, struct db_dmarc_batch *b, int64_t report, uint64_t rows,
                        uint64_t messages, const char *status, const char *error)
{
    if (b->n > 0 && db_dmarc_flush(db, b) != 0) return -1;
    bool mine = b->report == report && b->first_id > 0;
    sqlite3_stmt *s = st(db, F_DMARC_END);
    sqlite3_bind_int64(s, 1, report);
    sqlite3_bind_int64(s, 2, (int64_t)rows);
    sqlite3_bind_int64(s, 3, (int64_t)messages);
    db_bind_text(s, 4, status);
    db_bind_text(s, 5, error && error[0] ? error : NULL);
    if (mine && rows > 0) {
        sqlite3_bind_int64(s, 6, b->first_id);
        sqlite3_bind_int64(s, 7, b->last_id);
    }
    b->first_id = b->last_id = 0;
    b->report = 0;
    return db_ext_run(db, s, "finishing a DMARC report");
}

int db_feedback_report_insert(struct db *db, int64_t mid, const struct arf_report *r,
                              const char *reporter)
{
    sqlite3_stmt *s = st(db, F_ARF);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, r->format ? r->format : "other");
    db_bind_text(s, 3, r->evidence);
    db_bind_text(s, 4, r->feedback_type);
    db_bind_text(s, 5, reporter);
    db_bind_text(s, 6, r->user_agent);
    db_bind_text(s, 7, r->version);
    db_bind_text(s, 8, r->original_mail_from);
    db_bind_text(s, 9, r->original_rcpt_to);
    db_bind_time(s, 10, r->arrival_date, r->arrival_date != 0);
    db_bind_text(s, 11, r->source_ip);
    db_bind_text(s, 12, r->reported_domain);
    db_bind_text(s, 13, r->reported_uri);
    db_bind_text(s, 14, r->reporting_mta);
    sqlite3_bind_int64(s, 15, r->incidents > 0 ? r->incidents : 1);
    db_bind_text(s, 16, r->authentication_results);
    db_bind_text(s, 17, r->auth_failure);
    db_bind_text(s, 18, r->delivery_result);
    db_bind_text(s, 19, r->dkim_domain);
    db_bind_text(s, 20, r->dkim_identity);
    db_bind_text(s, 21, r->dkim_selector);
    db_bind_text(s, 22, r->identity_alignment);
    db_bind_text(s, 23, r->orig_message_id);
    db_bind_text(s, 24, r->orig_from);
    db_bind_text(s, 25, r->orig_to);
    db_bind_text(s, 26, r->orig_subject);
    db_bind_text(s, 27, r->orig_date_raw);
    db_bind_text(s, 28, r->orig_feedback_id);
    db_bind_text(s, 29, r->orig_list_id);
    return db_ext_run(db, s, "storing a feedback report");
}

int db_tlsrpt_insert(struct db *db, int64_t mid, const char *part, const char *file_name,
                     const struct tlsrpt_report *r, bool *dup)
{
    *dup = false;
    sqlite3_stmt *s = st(db, F_TLS_FIND);
    db_bind_text(s, 1, r->organization_name);
    db_bind_text(s, 2, r->report_id);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *dup = true;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return db_ext_run(db, s, "finding a TLS report");
    if (*dup) return 0;
    s = st(db, F_TLS_INSERT);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, part);
    db_bind_text(s, 3, file_name);
    db_bind_text(s, 4, r->organization_name);
    db_bind_text(s, 5, r->contact_info);
    db_bind_text(s, 6, r->report_id);
    db_bind_time(s, 7, r->date_begin, r->date_begin >= 0);
    db_bind_time(s, 8, r->date_end, r->date_end >= 0);
    db_bind_text(s, 9, r->problems);
    if (db_ext_run(db, s, "storing a TLS report") != 0) return -1;
    int64_t rid = sqlite3_last_insert_rowid(db_handle(db));
    for (size_t i = 0; i < r->n_policies; i++) {
        const struct tlsrpt_policy *p = &r->policies[i];
        s = st(db, F_TLS_POLICY);
        sqlite3_bind_int64(s, 1, rid);
        db_bind_text(s, 2, p->policy_type);
        db_bind_text(s, 3, p->policy_domain);
        db_bind_text(s, 4, p->policy_string);
        db_bind_text(s, 5, p->mx_host);
        int_or_null(s, 6, p->total_successful);
        int_or_null(s, 7, p->total_failure);
        if (db_ext_run(db, s, "storing a TLS report policy") != 0) return -1;
        int64_t pid = sqlite3_last_insert_rowid(db_handle(db));
        for (size_t k = 0; k < p->n_failures; k++) {
            const struct tlsrpt_failure *f = &p->failures[k];
            s = st(db, F_TLS_FAILURE);
            sqlite3_bind_int64(s, 1, pid);
            db_bind_text(s, 2, f->result_type);
            db_bind_text(s, 3, f->sending_mta_ip);
            db_bind_text(s, 4, f->receiving_mx_hostname);
            db_bind_text(s, 5, f->receiving_mx_helo);
            db_bind_text(s, 6, f->receiving_ip);
            int_or_null(s, 7, f->failed_session_count);
            db_bind_text(s, 8, f->additional_information);
            db_bind_text(s, 9, f->failure_reason_code);
            if (db_ext_run(db, s, "storing a TLS failure") != 0) return -1;
        }
    }
    return 0;
}

int db_bounce_insert(struct db *db, int64_t mid, const struct dsn_report *r,
                     const struct fb_delivery *dlv)
{
    sqlite3_stmt *s = st(db, F_BOUNCE);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, r->kind == DSN_AUTOREPLY ? "autoreply" : "bounce");
    db_bind_text(s, 3, r->format ? r->format : "unknown");
    db_bind_text(s, 4, r->evidence);
    db_bind_text(s, 5, r->reporting_mta);
    db_bind_text(s, 6, r->arrival_date_raw);
    db_bind_text(s, 7, r->original_envelope_id);
    db_bind_text(s, 8, r->orig_message_id);
    db_bind_text(s, 9, r->orig_from);
    db_bind_text(s, 10, r->orig_to);
    db_bind_text(s, 11, r->orig_subject);
    sqlite3_bind_int64(s, 12, (int64_t)r->n_rcpt);
    sqlite3_bind_int64(s, 13, (int64_t)r->dropped_rcpt);
    if (db_ext_run(db, s, "storing a bounce") != 0) return -1;
    int64_t bid = sqlite3_last_insert_rowid(db_handle(db));
    for (size_t i = 0; i < r->n_rcpt; i++) {
        const struct dsn_rcpt *rc = &r->rcpt[i];
        s = st(db, F_BOUNCE_RCPT);
        sqlite3_bind_int64(s, 1, bid);
        const struct fb_delivery *d = dlv ? &dlv[i] : NULL;
        if (d && d->time) sqlite3_bind_int64(s, 2, d->time);
        db_bind_text(s, 3, rc->recipient);
        db_bind_text(s, 4, d ? d->domain : NULL);
        db_bind_text(s, 5, rc->original_recipient);
        db_bind_text(s, 6, rc->action);
        db_bind_text(s, 7, d ? d->status : (r->kind == DSN_AUTOREPLY ? "sent" : "bounced"));
        db_bind_text(s, 8, rc->status);
        if (rc->reply_code > 0) sqlite3_bind_int(s, 9, rc->reply_code);
        db_bind_text(s, 10, rc->diagnostic);
        db_bind_text(s, 11, rc->diagnostic_type);
        db_bind_text(s, 12, rc->remote_mta);
        db_bind_text(s, 13, rc->will_retry_until_raw);
        db_bind_text(s, 14, d ? d->bc.reason : (r->kind == DSN_AUTOREPLY ? "vacation" : NULL));
        sqlite3_bind_int(s, 15, d && d->bc.hard);
        db_bind_text(s, 16, d ? d->bc.rule : NULL);
        db_bind_text(s, 17, d ? d->provider : NULL);
        db_bind_text(s, 18, d ? d->blocklist : NULL);
        sqlite3_bind_int(s, 19, d && d->blocklist_misconfig);
        if (db_ext_run(db, s, "storing a bounce recipient") != 0) return -1;
    }
    return 0;
}
