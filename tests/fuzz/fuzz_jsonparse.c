/* libFuzzer harness for util/jsonparse.c. Invariants: a failed parse says
 * where ("line L, column C: ..."); a successful one yields a tree whose every
 * string (values and keys) is valid UTF-8 with a NUL after its length, whose
 * depth is at most JSONP_MAX_DEPTH and whose value count is at most
 * JSONP_MAX_NODES, whose integers agree with their text; and the tree written
 * back as JSON parses again to an equal tree. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonparse.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
    char *p;
    size_t len, cap;
};

static void put(struct out *o, const char *s, size_t n)
{
    if (o->len + n > o->cap) {
        while (o->len + n > o->cap)
            o->cap = o->cap ? o->cap * 2 : 256;
        o->p = realloc(o->p, o->cap);
        if (!o->p) abort();
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void put_string(struct out *o, const char *s, size_t n)
{
    put(o, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(o, e, 2);
        } else if (c < 0x20) {
            char e[8];
            snprintf(e, sizeof e, "\\u%04x", c);
            put(o, e, 6);
        } else {
            put(o, s + i, 1);
        }
    }
    put(o, "\"", 1);
}

static size_t n_values;

static void check(const struct jv *v, int depth, struct out *o)
{
    n_values++;
    switch (v->type) {
    case JV_NULL:
        put(o, "null", 4);
        break;
    case JV_TRUE:
        put(o, "true", 4);
        break;
    case JV_FALSE:
        put(o, "false", 5);
        break;
    case JV_NUMBER:
        if (!v->s || v->len == 0 || v->s[v->len] != '\0') __builtin_trap();
        if (v->is_int) {
            char buf[32];
            int k = snprintf(buf, sizeof buf, "%lld", (long long)v->i);
            /* "-0" is an integer 0 */
            if (strcmp(buf, v->s) != 0 && !(v->i == 0 && strcmp(v->s, "-0") == 0)) __builtin_trap();
            (void)k;
        }
        put(o, v->s, v->len);
        break;
    case JV_STRING:
        if (!v->s || v->s[v->len] != '\0' || !str_is_utf8(v->s, v->len)) __builtin_trap();
        put_string(o, v->s, v->len);
        break;
    case JV_ARRAY:
    case JV_OBJECT:
        if (depth >= JSONP_MAX_DEPTH) __builtin_trap(); /* this container is depth+1 */
        if (v->n && !v->item) __builtin_trap();
        put(o, v->type == JV_ARRAY ? "[" : "{", 1);
        for (size_t k = 0; k < v->n; k++) {
            if (k) put(o, ",", 1);
            if (v->type == JV_OBJECT) {
                if (!str_is_utf8(v->keys[k], v->key_lens[k])) __builtin_trap();
                put_string(o, v->keys[k], v->key_lens[k]);
                put(o, ":", 1);
            }
            check(&v->item[k], depth + 1, o);
        }
        put(o, v->type == JV_ARRAY ? "]" : "}", 1);
        break;
    default:
        __builtin_trap();
    }
}

static int same(const struct jv *x, const struct jv *y)
{
    if (x->type != y->type || x->len != y->len || x->n != y->n) return 0;
    if ((x->type == JV_STRING || x->type == JV_NUMBER) && memcmp(x->s, y->s, x->len) != 0) return 0;
    for (size_t k = 0; k < x->n; k++) {
        if (x->type == JV_OBJECT && (x->key_lens[k] != y->key_lens[k] ||
                                     memcmp(x->keys[k], y->keys[k], x->key_lens[k]) != 0))
            return 0;
        if (!same(&x->item[k], &y->item[k])) return 0;
    }
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    char err[128];
    struct jv *v = jsonp_parse(a, (const char *)data, size, err, sizeof err);
    if (!v) {
        if (strncmp(err, "line ", 5) != 0 || !strstr(err, ", column ")) __builtin_trap();
    } else {
        struct out o = {0};
        n_values = 0;
        check(v, 0, &o);
        if (n_values > JSONP_MAX_NODES) __builtin_trap();
        /* the re-written text is no deeper and has as many values: it parses */
        char *exact = malloc(o.len ? o.len : 1);
        if (!exact) abort();
        memcpy(exact, o.p, o.len);
        struct jv *w = jsonp_parse(a, exact, o.len, err, sizeof err);
        if (!w || !same(v, w)) __builtin_trap();
        free(exact);
        free(o.p);
    }
    arena_free(a);
    return 0;
}
