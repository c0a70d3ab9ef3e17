/* test_received — real-shaped Received values, one or more per MTA form.
 * Field expectations were written by reading each header by hand (which
 * name is the HELO, which the rDNS, per the MTA's documented format); the
 * expected UTC seconds come from Python's
 * email.utils.parsedate_to_datetime(text after the last ';').timestamp(). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mail/received.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define NO_DATE INT64_MIN

struct rcase {
    const char *name;
    const char *in;
    const char *helo, *rdns, *ip, *by, *with, *id, *for_addr, *tls;
    bool tls_used;
    int64_t date; /* NO_DATE: date_valid must be false */
    bool parsed;
};

static const struct rcase cases[] = {
    {"postfix-tls",
     "from mail.sender.example (mail.sender.example [192.0.2.10])\r\n"
     "\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n"
     "\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n"
     "\t(No client certificate requested)\r\n"
     "\tby mx.example.net (Postfix) with ESMTPS id 4Xyz1234abc\r\n"
     "\tfor <alice@example.net>; Tue, 1 Apr 2025 10:00:00 +0000 (UTC)",
     "mail.sender.example", "mail.sender.example", "192.0.2.10", "mx.example.net", "ESMTPS",
     "4Xyz1234abc", "alice@example.net", "TLSv1.3 TLS_AES_256_GCM_SHA384", true, 1743501600, true},
    {"postfix-unknown",
     "from helo.bad (unknown [198.51.100.7]) by mx.example.net (Postfix) with ESMTP id 4AbC for "
     "<bob@example.net>; Wed, 2 Apr 2025 08:15:30 +0200 (CEST)",
     "helo.bad", "unknown", "198.51.100.7", "mx.example.net", "ESMTP", "4AbC", "bob@example.net",
     NULL, false, 1743574530, true},
    {"postfix-ipv6",
     "from mail.example.org (mail.example.org [IPv6:2001:DB8::25]) by mx.example.net (Postfix) "
     "with ESMTPS id 4Q for <c@example.net>; Thu, 3 Apr 2025 23:59:59 -0400",
     "mail.example.org", "mail.example.org", "2001:db8::25", "mx.example.net", "ESMTPS", "4Q",
     "c@example.net", NULL, true, 1743739199, true},
    {"postfix-pickup",
     "by mx.example.net (Postfix, from userid 1000) id 4L1; Fri, 4 Apr 2025 12:00:00 +0000 (UTC)",
     NULL, NULL, NULL, "mx.example.net", NULL, "4L1", NULL, NULL, false, 1743768000, true},
    {"postfix-auth",
     "from [192.168.1.20] (unknown [203.0.113.5]) (Authenticated sender: user@example.net) by "
     "smtp.example.net (Postfix) with ESMTPSA id 4Z for <x@y.example>; Sat, 5 Apr 2025 07:00:00 "
     "+0000 (UTC)",
     "[192.168.1.20]", "unknown", "203.0.113.5", "smtp.example.net", "ESMTPSA", "4Z", "x@y.example",
     NULL, true, 1743836400, true},
    {"postfix-mapped",
     "from host.example (host.example [IPv6:::ffff:192.0.2.70]) by mx.example.net (Postfix) with "
     "ESMTP id 4M; Tue, 1 Apr 2025 10:00:29 +0000",
     "host.example", "host.example", "192.0.2.70", "mx.example.net", "ESMTP", "4M", NULL, NULL,
     false, 1743501629, true},
    {"postfix-o365-client",
     "from NAM12-MW2-obe.outbound.protection.outlook.com "
     "(mail-mw2nam12on2101.outbound.protection.outlook.com [40.107.244.101]) by mx.example.net "
     "(Postfix) with ESMTPS id 4P for <x@example.net>; Tue, 1 Apr 2025 10:00:31 +0000",
     "NAM12-MW2-obe.outbound.protection.outlook.com",
     "mail-mw2nam12on2101.outbound.protection.outlook.com", "40.107.244.101", "mx.example.net",
     "ESMTPS", "4P", "x@example.net", NULL, true, 1743501631, true},
    {"sendmail",
     "from helo.example.com (rdns.example.com [192.0.2.33]) by mail.example.edu (8.15.2/8.15.2) "
     "with ESMTP id 531A0bXk012345 for <u@example.edu>; Tue, 1 Apr 2025 10:00:11 -0500",
     "helo.example.com", "rdns.example.com", "192.0.2.33", "mail.example.edu", "ESMTP",
     "531A0bXk012345", "u@example.edu", NULL, false, 1743519611, true},
    {"sendmail-forged",
     "from foo.example (host.example.net [192.0.2.34] (may be forged)) by mail.example.edu "
     "(8.14.4/8.14.4) with ESMTP id 531A; Tue, 1 Apr 2025 10:00:12 -0500",
     "foo.example", "host.example.net", "192.0.2.34", "mail.example.edu", "ESMTP", "531A", NULL,
     NULL, false, 1743519612, true},
    {"sendmail-ident",
     "from relay.example (IDENT:root@relay2.example.com [192.0.2.35]) by mail.example.edu "
     "(8.9.3/8.9.3) with ESMTP id KAA01234; Tue, 1 Apr 2025 10:00:13 -0500",
     "relay.example", "relay2.example.com", "192.0.2.35", "mail.example.edu", "ESMTP", "KAA01234",
     NULL, NULL, false, 1743519613, true},
    {"sendmail-tls",
     "from client.example (client.example [192.0.2.36]) (authenticated bits=0) by "
     "mail.example.edu (8.16.1/8.16.1) with ESMTPSA id 531B (version=TLSv1.3 "
     "cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NO) for <u@example.edu>; Tue, 1 Apr 2025 "
     "10:00:14 -0500",
     "client.example", "client.example", "192.0.2.36", "mail.example.edu", "ESMTPSA", "531B",
     "u@example.edu", "TLSv1.3 TLS_AES_256_GCM_SHA384", true, 1743519614, true},
    {"sendmail-local",
     "(from user@localhost) by mail.example.edu (8.15.2/8.15.2/Submit) id 531C; Tue, 1 Apr 2025 "
     "10:00:15 -0500",
     NULL, "localhost", NULL, "mail.example.edu", NULL, "531C", NULL, NULL, false, 1743519615,
     true},
    {"sendmail-no-rdns",
     "from helo.example ([192.0.2.37]) by mail.example.edu (8.15.2/8.15.2) with ESMTP id 531D; "
     "Tue, 1 Apr 2025 10:00:16 -0500",
     "helo.example", NULL, "192.0.2.37", "mail.example.edu", "ESMTP", "531D", NULL, NULL, false,
     1743519616, true},
    {"exim-tls",
     "from mail.sender.example ([192.0.2.50] helo=smtp.sender.example)\n\tby mx.exim.example with "
     "esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384\n\t(Exim 4.96)\n\t(envelope-from "
     "<bounce@sender.example>)\n\tid 1uABCd-000123-Xy\n\tfor alice@exim.example; Tue, 01 Apr 2025 "
     "10:00:16 +0100",
     "smtp.sender.example", "mail.sender.example", "192.0.2.50", "mx.exim.example", "esmtps",
     "1uABCd-000123-Xy", "alice@exim.example", "TLS1.3 TLS_AES_256_GCM_SHA384", true, 1743498016,
     true},
    {"exim-same-helo",
     "from mail.sender.example ([192.0.2.51]) by mx.exim.example with esmtp (Exim 4.94.2) "
     "(envelope-from <b@sender.example>) id 1uABCe-0001; Tue, 01 Apr 2025 10:00:17 +0100",
     "mail.sender.example", "mail.sender.example", "192.0.2.51", "mx.exim.example", "esmtp",
     "1uABCe-0001", NULL, NULL, false, 1743498017, true},
    {"exim-no-rdns",
     "from [198.51.100.9] (port=51234 helo=WIN-ABC) by mx.exim.example with esmtpa (Exim 4.96) "
     "(envelope-from <c@d.example>) id 1uX; Tue, 01 Apr 2025 10:00:18 +0100",
     "WIN-ABC", NULL, "198.51.100.9", "mx.exim.example", "esmtpa", "1uX", NULL, NULL, false,
     1743498018, true},
    {"o365",
     "from EUR05-DB8-obe.outbound.protection.outlook.com (2603:10a6:10:1f5::12) by "
     "DB3PR0802MB1234.eurprd08.prod.outlook.com (2603:10a6:8:1::5) with Microsoft SMTP Server "
     "(version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.4242.1; Tue, 1 Apr "
     "2025 10:00:19 +0000",
     "EUR05-DB8-obe.outbound.protection.outlook.com", NULL, "2603:10a6:10:1f5::12",
     "DB3PR0802MB1234.eurprd08.prod.outlook.com", "Microsoft SMTP Server", "15.20.4242.1", NULL,
     "TLS1_2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", true, 1743501619, true},
    {"exchange-mapi",
     "from DB9PR08MB1234.eurprd08.prod.outlook.com ([fe80::1234:5678:9abc:def0]) by "
     "DB9PR08MB1234.eurprd08.prod.outlook.com ([fe80::1234:5678:9abc:def0%12]) with mapi id "
     "15.20.4242.1; Tue, 1 Apr 2025 10:00:20 +0000",
     "DB9PR08MB1234.eurprd08.prod.outlook.com", NULL, "fe80::1234:5678:9abc:def0",
     "DB9PR08MB1234.eurprd08.prod.outlook.com", "mapi", "15.20.4242.1", NULL, NULL, false,
     1743501620, true},
    {"exchange-via",
     "from mail.example.com (10.1.2.3) by EXCH01.corp.example (10.1.2.4) with Microsoft SMTP "
     "Server "
     "id 15.1.2507.6 via Frontend Transport; Tue, 1 Apr 2025 10:00:21 +0000",
     "mail.example.com", NULL, "10.1.2.3", "EXCH01.corp.example", "Microsoft SMTP Server",
     "15.1.2507.6", NULL, NULL, false, 1743501621, true},
    {"gmail-internal",
     "by 2002:a05:6a20:9e4c:b0:1a2:3b4c:5d6e with SMTP id x12csp1234567pzb;\r\n        Tue, 1 "
     "Apr 2025 03:00:21 -0700 (PDT)",
     NULL, NULL, NULL, "2002:a05:6a20:9e4c:b0:1a2:3b4c:5d6e", "SMTP", "x12csp1234567pzb", NULL,
     NULL, false, 1743501621, true},
    {"gmail-mx",
     "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41])\r\n        by "
     "mx.google.com with SMTPS id a1sor12345\r\n        for <seed@gmail.com>\r\n        (Google "
     "Transport Security);\r\n        Tue, 01 Apr 2025 03:00:22 -0700 (PDT)",
     "mail-sor-f41.google.com", "mail-sor-f41.google.com", "209.85.220.41", "mx.google.com",
     "SMTPS", "a1sor12345", "seed@gmail.com", NULL, true, 1743501622, true},
    {"qmail-invoked", "(qmail 12345 invoked from network); 1 Apr 2025 10:00:23 -0000", NULL, NULL,
     NULL, NULL, NULL, NULL, NULL, NULL, false, 1743501623, false},
    {"qmail-helo",
     "from unknown (HELO mail.sender.example) (198.51.100.23)\n  by mx.qmail.example with SMTP; 1 "
     "Apr 2025 10:00:24 -0000",
     "mail.sender.example", "unknown", "198.51.100.23", "mx.qmail.example", "SMTP", NULL, NULL,
     NULL, false, 1743501624, true},
    {"qmail-same",
     "from mail.sender.example (198.51.100.24) by mx.qmail.example with SMTP; 1 Apr 2025 "
     "10:00:25 -0000",
     "mail.sender.example", "mail.sender.example", "198.51.100.24", "mx.qmail.example", "SMTP",
     NULL, NULL, NULL, false, 1743501625, true},
    {"hmailserver-tls",
     "from mail.sender.example (mail.sender.example [192.0.2.60])\r\n\tby WIN-HMAIL01 with "
     "ESMTPS\r\n\t(version=TLSv1.2 cipher=ECDHE-RSA-AES256-GCM-SHA384 bits=256)\r\n\t; Tue, 01 Apr "
     "2025 12:00:26 +0200",
     "mail.sender.example", "mail.sender.example", "192.0.2.60", "WIN-HMAIL01", "ESMTPS", NULL,
     NULL, "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384", true, 1743501626, true},
    {"hmailserver-unknown",
     "from WIN-CLIENT (Unknown [203.0.113.61])\r\n\tby WIN-HMAIL01 with ESMTPA\r\n\t; Tue, 01 Apr "
     "2025 12:00:27 +0200",
     "WIN-CLIENT", "Unknown", "203.0.113.61", "WIN-HMAIL01", "ESMTPA", NULL, NULL, NULL, false,
     1743501627, true},
    {"iis",
     "from mail.sender.example ([192.0.2.62]) by IIS-SMTP01.corp.example with Microsoft "
     "SMTPSVC(6.0.3790.4675);\r\n\t Tue, 1 Apr 2025 10:00:28 +0000",
     "mail.sender.example", NULL, "192.0.2.62", "IIS-SMTP01.corp.example", "Microsoft SMTPSVC",
     NULL, NULL, NULL, false, 1743501628, true},
    {"dovecot-lmtp",
     "from mx.example.net ([192.0.2.80]) by imap.example.net with LMTPS id AbCdEf (envelope-from "
     "<a@example.com>) for <c@example.net>; Tue, 01 Apr 2025 10:00:30 +0000",
     "mx.example.net", NULL, "192.0.2.80", "imap.example.net", "LMTPS", "AbCdEf", "c@example.net",
     NULL, true, 1743501630, true},
    /* the tls text with only a version, or only a cipher */
    {"exim-tls-version-only",
     "from a.example ([192.0.2.70]) by mx.exim.example with esmtps (TLS1.2) (Exim 4.96) id 1uV; "
     "Tue, 01 Apr 2025 10:00:31 +0100",
     "a.example", "a.example", "192.0.2.70", "mx.exim.example", "esmtps", "1uV", NULL, "TLS1.2",
     true, 1743498031, true},
    {"sendmail-cipher-only",
     "from b.example (b.example [192.0.2.71]) by mx.example.org (8.15.2/8.15.2) with ESMTPS id "
     "5A1 (cipher=ECDHE-RSA-AES128-SHA bits=128); Tue, 1 Apr 2025 10:00:32 -0500",
     "b.example", "b.example", "192.0.2.71", "mx.example.org", "ESMTPS", "5A1", NULL,
     "ECDHE-RSA-AES128-SHA", true, 1743519632, true},
    {"garbage", "garbage without keywords", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false,
     NO_DATE, false},
    {"bad-date", "from a (b [192.0.2.1]) by c; not a date", "a", "b", "192.0.2.1", "c", NULL, NULL,
     NULL, NULL, false, NO_DATE, true},
    {"bad-ip", "from a (b [192.0.2.300]) by c", "a", "b", NULL, "c", NULL, NULL, NULL, NULL, false,
     NO_DATE, true},
    {"unclosed", "from a (b [192.0.2.1] by c; Tue, 1 Apr 2025 10:00:00 +0000", "a", "b",
     "192.0.2.1", NULL, NULL, NULL, NULL, NULL, false, 1743501600, true},
    {"empty", "", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NO_DATE, false},
};

