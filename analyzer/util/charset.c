/* charset — bytes in a named charset to UTF-8 (see charset.h).
 *
 * Native decoders for us-ascii, utf-8, iso-8859-1 and windows-1252; glibc
 * iconv for everything else, opened and closed per call (no shared state;
 * glibc caches its conversion modules itself). Names go through an alias
 * table first (mail-specific labels such as x-sjis, ks_c_5601-1987, gb2312),
 * then straight to iconv when they look like a charset name.
 *
 * Decisions: iso-8859-1 is decoded as windows-1252 for 0x80-0x9F where
 * windows-1252 defines a character (mail labelled latin1 almost always means
 * cp1252 "smart quotes"; the C1 controls are never text); the five bytes
 * cp1252 leaves undefined stay C1 controls. Declared windows-1252 maps those
 * five to U+FFFD. shift_jis is read as CP932, euc-kr/ks_c_5601 as CP949 and
 * gb2312/gbk as GB18030 (the supersets senders actually use).
 * Invalid bytes become U+FFFD (one per maximal invalid UTF-8 subpart, or one
 * per byte iconv rejects). Does NOT detect charsets or strip BOMs. */
#include "util/charset.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <string.h>

#include "util/str.h"

#define NAME_MAX_LEN 48

enum kind { K_ASCII, K_UTF8, K_LATIN1, K_CP1252, K_ICONV };

struct alias {
    const char *name; /* lowercase label as found in mail */
    enum kind kind;
    const char *iconv_name; /* K_ICONV only */
};

