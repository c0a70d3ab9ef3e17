/* sec_requirements — the Gmail/Yahoo bulk-sender requirements (README
 * "Bulk-sender requirements"; requirement_sets and the view `requirements`
 * of schemas/0005) of the sent messages in scope: per From domain and
 * requirement, how many messages pass, fail or are unknown (evidence
 * missing), with one evidence example — of a failure when there is one,
 * else of an unknown, else of a pass — and the Message-ID it came from.
 * Requirements are listed in the README's order.
 *
 * Speed: the checks are one JSON array per message. Expanding them with
 * json_each and grouping in SQL costs about 20 s per million messages, so
 * the arrays are read once (one scan of r_msg joined to requirement_sets),
 * parsed here and counted in a hash table of (domain, requirement). */
#include "report/rctx.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/jsonparse.h"
#include "util/xalloc.h"

#define TOP_ROWS 240         /* domains x 12 requirements */
#define MAX_GROUPS 1000000   /* (domain, requirement) pairs counted per domain */
#define MAX_CHECKS_LEN 65536 /* a requirement_sets row longer than this is skipped */

static const char *const req_order[] = {
    "spf_pass",      "dkim_pass",  "dmarc_record", "dmarc_pass", "one_click_unsubscribe",
    "unsubscribe",   "message_id", "single_from",  "ptr_fcrdns", "tls",
    "dkim_key_1024", "gmail_from"};
#define N_REQ_ORDER (sizeof req_order / sizeof req_order[0])

enum { EX_FAIL, EX_UNKNOWN, EX_ANY };

struct group {
    const char *dom; /* NULL: the all-domains summary */
    const char *req;
    int64_t n, pass, fail, unknown;
    int64_t ex_id[3];
    const char *ex_status[3], *ex_evidence[3];
    int64_t dom_n; /* for ordering: the largest n of the domain's groups */
};

struct gmap {
    struct group **slot;
    size_t cap, n;
};

struct acc {
    struct rctx *c;
    arena *tmp; /* one message's parse */
    struct gmap by_dom, summary;
    int64_t checked, failing, skipped;
    bool capped;
};

static uint64_t key_hash(const char *dom, const char *req, size_t req_len)
{
    uint64_t h = dom ? hash_fnv1a(dom, strlen(dom)) : 0;
    return h * 1099511628211u ^ hash_fnv1a(req, req_len);
}

static void gmap_grow(struct gmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct group **slot = xcalloc(cap, sizeof *slot);
    for (size_t i = 0; i < m->cap; i++) {
        struct group *g = m->slot[i];
        if (!g) continue;
        size_t k = key_hash(g->dom, g->req, strlen(g->req)) & (cap - 1);
        while (slot[k])
            k = (k + 1) & (cap - 1);
        slot[k] = g;
    }
    free(m->slot);
    m->slot = slot;
    m->cap = cap;
}

/* The group of (dom, req), created in the report arena; NULL when the map
 * is full (`limit` groups). */
static struct group *gmap_get(struct gmap *m, struct report *r, const char *dom, const char *req,
                              size_t req_len, size_t limit)
{
    if ((m->n + 1) * 2 > m->cap) gmap_grow(m);
    size_t k = key_hash(dom, req, req_len) & (m->cap - 1);
    for (struct group *g; (g = m->slot[k]) != NULL; k = (k + 1) & (m->cap - 1))
        if (strlen(g->req) == req_len && memcmp(g->req, req, req_len) == 0 &&
            (g->dom == dom || (g->dom && dom && strcmp(g->dom, dom) == 0)))
            return g;
    if (m->n >= limit) return NULL;
    struct group *g = arena_zalloc(r->a, sizeof *g);
    g->dom = dom ? rstr(r, dom) : NULL;
    g->req = arena_strndup(r->a, req, req_len);
    m->slot[k] = g;
    m->n++;
    return g;
}

