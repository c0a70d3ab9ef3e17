/* test_postfix — Postfix syslog lines in, events out: one table row per
 * line shape (every event kind, the reject variants, every delivery agent,
 * foreign, ignored and malformed lines), then a 64 KiB line, NUL bytes, the
 * sniff scores, and the fixture files end to end. The expected per-line
 * fields were read off each line by hand against the rules in postfix.c's
 * header; the fixture counts are those of tests/fixtures/logs/README.md,
 * computed by tests/fixtures/logs/count-syslog.py (regular expressions, no
 * code shared with the parser). Epochs: Python calendar.timegm. */
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

/* EV() sets the "unknown" defaults of a log_event and a row overrides some:
 * overriding an initializer is the point here. */
#pragma GCC diagnostic ignored "-Woverride-init"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MTIME 1743552000 /* 2025-04-02T00:00:00Z */
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

struct pcase {
    const char *name;
    const char *line;
    enum line_rc rc;
    int n; /* events */
    struct log_event ev;
};

static const struct pcase cases[] = {
    /* smtpd sessions */
    {"connect",
     "Apr  1 06:00:00 mx1 postfix/smtpd[21034]: connect from "
     "mail-sor-f41.google.com[209.85.220.41]",
     LINE_EVENT, 1,
     EV(.kind = EV_CONNECT, .time = 1743487200 /* 2025-04-01 06:00:00 */, .host = "mx1",
        .component = "postfix/smtpd", .pid = 21034, .session_id = "21034",
        .client_name = "mail-sor-f41.google.com", .client_ip = "209.85.220.41")},
    {"connect-ipv6", "Apr  1 06:00:00 mx1 postfix/smtpd[7]: connect from unknown[2001:db8::25]",
     LINE_EVENT, 1,
     EV(.kind = EV_CONNECT, .session_id = "7", .client_name = "unknown",
        .client_ip = "2001:db8::25")},
    {"disconnect",
     "Apr  1 06:00:02 mx1 postfix/smtpd[21034]: disconnect from unknown[198.51.100.23] ehlo=1 "
     "mail=1 rcpt=0/1 quit=1 commands=3/4",
     LINE_EVENT, 1,
     EV(.kind = EV_DISCONNECT, .session_id = "21034", .client_name = "unknown",
        .client_ip = "198.51.100.23", .text = "ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4")},
    {"client",
     "Apr  1 06:00:02 mx1 postfix/smtpd[21034]: 3A1F520C41: "
     "client=mail-sor-f41.google.com[209.85.220.41]",
     LINE_EVENT, 1,
     EV(.kind = EV_CLIENT, .queue_id = "3A1F520C41", .session_id = "21034",
        .client_name = "mail-sor-f41.google.com", .client_ip = "209.85.220.41")},
    {"client-sasl-submission",
     "Apr  1 06:01:43 mx1 postfix/submission/smtpd[21102]: 5B2E630D52: "
     "client=unknown[198.51.100.77], sasl_method=PLAIN, sasl_username=bob@example.net",
     LINE_EVENT, 1,
     EV(.kind = EV_CLIENT, .component = "postfix/submission/smtpd", .queue_id = "5B2E630D52",
        .session_id = "21102", .client_name = "unknown", .client_ip = "198.51.100.77",
        .sasl_user = "bob@example.net")},
    {"client-port-and-orig",
     "Apr  1 06:01:43 mx1 postfix/smtpd[5]: 5B2E630D52: client=unknown[192.0.2.9]:40312, "
     "orig_queue_id=4F00, orig_client=x[192.0.2.1]",
     LINE_EVENT, 1,
     EV(.kind = EV_CLIENT, .queue_id = "5B2E630D52", .session_id = "5", .client_name = "unknown",
        .client_ip = "192.0.2.9")},
    {"pickup", "Apr  1 06:04:30 mx1 postfix/pickup[20900]: 1B84C96DB8: uid=0 from=<root>",
     LINE_EVENT, 1,
     EV(.kind = EV_CLIENT, .queue_id = "1B84C96DB8", .sender = "root",
        .text = "uid=0 from=<root>")},
    /* rejects */
    {"noqueue-relay-denied",
     "Apr  1 06:02:31 mx1 postfix/smtpd[21200]: NOQUEUE: reject: RCPT from "
     "unknown[198.51.100.23]: 554 5.7.1 <victim@remote.example>: Relay access denied; "
     "from=<spam@bulk.example> to=<victim@remote.example> proto=ESMTP helo=<ylmf-pc>",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .session_id = "21200", .client_name = "unknown",
        .client_ip = "198.51.100.23", .sender = "spam@bulk.example",
        .recipient = "victim@remote.example", .helo = "ylmf-pc", .reply_code = 554, .dsn = "5.7.1",
        .reply_text = "554 5.7.1 <victim@remote.example>: Relay access denied")},
    {"qid-reject",
     "Apr  1 06:02:31 mx1 postfix/smtpd[21201]: 6C3F741E63: reject: RCPT from "
     "mail.sender.example[192.0.2.45]: 550 5.1.1 <nobody@example.net>: Recipient address "
     "rejected: User unknown in virtual mailbox table; from=<info@sender.example> "
     "to=<nobody@example.net> proto=ESMTP helo=<mail.sender.example>",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "6C3F741E63", .session_id = "21201",
        .client_name = "mail.sender.example", .client_ip = "192.0.2.45",
        .sender = "info@sender.example", .recipient = "nobody@example.net",
        .helo = "mail.sender.example", .reply_code = 550, .dsn = "5.1.1",
        .reply_text = "550 5.1.1 <nobody@example.net>: Recipient address rejected: User unknown "
                      "in virtual mailbox table")},
    {"postscreen-spamhaus",
     "Apr  1 06:06:52 mx1 postfix/postscreen[1190]: NOQUEUE: reject: RCPT from "
     "[185.220.101.5]:51234: 550 5.7.1 Service unavailable; client [185.220.101.5] blocked "
     "using zen.spamhaus.org; from=<qgfhj@mailer.example>, to=<alice@example.net>, "
     "proto=ESMTP, helo=<[185.220.101.5]>",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .component = "postfix/postscreen",
        .session_id = "1190", .client_ip = "185.220.101.5", .sender = "qgfhj@mailer.example",
        .recipient = "alice@example.net", .helo = "[185.220.101.5]", .reply_code = 550,
        .dsn = "5.7.1",
        .reply_text = "550 5.7.1 Service unavailable; client [185.220.101.5] blocked using "
                      "zen.spamhaus.org")},
    {"milter-reject",
     "Apr  1 06:03:40 mx1 postfix/cleanup[21040]: 9F62A74B96: milter-reject: END-OF-MESSAGE "
     "from mail.cheap-deals.example[203.0.113.99]: 5.7.1 Spam message rejected; "
     "from=<promo@cheap-deals.example> to=<alice@example.net> proto=ESMTP "
     "helo=<mail.cheap-deals.example>",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "9F62A74B96",
        .client_name = "mail.cheap-deals.example", .client_ip = "203.0.113.99",
        .sender = "promo@cheap-deals.example", .recipient = "alice@example.net",
        .helo = "mail.cheap-deals.example", .reply_code = 0, .dsn = "5.7.1",
        .reply_text = "5.7.1 Spam message rejected")},
    {"cleanup-header-reject",
     "Apr  1 06:03:40 mx1 postfix/cleanup[21040]: 0A73B85CA7: reject: header Subject: You have "
     "WON a prize!!! from mail.cheap-deals.example[203.0.113.99]; "
     "from=<promo@cheap-deals.example> to=<alice@example.net> proto=ESMTP "
     "helo=<mail.cheap-deals.example>: 5.7.1 Message content rejected",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .queue_id = "0A73B85CA7",
        .client_name = "mail.cheap-deals.example", .client_ip = "203.0.113.99",
        .sender = "promo@cheap-deals.example", .recipient = "alice@example.net",
        .helo = "mail.cheap-deals.example", .dsn = "5.7.1",
        .reply_text = "5.7.1 Message content rejected")},
    {"connect-stage-reject",
     "Apr  1 06:00:00 mx1 postfix/smtpd[9]: NOQUEUE: reject: CONNECT from unknown[192.0.2.7]: "
     "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied; proto=SMTP",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .session_id = "9", .client_name = "unknown",
        .client_ip = "192.0.2.7", .reply_code = 554, .dsn = "5.7.1",
        .reply_text = "554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied")},
    {"reject-null-sender",
     "Apr  1 06:00:00 mx1 postfix/smtpd[9]: NOQUEUE: reject: RCPT from x.example[192.0.2.8]: 450 "
     "4.7.25 Client host rejected: cannot find your hostname, [192.0.2.8]; from=<> "
     "to=<a@example.net> proto=ESMTP helo=<x>",
     LINE_EVENT, 1,
     EV(.kind = EV_REJECT, .status = DLV_REJECTED, .session_id = "9", .client_name = "x.example",
        .client_ip = "192.0.2.8", .sender = "", .recipient = "a@example.net", .helo = "x",
        .reply_code = 450, .dsn = "4.7.25",
        .reply_text = "450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.8]")},
    {"reject-warning",
     "Apr  1 06:00:00 mx1 postfix/smtpd[9]: NOQUEUE: reject_warning: RCPT from u[192.0.2.8]: 554 "
     "5.7.1 Service unavailable; Client host [192.0.2.8] blocked using bl.spamcop.net; "
     "from=<a@b.example> to=<c@example.net> proto=ESMTP helo=<h>",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .session_id = "9", .client_name = "u", .client_ip = "192.0.2.8",
        .sender = "a@b.example", .recipient = "c@example.net", .helo = "h", .reply_code = 554,
        .dsn = "5.7.1",
        .reply_text = "554 5.7.1 Service unavailable; Client host [192.0.2.8] blocked using "
                      "bl.spamcop.net",
        .text = "reject_warning: RCPT from u[192.0.2.8]: 554*")},
    {"hold",
     "Apr  1 06:00:00 mx1 postfix/cleanup[5]: 1A2B3C4D5E: hold: header Received: from x "
     "(x[192.0.2.1]) from x[192.0.2.1]; from=<a@b.example> to=<c@example.net> proto=ESMTP "
     "helo=<x>: quarantine",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "1A2B3C4D5E", .client_name = "x", .client_ip = "192.0.2.1",
        .sender = "a@b.example", .recipient = "c@example.net", .helo = "x",
        .reply_text = "quarantine", .text = "hold: header Received:*")},
    /* message, queue */
    {"message-id",
     "Apr  1 06:00:02 mx1 postfix/cleanup[21040]: 3A1F520C41: "
     "message-id=<CAF1a2b3c4d5e6f7g8h9i0jkLMNopQR@mail.gmail.com>",
     LINE_EVENT, 1,
     EV(.kind = EV_MSGID, .queue_id = "3A1F520C41", .component = "postfix/cleanup",
        .message_id = "CAF1a2b3c4d5e6f7g8h9i0jkLMNopQR@mail.gmail.com")},
    {"message-id-bare", "Apr  1 06:00:02 mx1 postfix/cleanup[1]: 3A1F520C41: message-id=abc@x",
     LINE_EVENT, 1, EV(.kind = EV_MSGID, .queue_id = "3A1F520C41", .message_id = "abc@x")},
    {"message-id-empty", "Apr  1 06:00:02 mx1 postfix/cleanup[1]: 3A1F520C41: message-id=<>",
     LINE_EVENT, 1, EV(.kind = EV_MSGID, .queue_id = "3A1F520C41", .message_id = "")},
    {"queued",
     "Apr  1 06:00:02 mx1 postfix/qmgr[1187]: 3A1F520C41: from=<carol.smith@gmail.com>, "
     "size=4821, nrcpt=1 (queue active)",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .queue_id = "3A1F520C41", .sender = "carol.smith@gmail.com",
        .size = 4821, .nrcpt = 1)},
    {"queued-null-sender",
     "Apr  1 06:00:02 mx1 postfix/qmgr[1187]: 8E51963A85: from=<>, size=9876, nrcpt=12 (queue "
     "active)",
     LINE_EVENT, 1,
     EV(.kind = EV_QUEUED, .queue_id = "8E51963A85", .sender = "", .size = 9876, .nrcpt = 12)},
    {"expired",
     "Apr  1 06:34:02 mx1 postfix/qmgr[1187]: 71EA2FC31E: from=<news@example.net>, "
     "status=expired, returned to sender",
     LINE_EVENT, 1,
     EV(.kind = EV_EXPIRED, .status = DLV_EXPIRED, .queue_id = "71EA2FC31E",
        .sender = "news@example.net")},
    {"removed", "Apr  1 06:00:02 mx1 postfix/qmgr[1187]: 3A1F520C41: removed", LINE_EVENT, 1,
     EV(.kind = EV_REMOVED, .queue_id = "3A1F520C41")},
    {"removed-long-qid", "Apr  1 06:00:02 mx1 postfix/qmgr[1187]: 4ZRk8p1xyzz9vJ: removed",
     LINE_EVENT, 1, EV(.kind = EV_REMOVED, .queue_id = "4ZRk8p1xyzz9vJ")},
    {"dsn",
     "Apr  1 06:03:14 mx1 postfix/bounce[21250]: 7D40852F74: sender non-delivery notification: "
     "8E51963A85",
     LINE_EVENT, 1,
     EV(.kind = EV_DSN, .queue_id = "7D40852F74",
        .text = "sender non-delivery notification: 8E51963A85")},
    {"dsn-delay",
     "Apr  1 06:03:14 mx1 postfix/bounce[21250]: 7D40852F74: sender delay notification: 9E5",
     LINE_EVENT, 1,
     EV(.kind = EV_DSN, .queue_id = "7D40852F74", .text = "sender delay notification: 9E5")},
    /* deliveries */
    {"sent-gmail",
     "Apr  1 06:01:45 mx1 postfix/smtp[21110]: 5B2E630D52: to=<dave.jones@gmail.com>, "
     "relay=gmail-smtp-in.l.google.com[142.250.102.26]:25, delay=1.4, "
     "delays=0.05/0.01/0.38/0.96, dsn=2.0.0, status=sent (250 2.0.0 OK  1743487305 "
     "a640c23a62f3a-ac3f1b2e4d5si8123455.312 - gsmtp)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .time = 1743487305, .component = "postfix/smtp",
        .pid = 21110, .queue_id = "5B2E630D52", .recipient = "dave.jones@gmail.com",
        .relay_host = "gmail-smtp-in.l.google.com", .relay_ip = "142.250.102.26", .relay_port = 25,
        .delay = 1.4, .dsn = "2.0.0", .reply_code = 250,
        .reply_text = "250 2.0.0 OK  1743487305 a640c23a62f3a-ac3f1b2e4d5si8123455.312 - gsmtp")},
    {"deferred-gmail-421-4.7.28",
     "Apr  1 06:03:12 mx1 postfix/smtp[21240]: 7D40852F74: to=<grace.lee@gmail.com>, "
     "relay=alt1.gmail-smtp-in.l.google.com[142.250.153.26]:25, delay=2.3, "
     "delays=0.04/0.01/1.2/1.1, dsn=4.7.28, status=deferred (host "
     "alt1.gmail-smtp-in.l.google.com[142.250.153.26] said: 421-4.7.28 Gmail has detected an "
     "unusual rate of unsolicited mail originating from your IP address. (in reply to end of "
     "DATA command))",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "7D40852F74",
        .recipient = "grace.lee@gmail.com", .relay_host = "alt1.gmail-smtp-in.l.google.com",
        .relay_ip = "142.250.153.26", .relay_port = 25, .delay = 2.3, .dsn = "4.7.28",
        .reply_code = 421,
        .reply_text = "host alt1.gmail-smtp-in.l.google.com[142.250.153.26] said: 421-4.7.28 "
                      "Gmail has detected an unusual rate of unsolicited mail originating from "
                      "your IP address. (in reply to end of DATA command)")},
    {"bounced-dmarc",
     "Apr  1 06:31:50 mx1 postfix/smtp[21331]: 7D40852F74: to=<grace.lee@gmail.com>, "
     "relay=gmail-smtp-in.l.google.com[142.250.102.26]:25, delay=1671, "
     "delays=1669/0.01/0.5/1.2, dsn=5.7.26, status=bounced (host "
     "gmail-smtp-in.l.google.com[142.250.102.26] said: 550-5.7.26 Unauthenticated email from "
     "example.net is not accepted due to domain's 550-5.7.26 DMARC policy. (in reply to end of "
     "DATA command))",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_BOUNCED, .queue_id = "7D40852F74",
        .recipient = "grace.lee@gmail.com", .relay_host = "gmail-smtp-in.l.google.com",
        .relay_ip = "142.250.102.26", .relay_port = 25, .delay = 1671, .dsn = "5.7.26",
        .reply_code = 550,
        .reply_text = "host gmail-smtp-in.l.google.com[142.250.102.26] said: *")},
    {"bounced-microsoft-s3150",
     "Apr  1 06:03:13 mx1 postfix/smtp[21242]: 7D40852F74: to=<ivan.petrov@hotmail.com>, "
     "relay=hotmail-com.olc.protection.outlook.com[52.101.42.5]:25, delay=2.8, "
     "delays=0.04/0.02/1.5/1.2, dsn=5.7.1, status=bounced (host "
     "hotmail-com.olc.protection.outlook.com[52.101.42.5] said: 550 5.7.1 Unfortunately, "
     "messages from [203.0.113.10] weren't sent. Please contact your Internet service provider "
     "since part of their network is on our block list (S3150). (in reply to MAIL FROM "
     "command))",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_BOUNCED, .queue_id = "7D40852F74",
        .recipient = "ivan.petrov@hotmail.com",
        .relay_host = "hotmail-com.olc.protection.outlook.com", .relay_ip = "52.101.42.5",
        .relay_port = 25, .delay = 2.8, .dsn = "5.7.1", .reply_code = 550, .reply_text = "host *")},
    {"deferred-yahoo-suspended",
     "Apr  1 06:19:28 mx1 postfix/error[21320]: 5B2E630D52: to=<frank1988@yahoo.com>, "
     "relay=none, delay=1048, delays=1046/2/0/0, dsn=4.7.0, status=deferred (delivery "
     "temporarily suspended: host mta7.am0.yahoodns.net[67.195.204.77] refused to talk to me: "
     "421 4.7.0 [TSS04] Messages from 203.0.113.10 temporarily deferred)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .component = "postfix/error",
        .queue_id = "5B2E630D52", .recipient = "frank1988@yahoo.com", .delay = 1048, .dsn = "4.7.0",
        .reply_code = 421, .reply_text = "delivery temporarily suspended: *")},
    {"bounced-relay-none",
     "Apr  1 06:06:33 mx1 postfix/smtp[21296]: 2C95DA7EC9: to=<x@nonexistent-domain.example>, "
     "relay=none, delay=0.05, delays=0.03/0.01/0.01/0, dsn=5.4.4, status=bounced (Host or "
     "domain name not found. Name service error for name=nonexistent-domain.example type=A: "
     "Host not found)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_BOUNCED, .queue_id = "2C95DA7EC9",
        .recipient = "x@nonexistent-domain.example", .delay = 0.05, .dsn = "5.4.4",
        .reply_text = "Host or domain name not found. Name service error for "
                      "name=nonexistent-domain.example type=A: Host not found")},
    {"local",
     "Apr  1 06:04:30 mx1 postfix/local[21282]: 1B84C96DB8: to=<root@mx1.example.net>, "
     "orig_to=<root>, relay=local, delay=0.02, delays=0.01/0/0/0.01, dsn=2.0.0, status=sent "
     "(delivered to mailbox)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "1B84C96DB8",
        .recipient = "root@mx1.example.net", .orig_recipient = "root", .relay_host = "local",
        .delay = 0.02, .dsn = "2.0.0", .reply_text = "delivered to mailbox", .local = true)},
    {"virtual",
     "Apr  1 06:02:43 mx1 postfix/virtual[21205]: 6C3F741E63: to=<alice@example.net>, "
     "relay=virtual, delay=0.12, delays=0.1/0.01/0/0.01, dsn=2.0.0, status=sent (delivered to "
     "maildir)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "6C3F741E63",
        .recipient = "alice@example.net", .relay_host = "virtual", .delay = 0.12, .dsn = "2.0.0",
        .reply_text = "delivered to maildir", .local = true)},
    {"lmtp-socket",
     "Apr  1 06:00:02 mx1 postfix/lmtp[21043]: 3A1F520C41: to=<alice@example.net>, "
     "relay=mx1.example.net[private/dovecot-lmtp], delay=0.31, delays=0.22/0.01/0.03/0.05, "
     "dsn=2.0.0, status=sent (250 2.0.0 <alice@example.net> kN2YJcK0600mJ1IAgQ1LTw Saved)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "3A1F520C41",
        .recipient = "alice@example.net", .relay_host = "mx1.example.net", .delay = 0.31,
        .dsn = "2.0.0", .reply_code = 250,
        .reply_text = "250 2.0.0 <alice@example.net> kN2YJcK0600mJ1IAgQ1LTw Saved", .local = true)},
    {"lmtp-loopback",
     "Apr  1 06:00:02 mx1 postfix/lmtp[1]: 3A1F520C41: to=<a@example.net>, "
     "relay=127.0.0.1[127.0.0.1]:24, delay=0.3, delays=0.2/0/0/0.1, dsn=2.0.0, status=sent (250 "
     "2.0.0 Ok)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "3A1F520C41",
        .recipient = "a@example.net", .relay_host = "127.0.0.1", .relay_ip = "127.0.0.1",
        .relay_port = 24, .delay = 0.3, .dsn = "2.0.0", .reply_code = 250,
        .reply_text = "250 2.0.0 Ok", .local = true)},
    {"lmtp-remote",
     "Apr  1 06:00:02 mx1 postfix/lmtp[1]: 3A1F520C41: to=<a@example.net>, "
     "relay=store.example.net[10.1.2.3]:24, delay=0.3, delays=0.2/0/0/0.1, dsn=2.0.0, "
     "status=sent (250 2.0.0 Ok)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "3A1F520C41",
        .recipient = "a@example.net", .relay_host = "store.example.net", .relay_ip = "10.1.2.3",
        .relay_port = 24, .delay = 0.3, .dsn = "2.0.0", .reply_code = 250,
        .reply_text = "250 2.0.0 Ok", .local = false)},
    {"pipe",
     "Apr  1 06:00:02 mx1 postfix/pipe[1]: 3A1F520C41: to=<a@example.net>, relay=dovecot, "
     "delay=0.1, delays=0.05/0/0/0.05, dsn=2.0.0, status=sent (delivered via dovecot service)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .queue_id = "3A1F520C41",
        .recipient = "a@example.net", .relay_host = "dovecot", .delay = 0.1, .dsn = "2.0.0",
        .reply_text = "delivered via dovecot service")},
    {"ipv6-relay-conn-use",
     "Apr  1 06:00:02 mx1 postfix-out/smtp[3]: 3A1F520C41: to=<a@example.org>, "
     "relay=mx.example.org[2001:db8::25]:25, conn_use=2, delay=0.5, delays=0/0/0.2/0.3, "
     "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4ZSm9q)",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_SENT, .component = "postfix-out/smtp",
        .queue_id = "3A1F520C41", .recipient = "a@example.org", .relay_host = "mx.example.org",
        .relay_ip = "2001:db8::25", .relay_port = 25, .delay = 0.5, .dsn = "2.0.0",
        .reply_code = 250, .reply_text = "250 2.0.0 Ok: queued as 4ZSm9q")},
    {"softbounce",
     "Apr  1 06:00:02 mx1 postfix/smtp[3]: 3A1F520C41: to=<a@example.org>, "
     "relay=mx.example.org[192.0.2.80]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=5.1.1, "
     "status=SOFTBOUNCE (host mx.example.org[192.0.2.80] said: 550 5.1.1 no such user (in reply "
     "to RCPT TO command))",
     LINE_EVENT, 1,
     EV(.kind = EV_DELIVERY, .status = DLV_DEFERRED, .queue_id = "3A1F520C41",
        .recipient = "a@example.org", .relay_host = "mx.example.org", .relay_ip = "192.0.2.80",
        .relay_port = 25, .delay = 0.5, .dsn = "5.1.1", .reply_code = 550,
        .reply_text = "host mx.example.org[192.0.2.80] said: 550 5.1.1 no such user (in reply to "
                      "RCPT TO command)")},
    {"verify-probe",
     "Apr  1 06:00:02 mx1 postfix/smtp[3]: 3A1F520C41: to=<a@example.org>, "
     "relay=mx.example.org[192.0.2.80]:25, delay=0.5, delays=0/0/0.2/0.3, dsn=2.1.5, "
     "status=deliverable (250 2.1.5 Ok)",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "3A1F520C41", .recipient = "a@example.org",
        .relay_host = "mx.example.org", .relay_ip = "192.0.2.80", .relay_port = 25, .delay = 0.5,
        .dsn = "2.1.5", .reply_code = 250, .reply_text = "250 2.1.5 Ok", .text = "to=<*")},
    {"smtp-intermediate-said",
     "Apr  1 06:03:11 mx1 postfix/smtp[21240]: 7D40852F74: host "
     "gmail-smtp-in.l.google.com[142.250.102.27] said: 421-4.7.28 Gmail has detected an unusual "
     "rate (in reply to end of DATA command)",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .queue_id = "7D40852F74", .relay_host = "gmail-smtp-in.l.google.com",
        .relay_ip = "142.250.102.27", .reply_code = 421, .dsn = "4.7.28",
        .reply_text = "421-4.7.28 Gmail has detected an unusual rate (in reply to end of DATA "
                      "command)",
        .text = "host gmail-smtp-in.l.google.com[142.250.102.27] said: *")},
    /* warnings, session notes */
    {"warning-sasl",
     "Apr  1 06:03:25 mx1 postfix/smtpd[21260]: warning: unknown[45.148.10.60]: SASL LOGIN "
     "authentication failed: UGFzc3dvcmQ6",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .session_id = "21260", .client_name = "unknown",
        .client_ip = "45.148.10.60",
        .text = "warning: unknown[45.148.10.60]: SASL LOGIN authentication failed: UGFzc3dvcmQ6")},
    {"warning-plain",
     "Apr  1 06:02:30 mx1 postfix/smtpd[21200]: warning: hostname 198-51-100-23.static.example "
     "does not resolve to address 198.51.100.23: Name or service not known",
     LINE_EVENT, 1, EV(.kind = EV_WARNING, .session_id = "21200", .text = "warning: hostname *")},
    {"fatal", "Apr  1 06:02:30 mx1 postfix/master[1]: fatal: bind 0.0.0.0 port 25: Address in use",
     LINE_EVENT, 1, EV(.kind = EV_WARNING, .text = "fatal: bind 0.0.0.0 port 25: Address in use")},
    {"qid-warning-header",
     "Apr  1 06:00:00 mx1 postfix/cleanup[5]: 1A2B3C4D5E: warning: header Subject: hello from "
     "unknown[192.0.2.4]; from=<a@b.example> to=<c@example.net> proto=ESMTP helo=<x>",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .queue_id = "1A2B3C4D5E", .client_name = "unknown",
        .client_ip = "192.0.2.4", .sender = "a@b.example", .recipient = "c@example.net",
        .helo = "x", .text = "warning: header Subject: hello*")},
    {"qid-warning-plain",
     "Apr  1 06:00:00 mx1 postfix/smtp[5]: 1A2B3C4D5E: warning: TLS policy lookup failed",
     LINE_EVENT, 1,
     EV(.kind = EV_WARNING, .queue_id = "1A2B3C4D5E", .text = "warning: TLS policy lookup failed")},
    {"pregreet",
     "Apr  1 06:07:12 mx1 postfix/postscreen[1190]: PREGREET 11 after 0.08 from "
     "[45.148.10.9]:40012: EHLO User\\r\\n",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .session_id = "1190", .client_ip = "45.148.10.9",
        .text = "PREGREET 11 after 0.08 from [45.148.10.9]:40012: EHLO User\\r\\n")},
    {"dnsbl-rank",
     "Apr  1 06:06:51 mx1 postfix/postscreen[1190]: DNSBL rank 3 for [185.220.101.5]:51234",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .session_id = "1190", .client_ip = "185.220.101.5",
        .text = "DNSBL rank 3 for [185.220.101.5]:51234")},
    {"denylisted", "Apr  1 06:06:51 mx1 postfix/postscreen[1190]: DENYLISTED [192.0.2.66]:1234",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .session_id = "1190", .client_ip = "192.0.2.66",
        .text = "DENYLISTED [192.0.2.66]:1234")},
    {"lost-connection",
     "Apr  1 06:03:25 mx1 postfix/smtpd[21260]: lost connection after AUTH from "
     "unknown[45.148.10.60]",
     LINE_EVENT, 1,
     EV(.kind = EV_OTHER, .session_id = "21260", .client_name = "unknown",
        .client_ip = "45.148.10.60", .text = "lost connection after AUTH from *")},
    /* ignored Postfix lines */
    {"anvil",
     "Apr  1 06:10:00 mx1 postfix/anvil[1195]: statistics: max connection rate 1/60s for "
     "(smtp:45.148.10.60) at Apr  1 06:04:01",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"tls",
     "Apr  1 06:00:01 mx1 postfix/smtpd[21034]: Anonymous TLS connection established from "
     "x[192.0.2.1]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"postscreen-connect",
     "Apr  1 06:00:01 mx1 postfix/postscreen[1190]: CONNECT from [209.85.220.41]:39122 to "
     "[203.0.113.10]:25",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"postscreen-pass", "Apr  1 06:00:01 mx1 postfix/postscreen[1190]: PASS NEW [192.0.2.1]:3912",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"smtp-connect-to",
     "Apr  1 06:06:33 mx1 postfix/smtp[21297]: connect to mail.oldcorp.example[192.0.2.200]:25: "
     "Connection timed out",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"master-reload",
     "Apr  1 06:40:00 mx1 postfix/master[1180]: reload -- version 3.7.11, configuration "
     "/etc/postfix",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"postsuper-deleted", "Apr  1 06:40:00 mx1 postfix/postsuper[9]: Deleted: 3 messages",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"qid-unknown", "Apr  1 06:40:00 mx1 postfix/smtp[9]: 3A1F520C41: enabling PIX workarounds",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    {"removed-suffix", "Apr  1 06:40:00 mx1 postfix/qmgr[9]: 3A1F520C41: removed extra",
     LINE_IGNORED, 0, EV(.kind = EV_OTHER)},
    /* foreign */
    {"dovecot", "Apr  1 06:00:02 mx1 dovecot: lmtp(21044): Connect from local", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"opendkim", "Apr  1 06:00:02 mx1 opendkim[812]: 3A1F520C41: DKIM verification successful",
     LINE_FOREIGN, 0, EV(.kind = EV_OTHER)},
    {"sendmail", "Apr  1 06:00:02 mx1 sm-mta[812]: 3A1F520C41: from=<a@b>, size=1", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"repeated", "Apr  1 06:00:02 mx1 last message repeated 3 times", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"journal-boot", "-- Boot 3f2c9a1b7d9e4e0c8a5b6c7d8e9f0a1b --", LINE_FOREIGN, 0,
     EV(.kind = EV_OTHER)},
    {"empty", "", LINE_FOREIGN, 0, EV(.kind = EV_OTHER)},
    /* malformed */
    {"garbage", "\x01\x02 this is not a log line", LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"cut-prefix", "Apr  1 06:0", LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"delivery-no-status",
     "Apr  1 06:00:02 mx1 postfix/smtp[1]: 3A1F520C41: to=<a@b.example>, relay=x[192.0.2.1]:25, "
     "delay=1",
     LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"delivery-open-angle", "Apr  1 06:00:02 mx1 postfix/smtp[1]: 3A1F520C41: to=<a@b.example",
     LINE_BAD, 0, EV(.kind = EV_OTHER)},
    {"connect-no-addr", "Apr  1 06:00:02 mx1 postfix/smtpd[1]: connect from somewhere", LINE_BAD, 0,
     EV(.kind = EV_OTHER)},
    {"client-no-addr", "Apr  1 06:00:02 mx1 postfix/smtpd[1]: 3A1F520C41: client=unknown", LINE_BAD,
     0, EV(.kind = EV_OTHER)},
    {"reject-cut", "Apr  1 06:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT", LINE_BAD, 0,
     EV(.kind = EV_OTHER)},
    {"reject-no-reply",
     "Apr  1 06:00:02 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from x[192.0.2.1]", LINE_BAD, 0,
     EV(.kind = EV_OTHER)},
    {"qmgr-open-angle", "Apr  1 06:00:02 mx1 postfix/qmgr[1]: 3A1F520C41: from=<a@b, size=1",
     LINE_BAD, 0, EV(.kind = EV_OTHER)},
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

/* Every field of an event against the expectation; component, host, pid
 * and time only when the row gives them. Shared with the fixture checks. */
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
    CHECK_STR(subject);
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
    /* an exact-size copy so ASan sees any read past len */
    char *buf = malloc(len ? len : 1);
    memcpy(buf, line, len);
    g->n = 0;
    enum line_rc rc = log_format_postfix.line(st, a, buf, len, collect, g);
    free(buf);
    return rc;
}

