/* test_hmail_log — the hMailServer log parser: table cases (lines in →
 * expected events), session pairing (pipelining, multi-line replies over one
 * or several lines, AUTH), the SMTPDeliverer lines, awstats, time zone,
 * truncated lines, malformed lines, NUL bytes, a 64 KiB line, the session
 * eviction bound, sniffing, and the fixture files end to end against the
 * counts in tests/fixtures/logs/README-windows.md (hand-counted). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_GOT 2048

enum { S_SENDER, S_RCPT, S_CIP, S_SASL, S_RHOST, S_RIP, S_DSN, S_REPLY, S_QID, S_HELO, S_TEXT, NS };

struct got {
    enum log_kind kind;
    enum dlv_status status;
    int code, nrcpt;
    int64_t size, time;
    int time_ms;
    bool local;
    char *s[NS];
};

struct cap {
    struct got ev[MAX_GOT];
    size_t n, total;
    size_t kinds[EV__COUNT];
    size_t rc[4];
};

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void cap_emit(void *ctx, const struct log_event *e)
{
    struct cap *c = ctx;
    const char *all[] = {e->time_text,  e->host,      e->component,   e->queue_id,
                         e->session_id, e->client_ip, e->client_name, e->helo,
                         e->sasl_user,  e->sender,    e->recipient,   e->orig_recipient,
                         e->relay_host, e->relay_ip,  e->dsn,         e->reply_text,
                         e->message_id, e->subject,   e->text};
    size_t sum = 0;
    for (size_t i = 0; i < N(all); i++)
        if (all[i]) sum += strlen(all[i]);
    (void)sum;
    c->total++;
    c->kinds[e->kind]++;
    if (c->n >= MAX_GOT) return;
    struct got *g = &c->ev[c->n++];
    g->kind = e->kind;
    g->status = e->status;
    g->code = e->reply_code;
    g->nrcpt = e->nrcpt;
    g->size = e->size;
    g->time = e->time;
    g->time_ms = e->time_ms;
    g->local = e->local;
    g->s[S_SENDER] = dup_or_null(e->sender);
    g->s[S_RCPT] = dup_or_null(e->recipient);
    g->s[S_CIP] = dup_or_null(e->client_ip);
    g->s[S_SASL] = dup_or_null(e->sasl_user);
    g->s[S_RHOST] = dup_or_null(e->relay_host);
    g->s[S_RIP] = dup_or_null(e->relay_ip);
    g->s[S_DSN] = dup_or_null(e->dsn);
    g->s[S_REPLY] = dup_or_null(e->reply_text);
    g->s[S_QID] = dup_or_null(e->queue_id);
    g->s[S_HELO] = dup_or_null(e->helo);
    g->s[S_TEXT] = dup_or_null(e->text);
}

static void cap_free(struct cap *c)
{
    for (size_t i = 0; i < c->n; i++)
        for (int k = 0; k < NS; k++)
            free(c->ev[i].s[k]);
    free(c);
}

/* Feed text (lines separated by \n, CR removed) through a fresh parser. */
static struct cap *run(const char *text, size_t len, int tz)
{
    const struct log_format *f = &log_format_hmailserver;
    struct log_opts o = {tz, 0};
    void *st = f->open(&o);
    arena *a = arena_new();
    struct cap *c = calloc(1, sizeof *c);
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t e = nl ? (size_t)(nl - text) : len;
        size_t l = e - i;
        if (l && text[i + l - 1] == '\r') l--;
        enum line_rc rc = f->line(st, a, text + i, l, cap_emit, c);
        c->rc[rc]++;
        arena_reset(a);
        i = e + 1;
    }
    f->close(st);
    arena_free(a);
    return c;
}

static struct cap *run_s(const char *text)
{
    return run(text, strlen(text), 0);
}

/* ---- table cases ---- */

struct want {
    enum log_kind kind;
    enum dlv_status status;
    int code;
    const char *s[NS]; /* NULL = not checked, "" = must be NULL or empty as stated below */
};

