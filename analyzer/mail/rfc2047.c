/* rfc2047 — decode encoded words in a header value to UTF-8 (see rfc2047.h).
 *
 * One pass: text between encoded words is copied (8-bit text: UTF-8 when
 * valid, else windows-1252); the decoded bytes of consecutive encoded words
 * in the same charset, separated only by whitespace, are joined BEFORE the
 * charset conversion, so a multibyte character split across two words
 * decodes correctly. Words are recognised anywhere (also glued to text, as
 * many mailers write them). Tolerated: whitespace inside the encoded text,
 * a bad Q escape (kept literally, recorded), missing base64 padding. A word
 * whose base64 holds characters outside the alphabet is left as written.
 * NUL bytes in the result become U+FFFD, so it is a usable C string.
 * Ceilings: only the first HDR_MAX_VALUE_DECODE bytes are searched for
 * encoded words, the rest is copied as plain text; an encoded text longer
 * than WORD_TEXT_MAX bytes is not taken as a word. */
#include "mail/rfc2047.h"

#include <string.h>

#include "mail/limits.h"
#include "util/charset.h"
#include "util/str.h"

#define CHARSET_NAME_MAX 64
/* encoded text longer than this is not a word (RFC 2047 allows 75 bytes for
 * the whole word; broken mailers write longer ones). Bounds the work per
 * "=?" so hostile input stays linear. */
#define WORD_TEXT_MAX 2048

struct word {
    const char *cs; /* charset, without an RFC 2231 "*language" */
    size_t cs_len;
    char enc; /* 'B' or 'Q' */
    const char *text;
    size_t text_len;
    size_t end; /* offset just past "?=" */
};

/* Parse an encoded word starting at p[i] == '=' && p[i+1] == '?'.
 * *shaped: it had "=?charset?" at least (worth an anomaly if it fails). */
static bool parse_word(const char *p, size_t len, size_t i, struct word *w, bool *shaped)
{
    size_t j = i + 2;
    size_t cs_start = j;
    *shaped = false;
    while (j < len && p[j] != '?') {
        unsigned char c = (unsigned char)p[j];
        if (c <= ' ' || c >= 127 || j - cs_start > CHARSET_NAME_MAX) return false;
        j++;
    }
    if (j >= len || j == cs_start) return false;
    *shaped = true;
    const char *star = memchr(p + cs_start, '*', j - cs_start);
    w->cs = p + cs_start;
    w->cs_len = star ? (size_t)(star - w->cs) : j - cs_start;
    if (w->cs_len == 0) return false;
    if (j + 2 >= len || p[j + 2] != '?') return false;
    char e = (char)ch_lower((unsigned char)p[j + 1]);
    if (e != 'b' && e != 'q') return false;
    w->enc = e == 'b' ? 'B' : 'Q';
    size_t t = j + 3;
    size_t k = t;
    bool wsp = false;
    size_t stop = len - t > WORD_TEXT_MAX + 1 ? t + WORD_TEXT_MAX + 1 : len;
    for (;;) {
        if (k >= stop) return false;
        const char *q = memchr(p + k, '?', stop - k);
        if (!q) return false;
        k = (size_t)(q - p);
        if (k + 1 < len && p[k + 1] == '=') break;
        k++;
    }
    w->text = p + t;
    w->text_len = k - t;
    for (size_t m = 0; m < w->text_len; m++)
        if (ch_is_space((unsigned char)w->text[m])) wsp = true;
    /* whitespace plus "=?" inside: it swallowed the start of another word */
    if (wsp && w->text_len >= 2) {
        for (size_t m = 0; m + 1 < w->text_len; m++)
            if (w->text[m] == '=' && w->text[m + 1] == '?') return false;
    }
    w->end = k + 2;
    return true;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode into out (room for text_len bytes). Returns false when the word
 * cannot be decoded; *flawed when it decoded with a repairable flaw. */
static bool decode_text(const struct word *w, char *out, size_t *out_len, bool *flawed)
{
    const unsigned char *t = (const unsigned char *)w->text;
    size_t n = 0;
    if (w->enc == 'Q') {
        for (size_t i = 0; i < w->text_len; i++) {
            unsigned char c = t[i];
            if (c == '_') {
                out[n++] = ' ';
            } else if (c == '=' && i + 2 < w->text_len && ch_hexval(t[i + 1]) >= 0 &&
                       ch_hexval(t[i + 2]) >= 0) {
                out[n++] = (char)(ch_hexval(t[i + 1]) * 16 + ch_hexval(t[i + 2]));
                i += 2;
            } else {
                if (c == '=') *flawed = true;
                out[n++] = (char)c;
            }
        }
        *out_len = n;
        return true;
    }
    unsigned acc = 0;
    int bits = 0;
    size_t nchars = 0;
    size_t i = 0;
    for (; i < w->text_len; i++) {
        unsigned char c = t[i];
        if (ch_is_space(c)) continue;
        if (c == '=') break;
        int v = b64val(c);
        if (v < 0) return false;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        nchars++;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
    for (; i < w->text_len; i++)
        if (t[i] != '=' && !ch_is_space(t[i])) return false;
    if (nchars % 4 == 1) *flawed = true;
    *out_len = n;
    return true;
}

struct state {
    arena *a;
    struct anomalies *an;
    struct arena_str out;
    struct arena_str pend; /* decoded bytes of the pending run of words */
    const char *pend_cs;
    size_t pend_cs_len;
    bool has_pend;
};

static void note(struct state *s, enum anom_code code, const char *what, const char *p, size_t n)
{
    if (!s->an || anom_has(s->an, code)) return;
    if (n > 60) n = 60;
    anom_add(s->an, code, "%s%.*s", what, (int)n, p);
}

static void emit_raw(struct state *s, const char *p, size_t n)
{
    if (n == 0) return;
    if (str_is_ascii(p, n)) {
        arena_str_put(&s->out, p, n);
        return;
    }
    char *o;
    size_t olen;
    charset_to_utf8(s->a, NULL, 0, p, n, &o, &olen);
    arena_str_put(&s->out, o, olen);
}

static void flush(struct state *s)
{
    if (!s->has_pend) return;
    char *o;
    size_t olen;
    enum charset_rc rc = charset_to_utf8(s->a, s->pend_cs, s->pend_cs_len,
                                         s->pend.p ? s->pend.p : "", s->pend.len, &o, &olen);
    if (rc == CHARSET_UNKNOWN)
        note(s, ANOM_CHARSET_UNKNOWN, "", s->pend_cs, s->pend_cs_len);
    else if (rc == CHARSET_BAD_BYTES)
        note(s, ANOM_CHARSET_BAD_BYTES, "encoded word in ", s->pend_cs, s->pend_cs_len);
    arena_str_put(&s->out, o, olen);
    s->pend.len = 0;
    s->has_pend = false;
}

static bool same_ci(const char *x, size_t xn, const char *y, size_t yn)
{
    if (xn != yn) return false;
    for (size_t i = 0; i < xn; i++)
        if (ch_lower((unsigned char)x[i]) != ch_lower((unsigned char)y[i])) return false;
    return true;
}

static bool all_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ch_is_space((unsigned char)p[i])) return false;
    return true;
}

