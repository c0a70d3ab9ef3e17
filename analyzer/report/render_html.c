/* render_html — the report model as one self-contained HTML5 file.
 *
 * Everything is inline: the CSS in a <style> element, the charts as inline
 * SVG; there is no script and no external resource, and a
 * Content-Security-Policy meta tag forbids both in case a string ever got
 * through. The markup is also well-formed XML (void elements self-closed,
 * every attribute quoted, only the five XML entities and numeric ones), so
 * the tests parse it with a strict XML parser as well as an HTML one.
 *
 * Layout: a header (database, period, generated time, filters), the
 * --fail-on thresholds (breached ones first and highlighted), a table of
 * contents, then every section in model order: title, the `empty` line,
 * facts as cards (with the previous value and the change under --compare),
 * items (severity badge, title, evidence, example), charts (SVG bars or
 * stacked bars with a legend, each with its numbers in a <details> table),
 * tables (numbers right-aligned, "top N shown" when truncated) and notes.
 * Print: sections start on a new page, table headers repeat, rows and cards
 * are not split; nothing depends on background colours.
 *
 * Every string from the model goes through esc(): HTML-escaped (& < > " ')
 * in text and attributes alike, invalid UTF-8, control characters and
 * noncharacters replaced by U+FFFD so the document stays valid whatever
 * bytes a message carried. Does NOT read the database. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/render.h"

#define REPLACEMENT "\xEF\xBF\xBD" /* U+FFFD */
#define NDASH "\xE2\x80\x93"       /* U+2013, shown for NULL */
#define ELLIPSIS "\xE2\x80\xA6"

/* ---- escaping ---- */

/* Length of the valid UTF-8 sequence at p, or 0 when the bytes there are not
 * one (overlong forms, surrogates and values above U+10FFFF are invalid).
 * *cp receives the code point. The string is NUL-terminated, so reading the
 * continuation bytes stops at the terminator (0 is never a continuation). */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
#define CONT(x) (((x)&0xC0) == 0x80)
    if (c >= 0xC2 && c <= 0xDF) {
        if (!CONT(p[1])) return 0;
        *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3Fu);
        return 2;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned char lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        if (p[1] < lo || p[1] > hi || !CONT(p[2])) return 0;
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3Fu);
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned char lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        if (p[1] < lo || p[1] > hi || !CONT(p[2]) || !CONT(p[3])) return 0;
        *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
              ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3Fu);
        return 4;
    }
#undef CONT
    return 0;
}

/* Characters HTML or XML do not allow in a document: C0 controls but tab,
 * LF and CR (form feed is HTML whitespace but not an XML character); DEL
 * and the C1 controls; the noncharacters. */
static int cp_forbidden(uint32_t cp)
{
    if (cp < 0x20) return cp != '\t' && cp != '\n' && cp != '\r';
    if (cp >= 0x7F && cp <= 0x9F) return 1;
    if (cp >= 0xFDD0 && cp <= 0xFDEF) return 1;
    return (cp & 0xFFFE) == 0xFFFE;
}

/* Write s escaped for text and attribute values; at most max_cp characters,
 * then an ellipsis. NULL writes nothing. */
static void esc_cut(FILE *o, const char *s, size_t max_cp)
{
    if (!s) return;
    const unsigned char *p = (const unsigned char *)s;
    size_t n = 0;
    while (*p) {
        if (n++ == max_cp) {
            fputs(ELLIPSIS, o);
            return;
        }
        uint32_t cp;
        size_t len = utf8_seq(p, &cp);
        if (len == 0) { /* one invalid byte, one replacement */
            fputs(REPLACEMENT, o);
            p++;
            continue;
        }
        switch (cp) {
        case '&':
            fputs("&amp;", o);
            break;
        case '<':
            fputs("&lt;", o);
            break;
        case '>':
            fputs("&gt;", o);
            break;
        case '"':
            fputs("&quot;", o);
            break;
        case '\'':
            fputs("&#39;", o);
            break;
        default:
            if (cp_forbidden(cp))
                fputs(REPLACEMENT, o);
            else
                fwrite(p, 1, len, o);
        }
        p += len;
    }
}

static void esc(FILE *o, const char *s)
{
    esc_cut(o, s, SIZE_MAX);
}

/* An id attribute: model ids are snake_case already; anything else becomes
 * '_' so the id stays one valid token. */
static void put_id(FILE *o, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : "x"); *p; p++) {
        unsigned char c = *p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
        fputc(ok ? c : '_', o);
    }
}

/* ---- numbers ---- */

/* A value as display text: render_value() (render_common.c), but text is
 * returned as it is (never cut to the buffer) and NULL or NaN is an en
 * dash. The caller escapes. */
static const char *fmt_value(const struct rval *v, char *buf, size_t len)
{
    switch (v->k) {
    case RK_TEXT:
    case RK_TIME:
        return v->s ? v->s : NDASH;
    case RK_NULL:
        return NDASH;
    case RK_REAL:
    case RK_PCT:
        if (isnan(v->d)) return NDASH;
        break;
    case RK_INT:
        break;
    }
    return render_value(v, buf, len);
}

