/* Unit tests for feedback/dsn.c. The fixtures in tests/fixtures/feedback/dsn/
 * were written for these tests (one per bounce style: RFC 3464 from Postfix,
 * a two-recipient DSN with one failure and one delay, a sloppy DSN, RFC 6533,
 * hMailServer, Microsoft 365, Gmail, qmail, Postfix and Exim and sendmail
 * without DSN, Yahoo, a sendmail transcript of sessions with three hosts, a
 * Gmail bounce quoting the remote server; the writers recognised from their
 * headers (PowerMTA categories, McAfee, Hotmail, au EZweb, Domino with an
 * ISO-2022-JP diagnostic); a provider's notice with a pasted bounce; three
 * auto-replies; an ARF report; Exim's malformed-recipient notice; a
 * gateway's bounce returning the DSN it got; fml's list notices;
 * a message that only talks about bounces). tests/fixtures/feedback/dsn-extra/
 * holds bounces whose classification (logs/classify.h, as ingest calls it)
 * is checked too: an expiry caused by a DNS failure, a Sendmail
 * access-database refusal. Every expected value below is the value written
 * into the fixture by hand (the epoch second of a Last-Attempt-Date was
 * computed with Python's calendar.timegm). Inputs are exact-size heap
 * copies so ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/dsn.h"
#include "logs/classify.h"
#include "mail/message.h"

struct fx {
    arena *a;
    char *raw;
    struct message m;
    struct dsn_report r;
    enum dsn_kind kind;
};

static struct fx F;

static void parse_bytes(const char *p, size_t len)
{
    free(F.raw);
    if (F.a) arena_free(F.a);
    F.a = arena_new();
    F.raw = malloc(len ? len : 1);
    memcpy(F.raw, p, len);
    message_parse(F.a, F.raw, len, NULL, NULL, &F.m);
    F.kind = dsn_parse(F.a, &F.m, &F.r, &F.m.an);
}

static void load_from(const char *dir, const char *name)
{
    char path[1024];
    const char *top = getenv("TOP");
    snprintf(path, sizeof path, "%s/tests/fixtures/feedback/%s/%s", top ? top : ".", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    parse_bytes(buf, n);
}

static void load(const char *name)
{
    load_from("dsn", name);
}

static int teardown(void **state)
{
    (void)state;
    free(F.raw);
    F.raw = NULL;
    if (F.a) arena_free(F.a);
    F.a = NULL;
    return 0;
}

static void expect_str(const char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void expect_has(const char *got, const char *part)
{
    assert_non_null(got);
    if (!strstr(got, part)) fail_msg("\"%s\" does not contain \"%s\"", got, part);
}

static const struct dsn_rcpt *rcpt(size_t i)
{
    assert_true(i < F.r.n_rcpt);
    return &F.r.rcpt[i];
}

/* ---- RFC 3464 ---- */

static void test_postfix_dsn(void **state)
{
    (void)state;
    load("postfix-dsn.eml");
    /* Auto-Submitted: auto-replied too, but a delivery report wins */
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "rfc3464");
    expect_str(F.r.reporting_mta, "mx1.sender.example");
    expect_str(F.r.arrival_date_raw, "Tue, 4 Mar 2025 10:14:58 +0100 (CET)");
    expect_str(F.r.original_envelope_id, "campaign-17-alice");
    expect_str(F.r.orig_message_id, "campaign-17.alice@sender.example");
    expect_str(F.r.orig_from, "news@sender.example");
    expect_str(F.r.orig_to, "alice@recipient.example");
    expect_str(F.r.orig_subject, "March offers");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "alice@recipient.example"); /* "alice@Recipient.Example" */
    expect_str(x->original_recipient, "alice@recipient.example");
    expect_str(x->action, "failed");
    expect_str(x->status, "5.1.1");
    assert_int_equal(x->reply_code, 550);
    expect_str(x->diagnostic_type, "smtp");
    expect_str(x->diagnostic, "550 5.1.1 <alice@recipient.example>: Recipient address rejected: "
                              "User unknown in virtual mailbox table");
    expect_str(x->remote_mta, "mx.recipient.example");
    expect_str(x->smtp_command, "RCPT"); /* "(in reply to RCPT TO command)" in the text part */
}