/* "~" means: the field must be NULL */
static void check_want(const struct got *g, const struct want *w, const char *name, size_t idx)
{
    if (g->kind != w->kind || g->status != w->status || (w->code && g->code != w->code)) {
        print_error("%s event %zu: kind %s status %d code %d, want %s %d %d\n", name, idx,
                    log_kind_name(g->kind), g->status, g->code, log_kind_name(w->kind), w->status,
                    w->code);
        fail();
    }
    for (int k = 0; k < NS; k++) {
        if (!w->s[k]) continue;
        if (strcmp(w->s[k], "~") == 0) {
            if (g->s[k]) {
                print_error("%s event %zu field %d: \"%s\", want NULL\n", name, idx, k, g->s[k]);
                fail();
            }
            continue;
        }
        if (!g->s[k] || strcmp(g->s[k], w->s[k]) != 0) {
            print_error("%s event %zu field %d: \"%s\", want \"%s\"\n", name, idx, k,
                        g->s[k] ? g->s[k] : "(null)", w->s[k]);
            fail();
        }
    }
}

#define SD(sess, ip, t)                                                                            \
    "\"SMTPD\"\t100\t" #sess "\t\"2025-04-01 10:00:00.250\"\t\"" ip "\"\t\"" t "\"\n"
#define SC(sess, ip, t)                                                                            \
    "\"SMTPC\"\t200\t" #sess "\t\"2025-04-01 10:00:00.250\"\t\"" ip "\"\t\"" t "\"\n"
#define AP(t) "\"APPLICATION\"\t300\t\"2025-04-01 10:00:00.250\"\t\"" t "\"\n"

struct tcase {
    const char *name;
    const char *in;
    struct want w[8];
    size_t n;
};

