/* sec_feedback — the Feedback section: what mailbox providers sent back
 * (schemas/0007_feedback.sql): DMARC aggregate reports, complaints (ARF,
 * JMRP), DMARC failure reports, TLS reports, bounce messages and
 * auto-replies.
 *
 * Which feedback belongs to the period. The carrier messages of feedback
 * come from the receivers (From: noreply-dmarc-support@google.com,
 * MAILER-DAEMON@...), so --domain and --campaign, which select r_msg by the
 * sender, would drop them: each kind is selected here by its own time and
 * its own link to the sender's domain or campaign, with the scope's bounds
 * bound by name (:since, :until, :domain, :campaign):
 *   - DMARC aggregate and TLS reports: date_begin in [since, until) (a report
 *     belongs to the period its range starts in, so consecutive periods never
 *     count it twice), else the carrier message's time; --domain: the policy
 *     domain (policy_published/domain, policy-domain) or a subdomain of it;
 *     --campaign: not per campaign, shown for the period.
 *   - complaints and DMARC failure reports: Arrival-Date in [since, until),
 *     else the carrier's time; --domain: Reported-Domain, Original-Mail-From,
 *     the reported From or the DKIM d= in the domain; --campaign: the
 *     reported message is a campaign message in scope, or its Feedback-ID or
 *     List-Id is the campaign key.
 *   - bounce messages and auto-replies: the carrier's time (the time r_msg
 *     uses: arrival, else Date) in [since, until); --domain: the returned
 *     original's From, or the carrier's To, in the domain; --campaign: the
 *     returned original is a campaign message in scope.
 * The carrier's time is coalesce(arrival, date) of its messages row, as
 * r_msg's t. Rates follow report/thresholds.c's definitions on these rows;
 * the complaint rate's denominator is r_out (MTA logs, status sent). */
#include <stdio.h>
#include <string.h>

#include "report/rctx.h"

#define TOP_N 15
#define TOP_IPS 20

/* The SQL fragments below are laid out by hand: clang-format cannot lay
 * out string concatenation through macro calls. */
// clang-format off

/* An address (or an address list, "Name <a@b>, c@d") in :domain or a
 * subdomain of it. */
#define ADDR_IN_DOMAIN(col)                                                     \
    "(lower(" col ") LIKE '%@' || lower(:domain)"                               \
    " OR lower(" col ") LIKE '%@' || lower(:domain) || '>%'"                    \
    " OR lower(" col ") LIKE '%@' || lower(:domain) || ',%'"                    \
    " OR lower(" col ") LIKE '%.' || lower(:domain)"                            \
    " OR lower(" col ") LIKE '%.' || lower(:domain) || '>%'"                    \
    " OR lower(" col ") LIKE '%.' || lower(:domain) || ',%')"
#define NAME_IN_DOMAIN(col)                                                     \
    "(lower(" col ") = lower(:domain) OR lower(" col ") LIKE '%.' || lower(:domain))"
#define IN_PERIOD(t)                                                            \
    "(:since IS NULL OR " t " >= :since) AND (:until IS NULL OR " t " < :until)"
/* Message-IDs of the campaign's messages (r_msg holds only them under --campaign). */
#define CAMPAIGN_MIDS                                                           \
    "(SELECT m2.message_id FROM messages m2 JOIN r_msg r2 ON r2.id = m2.id)"

/* The feedback in scope, as CTEs every query starts with. */
#define DR                                                                      \
    "dr AS (SELECT d.* FROM dmarc_reports d JOIN messages m ON m.id = d.message_id" \
    " WHERE " IN_PERIOD("coalesce(d.date_begin, m.arrival, m.date)")            \
    " AND (:domain IS NULL OR " NAME_IN_DOMAIN("d.domain") "))"
#define TR                                                                      \
    "tr AS (SELECT t.* FROM tlsrpt_reports t JOIN messages m ON m.id = t.message_id" \
    " WHERE " IN_PERIOD("coalesce(t.date_begin, m.arrival, m.date)") "),"       \
    " tp AS (SELECT p.* FROM tlsrpt_policies p JOIN tr ON tr.id = p.report"     \
    " WHERE :domain IS NULL OR " NAME_IN_DOMAIN("p.policy_domain") ")"
