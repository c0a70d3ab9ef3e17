/* test_exim — the Exim mainlog parser: one test per line shape (fields read
 * by hand from each line), the fixture's totals (the numbers of
 * tests/fixtures/logs/README-exim.md, counted by count.py, not by this
 * parser), time zones, ids of both formats, sniffing, and bounds. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

#define MAX_EV 16
#define T0 1743501600 /* 2025-04-01 10:00:00 UTC */

struct got {
    struct log_event ev[MAX_EV];
    int n;
};

static void collect(void *ctx, const struct log_event *ev)
{
    struct got *g = ctx;
    if (g->n < MAX_EV) g->ev[g->n] = *ev;
    g->n++;
}

/* Parse one line with a fresh state; the arena stays valid until freed. */
static enum line_rc run(arena *a, const char *line, int tz, struct got *g)
{
    struct log_opts o = {.tz_offset_min = tz};
    void *st = log_format_exim.open(&o);
    memset(g, 0, sizeof *g);
    /* an exact-size copy so that ASan sees any read past len */
    size_t n = strlen(line);
    char *copy = malloc(n ? n : 1);
    memcpy(copy, line, n);
    enum line_rc rc = log_format_exim.line(st, a, copy, n, collect, g);
    free(copy);
    log_format_exim.close(st);
    return rc;
}

#define S(a, b) assert_string_equal((a), (b))

static void test_arrival(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    assert_int_equal(
        run(a,
            "2025-04-01 10:00:00 1tzZ4k-00AbCd-2Q <= sender@example.com H=mail.example.net "
            "(helo.example.net) [192.0.2.1]:51234 I=[198.51.100.5]:25 P=esmtps "
            "X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no A=dovecot_plain:user@example.com S=2345 "
            "M8S=0 id=msgid@example.net T=\"Subject \\\"for\\\" you\" from <sender@example.com> "
            "for a@x.com b@y.com",
            0, &g),
        LINE_EVENT);
    assert_int_equal(g.n, 3);
    const struct log_event *e = &g.ev[0];
    assert_int_equal(e->kind, EV_QUEUED);
    assert_int_equal(e->time, T0);
    assert_true(e->time_valid);
    S(e->time_text, "2025-04-01 10:00:00");
    S(e->queue_id, "1tzZ4k-00AbCd-2Q");
    S(e->component, "exim");
    S(e->sender, "sender@example.com");
    S(e->client_name, "mail.example.net");
    S(e->helo, "helo.example.net");
    S(e->client_ip, "192.0.2.1");
    S(e->sasl_user, "user@example.com");
    assert_int_equal(e->size, 2345);
    S(e->message_id, "msgid@example.net");
    S(e->subject, "Subject \"for\" you");
    assert_int_equal(e->nrcpt, 2);
    assert_null(e->recipient);
    assert_int_equal(g.ev[1].kind, EV_RCPT_ACCEPTED);
    S(g.ev[1].recipient, "a@x.com");
    S(g.ev[1].client_ip, "192.0.2.1");
    S(g.ev[1].sasl_user, "user@example.com");
    S(g.ev[2].recipient, "b@y.com");
    arena_free(a);
}

static void test_arrival_bounce_and_local(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:01:15 1tzZ5c-00BcDg-5B <= <> R=1tzZ5b-00BcDf-4A U=Debian-exim P=local "
        "S=10544 T=\"Mail delivery failed: returning message to sender\"",
        0, &g);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.ev[0].kind, EV_QUEUED);
    S(g.ev[0].sender, "");
    assert_null(g.ev[0].client_ip);
    S(g.ev[0].sasl_user, "Debian-exim"); /* local submission: the U= login */
    assert_int_equal(g.ev[1].kind, EV_DSN);
    S(g.ev[1].queue_id, "1tzZ5b-00BcDf-4A"); /* the message that bounced */
    /* U= without P=local is not an authentication */
    run(a, "2025-04-01 10:01:15 1tzZ5c-00BcDg-5B <= a@b.example U=joe P=esmtp S=1", 0, &g);
    assert_null(g.ev[0].sasl_user);
    arena_free(a);
}