static const struct tcase cases[] = {
    {"inbound session",
     SD(7, "192.0.2.1", "SENT: 220 mail.example.com ESMTP")
         SD(7, "192.0.2.1", "RECEIVED: EHLO client.example.org")
             SD(7, "192.0.2.1", "SENT: 250-mail.example.com[nl]250 AUTH LOGIN")
                 SD(7, "192.0.2.1", "RECEIVED: MAIL FROM:<a@example.org> SIZE=100")
                     SD(7, "192.0.2.1", "SENT: 250 OK") SD(7, "192.0.2.1",
                                                           "RECEIVED: RCPT TO:<b@example.com>")
                         SD(7, "192.0.2.1", "SENT: 250 OK") SD(7, "192.0.2.1", "SENT: 221 goodbye"),
     {{EV_CONNECT, DLV_NONE, 0, {[S_CIP] = "192.0.2.1", [S_HELO] = "~"}},
      {EV_RCPT_ACCEPTED,
       DLV_NONE,
       0,
       {[S_SENDER] = "a@example.org",
        [S_RCPT] = "b@example.com",
        [S_CIP] = "192.0.2.1",
        [S_HELO] = "client.example.org",
        [S_SASL] = "~"}},
      {EV_DISCONNECT, DLV_NONE, 0, {[S_CIP] = "192.0.2.1"}}},
     3},
    {"auth login then relay",
     SD(8, "203.0.113.5", "RECEIVED: AUTH LOGIN") SD(8, "203.0.113.5", "SENT: 334 VXNlcm5hbWU6")
         SD(8, "203.0.113.5", "RECEIVED: dXNlckBleGFtcGxlLmNvbQ==")
             SD(8, "203.0.113.5", "SENT: 334 UGFzc3dvcmQ6") SD(8, "203.0.113.5", "RECEIVED: ***")
                 SD(8, "203.0.113.5", "SENT: 235 authenticated.")
                     SD(8, "203.0.113.5", "RECEIVED: MAIL FROM:<user@example.com>")
                         SD(8, "203.0.113.5", "SENT: 250 OK")
                             SD(8, "203.0.113.5", "RECEIVED: RCPT TO:<x@gmail.com>")
                                 SD(8, "203.0.113.5", "SENT: 250 OK"),
     {{EV_AUTH, DLV_NONE, 0, {[S_SASL] = "user@example.com"}},
      {EV_RCPT_ACCEPTED,
       DLV_NONE,
       0,
       {[S_SASL] = "user@example.com", [S_RCPT] = "x@gmail.com", [S_SENDER] = "user@example.com"}}},
     2},
    {"auth plain initial response",
     SD(9, "203.0.113.6", "RECEIVED: AUTH PLAIN AGJvYgBzZWNyZXQ=")
         SD(9, "203.0.113.6", "SENT: 235 authenticated."),
     {{EV_AUTH, DLV_NONE, 0, {[S_SASL] = "bob"}}},
     1},
    {"auth failed",
     SD(10, "198.51.100.9", "RECEIVED: AUTH LOGIN") SD(10, "198.51.100.9", "SENT: 334 VXNlcm5hbWU6")
         SD(10, "198.51.100.9", "RECEIVED: YWRtaW4=") SD(
             10, "198.51.100.9", "SENT: 334 UGFzc3dvcmQ6") SD(10, "198.51.100.9", "RECEIVED: ***")
             SD(10, "198.51.100.9",
                "SENT: 535 Authentication failed. Restarting authentication process."),
     {{EV_SMTP, DLV_NONE, 535, {[S_SASL] = "~"}}},
     1},
    {"rcpt refused 530 and 550, mail refused",
     SD(11, "45.1.2.3", "RECEIVED: MAIL FROM:<>") SD(11, "45.1.2.3", "SENT: 250 OK")
         SD(11, "45.1.2.3", "RECEIVED: RCPT TO:<out@hotmail.com>")
             SD(11, "45.1.2.3", "SENT: 530 SMTP authentication is required.")
                 SD(11, "45.1.2.3", "RECEIVED: RCPT TO:<nobody@example.com>")
                     SD(11, "45.1.2.3", "SENT: 550 Unknown user")
                         SD(11, "45.1.2.3", "RECEIVED: MAIL FROM:<spam@bad.example>")
                             SD(11, "45.1.2.3", "SENT: 550 5.7.1 Sender blocked"),
     {{EV_REJECT,
       DLV_REJECTED,
       530,
       {[S_RCPT] = "out@hotmail.com",
        [S_SENDER] = "",
        [S_REPLY] = "530 SMTP authentication is required."}},
      {EV_REJECT, DLV_REJECTED, 550, {[S_RCPT] = "nobody@example.com", [S_DSN] = "~"}},
      {EV_REJECT,
       DLV_REJECTED,
       550,
       {[S_SENDER] = "spam@bad.example", [S_RCPT] = "~", [S_DSN] = "5.7.1"}}},
     3},
    {"null sender and data refused",
     SD(12, "192.0.2.8", "RECEIVED: MAIL FROM:<>") SD(12, "192.0.2.8", "SENT: 250 OK") SD(
         12, "192.0.2.8", "RECEIVED: RCPT TO:<a@example.com>") SD(12, "192.0.2.8", "SENT: 250 OK")
         SD(12, "192.0.2.8", "RECEIVED: DATA") SD(12, "192.0.2.8", "SENT: 354 OK, send.")
             SD(12, "192.0.2.8", "SENT: 554 Rejected due to spam"),
     {{EV_RCPT_ACCEPTED, DLV_NONE, 0, {[S_SENDER] = "", [S_RCPT] = "a@example.com"}},
      {EV_REJECT, DLV_REJECTED, 554, {[S_RCPT] = "a@example.com"}}},
     2},
    {"session number reused after a restart",
     SD(14, "192.0.2.10", "SENT: 220 mail.example.com ESMTP") SD(
         14, "192.0.2.10", "RECEIVED: MAIL FROM:<a@x.example>") SD(14, "192.0.2.10", "SENT: 250 OK")
         SD(14, "192.0.2.11", "SENT: 220 mail.example.com ESMTP")
             SD(14, "192.0.2.11", "RECEIVED: RCPT TO:<b@y.example>")
                 SD(14, "192.0.2.11", "SENT: 250 OK"),
     {{EV_CONNECT, DLV_NONE, 0, {[S_CIP] = "192.0.2.10"}},
      {EV_CONNECT, DLV_NONE, 0, {[S_CIP] = "192.0.2.11"}},
      {EV_RCPT_ACCEPTED, DLV_NONE, 0, {[S_RCPT] = "b@y.example", [S_SENDER] = "~"}}},
     3},
    {"banner refused",
     SD(13, "192.0.2.9", "SENT: 554 Your IP is blocked"),
     {{EV_REJECT, DLV_REJECTED, 554, {[S_CIP] = "192.0.2.9"}}},
     1},
    {"outbound sent after data",
     SC(20, "142.250.27.26", "RECEIVED: 220 mx.google.com ESMTP x - gsmtp")
         SC(20, "142.250.27.26", "SENT: MAIL FROM:<s@example.com>")
             SC(20, "142.250.27.26", "RECEIVED: 250 2.1.0 OK")
                 SC(20, "142.250.27.26", "SENT: RCPT TO:<r@gmail.com>")
                     SC(20, "142.250.27.26", "RECEIVED: 250 2.1.5 OK")
                         SC(20, "142.250.27.26", "SENT: DATA")
                             SC(20, "142.250.27.26", "RECEIVED: 354 Go ahead")
                                 SC(20, "142.250.27.26", "SENT: [nl].")
                                     SC(20, "142.250.27.26", "RECEIVED: 250 2.0.0 OK 17 - gsmtp"),
     {{EV_DELIVERY,
       DLV_SENT,
       250,
       {[S_RCPT] = "r@gmail.com",
        [S_SENDER] = "s@example.com",
        [S_RHOST] = "mx.google.com",
        [S_RIP] = "142.250.27.26",
        [S_DSN] = "2.0.0",
        [S_REPLY] = "250 2.0.0 OK 17 - gsmtp",
        [S_CIP] = "~"}}},
     1},
    {"outbound pipelined, rcpt refused, final deferral",
     SC(21, "192.0.2.30",
        "SENT: MAIL FROM:<s@example.com>[nl]RCPT TO:<a@x.example>[nl]RCPT TO:<b@x.example>")
         SC(21, "192.0.2.30", "RECEIVED: 250 ok[nl]250 ok[nl]550 5.1.1 <b@x.example>: no such user")
             SC(21, "192.0.2.30", "SENT: DATA") SC(21, "192.0.2.30", "RECEIVED: 354 go")
                 SC(21, "192.0.2.30", "RECEIVED: 451 4.3.0 Temporary failure"),
     {{EV_DELIVERY, DLV_BOUNCED, 550, {[S_RCPT] = "b@x.example", [S_DSN] = "5.1.1"}},
      {EV_DELIVERY, DLV_DEFERRED, 451, {[S_RCPT] = "a@x.example", [S_DSN] = "4.3.0"}}},
     2},
    {"outbound multi-line reply over several log lines",
     SC(22, "142.250.27.27", "SENT: MAIL FROM:<s@example.com>")
         SC(22, "142.250.27.27", "RECEIVED: 250 OK")
             SC(22, "142.250.27.27", "SENT: RCPT TO:<r@gmail.com>")
                 SC(22, "142.250.27.27", "RECEIVED: 421-4.7.28 first line")
                     SC(22, "142.250.27.27", "RECEIVED: 421-4.7.28 second line")
                         SC(22, "142.250.27.27", "RECEIVED: 421 4.7.28 last line"),
     {{EV_DELIVERY,
       DLV_DEFERRED,
       421,
       {[S_RCPT] = "r@gmail.com",
        [S_DSN] = "4.7.28",
        [S_REPLY] = "421-4.7.28 first line[nl]421-4.7.28 second line[nl]421 4.7.28 last line"}}},
     1},
    {"outbound refusal before rcpt names no recipient",
     SC(23, "52.101.68.3", "RECEIVED: 220 a.mail.protection.outlook.com Microsoft ESMTP")
         SC(23, "52.101.68.3", "SENT: MAIL FROM:<s@example.com>")
             SC(23, "52.101.68.3", "RECEIVED: 550 5.7.1 ... block list (S3150). [x]")
                 SC(23, "52.101.68.3", "SENT: QUIT") SC(23, "52.101.68.3", "RECEIVED: 221 bye")
                     SC(24, "67.195.204.72", "RECEIVED: 421 4.7.0 [TSS04] go away"),
     {{EV_SMTP,
       DLV_BOUNCED,
       550,
       {[S_RCPT] = "~", [S_SENDER] = "s@example.com", [S_RHOST] = "a.mail.protection.outlook.com"}},
      {EV_SMTP, DLV_DEFERRED, 421, {[S_RCPT] = "~", [S_DSN] = "4.7.0"}}},
     2},
    {"deliverer lines",
     AP("SMTPDeliverer - Message 77: Delivering message from <Empty> to a@example.com, "
        "b@gmail.com. File: C:\\\\x.eml")
         AP("SMTPDeliverer - Message 77: Relaying to host smtp.relay.example.") AP(
             "SMTPDeliverer - Message 77: Message could not be delivered. Scheduling it for "
             "later delivery in 60 minutes.")
             AP("SMTPDeliverer - Message 77: Message delivery thread completed.")
                 AP("SMTPDeliverer - Message 77: Delivering message from <Empty> to b@gmail.com. "
                    "File: C:\\\\x.eml") AP("SMTPDeliverer - Message 77: Message could not be "
                                            "delivered. Returning error log to sender.")
                     AP("SMTPDeliverer - Message 77: Message delivery thread completed."),
     {{EV_QUEUED, DLV_NONE, 0, {[S_QID] = "77", [S_SENDER] = "", [S_RCPT] = "a@example.com"}},
      {EV_QUEUED, DLV_NONE, 0, {[S_QID] = "77", [S_RCPT] = "b@gmail.com"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "77", [S_RHOST] = "smtp.relay.example"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "77"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "77"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "77", [S_RCPT] = "~"}},
      {EV_EXPIRED, DLV_EXPIRED, 0, {[S_QID] = "77"}},
      {EV_REMOVED, DLV_NONE, 0, {[S_QID] = "77"}}},
     8},
    {"no mx, inbox full, other application line",
     AP("SMTPDeliverer - Message 78: No mail servers could be found for the address "
        "x@nxdomain.example.")
         AP("SMTPDeliverer - Message 79: The message was not delivered to u@example.com. Delivery "
            "to this account was cancelled since the account inbox is full. Max size: 1 MB, "
            "Current size (including cancelled message): 2 MB") AP("Starting hMailServer..."),
     {{EV_DELIVERY, DLV_DEFERRED, 0, {[S_QID] = "78", [S_RCPT] = "x@nxdomain.example"}},
      {EV_DELIVERY,
       DLV_BOUNCED,
       0,
       {[S_QID] = "79", [S_RCPT] = "u@example.com", [S_RHOST] = "local"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "~", [S_TEXT] = "Starting hMailServer..."}}},
     3},
    {"error, debug, tcpip, pop3",
     "\"ERROR\"\t1\t\"2025-04-01 10:00:00.000\"\t\"Severity: 2 (High), Code: HM5208, Source: x, "
     "Description: y\"\n"
     "\"DEBUG\"\t1\t\"2025-04-01 10:00:00.000\"\t\"Creating session 5\"\n"
     "\"TCPIP\"\t1\t\"2025-04-01 10:00:00.000\"\t\"TCP - 1.2.3.4 connected to 5.6.7.8:25.\"\n"
     "\"POP3D\"\t1\t5\t\"2025-04-01 10:00:00.000\"\t\"1.2.3.4\"\t\"SENT: +OK POP3\"\n",
     {{EV_WARNING,
       DLV_NONE,
       0,
       {[S_TEXT] = "Severity: 2 (High), Code: HM5208, Source: x, Description: y"}}},
     1},
    {"awstats",
     "2025-04-01 "
     "10:00:00\talice@gmail.com\tbob@example.com\t209.85.220.41\t127.0.0.1\tSMTP\t?\t250\t4521\n"
     "2025-04-01 10:00:01\tbob@example.com\tx@outlook.com\t127.0.0.1\t127.0.0.1\tSMTP\t?\t550\t0\n",
     {{EV_DELIVERY,
       DLV_SENT,
       250,
       {[S_RCPT] = "bob@example.com", [S_RHOST] = "local", [S_CIP] = "209.85.220.41"}},
      {EV_DELIVERY, DLV_BOUNCED, 550, {[S_RCPT] = "x@outlook.com", [S_RIP] = "~"}}},
     2},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        struct cap *c = run_s(cases[i].in);
        if (c->n != cases[i].n) {
            print_error("%s: %zu events, want %zu\n", cases[i].name, c->n, cases[i].n);
            for (size_t k = 0; k < c->n; k++)
                print_error("  got %s rcpt=%s\n", log_kind_name(c->ev[k].kind),
                            c->ev[k].s[S_RCPT] ? c->ev[k].s[S_RCPT] : "-");
            fail();
        }
        for (size_t k = 0; k < c->n; k++)
            check_want(&c->ev[k], &cases[i].w[k], cases[i].name, k);
        assert_int_equal(c->rc[LINE_BAD], 0);
        cap_free(c);
    }
}

