/* feedback — recognising the feedback a message carries (see feedback.h). */
#include "feedback/feedback.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "util/str.h"

static bool ends_ci(const char *s, const char *suffix)
{
    if (!s) return false;
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && str_eq_ci(s + n - k, k, suffix);
}

static bool ctype_is(const struct mime_part *p, const char *t)
{
    return p->content_type && strcmp(p->content_type, t) == 0;
}

/* The campaign headers looked at, in order (feedback_campaign_headers). */
#define CAMPAIGN_HEADERS(X)                                                                        \
    X("X-Campaign")                                                                                \
    X("X-Campaign-ID") X("X-CampaignID") X("X-Campaign-Name") X("X-Mailgun-Campaign-Id")

/* The header fields feedback_scan reads, each the first of its name, found
 * in one pass over the header (hdr_get_first; a hdr_get each walked it nine
 * times a message: 1,500 instructions a message of the bench, the pass 500). */
enum { F_FEEDBACK_ID, F_LIST_ID, F_TLS_DOMAIN, F_TLS_SUBMITTER, F_CAMPAIGN /* and on */ };

static const struct hdr_name scan_fields[] = {
#define FIELD(name) HDR_NAME(name),
    FIELD("Feedback-ID") FIELD("List-Id") FIELD("TLS-Report-Domain") FIELD("TLS-Report-Submitter")
        CAMPAIGN_HEADERS(FIELD)
#undef FIELD
};
#define F__COUNT (sizeof scan_fields / sizeof *scan_fields)

/* The message says it is a TLS report (RFC 8460 section 5.3). */
static bool tls_report_message(const struct message *m, const struct hdr_field *const *fields)
{
    if (fields[F_TLS_DOMAIN] || fields[F_TLS_SUBMITTER]) return true;
    if (m->mime.n > 0) {
        const char *rt = mimeparam_get(&m->mime.parts[0].ctype, "report-type");
        if (rt && str_eq_ci(rt, strlen(rt), "tlsrpt")) return true;
    }
    return false;
}

/* Skip a BOM and whitespace; the first significant byte or 0. */
static unsigned char first_byte(const unsigned char *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) i = 3;
    while (i < len && ch_is_space(p[i]))
        i++;
    return i < len ? p[i] : 0;
}

/* Classify one leaf as a report payload; false when it is not one. */
static bool payload_of(const struct message *m, const struct mime_part *p, bool tls_msg,
                       struct fb_payload *out)
{
    if (p->is_multipart || p->is_message || !p->decoded || p->decoded_len == 0) return false;
    const char *fn = p->filename;
    const char *dt = p->detected_type ? p->detected_type : "";
    memset(out, 0, sizeof *out);
    out->p = p->decoded;
    out->len = p->decoded_len;
    out->part = p->path;
    out->file_name = fn;
    bool tls_type = p->content_type && strstr(p->content_type, "tlsrpt");
    if (strcmp(dt, "gzip") == 0 || ctype_is(p, "application/gzip") ||
        ctype_is(p, "application/x-gzip") || ctype_is(p, "application/tlsrpt+gzip") ||
        ends_ci(fn, ".gz")) {
        if (!unpack_is_gzip(p->decoded, p->decoded_len)) return false;
        out->enc = FB_GZIP;
        out->kind = tls_type || ends_ci(fn, ".json.gz") ? FB_TLSRPT
                    : ends_ci(fn, ".xml.gz")            ? FB_DMARC_AGG
                                                        : FB_EITHER;
        return true;
    }
    if (strcmp(dt, "zip") == 0 || ctype_is(p, "application/zip") ||
        ctype_is(p, "application/x-zip-compressed") || ctype_is(p, "application/x-zip") ||
        ends_ci(fn, ".zip")) {
        if (!unpack_is_zip(p->decoded, p->decoded_len)) return false;
        /* an aggregate report's archive holds an .xml member; any other ZIP
         * (an invoice, a photo album) is not looked into */
        bool xml = false;
        for (size_t k = 0; k < p->zip.n; k++) {
            const char *nm = p->zip.m[k].name;
            if (nm && ends_ci(nm, ".xml")) xml = true;
        }
        if (!xml) return false;
        out->enc = FB_ZIP;
        out->kind = FB_DMARC_AGG;
        return true;
    }
    out->enc = FB_RAW;
    unsigned char c = first_byte(p->decoded, p->decoded_len);
    if (tls_type || ((tls_msg || ends_ci(fn, ".json")) && c == '{')) {
        if (c != '{') return false;
        out->kind = FB_TLSRPT;
        return true;
    }
    bool xmlish = ctype_is(p, "text/xml") || ctype_is(p, "application/xml") || ends_ci(fn, ".xml");
    /* a report sent as the whole body: the single leaf of the message */
    bool whole_body = m->mime.n == 1 && (p->is_text || p->content_type == NULL);
    if ((xmlish || whole_body) && c == '<' &&
        dmarcagg_sniff((const char *)p->decoded, p->decoded_len)) {
        out->kind = FB_DMARC_AGG;
        return true;
    }
    return false;
}