static const char *fmt_real(double d, char *buf, size_t len)
{
    struct rval v = rv_real(d);
    return fmt_value(&v, buf, len);
}

static const char *fmt_int(int64_t i, char *buf, size_t len)
{
    struct rval v = rv_int(i);
    return fmt_value(&v, buf, len);
}

/* A value, escaped. An ISO time may break after its 'T' (<wbr/>), so a
 * narrow card or cell wraps it between the date and the time, not inside
 * the date; the text itself stays the ISO string. */
static void put_value(FILE *o, const struct rval *v)
{
    char b[64];
    const char *t = v->k == RK_TIME && v->s ? strchr(v->s, 'T') : NULL;
    if (t) {
        char date[40];
        size_t n = (size_t)(t - v->s) + 1;
        if (n < sizeof date) {
            memcpy(date, v->s, n);
            date[n] = '\0';
            esc(o, date);
            fputs("<wbr/>", o);
            esc(o, t + 1);
            return;
        }
    }
    esc(o, fmt_value(v, b, sizeof b));
}

static int kind_is_number(enum rk k)
{
    return k == RK_INT || k == RK_REAL || k == RK_PCT;
}

/* ---- style ---- */

/* Colours: the Okabe-Ito palette (distinguishable with the common colour
 * vision deficiencies); the charts also separate stacked segments with a
 * white line so they stay apart in greyscale print. */
