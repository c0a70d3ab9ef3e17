/* sec_recommendations — "What to fix first": a prioritised list of concrete
 * fixes, each derived from evidence in the scope tables (r_msg, r_copy,
 * r_dlv, r_out) and the per-message tables joined to r_msg ids, each citing
 * its numbers and one example. A rule fires only when its evidence is in
 * the database; every rule is one function with its SQL (one GROUP BY pass
 * over its table, never a query per row). Rules that read the same table
 * share one pass (rules_dkim, rules_dmarc, rules_spf, rules_iprev, and the
 * content rule's pass): it fills small TEMP tables that the rules' queries
 * then read. The passes that group in C keep at most 20,000 groups (a few
 * MB whatever the database's size) and leave a larger or odd case (a
 * number where text is expected) to the same grouping in SQL.
 *
 * The rules (key: fires when ... -> fix), "sent mail" = r_msg rows with
 * feedback_kind NULL:
 *   dkim_body_hash        DKIM body hash mismatches per d= (with the split of
 *                         spam-placed and inbox copies, the diagnosis in
 *                         dkim_signatures.detail and the entry-hop client
 *                         shared by the failing copies) -> sign after the
 *                         footer / relaxed canonicalisation / find the change
 *   dkim_key_missing      permerror "key not found" / "key revoked" per
 *                         selector -> publish the key
 *   dkim_key_under_1024   RSA key under 1024 bits (RFC 8301: policy fail)
 *                         -> replace with 2048 bits
 *   dkim_key_1024         RSA key of 1024..2047 bits -> rotate to 2048 (info)
 *   dkim_testing_key      key record with t=y -> remove t=y from the selector
 *   dmarc_missing         DMARC result none without a record per From domain
 *                         -> publish a DMARC record
 *   dmarc_fail            DMARC fail per From domain -> align SPF or DKIM
 *                         (critical under p=quarantine/reject)
 *   dmarc_policy_none     at least RECO_PNONE_MIN messages under p=none ->
 *                         move to quarantine after monitoring (info)
 *   spf_fail              MAIL FROM SPF fail/softfail per domain -> add the
 *                         sending IP (the commonest one as example)
 *   spf_too_many_lookups  permerror "more than 10 DNS-querying terms" ->
 *                         flatten the record
 *   spf_permerror         other SPF permerrors -> fix the record
 *   spf_missing           MAIL FROM domain without an SPF record -> publish one
 *   blocklist             bounces/deferrals/expiries naming a blocklist (not a
 *                         receiver's resolver misconfiguration), per list and
 *                         provider -> request delisting (reply text cited)
 *   ptr_missing /         iprev fail per sending IP, with the placement of
 *   ptr_not_confirmed     its copies -> publish / fix the PTR
 *   helo_not_fqdn         HELO not a fully qualified name (or an address
 *                         literal) -> announce the host's name
 *   helo_not_resolving    fully qualified HELO that does not resolve (info)
 *   req_*                 failing bulk-sender requirements not covered above
 *                         (unsubscribe, one-click, Message-ID, single From,
 *                         TLS, gmail.com From); the unsubscribe ones only for
 *                         bulk mail (a campaign of two messages or more)
 *   bounce_unknown_users  hard bounces as unknown user/domain >= 2% of final
 *                         outcomes (MTA logs) -> list hygiene
 *   deferrals_rate_limit  speeding/toomanyconn deferrals >= 5% of the attempts
 *                         to a provider -> slow down for that provider
 *   deferrals_reputation  badreputation/blocked deferrals (no blocklist named)
 *                         >= 5% of the attempts to a provider
 *   complaint_rate        complaints (ARF) > 0.1% of delivered recipients
 *                         (Gmail's threshold; critical over 0.3%)
 *   dmarc_aggregate_unauth  aggregate-report rows passing neither DKIM nor SPF
 *                         per domain -> authenticate the source or block it
 *   content_rule_spam     a rule hit on most spam-placed copies and at most
 *                         a fifth of the inbox copies
 * At most RECO_MAX_PER_RULE items per rule (a note says when more fired).
 * Items are sorted by severity, then score (messages, copies or recipients
 * affected), then key. With no item the section's `empty` line says why.
 *
 * Does NOT read the other sections' tables: every number is queried here, so
 * the section stands alone whichever sections were asked for. Without
 * --domain the findings cover every From domain in the database (a note
 * says so). */
#include "report/rctx.h"
#include "report/sqlval.h"
#include "util/xalloc.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RECO_MAX_PER_RULE 5
#define RECO_LIMIT_SQL " LIMIT 6" /* RECO_MAX_PER_RULE + 1: tells when more fired */
#define RECO_PNONE_MIN 100        /* messages under p=none before suggesting quarantine */
#define RECO_MAX_COLS 16
/* groups a pass keeps in C (signing domains, From domains, rules): past it
 * the pass leaves its tables to SQL; a test compiles this file with a
 * small one */
#ifndef KG_MAX_GROUPS
#define KG_MAX_GROUPS 20000
#endif

/* One result row: each column as text (NULL when SQL NULL) and as numbers. */
struct qrow {
    const char *t[RECO_MAX_COLS];
    int64_t n[RECO_MAX_COLS];
    double d[RECO_MAX_COLS];
};

struct qrows {
    struct rctx *c;
    struct qrow *v;
    size_t n, cap;
};

static int collect(void *ctx, sqlite3_stmt *s)
{
    struct qrows *q = ctx;
    arena *a = q->c->r->a;
    q->v = arena_grow(a, q->v, &q->cap, q->n + 1, sizeof *q->v);
    struct qrow *r = &q->v[q->n++];
    memset(r, 0, sizeof *r);
    int nc = sqlite3_column_count(s);
    for (int k = 0; k < nc && k < RECO_MAX_COLS; k++) {
        switch (sqlite3_column_type(s, k)) {
        case SQLITE_NULL:
            break;
        case SQLITE_INTEGER:
            r->n[k] = sqlite3_column_int64(s, k);
            r->d[k] = (double)r->n[k];
            r->t[k] = rctx_col_text(q->c, s, k);
            break;
        case SQLITE_FLOAT:
            r->d[k] = sqlite3_column_double(s, k);
            r->n[k] = (int64_t)r->d[k];
            r->t[k] = rctx_col_text(q->c, s, k);
            break;
        default:
            r->t[k] = rctx_col_text(q->c, s, k);
            break;
        }
    }
    return 0;
}

/* Run sql (no parameters) and keep its rows; the count, or -1 (c->err). */
static long query(struct rctx *c, const char *sql, struct qrow **out)
{
    struct qrows q = {.c = c};
    if (rctx_each(c, sql, NULL, collect, &q) != 0) return -1;
    *out = q.v;
    return (long)q.n;
}

static const char *nz(const char *s)
{
    return s ? s : "?";
}

static int clamp_score(int64_t v)
{
    return v > 1000000000 ? 1000000000 : v < 0 ? 0 : (int)v;
}

static double pct(int64_t part, int64_t whole)
{
    return whole > 0 ? 100.0 * (double)part / (double)whole : 0.0;
}

static const char *plural(int64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* The Message-ID of messages row `id` (integer text from a query), or NULL. */
static const char *msgid(struct rctx *c, const char *id)
{
    if (!id) return NULL;
    struct rval v;
    if (rctx_value(c, "SELECT message_id FROM messages WHERE id = CAST(?1 AS INTEGER)", id, &v) !=
        0)
        return NULL;
    return v.k == RK_TEXT ? v.s : NULL;
}

/* Rows beyond the cap: say so once per rule. */
static long capped(struct rctx *c, struct rsection *s, long n, const char *what)
{
    if (n > RECO_MAX_PER_RULE) {
        rsec_note(s, c->r, "more findings of the kind \"%s\" than the %d shown", what,
                  RECO_MAX_PER_RULE);
        return RECO_MAX_PER_RULE;
    }
    return n;
}

/* The placement split of copies, or "" when no copy has a known placement. */
static const char *placement_clause(struct rctx *c, int64_t spam, int64_t inbox)
{
    if (spam + inbox == 0) return "";
    return rprintf(c->r, "; of the copies found, %lld %s placed in spam and %lld in the inbox",
                   (long long)spam, plural(spam, "was", "were"), (long long)inbox);
}

/* The FROM clause of a pass over table `t` (alias `a`, keyed by message_id)
 * for the messages in scope: over the whole database T drives and r_msg is
 * looked up (SQLite put r_msg outside and sought each message's rows in T:
 * three times the cost for the WITHOUT ROWID tables, 315 against 118 ms for
 * the million DKIM signatures of the bench database); for a narrower scope
 * r_msg's few rows drive. Either way the rows come in message order. With
 * every message in scope and none of them feedback (rctx_all_sent), T
 * alone, as the other sections read it: the lookups of r_msg (a million
 * for the DKIM signatures, another for the DMARC results on the bench
 * database) only said what that says. msg_sent gives the condition on r
 * that goes with it. */
static const char *msg_from(struct rctx *c, const char *t, const char *a)
{
    if (rctx_all_sent(c)) return rprintf(c->r, "%s %s", t, a);
    return c->whole ? rprintf(c->r, "%s %s CROSS JOIN r_msg r ON r.id = %s.message_id", t, a, a)
                    : rprintf(c->r, "r_msg r CROSS JOIN %s %s ON %s.message_id = r.id", t, a, a);
}

/* the sent mail: r.feedback_kind IS NULL, or true when msg_from left r_msg out */
static const char *msg_sent(struct rctx *c)
{
    return rctx_all_sent(c) ? "1" : "r.feedback_kind IS NULL";
}

/* ---- DKIM ---- */

/* Per signing domain: messages signed, messages with a body hash mismatch,
 * their spam/inbox copies, the diagnoses, an example; then whether every
 * failing message came from one entry-hop client.
 *
 * The per-domain numbers were a GROUP BY over a GROUP BY of every signature
 * by (message, domain) — two sorts of a million rows. dk_pass reads the
 * signatures once in message order (their primary key: no sort), folds
 * each message's signatures per domain as that inner GROUP BY did, and adds
 * them up per domain in C:
 *   bh   = max(result = 'fail' AND reason LIKE 'body hash mismatch%')
 *          (SQLite computes the condition: 1, 0 or NULL; NULLs ignored)
 *   det  = max(detail) over the signatures where bh's condition is 1
 * into TEMP r_bh_dom(d, n, bh, sp, spbad, ib, ibbad, footer, relaxed, ex,
 * fdet, one, helo, ip) with the outer query's aggregates (sum(bh) NULL when
 * every bh is, footer/relaxed = sum(det LIKE ...) NULL when every det is,
 * ex = the least failing message, fdet = the greatest det that says "added
 * after signing"). one = 1 when every failing (message, domain) pair has an
 * entry hop (iprev_results) with an IP and all have the same (HELO, IP),
 * given in helo and ip: what the SQL path finds by grouping the failing
 * pairs (r_bh_fail, 200,000 rows on the bench database) by client, 0.23 s.
 * The client comes with each signature by a LEFT JOIN of iprev_results
 * (0.1 s over the bench database's million signatures; a subquery under
 * CASE, run for the failing ones only, cost twice that).
 *
 * The same pass feeds the three other DKIM rules, which each read every
 * signature again (0.3 s): the signatures with an unpublished or revoked
 * key, a short RSA key or a testing key go to r_dk_miss(d, sel, revoked,
 * mid), r_dk_short(d, sel, bits, mid) and r_dk_test(d, sel, rec) with the
 * values their GROUP BYs read, which then run over these few rows. */
struct bh_dom {
    char *d;
    size_t dn;
    int64_t n, bh, sp, spbad, ib, ibbad, footer, relaxed, ex;
    bool has_bh, has_det, has_ex;
    char *fdet;
    size_t fdetn;
    int one; /* the failing pairs' client: 0 none yet, 1 one so far, 2 several or unknown */
    char *helo, *ip;
    size_t helon, ipn;
    int helot, ipt; /* their SQLite types (GROUP BY tells text from blob) */
};

struct bh_sig { /* one (message, domain) being folded */
    const char *d;
    size_t dn;
    int bh; /* -1 NULL, 0, 1 */
    const char *det;
    size_t detn;
    bool det_footer, det_relaxed;
};

struct bh_state {
    struct bh_dom *dom;
    size_t n_dom, cap_dom;
    uint32_t *slots; /* open addressing over dom: index + 1, 0 empty */
    size_t n_slots;
    struct bh_sig sig[64];
    size_t n_sig;
    int64_t mid, sp, ib;
    /* the current message's entry-hop client, read with its first failing
     * signature (ip_set false: none read yet) */
    bool ip_set;
    int helot, ipt;
    const char *helo, *ip;
    size_t helon, ipn;
    arena *a;  /* the current message's texts */
    bool full; /* more than 64 signatures of a message, or KG_MAX_GROUPS domains */
};

static void bh_rehash(struct bh_state *st)
{
    size_t ns = st->n_slots ? st->n_slots * 2 : 64;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < st->n_dom; i++) {
        size_t k =
            (size_t)sqlval_hash_bytes(SQLVAL_HASH_SEED, st->dom[i].d, st->dom[i].dn) & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (uint32_t)(i + 1);
    }
    free(st->slots);
    st->slots = sl;
    st->n_slots = ns;
}

/* The domain's accumulator (a hash table: a mail server's signatures can
 * come from thousands of domains); NULL past KG_MAX_GROUPS domains. */
