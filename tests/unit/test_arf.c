/* Unit tests for feedback/arf.c. The fixtures of tests/fixtures/feedback/arf/
 * were written for these tests (formats after RFC 5965, RFC 6591, RFC 7489
 * §7.3 and the providers' published descriptions); every expected value
 * below is what the fixture says, copied from the fixture text by hand.
 * Arrival times in Unix seconds were computed with GNU date(1), e.g.
 * `date -u -d 'Tue, 14 May 2024 08:55:02 +0000' +%s`. Inline inputs are
 * exact-size heap copies so ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/arf.h"
#include "mail/message.h"

struct parsed {
    arena *a;
    char *raw; /* heap copy the message points into */
    struct message m;
    struct arf_report r;
    struct anomalies an;
    bool is;
};

static void parse_bytes(struct parsed *p, const char *bytes, size_t len)
{
    p->a = arena_new();
    p->raw = malloc(len ? len : 1);
    memcpy(p->raw, bytes, len);
    message_parse(p->a, p->raw, len, NULL, NULL, &p->m);
    anom_init(&p->an, p->a);
    p->is = arf_parse(p->a, &p->m, &p->r, &p->an);
}

static void parse_fixture(struct parsed *p, const char *name)
{
    char path[1024];
    const char *top = getenv("TOP");
    snprintf(path, sizeof path, "%s/tests/fixtures/feedback/arf/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    parse_bytes(p, buf, len);
}

static void done(struct parsed *p)
{
    arena_free(p->a);
    free(p->raw);
}

static void expect_str(const char *what, const char *got, const char *want)
{
    if (!want && !got) return;
    if (!want || !got || strcmp(got, want) != 0) {
        print_error("%s: got [%s], want [%s]\n", what, got ? got : "(null)",
                    want ? want : "(null)");
        fail();
    }
}

/* The arf.* anomalies recorded, as "name detail|name detail|..." */
static const char *arf_anomalies(struct parsed *p)
{
    static char out[2048];
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < p->an.n; i++) {
        const char *n = anom_name(p->an.v[i].code);
        if (strncmp(n, "arf.", 4) != 0) continue;
        o += (size_t)snprintf(out + o, sizeof out - o, "%s%s %s", o ? "|" : "", n,
                              p->an.v[i].detail ? p->an.v[i].detail : "");
    }
    return out;
}

/* ---- the fixtures, every field ---- */

struct want {
    const char *file;
    bool is;
    const char *format, *evidence, *feedback_type, *user_agent, *version;
    const char *original_mail_from, *original_rcpt_to, *arrival_date_raw;
    int64_t arrival_date;
    const char *source_ip, *reported_domain, *reported_uri, *reporting_mta;
    int64_t incidents;
    const char *authentication_results, *original_envelope_id;
    const char *auth_failure, *delivery_result, *dkim_domain, *dkim_identity, *dkim_selector;
    const char *identity_alignment, *spf_dns;
    bool has_original;
    const char *orig_message_id, *orig_from, *orig_to, *orig_subject, *orig_date_raw;
    const char *orig_feedback_id, *orig_list_id, *orig_return_path;
    const char *human_text;
    const char *anomalies; /* arf.* anomalies, as arf_anomalies() prints them */
};

