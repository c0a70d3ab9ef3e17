/* filetype — magic-number detection and the ZIP central-directory reader.
 *
 * Detection decisions (filetype_detect):
 *  - "pe": "MZ" at 0. When e_lfanew (offset 0x3C) points inside the data and
 *    "PE\0\0" is there, it is a PE. Otherwise (a truncated sample, or a DOS
 *    MZ program) it is still "pe" unless the whole sample looks like text, so
 *    a text file that happens to begin with "MZ" is not called executable.
 *  - "macho": FEEDFACE/FEEDFACF in both byte orders; CAFEBABE/CAFEBABF fat
 *    binaries only when the architecture count is 1..30 (a Java class file
 *    shares CAFEBABE, with a version number >= 45 there).
 *  - "zip": PK\3\4, PK\5\6 (empty archive), PK\7\8 (spanned); "ooxml" when a
 *    central-directory member (or, if there is no readable directory, the
 *    first local header) is "[Content_Types].xml" or starts with "word/",
 *    "xl/" or "ppt/".
 *  - "pdf": "%PDF-" anywhere in the first 1024 bytes (as readers accept).
 *  - "bmp": "BM" plus a known DIB header size at offset 14 ("BM" alone is too
 *    common at the start of text).
 *  - "iso": "CD001" at 0x8001, 0x8801 or 0x9001.
 *  - "html": "<!doctype html" or "<html" after optional BOM and whitespace.
 *  - "text": no NUL, at most 1 in 64 control bytes, and either valid UTF-8
 *    or at most 30% 8-bit bytes (legacy 8-bit charsets); sampled on the
 *    first 8 KiB.
 *
 * ZIP reader decisions (zip_list): the End Of Central Directory record is
 * searched backwards over the last 64 KiB + 22 bytes; a ZIP64 locator just
 * before it is honoured; a central directory whose recorded offset is wrong
 * by a constant (data prepended, e.g. self-extractors) is found at
 * EOCD - cd_size. Every field is bounds-checked; entries are read until the
 * directory ends, the count is reached, or a bad signature (ANOM_ZIP_CORRUPT,
 * what was read is kept). Names: UTF-8 kept when valid, else read as CP437;
 * NUL bytes become '?'. Ceiling ZIP_MAX_MEMBERS (ANOM_ZIP_TOO_MANY_MEMBERS).
 * Does NOT read local headers for the listing, extract, or check CRCs. */
#include "mail/filetype.h"

#include <string.h>

#include "mail/limits.h"
#include "util/str.h"

