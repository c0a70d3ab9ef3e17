/* header — RFC 5322 header block: split into fields, keep the raw bytes
 * byte-exact (DKIM canonicalises them later), unfold on request.
 * Tolerates obsolete syntax (WSP before the colon), raw 8-bit bytes, NULs,
 * bare LF or CRLF line ends, and a missing blank line. Ceilings:
 * HDR_MAX_BLOCK bytes and HDR_MAX_FIELDS fields are split into fields; the
 * end of the header block is still found past them. Does NOT decode RFC 2047
 * (see rfc2047.h) or interpret any field. */
#ifndef MAIL_HEADER_H
#define MAIL_HEADER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/anomaly.h"
#include "util/arena.h"
#include "util/str.h"

struct hdr_field {
    struct slice name; /* field name as written, without trailing WSP */
    struct slice
        raw; /* the whole field, name through last continuation, without the final line end */
    struct slice value; /* the bytes after the colon, folding kept, without the final line end */
    size_t offset;      /* offset of the field in the parsed buffer */
};

struct hdr_block {
    struct hdr_field *f;
    size_t n;
    size_t body_offset; /* offset of the first body byte (== input length when there is no body) */
    bool has_separator; /* an empty line ended the header block */
    uint32_t *key;      /* per field, its name's look-up key (hdr_parse); NULL: none */
};

/* Split (p,len) — a message or a MIME part — into fields. Never fails; what
 * it cannot read is recorded in `an` (may be NULL). */
void hdr_parse(arena *a, const char *p, size_t len, struct hdr_block *out, struct anomalies *an);
/* The idx-th field (0-based) named `name` (case-insensitive), or NULL. */
const struct hdr_field *hdr_get(const struct hdr_block *h, const char *name, size_t idx);
size_t hdr_count(const struct hdr_block *h, const char *name);
/* A field name to look for with hdr_get_first, its length beside it
 * (HDR_NAME("List-Id") for a literal). */
struct hdr_name {
    const char *name;
    size_t len;
};
#define HDR_NAME(lit)                                                                              \
    {                                                                                              \
        (lit), sizeof(lit) - 1                                                                     \
    }
#define HDR_GET_FIRST_MAX 16
/* For each of the n names (n <= HDR_GET_FIRST_MAX), the first field so
 * named, as hdr_get(h, name, 0) gives it, found in one pass over the fields
 * (a hdr_get each walks them n times); out[k] NULL when there is none. */
void hdr_get_first(const struct hdr_block *h, const struct hdr_name *names, size_t n,
                   const struct hdr_field **out);
/* Unfold a value: line ends removed (the WSP after them kept), leading and
 * trailing whitespace trimmed; NUL-terminated copy in the arena. */
char *hdr_unfold(arena *a, struct slice value, size_t *out_len);

/* Index of the first byte at or after i that is neither whitespace nor part
 * of an RFC 5322 comment (nested, with quoted-pairs); len when none. */
size_t hdr_skip_cfws(const char *p, size_t len, size_t i);

#endif
