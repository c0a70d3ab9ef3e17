/* unpack — see unpack.h.
 *
 * gzip: zlib inflate with windowBits 16+MAX_WBITS (gzip wrapper only; zlib
 * checks each member's CRC-32 and ISIZE trailer). After a member ends, input
 * that starts with the gzip magic is the next member (inflateReset); trailing
 * zero bytes (block padding) are ignored; anything else is UNPACK_CORRUPT
 * "trailing garbage". Input that ends inside a member is UNPACK_CORRUPT.
 *
 * ZIP: the end of central directory record is searched backwards over the
 * last 65,557 bytes (22 + the longest comment) and must lie so that its
 * comment fits the file; the central directory is walked entry by entry with
 * every field bounds-checked (ceiling: the entry count the EOCD records,
 * at most 65,535). A directory found at EOCD - cd_size when the recorded
 * offset is off by a constant (data prepended, as self-extractors do) is
 * accepted, and local header offsets are shifted by the same amount.
 * The chosen member's local header must have the PK\3\4 signature, the same
 * name length and the same method; sizes and CRC come from the central
 * directory (so bit 3 "data descriptor" members need no descriptor parsing).
 * Refused as UNPACK_UNSUPPORTED: encrypted members (flag bit 0), methods
 * other than 0 (stored) and 8 (deflate), multi-disk archives and ZIP64
 * (sizes or offsets of 0xFFFFFFFF, counts of 0xFFFF, or a ZIP64 locator).
 *
 * Output is delivered in chunks of at most UNPACK_CHUNK; the limit check
 * happens before delivery, so no more than max_out bytes ever reach the
 * callback. */
#include "util/unpack.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "util/str.h"
#include "util/xalloc.h"

#define EOCD_SIZE 22
#define EOCD_SEARCH (EOCD_SIZE + 65535)
#define CDH_SIZE 46
#define LFH_SIZE 30

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static enum unpack_status set(struct unpack_result *res, enum unpack_status st, const char *fmt,
                              ...) __attribute__((format(printf, 3, 4)));

static enum unpack_status set(struct unpack_result *res, enum unpack_status st, const char *fmt,
                              ...)
{
    res->status = st;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(res->error, sizeof res->error, fmt, ap);
        va_end(ap);
    } else {
        res->error[0] = '\0';
    }
    return st;
}

static void res_init(struct unpack_result *res)
{
    res->status = UNPACK_OK;
    res->out = 0;
    res->name[0] = '\0';
    res->error[0] = '\0';
}

/* Hand n bytes to the callback, honouring max_out. Returns UNPACK_OK to go on,
 * UNPACK_LIMIT after delivering what fits, or UNPACK_STOPPED. */
static enum unpack_status deliver(const char *p, size_t n, size_t max_out, unpack_fn fn, void *ctx,
                                  struct unpack_result *res)
{
    size_t room = max_out - res->out;
    bool over = n > room;
    if (over) n = room;
    while (n > 0) {
        size_t k = n < UNPACK_CHUNK ? n : UNPACK_CHUNK;
        if (fn && fn(ctx, p, k) != 0) {
            res->out += k;
            return UNPACK_STOPPED;
        }
        res->out += k;
        p += k;
        n -= k;
    }
    return over ? UNPACK_LIMIT : UNPACK_OK;
}

bool unpack_is_gzip(const unsigned char *p, size_t len)
{
    return p && len >= 18 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;
}

bool unpack_is_zip(const unsigned char *p, size_t len)
{
    return p && len >= EOCD_SIZE && p[0] == 'P' && p[1] == 'K' &&
           ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6));
}

/* Inflate in[0..len) with an initialised stream, delivering output. For gzip
 * (`gzip` true) concatenated members are followed. On success *consumed is
 * the input used. */
