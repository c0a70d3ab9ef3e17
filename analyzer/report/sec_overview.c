/* sec_overview — the report's first section: what was read and what is in
 * the period. Messages, copies, deliveries, senders and anomalies of
 * messages come from the scope tables (r_msg, r_copy, r_dlv; over the whole
 * database the counts rctx_open made as it wrote r_msg, r_msg_ov); sources, log
 * files and the anomalies of source files describe the database as a whole
 * (a file is not "in" a period) and the section says so in a note.
 * Sets report.empty_period when the period holds neither messages nor
 * deliveries. */
#include "report/rctx.h"

#include <string.h>

#define TOP_ANOMALIES 15
#define TOP_UNREADABLE 25

/* The period: the bounds given, else the span of the data in scope. */
static int add_period(struct rctx *c, struct rsection *s)
{
    const char *since = c->scope.since ? c->scope.since : c->r->since;
    const char *until = c->scope.until ? c->scope.until : c->r->until;
    struct rval lo = rv_null(), hi = rv_null();
    if (!since && rctx_value(c,
                             "SELECT min(t) FROM (SELECT a4 AS t FROM r_agg_ov UNION ALL"
                             " SELECT strftime('%Y-%m-%dT%H:%M:%SZ', min(ts_min), 'unixepoch')"
                             " FROM r_dcube)",
                             NULL, &lo) != 0)
        return -1;
    if (!until && rctx_value(c,
                             "SELECT max(t) FROM (SELECT a5 AS t FROM r_agg_ov UNION ALL"
                             " SELECT strftime('%Y-%m-%dT%H:%M:%SZ', max(ts_max), 'unixepoch')"
                             " FROM r_dcube)",
                             NULL, &hi) != 0)
        return -1;
    const char *from = since ? rstr(c->r, since) : lo.k == RK_TEXT ? lo.s : NULL;
    const char *to = until ? rstr(c->r, until) : hi.k == RK_TEXT ? hi.s : NULL;
    rsec_fact(s, c->r, "period_start", "period from", rv_time(from), 0);
    rsec_fact(s, c->r, "period_end", "period until", rv_time(to), 0);
    if (!since || !until)
        rsec_note(s, c->r, "%s",
                  !since && !until ? "The period is the span of the data (no --since or --until)."
                  : !since ? "The period starts at the first message or delivery (no --since)."
                           : "The period ends at the last message or delivery (no --until).");
    return 0;
}

