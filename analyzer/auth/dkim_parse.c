/* dkim_parse — the text layer of DKIM: tag-lists, DKIM-Signature values, key
 * records, header canonicalisation, base64, and the legacy DomainKey-Signature.
 * See dkim_parse.h for the contract.
 *
 * Owns nothing: results live in the caller's arena (canonical headers in the
 * caller's buf). One pass over the input per function; the only scans that
 * look back are the duplicate-tag check (at most DKIM_MAX_TAGS^2 short
 * compares) and the count of ':' in h= that sizes its array.
 *
 * Leniencies (what large receivers accept too): CR and LF count as folding
 * whitespace anywhere FWS is allowed (stored mail has bare LF line ends);
 * bytes >= 0x80 are accepted in tag values (RFC 8616 allows UTF-8 in i= and
 * d=); a d= (and an i= domain) with one trailing dot is accepted and the dot
 * dropped; a d= of one label is accepted; a=, c=, q=, k= compare
 * case-insensitively. Relaxed canonicalisation drops every CR and LF, also
 * a bare one that is not part of a fold.
 *
 * When a tag-list breaks half-way, the tags before the break are still
 * interpreted (a report can name d= and s= of a broken signature), but the
 * error is SYNTAX.
 *
 * Strictness, as RFC 6376 says: tag names are case-sensitive; an empty
 * tag-spec (";;", a leading ';') is a syntax error; a duplicate tag is a
 * syntax error; base64 must be padded and padding may only end the value.
 *
 * Does NOT: verify anything, fetch keys, check key sizes or that an ed25519
 * p= is 32 bytes (the verifier does), judge t=/x= against a clock. */
#include "auth/dkim_parse.h"

#include <stdint.h>
#include <string.h>

#define BAD_NAME_MAX 64 /* bytes of an unreadable tag name kept in .bad_tag */

