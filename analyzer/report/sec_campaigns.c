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
 * TEMP tables: r_camp_agg (per campaign), r_camp (the shown campaigns),
 * r_camp_dlv, r_camp_cmp, r_camp_pm, r_camp_feat; dropped and rebuilt on
 * each call. SQL functions camp_row_wanted and camp_mid_wanted are
 * registered while the passes that use them run (see there). The shown
 * campaigns' Message-IDs are kept in memory (struct
 * camp_mids, at most CAMP_MID_MAX of them in CAMP_MID_BYTES, about 30 MB
 * with its tables); past that bound they go to the TEMP table r_camp_mid
 * and SQL joins it. The per-campaign sums keep at most CAMP_MAX_GROUPS
 * campaigns in memory (past that, SQLite's GROUP BY).
 *
 * When the section is to be built, rctx_open runs its first half (the
 * campaigns, the shown ones' Message-IDs: rctx_campaigns_choose) before the
 * delivery scan (report/dcube.c), which then counts the shown campaigns'
 * deliveries as it reads every delivery (camp_dlv_row): the section's own
 * pass over r_out (3 million rows, 0.55 s on the bench database; about 210
 * million instructions of the 100,000-message database's report, net of
 * the scan's 86 million more) is left for what the scan cannot judge (see
 * struct camp_pre). */
#include "report/rctx.h"
#include "report/sqlval.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

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
/* the messages in scope with their per-message verdicts, in id order */
#define CAMP_FROM                                                                                  \
    " FROM r_msg r LEFT JOIN r_cp cp ON cp.message_id = r.id"                                      \
    " LEFT JOIN r_mk mk ON mk.message_id = r.id"                                                   \
    " LEFT JOIN spf_results sp ON sp.message_id = r.id AND sp.identity = 'mailfrom'"               \
    " LEFT JOIN dmarc_results dm ON dm.message_id = r.id"                                          \
    " LEFT JOIN content_scores cs ON cs.message_id = r.id"                                         \
    " WHERE r.feedback_kind IS NULL ORDER BY r.id"
static const char CAMP_ROWS[] =
    "SELECT r.campaign, 1, coalesce(cp.n_copy, 0), coalesce(cp.n_spam, 0),"
    " coalesce(cp.n_inbox, 0), sp.message_id, dm.message_id,"
    " sp.result = 'pass', dm.result = 'pass', coalesce(mk.pass, 0), cs.total, cs.total" CAMP_FROM;
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

/* ---- the per-campaign sums and the Message-ID lookups in memory ----
 *
 * A set of byte strings (campaign keys; Message-IDs), each numbered in the
 * order first added: open addressing over a power-of-two slot array, the
 * bytes kept in one buffer. Keys are compared by bytes, as SQLite's BINARY
 * collation compares text. */
struct kent {
    uint64_t hash;
    size_t off, len;
};

struct kset {
    struct kent *e;
    size_t n, cap;
    /* the entry + 1 in the low 32 bits (0: empty), the hash's high 32 bits
     * above: a key that is not there is told by the slots alone (the
     * bench's 3 million deliveries, 2.5 million of them not in the set,
     * had spent 0.6 s fetching entries to compare their hashes) */
    uint64_t *slot;
    size_t n_slot;
    char *bytes;
    size_t nb, bcap;
};

static void kset_rehash(struct kset *s)
{
    size_t ns = s->n_slot ? s->n_slot * 2 : 1024;
    uint64_t *sl = xcalloc(ns, sizeof *sl);
    for (size_t i = 0; i < s->n; i++) {
        size_t k = (size_t)s->e[i].hash & (ns - 1);
        while (sl[k])
            k = (k + 1) & (ns - 1);
        sl[k] = (s->e[i].hash & 0xffffffff00000000ull) | (uint64_t)(i + 1);
    }
    free(s->slot);
    s->slot = sl;
    s->n_slot = ns;
}

/* The number of key p[0..len) (hash h); absent: added when `add` (*added
 * set), else SIZE_MAX. */
static size_t kset_get(struct kset *s, const void *p, size_t len, uint64_t h, bool add, bool *added)
{
    if (!s->n_slot) kset_rehash(s);
    uint64_t tag = h & 0xffffffff00000000ull;
    size_t k = (size_t)h & (s->n_slot - 1);
    for (; s->slot[k]; k = (k + 1) & (s->n_slot - 1)) {
        if ((s->slot[k] & 0xffffffff00000000ull) != tag) continue;
        size_t i = (size_t)(s->slot[k] & 0xffffffffu) - 1;
        const struct kent *x = &s->e[i];
        if (x->len == len && (!len || memcmp(s->bytes + x->off, p, len) == 0)) return i;
    }
    if (!add) return SIZE_MAX;
    s->e = xgrow(s->e, &s->cap, s->n + 1, sizeof *s->e);
    s->bytes = xgrow(s->bytes, &s->bcap, s->nb + len + 1, 1);
    if (len) memcpy(s->bytes + s->nb, p, len);
    s->e[s->n] = (struct kent){h, s->nb, len};
    s->nb += len;
    s->slot[k] = tag | (uint64_t)++s->n;
    if (s->n * 2 > s->n_slot) kset_rehash(s);
    if (added) *added = true;
    return s->n - 1;
}

static const char *kset_key(const struct kset *s, size_t i)
{
    return s->bytes + s->e[i].off;
}

static void kset_free(struct kset *s)
{
    free(s->e);
    free(s->slot);
    free(s->bytes);
    memset(s, 0, sizeof *s);
}

/* CAMP_ROWS summed per campaign into r_camp_agg with the values
 * rctx_hashagg(CAMP_ROWS, 1, CAMP_OPS) stores: the generic aggregate
 * fetched and typed twelve values a row as sqlite3_values (about a third
 * of the statement's 1.04 s on the bench database); here each column is
 * read as what it is (with the SPF merge below: 0.81 s). Anything else (a key that is not text, a
 * score that is not a REAL, more groups than hashagg.c keeps, an overflow) gives 1: the caller runs
 * rctx_hashagg, which has SQLite's answer for those. */
#ifndef CAMP_MAX_GROUPS       /* (a test compiles this file with a small one) */
#define CAMP_MAX_GROUPS 20000 /* hashagg.c's bound: past it both give SQLite's GROUP BY */
#endif

static const char CAMP_ROWS_TYPED[] =
    "SELECT r.campaign, coalesce(cp.n_copy, 0), coalesce(cp.n_spam, 0), coalesce(cp.n_inbox, 0),"
    " sp.message_id, dm.message_id, sp.result = 'pass', dm.result = 'pass', coalesce(mk.pass, 0),"
    " cs.total, r.id" CAMP_FROM;

/* Over the whole database the SPF verdicts are read beside r_msg, both in
 * message order, rather than looked up one message at a time: spf_results
 * is keyed by (message_id, identity), and each lookup descended that key
 * (a fifth of the statement). Columns 4 and 6 are then r.id and NULL. */
static const char CAMP_ROWS_WHOLE[] =
    "SELECT r.campaign, coalesce(cp.n_copy, 0), coalesce(cp.n_spam, 0), coalesce(cp.n_inbox, 0),"
    " r.id, dm.message_id, NULL, dm.result = 'pass', coalesce(mk.pass, 0), cs.total, r.id"
    " FROM r_msg r LEFT JOIN r_cp cp ON cp.message_id = r.id"
    " LEFT JOIN r_mk mk ON mk.message_id = r.id"
    " LEFT JOIN dmarc_results dm ON dm.message_id = r.id"
    " LEFT JOIN content_scores cs ON cs.message_id = r.id"
    " WHERE r.feedback_kind IS NULL ORDER BY r.id";
static const char SPF_ROWS[] = "SELECT message_id, result = 'pass' FROM spf_results"
                               " WHERE identity = 'mailfrom' ORDER BY message_id";

struct camp_sum {
    int64_t n_msg, n_copy, n_spam, n_inbox, n_spf, n_dmarc, spf_pass, dmarc_pass, dkim_pass;
    bool has_spf_pass, has_dmarc_pass;
    int64_t n_score;
    double score_sum, score_max; /* the sum added in row order, as hashagg's avg */
};

/* x += v, an integer; false when it is not one or overflows */
static bool add_int(sqlite3_value *v, int64_t *x)
{
    return sqlite3_value_type(v) == SQLITE_INTEGER &&
           !__builtin_add_overflow(*x, sqlite3_value_int64(v), x);
}

static int camp_rows_store(struct rctx *c, const struct kset *keys, const struct camp_sum *g)
{
    if (exec(c,
             "DROP TABLE IF EXISTS temp.r_camp_agg; CREATE TEMP TABLE r_camp_agg(k1, a1, a2, a3,"
             " a4, a5, a6, a7, a8, a9, a10, a11)",
             false) != 0)
        return -1;
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(c->db,
                           "INSERT INTO r_camp_agg VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
                           " ?11, ?12)",
                           -1, &ins, NULL) != SQLITE_OK) {
        snprintf(c->err, sizeof c->err, "campaigns: %s", sqlite3_errmsg(c->db));
        return -1;
    }
    int rc = rctx_begin(c);
    for (size_t i = 0; rc == 0 && i < keys->n; i++) {
        const struct camp_sum *x = &g[i];
        sqlite3_bind_text(ins, 1, kset_key(keys, i), (int)keys->e[i].len, SQLITE_STATIC);
        int64_t v[] = {x->n_msg, x->n_copy, x->n_spam, x->n_inbox, x->n_spf, x->n_dmarc};
        for (int k = 0; k < 6; k++)
            sqlite3_bind_int64(ins, k + 2, v[k]);
        x->has_spf_pass ? sqlite3_bind_int64(ins, 8, x->spf_pass) : sqlite3_bind_null(ins, 8);
        x->has_dmarc_pass ? sqlite3_bind_int64(ins, 9, x->dmarc_pass) : sqlite3_bind_null(ins, 9);
        sqlite3_bind_int64(ins, 10, x->dkim_pass);
        if (x->n_score) {
            sqlite3_bind_double(ins, 11, x->score_sum / (double)x->n_score);
            sqlite3_bind_double(ins, 12, x->score_max);
        } else {
            sqlite3_bind_null(ins, 11);
            sqlite3_bind_null(ins, 12);
        }
        if (sqlite3_step(ins) != SQLITE_DONE) {
            snprintf(c->err, sizeof c->err, "campaigns: %s", sqlite3_errmsg(c->db));
            rc = -1;
        }
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    if (rc == 0) return rctx_commit(c);
    rctx_rollback(c);
    return rc;
}

/* The SPF verdict of message id (the rows of sp, SPF_ROWS, read up to
 * it): *has whether there is one, *pass its column 1 (an integer, NULL
 * when the result is); false: a message_id that is not an integer (the SQL
 * path) or an error (*rc). */
static bool spf_of(sqlite3_stmt *sp, sqlite3_value **col, int *rc, int64_t id, bool *has,
                   sqlite3_value **pass)
{
    *has = false;
    while (*rc == SQLITE_ROW) {
        sqlval_row(sp, col, 2);
        if (sqlite3_value_type(col[0]) != SQLITE_INTEGER) return false;
        int64_t m = sqlite3_value_int64(col[0]);
        if (m > id) return true;
        if (m == id) {
            *has = true;
            *pass = col[1];
            return true;
        }
        *rc = sqlite3_step(sp);
    }
    return *rc == SQLITE_DONE;
}

/* What camp_rows read, kept for the Message-IDs' pass: the campaigns (their
 * numbers) and each message's one (column 10, r.id, ascending), at most
 * CAMP_ROWMAP_MAX messages (12 bytes each; past that, n = 0 and that pass
 * picks its rows by campaign in SQL). */
#ifndef CAMP_ROWMAP_MAX
#define CAMP_ROWMAP_MAX (1u << 24)
#endif
struct camp_rowmap {
    struct kset keys;
    int64_t *id;
    uint32_t *grp;
    size_t n, cap;
    bool off;         /* not kept (too many rows, or ids not ascending) */
    int8_t *want;     /* per campaign: its row of r_camp, or -1 */
    const bool *both; /* per row of r_camp: with spam and inbox copies */
    /* then (camp_rowmap_shown) only the shown campaigns' messages: id[],
     * and in grp[] their row of r_camp; a bit per id up to the greatest
     * (when at most CAMP_ROWMAP_BITS), set for those ids: most ids asked
     * about are of other messages, told so without a search (the search
     * of the million ids, in Message-ID order, had taken 0.1 s) */
    uint64_t *bits;
    size_t hint; /* where the last id was found (r_msg is read in id order) */
};
#define CAMP_ROWMAP_BITS (1u << 27)

static void camp_rowmap_free(struct camp_rowmap *rm)
{
    kset_free(&rm->keys);
    free(rm->id);
    free(rm->grp);
    free(rm->want);
    free(rm->bits);
    memset(rm, 0, sizeof *rm);
}

static void camp_rowmap_add(struct camp_rowmap *rm, sqlite3_value *v, size_t grp)
{
    if (rm->off) return;
    int64_t id = sqlite3_value_int64(v);
    if (sqlite3_value_type(v) != SQLITE_INTEGER || rm->n >= CAMP_ROWMAP_MAX ||
        (rm->n && id <= rm->id[rm->n - 1])) {
        rm->off = true;
        return;
    }
    if (rm->n == rm->cap) {
        size_t cap = rm->cap;
        rm->id = xgrow(rm->id, &cap, rm->n + 1, sizeof *rm->id);
        rm->grp = xgrow(rm->grp, &rm->cap, rm->n + 1, sizeof *rm->grp);
    }
    rm->id[rm->n] = id;
    rm->grp[rm->n++] = (uint32_t)grp;
}

/* 0: r_camp_agg built (rm filled, *n_rows the rows read); 1: take
 * rctx_hashagg; -1: error */
static int camp_rows(struct rctx *c, struct camp_rowmap *rm, int64_t *n_rows)
{
    sqlite3_stmt *q, *sp = NULL;
    if (sqlite3_prepare_v2(c->db, c->whole ? CAMP_ROWS_WHOLE : CAMP_ROWS_TYPED, -1, &q, NULL) !=
        SQLITE_OK)
        return 1; /* (rctx_hashagg says what is missing or wrong) */
    int rc, rs = SQLITE_DONE;
    if (c->whole) {
        if (sqlite3_prepare_v2(c->db, SPF_ROWS, -1, &sp, NULL) != SQLITE_OK) {
            sqlite3_finalize(q);
            return 1;
        }
        rs = sqlite3_step(sp);
    }
    struct kset keys = {0};
    struct camp_sum *g = NULL;
    rm->n = 0;
    size_t cap = 0, last = SIZE_MAX;
    bool ok = true;
    /* (each row's values fetched once: a column_type and a column_int64 per
     * column had cost 1,600 instructions a row, a third of camp_rows' own) */
    sqlite3_value *col[11] = {NULL}, *spcol[2] = {NULL};
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        sqlval_row(q, col, 11);
        if (sqlite3_value_type(col[0]) != SQLITE_TEXT) {
            ok = false;
            break;
        }
        const char *key = (const char *)sqlite3_value_text(col[0]);
        size_t len = (size_t)sqlite3_value_bytes(col[0]);
        /* (rows of one campaign often come together: the last one first) */
        size_t i = last;
        if (i == SIZE_MAX || keys.e[i].len != len ||
            (len && memcmp(kset_key(&keys, i), key, len) != 0)) {
            bool added = false;
            i = kset_get(&keys, key, len, sqlval_hash_bytes(SQLVAL_HASH_SEED, key, len), true,
                         &added);
            if (added) {
                if (keys.n > CAMP_MAX_GROUPS) {
                    ok = false;
                    break;
                }
                g = xgrow(g, &cap, keys.n, sizeof *g);
                memset(&g[i], 0, sizeof g[i]);
            }
            last = i;
        }
        struct camp_sum *x = &g[i];
        camp_rowmap_add(rm, col[10], i);
        x->n_msg++;
        ok = add_int(col[1], &x->n_copy) && add_int(col[2], &x->n_spam) &&
             add_int(col[3], &x->n_inbox) && add_int(col[8], &x->dkim_pass);
        bool has_spf = sqlite3_value_type(col[4]) != SQLITE_NULL;
        sqlite3_value *spf_pass = col[6];
        if (ok && sp) {
            if (sqlite3_value_type(col[4]) != SQLITE_INTEGER ||
                !spf_of(sp, spcol, &rs, sqlite3_value_int64(col[4]), &has_spf, &spf_pass)) {
                ok = false;
                break;
            }
            if (!has_spf) spf_pass = col[6]; /* (NULL) */
        }
        x->n_spf += has_spf;
        x->n_dmarc += sqlite3_value_type(col[5]) != SQLITE_NULL;
        if (ok && sqlite3_value_type(spf_pass) != SQLITE_NULL) {
            ok = sqlite3_value_type(spf_pass) == SQLITE_INTEGER &&
                 !__builtin_add_overflow(x->spf_pass, sqlite3_value_int64(spf_pass), &x->spf_pass);
            x->has_spf_pass = true;
        }
        if (ok && sqlite3_value_type(col[7]) != SQLITE_NULL) {
            ok = add_int(col[7], &x->dmarc_pass);
            x->has_dmarc_pass = true;
        }
        int t = sqlite3_value_type(col[9]);
        if (ok && t != SQLITE_NULL) {
            if (t != SQLITE_FLOAT) {
                ok = false;
                break;
            }
            double d = sqlite3_value_double(col[9]);
            x->score_sum += d;
            if (!x->n_score || d > x->score_max) x->score_max = d;
            x->n_score++;
        }
    }
    if (ok && (rc != SQLITE_DONE || (rs != SQLITE_DONE && rs != SQLITE_ROW))) {
        snprintf(c->err, sizeof c->err, "campaigns: %s", sqlite3_errmsg(c->db));
        rc = -1;
    } else
        rc = ok ? 0 : 1;
    sqlite3_finalize(q);
    sqlite3_finalize(sp);
    if (rc == 0) rc = camp_rows_store(c, &keys, g);
    *n_rows = 0;
    for (size_t i = 0; rc == 0 && i < keys.n; i++)
        *n_rows += g[i].n_msg;
    if (rc == 0 && !rm->off)
        rm->keys = keys; /* (rm's now) */
    else {
        kset_free(&keys);
        rm->off = true;
    }
    free(g);
    return rc;
}

/* The shown campaigns' Message-IDs in memory rather than in r_camp_mid:
 * one pass over the scope's messages finds them (and r_camp_pm's rows, the
 * r_pm rows of the shown campaigns with spam and inbox copies, which had
 * taken two passes over r_pm); the deliveries are then read once, looked
 * up here (SQLite had probed r_camp_mid's index for each of the bench's 3
 * million rows), and the complaints likewise. At most CAMP_MID_MAX
 * Message-IDs of CAMP_MID_BYTES bytes in all (about 30 MB with the table:
 * the bench database's 21 campaigns have 175,000): past that, or for a
 * value that is not text where text is expected, the SQL path (r_camp_mid). */
#ifndef CAMP_MID_MAX /* (a test compiles this file with a small one) */
#define CAMP_MID_MAX 262144
#endif
#define CAMP_MID_BYTES (16u << 20)
#define CAMP_N (CAMP_TOP + 1) /* r_camp's rows: the shown ones and one to tell there are more */

struct camp_mids {
    struct kset ids; /* the Message-IDs */
    /* a bit per hash value of the Message-IDs there, 8 or more bits per
     * Message-ID (about one in eight others passes): most deliveries are
     * of other messages, and this tells so from a sixteenth of the slots'
     * memory (a lookup in the 4 MB of slots, past the cache, cost 150 ns;
     * the filter took the deliveries' pass from 0.92 s to 0.71 s) */
    uint64_t *filter;
    size_t filter_bits;
    uint8_t *camp; /* each one's campaign: the least key (as min(r.campaign)) */
    size_t camp_cap;
    char *key[CAMP_N]; /* r_camp's campaigns */
    size_t klen[CAMP_N];
    bool both[CAMP_N]; /* with spam and inbox copies (r_camp_pm) */
    size_t n_keys;
};

static void camp_mids_free(struct camp_mids *m)
{
    kset_free(&m->ids);
    free(m->filter);
    free(m->camp);
    for (size_t i = 0; i < m->n_keys; i++)
        free(m->key[i]);
    memset(m, 0, sizeof *m);
}

/* the campaign of text column k of q among m's keys; -1: none (or not text) */
static int camp_of(const struct camp_mids *m, sqlite3_stmt *q, int k)
{
    if (sqlite3_column_type(q, k) != SQLITE_TEXT) return -1;
    const char *p = (const char *)sqlite3_column_text(q, k);
    size_t len = (size_t)sqlite3_column_bytes(q, k);
    for (size_t i = 0; i < m->n_keys; i++)
        if (m->klen[i] == len && (!len || memcmp(m->key[i], p, len) == 0)) return (int)i;
    return -1;
}

/* The Message-ID in text column k of q: its number in m->ids, or SIZE_MAX */
static size_t mid_find(struct camp_mids *m, const char *p, size_t len)
{
    uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, p, len);
    size_t b = (size_t)(h >> 40) & (m->filter_bits - 1);
    if (!(m->filter[b / 64] >> (b % 64) & 1)) return SIZE_MAX;
    return kset_get(&m->ids, p, len, h, false, NULL);
}

