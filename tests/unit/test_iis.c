/* test_iis — the IIS SMTP W3C log parser: table cases (inbound commands
 * with their status, the outbound command/response dialogue with pipelining),
 * #Fields changes mid-file and the default field list, '+' decoding,
 * malformed lines, NUL bytes, a 64 KiB line, the session eviction bound,
 * sniffing (SMTP vs HTTP logs), and the fixture end to end against the counts
 * in tests/fixtures/logs/README-windows.md (hand-counted). */
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
    const struct log_format *f = &log_format_iis;
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

#define HDR                                                                                        \
    "#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n#Date: 2025-04-01 "    \
    "00:00:00\n#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port "         \
    "cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken "   \
    "cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)\n"
#define IN(ip, helo, m, q, st)                                                                     \
    "2025-04-01 10:00:00 " ip " " helo " SMTPSVC1 GW 10.0.0.1 0 " m " - " q " " #st                \
    " 0 10 10 0 SMTP - - - -\n"
#define OC(ip, m, q)                                                                               \
    "2025-04-01 10:00:01 " ip " OutboundConnectionCommand SMTPSVC1 GW - 25 " m " - " q             \
    " 0 0 4 0 10 SMTP - - - -\n"
#define OR(ip, r)                                                                                  \
    "2025-04-01 10:00:01 " ip " OutboundConnectionResponse SMTPSVC1 GW - 25 - - " r                \
    " 0 0 4 0 10 SMTP - - - -\n"

struct tcase {
    const char *name;
    const char *in;
    struct want w[6];
    size_t n;
};

