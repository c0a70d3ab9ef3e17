/* Unit tests for auth/arc.c (RFC 8617 chain validation).
 *
 * Signed cases come from tests/fixtures/arc/, made by an independent signer
 * (dkimpy's ARC signer, tests/fixtures/arc/make-fixtures.py); their expected
 * verdicts (expected.tsv) were written from how each was built. Structure
 * and syntax cases are built here from text: they need no signature, because
 * RFC 8617 §5.2 fails them before any cryptography, or their per-set reason
 * is decided at parse time. Tests run from the repository root (or $TOP). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "dns/dns.h"
#include "mail/header.h"

#define T0 1748944800 /* make-fixtures.py: the signing times are T0 + 60 * hop */

static struct dns_resolver *dns;
static struct dkim_verifier *ver;

static const char *fixture_path(char *buf, size_t n, const char *name)
{
    const char *top = getenv("TOP");
    snprintf(buf, n, "%s/tests/fixtures/arc/%s", top ? top : ".", name);
    return buf;
}

static char *load(arena *a, const char *name, size_t *len)
{
    char path[1024];
    FILE *f = fopen(fixture_path(path, sizeof path, name), "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    size_t cap = 1 << 20;
    char *buf = arena_alloc(a, cap);
    *len = fread(buf, 1, cap, f);
    fclose(f);
    /* exact-size copy so that sanitizers see reads past the end */
    return arena_memdup(a, buf, *len ? *len : 1);
}

static int setup(void **state)
{
    (void)state;
    char path[1024], err[512];
    dns = dns_new();
    if (dns_add_zonefile(dns, fixture_path(path, sizeof path, "keys.zone"), err, sizeof err) != 0)
        fail_msg("%s", err);
    ver = dkim_verifier_new(dns);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dkim_verifier_free(ver);
    dns_free(dns);
    return 0;
}

/* Validate (p,len) as a message; the hdr_block lives in a. */
static enum auth_result run(arena *a, const char *p, size_t len, struct arc_result *r)
{
    char *copy = arena_memdup(a, p, len ? len : 1);
    struct hdr_block *hb = arena_alloc(a, sizeof *hb);
    hdr_parse(a, copy, len, hb, NULL);
    dkim_new_message(ver);
    return arc_validate(ver, a, copy, len, hb, T0 + 3600, r);
}

static enum auth_result run_str(arena *a, const char *s, struct arc_result *r)
{
    return run(a, s, strlen(s), r);
}

static enum auth_result run_fixture(arena *a, const char *name, struct arc_result *r)
{
    size_t len;
    char *p = load(a, name, &len);
    return run(a, p, len, r);
}

/* ---- every fixture against expected.tsv ---- */

static void test_fixtures_expected(void **state)
{
    (void)state;
    char path[1024];
    FILE *f = fopen(fixture_path(path, sizeof path, "expected.tsv"), "r");
    if (!f) fail_msg("cannot open %s", path);
    char line[2048];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        line[strcspn(line, "\r\n")] = 0;
        char *fields[5] = {0};
        char *p = line;
        for (int k = 0; k < 5; k++) {
            fields[k] = p;
            char *tab = p ? strchr(p, '\t') : NULL;
            if (tab) *tab = 0;
            p = tab ? tab + 1 : NULL;
        }
        assert_non_null(fields[3]);
        arena *a = arena_new();
        struct arc_result r;
        run_fixture(a, fields[0], &r);
        const char *want_reason = fields[4] && *fields[4] ? fields[4] : NULL;
        if (strcmp(r.cv, fields[1]) != 0 || r.n_sets != atoi(fields[2]) ||
            r.oldest_pass != atoi(fields[3]) ||
            (want_reason ? !r.reason || strcmp(r.reason, want_reason) != 0 : r.reason != NULL))
            fail_msg("%s: got %s sets=%d oldest=%d reason=%s; want %s sets=%s oldest=%s "
                     "reason=%s",
                     fields[0], r.cv, r.n_sets, r.oldest_pass, r.reason ? r.reason : "-", fields[1],
                     fields[2], fields[3], want_reason ? want_reason : "-");
        assert_false(r.temporary);
        arena_free(a);
        n++;
    }
    fclose(f);
    assert_int_equal(n, 24);
}

