/* render_text — the report model (model.h) for a terminal or a text file.
 *
 * Layout: a header (database, period, generated, filters), the --fail-on
 * thresholds (breached ones first), then every section in model order:
 * title, its `empty` line, facts as aligned "label: value" cells (up to
 * three per line; under --compare "value (prev X, +Y / +Z%)" with the change
 * green when it goes the `better` way, red otherwise), items, charts (bars of
 * block characters), tables and notes.
 *
 * Width: no output line is wider than `width` columns (clamped to
 * 20..1000). Widths count characters, not bytes; the common East Asian wide
 * ranges and emoji count 2, combining marks and zero-width characters 0 (a
 * small table here, not wcwidth: the program never calls setlocale). Long
 * text wraps at spaces (words longer than a line are split); table columns
 * shrink, widest text columns first (fit_columns), headings wrap over up to
 * three lines, and cut cells end in "~"; every write
 * is clamped to the line as a last resort, so the bound holds by
 * construction.
 *
 * Safety: every string from the model is cleaned before it is measured or
 * written: C0 controls (ESC, CR, LF, TAB...), DEL, C1 controls (U+0080..9F,
 * which some terminals read as CSI), bidirectional overrides and line
 * separators become '?', and so does every byte of invalid UTF-8. The only
 * escape sequences in the output are our own SGR colours, and only when
 * `color` is set.
 *
 * Everything temporary lives in one arena freed at the end. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "report/render.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define TX_MIN_WIDTH 20
#define TX_MAX_WIDTH 1000
#define TX_VALUE_LEN 128 /* render_value buffer */
#define TX_MAX_BAR 60    /* the longest chart bar, in columns */
#define TX_HEAD_LINES 3  /* lines a table heading may wrap over */

/* SGR parameters (written as ESC [ <code> m, only when colour is on). */
#define SGR_RESET "0"
#define SGR_BOLD "1"
#define SGR_TITLE "1;4"
#define SGR_DIM "2"
#define SGR_RED "31"
#define SGR_GREEN "32"
#define SGR_YELLOW "33"
#define SGR_CYAN "36"
#define SGR_BRED "1;31"

struct tx {
    FILE *out;
    int width;
    bool color;
    arena *a;
    struct buf line; /* the line being built */
    int col;         /* its width in columns (SGR excluded) */
};

/* ---- characters ---- */

/* Decode one code point of valid UTF-8 (strings here are cleaned first). */
static uint32_t decode(const unsigned char *p, size_t *n)
{
    unsigned char c = p[0];
    if (c < 0x80) {
        *n = 1;
        return c;
    }
    if (c < 0xE0) {
        *n = 2;
        return (uint32_t)(c & 0x1F) << 6 | (p[1] & 0x3Fu);
    }
    if (c < 0xF0) {
        *n = 3;
        return (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3Fu);
    }
    *n = 4;
    return (uint32_t)(c & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
           (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3Fu);
}

/* Columns a code point takes on a terminal: the common wide ranges (CJK,
 * Hangul, fullwidth forms, emoji) 2; combining marks and zero-width 0. */
static int cp_width(uint32_t c)
{
    static const struct {
        uint32_t lo, hi;
        int w;
    } ranges[] = {
        {0x0300, 0x036F, 0},   {0x200B, 0x200D, 0},   {0xFE00, 0xFE0F, 0},   {0xFEFF, 0xFEFF, 0},
        {0x1100, 0x115F, 2},   {0x2E80, 0x303E, 2},   {0x3041, 0x33FF, 2},   {0x3400, 0x4DBF, 2},
        {0x4E00, 0x9FFF, 2},   {0xA000, 0xA4CF, 2},   {0xAC00, 0xD7A3, 2},   {0xF900, 0xFAFF, 2},
        {0xFE30, 0xFE4F, 2},   {0xFF00, 0xFF60, 2},   {0xFFE0, 0xFFE6, 2},   {0x1F300, 0x1F64F, 2},
        {0x1F900, 0x1F9FF, 2}, {0x20000, 0x2FFFD, 2}, {0x30000, 0x3FFFD, 2},
    };
    if (c < 0x300) return 1;
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++)
        if (c >= ranges[i].lo && c <= ranges[i].hi) return ranges[i].w;
    return 1;
}

/* Code points that must not reach a terminal even as valid UTF-8: C1
 * controls, bidi embeddings/overrides/isolates, line/paragraph separators. */