#define FR                                                                      \
    "fr AS (SELECT f.* FROM feedback_reports f JOIN messages m ON m.id = f.message_id" \
    " WHERE " IN_PERIOD("coalesce(f.arrival_date, m.arrival, m.date)")          \
    " AND (:domain IS NULL OR " NAME_IN_DOMAIN("f.reported_domain")             \
    " OR " NAME_IN_DOMAIN("f.dkim_domain")                                      \
    " OR " ADDR_IN_DOMAIN("f.original_mail_from")                               \
    " OR " ADDR_IN_DOMAIN("f.orig_from") ")"                                    \
    " AND (:campaign IS NULL OR f.orig_message_id IN " CAMPAIGN_MIDS            \
    " OR f.orig_feedback_id = :campaign OR f.orig_list_id = :campaign))"
/* (CROSS JOIN: from the bounce messages to theirs by id, never a scan of
 * every message, which SQLite chose without statistics for the table) */
#define BM                                                                      \
    "bm AS (SELECT b.* FROM bounce_messages b CROSS JOIN messages m ON m.id = b.message_id" \
    " WHERE " IN_PERIOD("coalesce(m.arrival, m.date)")                          \
    " AND (:domain IS NULL OR " ADDR_IN_DOMAIN("b.orig_from")                   \
    " OR " ADDR_IN_DOMAIN("m.to_addresses") ")"                                 \
    " AND (:campaign IS NULL OR b.orig_message_id IN " CAMPAIGN_MIDS "))"

// clang-format on

/* complaints proper (not DMARC failure reports, not "not spam") */
#define COMPLAINT "feedback_type IS NOT 'auth-failure' AND feedback_type IS NOT 'not-spam'"

/* ---- queries (rctx binds :since, :until, :domain, :campaign) ---- */

static int fill(struct rctx *c, struct rtable *t, size_t limit, const char *sql)
{
    return rctx_fill(c, t, limit, sql, NULL) < 0 ? -1 : 0;
}

/* The first column of the first row: an integer, or a fraction (RK_PCT);
 * RK_NULL when there is no value. */
static int value(struct rctx *c, const char *sql, enum rk kind, struct rval *out)
{
    double d;
    bool has;
    if (rctx_real(c, sql, NULL, &d, &has) != 0) return -1;
    *out = !has ? rv_null() : kind == RK_PCT ? rv_pct(d) : rv_int((int64_t)d);
    return 0;
}

static int64_t int_of(struct rval v)
{
    return v.k == RK_INT ? v.i : 0;
}

/* ---- the section ---- */

static int add_facts(struct rctx *c, struct rsection *s)
{
    struct rval agg, fail, compl, rate, tls, bounces;
    if (value(c,
              "WITH " DR " SELECT coalesce(sum(r.count), 0) FROM dmarc_report_rows r"
              " JOIN dr ON dr.id = r.report WHERE r.count > 0",
              RK_INT, &agg) != 0 ||
        value(c,
              "WITH " DR " SELECT CAST(sum(CASE WHEN r.dkim IS NOT 'pass' AND r.spf IS NOT 'pass'"
              " THEN r.count ELSE 0 END) AS REAL) / nullif(sum(r.count), 0)"
              " FROM dmarc_report_rows r JOIN dr ON dr.id = r.report WHERE r.count > 0",
              RK_PCT, &fail) != 0 ||
        value(c, "WITH " FR " SELECT coalesce(sum(incidents), 0) FROM fr WHERE " COMPLAINT, RK_INT,
              &compl ) != 0 ||
        value(c,
              "WITH " FR " SELECT CAST((SELECT coalesce(sum(incidents), 0) FROM fr WHERE " COMPLAINT
              ") AS REAL) / nullif((SELECT sum(n) FROM r_dcube WHERE source = 'log'"
              " AND sup = 0 AND status = 'sent'), 0)",
              RK_PCT, &rate) != 0 ||
        value(c,
              "WITH " TR " SELECT CAST(sum(max(total_failure, 0)) AS REAL) /"
              " nullif(sum(max(total_successful, 0) + max(total_failure, 0)), 0) FROM tp",
              RK_PCT, &tls) != 0 ||
        value(c, "WITH " BM " SELECT count(*) FROM bm WHERE kind = 'bounce'", RK_INT, &bounces) !=
            0)
        return -1;
    rsec_fact(s, c->r, "dmarc_aggregate_messages", "Messages in DMARC aggregate reports",
              rv_int(int_of(agg)), 0);
    rsec_fact(s, c->r, "dmarc_aggregate_fail_rate", "DMARC fail rate (aggregate reports)", fail,
              -1);
    rsec_fact(s, c->r, "complaints", "Complaints", rv_int(int_of(compl )), -1);
    rsec_fact(s, c->r, "complaint_rate", "Complaint rate", rate, -1);
    rsec_fact(s, c->r, "tls_failure_rate", "TLS failure rate (TLS reports)", tls, -1);
    rsec_fact(s, c->r, "bounce_messages", "Bounce messages", rv_int(int_of(bounces)), -1);
    return 0;
}

