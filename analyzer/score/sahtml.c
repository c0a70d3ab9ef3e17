/* sahtml — SpamAssassin-compatible HTML rendering (see sahtml.h).
 *
 * Two layers, as in SpamAssassin:
 *  1. a tokenizer that produces the events HTML::Parser 3.8x produces in its
 *     default (non-strict, non-XML) mode with marked sections enabled: text,
 *     start tags with attributes, end tags, comments, declarations and
 *     processing instructions. The input is handled as one chunk, then the
 *     chunks SpamAssassin appends ("</style>" and "</script>" while one of
 *     those elements is still open), then end of document; what an
 *     unfinished construct becomes at the end follows HTML::Parser's eof
 *     rules (a lone '>' ends a comment, other unfinished markup vanishes,
 *     open script/style elements end, plaintext/xmp/iframe/textarea keep
 *     their text).
 *  2. the renderer of Mail::SpamAssassin::HTML: text of script and style
 *     elements dropped; br and div give "\n", li th td dt dd embed hN give
 *     " ", p hr blockquote pre listing plaintext xmp title give "\n\n" (on
 *     start and end tags); text whitespace collapsed; a trailing space
 *     trimmed before a whitespace element and a leading space after one,
 *     both unless the text is "invisible" (same colour as the background,
 *     low contrast, invalid colour, font size <= 1, display:none or
 *     visibility:hidden on the current text style).
 * The input is UTF-8 (SpamAssassin parses characters), so entities decode to
 * UTF-8 and "\xc2\xa0" in SpamAssassin's byte patterns means the characters
 * U+00C2 U+00A0 (bytes C3 82 C2 A0).
 * Known differences: Unicode \w and \s in SpamAssassin's "<tag/>" rewrite are
 * taken as ASCII (plus every non-ASCII byte for \w); URIs are capped at
 * 8192 bytes, not characters. */
#include "score/sahtml.h"
#include "mail/html.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/nameidx.h"
#include "util/str.h"

/* ---------------------------------------------------------------------- */
/* character classes of HTML::Parser */

