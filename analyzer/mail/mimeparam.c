/* mimeparam — Content-Type / Content-Disposition values with RFC 2045
 * parameters and RFC 2231 extensions (see mimeparam.h).
 *
 * Two steps: a tolerant scanner cuts the value into (name, value) pieces,
 * then pieces with the same base name are assembled: RFC 2231 sections are
 * sorted by number (they may come in any order), percent-decoded where
 * marked with '*', joined as bytes and converted from the charset of
 * section 0, so a multibyte character split between sections survives.
 *
 * Decisions: a parameter written both plainly and with RFC 2231 takes the
 * RFC 2231 value (it carries the charset); duplicates otherwise: the first
 * wins (recorded, since duplicate parameters are an evasion trick). Unquoted
 * values may contain spaces (real filenames do) but end where a missing ';'
 * is evident ("a=b c=d"). RFC 2047 words are decoded in name and filename
 * values only. Raw 8-bit values are taken as UTF-8 when valid, else
 * windows-1252 — except boundary, which is kept byte-exact for matching.
 * Ceilings: MIMEPARAM_MAX parameters out, PIECES_MAX pieces scanned,
 * sections numbered below SECTION_MAX. Does NOT validate the type/subtype
 * against a registry. */
#include "mail/mimeparam.h"
#include "mail/header.h"

#include <string.h>

#include "mail/rfc2047.h"
#include "util/charset.h"
#include "util/str.h"

#define PIECES_MAX 512
#define SECTION_MAX 1000

struct piece {
    const char *name; /* base name, without RFC 2231 '*' parts */
    size_t name_len;
    int section;   /* -1: none */
    bool extended; /* trailing '*': charset'lang'%XX form */
    char *val;     /* unquoted, unescaped bytes */
    size_t val_len;
    bool used;
};

struct ctx {
    arena *a;
    struct anomalies *an;
    bool ok;
    unsigned recorded; /* bit per anomaly kind already recorded by this call */
};

enum { R_CTYPE = 1, R_2231 = 2, R_CS_UNKNOWN = 4, R_CS_BAD = 8 };

static void flag(struct ctx *c, unsigned bit, const char *what)
{
    c->ok = false;
    if (c->recorded & bit) return;
    c->recorded |= bit;
    if (!c->an) return;
    enum anom_code code = bit == R_CTYPE        ? ANOM_MIME_BAD_CTYPE
                          : bit == R_2231       ? ANOM_RFC2231_MALFORMED
                          : bit == R_CS_UNKNOWN ? ANOM_CHARSET_UNKNOWN
                                                : ANOM_CHARSET_BAD_BYTES;
    anom_add(c->an, code, "%s", what);
}

static bool is_name_char(unsigned char ch)
{
    return ch > ' ' && ch < 127 && ch != '=' && ch != ';' && ch != '(' && ch != ')' && ch != '"' &&
           ch != ',' && ch != '<' && ch != '>' && ch != '@' && ch != '[' && ch != ']' &&
           ch != '?' && ch != '\\' && ch != '/' && ch != ':';
}

/* RFC 2045 token characters, plus '/' for type/subtype. */
static bool is_type_char(unsigned char ch)
{
    return ch == '/' || is_name_char(ch);
}

/* True when p[i..] reads `token WSP* =` (a parameter start). */
static bool looks_like_param(const char *p, size_t len, size_t i)
{
    size_t j = i;
    while (j < len && is_name_char((unsigned char)p[j]))
        j++;
    if (j == i) return false;
    while (j < len && ch_is_wsp((unsigned char)p[j]))
        j++;
    return j < len && p[j] == '=';
}

/* Read a quoted string starting at p[i] == '"'; returns the index after it. */
static size_t read_quoted(struct ctx *c, const char *p, size_t len, size_t i, struct arena_str *v)
{
    i++;
    while (i < len) {
        size_t run = i;
        while (run < len && p[run] != '"' && p[run] != '\\')
            run++;
        arena_str_put(v, p + i, run - i);
        i = run;
        if (i >= len) break;
        if (p[i] == '"') return i + 1;
        /* backslash */
        if (i + 1 < len) {
            arena_str_put(v, p + i + 1, 1);
            i += 2;
        } else {
            arena_str_put(v, p + i, 1);
            i++;
        }
    }
    flag(c, R_2231, "unterminated quoted string");
    return len;
}