static int add_dmarc(struct rctx *c, struct rsection *s)
{
    struct rtable *t =
        rsec_table(s, c->r, "dmarc_reporters", "DMARC aggregate reports by reporter",
                   "reporter:t:Reporter|domain:t:Policy domain|reports:i:Reports|rows:i:Rows|"
                   "messages:i:Messages|first:T:From|last:T:Until|incomplete:i:Incomplete");
    if (fill(c, t, TOP_N,
             "WITH " DR " SELECT coalesce(org_name, '?'), coalesce(domain, '?'), count(*),"
             " sum(n_rows), sum(n_messages), min(date_begin), max(date_end),"
             " sum(status <> 'complete') FROM dr GROUP BY 1, 2 ORDER BY 5 DESC, 1, 2 LIMIT 16") !=
        0)
        return -1;
    t = rsec_table(
        s, c->r, "dmarc_by_source_ip", "DMARC aggregate reports by source IP",
        "source_ip:t:Source IP|header_from:t:Header From|messages:i:Messages|"
        "dkim_pass:i:DKIM pass|spf_pass:i:SPF pass|dmarc_fail:i:DMARC fail|"
        "dmarc_fail_rate:p:DMARC fail rate|quarantined_rejected:i:Quarantined or rejected|"
        "reporters:i:Reporters");
    t->note = "messages as the receivers counted them; DMARC fail: neither DKIM nor SPF aligned";
    if (fill(c, t, TOP_IPS,
             "WITH " DR ", x AS (SELECT r.*, max(r.count, 0) AS n, dr.org_name AS org"
             " FROM dmarc_report_rows r JOIN dr ON dr.id = r.report)"
             " SELECT coalesce(source_ip, '?'), coalesce(header_from, '?'), sum(n),"
             " sum(CASE WHEN dkim = 'pass' THEN n ELSE 0 END),"
             " sum(CASE WHEN spf = 'pass' THEN n ELSE 0 END),"
             " sum(CASE WHEN dkim IS NOT 'pass' AND spf IS NOT 'pass' THEN n ELSE 0 END),"
             " CAST(sum(CASE WHEN dkim IS NOT 'pass' AND spf IS NOT 'pass' THEN n ELSE 0 END)"
             " AS REAL) / nullif(sum(n), 0),"
             " sum(CASE WHEN disposition IN ('quarantine', 'reject') THEN n ELSE 0 END),"
             " count(DISTINCT org) FROM x GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 21") != 0)
        return -1;
    t = rsec_table(s, c->r, "dmarc_unauthenticated",
                   "Sending as your domain without authenticating",
                   "source_ip:t:Source IP|header_from:t:Header From|messages:i:Messages|"
                   "reporters:i:Reporters|dkim_domain:t:DKIM d=|envelope_from:t:Envelope from|"
                   "first_seen:T:First seen");
    t->note = "aggregate report rows where neither DKIM nor SPF passed aligned: spoofing, or"
              " a service of yours not yet signing or in SPF";
    return fill(c, t, TOP_N,
                "WITH " DR " SELECT coalesce(r.source_ip, '?'), coalesce(r.header_from, '?'),"
                " sum(max(r.count, 0)), count(DISTINCT dr.org_name), max(r.dkim_domain),"
                " coalesce(max(r.envelope_from), max(r.spf_domain)), min(dr.date_begin)"
                " FROM dmarc_report_rows r JOIN dr ON dr.id = r.report"
                " WHERE r.dkim IS NOT 'pass' AND r.spf IS NOT 'pass'"
                " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 16");
}

