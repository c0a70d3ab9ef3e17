/* Unit tests for auth/dkim.c: body canonicalisation (RFC 6376 §3.4.5's
 * example, worked by hand), the reason vocabulary and its result words, the
 * judgement of signatures that fail before any cryptography (syntax, DNS
 * outcomes, key records), the From relation and the RFC 8601 clause.
 * Signatures that verify are tested end to end against fixtures made by
 * independent signers (tests/e2e/dkim.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "auth/dkim.h"
#include "dns/dns.h"
#include "mail/header.h"
#include "util/buf.h"

static void canon_eq(enum dkim_canon c, const char *in, const char *want)
{
    struct buf b;
    buf_init(&b, 0);
    dkim_body_canon(&b, c, in, strlen(in));
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(b.p, want, b.len);
    buf_free(&b);
}

static void test_body_canon_rfc_example(void **state)
{
    (void)state;
    /* RFC 6376 §3.4.5: body " C \r\nD \t E\r\n\r\n\r\n" */
    const char *body = " C \r\nD \t E\r\n\r\n\r\n";
    canon_eq(DKIM_CANON_RELAXED, body, " C\r\nD E\r\n");
    canon_eq(DKIM_CANON_SIMPLE, body, " C \r\nD \t E\r\n");
}

static void test_body_canon_lf_and_edges(void **state)
{
    (void)state;
    /* bare LF read as CRLF; the same text either way */
    canon_eq(DKIM_CANON_SIMPLE, "a\nb\n\n", "a\r\nb\r\n");
    canon_eq(DKIM_CANON_RELAXED, "a \nb\t\n", "a\r\nb\r\n");
    /* empty body: simple is one CRLF, relaxed is nothing (RFC 6376 §3.4.3/§3.4.4) */
    canon_eq(DKIM_CANON_SIMPLE, "", "\r\n");
    canon_eq(DKIM_CANON_RELAXED, "", "");
    canon_eq(DKIM_CANON_SIMPLE, "\r\n\r\n", "\r\n");
    canon_eq(DKIM_CANON_RELAXED, " \r\n\t\r\n", "");
    /* a last line without its line end gets one */
    canon_eq(DKIM_CANON_SIMPLE, "x", "x\r\n");
    canon_eq(DKIM_CANON_RELAXED, "x  y  ", "x y\r\n");
    /* a lone CR inside a line is content, not a line end */
    canon_eq(DKIM_CANON_SIMPLE, "a\rb\r\n", "a\rb\r\n");
    /* empty lines in the middle are kept, only the trailing ones go */
    canon_eq(DKIM_CANON_RELAXED, "a\r\n\r\n \r\nb\r\n\r\n", "a\r\n\r\n\r\nb\r\n");
}

/* Relaxed body canonicalisation, straight from RFC 6376 section 3.4.4, one
 * line: WSP runs become one SP, WSP at the end goes. The reference for the
 * verifier's word-at-a-time fast path. */
static size_t ref_relaxed_line(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (in[i] == ' ' || in[i] == '\t') {
            size_t j = i;
            while (j < n && (in[j] == ' ' || in[j] == '\t'))
                j++;
            if (j < n) out[o++] = ' ';
            i = j;
        } else {
            out[o++] = in[i++];
        }
    }
    return o;
}

static void test_body_canon_relaxed_random(void **state)
{
    (void)state;
    static const char alphabet[] = {' ', '\t', 'a', 'b', ' ', 'x'};
    unsigned seed = 12345;
    struct buf b;
    buf_init(&b, 0);
    for (int round = 0; round < 20000; round++) {
        char line[64], want[80];
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % 40;
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            line[i] = alphabet[(seed >> 16) % sizeof alphabet];
        }
        line[n] = '\n';
        size_t w = ref_relaxed_line(line, n, want);
        dkim_body_canon(&b, DKIM_CANON_RELAXED, line, n + 1);
        if (w == 0) {
            assert_int_equal(b.len, 0); /* an empty line at the end is dropped */
        } else {
            want[w++] = '\r';
            want[w++] = '\n';
            assert_int_equal(b.len, w);
            assert_memory_equal(b.p, want, w);
        }
    }
    buf_free(&b);
}

