/* thresholds — see thresholds.h. Each metric is one query returning one
 * REAL, or NULL when there is no data for it. */
#include "report/thresholds.h"

#include <errno.h>
#include <math.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

struct metric {
    const char *name;
    const char *meaning;
    const char *sql;
    const char *section; /* the report section whose fact is this metric */
    const char *fact;
};

/* Every metric reads the report's scope (report/rctx.h: r_msg, r_copy,
 * r_dlv, r_out), so it covers the period and filters of the report: the
 * caller runs rctx_open first. Reports and complaints belong to the period
 * of the message that carried them. Final outcomes come from the MTA logs:
 * bounce rows (source 'bounce') are left out of rates so that a rejection
 * seen in the log and in its bounce message counts once. */
static const struct metric metrics[] = {
    {"bounce_rate",
     "recipients bounced, rejected or expired / recipients with a final outcome (MTA logs)",
     "SELECT CAST(sum(status IN ('bounced','rejected','expired')) AS REAL) /"
     " nullif(sum(status IN ('sent','bounced','rejected','expired')), 0)"
     " FROM r_out WHERE source = 'log'",
     "delivery", "bounce_rate"},
    {"deferral_rate", "delivery attempts deferred / all delivery attempts (MTA logs)",
     "SELECT CAST(sum(status = 'deferred') AS REAL) / nullif(count(*), 0) FROM r_dlv"
     " WHERE source = 'log'",
     "delivery", "deferral_rate"},
    {"blocklisted",
     "rejections or deferrals that name a blocklist (receivers' own misconfiguration not counted)",
     "SELECT count(*) FROM r_dlv WHERE blocklist IS NOT NULL AND NOT blocklist_misconfig",
     "delivery", "blocklist_hits"},
    {"dkim_pass_rate", "DKIM signatures that verify / all signatures (re-verified)",
     "SELECT CAST(sum(k.result = 'pass') AS REAL) / nullif(count(*), 0) FROM dkim_signatures k"
     " JOIN r_msg r ON r.id = k.message_id WHERE NOT k.legacy AND r.feedback_kind IS NULL",
     "authentication", "dkim_signature_pass_rate"},
    {"dmarc_fail", "messages whose DMARC result is fail (re-verified)",
     "SELECT count(*) FROM dmarc_results d JOIN r_msg r ON r.id = d.message_id"
     " WHERE d.result = 'fail' AND r.feedback_kind IS NULL",
     "authentication", "dmarc_fail"},
    {"spam_placement", "copies found in spam / copies whose placement is known",
     "SELECT CAST(sum(c.placement = 'spam') AS REAL) /"
     " nullif(sum(c.placement IN ('spam','inbox')), 0) FROM r_copy c JOIN r_msg r"
     " ON r.id = c.message_id WHERE r.feedback_kind IS NULL",
     "postmortem", "spam_share"},
    {"complaints", "complaints received (ARF reports, each counted by its Incidents)",
     "SELECT coalesce(sum(f.incidents), 0) FROM feedback_reports f JOIN r_msg r ON r.id = "
     "f.message_id"
     " WHERE f.feedback_type IS NOT 'auth-failure' AND f.feedback_type IS NOT 'not-spam'",
     "feedback", "complaints"},
    {"complaint_rate", "complaints (ARF) / recipients delivered per the MTA logs",
     "SELECT CAST((SELECT coalesce(sum(f.incidents), 0) FROM feedback_reports f JOIN r_msg r"
     " ON r.id = f.message_id WHERE f.feedback_type IS NOT 'auth-failure'"
     " AND f.feedback_type IS NOT 'not-spam') AS REAL) /"
     " nullif((SELECT count(*) FROM r_out WHERE source = 'log' AND status = 'sent'), 0)",
     "feedback", "complaint_rate"},
    {"dmarc_aggregate_fail_rate",
     "messages that failed DMARC (neither DKIM nor SPF aligned) / all messages, per the receivers' "
     "aggregate reports",
     "SELECT CAST(sum(CASE WHEN w.dkim IS NOT 'pass' AND w.spf IS NOT 'pass' THEN w.count ELSE 0"
     " END) AS REAL) / nullif(sum(w.count), 0) FROM dmarc_report_rows w"
     " JOIN dmarc_reports d ON d.id = w.report JOIN r_msg r ON r.id = d.message_id"
     " WHERE w.count > 0",
     "feedback", "dmarc_aggregate_fail_rate"},
    {"tls_failure_rate", "TLS sessions that failed / all sessions, per the receivers' TLS reports",
     "SELECT CAST(sum(max(p.total_failure, 0)) AS REAL) /"
     " nullif(sum(max(p.total_successful, 0) + max(p.total_failure, 0)), 0) FROM tlsrpt_policies p"
     " JOIN tlsrpt_reports t ON t.id = p.report JOIN r_msg r ON r.id = t.message_id",
     "feedback", "tls_failure_rate"},
};
#define N_METRICS (sizeof metrics / sizeof metrics[0])

