/* header — split an RFC 5322 header block into fields (see header.h).
 *
 * One linear pass over the lines (memchr for '\n'); a line ends at LF, and a
 * CR right before the LF belongs to the line end. Each field keeps its raw
 * bytes byte-exact. Checks done once over the whole header block afterwards:
 * NUL bytes, bare CR, 8-bit bytes (and whether they are UTF-8).
 *
 * Decisions on malformed input:
 *  - the first line is not a field ("no name: colon") → the data is not a
 *    message: ANOM_MSG_NOT_RFC5322, no fields, body_offset 0 (all of it is
 *    body). Exception: a first line starting "From " (an mbox envelope line
 *    left in a saved .eml) is skipped with ANOM_HDR_BAD_FIELD and parsing
 *    goes on with the next line.
 *  - a non-field line after some fields ends the header block there (as
 *    Postfix and Python's email package do): ANOM_HDR_BAD_FIELD and
 *    ANOM_HDR_NO_SEPARATOR, body_offset = start of that line.
 *  - a header block that runs to the end of the input is legal (RFC 5322:
 *    the body is optional): no anomaly, has_separator false,
 *    body_offset == len.
 *  - a bare CR is not a line end (it stays in the field bytes).
 * Ceilings: a line starting at or past HDR_MAX_BLOCK, or a field past
 * HDR_MAX_FIELDS, is not split into fields (one anomaly) but the scan for the
 * end of the header block goes on; a header block longer than HDR_MAX_BLOCK
 * records ANOM_HDR_BLOCK_TOO_LARGE even when one long field made it so. Line length, 8-bit, NUL and
 * bare-CR anomalies are recorded once per anomaly set (not once per line). */
#include "mail/header.h"

#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "mail/limits.h"

/* Length of the field name when the line (p,len) starts a field, else 0.
 * *obs is set when WSP separates the name from the colon. *colon receives
 * the offset of the colon. */
static size_t field_name_len(const char *p, size_t len, size_t *colon, bool *obs)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        if (c == ':' || c <= 32 || c >= 127) break;
        i++;
    }
    if (i == 0 || i == len) return 0;
    size_t name_len = i;
    while (i < len && ch_is_wsp((unsigned char)p[i]))
        i++;
    if (i == len || p[i] != ':') return 0;
    *obs = i != name_len;
    *colon = i;
    return name_len;
}

static void check_block(const char *p, size_t len, struct anomalies *an)
{
    if (!an || len == 0) return;
    if (memchr(p, '\0', len)) anom_add_once(an, ANOM_MSG_NUL_BYTES, "in the header block");
    if (!anom_has(an, ANOM_MSG_BARE_CR)) {
        const char *q = p, *end = p + len;
        while ((q = memchr(q, '\r', (size_t)(end - q))) != NULL) {
            /* the header block excludes its final line end, so a CR as its
             * last byte was followed by LF in the input */
            if (q + 1 < end && q[1] != '\n') {
                anom_add(an, ANOM_MSG_BARE_CR, "in the header block");
                break;
            }
            q++;
        }
    }
    if (!str_is_ascii(p, len)) {
        anom_add_once(an, ANOM_HDR_8BIT, NULL);
        if (!str_is_utf8(p, len)) anom_add_once(an, ANOM_HDR_8BIT_NOT_UTF8, NULL);
    }
}

/* A field name's look-up key: its length (to 255) and its first, middle
 * and last bytes lowercased. Names equal but for case have equal keys, so
 * hdr_get and hdr_count compare names only where the keys match, reading a
 * small array instead of every field's name in the message text: they run
 * about 60 times a message on the rules bench (MIME, the scorer, feedback),
 * and their walk over the fields was 0.25% of the perf samples. */
static uint32_t name_key(const char *p, size_t n)
{
    if (n == 0) return 0;
    const unsigned char *u = (const unsigned char *)p;
    return (uint32_t)(n < 255 ? n : 255) | (uint32_t)ch_lower(u[0]) << 8 |
           (uint32_t)ch_lower(u[n / 2]) << 16 | (uint32_t)ch_lower(u[n - 1]) << 24;
}

