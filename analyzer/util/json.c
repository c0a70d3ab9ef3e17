/* json — see json.h. */
#include "util/json.h"
#include "util/str.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Copy n bytes: up to 16 with two overlapping word moves instead of a call
 * to memcpy (nearly every key and value is that short). */
static inline void copy_short(char *d, const char *p, size_t n)
{
    if (n >= 8 && n <= 16) {
        uint64_t a, z;
        memcpy(&a, p, 8);
        memcpy(&z, p + n - 8, 8);
        memcpy(d, &a, 8);
        memcpy(d + n - 8, &z, 8);
    } else if (n >= 4 && n < 8) {
        uint32_t a, z;
        memcpy(&a, p, 4);
        memcpy(&z, p + n - 4, 4);
        memcpy(d, &a, 4);
        memcpy(d + n - 4, &z, 4);
    } else if (n < 4) {
        if (n) { /* bytes 0, n/2 and n-1 are all of them */
            d[0] = p[0];
            d[n / 2] = p[n / 2];
            d[n - 1] = p[n - 1];
        }
    } else {
        memcpy(d, p, n);
    }
}

/* Append n bytes: the room checked here, so that the few bytes of a
 * separator, bracket or literal cost no call into buf (a buffer with a
 * ceiling goes through buf_append, whose checks then apply). */
static inline void put(struct buf *b, const void *p, size_t n)
{
    if (b->limit || b->cap < b->len + n + 1) {
        buf_append(b, p, n);
        return;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static inline void put1(struct buf *b, char c)
{
    if (b->limit || b->cap < b->len + 2) {
        buf_append(b, &c, 1);
        return;
    }
    b->p[b->len++] = c;
}

void json_init(struct json *j, struct buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static inline void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth]) put1(j->out, ',');
    j->need_comma[j->depth] = true;
}

static void open(struct json *j, char c)
{
    sep(j);
    put1(j->out, c);
    if (j->depth < JSON_MAX_DEPTH - 1) j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
    put1(j->out, c);
    if (j->depth > 0) j->depth--;
}

void json_obj_begin(struct json *j)
{
    open(j, '{');
}
void json_obj_end(struct json *j)
{
    close_(j, '}');
}
void json_arr_begin(struct json *j)
{
    open(j, '[');
}
void json_arr_end(struct json *j)
{
    close_(j, ']');
}

/* Bytes that end a run copied as is: controls, DEL, '"', '\\' and every
 * byte >= 0x80 (checked as UTF-8). One table lookup per byte instead of four
 * comparisons: `check --json` escapes every header and rule name. */
static const unsigned char ESC_STOP[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

/* Whether any of the 8 bytes in w is one ESC_STOP stops at: >= 0x80,
 * < 0x20, '"', '\\' or DEL, tested on the word at once (a byte equal to c
 * is a zero byte of w ^ c*0x01..01; "has a zero byte" and "has a byte below
 * 0x20" are exact as a whole, whatever the borrows between bytes do). The
 * byte table walked every key and value a byte at a time: `check --json`
 * writes about 172 keys and 177 strings a message on the rules bench; with
 * the word test, the copy without memcpy calls and the appends without
 * calls into buf, 14,200 fewer instructions a message (callgrind). */
static inline bool word_stops(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"'), bs = w ^ (ones * '\\'), del = w ^ (ones * 0x7f);
    uint64_t t = (w - ones * 0x20) | (q - ones) | (bs - ones) | (del - ones);
    return ((t & ~w) | w) & high;
}

/* Whether all of (u,len) needs no escape: whole words, the last one
 * overlapping the one before (a key is 4-17 bytes); no loop for strings
 * shorter than a word (a byte loop of varying length cost mispredicted
 * branches: json_key_n was 0.37% of the perf samples with it). */
static inline bool all_plain(const unsigned char *u, size_t len)
{
    uint64_t w;
    if (len < 8) {
        /* one word made of the string's bytes: two overlapping halves, or
         * for 1-3 bytes bytes 0, len/2 and len-1 over a filler of 'a' */
        if (len >= 4) {
            uint32_t a, z;
            memcpy(&a, u, 4);
            memcpy(&z, u + len - 4, 4);
            w = (uint64_t)a | (uint64_t)z << 32;
        } else if (len) {
            w = 0x6161616161000000u | (uint64_t)u[0] | (uint64_t)u[len / 2] << 8 |
                (uint64_t)u[len - 1] << 16;
        } else {
            return true;
        }
        return !word_stops(w);
    }
    for (size_t i = 0; i + 8 < len; i += 8) {
        memcpy(&w, u + i, 8);
        if (word_stops(w)) return false;
    }
    memcpy(&w, u + len - 8, 8);
    return !word_stops(w);
}

/* The length of the prefix of (u,len) that needs no escape. */
static size_t plain_prefix(const unsigned char *u, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, u + i, 8);
        if (word_stops(w)) break;
    }
    while (i < len && !ESC_STOP[u[i]])
        i++;
    return i;
}

