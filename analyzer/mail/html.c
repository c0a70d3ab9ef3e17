/* html — HTML to text as a spam filter sees it, plus links and images.
 *
 * A single-pass tolerant tokenizer (no DOM, no tree building):
 *  - tags are removed; tag and attribute names are case-insensitive;
 *    attribute values may be "double", 'single' quoted or unquoted; a quoted
 *    '>' does not end a tag; an unclosed tag or quote runs to the end of input;
 *  - the content of script, style, title, iframe, noembed, noframes and
 *    template is dropped (up to the matching end tag, or to the end of input).
 *    <head> as such is NOT dropped: browsers leave the head at the first body
 *    content, so only its metadata (title, style, script) disappears;
 *  - block elements (p, div, br, tr, li, h1-h6, table, ...) become one line
 *    break; table cells a space; inline elements nothing ("F<b>ree</b>" ->
 *    "Free", which is what obfuscation rules must see);
 *  - comments "<!-- ... -->" (also "<!-->", "--!>") and every other "<!...>",
 *    "<?...>" are skipped; "<![CDATA[" is, as in browsers for HTML content, a
 *    bogus comment ending at the first '>';
 *  - entities: ~170 named (HTML 4 Latin-1, punctuation, symbols, some Greek),
 *    decimal and hex numeric with or without ';'; named ones without ';' only
 *    for the legacy names and never inside attribute values (in text a
 *    legacy name also matches as a prefix: "&copyx" is "\u00a9x"); 0, surrogates
 *    and values past U+10FFFF become U+FFFD; &#128;-&#159; are windows-1252
 *    as HTML5 specifies; control characters are dropped;
 *  - whitespace is collapsed to one space, line breaks to one '\n'; no
 *    leading or trailing whitespace. U+00A0 (nbsp) counts as a space.
 *    Invisible characters (U+00AD shy, U+200B-U+200F, U+2060, U+FEFF), as
 *    entities or raw UTF-8, are dropped so that hidden-splitting tricks fail.
 *  - links: <a href> (text = the rendered text inside, '\n' as space) and
 *    <area href> (text = alt); a new <a> closes an open one;
 *  - images: <img src> with width/height from attributes or inline style
 *    (style wins; "%" sizes ignored); kind from the src scheme (http:,
 *    https: or "//" remote; cid:; data:; other); tracking pixel = remote and
 *    (at most 2x2 with both sizes known, or display:none, visibility:hidden,
 *    or a zero width or height).
 * Ceilings: HTML_MAX_INPUT bytes rendered (ANOM_HTML_TOO_LARGE), at most
 * HTML_MAX_LINKS links and as many images (ANOM_HTML_TOO_MANY_LINKS).
 * The same pass keeps SpamAssassin's HTML.pm statistics in html_stats (see
 * html.h and the "SpamAssassin statistics" section below): only counting,
 * never changing the rendered text.
 * Does NOT apply CSS beyond the inline image style, build a tree, or judge
 * the character set (the caller converts to UTF-8 first). */
#include "mail/html.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/limits.h"
#include "util/nameidx.h"
#include "util/str.h"

/* ---- entities ---- */

struct entity {
    const char *name;
    uint32_t cp;
    int legacy; /* also recognised without ';' (outside attributes) */
};

/* Sorted by strcmp (bsearch). Code points from the HTML specification. */
static const struct entity entities[] = {
    {"AElig", 0x00C6, 1},  {"Aacute", 0x00C1, 1}, {"Acirc", 0x00C2, 1},   {"Agrave", 0x00C0, 1},
    {"Alpha", 0x0391, 0},  {"Aring", 0x00C5, 1},  {"Atilde", 0x00C3, 1},  {"Auml", 0x00C4, 1},
    {"Beta", 0x0392, 0},   {"Ccedil", 0x00C7, 1}, {"Dagger", 0x2021, 0},  {"Delta", 0x0394, 0},
    {"ETH", 0x00D0, 1},    {"Eacute", 0x00C9, 1}, {"Ecirc", 0x00CA, 1},   {"Egrave", 0x00C8, 1},
    {"Euml", 0x00CB, 1},   {"Gamma", 0x0393, 0},  {"Iacute", 0x00CD, 1},  {"Icirc", 0x00CE, 1},
    {"Igrave", 0x00CC, 1}, {"Iuml", 0x00CF, 1},   {"Ntilde", 0x00D1, 1},  {"OElig", 0x0152, 0},
    {"Oacute", 0x00D3, 1}, {"Ocirc", 0x00D4, 1},  {"Ograve", 0x00D2, 1},  {"Omega", 0x03A9, 0},
    {"Oslash", 0x00D8, 1}, {"Otilde", 0x00D5, 1}, {"Ouml", 0x00D6, 1},    {"Prime", 0x2033, 0},
    {"Scaron", 0x0160, 0}, {"THORN", 0x00DE, 1},  {"Uacute", 0x00DA, 1},  {"Ucirc", 0x00DB, 1},
    {"Ugrave", 0x00D9, 1}, {"Uuml", 0x00DC, 1},   {"Yacute", 0x00DD, 1},  {"Yuml", 0x0178, 0},
    {"aacute", 0x00E1, 1}, {"acirc", 0x00E2, 1},  {"acute", 0x00B4, 1},   {"aelig", 0x00E6, 1},
    {"agrave", 0x00E0, 1}, {"alpha", 0x03B1, 0},  {"amp", 0x0026, 1},     {"apos", 0x0027, 0},
    {"aring", 0x00E5, 1},  {"asymp", 0x2248, 0},  {"atilde", 0x00E3, 1},  {"auml", 0x00E4, 1},
    {"bdquo", 0x201E, 0},  {"beta", 0x03B2, 0},   {"brvbar", 0x00A6, 1},  {"bull", 0x2022, 0},
    {"ccedil", 0x00E7, 1}, {"cedil", 0x00B8, 1},  {"cent", 0x00A2, 1},    {"circ", 0x02C6, 0},
    {"clubs", 0x2663, 0},  {"copy", 0x00A9, 1},   {"curren", 0x00A4, 1},  {"dagger", 0x2020, 0},
    {"darr", 0x2193, 0},   {"deg", 0x00B0, 1},    {"delta", 0x03B4, 0},   {"diams", 0x2666, 0},
    {"divide", 0x00F7, 1}, {"eacute", 0x00E9, 1}, {"ecirc", 0x00EA, 1},   {"egrave", 0x00E8, 1},
    {"emsp", 0x2003, 0},   {"ensp", 0x2002, 0},   {"epsilon", 0x03B5, 0}, {"eth", 0x00F0, 1},
    {"euml", 0x00EB, 1},   {"euro", 0x20AC, 0},   {"fnof", 0x0192, 0},    {"frac12", 0x00BD, 1},
    {"frac14", 0x00BC, 1}, {"frac34", 0x00BE, 1}, {"frasl", 0x2044, 0},   {"gamma", 0x03B3, 0},
    {"ge", 0x2265, 0},     {"gt", 0x003E, 1},     {"harr", 0x2194, 0},    {"hearts", 0x2665, 0},
    {"hellip", 0x2026, 0}, {"iacute", 0x00ED, 1}, {"icirc", 0x00EE, 1},   {"iexcl", 0x00A1, 1},
    {"igrave", 0x00EC, 1}, {"infin", 0x221E, 0},  {"iquest", 0x00BF, 1},  {"iuml", 0x00EF, 1},
    {"lambda", 0x03BB, 0}, {"laquo", 0x00AB, 1},  {"larr", 0x2190, 0},    {"ldquo", 0x201C, 0},
    {"le", 0x2264, 0},     {"loz", 0x25CA, 0},    {"lrm", 0x200E, 0},     {"lsaquo", 0x2039, 0},
    {"lsquo", 0x2018, 0},  {"lt", 0x003C, 1},     {"macr", 0x00AF, 1},    {"mdash", 0x2014, 0},
    {"micro", 0x00B5, 1},  {"middot", 0x00B7, 1}, {"minus", 0x2212, 0},   {"mu", 0x03BC, 0},
    {"nbsp", 0x00A0, 1},   {"ndash", 0x2013, 0},  {"ne", 0x2260, 0},      {"not", 0x00AC, 1},
    {"ntilde", 0x00F1, 1}, {"oacute", 0x00F3, 1}, {"ocirc", 0x00F4, 1},   {"oelig", 0x0153, 0},
    {"ograve", 0x00F2, 1}, {"oline", 0x203E, 0},  {"omega", 0x03C9, 0},   {"ordf", 0x00AA, 1},
    {"ordm", 0x00BA, 1},   {"oslash", 0x00F8, 1}, {"otilde", 0x00F5, 1},  {"ouml", 0x00F6, 1},
    {"para", 0x00B6, 1},   {"permil", 0x2030, 0}, {"pi", 0x03C0, 0},      {"plusmn", 0x00B1, 1},
    {"pound", 0x00A3, 1},  {"prime", 0x2032, 0},  {"quot", 0x0022, 1},    {"radic", 0x221A, 0},
    {"raquo", 0x00BB, 1},  {"rarr", 0x2192, 0},   {"rdquo", 0x201D, 0},   {"reg", 0x00AE, 1},
    {"rlm", 0x200F, 0},    {"rsaquo", 0x203A, 0}, {"rsquo", 0x2019, 0},   {"sbquo", 0x201A, 0},
    {"scaron", 0x0161, 0}, {"sect", 0x00A7, 1},   {"shy", 0x00AD, 1},     {"sigma", 0x03C3, 0},
    {"spades", 0x2660, 0}, {"sum", 0x2211, 0},    {"sup1", 0x00B9, 1},    {"sup2", 0x00B2, 1},
    {"sup3", 0x00B3, 1},   {"szlig", 0x00DF, 1},  {"thinsp", 0x2009, 0},  {"thorn", 0x00FE, 1},
    {"tilde", 0x02DC, 0},  {"times", 0x00D7, 1},  {"trade", 0x2122, 0},   {"uacute", 0x00FA, 1},
    {"uarr", 0x2191, 0},   {"ucirc", 0x00FB, 1},  {"ugrave", 0x00F9, 1},  {"uml", 0x00A8, 1},
    {"uuml", 0x00FC, 1},   {"yacute", 0x00FD, 1}, {"yen", 0x00A5, 1},     {"yuml", 0x00FF, 1},
    {"zwj", 0x200D, 0},    {"zwnj", 0x200C, 0},
};

/* &#128;-&#159;: windows-1252, as HTML5 replaces them; 0 = keep as is. */
static const uint16_t c1_remap[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static int entity_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct entity *)elem)->name);
}

#define CP_NONE 0xFFFFFFFFu /* decoded to nothing (control character) */

static uint32_t numeric_fixup(uint32_t v)
{
    if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0xFFFD;
    if (v >= 0x80 && v <= 0x9F) return c1_remap[v - 0x80] ? c1_remap[v - 0x80] : CP_NONE;
    if ((v < 0x20 && v != '\t' && v != '\n' && v != '\r' && v != '\f') || v == 0x7F) return CP_NONE;
    return v;
}

/* Decode the entity at in[0] == '&'. Returns the bytes consumed (0 when it
 * is not an entity) and the code point in *cp. */