static size_t mid_of(struct camp_mids *m, sqlite3_stmt *q, int k)
{
    if (sqlite3_column_type(q, k) != SQLITE_TEXT) return SIZE_MAX;
    return mid_find(m, (const char *)sqlite3_column_text(q, k), (size_t)sqlite3_column_bytes(q, k));
}

/* m's filter, from its Message-IDs */
static void camp_mids_filter(struct camp_mids *m)
{
    for (m->filter_bits = 1 << 16; m->filter_bits < 8 * m->ids.n; m->filter_bits *= 2)
        ;
    m->filter = xcalloc(m->filter_bits / 64, sizeof *m->filter);
    for (size_t i = 0; i < m->ids.n; i++) {
        size_t b = (size_t)(m->ids.e[i].hash >> 40) & (m->filter_bits - 1);
        m->filter[b / 64] |= 1ull << (b % 64);
    }
}

static int camp_err(struct rctx *c)
{
    snprintf(c->err, sizeof c->err, "campaigns: %s", sqlite3_errmsg(c->db));
    return -1;
}

static const char MID_ROWS[] =
    "SELECT r.campaign, m.message_id, r.id, cp.n_spam, cp.n_inbox, r.from_domain"
    " FROM r_msg r CROSS JOIN messages m ON m.id = r.id LEFT JOIN r_cp cp ON cp.message_id = r.id"
    " WHERE r.campaign IN (SELECT campaign FROM r_camp) AND r.feedback_kind IS NULL";

