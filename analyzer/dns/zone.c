/* zone — see zone.h. A single pass over (p,len): the tokenizer gathers one
 * logical line (parentheses joined, comments dropped) as slices into the
 * input, then the record is built from the tokens. Nothing is copied but the
 * results handed to the callback (in the caller's arena).
 *
 * Names are decoded to wire-format labels (escapes resolved, ASCII
 * lowercased), checked against the 63/255-byte limits, joined to $ORIGIN
 * when relative, then printed back in one canonical presentation form: the
 * bytes . \ " ( ) ; @ $ as \X, bytes outside 0x21..0x7e as \DDD, everything
 * else as is. resolver.c prints lookup names the same way, so a snapshot
 * owner and a query name written differently still meet in the hash table.
 *
 * Not supported (an error, never a silent skip): $INCLUDE, $GENERATE, the
 * RFC 3597 generic rdata form (\#) for the types parsed here. No wildcard
 * expansion: "*" is an ordinary label. */
#include "dns/zone.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TTL_MAX 2147483647u /* RFC 2181 section 8 */
#define WIRE_MAX 255        /* wire length of a name, root byte included */
#define LABEL_MAX 63
#define CLASS_IN 1
#define NAME_TEXT_MAX (4 * WIRE_MAX + 1) /* every byte as \DDD, at worst */

struct tok {
    const char *p; /* content; for a quoted string without the quotes */
    size_t len;
    bool quoted;
};

