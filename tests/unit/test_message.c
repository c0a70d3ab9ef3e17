/* Unit tests for mail/message: the fields tied together from the parsers
 * (identity, recipients, Return-Path, arrival), message-level anomalies, and
 * the cheap placement path agreeing with the full parse. Expected values are
 * worked out by hand from the literal messages below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "mail/message.h"
#include "util/hash.h"

static bool has(const struct message *m, enum anom_code c)
{
    return anom_has(&m->an, c) != 0;
}

static void identity_and_recipients(void **state)
{
    (void)state;
    static const char raw[] =
        "Return-Path: <>\n"
        "Received: from a.example (a.example [192.0.2.1]) by mx.example (Postfix) with ESMTP id X;"
        " Tue, 1 Apr 2025 12:00:00 +0200\n"
        "From: \"Shop\" <news@Shop.Example.COM>\n"
        "To: a@example.org, \"B\" <b@example.org>\n"
        "Cc: c@example.net\n"
        "Subject: =?utf-8?Q?Caf=C3=A9?=\n"
        "Date: Tue, 1 Apr 2025 09:00:00 +0000\n"
        "Message-ID: <id-1@shop.example.com>\n"
        "\n"
        "hello\n";
    arena *a = arena_new();
    struct message m;
    message_parse(a, raw, sizeof raw - 1, NULL, NULL, &m);
    char sha[65];
    sha256_hex(raw, sizeof raw - 1, sha);
    assert_string_equal(m.sha256, sha);
    assert_true(m.has_from);
    assert_string_equal(m.from.address, "news@Shop.Example.COM");
    assert_string_equal(m.from.domain_lc, "shop.example.com");
    assert_string_equal(m.subject, "Caf\xc3\xa9");
    assert_string_equal(m.message_id, "id-1@shop.example.com");
    assert_string_equal(m.return_path, "");
    assert_string_equal(m.rcpt_summary, "a@example.org, b@example.org, c@example.net");
    /* Date 09:00 UTC; topmost Received 12:00+0200 = 10:00 UTC is the arrival */
    assert_int_equal(m.date, 1743498000);
    assert_int_equal(m.arrival, 1743501600);
    assert_int_equal(m.n_received, 1);
    assert_int_equal(m.an.n, 0);
    assert_int_equal(m.mime.n, 1);
    arena_free(a);
}

static void message_level_anomalies(void **state)
{
    (void)state;
    static const char raw[] = "Subject: one\nSubject: two\nTo: x@example.com\n\nbody\n";
    arena *a = arena_new();
    struct message m;
    message_parse(a, raw, sizeof raw - 1, NULL, NULL, &m);
    assert_true(has(&m, ANOM_HDR_FROM_MISSING));
    assert_true(has(&m, ANOM_HDR_DATE_MISSING));
    assert_true(has(&m, ANOM_HDR_MSGID_MISSING));
    assert_true(has(&m, ANOM_HDR_DUPLICATE_SINGLE));
    assert_string_equal(m.subject, "one");
    assert_false(m.has_from);
    assert_int_equal(m.arrival, 0);

    static const char bad_id[] = "From: a@example.com\nMessage-ID: no-brackets@example.com\n\nx\n";
    message_parse(a, bad_id, sizeof bad_id - 1, NULL, NULL, &m);
    assert_true(has(&m, ANOM_HDR_MSGID_INVALID));
    assert_string_equal(m.message_id, "no-brackets@example.com");

    message_parse(a, "", 0, NULL, NULL, &m);
    assert_true(has(&m, ANOM_MSG_EMPTY));
    arena_free(a);
}

static void qmail_note_is_not_unparseable(void **state)
{
    (void)state;
    static const char raw[] =
        "Received: (qmail 4242 invoked from network); 1 Apr 2025 10:00:00 -0000\n"
        "Received: total garbage here\n"
        "From: a@example.com\n\nx\n";
    arena *a = arena_new();
    struct message m;
    message_parse(a, raw, sizeof raw - 1, NULL, NULL, &m);
    assert_int_equal(m.n_received, 2);
    /* exactly one unparseable hop: the garbage one, not qmail's note */
    size_t n = 0;
    for (size_t i = 0; i < m.an.n; i++)
        if (m.an.v[i].code == ANOM_RECEIVED_UNPARSEABLE) {
            n++;
            assert_string_equal(m.an.v[i].detail, "hop 1");
        }
    assert_int_equal(n, 1);
    assert_int_equal(m.arrival, 1743501600);
    arena_free(a);
}

static void placement_paths_agree(void **state)
{
    (void)state;
    static const struct {
        const char *raw, *folder;
        enum placement want;
    } cases[] = {
        {"From: a@example.com\nX-Spam-Flag: YES\n\nx\n", NULL, PLACEMENT_SPAM},
        {"From: a@example.com\nX-Spam-Flag: YES\n\nx\n", "INBOX",
         PLACEMENT_INBOX}, /* folder beats verdict */
        {"From: a@example.com\nX-Gmail-Labels: Spam,Unread\n\nx\n", "INBOX", PLACEMENT_SPAM},
        {"From: a@example.com\n\nx\n", "Junk", PLACEMENT_SPAM},
        {"From: a@example.com\n\nx\n", NULL, PLACEMENT_UNKNOWN},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct message m;
        const char *ev;
        message_parse(a, cases[i].raw, strlen(cases[i].raw), cases[i].folder, NULL, &m);
        assert_int_equal(m.placement, cases[i].want);
        assert_int_equal(
            message_placement(a, cases[i].raw, strlen(cases[i].raw), cases[i].folder, &ev),
            cases[i].want);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_and_recipients),
        cmocka_unit_test(message_level_anomalies),
        cmocka_unit_test(qmail_note_is_not_unparseable),
        cmocka_unit_test(placement_paths_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