static size_t entity_decode(const unsigned char *in, size_t len, bool in_attr, uint32_t *cp)
{
    if (len < 2) return 0;
    if (in[1] == '#') {
        size_t i = 2;
        bool hex = false;
        if (i < len && (in[i] == 'x' || in[i] == 'X')) {
            hex = true;
            i++;
        }
        size_t start = i;
        uint32_t v = 0;
        while (i < len) {
            int d = hex ? ch_hexval(in[i]) : (ch_is_digit(in[i]) ? in[i] - '0' : -1);
            if (d < 0) break;
            if (v <= 0x10FFFF) v = v * (hex ? 16u : 10u) + (uint32_t)d;
            i++;
        }
        if (i == start) return 0;
        if (i < len && in[i] == ';') i++;
        *cp = numeric_fixup(v);
        return i;
    }
    size_t n = 0;
    while (1 + n < len && n < 32 && ch_is_alnum(in[1 + n]))
        n++;
    if (n == 0 || n == 32) return 0;
    char name[33];
    memcpy(name, in + 1, n);
    name[n] = 0;
    const struct entity *e =
        bsearch(name, entities, sizeof entities / sizeof entities[0], sizeof *e, entity_cmp);
    if (!e) {
        /* In text a legacy name is recognised as a prefix too ("&copyx" is
         * "\u00a9x"), as HTML5 and HTML::Parser do; never in attributes. */
        if (in_attr) return 0;
        for (size_t k = n - 1; k >= 2; k--) {
            name[k] = 0;
            e = bsearch(name, entities, sizeof entities / sizeof entities[0], sizeof *e,
                        entity_cmp);
            if (e && e->legacy) {
                *cp = e->cp;
                return 1 + k;
            }
        }
        return 0;
    }
    bool semi = 1 + n < len && in[1 + n] == ';';
    if (!semi && (in_attr || !e->legacy)) return 0;
    *cp = e->cp;
    return 1 + n + (semi ? 1 : 0);
}