/* one rule (or media block) per string: ISO C caps a literal at 4095 bytes */
static const char *const CSS[] = {
    ":root{color-scheme:light;--fg:#1b1b1b;--mute:#555;--line:#d0d0d0;--soft:#f4f5f7;"
    "--good:#0072B2;--bad:#D55E00;--crit:#A3360B;--warn:#8A5A00;--info:#0072B2}\n",
    "*{box-sizing:border-box}\n",
    "html{-webkit-text-size-adjust:100%;text-size-adjust:100%}\n",
    "body{margin:0 auto;max-width:1100px;padding:16px 20px 48px;color:var(--fg);background:#fff;"
    "font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,"
    "sans-serif}\n",
    "h1{font-size:1.6em;margin:.2em 0 .4em}\n",
    "h2{font-size:1.3em;margin:0 0 .5em;padding-bottom:.2em;border-bottom:2px solid var(--fg)}\n",
    "h2::first-letter,h3::first-letter,.toc a::first-letter{text-transform:uppercase}\n",
    "h3{font-size:1.05em;margin:1.2em 0 .3em}\n",
    "a{color:#0057a0}\n",
    "code{font:0.9em/1.3 ui-monospace,\"SFMono-Regular\",Menlo,Consolas,\"DejaVu Sans Mono\","
    "monospace;background:var(--soft);padding:1px 4px;border-radius:3px;"
    "overflow-wrap:anywhere;word-break:break-word}\n",
    "header.top{border-bottom:1px solid var(--line);margin-bottom:16px}\n",
    "dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 12px}\n",
    "dl.meta dt{color:var(--mute)}\n",
    "dl.meta dd{margin:0;overflow-wrap:anywhere}\n",
    ".nodata{padding:10px 14px;border:2px solid var(--line);border-radius:6px;font-weight:600}\n",
    "nav.toc{margin-top:28px}\n",
    ".toc ol{margin:.2em 0 0;padding-left:1.6em;columns:2 16em}\n",
    ".toc li{margin:2px 0}\n",
    ".toc .aside{color:var(--mute);font-size:.9em}\n",
    "section{margin:28px 0 0}\n",
    "p.empty{color:var(--mute);font-style:italic;margin:.4em 0}\n",
    ".facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;"
    "margin:10px 0 14px}\n",
    ".card{border:1px solid var(--line);border-radius:8px;padding:10px 12px;background:#fff;"
    "break-inside:avoid;min-width:0}\n",
    ".card .v{font-size:1.5em;font-weight:650;font-variant-numeric:tabular-nums;"
    "overflow-wrap:anywhere;line-height:1.2}\n",
    ".card .v.txt{font-size:1.05em;font-weight:600;overflow-wrap:break-word}\n",
    ".card .l{color:var(--mute);font-size:.9em;overflow-wrap:anywhere}\n",
    ".card .cmp{font-size:.85em;margin-top:4px;font-variant-numeric:tabular-nums}\n",
    ".card .cmp .was{color:var(--mute)}\n",
    ".good{color:var(--good)}\n.bad{color:var(--bad)}\n.flat{color:var(--mute)}\n",
    "ol.items{list-style:none;padding:0;margin:8px 0 14px}\n",
    "li.item{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;"
    "padding:8px 12px;margin:0 0 8px;break-inside:avoid}\n",
    "li.sev-critical{border-left-color:var(--crit)}\n",
    "li.sev-warning{border-left-color:#E69F00}\n",
    "li.sev-info{border-left-color:var(--info)}\n",
    ".badge{display:inline-block;font-size:.75em;font-weight:700;letter-spacing:.04em;"
    "text-transform:uppercase;border:1.5px solid currentColor;border-radius:4px;"
    "padding:0 5px;margin-right:6px;vertical-align:.1em}\n",
    ".badge.critical{color:var(--crit)}\n.badge.warning{color:var(--warn)}\n",
    ".badge.info{color:var(--info)}\n",
    "li.item .t{font-weight:650;overflow-wrap:anywhere}\n",
    "li.item p{margin:.3em 0 0;overflow-wrap:anywhere}\n",
    "li.item .ex{color:var(--mute)}\n",
    "figure.chart{margin:12px 0 16px;break-inside:avoid}\n",
    ".cw{overflow-x:auto}\n.cw>svg{display:block;width:100%;height:auto;max-width:760px}\n",
    "figure.chart figcaption{font-weight:650;margin-bottom:4px}\n",
    "ul.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:4px 14px;"
    "font-size:.9em}\n",
    "ul.legend svg{vertical-align:-1px;margin-right:4px}\n",
    "details{margin:4px 0;font-size:.9em}\n",
    "summary{color:var(--mute);cursor:pointer}\n",
    ".tw{overflow-x:auto;margin:4px 0 12px}\n",
    "table{border-collapse:collapse;font-size:.9em;min-width:40%}\n",
    "caption{text-align:left;font-weight:650;padding:4px 0}\n",
    "th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;"
    "vertical-align:top}\n",
    "th{border-bottom:2px solid var(--fg);vertical-align:bottom}\n",
    "td{overflow-wrap:break-word;max-width:36em}\ntd.b{overflow-wrap:anywhere;min-width:8em}\n",
    "th.num,td.num{text-align:right;font-variant-numeric:tabular-nums}\n",
    "td.num{white-space:nowrap;min-width:0}\n",
    "th.w12{min-width:12ch}\nth.w16{min-width:16ch}\nth.w20{min-width:20ch}\n",
    "td.null{color:var(--mute)}\n",
    "tbody tr:nth-child(even){background:#fafafa}\n",
    "p.tnote,p.trunc,p.none{color:var(--mute);font-size:.9em;margin:.2em 0}\n",
    "ul.notes{color:var(--mute);font-size:.92em;padding-left:1.2em}\n",
    "table.th tr.breached td{font-weight:650}\n",
    "table.th tr.breached td.st{color:var(--bad)}\n",
    "table.th tr.breached td:first-child{border-left:4px solid var(--bad)}\n",
    "footer{margin-top:40px;color:var(--mute);font-size:.85em;border-top:1px solid var(--line);"
    "padding-top:6px}\n",
    "@media (max-width:600px){body{padding:10px 10px 32px;font-size:14px}"
    "h1{font-size:1.3em}.facts{grid-template-columns:repeat(2,minmax(0,1fr));gap:6px}"
    ".card{padding:8px}.card .v{font-size:1.25em}.toc ol{columns:1}"
    "dl.meta{grid-template-columns:1fr}dl.meta dd{margin-bottom:4px}td{max-width:none}"
    "th.w16,th.w20{min-width:12ch}.cw>svg{min-width:540px}}\n",
    "@page{margin:14mm 12mm}\n",
    "@media print{body{max-width:none;padding:0;font-size:10.5pt}"
    "a{color:inherit;text-decoration:none}"
    "section{break-before:page;margin-top:0}"
    "h2,h3,caption,figcaption{break-after:avoid}"
    "tr,li.item,.card,figure.chart,dl.meta{break-inside:avoid}"
    "thead{display:table-header-group}"
    ".tw,.cw{overflow:visible}.cw>svg{min-width:0}td{max-width:none}"
    "table{font-size:8pt}th,td{padding:2px 4px}th.w16,th.w20{min-width:12ch}"
    "tbody tr:nth-child(even){background:none}"
    "code{background:none;padding:0}"
    "details>summary{display:none}"
    "}\n"};

/* ---- charts ---- */

struct named_colour {
    const char *name;
    const char *rgb;
};
/* Outcome names keep one colour across charts; others take the palette in
 * order. */
static const struct named_colour NAMED[] = {
    {"sent", "#0072B2"},     {"delivered", "#0072B2"}, {"inbox", "#0072B2"},
    {"deferred", "#E69F00"}, {"spam", "#D55E00"},      {"bounced", "#D55E00"},
    {"rejected", "#CC79A7"}, {"expired", "#000000"},   {"unknown", "#999999"},
};
static const char *const PALETTE[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                      "#CC79A7", "#56B4E9", "#000000", "#999999"};
#define N_PALETTE (sizeof PALETTE / sizeof PALETTE[0])

static const char *named_colour(const char *name)
{
    for (size_t i = 0; name && i < sizeof NAMED / sizeof NAMED[0]; i++)
        if (strcmp(name, NAMED[i].name) == 0) return NAMED[i].rgb;
    return NULL;
}