static enum unpack_status inflate_all(z_stream *zs, bool gzip, const unsigned char *in, size_t len,
                                      size_t max_out, unpack_fn fn, void *ctx,
                                      struct unpack_result *res, uint32_t *crc)
{
    unsigned char *buf = xmalloc(UNPACK_CHUNK);
    size_t pos = 0; /* input handed to zlib so far */
    enum unpack_status st = UNPACK_OK;
    unsigned members = 0;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = 0;
    for (;;) {
        if (zs->avail_in == 0 && pos < len) {
            size_t k = len - pos < UINT_MAX ? len - pos : UINT_MAX;
            zs->next_in = (Bytef *)(uintptr_t)(in + pos);
            zs->avail_in = (uInt)k;
            pos += k;
        }
        zs->next_out = buf;
        zs->avail_out = (uInt)UNPACK_CHUNK;
        int zr = inflate(zs, Z_NO_FLUSH);
        size_t have = UNPACK_CHUNK - zs->avail_out;
        if (have) {
            if (crc) *crc = (uint32_t)crc32(*crc, buf, (uInt)have);
            st = deliver((const char *)buf, have, max_out, fn, ctx, res);
            if (st == UNPACK_LIMIT) {
                set(res, st, "output exceeds the limit of %zu bytes", max_out);
                goto out;
            }
            if (st == UNPACK_STOPPED) {
                set(res, st, "stopped by the reader after %zu bytes", res->out);
                goto out;
            }
        }
        if (zr == Z_STREAM_END) {
            members++;
            size_t used = pos - zs->avail_in; /* offset of the first unread byte */
            if (!gzip) {
                if (used != len) {
                    st = set(res, UNPACK_CORRUPT,
                             "deflate data ends %zu bytes before the compressed size", len - used);
                    goto out;
                }
                break;
            }
            if (used == len) break;
            if (len - used >= 2 && in[used] == 0x1f && in[used + 1] == 0x8b) {
                inflateReset(zs);
                continue;
            }
            size_t z = used;
            while (z < len && in[z] == 0)
                z++;
            if (z == len) break;
            st = set(res, UNPACK_CORRUPT, "trailing garbage at offset %zu after %u gzip member%s",
                     used, members, members == 1 ? "" : "s");
            goto out;
        }
        if (zr == Z_BUF_ERROR) {
            /* no progress possible: input is refilled above, so it has ended */
            st = set(res, UNPACK_CORRUPT, "truncated %s data at offset %zu",
                     gzip ? "gzip" : "deflate", len);
            goto out;
        }
        if (zr != Z_OK) {
            st = set(res, UNPACK_CORRUPT, "%s error at offset %zu: %s", gzip ? "gzip" : "deflate",
                     pos - zs->avail_in, zs->msg ? zs->msg : "inflate failed");
            goto out;
        }
    }
    st = UNPACK_OK;
out:
    free(buf);
    return st;
}

enum unpack_status unpack_gzip(const unsigned char *p, size_t len, size_t max_out, unpack_fn fn,
                               void *ctx, struct unpack_result *res)
{
    res_init(res);
    if (!p || len < 2 || p[0] != 0x1f || p[1] != 0x8b)
        return set(res, UNPACK_CORRUPT, "not gzip data (no 1f 8b magic)");
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK)
        return set(res, UNPACK_CORRUPT, "zlib initialisation failed");
    enum unpack_status st = inflate_all(&zs, true, p, len, max_out, fn, ctx, res, NULL);
    inflateEnd(&zs);
    if (st == UNPACK_OK) set(res, UNPACK_OK, NULL);
    return st;
}

/* ---- ZIP ---- */

static bool ends_with_ci(const unsigned char *name, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    if (k > n) return false;
    return str_eq_ci((const char *)name + n - k, k, suffix);
}

static void copy_name(struct unpack_result *res, const unsigned char *name, size_t n)
{
    if (n >= sizeof res->name) n = sizeof res->name - 1;
    for (size_t i = 0; i < n; i++)
        res->name[i] = name[i] ? (char)name[i] : '?';
    res->name[n] = '\0';
}

/* Find the EOCD; its offset in *eocd, or false. The last candidate whose
 * comment length reaches no further than the end of the file wins. */
static bool find_eocd(const unsigned char *p, size_t len, size_t *eocd)
{
    if (len < EOCD_SIZE) return false;
    size_t lo = len > EOCD_SEARCH ? len - EOCD_SEARCH : 0;
    for (size_t i = len - EOCD_SIZE + 1; i-- > lo;) {
        if (p[i] != 'P' || p[i + 1] != 'K' || p[i + 2] != 5 || p[i + 3] != 6) continue;
        if (rd16(p + i + 20) <= len - i - EOCD_SIZE) {
            *eocd = i;
            return true;
        }
    }
    return false;
}

/* Inflate or copy the member's data, then check CRC-32 and size. */
static enum unpack_status extract(const unsigned char *data, size_t csize, size_t usize,
                                  uint32_t want_crc, unsigned method, size_t max_out, unpack_fn fn,
                                  void *ctx, struct unpack_result *res)
{
    uint32_t crc = (uint32_t)crc32(0L, Z_NULL, 0);
    enum unpack_status st;
    if (method == 0) {
        if (csize != usize)
            return set(res, UNPACK_CORRUPT,
                       "stored member \"%s\": compressed size %zu != uncompressed size %zu",
                       res->name, csize, usize);
        for (size_t off = 0; off < csize;) {
            size_t k = csize - off < UNPACK_CHUNK ? csize - off : UNPACK_CHUNK;
            k = k < UINT_MAX ? k : UINT_MAX;
            crc = (uint32_t)crc32(crc, data + off, (uInt)k);
            st = deliver((const char *)data + off, k, max_out, fn, ctx, res);
            if (st == UNPACK_LIMIT)
                return set(res, st, "output exceeds the limit of %zu bytes", max_out);
            if (st == UNPACK_STOPPED)
                return set(res, st, "stopped by the reader after %zu bytes", res->out);
            off += k;
        }
    } else {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        if (inflateInit2(&zs, -MAX_WBITS) != Z_OK)
            return set(res, UNPACK_CORRUPT, "zlib initialisation failed");
        st = inflate_all(&zs, false, data, csize, max_out, fn, ctx, res, &crc);
        inflateEnd(&zs);
        if (st != UNPACK_OK) return st;
    }
    if (res->out != usize)
        return set(res, UNPACK_CORRUPT, "member \"%s\": %zu bytes inflated, %zu recorded",
                   res->name, res->out, usize);
    if (crc != want_crc)
        return set(res, UNPACK_CORRUPT, "member \"%s\": CRC-32 %08x, recorded %08x", res->name, crc,
                   want_crc);
    return set(res, UNPACK_OK, NULL);
}

