/* render_common — what the renderers share: a value's display text
 * (render_value, see render.h). ASCII only, locale-independent (the program
 * never calls setlocale), so the text report, the HTML report and the tests
 * agree byte for byte.
 *   RK_INT   thousands separators: "1,234,567", "-12"
 *   RK_REAL  at most 2 decimals, trailing zeros dropped: "3.25", "3.5", "3",
 *            thousands separators on the integer part ("1,234.5"); beyond
 *            1e15 in magnitude "%.6g"
 *   RK_PCT   the fraction as a percentage with at most 1 decimal: "12.5%",
 *            "50%", "100%"; a non-zero value that would round to 0 is
 *            "<0.1%", one that would round to 100 but is not 1 is ">99.9%"
 *   RK_TEXT, RK_TIME  verbatim (the caller escapes for its format)
 *   RK_NULL, NaN  "-"
 * The text is cut to fit `len` (never overflows); returns buf. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/render.h"

/* Copy src into buf (len > 0), cut when needed. */
static const char *put(char *buf, size_t len, const char *src)
{
    size_t n = strlen(src);
    if (n >= len) n = len - 1;
    memcpy(buf, src, n);
    buf[n] = '\0';
    return buf;
}

/* Insert a comma every three digits into the run of digits `digits`
 * (ASCII, no sign); writes into out (cap bytes, NUL-terminated). */
static void group_digits(const char *digits, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        if (i > 0 && (n - i) % 3 == 0 && o + 2 < cap) out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

static const char *fmt_int(int64_t v, char *buf, size_t len)
{
    /* the magnitude as unsigned: INT64_MIN has no positive int64 */
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    char digits[32], grouped[40], out[48];
    int n = snprintf(digits, sizeof digits, "%" PRIu64, m);
    group_digits(digits, (size_t)n, grouped, sizeof grouped);
    snprintf(out, sizeof out, "%s%s", v < 0 ? "-" : "", grouped);
    return put(buf, len, out);
}

/* Drop trailing zeros of a decimal fraction, and the point when nothing
 * is left after it ("3.50" -> "3.5", "3.00" -> "3"). */
static void trim_zeros(char *s)
{
    char *dot = strchr(s, '.');
    if (!dot) return;
    char *end = s + strlen(s);
    while (end > dot + 1 && end[-1] == '0')
        end--;
    if (end == dot + 1) end = dot;
    *end = '\0';
}

static const char *fmt_real(double d, char *buf, size_t len)
{
    char tmp[64], out[96];
    if (isnan(d)) return put(buf, len, "-");
    if (isinf(d)) return put(buf, len, d < 0 ? "-inf" : "inf");
    if (fabs(d) >= 1e15) {
        snprintf(tmp, sizeof tmp, "%.6g", d);
        return put(buf, len, tmp);
    }
    snprintf(tmp, sizeof tmp, "%.2f", fabs(d));
    trim_zeros(tmp);
    bool neg = d < 0 && strcmp(tmp, "0") != 0; /* no "-0" */
    const char *dot = strchr(tmp, '.');
    size_t int_len = dot ? (size_t)(dot - tmp) : strlen(tmp);
    char grouped[48];
    group_digits(tmp, int_len, grouped, sizeof grouped);
    snprintf(out, sizeof out, "%s%s%s", neg ? "-" : "", grouped, dot ? dot : "");
    return put(buf, len, out);
}

static const char *fmt_pct(double d, char *buf, size_t len)
{
    char tmp[64], out[80];
    if (isnan(d)) return put(buf, len, "-");
    if (isinf(d)) return put(buf, len, d < 0 ? "-inf%" : "inf%");
    double m = fabs(d) * 100.0;
    const char *sign = d < 0 ? "-" : "";
    if (m == 0.0) return put(buf, len, "0%");
    if (m < 0.05) {
        snprintf(out, sizeof out, "%s<0.1%%", sign);
        return put(buf, len, out);
    }
    if (m >= 99.95 && m < 100.0) {
        snprintf(out, sizeof out, "%s>99.9%%", sign);
        return put(buf, len, out);
    }
    if (m >= 1e15) {
        snprintf(out, sizeof out, "%s%.6g%%", sign, m);
        return put(buf, len, out);
    }
    snprintf(tmp, sizeof tmp, "%.1f", m);
    trim_zeros(tmp);
    snprintf(out, sizeof out, "%s%s%%", sign, tmp);
    return put(buf, len, out);
}

const char *render_value(const struct rval *v, char *buf, size_t len)
{
    if (!buf || len == 0) return buf;
    switch (v->k) {
    case RK_INT:
        return fmt_int(v->i, buf, len);
    case RK_REAL:
        return fmt_real(v->d, buf, len);
    case RK_PCT:
        return fmt_pct(v->d, buf, len);
    case RK_TEXT:
    case RK_TIME:
        return put(buf, len, v->s ? v->s : "-");
    case RK_NULL:
    default:
        return put(buf, len, "-");
    }
}
