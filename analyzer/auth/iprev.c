/* iprev — see iprev.h. */
#include "auth/iprev.h"
#include "util/str.h"

#include <arpa/inet.h>
#include <string.h>

/* Does name have an A/AAAA record equal to ip? 1 yes, 0 no, -1 DNS trouble. */
static int forward_has(struct dns_resolver *dns, arena *a, const char *name, const char *ip)
{
    unsigned char want[16];
    bool v6 = strchr(ip, ':') != NULL;
    if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, want) != 1) return 0;
    struct dns_answer ans;
    enum dns_rcode rc = dns_lookup(dns, a, name, v6 ? DNS_T_AAAA : DNS_T_A, &ans);
    if (rc == DNS_TEMPFAIL || rc == DNS_NOSOURCE) return -1;
    for (size_t i = 0; rc == DNS_OK && i < ans.n; i++)
        if (memcmp(ans.rr[i].addr, want, v6 ? 16 : 4) == 0) return 1;
    return 0;
}

void iprev_check(struct dns_resolver *dns, arena *a, const char *ip, struct iprev_result *out)
{
    memset(out, 0, sizeof *out);
    out->ip = ip;
    if (!ip) {
        out->result = AUTH_NONE;
        out->reason = "no client IP known";
        return;
    }
    char *rev = dns_reverse_name(a, ip);
    if (!rev) {
        out->result = AUTH_PERMERROR;
        out->reason = "not an IP address";
        return;
    }
    if (!dns || !dns_has_source(dns)) {
        out->result = AUTH_TEMPERROR;
        out->reason = "no DNS source";
        return;
    }
    struct dns_answer ans;
    enum dns_rcode rc = dns_lookup(dns, a, rev, DNS_T_PTR, &ans);
    if (rc == DNS_TEMPFAIL || rc == DNS_NOSOURCE) {
        out->result = AUTH_TEMPERROR;
        out->reason = arena_printf(a, "PTR lookup: %s", ans.error ? ans.error : "failed");
        return;
    }
    if (rc != DNS_OK) {
        out->result = AUTH_FAIL;
        out->reason = arena_printf(a, "no PTR record for %s (%s)", ip, dns_rcode_name(rc));
        return;
    }
    size_t n = ans.n < IPREV_MAX_PTR ? ans.n : IPREV_MAX_PTR;
    out->ptr = arena_alloc(a, (n ? n : 1) * sizeof *out->ptr);
    bool trouble = false;
    for (size_t i = 0; i < n; i++) {
        out->ptr[out->n_ptr++] = ans.rr[i].text;
        int f = forward_has(dns, a, ans.rr[i].text, ip);
        if (f < 0) trouble = true;
        if (f == 1 && !out->confirmed) out->confirmed = ans.rr[i].text;
    }
    if (out->confirmed) {
        out->result = AUTH_PASS;
    } else if (trouble) {
        out->result = AUTH_TEMPERROR;
        out->reason = "a forward lookup of a PTR name failed temporarily";
    } else {
        out->result = AUTH_FAIL;
        out->reason = arena_printf(a, "PTR %s does not resolve back to %s", out->ptr[0], ip);
    }
}

void helo_check(struct dns_resolver *dns, arena *a, const char *helo, const char *ip,
                const struct iprev_result *iprev, struct helo_result *out)
{
    memset(out, 0, sizeof *out);
    out->helo = helo;
    if (!helo || !*helo) {
        out->reason = "HELO unknown";
        return;
    }
    size_t len = strlen(helo);
    unsigned char tmp[16];
    if (helo[0] == '[' || inet_pton(AF_INET, helo, tmp) == 1 ||
        inet_pton(AF_INET6, helo, tmp) == 1) {
        out->ip_literal = true;
        out->reason = "HELO is an address literal, not a name";
        return;
    }
    const char *dot = memchr(helo, '.', len);
    const char *last = strrchr(helo, '.');
    bool alpha_tld = false;
    for (const char *q = last ? last + 1 : helo; *q; q++)
        if (ch_is_alpha((unsigned char)*q)) alpha_tld = true;
    out->fqdn = dot && last && last[1] && alpha_tld;
    for (size_t i = 0; iprev && i < iprev->n_ptr; i++)
        if (str_eq_ci(iprev->ptr[i], strlen(iprev->ptr[i]), helo)) out->matches_ptr = true;
    if (!out->fqdn) {
        out->reason = "HELO is not a fully qualified domain name";
        return;
    }
    if (!dns || !dns_has_source(dns)) {
        out->reason = "HELO not looked up: no DNS source";
        return;
    }
    struct dns_answer a4, a6;
    enum dns_rcode r4 = dns_lookup(dns, a, helo, DNS_T_A, &a4);
    enum dns_rcode r6 = dns_lookup(dns, a, helo, DNS_T_AAAA, &a6);
    out->dns_ok = r4 != DNS_TEMPFAIL && r6 != DNS_TEMPFAIL;
    out->resolves = r4 == DNS_OK || r6 == DNS_OK;
    /* does the answer of the client's family hold the client IP? */
    unsigned char want[16];
    bool v6 = ip && strchr(ip, ':');
    const struct dns_answer *fam = v6 ? &a6 : &a4;
    if (ip && (v6 ? r6 : r4) == DNS_OK && inet_pton(v6 ? AF_INET6 : AF_INET, ip, want) == 1)
        for (size_t i = 0; i < fam->n && !out->points_to_ip; i++)
            out->points_to_ip = memcmp(fam->rr[i].addr, want, v6 ? 16 : 4) == 0;
    if (!out->dns_ok)
        out->reason = "HELO lookup failed temporarily";
    else if (!out->resolves)
        out->reason = "HELO name does not resolve";
    else if (ip && !out->points_to_ip)
        out->reason = "HELO name does not resolve to the client IP";
    else if (iprev && iprev->n_ptr && !out->matches_ptr)
        out->reason = "HELO resolves to the client IP but differs from its PTR name";
    else if (iprev && !iprev->n_ptr)
        out->reason = "HELO resolves to the client IP, which has no PTR";
    else
        out->reason = "HELO resolves to the client IP and matches its PTR";
}
