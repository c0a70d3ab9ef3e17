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

#include "report/cagg.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

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

/* ---- the by-domain and DKIM aggregates in C (whole scope) ----
 * by_domain_rows joined r_msg with spf_results, dmarc_results and r_mk by
 * a lookup a message (1.0 s of the section's 1.6 s for a million
 * messages), and dkim_signatures was read twice more (the d= table 0.37 s,
 * the failures 0.23 s with two sorts). Over the whole database each of
 * these tables is read once here in message-id order, side by side (a
 * merge: no lookups), and every aggregate of the section is made from
 * that one pass: r_agg_dom, r_agg_spf, r_agg_dmarc, r_agg_fspf, r_agg_fdm
 * as rctx_hashagg_multi made them from by_domain_rows, r_agg_dkd and
 * r_agg_dkim as rctx_msgfold_multi made them from dkd, and r_agg_fdk: the
 * DKIM failures as the failures query grouped them (count(DISTINCT mid),
 * min(mid), the detail of that row), in that GROUP BY's order. The SQL
 * stays the definition and the path of a narrower scope; a value this
 * pass would not reproduce exactly (a REAL, an integer column holding
 * text, too many groups) sends the section to it, and the failures alone
 * go by SQL when a group's first message has two rows with different
 * details (which row SQLite takes is then its business). Tests set auth_c
 * to false to run the SQL and compare (tests/unit/test_report_auth.c). */
static bool auth_c = true;

#define AUTH_MAX_PER_MSG 64 /* d= keys in one message (msgfold's bound) */

/* The tables of the pass, in the order stored. */
enum { T_DOM, T_SPF, T_DMARC, T_FSPF, T_FDM, T_DKD, T_DKIM, T_FDK, T_N };
static const struct cagg_tab agt_shape[T_N] = {
    {.dest = "r_agg_dom",
     .cols = "k1, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13",
     .ops = "nssssssssssss",
     .nkeys = 1},
    {.dest = "r_agg_spf", .cols = "k1, k2, a1, a2, a3, a4", .ops = "nsxx", .nkeys = 2},
    {.dest = "r_agg_dmarc", .cols = "k1, k2, k3, k4, k5, a1, a2, a3", .ops = "xnx", .nkeys = 5},
    {.dest = "r_agg_fspf", .cols = "k1, k2, k3, a1, a2", .ops = "nm", .nkeys = 3},
    {.dest = "r_agg_fdm", .cols = "k1, k2, k3, a1, a2", .ops = "nm", .nkeys = 3},
    {.dest = "r_agg_dkd", .cols = "k, pairs, rows, f1, f2, f3", .ops = "nnnnn", .nkeys = 1},
    {.dest = "r_agg_dkim", .cols = "k1, k2, k3, k4, k5, a1, a2, a3", .ops = "xns", .nkeys = 5},
    {.dest = "r_agg_fdk", .cols = "k1, k2, k3, a1, a2, a3", .ops = "nmx", .nkeys = 3},
};

/* the streams, each in message-id order */
static const char *const auth_streams[] = {
    "SELECT id, from_domain FROM r_msg WHERE feedback_kind IS NULL ORDER BY id",
    "SELECT message_id, domain, result, record, sender_id_record, reason, mechanism"
    " FROM spf_results WHERE identity = 'mailfrom' ORDER BY message_id",
    "SELECT message_id, from_domain, result, policy_domain, policy, policy_tag, record, testing,"
    " reason, spf_aligned, dkim_aligned FROM dmarc_results ORDER BY message_id",
    "SELECT message_id, domain, result, from_relation, key_testing, selector, key_type, key_bits,"
    " key_source, reason, detail FROM dkim_signatures WHERE NOT legacy"
    " ORDER BY message_id, position",
};
enum { S_MSG, S_SPF, S_DM, S_DK, S_N };