static const struct tcase cases[] = {
    {"inbound accepted and queued",
     HDR IN("203.0.113.7", "APP", "EHLO", "+APP", 250)
         IN("203.0.113.7", "APP", "MAIL", "+FROM:<a@shop.example>", 250)
             IN("203.0.113.7", "APP", "RCPT", "+TO:<b+tag@gmail.com>", 250)
                 IN("203.0.113.7", "APP", "DATA", "<GWabc@GW.shop.example>", 250)
                     IN("203.0.113.7", "APP", "QUIT", "APP", 240),
     {{EV_CONNECT, DLV_NONE, 0, {[S_CIP] = "203.0.113.7", [S_HELO] = "APP"}},
      {EV_RCPT_ACCEPTED,
       DLV_NONE,
       0,
       {[S_SENDER] = "a@shop.example", [S_RCPT] = "b+tag@gmail.com", [S_SASL] = "~"}},
      {EV_QUEUED, DLV_NONE, 0, {[S_RCPT] = "b+tag@gmail.com", [S_SENDER] = "a@shop.example"}},
      {EV_DISCONNECT, DLV_NONE, 0, {[S_CIP] = "203.0.113.7"}}},
     4},
    {"inbound relay refused, auth, mail refused, data refused",
     HDR IN("45.1.2.3", "x", "EHLO", "+x", 250)
         IN("45.1.2.3", "x", "MAIL", "+FROM:<s@bad.example>", 250)
             IN("45.1.2.3", "x", "RCPT", "+TO:<v@yahoo.com>", 550)
                 IN("45.1.2.3", "x", "AUTH", "+LOGIN", 235)
                     IN("45.1.2.3", "x", "RCPT", "+TO:<w@yahoo.com>", 250)
                         IN("45.1.2.3", "x", "DATA", "-", 552)
                             IN("45.1.2.3", "x", "MAIL", "+FROM:<t@bad.example>", 501),
     {{EV_CONNECT, DLV_NONE, 0, {NULL}},
      {EV_REJECT,
       DLV_REJECTED,
       550,
       {[S_RCPT] = "v@yahoo.com", [S_SENDER] = "s@bad.example", [S_SASL] = "~"}},
      {EV_AUTH, DLV_NONE, 0, {[S_SASL] = "(unknown)"}},
      {EV_RCPT_ACCEPTED, DLV_NONE, 0, {[S_RCPT] = "w@yahoo.com", [S_SASL] = "(unknown)"}},
      {EV_REJECT, DLV_REJECTED, 552, {[S_RCPT] = "w@yahoo.com"}},
      {EV_REJECT, DLV_REJECTED, 501, {[S_SENDER] = "t@bad.example", [S_RCPT] = "~"}}},
     6},
    {"outbound pipelined",
     HDR OR("142.250.1.1", "220+mx.google.com+ESMTP+x+-+gsmtp")
         OC("142.250.1.1", "EHLO", "GW.shop.example") OR("142.250.1.1",
                                                         "250-mx.google.com+at+your+service")
             OC("142.250.1.1", "MAIL", "FROM:<a@shop.example>+SIZE=10") OC("142.250.1.1", "RCPT",
                                                                           "TO:<x@gmail.com>")
                 OC("142.250.1.1", "RCPT", "TO:<y@gmail.com>") OR("142.250.1.1", "250+2.1.0+OK")
                     OR("142.250.1.1", "250+2.1.5+OK")
                         OR("142.250.1.1",
                            "550-5.1.1+The+email+account+that+you+tried+to+reach+does+not+exist.")
                             OC("142.250.1.1", "DATA", "-") OR("142.250.1.1", "354+Go+ahead")
                                 OR("142.250.1.1", "250+2.0.0+OK+17+-+gsmtp")
                                     OC("142.250.1.1", "QUIT", "-")
                                         OR("142.250.1.1", "221+2.0.0+closing"),
     {{EV_DELIVERY,
       DLV_BOUNCED,
       550,
       {[S_RCPT] = "y@gmail.com",
        [S_DSN] = "5.1.1",
        [S_RHOST] = "mx.google.com",
        [S_RIP] = "142.250.1.1",
        [S_REPLY] = "550-5.1.1 The email account that you tried to reach does not exist."}},
      {EV_DELIVERY,
       DLV_SENT,
       250,
       {[S_RCPT] = "x@gmail.com",
        [S_SENDER] = "a@shop.example",
        [S_REPLY] = "250 2.0.0 OK 17 - gsmtp"}}},
     2},
    {"outbound refusals: banner, mail, rcpt deferral, data final",
     HDR OR("67.195.1.1", "553+5.7.1+[BL21]+Connections+will+not+be+accepted")
         OC("67.195.1.1", "QUIT", "-") OR("52.101.1.1", "220+x.outlook.com+Microsoft+ESMTP")
             OC("52.101.1.1", "MAIL", "FROM:<a@shop.example>") OR(
                 "52.101.1.1", "550+5.7.1+Unfortunately...+(S3150)") OC("52.101.1.1", "QUIT", "-")
                 OR("52.101.1.1", "221+bye") OR("192.0.2.25", "220+mx.partner.example+ESMTP")
                     OC("192.0.2.25", "MAIL", "FROM:<a@shop.example>")
                         OC("192.0.2.25", "RCPT", "TO:<o@partner.example>")
                             OC("192.0.2.25", "RCPT", "TO:<p@partner.example>")
                                 OR("192.0.2.25", "250+ok") OR("192.0.2.25", "451+4.7.1+greylisted")
                                     OR("192.0.2.25", "250+ok") OC("192.0.2.25", "DATA", "-")
                                         OR("192.0.2.25", "354+go")
                                             OR("192.0.2.25", "552+5.3.4+too+big"),
     {{EV_SMTP, DLV_BOUNCED, 553, {[S_RCPT] = "~", [S_DSN] = "5.7.1", [S_RIP] = "67.195.1.1"}},
      {EV_SMTP,
       DLV_BOUNCED,
       550,
       {[S_RCPT] = "~", [S_SENDER] = "a@shop.example", [S_RHOST] = "x.outlook.com"}},
      {EV_DELIVERY, DLV_DEFERRED, 451, {[S_RCPT] = "o@partner.example", [S_DSN] = "4.7.1"}},
      {EV_DELIVERY,
       DLV_BOUNCED,
       552,
       {[S_RCPT] = "p@partner.example", [S_DSN] = "5.3.4", [S_REPLY] = "552 5.3.4 too big"}}},
     4},
    {"fields change mid-file and no date column",
     "#Software: Microsoft Internet Information Services 6.0\n#Date: 2025-04-02 00:00:00\n"
     "#Fields: time c-ip cs-method cs-uri-query sc-status\n"
     "10:00:00 192.0.2.1 RCPT +TO:<a@b.example> 250\n"
     "#Fields: date time s-sitename c-ip cs-username cs-method cs-uri-query sc-status\n"
     "2025-04-03 11:00:00 SMTPSVC1 192.0.2.2 h RCPT +TO:<c@d.example> 550\n",
     {{EV_RCPT_ACCEPTED, DLV_NONE, 0, {[S_RCPT] = "a@b.example", [S_CIP] = "192.0.2.1"}},
      {EV_REJECT, DLV_REJECTED, 550, {[S_RCPT] = "c@d.example", [S_CIP] = "192.0.2.2"}}},
     2},
    {"no header: the default IIS SMTP field list",
     IN("192.0.2.3", "h", "RCPT", "+TO:<e@f.example>", 250),
     {{EV_RCPT_ACCEPTED, DLV_NONE, 0, {[S_RCPT] = "e@f.example"}}},
     1},
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

static void test_time(void **state)
{
    (void)state;
    struct cap *c = run_s(HDR IN("192.0.2.3", "h", "RCPT", "+TO:<e@f.example>", 250));
    assert_int_equal(c->n, 1);
    assert_int_equal(c->ev[0].time, 1743501600); /* 2025-04-01 10:00:00 UTC, no --log-tz */
    cap_free(c);
    const char *in = HDR IN("192.0.2.3", "h", "RCPT", "+TO:<e@f.example>", 250);
    c = run(in, strlen(in), 120);
    assert_int_equal(c->ev[0].time, 1743501600);
    cap_free(c);
}

static void test_eviction_bound(void **state)
{
    (void)state;
    for (int round = 0; round < 2; round++) {
        int others = round == 0 ? 100 : 5000;
        size_t cap = (size_t)others * 160 + 2048, len = 0;
        char *buf = malloc(cap);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s%s", HDR,
                                OC("192.0.2.99", "MAIL", "FROM:<a@x.example>"),
                                OC("192.0.2.99", "RCPT", "TO:<b@y.example>"));
        for (int i = 0; i < others; i++)
            len += (size_t)snprintf(
                buf + len, cap - len,
                "2025-04-01 10:00:00 10.%d.%d.1 OutboundConnectionCommand SMTPSVC1 GW - 25 "
                "EHLO - x 0 0 4 0 10 SMTP - - - -\n",
                i / 256, i % 256);
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", OR("192.0.2.99", "250+ok"),
                                OR("192.0.2.99", "550+5.1.1+no"));
        struct cap *c = run(buf, len, 0);
        assert_int_equal(c->kinds[EV_DELIVERY], round == 0 ? 1 : 0);
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
        {"2025-04-01 10:00:00 1.2.3.4 h SMTPSVC1 GW 10.0.0.1 0 RCPT - +TO:<a@b> 250", LINE_BAD},
        {"2025-04-01 25:00:00 1.2.3.4 h SMTPSVC1 GW 10.0.0.1 0 RCPT - +TO:<a@b> 250 0 1 1 0 SMTP - "
         "- - -",
         LINE_BAD},
        {"2025-13-01 10:00:00 1.2.3.4 h SMTPSVC1 GW 10.0.0.1 0 RCPT - +TO:<a@b> 250 0 1 1 0 SMTP - "
         "- - -",
         LINE_BAD},
        {"2025-04-01 10:00:00 - h SMTPSVC1 GW 10.0.0.1 0 RCPT - +TO:<a@b> 250 0 1 1 0 SMTP - - - -",
         LINE_BAD},
        {"a b c d e f g h i j k l m n o p q r s t u v w x y z", LINE_BAD},
        {"#Remark: anything", LINE_IGNORED},
        {"", LINE_IGNORED},
        {"2025-04-01 10:00:00 1.2.3.4 h SMTPSVC1 GW 10.0.0.1 0 NOOP - - 250 0 1 1 0 SMTP - - - -",
         LINE_IGNORED},
    };
    const struct log_format *f = &log_format_iis;
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
    static const char nul[] = "2025-04-01 10:00:00 1.2.3.4 h SMTPSVC1 GW 10.0.0.1 0 RCPT - "
                              "+TO:<a\0@b> 250 0 1 1 0 SMTP - - - -";
    assert_int_equal(f->line(st, a, nul, sizeof nul - 1, cap_emit, c), LINE_BAD);
    f->close(st);
    arena_free(a);
    cap_free(c);
}