/* Whether r_msg row id is a message of a shown campaign, by what
 * camp_rows kept (rm): the pass over r_msg had compared each message's
 * campaign with r_camp's (a search of an index of texts, and the campaign
 * and feedback_kind columns read, for each of the bench's million
 * messages). */
/* the row of r_camp of message id (an r_msg id), or -1 */
static int camp_row_of(struct camp_rowmap *rm, int64_t id)
{
    if (rm->bits && (id < 0 || id > rm->id[rm->n - 1] ||
                     !(rm->bits[(uint64_t)id / 64] >> ((uint64_t)id % 64) & 1)))
        return -1;
    size_t lo = 0, hi = rm->n, h = rm->hint;
    if (h + 1 < rm->n && rm->id[h] < id && rm->id[h + 1] >= id) /* (the next one, mostly) */
        lo = hi = h + 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (rm->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    rm->hint = lo < rm->n ? lo : rm->hint;
    return lo < rm->n && rm->id[lo] == id ? (int)rm->grp[lo] : -1;
}

/* rm down to the shown campaigns' messages (m's keys; see struct camp_rowmap) */
static void camp_rowmap_shown(struct camp_rowmap *rm, const struct camp_mids *m)
{
    rm->want = xmalloc(rm->keys.n);
    memset(rm->want, -1, rm->keys.n);
    for (size_t k = 0; k < m->n_keys; k++) {
        size_t i =
            kset_get(&rm->keys, m->key[k], m->klen[k],
                     sqlval_hash_bytes(SQLVAL_HASH_SEED, m->key[k], m->klen[k]), false, NULL);
        if (i != SIZE_MAX) rm->want[i] = (int8_t)k;
    }
    size_t j = 0;
    for (size_t i = 0; i < rm->n; i++)
        if (rm->want[rm->grp[i]] >= 0) {
            rm->id[j] = rm->id[i];
            rm->grp[j++] = (uint32_t)rm->want[rm->grp[i]];
        }
    rm->n = j;
    rm->both = m->both;
    if (j && rm->id[0] >= 0 && (uint64_t)rm->id[j - 1] < CAMP_ROWMAP_BITS) {
        rm->bits = xcalloc((size_t)rm->id[j - 1] / 64 + 1, sizeof *rm->bits);
        for (size_t i = 0; i < j; i++)
            rm->bits[(uint64_t)rm->id[i] / 64] |= 1ull << ((uint64_t)rm->id[i] % 64);
    }
}

/* camp_row_wanted(id, both): 1 when message id is of a shown campaign
 * (with both: of one with spam and inbox copies), else 0 */
static void camp_row_wanted(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct camp_rowmap *rm = sqlite3_user_data(cx);
    int k = sqlite3_value_type(argv[0]) == SQLITE_INTEGER
                ? camp_row_of(rm, sqlite3_value_int64(argv[0]))
                : -1;
    sqlite3_result_int(cx, k >= 0 && (!sqlite3_value_int(argv[1]) || rm->both[k]));
}

/* The text Message-ID in column 1 of q's row, a message of shown campaign
 * k, into m: a Message-ID shared by messages of several campaigns belongs
 * to the least campaign key (r_camp_mid's min(r.campaign)). false: past
 * CAMP_MID_MAX ids or CAMP_MID_BYTES bytes (the caller takes the SQL way). */
static bool camp_mid_add(struct camp_mids *m, sqlite3_stmt *q, int k)
{
    const char *p = (const char *)sqlite3_column_text(q, 1);
    size_t len = (size_t)sqlite3_column_bytes(q, 1);
    bool added = false;
    size_t i = kset_get(&m->ids, p, len, sqlval_hash_bytes(SQLVAL_HASH_SEED, p, len), true, &added);
    if (m->ids.n > CAMP_MID_MAX || m->ids.nb > CAMP_MID_BYTES) return false;
    if (added) {
        m->camp = xgrow(m->camp, &m->camp_cap, m->ids.n, 1);
        m->camp[i] = (uint8_t)k;
    } else if (sqlval_bytes_cmp(m->key[k], m->klen[k], m->key[m->camp[i]], m->klen[m->camp[i]]) < 0)
        m->camp[i] = (uint8_t)k;
    return true;
}

/* The pass over the messages by rm: the shown campaigns' Message-IDs from
 * the index of Message-IDs, read whole (a few pages) rather than each
 * message's row sought in the messages table (its rows are wide: 175,000
 * of them read, a page each, on the bench database), then r_camp_pm's
 * rows by SQL. The same values as camp_mid_pass. */
static int camp_mid_pass_mapped(struct rctx *c, struct camp_mids *m, struct camp_rowmap *rm)
{
    sqlite3_stmt *q = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "SELECT id, message_id FROM messages INDEXED BY messages_message_id"
                           " WHERE camp_row_wanted(id, 0)",
                           -1, &q, NULL) != SQLITE_OK &&
        sqlite3_prepare_v2(c->db,
                           "SELECT r.id, m.message_id FROM r_msg r CROSS JOIN messages m"
                           " ON m.id = r.id WHERE camp_row_wanted(r.id, 0)",
                           -1, &q, NULL) != SQLITE_OK)
        return camp_err(c);
    int rc;
    bool ok = true;
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int k = camp_row_of(rm, sqlite3_column_int64(q, 0));
        int tm = sqlite3_column_type(q, 1);
        if (k < 0 || (tm != SQLITE_TEXT && tm != SQLITE_NULL)) {
            ok = false;
            break;
        }
        if (tm == SQLITE_NULL) continue;
        if (!camp_mid_add(m, q, k)) {
            ok = false;
            break;
        }
    }
    if (ok && rc != SQLITE_DONE) {
        camp_err(c);
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_finalize(q);
    if (!ok) return 1;
    /* r_pm's rows of the campaigns with spam and inbox copies */
    return exec(c,
                "INSERT INTO r_camp_pm SELECT r.id, cp.n_spam, cp.n_inbox, r.campaign,"
                " r.from_domain FROM r_msg r JOIN r_cp cp ON cp.message_id = r.id"
                " WHERE camp_row_wanted(r.id, 1) AND (cp.n_spam > 0 OR cp.n_inbox > 0)",
                false);
}

