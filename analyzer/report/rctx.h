/* rctx — what a section builder works with: the database, the report being
 * built, and the scope (period, --domain, --campaign) prepared once as
 * TEMP tables so that every section reads the same messages and deliveries
 * and no section scans the big tables again:
 *
 *   r_msg(id INTEGER PRIMARY KEY, t TEXT, from_domain TEXT, campaign TEXT,
 *         placement TEXT, feedback_kind TEXT, hdr INTEGER)
 *       the messages in scope: t = coalesce(arrival, date) (ISO text) within
 *       [since, until); with --domain, From domain or a DKIM d= equal to it
 *       (or a subdomain); with --campaign, that campaign key. Feedback
 *       messages (reports, bounces: feedback_kind not NULL) are in r_msg too:
 *       sections about sent mail use "WHERE feedback_kind IS NULL".
 *       campaign = the campaign key (see README "Campaigns"): List-Id, else
 *       Feedback-ID, else an X-Campaign-style header, else
 *       "from_address | subject | day".
 *       hdr = (list_id IS NULL) + 2 * (feedback_id IS NULL) + 4 * (message_id
 *       IS NULL) of the messages row over the whole database (else, and
 *       before schema 7, NULL: msg_hdr), for the post-mortem's header
 *       features without a lookup in messages.
 *   r_msg_ov(n_all, n_sent, n_fb, t_min, t_max, n_domains, n_senders, n_copies),
 *   r_msg_ovfb(kind, n)
 *       over the whole database only (rctx_open counts them as it writes
 *       r_msg, for the overview): r_msg's messages, the sent and the
 *       feedback ones, min(t) and max(t), the distinct From domains and
 *       lower(From addresses) of the sent ones (NULL: not counted, past a
 *       bound), the copies of all messages (NULL: r_cp made by SQL), and
 *       the feedback messages per kind. No r_msg_ov row when a
 *       value was not judged (the overview then counts by SQL).
 *   r_copy(message_id, placement, folder, account, domain, source_id)
 *       the sightings (copies) of r_msg messages.
 *   r_cp(message_id INTEGER PRIMARY KEY, n_copy, n_spam, n_inbox)
 *       r_copy counted per message (n_spam = sum(placement = 'spam'), NULL
 *       when no copy has a placement; likewise n_inbox); no row for a
 *       message without copies.
 *   r_mk(message_id INTEGER PRIMARY KEY, pass, testing, n, npass)
 *       the DKIM signatures (not legacy DomainKeys) of r_msg messages per
 *       message: pass = max(result = 'pass'), testing = max(key_testing),
 *       n signatures, npass passing; no row for an unsigned message.
 *   r_dlv  the rows of `deliveries` in scope (same columns as the view, time
 *       as ISO text) : time within the period; with --domain, the sender's
 *       domain; with --campaign, the Message-ID of a campaign message.
 *       Rates count source = 'log' rows (see README "Feedback"). A last
 *       column `ts` is the time as integer seconds (for grouping by time
 *       without converting text).
 *   r_out  the rows of `delivery_outcomes` restricted the same way (each
 *       recipient's final outcome), with the same columns.
 *   r_dcube(source, local, sup, provider, status, reason, hard, blocklist,
 *           blocklist_misconfig, dsn, has_reply, n, ts_min, ts_max,
 *           reply_max, said_min)
 *       r_dlv counted once (report/dcube.c): one row per distinct value of
 *       the key columns (those of r_dlv; sup = 1 for a superseded attempt,
 *       so "sup = 0" is r_out; has_reply = reply_text IS NOT NULL), with n
 *       rows, their first and last ts, and, for rows with status other than
 *       'sent' or a blocklist, the greatest reply_text and the least reply
 *       with a Postfix "host X said: " prefix cut. A query that filters and
 *       groups deliveries on key columns only reads r_dcube with sum(n)
 *       instead of r_dlv with count(*): the same numbers, from a few
 *       thousand rows instead of millions.
 *   r_dhour(h INTEGER PRIMARY KEY, s, d, bo, r, e)
 *       the logged attempts (source 'log', with a time) per hour: h the
 *       hour's first second, then the counts of status sent, deferred,
 *       bounced, rejected, expired (made by the same scan as r_dcube).
 *   r_dreason, r_dprov, r_ddelay
 *       made by the same scan (report/dcube.c says how): the bounce and
 *       deferral reasons with their distinct recipients and domains, and
 *       the delivery delays per provider as counted values, for the
 *       delivery section. A missing one (past a bound, an unexpected type,
 *       a sampled period) means the section computes it by SQL.
 *   Without any filter, r_copy (and r_dlv when no bounce rows exist) are
 *   views over the base tables rather than copies.
 *
 * Builders: int sec_NAME(struct rctx *c) adds its section to c->r and
 * returns 0, or -1 with c->err set on a database error. A table or column
 * missing from an older database is not an error: rctx_fill and the
 * scalars then give no rows / NULL (the section says there is no data). */
