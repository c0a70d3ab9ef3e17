/* sec_postmortem — the placement post-mortem: what the spam-foldered copies
 * have in common, against the copies that reached the inbox.
 *
 * Population: the copies (r_copy rows) whose placement is 'spam' or
 * 'inbox', of ordinary messages (r_msg.feedback_kind IS NULL). A message
 * seen in several mailboxes counts once per copy.
 *
 * Features. Every feature of a copy's message is one (message, kind,
 * feature) row of a query below (`feature_sql`), for the messages of
 *
 *   r_pm(id PRIMARY KEY, n_spam, n_inbox, campaign, from_domain)
 *       each message with placement evidence: its spam and inbox copies,
 *
 * built once per scope by sec_postmortem_features() (report/rctx.h): a view
 * of r_cp and r_msg over the whole database, a table in a narrower scope. The
 * rows are not stored: they are summed per feature as they are read
 * (r_pm_sep below), or per campaign and feature for sec_campaigns
 * (sec_postmortem_campaign_features, over a subset of r_pm). rctx_open
 * drops it with the other scope tables (--compare previous opens a second
 * scope on the same connection).
 *
 *   kind          feature (as stored)                       from
 *   ip            the client IP of the entry hop            iprev_results.ip, else spf_results.ip
 *   helo          the HELO name given there (lowercased)    iprev_results.helo
 *   iprev         "iprev=fail", "iprev=fail (reason)"       iprev_results
 *   spf           "spf=pass", "spf=none (reason)",          spf_results (mailfrom; helo)
 *                 "spf helo=none", ...
 *   dkim          "dkim=pass", "dkim=fail (reason) d=D",    dkim_signatures (not legacy)
 *                 "dkim=none (not signed)"
 *   dkim_domain   d= of any signature                       dkim_signatures
 *   dmarc         "dmarc=fail", "dmarc=fail (reason)"       dmarc_results
 *   arc           "arc=fail", "arc=fail (reason)"           arc_results
 *   rule          the rule name                             rule_hits
 *   attachment    detected type, else the content type      parts (is_attachment)
 *   header        "List-Unsubscribe (mailto or https)" /    requirement_sets (below);
 *                 "no usable List-Unsubscribe", "one-click   messages.list_id, feedback_id,
 *                 unsubscribe (List-Unsubscribe-Post)" /     message_id
 *                 "no one-click unsubscribe", "List-Id" /
 *                 "no List-Id", "Feedback-ID" / "no Feedback-ID", "no Message-ID"
 *   tls           "entry hop with TLS" / "... without TLS"  iprev_results.tls
 *   score         the content score band: "below 0",        content_scores
 *                 "0 to under T/2", "T/2 to under T", "T or more (threshold)"
 *   from_domain   the From domain                           r_msg
 *   campaign      the campaign key                          r_msg
 *
 * Header presence comes from what ingest stored rather than from parsing
 * every header block again: the bulk-sender requirements (requirement_sets,
 * schemas/0005) record whether List-Unsubscribe offers a mailto or https
 * URI ("unsubscribe" pass) and whether one-click unsubscribe (an https URI
 * plus List-Unsubscribe-Post: List-Unsubscribe=One-Click) is there
 * ("one_click_unsubscribe" pass); messages.list_id, feedback_id and
 * message_id record List-Id, Feedback-ID and Message-ID. The requirements
 * are found with instr() in the compact JSON the store writes
 * ('["unsubscribe","pass"'), not with json_each: parsing every message's
 * JSON cost more than all the other features together. A message whose
 * JSON does not hold the requirement in that form gets no such feature
 * (never a wrong one). Both a present and an absent feature are emitted,
 * so that a missing header can separate too. The other requirements are
 * covered by the kinds above (SPF, DKIM, DMARC, iprev, tls; DKIM keys under
 * 1024 bits as a dkim feature).
 *
 * Separation measure. For a feature on a of the n1 spam copies and c of
 * the n2 inbox copies, p1 = a/n1 and p2 = c/n2; the separation is the lower
 * bound of the 95% confidence interval of p1 - p2 by Newcombe's hybrid
 * score method (Newcombe 1998, method 10, built on the Wilson score
 * intervals [l1, u1], [l2, u2] of each rate):
 *
 *   separation = (p1 - p2) - sqrt((p1 - l1)^2 + (u2 - p2)^2)
 *
 * It reads as "the feature is at least this much more common among the
 * spam copies", is bounded (-1..1), and shrinks when the counts are small:
 * 5 of 5 spam copies against 0 of 5 inbox copies gives 0.386, 50 of 50
 * against 0 of 50 gives 0.899, 1 of 1 against 0 of 1 is negative. A
 * feature must be on at least PM_MIN_SUPPORT copies to be listed. The
 * reverse table (features typical of inbox copies) uses the same measure
 * with the roles swapped. Ties are broken by the larger rate difference,
 * then by kind in the order of the table `kinds` (what the sender controls
 * most directly first: the sending IP before the reverse DNS it causes),
 * then by feature text.
 *
 * Items: up to PM_MAX_ITEMS spam-typical features with a positive
 * separation, severity by it (PM_CRITICAL, PM_WARNING, else info).
 *
 * What it does not do: it says what the spam copies share, not why; one
 * feature per row, no combinations of features. */
#include "report/rctx.h"
#include "report/sqlval.h"
#include "util/xalloc.h"

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define PM_TOP 25              /* rows per table */
#define PM_MIN_SUPPORT 2       /* copies (spam + inbox) a feature must be on to be listed */
#define PM_MAX_ITEMS 3         /* plain-language findings */
#define PM_CRITICAL 0.35       /* separation of a critical finding (5/5 vs 0/5 is 0.386) */
#define PM_WARNING 0.15        /* of a warning (3/3 vs 0/3 is 0.206) */
#define PM_Z 1.959963984540054 /* 95%, two-sided */

