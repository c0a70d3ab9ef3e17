/* sec_authentication — SPF, DKIM and DMARC of the sent messages in scope
 * (r_msg, feedback messages left out), as re-verified at ingest: pass rates
 * and alignment per From domain and per DKIM d=, the most frequent failure
 * reasons with an example Message-ID, the records the verification found
 * (SPF record, DMARC policy and where it was found, DKIM selectors with key
 * type, size and t=y), and how our verdicts compare with what the receivers
 * wrote (auth_claims).
 *
 * Rates: SPF over the messages with a MAIL FROM result; DKIM over the
 * verified messages (an unsigned message does not pass; a message passes
 * when any of its non-legacy signatures passes); DMARC and alignment over
 * the messages with a DMARC result. A message counts as verified when it
 * has any SPF, DKIM or DMARC row. Published records are those recorded with
 * the verdicts of the messages in scope (not the whole dns_records cache),
 * so that the period and --domain apply to them too. */
#include "report/rctx.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define TOP_DOMAINS 20
#define TOP_FAILURES 20
#define TOP_RECORDS 20
#define TOP_CLAIMS 30

/* Per From domain: counts; rates are computed here from them. */
struct dom_acc {
    struct rctx *c;
    struct rtable *t;
    size_t rows;
    int64_t messages, verified, spf_n, spf_pass, dkim_pass, dmarc_n, dmarc_pass, spf_aligned,
        dkim_aligned, dmarc_fail, testing, signatures, signatures_pass;
};

static struct rval rate(int64_t num, int64_t den)
{
    return den > 0 ? rv_pct((double)num / (double)den) : rv_null();
}

static int domain_row(void *ctx, sqlite3_stmt *q)
{
    struct dom_acc *a = ctx;
    int64_t v[13];
    for (int k = 0; k < 13; k++)
        v[k] = sqlite3_column_int64(q, k + 1);
    /* messages verified spf_n spf_pass dkim_pass dmarc_n dmarc_pass spf_al dkim_al dmarc_fail
     * testing signatures signatures_pass */
    a->messages += v[0];
    a->verified += v[1];
    a->spf_n += v[2];
    a->spf_pass += v[3];
    a->dkim_pass += v[4];
    a->dmarc_n += v[5];
    a->dmarc_pass += v[6];
    a->spf_aligned += v[7];
    a->dkim_aligned += v[8];
    a->dmarc_fail += v[9];
    a->testing += v[10];
    a->signatures += v[11];
    a->signatures_pass += v[12];
    if (a->rows >= TOP_DOMAINS) {
        a->t->truncated = true;
        return 0;
    }
    struct rval row[] = {
        rv_text(rctx_col_text(a->c, q, 0)),
        rv_int(v[0]),
        rv_int(v[1]),
        rv_int(v[3]),
        rate(v[3], v[2]),
        rv_int(v[4]),
        rate(v[4], v[1]),
        rv_int(v[6]),
        rate(v[6], v[5]),
        rate(v[7], v[5]),
        rate(v[8], v[5]),
        rv_int(v[9]),
        rv_int(v[10]),
    };
    rtable_row(a->t, a->c->r, row);
    a->rows++;
    return 0;
}

/* One row per sent message in scope with its verdicts, grouped by From
 * domain; the DKIM verdicts per message from r_mk (rctx.h). The same pass
 * feeds the SPF and DMARC record tables (columns 14 on): spf_results has
 * one MAIL FROM row per message and dmarc_results one row, so the rows with
 * an SPF (DMARC) result are that table's rows in scope, once each. */