/* one message's d= keys (msgfold's pairs) */
struct dpair {
    struct sqlval_key kb;
    int64_t rows;
    bool flag[3];
};

struct apass {
    struct cagg_tab t[T_N];
    struct sqlval_key kb;
    struct dpair dp[AUTH_MAX_PER_MSG];
    size_t ndp;
    int64_t dp_mid;
    /* r_mk of the current message */
    bool mk;
    int64_t mk_pass, mk_testing, mk_n, mk_npass;
    bool ok, fdk_ok;
};

/* the d= keys of the message done (rctx_msgfold's pairs) into r_agg_dkd */
static void dp_flush(struct apass *a)
{
    for (size_t i = 0; i < a->ndp && a->ok; i++) {
        struct dpair *p = &a->dp[i];
        struct cagg_grp *g = cagg_group(&a->t[T_DKD], &p->kb);
        if (!g) {
            a->ok = false;
            break;
        }
        g->a[0].n++;
        g->a[1].n += p->rows;
        for (int f = 0; f < 3; f++)
            g->a[2 + f].n += p->flag[f];
    }
    a->ndp = 0;
}

/* One signature row of q (auth_streams[S_DK]); in: its message is a sent
 * message of r_msg (its r_mk counts). */
static void dk_row(struct apass *a, sqlite3_stmt *q, int64_t mid, bool in)
{
    /* (the message id is the merge's; reason and detail are read for a
     * failure only) */
    struct cval v[11];
    v[0] = cval_int(mid);
    for (int k = 1; k < 9; k++)
        if (!cval_col(q, k, &v[k])) a->ok = false;
    /* integers as r_mk, the flags and the keys take them */
    if (v[4].t != SQLITE_INTEGER || (v[7].t != SQLITE_INTEGER && v[7].t != SQLITE_NULL))
        a->ok = false;
    if (!a->ok) return;
    bool pass = cval_is(&v[2], "pass");
    if (in) {
        if (!a->mk || pass > a->mk_pass) a->mk_pass = pass;
        if (!a->mk || v[4].i > a->mk_testing) a->mk_testing = v[4].i;
        a->mk = true;
        a->mk_n++;
        a->mk_npass += pass;
    }
    /* d= per message */
    if (a->ndp && mid != a->dp_mid) dp_flush(a);
    a->dp_mid = mid;
    struct cval d = v[1].t == SQLITE_NULL ? cval_text("(unreadable)") : v[1];
    a->kb.n = 0;
    cagg_key_put(&a->kb, &d);
    struct dpair *p = NULL;
    for (size_t i = 0; i < a->ndp && !p; i++)
        if (a->dp[i].kb.n == a->kb.n && memcmp(a->dp[i].kb.p, a->kb.p, a->kb.n) == 0) p = &a->dp[i];
    if (!p) {
        if (a->ndp == AUTH_MAX_PER_MSG) {
            a->ok = false;
            return;
        }
        p = &a->dp[a->ndp++];
        p->kb.n = 0;
        cagg_key_put(&p->kb, &d);
        p->rows = 0;
        memset(p->flag, 0, sizeof p->flag);
    }
    p->rows++;
    /* result = 'pass', from_relation <> 'none' (NOT NULL), key_testing */
    if (pass) p->flag[0] = true;
    if (v[3].t != SQLITE_NULL && !cval_is(&v[3], "none")) p->flag[1] = true;
    if (v[4].i != 0) p->flag[2] = true;
    /* the selectors: (d=, s=, key type, bits, t=y): source, signatures, passes */
    struct cval sk[5] = {v[1].t == SQLITE_NULL ? cval_text("?") : v[1],
                         v[5].t == SQLITE_NULL ? cval_text("?") : v[5], v[6], v[7], v[4]};
    struct cval sa[3] = {v[8], cval_null, cval_int(pass)};
    if (!cagg_add(&a->t[T_DKIM], &a->kb, sk, sa)) {
        a->ok = false;
        return;
    }
    /* the failures: (d=, result, reason): messages, the first, its detail */
    if (!pass && a->fdk_ok) {
        if (!cval_col(q, 9, &v[9]) || !cval_col(q, 10, &v[10])) {
            a->ok = false;
            return;
        }
        struct cval fk[3] = {sk[0], v[2], v[9]};
        a->kb.n = 0;
        for (int k = 0; k < 3; k++)
            cagg_key_put(&a->kb, &fk[k]);
        struct cagg_grp *g = cagg_group(&a->t[T_FDK], &a->kb);
        if (!g) {
            a->fdk_ok = false;
            return;
        }
        if (!g->a[0].n) {
            g->a[0].n = 1;
            cagg_keep(&g->a[1], &v[0]);
            cagg_keep(&g->a[2], &v[10]);
        } else if (g->last != mid) {
            g->a[0].n++;
        } else if (g->a[1].v.i == mid) {
            /* another row of the first message: the same detail, or SQL */
            const struct cval *dv = &g->a[2].v;
            if (dv->t != v[10].t || (dv->t != SQLITE_NULL && cval_cmp(dv, &v[10]) != 0))
                a->fdk_ok = false;
        }
        g->last = mid;
    }
}