static const struct want fixtures[] = {
    {
        .file = "yahoo-abuse.eml",
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report",
        .feedback_type = "abuse",
        .user_agent = "Yahoo!-Mail-Feedback/2.0",
        .version = "0.1",
        .original_mail_from = "bounce-4471-anna.berg=yahoo.com@mail.shop.example",
        .original_rcpt_to = "anna.berg@yahoo.com",
        .arrival_date_raw = "Tue, 14 May 2024 08:55:02 +0000", /* written as Received-Date */
        .arrival_date = 1715676902,
        .reported_domain = "shop.example",
        .incidents = 1,
        .authentication_results =
            "mta4012.mail.gq1.yahoo.com  header.from=shop.example; dkim=pass (ok)",
        .has_original = true,
        .orig_message_id = "spring24.4471@mail.shop.example",
        .orig_from = "news@shop.example",
        .orig_to = "anna.berg@yahoo.com",
        .orig_subject = "Spring sale \xE2\x80\x93 ends tonight",
        .orig_date_raw = "Tue, 14 May 2024 10:54:58 +0200",
        .orig_feedback_id = "spring24:newsletter:shop:esp42",
        .orig_list_id = "Shop news <news.shop.example>",
        .orig_return_path = "bounce-4471-anna.berg=yahoo.com@mail.shop.example",
        .human_text = "This is an email abuse report for an email message from shop.example on "
                      "Tue, 14 May 2024 08:55:02 +0000",
        .anomalies = "",
    },
    {
        .file = "aol-abuse.eml", /* CRLF line ends */
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report",
        .feedback_type = "abuse", /* written "Abuse" */
        .user_agent = "AOL SComp",
        .version = "0.1",
        .original_mail_from = "bounce-9902@mail.shop.example",
        .original_rcpt_to = "redacted@aol.com, second.redacted@aol.com",
        .arrival_date_raw = "Wed, 15 May 2024 16:41:20 -0400",
        .arrival_date = 1715805680,
        .source_ip = "198.51.100.25",
        .reported_domain = "shop.example",
        .reported_uri = "http://shop.example/unsubscribe?u=9902, http://shop.example/sale",
        .reporting_mta = "dns; omr-m11.mx.aol.com",
        .incidents = 3,
        .has_original = true,
        .orig_message_id = "lastchance.9902@mail.shop.example",
        .orig_from = "news@shop.example",
        .orig_to = "redacted@aol.com",
        .orig_subject = "Derni\xC3\xA8re chance",
        .orig_date_raw = "Wed, 15 May 2024 22:41:15 +0200",
        .orig_return_path = "", /* <> */
        .human_text = "This is an email abuse report for an email message received from IP\r\n"
                      "198.51.100.25 on Wed, 15 May 2024 16:41:20 -0400.",
        .anomalies = "",
    },
    {
        .file = "dmarc-auth-failure.eml",
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report",
        .feedback_type = "auth-failure",
        .user_agent = "ReceiverDMARC/3.1",
        .version = "1",
        .original_mail_from = "billing@shop.example",
        .original_rcpt_to = "victim@receiver.example",
        .arrival_date_raw = "Thu, 16 May 2024 03:20:39 +0000",
        .arrival_date = 1715829639,
        .source_ip = "2001:db8:5::17",
        .reported_domain = "shop.example",
        .incidents = 1,
        .authentication_results =
            "receiver.example; dmarc=fail (p=reject) header.from=shop.example; "
            "dkim=fail header.d=shop.example header.s=s2024; spf=fail "
            "smtp.mailfrom=shop.example",
        .original_envelope_id = "qid-5TZ81",
        .auth_failure = "dmarc",
        .delivery_result = "reject",
        .dkim_domain = "shop.example",
        .dkim_identity = "@shop.example",
        .dkim_selector = "s2024",
        .identity_alignment = "none",
        .spf_dns = "txt : shop.example : \"v=spf1 ip4:198.51.100.0/24 -all\"",
        .has_original = true, /* text/rfc822-headers, cut inside the last field */
        .orig_message_id = "spoof-77@spoof.invalid",
        .orig_from = "billing@shop.example",
        .orig_to = "victim@receiver.example, other@receiver.example",
        .orig_subject = "Invoice 4471 overdue",
        .orig_date_raw = "Thu, 16 May 2024 03:20:35 +0000",
        .human_text = "This is an authentication failure report for an email message received\n"
                      "from IP 2001:db8:5::17 on Thu, 16 May 2024 03:20:39 +0000.",
        .anomalies = "",
    },
    {
        .file = "not-spam.eml",
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report",
        .feedback_type = "not-spam",
        .user_agent = "MailboxExample-FBL/1.2",
        .version = "1",
        .arrival_date_raw = "Fri, 17 May 2024 09:30:00 +0000",
        .arrival_date = 1715938200,
        .source_ip = "198.51.100.26",
        .incidents = 1,
        .has_original = true,
        .orig_message_id = "order-8812@shop.example",
        .orig_from = "orders@shop.example",
        .orig_to = "kim@mailbox.example",
        .orig_subject = "Your order has shipped",
        .orig_date_raw = "Fri, 17 May 2024 11:29:55 +0200",
        .human_text = "A user marked this message as not spam.",
        .anomalies = "",
    },
    {
        .file = "jmrp.eml",
        .is = true,
        .format = "jmrp",
        .evidence = "From staff@hotmail.com with an attached message (Microsoft JMRP)",
        .feedback_type = "abuse",
        .original_rcpt_to = "lena.k@outlook.example", /* X-HmXmrOriginalRecipient */
        .source_ip = "198.51.100.27",                 /* from the subject */
        .incidents = 1,
        .has_original = true,
        .orig_message_id = "deal48.3391@mail2.shop.example",
        .orig_from = "deals@shop.example",
        .orig_to = "lena.k@outlook.example",
        .orig_subject = "48 hours only",
        .orig_date_raw = "Sat, 18 May 2024 07:50:05 +0200",
        .orig_list_id = "<deals.shop.example>",
        .orig_return_path = "bounce-3391@mail.shop.example",
        .human_text = "This is a Microsoft email abuse report for an email message received from "
                      "IP 198.51.100.27 on Sat, 18 May 2024 05:50:11 +0000.",
        .anomalies = "",
    },
    {
        .file = "base64-folded.eml", /* base64 part, folded fields, two field groups */
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report", /* written Feedback-Report */
        .feedback_type = "fraud",
        .user_agent = "PhishWatch/4.0 (build 77)",
        .version = "1",
        .original_rcpt_to = "alice@mailbox.example, bob@mailbox.example",
        .arrival_date_raw = "Sun, 19 May 2024 12:00:00 +0200",
        .arrival_date = 1716112800,
        .source_ip = "192.0.2.200",
        .reported_uri = "http://shop-example.invalid/login",
        .incidents = 1,
        .authentication_results =
            "mailbox.example; spf=fail smtp.mailfrom=shop-example.invalid; dkim=none",
        .has_original = true,
        .orig_message_id = "phish-1@shop-example.invalid",
        .orig_from = "security@shop-example.invalid",
        .orig_to = "alice@mailbox.example",
        .orig_subject = "Verify your account",
        .orig_date_raw = "Sun, 19 May 2024 11:58:00 +0200",
        .human_text = "Phishing pretending to be shop.example.",
        .anomalies = "",
    },
    {
        .file = "missing-type.eml",
        .is = true,
        .format = "arf",
        .evidence = "multipart/report; report-type=feedback-report",
        .feedback_type = NULL,
        .user_agent = "SmallISP-FBL/0.9", /* the first of two */
        .version = "1",
        .arrival_date_raw = "yesterday",
        .arrival_date = 0,
        .source_ip = "198.51.100.30", /* after a line that is not a field */
        .incidents = 1,
        .has_original = false,
        .human_text = "Complaint about a message from your network.",
        .anomalies = "arf.bad_field repeated User-Agent|arf.bad_field Arrival-Date: yesterday|"
                     "arf.bad_field Incidents: many|arf.missing_field Feedback-Type|"
                     "arf.structure no part with the reported message or its headers",
    },
    {
        .file = "no-report-type.eml",
        .is = true,
        .format = "arf",
        .evidence = "message/feedback-report part in multipart/mixed (report-type missing)",
        .feedback_type = "virus",
        .user_agent = "LegacyFBL/2.2",
        .version = "1",
        .incidents = 1,
        .has_original = true,
        .orig_message_id = "nl-55@shop.example",
        .orig_from = "news@shop.example",
        .orig_subject = "Newsletter",
        .human_text = "Abuse report attached.",
        .anomalies =
            "arf.structure message/feedback-report part in multipart/mixed (report-type missing)",
    },
    {
        .file = "ses-complaint.eml", /* SNS envelope: the SES JSON as an escaped string */
        .is = true,
        .format = "other",
        .evidence = "Amazon SES complaint notification (JSON from sns.amazonaws.com)",
        .feedback_type = "abuse", /* written "Abuse" */
        .user_agent = "Mailbox.example FBL",
        .original_mail_from = "news@shop.example",
        .original_rcpt_to = "maria@mailbox.example",
        .arrival_date_raw = "2024-05-23T06:58:41.000Z",
        .arrival_date = 1716447521,
        .source_ip = "198.51.100.40",
        .incidents = 1,
        .has_original = true, /* mail.commonHeaders */
        .orig_message_id = "may23.1188@shop.example",
        .orig_subject = "May offers",
        .orig_date_raw = "Thu, 23 May 2024 06:58:40 +0000",
        .anomalies = "",
    },
    {
        .file = "plain-mentions.eml",
        .is = false,
        .incidents = 1,
        .anomalies = "",
    },
};