static const char by_domain_rows[] =
    "SELECT d, 1, verified, spf IS NOT NULL, spf = 'pass', coalesce(dkim, 0), dmarc IS NOT NULL,"
    " dmarc = 'pass', coalesce(sa, 0), coalesce(da, 0), dmarc = 'fail', coalesce(testing, 0),"
    " coalesce(nsig, 0), coalesce(npass, 0),"
    /* 14 */ " coalesce(spd, '?'), sprec, spsid, spreason, sph,"
    /* 19 */ " coalesce(dmfd, '?'), dmpd, dmpol, dmtag, dmrec, dmtest, dmreason, dmh,"
    /* 27 */ " mid, spfr, spff, dmf, spf, dmarc FROM ("
    "  SELECT coalesce(r.from_domain, '(none)') AS d, sp.result AS spf, dm.result AS dmarc,"
    "  dm.spf_aligned AS sa, dm.dkim_aligned AS da, k.pass AS dkim, k.testing AS testing,"
    "  k.n AS nsig, k.npass AS npass,"
    "  (sp.message_id IS NOT NULL OR dm.message_id IS NOT NULL OR k.n > 0) AS verified,"
    "  sp.domain AS spd, sp.record AS sprec, sp.sender_id_record AS spsid,"
    "  sp.reason AS spreason, sp.message_id IS NOT NULL AS sph, dm.from_domain AS dmfd,"
    "  dm.policy_domain AS dmpd, dm.policy AS dmpol, dm.policy_tag AS dmtag,"
    "  dm.record AS dmrec, dm.testing AS dmtest, dm.reason AS dmreason,"
    "  dm.message_id IS NOT NULL AS dmh, r.id AS mid,"
    "  coalesce(sp.reason, 'matched ' || sp.mechanism) AS spfr, sp.result <> 'pass' AS spff,"
    "  dm.result <> 'pass' AS dmf"
    "  FROM r_msg r"
    "  LEFT JOIN spf_results sp ON sp.message_id = r.id AND sp.identity = 'mailfrom'"
    "  LEFT JOIN dmarc_results dm ON dm.message_id = r.id"
    "  LEFT JOIN r_mk k ON k.message_id = r.id"
    "  WHERE r.feedback_kind IS NULL)";
/* r_agg_dom: count(*) and the sums of by_domain_rows per domain;
 * r_agg_spf: per (MAIL FROM domain, SPF record): messages, passes, the
 * Sender ID record and a reason; r_agg_dmarc: per (From domain, where
 * found, policy, tag, record): t=y, messages, a reason */
