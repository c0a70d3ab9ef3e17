/* Unit tests for check_recommend: the fixes for one message, from
 * verify_result/score_result structs built by hand (each rule, the order
 * by severity then check order, nothing on a clean message, nothing from a
 * check that did not run), the text and JSON output (hostile strings
 * escaped), and one real verification of a sample campaign copy against
 * the sample DNS snapshot (the spam copy's sending IP has no PTR). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/spf.h"
#include "check_recommend.h"
#include "util/jsonparse.h"

static const struct crec *find(const struct crec *v, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].key, key) == 0) return &v[i];
    return NULL;
}

/* A verify_result where everything passes (the clean case). */
static void clean_vr(struct verify_result *vr, struct dkim_result *d, struct requirement *req)
{
    memset(vr, 0, sizeof *vr);
    vr->ran = VERIFY_ALL;
    memset(d, 0, sizeof *d);
    d->domain = "shop.example.com";
    d->selector = "sw1";
    d->result = AUTH_PASS;
    d->reason = DKIM_R_OK;
    d->key_bits = 2048;
    d->key_type = "rsa";
    d->crypto_ok = true;
    vr->dkim = d;
    vr->n_dkim = 1;
    vr->env.ip = "198.51.100.23";
    vr->env.helo = "mta23.sendwave.example.net";
    vr->spf_mailfrom = (struct spf_summary){.ran = true,
                                            .identity = "mailfrom",
                                            .result = AUTH_PASS,
                                            .domain = "em.shop.example.com",
                                            .mechanism = "ip4:198.51.100.0/24"};
    vr->spf_helo = vr->spf_mailfrom;
    vr->dmarc.result = AUTH_PASS;
    vr->dmarc.from_domain = "shop.example.com";
    vr->dmarc.record = "v=DMARC1; p=reject";
    vr->dmarc.policy = "reject";
    vr->dmarc.policy_domain = "shop.example.com";
    vr->dmarc.dkim_aligned = true;
    vr->iprev.result = AUTH_PASS;
    vr->iprev.ip = "198.51.100.23";
    vr->iprev.confirmed = "mta23.sendwave.example.net";
    vr->helo = (struct helo_result){.helo = "mta23.sendwave.example.net",
                                    .fqdn = true,
                                    .resolves = true,
                                    .points_to_ip = true,
                                    .matches_ptr = true,
                                    .dns_ok = true};
    static const char *const ids[] = {"spf_pass",   "dkim_pass",     "dmarc_record",
                                      "dmarc_pass", "unsubscribe",   "one_click_unsubscribe",
                                      "message_id", "single_from",   "ptr_fcrdns",
                                      "tls",        "dkim_key_1024", "gmail_from"};
    for (size_t i = 0; i < 12; i++)
        req[i] = (struct requirement){
            .id = ids[i], .title = ids[i], .status = REQ_PASS, .evidence = "ok"};
    vr->req = req;
    vr->n_req = 12;
}

static void test_clean_message_gives_nothing(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct verify_result vr;
    struct dkim_result d;
    struct requirement req[12];
    clean_vr(&vr, &d, req);
    struct rule low = {.name = "MA_SMALL", .describe = "a small thing"};
    struct score_hit h = {.rule = &low, .score = 0.5, .count = 1};
    struct score_result sr = {
        .total = 0.5, .threshold = 5.0, .hits = &h, .n_hits = 1, .n_scored = 1};
    struct crec *v;
    assert_int_equal(check_recommend(a, NULL, &vr, &sr, &v), 0);
    struct buf out;
    buf_init(&out, 0);
    check_recommend_text(&out, a, NULL, &vr, &sr);
    assert_string_equal(buf_cstr(&out), "Recommendations: nothing to fix was found\n");
    /* no checks at all */
    buf_reset(&out);
    check_recommend_text(&out, a, NULL, NULL, NULL);
    assert_string_equal(buf_cstr(&out), "Recommendations: none (no checks ran)\n");
    buf_free(&out);
    arena_free(a);
}