static bool is_hspace(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static bool is_name_first(unsigned char c)
{
    return ch_is_alpha(c) || c == '_' || c == ':';
}
static bool is_name_char(unsigned char c)
{
    return ch_is_alnum(c) || c == '_' || c == ':' || c == '.' || c == '-';
}
static bool is_not_space_gt(unsigned char c)
{
    return !is_hspace(c) && c != '>';
}
static bool is_not_space_eq_gt(unsigned char c)
{
    return !is_hspace(c) && c != '>' && c != '=';
}
/* The byte at s, or 0 at the end (HTML::Parser relies on the NUL that ends
 * every Perl string buffer). */
static unsigned char at(const char *s, const char *end)
{
    return s < end ? (unsigned char)*s : 0;
}

/* ---------------------------------------------------------------------- */
/* entities (HTML 4.01 set of HTML::Entities; names needing ';' carry it) */

struct entity {
    const char *name;
    const char *utf8;
};

static const struct entity entities[] = {
    {"AElig", "\xc3\x86"},
    {"Aacute", "\xc3\x81"},
    {"Acirc", "\xc3\x82"},
    {"Agrave", "\xc3\x80"},
    {"Alpha;", "\xce\x91"},
    {"Aring", "\xc3\x85"},
    {"Atilde", "\xc3\x83"},
    {"Auml", "\xc3\x84"},
    {"Beta;", "\xce\x92"},
    {"Ccedil", "\xc3\x87"},
    {"Chi;", "\xce\xa7"},
    {"Dagger;", "\xe2\x80\xa1"},
    {"Delta;", "\xce\x94"},
    {"ETH", "\xc3\x90"},
    {"Eacute", "\xc3\x89"},
    {"Ecirc", "\xc3\x8a"},
    {"Egrave", "\xc3\x88"},
    {"Epsilon;", "\xce\x95"},
    {"Eta;", "\xce\x97"},
    {"Euml", "\xc3\x8b"},
    {"Gamma;", "\xce\x93"},
    {"Iacute", "\xc3\x8d"},
    {"Icirc", "\xc3\x8e"},
    {"Igrave", "\xc3\x8c"},
    {"Iota;", "\xce\x99"},
    {"Iuml", "\xc3\x8f"},
    {"Kappa;", "\xce\x9a"},
    {"Lambda;", "\xce\x9b"},
    {"Mu;", "\xce\x9c"},
    {"Ntilde", "\xc3\x91"},
    {"Nu;", "\xce\x9d"},
    {"OElig;", "\xc5\x92"},
    {"Oacute", "\xc3\x93"},
    {"Ocirc", "\xc3\x94"},
    {"Ograve", "\xc3\x92"},
    {"Omega;", "\xce\xa9"},
    {"Omicron;", "\xce\x9f"},
    {"Oslash", "\xc3\x98"},
    {"Otilde", "\xc3\x95"},
    {"Ouml", "\xc3\x96"},
    {"Phi;", "\xce\xa6"},
    {"Pi;", "\xce\xa0"},
    {"Prime;", "\xe2\x80\xb3"},
    {"Psi;", "\xce\xa8"},
    {"Rho;", "\xce\xa1"},
    {"Scaron;", "\xc5\xa0"},
    {"Sigma;", "\xce\xa3"},
    {"THORN", "\xc3\x9e"},
    {"Tau;", "\xce\xa4"},
    {"Theta;", "\xce\x98"},
    {"Uacute", "\xc3\x9a"},
    {"Ucirc", "\xc3\x9b"},
    {"Ugrave", "\xc3\x99"},
    {"Upsilon;", "\xce\xa5"},
    {"Uuml", "\xc3\x9c"},
    {"Xi;", "\xce\x9e"},
    {"Yacute", "\xc3\x9d"},
    {"Yuml;", "\xc5\xb8"},
    {"Zeta;", "\xce\x96"},
    {"aacute", "\xc3\xa1"},
    {"acirc", "\xc3\xa2"},
    {"acute", "\xc2\xb4"},
    {"aelig", "\xc3\xa6"},
    {"agrave", "\xc3\xa0"},
    {"alefsym;", "\xe2\x84\xb5"},
    {"alpha;", "\xce\xb1"},
    {"amp", "\x26"},
    {"and;", "\xe2\x88\xa7"},
    {"ang;", "\xe2\x88\xa0"},
    {"apos", "\x27"},
    {"aring", "\xc3\xa5"},
    {"asymp;", "\xe2\x89\x88"},
    {"atilde", "\xc3\xa3"},
    {"auml", "\xc3\xa4"},
    {"bdquo;", "\xe2\x80\x9e"},
    {"beta;", "\xce\xb2"},
    {"brvbar", "\xc2\xa6"},
    {"bull;", "\xe2\x80\xa2"},
    {"cap;", "\xe2\x88\xa9"},
    {"ccedil", "\xc3\xa7"},
    {"cedil", "\xc2\xb8"},
    {"cent", "\xc2\xa2"},
    {"chi;", "\xcf\x87"},
    {"circ;", "\xcb\x86"},
    {"clubs;", "\xe2\x99\xa3"},
    {"cong;", "\xe2\x89\x85"},
    {"copy", "\xc2\xa9"},
    {"crarr;", "\xe2\x86\xb5"},
    {"cup;", "\xe2\x88\xaa"},
    {"curren", "\xc2\xa4"},
    {"dArr;", "\xe2\x87\x93"},
    {"dagger;", "\xe2\x80\xa0"},
    {"darr;", "\xe2\x86\x93"},
    {"deg", "\xc2\xb0"},
    {"delta;", "\xce\xb4"},
    {"diams;", "\xe2\x99\xa6"},
    {"divide", "\xc3\xb7"},
    {"eacute", "\xc3\xa9"},
    {"ecirc", "\xc3\xaa"},
    {"egrave", "\xc3\xa8"},
    {"empty;", "\xe2\x88\x85"},
    {"emsp;", "\xe2\x80\x83"},
    {"ensp;", "\xe2\x80\x82"},
    {"epsilon;", "\xce\xb5"},
    {"equiv;", "\xe2\x89\xa1"},
    {"eta;", "\xce\xb7"},
    {"eth", "\xc3\xb0"},
    {"euml", "\xc3\xab"},
    {"euro;", "\xe2\x82\xac"},
    {"exist;", "\xe2\x88\x83"},
    {"fnof;", "\xc6\x92"},
    {"forall;", "\xe2\x88\x80"},
    {"frac12", "\xc2\xbd"},
    {"frac14", "\xc2\xbc"},
    {"frac34", "\xc2\xbe"},
    {"frasl;", "\xe2\x81\x84"},
    {"gamma;", "\xce\xb3"},
    {"ge;", "\xe2\x89\xa5"},
    {"gt", "\x3e"},
    {"hArr;", "\xe2\x87\x94"},
    {"harr;", "\xe2\x86\x94"},
    {"hearts;", "\xe2\x99\xa5"},
    {"hellip;", "\xe2\x80\xa6"},
    {"iacute", "\xc3\xad"},
    {"icirc", "\xc3\xae"},
    {"iexcl", "\xc2\xa1"},
    {"igrave", "\xc3\xac"},
    {"image;", "\xe2\x84\x91"},
    {"infin;", "\xe2\x88\x9e"},
    {"int;", "\xe2\x88\xab"},
    {"iota;", "\xce\xb9"},
    {"iquest", "\xc2\xbf"},
    {"isin;", "\xe2\x88\x88"},
    {"iuml", "\xc3\xaf"},
    {"kappa;", "\xce\xba"},
    {"lArr;", "\xe2\x87\x90"},
    {"lambda;", "\xce\xbb"},
    {"lang;", "\xe2\x8c\xa9"},
    {"laquo", "\xc2\xab"},
    {"larr;", "\xe2\x86\x90"},
    {"lceil;", "\xe2\x8c\x88"},
    {"ldquo;", "\xe2\x80\x9c"},
    {"le;", "\xe2\x89\xa4"},
    {"lfloor;", "\xe2\x8c\x8a"},
    {"lowast;", "\xe2\x88\x97"},
    {"loz;", "\xe2\x97\x8a"},
    {"lrm;", "\xe2\x80\x8e"},
    {"lsaquo;", "\xe2\x80\xb9"},
    {"lsquo;", "\xe2\x80\x98"},
    {"lt", "\x3c"},
    {"macr", "\xc2\xaf"},
    {"mdash;", "\xe2\x80\x94"},
    {"micro", "\xc2\xb5"},
    {"middot", "\xc2\xb7"},
    {"minus;", "\xe2\x88\x92"},
    {"mu;", "\xce\xbc"},
    {"nabla;", "\xe2\x88\x87"},
    {"nbsp", "\xc2\xa0"},
    {"ndash;", "\xe2\x80\x93"},
    {"ne;", "\xe2\x89\xa0"},
    {"ni;", "\xe2\x88\x8b"},
    {"not", "\xc2\xac"},
    {"notin;", "\xe2\x88\x89"},
    {"nsub;", "\xe2\x8a\x84"},
    {"ntilde", "\xc3\xb1"},
    {"nu;", "\xce\xbd"},
    {"oacute", "\xc3\xb3"},
    {"ocirc", "\xc3\xb4"},
    {"oelig;", "\xc5\x93"},
    {"ograve", "\xc3\xb2"},
    {"oline;", "\xe2\x80\xbe"},
    {"omega;", "\xcf\x89"},
    {"omicron;", "\xce\xbf"},
    {"oplus;", "\xe2\x8a\x95"},
    {"or;", "\xe2\x88\xa8"},
    {"ordf", "\xc2\xaa"},
    {"ordm", "\xc2\xba"},
    {"oslash", "\xc3\xb8"},
    {"otilde", "\xc3\xb5"},
    {"otimes;", "\xe2\x8a\x97"},
    {"ouml", "\xc3\xb6"},
    {"para", "\xc2\xb6"},
    {"part;", "\xe2\x88\x82"},
    {"permil;", "\xe2\x80\xb0"},
    {"perp;", "\xe2\x8a\xa5"},
    {"phi;", "\xcf\x86"},
    {"pi;", "\xcf\x80"},
    {"piv;", "\xcf\x96"},
    {"plusmn", "\xc2\xb1"},
    {"pound", "\xc2\xa3"},
    {"prime;", "\xe2\x80\xb2"},
    {"prod;", "\xe2\x88\x8f"},
    {"prop;", "\xe2\x88\x9d"},
    {"psi;", "\xcf\x88"},
    {"quot", "\x22"},
    {"rArr;", "\xe2\x87\x92"},
    {"radic;", "\xe2\x88\x9a"},
    {"rang;", "\xe2\x8c\xaa"},
    {"raquo", "\xc2\xbb"},
    {"rarr;", "\xe2\x86\x92"},
    {"rceil;", "\xe2\x8c\x89"},
    {"rdquo;", "\xe2\x80\x9d"},
    {"real;", "\xe2\x84\x9c"},
    {"reg", "\xc2\xae"},
    {"rfloor;", "\xe2\x8c\x8b"},
    {"rho;", "\xcf\x81"},
    {"rlm;", "\xe2\x80\x8f"},
    {"rsaquo;", "\xe2\x80\xba"},
    {"rsquo;", "\xe2\x80\x99"},
    {"sbquo;", "\xe2\x80\x9a"},
    {"scaron;", "\xc5\xa1"},
    {"sdot;", "\xe2\x8b\x85"},
    {"sect", "\xc2\xa7"},
    {"shy", "\xc2\xad"},
    {"sigma;", "\xcf\x83"},
    {"sigmaf;", "\xcf\x82"},
    {"sim;", "\xe2\x88\xbc"},
    {"spades;", "\xe2\x99\xa0"},
    {"sub;", "\xe2\x8a\x82"},
    {"sube;", "\xe2\x8a\x86"},
    {"sum;", "\xe2\x88\x91"},
    {"sup1", "\xc2\xb9"},
    {"sup2", "\xc2\xb2"},
    {"sup3", "\xc2\xb3"},
    {"sup;", "\xe2\x8a\x83"},
    {"supe;", "\xe2\x8a\x87"},
    {"szlig", "\xc3\x9f"},
    {"tau;", "\xcf\x84"},
    {"there4;", "\xe2\x88\xb4"},
    {"theta;", "\xce\xb8"},
    {"thetasym;", "\xcf\x91"},
    {"thinsp;", "\xe2\x80\x89"},
    {"thorn", "\xc3\xbe"},
    {"tilde;", "\xcb\x9c"},
    {"times", "\xc3\x97"},
    {"trade;", "\xe2\x84\xa2"},
    {"uArr;", "\xe2\x87\x91"},
    {"uacute", "\xc3\xba"},
    {"uarr;", "\xe2\x86\x91"},
    {"ucirc", "\xc3\xbb"},
    {"ugrave", "\xc3\xb9"},
    {"uml", "\xc2\xa8"},
    {"upsih;", "\xcf\x92"},
    {"upsilon;", "\xcf\x85"},
    {"uuml", "\xc3\xbc"},
    {"weierp;", "\xe2\x84\x98"},
    {"xi;", "\xce\xbe"},
    {"yacute", "\xc3\xbd"},
    {"yen", "\xc2\xa5"},
    {"yuml", "\xc3\xbf"},
    {"zeta;", "\xce\xb6"},
    {"zwj;", "\xe2\x80\x8d"},
    {"zwnj;", "\xe2\x80\x8c"},
};

static const char *entity_find(const char *p, size_t n)
{
    size_t lo = 0, hi = sizeof entities / sizeof entities[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *e = entities[mid].name;
        size_t el = strlen(e);
        int c = memcmp(p, e, n < el ? n : el);
        if (c == 0) c = n < el ? -1 : (n > el ? 1 : 0);
        if (c == 0) return entities[mid].utf8;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static size_t put_utf8(char *o, uint32_t cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static int hexdigit(unsigned char c)
{
    if (c == 0) return 0; /* HTML::Parser's strchr() finds the terminating NUL */
    return ch_hexval(c);
}

/* Decode entities of (p,n) into o (capacity >= n + 4 is enough: no
 * replacement is longer than its source, except "&#NN" > 2 bytes handled by
 * the +4). expand_prefix: "&ampx" decodes its longest known prefix (text),
 * attribute values do not. Returns the output length. */
static size_t decode_entities(const char *p, size_t n, char *o, bool expand_prefix, bool *wide)
{
    const char *s = p, *end = p + n;
    size_t t = 0;
    uint32_t high_surrogate = 0;
    while (s < end) {
        char c = *s++;
        o[t++] = c;
        if (c != '&') continue;
        const char *ent_start = s;
        const char *repl = NULL;
        size_t repl_len = 0;
        char buf[4];
        if (s < end && *s == '#') {
            uint32_t num = 0;
            bool ok = false;
            s++;
            if (s < end && (*s == 'x' || *s == 'X')) {
                s++;
                while (s < end) {
                    int d = hexdigit((unsigned char)*s);
                    if (d < 0) break;
                    num = num << 4 | (uint32_t)d;
                    if (num > 0x10FFFF) {
                        ok = false;
                        break;
                    }
                    s++;
                    ok = true;
                }
            } else {
                while (s < end && ch_is_digit((unsigned char)*s)) {
                    num = num * 10 + (uint32_t)(*s - '0');
                    if (num > 0x10FFFF) {
                        ok = false;
                        break;
                    }
                    s++;
                    ok = true;
                }
            }
            if (num && ok && num != 0xFFFE && num != 0xFFFF) {
                if ((num & 0xFFFFFC00u) == 0xDC00) {
                    if (high_surrogate) {
                        t -= 3; /* back up over the U+FFFD written for the high half */
                        num = ((high_surrogate - 0xD800) << 10) + (num - 0xDC00) + 0x10000;
                        high_surrogate = 0;
                    } else {
                        num = 0xFFFD;
                    }
                } else if ((num & 0xFFFFFC00u) == 0xD800) {
                    high_surrogate = num;
                    num = 0xFFFD;
                } else {
                    high_surrogate = 0;
                    if ((num >= 0xFDD0 && num <= 0xFDEF) || (num & 0xFFFE) == 0xFFFE) num = 0xFFFD;
                }
                repl_len = put_utf8(buf, num);
                repl = buf;
                if (num > 0xFF) *wide = true;
            }
        } else {
            const char *name = s;
            while (s < end && (ch_is_alnum((unsigned char)*s) || *s == '_'))
                s++;
            if (s != name) {
                size_t nl = (size_t)(s - name);
                repl = entity_find(name, nl);
                if (!repl && s < end && *s == ';') repl = entity_find(name, nl + 1);
                if (!repl && expand_prefix) {
                    for (size_t k = nl - 1; k > 0; k--) {
                        repl = entity_find(name, k);
                        if (repl) {
                            s = name + k;
                            break;
                        }
                    }
                }
                if (repl) {
                    repl_len = strlen(repl);
                    /* values above U+00FF are stored as characters */
                    if (repl_len > 2 || (repl_len == 2 && (unsigned char)repl[0] > 0xC3))
                        *wide = true;
                }
            }
            high_surrogate = 0;
        }
        if (repl) {
            if (s < end && *s == ';') s++;
            t--; /* the '&' */
            if (at(s, end) != '&') high_surrogate = 0;
            memcpy(o + t, repl, repl_len);
            t += repl_len;
        } else {
            while (ent_start < s)
                o[t++] = *ent_start++;
        }
    }
    return t;
}

/* ---------------------------------------------------------------------- */
/* element tables of HTML.pm */

enum {
    EL_ELEMENT = 1, /* HTML 4.01 / XHTML 1.0 element, or one of the "tricks" */
    EL_STYLE = 2,   /* changes the text style */
    EL_WS_NL = 4,   /* whitespace "\n" */
    EL_WS_SP = 8,   /* whitespace " " */
    EL_WS_PARA = 16,
    EL_URI = 32,
};

struct eltab {
    const char *name;
    unsigned flags;
};

/* sorted by name */
static const struct eltab elements[] = {
    {"a", EL_ELEMENT | EL_STYLE | EL_URI},
    {"abbr", EL_ELEMENT},
    {"acronym", EL_ELEMENT},
    {"address", EL_ELEMENT},
    {"applet", EL_ELEMENT},
    {"area", EL_ELEMENT | EL_URI},
    {"b", EL_ELEMENT},
    {"base", EL_ELEMENT | EL_URI},
    {"basefont", EL_ELEMENT | EL_STYLE},
    {"bdo", EL_ELEMENT},
    {"bgsound", EL_ELEMENT | EL_URI},
    {"big", EL_ELEMENT | EL_STYLE},
    {"blockquote", EL_ELEMENT | EL_WS_PARA},
    {"body", EL_ELEMENT | EL_STYLE | EL_URI},
    {"br", EL_ELEMENT | EL_WS_NL},
    {"button", EL_ELEMENT},
    {"caption", EL_ELEMENT},
    {"center", EL_ELEMENT},
    {"cite", EL_ELEMENT},
    {"code", EL_ELEMENT},
    {"col", EL_ELEMENT},
    {"colgroup", EL_ELEMENT},
    {"dd", EL_ELEMENT | EL_WS_SP},
    {"del", EL_ELEMENT},
    {"dfn", EL_ELEMENT},
    {"dir", EL_ELEMENT},
    {"div", EL_ELEMENT | EL_STYLE | EL_WS_NL},
    {"dl", EL_ELEMENT},
    {"dt", EL_ELEMENT | EL_WS_SP},
    {"em", EL_ELEMENT},
    {"embed", EL_ELEMENT | EL_WS_SP | EL_URI},
    {"fieldset", EL_ELEMENT},
    {"font", EL_ELEMENT | EL_STYLE},
    {"form", EL_ELEMENT | EL_URI},
    {"frame", EL_ELEMENT | EL_URI},
    {"frameset", EL_ELEMENT},
    {"h1", EL_ELEMENT | EL_WS_SP},
    {"h2", EL_ELEMENT | EL_WS_SP},
    {"h3", EL_ELEMENT | EL_WS_SP},
    {"h4", EL_ELEMENT | EL_WS_SP},
    {"h5", EL_ELEMENT | EL_WS_SP},
    {"h6", EL_ELEMENT | EL_WS_SP},
    {"head", EL_ELEMENT},
    {"hr", EL_ELEMENT | EL_WS_PARA},
    {"html", EL_ELEMENT},
    {"i", EL_ELEMENT},
    {"iframe", EL_ELEMENT | EL_URI},
    {"img", EL_ELEMENT | EL_URI},
    {"input", EL_ELEMENT},
    {"ins", EL_ELEMENT},
    {"isindex", EL_ELEMENT},
    {"kbd", EL_ELEMENT},
    {"label", EL_ELEMENT},
    {"legend", EL_ELEMENT},
    {"li", EL_ELEMENT | EL_WS_SP},
    {"link", EL_ELEMENT | EL_URI},
    {"listing", EL_ELEMENT | EL_WS_PARA},
    {"map", EL_ELEMENT},
    {"menu", EL_ELEMENT},
    {"meta", EL_ELEMENT | EL_URI},
    {"nobr", EL_ELEMENT},
    {"noframes", EL_ELEMENT},
    {"noscript", EL_ELEMENT},
    {"object", EL_ELEMENT},
    {"ol", EL_ELEMENT},
    {"optgroup", EL_ELEMENT},
    {"option", EL_ELEMENT},
    {"p", EL_ELEMENT | EL_STYLE | EL_WS_PARA},
    {"param", EL_ELEMENT},
    {"plaintext", EL_ELEMENT | EL_WS_PARA},
    {"pre", EL_ELEMENT | EL_WS_PARA},
    {"q", EL_ELEMENT},
    {"s", EL_ELEMENT},
    {"samp", EL_ELEMENT},
    {"script", EL_ELEMENT | EL_URI},
    {"select", EL_ELEMENT},
    {"small", EL_ELEMENT | EL_STYLE},
    {"span", EL_ELEMENT | EL_STYLE},
    {"strike", EL_ELEMENT},
    {"strong", EL_ELEMENT},
    {"style", EL_ELEMENT},
    {"sub", EL_ELEMENT},
    {"sup", EL_ELEMENT},
    {"table", EL_ELEMENT | EL_STYLE | EL_URI},
    {"tbody", EL_ELEMENT},
    {"td", EL_ELEMENT | EL_STYLE | EL_WS_SP | EL_URI},
    {"textarea", EL_ELEMENT},
    {"tfoot", EL_ELEMENT},
    {"th", EL_ELEMENT | EL_STYLE | EL_WS_SP},
    {"thead", EL_ELEMENT},
    {"title", EL_ELEMENT | EL_WS_PARA},
    {"tr", EL_ELEMENT | EL_STYLE | EL_URI},
    {"tt", EL_ELEMENT},
    {"u", EL_ELEMENT},
    {"ul", EL_ELEMENT},
    {"var", EL_ELEMENT},
    {"x-sigsep", EL_ELEMENT},
    {"x-tab", EL_ELEMENT},
    {"xmp", EL_ELEMENT | EL_WS_PARA},
};

static struct nameidx elements_idx = NAMEIDX_INIT(elements);

/* The flags of element `tag` (n bytes; compared as strcmp would the name
 * up to a NUL in it, as the binary search this replaced did), 0 if none. */
static unsigned el_flags(const char *tag, size_t n)
{
    if (n == 0 || n > 10) return 0;
    int k = nameidx_find(&elements_idx, tag, strnlen(tag, n));
    return k >= 0 ? elements[k].flags : 0;
}

static bool slice_is(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

/* ---------------------------------------------------------------------- */
/* colours (HTML.pm name_to_rgb): the keyword table is mail/html.c's */

#define COLOUR_LEN 12 /* "transparent" and NUL; every colour value fits */

static void colour_set(char *dst, const char *s)
{
    snprintf(dst, COLOUR_LEN, "%s", s);
}

/* dec2hex: two digits below 16 padded, more than two kept as is. */
static size_t dec2hex(char *o, unsigned long v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof tmp, "%s%lx", v < 16 ? "0" : "", v);
    memcpy(o, tmp, (size_t)n);
    return (size_t)n;
}

/* Parse "rgb(D%, D%, D%)" or "rgb(D, D, D)" starting anywhere in s; writes
 * the three numbers; percent says which form matched. */
static bool rgb_parse(const char *s, bool percent, unsigned long v[3])
{
    const char *r = s;
    while ((r = strstr(r, "rgb(")) != NULL) {
        const char *q = r + 4;
        bool good = true;
        for (int i = 0; i < 3 && good; i++) {
            if (i > 0) {
                if (*q != ',') {
                    good = false;
                    break;
                }
                q++;
                while (ch_is_space((unsigned char)*q))
                    q++;
            }
            if (!ch_is_digit((unsigned char)*q)) {
                good = false;
                break;
            }
            unsigned long x = 0;
            while (ch_is_digit((unsigned char)*q)) {
                if (x < 100000000ul) x = x * 10 + (unsigned long)(*q - '0');
                q++;
            }
            v[i] = x;
            if (percent) {
                if (*q != '%') {
                    good = false;
                    break;
                }
                q++;
            }
        }
        if (good) {
            while (ch_is_space((unsigned char)*q))
                q++;
            if (*q == ')') return true;
        }
        r += 4;
    }
    return false;
}

/* name_to_rgb of HTML.pm: "#rrggbb", "#" or "invalid". */
static void name_to_rgb(const char *in, size_t n, char out[COLOUR_LEN])
{
    char buf[128];
    if (n > sizeof buf - 1) n = sizeof buf - 1;
    size_t b = 0, e = n;
    while (b < e && ch_is_space((unsigned char)in[b]))
        b++;
    while (e > b && ch_is_space((unsigned char)in[e - 1]))
        e--;
    size_t len = e - b;
    for (size_t i = 0; i < len; i++)
        buf[i] = (char)ch_lower((unsigned char)in[b + i]);
    buf[len] = 0;
    if (memchr(buf, 0, len)) {
        colour_set(out, "invalid");
        return;
    }
    uint32_t rgb;
    if (html_color_by_name(buf, &rgb)) {
        snprintf(out, COLOUR_LEN, "#%06x", (unsigned)rgb);
        return;
    }
    bool hexish = true;
    for (size_t i = 0; i < len; i++)
        if (!(buf[i] == '#' || ch_is_digit((unsigned char)buf[i]) ||
              (buf[i] >= 'a' && buf[i] <= 'f')))
            hexish = false;
    unsigned long v[3];
    bool rgb_any = false;
    {
        /* rgb\([\d%, ]*\) anywhere */
        const char *r = buf;
        while ((r = strstr(r, "rgb(")) != NULL) {
            const char *q = r + 4;
            while (ch_is_digit((unsigned char)*q) || *q == '%' || *q == ',' || *q == ' ')
                q++;
            if (*q == ')') {
                rgb_any = true;
                break;
            }
            r += 4;
        }
    }
    if (!hexish && !rgb_any) {
        colour_set(out, "invalid");
        return;
    }
    char col[160];
    size_t cl = 0;
    memcpy(col, buf, len);
    cl = len;
    if (rgb_parse(buf, true, v)) {
        cl = 0;
        col[cl++] = '#';
        for (int i = 0; i < 3; i++)
            cl += dec2hex(col + cl, (unsigned long)((double)v[i] / 100.0 * 255.0));
    }
    col[cl] = 0;
    if (rgb_parse(col, false, v)) {
        cl = 0;
        col[cl++] = '#';
        for (int i = 0; i < 3; i++)
            cl += dec2hex(col + cl, v[i]);
        col[cl] = 0;
    }
    if (col[0] != '#') {
        colour_set(out, "invalid");
        return;
    }
    char hx[160];
    size_t hl = 0;
    for (size_t i = 0; i < cl; i++)
        if (ch_is_xdigit((unsigned char)col[i])) hx[hl++] = col[i];
    if (hl > 6) hl = 6;
    if (hl > 3 && hl < 6) hl = 3;
    while (hl % 3)
        hx[hl++] = '0';
    if (hl == 3) {
        char d[6] = {hx[0], hx[0], hx[1], hx[1], hx[2], hx[2]};
        memcpy(hx, d, 6);
        hl = 6;
    }
    out[0] = '#';
    for (size_t i = 0; i < hl; i++)
        out[1 + i] = (char)ch_lower((unsigned char)hx[i]);
    out[1 + hl] = 0;
}

/* ---------------------------------------------------------------------- */
/* renderer state */

enum style_tag {
    ST_DEFAULT,
    ST_BODY,
    ST_FONT,
    ST_TABLE,
    ST_TR,
    ST_TD,
    ST_BIG,
    ST_SMALL,
    ST_BASEFONT,
    ST_SPAN,
    ST_P,
    ST_DIV,
    ST_A
};

struct tstyle {
    enum style_tag tag;
    char fg[COLOUR_LEN], bg[COLOUR_LEN];
    long size;
    bool display_none, visibility_hidden;
};

#define STYLE_CAP_MAX 4096

struct render {
    arena *a;
    char *out;
    size_t len, cap;
    size_t last_start; /* the last element: [last_start, len) */
    bool have_last, last_ws, last_inv;
    long in_script, in_style;
    struct tstyle *st;
    size_t n_st, cap_st;
    long basefont;
    char *scratch; /* entity-decoded text of one event */
    size_t scratch_cap;
    /* URIs */
    struct sahtml_uri *uris;
    size_t n_uris, cap_uris;
    char *base_href;
    bool wide_input, wide;
};

static void out_reserve(struct render *r, size_t more)
{
    if (r->len + more + 1 <= r->cap) return;
    size_t nc = r->cap ? r->cap * 2 : 256;
    while (nc < r->len + more + 1)
        nc *= 2;
    char *np = arena_alloc(r->a, nc);
    if (r->len) memcpy(np, r->out, r->len);
    r->out = np;
    r->cap = nc;
}

static char *scratch(struct render *r, size_t n)
{
    if (n > r->scratch_cap) {
        size_t nc = r->scratch_cap ? r->scratch_cap : 256;
        while (nc < n)
            nc *= 2;
        r->scratch = arena_alloc(r->a, nc);
        r->scratch_cap = nc;
    }
    return r->scratch;
}

/* display_text() for whitespace elements */
static void display_ws(struct render *r, const char *ws, size_t n)
{
    if (r->have_last && !r->last_ws && !r->last_inv && r->len > r->last_start &&
        r->out[r->len - 1] == ' ')
        r->len--;
    out_reserve(r, n);
    r->last_start = r->len;
    memcpy(r->out + r->len, ws, n);
    r->len += n;
    r->have_last = true;
    r->last_ws = true;
    r->last_inv = false;
}

/* the bytes display_text treats specially: Perl's \s and the first byte of
 * the UTF-8 "\xC3\x82\xC2\xA0" */
static const bool text_special[256] = {
    [' '] = true,  ['\t'] = true, ['\n'] = true, ['\r'] = true,
    ['\f'] = true, ['\v'] = true, [0xC3] = true,
};

/* display_text() for text */
static void display_text(struct render *r, const char *p, size_t n, bool invisible)
{
    out_reserve(r, n);
    size_t start = r->len;
    char *o = r->out + r->len;
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        /* ordinary bytes, most of the text: copied without the tests below */
        while (i < n && !text_special[(unsigned char)p[i]])
            o[k++] = p[i++];
        if (i >= n) break;
        unsigned char c = (unsigned char)p[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
            while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r' ||
                             p[i] == '\f' || p[i] == '\v'))
                i++;
            o[k++] = ' ';
        } else if (c == 0xC3 && n - i >= 4 && (unsigned char)p[i + 1] == 0x82 &&
                   (unsigned char)p[i + 2] == 0xC2 && (unsigned char)p[i + 3] == 0xA0) {
            o[k++] = ' ';
            i += 4;
        } else {
            o[k++] = (char)c;
            i++;
        }
    }
    size_t skip = 0;
    if (r->have_last && !invisible && r->last_ws && k > 0 && o[0] == ' ') skip = 1;
    if (skip) memmove(o, o + 1, k - 1);
    r->last_start = start;
    r->len = start + k - skip;
    r->have_last = true;
    r->last_ws = false;
    r->last_inv = invisible;
}

static const struct tstyle *style_top(const struct render *r)
{
    return &r->st[r->n_st - 1];
}

static bool hex6(const char *c, int v[3])
{
    const char *p = c;
    if (*p == '#') p++;
    if (strlen(p) != 6) return false;
    for (int i = 0; i < 6; i++)
        if (!(ch_is_digit((unsigned char)p[i]) || (p[i] >= 'a' && p[i] <= 'f'))) return false;
    for (int i = 0; i < 3; i++)
        v[i] = ch_hexval((unsigned char)p[2 * i]) * 16 + ch_hexval((unsigned char)p[2 * i + 1]);
    return true;
}

static const char *last6(const char *c)
{
    size_t l = strlen(c);
    return l > 6 ? c + l - 6 : c;
}

/* html_font_invisible() of HTML.pm */
static bool font_invisible(const struct render *r)
{
    const struct tstyle *t = style_top(r);
    if (strcmp(last6(t->fg), last6(t->bg)) == 0) return true;
    int f[3], b[3];
    if (hex6(t->fg, f) && hex6(t->bg, b)) {
        double dr = 0.2126 * (f[0] - b[0]), dg = 0.7152 * (f[1] - b[1]),
               db = 0.0722 * (f[2] - b[2]);
        double d2 = dr * dr + dg * dg + db * db;
        if (d2 < 144.0) return true;
    }
    if (strcmp(t->fg, "invalid") == 0 || strcmp(t->bg, "invalid") == 0) return true;
    if (t->size <= 1) return true;
    return t->display_none || t->visibility_hidden;
}

/* ---------------------------------------------------------------------- */
/* attributes of a start tag */

struct attr {
    const char *name;
    size_t name_len;
    const char *val; /* NULL: boolean attribute (value = its name) */
    size_t val_len;
};

#define MAX_ATTRS 64

struct tag_ev {
    const char *name;
    size_t name_len;
    struct attr attrs[MAX_ATTRS];
    size_t n_attrs;
};

static bool name_eq_ci(const char *p, size_t n, const char *lit)
{
    return str_eq_ci(p, n, lit);
}

/* The first attribute of that (lowercase) name, or NULL. */
static const struct attr *attr_get(const struct tag_ev *t, const char *name)
{
    for (size_t i = 0; i < t->n_attrs; i++)
        if (name_eq_ci(t->attrs[i].name, t->attrs[i].name_len, name)) return &t->attrs[i];
    return NULL;
}

/* Whether attrs[i] is the first attribute of its name. */
static bool attr_is_first(const struct tag_ev *t, size_t i)
{
    const struct attr *a = &t->attrs[i];
    for (size_t j = 0; j < i; j++)
        if (t->attrs[j].name_len == a->name_len) {
            size_t k = 0;
            while (k < a->name_len && ch_lower((unsigned char)t->attrs[j].name[k]) ==
                                          ch_lower((unsigned char)a->name[k]))
                k++;
            if (k == a->name_len) return false;
        }
    return true;
}

/* Entity-decoded attribute value in the arena (NUL-terminated). */
static char *attr_value_w(arena *a, const struct attr *at_, size_t *len, bool *wide_out)
{
    const char *v = at_->val ? at_->val : at_->name;
    size_t n = at_->val ? at_->val_len : at_->name_len;
    char *o = arena_alloc(a, n + 8);
    bool wide = false;
    size_t k = at_->val ? decode_entities(v, n, o, false, &wide) : (memcpy(o, v, n), n);
    if (wide_out) *wide_out = wide;
    o[k] = 0;
    *len = k;
    return o;
}

static char *attr_value(arena *a, const struct attr *at_, size_t *len)
{
    return attr_value_w(a, at_, len, NULL);
}

/* ---------------------------------------------------------------------- */
/* text style (HTML.pm text_style, close_tag, close_table_tag) */

static enum style_tag style_tag_of(const char *t, size_t n)
{
    static const struct {
        const char *n;
        enum style_tag t;
    } map[] = {{"body", ST_BODY}, {"font", ST_FONT},   {"table", ST_TABLE},
               {"tr", ST_TR},     {"td", ST_TD},       {"th", ST_TD},
               {"big", ST_BIG},   {"small", ST_SMALL}, {"basefont", ST_BASEFONT},
               {"span", ST_SPAN}, {"p", ST_P},         {"div", ST_DIV},
               {"a", ST_A}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (slice_is(t, n, map[i].n)) return map[i].t;
    return ST_DEFAULT;
}

static bool style_has(const struct render *r, enum style_tag t)
{
    for (size_t i = 0; i < r->n_st; i++)
        if (r->st[i].tag == t) return true;
    return false;
}

static void style_push(struct render *r, const struct tstyle *s)
{
    if (r->n_st >= STYLE_CAP_MAX) return;
    if (r->n_st == r->cap_st)
        r->st = arena_grow(r->a, r->st, &r->cap_st, r->n_st + 1, sizeof *r->st);
    r->st[r->n_st++] = *s;
}

/* leading integer with optional sign, as /^\s*([+-]?\d+)/ */
static bool lead_int(const char *v, bool allow_sign, long *out, bool *had_sign)
{
    while (ch_is_space((unsigned char)*v))
        v++;
    bool neg = false;
    *had_sign = false;
    if (allow_sign && (*v == '+' || *v == '-')) {
        neg = *v == '-';
        *had_sign = true;
        v++;
    }
    if (!ch_is_digit((unsigned char)*v)) return false;
    long x = 0;
    while (ch_is_digit((unsigned char)*v)) {
        if (x < 100000000l) x = x * 10 + (*v - '0');
        v++;
    }
    *out = neg ? -x : x;
    return true;
}

/* parse_css_background() of HTML.pm, then the first value of the bottom
 * (last) layer that name_to_rgb() accepts becomes the background colour.
 * Tokens are runs outside parentheses and quotes, split at ' ' and ','
 * (',' also ends a layer); a parenthesised run ends its token at ')'. */
#define CSS_MAX_TOK 64
static void css_background(const char *v, char bg[COLOUR_LEN])
{
    size_t n = strlen(v);
    size_t cur_b[CSS_MAX_TOK], cur_l[CSS_MAX_TOK], last_b[CSS_MAX_TOK], last_l[CSS_MAX_TOK];
    size_t n_cur = 0, n_last = 0;
    bool have_layer = false;
    int stack[CSS_MAX_TOK], sp = 0, state = 0;
    size_t tb = 0, tl = 0; /* current token: v[tb, tb+tl) */
#define TOK_START()                                                                                \
    do {                                                                                           \
        if (tl == 0) tb = i;                                                                       \
        tl = i + 1 - tb;                                                                           \
    } while (0)
#define TOK_PUSH(force)                                                                            \
    do {                                                                                           \
        if ((tl > 0 || (force)) && n_cur < CSS_MAX_TOK) {                                          \
            cur_b[n_cur] = tb;                                                                     \
            cur_l[n_cur++] = tl;                                                                   \
        }                                                                                          \
        tl = 0;                                                                                    \
    } while (0)
    for (size_t i = 0; i < n; i++) {
        char ch = v[i];
        if (state == 0) {
            if (ch == ' ') {
                TOK_PUSH(false);
            } else if (ch == ',') {
                TOK_PUSH(false);
                memcpy(last_b, cur_b, n_cur * sizeof *cur_b);
                memcpy(last_l, cur_l, n_cur * sizeof *cur_l);
                n_last = n_cur;
                have_layer = true;
                n_cur = 0;
            } else {
                TOK_START();
                if (ch == '(' || ch == '"' || ch == '\'') {
                    if (sp < CSS_MAX_TOK) stack[sp++] = state;
                    state = ch == '(' ? 1 : ch == '"' ? 2 : 3;
                }
            }
        } else if (state == 1) {
            TOK_START();
            if (ch == ')') {
                TOK_PUSH(true);
                state = sp ? stack[--sp] : 0;
            } else if (ch == '"' || ch == '\'') {
                if (sp < CSS_MAX_TOK) stack[sp++] = state;
                state = ch == '"' ? 2 : 3;
            }
        } else {
            TOK_START();
            if ((state == 2 && ch == '"') || (state == 3 && ch == '\''))
                state = sp ? stack[--sp] : 0;
        }
    }
    TOK_PUSH(false);
#undef TOK_START
#undef TOK_PUSH
    if (n_cur > 0) {
        memcpy(last_b, cur_b, n_cur * sizeof *cur_b);
        memcpy(last_l, cur_l, n_cur * sizeof *cur_l);
        n_last = n_cur;
        have_layer = true;
    }
    if (!have_layer) return;
    for (size_t i = 0; i < n_last; i++) {
        char c[COLOUR_LEN];
        name_to_rgb(v + last_b[i], last_l[i], c);
        if (strcmp(c, "invalid") != 0) {
            memcpy(bg, c, COLOUR_LEN);
            return;
        }
    }
}

static void apply_style_attr(const struct tstyle *parent, struct tstyle *nw, const char *style)
{
    const char *s = style;
    size_t n = strlen(s);
    /* split(/;/): trailing empty fields dropped (harmless: they match nothing) */
    size_t i = 0;
    while (i <= n) {
        size_t j = i;
        while (j < n && s[j] != ';')
            j++;
        const char *f = s + i;
        size_t fl = j - i;
        /* trim for matching; the regexes use \s*...\s*$ */
        size_t b = 0, e = fl;
        while (b < e && ch_is_space((unsigned char)f[b]))
            b++;
        while (e > b && ch_is_space((unsigned char)f[e - 1]))
            e--;
        const char *g = f + b;
        size_t gl = e - b;
        bool bgc = false;
        size_t off = 0;
        if (gl >= 11 && str_starts_ci(g, gl, "background-color:")) {
            bgc = true;
            off = 17;
        } else if (str_starts_ci(g, gl, "color:")) {
            off = 6;
        }
        if (off && gl > off) {
            const char *val = g + off;
            size_t vl = gl - off;
            while (vl && ch_is_space((unsigned char)*val)) {
                val++;
                vl--;
            }
            if (vl == 0) goto next_generic;
            char lv[128];
            size_t ll = vl < sizeof lv - 1 ? vl : sizeof lv - 1;
            for (size_t k = 0; k < ll; k++)
                lv[k] = (char)ch_lower((unsigned char)val[k]);
            lv[ll] = 0;
            /* s/\s*!\s*important$// */
            if (ll >= 9 && memcmp(lv + ll - 9, "important", 9) == 0) {
                size_t q = ll - 9;
                while (q > 0 && ch_is_space((unsigned char)lv[q - 1]))
                    q--;
                if (q > 0 && lv[q - 1] == '!') {
                    q--;
                    while (q > 0 && ch_is_space((unsigned char)lv[q - 1]))
                        q--;
                    ll = q;
                    lv[ll] = 0;
                }
            }
            char *dst = bgc ? nw->bg : nw->fg;
            if (strstr(lv, "rgb")) {
                long comp[3] = {0, 0, 0};
                int ci = 0;
                long x = 0;
                bool any = false;
                for (size_t k = 0; k <= ll && ci < 3; k++) {
                    if (k == ll || lv[k] == ',') {
                        comp[ci++] = any ? x : 0;
                        x = 0;
                        any = false;
                    } else if (ch_is_digit((unsigned char)lv[k])) {
                        if (x < 100000000l) x = x * 10 + (lv[k] - '0');
                        any = true;
                    }
                }
                for (int k = 0; k < 3; k++)
                    if (comp[k] > 255) comp[k] = 255;
                snprintf(dst, COLOUR_LEN, "#%02lx%02lx%02lx", comp[0], comp[1], comp[2]);
            } else if (strcmp(lv, "inherit") == 0) {
            } else if (strcmp(lv, "transparent") == 0) {
                colour_set(dst, "transparent");
            } else {
                name_to_rgb(lv, ll, dst);
            }
        } else if (gl > 11 && memcmp(g, "background:", 11) == 0) {
            const char *val = g + 11;
            size_t vl = gl - 11;
            while (vl && ch_is_space((unsigned char)*val)) {
                val++;
                vl--;
            }
            if (vl) {
                char lv[256];
                size_t ll = vl < sizeof lv - 1 ? vl : sizeof lv - 1;
                for (size_t k = 0; k < ll; k++)
                    lv[k] = (char)ch_lower((unsigned char)val[k]);
                lv[ll] = 0;
                css_background(lv, nw->bg);
            }
        } else {
        next_generic:;
            /* ([a-z_-]+)\s*:\s*(\S.*?) */
            size_t k = 0;
            while (k < gl && (ch_is_alpha((unsigned char)g[k]) || g[k] == '_' || g[k] == '-'))
                k++;
            size_t nl = k;
            while (k < gl && ch_is_space((unsigned char)g[k]))
                k++;
            if (nl > 0 && k < gl && g[k] == ':') {
                k++;
                while (k < gl && ch_is_space((unsigned char)g[k]))
                    k++;
                if (k < gl) {
                    const char *val = g + k;
                    size_t vl = gl - k;
                    if (slice_is(g, nl, "display"))
                        nw->display_none = str_eq_ci(val, vl, "none");
                    else if (slice_is(g, nl, "visibility"))
                        nw->visibility_hidden = str_eq_ci(val, vl, "hidden");
                }
            }
        }
        i = j + 1;
    }
    if (strcmp(nw->bg, "transparent") == 0) memcpy(nw->bg, parent->bg, COLOUR_LEN);
    if (strcmp(nw->fg, "transparent") == 0) memcpy(nw->fg, nw->bg, COLOUR_LEN);
}

static void text_style(struct render *r, const struct tag_ev *t, bool start)
{
    enum style_tag tag = style_tag_of(t->name, t->name_len);
    if (!start) {
        if (tag == ST_BODY) return;
        if (!style_has(r, tag)) return;
        while (r->n_st > 1) {
            enum style_tag top = r->st[--r->n_st].tag;
            if (top == tag) break;
        }
        return;
    }
    if (tag == ST_BASEFONT) {
        const struct attr *s = attr_get(t, "size");
        if (s) {
            size_t vl;
            char *v = attr_value(r->a, s, &vl);
            long x;
            bool sg;
            if (lead_int(v, false, &x, &sg)) {
                r->basefont = x;
                return;
            }
        }
    }
    if ((tag == ST_TD || tag == ST_TR) && style_has(r, tag)) {
        while (r->n_st > 1) {
            enum style_tag top = style_top(r)->tag;
            if (top == ST_FONT || top == ST_TD || (tag == ST_TR && top == ST_TR))
                r->n_st--;
            else
                break;
        }
    }
    struct tstyle nw = *style_top(r);
    nw.tag = tag;
    if (tag == ST_BIG || tag == ST_SMALL) {
        nw.size += tag == ST_BIG ? 1 : -1;
        style_push(r, &nw);
        return;
    }
    const struct tstyle parent = *style_top(r);
    for (size_t i = 0; i < t->n_attrs; i++) {
        const struct attr *a = &t->attrs[i];
        if (!attr_is_first(t, i)) continue; /* HTML::Parser keeps the first */
        const char *an = a->name;
        size_t al = a->name_len;
        bool ok = false;
        switch (tag) {
        case ST_BASEFONT:
        case ST_FONT:
            ok = name_eq_ci(an, al, "color") || name_eq_ci(an, al, "face") ||
                 name_eq_ci(an, al, "size");
            break;
        case ST_BODY:
            ok = name_eq_ci(an, al, "text") || name_eq_ci(an, al, "bgcolor") ||
                 name_eq_ci(an, al, "link") || name_eq_ci(an, al, "alink") ||
                 name_eq_ci(an, al, "vlink") || name_eq_ci(an, al, "background");
            break;
        case ST_TABLE:
        case ST_TD:
        case ST_TR:
            ok = name_eq_ci(an, al, "bgcolor") || name_eq_ci(an, al, "style");
            break;
        case ST_SPAN:
        case ST_P:
        case ST_DIV:
        case ST_A:
            ok = name_eq_ci(an, al, "style");
            break;
        default:
            break;
        }
        if (!ok) continue;
        size_t vl;
        char *v = attr_value(r->a, a, &vl);
        if (name_eq_ci(an, al, "text") || name_eq_ci(an, al, "color")) {
            name_to_rgb(v, vl, nw.fg);
        } else if (name_eq_ci(an, al, "size")) {
            long x;
            bool sg;
            if (lead_int(v, true, &x, &sg)) nw.size = sg ? r->basefont + x : x;
        } else if (name_eq_ci(an, al, "style")) {
            apply_style_attr(&parent, &nw, v);
        }
    }
    style_push(r, &nw);
}

/* ---------------------------------------------------------------------- */
/* URIs (HTML.pm push_uri, canon_uri, target_uri) */

static bool u_is_space(const char *p, size_t n, size_t i, size_t *w)
{
    unsigned char c = (unsigned char)p[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
        *w = 1;
        return true;
    }
    if (c == 0xC2 && i + 1 < n &&
        ((unsigned char)p[i + 1] == 0xA0 || (unsigned char)p[i + 1] == 0x85)) {
        *w = 2;
        return true;
    }
    if (c == 0xE2 && i + 2 < n) {
        unsigned char c1 = (unsigned char)p[i + 1], c2 = (unsigned char)p[i + 2];
        if ((c1 == 0x80 &&
             ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF)) ||
            (c1 == 0x81 && c2 == 0x9F)) {
            *w = 3;
            return true;
        }
    }
    if (c == 0xE1 && i + 2 < n && (unsigned char)p[i + 1] == 0x9A &&
        (unsigned char)p[i + 2] == 0x80) {
        *w = 3;
        return true;
    }
    if (c == 0xE3 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 &&
        (unsigned char)p[i + 2] == 0x80) {
        *w = 3;
        return true;
    }
    return false;
}

/* Trim Unicode whitespace at both ends of a UTF-8 string. */
static struct slice u_trim(const char *p, size_t n)
{
    size_t b = 0, w;
    while (b < n && u_is_space(p, n, b, &w))
        b += w;
    size_t e = n;
    while (e > b) {
        /* find the start of the last character */
        size_t k = e - 1;
        while (k > b && ((unsigned char)p[k] & 0xC0) == 0x80)
            k--;
        if (u_is_space(p, n, k, &w) && k + w == e)
            e = k;
        else
            break;
    }
    return (struct slice){p + b, e - b};
}

struct uparts {
    struct slice scheme, authority, path, query, fragment;
    bool has_scheme, has_authority, has_query, has_fragment;
};

static void uri_split(const char *p, size_t n, struct uparts *u)
{
    memset(u, 0, sizeof *u);
    size_t i = 0;
    size_t k = 0;
    while (k < n && p[k] != ':' && p[k] != '/' && p[k] != '?' && p[k] != '#')
        k++;
    if (k > 0 && k < n && p[k] == ':') {
        u->has_scheme = true;
        u->scheme = (struct slice){p, k};
        i = k + 1;
    }
    if (n - i >= 2 && p[i] == '/' && p[i + 1] == '/') {
        size_t j = i + 2;
        while (j < n && p[j] != '/' && p[j] != '?' && p[j] != '#')
            j++;
        u->has_authority = true;
        u->authority = (struct slice){p + i + 2, j - i - 2};
        i = j;
    }
    size_t j = i;
    while (j < n && p[j] != '?' && p[j] != '#')
        j++;
    u->path = (struct slice){p + i, j - i};
    i = j;
    if (i < n && p[i] == '?') {
        j = i + 1;
        while (j < n && p[j] != '#')
            j++;
        u->has_query = true;
        u->query = (struct slice){p + i + 1, j - i - 1};
        i = j;
    }
    if (i < n && p[i] == '#') {
        j = i + 1;
        while (j < n && p[j] != '\n') /* '.' does not match a newline */
            j++;
        u->has_fragment = true;
        u->fragment = (struct slice){p + i + 1, j - i - 1};
    }
}

/* _remove_dot_segments */
static void remove_dots(struct arena_str *o, const char *p, size_t n)
{
    char *in = arena_alloc(o->a, n + 2);
    size_t il = 0;
    if (n >= 2 && p[0] == '.' && p[1] == '/') {
        in[0] = '/';
        memcpy(in + 1, p + 2, n - 2);
        il = n - 1;
    } else if (n >= 3 && p[0] == '.' && p[1] == '.' && p[2] == '/') {
        in[0] = '/';
        memcpy(in + 1, p + 3, n - 3);
        il = n - 2;
    } else {
        memcpy(in, p, n);
        il = n;
    }
    char *out = arena_alloc(o->a, il + 1);
    size_t ol = 0;
    size_t s = 0; /* in[s..il) is the remaining input */
    while (s < il && !(il - s == 1 && in[s] == '0')) {
        const char *q = in + s;
        size_t ql = il - s;
        if (ql >= 2 && q[0] == '/' && q[1] == '.' && (ql == 2 || q[2] == '/')) {
            /* "/." or "/./" -> "/" */
            s += ql == 2 ? 1 : 2;
            in[s] = '/';
        } else if (ql >= 3 && q[0] == '/' && q[1] == '.' && q[2] == '.' &&
                   (ql == 3 || q[3] == '/')) {
            s += ql == 3 ? 2 : 3;
            in[s] = '/';
            /* s@/?[^/]*$@@ */
            while (ol > 0 && out[ol - 1] != '/')
                ol--;
            if (ol > 0) ol--;
        } else {
            size_t k = 0;
            if (q[0] == '/') k = 1;
            while (k < ql && q[k] != '/')
                k++;
            memcpy(out + ol, q, k);
            ol += k;
            s += k;
        }
    }
    arena_str_put(o, out, ol);
}

/* target_uri(base, r) of HTML.pm (RFC 2396 section 5.2, not strict). */
static char *target_uri(arena *a, const char *base, const char *r, size_t rn, size_t *out_len)
{
    struct uparts R, B;
    uri_split(r, rn, &R);
    uri_split(base, strlen(base), &B);
    if (R.has_scheme && B.has_scheme && R.scheme.len == B.scheme.len &&
        memcmp(R.scheme.p, B.scheme.p, R.scheme.len) == 0)
        R.has_scheme = false;
    struct arena_str o = {.a = a};
    arena_str_put(&o, "", 0);
    struct slice scheme = {0}, auth = {0}, query = {0};
    bool has_scheme = false, has_auth = false, has_query = false;
    struct arena_str path = {.a = a};
    arena_str_put(&path, "", 0);
    if (R.has_scheme) {
        scheme = R.scheme;
        has_scheme = true;
        auth = R.authority;
        has_auth = R.has_authority;
        remove_dots(&path, R.path.p, R.path.len);
        query = R.query;
        has_query = R.has_query;
    } else {
        if (R.has_authority) {
            auth = R.authority;
            has_auth = true;
            remove_dots(&path, R.path.p, R.path.len);
            query = R.query;
            has_query = R.has_query;
        } else {
            if (R.path.len == 0) {
                arena_str_put(&path, B.path.p, B.path.len);
                if (R.has_query) {
                    query = R.query;
                    has_query = true;
                } else {
                    query = B.query;
                    has_query = B.has_query;
                }
            } else {
                if (R.path.p[0] == '/') {
                    remove_dots(&path, R.path.p, R.path.len);
                } else {
                    struct arena_str m = {.a = a};
                    arena_str_put(&m, "", 0);
                    bool bp_false = B.path.len == 0 || (B.path.len == 1 && B.path.p[0] == '0');
                    if (B.has_authority && bp_false) {
                        arena_str_put(&m, "/", 1);
                    } else {
                        size_t k = B.path.len;
                        while (k > 0 && B.path.p[k - 1] != '/')
                            k--;
                        arena_str_put(&m, B.path.p, k); /* "" when no '/' */
                    }
                    arena_str_put(&m, R.path.p, R.path.len);
                    remove_dots(&path, m.p, m.len);
                }
                query = R.query;
                has_query = R.has_query;
            }
            auth = B.authority;
            has_auth = B.has_authority;
        }
        scheme = B.scheme;
        has_scheme = B.has_scheme;
    }
    bool scheme_true = has_scheme && !(scheme.len == 0 || (scheme.len == 1 && scheme.p[0] == '0'));
    if (scheme_true) {
        arena_str_put(&o, scheme.p, scheme.len);
        arena_str_put(&o, ":", 1);
    } else if (has_auth) {
        size_t k = 0;
        if (auth.len >= 3 && str_starts_ci(auth.p, auth.len, "www")) {
            k = 3;
            while (k < auth.len && ch_is_digit((unsigned char)auth.p[k]))
                k++;
            if (k < auth.len && auth.p[k] == '.') arena_str_put(&o, "http:", 5);
        } else if (auth.len >= 3 && str_starts_ci(auth.p, auth.len, "ftp")) {
            k = 3;
            while (k < auth.len && ch_is_digit((unsigned char)auth.p[k]))
                k++;
            if (k < auth.len && auth.p[k] == '.') arena_str_put(&o, "ftp:", 4);
        }
    }
    if (has_auth) {
        arena_str_put(&o, "//", 2);
        arena_str_put(&o, auth.p, auth.len);
    }
    arena_str_put(&o, path.p, path.len);
    if (has_query) {
        arena_str_put(&o, "?", 1);
        arena_str_put(&o, query.p, query.len);
    }
    if (R.has_fragment) {
        arena_str_put(&o, "#", 1);
        arena_str_put(&o, R.fragment.p, R.fragment.len);
    }
    *out_len = o.len;
    return o.p;
}

static void uri_add(struct render *r, const char *p, size_t n, bool wide)
{
    char *nar = NULL;
    if (!wide && !str_is_ascii(p, n)) {
        /* a byte string in Perl: characters below U+0100 are single bytes */
        nar = arena_alloc(r->a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)p[i];
            if ((c == 0xC2 || c == 0xC3) && i + 1 < n) {
                nar[k++] = (char)(((c & 3) << 6) | ((unsigned char)p[i + 1] & 0x3F));
                i++;
            } else {
                nar[k++] = (char)c;
            }
        }
        p = nar;
        n = k;
    }
    for (size_t i = 0; i < r->n_uris; i++)
        if (r->uris[i].len == n && memcmp(r->uris[i].p, p, n) == 0) return;
    if (r->n_uris >= SAHTML_MAX_URIS) return;
    r->uris = arena_grow(r->a, r->uris, &r->cap_uris, r->n_uris + 1, sizeof *r->uris);
    r->uris[r->n_uris].p = arena_strndup(r->a, p, n);
    r->uris[r->n_uris].len = n;
    r->uris[r->n_uris].wide = wide;
    r->n_uris++;
}

