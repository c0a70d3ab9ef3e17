/* sec_content — the Content section: how the messages in scope scored
 * against the content rules (content_scores, rule_hits), the rules that
 * hit most, the highest-scoring messages, and risky attachments (parts,
 * archive_members).
 *
 * Messages counted: r_msg rows with feedback_kind NULL (sent mail, not the
 * reports and bounces that came back) that have a content_scores row.
 *
 * Risky attachments are classified in SQL by file name and detected type,
 * with the extension lists of score/attach.c (the MA_ATTACH_* evals):
 * DANGEROUS_EXT (executables, scripts, shortcuts, installers, disk images),
 * DOC_EXT (document-like extensions that, before a dangerous one, make a
 * double extension) and ARCHIVE_EXT (archives inside archives). Unlike the
 * eval, padding between the two extensions and Unicode tricks are not
 * recognised here; the rules table shows MA_ATTACH_* hits for those.
 * Does not re-score anything. */
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "report/rctx.h"

#define TOP_RULES 20
#define TOP_MESSAGES 10
#define TOP_ATTACH 20
/* The histogram: bins of 1 point from "<0" up to an open last bin at
 * max(10, threshold + 5), at most HIST_MAX_TOP. */
#define HIST_MIN_TOP 10
#define HIST_MAX_TOP 50

/* score/attach.c's tables, as SQL lists (lowercase). */
#define DANGEROUS_EXT                                                                              \
    "'ade','adp','app','appref-ms','application','appx','appxbundle','bat','cab','chm','cmd',"     \
    "'com','cpl','diagcab','dll','exe','gadget','hlp','hta','img','inf','ins','iso','isp','jar',"  \
    "'jnlp','js','jse','lib','library-ms','lnk','mde','msc','msi','msix','msixbundle','msp',"      \
    "'mst','one','pif','ps1','ps1xml','ps2','ps2xml','psc1','psc2','psd1','psm1','reg','scf',"     \
    "'scr','sct','settingcontent-ms','shb','shs','sys','url','vb','vbe','vbs','vhd','vhdx','wsc'," \
    "'wsf','wsh','xll','xnk'"
#define DOC_EXT                                                                                    \
    "'csv','doc','docx','gif','htm','html','jpeg','jpg','mp3','mp4','odt','ods','pdf','png',"      \
    "'ppt','pptx','rtf','tif','tiff','txt','wav','xls','xlsx','zip'"
#define ARCHIVE_EXT                                                                                \
    "'7z','ace','arj','bz2','cab','gz','img','iso','lzh','rar','tar','tgz','vhd','vhdx','xz','z'," \
    "'zip','zipx'"
#define EXEC_TYPES "'pe','elf','macho'"

/* Scored sent mail in scope. */
#define SCORED                                                                                     \
    " FROM content_scores c JOIN r_msg r ON r.id = c.message_id WHERE r.feedback_kind IS NULL"

/* One scan for the headline numbers. */
struct stats {
    int64_t scored;
    struct rval mean, spam;
    double th_min, th_max;
    /* the sums, as SQLite's avg() and sum() make them: doubles added in row
     * order; is_spam an integer sum unless a non-integer shows up */
    double tsum, ssum_r;
    int64_t ssum_i;
    bool s_approx;
    /* the histogram's counts up to HIST_MAX_TOP (the last: that or more),
     * folded at the threshold-dependent top later */
    int64_t below0, bins[HIST_MAX_TOP + 1];
};

/* One scored message: total, is_spam, threshold (one pass for the facts
 * and the histogram; it had been two) */