static struct bh_dom *bh_dom_of(struct bh_state *st, const char *d, size_t dn)
{
    if (!st->slots) bh_rehash(st);
    size_t k = (size_t)sqlval_hash_bytes(SQLVAL_HASH_SEED, d, dn) & (st->n_slots - 1);
    while (st->slots[k]) {
        struct bh_dom *g = &st->dom[st->slots[k] - 1];
        if (g->dn == dn && memcmp(g->d, d, dn) == 0) return g;
        k = (k + 1) & (st->n_slots - 1);
    }
    if (st->n_dom == KG_MAX_GROUPS) return NULL;
    if (st->n_dom == st->cap_dom) {
        st->cap_dom = st->cap_dom ? st->cap_dom * 2 : 16;
        st->dom = xrealloc(st->dom, st->cap_dom * sizeof *st->dom);
    }
    struct bh_dom *g = &st->dom[st->n_dom++];
    memset(g, 0, sizeof *g);
    g->d = xmalloc(dn + 1);
    memcpy(g->d, d, dn);
    g->d[dn] = '\0';
    g->dn = dn;
    st->slots[k] = (uint32_t)st->n_dom;
    if (st->n_dom * 2 > st->n_slots) bh_rehash(st);
    return g;
}

static char *dup_bytes(const char *p, size_t n)
{
    char *d = xmalloc(n + 1);
    if (n) memcpy(d, p, n);
    d[n] = '\0';
    return d;
}

/* A failing pair of domain g came from the current message's client. */
static void bh_client(struct bh_state *st, struct bh_dom *g)
{
    if (g->one == 2) return;
    if (!st->ip_set || st->ipt == SQLITE_NULL) { /* no entry hop, or no IP: not counted */
        g->one = 2;
        return;
    }
    if (g->one == 0) {
        g->one = 1;
        g->helot = st->helot;
        g->ipt = st->ipt;
        g->helo = dup_bytes(st->helo, st->helon);
        g->helon = st->helon;
        g->ip = dup_bytes(st->ip, st->ipn);
        g->ipn = st->ipn;
        return;
    }
    if (g->helot != st->helot || g->helon != st->helon ||
        (st->helon && memcmp(g->helo, st->helo, st->helon) != 0) || g->ipt != st->ipt ||
        g->ipn != st->ipn || (st->ipn && memcmp(g->ip, st->ip, st->ipn) != 0))
        g->one = 2;
}

/* The current message's (message, domain) rows into the domains. */
static void bh_flush(struct bh_state *st)
{
    for (size_t i = 0; i < st->n_sig && !st->full; i++) {
        struct bh_sig *x = &st->sig[i];
        struct bh_dom *g = bh_dom_of(st, x->d, x->dn);
        if (!g) {
            st->full = true;
            break;
        }
        g->n++;
        if (x->bh >= 0) {
            g->bh += x->bh;
            g->has_bh = true;
        }
        g->sp += st->sp;
        g->ib += st->ib;
        if (x->bh == 1) {
            g->spbad += st->sp;
            g->ibbad += st->ib;
            if (!g->has_ex || st->mid < g->ex) g->ex = st->mid;
            g->has_ex = true;
            bh_client(st, g);
        }
        if (x->det) {
            g->has_det = true;
            g->footer += x->det_footer;
            g->relaxed += x->det_relaxed;
            if (x->det_footer &&
                (!g->fdet || sqlval_bytes_cmp(x->det, x->detn, g->fdet, g->fdetn) > 0)) {
                free(g->fdet);
                g->fdet = dup_bytes(x->det, x->detn);
                g->fdetn = x->detn;
            }
        }
    }
    st->n_sig = 0;
    st->ip_set = false;
    arena_reset(st->a);
}

/* The columns dk_pass reads, by number: raw columns, the conditions
 * evaluated in C (SQLite's expression code cost 0.5 s of CPU over the
 * million signatures of the bench database; the raw columns cost little). */
enum {
    DK_MID,
    DK_DOMAIN,
    DK_RESULT,
    DK_REASON,
    DK_DET,
    DK_SP,
    DK_IB,
    DK_SEL,
    DK_BITS,
    DK_KTYPE,
    DK_TESTING,
    DK_REC, /* substr(key_record, 1, 120) of a testing key */
    DK_HELO,
    DK_IP,
};

/* Column k = the text literal lit, as SQLite compares a TEXT column with
 * a text literal (a blob or number is never equal). */
static bool col_is(sqlite3_stmt *q, int k, const char *lit)
{
    if (sqlite3_column_type(q, k) != SQLITE_TEXT) return false;
    size_t n = strlen(lit);
    return (size_t)sqlite3_column_bytes(q, k) == n &&
           memcmp(sqlite3_column_text(q, k), lit, n) == 0;
}

/* Column k LIKE 'prefix%' (prefix lowercase ASCII, no wildcard): -1 NULL,
 * 0, 1. SQLite folds the case of ASCII letters only, compares the rest
 * exactly and reads the text up to a NUL, so a byte-wise prefix test with
 * ASCII folding gives the same. */
static int col_like_prefix(sqlite3_stmt *q, int k, const char *prefix)
{
    if (sqlite3_column_type(q, k) == SQLITE_NULL) return -1;
    const unsigned char *t = sqlite3_column_text(q, k);
    if (!t) return -1;
    for (size_t i = 0; prefix[i]; i++) {
        unsigned char ch = t[i];
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
        if (ch != (unsigned char)prefix[i]) return 0; /* also at the NUL that ends t */
    }
    return 1;
}

/* Column k compared with a number as SQLite compares an INTEGER column's
 * value: numbers by value; text and blobs are greater than any number,
 * NULL is never true. */
static bool col_num_between(sqlite3_stmt *q, int k, double lo, double hi)
{
    int t = sqlite3_column_type(q, k);
    if (t != SQLITE_INTEGER && t != SQLITE_FLOAT) return false;
    if (t == SQLITE_INTEGER) {
        int64_t v = sqlite3_column_int64(q, k);
        return (double)v > lo && (double)v < hi;
    }
    double v = sqlite3_column_double(q, k);
    return v > lo && v < hi;
}

/* The body-hash condition, result = 'fail' AND reason LIKE 'body hash
 * mismatch%': -1 NULL, 0, 1. */
static int dk_bh_cond(sqlite3_stmt *q)
{
    if (!col_is(q, DK_RESULT, "fail")) return 0;
    return col_like_prefix(q, DK_REASON, "body hash mismatch");
}

/* One signature row into the fold of its message (the pass's columns);
 * like: "SELECT ?1 LIKE '%added after signing%', ?1 LIKE '%relaxed
 * canonicalisation%'", for the few details read. -1 on error. */
static int bh_row(struct bh_state *st, sqlite3_stmt *q, sqlite3_stmt *like)
{
    int64_t mid = sqlite3_column_int64(q, DK_MID);
    if (st->n_sig && mid != st->mid) bh_flush(st);
    if (st->full) return 0;
    st->mid = mid;
    st->sp = sqlite3_column_int64(q, DK_SP); /* coalesce(cp.sp, 0): NULL reads as 0 */
    st->ib = sqlite3_column_int64(q, DK_IB);
    int cond = dk_bh_cond(q);
    const char *d = (const char *)sqlite3_column_text(q, DK_DOMAIN);
    size_t dn = (size_t)sqlite3_column_bytes(q, DK_DOMAIN);
    struct bh_sig *x = NULL;
    for (size_t i = 0; i < st->n_sig && !x; i++)
        if (st->sig[i].dn == dn && memcmp(st->sig[i].d, d, dn) == 0) x = &st->sig[i];
    if (!x) {
        if (st->n_sig == sizeof st->sig / sizeof st->sig[0]) {
            st->full = true;
            return 0;
        }
        x = &st->sig[st->n_sig++];
        *x = (struct bh_sig){.d = arena_strndup(st->a, d, dn), .dn = dn, .bh = -1};
    }
    if (cond > x->bh) x->bh = cond; /* max, NULL (-1) ignored */
    if (cond != 1) return 0;
    if (!st->ip_set) {
        st->ip_set = true;
        st->helot = sqlite3_column_type(q, DK_HELO);
        const char *h = (const char *)sqlite3_column_text(q, DK_HELO);
        st->helon = h ? (size_t)sqlite3_column_bytes(q, DK_HELO) : 0;
        st->helo = h ? arena_strndup(st->a, h, st->helon) : "";
        st->ipt = sqlite3_column_type(q, DK_IP);
        const char *ip = (const char *)sqlite3_column_text(q, DK_IP);
        st->ipn = ip ? (size_t)sqlite3_column_bytes(q, DK_IP) : 0;
        st->ip = ip ? arena_strndup(st->a, ip, st->ipn) : "";
    }
    if (sqlite3_column_type(q, DK_DET) == SQLITE_NULL) return 0;
    sqlite3_value *dv = sqlite3_column_value(q, DK_DET);
    sqlite3_bind_value(like, 1, dv); /* before the text is read: the value as stored */
    const char *det = (const char *)sqlite3_column_text(q, DK_DET);
    if (!det) return 0;
    size_t detn = (size_t)sqlite3_column_bytes(q, DK_DET);
    if (x->det && sqlval_bytes_cmp(det, detn, x->det, x->detn) <= 0) return 0;
    if (sqlite3_step(like) != SQLITE_ROW) return -1;
    x->det = arena_strndup(st->a, det, detn);
    x->detn = detn;
    x->det_footer = sqlite3_column_int64(like, 0) != 0;
    x->det_relaxed = sqlite3_column_int64(like, 1) != 0;
    sqlite3_reset(like);
    return 0;
}

/* The flags of the three other DKIM rules for a row: bit 0 key not found
 * or revoked, bit 1 short RSA key, bit 2 testing key (their WHERE
 * conditions, as SQLite evaluates them on the raw columns). */
static unsigned dk_flags(sqlite3_stmt *q)
{
    unsigned f = 0;
    if (col_is(q, DK_RESULT, "permerror") && (col_like_prefix(q, DK_REASON, "key not found") == 1 ||
                                              col_like_prefix(q, DK_REASON, "key revoked") == 1))
        f |= 1;
    /* key_bits > 0 AND key_bits < 2048 AND coalesce(key_type, 'rsa') = 'rsa' */
    if (col_num_between(q, DK_BITS, 0, 2048) &&
        (sqlite3_column_type(q, DK_KTYPE) == SQLITE_NULL || col_is(q, DK_KTYPE, "rsa")))
        f |= 2;
    int tt = sqlite3_column_type(q, DK_TESTING); /* key_testing = 1 */
    if ((tt == SQLITE_INTEGER && sqlite3_column_int64(q, DK_TESTING) == 1) ||
        (tt == SQLITE_FLOAT && sqlite3_column_double(q, DK_TESTING) == 1.0))
        f |= 4;
    return f;
}

/* The row's flagged values into r_dk_miss, r_dk_short, r_dk_test. */
static int dk_flagged(sqlite3_stmt *q, unsigned f, sqlite3_stmt *const *ins)
{
    for (int k = 0; k < 3; k++) {
        if (!(f & (1u << k))) continue;
        sqlite3_stmt *i = ins[k];
        sqlite3_bind_value(i, 1, sqlite3_column_value(q, DK_DOMAIN));
        sqlite3_bind_value(i, 2, sqlite3_column_value(q, DK_SEL));
        if (k == 0) /* revoked: reason LIKE 'key revoked%' (1 or 0: reason is not NULL here) */
            sqlite3_bind_int(i, 3, col_like_prefix(q, DK_REASON, "key revoked") == 1);
        else
            sqlite3_bind_value(i, 3, sqlite3_column_value(q, k == 1 ? DK_BITS : DK_REC));
        if (k < 2) sqlite3_bind_value(i, 4, sqlite3_column_value(q, DK_MID));
        int rc = sqlite3_step(i);
        sqlite3_reset(i);
        if (rc != SQLITE_DONE) return -1;
    }
    return 0;
}

