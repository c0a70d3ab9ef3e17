/* libFuzzer harness for mail/header.c: split, then touch every field the way
 * callers do (get, count, unfold). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/header.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct hdr_block h;
    hdr_parse(a, (const char *)data, size, &h, &an);
    if (h.body_offset > size ||
        (h.n && h.f[h.n - 1].raw.p + h.f[h.n - 1].raw.len > (const char *)data + size))
        __builtin_trap();
    for (size_t i = 0; i < h.n; i++) {
        size_t n;
        char *u = hdr_unfold(a, h.f[i].value, &n);
        if (strlen(u) > n) __builtin_trap();
    }
    hdr_count(&h, "Received");
    hdr_get(&h, "from", 0);
    arena_free(a);
    return 0;
}