static void check_want(struct parsed *p, const struct want *w)
{
    const struct arf_report *r = &p->r;
    if (p->is != w->is) fail_msg("%s: arf_parse returned %d", w->file, p->is);
    expect_str("format", r->format, w->format);
    expect_str("evidence", r->evidence, w->evidence);
    expect_str("feedback_type", r->feedback_type, w->feedback_type);
    expect_str("user_agent", r->user_agent, w->user_agent);
    expect_str("version", r->version, w->version);
    expect_str("original_mail_from", r->original_mail_from, w->original_mail_from);
    expect_str("original_rcpt_to", r->original_rcpt_to, w->original_rcpt_to);
    expect_str("arrival_date_raw", r->arrival_date_raw, w->arrival_date_raw);
    assert_int_equal(r->arrival_date, w->arrival_date);
    expect_str("source_ip", r->source_ip, w->source_ip);
    expect_str("reported_domain", r->reported_domain, w->reported_domain);
    expect_str("reported_uri", r->reported_uri, w->reported_uri);
    expect_str("reporting_mta", r->reporting_mta, w->reporting_mta);
    assert_int_equal(r->incidents, w->incidents);
    expect_str("authentication_results", r->authentication_results, w->authentication_results);
    expect_str("original_envelope_id", r->original_envelope_id, w->original_envelope_id);
    expect_str("auth_failure", r->auth_failure, w->auth_failure);
    expect_str("delivery_result", r->delivery_result, w->delivery_result);
    expect_str("dkim_domain", r->dkim_domain, w->dkim_domain);
    expect_str("dkim_identity", r->dkim_identity, w->dkim_identity);
    expect_str("dkim_selector", r->dkim_selector, w->dkim_selector);
    expect_str("identity_alignment", r->identity_alignment, w->identity_alignment);
    expect_str("spf_dns", r->spf_dns, w->spf_dns);
    assert_int_equal(r->has_original, w->has_original);
    expect_str("orig_message_id", r->orig_message_id, w->orig_message_id);
    expect_str("orig_from", r->orig_from, w->orig_from);
    expect_str("orig_to", r->orig_to, w->orig_to);
    expect_str("orig_subject", r->orig_subject, w->orig_subject);
    expect_str("orig_date_raw", r->orig_date_raw, w->orig_date_raw);
    expect_str("orig_feedback_id", r->orig_feedback_id, w->orig_feedback_id);
    expect_str("orig_list_id", r->orig_list_id, w->orig_list_id);
    expect_str("orig_return_path", r->orig_return_path, w->orig_return_path);
    expect_str("human_text", r->human_text, w->human_text);
    expect_str("anomalies", arf_anomalies(p), w->anomalies);
}

