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
 *    for the legacy names and never inside attribute values; 0, surrogates
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
 * Does NOT apply CSS beyond the inline image style, build a tree, or judge
 * the character set (the caller converts to UTF-8 first). */
#include "mail/html.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/limits.h"
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
    if (!e) return 0;
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

/* Sorted by strcmp (bsearch). */
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

static int tag_cmp(const void *key, const void *elem)
{
    return strcmp(key, ((const struct tag *)elem)->name);
}

/* Attributes the renderer reads; first occurrence wins (as in HTML5). */
enum { A_HREF, A_SRC, A_WIDTH, A_HEIGHT, A_STYLE, A_ALT, A__COUNT };
static const char *const attr_names[A__COUNT] = {"href", "src", "width", "height", "style", "alt"};

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

/* ---- the tokenizer ---- */

/* Skip to the end tag </name (followed by space, '/', '>' or the end); return
 * the index after its '>'. */
static size_t skip_to_end_tag(const unsigned char *in, size_t len, size_t i, const char *name,
                              size_t name_len)
{
    while (i < len) {
        const unsigned char *lt = memchr(in + i, '<', len - i);
        if (!lt) return len;
        size_t k = (size_t)(lt - in);
        if (len - k >= 2 + name_len && in[k + 1] == '/' &&
            str_eq_ci((const char *)in + k + 2, name_len, name)) {
            size_t e = k + 2 + name_len;
            if (e == len || is_tag_space(in[e]) || in[e] == '/' || in[e] == '>') {
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

/* Handle the markup at in[i] == '<'; return the next index. */
static size_t markup(struct render *r, const unsigned char *in, size_t len, size_t i)
{
    if (i + 1 >= len) {
        out_bytes(&r->o, in + i, 1);
        return len;
    }
    unsigned char c = in[i + 1];
    if (c == '!') {
        if (len - i >= 4 && in[i + 2] == '-' && in[i + 3] == '-') return skip_comment(in, len, i);
        return skip_past(in, len, i + 2, '>');
    }
    if (c == '?') return skip_past(in, len, i + 2, '>');
    bool end = false;
    size_t ns = i + 1;
    if (c == '/') {
        end = true;
        ns = i + 2;
        if (ns < len && in[ns] == '>') return ns + 1;
        if (ns >= len || !ch_is_alpha(in[ns])) return skip_past(in, len, ns, '>');
    } else if (!ch_is_alpha(c)) {
        out_bytes(&r->o, in + i, 1); /* a literal '<' */
        return i + 1;
    }
    struct tag_tok t;
    /* Peek at the name to decide whether attributes are needed. */
    size_t k = ns;
    while (k < len && ch_is_alpha(in[k]))
        k++;
    bool want = !end && k - ns <= 4 &&
                (str_eq_ci((const char *)in + ns, k - ns, "a") ||
                 str_eq_ci((const char *)in + ns, k - ns, "img") ||
                 str_eq_ci((const char *)in + ns, k - ns, "area"));
    size_t next = parse_tag(in, len, ns, &t, want);
    const struct tag *tg =
        t.name[0] ? bsearch(t.name, tags, sizeof tags / sizeof tags[0], sizeof *tg, tag_cmp) : NULL;
    if (!tg) return next;
    if (tg->flags & T_BLOCK)
        r->o.pend_nl = true;
    else if (tg->flags & T_CELL)
        r->o.pend_space = true;
    if (end) {
        if (tg->flags & T_A) link_close(r);
        return next;
    }
    if (tg->flags & T_DROP) return skip_to_end_tag(in, len, next, tg->name, strlen(tg->name));
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
    const unsigned char *in = (const unsigned char *)p;
    struct render r = {.a = a, .an = an, .doc = out};
    r.o.a = a;
    r.o.cap = len + 16;
    r.o.p = arena_alloc(a, r.o.cap);

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
            break;
        }
        case C_SPACE:
            r.o.pend_space = true;
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
                i += used;
            } else {
                out_bytes(&r.o, in + i, 1);
                i++;
            }
            break;
        }
        default: {
            int sp = raw_special(in + i, len - i);
            if (sp < 0) {
                r.o.pend_space = true;
                i += (size_t)-sp;
            } else if (sp > 0) {
                i += (size_t)sp;
            } else {
                out_bytes(&r.o, in + i, 1);
                i++;
            }
            break;
        }
        }
    }
    link_close(&r);
    if (r.too_many)
        anom_add(an, ANOM_HTML_TOO_MANY_LINKS, "more than %d links or images", HTML_MAX_LINKS);
    out_reserve(&r.o, 1);
    r.o.p[r.o.len] = 0;
    out->text = (char *)r.o.p;
    out->text_len = r.o.len;
}
