/* fuzz_received — received_parse on arbitrary bytes, and received_ip_valid
 * with two properties: the canonical text is itself valid and canonical
 * (idempotent), and the function never reads past len (ASan, exact-size
 * input buffers). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/received.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    arena *a = arena_new();
    struct received_hop h;
    received_parse(a, p, size, &h);
    const char *s[] = {h.from_helo, h.from_rdns, h.from_ip, h.by, h.with, h.id, h.for_addr, h.tls};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i] && strlen(s[i]) > 2 * size + 1) /* tls = version " " cipher: may overlap */
            abort();
    if (h.from_ip && !received_ip_valid(h.from_ip, strlen(h.from_ip), NULL)) abort();
    arena_free(a);

    char out[64], again[64];
    size_t n = size < 60 ? size : 60;
    if (received_ip_valid(p, n, out)) {
        if (!received_ip_valid(out, strlen(out), again) || strcmp(out, again) != 0) abort();
    }
    return 0;
}
