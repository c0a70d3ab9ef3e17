/* json — a streaming JSON writer into a buf. Strings are taken as (p,len)
 * bytes: control characters are escaped, and bytes that are not valid UTF-8
 * are written as U+FFFD, so any message-derived string yields valid JSON.
 * Commas are tracked per nesting level (ceiling JSON_MAX_DEPTH). */
#ifndef UTIL_JSON_H
#define UTIL_JSON_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/buf.h"

#define JSON_MAX_DEPTH 32

struct json {
    struct buf *out;
    int depth;
    bool need_comma[JSON_MAX_DEPTH];
    bool after_key;
};

void json_init(struct json *j, struct buf *out);
void json_obj_begin(struct json *j);
void json_obj_end(struct json *j);
void json_arr_begin(struct json *j);
void json_arr_end(struct json *j);
/* A key of len bytes; json_key takes a NUL-terminated one (inline, so that
 * a literal key's length is known when compiling: check --json writes about
 * 140 keys a message). */
void json_key_n(struct json *j, const char *key, size_t len);
static inline void json_key(struct json *j, const char *key)
{
    json_key_n(j, key, strlen(key));
}
void json_str(struct json *j, const char *p, size_t len);
/* NUL-terminated string, or null when s is NULL. */
void json_cstr(struct json *j, const char *s);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);
void json_bool(struct json *j, bool v);
void json_null(struct json *j);
/* A value already in JSON form (a string json_str wrote into another buf,
 * say), written as it is after the separator. */
void json_raw(struct json *j, const char *p, size_t len);
/* Escape (p,len) as a JSON string body (no quotes) into b. */
void json_escape(struct buf *b, const char *p, size_t len);

#endif
