/* Unit tests for auth/requirements.c and auth/claims.c: each bulk-sender
 * requirement's pass/fail/unknown from hand-made inputs, and the receivers'
 * claims against our results with the likely causes of differences. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/claims.h"
#include "auth/requirements.h"

static const struct requirement *find(const struct requirement *r, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(r[i].id, id) == 0) return &r[i];
    fail_msg("no requirement %s", id);
    return NULL;
}

static const char good[] =
    "From: Shop <news@shop.example.com>\r\n"
    "Message-ID: <20250401100002.af23f6.alice@mail.shop.example.com>\r\n"
    "List-Unsubscribe: <mailto:u@shop.example.com>, <https://shop.example.com/u/1>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n\r\nx\r\n";
static const char bad[] = "From: a@gmail.com, b@example.org\r\n"
                          "Message-ID: <no-at-sign>\r\n"
                          "List-Unsubscribe: <mailto:u@example.org>\r\n\r\nx\r\n";

static void test_requirements(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct message m;
    message_parse(a, good, sizeof good - 1, NULL, NULL, &m);
    struct dkim_result d;
    memset(&d, 0, sizeof d);
    d.domain = "shop.example.com";
    d.result = AUTH_PASS;
    d.key_bits = 2048;
    d.key_type = "rsa";
    d.crypto_ok = true;
    struct dmarc_result dm;
    memset(&dm, 0, sizeof dm);
    dm.result = AUTH_PASS;
    dm.record = "v=DMARC1; p=quarantine";
    dm.policy_domain = "shop.example.com";
    dm.dkim_aligned = true;
    struct iprev_result ip = {
        .result = AUTH_PASS, .ip = "198.51.100.23", .confirmed = "mta23.sendwave.example.net"};
    struct envelope env = {.tls = true, .tls_known = true, .received_by = "mx.example"};
    struct req_input in = {.m = &m,
                           .spf = AUTH_PASS,
                           .spf_domain = "em.shop.example.com",
                           .spf_ran = true,
                           .dkim = &d,
                           .n_dkim = 1,
                           .dkim_ran = true,
                           .dmarc = &dm,
                           .iprev = &ip,
                           .env = &env};
    struct requirement *r;
    size_t n = requirements_check(a, &in, &r);
    assert_int_equal(n, 12);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(r[i].status, REQ_PASS);
    assert_string_equal(find(r, n, "dmarc_pass")->evidence, "dmarc=pass (DKIM aligned)");
    assert_string_equal(find(r, n, "ptr_fcrdns")->evidence,
                        "198.51.100.23 -> mta23.sendwave.example.net -> 198.51.100.23");

    /* the bad message, with nothing verified */
    message_parse(a, bad, sizeof bad - 1, NULL, NULL, &m);
    struct req_input in2 = {.m = &m};
    n = requirements_check(a, &in2, &r);
    assert_int_equal(find(r, n, "spf_pass")->status, REQ_UNKNOWN);
    assert_int_equal(find(r, n, "dkim_pass")->status, REQ_UNKNOWN);
    assert_int_equal(find(r, n, "dmarc_record")->status, REQ_UNKNOWN);
    assert_int_equal(find(r, n, "ptr_fcrdns")->status, REQ_UNKNOWN);
    assert_int_equal(find(r, n, "tls")->status, REQ_UNKNOWN);
    assert_int_equal(find(r, n, "one_click_unsubscribe")->status, REQ_FAIL);
    assert_string_equal(find(r, n, "one_click_unsubscribe")->evidence,
                        "List-Unsubscribe has no https URI");
    assert_int_equal(find(r, n, "unsubscribe")->status, REQ_PASS); /* mailto */
    assert_int_equal(find(r, n, "message_id")->status, REQ_FAIL);
    assert_int_equal(find(r, n, "single_from")->status, REQ_FAIL);
    assert_string_equal(find(r, n, "single_from")->evidence, "2 From addresses in 1 field");
    assert_int_equal(find(r, n, "gmail_from")->status, REQ_FAIL);

    /* a 512-bit key that verified fails the key-size requirement */
    d.key_bits = 512;
    d.result = AUTH_POLICY;
    d.reason = DKIM_R_KEY_TOO_SHORT;
    in.m = &m;
    n = requirements_check(a, &in, &r);
    assert_int_equal(find(r, n, "dkim_key_1024")->status, REQ_FAIL);
    assert_int_equal(find(r, n, "dkim_pass")->status, REQ_FAIL);
    arena_free(a);
}