static void test_time_and_tz(void **state)
{
    (void)state;
    const char *in = "\"ERROR\"\t1\t\"2025-04-01 10:00:00.250\"\t\"x\"\n";
    struct cap *c = run(in, strlen(in), 120); /* local = UTC+2 */
    assert_int_equal(c->n, 1);
    assert_int_equal(c->ev[0].time, 1743501600 - 7200);
    assert_int_equal(c->ev[0].time_ms, 250);
    cap_free(c);
}

static void test_eviction_bound(void **state)
{
    (void)state;
    /* session 1 waits for the reply to its RCPT while N other sessions open */
    for (int round = 0; round < 2; round++) {
        int others = round == 0 ? 100 : 5000;
        size_t cap = (size_t)others * 120 + 1024, len = 0;
        char *buf = malloc(cap);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s%s",
                                SD(1, "192.0.2.1", "RECEIVED: MAIL FROM:<a@x.example>"),
                                SD(1, "192.0.2.1", "SENT: 250 OK"),
                                SD(1, "192.0.2.1", "RECEIVED: RCPT TO:<b@y.example>"));
        for (int i = 0; i < others; i++)
            len += (size_t)snprintf(buf + len, cap - len,
                                    "\"SMTPD\"\t1\t%d\t\"2025-04-01 10:00:00.000\"\t\"10.0.0.1\"\t"
                                    "\"RECEIVED: EHLO x\"\n",
                                    1000 + i);
        len += (size_t)snprintf(buf + len, cap - len, "%s", SD(1, "192.0.2.1", "SENT: 250 OK"));
        struct cap *c = run(buf, len, 0);
        /* kept (100 others): the RCPT is paired; evicted (5000 > 4096): it is not */
        assert_int_equal(c->kinds[EV_RCPT_ACCEPTED], round == 0 ? 1 : 0);
        cap_free(c);
        free(buf);
    }
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum line_rc rc;
    } t[] = {
        {"\"SMTPD\"\t1\t2\t\"2025-04-01 25:00:00.000\"\t\"1.2.3.4\"\t\"SENT: 220 x\"", LINE_BAD},
        {"\"SMTPD\"\t1\tx\t\"2025-04-01 10:00:00.000\"\t\"1.2.3.4\"\t\"SENT: 220 x\"", LINE_BAD},
        {"\"SMTPD\"\t1\t2\t\"2025-04-01 10:00:00.000\"", LINE_BAD},
        {"\"SMTPD\"\t1\t2\t\"2025-04-01 10:00:00.000\"\t\"1.2.3.4\"\tSENT: 220 x", LINE_BAD},
        {"\"APPLICATION\"\t\t\"2025-04-01 10:00:00.000\"\t\"x\"", LINE_BAD},
        {"\"NOSUCH\"\t1\t\"2025-04-01 10:00:00.000\"\t\"x\"", LINE_FOREIGN},
        {"Apr  1 10:00:00 host postfix/smtpd[1]: connect from x", LINE_FOREIGN},
        {"2025-04-01 10:00:00\ta\tb\tc\td\tSMTP\t?\t250", LINE_BAD},
        {"2025-04-01 10:00:00\ta\tb\tc\td\tHTTP\t?\t250\t1", LINE_BAD},
        {"\"SMTPD\"", LINE_FOREIGN},
        {"", LINE_IGNORED},
    };
    const struct log_format *f = &log_format_hmailserver;
    void *st = f->open(NULL);
    arena *a = arena_new();
    struct cap *c = calloc(1, sizeof *c);
    for (size_t i = 0; i < N(t); i++) {
        enum line_rc rc = f->line(st, a, t[i].line, strlen(t[i].line), cap_emit, c);
        if (rc != t[i].rc) {
            print_error("line %zu: rc %d want %d\n", i, rc, t[i].rc);
            fail();
        }
        arena_reset(a);
    }
    /* NUL bytes inside a line */
    static const char nul[] = "\"ERROR\"\t1\t\"2025-04-01 10:00:00.000\"\t\"a\0b\"";
    assert_int_equal(f->line(st, a, nul, sizeof nul - 1, cap_emit, c), LINE_BAD);
    f->close(st);
    arena_free(a);
    cap_free(c);
}