static size_t utf8_put(unsigned char *o, uint32_t c)
{
    if (c < 0x80) {
        o[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (unsigned char)(0xC0 | c >> 6);
        o[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        o[0] = (unsigned char)(0xE0 | c >> 12);
        o[1] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | c >> 18);
    o[1] = (unsigned char)(0x80 | (c >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (c >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

static bool cp_is_invisible(uint32_t c)
{
    return c == 0xAD || (c >= 0x200B && c <= 0x200F) || c == 0x2060 || c == 0xFEFF;
}

static bool cp_is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0xA0;
}

/* Length of an invisible (>0) or nbsp (<0) UTF-8 sequence at in, else 0. */
static int raw_special(const unsigned char *in, size_t len)
{
    if (in[0] == 0xC2 && len >= 2) {
        if (in[1] == 0xAD) return 2;
        if (in[1] == 0xA0) return -2;
    } else if (in[0] == 0xE2 && len >= 3) {
        if (in[1] == 0x80 && in[2] >= 0x8B && in[2] <= 0x8F) return 3;
        if (in[1] == 0x81 && in[2] == 0xA0) return 3;
    } else if (in[0] == 0xEF && len >= 3 && in[1] == 0xBB && in[2] == 0xBF) {
        return 3;
    }
    return 0;
}

/* ---- output text ---- */

struct out {
    arena *a;
    unsigned char *p;
    size_t len, cap;
    bool pend_space, pend_nl;
};

static void out_grow(struct out *o, size_t n)
{
    size_t cap = o->cap * 2 + n + 64;
    unsigned char *q = arena_alloc(o->a, cap);
    memcpy(q, o->p, o->len);
    o->p = q;
    o->cap = cap;
}

static inline void out_reserve(struct out *o, size_t n)
{
    if (o->cap - o->len < n) out_grow(o, n);
}

/* Emit the pending separator before visible text. */
static inline void out_sep(struct out *o)
{
    if (o->len > 0 && (o->pend_nl || o->pend_space)) {
        out_reserve(o, 1);
        o->p[o->len++] = o->pend_nl ? '\n' : ' ';
    }
    o->pend_nl = o->pend_space = false;
}

static inline void out_bytes(struct out *o, const unsigned char *s, size_t n)
{
    if (o->pend_nl || o->pend_space) out_sep(o);
    out_reserve(o, n);
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void out_cp(struct out *o, uint32_t c)
{
    if (c == CP_NONE || cp_is_invisible(c)) return;
    if (cp_is_space(c)) {
        o->pend_space = true;
        return;
    }
    unsigned char u[4];
    out_bytes(o, u, utf8_put(u, c));
}

/* ---- tags ---- */

enum {
    T_BLOCK = 1, /* line break */
    T_CELL = 2,  /* space */
    T_DROP = 4,  /* content dropped up to the end tag */
    T_A = 8,
    T_AREA = 16,
    T_IMG = 32,
};

struct tag {
    const char *name;
    unsigned flags;
};

/* Sorted by strcmp (looked up through tags_idx). */
static const struct tag tags[] = {
    {"a", T_A},           {"address", T_BLOCK},    {"area", T_AREA},        {"article", T_BLOCK},
    {"aside", T_BLOCK},   {"blockquote", T_BLOCK}, {"body", T_BLOCK},       {"br", T_BLOCK},
    {"caption", T_BLOCK}, {"center", T_BLOCK},     {"dd", T_BLOCK},         {"details", T_BLOCK},
    {"dialog", T_BLOCK},  {"dir", T_BLOCK},        {"div", T_BLOCK},        {"dl", T_BLOCK},
    {"dt", T_BLOCK},      {"fieldset", T_BLOCK},   {"figcaption", T_BLOCK}, {"figure", T_BLOCK},
    {"footer", T_BLOCK},  {"form", T_BLOCK},       {"h1", T_BLOCK},         {"h2", T_BLOCK},
    {"h3", T_BLOCK},      {"h4", T_BLOCK},         {"h5", T_BLOCK},         {"h6", T_BLOCK},
    {"header", T_BLOCK},  {"hr", T_BLOCK},         {"html", T_BLOCK},       {"iframe", T_DROP},
    {"img", T_IMG},       {"legend", T_BLOCK},     {"li", T_BLOCK},         {"main", T_BLOCK},
    {"menu", T_BLOCK},    {"nav", T_BLOCK},        {"noembed", T_DROP},     {"noframes", T_DROP},
    {"ol", T_BLOCK},      {"option", T_BLOCK},     {"p", T_BLOCK},          {"pre", T_BLOCK},
    {"script", T_DROP},   {"section", T_BLOCK},    {"style", T_DROP},       {"summary", T_BLOCK},
    {"table", T_BLOCK},   {"tbody", T_BLOCK},      {"td", T_CELL},          {"template", T_DROP},
    {"tfoot", T_BLOCK},   {"th", T_CELL},          {"thead", T_BLOCK},      {"title", T_DROP},
    {"tr", T_BLOCK},      {"ul", T_BLOCK},
};

static struct nameidx tags_idx = NAMEIDX_INIT(tags);

/* Attributes the renderer reads; first occurrence wins (as in HTML5). */
enum {
    A_HREF,
    A_SRC,
    A_WIDTH,
    A_HEIGHT,
    A_STYLE,
    A_ALT,
    /* read for the SpamAssassin statistics only: */
    A_COLOR,
    A_FACE,
    A_SIZE,
    A_TEXT,
    A_ACTION,
    A_HTTP_EQUIV,
    A_CONTENT,
    A_BACKGROUND,
    A__COUNT
};
static const char *const attr_names[A__COUNT] = {
    "href", "src",  "width", "height", "style",      "alt",     "color",
    "face", "size", "text",  "action", "http-equiv", "content", "background"};

struct tag_tok {
    char name[16]; /* lowercased; "" when longer than 15 bytes */
    size_t name_len;
    bool end;
    struct slice attr[A__COUNT];
    bool has_attr[A__COUNT];
};

static bool is_tag_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* Tokenize a tag whose name starts at in[i]; fill t; return the index after
 * the closing '>' (or len). want_attrs: record the attributes above. */
static size_t parse_tag(const unsigned char *in, size_t len, size_t i, struct tag_tok *t,
                        bool want_attrs)
{
    size_t ns = i;
    while (i < len && !is_tag_space(in[i]) && in[i] != '/' && in[i] != '>')
        i++;
    t->name_len = i - ns;
    if (t->name_len < sizeof t->name) {
        for (size_t k = 0; k < t->name_len; k++)
            t->name[k] = (char)ch_lower(in[ns + k]);
        t->name[t->name_len] = 0;
    } else {
        t->name[0] = 0;
    }
    for (int k = 0; k < A__COUNT; k++)
        t->has_attr[k] = false;
    for (;;) {
        while (i < len && (is_tag_space(in[i]) || in[i] == '/'))
            i++;
        if (i >= len) return len;
        if (in[i] == '>') return i + 1;
        size_t an = i++; /* a leading '=' belongs to the name */
        while (i < len && !is_tag_space(in[i]) && in[i] != '/' && in[i] != '>' && in[i] != '=')
            i++;
        size_t an_len = i - an;
        while (i < len && is_tag_space(in[i]))
            i++;
        struct slice val = {NULL, 0};
        if (i < len && in[i] == '=') {
            i++;
            while (i < len && is_tag_space(in[i]))
                i++;
            if (i < len && (in[i] == '"' || in[i] == '\'')) {
                unsigned char q = in[i++];
                const unsigned char *e = memchr(in + i, q, len - i);
                size_t vend = e ? (size_t)(e - in) : len;
                val = (struct slice){(const char *)in + i, vend - i};
                i = e ? vend + 1 : len;
            } else {
                size_t vs = i;
                while (i < len && !is_tag_space(in[i]) && in[i] != '>')
                    i++;
                val = (struct slice){(const char *)in + vs, i - vs};
            }
        }
        if (!want_attrs) continue;
        for (int k = 0; k < A__COUNT; k++) {
            if (!t->has_attr[k] && str_eq_ci((const char *)in + an, an_len, attr_names[k])) {
                t->has_attr[k] = true;
                t->attr[k] = val.p ? val : (struct slice){"", 0};
            }
        }
    }
}

/* Entity-decode an attribute value into a NUL-terminated, trimmed string. */
static char *attr_decode(arena *a, struct slice v)
{
    const unsigned char *in = (const unsigned char *)v.p;
    unsigned char *o = arena_alloc(a, v.len + 1);
    size_t n = 0;
    for (size_t i = 0; i < v.len;) {
        uint32_t c;
        size_t used = in[i] == '&' ? entity_decode(in + i, v.len - i, true, &c) : 0;
        if (used == 0) {
            o[n++] = in[i++];
            continue;
        }
        i += used;
        if (c != CP_NONE) n += utf8_put(o + n, c); /* an entity is never shorter than its UTF-8 */
    }
    struct slice t = str_trim((const char *)o, n);
    char *s = arena_strndup(a, t.p, t.len);
    return s;
}

/* ---- links and images ---- */

struct render {
    arena *a;
    struct anomalies *an;
    struct out o;
    struct html_doc *doc;
    size_t cap_links, cap_images;
    bool link_open;
    size_t link_idx;   /* the open link (an <area> may be added after it) */
    size_t link_start; /* o.len when the open link began */
    bool too_many;
    struct sa_state *sa; /* SpamAssassin statistics (html_stats) */
};

static struct html_link *link_new(struct render *r)
{
    struct html_doc *d = r->doc;
    if (d->n_links >= HTML_MAX_LINKS) {
        r->too_many = true;
        return NULL;
    }
    d->links = arena_grow(r->a, d->links, &r->cap_links, d->n_links + 1, sizeof *d->links);
    return &d->links[d->n_links++];
}

static void link_close(struct render *r)
{
    if (!r->link_open) return;
    r->link_open = false;
    size_t n = r->o.len - r->link_start;
    char *t = arena_strndup(r->a, (const char *)r->o.p + r->link_start, n);
    for (size_t i = 0; i < n; i++)
        if (t[i] == '\n') t[i] = ' ';
    struct slice s = str_trim(t, n);
    r->doc->links[r->link_idx].text = arena_strndup(r->a, s.p, s.len);
}

/* A CSS or attribute length in pixels: leading digits; -1 when absent or a
 * percentage. */
static int parse_dim(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && ch_is_space((unsigned char)p[i]))
        i++;
    if (i == len || !ch_is_digit((unsigned char)p[i])) return -1;
    long v = 0;
    while (i < len && ch_is_digit((unsigned char)p[i])) {
        if (v < 100000) v = v * 10 + (p[i] - '0');
        i++;
    }
    if (i < len && p[i] == '.') /* fractional part ignored */
        while (++i < len && ch_is_digit((unsigned char)p[i]))
            ;
    if (i < len && p[i] == '%') return -1;
    return (int)v;
}

/* Inline style: width, height, display:none, visibility:hidden. */
static void parse_style(struct slice st, int *w, int *h, bool *hidden)
{
    const char *p = st.p, *end = st.p + st.len;
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *de = semi ? semi : end;
        const char *colon = memchr(p, ':', (size_t)(de - p));
        if (colon) {
            struct slice prop = str_trim(p, (size_t)(colon - p));
            struct slice val = str_trim(colon + 1, (size_t)(de - colon - 1));
            if (str_eq_ci(prop.p, prop.len, "width")) {
                int v = parse_dim(val.p, val.len);
                if (v >= 0) *w = v;
            } else if (str_eq_ci(prop.p, prop.len, "height")) {
                int v = parse_dim(val.p, val.len);
                if (v >= 0) *h = v;
            } else if (str_eq_ci(prop.p, prop.len, "display")) {
                if (str_starts_ci(val.p, val.len, "none")) *hidden = true;
            } else if (str_eq_ci(prop.p, prop.len, "visibility")) {
                if (str_starts_ci(val.p, val.len, "hidden")) *hidden = true;
            }
        }
        p = semi ? semi + 1 : end;
    }
}

static void image_add(struct render *r, const struct tag_tok *t)
{
    if (!t->has_attr[A_SRC]) return;
    struct html_doc *d = r->doc;
    if (d->n_images >= HTML_MAX_LINKS) {
        r->too_many = true;
        return;
    }
    d->images = arena_grow(r->a, d->images, &r->cap_images, d->n_images + 1, sizeof *d->images);
    struct html_image *im = &d->images[d->n_images++];
    im->src = attr_decode(r->a, t->attr[A_SRC]);
    size_t sl = strlen(im->src);
    if (str_starts_ci(im->src, sl, "http://") || str_starts_ci(im->src, sl, "https://") ||
        str_starts_ci(im->src, sl, "//"))
        im->kind = IMG_REMOTE;
    else if (str_starts_ci(im->src, sl, "cid:"))
        im->kind = IMG_CID;
    else if (str_starts_ci(im->src, sl, "data:"))
        im->kind = IMG_DATA;
    else
        im->kind = IMG_OTHER;
    int w = -1, h = -1;
    bool hidden = false;
    if (t->has_attr[A_WIDTH]) w = parse_dim(t->attr[A_WIDTH].p, t->attr[A_WIDTH].len);
    if (t->has_attr[A_HEIGHT]) h = parse_dim(t->attr[A_HEIGHT].p, t->attr[A_HEIGHT].len);
    if (t->has_attr[A_STYLE]) parse_style(t->attr[A_STYLE], &w, &h, &hidden);
    im->width = w;
    im->height = h;
    if (w == 0 || h == 0) hidden = true;
    im->tracking_pixel =
        im->kind == IMG_REMOTE && (hidden || (w >= 0 && w <= 2 && h >= 0 && h <= 2));
}

/* ---- SpamAssassin statistics (html_stats) ----
 *
 * A second bookkeeping over the same tokens: SpamAssassin's HTML.pm keeps,
 * per document, the tags seen and their open counts, the tags that are HTML
 * 4 elements, a text-style stack (colours, font size, display/visibility)
 * consulted for each piece of text, "obfuscation" (text that continues a
 * word across a tag), comments, titles and anchor texts. Everything below
 * only counts; it never changes the rendered text. */

enum {
    S_ELEM = 1,  /* an HTML 4.01 / XHTML 1.0 element (and nobr, x-sigsep, x-tab) */
    S_TRICK = 2, /* rendered but not valid: bgsound embed listing plaintext xmp */
    S_STYLE = 4, /* changes the text style */
    S_WS = 8,    /* inserts whitespace (start and end tag) */
};

/* Tags the statistics treat specially. */
enum sa_id {
    ID_OTHER,
    ID_A,
    ID_AREA,
    ID_BASE,
    ID_BASEFONT,
    ID_BGSOUND,
    ID_BIG,
    ID_BODY,
    ID_DIV,
    ID_EMBED,
    ID_FONT,
    ID_FORM,
    ID_FRAME,
    ID_IFRAME,
    ID_IMG,
    ID_LINK,
    ID_META,
    ID_OBJECT,
    ID_P,
    ID_SCRIPT,
    ID_SMALL,
    ID_SPAN,
    ID_TABLE,
    ID_TD,
    ID_TH,
    ID_TITLE,
    ID_TR,
    ID_DEFAULT, /* the bottom of the text-style stack */
};

struct sa_tag {
    const char *name;
    unsigned flags;
    enum sa_id id;
};

/* Sorted by strcmp (looked up through sa_tags_idx): SpamAssassin's %elements, %tricks,
 * %elements_text_style and %elements_whitespace, and with flags 0 (which
 * sa_tag treats as it treats a name not listed) the other names of `tags`
 * and `wanted`: one look-up of a tag's name finds all three (tag_info). */
static const struct sa_tag sa_tags[] = {
    {"a", S_ELEM | S_STYLE, ID_A},
    {"abbr", S_ELEM, ID_OTHER},
    {"acronym", S_ELEM, ID_OTHER},
    {"address", S_ELEM, ID_OTHER},
    {"applet", S_ELEM, ID_OTHER},
    {"area", S_ELEM, ID_AREA},
    {"article", 0, ID_OTHER},
    {"aside", 0, ID_OTHER},
    {"b", S_ELEM, ID_OTHER},
    {"base", S_ELEM, ID_BASE},
    {"basefont", S_ELEM | S_STYLE, ID_BASEFONT},
    {"bdo", S_ELEM, ID_OTHER},
    {"bgsound", S_TRICK, ID_BGSOUND},
    {"big", S_ELEM | S_STYLE, ID_BIG},
    {"blockquote", S_ELEM | S_WS, ID_OTHER},
    {"body", S_ELEM | S_STYLE, ID_BODY},
    {"br", S_ELEM | S_WS, ID_OTHER},
    {"button", S_ELEM, ID_OTHER},
    {"caption", S_ELEM, ID_OTHER},
    {"center", S_ELEM, ID_OTHER},
    {"cite", S_ELEM, ID_OTHER},
    {"code", S_ELEM, ID_OTHER},
    {"col", S_ELEM, ID_OTHER},
    {"colgroup", S_ELEM, ID_OTHER},
    {"dd", S_ELEM | S_WS, ID_OTHER},
    {"del", S_ELEM, ID_OTHER},
    {"details", 0, ID_OTHER},
    {"dfn", S_ELEM, ID_OTHER},
    {"dialog", 0, ID_OTHER},
    {"dir", S_ELEM, ID_OTHER},
    {"div", S_ELEM | S_STYLE | S_WS, ID_DIV},
    {"dl", S_ELEM, ID_OTHER},
    {"dt", S_ELEM | S_WS, ID_OTHER},
    {"em", S_ELEM, ID_OTHER},
    {"embed", S_TRICK | S_WS, ID_EMBED},
    {"fieldset", S_ELEM, ID_OTHER},
    {"figcaption", 0, ID_OTHER},
    {"figure", 0, ID_OTHER},
    {"font", S_ELEM | S_STYLE, ID_FONT},
    {"footer", 0, ID_OTHER},
    {"form", S_ELEM, ID_FORM},
    {"frame", S_ELEM, ID_FRAME},
    {"frameset", S_ELEM, ID_OTHER},
    {"h1", S_ELEM | S_WS, ID_OTHER},
    {"h2", S_ELEM | S_WS, ID_OTHER},
    {"h3", S_ELEM | S_WS, ID_OTHER},
    {"h4", S_ELEM | S_WS, ID_OTHER},
    {"h5", S_ELEM | S_WS, ID_OTHER},
    {"h6", S_ELEM | S_WS, ID_OTHER},
    {"head", S_ELEM, ID_OTHER},
    {"header", 0, ID_OTHER},
    {"hr", S_ELEM | S_WS, ID_OTHER},
    {"html", S_ELEM, ID_OTHER},
    {"i", S_ELEM, ID_OTHER},
    {"iframe", S_ELEM, ID_IFRAME},
    {"img", S_ELEM, ID_IMG},
    {"input", S_ELEM, ID_OTHER},
    {"ins", S_ELEM, ID_OTHER},
    {"isindex", S_ELEM, ID_OTHER},
    {"kbd", S_ELEM, ID_OTHER},
    {"label", S_ELEM, ID_OTHER},
    {"legend", S_ELEM, ID_OTHER},
    {"li", S_ELEM | S_WS, ID_OTHER},
    {"link", S_ELEM, ID_LINK},
    {"listing", S_TRICK | S_WS, ID_OTHER},
    {"main", 0, ID_OTHER},
    {"map", S_ELEM, ID_OTHER},
    {"menu", S_ELEM, ID_OTHER},
    {"meta", S_ELEM, ID_META},
    {"nav", 0, ID_OTHER},
    {"nobr", S_ELEM, ID_OTHER},
    {"noembed", 0, ID_OTHER},
    {"noframes", S_ELEM, ID_OTHER},
    {"noscript", S_ELEM, ID_OTHER},
    {"object", S_ELEM, ID_OBJECT},
    {"ol", S_ELEM, ID_OTHER},
    {"optgroup", S_ELEM, ID_OTHER},
    {"option", S_ELEM, ID_OTHER},
    {"p", S_ELEM | S_STYLE | S_WS, ID_P},
    {"param", S_ELEM, ID_OTHER},
    {"plaintext", S_TRICK | S_WS, ID_OTHER},
    {"pre", S_ELEM | S_WS, ID_OTHER},
    {"q", S_ELEM, ID_OTHER},
    {"s", S_ELEM, ID_OTHER},
    {"samp", S_ELEM, ID_OTHER},
    {"script", S_ELEM, ID_SCRIPT},
    {"section", 0, ID_OTHER},
    {"select", S_ELEM, ID_OTHER},
    {"small", S_ELEM | S_STYLE, ID_SMALL},
    {"span", S_ELEM | S_STYLE, ID_SPAN},
    {"strike", S_ELEM, ID_OTHER},
    {"strong", S_ELEM, ID_OTHER},
    {"style", S_ELEM, ID_OTHER},
    {"sub", S_ELEM, ID_OTHER},
    {"summary", 0, ID_OTHER},
    {"sup", S_ELEM, ID_OTHER},
    {"table", S_ELEM | S_STYLE, ID_TABLE},
    {"tbody", S_ELEM, ID_OTHER},
    {"td", S_ELEM | S_STYLE | S_WS, ID_TD},
    {"template", 0, ID_OTHER},
    {"textarea", S_ELEM, ID_OTHER},
    {"tfoot", S_ELEM, ID_OTHER},
    {"th", S_ELEM | S_STYLE | S_WS, ID_TH},
    {"thead", S_ELEM, ID_OTHER},
    {"title", S_ELEM | S_WS, ID_TITLE},
    {"tr", S_ELEM | S_STYLE, ID_TR},
    {"tt", S_ELEM, ID_OTHER},
    {"u", S_ELEM, ID_OTHER},
    {"ul", S_ELEM, ID_OTHER},
    {"var", S_ELEM, ID_OTHER},
    {"x-sigsep", S_ELEM, ID_OTHER},
    {"x-tab", S_ELEM, ID_OTHER},
    {"xmp", S_TRICK | S_WS, ID_OTHER},
};

struct sa_color {
    const char *name;
    uint32_t rgb;
};

/* CSS3 colour keywords (the HTML 4 sixteen among them), sorted by strcmp. */
static const struct sa_color sa_colors[] = {
    {"aliceblue", 0xf0f8ff},
    {"antiquewhite", 0xfaebd7},
    {"aqua", 0x00ffff},
    {"aquamarine", 0x7fffd4},
    {"azure", 0xf0ffff},
    {"beige", 0xf5f5dc},
    {"bisque", 0xffe4c4},
    {"black", 0x000000},
    {"blanchedalmond", 0xffebcd},
    {"blue", 0x0000ff},
    {"blueviolet", 0x8a2be2},
    {"brown", 0xa52a2a},
    {"burlywood", 0xdeb887},
    {"cadetblue", 0x5f9ea0},
    {"chartreuse", 0x7fff00},
    {"chocolate", 0xd2691e},
    {"coral", 0xff7f50},
    {"cornflowerblue", 0x6495ed},
    {"cornsilk", 0xfff8dc},
    {"crimson", 0xdc143c},
    {"cyan", 0x00ffff},
    {"darkblue", 0x00008b},
    {"darkcyan", 0x008b8b},
    {"darkgoldenrod", 0xb8860b},
    {"darkgray", 0xa9a9a9},
    {"darkgreen", 0x006400},
    {"darkgrey", 0xa9a9a9},
    {"darkkhaki", 0xbdb76b},
    {"darkmagenta", 0x8b008b},
    {"darkolivegreen", 0x556b2f},
    {"darkorange", 0xff8c00},
    {"darkorchid", 0x9932cc},
    {"darkred", 0x8b0000},
    {"darksalmon", 0xe9967a},
    {"darkseagreen", 0x8fbc8f},
    {"darkslateblue", 0x483d8b},
    {"darkslategray", 0x2f4f4f},
    {"darkslategrey", 0x2f4f4f},
    {"darkturquoise", 0x00ced1},
    {"darkviolet", 0x9400d3},
    {"deeppink", 0xff1493},
    {"deepskyblue", 0x00bfff},
    {"dimgray", 0x696969},
    {"dimgrey", 0x696969},
    {"dodgerblue", 0x1e90ff},
    {"firebrick", 0xb22222},
    {"floralwhite", 0xfffaf0},
    {"forestgreen", 0x228b22},
    {"fuchsia", 0xff00ff},
    {"gainsboro", 0xdcdcdc},
    {"ghostwhite", 0xf8f8ff},
    {"gold", 0xffd700},
    {"goldenrod", 0xdaa520},
    {"gray", 0x808080},
    {"green", 0x008000},
    {"greenyellow", 0xadff2f},
    {"grey", 0x808080},
    {"honeydew", 0xf0fff0},
    {"hotpink", 0xff69b4},
    {"indianred", 0xcd5c5c},
    {"indigo", 0x4b0082},
    {"ivory", 0xfffff0},
    {"khaki", 0xf0e68c},
    {"lavender", 0xe6e6fa},
    {"lavenderblush", 0xfff0f5},
    {"lawngreen", 0x7cfc00},
    {"lemonchiffon", 0xfffacd},
    {"lightblue", 0xadd8e6},
    {"lightcoral", 0xf08080},
    {"lightcyan", 0xe0ffff},
    {"lightgoldenrodyellow", 0xfafad2},
    {"lightgray", 0xd3d3d3},
    {"lightgreen", 0x90ee90},
    {"lightgrey", 0xd3d3d3},
    {"lightpink", 0xffb6c1},
    {"lightsalmon", 0xffa07a},
    {"lightseagreen", 0x20b2aa},
    {"lightskyblue", 0x87cefa},
    {"lightslategray", 0x778899},
    {"lightslategrey", 0x778899},
    {"lightsteelblue", 0xb0c4de},
    {"lightyellow", 0xffffe0},
    {"lime", 0x00ff00},
    {"limegreen", 0x32cd32},
    {"linen", 0xfaf0e6},
    {"magenta", 0xff00ff},
    {"maroon", 0x800000},
    {"mediumaquamarine", 0x66cdaa},
    {"mediumblue", 0x0000cd},
    {"mediumorchid", 0xba55d3},
    {"mediumpurple", 0x9370db},
    {"mediumseagreen", 0x3cb371},
    {"mediumslateblue", 0x7b68ee},
    {"mediumspringgreen", 0x00fa9a},
    {"mediumturquoise", 0x48d1cc},
    {"mediumvioletred", 0xc71585},
    {"midnightblue", 0x191970},
    {"mintcream", 0xf5fffa},
    {"mistyrose", 0xffe4e1},
    {"moccasin", 0xffe4b5},
    {"navajowhite", 0xffdead},
    {"navy", 0x000080},
    {"oldlace", 0xfdf5e6},
    {"olive", 0x808000},
    {"olivedrab", 0x6b8e23},
    {"orange", 0xffa500},
    {"orangered", 0xff4500},
    {"orchid", 0xda70d6},
    {"palegoldenrod", 0xeee8aa},
    {"palegreen", 0x98fb98},
    {"paleturquoise", 0xafeeee},
    {"palevioletred", 0xdb7093},
    {"papayawhip", 0xffefd5},
    {"peachpuff", 0xffdab9},
    {"peru", 0xcd853f},
    {"pink", 0xffc0cb},
    {"plum", 0xdda0dd},
    {"powderblue", 0xb0e0e6},
    {"purple", 0x800080},
    {"red", 0xff0000},
    {"rosybrown", 0xbc8f8f},
    {"royalblue", 0x4169e1},
    {"saddlebrown", 0x8b4513},
    {"salmon", 0xfa8072},
    {"sandybrown", 0xf4a460},
    {"seagreen", 0x2e8b57},
    {"seashell", 0xfff5ee},
    {"sienna", 0xa0522d},
    {"silver", 0xc0c0c0},
    {"skyblue", 0x87ceeb},
    {"slateblue", 0x6a5acd},
    {"slategray", 0x708090},
    {"slategrey", 0x708090},
    {"snow", 0xfffafa},
    {"springgreen", 0x00ff7f},
    {"steelblue", 0x4682b4},
    {"tan", 0xd2b48c},
    {"teal", 0x008080},
    {"thistle", 0xd8bfd8},
    {"tomato", 0xff6347},
    {"turquoise", 0x40e0d0},
    {"violet", 0xee82ee},
    {"wheat", 0xf5deb3},
    {"white", 0xffffff},
    {"whitesmoke", 0xf5f5f5},
    {"yellow", 0xffff00},
    {"yellowgreen", 0x9acd32},
};

static struct nameidx sa_tags_idx = NAMEIDX_INIT(sa_tags);
#define SA_N_TAGS (sizeof sa_tags / sizeof *sa_tags)

static int sa_color_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct sa_color *)elem)->name);
}