static int bh_store(struct rctx *c, struct bh_state *st)
{
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO r_bh_dom VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                           " ?11, ?12, ?13, ?14)",
                           -1, &ins, NULL) != SQLITE_OK)
        goto fail;
    for (size_t i = 0; i < st->n_dom; i++) {
        struct bh_dom *g = &st->dom[i];
        sqlite3_bind_text(ins, 1, g->d, (int)g->dn, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, g->n);
        g->has_bh ? sqlite3_bind_int64(ins, 3, g->bh) : sqlite3_bind_null(ins, 3);
        sqlite3_bind_int64(ins, 4, g->sp);
        sqlite3_bind_int64(ins, 5, g->spbad);
        sqlite3_bind_int64(ins, 6, g->ib);
        sqlite3_bind_int64(ins, 7, g->ibbad);
        g->has_det ? sqlite3_bind_int64(ins, 8, g->footer) : sqlite3_bind_null(ins, 8);
        g->has_det ? sqlite3_bind_int64(ins, 9, g->relaxed) : sqlite3_bind_null(ins, 9);
        g->has_ex ? sqlite3_bind_int64(ins, 10, g->ex) : sqlite3_bind_null(ins, 10);
        g->fdet ? sqlite3_bind_text(ins, 11, g->fdet, (int)g->fdetn, SQLITE_STATIC)
                : sqlite3_bind_null(ins, 11);
        sqlite3_bind_int(ins, 12, g->one == 1);
        /* the texts as the GROUP BY's rows gave them (sqlite3_column_text) */
        g->one == 1 && g->helot != SQLITE_NULL
            ? sqlite3_bind_text(ins, 13, g->helo, (int)g->helon, SQLITE_STATIC)
            : sqlite3_bind_null(ins, 13);
        g->one == 1 ? sqlite3_bind_text(ins, 14, g->ip, (int)g->ipn, SQLITE_STATIC)
                    : sqlite3_bind_null(ins, 14);
        if (sqlite3_step(ins) != SQLITE_DONE) goto fail;
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    return 0;
fail:
    snprintf(c->err, sizeof c->err, "DKIM body hash: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(ins);
    return -1;
}

/* What dk_pass built. */
enum dk_built {
    DK_NONE,     /* nothing: the rules take their SQL (a database without DKIM results) */
    DK_FLAGGED,  /* r_dk_miss, r_dk_short and r_dk_test */
    DK_ALL,      /* those and r_bh_dom */
    DK_BH_BY_SQL /* those; r_bh_dom and r_bh_fail are left to bh_sql (too many domains) */
};

/* The pass (with_bh: the body-hash fold too, over every signature; else
 * only the signatures the three other rules read). *built says what it
 * made. 0 or -1 (c->err). */
static int dk_pass(struct rctx *c, bool with_bh, enum dk_built *built)
{
    *built = DK_NONE;
    if (rctx_exec_sql(c,
                      "DROP TABLE IF EXISTS temp.r_bh_dom; DROP TABLE IF EXISTS temp.r_bh_fail;"
                      "DROP TABLE IF EXISTS temp.r_dk_miss; DROP TABLE IF EXISTS temp.r_dk_short;"
                      "DROP TABLE IF EXISTS temp.r_dk_test;"
                      "CREATE TEMP TABLE r_bh_dom(d, n, bh, sp, spbad, ib, ibbad, footer,"
                      " relaxed, ex, fdet, one, helo, ip);"
                      "CREATE TEMP TABLE r_bh_fail(mid, d);"
                      "CREATE TEMP TABLE r_dk_miss(d, sel, revoked, mid);"
                      "CREATE TEMP TABLE r_dk_short(d, sel, bits, mid);"
                      "CREATE TEMP TABLE r_dk_test(d, sel, rec)") != 0)
        return -1;
    sqlite3_stmt *q = NULL, *like = NULL, *ins[3] = {NULL, NULL, NULL};
    struct bh_state st = {.a = arena_new()};
    int rc = -1;
    bool txn = false;
    for (int attempt = 0; attempt < 2 && !q; attempt++) {
        /* attempt 1: a database older than iprev_results, no client known */
        const char *sql = rprintf(
            c->r,
            "SELECT k.message_id, k.domain, k.result, k.reason, k.detail, %s, k.selector,"
            " k.key_bits, k.key_type, k.key_testing,"
            " CASE WHEN k.key_testing = 1 THEN substr(k.key_record, 1, 120) END, %s"
            " FROM %s%s%s"
            " WHERE %s AND NOT k.legacy AND k.domain IS NOT NULL%s"
            " ORDER BY %s",
            with_bh ? "coalesce(cp.n_spam, 0), coalesce(cp.n_inbox, 0)" : "0, 0",
            with_bh && attempt == 0 ? "i.helo, i.ip" : "NULL, NULL",
            msg_from(c, "dkim_signatures", "k"),
            with_bh ? " LEFT JOIN r_cp cp ON cp.message_id = k.message_id" : "",
            with_bh && attempt == 0 ? " LEFT JOIN iprev_results i ON i.message_id = k.message_id"
                                    : "",
            msg_sent(c),
            /* without the fold, only the rows one of the rules may take */
            with_bh ? ""
                    : " AND (k.result = 'permerror' OR k.key_bits < 2048 OR k.key_testing = 1)",
            c->whole ? "k.message_id" : "r.id");
        if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) == SQLITE_OK) break;
        const char *msg = sqlite3_errmsg(c->db);
        bool missing = strstr(msg, "no such table") || strstr(msg, "no such column");
        if (!missing) {
            snprintf(c->err, sizeof c->err, "DKIM pass: %s", msg);
            goto done;
        }
        if (attempt == 1 || !with_bh) { /* no DKIM table: the rules take their SQL */
            rc = 0;
            goto done;
        }
    }
    if (sqlite3_prepare_v2(c->db,
                           "SELECT ?1 LIKE '%added after signing%',"
                           " ?1 LIKE '%relaxed canonicalisation%'",
                           -1, &like, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "DKIM pass: %s", sqlite3_errmsg(c->db));
        goto done;
    }
    static const char *const ins_sql[] = {
        "INSERT INTO r_dk_miss VALUES (?1, ?2, ?3, ?4)",
        "INSERT INTO r_dk_short VALUES (?1, ?2, ?3, ?4)",
        "INSERT INTO r_dk_test VALUES (?1, ?2, ?3)",
    };
    for (int k = 0; k < 3; k++)
        if (sqlite3_prepare_v2(c->db, ins_sql[k], -1, &ins[k], NULL) != SQLITE_OK) {
            snprintf(c->err, sizeof c->err, "DKIM pass: %s", sqlite3_errmsg(c->db));
            goto done;
        }
    if (rctx_begin(c) != 0) goto done;
    txn = true;
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        unsigned f = dk_flags(q);
        if ((f && dk_flagged(q, f, ins) != 0) ||
            (with_bh && !st.full && bh_row(&st, q, like) != 0)) {
            snprintf(c->err, sizeof c->err, "DKIM pass: %s", sqlite3_errmsg(c->db));
            goto done;
        }
    }
    if (step != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "DKIM pass: %s", sqlite3_errmsg(c->db));
        goto done;
    }
    if (with_bh && !st.full && st.n_sig) bh_flush(&st);
    if (with_bh && !st.full && bh_store(c, &st) != 0) goto done;
    *built = !with_bh ? DK_FLAGGED : st.full ? DK_BH_BY_SQL : DK_ALL;
    rc = 0;
done:
    sqlite3_finalize(q);
    sqlite3_finalize(like);
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(ins[k]);
    if (txn) {
        if (rc == 0)
            rc = rctx_commit(c);
        else
            rctx_rollback(c);
    }
    if (rc != 0) *built = DK_NONE;
    for (size_t i = 0; i < st.n_dom; i++) {
        free(st.dom[i].d);
        free(st.dom[i].fdet);
        free(st.dom[i].helo);
        free(st.dom[i].ip);
    }
    free(st.dom);
    free(st.slots);
    arena_free(st.a);
    return rc;
}

/* The same tables by SQL (a database with more domains or signatures per
 * message than the pass keeps). */
#define BH_CTE                                                                                     \
    "WITH s AS (SELECT k.message_id AS mid, k.domain AS d,"                                        \
    "  max(k.result = 'fail' AND k.reason LIKE 'body hash mismatch%') AS bh,"                      \
    "  max(CASE WHEN k.result = 'fail' AND k.reason LIKE 'body hash mismatch%'"                    \
    "   THEN k.detail END) AS det"                                                                 \
    " FROM dkim_signatures k JOIN r_msg r ON r.id = k.message_id"                                  \
    " WHERE r.feedback_kind IS NULL AND NOT k.legacy AND k.domain IS NOT NULL"                     \
    " GROUP BY k.message_id, k.domain)"
static const char bh_sql[] =
    "DELETE FROM r_bh_dom; DELETE FROM r_bh_fail;"
    "INSERT INTO r_bh_dom(d, n, bh, sp, spbad, ib, ibbad, footer, relaxed, ex, fdet) " BH_CTE
    ", cp AS (SELECT message_id AS mid, n_spam AS sp, n_inbox AS ib FROM r_cp)"
    " SELECT s.d, count(*), sum(s.bh),"
    " sum(coalesce(cp.sp, 0)), sum(CASE WHEN s.bh THEN coalesce(cp.sp, 0) ELSE 0 END),"
    " sum(coalesce(cp.ib, 0)), sum(CASE WHEN s.bh THEN coalesce(cp.ib, 0) ELSE 0 END),"
    " sum(s.det LIKE '%added after signing%'), sum(s.det LIKE '%relaxed canonicalisation%'),"
    " min(CASE WHEN s.bh THEN s.mid END),"
    " max(CASE WHEN s.det LIKE '%added after signing%' THEN s.det END)"
    " FROM s LEFT JOIN cp ON cp.mid = s.mid GROUP BY s.d;"
    "INSERT INTO r_bh_fail " BH_CTE " SELECT mid, d FROM s WHERE s.bh";

static int rule_dkim_body_hash(struct rctx *c, struct rsection *s, enum dk_built built)
{
    struct qrow *g, *h = NULL;
    if (built == DK_FLAGGED || built == DK_NONE) return 0; /* no body hash fails */
    if (built == DK_BH_BY_SQL && rctx_exec_sql(c, bh_sql) != 0) return -1;
    long n = query(c,
                   "SELECT d, n, bh, sp, spbad, ib, ibbad, footer, relaxed, ex, fdet, one, helo,"
                   " ip FROM r_bh_dom WHERE bh > 0 ORDER BY bh DESC, d" RECO_LIMIT_SQL,
                   &g);
    if (n <= 0) return (int)n;
    long nh = 0;
    if (built == DK_BH_BY_SQL) {
        nh = query(c,
                   "WITH h AS (SELECT f.d AS d, i.helo AS helo, i.ip AS ip, count(*) AS n"
                   " FROM r_bh_fail f JOIN iprev_results i ON i.message_id = f.mid"
                   " WHERE i.ip IS NOT NULL GROUP BY 1, 2, 3)"
                   " SELECT d, helo, ip, n FROM (SELECT d, helo, ip, n, row_number() OVER"
                   " (PARTITION BY d ORDER BY n DESC, ip) AS rn FROM h) WHERE rn = 1",
                   &h);
        if (nh < 0) return -1;
    }
    n = capped(c, s, n, "DKIM body hash fails");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]);
        int64_t signed_n = r->n[1], bad = r->n[2], sp = r->n[3], spbad = r->n[4], ib = r->n[5],
                ibbad = r->n[6], footer = r->n[7], relaxed = r->n[8];
        const char *ev;
        if (sp + ib > 0)
            ev = rprintf(c->r,
                         "DKIM body hash fails on %lld of %lld spam-placed %s and %lld of %lld "
                         "inbox %s signed by d=%s (%lld of %lld messages)",
                         (long long)spbad, (long long)sp, plural(sp, "copy", "copies"),
                         (long long)ibbad, (long long)ib, plural(ib, "copy", "copies"), d,
                         (long long)bad, (long long)signed_n);
        else
            ev = rprintf(c->r, "DKIM body hash fails on %lld of %lld messages signed by d=%s",
                         (long long)bad, (long long)signed_n, d);
        const char *title;
        if (footer * 2 > bad) {
            ev = rprintf(c->r, "%s: on %lld of them a footer is added after signing (%s)", ev,
                         (long long)footer, nz(r->t[10]));
            title = rprintf(c->r,
                            "Sign %s's mail after the footer is added, or stop adding it "
                            "after signing",
                            d);
        } else if (relaxed * 2 > bad) {
            ev = rprintf(c->r,
                         "%s: on %lld of them the body verifies under relaxed canonicalisation "
                         "(whitespace changed in transit)",
                         ev, (long long)relaxed);
            title = rprintf(c->r,
                            "Sign %s's mail with relaxed body canonicalisation "
                            "(c=relaxed/relaxed)",
                            d);
        } else {
            title = rprintf(c->r, "Find what changes the body of %s's mail after DKIM signing", d);
        }
        if (built == DK_ALL && r->n[11] == 1)
            ev = rprintf(c->r, "%s; every failing message reached the receivers from %s (%s)", ev,
                         nz(r->t[12]), nz(r->t[13]));
        for (long k = 0; k < nh; k++)
            if (h[k].t[0] && strcmp(h[k].t[0], d) == 0 && h[k].n[3] == bad) {
                ev = rprintf(c->r, "%s; every failing message reached the receivers from %s (%s)",
                             ev, nz(h[k].t[1]), nz(h[k].t[2]));
                break;
            }
        bool critical = bad * 10 >= signed_n || (spbad >= 2 && spbad > ibbad);
        rsec_item(s, c->r, critical ? RS_CRITICAL : RS_WARNING, clamp_score(bad), "dkim_body_hash",
                  title, ev, msgid(c, r->t[9]));
    }
    return 0;
}

static int rule_dkim_key_missing(struct rctx *c, struct rsection *s, enum dk_built built)
{
    struct qrow *g;
    long n = query(
        c,
        built != DK_NONE
            ? "SELECT d, sel, revoked, count(*), min(mid) FROM r_dk_miss"
              " GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2" RECO_LIMIT_SQL
            : "SELECT k.domain, k.selector, k.reason LIKE 'key revoked%', count(*),"
              " min(k.message_id)"
              " FROM dkim_signatures k JOIN r_msg r ON r.id = k.message_id"
              " WHERE r.feedback_kind IS NULL AND NOT k.legacy AND k.result = 'permerror'"
              " AND (k.reason LIKE 'key not found%' OR k.reason LIKE 'key revoked%')"
              " AND k.domain IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1, 2" RECO_LIMIT_SQL,
        &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "DKIM key not published");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *sel = nz(r->t[1]);
        bool revoked = r->n[2] != 0;
        rsec_item(s, c->r, RS_CRITICAL, clamp_score(r->n[3]), "dkim_key_missing",
                  revoked
                      ? rprintf(c->r, "Sign %s's mail with a published key: selector %s is revoked",
                                d, sel)
                      : rprintf(c->r, "Publish the DKIM key of selector %s at %s._domainkey.%s",
                                sel, sel, d),
                  rprintf(c->r, "%lld %s by d=%s s=%s %s: %s._domainkey.%s %s", (long long)r->n[3],
                          plural(r->n[3], "signature", "signatures"), d, sel,
                          plural(r->n[3], "fails", "fail"), sel, d,
                          revoked ? "has an empty p= (revoked)" : "has no key record"),
                  msgid(c, r->t[4]));
    }
    return 0;
}

