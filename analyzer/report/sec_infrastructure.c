/* sec_infrastructure — where the sent mail came from and how it was
 * received: the sending IPs of the messages in scope (their entry hop as
 * rebuilt at verification: iprev_results) with PTR and forward
 * confirmation, copies and the spam share of each IP (r_copy), the HELO
 * names and their checks, TLS on the receiving (entry) hop, and the
 * open-relay signs of the MTA logs (report/openrelay.c). Feedback messages
 * are left out. */
#include "report/openrelay.h"
#include "report/rctx.h"

#include <string.h>

#define TOP_IPS 25
#define TOP_HELOS 25
#define TOP_RECEIVERS 15

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
    if (rctx_sent_messages(c, &n_msg) != 0 ||
        rctx_hashagg_multi(c,
                           /* every message in scope and none feedback: the
                            * entry hops alone, without the join */
                           rctx_all_sent(c)
                               ? rprintf(r, pass_sql, "iprev_results i", "")
                               : rprintf(r, pass_sql,
                                         "r_msg r JOIN iprev_results i ON i.message_id = r.id",
                                         " WHERE r.feedback_kind IS NULL"),
                           aggs, (int)(sizeof aggs / sizeof aggs[0])) != 0 ||
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