/* The feature kinds, in tie-break order, with the words of the findings. */
static const struct kind {
    const char *kind;
    const char *verb_pl, *verb_sg;  /* "All 5 spam-placed copies" VERB FEATURE */
    const char *fix_pre, *fix_post; /* the finding's title: FIX_PRE FEATURE FIX_POST */
} kinds[] = {
    {"ip", "were sent from", "was sent from", "Check sending IP ",
     " (reputation, reverse DNS, block lists): the spam-placed copies came from it"},
    {"helo", "were sent by a host saying HELO", "was sent by a host saying HELO",
     "Check the sending host that says HELO ", ""},
    {"iprev", "had", "had", "Fix the reverse DNS of the sending IP (", ")"},
    {"tls", "arrived on an", "arrived on an", "Check TLS on the sending hop (", ")"},
    {"spf", "had", "had", "Fix SPF for the spam-placed copies (", ")"},
    {"dkim", "had", "had", "Fix DKIM signing (", ")"},
    {"dkim_domain", "were signed with d=", "was signed with d=", "Check mail signed by d=", ""},
    {"dmarc", "had", "had", "Fix DMARC alignment (", ")"},
    {"arc", "had", "had", "Check the forwarding path (", ")"},
    {"rule", "hit rule", "hit rule", "Remove what triggers content rule ", ""},
    {"attachment", "carried an attachment of type", "carried an attachment of type",
     "Drop or replace the ", " attachments"},
    {"header", "had", "had", "Fix the headers of the spam-placed copies (", ")"},
    {"score", "had a content score of", "had a content score of", "Lower the content score (",
     " on the spam-placed copies)"},
    {"from_domain", "had From domain", "had From domain", "Check the reputation of From domain ",
     ""},
    {"campaign", "belonged to campaign", "belonged to campaign", "Review campaign ",
     ": its copies went to spam"},
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

/* The feature rows, one query each (a table missing from an older
 * database skips its row source). Each SELECT gives distinct
 * (message_id, kind, feature) rows, and no two share a kind and feature.
 * The DKIM features are made in C from one pass over the signatures
 * (sep_scan_dkim), as these queries would give them:
 *   'dkim', 'dkim=' || k.result                                   DISTINCT
 *   'dkim', 'dkim=' || k.result || coalesce(' (' || k.reason || ')', '')
 *           || ' d=' || coalesce(k.domain, '?')                    DISTINCT
 *   'dkim', 'dkim=none (not signed)'        no non-legacy signature
 *   'dkim_domain', k.domain                 k.domain IS NOT NULL, DISTINCT
 *   'dkim', 'dkim key under 1024 bits d=' || coalesce(k.domain, '?')
 *                                           k.key_bits < 1024, DISTINCT
 * (non-legacy signatures of the message). */
static const char *const feature_sql[] = {
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'ip', coalesce(i.ip, s.ip) FROM @P p"
    " LEFT JOIN iprev_results i ON i.message_id = p.id"
    " LEFT JOIN spf_results s ON s.message_id = p.id AND s.identity = 'mailfrom'"
    " WHERE coalesce(i.ip, s.ip) IS NOT NULL AND coalesce(i.ip, s.ip) <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'helo', lower(i.helo) FROM @P p JOIN "
    "iprev_results i ON i.message_id = p.id"
    " WHERE i.helo IS NOT NULL AND i.helo <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'iprev', 'iprev=' || i.result FROM @P p"
    " JOIN iprev_results i ON i.message_id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'iprev', 'iprev=' || i.result || ' (' || "
    "i.reason || ')' FROM @P p"
    " JOIN iprev_results i ON i.message_id = p.id WHERE i.reason IS NOT NULL AND i.reason <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'spf', CASE s.identity WHEN 'mailfrom' THEN "
    "'spf=' ELSE 'spf ' || s.identity"
    " || '=' END || s.result FROM @P p JOIN spf_results s ON s.message_id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'spf', CASE s.identity WHEN 'mailfrom' THEN "
    "'spf=' ELSE 'spf ' || s.identity"
    " || '=' END || s.result || ' (' || s.reason || ')' FROM @P p"
    " JOIN spf_results s ON s.message_id = p.id WHERE s.reason IS NOT NULL AND s.reason <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'dmarc', 'dmarc=' || d.result FROM @P p"
    " JOIN dmarc_results d ON d.message_id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'dmarc', 'dmarc=' || d.result || ' (' || "
    "d.reason || ')' FROM @P p"
    " JOIN dmarc_results d ON d.message_id = p.id WHERE d.reason IS NOT NULL AND d.reason <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'arc', 'arc=' || a.result FROM @P p JOIN "
    "arc_results a ON a.message_id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'arc', 'arc=' || a.result || ' (' || a.reason "
    "|| ')' FROM @P p"
    " JOIN arc_results a ON a.message_id = p.id WHERE a.reason IS NOT NULL AND a.reason <> ''",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'rule', h.rule FROM @P p JOIN rule_hits h ON "
    "h.message_id = p.id",
    "SELECT DISTINCT p.id, p.n_spam, p.n_inbox, p.campaign, 'attachment', "
    "coalesce(t.detected_type, t.content_type) FROM @P p"
    " JOIN parts t ON t.message_id = p.id WHERE t.is_attachment",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'header', CASE WHEN m.list_id IS NULL THEN 'no "
    "List-Id' ELSE 'List-Id' END"
    " FROM @P p JOIN messages m ON m.id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'header', CASE WHEN m.feedback_id IS NULL THEN "
    "'no Feedback-ID'"
    " ELSE 'Feedback-ID' END FROM @P p JOIN messages m ON m.id = p.id",
    /* unsubscribe headers, from the stored requirements (see the header
     * comment): only when the requirement is found in the expected form */
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'header', CASE WHEN instr(q.checks, "
    "'[\"unsubscribe\",\"pass\"') > 0"
    " THEN 'List-Unsubscribe (mailto or https)' ELSE 'no usable List-Unsubscribe' END"
    " FROM @P p JOIN requirement_sets q ON q.message_id = p.id"
    " WHERE instr(q.checks, '[\"unsubscribe\",\"') > 0",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'header', CASE WHEN instr(q.checks, "
    "'[\"one_click_unsubscribe\",\"pass\"') > 0"
    " THEN 'one-click unsubscribe (List-Unsubscribe-Post)' ELSE 'no one-click unsubscribe' END"
    " FROM @P p JOIN requirement_sets q ON q.message_id = p.id"
    " WHERE instr(q.checks, '[\"one_click_unsubscribe\",\"') > 0",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'header', 'no Message-ID' FROM @P p JOIN "
    "messages m ON m.id = p.id"
    " WHERE m.message_id IS NULL",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'tls', CASE WHEN i.tls THEN 'entry hop with "
    "TLS' ELSE 'entry hop without TLS'"
    " END FROM @P p JOIN iprev_results i ON i.message_id = p.id WHERE i.tls IS NOT NULL",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'score', CASE WHEN s.total >= s.threshold"
    "  THEN printf('%g or more (threshold)', s.threshold)"
    " WHEN s.total >= s.threshold / 2 THEN printf('%g to under %g', s.threshold / 2, s.threshold)"
    " WHEN s.total >= 0 THEN printf('0 to under %g', s.threshold / 2) ELSE 'below 0' END"
    " FROM @P p JOIN content_scores s ON s.message_id = p.id",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'from_domain', p.from_domain FROM @P p WHERE "
    "p.from_domain IS NOT NULL",
    "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, 'campaign', p.campaign FROM @P p WHERE "
    "p.campaign IS NOT NULL",
};
#define N_FEATURE_SQL (sizeof feature_sql / sizeof feature_sql[0])

/* The queries that read the same table, merged: one pass over the table
 * gives a row per message (or per SPF identity, ARC result) with several
 * (kind, feature) pairs, a NULL feature where the single query's WHERE
 * would have left the row out (the columns in those features are NOT NULL
 * in the schema, so a feature is NULL only then). The same rows, a fraction
 * of the joins. When a merged query cannot be prepared for a table or
 * column missing from an older database, its single queries (`singles`,
 * indexes into feature_sql; -1 ends) run instead, each skipped on its own
 * as before. */
/* The List-Unsubscribe features of a message's stored requirements (q:
 * requirement_sets): two (kind, feature) pairs, the period's feature query
 * and the whole database's merged pass both. */
#define PM_UNSUB_FEATURES                                                                          \
    "'header', CASE WHEN instr(q.checks, '[\"unsubscribe\",\"') > 0 THEN"                          \
    " CASE WHEN instr(q.checks, '[\"unsubscribe\",\"pass\"') > 0"                                  \
    " THEN 'List-Unsubscribe (mailto or https)' ELSE 'no usable List-Unsubscribe' END"             \
    " END,"                                                                                        \
    " 'header', CASE WHEN instr(q.checks, '[\"one_click_unsubscribe\",\"') > 0 THEN"               \
    " CASE WHEN instr(q.checks, '[\"one_click_unsubscribe\",\"pass\"') > 0"                        \
    " THEN 'one-click unsubscribe (List-Unsubscribe-Post)'"                                        \
    " ELSE 'no one-click unsubscribe' END END"

#define PM_MSG "SELECT p.id, p.n_spam, p.n_inbox, p.campaign"
/* r_pm's view over the whole database after its columns (sec_postmortem_features;
 * the merged pass's entry query inlines it) */
#define PM_VIEW_FROM                                                                               \
    "FROM r_cp cp CROSS JOIN r_msg r ON r.id = cp.message_id"                                      \
    " WHERE (cp.n_spam > 0 OR cp.n_inbox > 0) AND r.feedback_kind IS NULL"
enum { PM_C_ENTRY = 1, PM_C_SPF };
static const struct merged {
    const char *sql;
    int singles[16];
    /* the features are built in C from raw columns: PM_C_ENTRY by
     * sep_scan_entry, PM_C_SPF by sep_scan_spf (0: the SQL runs) */
    int in_c;
    /* made by sep_scan_merge instead over the whole scope (which also
     * makes the DKIM features) */
    bool in_merge;
} merged_sql[] = {
    /* the tables with at most one row per message, in one pass: the entry
     * hop (iprev, else SPF's client IP), DMARC, the headers, the score
     * band, the From domain and campaign. This SQL is the definition (and
     * what sep_scan_entry is tested against); the report builds the same
     * features in C from ENTRY_SQL's raw columns. */
    {PM_MSG ", 'ip', CASE WHEN coalesce(i.ip, s.ip) <> '' THEN coalesce(i.ip, s.ip) END,"
            " 'helo', CASE WHEN i.helo <> '' THEN lower(i.helo) END,"
            " 'iprev', 'iprev=' || i.result,"
            " 'iprev', CASE WHEN i.reason <> '' THEN 'iprev=' || i.result || ' (' || i.reason"
            " || ')' END,"
            " 'tls', CASE WHEN i.tls IS NOT NULL THEN CASE WHEN i.tls THEN 'entry hop with TLS'"
            " ELSE 'entry hop without TLS' END END,"
            " 'dmarc', 'dmarc=' || d.result,"
            " 'dmarc', CASE WHEN d.reason <> '' THEN 'dmarc=' || d.result || ' (' || d.reason"
            " || ')' END,"
            " 'header', CASE WHEN m.list_id IS NULL THEN 'no List-Id' ELSE 'List-Id' END,"
            " 'header', CASE WHEN m.feedback_id IS NULL THEN 'no Feedback-ID'"
            " ELSE 'Feedback-ID' END,"
            " 'header', CASE WHEN m.message_id IS NULL THEN 'no Message-ID' END,"
            " 'score', CASE WHEN cs.message_id IS NULL THEN NULL"
            " WHEN cs.total >= cs.threshold THEN printf('%g or more (threshold)', cs.threshold)"
            " WHEN cs.total >= cs.threshold / 2"
            " THEN printf('%g to under %g', cs.threshold / 2, cs.threshold)"
            " WHEN cs.total >= 0 THEN printf('0 to under %g', cs.threshold / 2)"
            " ELSE 'below 0' END,"
            " 'from_domain', p.from_domain, 'campaign', p.campaign"
            " FROM @P p JOIN messages m ON m.id = p.id"
            " LEFT JOIN iprev_results i ON i.message_id = p.id"
            " LEFT JOIN spf_results s ON s.message_id = p.id AND s.identity = 'mailfrom'"
            " LEFT JOIN dmarc_results d ON d.message_id = p.id"
            " LEFT JOIN content_scores cs ON cs.message_id = p.id",
     {0, 1, 2, 3, 17, 6, 7, 12, 13, 16, 18, 19, 20, -1},
     PM_C_ENTRY,
     true},
    {PM_MSG ", 'spf', CASE s.identity WHEN 'mailfrom' THEN 'spf=' ELSE 'spf ' || s.identity"
            " || '=' END || s.result,"
            " 'spf', CASE WHEN s.reason <> '' THEN CASE s.identity WHEN 'mailfrom' THEN 'spf='"
            " ELSE 'spf ' || s.identity || '=' END || s.result || ' (' || s.reason || ')' END"
            " FROM @P p JOIN spf_results s ON s.message_id = p.id",
     {4, 5, -1},
     PM_C_SPF,
     true},
    {PM_MSG ", 'arc', 'arc=' || a.result,"
            " 'arc', CASE WHEN a.reason <> '' THEN 'arc=' || a.result || ' (' || a.reason"
            " || ')' END FROM @P p JOIN arc_results a ON a.message_id = p.id",
     {8, 9, -1},
     0,
     true},
    {PM_MSG ", " PM_UNSUB_FEATURES " FROM @P p JOIN requirement_sets q ON q.message_id = p.id",
     {14, 15, -1},
     0,
     true},
    {NULL, {10, -1}, 0, true}, /* rule, attachment: several rows per message */
    {NULL, {11, -1}, 0, true},
};
#define N_MERGED_SQL (sizeof merged_sql / sizeof merged_sql[0])

/* Wilson score interval of k successes in n trials. */
static void wilson(double k, double n, double *lo, double *hi)
{
    double p = k / n, z2 = PM_Z * PM_Z;
    double denom = 1 + z2 / n;
    double center = (p + z2 / (2 * n)) / denom;
    double half = PM_Z * sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom;
    *lo = center - half < 0 ? 0 : center - half;
    *hi = center + half > 1 ? 1 : center + half;
}

/* The lower 95% bound of a/n1 - c/n2 (Newcombe's hybrid score interval). */
static double separation(double a, double n1, double c, double n2)
{
    double l1, u1, l2, u2;
    wilson(a, n1, &l1, &u1);
    wilson(c, n2, &l2, &u2);
    double p1 = a / n1, p2 = c / n2;
    return (p1 - p2) - sqrt((p1 - l1) * (p1 - l1) + (u2 - p2) * (u2 - p2));
}

/* SQL pm_sep(a, n1, c, n2): the separation, NULL without both populations. */
static void sql_sep(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    for (int i = 0; i < 4; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL) {
            sqlite3_result_null(ctx);
            return;
        }
    double a = sqlite3_value_double(argv[0]), n1 = sqlite3_value_double(argv[1]);
    double c = sqlite3_value_double(argv[2]), n2 = sqlite3_value_double(argv[3]);
    if (n1 <= 0 || n2 <= 0 || a < 0 || c < 0 || a > n1 || c > n2) {
        sqlite3_result_null(ctx);
        return;
    }
    sqlite3_result_double(ctx, separation(a, n1, c, n2));
}

/* SQL pm_kind_order(kind): the tie-break rank of a kind. */
static void sql_kind_order(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    const char *k = (const char *)sqlite3_value_text(argv[0]);
    int rank = (int)N_KINDS;
    for (size_t i = 0; k && i < N_KINDS; i++)
        if (strcmp(kinds[i].kind, k) == 0) rank = (int)i;
    sqlite3_result_int(ctx, rank);
}

static const struct kind *kind_of(const char *k)
{
    for (size_t i = 0; k && i < N_KINDS; i++)
        if (strcmp(kinds[i].kind, k) == 0) return &kinds[i];
    return NULL;
}

static bool schema_missing(sqlite3 *db)
{
    const char *m = sqlite3_errmsg(db);
    return strstr(m, "no such table") || strstr(m, "no such column") ||
           strstr(m, "no such function");
}

static int exec(struct rctx *c, const char *sql, bool tolerate_missing)
{
    char *msg = NULL;
    if (sqlite3_exec(c->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        bool missing = tolerate_missing && schema_missing(c->db);
        if (!missing)
            snprintf(c->err, sizeof c->err, "post-mortem: %s", msg ? msg : sqlite3_errmsg(c->db));
        sqlite3_free(msg);
        return missing ? 0 : -1;
    }
    return 0;
}

/* Drop r_pm, a table or a view (see sec_postmortem_features). */
static int drop_pm(struct rctx *c)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT type FROM sqlite_temp_master WHERE name = 'r_pm'", -1, &q,
                           NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "post-mortem: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    bool view = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT &&
                strcmp((const char *)sqlite3_column_text(q, 0), "view") == 0;
    sqlite3_finalize(q);
    return exec(c, view ? "DROP VIEW temp.r_pm" : "DROP TABLE IF EXISTS temp.r_pm", false);
}

int sec_postmortem_features(struct rctx *c)
{
    if (sqlite3_create_function_v2(c->db, "pm_sep", 4, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                   sql_sep, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_create_function_v2(c->db, "pm_kind_order", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                   NULL, sql_kind_order, NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "post-mortem: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    if (c->pm_key) return 0; /* built in this scope */
    if (c->whole) {
        /* Over the whole database r_pm is a view, read where it is read:
         * the post-mortem's one pass over it (sep_scan_merge) reads its
         * rows through the join in message order (r_cp scanned by key, the
         * CROSS JOIN keeping that order, and the id taken from r_cp so that
         * ORDER BY id needs no sort), and sec_campaigns reads it only when
         * its own C pass gives up. Storing it had cost 0.40 s of the
         * post-mortem's 2.1 s on the bench database of a million messages
         * (850,000 rows), reading it back through the join costs the pass
         * about a fifth of that (r100k: 367 M instructions the INSERT, 79 M
         * more for the pass). A narrower scope keeps the table: its
         * separate passes read r_pm several times. */
        if (drop_pm(c) != 0 ||
            exec(c,
                 "CREATE TEMP VIEW r_pm AS SELECT cp.message_id AS id, cp.n_spam AS n_spam,"
                 " cp.n_inbox AS n_inbox, r.campaign AS campaign, r.from_domain AS "
                 "from_domain " PM_VIEW_FROM,
                 false) != 0 ||
            /* as after the table: the TEMP tables made since rctx_open
             * (earlier sections') get their statistics here, as before */
            rctx_analyze(c) != 0)
            return -1;
        c->pm_key = "r_pm";
        return 0;
    }
    if (drop_pm(c) != 0 ||
        exec(c,
             "CREATE TEMP TABLE r_pm(id INTEGER PRIMARY KEY, n_spam INTEGER NOT NULL,"
             " n_inbox INTEGER NOT NULL, campaign TEXT, from_domain TEXT);"
             /* the messages with a spam or inbox copy (r_cp: their copies counted) */
             "INSERT INTO r_pm SELECT r.id, cp.n_spam, cp.n_inbox, r.campaign, r.from_domain"
             " FROM r_cp cp JOIN r_msg r ON r.id = cp.message_id"
             " WHERE (cp.n_spam > 0 OR cp.n_inbox > 0) AND r.feedback_kind IS NULL",
             false) != 0 ||
        rctx_analyze(c) != 0)
        return -1;
    c->pm_key = "r_pm";
    return 0;
}

/* "All 5 spam-placed copies", "3 of 5 spam-placed copies (60%)". */
static const char *quantity(struct rctx *c, int64_t k, int64_t n, const char *what)
{
    if (n == 1) return rprintf(c->r, "The only %s copy", what);
    if (k == n) return rprintf(c->r, "All %lld %s copies", (long long)n, what);
    if (k == 0) return rprintf(c->r, "None of the %lld %s copies", (long long)n, what);
    return rprintf(c->r, "%lld of %lld %s copies (%.0f%%)", (long long)k, (long long)n, what,
                   100.0 * (double)k / (double)n);
}

/* The inbox side of a finding: "none of the 5 inbox copies". */
static const char *inbox_side(struct rctx *c, int64_t k, int64_t n)
{
    if (n == 1) return k ? "so was the only inbox copy" : "the only inbox copy was not";
    if (k == 0) return rprintf(c->r, "none of the %lld inbox copies", (long long)n);
    if (k == n) return rprintf(c->r, "and all %lld inbox copies", (long long)n);
    return rprintf(c->r, "%lld of the %lld inbox copies (%.0f%%)", (long long)k, (long long)n,
                   100.0 * (double)k / (double)n);
}

struct item_ctx {
    struct rctx *c;
    struct rsection *s;
    int n;
};

/* One finding per row: kind, feature, a, n1, c, n2, separation, example Message-ID. */
static int add_item(void *ctx, sqlite3_stmt *st)
{
    struct item_ctx *x = ctx;
    struct rctx *c = x->c;
    const char *kind = rctx_col_text(c, st, 0), *feature = rctx_col_text(c, st, 1);
    int64_t a = sqlite3_column_int64(st, 2), n1 = sqlite3_column_int64(st, 3);
    int64_t k = sqlite3_column_int64(st, 4), n2 = sqlite3_column_int64(st, 5);
    double sep = sqlite3_column_double(st, 6);
    const char *mid = rctx_col_text(c, st, 7);
    const struct kind *kd = kind_of(kind);
    if (!kd || !feature || sep <= 0) return 0;
    bool one = a == 1;
    const char *evidence = rprintf(c->r, "%s %s %s; %s.", quantity(c, a, n1, "spam-placed"),
                                   one ? kd->verb_sg : kd->verb_pl, feature, inbox_side(c, k, n2));
    const char *title = rprintf(c->r, "%s%s%s", kd->fix_pre, feature, kd->fix_post);
    enum rseverity sev = sep >= PM_CRITICAL  ? RS_CRITICAL
                         : sep >= PM_WARNING ? RS_WARNING
                                             : RS_INFO;
    rsec_item(x->s, c->r, sev, (int)(sep * 1000), rprintf(c->r, "postmortem_%s", kind), title,
              evidence, mid ? rprintf(c->r, "Message-ID <%s>", mid) : NULL);
    return ++x->n >= PM_MAX_ITEMS;
}

/* The two tables' query: features more common among `side` copies. */
static const char *table_sql(struct rctx *c, bool spam_side, bool comparable)
{
    /* a: copies of the side with the feature; n1 its copies; b, n2 the other side */
    const char *a = spam_side ? "f.a" : "f.c", *b = spam_side ? "f.c" : "f.a";
    const char *n1 = spam_side ? "t.ns" : "t.ni", *n2 = spam_side ? "t.ni" : "t.ns";
    if (!comparable) /* one side only: the most common features, no separation */
        return rprintf(c->r,
                       "SELECT f.kind, f.feature, f.a, t.ns, f.c, t.ni,"
                       " CASE WHEN t.ns > 0 THEN 1.0 * f.a / t.ns END,"
                       " CASE WHEN t.ni > 0 THEN 1.0 * f.c / t.ni END, NULL"
                       " FROM r_pm_sep f, r_pm_tot t WHERE %s > 0"
                       " ORDER BY %s DESC, pm_kind_order(f.kind), f.feature LIMIT %d",
                       a, a, PM_TOP + 1);
    return rprintf(c->r,
                   "SELECT f.kind, f.feature, f.a, t.ns, f.c, t.ni, 1.0 * f.a / t.ns,"
                   " 1.0 * f.c / t.ni, round(pm_sep(%s, %s, %s, %s), 4) AS sep"
                   " FROM r_pm_sep f, r_pm_tot t WHERE %s * %s > %s * %s"
                   " ORDER BY pm_sep(%s, %s, %s, %s) DESC, 1.0 * %s / %s - 1.0 * %s / %s DESC,"
                   " pm_kind_order(f.kind), f.feature LIMIT %d",
                   a, n1, b, n2, a, n2, b, n1, a, n1, b, n2, a, n1, b, n2, PM_TOP + 1);
}

static const char COLS[] = "kind:t:Feature kind|feature:t:Feature|spam_with:i:Spam copies with it|"
                           "spam_copies:i:Spam copies|inbox_with:i:Inbox copies with it|"
                           "inbox_copies:i:Inbox copies|spam_rate:p:Spam rate|"
                           "inbox_rate:p:Inbox rate|separation:r:Separation";

/* r_pm_sep(kind, feature, a, c, ex_spam): per feature, its spam copies (a),
 * its inbox copies (c) and the first message with a spam copy, for the
 * features on at least PM_MIN_SUPPORT copies.
 *
 * The features are aggregated as they are read, never stored per message:
 * each feature query gives (message, its spam and inbox copies, its
 * campaign, kind, feature) rows, distinct per message, kind and feature,
 * and a hash table keyed by (group, kind, feature) sums the copies (a
 * GROUP BY would sort every feature row: millions). The group is the
 * campaign for sec_campaigns, none for the post-mortem. Keys are compared
 * as SQLite groups them: type and bytes; a number is taken as its text (the
 * TEXT affinity of a stored feature). */
struct sep_ent {
    struct sep_ent *next;
    uint64_t h;
    int gt, kt, ft;
    int gn, kn, fn;
    const void *grp, *kind, *feat;
    int64_t a, c, ex;
};

struct sep_tab {
    arena *a;
    struct sep_ent **b;
    size_t nb, n;
    /* Without a group, the hash of the group and a kind given as a string
     * literal (e_emit, dk_emit: the pointer names it), and the entry of a
     * literal feature of a literal kind (e_emit_lit): a million messages
     * give 13 million features, and hashing the kind again for each, or
     * the same few literal features, was a third of sep_add's work. */
    struct {
        const char *kind;
        int kn;
        uint64_t h;
    } kh[32]; /* direct-mapped by the literal's address */
    struct {
        const char *kind, *feat;
        struct sep_ent *e;
    } lit[16];
    size_t nlit;
    /* r_pm's totals (r_pm_tot), counted by sep_scan_merge when it ran:
     * r_pm is a view there, and summing it in SQL would read it again */
    bool has_tot;
    int64_t tot_ns, tot_ni, tot_nm;
};

/* The table's hash of one key part: its type, then its bytes eight at a
 * time (sqlval_hash_bytes; FNV-1a's multiply per byte had been 6% of a
 * post-mortem over a million messages). Only the distribution matters:
 * equal parts are compared by bytes. */
static uint64_t sep_hash(uint64_t h, const void *p, int n, int type)
{
    return sqlval_hash_bytes((h ^ (uint64_t)(unsigned)type) * 1099511628211ull, p, (size_t)n);
}

/* Column k's bytes and type as a TEXT column would store them. */
static const void *sep_bytes(sqlite3_stmt *s, int k, int *type, int *n)
{
    /* the column's value once, then sqlite3_value_* (each sqlite3_column_*
     * call pays the statement's error check: a few percent of the pass) */
    sqlite3_value *v = sqlite3_column_value(s, k);
    *type = sqlite3_value_type(v);
    if (*type == SQLITE_INTEGER || *type == SQLITE_FLOAT) *type = SQLITE_TEXT;
    const void *p =
        *type == SQLITE_BLOB ? sqlite3_value_blob(v) : (const void *)sqlite3_value_text(v);
    *n = sqlite3_value_bytes(v);
    return p ? p : "";
}

static void sep_grow(struct sep_tab *t)
{
    size_t nb = t->nb ? t->nb * 2 : 1024;
    struct sep_ent **b = xcalloc(nb, sizeof *b);
    for (size_t i = 0; i < t->nb; i++)
        for (struct sep_ent *e = t->b[i], *nx; e; e = nx) {
            nx = e->next;
            e->next = b[e->h & (nb - 1)];
            b[e->h & (nb - 1)] = e;
        }
    free(t->b);
    t->b = b;
    t->nb = nb;
}

static bool sep_same(const void *p, int t, int n, const void *q, int tq, int nq)
{
    return t == tq && n == nq && memcmp(p, q, (size_t)n) == 0;
}

/* One feature query's rows into t: columns id, n_spam, n_inbox, campaign,
 * kind, feature; grouped by campaign when by_campaign. */
/* Count one (group, kind, feature) row of message id with ns spam and ni
 * inbox copies. */
/* The entry of (group, kind, feature) whose group and kind hash to hp
 * (sep_prefix), made when new. */
static struct sep_ent *sep_find(struct sep_tab *t, uint64_t hp, const void *gp, int gt, int gn,
                                const void *kp, int kt, int kn, const void *fp, int ft, int fn)
{
    uint64_t h = sep_hash(hp, fp, fn, ft);
    struct sep_ent *e = t->b[h & (t->nb - 1)];
    while (e && !(e->h == h && sep_same(e->feat, e->ft, e->fn, fp, ft, fn) &&
                  sep_same(e->kind, e->kt, e->kn, kp, kt, kn) &&
                  sep_same(e->grp, e->gt, e->gn, gp, gt, gn)))
        e = e->next;
    if (!e) {
        if (t->n >= t->nb) sep_grow(t);
        e = arena_alloc(t->a, sizeof *e);
        *e = (struct sep_ent){
            .h = h, .gt = gt, .kt = kt, .ft = ft, .gn = gn, .kn = kn, .fn = fn, .ex = -1};
        e->grp = arena_strndup(t->a, gp, (size_t)gn);
        e->kind = arena_strndup(t->a, kp, (size_t)kn);
        e->feat = arena_strndup(t->a, fp, (size_t)fn);
        e->next = t->b[h & (t->nb - 1)];
        t->b[h & (t->nb - 1)] = e;
        t->n++;
    }
    return e;
}

static void sep_count(struct sep_ent *e, int64_t id, int64_t ns, int64_t ni)
{
    e->a += ns;
    e->c += ni;
    if (ns > 0 && (e->ex < 0 || id < e->ex)) e->ex = id;
}

/* Count one (group, kind, feature) row of message id with ns spam and ni
 * inbox copies. */
static void sep_add(struct sep_tab *t, const void *gp, int gt, int gn, const void *kp, int kt,
                    int kn, const void *fp, int ft, int fn, int64_t id, int64_t ns, int64_t ni)
{
    uint64_t hp = sep_hash(sep_hash(1469598103934665603ull, gp, gn, gt), kp, kn, kt);
    sep_count(sep_find(t, hp, gp, gt, gn, kp, kt, kn, fp, ft, fn), id, ns, ni);
}

/* The hash of a group and a kind that is a string literal (its length into
 * *kn): remembered by the literal's address when there is no group. */
static uint64_t sep_prefix(struct sep_tab *t, const void *gp, int gt, int gn, const char *kind,
                           int *kn)
{
    size_t slot = ((uintptr_t)kind >> 2) % (sizeof t->kh / sizeof t->kh[0]);
    if (gt == SQLITE_NULL && t->kh[slot].kind == kind) {
        *kn = t->kh[slot].kn;
        return t->kh[slot].h;
    }
    *kn = (int)strlen(kind);
    uint64_t h = sep_hash(sep_hash(1469598103934665603ull, gp, gn, gt), kind, *kn, SQLITE_TEXT);
    if (gt == SQLITE_NULL) {
        t->kh[slot].kind = kind;
        t->kh[slot].kn = *kn;
        t->kh[slot].h = h;
    }
    return h;
}

/* sep_add for a kind that is a string literal. */
static struct sep_ent *sep_find_lit(struct sep_tab *t, const void *gp, int gt, int gn,
                                    const char *kind, const void *fp, int ft, int fn)
{
    int kn;
    uint64_t hp = sep_prefix(t, gp, gt, gn, kind, &kn);
    return sep_find(t, hp, gp, gt, gn, kind, SQLITE_TEXT, kn, fp, ft, fn);
}

/* The entries one row's features went to (with their DKIM slots), kept by
 * a memo (below) to count the next row with the same raw columns. */
#define CAP_MAX 9
struct cap {
    int n;
    struct sep_ent *e[CAP_MAX];
    int slot[CAP_MAX];
};

static void cap_push(struct cap *cp, struct sep_ent *e, int slot)
{
    if (!cp) return;
    if (cp->n < CAP_MAX) {
        cp->e[cp->n] = e;
        cp->slot[cp->n] = slot;
    }
    cp->n++; /* past CAP_MAX: not remembered (memo_put) */
}

static int sep_not_null(struct rctx *c)
{
    snprintf(c->err, sizeof c->err, "post-mortem: NOT NULL constraint failed: feature");
    return -1;
}

static int sep_step_error(struct rctx *c)
{
    snprintf(c->err, sizeof c->err, "post-mortem: %s", sqlite3_errmsg(c->db));
    return -1;
}

static int sep_add_rows(struct rctx *c, sqlite3_stmt *q, bool by_campaign, bool merged,
                        struct sep_tab *t)
{
    int step, ncol = sqlite3_column_count(q);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        /* a single query: as r_feat's NOT NULL did */
        if (!merged && sqlite3_column_type(q, 5) == SQLITE_NULL) return sep_not_null(c);
        int gt = SQLITE_NULL, gn = 0, kt, kn, ft, fn;
        const void *gp = "";
        if (by_campaign && sqlite3_column_type(q, 3) != SQLITE_NULL) gp = sep_bytes(q, 3, &gt, &gn);
        int64_t id = sqlite3_column_int64(q, 0), ns = sqlite3_column_int64(q, 1),
                ni = sqlite3_column_int64(q, 2);
        for (int k = 4; k + 1 < ncol; k += 2) {
            if (sqlite3_column_type(q, k + 1) == SQLITE_NULL) continue; /* merged: not this row */
            const void *kp = sep_bytes(q, k, &kt, &kn);
            if (by_campaign && kn == 8 && memcmp(kp, "campaign", 8) == 0) continue;
            const void *fp = sep_bytes(q, k + 1, &ft, &fn);
            sep_add(t, gp, gt, gn, kp, kt, kn, fp, ft, fn, id, ns, ni);
        }
    }
    return step == SQLITE_DONE ? 0 : sep_step_error(c);
}

/* The DKIM features of one message, deduplicated per query as DISTINCT
 * did: slot (which query) and entry (within a message, whose group is one,
 * and a slot, whose kind is one, the entry is the feature's type and
 * bytes). */
struct dk_seen {
    int slot;
    struct sep_ent *e;
};

struct dk_msg {
    arena *a;
    struct dk_seen *seen;
    size_t n, cap;
    struct cap *capture; /* when set, dk_emit's entries also go there */
};

/* Concatenate parts (NULL-terminated list of text pieces with lengths). */
static const char *dk_cat(arena *a, int *len, const char *const *parts, const int *lens)
{
    size_t n = 0;
    for (size_t i = 0; parts[i]; i++)
        n += (size_t)lens[i];
    char *p = arena_alloc(a, n + 1), *w = p;
    for (size_t i = 0; parts[i]; i++) {
        memcpy(w, parts[i], (size_t)lens[i]);
        w += lens[i];
    }
    *w = '\0';
    *len = (int)n;
    return p;
}

/* Count entry e of DKIM slot `slot` once a message. */
static void dk_count(struct dk_msg *m, int slot, struct sep_ent *e, int64_t id, int64_t ns,
                     int64_t ni)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->seen[i].slot == slot && m->seen[i].e == e) return;
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 16;
        m->seen = xrealloc(m->seen, m->cap * sizeof *m->seen);
    }
    m->seen[m->n++] = (struct dk_seen){slot, e};
    sep_count(e, id, ns, ni);
}

static void dk_emit(struct dk_msg *m, struct sep_tab *t, int slot, const void *gp, int gt, int gn,
                    const char *kind, const void *fp, int ft, int fn, int64_t id, int64_t ns,
                    int64_t ni)
{
    struct sep_ent *e = sep_find_lit(t, gp, gt, gn, kind, fp, ft, fn);
    cap_push(m->capture, e, slot);
    dk_count(m, slot, e, id, ns, ni);
}

/* Column k as text for a concatenation (SQLite's || casts numbers and blobs
 * to text the same way); NULL when it is NULL. */
static const char *dk_text(sqlite3_stmt *q, int k, int *n)
{
    const char *p = (const char *)sqlite3_column_text(q, k);
    *n = p ? sqlite3_column_bytes(q, k) : 0;
    return p;
}

/* One row of a message's non-legacy DKIM signatures (columns k.result,
 * k.reason, k.domain, k.key_bits from column base on) into m's features;
 * -1 (c->err) when the result is NULL. */
static int dk_row(struct rctx *c, struct dk_msg *m, struct sep_tab *t, sqlite3_stmt *q, int base,
                  const void *gp, int gt, int gn, int64_t id, int64_t ns, int64_t ni)
{
    int nres, nrea, ndom;
    const char *res = dk_text(q, base, &nres), *rea = dk_text(q, base + 1, &nrea);
    const char *dom = dk_text(q, base + 2, &ndom);
    if (!res) return sep_not_null(c);
    const char *dq = dom ? dom : "?";
    int ndq = dom ? ndom : 1, n;
    const char *f;
    f = dk_cat(m->a, &n, (const char *const[]){"dkim=", res, NULL}, (const int[]){5, nres});
    dk_emit(m, t, 1, gp, gt, gn, "dkim", f, SQLITE_TEXT, n, id, ns, ni);
    if (rea)
        f = dk_cat(m->a, &n, (const char *const[]){"dkim=", res, " (", rea, ") d=", dq, NULL},
                   (const int[]){5, nres, 2, nrea, 4, ndq});
    else
        f = dk_cat(m->a, &n, (const char *const[]){"dkim=", res, " d=", dq, NULL},
                   (const int[]){5, nres, 3, ndq});
    dk_emit(m, t, 2, gp, gt, gn, "dkim", f, SQLITE_TEXT, n, id, ns, ni);
    if (dom) {
        int dt, dn;
        const void *dp = sep_bytes(q, base + 2, &dt, &dn);
        dk_emit(m, t, 4, gp, gt, gn, "dkim_domain", dp, dt, dn, id, ns, ni);
    }
    int bt = sqlite3_column_type(q, base + 3);
    bool small = (bt == SQLITE_INTEGER && sqlite3_column_int64(q, base + 3) < 1024) ||
                 (bt == SQLITE_FLOAT && sqlite3_column_double(q, base + 3) < 1024);
    if (small) {
        f = dk_cat(m->a, &n, (const char *const[]){"dkim key under 1024 bits d=", dq, NULL},
                   (const int[]){27, ndq});
        dk_emit(m, t, 5, gp, gt, gn, "dkim", f, SQLITE_TEXT, n, id, ns, ni);
    }
    return 0;
}

static const char dk_none[] = "dkim=none (not signed)";

static int sep_scan_dkim(struct rctx *c, const char *src, bool by_campaign, struct sep_tab *t)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT p.id, p.n_spam, p.n_inbox, p.campaign, k.message_id, k.result, k.reason,"
             " k.domain, k.key_bits FROM %s p LEFT JOIN dkim_signatures k"
             " ON k.message_id = p.id AND NOT k.legacy ORDER BY p.id",
             src);
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, sql, -1, &q, NULL) != SQLITE_OK) {
        if (schema_missing(c->db)) return 0;
        return sep_step_error(c);
    }
    struct dk_msg m = {.a = arena_new()};
    int64_t cur = 0;
    bool have = false;
    int step, rc = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(q, 0), ns = sqlite3_column_int64(q, 1),
                ni = sqlite3_column_int64(q, 2);
        if (!have || id != cur) {
            arena_reset(m.a);
            m.n = 0;
            cur = id;
            have = true;
        }
        int gt = SQLITE_NULL, gn = 0;
        const void *gp = "";
        if (by_campaign && sqlite3_column_type(q, 3) != SQLITE_NULL) gp = sep_bytes(q, 3, &gt, &gn);
        if (sqlite3_column_type(q, 4) == SQLITE_NULL) { /* no signature */
            dk_emit(&m, t, 3, gp, gt, gn, "dkim", dk_none, SQLITE_TEXT, (int)sizeof dk_none - 1, id,
                    ns, ni);
            continue;
        }
        if ((rc = dk_row(c, &m, t, q, 5, gp, gt, gn, id, ns, ni)) != 0) break;
    }
    if (rc == 0 && step != SQLITE_DONE) rc = sep_step_error(c);
    sqlite3_finalize(q);
    free(m.seen);
    arena_free(m.a);
    return rc;
}