static const char *const op_text[] = {"<", "<=", ">", ">=", "==", "!="};

/* breached = value OP limit, when there is a value */
static void compare(struct threshold *t)
{
    if (!t->has_value) return;
    double v = t->value, l = t->limit;
    switch (t->op) {
    case TH_LT:
        t->breached = v < l;
        break;
    case TH_LE:
        t->breached = v <= l;
        break;
    case TH_GT:
        t->breached = v > l;
        break;
    case TH_GE:
        t->breached = v >= l;
        break;
    case TH_EQ:
        t->breached = v == l;
        break;
    case TH_NE:
        t->breached = v != l;
        break;
    }
}

int threshold_parse(const char *expr, struct threshold *t, char *err, size_t errlen)
{
    memset(t, 0, sizeof *t);
    t->expr = expr;
    size_t i = 0;
    while (expr[i] && (ch_is_alnum((unsigned char)expr[i]) || expr[i] == '_'))
        i++;
    size_t name_len = i;
    int m = -1;
    for (size_t k = 0; k < N_METRICS; k++)
        if (strlen(metrics[k].name) == name_len && memcmp(metrics[k].name, expr, name_len) == 0)
            m = (int)k;
    if (m < 0) {
        size_t n =
            (size_t)snprintf(err, errlen, "--fail-on '%s': unknown metric '%.*s' (known:", expr,
                             (int)name_len, expr);
        for (size_t k = 0; k < N_METRICS && n < errlen; k++)
            n += (size_t)snprintf(err + n, errlen - n, " %s", metrics[k].name);
        if (n < errlen) snprintf(err + n, errlen - n, ")");
        return -1;
    }
    t->metric = m;
    while (expr[i] == ' ')
        i++;
    const char *o = expr + i;
    if (o[0] == '<' && o[1] == '=')
        t->op = TH_LE, i += 2;
    else if (o[0] == '>' && o[1] == '=')
        t->op = TH_GE, i += 2;
    else if (o[0] == '=' && o[1] == '=')
        t->op = TH_EQ, i += 2;
    else if (o[0] == '!' && o[1] == '=')
        t->op = TH_NE, i += 2;
    else if (o[0] == '<')
        t->op = TH_LT, i += 1;
    else if (o[0] == '>')
        t->op = TH_GT, i += 1;
    else if (o[0] == '=')
        t->op = TH_EQ, i += 1;
    else {
        snprintf(err, errlen, "--fail-on '%s': expected an operator (< <= > >= == !=) after '%s'",
                 expr, metrics[m].name);
        return -1;
    }
    while (expr[i] == ' ')
        i++;
    errno = 0;
    char *end;
    double v = strtod(expr + i, &end);
    if (end == expr + i || errno || !isfinite(v)) {
        snprintf(err, errlen, "--fail-on '%s': expected a number after the operator", expr);
        return -1;
    }
    if (*end == '%') {
        v /= 100.0;
        end++;
    }
    if (*end) {
        snprintf(err, errlen, "--fail-on '%s': unexpected '%s' after the number", expr, end);
        return -1;
    }
    t->limit = v;
    return 0;
}