#define SA_COLOR_LEN 16 /* "#rrggbb", "#", "invalid", "transparent" */

struct sa_style {
    enum sa_id tag;
    char fg[SA_COLOR_LEN], bg[SA_COLOR_LEN];
    int size;
    bool display_none, visibility_hidden;
};

#define SA_SLOTS 512 /* hash slots for tag names (> 2 x HTML_MAX_TAGNAMES) */

struct sa_state {
    struct html_stats *st;
    arena *a;
    uint16_t slot[SA_SLOTS];   /* index + 1 into st->tagv, 0 = empty */
    uint16_t known[SA_N_TAGS]; /* the same for the names of sa_tags, by their index */
    size_t cap_tagv, cap_comments, cap_titles, cap_anchors;
    size_t n_style;
    int basefont;
    /* the current text event (text between two pieces of markup) */
    bool ev_open, ev_checked, ev_invisible, ev_last_word;
    int inside_a, inside_title; /* the open counts of <a> and <title> */
    bool prev_word;             /* the last text pushed ends in a word character */
    struct arena_str anchor, title;
    bool anchor_open, title_open;
    /* last: sa_init zeroes the state up to style[0]; an entry above
     * n_style is written whole when pushed before it is read */
    struct sa_style style[HTML_MAX_STYLE_DEPTH];
};

static bool sa_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == 0x0B;
}

/* Not whitespace and not ASCII punctuation: SpamAssassin's
 * [^\s\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e] (bytes >= 0x80 are letters). */
static bool sa_word_byte(unsigned char c)
{
    if (sa_is_space(c)) return false;
    if (c >= 0x21 && c <= 0x2F) return false;
    if (c >= 0x3A && c <= 0x40) return false;
    if (c >= 0x5B && c <= 0x60) return false;
    if (c >= 0x7B && c <= 0x7E) return false;
    return true;
}

/* Length of a Unicode whitespace character (Perl's \s: U+0085, U+1680,
 * U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000) at p, else 0.
 * U+00A0 is handled by the renderer as a space already. */
static size_t sa_uspace_len(const unsigned char *p, size_t len)
{
    if (len >= 2 && p[0] == 0xC2 && p[1] == 0x85) return 2;
    if (len < 3) return 0;
    if (p[0] == 0xE2 && p[1] == 0x80 &&
        (p[2] <= 0x8A || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF))
        return 3;
    if (p[0] == 0xE2 && p[1] == 0x81 && p[2] == 0x9F) return 3;
    if (p[0] == 0xE3 && p[1] == 0x80 && p[2] == 0x80) return 3;
    if (p[0] == 0xE1 && p[1] == 0x9A && p[2] == 0x80) return 3;
    return 0;
}

static void sa_put(struct arena_str *b, const void *p, size_t n)
{
    if (b->len >= HTML_SNIPPET_MAX) return;
    if (n > HTML_SNIPPET_MAX - b->len) n = HTML_SNIPPET_MAX - b->len;
    arena_str_put(b, p, n);
}

static char *sa_take(struct sa_state *S, struct arena_str *b)
{
    char *s = b->p ? b->p : arena_strdup(S->a, "");
    *b = (struct arena_str){.a = S->a};
    return s;
}

static void sa_push_str(struct sa_state *S, char ***v, size_t *n, size_t *cap, char *s)
{
    if (*n >= HTML_MAX_SNIPPETS) return;
    *v = arena_grow(S->a, *v, cap, *n + 1, sizeof **v);
    (*v)[(*n)++] = s;
}

static void sa_anchor_commit(struct sa_state *S)
{
    if (!S->anchor_open) return;
    S->anchor_open = false;
    sa_push_str(S, &S->st->anchors, &S->st->n_anchors, &S->cap_anchors, sa_take(S, &S->anchor));
}

static void sa_title_commit(struct sa_state *S)
{
    if (!S->title_open) return;
    S->title_open = false;
    sa_push_str(S, &S->st->titles, &S->st->n_titles, &S->cap_titles, sa_take(S, &S->title));
}

/* A new count for `name`; *slot gets its index + 1. NULL past the ceiling. */
static struct html_tagcount *sa_tagcount_new(struct sa_state *S, const char *name, uint16_t *slot)
{
    if (S->st->n_tagv >= HTML_MAX_TAGNAMES) return NULL;
    S->st->tagv =
        arena_grow(S->a, S->st->tagv, &S->cap_tagv, S->st->n_tagv + 1, sizeof *S->st->tagv);
    struct html_tagcount *tc = &S->st->tagv[S->st->n_tagv++];
    size_t nl = strnlen(name, sizeof tc->name - 1);
    memcpy(tc->name, name, nl);
    tc->name[nl] = 0;
    tc->inside = 0;
    *slot = (uint16_t)S->st->n_tagv;
    return tc;
}

/* The count of the tag name `name`, whose sa_tags index is ti (-1: not
 * listed): a listed name's count is found by its index (S->known), any
 * other through the hash (S->slot). Created when absent and `create`. */
static struct html_tagcount *sa_tagcount(struct sa_state *S, const char *name, int ti, bool create)
{
    if (ti >= 0) {
        if (S->known[ti]) return &S->st->tagv[S->known[ti] - 1];
        return create ? sa_tagcount_new(S, name, &S->known[ti]) : NULL;
    }
    uint32_t h = 2166136261u;
    for (const char *q = name; *q; q++)
        h = (h ^ (unsigned char)*q) * 16777619u;
    for (uint32_t k = 0; k < SA_SLOTS; k++) {
        uint32_t s = (h + k) & (SA_SLOTS - 1);
        if (!S->slot[s]) return create ? sa_tagcount_new(S, name, &S->slot[s]) : NULL;
        struct html_tagcount *tc = &S->st->tagv[S->slot[s] - 1];
        if (strcmp(tc->name, name) == 0) return tc;
    }
    return NULL;
}

/* ---- colours (SpamAssassin's name_to_rgb) ---- */

static void sa_hex_put(char *o, size_t *n, size_t cap, unsigned long long v)
{
    char tmp[24];
    int k = snprintf(tmp, sizeof tmp, v < 16 ? "0%llx" : "%llx", v);
    for (int j = 0; j < k && *n + 1 < cap; j++)
        o[(*n)++] = tmp[j];
    o[*n] = 0;
}

