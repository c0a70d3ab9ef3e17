/* unpack — bounded decompression of report attachments: gzip (RFC 1952,
 * concatenated members read as one stream) and ZIP (the first member whose
 * name ends with a wanted suffix, stored or deflated), streamed to a callback
 * in chunks so that the caller need not hold the whole output.
 *
 * A decompression bomb stops at `max_out` output bytes with UNPACK_LIMIT
 * (the bytes before the limit have been delivered). The ZIP reader finds the
 * member through the central directory, checks the local header agrees
 * (name length, method), refuses encrypted members, and verifies the CRC-32
 * and size of what it inflated (UNPACK_CORRUPT on mismatch, after delivery).
 * ZIP64 archives (and multi-disk ones) are refused as UNPACK_UNSUPPORTED.
 * gzip: zero bytes after the last member (block padding) are ignored; any
 * other trailing bytes are UNPACK_CORRUPT after the members were delivered. */
#ifndef UTIL_UNPACK_H
#define UTIL_UNPACK_H
#include <stdbool.h>
#include <stddef.h>

/* The default output ceiling for report attachments (documented in README). */
#define UNPACK_MAX_OUT ((size_t)512 << 20)
/* Output chunk size handed to the callback (at most). */
#define UNPACK_CHUNK ((size_t)64 << 10)

enum unpack_status {
    UNPACK_OK = 0,
    UNPACK_CORRUPT,     /* not gzip/zip, truncated, bad CRC, inflate error */
    UNPACK_LIMIT,       /* output exceeded max_out: a bomb, stopped */
    UNPACK_UNSUPPORTED, /* zip: encrypted member, or a method other than stored/deflate */
    UNPACK_NOT_FOUND,   /* zip: no member with the wanted suffix */
    UNPACK_STOPPED,     /* the callback returned nonzero */
};

/* Receives each chunk of output; nonzero stops (UNPACK_STOPPED). */
typedef int (*unpack_fn)(void *ctx, const char *p, size_t n);

struct unpack_result {
    enum unpack_status status;
    size_t out;       /* bytes delivered */
    char name[256];   /* zip: the member read ("" for gzip) */
    char error[160];  /* "" on OK, else what went wrong and where */
};

bool unpack_is_gzip(const unsigned char *p, size_t len);
bool unpack_is_zip(const unsigned char *p, size_t len);

enum unpack_status unpack_gzip(const unsigned char *p, size_t len, size_t max_out, unpack_fn fn,
                               void *ctx, struct unpack_result *res);

/* `suffix` is matched case-insensitively against the member name (e.g.
 * ".xml"); NULL takes the first member that is not a directory. */
enum unpack_status unpack_zip(const unsigned char *p, size_t len, const char *suffix,
                              size_t max_out, unpack_fn fn, void *ctx, struct unpack_result *res);

#endif
