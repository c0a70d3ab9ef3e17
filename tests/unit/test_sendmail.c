/* test_sendmail — Sendmail syslog lines in, events out: one table row per
 * line shape (arrivals, per-recipient deliveries and their stat= mapping,
 * ruleset and milter rejects, DSNs, AUTH, warnings, ignored, foreign and
 * malformed lines), a 64 KiB line, NUL bytes, sniff scores, and the fixture
 * file end to end. Expected fields were read off each line by hand against
 * the rules in sendmail.c's header; fixture counts are those of
 * tests/fixtures/logs/README.md from tests/fixtures/logs/count-syslog.py
 * (regular expressions, no code shared with the parser). Epochs: Python
 * calendar.timegm. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"
#include "logs/syslog.h"

/* EV() sets the "unknown" defaults of a log_event and a row overrides some. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MTIME 1743638400 /* 2025-04-03T00:00:00Z */
#define MAXEV 8
#define EV(...)                                                                                    \
    {                                                                                              \
        .pid = -1, .size = -1, .nrcpt = -1, .delay = -1, __VA_ARGS__                               \
    }

struct got {
    int n;
    struct log_event ev[MAXEV];
};

static void collect(void *ctx, const struct log_event *ev)
{
    struct got *g = ctx;
    if (g->n < MAXEV) g->ev[g->n] = *ev;
    g->n++;
}

struct scase {
    const char *name;
    const char *line;
    enum line_rc rc;
    int n;
    struct log_event ev;
};

/* The second recipient of the rows with two events. */
static const struct {
    const char *name, *rcpt2;
} second[] = {{"to-two-recipients", "kim@yahoo.com"}, {"to-msp-bare-list", "erin_k@outlook.com"}};