/* r_camp's campaigns, then the pass over the messages (by rm when
 * camp_rows kept it): m filled and r_camp_pm built (0), or 1: the SQL
 * path; -1: error */
static int camp_mid_pass(struct rctx *c, struct camp_mids *m, struct camp_rowmap *rm)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(c->db, "SELECT campaign, n_spam > 0 AND n_inbox > 0 FROM r_camp", -1, &q,
                           NULL) != SQLITE_OK)
        return camp_err(c);
    int rc;
    bool ok = true;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && m->n_keys < CAMP_N) {
        if (sqlite3_column_type(q, 0) != SQLITE_TEXT) ok = false;
        size_t len = (size_t)sqlite3_column_bytes(q, 0);
        m->key[m->n_keys] = xmalloc(len + 1);
        if (len) memcpy(m->key[m->n_keys], sqlite3_column_text(q, 0), len);
        m->klen[m->n_keys] = len;
        m->both[m->n_keys++] = sqlite3_column_int64(q, 1) != 0;
    }
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) camp_err(c);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) return -1;
    if (!ok || rc == SQLITE_ROW) return 1;
    bool mapped = !rm->off && rm->keys.n;
    if (mapped) {
        camp_rowmap_shown(rm, m);
        if (sqlite3_create_function_v2(c->db, "camp_row_wanted", 2, SQLITE_UTF8, rm,
                                       camp_row_wanted, NULL, NULL, NULL) != SQLITE_OK)
            return camp_err(c);
    }
    if (exec(c,
             "DROP TABLE IF EXISTS temp.r_camp_pm;"
             "CREATE TEMP TABLE r_camp_pm(id INTEGER PRIMARY KEY, n_spam INTEGER NOT NULL,"
             " n_inbox INTEGER NOT NULL, campaign TEXT, from_domain TEXT)",
             false) != 0)
        return -1;
    if (mapped) {
        if (rctx_begin(c) != 0) return -1;
        rc = camp_mid_pass_mapped(c, m, rm);
        if (rc == 0) {
            camp_mids_filter(m);
            return rctx_commit(c);
        }
        rctx_rollback(c);
        return rc;
    }
    sqlite3_stmt *ins = NULL;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_camp_pm VALUES (?1, ?2, ?3, ?4, ?5)", -1, &ins,
                           NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, MID_ROWS, -1, &q, NULL) != SQLITE_OK) {
        camp_err(c);
        sqlite3_finalize(ins);
        return -1;
    }
    if (rctx_begin(c) != 0) {
        sqlite3_finalize(q);
        sqlite3_finalize(ins);
        return -1;
    }
    while (ok && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int k = camp_of(m, q, 0);
        int tm = sqlite3_column_type(q, 1);
        if (k < 0 || (tm != SQLITE_TEXT && tm != SQLITE_NULL)) {
            ok = false;
            break;
        }
        if (tm == SQLITE_TEXT && !camp_mid_add(m, q, k)) {
            ok = false;
            break;
        }
        /* r_pm's rows: messages with a spam or an inbox copy */
        int ts = sqlite3_column_type(q, 3), ti = sqlite3_column_type(q, 4);
        if ((ts != SQLITE_NULL && ts != SQLITE_INTEGER) ||
            (ti != SQLITE_NULL && ti != SQLITE_INTEGER)) {
            ok = false;
            break;
        }
        if (!m->both[k] || !((ts != SQLITE_NULL && sqlite3_column_int64(q, 3) > 0) ||
                             (ti != SQLITE_NULL && sqlite3_column_int64(q, 4) > 0)))
            continue;
        static const int cols[] = {2, 3, 4, 0, 5};
        for (int j = 0; j < 5; j++)
            sqlite3_bind_value(ins, j + 1, sqlite3_column_value(q, cols[j]));
        if (sqlite3_step(ins) != SQLITE_DONE) {
            camp_err(c);
            rc = -1;
            break;
        }
        sqlite3_reset(ins);
    }
    if (ok && rc != SQLITE_DONE && rc != -1) camp_err(c);
    sqlite3_finalize(ins);
    sqlite3_finalize(q);
    if (ok && rc == SQLITE_DONE) {
        camp_mids_filter(m);
        return rctx_commit(c);
    }
    rctx_rollback(c);
    return ok ? -1 : 1;
}

