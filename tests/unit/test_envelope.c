/* Unit tests for auth/envelope.c and auth/iprev.c: the entry hop of the
 * Received chain (internal hops skipped, --trusted-hops, --internal-net,
 * --receiver), the fallbacks to Received-SPF / Authentication-Results /
 * Return-Path, and iprev and the HELO checks against a snapshot written
 * here. Expected values read off the test messages and zones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "auth/envelope.h"
#include "auth/iprev.h"

static const char msg[] =
    "Return-Path: <bounces@em.shop.example.com>\r\n"
    "Received: from imap1.seedmail.example (imap1 [10.0.0.5]) by store1.seedmail.example "
    "with LMTP id x1; Tue, 1 Apr 2025 10:00:10 +0000\r\n"
    "Received: from mta23.sendwave.example.net (mta23.sendwave.example.net [198.51.100.23])\r\n"
    "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384)\r\n"
    "\tby mx1.seedmail.example (Postfix) with ESMTPS id 4AbC; Tue, 1 Apr 2025 10:00:05 +0000\r\n"
    "Received: from app7.client.example ([192.0.2.99]) by "
    "mta23.sendwave.example.net with ESMTP; Tue, 1 Apr 2025 10:00:04 +0000\r\n"
    "From: Shop <news@shop.example.com>\r\n"
    "Subject: x\r\n\r\nbody\r\n";

static void parse(arena *a, const char *text, struct message *m, struct arp_claims *c)
{
    message_parse(a, text, strlen(text), NULL, NULL, m);
    arp_parse_all(a, &m->hdr, c);
}

static void test_entry_hop(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct message m;
    struct arp_claims c;
    parse(a, msg, &m, &c);
    struct envelope_opts o;
    envelope_opts_init(&o);
    struct envelope e;
    /* the LMTP hop from 10.0.0.5 is internal: the entry hop is the second */
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_int_equal(e.hop, 1);
    assert_string_equal(e.ip, "198.51.100.23");
    assert_string_equal(e.ip_source, "received");
    assert_string_equal(e.helo, "mta23.sendwave.example.net");
    assert_string_equal(e.received_by, "mx1.seedmail.example");
    assert_true(e.tls);
    assert_string_equal(e.mail_from, "bounces@em.shop.example.com");
    assert_string_equal(e.mail_from_source, "return-path");
    /* --trusted-hops 2: the first two are the receiver's, the third is the entry */
    o.trusted_hops = 2;
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_int_equal(e.hop, 2);
    assert_string_equal(e.ip, "192.0.2.99");
    assert_false(e.tls);
    /* --internal-net 198.51.100.0/24 makes the sender's relay internal too */
    envelope_opts_init(&o);
    assert_int_equal(envelope_add_net(&o, "198.51.100.0/24"), 0);
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_string_equal(e.ip, "192.0.2.99");
    assert_int_equal(envelope_add_net(&o, "not-a-net"), -1);
    /* a hop between two hosts of one organisation is passed over */
    static const char same[] =
        "Received: from a.prod.outlook.example (2001:db8:a1::1) by b.prod.outlook.example "
        "with HTTPS; Tue, 1 Apr 2025 10:00:13 +0000\r\n"
        "Received: from mta.sender.example (198.51.100.5) by fe.protection.outlook.example "
        "with ESMTPS; Tue, 1 Apr 2025 10:00:11 +0000\r\n"
        "From: a@sender.example\r\n\r\nx\r\n";
    struct message m2;
    struct arp_claims c2;
    parse(a, same, &m2, &c2);
    envelope_opts_init(&o);
    envelope_reconstruct(a, &m2, &c2, &o, &e);
    assert_int_equal(e.hop, 1);
    assert_string_equal(e.ip, "198.51.100.5");
    /* --receiver: the hop received by that host */
    envelope_opts_init(&o);
    o.receiver = "seedmail.example";
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_int_equal(e.hop, 0); /* store1.seedmail.example is under seedmail.example */
    assert_string_equal(e.ip, "10.0.0.5");
    o.receiver = "mx1.seedmail.example";
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_int_equal(e.hop, 1);
    /* overrides win */
    envelope_opts_init(&o);
    o.ip = "203.0.113.9";
    o.mail_from = "";
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_string_equal(e.ip, "203.0.113.9");
    assert_string_equal(e.ip_source, "override");
    assert_string_equal(e.mail_from, "");
    assert_string_equal(e.helo, "mta23.sendwave.example.net");
    arena_free(a);
}

