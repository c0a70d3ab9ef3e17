/* db_auth — storing a message's authentication picture (schema 0005; DKIM
 * rows go through db_dkim_replace of db.c). Every value is bound. */
#include "store/db_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"

#include "util/buf.h"
#include "util/json.h"

enum {
    A_DEL_SPF,
    A_DEL_IPREV,
    A_DEL_DMARC,
    A_DEL_ARC,
    A_DEL_ARCSETS,
    A_DEL_CLAIMS,
    A_DEL_REQ,
    A_SPF,
    A_IPREV,
    A_DMARC,
    A_ARC,
    A_ARCSET,
    A_CLAIM,
    A_REQ,
    A_LOG_ENV,
    A_LOG_PENDING,
    A__COUNT
};

static const char *const sql[A__COUNT] = {
    [A_DEL_SPF] = "DELETE FROM spf_results WHERE message_id=?1",
    [A_DEL_IPREV] = "DELETE FROM iprev_results WHERE message_id=?1",
    [A_DEL_DMARC] = "DELETE FROM dmarc_results WHERE message_id=?1",
    [A_DEL_ARC] = "DELETE FROM arc_results WHERE message_id=?1",
    [A_DEL_ARCSETS] = "DELETE FROM arc_sets WHERE message_id=?1",
    [A_DEL_CLAIMS] = "DELETE FROM auth_claims WHERE message_id=?1",
    [A_DEL_REQ] = "DELETE FROM requirement_sets WHERE message_id=?1",
    [A_SPF] = "INSERT INTO spf_results(message_id, identity, ip, ip_source, helo, helo_source,"
              " mail_from, mail_from_source, sender, domain, result, reason, mechanism,"
              " explanation, record, lookups, void_lookups, sender_id_record)"
              " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)",
    [A_IPREV] = "INSERT INTO iprev_results(message_id, ip, result, reason, ptr_names,"
                " confirmed_name, rdns_recorded, received_by, tls, helo, helo_fqdn,"
                " helo_ip_literal, helo_resolves, helo_points_to_ip, helo_matches_ptr,"
                " helo_reason) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)",
    [A_DMARC] = "INSERT INTO dmarc_results(message_id, from_domain, result, reason, method,"
                " policy_domain, org_domain, record, policy, policy_tag, disposition, testing,"
                " pct, adkim, aspf, spf_aligned, dkim_aligned, dkim_domain, rua, queries)"
                " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20)",
    [A_ARC] = "INSERT INTO arc_results(message_id, result, n_sets, oldest_pass, reason,"
              " sealed_at) VALUES (?1,?2,?3,?4,?5,?6)",
    [A_ARCSET] = "INSERT OR IGNORE INTO arc_sets(message_id, instance, ams_result, ams_domain,"
                 " ams_selector, as_result, as_domain, as_selector, cv, aar_authserv_id,"
                 " aar_results, reason) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)",
    [A_CLAIM] = "INSERT INTO auth_claims(message_id, field, source, arc_instance, authserv_id,"
                " method, result, reason, comment, properties, ours, verdict, cause)"
                " VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)",
    [A_REQ] = "INSERT OR REPLACE INTO requirement_sets(message_id, checks) VALUES (?1,?2)",
    /* the client of the session that queued a Message-ID, from the logs */
    [A_LOG_ENV] = "SELECT c.client_ip, c.helo, (SELECT q.sender FROM log_events q WHERE"
                  " q.queue_id = m.queue_id AND q.host IS m.host AND q.sender IS NOT NULL"
                  " LIMIT 1) FROM log_events m JOIN log_events c ON c.queue_id = m.queue_id"
                  " AND c.host IS m.host AND c.client_ip IS NOT NULL"
                  " WHERE m.message_id = ?1 AND m.queue_id IS NOT NULL LIMIT 1",
    /* one-message files of run ?1 whose client is unknown and whose
     * Message-ID the logs know: to verify again once the logs are read */
    [A_LOG_PENDING] = "SELECT m.id, s.path FROM messages m JOIN spf_results p ON"
                      " p.message_id = m.id AND p.identity = 'mailfrom' AND p.ip IS NULL"
                      " JOIN sightings g ON g.message_id = m.id AND g.offset = 0"
                      " JOIN sources s ON s.id = g.source_id AND s.container <> 'mbox'"
                      " WHERE m.run_id = ?1 AND m.message_id IS NOT NULL AND EXISTS"
                      " (SELECT 1 FROM log_events e WHERE e.message_id = m.message_id)"
                      " GROUP BY m.id",
};

