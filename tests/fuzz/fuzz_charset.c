/* libFuzzer harness for util/charset.c: the first byte picks a charset
 * (the last entry reads a charset name from the input itself); the output
 * must always be valid UTF-8 of the reported length. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/charset.h"
#include "util/str.h"

static const char *const names[] = {
    "us-ascii",   "utf-8",       "iso-8859-1",   "windows-1252",   "iso-8859-2",   "iso-8859-5",
    "iso-8859-7", "iso-8859-15", "windows-1250", "windows-1251",   "windows-1255", "windows-1258",
    "koi8-r",     "koi8-u",      "shift_jis",    "euc-jp",         "iso-2022-jp",  "gb2312",
    "gbk",        "gb18030",     "big5",         "ks_c_5601-1987", "utf-7",        "utf-16",
    "x-unknown",  NULL,
};
#define N_NAMES (sizeof names / sizeof names[0])

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    const char *cs = names[data[0] % (N_NAMES + 1) % N_NAMES];
    size_t cs_len = cs ? strlen(cs) : 0;
    const char *in = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] % (N_NAMES + 1) == N_NAMES && len > 0) {
        /* charset name taken from the input: up to the first NUL */
        const char *z = memchr(in, 0, len);
        cs = in;
        cs_len = z ? (size_t)(z - in) : len;
        in += cs_len;
        len -= cs_len;
    }
    arena *a = arena_new();
    char *out;
    size_t n;
    charset_to_utf8(a, cs, cs_len, in, len, &out, &n);
    if (!str_is_utf8(out, n) || out[n] != '\0') __builtin_trap();
    out = charset_sanitize_utf8(a, in, len, &n);
    if (!str_is_utf8(out, n)) __builtin_trap();
    arena_free(a);
    return 0;
}