static void test_delivery_remote(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:00:02 1tzZ4k-00AbCd-2Q => alice@gmail.com <Alice@Example.org> "
        "F=<news@example.com> R=dnslookup T=remote_smtp H=gmail-smtp-in.l.google.com "
        "[142.250.102.27]:25 X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes K C=\"250 2.0.0 OK  "
        "1743501602 a1si - gsmtp\" QT=1m2s DT=1.5s",
        0, &g);
    assert_int_equal(g.n, 1);
    const struct log_event *e = &g.ev[0];
    assert_int_equal(e->kind, EV_DELIVERY);
    assert_int_equal(e->status, DLV_SENT);
    assert_int_equal(e->time, T0 + 2);
    S(e->recipient, "alice@gmail.com");
    S(e->orig_recipient, "Alice@Example.org");
    S(e->sender, "news@example.com");
    S(e->relay_host, "gmail-smtp-in.l.google.com");
    S(e->relay_ip, "142.250.102.27");
    assert_int_equal(e->relay_port, 25);
    assert_int_equal(e->reply_code, 250);
    S(e->dsn, "2.0.0");
    S(e->reply_text, "250 2.0.0 OK  1743501602 a1si - gsmtp");
    assert_true(e->delay == 62.0); /* QT preferred over DT */
    assert_false(e->local);
    /* DT alone */
    run(a,
        "2025-04-01 10:00:02 1tzZ4k-00AbCd-2Q -> b@x.example R=r T=t H=mx.x.example [1.2.3.4] "
        "DT=0.412s",
        0, &g);
    assert_int_equal(g.ev[0].status, DLV_SENT);
    assert_true(g.ev[0].delay > 0.411 && g.ev[0].delay < 0.413);
    arena_free(a);
}

static void test_delivery_local(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:02:01 1tzZ6d-00CdEf-6C => ops <ops@example.net> R=local_user "
        "T=local_delivery",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_DELIVERY);
    S(g.ev[0].recipient, "ops");
    S(g.ev[0].orig_recipient, "ops@example.net");
    assert_true(g.ev[0].local);
    S(g.ev[0].relay_host, "local_delivery");
    assert_null(g.ev[0].relay_ip);
    /* *> is a fake delivery */
    run(a,
        "2025-04-02 00:20:00 1u0Ad9-00000002Ae5-7kLm *> test@example.net R=local_user "
        "T=local_delivery",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_OTHER);
    S(g.ev[0].queue_id, "1u0Ad9-00000002Ae5-7kLm");
    arena_free(a);
}