#define MAX_URI_LENGTH 8192

static struct slice canon_uri(const char *p, size_t n)
{
    struct slice s = u_trim(p, n);
    if (s.len > MAX_URI_LENGTH) s.len = MAX_URI_LENGTH;
    return s;
}

static void push_uri(struct render *r, const char *p, size_t n, bool wide)
{
    struct slice u = canon_uri(p, n);
    if (u.len == 0) return;
    static const char *const direct[] = {"data:", "mailto:", "file:", "cid:", "tel:"};
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
        if (str_starts_ci(u.p, u.len, direct[i])) {
            uri_add(r, u.p, u.len, wide);
            return;
        }
    size_t tl;
    char *t = target_uri(r->a, r->base_href ? r->base_href : "", u.p, u.len, &tl);
    if (tl) uri_add(r, t, tl, wide);
}

/* the value of the attribute named `name`, or of the last one whose name
 * contains "<word chars>/name" (HTML.pm accepts "foo/href" and the like) */
static const struct attr *attr_get_slashy(const struct tag_ev *t, const char *name)
{
    const struct attr *hit = NULL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < t->n_attrs; i++) {
        const struct attr *a = &t->attrs[i];
        if (!attr_is_first(t, i)) continue;
        for (size_t k = 1; k + 1 + nl <= a->name_len; k++) {
            unsigned char w = (unsigned char)a->name[k - 1];
            bool word = ch_is_alnum(w) || w == '_';
            if (a->name[k] == '/' && word &&
                str_starts_ci(a->name + k + 1, a->name_len - k - 1, name)) {
                hit = a;
                break;
            }
        }
    }
    return hit ? hit : attr_get(t, name);
}

