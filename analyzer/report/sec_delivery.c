/* sec_delivery — the Delivery section, from the MTA logs: final outcome per
 * recipient and provider, bounce and deferral reasons, blocklists named in
 * replies, the replies themselves, a timeline of outcomes, and delays.
 *
 * Reads r_out (each recipient's final outcome) and r_dlv (every attempt).
 * Rates count the MTA-log rows only (source = 'log'): a refusal seen in the
 * log and in the bounce message it caused would count twice. Rows from
 * bounce messages (source = 'bounce') are shown in their own table and in
 * their own columns of the reason and reply tables.
 *
 * The facts use report/thresholds.c's definitions on the scope tables, so
 * that --fail-on and the report agree:
 *   bounce_rate     bounced+rejected+expired / sent+bounced+rejected+expired (r_out, log)
 *   deferral_rate   deferred attempts / all attempts (r_dlv, log)
 *   blocklist_hits  attempts naming a blocklist, receiver misconfiguration
 *                   excluded (r_dlv, both sources, as the `blocklisted` metric)
 *   delivered_share sent / recipients (r_out, log; still-deferred recipients
 *                   count as not delivered).
 *
 * Delays: nearest-rank percentiles (the value at rank ceil(p * n) of the
 * sorted delays), computed in C from one scan (SQLite has no percentile, and
 * a window function sorting twice was ten times slower).
 *
 * The reasons and the delays are counted by the delivery cube's scan
 * (report/dcube.c: r_dreason, r_dprov, r_ddelay) when it could: three
 * passes over r_dlv fewer; else by the queries below over r_dlv. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/rctx.h"
#include "util/xalloc.h"

#define TOP_PROVIDERS 20
#define TOP_REASONS 15
#define TOP_REPLIES 10
#define TOP_BLOCKLISTS 20
/* the timeline: hours up to this span, days up to TIMELINE_MAX_DAYS, else months */
#define TIMELINE_HOURLY_SPAN_H 72.0
#define TIMELINE_MAX_DAYS 400.0
#define TIMELINE_MAX_BUCKETS_S "2000" /* a safety stop for the recursion */

#define LOG_OUT " FROM r_out WHERE source = 'log'"
#define LOG_DLV " FROM r_dlv WHERE source = 'log'"
/* r_dcube (rctx.h): r_out's cells of the logs */
#define CUBE_OUT " FROM r_dcube WHERE source = 'log' AND sup = 0"
/* min(time), max(time) of r_dlv rows from their cells (time is ts as ISO text) */
#define CUBE_TIMES                                                                                 \
    "strftime('%Y-%m-%dT%H:%M:%SZ', min(ts_min), 'unixepoch'),"                                    \
    " strftime('%Y-%m-%dT%H:%M:%SZ', max(ts_max), 'unixepoch')"

static int fill(struct rctx *c, struct rtable *t, size_t limit, const char *sql)
{
    return rctx_fill(c, t, limit, sql, NULL) < 0 ? -1 : 0;
}

/* One scan of each scope table for the counts and rates. */
struct totals {
    struct rctx *c;
    int64_t n_log, n_bounce, blocklisted, recipients;
    struct rval deferral, delivered, bounce;
    const char *first, *last; /* times of the first and last log attempt */
};

static struct rval col_real(sqlite3_stmt *st, int k)
{
    return sqlite3_column_type(st, k) == SQLITE_NULL ? rv_null()
                                                     : rv_pct(sqlite3_column_double(st, k));
}

static int dlv_totals(void *ctx, sqlite3_stmt *st)
{
    struct totals *t = ctx;
    t->n_log = sqlite3_column_int64(st, 0);
    t->n_bounce = sqlite3_column_int64(st, 1);
    t->deferral = col_real(st, 2);
    t->blocklisted = sqlite3_column_int64(st, 3);
    t->first = rctx_col_text(t->c, st, 4);
    t->last = rctx_col_text(t->c, st, 5);
    return 0;
}

static int out_totals(void *ctx, sqlite3_stmt *st)
{
    struct totals *t = ctx;
    t->recipients = sqlite3_column_int64(st, 0);
    t->delivered = col_real(st, 1);
    t->bounce = col_real(st, 2);
    return 0;
}

