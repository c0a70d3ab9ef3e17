/* libFuzzer harness for mail/mimeparam.c (Content-Type / -Disposition with
 * RFC 2231 parameters). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mail/mimeparam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct mime_value v;
    mimeparam_parse(a, (const char *)data, size, &v, &an);
    if (!v.value || v.n_params > MIMEPARAM_MAX) __builtin_trap();
    for (size_t i = 0; i < v.n_params; i++) {
        if (!v.params[i].name || !v.params[i].value) __builtin_trap();
        (void)strlen(v.params[i].value);
    }
    mimeparam_get(&v, "boundary");
    arena_free(a);
    return 0;
}
