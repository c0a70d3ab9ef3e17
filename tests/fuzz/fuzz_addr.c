/* libFuzzer harness for mail/addr.c: address lists and return paths. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/addr.h"
#include "mail/limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct addr_list l;
    addr_parse_list(a, (const char *)data, size, &l, &an);
    if (l.n > ADDR_MAX_PER_FIELD) __builtin_trap();
    for (size_t i = 0; i < l.n; i++) {
        const struct addr *ad = &l.v[i];
        if (!ad->local || !ad->domain || !ad->address || !ad->domain_lc) __builtin_trap();
        (void)strlen(ad->address);
    }
    struct addr p;
    addr_parse_path(a, (const char *)data, size, &p);
    if (!p.address) __builtin_trap();
    arena_free(a);
    return 0;
}