/* Random bodies: whenever the in-place check says a body is canonical, its
 * kept prefix must be exactly what dkim_body_canon builds. */
static void test_body_in_place_random(void **state)
{
    (void)state;
    static const char *const pieces[] = {"a", "b", " ", "\t", "\r\n", "\r\n", "\n", "\r", "xy"};
    unsigned seed = 777;
    struct buf b;
    buf_init(&b, 0);
    int in_place[2] = {0, 0};
    for (int round = 0; round < 40000; round++) {
        char body[200];
        size_t n = 0;
        seed = seed * 1103515245u + 12345u;
        size_t k = (seed >> 16) % 30;
        for (size_t i = 0; i < k; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *pc = pieces[(seed >> 16) % 9];
            memcpy(body + n, pc, strlen(pc));
            n += strlen(pc);
        }
        if (round % 2) { /* most real bodies end with CRLF */
            memcpy(body + n, "\r\n", 2);
            n += 2;
        }
        for (int c = 0; c < 2; c++) {
            size_t keep;
            if (!dkim_body_in_place(body, n, (enum dkim_canon)c, &keep)) continue;
            in_place[c]++;
            dkim_body_canon(&b, (enum dkim_canon)c, body, n);
            assert_int_equal(keep, b.len);
            assert_memory_equal(body, b.p, keep);
        }
    }
    /* the fast path was exercised for both canonicalisations */
    assert_true(in_place[0] > 1000);
    assert_true(in_place[1] > 1000);
    /* and it refuses what must be rewritten */
    size_t keep;
    assert_false(dkim_body_in_place("a\nb\r\n", 5, DKIM_CANON_SIMPLE, &keep));
    assert_false(dkim_body_in_place("a  b\r\n", 6, DKIM_CANON_RELAXED, &keep));
    assert_true(dkim_body_in_place("a  b\r\n", 6, DKIM_CANON_SIMPLE, &keep));
    assert_false(dkim_body_in_place("a \r\n", 5, DKIM_CANON_RELAXED, &keep));
    assert_false(dkim_body_in_place("a\tb\r\n", 5, DKIM_CANON_RELAXED, &keep));
    assert_false(dkim_body_in_place("ab", 2, DKIM_CANON_SIMPLE, &keep));
    buf_free(&b);
}

static void test_reasons(void **state)
{
    (void)state;
    assert_int_equal(dkim_reason_result(DKIM_R_OK), AUTH_PASS);
    assert_int_equal(dkim_reason_result(DKIM_R_BODY_HASH), AUTH_FAIL);
    assert_int_equal(dkim_reason_result(DKIM_R_SIGNATURE), AUTH_FAIL);
    assert_int_equal(dkim_reason_result(DKIM_R_KEY_TOO_SHORT), AUTH_POLICY);
    assert_int_equal(dkim_reason_result(DKIM_R_RSA_SHA1), AUTH_POLICY);
    assert_int_equal(dkim_reason_result(DKIM_R_EXPIRED), AUTH_POLICY);
    assert_int_equal(dkim_reason_result(DKIM_R_NO_DNS), AUTH_TEMPERROR);
    assert_int_equal(dkim_reason_result(DKIM_R_DNS_TEMP), AUTH_TEMPERROR);
    assert_int_equal(dkim_reason_result(DKIM_R_KEY_NOT_FOUND), AUTH_PERMERROR);
    assert_int_equal(dkim_reason_result(DKIM_R_PRESTANDARD), AUTH_NEUTRAL);
    assert_string_equal(dkim_reason_text(DKIM_R_BODY_HASH), "body hash mismatch");
    /* every non-pass reason has a text, and texts are unique */
    for (int i = 1; i < DKIM_R__COUNT; i++) {
        assert_true(strlen(dkim_reason_text((enum dkim_reason)i)) > 0);
        assert_int_not_equal(dkim_reason_result((enum dkim_reason)i), AUTH_PASS);
        for (int k = 1; k < i; k++)
            assert_string_not_equal(dkim_reason_text((enum dkim_reason)i),
                                    dkim_reason_text((enum dkim_reason)k));
    }
}

