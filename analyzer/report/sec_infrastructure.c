/* sec_infrastructure — where the sent mail came from and how it was
 * received: the sending IPs of the messages in scope (their entry hop as
 * rebuilt at verification: iprev_results) with PTR and forward
 * confirmation, copies and the spam share of each IP (r_copy), the HELO
 * names and their checks, TLS on the receiving (entry) hop, and the
 * open-relay signs of the MTA logs (report/openrelay.c). Feedback messages
 * are left out. */
#include "report/cagg.h"
#include "report/openrelay.h"
#include "report/rctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

#define TOP_IPS 25
#define TOP_HELOS 25
#define TOP_RECEIVERS 15

/* ---- the entry-hop aggregates in C (whole scope) ----
 * pass_sql (below) read iprev_results with r_cp looked up a message and
 * built 26 columns a row for four groupings (0.70 s of the section's
 * 0.74 s for a million messages). Over the whole database iprev_results
 * and r_cp (and r_msg, when some messages are feedback) are read side by
 * side in message-id order (a merge, no lookups) and infra_pass makes the
 * four TEMP tables from the raw columns, as rctx_hashagg_multi made them
 * from pass_sql (report/cagg.h). pass_sql stays the definition and the
 * path of a narrower scope; a value the pass would not reproduce exactly
 * (a REAL, a text in an integer column, too many groups) sends the section
 * to it. Tests set infra_c to false to run the SQL and compare
 * (tests/unit/test_report_infra.c). */
static bool infra_c = true;

static const char *const infra_streams[] = {
    "SELECT message_id, ip, result, ptr_names, confirmed_name, helo, tls, helo_fqdn,"
    " helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr, helo_reason,"
    " received_by FROM iprev_results ORDER BY message_id",
    "SELECT message_id, n_copy, n_spam, n_inbox FROM r_cp ORDER BY message_id",
    "SELECT id FROM r_msg WHERE feedback_kind IS NULL ORDER BY id",
};
enum { I_IP, I_HELO, I_RCV, I_ONE, I_N };
static const struct cagg_tab infra_shape[I_N] = {
    {.dest = "r_agg_ip",
     .cols = "k1, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10",
     .ops = "xxxxnsssss",
     .nkeys = 1},
    {.dest = "r_agg_helo",
     .cols = "k1, k2, a1, a2, a3, a4, a5, a6, a7",
     .ops = "nxxxssx",
     .nkeys = 2},
    {.dest = "r_agg_rcv", .cols = "k1, a1, a2, a3, a4, a5", .ops = "nsssa", .nkeys = 1},
    {.dest = "r_agg_infra", .cols = "k1, a1, a2, a3, a4", .ops = "nasa", .nkeys = 1},
};
/* The rows are first grouped by (ip, helo, received_by) as stored, every
 * aggregate of the four tables kept per group (F_* below), and the four
 * tables made from those few groups: one group lookup a row instead of
 * four (each of these aggregates can be summed again: counts, integer
 * sums, max, and averages of integers >= 0, report/cagg.h). */
enum {
    F_RESULT,    /* x */
    F_PTR,       /* x */
    F_CONFIRMED, /* x */
    F_N,         /* n */
    F_COPY,      /* s y.n_copy */
    F_SPAM,      /* s y.n_spam */
    F_INBOX,     /* s y.n_inbox */
    F_BOTH,      /* s y.n_spam + y.n_inbox */
    F_TLS_ON,    /* s CASE WHEN i.tls THEN 1 ELSE 0 END */
    F_FQDN,      /* x */
    F_LITERAL,   /* x */
    F_RESOLVES,  /* x */
    F_POINTS,    /* s */
    F_MATCHES,   /* s */
    F_REASON,    /* x helo_reason */
    F_TLS1,      /* s i.tls = 1 */
    F_TLS0,      /* s i.tls = 0 */
    F_TLSNULL,   /* s i.tls IS NULL */
    F_TLS,       /* a i.tls */
    F_IPREV,     /* a CASE WHEN i.ip IS NOT NULL THEN i.result = 'pass' END */
    F_NOTFQDN,   /* s i.helo IS NOT NULL AND NOT i.helo_fqdn AND NOT i.helo_ip_literal */
    F_NOPS
};
#define FINE_OPS "xxxnsssssxxxssxsssaas"
_Static_assert(sizeof FINE_OPS - 1 == F_NOPS, "an op a fine aggregate");
static const struct cagg_tab fine_shape = {.ops = FINE_OPS, .nkeys = 3};