/* camp_mid_wanted(x): whether the deliveries' pass must see x's row: 1
 * for a Message-ID of m (or a number, which the pass leaves to SQL), else
 * 0. In the pass's WHERE, ahead of r_out's own condition (a superseded
 * attempt: a search of r_sup per row), it lets SQLite drop the other
 * deliveries (most of them) before that search and before their status is
 * read (the bench's 3 million deliveries had taken 0.54 s to come back to
 * C; filtered so, the section's instructions on the 100,000-message
 * database fell by 116 million, 6%, most of them that search's). */
static void camp_mid_wanted(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    (void)argc;
    struct camp_mids *m = sqlite3_user_data(cx);
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        sqlite3_result_int(cx, 1);
        return;
    }
    if (t != SQLITE_TEXT) {
        sqlite3_result_int(cx, 0);
        return;
    }
    const char *p = (const char *)sqlite3_value_text(argv[0]);
    size_t len = (size_t)sqlite3_value_bytes(argv[0]);
    sqlite3_result_int(cx, mid_find(m, p, len) != SIZE_MAX);
}

static const char *const dlv_status[] = {"sent", "deferred", "bounced", "rejected", "expired"};

/* the deliveries of m's Message-IDs into n, by the pass over r_out: 0, 1
 * (the SQL path), -1 */
