/* date — RFC 5322 date-time to UTC seconds (see date.h).
 *
 * The value is first cut into tokens (numbers, words, punctuation) with
 * whitespace and comments dropped, then read by one of three shapes:
 *   RFC 5322:  [Wdy[,]] D Mon Y H:M[:S] [zone]        (also "1-Jan-2024")
 *   asctime:   Wdy Mon D H:M:S Y [zone]  and  Mon D Y H:M:S [zone]
 *   ISO 8601:  YYYY-MM-DD[T| ]HH:MM[:SS[.frac]][Z|+HH:MM|+HHMM|+HH]
 * DATE_OK only for the current RFC 5322 syntax (numeric zone, 4-digit year,
 * abbreviated names; comments, extra whitespace, missing weekday or seconds
 * are all legal). DATE_OBSOLETE for everything else that could be read:
 * 2-digit years (<50 → 20xx, else 19xx) and 3-digit years (+1900) per
 * RFC 5322 §4.3, alphabetic zones (UT/GMT 0, EST -5 ... PDT -7, military
 * letters and unknown names 0 = "-0000" per §4.3, a few unambiguous common
 * ones such as CET or JST at their offset), missing zone (UTC), full month
 * or day names, a weekday that does not match the date, fractional seconds,
 * trailing text. DATE_INVALID when a field is missing or out of range (day
 * past the month's end, hour > 23, minute > 59, second > 60, zone past
 * ±23:59, year outside 1900..9999).
 * No libc time zone functions; a leap second 60 counts as the next second. */
#include "mail/date.h"
#include "mail/header.h"

#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"

#define MAX_TOKS 40

enum { K_NUM, K_WORD, K_PUNCT };

struct dtok {
    int kind;
    const char *p;
    size_t len;
    long val; /* K_NUM: the value (saturated); K_PUNCT: the character */
};

static const char *const months[12] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
static const char *const months_long[12] = {"january",   "february", "march",    "april",
                                            "may",       "june",     "july",     "august",
                                            "september", "october",  "november", "december"};
