/* hash — SHA-256 (OpenSSL) as lowercase hex, and a fast non-cryptographic
 * 64-bit hash (FNV-1a) for in-memory tables. */
#ifndef UTIL_HASH_H
#define UTIL_HASH_H
#include <stddef.h>
#include <stdint.h>

#define SHA256_HEX_LEN 64
void sha256_hex(const void *p, size_t len, char out[SHA256_HEX_LEN + 1]);
uint64_t hash_fnv1a(const void *p, size_t len);

#endif