/* merged_sql[0] computed in C: the SQL builds ~13 strings a message (each
 * concatenation a fresh allocation, a printf for the score band) and this
 * was the largest statement of the whole report (2.5 s of 28 for a million
 * messages). ENTRY_SQL reads the same joins' raw columns; sep_scan_entry
 * makes the features exactly as that SQL would: the same bytes and types,
 * in the same order. Tests set pm_entry_c to false to run the SQL instead
 * and compare (tests/unit/test_report_pm_entry.c). */
static bool pm_entry_c = true;

/* the entry-hop columns (E_* below), then one more: SPF's IP in ENTRY_SQL
 * (E_SIP), in ENTRY_MERGE_SQL whether messages has the row (E_NOMSG; its
 * SPF IP comes from the SPF rows read beside: a constant NULL column in its
 * place had cost every row) */
#define ENTRY_HDR "(m.list_id IS NULL) + 2 * (m.feedback_id IS NULL) + 4 * (m.message_id IS NULL)"
#define ENTRY_COLS(hdr)                                                                            \
    PM_MSG ", i.ip, i.helo, i.result, i.reason, i.tls, d.result, d.reason, " hdr ","               \
           " CASE WHEN cs.message_id IS NULL THEN NULL WHEN cs.total >= cs.threshold THEN 1"       \
           " WHEN cs.total >= cs.threshold / 2 THEN 2 WHEN cs.total >= 0 THEN 3 ELSE 4 END,"       \
           " cs.threshold, p.from_domain"