struct zparser {
    arena *a;
    const char *p;
    size_t len, i;
    unsigned long lineno;   /* physical line at i, 1-based */
    unsigned long rec_line; /* physical line the logical line started on */
    struct tok *t;
    size_t nt, tcap;
    bool blank_owner; /* the logical line started with blank space */
    unsigned char origin[WIRE_MAX];
    size_t origin_len;
    bool has_origin;
    const char *prev_owner;
    uint32_t default_ttl, last_ttl;
    bool has_default_ttl, has_last_ttl;
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 3, 4))) static int fail(struct zparser *z, unsigned long line,
                                                      const char *fmt, ...)
{
    if (!z->err || z->errlen == 0) return -1;
    int n = snprintf(z->err, z->errlen, "line %lu: ", line);
    if (n < 0 || (size_t)n >= z->errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(z->err + n, z->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -1;
}

/* A token made printable for an error message (at most 40 bytes shown). */
static const char *tok_show(const struct tok *t, char out[48])
{
    size_t n = t->len < 40 ? t->len : 40, j = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)t->p[k];
        out[j++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (t->len > n) {
        out[j++] = '.';
        out[j++] = '.';
        out[j++] = '.';
    }
    out[j] = '\0';
    return out;
}

static void push_tok(struct zparser *z, const char *p, size_t len, bool quoted)
{
    z->t = xgrow(z->t, &z->tcap, z->nt + 1, sizeof *z->t);
    z->t[z->nt++] = (struct tok){p, len, quoted};
}

static bool is_delim(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ';' || c == '(' || c == ')' ||
           c == '"';
}

/* Gather the next logical line into z->t. 1 = a line (maybe without
 * tokens), 0 = end of input, -1 = syntax error. */
static int read_line(struct zparser *z)
{
    z->nt = 0;
    if (z->i >= z->len) return 0;
    size_t start = z->i;
    int depth = 0;
    z->rec_line = z->lineno;
    z->blank_owner = z->p[z->i] == ' ' || z->p[z->i] == '\t';
    for (;;) {
        if (z->i - start > ZONE_MAX_LINE)
            return fail(z, z->rec_line, "logical line over %d bytes", ZONE_MAX_LINE);
        if (z->i >= z->len) {
            if (depth) return fail(z, z->rec_line, "unbalanced parentheses: '(' never closed");
            return 1;
        }
        unsigned char c = (unsigned char)z->p[z->i];
        if (c == '\n') {
            z->lineno++;
            z->i++;
            if (!depth) return 1;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            z->i++;
        } else if (c == ';') {
            while (z->i < z->len && z->p[z->i] != '\n')
                z->i++;
        } else if (c == '(') {
            if (depth) return fail(z, z->lineno, "nested parentheses");
            depth = 1;
            z->i++;
        } else if (c == ')') {
            if (!depth) return fail(z, z->lineno, "unbalanced parentheses: ')' without '('");
            depth = 0;
            z->i++;
        } else if (c == '"') {
            size_t j = z->i + 1;
            while (j < z->len && z->p[j] != '"' && z->p[j] != '\n') {
                if (z->p[j] == '\\' && j + 1 < z->len && z->p[j + 1] != '\n') j++;
                j++;
            }
            if (j >= z->len || z->p[j] != '"')
                return fail(z, z->lineno, "unterminated quoted string");
            push_tok(z, z->p + z->i + 1, j - z->i - 1, true);
            z->i = j + 1;
        } else {
            size_t j = z->i;
            while (j < z->len && !is_delim((unsigned char)z->p[j])) {
                if (z->p[j] == '\\') {
                    if (j + 1 >= z->len || z->p[j + 1] == '\n' || z->p[j + 1] == '\r')
                        return fail(z, z->lineno, "backslash at end of line");
                    j++;
                }
                j++;
            }
            push_tok(z, z->p + z->i, j - z->i, false);
            z->i = j;
        }
    }
}

/* Decode one byte of a \X or \DDD escape at p[*k] (p[*k] is the backslash).
 * Returns the byte value, or -1 for a bad \DDD. */
static int unescape(const char *p, size_t len, size_t *k)
{
    size_t j = *k + 1;
    if (j >= len) return -1;
    if (!ch_is_digit((unsigned char)p[j])) {
        *k = j + 1;
        return (unsigned char)p[j];
    }
    if (j + 2 >= len || !ch_is_digit((unsigned char)p[j + 1]) ||
        !ch_is_digit((unsigned char)p[j + 2]))
        return -1;
    int v = (p[j] - '0') * 100 + (p[j + 1] - '0') * 10 + (p[j + 2] - '0');
    if (v > 255) return -1;
    *k = j + 3;
    return v;
}

/* Presentation name (p,len) to wire labels, lowercased. *absolute when it
 * ends in an unescaped dot. Returns NULL or why it is not a name. */
static const char *name_to_wire(const char *p, size_t len, unsigned char *wire, size_t *wlen,
                                bool *absolute)
{
    *absolute = false;
    *wlen = 0;
    if (len == 1 && p[0] == '.') {
        wire[(*wlen)++] = 0;
        *absolute = true;
        return NULL;
    }
    if (len == 0) return "empty name";
    size_t k = 0, lab = 0; /* lab: index of the current label's length byte */
    size_t w = 1;
    while (k < len) {
        int c;
        if (p[k] == '.') {
            if (w - lab - 1 == 0) return "empty label";
            wire[lab] = (unsigned char)(w - lab - 1);
            k++;
            if (k == len) {
                *absolute = true;
                wire[w] = 0;
                *wlen = w + 1;
                return NULL;
            }
            lab = w++;
            if (w > WIRE_MAX) return "name over 253 bytes";
            continue;
        }
        if (p[k] == '\\') {
            c = unescape(p, len, &k);
            if (c < 0) return "bad escape in name";
        } else {
            c = (unsigned char)p[k++];
        }
        if (w - lab - 1 >= LABEL_MAX) return "label over 63 bytes";
        if (w >= WIRE_MAX - 1) return "name over 253 bytes";
        wire[w++] = ch_lower((unsigned char)c);
    }
    if (w - lab - 1 == 0) return "empty label";
    wire[lab] = (unsigned char)(w - lab - 1);
    wire[w] = 0;
    *wlen = w + 1;
    return NULL;
}

/* Write byte c as a \DDD escape; returns 4. */
static size_t put_ddd(char *out, unsigned char c)
{
    out[0] = '\\';
    out[1] = (char)('0' + c / 100);
    out[2] = (char)('0' + c / 10 % 10);
    out[3] = (char)('0' + c % 10);
    return 4;
}

/* Wire labels to canonical presentation text without the final dot ("" for
 * the root). out holds NAME_TEXT_MAX bytes. Returns the length. */
static size_t wire_to_text(const unsigned char *wire, char *out)
{
    size_t o = 0, k = 0;
    while (wire[k]) {
        size_t n = wire[k++];
        if (o) out[o++] = '.';
        for (size_t j = 0; j < n; j++, k++) {
            unsigned char c = wire[k];
            if (c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' ||
                c == '$') {
                out[o++] = '\\';
                out[o++] = (char)c;
            } else if (c <= 0x20 || c >= 0x7f) {
                o += put_ddd(out + o, c);
            } else {
                out[o++] = (char)c;
            }
        }
    }
    out[o] = '\0';
    return o;
}

long zone_name_canon(const char *p, size_t len, char *out)
{
    unsigned char wire[WIRE_MAX + 1];
    size_t wlen;
    bool absolute;
    if (name_to_wire(p, len, wire, &wlen, &absolute)) return -1;
    return (long)wire_to_text(wire, out);
}

/* A name token (owner or rdata target), '@' and relative names resolved
 * against $ORIGIN, into out (NAME_TEXT_MAX). Returns the length or -1. */
static long parse_name(struct zparser *z, const struct tok *t, char *out)
{
    char show[48];
    if (t->quoted) return fail(z, z->rec_line, "quoted string where a name is expected");
    unsigned char wire[WIRE_MAX + 1];
    size_t wlen;
    bool absolute;
    if (t->len == 1 && t->p[0] == '@') {
        if (!z->has_origin) return fail(z, z->rec_line, "'@' used without $ORIGIN");
        memcpy(wire, z->origin, z->origin_len);
    } else {
        const char *why = name_to_wire(t->p, t->len, wire, &wlen, &absolute);
        if (why) return fail(z, z->rec_line, "%s: '%s'", why, tok_show(t, show));
        if (!absolute && z->has_origin && z->origin_len > 1) {
            if (wlen - 1 + z->origin_len > WIRE_MAX)
                return fail(z, z->rec_line, "name over 253 bytes with $ORIGIN: '%s'",
                            tok_show(t, show));
            memcpy(wire + wlen - 1, z->origin, z->origin_len);
        }
    }
    return (long)wire_to_text(wire, out);
}

/* BIND TTL syntax: seconds, or a sum of number+unit (1w2d3h4m5s). */
static bool parse_ttl(const char *p, size_t len, uint32_t *out)
{
    uint64_t total = 0, cur = 0;
    bool digits = false;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)p[k];
        if (ch_is_digit(c)) {
            cur = cur * 10 + (uint64_t)(c - '0');
            if (cur > TTL_MAX) return false;
            digits = true;
            continue;
        }
        uint64_t mult;
        switch (ch_lower(c)) {
        case 'w':
            mult = 604800;
            break;
        case 'd':
            mult = 86400;
            break;
        case 'h':
            mult = 3600;
            break;
        case 'm':
            mult = 60;
            break;
        case 's':
            mult = 1;
            break;
        default:
            return false;
        }
        if (!digits) return false;
        total += cur * mult;
        if (total > TTL_MAX) return false;
        cur = 0;
        digits = false;
    }
    total += cur;
    if (len == 0 || total > TTL_MAX) return false;
    *out = (uint32_t)total;
    return true;
}