/* Read an unquoted value; stops at ';', at the end, or before an evident
 * next parameter after whitespace. Comments after whitespace are dropped. */
static size_t read_token_value(struct ctx *c, const char *p, size_t len, size_t i,
                               struct arena_str *v)
{
    while (i < len && p[i] != ';') {
        unsigned char ch = (unsigned char)p[i];
        if (ch_is_space(ch) || (ch == '(' && v->len == 0)) {
            size_t ws = i;
            while (i < len && ch_is_space((unsigned char)p[i]))
                i++;
            size_t ws_end = i;
            size_t j = hdr_skip_cfws(p, len, i);
            if (j >= len || p[j] == ';') return j;
            if (looks_like_param(p, len, j)) {
                flag(c, R_2231, "missing ';' between parameters");
                return j;
            }
            if (v->len) {
                if (j != ws_end) /* a comment was skipped */
                    arena_str_put(v, " ", 1);
                else
                    arena_str_put(v, p + ws, ws_end - ws);
            }
            i = j;
            continue;
        }
        size_t run = i;
        while (run < len && p[run] != ';' && !ch_is_space((unsigned char)p[run]))
            run++;
        arena_str_put(v, p + i, run - i);
        i = run;
    }
    return i;
}

/* Split "name*3*" into base, section and extended flag. */
static bool split_name(const char *n, size_t len, struct piece *pc)
{
    pc->name = n;
    pc->name_len = len;
    pc->section = -1;
    pc->extended = false;
    const char *star = memchr(n, '*', len);
    if (!star) return true;
    size_t base = (size_t)(star - n);
    size_t k = base + 1;
    int sec = -1;
    if (k < len && ch_is_digit((unsigned char)n[k])) {
        sec = 0;
        while (k < len && ch_is_digit((unsigned char)n[k])) {
            sec = sec * 10 + (n[k] - '0');
            if (sec >= SECTION_MAX) return false;
            k++;
        }
        if (k < len && n[k] == '*') {
            pc->extended = true;
            k++;
        }
    } else {
        pc->extended = true;
    }
    if (k != len || base == 0) return false;
    pc->name_len = base;
    pc->section = sec;
    return true;
}

/* Percent-decode (p,len) onto v. */
static void pct_decode(struct ctx *c, const char *p, size_t len, struct arena_str *v)
{
    size_t i = 0;
    while (i < len) {
        const char *pc = memchr(p + i, '%', len - i);
        size_t run = pc ? (size_t)(pc - p) : len;
        arena_str_put(v, p + i, run - i);
        i = run;
        if (i >= len) break;
        if (i + 2 < len && ch_hexval((unsigned char)p[i + 1]) >= 0 &&
            ch_hexval((unsigned char)p[i + 2]) >= 0) {
            char b = (char)(ch_hexval((unsigned char)p[i + 1]) * 16 +
                            ch_hexval((unsigned char)p[i + 2]));
            arena_str_put(v, &b, 1);
            i += 3;
        } else {
            flag(c, R_2231, "bad %-escape");
            arena_str_put(v, "%", 1);
            i++;
        }
    }
}

static char *to_utf8(struct ctx *c, const char *cs, size_t cs_len, const char *b, size_t n)
{
    char *o;
    size_t olen;
    enum charset_rc rc = charset_to_utf8(c->a, cs, cs_len, b ? b : "", n, &o, &olen);
    if (rc == CHARSET_UNKNOWN)
        flag(c, R_CS_UNKNOWN, "RFC 2231 charset");
    else if (rc == CHARSET_BAD_BYTES)
        flag(c, R_CS_BAD, "RFC 2231 value");
    return o;
}

/* Stable insertion sort by section, so the first of duplicates stays first
 * (n <= PIECES_MAX). */
