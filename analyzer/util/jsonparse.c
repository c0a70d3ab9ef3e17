/* jsonparse — see jsonparse.h.
 *
 * A recursive-descent reader; recursion is bounded by JSONP_MAX_DEPTH (a
 * container opened at depth 65 is an error), so the C stack stays small.
 * Children of the containers being read are collected on one scratch stack
 * (malloc'd, freed before returning) and copied to the arena in one exact-size
 * block when their container closes, so the arena holds no abandoned arrays.
 *
 * Strings: the closing quote is found first, then the bytes are decoded into
 * an arena block of the raw length (an escape never decodes longer than it is
 * written). Raw bytes must be valid UTF-8 (no overlongs, no surrogates) and
 * not control characters; \uD800-\uDBFF must be followed by \uDC00-\uDFFF.
 * Numbers: the RFC 8259 grammar exactly; the value is converted with strtod
 * (the program never calls setlocale, so the decimal point is '.'); "1e400"
 * is +inf as in most readers. Errors name the 1-based line and byte column. */
#include "util/jsonparse.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xalloc.h"

struct parser {
    const char *p;
    size_t len, pos;
    arena *a;
    /* scratch: children of the open containers, and object keys */
    struct jv *stk;
    size_t n_stk, cap_stk;
    const char **keys;
    size_t *key_lens;
    size_t n_keys, cap_keys, cap_key_lens;
    size_t n_nodes;
    char *err;
    size_t errlen;
};