/* remove U+FEFF in place */
static size_t strip_feff(char *v, size_t vl)
{
    size_t k = 0;
    for (size_t i = 0; i < vl;) {
        if (vl - i >= 3 && (unsigned char)v[i] == 0xEF && (unsigned char)v[i + 1] == 0xBB &&
            (unsigned char)v[i + 2] == 0xBF) {
            i += 3;
            continue;
        }
        v[k++] = v[i++];
    }
    return k;
}

static void html_uri(struct render *r, const struct tag_ev *t)
{
    const char *tag = t->name;
    size_t tn = t->name_len;
    size_t vl;
    if (slice_is(tag, tn, "body") || slice_is(tag, tn, "table") || slice_is(tag, tn, "tr") ||
        slice_is(tag, tn, "td")) {
        const struct attr *a = attr_get(t, "background");
        if (a) {
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            push_uri(r, v, vl, r->wide_input || aw);
        }
    } else if (slice_is(tag, tn, "a") || slice_is(tag, tn, "area") || slice_is(tag, tn, "link")) {
        const struct attr *a = attr_get_slashy(t, "href");
        if (a) {
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            push_uri(r, v, strip_feff(v, vl), r->wide_input || aw);
        }
        a = attr_get(t, "data-saferedirecturl");
        if (a) {
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            push_uri(r, v, vl, r->wide_input || aw);
        }
    } else if (slice_is(tag, tn, "img") || slice_is(tag, tn, "frame") ||
               slice_is(tag, tn, "iframe") || slice_is(tag, tn, "embed") ||
               slice_is(tag, tn, "script") || slice_is(tag, tn, "bgsound")) {
        const struct attr *a = attr_get_slashy(t, "src");
        if (a) {
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            push_uri(r, v, vl, r->wide_input || aw);
        }
    } else if (slice_is(tag, tn, "form")) {
        const struct attr *a = attr_get(t, "action");
        if (a) {
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            push_uri(r, v, vl, r->wide_input || aw);
        }
    } else if (slice_is(tag, tn, "base")) {
        const struct attr *a = attr_get(t, "href");
        if (!a) return;
        bool aw;
        char *v = attr_value_w(r->a, a, &vl, &aw);
        if (vl == 0 || (vl == 1 && v[0] == '0')) return;
        struct slice u = canon_uri(v, vl);
        push_uri(r, u.p, u.len, r->wide_input || aw);
        /* absolute http(s)/ftp base only */
        size_t k = 0;
        if (str_starts_ci(u.p, u.len, "https:"))
            k = 6;
        else if (str_starts_ci(u.p, u.len, "http:"))
            k = 5;
        else if (str_starts_ci(u.p, u.len, "ftp:"))
            k = 4;
        if (!k) return;
        char *b = arena_alloc(r->a, u.len + 2);
        memcpy(b, u.p, u.len);
        size_t bl = u.len;
        /* s@^([a-z]+:/{0,2}[^/]+/.*?)[^/\.]+\.[^/\.]{2,4}$@$1@i */
        {
            size_t sch = 0;
            while (sch < bl && ch_is_alpha((unsigned char)b[sch]))
                sch++;
            size_t q = sch + 1; /* after ':' */
            size_t sl = 0;
            while (sl < 2 && q + sl < bl && b[q + sl] == '/')
                sl++;
            /* [^/]+/ : the host then a slash; the backtracking of /{0,2}
             * only matters for "http:///x", treated like the regex */
            size_t h = q + sl;
            size_t hs = h;
            while (h < bl && b[h] != '/')
                h++;
            if (h > hs && h < bl && !memchr(b + h, '\n', bl - h)) {
                /* last component [^/.]+\.[^/.]{2,4} at the end */
                size_t e = bl, x = bl;
                while (x > h + 1 && b[x - 1] != '/' && b[x - 1] != '.')
                    x--;
                size_t extl = e - x;
                if (x > h + 1 && b[x - 1] == '.' && extl >= 2 && extl <= 4) {
                    size_t y = x - 1;
                    size_t z = y;
                    while (z > h + 1 && b[z - 1] != '/' && b[z - 1] != '.')
                        z--;
                    if (z < y) bl = z;
                }
            }
        }
        if (bl == 0 || b[bl - 1] != '/') b[bl++] = '/';
        b[bl] = 0;
        r->base_href = b;
    } else if (slice_is(tag, tn, "meta")) {
        const struct attr *he = attr_get(t, "http-equiv");
        const struct attr *ct = attr_get(t, "content");
        if (!he || !ct) return;
        size_t hl;
        char *hv = attr_value(r->a, he, &hl);
        if (!str_find_ci(hv, hl, "refresh")) return;
        bool aw;
        char *cv = attr_value_w(r->a, ct, &vl, &aw);
        /* \burl\s*= ; take the text after the last one */
        size_t after = SIZE_MAX;
        for (size_t i = 0; i + 3 <= vl; i++) {
            if (!str_starts_ci(cv + i, vl - i, "url")) continue;
            if (i > 0 && (ch_is_alnum((unsigned char)cv[i - 1]) || cv[i - 1] == '_')) continue;
            size_t k = i + 3;
            while (k < vl && ch_is_space((unsigned char)cv[k]))
                k++;
            if (k < vl && cv[k] == '=') {
                k++;
                while (k < vl && ch_is_space((unsigned char)cv[k]))
                    k++;
                after = k;
            }
        }
        if (after == SIZE_MAX) return;
        /* ^.* does not cross a newline: the last "url=" on the first line
         * that has one wins; close enough, newlines in content are rare */
        size_t e = after;
        while (e < vl && cv[e] != ';' && cv[e] != '\n')
            e++;
        size_t f = e;
        if (e < vl && cv[e] == ';') {
            while (f > after && ch_is_space((unsigned char)cv[f - 1]))
                f--;
        }
        push_uri(r, cv + after, f - after, r->wide_input || aw);
    }
}

