/* str — byte slices and ASCII helpers. Input is (pointer, length), never
 * trusted to be NUL-terminated; ctype-like helpers work on unsigned bytes and
 * ignore the locale. */
#ifndef UTIL_STR_H
#define UTIL_STR_H
#include <stdbool.h>
#include <stddef.h>

struct slice {
    const char *p;
    size_t len;
};

#define SLICE_LIT(s) ((struct slice){(s), sizeof(s) - 1})

/* SP, HT, CR, LF, FF, VT (C isspace, Perl \s on bytes) */
extern const bool ch_space_table[256];
static inline bool ch_is_space(unsigned char c)
{
    return ch_space_table[c];
}
static inline bool ch_is_wsp(unsigned char c)
{
    return c == ' ' || c == '\t';
}
static inline bool ch_is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}
static inline bool ch_is_alpha(unsigned char c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}
static inline bool ch_is_alnum(unsigned char c)
{
    return ch_is_alpha(c) || ch_is_digit(c);
}
static inline bool ch_is_xdigit(unsigned char c)
{
    return ch_is_digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}
/* ASCII lowercase of every byte, other bytes unchanged: one load instead of
 * a compare and a select in the case-insensitive loops of the parsers and
 * rules (about 4.5 million calls over 300 bench messages) */
extern const unsigned char ch_lower_table[256];
static inline unsigned char ch_lower(unsigned char c)
{
    return ch_lower_table[c];
}
static inline int ch_hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = ch_lower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Case-insensitive ASCII comparison of a slice with a NUL-terminated literal. */
bool str_eq_ci_full(const char *p, size_t len, const char *lit);
/* The same; the first bytes compared inline, since most calls (keyword and
 * field-name tables, about 700 a message) differ there and the literal's
 * first byte is a constant at the call site. */
static inline bool str_eq_ci(const char *p, size_t len, const char *lit)
{
    if (len && ch_lower((unsigned char)p[0]) != ch_lower((unsigned char)lit[0])) return false;
    return str_eq_ci_full(p, len, lit);
}
bool str_starts_ci(const char *p, size_t len, const char *lit);
/* Case-insensitive search for needle (NUL-terminated) in (p,len); NULL if absent. */
const char *str_find_ci(const char *p, size_t len, const char *needle);
/* Trim ASCII whitespace at both ends of (p,len) in place. */
struct slice str_trim(const char *p, size_t len);
/* What sscanf's "%u" reads at *p (C locale): white space skipped, a sign,
 * decimal digits (a value past ULONG_MAX is ULONG_MAX, a '-' negates, the
 * result is cut to unsigned int); false when no digit follows. *p is
 * advanced past the number. sscanf's own cost, a locale-aware stream
 * setup a call, is its point. */
bool str_scan_uint(const char **p, unsigned *out);
/* Lowercase ASCII letters in place. */
void str_lower(char *s, size_t len);
/* True when (p,len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool str_is_utf8(const char *p, size_t len);
/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t str_utf8_seqlen(const unsigned char *p, size_t len);
/* True when every byte is 7-bit. */
bool str_is_ascii(const char *p, size_t len);

#endif