static void test_fixtures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++) {
        struct parsed p;
        parse_fixture(&p, fixtures[i].file);
        print_message("fixture %s\n", fixtures[i].file);
        check_want(&p, &fixtures[i]);
        done(&p);
    }
}

/* ---- inline cases ---- */

static void parse_str(struct parsed *p, const char *s)
{
    parse_bytes(p, s, strlen(s));
}

#define TOP_REPORT                                                                                 \
    "From: fbl@isp.example\n"                                                                      \
    "Subject: report\n"                                                                            \
    "MIME-Version: 1.0\n"                                                                          \
    "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n"              \
    "--b\nContent-Type: text/plain\n\nhuman\n"                                                     \
    "--b\nContent-Type: message/feedback-report\n\n"

#define ORIGINAL                                                                                   \
    "--b\nContent-Type: text/rfc822-headers\n\n"                                                   \
    "From: a@sender.example\nMessage-ID: <m1@sender.example>\n\n"                                  \
    "--b--\n"

static void test_forwarded_report_is_not_a_report(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: someone@example.org\nSubject: Fwd: report\nMIME-Version: 1.0\n"
                  "Content-Type: multipart/mixed; boundary=\"o\"\n\n"
                  "--o\nContent-Type: text/plain\n\nsee below\n"
                  "--o\nContent-Type: message/rfc822\n\n"
                  "From: fbl@isp.example\nMIME-Version: 1.0\n"
                  "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n"
                  "--b\nContent-Type: message/feedback-report\n\n"
                  "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n\n"
                  "--b--\n"
                  "--o--\n");
    assert_false(p.is);
    assert_null(p.r.format);
    assert_null(p.r.feedback_type);
    assert_string_equal(arf_anomalies(&p), "");
    done(&p);
}