static int rule_dkim_key_size(struct rctx *c, struct rsection *s, enum dk_built built)
{
    struct qrow *g;
    long n = query(c,
                   built != DK_NONE
                       ? "SELECT d, sel, bits, count(*), min(mid) FROM r_dk_short GROUP BY 1, 2, 3"
                         " ORDER BY bits < 1024 DESC, 4 DESC, 1, 2" RECO_LIMIT_SQL
                       : "SELECT k.domain, k.selector, k.key_bits, count(*),"
                         " min(k.message_id)"
                         " FROM dkim_signatures k JOIN r_msg r ON r.id = k.message_id"
                         " WHERE r.feedback_kind IS NULL AND NOT k.legacy AND k.key_bits > 0"
                         " AND k.key_bits < 2048 AND coalesce(k.key_type, 'rsa') = 'rsa'"
                         " AND k.domain IS NOT NULL GROUP BY 1, 2, 3"
                         " ORDER BY k.key_bits < 1024 DESC, 4 DESC, 1, 2" RECO_LIMIT_SQL,
                   &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "short DKIM keys");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *sel = nz(r->t[1]);
        long long bits = (long long)r->n[2], cnt = (long long)r->n[3];
        if (bits < 1024)
            rsec_item(s, c->r, RS_CRITICAL, clamp_score(cnt), "dkim_key_under_1024",
                      rprintf(c->r,
                              "Replace the %lld-bit DKIM key of selector %s (d=%s) with a "
                              "2048-bit key",
                              bits, sel, d),
                      rprintf(c->r,
                              "%lld %s by d=%s s=%s use%s a %lld-bit RSA key: RFC 8301 "
                              "forbids keys under 1024 bits, so receivers do not accept "
                              "%s",
                              cnt, plural(cnt, "signature", "signatures"), d, sel,
                              cnt == 1 ? "s" : "", bits, plural(cnt, "it", "them")),
                      msgid(c, r->t[4]));
        else
            rsec_item(
                s, c->r, RS_INFO, clamp_score(cnt), "dkim_key_1024",
                rprintf(c->r, "Rotate the DKIM key of selector %s (d=%s) to 2048 bits", sel, d),
                rprintf(c->r,
                        "%lld %s by d=%s s=%s use%s a %lld-bit RSA key; 2048 bits is "
                        "the current recommendation",
                        cnt, plural(cnt, "signature", "signatures"), d, sel, cnt == 1 ? "s" : "",
                        bits),
                msgid(c, r->t[4]));
    }
    return 0;
}

static int rule_dkim_testing(struct rctx *c, struct rsection *s, enum dk_built built)
{
    struct qrow *g;
    long n =
        query(c,
              built != DK_NONE
                  ? "SELECT d, sel, count(*), max(rec) FROM r_dk_test"
                    " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2" RECO_LIMIT_SQL
                  : "SELECT k.domain, k.selector, count(*), max(substr(k.key_record, 1, 120))"
                    " FROM dkim_signatures k JOIN r_msg r ON r.id = k.message_id"
                    " WHERE r.feedback_kind IS NULL AND NOT k.legacy AND k.key_testing = 1"
                    " AND k.domain IS NOT NULL GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2" RECO_LIMIT_SQL,
              &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "DKIM testing keys");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *sel = nz(r->t[1]);
        long long cnt = (long long)r->n[2];
        rsec_item(s, c->r, RS_WARNING, clamp_score(cnt), "dkim_testing_key",
                  rprintf(c->r, "Remove t=y from selector %s (%s._domainkey.%s)", sel, sel, d),
                  rprintf(c->r,
                          "%lld %s by d=%s s=%s use%s a key record marked t=y (testing): "
                          "receivers may treat the domain's DKIM as a test",
                          cnt, plural(cnt, "signature", "signatures"), d, sel, cnt == 1 ? "s" : ""),
                  r->t[3]);
    }
    return 0;
}

/* ---- DMARC ---- */

/* The rows count(*) DESC, then key, of the groups a pass stored (k1, a1 = count). */
#define ORDER_N_KEY " ORDER BY a1 DESC, k1"

/* The three DMARC rules' GROUP BYs in one pass over dmarc_results (they
 * were three passes, one of them sorting every row: 0.62 s of CPU on the
 * bench database; this pass 0.54 s, dmarc_c_pass below 0.32 s: this one is
 * its fallback), each into its TEMP table:
 *   r_rec_dmarc_missing(k1 From domain, a1 count, a2 max(org_domain),
 *       a3 min(message)) of the results without a record;
 *   r_rec_dmarc_fail(k1 From domain, a1 count, a2 fails, a3 the strictest
 *       policy of a fail (3 reject, 2 quarantine, 1 none), a4 the least
 *       failing message);
 *   r_rec_dmarc_none(k1 policy domain, a1 count, a2 passes) under p=none. */
static int dmarc_pass(struct rctx *c)
{
    const char *sql =
        rprintf(c->r,
                "SELECT d.from_domain, d.result = 'fail',"
                " CASE WHEN d.result = 'fail' THEN CASE d.policy WHEN 'reject' THEN 3"
                "  WHEN 'quarantine' THEN 2 ELSE 1 END END,"
                " CASE WHEN d.result = 'fail' THEN d.message_id END, d.from_domain IS NOT NULL,"
                /* 5 */ " d.result = 'none' AND d.record IS NULL AND d.from_domain IS NOT NULL"
                " AND d.reason = 'no DMARC record', d.org_domain, d.message_id,"
                /* 8 */ " coalesce(d.policy_domain, d.from_domain),"
                " d.record IS NOT NULL AND d.policy = 'none', d.result = 'pass'"
                " FROM %s WHERE %s",
                msg_from(c, "dmarc_results", "d"), msg_sent(c));
    static const int dom[] = {0}, pdom[] = {8};
    static const int fail_args[] = {0, 1, 2, 3}, fail_when = 4;
    static const int miss_args[] = {0, 6, 7}, miss_when = 5;
    static const int none_args[] = {0, 10}, none_when = 9;
    static const struct rctx_agg aggs[] = {
        {"r_rec_dmarc_missing", 1, dom, "nxm", miss_args, &miss_when},
        {"r_rec_dmarc_fail", 1, dom, "nsxm", fail_args, &fail_when},
        {"r_rec_dmarc_none", 1, pdom, "ns", none_args, &none_when},
    };
    return rctx_hashagg_multi(c, sql, aggs, (int)(sizeof aggs / sizeof aggs[0]));
}

/* The same three tables by a pass that reads the raw columns and does the
 * grouping in C (the SQL expressions of dmarc_pass cost most of its 0.54 s
 * of CPU on the bench database; this pass 0.32 s). Groups are keyed by the
 * value's type and bytes as GROUP BY keys text (BINARY collation); at most
 * KG_MAX_GROUPS a table (about 2 MB), else, or on a key that is a number,
 * dmarc_pass does it. */

struct kgroup {
    int t; /* SQLite type of the key: SQLITE_NULL, SQLITE_TEXT or SQLITE_BLOB */
    char *k;
    size_t kn;
    int64_t n, n2, sum, sum2, mx, mn, mn2; /* see dmarc_c_row, content_c_pass */
    bool has_mx, has_mn, has_mn2;
    char *tx[3]; /* greatest texts (max(x) of TEXT values, NULL ignored) */
    size_t txn[3];
};

/* max(x) into g->tx[i] for column col of q's row; false when the value is
 * neither text nor NULL (SQLite orders numbers and blobs apart: left to
 * SQL). */
static bool kg_max_text(struct kgroup *g, int i, sqlite3_stmt *q, int col)
{
    int t = sqlite3_column_type(q, col);
    if (t == SQLITE_NULL) return true;
    if (t != SQLITE_TEXT) return false;
    const char *v = (const char *)sqlite3_column_text(q, col);
    size_t vn = (size_t)sqlite3_column_bytes(q, col);
    if (!g->tx[i] || sqlval_bytes_cmp(v, vn, g->tx[i], g->txn[i]) > 0) {
        free(g->tx[i]);
        g->tx[i] = dup_bytes(v, vn);
        g->txn[i] = vn;
    }
    return true;
}

struct kgtab {
    struct kgroup *g;
    size_t n, cap;
    uint32_t *slots; /* open addressing over g: index + 1, 0 empty */
    size_t n_slots;
};

static uint64_t kg_hash(int t, const void *k, size_t kn)
{
    return sqlval_hash_bytes(SQLVAL_HASH_SEED, k, kn) + (uint64_t)t;
}

static void kg_rehash(struct kgtab *tb)
{
    size_t ns = tb->n_slots ? tb->n_slots * 2 : 64;
    uint32_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < tb->n; i++) {
        size_t k = (size_t)kg_hash(tb->g[i].t, tb->g[i].k, tb->g[i].kn) & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (uint32_t)(i + 1);
    }
    free(tb->slots);
    tb->slots = sl;
    tb->n_slots = ns;
}

/* The group of column col of q's row (NULL: a numeric key, or too many groups). */
static struct kgroup *kg_of(struct kgtab *tb, sqlite3_stmt *q, int col)
{
    int t = sqlite3_column_type(q, col);
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) return NULL;
    const void *k = t == SQLITE_BLOB ? sqlite3_column_blob(q, col) : sqlite3_column_text(q, col);
    size_t kn = t == SQLITE_NULL ? 0 : (size_t)sqlite3_column_bytes(q, col);
    if (!tb->slots) kg_rehash(tb);
    size_t h = (size_t)kg_hash(t, k, kn) & (tb->n_slots - 1);
    while (tb->slots[h]) {
        struct kgroup *g = &tb->g[tb->slots[h] - 1];
        if (g->t == t && g->kn == kn && (kn == 0 || memcmp(g->k, k, kn) == 0)) return g;
        h = (h + 1) & (tb->n_slots - 1);
    }
    if (tb->n == KG_MAX_GROUPS) return NULL;
    if (tb->n == tb->cap) {
        tb->cap = tb->cap ? tb->cap * 2 : 16;
        tb->g = xrealloc(tb->g, tb->cap * sizeof *tb->g);
    }
    struct kgroup *g = &tb->g[tb->n++];
    memset(g, 0, sizeof *g);
    g->t = t;
    g->k = dup_bytes(k ? k : "", kn);
    g->kn = kn;
    tb->slots[h] = (uint32_t)tb->n;
    if (tb->n * 2 > tb->n_slots) kg_rehash(tb);
    return g;
}

static void kg_free(struct kgtab *tb)
{
    for (size_t i = 0; i < tb->n; i++) {
        free(tb->g[i].k);
        for (int k = 0; k < 3; k++)
            free(tb->g[i].tx[k]);
    }
    free(tb->g);
    free(tb->slots);
}

static void bind_key(sqlite3_stmt *s, int i, const struct kgroup *g)
{
    if (g->t == SQLITE_NULL)
        sqlite3_bind_null(s, i);
    else if (g->t == SQLITE_BLOB)
        sqlite3_bind_blob(s, i, g->k, (int)g->kn, SQLITE_STATIC);
    else
        sqlite3_bind_text(s, i, g->k, (int)g->kn, SQLITE_STATIC);
}

static void bind_opt(sqlite3_stmt *s, int i, bool has, int64_t v)
{
    has ? sqlite3_bind_int64(s, i, v) : sqlite3_bind_null(s, i);
}

static void bind_tx(sqlite3_stmt *s, int i, const struct kgroup *g, int k)
{
    g->tx[k] ? sqlite3_bind_text(s, i, g->tx[k], (int)g->txn[k], SQLITE_STATIC)
             : sqlite3_bind_null(s, i);
}

enum { DM_MID, DM_FROM, DM_RESULT, DM_POLICY, DM_RECORD, DM_REASON, DM_ORG, DM_PDOM };

/* One result into the groups: by From domain (dom: n results, sum fails,
 * mx the strictest policy of a fail, mn the least failing message; n2
 * results without a record, tx[0] their greatest org_domain, mn2 their
 * least message) and by policy domain (pol: n results under p=none, sum
 * passes). false: the C pass cannot take it. */
static bool dmarc_c_row(struct kgtab *dom, struct kgtab *pol, sqlite3_stmt *q)
{
    int64_t mid = sqlite3_column_int64(q, DM_MID);
    bool has_from = sqlite3_column_type(q, DM_FROM) != SQLITE_NULL;
    bool rec_null = sqlite3_column_type(q, DM_RECORD) == SQLITE_NULL;
    if (has_from) {
        struct kgroup *g = kg_of(dom, q, DM_FROM);
        if (!g) return false;
        g->n++;
        if (col_is(q, DM_RESULT, "fail")) {
            g->sum++;
            /* CASE policy WHEN 'reject' THEN 3 WHEN 'quarantine' THEN 2 ELSE 1 END */
            int64_t p = col_is(q, DM_POLICY, "reject")       ? 3
                        : col_is(q, DM_POLICY, "quarantine") ? 2
                                                             : 1;
            if (!g->has_mx || p > g->mx) g->mx = p;
            if (!g->has_mn || mid < g->mn) g->mn = mid;
            g->has_mx = g->has_mn = true;
        }
        /* result = 'none' AND record IS NULL AND reason = 'no DMARC record' */
        if (rec_null && col_is(q, DM_RESULT, "none") && col_is(q, DM_REASON, "no DMARC record")) {
            g->n2++;
            if (!g->has_mn2 || mid < g->mn2) g->mn2 = mid;
            g->has_mn2 = true;
            if (!kg_max_text(g, 0, q, DM_ORG)) return false; /* max(org_domain) */
        }
    }
    /* record IS NOT NULL AND policy = 'none', by coalesce(policy_domain, from_domain) */
    if (!rec_null && col_is(q, DM_POLICY, "none")) {
        struct kgroup *g =
            kg_of(pol, q, sqlite3_column_type(q, DM_PDOM) != SQLITE_NULL ? DM_PDOM : DM_FROM);
        if (!g) return false;
        g->n++;
        g->sum += col_is(q, DM_RESULT, "pass");
    }
    return true;
}