static void test_dkim_rules_and_order(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct verify_result vr;
    memset(&vr, 0, sizeof vr);
    vr.ran = VERIFY_DKIM;
    struct dkim_result d[4];
    memset(d, 0, sizeof d);
    /* 0: body hash mismatch, footer diagnosis */
    d[0].domain = "shop.example.com";
    d[0].selector = "sw1";
    d[0].result = AUTH_FAIL;
    d[0].reason = DKIM_R_BODY_HASH;
    d[0].reason_text = "body hash mismatch";
    d[0].detail = "the body verifies without its last 61 bytes (3 lines): text was added after "
                  "signing (a mailing-list or gateway footer?)";
    d[0].key_bits = 2048;
    d[0].key_type = "rsa";
    /* 1: passes with a 1024-bit testing key */
    d[1].domain = "esp.example.net";
    d[1].selector = "s1";
    d[1].result = AUTH_PASS;
    d[1].reason = DKIM_R_OK;
    d[1].key_bits = 1024;
    d[1].key_type = "rsa";
    d[1].testing = true;
    /* 2: a 768-bit key (policy) */
    d[2].domain = "old.example.org";
    d[2].selector = "k";
    d[2].result = AUTH_POLICY;
    d[2].reason = DKIM_R_KEY_TOO_SHORT;
    d[2].reason_text = "key too short";
    d[2].key_bits = 768;
    d[2].key_type = "rsa";
    /* 3: no DNS source: not evidence of anything */
    d[3].domain = "x.example";
    d[3].selector = "y";
    d[3].result = AUTH_TEMPERROR;
    d[3].reason = DKIM_R_NO_DNS;
    d[3].reason_text = "no DNS source";
    vr.dkim = d;
    vr.n_dkim = 4;
    struct crec *v;
    size_t n = check_recommend(a, NULL, &vr, NULL, &v);
    /* critical in check order (signature 0, then 2), then warning, then info */
    assert_int_equal(n, 4);
    assert_string_equal(v[0].key, "dkim_body_hash");
    assert_int_equal(v[0].severity, CREC_CRITICAL);
    assert_string_equal(v[0].title,
                        "Sign after the footer is added, or stop adding it after signing "
                        "(d=shop.example.com)");
    assert_non_null(strstr(v[0].evidence, "DKIM d=shop.example.com s=sw1: body hash mismatch: "
                                          "the body verifies without its last 61 bytes"));
    assert_string_equal(v[1].key, "dkim_key_under_1024");
    assert_int_equal(v[1].severity, CREC_CRITICAL);
    assert_string_equal(v[1].title,
                        "Replace the 768-bit DKIM key of selector k (d=old.example.org) "
                        "with a 2048-bit key");
    assert_string_equal(v[2].key, "dkim_testing_key");
    assert_int_equal(v[2].severity, CREC_WARNING);
    assert_string_equal(v[2].title, "Remove t=y from selector s1 (s1._domainkey.esp.example.net)");
    assert_string_equal(v[3].key, "dkim_key_1024");
    assert_int_equal(v[3].severity, CREC_INFO);

    /* the relaxed-canonicalisation diagnosis changes the fix */
    d[0].detail = "the body verifies under relaxed canonicalisation: whitespace was changed in "
                  "transit (simple body canonicalisation does not survive that)";
    vr.n_dkim = 1;
    n = check_recommend(a, NULL, &vr, NULL, &v);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].title, "Sign with relaxed body canonicalisation (c=relaxed/relaxed, "
                                    "d=shop.example.com)");

    /* no signature at all: sign it, with the From domain */
    static const char raw[] = "From: a@news.example.com\r\nSubject: x\r\n\r\nhi\r\n";
    struct message m;
    message_parse(a, raw, sizeof raw - 1, NULL, NULL, &m);
    vr.n_dkim = 0;
    n = check_recommend(a, &m, &vr, NULL, &v);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].key, "dkim_unsigned");
    assert_string_equal(v[0].title, "Sign the message with DKIM, with d=news.example.com");
    arena_free(a);
}