static int add_complaints(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(
        s, c->r, "complaints_by_campaign", "Complaints by campaign and reporter",
        "campaign:t:Campaign|reporter:t:Reporter|feedback_type:t:Type|reports:i:Reports|"
        "complaints:i:Complaints|messages:i:Messages reported|subject:t:Subject (one example)");
    t->note = "campaign: that of the reported message when it is stored, else its Feedback-ID or"
              " List-Id";
    if (fill(c, t, TOP_N,
             "WITH " FR ", x AS (SELECT fr.*, coalesce((SELECT r.campaign FROM messages m"
             " JOIN r_msg r ON r.id = m.id WHERE m.message_id = fr.orig_message_id LIMIT 1),"
             " orig_feedback_id, orig_list_id, '(unknown)') AS campaign FROM fr"
             " WHERE feedback_type IS NOT 'auth-failure')"
             " SELECT campaign, coalesce(reporter, user_agent, '?'), coalesce(feedback_type, '?'),"
             " count(*), sum(incidents), count(DISTINCT orig_message_id), min(orig_subject)"
             " FROM x GROUP BY 1, 2, 3 ORDER BY 5 DESC, 1, 2, 3 LIMIT 16") != 0)
        return -1;
    t = rsec_table(s, c->r, "complaint_rate_by_provider", "Complaint rate per provider",
                   "provider:t:Provider|complaints:i:Complaints|delivered:i:Delivered (MTA logs)|"
                   "complaint_rate:p:Complaint rate");
    t->note = "complaints / recipients delivered to the provider per the MTA logs";
    return fill(c, t, TOP_N,
                "WITH " FR ", k AS (SELECT coalesce(reporter, 'other') AS p, sum(incidents) AS n"
                " FROM fr WHERE " COMPLAINT " GROUP BY 1),"
                " d AS (SELECT coalesce(provider, 'other') AS p, sum(n) AS n FROM r_dcube"
                " WHERE source = 'log' AND sup = 0 AND status = 'sent' GROUP BY 1)"
                " SELECT k.p, k.n, coalesce(d.n, 0), CAST(k.n AS REAL) / nullif(d.n, 0)"
                " FROM k LEFT JOIN d ON d.p = k.p ORDER BY 2 DESC, 1 LIMIT 16");
}

static int add_failure_reports(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(s, c->r, "dmarc_failure_reports", "DMARC failure reports",
                                  "domain:t:Domain|auth_failure:t:Failure|source_ip:t:Source IP|"
                                  "delivery_result:t:Delivery|reports:i:Reports|"
                                  "example_subject:t:Subject (one example)");
    return fill(c, t, TOP_N,
                "WITH " FR " SELECT coalesce(dkim_domain, reported_domain, '?'),"
                " coalesce(auth_failure, '?'), coalesce(source_ip, '?'), delivery_result, count(*),"
                " min(orig_subject) FROM fr WHERE feedback_type = 'auth-failure'"
                " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3 LIMIT 16");
}