int threshold_eval(struct db *db, struct threshold *t, char *err, size_t errlen)
{
    sqlite3 *h = (sqlite3 *)db_handle(db);
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, metrics[t->metric].sql, -1, &s, NULL) != SQLITE_OK) {
        const char *msg = sqlite3_errmsg(h);
        if (strstr(msg, "no such table") || strstr(msg, "no such column")) {
            t->has_value = false; /* an older database: no data */
            return 0;
        }
        snprintf(err, errlen, "--fail-on %s: %s", metrics[t->metric].name, msg);
        return -1;
    }
    int rc = sqlite3_step(s);
    t->has_value = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL;
    t->value = t->has_value ? sqlite3_column_double(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        snprintf(err, errlen, "--fail-on %s: %s", metrics[t->metric].name, sqlite3_errmsg(h));
        return -1;
    }
    t->breached = false;
    compare(t);
    return 0;
}

const char *threshold_section(const struct threshold *t)
{
    return metrics[t->metric].section;
}

int threshold_from_report(struct threshold *t, const struct report *r)
{
    const struct metric *m = &metrics[t->metric];
    const struct rsection *s = NULL;
    for (size_t i = 0; i < r->n_sec; i++)
        if (strcmp(r->sec[i]->id, m->section) == 0) s = r->sec[i];
    if (!s) return 0;
    t->has_value = false;
    t->breached = false;
    for (size_t i = 0; i < s->n_facts; i++) {
        const struct rfact *f = &s->facts[i];
        if (strcmp(f->key, m->fact) != 0) continue;
        if (f->v.k == RK_INT) {
            t->has_value = true;
            t->value = (double)f->v.i;
        } else if (f->v.k == RK_REAL || f->v.k == RK_PCT) {
            t->has_value = true;
            t->value = f->v.d;
        }
    }
    compare(t);
    return 1;
}

const char *threshold_op_text(const struct threshold *t)
{
    return op_text[t->op];
}

const char *threshold_metric_name(const struct threshold *t)
{
    return metrics[t->metric].name;
}

/* "    name  meaning", the meaning wrapped at 79 columns under itself. */
void thresholds_list(FILE *out)
{
    enum { INDENT = 19, WIDTH = 79 };
    for (size_t k = 0; k < N_METRICS; k++) {
        fprintf(out, "    %s\n", metrics[k].name);
        const char *p = metrics[k].meaning;
        while (*p) {
            size_t room = WIDTH - INDENT, n = strlen(p);
            if (n > room) {
                n = room;
                while (n > 0 && p[n] != ' ')
                    n--;
                if (n == 0) n = room;
            }
            fprintf(out, "%*s%.*s\n", INDENT, "", (int)n, p);
            p += n;
            while (*p == ' ')
                p++;
        }
    }
}

static void print_one(FILE *out, const struct threshold *t)
{
    fprintf(out, "  %-8s %s %s %g: ",
            t->breached    ? "BREACHED"
            : t->has_value ? "ok"
                           : "no data",
            metrics[t->metric].name, op_text[t->op], t->limit);
    if (t->has_value)
        fprintf(out, "%g\n", t->value);
    else
        fputs("no data\n", out);
}

size_t thresholds_print(FILE *out, const struct threshold *t, size_t n)
{
    size_t breached = 0;
    for (size_t i = 0; i < n; i++)
        breached += t[i].breached;
    if (!n) return 0;
    fprintf(out, "%s\n", breached ? "Thresholds breached (--fail-on)" : "Thresholds (--fail-on)");
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n; i++)
            if (t[i].breached == (pass == 0)) print_one(out, &t[i]);
    fputc('\n', out);
    return breached;
}