static const char *delivery_status(const struct dsn_rcpt *r, const struct bounce_class *bc)
{
    const char *a = r->action ? r->action : "failed";
    if (strcmp(a, "delayed") == 0) return "deferred";
    if (strcmp(a, "delivered") == 0 || strcmp(a, "relayed") == 0 || strcmp(a, "expanded") == 0)
        return "sent";
    if (bc->reason && strcmp(bc->reason, "expired") == 0) return "expired";
    /* a report that gave up for lack of time, whose reason names the
     * network cause ("Message expired, DNS query failed": networkerror,
     * logs/classify.c); other reasons keep "bounced" even when the text
     * also mentions retries */
    if (bc->reason && strcmp(bc->reason, "networkerror") == 0 &&
        classify_says_expired(r->status, r->diagnostic, r->diagnostic ? strlen(r->diagnostic) : 0))
        return "expired";
    return "bounced";
}

static void classify_rcpts(arena *a, const struct message *m, struct fb_scan *out)
{
    size_t n = out->dsn.n_rcpt;
    out->dlv = n ? arena_zalloc(a, n * sizeof *out->dlv) : NULL;
    int64_t fallback = m->has_date ? m->date : m->arrival;
    for (size_t i = 0; i < n; i++) {
        const struct dsn_rcpt *r = &out->dsn.rcpt[i];
        struct fb_delivery *d = &out->dlv[i];
        d->r = r;
        const char *at = r->recipient ? strrchr(r->recipient, '@') : NULL;
        if (at && at[1]) {
            char *dom = arena_strdup(a, at + 1);
            str_lower(dom, strlen(dom));
            d->domain = dom;
        }
        bool final = !r->action || strcmp(r->action, "failed") == 0;
        const char *diag = r->diagnostic;
        struct bounce_facts bf = {.reply_code = r->reply_code,
                                  .status = r->status,
                                  .text = diag,
                                  .text_len = diag ? strlen(diag) : 0,
                                  .diagnostic_type = r->diagnostic_type,
                                  .action = r->action,
                                  .smtp_command = r->smtp_command,
                                  .final = final,
                                  .mta = out->dsn.mta,
                                  .mta_category = r->mta_category};
        classify_bounce_facts(&bf, &d->bc);
        d->status = delivery_status(r, &d->bc);
        d->provider = classify_provider(d->domain, r->remote_mta);
        struct blocklist_hit bl;
        if (diag && classify_blocklist(diag, strlen(diag), &bl)) {
            d->blocklist = bl.list;
            d->blocklist_misconfig = bl.receiver_misconfig;
        }
        d->time = r->last_attempt ? r->last_attempt : fallback;
    }
}

#define NAME(name) name,
const char *const feedback_campaign_headers[] = {CAMPAIGN_HEADERS(NAME) NULL};
#undef NAME

/* A header field's unfolded value, or NULL when absent or empty (at most
 * 256 bytes kept). */
static const char *header_value(arena *a, const struct hdr_field *f)
{
    if (!f) return NULL;
    size_t n;
    char *v = hdr_unfold(a, f->value, &n);
    if (!n) return NULL;
    if (n > 256) v[256] = '\0';
    for (char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f) *p = ' ';
    return v;
}

void feedback_scan(arena *a, const struct message *m, struct fb_scan *out, struct anomalies *an)
{
    memset(out, 0, sizeof *out);
    const struct hdr_field *fields[F__COUNT];
    hdr_get_first(&m->hdr, scan_fields, F__COUNT, fields);
    out->feedback_id = header_value(a, fields[F_FEEDBACK_ID]);
    const char *lid = header_value(a, fields[F_LIST_ID]);
    if (lid) {
        /* RFC 2919: an optional phrase, then the identifier in angle brackets */
        const char *lt = strrchr(lid, '<'), *gt = lt ? strchr(lt, '>') : NULL;
        if (lt && gt && gt > lt + 1)
            out->list_id = arena_strndup(a, lt + 1, (size_t)(gt - lt - 1));
        else
            out->list_id = lid;
    }
    for (size_t i = F_CAMPAIGN; i < F__COUNT && !out->campaign_id; i++)
        out->campaign_id = header_value(a, fields[i]);
    bool tls_msg = tls_report_message(m, fields);
    for (size_t i = 0; i < m->mime.n && out->n_pl < FB_MAX_PAYLOADS; i++) {
        /* payloads inside a returned/forwarded message are not the sender's reports */
        const struct mime_part *p = &m->mime.parts[i];
        bool nested = false;
        for (int q = p->parent; q >= 0; q = m->mime.parts[q].parent)
            if (m->mime.parts[q].is_message) nested = true;
        if (nested) continue;
        if (payload_of(m, p, tls_msg, &out->pl[out->n_pl])) out->n_pl++;
    }
    if (arf_parse(a, m, &out->arf, an)) {
        out->is_arf = true;
        out->kind = out->arf.feedback_type && strcmp(out->arf.feedback_type, "auth-failure") == 0
                        ? "dmarc-failure"
                        : "complaint";
        out->arf_reporter = classify_provider(m->has_from ? m->from.domain_lc : NULL, NULL);
        return;
    }
    if (out->n_pl == 0 && dsn_parse(a, m, &out->dsn, an) != DSN_NONE) {
        out->kind = out->dsn.kind == DSN_AUTOREPLY ? "autoreply" : "bounce";
        if (out->dsn.kind == DSN_BOUNCE) classify_rcpts(a, m, out);
    }
}