/* One sent message (m: the r_msg row) with its SPF (sp) and DMARC (dm)
 * rows when present, and the r_mk counts gathered in a: by_domain_rows'
 * row, added to the five groupings made of it. */
static void msg_row(struct apass *a, sqlite3_stmt *m, int64_t mid, sqlite3_stmt *sp,
                    sqlite3_stmt *dm)
{
    /* (the message ids are the merge's; SPF's mechanism is read for a
     * failure without a reason only) */
    struct cval id = cval_int(mid), fd, s[7], d[11];
    if (!cval_col(m, 1, &fd)) a->ok = false;
    s[0] = d[0] = id;
    for (int k = 1; k < 6; k++)
        if (!sp)
            s[k] = cval_null;
        else if (!cval_col(sp, k, &s[k]))
            a->ok = false;
    s[6] = cval_null;
    for (int k = 1; k < 11; k++)
        if (!dm)
            d[k] = cval_null;
        else if (!cval_col(dm, k, &d[k]))
            a->ok = false;
    /* testing, spf_aligned, dkim_aligned: summed and kept as integers */
    if (dm && (d[7].t != SQLITE_INTEGER || d[9].t != SQLITE_INTEGER || d[10].t != SQLITE_INTEGER))
        a->ok = false;
    if (!a->ok) return;
    bool sph = sp != NULL, dmh = dm != NULL;
    /* by_domain_rows' columns 1-13 (NULL where its SQL gives NULL) */
    struct cval verified = sph || dmh || a->mk ? cval_int(1) : cval_null;
    struct cval spf_pass = sph ? cval_int(cval_is(&s[2], "pass")) : cval_null;
    struct cval dm_pass = dmh ? cval_int(cval_is(&d[2], "pass")) : cval_null;
    struct cval dm_fail = dmh ? cval_int(cval_is(&d[2], "fail")) : cval_null;
    struct cval dk[1] = {fd.t == SQLITE_NULL ? cval_text("(none)") : fd};
    struct cval dargs[13] = {cval_null,
                             verified,
                             cval_int(sph),
                             spf_pass,
                             cval_int(a->mk ? a->mk_pass : 0),
                             cval_int(dmh),
                             dm_pass,
                             cval_int(dmh ? d[9].i : 0),
                             cval_int(dmh ? d[10].i : 0),
                             dm_fail,
                             cval_int(a->mk ? a->mk_testing : 0),
                             cval_int(a->mk_n),
                             cval_int(a->mk_npass)};
    if (!cagg_add(&a->t[T_DOM], &a->kb, dk, dargs)) a->ok = false;
    struct cval spd = s[1].t == SQLITE_NULL ? cval_text("?") : s[1];
    struct cval dmfd = d[1].t == SQLITE_NULL ? cval_text("?") : d[1];
    if (sph) {
        struct cval k[2] = {spd, s[3]}, g[4] = {cval_null, spf_pass, s[4], s[5]};
        if (!cagg_add(&a->t[T_SPF], &a->kb, k, g)) a->ok = false;
        /* coalesce(sp.reason, 'matched ' || sp.mechanism) */
        if (!cval_is(&s[2], "pass")) {
            char *buf = NULL;
            struct cval why = s[5];
            if (why.t == SQLITE_NULL && !cval_col(sp, 6, &s[6])) a->ok = false;
            if (why.t == SQLITE_NULL && s[6].t != SQLITE_NULL) {
                buf = xmalloc((size_t)s[6].n + 9);
                memcpy(buf, "matched ", 8);
                if (s[6].n) memcpy(buf + 8, s[6].p, (size_t)s[6].n);
                why = (struct cval){SQLITE_TEXT, 0, (const unsigned char *)buf, s[6].n + 8};
            }
            struct cval fk[3] = {spd, s[2], why}, fa[2] = {cval_null, id};
            if (!cagg_add(&a->t[T_FSPF], &a->kb, fk, fa)) a->ok = false;
            free(buf);
        }
    }
    if (dmh) {
        struct cval k[5] = {dmfd, d[3], d[4], d[5], d[6]}, g[3] = {d[7], cval_null, d[8]};
        if (!cagg_add(&a->t[T_DMARC], &a->kb, k, g)) a->ok = false;
        if (!cval_is(&d[2], "pass")) {
            struct cval fk[3] = {dmfd, d[2], d[8]}, fa[2] = {cval_null, id};
            if (!cagg_add(&a->t[T_FDM], &a->kb, fk, fa)) a->ok = false;
        }
    }
}