static void test_failure(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:01:15 1tzZ5b-00BcDf-4A ** frank@gmail.com R=dnslookup T=remote_smtp "
        "H=gmail-smtp-in.l.google.com [142.250.102.27]: SMTP error from remote mail server after "
        "RCPT TO:<frank@gmail.com>: 550-5.1.1 The email account that you tried to reach does not "
        "exist.\\n550 5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp",
        0, &g);
    const struct log_event *e = &g.ev[0];
    assert_int_equal(e->kind, EV_DELIVERY);
    assert_int_equal(e->status, DLV_BOUNCED);
    S(e->relay_host, "gmail-smtp-in.l.google.com");
    S(e->relay_ip, "142.250.102.27");
    assert_int_equal(e->reply_code, 550);
    S(e->dsn, "5.1.1");
    S(e->reply_text, "550-5.1.1 The email account that you tried to reach does not exist.\\n550 "
                     "5.1.1  https://support.google.com/mail/?p=NoSuchUser a1si - gsmtp");
    /* no router, no host */
    run(a, "2025-04-01 10:03:08 1tzZ7e-00DeFg-7D ** nobody@nx.example: Unrouteable address", 0, &g);
    assert_int_equal(g.ev[0].status, DLV_BOUNCED);
    S(g.ev[0].recipient, "nobody@nx.example");
    S(g.ev[0].reply_text, "Unrouteable address");
    assert_int_equal(g.ev[0].reply_code, 0);
    /* given up after the retry period */
    run(a,
        "2025-04-02 00:15:01 1tzZ8w-00EfGh-9F ** olivia@gmail.com R=dnslookup T=remote_smtp: "
        "retry timeout exceeded",
        0, &g);
    assert_int_equal(g.ev[0].status, DLV_EXPIRED);
    S(g.ev[0].reply_text, "retry timeout exceeded");
    /* older Exims: the host inside the message, reply after it */
    run(a,
        "2025-04-01 10:00:00 1abcDE-0001Ab-Cd ** a@x.example R=dnslookup T=remote_smtp: SMTP "
        "error from remote mail server after RCPT TO:<a@x.example>: host mx.x.example "
        "[192.0.2.9]: 550 5.7.1 Relay access denied",
        0, &g);
    S(g.ev[0].relay_host, "mx.x.example");
    S(g.ev[0].relay_ip, "192.0.2.9");
    assert_int_equal(g.ev[0].reply_code, 550);
    S(g.ev[0].reply_text, "550 5.7.1 Relay access denied");
    /* MAIL FROM with SIZE= before the reply */
    run(a,
        "2025-04-01 10:00:03 1tzZ4k-00AbCd-2Q == carol@yahoo.com R=dnslookup T=remote_smtp "
        "defer (-44) H=mta7.am0.yahoodns.net [98.136.96.91]: SMTP error from remote mail server "
        "after MAIL FROM:<n@example.com> SIZE=24512: 421 4.7.0 [TSS04] Messages from "
        "198.51.100.5 temporarily deferred",
        0, &g);
    assert_int_equal(g.ev[0].status, DLV_DEFERRED);
    assert_int_equal(g.ev[0].reply_code, 421);
    S(g.ev[0].dsn, "4.7.0");
    S(g.ev[0].reply_text, "421 4.7.0 [TSS04] Messages from 198.51.100.5 temporarily deferred");
    arena_free(a);
}

static void test_deferral(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:20:02 1tzZAa-00GhIj-2I == wendy@slow.example R=dnslookup "
        "T=remote_smtp defer (110): Connection timed out",
        0, &g);
    assert_int_equal(g.ev[0].status, DLV_DEFERRED);
    S(g.ev[0].reply_text, "Connection timed out");
    assert_null(g.ev[0].relay_host);
    /* no attempt was made */
    run(a,
        "2025-04-01 10:15:01 1tzZ4k-00AbCd-2Q == carol@yahoo.com R=dnslookup T=remote_smtp "
        "defer (-53): retry time not reached for any host for 'yahoo.com'",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_OTHER);
    S(g.ev[0].recipient, "carol@yahoo.com");
    run(a,
        "2025-04-01 10:15:01 1tzZ4k-00AbCd-2Q == carol@yahoo.com routing defer (-51): retry "
        "time not reached",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_OTHER);
    arena_free(a);
}