static bool cp_unsafe(uint32_t c)
{
    return (c >= 0x80 && c <= 0x9F) || c == 0x200E || c == 0x200F || (c >= 0x2028 && c <= 0x202E) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* A copy of s that is valid UTF-8 without control or unsafe characters
 * (each offending byte or character becomes '?'). NULL gives "". */
static const char *clean(struct tx *t, const char *s)
{
    if (!s) return "";
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s);
    struct arena_str b = {.a = t->a};
    arena_str_put(&b, "", 0);
    size_t i = 0;
    while (i < len) {
        size_t run = i;
        /* a run of plain printable ASCII is copied at once */
        while (run < len && p[run] >= 0x20 && p[run] < 0x7F)
            run++;
        if (run > i) {
            arena_str_put(&b, s + i, run - i);
            i = run;
            continue;
        }
        size_t n = str_utf8_seqlen(p + i, len - i);
        if (n <= 1) { /* control byte, DEL, or invalid UTF-8 */
            arena_str_put(&b, "?", 1);
            i++;
            continue;
        }
        size_t m;
        if (cp_unsafe(decode(p + i, &m)))
            arena_str_put(&b, "?", 1);
        else
            arena_str_put(&b, s + i, n);
        i += n;
    }
    return b.p;
}

/* Width in columns of n bytes of clean text. */
static int nwidth(const char *s, size_t n)
{
    int w = 0;
    size_t i = 0;
    while (i < n) {
        size_t k;
        w += cp_width(decode((const unsigned char *)s + i, &k));
        i += k;
    }
    return w;
}

static int swidth(const char *s)
{
    return nwidth(s, strlen(s));
}

/* Bytes of the longest prefix of clean s that fits w columns. */
static size_t fit_bytes(const char *s, int w)
{
    size_t i = 0;
    int used = 0;
    while (s[i]) {
        size_t k;
        int cw = cp_width(decode((const unsigned char *)s + i, &k));
        if (used + cw > w) break;
        used += cw;
        i += k;
    }
    return i;
}

/* s cut to w columns: unchanged when it fits, else a prefix and "~". */
static const char *cut(struct tx *t, const char *s, int w)
{
    if (w <= 0) return "";
    if (swidth(s) <= w) return s;
    size_t n = fit_bytes(s, w - 1);
    struct arena_str b = {.a = t->a};
    arena_str_put(&b, s, n);
    arena_str_put(&b, "~", 1);
    return b.p;
}

/* ---- lines ---- */

static void lraw(struct tx *t, const char *s, size_t n, int w)
{
    buf_append(&t->line, s, n);
    t->col += w;
}

/* Append clean text, clamped to what is left of the line. */
static void lput(struct tx *t, const char *s)
{
    int avail = t->width - t->col;
    if (avail <= 0 || !*s) return;
    const char *c = cut(t, s, avail);
    lraw(t, c, strlen(c), swidth(c));
}

static void lpad(struct tx *t, int n)
{
    if (n > t->width - t->col) n = t->width - t->col;
    for (int i = 0; i < n; i++)
        lraw(t, " ", 1, 1);
}

/* Clean text cut and padded to exactly w columns, aligned left or right. */
static void lcell(struct tx *t, const char *s, int w, bool right)
{
    const char *c = cut(t, s, w);
    int pad = w - swidth(c);
    if (right) lpad(t, pad);
    lput(t, c);
    if (!right) lpad(t, pad);
}

/* n times the character ch (ASCII), clamped to the line. */
static void rule(struct tx *t, char ch, int n)
{
    for (int i = 0; i < n && t->col < t->width; i++)
        lraw(t, &ch, 1, 1);
}

static void lsgr(struct tx *t, const char *code)
{
    if (!t->color) return;
    buf_puts(&t->line, "\033[");
    buf_puts(&t->line, code);
    buf_putc(&t->line, 'm');
}

/* Write the line (trailing spaces dropped) and start a new one. */
static void lend(struct tx *t)
{
    char *p = t->line.p;
    size_t n = t->line.len;
    while (n > 0 && p[n - 1] == ' ')
        n--;
    /* spaces just before a closing reset are trailing too */
    if (n >= 4 && memcmp(p + n - 4, "\033[0m", 4) == 0) {
        size_t k = n - 4, j = k;
        while (j > 0 && p[j - 1] == ' ')
            j--;
        if (j < k) {
            memmove(p + j, p + k, 4);
            n = j + 4;
        }
    }
    t->line.len = n;
    buf_putc(&t->line, '\n');
    fwrite(t->line.p, 1, t->line.len, t->out);
    buf_reset(&t->line);
    t->col = 0;
}

