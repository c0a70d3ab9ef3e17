/* dmarc — see dmarc.h. */
#include "auth/dmarc.h"
#include "auth/dkim_parse.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

static const char *policy_word(struct slice v)
{
    if (str_eq_ci(v.p, v.len, "none")) return "none";
    if (str_eq_ci(v.p, v.len, "quarantine")) return "quarantine";
    if (str_eq_ci(v.p, v.len, "reject")) return "reject";
    return NULL;
}

int dmarc_record_parse(arena *a, const char *txt, size_t len, struct dmarc_record *out)
{
    memset(out, 0, sizeof *out);
    out->pct = -1;
    out->adkim = out->aspf = 'r';
    struct slice t = str_trim(txt, len);
    /* v=DMARC1 must come first (case-sensitive "DMARC1", FWS allowed) */
    if (t.len < 2 || t.p[0] != 'v') return -1;
    struct dkim_tag *tags;
    size_t n;
    const char *bad;
    /* DMARC uses the DKIM tag-list grammar; a record broken after v= still
     * yields the tags read before the break */
    dkim_taglist_parse(a, t.p, t.len, &tags, &n, &bad);
    if (n == 0 || !(tags[0].name.len == 1 && tags[0].name.p[0] == 'v') ||
        !(tags[0].value.len == 6 && memcmp(tags[0].value.p, "DMARC1", 6) == 0))
        return -1;
    out->raw = arena_strndup(a, t.p, t.len);
    for (size_t i = 1; i < n; i++) {
        struct slice k = tags[i].name, v = tags[i].value;
        if (str_eq_ci(k.p, k.len, "p")) {
            out->p = policy_word(v);
            out->p_invalid = !out->p;
        } else if (str_eq_ci(k.p, k.len, "sp")) {
            out->sp = policy_word(v);
        } else if (str_eq_ci(k.p, k.len, "np")) {
            out->np = policy_word(v);
        } else if (str_eq_ci(k.p, k.len, "psd")) {
            out->psd = v.len == 1 && (v.p[0] == 'y' || v.p[0] == 'n') ? v.p[0] : 0;
        } else if (str_eq_ci(k.p, k.len, "t")) {
            out->testing = v.len == 1 && v.p[0] == 'y';
        } else if (str_eq_ci(k.p, k.len, "pct")) {
            char num[8];
            if (v.len && v.len < sizeof num) {
                memcpy(num, v.p, v.len);
                num[v.len] = 0;
                char *end;
                long pc = strtol(num, &end, 10);
                if (!*end && pc >= 0 && pc <= 100) out->pct = (int)pc;
            }
        } else if (str_eq_ci(k.p, k.len, "adkim")) {
            out->adkim = v.len == 1 && v.p[0] == 's' ? 's' : 'r';
        } else if (str_eq_ci(k.p, k.len, "aspf")) {
            out->aspf = v.len == 1 && v.p[0] == 's' ? 's' : 'r';
        } else if (str_eq_ci(k.p, k.len, "rua")) {
            out->rua = arena_strndup(a, v.p, v.len);
        } else if (str_eq_ci(k.p, k.len, "ruf")) {
            out->ruf = arena_strndup(a, v.p, v.len);
        } else if (str_eq_ci(k.p, k.len, "fo")) {
            out->fo = arena_strndup(a, v.p, v.len);
        }
    }
    return 0;
}

/* The next name of the walk after `cur` (within `name`), or NULL at the end. */
static const char *walk_next(const char *cur)
{
    size_t labels = 1;
    for (const char *q = cur; *q; q++)
        if (*q == '.') labels++;
    if (labels <= 1) return NULL;
    if (labels >= 8) { /* jump to the rightmost 7 labels */
        const char *q = cur + strlen(cur);
        int dots = 0;
        while (q > cur) {
            q--;
            if (*q == '.' && ++dots == 7) return q + 1;
        }
        return NULL;
    }
    return strchr(cur, '.') + 1;
}

enum lookup { L_NONE, L_FOUND, L_TEMP };

/* The single DMARC record at _dmarc.<name> (several count as none). */
static enum lookup dmarc_at(struct dns_resolver *dns, arena *a, const char *name,
                            struct dmarc_record *rec, int *queries)
{
    char *q = arena_printf(a, "_dmarc.%s", name);
    struct dns_answer ans;
    (*queries)++;
    enum dns_rcode rc = dns_lookup(dns, a, q, DNS_T_TXT, &ans);
    if (rc == DNS_TEMPFAIL || rc == DNS_NOSOURCE) return L_TEMP;
    if (rc != DNS_OK) return L_NONE;
    int found = 0;
    for (size_t i = 0; i < ans.n; i++) {
        struct dmarc_record r;
        if (dmarc_record_parse(a, ans.rr[i].text, ans.rr[i].len, &r) == 0) {
            if (!found) *rec = r;
            found++;
        }
    }
    return found == 1 ? L_FOUND : L_NONE;
}