#ifndef REPORT_RCTX_H
#define REPORT_RCTX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report/model.h"

struct sqlite3;
struct sqlite3_stmt;
struct sqlite3_value;
struct camp_pre;

struct rscope {
    const char *since, *until;   /* ISO 8601 UTC bounds or NULL (open) */
    const char *domain;          /* --domain */
    const char *campaign;        /* --campaign */
    const char *campaign_header; /* --campaign-header NAME: used before the built-in ones */
    /* --local-domain / --local-net (open-relay signs, report/openrelay.h) */
    char **local_domains;
    size_t n_local_domains;
    char **local_nets;
    size_t n_local_nets;
    /* the Campaigns section will be built: rctx_open chooses its campaigns
     * before the delivery scan, which then counts their deliveries
     * (sec_campaigns.c, rctx_campaigns_choose) */
    bool campaigns;
};

struct rctx {
    struct report *r;
    struct sqlite3 *db;
    struct rscope scope;
    /* every message is in scope (no period, domain or campaign): a join of
     * r_msg with a per-message table is best read in the big table's order;
     * otherwise from r_msg's few rows (RCTX_MSG_JOIN) */
    bool whole;
    /* r_msg.hdr filled (the whole database, of schema 7 or later) */
    bool msg_hdr;
    /* non-NULL once sec_postmortem_features built r_pm in this scope (two
     * sections use it; rctx_open drops it with the other scope tables) */
    const char *pm_key;
    /* rctx_sent_messages' count once counted (-1: not yet): five sections
     * ask for it, each a pass over r_msg */
    int64_t n_sent;
    /* the feedback messages in scope (-1: not counted yet; the overview's
     * pass counts them) */
    int64_t n_feedback;
    /* the Campaigns section's campaigns, chosen by rctx_open when
     * scope.campaigns (else NULL), and their deliveries as the delivery
     * scan counted them; sec_campaigns takes and frees it */
    struct camp_pre *camp;
    char err[512];
};

/* "FROM r_msg r <join> T ON T.message_id = r.id" for a table T with a
 * (message_id, ...) key, and the ORDER BY that reads it in message order
 * without a sort: over the whole database SQLite scans T in key order and
 * looks r_msg up; for a narrower scope it must start from r_msg (a week's
 * report had scanned all of dkim_signatures), which CROSS JOIN fixes. The
 * rows come in the same order both ways: by message, then T's key. */
#define RCTX_MSG_JOIN(c) ((c)->whole ? " JOIN " : " CROSS JOIN ")
#define RCTX_MSG_ORDER(c, col) ((c)->whole ? (col) : "r.id")

/* Create the TEMP tables for `scope` (dropping earlier ones). */
int rctx_open(struct rctx *c, struct report *r, struct sqlite3 *db, const struct rscope *scope);
/* Run SQL without parameters or rows (several statements allowed). 0 or
 * -1 (c->err). */
int rctx_exec_sql(struct rctx *c, const char *sql);

/* A transaction around a loop of single-row writes to TEMP tables (in
 * autocommit each would commit the TEMP database on its own, which for a
 * million rows costs seconds). rctx_commit ends it; rctx_rollback ends it
 * after an error, keeping c->err. 0 or -1 (c->err). */