static void test_table(void **state)
{
    (void)state;
    struct log_opts o = {.tz_offset_min = 0, .file_mtime = MTIME};
    arena *a = arena_new();
    for (size_t i = 0; i < N(cases); i++) {
        const struct pcase *c = &cases[i];
        void *st = log_format_postfix.open(&o);
        struct got g;
        enum line_rc rc = run_line(st, a, c->line, strlen(c->line), &g);
        if (rc != c->rc || g.n != c->n)
            fail_msg("case %s: rc %d (expected %d), %d events (expected %d)", c->name, rc, c->rc,
                     g.n, c->n);
        if (c->n > 0) check_event(c->name, &c->ev, &g.ev[0]);
        log_format_postfix.close(st);
        arena_reset(a);
    }
    arena_free(a);
}

static void test_rfc3339_and_tz(void **state)
{
    (void)state;
    struct log_opts o = {.tz_offset_min = 120, .file_mtime = MTIME};
    void *st = log_format_postfix.open(&o);
    arena *a = arena_new();
    struct got g;
    const char *l1 = "2025-04-01T08:00:02.137911+02:00 mx1 postfix/qmgr[1187]: 3A1F520C41: removed";
    assert_int_equal(run_line(st, a, l1, strlen(l1), &g), LINE_EVENT);
    assert_int_equal(g.ev[0].time, 1743487202); /* 2025-04-01 06:00:02Z */
    assert_int_equal(g.ev[0].time_ms, 137);
    assert_string_equal(g.ev[0].time_text, "2025-04-01T08:00:02.137911+02:00");
    /* classic at --log-tz +120 */
    const char *l2 = "Apr  1 08:00:02 mx1 postfix/qmgr[1187]: 3A1F520C41: removed";
    assert_int_equal(run_line(st, a, l2, strlen(l2), &g), LINE_EVENT);
    assert_int_equal(g.ev[0].time, 1743487202);
    assert_string_equal(g.ev[0].time_text, "Apr  1 08:00:02");
    arena_free(a);
    log_format_postfix.close(st);
}