#define ENTRY_SQL                                                                                  \
    ENTRY_COLS(ENTRY_HDR)                                                                          \
    ", s.ip"                                                                                       \
    " FROM @P p JOIN messages m ON m.id = p.id"                                                    \
    " LEFT JOIN iprev_results i ON i.message_id = p.id"                                            \
    " LEFT JOIN spf_results s ON s.message_id = p.id AND s.identity = 'mailfrom'"                  \
    " LEFT JOIN dmarc_results d ON d.message_id = p.id"                                            \
    " LEFT JOIN content_scores cs ON cs.message_id = p.id"
enum {
    E_IIP = 4,
    E_HELO,
    E_IRES,
    E_IREA,
    E_TLS,
    E_DRES,
    E_DREA,
    E_HDR, /* bits: 1 no List-Id, 2 no Feedback-ID, 4 no Message-ID (one column, not three) */
    E_BAND,
    E_THR,
    E_FROMDOM,
    E_NCOL,
    E_SIP = E_NCOL,
    E_NOMSG = E_NCOL
};

/* A growable byte buffer for the features that are concatenations. */
struct ebuf {
    char *p;
    size_t n, cap;
};

static void ebuf_put(struct ebuf *b, const void *p, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, p, n);
    b->n += n;
    b->p[b->n] = '\0';
}

/* Column k as the text SQLite's || and lower() read from it (a blob's
 * bytes, a number's text); NULL when it is NULL. */
static const char *e_text(sqlite3_stmt *q, int k, int *n)
{
    sqlite3_value *v = sqlite3_column_value(q, k);
    if (sqlite3_value_type(v) == SQLITE_NULL) return NULL;
    const char *p = (const char *)sqlite3_value_text(v);
    *n = sqlite3_value_bytes(v);
    return p ? p : "";
}

/* SQL's `X <> ''` for column k: NULL is not, and of the other values only
 * an empty text equals '' (TEXT-affinity columns; a number or blob never
 * compares equal to a text). */
static bool e_nonempty(sqlite3_stmt *q, int k)
{
    sqlite3_value *v = sqlite3_column_value(q, k);
    int t = sqlite3_value_type(v);
    if (t == SQLITE_NULL) return false;
    return t != SQLITE_TEXT || sqlite3_value_bytes(v) > 0;
}