static int stats_row(void *ctx, sqlite3_stmt *st)
{
    struct stats *x = ctx;
    double th = sqlite3_column_double(st, 2);
    if (x->scored == 0 || th < x->th_min) x->th_min = th;
    if (x->scored == 0 || th > x->th_max) x->th_max = th;
    x->scored++;
    x->tsum += sqlite3_column_double(st, 0);
    if (sqlite3_column_type(st, 1) == SQLITE_INTEGER) {
        x->ssum_i += sqlite3_column_int64(st, 1);
        x->ssum_r += (double)sqlite3_column_int64(st, 1);
    } else if (sqlite3_column_type(st, 1) != SQLITE_NULL) {
        x->ssum_r += sqlite3_column_double(st, 1);
        x->s_approx = true;
    }
    /* the bin as "CASE WHEN total < 0 THEN -1 ELSE CAST(total AS INTEGER)
     * END" gives it (text sorts after numbers, so never < 0; CAST truncates
     * toward zero) */
    int t = sqlite3_column_type(st, 0);
    int64_t b;
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        double v = sqlite3_column_double(st, 0);
        b = v < 0 ? -1 : v >= HIST_MAX_TOP ? HIST_MAX_TOP : (int64_t)v;
    } else {
        b = sqlite3_column_int64(st, 0); /* NULL: 0 */
    }
    if (b < 0)
        x->below0++;
    else
        x->bins[b >= HIST_MAX_TOP ? HIST_MAX_TOP : b]++;
    return 0;
}

static void add_histogram(struct rctx *c, struct rsection *s, const struct stats *x)
{
    double max_th = x->th_max;
    int top = HIST_MIN_TOP;
    if (isfinite(max_th) && max_th + 5 > top)
        top = max_th + 5 > HIST_MAX_TOP ? HIST_MAX_TOP : (int)ceil(max_th + 5);
    size_t n = (size_t)top + 2;
    struct rchart *ch = rsec_chart(s, c->r, "score_distribution", "Content score distribution",
                                   RC_BARS, n, 1, "messages");
    ch->series[0] = "messages";
    ch->labels[0] = "<0";
    ch->values[0] = (double)x->below0;
    for (int b = 0; b <= top; b++) {
        int64_t v = x->bins[b];
        for (int k = b + 1; b == top && k <= HIST_MAX_TOP; k++)
            v += x->bins[k]; /* the last bar: top or more */
        ch->labels[b + 1] = b < top ? rprintf(c->r, "%d-%d", b, b + 1) : rprintf(c->r, ">=%d", b);
        ch->values[b + 1] = (double)v;
    }
}

static void add_facts(struct rctx *c, struct rsection *s, const struct stats *x)
{
    rsec_fact(s, c->r, "messages_scored", "Messages scored", rv_int(x->scored), 0);
    rsec_fact(s, c->r, "mean_score", "Mean content score", x->mean, -1);
    rsec_fact(s, c->r, "over_threshold_share", "Scored at or over the threshold", x->spam, -1);
    if (x->th_min == x->th_max)
        rsec_note(s, c->r,
                  "Scores are the sum of the rules that hit (no Bayes, no network tests);"
                  " threshold %g.",
                  x->th_min);
    else
        rsec_note(s, c->r,
                  "Scores are the sum of the rules that hit (no Bayes, no network tests);"
                  " thresholds %g to %g (several rule sets).",
                  x->th_min, x->th_max);
}

#define PER_HIT " h.score / CASE WHEN h.count > 1 THEN h.count ELSE 1 END"