/* SQL's `x = k` for an integer column value (NULL stays NULL). */
static struct cval int_is(const struct cval *x, int64_t k)
{
    return x->t == SQLITE_NULL ? cval_null : cval_int(x->i == k);
}

/* One entry hop (i: iprev_results' row) with its copies (y: r_cp's row, or
 * NULL): pass_sql's row, added to its (ip, helo, received_by) group of f.
 * false: SQL. */
static bool entry_row(struct cagg_tab *f, struct sqlval_key *kb, sqlite3_stmt *i, sqlite3_stmt *y)
{
    struct cval v[14], cp[4] = {cval_null, cval_null, cval_null, cval_null};
    for (int k = 1; k < 14; k++)
        if (!cval_col(i, k, &v[k])) return false;
    for (int k = 1; y && k < 4; k++)
        if (!cval_col(y, k, &cp[k]) || (cp[k].t != SQLITE_NULL && cp[k].t != SQLITE_INTEGER))
            return false;
    /* tls an integer or NULL, the HELO checks integers (NOT NULL) */
    if (v[6].t != SQLITE_NULL && v[6].t != SQLITE_INTEGER) return false;
    for (int k = 7; k < 12; k++)
        if (v[k].t != SQLITE_INTEGER) return false;
    const struct cval *ip = &v[1], *result = &v[2], *helo = &v[5], *tls = &v[6];
    /* y.n_spam + y.n_inbox */
    struct cval both = cval_null;
    if (cp[2].t != SQLITE_NULL && cp[3].t != SQLITE_NULL) {
        int64_t sum;
        if (__builtin_add_overflow(cp[2].i, cp[3].i, &sum)) return false;
        both = cval_int(sum);
    }
    struct cval keys[3] = {*ip, *helo, v[13]};
    struct cval args[F_NOPS] = {
        [F_RESULT] = *result,
        [F_PTR] = v[3],
        [F_CONFIRMED] = v[4],
        [F_N] = cval_null,
        [F_COPY] = cp[1],
        [F_SPAM] = cp[2],
        [F_INBOX] = cp[3],
        [F_BOTH] = both,
        [F_TLS_ON] = cval_int(tls->t != SQLITE_NULL && tls->i != 0),
        [F_FQDN] = v[7],
        [F_LITERAL] = v[8],
        [F_RESOLVES] = v[9],
        [F_POINTS] = v[10],
        [F_MATCHES] = v[11],
        [F_REASON] = v[12],
        [F_TLS1] = int_is(tls, 1),
        [F_TLS0] = int_is(tls, 0),
        [F_TLSNULL] = cval_int(tls->t == SQLITE_NULL),
        [F_TLS] = *tls,
        [F_IPREV] = ip->t == SQLITE_NULL ? cval_null : cval_int(cval_is(result, "pass")),
        [F_NOTFQDN] = cval_int(helo->t != SQLITE_NULL && v[7].i == 0 && v[8].i == 0),
    };
    return cagg_add(f, kb, keys, args);
}

/* Group g of table t for the keys k[0..t->nkeys): its aggregates op by op
 * from the fine group's (from[k]; -1: the value v, for the HELO per IP).
 * false: SQL. */
static bool derive(struct cagg_tab *t, struct sqlval_key *kb, const struct cval *keys,
                   const struct cagg_grp *fg, const int *from, const struct cval *v)
{
    kb->n = 0;
    for (int k = 0; k < t->nkeys; k++)
        cagg_key_put(kb, &keys[k]);
    struct cagg_grp *g = cagg_group(t, kb);
    if (!g) return false;
    for (int k = 0; t->ops[k]; k++) {
        struct cagg_acc one = {.has = v && v->t != SQLITE_NULL};
        if (from[k] < 0 && v) one.v = *v;
        if (!cagg_merge(&g->a[k], t->ops[k], from[k] < 0 ? &one : &fg->a[from[k]])) return false;
    }
    return true;
}

