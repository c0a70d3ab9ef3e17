/* check_auth — see check_auth.h. */
#include "check_auth.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

void check_put_safe(struct buf *out, const char *s)
{
    if (!s) {
        buf_puts(out, "-");
        return;
    }
    for (; *s; s++)
        buf_putc(out, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

static void dkim_json(struct json *j, const struct dkim_result *r, size_t n)
{
    json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        const struct dkim_result *d = &r[i];
        char iso[32];
        json_obj_begin(j);
        json_key(j, "domain");
        json_cstr(j, d->domain);
        json_key(j, "selector");
        json_cstr(j, d->selector);
        json_key(j, "algorithm");
        json_cstr(j, d->algorithm);
        json_key(j, "canonicalization");
        json_cstr(j, d->canonicalization);
        json_key(j, "result");
        json_cstr(j, auth_result_name(d->result));
        json_key(j, "reason");
        json_cstr(j, d->reason_text && *d->reason_text ? d->reason_text : NULL);
        json_key(j, "detail");
        json_cstr(j, d->detail);
        json_key(j, "key_bits");
        if (d->key_bits)
            json_int(j, d->key_bits);
        else
            json_null(j);
        json_key(j, "key_type");
        json_cstr(j, d->key_type);
        json_key(j, "testing");
        json_bool(j, d->testing);
        json_key(j, "key_source");
        json_cstr(j, dns_source_name(d->key_source));
        json_key(j, "legacy");
        json_bool(j, d->legacy);
        json_key(j, "headers");
        json_cstr(j, d->headers);
        json_key(j, "auid");
        json_cstr(j, d->auid);
        json_key(j, "body_length");
        if (d->has_l)
            json_int(j, d->l > INT64_MAX ? INT64_MAX : (int64_t)d->l);
        else
            json_null(j);
        json_key(j, "body_partial");
        json_bool(j, d->l_partial);
        json_key(j, "crypto_ok");
        json_bool(j, d->crypto_ok);
        json_key(j, "from_relation");
        json_cstr(j, dkim_from_rel_name(d->from_rel));
        json_key(j, "judged_at");
        time_format_iso(d->at, iso);
        json_cstr(j, iso);
        json_key(j, "judged_by");
        json_cstr(j, d->at_source);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void spf_json(struct json *j, const struct spf_summary *s, const struct envelope *e)
{
    json_obj_begin(j);
    json_key(j, "result");
    json_cstr(j, auth_result_name(s->result));
    json_key(j, "ip");
    json_cstr(j, e ? e->ip : NULL);
    json_key(j, "helo");
    json_cstr(j, e ? e->helo : NULL);
    json_key(j, "mail_from");
    json_cstr(j, e ? e->mail_from : NULL);
    json_key(j, "domain");
    json_cstr(j, s->domain);
    json_key(j, "explanation");
    json_cstr(j, s->explanation);
    json_key(j, "identity");
    json_cstr(j, s->identity);
    json_key(j, "sender");
    json_cstr(j, s->sender);
    json_key(j, "mechanism");
    json_cstr(j, s->mechanism);
    json_key(j, "reason");
    json_cstr(j, s->reason);
    json_key(j, "record");
    json_cstr(j, s->record);
    json_key(j, "lookups");
    json_int(j, s->lookups);
    json_key(j, "void_lookups");
    json_int(j, s->void_lookups);
    json_obj_end(j);
}

void check_auth_json(struct json *j, arena *a, const struct verify_result *vr)
{
    static const char *const keys[] = {
        "dkim", "spf",      "dmarc",  "arc",          "iprev",
        "helo", "envelope", "claims", "requirements", "authentication_results"};
    if (!vr) {
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            json_key(j, keys[i]);
            json_null(j);
        }
        return;
    }
    json_key(j, "dkim");
    if (vr->ran & VERIFY_DKIM)
        dkim_json(j, vr->dkim, vr->n_dkim);
    else
        json_null(j);

    json_key(j, "spf");
    if (vr->ran & VERIFY_SPF) {
        spf_json(j, &vr->spf_mailfrom, &vr->env);
        /* the HELO identity and Sender ID beside the contract's object */
        json_key(j, "spf_helo");
        spf_json(j, &vr->spf_helo, &vr->env);
        json_key(j, "sender_id");
        json_cstr(j, vr->senderid_record);
    } else {
        json_null(j);
    }

    json_key(j, "dmarc");
    if (vr->ran & VERIFY_DMARC) {
        const struct dmarc_result *d = &vr->dmarc;
        json_obj_begin(j);
        json_key(j, "result");
        json_cstr(j, auth_result_name(d->result));
        json_key(j, "domain");
        json_cstr(j, d->from_domain);
        json_key(j, "policy");
        json_cstr(j, d->record ? d->policy : NULL);
        json_key(j, "spf_aligned");
        json_bool(j, d->spf_aligned);
        json_key(j, "dkim_aligned");
        json_bool(j, d->dkim_aligned);
        json_key(j, "reason");
        json_cstr(j, d->reason);
        json_key(j, "disposition");
        json_cstr(j, d->record ? d->disposition : NULL);
        json_key(j, "policy_tag");
        json_cstr(j, d->record ? d->policy_tag : NULL);
        json_key(j, "policy_domain");
        json_cstr(j, d->policy_domain);
        json_key(j, "org_domain");
        json_cstr(j, d->org_domain);
        json_key(j, "record");
        json_cstr(j, d->record);
        json_key(j, "testing");
        json_bool(j, d->record && d->rec.testing);
        json_key(j, "dkim_domain");
        json_cstr(j, d->dkim_domain);
        json_key(j, "method");
        json_cstr(j, d->method);
        json_obj_end(j);
    } else {
        json_null(j);
    }

    json_key(j, "arc");
    if (vr->ran & VERIFY_ARC) {
        const struct arc_result *x = &vr->arc;
        json_obj_begin(j);
        json_key(j, "result");
        json_cstr(j, auth_result_name(x->result));
        json_key(j, "sets");
        json_int(j, x->n_sets);
        json_key(j, "oldest_pass");
        if (x->result == AUTH_PASS)
            json_int(j, x->oldest_pass);
        else
            json_null(j);
        json_key(j, "reason");
        json_cstr(j, x->reason);
        json_key(j, "instances");
        json_arr_begin(j);
        for (int i = 0; i < x->n_sets; i++) {
            const struct arc_set *set = &x->sets[i];
            json_obj_begin(j);
            json_key(j, "i");
            json_int(j, set->i);
            json_key(j, "ams");
            json_cstr(j, set->n_ams ? set->ams_result : NULL);
            json_key(j, "seal");
            json_cstr(j, set->n_as ? set->as_result : NULL);
            json_key(j, "cv");
            json_cstr(j, set->cv);
            json_key(j, "domain");
            json_cstr(j, set->as_domain ? set->as_domain : set->ams_domain);
            json_key(j, "authserv_id");
            json_cstr(j, set->aar_authserv_id);
            json_key(j, "results");
            json_cstr(j, set->aar_results);
            json_key(j, "reason");
            json_cstr(j, set->reason);
            json_obj_end(j);
        }
        json_arr_end(j);
        json_obj_end(j);
    } else {
        json_null(j);
    }

    bool net = (vr->ran & VERIFY_SPF) != 0;
    json_key(j, "iprev");
    if (net) {
        const struct iprev_result *ip = &vr->iprev;
        json_obj_begin(j);
        json_key(j, "result");
        json_cstr(j, auth_result_name(ip->result));
        json_key(j, "ip");
        json_cstr(j, ip->ip);
        json_key(j, "ptr");
        json_arr_begin(j);
        for (size_t i = 0; i < ip->n_ptr; i++)
            json_cstr(j, ip->ptr[i]);
        json_arr_end(j);
        json_key(j, "confirmed");
        json_cstr(j, ip->confirmed);
        json_key(j, "reason");
        json_cstr(j, ip->reason);
        json_obj_end(j);
    } else {
        json_null(j);
    }
    json_key(j, "helo");
    if (net) {
        const struct helo_result *h = &vr->helo;
        json_obj_begin(j);
        json_key(j, "name");
        json_cstr(j, h->helo);
        json_key(j, "fqdn");
        json_bool(j, h->fqdn);
        json_key(j, "ip_literal");
        json_bool(j, h->ip_literal);
        json_key(j, "resolves");
        json_bool(j, h->resolves);
        json_key(j, "points_to_ip");
        json_bool(j, h->points_to_ip);
        json_key(j, "matches_ptr");
        json_bool(j, h->matches_ptr);
        json_key(j, "verdict");
        json_cstr(j, h->reason);
        json_obj_end(j);
    } else {
        json_null(j);
    }

    const struct envelope *e = &vr->env;
    json_key(j, "envelope");
    json_obj_begin(j);
    json_key(j, "ip");
    json_cstr(j, e->ip);
    json_key(j, "ip_source");
    json_cstr(j, e->ip_source);
    json_key(j, "helo");
    json_cstr(j, e->helo);
    json_key(j, "helo_source");
    json_cstr(j, e->helo_source);
    json_key(j, "mail_from");
    json_cstr(j, e->mail_from);
    json_key(j, "mail_from_source");
    json_cstr(j, e->mail_from_source);
    json_key(j, "hop");
    if (e->hop >= 0)
        json_int(j, e->hop);
    else
        json_null(j);
    json_key(j, "received_by");
    json_cstr(j, e->received_by);
    json_key(j, "rdns_recorded");
    json_cstr(j, e->rdns);
    json_key(j, "tls");
    if (e->tls_known)
        json_bool(j, e->tls);
    else
        json_null(j);
    json_obj_end(j);

    json_key(j, "claims");
    json_arr_begin(j);
    for (size_t i = 0; i < vr->n_cmp; i++) {
        const struct claim_cmp *c = &vr->cmp[i];
        const struct arp_claim *cl = c->claim;
        json_obj_begin(j);
        json_key(j, "header");
        json_cstr(j, cl->source == ARP_AUTH_RESULTS       ? "Authentication-Results"
                     : cl->source == ARP_ARC_AUTH_RESULTS ? "ARC-Authentication-Results"
                                                          : "Received-SPF");
        json_key(j, "authserv_id");
        json_cstr(j, cl->authserv_id);
        json_key(j, "method");
        json_cstr(j, cl->method);
        json_key(j, "result");
        json_cstr(j, cl->result);
        json_key(j, "reason");
        json_cstr(j, cl->reason);
        json_key(j, "comment");
        json_cstr(j, cl->comment);
        json_key(j, "properties");
        json_obj_begin(j);
        for (size_t k = 0; k < cl->n_props; k++) {
            char name[128];
            snprintf(name, sizeof name, "%s%s%s", cl->props[k].ptype,
                     cl->props[k].ptype[0] ? "." : "", cl->props[k].property);
            json_key(j, name);
            json_cstr(j, cl->props[k].value);
        }
        json_obj_end(j);
        json_key(j, "ours");
        json_cstr(j, c->ours);
        json_key(j, "verdict");
        json_cstr(j, claim_verdict_name(c->verdict));
        json_key(j, "cause");
        json_cstr(j, c->cause);
        json_obj_end(j);
    }
    json_arr_end(j);

    json_key(j, "requirements");
    json_arr_begin(j);
    for (size_t i = 0; i < vr->n_req; i++) {
        json_obj_begin(j);
        json_key(j, "id");
        json_cstr(j, vr->req[i].id);
        json_key(j, "status");
        json_cstr(j, req_status_name(vr->req[i].status));
        json_key(j, "evidence");
        json_cstr(j, vr->req[i].evidence);
        json_obj_end(j);
    }
    json_arr_end(j);

    json_key(j, "authentication_results");
    json_cstr(j, verify_authres(a, vr));
}

static void line(struct buf *out, const char *label, const char *word, const char *rest)
{
    buf_printf(out, "  %-14s %-10s ", label, word ? word : "-");
    check_put_safe(out, rest ? rest : "");
    buf_putc(out, '\n');
}

void check_auth_text(struct buf *out, arena *a, const struct verify_result *vr)
{
    const struct envelope *e = &vr->env;
    buf_puts(out, "Envelope (rebuilt):\n");
    buf_puts(out, "  client IP      ");
    check_put_safe(out, e->ip);
    buf_printf(out, " (%s)\n  HELO           ", e->ip_source ? e->ip_source : "unknown");
    check_put_safe(out, e->helo);
    buf_printf(out, " (%s)\n  MAIL FROM      ", e->helo_source ? e->helo_source : "unknown");
    check_put_safe(out, e->mail_from ? (*e->mail_from ? e->mail_from : "<>") : NULL);
    buf_printf(out, " (%s)\n", e->mail_from_source ? e->mail_from_source : "unknown");
    buf_puts(out, "Summary of results:\n");
    if (vr->ran & VERIFY_SPF) {
        const struct spf_summary *s = &vr->spf_mailfrom;
        line(out, "SPF (mailfrom)", auth_result_name(s->result),
             arena_printf(a, "%s%s%s%s%s", s->domain ? s->domain : "",
                          s->mechanism ? " matched " : "", s->mechanism ? s->mechanism : "",
                          s->reason ? ": " : "", s->reason ? s->reason : ""));
        const struct spf_summary *h = &vr->spf_helo;
        line(out, "SPF (helo)", auth_result_name(h->result),
             arena_printf(a, "%s%s%s", h->domain ? h->domain : "", h->reason ? ": " : "",
                          h->reason ? h->reason : ""));
        line(out, "Sender ID", vr->senderid_record ? "record" : "none",
             vr->senderid_record ? vr->senderid_record : "no spf2.0 record (legacy, not required)");
        line(out, "iprev", auth_result_name(vr->iprev.result),
             vr->iprev.result == AUTH_PASS
                 ? arena_printf(a, "%s -> %s", vr->iprev.ip, vr->iprev.confirmed)
                 : vr->iprev.reason);
        line(out, "HELO",
             vr->helo.helo ? (vr->helo.fqdn && vr->helo.points_to_ip ? "ok" : "check") : "-",
             vr->helo.reason);
    }
    if (vr->ran & VERIFY_DKIM) {
        if (!vr->n_dkim) line(out, "DKIM", "none", "not signed");
        for (size_t i = 0; i < vr->n_dkim; i++) {
            const struct dkim_result *d = &vr->dkim[i];
            char *what = arena_printf(
                a, "%s s=%s a=%s%s%s%s%s", d->domain ? d->domain : "?",
                d->selector ? d->selector : "?", d->algorithm ? d->algorithm : "?",
                d->key_bits
                    ? arena_printf(a, " %d-bit %s", d->key_bits, d->key_type ? d->key_type : "")
                    : "",
                d->testing ? " (testing)" : "", d->reason_text && *d->reason_text ? ": " : "",
                d->reason_text ? d->reason_text : "");
            line(out, d->legacy ? "DomainKeys" : "DKIM", auth_result_name(d->result), what);
            if (d->detail) {
                buf_puts(out, "                            ");
                check_put_safe(out, d->detail);
                buf_putc(out, '\n');
            }
        }
    }
    if (vr->ran & VERIFY_DMARC) {
        const struct dmarc_result *d = &vr->dmarc;
        char *what =
            d->record
                ? arena_printf(
                      a, "%s policy %s (%s=) disposition %s; SPF %saligned, DKIM %saligned%s%s",
                      d->from_domain ? d->from_domain : "?", d->policy, d->policy_tag,
                      d->disposition, d->spf_aligned ? "" : "not ", d->dkim_aligned ? "" : "not ",
                      d->reason ? ": " : "", d->reason ? d->reason : "")
                : arena_printf(a, "%s: %s", d->from_domain ? d->from_domain : "-",
                               d->reason ? d->reason : "");
        line(out, "DMARC", auth_result_name(d->result), what);
    }
    if (vr->ran & VERIFY_ARC)
        line(out, "ARC", auth_result_name(vr->arc.result),
             vr->arc.n_sets
                 ? arena_printf(a, "%d set%s%s%s", vr->arc.n_sets, vr->arc.n_sets == 1 ? "" : "s",
                                vr->arc.reason ? ": " : "", vr->arc.reason ? vr->arc.reason : "")
                 : "no ARC headers");
    if (vr->n_cmp) {
        buf_puts(out, "What the receivers said, and what we find now:\n");
        for (size_t i = 0; i < vr->n_cmp; i++) {
            const struct claim_cmp *c = &vr->cmp[i];
            buf_puts(out, "  ");
            check_put_safe(out, c->claim->authserv_id                  ? c->claim->authserv_id
                                : c->claim->source == ARP_RECEIVED_SPF ? "(Received-SPF)"
                                                                       : "(no authserv-id)");
            buf_puts(out, ": ");
            check_put_safe(out, c->claim->method);
            buf_putc(out, '=');
            check_put_safe(out, c->claim->result);
            buf_printf(out, " -> %s", claim_verdict_name(c->verdict));
            if (c->ours) {
                buf_puts(out, " (ours: ");
                check_put_safe(out, c->ours);
                buf_putc(out, ')');
            }
            if (c->cause) {
                buf_puts(out, ": ");
                check_put_safe(out, c->cause);
            }
            buf_putc(out, '\n');
        }
    }
    buf_puts(out, "Bulk-sender requirements (Gmail/Yahoo):\n");
    for (size_t i = 0; i < vr->n_req; i++) {
        buf_printf(out, "  [%-7s] %-44s ", req_status_name(vr->req[i].status), vr->req[i].title);
        check_put_safe(out, vr->req[i].evidence);
        buf_putc(out, '\n');
    }
    buf_puts(out, "Authentication-Results: ");
    check_put_safe(out, verify_authres(a, vr));
    buf_putc(out, '\n');
}