static const struct scase cases[] = {
    /* arrivals */
    {"from",
     "Apr  2 09:00:05 gw sm-mta[3120]: 5329A0Ba003120: from=<carol.smith@gmail.com>, size=5120, "
     "class=0, nrcpts=1, msgid=<CAHx1y2z3w4v5u6t7@mail.gmail.com>, bodytype=8BITMIME, "
     "proto=ESMTPS, daemon=MTA, tls_verify=NO, auth=NONE, relay=mail-sor-f41.google.com "
     "[209.85.220.41]",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .time = 1743584405 /* 2025-04-02 09:00:05 */, .host = "gw",
        .component = "sm-mta", .pid = 3120, .queue_id = "5329A0Ba003120",
        .sender = "carol.smith@gmail.com", .size = 5120, .nrcpt = 1,
        .message_id = "CAHx1y2z3w4v5u6t7@mail.gmail.com", .client_name = "mail-sor-f41.google.com",
        .client_ip = "209.85.220.41")},
    {"from-msp-local",
     "Apr  2 09:01:10 gw sendmail[3130]: 5329A1Ab003130: from=bob, size=1450, class=0, "
     "nrcpts=2, msgid=<202504020901.5329A1Ab003130@gw.example.com>, relay=bob@localhost",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .component = "sendmail", .queue_id = "5329A1Ab003130", .sender = "bob",
        .size = 1450, .nrcpt = 2, .message_id = "202504020901.5329A1Ab003130@gw.example.com",
        .client_name = "bob@localhost")},
    {"from-null-sender-forged",
     "Apr  2 09:13:00 gw sm-mta[3240]: 5329B3At003240: from=<>, size=4411, class=0, nrcpts=1, "
     "msgid=<x@remote.example>, proto=ESMTP, daemon=MTA, relay=remote.example [192.0.2.120] "
     "(may be forged)",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .queue_id = "5329B3At003240", .sender = "", .size = 4411, .nrcpt = 1,
        .message_id = "x@remote.example", .client_name = "remote.example",
        .client_ip = "192.0.2.120")},
    {"from-nrcpts-0",
     "Apr  2 09:02:31 gw sm-mta[3140]: 5329A2Ad003140: from=<spam@bulk.example>, size=0, "
     "class=0, nrcpts=0, proto=ESMTP, daemon=MTA, relay=[198.51.100.23]",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "5329A2Ad003140", .sender = "spam@bulk.example", .size = 0,
        .nrcpt = 0, .client_ip = "198.51.100.23", .text = "from=<spam@bulk.example>, size=0, *")},
    {"from-ipv6",
     "Apr  2 09:13:00 gw sm-mta[1]: 5329B3At003240: from=<a@b.example>, size=1, class=0, "
     "nrcpts=1, msgid=<m@b.example>, proto=ESMTP, daemon=MTA, relay=mx.b.example "
     "[IPv6:2001:db8::25]",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .queue_id = "5329B3At003240", .sender = "a@b.example", .size = 1,
        .nrcpt = 1, .message_id = "m@b.example", .client_name = "mx.b.example",
        .client_ip = "2001:db8::25")},
    /* deliveries */
    {"to-local",
     "Apr  2 09:00:05 gw sm-mta[3121]: 5329A0Ba003120: to=<alice@example.com>, "
     "delay=00:00:00, xdelay=00:00:00, mailer=local, pri=35320, dsn=2.0.0, stat=Sent",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "5329A0Ba003120",
        .recipient = "alice@example.com", .delay = 0, .relay_host = "local", .local = true,
        .dsn = "2.0.0", .reply_text = "Sent")},
    {"to-gmail-sent",
     "Apr  2 09:01:13 gw sm-mta[3133]: 5329A1Ac003131: to=<dave.jones@gmail.com>, "
     "ctladdr=<bob@example.com> (1000/1000), delay=00:00:03, xdelay=00:00:02, mailer=esmtp, "
     "pri=121710, relay=gmail-smtp-in.l.google.com. [142.250.102.26], dsn=2.0.0, stat=Sent (OK  "
     "1743584473 a640c23a62f3a-ac3f1b2e4d5si8123499.312 - gsmtp)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "5329A1Ac003131",
        .recipient = "dave.jones@gmail.com", .delay = 3, .relay_host = "gmail-smtp-in.l.google.com",
        .relay_ip = "142.250.102.26", .dsn = "2.0.0",
        .reply_text = "Sent (OK  1743584473 a640c23a62f3a-ac3f1b2e4d5si8123499.312 - gsmtp)")},
    {"to-outlook-deferred",
     "Apr  2 09:01:14 gw sm-mta[3133]: 5329A1Ac003131: to=<erin_k@outlook.com>, delay=00:00:04, "
     "xdelay=00:00:01, mailer=esmtp, pri=121710, relay=outlook-com.olc.protection.outlook.com. "
     "[52.101.68.10], dsn=4.7.650, stat=Deferred: 451 4.7.650 The mail server [203.0.113.20] "
     "has been temporarily rate limited due to IP reputation. (S775)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "5329A1Ac003131",
        .recipient = "erin_k@outlook.com", .delay = 4,
        .relay_host = "outlook-com.olc.protection.outlook.com", .relay_ip = "52.101.68.10",
        .dsn = "4.7.650", .reply_code = 451, .reply_text = "Deferred: 451 4.7.650 The mail *")},
    {"to-two-recipients",
     "Apr  2 09:05:06 gw sm-mta[3162]: 5329A5Ag003160: to=<judy@yahoo.com>,<kim@yahoo.com>, "
     "delay=00:00:05, xdelay=00:00:01, mailer=esmtp, pri=215012, relay=mta5.am0.yahoodns.net. "
     "[98.136.96.91], dsn=4.7.0, stat=Deferred: 421 4.7.0 [TSS04] Messages from 203.0.113.20 "
     "temporarily deferred due to unexpected volume or user complaints",
     LINE_EVENT, 2,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "5329A5Ag003160",
        .recipient = "judy@yahoo.com", .delay = 5, .relay_host = "mta5.am0.yahoodns.net",
        .relay_ip = "98.136.96.91", .dsn = "4.7.0", .reply_code = 421,
        .reply_text = "Deferred: 421 4.7.0 [TSS04] *")},
    {"to-msp-bare-list",
     "Apr  2 09:01:10 gw sendmail[3130]: 5329A1Ab003130: "
     "to=dave.jones@gmail.com,erin_k@outlook.com, "
     "ctladdr=bob (1000/1000), delay=00:00:00, xdelay=00:00:00, mailer=relay, pri=90450, "
     "relay=[127.0.0.1] [127.0.0.1], dsn=2.0.0, stat=Sent (5329A1Ac003131 Message accepted for "
     "delivery)",
     LINE_EVENT, 2,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "5329A1Ab003130",
        .recipient = "dave.jones@gmail.com", .delay = 0, .relay_ip = "127.0.0.1", .dsn = "2.0.0",
        .reply_text = "Sent (5329A1Ac003131 Message accepted for delivery)")},
    {"to-user-unknown",
     "Apr  2 09:05:04 gw sm-mta[3162]: 5329A5Ag003160: to=<henry@gmail.com>, delay=00:00:03, "
     "xdelay=00:00:01, mailer=esmtp, pri=215012, relay=gmail-smtp-in.l.google.com. "
     "[142.250.102.27], dsn=5.1.1, stat=User unknown",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_BOUNCED, .queue_id = "5329A5Ag003160",
        .recipient = "henry@gmail.com", .delay = 3, .relay_host = "gmail-smtp-in.l.google.com",
        .relay_ip = "142.250.102.27", .dsn = "5.1.1", .reply_text = "User unknown")},
    {"to-service-unavailable",
     "Apr  2 09:16:00 gw sm-mta[3270]: 5329B6Ax003270: to=<olga@yahoo.com>, delay=00:00:07, "
     "xdelay=00:00:07, mailer=esmtp, pri=120500, relay=mta6.am0.yahoodns.net. [67.195.228.94], "
     "dsn=5.7.1, stat=Service unavailable",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_BOUNCED, .queue_id = "5329B6Ax003270",
        .recipient = "olga@yahoo.com", .delay = 7, .relay_host = "mta6.am0.yahoodns.net",
        .relay_ip = "67.195.228.94", .dsn = "5.7.1", .reply_text = "Service unavailable")},
    {"to-4xx-dsn-not-deferred-word",
     "Apr  2 09:16:00 gw sm-mta[1]: 5329B6Ax003270: to=<p@example.org>, delay=00:00:07, "
     "mailer=esmtp, pri=1, relay=mx.example.org. [192.0.2.80], dsn=4.2.2, stat=Mailbox full",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "5329B6Ax003270",
        .recipient = "p@example.org", .delay = 7, .relay_host = "mx.example.org",
        .relay_ip = "192.0.2.80", .dsn = "4.2.2", .reply_text = "Mailbox full")},
    {"to-days-delay-no-ip",
     "Apr  2 09:11:00 gw sm-mta[3220]: 5327Q0Ao001234: to=<leo@oldcorp.example>, "
     "ctladdr=<bob@example.com> (1000/1000), delay=5+00:00:12, xdelay=00:00:30, mailer=esmtp, "
     "pri=9632110, relay=mail.oldcorp.example., dsn=4.4.7, stat=Deferred: Connection timed out "
     "with mail.oldcorp.example.",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "5327Q0Ao001234",
        .recipient = "leo@oldcorp.example", .delay = 432012, .relay_host = "mail.oldcorp.example",
        .dsn = "4.4.7", .reply_text = "Deferred: Connection timed out with mail.oldcorp.example.")},
    {"to-prog",
     "Apr  2 09:15:00 gw sm-mta[3260]: 5329B5Aw003260: to=|/usr/bin/procmail, "
     "ctladdr=<nick@example.com> (1001/1001), delay=1+02:03:04, xdelay=00:00:00, mailer=prog, "
     "pri=31500, dsn=2.0.0, stat=Sent",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "5329B5Aw003260",
        .recipient = "|/usr/bin/procmail", .delay = 93784, .relay_host = "prog", .local = true,
        .dsn = "2.0.0", .reply_text = "Sent")},
    {"to-msp-queue-deferred",
     "Apr  2 09:07:01 gw sm-msp-queue[3181]: 5329A7Aj003181: to=postmaster, ctladdr=root (0/0), "
     "delay=00:03:01, xdelay=00:00:00, mailer=relay, pri=120382, relay=[127.0.0.1], dsn=4.0.0, "
     "stat=Deferred: Connection refused by [127.0.0.1]",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .component = "sm-msp-queue",
        .queue_id = "5329A7Aj003181", .recipient = "postmaster", .delay = 181,
        .relay_ip = "127.0.0.1", .dsn = "4.0.0",
        .reply_text = "Deferred: Connection refused by [127.0.0.1]")},
    {"to-queued",
     "Apr  2 09:07:01 gw sendmail[1]: 5329A7Aj003181: to=<a@b.example>, delay=00:00:00, "
     "mailer=relay, pri=30000, stat=queued",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "5329A7Aj003181", .recipient = "a@b.example", .delay = 0,
        .reply_text = "queued", .text = "to=<a@b.example>, *")},
    /* rejects */
    {"ruleset-check-rcpt",
     "Apr  2 09:02:30 gw sm-mta[3140]: 5329A2Ad003140: ruleset=check_rcpt, "
     "arg1=<victim@remote.example>, relay=[198.51.100.23], reject=550 5.7.1 "
     "<victim@remote.example>... Relaying denied. Proper authentication required.",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "5329A2Ad003140",
        .recipient = "victim@remote.example", .client_ip = "198.51.100.23", .reply_code = 550,
        .dsn = "5.7.1",
        .reply_text = "550 5.7.1 <victim@remote.example>... Relaying denied. Proper "
                      "authentication required.")},
    {"ruleset-check-relay-noqid",
     "Apr  2 09:03:00 gw sm-mta[3142]: ruleset=check_relay, arg1=[185.220.101.5], "
     "arg2=127.0.0.4, relay=[185.220.101.5], reject=550 5.7.1 Rejected: 185.220.101.5 listed at "
     "zen.spamhaus.org",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .client_ip = "185.220.101.5", .reply_code = 550,
        .dsn = "5.7.1",
        .reply_text = "550 5.7.1 Rejected: 185.220.101.5 listed at zen.spamhaus.org")},
    {"ruleset-check-mail",
     "Apr  2 09:03:20 gw sm-mta[3144]: 5329A3Ae003144: ruleset=check_mail, "
     "arg1=<billing@nonexistent-domain.example>, relay=mail.fakebank.example [192.0.2.150] (may "
     "be forged), reject=553 5.1.8 <billing@nonexistent-domain.example>... Domain of sender "
     "address billing@nonexistent-domain.example does not exist",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "5329A3Ae003144",
        .sender = "billing@nonexistent-domain.example", .client_name = "mail.fakebank.example",
        .client_ip = "192.0.2.150", .reply_code = 553, .dsn = "5.1.8",
        .reply_text = "553 5.1.8 <billing@nonexistent-domain.example>... Domain of sender *")},
    {"noqueue-ruleset",
     "Apr  2 09:03:00 gw sm-mta[3142]: NOQUEUE: ruleset=check_relay, arg1=x.example, "
     "arg2=192.0.2.5, relay=x.example [192.0.2.5], reject=554 5.7.1 Access denied",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .client_name = "x.example",
        .client_ip = "192.0.2.5", .reply_code = 554, .dsn = "5.7.1",
        .reply_text = "554 5.7.1 Access denied")},
    {"ruleset-discard",
     "Apr  2 09:03:00 gw sm-mta[1]: 5329A3Ae003144: ruleset=check_rcpt, arg1=<a@b.example>, "
     "relay=x [192.0.2.5], discard",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "5329A3Ae003144", .recipient = "a@b.example",
        .client_name = "x", .client_ip = "192.0.2.5", .text = "ruleset=check_rcpt, *")},
    {"milter-eq",
     "Apr  2 09:08:01 gw sm-mta[3190]: 5329A8Ak003190: milter=clamav, action=data, reject=554 "
     "5.7.1 Virus found: Win.Trojan.Agent-123456",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "5329A8Ak003190", .reply_code = 554,
        .dsn = "5.7.1", .reply_text = "554 5.7.1 Virus found: Win.Trojan.Agent-123456")},
    {"milter-colon",
     "Apr  2 09:08:30 gw sm-mta[3192]: 5329A8Al003192: Milter: to=<alice@example.com>, "
     "reject=550 5.7.1 Command rejected",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "5329A8Al003192",
        .recipient = "alice@example.com", .reply_code = 550, .dsn = "5.7.1",
        .reply_text = "550 5.7.1 Command rejected")},
    {"milter-no-reject", "Apr  2 09:08:30 gw sm-mta[3192]: 5329A8Al003192: Milter: data, discard",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    /* DSN, auth, warnings */
    {"dsn", "Apr  2 09:05:06 gw sm-mta[3162]: 5329A5Ag003160: 5329A5Ah003162: DSN: User unknown",
     LINE_EVENT, 1,
     EV(.kind = EV_DSN, .queue_id = "5329A5Ag003160", .text = "5329A5Ah003162: DSN: User unknown")},
    {"dsn-expired",
     "Apr  2 09:11:00 gw sm-mta[3220]: 5327Q0Ao001234: 5329B0Ap003220: DSN: Cannot send message "
     "for 5 days",
     LINE_EVENT, 2,
     EV(.kind = EV_DSN, .queue_id = "5327Q0Ao001234",
        .text = "5329B0Ap003220: DSN: Cannot send message for 5 days")},
    {"auth-server",
     "Apr  2 09:05:00 gw sm-mta[3160]: 5329A5Ag003160: AUTH=server, relay=client.example.com "
     "[198.51.100.77], authid=newsletter, mech=PLAIN, bits=0",
     LINE_EVENT, 1,
     EV(.kind = EV_AUTH, .queue_id = "5329A5Ag003160", .sasl_user = "newsletter",
        .client_name = "client.example.com", .client_ip = "198.51.100.77")},
    {"auth-client",
     "Apr  2 09:05:00 gw sm-mta[1]: AUTH=client, relay=smtp.isp.example, mech=PLAIN, bits=0",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"auth-failure",
     "Apr  2 09:06:00 gw sm-mta[3170]: 5329A6Ai003170: AUTH failure (LOGIN): authentication "
     "failure (-13) SASL(-13): authentication failure: checkpass failed, user=admin, "
     "relay=[45.148.10.60]",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .queue_id = "5329A6Ai003170", .client_ip = "45.148.10.60",
        .text = "AUTH failure (LOGIN): *")},
    {"syserr",
     "Apr  2 09:11:30 gw sm-mta[3225]: 5329B1Aq003225: SYSERR(root): collect: I/O error on "
     "connection from unknown-host.example [203.0.113.88], from=<x@y.example>",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .queue_id = "5329B1Aq003225", .text = "SYSERR(root): collect: *")},
    {"user-unknown-note",
     "Apr  2 09:04:00 gw sm-mta[3150]: 5329A4Af003150: <nobody@example.com>... User unknown",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "5329A4Af003150", .recipient = "nobody@example.com",
        .text = "<nobody@example.com>... User unknown")},
    /* ignored */
    {"starting",
     "Apr  2 09:00:01 gw sm-mta[3101]: starting daemon (8.17.1.9): SMTP+queueing@00:10:00",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"starttls",
     "Apr  2 09:00:04 gw sm-mta[3120]: STARTTLS=server, relay=x [209.85.220.41], "
     "version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"lost-input",
     "Apr  2 09:02:31 gw sm-mta[3140]: 5329A2Ad003140: lost input channel from [198.51.100.23] "
     "to MTA after rcpt",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"did-not-issue",
     "Apr  2 09:06:01 gw sm-mta[3170]: 5329A6Ai003170: [45.148.10.60] did not issue "
     "MAIL/EXPN/VRFY/ETRN during connection to MTA",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    /* foreign */
    {"postfix-sendmail",
     "Apr  2 09:20:00 gw postfix/sendmail[3310]: fatal: chdir /var/spool/postfix: No such file",
     LINE_FOREIGN, 0, EV(.kind = EV_OTHER)},
    {"dovecot", "Apr  2 09:00:05 gw dovecot: imap-login: Login: user=<alice>", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"sendmail-prefix-only", "Apr  2 09:00:05 gw sendmailx[1]: x", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"journal", "-- Logs begin at Mon 2025-03-31 00:00:01 CEST. --", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    /* malformed */
    {"to-no-stat",
     "Apr  2 09:00:05 gw sm-mta[1]: 5329A0Ba003120: to=<a@b.example>, delay=00:00:00, mailer=esmtp",
     LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"to-empty", "Apr  2 09:00:05 gw sm-mta[1]: 5329A0Ba003120: to=, stat=Sent", LINE_BAD, 0,
     EV(.kind = EV_OTHER)},
    {"garbage", "sm-mta: nonsense", LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"nul", "Apr  2 09:00:05 gw sm-mta[1]: 5329A0Ba003120: from=<a\0b>", LINE_BAD, 0,
     EV(.kind = EV_OTHER)},
};

static bool str_matches(const char *exp, const char *got)
{
    if (!exp || !got) return exp == got;
    size_t n = strlen(exp);
    if (n > 0 && exp[n - 1] == '*') return strncmp(exp, got, n - 1) == 0;
    return strcmp(exp, got) == 0;
}

#define CHECK_STR(f)                                                                               \
    do {                                                                                           \
        if (!str_matches(exp->f, got->f)) {                                                        \
            print_error("%s: " #f ": got '%s' expected '%s'\n", name, got->f ? got->f : "(null)",  \
                        exp->f ? exp->f : "(null)");                                               \
            bad = true;                                                                            \
        }                                                                                          \
    } while (0)
#define CHECK_NUM(f)                                                                               \
    do {                                                                                           \
        if (exp->f != got->f) {                                                                    \
            print_error("%s: " #f ": got %lld expected %lld\n", name, (long long)got->f,           \
                        (long long)exp->f);                                                        \
            bad = true;                                                                            \
        }                                                                                          \
    } while (0)

static void check_event(const char *name, const struct log_event *exp, const struct log_event *got)
{
    bool bad = false;
    CHECK_NUM(kind);
    CHECK_NUM(status);
    CHECK_STR(queue_id);
    CHECK_STR(session_id);
    CHECK_STR(client_name);
    CHECK_STR(client_ip);
    CHECK_STR(helo);
    CHECK_STR(sasl_user);
    CHECK_STR(sender);
    CHECK_STR(recipient);
    CHECK_STR(orig_recipient);
    CHECK_STR(relay_host);
    CHECK_STR(relay_ip);
    CHECK_NUM(relay_port);
    CHECK_STR(dsn);
    CHECK_NUM(reply_code);
    CHECK_STR(reply_text);
    CHECK_NUM(size);
    CHECK_NUM(nrcpt);
    CHECK_STR(message_id);
    CHECK_NUM(local);
    CHECK_STR(text);
    if (fabs(exp->delay - got->delay) > 1e-9) {
        print_error("%s: delay: got %g expected %g\n", name, got->delay, exp->delay);
        bad = true;
    }
    if (exp->component) CHECK_STR(component);
    if (exp->host) CHECK_STR(host);
    if (exp->pid != -1) CHECK_NUM(pid);
    if (exp->time != 0) CHECK_NUM(time);
    if (!got->time_valid || !got->time_text || !got->host || !got->component) {
        print_error("%s: prefix fields missing\n", name);
        bad = true;
    }
    if (bad) fail_msg("case %s", name);
}

static enum line_rc run_line(void *st, arena *a, const char *line, size_t len, struct got *g)
{
    char *buf = malloc(len ? len : 1); /* exact size: ASan sees reads past len */
    memcpy(buf, line, len);
    g->n = 0;
    enum line_rc rc = log_format_sendmail.line(st, a, buf, len, collect, g);
    free(buf);
    return rc;
}

static size_t case_len(const struct scase *c)
{
    /* the "nul" row holds a NUL: its length runs to the closing '>' */
    if (strcmp(c->name, "nul") == 0) return strlen(c->line) + 1 + strlen("b>");
    return strlen(c->line);
}

static void test_table(void **state)
{
    (void)state;
    struct log_opts o = {.file_mtime = MTIME};
    arena *a = arena_new();
    for (size_t i = 0; i < N(cases); i++) {
        const struct scase *c = &cases[i];
        void *st = log_format_sendmail.open(&o);
        struct got g;
        enum line_rc rc = run_line(st, a, c->line, case_len(c), &g);
        if (rc != c->rc || g.n != c->n)
            fail_msg("case %s: rc %d (expected %d), %d events (expected %d)", c->name, rc, c->rc,
                     g.n, c->n);
        if (c->n > 0) check_event(c->name, &c->ev, &g.ev[0]);
        for (size_t k = 0; k < N(second); k++)
            if (strcmp(second[k].name, c->name) == 0) {
                struct log_event e2 = c->ev;
                e2.recipient = second[k].rcpt2;
                check_event(c->name, &e2, &g.ev[1]);
            }
        if (strcmp(c->name, "dsn-expired") == 0) {
            assert_int_equal(g.ev[1].kind, EV_EXPIRED);
            assert_int_equal(g.ev[1].status, DLV_EXPIRED);
            assert_string_equal(g.ev[1].queue_id, "5327Q0Ao001234");
            assert_string_equal(g.ev[1].text, "DSN: Cannot send message for 5 days");
        }
        log_format_sendmail.close(st);
        arena_reset(a);
    }
    arena_free(a);
}

static void test_long_line(void **state)
{
    (void)state;
    struct log_opts o = {.file_mtime = MTIME};
    void *st = log_format_sendmail.open(&o);
    arena *a = arena_new();
    struct got g;
    size_t n = 64 * 1024;
    char *buf = malloc(n);
    /* 64 KiB of recipients "<r>,<r>,...": one event each, no stat= at the end -> bad */
    const char *pre = "Apr  2 09:00:05 gw sm-mta[1]: 5329A0Ba003120: to=";
    size_t k = strlen(pre);
    memcpy(buf, pre, k);
    while (k + 4 <= n) {
        memcpy(buf + k, "<r>,", 4);
        k += 4;
    }
    memset(buf + k, ',', n - k);
    assert_int_equal(run_line(st, a, buf, n, &g), LINE_BAD);
    assert_int_equal(g.n, 0);
    /* the same with a stat= at the end: one delivery per recipient */
    const char *post = ", mailer=esmtp, stat=Sent";
    memcpy(buf + n - strlen(post), post, strlen(post));
    assert_int_equal(run_line(st, a, buf, n, &g), LINE_EVENT);
    assert_true(g.n > 16000);
    assert_string_equal(g.ev[0].recipient, "r");
    arena_reset(a);
    /* every prefix of a delivery line: never a read past len (ASan) */
    const char *full = cases[6].line;
    for (size_t i = 0; i <= strlen(full); i++) {
        (void)run_line(st, a, full, i, &g);
        arena_reset(a);
    }
    free(buf);
    arena_free(a);
    log_format_sendmail.close(st);
}

/* ---- fixture end to end --------------------------------------------- */

struct tally {
    int rc[4];
    int kind[EV__COUNT];
    int status[6];
    struct {
        char dom[64];
        int status;
        int n;
    } dom[64];
    int n_dom;
};

static void tally_event(void *ctx, const struct log_event *ev)
{
    struct tally *t = ctx;
    t->kind[ev->kind]++;
    if (ev->kind != EV_DELIVERY) return;
    t->status[ev->status]++;
    const char *at = ev->recipient ? strrchr(ev->recipient, '@') : NULL;
    const char *d = at ? at + 1 : "(local)";
    for (int i = 0; i < t->n_dom; i++)
        if (t->dom[i].status == (int)ev->status && strcmp(t->dom[i].dom, d) == 0) {
            t->dom[i].n++;
            return;
        }
    if (t->n_dom < 64) {
        snprintf(t->dom[t->n_dom].dom, sizeof t->dom[0].dom, "%s", d);
        t->dom[t->n_dom].status = (int)ev->status;
        t->dom[t->n_dom++].n = 1;
    }
}

static int dom_count(const struct tally *t, const char *d, enum dlv_status s)
{
    for (int i = 0; i < t->n_dom; i++)
        if (t->dom[i].status == (int)s && strcmp(t->dom[i].dom, d) == 0) return t->dom[i].n;
    return 0;
}

static char *read_fixture(const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char path[512];
    snprintf(path, sizeof path, "%s/tests/fixtures/logs/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    return buf;
}

static void test_fixture(void **state)
{
    (void)state;
    size_t len;
    char *buf = read_fixture("sendmail/maillog", &len);
    struct log_opts o = {.file_mtime = MTIME};
    void *st = log_format_sendmail.open(&o);
    arena *a = arena_new();
    static struct tally t;
    memset(&t, 0, sizeof t);
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        t.rc[log_format_sendmail.line(st, a, buf + pos, ll, tally_event, &t)]++;
        arena_reset(a);
        pos += ll + 1;
    }
    assert_int_equal(t.rc[LINE_EVENT], 47);
    assert_int_equal(t.rc[LINE_FOREIGN], 4);
    assert_int_equal(t.rc[LINE_IGNORED], 9);
    assert_int_equal(t.rc[LINE_BAD], 0);
    assert_int_equal(t.kind[EV_QUEUED], 9);
    assert_int_equal(t.kind[EV_DELIVERY], 27);
    assert_int_equal(t.kind[EV_REJECT], 5);
    assert_int_equal(t.kind[EV_DSN], 3);
    assert_int_equal(t.kind[EV_EXPIRED], 1);
    assert_int_equal(t.kind[EV_AUTH], 1);
    assert_int_equal(t.kind[EV_WARNING], 2);
    assert_int_equal(t.kind[EV_OTHER], 4);
    assert_int_equal(t.kind[EV_MSGID], 0);
    assert_int_equal(t.status[DLV_SENT], 15);
    assert_int_equal(t.status[DLV_DEFERRED], 7);
    assert_int_equal(t.status[DLV_BOUNCED], 5);
    assert_int_equal(dom_count(&t, "gmail.com", DLV_SENT), 3);
    assert_int_equal(dom_count(&t, "gmail.com", DLV_DEFERRED), 1);
    assert_int_equal(dom_count(&t, "gmail.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(&t, "outlook.com", DLV_SENT), 2);
    assert_int_equal(dom_count(&t, "outlook.com", DLV_DEFERRED), 1);
    assert_int_equal(dom_count(&t, "outlook.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(&t, "hotmail.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(&t, "yahoo.com", DLV_DEFERRED), 2);
    assert_int_equal(dom_count(&t, "yahoo.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(&t, "example.com", DLV_SENT), 6);
    assert_int_equal(dom_count(&t, "example.org", DLV_SENT), 3);
    assert_int_equal(dom_count(&t, "example.net", DLV_DEFERRED), 1);
    assert_int_equal(dom_count(&t, "example.net", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(&t, "(local)", DLV_SENT), 1);
    assert_int_equal(dom_count(&t, "(local)", DLV_DEFERRED), 1);
    arena_free(a);
    log_format_sendmail.close(st);
    free(buf);
}

static void test_sniff(void **state)
{
    (void)state;
    size_t len;
    char *sm = read_fixture("sendmail/maillog", &len);
    int s_sm = log_format_sendmail.sniff(sm, len);
    int s_pf = log_format_postfix.sniff(sm, len);
    assert_true(s_sm >= 90);
    assert_true(s_sm > s_pf);
    free(sm);
    char *pf = read_fixture("postfix/maillog", &len);
    assert_int_equal(log_format_sendmail.sniff(pf, len), 0);
    assert_true(log_format_postfix.sniff(pf, len) > 90);
    free(pf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_long_line),
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