static int totals(struct rctx *c, struct totals *t)
{
    memset(t, 0, sizeof *t);
    t->c = c;
    if (rctx_each(c,
                  "SELECT coalesce(sum(n * (source = 'log')), 0),"
                  " coalesce(sum(n * (source = 'bounce')), 0),"
                  " CAST(sum(n * (source = 'log' AND status = 'deferred')) AS REAL) /"
                  " nullif(sum(n * (source = 'log')), 0),"
                  " coalesce(sum(n * (blocklist IS NOT NULL AND NOT blocklist_misconfig)), 0),"
                  " strftime('%Y-%m-%dT%H:%M:%SZ', min(CASE WHEN source = 'log' THEN ts_min END),"
                  " 'unixepoch'),"
                  " strftime('%Y-%m-%dT%H:%M:%SZ', max(CASE WHEN source = 'log' THEN ts_max END),"
                  " 'unixepoch') FROM r_dcube",
                  NULL, dlv_totals, t) != 0 ||
        rctx_each(
            c,
            "SELECT coalesce(sum(n), 0),"
            " CAST(sum(n * (status = 'sent')) AS REAL) / nullif(sum(n), 0),"
            " CAST(sum(n * (status IN ('bounced','rejected','expired'))) AS REAL) /"
            " nullif(sum(n * (status IN ('sent','bounced','rejected','expired'))), 0)" CUBE_OUT,
            NULL, out_totals, t) != 0)
        return -1;
    return 0;
}

static void add_facts(struct rctx *c, struct rsection *s, const struct totals *t)
{
    rsec_fact(s, c->r, "recipients", "Recipients (MTA logs)", rv_int(t->recipients), 0);
    rsec_fact(s, c->r, "delivered_share", "Delivered", t->delivered, +1);
    rsec_fact(s, c->r, "bounce_rate", "Bounce rate", t->bounce, -1);
    rsec_fact(s, c->r, "deferral_rate", "Deferral rate (attempts)", t->deferral, -1);
    rsec_fact(s, c->r, "blocklist_hits", "Replies naming a blocklist", rv_int(t->blocklisted), -1);
}

static int add_providers(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(
        s, c->r, "by_provider", "Outcome per provider (MTA logs)",
        "provider:t:Provider|recipients:i:Recipients|sent:i:Sent|deferred:i:Deferred|"
        "bounced:i:Bounced|rejected:i:Rejected|expired:i:Expired|delivered_rate:p:Delivered|"
        "bounce_rate:p:Bounce rate");
    t->note = "each recipient's final outcome; deferred = still queued at the end of the logs";
    if (fill(c, t, TOP_PROVIDERS,
             "SELECT coalesce(provider, 'other'), sum(n), sum(n * (status = 'sent')),"
             " sum(n * (status = 'deferred')), sum(n * (status = 'bounced')),"
             " sum(n * (status = 'rejected')), sum(n * (status = 'expired')),"
             " CAST(sum(n * (status = 'sent')) AS REAL) / sum(n),"
             " CAST(sum(n * (status IN ('bounced','rejected','expired'))) AS REAL) /"
             " nullif(sum(n * (status IN ('sent','bounced','rejected','expired'))), 0)" CUBE_OUT
             " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21") != 0)
        return -1;
    t = rsec_table(s, c->r, "by_provider_bounce_messages",
                   "Outcome per provider (bounce messages received)",
                   "provider:t:Provider|recipients:i:Recipients|bounced:i:Bounced|"
                   "expired:i:Expired|deferred:i:Delayed|sent:i:Delivered|"
                   "bounce_messages:i:Bounce messages");
    t->note = "recipients reported by bounce messages (DSNs); not added to the log counts";
    /* (r_out is read only when there are bounce rows: finding none there
     * would read every delivery) */
    int64_t any = 0;
    if (rctx_int(c, "SELECT EXISTS (SELECT 1 FROM r_dcube WHERE source = 'bounce')", NULL, &any) !=
        0)
        return -1;
    if (!any) {
        t->limit = TOP_PROVIDERS;
        return 0;
    }
    return fill(c, t, TOP_PROVIDERS,
                "SELECT coalesce(provider, 'other'), count(*), sum(status = 'bounced'),"
                " sum(status = 'expired'), sum(status = 'deferred'), sum(status = 'sent'),"
                " count(DISTINCT bounce_message) FROM r_out WHERE source = 'bounce'"
                " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21");
}