static void test_rejections(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    assert_int_equal(run(a,
                         "2025-04-01 10:00:05 H=(win-abc123) [192.0.2.77]:51515 "
                         "I=[198.51.100.5]:25 F=<test@example.net> rejected RCPT "
                         "<victim@remote.example>: relay not permitted",
                         0, &g),
                     LINE_EVENT);
    const struct log_event *e = &g.ev[0];
    assert_int_equal(e->kind, EV_REJECT);
    assert_int_equal(e->status, DLV_REJECTED);
    assert_null(e->queue_id);
    assert_null(e->client_name);
    S(e->helo, "win-abc123");
    S(e->client_ip, "192.0.2.77");
    S(e->sender, "test@example.net");
    S(e->recipient, "victim@remote.example");
    S(e->reply_text, "relay not permitted");
    assert_int_equal(e->reply_code, 0);
    run(a,
        "2025-04-01 10:04:01 H=mx.sender.example [192.0.2.30]:33333 I=[198.51.100.5]:25 "
        "F=<list@sender.example> temporarily rejected RCPT <ops@example.net>: greylisted",
        0, &g);
    assert_int_equal(g.ev[0].reply_code, 451);
    S(g.ev[0].client_name, "mx.sender.example");
    S(g.ev[0].reply_text, "greylisted");
    run(a,
        "2025-04-01 10:10:00 1tzZ9x-00FgHi-1H H=mail.spammy2.example [203.0.113.61]:60100 "
        "I=[198.51.100.5]:25 X=TLS1.2:ECDHE-RSA-AES256-GCM-SHA384:256 CV=no "
        "F=<deals@spammy2.example> rejected after DATA: Your message scored 17.2 SpamAssassin "
        "points.",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_REJECT);
    S(g.ev[0].queue_id, "1tzZ9x-00FgHi-1H");
    S(g.ev[0].sender, "deals@spammy2.example");
    assert_null(g.ev[0].recipient);
    S(g.ev[0].reply_text, "Your message scored 17.2 SpamAssassin points.");
    run(a,
        "2025-04-01 10:41:00 Connection from [203.0.113.80]:3333 refused: too many "
        "connections",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_REJECT);
    S(g.ev[0].client_ip, "203.0.113.80");
    S(g.ev[0].reply_text, "too many connections");
    run(a,
        "2025-04-01 10:43:00 SMTP protocol synchronization error (input sent without waiting "
        "for greeting): rejected connection from H=[203.0.113.82]:5555 I=[198.51.100.5]:25 "
        "input=\"GET / HTTP/1.1\"",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_REJECT);
    S(g.ev[0].client_ip, "203.0.113.82");
    S(g.ev[0].reply_text,
      "SMTP protocol synchronization error (input sent without waiting for greeting)");
    arena_free(a);
}

static void test_connections_and_noise(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a,
        "2025-04-01 10:00:00 SMTP connection from [192.0.2.1]:51234 (TCP/IP connection count "
        "= 1)",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_CONNECT);
    S(g.ev[0].client_ip, "192.0.2.1");
    run(a,
        "2025-04-01 10:00:01 SMTP connection from mail.example.net (helo.example.net) "
        "[192.0.2.1]:51234 closed by QUIT",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_DISCONNECT);
    S(g.ev[0].client_name, "mail.example.net");
    S(g.ev[0].helo, "helo.example.net");
    run(a,
        "2025-04-01 10:05:10 no MAIL in SMTP connection from (unknown-host) "
        "[203.0.113.99]:40123 I=[198.51.100.5]:25 D=10s C=EHLO,MAIL,RCPT,QUIT",
        0, &g);
    assert_int_equal(g.ev[0].kind, EV_DISCONNECT);
    S(g.ev[0].client_ip, "203.0.113.99");
    /* fuzz regression: the prefix with nothing after it */
    run(a, "2025-04-01 10:15:01 unexpected disconnection while reading SMTP command from ", 0, &g);
    assert_int_equal(g.ev[0].kind, EV_DISCONNECT);
    assert_null(g.ev[0].client_ip);
    run(a,
        "2025-04-01 10:15:01 unexpected disconnection while reading SMTP command from "
        "(helo) [192.0.2.5]:4444 D=1s",
        0, &g);
    S(g.ev[0].client_ip, "192.0.2.5");
    assert_int_equal(run(a, "2025-04-01 10:15:00 Start queue run: pid=1201", 0, &g), LINE_IGNORED);
    assert_int_equal(g.n, 0);
    assert_int_equal(run(a, "2025-04-01 10:15:02 End queue run: pid=1201", 0, &g), LINE_IGNORED);
    assert_int_equal(run(a,
                         "2025-04-01 09:59:58 exim 4.96 daemon started: pid=812, -q30m, "
                         "listening for SMTP on [0.0.0.0]:25",
                         0, &g),
                     LINE_IGNORED);
    assert_int_equal(run(a, "", 0, &g), LINE_IGNORED);
    run(a, "2025-04-01 10:30:02 1tzZ4k-00AbCd-2Q Completed QT=30m2s", 0, &g);
    assert_int_equal(g.ev[0].kind, EV_REMOVED);
    assert_true(g.ev[0].delay == 1802.0);
    run(a, "2025-04-01 10:39:52 1tzZCc-00IjKl-5L Frozen (delivery error message)", 0, &g);
    assert_int_equal(g.ev[0].kind, EV_WARNING);
    S(g.ev[0].text, "Frozen (delivery error message)");
    run(a, "2025-04-01 10:39:52 1tzZCc-00IjKl-5L Message is frozen", 0, &g);
    assert_int_equal(g.ev[0].kind, EV_WARNING);
    run(a, "2025-04-01 10:39:52 no host name found for IP address 192.0.2.44", 0, &g);
    assert_int_equal(g.ev[0].kind, EV_OTHER);
    S(g.ev[0].text, "no host name found for IP address 192.0.2.44");
    arena_free(a);
}