/* An unsigned decimal token up to max, or -1. */
static long parse_uint(const struct tok *t, long max)
{
    if (t->quoted || t->len == 0 || t->len > 9) return -1;
    long v = 0;
    for (size_t k = 0; k < t->len; k++) {
        if (!ch_is_digit((unsigned char)t->p[k])) return -1;
        v = v * 10 + (t->p[k] - '0');
    }
    return v <= max ? v : -1;
}

/* IN=1, CS=2, CH=3, HS=4, CLASSnnn; -1 when the token is no class. */
static long parse_class(const struct tok *t)
{
    if (t->quoted) return -1;
    if (str_eq_ci(t->p, t->len, "IN")) return 1;
    if (str_eq_ci(t->p, t->len, "CS")) return 2;
    if (str_eq_ci(t->p, t->len, "CH")) return 3;
    if (str_eq_ci(t->p, t->len, "HS")) return 4;
    if (t->len > 5 && str_starts_ci(t->p, t->len, "CLASS")) {
        struct tok num = {t->p + 5, t->len - 5, false};
        return parse_uint(&num, 65535);
    }
    return -1;
}

static int type_of(const struct tok *t)
{
    char name[24];
    if (t->quoted || t->len == 0 || t->len >= sizeof name) return -1;
    memcpy(name, t->p, t->len);
    name[t->len] = '\0';
    if (memchr(t->p, '\0', t->len)) return -1;
    return dns_type_from_name(name);
}

/* TXT/SPF: every token a character-string, escapes decoded, concatenated. */
static int parse_txt(struct zparser *z, const struct tok *t, size_t n, struct dns_rr *rr)
{
    size_t raw = 0;
    for (size_t k = 0; k < n; k++)
        raw += t[k].len;
    char *out = arena_alloc(z->a, (raw < DNS_MAX_TXT ? raw : DNS_MAX_TXT) + 1);
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        const char *p = t[k].p;
        size_t len = t[k].len, j = 0;
        while (j < len) {
            int c = (unsigned char)p[j];
            if (c == '\\') {
                c = unescape(p, len, &j);
                if (c < 0) return fail(z, z->rec_line, "bad escape in TXT string");
            } else {
                j++;
            }
            if (o >= DNS_MAX_TXT)
                return fail(z, z->rec_line, "TXT record over %d bytes", DNS_MAX_TXT);
            out[o++] = (char)c;
        }
    }
    out[o] = '\0';
    rr->text = out;
    rr->len = o;
    return 0;
}