static void sort_sections(struct piece **v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct piece *x = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1]->section > x->section) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* Assemble the RFC 2231 pieces named like pcs[0] into out. */
static void assemble_2231(struct ctx *c, struct piece **sec, size_t n, struct mime_param *out)
{
    sort_sections(sec, n);
    struct arena_str bytes = {.a = c->a};
    const char *cs = NULL, *lang = NULL;
    size_t cs_len = 0, lang_len = 0;
    int expect = sec[0]->section < 0 ? -1 : 0;
    for (size_t i = 0; i < n; i++) {
        struct piece *pc = sec[i];
        if (i > 0 && pc->section == sec[i - 1]->section) {
            flag(c, R_2231, "duplicate RFC 2231 section");
            continue;
        }
        if (pc->section != expect) flag(c, R_2231, "RFC 2231 sections not contiguous from 0");
        expect = pc->section + 1;
        const char *v = pc->val;
        size_t vl = pc->val_len;
        if (pc->extended && i == 0) {
            const char *q1 = memchr(v, '\'', vl);
            const char *q2 = q1 ? memchr(q1 + 1, '\'', vl - (size_t)(q1 + 1 - v)) : NULL;
            if (q2) {
                cs = v;
                cs_len = (size_t)(q1 - v);
                lang = q1 + 1;
                lang_len = (size_t)(q2 - lang);
                vl -= (size_t)(q2 + 1 - v);
                v = q2 + 1;
            } else {
                flag(c, R_2231, "RFC 2231 value without charset'language'");
            }
        }
        if (pc->extended)
            pct_decode(c, v, vl, &bytes);
        else
            arena_str_put(&bytes, v, vl);
    }
    if (cs_len) {
        out->charset = arena_strndup(c->a, cs, cs_len);
        str_lower(out->charset, cs_len);
    }
    if (lang_len) out->language = arena_strndup(c->a, lang, lang_len);
    out->value = to_utf8(c, cs, cs_len, bytes.p, bytes.len);
}

/* The value of a plain (non-RFC 2231) parameter, as UTF-8. */
static char *plain_value(struct ctx *c, const char *lname, struct piece *pc)
{
    if (strcmp(lname, "boundary") == 0) return pc->val;
    if ((strcmp(lname, "filename") == 0 || strcmp(lname, "name") == 0) &&
        str_find_ci(pc->val, pc->val_len, "=?") != NULL)
        return rfc2047_decode(c->a, pc->val, pc->val_len, NULL, c->an);
    if (str_is_ascii(pc->val, pc->val_len)) return pc->val;
    return to_utf8(c, NULL, 0, pc->val, pc->val_len);
}

static bool same_name(const struct piece *x, const struct piece *y)
{
    if (x->name_len != y->name_len) return false;
    for (size_t i = 0; i < x->name_len; i++)
        if (ch_lower((unsigned char)x->name[i]) != ch_lower((unsigned char)y->name[i]))
            return false;
    return true;
}

static void assemble(struct ctx *c, struct piece *pcs, size_t n, struct mime_value *out)
{
    size_t room = n < MIMEPARAM_MAX ? n : MIMEPARAM_MAX;
    out->params = arena_zalloc(c->a, sizeof *out->params * (room ? room : 1));
    struct piece **group = arena_alloc(c->a, sizeof *group * (n ? n : 1));
    for (size_t i = 0; i < n; i++) {
        if (pcs[i].used) continue;
        if (out->n_params >= MIMEPARAM_MAX) {
            flag(c, R_2231, "more parameters than the ceiling");
            break;
        }
        struct piece *plain = NULL, *ext1 = NULL;
        size_t n_sec = 0;
        bool dup = false;
        for (size_t j = i; j < n; j++) {
            struct piece *pc = &pcs[j];
            if (pc->used || !same_name(pc, &pcs[i])) continue;
            pc->used = true;
            struct piece **slot = pc->extended ? &ext1 : &plain;
            if (pc->section >= 0)
                group[n_sec++] = pc;
            else if (*slot)
                dup = true;
            else
                *slot = pc;
        }
        if (dup || (ext1 && n_sec)) flag(c, R_2231, "duplicate parameter");
        struct mime_param *mp = &out->params[out->n_params++];
        mp->name = arena_strndup(c->a, pcs[i].name, pcs[i].name_len);
        str_lower(mp->name, pcs[i].name_len);
        if (ext1) {
            group[0] = ext1;
            assemble_2231(c, group, 1, mp);
        } else if (n_sec) {
            assemble_2231(c, group, n_sec, mp);
        } else {
            mp->value = plain_value(c, mp->name, plain);
        }
    }
}