static void test_long_lines(void **state)
{
    (void)state;
    size_t n = LOG_MAX_LINE;
    char *buf = malloc(n + 200);
    /* one huge value in a well-formed line */
    int k = snprintf(
        buf, n, "2025-04-01 10:00:00 1.2.3.4 OutboundConnectionResponse SMTPSVC1 GW - 25 - - 550+");
    memset(buf + k, 'x', n - (size_t)k);
    memcpy(buf + n - 40, " 0 0 4 0 10 SMTP - - - -", 24);
    struct cap *c = run(buf, n - 16, 0);
    assert_int_equal(c->rc[LINE_BAD], 0);
    assert_int_equal(c->kinds[EV_SMTP], 1);
    cap_free(c);
    /* 64 KiB of spaces: far too many columns */
    memset(buf, ' ', n);
    c = run(buf, n, 0);
    assert_int_equal(c->rc[LINE_BAD], 1);
    cap_free(c);
    free(buf);
}

static void test_fixture(void **state)
{
    (void)state;
    size_t len = 0;
    char *b = slurp("tests/fixtures/logs/iis/ex250401.log", &len);
    assert_non_null(b);
    assert_true(log_format_iis.sniff(b, len < 4096 ? len : 4096) >= 90);
    struct cap *c = run(b, len, 0);
    assert_int_equal(c->rc[LINE_BAD] + c->rc[LINE_FOREIGN], 0);
    assert_int_equal(c->rc[LINE_EVENT], 23);
    assert_int_equal(c->total, 25);
    assert_int_equal(c->kinds[EV_CONNECT], 4);
    assert_int_equal(c->kinds[EV_DISCONNECT], 4);
    assert_int_equal(c->kinds[EV_AUTH], 1);
    assert_int_equal(c->kinds[EV_RCPT_ACCEPTED], 5);
    assert_int_equal(c->kinds[EV_REJECT], 1);
    assert_int_equal(c->kinds[EV_QUEUED], 5);
    assert_int_equal(c->kinds[EV_DELIVERY], 4);
    assert_int_equal(c->kinds[EV_SMTP], 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "gmail.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "gmail.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "outlook.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "partner.example"), 1);
    size_t relay = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->ev[i].kind == EV_RCPT_ACCEPTED && !c->ev[i].s[S_SASL] && c->ev[i].s[S_CIP] &&
            strcmp(c->ev[i].s[S_CIP], "185.100.87.41") == 0)
            relay++;
    assert_int_equal(relay, 1);
    cap_free(c);
    free(b);
}

static void test_sniff(void **state)
{
    (void)state;
    const struct log_format *f = &log_format_iis;
    static const char http[] =
        "#Software: Microsoft Internet Information Services 7.5\r\n#Version: 1.0\r\n"
        "#Date: 2025-04-01 00:00:00\r\n#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query "
        "s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status "
        "time-taken\r\n"
        "2025-04-01 00:00:01 10.0.0.1 GET /index.htm - 80 - 1.2.3.4 Mozilla/5.0 200 0 0 15\r\n";
    assert_true(f->sniff(http, sizeof http - 1) < 50);
    static const char head_only[] = HDR;
    assert_true(f->sniff(head_only, sizeof head_only - 1) >= 50);
    static const char bom[] = "\xEF\xBB\xBF" HDR IN("1.2.3.4", "h", "EHLO", "+h", 250);
    assert_int_equal(f->sniff(bom, sizeof bom - 1), 95);
    static const char ex[] =
        "#Software: Microsoft Exchange Server\r\n#Log-type: Message Tracking Log\r\n";
    assert_int_equal(f->sniff(ex, sizeof ex - 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_time),
        cmocka_unit_test(test_eviction_bound), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_long_lines),     cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
