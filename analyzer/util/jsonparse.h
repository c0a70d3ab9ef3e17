/* jsonparse — a bounded JSON reader (RFC 8259) building a tree in an arena.
 * Strict: one value with optional surrounding whitespace, no comments, no
 * trailing commas, strings valid UTF-8 after unescaping (\uD83D\uDE00 pairs
 * joined; a lone surrogate is an error), numbers per the RFC grammar.
 * Duplicate object keys are kept (lookups find the first).
 * Ceilings: JSONP_MAX_DEPTH nesting, JSONP_MAX_NODES values, input length
 * limited by the caller. */
#ifndef UTIL_JSONPARSE_H
#define UTIL_JSONPARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define JSONP_MAX_DEPTH 64
#define JSONP_MAX_NODES 2000000u

enum jv_type { JV_NULL, JV_FALSE, JV_TRUE, JV_NUMBER, JV_STRING, JV_ARRAY, JV_OBJECT };

struct jv {
    enum jv_type type;
    /* JV_STRING: the unescaped bytes (NUL-terminated; may contain U+0000 as
     * "\0" inside len). JV_NUMBER: the number as written. */
    const char *s;
    size_t len;
    double num;      /* JV_NUMBER */
    bool is_int;     /* JV_NUMBER with no fraction/exponent that fits int64 */
    int64_t i;       /* when is_int */
    /* JV_ARRAY / JV_OBJECT: n children; keys[k] names item[k] for objects. */
    struct jv *item;
    const char **keys;
    size_t *key_lens;
    size_t n;
};

/* Returns NULL on error, with err (may be NULL) set to e.g.
 * "line 3, column 14: expected ',' or '}'". */
struct jv *jsonp_parse(arena *a, const char *p, size_t len, char *err, size_t errlen);

/* Object member by key (first match), or NULL (also when o is not an object). */
const struct jv *jv_get(const struct jv *o, const char *key);
/* String value or NULL when v is NULL or not a string. */
const char *jv_str(const struct jv *v);
/* Integer value, or def when v is not an integral number. */
int64_t jv_int(const struct jv *v, int64_t def);

#endif