static void test_multi_rcpt_failed_and_delayed(void **state)
{
    (void)state;
    load("multi-rcpt.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.reporting_mta, "relay.sender.example");
    expect_str(F.r.orig_message_id, "digest-9@sender.example");
    expect_str(F.r.orig_subject, "Weekly digest");
    assert_int_equal(F.r.n_rcpt, 2);
    const struct dsn_rcpt *b = rcpt(0), *c = rcpt(1);
    expect_str(b->recipient, "bob@full.example");
    expect_str(b->action, "failed");
    expect_str(b->status, "5.2.2");
    assert_int_equal(b->reply_code, 552);
    expect_str(b->diagnostic_type, "smtp"); /* "SMTP;" lowercased */
    expect_str(b->diagnostic, "552 5.2.2 Mailbox full");
    expect_str(b->remote_mta, "mx.full.example");
    expect_str(b->last_attempt_raw, "Wed, 5 Mar 2025 10:00:03 +0000");
    assert_int_equal(b->last_attempt, 1741168803);
    assert_null(b->will_retry_until_raw);
    expect_str(c->recipient, "carol@slow.example");
    expect_str(c->action, "delayed");
    expect_str(c->status, "4.4.1");
    assert_int_equal(c->reply_code, 421);
    expect_str(c->diagnostic, "421 4.4.1 Connection timed out");
    expect_str(c->will_retry_until_raw, "Sun, 9 Mar 2025 10:00:00 +0000");
}

static void test_sloppy_dsn(void **state)
{
    (void)state;
    load("sloppy-dsn.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "rfc3464");
    expect_str(F.r.reporting_mta, "gw.receiver.example");
    /* no blank lines between the blocks: still two recipients */
    assert_int_equal(F.r.n_rcpt, 2);
    const struct dsn_rcpt *d = rcpt(0), *e = rcpt(1);
    expect_str(d->recipient, "dave@receiver.example"); /* "rfc822;<dave@...>" */
    expect_str(d->action, "failed");                   /* "Failed" */
    expect_str(d->status, "5.0.0");                    /* "5.0.0 (permanent failure)" */
    /* no Diagnostic-Code: the text part near the address */
    expect_str(d->diagnostic,
               "Remote server said: 554 5.7.1 Message rejected as spam by content filter");
    assert_int_equal(d->reply_code, 554);
    assert_null(d->diagnostic_type);
    expect_str(e->recipient, "erin@receiver.example");
    expect_str(e->status, "5.4.4");
    /* continuation lines with and without leading white space */
    expect_str(e->diagnostic,
               "550 Host unknown: the domain receiver.example has no MX and no A record");
    assert_int_equal(e->reply_code, 550);
}

static void test_global_dsn(void **state)
{
    (void)state;
    load("global-dsn.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "rfc3464");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "s\xc3\xb8ren@b\xc3\xbc"
                                   "cher.example");
    expect_str(rcpt(0)->status, "5.1.1");
    expect_str(F.r.orig_message_id, "nyheder-1@sender.example");
}

/* ---- non-standard bounces ---- */

static void test_hmailserver(void **state)
{
    (void)state;
    load("hmailserver.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "hmailserver");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "frank@mailbox.example");
    expect_str(x->action, "failed");
    expect_str(x->status, "5.1.1");
    assert_int_equal(x->reply_code, 550);
    expect_has(x->diagnostic, "Remote server replied: 550 5.1.1 <frank@mailbox.example>: Recipient "
                              "address rejected: Mailbox does not exist");
    expect_str(x->smtp_command, "RCPT");
}

static void test_exchange_ndr(void **state)
{
    (void)state;
    load("exchange-ndr.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "office365");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "grace@contoso.example");
    expect_str(x->status, "5.1.10");
    assert_int_equal(x->reply_code, 550);
    expect_str(x->diagnostic, "Remote Server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; "
                              "Recipient grace@contoso.example not found by SMTP address lookup'");
    expect_str(F.r.orig_message_id, "update-3.grace@sender.example");
    expect_str(F.r.orig_subject, "Product update");
}

static void test_gmail(void **state)
{
    (void)state;
    load("gmail.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "gmail");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "heidi@nowhere.example");
    expect_str(x->action, "failed");
    assert_null(x->status);
    assert_int_equal(x->reply_code, 0);
    expect_has(x->diagnostic, "couldn't be found");
    expect_has(x->diagnostic, "responded with code NXDOMAIN");
    expect_str(F.r.orig_message_id, "invite-5@sender.example");
}

static void test_qmail(void **state)
{
    (void)state;
    load("qmail.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "qmail");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "ivan@q.example");
    expect_str(x->status, "5.7.1");
    assert_int_equal(x->reply_code, 550);
    expect_str(x->diagnostic, "198.51.100.9 does not like recipient. Remote host said: 550 5.7.1 "
                              "Sender blocked by policy Giving up on 198.51.100.9.");
    expect_str(x->smtp_command, "RCPT");
    expect_str(F.r.orig_message_id, "notice-1@sender.example");
    expect_str(F.r.orig_subject, "Notice");
}

static void test_postfix_without_dsn(void **state)
{
    (void)state;
    load("postfix-nodsn.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "postfix");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "judy@tight.example");
    expect_str(x->status, "5.3.4");
    assert_int_equal(x->reply_code, 552);
    expect_str(x->diagnostic, "host mx.tight.example[203.0.113.40] said: 552 5.3.4 Message size "
                              "exceeds fixed limit (in reply to end of DATA command)");
    expect_str(x->smtp_command, "DATA");
    expect_str(F.r.orig_message_id, "big-2@sender.example");
}

static void test_exim(void **state)
{
    (void)state;
    load("exim.eml");
    assert_int_equal(F.kind, DSN_BOUNCE); /* Auto-Submitted: auto-replied as well */
    expect_str(F.r.format, "exim");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "kim@strict.example");
    expect_str(x->action, "failed");
    expect_str(x->status, "5.7.1");
    assert_int_equal(x->reply_code, 550);
    expect_has(x->diagnostic,
               "SMTP error from remote mail server after RCPT TO:<kim@strict.example>:");
    expect_has(x->diagnostic, "client host blocked using zen.spamhaus.org");
    expect_str(x->smtp_command, "RCPT");
    expect_str(F.r.orig_message_id, "hello-4@sender.example");
}

static void test_sendmail(void **state)
{
    (void)state;
    load("sendmail.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "sendmail");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "leo@gone.example");
    expect_str(x->status, "5.1.1");
    assert_int_equal(x->reply_code, 550);
    expect_has(x->diagnostic, "550 5.1.1 <leo@gone.example>... User unknown");
    expect_str(x->smtp_command, "DATA"); /* ">>> DATA" then "<<< 550 ... <leo@...>" */
    expect_str(F.r.orig_message_id, "reminder-8@sender.example");
}

/* A transcript with sessions to several hosts: each recipient keeps the
 * command of its own session (Sendmail's "550 <addr>... User unknown"
 * summary after a "<<<" reply that does not name it) and its diagnostic
 * ends where the session with the next host ("While talking to") begins. */
static void test_sendmail_multihost(void **state)
{
    (void)state;
    load("sendmail-multihost.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "sendmail");
    assert_int_equal(F.r.n_rcpt, 3);
    const struct dsn_rcpt *b = NULL, *cid = NULL;
    for (size_t i = 0; i < F.r.n_rcpt; i++) {
        if (strcmp(rcpt(i)->recipient, "bob@nohost.example") == 0) b = rcpt(i);
        if (strcmp(rcpt(i)->recipient, "cid@third.example") == 0) cid = rcpt(i);
    }
    assert_non_null(b);
    assert_non_null(cid);
    expect_has(b->diagnostic, "550 Host unknown (Authoritative answer from name server)");
    assert_null(strstr(b->diagnostic, "While talking to"));
    assert_null(strstr(b->diagnostic, "User unknown"));
    expect_str(cid->smtp_command, "RCPT");
    expect_has(cid->diagnostic, "User unknown");
    /* ann: the remote reply ("<<< 550 ...") above Sendmail's own summary
     * comes first; the next line, Sendmail's summary for the host
     * nohost.example, is bob's and not ann's */
    const struct dsn_rcpt *ann = NULL;
    for (size_t i = 0; i < F.r.n_rcpt; i++)
        if (strcmp(rcpt(i)->recipient, "ann@first.example") == 0) ann = rcpt(i);
    assert_non_null(ann);
    expect_str(ann->diagnostic, "550 Message refused: sender is on a local deny list. 554 Remote "
                                "protocol error: message refused");
    assert_int_equal(ann->reply_code, 550);
    expect_str(ann->smtp_command, "DATA");
    /* bob's "Host unknown" is Sendmail's own DNS verdict after the host
     * summary closed the DATA session: no SMTP command answered it */
    assert_null(b->smtp_command);
}

/* Gmail quotes the remote server after its own preamble ("... rejected by
 * the recipient domain ..."): the diagnostic is the remote server's words. */
static void test_gmail_remote_said(void **state)
{
    (void)state;
    load("gmail-remote-said.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "gmail");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "eve@strict.example");
    expect_str(x->status, "5.7.1");
    assert_int_equal(x->reply_code, 554);
    assert_true(strncmp(x->diagnostic, "554 554 5.7.1 Service unavailable", 33) == 0);
    assert_null(strstr(x->diagnostic, "rejected by the recipient domain"));
}

static void test_yahoo(void **state)
{
    (void)state;
    load("yahoo.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "yahoo");
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "mallory@ymail.example");
    assert_null(x->status);
    assert_int_equal(x->reply_code, 554);
    expect_has(x->diagnostic, "This user doesn't have a ymail.example account");
    expect_str(x->smtp_command, "RCPT");
    expect_str(F.r.orig_message_id, "hi-6@sender.example");
}

/* ---- auto-replies and things that are neither ---- */

static void test_out_of_office(void **state)
{
    (void)state;
    load("out-of-office.eml");
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.format, "autoreply");
    expect_has(F.r.evidence, "Subject");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "nina@partner.example");
    expect_str(rcpt(0)->action, "delivered");
}

/* The subject's auto-reply phrases are searched in one pass before the
 * list is walked for the evidence: the evidence is the first phrase in the
 * list's order (not in the subject's), any case, at the subject's end too;
 * a subject with none is no auto-reply. */
static void test_auto_subject(void **state)
{
    (void)state;
    static const char m1[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                             "Subject: VACATION notice: Out Of Office\n\nBack on Monday.\n";
    parse_bytes(m1, strlen(m1));
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "Subject: out of office");
    static const char m2[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                             "Subject: Re: your order - AUTOREPLY\n\nThanks.\n";
    parse_bytes(m2, strlen(m2));
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "Subject: autoreply");
    static const char m3[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                             "Subject: automatic replies are off; out of offic\n\nThanks.\n";
    parse_bytes(m3, strlen(m3));
    assert_int_equal(F.kind, DSN_NONE);
}

static void test_vacation_auto_submitted(void **state)
{
    (void)state;
    load("vacation.eml");
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "Auto-Submitted: auto-replied");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "oscar@holiday.example");
}

static void test_x_autoreply(void **state)
{
    (void)state;
    load("x-autoreply.eml");
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "X-Autoreply header");
    expect_str(rcpt(0)->recipient, "support@helpdesk.example");
}

/* The returned copy starts at a cut line, matched case-insensitively: one
 * that names the copy "mail" ("RETURNED MAIL FOLLOWS") and one that names it
 * "message" ("----- ORIGINAL MESSAGE -----"). The failed-recipient line
 * pasted inside the copy is not a recipient of this bounce; without the
 * cut it would be a second one. A line that only mentions mail or a
 * message is no cut ("your message ... mail system" above stays text). */
static void test_cut_lines(void **state)
{
    (void)state;
    static const char *const cuts[] = {"   RETURNED MAIL FOLLOWS", "----- ORIGINAL MESSAGE -----"};
    for (size_t k = 0; k < 2; k++) {
        char msg[2048];
        snprintf(msg, sizeof msg,
                 "From: MAILER-DAEMON@mx.sender.example (Mail Delivery System)\n"
                 "To: news@sender.example\nSubject: Undelivered Mail Returned to Sender\n"
                 "Content-Type: text/plain\n\n"
                 "This is the mail system at host mx.sender.example.\n\n"
                 "Your message could not be delivered to one or more recipients.\n\n"
                 "<ann@far.example>: host mx.far.example[192.0.2.7] said: 550 5.1.1\n"
                 "    User unknown (in reply to RCPT TO command)\n\n"
                 "%s\n\n"
                 "From: news@sender.example\nTo: bob@near.example\nSubject: old\n\n"
                 "<bob@near.example>: host mx.near.example[192.0.2.9] said: 550 5.1.1\n"
                 "    User unknown (in reply to RCPT TO command)\n",
                 cuts[k]);
        parse_bytes(msg, strlen(msg));
        assert_int_equal(F.kind, DSN_BOUNCE);
        assert_int_equal(F.r.n_rcpt, 1);
        expect_str(rcpt(0)->recipient, "ann@far.example");
        expect_str(rcpt(0)->status, "5.1.1");
    }
}

/* Bounce wording found in a long text (over 256 bytes: the one-pass phrase
 * scan) in any case and up to its very last byte; one byte short of the
 * phrase is no bounce wording. The sender is no mailer-daemon, so only the
 * wording makes it a bounce. */
static void test_bounce_wording_at_end(void **state)
{
    (void)state;
    char filler[400];
    memset(filler, 'e', sizeof filler - 1);
    filler[sizeof filler - 1] = '\0';
    for (int k = 0; k < 2; k++) {
        char msg[2048];
        snprintf(msg, sizeof msg,
                 "From: relay@corp.example\nTo: ann@corp.example\nSubject: notice\n"
                 "Content-Type: text/plain\n\n%s the mESSAGE COULD NOT BE DELIVERE%s",
                 filler, k ? "" : "d");
        parse_bytes(msg, strlen(msg));
        if (k == 0) {
            assert_int_equal(F.kind, DSN_BOUNCE);
            expect_str(F.r.evidence, "bounce text");
        } else {
            assert_int_equal(F.kind, DSN_NONE);
        }
    }
}

static void test_not_a_bounce(void **state)
{
    (void)state;
    load("not-a-bounce.eml");
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
}

/* A phishing message dressed as a system notice: the display name reads
 * like a mailer-daemon's ("Mail Administrator"), the address does not, and
 * nothing in it reports a delivery: not a bounce. The same text from
 * MAILER-DAEMON@ is one (an address that cannot be found is still a bounce). */
static void test_display_name_alone_is_not_a_bounce(void **state)
{
    (void)state;
    const char *phish =
        "From: \"Mail Administrator\" <admin@quota.example>\n"
        "To: dave@example.org\nSubject: Action required: mailbox storage almost full\n"
        "Content-Type: text/plain\n\nYour mailbox is almost full. Click here to "
        "keep receiving mail.\n";
    parse_bytes(phish, strlen(phish));
    assert_int_equal(F.kind, DSN_NONE);
    const char *daemon = "From: Mail Delivery System <MAILER-DAEMON@mx.example>\n"
                         "To: dave@example.org\nSubject: Undelivered Mail Returned to Sender\n"
                         "Content-Type: text/plain\n\nYour mailbox is almost full.\n";
    parse_bytes(daemon, strlen(daemon));
    assert_int_equal(F.kind, DSN_BOUNCE);
}

static void test_arf_is_not_ours(void **state)
{
    (void)state;
    load("arf.eml");
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
}

/* ---- ceilings and edges ---- */

static void test_max_rcpt(void **state)
{
    (void)state;
    const char *head =
        "From: MAILER-DAEMON@m.example\nTo: a@sender.example\nSubject: x\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n"
        "\n--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; m.example\n";
    size_t cap = 200000, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "%s", head);
    for (int i = 0; i < DSN_MAX_RCPT + 5; i++)
        n += (size_t)snprintf(
            buf + n, cap - n,
            "\nFinal-Recipient: rfc822; u%d@r.example\nAction: failed\nStatus: 5.1.1\n", i);
    n += (size_t)snprintf(buf + n, cap - n, "\n--B--\n");
    parse_bytes(buf, n);
    free(buf);
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, DSN_MAX_RCPT);
    assert_int_equal(F.r.dropped_rcpt, 5);
    expect_str(F.r.rcpt[DSN_MAX_RCPT - 1].recipient, "u999@r.example");
}

static void test_max_field(void **state)
{
    (void)state;
    const char *head = "From: MAILER-DAEMON@m.example\nTo: a@sender.example\nSubject: x\n"
                       "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n"
                       "\n--B\nContent-Type: message/delivery-status\n\n"
                       "Final-Recipient: rfc822; long@r.example\nAction: failed\n"
                       "Diagnostic-Code: smtp; 550 ";
    size_t cap = 40000, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf + n, cap - n, "%s", head);
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s", i % 60 ? "xxxx" : "\n x");
    n += (size_t)snprintf(buf + n, cap - n, "\n\n--B--\n");
    parse_bytes(buf, n);
    free(buf);
    assert_int_equal(F.r.n_rcpt, 1);
    assert_non_null(rcpt(0)->diagnostic);
    assert_true(strlen(rcpt(0)->diagnostic) <= DSN_MAX_FIELD);
    assert_true(strlen(rcpt(0)->diagnostic) > 1000);
    assert_int_equal(rcpt(0)->reply_code, 550);
}

/* A bulleted recipient list and a delivery-status part without recipient
 * blocks (written for this test): the recipient comes from the text, and the
 * bullet "*" before it is no diagnostic (no letter or digit). */
static void test_bullet_is_no_diagnostic(void **state)
{
    (void)state;
    load("bullet-list.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "jd.nobody@example.org");
    expect_str(rcpt(0)->action, "failed");
    assert_null(rcpt(0)->diagnostic);
    assert_null(rcpt(0)->status);
    assert_int_equal(rcpt(0)->reply_code, 0);
    expect_str(F.r.orig_message_id, "orig-bullet@example.com");
}

static void test_no_dsn_part_no_signals(void **state)
{
    (void)state;
    static const char msg[] = "From: a@b.example\nTo: c@d.example\nSubject: hello\n\nx@y.example\n";
    parse_bytes(msg, sizeof msg - 1);
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
    assert_int_equal(dsn_parse(F.a, NULL, &F.r, NULL), DSN_NONE);
}

static void test_action_defaults_and_pipe_recipient(void **state)
{
    (void)state;
    /* Exim reports a pipe as Final-Recipient: X-Failed-Recipients names the address */
    static const char msg[] =
        "From: Mail Delivery System <Mailer-Daemon@e.example>\nTo: s@sender.example\n"
        "Subject: Mail delivery failed\nX-Failed-Recipients: pat@e.example\n"
        "Content-Type: multipart/report; report-type=delivery-status; boundary=B\n\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; e.example\n\n"
        "Final-Recipient: rfc822;|/usr/bin/filter pat@e.example\nStatus: 4.2.2\n\n--B--\n";
    parse_bytes(msg, sizeof msg - 1);
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "pat@e.example");
    expect_str(rcpt(0)->status, "4.2.2");
    expect_str(rcpt(0)->action, "failed"); /* no Action and not a delay notice */
}

/* ---- the bounce's writer (dsn_report.mta, dsn_rcpt.mta_category) ---- */

static void test_writer_powermta(void **state)
{
    (void)state;
    load("powermta.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "rfc3464");
    expect_str(F.r.mta, "powermta");
    assert_int_equal(F.r.n_rcpt, 2);
    expect_str(rcpt(0)->recipient, "tama@cats.example");
    expect_str(rcpt(0)->mta_category, "quota-issues");
    expect_str(rcpt(1)->recipient, "mike@dogs.example");
    expect_str(rcpt(1)->mta_category, "bad-mailbox"); /* "  Bad-Mailbox" */
    expect_str(rcpt(1)->diagnostic, "550 no mailbox by that name here");
}

static void test_writer_headers(void **state)
{
    (void)state;
    load("mcafee.eml"); /* X-NAI-Header: Modified by McAfee ... */
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.mta, "mcafee");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "bob@corp.example");
    assert_null(rcpt(0)->mta_category);
    load("hotmail-dsn.eml"); /* DSN subject and a Received through .hotmail.com */
    expect_str(F.r.mta, "outlook");
    expect_str(rcpt(0)->recipient, "henry@hotmail.example");
    load("ezweb-spasign.eml"); /* au EZweb sender and subject; X-SPASIGN: NG */
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.mta, "ezweb");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "frank@ezweb.ne.jp");
    expect_str(rcpt(0)->mta_category, "x-spasign-ng");
    /* no writer: a Postfix DSN; Gmail's DSN subject alone is one signal of
     * Hotmail's, not two */
    load("postfix-dsn.eml");
    assert_null(F.r.mta);
    assert_null(rcpt(0)->mta_category);
    load("gmail.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_null(F.r.mta);
}