/* The four tables from the fine groups of f. false: SQL. */
static bool derive_all(struct cagg_tab *t, const struct cagg_tab *f, struct sqlval_key *kb)
{
    static const int ip_from[] = {F_RESULT, F_PTR,  F_CONFIRMED, -1,     F_N,
                                  F_COPY,   F_SPAM, F_INBOX,     F_BOTH, F_TLS_ON};
    static const int helo_from[] = {F_N,      F_FQDN,    F_LITERAL, F_RESOLVES,
                                    F_POINTS, F_MATCHES, F_REASON};
    static const int rcv_from[] = {F_N, F_TLS1, F_TLS0, F_TLSNULL, F_TLS};
    static const int one_from[] = {F_N, F_IPREV, F_NOTFQDN, F_TLS};
    struct cval unknown = cval_text("(unknown)"), one = cval_int(1);
    for (size_t i = 0; i < f->n; i++) {
        const struct cagg_grp *fg = &f->g[i];
        struct cval ip, helo, rcv;
        const unsigned char *p = fg->kb;
        p += cagg_key_get(p, &ip);
        p += cagg_key_get(p, &helo);
        cagg_key_get(p, &rcv);
        /* coalesce(x, '(unknown)') */
        struct cval ipk = ip.t == SQLITE_NULL ? unknown : ip;
        struct cval helo_keys[2] = {helo.t == SQLITE_NULL ? unknown : helo, ip};
        struct cval rcvk = rcv.t == SQLITE_NULL ? unknown : rcv;
        if (!derive(&t[I_IP], kb, &ipk, fg, ip_from, &helo) ||
            !derive(&t[I_HELO], kb, helo_keys, fg, helo_from, NULL) ||
            !derive(&t[I_RCV], kb, &rcvk, fg, rcv_from, NULL) ||
            !derive(&t[I_ONE], kb, &one, fg, one_from, NULL))
            return false;
    }
    return true;
}

/* The pass (see above). 0: the tables are made; 1: take the SQL path; -1:
 * error (c->err). */
static int infra_pass(struct rctx *c, bool all_sent)
{
    sqlite3_stmt *q[3] = {0};
    struct cagg_tab t[I_N], f = fine_shape;
    for (int k = 0; k < I_N; k++)
        t[k] = infra_shape[k];
    struct sqlval_key kb = {0};
    int rc = 0, n_q = all_sent ? 2 : 3;
    for (int k = 0; k < n_q && rc == 0; k++)
        if (sqlite3_prepare_v2(c->db, infra_streams[k], -1, &q[k], NULL) != SQLITE_OK)
            rc = 1; /* an older database: the SQL path says what it gives */
    if (rc == 0) {
        /* (each stream's message id read once a row) */
        int si = SQLITE_ROW, sy = sqlite3_step(q[1]),
            sm = all_sent ? SQLITE_DONE : sqlite3_step(q[2]);
        int64_t iy = sy == SQLITE_ROW ? sqlite3_column_int64(q[1], 0) : 0,
                im = sm == SQLITE_ROW ? sqlite3_column_int64(q[2], 0) : 0;
        bool ok = true;
        while (ok && (si = sqlite3_step(q[0])) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(q[0], 0);
            if (!all_sent) { /* a sent message of r_msg only */
                while (sm == SQLITE_ROW && im < id)
                    if ((sm = sqlite3_step(q[2])) == SQLITE_ROW) im = sqlite3_column_int64(q[2], 0);
                if (sm != SQLITE_ROW || im != id) continue;
            }
            while (sy == SQLITE_ROW && iy < id)
                if ((sy = sqlite3_step(q[1])) == SQLITE_ROW) iy = sqlite3_column_int64(q[1], 0);
            bool copies = sy == SQLITE_ROW && iy == id;
            ok = entry_row(&f, &kb, q[0], copies ? q[1] : NULL);
        }
        if ((si != SQLITE_DONE && si != SQLITE_ROW) || (sy != SQLITE_DONE && sy != SQLITE_ROW) ||
            (sm != SQLITE_DONE && sm != SQLITE_ROW)) {
            snprintf(c->err, sizeof c->err, "report infrastructure: %s", sqlite3_errmsg(c->db));
            rc = -1;
        } else if (!ok || !derive_all(t, &f, &kb))
            rc = 1;
    }
    for (int k = 0; k < 3; k++)
        sqlite3_finalize(q[k]);
    for (int k = 0; k < I_N && rc == 0; k++)
        rc = cagg_store(c, &t[k]);
    for (int k = 0; k < I_N; k++)
        cagg_free(&t[k]);
    cagg_free(&f);
    free(kb.p);
    return rc;
}