/* Clean text s from the current column to the end, wrapped at spaces;
 * continuation lines start at column `indent`; `sgr` (or NULL) colours the
 * text. Ends the last line. */
static void wrap(struct tx *t, const char *s, int indent, const char *sgr)
{
    bool fresh = true; /* no word on this line yet */
    bool on = false;   /* sgr emitted on this line */
    if (indent > t->width / 2) indent = t->width / 2;
    const char *p = s;
    for (;;) {
        while (*p == ' ')
            p++;
        if (!*p) break;
        const char *e = p;
        while (*e && *e != ' ')
            e++;
        int ww = nwidth(p, (size_t)(e - p));
        if (!fresh && t->col + 1 + ww > t->width) {
            if (on) lsgr(t, SGR_RESET);
            lend(t);
            lpad(t, indent);
            fresh = true;
            on = false;
            continue;
        }
        if (!fresh) lraw(t, " ", 1, 1);
        if (sgr && !on) {
            lsgr(t, sgr);
            on = true;
        }
        if (t->col + ww <= t->width) {
            lraw(t, p, (size_t)(e - p), ww);
            p = e;
            fresh = false;
            continue;
        }
        /* a word longer than the line: split it */
        size_t n = fit_bytes(p, t->width - t->col);
        if (n > (size_t)(e - p)) n = (size_t)(e - p);
        if (n == 0) { /* not even one character fits here */
            if (t->col <= indent) {
                size_t k;
                decode((const unsigned char *)p, &k);
                p += k; /* cannot happen with width >= 20; never loop */
                continue;
            }
        } else {
            lraw(t, p, n, nwidth(p, n));
            p += n;
        }
        if (on) lsgr(t, SGR_RESET);
        lend(t);
        lpad(t, indent);
        fresh = true;
        on = false;
    }
    if (on) lsgr(t, SGR_RESET);
    lend(t);
}

/* A whole line of clean text, cut to the width, optionally coloured. */
static void line(struct tx *t, int indent, const char *s, const char *sgr)
{
    lpad(t, indent);
    if (sgr) lsgr(t, sgr);
    lput(t, s);
    if (sgr) lsgr(t, SGR_RESET);
    lend(t);
}

static const char *value_text(struct tx *t, const struct rval *v)
{
    char buf[TX_VALUE_LEN];
    return clean(t, render_value(v, buf, sizeof buf));
}

/* ---- header and thresholds ---- */

static void header_field(struct tx *t, const char *label, const char *value)
{
    const int lw = 11;
    lput(t, label);
    lpad(t, lw - t->col);
    wrap(t, value, lw, NULL);
}

static void header(struct tx *t, const struct report *r)
{
    line(t, 0, "Deliverability report", SGR_TITLE);
    if (!t->color) {
        rule(t, '=', swidth("Deliverability report"));
        lend(t);
    }
    header_field(t, "Database:", r->db_path ? clean(t, r->db_path) : "-");
    const char *since = r->since ? clean(t, r->since) : "the first record";
    const char *until = r->until ? clean(t, r->until) : "the last record";
    header_field(t, "Period:", arena_printf(t->a, "%s to %s", since, until));
    if (r->prev_since || r->prev_until)
        header_field(t, "Compared:",
                     arena_printf(t->a, "previous period %s to %s",
                                  r->prev_since ? clean(t, r->prev_since) : "the first record",
                                  r->prev_until ? clean(t, r->prev_until) : "the last record"));
    header_field(t, "Generated:", r->generated ? clean(t, r->generated) : "-");
    const char *filters = "none";
    if (r->domain && r->campaign)
        filters = arena_printf(t->a, "domain %s, campaign %s", clean(t, r->domain),
                               clean(t, r->campaign));
    else if (r->domain)
        filters = arena_printf(t->a, "domain %s", clean(t, r->domain));
    else if (r->campaign)
        filters = arena_printf(t->a, "campaign %s", clean(t, r->campaign));
    header_field(t, "Filters:", filters);
    if (r->empty_period) {
        lend(t);
        line(t, 0, "No data for this period.", SGR_YELLOW);
    }
}

static void section_title(struct tx *t, const char *title)
{
    lend(t);
    const char *c = cut(t, title, t->width);
    line(t, 0, c, SGR_TITLE);
    if (!t->color) {
        rule(t, '=', swidth(c));
        lend(t);
    }
}