void hdr_parse(arena *a, const char *p, size_t len, struct hdr_block *out, struct anomalies *an)
{
    size_t cap = 0;
    struct hdr_field *cur = NULL; /* the field continuation lines extend */
    bool splitting = true;        /* false once a ceiling is hit */
    bool seen_field = false;      /* a field line was read (split or not) */
    size_t pos = 0;
    size_t hdr_end = 0; /* end of the header block (before the separator) */

    out->f = NULL;
    out->n = 0;
    out->has_separator = false;
    out->body_offset = len;
    out->key = NULL;

    while (pos < len) {
        const char *line = p + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t line_len = nl ? (size_t)(nl - line) : len - pos; /* without LF */
        size_t next = nl ? pos + line_len + 1 : len;
        size_t content_len = line_len;                    /* without CR LF */
        if (content_len && line[content_len - 1] == '\r') /* a CR at EOF too */
            content_len--;

        if (content_len > LINE_MAX_RFC)
            anom_add_once(an, ANOM_MSG_LINE_TOO_LONG, "in the header block");

        if (content_len == 0) { /* the separator */
            out->has_separator = true;
            out->body_offset = next;
            hdr_end = pos;
            goto out;
        }

        if (ch_is_wsp((unsigned char)line[0])) {
            if (!seen_field) goto not_message;
            if (cur) {
                size_t k = 0;
                while (k < content_len && ch_is_wsp((unsigned char)line[k]))
                    k++;
                if (k == content_len)
                    anom_add_once(an, ANOM_HDR_OBS_FOLDING, "whitespace-only continuation line");
                size_t end = pos + content_len;
                cur->raw.len = end - cur->offset;
                cur->value.len = (size_t)(p + end - cur->value.p);
            }
            pos = next;
            continue;
        }

        size_t colon = 0;
        bool obs = false;
        size_t name_len = field_name_len(line, content_len, &colon, &obs);
        if (name_len == 0) {
            if (pos == 0) {
                if (content_len >= 5 && memcmp(line, "From ", 5) == 0) {
                    if (an) anom_add(an, ANOM_HDR_BAD_FIELD, "mbox From_ line before the header");
                    pos = next;
                    continue;
                }
                goto not_message;
            }
            if (!seen_field) goto not_message;
            if (an) {
                anom_add(an, ANOM_HDR_BAD_FIELD,
                         "non-field line ends the header block at offset %zu", pos);
                anom_add_once(an, ANOM_HDR_NO_SEPARATOR, NULL);
            }
            out->body_offset = pos;
            hdr_end = pos;
            goto out;
        }
        seen_field = true;
        if (obs) anom_add_once(an, ANOM_HDR_OBS_FOLDING, "whitespace before the colon");

        if (splitting && pos >= HDR_MAX_BLOCK) {
            splitting = false;
            anom_add_once(an, ANOM_HDR_BLOCK_TOO_LARGE, NULL);
        }
        if (splitting && out->n >= HDR_MAX_FIELDS) {
            splitting = false;
            anom_add_once(an, ANOM_HDR_TOO_MANY_FIELDS, NULL);
        }
        if (!splitting) {
            cur = NULL;
            pos = next;
            continue;
        }
        out->f = arena_grow(a, out->f, &cap, out->n + 1, sizeof *out->f);
        cur = &out->f[out->n++];
        cur->offset = pos;
        cur->name = (struct slice){line, name_len};
        cur->raw = (struct slice){line, content_len};
        cur->value = (struct slice){line + colon + 1, content_len - colon - 1};
        pos = next;
    }
    /* ran to the end of the input without a separator: legal, no body */
    hdr_end = len;
    out->body_offset = len;
    goto out;

not_message:
    if (an) anom_add(an, ANOM_MSG_NOT_RFC5322, NULL);
    out->n = 0;
    out->f = NULL;
    out->body_offset = 0;
    out->has_separator = false;
    return;

out:
    if (out->n) {
        out->key = arena_alloc(a, out->n * sizeof *out->key);
        for (size_t i = 0; i < out->n; i++)
            out->key[i] = name_key(out->f[i].name.p, out->f[i].name.len);
    }
    /* a block that grew past the ceiling through one long field is as
     * suspicious as one with many lines: say so either way */
    if (hdr_end > HDR_MAX_BLOCK) anom_add_once(an, ANOM_HDR_BLOCK_TOO_LARGE, NULL);
    check_block(p, hdr_end, an);
}