static void test_long_lines(void **state)
{
    (void)state;
    /* a 64 KiB reply and a 64 KiB recipient list: bounded, no crash */
    size_t n = LOG_MAX_LINE;
    char *buf = malloc(n + 1);
    int k = snprintf(buf, n,
                     "\"SMTPC\"\t1\t5\t\"2025-04-01 10:00:00.000\"\t\"1.2.3.4\"\t\"RECEIVED: 550-");
    memset(buf + k, 'x', n - (size_t)k);
    for (size_t i = (size_t)k + 100; i + 8 < n; i += 200)
        memcpy(buf + i, "[nl]550-", 8);
    buf[n - 1] = '"';
    struct cap *c = run(buf, n, 0);
    assert_int_equal(c->rc[LINE_BAD], 0);
    cap_free(c);

    k = snprintf(buf, n,
                 "\"APPLICATION\"\t1\t\"2025-04-01 10:00:00.000\"\t\"SMTPDeliverer - Message 1: "
                 "Delivering message from a@b.c to ");
    size_t i = (size_t)k;
    while (i + 20 < n) {
        memcpy(buf + i, "u@example.com, ", 15);
        i += 15;
    }
    memcpy(buf + i, "z@e.c. File: x\"", 15);
    i += 15;
    c = run(buf, i, 0);
    assert_true(c->kinds[EV_QUEUED] > 0 && c->kinds[EV_QUEUED] <= 1000);
    cap_free(c);
    free(buf);
}