static bool is_fws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_tag_char(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

/* VALCHAR (%x21-3A / %x3C-7E) plus 8-bit; ';' ends the value before we get here. */
static bool is_val_char(unsigned char c)
{
    return c >= 0x21 && c != 0x7f;
}

/* RFC 5322 ftext: printable ASCII except ':'. */
bool dkim_is_ftext(unsigned char c)
{
    return c >= 0x21 && c <= 0x7e && c != ':';
}

struct slice dkim_trim_fws(const char *p, size_t len)
{
    while (len && is_fws((unsigned char)*p)) {
        p++;
        len--;
    }
    while (len && is_fws((unsigned char)p[len - 1]))
        len--;
    return (struct slice){p, len};
}

static bool slice_is(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

static char *dup_lower(arena *a, const char *p, size_t len)
{
    char *s = arena_strndup(a, p, len);
    str_lower(s, len);
    return s;
}

/* Calls fn on each ':'-separated item of v, trimmed of FWS. */
static void each_item(struct slice v, void (*fn)(void *ctx, struct slice item), void *ctx)
{
    const char *p = v.p, *end = v.p + v.len;
    for (;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *stop = colon ? colon : end;
        fn(ctx, dkim_trim_fws(p, (size_t)(stop - p)));
        if (!colon) break;
        p = colon + 1;
    }
}

/* ---- tag-lists (§3.2) ---- */

/* Parses into caller-provided arrays of DKIM_MAX_TAGS. raw_start/raw_end
 * (optional) receive each value's untrimmed extent: from just after '=' to
 * the ';' or the end. On error the tags before the bad one stay in *n. */
static int taglist_scan(arena *a, const char *p, size_t len, struct dkim_tag *tags,
                        size_t *raw_start, size_t *raw_end, size_t *n, const char **bad)
{
    size_t i = 0, cnt = 0;
    *n = 0;
    *bad = NULL;
    for (;;) {
        while (i < len && is_fws((unsigned char)p[i]))
            i++;
        if (i == len) break; /* empty list, or a trailing ';' */
        size_t name_start = i;
        while (i < len && is_tag_char((unsigned char)p[i]))
            i++;
        struct slice name = {p + name_start, i - name_start};
        bool name_ok = name.len > 0 && ch_is_alpha((unsigned char)p[name_start]);
        while (i < len && is_fws((unsigned char)p[i]))
            i++;
        if (!name_ok || i == len || p[i] != '=') {
            /* report the whole token up to '=', ';' or FWS as the bad name */
            size_t e = name_start;
            while (e < len && p[e] != '=' && p[e] != ';' && !is_fws((unsigned char)p[e]))
                e++;
            size_t bl = e - name_start;
            *bad = arena_strndup(a, p + name_start, bl > BAD_NAME_MAX ? BAD_NAME_MAX : bl);
            return -1;
        }
        i++; /* '=' */
        size_t vstart = i;
        while (i < len && p[i] != ';') {
            unsigned char c = (unsigned char)p[i];
            if (!is_val_char(c) && !is_fws(c)) {
                *bad = arena_strndup(a, name.p, name.len);
                return -1;
            }
            i++;
        }
        size_t vend = i;
        if (i < len) i++; /* ';' */
        for (size_t k = 0; k < cnt; k++) {
            if (tags[k].name.len == name.len && memcmp(tags[k].name.p, name.p, name.len) == 0) {
                *bad = arena_strndup(a, name.p, name.len);
                return -1;
            }
        }
        if (cnt == DKIM_MAX_TAGS) {
            *bad = arena_strndup(a, name.p, name.len);
            return -1;
        }
        tags[cnt].name = name;
        tags[cnt].value = dkim_trim_fws(p + vstart, vend - vstart);
        if (raw_start) raw_start[cnt] = vstart;
        if (raw_end) raw_end[cnt] = vend;
        *n = ++cnt;
    }
    return 0;
}

/* On error, *tags and *n hold the tags read before the bad one. */
int dkim_taglist_parse(arena *a, const char *p, size_t len, struct dkim_tag **tags, size_t *n,
                       const char **bad)
{
    struct dkim_tag tmp[DKIM_MAX_TAGS];
    size_t cnt;
    const char *b;
    int rc = taglist_scan(a, p, len, tmp, NULL, NULL, &cnt, &b);
    *tags = cnt ? arena_memdup(a, tmp, cnt * sizeof tmp[0]) : NULL;
    *n = cnt;
    if (bad) *bad = b;
    return rc;
}

/* ---- base64 ---- */

/* 1 + the base64 value of a byte, B64_FWS for folding whitespace, B64_PAD
 * for '=', 0 (B64_BAD) otherwise: one table lookup per byte (b= is hundreds
 * of bytes and is decoded for every signature verified). */
enum { B64_BAD = 0, B64_FWS = 65, B64_PAD = 66 };
static const unsigned char b64_table[256] = {
    [' '] = B64_FWS, ['\t'] = B64_FWS, ['\r'] = B64_FWS, ['\n'] = B64_FWS, ['='] = B64_PAD,
    ['A'] = 1,       ['B'] = 2,        ['C'] = 3,        ['D'] = 4,        ['E'] = 5,
    ['F'] = 6,       ['G'] = 7,        ['H'] = 8,        ['I'] = 9,        ['J'] = 10,
    ['K'] = 11,      ['L'] = 12,       ['M'] = 13,       ['N'] = 14,       ['O'] = 15,
    ['P'] = 16,      ['Q'] = 17,       ['R'] = 18,       ['S'] = 19,       ['T'] = 20,
    ['U'] = 21,      ['V'] = 22,       ['W'] = 23,       ['X'] = 24,       ['Y'] = 25,
    ['Z'] = 26,      ['a'] = 27,       ['b'] = 28,       ['c'] = 29,       ['d'] = 30,
    ['e'] = 31,      ['f'] = 32,       ['g'] = 33,       ['h'] = 34,       ['i'] = 35,
    ['j'] = 36,      ['k'] = 37,       ['l'] = 38,       ['m'] = 39,       ['n'] = 40,
    ['o'] = 41,      ['p'] = 42,       ['q'] = 43,       ['r'] = 44,       ['s'] = 45,
    ['t'] = 46,      ['u'] = 47,       ['v'] = 48,       ['w'] = 49,       ['x'] = 50,
    ['y'] = 51,      ['z'] = 52,       ['0'] = 53,       ['1'] = 54,       ['2'] = 55,
    ['3'] = 56,      ['4'] = 57,       ['5'] = 58,       ['6'] = 59,       ['7'] = 60,
    ['8'] = 61,      ['9'] = 62,       ['+'] = 63,       ['/'] = 64,
};

unsigned char *dkim_b64_decode(arena *a, const char *p, size_t len, size_t max, size_t *out_len)
{
    /* len/4*3+2 bounds the output (FWS only shrinks it); never allocate past max */
    size_t cap = len / 4 * 3 + 3;
    if (cap > max) cap = max;
    unsigned char *out = arena_alloc(a, cap ? cap : 1);
    size_t o = 0;
    uint32_t acc = 0;
    unsigned nacc = 0, npad = 0;
    *out_len = 0;
    for (size_t i = 0; i < len; i++) {
        if (nacc == 0 && npad == 0 && i + 4 <= len && o + 3 <= max) {
            /* fast path: four alphabet bytes decode to three at once */
            unsigned a0 = b64_table[(unsigned char)p[i]] - 1u,
                     a1 = b64_table[(unsigned char)p[i + 1]] - 1u,
                     a2 = b64_table[(unsigned char)p[i + 2]] - 1u,
                     a3 = b64_table[(unsigned char)p[i + 3]] - 1u;
            if ((a0 | a1 | a2 | a3) < 64u) {
                uint32_t q = a0 << 18 | a1 << 12 | a2 << 6 | a3;
                out[o++] = (unsigned char)(q >> 16);
                out[o++] = (unsigned char)(q >> 8);
                out[o++] = (unsigned char)q;
                i += 3;
                continue;
            }
        }
        unsigned v = b64_table[(unsigned char)p[i]];
        if (v - 1u < 64u) {
            if (npad) return NULL; /* data after padding */
            acc = (acc << 6) | (v - 1u);
            if (++nacc == 4) {
                if (o + 3 > max) return NULL;
                out[o++] = (unsigned char)(acc >> 16);
                out[o++] = (unsigned char)(acc >> 8);
                out[o++] = (unsigned char)acc;
                acc = 0;
                nacc = 0;
            }
            continue;
        }
        if (v == B64_FWS) continue;
        if (v != B64_PAD || ++npad > 2) return NULL;
    }
    if (npad) {
        if (nacc + npad != 4) return NULL;
        size_t k = nacc == 2 ? 1 : 2;
        if (o + k > max) return NULL;
        if (nacc == 2) {
            out[o++] = (unsigned char)(acc >> 4);
        } else {
            out[o++] = (unsigned char)(acc >> 10);
            out[o++] = (unsigned char)(acc >> 2);
        }
    } else if (nacc != 0) {
        return NULL; /* unpadded tail */
    }
    *out_len = o;
    return out;
}

/* ---- shared value syntax ---- */

/* 1..76 digits (§3.5); past cap the value is clamped. */
bool dkim_number(struct slice v, uint64_t cap, uint64_t *out)
{
    if (v.len == 0 || v.len > 76) return false;
    uint64_t n = 0;
    bool clamped = false;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.p[i];
        if (!ch_is_digit(c)) return false;
        if (clamped) continue;
        uint64_t d = (uint64_t)(c - '0');
        if (n > (cap - d) / 10) {
            n = cap;
            clamped = true;
        } else {
            n = n * 10 + d;
        }
    }
    *out = n;
    return true;
}

/* Dot-separated labels of letters, digits, '-', '_' or 8-bit bytes (U-labels);
 * no empty label. Used for d=, s= and the domain of i=. */
static bool domain_is_valid(const char *p, size_t len)
{
    if (len == 0) return false;
    size_t label = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '.') {
            if (label == 0) return false;
            label = 0;
            continue;
        }
        if (!ch_is_alnum(c) && c != '-' && c != '_' && c < 0x80) return false;
        label++;
    }
    return label > 0;
}