static uint16_t rd16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint32_t rd32be(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static bool has_at(const unsigned char *p, size_t len, size_t off, const void *magic, size_t n)
{
    return off <= len && len - off >= n && memcmp(p + off, magic, n) == 0;
}

/* ---- ZIP central directory walk (shared by detection and listing) ---- */

#define EOCD_SIZE 22
#define EOCD64_LOC_SIZE 20
#define EOCD64_SIZE 56
#define CDH_SIZE 46

struct zip_cd {
    uint64_t off, size, count; /* central directory location and entry count */
};

/* Read the EOCD (and ZIP64 EOCD) found at `pos`; false when inconsistent. */
static bool cd_from_eocd(const unsigned char *p, size_t len, size_t pos, struct zip_cd *cd)
{
    const unsigned char *e = p + pos;
    cd->count = rd16(e + 10);
    cd->size = rd32(e + 12);
    cd->off = rd32(e + 16);
    if (pos >= EOCD64_LOC_SIZE && memcmp(p + pos - EOCD64_LOC_SIZE, "PK\6\7", 4) == 0) {
        uint64_t off64 = rd64(p + pos - EOCD64_LOC_SIZE + 8);
        if (off64 <= len && len - off64 >= EOCD64_SIZE && memcmp(p + off64, "PK\6\6", 4) == 0) {
            const unsigned char *z = p + off64;
            cd->count = rd64(z + 32);
            cd->size = rd64(z + 40);
            cd->off = rd64(z + 48);
            pos = (size_t)off64; /* the directory ends before the ZIP64 record */
        }
    }
    if (cd->size > pos) return false;
    /* The directory must end where the end records begin; if its recorded
     * offset disagrees, trust the end position (data was prepended). */
    uint64_t expect = pos - cd->size;
    if (cd->off != expect) {
        if (cd->size > 0 &&
            (cd->off > len || len - cd->off < 4 || memcmp(p + cd->off, "PK\1\2", 4) != 0))
            cd->off = expect;
        else if (cd->off > pos || pos - cd->off < cd->size)
            cd->off = expect;
    }
    return cd->size == 0 || memcmp(p + cd->off, "PK\1\2", 4) == 0;
}

static bool find_cd(const unsigned char *p, size_t len, struct zip_cd *cd)
{
    if (len < EOCD_SIZE) return false;
    size_t last = len - EOCD_SIZE;
    size_t first = last > 65535 ? last - 65535 : 0;
    for (size_t pos = last + 1; pos-- > first;) {
        if (p[pos] != 'P' || memcmp(p + pos, "PK\5\6", 4) != 0) continue;
        if (cd_from_eocd(p, len, pos, cd)) return true;
    }
    return false;
}

struct cd_entry {
    const unsigned char *name;
    size_t name_len;
    uint16_t flags;
    uint64_t csize, usize;
    uint8_t made_by_os;
    uint32_t ext_attr;
};

enum walk_rc { WALK_OK, WALK_CORRUPT, WALK_STOPPED };

/* Calls fn for each directory entry; fn returns false to stop. */
static enum walk_rc cd_walk(const unsigned char *p, size_t len, const struct zip_cd *cd,
                            bool (*fn)(void *ctx, const struct cd_entry *e), void *ctx)
{
    size_t pos = (size_t)cd->off;
    size_t end = (size_t)(cd->off + cd->size);
    if (end > len) end = len;
    for (uint64_t k = 0; k < cd->count; k++) {
        if (end - pos < CDH_SIZE || memcmp(p + pos, "PK\1\2", 4) != 0) return WALK_CORRUPT;
        const unsigned char *h = p + pos;
        size_t name_len = rd16(h + 28), extra_len = rd16(h + 30), comment_len = rd16(h + 32);
        size_t var = name_len + extra_len + comment_len;
        if (end - pos - CDH_SIZE < var) return WALK_CORRUPT;
        struct cd_entry e = {
            .name = h + CDH_SIZE,
            .name_len = name_len,
            .flags = rd16(h + 8),
            .csize = rd32(h + 20),
            .usize = rd32(h + 24),
            .made_by_os = h[5],
            .ext_attr = rd32(h + 38),
        };
        /* ZIP64 extended information: only the fields that are 0xFFFFFFFF. */
        const unsigned char *x = h + CDH_SIZE + name_len, *xend = x + extra_len;
        while (xend - x >= 4) {
            uint16_t id = rd16(x), sz = rd16(x + 2);
            if ((size_t)(xend - x - 4) < sz) break;
            if (id == 0x0001) {
                const unsigned char *f = x + 4, *fend = f + sz;
                if (e.usize == 0xFFFFFFFFu && fend - f >= 8) {
                    e.usize = rd64(f);
                    f += 8;
                }
                if (e.csize == 0xFFFFFFFFu && fend - f >= 8) e.csize = rd64(f);
                break;
            }
            x += 4 + sz;
        }
        if (!fn(ctx, &e)) return WALK_STOPPED;
        pos += CDH_SIZE + var;
    }
    return WALK_OK;
}

/* ---- detection ---- */

static bool name_is_ooxml(const unsigned char *n, size_t len)
{
    return (len == 19 && memcmp(n, "[Content_Types].xml", 19) == 0) ||
           (len >= 5 && memcmp(n, "word/", 5) == 0) || (len >= 3 && memcmp(n, "xl/", 3) == 0) ||
           (len >= 4 && memcmp(n, "ppt/", 4) == 0);
}

static bool ooxml_cb(void *ctx, const struct cd_entry *e)
{
    if (name_is_ooxml(e->name, e->name_len)) {
        *(bool *)ctx = true;
        return false;
    }
    return true;
}

static bool zip_is_ooxml(const unsigned char *p, size_t len)
{
    struct zip_cd cd;
    bool found = false;
    if (find_cd(p, len, &cd)) {
        cd_walk(p, len, &cd, ooxml_cb, &found);
        return found;
    }
    /* No readable directory: look at the first local header's name. */
    if (len >= 30 && memcmp(p, "PK\3\4", 4) == 0) {
        size_t n = rd16(p + 26);
        if (len - 30 >= n) return name_is_ooxml(p + 30, n);
    }
    return false;
}

static bool looks_like_text(const unsigned char *p, size_t len)
{
    if (len > 8192) len = 8192;
    size_t ctrl = 0, high = 0;
    size_t i = 0;
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    while (i < len) {
        /* Skip eight bytes at once when they are all printable ASCII
         * (0x20-0x7E): no byte below 0x20, none >= 0x80, none 0x7F. */
        if (len - i >= 8) {
            uint64_t w;
            memcpy(&w, p + i, 8);
            uint64_t del = w ^ (ones * 0x7F);
            if ((((w - ones * 0x20) | w | (del - ones)) & highs) == 0) {
                i += 8;
                continue;
            }
        }
        size_t end = len - i >= 8 ? i + 8 : len;
        for (; i < end; i++) {
            unsigned char c = p[i];
            if (c == 0) return false;
            if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\b' &&
                 c != 0x1b) ||
                c == 0x7f)
                ctrl++;
            else if (c >= 0x80)
                high++;
        }
    }
    if (ctrl * 64 > len) return false;
    if (high == 0) return true;
    /* Valid UTF-8, allowing a sequence cut by the 8 KiB sample. */
    i = 0;
    while (i < len) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        size_t n = str_utf8_seqlen(p + i, len - i);
        if (n == 0) break;
        i += n;
    }
    if (i == len || len - i < 4) return true;
    return high * 10 <= len * 3;
}