/* Leading decimal digits of (p,len) at *i (advanced); capped. */
static unsigned long long sa_digits(const char *p, size_t len, size_t *i)
{
    unsigned long long v = 0;
    while (*i < len && ch_is_digit((unsigned char)p[*i])) {
        if (v < 1000000000000ULL) v = v * 10 + (unsigned)(p[*i] - '0');
        (*i)++;
    }
    return v;
}

static size_t sa_skip_ws(const char *p, size_t len, size_t i)
{
    while (i < len && sa_is_space((unsigned char)p[i]))
        i++;
    return i;
}

/* "rgb(" at p[i]: three numbers, each followed by '%' when pct, separated by
 * ',' and optional whitespace, then optional whitespace and ')'. */
static bool sa_rgb_call(const char *p, size_t len, size_t i, bool pct, unsigned long long v[3])
{
    i += 4;
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            if (i >= len || p[i] != ',') return false;
            i = sa_skip_ws(p, len, i + 1);
        }
        if (i >= len || !ch_is_digit((unsigned char)p[i])) return false;
        v[k] = sa_digits(p, len, &i);
        if (pct) {
            if (i >= len || p[i] != '%') return false;
            i++;
        }
    }
    i = sa_skip_ws(p, len, i);
    return i < len && p[i] == ')';
}

bool html_color_by_name(const char *name, uint32_t *rgb)
{
    const struct sa_color *c =
        bsearch(name, sa_colors, sizeof sa_colors / sizeof sa_colors[0], sizeof *c, sa_color_cmp);
    if (c && rgb) *rgb = c->rgb;
    return c != NULL;
}

static void sa_name_to_rgb(const char *in, size_t len, char out[SA_COLOR_LEN])
{
    char buf[64];
    struct slice t = str_trim(in, len);
    if (t.len >= sizeof buf) {
        snprintf(out, SA_COLOR_LEN, "invalid");
        return;
    }
    for (size_t k = 0; k < t.len; k++)
        buf[k] = (char)ch_lower((unsigned char)t.p[k]);
    buf[t.len] = 0;
    const struct sa_color *c =
        bsearch(buf, sa_colors, sizeof sa_colors / sizeof sa_colors[0], sizeof *c, sa_color_cmp);
    if (c) {
        snprintf(out, SA_COLOR_LEN, "#%06x", (unsigned)c->rgb);
        return;
    }
    bool hexonly = true;
    for (size_t k = 0; k < t.len; k++)
        if (buf[k] != '#' && !ch_is_digit((unsigned char)buf[k]) && (buf[k] < 'a' || buf[k] > 'f'))
            hexonly = false;
    /* an rgb( ... ) call made of digits, '%', ',' and spaces only */
    const char *rgb = NULL;
    for (const char *q = strstr(buf, "rgb("); q && !rgb; q = strstr(q + 1, "rgb(")) {
        const char *e = q + 4;
        while (*e && (ch_is_digit((unsigned char)*e) || *e == '%' || *e == ',' || *e == ' '))
            e++;
        if (*e == ')') rgb = q;
    }
    if (!hexonly && !rgb) {
        snprintf(out, SA_COLOR_LEN, "invalid");
        return;
    }
    char col[64];
    snprintf(col, sizeof col, "%s", buf);
    size_t clen = strlen(col);
    unsigned long long v[3];
    const char *pc = strstr(col, "rgb(");
    if (pc && sa_rgb_call(col, clen, (size_t)(pc - col), true, v)) {
        size_t n = 1;
        char nc[64] = "#";
        for (int k = 0; k < 3; k++)
            sa_hex_put(nc, &n, sizeof nc, (unsigned long long)((double)v[k] / 100.0 * 255.0));
        memcpy(col, nc, n + 1);
        clen = n;
    }
    pc = strstr(col, "rgb(");
    if (pc && sa_rgb_call(col, clen, (size_t)(pc - col), false, v)) {
        size_t n = 1;
        char nc[64] = "#";
        for (int k = 0; k < 3; k++)
            sa_hex_put(nc, &n, sizeof nc, v[k]);
        memcpy(col, nc, n + 1);
        clen = n;
    }
    if (col[0] != '#') {
        snprintf(out, SA_COLOR_LEN, "invalid");
        return;
    }
    char hx[64];
    size_t h = 0;
    for (size_t k = 0; k < clen; k++)
        if (ch_is_xdigit((unsigned char)col[k])) hx[h++] = (char)ch_lower((unsigned char)col[k]);
    if (h > 6) h = 6;
    if (h > 3 && h < 6) h = 3;
    while (h % 3)
        hx[h++] = '0';
    if (h == 3) {
        hx[5] = hx[2], hx[4] = hx[2], hx[3] = hx[1], hx[2] = hx[1], hx[1] = hx[0];
        h = 6;
    }
    hx[h] = 0;
    out[0] = '#';
    memcpy(out + 1, hx, h + 1); /* h <= 6 */
}

/* ---- the text-style stack ---- */

static const char *sa_attr(struct render *r, const struct tag_tok *t, int k)
{
    return t->has_attr[k] ? attr_decode(r->a, t->attr[k]) : NULL;
}

/* CSS "background" shorthand (SpamAssassin's parse_css_background): values
 * split on spaces outside (), "" and '', layers on top-level commas; the
 * first value of the last layer that is a colour becomes the background. */
#define SA_BG_TOKENS 16
static void sa_css_background(const char *v, char out_bg[SA_COLOR_LEN])
{
    char cur[SA_BG_TOKENS][64], last[SA_BG_TOKENS][64];
    size_t n_cur = 0, n_last = 0, tl = 0;
    char tok[64];
    int stack[32], depth = 0, state = 0;
#define TOK_PUT(ch)                                                                                \
    do {                                                                                           \
        if (tl + 1 < sizeof tok) tok[tl++] = (ch);                                                 \
    } while (0)
#define TOK_END()                                                                                  \
    do {                                                                                           \
        if (tl && n_cur < SA_BG_TOKENS) {                                                          \
            memcpy(cur[n_cur], tok, tl);                                                           \
            cur[n_cur++][tl] = 0;                                                                  \
        }                                                                                          \
        tl = 0;                                                                                    \
    } while (0)
    for (const char *q = v; *q; q++) {
        char ch = *q;
        if (state == 0) {
            if (ch == ' ') {
                TOK_END();
            } else if (ch == '(' || ch == '"' || ch == '\'') {
                TOK_PUT(ch);
                if (depth < 32) stack[depth++] = state;
                state = ch == '(' ? 1 : ch == '"' ? 2 : 3;
            } else if (ch == ',') {
                TOK_END();
                memcpy(last, cur, sizeof cur);
                n_last = n_cur;
                n_cur = 0;
            } else {
                TOK_PUT(ch);
            }
        } else if (state == 1) {
            TOK_PUT(ch);
            if (ch == ')') {
                if (tl && n_cur < SA_BG_TOKENS) {
                    memcpy(cur[n_cur], tok, tl);
                    cur[n_cur++][tl] = 0;
                }
                tl = 0;
                state = depth ? stack[--depth] : 0;
            } else if (ch == '"' || ch == '\'') {
                if (depth < 32) stack[depth++] = state;
                state = ch == '"' ? 2 : 3;
            }
        } else {
            TOK_PUT(ch);
            if ((state == 2 && ch == '"') || (state == 3 && ch == '\''))
                state = depth ? stack[--depth] : 0;
        }
    }
    TOK_END();
#undef TOK_PUT
#undef TOK_END
    if (n_cur) {
        memcpy(last, cur, sizeof cur);
        n_last = n_cur;
    }
    for (size_t k = 0; k < n_last; k++) {
        char c[SA_COLOR_LEN];
        sa_name_to_rgb(last[k], strlen(last[k]), c);
        if (strcmp(c, "invalid") != 0) {
            memcpy(out_bg, c, SA_COLOR_LEN);
            return;
        }
    }
}

/* One declaration of an inline style attribute (SpamAssassin's rules). */
static void sa_css_decl(const char *d, size_t dl, struct sa_style *ns)
{
    /* a '.' in SpamAssassin's patterns does not match a line break */
    size_t i = 0;
    while (i < dl && sa_is_space((unsigned char)d[i]))
        i++;
    const char *p = d + i;
    size_t n = dl - i;
    bool bgc = str_starts_ci(p, n, "background-color:");
    if (bgc || str_starts_ci(p, n, "color:")) {
        size_t k = bgc ? 17 : 6;
        struct slice v = str_trim(p + k, n - k);
        if (v.len == 0 || memchr(v.p, '\n', v.len)) return;
        char val[256];
        size_t vl = v.len < sizeof val - 1 ? v.len : sizeof val - 1;
        for (size_t j = 0; j < vl; j++)
            val[j] = (char)ch_lower((unsigned char)v.p[j]);
        val[vl] = 0;
        /* drop "!important" */
        char *bang = strrchr(val, '!');
        if (bang) {
            struct slice rest = str_trim(bang + 1, strlen(bang + 1));
            if (str_eq_ci(rest.p, rest.len, "important")) {
                *bang = 0;
                struct slice t = str_trim(val, strlen(val));
                memmove(val, t.p, t.len);
                val[t.len] = 0;
            }
        }
        char *dst = bgc ? ns->bg : ns->fg;
        if (strstr(val, "rgb")) {
            unsigned long long c[3] = {0, 0, 0};
            int k2 = 0;
            size_t j = 0, L = strlen(val);
            /* keep digits and commas, split on commas */
            char digits[256];
            size_t dn = 0;
            for (j = 0; j < L; j++)
                if (ch_is_digit((unsigned char)val[j]) || val[j] == ',') digits[dn++] = val[j];
            digits[dn] = 0;
            j = 0;
            while (k2 < 3 && j <= dn) {
                size_t s0 = j;
                unsigned long long x = sa_digits(digits, dn, &j);
                c[k2++] = j == s0 ? 0 : (x > 255 ? 255 : x);
                if (j < dn && digits[j] == ',')
                    j++;
                else
                    break;
            }
            snprintf(dst, SA_COLOR_LEN, "#%02x%02x%02x", (unsigned)c[0], (unsigned)c[1],
                     (unsigned)c[2]);
        } else if (strcmp(val, "inherit") == 0) {
            /* nothing */
        } else if (strcmp(val, "transparent") == 0) {
            snprintf(dst, SA_COLOR_LEN, "transparent");
        } else {
            sa_name_to_rgb(val, strlen(val), dst);
        }
        return;
    }
    if (n >= 11 && memcmp(p, "background:", 11) == 0) {
        struct slice v = str_trim(p + 11, n - 11);
        if (v.len == 0 || memchr(v.p, '\n', v.len)) return;
        char val[256];
        size_t vl = v.len < sizeof val - 1 ? v.len : sizeof val - 1;
        for (size_t j = 0; j < vl; j++)
            val[j] = (char)ch_lower((unsigned char)v.p[j]);
        val[vl] = 0;
        sa_css_background(val, ns->bg);
        return;
    }
    /* name: value -- only the lowercase display and visibility matter */
    size_t k = 0;
    while (k < n && (ch_is_alpha((unsigned char)p[k]) || p[k] == '_' || p[k] == '-'))
        k++;
    if (k == 0) return;
    size_t name_len = k;
    while (k < n && sa_is_space((unsigned char)p[k]))
        k++;
    if (k >= n || p[k] != ':') return;
    struct slice v = str_trim(p + k + 1, n - k - 1);
    if (v.len == 0 || memchr(v.p, '\n', v.len)) return;
    if (name_len == 7 && memcmp(p, "display", 7) == 0)
        ns->display_none = str_eq_ci(v.p, v.len, "none");
    else if (name_len == 10 && memcmp(p, "visibility", 10) == 0)
        ns->visibility_hidden = str_eq_ci(v.p, v.len, "hidden");
}

static void sa_css(const char *style, struct sa_style *ns)
{
    const char *p = style, *end = style + strlen(style);
    while (p < end) {
        const char *semi = memchr(p, ';', (size_t)(end - p));
        const char *de = semi ? semi : end;
        sa_css_decl(p, (size_t)(de - p), ns);
        p = semi ? semi + 1 : end;
    }
}