/* The colour of series s: its named colour, else the first palette colour
 * no earlier series of this chart took (named ones count), so two series
 * never share a colour while the palette lasts. Charts have a few series;
 * the quadratic scan is fine. */
static const char *series_colour(const struct rchart *c, size_t s)
{
    if (c->n_series <= 1) return PALETTE[0];
    const char *named = named_colour(c->series[s]);
    if (named) return named;
    size_t rank = 0; /* unnamed series before s */
    for (size_t k = 0; k < s; k++)
        rank += named_colour(c->series[k]) == NULL;
    for (size_t i = 0; i < N_PALETTE; i++) {
        int taken = 0;
        for (size_t k = 0; k < c->n_series && !taken; k++) {
            const char *nc = named_colour(c->series[k]);
            taken = nc && strcmp(nc, PALETTE[i]) == 0;
        }
        if (!taken && rank-- == 0) return PALETTE[i];
    }
    return PALETTE[s % N_PALETTE];
}

static double cval(const struct rchart *c, size_t s, size_t l)
{
    double v = c->values[s * c->n_labels + l];
    return isfinite(v) && v > 0 ? v : 0.0;
}

static size_t cp_count(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        n += (*p & 0xC0) != 0x80;
    return n;
}

/* A step of 1, 2 or 5 times a power of ten giving about four grid lines. */
static double nice_step(double max, int integral)
{
    double raw = max / 4.0;
    if (raw <= 0) return 1;
    double mag = pow(10.0, floor(log10(raw)));
    double norm = raw / mag;
    double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag;
    if (integral && step < 1) step = 1;
    return step;
}

#define LABEL_MAX_CP 26 /* axis labels longer than this are cut (full text in the tooltip) */

static void chart_svg(FILE *o, const struct rsection *sec, const struct rchart *c, size_t ci)
{
    const int stacked = c->kind == RC_STACKED && c->n_series > 1;
    const size_t nl = c->n_labels, ns = c->n_series ? c->n_series : 1;
    char b1[64], b2[64];

    /* the top of the scale: tallest bar or stack */
    double max = 0;
    int integral = 1;
    for (size_t l = 0; l < nl; l++) {
        double sum = 0;
        for (size_t s = 0; s < c->n_series; s++) {
            double v = cval(c, s, l);
            if (v != floor(v)) integral = 0;
            sum += v;
            if (!stacked && v > max) max = v;
        }
        if (stacked && sum > max) max = sum;
    }
    double step = nice_step(max, integral);
    double top = max > 0 ? ceil(max / step) * step : step * 4;

    size_t maxlen = 0;
    for (size_t l = 0; l < nl; l++) {
        size_t n = cp_count(c->labels[l]);
        if (n > maxlen) maxlen = n;
    }
    if (maxlen > LABEL_MAX_CP) maxlen = LABEL_MAX_CP + 1;

    const double W = 720, ML = 64, MR = 16, MT = 22, PH = 210;
    const double PW = W - ML - MR;
    const double slot = nl ? PW / (double)nl : PW;
    const double char_w = 6.4; /* 11px sans-serif, average */
    const int rotate = (double)maxlen * char_w + 6 > slot;
    size_t every = 1; /* label every n-th bar when rotated labels would overlap */
    if (rotate && slot < 14) every = (size_t)ceil(14.0 / slot);
    const double MB = rotate ? 18 + (double)maxlen * char_w * 0.72 : 30;
    const double H = MT + PH + MB;

    fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" ", W, H);
    fputs("role=\"img\" aria-labelledby=\"", o);
    put_id(o, sec->id);
    fprintf(o, "-c%zu-t ", ci);
    put_id(o, sec->id);
    fprintf(o, "-c%zu-d\" font-family=\"system-ui,Arial,sans-serif\" font-size=\"11\">\n", ci);
    fputs("<title id=\"", o);
    put_id(o, sec->id);
    fprintf(o, "-c%zu-t\">", ci);
    esc(o, c->title);
    fputs("</title>\n<desc id=\"", o);
    put_id(o, sec->id);
    fprintf(o, "-c%zu-d\">", ci);
    fprintf(o, "%s chart, %zu %s", stacked ? "Stacked bar" : "Bar", nl, nl == 1 ? "bar" : "bars");
    if (c->unit) {
        fputs(", in ", o);
        esc(o, c->unit);
    }
    if (stacked) {
        fputs("; series: ", o);
        for (size_t s = 0; s < c->n_series; s++) {
            if (s) fputs(", ", o);
            esc(o, c->series[s]);
        }
    }
    fprintf(o, "; the highest %s is %s.", stacked ? "total" : "value",
            fmt_real(max, b1, sizeof b1));
    fputs(" The numbers are in the table below the chart.</desc>\n", o);

    /* grid lines and the value axis */
    fputs("<g aria-hidden=\"true\">\n", o);
    for (double t = 0; t <= top + step / 2; t += step) {
        double y = MT + PH - t / top * PH;
        fprintf(o,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                "stroke-width=\"1\"/>",
                ML, y, W - MR, y, t == 0 ? "#1b1b1b" : "#d8d8d8");
        fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#444\">%s</text>\n",
                ML - 6, y + 4, fmt_real(t, b1, sizeof b1));
    }
    if (c->unit) {
        fprintf(o,
                "<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\" "
                "fill=\"#444\">",
                MT + PH / 2);
        esc(o, c->unit);
        fputs("</text>\n", o);
    }
    fputs("</g>\n", o);

    if (nl == 0 || max <= 0) {
        fprintf(o,
                "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#555\" "
                "font-size=\"13\">no data</text>\n",
                ML + PW / 2, MT + PH / 2);
    }

    /* bars */
    const double gap = slot > 8 ? slot * 0.18 : 0.5;
    const double bw = slot - gap;
    const double sub = stacked ? bw : bw / (double)ns;
    for (size_t l = 0; l < nl; l++) {
        double x0 = ML + (double)l * slot + gap / 2;
        double base = 0, total = 0;
        fputs("<g>", o);
        for (size_t s = 0; s < c->n_series; s++) {
            double raw = c->values[s * nl + l];
            double v = cval(c, s, l);
            double h = v / top * PH;
            double x = stacked ? x0 : x0 + (double)s * sub;
            double y = MT + PH - (stacked ? base : 0) - h;
            fprintf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"", x,
                    y, sub > 1.2 ? sub - (stacked ? 0 : 0.6) : sub, h, series_colour(c, s));
            if (stacked && c->n_series > 1) fputs(" stroke=\"#fff\" stroke-width=\"0.8\"", o);
            fputs("><title>", o);
            esc(o, c->labels[l]);
            if (c->n_series > 1 && c->series[s]) {
                fputs(", ", o);
                esc(o, c->series[s]);
            }
            fprintf(o, ": %s", fmt_real(raw, b1, sizeof b1));
            if (c->unit) {
                fputc(' ', o);
                esc(o, c->unit);
            }
            fputs("</title></rect>", o);
            /* values on single bars when they fit */
            if (!stacked && v > 0 && (double)strlen(b1) * char_w <= sub + 4)
                fprintf(o,
                        "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#1b1b1b\">"
                        "%s</text>",
                        x + sub / 2, y - 4, b1);
            base += h;
            total += v;
        }
        if (stacked && total > 0 &&
            (double)strlen(fmt_real(total, b2, sizeof b2)) * char_w <= bw + 4)
            fprintf(o,
                    "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#1b1b1b\">%s</text>",
                    x0 + bw / 2, MT + PH - base - 4, b2);
        /* the axis label */
        if (l % every == 0) {
            double lx = ML + (double)l * slot + slot / 2, ly = MT + PH + 14;
            if (rotate)
                fprintf(o,
                        "<text transform=\"translate(%.1f %.1f) rotate(-45)\" "
                        "text-anchor=\"end\" fill=\"#1b1b1b\">",
                        lx + 3, ly - 2);
            else
                fprintf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"#1b1b1b\">",
                        lx, ly);
            esc_cut(o, c->labels[l], LABEL_MAX_CP);
            fputs("</text>", o);
        }
        fputs("</g>\n", o);
    }
    fputs("</svg>\n", o);
}