/* ---------------------------------------------------------------------- */
/* HTML.pm event handlers */

static void on_start(struct render *r, struct tag_ev *t)
{
    /* tag names are lowercased by HTML::Parser; only short names matter */
    char ln[16];
    if (t->name_len >= sizeof ln) return;
    for (size_t i = 0; i < t->name_len; i++)
        ln[i] = (char)ch_lower((unsigned char)t->name[i]);
    ln[t->name_len] = 0;
    t->name = ln;
    if (slice_is(ln, t->name_len, "script")) r->in_script++;
    if (slice_is(ln, t->name_len, "style")) r->in_style++;
    unsigned f = el_flags(ln, t->name_len);
    if (!(f & EL_ELEMENT)) return;
    if (f & EL_STYLE) text_style(r, t, true);
    if (f & EL_WS_NL) display_ws(r, "\n", 1);
    if (f & EL_WS_SP) display_ws(r, " ", 1);
    if (f & EL_WS_PARA) display_ws(r, "\n\n", 2);
    if (f & EL_URI) html_uri(r, t);
    if (slice_is(ln, t->name_len, "a")) {
        /* html_tests(): the anchor's own key, href as written (after the
         * "x/href" and U+FEFF fixes of html_uri), or "" without one */
        const struct attr *a = attr_get_slashy(t, "href");
        if (a) {
            size_t vl;
            bool aw;
            char *v = attr_value_w(r->a, a, &vl, &aw);
            vl = strip_feff(v, vl);
            struct slice u = canon_uri(v, vl);
            uri_add(r, u.p, u.len, r->wide_input || aw);
        } else {
            uri_add(r, "", 0, true);
        }
    }
}