/* Replace NUL bytes by U+FFFD. */
static char *no_nuls(arena *a, char *p, size_t *len)
{
    size_t n = 0;
    for (size_t i = 0; i < *len; i++)
        n += p[i] == '\0' ? 3 : 1;
    if (n == *len) return p;
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < *len; i++) {
        if (p[i] == '\0') {
            o[k++] = (char)0xEF;
            o[k++] = (char)0xBF;
            o[k++] = (char)0xBD;
        } else {
            o[k++] = p[i];
        }
    }
    o[k] = '\0';
    *len = k;
    return o;
}

char *rfc2047_decode(arena *a, const char *p, size_t len, size_t *out_len, struct anomalies *an)
{
    struct state s = {.a = a, .an = an, .out = {.a = a}, .pend = {.a = a}};
    size_t lim = len > HDR_MAX_VALUE_DECODE ? HDR_MAX_VALUE_DECODE : len;
    size_t i = 0, seg = 0;

    while (i + 1 < lim) {
        const char *eq = memchr(p + i, '=', lim - i - 1);
        if (!eq) break;
        size_t k = (size_t)(eq - p);
        if (p[k + 1] != '?') {
            i = k + 1;
            continue;
        }
        struct word w;
        bool shaped;
        bool flawed = false;
        char *tmp = NULL;
        size_t tlen = 0;
        bool ok = parse_word(p, lim, k, &w, &shaped);
        if (ok) {
            tmp = arena_alloc(a, w.text_len + 1);
            ok = decode_text(&w, tmp, &tlen, &flawed);
        }
        if (!ok) {
            if (shaped) note(&s, ANOM_RFC2047_MALFORMED, "", p + k, lim - k);
            i = k + 2;
            continue;
        }
        if (flawed) note(&s, ANOM_RFC2047_MALFORMED, "", p + k, w.end - k);
        if (!(s.has_pend && all_space(p + seg, k - seg))) {
            flush(&s);
            emit_raw(&s, p + seg, k - seg);
        }
        if (s.has_pend && !same_ci(s.pend_cs, s.pend_cs_len, w.cs, w.cs_len)) flush(&s);
        if (!s.has_pend) {
            s.has_pend = true;
            s.pend_cs = w.cs;
            s.pend_cs_len = w.cs_len;
        }
        arena_str_put(&s.pend, tmp, tlen);
        seg = i = w.end;
    }
    flush(&s);
    emit_raw(&s, p + seg, len - seg);

    char *res = s.out.p ? s.out.p : arena_alloc(a, 1);
    size_t n = s.out.len;
    res[n] = '\0';
    res = no_nuls(a, res, &n);
    if (out_len) *out_len = n;
    return res;
}
