/* syslog — parse the syslog line prefix (see syslog.h).
 *
 * Hot path: called once per log line; hand-written digit parsing, memchr for
 * the host, one byte loop for the tag; no sscanf/strptime/mktime.
 *
 * Year of classic lines ("Apr  1 10:00:00", no year): the first classic line
 * takes the year of the file's mtime (seen in --log-tz local time, so a file
 * closed at 00:30 local on 1 January is not put in the year before), minus one
 * when its month is after the mtime's month (the file began last year). Then:
 *   - the month going back by 6 or more (Dec -> Jan, or Nov -> Feb across a
 *     silent gap) starts the next year;
 *   - a December line right after January lines is a straggler from the year
 *     before (syslog lines are not strictly ordered); it does not move the state;
 *   - an RFC 3339 line sets the state to its own year and month (mixed files).
 * Zone: classic lines are read in --log-tz; RFC 3339 / short-iso lines carry
 * their offset ("Z", "+02:00", "+0200"); one without an offset uses --log-tz.
 * Accepted too: a "<PRI>" prefix, fractional seconds on classic stamps, a
 * space instead of 'T'. Limits: years 1970..9999; day checked against the
 * month (Feb 29 accepted in any year). Does NOT parse RFC 5424 structured
 * syslog ("<34>1 2025-... host app procid msgid [sd] msg"): its fields are
 * read as host and tag and usually come out as SYSLOG_NOTAG. */
#include "logs/syslog.h"

#include <string.h>

#include "util/timeutil.h"

static inline int dig(char c)
{
    return (unsigned char)c - '0' <= 9 ? (unsigned char)c - '0' : -1;
}

static inline int dig2(const char *p)
{
    int a = dig(p[0]), b = dig(p[1]);
    return (a < 0 || b < 0) ? -1 : a * 10 + b;
}

/* "Jan".."Dec" (any case) -> 1..12, else 0. */
static int month_from_name(const char *p)
{
    unsigned a = (unsigned char)p[0] | 0x20, b = (unsigned char)p[1] | 0x20,
             c = (unsigned char)p[2] | 0x20;
    switch (a) {
    case 'j':
        if (b == 'a' && c == 'n') return 1;
        if (b == 'u' && c == 'n') return 6;
        if (b == 'u' && c == 'l') return 7;
        return 0;
    case 'f':
        return b == 'e' && c == 'b' ? 2 : 0;
    case 'm':
        if (b == 'a' && c == 'r') return 3;
        if (b == 'a' && c == 'y') return 5;
        return 0;
    case 'a':
        if (b == 'p' && c == 'r') return 4;
        if (b == 'u' && c == 'g') return 8;
        return 0;
    case 's':
        return b == 'e' && c == 'p' ? 9 : 0;
    case 'o':
        return b == 'c' && c == 't' ? 10 : 0;
    case 'n':
        return b == 'o' && c == 'v' ? 11 : 0;
    case 'd':
        return b == 'e' && c == 'c' ? 12 : 0;
    default:
        return 0;
    }
}