static void on_end(struct render *r, const char *name, size_t n)
{
    char ln[16];
    if (n >= sizeof ln) {
        /* not an element we track; only inside counts matter and those
         * names are short */
        return;
    }
    for (size_t i = 0; i < n; i++)
        ln[i] = (char)ch_lower((unsigned char)name[i]);
    ln[n] = 0;
    if (slice_is(ln, n, "script") && r->in_script > 0) r->in_script--;
    if (slice_is(ln, n, "style") && r->in_style > 0) r->in_style--;
    unsigned f = el_flags(ln, n);
    if (!(f & EL_ELEMENT)) return;
    if (f & EL_STYLE) {
        struct tag_ev t = {.name = ln, .name_len = n};
        text_style(r, &t, false);
    }
    if (f & EL_WS_NL) display_ws(r, "\n", 1);
    if (f & EL_WS_SP) display_ws(r, " ", 1);
    if (f & EL_WS_PARA) display_ws(r, "\n\n", 2);
}

static void on_text(struct render *r, const char *p, size_t n, bool cdata)
{
    if (r->in_script > 0 || r->in_style > 0) return;
    const char *txt = p;
    size_t tl = n;
    bool wide = r->wide_input;
    if (!cdata) {
        char *o = scratch(r, n + 8);
        tl = decode_entities(p, n, o, true, &wide);
        txt = o;
    }
    if (wide) r->wide = true;
    bool nonspace = false;
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)txt[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') continue;
        if (c == 0xC3 && tl - i >= 4 && (unsigned char)txt[i + 1] == 0x82 &&
            (unsigned char)txt[i + 2] == 0xC2 && (unsigned char)txt[i + 3] == 0xA0) {
            i += 3;
            continue;
        }
        nonspace = true;
        break;
    }
    bool inv = nonspace && font_invisible(r);
    display_text(r, txt, tl, inv);
}

