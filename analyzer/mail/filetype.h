/* filetype — what a byte string really is, from its first bytes (magic
 * numbers), independent of the name or declared type; and the member list of
 * a ZIP archive read from its central directory only (nothing is extracted).
 * Ceiling: ZIP_MAX_MEMBERS members. */
#ifndef MAIL_FILETYPE_H
#define MAIL_FILETYPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/anomaly.h"
#include "util/arena.h"

/* A short stable name: "pe", "elf", "macho", "zip", "ooxml", "pdf", "png",
 * "jpeg", "gif", "ole2", "rar", "7z", "gzip", "iso", "bmp", "webp", "tiff",
 * "rtf", "html", "text", "empty", "unknown" (documented in README). */
const char *filetype_detect(const unsigned char *p, size_t len);

struct zip_member {
    char *name; /* as stored (CP437 or UTF-8 flag honoured as UTF-8 when valid) */
    uint64_t size, csize;
    bool encrypted;
    bool is_dir;
};

struct zip_listing {
    struct zip_member *m;
    size_t n;
    bool any_encrypted;
};

/* Returns false (recording ANOM_ZIP_CORRUPT) when no central directory can be read. */
bool zip_list(arena *a, const unsigned char *p, size_t len, struct zip_listing *out,
              struct anomalies *an);

#endif
