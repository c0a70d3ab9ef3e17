/* reader — sequential reading of a file that may be gzip-compressed
 * (detected from the magic bytes, not the name), through zlib. Used by every
 * source so that `.gz` inputs are read transparently and in constant memory.
 * Concatenated gzip members are read as one stream. Ceiling: past 1 GiB of
 * output, a stream expanding more than 1000:1 stops with an error
 * (compression bomb). */
#ifndef UTIL_READER_H
#define UTIL_READER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

struct reader;

/* Returns NULL with a message in err when the file cannot be opened. */
struct reader *reader_open(const char *path, char *err, size_t errlen);
/* Open an in-memory buffer (tests, fuzzing); the bytes must outlive the reader. */
struct reader *reader_open_mem(const void *p, size_t len);
/* Up to n bytes; 0 at end of input; -1 on a read or decompression error (see reader_error). */
long reader_read(struct reader *r, void *dst, size_t n);
bool reader_is_gzip(const struct reader *r);
/* Skip n bytes of (uncompressed) input: a seek for plain files, decompress
 * and discard for gzip. Returns 0, or -1 when the input ended first or failed. */
int reader_skip(struct reader *r, uint64_t n);
/* Uncompressed bytes delivered so far. */
uint64_t reader_offset(const struct reader *r);
const char *reader_error(const struct reader *r);
void reader_close(struct reader *r);

/* Read a whole (possibly gzip) file into out, at most max bytes; *truncated
 * set when more was there. Returns 0, or -1 with err filled. */
int reader_slurp(const char *path, size_t max, struct buf *out, bool *truncated, char *err,
                 size_t errlen);

#endif