static bool is_html_start(const unsigned char *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) i = 3;
    while (i < len && ch_is_space(p[i]))
        i++;
    const char *s = (const char *)p + i;
    size_t n = len - i;
    if (str_starts_ci(s, n, "<!doctype html")) return true;
    return str_starts_ci(s, n, "<html") &&
           (n == 5 || s[5] == '>' || ch_is_space((unsigned char)s[5]));
}

static const char *detect_pe(const unsigned char *p, size_t len)
{
    if (len >= 0x40) {
        uint32_t lfanew = rd32(p + 0x3C);
        if (has_at(p, len, lfanew, "PE\0\0", 4)) return "pe";
    }
    return looks_like_text(p, len) ? "text" : "pe";
}

static bool is_bmp(const unsigned char *p, size_t len)
{
    if (len < 18 || p[0] != 'B' || p[1] != 'M') return false;
    uint32_t dib = rd32(p + 14);
    return dib == 12 || dib == 40 || dib == 52 || dib == 56 || dib == 64 || dib == 108 ||
           dib == 124;
}

struct magic {
    size_t off;
    const char *bytes;
    size_t n;
    const char *type;
};

/* Fixed signatures, checked in order (more specific first). */
static const struct magic magics[] = {
    {0,
     "\x7f"
     "ELF",
     4, "elf"},
    {0, "\xFE\xED\xFA\xCE", 4, "macho"},
    {0, "\xCE\xFA\xED\xFE", 4, "macho"},
    {0, "\xFE\xED\xFA\xCF", 4, "macho"},
    {0, "\xCF\xFA\xED\xFE", 4, "macho"},
    {0, "%PDF-", 5, "pdf"},
    {0, "\x89PNG\r\n\x1a\n", 8, "png"},
    {0, "\xFF\xD8\xFF", 3, "jpeg"},
    {0, "GIF87a", 6, "gif"},
    {0, "GIF89a", 6, "gif"},
    {0, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8, "ole2"},
    {0, "Rar!\x1a\x07\x00", 7, "rar"},
    {0, "Rar!\x1a\x07\x01\x00", 8, "rar"},
    {0, "7z\xBC\xAF\x27\x1C", 6, "7z"},
    {0, "\x1f\x8b\x08", 3, "gzip"},
    {0, "II*\0", 4, "tiff"},
    {0, "MM\0*", 4, "tiff"},
    {0, "{\\rtf", 5, "rtf"},
    {0x8001, "CD001", 5, "iso"},
    {0x8801, "CD001", 5, "iso"},
    {0x9001, "CD001", 5, "iso"},
};

/* "%PDF-" in (p,n): memchr for the '%' (text, the usual sample here, has
 * few), where memmem cost 2,000 instructions a call over the 1 KB sampled. */
static bool has_pdf_magic(const unsigned char *p, size_t n)
{
    const unsigned char *e = p + n;
    for (const unsigned char *q = p; (size_t)(e - q) >= 5; q++) {
        q = memchr(q, '%', (size_t)(e - q) - 4);
        if (!q) return false;
        if (memcmp(q + 1, "PDF-", 4) == 0) return true;
    }
    return false;
}