int sec_overview(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s = rsec_add(r, "overview", "Overview");
    int64_t n_all = 0, n_anom = 0;

    /* One pass over r_msg for every count of it below (they had been seven
     * passes): r_agg_ov, one row: all messages, the sent ones, the feedback
     * ones, the first and last time; r_agg_ovfb: feedback messages per kind;
     * r_agg_ovdom: sent messages per From domain (counted: the sender
     * domains). */
    static const int ov_keys[] = {0}, ov_args[] = {0, 1, 2, 3, 3};
    static const int fb_keys[] = {4}, fb_args[] = {0}, fb_when = 2;
    static const int dom_keys[] = {5}, dom_args[] = {0}, dom_when = 1;
    static const struct rctx_agg aggs[] = {
        {"r_agg_ov", 1, ov_keys, "nssmx", ov_args, NULL},
        {"r_agg_ovfb", 1, fb_keys, "n", fb_args, &fb_when},
        {"r_agg_ovdom", 1, dom_keys, "n", dom_args, &dom_when},
    };
    /* Over the whole database rctx_open counted them as it wrote r_msg
     * (r_msg_ov, r_msg_ovfb: no pass here), and the From domains and
     * senders too when it could (NULL: counted by SQL below). */
    int64_t n_sent = 0, n_fb = 0, have_ov = 0;
    if (c->whole && rctx_int(c, "SELECT count(*) FROM r_msg_ov", NULL, &have_ov) != 0) return -1;
    if (have_ov) {
        if (rctx_exec_sql(c, "DROP TABLE IF EXISTS temp.r_agg_ov;"
                             " CREATE TEMP TABLE r_agg_ov AS SELECT 1 AS k1, n_all AS a1,"
                             " n_sent AS a2, n_fb AS a3, t_min AS a4, t_max AS a5 FROM r_msg_ov"
                             " WHERE n_all > 0;"
                             " DROP TABLE IF EXISTS temp.r_agg_ovfb;"
                             " CREATE TEMP TABLE r_agg_ovfb AS SELECT kind AS k1, n AS a1"
                             " FROM r_msg_ovfb") != 0)
            return -1;
    } else if (rctx_hashagg_multi(c,
                                  "SELECT 1, feedback_kind IS NULL, feedback_kind IS NOT NULL, t,"
                                  " feedback_kind, from_domain FROM r_msg",
                                  aggs, (int)(sizeof aggs / sizeof aggs[0])) != 0)
        return -1;
    struct rval n_domains = rv_null(), n_senders = rv_null(), n_copies = rv_null();
    if (have_ov && (rctx_value(c, "SELECT n_domains FROM r_msg_ov", NULL, &n_domains) != 0 ||
                    rctx_value(c, "SELECT n_senders FROM r_msg_ov", NULL, &n_senders) != 0 ||
                    rctx_value(c, "SELECT n_copies FROM r_msg_ov", NULL, &n_copies) != 0))
        return -1;
    if (rctx_int(c, "SELECT a2 FROM r_agg_ov", NULL, &n_sent) != 0 ||
        rctx_int(c, "SELECT a3 FROM r_agg_ov", NULL, &n_fb) != 0)
        return -1;
    c->n_sent = n_sent; /* rctx_sent_messages' count, for the later sections */
    c->n_feedback = n_fb;
    /* every message in scope and none feedback: the per-message tables
     * alone, without their joins with r_msg */
    bool all_sent = rctx_all_sent(c);
    if (add_period(c, s) != 0) return -1;
    if (rctx_fact_int(c, s, "sources", "sources read", "SELECT count(*) FROM sources", 0, NULL) !=
            0 ||
        rctx_fact_int(c, s, "sources_unreadable", "of them unreadable",
                      "SELECT count(*) FROM sources WHERE status <> 'done'", -1, NULL) != 0 ||
        rctx_fact_int(c, s, "messages", "messages", "SELECT a2 FROM r_agg_ov", 0, NULL) != 0 ||
        rctx_fact_int(c, s, "copies", "copies (where the messages were found)",
                      all_sent && n_copies.k == RK_INT ? "SELECT n_copies FROM r_msg_ov"
                      : all_sent ? "SELECT coalesce(sum(y.n_copy), 0) FROM r_cp y"
                                 : "SELECT coalesce(sum(y.n_copy), 0) FROM r_cp y"
                                   " JOIN r_msg m ON m.id = y.message_id"
                                   " WHERE m.feedback_kind IS NULL",
                      0, NULL) != 0 ||
        rctx_fact_int(c, s, "feedback_messages", "feedback messages (reports, bounces)",
                      "SELECT a3 FROM r_agg_ov", 0, NULL) != 0 ||
        rctx_fact_int(c, s, "log_files", "log files", "SELECT count(*) FROM log_files", 0, NULL) !=
            0 ||
        rctx_fact_int(c, s, "log_lines", "log lines read",
                      "SELECT coalesce(sum(lines_total), 0) FROM log_files", 0, NULL) != 0 ||
        rctx_fact_int(c, s, "deliveries", "deliveries (MTA logs)",
                      "SELECT coalesce(sum(n), 0) FROM r_dcube WHERE source = 'log'", 0,
                      NULL) != 0 ||
        rctx_fact_int(c, s, "bounce_deliveries", "recipients reported by bounce messages",
                      "SELECT coalesce(sum(n), 0) FROM r_dcube WHERE source = 'bounce'", 0,
                      NULL) != 0 ||
        rctx_fact_int(c, s, "senders", "distinct senders (From)",
                      n_senders.k == RK_INT ? "SELECT n_senders FROM r_msg_ov"
                      : all_sent ? "SELECT count(DISTINCT lower(m.from_address)) FROM messages m"
                                 : "SELECT count(DISTINCT lower(m.from_address)) FROM r_msg r"
                                   " JOIN messages m ON m.id = r.id WHERE r.feedback_kind IS NULL",
                      0, NULL) != 0 ||
        rctx_fact_int(c, s, "sender_domains", "sender domains",
                      n_domains.k == RK_INT ? "SELECT n_domains FROM r_msg_ov"
                      : have_ov             ? "SELECT count(DISTINCT from_domain) FROM r_msg"
                                              " WHERE feedback_kind IS NULL"
                                            : "SELECT count(k1) FROM r_agg_ovdom",
                      0, NULL) != 0 ||
        rctx_fact_int(
            c, s, "anomalies", "anomalies (messages and source files)",
            "SELECT (SELECT count(*) FROM anomalies a JOIN r_msg r ON r.id = a.message_id) +"
            " (SELECT count(*) FROM anomalies WHERE message_id IS NULL)",
            -1, &n_anom) != 0)
        return -1;
    if (rctx_int(c, "SELECT a1 FROM r_agg_ov", NULL, &n_all) != 0) return -1;

    struct rtable *t = rsec_table(s, r, "feedback_by_kind", "Feedback messages by kind",
                                  "kind:t:Kind|messages:i:Messages");
    if (rctx_fill(c, t, 0, "SELECT k1, a1 FROM r_agg_ovfb ORDER BY 2 DESC, 1", NULL) < 0) return -1;

    t = rsec_table(s, r, "anomalies", "Anomalies by code",
                   "code:t:Anomaly|count:i:Count|messages:i:Messages|sources:i:Source files|"
                   "example:t:Example detail");
    t->note = "malformed input found while reading; each is recorded and reading went on";
    if (rctx_fill(c, t, TOP_ANOMALIES,
                  "SELECT code, count(*), count(DISTINCT message_id), count(DISTINCT source_id),"
                  " min(detail) FROM (SELECT a.code, a.message_id, NULL AS source_id, a.detail"
                  " FROM anomalies a JOIN r_msg r ON r.id = a.message_id UNION ALL"
                  " SELECT code, NULL, source_id, detail FROM anomalies WHERE message_id IS NULL)"
                  " GROUP BY code ORDER BY 2 DESC, 1 LIMIT 16",
                  NULL) < 0)
        return -1;

    t = rsec_table(s, r, "unreadable", "Unreadable inputs",
                   "path:t:Path|format:t:Format|status:t:Status|error:t:Error");
    if (rctx_fill(c, t, TOP_UNREADABLE,
                  "SELECT path, format, status, error FROM sources WHERE status <> 'done'"
                  " ORDER BY path LIMIT 26",
                  NULL) < 0)
        return -1;

    rsec_note(s, r,
              "Sources, log files and log lines count everything the database holds: they are "
              "not filtered by the period%s.",
              c->scope.domain || c->scope.campaign ? ", the domain or the campaign" : "");
    if (n_anom > 0)
        rsec_note(s, r,
                  "Anomalies of source files are counted for every file; those of messages for "
                  "the messages in the period.");
    /* nothing at all in the period (feedback messages and bounce rows count
     * as data): the whole report says so */
    int64_t n_dlv_all = 0;
    if (rctx_int(c, "SELECT coalesce(sum(n), 0) FROM r_dcube", NULL, &n_dlv_all) != 0) return -1;
    if (n_all == 0 && n_dlv_all == 0) {
        r->empty_period = true;
        rsec_empty(s, r, "no data for this period");
    }
    return 0;
}
