/* Unit tests for auth/dmarc.c and dns/psl.c: record parsing (RFC 9989 tags,
 * RFC 7489 pct), policy discovery by the tree walk (including the jump to 7
 * labels and PSD records), organizational domains by psd= and by a small
 * Public Suffix List, alignment, results and dispositions. Zones and lists
 * are written here; every expected value follows from them by the rules
 * quoted in dmarc.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/dmarc.h"
#include "dns/psl.h"

#define S(lit) lit, sizeof(lit) - 1

static void test_record_parse(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dmarc_record r;
    assert_int_equal(dmarc_record_parse(a,
                                        S("v=DMARC1; p=reject; sp=quarantine; np=reject; "
                                          "adkim=s; aspf=r; pct=50; t=y; psd=n; "
                                          "rua=mailto:d@example.com; future=1"),
                                        &r),
                     0);
    assert_string_equal(r.p, "reject");
    assert_string_equal(r.sp, "quarantine");
    assert_string_equal(r.np, "reject");
    assert_int_equal(r.adkim, 's');
    assert_int_equal(r.aspf, 'r');
    assert_int_equal(r.pct, 50);
    assert_true(r.testing);
    assert_int_equal(r.psd, 'n');
    assert_string_equal(r.rua, "mailto:d@example.com");
    /* not DMARC: wrong version, v= not first, an SPF record */
    assert_int_equal(dmarc_record_parse(a, S("v=DMARC2; p=none"), &r), -1);
    assert_int_equal(dmarc_record_parse(a, S("p=none; v=DMARC1"), &r), -1);
    assert_int_equal(dmarc_record_parse(a, S("v=spf1 -all"), &r), -1);
    /* an invalid p= is noted; absent tags take their defaults */
    assert_int_equal(dmarc_record_parse(a, S("v=DMARC1; p=bogus"), &r), 0);
    assert_null(r.p);
    assert_true(r.p_invalid);
    assert_int_equal(r.pct, -1);
    assert_int_equal(r.adkim, 'r');
    arena_free(a);
}

static struct dns_resolver *zone(const char *text)
{
    struct dns_resolver *r = dns_new();
    char err[256];
    assert_int_equal(dns_add_zone_text(r, text, strlen(text), "t", err, sizeof err), 0);
    return r;
}

static const char zone_text[] =
    "_dmarc.example.com. TXT \"v=DMARC1; p=reject; sp=quarantine; np=reject\"\n"
    "example.com. A 192.0.2.1\n"
    "news.example.com. A 192.0.2.2\n"
    "mail.example.com. A 192.0.2.3\n"
    "_dmarc.strict.test. TXT \"v=DMARC1; p=quarantine; adkim=s; aspf=s\"\n"
    "strict.test. A 192.0.2.4\n"
    "_dmarc.testing.test. TXT \"v=DMARC1; p=reject; t=y\"\n"
    "testing.test. A 192.0.2.5\n"
    /* a public suffix operator and an org domain under it with psd=n */
    "_dmarc.psd.test. TXT \"v=DMARC1; p=reject; psd=y\"\n"
    "_dmarc.org1.psd.test. TXT \"v=DMARC1; p=none; psd=n\"\n"
    "org1.psd.test. A 192.0.2.6\n"
    "deep.sub.org1.psd.test. A 192.0.2.7\n"
    "_dmarc.two.test. TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.two.test. TXT \"v=DMARC1; p=reject\"\n";

static struct dkim_result dk(const char *d, enum auth_result res)
{
    struct dkim_result r;
    memset(&r, 0, sizeof r);
    r.domain = d;
    r.result = res;
    return r;
}