static const char *const wdays[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const char *const wdays_long[7] = {"sunday",   "monday", "tuesday", "wednesday",
                                          "thursday", "friday", "saturday"};

struct zone {
    const char *name;
    int minutes;
};

/* RFC 5322 §4.3 obs-zone, then common unambiguous abbreviations */
static const struct zone zones[] = {
    {"ut", 0},     {"gmt", 0},    {"utc", 0},    {"est", -300}, {"edt", -240}, {"cst", -360},
    {"cdt", -300}, {"mst", -420}, {"mdt", -360}, {"pst", -480}, {"pdt", -420}, {"cet", 60},
    {"cest", 120}, {"met", 60},   {"mest", 120}, {"eet", 120},  {"eest", 180}, {"wet", 0},
    {"west", 60},  {"msk", 180},  {"jst", 540},  {"kst", 540},  {"hkt", 480},  {"sgt", 480},
    {"aest", 600}, {"aedt", 660}, {"nzst", 720}, {"nzdt", 780},
};

static int tokenise(const char *p, size_t len, struct dtok *t)
{
    int n = 0;
    size_t i = 0;
    while (i < len) {
        i = hdr_skip_cfws(p, len, i);
        if (i >= len) break;
        unsigned char ch = (unsigned char)p[i];
        if (n == MAX_TOKS) return -1;
        struct dtok *k = &t[n++];
        k->p = p + i;
        if (ch_is_digit(ch)) {
            long v = 0;
            size_t j = i;
            while (j < len && ch_is_digit((unsigned char)p[j])) {
                if (v < 100000000) v = v * 10 + (p[j] - '0');
                j++;
            }
            k->kind = K_NUM;
            k->val = v;
            k->len = j - i;
            i = j;
        } else if (ch_is_alpha(ch)) {
            size_t j = i;
            while (j < len && ch_is_alpha((unsigned char)p[j]))
                j++;
            k->kind = K_WORD;
            k->len = j - i;
            i = j;
        } else {
            k->kind = K_PUNCT;
            k->val = ch;
            k->len = 1;
            i++;
        }
    }
    return n;
}

static int find_name(const struct dtok *t, const char *const *abbr, const char *const *full, int n,
                     bool *obs)
{
    if (t->kind != K_WORD) return -1;
    for (int i = 0; i < n; i++) {
        if (str_eq_ci(t->p, t->len, abbr[i])) return i;
        if (str_eq_ci(t->p, t->len, full[i]) ||
            (full == months_long && i == 8 && str_eq_ci(t->p, t->len, "sept"))) {
            *obs = true;
            return i;
        }
    }
    return -1;
}

struct reader {
    const struct dtok *t;
    int n, k;
    bool obs;
};

static bool is_punct(const struct reader *r, char ch)
{
    return r->k < r->n && r->t[r->k].kind == K_PUNCT && r->t[r->k].val == ch;
}

static bool is_num(const struct reader *r, size_t min_dig, size_t max_dig)
{
    return r->k < r->n && r->t[r->k].kind == K_NUM && r->t[r->k].len >= min_dig &&
           r->t[r->k].len <= max_dig;
}

static void skip_commas(struct reader *r)
{
    while (is_punct(r, ',')) {
        r->obs = true;
        r->k++;
    }
}

/* H:M[:S[.frac]] */
static bool read_time(struct reader *r, int *h, int *m, int *s)
{
    if (!is_num(r, 1, 2)) return false;
    if (r->t[r->k].len == 1) r->obs = true;
    *h = (int)r->t[r->k++].val;
    if (!is_punct(r, ':')) return false;
    r->k++;
    if (!is_num(r, 2, 2)) return false;
    *m = (int)r->t[r->k++].val;
    *s = 0;
    if (is_punct(r, ':')) {
        r->k++;
        if (!is_num(r, 2, 2)) return false;
        *s = (int)r->t[r->k++].val;
        if (is_punct(r, '.') && r->k + 1 < r->n && r->t[r->k + 1].kind == K_NUM) {
            r->obs = true;
            r->k += 2;
        }
    }
    return true;
}

static bool read_year(struct reader *r, int *y)
{
    if (!is_num(r, 2, 4)) return false;
    const struct dtok *t = &r->t[r->k++];
    int v = (int)t->val;
    if (t->len == 2) {
        v += v < 50 ? 2000 : 1900;
        r->obs = true;
    } else if (t->len == 3) {
        v += 1900;
        r->obs = true;
    }
    *y = v;
    return true;
}

/* [+-]HHMM, [+-]HH:MM, [+-]HH, or a name; none = UTC (obsolete). */
static bool read_zone(struct reader *r, int *tz)
{
    *tz = 0;
    if (r->k >= r->n) {
        r->obs = true;
        return true;
    }
    const struct dtok *t = &r->t[r->k];
    if (t->kind == K_WORD) {
        r->obs = true;
        r->k++;
        bool known = false;
        for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
            if (str_eq_ci(t->p, t->len, zones[i].name)) {
                *tz = zones[i].minutes;
                known = true;
                break;
            }
        }
        /* "GMT+0100", "UTC-05:00": the numbers say more than the name */
        if (known && *tz == 0 && (is_punct(r, '+') || is_punct(r, '-'))) return read_zone(r, tz);
        return true; /* military and unknown names: 0 ("-0000") */
    }
    if (t->kind != K_PUNCT || (t->val != '+' && t->val != '-')) return false;
    int sign = t->val == '-' ? -1 : 1;
    r->k++;
    int hh, mm = 0;
    if (is_num(r, 4, 4)) {
        hh = (int)r->t[r->k].val / 100;
        mm = (int)r->t[r->k].val % 100;
        r->k++;
    } else if (is_num(r, 1, 2)) {
        r->obs = true;
        hh = (int)r->t[r->k++].val;
        if (is_punct(r, ':')) {
            r->k++;
            if (!is_num(r, 2, 2)) return false;
            mm = (int)r->t[r->k++].val;
        }
    } else {
        return false;
    }
    if (hh > 23 || mm > 59) return false;
    *tz = sign * (hh * 60 + mm);
    return true;
}

static int weekday_of(int y, int m, int d)
{
    int64_t days = time_from_civil(y, m, d, 0, 0, 0) / 86400;
    int w = (int)((days + 4) % 7); /* 1970-01-01 was a Thursday */
    return w < 0 ? w + 7 : w;
}