void json_escape(struct buf *b, const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        /* a run of printable ASCII that needs no escape goes in one append */
        size_t run = i + plain_prefix(u + i, len - i);
        if (run > i) {
            buf_append(b, u + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t n = str_utf8_seqlen(u + i, len - i);
            if (n == 0) {
                buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                buf_append(b, u + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            buf_append(b, "\\\"", 2);
            break;
        case '\\':
            buf_append(b, "\\\\", 2);
            break;
        case '\n':
            buf_append(b, "\\n", 2);
            break;
        case '\r':
            buf_append(b, "\\r", 2);
            break;
        case '\t':
            buf_append(b, "\\t", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(b, "\\u%04x", c);
            else
                buf_putc(b, (char)c);
        }
        i++;
    }
}

/* A string that needs no escape (nearly every key and value `check --json`
 * writes), with its opening quote and the given tail, in one reservation
 * instead of four appends; false, nothing written, when it needs escapes
 * or the buffer has a ceiling (buf_append's checks then apply). */
static inline bool put_plain(struct buf *b, const char *p, size_t len, const char *tail,
                             size_t tail_len)
{
    if (b->limit) return false;
    if (!all_plain((const unsigned char *)p, len)) return false;
    char *w =
        b->cap >= b->len + len + tail_len + 2 ? b->p + b->len : buf_reserve(b, len + 1 + tail_len);
    w[0] = '"';
    copy_short(w + 1, p, len);
    memcpy(w + 1 + len, tail, tail_len);
    b->len += len + 1 + tail_len;
    return true;
}

void json_key_n(struct json *j, const char *key, size_t len)
{
    sep(j);
    if (!put_plain(j->out, key, len, "\":", 2)) {
        put1(j->out, '"');
        json_escape(j->out, key, len);
        put(j->out, "\":", 2);
    }
    j->after_key = true;
}

void json_str(struct json *j, const char *p, size_t len)
{
    sep(j);
    if (put_plain(j->out, p, len, "\"", 1)) return;
    put1(j->out, '"');
    json_escape(j->out, p, len);
    put1(j->out, '"');
}

void json_cstr(struct json *j, const char *s)
{
    if (!s)
        json_null(j);
    else
        json_str(j, s, strlen(s));
}

/* Decimal digits of v, without printf (one call per number in `check
 * --json` output). */
static void put_int(struct buf *b, int64_t v)
{
    char t[24];
    size_t i = sizeof t;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        t[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) t[--i] = '-';
    put(b, t + i, sizeof t - i);
}

void json_int(struct json *j, int64_t v)
{
    sep(j);
    put_int(j->out, v);
}

/* "%.6g" of v without printf for 1e-4 <= |v| < 1e6 (scores: 3.7, 0.001,
 * -17.444), else 0 and printf does it. %.6g rounds v to 6 significant
 * digits, prints them in plain notation for those magnitudes and drops
 * trailing zeros. Here v is scaled by a power of ten so that its 6 digits
 * are the integer part; the product is exact to 1.2e-10 (half an ulp below
 * 2^20), so the rounding agrees with printf's exact one except within that
 * of a halfway point: a fraction within 1e-6 of .5 goes to printf, so does
 * a result that is not 6 digits (the exponent guess was off). */
static size_t fmt_g6(double v, char out[24])
{
    static const double P10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    double a = fabs(v);
    if (!(a >= 1e-4 && a < 1e6)) return 0;
    int x = -4; /* decimal exponent guess: 10^x <= a */
    while (x < 5 && a >= (x + 1 >= 0 ? P10[x + 1] : 1.0 / P10[-(x + 1)]))
        x++;
    int d = 5 - x; /* decimals printed before trailing zeros go: 0..9 */
    double scaled = a * P10[d];
    double fl = floor(scaled);
    double frac = scaled - fl;
    if (fabs(frac - 0.5) < 1e-6) return 0;
    uint64_t r = (uint64_t)fl + (frac > 0.5 ? 1 : 0);
    if (r < 100000 || r >= 1000000) return 0;
    char digits[6];
    for (int k = 5; k >= 0; k--) {
        digits[k] = (char)('0' + r % 10);
        r /= 10;
    }
    size_t n = 0;
    if (v < 0) out[n++] = '-';
    int int_digits = 6 - d; /* may be <= 0: "0.00123" */
    if (int_digits <= 0) {
        out[n++] = '0';
    } else {
        for (int k = 0; k < int_digits; k++)
            out[n++] = digits[k];
    }
    /* the decimals: leading zeros for small values, then the rest of the digits */
    size_t dot = n;
    out[n++] = '.';
    for (int k = 0; k < -int_digits; k++)
        out[n++] = '0';
    for (int k = int_digits > 0 ? int_digits : 0; k < 6; k++)
        out[n++] = digits[k];
    while (n > dot + 1 && out[n - 1] == '0')
        n--;
    if (n == dot + 1) n = dot;
    return n;
}

void json_double(struct json *j, double v)
{
    sep(j);
    char t[24];
    size_t n;
    if (!isfinite(v))
        put(j->out, "null", 4);
    else if (v == 0 && !signbit(v))
        put1(j->out, '0');
    else if ((n = fmt_g6(v, t)) > 0)
        put(j->out, t, n);
    else
        buf_printf(j->out, "%.6g", v);
}

void json_bool(struct json *j, bool v)
{
    sep(j);
    if (v)
        put(j->out, "true", 4);
    else
        put(j->out, "false", 5);
}

void json_null(struct json *j)
{
    sep(j);
    put(j->out, "null", 4);
}

void json_raw(struct json *j, const char *p, size_t len)
{
    sep(j);
    put(j->out, p, len);
}
