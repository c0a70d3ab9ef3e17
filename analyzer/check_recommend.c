/* check_recommend — see check_recommend.h. */
#include "check_recommend.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_auth.h"

#define CREC_MAX 64           /* fixes kept per message (a message with 32 bad signatures...) */
#define CREC_TOP_HITS 3       /* rules named in the content item */
#define CREC_RULE_NOTABLE 1.0 /* a rule adding this much is worth a look below the threshold */

struct recs {
    arena *a;
    struct crec v[CREC_MAX];
    size_t n;
};

static void add(struct recs *r, enum crec_severity sev, const char *key, const char *title,
                const char *evidence)
{
    if (r->n >= CREC_MAX) return;
    r->v[r->n++] = (struct crec){.severity = sev, .key = key, .title = title, .evidence = evidence};
}

static const char *nz(const char *s)
{
    return s ? s : "?";
}

const char *crec_severity_name(enum crec_severity s)
{
    switch (s) {
    case CREC_CRITICAL:
        return "critical";
    case CREC_WARNING:
        return "warning";
    default:
        return "info";
    }
}

/* ---- DKIM ---- */

static void dkim_one(struct recs *r, const struct dkim_result *d)
{
    arena *a = r->a;
    const char *dom = nz(d->domain), *sel = nz(d->selector);
    const char *sig = arena_printf(a, "DKIM d=%s s=%s", dom, sel);
    const char *why = d->reason_text && *d->reason_text ? d->reason_text : "";
    const char *det = d->detail ? arena_printf(a, ": %s", d->detail) : "";
    switch (d->reason) {
    case DKIM_R_BODY_HASH:
        if (d->detail && strstr(d->detail, "added after signing"))
            add(r, CREC_CRITICAL, "dkim_body_hash",
                arena_printf(a,
                             "Sign after the footer is added, or stop adding it after signing "
                             "(d=%s)",
                             dom),
                arena_printf(a, "%s: body hash mismatch%s", sig, det));
        else if (d->detail && strstr(d->detail, "relaxed canonicalisation"))
            add(r, CREC_CRITICAL, "dkim_body_hash",
                arena_printf(a, "Sign with relaxed body canonicalisation (c=relaxed/relaxed, d=%s)",
                             dom),
                arena_printf(a, "%s: body hash mismatch%s", sig, det));
        else
            add(r, CREC_CRITICAL, "dkim_body_hash",
                arena_printf(a, "Find what changed the body after DKIM signing (d=%s)", dom),
                arena_printf(a, "%s: body hash mismatch%s", sig, det));
        break;
    case DKIM_R_SIGNATURE:
        add(r, CREC_WARNING, "dkim_signature",
            arena_printf(a, "Find what changed a signed header field after DKIM signing (d=%s)",
                         dom),
            arena_printf(a, "%s: %s%s", sig, why, det));
        break;
    case DKIM_R_KEY_NOT_FOUND:
        add(r, CREC_CRITICAL, "dkim_key_missing",
            arena_printf(a, "Publish the DKIM key of selector %s at %s._domainkey.%s", sel, sel,
                         dom),
            arena_printf(a, "%s: %s%s", sig, why, det));
        break;
    case DKIM_R_KEY_REVOKED:
        add(r, CREC_CRITICAL, "dkim_key_missing",
            arena_printf(a, "Sign with a published key: selector %s of %s is revoked", sel, dom),
            arena_printf(a, "%s: %s", sig, why));
        break;
    case DKIM_R_KEY_TOO_SHORT:
        break; /* below, from key_bits */
    case DKIM_R_RSA_SHA1:
        add(r, CREC_WARNING, "dkim_rsa_sha1",
            arena_printf(a, "Sign with rsa-sha256 instead of rsa-sha1 (d=%s)", dom),
            arena_printf(a, "%s: a=rsa-sha1, which RFC 8301 forbids verifiers to accept", sig));
        break;
    case DKIM_R_EXPIRED:
        add(r, CREC_WARNING, "dkim_expired",
            arena_printf(a, "Give signatures of %s a longer x= (or none)", dom),
            arena_printf(a, "%s: %s%s", sig, why, det));
        break;
    case DKIM_R_OK:
    case DKIM_R_DNS_TEMP:
    case DKIM_R_NO_DNS:
    case DKIM_R_PRESTANDARD:
    case DKIM_R_LEGACY:
        break;
    default:
        if (d->result == AUTH_PERMERROR || d->result == AUTH_FAIL)
            add(r, CREC_WARNING, "dkim_permerror",
                arena_printf(a, "Fix the DKIM signature or key record of d=%s s=%s", dom, sel),
                arena_printf(a, "%s: %s %s%s", sig, auth_result_name(d->result), why, det));
        break;
    }
    bool rsa = !d->key_type || strcmp(d->key_type, "rsa") == 0;
    if (d->key_bits > 0 && rsa && d->key_bits < 1024)
        add(r, CREC_CRITICAL, "dkim_key_under_1024",
            arena_printf(a, "Replace the %d-bit DKIM key of selector %s (d=%s) with a 2048-bit key",
                         d->key_bits, sel, dom),
            arena_printf(a, "%s: a %d-bit RSA key; RFC 8301 forbids keys under 1024 bits", sig,
                         d->key_bits));
    else if (d->key_bits > 0 && rsa && d->key_bits < 2048)
        add(r, CREC_INFO, "dkim_key_1024",
            arena_printf(a, "Rotate the DKIM key of selector %s (d=%s) to 2048 bits", sel, dom),
            arena_printf(a, "%s: a %d-bit RSA key; 2048 bits is the current recommendation", sig,
                         d->key_bits));
    if (d->testing)
        add(r, CREC_WARNING, "dkim_testing_key",
            arena_printf(a, "Remove t=y from selector %s (%s._domainkey.%s)", sel, sel, dom),
            arena_printf(a, "%s: the key record is marked t=y (testing)", sig));
    if (d->l_partial)
        add(r, CREC_WARNING, "dkim_body_length",
            arena_printf(a, "Sign the whole body: drop l= (d=%s)", dom),
            arena_printf(a,
                         "%s: l= signs %llu of %llu body bytes; the rest can be changed by "
                         "anyone",
                         sig, (unsigned long long)d->l, (unsigned long long)d->body_bytes));
}