static void swatch(FILE *o, const char *rgb)
{
    fprintf(o,
            "<svg width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">"
            "<rect width=\"12\" height=\"12\" fill=\"%s\"/></svg>",
            rgb);
}

static void chart_html(FILE *o, const struct rsection *sec, const struct rchart *c, size_t ci)
{
    char b[64];
    fputs("<figure class=\"chart\" id=\"", o);
    put_id(o, sec->id);
    fputc('-', o);
    put_id(o, c->id);
    fputs("\">\n<figcaption>", o);
    esc(o, c->title);
    fputs("</figcaption>\n", o);
    fputs("<div class=\"cw\">", o);
    chart_svg(o, sec, c, ci);
    fputs("</div>\n", o);
    if (c->n_series > 1) {
        fputs("<ul class=\"legend\">", o);
        for (size_t s = 0; s < c->n_series; s++) {
            fputs("<li>", o);
            swatch(o, series_colour(c, s));
            esc(o, c->series[s]);
            fputs("</li>", o);
        }
        fputs("</ul>\n", o);
    }
    /* the numbers, for screen readers, copying, and exact values */
    fputs("<details><summary>Numbers</summary><div class=\"tw\"><table>\n<thead><tr><th "
          "scope=\"col\"></th>",
          o);
    for (size_t s = 0; s < c->n_series; s++) {
        fputs("<th scope=\"col\" class=\"num\">", o);
        if (c->series[s])
            esc(o, c->series[s]);
        else
            esc(o, c->unit ? c->unit : "value");
        fputs("</th>", o);
    }
    fputs("</tr></thead>\n<tbody>\n", o);
    for (size_t l = 0; l < c->n_labels; l++) {
        fputs("<tr><th scope=\"row\">", o);
        esc(o, c->labels[l]);
        fputs("</th>", o);
        for (size_t s = 0; s < c->n_series; s++)
            fprintf(o, "<td class=\"num\">%s</td>",
                    fmt_real(c->values[s * c->n_labels + l], b, sizeof b));
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div></details>\n</figure>\n", o);
}

/* ---- sections ---- */

static const char *sev_name(enum rseverity s)
{
    switch (s) {
    case RS_CRITICAL:
        return "critical";
    case RS_WARNING:
        return "warning";
    case RS_INFO:
        break;
    }
    return "info";
}

/* The change between prev and v: "+12", "+2.5 pp"; *dir gets -1, 0 or +1.
 * Returns NULL when the kinds cannot be compared. */
static const char *fact_change(const struct rfact *f, char *buf, size_t len, int *dir)
{
    char b[64];
    *dir = 0;
    if (f->v.k != f->prev.k) return NULL;
    switch (f->v.k) {
    case RK_INT: {
        int64_t d;
        if (__builtin_sub_overflow(f->v.i, f->prev.i, &d)) return NULL;
        *dir = d > 0 ? 1 : d < 0 ? -1 : 0;
        fmt_int(d, b, sizeof b); /* "-12" carries its sign */
        const char *sign = d > 0 ? "+" : d == 0 ? "\xC2\xB1" : "";
        if (f->prev.i != 0) {
            double rel = ((double)f->v.i - (double)f->prev.i) / fabs((double)f->prev.i) * 100.0;
            snprintf(buf, len, "%s%s (%+.1f%%)", sign, b, rel);
        } else
            snprintf(buf, len, "%s%s", sign, b);
        return buf;
    }
    case RK_REAL:
    case RK_PCT: {
        if (!isfinite(f->v.d) || !isfinite(f->prev.d)) return NULL;
        double d = f->v.d - f->prev.d;
        if (f->v.k == RK_PCT) {
            d *= 100.0;
            d = round(d * 10.0) / 10.0;
        } else
            d = round(d * 100.0) / 100.0;
        *dir = d > 0 ? 1 : d < 0 ? -1 : 0;
        fmt_real(fabs(d), b, sizeof b);
        snprintf(buf, len, "%s%s%s",
                 d > 0   ? "+"
                 : d < 0 ? "-"
                         : "\xC2\xB1",
                 b, f->v.k == RK_PCT ? " pp" : "");
        return buf;
    }
    default:
        return NULL;
    }
}

static void fact_card(FILE *o, const struct rfact *f)
{
    char ch[96];
    fputs("<div class=\"card\"", o);
    if (f->key) {
        fputs(" data-key=\"", o);
        esc(o, f->key);
        fputc('"', o);
    }
    /* text (a time, a name) in a smaller type than numbers: it is longer */
    fprintf(o, "><div class=\"%s\">", f->v.k == RK_TEXT || f->v.k == RK_TIME ? "v txt" : "v");
    put_value(o, &f->v);
    fputs("</div><div class=\"l\">", o);
    esc(o, f->label);
    fputs("</div>", o);
    if (f->has_prev) {
        int dir;
        const char *change = fact_change(f, ch, sizeof ch, &dir);
        const char *cls = "flat", *word = NULL;
        if (dir != 0 && f->better != 0) {
            int good = dir == f->better;
            cls = good ? "good" : "bad";
            word = good ? "better" : "worse";
        }
        fputs("<div class=\"cmp\">", o);
        if (change && dir == 0)
            fputs("<span class=\"flat\">= no change</span> \xC2\xB7 ", o);
        else if (change) {
            fprintf(o, "<span class=\"%s\">%s ", cls,
                    dir > 0 ? "\xE2\x96\xB2" /* ▲ */ : "\xE2\x96\xBC" /* ▼ */);
            esc(o, change);
            if (word) fprintf(o, " (%s)", word);
            fputs("</span> \xC2\xB7 ", o); /* · */
        }
        fputs("<span class=\"was\">was ", o);
        put_value(o, &f->prev);
        fputs("</span></div>", o);
    }
    fputs("</div>\n", o);
}

static void items_html(FILE *o, const struct rsection *s)
{
    fputs("<ol class=\"items\">\n", o);
    for (size_t i = 0; i < s->n_items; i++) {
        const struct ritem *it = &s->items[i];
        const char *sev = sev_name(it->severity);
        fprintf(o, "<li class=\"item sev-%s\"", sev);
        if (it->key) {
            fputs(" data-key=\"", o);
            esc(o, it->key);
            fputc('"', o);
        }
        fprintf(o, "><span class=\"badge %s\">%s</span><span class=\"t\">", sev, sev);
        esc(o, it->title);
        fputs("</span>", o);
        if (it->evidence) {
            fputs("<p class=\"ev\">", o);
            esc(o, it->evidence);
            fputs("</p>", o);
        }
        if (it->example) {
            fputs("<p class=\"ex\">Example: <code>", o);
            esc(o, it->example);
            fputs("</code></p>", o);
        }
        fputs("</li>\n", o);
    }
    fputs("</ol>\n", o);
}

/* Whether s holds a run of more than 30 characters without a space: such
 * a cell (a Message-ID, a long reverse name) may break anywhere; others
 * break only between words, so "quarantine" never becomes "quaran|tine". */
static int has_long_token(const char *s)
{
    size_t run = 0;
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
            run = 0;
            continue;
        }
        if ((*p & 0xC0) != 0x80 && ++run > 30) return 1;
    }
    return 0;
}

