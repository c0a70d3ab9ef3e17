/* fuzz_postfix — the Postfix syslog parser (and the shared syslog prefix
 * parser under it): the input is split into lines, each fed to one parser
 * state, and sniff runs on the whole input. The first byte picks --log-tz
 * and the file mtime (so the year inference and rollover paths run). The
 * emit callback touches every string of every event (strlen), so ASan sees
 * any pointer outside the arena or past a terminator, and checks the
 * invariants: kind and status in range, a delivery has a status, a reject
 * is DLV_REJECTED. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const char *s, size_t *sum)
{
    if (s) *sum += strlen(s);
}

static void emit(void *ctx, const struct log_event *ev)
{
    size_t *sum = ctx;
    const char *strs[] = {ev->time_text,  ev->host,      ev->component,   ev->queue_id,
                          ev->session_id, ev->client_ip, ev->client_name, ev->helo,
                          ev->sasl_user,  ev->sender,    ev->recipient,   ev->orig_recipient,
                          ev->relay_host, ev->relay_ip,  ev->dsn,         ev->reply_text,
                          ev->message_id, ev->subject,   ev->text};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        touch(strs[i], sum);
    if ((unsigned)ev->kind >= EV__COUNT || (unsigned)ev->status > DLV_REJECTED) abort();
    if (ev->kind == EV_DELIVERY && ev->status == DLV_NONE) abort();
    if (ev->kind == EV_REJECT && ev->status != DLV_REJECTED) abort();
    if (!ev->time_valid || !ev->host || !ev->component) abort();
    if (ev->relay_port < 0 || ev->relay_port > 65535) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    (void)log_format_postfix.sniff(p, size);
    unsigned char sel = size ? data[0] : 0;
    struct log_opts o = {.tz_offset_min = (sel & 3) == 0   ? 0
                                          : (sel & 3) == 1 ? 120
                                                           : -300,
                         .file_mtime = (sel & 4) ? 1768435200 /* 2026-01-15 */
                                                 : 1743552000 /* 2025-04-02 */};
    void *st = log_format_postfix.open(&o);
    arena *a = arena_new();
    size_t sum = 0, pos = 0;
    while (pos < size) {
        const char *nl = memchr(p + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (p + pos)) : size - pos;
        if (len > LOG_MAX_LINE) len = LOG_MAX_LINE;
        /* an exact-size copy per line so ASan sees a read past its end */
        char *line = malloc(len ? len : 1);
        if (!line) abort();
        memcpy(line, p + pos, len);
        enum line_rc rc = log_format_postfix.line(st, a, line, len, emit, &sum);
        if ((unsigned)rc > LINE_BAD) abort();
        free(line);
        arena_reset(a);
        if (!nl) break;
        pos = (size_t)(nl - p) + 1;
    }
    arena_free(a);
    log_format_postfix.close(st);
    return sum == (size_t)-1;
}
