/* test_exchange — the Exchange message tracking parser: table cases per
 * event-id, one event per recipient with statuses aligned by position (also
 * statuses holding ';' and {LED=...}), RFC 4180 quoting ("" and commas),
 * #Fields changes and the 2007/2010/2013 column sets, malformed lines, NUL
 * bytes, a 64 KiB line, sniffing, and the fixture files end to end against
 * the counts in tests/fixtures/logs/README-windows.md (counted with Python's
 * csv module). */
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

enum {
    S_SENDER,
    S_RCPT,
    S_CIP,
    S_SASL,
    S_RHOST,
    S_RIP,
    S_DSN,
    S_REPLY,
    S_QID,
    S_HELO,
    S_TEXT,
    S_MID,
    S_SUBJ,
    S_HOST,
    NS
};

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
    g->s[S_MID] = dup_or_null(e->message_id);
    g->s[S_SUBJ] = dup_or_null(e->subject);
    g->s[S_HOST] = dup_or_null(e->host);
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
    const struct log_format *f = &log_format_exchange;
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

#define F13                                                                                        \
    "#Fields: "                                                                                    \
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"   \
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"         \
    "recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-"    \
    "subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-ip," \
    "original-server-ip,custom-data,transport-traffic-type,log-id,schema-version\n"
#define HDR                                                                                        \
    "\xEF\xBB\xBF#Software: Microsoft Exchange Server\n#Version: 15.02.1544.014\n#Log-type: "      \
    "Message Tracking Log\n#Date: 2025-04-01T00:00:00.000Z\n" F13
/* 30 columns:
 * dt,cip,chost,sip,shost,ctx,conn,source,event,imid,mid,nmid,rcpt,status,bytes,count,related,ref,subj,sender,rpath,info,dir,tenant,ocip,osip,custom,ttt,logid,schema
 */
#define L13(dt, cip, chost, sip, shost, src, ev, imid, mid, rcpt, status, bytes, cnt, subj,        \
            sender)                                                                                \
    "2025-04-01T" dt "Z," cip "," chost "," sip "," shost ",,," src "," ev "," imid "," mid        \
    ",," rcpt "," status "," bytes "," cnt ",,," subj "," sender "," sender                        \
    ",,Originating,,,,,Email,x,15.02\n"

struct tcase {
    const char *name;
    const char *in;
    struct want w[6];
    size_t n;
};