static void test_dsn_is_not_a_report(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: MAILER-DAEMON@mx.example\nSubject: Undelivered\nMIME-Version: 1.0\n"
                  "Content-Type: multipart/report; report-type=delivery-status; boundary=\"d\"\n\n"
                  "--d\nContent-Type: text/plain\n\nfailed\n"
                  "--d\nContent-Type: message/delivery-status\n\n"
                  "Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; x@example.org\n"
                  "Action: failed\nStatus: 5.1.1\n\n"
                  "--d\nContent-Type: message/rfc822\n\nFrom: a@example.org\n\nhi\n"
                  "--d--\n");
    assert_false(p.is);
    done(&p);
}

static void test_no_mime_is_not_a_report(void **state)
{
    (void)state;
    const char *s = TOP_REPORT "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n\n" ORIGINAL;
    size_t len = strlen(s);
    char *raw = malloc(len);
    memcpy(raw, s, len);
    arena *a = arena_new();
    struct message m;
    message_parse_ex(a, raw, len, NULL, NULL, false, &m);
    struct arf_report r;
    assert_false(arf_parse(a, &m, &r, NULL));
    message_parse(a, raw, len, NULL, NULL, &m);
    assert_true(arf_parse(a, &m, &r, NULL)); /* the same bytes, with the MIME tree */
    assert_string_equal(r.feedback_type, "abuse");
    assert_string_equal(r.orig_message_id, "m1@sender.example");
    assert_string_equal(r.human_text, "human");
    arena_free(a);
    free(raw);
}

static void test_subject_complaint_other_sender(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: complaints@email-abuse.example\n"
                  "Subject:  Complaint about message from [192.0.2.44]\n"
                  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"c\"\n\n"
                  "--c\nContent-Type: message/rfc822\n\n"
                  "From: Bulk <bulk@sender.example>\nMessage-ID: <b-1@sender.example>\n\nbody\n"
                  "--c--\n");
    assert_true(p.is);
    assert_string_equal(p.r.format, "other");
    assert_string_equal(p.r.evidence,
                        "subject \"complaint about message from\" with an attached message");
    assert_string_equal(p.r.feedback_type, "abuse");
    assert_string_equal(p.r.source_ip, "192.0.2.44");
    assert_string_equal(p.r.orig_from, "bulk@sender.example");
    assert_string_equal(p.r.orig_message_id, "b-1@sender.example");
    assert_null(p.r.original_rcpt_to);
    assert_null(p.r.human_text);
    done(&p);
}