static int dmarc_c_store(struct rctx *c, struct kgtab *dom, struct kgtab *pol)
{
    sqlite3_stmt *s[3] = {NULL, NULL, NULL};
    static const char *const ins[] = {
        "INSERT INTO r_rec_dmarc_missing VALUES (?1, ?2, ?3, ?4)",
        "INSERT INTO r_rec_dmarc_fail VALUES (?1, ?2, ?3, ?4, ?5)",
        "INSERT INTO r_rec_dmarc_none VALUES (?1, ?2, ?3)",
    };
    int rc = -1;
    for (int k = 0; k < 3; k++)
        if (sqlite3_prepare_v2(c->db, ins[k], -1, &s[k], NULL) != SQLITE_OK) goto out;
    for (size_t i = 0; i < dom->n; i++) {
        const struct kgroup *g = &dom->g[i];
        if (g->n2) {
            bind_key(s[0], 1, g);
            sqlite3_bind_int64(s[0], 2, g->n2);
            bind_tx(s[0], 3, g, 0);
            sqlite3_bind_int64(s[0], 4, g->mn2);
            if (sqlite3_step(s[0]) != SQLITE_DONE) goto out;
            sqlite3_reset(s[0]);
        }
        bind_key(s[1], 1, g);
        sqlite3_bind_int64(s[1], 2, g->n);
        sqlite3_bind_int64(s[1], 3, g->sum);
        bind_opt(s[1], 4, g->has_mx, g->mx);
        bind_opt(s[1], 5, g->has_mn, g->mn);
        if (sqlite3_step(s[1]) != SQLITE_DONE) goto out;
        sqlite3_reset(s[1]);
    }
    for (size_t i = 0; i < pol->n; i++) {
        const struct kgroup *g = &pol->g[i];
        bind_key(s[2], 1, g);
        sqlite3_bind_int64(s[2], 2, g->n);
        sqlite3_bind_int64(s[2], 3, g->sum);
        if (sqlite3_step(s[2]) != SQLITE_DONE) goto out;
        sqlite3_reset(s[2]);
    }
    rc = 0;
out:
    if (rc != 0) snprintf(c->err, sizeof c->err, "DMARC pass: %s", sqlite3_errmsg(c->db));
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(s[k]);
    return rc;
}

/* 0: the three tables are made; 1: dmarc_pass must make them; -1: error. */
static int dmarc_c_pass(struct rctx *c)
{
    const char *sql = rprintf(c->r,
                              "SELECT d.message_id, d.from_domain, d.result, d.policy, d.record,"
                              " d.reason, d.org_domain, d.policy_domain"
                              " FROM %s WHERE %s",
                              msg_from(c, "dmarc_results", "d"), msg_sent(c));
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) return 1; /* dmarc_pass says */
    struct kgtab dom = {0}, pol = {0};
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        if (!dmarc_c_row(&dom, &pol, q)) {
            rc = 1;
            break;
        }
    if (rc == 0 && step != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "DMARC pass: %s", sqlite3_errmsg(c->db));
        rc = -1;
    }
    sqlite3_finalize(q);
    if (rc == 0)
        rc = rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_rec_dmarc_missing;"
                              "DROP TABLE IF EXISTS temp.r_rec_dmarc_fail;"
                              "DROP TABLE IF EXISTS temp.r_rec_dmarc_none;"
                              "CREATE TEMP TABLE r_rec_dmarc_missing(k1, a1, a2, a3);"
                              "CREATE TEMP TABLE r_rec_dmarc_fail(k1, a1, a2, a3, a4);"
                              "CREATE TEMP TABLE r_rec_dmarc_none(k1, a1, a2)");
    if (rc == 0) {
        if (rctx_begin(c) != 0)
            rc = -1;
        else if (dmarc_c_store(c, &dom, &pol) != 0) {
            rctx_rollback(c);
            rc = -1;
        } else
            rc = rctx_commit(c);
    }
    kg_free(&dom);
    kg_free(&pol);
    return rc;
}

static int rule_dmarc_missing(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n =
        query(c, "SELECT k1, a1, a2, a3 FROM r_rec_dmarc_missing" ORDER_N_KEY RECO_LIMIT_SQL, &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "no DMARC record");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]);
        long long cnt = (long long)r->n[1];
        const char *org = r->t[2] && strcmp(r->t[2], d) != 0
                              ? rprintf(c->r, " nor at its organizational domain %s", r->t[2])
                              : "";
        rsec_item(s, c->r, RS_WARNING, clamp_score(cnt), "dmarc_missing",
                  rprintf(c->r,
                          "Publish a DMARC record for %s (start with \"v=DMARC1; p=none; "
                          "rua=mailto:...\")",
                          d),
                  rprintf(c->r,
                          "%lld %s from %s: no DMARC record at _dmarc.%s%s (Gmail and "
                          "Yahoo require one of bulk senders)",
                          cnt, plural(cnt, "message", "messages"), d, d, org),
                  msgid(c, r->t[3]));
    }
    return 0;
}

static int rule_dmarc_fail(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    /* the strictest policy seen for the domain: 3 reject, 2 quarantine, 1 none */
    long n = query(c,
                   "SELECT k1, a1, a2, a3, a4 FROM r_rec_dmarc_fail WHERE a2 > 0"
                   " ORDER BY a2 DESC, k1" RECO_LIMIT_SQL,
                   &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "DMARC fails");
    static const char *const pol[] = {"none", "none", "quarantine", "reject"};
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]);
        long long all = (long long)r->n[1], bad = (long long)r->n[2];
        int p = r->n[3] >= 1 && r->n[3] <= 3 ? (int)r->n[3] : 1;
        rsec_item(s, c->r, p >= 2 ? RS_CRITICAL : RS_WARNING, clamp_score(bad), "dmarc_fail",
                  rprintf(c->r, "Make SPF or DKIM pass for a domain aligned with %s", d),
                  rprintf(c->r, "DMARC fails on %lld of %lld messages from %s (policy p=%s%s)", bad,
                          all, d, pol[p],
                          p == 3   ? ": receivers are asked to reject them"
                          : p == 2 ? ": receivers are asked to put them in spam"
                                   : ""),
                  msgid(c, r->t[4]));
    }
    return 0;
}

static int rule_dmarc_policy_none(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(
        c, "SELECT k1, a1, a2 FROM r_rec_dmarc_none WHERE a1 >= 100" ORDER_N_KEY RECO_LIMIT_SQL,
        &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "DMARC p=none");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]);
        long long all = (long long)r->n[1], ok = (long long)r->n[2];
        bool ready = ok * 100 >= all * 98;
        rsec_item(s, c->r, RS_INFO, clamp_score(all), "dmarc_policy_none",
                  ready ? rprintf(c->r,
                                  "Consider moving %s's DMARC policy from p=none to "
                                  "p=quarantine",
                                  d)
                        : rprintf(c->r,
                                  "Make %s's mail pass DMARC, then move its policy from "
                                  "p=none to p=quarantine",
                                  d),
                  rprintf(c->r, "%lld messages under p=none at _dmarc.%s; %lld (%.1f%%) pass DMARC",
                          all, d, ok, pct(ok, all)),
                  NULL);
    }
    return 0;
}

/* ---- SPF ---- */

/* The three SPF rules' GROUP BYs in one pass over the MAIL FROM results
 * that fail, softfail, permerror or have no record (three passes before:
 * 0.37 s of CPU on the bench database), each into its TEMP table:
 *   r_rec_spf_fail(k1 domain, k2 result, k3 IP, a1 count, a2 min(message));
 *   r_rec_spf_perm(k1 domain, k2 reason, a1 count, a2 max(record's first
 *       200 characters));
 *   r_rec_spf_missing(k1 domain, a1 count, a2 min(message)). */
static int spf_pass(struct rctx *c)
{
    const char *sql =
        rprintf(c->r,
                "SELECT s.domain, s.result, s.ip, s.message_id, s.reason,"
                " CASE WHEN s.result = 'permerror' THEN substr(s.record, 1, 200) END,"
                /* 6 */ " s.result IN ('fail', 'softfail') AND s.ip IS NOT NULL,"
                " s.result = 'permerror', s.result = 'none' AND s.reason LIKE 'no SPF record%%'"
                /* the rarest condition first: SQLite tests them in this order */
                " FROM %s WHERE s.result IN ('fail', 'softfail', 'permerror', 'none')"
                " AND s.identity = 'mailfrom' AND s.domain IS NOT NULL AND %s",
                msg_from(c, "spf_results", "s"), msg_sent(c));
    static const int fail_keys[] = {0, 1, 2}, fail_args[] = {0, 3}, fail_when = 6;
    static const int perm_keys[] = {0, 4}, perm_args[] = {0, 5}, perm_when = 7;
    static const int miss_keys[] = {0}, miss_args[] = {0, 3}, miss_when = 8;
    static const struct rctx_agg aggs[] = {
        {"r_rec_spf_fail", 3, fail_keys, "nm", fail_args, &fail_when},
        {"r_rec_spf_perm", 2, perm_keys, "nx", perm_args, &perm_when},
        {"r_rec_spf_missing", 1, miss_keys, "nm", miss_args, &miss_when},
    };
    return rctx_hashagg_multi(c, sql, aggs, (int)(sizeof aggs / sizeof aggs[0]));
}

static int rule_spf_fail(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(
        c,
        "WITH g AS (SELECT k1 AS d, k2 AS res, k3 AS ip, a1 AS n, a2 AS ex FROM r_rec_spf_fail),"
        " h AS (SELECT d, res, ip, n, ex, row_number() OVER (PARTITION BY d, res ORDER BY n DESC,"
        "  ip) AS rn, sum(n) OVER (PARTITION BY d, res) AS tot,"
        "  count(*) OVER (PARTITION BY d, res) AS nip FROM g)"
        " SELECT d, res, ip, n, tot, nip, ex"
        " FROM h WHERE rn = 1 ORDER BY res = 'fail' DESC, tot DESC, d" RECO_LIMIT_SQL,
        &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "SPF fails");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *res = nz(r->t[1]), *ip = nz(r->t[2]);
        long long top = (long long)r->n[3], tot = (long long)r->n[4], nip = (long long)r->n[5];
        bool hard = strcmp(res, "fail") == 0;
        const char *ev =
            nip == 1
                ? rprintf(c->r, "SPF %s for %lld %s with MAIL FROM domain %s, all sent from %s",
                          res, tot, plural(tot, "message", "messages"), d, ip)
                : rprintf(c->r,
                          "SPF %s for %lld messages with MAIL FROM domain %s, from %lld IPs; "
                          "%s sent %lld of them",
                          res, tot, d, nip, ip, top);
        rsec_item(s, c->r, hard ? RS_CRITICAL : RS_WARNING, clamp_score(tot), "spf_fail",
                  rprintf(c->r, "Add %s%s to the SPF record of %s (or stop sending as %s from it)",
                          ip, nip > 1 ? " and the other sending IPs" : "", d, d),
                  ev, msgid(c, r->t[6]));
    }
    return 0;
}

static int rule_spf_permerror(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(c,
                   "SELECT k1, k2, a1, a2, k2 LIKE 'more than 10 DNS%' FROM r_rec_spf_perm"
                   " ORDER BY a1 DESC, k1, k2" RECO_LIMIT_SQL,
                   &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "SPF permerror");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *why = nz(r->t[1]);
        long long cnt = (long long)r->n[2];
        bool lookups = r->n[4] != 0;
        rsec_item(s, c->r, RS_CRITICAL, clamp_score(cnt),
                  lookups ? "spf_too_many_lookups" : "spf_permerror",
                  lookups ? rprintf(c->r,
                                    "Flatten the SPF record of %s: it needs more than 10 "
                                    "DNS lookups",
                                    d)
                          : rprintf(c->r, "Fix the SPF record of %s (%s)", d, why),
                  rprintf(c->r,
                          "SPF permerror (%s) for %lld %s with MAIL FROM domain %s: "
                          "receivers treat it as no SPF at all",
                          why, cnt, plural(cnt, "message", "messages"), d),
                  r->t[3]);
    }
    return 0;
}

static int rule_spf_missing(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(c, "SELECT k1, a1, a2 FROM r_rec_spf_missing" ORDER_N_KEY RECO_LIMIT_SQL, &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "no SPF record");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]);
        long long cnt = (long long)r->n[1];
        rsec_item(
            s, c->r, RS_WARNING, clamp_score(cnt), "spf_missing",
            rprintf(c->r, "Publish an SPF record for %s listing the servers that send as it", d),
            rprintf(c->r, "%lld %s had MAIL FROM domain %s, which publishes no SPF record", cnt,
                    plural(cnt, "message", "messages"), d),
            msgid(c, r->t[2]));
    }
    return 0;
}