/* Any other type: the rdata tokens joined by one space, strings re-quoted,
 * raw control and non-ASCII bytes written as \DDD (so the text has no NUL). */
static void keep_text(struct zparser *z, const struct tok *t, size_t n, struct dns_rr *rr)
{
    size_t need = 1;
    for (size_t k = 0; k < n; k++)
        need += t[k].len * 4 + 3;
    char *out = arena_alloc(z->a, need);
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if (k) out[o++] = ' ';
        if (t[k].quoted) out[o++] = '"';
        for (size_t j = 0; j < t[k].len; j++) {
            unsigned char c = (unsigned char)t[k].p[j];
            if (c < 0x20 || c >= 0x7f) {
                o += put_ddd(out + o, c);
            } else {
                out[o++] = (char)c;
            }
        }
        if (t[k].quoted) out[o++] = '"';
    }
    out[o] = '\0';
    rr->text = out;
    rr->len = o;
}

static int parse_addr(struct zparser *z, const struct tok *t, int af, struct dns_rr *rr)
{
    char show[48], in[64], txt[INET6_ADDRSTRLEN];
    const char *what = af == AF_INET ? "IPv4" : "IPv6";
    if (t->quoted || t->len >= sizeof in || memchr(t->p, '\0', t->len))
        return fail(z, z->rec_line, "bad %s address '%s'", what, tok_show(t, show));
    memcpy(in, t->p, t->len);
    in[t->len] = '\0';
    if (inet_pton(af, in, rr->addr) != 1 || !inet_ntop(af, rr->addr, txt, sizeof txt))
        return fail(z, z->rec_line, "bad %s address '%s'", what, tok_show(t, show));
    rr->text = arena_strdup(z->a, txt);
    rr->len = strlen(txt);
    return 0;
}

static int parse_target(struct zparser *z, const struct tok *t, struct dns_rr *rr)
{
    char name[NAME_TEXT_MAX];
    long n = parse_name(z, t, name);
    if (n < 0) return -1;
    rr->text = arena_strndup(z->a, name, (size_t)n);
    rr->len = (size_t)n;
    return 0;
}

static int parse_rdata(struct zparser *z, int type, const struct tok *t, size_t n,
                       struct dns_rr *rr)
{
    char show[48];
    const char *tname = dns_type_name((enum dns_type)type);
    size_t want = 0; /* exact token count for the fixed-form types */
    switch (type) {
    case DNS_T_A:
    case DNS_T_AAAA:
    case DNS_T_CNAME:
    case DNS_T_PTR:
    case DNS_T_NS:
        want = 1;
        break;
    case DNS_T_MX:
        want = 2;
        break;
    case DNS_T_TXT:
    case DNS_T_SPF:
        if (n == 0) return fail(z, z->rec_line, "%s record without rdata", tname);
        break;
    default:
        keep_text(z, t, n, rr);
        return 0;
    }
    if (n > 0 && !t[0].quoted && t[0].len == 2 && t[0].p[0] == '\\' && t[0].p[1] == '#')
        return fail(z, z->rec_line, "generic rdata (\\#) not supported for %s", tname);
    if (want == 0) return parse_txt(z, t, n, rr);
    if (n < want) return fail(z, z->rec_line, "%s record: missing rdata", tname);
    if (n > want)
        return fail(z, z->rec_line, "%s record: unexpected '%s' after the rdata", tname,
                    tok_show(&t[want], show));
    switch (type) {
    case DNS_T_A:
        return parse_addr(z, &t[0], AF_INET, rr);
    case DNS_T_AAAA:
        return parse_addr(z, &t[0], AF_INET6, rr);
    case DNS_T_MX: {
        long pref = parse_uint(&t[0], 65535);
        if (pref < 0) return fail(z, z->rec_line, "bad MX preference '%s'", tok_show(&t[0], show));
        rr->pref = (uint16_t)pref;
        return parse_target(z, &t[1], rr);
    }
    default:
        return parse_target(z, &t[0], rr);
    }
}

