/* charset — convert bytes in a named charset to UTF-8 (iconv, with fast
 * paths for us-ascii, utf-8 and iso-8859-1). Charset names are matched
 * case-insensitively with the usual aliases (latin1, cp1252, x-sjis, ...).
 * Invalid input bytes become U+FFFD; the conversion never fails for a known
 * charset. Thread-safe (no shared state). */
#ifndef UTIL_CHARSET_H
#define UTIL_CHARSET_H
#include <stddef.h>

#include "util/arena.h"

enum charset_rc {
    CHARSET_OK = 0,
    CHARSET_BAD_BYTES = 1, /* converted, some bytes replaced by U+FFFD */
    CHARSET_UNKNOWN = 2, /* charset not known: output is the input with non-UTF-8 bytes replaced */
};

/* Output is NUL-terminated in the arena; *out_len excludes the NUL. A NULL or
 * empty charset means us-ascii (8-bit bytes then taken as UTF-8 if valid,
 * else windows-1252). */
enum charset_rc charset_to_utf8(arena *a, const char *charset, size_t charset_len, const char *in,
                                size_t len, char **out, size_t *out_len);
/* Copy with invalid UTF-8 sequences replaced by U+FFFD. */
char *charset_sanitize_utf8(arena *a, const char *in, size_t len, size_t *out_len);

#endif