static void test_time_zone_pid_ms(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    /* a written zone wins over --log-tz */
    run(a, "2025-04-01 12:00:00 +0200 1tzZ4k-00AbCd-2Q Completed", 60, &g);
    assert_int_equal(g.ev[0].time, T0);
    S(g.ev[0].time_text, "2025-04-01 12:00:00 +0200");
    run(a, "2025-04-01 05:30:00 -0430 1tzZ4k-00AbCd-2Q Completed", 0, &g);
    assert_int_equal(g.ev[0].time, T0);
    /* no zone: --log-tz (minutes east of UTC) applies */
    run(a, "2025-04-01 11:00:00 1tzZ4k-00AbCd-2Q Completed", 60, &g);
    assert_int_equal(g.ev[0].time, T0);
    run(a, "2025-04-01 10:00:00.250 [4321] 1tzZ4k-00AbCd-2Q Completed", 0, &g);
    assert_int_equal(g.ev[0].time, T0);
    assert_int_equal(g.ev[0].time_ms, 250);
    assert_int_equal(g.ev[0].pid, 4321);
    run(a, "2025-04-01 12:00:00.500 +0200 [77] 1tzZ4k-00AbCd-2Q Completed", 0, &g);
    assert_int_equal(g.ev[0].time, T0);
    assert_int_equal(g.ev[0].pid, 77);
    arena_free(a);
}

static void test_ids_and_bad_lines(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct got g;
    run(a, "2025-04-02 00:00:17 1u0Aa1-00000002Ab3-1xYz Completed", 0, &g); /* 4.97+ */
    S(g.ev[0].queue_id, "1u0Aa1-00000002Ab3-1xYz");
    run(a, "2025-04-02 00:00:17 1abcDE-0001Ab-Cd Completed", 0, &g); /* 4.96 and older */
    S(g.ev[0].queue_id, "1abcDE-0001Ab-Cd");
    /* not an id: the text is kept as an unmodelled line */
    run(a, "2025-04-02 00:00:17 1abcDE-0001Ab-CdX Completed", 0, &g);
    assert_null(g.ev[0].queue_id);
    assert_int_equal(g.ev[0].kind, EV_OTHER);
    assert_int_equal(run(a, "garbage", 0, &g), LINE_BAD);
    assert_int_equal(run(a, "2025-13-01 10:00:00 1abcDE-0001Ab-Cd Completed", 0, &g), LINE_BAD);
    assert_int_equal(run(a, "2025-02-30 10:00:00 1abcDE-0001Ab-Cd Completed", 0, &g), LINE_BAD);
    assert_int_equal(run(a, "2025-04-01 10:00:00X", 0, &g), LINE_BAD);
    assert_int_equal(run(a, "2025-04-01 10:00", 0, &g), LINE_BAD);
    /* truncated lines of every shape parse without reading past len */
    const char *line = "2025-04-01 10:03:02 1tzZ7e-00DeFg-7D ** erin@hotmail.com R=dnslookup "
                       "T=remote_smtp H=hotmail-com.olc.protection.outlook.com [52.101.40.29]: "
                       "SMTP error from remote mail server after RCPT TO:<erin@hotmail.com>: 550 "
                       "5.7.1 (S3150) C=\"250 x";
    char buf[512];
    for (size_t n = 0; n <= strlen(line); n++) {
        memcpy(buf, line, n);
        buf[n] = '\0';
        run(a, buf, 0, &g);
        arena_reset(a);
    }
    arena_free(a);
}