static int directive(struct zparser *z)
{
    const struct tok *t = z->t;
    char show[48];
    if (str_eq_ci(t[0].p, t[0].len, "$ORIGIN")) {
        if (z->nt != 2) return fail(z, z->rec_line, "$ORIGIN takes one name");
        if (t[1].quoted) return fail(z, z->rec_line, "$ORIGIN: quoted name");
        unsigned char wire[WIRE_MAX + 1];
        size_t wlen;
        bool absolute;
        const char *why = name_to_wire(t[1].p, t[1].len, wire, &wlen, &absolute);
        if (why) return fail(z, z->rec_line, "$ORIGIN: %s", why);
        if (!absolute && z->has_origin && z->origin_len > 1) {
            if (wlen - 1 + z->origin_len > WIRE_MAX)
                return fail(z, z->rec_line, "$ORIGIN: name over 253 bytes");
            memcpy(wire + wlen - 1, z->origin, z->origin_len);
            wlen += z->origin_len - 1;
        }
        memcpy(z->origin, wire, wlen);
        z->origin_len = wlen;
        z->has_origin = true;
        return 0;
    }
    if (str_eq_ci(t[0].p, t[0].len, "$TTL")) {
        if (z->nt != 2) return fail(z, z->rec_line, "$TTL takes one value");
        if (t[1].quoted || !parse_ttl(t[1].p, t[1].len, &z->default_ttl))
            return fail(z, z->rec_line, "bad TTL '%s'", tok_show(&t[1], show));
        z->has_default_ttl = true;
        return 0;
    }
    return fail(z, z->rec_line, "unsupported directive '%s'", tok_show(&t[0], show));
}

/* One logical line with tokens: a directive or a record. Returns 0, the
 * callback's value, or -1. */
static int record(struct zparser *z, int (*fn)(void *ctx, const struct zone_record *rec), void *ctx)
{
    const struct tok *t = z->t;
    size_t k = 0;
    char show[48];
    if (!z->blank_owner) {
        if (!t[0].quoted && t[0].len > 0 && t[0].p[0] == '$') return directive(z);
        char name[NAME_TEXT_MAX];
        long n = parse_name(z, &t[0], name);
        if (n < 0) return -1;
        if (!z->prev_owner || strcmp(z->prev_owner, name) != 0)
            z->prev_owner = arena_strndup(z->a, name, (size_t)n);
        k = 1;
    } else if (!z->prev_owner) {
        return fail(z, z->rec_line, "no owner name (line starts with a blank)");
    }

    long cls = CLASS_IN;
    bool have_class = false, have_ttl = false;
    uint32_t ttl = 0;
    while (k < z->nt && !t[k].quoted) {
        long c = parse_class(&t[k]);
        if (c >= 0) {
            if (have_class) return fail(z, z->rec_line, "two classes");
            have_class = true;
            cls = c;
        } else if (ch_is_digit((unsigned char)t[k].p[0])) {
            if (have_ttl) return fail(z, z->rec_line, "two TTLs");
            if (!parse_ttl(t[k].p, t[k].len, &ttl))
                return fail(z, z->rec_line, "bad TTL '%s'", tok_show(&t[k], show));
            have_ttl = true;
        } else {
            break;
        }
        k++;
    }
    if (k >= z->nt) return fail(z, z->rec_line, "missing type");
    int type = type_of(&t[k]);
    if (type < 0) return fail(z, z->rec_line, "unknown type '%s'", tok_show(&t[k], show));
    k++;
    if (cls != CLASS_IN) return 0; /* CH/HS/...: not ours to answer */

    if (have_ttl) {
        z->last_ttl = ttl;
        z->has_last_ttl = true;
    } else if (z->has_default_ttl) {
        ttl = z->default_ttl;
    } else if (z->has_last_ttl) {
        ttl = z->last_ttl;
    }
    struct zone_record rec;
    memset(&rec, 0, sizeof rec);
    rec.owner = z->prev_owner;
    rec.rr.type = (enum dns_type)type;
    rec.rr.ttl = ttl;
    if (parse_rdata(z, type, t + k, z->nt - k, &rec.rr) < 0) return -1;
    return fn(ctx, &rec);
}

int zone_parse(arena *a, const char *p, size_t len,
               int (*fn)(void *ctx, const struct zone_record *rec), void *ctx, char *err,
               size_t errlen)
{
    struct zparser z;
    memset(&z, 0, sizeof z);
    z.a = a;
    z.p = p;
    z.len = p ? len : 0;
    z.lineno = 1;
    z.err = err;
    z.errlen = errlen;
    if (err && errlen) err[0] = '\0';
    int rc = 0;
    for (;;) {
        int got = read_line(&z);
        if (got <= 0) {
            rc = got;
            goto out;
        }
        if (z.nt == 0) continue;
        rc = record(&z, fn, ctx);
        if (rc != 0) goto out;
    }
out:
    free(z.t);
    return rc;
}