static void threshold_line(struct tx *t, const struct rthreshold *th)
{
    const char *mark = th->breached ? "BREACHED" : th->has_value ? "ok" : "no data";
    const char *sgr = th->breached ? SGR_BRED : th->has_value ? SGR_GREEN : SGR_DIM;
    lpad(t, 2);
    lsgr(t, sgr);
    lput(t, mark);
    lsgr(t, SGR_RESET);
    lpad(t, 12 - t->col);
    const char *what = th->metric && th->op ? arena_printf(t->a, "%s %s %g", clean(t, th->metric),
                                                           clean(t, th->op), th->limit)
                                            : clean(t, th->expr);
    const char *val = th->has_value ? arena_printf(t->a, "%g", th->value) : "no data";
    wrap(t, arena_printf(t->a, "%s: %s", what, val), 12, NULL);
}

static void thresholds(struct tx *t, const struct report *r)
{
    if (r->n_th == 0) return;
    size_t nb = 0;
    for (size_t i = 0; i < r->n_th; i++)
        nb += r->th[i].breached;
    section_title(t,
                  arena_printf(t->a, "Thresholds (--fail-on): %zu of %zu breached", nb, r->n_th));
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_th; i++)
            if (r->th[i].breached == (pass == 0)) threshold_line(t, &r->th[i]);
}

/* ---- facts ---- */

static bool is_num(const struct rval *v)
{
    return v->k == RK_INT || v->k == RK_REAL || v->k == RK_PCT;
}

static double num(const struct rval *v)
{
    return v->k == RK_INT ? (double)v->i : v->d;
}

struct fcell {
    const char *label, *value;
    const char *pre, *chg, *post; /* the comparison: "(prev X, " "+Y / +Z%" ")" */
    int dir;                      /* +1 the change is good, -1 bad, 0 neutral */
    int lw, vw, cw;
};

/* The change from prev to v as "+Y / +Z%" (Z when prev is not 0). */
static const char *change_text(struct tx *t, const struct rval *v, const struct rval *prev,
                               double *diff)
{
    char a[TX_VALUE_LEN], b[TX_VALUE_LEN];
    double d = num(v) - num(prev);
    *diff = d;
    if (d == 0 || isnan(d)) return "no change";
    const char *sign = d > 0 ? "+" : "-";
    const char *abs_txt;
    if (v->k == RK_PCT) {
        /* percentage points: "+1.5pp" */
        struct rval pv = rv_pct(fabs(d));
        render_value(&pv, a, sizeof a);
        size_t n = strlen(a);
        if (n && a[n - 1] == '%') a[n - 1] = '\0';
        abs_txt = arena_printf(t->a, "%spp", a);
    } else if (v->k == RK_INT && prev->k == RK_INT) {
        /* exact for integers: the magnitude in unsigned arithmetic (no overflow) */
        uint64_t m = v->i >= prev->i ? (uint64_t)v->i - (uint64_t)prev->i
                                     : (uint64_t)prev->i - (uint64_t)v->i;
        struct rval iv = m <= INT64_MAX ? rv_int((int64_t)m) : rv_real((double)m);
        abs_txt = arena_strdup(t->a, render_value(&iv, a, sizeof a));
    } else {
        struct rval rv = rv_real(fabs(d));
        abs_txt = arena_strdup(t->a, render_value(&rv, a, sizeof a));
    }
    double p = num(prev);
    if (p == 0 || isnan(p)) return arena_printf(t->a, "%s%s", sign, abs_txt);
    struct rval rel = rv_pct(fabs(d / p));
    return arena_printf(t->a, "%s%s / %s%s", sign, abs_txt, sign, render_value(&rel, b, sizeof b));
}

static void fact_cell(struct tx *t, const struct rfact *f, struct fcell *c)
{
    memset(c, 0, sizeof *c);
    c->label = arena_printf(t->a, "%s:", clean(t, f->label ? f->label : f->key));
    c->value = value_text(t, &f->v);
    c->pre = c->chg = c->post = "";
    if (f->has_prev) {
        const char *pv = value_text(t, &f->prev);
        if (is_num(&f->v) && is_num(&f->prev)) {
            double d;
            c->pre = arena_printf(t->a, "(prev %s, ", pv);
            c->chg = change_text(t, &f->v, &f->prev, &d);
            c->post = ")";
            int s = d > 0 ? 1 : d < 0 ? -1 : 0;
            c->dir = s * (f->better > 0 ? 1 : f->better < 0 ? -1 : 0);
        } else {
            c->pre = arena_printf(t->a, "(prev %s)", pv);
        }
    }
    c->lw = swidth(c->label);
    c->vw = swidth(c->value);
    c->cw = swidth(c->pre) + swidth(c->chg) + swidth(c->post);
}

