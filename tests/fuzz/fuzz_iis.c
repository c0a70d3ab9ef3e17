/* fuzz_iis — the iis log format: sniff on the head, then the input split
 * into lines (CR removed, like logread) fed through open/line/close with one
 * arena reset per line. The emit callback strlen()s every string of every
 * event (a string not NUL-terminated inside the arena shows up under ASan)
 * and checks the enums. The first byte picks --log-tz, so zone arithmetic
 * runs too. Checks: line() returns a known line_rc. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(void *ctx, const struct log_event *e)
{
    size_t *sum = ctx;
    const char *s[] = {e->time_text,  e->host,           e->component,  e->queue_id,  e->session_id,
                       e->client_ip,  e->client_name,    e->helo,       e->sasl_user, e->sender,
                       e->recipient,  e->orig_recipient, e->relay_host, e->relay_ip,  e->dsn,
                       e->reply_text, e->message_id,     e->subject,    e->text};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]) *sum += strlen(s[i]);
    if ((unsigned)e->kind >= EV__COUNT || (unsigned)e->status > DLV_REJECTED) abort();
    if (e->time_ms < 0 || e->time_ms > 999) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct log_format *f = &log_format_iis;
    const char *p = (const char *)data;
    (void)f->sniff(p, size < 4096 ? size : 4096);
    struct log_opts opts = {size ? (int)(data[0] % 49) * 30 - 720 : 0, 0};
    void *st = f->open(&opts);
    arena *a = arena_new();
    size_t sum = 0, i = 0;
    while (i < size) {
        const char *nl = memchr(p + i, '\n', size - i);
        size_t e = nl ? (size_t)(nl - p) : size;
        size_t len = e - i;
        if (len > LOG_MAX_LINE) len = LOG_MAX_LINE;
        if (len && p[i + len - 1] == '\r') len--;
        enum line_rc rc = f->line(st, a, p + i, len, check_event, &sum);
        if ((unsigned)rc > LINE_BAD) abort();
        arena_reset(a);
        i = e + 1;
    }
    f->close(st);
    arena_free(a);
    (void)sum;
    return 0;
}