static void test_jmrp_by_subject_and_recipient_header(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: <reports@relay.example>\n"
                  "Subject: complaint about message from 2001:db8::25\n"
                  "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"c\"\n\n"
                  "--c\nContent-Type: message/rfc822\n\n"
                  "X-HmXmrOriginalRecipient: u@live.example\n"
                  "From: b@sender.example\n\nbody\n"
                  "--c--\n");
    assert_true(p.is);
    assert_string_equal(p.r.format, "jmrp");
    assert_string_equal(p.r.source_ip, "2001:db8::25");
    assert_string_equal(p.r.original_rcpt_to, "u@live.example");
    done(&p);
}

static void test_ses_bounce_and_other_senders_are_not_complaints(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
                  "{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":"
                  "[{\"emailAddress\":\"b@x.example\"}]}}\n");
    assert_false(p.is);
    done(&p);
    parse_str(&p, "From: dev@shop.example\nSubject: sample\n\n"
                  "{\"notificationType\":\"Complaint\",\"complaint\":{}}\n");
    assert_false(p.is); /* the JSON, but not from SNS */
    done(&p);
    parse_str(&p, "From: no-reply@sns.amazonaws.com\nSubject: AWS Notification Message\n\n"
                  "{\"notificationType\" : \"Complaint\", \"complaint\":{}}\n");
    assert_true(p.is);
    assert_string_equal(p.r.feedback_type, "abuse"); /* no complaintFeedbackType */
    assert_null(p.r.original_rcpt_to);
    assert_false(p.r.has_original);
    done(&p);
}

static void test_hotmail_without_attachment_is_not_a_report(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: staff@hotmail.com\nSubject: complaint about message from 192.0.2.1\n"
                  "MIME-Version: 1.0\nContent-Type: text/plain\n\nno attachment\n");
    assert_false(p.is);
    done(&p);
}

static void test_report_type_without_feedback_part(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: fbl@isp.example\nMIME-Version: 1.0\n"
                  "Content-Type: multipart/report; report-type=feedback-report; boundary=\"b\"\n\n"
                  "--b\nContent-Type: text/plain\n\nhuman\n"
                  "--b\nContent-Type: message/rfc822\n\nFrom: x@sender.example\n\nbody\n"
                  "--b--\n");
    assert_true(p.is);
    assert_string_equal(p.r.format, "arf");
    assert_null(p.r.feedback_type);
    assert_true(p.r.has_original);
    assert_string_equal(p.r.orig_from, "x@sender.example");
    assert_string_equal(arf_anomalies(&p), "arf.structure no message/feedback-report part|"
                                           "arf.missing_field Feedback-Type, User-Agent, Version");
    done(&p);
}

static void test_report_inside_multipart_mixed(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p,
              "From: fbl@isp.example\nMIME-Version: 1.0\n"
              "Content-Type: multipart/mixed; boundary=\"o\"\n\n"
              "--o\n"
              "Content-Type: multipart/report; report-type=\"FEEDBACK-REPORT\"; boundary=\"b\"\n\n"
              "--b\nContent-Type: message/feedback-report\n\n"
              "Feedback-Type: other\nUser-Agent: X/1\nVersion: 1\n\n"
              "--b\nContent-Type: message/rfc822\n\nMessage-ID: <in@x.example>\n\nbody\n"
              "--b--\n"
              "--o\nContent-Type: text/plain\n\nlist footer\n"
              "--o--\n");
    assert_true(p.is);
    assert_string_equal(p.r.evidence, "multipart/report; report-type=feedback-report");
    assert_string_equal(p.r.feedback_type, "other");
    assert_string_equal(p.r.orig_message_id, "in@x.example");
    assert_string_equal(p.r.human_text, "list footer");
    assert_string_equal(arf_anomalies(&p), "");
    done(&p);
}

static void test_whole_message_is_the_feedback_part(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, "From: fbl@isp.example\nMIME-Version: 1.0\n"
                  "Content-Type: message/feedback-report\n\n"
                  "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n");
    assert_true(p.is);
    assert_string_equal(p.r.evidence, "message/feedback-report part in no container "
                                      "(report-type missing)");
    assert_string_equal(p.r.feedback_type, "abuse");
    assert_false(p.r.has_original);
    assert_null(p.r.human_text);
    done(&p);
}