/* Verify the single signature of `msg` with snapshot `zone` (NULL: no DNS). */
static struct dkim_result one(arena *a, struct dkim_verifier *v, const char *msg)
{
    struct hdr_block hb;
    hdr_parse(a, msg, strlen(msg), &hb, NULL);
    struct dkim_input in = {.raw = msg,
                            .raw_len = strlen(msg),
                            .hdr = &hb,
                            .from_domain = "example.com",
                            .at = 1700000000,
                            .at_source = "given"};
    struct dkim_result *r;
    size_t n = dkim_verify(v, a, &in, &r);
    assert_int_equal(n, 1);
    return r[0];
}

#define SIG_HEAD "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com;\r\n s=sel; "
#define SIG_TAIL                                                                                   \
    "h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n b=AAAA\r\n"              \
    "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n"

static void expect(arena *a, struct dkim_verifier *v, const char *msg, enum auth_result res,
                   const char *reason)
{
    struct dkim_result r = one(a, v, msg);
    assert_string_equal(auth_result_name(r.result), auth_result_name(res));
    assert_string_equal(r.reason_text, reason);
}

static void test_before_crypto(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_verifier *nodns = dkim_verifier_new(NULL);
    /* no DNS source at all */
    expect(a, nodns, SIG_HEAD SIG_TAIL, AUTH_TEMPERROR, "no DNS source");
    /* the signature's own faults come before any lookup */
    expect(a, nodns,
           "DKIM-Signature: v=1; a=rsa-sha512; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n"
           "From: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "unsupported algorithm rsa-sha512");
    expect(a, nodns,
           "DKIM-Signature: a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=AAAA\r\n"
           "From: a@example.com\r\n\r\nx\r\n",
           AUTH_NEUTRAL, "pre-standard signature");
    expect(a, nodns,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=subject; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "From not signed");
    expect(a, nodns,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=AAAA\r\n"
           "From: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "missing tag bh");
    expect(a, nodns,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; "
           "i=@evil.test; b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "i= not within d=");
    expect(a, nodns,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; l=-5; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "syntax error in tag l");

    /* key records from a snapshot */
    struct dns_resolver *dns = dns_new();
    static const char zone[] =
        "revoked._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; p=\"\n"
        "ed._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=ed25519; "
        "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
        "junk._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; p=aGVsbG8gd29ybGQ=\"\n"
        "sha1only._domainkey.example.com. 300 IN TXT \"v=DKIM1; h=sha1; p=aGVsbG8=\"\n"
        "other._domainkey.example.com. 300 IN TXT \"v=DKIM1; s=other; p=aGVsbG8=\"\n"
        "nodata._domainkey.example.com. 300 IN A 192.0.2.1\n";
    char err[256];
    assert_int_equal(dns_add_zone_text(dns, zone, sizeof zone - 1, "test", err, sizeof err), 0);
    struct dkim_verifier *v = dkim_verifier_new(dns);
    expect(a, v, SIG_HEAD SIG_TAIL, AUTH_PERMERROR, "key not found"); /* sel: NXDOMAIN */
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=nodata; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "key not found");
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=revoked; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "key revoked");
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=ed; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "unsupported key type");
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=junk; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "key is not a public key");
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sha1only; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "key restricts hash");
    expect(a, v,
           "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=other; h=from; bh=AAAA; "
           "b=AAAA\r\nFrom: a@example.com\r\n\r\nx\r\n",
           AUTH_PERMERROR, "key restricts service");
    /* an ed25519 key and signature whose body hash is wrong: fail, with the
     * key's size measured (256 bits) */
    struct dkim_result r =
        one(a, v,
            "DKIM-Signature: v=1; a=ed25519-sha256; d=example.com; s=ed; h=from; "
            "bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=; b=AAAA\r\n"
            "From: a@example.com\r\n\r\nnot empty\r\n");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.reason_text, "body hash mismatch");
    assert_int_equal(r.key_bits, 256);
    assert_string_equal(r.key_type, "ed25519");
    assert_int_equal(r.key_source, DNS_SRC_SNAPSHOT);
    dkim_verifier_free(v);
    dns_free(dns);
    dkim_verifier_free(nodns);
    arena_free(a);
}