static bool sa_style_has(const struct sa_state *S, enum sa_id tag)
{
    for (size_t k = 0; k < S->n_style; k++)
        if (S->style[k].tag == tag) return true;
    return false;
}

static void sa_size_seen(struct sa_state *S, int size)
{
    if (size > S->st->max_size)
        S->st->max_size = size;
    else if (size < S->st->min_size)
        S->st->min_size = size;
}

/* Leading "+N"/"-N" (relative) or "N" after optional whitespace. */
static bool sa_font_size(const char *v, int basefont, int *size)
{
    size_t i = 0, len = strlen(v);
    i = sa_skip_ws(v, len, i);
    bool rel = i < len && (v[i] == '+' || v[i] == '-');
    bool neg = rel && v[i] == '-';
    size_t d = rel ? i + 1 : i;
    if (d >= len || !ch_is_digit((unsigned char)v[d])) return false;
    unsigned long long n = sa_digits(v, len, &d);
    int x = n > 1000000 ? 1000000 : (int)n;
    *size = rel ? basefont + (neg ? -x : x) : x;
    return true;
}

static void sa_text_style(struct render *r, enum sa_id tag, bool end, const struct tag_tok *t)
{
    struct sa_state *S = r->sa;
    if (tag == ID_TH) tag = ID_TD;
    if (end) {
        if (tag == ID_BODY || !sa_style_has(S, tag)) return;
        while (S->n_style > 1) {
            bool stop = S->style[S->n_style - 1].tag == tag;
            S->n_style--;
            if (stop) break;
        }
        return;
    }
    bool is_font = tag == ID_FONT, is_basefont = tag == ID_BASEFONT;
    if (is_basefont && t->has_attr[A_SIZE]) {
        const char *v = sa_attr(r, t, A_SIZE);
        size_t d = sa_skip_ws(v, strlen(v), 0);
        if (d < strlen(v) && ch_is_digit((unsigned char)v[d])) {
            unsigned long long n = sa_digits(v, strlen(v), &d);
            S->basefont = n > 1000000 ? 1000000 : (int)n;
            return;
        }
    }
    bool td = tag == ID_TD, tr = tag == ID_TR;
    if ((td || tr) && sa_style_has(S, tag)) {
        while (S->n_style > 1) {
            enum sa_id top = S->style[S->n_style - 1].tag;
            if ((td && (top == ID_FONT || top == ID_TD)) ||
                (tr && (top == ID_FONT || top == ID_TD || top == ID_TR)))
                S->n_style--;
            else
                break;
        }
    }
    struct sa_style ns = S->style[S->n_style - 1];
    ns.tag = tag;
    if (tag == ID_BIG || tag == ID_SMALL) {
        ns.size += tag == ID_BIG ? 1 : -1;
    } else {
        /* the attributes SpamAssassin reads for this tag; the max/min font
         * size is updated after each (size last, so both the inherited and
         * the new size are seen, whatever Perl's hash order would be) */
        bool body = tag == ID_BODY;
        bool styled = td || tr || tag == ID_TABLE || tag == ID_SPAN || tag == ID_P ||
                      tag == ID_DIV || tag == ID_A;
        if ((is_font || is_basefont) && t->has_attr[A_COLOR]) {
            const char *v = sa_attr(r, t, A_COLOR);
            sa_name_to_rgb(v, strlen(v), ns.fg);
            sa_size_seen(S, ns.size);
        }
        if ((is_font || is_basefont) && t->has_attr[A_FACE]) sa_size_seen(S, ns.size);
        if (body && t->has_attr[A_TEXT]) {
            const char *v = sa_attr(r, t, A_TEXT);
            sa_name_to_rgb(v, strlen(v), ns.fg);
            sa_size_seen(S, ns.size);
        }
        if (body && t->has_attr[A_BACKGROUND]) sa_size_seen(S, ns.size);
        if (styled && t->has_attr[A_STYLE]) {
            const char *v = sa_attr(r, t, A_STYLE);
            const struct sa_style *parent = &S->style[S->n_style - 1];
            sa_css(v, &ns);
            if (strcmp(ns.bg, "transparent") == 0) memcpy(ns.bg, parent->bg, sizeof ns.bg);
            if (strcmp(ns.fg, "transparent") == 0) memcpy(ns.fg, ns.bg, sizeof ns.fg);
            sa_size_seen(S, ns.size);
        }
        if ((is_font || is_basefont) && t->has_attr[A_SIZE]) {
            const char *v = sa_attr(r, t, A_SIZE);
            int sz;
            if (sa_font_size(v, S->basefont, &sz)) ns.size = sz;
            sa_size_seen(S, ns.size);
        }
    }
    if (S->n_style < HTML_MAX_STYLE_DEPTH) S->style[S->n_style++] = ns;
}

/* SpamAssassin's html_font_invisible for the current style; records the
 * font_low_contrast / font_invalid_color results. */
static bool sa_font_invisible(struct sa_state *S)
{
    const struct sa_style *s = &S->style[S->n_style - 1];
    size_t fl = strlen(s->fg), bl = strlen(s->bg);
    const char *f6 = s->fg + (fl > 6 ? fl - 6 : 0), *b6 = s->bg + (bl > 6 ? bl - 6 : 0);
    if (strcmp(f6, b6) == 0) {
        S->st->font_low_contrast = true;
        return true;
    }
    unsigned rgb1[3], rgb2[3];
    const char *fp = s->fg[0] == '#' ? s->fg + 1 : s->fg, *bp = s->bg[0] == '#' ? s->bg + 1 : s->bg;
    bool fok = strlen(fp) == 6, bok = strlen(bp) == 6;
    for (int k = 0; k < 6; k++) {
        if (fok && !(ch_is_digit((unsigned char)fp[k]) || (fp[k] >= 'a' && fp[k] <= 'f')))
            fok = false;
        if (bok && !(ch_is_digit((unsigned char)bp[k]) || (bp[k] >= 'a' && bp[k] <= 'f')))
            bok = false;
    }
    if (fok && bok) {
        for (int k = 0; k < 3; k++) {
            rgb1[k] = (unsigned)(ch_hexval((unsigned char)fp[2 * k]) * 16 +
                                 ch_hexval((unsigned char)fp[2 * k + 1]));
            rgb2[k] = (unsigned)(ch_hexval((unsigned char)bp[2 * k]) * 16 +
                                 ch_hexval((unsigned char)bp[2 * k + 1]));
        }
        double dr = 0.2126 * ((double)rgb1[0] - rgb2[0]);
        double dg = 0.7152 * ((double)rgb1[1] - rgb2[1]);
        double db = 0.0722 * ((double)rgb1[2] - rgb2[2]);
        if (dr * dr + dg * dg + db * db < 144.0) { /* distance < 12 */
            S->st->font_low_contrast = true;
            return true;
        }
    }
    if (strcmp(s->fg, "invalid") == 0 || strcmp(s->bg, "invalid") == 0) {
        S->st->font_invalid_color = true;
        return true;
    }
    return s->size <= 1 || s->display_none || s->visibility_hidden;
}

/* ---- text events ---- */

static void sa_event_start(struct sa_state *S, bool first_word)
{
    S->ev_open = true;
    S->ev_checked = false;
    S->ev_invisible = false;
    if (first_word && S->prev_word) S->st->obfuscation++;
}

/* Visible (non-space) text bytes of the current event. */
static void sa_text(struct render *r, const unsigned char *p, size_t n)
{
    struct sa_state *S = r->sa;
    if (n == 0) return;
    if (!S->ev_open) sa_event_start(S, sa_word_byte(p[0]));
    size_t chars = 0;
    for (size_t k = 0; k < n; k++) {
        if (p[k] >= 0xC2) {
            size_t us = sa_uspace_len(p + k, n - k);
            if (us) {
                k += us - 1;
                continue;
            }
        }
        if ((p[k] & 0xC0) != 0x80 && !sa_is_space(p[k])) chars++;
    }
    if (chars) {
        if (!S->ev_checked) {
            S->ev_checked = true;
            S->ev_invisible = sa_font_invisible(S);
        }
        S->st->non_space_len += chars;
        if (S->ev_invisible) S->st->hidden_chars += chars;
    }
    S->ev_last_word = sa_word_byte(p[n - 1]);
    if (S->anchor_open && S->inside_a > 0) sa_put(&S->anchor, p, n);
    if (S->title_open && S->inside_title > 0) sa_put(&S->title, p, n);
}

/* A whitespace character ch (kept as written in anchor and title texts). */
static void sa_space(struct render *r, unsigned char ch)
{
    struct sa_state *S = r->sa;
    if (!S->ev_open) sa_event_start(S, false);
    S->ev_last_word = false;
    if (S->anchor_open && S->inside_a > 0) sa_put(&S->anchor, &ch, 1);
    if (S->title_open && S->inside_title > 0) sa_put(&S->title, &ch, 1);
}

/* U+00A0 from the text itself (not "&nbsp;", which SpamAssassin turns into a
 * space first): whitespace to count, but text to SpamAssassin's invisibility
 * test, which strips only ASCII whitespace before deciding. */
static void sa_nbsp(struct render *r)
{
    struct sa_state *S = r->sa;
    sa_space(r, ' ');
    if (!S->ev_checked) {
        S->ev_checked = true;
        S->ev_invisible = sa_font_invisible(S);
    }
}

static void sa_cp(struct render *r, uint32_t c)
{
    if (c == CP_NONE) { /* a control character: HTML::Parser keeps it */
        sa_text(r, (const unsigned char *)"\x01", 1);
        return;
    }
    if (cp_is_space(c) || c == 0x0B || c == 0x85 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
        c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000) {
        sa_space(r, c < 0x80 ? (unsigned char)c : ' ');
        return;
    }
    unsigned char u[4];
    sa_text(r, u, utf8_put(u, c));
}

/* Markup ends the current text event. */
static void sa_boundary(struct sa_state *S)
{
    if (S->ev_open) {
        S->prev_word = S->ev_last_word;
        S->ev_open = false;
    }
}

/* Feed raw text (title content) as one text event: entities decoded. */
static void sa_feed_text(struct render *r, const unsigned char *in, size_t len, bool decode)
{
    size_t i = 0;
    while (i < len) {
        if (sa_is_space(in[i])) {
            sa_space(r, in[i]);
            i++;
        } else if (len - i >= 6 && memcmp(in + i, "&nbsp;", 6) == 0) {
            sa_space(r, ' '); /* SpamAssassin replaces every "&nbsp;" by a space first */
            i += 6;
        } else if (decode && in[i] == '&') {
            uint32_t c;
            size_t used = entity_decode(in + i, len - i, false, &c);
            if (used) {
                if (c == 0xA0)
                    sa_nbsp(r);
                else
                    sa_cp(r, c);
                i += used;
            } else {
                sa_text(r, in + i, 1);
                i++;
            }
        } else if (in[i] == 0xC2 && i + 1 < len && in[i + 1] == 0xA0) {
            sa_nbsp(r);
            i += 2;
        } else {
            size_t s = i++;
            while (i < len && !sa_is_space(in[i]) && in[i] != '&' && in[i] != 0xC2)
                i++;
            sa_text(r, in + s, i - s);
        }
    }
}

static void sa_comment(struct render *r, const unsigned char *p, size_t n)
{
    struct sa_state *S = r->sa;
    sa_boundary(S);
    if (S->st->n_comments >= HTML_MAX_SNIPPETS) return;
    char *c = arena_strndup(r->a, (const char *)p, n < HTML_SNIPPET_MAX ? n : HTML_SNIPPET_MAX);
    sa_push_str(S, &S->st->comments, &S->st->n_comments, &S->cap_comments, c);
}

static void sa_doctype(struct sa_state *S)
{
    sa_boundary(S);
    S->st->elements++;
    S->st->tags++;
    struct html_tagcount *tc = sa_tagcount(S, "!doctype", -1, true);
    if (tc) tc->inside = 0;
}

/* SpamAssassin's font face check: a comma-separated list of names, each
 * letters, spaces and hyphens ending in a letter, at least two characters,
 * optionally followed by a digit and quoted; the first may start with a
 * space or a '.'; an optional ';' at the end. */