static void test_evaluate(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dns_resolver *dns = zone(zone_text);
    struct dmarc_result r;
    struct dkim_result pass_parent = dk("example.com", AUTH_PASS);

    /* From news.example.com: no record there, example.com's found one label
     * up; sp= applies; DKIM d=example.com aligned (relaxed) */
    struct dmarc_input in = {.from_domain = "news.example.com",
                             .n_from_domains = 1,
                             .spf_result = AUTH_FAIL,
                             .spf_domain = "bounce.esp.test",
                             .dkim = &pass_parent,
                             .n_dkim = 1};
    dmarc_evaluate(dns, NULL, a, &in, &r);
    assert_int_equal(r.result, AUTH_PASS);
    assert_string_equal(r.policy_domain, "example.com");
    assert_string_equal(r.org_domain, "example.com");
    assert_string_equal(r.policy, "quarantine");
    assert_string_equal(r.policy_tag, "sp");
    assert_true(r.dkim_aligned);
    assert_false(r.spf_aligned);
    assert_string_equal(r.disposition, "none");

    /* the same but the DKIM pass is for another organisation: fail, and the
     * disposition is the subdomain policy */
    struct dkim_result other = dk("esp.test", AUTH_PASS);
    in.dkim = &other;
    dmarc_evaluate(dns, NULL, a, &in, &r);
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.disposition, "quarantine");
    assert_string_equal(r.reason, "SPF or DKIM passed, but not for a domain aligned with From");

    /* a From domain that does not exist: np= */
    in.from_domain = "ghost.example.com";
    dmarc_evaluate(dns, NULL, a, &in, &r);
    assert_string_equal(r.policy_tag, "np");
    assert_string_equal(r.disposition, "reject");

    /* the From domain itself: p=; SPF aligned relaxed (mail.example.com) */
    in.from_domain = "example.com";
    in.spf_result = AUTH_PASS;
    in.spf_domain = "mail.example.com";
    dmarc_evaluate(dns, NULL, a, &in, &r);
    assert_int_equal(r.result, AUTH_PASS);
    assert_true(r.spf_aligned);
    assert_string_equal(r.policy_tag, "p");

    /* strict alignment: a subdomain does not align */
    struct dkim_result sub = dk("mail.strict.test", AUTH_PASS);
    struct dmarc_input s = {.from_domain = "strict.test",
                            .n_from_domains = 1,
                            .spf_result = AUTH_PASS,
                            .spf_domain = "bounce.strict.test",
                            .dkim = &sub,
                            .n_dkim = 1};
    dmarc_evaluate(dns, NULL, a, &s, &r);
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.disposition, "quarantine");

    /* t=y lowers the disposition one step */
    struct dmarc_input t = {
        .from_domain = "testing.test", .n_from_domains = 1, .spf_result = AUTH_FAIL};
    dmarc_evaluate(dns, NULL, a, &t, &r);
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.policy, "reject");
    assert_string_equal(r.disposition, "quarantine");

    /* no record anywhere up the tree: none; two records at one name count
     * as none there */
    struct dmarc_input nr = {.from_domain = "nowhere.invalid.test", .n_from_domains = 1};
    dmarc_evaluate(dns, NULL, a, &nr, &r);
    assert_int_equal(r.result, AUTH_NONE);
    assert_string_equal(r.reason, "no DMARC record");
    nr.from_domain = "two.test";
    dmarc_evaluate(dns, NULL, a, &nr, &r);
    assert_int_equal(r.result, AUTH_NONE);

    /* several From domains; no From; no DNS source */
    nr.n_from_domains = 2;
    dmarc_evaluate(dns, NULL, a, &nr, &r);
    assert_int_equal(r.result, AUTH_PERMERROR);
    nr.n_from_domains = 0;
    nr.from_domain = NULL;
    dmarc_evaluate(dns, NULL, a, &nr, &r);
    assert_int_equal(r.result, AUTH_NONE);
    struct dns_resolver *none = dns_new();
    in.from_domain = "example.com";
    dmarc_evaluate(none, NULL, a, &in, &r);
    assert_int_equal(r.result, AUTH_TEMPERROR);
    assert_string_equal(r.reason, "no DNS source");
    dns_free(none);
    dns_free(dns);
    arena_free(a);
}