static void test_feedback_type_token_and_registry(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, TOP_REPORT "Feedback-Type:  Abuse (user clicked)\nUser-Agent: X/1\nVersion: 1\n"
                             "\n" ORIGINAL);
    assert_string_equal(p.r.feedback_type, "abuse");
    assert_string_equal(arf_anomalies(&p), "");
    done(&p);
    parse_str(&p, TOP_REPORT "Feedback-Type: opt-out\nUser-Agent: X/1\nVersion: 1\n\n" ORIGINAL);
    assert_string_equal(p.r.feedback_type, "opt-out");
    assert_string_equal(arf_anomalies(&p), "arf.bad_field Feedback-Type opt-out is not registered");
    done(&p);
    parse_str(&p,
              TOP_REPORT "Feedback-Type: auth-failure\nUser-Agent: X/1\nVersion: 1\n\n" ORIGINAL);
    assert_string_equal(arf_anomalies(&p), "arf.missing_field Auth-Failure");
    done(&p);
}

static void test_incidents_edges(void **state)
{
    (void)state;
    static const struct {
        const char *v;
        int64_t want;
        bool bad;
    } rows[] = {
        {"1", 1, false},
        {"12", 12, false},
        {"0", 1, true},
        {"-3", 1, true},
        {"12x", 1, true},
        {"999999999999", 999999999999, false},
        {"1000000000000", 1, true},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char buf[1024];
        snprintf(buf, sizeof buf,
                 TOP_REPORT "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\nIncidents: %s\n"
                            "\n" ORIGINAL,
                 rows[i].v);
        struct parsed p;
        parse_str(&p, buf);
        print_message("Incidents: %s\n", rows[i].v);
        assert_int_equal(p.r.incidents, rows[i].want);
        assert_int_equal(strstr(arf_anomalies(&p), "arf.bad_field Incidents") != NULL, rows[i].bad);
        done(&p);
    }
}

/* ARF_MAX_REPEAT values are kept, the next is dropped with one anomaly. */
static void test_repeat_ceiling(void **state)
{
    (void)state;
    for (int n = ARF_MAX_REPEAT; n <= ARF_MAX_REPEAT + 10; n += 10) {
        size_t cap = 4096 + 40 * (size_t)n;
        char *buf = malloc(cap), *want = malloc(cap);
        size_t o = (size_t)snprintf(buf, cap, "%s",
                                    TOP_REPORT "Feedback-Type: abuse\n"
                                               "User-Agent: X/1\nVersion: 1\n");
        size_t w = 0;
        for (int i = 0; i < n; i++) {
            o += (size_t)snprintf(buf + o, cap - o, "Original-Rcpt-To: <r%d@x.example>\n", i);
            if (i < ARF_MAX_REPEAT)
                w += (size_t)snprintf(want + w, cap - w, "%sr%d@x.example", i ? ", " : "", i);
        }
        snprintf(buf + o, cap - o, "%s", "\n" ORIGINAL);
        struct parsed p;
        parse_str(&p, buf);
        assert_string_equal(p.r.original_rcpt_to, want);
        assert_string_equal(
            arf_anomalies(&p),
            n > ARF_MAX_REPEAT ? "arf.bad_field more than 50 Original-Rcpt-To values" : "");
        done(&p);
        free(buf);
        free(want);
    }
}

/* A value is cut at ARF_MAX_FIELD bytes, never inside a UTF-8 sequence;
 * bytes that are not UTF-8 become '?', control bytes spaces. */