/* Totals over the fixture: tests/fixtures/logs/README-exim.md. */
static void test_fixture_counts(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/logs/exim/mainlog", "r");
    assert_non_null(f);
    struct log_opts o = {0};
    void *st = log_format_exim.open(&o);
    arena *a = arena_new();
    char line[8192];
    int rc[4] = {0}, kinds[EV__COUNT] = {0}, status[6] = {0}, events = 0, lines = 0;
    struct got g;
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        memset(&g, 0, sizeof g);
        rc[log_format_exim.line(st, a, line, n, collect, &g)]++;
        for (int i = 0; i < g.n && i < MAX_EV; i++) {
            kinds[g.ev[i].kind]++;
            status[g.ev[i].status]++;
        }
        events += g.n;
        lines++;
        arena_reset(a);
    }
    fclose(f);
    arena_free(a);
    log_format_exim.close(st);
    assert_int_equal(lines, 139);
    assert_int_equal(rc[LINE_EVENT], 130);
    assert_int_equal(rc[LINE_IGNORED], 9);
    assert_int_equal(rc[LINE_BAD] + rc[LINE_FOREIGN], 0);
    assert_int_equal(events, 143);
    assert_int_equal(kinds[EV_QUEUED], 20);
    assert_int_equal(kinds[EV_RCPT_ACCEPTED], 4);
    assert_int_equal(kinds[EV_DSN], 9);
    assert_int_equal(kinds[EV_DELIVERY], 66);
    assert_int_equal(kinds[EV_REMOVED], 19);
    assert_int_equal(kinds[EV_REJECT], 10);
    assert_int_equal(kinds[EV_CONNECT], 4);
    assert_int_equal(kinds[EV_DISCONNECT], 5);
    assert_int_equal(kinds[EV_WARNING], 2);
    assert_int_equal(kinds[EV_OTHER], 4);
    assert_int_equal(status[DLV_SENT], 28);
    assert_int_equal(status[DLV_DEFERRED], 12);
    assert_int_equal(status[DLV_BOUNCED], 22);
    assert_int_equal(status[DLV_EXPIRED], 4);
    assert_int_equal(status[DLV_REJECTED], 10);
}

static void test_sniff(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fixtures/logs/exim/mainlog", "r");
    assert_non_null(f);
    char head[4096];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    assert_true(log_format_exim.sniff(head, n) >= 90);
    const char *pf = "Apr  1 10:00:00 mx postfix/smtpd[123]: connect from a[192.0.2.1]\n"
                     "Apr  1 10:00:01 mx postfix/smtpd[123]: 4Z: client=a[192.0.2.1]\n";
    assert_int_equal(log_format_exim.sniff(pf, strlen(pf)), 0);
    const char *iso = "2025-04-01T10:00:00+02:00 mx postfix/qmgr[9]: 4Z: removed\n";
    assert_int_equal(log_format_exim.sniff(iso, strlen(iso)), 0);
    const char *hm = "\"SMTPD\"\t1234\t5\t\"2025-04-01 10:00:00.123\"\t\"192.0.2.1\"\t\"SENT: "
                     "220 mx ESMTP\"\r\n";
    assert_int_equal(log_format_exim.sniff(hm, strlen(hm)), 0);
    /* an incomplete first line is not judged */
    const char *part = "2025-04-01 10:00:00 1tzZ4k-00AbCd-2Q <= a@b";
    assert_int_equal(log_format_exim.sniff(part, strlen(part)), 0);
    assert_int_equal(log_format_exim.sniff("", 0), 0);
    assert_int_equal(log_format_exim.mta, MTA_EXIM);
    S(log_format_exim.name, "exim");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arrival),          cmocka_unit_test(test_arrival_bounce_and_local),
        cmocka_unit_test(test_delivery_remote),  cmocka_unit_test(test_delivery_local),
        cmocka_unit_test(test_failure),          cmocka_unit_test(test_deferral),
        cmocka_unit_test(test_rejections),       cmocka_unit_test(test_connections_and_noise),
        cmocka_unit_test(test_time_zone_pid_ms), cmocka_unit_test(test_ids_and_bad_lines),
        cmocka_unit_test(test_fixture_counts),   cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
