/* sec_requirements — the Gmail/Yahoo bulk-sender requirements (README
 * "Bulk-sender requirements", view `requirements` of schemas/0005) of the
 * sent messages in scope: per From domain and requirement, how many
 * messages pass, fail or are unknown (evidence missing), with one evidence
 * example — of a failure when there is one, else of an unknown, else of a
 * pass — and the Message-ID it came from. Requirements are listed in the
 * README's order. */
#include "report/rctx.h"

#include <string.h>

/* domains x 12 requirements */
#define TOP_ROWS 240

/* The README's order: instr() of this list sorts the rows. */
#define REQ_ORDER                                                                                  \
    "' spf_pass dkim_pass dmarc_record dmarc_pass one_click_unsubscribe unsubscribe message_id"    \
    " single_from ptr_fcrdns tls dkim_key_1024 gmail_from '"

static int fill(struct rctx *c, struct rsection *s, const char *id, const char *title,
                const char *note, const char *cols, size_t limit, const char *sql)
{
    struct rtable *t = rsec_table(s, c->r, id, title, cols);
    t->note = note;
    return rctx_fill(c, t, limit, sql, NULL) < 0 ? -1 : 0;
}

int sec_requirements(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s = rsec_add(r, "requirements", "Bulk-sender requirements (Gmail, Yahoo)");
    int64_t n_msg = 0, n_checked = 0;
    if (rctx_int(c, "SELECT count(*) FROM r_msg WHERE feedback_kind IS NULL", NULL, &n_msg) != 0)
        return -1;
    if (n_msg == 0) {
        rsec_empty(s, r, "no messages in this period");
        return 0;
    }
    if (rctx_int(c,
                 "SELECT count(*) FROM r_msg r JOIN requirement_sets q ON q.message_id = r.id"
                 " WHERE r.feedback_kind IS NULL",
                 NULL, &n_checked) != 0)
        return -1;
    if (n_checked == 0) {
        rsec_empty(s, r, "no requirement checks: messages were ingested without verification");
        return 0;
    }

    int64_t n_failed = 0, n_msg_failing = 0;
    if (rctx_int(c,
                 "SELECT count(DISTINCT q.requirement) FROM r_msg r"
                 " JOIN requirements q ON q.message_id = r.id"
                 " WHERE r.feedback_kind IS NULL AND q.status = 'fail'",
                 NULL, &n_failed) != 0 ||
        rctx_int(c,
                 "SELECT count(DISTINCT r.id) FROM r_msg r"
                 " JOIN requirements q ON q.message_id = r.id"
                 " WHERE r.feedback_kind IS NULL AND q.status = 'fail'",
                 NULL, &n_msg_failing) != 0)
        return -1;
    rsec_fact(s, r, "messages_checked", "messages checked", rv_int(n_checked), 0);
    rsec_fact(s, r, "requirements_failed", "requirements failed by any message", rv_int(n_failed),
              -1);
    rsec_fact(s, r, "messages_failing", "messages failing at least one requirement",
              rv_int(n_msg_failing), -1);

    if (fill(c, s, "summary", "Requirements over all domains", NULL,
             "requirement:t:Requirement|messages:i:Messages|pass:i:Pass|fail:i:Fail|"
             "unknown:i:Unknown|pass_rate:p:Pass rate",
             0,
             "SELECT q.requirement, count(*), sum(q.status = 'pass'), sum(q.status = 'fail'),"
             " sum(q.status = 'unknown'), CAST(sum(q.status = 'pass') AS REAL)"
             " / nullif(sum(q.status IN ('pass', 'fail')), 0)"
             " FROM r_msg r JOIN requirements q ON q.message_id = r.id"
             " WHERE r.feedback_kind IS NULL GROUP BY 1"
             " ORDER BY instr(" REQ_ORDER ", ' ' || q.requirement || ' ') = 0,"
             " instr(" REQ_ORDER ", ' ' || q.requirement || ' '), 1") != 0)
        return -1;

    /* per domain: the example is the first failing message, else the first
     * unknown, else the first; its evidence is read back for that message */
    if (fill(c, s, "by_domain", "Requirements by From domain",
             "pass rate = pass / (pass + fail): unknown means the evidence is missing",
             "from_domain:t:From domain|requirement:t:Requirement|messages:i:Messages|"
             "pass:i:Pass|fail:i:Fail|unknown:i:Unknown|example_status:t:Example status|"
             "example_evidence:t:Example evidence|example_message_id:t:Example Message-ID",
             TOP_ROWS,
             "WITH g AS (SELECT coalesce(r.from_domain, '(none)') AS d, q.requirement AS req,"
             "  count(*) AS n, sum(q.status = 'pass') AS np, sum(q.status = 'fail') AS nf,"
             "  sum(q.status = 'unknown') AS nu,"
             "  coalesce(min(CASE WHEN q.status = 'fail' THEN r.id END),"
             "   min(CASE WHEN q.status = 'unknown' THEN r.id END), min(r.id)) AS ex"
             "  FROM r_msg r JOIN requirements q ON q.message_id = r.id"
             "  WHERE r.feedback_kind IS NULL GROUP BY 1, 2),"
             " dn AS (SELECT coalesce(from_domain, '(none)') AS d, count(*) AS n FROM r_msg"
             "  WHERE feedback_kind IS NULL GROUP BY 1)"
             " SELECT g.d, g.req, g.n, g.np, g.nf, g.nu,"
             " (SELECT e.status FROM requirements e WHERE e.message_id = g.ex"
             "  AND e.requirement = g.req),"
             " (SELECT e.evidence FROM requirements e WHERE e.message_id = g.ex"
             "  AND e.requirement = g.req),"
             " (SELECT m.message_id FROM messages m WHERE m.id = g.ex)"
             " FROM g JOIN dn ON dn.d = g.d"
             " ORDER BY dn.n DESC, g.d, instr(" REQ_ORDER ", ' ' || g.req || ' ') = 0,"
             " instr(" REQ_ORDER ", ' ' || g.req || ' '), g.req LIMIT 241") != 0)
        return -1;
    if (n_checked < n_msg)
        rsec_note(s, r,
                  "%lld of %lld messages have no requirement checks (ingested without "
                  "verification).",
                  (long long)(n_msg - n_checked), (long long)n_msg);
    return 0;
}
