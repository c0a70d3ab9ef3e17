/* sec_campaigns — the messages of the period grouped by campaign, with each
 * campaign's size, placement, authentication, content score, delivery
 * outcomes and complaints, and what separates its spam copies from its
 * inbox copies.
 *
 * The campaign key is r_msg.campaign (report/rctx.c: --campaign-header,
 * then List-Id, Feedback-ID, an X-Campaign-style header, else
 * "from_address | subject | day"). Feedback messages (reports, bounces)
 * are not campaigns and are left out. The CAMP_TOP campaigns with the most
 * messages are shown (ties by key); the table says when there were more.
 *
 * Per campaign:
 *   messages, copies        r_msg rows; their r_copy rows (sightings)
 *   spam, inbox copies      r_copy.placement; spam share = spam / (spam + inbox)
 *   SPF/DKIM/DMARC pass     shares of the campaign's messages: spf_results
 *                           (mailfrom) pass; at least one non-legacy DKIM
 *                           signature passing; dmarc_results pass. NULL when
 *                           no message of the campaign was verified (no
 *                           spf_results or dmarc_results row).
 *   mean/max score          content_scores.total
 *   deliveries              r_out rows (each recipient's final outcome) with
 *                           source 'log' whose Message-ID is one of the
 *                           campaign's: recipients and each status. A
 *                           Message-ID carried by messages of two campaigns
 *                           is counted for the first key. NULL: no log row.
 *   complaints              feedback_reports (complaints: not auth-failure,
 *                           not not-spam) whose orig_message_id is one of the
 *                           campaign's Message-IDs, or whose orig_feedback_id
 *                           or orig_list_id is the campaign key. A complaint
 *                           is counted when the original is in scope, wherever
 *                           the report itself falls.
 * Differences: for each shown campaign with both spam and inbox copies, its
 * most separating feature (the post-mortem's measure and features, from
 * r_pm, see sec_postmortem.c), the campaign key itself excluded.
 *
 * TEMP tables: r_camp_agg (per campaign), r_camp (the shown campaigns), r_camp_mid (their
 * Message-IDs), r_camp_dlv, r_camp_cmp, r_camp_pm, r_camp_feat; dropped and
 * rebuilt on each call. */
#include "report/rctx.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#define CAMP_TOP 20

static bool schema_missing(sqlite3 *db)
{
    const char *m = sqlite3_errmsg(db);
    return strstr(m, "no such table") || strstr(m, "no such column");
}

/* Run sql; a table or column missing from an older database is not an
 * error when tolerated (the caller then falls back). Returns 1 for that. */
static int exec(struct rctx *c, const char *sql, bool tolerate_missing)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bool missing = tolerate_missing && schema_missing(c->db);
        if (!missing)
            snprintf(c->err, sizeof c->err, "campaigns: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return missing ? 1 : -1;
    }
    return 0;
}

/* The per-message values of the campaigns table, read in r_msg order (the
 * lookups into r_copy and the per-message tables then go through their
 * pages once), summed per campaign by rctx_hashagg into r_camp_agg without
 * sorting a million rows: k1 campaign; a1 messages, a2-a4 copies, spam,
 * inbox; a5, a6 messages with SPF and with DMARC results; a7-a9 SPF, DMARC,
 * DKIM passes; a10 mean score (added in id order, the order the former
 * GROUP BY over its (campaign, id) index added them), a11 max score. */
static const char CAMP_ROWS[] =
    "SELECT r.campaign, 1, coalesce(cp.n_copy, 0), coalesce(cp.n_spam, 0),"
    " coalesce(cp.n_inbox, 0), sp.message_id, dm.message_id,"
    " sp.result = 'pass', dm.result = 'pass', coalesce(mk.pass, 0), cs.total, cs.total"
    " FROM r_msg r LEFT JOIN r_cp cp ON cp.message_id = r.id"
    " LEFT JOIN r_mk mk ON mk.message_id = r.id"
    " LEFT JOIN spf_results sp ON sp.message_id = r.id AND sp.identity = 'mailfrom'"
    " LEFT JOIN dmarc_results dm ON dm.message_id = r.id"
    " LEFT JOIN content_scores cs ON cs.message_id = r.id"
    " WHERE r.feedback_kind IS NULL ORDER BY r.id";
#define CAMP_OPS "nsssccsssax"

