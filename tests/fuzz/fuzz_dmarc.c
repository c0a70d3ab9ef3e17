/* libFuzzer harness for auth/dmarc.c and dns/psl.c: the input is parsed as
 * a DMARC record, published (as TXT data) at _dmarc.example.com in a small
 * snapshot and evaluated for a few From/DKIM/SPF combinations; and read as
 * a Public Suffix List and queried. Invariants: results are DMARC words,
 * a pass has an aligned identifier, the tree walk stays within its ceiling. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "auth/dmarc.h"
#include "dns/psl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    const char *p = (const char *)data;
    struct dmarc_record rec;
    dmarc_record_parse(a, p, size, &rec);

    /* as TXT data in a snapshot: quote it, escaping what the zone syntax needs */
    char zone[4096];
    size_t o = (size_t)snprintf(zone, sizeof zone, "_dmarc.example.com. TXT \"");
    for (size_t i = 0; i < size && o + 8 < sizeof zone - 64; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(zone + o, sizeof zone - o, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(zone + o, sizeof zone - o, "\\%03u", c);
        else
            zone[o++] = (char)c;
    }
    o += (size_t)snprintf(zone + o, sizeof zone - o, "\"\nexample.com. A 192.0.2.1\n");
    struct dns_resolver *dns = dns_new();
    char err[256];
    if (dns_add_zone_text(dns, zone, o, "fuzz", err, sizeof err) == 0) {
        struct dkim_result d;
        memset(&d, 0, sizeof d);
        d.domain = "mail.example.com";
        d.result = AUTH_PASS;
        static const char *const froms[] = {"example.com", "a.b.c.d.e.f.g.h.i.example.com",
                                            "other.test"};
        for (size_t f = 0; f < 3; f++) {
            struct dmarc_input in = {.from_domain = froms[f],
                                     .n_from_domains = 1,
                                     .spf_result = AUTH_PASS,
                                     .spf_domain = "example.com",
                                     .dkim = &d,
                                     .n_dkim = 1};
            struct dmarc_result r;
            dmarc_evaluate(dns, NULL, a, &in, &r);
            if (r.result == AUTH_PASS && !r.spf_aligned && !r.dkim_aligned) __builtin_trap();
            if (r.result != AUTH_PASS && r.result != AUTH_FAIL && r.result != AUTH_NONE &&
                r.result != AUTH_TEMPERROR && r.result != AUTH_PERMERROR)
                __builtin_trap();
            if (r.queries > 4 * DMARC_MAX_WALK + 8) __builtin_trap();
        }
    }
    dns_free(dns);

    struct psl *l = psl_load_text(p, size);
    const char *names[] = {"www.example.com", "a.b.co.uk", "x", "example.com"};
    for (size_t i = 0; i < 4; i++) {
        const char *org = psl_org_domain(l, a, names[i]);
        if (org && !strstr(names[i], org)) __builtin_trap();
    }
    psl_free(l);
    arena_free(a);
    return 0;
}