static void dkim_rules(struct recs *r, const struct message *m, const struct verify_result *vr)
{
    size_t n = 0;
    for (size_t i = 0; i < vr->n_dkim; i++) {
        if (vr->dkim[i].legacy) continue;
        n++;
        dkim_one(r, &vr->dkim[i]);
    }
    if (n == 0) {
        const char *from = m && m->has_from ? m->from.domain_lc : NULL;
        add(r, CREC_WARNING, "dkim_unsigned",
            from ? arena_printf(r->a, "Sign the message with DKIM, with d=%s", from)
                 : "Sign the message with DKIM, with d= the From domain",
            "no DKIM-Signature");
    }
}

/* ---- SPF ---- */

static void spf_rules(struct recs *r, const struct verify_result *vr)
{
    const struct spf_summary *s = &vr->spf_mailfrom;
    if (!s->ran) return;
    arena *a = r->a;
    const char *dom = nz(s->domain), *ip = vr->env.ip;
    const char *reason = s->reason ? s->reason : "";
    switch (s->result) {
    case AUTH_FAIL:
    case AUTH_SOFTFAIL:
        if (!ip) break;
        add(r, s->result == AUTH_FAIL ? CREC_CRITICAL : CREC_WARNING, "spf_fail",
            arena_printf(a, "Add %s to the SPF record of %s (or stop sending as %s from it)", ip,
                         dom, dom),
            arena_printf(a, "SPF %s: %s does not authorize %s%s%s", auth_result_name(s->result),
                         dom, ip, s->mechanism ? "; matched " : "",
                         s->mechanism ? s->mechanism : ""));
        break;
    case AUTH_PERMERROR:
        if (strstr(reason, "more than 10 DNS"))
            add(r, CREC_CRITICAL, "spf_too_many_lookups",
                arena_printf(a, "Flatten the SPF record of %s: it needs more than 10 DNS lookups",
                             dom),
                arena_printf(a, "SPF permerror for %s: %s (%d lookups)", dom, reason, s->lookups));
        else
            add(r, CREC_CRITICAL, "spf_permerror", arena_printf(a, "Fix the SPF record of %s", dom),
                arena_printf(a, "SPF permerror for %s: %s", dom, reason));
        break;
    case AUTH_NONE:
        if (s->domain && strncmp(reason, "no SPF record", 13) == 0)
            add(r, CREC_WARNING, "spf_missing",
                arena_printf(a, "Publish an SPF record for %s listing the servers that send as it",
                             dom),
                arena_printf(a, "MAIL FROM domain %s: %s", dom, reason));
        break;
    default:
        break;
    }
}

