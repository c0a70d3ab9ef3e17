/* ingest_feedback — storing the reports and bounces a message carries
 * (feedback/feedback.h finds and decodes them; store/db_feedback.c writes).
 * Payload problems (a decompression bomb, malformed XML) become anomalies of
 * the carrier message; what was read before the problem is kept. */
#include <stdio.h>
#include <string.h>

#include "feedback/feedback.h"
#include "ingest.h"

struct dmarc_ctx {
    struct ingest *in;
    int64_t mid;
    const struct fb_payload *pl;
    char file_name[320];
    const struct fb_payload_result *res; /* its unpack.name: the ZIP member being read */
    int64_t report; /* 0: none begun (or a duplicate) */
    bool dup, failed;
};

static int dmarc_begin(void *ctx, const struct dmarcagg_meta *m)
{
    struct dmarc_ctx *c = ctx;
    if (c->pl->enc == FB_ZIP && c->res->unpack.name[0])
        snprintf(c->file_name, sizeof c->file_name, "%s:%s",
                 c->pl->file_name ? c->pl->file_name : "", c->res->unpack.name);
    if (db_dmarc_report_begin(c->in->db, c->mid, c->pl->part, c->file_name, m, &c->report,
                              &c->dup) != 0) {
        c->failed = true;
        return 1;
    }
    if (c->dup) {
        c->in->fb_dmarc_dup++;
        return 1; /* stored already: stop reading */
    }
    c->in->fb_dmarc++;
    return 0;
}

static int dmarc_row(void *ctx, const struct dmarcagg_row *r)
{
    struct dmarc_ctx *c = ctx;
    if (!c->report) return 1;
    if (!c->in->fb_batch) c->in->fb_batch = db_dmarc_batch_new();
    if (db_dmarc_report_row(c->in->db, c->in->fb_batch, c->report, r) != 0) {
        c->failed = true;
        return 1;
    }
    c->in->fb_dmarc_rows++;
    return 0;
}

struct tls_ctx {
    struct ingest *in;
    int64_t mid;
    const struct fb_payload *pl;
    bool failed;
};

static int tls_sink(void *ctx, const struct tlsrpt_report *r)
{
    struct tls_ctx *c = ctx;
    bool dup;
    if (db_tlsrpt_insert(c->in->db, c->mid, c->pl->part, c->pl->file_name, r, &dup) != 0) {
        c->failed = true;
        return 1;
    }
    if (dup)
        c->in->fb_tlsrpt_dup++;
    else
        c->in->fb_tlsrpt++;
    return 0;
}

static int anomaly(struct ingest *in, int64_t mid, enum anom_code code, const char *where,
                   const char *what)
{
    char detail[ANOM_DETAIL_MAX + 1];
    snprintf(detail, sizeof detail, "%.60s: %.130s", where, what);
    in->anomalies++;
    return db_feedback_anomaly(in->db, mid, anom_name(code), detail);
}