/* The comparison "(prev X, +Y / +Z%)" padded to cw columns. */
static void fact_put_cmp(struct tx *t, const struct fcell *c, int cw)
{
    int start = t->col;
    lput(t, c->pre);
    if (*c->chg) {
        const char *sgr = c->dir > 0 ? SGR_GREEN : c->dir < 0 ? SGR_RED : NULL;
        if (sgr) lsgr(t, sgr);
        lput(t, c->chg);
        if (sgr) lsgr(t, SGR_RESET);
    }
    lput(t, c->post);
    lpad(t, cw - (t->col - start));
}

/* "label: value" with the label padded to lw and the value right-aligned
 * in vw, then the comparison when cw > 0. */
static void fact_put(struct tx *t, const struct fcell *c, int lw, int vw, int cw)
{
    lcell(t, c->label, lw, false);
    lpad(t, 1);
    lcell(t, c->value, vw, true);
    if (cw == 0) return;
    lpad(t, 1);
    fact_put_cmp(t, c, cw);
}

static void facts(struct tx *t, const struct rsection *s)
{
    if (s->n_facts == 0) return;
    struct fcell *c = arena_alloc(t->a, s->n_facts * sizeof *c);
    int lw = 0, vw = 0, cw = 0;
    for (size_t i = 0; i < s->n_facts; i++) {
        fact_cell(t, &s->facts[i], &c[i]);
        if (c[i].lw > lw) lw = c[i].lw;
        if (c[i].vw > vw) vw = c[i].vw;
        if (c[i].cw > cw) cw = c[i].cw;
    }
    const int indent = 2, gap = 3;
    int cell = lw + 1 + vw + (cw ? 1 + cw : 0);
    if (indent + cell > t->width) {
        /* too wide for cells: one fact per line, the comparison after the
         * value when it fits there, else on its own line below */
        if (indent + lw + 1 + vw > t->width) lw = vw = 0;
        for (size_t i = 0; i < s->n_facts; i++) {
            lpad(t, indent);
            fact_put(t, &c[i], lw ? lw : c[i].lw, vw ? vw : c[i].vw, 0);
            if (c[i].cw) {
                if (t->col + 1 + c[i].cw > t->width) {
                    lend(t);
                    lpad(t, indent + 2);
                } else {
                    lpad(t, 1);
                }
                fact_put_cmp(t, &c[i], c[i].cw);
            }
            lend(t);
        }
        return;
    }
    size_t per = 3;
    while (per > 1 && indent + (int)per * cell + ((int)per - 1) * gap > t->width)
        per--;
    if (per > s->n_facts) per = s->n_facts;
    for (size_t i = 0; i < s->n_facts; i++) {
        if (i % per == 0)
            lpad(t, indent);
        else
            lpad(t, gap);
        fact_put(t, &c[i], lw, vw, cw);
        if (i % per == per - 1 || i + 1 == s->n_facts) lend(t);
    }
}

/* ---- items ---- */

static void items(struct tx *t, const struct rsection *s)
{
    for (size_t i = 0; i < s->n_items; i++) {
        const struct ritem *it = &s->items[i];
        const char *mark = it->severity == RS_CRITICAL  ? "[CRIT]"
                           : it->severity == RS_WARNING ? "[WARN]"
                                                        : "[INFO]";
        const char *sgr = it->severity == RS_CRITICAL  ? SGR_BRED
                          : it->severity == RS_WARNING ? SGR_YELLOW
                                                       : SGR_CYAN;
        const int ind = 9;
        lpad(t, 2);
        lsgr(t, sgr);
        lput(t, mark);
        lsgr(t, SGR_RESET);
        lpad(t, 1);
        wrap(t, it->title ? clean(t, it->title) : clean(t, it->key), ind, SGR_BOLD);
        if (it->evidence && *it->evidence) {
            lpad(t, ind);
            wrap(t, clean(t, it->evidence), ind, NULL);
        }
        if (it->example && *it->example) {
            lpad(t, ind + 2);
            lput(t, "e.g. ");
            wrap(t, clean(t, it->example), ind + 7, SGR_DIM);
        }
    }
}

/* ---- charts ---- */

/* Eighth blocks: index n is n/8 of a cell (U+258F .. U+2589, U+2588). */
static const char *const eighths[9] = {"",       "\u258F", "\u258E", "\u258D", "\u258C",
                                       "\u258B", "\u258A", "\u2589", "\u2588"};