/* "PREFIX" || a, or "PREFIX" || a || ' (' || r || ')' when r is given. */
static const char *e_cat(struct ebuf *b, const char *prefix, const char *a, int na, const char *r,
                         int nr, int *n)
{
    b->n = 0;
    ebuf_put(b, prefix, strlen(prefix));
    ebuf_put(b, a, (size_t)na);
    if (r) {
        ebuf_put(b, " (", 2);
        ebuf_put(b, r, (size_t)nr);
        ebuf_put(b, ")", 1);
    }
    *n = (int)b->n;
    return b->p;
}

/* The score band's label for band 1-4 and the threshold: SQLite's printf
 * made it in the SQL, so SQLite makes it here too, once per distinct
 * (band, threshold). */
struct band_label {
    int band;
    double thr;
    char *s;
    int n;
};

struct band_cache {
    sqlite3_stmt *q;
    struct band_label v[16];
    size_t n;
    char *tmp; /* a label not kept in v, valid until the next */
};

static const char *band_label(struct rctx *c, struct band_cache *bc, sqlite3_stmt *row, int *n)
{
    int band = sqlite3_column_int(row, E_BAND);
    int tt = sqlite3_column_type(row, E_THR);
    bool cacheable = tt == SQLITE_FLOAT || tt == SQLITE_INTEGER;
    double thr = sqlite3_column_double(row, E_THR);
    if (cacheable && tt == SQLITE_INTEGER) cacheable = false; /* integer division: don't mix */
    if (cacheable)
        for (size_t i = 0; i < bc->n; i++)
            if (bc->v[i].band == band && memcmp(&bc->v[i].thr, &thr, sizeof thr) == 0) {
                *n = bc->v[i].n;
                return bc->v[i].s;
            }
    if (!bc->q &&
        sqlite3_prepare_v2(c->db,
                           "SELECT CASE ?1 WHEN 1 THEN printf('%g or more (threshold)', ?2)"
                           " WHEN 2 THEN printf('%g to under %g', ?2 / 2, ?2)"
                           " WHEN 3 THEN printf('0 to under %g', ?2 / 2) ELSE 'below 0' END",
                           -1, &bc->q, NULL) != SQLITE_OK)
        return NULL;
    sqlite3_reset(bc->q);
    sqlite3_bind_int(bc->q, 1, band);
    sqlite3_bind_value(bc->q, 2, sqlite3_column_value(row, E_THR));
    if (sqlite3_step(bc->q) != SQLITE_ROW || sqlite3_column_type(bc->q, 0) == SQLITE_NULL)
        return NULL;
    int len = sqlite3_column_bytes(bc->q, 0);
    char *s = xmalloc((size_t)len + 1);
    memcpy(s, sqlite3_column_text(bc->q, 0), (size_t)len + 1);
    sqlite3_reset(bc->q); /* not left running while the outer query goes on */
    if (cacheable && bc->n < sizeof bc->v / sizeof bc->v[0]) {
        bc->v[bc->n++] = (struct band_label){band, thr, s, len};
    } else {
        free(bc->tmp);
        bc->tmp = s;
    }
    *n = len;
    return s;
}

/* Prepare the template tpl with its @P replaced by src (the table of
 * messages) into *q: 0; 1 when a table or column is missing from an older
 * database; -1 on error. */
static int prepare_src(struct rctx *c, const char *tpl, const char *src, sqlite3_stmt **q)
{
    const char *at = strstr(tpl, "@P");
    char sql[2048];
    snprintf(sql, sizeof sql, "%.*s%s%s", (int)(at - tpl), tpl, src, at + 2);
    if (sqlite3_prepare_v2(c->db, sql, -1, q, NULL) == SQLITE_OK) return 0;
    if (schema_missing(c->db)) return 1;
    return sep_step_error(c);
}

/* One message's row of ENTRY_SQL: where its features go. */
struct erow {
    struct sep_tab *t;
    const void *gp; /* the campaign, when grouped by it */
    int gt, gn;
    int64_t id, ns, ni;
    struct cap *capture; /* when set, e_emit's entries also go there */
};

static void e_emit(const struct erow *r, const char *kind, const void *p, int type, int n)
{
    struct sep_ent *e = sep_find_lit(r->t, r->gp, r->gt, r->gn, kind, p, type, n);
    cap_push(r->capture, e, 0);
    sep_count(e, r->id, r->ns, r->ni);
}

/* Memos of the merged pass (sep_scan_merge: the whole scope, no group).
 * Most features are a few columns with few distinct values ("iprev=" ||
 * result || ' (' || reason || ')', the SPF and DKIM results, the score
 * band), and building each row's strings and hashing them into the table
 * again was most of the C side of the pass (r100k: e_row 4,600 and dk_row
 * 2,400 instructions a message). A memo is keyed by a source's raw columns
 * -- each its type, then an integer's or real's bytes, a text's or blob's
 * length and bytes: equal keys are equal values, so the same features --
 * and holds the entries that row's features went to: a later row with the
 * same key counts them without building anything. A value whose features
 * could differ with the same key does not exist (the features are
 * functions of these columns alone; the group, which is not in the key, is
 * none here). Bounded: MEMO_MAX keys a memo, then rows past it are made as
 * without it. The memos: the entry host (iprev's IP, else SPF's, and the
 * HELO), the entry's other low-cardinality columns (iprev, TLS, DMARC,
 * headers, score: one key of eight columns), the sender (From domain,
 * campaign), an SPF row, a DKIM signature (its features also carry their
 * DISTINCT slot). r100k: the post-mortem 1,908 M -> 1,601 M instructions
 * (the C side of the pass about halved). Keys on the bench databases, 100k
 * and 1M messages alike: host 45, entry 17, sender 6,188, SPF 2, DKIM 14. */
#define MEMO_MAX 65536

struct memo_ent {
    uint64_t h;
    const char *key; /* NULL: a free slot */
    size_t kn;
    struct cap cap;
};

#define MEMO_KEY 256 /* bytes of a key; a longer one is not remembered */

struct memo {
    struct memo_ent *v; /* open addressing, at most half full */
    size_t nb, n;
    char k[MEMO_KEY]; /* the key being looked up */
    size_t kn;
    bool k_over; /* it did not fit */
    uint64_t h;
    arena *a;
};

struct memos {
    struct memo host, entry, sender, spf, dkim;
};

/* A value of type t (NULL, text or blob: bytes p, n) onto the memo's key,
 * as memo_col puts a column. */
static void memo_raw(struct memo *mm, int t, const void *p, size_t n)
{
    if (mm->kn + 1 + 4 + n > MEMO_KEY) {
        mm->k_over = true;
        return;
    }
    mm->k[mm->kn++] = (char)t;
    if (t != SQLITE_TEXT && t != SQLITE_BLOB) return;
    uint32_t n32 = (uint32_t)n;
    memcpy(mm->k + mm->kn, &n32, 4);
    if (n) memcpy(mm->k + mm->kn + 4, p, n);
    mm->kn += 4 + n;
}

/* Column k of q onto the memo's key: its type byte, then 8 bytes of an
 * integer or real, or 4 of length and the bytes of a text or blob. */
static void memo_col(struct memo *mm, sqlite3_stmt *q, int k)
{
    sqlite3_value *v = sqlite3_column_value(q, k);
    int t = sqlite3_value_type(v);
    if (mm->kn + 1 + 8 > MEMO_KEY) {
        mm->k_over = true;
        return;
    }
    char *w = mm->k + mm->kn;
    *w++ = (char)t;
    if (t == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        memcpy(w, &x, 8);
        w += 8;
    } else if (t == SQLITE_FLOAT) {
        double x = sqlite3_value_double(v);
        memcpy(w, &x, 8);
        w += 8;
    } else if (t == SQLITE_TEXT || t == SQLITE_BLOB) {
        const void *p =
            t == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
        uint32_t n = (uint32_t)sqlite3_value_bytes(v);
        memcpy(w, &n, 4);
        w += 4;
        if ((size_t)(w - mm->k) + n > MEMO_KEY) {
            mm->k_over = true;
            return;
        }
        if (n && p) memcpy(w, p, n);
        w += n;
    }
    mm->kn = (size_t)(w - mm->k);
}

/* The entry of the key in mm->k, NULL when it is new (or too long). */
static struct memo_ent *memo_get(struct memo *mm)
{
    if (mm->k_over) return NULL;
    mm->h = sqlval_hash_bytes(SQLVAL_HASH_SEED, mm->k, mm->kn);
    if (!mm->nb) return NULL;
    for (size_t i = mm->h & (mm->nb - 1);; i = (i + 1) & (mm->nb - 1)) {
        struct memo_ent *e = &mm->v[i];
        if (!e->key) return NULL;
        if (e->h == mm->h && e->kn == mm->kn && memcmp(e->key, mm->k, e->kn) == 0) return e;
    }
}

static void memo_slot(struct memo_ent *v, size_t nb, const struct memo_ent *e)
{
    size_t i = e->h & (nb - 1);
    while (v[i].key)
        i = (i + 1) & (nb - 1);
    v[i] = *e;
}

/* Remember the entries cp of the key just looked up (memo_get). */
static void memo_put(struct memo *mm, const struct cap *cp)
{
    if (cp->n > CAP_MAX || mm->n >= MEMO_MAX || mm->k_over) return;
    if (2 * (mm->n + 1) > mm->nb) {
        size_t nb = mm->nb ? mm->nb * 2 : 64;
        struct memo_ent *v = xcalloc(nb, sizeof *v);
        for (size_t i = 0; i < mm->nb; i++)
            if (mm->v[i].key) memo_slot(v, nb, &mm->v[i]);
        free(mm->v);
        mm->v = v;
        mm->nb = nb;
    }
    if (!mm->a) mm->a = arena_new();
    char *key = arena_alloc(mm->a, mm->kn);
    memcpy(key, mm->k, mm->kn);
    memo_slot(mm->v, mm->nb, &(struct memo_ent){mm->h, key, mm->kn, *cp});
    mm->n++;
}

static void memo_free(struct memo *mm)
{
    free(mm->v);
    if (mm->a) arena_free(mm->a);
}

static void memos_free(struct memos *mo)
{
    memo_free(&mo->host);
    memo_free(&mo->entry);
    memo_free(&mo->sender);
    memo_free(&mo->spf);
    memo_free(&mo->dkim);
}

/* Look up the key of columns cols of q: the memo's entry (NULL: new). */
static struct memo_ent *memo_find(struct memo *mm, sqlite3_stmt *q, const int *cols, int ncol)
{
    mm->kn = 0;
    mm->k_over = false;
    for (int i = 0; i < ncol; i++)
        memo_col(mm, q, cols[i]);
    return memo_get(mm);
}

/* true when the row's key columns were seen: their features counted from
 * the memo. false: the caller makes them with capture set, then memo_put. */
static bool memo_hit(struct memo *mm, sqlite3_stmt *q, const int *cols, int ncol,
                     const struct erow *r)
{
    struct memo_ent *e = memo_find(mm, q, cols, ncol);
    if (!e) return false;
    for (int i = 0; i < e->cap.n; i++)
        sep_count(e->cap.e[i], r->id, r->ns, r->ni);
    return true;
}

/* A feature that is a string literal: without a group, its entry is
 * remembered by the literals' addresses. */
static void e_emit_lit(const struct erow *r, const char *kind, const char *text)
{
    struct sep_tab *t = r->t;
    if (r->gt == SQLITE_NULL) {
        for (size_t i = 0; i < t->nlit; i++)
            if (t->lit[i].feat == text && t->lit[i].kind == kind) {
                cap_push(r->capture, t->lit[i].e, 0);
                sep_count(t->lit[i].e, r->id, r->ns, r->ni);
                return;
            }
    }
    int kn;
    uint64_t hp = sep_prefix(t, r->gp, r->gt, r->gn, kind, &kn);
    struct sep_ent *e = sep_find(t, hp, r->gp, r->gt, r->gn, kind, SQLITE_TEXT, kn, text,
                                 SQLITE_TEXT, (int)strlen(text));
    cap_push(r->capture, e, 0);
    sep_count(e, r->id, r->ns, r->ni);
    if (r->gt == SQLITE_NULL && t->nlit < sizeof t->lit / sizeof t->lit[0]) {
        t->lit[t->nlit].kind = kind;
        t->lit[t->nlit].feat = text;
        t->lit[t->nlit++].e = e;
    }
}