static void test_value_ceiling_and_bytes(void **state)
{
    (void)state;
    size_t cap = 2 * ARF_MAX_FIELD + 4096;
    char *buf = malloc(cap);
    size_t o = (size_t)snprintf(buf, cap, "%s",
                                TOP_REPORT "Feedback-Type: abuse\nVersion: 1\n"
                                           "User-Agent: ");
    /* 'A' then 2-byte "é" repeated: byte ARF_MAX_FIELD (0-based) would be a
     * continuation byte, so the cut lands one byte earlier */
    buf[o++] = 'A';
    for (int i = 0; i < ARF_MAX_FIELD; i++) {
        buf[o++] = '\xC3';
        buf[o++] = '\xA9';
    }
    o += (size_t)snprintf(buf + o, cap - o, "%s",
                          "\nReporting-MTA: dns; \xFF"
                          "bad\x01x\n\n" ORIGINAL);
    struct parsed p;
    parse_bytes(&p, buf, o);
    assert_int_equal(strlen(p.r.user_agent), ARF_MAX_FIELD - 1);
    assert_int_equal((unsigned char)p.r.user_agent[ARF_MAX_FIELD - 2], 0xA9);
    assert_string_equal(p.r.reporting_mta, "dns; ?bad x");
    done(&p);
    free(buf);
}

static void test_source_ip_and_angle_forms(void **state)
{
    (void)state;
    struct parsed p;
    parse_str(&p, TOP_REPORT "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n"
                             "Source-IP: [192.0.2.9]\nOriginal-Mail-From: <>\n"
                             "Reported-URI: <mailto:u@x.example>\n\n"
                             "--b\nContent-Type: message/rfc822\n\n"
                             "Message-ID: no-brackets@x.example\nFrom: undisclosed-recipients:;\n"
                             "To: undisclosed-recipients:;\nReturn-Path: <bounce@x.example>\n"
                             "Subject: =?utf-8?q?caf=C3=A9?=\n\n"
                             "--b--\n");
    assert_string_equal(p.r.source_ip, "192.0.2.9");
    assert_null(p.r.original_mail_from); /* <> is no address */
    assert_string_equal(p.r.reported_uri, "mailto:u@x.example");
    assert_string_equal(p.r.orig_message_id, "no-brackets@x.example");
    assert_null(p.r.orig_from);
    assert_string_equal(p.r.orig_to, "undisclosed-recipients:;"); /* no address: as written */
    assert_string_equal(p.r.orig_return_path, "bounce@x.example");
    assert_string_equal(p.r.orig_subject, "caf\xC3\xA9");
    done(&p);
}

/* The reported message's part with an encoding that hides its header block:
 * the base64-encoded message/rfc822 is decoded by the MIME layer. */
static void test_base64_original(void **state)
{
    (void)state;
    struct parsed p;
    /* "From: z@sender.example\nMessage-ID: <z9@sender.example>\n\nhi\n" */
    parse_str(&p,
              TOP_REPORT "Feedback-Type: abuse\nUser-Agent: X/1\nVersion: 1\n\n"
                         "--b\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
                         "RnJvbTogekBzZW5kZXIuZXhhbXBsZQpNZXNzYWdlLUlEOiA8ejlAc2VuZGVyLmV4YW1w\n"
                         "bGU+CgpoaQo=\n"
                         "--b--\n");
    assert_true(p.r.has_original);
    assert_string_equal(p.r.orig_from, "z@sender.example");
    assert_string_equal(p.r.orig_message_id, "z9@sender.example");
    done(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures),
        cmocka_unit_test(test_forwarded_report_is_not_a_report),
        cmocka_unit_test(test_dsn_is_not_a_report),
        cmocka_unit_test(test_no_mime_is_not_a_report),
        cmocka_unit_test(test_subject_complaint_other_sender),
        cmocka_unit_test(test_jmrp_by_subject_and_recipient_header),
        cmocka_unit_test(test_ses_bounce_and_other_senders_are_not_complaints),
        cmocka_unit_test(test_hotmail_without_attachment_is_not_a_report),
        cmocka_unit_test(test_report_type_without_feedback_part),
        cmocka_unit_test(test_report_inside_multipart_mixed),
        cmocka_unit_test(test_whole_message_is_the_feedback_part),
        cmocka_unit_test(test_feedback_type_token_and_registry),
        cmocka_unit_test(test_incidents_edges),
        cmocka_unit_test(test_repeat_ceiling),
        cmocka_unit_test(test_value_ceiling_and_bytes),
        cmocka_unit_test(test_source_ip_and_angle_forms),
        cmocka_unit_test(test_base64_original),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