#define BOUNCE_REASON_COLS                                                                         \
    "reason:t:Reason|kind:t:Hard/soft|attempts:i:Attempts (logs)|recipients:i:Recipients|"         \
    "domains:i:Domains|domain_list:t:Recipient domains|bounce_messages:i:In bounce messages"
#define DEFERRAL_REASON_COLS                                                                       \
    "reason:t:Reason|attempts:i:Attempts (logs)|recipients:i:Recipients|"                          \
    "domains:i:Domains|domain_list:t:Recipient domains|bounce_messages:i:In delay notices"

/* The reason tables: from r_dreason when the delivery cube's scan made it
 * (from_scan: report/dcube.c, the same numbers without two more passes
 * over r_dlv), else by their GROUP BYs over r_dlv. */
static int add_reasons(struct rctx *c, struct rsection *s, bool from_scan)
{
    struct rtable *t = rsec_table(s, c->r, "bounce_reasons", "Bounce reasons", BOUNCE_REASON_COLS);
    t->note = "bounced, rejected and expired attempts; hard: the address should be removed";
    if (fill(c, t, TOP_REASONS,
             from_scan ? "SELECT reason, kind, a_log, rcpt, doms, ma_list(dlist, 200), a_bounce"
                         " FROM r_dreason WHERE cls = 1 ORDER BY 3 DESC, 7 DESC, 1 LIMIT 16"
                       : "SELECT coalesce(reason, 'undefined'), CASE WHEN hard THEN 'hard' ELSE"
                         " 'soft' END, sum(source = 'log'),"
                         " count(DISTINCT CASE WHEN source = 'log' THEN recipient END),"
                         " count(DISTINCT CASE WHEN source = 'log' THEN recipient_domain END),"
                         " ma_list(group_concat(DISTINCT recipient_domain), 200),"
                         " sum(source = 'bounce')"
                         " FROM r_dlv WHERE status IN ('bounced','rejected','expired')"
                         " GROUP BY 1, 2 ORDER BY 3 DESC, 7 DESC, 1 LIMIT 16") != 0)
        return -1;
    t = rsec_table(s, c->r, "deferral_reasons", "Deferral reasons", DEFERRAL_REASON_COLS);
    return fill(c, t, TOP_REASONS,
                from_scan ? "SELECT reason, a_log, rcpt, doms, ma_list(dlist, 200), a_bounce"
                            " FROM r_dreason WHERE cls = 2 ORDER BY 2 DESC, 6 DESC, 1 LIMIT 16"
                          : "SELECT coalesce(reason, 'undefined'), sum(source = 'log'),"
                            " count(DISTINCT CASE WHEN source = 'log' THEN recipient END),"
                            " count(DISTINCT CASE WHEN source = 'log' THEN recipient_domain END),"
                            " ma_list(group_concat(DISTINCT recipient_domain), 200),"
                            " sum(source = 'bounce')"
                            " FROM r_dlv WHERE status = 'deferred'"
                            " GROUP BY 1 ORDER BY 2 DESC, 6 DESC, 1 LIMIT 16");
}

/* The reply with Postfix's "host X[ip] said: " prefix cut. */
#define REPLY_EXAMPLE                                                                              \
    "substr(min(CASE WHEN instr(reply_text, ' said: ') > 0"                                        \
    " THEN substr(reply_text, instr(reply_text, ' said: ') + 7) ELSE reply_text END), 1, 300)"

/* REPLY_EXAMPLE from the cells: the least cut reply of each, the least of those */
#define CUBE_REPLY_EXAMPLE "substr(min(said_min), 1, 300)"

static int add_blocklists(struct rctx *c, struct rsection *s)
{
    static const char cols[] = "blocklist:t:Blocklist|times:i:Times|first:T:First|last:T:Last|"
                               "providers:t:Providers|example:t:Example reply";
    struct rtable *t = rsec_table(s, c->r, "blocklists", "Blocklists named in replies", cols);
    t->note = "rejections and deferrals whose reply names a blocklist (logs and bounce messages)";
    if (fill(c, t, TOP_BLOCKLISTS,
             "SELECT blocklist, sum(n), " CUBE_TIMES ","
             " ma_list(group_concat(DISTINCT coalesce(provider, 'other')), 0), " CUBE_REPLY_EXAMPLE
             " FROM r_dcube WHERE blocklist IS NOT NULL AND NOT blocklist_misconfig"
             " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21") != 0)
        return -1;
    t = rsec_table(s, c->r, "blocklist_misconfig",
                   "Blocklist replies caused by the receiver's misconfiguration", cols);
    t->note = "the receiver's resolver is refused by the blocklist: not a listing of the sender";
    return fill(
        c, t, TOP_BLOCKLISTS,
        "SELECT blocklist, sum(n), " CUBE_TIMES ","
        " ma_list(group_concat(DISTINCT coalesce(provider, 'other')), 0), " CUBE_REPLY_EXAMPLE
        " FROM r_dcube WHERE blocklist IS NOT NULL AND blocklist_misconfig"
        " GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 21");
}