/* PREFIX || result, and PREFIX || result || ' (' || reason || ')' when the
 * reason <> '' (columns kres, krea; nothing when the result is NULL). */
static void e_result(const struct erow *r, struct ebuf *b, sqlite3_stmt *q, const char *kind,
                     const char *prefix, int kres, int krea)
{
    int na = 0, nr = 0, fn;
    const char *res = e_text(q, kres, &na);
    if (!res) return;
    const char *f = e_cat(b, prefix, res, na, NULL, 0, &fn);
    e_emit(r, kind, f, SQLITE_TEXT, fn);
    if (!e_nonempty(q, krea)) return;
    const char *rea = e_text(q, krea, &nr);
    res = e_text(q, kres, &na);
    f = e_cat(b, prefix, res, na, rea, nr, &fn);
    e_emit(r, kind, f, SQLITE_TEXT, fn);
}

/* SPF's client IP for the entry hop when it is not a column of the entry
 * row: the mailfrom row's ip, copied (type and bytes) from the SPF rows
 * read beside the entry rows (sep_scan_merge). */
struct sip {
    int type; /* SQLITE_NULL: no mailfrom row or a NULL ip */
    struct ebuf b;
};

/* The entry host's features: 'ip' (iprev's, else SPF's: column E_SIP, or
 * sip when given) and 'helo'. */
static void e_host(sqlite3_stmt *q, const struct erow *r, struct ebuf *b, const struct sip *sip)
{
    int ft = 0, fn = 0, na = 0;
    const void *fp;
    /* 'ip': coalesce(i.ip, s.ip) when <> '' */
    if (sqlite3_column_type(q, E_IIP) != SQLITE_NULL || !sip) {
        int ipk = sqlite3_column_type(q, E_IIP) != SQLITE_NULL ? E_IIP : E_SIP;
        if (e_nonempty(q, ipk)) {
            fp = sep_bytes(q, ipk, &ft, &fn);
            e_emit(r, "ip", fp, ft, fn);
        }
    } else if (sip->type != SQLITE_NULL && (sip->type != SQLITE_TEXT || sip->b.n > 0)) {
        e_emit(r, "ip", sip->b.n ? sip->b.p : "", sip->type, (int)sip->b.n);
    }
    /* 'helo': lower(i.helo) when <> '' (ASCII only, as SQLite's lower()) */
    if (e_nonempty(q, E_HELO)) {
        const char *h = e_text(q, E_HELO, &na);
        b->n = 0;
        ebuf_put(b, h, (size_t)na);
        for (size_t k = 0; k < b->n; k++)
            if (b->p[k] >= 'A' && b->p[k] <= 'Z') b->p[k] = (char)(b->p[k] + 32);
        e_emit(r, "helo", b->p, SQLITE_TEXT, (int)b->n);
    }
}

/* The From domain and (not per campaign) the campaign. */
static void e_sender(sqlite3_stmt *q, const struct erow *r, bool by_campaign)
{
    int ft = 0, fn = 0;
    const void *fp;
    if (sqlite3_column_type(q, E_FROMDOM) != SQLITE_NULL) {
        fp = sep_bytes(q, E_FROMDOM, &ft, &fn);
        e_emit(r, "from_domain", fp, ft, fn);
    }
    if (!by_campaign && sqlite3_column_type(q, 3) != SQLITE_NULL) {
        fp = sep_bytes(q, 3, &ft, &fn);
        e_emit(r, "campaign", fp, ft, fn);
    }
}

/* The score band's feature (none when the band is NULL). */
static int e_score(struct rctx *c, sqlite3_stmt *q, const struct erow *r, struct band_cache *bc)
{
    if (sqlite3_column_type(q, E_BAND) == SQLITE_NULL) return 0;
    int fn = 0;
    const char *l = band_label(c, bc, q, &fn);
    if (!l) return sep_step_error(c);
    e_emit(r, "score", l, SQLITE_TEXT, fn);
    return 0;
}

/* The entry row's features of few distinct values (columns E_IRES to
 * E_THR): iprev, TLS, DMARC, headers, score band. */
static int e_low(struct rctx *c, sqlite3_stmt *q, const struct erow *r, struct ebuf *b,
                 struct band_cache *bc)
{
    e_result(r, b, q, "iprev", "iprev=", E_IRES, E_IREA);
    int tt = sqlite3_column_type(q, E_TLS);
    if (tt != SQLITE_NULL) {
        bool on = tt == SQLITE_INTEGER ? sqlite3_column_int64(q, E_TLS) != 0
                                       : sqlite3_column_double(q, E_TLS) != 0.0;
        e_emit_lit(r, "tls", on ? "entry hop with TLS" : "entry hop without TLS");
    }
    e_result(r, b, q, "dmarc", "dmarc=", E_DRES, E_DREA);
    int hdr = sqlite3_column_int(q, E_HDR);
    e_emit_lit(r, "header", hdr & 1 ? "no List-Id" : "List-Id");
    e_emit_lit(r, "header", hdr & 2 ? "no Feedback-ID" : "Feedback-ID");
    if (hdr & 4) e_emit_lit(r, "header", "no Message-ID");
    return e_score(c, q, r, bc);
}

/* One row of ENTRY_SQL (q) into r's features; sip NULL: SPF's IP is column
 * E_SIP. mo: the merged pass's memos (then sip is given), else NULL. 0, or
 * -1 (c->err). */
static int e_row(struct rctx *c, sqlite3_stmt *q, const struct erow *r, struct ebuf *b,
                 struct band_cache *bc, bool by_campaign, const struct sip *sip, struct memos *mo)
{
    /* the entry host (IP, HELO), keyed by its columns and, when iprev has
     * no IP, SPF's */
    if (!mo) {
        e_host(q, r, b, sip);
    } else {
        struct memo *mm = &mo->host;
        mm->kn = 0;
        mm->k_over = false;
        memo_col(mm, q, E_IIP);
        if (sqlite3_column_type(q, E_IIP) == SQLITE_NULL)
            memo_raw(mm, sip->type, sip->b.p, sip->b.n);
        memo_col(mm, q, E_HELO);
        struct memo_ent *me = memo_get(mm);
        if (me) {
            for (int i = 0; i < me->cap.n; i++)
                sep_count(me->cap.e[i], r->id, r->ns, r->ni);
        } else {
            struct cap cp = {0};
            struct erow rx = *r;
            rx.capture = &cp;
            e_host(q, &rx, b, sip);
            memo_put(mm, &cp);
        }
    }
    /* iprev, TLS, DMARC, headers, score: few distinct combinations, one
     * memo for them all */
    if (!mo) {
        if (e_low(c, q, r, b, bc) != 0) return -1;
    } else if (!memo_hit(&mo->entry, q,
                         (const int[]){E_IRES, E_IREA, E_TLS, E_DRES, E_DREA, E_HDR, E_BAND, E_THR},
                         8, r)) {
        struct cap cp = {0};
        struct erow rx = *r;
        rx.capture = &cp;
        if (e_low(c, q, &rx, b, bc) != 0) return -1;
        memo_put(&mo->entry, &cp);
    }
    /* From domain, campaign */
    if (!mo) {
        e_sender(q, r, by_campaign);
    } else if (!memo_hit(&mo->sender, q, (const int[]){E_FROMDOM, 3}, 2, r)) {
        struct cap cp = {0};
        struct erow rx = *r;
        rx.capture = &cp;
        e_sender(q, &rx, by_campaign);
        memo_put(&mo->sender, &cp);
    }
    return 0;
}

static void band_cache_free(struct band_cache *bc)
{
    sqlite3_finalize(bc->q);
    for (size_t i = 0; i < bc->n; i++)
        free(bc->v[i].s);
    free(bc->tmp);
}

static int sep_scan_entry(struct rctx *c, const char *src, bool by_campaign, struct sep_tab *t)
{
    sqlite3_stmt *q;
    int prc = prepare_src(c, ENTRY_SQL, src, &q);
    if (prc != 0) return prc;
    struct ebuf b = {0};
    struct band_cache bc = {0};
    int step, rc = 0;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct erow r = {.t = t, .gp = "", .gt = SQLITE_NULL};
        if (by_campaign && sqlite3_column_type(q, 3) != SQLITE_NULL)
            r.gp = sep_bytes(q, 3, &r.gt, &r.gn);
        r.id = sqlite3_column_int64(q, 0);
        r.ns = sqlite3_column_int64(q, 1);
        r.ni = sqlite3_column_int64(q, 2);
        if ((rc = e_row(c, q, &r, &b, &bc, by_campaign, NULL, NULL)) != 0) break;
    }
    if (rc == 0 && step != SQLITE_DONE) rc = sep_step_error(c);
    sqlite3_finalize(q);
    band_cache_free(&bc);
    free(b.p);
    return rc;
}

/* merged_sql[1] (the SPF features) computed in C, as sep_scan_entry does
 * for the entry hop: the SQL concatenated two strings a result (0.5 s of
 * the whole report for a million messages). SPF_SQL reads the same join's
 * raw columns, and sep_scan_spf makes, per row, the features the SQL gives:
 *   'spf=' || result                      identity is the text 'mailfrom'
 *   'spf ' || identity || '=' || result   any other identity (a blob's
 *                                         bytes; NULL when it is NULL)
 *   the same || ' (' || reason || ')'     when reason <> ''
 * (nothing when result is NULL), in that order. Tests set pm_spf_c to false
 * to run the SQL instead and compare (tests/unit/test_report_pm_entry.c). */
static bool pm_spf_c = true;

#define SPF_SQL                                                                                    \
    PM_MSG ", s.identity, s.result, s.reason FROM @P p JOIN spf_results s ON s.message_id = p.id"
enum { S_IDENT = 4, S_RES, S_REA };

/* The prefix of an SPF feature into b: "spf=" for the mailfrom identity,
 * else "spf " || identity || "="; false when identity is NULL. */
static bool spf_prefix(struct ebuf *b, sqlite3_stmt *q, int kid)
{
    int it = sqlite3_column_type(q, kid), ni = 0;
    b->n = 0;
    if (it == SQLITE_NULL) return false;
    const char *ident = e_text(q, kid, &ni);
    if (it == SQLITE_TEXT && ni == 8 && memcmp(ident, "mailfrom", 8) == 0) {
        ebuf_put(b, "spf=", 4);
        return true;
    }
    ebuf_put(b, "spf ", 4);
    ebuf_put(b, ident, (size_t)ni);
    ebuf_put(b, "=", 1);
    return true;
}

/* The features of one SPF row: identity, result, reason in columns kid,
 * kid + 1, kid + 2 of q. */
static void spf_row(const struct erow *r, struct ebuf *b, sqlite3_stmt *q, int kid)
{
    if (sqlite3_column_type(q, kid + 1) == SQLITE_NULL) return;
    if (!spf_prefix(b, q, kid)) return;
    int nres = 0, nrea = 0;
    const char *res = e_text(q, kid + 1, &nres);
    ebuf_put(b, res, (size_t)nres);
    e_emit(r, "spf", b->p, SQLITE_TEXT, (int)b->n);
    if (!e_nonempty(q, kid + 2)) return;
    const char *rea = e_text(q, kid + 2, &nrea);
    ebuf_put(b, " (", 2);
    ebuf_put(b, rea, (size_t)nrea);
    ebuf_put(b, ")", 1);
    e_emit(r, "spf", b->p, SQLITE_TEXT, (int)b->n);
}

static int sep_scan_spf(struct rctx *c, const char *src, bool by_campaign, struct sep_tab *t)
{
    sqlite3_stmt *q;
    int prc = prepare_src(c, SPF_SQL, src, &q);
    if (prc != 0) return prc;
    struct ebuf b = {0};
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        struct erow r = {.t = t, .gp = "", .gt = SQLITE_NULL};
        if (by_campaign && sqlite3_column_type(q, 3) != SQLITE_NULL)
            r.gp = sep_bytes(q, 3, &r.gt, &r.gn);
        r.id = sqlite3_column_int64(q, 0);
        r.ns = sqlite3_column_int64(q, 1);
        r.ni = sqlite3_column_int64(q, 2);
        spf_row(&r, &b, q, S_IDENT);
    }
    int rc = step == SQLITE_DONE ? 0 : sep_step_error(c);
    sqlite3_finalize(q);
    free(b.p);
    return rc;
}