static const char CAMP_SQL[] =
    "CREATE TEMP TABLE r_camp AS SELECT k1 AS campaign, a1 AS n_msg, a2 AS n_copy,"
    " a3 AS n_spam, a4 AS n_inbox, a5 + a6 AS n_verified, a7 AS spf_pass, a8 AS dmarc_pass,"
    " a9 AS dkim_pass, round(a10, 2) AS score_mean, a11 AS score_max FROM r_camp_agg"
    " ORDER BY n_msg DESC, campaign LIMIT 21";

/* Without the authentication and score tables (an old database). */
static const char CAMP_SQL_BARE[] =
    "CREATE TEMP TABLE r_camp AS SELECT r.campaign AS campaign, count(*) AS n_msg,"
    " sum((SELECT count(*) FROM r_copy c WHERE c.message_id = r.id)) AS n_copy,"
    " sum((SELECT count(*) FROM r_copy c WHERE c.message_id = r.id AND c.placement = 'spam'))"
    "  AS n_spam,"
    " sum((SELECT count(*) FROM r_copy c WHERE c.message_id = r.id AND c.placement = 'inbox'))"
    "  AS n_inbox, 0 AS n_verified, NULL AS spf_pass, NULL AS dmarc_pass, NULL AS dkim_pass,"
    " NULL AS score_mean, NULL AS score_max"
    " FROM r_msg r WHERE r.feedback_kind IS NULL GROUP BY r.campaign"
    " ORDER BY n_msg DESC, r.campaign LIMIT 21";

/* the shown campaigns' Message-IDs: the scope's messages read once, in id
 * order (r_msg has no index on campaign: building one cost more than this
 * pass; CROSS JOIN keeps SQLite from walking every Message-ID of the
 * database for a day's report) */
static const char MID_SQL[] =
    "CREATE TEMP TABLE r_camp_mid AS SELECT m.message_id AS mid, min(r.campaign) AS campaign"
    " FROM r_msg r CROSS JOIN messages m ON m.id = r.id"
    " WHERE r.campaign IN (SELECT campaign FROM r_camp)"
    " AND r.feedback_kind IS NULL AND m.message_id IS NOT NULL GROUP BY m.message_id;"
    "CREATE INDEX temp.r_camp_mid_mid ON r_camp_mid(mid)";

/* the final outcomes of the shown campaigns' messages, summed per campaign
 * by rctx_hashagg (DLV_ROWS) into r_camp_dlv_agg, then named */
static const char DLV_ROWS[] =
    "SELECT k.campaign, 1, o.status = 'sent', o.status = 'deferred', o.status = 'bounced',"
    " o.status = 'rejected', o.status = 'expired'"
    " FROM r_out o JOIN r_camp_mid k ON k.mid = o.message_id WHERE o.source = 'log'";
static const char DLV_SQL[] =
    "CREATE TEMP TABLE r_camp_dlv AS SELECT k1 AS campaign, a1 AS n, a2 AS sent,"
    " a3 AS deferred, a4 AS bounced, a5 AS rejected, a6 AS expired FROM r_camp_dlv_agg";

/* A database from before `source` (0007): every row is a log row. */
static const char DLV_SQL_OLD[] =
    "CREATE TEMP TABLE r_camp_dlv AS SELECT k.campaign AS campaign, count(*) AS n,"
    " sum(o.status = 'sent') AS sent, sum(o.status = 'deferred') AS deferred,"
    " sum(o.status = 'bounced') AS bounced, sum(o.status = 'rejected') AS rejected,"
    " sum(o.status = 'expired') AS expired"
    " FROM r_out o JOIN r_camp_mid k ON k.mid = o.message_id GROUP BY k.campaign";

static const char CMP_SQL[] =
    "CREATE TEMP TABLE r_camp_cmp AS SELECT campaign, count(*) AS n FROM ("
    " SELECT f.id AS id, k.campaign AS campaign FROM r_camp_mid k"
    "  JOIN feedback_reports f ON f.orig_message_id = k.mid"
    "  WHERE f.feedback_type IS NOT 'auth-failure' AND f.feedback_type IS NOT 'not-spam'"
    " UNION"
    " SELECT f.id, c.campaign FROM feedback_reports f JOIN r_camp c"
    "  ON c.campaign = f.orig_feedback_id OR c.campaign = f.orig_list_id"
    "  WHERE f.feedback_type IS NOT 'auth-failure' AND f.feedback_type IS NOT 'not-spam')"
    " GROUP BY campaign";

