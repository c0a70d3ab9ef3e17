/* spfglue — see spfglue.h. */
#include "auth/spfglue.h"
#include "auth/spf.h"

#include <string.h>

static void fill(struct spf_summary *s, const struct spf_result *r)
{
    s->ran = true;
    s->identity = spf_identity_name(r->identity);
    s->result = r->result;
    s->domain = r->domain;
    s->sender = r->sender;
    s->mechanism = r->mechanism;
    s->explanation = r->explanation;
    s->record = r->record;
    s->reason = r->problem;
    s->lookups = (int)r->dns_terms;
    s->void_lookups = (int)r->void_lookups;
}

static void not_run(struct spf_summary *s, const char *identity, enum auth_result res,
                    const char *reason)
{
    memset(s, 0, sizeof *s);
    s->ran = true;
    s->identity = identity;
    s->result = res;
    s->reason = reason;
}

void spfglue_check(struct spf_checker *spf, struct dns_resolver *dns, arena *a,
                   const struct envelope *env, struct verify_result *out)
{
    if (!env->ip) {
        not_run(&out->spf_helo, "helo", AUTH_NONE, "no client IP known");
        not_run(&out->spf_mailfrom, "mailfrom", AUTH_NONE, "no client IP known");
        return;
    }
    if (!spf || !dns || !dns_has_source(dns)) {
        not_run(&out->spf_helo, "helo", AUTH_TEMPERROR, "no DNS source");
        not_run(&out->spf_mailfrom, "mailfrom", AUTH_TEMPERROR, "no DNS source");
        return;
    }
    struct spf_request req = {.ip = env->ip, .helo = env->helo, .mail_from = env->mail_from};
    struct spf_result h, m;
    spf_check_both(spf, a, &req, &h, &m);
    fill(&out->spf_helo, &h);
    fill(&out->spf_mailfrom, &m);
    out->senderid_record = m.sender_id;
}