static const struct alias aliases[] = {
    {"us-ascii", K_ASCII, NULL},
    {"ascii", K_ASCII, NULL},
    {"us", K_ASCII, NULL},
    {"ansi_x3.4-1968", K_ASCII, NULL},
    {"ansi_x3.4-1986", K_ASCII, NULL},
    {"iso646-us", K_ASCII, NULL},
    {"iso-ir-6", K_ASCII, NULL},
    {"csascii", K_ASCII, NULL},
    {"cp367", K_ASCII, NULL},
    {"ibm367", K_ASCII, NULL},
    {"646", K_ASCII, NULL},
    {"utf-8", K_UTF8, NULL},
    {"utf8", K_UTF8, NULL},
    {"x-utf-8", K_UTF8, NULL},
    {"unicode-1-1-utf-8", K_UTF8, NULL},
    {"iso-8859-1", K_LATIN1, NULL},
    {"iso8859-1", K_LATIN1, NULL},
    {"iso_8859-1", K_LATIN1, NULL},
    {"iso_8859-1:1987", K_LATIN1, NULL},
    {"iso88591", K_LATIN1, NULL},
    {"8859-1", K_LATIN1, NULL},
    {"latin1", K_LATIN1, NULL},
    {"latin-1", K_LATIN1, NULL},
    {"l1", K_LATIN1, NULL},
    {"iso-ir-100", K_LATIN1, NULL},
    {"cp819", K_LATIN1, NULL},
    {"ibm819", K_LATIN1, NULL},
    {"csisolatin1", K_LATIN1, NULL},
    {"windows-1252", K_CP1252, NULL},
    {"cp1252", K_CP1252, NULL},
    {"cp-1252", K_CP1252, NULL},
    {"x-cp1252", K_CP1252, NULL},
    {"win-1252", K_CP1252, NULL},
    {"ms-ansi", K_CP1252, NULL},
    {"shift_jis", K_ICONV, "CP932"},
    {"shift-jis", K_ICONV, "CP932"},
    {"x-sjis", K_ICONV, "CP932"},
    {"sjis", K_ICONV, "CP932"},
    {"ms_kanji", K_ICONV, "CP932"},
    {"csshiftjis", K_ICONV, "CP932"},
    {"windows-31j", K_ICONV, "CP932"},
    {"cp932", K_ICONV, "CP932"},
    {"ms932", K_ICONV, "CP932"},
    {"euc-jp", K_ICONV, "EUC-JP"},
    {"x-euc-jp", K_ICONV, "EUC-JP"},
    {"eucjp", K_ICONV, "EUC-JP"},
    {"iso-2022-jp", K_ICONV, "ISO-2022-JP"},
    {"csiso2022jp", K_ICONV, "ISO-2022-JP"},
    {"gb2312", K_ICONV, "GB18030"},
    {"gb_2312-80", K_ICONV, "GB18030"},
    {"csgb2312", K_ICONV, "GB18030"},
    {"euc-cn", K_ICONV, "GB18030"},
    {"x-euc-cn", K_ICONV, "GB18030"},
    {"chinese", K_ICONV, "GB18030"},
    {"gbk", K_ICONV, "GB18030"},
    {"x-gbk", K_ICONV, "GB18030"},
    {"cp936", K_ICONV, "GB18030"},
    {"ms936", K_ICONV, "GB18030"},
    {"windows-936", K_ICONV, "GB18030"},
    {"gb18030", K_ICONV, "GB18030"},
    {"big5", K_ICONV, "BIG5"},
    {"x-big5", K_ICONV, "BIG5"},
    {"csbig5", K_ICONV, "BIG5"},
    {"cn-big5", K_ICONV, "BIG5"},
    {"big5-hkscs", K_ICONV, "BIG5-HKSCS"},
    {"ks_c_5601-1987", K_ICONV, "CP949"},
    {"ks_c_5601-1989", K_ICONV, "CP949"},
    {"ks_c_5601", K_ICONV, "CP949"},
    {"ksc5601", K_ICONV, "CP949"},
    {"ksc_5601", K_ICONV, "CP949"},
    {"csksc56011987", K_ICONV, "CP949"},
    {"iso-ir-149", K_ICONV, "CP949"},
    {"korean", K_ICONV, "CP949"},
    {"euc-kr", K_ICONV, "CP949"},
    {"cseuckr", K_ICONV, "CP949"},
    {"windows-949", K_ICONV, "CP949"},
    {"cp949", K_ICONV, "CP949"},
    {"uhc", K_ICONV, "CP949"},
    {"koi8-r", K_ICONV, "KOI8-R"},
    {"koi8r", K_ICONV, "KOI8-R"},
    {"cskoi8r", K_ICONV, "KOI8-R"},
    {"koi8-u", K_ICONV, "KOI8-U"},
    {"koi8-ru", K_ICONV, "KOI8-RU"},
    {"iso-8859-8-i", K_ICONV, "ISO-8859-8"},
    {"iso-8859-8-e", K_ICONV, "ISO-8859-8"},
    {"iso-8859-6-i", K_ICONV, "ISO-8859-6"},
    {"iso-8859-6-e", K_ICONV, "ISO-8859-6"},
    {"windows-874", K_ICONV, "CP874"},
    {"x-windows-874", K_ICONV, "CP874"},
    {"tis-620", K_ICONV, "CP874"},
    {"x-mac-roman", K_ICONV, "MACINTOSH"},
    {"macintosh", K_ICONV, "MACINTOSH"},
    {"mac", K_ICONV, "MACINTOSH"},
    {"utf-7", K_ICONV, "UTF-7"},
    {"unicode-1-1-utf-7", K_ICONV, "UTF-7"},
};

/* windows-1252 0x80-0x9F; 0 = undefined */
static const unsigned short cp1252_hi[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};

/* Normalise a label into buf (lowercase, trimmed of WSP and quotes).
 * Returns false when it cannot be a charset name; an empty buf means the
 * label was empty (undeclared). */
static bool normalise(const char *cs, size_t cs_len, char buf[NAME_MAX_LEN + 1])
{
    buf[0] = '\0';
    struct slice s = str_trim(cs, cs_len);
    while (s.len && (s.p[0] == '"' || s.p[0] == '\'')) {
        s.p++;
        s.len--;
    }
    while (s.len && (s.p[s.len - 1] == '"' || s.p[s.len - 1] == '\''))
        s.len--;
    if (s.len == 0) return true;
    if (s.len > NAME_MAX_LEN) return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        /* no '/': iconv would read "//TRANSLIT"-style suffixes */
        if (!ch_is_alnum(c) && c != '-' && c != '_' && c != '.' && c != ':') return false;
        buf[i] = (char)ch_lower(c);
    }
    buf[s.len] = '\0';
    return true;
}