/* The whole scope's features in one pass (sep_scan_merge): r_pm's entry
 * rows in message order, and beside them, each read in its own key order
 * (message id first) and matched to the entry rows by id as in a merge
 * join, the SPF results, rule hits, non-legacy DKIM signatures, ARC
 * results, stored requirements and attachment parts. Over the whole
 * database r_pm holds most messages (850,000 of a million on the bench
 * database), and a lookup per message in each of those tables (and in
 * spf_results once more for the entry hop's IP), each pass also reading
 * r_pm again, had cost more than reading the tables through: the SPF, rule
 * and DKIM passes were 1.6 s of the post-mortem's 4.1 s; ARC, requirements
 * and parts, empty there, still cost a pass over r_pm each. A narrower
 * scope keeps the lookups (it reads a few of the tables' rows). Memory: one
 * row of each statement, one message's DKIM and attachment features
 * (bounded by its signatures and parts), and the memos (MEMO_MAX keys of
 * at most MEMO_KEY bytes each). The features are the same rows as
 * the separate passes give (tests/unit/test_report_pm_entry.c compares),
 * in another order, which the sums do not see (the r_pm_sep queries order
 * by kind and feature in the end). Tests set pm_merge to false to
 * compare. */
static bool pm_merge = true;

/* ENTRY_SQL without its spf_results join (its IP comes from the SPF rows
 * read beside), in message order, with every r_pm row: a last column says
 * that messages has no row for it (then ENTRY_SQL gives no row and there
 * are no entry features, but the other tables' features remain). */
#define ENTRY_MERGE_SQL                                                                            \
    ENTRY_COLS(ENTRY_HDR)                                                                          \
    ", m.id IS NULL"                                                                               \
    " FROM r_pm p LEFT JOIN messages m ON m.id = p.id"                                             \
    " LEFT JOIN iprev_results i ON i.message_id = p.id"                                            \
    " LEFT JOIN dmarc_results d ON d.message_id = p.id"                                            \
    " LEFT JOIN content_scores cs ON cs.message_id = p.id ORDER BY p.id"
/* ENTRY_MERGE_SQL with the header flags r_msg.hdr (rctx.h: made from the
 * same messages row when r_msg was written) instead of the lookup in the
 * wide messages row of every placed message, for those three NULL tests
 * and whether the row exists (about 2,500 instructions a message; 0.2 s of
 * the post-mortem on the bench database). r_pm is its view (PM_VIEW_FROM)
 * inlined, r_msg's row read there anyway, and hdr added. hdr is NULL only
 * in an r_msg row that no messages row made (a sum of truth values is never
 * NULL): then, as with the lookup, no entry features. */
#define ENTRY_MERGE_HDR_SQL                                                                        \
    ENTRY_COLS("p.hdr")                                                                            \
    ", p.hdr IS NULL FROM (SELECT cp.message_id AS id, cp.n_spam AS n_spam,"                       \
    " cp.n_inbox AS n_inbox, r.campaign AS campaign,"                                              \
    " r.from_domain AS from_domain, r.hdr AS hdr " PM_VIEW_FROM ") p"                              \
    " LEFT JOIN iprev_results i ON i.message_id = p.id"                                            \
    " LEFT JOIN dmarc_results d ON d.message_id = p.id"                                            \
    " LEFT JOIN content_scores cs ON cs.message_id = p.id ORDER BY p.id"

/* A table read beside the entry rows: its statement (message id in column
 * 0, ORDER BY it), whether it has a current row, and that row's id. */
struct side {
    sqlite3_stmt *q;           /* scan or seek, the one being read */
    sqlite3_stmt *scan, *seek; /* the table in id order; the same from id ?1 on */
    bool live;
    int64_t id;
};

/* A side more than this many message ids behind the entry row is moved
 * there by its seek statement (a search from the bound id) rather than
 * stepped through: over the bench database (85% of the messages placed)
 * the gaps are a few ids and nothing changes; where few messages are
 * placed, the rows of the others are not read at all. A seek (reset, bind,
 * the search) costs what stepping through a handful of rows does. Tests set
 * it to 0 (a seek at every gap). */
static uint64_t pm_seek_gap = 16;

/* The next row of s whose message id is an integer (only those can equal
 * an r_pm id, as the joins compare; others sort apart and are skipped). */
static int side_next(struct rctx *c, struct side *s)
{
    int st;
    while ((st = sqlite3_step(s->q)) == SQLITE_ROW) {
        sqlite3_value *v = sqlite3_column_value(s->q, 0); /* one API call (its mutex) */
        if (sqlite3_value_type(v) == SQLITE_INTEGER) {
            s->id = sqlite3_value_int64(v);
            return 0;
        }
    }
    s->live = false;
    return st == SQLITE_DONE ? 0 : sep_step_error(c);
}

/* Move s to its first row with id >= id: 0 or -1. */
static int side_seek(struct rctx *c, struct side *s, int64_t id)
{
    if (s->live && s->id < id && s->seek && (uint64_t)id - (uint64_t)s->id > pm_seek_gap) {
        sqlite3_reset(s->seek);
        sqlite3_bind_int64(s->seek, 1, id);
        s->q = s->seek;
        return side_next(c, s);
    }
    while (s->live && s->id < id)
        if (side_next(c, s) != 0) return -1;
    return 0;
}

/* 0 done; 1 a table or column missing (the caller runs the separate
 * passes, each skipped on its own as before); -1 error. */
static int sep_scan_merge(struct rctx *c, struct sep_tab *t)
{
    /* 4, 5: merged_sql[2] and [3] read without r_pm (the same (kind,
     * feature) pairs per row); 6: feature_sql[11], made DISTINCT per
     * message in C */
    enum { NSIDE = 7 };
    /* sides 1-6: SELECT (message id first) [WHERE] ORDER BY (id first) */
    static const struct {
        const char *sel, *where, *id, *order;
    } sides[NSIDE] = {
        {NULL, NULL, NULL, NULL}, /* the entry rows */
        {"SELECT message_id, identity, result, reason, ip FROM spf_results", NULL, "message_id",
         "message_id"},
        {"SELECT message_id, rule FROM rule_hits", NULL, "message_id", "message_id"},
        {"SELECT message_id, result, reason, domain, key_bits FROM dkim_signatures", "NOT legacy",
         "message_id", "message_id, position"},
        {"SELECT a.message_id, 'arc', 'arc=' || a.result,"
         " 'arc', CASE WHEN a.reason <> '' THEN 'arc=' || a.result || ' (' || a.reason"
         " || ')' END FROM arc_results a",
         NULL, "a.message_id", "a.message_id"},
        {"SELECT q.message_id, " PM_UNSUB_FEATURES " FROM requirement_sets q", NULL, "q.message_id",
         "q.message_id"},
        {"SELECT message_id, coalesce(detected_type, content_type) FROM parts", "is_attachment",
         "message_id", "message_id"}};
    struct side sd[NSIDE] = {{0}};
    int rc = 0;
    for (int k = 0; k < NSIDE && rc == 0; k++) {
        char sql[2048], seek[2048];
        if (k == 0) {
            /* (r_pm the view over r_cp and r_msg: the whole database) */
            snprintf(sql, sizeof sql, "%s",
                     c->whole && c->msg_hdr ? ENTRY_MERGE_HDR_SQL : ENTRY_MERGE_SQL);
        } else {
            const char *w = sides[k].where;
            snprintf(sql, sizeof sql, "%s%s%s ORDER BY %s", sides[k].sel, w ? " WHERE " : "",
                     w ? w : "", sides[k].order);
            snprintf(seek, sizeof seek, "%s WHERE %s%s%s >= ?1 ORDER BY %s", sides[k].sel,
                     w ? w : "", w ? " AND " : "", sides[k].id, sides[k].order);
        }
        if (sqlite3_prepare_v2(c->db, sql, -1, &sd[k].scan, NULL) != SQLITE_OK ||
            (k > 0 && sqlite3_prepare_v2(c->db, seek, -1, &sd[k].seek, NULL) != SQLITE_OK))
            rc = schema_missing(c->db) ? 1 : sep_step_error(c);
        sd[k].q = sd[k].scan;
        sd[k].live = true;
    }
    for (int k = 1; k < NSIDE && rc == 0; k++)
        rc = side_next(c, &sd[k]);
    struct side *spf = &sd[1], *rule = &sd[2], *dk = &sd[3], *att = &sd[6];
    struct ebuf b = {0};
    struct sip sip = {0};
    struct band_cache bc = {0};
    struct dk_msg m = {.a = arena_new()};
    struct memos mo = {0};
    sqlite3_stmt *q = sd[0].q;
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        struct erow r = {.t = t, .gp = "", .gt = SQLITE_NULL};
        r.id = sqlite3_column_int64(q, 0);
        r.ns = sqlite3_column_int64(q, 1);
        r.ni = sqlite3_column_int64(q, 2);
        t->tot_ns += r.ns;
        t->tot_ni += r.ni;
        t->tot_nm++;
        /* SPF: the features of each row; the mailfrom row's IP kept */
        sip.type = SQLITE_NULL;
        if ((rc = side_seek(c, spf, r.id)) != 0) break;
        while (spf->live && spf->id == r.id) {
            if (!memo_hit(&mo.spf, spf->q, (const int[]){1, 2, 3}, 3, &r)) {
                struct cap cp = {0};
                struct erow rx = r;
                rx.capture = &cp;
                spf_row(&rx, &b, spf->q, 1);
                memo_put(&mo.spf, &cp);
            }
            int it = sqlite3_column_type(spf->q, 1), n = 0;
            if (it == SQLITE_TEXT && sqlite3_column_bytes(spf->q, 1) == 8 &&
                memcmp(sqlite3_column_text(spf->q, 1), "mailfrom", 8) == 0 &&
                sqlite3_column_type(spf->q, 4) != SQLITE_NULL) {
                const void *p = sep_bytes(spf->q, 4, &sip.type, &n);
                sip.b.n = 0;
                ebuf_put(&sip.b, p, (size_t)n);
            }
            if ((rc = side_next(c, spf)) != 0) break;
        }
        if (rc != 0) break;
        if (!sqlite3_column_int(q, E_NOMSG) &&
            (rc = e_row(c, q, &r, &b, &bc, false, &sip, &mo)) != 0)
            break;
        /* rules: one feature a hit */
        if ((rc = side_seek(c, rule, r.id)) != 0) break;
        while (rule->live && rule->id == r.id) {
            if (sqlite3_column_type(rule->q, 1) == SQLITE_NULL) {
                rc = sep_not_null(c);
                break;
            }
            int ft, fn;
            const void *fp = sep_bytes(rule->q, 1, &ft, &fn);
            e_emit(&r, "rule", fp, ft, fn);
            if ((rc = side_next(c, rule)) != 0) break;
        }
        if (rc != 0) break;
        /* DKIM: the message's signatures, or "not signed" */
        arena_reset(m.a);
        m.n = 0;
        if ((rc = side_seek(c, dk, r.id)) != 0) break;
        if (!dk->live || dk->id != r.id)
            dk_emit(&m, t, 3, "", SQLITE_NULL, 0, "dkim", dk_none, SQLITE_TEXT,
                    (int)sizeof dk_none - 1, r.id, r.ns, r.ni);
        while (rc == 0 && dk->live && dk->id == r.id) {
            struct memo_ent *me = memo_find(&mo.dkim, dk->q, (const int[]){1, 2, 3, 4}, 4);
            if (me) {
                for (int i = 0; i < me->cap.n; i++)
                    dk_count(&m, me->cap.slot[i], me->cap.e[i], r.id, r.ns, r.ni);
            } else {
                struct cap cp = {0};
                m.capture = &cp;
                rc = dk_row(c, &m, t, dk->q, 1, "", SQLITE_NULL, 0, r.id, r.ns, r.ni);
                m.capture = NULL;
                if (rc == 0) memo_put(&mo.dkim, &cp);
            }
            if (rc == 0) rc = side_next(c, dk);
        }
        /* ARC, unsubscribe headers: (kind, feature) pairs, NULL: none */
        for (int k = 4; k <= 5 && rc == 0; k++) {
            struct side *x = &sd[k];
            if ((rc = side_seek(c, x, r.id)) != 0) break;
            while (x->live && x->id == r.id) {
                for (int j = 1; j + 1 < sqlite3_column_count(x->q); j += 2) {
                    if (sqlite3_column_type(x->q, j + 1) == SQLITE_NULL) continue;
                    int kt, kn, ft, fn;
                    const void *kp = sep_bytes(x->q, j, &kt, &kn);
                    const void *fp = sep_bytes(x->q, j + 1, &ft, &fn);
                    sep_add(t, "", SQLITE_NULL, 0, kp, kt, kn, fp, ft, fn, r.id, r.ns, r.ni);
                }
                if ((rc = side_next(c, x)) != 0) break;
            }
        }
        if (rc != 0) break;
        /* attachment types, each once a message (slot 6 of m) */
        if ((rc = side_seek(c, att, r.id)) != 0) break;
        while (att->live && att->id == r.id) {
            if (sqlite3_column_type(att->q, 1) == SQLITE_NULL) {
                rc = sep_not_null(c);
                break;
            }
            int ft, fn;
            const void *fp = sep_bytes(att->q, 1, &ft, &fn);
            dk_emit(&m, t, 6, "", SQLITE_NULL, 0, "attachment", fp, ft, fn, r.id, r.ns, r.ni);
            if ((rc = side_next(c, att)) != 0) break;
        }
    }
    if (rc == 0 && step != SQLITE_DONE) rc = sep_step_error(c);
    t->has_tot = rc == 0;
    for (int k = 0; k < NSIDE; k++) {
        sqlite3_finalize(sd[k].scan);
        sqlite3_finalize(sd[k].seek);
    }
    band_cache_free(&bc);
    memos_free(&mo);
    free(b.p);
    free(sip.b.p);
    free(m.seen);
    arena_free(m.a);
    return rc;
}