static void count(struct group *g, struct report *r, int64_t id, const struct jv *st,
                  const struct jv *ev)
{
    const char *status = st && st->type == JV_STRING ? st->s : "?";
    int ex;
    g->n++;
    if (strcmp(status, "pass") == 0) {
        g->pass++;
        ex = EX_ANY;
    } else if (strcmp(status, "fail") == 0) {
        g->fail++;
        ex = EX_FAIL;
    } else {
        if (strcmp(status, "unknown") == 0) g->unknown++;
        ex = EX_UNKNOWN;
    }
    for (int k = ex; k <= EX_ANY; k += (k == EX_FAIL ? 2 : 1)) {
        if (g->ex_status[k]) continue;
        g->ex_id[k] = id;
        g->ex_status[k] = rstr(r, status);
        g->ex_evidence[k] =
            ev && ev->type == JV_STRING ? arena_strndup(r->a, ev->s, ev->len) : NULL;
    }
}

static int row(void *ctx, sqlite3_stmt *q)
{
    struct acc *a = ctx;
    struct report *r = a->c->r;
    int64_t id = sqlite3_column_int64(q, 0);
    const char *dom = (const char *)sqlite3_column_text(q, 1);
    const char *checks = (const char *)sqlite3_column_text(q, 2);
    int len = sqlite3_column_bytes(q, 2);
    arena_reset(a->tmp);
    const struct jv *arr = checks && len > 0 && len <= MAX_CHECKS_LEN
                               ? jsonp_parse(a->tmp, checks, (size_t)len, NULL, 0)
                               : NULL;
    if (!arr || arr->type != JV_ARRAY) {
        a->skipped++;
        return 0;
    }
    a->checked++;
    bool failed = false;
    for (size_t i = 0; i < arr->n; i++) {
        const struct jv *e = &arr->item[i];
        if (e->type != JV_ARRAY || e->n < 2 || e->item[0].type != JV_STRING) continue;
        const struct jv *st = &e->item[1], *ev = e->n > 2 ? &e->item[2] : NULL;
        failed |= st->type == JV_STRING && strcmp(st->s, "fail") == 0;
        struct group *g = gmap_get(&a->summary, r, NULL, e->item[0].s, e->item[0].len, (size_t)-1);
        count(g, r, id, st, ev);
        g = gmap_get(&a->by_dom, r, dom ? dom : "(none)", e->item[0].s, e->item[0].len, MAX_GROUPS);
        if (g)
            count(g, r, id, st, ev);
        else
            a->capped = true;
    }
    a->failing += failed;
    return 0;
}

static size_t req_rank(const char *req)
{
    for (size_t i = 0; i < N_REQ_ORDER; i++)
        if (strcmp(req, req_order[i]) == 0) return i;
    return N_REQ_ORDER;
}

static int cmp_req(const struct group *x, const struct group *y)
{
    size_t a = req_rank(x->req), b = req_rank(y->req);
    if (a != b) return a < b ? -1 : 1;
    return strcmp(x->req, y->req);
}

static int cmp_summary(const void *p, const void *q)
{
    return cmp_req(*(struct group *const *)p, *(struct group *const *)q);
}

static int cmp_dom_name(const void *p, const void *q)
{
    const struct group *x = *(struct group *const *)p, *y = *(struct group *const *)q;
    return strcmp(x->dom, y->dom);
}

/* Domains with most messages first, then by name; requirements in order. */
static int cmp_by_domain(const void *p, const void *q)
{
    const struct group *x = *(struct group *const *)p, *y = *(struct group *const *)q;
    if (x->dom_n != y->dom_n) return x->dom_n > y->dom_n ? -1 : 1;
    int c = strcmp(x->dom, y->dom);
    return c ? c : cmp_req(x, y);
}

/* Compact the map's groups into an array (in the map's own slot array). */
static size_t gather(struct gmap *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slot[i]) m->slot[n++] = m->slot[i];
    return n;
}