/* Lowercased copy without one trailing dot; NULL when not a valid name. */
static const char *domain_dup(arena *a, struct slice v)
{
    size_t len = v.len;
    if (len > 1 && v.p[len - 1] == '.') len--;
    if (!domain_is_valid(v.p, len)) return NULL;
    return dup_lower(a, v.p, len);
}

/* ---- DKIM-Signature (§3.5) ---- */

struct sig_ctx {
    arena *a;
    struct dkim_sig *out;
    unsigned errs; /* bit (1u << dkim_sig_error) for each semantic error found */
    bool has_dns_txt;
};

#define ERR_BIT(e) (1u << (unsigned)(e))

static bool sig_v(struct sig_ctx *c, struct slice v)
{
    c->out->version = arena_strndup(c->a, v.p, v.len);
    if (!slice_is(v, "1")) c->errs |= ERR_BIT(DKIM_SIG_VERSION);
    return true;
}

static const struct {
    const char *name;
    enum dkim_alg alg;
} sig_algs[] = {
    {"rsa-sha256", DKIM_ALG_RSA_SHA256},
    {"rsa-sha1", DKIM_ALG_RSA_SHA1},
    {"ed25519-sha256", DKIM_ALG_ED25519_SHA256},
};

static bool sig_a(struct sig_ctx *c, struct slice v)
{
    c->out->alg_text = arena_strndup(c->a, v.p, v.len);
    for (size_t i = 0; i < sizeof sig_algs / sizeof sig_algs[0]; i++) {
        if (str_eq_ci(v.p, v.len, sig_algs[i].name)) {
            c->out->alg = sig_algs[i].alg;
            return true;
        }
    }
    c->errs |= ERR_BIT(DKIM_SIG_ALGORITHM);
    return true;
}