const char *filetype_detect(const unsigned char *p, size_t len)
{
    if (len == 0) return "empty";
    if (len >= 2 && p[0] == 'M' && p[1] == 'Z') return detect_pe(p, len);
    if (len >= 4 && p[0] == 'P' && p[1] == 'K' &&
        ((p[2] == 3 && p[3] == 4) || (p[2] == 5 && p[3] == 6) || (p[2] == 7 && p[3] == 8)))
        return zip_is_ooxml(p, len) ? "ooxml" : "zip";
    if (len >= 8 && (rd32be(p) == 0xCAFEBABEu || rd32be(p) == 0xCAFEBABFu)) {
        uint32_t narch = rd32be(p + 4);
        if (narch >= 1 && narch <= 30) return "macho";
    }
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (has_at(p, len, magics[i].off, magics[i].bytes, magics[i].n)) return magics[i].type;
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0) return "webp";
    if (is_bmp(p, len)) return "bmp";
    if (has_pdf_magic(p, len < 1024 ? len : 1024)) return "pdf";
    if (is_html_start(p, len)) return "html";
    if (looks_like_text(p, len)) return "text";
    return "unknown";
}

/* ---- listing ---- */

/* CP437 0x80-0xFF as Unicode code points. */
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF,
    0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9,
    0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557,
    0x255D, 0x255C, 0x255B, 0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568, 0x2564, 0x2565, 0x2559,
    0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248,
    0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};

static char *name_to_utf8(arena *a, const unsigned char *n, size_t len)
{
    char *s;
    if (str_is_utf8((const char *)n, len)) {
        s = arena_strndup(a, (const char *)n, len);
    } else {
        s = arena_alloc(a, len * 3 + 1);
        size_t o = 0;
        for (size_t i = 0; i < len; i++) {
            unsigned c = n[i] < 0x80 ? n[i] : cp437_high[n[i] - 0x80];
            if (c < 0x80) {
                s[o++] = (char)c;
            } else if (c < 0x800) {
                s[o++] = (char)(0xC0 | c >> 6);
                s[o++] = (char)(0x80 | (c & 0x3F));
            } else {
                s[o++] = (char)(0xE0 | c >> 12);
                s[o++] = (char)(0x80 | (c >> 6 & 0x3F));
                s[o++] = (char)(0x80 | (c & 0x3F));
            }
        }
        s[o] = 0;
        len = o;
    }
    for (size_t i = 0; i < len; i++)
        if (s[i] == 0) s[i] = '?';
    return s;
}

struct list_ctx {
    arena *a;
    struct zip_listing *out;
    size_t cap;
    bool too_many;
};

static bool list_cb(void *ctx, const struct cd_entry *e)
{
    struct list_ctx *c = ctx;
    struct zip_listing *l = c->out;
    if (l->n >= ZIP_MAX_MEMBERS) {
        c->too_many = true;
        return false;
    }
    l->m = arena_grow(c->a, l->m, &c->cap, l->n + 1, sizeof *l->m);
    struct zip_member *m = &l->m[l->n++];
    m->name = name_to_utf8(c->a, e->name, e->name_len);
    m->size = e->usize;
    m->csize = e->csize;
    m->encrypted = (e->flags & 1u) != 0;
    /* A trailing '/' marks a directory; so does the MS-DOS attribute bit when
     * the archive was made on MS-DOS/Windows (made-by OS 0). */
    m->is_dir = (e->name_len > 0 && e->name[e->name_len - 1] == '/') ||
                (e->made_by_os == 0 && (e->ext_attr & 0x10u) != 0);
    if (m->encrypted) l->any_encrypted = true;
    return true;
}

bool zip_list(arena *a, const unsigned char *p, size_t len, struct zip_listing *out,
              struct anomalies *an)
{
    memset(out, 0, sizeof *out);
    struct zip_cd cd;
    if (!find_cd(p, len, &cd)) {
        anom_add(an, ANOM_ZIP_CORRUPT, "no end of central directory");
        return false;
    }
    struct list_ctx c = {.a = a, .out = out};
    enum walk_rc rc = cd_walk(p, len, &cd, list_cb, &c);
    if (c.too_many)
        anom_add(an, ANOM_ZIP_TOO_MANY_MEMBERS, "more than %d members", ZIP_MAX_MEMBERS);
    if (rc == WALK_CORRUPT) {
        anom_add(an, ANOM_ZIP_CORRUPT, "central directory entry %zu unreadable", out->n);
        return out->n > 0;
    }
    return true;
}