/* ---- what a passing chain reports ---- */

static void test_pass_2hop_details(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    assert_int_equal(run_fixture(a, "pass-2hop.eml", &r), AUTH_PASS);
    assert_string_equal(r.cv, "pass");
    assert_int_equal(r.n_sets, 2);
    assert_int_equal(r.oldest_pass, 0);
    assert_int_equal(r.n_fields, 6);
    assert_true(r.sealed_at == T0 + 120);
    assert_null(r.reason);
    for (int k = 0; k < 2; k++) {
        const struct arc_set *s = &r.sets[k];
        char dom[32], sel[16], id[32];
        snprintf(dom, sizeof dom, "hop%d.example", k + 1);
        snprintf(sel, sizeof sel, "s%d", k + 1);
        snprintf(id, sizeof id, "hop%d.example", k + 1);
        assert_int_equal(s->i, k + 1);
        assert_int_equal(s->n_aar + s->n_ams + s->n_as, 3);
        assert_string_equal(s->ams_result, "pass");
        assert_string_equal(s->as_result, "pass");
        assert_int_equal(s->ams_code, AUTH_PASS);
        assert_int_equal(s->as_code, AUTH_PASS);
        assert_null(s->ams_reason);
        assert_null(s->as_reason);
        assert_null(s->reason);
        assert_string_equal(s->ams_domain, dom);
        assert_string_equal(s->as_domain, dom);
        assert_string_equal(s->ams_selector, sel);
        assert_string_equal(s->as_selector, sel);
        assert_string_equal(s->ams_algorithm, "rsa-sha256");
        assert_string_equal(s->as_algorithm, "rsa-sha256");
        assert_string_equal(s->ams_canon, "relaxed/relaxed");
        /* h= names trimmed of folding, case as written */
        assert_string_equal(s->ams_headers,
                            "from:to:subject:date:message-id:mime-version:content-type:from");
        assert_string_equal(s->cv, k == 0 ? "none" : "pass");
        assert_int_equal(s->ams_key_bits, 2048);
        assert_int_equal(s->as_key_bits, 2048);
        assert_string_equal(s->as_key_type, "rsa");
        assert_true(s->as_has_t && s->as_t == T0 + 60 * (k + 1));
        assert_true(s->ams_has_t && s->ams_t == T0 + 60 * (k + 1));
        assert_false(s->ams_has_x);
        assert_false(s->ams_has_l);
        assert_string_equal(s->aar_authserv_id, id);
    }
    assert_string_equal(r.sets[0].aar_results, "spf=pass smtp.mailfrom=origin.example");
    assert_string_equal(r.sets[0].aar_raw,
                        "i=1; hop1.example; spf=pass smtp.mailfrom=origin.example");
    /* the raw value keeps its folding; the results text is unfolded */
    assert_string_equal(r.sets[1].aar_raw,
                        "i=2; hop2.example; spf=pass smtp.mailfrom=origin.example;\r\n  arc=pass");
    assert_string_equal(r.sets[1].aar_results, "spf=pass smtp.mailfrom=origin.example;  arc=pass");
    assert_string_equal(arc_authres_clause(a, &r), "arc=pass (i=2)");
    /* the same again: key cache and body cache give the same answer */
    struct arc_result r2;
    assert_int_equal(run_fixture(a, "pass-2hop.eml", &r2), AUTH_PASS);
    assert_int_equal(r2.sets[1].as_key_bits, 2048);
    arena_free(a);
}

/* A list added a footer after validating: AMS(1) broke, the chain holds. */
static void test_oldest_pass(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    assert_int_equal(run_fixture(a, "body-modified-hop2.eml", &r), AUTH_PASS);
    assert_int_equal(r.oldest_pass, 2);
    assert_string_equal(r.sets[0].ams_result, "fail");
    assert_string_equal(r.sets[0].ams_reason, "AMS i=1 body hash mismatch");
    assert_string_equal(r.sets[0].reason, "AMS i=1 body hash mismatch");
    assert_string_equal(r.sets[0].as_result, "pass");
    assert_string_equal(r.sets[1].ams_result, "pass");
    assert_string_equal(arc_authres_clause(a, &r), "arc=pass (i=2, oldest-pass=2)");

    assert_int_equal(run_fixture(a, "body-modified-hop3.eml", &r), AUTH_PASS);
    assert_int_equal(r.oldest_pass, 3);
    assert_string_equal(r.sets[0].ams_result, "fail");
    assert_string_equal(r.sets[1].ams_result, "fail");
    assert_string_equal(r.sets[2].ams_result, "pass");

    /* oldest-pass is the first break from the top: 1 broken, 2 and 3 fine */
    assert_int_equal(run_fixture(a, "body-modified-hop2-3hop.eml", &r), AUTH_PASS);
    assert_int_equal(r.oldest_pass, 2);
    arena_free(a);
}