static bool iso8601(struct reader *r, int *y, int *mo, int *d, int *h, int *mi, int *s, int *tz)
{
    r->k = 0;
    if (!is_num(r, 4, 4)) return false;
    *y = (int)r->t[r->k++].val;
    if (!is_punct(r, '-')) return false;
    r->k++;
    if (!is_num(r, 1, 2)) return false;
    *mo = (int)r->t[r->k++].val;
    if (!is_punct(r, '-')) return false;
    r->k++;
    if (!is_num(r, 1, 2)) return false;
    *d = (int)r->t[r->k++].val;
    if (r->k < r->n && r->t[r->k].kind == K_WORD && r->t[r->k].len == 1 &&
        ch_lower((unsigned char)r->t[r->k].p[0]) == 't')
        r->k++;
    if (!read_time(r, h, mi, s)) return false;
    if (r->k < r->n && r->t[r->k].kind == K_WORD && r->t[r->k].len == 1 &&
        ch_lower((unsigned char)r->t[r->k].p[0]) == 'z') {
        r->k++;
        *tz = 0;
    } else if (!read_zone(r, tz)) {
        return false;
    }
    r->obs = true;
    return true;
}

enum date_rc date_parse(const char *p, size_t len, int64_t *utc, int *tz_min)
{
    struct dtok toks[MAX_TOKS];
    int n = tokenise(p, len, toks);
    if (n <= 0) return DATE_INVALID;
    struct reader r = {.t = toks, .n = n};
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, tz = 0;
    int wday = -1;
    bool zone_read = false;

    if (!iso8601(&r, &y, &mo, &d, &h, &mi, &s, &tz)) {
        r.k = 0;
        r.obs = false;
        wday = find_name(&toks[0], wdays, wdays_long, 7, &r.obs);
        if (wday >= 0) {
            r.k++;
            if (is_punct(&r, ','))
                r.k++;
            else
                r.obs = true;
            skip_commas(&r);
        }
        if (is_num(&r, 1, 2)) { /* D Mon Y time zone */
            d = (int)toks[r.k++].val;
            bool dash = is_punct(&r, '-');
            if (dash) {
                r.obs = true;
                r.k++;
            }
            if (r.k >= n || (mo = find_name(&toks[r.k], months, months_long, 12, &r.obs)) < 0)
                return DATE_INVALID;
            mo++;
            r.k++;
            if (dash && is_punct(&r, '-')) r.k++;
            skip_commas(&r);
            if (!read_year(&r, &y)) return DATE_INVALID;
            skip_commas(&r);
            if (!read_time(&r, &h, &mi, &s)) return DATE_INVALID;
        } else { /* Mon D (time Y | Y time): asctime and friends */
            if (r.k >= n || (mo = find_name(&toks[r.k], months, months_long, 12, &r.obs)) < 0)
                return DATE_INVALID;
            mo++;
            r.k++;
            r.obs = true;
            if (!is_num(&r, 1, 2)) return DATE_INVALID;
            d = (int)toks[r.k++].val;
            skip_commas(&r);
            if (is_num(&r, 1, 2) && r.k + 1 < n && toks[r.k + 1].kind == K_PUNCT &&
                toks[r.k + 1].val == ':') {
                if (!read_time(&r, &h, &mi, &s)) return DATE_INVALID;
                /* asctime puts the zone, if any, before the year */
                if (r.k < n && toks[r.k].kind == K_WORD) {
                    if (!read_zone(&r, &tz)) return DATE_INVALID;
                    zone_read = true;
                }
                if (!read_year(&r, &y)) return DATE_INVALID;
            } else {
                if (!read_year(&r, &y)) return DATE_INVALID;
                skip_commas(&r);
                if (!read_time(&r, &h, &mi, &s)) return DATE_INVALID;
            }
        }
        if (!zone_read && !read_zone(&r, &tz)) return DATE_INVALID;
        if (r.k < n) r.obs = true; /* trailing text */
    }

    if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo) ||
        h > 23 || mi > 59 || s > 60)
        return DATE_INVALID;
    if (wday >= 0 && wday != weekday_of(y, mo, d)) r.obs = true;
    *utc = time_from_civil(y, mo, d, h, mi, s) - (int64_t)tz * 60;
    if (tz_min) *tz_min = tz;
    return r.obs ? DATE_OBSOLETE : DATE_OK;
}