static int add_replies(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(s, c->r, "top_replies", "Top replies of failures and deferrals",
                                  "attempts:i:Attempts (logs)|bounce_messages:i:In bounce messages|"
                                  "provider:t:Provider|reason:t:Reason|dsn:t:DSN|"
                                  "example:t:Example reply");
    return fill(
        c, t, TOP_REPLIES,
        "SELECT sum(n * (source = 'log')), sum(n * (source = 'bounce')),"
        " coalesce(provider, 'other'), coalesce(reason, 'undefined'), dsn, " CUBE_REPLY_EXAMPLE
        " FROM r_dcube WHERE status <> 'sent' AND has_reply"
        " GROUP BY 3, 4, 5 ORDER BY sum(n) DESC, 1 DESC, 3, 4, 5 LIMIT 11");
}

/* ---- delays ---- */

/* Delays are collected in memory and sorted; past DELAY_MAX_VALUES every
 * other value is dropped and then only every 2nd, 4th... is kept (a
 * systematic sample, so memory stays bounded); the table says so. The
 * delivery cube's scan (report/dcube.c) counts the same values per
 * (provider, value) into r_dprov and r_ddelay, read instead when there. */
#ifndef DELAY_MAX_VALUES
#define DELAY_MAX_VALUES (2u << 20)
#endif
#define DELAY_MAX_PROVIDERS 64

/* n values d of provider prov (1 when collected one by one) */
struct delay_val {
    double d;
    unsigned prov;
    uint32_t n; /* at most DELAY_MAX_VALUES */
};

struct delays {
    struct rctx *c;
    struct delay_val *v;
    size_t n, cap;
    uint64_t seen, stride; /* keep one value in `stride` */
    const char *prov[DELAY_MAX_PROVIDERS];
    size_t n_prov;
    bool sampled;
};

/* The index of provider p; past DELAY_MAX_PROVIDERS - 1 names, "(others)". */
static unsigned delay_provider(struct delays *d, const char *p)
{
    for (size_t i = 0; i < d->n_prov; i++)
        if (strcmp(d->prov[i], p) == 0) return (unsigned)i;
    if (d->n_prov == DELAY_MAX_PROVIDERS - 1 && strcmp(p, "(others)") != 0)
        return delay_provider(d, "(others)");
    d->prov[d->n_prov] = rstr(d->c->r, p);
    return (unsigned)d->n_prov++;
}

static int delay_row(void *ctx, sqlite3_stmt *st)
{
    struct delays *d = ctx;
    if (d->seen++ % d->stride) return 0;
    if (d->n == DELAY_MAX_VALUES) { /* halve: keep every other value */
        for (size_t i = 0; i < d->n / 2; i++)
            d->v[i] = d->v[2 * i];
        d->n /= 2;
        d->stride *= 2;
        d->sampled = true;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n].d = sqlite3_column_double(st, 1);
    const char *p = (const char *)sqlite3_column_text(st, 0);
    d->v[d->n].prov = delay_provider(d, p ? p : "other");
    d->v[d->n].n = 1;
    d->n++;
    return 0;
}

/* r_dprov's rows: the providers in order, and the stride */
static int dprov_row(void *ctx, sqlite3_stmt *st)
{
    struct delays *d = ctx;
    if (d->n_prov == DELAY_MAX_PROVIDERS) return 1;
    d->prov[d->n_prov++] = rctx_col_text(d->c, st, 0);
    d->stride = (uint64_t)sqlite3_column_int64(st, 1);
    d->sampled = d->stride > 1;
    return 0;
}