int rctx_begin(struct rctx *c);
int rctx_commit(struct rctx *c);
void rctx_rollback(struct rctx *c);

/* GROUP BY without the sort (report/hashagg.c): the rows of `sql` (no
 * parameters; nkeys key columns, then one column per character of ops:
 * 'n' count(*), 'c' count(x), 's' sum(x) of integers, 'a' avg(x), 'x'
 * max(x), 'm' min(x)) aggregated per key into TEMP table `dest`(k1..kN, a1..aM), with
 * SQLite's results for those aggregates (a REAL summed or used as a key,
 * or too many groups: the same GROUP BY in SQL). A table the query reads
 * missing from an older database leaves `dest` empty. 0 or -1 (c->err). */
int rctx_hashagg(struct rctx *c, const char *sql, int nkeys, const char *ops, const char *dest);

/* Several GROUP BYs over the rows of one query, in one pass (report/
 * hashagg.c): each rctx_agg names its TEMP table dest(k1..kN, a1..aM), the
 * result columns (0-based) of its nkeys keys, its ops (as rctx_hashagg's)
 * and the result column each op reads (args[k]; ignored for 'n'). Each
 * grouping gives what rctx_hashagg would give for a query that selects its
 * keys and arguments from the same rows (those where its `when` column is
 * true, when it has one); one that has to take the SQL path takes it alone
 * (its own GROUP BY over the same query). A query that reads a table
 * missing from an older database leaves every dest empty. At most
 * RCTX_MULTI_MAX groupings and 64 result columns. 0 or -1 (c->err). */
#define RCTX_MULTI_MAX 8
struct rctx_agg {
    const char *dest;
    int nkeys;
    const int *keys;
    const char *ops;
    const int *args;
    const int *when; /* NULL: every row; else only rows whose result column
                      * *when is true (not NULL and not 0, as WHERE tests) */
};
int rctx_hashagg_multi(struct rctx *c, const char *sql, const struct rctx_agg *aggs, int n_aggs);

/* count(DISTINCT message) per key without the sorts (report/hashagg.c):
 * `sql` gives (message id, key, flag 1..nflags) rows ORDERED BY the message
 * id (each message's rows together); into TEMP table `dest`(k, pairs,
 * rows, f1..fn): per key the messages with it (count(DISTINCT id)), its
 * rows (count(*)), and per flag the messages where a row has it
 * (count(DISTINCT CASE WHEN flag THEN id END)). More than 64 keys in a
 * message, a REAL key or too many keys: the same by SQL. nflags <= 8. */
int rctx_msgfold(struct rctx *c, const char *sql, int nflags, const char *dest);
/* The same, and the groupings aggs (rctx_hashagg_multi) fed from the same
 * rows: their columns follow the flags (or any column). */
int rctx_msgfold_multi(struct rctx *c, const char *sql, int nflags, const char *dest,
                       const struct rctx_agg *aggs, int n_aggs);

/* Sampled statistics of the TEMP tables, for the query planner: call after
 * creating a TEMP table that later queries join with database tables. 0 or
 * -1 (c->err). */
int rctx_analyze(struct rctx *c);

/* Every query below may also use the named parameters :since, :until,
 * :domain and :campaign: they are bound to the scope's values (NULL when
 * not given).
 * Run `sql` (no parameters, or ?1 bound to text1 when not NULL) and append
 * each result row to t: result column k goes to table column k, converted to
 * the column's kind (text copied into the report arena). limit > 0: at most
 * `limit` rows are kept and t->truncated says whether more existed (ask for
 * LIMIT limit+1 in the SQL). Returns the rows added, or -1 with c->err. */
long rctx_fill(struct rctx *c, struct rtable *t, size_t limit, const char *sql, const char *text1);