static void test_failures_per_set(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    /* RFC 8617 §5.1.2: a sealer that found the chain failed signs its own
     * set only; its seal verifies, the chain fails on its cv=fail */
    assert_int_equal(run_fixture(a, "cv-fail-hop2.eml", &r), AUTH_FAIL);
    assert_string_equal(r.sets[1].cv, "fail");
    assert_string_equal(r.sets[1].as_result, "pass");
    assert_string_equal(r.sets[0].ams_result, "fail");
    assert_string_equal(r.sets[1].reason, "cv=fail in AS i=2");
    assert_int_equal(r.oldest_pass, 0);

    /* both seals break when AS(1)'s b= changes: AS(2) signs it */
    assert_int_equal(run_fixture(a, "broken-seal-2hop.eml", &r), AUTH_FAIL);
    assert_string_equal(r.sets[0].as_reason, "AS i=1 signature mismatch");
    assert_string_equal(r.sets[1].as_reason, "AS i=2 signature mismatch");
    assert_string_equal(r.sets[0].ams_result, "pass");

    /* a gap: the sets around it are still looked at */
    assert_int_equal(run_fixture(a, "gap.eml", &r), AUTH_FAIL);
    assert_int_equal(r.n_sets, 3);
    assert_int_equal(r.sets[1].n_aar + r.sets[1].n_ams + r.sets[1].n_as, 0);
    assert_string_equal(r.sets[1].reason, "instance gap: no set i=2 below i=3");
    assert_string_equal(r.sets[0].as_result, "pass");
    assert_string_equal(r.sets[2].ams_result, "pass");
    assert_string_equal(r.sets[2].as_result, "none"); /* cannot be checked without set 2 */

    assert_int_equal(run_fixture(a, "duplicate-instance.eml", &r), AUTH_FAIL);
    assert_int_equal(r.sets[0].n_aar, 2);
    assert_int_equal(r.sets[0].n_ams, 2);
    assert_int_equal(r.sets[0].n_as, 2);
    assert_string_equal(r.sets[0].ams_result, "permerror");

    assert_int_equal(run_fixture(a, "key-missing.eml", &r), AUTH_FAIL);
    assert_string_equal(r.sets[0].ams_result, "permerror");
    assert_string_equal(r.sets[0].as_reason, "key not found for AS i=1 (s=gone, d=hop1.example)");
    assert_string_equal(arc_authres_clause(a, &r),
                        "arc=fail (key not found for AMS i=1 (s=gone, d=hop1.example))");

    assert_int_equal(run_fixture(a, "key-512.eml", &r), AUTH_FAIL);
    assert_string_equal(r.sets[0].ams_result, "policy");
    assert_int_equal(r.sets[0].ams_key_bits, 512);
    assert_string_equal(r.sets[0].as_reason,
                        "AS i=1 key too short (512-bit RSA; RFC 8301 requires 1024)");

    assert_int_equal(run_fixture(a, "key-1024.eml", &r), AUTH_PASS);
    assert_int_equal(r.sets[0].as_key_bits, 1024);

    assert_int_equal(run_fixture(a, "ed25519.eml", &r), AUTH_PASS);
    assert_string_equal(r.sets[0].as_key_type, "ed25519");
    assert_string_equal(r.sets[0].ams_algorithm, "ed25519-sha256");

    assert_int_equal(run_fixture(a, "pass-50hop.eml", &r), AUTH_PASS);
    assert_int_equal(r.n_sets, 50);
    assert_int_equal(r.n_fields, 150);
    arena_free(a);
}