static const struct tcase cases[] = {
    {"receive: one event per recipient, quoted subject",
     HDR L13("08:00:00.125", "209.85.1.1", "mail-x.google.com", "10.0.0.1", "EX01", "SMTP",
             "RECEIVE", "101", "<m1@gmail.com>", "a@contoso.example;b@contoso.example", "", "1234",
             "2", "\"Lunch, \"\"today\"\"?\"", "f@gmail.com"),
     {{EV_QUEUED,
       DLV_NONE,
       0,
       {[S_RCPT] = "a@contoso.example",
        [S_SENDER] = "f@gmail.com",
        [S_CIP] = "209.85.1.1",
        [S_QID] = "101",
        [S_MID] = "m1@gmail.com",
        [S_SUBJ] = "Lunch, \"today\"?",
        [S_HOST] = "EX01"}},
      {EV_QUEUED, DLV_NONE, 0, {[S_RCPT] = "b@contoso.example", [S_SUBJ] = "Lunch, \"today\"?"}}},
     2},
    {"send with aligned statuses, deliver local",
     HDR L13("08:00:01.000", "10.0.0.1", "EX01.contoso.example", "142.250.1.1",
             "gmail-smtp-in.l.google.com", "SMTP", "SEND", "102", "<m2@x>",
             "c@gmail.com;d@gmail.com", "250 2.1.5 OK one;251 2.1.5 OK two", "900", "2", "s",
             "b@contoso.example")
         L13("08:00:02.000", "10.0.0.1", "EX01", "", "EX01", "STOREDRIVER", "DELIVER", "103",
             "<m3@x>", "e@contoso.example", "", "900", "1", "s", "x@y.example"),
     {{EV_DELIVERY,
       DLV_SENT,
       250,
       {[S_RCPT] = "c@gmail.com",
        [S_RHOST] = "gmail-smtp-in.l.google.com",
        [S_RIP] = "142.250.1.1",
        [S_DSN] = "2.1.5",
        [S_REPLY] = "250 2.1.5 OK one",
        [S_HOST] = "EX01.contoso.example"}},
      {EV_DELIVERY, DLV_SENT, 251, {[S_RCPT] = "d@gmail.com", [S_REPLY] = "251 2.1.5 OK two"}},
      {EV_DELIVERY,
       DLV_SENT,
       0,
       {[S_RCPT] = "e@contoso.example", [S_REPLY] = "~", [S_RHOST] = "EX01"}}},
     3},
    {"fail with ';' inside statuses, expired, LED form",
     HDR L13("08:00:03.000", "", "", "10.0.0.1", "EX01", "ROUTING", "FAIL", "104", "<m4@x>",
             "u@c.example;v@c.example",
             "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found;550 5.1.10 "
             "RESOLVER.ADR.RecipientNotFound; Recipient not found",
             "10", "2", "s", "z@y.example")
         L13("08:00:04.000", "", "EX01", "", "mx.old.example", "SMTP", "FAIL", "105", "<m5@x>",
             "w@old.example", "550 4.4.7 QUEUE.Expired; message expired", "10", "1", "s",
             "z@y.example")
             L13("08:00:05.000", "", "EX01", "142.250.1.2", "gmail-smtp-in.l.google.com", "SMTP",
                 "FAIL", "106", "<m6@x>", "g@gmail.com",
                 "[{LRT=};{LED=550-5.7.26 Unauthenticated email is not "
                 "accepted};{FQDN=gmail-smtp-in.l.google.com};{IP=142.250.1.2}]",
                 "10", "1", "s", "z@y.example"),
     {{EV_DELIVERY,
       DLV_BOUNCED,
       550,
       {[S_RCPT] = "u@c.example",
        [S_DSN] = "5.1.1",
        [S_REPLY] = "550 5.1.1 RESOLVER.ADR.RecipNotFound; not found",
        [S_RHOST] = "~"}},
      {EV_DELIVERY, DLV_BOUNCED, 550, {[S_RCPT] = "v@c.example", [S_DSN] = "5.1.10"}},
      {EV_DELIVERY, DLV_EXPIRED, 550, {[S_RCPT] = "w@old.example", [S_DSN] = "4.4.7"}},
      {EV_DELIVERY,
       DLV_BOUNCED,
       550,
       {[S_RCPT] = "g@gmail.com", [S_DSN] = "5.7.26", [S_RHOST] = "gmail-smtp-in.l.google.com"}}},
     4},
    {"defer with one status for two recipients, dsn, other, ignored",
     HDR L13(
         "08:00:06.000", "", "EX01", "67.1.1.1", "mta7.am0.yahoodns.net", "SMTP", "DEFER", "107",
         "<m7@x>", "h@yahoo.com;i@aol.com",
         "421 4.7.0 [TSS04] deferred - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes",
         "10", "2", "s", "z@y.example")
         L13("08:00:07.000", "", "", "", "EX01", "DSN", "DSN", "108", "<m8@x>", "z@y.example", "",
             "10", "1", "Undeliverable: s", "MicrosoftExchange1@c.example")
             L13("08:00:08.000", "", "", "", "EX01", "ROUTING", "EXPAND", "109", "<m9@x>",
                 "j@c.example;k@c.example", "", "10", "2", "s", "z@y.example")
                 L13("08:00:09.000", "", "", "", "EX01", "AGENT", "AGENTINFO", "110", "<m10@x>",
                     "j@c.example", "", "10", "1", "s", "z@y.example")
                     L13("08:00:10.000", "", "", "", "EX01", "SMTP", "HAREDIRECT", "111", "<m11@x>",
                         "j@c.example", "", "10", "1", "s", "z@y.example")
                         L13("08:00:11.000", "", "", "", "EX01", "X", "SOMETHINGNEW", "112",
                             "<m12@x>", "j@c.example", "", "10", "1", "s", "z@y.example"),
     {{EV_DELIVERY, DLV_DEFERRED, 421, {[S_RCPT] = "h@yahoo.com", [S_DSN] = "4.7.0"}},
      {EV_DELIVERY, DLV_DEFERRED, 421, {[S_RCPT] = "i@aol.com", [S_DSN] = "4.7.0"}},
      {EV_DSN, DLV_NONE, 0, {[S_RCPT] = "z@y.example", [S_QID] = "108"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "109", [S_RCPT] = "~"}},
      {EV_OTHER, DLV_NONE, 0, {[S_QID] = "112", [S_TEXT] = "SOMETHINGNEW"}}},
     5},
    {"2007 column set without #Fields",
     "2025-04-01T08:00:00.000Z,1.2.3.4,h,10.0.0.1,HUB,,c,SMTP,RECEIVE,5,<m@x>,a@b.example,,100,1,,,"
     "s,f@x.example,f@x.example,\n",
     {{EV_QUEUED, DLV_NONE, 0, {[S_RCPT] = "a@b.example", [S_QID] = "5", [S_MID] = "m@x"}}},
     1},
    {"#Fields changes mid-file",
     "#Fields: date-time,event-id,recipient-address,recipient-status\n"
     "2025-04-01T08:00:00Z,FAIL,a@b.example,550 5.1.1 no\n"
     "#Fields: event-id,date-time,recipient-address\n"
     "SEND,2025-04-01T08:00:01.5Z,c@d.example\n",
     {{EV_DELIVERY, DLV_BOUNCED, 550, {[S_RCPT] = "a@b.example"}},
      {EV_DELIVERY, DLV_SENT, 0, {[S_RCPT] = "c@d.example"}}},
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

static void test_time(void **state)
{
    (void)state;
    struct cap *c = run_s("#Fields: date-time,event-id,recipient-address\n"
                          "2025-04-01T10:00:00.250Z,SEND,a@b.example\n"
                          "2025-04-01T10:00:00Z,SEND,a@b.example\n");
    assert_int_equal(c->n, 2);
    assert_int_equal(c->ev[0].time, 1743501600);
    assert_int_equal(c->ev[0].time_ms, 250);
    assert_int_equal(c->ev[1].time_ms, 0);
    cap_free(c);
}

static void test_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *line;
        enum line_rc rc;
    } t[] = {
        {"2025-04-01T08:00:00Z,SEND,\"open quote", LINE_BAD},
        {"2025-04-01T08:00:00Z,SEND,\"a\"b", LINE_BAD},
        {"2025-04-01T08:00:00Z,SEND,a\"b", LINE_BAD},
        {"2025-04-01T08:00:00Z,SEND", LINE_BAD},
        {"2025-04-01T08:00:00Z,SEND,a,b", LINE_BAD},
        {"2025-04-01 08:00,SEND,a", LINE_BAD},
        {"2025-04-01T08:00:00Q,SEND,a", LINE_BAD},
        {"2025-04-01T08:00:00Z,,a", LINE_BAD},
        {"#Software: Microsoft Exchange Server", LINE_IGNORED},
        {"", LINE_IGNORED},
        {"2025-04-01T08:00:00Z,\"SEND\",\"a@b.example\"", LINE_EVENT},
    };
    const struct log_format *f = &log_format_exchange;
    void *st = f->open(NULL);
    arena *a = arena_new();
    struct cap *c = calloc(1, sizeof *c);
    static const char fields[] = "#Fields: date-time,event-id,recipient-address";
    assert_int_equal(f->line(st, a, fields, sizeof fields - 1, cap_emit, c), LINE_IGNORED);
    for (size_t i = 0; i < N(t); i++) {
        enum line_rc rc = f->line(st, a, t[i].line, strlen(t[i].line), cap_emit, c);
        if (rc != t[i].rc) {
            print_error("line %zu: rc %d want %d\n", i, rc, t[i].rc);
            fail();
        }
        arena_reset(a);
    }
    static const char nul[] = "2025-04-01T08:00:00Z,SEND,a\0b";
    assert_int_equal(f->line(st, a, nul, sizeof nul - 1, cap_emit, c), LINE_BAD);
    f->close(st);
    arena_free(a);
    cap_free(c);
}