/* Run one payload; returns the kind it turned out to be, or NULL. */
static const char *run_payload(struct ingest *in, int64_t mid, const struct fb_payload *pl,
                               int *rc)
{
    if (!in->fb_arena) in->fb_arena = arena_new();
    arena_reset(in->fb_arena);
    struct dmarc_ctx dc = {.in = in, .mid = mid, .pl = pl};
    if (pl->file_name)
        snprintf(dc.file_name, sizeof dc.file_name, "%s", pl->file_name);
    struct dmarcagg_sink ds = {.ctx = &dc, .begin = dmarc_begin, .row = dmarc_row};
    struct tls_ctx tc = {.in = in, .mid = mid, .pl = pl};
    struct fb_sinks sinks = {.dmarc = &ds, .tlsrpt = tls_sink, .tlsrpt_ctx = &tc};
    struct fb_payload_result res;
    dc.res = &res;
    feedback_payload_run(in->fb_arena, pl, &sinks, &res);
    const char *where = pl->file_name ? pl->file_name : pl->part;
    *rc = 0;
    if (dc.failed || tc.failed) {
        *rc = -1;
        return NULL;
    }
    if (res.unpack.status == UNPACK_LIMIT)
        *rc = anomaly(in, mid, ANOM_FB_UNPACK_LIMIT, where, res.error);
    else if (res.unpack.status != UNPACK_OK && res.unpack.status != UNPACK_STOPPED &&
             (res.recognised || pl->enc != FB_RAW))
        *rc = anomaly(in, mid, ANOM_FB_UNPACK_CORRUPT, where, res.error);
    if (*rc) return NULL;
    if (!res.recognised) return NULL;
    if (res.kind == FB_DMARC_AGG) {
        const char *status = "complete";
        enum dmarcagg_status ds_ = res.dmarc.status;
        if (ds_ == DMARCAGG_LIMIT || res.unpack.status == UNPACK_LIMIT)
            status = "limit";
        else if (ds_ == DMARCAGG_MALFORMED || ds_ == DMARCAGG_DOCTYPE ||
                 (res.unpack.status != UNPACK_OK && res.unpack.status != UNPACK_STOPPED))
            status = "malformed";
        if (!in->fb_batch) in->fb_batch = db_dmarc_batch_new();
        if (dc.report && db_dmarc_report_end(in->db, in->fb_batch, dc.report, res.dmarc.rows,
                                             res.dmarc.messages, status, res.error) != 0) {
            *rc = -1;
            return NULL;
        }
        if (ds_ == DMARCAGG_LIMIT)
            *rc = anomaly(in, mid, ANOM_FB_REPORT_LIMIT, where, res.dmarc.error);
        else if (ds_ == DMARCAGG_MALFORMED || ds_ == DMARCAGG_DOCTYPE)
            *rc = anomaly(in, mid, ANOM_FB_REPORT_MALFORMED, where, res.dmarc.error);
        if (ds_ == DMARCAGG_NOT_DMARC) return NULL;
        return "dmarc-aggregate";
    }
    if (res.tlsrpt_rc == -1) {
        *rc = anomaly(in, mid, ANOM_FB_REPORT_MALFORMED, where, res.error);
        return NULL;
    }
    return "tlsrpt";
}

int ingest_feedback(struct ingest *in, const struct message *m, int64_t mid,
                    const struct fb_scan *fs, bool fresh)
{
    (void)m;
    if (!fresh && db_feedback_clear(in->db, mid) != 0) return -1;
    const char *kind = fs->kind;
    for (size_t i = 0; i < fs->n_pl; i++) {
        int rc;
        const char *k = run_payload(in, mid, &fs->pl[i], &rc);
        if (rc) return -1;
        if (k && !kind) kind = k;
    }
    if (fs->is_arf) {
        if (db_feedback_report_insert(in->db, mid, &fs->arf, fs->arf_reporter) != 0) return -1;
        if (fs->arf.feedback_type && strcmp(fs->arf.feedback_type, "auth-failure") == 0)
            in->fb_failures++;
        else
            in->fb_complaints++;
    } else if (fs->dsn.kind != DSN_NONE) {
        if (db_bounce_insert(in->db, mid, &fs->dsn, fs->dlv) != 0) return -1;
        if (fs->dsn.kind == DSN_AUTOREPLY) {
            in->fb_autoreplies++;
        } else {
            in->fb_bounces++;
            in->fb_bounce_rcpts += (int64_t)fs->dsn.n_rcpt;
        }
    }
    if (!kind && !fs->feedback_id && !fs->list_id && !fs->campaign_id && fresh) return 0;
    return db_feedback_message(in->db, mid, kind, fs->feedback_id, fs->list_id, fs->campaign_id);
}

void ingest_feedback_summary(const struct ingest *in)
{
    if (!(in->fb_dmarc || in->fb_dmarc_dup || in->fb_complaints || in->fb_failures ||
          in->fb_tlsrpt || in->fb_tlsrpt_dup || in->fb_bounces || in->fb_autoreplies))
        return;
    printf("feedback: %lld DMARC aggregate reports (%lld rows; %lld duplicates skipped), %lld "
           "complaints, %lld DMARC failure reports, %lld TLS reports (%lld duplicates), %lld "
           "bounces (%lld recipients), %lld auto-replies\n",
           (long long)in->fb_dmarc, (long long)in->fb_dmarc_rows, (long long)in->fb_dmarc_dup,
           (long long)in->fb_complaints, (long long)in->fb_failures, (long long)in->fb_tlsrpt,
           (long long)in->fb_tlsrpt_dup, (long long)in->fb_bounces,
           (long long)in->fb_bounce_rcpts, (long long)in->fb_autoreplies);
}
