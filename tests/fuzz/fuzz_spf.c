/* libFuzzer harness for auth/spf.c: the input is SPF record text. Its lines
 * (LF-separated, any bytes, at most FUZZ_MAX_LINES) become TXT records:
 * line 0 at example.com (the MAIL FROM domain), 1 at inc.example.com, 2 at
 * red.example.com, 3 at exp.example.com, then round again (a second record
 * at a name makes it "2 SPF records" or a second explanation). A fixed zone
 * adds addresses, MX, PTR and a timeout for the mechanisms to find. Each
 * input is checked for an IPv4 client, an IPv6 client and a loopback one,
 * the MAIL FROM identity and both identities together, each twice (the
 * second from the compiled-record cache).
 * Invariants (__builtin_trap): results in range; a problem text exactly for
 * none/temperror/permerror; a mechanism only for pass/fail/softfail/neutral,
 * and one that is written in the record; an explanation only for fail and
 * within SPF_MAX_EXPLANATION; at most 11 DNS terms and 3 void lookups (the
 * one over the limit counts); Received-SPF starts with the result; never
 * "libspf2 cannot take this record" or an internal error (our syntax check
 * let through what libspf2 refuses); the cached run equals the first. And
 * libspf2 never aborts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"

#define FUZZ_MAX_LINES 12
#define FUZZ_MAX_INPUT 16384

static const char fixed_zone[] =
    "example.com.          A 192.0.2.1\n"
    "example.com.          AAAA 2001:db8::1\n"
    "example.com.          MX 10 mx.example.com.\n"
    "mx.example.com.       A 192.0.2.2\n"
    "mx.example.com.       AAAA 2001:db8::2\n"
    "1.2.0.192.in-addr.arpa. PTR mx.example.com.\n"
    "1.2.0.192.in-addr.arpa. PTR example.com.\n"
    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa. PTR example.com.\n"
    "1.2.0.192.bl.example.com. A 127.0.0.2\n"
    "a.b.c.d.x.example.com. A 127.0.0.2\n"
    "cname.example.com.    CNAME example.com.\n"
    "loop.example.com.     CNAME loop.example.com.\n"
    "none.example.com.     A 192.0.2.9\n";

static const char *const names[] = {"example.com", "inc.example.com", "red.example.com",
                                    "exp.example.com"};

static void put_record(char *z, size_t *n, size_t cap, const char *name, const uint8_t *p,
                       size_t len)
{
    *n += (size_t)snprintf(z + *n, cap - *n, "%s. TXT \"", name);
    for (size_t i = 0; i < len; i++) {
        if (i && i % 255 == 0) *n += (size_t)snprintf(z + *n, cap - *n, "\" \"");
        uint8_t c = p[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
            *n += (size_t)snprintf(z + *n, cap - *n, "\\%03u", c);
        else
            z[(*n)++] = (char)c;
    }
    *n += (size_t)snprintf(z + *n, cap - *n, "\"\n");
}

static bool same(const char *x, const char *y)
{
    return (!x && !y) || (x && y && strcmp(x, y) == 0);
}

static void invariants(const struct spf_result *r)
{
    if ((unsigned)r->result > AUTH_PERMERROR) __builtin_trap();
    bool error =
        r->result == AUTH_NONE || r->result == AUTH_TEMPERROR || r->result == AUTH_PERMERROR;
    if (error != (r->problem != NULL)) __builtin_trap();
    if (r->mechanism && (error || r->result == AUTH_POLICY)) __builtin_trap();
    if (r->mechanism && (!r->record || !strstr(r->record, r->mechanism))) __builtin_trap();
    if (r->explanation && (r->result != AUTH_FAIL || strlen(r->explanation) > SPF_MAX_EXPLANATION))
        __builtin_trap();
    if (r->dns_terms > SPF_MAX_DNS_TERMS + 1 || r->void_lookups > SPF_MAX_VOID + 1)
        __builtin_trap();
    if (!r->comment || !r->received_spf || strncmp(r->received_spf, "Received-SPF: ", 14) != 0)
        __builtin_trap();
    const char *word = auth_result_name(r->result);
    if (strncmp(r->received_spf + 14, word, strlen(word)) != 0) __builtin_trap();
    if (!error && !r->record) __builtin_trap();
    if (r->problem &&
        (strstr(r->problem, "cannot take this record") || strstr(r->problem, "internal error")))
        __builtin_trap();
}

static void check_twice(struct spf_checker *c, arena *a, const struct spf_request *req)
{
    struct spf_result r1, r2;
    spf_check(c, a, req, &r1);
    invariants(&r1);
    spf_check(c, a, req, &r2);
    invariants(&r2);
    if (r1.result != r2.result || !same(r1.mechanism, r2.mechanism) ||
        !same(r1.problem, r2.problem) || !same(r1.explanation, r2.explanation) ||
        r1.dns_terms != r2.dns_terms || r1.void_lookups != r2.void_lookups)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT) return 0;
    size_t cap = sizeof fixed_zone + size * 4 + FUZZ_MAX_LINES * 128 + size / 255 * 4 + 64;
    char *z = malloc(cap);
    if (!z) return 0;
    size_t n = 0;
    memcpy(z, fixed_zone, sizeof fixed_zone - 1);
    n = sizeof fixed_zone - 1;
    size_t line = 0;
    for (size_t i = 0; i <= size && line < FUZZ_MAX_LINES;) {
        const uint8_t *nl = i < size ? memchr(data + i, '\n', size - i) : NULL;
        size_t end = nl ? (size_t)(nl - data) : size;
        put_record(z, &n, cap, names[line % 4], data + i, end - i);
        line++;
        i = end + 1;
    }
    struct dns_resolver *dns = dns_new();
    char err[256];
    if (dns_add_zone_text(dns, z, n, "fuzz", err, sizeof err) != 0) __builtin_trap();
    /* a timeout for the harness's records to run into */
    struct dns_answer ans = {
        .rcode = DNS_TEMPFAIL, .qname = "tmp.example.com", .qtype = DNS_T_A, .error = "timeout"};
    dns_add_cached(dns, &ans);
    ans.qtype = DNS_T_TXT;
    dns_add_cached(dns, &ans);
    struct spf_checker *c = spf_checker_new(dns);
    arena *a = arena_new();
    static const char *const ips[] = {"192.0.2.1", "2001:db8::1", "127.0.0.1"};
    for (size_t k = 0; k < 3; k++) {
        struct spf_request req = {.ip = ips[k],
                                  .helo = "mx.example.com",
                                  .mail_from = "a.b-c+d@example.com",
                                  .now = 1700000000};
        check_twice(c, a, &req);
    }
    struct spf_request req = {.ip = "192.0.2.1", .helo = "example.com", .mail_from = ""};
    struct spf_result h, m;
    spf_check_both(c, a, &req, &h, &m);
    invariants(&h);
    invariants(&m);
    if (h.result != m.result) __builtin_trap();
    spf_checker_free(c);
    arena_free(a);
    dns_free(dns);
    free(z);
    return 0;
}