static int add_rules(struct rctx *c, struct rsection *s, int64_t scored)
{
    struct rtable *t = rsec_table(s, c->r, "top_rules", "Rules hit most often",
                                  "rule:t:Rule|description:t:Description|messages:i:Messages|"
                                  "share:p:Share of scored messages|score:r:Score");
    t->note = "share = messages hit / messages scored; score = points per hit";
    /* points per hit: score / max(count, 1) written as a CASE, which gives
     * the same value for every value of count (NOT NULL; a text or blob is
     * greater than 1 both ways) without a function call per hit (18.7
     * million instructions less for r100k's 150,000 hits, 125 a hit) */
    /* CROSS JOIN keeps r_msg the outer loop: rule_hits is then read in its
     * primary key order, not through rule_hits_rule in rule order (a jump
     * to another page for every hit) */
    if (rctx_hashagg(c,
                     rctx_all_sent(c)
                         /* every message in scope, none feedback: the hits
                          * alone, in their key order (0.38 s against 0.16 s
                          * for 1.5 million hits); the aggregates do not
                          * depend on the order */
                         ? "SELECT h.rule, h.description, 1, " PER_HIT " FROM rule_hits h"
                         : "SELECT h.rule, h.description, 1, " PER_HIT
                           " FROM r_msg r CROSS JOIN rule_hits h ON h.message_id = r.id"
                           " WHERE r.feedback_kind IS NULL",
                     1, "xnx", "r_agg_rules") != 0)
        return -1;
    /* the share's denominator: the scored messages, counted by the caller
     * (a number we formatted, not data) */
    return rctx_fill(c, t, TOP_RULES,
                     rprintf(c->r,
                             "SELECT k1, a1, a2, CAST(a2 AS REAL) / %lld, a3"
                             " FROM r_agg_rules ORDER BY a2 DESC, k1 LIMIT 21",
                             (long long)scored),
                     NULL) < 0
               ? -1
               : 0;
}

static int add_top_messages(struct rctx *c, struct rsection *s)
{
    struct rtable *t =
        rsec_table(s, c->r, "top_messages", "Highest-scoring messages",
                   "subject:t:Subject|from:t:From|score:r:Score|"
                   "top_rule:t:Top rule|placement:t:Placement|message_id:t:Message-ID");
    t->note = "top rule: the rule that added the most points";
    return rctx_fill(c, t, TOP_MESSAGES,
                     "WITH top AS (SELECT c.message_id AS id, c.total AS total" SCORED
                     " ORDER BY c.total DESC, c.message_id LIMIT 11)"
                     " SELECT m.subject, m.from_address, top.total,"
                     " (SELECT h.rule FROM rule_hits h WHERE h.message_id = top.id"
                     "  ORDER BY h.score DESC, h.rule LIMIT 1),"
                     " m.placement, m.message_id"
                     " FROM top JOIN messages m ON m.id = top.id ORDER BY top.total DESC, top.id",
                     NULL) < 0
               ? -1
               : 0;
}

/* Attachments (MIME leaves with a file name, or marked attachments) and the
 * members of ZIP attachments; nm is the lowercased name without trailing
 * dots and spaces, ext its last extension, ext2 the one before it. */
static const char risky_sql[] =
    "WITH a AS ("
    " SELECT p.message_id AS mid, p.filename AS name, NULL AS archive, p.detected_type AS dt,"
    "  p.content_type AS ct, 0 AS enc"
    " FROM parts p JOIN r_msg r ON r.id = p.message_id"
    " WHERE r.feedback_kind IS NULL AND (p.is_attachment OR p.filename IS NOT NULL)"
    "  AND p.content_type NOT LIKE 'multipart/%'"
    " UNION ALL"
    " SELECT p.message_id, am.name, coalesce(p.filename, p.path), NULL, NULL, am.encrypted"
    " FROM archive_members am JOIN parts p ON p.id = am.part_id JOIN r_msg r ON r.id = p.message_id"
    " WHERE r.feedback_kind IS NULL AND NOT am.is_dir),"
    " b AS (SELECT *, lower(rtrim(coalesce(name, ''), ' .')) AS nm FROM a),"
    " d AS (SELECT *, CASE WHEN instr(nm, '.') > 0"
    "  THEN substr(nm, length(rtrim(nm, replace(nm, '.', ''))) + 1) END AS ext,"
    "  CASE WHEN instr(nm, '.') > 0"
    "  THEN substr(nm, 1, length(rtrim(nm, replace(nm, '.', ''))) - 1) END AS stem FROM b),"
    " e AS (SELECT *, CASE WHEN instr(stem, '.') > 0"
    "  THEN substr(stem, length(rtrim(stem, replace(stem, '.', ''))) + 1) END AS ext2 FROM d),"
    " k AS (SELECT *, CASE"
    "  WHEN ext IN (" DANGEROUS_EXT ") AND ext2 IN (" DOC_EXT ") THEN 'double extension'"
    "  WHEN dt IN (" EXEC_TYPES ") THEN 'executable content'"
    "  WHEN archive IS NOT NULL AND ext IN (" DANGEROUS_EXT ") THEN 'executable in archive'"
    "  WHEN ext IN (" DANGEROUS_EXT ") THEN 'dangerous extension'"
    "  WHEN archive IS NOT NULL AND enc THEN 'encrypted archive member'"
    "  WHEN archive IS NOT NULL AND ext IN (" ARCHIVE_EXT ") THEN 'archive in archive'"
    "  END AS risk FROM e)"
    " SELECT name, archive, risk, dt, ct, count(DISTINCT mid), count(*) FROM k"
    " WHERE risk IS NOT NULL GROUP BY name, archive, risk"
    " ORDER BY count(DISTINCT mid) DESC, risk, name LIMIT 21";