const char *dmarc_org_domain(struct dns_resolver *dns, const struct psl *psl, arena *a,
                             const char *name, int *queries)
{
    if (!name || !*name) return NULL;
    if (psl) {
        const char *o = psl_org_domain(psl, a, name);
        return o ? o : name;
    }
    const char *prev = NULL, *highest = NULL;
    int n = 0;
    for (const char *cur = name; cur && n < DMARC_MAX_WALK; cur = walk_next(cur), n++) {
        struct dmarc_record r;
        enum lookup l = dmarc_at(dns, a, cur, &r, queries);
        if (l == L_TEMP) break;
        if (l == L_FOUND) {
            if (r.psd == 'n') return cur;
            if (r.psd == 'y') return prev ? prev : cur;
            highest = cur;
        }
        prev = cur;
    }
    return highest ? highest : name;
}

static bool aligned(struct dns_resolver *dns, const struct psl *psl, arena *a, const char *id,
                    const char *from, const char *from_org, char mode, int *queries)
{
    if (!id || !from) return false;
    if (str_eq_ci(id, strlen(id), from)) return true;
    if (mode == 's') return false;
    const char *o = dmarc_org_domain(dns, psl, a, id, queries);
    return o && from_org && str_eq_ci(o, strlen(o), from_org);
}

/* Does the name exist at all (any of A, AAAA, MX answered or NODATA)? */
static bool domain_exists(struct dns_resolver *dns, arena *a, const char *name, int *queries)
{
    static const enum dns_type types[] = {DNS_T_A, DNS_T_AAAA, DNS_T_MX};
    for (size_t i = 0; i < 3; i++) {
        struct dns_answer ans;
        (*queries)++;
        if (dns_lookup(dns, a, name, types[i], &ans) != DNS_NXDOMAIN) return true;
    }
    return false;
}

static const char *lower_policy(const char *p)
{
    if (!p) return "none";
    if (strcmp(p, "reject") == 0) return "quarantine";
    return "none";
}

void dmarc_evaluate(struct dns_resolver *dns, const struct psl *psl, arena *a,
                    const struct dmarc_input *in, struct dmarc_result *out)
{
    memset(out, 0, sizeof *out);
    out->method = psl ? "public suffix list (RFC 7489)" : "tree walk (RFC 9989)";
    out->from_domain = in->from_domain;
    out->disposition = "none";
    if (in->n_from_domains > 1) {
        out->result = AUTH_PERMERROR;
        out->reason = arena_printf(a, "%d different From domains: no single Author Domain",
                                   in->n_from_domains);
        return;
    }
    if (!in->from_domain || !*in->from_domain) {
        out->result = AUTH_NONE;
        out->reason = "no From domain";
        return;
    }
    if (!dns || !dns_has_source(dns)) {
        out->result = AUTH_TEMPERROR;
        out->reason = "no DNS source";
        return;
    }
    /* policy discovery */
    const char *cur = in->from_domain;
    enum lookup l = L_NONE;
    for (int n = 0; cur && n < DMARC_MAX_WALK; cur = walk_next(cur), n++) {
        l = dmarc_at(dns, a, cur, &out->rec, &out->queries);
        if (l != L_NONE) break;
    }
    if (l == L_TEMP) {
        out->result = AUTH_TEMPERROR;
        out->reason = arena_printf(a, "DNS temporary failure at _dmarc.%s", cur);
        return;
    }
    if (l != L_FOUND) {
        out->result = AUTH_NONE;
        out->reason = "no DMARC record";
        return;
    }
    out->policy_domain = cur;
    out->record = out->rec.raw;
    out->org_domain = dmarc_org_domain(dns, psl, a, in->from_domain, &out->queries);

    /* the policy that applies */
    const struct dmarc_record *r = &out->rec;
    if (strcmp(cur, in->from_domain) == 0) {
        out->policy = r->p, out->policy_tag = "p";
    } else if (!domain_exists(dns, a, in->from_domain, &out->queries) && r->np) {
        out->policy = r->np, out->policy_tag = "np";
    } else if (r->sp) {
        out->policy = r->sp, out->policy_tag = "sp";
    } else {
        out->policy = r->p, out->policy_tag = "p";
    }
    if (!out->policy) out->policy = "none"; /* p= missing or invalid: monitoring only */

    /* alignment */
    out->spf_aligned =
        in->spf_result == AUTH_PASS && aligned(dns, psl, a, in->spf_domain, in->from_domain,
                                               out->org_domain, r->aspf, &out->queries);
    for (size_t i = 0; i < in->n_dkim && !out->dkim_aligned; i++) {
        const struct dkim_result *d = &in->dkim[i];
        if (d->legacy || d->result != AUTH_PASS) continue;
        if (aligned(dns, psl, a, d->domain, in->from_domain, out->org_domain, r->adkim,
                    &out->queries)) {
            out->dkim_aligned = true;
            out->dkim_domain = d->domain;
        }
    }
    if (out->spf_aligned || out->dkim_aligned) {
        out->result = AUTH_PASS;
        return;
    }
    out->result = AUTH_FAIL;
    bool any_dkim = false, any_spf = in->spf_result == AUTH_PASS;
    for (size_t i = 0; i < in->n_dkim; i++)
        if (!in->dkim[i].legacy && in->dkim[i].result == AUTH_PASS) any_dkim = true;
    out->reason = any_spf || any_dkim ? "SPF or DKIM passed, but not for a domain aligned with From"
                                      : "neither SPF nor DKIM passed";
    out->disposition = r->testing ? lower_policy(out->policy) : out->policy;
}