static bool sig_b(struct sig_ctx *c, struct slice v)
{
    c->out->b = dkim_b64_decode(c->a, v.p, v.len, DKIM_MAX_B, &c->out->b_len);
    return c->out->b && c->out->b_len > 0;
}

static bool sig_bh(struct sig_ctx *c, struct slice v)
{
    c->out->bh = dkim_b64_decode(c->a, v.p, v.len, DKIM_MAX_B, &c->out->bh_len);
    return c->out->bh && c->out->bh_len > 0;
}

bool dkim_canon_from_name(const char *p, size_t len, enum dkim_canon *out)
{
    if (str_eq_ci(p, len, "simple")) {
        *out = DKIM_CANON_SIMPLE;
        return true;
    }
    if (str_eq_ci(p, len, "relaxed")) {
        *out = DKIM_CANON_RELAXED;
        return true;
    }
    return false;
}

static bool sig_c(struct sig_ctx *c, struct slice v)
{
    static const char *const texts[2][2] = {{"simple/simple", "simple/relaxed"},
                                            {"relaxed/simple", "relaxed/relaxed"}};
    const char *slash = memchr(v.p, '/', v.len);
    size_t hl = slash ? (size_t)(slash - v.p) : v.len;
    enum dkim_canon h = DKIM_CANON_SIMPLE, b = DKIM_CANON_SIMPLE;
    bool ok = dkim_canon_from_name(v.p, hl, &h);
    if (ok && slash) ok = dkim_canon_from_name(slash + 1, v.len - hl - 1, &b);
    if (!ok) {
        c->out->canon_text = dup_lower(c->a, v.p, v.len);
        c->errs |= ERR_BIT(DKIM_SIG_CANON);
        return true;
    }
    c->out->hcanon = h;
    c->out->bcanon = b;
    c->out->canon_text = texts[h][b];
    return true;
}

static bool sig_d(struct sig_ctx *c, struct slice v)
{
    c->out->domain = domain_dup(c->a, v);
    return c->out->domain != NULL;
}

static bool sig_s(struct sig_ctx *c, struct slice v)
{
    if (!domain_is_valid(v.p, v.len)) return false;
    c->out->selector = dup_lower(c->a, v.p, v.len);
    return true;
}

/* h=: ':'-separated field names, FWS around each; at most DKIM_MAX_H. */
static bool sig_h(struct sig_ctx *c, struct slice v)
{
    size_t count = 1;
    for (const char *q = v.p, *end = v.p + v.len; (q = memchr(q, ':', (size_t)(end - q))); q++)
        if (++count > DKIM_MAX_H) return false;
    struct slice *names = arena_alloc(c->a, count * sizeof *names);
    size_t n = 0;
    const char *p = v.p, *end = v.p + v.len;
    for (;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *stop = colon ? colon : end;
        struct slice name = dkim_trim_fws(p, (size_t)(stop - p));
        if (name.len == 0) return false;
        for (size_t i = 0; i < name.len; i++)
            if (!dkim_is_ftext((unsigned char)name.p[i])) return false;
        names[n++] = name;
        if (!colon) break;
        p = colon + 1;
    }
    c->out->h = names;
    c->out->nh = n;
    return true;
}

/* i=: dkim-quoted-printable ("=XX" escapes, FWS dropped), then
 * [local-part] "@" domain. A decoded NUL is refused (auid is a C string). */
static bool sig_i(struct sig_ctx *c, struct slice v)
{
    char *d = arena_alloc(c->a, v.len + 1);
    size_t o = 0;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char ch = (unsigned char)v.p[i];
        if (is_fws(ch)) continue;
        if (ch == '=') {
            if (v.len - i < 3) return false;
            int hi = ch_hexval((unsigned char)v.p[i + 1]),
                lo = ch_hexval((unsigned char)v.p[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0) return false;
            d[o++] = (char)(hi << 4 | lo);
            i += 2;
            continue;
        }
        d[o++] = (char)ch;
    }
    d[o] = '\0';
    c->out->auid = d;
    size_t at = o;
    while (at > 0 && d[at - 1] != '@')
        at--;
    if (at == 0) return false; /* no '@' */
    c->out->auid_domain = domain_dup(c->a, (struct slice){d + at, o - at});
    return c->out->auid_domain != NULL;
}

static bool sig_l(struct sig_ctx *c, struct slice v)
{
    c->out->has_l = dkim_number(v, UINT64_MAX, &c->out->l);
    return c->out->has_l;
}

static bool sig_t(struct sig_ctx *c, struct slice v)
{
    uint64_t n = 0;
    c->out->has_t = dkim_number(v, INT64_MAX, &n);
    c->out->t = (int64_t)n;
    return c->out->has_t;
}