static void test_long_lines(void **state)
{
    (void)state;
    size_t n = LOG_MAX_LINE;
    char *buf = malloc(n + 64);
    int k = snprintf(buf, n, "2025-04-01T08:00:00Z,SEND,");
    size_t i = (size_t)k;
    while (i + 16 < n) {
        memcpy(buf + i, "r@example.com;", 14);
        i += 14;
    }
    memcpy(buf + i, "z@e.c", 5);
    i += 5;
    const struct log_format *f = &log_format_exchange;
    void *st = f->open(NULL);
    arena *a = arena_new();
    struct cap *c = calloc(1, sizeof *c);
    static const char fields[] = "#Fields: date-time,event-id,recipient-address";
    f->line(st, a, fields, sizeof fields - 1, cap_emit, c);
    assert_int_equal(f->line(st, a, buf, i, cap_emit, c), LINE_EVENT);
    assert_true(c->total > 1000 && c->total <= 5000);
    /* 64 KiB of commas: too many columns */
    memset(buf, ',', n);
    assert_int_equal(f->line(st, a, buf, n, cap_emit, c), LINE_BAD);
    /* 64 KiB inside one quoted field */
    buf[0] = '"';
    memset(buf + 1, 'q', n - 2);
    buf[n - 1] = '"';
    assert_int_equal(f->line(st, a, buf, n, cap_emit, c), LINE_BAD);
    f->close(st);
    arena_free(a);
    cap_free(c);
    free(buf);
}

