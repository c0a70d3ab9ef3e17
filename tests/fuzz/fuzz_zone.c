/* fuzz_zone — the DNS snapshot parser (dns/zone.c) and the resolver built on
 * it (dns/resolver.c). The input is parsed with zone_parse, then loaded with
 * dns_add_zone_text and looked up. Checks: both agree on success/failure; an
 * error reads "line N: ..."; every record is NUL-terminated at its length,
 * names fit the limits, A/AAAA text round-trips to the stored bytes, TXT
 * stays within DNS_MAX_TXT; every owner parsed answers OK for its own type
 * with the record among the answers (so canonical names are stable through
 * a second canonicalisation); answers are self-consistent (rcode vs n,
 * types, source). Never touches the network: the resolver is not online. */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns/dns.h"
#include "dns/zone.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define KEEP 8

struct seen {
    struct zone_record v[KEEP];
    size_t n;
};

static int check_record(void *ctx, const struct zone_record *rec)
{
    struct seen *s = ctx;
    const struct dns_rr *rr = &rec->rr;
    if (!rec->owner || strlen(rec->owner) > 4 * 255) __builtin_trap();
    if (!rr->text || rr->text[rr->len] != '\0') __builtin_trap();
    switch (rr->type) {
    case DNS_T_A:
    case DNS_T_AAAA: {
        unsigned char b[16] = {0};
        int af = rr->type == DNS_T_A ? AF_INET : AF_INET6;
        if (inet_pton(af, rr->text, b) != 1 || memcmp(b, rr->addr, sizeof b) != 0) __builtin_trap();
        break;
    }
    case DNS_T_MX:
    case DNS_T_CNAME:
    case DNS_T_PTR:
    case DNS_T_NS:
        if (strlen(rr->text) != rr->len || rr->len > 4 * 255) __builtin_trap();
        break;
    case DNS_T_TXT:
    case DNS_T_SPF:
        if (rr->len > DNS_MAX_TXT) __builtin_trap();
        break;
    default:
        if (strlen(rr->text) != rr->len) __builtin_trap();
        break;
    }
    if (rr->type != DNS_T_MX && rr->pref != 0) __builtin_trap();
    if (s->n < KEEP) s->v[s->n++] = *rec;
    return 0;
}

static void check_answer(const struct dns_answer *ans, enum dns_type qtype)
{
    if (!ans->qname || ans->qtype != qtype) __builtin_trap();
    switch (ans->rcode) {
    case DNS_OK:
        if (ans->n == 0 || ans->n > DNS_MAX_RR || ans->source != DNS_SRC_SNAPSHOT) __builtin_trap();
        break;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        if (ans->n != 0 || ans->error) __builtin_trap();
        break;
    case DNS_TEMPFAIL:
        if (ans->n != 0 || !ans->error) __builtin_trap();
        break;
    default:
        __builtin_trap();
    }
    for (size_t i = 0; i < ans->n; i++)
        if (ans->rr[i].type != qtype || ans->rr[i].text[ans->rr[i].len] != '\0') __builtin_trap();
    if (ans->cname) (void)strlen(ans->cname);
}

static void count_recorded(void *ctx, const struct dns_answer *ans)
{
    if (ans->rcode == DNS_NOSOURCE || ans->source == DNS_SRC_NONE) __builtin_trap();
    (*(size_t *)ctx)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    arena *a = arena_new();
    struct seen s = {0};
    char err[256];
    int rc = zone_parse(a, p, size, check_record, &s, err, sizeof err);
    if (rc != 0 && (rc != -1 || strncmp(err, "line ", 5) != 0)) __builtin_trap();

    struct dns_resolver *r = dns_new();
    char err2[512];
    int rc2 = dns_add_zone_text(r, p, size, "fuzz", err2, sizeof err2);
    if (rc2 != rc) __builtin_trap();
    size_t recorded = 0, lookups = 0;
    dns_set_recorder(r, count_recorded, &recorded);
    if (rc == 0) {
        for (size_t i = 0; i < s.n; i++) {
            struct dns_answer ans;
            enum dns_type t = s.v[i].rr.type;
            lookups++;
            const char *owner = s.v[i].owner[0] ? s.v[i].owner : "."; /* "" is the root */
            if (dns_lookup(r, a, owner, t, &ans) != DNS_OK) __builtin_trap();
            check_answer(&ans, t);
            bool found = ans.truncated;
            for (size_t k = 0; k < ans.n && !found; k++)
                found = ans.rr[k].len == s.v[i].rr.len &&
                        memcmp(ans.rr[k].text, s.v[i].rr.text, ans.rr[k].len) == 0;
            if (!found) __builtin_trap();
        }
    }
    static const char *const names[] = {"example.com",
                                        "www.example.com.",
                                        "_dmarc.example.com",
                                        "a..b",
                                        "",
                                        "sel._domainkey.example.com"};
    static const enum dns_type types[] = {DNS_T_A,   DNS_T_AAAA,  DNS_T_MX,
                                          DNS_T_TXT, DNS_T_CNAME, DNS_T_PTR};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct dns_answer ans;
        enum dns_type t = types[i % (sizeof types / sizeof types[0])];
        enum dns_rcode got = dns_lookup(r, a, names[i], t, &ans);
        if (rc != 0) {
            if (got != DNS_NOSOURCE) __builtin_trap();
            continue;
        }
        lookups += ans.source != DNS_SRC_NONE;
        check_answer(&ans, t);
    }
    /* the first bytes as an address and as a name */
    char small[72];
    size_t n = size < sizeof small - 1 ? size : sizeof small - 1;
    memcpy(small, p, n);
    small[n] = '\0';
    char *rev = dns_reverse_name(a, small);
    if (rev && strlen(rev) > 72) __builtin_trap();
    struct dns_answer ans;
    enum dns_rcode got = dns_lookup(r, a, rev ? rev : small, DNS_T_PTR, &ans);
    if (rc == 0) {
        lookups += ans.source != DNS_SRC_NONE;
        check_answer(&ans, DNS_T_PTR);
    } else if (got != DNS_NOSOURCE) {
        __builtin_trap();
    }
    if (recorded != lookups) __builtin_trap();
    dns_free(r);
    arena_free(a);
    return 0;
}
