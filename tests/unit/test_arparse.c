/* Unit tests for auth/arparse.c: Authentication-Results as Gmail, Microsoft
 * 365, Yahoo and rspamd write them (forms written for these tests after the
 * published formats, RFC 8601 §2.2 grammar), ARC-Authentication-Results and
 * Received-SPF (RFC 7208 §9.1). Expected values read off the inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "auth/arparse.h"

#define S(lit) lit, sizeof(lit) - 1

static void test_gmail_form(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arp_claims c = {0};
    int n = arp_parse_value(
        a, ARP_AUTH_RESULTS,
        S(" mx.gseed.example;\r\n       dkim=pass header.i=@shop.example.com header.s=sw1 "
          "header.b=AbCdEf12;\r\n       spf=pass (gseed.example: domain of "
          "bounces@em.shop.example.com designates 198.51.100.23 as permitted sender) "
          "smtp.mailfrom=bounces@em.shop.example.com;\r\n       dmarc=pass (p=QUARANTINE "
          "sp=QUARANTINE "
          "dis=NONE) header.from=shop.example.com"),
        3, &c);
    assert_int_equal(n, 3);
    assert_string_equal(c.v[0].authserv_id, "mx.gseed.example");
    assert_string_equal(c.v[0].method, "dkim");
    assert_string_equal(c.v[0].result, "pass");
    assert_string_equal(c.v[0].header_s, "sw1");
    assert_string_equal(c.v[0].header_i, "@shop.example.com");
    assert_null(c.v[0].header_d);
    assert_string_equal(arp_prop_get(&c.v[0], "header", "b"), "AbCdEf12");
    assert_int_equal(c.v[0].field, 3);
    assert_string_equal(c.v[1].method, "spf");
    assert_string_equal(c.v[1].smtp_mailfrom, "bounces@em.shop.example.com");
    assert_non_null(strstr(c.v[1].comment, "designates 198.51.100.23"));
    assert_string_equal(c.v[2].method, "dmarc");
    assert_string_equal(c.v[2].comment, "p=QUARANTINE sp=QUARANTINE dis=NONE");
    assert_string_equal(c.v[2].header_from, "shop.example.com");
    arena_free(a);
}

static void test_microsoft_form(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arp_claims c = {0};
    /* Microsoft: bare-word property "action", compauth with reason=,
     * no space before the next ';' */
    int n = arp_parse_value(a, ARP_AUTH_RESULTS,
                            S(" spf=pass (sender IP is 198.51.100.23)\r\n "
                              "smtp.mailfrom=em.shop.example.com; dkim=pass (signature was "
                              "verified)\r\n header.d=shop.example.com;dmarc=pass action=none\r\n "
                              "header.from=shop.example.com;compauth=pass reason=100"),
                            0, &c);
    /* Microsoft omits the authserv-id: the first clause is a result */
    assert_int_equal(n, 4);
    assert_null(c.v[0].authserv_id);
    assert_string_equal(c.v[0].method, "spf");
    assert_string_equal(c.v[0].smtp_mailfrom, "em.shop.example.com");
    assert_string_equal(c.v[0].comment, "sender IP is 198.51.100.23");
    const struct arp_claim *dk = NULL, *dm = NULL, *ca = NULL;
    for (size_t i = 0; i < c.n; i++) {
        if (strcmp(c.v[i].method, "dkim") == 0) dk = &c.v[i];
        if (strcmp(c.v[i].method, "dmarc") == 0) dm = &c.v[i];
        if (strcmp(c.v[i].method, "compauth") == 0) ca = &c.v[i];
    }
    assert_non_null(dk);
    assert_string_equal(dk->header_d, "shop.example.com");
    assert_string_equal(dk->comment, "signature was verified");
    assert_non_null(dm);
    assert_string_equal(arp_prop_get(dm, "", "action"), "none");
    assert_non_null(ca);
    assert_string_equal(ca->reason, "100");
    arena_free(a);
}

