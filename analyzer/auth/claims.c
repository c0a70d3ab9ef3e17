/* claims — see claims.h. */
#include "auth/claims.h"
#include "util/str.h"

#include <string.h>

const char *claim_verdict_name(enum claim_verdict v)
{
    return v == CLAIM_SAME ? "same" : v == CLAIM_DIFFERENT ? "different" : "not compared";
}

static bool word_is(const char *w, enum auth_result r)
{
    return w && strcmp(w, auth_result_name(r)) == 0;
}

/* The cause of a difference when we could not look something up. */
static const char *dns_cause(enum auth_result ours, const char *reason)
{
    if (ours != AUTH_TEMPERROR) return NULL;
    if (reason && strstr(reason, "no DNS source")) return "we lack the DNS answer (no DNS source)";
    return "we lack the DNS answer (temporary DNS failure now)";
}

static const char *dkim_cause(const char *claimed, const struct dkim_result *d)
{
    if (strcmp(claimed, "pass") == 0) {
        switch (d->reason) {
        case DKIM_R_KEY_NOT_FOUND:
            return "key removed from DNS since arrival (or the selector was never published "
                   "where we look)";
        case DKIM_R_KEY_REVOKED:
            return "key revoked since arrival";
        case DKIM_R_BODY_HASH:
        case DKIM_R_BODY_SHORT:
            return "message body modified after the receiver checked it";
        case DKIM_R_SIGNATURE:
            return "signed headers modified after the receiver checked it, or the key was "
                   "rotated since arrival";
        case DKIM_R_KEY_TOO_SHORT:
        case DKIM_R_RSA_SHA1:
            return "the receiver accepted what RFC 8301 forbids";
        case DKIM_R_NO_DNS:
            return "we lack the DNS answer (no DNS source)";
        case DKIM_R_DNS_TEMP:
            return "we lack the DNS answer (temporary DNS failure now)";
        case DKIM_R_EXPIRED:
        case DKIM_R_FUTURE:
            return "judged at a different time (see --at)";
        default:
            return "the signature cannot be processed by the stricter rules applied here";
        }
    }
    if (d->result == AUTH_PASS)
        return "the receiver could not verify then (key not yet published, DNS failure, or the "
               "message changed before it arrived)";
    return NULL;
}

size_t claims_compare(arena *a, const struct arp_claims *claims, const struct claims_ours *o,
                      struct claim_cmp **out)
{
    *out = NULL;
    if (!claims->n) return 0;
    struct claim_cmp *v = arena_zalloc(a, claims->n * sizeof *v);
    for (size_t i = 0; i < claims->n; i++) {
        const struct arp_claim *c = &claims->v[i];
        struct claim_cmp *r = &v[i];
        r->claim = c;
        r->verdict = CLAIM_NOT_COMPARED;
        if (c->source == ARP_ARC_AUTH_RESULTS) {
            r->cause = "an earlier hop's view (ARC)";
            continue;
        }
        const char *m = c->method;
        if (strcmp(m, "spf") == 0) {
            if (!o->spf_ran) {
                r->cause = "SPF not checked";
                continue;
            }
            r->ours = auth_result_name(o->spf);
            if (word_is(c->result, o->spf)) {
                r->verdict = CLAIM_SAME;
                continue;
            }
            r->verdict = CLAIM_DIFFERENT;
            const char *dc = dns_cause(o->spf, o->spf_reason);
            const char *ip = o->env ? o->env->ip : NULL;
            if (dc)
                r->cause = dc;
            else if (c->remote_ip && ip && strcmp(c->remote_ip, ip) != 0)
                r->cause = arena_printf(a, "the receiver checked %s, we rebuilt %s as the client",
                                        c->remote_ip, ip);
            else if (strcmp(c->result, "pass") == 0 && o->spf == AUTH_NONE)
                r->cause = "SPF record removed since arrival";
            else if (strcmp(c->result, "pass") == 0)
                r->cause = "SPF record changed since arrival";
            else
                r->cause = "SPF record changed since arrival, or the receiver's view differed";
        } else if (strcmp(m, "dkim") == 0) {
            if (!o->dkim_ran) {
                r->cause = "DKIM not checked";
                continue;
            }
            /* the signature the claim is about: by header.d (and header.s) */
            const struct dkim_result *d = NULL;
            /* Gmail names the signature by header.i (@domain) rather than header.d */
            const char *cd = c->header_d;
            if (!cd && c->header_i && strrchr(c->header_i, '@')) cd = strrchr(c->header_i, '@') + 1;
            for (size_t k = 0; k < o->n_dkim && cd; k++) {
                const struct dkim_result *x = &o->dkim[k];
                if (x->legacy || !x->domain) continue;
                if (!str_eq_ci(x->domain, strlen(x->domain), cd)) continue;
                if (c->header_s && x->selector &&
                    !str_eq_ci(x->selector, strlen(x->selector), c->header_s))
                    continue;
                if (!d || (x->result == AUTH_PASS && d->result != AUTH_PASS)) d = x;
            }
            if (!d) {
                if (strcmp(c->result, "none") == 0 && o->n_dkim == 0) {
                    r->verdict = CLAIM_SAME;
                    r->ours = "none";
                } else {
                    r->cause = cd ? "no signature of that domain in the message now"
                                  : "the claim names no signing domain";
                }
                continue;
            }
            r->ours = auth_result_name(d->result);
            if (word_is(c->result, d->result)) {
                r->verdict = CLAIM_SAME;
                continue;
            }
            r->verdict = CLAIM_DIFFERENT;
            r->cause = dkim_cause(c->result, d);
        } else if (strcmp(m, "dmarc") == 0 || strcmp(m, "iprev") == 0 || strcmp(m, "arc") == 0) {
            bool ran = m[0] == 'd' ? o->dmarc_ran : m[0] == 'i' ? o->iprev_ran : o->arc_ran;
            enum auth_result ours = m[0] == 'd' ? o->dmarc : m[0] == 'i' ? o->iprev : o->arc;
            if (!ran) {
                r->cause = arena_printf(a, "%s not checked", m);
                continue;
            }
            r->ours = auth_result_name(ours);
            if (word_is(c->result, ours)) {
                r->verdict = CLAIM_SAME;
                continue;
            }
            r->verdict = CLAIM_DIFFERENT;
            const char *dc = dns_cause(ours, NULL);
            r->cause = dc            ? dc
                       : m[0] == 'd' ? "follows from the SPF/DKIM differences, or the "
                                       "DMARC record changed since arrival"
                       : m[0] == 'i' ? "reverse DNS changed since arrival"
                                     : "the ARC chain was modified or keys changed";
        } else {
            r->cause = arena_printf(a, "method %s is not re-verified", m);
        }
    }
    *out = v;
    return claims->n;
}