static void test_long_line_and_nul(void **state)
{
    (void)state;
    struct log_opts o = {.file_mtime = MTIME};
    void *st = log_format_postfix.open(&o);
    arena *a = arena_new();
    struct got g;
    size_t n = 64 * 1024;
    char *buf = malloc(n);
    /* a 64 KiB warning: one event, the whole text */
    const char *pre = "Apr  1 06:00:00 mx1 postfix/smtpd[1]: warning: ";
    memset(buf, 'w', n);
    memcpy(buf, pre, strlen(pre));
    assert_int_equal(run_line(st, a, buf, n, &g), LINE_EVENT);
    assert_int_equal(strlen(g.ev[0].text), n - strlen("Apr  1 06:00:00 mx1 postfix/smtpd[1]: "));
    /* a 64 KiB recipient cut before status=: bad, no crash */
    const char *pre2 = "Apr  1 06:00:00 mx1 postfix/smtp[1]: 3A1F520C41: to=<";
    memset(buf, 'r', n);
    memcpy(buf, pre2, strlen(pre2));
    assert_int_equal(run_line(st, a, buf, n, &g), LINE_BAD);
    /* a 64 KiB reject reply with every meta field at the end */
    const char *pre3 = "Apr  1 06:00:00 mx1 postfix/smtpd[1]: NOQUEUE: reject: RCPT from "
                       "x[192.0.2.1]: 550 5.7.1 ";
    const char *post3 = "; from=<a@b> to=<c@d> proto=ESMTP helo=<h>";
    memset(buf, 'x', n);
    memcpy(buf, pre3, strlen(pre3));
    memcpy(buf + n - strlen(post3), post3, strlen(post3));
    assert_int_equal(run_line(st, a, buf, n, &g), LINE_EVENT);
    assert_string_equal(g.ev[0].helo, "h");
    assert_int_equal(strlen(g.ev[0].reply_text), n - strlen(pre3) - strlen(post3) + 10);
    arena_reset(a);
    /* NUL bytes: inside the message -> bad; leading (after a crash) -> skipped */
    static const char nul_mid[] = "Apr  1 06:00:00 mx1 postfix/qmgr[1]: 3A1F520C41: rem\0ved";
    assert_int_equal(run_line(st, a, nul_mid, sizeof nul_mid - 1, &g), LINE_BAD);
    static const char nul_lead[] =
        "\0\0\0\0Apr  1 06:00:00 mx1 postfix/qmgr[1]: 3A1F520C41: removed";
    assert_int_equal(run_line(st, a, nul_lead, sizeof nul_lead - 1, &g), LINE_EVENT);
    assert_int_equal(g.ev[0].kind, EV_REMOVED);
    static const char nul_only[] = "\0\0\0\0\0\0";
    assert_int_equal(run_line(st, a, nul_only, sizeof nul_only - 1, &g), LINE_BAD);
    /* every prefix of a delivery line: never a read past len (ASan) */
    const char *full = NULL;
    for (size_t i = 0; i < N(cases); i++)
        if (strcmp(cases[i].name, "sent-gmail") == 0) full = cases[i].line;
    assert_non_null(full);
    for (size_t k = 0; k <= strlen(full); k++) {
        (void)run_line(st, a, full, k, &g);
        arena_reset(a);
    }
    free(buf);
    arena_free(a);
    log_format_postfix.close(st);
}

