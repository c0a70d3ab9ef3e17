/* libFuzzer harness for mail/rfc2047.c: the result must be valid UTF-8
 * without NUL bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/rfc2047.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t n;
    char *out = rfc2047_decode(a, (const char *)data, size, &n, &an);
    if (strlen(out) != n || !str_is_utf8(out, n)) __builtin_trap();
    arena_free(a);
    return 0;
}