static void test_claims(void **state)
{
    (void)state;
    arena *a = arena_new();
    static const char text[] =
        "Authentication-Results: mx.gseed.example; dkim=pass header.d=shop.example.com "
        "header.s=sw1; dkim=pass header.d=gone.example header.s=old; spf=pass "
        "smtp.mailfrom=b@em.shop.example.com; dmarc=pass header.from=shop.example.com; "
        "bimi=pass\r\n"
        "Received-SPF: pass client-ip=198.51.100.99\r\n"
        "ARC-Authentication-Results: i=1; hop.example; spf=pass\r\n"
        "From: a@shop.example.com\r\n\r\nx\r\n";
    struct hdr_block hb;
    hdr_parse(a, text, sizeof text - 1, &hb, NULL);
    struct arp_claims c;
    arp_parse_all(a, &hb, &c);
    assert_int_equal(c.n, 7);
    struct dkim_result dk[2];
    memset(dk, 0, sizeof dk);
    dk[0].domain = "shop.example.com";
    dk[0].selector = "sw1";
    dk[0].result = AUTH_FAIL;
    dk[0].reason = DKIM_R_BODY_HASH;
    dk[1].domain = "gone.example";
    dk[1].selector = "old";
    dk[1].result = AUTH_PERMERROR;
    dk[1].reason = DKIM_R_KEY_NOT_FOUND;
    struct envelope env = {.ip = "198.51.100.23"};
    struct claims_ours o = {.spf_ran = true,
                            .spf = AUTH_NONE,
                            .dkim = dk,
                            .n_dkim = 2,
                            .dkim_ran = true,
                            .dmarc_ran = true,
                            .dmarc = AUTH_FAIL,
                            .env = &env};
    struct claim_cmp *v;
    size_t n = claims_compare(a, &c, &o, &v);
    assert_int_equal(n, 7);
    /* dkim pass then, body hash mismatch now */
    assert_int_equal(v[0].verdict, CLAIM_DIFFERENT);
    assert_string_equal(v[0].ours, "fail");
    assert_string_equal(v[0].cause, "message body modified after the receiver checked it");
    /* dkim pass then, key not found now */
    assert_string_equal(v[1].ours, "permerror");
    assert_non_null(strstr(v[1].cause, "key removed from DNS since arrival"));
    /* spf pass then, none now (same client IP not stated): record removed */
    assert_string_equal(v[2].cause, "SPF record removed since arrival");
    assert_int_equal(v[3].verdict, CLAIM_DIFFERENT);    /* dmarc */
    assert_int_equal(v[4].verdict, CLAIM_NOT_COMPARED); /* bimi */
    assert_string_equal(v[4].cause, "method bimi is not re-verified");
    /* Received-SPF for another client IP than the one we rebuilt */
    assert_string_equal(v[5].cause,
                        "the receiver checked 198.51.100.99, we rebuilt 198.51.100.23 as the "
                        "client");
    assert_int_equal(v[6].verdict, CLAIM_NOT_COMPARED); /* ARC-Authentication-Results */
    /* the same results now: same */
    dk[0].result = AUTH_PASS;
    o.spf = AUTH_PASS;
    n = claims_compare(a, &c, &o, &v);
    assert_int_equal(v[0].verdict, CLAIM_SAME);
    assert_int_equal(v[2].verdict, CLAIM_SAME);
    /* no DNS now: we lack the answer */
    o.spf = AUTH_TEMPERROR;
    o.spf_reason = "no DNS source";
    n = claims_compare(a, &c, &o, &v);
    assert_string_equal(v[2].cause, "we lack the DNS answer (no DNS source)");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requirements),
        cmocka_unit_test(test_claims),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