static void check_str(const char *name, const char *what, const char *got, const char *want)
{
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
        fail_msg("%s: %s = '%s', want '%s'", name, what, got ? got : "(null)",
                 want ? want : "(null)");
}

static void test_table(void **state)
{
    (void)state;
    assert_true(N(cases) >= 20);
    arena *a = arena_new();
    for (size_t i = 0; i < N(cases); i++) {
        const struct rcase *c = &cases[i];
        struct received_hop h;
        received_parse(a, c->in, strlen(c->in), &h);
        check_str(c->name, "from_helo", h.from_helo, c->helo);
        check_str(c->name, "from_rdns", h.from_rdns, c->rdns);
        check_str(c->name, "from_ip", h.from_ip, c->ip);
        check_str(c->name, "by", h.by, c->by);
        check_str(c->name, "with", h.with, c->with);
        check_str(c->name, "id", h.id, c->id);
        check_str(c->name, "for", h.for_addr, c->for_addr);
        check_str(c->name, "tls", h.tls, c->tls);
        if (h.tls_used != c->tls_used) fail_msg("%s: tls_used %d", c->name, h.tls_used);
        if (h.parsed != c->parsed) fail_msg("%s: parsed %d", c->name, h.parsed);
        if (c->date == NO_DATE) {
            if (h.date_valid) fail_msg("%s: date should be invalid", c->name);
        } else if (!h.date_valid || h.date != c->date) {
            fail_msg("%s: date %lld valid %d, want %lld", c->name, (long long)h.date, h.date_valid,
                     (long long)c->date);
        }
    }
    arena_free(a);
}