/* A Domino report whose Diagnostic-Code is ISO-2022-JP: read as UTF-8. */
static void test_domino_iso2022jp(void **state)
{
    (void)state;
    load("domino-iso2022jp.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.mta, "domino"); /* Subject: DELIVERY FAILURE: ... */
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "tama@example.jp");
    expect_str(rcpt(0)->diagnostic_type, "x-notes");
    /* "ユーザー Tama (tama@example.jp) は Domino ディレクトリには見つかりません。" */
    expect_str(rcpt(0)->diagnostic,
               "\xe3\x83\xa6\xe3\x83\xbc\xe3\x82\xb6\xe3\x83\xbc Tama (tama@example.jp) "
               "\xe3\x81\xaf Domino "
               "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xaa\xe3\x81"
               "\xab\xe3\x81\xaf\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3"
               "\x81\x9b\xe3\x82\x93\xe3\x80\x82");
}

/* 8-bit delivery-status bytes: valid UTF-8 is kept as is; others are read
 * in the report's text charset. */
static void test_ds_8bit(void **state)
{
    (void)state;
    static const char head[] =
        "From: MAILER-DAEMON@mx.example.de\nTo: a@sender.example\nSubject: Returned mail\n"
        "MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status; "
        "boundary=\"b\"\n\n--b\nContent-Type: text/plain; charset=iso-8859-1\n\nFailed.\n\n--b\n"
        "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; j@example.de\n"
        "Action: failed\nStatus: 5.1.1\nDiagnostic-Code: smtp; 550 Empf";
    static const char tail[] = "nger unbekannt\n\n--b--\n";
    char buf[1024];
    /* "ä" as ISO-8859-1 (0xE4): converted to UTF-8 C3 A4 */
    int n = snprintf(buf, sizeof buf, "%s\xe4%s", head, tail);
    parse_bytes(buf, (size_t)n);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->diagnostic, "550 Empf\xc3\xa4nger unbekannt");
    /* already UTF-8: unchanged (not read as ISO-8859-1) */
    n = snprintf(buf, sizeof buf, "%s\xc3\xa4%s", head, tail);
    parse_bytes(buf, (size_t)n);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->diagnostic, "550 Empf\xc3\xa4nger unbekannt");
}