/* ---- fixtures end to end -------------------------------------------- */

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
    /* (kind, time, queue id, recipient) of every event, to compare variants */
    char digest[200][96];
    int n_digest;
};

static void tally_event(void *ctx, const struct log_event *ev)
{
    struct tally *t = ctx;
    t->kind[ev->kind]++;
    if (t->n_digest < 200)
        snprintf(t->digest[t->n_digest++], sizeof t->digest[0], "%d %lld %s %s", ev->kind,
                 (long long)ev->time, ev->queue_id ? ev->queue_id : "-",
                 ev->recipient ? ev->recipient : "-");
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

static void run_file(const char *name, int tz, int64_t mtime, struct tally *t)
{
    size_t len;
    char *buf = read_fixture(name, &len);
    struct log_opts o = {.tz_offset_min = tz, .file_mtime = mtime};
    void *st = log_format_postfix.open(&o);
    arena *a = arena_new();
    memset(t, 0, sizeof *t);
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        size_t l2 = ll > 0 && buf[pos + ll - 1] == '\r' ? ll - 1 : ll;
        enum line_rc rc = log_format_postfix.line(st, a, buf + pos, l2, tally_event, t);
        t->rc[rc]++;
        arena_reset(a);
        pos += ll + 1;
    }
    arena_free(a);
    log_format_postfix.close(st);
    free(buf);
}