static void test_fixtures(void **state)
{
    (void)state;
    size_t len = 0;
    char *b = slurp("tests/fixtures/logs/exchange/MSGTRK2025040101-1.LOG", &len);
    assert_non_null(b);
    assert_int_equal(log_format_exchange.sniff(b, len < 4096 ? len : 4096), 100);
    struct cap *c = run(b, len, 0);
    assert_int_equal(c->rc[LINE_BAD] + c->rc[LINE_FOREIGN], 0);
    assert_int_equal(c->rc[LINE_EVENT], 27);
    assert_int_equal(c->rc[LINE_IGNORED], 12); /* 5 headers + 7 bookkeeping events */
    assert_int_equal(c->total, 39);
    assert_int_equal(c->kinds[EV_QUEUED], 13);
    assert_int_equal(c->kinds[EV_DELIVERY], 17);
    assert_int_equal(c->kinds[EV_DSN], 2);
    assert_int_equal(c->kinds[EV_OTHER], 7);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "contoso.example"), 7);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "gmail.com"), 2);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "outlook.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "outlook.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "yahoo.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_DEFERRED, "aol.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "contoso.example"), 2);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "gmail.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_EXPIRED, "old-partner.example"), 1);
    size_t local = 0;
    for (size_t i = 0; i < c->n; i++)
        local += c->ev[i].local;
    assert_int_equal(local, 7);
    cap_free(c);
    free(b);

    b = slurp("tests/fixtures/logs/exchange/MSGTRK20250401-1.LOG", &len);
    assert_non_null(b);
    assert_int_equal(log_format_exchange.sniff(b, len), 100);
    c = run(b, len, 0);
    assert_int_equal(c->rc[LINE_BAD], 0);
    assert_int_equal(c->total, 8);
    assert_int_equal(c->kinds[EV_QUEUED], 3);
    assert_int_equal(c->kinds[EV_DELIVERY], 4);
    assert_int_equal(c->kinds[EV_DSN], 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "fabrikam.example"), 2);
    assert_int_equal(count(c, EV_DELIVERY, DLV_SENT, "gmail.com"), 1);
    assert_int_equal(count(c, EV_DELIVERY, DLV_BOUNCED, "example.net"), 1);
    cap_free(c);
    free(b);
}

static void test_sniff(void **state)
{
    (void)state;
    const struct log_format *f = &log_format_exchange;
    static const char proto[] =
        "\xEF\xBB\xBF#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n"
        "#Log-type: SMTP Receive Protocol Log\r\n#Date: 2025-04-01T00:00:00.000Z\r\n";
    assert_true(f->sniff(proto, sizeof proto - 1) < 50);
    static const char fields_only[] = F13;
    assert_int_equal(f->sniff(fields_only, sizeof fields_only - 1), 90);
    static const char iis[] = "#Software: Microsoft Internet Information Services 6.0\r\n";
    assert_int_equal(f->sniff(iis, sizeof iis - 1), 0);
    assert_int_equal(f->sniff("", 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),     cmocka_unit_test(test_time),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_long_lines),
        cmocka_unit_test(test_fixtures),  cmocka_unit_test(test_sniff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