/* r_ddelay's rows: a value with its count */
static int ddelay_row(void *ctx, sqlite3_stmt *st)
{
    struct delays *d = ctx;
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 1024;
        d->v = xrealloc(d->v, d->cap * sizeof *d->v);
    }
    d->v[d->n].prov = (unsigned)sqlite3_column_int64(st, 0);
    d->v[d->n].d = sqlite3_column_double(st, 1);
    d->v[d->n].n = (uint32_t)sqlite3_column_int64(st, 2);
    d->n++;
    return 0;
}

static int cmp_delay(const void *a, const void *b)
{
    double x = ((const struct delay_val *)a)->d, y = ((const struct delay_val *)b)->d;
    return x < y ? -1 : x > y;
}

/* ceil(num * n / 10) for the rank of a percentile (nearest-rank) */
static uint64_t rank_of(uint64_t n, unsigned tenths)
{
    return (n * tenths + 9) / 10;
}

/* The delays table: from r_dprov and r_ddelay when counted (counted), else
 * collected by their query. */
static int add_delays(struct rctx *c, struct rsection *s, bool counted)
{
    struct rtable *t = rsec_table(s, c->r, "delays", "Delays of sent deliveries (seconds)",
                                  "provider:t:Provider|deliveries:i:Deliveries|median:r:Median|"
                                  "p90:r:90th percentile|max:r:Max");
    t->note = "time from arrival in the queue to delivery, as the MTA logged it; nearest-rank"
              " percentiles";
    struct delays d = {.c = c, .stride = 1};
    int rc = counted
                 ? rctx_each(c, "SELECT name, stride FROM r_dprov ORDER BY i", NULL, dprov_row, &d)
                 : rctx_each(c,
                             "SELECT provider, delay" LOG_DLV
                             " AND status = 'sent' AND delay IS NOT NULL",
                             NULL, delay_row, &d);
    if (rc == 0 && counted)
        rc = rctx_each(c, "SELECT prov, d, n FROM r_ddelay", NULL, ddelay_row, &d);
    if (rc != 0 || d.n == 0) {
        free(d.v);
        return rc;
    }
    qsort(d.v, d.n, sizeof *d.v, cmp_delay);
    /* per provider, then all of them (index n_prov): count, then one walk
     * (a value counted n times takes the ranks seen + 1 .. seen + n) */
    size_t np = d.n_prov + 1;
    uint64_t *count = xcalloc(np, sizeof *count), *seen = xcalloc(np, sizeof *seen);
    double *med = xcalloc(np, sizeof *med), *p90 = xcalloc(np, sizeof *p90),
           *max = xcalloc(np, sizeof *max);
    for (size_t i = 0; i < d.n; i++) {
        count[d.v[i].prov] += d.v[i].n;
        count[d.n_prov] += d.v[i].n;
    }
    for (size_t i = 0; i < d.n; i++) {
        size_t ks[2] = {d.v[i].prov, d.n_prov};
        for (size_t j = 0; j < 2; j++) {
            size_t k = ks[j];
            uint64_t lo = seen[k] + 1, hi = (seen[k] += d.v[i].n);
            uint64_t r5 = rank_of(count[k], 5), r9 = rank_of(count[k], 9);
            if (lo <= r5 && r5 <= hi) med[k] = d.v[i].d;
            if (lo <= r9 && r9 <= hi) p90[k] = d.v[i].d;
            max[k] = d.v[i].d;
        }
    }
    /* rows: all providers first, then by deliveries (ties by name) */
    size_t *order = xcalloc(np, sizeof *order);
    for (size_t i = 0; i < d.n_prov; i++)
        order[i] = i;
    for (size_t i = 1; i < d.n_prov; i++) /* insertion sort: a few dozen providers */
        for (size_t j = i; j > 0; j--) {
            size_t a = order[j - 1], b = order[j];
            if (count[a] > count[b] || (count[a] == count[b] && strcmp(d.prov[a], d.prov[b]) <= 0))
                break;
            order[j - 1] = b;
            order[j] = a;
        }
    for (size_t i = 0; i < np && i <= TOP_PROVIDERS; i++) {
        size_t k = i == 0 ? d.n_prov : order[i - 1];
        struct rval row[5] = {rv_text(k == d.n_prov ? "all providers" : d.prov[k]),
                              rv_int((int64_t)count[k]), rv_real(med[k]), rv_real(p90[k]),
                              rv_real(max[k])};
        rtable_row(t, c->r, row);
    }
    t->limit = TOP_PROVIDERS + 1;
    t->truncated = np > TOP_PROVIDERS + 1;
    if (d.sampled)
        t->note = rprintf(c->r, "%s; from a systematic sample of 1 in %llu sent deliveries",
                          t->note, (unsigned long long)d.stride);
    free(order);
    free(count);
    free(seen);
    free(med);
    free(p90);
    free(max);
    free(d.v);
    return 0;
}