static void test_arc_and_none(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arp_claims c = {0};
    int n = arp_parse_value(a, ARP_ARC_AUTH_RESULTS,
                            S("i=2; lists.example.org; dkim=pass header.d=example.com; "
                              "arc=pass (\"as\"=1)"),
                            7, &c);
    assert_int_equal(n, 2);
    assert_int_equal(c.v[0].arc_instance, 2);
    assert_string_equal(c.v[0].authserv_id, "lists.example.org");
    assert_string_equal(c.v[1].method, "arc");
    /* "none": a receiver that checked nothing */
    n = arp_parse_value(a, ARP_AUTH_RESULTS, S("mail.example.com 1; none"), 8, &c);
    assert_int_equal(n, 0);
    /* RFC 8601 §2.2: a version number after the authserv-id, and a
     * method version "dkim/1" */
    n = arp_parse_value(a, ARP_AUTH_RESULTS,
                        S("mx.example.net 1; dkim/1=fail reason=\"bad sig\" header.d=x.test"), 9,
                        &c);
    assert_int_equal(n, 1);
    assert_string_equal(c.v[c.n - 1].method, "dkim");
    assert_string_equal(c.v[c.n - 1].result, "fail");
    assert_string_equal(c.v[c.n - 1].reason, "bad sig");
    /* unreadable: no authserv-id */
    assert_int_equal(arp_parse_value(a, ARP_AUTH_RESULTS, S("   "), 0, &c), -1);
    assert_int_equal(arp_parse_value(a, ARP_ARC_AUTH_RESULTS, S("x=1; a"), 0, &c), -1);
    arena_free(a);
}

static void test_received_spf(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arp_claims c = {0};
    int n = arp_parse_value(a, ARP_RECEIVED_SPF,
                            S(" Pass (mailfrom) identity=mailfrom; client-ip=198.51.100.77;\r\n"
                              "\thelo=mta77.sendwave.example.net;\r\n"
                              "\tenvelope-from=<bounces@em.shop.example.com>;\r\n"
                              "\treceiver=mx1.seedmail.example"),
                            2, &c);
    assert_int_equal(n, 1);
    assert_string_equal(c.v[0].method, "spf");
    assert_string_equal(c.v[0].result, "pass");
    assert_string_equal(c.v[0].comment, "mailfrom");
    assert_string_equal(c.v[0].remote_ip, "198.51.100.77");
    assert_string_equal(c.v[0].smtp_helo, "mta77.sendwave.example.net");
    assert_string_equal(c.v[0].smtp_mailfrom, "<bounces@em.shop.example.com>");
    assert_string_equal(c.v[0].authserv_id, "mx1.seedmail.example");
    assert_string_equal(arp_prop_get(&c.v[0], "", "identity"), "mailfrom");
    arena_free(a);
}

static void test_all_fields_and_ceilings(void **state)
{
    (void)state;
    arena *a = arena_new();
    static const char msg[] = "Received-SPF: softfail (x) client-ip=192.0.2.1\r\n"
                              "Authentication-Results: a.example; spf=softfail\r\n"
                              "ARC-Authentication-Results: i=1; b.example; dkim=none\r\n"
                              "Authentication-Results: ;;;\r\n"
                              "Subject: hi\r\n\r\nbody\r\n";
    struct hdr_block hb;
    hdr_parse(a, msg, sizeof msg - 1, &hb, NULL);
    struct arp_claims c;
    arp_parse_all(a, &hb, &c);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.v[0].source, ARP_RECEIVED_SPF);
    assert_int_equal(c.v[1].source, ARP_AUTH_RESULTS);
    assert_int_equal(c.v[1].field, 1);
    assert_int_equal(c.v[2].source, ARP_ARC_AUTH_RESULTS);
    assert_int_equal(c.bad, 1); /* ";;;" has no authserv-id */
    /* more claims than the ceiling: kept up to it, the rest counted */
    char big[ARP_MAX_CLAIMS * 12 + 64];
    size_t o = (size_t)snprintf(big, sizeof big, "x.example");
    for (int i = 0; i < ARP_MAX_CLAIMS + 5; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "; spf=pass");
    struct arp_claims d = {0};
    arp_parse_value(a, ARP_AUTH_RESULTS, big, o, 0, &d);
    assert_int_equal(d.n, ARP_MAX_CLAIMS);
    assert_int_equal(d.dropped, 5);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gmail_form),
        cmocka_unit_test(test_microsoft_form),
        cmocka_unit_test(test_arc_and_none),
        cmocka_unit_test(test_received_spf),
        cmocka_unit_test(test_all_fields_and_ceilings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