static int camp_dlv(struct rctx *c, struct camp_mids *m, int64_t n[][6])
{
    const char *const *status = dlv_status;
    sqlite3_stmt *q;
    int rc = SQLITE_DONE;
    bool ok = true;
    /* a table or column missing from an older database: no rows, as
     * rctx_hashagg and the tolerated CMP_SQL gave */
    if (sqlite3_create_function_v2(c->db, "camp_mid_wanted", 1, SQLITE_UTF8, m, camp_mid_wanted,
                                   NULL, NULL, NULL) != SQLITE_OK)
        return camp_err(c);
    if (sqlite3_prepare_v2(c->db,
                           "SELECT message_id, status FROM r_out WHERE source = 'log'"
                           " AND camp_mid_wanted(message_id)",
                           -1, &q, NULL) != SQLITE_OK) {
        if (!schema_missing(c->db)) {
            camp_err(c);
            sqlite3_create_function_v2(c->db, "camp_mid_wanted", 1, SQLITE_UTF8, NULL, NULL, NULL,
                                       NULL, NULL);
            return -1;
        }
        q = NULL;
    }
    while (q && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        int tm = sqlite3_column_type(q, 0);
        if (tm == SQLITE_INTEGER || tm == SQLITE_FLOAT) {
            ok = false; /* (would be compared as text) */
            break;
        }
        size_t i = mid_of(m, q, 0);
        if (i == SIZE_MAX) continue;
        if (sqlite3_column_type(q, 1) != SQLITE_TEXT) {
            ok = false;
            break;
        }
        const char *st = (const char *)sqlite3_column_text(q, 1);
        size_t len = (size_t)sqlite3_column_bytes(q, 1);
        int64_t *x = n[m->camp[i]];
        x[0]++;
        for (int j = 0; j < 5; j++)
            if (strlen(status[j]) == len && memcmp(status[j], st, len) == 0) x[1 + j]++;
    }
    if (ok && rc != SQLITE_DONE) camp_err(c);
    sqlite3_finalize(q);
    /* (m is freed after this call: the function goes with it) */
    sqlite3_create_function_v2(c->db, "camp_mid_wanted", 1, SQLITE_UTF8, NULL, NULL, NULL, NULL,
                               NULL);
    if (!ok) return 1;
    return rc == SQLITE_DONE ? 0 : -1;
}