static const struct alias *find_alias(const char *name)
{
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(aliases[i].name, name) == 0) return &aliases[i];
    return NULL;
}

/* Length of the maximal invalid subpart at p (>= 1), per Unicode §3.9 "best
 * practice": a valid prefix of a sequence counts as one unit. */
static size_t invalid_span(const unsigned char *p, size_t len)
{
    unsigned char c = p[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 1;
    size_t i = 1;
    if (i < len && p[i] >= lo && p[i] <= hi) {
        i++;
        while (i < need && i < len && (p[i] & 0xC0) == 0x80)
            i++;
    }
    return i;
}

/* Sanitize into out (NULL: count only); returns the output length. */
static size_t sanitize(const char *in, size_t len, char *out, bool *bad)
{
    const unsigned char *u = (const unsigned char *)in;
    size_t i = 0, n = 0;
    while (i < len) {
        size_t run = i;
        while (run < len && u[run] < 0x80)
            run++;
        if (run > i) {
            if (out) memcpy(out + n, in + i, run - i);
            n += run - i;
            i = run;
            continue;
        }
        size_t k = str_utf8_seqlen(u + i, len - i);
        if (k) {
            if (out) memcpy(out + n, in + i, k);
            n += k;
            i += k;
            continue;
        }
        if (out) memcpy(out + n, replacement, 3);
        n += 3;
        i += invalid_span(u + i, len - i);
        *bad = true;
    }
    return n;
}

char *charset_sanitize_utf8(arena *a, const char *in, size_t len, size_t *out_len)
{
    bool bad = false;
    size_t n = sanitize(in, len, NULL, &bad);
    char *o = arena_alloc(a, n + 1);
    sanitize(in, len, o, &bad);
    o[n] = '\0';
    if (out_len) *out_len = n;
    return o;
}

static size_t put_cp(char *o, unsigned cp)
{
    if (cp < 0x80) {
        if (o) o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        if (o) {
            o[0] = (char)(0xC0 | (cp >> 6));
            o[1] = (char)(0x80 | (cp & 0x3F));
        }
        return 2;
    }
    if (o) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
    }
    return 3;
}

/* Single-byte decode: windows-1252 for 0x80-0x9F, latin-1 elsewhere.
 * strict_1252: the five undefined bytes become U+FFFD (and set *bad). */
static size_t decode_1252(const char *in, size_t len, char *out, bool strict_1252, bool *bad)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        /* eight ASCII bytes at a time, nearly all of a Latin-1 text */
        while (len - i >= 8) {
            uint64_t w;
            memcpy(&w, in + i, 8);
            if (w & 0x8080808080808080u) break;
            if (out) memcpy(out + n, in + i, 8);
            n += 8;
            i += 8;
        }
        if (i >= len) break;
        unsigned char c = (unsigned char)in[i];
        if (c < 0x80) {
            /* ASCII: itself, without put_cp */
            if (out) out[n] = (char)c;
            n++;
            continue;
        }
        unsigned cp = c;
        if (c < 0xA0) {
            cp = cp1252_hi[c - 0x80];
            if (cp == 0) {
                if (strict_1252) {
                    cp = 0xFFFD;
                    *bad = true;
                } else {
                    cp = c;
                }
            }
        }
        n += put_cp(out ? out + n : NULL, cp);
    }
    return n;
}

static char *run_1252(arena *a, const char *in, size_t len, bool strict, bool *bad, size_t *out_len)
{
    size_t n = decode_1252(in, len, NULL, strict, bad);
    char *o = arena_alloc(a, n + 1);
    decode_1252(in, len, o, strict, bad);
    o[n] = '\0';
    *out_len = n;
    return o;
}

/* Bytes of unknown or undeclared charset: UTF-8 if valid, else windows-1252. */
static char *fallback(arena *a, const char *in, size_t len, size_t *out_len)
{
    if (str_is_utf8(in, len)) {
        *out_len = len;
        return arena_strndup(a, in, len);
    }
    bool bad = false;
    return run_1252(a, in, len, false, &bad, out_len);
}