/* ---- payloads ---- */

struct run {
    arena *a;
    const struct fb_payload *pl;
    const struct fb_sinks *s;
    struct fb_payload_result *res;
    bool decided;
    enum fb_payload_kind kind;
    dmarcagg *x;
    /* TLS reports are small: collected whole (ceiling TLSRPT_MAX_JSON) */
    char *json;
    size_t json_len, json_cap;
    bool json_over;
};

static int on_chunk(void *ctx, const char *p, size_t n)
{
    struct run *r = ctx;
    if (!r->decided) {
        unsigned char c = first_byte((const unsigned char *)p, n);
        enum fb_payload_kind k = r->pl->kind;
        if (k == FB_EITHER) k = c == '{' ? FB_TLSRPT : FB_DMARC_AGG;
        if (k == FB_DMARC_AGG && !dmarcagg_sniff(p, n)) return 1; /* not a report: stop */
        if (k == FB_TLSRPT && c != '{') return 1;
        r->kind = k;
        r->decided = true;
        r->res->recognised = true;
        r->res->kind = k;
        if (k == FB_DMARC_AGG) {
            static const struct dmarcagg_sink none = {0};
            r->x = dmarcagg_new(r->s->dmarc ? r->s->dmarc : &none);
        }
    }
    if (r->kind == FB_DMARC_AGG) {
        dmarcagg_feed(r->x, p, n);
        return 0;
    }
    if (r->json_len + n > TLSRPT_MAX_JSON) {
        r->json_over = true;
        return 1;
    }
    if (r->json_len + n > r->json_cap) {
        size_t need = r->json_len + n;
        r->json = arena_grow(r->a, r->json, &r->json_cap, need, 1);
    }
    memcpy(r->json + r->json_len, p, n);
    r->json_len += n;
    return 0;
}

size_t feedback_max_unpacked(void)
{
    const char *e = getenv("MAILAUDIT_UNPACK_LIMIT");
    if (e && *e) {
        char *end;
        unsigned long long v = strtoull(e, &end, 10);
        if (*end == '\0' && v > 0 && v < FB_MAX_UNPACKED) return (size_t)v;
    }
    return FB_MAX_UNPACKED;
}

void feedback_payload_run(arena *a, const struct fb_payload *pl, const struct fb_sinks *s,
                          struct fb_payload_result *res)
{
    memset(res, 0, sizeof *res);
    res->kind = pl->kind;
    struct run r = {.a = a, .pl = pl, .s = s, .res = res};
    size_t max_out = s->max_out ? s->max_out : feedback_max_unpacked();
    struct unpack_result *u = &res->unpack;
    switch (pl->enc) {
    case FB_RAW:
        u->status = on_chunk(&r, (const char *)pl->p, pl->len) ? UNPACK_STOPPED : UNPACK_OK;
        u->out = pl->len;
        break;
    case FB_GZIP:
        unpack_gzip(pl->p, pl->len, max_out, on_chunk, &r, u);
        break;
    case FB_ZIP:
        unpack_zip(pl->p, pl->len, pl->kind == FB_TLSRPT ? ".json" : ".xml", max_out, on_chunk, &r,
                   u);
        break;
    }
    if (u->status == UNPACK_LIMIT)
        snprintf(res->error, sizeof res->error, "decompressed size over %zu bytes: stopped",
                 max_out);
    else if (u->status != UNPACK_OK && u->status != UNPACK_STOPPED)
        snprintf(res->error, sizeof res->error, "%s", u->error[0] ? u->error : "cannot decompress");
    if (r.x) {
        dmarcagg_finish(r.x, &res->dmarc);
        dmarcagg_free(r.x);
        if (!res->error[0] && res->dmarc.status != DMARCAGG_OK)
            snprintf(res->error, sizeof res->error, "%s", res->dmarc.error);
    } else if (r.decided && r.kind == FB_TLSRPT) {
        if (r.json_over) {
            snprintf(res->error, sizeof res->error, "TLS report over %zu bytes",
                     (size_t)TLSRPT_MAX_JSON);
            res->tlsrpt_rc = -1;
        } else {
            struct tlsrpt_report t;
            char err[160] = "";
            res->tlsrpt_rc = tlsrpt_parse(a, r.json ? r.json : "", r.json_len, &t, err, sizeof err);
            if (res->tlsrpt_rc == 0 && s->tlsrpt)
                res->tlsrpt_rc = s->tlsrpt(s->tlsrpt_ctx, &t) ? -2 : 0;
            else if (res->tlsrpt_rc != 0)
                snprintf(res->error, sizeof res->error, "TLS report: %s", err);
        }
    }
}