static bool sa_font_face_ok(const char *v)
{
    size_t i = 0, len = strlen(v);
    if (len && v[len - 1] == '\n') len--; /* Perl's $ matches before a final newline */
    i = sa_skip_ws(v, len, i);
    for (int first = 1;; first = 0) {
        if (first) {
            if (i < len && (v[i] == '"' || v[i] == '\'' || v[i] == '.')) i++;
        } else {
            i = sa_skip_ws(v, len, i);
            if (i < len && (v[i] == '"' || v[i] == '\'')) i++;
        }
        size_t s = i;
        if (i < len && (ch_is_alpha((unsigned char)v[i]) || (first && v[i] == ' ')))
            i++;
        else
            return false;
        while (i < len && (ch_is_alpha((unsigned char)v[i]) || v[i] == ' ' || v[i] == '-'))
            i++;
        if (i - s < 2 || !ch_is_alpha((unsigned char)v[i - 1])) return false;
        if (i < len && ch_is_digit((unsigned char)v[i])) i++;
        if (i < len && (v[i] == '"' || v[i] == '\'')) i++;
        if (i < len && v[i] == ',') {
            i++;
            continue;
        }
        if (i < len && v[i] == ';') i++;
        return i == len;
    }
}

/* The length of a URI as SpamAssassin keeps it (whitespace trimmed). */
static void sa_uri(struct render *r, const struct tag_tok *t, int k)
{
    if (!t->has_attr[k]) return;
    if (t->attr[k].len <= HTML_MAX_URI) return; /* decoding never lengthens */
    const char *v = attr_decode(r->a, t->attr[k]);
    if (strlen(v) > HTML_MAX_URI) r->sa->st->uri_truncated = true;
}

static bool sa_is_namespace(const char *n)
{
    size_t i;
    if (n[0] == 'o' && n[1] == ':')
        i = 2;
    else if (n[0] == 's' && n[1] == 't' && ch_is_digit((unsigned char)n[2]) && n[3] == ':')
        i = 4;
    else
        return false;
    size_t s = i;
    while (n[i] && (ch_is_alnum((unsigned char)n[i]) || n[i] == '_' || n[i] == '-'))
        i++;
    if (i == s) return false;
    if (n[i] == '/') i++;
    return n[i] == 0;
}

/* <meta http-equiv=Content-Type content="...; charset=X">: SpamAssassin's
 * \bcharset\s*=\s*["']?([^"']+) on the content. */
static void sa_meta_charset(struct render *r, const struct tag_tok *t)
{
    struct html_stats *st = r->sa->st;
    const char *he = sa_attr(r, t, A_HTTP_EQUIV);
    const char *ct = sa_attr(r, t, A_CONTENT);
    if (!str_find_ci(he, strlen(he), "content-type")) return;
    for (const char *cs = ct; (cs = str_find_ci(cs, strlen(cs), "charset")) != NULL;) {
        bool wordstart = cs == ct || !(ch_is_alnum((unsigned char)cs[-1]) || cs[-1] == '_');
        const char *q = cs + 7;
        cs = q;
        if (!wordstart) continue;
        q += sa_skip_ws(q, strlen(q), 0);
        if (*q != '=') continue;
        q++;
        q += sa_skip_ws(q, strlen(q), 0);
        if (*q == '"' || *q == '\'') q++;
        size_t n = strcspn(q, "\"'");
        if (n == 0) continue;
        st->charsets = st->charsets ? arena_printf(r->a, "%s %.*s", st->charsets, (int)n, q)
                                    : arena_strndup(r->a, q, n);
        return;
    }
}

/* The sa_tags index of a tag name, -1 when not listed. */
static int sa_find(const char *name)
{
    return nameidx_find(&sa_tags_idx, name, strlen(name));
}

/* One start or end tag as SpamAssassin's html_tag sees it; ti: the name's
 * sa_tags index (sa_find). */
static void sa_tag(struct render *r, const char *name, int ti, bool end, const struct tag_tok *t)
{
    struct sa_state *S = r->sa;
    struct html_stats *st = S->st;
    sa_boundary(S);
    bool ns = (name[0] == 'o' || name[0] == 's') && sa_is_namespace(name);
    const struct sa_tag *info = ti >= 0 ? &sa_tags[ti] : NULL;
    enum sa_id id = info ? info->id : ID_OTHER;
    struct html_tagcount *tc = sa_tagcount(S, name, ti, false);
    bool seen = tc != NULL;
    if ((info && (info->flags & S_ELEM)) || ns) {
        st->elements++;
        if (!seen) st->elements_seen++;
    }
    st->tags++;
    if (!seen) st->tags_seen++;
    if (!tc) tc = sa_tagcount(S, name, ti, true);
    if (tc) {
        tc->inside += end ? -1 : 1;
        if (tc->inside < 0) {
            tc->inside = 0;
            st->closed_extra++;
        }
        if (id == ID_A) S->inside_a = tc->inside;
        if (id == ID_TITLE) S->inside_title = tc->inside;
    } else if (end) {
        st->closed_extra++; /* a name past the ceiling: never opened as far as we know */
    }
    if (ns || !info || !(info->flags & (S_ELEM | S_TRICK))) return;
    if (info->flags & S_STYLE) sa_text_style(r, id, end, t);
    if (info->flags & S_WS) S->prev_word = false;
    if (end) return;

    switch (id) { /* URIs (only their length matters here) */
    case ID_BODY:
    case ID_TABLE:
    case ID_TR:
    case ID_TD:
        sa_uri(r, t, A_BACKGROUND);
        break;
    case ID_A:
    case ID_AREA:
    case ID_LINK:
    case ID_BASE:
        sa_uri(r, t, A_HREF);
        break;
    case ID_IMG:
    case ID_FRAME:
    case ID_IFRAME:
    case ID_EMBED:
    case ID_SCRIPT:
    case ID_BGSOUND:
        sa_uri(r, t, A_SRC);
        break;
    case ID_FORM:
        sa_uri(r, t, A_ACTION);
        break;
    default:
        break;
    }

    /* SpamAssassin's html_tests */
    switch (id) {
    case ID_FONT:
        if (t->has_attr[A_FACE] && !sa_font_face_ok(sa_attr(r, t, A_FACE)))
            st->font_face_bad = true;
        break;
    case ID_IMG:
        if (S->inside_a > 0 && S->anchor_open) sa_put(&S->anchor, "<img>\n", 6);
        if (t->has_attr[A_WIDTH] && t->has_attr[A_HEIGHT]) {
            unsigned long long wh[2];
            for (int k = 0; k < 2; k++) {
                struct slice v = t->attr[k == 0 ? A_WIDTH : A_HEIGHT];
                size_t i = 0;
                unsigned long long x = 0;
                if (v.len && ch_is_digit((unsigned char)v.p[0])) x = sa_digits(v.p, v.len, &i);
                if (i < v.len && v.p[i] == '%' && i + 1 == v.len)
                    x *= k == 0 ? 8 : 6;
                else if (i != v.len)
                    x = 0;
                wh[k] = x ? x : 200;
            }
            st->image_area += wh[0] * wh[1];
        }
        break;
    case ID_FORM:
        st->n_forms++;
        if (t->has_attr[A_ACTION] &&
            str_find_ci(t->attr[A_ACTION].p, t->attr[A_ACTION].len, "mailto:"))
            st->form_action_mailto = true;
        break;
    case ID_OBJECT:
    case ID_EMBED:
        st->embeds = true;
        st->n_objects++;
        break;
    case ID_SCRIPT:
        st->n_scripts++;
        break;
    case ID_IFRAME:
        st->n_iframes++;
        if (t->has_attr[A_SRC]) {
            struct slice v = str_trim(t->attr[A_SRC].p, t->attr[A_SRC].len);
            if (v.len) st->n_iframe_src++;
        }
        break;
    case ID_A:
        sa_anchor_commit(S);
        S->anchor_open = true;
        S->anchor = (struct arena_str){.a = S->a};
        break;
    case ID_TITLE:
        sa_title_commit(S);
        S->title_open = true;
        S->title = (struct arena_str){.a = S->a};
        break;
    case ID_META:
        if (t->has_attr[A_HTTP_EQUIV] && t->has_attr[A_CONTENT]) sa_meta_charset(r, t);
        break;
    default:
        break;
    }
}

/* The tag name as HTML::Parser reports it: from the first letter to
 * whitespace or '>', lowercased; "<name/>" is "name" (SpamAssassin rewrites
 * "<br/>" to "<br>" before parsing). */
static void sa_tag_name(const unsigned char *in, size_t len, size_t ns, char *out)
{
    size_t e = ns;
    while (e < len && !is_tag_space(in[e]) && in[e] != '>')
        e++;
    bool word = true;
    for (size_t k = ns; k + 1 < e; k++)
        if (!ch_is_alnum(in[k]) && in[k] != '_') word = false;
    if (e - ns >= 2 && in[e - 1] == '/' && word && e < len && in[e] == '>') e--;
    size_t n = e - ns < HTML_TAGNAME_MAX ? e - ns : HTML_TAGNAME_MAX;
    for (size_t k = 0; k < n; k++)
        out[k] = (char)ch_lower(in[ns + k]);
    out[n] = 0;
}

static void sa_init(struct render *r, struct sa_state *S, const unsigned char *in, size_t len)
{
    /* not the whole 13 KB with the style stack (256 entries): that was
     * 12,400 instructions an HTML part, 6,700 a message on the rules bench */
    memset(S, 0, offsetof(struct sa_state, style) + sizeof S->style[0]);
    S->st = &r->doc->st;
    S->a = r->a;
    S->basefont = 3;
    S->st->max_size = S->st->min_size = 3;
    struct sa_style *d = &S->style[0];
    d->tag = ID_DEFAULT;
    memcpy(d->fg, "#000000", sizeof "#000000");
    memcpy(d->bg, "#ffffff", sizeof "#ffffff");
    d->size = 3;
    S->n_style = 1;
    /* UTF-8 continuation bytes; eight ASCII bytes (none) at a time */
    size_t cont = 0;
    for (size_t k = 0; k < len; k++) {
        while (len - k >= 8) {
            uint64_t w;
            memcpy(&w, in + k, 8);
            if (w & 0x8080808080808080u) break;
            k += 8;
        }
        if (k >= len) break;
        cont += (in[k] & 0xC0) == 0x80;
    }
    S->st->length = len - cont;
    r->sa = S;
}

static void sa_finish(struct sa_state *S)
{
    sa_anchor_commit(S);
    sa_title_commit(S);
}

const struct html_tagcount *html_tag_find(const struct html_doc *d, const char *name)
{
    for (size_t k = 0; k < d->st.n_tagv; k++)
        if (strcmp(d->st.tagv[k].name, name) == 0) return &d->st.tagv[k];
    return NULL;
}

/* ---- the tokenizer ---- */

/* Find the end tag </name (followed by space, '/', '>' or the end) from i;
 * *content_end is where it starts (len when absent); return the index after
 * its '>' (len when absent). */
static size_t find_end_tag(const unsigned char *in, size_t len, size_t i, const char *name,
                           size_t name_len, size_t *content_end)
{
    *content_end = len;
    while (i < len) {
        const unsigned char *lt = memchr(in + i, '<', len - i);
        if (!lt) return len;
        size_t k = (size_t)(lt - in);
        if (len - k >= 2 + name_len && in[k + 1] == '/' &&
            str_eq_ci((const char *)in + k + 2, name_len, name)) {
            size_t e = k + 2 + name_len;
            if (e == len || is_tag_space(in[e]) || in[e] == '/' || in[e] == '>') {
                *content_end = k;
                const unsigned char *gt = memchr(in + e, '>', len - e);
                return gt ? (size_t)(gt - in) + 1 : len;
            }
        }
        i = k + 1;
    }
    return len;
}

static size_t skip_past(const unsigned char *in, size_t len, size_t i, unsigned char c)
{
    const unsigned char *e = i < len ? memchr(in + i, c, len - i) : NULL;
    return e ? (size_t)(e - in) + 1 : len;
}