/* Whether the delivery cube's scan (report/dcube.c) made TEMP table name
 * (*yes); when it did not, that part is computed by its former query. 0
 * or -1 (c->err). */
static int temp_exists(struct rctx *c, const char *name, bool *yes)
{
    int64_t n = 0;
    if (rctx_int(c, "SELECT count(*) FROM sqlite_temp_master WHERE type = 'table' AND name = ?1",
                 name, &n) != 0)
        return -1;
    *yes = n > 0;
    return 0;
}

/* ---- the timeline ---- */

static const char *const series[] = {"sent", "deferred", "bounced", "rejected", "expired"};
#define N_SERIES (sizeof series / sizeof series[0])

struct bucket {
    const char *label;
    double v[N_SERIES];
};

struct timeline {
    struct rctx *c;
    struct bucket *b;
    size_t n, cap;
};

static int bucket_row(void *ctx, sqlite3_stmt *st)
{
    struct timeline *tl = ctx;
    tl->b = arena_grow(tl->c->r->a, tl->b, &tl->cap, tl->n + 1, sizeof *tl->b);
    struct bucket *b = &tl->b[tl->n++];
    b->label = rctx_col_text(tl->c, st, 0);
    for (size_t k = 0; k < N_SERIES; k++)
        b->v[k] = sqlite3_column_double(st, (int)k + 1);
    return 0;
}

/* Buckets from lo to hi (?1, ?2: ISO times, the period's bounds when given,
 * else the first and last attempt), each with its counts, empty ones too.
 * FMT is the bucket key (a time strftime can read back), STEP the modifier
 * to the next bucket, LABEL the label made from the key k, KLEN the length
 * of the prefix of an ISO time that names its bucket (no strftime per row). */
#define TIMELINE_SQL(FMT, STEP, LABEL, KLEN)                                                       \
    "WITH RECURSIVE lim AS (SELECT strftime('" FMT "', ?1) AS lo, strftime('" FMT "', ?2) AS hi)," \
    " b(k, i) AS (SELECT lo, 0 FROM lim WHERE lo IS NOT NULL AND hi IS NOT NULL"                   \
    " UNION ALL SELECT strftime('" FMT "', k, '" STEP "'), i + 1 FROM b, lim"                      \
    " WHERE k < lim.hi AND i < " TIMELINE_MAX_BUCKETS_S "),"                                       \
    " h AS (SELECT h, s, d, bo, r, e FROM r_dhour),"                                               \
    " n AS (SELECT substr(strftime('%Y-%m-%dT%H:%M:%SZ', h, 'unixepoch'), 1, " KLEN ") AS k,"      \
    " sum(s) AS s, sum(d) AS d, sum(bo) AS bo, sum(r) AS r, sum(e) AS e FROM h GROUP BY 1)"        \
    " SELECT " LABEL ", coalesce(n.s, 0), coalesce(n.d, 0), coalesce(n.bo, 0), coalesce(n.r, 0),"  \
    " coalesce(n.e, 0) FROM b LEFT JOIN n ON n.k = replace(substr(b.k, 1, " KLEN "), ' ', 'T')"    \
    " ORDER BY b.k"

static const char hourly_sql[] =
    TIMELINE_SQL("%Y-%m-%d %H:00:00", "+1 hour", "substr(b.k, 1, 13) || 'h'", "13");
static const char daily_sql[] = TIMELINE_SQL("%Y-%m-%d", "+1 day", "b.k", "10");
static const char monthly_sql[] = TIMELINE_SQL("%Y-%m-01", "+1 month", "substr(b.k, 1, 7)", "7");