/* r_camp_dlv from the deliveries (counted: by the delivery scan, else by
 * camp_dlv) and r_camp_cmp from the complaints, by m (0), or 1: the SQL
 * path; -1: error */
static int camp_dlv_cmp(struct rctx *c, struct camp_mids *m, const int64_t (*counted)[6])
{
    int64_t n[CAMP_N][6] = {{0}}, cmp[CAMP_N] = {0};
    if (counted)
        memcpy(n, counted, sizeof n);
    else {
        int k = camp_dlv(c, m, n);
        if (k != 0) return k;
    }
    sqlite3_stmt *q;
    int rc;
    /* the complaints: a report counts once for each campaign it names, by
     * the original's Message-ID, Feedback-ID or List-Id (CMP_SQL's UNION) */
    if (sqlite3_prepare_v2(c->db,
                           "SELECT orig_message_id, orig_feedback_id, orig_list_id, id"
                           " FROM feedback_reports WHERE feedback_type IS NOT 'auth-failure'"
                           " AND feedback_type IS NOT 'not-spam'",
                           -1, &q, NULL) != SQLITE_OK) {
        if (!schema_missing(c->db)) return camp_err(c);
        q = NULL;
    }
    rc = SQLITE_DONE;
    while (q && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        uint32_t named = 0;
        size_t i = mid_of(m, q, 0);
        if (i != SIZE_MAX) named |= 1u << m->camp[i];
        int k = camp_of(m, q, 1);
        if (k >= 0) named |= 1u << k;
        k = camp_of(m, q, 2);
        if (k >= 0) named |= 1u << k;
        for (size_t j = 0; j < m->n_keys; j++)
            cmp[j] += (named >> j) & 1;
    }
    if (rc != SQLITE_DONE) camp_err(c);
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE) return -1;
    if (exec(c,
             "CREATE TEMP TABLE r_camp_dlv(campaign, n, sent, deferred, bounced, rejected,"
             " expired); CREATE TEMP TABLE r_camp_cmp(campaign, n)",
             false) != 0)
        return -1;
    sqlite3_stmt *d, *k;
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_camp_dlv VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1,
                           &d, NULL) != SQLITE_OK)
        return camp_err(c);
    if (sqlite3_prepare_v2(c->db, "INSERT INTO r_camp_cmp VALUES (?1, ?2)", -1, &k, NULL) !=
        SQLITE_OK) {
        sqlite3_finalize(d);
        return camp_err(c);
    }
    rc = 0;
    for (size_t j = 0; j < m->n_keys && rc == 0; j++) {
        if (n[j][0]) {
            sqlite3_bind_text(d, 1, m->key[j], (int)m->klen[j], SQLITE_STATIC);
            for (int f = 0; f < 6; f++)
                sqlite3_bind_int64(d, f + 2, n[j][f]);
            if (sqlite3_step(d) != SQLITE_DONE) rc = camp_err(c);
            sqlite3_reset(d);
        }
        if (cmp[j] && rc == 0) {
            sqlite3_bind_text(k, 1, m->key[j], (int)m->klen[j], SQLITE_STATIC);
            sqlite3_bind_int64(k, 2, cmp[j]);
            if (sqlite3_step(k) != SQLITE_DONE) rc = camp_err(c);
            sqlite3_reset(k);
        }
    }
    sqlite3_finalize(d);
    sqlite3_finalize(k);
    return rc;
}

/* The section's first half: its campaigns (r_camp_agg, r_camp), counted,
 * and the shown ones' Message-IDs (m, r_camp_pm), for the deliveries and
 * complaints. rctx_open runs it before the delivery scan when the section
 * is to be built (rctx_campaigns_choose), so that the scan, which reads
 * every delivery anyway, counts the shown campaigns' deliveries
 * (camp_dlv_row): the section's own pass over r_out had read the bench
 * database's 3 million deliveries again (0.55 s). */
struct camp_pre {
    bool empty; /* no sent message: the section says so */
    int64_t n_camp, with_spam;
    int mrc; /* camp_mid_pass's: 0, m holds the Message-IDs; 1, the SQL path */
    struct camp_mids m;
    /* the deliveries of m's Message-IDs as the delivery scan counted them
     * (camp_dlv's n): counted when the scan gave every row of r_out with
     * source 'log'; bad when a row needs the SQL path (camp_dlv says which) */
    bool counting, counted, bad;
    int64_t n[CAMP_N][6];
};

static void camp_pre_free(struct camp_pre *p)
{
    if (!p) return;
    camp_mids_free(&p->m);
    free(p);
}