/* A provider's notice with its MTA's bounce pasted below as plain text. */
static void test_forwarded_bounce(void **state)
{
    (void)state;
    load("forwarded-bounce.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "dave@far.example");
    expect_str(x->action, "failed");
    expect_str(x->status, "4.4.1");
    expect_str(x->diagnostic_type, "x-postfix");
    expect_str(x->diagnostic, "connect to mx.far.example[192.0.2.55]:25: Connection timed out");
}

/* Exim's notice of a malformed recipient "a@x <b@y>": the address in angle
 * brackets is the mailbox (RFC 5322 name-addr), the first one its display
 * part. */
static void test_exim_malformed_name_addr(void **state)
{
    (void)state;
    load("exim-malformed-rcpt.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "ruth@lists.example");
    expect_str(rcpt(0)->action, "failed");
    assert_non_null(
        strstr(rcpt(0)->diagnostic, "malformed address: <ruth@lists.example> may not follow"));
}

/* A gateway's bounce that names no recipient and returns, as
 * message/rfc822, the DSN it got: the returned report's Final-Recipient is
 * the failed recipient (not the returned message's To, our own sender). */
static void test_gateway_returned_dsn(void **state)
{
    (void)state;
    load("gateway-returned-dsn.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "hana@remote.example");
    expect_str(x->action, "failed");
    expect_str(x->status, "5.1.1");
    expect_str(x->diagnostic, "550 5.1.1 <hana@remote.example>... User unknown");
}

/* fml's refusal notices: the list refused the post; an ordinary list post
 * with the same X-MLServer header (even one quoting the notice's words) is
 * not a bounce. */
/* An SES-style notification whose JSON string ends in a lone backslash at
 * the very end of the text (found by fuzz_dsn): the reader stops there —
 * it used to loop for ever — and, with no bouncedRecipients, it is no SES
 * bounce; nothing else in it is a bounce either. */
static void test_ses_trailing_backslash(void **state)
{
    (void)state;
    static const char msg[] = "Return-Path: <>\nFrom: Message\n\n"
                              "{\"Message\" : \"{\\\"notificationType\\\":\\\"Bounce\\";
    parse_bytes(msg, sizeof msg - 1);
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
}

static void test_fml_notice(void **state)
{
    (void)state;
    load("fml-not-member.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "fml");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "cats@lists.example.org");
    expect_str(rcpt(0)->action, "failed");
    expect_str(rcpt(0)->diagnostic,
               "You are not a member of this mailing list <cats@lists.example.org>.");
    static const char loop[] =
        "From: cats-admin@lists.example.org\nTo: cats-admin@lists.example.org\n"
        "Subject: Loop Alert: Duplicated Message-ID (cats ML)\n"
        "X-MLServer: fml [fml 4.0.3 release (20011202/4.0.3)]\n\n"
        "Duplicated Message-ID in <cats@lists.example.org>.\n\n\nOriginal mail as follows:\n\n"
        "   To: <cats@lists.example.org>\n   Subject: Hello\n";
    parse_bytes(loop, sizeof loop - 1);
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "cats@lists.example.org");
    expect_str(rcpt(0)->diagnostic, "Duplicated Message-ID in <cats@lists.example.org>.");
    load("fml-list-post.eml");
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
}

/* dsn_parse screens a message before reading it (may_report): each message
 * below has exactly one of the signs the screen looks for, from an ordinary
 * sender with an ordinary subject, so that dropping that sign from the
 * screen would lose a report the full reading finds. */
static void test_screen_single_signs(void **state)
{
    (void)state;
    /* the word of an SES notification, nothing else */
    static const char ses[] =
        "From: Notifications <no-reply@sns.example>\nTo: ops@sender.example\n"
        "Subject: Notification Message\n\n"
        "{\"notificationType\":\"Bounce\",\"bounce\":{\"bouncedRecipients\":[{"
        "\"emailAddress\":\"gone@remote.example\",\"action\":\"failed\","
        "\"status\":\"5.1.1\",\"diagnosticCode\":\"smtp; 550 5.1.1 user unknown\"}],"
        "\"reportingMTA\":\"dsn; a.ses.example\"}}\n";
    parse_bytes(ses, sizeof ses - 1);
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.format, "amazonses");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "gone@remote.example");
    /* Precedence: auto_reply alone */
    static const char prec[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                               "Subject: Re: your order\nPrecedence: auto_reply\n\nThanks.\n";
    parse_bytes(prec, sizeof prec - 1);
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "Precedence: auto_reply");
    /* each field made for auto-replies alone (the screen reads the header
     * in one pass of its own), in any case; Auto-Submitted alone */
    static const char *const fields[] = {"X-Autoreply",  "X-Autorespond",    "X-Autoresponder",
                                         "X-Auto-Reply", "X-Mail-Autoreply", "X-Autoreply-From",
                                         "X-Vacation"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        char m[256], ev[64];
        int n = snprintf(m, sizeof m,
                         "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                         "Subject: Re: your order\n%s: yes\n\nThanks.\n",
                         fields[i]);
        for (char *q = strstr(m, fields[i]); *q != ':'; q++) /* the name in capitals */
            if (*q >= 'a' && *q <= 'z') *q = (char)(*q - 32);
        parse_bytes(m, (size_t)n);
        assert_int_equal(F.kind, DSN_AUTOREPLY);
        snprintf(ev, sizeof ev, "%s header", fields[i]);
        expect_str(F.r.evidence, ev);
    }
    static const char as[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                             "Subject: Re: your order\nauto-submitted: auto-replied\n\nThanks.\n";
    parse_bytes(as, sizeof as - 1);
    assert_int_equal(F.kind, DSN_AUTOREPLY);
    expect_str(F.r.evidence, "Auto-Submitted: auto-replied");
    /* a bounce text in the second text part, nothing in the header */
    static const char body[] =
        "From: Helpdesk <help@corp.example>\nTo: a@sender.example\nSubject: Re: hello\n"
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b\"\n\n"
        "--b\nContent-Type: text/plain\n\nSee below.\n"
        "--b\nContent-Type: text/plain\n\nThis is the mail system at host mx.corp.example.\n\n"
        "<gone@remote.example>: host mx.remote.example said: 550 5.1.1 User unknown\n"
        "--b--\n";
    parse_bytes(body, sizeof body - 1);
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.evidence, "bounce text");
    assert_int_equal(F.r.n_rcpt, 1);
    expect_str(rcpt(0)->recipient, "gone@remote.example");
    /* a bounce subject alone */
    static const char subj[] = "From: Helpdesk <help@corp.example>\nTo: a@sender.example\n"
                               "Subject: Undeliverable: hello\n\n"
                               "gone@remote.example\n550 5.1.1 User unknown\n";
    parse_bytes(subj, sizeof subj - 1);
    assert_int_equal(F.kind, DSN_BOUNCE);
    expect_str(F.r.evidence, "bounce subject");
    /* an ordinary message: screened out, nothing reported */
    static const char plain[] = "From: Rita <rita@corp.example>\nTo: a@sender.example\n"
                                "Subject: lunch\nPrecedence: bulk\n\nAt noon?\n";
    parse_bytes(plain, sizeof plain - 1);
    assert_int_equal(F.kind, DSN_NONE);
    assert_int_equal(F.r.n_rcpt, 0);
}

/* ---- classification of what dsn_parse extracts (dsn-extra fixtures) ----
 * The recipient's facts passed to classify_bounce_facts as ingest does; the
 * expected reasons were worked out from each fixture's text (see
 * test_classify's test_review_rules_2 for the rules). */
static const char *classify_rcpt(const struct dsn_rcpt *x)
{
    static struct bounce_class b;
    struct bounce_facts f = {0};
    f.reply_code = x->reply_code;
    f.status = x->status;
    f.text = x->diagnostic;
    f.text_len = x->diagnostic ? strlen(x->diagnostic) : 0;
    f.diagnostic_type = x->diagnostic_type;
    f.action = x->action;
    f.smtp_command = x->smtp_command;
    f.final = x->action && strcmp(x->action, "delayed") != 0;
    f.mta = F.r.mta;
    f.mta_category = x->mta_category;
    classify_bounce_facts(&f, &b);
    return b.reason;
}

static void test_extra_expired_dns(void **state)
{
    (void)state;
    load_from("dsn-extra", "exchange-expired-dns.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "bob@unresolvable.example");
    expect_str(x->status, "5.4.312");
    assert_int_equal(x->reply_code, 550);
    expect_has(x->diagnostic, "Message expired, DNS query failed");
    /* the report gave up, but what failed was the DNS lookup */
    expect_str(classify_rcpt(x), "networkerror");
    /* ... and the delivery still expired (its status, feedback.c) */
    assert_true(classify_says_expired(x->status, x->diagnostic, strlen(x->diagnostic)));
}

static void test_extra_sendmail_access_denied(void **state)
{
    (void)state;
    load_from("dsn-extra", "sendmail-access-denied.eml");
    assert_int_equal(F.kind, DSN_BOUNCE);
    assert_int_equal(F.r.n_rcpt, 1);
    const struct dsn_rcpt *x = rcpt(0);
    expect_str(x->recipient, "carol@recipient.example");
    expect_str(x->status, "5.7.1");
    expect_str(x->smtp_command, "RCPT");
    expect_str(x->diagnostic, "550 5.7.1 <carol@recipient.example>... Access denied");
    /* the access database refused the address, not the client host */
    expect_str(classify_rcpt(x), "securityerror");
    assert_false(classify_says_expired(x->status, x->diagnostic, strlen(x->diagnostic)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_postfix_dsn),
        cmocka_unit_test(test_multi_rcpt_failed_and_delayed),
        cmocka_unit_test(test_sloppy_dsn),
        cmocka_unit_test(test_global_dsn),
        cmocka_unit_test(test_hmailserver),
        cmocka_unit_test(test_exchange_ndr),
        cmocka_unit_test(test_gmail),
        cmocka_unit_test(test_qmail),
        cmocka_unit_test(test_postfix_without_dsn),
        cmocka_unit_test(test_exim),
        cmocka_unit_test(test_sendmail),
        cmocka_unit_test(test_sendmail_multihost),
        cmocka_unit_test(test_gmail_remote_said),
        cmocka_unit_test(test_yahoo),
        cmocka_unit_test(test_out_of_office),
        cmocka_unit_test(test_auto_subject),
        cmocka_unit_test(test_vacation_auto_submitted),
        cmocka_unit_test(test_x_autoreply),
        cmocka_unit_test(test_not_a_bounce),
        cmocka_unit_test(test_arf_is_not_ours),
        cmocka_unit_test(test_display_name_alone_is_not_a_bounce),
        cmocka_unit_test(test_max_rcpt),
        cmocka_unit_test(test_max_field),
        cmocka_unit_test(test_no_dsn_part_no_signals),
        cmocka_unit_test(test_bullet_is_no_diagnostic),
        cmocka_unit_test(test_action_defaults_and_pipe_recipient),
        cmocka_unit_test(test_writer_powermta),
        cmocka_unit_test(test_writer_headers),
        cmocka_unit_test(test_domino_iso2022jp),
        cmocka_unit_test(test_ds_8bit),
        cmocka_unit_test(test_forwarded_bounce),
        cmocka_unit_test(test_exim_malformed_name_addr),
        cmocka_unit_test(test_gateway_returned_dsn),
        cmocka_unit_test(test_fml_notice),
        cmocka_unit_test(test_ses_trailing_backslash),
        cmocka_unit_test(test_screen_single_signs),
        cmocka_unit_test(test_extra_expired_dns),
        cmocka_unit_test(test_extra_sendmail_access_denied),
        cmocka_unit_test(test_cut_lines),
        cmocka_unit_test(test_bounce_wording_at_end),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    teardown(NULL);
    return rc;
}
