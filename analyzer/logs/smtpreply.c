/* smtpreply — see smtpreply.h. */
#include "logs/smtpreply.h"

static int dig(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : -1;
}

size_t smtp_dsn_len(const char *p, size_t len)
{
    if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.') return 0;
    size_t i = 2, n = 0;
    while (i < len && n < 4 && dig(p[i]) >= 0) {
        i++;
        n++;
    }
    if (n == 0 || n > 3 || i >= len || p[i] != '.') return 0;
    i++;
    n = 0;
    while (i < len && n < 4 && dig(p[i]) >= 0) {
        i++;
        n++;
    }
    if (n == 0 || n > 3) return 0;
    if (i < len && (ch_is_alnum((unsigned char)p[i]) || p[i] == '.')) return 0;
    return i;
}

void smtp_reply_parse(const char *p, size_t len, int *code, struct slice *dsn)
{
    *code = 0;
    *dsn = (struct slice){NULL, 0};
    size_t i = 0;
    if (len >= 3 && dig(p[0]) >= 2 && dig(p[0]) <= 5 && dig(p[1]) >= 0 && dig(p[2]) >= 0 &&
        (len == 3 || p[3] == ' ' || p[3] == '-' || p[3] == '+')) {
        *code = dig(p[0]) * 100 + dig(p[1]) * 10 + dig(p[2]);
        i = len == 3 ? 3 : 4;
    }
    size_t n = smtp_dsn_len(p + i, len - i);
    if (n) *dsn = (struct slice){p + i, n};
}

enum dlv_status smtp_reply_status(int code)
{
    if (code >= 200 && code < 400) return DLV_SENT;
    if (code >= 400 && code < 500) return DLV_DEFERRED;
    return DLV_BOUNCED;
}
