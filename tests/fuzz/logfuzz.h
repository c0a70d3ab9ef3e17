/* logfuzz — the one driver behind every MTA log fuzz harness (fuzz_postfix,
 * fuzz_sendmail, fuzz_exim, fuzz_hmail_log, fuzz_iis, fuzz_exchange): sniff
 * on the input (its score must be 0..100), then the input split into lines as
 * logs/logread.c delivers them (LF, a CR before it removed, at most
 * LOG_MAX_LINE bytes), each an exact-size heap copy so ASan sees a read past
 * its end, fed through open/line/close with one arena reset per line. Every
 * string of every event is strlen()ed (a pointer outside the arena or an
 * unterminated string shows up under ASan), kind, status and line_rc must be
 * in range, and the harness's own invariants run through `extra`.
 * Header-only: each harness includes it and stays one file for the Makefile. */
#ifndef TESTS_FUZZ_LOGFUZZ_H
#define TESTS_FUZZ_LOGFUZZ_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

struct logfuzz_ctx {
    size_t sum;
    void (*extra)(const struct log_event *ev);
};

static void logfuzz_emit(void *ctx, const struct log_event *ev)
{
    struct logfuzz_ctx *c = ctx;
    const char *s[] = {ev->time_text,  ev->host,      ev->component,   ev->queue_id,
                       ev->session_id, ev->client_ip, ev->client_name, ev->helo,
                       ev->sasl_user,  ev->sender,    ev->recipient,   ev->orig_recipient,
                       ev->relay_host, ev->relay_ip,  ev->dsn,         ev->reply_text,
                       ev->message_id, ev->subject,   ev->text};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]) c->sum += strlen(s[i]);
    if ((unsigned)ev->kind >= EV__COUNT || (unsigned)ev->status > DLV_REJECTED) abort();
    if (c->extra) c->extra(ev);
}

static int logfuzz_run(const struct log_format *f, const uint8_t *data, size_t size,
                       const struct log_opts *opts, void (*extra)(const struct log_event *ev))
{
    const char *p = (const char *)data;
    int score = f->sniff(p, size);
    if (score < 0 || score > 100) abort();
    void *st = f->open(opts);
    arena *a = arena_new();
    struct logfuzz_ctx c = {0, extra};
    size_t i = 0;
    while (i < size) {
        const char *nl = memchr(p + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - p) : size;
        size_t n = end - i;
        if (n > 0 && p[i + n - 1] == '\r') n--;
        if (n > LOG_MAX_LINE) n = LOG_MAX_LINE;
        char *line = malloc(n ? n : 1);
        if (!line) abort();
        memcpy(line, p + i, n);
        enum line_rc rc = f->line(st, a, line, n, logfuzz_emit, &c);
        if ((unsigned)rc > LINE_BAD) abort();
        free(line);
        arena_reset(a);
        i = end + 1;
    }
    arena_free(a);
    f->close(st);
    return c.sum == (size_t)-1;
}

#endif