static void test_truncated(void **state)
{
    (void)state;
    /* hMailServer cut: head + " ... " + the last 25 characters */
    const char *in =
        AP("SMTPDeliverer - Message 9: Delivering message from a@example.com to m1@example.net, "
           "m2@example.net, m3@exa ... b8C9D-0E1F2A3B4C5D}.eml")
            SD(4, "1.2.3.4", "RECEIVED: RCPT TO:<very-long-address ... 890123456789012345")
                SD(4, "1.2.3.4", "SENT: 250 OK");
    struct cap *c = run_s(in);
    assert_int_equal(c->kinds[EV_QUEUED], 2); /* m3 lies in the cut */
    assert_int_equal(c->ev[0].nrcpt, -1);
    assert_int_equal(c->kinds[EV_RCPT_ACCEPTED], 1);
    assert_null(c->ev[2].s[S_RCPT]); /* the address fell in the cut */
    cap_free(c);
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static size_t count(const struct cap *c, enum log_kind k, enum dlv_status s, const char *domain)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const struct got *g = &c->ev[i];
        if (g->kind != k || g->status != s) continue;
        const char *at = g->s[S_RCPT] ? strrchr(g->s[S_RCPT], '@') : NULL;
        if (domain && (!at || strcmp(at + 1, domain) != 0)) continue;
        n++;
    }
    return n;
}

