/* check_feedback — `check`'s view of the feedback a message carries: a DMARC
 * aggregate or TLS report (what it is about, its rows counted and the first
 * few shown), a complaint or DMARC failure report, a bounce with each
 * recipient classified, an auto-reply. The same decoding as `ingest`
 * (feedback/feedback.h), without a database. */
#include "check_feedback.h"

#include <stdio.h>
#include <string.h>

#include "check_auth.h"
#include "util/timeutil.h"

#define SHOW_ROWS 5

static int agg_begin(void *ctx, const struct dmarcagg_meta *m)
{
    struct check_fb_report *r = ctx;
    arena *a = r->a;
#define KEEP(f) r->f = m->f ? arena_strdup(a, m->f) : NULL
    KEEP(org_name);
    KEEP(report_id);
    KEEP(domain);
    KEEP(p);
#undef KEEP
    r->date_begin = m->date_begin;
    r->date_end = m->date_end;
    return 0;
}

static int agg_row(void *ctx, const struct dmarcagg_row *row)
{
    struct check_fb_report *r = ctx;
    if (r->n_rows_kept < SHOW_ROWS) {
        struct check_fb_row *k = &r->rows[r->n_rows_kept++];
        k->source_ip = row->source_ip ? arena_strdup(r->a, row->source_ip) : NULL;
        k->header_from = row->header_from ? arena_strdup(r->a, row->header_from) : NULL;
        k->count = row->count;
        k->dkim = row->dkim ? arena_strdup(r->a, row->dkim) : NULL;
        k->spf = row->spf ? arena_strdup(r->a, row->spf) : NULL;
        k->disposition = row->disposition ? arena_strdup(r->a, row->disposition) : NULL;
    }
    return 0;
}

static int tls_sink(void *ctx, const struct tlsrpt_report *t)
{
    struct check_fb_report *r = ctx;
    r->org_name = t->organization_name;
    r->report_id = t->report_id;
    r->date_begin = t->date_begin;
    r->date_end = t->date_end;
    r->n_policies = t->n_policies;
    for (size_t i = 0; i < t->n_policies; i++) {
        if (!r->domain) r->domain = t->policies[i].policy_domain;
        if (t->policies[i].total_successful > 0) r->tls_ok += t->policies[i].total_successful;
        if (t->policies[i].total_failure > 0) r->tls_failed += t->policies[i].total_failure;
    }
    return 0;
}

void check_feedback_run(arena *a, const struct message *m, struct check_fb *out)
{
    /* a report slot is cleared when it is first used, not all eight up front
     * (8.7 KB a message, when nearly every message has no report); a slot an
     * unrecognised payload used is reused as it was left, as before */
    memset(&out->scan, 0, sizeof out->scan);
    out->n_reports = 0;
    if (!m->mime_parsed) return;
    feedback_scan(a, m, &out->scan, NULL);
    size_t cleared = 0;
    for (size_t i = 0; i < out->scan.n_pl; i++) {
        if (out->n_reports == cleared) memset(&out->reports[cleared++], 0, sizeof *out->reports);
        struct check_fb_report *r = &out->reports[out->n_reports];
        r->a = a;
        r->date_begin = r->date_end = -1;
        r->rows = arena_zalloc(a, SHOW_ROWS * sizeof *r->rows);
        struct dmarcagg_sink ds = {.ctx = r, .begin = agg_begin, .row = agg_row};
        struct fb_sinks s = {.dmarc = &ds, .tlsrpt = tls_sink, .tlsrpt_ctx = r};
        feedback_payload_run(a, &out->scan.pl[i], &s, &r->res);
        if (!r->res.recognised) continue;
        r->pl = &out->scan.pl[i];
        out->n_reports++;
        if (!out->scan.kind)
            out->scan.kind = r->res.kind == FB_TLSRPT ? "tlsrpt" : "dmarc-aggregate";
    }
}

static void jstr(struct json *j, const char *k, const char *v)
{
    json_key(j, k);
    json_cstr(j, v);
}

static void jtime(struct json *j, const char *k, int64_t t)
{
    json_key(j, k);
    if (t < 0) {
        json_null(j);
        return;
    }
    char b[32];
    time_format_iso(t, b);
    json_cstr(j, b);
}