static sqlite3_stmt *st(struct db *db, int id)
{
    return db_ext_stmt(db, id, sql[id]);
}

static const char *src_name(enum arp_source s)
{
    return s == ARP_AUTH_RESULTS       ? "authentication-results"
           : s == ARP_ARC_AUTH_RESULTS ? "arc-authentication-results"
                                       : "received-spf";
}

static int spf_row(struct db *db, int64_t mid, const struct spf_summary *x,
                   const struct verify_result *r, bool mailfrom)
{
    if (!x->ran) return 0;
    sqlite3_stmt *s = st(db, A_SPF);
    sqlite3_bind_int64(s, 1, mid);
    db_bind_text(s, 2, x->identity ? x->identity : (mailfrom ? "mailfrom" : "helo"));
    db_bind_text(s, 3, r->env.ip);
    db_bind_text(s, 4, r->env.ip_source);
    db_bind_text(s, 5, r->env.helo);
    db_bind_text(s, 6, r->env.helo_source);
    db_bind_text(s, 7, r->env.mail_from);
    db_bind_text(s, 8, r->env.mail_from_source);
    db_bind_text(s, 9, x->sender);
    db_bind_text(s, 10, x->domain);
    db_bind_text(s, 11, auth_result_name(x->result));
    db_bind_text(s, 12, x->reason);
    db_bind_text(s, 13, x->mechanism);
    db_bind_text(s, 14, x->explanation);
    db_bind_text(s, 15, x->record);
    sqlite3_bind_int(s, 16, x->lookups);
    sqlite3_bind_int(s, 17, x->void_lookups);
    db_bind_text(s, 18, mailfrom ? r->senderid_record : NULL);
    return db_ext_run(db, s, "storing an SPF result");
}