static bool day_ok(int month, int day)
{
    static const unsigned char mdays[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return day >= 1 && day <= mdays[month];
}

void syslog_state_init(struct syslog_state *st, const struct log_opts *opts)
{
    memset(st, 0, sizeof *st);
    st->tz_offset_min = opts ? opts->tz_offset_min : 0;
    int64_t ref = opts && opts->file_mtime > 0 ? opts->file_mtime : time_now();
    char iso[32];
    time_format_iso(ref + (int64_t)st->tz_offset_min * 60, iso);
    st->ref_year = dig2(iso) * 100 + dig2(iso + 2);
    st->ref_month = dig2(iso + 5);
    st->year = st->ref_year;
}

/* Midnight UTC of a civil date, cached: a log file stays on one day for
 * many lines. */
static int64_t day_start(struct syslog_state *st, int year, int month, int day)
{
    int key = (year * 16 + month) * 32 + day;
    if (key != st->day_key) {
        st->day_key = key;
        st->day_epoch = time_from_civil(year, month, day, 0, 0, 0);
    }
    return st->day_epoch;
}

static int classic_year(struct syslog_state *st, int month)
{
    if (st->last_month == 0) {
        st->year = st->ref_year - (month > st->ref_month);
        st->last_month = month;
    } else if (st->last_month - month >= 6) {
        st->year++;
        st->last_month = month;
    } else if (st->last_month == 1 && month == 12) {
        return st->year - 1;
    } else {
        st->last_month = month;
    }
    return st->year;
}

/* Fractional seconds at p[*i] == '.': milliseconds from the first 3 digits. */
static int parse_frac(const char *p, size_t len, size_t *i)
{
    size_t k = *i + 1;
    int ms = 0, n = 0, d;
    while (k < len && (d = dig(p[k])) >= 0) {
        if (n < 3) ms = ms * 10 + d;
        n++;
        k++;
    }
    if (n == 0) return -1;
    for (; n < 3; n++)
        ms *= 10;
    *i = k;
    return ms;
}

/* "Mmm dd hh:mm:ss[.fff]" at p[*i]. */
static bool parse_classic(struct syslog_state *st, const char *p, size_t len, size_t *i,
                          struct syslog_line *out)
{
    size_t k = *i;
    if (len - k < 15) return false;
    int month = month_from_name(p + k);
    if (month == 0 || p[k + 3] != ' ') return false;
    k += 4;
    if (p[k] == ' ') k++;
    int day = dig(p[k]);
    if (day < 0) return false;
    k++;
    if (dig(p[k]) >= 0) day = day * 10 + dig(p[k++]);
    if (p[k] != ' ' || len - k < 9) return false;
    k++;
    int hh = dig2(p + k), mm = dig2(p + k + 3), ss = dig2(p + k + 6);
    if (hh < 0 || mm < 0 || ss < 0 || p[k + 2] != ':' || p[k + 5] != ':') return false;
    if (hh > 23 || mm > 59 || ss > 60 || !day_ok(month, day)) return false;
    k += 8;
    int ms = 0;
    if (k < len && p[k] == '.' && (ms = parse_frac(p, len, &k)) < 0) return false;
    int year = classic_year(st, month);
    out->time = day_start(st, year, month, day) + hh * 3600 + mm * 60 + ss -
                (int64_t)st->tz_offset_min * 60;
    out->time_ms = ms;
    *i = k;
    return true;
}

/* "YYYY-MM-DDThh:mm:ss[.f+][Z|+hh:mm|+hhmm]" at p[*i]. */
static bool parse_iso(struct syslog_state *st, const char *p, size_t len, size_t *i,
                      struct syslog_line *out)
{
    size_t k = *i;
    if (len - k < 19) return false;
    const char *s = p + k;
    int y1 = dig2(s), y2 = dig2(s + 2), mo = dig2(s + 5), d = dig2(s + 8), hh = dig2(s + 11),
        mm = dig2(s + 14), ss = dig2(s + 17);
    if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || hh < 0 || mm < 0 || ss < 0) return false;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return false;
    int year = y1 * 100 + y2;
    if (year < 1970 || mo < 1 || mo > 12 || !day_ok(mo, d) || hh > 23 || mm > 59 || ss > 60)
        return false;
    k += 19;
    int ms = 0;
    if (k < len && p[k] == '.' && (ms = parse_frac(p, len, &k)) < 0) return false;
    int off_min = st->tz_offset_min;
    if (k < len && (p[k] == 'Z' || p[k] == 'z')) {
        off_min = 0;
        k++;
    } else if (k < len && (p[k] == '+' || p[k] == '-')) {
        if (len - k < 5) return false;
        int oh = dig2(p + k + 1);
        size_t mpos = k + 3;
        if (p[mpos] == ':') mpos++;
        if (mpos + 2 > len) return false;
        int om = dig2(p + mpos);
        if (oh < 0 || om < 0 || oh > 23 || om > 59) return false;
        off_min = (oh * 60 + om) * (p[k] == '-' ? -1 : 1);
        k = mpos + 2;
    }
    out->time = day_start(st, year, mo, d) + hh * 3600 + mm * 60 + ss - (int64_t)off_min * 60;
    out->time_ms = ms;
    st->year = year;
    st->last_month = mo;
    *i = k;
    return true;
}