static void test_ip(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        const char *want; /* NULL: invalid */
    } t[] = {
        {"192.0.2.1", "192.0.2.1"},
        {"0.0.0.0", "0.0.0.0"},
        {"255.255.255.255", "255.255.255.255"},
        {"[192.0.2.1]", "192.0.2.1"},
        {"192.0.2.01", NULL}, /* leading zero: octal or decimal? rejected */
        {"256.1.1.1", NULL},
        {"1.2.3", NULL},
        {"1.2.3.4.5", NULL},
        {"1.2.3.", NULL},
        {"1..2.3", NULL},
        {"1234.1.1.1", NULL},
        {"", NULL},
        {"[]", NULL},
        {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
        {"[IPv6:2001:db8::1]", "2001:db8::1"},
        {"ipv6:2001:db8::1", "2001:db8::1"},
        {"::ffff:10.0.0.1", "10.0.0.1"},
        /* IPv4 text is written by hand: one, two and three digits, zeros */
        {"100.10.1.0", "100.10.1.0"},
        {"::ffff:0a00:00ff", "10.0.0.255"},
        {"[::FFFF:c000:2b0a]", "192.0.43.10"},
        {"::ffff:6465:0a09", "100.101.10.9"},
        {"::1", "::1"},
        {"fe80::1%eth0", NULL},
        {"2001:db8::g", NULL},
        {"2001:db8:::1", NULL},
        {"1:2:3:4:5:6:7:8:9", NULL},
        {"12345::1", NULL},
        {"2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"},
    };
    for (size_t i = 0; i < N(t); i++) {
        char out[64] = "";
        bool ok = received_ip_valid(t[i].in, strlen(t[i].in), out);
        if (ok != (t[i].want != NULL)) fail_msg("ip '%s': valid=%d", t[i].in, ok);
        if (ok && strcmp(out, t[i].want) != 0)
            fail_msg("ip '%s': '%s', want '%s'", t[i].in, out, t[i].want);
        assert_int_equal(received_ip_valid(t[i].in, strlen(t[i].in), NULL), ok);
    }
    /* not NUL-terminated: only len bytes are read */
    const char buf[] = {'1', '.', '2', '.', '3', '.', '4', '5'};
    char out[64];
    assert_true(received_ip_valid(buf, 7, out));
    assert_string_equal(out, "1.2.3.4");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_ip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