/* Field names compared by length first: the name's length is taken once,
 * not once per field (hdr_get ran 650 times a message in `check`). */
static bool name_is(const struct hdr_field *f, const char *name, size_t n)
{
    return f->name.len == n && str_eq_ci(f->name.p, n, name);
}

/* Whether field i is named (name,n): through the keys when the block has
 * them (names that differ in their key differ), else by the names. */
static inline bool field_is(const struct hdr_block *h, size_t i, uint32_t key, const char *name,
                            size_t n)
{
    if (h->key && h->key[i] != key) return false;
    return name_is(&h->f[i], name, n);
}

const struct hdr_field *hdr_get(const struct hdr_block *h, const char *name, size_t idx)
{
    size_t n = strlen(name);
    uint32_t key = name_key(name, n);
    for (size_t i = 0; i < h->n; i++) {
        if (field_is(h, i, key, name, n)) {
            if (idx == 0) return &h->f[i];
            idx--;
        }
    }
    return NULL;
}

void hdr_get_first(const struct hdr_block *h, const struct hdr_name *names, size_t n,
                   const struct hdr_field **out)
{
    uint32_t key[HDR_GET_FIRST_MAX];
    assert(n <= HDR_GET_FIRST_MAX);
    for (size_t k = 0; k < n; k++) {
        out[k] = NULL;
        key[k] = name_key(names[k].name, names[k].len);
    }
    for (size_t i = 0; i < h->n; i++)
        for (size_t k = 0; k < n; k++)
            if (!out[k] && field_is(h, i, key[k], names[k].name, names[k].len)) out[k] = &h->f[i];
}

size_t hdr_count(const struct hdr_block *h, const char *name)
{
    size_t n = 0, nl = strlen(name);
    uint32_t key = name_key(name, nl);
    for (size_t i = 0; i < h->n; i++)
        if (field_is(h, i, key, name, nl)) n++;
    return n;
}

char *hdr_unfold(arena *a, struct slice value, size_t *out_len)
{
    struct slice v = str_trim(value.p, value.len);
    char *o = arena_alloc(a, v.len + 1);
    size_t n = 0, i = 0;
    while (i < v.len) {
        const char *lf = memchr(v.p + i, '\n', v.len - i);
        size_t end = lf ? (size_t)(lf - v.p) : v.len;
        size_t copy_end = end;
        if (lf && copy_end > i && v.p[copy_end - 1] == '\r') copy_end--;
        memcpy(o + n, v.p + i, copy_end - i);
        n += copy_end - i;
        i = lf ? end + 1 : v.len;
    }
    o[n] = '\0';
    if (out_len) *out_len = n;
    return o;
}

size_t hdr_skip_cfws(const char *p, size_t len, size_t i)
{
    while (i < len) {
        unsigned char ch = (unsigned char)p[i];
        if (ch_is_space(ch)) {
            i++;
        } else if (ch == '(') {
            int depth = 0;
            while (i < len) {
                if (p[i] == '\\' && i + 1 < len)
                    i++;
                else if (p[i] == '(')
                    depth++;
                else if (p[i] == ')' && --depth == 0) {
                    i++;
                    break;
                }
                i++;
            }
        } else {
            break;
        }
    }
    return i;
}