static void table_html(FILE *o, const struct rsection *s, const struct rtable *t)
{
    fputs("<h3 id=\"", o);
    put_id(o, s->id);
    fputc('-', o);
    put_id(o, t->id);
    fputs("\">", o);
    esc(o, t->title);
    fputs("</h3>\n", o);
    if (t->note) {
        fputs("<p class=\"tnote\">", o);
        esc(o, t->note);
        fputs("</p>\n", o);
    }
    if (t->n_rows == 0) {
        fputs("<p class=\"none\">No rows.</p>\n", o);
        return;
    }
    fputs("<div class=\"tw\"><table>\n<thead><tr>", o);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (kind_is_number(t->cols[c].kind)) {
            fputs("<th scope=\"col\" class=\"num\">", o);
        } else {
            /* a text column as wide as its longest value up to 20ch, so that
             * number columns beside it do not squeeze a domain name into
             * "exampl|e.com"; longer values wrap */
            size_t longest = 0;
            for (size_t r = 0; r < t->n_rows && longest < 20; r++) {
                const struct rval *v = &t->cells[r * t->n_cols + c];
                size_t n = v->k == RK_TEXT || v->k == RK_TIME ? cp_count(v->s) : 0;
                if (n > longest) longest = n;
            }
            const char *w = longest > 18   ? " class=\"w20\""
                            : longest > 14 ? " class=\"w16\""
                            : longest > 10 ? " class=\"w12\""
                                           : "";
            fprintf(o, "<th scope=\"col\"%s>", w);
        }
        esc(o, t->cols[c].title);
        fputs("</th>", o);
    }
    fputs("</tr></thead>\n<tbody>\n", o);
    for (size_t r = 0; r < t->n_rows; r++) {
        fputs("<tr>", o);
        for (size_t c = 0; c < t->n_cols; c++) {
            const struct rval *v = &t->cells[r * t->n_cols + c];
            int num = kind_is_number(t->cols[c].kind) || kind_is_number(v->k);
            int null = v->k == RK_NULL || ((v->k == RK_TEXT || v->k == RK_TIME) && !v->s);
            if (num && null)
                fputs("<td class=\"num null\">", o);
            else if (num)
                fputs("<td class=\"num\">", o);
            else if (null)
                fputs("<td class=\"null\">", o);
            else if ((v->k == RK_TEXT || v->k == RK_TIME) && has_long_token(v->s))
                fputs("<td class=\"b\">", o);
            else
                fputs("<td>", o);
            put_value(o, v);
            fputs("</td>", o);
        }
        fputs("</tr>\n", o);
    }
    fputs("</tbody></table></div>\n", o);
    if (t->truncated)
        fprintf(o, "<p class=\"trunc\">Top %zu shown; more rows exist.</p>\n", t->n_rows);
}