static const char *colour_of(size_t k)
{
    static const char *const pal[] = {"32", "33", "31", "35", "36", "34", "1;32", "1;33"};
    return pal[k % (sizeof pal / sizeof pal[0])];
}

static double chart_value(const struct rchart *c, size_t s, size_t l)
{
    double v = c->values[s * c->n_labels + l];
    return (isnan(v) || v < 0) ? 0 : v;
}

/* A glyph per series: the first unused ASCII letter or digit of its name,
 * else the first unused of a fallback list, else '#'. */
static void series_glyphs(const struct rchart *c, char *g)
{
    static const char fallback[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    bool used[128] = {false};
    for (size_t k = 0; k < c->n_series; k++) {
        g[k] = '#';
        const char *name = c->series[k] ? c->series[k] : "";
        for (const char *p = name; *p; p++) {
            unsigned char ch = ch_lower((unsigned char)*p);
            if (ch_is_alnum(ch) && !used[ch]) {
                g[k] = (char)ch;
                break;
            }
        }
        if (g[k] == '#')
            for (const char *p = fallback; *p; p++)
                if (!used[(unsigned char)*p]) {
                    g[k] = *p;
                    break;
                }
        if (g[k] != '#') used[(unsigned char)g[k]] = true;
    }
}

static void chart(struct tx *t, const struct rchart *c)
{
    const char *title = clean(t, c->title);
    if (c->unit) title = arena_printf(t->a, "%s (%s)", title, clean(t, c->unit));
    lend(t);
    lpad(t, 2);
    wrap(t, title, 4, SGR_BOLD);
    if (c->n_labels == 0 || c->n_series == 0) {
        line(t, 4, "(no data)", SGR_DIM);
        return;
    }
    bool stacked = c->kind == RC_STACKED;
    size_t n_ser = stacked ? c->n_series : 1;
    const char **lab = arena_alloc(t->a, c->n_labels * sizeof *lab);
    const char **val = arena_alloc(t->a, c->n_labels * sizeof *val);
    double *tot = arena_alloc(t->a, c->n_labels * sizeof *tot);
    int lw = 0, vw = 0;
    double max = 0;
    for (size_t l = 0; l < c->n_labels; l++) {
        lab[l] = clean(t, c->labels[l]);
        tot[l] = 0;
        for (size_t k = 0; k < n_ser; k++)
            tot[l] += chart_value(c, k, l);
        struct rval v = rv_real(tot[l]);
        val[l] = value_text(t, &v);
        if (swidth(lab[l]) > lw) lw = swidth(lab[l]);
        if (swidth(val[l]) > vw) vw = swidth(val[l]);
        if (tot[l] > max) max = tot[l];
    }
    const int indent = 2;
    int lw_cap = (t->width - indent) / 3;
    if (lw > lw_cap) lw = lw_cap;
    int bar = t->width - indent - lw - 1 - 1 - vw;
    if (bar < 4) {
        lw = t->width - indent - 2 - vw - 4;
        if (lw < 3) lw = 3;
        bar = t->width - indent - lw - 2 - vw;
        if (bar < 0) bar = 0;
    }
    if (bar > TX_MAX_BAR) bar = TX_MAX_BAR;
    char *glyph = arena_alloc(t->a, n_ser + 1);
    if (stacked) series_glyphs(c, glyph);
    for (size_t l = 0; l < c->n_labels; l++) {
        lpad(t, indent);
        lcell(t, lab[l], lw, false);
        lpad(t, 1);
        int drawn = 0;
        if (!stacked) {
            long units = max > 0 ? lround(tot[l] / max * bar * 8) : 0;
            if (units == 0 && tot[l] > 0 && bar > 0) units = 1;
            lsgr(t, SGR_CYAN);
            for (long u = units; u > 0; u -= 8) {
                const char *g = eighths[u >= 8 ? 8 : u];
                lraw(t, g, strlen(g), 1);
                drawn++;
            }
            lsgr(t, SGR_RESET);
        } else {
            double cum = 0;
            for (size_t k = 0; k < n_ser; k++) {
                cum += chart_value(c, k, l);
                int end = max > 0 ? (int)lround(cum / max * bar) : 0;
                if (end > bar) end = bar;
                if (end <= drawn) continue;
                lsgr(t, colour_of(k));
                for (; drawn < end; drawn++)
                    lraw(t, &glyph[k], 1, 1);
                lsgr(t, SGR_RESET);
            }
        }
        lpad(t, bar - drawn + 1);
        lcell(t, val[l], vw, true);
        lend(t);
    }
    if (stacked) {
        /* the legend: "s=sent  d=deferred ...", wrapped */
        struct arena_str b = {.a = t->a};
        arena_str_put(&b, "", 0);
        for (size_t k = 0; k < n_ser; k++) {
            const char *e =
                arena_printf(t->a, "%s%c=%s", k ? "  " : "", glyph[k], clean(t, c->series[k]));
            arena_str_put(&b, e, strlen(e));
        }
        lpad(t, indent);
        wrap(t, b.p, indent, SGR_DIM);
    }
}

/* ---- tables ---- */

static bool col_numeric(const struct rcol *c)
{
    return c->kind == RK_INT || c->kind == RK_REAL || c->kind == RK_PCT;
}

/* Shrink column widths until the columns and separators fit `avail`
 * (headings wrap over up to TX_HEAD_LINES lines, so a heading may be
 * narrower than its text). The widest column that may still shrink in the
 * current phase loses one column at a time:
 *   0 text columns, down to 16
 *   1 columns wider than their content, down to their heading's longest word
 *   2 the same, down to 4
 *   3 text columns, down to 6
 *   4 separators of one space
 *   5 any column, down to 1
 * Returns the separator. */
static int fit_columns(const struct rtable *tb, int *w, const int *content, const int *hword,
                       int avail)
{
    size_t n = tb->n_cols;
    int sep = 2;
    for (int phase = 0; phase < 6; phase++) {
        if (phase == 4) {
            sep = 1;
            continue;
        }
        for (;;) {
            int total = (int)(n - 1) * sep;
            for (size_t i = 0; i < n; i++)
                total += w[i];
            if (total <= avail) return sep;
            size_t best = n;
            for (size_t i = 0; i < n; i++) {
                bool text = !col_numeric(&tb->cols[i]);
                int floor = phase == 0   ? (text ? 16 : INT32_MAX)
                            : phase == 1 ? (content[i] > hword[i] ? content[i] : hword[i])
                            : phase == 2 ? (content[i] > 4 ? content[i] : 4)
                            : phase == 3 ? (text ? 6 : INT32_MAX)
                                         : 1;
                if (w[i] > floor && (best == n || w[i] > w[best])) best = i;
            }
            if (best == n) break;
            w[best]--;
        }
    }
    return sep;
}

/* A heading wrapped at spaces into at most TX_HEAD_LINES lines of w
 * columns (a word too long is cut with "~", and so is the last line when
 * text is left over). Returns the number of lines. */
static size_t wrap_heading(struct tx *t, const char *s, int w, const char **lines)
{
    size_t n = 0;
    const char *p = s;
    while (*p == ' ')
        p++;
    while (*p && n < TX_HEAD_LINES) {
        if (n == TX_HEAD_LINES - 1) { /* the last line takes the rest */
            lines[n++] = cut(t, p, w);
            break;
        }
        /* as many words as fit */
        const char *end = p, *q = p;
        while (*q) {
            const char *e = q;
            while (*e && *e != ' ')
                e++;
            if (nwidth(p, (size_t)(e - p)) > w) break;
            end = e;
            q = e;
            while (*q == ' ')
                q++;
        }
        if (end == p) { /* the first word alone is too wide */
            while (*end && *end != ' ')
                end++;
            lines[n++] = cut(t, arena_strndup(t->a, p, (size_t)(end - p)), w);
        } else {
            lines[n++] = arena_strndup(t->a, p, (size_t)(end - p));
        }
        p = end;
        while (*p == ' ')
            p++;
    }
    if (n == 0) lines[n++] = "";
    return n;
}

/* The longest word of a heading, in columns. */
static int longest_word(const char *s)
{
    int best = 0;
    while (*s) {
        while (*s == ' ')
            s++;
        const char *e = s;
        while (*e && *e != ' ')
            e++;
        int ww = nwidth(s, (size_t)(e - s));
        if (ww > best) best = ww;
        s = e;
    }
    return best;
}

static void table(struct tx *t, const struct rtable *tb)
{
    lend(t);
    lpad(t, 2);
    wrap(t, clean(t, tb->title ? tb->title : tb->id), 4, SGR_BOLD);
    if (tb->note) {
        lpad(t, 2);
        wrap(t, clean(t, tb->note), 2, SGR_DIM);
    }
    size_t nc = tb->n_cols;
    if (nc == 0) return;
    if (tb->n_rows == 0) {
        line(t, 4, "(none)", SGR_DIM);
        return;
    }
    const char **cell = arena_alloc(t->a, tb->n_rows * nc * sizeof *cell);
    const char **hdr = arena_alloc(t->a, nc * sizeof *hdr);
    int *w = arena_alloc(t->a, nc * sizeof *w);
    int *content = arena_alloc(t->a, nc * sizeof *content);
    for (size_t c = 0; c < nc; c++) {
        hdr[c] = clean(t, tb->cols[c].title ? tb->cols[c].title : tb->cols[c].key);
        content[c] = 1;
    }
    for (size_t r = 0; r < tb->n_rows; r++)
        for (size_t c = 0; c < nc; c++) {
            const char *s = value_text(t, &tb->cells[r * nc + c]);
            cell[r * nc + c] = s;
            int sw = swidth(s);
            if (sw > content[c]) content[c] = sw;
        }
    for (size_t c = 0; c < nc; c++) {
        int hw = swidth(hdr[c]);
        w[c] = hw > content[c] ? hw : content[c];
    }
    const int indent = 2;
    int *hword = arena_alloc(t->a, nc * sizeof *hword);
    for (size_t c = 0; c < nc; c++)
        hword[c] = longest_word(hdr[c]);
    int sep = fit_columns(tb, w, content, hword, t->width - indent);
    /* headings (wrapped, aligned at the bottom), a rule, the rows */
    const char **hl = arena_alloc(t->a, nc * TX_HEAD_LINES * sizeof *hl);
    size_t *nh = arena_alloc(t->a, nc * sizeof *nh), rows = 1;
    for (size_t c = 0; c < nc; c++) {
        nh[c] = wrap_heading(t, hdr[c], w[c], hl + c * TX_HEAD_LINES);
        if (nh[c] > rows) rows = nh[c];
    }
    for (size_t k = 0; k < rows; k++) {
        lpad(t, indent);
        lsgr(t, SGR_BOLD);
        for (size_t c = 0; c < nc; c++) {
            if (c) lpad(t, sep);
            size_t skip = rows - nh[c];
            lcell(t, k < skip ? "" : hl[c * TX_HEAD_LINES + k - skip], w[c],
                  col_numeric(&tb->cols[c]));
        }
        lsgr(t, SGR_RESET);
        lend(t);
    }
    lpad(t, indent);
    for (size_t c = 0; c < nc; c++) {
        if (c) lpad(t, sep);
        rule(t, '-', w[c]);
    }
    lend(t);
    for (size_t r = 0; r < tb->n_rows; r++) {
        lpad(t, indent);
        for (size_t c = 0; c < nc; c++) {
            if (c) lpad(t, sep);
            lcell(t, cell[r * nc + c], w[c], col_numeric(&tb->cols[c]));
        }
        lend(t);
    }
    if (tb->truncated) line(t, indent, arena_printf(t->a, "(top %zu shown)", tb->n_rows), SGR_DIM);
}

/* ---- sections ---- */

static void section(struct tx *t, const struct rsection *s)
{
    section_title(t, clean(t, s->title ? s->title : s->id));
    if (s->empty) {
        lpad(t, 2);
        wrap(t, clean(t, s->empty), 2, SGR_DIM);
    }
    facts(t, s);
    if (s->n_items) {
        if (s->n_facts) lend(t);
        items(t, s);
    }
    for (size_t i = 0; i < s->n_charts; i++)
        chart(t, s->charts[i]);
    for (size_t i = 0; i < s->n_tables; i++)
        table(t, s->tables[i]);
    if (s->n_notes) lend(t);
    for (size_t i = 0; i < s->n_notes; i++) {
        lpad(t, 2);
        lput(t, "Note: ");
        wrap(t, clean(t, s->notes[i]), 8, NULL);
    }
}

int render_text(const struct report *r, FILE *out, int width, bool color, char *err, size_t errlen)
{
    struct tx t = {.out = out, .color = color, .a = arena_new()};
    t.width = width < TX_MIN_WIDTH ? TX_MIN_WIDTH : width > TX_MAX_WIDTH ? TX_MAX_WIDTH : width;
    buf_init(&t.line, 0);
    header(&t, r);
    thresholds(&t, r);
    for (size_t i = 0; i < r->n_sec; i++)
        section(&t, r->sec[i]);
    buf_free(&t.line);
    arena_free(t.a);
    if (fflush(out) != 0 || ferror(out)) {
        if (err && errlen) snprintf(err, errlen, "writing the text report: %s", strerror(errno));
        return -1;
    }
    return 0;
}