/* ---------------------------------------------------------------------- */
/* the HTML::Parser tokenizer */

enum ms_kind { MS_NONE, MS_INCLUDE, MS_RCDATA, MS_CDATA, MS_IGNORE };

struct hp {
    struct render *r;
    const char *literal; /* literal-mode element, or NULL */
    bool is_cdata;
    unsigned char ms_levels[SAHTML_MAX_MS];
    size_t n_ms, ms_extra; /* levels past the ceiling are counted */
    enum ms_kind ms;
    bool no_dash_dash_end;
    const char *pending_end;
};

enum ev_kind { EV_TEXT, EV_START, EV_END, EV_COMMENT, EV_OTHER };

static void flush_pending(struct hp *h, enum ev_kind k)
{
    if (h->pending_end && k != EV_TEXT && k != EV_COMMENT) {
        const char *t = h->pending_end;
        h->pending_end = NULL;
        if (h->ms != MS_IGNORE) on_end(h->r, t, strlen(t));
    }
}

static void ev_text(struct hp *h, const char *b, const char *e)
{
    flush_pending(h, EV_TEXT);
    if (h->ms == MS_IGNORE) return;
    on_text(h->r, b, (size_t)(e - b), h->is_cdata);
}

static void ev_other(struct hp *h, enum ev_kind k)
{
    flush_pending(h, k);
}

static void ms_update(struct hp *h)
{
    enum ms_kind m = MS_NONE;
    for (size_t i = 0; i < h->n_ms; i++)
        if (h->ms_levels[i] > m) m = (enum ms_kind)h->ms_levels[i];
    h->ms = m;
    h->is_cdata = m == MS_CDATA;
}

static void ms_pop(struct hp *h)
{
    if (h->ms_extra)
        h->ms_extra--;
    else if (h->n_ms)
        h->n_ms--;
    ms_update(h);
}

static const char *skip_until_gt(const char *s, const char *end)
{
    char quote = 0, prev = ' ';
    while (s < end) {
        if (!quote && *s == '>') return s;
        if (*s == '"' || *s == '\'') {
            if (*s == quote)
                quote = 0;
            else if (!quote && (prev == ' ' || prev == '='))
                quote = *s;
        }
        prev = *s++;
    }
    return end;
}

/* Returns the position after the comment, `beg` when more input is
 * needed. `beg` points after "<!--". */
static const char *parse_comment(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg;
    if (h->no_dash_dash_end) {
        while (s < end && *s != '>')
            s++;
        if (s < end) {
            ev_other(h, EV_COMMENT);
            return s + 1;
        }
        return beg;
    }
    for (;;) {
        while (s < end && *s != '-')
            s++;
        const char *tok_end = s;
        if (s >= end) return beg;
        s++;
        if (at(s, end) == '-') {
            s++;
            while (is_hspace(at(s, end)))
                s++;
            if (at(s, end) == '>') {
                ev_other(h, EV_COMMENT);
                return s + 1;
            }
        }
        if (s < end)
            s = tok_end + 1;
        else
            return beg;
    }
}

/* NULL: not a marked section (declaration fails); beg: need more input. */
static const char *parse_marked_section(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg + 3;
    enum ms_kind level = MS_NONE;
    bool any = false;
    for (;;) {
        while (is_hspace(at(s, end)))
            s++;
        while (is_name_first(at(s, end))) {
            const char *ns = s;
            s++;
            while (is_name_char(at(s, end)))
                s++;
            size_t nl = (size_t)(s - ns);
            while (is_hspace(at(s, end)))
                s++;
            if (s >= end) return beg;
            any = true;
            enum ms_kind k = MS_NONE;
            if (str_eq_ci(ns, nl, "include"))
                k = MS_INCLUDE;
            else if (str_eq_ci(ns, nl, "rcdata"))
                k = MS_RCDATA;
            else if (str_eq_ci(ns, nl, "cdata"))
                k = MS_CDATA;
            else if (str_eq_ci(ns, nl, "ignore"))
                k = MS_IGNORE;
            if (k > level) level = k;
        }
        if (at(s, end) == '-') {
            s++;
            if (at(s, end) != '-') return NULL;
            s++;
            for (;;) {
                while (s < end && *s != '-')
                    s++;
                if (s >= end) return beg;
                s++;
                if (at(s, end) == '-') {
                    s++;
                    break;
                }
            }
            continue;
        }
        break;
    }
    if (at(s, end) != '[') return NULL;
    s++;
    if (!any) level = MS_INCLUDE;
    if (h->n_ms < SAHTML_MAX_MS)
        h->ms_levels[h->n_ms++] = (unsigned char)level;
    else
        h->ms_extra++;
    ms_update(h);
    ev_other(h, EV_OTHER);
    return s;
}

static const char *parse_decl(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg + 2;
    if (*s == '-') {
        s++;
        if (s == end) return beg;
        if (*s != '-') goto decl_fail;
        s++;
        const char *t = parse_comment(h, s, end);
        return t == s ? beg : t;
    }
    if (*s == '[') {
        const char *t = parse_marked_section(h, beg, end);
        if (!t) goto decl_fail;
        return t;
    }
    if (*s == '>') {
        ev_other(h, EV_COMMENT);
        return s + 1;
    }
    if (ch_is_alpha((unsigned char)*s)) {
        const char *id = s;
        s++;
        while (s < end && is_name_char((unsigned char)*s))
            s++;
        size_t idl = (size_t)(s - id);
        if (s == end) return beg;
        if (!(str_eq_ci(id, idl, "doctype") || str_eq_ci(id, idl, "entity"))) goto decl_fail;
        for (;;) {
            while (s < end && is_hspace((unsigned char)*s))
                s++;
            if (s == end) return beg;
            if (*s == '"' || *s == '\'') {
                char q = *s++;
                while (s < end && *s != q)
                    s++;
                if (s == end) return beg;
                s++;
            } else if (*s == '-') {
                s++;
                if (s == end) return beg;
                if (*s != '-') goto decl_fail;
                s++;
                for (;;) {
                    while (s < end && *s != '-')
                        s++;
                    if (s == end) return beg;
                    s++;
                    if (s == end) return beg;
                    if (*s == '-') {
                        s++;
                        break;
                    }
                }
            } else if (*s != '>') {
                s++;
                while (s < end && is_not_space_gt((unsigned char)*s))
                    s++;
                if (s == end) return beg;
            } else {
                break;
            }
        }
        /* *s == '>' */
        ev_other(h, EV_OTHER);
        return s + 1;
    }
decl_fail:
    while (s < end && *s != '>')
        s++;
    if (s < end) {
        ev_other(h, EV_COMMENT);
        return s + 1;
    }
    return beg;
}

static const struct {
    const char *name;
    bool cdata;
} literal_elems[] = {{"script", true},    {"style", true},  {"xmp", true},      {"iframe", true},
                     {"plaintext", true}, {"title", false}, {"textarea", false}};