/* ---- DMARC ---- */

static void dmarc_rules(struct recs *r, const struct verify_result *vr)
{
    const struct dmarc_result *d = &vr->dmarc;
    arena *a = r->a;
    const char *dom = nz(d->from_domain);
    if (d->result == AUTH_NONE && !d->record && d->from_domain && d->reason &&
        strcmp(d->reason, "no DMARC record") == 0) {
        add(r, CREC_WARNING, "dmarc_missing",
            arena_printf(a,
                         "Publish a DMARC record for %s (start with \"v=DMARC1; p=none; "
                         "rua=mailto:...\")",
                         dom),
            arena_printf(a, "no DMARC record at _dmarc.%s%s%s", dom,
                         d->org_domain && strcmp(d->org_domain, dom) != 0
                             ? " nor at its organizational domain "
                             : "",
                         d->org_domain && strcmp(d->org_domain, dom) != 0 ? d->org_domain : ""));
        return;
    }
    if (!d->record) return;
    const char *pol = d->policy ? d->policy : "none";
    if (d->result == AUTH_FAIL) {
        bool enforced = strcmp(pol, "quarantine") == 0 || strcmp(pol, "reject") == 0;
        add(r, enforced ? CREC_CRITICAL : CREC_WARNING, "dmarc_fail",
            arena_printf(a, "Make SPF or DKIM pass for a domain aligned with %s", dom),
            arena_printf(a, "DMARC fail under p=%s (disposition %s): %s", pol, nz(d->disposition),
                         nz(d->reason)));
    } else if (d->result == AUTH_PASS && strcmp(pol, "none") == 0) {
        add(r, CREC_INFO, "dmarc_policy_none",
            arena_printf(a,
                         "Once the aggregate reports show all your mail passing, move %s's "
                         "DMARC policy from p=none to p=quarantine",
                         nz(d->policy_domain)),
            arena_printf(a, "DMARC record of %s: policy none (monitoring only)",
                         nz(d->policy_domain)));
    }
}

/* ---- reverse DNS and HELO ---- */

static void iprev_rules(struct recs *r, const struct verify_result *vr)
{
    arena *a = r->a;
    const struct iprev_result *ip = &vr->iprev;
    if (ip->result == AUTH_FAIL && ip->ip) {
        if (ip->n_ptr == 0)
            add(r, CREC_WARNING, "ptr_missing",
                arena_printf(a,
                             "Publish a PTR record for %s naming a host that resolves back to "
                             "it",
                             ip->ip),
                arena_printf(a, "iprev fail: %s", nz(ip->reason)));
        else
            add(r, CREC_WARNING, "ptr_not_confirmed",
                arena_printf(a, "Make the PTR name %s of %s resolve back to %s", ip->ptr[0], ip->ip,
                             ip->ip),
                arena_printf(a, "iprev fail: %s", nz(ip->reason)));
    }
    const struct helo_result *h = &vr->helo;
    if (!h->helo || !*h->helo) return;
    const char *where = vr->env.ip ? arena_printf(a, "the server at %s", vr->env.ip) : "the server";
    if (h->ip_literal)
        add(r, CREC_WARNING, "helo_not_fqdn",
            arena_printf(a, "Make %s announce its host name in HELO, not the address literal %s",
                         where, h->helo),
            arena_printf(a, "HELO name %s is not a fully qualified name", h->helo));
    else if (!h->fqdn)
        add(r, CREC_WARNING, "helo_not_fqdn",
            arena_printf(a, "Make %s announce a fully qualified HELO name", where),
            arena_printf(a, "HELO name %s is not a fully qualified name", h->helo));
    else if (h->dns_ok && !h->resolves)
        add(r, CREC_INFO, "helo_not_resolving",
            arena_printf(a, "Publish an A record for the HELO name %s", h->helo),
            arena_printf(a, "HELO name %s does not resolve", h->helo));
}

/* ---- bulk-sender requirements no rule above covers ---- */