int db_auth_replace(struct db *db, int64_t mid, const struct verify_result *r, bool fresh)
{
    for (int d = A_DEL_SPF; d <= A_DEL_REQ && !fresh; d++) {
        sqlite3_stmt *s = st(db, d);
        sqlite3_bind_int64(s, 1, mid);
        if (db_ext_run(db, s, "replacing authentication results") != 0) return -1;
    }
    if (r->ran & VERIFY_DKIM && db_dkim_replace(db, mid, r->dkim, r->n_dkim, fresh) != 0) return -1;
    if (spf_row(db, mid, &r->spf_helo, r, false) != 0 ||
        spf_row(db, mid, &r->spf_mailfrom, r, true) != 0)
        return -1;
    char buf[32];
    if (r->ran & VERIFY_SPF) {
        sqlite3_stmt *s = st(db, A_IPREV);
        const struct iprev_result *ip = &r->iprev;
        const struct helo_result *h = &r->helo;
        size_t need = 1;
        for (size_t i = 0; i < ip->n_ptr; i++)
            need += strlen(ip->ptr[i]) + 1;
        char names[2048];
        names[0] = 0;
        for (size_t i = 0, o = 0; i < ip->n_ptr && need < sizeof names; i++)
            o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? " " : "", ip->ptr[i]);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, ip->ip);
        db_bind_text(s, 3, auth_result_name(ip->result));
        db_bind_text(s, 4, ip->reason);
        db_bind_text(s, 5, ip->n_ptr && need < sizeof names ? names : NULL);
        db_bind_text(s, 6, ip->confirmed);
        db_bind_text(s, 7, r->env.rdns);
        db_bind_text(s, 8, r->env.received_by);
        if (r->env.tls_known)
            sqlite3_bind_int(s, 9, r->env.tls);
        else
            sqlite3_bind_null(s, 9);
        db_bind_text(s, 10, h->helo);
        sqlite3_bind_int(s, 11, h->fqdn);
        sqlite3_bind_int(s, 12, h->ip_literal);
        sqlite3_bind_int(s, 13, h->resolves);
        sqlite3_bind_int(s, 14, h->points_to_ip);
        sqlite3_bind_int(s, 15, h->matches_ptr);
        db_bind_text(s, 16, h->reason);
        if (db_ext_run(db, s, "storing an iprev result") != 0) return -1;
    }
    if (r->ran & VERIFY_DMARC) {
        const struct dmarc_result *d = &r->dmarc;
        sqlite3_stmt *s = st(db, A_DMARC);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, d->from_domain);
        db_bind_text(s, 3, auth_result_name(d->result));
        db_bind_text(s, 4, d->reason);
        db_bind_text(s, 5, d->method);
        db_bind_text(s, 6, d->policy_domain);
        db_bind_text(s, 7, d->org_domain);
        db_bind_text(s, 8, d->record);
        db_bind_text(s, 9, d->record ? d->policy : NULL);
        db_bind_text(s, 10, d->record ? d->policy_tag : NULL);
        db_bind_text(s, 11, d->record ? d->disposition : NULL);
        sqlite3_bind_int(s, 12, d->record && d->rec.testing);
        if (d->record && d->rec.pct >= 0)
            sqlite3_bind_int(s, 13, d->rec.pct);
        else
            sqlite3_bind_null(s, 13);
        char adkim[2] = {d->rec.adkim, 0}, aspf[2] = {d->rec.aspf, 0};
        db_bind_text(s, 14, d->record ? adkim : NULL);
        db_bind_text(s, 15, d->record ? aspf : NULL);
        sqlite3_bind_int(s, 16, d->spf_aligned);
        sqlite3_bind_int(s, 17, d->dkim_aligned);
        db_bind_text(s, 18, d->dkim_domain);
        db_bind_text(s, 19, d->record ? d->rec.rua : NULL);
        sqlite3_bind_int(s, 20, d->queries);
        if (db_ext_run(db, s, "storing a DMARC result") != 0) return -1;
    }
    if ((r->ran & VERIFY_ARC) && r->arc.n_fields) {
        const struct arc_result *x = &r->arc;
        sqlite3_stmt *s = st(db, A_ARC);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, auth_result_name(x->result));
        sqlite3_bind_int(s, 3, x->n_sets);
        if (x->result == AUTH_PASS)
            sqlite3_bind_int(s, 4, x->oldest_pass);
        else
            sqlite3_bind_null(s, 4);
        db_bind_text(s, 5, x->reason);
        if (x->sealed_at) {
            time_format_iso(x->sealed_at, buf);
            db_bind_text(s, 6, buf);
        } else {
            sqlite3_bind_null(s, 6);
        }
        if (db_ext_run(db, s, "storing an ARC result") != 0) return -1;
        for (int i = 0; i < x->n_sets; i++) {
            const struct arc_set *a = &x->sets[i];
            if (!a->n_aar && !a->n_ams && !a->n_as) continue;
            s = st(db, A_ARCSET);
            sqlite3_bind_int64(s, 1, mid);
            sqlite3_bind_int(s, 2, a->i);
            db_bind_text(s, 3, a->n_ams ? a->ams_result : NULL);
            db_bind_text(s, 4, a->ams_domain);
            db_bind_text(s, 5, a->ams_selector);
            db_bind_text(s, 6, a->n_as ? a->as_result : NULL);
            db_bind_text(s, 7, a->as_domain);
            db_bind_text(s, 8, a->as_selector);
            db_bind_text(s, 9, a->cv);
            db_bind_text(s, 10, a->aar_authserv_id);
            db_bind_text(s, 11, a->aar_results);
            db_bind_text(s, 12, a->reason);
            if (db_ext_run(db, s, "storing an ARC set") != 0) return -1;
        }
    }
    for (size_t i = 0; i < r->n_cmp; i++) {
        const struct claim_cmp *c = &r->cmp[i];
        const struct arp_claim *cl = c->claim;
        char props[2048];
        size_t o = 0;
        props[0] = 0;
        for (size_t k = 0; k < cl->n_props && o < sizeof props - 1; k++) {
            int w = snprintf(props + o, sizeof props - o, "%s%s%s%s=%s", k ? "; " : "",
                             cl->props[k].ptype, cl->props[k].ptype[0] ? "." : "",
                             cl->props[k].property, cl->props[k].value);
            if (w < 0) break;
            o += (size_t)w;
        }
        if (o >= sizeof props) props[sizeof props - 1] = 0;
        sqlite3_stmt *s = st(db, A_CLAIM);
        sqlite3_bind_int64(s, 1, mid);
        sqlite3_bind_int(s, 2, cl->field);
        db_bind_text(s, 3, src_name(cl->source));
        if (cl->arc_instance)
            sqlite3_bind_int(s, 4, cl->arc_instance);
        else
            sqlite3_bind_null(s, 4);
        db_bind_text(s, 5, cl->authserv_id);
        db_bind_text(s, 6, cl->method);
        db_bind_text(s, 7, cl->result);
        db_bind_text(s, 8, cl->reason);
        db_bind_text(s, 9, cl->comment);
        db_bind_text(s, 10, props[0] ? props : NULL);
        db_bind_text(s, 11, c->ours);
        db_bind_text(s, 12, claim_verdict_name(c->verdict));
        db_bind_text(s, 13, c->cause);
        if (db_ext_run(db, s, "storing a claim") != 0) return -1;
    }
    if (r->n_req) {
        struct buf b;
        buf_init(&b, 0);
        struct json j;
        json_init(&j, &b);
        json_arr_begin(&j);
        for (size_t i = 0; i < r->n_req; i++) {
            json_arr_begin(&j);
            json_cstr(&j, r->req[i].id);
            json_cstr(&j, req_status_name(r->req[i].status));
            json_cstr(&j, r->req[i].evidence);
            json_arr_end(&j);
        }
        json_arr_end(&j);
        sqlite3_stmt *s = st(db, A_REQ);
        sqlite3_bind_int64(s, 1, mid);
        sqlite3_bind_text(s, 2, b.p, (int)b.len, SQLITE_TRANSIENT);
        int rc = db_ext_run(db, s, "storing the requirements");
        buf_free(&b);
        if (rc != 0) return -1;
    }
    return 0;
}

int db_log_envelope(struct db *db, arena *a, const char *message_id, const char **ip,
                    const char **helo, const char **sender)
{
    *ip = *helo = *sender = NULL;
    sqlite3_stmt *s = st(db, A_LOG_ENV);
    sqlite3_bind_text(s, 1, message_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *v;
        if ((v = (const char *)sqlite3_column_text(s, 0))) *ip = arena_strdup(a, v);
        if ((v = (const char *)sqlite3_column_text(s, 1))) *helo = arena_strdup(a, v);
        if ((v = (const char *)sqlite3_column_text(s, 2))) *sender = arena_strdup(a, v);
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int db_log_pending(struct db *db, int64_t run_id,
                   int (*fn)(void *ctx, int64_t message_id, const char *path), void *ctx)
{
    sqlite3_stmt *s = st(db, A_LOG_PENDING);
    sqlite3_bind_int64(s, 1, run_id);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(s, 1);
        if (path && fn(ctx, sqlite3_column_int64(s, 0), path) != 0) break;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}