/* One value of the first row (RK_NULL when no row, NULL, or missing table). */
int rctx_value(struct rctx *c, const char *sql, const char *text1, struct rval *out);
/* Shorthands: integer (0 when NULL) and real (has = false when NULL). */
int rctx_int(struct rctx *c, const char *sql, const char *text1, int64_t *out);
int rctx_real(struct rctx *c, const char *sql, const char *text1, double *out, bool *has);

/* Call fn for each row (fn returns nonzero to stop). */
int rctx_each(struct rctx *c, const char *sql, const char *text1,
              int (*fn)(void *ctx, struct sqlite3_stmt *s), void *ctx);

/* Shorthands for builders: a table filled from sql (note may be NULL);
 * a headline fact from a scalar query (integer: 0 when NULL, *out may be
 * NULL; percentage: NULL stays no value); the count of sent-mail messages in
 * scope (feedback messages excluded; counted once per rctx_open). Each
 * returns 0 or -1 with c->err. */
int rctx_table(struct rctx *c, struct rsection *s, const char *id, const char *title,
               const char *note, const char *cols, size_t limit, const char *sql);
int rctx_fact_int(struct rctx *c, struct rsection *s, const char *key, const char *label,
                  const char *sql, int better, int64_t *out);
int rctx_fact_pct(struct rctx *c, struct rsection *s, const char *key, const char *label,
                  const char *sql, int better);
int rctx_sent_messages(struct rctx *c, int64_t *n);
/* Every message of the database is in scope and none is a feedback message:
 * a per-message table's rows are then all in scope, and reading the table
 * alone gives what its join with r_msg gives (a rule_hits join cost twice
 * the scan). False on a database error (the join then reports it). */
bool rctx_all_sent(struct rctx *c);

/* Column k of a row as a report-arena string (NULL stays NULL). */
const char *rctx_col_text(struct rctx *c, struct sqlite3_stmt *s, int k);

/* The section builders, in report order (report/sec_*.c). */
int sec_overview(struct rctx *c);
int sec_authentication(struct rctx *c);
int sec_content(struct rctx *c);
int sec_delivery(struct rctx *c);
int sec_infrastructure(struct rctx *c);
int sec_postmortem(struct rctx *c);
int sec_campaigns(struct rctx *c);
/* The Campaigns section's first half (its shown campaigns and their
 * Message-IDs) into c->camp, for rctx_open before the delivery scan. 0 or
 * -1 (c->err). */
int rctx_campaigns_choose(struct rctx *c);
/* Frees what rctx_campaigns_choose kept, when the section will not take it
 * (an error before it runs); nothing when there is none. */
void rctx_campaigns_drop(struct rctx *c);
/* For the delivery scan (report/dcube.c): c->camp wants the rows of r_out
 * with source 'log' (true: camp_dlv_row them, then camp_dlv_done). */
bool camp_dlv_wanted(const struct camp_pre *p);
/* A row of r_out with source 'log': its message_id and status as read. */
void camp_dlv_row(struct camp_pre *p, struct sqlite3_value *mid, struct sqlite3_value *status);
/* The scan is over: all its rows given (ok), else the counts are dropped
 * (the section then reads the deliveries itself). */
void camp_dlv_done(struct camp_pre *p, bool ok);
/* The post-mortem's TEMP table (or view, whole scope) r_pm (see sec_postmortem.c) for
 * the current scope, built on first use and reused; also registers the SQL
 * functions pm_sep() and pm_kind_order(). Used by sec_campaigns too. */
int sec_postmortem_features(struct rctx *c);
/* The post-mortem's features of the messages of `src` (a TEMP table with
 * r_pm's columns, e.g. a subset of its rows) summed per campaign, into the
 * TEMP table dest(campaign, kind, feature, a, c): a and c the spam and
 * inbox copies with the feature; the campaign kind left out. */
int sec_postmortem_campaign_features(struct rctx *c, const char *src, const char *dest);
int sec_requirements(struct rctx *c);
int sec_feedback(struct rctx *c);
/* Reads the other sections' tables and facts, and the database: last. */
int sec_recommendations(struct rctx *c);
/* Built after all the others from their facts and findings; shown first. */
int sec_summary(struct rctx *c);

#endif
