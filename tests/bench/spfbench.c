/* make bench: SPF evaluations per second in one process, on one core, from
 * a DNS snapshot, compiled records cached per domain (the checker's cache).
 * usage: spfbench [N]  (N evaluations, default 200000)
 *
 * The snapshot is made here: 100 sender domains, each
 *   v=spf1 ip4:192.0.2.D include:_spf.esp1 include:_spf.esp2 include:_spf.esp3 -all
 * where each _spf.espK has 8 ip4 and an ip6 range and includes its own
 * netblocks record (10 ip4), as large senders publish them. The clients
 * cycle through four cases: the domain's own address (pass at the first
 * term), an address in esp3's netblocks (pass after all six includes), an
 * address nobody lists (fail after all six), an IPv6 address of esp2 (pass
 * at the second include). Every verdict is checked; CPU time is measured
 * (CLOCK_PROCESS_CPUTIME_ID), so other load on the machine does not count. */
#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DOMAINS 100
#define ESPS 3

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *make_zone(size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *z = malloc(cap);
    if (!z) exit(2);
    for (int k = 1; k <= ESPS; k++) {
        n += (size_t)snprintf(z + n, cap - n, "_spf.esp%d.bench.example. TXT \"v=spf1", k);
        for (int i = 0; i < 8; i++)
            n += (size_t)snprintf(z + n, cap - n, " ip4:10.%d.%d.0/24", k, i);
        n += (size_t)snprintf(
            z + n, cap - n, " ip6:2001:db8:%d::/48 include:_nb.esp%d.bench.example ~all\"\n", k, k);
        n += (size_t)snprintf(z + n, cap - n, "_nb.esp%d.bench.example. TXT \"v=spf1", k);
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(z + n, cap - n, " ip4:172.%d.%d.0/24", 15 + k, i);
        n += (size_t)snprintf(z + n, cap - n, " -all\"\n");
    }
    for (int d = 0; d < DOMAINS; d++) {
        n += (size_t)snprintf(z + n, cap - n, "d%d.bench.example. TXT \"v=spf1 ip4:192.0.2.%d", d,
                              d);
        for (int k = 1; k <= ESPS; k++)
            n += (size_t)snprintf(z + n, cap - n, " include:_spf.esp%d.bench.example", k);
        n += (size_t)snprintf(z + n, cap - n, " -all\"\n");
    }
    *len = n;
    return z;
}

int main(int argc, char **argv)
{
    long total = argc > 1 ? atol(argv[1]) : 200000;
    if (total <= 0) total = 200000;
    size_t zl;
    char *z = make_zone(&zl), err[256];
    struct dns_resolver *dns = dns_new();
    if (dns_add_zone_text(dns, z, zl, "spfbench", err, sizeof err) != 0) {
        fprintf(stderr, "spfbench: %s\n", err);
        return 1;
    }
    struct spf_checker *c = spf_checker_new(dns);
    arena *a = arena_new();
    static const char *const ips[] = {NULL, "172.18.9.5", "203.0.113.9", "2001:db8:2::1"};
    static const enum auth_result want[] = {AUTH_PASS, AUTH_PASS, AUTH_FAIL, AUTH_PASS};
    char from[64], ip[32];
    long pass = 0, fail = 0, wrong = 0;
    unsigned terms = 0;
    double t0 = cpu_now();
    for (long j = 0; j < total; j++) {
        int d = (int)(j % DOMAINS), kind = (int)(j / DOMAINS % 4);
        snprintf(from, sizeof from, "user%ld@d%d.bench.example", j % 1000, d);
        snprintf(ip, sizeof ip, "192.0.2.%d", d);
        struct spf_request req = {
            .ip = ips[kind] ? ips[kind] : ip, .helo = "mx.sender.example", .mail_from = from};
        struct spf_result r;
        arena_reset(a);
        spf_check(c, a, &req, &r);
        terms += r.dns_terms;
        if (r.result == AUTH_PASS) pass++;
        if (r.result == AUTH_FAIL) fail++;
        if (r.result != want[kind]) wrong++;
    }
    double el = cpu_now() - t0;
    if (el <= 0) el = 1e-9;
    printf("%ld evaluations in %.3f s CPU: %.0f/s (%ld pass, %ld fail, %.1f DNS terms each)%s\n",
           total, el, (double)total / el, pass, fail, (double)terms / (double)total,
           wrong ? " WRONG VERDICTS" : "");
    spf_checker_free(c);
    arena_free(a);
    dns_free(dns);
    free(z);
    return wrong ? 1 : 0;
}