static const int dom_keys[] = {0}, dom_args[] = {0, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
static const int spf_keys[] = {14, 15}, spf_args[] = {0, 4, 16, 17}, spf_when = 18;
static const int dmarc_keys[] = {19, 20, 21, 22, 23}, dmarc_args[] = {24, 0, 25}, dmarc_when = 26;
/* r_agg_fspf, r_agg_fdm: the failures of SPF (MAIL FROM) and DMARC per
 * (domain, result, reason): messages (one row each) and the first */
static const int fspf_keys[] = {14, 31, 28}, fspf_when = 29, fdm_keys[] = {19, 32, 25},
                 fdm_when = 30, f_args[] = {0, 27};
static const struct rctx_agg by_domain_aggs[] = {
    {"r_agg_dom", 1, dom_keys, "nssssssssssss", dom_args, NULL},
    {"r_agg_spf", 2, spf_keys, "nsxx", spf_args, &spf_when},
    {"r_agg_dmarc", 5, dmarc_keys, "xnx", dmarc_args, &dmarc_when},
    {"r_agg_fspf", 3, fspf_keys, "nm", f_args, &fspf_when},
    {"r_agg_fdm", 3, fdm_keys, "nm", f_args, &fdm_when},
};
/* count(*) and the sums of by_domain_rows per domain (rctx_hashagg) */
static const char by_domain_sql[] =
    "SELECT k1, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13 FROM r_agg_dom"
    " ORDER BY a1 DESC, k1";

int sec_authentication(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s = rsec_add(r, "authentication", "Authentication");
    int64_t n_msg = 0;
    if (rctx_sent_messages(c, &n_msg) != 0) return -1;
    if (n_msg == 0) {
        rsec_empty(s, r, "no messages in this period");
        return 0;
    }

    struct rtable *t = rsec_table(
        s, r, "by_from_domain", "By From domain",
        "from_domain:t:From domain|messages:i:Messages|verified:i:Verified|spf_pass:i:SPF pass|"
        "spf_pass_rate:p:SPF pass rate|dkim_pass:i:DKIM pass|dkim_pass_rate:p:DKIM pass rate|"
        "dmarc_pass:i:DMARC pass|dmarc_pass_rate:p:DMARC pass rate|"
        "spf_aligned_rate:p:SPF aligned|dkim_aligned_rate:p:DKIM aligned|"
        "dmarc_fail:i:DMARC fail|dkim_testing:i:Testing DKIM key");
    t->note = "SPF is the MAIL FROM identity; a message passes DKIM when any of its signatures "
              "passes (unsigned messages do not); alignment is DMARC's";
    t->limit = TOP_DOMAINS;
    struct dom_acc a = {.c = c, .t = t};
    if (rctx_hashagg_multi(c, by_domain_rows, by_domain_aggs,
                           (int)(sizeof by_domain_aggs / sizeof by_domain_aggs[0])) != 0 ||
        rctx_each(c, by_domain_sql, NULL, domain_row, &a) != 0)
        return -1;
    if (a.verified == 0) {
        rsec_empty(s, r, "no authentication results: messages were ingested without verification");
        return 0;
    }

    rsec_fact(s, r, "messages_verified", "messages verified", rv_int(a.verified), 0);
    rsec_fact(s, r, "spf_pass_rate", "SPF pass rate (MAIL FROM)", rate(a.spf_pass, a.spf_n), +1);
    rsec_fact(s, r, "dkim_pass_rate", "DKIM pass rate (messages)", rate(a.dkim_pass, a.verified),
              +1);
    rsec_fact(s, r, "dkim_signature_pass_rate", "DKIM signatures that verify",
              rate(a.signatures_pass, a.signatures), +1);
    rsec_fact(s, r, "dmarc_pass_rate", "DMARC pass rate", rate(a.dmarc_pass, a.dmarc_n), +1);
    rsec_fact(s, r, "spf_aligned_rate", "SPF aligned with From", rate(a.spf_aligned, a.dmarc_n),
              +1);
    rsec_fact(s, r, "dkim_aligned_rate", "DKIM aligned with From", rate(a.dkim_aligned, a.dmarc_n),
              +1);
    rsec_fact(s, r, "dmarc_fail", "messages failing DMARC", rv_int(a.dmarc_fail), -1);
    rsec_fact(s, r, "dkim_testing_key", "messages signed with a testing key (t=y)",
              rv_int(a.testing), -1);
    if (a.verified < a.messages)
        rsec_note(s, r,
                  "%lld of %lld messages have no authentication results (ingested without "
                  "verification) and are left out of the rates.",
                  (long long)(a.messages - a.verified), (long long)a.messages);

    /* per d=: messages, signatures, and the messages passing, aligned,
     * testing (count(DISTINCT ...) by rctx_msgfold over the signatures in
     * message order) */
    /* every message in scope and none feedback: the signatures alone, in
     * their key order (message, position), are the rows the join gives (a
     * million in 0.14 s against 0.39 s) */
    bool all_sent = rctx_all_sent(c);
    const char *dk_from = all_sent ? "dkim_signatures k"
                                   : rprintf(r, "r_msg r%sdkim_signatures k ON k.message_id = r.id",
                                             RCTX_MSG_JOIN(c));
    const char *dk_sent = all_sent ? "" : "r.feedback_kind IS NULL AND ";
    char dkd[1024];
    snprintf(dkd, sizeof dkd,
             "SELECT k.message_id, coalesce(k.domain, '(unreadable)'), k.result = 'pass',"
             " k.from_relation <> 'none', k.key_testing,"
             /* 5: the selectors' table, from the same rows */
             " coalesce(k.domain, '?'), coalesce(k.selector, '?'), k.key_type, k.key_bits,"
             " k.key_source"
             " FROM %s WHERE %sNOT k.legacy ORDER BY %s",
             dk_from, dk_sent, all_sent ? "k.message_id" : RCTX_MSG_ORDER(c, "k.message_id"));
    /* r_agg_dkim: per (domain, selector, key type, bits, t=y): the key's
     * source, signatures, passes (the selectors' table below) */
    static const int sel_keys[] = {5, 6, 7, 8, 4}, sel_args[] = {9, 0, 2};
    static const struct rctx_agg sel = {"r_agg_dkim", 5, sel_keys, "xns", sel_args, NULL};
    if (rctx_msgfold_multi(c, dkd, 3, "r_agg_dkd", &sel, 1) != 0 ||
        rctx_table(
            c, s, "by_dkim_domain", "By DKIM signing domain (d=)", NULL,
            "dkim_domain:t:DKIM d=|messages:i:Messages|signatures:i:Signatures|"
            "pass:i:Messages passing|pass_rate:p:Pass rate|aligned:i:Same or related to From|"
            "dkim_testing:i:Testing key",
            TOP_DOMAINS,
            "SELECT k, pairs, rows, f1, CAST(f1 AS REAL) / pairs, f2, f3 FROM r_agg_dkd"
            " ORDER BY pairs DESC, k LIMIT 21") != 0)
        return -1;

    /* failures: the three methods in one table; the example is the first
     * message of the group. DKIM's by SQL (bare column `detail` comes from
     * that row: SQLite takes bare columns from the row of the single min());
     * SPF's and DMARC's were counted by the pass above (one row a message:
     * the messages are the rows, and the SPF detail is the first message's
     * explanation) */
    if (rctx_table(
            c, s, "failures", "Top failure reasons",
            "DKIM per signature, SPF for MAIL FROM, DMARC per message; one example each",
            "method:t:Method|domain:t:Domain|result:t:Result|reason:t:Reason|"
            "messages:i:Messages|example_message_id:t:Example Message-ID|detail:t:Detail",
            TOP_FAILURES,
            rprintf(
                r,
                "SELECT g.method, g.domain, g.result, g.reason, g.n,"
                " (SELECT m.message_id FROM messages m WHERE m.id = g.ex), g.detail FROM ("
                "  SELECT method, domain, result, reason, count(DISTINCT mid) AS n, min(mid) AS ex,"
                "  detail FROM ("
                "   SELECT 'dkim' AS method, coalesce(k.domain, '?') AS domain, k.result AS result,"
                "   k.reason AS reason, k.message_id AS mid, k.detail AS detail"
                "   FROM %s WHERE %sNOT k.legacy AND k.result <> 'pass')"
                "  GROUP BY method, domain, result, reason"
                "  UNION ALL SELECT 'spf', k1, k2, k3, a1, a2, (SELECT sp.explanation"
                "  FROM spf_results sp WHERE sp.message_id = a2 AND sp.identity = 'mailfrom')"
                "  FROM r_agg_fspf"
                "  UNION ALL SELECT 'dmarc', k1, k2, k3, a1, a2, NULL FROM r_agg_fdm) g"
                " ORDER BY g.n DESC, g.method, g.domain, g.reason LIMIT 21",
                dk_from, dk_sent)) != 0)
        return -1;

    /* r_agg_spf and r_agg_dmarc were made with r_agg_dom above, without
     * the sorts of a GROUP BY; ties ordered by the keys, as the sorted
     * groups came before */
    if (rctx_table(c, s, "spf_records", "SPF records found (MAIL FROM domains)", NULL,
                   "domain:t:Domain|record:t:SPF record|messages:i:Messages|pass:i:Pass|"
                   "sender_id_record:t:Sender ID record|note:t:Note",
                   TOP_RECORDS,
                   "SELECT k1, k2, a1, a2, a3, CASE WHEN k2 IS NULL THEN a4 END FROM r_agg_spf"
                   " ORDER BY a1 DESC, k1, k2 LIMIT 21") != 0)
        return -1;
    if (rctx_table(c, s, "dmarc_records", "DMARC policies found",
                   "the policy that applies (p, sp or np) and the name where the record was found",
                   "from_domain:t:From domain|found_at:t:Found at|policy:t:Policy|policy_tag:t:Tag|"
                   "testing:i:Testing (t=y)|record:t:DMARC record|messages:i:Messages|note:t:Note",
                   TOP_RECORDS,
                   "SELECT k1, k2, k3, k4, a1, k5, a2, CASE WHEN k5 IS NULL THEN a3 END"
                   " FROM r_agg_dmarc ORDER BY a2 DESC, k1, k2, k3, k4, k5 LIMIT 21") != 0)
        return -1;
    if (rctx_table(
            c, s, "dkim_selectors", "DKIM selectors and keys", NULL,
            "domain:t:Domain|selector:t:Selector|key_type:t:Key type|key_bits:i:Key bits|"
            "testing:i:Testing (t=y)|key_source:t:Key from|signatures:i:Signatures|pass:i:Pass",
            TOP_RECORDS,
            "SELECT k1, k2, k3, k4, k5, a1, a2, a3 FROM r_agg_dkim"
            " ORDER BY a2 DESC, k1, k2, k3, k4, k5 LIMIT 21") != 0)
        return -1;

    /* the receivers' claims against our re-verification */
    int64_t n_claims = 0, n_diff = 0;
    if (rctx_int(c,
                 "SELECT count(*) FROM r_msg r JOIN auth_claims a ON a.message_id = r.id"
                 " WHERE r.feedback_kind IS NULL AND a.verdict <> 'not compared'",
                 NULL, &n_claims) != 0 ||
        rctx_int(c,
                 "SELECT count(*) FROM r_msg r JOIN auth_claims a ON a.message_id = r.id"
                 " WHERE r.feedback_kind IS NULL AND a.verdict = 'different'",
                 NULL, &n_diff) != 0)
        return -1;
    rsec_fact(s, r, "claims_compared", "receivers' claims compared", rv_int(n_claims), 0);
    rsec_fact(s, r, "claims_different", "claims that differ from our verdict", rv_int(n_diff), -1);
    if (rctx_table(
            c, s, "claims_by_method", "Receivers' claims by method", NULL,
            "method:t:Method|same:i:Same|different:i:Different|not_compared:i:Not compared", 0,
            "SELECT a.method, sum(a.verdict = 'same'), sum(a.verdict = 'different'),"
            " sum(a.verdict = 'not compared') FROM r_msg r JOIN auth_claims a"
            " ON a.message_id = r.id WHERE r.feedback_kind IS NULL GROUP BY 1 ORDER BY 3 DESC,"
            " count(*) DESC, 1") != 0)
        return -1;
    if (rctx_table(
            c, s, "claims", "Re-verification versus the receivers' claims",
            "what receivers wrote in Authentication-Results, ARC-Authentication-Results and "
            "Received-SPF, beside our result; differences first",
            "method:t:Method|verdict:t:Verdict|claimed:t:Claimed|ours:t:Ours|cause:t:Likely cause|"
            "claims:i:Claims|example_message_id:t:Example Message-ID",
            TOP_CLAIMS,
            "SELECT g.method, g.verdict, g.result, g.ours, g.cause, g.n,"
            " (SELECT m.message_id FROM messages m WHERE m.id = g.ex) FROM ("
            "  SELECT a.method AS method, a.verdict AS verdict, a.result AS result,"
            "  a.ours AS ours, a.cause AS cause, count(*) AS n, min(a.message_id) AS ex"
            "  FROM r_msg r JOIN auth_claims a ON a.message_id = r.id"
            "  WHERE r.feedback_kind IS NULL GROUP BY 1, 2, 3, 4, 5) g"
            " ORDER BY g.verdict = 'different' DESC, g.verdict = 'same' DESC, g.n DESC,"
            " g.method, g.result LIMIT 31") != 0)
        return -1;
    return 0;
}