/* ---- delivery ---- */

/* Refusals of our mail by remote servers (bounced, deferred, expired) that
 * name a blocklist; each source counted apart (a rejection can be both a
 * log row and a bounce row), the larger one kept. The rows with status
 * 'rejected' are our own server refusing its clients: not ours to delist. */
static int rule_blocklist(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n =
        query(c,
              "SELECT blocklist, replace(ma_list(group_concat(DISTINCT provider), 0), ',', ', '),"
              " max(sum(n * (source = 'log')), sum(n * (source = 'bounce'))) AS times,"
              " strftime('%Y-%m-%dT%H:%M:%SZ', max(ts_max), 'unixepoch'),"
              " max(reply_max), count(DISTINCT provider)"
              " FROM r_dcube WHERE blocklist IS NOT NULL AND NOT blocklist_misconfig"
              " AND status IN ('bounced', 'deferred', 'expired')"
              " GROUP BY 1 ORDER BY times DESC, 1" RECO_LIMIT_SQL,
              &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "blocklist");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *bl = nz(r->t[0]), *prov = r->t[1];
        long long cnt = (long long)r->n[2];
        /* a provider's own list (Microsoft S3150, ...): "by microsoft name their block list" */
        bool own = prov && r->n[5] == 1 && strcmp(prov, bl) == 0;
        const char *by = prov ? rprintf(c->r, " by %s", prov) : "";
        rsec_item(s, c->r, RS_CRITICAL, clamp_score(cnt), "blocklist",
                  own ? rprintf(c->r, "Request delisting from %s's own block list", bl)
                      : rprintf(c->r, "Request delisting from the %s block list", bl),
                  rprintf(c->r, "%lld %s%s %s %s block list %s (last %s)", cnt,
                          plural(cnt, "rejection", "rejections"), by, plural(cnt, "names", "name"),
                          own ? "their" : "the", bl, nz(r->t[3])),
                  r->t[4]);
    }
    return 0;
}

static int rule_bounces(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(c,
                   "SELECT sum(n * (status IN ('bounced', 'expired')"
                   "  AND reason IN ('userunknown', 'hostunknown', 'hasmoved'))),"
                   " sum(n * (status IN ('sent', 'bounced', 'expired'))),"
                   " max(CASE WHEN status IN ('bounced', 'expired')"
                   "  AND reason IN ('userunknown', 'hostunknown', 'hasmoved') THEN reply_max END)"
                   " FROM r_dcube WHERE source = 'log' AND sup = 0 AND NOT local",
                   &g);
    if (n <= 0) return (int)n;
    int64_t bad = g[0].n[0], all = g[0].n[1];
    if (bad < 3 || all <= 0 || bad * 50 < all) return 0; /* under 2% */
    rsec_item(s, c->r, bad * 20 >= all ? RS_CRITICAL : RS_WARNING, clamp_score(bad),
              "bounce_unknown_users",
              rprintf(c->r, "Clean the list: remove the %lld addresses that bounce as unknown",
                      (long long)bad),
              rprintf(c->r,
                      "%lld of %lld recipients (%.1f%%) bounced as unknown users or domains "
                      "(receivers judge senders above 2%% as careless)",
                      (long long)bad, (long long)all, pct(bad, all)),
              g[0].t[2]);
    return 0;
}

/* Deferrals per provider (MTA logs, outbound attempts): for sending too fast,
 * or for reputation/blocking without a blocklist named (that is the
 * blocklist rule). */
static int rule_deferrals(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(c,
                   "SELECT provider, sum(n),"
                   " sum(n * (status = 'deferred' AND reason IN ('speeding', 'toomanyconn'))),"
                   " max(CASE WHEN status = 'deferred' AND reason IN ('speeding', 'toomanyconn')"
                   "  THEN reply_max END),"
                   " sum(n * (status = 'deferred' AND reason IN ('badreputation', 'blocked')"
                   "  AND blocklist IS NULL)),"
                   " max(CASE WHEN status = 'deferred' AND reason IN ('badreputation', 'blocked')"
                   "  AND blocklist IS NULL THEN reply_max END)"
                   " FROM r_dcube WHERE source = 'log' AND NOT local AND provider IS NOT NULL"
                   " AND status IN ('sent', 'deferred', 'bounced', 'expired')"
                   " GROUP BY 1 ORDER BY 1",
                   &g);
    if (n <= 0) return (int)n;
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *p = nz(r->t[0]);
        int64_t att = r->n[1], rl = r->n[2], rep = r->n[4];
        if (rl >= 3 && rl * 20 >= att)
            rsec_item(s, c->r, RS_WARNING, clamp_score(rl), "deferrals_rate_limit",
                      rprintf(c->r,
                              "Slow down delivery to %s: fewer connections and messages "
                              "per hour",
                              p),
                      rprintf(c->r,
                              "%lld of %lld delivery attempts to %s (%.1f%%) were deferred "
                              "for sending too fast",
                              (long long)rl, (long long)att, p, pct(rl, att)),
                      r->t[3]);
        if (rep >= 3 && rep * 20 >= att)
            rsec_item(s, c->r, RS_WARNING, clamp_score(rep), "deferrals_reputation",
                      rprintf(c->r,
                              "Rebuild reputation with %s: send to engaged recipients only "
                              "and raise volume slowly",
                              p),
                      rprintf(c->r,
                              "%lld of %lld delivery attempts to %s (%.1f%%) were deferred "
                              "for the sender's reputation or a block",
                              (long long)rep, (long long)att, p, pct(rep, att)),
                      r->t[5]);
    }
    return 0;
}

static int rule_complaints(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n =
        query(c,
              "SELECT coalesce(sum(f.incidents), 0), count(*), max(f.reporter),"
              " max(f.orig_subject), max(f.orig_message_id)"
              " FROM feedback_reports f JOIN r_msg r ON r.id = f.message_id"
              " WHERE f.feedback_type IS NOT 'auth-failure' AND f.feedback_type IS NOT 'not-spam'",
              &g);
    if (n <= 0) return (int)n;
    int64_t comp = g[0].n[0], sent = 0;
    if (comp <= 0) return 0;
    if (rctx_int(c,
                 "SELECT coalesce(sum(n), 0) FROM r_dcube WHERE source = 'log' AND sup = 0"
                 " AND status = 'sent'",
                 NULL, &sent) != 0)
        return -1;
    const char *ex = g[0].t[4] ? g[0].t[4] : g[0].t[3];
    if (sent <= 0) {
        rsec_item(s, c->r, RS_INFO, clamp_score(comp), "complaint_rate",
                  "Ingest the MTA logs to measure the complaint rate",
                  rprintf(c->r,
                          "%lld %s received (e.g. from %s) and no delivery logged to "
                          "compare them with",
                          (long long)comp, plural(comp, "complaint", "complaints"), nz(g[0].t[2])),
                  ex);
        return 0;
    }
    if (comp * 1000 <= sent) return 0; /* at most 0.1% */
    rsec_item(s, c->r, comp * 1000 > sent * 3 ? RS_CRITICAL : RS_WARNING, clamp_score(comp),
              "complaint_rate",
              "Reduce complaints: mail only recipients who asked for it and make unsubscribing "
              "easy",
              rprintf(c->r,
                      "%lld %s for %lld delivered recipients (%.2f%%): Gmail asks for under "
                      "0.1%% and never above 0.3%%",
                      (long long)comp, plural(comp, "complaint", "complaints"), (long long)sent,
                      pct(comp, sent)),
              ex);
    return 0;
}

/* ---- infrastructure ---- */

/* The PTR and HELO rules' GROUP BYs in one pass over the entry-hop results
 * that either rule reads (two passes before, 0.23 s of CPU on the bench
 * database), into the TEMP tables
 *   r_rec_ptr(k1 IP, a1 count, a2 max(ptr_names), a3 spam copies, a4 inbox
 *       copies, a5 max(reason), a6 min(message)) of iprev fails;
 *   r_rec_helo(k1 HELO, a1 max(IP), a2 count, a3 max(helo_ip_literal),
 *       a4 max(helo_fqdn), a5 min(message)) of HELO names that are not
 *       fully qualified or do not resolve. */
#define PTR_COND "(i.result = 'fail' AND i.ip IS NOT NULL)"
#define HELO_COND                                                                                  \
    "(i.helo IS NOT NULL AND i.helo <> ''"                                                         \
    " AND (NOT i.helo_fqdn OR i.helo_reason LIKE '%%does not resolve%%'))"
static int iprev_pass(struct rctx *c)
{
    const char *sql = rprintf(
        c->r,
        "SELECT i.ip, i.ptr_names, coalesce(cp.n_spam, 0), coalesce(cp.n_inbox, 0), i.reason,"
        " i.message_id, " PTR_COND ", i.helo, i.helo_ip_literal, i.helo_fqdn, " HELO_COND
        " FROM %s LEFT JOIN r_cp cp ON cp.message_id = i.message_id"
        " WHERE %s AND (" PTR_COND " OR " HELO_COND ")",
        msg_from(c, "iprev_results", "i"), msg_sent(c));
    static const int ptr_keys[] = {0}, ptr_args[] = {0, 1, 2, 3, 4, 5}, ptr_when = 6;
    static const int helo_keys[] = {7}, helo_args[] = {0, 0, 8, 9, 5}, helo_when = 10;
    static const struct rctx_agg aggs[] = {
        {"r_rec_ptr", 1, ptr_keys, "nxssxm", ptr_args, &ptr_when},
        {"r_rec_helo", 1, helo_keys, "xnxxm", helo_args, &helo_when},
    };
    return rctx_hashagg_multi(c, sql, aggs, (int)(sizeof aggs / sizeof aggs[0]));
}

static int rule_ptr(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n =
        query(c, "SELECT k1, a1, a2, a3, a4, a5, a6 FROM r_rec_ptr" ORDER_N_KEY RECO_LIMIT_SQL, &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "reverse DNS missing");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *ip = nz(r->t[0]);
        int64_t cnt = r->n[1], sp = r->n[3], ib = r->n[4];
        const char *ptr = r->t[2] && *r->t[2] ? r->t[2] : NULL;
        bool critical = sp >= 2 && sp > ib;
        const char *where = placement_clause(c, sp, ib);
        if (!ptr)
            rsec_item(s, c->r, critical ? RS_CRITICAL : RS_WARNING, clamp_score(cnt), "ptr_missing",
                      rprintf(c->r,
                              "Publish a PTR record for %s naming a host that resolves "
                              "back to it",
                              ip),
                      rprintf(c->r,
                              "%lld %s sent from %s, which has no PTR record (reverse "
                              "DNS)%s",
                              (long long)cnt, plural(cnt, "message", "messages"), ip, where),
                      msgid(c, r->t[6]));
        else
            rsec_item(s, c->r, critical ? RS_CRITICAL : RS_WARNING, clamp_score(cnt),
                      "ptr_not_confirmed",
                      rprintf(c->r, "Make the PTR name %s of %s resolve back to %s", ptr, ip, ip),
                      rprintf(c->r,
                              "%lld %s sent from %s, whose PTR name %s does not resolve back "
                              "to it (%s)%s",
                              (long long)cnt, plural(cnt, "message", "messages"), ip, ptr,
                              nz(r->t[5]), where),
                      msgid(c, r->t[6]));
    }
    return 0;
}

static int rule_helo(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(c,
                   "SELECT k1, a1, a2, a3, a4, a5 FROM r_rec_helo"
                   " ORDER BY NOT a4 DESC, a2 DESC, k1" RECO_LIMIT_SQL,
                   &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "HELO name");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *helo = nz(r->t[0]), *ip = nz(r->t[1]);
        long long cnt = (long long)r->n[2];
        bool literal = r->n[3] != 0, fqdn = r->n[4] != 0;
        if (fqdn)
            rsec_item(
                s, c->r, RS_INFO, clamp_score(cnt), "helo_not_resolving",
                rprintf(c->r, "Publish an A record for the HELO name %s pointing to %s", helo, ip),
                rprintf(c->r, "HELO name %s does not resolve (%lld %s from %s)", helo, cnt,
                        plural(cnt, "message", "messages"), ip),
                msgid(c, r->t[5]));
        else
            rsec_item(s, c->r, RS_WARNING, clamp_score(cnt), "helo_not_fqdn",
                      literal ? rprintf(c->r,
                                        "Make the server at %s announce its host name in "
                                        "HELO, not the address literal %s",
                                        ip, helo)
                              : rprintf(c->r,
                                        "Make the server at %s announce a fully qualified "
                                        "HELO name",
                                        ip),
                      rprintf(c->r, "HELO name %s is not a fully qualified name (%lld %s from %s)",
                              helo, cnt, plural(cnt, "message", "messages"), ip),
                      msgid(c, r->t[5]));
    }
    return 0;
}

/* ---- bulk-sender requirements (those no rule above covers) ---- */

struct req_rule {
    const char *id;  /* requirements.requirement */
    const char *key; /* item key */
    enum rseverity sev;
    bool bulk_only;         /* only for mail in campaigns of two messages or more */
    const char *pre, *post; /* the title: pre, the From domain, post */
};