/* Step stream q: true with a row, its message id in *id; false at its end
 * (*rc the error if any). A message id that is not an integer (a text in
 * an INTEGER column) never equals r_msg's: *odd says so (the signatures'
 * stream then declines the pass: alone, they would count it). */
static bool st_next(sqlite3_stmt *q, int *rc, int64_t *id, bool *odd)
{
    int s = sqlite3_step(q);
    if (s == SQLITE_ROW) {
        sqlite3_value *v = sqlite3_column_value(q, 0);
        if (sqlite3_value_type(v) != SQLITE_INTEGER) *odd = true;
        *id = sqlite3_value_int64(v);
        return true;
    }
    if (s != SQLITE_DONE) *rc = s;
    return false;
}

/* The pass (see above). 0: the tables are made (*fdk: r_agg_fdk too, else
 * the failures go by SQL); 1: take the SQL path; -1: error (c->err). */
static int auth_pass(struct rctx *c, bool all_sent, bool *fdk)
{
    sqlite3_stmt *q[S_N] = {0};
    struct apass *a = xcalloc(1, sizeof *a);
    for (int i = 0; i < T_N; i++)
        a->t[i] = agt_shape[i];
    a->ok = a->fdk_ok = true;
    int rc = 0, serr = 0;
    for (int i = 0; i < S_N && rc == 0; i++)
        if (sqlite3_prepare_v2(c->db, auth_streams[i], -1, &q[i], NULL) != SQLITE_OK)
            rc = 1; /* an older database: the SQL path says what it gives */
    if (rc == 0) {
        int64_t id, is = 0, idm = 0, ik = 0;
        bool odd = false, odd_k = false;
        bool hs = st_next(q[S_SPF], &serr, &is, &odd), hd = st_next(q[S_DM], &serr, &idm, &odd),
             hk = st_next(q[S_DK], &serr, &ik, &odd_k);
        while (a->ok && !odd_k && st_next(q[S_MSG], &serr, &id, &odd)) {
            while (hs && is < id)
                hs = st_next(q[S_SPF], &serr, &is, &odd);
            while (hd && idm < id)
                hd = st_next(q[S_DM], &serr, &idm, &odd);
            /* signatures of messages not sent or not in r_msg: in the d=
             * tables only when every message is a sent one (as dkd reads) */
            while (a->ok && hk && ik < id) {
                if (all_sent) dk_row(a, q[S_DK], ik, false);
                hk = st_next(q[S_DK], &serr, &ik, &odd_k);
            }
            a->mk = false;
            a->mk_pass = a->mk_testing = a->mk_n = a->mk_npass = 0;
            while (a->ok && hk && ik == id) {
                dk_row(a, q[S_DK], ik, true);
                hk = st_next(q[S_DK], &serr, &ik, &odd_k);
            }
            /* (a text id, at the end of its stream's order, was skipped) */
            bool sp = hs && is == id, dm = hd && idm == id;
            msg_row(a, q[S_MSG], id, sp ? q[S_SPF] : NULL, dm ? q[S_DM] : NULL);
        }
        while (a->ok && !odd_k && hk) {
            if (all_sent) dk_row(a, q[S_DK], ik, false);
            hk = st_next(q[S_DK], &serr, &ik, &odd_k);
        }
        if (odd || odd_k) a->ok = false;
        if (a->ok && a->ndp) dp_flush(a);
        if (serr) {
            snprintf(c->err, sizeof c->err, "report authentication: %s", sqlite3_errstr(serr));
            rc = -1;
        } else if (!a->ok)
            rc = 1;
    }
    for (int i = 0; i < S_N; i++)
        sqlite3_finalize(q[i]);
    if (rc == 0) {
        *fdk = a->fdk_ok;
        if (a->fdk_ok && a->t[T_FDK].n) /* the order of the GROUP BY it replaces */
            qsort(a->t[T_FDK].g, a->t[T_FDK].n, sizeof *a->t[T_FDK].g, cagg_key_order);
        for (int i = 0; i < T_N && rc == 0; i++)
            if (i != T_FDK || a->fdk_ok) rc = cagg_store(c, &a->t[i]);
    }
    for (int i = 0; i < T_N; i++)
        cagg_free(&a->t[i]);
    for (size_t i = 0; i < AUTH_MAX_PER_MSG; i++)
        free(a->dp[i].kb.p);
    free(a->kb.p);
    free(a);
    return rc;
}

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
    /* every message in scope: the tables of the section from one pass in C
     * (auth_pass); else, or when it declines, by SQL */
    bool all_sent = rctx_all_sent(c), fdk = false;
    int by_c = c->whole && auth_c ? auth_pass(c, all_sent, &fdk) : 1;
    if (by_c < 0 ||
        (by_c == 1 &&
         rctx_hashagg_multi(c, by_domain_rows, by_domain_aggs,
                            (int)(sizeof by_domain_aggs / sizeof by_domain_aggs[0])) != 0) ||
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
    if ((by_c == 1 && rctx_msgfold_multi(c, dkd, 3, "r_agg_dkd", &sel, 1) != 0) ||
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
                " (SELECT m.message_id FROM messages m WHERE m.id = g.ex), g.detail FROM (%s"
                "  UNION ALL SELECT 'spf', k1, k2, k3, a1, a2, (SELECT sp.explanation"
                "  FROM spf_results sp WHERE sp.message_id = a2 AND sp.identity = 'mailfrom')"
                "  FROM r_agg_fspf"
                "  UNION ALL SELECT 'dmarc', k1, k2, k3, a1, a2, NULL FROM r_agg_fdm) g"
                " ORDER BY g.n DESC, g.method, g.domain, g.reason LIMIT 21",
                by_c == 0 && fdk
                    /* auth_pass's groups, in the GROUP BY's order */
                    ? "  SELECT 'dkim' AS method, k1 AS domain, k2 AS result, k3 AS reason,"
                      "  a1 AS n, a2 AS ex, a3 AS detail FROM r_agg_fdk"
                    : rprintf(r,
                              "  SELECT method, domain, result, reason, count(DISTINCT mid) AS n,"
                              "  min(mid) AS ex, detail FROM ("
                              "   SELECT 'dkim' AS method, coalesce(k.domain, '?') AS domain,"
                              "   k.result AS result, k.reason AS reason, k.message_id AS mid,"
                              "   k.detail AS detail FROM %s WHERE %sNOT k.legacy"
                              "   AND k.result <> 'pass')"
                              "  GROUP BY method, domain, result, reason",
                              dk_from, dk_sent))) != 0)
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

    /* the receivers' claims against our re-verification; over the whole
     * database read from auth_claims, each claim's message looked up in
     * r_msg: the planner, without statistics of auth_claims, started from
     * r_msg and looked every message up in auth_claims (four passes over
     * r_msg, 0.26 of the section's 1.8 billion instructions for 100,000
     * messages, with no claims at all) */
    const char *cl_from = c->whole ? "auth_claims a CROSS JOIN r_msg r ON r.id = a.message_id"
                                   : "r_msg r JOIN auth_claims a ON a.message_id = r.id";
    int64_t n_claims = 0, n_diff = 0;
    if (rctx_int(c,
                 rprintf(r,
                         "SELECT count(*) FROM %s"
                         " WHERE r.feedback_kind IS NULL AND a.verdict <> 'not compared'",
                         cl_from),
                 NULL, &n_claims) != 0 ||
        rctx_int(c,
                 rprintf(r,
                         "SELECT count(*) FROM %s"
                         " WHERE r.feedback_kind IS NULL AND a.verdict = 'different'",
                         cl_from),
                 NULL, &n_diff) != 0)
        return -1;
    rsec_fact(s, r, "claims_compared", "receivers' claims compared", rv_int(n_claims), 0);
    rsec_fact(s, r, "claims_different", "claims that differ from our verdict", rv_int(n_diff), -1);
    if (rctx_table(c, s, "claims_by_method", "Receivers' claims by method", NULL,
                   "method:t:Method|same:i:Same|different:i:Different|not_compared:i:Not compared",
                   0,
                   rprintf(r,
                           "SELECT a.method, sum(a.verdict = 'same'), sum(a.verdict = 'different'),"
                           " sum(a.verdict = 'not compared') FROM %s"
                           " WHERE r.feedback_kind IS NULL GROUP BY 1 ORDER BY 3 DESC,"
                           " count(*) DESC, 1",
                           cl_from)) != 0)
        return -1;
    if (rctx_table(
            c, s, "claims", "Re-verification versus the receivers' claims",
            "what receivers wrote in Authentication-Results, ARC-Authentication-Results and "
            "Received-SPF, beside our result; differences first",
            "method:t:Method|verdict:t:Verdict|claimed:t:Claimed|ours:t:Ours|cause:t:Likely cause|"
            "claims:i:Claims|example_message_id:t:Example Message-ID",
            TOP_CLAIMS,
            rprintf(r,
                    "SELECT g.method, g.verdict, g.result, g.ours, g.cause, g.n,"
                    " (SELECT m.message_id FROM messages m WHERE m.id = g.ex) FROM ("
                    "  SELECT a.method AS method, a.verdict AS verdict, a.result AS result,"
                    "  a.ours AS ours, a.cause AS cause, count(*) AS n, min(a.message_id) AS ex"
                    "  FROM %s"
                    "  WHERE r.feedback_kind IS NULL GROUP BY 1, 2, 3, 4, 5) g"
                    " ORDER BY g.verdict = 'different' DESC, g.verdict = 'same' DESC, g.n DESC,"
                    " g.method, g.result LIMIT 31",
                    cl_from)) != 0)
        return -1;
    return 0;
}