/* "<!--" at i: return the index after the comment. */
static size_t skip_comment(const unsigned char *in, size_t len, size_t i)
{
    size_t k = i + 4;
    while (k < len) {
        const unsigned char *gt = memchr(in + k, '>', len - k);
        if (!gt) return len;
        size_t g = (size_t)(gt - in);
        if (g >= i + 4 && in[g - 1] == '-' && in[g - 2] == '-') return g + 1;
        if (g >= i + 5 && in[g - 1] == '!' && in[g - 2] == '-' && in[g - 3] == '-') return g + 1;
        k = g + 1;
    }
    return len;
}

/* Tags whose attributes the renderer or the statistics read. */
static const struct tag wanted[] = {
    {"a", 0},     {"area", 0},  {"base", 0}, {"basefont", 0}, {"bgsound", 0}, {"body", 0},
    {"div", 0},   {"embed", 0}, {"font", 0}, {"form", 0},     {"frame", 0},   {"iframe", 0},
    {"img", 0},   {"link", 0},  {"meta", 0}, {"p", 0},        {"script", 0},  {"span", 0},
    {"table", 0}, {"td", 0},    {"th", 0},   {"tr", 0}};
static struct nameidx wanted_idx = NAMEIDX_INIT(wanted);

/* By sa_tags index: the entry of `tags` with that name (-1: none), and
 * whether the name is one of `wanted`. Built once from the tables. */
static int16_t sa_render[SA_N_TAGS];
static bool sa_wanted[SA_N_TAGS];
static pthread_once_t tag_info_once = PTHREAD_ONCE_INIT;

static void tag_info_build(void)
{
    for (size_t i = 0; i < SA_N_TAGS; i++) {
        const char *n = sa_tags[i].name;
        sa_render[i] = (int16_t)nameidx_find(&tags_idx, n, strlen(n));
        sa_wanted[i] = nameidx_find(&wanted_idx, n, strlen(n)) >= 0;
    }
    /* every name of tags and wanted is one of sa_tags: our tables, a bug otherwise */
    for (size_t i = 0; i < sizeof tags / sizeof *tags; i++)
        if (sa_find(tags[i].name) < 0) abort();
    for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++)
        if (sa_find(wanted[i].name) < 0) abort();
}

/* (p,n) is an ASCII-letter tag name: one of `wanted`, case folded? */
static bool wants_attrs(const unsigned char *p, size_t n)
{
    if (n == 0 || n > 8) return false;
    char lc[8];
    for (size_t k = 0; k < n; k++)
        lc[k] = (char)ch_lower(p[k]);
    return nameidx_find(&wanted_idx, lc, n) >= 0;
}

/* Handle the markup at in[i] == '<'; return the next index. */
static size_t markup(struct render *r, const unsigned char *in, size_t len, size_t i)
{
    if (i + 1 >= len) {
        out_bytes(&r->o, in + i, 1);
        sa_comment(r, in + i, 1); /* HTML::Parser: a '<' ending the input is a comment */
        return len;
    }
    unsigned char c = in[i + 1];
    if (c == '!') {
        size_t next;
        if (len - i >= 4 && in[i + 2] == '-' && in[i + 3] == '-') {
            next = skip_comment(in, len, i);
            sa_comment(r, in + i, next - i);
        } else {
            next = skip_past(in, len, i + 2, '>');
            if (str_starts_ci((const char *)in + i, next - i, "<!doctype"))
                sa_doctype(r->sa);
            else
                sa_comment(r, in + i, next - i);
        }
        return next;
    }
    if (c == '?') {
        sa_boundary(r->sa);
        return skip_past(in, len, i + 2, '>');
    }
    bool end = false;
    size_t ns = i + 1;
    if (c == '/') {
        end = true;
        ns = i + 2;
        if (ns < len && in[ns] == '>') {
            sa_boundary(r->sa);
            return ns + 1;
        }
        if (ns >= len || !ch_is_alpha(in[ns])) {
            size_t next = skip_past(in, len, ns, '>');
            sa_comment(r, in + i, next - i);
            return next;
        }
    } else if (!ch_is_alpha(c)) {
        out_bytes(&r->o, in + i, 1); /* a literal '<' */
        sa_text(r, in + i, 1);
        return i + 1;
    }
    struct tag_tok t;
    /* Peek at the name to decide whether attributes are needed. */
    size_t k = ns;
    while (k < len && ch_is_alpha(in[k]))
        k++;
    /* The tag's name is read three ways: its letters (wants_attrs), up to a
     * space, '/' or '>' (parse_tag: `tags`), up to a space or '>' less a
     * final '/' before '>' (sa_tag_name: sa_tags and the counts). Letters
     * followed by a space, '>', "/>" or the end are the same name to all
     * three, and sa_tags holds every name of the other two tables: one
     * look-up there answers all three (was three look-ups and a hash of
     * the name for its count: 17,000 instructions a message of the bench). */
    bool simple = k == len || is_tag_space(in[k]) || in[k] == '>' ||
                  (in[k] == '/' && k + 1 < len && in[k + 1] == '>');
    char sa_name[HTML_TAGNAME_MAX + 1];
    int ti;
    bool want;
    if (simple) {
        size_t n = k - ns < HTML_TAGNAME_MAX ? k - ns : HTML_TAGNAME_MAX;
        for (size_t q = 0; q < n; q++)
            sa_name[q] = (char)ch_lower(in[ns + q]);
        sa_name[n] = 0;
        ti = nameidx_find(&sa_tags_idx, sa_name, n);
        want = !end && ti >= 0 && sa_wanted[ti];
    } else {
        want = !end && wants_attrs(in + ns, k - ns);
        sa_tag_name(in, len, ns, sa_name);
        ti = sa_find(sa_name);
    }
    size_t next = parse_tag(in, len, ns, &t, want);
    bool closed = next > ns && in[next - 1] == '>';
    if (closed)
        sa_tag(r, sa_name, ti, end, &t);
    else /* HTML::Parser: an unterminated tag is a comment */
        sa_comment(r, in + i, next - i);
    int tk = simple      ? (ti >= 0 ? sa_render[ti] : -1)
             : t.name[0] ? nameidx_find(&tags_idx, t.name, strlen(t.name))
                         : -1;
    const struct tag *tg = tk >= 0 ? &tags[tk] : NULL;
    if (!tg) return next;
    if (tg->flags & T_BLOCK)
        r->o.pend_nl = true;
    else if (tg->flags & T_CELL)
        r->o.pend_space = true;
    if (end) {
        if (tg->flags & T_A) link_close(r);
        return next;
    }
    if (tg->flags & T_DROP) {
        size_t content_end;
        size_t after = find_end_tag(in, len, next, tg->name, strlen(tg->name), &content_end);
        bool is_title = strcmp(tg->name, "title") == 0, is_iframe = strcmp(tg->name, "iframe") == 0;
        /* HTML::Parser reads title (entities decoded) and iframe content as text */
        if (closed && (is_title || is_iframe) && content_end > next)
            sa_feed_text(r, in + next, content_end - next, is_title);
        if (!closed) return after;
        if (content_end < len) {
            char en[HTML_TAGNAME_MAX + 1];
            sa_tag_name(in, len, content_end + 2, en);
            struct tag_tok et = {0};
            if (after > content_end && in[after - 1] == '>') sa_tag(r, en, sa_find(en), true, &et);
        } else if (strcmp(tg->name, "script") == 0 || strcmp(tg->name, "style") == 0) {
            /* SpamAssassin closes an unclosed script or style itself */
            struct tag_tok et = {0};
            sa_tag(r, tg->name, sa_find(tg->name), true, &et);
        }
        return after;
    }
    if (tg->flags & T_A) {
        link_close(r);
        if (t.has_attr[A_HREF]) {
            struct html_link *l = link_new(r);
            if (l) {
                l->href = attr_decode(r->a, t.attr[A_HREF]);
                l->text = NULL;
                r->link_open = true;
                r->link_idx = r->doc->n_links - 1;
                r->link_start = r->o.len;
            }
        }
    } else if (tg->flags & T_AREA) {
        if (t.has_attr[A_HREF]) {
            struct html_link *l = link_new(r);
            if (l) {
                l->href = attr_decode(r->a, t.attr[A_HREF]);
                l->text =
                    t.has_attr[A_ALT] ? attr_decode(r->a, t.attr[A_ALT]) : arena_strdup(r->a, "");
            }
        }
    } else if (tg->flags & T_IMG) {
        image_add(r, &t);
    }
    return next;
}

enum { C_TEXT = 0, C_SPACE, C_LT, C_AMP, C_UTF8 };

static const unsigned char char_class[256] = {
    [' '] = C_SPACE, ['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\r'] = C_SPACE, ['\f'] = C_SPACE,
    ['<'] = C_LT,    ['&'] = C_AMP,    [0xC2] = C_UTF8,  [0xE2] = C_UTF8,  [0xEF] = C_UTF8,
};

void html_render(arena *a, const char *p, size_t len, struct html_doc *out, struct anomalies *an)
{
    memset(out, 0, sizeof *out);
    if (len > HTML_MAX_INPUT) {
        anom_add(an, ANOM_HTML_TOO_LARGE, "%zu bytes, rendered %u", len, HTML_MAX_INPUT);
        len = HTML_MAX_INPUT;
    }
    pthread_once(&tag_info_once, tag_info_build);
    const unsigned char *in = (const unsigned char *)p;
    struct render r = {.a = a, .an = an, .doc = out};
    r.o.a = a;
    r.o.cap = len + 16;
    r.o.p = arena_alloc(a, r.o.cap);
    struct sa_state *sa = arena_alloc(a, sizeof *sa);
    sa_init(&r, sa, in, len);

    size_t i = 0;
    while (i < len) {
        switch (char_class[in[i]]) {
        case C_TEXT: {
            size_t s = i++;
            for (;;) {
                while (i < len && char_class[in[i]] == C_TEXT)
                    i++;
                /* one space between words is already collapsed: keep it */
                if (len - i >= 2 && in[i] == ' ' && char_class[in[i + 1]] == C_TEXT) {
                    i += 2;
                    continue;
                }
                break;
            }
            out_bytes(&r.o, in + s, i - s);
            sa_text(&r, in + s, i - s);
            break;
        }
        case C_SPACE:
            r.o.pend_space = true;
            sa_space(&r, in[i]);
            i++;
            break;
        case C_LT:
            i = markup(&r, in, len, i);
            break;
        case C_AMP: {
            uint32_t c;
            size_t used = entity_decode(in + i, len - i, false, &c);
            if (used) {
                out_cp(&r.o, c);
                if (c != 0xA0)
                    sa_cp(&r, c);
                else if (used == 6 && memcmp(in + i, "&nbsp;", 6) == 0)
                    sa_space(&r, ' ');
                else
                    sa_nbsp(&r);
                i += used;
            } else {
                out_bytes(&r.o, in + i, 1);
                sa_text(&r, in + i, 1);
                i++;
            }
            break;
        }
        default: {
            int sp = raw_special(in + i, len - i);
            if (sp < 0) {
                r.o.pend_space = true;
                sa_nbsp(&r);
                i += (size_t)-sp;
            } else if (sp > 0) {
                sa_text(&r, in + i, (size_t)sp);
                i += (size_t)sp;
            } else {
                size_t us = sa_uspace_len(in + i, len - i);
                if (us) { /* rendered as is, but whitespace to SpamAssassin */
                    out_bytes(&r.o, in + i, us);
                    sa_space(&r, ' ');
                    i += us;
                } else {
                    out_bytes(&r.o, in + i, 1);
                    sa_text(&r, in + i, 1);
                    i++;
                }
            }
            break;
        }
        }
    }
    link_close(&r);
    sa_finish(sa);
    if (r.too_many)
        anom_add(an, ANOM_HTML_TOO_MANY_LINKS, "more than %d links or images", HTML_MAX_LINKS);
    out_reserve(&r.o, 1);
    r.o.p[r.o.len] = 0;
    out->text = (char *)r.o.p;
    out->text_len = r.o.len;
}