static void test_footer_diagnosis(void **state)
{
    (void)state;
    /* bh= is SHA-256 of the relaxed body "Hello\r\n" (sha256 of "Hello\r\n",
     * base64, computed independently with `printf 'Hello\r\n' | openssl dgst
     * -sha256 -binary | base64`); two lines were appended since. */
    arena *a = arena_new();
    struct dns_resolver *dns = dns_new();
    static const char zone[] = "ed._domainkey.example.com. IN TXT \"v=DKIM1; k=ed25519; "
                               "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n";
    char err[256];
    assert_int_equal(dns_add_zone_text(dns, zone, sizeof zone - 1, "t", err, sizeof err), 0);
    struct dkim_verifier *v = dkim_verifier_new(dns);
    struct dkim_result r =
        one(a, v,
            "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed;"
            " h=from; bh=Ba3gj8+xBPQLJTahTfzW6RbWQ/XPgESxkCi2B66PSQg=; b=AAAA\r\n"
            "From: a@example.com\r\n\r\nHello\r\n--\r\nfooter\r\n");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.reason_text, "body hash mismatch");
    assert_non_null(r.detail);
    assert_non_null(strstr(r.detail, "without its last 12 bytes (2 lines)"));
    dkim_verifier_free(v);
    dns_free(dns);
    arena_free(a);
}

static void test_from_relation_and_clause(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_verifier *nodns = dkim_verifier_new(NULL);
    struct hdr_block hb;
    const char *msg =
        "DKIM-Signature: v=1; a=rsa-sha256; d=mail.example.com; s=s1; h=from; bh=AAAA; b=AAAA\r\n"
        "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1; h=from; bh=AAAA; b=AAAA\r\n"
        "DKIM-Signature: v=1; a=rsa-sha256; d=esp.test; s=s1; h=from; bh=AAAA; b=AAAA\r\n"
        "DomainKey-Signature: a=rsa-sha1; q=dns; c=nofws; d=example.com; s=old; b=AAAA\r\n"
        "From: a@news.example.com\r\n\r\nx\r\n";
    hdr_parse(a, msg, strlen(msg), &hb, NULL);
    struct dkim_input in = {.raw = msg,
                            .raw_len = strlen(msg),
                            .hdr = &hb,
                            .from_domain = "news.example.com",
                            .at = 0,
                            .at_source = "now"};
    struct dkim_result *r;
    size_t n = dkim_verify(nodns, a, &in, &r);
    assert_int_equal(n, 4);
    assert_int_equal(r[0].from_rel, DKIM_FROM_NONE); /* sibling, not parent */
    assert_int_equal(r[1].from_rel, DKIM_FROM_PARENT);
    assert_int_equal(r[2].from_rel, DKIM_FROM_NONE);
    assert_true(r[3].legacy);
    assert_int_equal(r[3].result, AUTH_NEUTRAL);
    assert_string_equal(r[3].selector, "old");
    assert_string_equal(dkim_authres_clause(a, &r[1]),
                        "dkim=temperror (no DNS source) header.d=example.com header.s=s1 "
                        "header.a=rsa-sha256");
    assert_string_equal(dkim_authres_clause(a, &r[3]),
                        "domainkeys=neutral (legacy DomainKeys signature) header.d=example.com "
                        "header.s=old header.a=rsa-sha1");
    struct dkim_summary s;
    dkim_summarize(a, r, n, &s);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.n_pass, 0);
    assert_string_equal(s.text, "3 signatures: mail.example.com temperror, example.com temperror "
                                "(From domain), esp.test temperror");
    dkim_verifier_free(nodns);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_body_canon_rfc_example),
        cmocka_unit_test(test_body_canon_lf_and_edges),
        cmocka_unit_test(test_body_canon_relaxed_random),
        cmocka_unit_test(test_body_in_place_random),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_before_crypto),
        cmocka_unit_test(test_footer_diagnosis),
        cmocka_unit_test(test_from_relation_and_clause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
