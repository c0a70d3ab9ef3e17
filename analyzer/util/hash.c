/* hash — see hash.h. */
#include "util/hash.h"

#include <openssl/sha.h>

void sha256_hex(const void *p, size_t len, char out[SHA256_HEX_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(p, len, md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[SHA256_HEX_LEN] = '\0';
}

uint64_t hash_fnv1a(const void *p, size_t len)
{
    const unsigned char *u = p;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= u[i];
        h *= 1099511628211ULL;
    }
    return h;
}