static const struct req_rule req_rules[] = {
    {"unsubscribe", "req_unsubscribe", RS_WARNING, true,
     "Add List-Unsubscribe (https and mailto) and List-Unsubscribe-Post: "
     "List-Unsubscribe=One-Click to ",
     "'s bulk mail"},
    {"one_click_unsubscribe", "req_one_click_unsubscribe", RS_WARNING, true,
     "Add one-click unsubscribe (RFC 8058: an https List-Unsubscribe and List-Unsubscribe-Post) "
     "to ",
     "'s bulk mail"},
    {"message_id", "req_message_id", RS_WARNING, false, "Give every message from ",
     " a valid Message-ID (id@domain)"},
    {"single_from", "req_single_from", RS_WARNING, false, "Send ",
     "'s mail with exactly one From address"},
    {"gmail_from", "req_gmail_from", RS_CRITICAL, false, "Stop sending with a From address at ",
     " from outside Google"},
    {"tls", "req_tls", RS_INFO, false, "Deliver ", "'s mail over TLS"},
};

static const struct req_rule *req_rule_find(const char *id)
{
    for (size_t i = 0; i < sizeof req_rules / sizeof req_rules[0]; i++)
        if (id && strcmp(req_rules[i].id, id) == 0) return &req_rules[i];
    return NULL;
}

/* the requirement sets with a failure this rule reports (the writer stores
 * compact JSON: ["id","status","evidence"]) */
#define REQ_FAILS                                                                                  \
    "(instr(rs.checks, '\"unsubscribe\",\"fail\"')"                                                \
    " OR instr(rs.checks, '\"message_id\",\"fail\"')"                                              \
    " OR instr(rs.checks, '\"single_from\",\"fail\"')"                                             \
    " OR instr(rs.checks, '\"gmail_from\",\"fail\"')"                                              \
    " OR instr(rs.checks, '\"tls\",\"fail\"'))"

static int rule_requirements(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    /* none: the per-domain totals below (a pass over every message) are
     * not needed */
    int64_t any = 0;
    if (rctx_int(c,
                 rprintf(c->r,
                         "SELECT EXISTS (SELECT 1 FROM %s WHERE %s"
                         " AND " REQ_FAILS ")",
                         msg_from(c, "requirement_sets", "rs"), msg_sent(c)),
                 NULL, &any) != 0)
        return -1;
    if (!any) return 0;
    long n =
        query(c,
              "WITH bulk AS (SELECT campaign FROM r_msg WHERE feedback_kind IS NULL"
              "  GROUP BY campaign HAVING count(*) >= 2),"
              " m AS (SELECT r.id AS id, coalesce(r.from_domain, '?') AS d,"
              "  r.campaign IN (SELECT campaign FROM bulk) AS is_bulk"
              "  FROM r_msg r WHERE r.feedback_kind IS NULL),"
              " t AS (SELECT d, is_bulk, count(*) AS n FROM m GROUP BY 1, 2),"
              /* the view `requirements`, read from its table so that the sets
               * without a failure of interest are skipped before json_each (the
               * writer stores compact JSON: ["id","status","evidence"]) */
              " f AS (SELECT json_extract(j.value, '$[0]') AS req, m.d AS d,"
              "  m.is_bulk AS is_bulk, count(*) AS n,"
              "  max(json_extract(j.value, '$[2]')) AS ev, min(m.id) AS ex"
              "  FROM m JOIN requirement_sets rs ON rs.message_id = m.id, json_each(rs.checks) j"
              "  WHERE " REQ_FAILS " AND json_extract(j.value, '$[1]') = 'fail'"
              "  AND json_extract(j.value, '$[0]') IN ('unsubscribe', 'one_click_unsubscribe',"
              "  'message_id', 'single_from', 'gmail_from', 'tls') GROUP BY 1, 2, 3)"
              " SELECT f.req, f.d, f.is_bulk, f.n, f.ev, f.ex, t.n FROM f"
              " JOIN t ON t.d = f.d AND t.is_bulk = f.is_bulk ORDER BY f.n DESC, f.req, f.d",
              &g);
    if (n <= 0) return (int)n;
    /* per requirement id, items emitted (capped) */
    size_t shown[sizeof req_rules / sizeof req_rules[0]] = {0};
    bool more[sizeof req_rules / sizeof req_rules[0]] = {false};
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const struct req_rule *rr = req_rule_find(r->t[0]);
        if (!rr) continue;
        bool is_bulk = r->n[2] != 0;
        if (rr->bulk_only && !is_bulk) continue;
        const char *d = nz(r->t[1]);
        if (strcmp(rr->id, "one_click_unsubscribe") == 0) {
            /* the unsubscribe item already asks for one-click */
            bool covered = false;
            for (long k = 0; k < n; k++)
                if (k != i && g[k].t[0] && strcmp(g[k].t[0], "unsubscribe") == 0 && g[k].n[2] &&
                    g[k].t[1] && strcmp(g[k].t[1], d) == 0)
                    covered = true;
            if (covered) continue;
        }
        size_t ri = (size_t)(rr - req_rules);
        if (shown[ri] >= RECO_MAX_PER_RULE) {
            more[ri] = true;
            continue;
        }
        shown[ri]++;
        long long cnt = (long long)r->n[3], tot = (long long)r->n[6];
        rsec_item(s, c->r, rr->sev, clamp_score(cnt), rr->key,
                  rprintf(c->r, "%s%s%s", rr->pre, d, rr->post),
                  rprintf(c->r, "%lld of %lld %smessages from %s fail the requirement \"%s\" (%s)",
                          cnt, tot, is_bulk ? "bulk " : "", d, rr->id, nz(r->t[4])),
                  msgid(c, r->t[5]));
    }
    for (size_t k = 0; k < sizeof req_rules / sizeof req_rules[0]; k++)
        if (more[k])
            rsec_note(s, c->r, "more findings of the kind \"%s\" than the %d shown",
                      req_rules[k].id, RECO_MAX_PER_RULE);
    return 0;
}

/* ---- DMARC aggregate reports ---- */

static int rule_dmarc_aggregate(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    long n = query(
        c,
        "WITH x AS (SELECT rp.domain AS d, rr.source_ip AS ip, sum(rr.count) AS tot,"
        "  sum(CASE WHEN rr.dkim IS NOT 'pass' AND rr.spf IS NOT 'pass' THEN rr.count ELSE 0 END)"
        "  AS bad, max(rp.org_name) AS org"
        "  FROM dmarc_reports rp JOIN r_msg r ON r.id = rp.message_id"
        "  JOIN dmarc_report_rows rr ON rr.report = rp.id WHERE rr.count > 0 AND rp.domain IS NOT "
        "NULL"
        "  GROUP BY 1, 2),"
        " y AS (SELECT d, ip, bad, org, sum(tot) OVER (PARTITION BY d) AS all_n,"
        "  sum(bad) OVER (PARTITION BY d) AS all_bad,"
        "  sum(bad > 0) OVER (PARTITION BY d) AS n_ip,"
        "  row_number() OVER (PARTITION BY d ORDER BY bad DESC, ip) AS rn FROM x)"
        " SELECT d, ip, bad, org, all_n, all_bad, n_ip FROM y WHERE rn = 1 AND all_bad > 0"
        " ORDER BY all_bad DESC, d" RECO_LIMIT_SQL,
        &g);
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "unauthenticated sources in DMARC reports");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *d = nz(r->t[0]), *ip = nz(r->t[1]);
        long long top = (long long)r->n[2], all = (long long)r->n[4], bad = (long long)r->n[5],
                  nip = (long long)r->n[6];
        rsec_item(s, c->r, RS_WARNING, clamp_score(bad), "dmarc_aggregate_unauth",
                  rprintf(c->r,
                          "Find who sends as %s from %s%s: authenticate it if it is yours "
                          "(a forgotten service), else it is spoofing",
                          d, ip, nip > 1 ? " and the other unauthenticated IPs" : ""),
                  rprintf(c->r,
                          "DMARC aggregate reports count %lld of %lld messages as %s (%.1f%%) "
                          "from %lld %s that passed neither DKIM nor SPF; %s sent %lld of "
                          "them (reported by %s)",
                          bad, all, d, pct(bad, all), nip, plural(nip, "IP", "IPs"), ip, top,
                          nz(r->t[3])),
                  ip);
    }
    return 0;
}

/* ---- content ---- */

/* the scored messages with copies placed in spam or inbox, with their
 * numbers of such copies (r_cp: the sums over the copies are the sums over
 * the messages of their counts, and each message's hits are read once
 * rather than once per copy) */
#define RULE_CP                                                                                    \
    "WITH cp AS (SELECT y.message_id AS mid, coalesce(y.n_spam, 0) AS sp,"                         \
    "  coalesce(y.n_inbox, 0) AS ib FROM r_cp y"                                                   \
    "  JOIN content_scores cs ON cs.message_id = y.message_id"                                     \
    "  WHERE y.n_spam > 0 OR y.n_inbox > 0)"

/* the findings: the rules hitting most spam-placed copies and few inbox ones */
#define CONTENT_SQL                                                                                \
    "WITH tot AS (SELECT sp, ib FROM r_rec_tot),"                                                  \
    " h AS (SELECT k1 AS rule, a1 AS hsp, a2 AS hib, a3 AS descr, a4 AS snip,"                     \
    "  a5 AS kind FROM r_agg_rc)"                                                                  \
    " SELECT h.rule, h.hsp, tot.sp, h.hib, tot.ib, h.descr, h.snip, h.kind"                        \
    " FROM h, tot WHERE tot.sp >= 2 AND tot.ib >= 1 AND h.hsp >= 2"                                \
    " AND h.hsp * 2 > tot.sp AND h.hib * 5 <= tot.ib"                                              \
    " ORDER BY CAST(h.hsp AS REAL) / tot.sp - CAST(h.hib AS REAL) / tot.ib DESC,"                  \
    " h.hsp DESC, h.rule" RECO_LIMIT_SQL

/* The hits per rule on the placed copies, into r_agg_rc(k1 rule, a1 spam
 * copies, a2 inbox copies, a3 max(description), a4 max(snippet), a5
 * max(kind)) as rctx_hashagg makes it, and the copies of the placed scored
 * messages into r_rec_tot(sp, ib) (sum(sp), sum(ib) of RULE_CP's rows), in
 * one pass over the join with raw columns, grouped in C (0.65 s and 0.13 s
 * of CPU on the bench database for the two; 0.63 s now). 0 done, 1 (a
 * value that is neither text nor NULL, or more than KG_MAX_GROUPS rules)
 * left to SQL, -1 error. */
/* One hit (rule in column k, then description, snippet, kind) of a
 * message with sp spam and ib inbox copies into the groups; false: left to
 * SQL. */
static bool content_hit(struct kgtab *tb, sqlite3_stmt *q, int k, int64_t sp, int64_t ib)
{
    struct kgroup *g = sqlite3_column_type(q, k) == SQLITE_TEXT ? kg_of(tb, q, k) : NULL;
    if (!g || !kg_max_text(g, 0, q, k + 1) || !kg_max_text(g, 1, q, k + 2) ||
        !kg_max_text(g, 2, q, k + 3))
        return false;
    g->sum += sp;
    g->sum2 += ib;
    return true;
}

/* content_hit in two halves, for the pass over the whole database: the
 * sums of every rule (the rule in column k, no text read), then the texts
 * (description, snippet, kind after it) of the rules a finding cites. */
static bool content_hit_sums(struct kgtab *tb, sqlite3_stmt *q, int k, int64_t sp, int64_t ib)
{
    struct kgroup *g = sqlite3_column_type(q, k) == SQLITE_TEXT ? kg_of(tb, q, k) : NULL;
    if (!g) return false;
    g->sum += sp;
    g->sum2 += ib;
    return true;
}

static bool content_hit_texts(struct kgtab *tb, sqlite3_stmt *q, int k)
{
    struct kgroup *g = sqlite3_column_type(q, k) == SQLITE_TEXT ? kg_of(tb, q, k) : NULL;
    return g && kg_max_text(g, 0, q, k + 1) && kg_max_text(g, 1, q, k + 2) &&
           kg_max_text(g, 2, q, k + 3);
}

/* A scan in message order (the message id in column 0). */
struct mcur {
    sqlite3_stmt *s;
    bool row;
    int64_t mid;
};

/* Its next row: 0; 1 a message id that is not an integer (the rows are
 * then not in the order of the ids: left to SQL); -1 error. */
static int mcur_next(struct mcur *m)
{
    int rc = sqlite3_step(m->s);
    m->row = rc == SQLITE_ROW;
    if (!m->row) return rc == SQLITE_DONE ? 0 : -1;
    if (sqlite3_column_type(m->s, 0) != SQLITE_INTEGER) return 1;
    m->mid = sqlite3_column_int64(m->s, 0);
    return 0;
}

/* Past the rows of messages before id. */
static int mcur_seek(struct mcur *m, int64_t id)
{
    int rc = 0;
    while (rc == 0 && m->row && m->mid < id)
        rc = mcur_next(m);
    return rc;
}

/* The join's rows over the whole database: two scans in message order
 * (r_cp's placed and scored messages, rule_hits) merged, where the join
 * sought each placed message in rule_hits (0.1 s less on the bench
 * database). Whether a placed message is scored is an IN on content_scores'
 * rowid inside the first scan: a third scan beside it, stepped from C, had
 * cost more than SQLite's search of each id.
 * Without texts, the hits' rules only, summed (content_hit_sums); with
 * them, the hits of the rules in r_rec_cited, their texts
 * (content_hit_texts). 0, 1 left to SQL, -1 error. */