static int add_attachments(struct rctx *c, struct rsection *s, long *rows)
{
    struct rtable *t = rsec_table(s, c->r, "risky_attachments", "Risky attachments",
                                  "file_name:t:File name|in_archive:t:In archive|risk:t:Risk|"
                                  "detected_type:t:Detected type|content_type:t:Declared type|"
                                  "messages:i:Messages|times:i:Times");
    t->note = "classified by extension with the lists of the MA_ATTACH_* checks, and by"
              " the bytes (pe, elf, macho)";
    *rows = rctx_fill(c, t, TOP_ATTACH, risky_sql, NULL);
    return *rows < 0 ? -1 : 0;
}

int sec_content(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "content", "Content");
    int64_t n_msg = 0;
    struct stats x = {0};
    if (rctx_sent_messages(c, &n_msg) != 0) return -1;
    if (n_msg == 0) {
        rsec_empty(s, c->r, "no messages in this period");
        return 0;
    }
    /* the scored messages in the order SQLite's aggregate read them (the
     * mean is their totals added in that order, as avg() adds them): by
     * message id. With every message in scope and none feedback
     * (rctx_all_sent) content_scores alone gives the same rows in the same
     * order without a lookup of r_msg per row (0.17 -> 0.07 s on the 1M
     * bench database) */
    if (rctx_each(c,
                  rctx_all_sent(c) ? "SELECT c.total, c.is_spam, c.threshold FROM content_scores c"
                                     " ORDER BY c.message_id"
                                   : "SELECT c.total, c.is_spam, c.threshold" SCORED,
                  NULL, stats_row, &x) != 0)
        return -1;
    if (x.scored > 0) {
        x.mean = rv_real(x.tsum / (double)x.scored);
        x.spam = rv_pct((x.s_approx ? x.ssum_r : (double)x.ssum_i) / (double)x.scored);
        add_facts(c, s, &x);
        add_histogram(c, s, &x);
        if (add_rules(c, s, x.scored) != 0 || add_top_messages(c, s) != 0) return -1;
    }
    long n_att = 0;
    if (add_attachments(c, s, &n_att) != 0) return -1;
    if (x.scored == 0) {
        if (n_att == 0) {
            rsec_empty(s, c->r,
                       "no content scores for the messages in this period (ingest scores"
                       " them; --reverify --checks rules scores stored ones)");
            return 0;
        }
        rsec_note(s, c->r,
                  "The %lld messages in this period have no content scores (ingest scores"
                  " them; --reverify --checks rules scores stored ones).",
                  (long long)n_msg);
    } else if (x.scored < n_msg) {
        rsec_note(s, c->r, "%lld of the %lld messages in this period have no content score.",
                  (long long)(n_msg - x.scored), (long long)n_msg);
    }
    return 0;
}