static void test_spf_dmarc_iprev_helo(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct verify_result vr;
    struct dkim_result d;
    struct requirement req[12];
    clean_vr(&vr, &d, req);
    vr.env.ip = "203.0.113.9";
    vr.spf_mailfrom.result = AUTH_SOFTFAIL;
    vr.spf_mailfrom.domain = "example.org";
    vr.spf_mailfrom.mechanism = "~all";
    memset(&vr.dmarc, 0, sizeof vr.dmarc);
    vr.dmarc.result = AUTH_NONE;
    vr.dmarc.from_domain = "mail.example.org";
    vr.dmarc.org_domain = "example.org";
    vr.dmarc.reason = "no DMARC record";
    vr.iprev = (struct iprev_result){.result = AUTH_FAIL,
                                     .ip = "203.0.113.9",
                                     .reason = "no PTR record for 203.0.113.9 (nxdomain)"};
    vr.helo = (struct helo_result){.helo = "mail", .dns_ok = true};
    req[4].status = REQ_FAIL; /* unsubscribe */
    req[4].evidence = "no List-Unsubscribe";
    req[5].status = REQ_FAIL; /* one-click: covered by the unsubscribe fix */
    struct crec *v;
    size_t n = check_recommend(a, NULL, &vr, NULL, &v);
    assert_int_equal(n, 5);
    assert_string_equal(v[0].key, "spf_fail");
    assert_int_equal(v[0].severity, CREC_WARNING); /* softfail */
    assert_string_equal(v[0].title, "Add 203.0.113.9 to the SPF record of example.org (or stop "
                                    "sending as example.org from it)");
    assert_string_equal(v[0].evidence,
                        "SPF softfail: example.org does not authorize 203.0.113.9; matched ~all");
    assert_string_equal(v[1].key, "dmarc_missing");
    assert_string_equal(v[1].evidence, "no DMARC record at _dmarc.mail.example.org nor at its "
                                       "organizational domain example.org");
    assert_string_equal(v[2].key, "ptr_missing");
    assert_string_equal(v[3].key, "helo_not_fqdn");
    assert_string_equal(v[3].evidence, "HELO name mail is not a fully qualified name");
    assert_string_equal(v[3].title,
                        "Make the server at 203.0.113.9 announce a fully qualified HELO name");
    assert_string_equal(v[4].key, "req_unsubscribe");
    assert_int_equal(v[4].severity, CREC_INFO);
    assert_null(find(v, n, "req_one_click_unsubscribe"));

    /* hard fail is critical; DMARC fail under quarantine is critical */
    vr.spf_mailfrom.result = AUTH_FAIL;
    vr.dmarc.result = AUTH_FAIL;
    vr.dmarc.record = "v=DMARC1; p=quarantine";
    vr.dmarc.policy = "quarantine";
    vr.dmarc.disposition = "quarantine";
    vr.dmarc.reason = "SPF or DKIM passed, but not for a domain aligned with From";
    n = check_recommend(a, NULL, &vr, NULL, &v);
    assert_string_equal(v[0].key, "spf_fail");
    assert_int_equal(v[0].severity, CREC_CRITICAL);
    assert_string_equal(v[1].key, "dmarc_fail");
    assert_int_equal(v[1].severity, CREC_CRITICAL);

    /* too many lookups: flatten */
    vr.spf_mailfrom.result = AUTH_PERMERROR;
    vr.spf_mailfrom.reason = "more than 10 DNS-querying terms";
    vr.spf_mailfrom.lookups = 11;
    n = check_recommend(a, NULL, &vr, NULL, &v);
    const struct crec *f = find(v, n, "spf_too_many_lookups");
    assert_non_null(f);
    assert_string_equal(f->title,
                        "Flatten the SPF record of example.org: it needs more than 10 DNS lookups");
    assert_null(find(v, n, "spf_fail"));

    /* SPF did not run: no SPF, iprev or HELO finding (not evidence) */
    vr.ran = VERIFY_DKIM;
    n = check_recommend(a, NULL, &vr, NULL, &v);
    assert_null(find(v, n, "spf_too_many_lookups"));
    assert_null(find(v, n, "ptr_missing"));
    assert_null(find(v, n, "helo_not_fqdn"));
    assert_null(find(v, n, "dmarc_fail"));
    arena_free(a);
}