static void section_html(FILE *o, const struct rsection *s)
{
    fputs("<section id=\"", o);
    put_id(o, s->id);
    fputs("\" aria-labelledby=\"", o);
    put_id(o, s->id);
    fputs("-h\">\n<h2 id=\"", o);
    put_id(o, s->id);
    fputs("-h\">", o);
    esc(o, s->title ? s->title : s->id);
    fputs("</h2>\n", o);
    if (s->empty) {
        fputs("<p class=\"empty\">", o);
        esc(o, s->empty);
        fputs("</p>\n", o);
    }
    if (s->n_facts) {
        fputs("<div class=\"facts\">\n", o);
        for (size_t i = 0; i < s->n_facts; i++)
            fact_card(o, &s->facts[i]);
        fputs("</div>\n", o);
    }
    if (s->n_items) items_html(o, s);
    for (size_t i = 0; i < s->n_charts; i++)
        chart_html(o, s, s->charts[i], i);
    for (size_t i = 0; i < s->n_tables; i++)
        table_html(o, s, s->tables[i]);
    if (s->n_notes) {
        fputs("<ul class=\"notes\">\n", o);
        for (size_t i = 0; i < s->n_notes; i++) {
            fputs("<li>", o);
            esc(o, s->notes[i]);
            fputs("</li>\n", o);
        }
        fputs("</ul>\n", o);
    }
    fputs("</section>\n", o);
}

/* ---- the page ---- */

static void period(FILE *o, const char *since, const char *until)
{
    if (!since && !until) {
        fputs("all time", o);
        return;
    }
    if (since)
        esc(o, since);
    else
        fputs("the beginning", o);
    fputs(" \xE2\x80\x94 ", o); /* — */
    if (until)
        esc(o, until);
    else
        fputs("now", o);
}