static bool sig_x(struct sig_ctx *c, struct slice v)
{
    uint64_t n = 0;
    c->out->has_x = dkim_number(v, INT64_MAX, &n);
    c->out->x = (int64_t)n;
    return c->out->has_x;
}

static void q_item(void *ctx, struct slice item)
{
    if (str_eq_ci(item.p, item.len, "dns/txt")) ((struct sig_ctx *)ctx)->has_dns_txt = true;
}

static bool sig_q(struct sig_ctx *c, struct slice v)
{
    c->out->q = arena_strndup(c->a, v.p, v.len);
    each_item(v, q_item, c);
    if (!c->has_dns_txt) c->errs |= ERR_BIT(DKIM_SIG_QUERY);
    return true;
}

/* The tags we read, in the order their value errors are looked for; a
 * handler returns false for a SYNTAX error in its tag. z= is not read. */
enum sig_tag_id {
    ST_V,
    ST_A,
    ST_B,
    ST_BH,
    ST_C,
    ST_D,
    ST_H,
    ST_I,
    ST_L,
    ST_Q,
    ST_S,
    ST_T,
    ST_X,
    ST_COUNT
};

static const struct {
    const char *name;
    bool required;
    bool (*fn)(struct sig_ctx *c, struct slice v);
} sig_tags[ST_COUNT] = {
    [ST_V] = {"v", true, sig_v},    /* version, "1" */
    [ST_A] = {"a", true, sig_a},    /* algorithm */
    [ST_B] = {"b", true, sig_b},    /* signature, base64 */
    [ST_BH] = {"bh", true, sig_bh}, /* body hash, base64 */
    [ST_C] = {"c", false, sig_c},   /* canonicalisation, default simple/simple */
    [ST_D] = {"d", true, sig_d},    /* signing domain (SDID) */
    [ST_H] = {"h", true, sig_h},    /* signed header fields */
    [ST_I] = {"i", false, sig_i},   /* AUID, dkim-quoted-printable */
    [ST_L] = {"l", false, sig_l},   /* body length */
    [ST_Q] = {"q", false, sig_q},   /* query methods */
    [ST_S] = {"s", true, sig_s},    /* selector */
    [ST_T] = {"t", false, sig_t},   /* signing time */
    [ST_X] = {"x", false, sig_x},   /* expiry */
};

/* Which error is reported when several apply: the list's own syntax, then
 * the version (a v=2 signature may mean other tags), then missing tags, then
 * value syntax, then the semantic checks. */
static const enum dkim_sig_error sig_error_order[] = {
    DKIM_SIG_VERSION, DKIM_SIG_MISSING_TAG, DKIM_SIG_SYNTAX, DKIM_SIG_ALGORITHM,    DKIM_SIG_CANON,
    DKIM_SIG_QUERY,   DKIM_SIG_NO_FROM,     DKIM_SIG_AUID,   DKIM_SIG_EXPIRY_ORDER,
};

static int sig_tag_lookup(struct slice name)
{
    for (int i = 0; i < ST_COUNT; i++)
        if (slice_is(name, sig_tags[i].name)) return i;
    return -1;
}

/* auid_domain is d= or a subdomain of it (both lowercased, no trailing dot). */
static bool auid_within(const char *auid_domain, const char *domain)
{
    size_t al = strlen(auid_domain), dl = strlen(domain);
    if (al == dl) return memcmp(auid_domain, domain, dl) == 0;
    return al > dl && auid_domain[al - dl - 1] == '.' &&
           memcmp(auid_domain + al - dl, domain, dl) == 0;
}

enum dkim_sig_error dkim_sig_parse(arena *a, const char *raw, size_t raw_len, size_t value_off,
                                   struct dkim_sig *out)
{
    memset(out, 0, sizeof *out);
    out->hcanon = out->bcanon = DKIM_CANON_SIMPLE;
    out->canon_text = "simple/simple";
    if (value_off > raw_len) value_off = raw_len;

    struct dkim_tag tags[DKIM_MAX_TAGS];
    size_t rs[DKIM_MAX_TAGS], re[DKIM_MAX_TAGS], n;
    const char *list_bad;
    int list_rc =
        taglist_scan(a, raw + value_off, raw_len - value_off, tags, rs, re, &n, &list_bad);

    int slot[ST_COUNT];
    for (int i = 0; i < ST_COUNT; i++)
        slot[i] = -1;
    for (size_t k = 0; k < n; k++) {
        int id = sig_tag_lookup(tags[k].name);
        if (id >= 0) slot[id] = (int)k;
    }