/* Record an error at byte offset `at` (only the first error is kept). */
static bool fail(struct parser *ps, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct parser *ps, size_t at, const char *fmt, ...)
{
    if (!ps->err || ps->errlen == 0 || ps->err[0]) return false;
    size_t line = 1, col = 1;
    if (at > ps->len) at = ps->len;
    for (size_t i = 0; i < at; i++) {
        if (ps->p[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    int n = snprintf(ps->err, ps->errlen, "line %zu, column %zu: ", line, col);
    if (n < 0 || (size_t)n >= ps->errlen) return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return false;
}

static void skip_ws(struct parser *ps)
{
    while (ps->pos < ps->len) {
        char c = ps->p[ps->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
        ps->pos++;
    }
}

static int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int h = ch_hexval((unsigned char)p[i]);
        if (h < 0) return -1;
        v = v << 4 | h;
    }
    return v;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* A string starting at the opening quote at ps->pos; on success the decoded
 * bytes (NUL-terminated, in the arena) and ps->pos after the closing quote. */
static bool parse_string(struct parser *ps, const char **out, size_t *out_len)
{
    const char *p = ps->p;
    size_t start = ps->pos + 1, end = start;
    bool escaped = false;
    /* find the closing quote, validating raw bytes on the way */
    while (end < ps->len) {
        unsigned char c = (unsigned char)p[end];
        if (c == '"') break;
        if (c == '\\') {
            escaped = true;
            end += 2;
            continue;
        }
        if (c < 0x20) return fail(ps, end, "control character 0x%02x in string", c);
        if (c < 0x80) {
            end++;
            continue;
        }
        size_t n = str_utf8_seqlen((const unsigned char *)p + end, ps->len - end);
        if (n == 0) return fail(ps, end, "invalid UTF-8 in string");
        end += n;
    }
    if (end >= ps->len) return fail(ps, ps->pos, "unterminated string");
    size_t raw_len = end - start;
    if (!escaped) {
        *out = arena_strndup(ps->a, p + start, raw_len);
        *out_len = raw_len;
        ps->pos = end + 1;
        return true;
    }
    char *o = arena_alloc(ps->a, raw_len + 1);
    size_t n = 0;
    for (size_t i = start; i < end;) {
        unsigned char c = (unsigned char)p[i];
        if (c != '\\') {
            o[n++] = (char)c;
            i++;
            continue;
        }
        /* the scan above guarantees a byte after the backslash before end */
        char e = p[i + 1];
        switch (e) {
        case '"':
            o[n++] = '"';
            break;
        case '\\':
            o[n++] = '\\';
            break;
        case '/':
            o[n++] = '/';
            break;
        case 'b':
            o[n++] = '\b';
            break;
        case 'f':
            o[n++] = '\f';
            break;
        case 'n':
            o[n++] = '\n';
            break;
        case 'r':
            o[n++] = '\r';
            break;
        case 't':
            o[n++] = '\t';
            break;
        case 'u': {
            int hi = end - i >= 6 ? hex4(p + i + 2) : -1;
            if (hi < 0) return fail(ps, i, "bad \\u escape");
            unsigned cp = (unsigned)hi;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return fail(ps, i, "lone low surrogate \\u%04X", cp);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo =
                    (end - i >= 12 && p[i + 6] == '\\' && p[i + 7] == 'u') ? hex4(p + i + 8) : -1;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return fail(ps, i, "high surrogate \\u%04X not followed by a low one", cp);
                cp = 0x10000 + ((cp - 0xD800) << 10) + ((unsigned)lo - 0xDC00);
                i += 6;
            }
            n += put_utf8(o + n, cp);
            i += 6;
            continue;
        }
        default:
            return fail(ps, i, "bad escape '\\%c'",
                        (unsigned char)e >= 0x20 && (unsigned char)e < 0x7f ? e : '?');
        }
        i += 2;
    }
    o[n] = '\0';
    *out = o;
    *out_len = n;
    ps->pos = end + 1;
    return true;
}

static bool parse_number(struct parser *ps, struct jv *v)
{
    const char *p = ps->p;
    size_t i = ps->pos, len = ps->len, start = i;
    bool neg = false, integral = true;
    if (i < len && p[i] == '-') {
        neg = true;
        i++;
    }
    if (i >= len || !ch_is_digit((unsigned char)p[i])) return fail(ps, i, "bad number");
    /* magnitude accumulated as unsigned; overflow leaves is_int false */
    uint64_t mag = 0;
    bool fits = true;
    if (p[i] == '0') {
        i++;
        if (i < len && ch_is_digit((unsigned char)p[i]))
            return fail(ps, i, "leading zero in number");
    } else {
        while (i < len && ch_is_digit((unsigned char)p[i])) {
            unsigned d = (unsigned)(p[i] - '0');
            if (mag > (UINT64_MAX - d) / 10)
                fits = false;
            else
                mag = mag * 10 + d;
            i++;
        }
    }
    if (i < len && p[i] == '.') {
        integral = false;
        i++;
        if (i >= len || !ch_is_digit((unsigned char)p[i]))
            return fail(ps, i, "expected a digit after '.'");
        while (i < len && ch_is_digit((unsigned char)p[i]))
            i++;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        integral = false;
        i++;
        if (i < len && (p[i] == '+' || p[i] == '-')) i++;
        if (i >= len || !ch_is_digit((unsigned char)p[i]))
            return fail(ps, i, "expected a digit in the exponent");
        while (i < len && ch_is_digit((unsigned char)p[i]))
            i++;
    }
    char *s = arena_strndup(ps->a, p + start, i - start);
    v->type = JV_NUMBER;
    v->s = s;
    v->len = i - start;
    if (integral && fits && mag <= (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        v->is_int = true;
        v->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
        v->num = (double)v->i;
    } else {
        v->num = strtod(s, NULL);
    }
    ps->pos = i;
    return true;
}

static void push(struct parser *ps, const struct jv *v)
{
    if (ps->n_stk == ps->cap_stk) ps->stk = xgrow(ps->stk, &ps->cap_stk, ps->n_stk + 1, sizeof *v);
    ps->stk[ps->n_stk++] = *v;
}

static void push_key(struct parser *ps, const char *k, size_t klen)
{
    if (ps->n_keys == ps->cap_keys) {
        ps->keys = xgrow(ps->keys, &ps->cap_keys, ps->n_keys + 1, sizeof *ps->keys);
        ps->key_lens = xgrow(ps->key_lens, &ps->cap_key_lens, ps->n_keys + 1, sizeof *ps->key_lens);
    }
    ps->keys[ps->n_keys] = k;
    ps->key_lens[ps->n_keys++] = klen;
}

/* Move the children pushed since `base` (and keys since `kbase`) into v. */
static void collect(struct parser *ps, struct jv *v, size_t base, size_t kbase, bool object)
{
    size_t n = ps->n_stk - base;
    v->n = n;
    if (n) v->item = arena_memdup(ps->a, ps->stk + base, n * sizeof *v->item);
    if (object && n) {
        v->keys = arena_memdup(ps->a, ps->keys + kbase, n * sizeof *v->keys);
        v->key_lens = arena_memdup(ps->a, ps->key_lens + kbase, n * sizeof *v->key_lens);
    }
    ps->n_stk = base;
    ps->n_keys = kbase;
}

static bool parse_value(struct parser *ps, struct jv *v, int depth);

static bool parse_container(struct parser *ps, struct jv *v, int depth, bool object)
{
    size_t open = ps->pos;
    if (depth >= JSONP_MAX_DEPTH) return fail(ps, open, "nesting deeper than %d", JSONP_MAX_DEPTH);
    char close = object ? '}' : ']';
    v->type = object ? JV_OBJECT : JV_ARRAY;
    size_t base = ps->n_stk, kbase = ps->n_keys;
    ps->pos++;
    skip_ws(ps);
    if (ps->pos < ps->len && ps->p[ps->pos] == close) {
        ps->pos++;
        return true;
    }
    for (;;) {
        if (object) {
            if (ps->pos >= ps->len || ps->p[ps->pos] != '"')
                return fail(ps, ps->pos, "expected a string key");
            const char *k;
            size_t klen;
            if (!parse_string(ps, &k, &klen)) return false;
            push_key(ps, k, klen);
            skip_ws(ps);
            if (ps->pos >= ps->len || ps->p[ps->pos] != ':')
                return fail(ps, ps->pos, "expected ':'");
            ps->pos++;
            skip_ws(ps);
        }
        struct jv child;
        if (!parse_value(ps, &child, depth + 1)) return false;
        push(ps, &child);
        skip_ws(ps);
        if (ps->pos >= ps->len)
            return fail(ps, ps->pos, "unexpected end of input, expected ',' or '%c'", close);
        char c = ps->p[ps->pos];
        if (c == ',') {
            ps->pos++;
            skip_ws(ps);
            continue;
        }
        if (c == close) {
            ps->pos++;
            break;
        }
        return fail(ps, ps->pos, "expected ',' or '%c'", close);
    }
    collect(ps, v, base, kbase, object);
    return true;
}

static bool literal(struct parser *ps, const char *word, size_t n)
{
    if (ps->len - ps->pos < n || memcmp(ps->p + ps->pos, word, n) != 0)
        return fail(ps, ps->pos, "invalid literal");
    ps->pos += n;
    return true;
}

/* A value at ps->pos (whitespace already skipped); depth counts the
 * containers around it. */
static bool parse_value(struct parser *ps, struct jv *v, int depth)
{
    memset(v, 0, sizeof *v);
    if (++ps->n_nodes > JSONP_MAX_NODES)
        return fail(ps, ps->pos, "more than %u values", JSONP_MAX_NODES);
    if (ps->pos >= ps->len) return fail(ps, ps->pos, "unexpected end of input, expected a value");
    switch (ps->p[ps->pos]) {
    case '{':
        return parse_container(ps, v, depth, true);
    case '[':
        return parse_container(ps, v, depth, false);
    case '"':
        v->type = JV_STRING;
        return parse_string(ps, &v->s, &v->len);
    case 't':
        v->type = JV_TRUE;
        return literal(ps, "true", 4);
    case 'f':
        v->type = JV_FALSE;
        return literal(ps, "false", 5);
    case 'n':
        v->type = JV_NULL;
        return literal(ps, "null", 4);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        return parse_number(ps, v);
    default:
        return fail(ps, ps->pos, "expected a value");
    }
}

struct jv *jsonp_parse(arena *a, const char *p, size_t len, char *err, size_t errlen)
{
    struct parser ps = {.p = p, .len = len, .a = a, .err = err, .errlen = errlen};
    if (err && errlen) err[0] = '\0';
    struct jv *root = arena_alloc(a, sizeof *root);
    bool ok = false;
    if (!p && len) goto out;
    skip_ws(&ps);
    if (!parse_value(&ps, root, 0)) goto out;
    skip_ws(&ps);
    if (ps.pos != len) {
        fail(&ps, ps.pos, "unexpected data after the JSON value");
        goto out;
    }
    ok = true;
out:
    free(ps.stk);
    free(ps.keys);
    free(ps.key_lens);
    if (!ok && err && errlen && !err[0]) snprintf(err, errlen, "invalid JSON");
    return ok ? root : NULL;
}

const struct jv *jv_get(const struct jv *o, const char *key)
{
    if (!o || o->type != JV_OBJECT || !key) return NULL;
    size_t klen = strlen(key);
    for (size_t k = 0; k < o->n; k++)
        if (o->key_lens[k] == klen && memcmp(o->keys[k], key, klen) == 0) return &o->item[k];
    return NULL;
}

const char *jv_str(const struct jv *v)
{
    return v && v->type == JV_STRING ? v->s : NULL;
}

int64_t jv_int(const struct jv *v, int64_t def)
{
    return v && v->type == JV_NUMBER && v->is_int ? v->i : def;
}
