/* Unit tests for feedback/tlsrpt.c. The reports in tests/fixtures/feedback/tlsrpt/
 * were written by hand from RFC 8460 section 4.4 in the layouts different
 * reporters use (one compact line; pretty-printed with several policies and
 * failure types; no-policy-found; an mx-host pattern list; a DANE "tlsa"
 * policy with leniencies). mx-patterns.json.gz is `gzip -9` of mx-patterns.json.
 * Expected Unix times were worked out by hand: 2024-03-14T00:00:00Z is
 * 54 years (13 leap days) + 73 days after the epoch = 19,796 days =
 * 1,710,374,400 s; 2016-04-01T00:00:00Z (RFC 8460's example) is 16,892 days =
 * 1,459,468,800 s. Inputs are exact-size heap copies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/tlsrpt.h"
#include "util/unpack.h"

#define S(lit) lit, sizeof(lit) - 1
#define DAY0 1710374400 /* 2024-03-14T00:00:00Z */

static char *load(const char *name, size_t *len)
{
    char path[1024];
    const char *top = getenv("TOP");
    snprintf(path, sizeof path, "%s/tests/fixtures/feedback/tlsrpt/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(n ? (size_t)n : 1);
    *len = fread(p, 1, (size_t)n, f);
    assert_int_equal(*len, (size_t)n);
    fclose(f);
    return p;
}

static int parse_text(arena *a, const char *text, size_t len, struct tlsrpt_report *r, char *err,
                      size_t errlen)
{
    char *q = malloc(len ? len : 1);
    memcpy(q, text, len);
    int rc = tlsrpt_parse(a, q, len, r, err, errlen);
    free(q); /* the model must not point into the input */
    return rc;
}

static int parse_fixture(arena *a, const char *name, struct tlsrpt_report *r)
{
    size_t len;
    char *p = load(name, &len);
    char err[256];
    int rc = tlsrpt_parse(a, p, len, r, err, sizeof err);
    if (rc != 0) fail_msg("%s: %s", name, err);
    free(p);
    return rc;
}

static void test_google_style(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    parse_fixture(a, "google-style.json", &r);
    assert_string_equal(r.organization_name, "Google Inc.");
    assert_string_equal(r.contact_info, "smtp-tls-reporting@google.example");
    assert_string_equal(r.report_id, "2024-03-14T00:00:00Z_example.com");
    assert_int_equal(r.date_begin, DAY0);
    assert_int_equal(r.date_end, DAY0 + 86399);
    assert_int_equal(r.n_policies, 1);
    const struct tlsrpt_policy *p = &r.policies[0];
    assert_string_equal(p->policy_type, "sts");
    assert_string_equal(p->policy_domain, "example.com");
    assert_string_equal(p->policy_string, "version: STSv1\nmode: enforce\nmx: mx1.example.com\n"
                                          "mx: mx2.example.com\nmax_age: 604800");
    assert_null(p->mx_host);
    assert_int_equal(p->total_successful, 1342);
    assert_int_equal(p->total_failure, 0);
    assert_int_equal(p->n_failures, 0);
    assert_null(p->failures);
    assert_null(r.problems);
    arena_free(a);
}

static void test_microsoft_style(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    parse_fixture(a, "microsoft-style.json", &r);
    assert_string_equal(r.organization_name, "Microsoft Corporation");
    assert_string_equal(r.report_id, "133548384000000000+example.com");
    assert_int_equal(r.date_begin, DAY0);       /* .0000000Z */
    assert_int_equal(r.date_end, DAY0 + 86399); /* .9999999Z truncated */
    assert_int_equal(r.n_policies, 2);
    const struct tlsrpt_policy *p = &r.policies[0];
    assert_string_equal(p->policy_domain, "example.com");
    assert_string_equal(p->mx_host, "mail.example.com");
    assert_string_equal(p->policy_string,
                        "version: STSv1\nmode: testing\nmx: mail.example.com\nmax_age: 86400");
    assert_int_equal(p->total_successful, 205);
    assert_int_equal(p->total_failure, 17);
    assert_int_equal(p->n_failures, 3);
    const struct tlsrpt_failure *f = p->failures;
    assert_string_equal(f[0].result_type, "certificate-expired");
    assert_string_equal(f[0].sending_mta_ip, "2001:db8:400::25");
    assert_string_equal(f[0].receiving_ip, "192.0.2.25");
    assert_int_equal(f[0].failed_session_count, 12);
    assert_null(f[0].receiving_mx_helo);
    assert_null(f[0].additional_information);
    assert_null(f[0].failure_reason_code);
    assert_string_equal(f[1].result_type, "starttls-not-supported");
    assert_string_equal(f[1].receiving_mx_helo, "smtp-in.example.com");
    assert_string_equal(f[1].additional_information,
                        "https://tlsrpt.microsoft.example/info?id=17#starttls");
    assert_int_equal(f[1].failed_session_count, 4);
    assert_string_equal(f[2].result_type, "validation-failure");
    assert_string_equal(f[2].failure_reason_code, "X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
    assert_int_equal(f[2].failed_session_count, 1);
    /* counts agree: 12 + 4 + 1 = 17 */
    p = &r.policies[1];
    assert_string_equal(p->policy_domain, "example.net");
    assert_string_equal(p->mx_host, "*.example.net");
    assert_int_equal(p->total_successful, 0);
    assert_int_equal(p->total_failure, 9);
    assert_int_equal(p->n_failures, 2);
    assert_string_equal(p->failures[0].result_type, "sts-policy-fetch-error");
    assert_string_equal(p->failures[0].failure_reason_code,
                        "HTTP 404 fetching https://mta-sts.example.net/.well-known/mta-sts.txt");
    assert_null(p->failures[0].receiving_ip);
    assert_string_equal(p->failures[1].result_type, "certificate-host-mismatch");
    assert_int_equal(p->failures[1].failed_session_count, 3);
    assert_null(r.problems);
    arena_free(a);
}

static void test_no_policy_found(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    parse_fixture(a, "no-policy-found.json", &r);
    assert_string_equal(r.contact_info, "mailto:postmaster@smallmail.example");
    assert_int_equal(r.date_begin, DAY0); /* 02:00:00+02:00 */
    assert_int_equal(r.date_end, DAY0 + 86399);
    assert_int_equal(r.n_policies, 1);
    const struct tlsrpt_policy *p = &r.policies[0];
    assert_string_equal(p->policy_type, "no-policy-found");
    assert_string_equal(p->policy_domain, "example.org");
    assert_null(p->policy_string);
    assert_null(p->mx_host);
    assert_int_equal(p->total_successful, 57);
    assert_int_equal(p->total_failure, 2);
    assert_int_equal(p->n_failures, 1);
    assert_string_equal(p->failures[0].receiving_mx_hostname, "legacy.example.org");
    assert_null(r.problems);
    arena_free(a);
}

static void expect_mx_patterns(const struct tlsrpt_report *r)
{
    assert_string_equal(r->organization_name, "Mail Provider Example");
    assert_string_equal(r->report_id, "<a1b2c3d4.20240314@provider.example>");
    assert_int_equal(r->date_begin, DAY0); /* 19:00:00-05:00 the day before */
    assert_int_equal(r->date_end, DAY0 + 86399);
    assert_int_equal(r->n_policies, 1);
    const struct tlsrpt_policy *p = &r->policies[0];
    assert_string_equal(p->mx_host, "*.mail.example.org, mx1.example.org, backup.example.net");
    assert_int_equal(p->total_successful, 4810);
    assert_int_equal(p->total_failure, 25);
    assert_int_equal(p->n_failures, 2);
    assert_string_equal(p->failures[0].result_type, "certificate-host-mismatch");
    assert_string_equal(p->failures[0].receiving_mx_helo, "in.mail.example.org");
    assert_string_equal(p->failures[0].failure_reason_code,
                        "certificate names *.hosting.example, hosting.example");
    assert_int_equal(p->failures[0].failed_session_count, 20);
    assert_string_equal(p->failures[1].result_type, "sts-webpki-invalid");
    /* \u00e9 decoded to UTF-8 */
    assert_string_equal(p->failures[1].additional_information,
                        "https://provider.example/tlsrpt/\xc3\xa9tat?id=5");
    assert_null(r->problems);
}

static void test_mx_patterns(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    parse_fixture(a, "mx-patterns.json", &r);
    expect_mx_patterns(&r);
    arena_free(a);
}

static int append(void *ctx, const char *p, size_t n)
{
    struct arena_str *b = ctx;
    arena_str_put(b, p, n);
    return 0;
}

static void test_gzipped_report(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t len;
    char *gz = load("mx-patterns.json.gz", &len);
    assert_true(unpack_is_gzip((const unsigned char *)gz, len));
    struct arena_str b = {.a = a};
    struct unpack_result ur;
    assert_int_equal(unpack_gzip((const unsigned char *)gz, len, TLSRPT_MAX_JSON, append, &b, &ur),
                     UNPACK_OK);
    free(gz);
    size_t plain_len;
    char *plain = load("mx-patterns.json", &plain_len);
    assert_int_equal(ur.out, plain_len);
    assert_memory_equal(b.p, plain, plain_len);
    free(plain);
    struct tlsrpt_report r;
    char err[256];
    assert_int_equal(parse_text(a, b.p, b.len, &r, err, sizeof err), 0);
    expect_mx_patterns(&r);
    arena_free(a);
}

static void test_dane_and_leniencies(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    parse_fixture(a, "dane-tlsa.json", &r);
    assert_int_equal(r.date_begin, DAY0);
    assert_int_equal(r.date_end, DAY0 + 86400);
    const struct tlsrpt_policy *p = &r.policies[0];
    assert_string_equal(p->policy_type, "tlsa");
    assert_string_equal(p->policy_string,
                        "3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6\n"
                        "3 1 1 7E2B0A3B5B0AD1C56F9A4A39BE57B1AA1C4E0B0A9E8C27A1BB1F7C4E51F4D6A2");
    assert_string_equal(p->mx_host, "mx.example.com"); /* a lone string, taken */
    assert_int_equal(p->n_failures, 2);
    assert_int_equal(p->failures[0].failed_session_count, 2); /* "2" */
    assert_string_equal(p->failures[0].additional_information,
                        "{\"certificate-hostname\":\"mx.example.com\","
                        "\"note\":\"key rolled \\\"early\\\"\"}");
    assert_string_equal(p->failures[1].result_type, "dnssec-invalid");
    assert_null(p->failures[1].sending_mta_ip); /* optional: no problem noted */
    assert_int_equal(p->failures[1].failed_session_count, 1);
    assert_string_equal(r.problems,
                        "policies[0].policy.mx-host is a string, not an array; "
                        "policies[0].failure-details[0].failed-session-count given as a string");
    arena_free(a);
}

static void test_rfc3339_dates(void **state)
{
    (void)state;
    static const struct {
        const char *date;
        int64_t want;
    } cases[] = {
        {"2016-04-01T00:00:00Z", 1459468800},
        {"2016-04-01T23:59:59Z", 1459468800 + 86399},
        {"2016-04-01T00:00:00.999Z", 1459468800},
        {"2016-04-01T02:00:00+02:00", 1459468800},
        {"2016-03-31T19:00:00-05:00", 1459468800},
        {"2016-04-01T05:30:00+05:30", 1459468800},
        {"2016-04-01T00:00:00+0200", 1459468800 - 7200}, /* leniency: no colon */
        {"2016-04-01t00:00:00z", 1459468800},
        {"2016-04-01 00:00:00Z", 1459468800},
        {"2016-02-29T00:00:00Z", 1459468800 - 32 * 86400},
        {"2016-12-31T23:59:60Z", 1483228800}, /* leap second: 2017-01-01T00:00:00Z */
        {"1970-01-01T00:00:00Z", 0},
        {"2016-02-30T00:00:00Z", -1},
        {"2015-02-29T00:00:00Z", -1},
        {"2016-04-01T00:00:00", -1},
        {"2016-04-01", -1},
        {"2016-04-01T24:00:00Z", -1},
        {"2016-04-01T00:60:00Z", -1},
        {"2016-13-01T00:00:00Z", -1},
        {"2016-04-01T00:00:00.Z", -1},
        {"2016-04-01T00:00:00Z ", -1},
        {"2016-04-01T00:00:00+24:00", -1},
        {"2016-04-01T00:00:00+02:", -1},
        {"2016-4-1T00:00:00Z", -1},
        {"", -1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        arena *a = arena_new();
        char json[256], err[256];
        int n = snprintf(json, sizeof json,
                         "{\"report-id\":\"x\",\"date-range\":{\"start-datetime\":\"%s\","
                         "\"end-datetime\":\"%s\"}}",
                         cases[k].date, cases[k].date);
        struct tlsrpt_report r;
        assert_int_equal(parse_text(a, json, (size_t)n, &r, err, sizeof err), 0);
        if (r.date_begin != cases[k].want || r.date_end != cases[k].want)
            fail_msg("%s: got %lld", cases[k].date, (long long)r.date_begin);
        if (cases[k].want < 0)
            assert_non_null(strstr(r.problems, "start-datetime is not an RFC 3339 date-time"));
        arena_free(a);
    }
}

static void test_missing_and_ill_typed(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    char err[256];
    assert_int_equal(parse_text(a, S("{\"report-id\":\"r1\"}"), &r, err, sizeof err), 0);
    assert_string_equal(r.report_id, "r1");
    assert_null(r.organization_name);
    assert_int_equal(r.date_begin, -1);
    assert_int_equal(r.n_policies, 0);
    assert_string_equal(r.problems,
                        "organization-name missing; contact-info missing; date-range missing; "
                        "policies missing");
    const char bad[] =
        "{\"organization-name\":7,\"contact-info\":\"c\",\"report-id\":\"r\","
        "\"date-range\":{\"start-datetime\":\"2016-04-01T00:00:00Z\"},"
        "\"policies\":[{\"policy\":{\"policy-type\":\"sts\",\"policy-string\":[\"a\",1,\"b\"]},"
        "\"summary\":{\"total-successful-session-count\":-3,\"total-failure-session-count\":1.5},"
        "\"failure-details\":[{\"failed-session-count\":2},7]},"
        "\"not a policy\","
        "{\"policy\":[],\"summary\":{\"total-successful-session-count\":\"12x\","
        "\"total-failure-session-count\":0},\"failure-details\":{}}]}";
    assert_int_equal(parse_text(a, bad, sizeof bad - 1, &r, err, sizeof err), 0);
    assert_null(r.organization_name);
    assert_string_equal(r.contact_info, "c");
    assert_int_equal(r.date_begin, 1459468800);
    assert_int_equal(r.date_end, -1);
    assert_int_equal(r.n_policies, 3);
    assert_string_equal(r.policies[0].policy_string, "a\nb");
    assert_null(r.policies[0].policy_domain);
    assert_int_equal(r.policies[0].total_successful, -1);
    assert_int_equal(r.policies[0].total_failure, -1);
    assert_int_equal(r.policies[0].n_failures, 2);
    assert_null(r.policies[0].failures[0].result_type);
    assert_int_equal(r.policies[0].failures[0].failed_session_count, 2);
    assert_int_equal(r.policies[0].failures[1].failed_session_count, -1);
    assert_null(r.policies[1].policy_type);
    assert_int_equal(r.policies[1].total_failure, -1);
    assert_int_equal(r.policies[2].total_successful, -1);
    assert_int_equal(r.policies[2].total_failure, 0);
    assert_string_equal(
        r.problems,
        "organization-name is not a string; date-range.end-datetime missing; "
        "policies[0].policy.policy-domain missing; policies[0].policy.policy-string: 1 item not "
        "a string; policies[0].summary.total-successful-session-count is not a non-negative "
        "integer; policies[0].summary.total-failure-session-count is not a non-negative "
        "integer; policies[0].failure-details[0].result-type missing; "
        "policies[0].failure-details[1] is not an object; policies[1] is not an object; "
        "policies[2].policy is not an object; policies[2].summary.total-successful-session-count "
        "is not a non-negative integer; policies[2].failure-details is not an array");
    arena_free(a);
}

static void test_not_a_report(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct tlsrpt_report r;
    char err[256];
    assert_int_equal(parse_text(a, S("{\"report-id\": }"), &r, err, sizeof err), -1);
    assert_string_equal(err, "not JSON: line 1, column 15: expected a value");
    assert_int_equal(parse_text(a, S("[{\"report-id\":\"x\"}]"), &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not an object"));
    assert_int_equal(parse_text(a, S("{\"feedback\":{}}"), &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a TLS report"));
    assert_int_equal(parse_text(a, S(""), &r, NULL, 0), -1);
    assert_int_equal(r.n_policies, 0);
    assert_int_equal(r.date_begin, -1);
    /* the size ceiling is checked before anything is read */
    char *big = malloc(TLSRPT_MAX_JSON + 1);
    assert_int_equal(tlsrpt_parse(a, big, TLSRPT_MAX_JSON + 1, &r, err, sizeof err), -1);
    assert_non_null(strstr(err, "exceeds"));
    free(big);
    /* every prefix of a real report is refused */
    size_t len;
    char *p = load("google-style.json", &len);
    for (size_t n = 0; n + 1 < len; n++) /* the last byte is a newline */
        if (parse_text(a, p, n, &r, NULL, 0) != -1) fail_msg("prefix %zu accepted", n);
    free(p);
    arena_free(a);
}

static void test_policy_ceiling(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t n = TLSRPT_MAX_POLICIES + 1;
    size_t cap = 64 + n * 3, len = 0;
    char *s = malloc(cap);
    len += (size_t)snprintf(s, cap, "{\"report-id\":\"x\",\"policies\":[");
    for (size_t i = 0; i < n; i++) {
        memcpy(s + len, i ? ",{}" : "{}", i ? 3 : 2);
        len += i ? 3 : 2;
    }
    s[len++] = ']';
    s[len++] = '}';
    struct tlsrpt_report r;
    char err[256];
    assert_int_equal(tlsrpt_parse(a, s, len, &r, err, sizeof err), 0);
    assert_int_equal(r.n_policies, TLSRPT_MAX_POLICIES);
    assert_non_null(strstr(r.problems, "policies: 10001 entries, only the first 10000 kept"));
    assert_int_equal(r.policies[TLSRPT_MAX_POLICIES - 1].total_failure, -1);
    free(s);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_google_style),    cmocka_unit_test(test_microsoft_style),
        cmocka_unit_test(test_no_policy_found), cmocka_unit_test(test_mx_patterns),
        cmocka_unit_test(test_gzipped_report),  cmocka_unit_test(test_dane_and_leniencies),
        cmocka_unit_test(test_rfc3339_dates),   cmocka_unit_test(test_missing_and_ill_typed),
        cmocka_unit_test(test_not_a_report),    cmocka_unit_test(test_policy_ceiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
