/* verify — see verify.h. The order follows the dependencies: claims (the
 * receivers' headers) and the envelope first, then SPF (needs the
 * envelope), DKIM, iprev/HELO, DMARC (needs SPF and DKIM), ARC, and last
 * the comparisons and the requirements (need everything). */
#include "auth/verify.h"
#include "auth/spfglue.h"

#include <string.h>

void verify_message(struct verify_ctx *vc, arena *a, const struct message *m, int64_t at,
                    const char *at_source, struct verify_result *out)
{
    memset(out, 0, sizeof *out);
    out->at = at;
    out->at_source = at_source;
    arp_parse_all(a, &m->hdr, &out->claims);
    envelope_reconstruct(a, m, &out->claims, &vc->env, &out->env);

    if (vc->checks & VERIFY_SPF) {
        spfglue_check(vc->spf, vc->dns, a, &out->env, out);
        out->ran |= VERIFY_SPF;
    }
    if (vc->dkim) dkim_new_message(vc->dkim);
    if ((vc->checks & VERIFY_DKIM) && vc->dkim) {
        struct dkim_input din = {.raw = m->raw,
                                 .raw_len = m->raw_len,
                                 .hdr = &m->hdr,
                                 .from_domain = m->has_from ? m->from.domain_lc : NULL,
                                 .at = at,
                                 .at_source = at_source};
        out->n_dkim = dkim_verify(vc->dkim, a, &din, &out->dkim);
        dkim_summarize(a, out->dkim, out->n_dkim, &out->dkim_sum);
        out->ran |= VERIFY_DKIM;
    }
    /* iprev and HELO go with SPF: they need the same envelope and DNS */
    if (vc->checks & VERIFY_SPF) {
        iprev_check(vc->dns, a, out->env.ip, &out->iprev);
        helo_check(vc->dns, a, out->env.helo, out->env.ip, &out->iprev, &out->helo);
    }
    if (vc->checks & VERIFY_DMARC) {
        /* the SPF identity DMARC uses: MAIL FROM's domain, or HELO's for <> */
        const struct spf_summary *s = &out->spf_mailfrom;
        struct dmarc_input din = {
            .from_domain =
                m->has_from && m->from.domain_lc && *m->from.domain_lc ? m->from.domain_lc : NULL,
            .n_from_domains = m->n_from_domains,
            .spf_result = s->ran ? s->result : AUTH_NONE,
            .spf_domain = s->ran ? s->domain : NULL,
            .dkim = out->dkim,
            .n_dkim = out->n_dkim,
        };
        dmarc_evaluate(vc->dns, vc->psl, a, &din, &out->dmarc);
        out->ran |= VERIFY_DMARC;
    }
    if ((vc->checks & VERIFY_ARC) && vc->dkim) {
        arc_validate(vc->dkim, a, m->raw, m->raw_len, &m->hdr, at, &out->arc);
        out->ran |= VERIFY_ARC;
    }
    struct claims_ours ours = {
        .spf_ran = out->spf_mailfrom.ran,
        .spf = out->spf_mailfrom.result,
        .spf_reason = out->spf_mailfrom.reason,
        .dkim = out->dkim,
        .n_dkim = out->n_dkim,
        .dkim_ran = (out->ran & VERIFY_DKIM) != 0,
        .dmarc_ran = (out->ran & VERIFY_DMARC) != 0,
        .dmarc = out->dmarc.result,
        .iprev_ran = (out->ran & VERIFY_SPF) != 0,
        .iprev = out->iprev.result,
        .arc_ran = (out->ran & VERIFY_ARC) != 0,
        .arc = out->arc.result,
        .env = &out->env,
    };
    out->n_cmp = claims_compare(a, &out->claims, &ours, &out->cmp);
    struct req_input rin = {
        .m = m,
        .spf = out->spf_mailfrom.result,
        .spf_domain = out->spf_mailfrom.domain,
        .spf_ran = out->spf_mailfrom.ran,
        .dkim = out->dkim,
        .n_dkim = out->n_dkim,
        .dkim_ran = (out->ran & VERIFY_DKIM) != 0,
        .dmarc = (out->ran & VERIFY_DMARC) ? &out->dmarc : NULL,
        .iprev = (out->ran & VERIFY_SPF) ? &out->iprev : NULL,
        .env = &out->env,
    };
    out->n_req = requirements_check(a, &rin, &out->req);
}

static void put(struct arena_str *b, const char *s)
{
    arena_str_put(b, s, strlen(s));
}

/* A property value for the header line: a token, or an RFC 8601 pvalue
 * address (dot-atom local part "@" domain), as is; else quoted. */
static void put_value(struct arena_str *b, const char *v)
{
    bool plain = *v != 0;
    const char *at = strrchr(v, '@');
    for (const char *q = v; *q; q++) {
        bool local = at && q < at;
        if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 127 ||
            (strchr("()<>,;:\\\"[]?=@/", *q) && !(local && strchr("=/?", *q)) && q != at))
            plain = false;
    }
    if (plain) {
        put(b, v);
        return;
    }
    put(b, "\"");
    for (const char *q = v; *q; q++) {
        unsigned char c = (unsigned char)*q;
        if (c == '"' || c == '\\') put(b, "\\");
        arena_str_put(b, (c < ' ' || c == 127) ? "?" : q, 1);
    }
    put(b, "\"");
}

char *verify_authres(arena *a, const struct verify_result *r)
{
    struct arena_str b = {.a = a};
    put(&b, "mailaudit");
    if (r->ran & VERIFY_SPF) {
        const struct spf_summary *s = &r->spf_mailfrom;
        put(&b, "; spf=");
        put(&b, auth_result_name(s->result));
        if (s->sender) {
            put(&b, " smtp.mailfrom=");
            put_value(&b, s->sender);
        }
        if (r->env.helo) {
            put(&b, " smtp.helo=");
            put_value(&b, r->env.helo);
        }
    }
    for (size_t i = 0; i < r->n_dkim; i++) {
        put(&b, "; ");
        put(&b, dkim_authres_clause(a, &r->dkim[i]));
    }
    if ((r->ran & VERIFY_DKIM) && r->n_dkim == 0) put(&b, "; dkim=none");
    if (r->ran & VERIFY_DMARC) {
        put(&b, "; dmarc=");
        put(&b, auth_result_name(r->dmarc.result));
        if (r->dmarc.result != AUTH_NONE && r->dmarc.policy) {
            put(&b, " (p=");
            put(&b, r->dmarc.policy);
            put(&b, " dis=");
            put(&b, r->dmarc.disposition ? r->dmarc.disposition : "none");
            put(&b, ")");
        }
        if (r->dmarc.from_domain) {
            put(&b, " header.from=");
            put_value(&b, r->dmarc.from_domain);
        }
    }
    if (r->ran & VERIFY_ARC) {
        put(&b, "; ");
        put(&b, arc_authres_clause(a, &r->arc));
    }
    if (r->ran & VERIFY_SPF) {
        put(&b, "; iprev=");
        put(&b, auth_result_name(r->iprev.result));
        if (r->iprev.ip) {
            put(&b, " policy.iprev=");
            put_value(&b, r->iprev.ip);
        }
    }
    return b.p;
}
