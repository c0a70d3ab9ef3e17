/* timeutil — see timeutil.h. Days-from-civil after H. Hinnant's algorithm. */
#include "util/timeutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t time_from_civil(int year, int month, int day, int hour, int min, int sec)
{
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + hour * 3600 + min * 60 + sec;
}

void time_format_iso(int64_t t, char out[32])
{
    /* clamp to years 0..9999 so the text always fits */
    if (t < -62167219200LL) t = -62167219200LL;
    if (t > 253402300799LL) t = 253402300799LL;
    int64_t days = t / 86400, rem = t % 86400;
    if (rem < 0) {
        rem += 86400;
        days--;
    }
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    if (m <= 2) y++;
    /* hand-written digits: this runs for every stored log line */
    int v[6] = {(int)y, (int)m, (int)d, (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60)};
    char *o = out;
    *o++ = (char)('0' + v[0] / 1000);
    *o++ = (char)('0' + v[0] / 100 % 10);
    *o++ = (char)('0' + v[0] / 10 % 10);
    *o++ = (char)('0' + v[0] % 10);
    static const char seps[5] = {'-', '-', 'T', ':', ':'};
    for (int k = 1; k < 6; k++) {
        *o++ = seps[k - 1];
        *o++ = (char)('0' + v[k] / 10);
        *o++ = (char)('0' + v[k] % 10);
    }
    *o++ = 'Z';
    *o = '\0';
}

int time_days_in_month(int year, int month)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12) return 0;
    if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
    return dm[month - 1];
}

int64_t time_now(void)
{
    return (int64_t)time(NULL);
}

double time_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

int time_parse_iso(const char *s, int64_t *t)
{
    if (s[0] == '@') {
        char *end;
        errno = 0;
        long long v = strtoll(s + 1, &end, 10);
        if (end == s + 1 || *end || errno) return -1;
        *t = (int64_t)v;
        return 0;
    }
    int y, mo, d, h = 0, mi = 0, se = 0;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return -1;
    const char *p = s + 10;
    if (*p == 'T' || *p == ' ') {
        if (!digits(p + 1, 2, &h) || p[3] != ':' || !digits(p + 4, 2, &mi)) return -1;
        p += 6;
        if (*p == ':') {
            if (!digits(p + 1, 2, &se)) return -1;
            p += 3;
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo) || h > 23 || mi > 59 || se > 60)
        return -1;
    int off = 0;
    if (*p == 'Z' && !p[1]) {
        p++;
    } else if (strcmp(p, "UTC") == 0) {
        p += 3;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        int sign = *p == '-' ? -1 : 1;
        if (!digits(p + 1, 2, &oh)) return -1;
        const char *q = p + 3;
        if (*q == ':') q++;
        if (!digits(q, 2, &om) || q[2] || oh > 23 || om > 59) return -1;
        off = sign * (oh * 60 + om);
        p = q + 2;
    }
    if (*p) return -1;
    *t = time_from_civil(y, mo, d, h, mi, se) - (int64_t)off * 60;
    return 0;
}