    struct sig_ctx c = {.a = a, .out = out};
    const char *syntax_tag = NULL, *missing_tag = NULL;
    for (int i = 0; i < ST_COUNT; i++) {
        if (slot[i] < 0) {
            if (sig_tags[i].required && !missing_tag) missing_tag = sig_tags[i].name;
            continue;
        }
        if (!sig_tags[i].fn(&c, tags[slot[i]].value) && !syntax_tag) syntax_tag = sig_tags[i].name;
    }
    if (slot[ST_B] >= 0) {
        out->b_off = value_off + rs[slot[ST_B]];
        out->b_len_raw = re[slot[ST_B]] - rs[slot[ST_B]];
    }
    if (syntax_tag) c.errs |= ERR_BIT(DKIM_SIG_SYNTAX);
    if (missing_tag) c.errs |= ERR_BIT(DKIM_SIG_MISSING_TAG);

    if (out->h) {
        bool from = false;
        for (size_t i = 0; i < out->nh && !from; i++)
            from = str_eq_ci(out->h[i].p, out->h[i].len, "from");
        if (!from) c.errs |= ERR_BIT(DKIM_SIG_NO_FROM);
    }
    if (out->auid_domain && out->domain && !auid_within(out->auid_domain, out->domain))
        c.errs |= ERR_BIT(DKIM_SIG_AUID);
    if (out->has_t && out->has_x && out->x < out->t) c.errs |= ERR_BIT(DKIM_SIG_EXPIRY_ORDER);

    if (list_rc != 0) {
        out->error = DKIM_SIG_SYNTAX;
        out->bad_tag = list_bad;
        return out->error;
    }
    for (size_t i = 0; i < sizeof sig_error_order / sizeof sig_error_order[0]; i++) {
        enum dkim_sig_error e = sig_error_order[i];
        if (!(c.errs & ERR_BIT(e))) continue;
        out->error = e;
        if (e == DKIM_SIG_SYNTAX) out->bad_tag = syntax_tag;
        if (e == DKIM_SIG_MISSING_TAG) out->bad_tag = missing_tag;
        break;
    }
    return out->error;
}

const char *dkim_sig_error_text(enum dkim_sig_error e)
{
    switch (e) {
    case DKIM_SIG_OK:
        return "ok";
    case DKIM_SIG_SYNTAX:
        return "syntax error";
    case DKIM_SIG_MISSING_TAG:
        return "missing tag";
    case DKIM_SIG_VERSION:
        return "unsupported version";
    case DKIM_SIG_ALGORITHM:
        return "unsupported algorithm";
    case DKIM_SIG_CANON:
        return "unsupported canonicalization";
    case DKIM_SIG_NO_FROM:
        return "From not signed";
    case DKIM_SIG_AUID:
        return "i= not within d=";
    case DKIM_SIG_QUERY:
        return "unsupported query method";
    case DKIM_SIG_EXPIRY_ORDER:
        return "x= before t=";
    }
    return "unknown error";
}

/* ---- key records (§3.6.1, RFC 8463) ---- */

struct key_ctx {
    arena *a;
    struct dkim_key *out;
    unsigned errs; /* bit (1u << dkim_key_error) */
};

static void key_hash_item(void *ctx, struct slice item)
{
    struct dkim_key *k = ctx;
    if (str_eq_ci(item.p, item.len, "sha1")) k->hashes |= DKIM_HASH_SHA1;
    if (str_eq_ci(item.p, item.len, "sha256")) k->hashes |= DKIM_HASH_SHA256;
}

static void key_service_item(void *ctx, struct slice item)
{
    struct dkim_key *k = ctx;
    if (slice_is(item, "*") || str_eq_ci(item.p, item.len, "email")) k->service_email = true;
}

static void key_flag_item(void *ctx, struct slice item)
{
    struct dkim_key *k = ctx;
    if (str_eq_ci(item.p, item.len, "y")) k->testing = true;
    if (str_eq_ci(item.p, item.len, "s")) k->strict = true;
}

static void key_v(struct key_ctx *c, struct slice v)
{
    if (!slice_is(v, "DKIM1")) c->errs |= ERR_BIT(DKIM_KEY_VERSION);
}

static void key_h(struct key_ctx *c, struct slice v)
{
    c->out->hash_listed = true;
    c->out->hashes = 0;
    each_item(v, key_hash_item, c->out);
}

static void key_k(struct key_ctx *c, struct slice v)
{
    c->out->key_type = dup_lower(c->a, v.p, v.len);
    if (!str_eq_ci(v.p, v.len, "rsa") && !str_eq_ci(v.p, v.len, "ed25519"))
        c->errs |= ERR_BIT(DKIM_KEY_TYPE);
}