enum unpack_status unpack_zip(const unsigned char *p, size_t len, const char *suffix,
                              size_t max_out, unpack_fn fn, void *ctx, struct unpack_result *res)
{
    res_init(res);
    size_t e;
    if (!p || !find_eocd(p, len, &e))
        return set(res, UNPACK_CORRUPT, "not a ZIP archive (no end of central directory)");
    unsigned disk = rd16(p + e + 4), cd_disk = rd16(p + e + 6);
    unsigned n_entries = rd16(p + e + 10);
    uint32_t cd_size = rd32(p + e + 12), cd_off = rd32(p + e + 16);
    if (n_entries == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu ||
        (e >= 20 && memcmp(p + e - 20, "PK\6\7", 4) == 0))
        return set(res, UNPACK_UNSUPPORTED, "ZIP64 archives are not supported");
    if (disk != 0 || cd_disk != 0)
        return set(res, UNPACK_UNSUPPORTED, "multi-disk ZIP archives are not supported");
    if (cd_size > e) return set(res, UNPACK_CORRUPT, "central directory larger than the archive");
    /* the directory ends where the EOCD starts; a wrong recorded offset means
     * bytes were prepended: shift every offset by the difference */
    size_t cd_start = e - cd_size;
    if (cd_off > cd_start)
        return set(res, UNPACK_CORRUPT, "central directory offset %u beyond its end", cd_off);
    size_t shift = cd_start - cd_off;

    const unsigned char *hit = NULL;
    size_t off = cd_start;
    for (unsigned k = 0; k < n_entries; k++) {
        if (e - off < CDH_SIZE || memcmp(p + off, "PK\1\2", 4) != 0)
            return set(res, UNPACK_CORRUPT, "bad central directory entry %u at offset %zu", k, off);
        const unsigned char *c = p + off;
        size_t name_len = rd16(c + 28), extra_len = rd16(c + 30), comment_len = rd16(c + 32);
        size_t total = CDH_SIZE + name_len + extra_len + comment_len;
        if (e - off < total)
            return set(res, UNPACK_CORRUPT, "central directory entry %u overruns the directory", k);
        const unsigned char *name = c + CDH_SIZE;
        bool pick = suffix ? ends_with_ci(name, name_len, suffix)
                           : name_len > 0 && name[name_len - 1] != '/';
        if (pick) {
            hit = c;
            break;
        }
        off += total;
    }
    if (!hit) {
        if (suffix)
            return set(res, UNPACK_NOT_FOUND, "no member whose name ends with \"%.64s\"", suffix);
        return set(res, UNPACK_NOT_FOUND, "no file member in the archive");
    }

    size_t name_len = rd16(hit + 28);
    copy_name(res, hit + CDH_SIZE, name_len);
    unsigned flags = rd16(hit + 8), method = rd16(hit + 10);
    uint32_t crc = rd32(hit + 16), csize = rd32(hit + 20), usize = rd32(hit + 24);
    uint32_t lho = rd32(hit + 42);
    if (csize == 0xFFFFFFFFu || usize == 0xFFFFFFFFu || lho == 0xFFFFFFFFu)
        return set(res, UNPACK_UNSUPPORTED, "member \"%s\": ZIP64 sizes are not supported",
                   res->name);
    if (flags & 1u) return set(res, UNPACK_UNSUPPORTED, "member \"%s\" is encrypted", res->name);
    if (method != 0 && method != 8)
        return set(res, UNPACK_UNSUPPORTED, "member \"%s\": compression method %u", res->name,
                   method);

    /* local header: inside the data area (before the directory) */
    if (lho > cd_off || cd_off - lho < LFH_SIZE)
        return set(res, UNPACK_CORRUPT, "member \"%s\": local header offset %u out of range",
                   res->name, lho);
    const unsigned char *l = p + shift + lho;
    if (memcmp(l, "PK\3\4", 4) != 0)
        return set(res, UNPACK_CORRUPT, "member \"%s\": no local header at offset %u", res->name,
                   lho);
    if (rd16(l + 6) & 1u)
        return set(res, UNPACK_UNSUPPORTED, "member \"%s\" is encrypted", res->name);
    if (rd16(l + 26) != name_len || rd16(l + 8) != method)
        return set(res, UNPACK_CORRUPT,
                   "member \"%s\": local header disagrees with the central directory", res->name);
    size_t data_off = (size_t)lho + LFH_SIZE + name_len + rd16(l + 28);
    if (data_off > cd_off || cd_off - data_off < csize)
        return set(res, UNPACK_CORRUPT, "member \"%s\": data (%u bytes) overruns the archive",
                   res->name, csize);
    return extract(p + shift + data_off, csize, usize, crc, method, max_out, fn, ctx, res);
}