static void ensure(arena *a, char **buf, size_t *cap, size_t used, size_t more)
{
    if (used + more + 1 <= *cap) return;
    size_t want = *cap * 2;
    if (want < used + more + 1) want = used + more + 1;
    char *nb = arena_alloc(a, want);
    memcpy(nb, *buf, used);
    *buf = nb;
    *cap = want;
}

/* iconv conversion; returns false when the charset is unknown to iconv. */
static bool run_iconv(arena *a, const char *from, const char *in, size_t len, bool *bad, char **out,
                      size_t *out_len)
{
    iconv_t cd = iconv_open("UTF-8", from);
    if (cd == (iconv_t)-1) return false;
    size_t cap = len * 2 + 16, used = 0;
    char *buf = arena_alloc(a, cap);
    char *ip = (char *)(uintptr_t)in; /* iconv's prototype is not const-correct */
    size_t ileft = len;
    bool flushing = false;
    for (;;) {
        char *op = buf + used;
        size_t oleft = cap - used - 1;
        size_t r =
            flushing ? iconv(cd, NULL, NULL, &op, &oleft) : iconv(cd, &ip, &ileft, &op, &oleft);
        used = (size_t)(op - buf);
        if (r != (size_t)-1) {
            if (flushing) break;
            flushing = true;
            continue;
        }
        if (errno == E2BIG) {
            ensure(a, &buf, &cap, used, cap);
            continue;
        }
        /* EILSEQ: skip one byte; EINVAL: incomplete sequence at the end */
        ensure(a, &buf, &cap, used, 3);
        memcpy(buf + used, replacement, 3);
        used += 3;
        *bad = true;
        if (errno == EILSEQ && ileft > 0) {
            ip++;
            ileft--;
        } else {
            ileft = 0;
            flushing = true;
        }
    }
    iconv_close(cd);
    buf[used] = '\0';
    /* glibc's own UTF-8 decoder (a label it folds to UTF-8, e.g. "utf)8" or
     * "UTF8//") lets some invalid sequences through: never trust it */
    if (!str_is_utf8(buf, used)) {
        *bad = true;
        *out = charset_sanitize_utf8(a, buf, used, out_len);
        return true;
    }
    *out = buf;
    *out_len = used;
    return true;
}

enum charset_rc charset_to_utf8(arena *a, const char *charset, size_t charset_len, const char *in,
                                size_t len, char **out, size_t *out_len)
{
    char name[NAME_MAX_LEN + 1];
    bool bad = false;
    size_t dummy;
    if (!out_len) out_len = &dummy;

    if (!charset) charset_len = 0;
    if (!normalise(charset, charset_len, name)) goto unknown;
    if (name[0] == '\0') {
        *out = fallback(a, in, len, out_len);
        return CHARSET_OK;
    }
    const struct alias *al = find_alias(name);
    enum kind kind = al ? al->kind : K_ICONV;
    switch (kind) {
    case K_ASCII:
        if (!str_is_ascii(in, len)) bad = true;
        *out = fallback(a, in, len, out_len);
        break;
    case K_UTF8:
        *out = str_is_utf8(in, len) ? arena_strndup(a, in, len) : NULL;
        if (*out) {
            *out_len = len;
        } else {
            bad = true;
            *out = charset_sanitize_utf8(a, in, len, out_len);
        }
        break;
    case K_LATIN1:
        *out = run_1252(a, in, len, false, &bad, out_len);
        break;
    case K_CP1252:
        *out = run_1252(a, in, len, true, &bad, out_len);
        break;
    case K_ICONV:
        if (!run_iconv(a, al ? al->iconv_name : name, in, len, &bad, out, out_len)) goto unknown;
        break;
    }
    return bad ? CHARSET_BAD_BYTES : CHARSET_OK;

unknown:
    *out = charset_sanitize_utf8(a, in, len, out_len);
    return CHARSET_UNKNOWN;
}
