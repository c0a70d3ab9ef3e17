/* libFuzzer harness for auth/dkim.c: a whole message, every signature
 * verified against a fixed in-memory snapshot (an RSA-1024 key "rsa", the
 * RFC 8463 ed25519 key "brisbane", a revoked key, a junk key, all under
 * example.com), then the summary and the RFC 8601 clauses. The RSA key's
 * private half is tests/fuzz/dkim-key.pem, to sign new seeds. Invariants:
 * one result per signature field, every result has a reason text, pass
 * only with crypto_ok, clauses start with the method. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "mail/header.h"

static const char zone[] =
    "rsa._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDSE+jCYaflu1MMafMyauAvx29FD692DU4kX40dR51gcowAq8r2qqUs"
    "O5NKvsRXy1GHnlxsvHCJp6rqJozW/QvA011n/FubpjUSs1o0XDMyDdf68P30BUR3yElfxY1rXFtuf5FjEK9VyOiYvYSJ"
    "Rehn44GltEgP/usGvyPPvuXaGQIDAQAB\"\n"
    "brisbane._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
    "revoked._domainkey.example.com. 300 IN TXT \"v=DKIM1; p=\"\n"
    "junk._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjAN\"\n"
    "two._domainkey.example.com. 300 IN TXT \"v=DKIM1; p=\" \"\"\n"
    "two._domainkey.example.com. 300 IN TXT \"k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n";

static struct dns_resolver *dns;
static struct dkim_verifier *v;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dns) {
        char err[256];
        dns = dns_new();
        if (dns_add_zone_text(dns, zone, sizeof zone - 1, "fuzz", err, sizeof err) != 0)
            __builtin_trap();
        v = dkim_verifier_new(dns);
    }
    arena *a = arena_new();
    const char *p = (const char *)data;
    struct hdr_block hb;
    hdr_parse(a, p, size, &hb, NULL);
    size_t nsig = hdr_count(&hb, "DKIM-Signature") + hdr_count(&hb, "DomainKey-Signature");
    struct dkim_input in = {.raw = p,
                            .raw_len = size,
                            .hdr = &hb,
                            .from_domain = "example.com",
                            .at = 1700000000,
                            .at_source = "given"};
    struct dkim_result *r;
    size_t n = dkim_verify(v, a, &in, &r);
    if (n != nsig) __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        if (!r[i].reason_text) __builtin_trap();
        if (r[i].result == AUTH_PASS && (!r[i].crypto_ok || r[i].reason != DKIM_R_OK))
            __builtin_trap();
        if (r[i].result != dkim_reason_result(r[i].reason)) __builtin_trap();
        char *c = dkim_authres_clause(a, &r[i]);
        if (strncmp(c, "dkim=", 5) != 0 && strncmp(c, "domainkeys=", 11) != 0) __builtin_trap();
    }
    struct dkim_summary s;
    dkim_summarize(a, r, n, &s);
    if (!s.text) __builtin_trap();
    arena_free(a);
    return 0;
}