static int add_tls(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(
        s, c->r, "tls_by_policy", "TLS reports by policy domain",
        "policy_domain:t:Policy domain|policy_type:t:Policy|reporters:i:Reporters|"
        "sessions_ok:i:Sessions ok|sessions_failed:i:Sessions failed|failure_rate:p:Failure rate");
    if (fill(c, t, TOP_N,
             "WITH " TR " SELECT coalesce(tp.policy_domain, '?'), coalesce(tp.policy_type, '?'),"
             " count(DISTINCT tr.organization_name), sum(max(coalesce(tp.total_successful, 0), 0)),"
             " sum(max(coalesce(tp.total_failure, 0), 0)),"
             " CAST(sum(max(coalesce(tp.total_failure, 0), 0)) AS REAL) /"
             " nullif(sum(max(coalesce(tp.total_successful, 0), 0)"
             " + max(coalesce(tp.total_failure, 0), 0)), 0)"
             " FROM tp JOIN tr ON tr.id = tp.report GROUP BY 1, 2 ORDER BY 5 DESC, 1, 2"
             " LIMIT 16") != 0)
        return -1;
    t = rsec_table(s, c->r, "tls_failures_by_mx", "TLS failures by MX",
                   "mx:t:MX|result_type:t:Failure|sessions:i:Sessions|reporters:i:Reporters|"
                   "receiving_ip:t:Receiving IP");
    return fill(c, t, TOP_N,
                "WITH " TR " SELECT coalesce(f.receiving_mx_hostname, tp.mx_host, tp.policy_domain,"
                " '?'), coalesce(f.result_type, '?'), sum(max(coalesce(f.failed_session_count, 0),"
                " 0)), count(DISTINCT tr.organization_name), min(f.receiving_ip)"
                " FROM tlsrpt_failures f JOIN tp ON tp.id = f.policy JOIN tr ON tr.id = tp.report"
                " GROUP BY 1, 2 ORDER BY 3 DESC, 1, 2 LIMIT 16");
}

static int add_bounces(struct rctx *c, struct rsection *s)
{
    struct rtable *t = rsec_table(
        s, c->r, "bounces_by_format", "Bounce messages by format and reason",
        "format:t:Format|reason:t:Reason|status:t:Status|kind:t:Hard/soft|recipients:i:Recipients|"
        "domains:i:Domains|bounce_messages:i:Bounce messages");
    if (fill(c, t, TOP_N,
             "WITH " BM " SELECT bm.format, coalesce(r.reason, 'undefined'), r.status,"
             " CASE WHEN r.hard THEN 'hard' ELSE 'soft' END, count(*),"
             " count(DISTINCT r.recipient_domain), count(DISTINCT bm.id)"
             " FROM bounce_recipients r JOIN bm ON bm.id = r.bounce WHERE bm.kind = 'bounce'"
             " GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2, 3, 4 LIMIT 16") != 0)
        return -1;
    t = rsec_table(s, c->r, "autoreplies", "Auto-replies (not counted as bounces)",
                   "format:t:Format|messages:i:Messages|evidence:t:Evidence (one example)");
    return fill(c, t, TOP_N,
                "WITH " BM " SELECT coalesce(format, '?'), count(*), min(evidence) FROM bm"
                " WHERE kind = 'autoreply' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 16");
}

int sec_feedback(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "feedback", "Feedback from mailbox providers");
    struct rval n_dmarc, n_tls, n_fr, n_bm;
    if (value(c, "WITH " DR " SELECT count(*) FROM dr", RK_INT, &n_dmarc) != 0 ||
        value(c, "WITH " TR " SELECT count(*) FROM tr", RK_INT, &n_tls) != 0 ||
        value(c, "WITH " FR " SELECT count(*) FROM fr", RK_INT, &n_fr) != 0 ||
        value(c, "WITH " BM " SELECT count(*) FROM bm", RK_INT, &n_bm) != 0)
        return -1;
    if (int_of(n_dmarc) + int_of(n_tls) + int_of(n_fr) + int_of(n_bm) == 0) {
        rsec_empty(s, c->r,
                   "no DMARC or TLS reports, complaints or bounce messages in this period");
        return 0;
    }
    if (add_facts(c, s) != 0 || add_dmarc(c, s) != 0 || add_complaints(c, s) != 0 ||
        add_failure_reports(c, s) != 0 || add_tls(c, s) != 0 || add_bounces(c, s) != 0)
        return -1;
    rsec_note(s, c->r,
              "Period: DMARC and TLS reports by the start of their date range, complaints and"
              " failure reports by Arrival-Date, bounces and auto-replies by the time they"
              " arrived (else the carrier message's time).");
    if (c->scope.domain)
        rsec_note(s, c->r,
                  "--domain: DMARC and TLS reports whose policy domain is %s or a subdomain;"
                  " complaints and bounces about mail from it.",
                  c->scope.domain);
    if (c->scope.campaign)
        rsec_note(s, c->r,
                  "--campaign: DMARC and TLS reports are not per campaign and cover the whole"
                  " period.");
    return 0;
}