static const char *parse_start(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg + 2;
    struct tag_ev tev;
    struct tag_ev *t = &tev;
    t->n_attrs = 0;
    while (s < end && is_not_space_gt((unsigned char)*s))
        s++;
    t->name = beg + 1;
    t->name_len = (size_t)(s - beg - 1);
    while (is_hspace(at(s, end)))
        s++;
    if (s >= end) return beg;
    while (is_not_space_gt(at(s, end))) {
        const char *an = s;
        s++;
        while (s < end && is_not_space_eq_gt((unsigned char)*s))
            s++;
        if (s >= end) return beg;
        struct attr a = {.name = an, .name_len = (size_t)(s - an)};
        while (is_hspace(at(s, end)))
            s++;
        if (s >= end) return beg;
        bool stop = false;
        if (*s == '=') {
            s++;
            while (is_hspace(at(s, end)))
                s++;
            if (s >= end) return beg;
            if (*s == '>') {
                a.val = s;
                a.val_len = 0;
                stop = true;
            } else if (*s == '"' || *s == '\'') {
                char q = *s;
                const char *vb = ++s;
                while (s < end && *s != q)
                    s++;
                if (s >= end) return beg;
                a.val = vb;
                a.val_len = (size_t)(s - vb);
                s++;
            } else {
                const char *vb = s;
                while (s < end && is_not_space_gt((unsigned char)*s))
                    s++;
                if (s >= end) return beg;
                a.val = vb;
                a.val_len = (size_t)(s - vb);
            }
            if (!stop) {
                while (is_hspace(at(s, end)))
                    s++;
                if (s >= end) return beg;
            }
        }
        if (t->n_attrs < MAX_ATTRS) t->attrs[t->n_attrs++] = a;
        if (stop) break;
    }
    if (at(s, end) != '>') return NULL;
    s++;
    flush_pending(h, EV_START);
    const char *tname = t->name; /* on_start points t->name at its own copy */
    size_t tname_len = t->name_len;
    if (h->ms != MS_IGNORE) on_start(h->r, t);
    for (size_t i = 0; i < sizeof literal_elems / sizeof literal_elems[0]; i++) {
        if (str_eq_ci(tname, tname_len, literal_elems[i].name)) {
            h->literal = literal_elems[i].name;
            h->is_cdata = literal_elems[i].cdata;
            break;
        }
    }
    return s;
}

static const char *parse_end(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg + 2;
    if (is_not_space_gt((unsigned char)*s)) {
        const char *nb = s;
        s++;
        while (s < end && is_not_space_gt((unsigned char)*s))
            s++;
        const char *ne = s;
        s = skip_until_gt(s, end);
        if (s < end) {
            flush_pending(h, EV_END);
            if (h->ms != MS_IGNORE) on_end(h->r, nb, (size_t)(ne - nb));
            return s + 1;
        }
        return beg;
    }
    s = skip_until_gt(s, end);
    if (s < end) {
        ev_other(h, EV_COMMENT);
        return s + 1;
    }
    return beg;
}

static const char *parse_process(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg + 2;
    while (s < end) {
        if (*s == '>') {
            ev_other(h, EV_OTHER);
            return s + 1;
        }
        s++;
    }
    return beg;
}

/* One pass over the buffer; returns where the unconsumed rest starts. */
static const char *parse_buf(struct hp *h, const char *beg, const char *end)
{
    const char *s = beg, *t = beg;
    for (;;) {
        while (h->literal) {
            const char *l = h->literal;
            while (s < end && *s != '<')
                s++;
            if (s >= end) return t;
            const char *end_text = s;
            s++;
            if (at(s, end) == '/') {
                s++;
                while (*l && ch_lower(at(s, end)) == (unsigned char)*l) {
                    s++;
                    l++;
                }
                if (!*l && strcmp(h->literal, "plaintext") != 0) {
                    const char *nb = end_text + 2, *ne = s;
                    while (is_hspace(at(s, end)))
                        s++;
                    if (at(s, end) == '>') {
                        s++;
                        if (t != end_text) ev_text(h, t, end_text);
                        flush_pending(h, EV_END);
                        if (h->ms != MS_IGNORE) on_end(h->r, nb, (size_t)(ne - nb));
                        h->literal = NULL;
                        h->is_cdata = false;
                        t = s;
                    }
                }
            }
        }
        while (h->ms == MS_CDATA || h->ms == MS_RCDATA) {
            while (s < end && *s != ']')
                s++;
            if (at(s, end) == ']') {
                const char *end_text = s;
                s++;
                if (at(s, end) == ']' && at(s + 1, end) == '>') {
                    s += 2;
                    if (t != end_text) ev_text(h, t, end_text);
                    ev_other(h, EV_OTHER);
                    t = s;
                    ms_pop(h);
                    continue;
                }
            }
            if (s >= end) return t;
        }
        while (s < end && *s != '<') {
            if (h->ms != MS_NONE && *s == ']') {
                const char *end_text = s;
                s++;
                if (at(s, end) == ']') {
                    s++;
                    if (at(s, end) == '>') {
                        s++;
                        ev_text(h, t, end_text); /* even when empty */
                        ev_other(h, EV_OTHER);
                        t = s;
                        ms_pop(h);
                        continue;
                    }
                }
                /* HTML::Parser steps over one more character here */
            }
            if (s < end) s++;
        }
        if (s != t) {
            if (s < end) { /* at '<' */
                ev_text(h, t, s);
                t = s;
            } else {
                /* keep the last word (and trailing white space) for later */
                const char *q = s - 1;
                if (is_hspace((unsigned char)*q)) {
                    while (q >= t && is_hspace((unsigned char)*q))
                        q--;
                } else {
                    while (q >= t && !is_hspace((unsigned char)*q))
                        q--;
                    while (q >= t && is_hspace((unsigned char)*q))
                        q--;
                }
                q++;
                if (q != t) ev_text(h, t, q);
                return q;
            }
        }
        if (end - s < 3) return s;
        s++;
        unsigned char c = (unsigned char)*s;
        const char *np = NULL;
        if (is_name_first(c))
            np = parse_start(h, t, end);
        else if (c == '/')
            np = parse_end(h, t, end);
        else if (c == '!')
            np = parse_decl(h, t, end);
        else if (c == '?')
            np = parse_process(h, t, end);
        if (np) {
            if (np == t) return t;
            t = s = np;
        }
    }
}

/* parse() with the end of input: what HTML::Parser does with the rest. */
static void parse_eof(struct hp *h, const char *s, const char *end)
{
    while (s < end) {
        if (h->literal) {
            const char *l = h->literal;
            if (strcmp(l, "plaintext") == 0 || strcmp(l, "xmp") == 0 || strcmp(l, "iframe") == 0 ||
                strcmp(l, "textarea") == 0)
                break;
            if (strcmp(l, "script") == 0 || strcmp(l, "style") == 0) {
                flush_pending(h, EV_END);
                if (h->ms != MS_IGNORE) on_end(h->r, l, strlen(l));
            } else {
                h->pending_end = l;
            }
            h->literal = NULL;
            s = parse_buf(h, s, end);
            continue;
        }
        if (!h->no_dash_dash_end && *s == '<') {
            h->no_dash_dash_end = true;
            s = parse_buf(h, s, end);
            continue;
        }
        if (*s == '<') {
            unsigned char c1 = at(s + 1, end);
            if (s + 1 >= end || is_name_first(c1) || c1 == '/' || c1 == '!' || c1 == '?') {
                ev_other(h, EV_COMMENT);
                s = end;
            }
        }
        break;
    }
    if (s < end) ev_text(h, s, end);
    flush_pending(h, EV_OTHER); /* end of document */
}

/* ---------------------------------------------------------------------- */

/* SpamAssassin's rewrites before parsing, in its order: "&nbsp;" -> " ",
 * "<tag/>" -> "<tag>" (tag: \w+, then optional white space), U+201C and
 * U+201D -> '"'. */
static char *prepare(arena *a, const char *p, size_t n, size_t *out_len)
{
    /* each pass copies the runs between its special bytes whole (memchr
     * finds the next '&', '<' or 0xE2): most of a document has none */
    char *o1 = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        const char *amp = memchr(p + i, '&', n - i);
        size_t e = amp ? (size_t)(amp - p) : n;
        memcpy(o1 + k, p + i, e - i);
        k += e - i;
        i = e;
        if (!amp) break;
        if (n - i >= 6 && memcmp(p + i, "&nbsp;", 6) == 0) {
            o1[k++] = ' ';
            i += 6;
        } else {
            o1[k++] = p[i++];
        }
    }
    n = k;
    char *o = arena_alloc(a, n + 1);
    k = 0;
    for (size_t i = 0; i < n;) {
        const char *lt = memchr(o1 + i, '<', n - i);
        size_t e = lt ? (size_t)(lt - o1) : n;
        memcpy(o + k, o1 + i, e - i);
        k += e - i;
        i = e;
        if (!lt) break;
        size_t j = i + 1;
        while (j < n &&
               (ch_is_alnum((unsigned char)o1[j]) || o1[j] == '_' || (unsigned char)o1[j] >= 0x80))
            j++;
        size_t w = j;
        while (w < n && ch_is_space((unsigned char)o1[w]))
            w++;
        if (j > i + 1 && n - w >= 2 && o1[w] == '/' && o1[w + 1] == '>') {
            memcpy(o + k, o1 + i, j - i);
            k += j - i;
            o[k++] = '>';
            i = w + 2;
            continue;
        }
        o[k++] = '<';
        i++;
    }
    n = k;
    k = 0;
    for (size_t i = 0; i < n;) {
        const char *q = memchr(o + i, 0xE2, n - i);
        size_t e = q ? (size_t)(q - o) : n;
        if (k != i) memmove(o + k, o + i, e - i);
        k += e - i;
        i = e;
        if (!q) break;
        if (n - i >= 3 && (unsigned char)o[i + 1] == 0x80 &&
            ((unsigned char)o[i + 2] == 0x9C || (unsigned char)o[i + 2] == 0x9D)) {
            o[k++] = '"';
            i += 3;
        } else {
            o[k++] = o[i++];
        }
    }
    o[k] = 0;
    *out_len = k;
    return o;
}

void sahtml_render(arena *a, const char *p, size_t len, bool wide, struct sahtml_result *out)
{
    memset(out, 0, sizeof *out);
    struct render r = {.a = a, .basefont = 3, .wide_input = wide};
    out_reserve(&r, len + 64);
    struct tstyle def = {.tag = ST_DEFAULT, .size = 3};
    colour_set(def.fg, "#000000");
    colour_set(def.bg, "#ffffff");
    style_push(&r, &def);

    size_t n;
    const char *buf = prepare(a, p, len, &n);
    struct hp h = {.r = &r};
    const char *end = buf + n;
    const char *rest = parse_buf(&h, buf, end);
    /* HTML.pm closes a style or script element left open by feeding the
     * parser its end tag (bug 7437); bounded here */
    for (int pass = 0; pass < 2; pass++) {
        const char *close = pass == 0 ? "</style>" : "</script>";
        long *open = pass == 0 ? &r.in_style : &r.in_script;
        for (int k = 0; k < 8 && *open > 0; k++) {
            size_t rl = (size_t)(end - rest), cl = strlen(close);
            char *nb = arena_alloc(a, rl + cl + 1);
            memcpy(nb, rest, rl);
            memcpy(nb + rl, close, cl + 1);
            buf = nb;
            end = nb + rl + cl;
            rest = parse_buf(&h, buf, end);
        }
    }
    parse_eof(&h, rest, end);

    out_reserve(&r, 0);
    r.out[r.len] = 0;
    out->text = r.out;
    out->text_len = r.len;
    out->wide = r.wide;
    /* a document that ends inside an IGNORE marked section never reaches
     * HTML.pm's end-of-document handler, which publishes the URIs */
    if (h.ms != MS_IGNORE) {
        out->uris = r.uris;
        out->n_uris = r.n_uris;
    }
}
