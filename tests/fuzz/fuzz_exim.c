/* fuzz_exim — the Exim mainlog parser on arbitrary bytes: the input is split
 * into lines (LF, a CR before it removed, as the reader does), each fed to
 * one parser state through a no-op emit that strlen()s every string field
 * (so ASan sees any unterminated or dangling string); sniff runs on the
 * whole input. The first byte picks a --log-tz offset. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(void *ctx, const struct log_event *ev)
{
    size_t *sum = ctx;
    const char *s[] = {ev->time_text,  ev->host,      ev->component,   ev->queue_id,
                       ev->session_id, ev->client_ip, ev->client_name, ev->helo,
                       ev->sasl_user,  ev->sender,    ev->recipient,   ev->orig_recipient,
                       ev->relay_host, ev->relay_ip,  ev->dsn,         ev->reply_text,
                       ev->message_id, ev->subject,   ev->text};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i]) *sum += strlen(s[i]);
    if ((unsigned)ev->kind >= EV__COUNT || (unsigned)ev->status > DLV_REJECTED) abort();
    if (ev->relay_port < 0 || ev->relay_port > 65535) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    struct log_opts o = {.tz_offset_min = size ? (int)data[0] * 7 - 840 : 0};
    size_t sum = 0;
    int score = log_format_exim.sniff(p, size);
    if (score < 0 || score > 100) abort();
    void *st = log_format_exim.open(&o);
    arena *a = arena_new();
    size_t i = 0;
    while (i < size) {
        const char *nl = memchr(p + i, '\n', size - i);
        size_t end = nl ? (size_t)(nl - p) : size;
        size_t n = end - i;
        if (n > 0 && p[i + n - 1] == '\r') n--;
        /* an exact-size copy: reads past the line end are caught */
        char *line = malloc(n ? n : 1);
        if (!line) abort();
        memcpy(line, p + i, n);
        enum line_rc rc = log_format_exim.line(st, a, line, n, touch, &sum);
        if ((unsigned)rc > LINE_BAD) abort();
        free(line);
        arena_reset(a);
        i = end + 1;
    }
    arena_free(a);
    log_format_exim.close(st);
    return sum == (size_t)-1;
}