int sec_infrastructure(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s = rsec_add(r, "infrastructure", "Infrastructure");
    int64_t n_msg = 0, n_checked = 0;
    /* One pass over the entry hops (iprev_results, one row per message)
     * feeds every aggregate of the section (it had been eight passes: 2.5 s
     * of a 1M-message report):
     *   r_agg_ip     per IP, with its copies counted (r_cp);
     *   r_agg_helo   per (HELO, IP): the HELO table re-aggregates it per
     *                HELO (counting its IPs), the headline counts the IPs;
     *   r_agg_rcv    per receiving host, TLS counts;
     *   r_agg_infra  one row: messages checked, the iprev pass rate over
     *                those with an IP, HELOs not fully qualified, TLS rate.
     * Every aggregate is a count, an integer sum, a max, or an average of
     * 0/1 values, so re-aggregating and the order of the rows change no
     * number. */
    static const char pass_sql[] =
        "SELECT coalesce(i.ip, '(unknown)'), i.result, i.ptr_names, i.confirmed_name, i.helo, 1,"
        " y.n_copy, y.n_spam, y.n_inbox, y.n_spam + y.n_inbox, CASE WHEN i.tls THEN 1 ELSE 0 END,"
        /* 11 */ " coalesce(i.helo, '(unknown)'), i.ip, i.helo_fqdn, i.helo_ip_literal,"
        " i.helo_resolves, i.helo_points_to_ip, i.helo_matches_ptr, i.helo_reason,"
        /* 19 */ " coalesce(i.received_by, '(unknown)'), i.tls = 1, i.tls = 0, i.tls IS NULL, "
        "i.tls,"
        /* 24 */ " CASE WHEN i.ip IS NOT NULL THEN i.result = 'pass' END,"
        " i.helo IS NOT NULL AND NOT i.helo_fqdn AND NOT i.helo_ip_literal"
        " FROM %s LEFT JOIN r_cp y ON y.message_id = i.message_id%s";
    static const int ip_keys[] = {0}, ip_args[] = {1, 2, 3, 4, 0, 6, 7, 8, 9, 10};
    static const int helo_keys[] = {11, 12}, helo_args[] = {0, 13, 14, 15, 16, 17, 18};
    static const int rcv_keys[] = {19}, rcv_args[] = {0, 20, 21, 22, 23};
    static const int one_key[] = {5}, one_args[] = {0, 24, 25, 23};
    static const struct rctx_agg aggs[] = {
        {"r_agg_ip", 1, ip_keys, "xxxxnsssss", ip_args, NULL},
        {"r_agg_helo", 2, helo_keys, "nxxxssx", helo_args, NULL},
        {"r_agg_rcv", 1, rcv_keys, "nsssa", rcv_args, NULL},
        {"r_agg_infra", 1, one_key, "nasa", one_args, NULL},
    };
    int by_c = 1;
    if (rctx_sent_messages(c, &n_msg) != 0 ||
        (c->whole && infra_c && (by_c = infra_pass(c, rctx_all_sent(c))) < 0) ||
        (by_c == 1 &&
         rctx_hashagg_multi(c,
                            /* every message in scope and none feedback: the
                             * entry hops alone, without the join */
                            rctx_all_sent(c)
                                ? rprintf(r, pass_sql, "iprev_results i", "")
                                : rprintf(r, pass_sql,
                                          "r_msg r JOIN iprev_results i ON i.message_id = r.id",
                                          " WHERE r.feedback_kind IS NULL"),
                            aggs, (int)(sizeof aggs / sizeof aggs[0])) != 0) ||
        rctx_int(c, "SELECT a1 FROM r_agg_infra", NULL, &n_checked) != 0)
        return -1;

    if (n_checked > 0) {
        if (rctx_fact_int(c, s, "sending_ips", "sending IPs",
                          "SELECT count(DISTINCT k2) FROM r_agg_helo", 0, NULL) != 0 ||
            rctx_fact_pct(c, s, "iprev_pass_rate", "PTR forward-confirmed (iprev pass)",
                          "SELECT a2 FROM r_agg_infra", +1) != 0 ||
            rctx_fact_int(c, s, "helo_not_fqdn",
                          "messages whose HELO is not a fully qualified name",
                          "SELECT a3 FROM r_agg_infra", -1, NULL) != 0 ||
            rctx_fact_pct(c, s, "tls_rate", "received over TLS (entry hop)",
                          "SELECT a4 FROM r_agg_infra", +1) != 0)
            return -1;

        /* per sending IP: the copies and their placement (r_cp) */
        if (rctx_table(
                c, s, "sending_ips", "Sending IPs",
                "the client of the entry hop, with its reverse DNS; spam share = spam copies / "
                "copies whose placement is known",
                "ip:t:IP|iprev:t:iprev (one)|ptr_names:t:PTR "
                "names|confirmed_name:t:Forward-confirmed "
                "name|helo:t:HELO (one)|messages:i:Messages|copies:i:Copies|spam:i:Spam|"
                "inbox:i:Inbox|spam_share:p:Spam share|tls:i:Over TLS",
                TOP_IPS,
                /* r_agg_ip: per IP, from one row per message (iprev_results
                 * has one per message) with its copies counted (r_cp) */
                "SELECT k1, a1, a2, a3, a4, a5, coalesce(a6, 0), a7, a8,"
                " CAST(a7 AS REAL) / nullif(a9, 0), a10 FROM r_agg_ip"
                " ORDER BY a5 DESC, k1 LIMIT 26") != 0)
            return -1;

        if (rctx_table(
                c, s, "helo_names", "HELO names",
                "fqdn, ip_literal and resolves are 1 when true of the name; the next two count "
                "messages (they depend on the client IP)",
                "helo:t:HELO|ips:i:IPs|messages:i:Messages|fqdn:i:Fully qualified|"
                "ip_literal:i:IP literal|resolves:i:Resolves|points_to_ip:i:Messages where it "
                "resolves to "
                "the IP|matches_ptr:i:Messages where it matches the PTR|verdict:t:Verdict (one)",
                TOP_HELOS,
                "SELECT k1, count(k2), sum(a1), max(a2), max(a3), max(a4), sum(a5), sum(a6),"
                " max(a7) FROM r_agg_helo GROUP BY k1 ORDER BY 3 DESC, 1 LIMIT 26") != 0)
            return -1;

        if (rctx_table(
                c, s, "tls", "TLS on the receiving hop",
                "the entry hop of each message (where it entered the receiving organisation)",
                "received_by:t:Received by|messages:i:Messages|tls:i:TLS|no_tls:i:No TLS|"
                "unknown:i:No entry hop|tls_rate:p:TLS rate",
                TOP_RECEIVERS,
                "SELECT k1, a1, a2, a3, a4, a5 FROM r_agg_rcv ORDER BY 2 DESC, 1 LIMIT 16") != 0)
            return -1;
    }

    /* open-relay signs from the MTA logs */
    struct relay_opts ro = {.domains = c->scope.local_domains,
                            .n_domains = c->scope.n_local_domains,
                            .nets = c->scope.local_nets,
                            .n_nets = c->scope.n_local_nets};
    int64_t n_signs = 0, n_lines = 0;
    if (rctx_int(c, "SELECT count(*) FROM log_files", NULL, &n_lines) != 0) return -1;
    if (n_lines > 0) {
        if (openrelay_fill(c->db, &ro, c->scope.since, c->scope.until, r, s, &n_signs, c->err,
                           sizeof c->err) != 0)
            return -1;
        rsec_fact(s, r, "open_relay_signs", "open-relay signs (MTA logs)", rv_int(n_signs), -1);
    }

    if (n_checked == 0 && n_signs == 0)
        rsec_empty(s, r,
                   n_msg == 0 ? "no messages in this period"
                              : "no sending IP results: messages were ingested without "
                                "verification");
    else if (n_checked == 0)
        rsec_note(s, r, "%s",
                  n_msg == 0 ? "No messages in this period: only the MTA logs are shown."
                             : "The messages were ingested without verification: only the MTA "
                               "logs are shown.");
    return 0;
}