static void test_score(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct rule r1 = {.name = "MA_ACT_NOW", .describe = "urgency phrase"};
    struct rule r2 = {.name = "MA_HTML_ONLY", .describe = "HTML without text part"};
    struct rule r3 = {.name = "MA_PIXEL", .describe = NULL};
    struct rule r4 = {.name = "MA_FOURTH", .describe = "not named"};
    struct score_hit h[4] = {{.rule = &r1, .score = 2.5, .count = 2},
                             {.rule = &r2, .score = 1.2, .count = 1},
                             {.rule = &r3, .score = 0.4, .count = 1},
                             {.rule = &r4, .score = 0.1, .count = 1}};
    struct score_result sr = {
        .total = 6.7, .threshold = 5.0, .hits = h, .n_hits = 4, .n_scored = 4};
    struct crec *v;
    size_t n = check_recommend(a, NULL, NULL, &sr, &v);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].key, "content_score");
    assert_int_equal(v[0].severity, CREC_CRITICAL);
    assert_string_equal(v[0].evidence,
                        "content score 6.7 reaches the threshold 5.0; most: MA_ACT_NOW (+5.0: "
                        "urgency phrase), MA_HTML_ONLY (+1.2: HTML without text part), MA_PIXEL "
                        "(+0.4)");
    /* under the threshold: only rules adding at least 1.0 */
    h[0].count = 1;
    sr.total = 4.2;
    n = check_recommend(a, NULL, NULL, &sr, &v);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].key, "content_rule");
    assert_int_equal(v[0].severity, CREC_INFO);
    assert_string_equal(v[0].evidence, "content score 4.2 (threshold 5.0); notable: MA_ACT_NOW "
                                       "(+2.5: urgency phrase), MA_HTML_ONLY (+1.2: HTML without "
                                       "text part)");
    /* nothing notable */
    h[0].score = 0.9;
    h[1].score = 0.9;
    sr.total = 2.3;
    assert_int_equal(check_recommend(a, NULL, NULL, &sr, &v), 0);
    arena_free(a);
}

static void test_text_and_json_escape(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct verify_result vr;
    struct dkim_result d;
    struct requirement req[12];
    clean_vr(&vr, &d, req);
    /* a hostile HELO name: quotes, a backslash, a control byte, an escape */
    vr.helo = (struct helo_result){.helo = "bad\"name\\\x01\x1b[31m", .dns_ok = true};
    struct buf out;
    buf_init(&out, 0);
    check_recommend_text(&out, a, NULL, &vr, NULL);
    assert_string_equal(buf_cstr(&out),
                        "Recommendations (1, most important first):\n"
                        "  [warning ] Make the server at 198.51.100.23 announce a fully "
                        "qualified HELO name\n"
                        "              HELO name bad\"name\\??[31m is not a fully qualified "
                        "name\n");
    buf_reset(&out);
    struct json j;
    json_init(&j, &out);
    json_obj_begin(&j);
    check_recommend_json(&j, a, NULL, &vr, NULL);
    json_obj_end(&j);
    char err[128];
    struct jv *doc = jsonp_parse(a, out.p, out.len, err, sizeof err);
    assert_non_null(doc);
    const struct jv *arr = jv_get(doc, "recommendations");
    assert_non_null(arr);
    assert_int_equal(arr->type, JV_ARRAY);
    assert_int_equal(arr->n, 1);
    assert_string_equal(jv_str(jv_get(&arr->item[0], "severity")), "warning");
    assert_string_equal(jv_str(jv_get(&arr->item[0], "key")), "helo_not_fqdn");
    assert_string_equal(jv_str(jv_get(&arr->item[0], "evidence")),
                        "HELO name bad\"name\\\x01\x1b[31m is not a fully qualified name");
    /* an empty list is still the key */
    clean_vr(&vr, &d, req);
    buf_reset(&out);
    json_init(&j, &out);
    json_obj_begin(&j);
    check_recommend_json(&j, a, NULL, &vr, NULL);
    json_obj_end(&j);
    assert_string_equal(buf_cstr(&out), "{\"recommendations\":[]}");
    buf_free(&out);
    arena_free(a);
}

/* crec_format_1f against values worked out by hand (the exact binary value
 * decides: 0.35 is 0.34999..., 0.45 is 0.45000...1; exact halves go to the
 * even digit) and against snprintf over a sweep. */