static void check_main_counts(const struct tally *t)
{
    assert_int_equal(t->rc[LINE_EVENT], 112);
    assert_int_equal(t->rc[LINE_IGNORED], 20);
    assert_int_equal(t->rc[LINE_BAD], 0);
    assert_int_equal(t->kind[EV_CONNECT], 11);
    assert_int_equal(t->kind[EV_DISCONNECT], 11);
    assert_int_equal(t->kind[EV_CLIENT], 9);
    assert_int_equal(t->kind[EV_REJECT], 6);
    assert_int_equal(t->kind[EV_MSGID], 12);
    assert_int_equal(t->kind[EV_QUEUED], 12);
    assert_int_equal(t->kind[EV_DELIVERY], 23);
    assert_int_equal(t->kind[EV_EXPIRED], 1);
    assert_int_equal(t->kind[EV_DSN], 5);
    assert_int_equal(t->kind[EV_REMOVED], 12);
    assert_int_equal(t->kind[EV_WARNING], 4);
    assert_int_equal(t->kind[EV_OTHER], 6);
    assert_int_equal(t->kind[EV_AUTH], 0);
    assert_int_equal(t->status[DLV_SENT], 13);
    assert_int_equal(t->status[DLV_DEFERRED], 4);
    assert_int_equal(t->status[DLV_BOUNCED], 6);
    assert_int_equal(dom_count(t, "gmail.com", DLV_SENT), 1);
    assert_int_equal(dom_count(t, "gmail.com", DLV_DEFERRED), 1);
    assert_int_equal(dom_count(t, "gmail.com", DLV_BOUNCED), 2);
    assert_int_equal(dom_count(t, "outlook.com", DLV_SENT), 1);
    assert_int_equal(dom_count(t, "hotmail.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(t, "yahoo.com", DLV_SENT), 1);
    assert_int_equal(dom_count(t, "yahoo.com", DLV_DEFERRED), 2);
    assert_int_equal(dom_count(t, "yahoo.com", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(t, "example.net", DLV_SENT), 7);
    assert_int_equal(dom_count(t, "example.net", DLV_BOUNCED), 1);
    assert_int_equal(dom_count(t, "oldcorp.example", DLV_DEFERRED), 1);
    assert_int_equal(dom_count(t, "nonexistent-domain.example", DLV_BOUNCED), 1);
}

static void test_fixture_classic(void **state)
{
    (void)state;
    static struct tally t;
    run_file("postfix/maillog", 0, MTIME, &t);
    assert_int_equal(t.rc[LINE_FOREIGN], 13);
    check_main_counts(&t);
    /* first event: the connect at 2025-04-01 06:00:01 (the master start is ignored) */
    assert_string_equal(t.digest[0], "1 1743487201 - -");
}

static void test_fixture_variants_agree(void **state)
{
    (void)state;
    static struct tally c, r, j;
    run_file("postfix/maillog", 0, MTIME, &c);
    run_file("postfix/maillog-rfc3339", 0, MTIME, &r); /* zone in the stamp: --log-tz unused */
    run_file("postfix/journal-short-iso.txt", 300, MTIME, &j);
    assert_int_equal(r.rc[LINE_FOREIGN], 13);
    assert_int_equal(j.rc[LINE_FOREIGN], 15); /* + the two "-- ... --" journal lines */
    check_main_counts(&r);
    check_main_counts(&j);
    assert_int_equal(c.n_digest, r.n_digest);
    assert_int_equal(c.n_digest, j.n_digest);
    for (int i = 0; i < c.n_digest; i++) {
        assert_string_equal(c.digest[i], r.digest[i]);
        assert_string_equal(c.digest[i], j.digest[i]);
    }
}

static void test_fixture_rollover(void **state)
{
    (void)state;
    static struct tally t;
    run_file("postfix/maillog-rollover", 0, 1768435200 /* 2026-01-15 */, &t);
    assert_int_equal(t.rc[LINE_EVENT], 11);
    assert_int_equal(t.rc[LINE_FOREIGN], 1);
    assert_int_equal(t.kind[EV_REJECT], 1);
    assert_int_equal(t.kind[EV_REMOVED], 2);
    assert_string_equal(t.digest[0], "1 1767225482 - -"); /* 2025-12-31 23:58:02 */
    assert_string_equal(t.digest[5], "9 1767225599 C1D2E3F4A5 zoe@example.com"); /* 23:59:59 */
    assert_string_equal(t.digest[6], "12 1767225600 C1D2E3F4A5 -");  /* 2026-01-01 00:00:00 */
    assert_string_equal(t.digest[10], "12 1768469400 D2E3F4A5B6 -"); /* 2026-01-15 09:30:00 */
}

static void test_sniff(void **state)
{
    (void)state;
    size_t len;
    char *pf = read_fixture("postfix/maillog", &len);
    int s_pf = log_format_postfix.sniff(pf, len < 8192 ? len : 8192);
    assert_true(s_pf >= 90);
    free(pf);
    char *sm = read_fixture("sendmail/maillog", &len);
    int s_sm_pf = log_format_postfix.sniff(sm, len); /* one postfix/sendmail line */
    assert_true(s_sm_pf >= 50 && s_sm_pf < 70);
    free(sm);
    const char *one = "Apr  1 06:00:00 h CRON[1]: x\nApr  1 06:00:00 h dovecot: y\n"
                      "Apr  1 06:00:00 h postfix/qmgr[1]: 3A1F520C41: removed\n";
    assert_int_equal(log_format_postfix.sniff(one, strlen(one)), 73);
    const char *none = "Apr  1 06:00:00 h CRON[1]: x\n";
    assert_int_equal(log_format_postfix.sniff(none, strlen(none)), 0);
    assert_int_equal(log_format_postfix.sniff("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_rfc3339_and_tz),
        cmocka_unit_test(test_long_line_and_nul),
        cmocka_unit_test(test_fixture_classic),
        cmocka_unit_test(test_fixture_variants_agree),
        cmocka_unit_test(test_fixture_rollover),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