static void key_n(struct key_ctx *c, struct slice v)
{
    c->out->notes = arena_strndup(c->a, v.p, v.len);
}

static void key_p(struct key_ctx *c, struct slice v)
{
    if (v.len == 0) {
        c->errs |= ERR_BIT(DKIM_KEY_REVOKED);
        return;
    }
    c->out->p = dkim_b64_decode(c->a, v.p, v.len, DKIM_MAX_B, &c->out->p_len);
    if (!c->out->p || c->out->p_len == 0) {
        c->out->p = NULL;
        c->out->p_len = 0;
        c->errs |= ERR_BIT(DKIM_KEY_BASE64);
    }
}

static void key_s(struct key_ctx *c, struct slice v)
{
    c->out->service_email = false;
    each_item(v, key_service_item, c->out);
}

static void key_t(struct key_ctx *c, struct slice v)
{
    each_item(v, key_flag_item, c->out);
}

static const struct {
    const char *name;
    void (*fn)(struct key_ctx *c, struct slice v);
} key_tags[] = {
    {"v", key_v}, {"h", key_h}, {"k", key_k}, {"n", key_n},
    {"p", key_p}, {"s", key_s}, {"t", key_t},
};

enum dkim_key_error dkim_key_parse(arena *a, const char *txt, size_t len, struct dkim_key *out)
{
    memset(out, 0, sizeof *out);
    out->key_type = "rsa";
    out->hashes = DKIM_HASH_SHA1 | DKIM_HASH_SHA256;
    out->service_email = true;

    struct dkim_tag tags[DKIM_MAX_TAGS];
    size_t n;
    const char *bad;
    int rc = taglist_scan(a, txt, len, tags, NULL, NULL, &n, &bad);

    struct key_ctx c = {.a = a, .out = out};
    bool has_p = false;
    for (size_t k = 0; k < n; k++) {
        if (slice_is(tags[k].name, "v") && k != 0) c.errs |= ERR_BIT(DKIM_KEY_VERSION);
        if (slice_is(tags[k].name, "p")) has_p = true;
        for (size_t i = 0; i < sizeof key_tags / sizeof key_tags[0]; i++) {
            if (slice_is(tags[k].name, key_tags[i].name)) {
                key_tags[i].fn(&c, tags[k].value);
                break;
            }
        }
    }
    if (!has_p) c.errs |= ERR_BIT(DKIM_KEY_NO_P);

    if (rc != 0) {
        out->error = DKIM_KEY_SYNTAX;
        out->bad_tag = bad;
        return out->error;
    }
    /* the enum's order is the order of §6.1.2's checks */
    for (unsigned e = DKIM_KEY_VERSION; e <= DKIM_KEY_BASE64; e++) {
        if (c.errs & ERR_BIT(e)) {
            out->error = (enum dkim_key_error)e;
            break;
        }
    }
    return out->error;
}

const char *dkim_key_error_text(enum dkim_key_error e)
{
    switch (e) {
    case DKIM_KEY_OK:
        return "ok";
    case DKIM_KEY_SYNTAX:
        return "key record syntax error";
    case DKIM_KEY_VERSION:
        return "unsupported key record version";
    case DKIM_KEY_TYPE:
        return "unsupported key type";
    case DKIM_KEY_NO_P:
        return "no p= tag";
    case DKIM_KEY_REVOKED:
        return "key revoked";
    case DKIM_KEY_BASE64:
        return "p= is not base64";
    }
    return "unknown error";
}

/* ---- header canonicalisation (§3.4.1, §3.4.2) ---- */

/* simple: the bytes as they are, but a LF not preceded by CR becomes CRLF
 * (storage with bare LF line ends). `prev` carries the byte before seg
 * across the skip range. */
static void canon_simple(struct buf *out, struct slice seg, unsigned char *prev)
{
    if (seg.len == 0) return;
    const char *p = seg.p, *end = seg.p + seg.len, *run = p;
    while (p < end) {
        const char *lf = memchr(p, '\n', (size_t)(end - p));
        if (!lf) break;
        unsigned char before = lf > seg.p ? (unsigned char)lf[-1] : *prev;
        if (before != '\r') {
            buf_append(out, run, (size_t)(lf - run));
            buf_append(out, "\r\n", 2);
            run = lf + 1;
        }
        p = lf + 1;
    }
    buf_append(out, run, (size_t)(end - run));
    *prev = (unsigned char)seg.p[seg.len - 1];
}

struct relaxed_state {
    bool in_value; /* past the first ':' */
    bool pending;  /* WSP seen since the last byte written */
    bool any;      /* a byte was written in the current part (name or value) */
};