static void test_format_1f(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *want;
    } hand[] = {
        {0.0, "0.0"},
        {-0.0, "-0.0"},
        {0.05, "0.1"},
        {-0.05, "-0.1"},
        {0.15, "0.1"},
        {0.25, "0.2"},
        {0.35, "0.3"},
        {0.45, "0.5"},
        {0.75, "0.8"},
        {0.95, "0.9"},
        {9.95, "9.9"},
        {99.95, "100.0"},
        {-1.25, "-1.2"},
        {-0.04, "-0.0"},
        {2.5, "2.5"},
        {5.0, "5.0"},
        {123456789.75, "123456789.8"},
        {1e14, "100000000000000.0"},
    };
    char got[CREC_NUM_MAX], want[CREC_NUM_MAX];
    for (size_t i = 0; i < sizeof hand / sizeof hand[0]; i++) {
        size_t n = crec_format_1f(got, hand[i].x);
        assert_string_equal(got, hand[i].want);
        assert_int_equal(n, strlen(hand[i].want));
    }
    /* steps of 1/20 (exact halves among them), 1/100, 1/1000, scores times
     * counts, and pseudo-random doubles of every magnitude */
    uint64_t seed = 88172645463325252u;
    for (long i = -200000; i <= 200000; i++) {
        double xs[6] = {(double)i / 20.0,        (double)i / 100.0,
                        (double)i / 1000.0,      (double)(i % 1000) * 0.1 * (double)(i % 7),
                        (double)i * 0.01 + 0.05, 0.0};
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        double r = (double)(seed >> 11) / 9007199254740992.0; /* [0, 1) */
        xs[5] = (i & 1 ? -r : r) * pow(10.0, (double)((seed & 31) % 20) - 4.0);
        for (size_t k = 0; k < 6; k++) {
            size_t n = crec_format_1f(got, xs[k]);
            snprintf(want, sizeof want, "%.1f", xs[k]);
            assert_string_equal(got, want);
            assert_int_equal(n, strlen(want));
        }
    }
    /* beyond the hand-written range: snprintf itself */
    size_t big = crec_format_1f(got, 1e300);
    snprintf(want, sizeof want, "%.1f", 1e300);
    assert_string_equal(got, want);
    assert_int_equal(big, strlen(want));
    snprintf(want, sizeof want, "%.1f", -1.7976931348623157e308);
    crec_format_1f(got, -1.7976931348623157e308);
    assert_string_equal(got, want);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    *len = fread(p, 1, (size_t)n, f);
    p[*len] = 0;
    fclose(f);
    return p;
}

/* The sample campaign's spam copy (198.51.100.77, no PTR) verified for real. */
static void test_sample_spam_copy(void **state)
{
    (void)state;
    size_t len = 0;
    char *raw = slurp("samples/maildir/seed-alice/.Junk/new/1743502823.M139595P4247.imap1,S=6420,"
                      "W=6534",
                      &len);
    assert_non_null(raw);
    struct dns_resolver *dns = dns_new();
    char err[256];
    assert_int_equal(dns_add_zonefile(dns, "samples/dns/snapshot.zone", err, sizeof err), 0);
    struct verify_ctx vc = {.dns = dns, .checks = VERIFY_ALL};
    envelope_opts_init(&vc.env);
    vc.dkim = dkim_verifier_new(dns);
    vc.spf = spf_checker_new(dns);
    arena *a = arena_new();
    struct message m;
    message_parse(a, raw, len, ".Junk", NULL, &m);
    struct verify_result vr;
    verify_message(&vc, a, &m, m.arrival, "arrival", &vr);
    struct crec *v;
    size_t n = check_recommend(a, &m, &vr, NULL, &v);
    /* SPF, DKIM (2048 bits), DMARC (p=quarantine, pass), HELO and the
     * unsubscribe headers are all fine (samples/README.md): only the PTR */
    assert_int_equal(n, 1);
    assert_string_equal(v[0].key, "ptr_missing");
    assert_string_equal(v[0].title,
                        "Publish a PTR record for 198.51.100.77 naming a host that resolves back "
                        "to it");
    arena_free(a);
    dkim_verifier_free(vc.dkim);
    spf_checker_free(vc.spf);
    dns_free(dns);
    free(raw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_message_gives_nothing),
        cmocka_unit_test(test_dkim_rules_and_order),
        cmocka_unit_test(test_spf_dmarc_iprev_helo),
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_text_and_json_escape),
        cmocka_unit_test(test_format_1f),
        cmocka_unit_test(test_sample_spam_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