/* Fixtures changed here, in memory. */
static char *replace(arena *a, const char *s, size_t len, const char *from, const char *to,
                     size_t *out_len)
{
    const char *hit = memmem(s, len, from, strlen(from));
    if (!hit) fail_msg("no '%s' in the fixture", from);
    size_t fl = strlen(from), tl = strlen(to), pre = (size_t)(hit - s);
    char *o = arena_alloc(a, len - fl + tl + 1);
    memcpy(o, s, pre);
    memcpy(o + pre, to, tl);
    memcpy(o + pre + tl, hit + fl, len - pre - fl);
    *out_len = len - fl + tl;
    return o;
}

static void test_modified_in_memory(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    size_t len, n2;
    char *p = load(a, "pass-3hop.eml", &len);

    /* bare LF storage: relaxed canonicalisation and the LF reading keep it */
    char *lf = arena_alloc(a, len + 1);
    size_t m = 0;
    for (size_t k = 0; k < len; k++)
        if (!(p[k] == '\r' && k + 1 < len && p[k + 1] == '\n')) lf[m++] = p[k];
    assert_int_equal(run(a, lf, m, &r), AUTH_PASS);
    assert_int_equal(r.n_sets, 3);

    /* the sets in another order: the seal's scope is by instance, not position */
    const char *s3 = strstr(p, "ARC-Seal: i=3");
    const char *s2 = strstr(p, "ARC-Seal: i=2");
    assert_non_null(s3);
    assert_non_null(s2);
    size_t l3 = (size_t)(s2 - s3); /* the whole set 3, ahead of set 2 */
    const char *rest = strstr(s2, "Authentication-Results: hop2.example");
    assert_non_null(rest);
    size_t l2 = (size_t)(rest - s2);
    char *swapped = arena_alloc(a, len);
    size_t o = 0;
    memcpy(swapped + o, p, (size_t)(s3 - p)), o += (size_t)(s3 - p);
    memcpy(swapped + o, s2, l2), o += l2; /* set 2 */
    memcpy(swapped + o, s3, l3), o += l3; /* set 3 */
    memcpy(swapped + o, rest, len - (size_t)(rest - p)), o += len - (size_t)(rest - p);
    assert_int_equal(o, len);
    assert_int_equal(run(a, swapped, len, &r), AUTH_PASS);

    /* a footer after the last seal */
    char *foot = replace(a, p, len, "intermediaries.\r\n", "intermediaries.\r\nfooter\r\n", &n2);
    assert_int_equal(run(a, foot, n2, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "AMS i=3 body hash mismatch");
    assert_string_equal(r.sets[0].ams_reason, "AMS i=1 body hash mismatch");

    /* cv changed in AS(2): AS(2) and AS(3) no longer verify */
    char *cv = replace(a, p, len, "ARC-Seal: i=2; cv=pass", "ARC-Seal: i=2; cv=Pass", &n2);
    assert_int_equal(run(a, cv, n2, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "AS i=3 signature mismatch");
    assert_string_equal(r.sets[1].cv, "pass"); /* ABNF literals compare case-insensitively */

    /* an ARC-Seal signed by the AMS is refused even before any key */
    char *h = replace(a, p, len, "h=from : to :", "h=arc-seal : from : to :", &n2);
    assert_int_equal(run(a, h, n2, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "AMS i=3 signs ARC-Seal (not allowed)");

    /* h= in a seal */
    char *hs =
        replace(a, p, len, "ARC-Seal: i=1; cv=none;", "ARC-Seal: i=1; cv=none; h=from;", &n2);
    assert_int_equal(run(a, hs, n2, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "AS i=3 signature mismatch"); /* AS(3) signs AS(1) too */
    assert_string_equal(r.sets[0].as_reason, "AS i=1 has h= (not allowed in an ARC-Seal)");
    arena_free(a);
}

static void test_no_dns(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_verifier *nodns = dkim_verifier_new(NULL);
    size_t len;
    char *p = load(a, "pass-1hop.eml", &len);
    struct hdr_block hb;
    hdr_parse(a, p, len, &hb, NULL);
    struct arc_result r;
    dkim_new_message(nodns);
    assert_int_equal(arc_validate(nodns, a, p, len, &hb, 0, &r), AUTH_FAIL);
    assert_true(r.temporary);
    assert_string_equal(r.reason, "no DNS source for AMS i=1 (s=s1, d=hop1.example)");
    assert_string_equal(r.sets[0].ams_result, "temperror");
    dkim_verifier_free(nodns);
    arena_free(a);
}

/* ---- structure and syntax, from text ---- */

#define AAR(n) "ARC-Authentication-Results: i=" #n "; mx.example; spf=pass\r\n"
#define AMS(n, tags)                                                                               \
    "ARC-Message-Signature: i=" #n "; a=rsa-sha256; d=x.example; s=s; h=from; bh=AAAA; "           \
    "b=AAAA" tags "\r\n"
#define AS(n, cv, tags)                                                                            \
    "ARC-Seal: i=" #n "; a=rsa-sha256; cv=" cv "; d=x.example; s=s; b=AAAA" tags "\r\n"
#define BODY "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
#define SET1 AAR(1) AMS(1, "") AS(1, "none", "")

struct scase {
    const char *name;
    const char *msg;
    const char *cv;
    const char *reason; /* the chain's; NULL for none/pass */
    int set;            /* 1-based set whose reasons are checked, 0: none */
    const char *ams_reason, *as_reason;
};

static const struct scase scases[] = {
    {"no ARC", BODY, "none", NULL, 0, NULL, NULL},
    {"one set, no key", SET1 BODY, "fail", "key not found for AMS i=1 (s=s, d=x.example)", 1,
     "key not found for AMS i=1 (s=s, d=x.example)", "key not found for AS i=1 (s=s, d=x.example)"},
    {"i=0 AAR", "ARC-Authentication-Results: i=0; mx; none\r\n" SET1 BODY, "fail",
     "ARC-Authentication-Results with instance i=0 (must be 1..50)", 0, NULL, NULL},
    {"AAR without ;",
     "ARC-Authentication-Results: i=1 mx; none\r\n" AMS(1, "") AS(1, "none", "") BODY, "fail",
     "ARC-Authentication-Results without a valid \"i=N;\" instance", 0, NULL, NULL},
    {"AAR i= not first",
     "ARC-Authentication-Results: mx; i=1; none\r\n" AMS(1, "") AS(1, "none", "") BODY, "fail",
     "ARC-Authentication-Results without a valid \"i=N;\" instance", 0, NULL, NULL},
    {"AAR with comments",
     "ARC-Authentication-Results: (c) i (d) = (e) 1 (f) ; mx; none\r\n" AMS(1, "") AS(1, "none", "")
         BODY,
     "fail", "key not found for AMS i=1 (s=s, d=x.example)", 0, NULL, NULL},
    {"i=51 alone", AAR(51) AMS(51, "") AS(51, "pass", "") BODY, "fail",
     "instance i=51 out of range (1..50)", 0, NULL, NULL},
    {"i=100: three digits",
     "ARC-Seal: i=100; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA\r\n" BODY, "fail",
     "ARC-Seal without a valid instance tag i=", 0, NULL, NULL},
    {"AS i= empty", "ARC-Seal: i=; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA\r\n" SET1 BODY,
     "fail", "ARC-Seal without a valid instance tag i=", 0, NULL, NULL},
    {"AMS list broken before i=", "ARC-Message-Signature: a=rsa-sha256; ;; i=1\r\n" BODY, "fail",
     "ARC-Message-Signature without a readable instance (syntax error in tag list)", 0, NULL, NULL},
    {"missing AS", AAR(1) AMS(1, "") BODY, "fail", "missing ARC-Seal for i=1", 0, NULL, NULL},
    {"missing AAR", AMS(1, "") AS(1, "none", "") BODY, "fail",
     "missing ARC-Authentication-Results for i=1", 0, NULL, NULL},
    {"duplicate AMS", AAR(1) AMS(1, "") AMS(1, "; t=1") AS(1, "none", "") BODY, "fail",
     "duplicate ARC-Message-Signature for i=1", 1, "AMS i=1 not checked: 2 fields for i=1", NULL},
    {"gap", SET1 AAR(3) AMS(3, "") AS(3, "pass", "") BODY, "fail",
     "instance gap: no set i=2 below i=3", 0, NULL, NULL},
    {"cv=fail on top wins over structure", AAR(3) AMS(3, "") AS(3, "fail", "") SET1 BODY, "fail",
     "cv=fail in AS i=3", 0, NULL, NULL},
    {"cv=fail below",
     SET1 AAR(2) AMS(2, "") AS(2, "fail", "") AAR(3) AMS(3, "") AS(3, "pass", "") BODY, "fail",
     "cv=fail in AS i=2", 0, NULL, NULL},
    {"cv missing",
     AAR(1) AMS(1, "") "ARC-Seal: i=1; a=rsa-sha256; d=x.example; s=s; b=AAAA\r\n" BODY, "fail",
     "missing tag cv in AS i=1", 1, NULL, "missing tag cv in AS i=1"},
    {"cv bogus", AAR(1) AMS(1, "") AS(1, "maybe", "") BODY, "fail",
     "syntax error in tag cv of AS i=1", 0, NULL, NULL},
    {"cv=PASS at i=1", AAR(1) AMS(1, "") AS(1, "PASS", "") BODY, "fail",
     "i=1 seal has cv=pass (must be none)", 0, NULL, NULL},
    {"cv=none at i=2", SET1 AAR(2) AMS(2, "") AS(2, "none", "") BODY, "fail",
     "AS i=2 has cv=none (must be pass)", 0, NULL, NULL},
    {"AMS without From",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; "
            "h=subject; bh=AAAA; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "AMS i=1 does not sign From", 1, "AMS i=1 does not sign From", NULL},
    {"AMS c= bogus", AAR(1) AMS(1, "; c=fancy/simple") AS(1, "none", "") BODY, "fail",
     "syntax error in tag c of AMS i=1", 0, NULL, NULL},
    {"AMS a= unknown",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-md5; d=x.example; s=s; h=from; "
            "bh=AAAA; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "AMS i=1 unsupported algorithm rsa-md5", 0, NULL, NULL},
    {"AMS a= empty",
     AAR(1) "ARC-Message-Signature: i=1; a=; d=x.example; s=s; h=from; "
            "bh=AAAA; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "syntax error in tag a of AMS i=1", 0, NULL, NULL},
    {"AMS l= not a number", AAR(1) AMS(1, "; l=ten") AS(1, "none", "") BODY, "fail",
     "syntax error in tag l of AMS i=1", 0, NULL, NULL},
    {"AMS x before t", AAR(1) AMS(1, "; t=20; x=10") AS(1, "none", "") BODY, "fail",
     "syntax error in tag x of AMS i=1 (x= before t=)", 0, NULL, NULL},
    {"AMS q= other", AAR(1) AMS(1, "; q=http") AS(1, "none", "") BODY, "fail",
     "AMS i=1 unsupported query method", 0, NULL, NULL},
    {"AMS h= empty name",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; "
            "h=from::to; bh=AAAA; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "syntax error in tag h of AMS i=1", 0, NULL, NULL},
    {"AMS v= and unknown tags ignored",
     AAR(1) AMS(1, "; v=1; foo=bar") AS(1, "none", "; zz=1") BODY, "fail",
     "key not found for AMS i=1 (s=s, d=x.example)", 0, NULL, NULL},
    {"AMS duplicate tag", AAR(1) AMS(1, "; d=y.example") AS(1, "none", "") BODY, "fail",
     "syntax error in tag d of AMS i=1", 0, NULL, NULL},
    {"AMS bad base64",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; "
            "h=from; bh=AAAA; b=AA!A\r\n" AS(1, "none", "") BODY,
     "fail", "syntax error in tag b of AMS i=1", 0, NULL, NULL},
    {"AMS missing bh",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-sha256; d=x.example; s=s; "
            "h=from; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "missing tag bh in AMS i=1", 0, NULL, NULL},
    {"AMS d= not a name",
     AAR(1) "ARC-Message-Signature: i=1; a=rsa-sha256; d=x..example; s=s; "
            "h=from; bh=AAAA; b=AAAA\r\n" AS(1, "none", "") BODY,
     "fail", "syntax error in tag d of AMS i=1", 0, NULL, NULL},
    {"AS h=", AAR(1) AMS(1, "") AS(1, "none", "; h=from") BODY, "fail",
     "key not found for AMS i=1 (s=s, d=x.example)", 1, NULL,
     "AS i=1 has h= (not allowed in an ARC-Seal)"},
    {"AS t= empty", AAR(1) AMS(1, "") AS(1, "none", "; t=") BODY, "fail",
     "key not found for AMS i=1 (s=s, d=x.example)", 1, NULL, "syntax error in tag t of AS i=1"},
    {"AS missing s",
     AAR(1) AMS(1, "") "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=x.example; b=AAAA\r\n" BODY, "fail",
     "key not found for AMS i=1 (s=s, d=x.example)", 1, NULL, "missing tag s in AS i=1"},
    {"AS tag-list without name", AAR(1) AMS(1, "") AS(1, "none", "; =x") BODY, "fail",
     "key not found for AMS i=1 (s=s, d=x.example)", 1, NULL,
     "syntax error in the tag-list of AS i=1"},
};

static void test_structure_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof scases / sizeof scases[0]; k++) {
        const struct scase *c = &scases[k];
        arena *a = arena_new();
        struct arc_result r;
        run_str(a, c->msg, &r);
        if (strcmp(r.cv, c->cv) != 0 ||
            (c->reason ? !r.reason || strcmp(r.reason, c->reason) != 0 : r.reason != NULL))
            fail_msg("%s: got %s (%s), want %s (%s)", c->name, r.cv, r.reason ? r.reason : "-",
                     c->cv, c->reason ? c->reason : "-");
        if (c->set) {
            assert_true(c->set <= r.n_sets);
            const struct arc_set *s = &r.sets[c->set - 1];
            if (c->ams_reason && (!s->ams_reason || strcmp(s->ams_reason, c->ams_reason) != 0))
                fail_msg("%s: AMS reason %s, want %s", c->name, s->ams_reason ? s->ams_reason : "-",
                         c->ams_reason);
            if (c->as_reason && (!s->as_reason || strcmp(s->as_reason, c->as_reason) != 0))
                fail_msg("%s: AS reason %s, want %s", c->name, s->as_reason ? s->as_reason : "-",
                         c->as_reason);
        }
        arena_free(a);
    }
}

/* The AAR: authserv-id as a token or quoted-string, results kept as text. */
static void test_aar_payload(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    run_str(a,
            "ARC-Authentication-Results: i=1; \"mx \\\"one\\\"\" 1; dkim=pass\r\n"
            " header.d=example.com\r\n" AMS(1, "") AS(1, "none", "") BODY,
            &r);
    assert_string_equal(r.sets[0].aar_authserv_id, "mx \"one\"");
    assert_string_equal(r.sets[0].aar_results, "dkim=pass header.d=example.com");
    run_str(a,
            "ARC-Authentication-Results: i=1; mx.example.net; none\r\n" AMS(1, "") AS(1, "none", "")
                BODY,
            &r);
    assert_string_equal(r.sets[0].aar_authserv_id, "mx.example.net");
    assert_string_equal(r.sets[0].aar_results, "none");
    run_str(a, "ARC-Authentication-Results: i=1;\r\n" AMS(1, "") AS(1, "none", "") BODY, &r);
    assert_null(r.sets[0].aar_authserv_id);
    assert_null(r.sets[0].aar_results);
    assert_string_equal(r.sets[0].aar_raw, "i=1;");
    /* the note about DKIM tags that do not belong in a seal */
    run_str(a, AAR(1) AMS(1, "") AS(1, "none", "; bh=AAAA; c=relaxed") BODY, &r);
    assert_non_null(r.sets[0].note);
    assert_non_null(strstr(r.sets[0].note, "bh= c="));
    arena_free(a);
}

/* Ceilings: more than 50 sets, more than ARC_MAX_FIELDS fields, bytes. */
static void test_ceilings(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r;
    char *m = arena_alloc(a, 1 << 20);
    size_t o = 0;
    for (int i = 51; i >= 1; i--)
        o += (size_t)snprintf(m + o, 4096,
                              "ARC-Authentication-Results: i=%d; mx; none\r\n"
                              "ARC-Message-Signature: i=%d; a=rsa-sha256; d=x; s=s; h=from; "
                              "bh=AAAA; b=AAAA\r\n"
                              "ARC-Seal: i=%d; a=rsa-sha256; cv=%s; d=x; s=s; b=AAAA\r\n",
                              i, i, i, i == 1 ? "none" : "pass");
    o += (size_t)snprintf(m + o, 4096, "%s", BODY);
    assert_int_equal(run(a, m, o, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "more than 50 sets (51)");
    assert_int_equal(r.n_sets, 50);
    assert_int_equal(r.n_fields, 153);
    assert_string_equal(r.sets[49].ams_result, "none"); /* nothing verified past the ceiling */

    /* the 50-set fixture with a 51st set on top */
    size_t len;
    char *p50 = load(a, "pass-50hop.eml", &len);
    char *p51 = arena_alloc(a, len + 512);
    int pre = snprintf(p51, 512, "%s%s%s", AAR(51), AMS(51, ""), AS(51, "pass", ""));
    memcpy(p51 + pre, p50, len);
    assert_int_equal(run(a, p51, len + (size_t)pre, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "more than 50 sets (51)");

    o = 0;
    for (int i = 0; i < ARC_MAX_FIELDS + 1; i++)
        o += (size_t)snprintf(m + o, 64, "ARC-Seal: i=1\r\n");
    o += (size_t)snprintf(m + o, 4096, "%s", BODY);
    assert_int_equal(run(a, m, o, &r), AUTH_FAIL);
    assert_string_equal(r.reason, "more than 200 ARC header fields (201)");
    assert_int_equal(r.n_sets, 0);

    /* one huge AAR: over ARC_MAX_BYTES */
    o = (size_t)snprintf(m, 64, "ARC-Authentication-Results: i=1; mx; x=");
    memset(m + o, 'y', ARC_MAX_BYTES);
    o += ARC_MAX_BYTES;
    o += (size_t)snprintf(m + o, 4096, "\r\n%s", BODY);
    assert_int_equal(run(a, m, o, &r), AUTH_FAIL);
    assert_non_null(strstr(r.reason, "ARC header fields too large"));

    /* nothing at all */
    assert_int_equal(run(a, "", 0, &r), AUTH_NONE);
    assert_int_equal(r.n_sets, 0);
    assert_null(r.sets);
    arena_free(a);
}

static void test_clause(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arc_result r = {.result = AUTH_NONE, .cv = "none"};
    assert_string_equal(arc_authres_clause(a, &r), "arc=none");
    r = (struct arc_result){.result = AUTH_PASS, .cv = "pass", .n_sets = 3, .oldest_pass = 2};
    assert_string_equal(arc_authres_clause(a, &r), "arc=pass (i=3, oldest-pass=2)");
    r = (struct arc_result){
        .result = AUTH_FAIL, .cv = "fail", .reason = "AMS i=2 body hash mismatch"};
    assert_string_equal(arc_authres_clause(a, &r), "arc=fail (AMS i=2 body hash mismatch)");
    r.reason = "a (b) c";
    assert_string_equal(arc_authres_clause(a, &r), "arc=fail (a (b) c)");
    r.reason = "a ) b\\\x01";
    assert_string_equal(arc_authres_clause(a, &r), "arc=fail (a ? b\\\\?)");
    r.reason = NULL;
    assert_string_equal(arc_authres_clause(a, &r), "arc=fail");
    arena_free(a);
}

/* Every prefix of a signed message: no crash, a verdict each time. */
static void test_every_prefix(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t len;
    char *p = load(a, "pass-2hop.eml", &len);
    for (size_t k = 0; k <= len; k += 7) {
        arena *b = arena_new();
        struct arc_result r;
        enum auth_result res = run(b, p, k, &r);
        assert_true(res == AUTH_NONE || res == AUTH_PASS || res == AUTH_FAIL);
        assert_true(res != AUTH_FAIL || r.reason);
        assert_true(res != AUTH_PASS || k == len || k > 0);
        arena_free(b);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_expected),  cmocka_unit_test(test_pass_2hop_details),
        cmocka_unit_test(test_oldest_pass),        cmocka_unit_test(test_failures_per_set),
        cmocka_unit_test(test_modified_in_memory), cmocka_unit_test(test_no_dns),
        cmocka_unit_test(test_structure_table),    cmocka_unit_test(test_aar_payload),
        cmocka_unit_test(test_ceilings),           cmocka_unit_test(test_clause),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