static const struct {
    const char *id, *key;
    enum crec_severity sev;
    const char *title;
} req_rules[] = {
    {"unsubscribe", "req_unsubscribe", CREC_INFO,
     "If this is bulk mail, add List-Unsubscribe (https and mailto) and List-Unsubscribe-Post: "
     "List-Unsubscribe=One-Click"},
    {"one_click_unsubscribe", "req_one_click_unsubscribe", CREC_INFO,
     "If this is bulk mail, add one-click unsubscribe (RFC 8058: an https List-Unsubscribe and "
     "List-Unsubscribe-Post)"},
    {"message_id", "req_message_id", CREC_WARNING,
     "Give the message a valid Message-ID (id@domain)"},
    {"single_from", "req_single_from", CREC_WARNING, "Send with exactly one From address"},
    {"gmail_from", "req_gmail_from", CREC_CRITICAL,
     "Stop sending with a gmail.com From address from outside Google"},
    {"tls", "req_tls", CREC_INFO, "Deliver the mail over TLS"},
};

static void req_rules_run(struct recs *r, const struct verify_result *vr)
{
    bool unsub_failed = false;
    for (size_t i = 0; i < vr->n_req; i++)
        if (vr->req[i].status == REQ_FAIL && strcmp(vr->req[i].id, "unsubscribe") == 0)
            unsub_failed = true;
    for (size_t i = 0; i < vr->n_req; i++) {
        const struct requirement *q = &vr->req[i];
        if (q->status != REQ_FAIL) continue;
        /* the unsubscribe fix already asks for one-click */
        if (unsub_failed && strcmp(q->id, "one_click_unsubscribe") == 0) continue;
        for (size_t k = 0; k < sizeof req_rules / sizeof req_rules[0]; k++)
            if (strcmp(q->id, req_rules[k].id) == 0)
                add(r, req_rules[k].sev, req_rules[k].key, req_rules[k].title,
                    arena_printf(r->a, "%s: %s", q->title ? q->title : q->id, nz(q->evidence)));
    }
}

/* ---- content ---- */

size_t crec_format_1f(char *out, double x)
{
    double ax = fabs(x);
    if (!isfinite(x) || ax >= 1e14) return (size_t)snprintf(out, CREC_NUM_MAX, "%.1f", x);
    /* For the exact product P = ax * 10 in [m, m + 1), the rounded product
     * floors to m, or to m + 1 only when P > m + 0.5 (m + 0.5 is a double
     * below 2^52 and rounding is monotone), where m + 1 is the answer
     * anyway. fma gives the sign of P - (k + 0.5) exactly. */
    double k = floor(ax * 10.0);
    uint64_t q = (uint64_t)k;
    double d = fma(ax, 10.0, -(k + 0.5));
    if (d > 0 || (d == 0 && (q & 1))) q++; /* ties to even, like glibc */
    char rev[24];
    size_t n = 0;
    rev[n++] = (char)('0' + q % 10);
    rev[n++] = '.';
    q /= 10;
    do {
        rev[n++] = (char)('0' + q % 10);
        q /= 10;
    } while (q);
    size_t o = 0;
    if (signbit(x)) out[o++] = '-'; /* glibc writes -0.0 too */
    while (n)
        out[o++] = rev[--n];
    out[o] = '\0';
    return o;
}

static void put_s(struct arena_str *b, const char *s)
{
    arena_str_put(b, s, strlen(s));
}

static void put_1f(struct arena_str *b, double x)
{
    char num[CREC_NUM_MAX];
    arena_str_put(b, num, crec_format_1f(num, x));
}

/* Built piece by piece rather than with arena_printf: "%.1f" made this
 * about 8,500 instructions a message (callgrind), most of it in glibc's
 * floating-point formatting. */