static int camp_choose(struct rctx *c, struct camp_pre *p)
{
    /* the sent messages: over the whole database the per-campaign pass
     * counts them (CAMP_ROWS_WHOLE: one row per message of r_msg, the
     * tables it joins keyed by message), which saves rctx_sent_messages'
     * pass over r_msg (49 million instructions of the 100,000-message
     * database's report); else counted first (none: the section is empty) */
    int64_t n_msg = -1;
    if (!c->whole || c->n_sent >= 0) {
        if (rctx_sent_messages(c, &n_msg) != 0) return -1;
        if (n_msg == 0) {
            p->empty = true;
            return 0;
        }
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
    struct camp_rowmap rm = {.off = true};
    int rc = 0;
    int64_t n_rows = 0;
    if (!bare) {
        rm.off = false;
        rc = camp_rows(c, &rm, &n_rows);
    }
    if (rc >= 0 && n_msg < 0) {
        if (rc == 0 && !bare) c->n_sent = n_rows;
        if (rctx_sent_messages(c, &n_msg) != 0) rc = -1;
        if (rc >= 0 && n_msg == 0) {
            camp_rowmap_free(&rm);
            p->empty = true;
            return 0;
        }
    }
    if (rc == 1) rc = rctx_hashagg(c, CAMP_ROWS, 1, CAMP_OPS, "r_camp_agg");
    if (rc == 0) rc = exec(c, bare ? CAMP_SQL_BARE : CAMP_SQL, false);
    if (rc != 0) {
        camp_rowmap_free(&rm);
        return -1;
    }
    /* the campaigns, and those with a spam copy */
    if (rctx_int(c,
                 bare ? "SELECT count(*) FROM (SELECT DISTINCT campaign FROM r_msg"
                        " WHERE feedback_kind IS NULL)"
                      : "SELECT count(*) FROM r_camp_agg",
                 NULL, &p->n_camp) != 0) {
        camp_rowmap_free(&rm);
        return -1;
    }
    if (rctx_int(c,
                 bare ? "SELECT count(*) FROM (SELECT r.campaign FROM r_msg r JOIN r_copy c"
                        " ON c.message_id = r.id WHERE r.feedback_kind IS NULL"
                        " AND c.placement = 'spam' GROUP BY r.campaign)"
                      : "SELECT count(*) FROM r_camp_agg WHERE a3 > 0",
                 NULL, &p->with_spam) != 0) {
        camp_rowmap_free(&rm);
        return -1;
    }
    /* the deliveries and complaints of the shown campaigns: by their
     * Message-IDs in memory (with r_camp_pm), else by r_camp_mid */
    p->mrc = camp_mid_pass(c, &p->m, &rm);
    /* (rm goes, and the function with it) */
    sqlite3_create_function_v2(c->db, "camp_row_wanted", 2, SQLITE_UTF8, NULL, NULL, NULL, NULL,
                               NULL);
    camp_rowmap_free(&rm);
    return p->mrc < 0 ? -1 : 0;
}

int rctx_campaigns_choose(struct rctx *c)
{
    camp_pre_free(c->camp);
    struct camp_pre *p = xcalloc(1, sizeof *p);
    if (camp_choose(c, p) != 0) {
        camp_pre_free(p);
        c->camp = NULL;
        return -1;
    }
    p->counting = !p->empty && p->mrc == 0;
    c->camp = p;
    return 0;
}

void rctx_campaigns_drop(struct rctx *c)
{
    camp_pre_free(c->camp);
    c->camp = NULL;
}

bool camp_dlv_wanted(const struct camp_pre *p)
{
    return p->counting;
}

/* camp_dlv's loop for one row (its filter camp_mid_wanted included) */
void camp_dlv_row(struct camp_pre *p, sqlite3_value *mid, sqlite3_value *status)
{
    int tm = sqlite3_value_type(mid);
    if (tm != SQLITE_TEXT) {
        if (tm == SQLITE_INTEGER || tm == SQLITE_FLOAT) p->bad = true;
        return;
    }
    const char *t = (const char *)sqlite3_value_text(mid);
    size_t i = mid_find(&p->m, t, (size_t)sqlite3_value_bytes(mid));
    if (i == SIZE_MAX) return;
    if (sqlite3_value_type(status) != SQLITE_TEXT) {
        p->bad = true;
        return;
    }
    const char *st = (const char *)sqlite3_value_text(status);
    size_t len = (size_t)sqlite3_value_bytes(status);
    int64_t *x = p->n[p->m.camp[i]];
    x[0]++;
    for (int j = 0; j < 5; j++)
        if (strlen(dlv_status[j]) == len && memcmp(dlv_status[j], st, len) == 0) x[1 + j]++;
}

void camp_dlv_done(struct camp_pre *p, bool ok)
{
    p->counted = ok && !p->bad;
    p->counting = false;
}

int sec_campaigns(struct rctx *c)
{
    struct rsection *s = rsec_add(c->r, "campaigns", "Campaigns");
    /* chosen by rctx_open (c->camp), else here */
    struct camp_pre *p = c->camp;
    c->camp = NULL;
    if (!p) {
        p = xcalloc(1, sizeof *p);
        if (camp_choose(c, p) != 0) {
            camp_pre_free(p);
            return -1;
        }
    }
    if (p->empty) {
        camp_pre_free(p);
        rsec_empty(s, c->r, "no messages in this period");
        return 0;
    }
    int64_t n_camp = p->n_camp, with_spam = p->with_spam;
    int rc = p->mrc;
    if (rc == 0) rc = camp_dlv_cmp(c, &p->m, p->counted ? (const int64_t(*)[6])p->n : NULL);
    camp_pre_free(p);
    if (rc < 0) return -1;
    bool by_sql = rc == 1;
    if (by_sql) {
        if (exec(c,
                 "DROP TABLE IF EXISTS temp.r_camp_dlv; DROP TABLE IF EXISTS temp.r_camp_cmp;"
                 " DROP TABLE IF EXISTS temp.r_camp_pm",
                 false) != 0 ||
            exec(c, MID_SQL, false) != 0)
            return -1;
        rc = rctx_hashagg(c, DLV_ROWS, 1, "nsssss", "r_camp_dlv_agg") != 0 ? -1
                                                                           : exec(c, DLV_SQL, true);
        if (rc == 1) rc = exec(c, DLV_SQL_OLD, true);
        if (rc == 1)
            rc = exec(c,
                      "CREATE TEMP TABLE r_camp_dlv(campaign, n, sent, deferred, bounced,"
                      " rejected, expired)",
                      false);
        if (rc != 0) return -1;
        rc = exec(c, CMP_SQL, true);
        if (rc == 1) rc = exec(c, "CREATE TEMP TABLE r_camp_cmp(campaign, n)", false);
        if (rc != 0) return -1;
    }

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

    if (sec_postmortem_features(c) != 0) return -1;
    if (by_sql && exec(c, CAMP_PM_SQL, false) != 0) return -1;
    /* r_camp_pm's size, so that the feature queries start from its rows
     * (a few thousand) rather than scan the tables they join: only that
     * table is new to the planner here (ANALYZE of every TEMP table, twice,
     * had cost 150 ms) */
    if (exec(c, "PRAGMA analysis_limit = 400; ANALYZE temp.r_camp_pm", false) != 0) return -1;
    if (sec_postmortem_campaign_features(c, "r_camp_pm", "r_camp_feat") != 0) return -1;
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