static const char TABLE_SQL[] =
    "SELECT c.campaign, c.n_msg, c.n_copy, c.n_spam, c.n_inbox,"
    " CASE WHEN c.n_spam + c.n_inbox > 0 THEN 1.0 * c.n_spam / (c.n_spam + c.n_inbox) END,"
    " CASE WHEN c.n_verified > 0 THEN 1.0 * c.spf_pass / c.n_msg END,"
    " CASE WHEN c.n_verified > 0 THEN 1.0 * c.dkim_pass / c.n_msg END,"
    " CASE WHEN c.n_verified > 0 THEN 1.0 * c.dmarc_pass / c.n_msg END,"
    " c.score_mean, c.score_max, d.n, d.sent, d.deferred, d.bounced, d.rejected, d.expired,"
    " coalesce(k.n, 0)"
    " FROM r_camp c LEFT JOIN r_camp_dlv d ON d.campaign = c.campaign"
    " LEFT JOIN r_camp_cmp k ON k.campaign = c.campaign"
    " ORDER BY c.n_msg DESC, c.campaign LIMIT 21";

/* Each shown campaign's most separating feature (see sec_postmortem.c):
 * r_camp_pm holds the r_pm rows of the shown campaigns with both spam and
 * inbox copies, r_camp_feat their features summed per campaign. */
static const char CAMP_PM_SQL[] =
    "DROP TABLE IF EXISTS temp.r_camp_pm;"
    "CREATE TEMP TABLE r_camp_pm(id INTEGER PRIMARY KEY, n_spam INTEGER NOT NULL,"
    " n_inbox INTEGER NOT NULL, campaign TEXT, from_domain TEXT);"
    "INSERT INTO r_camp_pm SELECT p.* FROM r_pm p WHERE p.campaign IN (SELECT p.campaign"
    " FROM r_pm p WHERE p.campaign IN (SELECT campaign FROM r_camp)"
    " GROUP BY p.campaign HAVING sum(p.n_spam) > 0 AND sum(p.n_inbox) > 0)";

static const char DIFF_SQL[] =
    "WITH t AS (SELECT p.campaign AS campaign, sum(p.n_spam) AS ns, sum(p.n_inbox) AS ni"
    "  FROM r_camp_pm p GROUP BY p.campaign),"
    " g AS (SELECT f.campaign AS campaign, f.kind AS kind, f.feature AS feature,"
    "  f.a AS a, f.c AS c FROM r_camp_feat f WHERE f.a + f.c >= 2),"
    " s AS (SELECT g.*, t.ns AS ns, t.ni AS ni, pm_sep(g.a, t.ns, g.c, t.ni) AS sep,"
    "  row_number() OVER (PARTITION BY g.campaign ORDER BY pm_sep(g.a, t.ns, g.c, t.ni) DESC,"
    "   1.0 * g.a / t.ns - 1.0 * g.c / t.ni DESC, pm_kind_order(g.kind), g.feature) AS rn"
    "  FROM g JOIN t ON t.campaign = g.campaign WHERE g.a * t.ni > g.c * t.ns)"
    " SELECT s.campaign, s.kind, s.feature, s.a, s.ns, s.c, s.ni, 1.0 * s.a / s.ns,"
    " 1.0 * s.c / s.ni, round(s.sep, 4) FROM s JOIN r_camp k ON k.campaign = s.campaign"
    " WHERE s.rn = 1 ORDER BY k.n_msg DESC, k.campaign LIMIT 21";

