/* fuzz_encoding — libFuzzer harness: the first byte picks the decoder
 * (base64, quoted-printable body, quoted-printable header mode), the rest is
 * the encoded text. Checks the output bounds the decoders promise. */
#include <stdint.h>
#include <string.h>

#include "mail/encoding.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    const char *p = (const char *)data + 1;
    size_t len = size - 1, out_len = 0;
    unsigned char *out;
    switch (data[0] % 3) {
    case 0:
        out = enc_base64_decode(a, p, len, &out_len, &an);
        if (out_len > len / 4 * 3 + 2) __builtin_trap();
        break;
    default:
        out = enc_qp_decode(a, p, len, &out_len, data[0] % 3 == 2, &an);
        if (out_len > len) __builtin_trap();
        break;
    }
    if (out[out_len] != 0) __builtin_trap();
    arena_free(a);
    return 0;
}