static void thresholds_html(FILE *o, const struct report *r)
{
    char b[64];
    fputs("<section id=\"fail-on\" class=\"thresholds\" aria-labelledby=\"fail-on-h\">\n"
          "<h2 id=\"fail-on-h\">Thresholds</h2>\n",
          o);
    fprintf(o, "<p>%zu of %zu --fail-on %s breached.</p>\n", r->n_breached, r->n_th,
            r->n_th == 1 ? "threshold" : "thresholds");
    fputs("<div class=\"tw\"><table class=\"th\">\n<thead><tr><th scope=\"col\">Threshold</th>"
          "<th scope=\"col\" class=\"num\">Value</th><th scope=\"col\">Status</th></tr></thead>\n"
          "<tbody>\n",
          o);
    /* breached ones first (the model already orders them; two passes keep
     * that true whatever the order) */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_th; i++) {
            const struct rthreshold *t = &r->th[i];
            if (t->breached != (pass == 0)) continue;
            fprintf(o, "<tr%s><td><code>", t->breached ? " class=\"breached\"" : "");
            esc(o, t->expr);
            fputs("</code></td><td class=\"num\">", o);
            if (t->has_value)
                esc(o, fmt_real(t->value, b, sizeof b));
            else
                fputs(NDASH, o);
            fprintf(o, "</td><td class=\"st\">%s</td></tr>\n",
                    t->breached    ? "\xE2\x9C\x97 breached" /* ✗ */
                    : t->has_value ? "ok"
                                   : "no data");
        }
    fputs("</tbody></table></div>\n</section>\n", o);
}

static void header_html(FILE *o, const struct report *r)
{
    fputs("<header class=\"top\">\n<h1>Deliverability report</h1>\n<dl class=\"meta\">\n", o);
    fputs("<dt>Database</dt><dd>", o);
    esc(o, r->db_path ? r->db_path : NDASH);
    fputs("</dd>\n<dt>Period</dt><dd>", o);
    period(o, r->since, r->until);
    fputs("</dd>\n", o);
    if (r->prev_since || r->prev_until) {
        fputs("<dt>Compared with</dt><dd>", o);
        period(o, r->prev_since, r->prev_until);
        fputs("</dd>\n", o);
    }
    fputs("<dt>Filters</dt><dd>", o);
    if (!r->domain && !r->campaign) fputs("none", o);
    if (r->domain) {
        fputs("domain <code>", o);
        esc(o, r->domain);
        fputs("</code>", o);
    }
    if (r->campaign) {
        fputs(r->domain ? ", campaign <code>" : "campaign <code>", o);
        esc(o, r->campaign);
        fputs("</code>", o);
    }
    fputs("</dd>\n<dt>Generated</dt><dd>", o);
    esc(o, r->generated ? r->generated : NDASH);
    fputs("</dd>\n</dl>\n</header>\n", o);
}

static void toc_html(FILE *o, const struct report *r)
{
    fputs(
        "<nav class=\"toc\" aria-labelledby=\"contents-h\">\n<h2 id=\"contents-h\">Contents</h2>\n"
        "<ol>\n",
        o);
    for (size_t i = 0; i < r->n_sec; i++) {
        const struct rsection *s = r->sec[i];
        fputs("<li><a href=\"#", o);
        put_id(o, s->id);
        fputs("\">", o);
        esc(o, s->title ? s->title : s->id);
        fputs("</a>", o);
        if (s->empty)
            fputs(" <span class=\"aside\">(no data)</span>", o);
        else if (s->n_items)
            fprintf(o, " <span class=\"aside\">(%zu %s)</span>", s->n_items,
                    s->n_items == 1 ? "finding" : "findings");
        fputs("</li>\n", o);
    }
    fputs("</ol>\n</nav>\n", o);
}

int render_html(const struct report *r, FILE *out, char *err, size_t errlen)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\"/>\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
          "<meta name=\"generator\" content=\"mailaudit\"/>\n"
          "<link rel=\"icon\" href=\"data:,\"/>\n<title>Deliverability report",
          out);
    if (r->since || r->until) {
        fputs(" \xE2\x80\x94 ", out);
        period(out, r->since, r->until);
    }
    fputs("</title>\n<style>\n", out);
    for (size_t i = 0; i < sizeof CSS / sizeof CSS[0]; i++)
        fputs(CSS[i], out);
    fputs("</style>\n</head>\n<body>\n", out);
    header_html(out, r);
    fputs("<main>\n", out);
    if (r->empty_period) fputs("<p class=\"nodata\">No data for this period.</p>\n", out);
    if (r->n_th) thresholds_html(out, r);
    if (r->n_sec) toc_html(out, r);
    for (size_t i = 0; i < r->n_sec; i++)
        section_html(out, r->sec[i]);
    fputs("</main>\n<footer>Made by mailaudit", out);
    if (r->generated) {
        fputs(" on ", out);
        esc(out, r->generated);
    }
    fputs(".</footer>\n</body>\n</html>\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        snprintf(err, errlen, "writing the HTML report: %s", strerror(errno ? errno : EIO));
        return -1;
    }
    return 0;
}