/* rctx_each with two text parameters (?1, ?2; NULL stays NULL). */
static int each2(struct rctx *c, const char *sql, const char *p1, const char *p2,
                 int (*fn)(void *, sqlite3_stmt *), void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "delivery timeline: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    if (p1) sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    if (p2) sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(ctx, st)) {
            rc = SQLITE_DONE;
            break;
        }
    if (rc != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "delivery timeline: %s", sqlite3_errmsg(c->db));
        sqlite3_finalize(st);
        return -1;
    }
    sqlite3_finalize(st);
    return 0;
}

/* The period's span in hours and its last second (until - 1 s), *has
 * false when the bounds do not read as times. */
static int period_span(struct rctx *c, const char *lo, const char *hi, double *h, const char **last,
                       bool *has)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT (julianday(?2) - julianday(?1)) * 24,"
                           " strftime('%Y-%m-%dT%H:%M:%SZ', ?2, '-1 second')",
                           -1, &st, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "delivery timeline: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
    *has = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL &&
           sqlite3_column_type(st, 1) != SQLITE_NULL;
    *h = *has ? sqlite3_column_double(st, 0) : 0;
    *last = *has ? rctx_col_text(c, st, 1) : NULL;
    sqlite3_finalize(st);
    return 0;
}

/* Hours between two ISO times (the first and last attempt). */
static double hours_between(struct rctx *c, const char *a, const char *b)
{
    sqlite3_stmt *st;
    double h = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT (julianday(?2) - julianday(?1)) * 24", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) h = sqlite3_column_double(st, 0);
    sqlite3_finalize(st);
    return h;
}

/* The timeline over the period when both bounds are given (every bucket
 * drawn, empty ones too), else from the first to the last attempt. */
static int add_timeline(struct rctx *c, struct rsection *s, const struct totals *t)
{
    if (!t->first || !t->last) return 0; /* no attempt has a time */
    const char *lo = t->first, *hi = t->last;
    double span_h = 0;
    bool has = false;
    if (c->scope.since && c->scope.until) {
        const char *last;
        if (period_span(c, c->scope.since, c->scope.until, &span_h, &last, &has) != 0) return -1;
        if (has) lo = c->scope.since, hi = last;
    }
    if (!has) span_h = hours_between(c, lo, hi);
    const char *sql = span_h <= TIMELINE_HOURLY_SPAN_H   ? hourly_sql
                      : span_h <= TIMELINE_MAX_DAYS * 24 ? daily_sql
                                                         : monthly_sql;
    const char *unit_word = sql == hourly_sql ? "hour" : sql == daily_sql ? "day" : "month";
    struct timeline tl = {.c = c};
    if (each2(c, sql, lo, hi, bucket_row, &tl) != 0) return -1;
    if (tl.n == 0) return 0;
    struct rchart *ch = rsec_chart(s, c->r, "timeline", rprintf(c->r, "Outcomes per %s", unit_word),
                                   RC_STACKED, tl.n, N_SERIES, "deliveries");
    for (size_t k = 0; k < N_SERIES; k++)
        ch->series[k] = series[k];
    for (size_t l = 0; l < tl.n; l++) {
        ch->labels[l] = tl.b[l].label;
        for (size_t k = 0; k < N_SERIES; k++)
            ch->values[k * tl.n + l] = tl.b[l].v[k];
    }
    return 0;
}

int sec_delivery(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "delivery", "Delivery");
    struct totals t;
    if (totals(c, &t) != 0) return -1;
    if (t.n_log == 0 && t.n_bounce == 0) {
        rsec_empty(s, c->r, "no MTA logs or bounce messages in this period");
        return 0;
    }
    if (t.n_log == 0)
        rsec_note(s, c->r,
                  "No MTA log lines in this period: the rates are empty and the tables show what"
                  " %lld recipients of bounce messages said.",
                  (long long)t.n_bounce);
    add_facts(c, s, &t);
    bool reasons = false, delays = false;
    if (temp_exists(c, "r_dreason", &reasons) != 0 || temp_exists(c, "r_ddelay", &delays) != 0 ||
        add_timeline(c, s, &t) != 0 || add_providers(c, s) != 0 ||
        add_reasons(c, s, reasons) != 0 || add_blocklists(c, s) != 0 || add_replies(c, s) != 0 ||
        add_delays(c, s, delays) != 0)
        return -1;
    rsec_note(s, c->r,
              "Rates count MTA-log rows only; bounce-message rows are shown in their own"
              " columns (the same refusal may appear in both).");
    return 0;
}