static void test_org_domain_tree_walk(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dns_resolver *dns = zone(zone_text);
    int q = 0;
    /* psd=n at org1.psd.test stops the walk there */
    assert_string_equal(dmarc_org_domain(dns, NULL, a, "deep.sub.org1.psd.test", &q),
                        "org1.psd.test");
    assert_int_equal(q, 3); /* deep.sub.org1.psd.test, sub.org1.psd.test, org1.psd.test */
    /* psd=y at psd.test: the name below it on the path is the org domain */
    q = 0;
    assert_string_equal(dmarc_org_domain(dns, NULL, a, "x.other.psd.test", &q), "other.psd.test");
    /* no psd tag: the highest record found (example.com) */
    assert_string_equal(dmarc_org_domain(dns, NULL, a, "a.b.news.example.com", &q), "example.com");
    /* no record at all: the name itself */
    assert_string_equal(dmarc_org_domain(dns, NULL, a, "x.y.invalid", &q), "x.y.invalid");
    /* 9 labels: _dmarc of the name, then of its rightmost 7 labels, then one
     * label at a time down to the TLD: 1 + 7 = 8 queries, the ceiling */
    q = 0;
    dmarc_org_domain(dns, NULL, a, "l1.l2.l3.l4.l5.l6.l7.l8.invalid", &q);
    assert_int_equal(q, 8);
    dns_free(dns);
    arena_free(a);
}

static void test_psl(void **state)
{
    (void)state;
    arena *a = arena_new();
    static const char list[] = "// comment\n"
                               "com\n"
                               "uk\n"
                               "co.uk\n"
                               "*.ck\n"
                               "!www.ck\n"
                               "blogspot.com\n"
                               "\xe4\xb8\xad\xe5\x9b\xbd\n";
    struct psl *l = psl_load_text(list, sizeof list - 1);
    assert_int_equal(psl_rules(l), 6); /* the U-label rule is skipped */
    assert_string_equal(psl_org_domain(l, a, "mail.example.com"), "example.com");
    assert_string_equal(psl_org_domain(l, a, "a.b.example.co.uk"), "example.co.uk");
    assert_string_equal(psl_org_domain(l, a, "foo.bar.ck"), "foo.bar.ck"); /* *.ck */
    assert_string_equal(psl_org_domain(l, a, "a.www.ck"), "www.ck");       /* !www.ck */
    assert_string_equal(psl_org_domain(l, a, "me.blogspot.com"), "me.blogspot.com");
    assert_string_equal(psl_org_domain(l, a, "x.example.zz"), "example.zz"); /* implicit * */
    assert_null(psl_org_domain(l, a, "co.uk"));
    assert_null(psl_org_domain(l, a, "com"));
    /* DMARC with the list: news.example.co.uk and example.co.uk align */
    struct dns_resolver *dns = zone("_dmarc.example.co.uk. TXT \"v=DMARC1; p=reject\"\n"
                                    "example.co.uk. A 192.0.2.9\n");
    struct dkim_result d = dk("news.example.co.uk", AUTH_PASS);
    struct dmarc_input in = {
        .from_domain = "example.co.uk", .n_from_domains = 1, .dkim = &d, .n_dkim = 1};
    struct dmarc_result r;
    dmarc_evaluate(dns, l, a, &in, &r);
    assert_int_equal(r.result, AUTH_PASS);
    assert_string_equal(r.method, "public suffix list (RFC 7489)");
    dns_free(dns);
    psl_free(l);
    /* the installed list (make deps installs the publicsuffix package) */
    char err[256];
    struct psl *sys = psl_load(PSL_DEFAULT_PATH, err, sizeof err);
    assert_non_null(sys);
    assert_true(psl_rules(sys) > 5000);
    assert_string_equal(psl_org_domain(sys, a, "www.bbc.co.uk"), "bbc.co.uk");
    psl_free(sys);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_parse),
        cmocka_unit_test(test_evaluate),
        cmocka_unit_test(test_org_domain_tree_walk),
        cmocka_unit_test(test_psl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