/* Counts from tests/fixtures/logs/README-windows.md */
static void test_fixture_main(void **state)
{
    (void)state;
    size_t len = 0;
    char *b = slurp("tests/fixtures/logs/hmailserver/hmailserver_2025-04-01.log", &len);
    assert_non_null(b);
    assert_true(log_format_hmailserver.sniff(b, len < 4096 ? len : 4096) >= 90);
    struct cap *c = run(b, len, 0);
    assert_int_equal(c->rc[LINE_EVENT] + c->rc[LINE_IGNORED], 218);
    assert_int_equal(c->rc[LINE_EVENT], 62);
    assert_int_equal(c->total, 82);
    assert_int_equal(c->kinds[EV_CONNECT], 6);
    assert_int_equal(c->kinds[EV_DISCONNECT], 5);
    assert_int_equal(c->kinds[EV_AUTH], 1);
    assert_int_equal(c->kinds[EV_RCPT_ACCEPTED], 5);
    assert_int_equal(c->kinds[EV_REJECT], 2);
    assert_int_equal(c->kinds[EV_QUEUED], 29);
    assert_int_equal(c->kinds[EV_DELIVERY], 11);
    assert_int_equal(c->kinds[EV_SMTP], 2);
    assert_int_equal(c->kinds[EV_OTHER], 9);
    assert_int_equal(c->kinds[EV_REMOVED], 10);
    assert_int_equal(c->kinds[EV_EXPIRED], 1);
    assert_int_equal(c->kinds[EV_WARNING], 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "gmail.com"), 3);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "partner.example"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "gmail.com"), 2);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "yahoo.com"), 2);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "gmial.con"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "gmail.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "example.com"), 1);
    /* the open-relay sign: an accepted RCPT for a non-local domain without auth */
    size_t relay = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].kind == EV_RCPT_ACCEPTED && !c->ev[i].s[S_SASL] && c->ev[i].s[S_RCPT] &&
            strcmp(c->ev[i].s[S_RCPT], "victim123@yahoo.com") == 0 && c->ev[i].s[S_CIP] &&
            strcmp(c->ev[i].s[S_CIP], "185.220.101.7") == 0)
            relay++;
    assert_int_equal(relay, 1);
    cap_free(c);
    free(b);

    b = slurp("tests/fixtures/logs/hmailserver/hmailserver_awstats.log", &len);
    assert_non_null(b);
    assert_true(log_format_hmailserver.sniff(b, len) >= 90);
    c = run(b, len, 0);
    assert_int_equal(c->kinds[EV_DELIVERY], 14);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, NULL), 11);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, NULL), 3);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "example.net"), 5);
    size_t local = 0;
    for (size_t i = 0; i < c->n; i++)
        local += c->ev[i].local;
    assert_int_equal(local, 7);
    cap_free(c);
    free(b);
}

static void test_sniff(void **state)
{
    (void)state;
    const struct log_format *f = &log_format_hmailserver;
    static const char bom[] =
        "\xEF\xBB\xBF\"TCPIP\"\t1\t\"2025-04-01 10:00:00.000\"\t\"TCP - x\"\r\n"
        "\"SMTPD\"\t1\t2\t\"2025-04-01 10:00:00.000\"\t\"1.2.3.4\"\t\"SENT: 220 x\"\r\n";
    assert_int_equal(f->sniff(bom, sizeof bom - 1), 100);
    static const char partial[] = "\"TCPIP\"\t1\t\"2025-04-01 10:00:00.000\"\t\"TCP";
    assert_int_equal(f->sniff(partial, sizeof partial - 1), 0);
    static const char iis[] =
        "#Software: Microsoft Internet Information Services 6.0\r\n#Version: 1.0\r\n";
    assert_int_equal(f->sniff(iis, sizeof iis - 1), 0);
    static const char syslog[] = "Apr  1 10:00:00 host postfix/smtpd[1]: connect from x\n";
    assert_int_equal(f->sniff(syslog, sizeof syslog - 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_time_and_tz),
        cmocka_unit_test(test_eviction_bound), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_long_lines),     cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_fixture_main),   cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