int sec_requirements(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s = rsec_add(r, "requirements", "Bulk-sender requirements (Gmail, Yahoo)");
    int64_t n_msg = 0;
    if (rctx_sent_messages(c, &n_msg) != 0) return -1;
    if (n_msg == 0) {
        rsec_empty(s, r, "no messages in this period");
        return 0;
    }

    struct acc a = {.c = c, .tmp = arena_new()};
    int rc = rctx_each(c,
                       "SELECT r.id, r.from_domain, q.checks FROM r_msg r"
                       " JOIN requirement_sets q ON q.message_id = r.id"
                       " WHERE r.feedback_kind IS NULL",
                       NULL, row, &a);
    arena_free(a.tmp);
    if (rc != 0) goto out;
    if (a.checked == 0) {
        rsec_empty(s, r, "no requirement checks: messages were ingested without verification");
        goto out;
    }

    size_t n_sum = gather(&a.summary);
    qsort(a.summary.slot, n_sum, sizeof *a.summary.slot, cmp_summary);
    int64_t n_failed = 0;
    for (size_t i = 0; i < n_sum; i++)
        n_failed += a.summary.slot[i]->fail > 0;
    rsec_fact(s, r, "messages_checked", "messages checked", rv_int(a.checked), 0);
    rsec_fact(s, r, "requirements_failed", "requirements failed by any message", rv_int(n_failed),
              -1);
    rsec_fact(s, r, "messages_failing", "messages failing at least one requirement",
              rv_int(a.failing), -1);

    struct rtable *t = rsec_table(s, r, "summary", "Requirements over all domains",
                                  "requirement:t:Requirement|messages:i:Messages|pass:i:Pass|"
                                  "fail:i:Fail|unknown:i:Unknown|pass_rate:p:Pass rate");
    t->note = "pass rate = pass / (pass + fail): unknown means the evidence is missing";
    for (size_t i = 0; i < n_sum; i++) {
        const struct group *g = a.summary.slot[i];
        int64_t den = g->pass + g->fail;
        struct rval v[] = {
            rv_text(g->req),    rv_int(g->n),
            rv_int(g->pass),    rv_int(g->fail),
            rv_int(g->unknown), den > 0 ? rv_pct((double)g->pass / (double)den) : rv_null()};
        rtable_row(t, r, v);
    }

    size_t n_dom = gather(&a.by_dom);
    struct group **gs = a.by_dom.slot;
    qsort(gs, n_dom, sizeof *gs, cmp_dom_name);
    for (size_t i = 0, j; i < n_dom; i = j) {
        int64_t most = 0;
        for (j = i; j < n_dom && strcmp(gs[j]->dom, gs[i]->dom) == 0; j++)
            if (gs[j]->n > most) most = gs[j]->n;
        for (size_t k = i; k < j; k++)
            gs[k]->dom_n = most;
    }
    qsort(gs, n_dom, sizeof *gs, cmp_by_domain);
    t = rsec_table(s, r, "by_domain", "Requirements by From domain",
                   "from_domain:t:From domain|requirement:t:Requirement|messages:i:Messages|"
                   "pass:i:Pass|fail:i:Fail|unknown:i:Unknown|example_status:t:Example status|"
                   "example_evidence:t:Example evidence|example_message_id:t:Example Message-ID");
    t->limit = TOP_ROWS;
    t->truncated = n_dom > TOP_ROWS || a.capped;
    for (size_t i = 0; i < n_dom && i < TOP_ROWS; i++) {
        const struct group *g = gs[i];
        int k = g->ex_status[EX_FAIL] ? EX_FAIL : g->ex_status[EX_UNKNOWN] ? EX_UNKNOWN : EX_ANY;
        struct rval mid = rv_null();
        const char *id_text = rprintf(r, "%lld", (long long)g->ex_id[k]);
        if ((rc = rctx_value(c, "SELECT message_id FROM messages WHERE id = CAST(?1 AS INTEGER)",
                             id_text, &mid)) != 0)
            goto out;
        struct rval v[] = {rv_text(g->dom),
                           rv_text(g->req),
                           rv_int(g->n),
                           rv_int(g->pass),
                           rv_int(g->fail),
                           rv_int(g->unknown),
                           rv_text(g->ex_status[k]),
                           rv_text(g->ex_evidence[k]),
                           mid.k == RK_TEXT ? mid : rv_null()};
        rtable_row(t, r, v);
    }
    if (a.checked < n_msg)
        rsec_note(s, r,
                  "%lld of %lld messages have no requirement checks (ingested without "
                  "verification).",
                  (long long)(n_msg - a.checked), (long long)n_msg);
    if (a.skipped)
        rsec_note(s, r, "%lld requirement rows could not be read and were left out.",
                  (long long)a.skipped);
out:
    free(a.by_dom.slot);
    free(a.summary.slot);
    return rc;
}