int sec_campaigns(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "campaigns", "Campaigns");
    int64_t n_camp = 0, n_msg = 0;
    if (rctx_sent_messages(c, &n_msg) != 0) return -1;
    if (n_msg == 0) {
        rsec_empty(s, c->r, "no messages in this period");
        return 0;
    }
    if (exec(c,
             "DROP TABLE IF EXISTS temp.r_camp; DROP TABLE IF EXISTS temp.r_camp_mid;"
             " DROP TABLE IF EXISTS temp.r_camp_dlv; DROP TABLE IF EXISTS temp.r_camp_cmp;"
             " DROP TABLE IF EXISTS temp.r_camp_agg",
             false) != 0)
        return -1;
    /* an older database without the authentication and score tables:
     * the bare table */
    int64_t have = 0;
    if (rctx_int(c,
                 "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
                 " AND name IN ('spf_results', 'dmarc_results', 'content_scores')",
                 NULL, &have) != 0)
        return -1;
    bool bare = have < 3;
    int rc = bare ? exec(c, CAMP_SQL_BARE, false)
             : rctx_hashagg(c, CAMP_ROWS, 1, CAMP_OPS, "r_camp_agg") != 0
                 ? -1
                 : exec(c, CAMP_SQL, false);
    if (rc != 0) return -1;
    /* the campaigns, and those with a spam copy */
    if (rctx_int(c,
                 bare ? "SELECT count(*) FROM (SELECT DISTINCT campaign FROM r_msg"
                        " WHERE feedback_kind IS NULL)"
                      : "SELECT count(*) FROM r_camp_agg",
                 NULL, &n_camp) != 0)
        return -1;
    int64_t with_spam = 0;
    if (rctx_int(c,
                 bare ? "SELECT count(*) FROM (SELECT r.campaign FROM r_msg r JOIN r_copy c"
                        " ON c.message_id = r.id WHERE r.feedback_kind IS NULL"
                        " AND c.placement = 'spam' GROUP BY r.campaign)"
                      : "SELECT count(*) FROM r_camp_agg WHERE a3 > 0",
                 NULL, &with_spam) != 0)
        return -1;
    if (exec(c, MID_SQL, false) != 0) return -1;
    rc =
        rctx_hashagg(c, DLV_ROWS, 1, "nsssss", "r_camp_dlv_agg") != 0 ? -1 : exec(c, DLV_SQL, true);
    if (rc == 1) rc = exec(c, DLV_SQL_OLD, true);
    if (rc == 1)
        rc = exec(c,
                  "CREATE TEMP TABLE r_camp_dlv(campaign, n, sent, deferred, bounced,"
                  " rejected, expired)",
                  false);
    if (rc != 0) return -1;
    rc = exec(c, CMP_SQL, true);
    if (rc == 1) rc = exec(c, "CREATE TEMP TABLE r_camp_cmp(campaign, n)", false);
    if (rc != 0 || rctx_analyze(c) != 0) return -1;

    rsec_fact(s, c->r, "campaigns", "Campaigns", rv_int(n_camp), 0);
    rsec_fact(s, c->r, "campaigns_with_spam", "Campaigns with copies in spam", rv_int(with_spam),
              -1);

    struct rtable *t = rsec_table(
        s, c->r, "campaigns", "Campaigns by messages",
        "campaign:t:Campaign|messages:i:Messages|copies:i:Copies|spam_copies:i:Spam copies|"
        "inbox_copies:i:Inbox copies|spam_share:p:Spam share|spf_pass:p:SPF pass|"
        "dkim_pass:p:DKIM pass|dmarc_pass:p:DMARC pass|score_mean:r:Mean score|"
        "score_max:r:Max score|recipients:i:Recipients (logs)|sent:i:Sent|deferred:i:Deferred|"
        "bounced:i:Bounced|rejected:i:Rejected|expired:i:Expired|complaints:i:Complaints");
    t->note = "campaign key: List-Id, else Feedback-ID, else an X-Campaign-style header, else "
              "sender | subject | day";
    if (rctx_fill(c, t, CAMP_TOP, TABLE_SQL, NULL) < 0) return -1;

    if (sec_postmortem_features(c) != 0 || exec(c, CAMP_PM_SQL, false) != 0 ||
        rctx_analyze(c) != 0 ||
        sec_postmortem_campaign_features(c, "r_camp_pm", "r_camp_feat") != 0)
        return -1;
    struct rtable *d = rsec_table(
        s, c->r, "differences", "What separates each campaign's spam copies from its inbox copies",
        "campaign:t:Campaign|kind:t:Feature kind|feature:t:Feature|spam_with:i:Spam copies with "
        "it|spam_copies:i:Spam copies|inbox_with:i:Inbox copies with it|inbox_copies:i:Inbox "
        "copies|spam_rate:p:Spam rate|inbox_rate:p:Inbox rate|separation:r:Separation");
    d->note = "the most separating feature of each campaign above with both spam and inbox "
              "copies (measure: see the post-mortem)";
    if (rctx_fill(c, d, CAMP_TOP, DIFF_SQL, NULL) < 0) return -1;

    rsec_note(s, c->r,
              "Shares of SPF, DKIM and DMARC pass are over the campaign's messages; deliveries "
              "are the final outcome per recipient in the MTA logs, matched by Message-ID; "
              "complaints match the original's Message-ID, Feedback-ID or List-Id.");
    return 0;
}