/* relaxed: every CR and LF removed (unfolding), WSP runs to one SP, WSP
 * around the name and at both ends of the value dropped, name lowercased.
 * Writes at w (room for seg.len bytes); returns the new end. */
static char *canon_relaxed(char *w, struct slice seg, struct relaxed_state *st)
{
    for (size_t i = 0; i < seg.len; i++) {
        unsigned char c = (unsigned char)seg.p[i];
        if (st->in_value && c > ' ' && c != 0x7f) {
            /* a run of value bytes that need nothing: copied as they are */
            if (st->pending) *w++ = ' ';
            st->pending = false;
            st->any = true;
            size_t j = i + 1;
            while (j < seg.len && (unsigned char)seg.p[j] > ' ' && seg.p[j] != 0x7f)
                j++;
            memcpy(w, seg.p + i, j - i);
            w += j - i;
            i = j - 1;
            continue;
        }
        if (c == '\r' || c == '\n') continue;
        if (ch_is_wsp(c)) {
            if (st->any) st->pending = true;
            continue;
        }
        if (!st->in_value && c == ':') {
            *w++ = ':';
            st->in_value = true;
            st->pending = st->any = false;
            continue;
        }
        if (st->pending) *w++ = ' ';
        *w++ = st->in_value ? (char)c : (char)ch_lower(c);
        st->pending = false;
        st->any = true;
    }
    return w;
}

void dkim_canon_header(struct buf *out, enum dkim_canon c, const char *raw, size_t raw_len,
                       size_t skip_off, size_t skip_len, bool final)
{
    if (skip_off > raw_len) skip_off = raw_len;
    if (skip_len > raw_len - skip_off) skip_len = raw_len - skip_off;
    struct slice seg[2] = {{raw, skip_off},
                           {raw + skip_off + skip_len, raw_len - skip_off - skip_len}};
    if (c == DKIM_CANON_RELAXED) {
        /* the output is never longer than the input plus a ':' it may lack */
        char *w0 = buf_reserve(out, raw_len + 1), *w = w0;
        struct relaxed_state st = {0};
        w = canon_relaxed(w, seg[0], &st);
        w = canon_relaxed(w, seg[1], &st);
        if (!st.in_value) *w++ = ':'; /* no colon at all: all of it was the name */
        size_t n = (size_t)(w - w0);
        if (out->limit && out->len + n > out->limit)
            out->toobig = true;
        else
            out->len += n;
    } else {
        unsigned char prev = 0;
        canon_simple(out, seg[0], &prev);
        canon_simple(out, seg[1], &prev);
    }
    if (!final) buf_append(out, "\r\n", 2);
}

/* ---- DomainKey-Signature (RFC 4870) ---- */

int domainkey_sig_parse(arena *a, const char *value, size_t len, struct domainkey_sig *out)
{
    memset(out, 0, sizeof *out);
    struct dkim_tag tags[DKIM_MAX_TAGS];
    size_t n;
    const char *bad;
    (void)taglist_scan(a, value, len, tags, NULL, NULL, &n, &bad); /* use what was readable */
    for (size_t k = 0; k < n; k++) {
        struct slice v = tags[k].value;
        if (slice_is(tags[k].name, "d"))
            out->domain = domain_dup(a, v);
        else if (slice_is(tags[k].name, "s") && domain_is_valid(v.p, v.len))
            out->selector = dup_lower(a, v.p, v.len);
        else if (slice_is(tags[k].name, "a"))
            out->alg = arena_strndup(a, v.p, v.len);
    }
    return out->domain && out->selector ? 0 : -1;
}

void dkim_signed_header_data(struct buf *out, arena *a, enum dkim_canon c,
                             const struct hdr_block *hb, const struct slice *h, size_t nh,
                             const struct hdr_field *self, size_t skip_off, size_t skip_len)
{
    buf_reset(out);
    /* used[i]: field i already taken by an earlier name of h */
    bool *used = arena_zalloc(a, hb->n ? hb->n : 1);
    for (size_t k = 0; k < nh; k++) {
        struct slice nm = h[k];
        for (size_t i = hb->n; i-- > 0;) {
            const struct hdr_field *f = &hb->f[i];
            if (used[i] || f->name.len != nm.len) continue;
            bool eq = true;
            for (size_t j = 0; j < nm.len && eq; j++)
                eq = ch_lower((unsigned char)f->name.p[j]) == ch_lower((unsigned char)nm.p[j]);
            if (!eq) continue;
            used[i] = true;
            dkim_canon_header(out, c, f->raw.p, f->raw.len, 0, 0, false);
            break;
        }
    }
    dkim_canon_header(out, c, self->raw.p, self->raw.len, skip_off, skip_len, true);
}
