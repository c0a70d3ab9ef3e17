/* libFuzzer harness for auth/arc.c: a whole message, its ARC chain validated
 * against a fixed in-memory snapshot holding the public keys of
 * tests/fixtures/arc/keys.zone (hop1..3 RSA-2048, k1024, k512, ed25519), so
 * that seeds made from the fixtures verify and mutations reach every step of
 * RFC 8617 §5.2. Invariants: the result is none, pass or fail, its word is
 * cv; fail has a reason and pass and none have none; none means no ARC
 * field; sets are numbered 1..n_sets <= 50; a pass has every seal and the
 * newest AMS passing and oldest-pass 0 or in 2..n; each set's result words
 * match their codes; the clause starts with "arc=". */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/arc.h"
#include "dns/dns.h"
#include "mail/header.h"

static const char zone[] =
    "s1._domainkey.hop1.example. 300 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC"
    "AQ8AMIIBCgKCAQEAyw29M7DJpu1KemBepDCOq5wpQVZX/DrrbfzfxZGvV7/PopaFKsY7npXX3ftEewIquGIr2x"
    "8t0pMb76jUmsgbTMc3rHkP4AUlL4LE2lp+dkt7ND8uO+FFS0DBBdkIT1pa03+N3kdTGJDdwhAec2N99XlURSZL"
    "tkyWlkl3Vsj5dD9BDSJBRXW+hOTb7c6p\" \"1lW1tuHq78d8eFP2XKMMWTGNRttcWGkE5GkzoRFfLmWgSoQCqwx"
    "zZpB+6h/1L+3T8+mj5ngxvLe+3nz9IOnfrO1D/y2Gcsub3AuiqIIJu6dWFFlUx4PLUwIX5+8PWBDIDbQCfojdp"
    "ph3nDeab+QQVbdpbwIDAQAB\"\n"
    "s2._domainkey.hop2.example. 300 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC"
    "AQ8AMIIBCgKCAQEAqZnY1OdLMuWpHcrWQSJXuytk15wqsDeiqDxO/jdUkTmPt5RZY5dh2CgLhl521kiowohkVh"
    "6lTk/vc7aQ5xaJYPVdGDhdxh8lWLGtTFc065/ftax2+AOEyITtgpIclZyYgprZfVtt4moe+5yjqCzzNkAAjGzV"
    "ZcsFXz0uXie7J9x7OGHteHkPRDygbq/c\" \"jvUZVNNumVfGaClSwLBps5eiNxkaRApctrSQt1JzawWiM/tdLSp"
    "CQdx5iAO2XOvOEZymBUz82ONjXfEIjRhmUBYjgyHuROVM3bj/jnh6uoAgqOsuY04w7c+jwzeWe2eJj/nB8epvh"
    "hQkCesR7GZCA6FU5QIDAQAB\"\n"
    "s3._domainkey.hop3.example. 300 IN TXT \"v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOC"
    "AQ8AMIIBCgKCAQEArxS8xHDXC7CbZw5ppGCrGNCtor/4+XvIh0lCZEQIdudyTJNxl30kdOFcUBvccG9fWR0W4C"
    "tp8tF6daET1pKScjwMrnUYGd1z4fGpzszyPk5mCbRcVRlrhiRP/NLUE1udxxUdTKCBGGKAUsipxZ3WZ+hURibI"
    "Jn1Mn0hwjFPA8wsC88dN/4rRxgvlGUr4\" \"WiLebakT7HJaJJabEUIRjOmaVtbbRorrfp20bXDL7f6c7MhAprT"
    "8d3aJwC8lCFang8I8Fsd4VxNI5LP5mXfv0lnMe40pwujZqU3tNV5oQU2IA25lSu2XJZkK0L0/Bz/ovbpn3W1eS"
    "gi7npYd6Cno9r2+gQIDAQAB\"\n"
    "k1024._domainkey.hop1.example. 300 IN TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA"
    "4GNADCBiQKBgQDQpn3dd6RSm4H7rnOMzZHqF1cJaN46gOwQwnMddykzWpE1rsGJbGCYHGm9pDQNTsVQnmvbPvS"
    "69TDZAnkinE4n59RG0snJSmggPPjHhW0D/L9klthk/rknCrGaD9aw8VX03esjyStquSB42U0Hf8AowbWjlv5Ks"
    "wRAu7r9G2+J3wIDAQAB\"\n"
    "k512._domainkey.hop1.example. 300 IN TXT \"v=DKIM1; k=rsa; p=MFwwDQYJKoZIhvcNAQEBBQADSw"
    "AwSAJBAKvftQ01QRyRNij9+A2AHkA1MkSKqdmqw93YH9EgZcdcmmzEHFKNtBxpUInfGX5JWtRWlNGew5nTCFMp"
    "ZDLsHl8CAwEAAQ==\"\n"
    "ed._domainkey.hop1.example. 300 IN TXT \"v=DKIM1; k=ed25519; p=M5mlKITzGoDJ1ABE3XFMc/9q"
    "2dD7sU5kvTDPVyOZdtc=\"\n";

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
    struct arc_result r;
    dkim_new_message(v); /* a new input, maybe at the same address */
    enum auth_result res = arc_validate(v, a, p, size, &hb, 1749000000, &r);
    if (res != r.result) __builtin_trap();
    if (res != AUTH_NONE && res != AUTH_PASS && res != AUTH_FAIL) __builtin_trap();
    if (strcmp(r.cv, auth_result_name(res)) != 0) __builtin_trap();
    if ((res == AUTH_FAIL) != (r.reason != NULL)) __builtin_trap();
    if ((res == AUTH_NONE) != (r.n_fields == 0)) __builtin_trap();
    if (r.n_sets < 0 || r.n_sets > ARC_MAX_SETS || (r.n_sets > 0) != (r.sets != NULL))
        __builtin_trap();
    if (r.temporary && res != AUTH_FAIL) __builtin_trap();
    for (int k = 0; k < r.n_sets; k++) {
        const struct arc_set *s = &r.sets[k];
        if (s->i != k + 1) __builtin_trap();
        if (strcmp(s->ams_result, auth_result_name(s->ams_code)) != 0 ||
            strcmp(s->as_result, auth_result_name(s->as_code)) != 0)
            __builtin_trap();
        if (s->ams_code != AUTH_PASS && s->ams_code != AUTH_NONE && !s->ams_reason)
            __builtin_trap();
        if (s->as_code != AUTH_PASS && s->as_code != AUTH_NONE && !s->as_reason) __builtin_trap();
        if (res == AUTH_PASS && s->as_code != AUTH_PASS) __builtin_trap();
    }
    if (res == AUTH_PASS) {
        if (r.n_sets < 1 || r.sets[r.n_sets - 1].ams_code != AUTH_PASS) __builtin_trap();
        if (r.oldest_pass != 0 && (r.oldest_pass < 2 || r.oldest_pass > r.n_sets)) __builtin_trap();
    } else if (r.oldest_pass != 0) {
        __builtin_trap();
    }
    if (strncmp(arc_authres_clause(a, &r), "arc=", 4) != 0) __builtin_trap();
    arena_free(a);
    return 0;
}