void check_feedback_json(struct json *j, const struct check_fb *cf)
{
    const struct fb_scan *s = &cf->scan;
    json_key(j, "feedback");
    json_obj_begin(j);
    jstr(j, "kind", s->kind);
    jstr(j, "feedback_id", s->feedback_id);
    json_key(j, "reports");
    json_arr_begin(j);
    for (size_t i = 0; i < cf->n_reports; i++) {
        const struct check_fb_report *r = &cf->reports[i];
        bool tls = r->res.kind == FB_TLSRPT;
        json_obj_begin(j);
        jstr(j, "type", tls ? "tlsrpt" : "dmarc-aggregate");
        jstr(j, "part", r->pl->part);
        jstr(j, "file_name", r->pl->file_name);
        jstr(j, "reporter", r->org_name);
        jstr(j, "report_id", r->report_id);
        jstr(j, "domain", r->domain);
        jtime(j, "date_begin", r->date_begin);
        jtime(j, "date_end", r->date_end);
        if (tls) {
            json_key(j, "policies");
            json_int(j, (int64_t)r->n_policies);
            json_key(j, "sessions_ok");
            json_int(j, r->tls_ok);
            json_key(j, "sessions_failed");
            json_int(j, r->tls_failed);
        } else {
            jstr(j, "policy", r->p);
            json_key(j, "rows");
            json_int(j, (int64_t)r->res.dmarc.rows);
            json_key(j, "messages");
            json_int(j, (int64_t)r->res.dmarc.messages);
            json_key(j, "first_rows");
            json_arr_begin(j);
            for (size_t k = 0; k < r->n_rows_kept; k++) {
                const struct check_fb_row *w = &r->rows[k];
                json_obj_begin(j);
                jstr(j, "source_ip", w->source_ip);
                json_key(j, "count");
                json_int(j, w->count);
                jstr(j, "header_from", w->header_from);
                jstr(j, "disposition", w->disposition);
                jstr(j, "dkim", w->dkim);
                jstr(j, "spf", w->spf);
                json_obj_end(j);
            }
            json_arr_end(j);
        }
        jstr(j, "error", r->res.error[0] ? r->res.error : NULL);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_key(j, "complaint");
    if (s->is_arf) {
        const struct arf_report *f = &s->arf;
        json_obj_begin(j);
        jstr(j, "format", f->format);
        jstr(j, "feedback_type", f->feedback_type);
        jstr(j, "reporter", s->arf_reporter);
        jstr(j, "user_agent", f->user_agent);
        jstr(j, "source_ip", f->source_ip);
        jstr(j, "original_mail_from", f->original_mail_from);
        jstr(j, "original_rcpt_to", f->original_rcpt_to);
        jstr(j, "reported_domain", f->reported_domain);
        jstr(j, "auth_failure", f->auth_failure);
        jstr(j, "orig_message_id", f->orig_message_id);
        jstr(j, "orig_subject", f->orig_subject);
        jstr(j, "orig_feedback_id", f->orig_feedback_id);
        json_obj_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "bounce");
    if (s->dsn.kind != DSN_NONE) {
        const struct dsn_report *d = &s->dsn;
        json_obj_begin(j);
        jstr(j, "kind", d->kind == DSN_AUTOREPLY ? "autoreply" : "bounce");
        jstr(j, "format", d->format);
        jstr(j, "evidence", d->evidence);
        jstr(j, "reporting_mta", d->reporting_mta);
        jstr(j, "orig_message_id", d->orig_message_id);
        jstr(j, "orig_subject", d->orig_subject);
        json_key(j, "recipients");
        json_arr_begin(j);
        for (size_t i = 0; i < d->n_rcpt; i++) {
            const struct dsn_rcpt *r = &d->rcpt[i];
            const struct fb_delivery *v = s->dlv ? &s->dlv[i] : NULL;
            json_obj_begin(j);
            jstr(j, "recipient", r->recipient);
            jstr(j, "action", r->action);
            jstr(j, "status", v ? v->status : "sent");
            jstr(j, "dsn", r->status);
            json_key(j, "reply_code");
            if (r->reply_code > 0)
                json_int(j, r->reply_code);
            else
                json_null(j);
            jstr(j, "diagnostic", r->diagnostic);
            jstr(j, "remote_mta", r->remote_mta);
            jstr(j, "reason", v ? v->bc.reason : "vacation");
            json_key(j, "hard");
            json_bool(j, v && v->bc.hard);
            jstr(j, "provider", v ? v->provider : NULL);
            jstr(j, "blocklist", v ? v->blocklist : NULL);
            json_obj_end(j);
        }
        json_arr_end(j);
        json_obj_end(j);
    } else {
        json_null(j);
    }
    json_obj_end(j);
}

void check_feedback_text(struct buf *out, const struct check_fb *cf)
{
    const struct fb_scan *s = &cf->scan;
    if (!s->kind && !s->feedback_id && cf->n_reports == 0) return;
    buf_puts(out, "Feedback:    ");
    check_put_safe(out, s->kind ? s->kind : "none");
    if (s->feedback_id) {
        buf_puts(out, " (Feedback-ID ");
        check_put_safe(out, s->feedback_id);
        buf_puts(out, ")");
    }
    buf_putc(out, '\n');
    char b1[32], b2[32];
    for (size_t i = 0; i < cf->n_reports; i++) {
        const struct check_fb_report *r = &cf->reports[i];
        bool tls = r->res.kind == FB_TLSRPT;
        strcpy(b1, "?");
        strcpy(b2, "?");
        if (r->date_begin >= 0) time_format_iso(r->date_begin, b1);
        if (r->date_end >= 0) time_format_iso(r->date_end, b2);
        buf_printf(out, "  %s report from ", tls ? "TLS" : "DMARC aggregate");
        check_put_safe(out, r->org_name);
        buf_puts(out, " about ");
        check_put_safe(out, r->domain);
        buf_printf(out, ", %s to %s, id ", b1, b2);
        check_put_safe(out, r->report_id);
        buf_putc(out, '\n');
        if (tls) {
            buf_printf(out, "    %zu policies, %lld sessions ok, %lld failed\n", r->n_policies,
                       (long long)r->tls_ok, (long long)r->tls_failed);
        } else {
            buf_printf(out, "    policy p=");
            check_put_safe(out, r->p);
            buf_printf(out, "; %llu rows, %llu messages\n", (unsigned long long)r->res.dmarc.rows,
                       (unsigned long long)r->res.dmarc.messages);
            for (size_t k = 0; k < r->n_rows_kept; k++) {
                const struct check_fb_row *w = &r->rows[k];
                buf_puts(out, "    ");
                check_put_safe(out, w->source_ip);
                buf_printf(out, " x%lld from ", (long long)w->count);
                check_put_safe(out, w->header_from);
                buf_puts(out, ": dkim ");
                check_put_safe(out, w->dkim);
                buf_puts(out, ", spf ");
                check_put_safe(out, w->spf);
                buf_puts(out, ", disposition ");
                check_put_safe(out, w->disposition);
                buf_putc(out, '\n');
            }
        }
        if (r->res.error[0]) {
            buf_puts(out, "    problem: ");
            check_put_safe(out, r->res.error);
            buf_putc(out, '\n');
        }
    }
    if (s->is_arf) {
        const struct arf_report *f = &s->arf;
        buf_puts(out, "  ");
        check_put_safe(out, f->format);
        buf_puts(out, " report, type ");
        check_put_safe(out, f->feedback_type);
        buf_puts(out, ", from ");
        check_put_safe(out, s->arf_reporter ? s->arf_reporter : f->user_agent);
        buf_puts(out, ", source IP ");
        check_put_safe(out, f->source_ip);
        buf_puts(out, "\n  reported message ");
        check_put_safe(out, f->orig_message_id);
        buf_puts(out, " \"");
        check_put_safe(out, f->orig_subject);
        buf_puts(out, "\"\n");
    }
    if (s->dsn.kind != DSN_NONE) {
        const struct dsn_report *d = &s->dsn;
        buf_puts(out, "  ");
        buf_puts(out, d->kind == DSN_AUTOREPLY ? "auto-reply" : "bounce");
        buf_puts(out, " (");
        check_put_safe(out, d->format);
        buf_puts(out, ") of message ");
        check_put_safe(out, d->orig_message_id);
        buf_putc(out, '\n');
        for (size_t i = 0; i < d->n_rcpt; i++) {
            const struct dsn_rcpt *r = &d->rcpt[i];
            const struct fb_delivery *v = s->dlv ? &s->dlv[i] : NULL;
            buf_puts(out, "    ");
            check_put_safe(out, r->recipient);
            buf_puts(out, ": ");
            check_put_safe(out, v ? v->status : "auto-replied");
            if (v) {
                buf_puts(out, ", ");
                check_put_safe(out, v->bc.reason);
                buf_puts(out, v->bc.hard ? " (hard)" : " (soft)");
            }
            if (r->status) {
                buf_puts(out, " ");
                check_put_safe(out, r->status);
            }
            if (r->diagnostic) {
                buf_puts(out, ": ");
                check_put_safe(out, r->diagnostic);
            }
            buf_putc(out, '\n');
        }
    }
}
