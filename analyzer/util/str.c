/* str — see str.h. */
#include "util/str.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>

/* clang-format off */
#define L4(c) c, c + 1, c + 2, c + 3
#define L16(c) L4(c), L4(c + 4), L4(c + 8), L4(c + 12)
#define L64(c) L16(c), L16(c + 16), L16(c + 32), L16(c + 48)
const unsigned char ch_lower_table[256] = {
    L64(0x00), 0x40,                                    /* 0x00-0x40 as they are */
    L16('a'), L4('q'), L4('u'), 'y', 'z',               /* 'A'-'Z' -> 'a'-'z' */
    L4(0x5B), 0x5F, L16(0x60), L16(0x70),               /* 0x5B-0x7F as they are */
    L64(0x80), L64(0xC0),                               /* 0x80-0xFF as they are */
};
#undef L64
#undef L16
#undef L4
/* clang-format on */

const bool ch_space_table[256] = {
    [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true, ['\f'] = true, ['\v'] = true,
};

/* Without strlen: a mismatch or the end of either string stops the
 * comparison (the parsers and rules compare many short names and keywords
 * that mostly differ in their first bytes). Equal bytes, the usual case,
 * are passed without lowering either. */
bool str_eq_ci_full(const char *p, size_t len, const char *lit)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
        if (a == b) {
            if (b == '\0') return false; /* lit is shorter */
            continue;
        }
        if (b == '\0' || ch_lower(a) != ch_lower(b)) return false;
    }
    return lit[len] == '\0';
}

bool str_starts_ci(const char *p, size_t len, const char *lit)
{
    for (size_t i = 0; lit[i]; i++) {
        if (i >= len) return false;
        unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
        if (a != b && ch_lower(a) != ch_lower(b)) return false;
    }
    return true;
}

const char *str_find_ci(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    if (n == 0) return p;
    if (n > len) return NULL;
    /* candidates are found with memchr for each case of the first byte */
    unsigned char lo = ch_lower((unsigned char)needle[0]);
    unsigned char up = (lo >= 'a' && lo <= 'z') ? (unsigned char)(lo - 32) : lo;
    const char *end = p + (len - n + 1); /* a match starts before end */
    const char *na = memchr(p, lo, (size_t)(end - p));
    const char *nb = up != lo ? memchr(p, up, (size_t)(end - p)) : NULL;
    if (!na) na = end;
    if (!nb) nb = end;
    for (;;) {
        const char *c = na < nb ? na : nb;
        if (c >= end) return NULL;
        if (str_eq_ci(c, n, needle)) return c;
        if (c == na) {
            na = memchr(c + 1, lo, (size_t)(end - (c + 1)));
            if (!na) na = end;
        } else {
            nb = memchr(c + 1, up, (size_t)(end - (c + 1)));
            if (!nb) nb = end;
        }
    }
}

struct slice str_trim(const char *p, size_t len)
{
    while (len && ch_is_space((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len && ch_is_space((unsigned char)p[len - 1]))
        len--;
    return (struct slice){p, len};
}

void str_lower(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        s[i] = (char)ch_lower((unsigned char)s[i]);
}

size_t str_utf8_seqlen(const unsigned char *p, size_t len)
{
    if (len == 0) return 0;
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t n;
    unsigned min;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
        min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
        min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n) return 0;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return n;
}

/* True when none of the 8 bytes at p has the high bit set. */
static bool ascii8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return (w & 0x8080808080808080ULL) == 0;
}

bool str_is_utf8(const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        /* ASCII runs a word at a time: most mail text is ASCII */
        while (i + 8 <= len && ascii8(u + i))
            i += 8;
        if (i >= len) break;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = str_utf8_seqlen(u + i, len - i);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

bool str_is_ascii(const char *p, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        if (!ascii8((const unsigned char *)p + i)) return false;
    for (; i < len; i++)
        if ((unsigned char)p[i] >= 0x80) return false;
    return true;
}

bool str_scan_uint(const char **pp, unsigned *out)
{
    const char *p = *pp;
    while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
        p++;
    bool neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (*p < '0' || *p > '9') return false;
    unsigned long v = 0;
    bool over = false;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned long d = (unsigned long)(*p - '0');
        if (v > (ULONG_MAX - d) / 10)
            over = true;
        else
            v = v * 10 + d;
    }
    if (over)
        v = ULONG_MAX;
    else if (neg)
        v = 0 - v;
    *out = (unsigned)v;
    *pp = p;
    return true;
}
