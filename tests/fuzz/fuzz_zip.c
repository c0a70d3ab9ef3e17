/* fuzz_zip — libFuzzer harness: filetype_detect and zip_list on the input
 * (as an attachment's decoded bytes). */
#include <stdint.h>
#include <string.h>

#include "mail/filetype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    const char *type = filetype_detect(data, size);
    size_t sum = strlen(type);
    struct zip_listing l;
    bool ok = zip_list(a, data, size, &l, &an);
    if (!ok && !anom_has(&an, ANOM_ZIP_CORRUPT)) __builtin_trap();
    for (size_t i = 0; i < l.n; i++)
        sum += strlen(l.m[i].name);
    if (l.n > 10000) __builtin_trap();
    (void)sum;
    arena_free(a);
    return 0;
}