static bool all_type_chars(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_type_char((unsigned char)p[i])) return false;
    return true;
}

bool mimeparam_parse(arena *a, const char *p, size_t len, struct mime_value *out,
                     struct anomalies *an)
{
    struct ctx c = {.a = a, .an = an, .ok = true};
    out->value = "";
    out->params = NULL;
    out->n_params = 0;

    /* the main value: type[/subtype], CFWS allowed around the '/' */
    size_t i = hdr_skip_cfws(p, len, 0);
    size_t start = i;
    struct arena_str v = {.a = a};
    for (int part = 0; part < 2; part++) {
        size_t run = i;
        while (run < len && p[run] != ';' && p[run] != '/' && p[run] != '(' && p[run] != '=' &&
               p[run] != '"' && !ch_is_space((unsigned char)p[run]))
            run++;
        arena_str_put(&v, p + i, run - i);
        i = hdr_skip_cfws(p, len, run);
        if (part == 0 && i < len && p[i] == '/') {
            arena_str_put(&v, "/", 1);
            i = hdr_skip_cfws(p, len, i + 1);
        } else {
            break;
        }
    }
    if (i < len && p[i] == '=') {
        /* no main value: what we read was a parameter name */
        flag(&c, R_CTYPE, "no value before the parameters");
        v.len = 0;
        i = start;
    } else if (i < len && p[i] != ';') {
        flag(&c, R_2231, "missing ';' after the value");
    }
    if (v.len) {
        char *val = arena_strndup(a, v.p, v.len);
        str_lower(val, v.len);
        out->value = val;
        if (!all_type_chars(val, v.len)) flag(&c, R_CTYPE, "invalid characters in the value");
    } else if (start < len && !(c.recorded & R_CTYPE)) {
        flag(&c, R_CTYPE, "empty value");
    }

    struct piece *pcs = NULL;
    size_t n = 0, cap = 0;
    while (i < len) {
        i = hdr_skip_cfws(p, len, i);
        if (i >= len) break;
        if (p[i] == ';') {
            i++;
            continue;
        }
        size_t ns = i;
        while (i < len && is_name_char((unsigned char)p[i]))
            i++;
        size_t ne = i;
        if (ne == ns) {
            /* junk where a name should be: skip to the next ';' */
            flag(&c, R_2231, "parameter without a name");
            while (i < len && p[i] != ';') {
                if (p[i] == '"') {
                    struct arena_str junk = {.a = a};
                    i = read_quoted(&c, p, len, i, &junk);
                } else {
                    i++;
                }
            }
            continue;
        }
        i = hdr_skip_cfws(p, len, i);
        if (i >= len || p[i] != '=') {
            flag(&c, R_2231, "parameter without '='");
            continue;
        }
        i = hdr_skip_cfws(p, len, i + 1);
        struct arena_str val = {.a = a};
        arena_str_put(&val, "", 0);
        if (i < len && p[i] == '"') {
            i = read_quoted(&c, p, len, i, &val);
            i = hdr_skip_cfws(p, len, i);
            if (i < len && p[i] != ';') {
                if (looks_like_param(p, len, i)) {
                    flag(&c, R_2231, "missing ';' between parameters");
                } else {
                    flag(&c, R_2231, "text after a quoted value");
                    while (i < len && p[i] != ';')
                        i++;
                }
            }
        } else {
            i = read_token_value(&c, p, len, i, &val);
        }
        if (n >= PIECES_MAX) {
            flag(&c, R_2231, "more parameters than the ceiling");
            continue;
        }
        struct piece pc = {.val = val.p, .val_len = val.len};
        if (!split_name(p + ns, ne - ns, &pc)) {
            flag(&c, R_2231, "bad RFC 2231 parameter name");
            continue;
        }
        pcs = arena_grow(a, pcs, &cap, n + 1, sizeof *pcs);
        pcs[n++] = pc;
    }
    assemble(&c, pcs, n, out);
    return c.ok;
}

const char *mimeparam_get(const struct mime_value *v, const char *name)
{
    for (size_t i = 0; i < v->n_params; i++)
        if (strcmp(v->params[i].name, name) == 0) return v->params[i].value;
    return NULL;
}