static void test_fallbacks(void **state)
{
    (void)state;
    arena *a = arena_new();
    /* no usable Received: the receiver's headers give the envelope */
    static const char m2[] =
        "Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=198.51.100.77;\r\n"
        "\thelo=mta77.sendwave.example.net; envelope-from=<b@em.shop.example.com>\r\n"
        "Received: by 2002:a05:6a20:1:b0::1 with SMTP id x; Tue, 1 Apr 2025 10:20:11 +0000\r\n"
        "From: a@shop.example.com\r\n\r\nx\r\n";
    struct message m;
    struct arp_claims c;
    parse(a, m2, &m, &c);
    struct envelope_opts o;
    envelope_opts_init(&o);
    struct envelope e;
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_int_equal(e.hop, -1);
    assert_string_equal(e.ip, "198.51.100.77");
    assert_string_equal(e.ip_source, "received-spf");
    assert_string_equal(e.helo, "mta77.sendwave.example.net");
    assert_string_equal(e.mail_from, "b@em.shop.example.com");
    assert_string_equal(e.mail_from_source, "received-spf");
    assert_false(e.tls_known);
    /* Authentication-Results smtp.mailfrom as a bare domain (Microsoft) */
    static const char m3[] = "Authentication-Results: spf=pass (sender IP is 198.51.100.23) "
                             "smtp.mailfrom=em.shop.example.com\r\n"
                             "From: a@shop.example.com\r\n\r\nx\r\n";
    parse(a, m3, &m, &c);
    envelope_reconstruct(a, &m, &c, &o, &e);
    assert_string_equal(e.mail_from, "em.shop.example.com");
    assert_string_equal(e.mail_from_source, "authentication-results");
    assert_null(e.ip);
    arena_free(a);
}

static const char zone_text[] = "23.100.51.198.in-addr.arpa. PTR mta23.sendwave.example.net.\n"
                                "mta23.sendwave.example.net. A 198.51.100.23\n"
                                "mta77.sendwave.example.net. A 198.51.100.77\n"
                                "50.100.51.198.in-addr.arpa. PTR liar.example.net.\n"
                                "liar.example.net. A 192.0.2.50\n"
                                "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2"
                                ".ip6.arpa. PTR v6.example.net.\n"
                                "v6.example.net. AAAA 2001:db8::1\n";

static void test_iprev_and_helo(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dns_resolver *dns = dns_new();
    char err[256];
    assert_int_equal(dns_add_zone_text(dns, zone_text, sizeof zone_text - 1, "t", err, sizeof err),
                     0);
    struct iprev_result ip;
    struct helo_result h;
    iprev_check(dns, a, "198.51.100.23", &ip);
    assert_int_equal(ip.result, AUTH_PASS);
    assert_string_equal(ip.confirmed, "mta23.sendwave.example.net");
    helo_check(dns, a, "mta23.sendwave.example.net", "198.51.100.23", &ip, &h);
    assert_true(h.fqdn && h.resolves && h.points_to_ip && h.matches_ptr);
    assert_string_equal(h.reason, "HELO resolves to the client IP and matches its PTR");
    /* no PTR: fail; the HELO still points to the IP */
    iprev_check(dns, a, "198.51.100.77", &ip);
    assert_int_equal(ip.result, AUTH_FAIL);
    assert_string_equal(ip.reason, "no PTR record for 198.51.100.77 (nxdomain)");
    helo_check(dns, a, "mta77.sendwave.example.net", "198.51.100.77", &ip, &h);
    assert_true(h.points_to_ip);
    assert_false(h.matches_ptr);
    assert_string_equal(h.reason, "HELO resolves to the client IP, which has no PTR");
    /* a PTR that does not resolve back */
    iprev_check(dns, a, "198.51.100.50", &ip);
    assert_int_equal(ip.result, AUTH_FAIL);
    assert_string_equal(ip.reason, "PTR liar.example.net does not resolve back to 198.51.100.50");
    /* IPv6 nibble name */
    iprev_check(dns, a, "2001:db8::1", &ip);
    assert_int_equal(ip.result, AUTH_PASS);
    /* HELO forms */
    helo_check(dns, a, "[198.51.100.23]", "198.51.100.23", NULL, &h);
    assert_true(h.ip_literal);
    helo_check(dns, a, "localhost", "198.51.100.23", NULL, &h);
    assert_false(h.fqdn);
    helo_check(dns, a, "nowhere.example.net", "198.51.100.23", NULL, &h);
    assert_string_equal(h.reason, "HELO name does not resolve");
    helo_check(dns, a, "mta77.sendwave.example.net", "198.51.100.23", NULL, &h);
    assert_string_equal(h.reason, "HELO name does not resolve to the client IP");
    /* no IP; no DNS source */
    iprev_check(dns, a, NULL, &ip);
    assert_int_equal(ip.result, AUTH_NONE);
    struct dns_resolver *none = dns_new();
    iprev_check(none, a, "198.51.100.23", &ip);
    assert_int_equal(ip.result, AUTH_TEMPERROR);
    assert_string_equal(ip.reason, "no DNS source");
    dns_free(none);
    dns_free(dns);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entry_hop),
        cmocka_unit_test(test_fallbacks),
        cmocka_unit_test(test_iprev_and_helo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