/* Every feature of the messages of `src` (a table shaped like r_pm) into t;
 * by_campaign: per campaign, the campaign kind left out. A table missing
 * from an older database skips its queries. */
/* Run one feature query (template tpl, @P replaced by src) into t; 1 when
 * it cannot be prepared for a missing table or column, -1 on error. */
static int sep_run(struct rctx *c, const char *tpl, const char *src, bool by_campaign, bool merged,
                   struct sep_tab *t)
{
    sqlite3_stmt *q;
    int prc = prepare_src(c, tpl, src, &q);
    if (prc != 0) return prc;
    int rc = sep_add_rows(c, q, by_campaign, merged, t);
    sqlite3_finalize(q);
    return rc;
}

static int sep_scan(struct rctx *c, const char *src, bool by_campaign, struct sep_tab *t)
{
    bool merge = false;
    if (pm_merge && pm_entry_c && pm_spf_c && c->whole && !by_campaign &&
        strcmp(src, "r_pm") == 0) {
        int rc = sep_scan_merge(c, t);
        if (rc < 0) return -1;
        merge = rc == 0;
    }
    for (size_t i = 0; i < N_MERGED_SQL; i++) {
        const struct merged *m = &merged_sql[i];
        if (merge && m->in_merge) continue;
        int rc = m->in_c == PM_C_ENTRY && pm_entry_c ? sep_scan_entry(c, src, by_campaign, t)
                 : m->in_c == PM_C_SPF && pm_spf_c   ? sep_scan_spf(c, src, by_campaign, t)
                 : m->sql                            ? sep_run(c, m->sql, src, by_campaign, true, t)
                                                     : 1;
        if (rc < 0) return -1;
        if (rc == 0) continue;
        for (int k = 0; k < 16 && m->singles[k] >= 0; k++) {
            const char *tpl = feature_sql[m->singles[k]];
            if (by_campaign && strstr(tpl, "'campaign', p.campaign")) continue;
            if (sep_run(c, tpl, src, by_campaign, false, t) < 0) return -1;
        }
    }
    return merge ? 0 : sep_scan_dkim(c, src, by_campaign, t);
}

static void bind_key(sqlite3_stmt *s, int k, const void *p, int type, int n)
{
    if (type == SQLITE_NULL)
        sqlite3_bind_null(s, k);
    else if (type == SQLITE_BLOB)
        sqlite3_bind_blob(s, k, p, n, SQLITE_STATIC);
    else
        sqlite3_bind_text(s, k, p, n, SQLITE_STATIC);
}

/* Aggregate the features of `src` (r_pm or a subset of its rows) into the
 * TEMP table `dest`: (kind, feature, a, c, ex_spam) for the features on at
 * least min_support copies, or with by_campaign (campaign, kind, feature,
 * a, c) for every campaign's features. */
/* r_pm's totals as r_pm_tot holds them; has: counted by the pass. */
struct pm_tot {
    bool has;
    int64_t ns, ni, nm;
};

static int sep_build_tot(struct rctx *c, const char *src, const char *dest, bool by_campaign,
                         int64_t min_support, struct pm_tot *tot)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             by_campaign ? "DROP TABLE IF EXISTS temp.%s;"
                           "CREATE TEMP TABLE %s(campaign TEXT, kind TEXT, feature TEXT, a, c)"
                         : "DROP TABLE IF EXISTS temp.%s;"
                           "CREATE TEMP TABLE %s(kind TEXT, feature TEXT, a, c, ex_spam)",
             dest, dest);
    if (exec(c, sql, false) != 0) return -1;
    snprintf(sql, sizeof sql, "INSERT INTO %s VALUES (?1, ?2, ?3, ?4, ?5)", dest);
    sqlite3_stmt *ins = NULL;
    struct sep_tab t = {.a = arena_new()};
    int rc = -1;
    bool in_txn = false;
    sep_grow(&t);
    if (sqlite3_prepare_v2(c->db, sql, -1, &ins, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "post-mortem: %s", sqlite3_errmsg(c->db));
        goto done;
    }
    if (sep_scan(c, src, by_campaign, &t) != 0 || rctx_begin(c) != 0) goto done;
    in_txn = true;
    for (size_t i = 0; i < t.nb; i++)
        for (struct sep_ent *e = t.b[i]; e; e = e->next) {
            if (e->a + e->c < min_support) continue;
            int k = 1;
            if (by_campaign) bind_key(ins, k++, e->grp, e->gt, e->gn);
            bind_key(ins, k++, e->kind, e->kt, e->kn);
            bind_key(ins, k++, e->feat, e->ft, e->fn);
            sqlite3_bind_int64(ins, k++, e->a);
            sqlite3_bind_int64(ins, k++, e->c);
            if (!by_campaign) {
                if (e->ex < 0)
                    sqlite3_bind_null(ins, k);
                else
                    sqlite3_bind_int64(ins, k, e->ex);
            }
            if (sqlite3_step(ins) != SQLITE_DONE) {
                snprintf(c->err, sizeof c->err, "post-mortem: %s", sqlite3_errmsg(c->db));
                goto done;
            }
            sqlite3_reset(ins);
        }
    in_txn = false;
    if (rctx_commit(c) != 0) goto done;
    if (tot) *tot = (struct pm_tot){t.has_tot, t.tot_ns, t.tot_ni, t.tot_nm};
    rc = 0;
done:
    if (in_txn) rctx_rollback(c);
    sqlite3_finalize(ins);
    free(t.b);
    arena_free(t.a);
    return rc;
}

static int sep_build(struct rctx *c, const char *src, const char *dest, bool by_campaign,
                     int64_t min_support)
{
    return sep_build_tot(c, src, dest, by_campaign, min_support, NULL);
}

int sec_postmortem_campaign_features(struct rctx *c, const char *src, const char *dest)
{
    return sep_build(c, src, dest, true, 0);
}

int sec_postmortem(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "postmortem",
                                  "Placement post-mortem: what the spam-foldered copies have in "
                                  "common");
    if (sec_postmortem_features(c) != 0) return -1;
    int64_t ns = 0, ni = 0, nm = 0;
    if (exec(c, "DROP TABLE IF EXISTS temp.r_pm_tot; DROP TABLE IF EXISTS temp.r_pm_sep", false) !=
        0)
        return -1;
    /* Over the whole database r_pm is a view (sec_postmortem_features):
     * the features are summed first, and the pass that reads r_pm counts
     * its totals too; an empty r_pm has none to read (EXISTS stops at its
     * first row) */
    struct pm_tot tot = {0};
    bool built = false;
    if (c->whole) {
        int64_t any = 0;
        if (rctx_int(c, "SELECT EXISTS (SELECT 1 FROM r_pm)", NULL, &any) != 0) return -1;
        if (any) {
            if (sep_build_tot(c, "r_pm", "r_pm_sep", false, PM_MIN_SUPPORT, &tot) != 0) return -1;
            built = true;
        } else {
            tot.has = true;
        }
    }
    if (tot.has) {
        sqlite3_stmt *q = NULL;
        if (exec(c, "CREATE TEMP TABLE r_pm_tot(ns, ni, nm)", false) != 0) return -1;
        if (sqlite3_prepare_v2(c->db, "INSERT INTO r_pm_tot VALUES (?1, ?2, ?3)", -1, &q, NULL) !=
            SQLITE_OK)
            return sep_step_error(c);
        sqlite3_bind_int64(q, 1, tot.ns);
        sqlite3_bind_int64(q, 2, tot.ni);
        sqlite3_bind_int64(q, 3, tot.nm);
        int st = sqlite3_step(q);
        sqlite3_finalize(q);
        if (st != SQLITE_DONE) return sep_step_error(c);
    } else if (exec(c,
                    "CREATE TEMP TABLE r_pm_tot AS SELECT coalesce(sum(n_spam), 0) AS ns,"
                    " coalesce(sum(n_inbox), 0) AS ni, count(*) AS nm FROM r_pm",
                    false) != 0) {
        return -1;
    }
    if (rctx_int(c, "SELECT ns FROM r_pm_tot", NULL, &ns) != 0 ||
        rctx_int(c, "SELECT ni FROM r_pm_tot", NULL, &ni) != 0 ||
        rctx_int(c, "SELECT nm FROM r_pm_tot", NULL, &nm) != 0)
        return -1;
    if (ns + ni == 0) {
        rsec_empty(s, c->r, "no copies with placement evidence (inbox/spam) in this period");
        return 0;
    }
    rsec_fact(s, c->r, "spam_copies", "Copies in spam", rv_int(ns), -1);
    rsec_fact(s, c->r, "inbox_copies", "Copies in inbox", rv_int(ni), 1);
    rsec_fact(s, c->r, "spam_share", "Spam share of placed copies",
              rv_pct((double)ns / (double)(ns + ni)), -1);
    rsec_fact(s, c->r, "placed_messages", "Messages with placement evidence", rv_int(nm), 0);

    if (!built && sep_build(c, "r_pm", "r_pm_sep", false, PM_MIN_SUPPORT) != 0) return -1;

    bool comparable = ns > 0 && ni > 0;
    struct rtable *t =
        rsec_table(s, c->r, "spam_features", "Features typical of spam-placed copies", COLS);
    t->note = comparable ? "sorted by separation: the lower 95% bound of (spam rate - inbox rate)"
                         : "no inbox copies to compare with: the most common features";
    if (rctx_fill(c, t, PM_TOP, table_sql(c, true, comparable), NULL) < 0) return -1;
    struct rtable *u = rsec_table(s, c->r, "inbox_features",
                                  "Features typical of inbox copies (the reverse)", COLS);
    u->note = comparable ? "sorted by separation: the lower 95% bound of (inbox rate - spam rate)"
                         : "no spam copies to compare with: the most common features";
    if (rctx_fill(c, u, PM_TOP, table_sql(c, false, comparable), NULL) < 0) return -1;

    if (comparable) {
        struct item_ctx x = {c, s, 0};
        const char *isql = rprintf(
            c->r,
            "SELECT f.kind, f.feature, f.a, t.ns, f.c, t.ni, pm_sep(f.a, t.ns, f.c, t.ni),"
            " (SELECT m.message_id FROM messages m WHERE m.id = f.ex_spam)"
            " FROM r_pm_sep f, r_pm_tot t WHERE f.a * t.ni > f.c * t.ns"
            " ORDER BY pm_sep(f.a, t.ns, f.c, t.ni) DESC, 1.0 * f.a / t.ns - 1.0 * f.c / t.ni DESC,"
            " pm_kind_order(f.kind), f.feature LIMIT %d",
            PM_MAX_ITEMS);
        if (rctx_each(c, isql, NULL, add_item, &x) != 0) return -1;
        rsec_note(s, c->r,
                  "Separation is the lower bound of the 95%% confidence interval of the "
                  "difference between the two rates (Newcombe's hybrid Wilson score method): "
                  "at least this much more common on one side. It shrinks with small counts "
                  "(5 of 5 spam copies against 0 of 5 inbox copies gives 0.39); 0 or below "
                  "means the difference could be chance.");
    } else {
        rsec_note(s, c->r, "All %lld copies with placement evidence are %s: nothing to compare.",
                  (long long)(ns + ni), ns ? "in spam" : "in the inbox");
    }
    rsec_note(s, c->r,
              "Copies are counted one by one (a message seen in two mailboxes counts twice); "
              "features on fewer than %d copies are not listed; feedback messages (reports, "
              "bounces) are left out.",
              PM_MIN_SUPPORT);
    return 0;
}