static void score_rules(struct recs *r, const struct score_result *sr)
{
    arena *a = r->a;
    bool spam = sr->total >= sr->threshold;
    struct arena_str b = {.a = a};
    size_t shown = 0;
    const char *first = NULL;
    for (size_t i = 0; i < sr->n_scored && shown < CREC_TOP_HITS; i++) {
        const struct score_hit *h = &sr->hits[i];
        double v = h->score * h->count;
        if (v < (spam ? 0.01 : CREC_RULE_NOTABLE)) continue;
        /* "%s%s (+%.1f%s%s)" */
        if (shown) put_s(&b, ", ");
        put_s(&b, h->rule->name);
        put_s(&b, " (+");
        put_1f(&b, v);
        if (h->rule->describe) {
            put_s(&b, ": ");
            put_s(&b, h->rule->describe);
        }
        put_s(&b, ")");
        if (!shown) first = h->rule->name;
        shown++;
    }
    const char *hits = b.len ? b.p : "";
    struct arena_str t = {.a = a}, e = {.a = a};
    if (spam) {
        put_s(&t, "Lower the content score below ");
        put_1f(&t, sr->threshold);
        put_s(&t, ": change what the top rules match");
        put_s(&e, "content score ");
        put_1f(&e, sr->total);
        put_s(&e, " reaches the threshold ");
        put_1f(&e, sr->threshold);
        if (shown) {
            put_s(&e, "; most: ");
            put_s(&e, hits);
        }
        add(r, CREC_CRITICAL, "content_score", t.p, e.p);
    } else if (shown) {
        put_s(&e, "content score ");
        put_1f(&e, sr->total);
        put_s(&e, " (threshold ");
        put_1f(&e, sr->threshold);
        put_s(&e, "); notable: ");
        put_s(&e, hits);
        add(r, CREC_INFO, "content_rule", arena_printf(a, "Review what triggers %s", first), e.p);
    }
}

/* ---- assembly ---- */

struct ordered {
    struct crec rec;
    size_t seq;
};

static int ordered_cmp(const void *pa, const void *pb)
{
    const struct ordered *x = pa, *y = pb;
    if (x->rec.severity != y->rec.severity) return x->rec.severity < y->rec.severity ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t check_recommend(arena *a, const struct message *m, const struct verify_result *vr,
                       const struct score_result *sr, struct crec **out)
{
    /* not zeroed: only v[0..n) is ever read, and zeroing the 64 slots was
     * 2,100 instructions a message (callgrind) */
    struct recs *r = arena_alloc(a, sizeof *r);
    r->a = a;
    r->n = 0;
    if (vr) {
        if (vr->ran & VERIFY_DKIM) dkim_rules(r, m, vr);
        if (vr->ran & VERIFY_SPF) spf_rules(r, vr);
        if (vr->ran & VERIFY_DMARC) dmarc_rules(r, vr);
        if (vr->ran & VERIFY_SPF) iprev_rules(r, vr);
        req_rules_run(r, vr);
    }
    if (sr) score_rules(r, sr);
    /* stable: by severity, then in the order the checks were made */
    struct ordered *o = arena_alloc(a, (r->n ? r->n : 1) * sizeof *o);
    for (size_t i = 0; i < r->n; i++)
        o[i] = (struct ordered){.rec = r->v[i], .seq = i};
    qsort(o, r->n, sizeof *o, ordered_cmp);
    struct crec *v = arena_alloc(a, (r->n ? r->n : 1) * sizeof *v);
    for (size_t i = 0; i < r->n; i++)
        v[i] = o[i].rec;
    *out = v;
    return r->n;
}

void check_recommend_text(struct buf *out, arena *a, const struct message *m,
                          const struct verify_result *vr, const struct score_result *sr)
{
    if (!vr && !sr) {
        buf_puts(out, "Recommendations: none (no checks ran)\n");
        return;
    }
    struct crec *v;
    size_t n = check_recommend(a, m, vr, sr, &v);
    if (n == 0) {
        buf_puts(out, "Recommendations: nothing to fix was found\n");
    } else {
        buf_printf(out, "Recommendations (%zu, most important first):\n", n);
        for (size_t i = 0; i < n; i++) {
            buf_printf(out, "  [%-8s] ", crec_severity_name(v[i].severity));
            check_put_safe(out, v[i].title);
            buf_puts(out, "\n              ");
            check_put_safe(out, v[i].evidence);
            buf_putc(out, '\n');
        }
    }
}

void check_recommend_json(struct json *j, arena *a, const struct message *m,
                          const struct verify_result *vr, const struct score_result *sr)
{
    struct crec *v;
    size_t n = check_recommend(a, m, vr, sr, &v);
    json_key(j, "recommendations");
    json_arr_begin(j);
    for (size_t i = 0; i < n; i++) {
        json_obj_begin(j);
        json_key(j, "severity");
        json_cstr(j, crec_severity_name(v[i].severity));
        json_key(j, "key");
        json_cstr(j, v[i].key);
        json_key(j, "title");
        json_cstr(j, v[i].title);
        json_key(j, "evidence");
        json_cstr(j, v[i].evidence);
        json_obj_end(j);
    }
    json_arr_end(j);
}