enum syslog_rc syslog_parse(struct syslog_state *st, const char *p, size_t len,
                            struct syslog_line *out)
{
    size_t i = 0;
    while (i < len && p[i] == '\0')
        i++;
    if (i < len && p[i] == '<') { /* "<PRI>" from a network capture */
        size_t k = i + 1;
        while (k < len && k - i <= 4 && dig(p[k]) >= 0)
            k++;
        if (k < len && p[k] == '>' && k > i + 1) i = k + 1;
    }
    if (i >= len) return SYSLOG_BAD;
    size_t ts = i;
    bool ok = dig(p[i]) >= 0 ? parse_iso(st, p, len, &i, out) : parse_classic(st, p, len, &i, out);
    if (!ok || i >= len || p[i] != ' ') return SYSLOG_BAD;
    out->time_text = (struct slice){p + ts, i - ts};
    while (i < len && p[i] == ' ')
        i++;
    /* host */
    const char *h = p + i;
    const char *sp = memchr(h, ' ', len - i);
    if (!sp || sp == h) return SYSLOG_BAD;
    out->host = (struct slice){h, (size_t)(sp - h)};
    i = (size_t)(sp - p) + 1;
    out->program = (struct slice){p + i, 0};
    out->pid_text = (struct slice){p + i, 0};
    out->pid = -1;
    out->msg = (struct slice){p + i, len - i};
    /* tag: up to '[' or ':' */
    size_t t = i, lim = len - i < SYSLOG_MAX_TAG ? len : i + SYSLOG_MAX_TAG;
    while (t < lim) {
        char c = p[t];
        if (c == '[' || c == ':' || c == ' ' || c == '\0') break;
        t++;
    }
    if (t >= lim || t == i || p[t] == ' ' || p[t] == '\0') return SYSLOG_NOTAG;
    size_t tag_end = t;
    if (p[t] == '[') {
        size_t d = t + 1;
        long pid = 0;
        int dv;
        while (d < len && d - t <= 9 && (dv = dig(p[d])) >= 0) {
            pid = pid * 10 + dv;
            d++;
        }
        if (d == t + 1 || d >= len || p[d] != ']' || d + 1 >= len || p[d + 1] != ':')
            return SYSLOG_NOTAG;
        out->pid = pid;
        out->pid_text = (struct slice){p + t + 1, d - t - 1};
        t = d + 1;
    }
    /* p[t] == ':' */
    t++;
    if (t < len && p[t] == ' ') t++;
    out->program = (struct slice){p + i, tag_end - i};
    out->msg = (struct slice){p + t, len - t};
    return SYSLOG_OK;
}

bool syslog_is_filler(const char *p, size_t len)
{
    while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
        len--;
    return len == 0 || (len >= 3 && p[0] == '-' && p[1] == '-' && p[2] == ' ');
}

void syslog_fill_event(const struct syslog_line *ln, arena *a, struct log_event *ev)
{
    ev->time = ln->time;
    ev->time_ms = ln->time_ms;
    ev->time_valid = true;
    ev->time_text = arena_strndup(a, ln->time_text.p, ln->time_text.len);
    ev->host = arena_strndup(a, ln->host.p, ln->host.len);
    ev->component = arena_strndup(a, ln->program.p, ln->program.len);
    ev->pid = ln->pid;
}

int syslog_sniff(const char *head, size_t len, bool (*is_ours)(const struct syslog_line *ln))
{
    struct syslog_state st = {.ref_year = 2000, .ref_month = 12, .year = 2000};
    size_t pos = 0;
    int n_lines = 0, n_sys = 0, n_ours = 0;
    while (pos < len && n_lines < SYSLOG_SNIFF_LINES) {
        const char *nl = memchr(head + pos, '\n', len - pos);
        if (!nl) break; /* a cut last line says nothing sure */
        size_t ll = (size_t)(nl - (head + pos));
        const char *lp = head + pos;
        pos += ll + 1;
        if (ll > 0 && lp[ll - 1] == '\r') ll--;
        if (syslog_is_filler(lp, ll)) continue;
        n_lines++;
        struct syslog_line ln;
        enum syslog_rc rc = syslog_parse(&st, lp, ll, &ln);
        if (rc == SYSLOG_BAD) continue;
        n_sys++;
        if (rc == SYSLOG_OK && is_ours(&ln)) n_ours++;
    }
    if (n_ours == 0) return 0;
    return 60 + 39 * n_ours / n_sys;
}