static int content_merge(struct rctx *c, struct kgtab *tb, int64_t *tsp, int64_t *tib, bool *any,
                         bool texts)
{
    const char *const sql[] = {
        "SELECT message_id, coalesce(n_spam, 0), coalesce(n_inbox, 0) FROM r_cp"
        " WHERE (n_spam > 0 OR n_inbox > 0)"
        " AND message_id IN (SELECT message_id FROM content_scores) ORDER BY message_id",
        texts ? "SELECT message_id, rule, description, snippet, kind FROM rule_hits NOT INDEXED"
                " WHERE rule IN (SELECT rule FROM temp.r_rec_cited) ORDER BY message_id"
              : "SELECT message_id, rule FROM rule_hits ORDER BY message_id",
    };
    struct mcur m[2] = {{NULL, false, 0}, {NULL, false, 0}};
    int rc = 0;
    for (int k = 0; k < 2 && rc == 0; k++)
        if (sqlite3_prepare_v2(c->db, sql[k], -1, &m[k].s, NULL) != SQLITE_OK)
            rc = 1; /* an older database: the SQL path says */
    for (int k = 0; k < 2 && rc == 0; k++)
        rc = mcur_next(&m[k]);
    while (rc == 0 && m[0].row) { /* a placed, scored message */
        int64_t mid = m[0].mid;
        int64_t sp = sqlite3_column_int64(m[0].s, 1), ib = sqlite3_column_int64(m[0].s, 2);
        *tsp += sp;
        *tib += ib;
        *any = true;
        rc = mcur_seek(&m[1], mid);
        while (rc == 0 && m[1].row && m[1].mid == mid) {
            if (!(texts ? content_hit_texts(tb, m[1].s, 1)
                        : content_hit_sums(tb, m[1].s, 1, sp, ib)))
                rc = 1;
            if (rc == 0) rc = mcur_next(&m[1]);
        }
        if (rc == 0) rc = mcur_next(&m[0]);
    }
    if (rc < 0) snprintf(c->err, sizeof c->err, "content rules: %s", sqlite3_errmsg(c->db));
    for (int k = 0; k < 2; k++)
        sqlite3_finalize(m[k].s);
    return rc;
}

/* The same rows by the join, from a period's placed messages. */
static int content_join(struct rctx *c, struct kgtab *tb, int64_t *tsp, int64_t *tib, bool *any)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT y.message_id, coalesce(y.n_spam, 0), coalesce(y.n_inbox, 0),"
                           " h.rule, h.description, h.snippet, h.kind"
                           " FROM r_cp y CROSS JOIN content_scores cs ON cs.message_id ="
                           " y.message_id LEFT JOIN rule_hits h ON h.message_id = y.message_id"
                           " WHERE y.n_spam > 0 OR y.n_inbox > 0",
                           -1, &q, NULL) != SQLITE_OK)
        return 1; /* an older database: the SQL path says */
    int64_t sp = 0, ib = 0, last = 0;
    int rc = 0, step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t mid = sqlite3_column_int64(q, 0);
        if (!*any || mid != last) { /* a message's first row: its copies count once */
            sp = sqlite3_column_int64(q, 1);
            ib = sqlite3_column_int64(q, 2);
            *tsp += sp;
            *tib += ib;
            last = mid;
            *any = true;
        }
        if (sqlite3_column_type(q, 3) == SQLITE_NULL) continue; /* no hit (rule is NOT NULL) */
        if (!content_hit(tb, q, 3, sp, ib)) {
            rc = 1;
            break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) {
        snprintf(c->err, sizeof c->err, "content rules: %s", sqlite3_errmsg(c->db));
        rc = -1;
    }
    sqlite3_finalize(q);
    return rc;
}

/* The pass (*texts_left: over the whole database, the sums only, the
 * texts left NULL for content_texts). */
static int content_c_pass(struct rctx *c, bool *texts_left)
{
    struct kgtab tb = {0};
    int64_t tsp = 0, tib = 0;
    bool any = false;
    *texts_left = c->whole;
    int rc = c->whole ? content_merge(c, &tb, &tsp, &tib, &any, false)
                      : content_join(c, &tb, &tsp, &tib, &any);
    sqlite3_stmt *ins = NULL;
    if (rc == 0 &&
        (rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_agg_rc; DROP TABLE IF EXISTS temp.r_rec_tot;"
                          "CREATE TEMP TABLE r_agg_rc(k1, a1, a2, a3, a4, a5);"
                          "CREATE TEMP TABLE r_rec_tot(sp, ib)") != 0 ||
         rctx_begin(c) != 0))
        rc = -1;
    else if (rc == 0) {
        if (sqlite3_prepare_v2(c->db, "INSERT INTO r_agg_rc VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
                               &ins, NULL) != SQLITE_OK)
            rc = -1;
        for (size_t i = 0; rc == 0 && i < tb.n; i++) {
            const struct kgroup *g = &tb.g[i];
            bind_key(ins, 1, g);
            sqlite3_bind_int64(ins, 2, g->sum);
            sqlite3_bind_int64(ins, 3, g->sum2);
            for (int k = 0; k < 3; k++)
                bind_tx(ins, 4 + k, g, k);
            if (sqlite3_step(ins) != SQLITE_DONE) rc = -1;
            sqlite3_reset(ins);
        }
        sqlite3_finalize(ins);
        if (rc == 0) { /* sum() of no rows is NULL */
            if (sqlite3_prepare_v2(c->db, "INSERT INTO r_rec_tot VALUES (?1, ?2)", -1, &ins,
                                   NULL) != SQLITE_OK)
                rc = -1;
            else {
                bind_opt(ins, 1, any, tsp);
                bind_opt(ins, 2, any, tib);
                if (sqlite3_step(ins) != SQLITE_DONE) rc = -1;
                sqlite3_finalize(ins);
            }
        }
        if (rc != 0) {
            snprintf(c->err, sizeof c->err, "content rules: %s", sqlite3_errmsg(c->db));
            rctx_rollback(c);
        } else
            rc = rctx_commit(c);
    }
    kg_free(&tb);
    return rc;
}

/* The texts of the rules the findings cite, into r_agg_rc (a3, a4, a5,
 * left NULL by the whole database's pass): a pass over those rules' hits.
 * Every hit's description, snippet and kind had been read and compared
 * (1.5 million on the bench database, where no rule is cited). 0, 1 left
 * to SQL, -1 error. */
static int content_texts(struct rctx *c)
{
    if (rctx_exec_sql(c,
                      "DROP TABLE IF EXISTS temp.r_rec_cited;"
                      "CREATE TEMP TABLE r_rec_cited AS SELECT rule FROM (" CONTENT_SQL ")") != 0)
        return -1;
    struct kgtab tb = {0};
    int64_t tsp = 0, tib = 0;
    bool any = false;
    int rc = content_merge(c, &tb, &tsp, &tib, &any, true);
    sqlite3_stmt *up = NULL;
    if (rc == 0 &&
        sqlite3_prepare_v2(c->db, "UPDATE r_agg_rc SET a3 = ?2, a4 = ?3, a5 = ?4 WHERE k1 = ?1", -1,
                           &up, NULL) != SQLITE_OK)
        rc = -1;
    for (size_t i = 0; rc == 0 && i < tb.n; i++) {
        const struct kgroup *g = &tb.g[i];
        bind_key(up, 1, g);
        for (int k = 0; k < 3; k++)
            bind_tx(up, 2 + k, g, k);
        if (sqlite3_step(up) != SQLITE_DONE) rc = -1;
        sqlite3_reset(up);
    }
    if (rc < 0) snprintf(c->err, sizeof c->err, "content rules: %s", sqlite3_errmsg(c->db));
    sqlite3_finalize(up);
    kg_free(&tb);
    return rc;
}

/* the SQL path: the hits per rule on the placed copies by rctx_hashagg
 * (no sort), the totals by SQL */
static int content_sql_pass(struct rctx *c)
{
    if (rctx_hashagg(c,
                     RULE_CP " SELECT h.rule, cp.sp, cp.ib, h.description,"
                             " h.snippet, h.kind FROM cp JOIN rule_hits h ON h.message_id = cp.mid",
                     1, "ssxxx", "r_agg_rc") != 0)
        return -1;
    return rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_rec_tot;"
                            "CREATE TEMP TABLE r_rec_tot(sp, ib);"
                            "INSERT INTO r_rec_tot " RULE_CP " SELECT sum(sp), sum(ib) FROM cp");
}

static int rule_content(struct rctx *c, struct rsection *s)
{
    struct qrow *g;
    bool texts_left = false;
    int prc = content_c_pass(c, &texts_left);
    if (prc < 0 || (prc == 1 && content_sql_pass(c) != 0)) return -1;
    long n = query(c, CONTENT_SQL, &g);
    if (n > 0 && prc == 0 && texts_left) {
        int trc = content_texts(c);
        if (trc < 0 || (trc == 1 && content_sql_pass(c) != 0)) return -1;
        n = query(c, CONTENT_SQL, &g);
    }
    if (n <= 0) return (int)n;
    n = capped(c, s, n, "content rules");
    for (long i = 0; i < n; i++) {
        const struct qrow *r = &g[i];
        const char *rule = nz(r->t[0]), *kind = r->t[7] ? r->t[7] : "";
        long long hsp = (long long)r->n[1], sp = (long long)r->n[2], hib = (long long)r->n[3],
                  ib = (long long)r->n[4];
        bool content = strcmp(kind, "body") == 0 || strcmp(kind, "rawbody") == 0 ||
                       strcmp(kind, "uri") == 0 || strcmp(kind, "full") == 0;
        const char *desc = r->t[5] ? rprintf(c->r, " (%s)", r->t[5]) : "";
        rsec_item(s, c->r, RS_WARNING, clamp_score(hsp), "content_rule_spam",
                  content ? rprintf(c->r, "Change the content that triggers %s%s", rule, desc)
                          : rprintf(c->r, "Fix what triggers %s%s", rule, desc),
                  rprintf(c->r,
                          "%s hits %lld of %lld spam-placed copies and %lld of %lld inbox "
                          "copies",
                          rule, hsp, sp, hib, ib),
                  r->t[6]);
    }
    return 0;
}

/* The four DKIM rules from one pass over the signatures (dk_pass); the
 * body-hash fold only when some signature fails so (an EXISTS that stops at
 * the first one). */
static int rules_dkim(struct rctx *c, struct rsection *s)
{
    int64_t any = 0;
    if (rctx_int(c,
                 rprintf(c->r,
                         "SELECT EXISTS (SELECT 1 FROM %s WHERE %s"
                         " AND k.result = 'fail' AND k.reason LIKE 'body hash mismatch%%')",
                         msg_from(c, "dkim_signatures", "k"), msg_sent(c)),
                 NULL, &any) != 0)
        return -1;
    enum dk_built built;
    if (dk_pass(c, any != 0, &built) != 0 || rule_dkim_body_hash(c, s, built) != 0 ||
        rule_dkim_key_missing(c, s, built) != 0 || rule_dkim_key_size(c, s, built) != 0)
        return -1;
    return rule_dkim_testing(c, s, built);
}

/* The rules that share a pass: the pass, then each rule in the order of
 * the list below (items are emitted in the same order as before). */
static int rules_dmarc(struct rctx *c, struct rsection *s)
{
    int prc = dmarc_c_pass(c);
    if (prc < 0 || (prc == 1 && dmarc_pass(c) != 0) || rule_dmarc_missing(c, s) != 0 ||
        rule_dmarc_fail(c, s) != 0)
        return -1;
    return rule_dmarc_policy_none(c, s);
}

static int rules_spf(struct rctx *c, struct rsection *s)
{
    if (spf_pass(c) != 0 || rule_spf_fail(c, s) != 0 || rule_spf_permerror(c, s) != 0) return -1;
    return rule_spf_missing(c, s);
}

static int rules_iprev(struct rctx *c, struct rsection *s)
{
    if (iprev_pass(c) != 0 || rule_ptr(c, s) != 0) return -1;
    return rule_helo(c, s);
}

/* ---- the section ---- */

static int item_cmp(const void *pa, const void *pb)
{
    const struct ritem *a = pa, *b = pb;
    if (a->severity != b->severity) return a->severity < b->severity ? -1 : 1;
    if (a->score != b->score) return a->score > b->score ? -1 : 1;
    int k = strcmp(a->key, b->key);
    if (k) return k;
    return strcmp(a->title ? a->title : "", b->title ? b->title : "");
}

int sec_recommendations(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "recommendations", "What to fix first");
    static int (*const rules[])(struct rctx *, struct rsection *) = {
        rules_dkim,        rules_dmarc,          rules_spf,       rule_blocklist,
        rule_bounces,      rule_deferrals,       rule_complaints, rules_iprev,
        rule_requirements, rule_dmarc_aggregate, rule_content,
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i](c, s) != 0) return -1;
    if (s->n_items) {
        qsort(s->items, s->n_items, sizeof *s->items, item_cmp);
        if (!c->scope.domain)
            rsec_note(s, c->r,
                      "These findings cover every From domain in the database, "
                      "including mail received from others: use --domain to see only "
                      "yours.");
        return 0;
    }
    int64_t msgs = 0, dlv = 0;
    if (rctx_int(c, "SELECT count(*) FROM r_msg", NULL, &msgs) != 0) return -1;
    if (rctx_int(c, "SELECT coalesce(sum(n), 0) FROM r_dcube", NULL, &dlv) != 0) return -1;
    rsec_empty(s, c->r,
               msgs + dlv == 0 ? "no messages or deliveries in this period"
                               : "nothing to fix was found in this period");
    return 0;
}
