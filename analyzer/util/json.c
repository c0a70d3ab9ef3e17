/* json — see json.h. */
#include "util/json.h"
#include "util/str.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json *j, struct buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth]) buf_putc(j->out, ',');
    j->need_comma[j->depth] = true;
}

static void open(struct json *j, char c)
{
    sep(j);
    buf_putc(j->out, c);
    if (j->depth < JSON_MAX_DEPTH - 1) j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
    buf_putc(j->out, c);
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

void json_escape(struct buf *b, const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        /* a run of printable ASCII that needs no escape goes in one append */
        size_t run = i;
        while (run < len && !ESC_STOP[u[run]])
            run++;
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
static bool put_plain(struct buf *b, const char *p, size_t len, const char *tail, size_t tail_len)
{
    if (b->limit) return false;
    const unsigned char *u = (const unsigned char *)p;
    for (size_t i = 0; i < len; i++)
        if (ESC_STOP[u[i]]) return false;
    char *w = buf_reserve(b, len + 1 + tail_len);
    w[0] = '"';
    if (len) memcpy(w + 1, p, len);
    memcpy(w + 1 + len, tail, tail_len);
    b->len += len + 1 + tail_len;
    return true;
}

void json_key_n(struct json *j, const char *key, size_t len)
{
    sep(j);
    if (!put_plain(j->out, key, len, "\":", 2)) {
        buf_putc(j->out, '"');
        json_escape(j->out, key, len);
        buf_append(j->out, "\":", 2);
    }
    j->after_key = true;
}

void json_str(struct json *j, const char *p, size_t len)
{
    sep(j);
    if (put_plain(j->out, p, len, "\"", 1)) return;
    buf_putc(j->out, '"');
    json_escape(j->out, p, len);
    buf_putc(j->out, '"');
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
    buf_append(b, t + i, sizeof t - i);
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
        buf_puts(j->out, "null");
    else if (v == 0 && !signbit(v))
        buf_putc(j->out, '0');
    else if ((n = fmt_g6(v, t)) > 0)
        buf_append(j->out, t, n);
    else
        buf_printf(j->out, "%.6g", v);
}

void json_bool(struct json *j, bool v)
{
    sep(j);
    buf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
    sep(j);
    buf_puts(j->out, "null");
}

void json_raw(struct json *j, const char *p, size_t len)
{
    sep(j);
    buf_append(j->out, p, len);
}
