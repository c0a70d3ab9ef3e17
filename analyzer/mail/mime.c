/* mime — the MIME tree of one message (see mime.h).
 *
 * Capped recursion over entities: a multipart or message node at depth d
 * parses its children at depth d+1, and a container at MIME_MAX_DEPTH is not
 * entered (ANOM_MIME_DEPTH): it becomes an opaque leaf (is_multipart and
 * is_message false, its body hashed and typed as bytes). Each multipart body
 * is scanned once with memmem for "--boundary"; nested levels scan only
 * their own part, so the whole tree costs O(depth x size) at worst.
 *
 * Boundaries (RFC 2046 §5.1.1), exactly: a delimiter is "--" boundary at the
 * start of the body or right after LF, then optionally "--" (close), then
 * only SP/HT, then CRLF, LF or the end of the body. "--boundaryX" or
 * "--boundary-- x" are body text. The line end before a delimiter belongs to
 * the delimiter. Preamble and epilogue are ignored. No close delimiter: the
 * last part runs to the end, minus one final line end, which would belong to
 * the missing delimiter (ANOM_MIME_UNCLOSED; Python's email does the same). A boundary that is
 * empty or longer than MIME_MAX_BOUNDARY is not used (ANOM_MIME_BAD_BOUNDARY); one longer than 70
 * bytes or with characters outside RFC 2046 bchars is used but recorded (ANOM_MIME_BAD_BOUNDARY).
 *
 * Decisions:
 *  - A multipart whose boundary is missing (ANOM_MIME_NO_BOUNDARY), unusable,
 *    or never found (ANOM_MIME_NO_PARTS) keeps its node and gets ONE child
 *    "P.1": the whole body as a headerless text/plain (us-ascii) leaf, so the
 *    text is still seen by content rules.
 *  - A body part that starts with neither a header field nor an empty line is
 *    a headerless part: all of it is body (no anomaly: that is what
 *    RFC 2046 means by a part without header fields, minus the blank line).
 *  - Defaults: no (or unparseable, ANOM_MIME_BAD_CTYPE) Content-Type ->
 *    text/plain, or message/rfc822 directly inside multipart/digest. charset
 *    is what was declared (lowercased) or NULL; undeclared text is converted
 *    as us-ascii-with-fallback (UTF-8 if valid, else windows-1252).
 *  - Transfer encodings (first token of the value, quotes dropped,
 *    case-insensitive): 7bit, 8bit, binary (identity: decoded points into
 *    the message), base64, quoted-printable; anything else (x-uuencode
 *    included) is ANOM_MIME_BAD_CTE and the body is kept raw. 8-bit bytes in
 *    a leaf declared 7bit (or with no CTE): ANOM_8BIT_UNDECLARED.
 *    A multipart with an encoding other than 7bit/8bit/binary is recorded
 *    (ANOM_MIME_CTE_ON_MULTIPART) and split as is; a message/rfc822 with
 *    base64 or quoted-printable is recorded the same way, decoded, and the
 *    decoded bytes parsed as the nested message (its nodes' raw/body slices
 *    then point into the decoded copy, not into the input).
 *  - message/rfc822 and message/global are nested messages ("P.1"); other
 *    message/ subtypes are leaves.
 *  - disposition: "inline" when written so, "attachment" for any other
 *    non-empty value (RFC 2183: unknown types are treated as attachment),
 *    NULL when absent. filename: Content-Disposition filename, else
 *    Content-Type name (RFC 2231/2047 decoded by mimeparam), "" = NULL.
 *  - is_attachment: disposition attachment; or a filename on anything but
 *    inline text (a text/ part whose disposition is inline or absent).
 *  - Leaves: decoded bytes, sha256, detected_type, ZIP listing for "zip" and
 *    "ooxml"; text/ parts converted to UTF-8 (charset anomalies recorded),
 *    text/html rendered once by html.c, the rendered text in `text`.
 * Ceilings: MIME_MAX_PARTS nodes (ANOM_MIME_TOO_MANY_PARTS, later parts are
 * not added), MIME_MAX_DECODED decoded bytes (ANOM_DECODED_TOO_LARGE: that
 * leaf and all later ones stay undecoded: decoded NULL, sha256 "", no type).
 * Header anomalies of parts are recorded once per message per code.
 * Does NOT decode uuencode or BinHex, or look inside archives beyond the
 * ZIP directory. */
#include "mail/mime.h"

#include <stdint.h>
#include <string.h>

#include "mail/encoding.h"
#include "mail/limits.h"
#include "util/charset.h"
#include "util/hash.h"
#include "util/str.h"

struct ctx {
    arena *a;
    struct anomalies *an;
    struct mime_limits lim;
    struct mime_tree *t;
    size_t cap;
    size_t decoded_total;
    bool decode_stopped;
};

/* Parse a part's header block; its anomalies are merged once per code.
 * ANOM_MSG_NOT_RFC5322 means "headerless part" for body parts: dropped. */
static void parse_headers(struct ctx *c, struct slice raw, struct hdr_block *h, bool is_message)
{
    struct anomalies tmp;
    anom_init(&tmp, c->a);
    hdr_parse(c->a, raw.p, raw.len, h, &tmp);
    for (size_t i = 0; i < tmp.n; i++) {
        enum anom_code code = tmp.v[i].code;
        if (code == ANOM_MSG_NOT_RFC5322 && !is_message) continue;
        anom_add_once(c->an, code, tmp.v[i].detail);
    }
}

static char *header_value(struct ctx *c, const struct hdr_block *h, const char *name, size_t *len)
{
    const struct hdr_field *f = hdr_get(h, name, 0);
    if (!f) return NULL;
    return hdr_unfold(c->a, f->value, len);
}

/* RFC 2046: 1 to 70 bchars (DIGIT ALPHA ' ( ) + _ , - . / : = ? and space,
 * space not last). */
static bool boundary_is_valid(const char *b, size_t n)
{
    if (n == 0 || n > 70 || b[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)b[i];
        if (!ch_is_alnum(ch) && !(ch != 0 && strchr("'()+_,-./:=? ", ch))) return false;
    }
    return true;
}

struct delim {
    size_t line_start; /* where the preceding part ends (its line end excluded) */
    size_t after;      /* first byte after the delimiter line */
    bool close;
};

/* Find the next delimiter at or after `from`. `dash` is "--boundary". */
static bool find_delim(const char *p, size_t len, size_t from, const char *dash, size_t dlen,
                       struct delim *d)
{
    while (from < len) {
        /* memchr for '-' is much faster than memmem, and base64 bodies,
         * the bulk of most messages, contain no '-' at all. */
        const char *hit = memchr(p + from, '-', len - from);
        if (!hit) return false;
        size_t k = (size_t)(hit - p);
        from = k + 1;
        if ((k > 0 && p[k - 1] != '\n') || len - k < dlen || memcmp(p + k, dash, dlen) != 0)
            continue;
        size_t j = k + dlen;
        bool close = false;
        if (len - j >= 2 && p[j] == '-' && p[j + 1] == '-') {
            close = true;
            j += 2;
        }
        while (j < len && ch_is_wsp((unsigned char)p[j]))
            j++;
        if (j == len)
            d->after = len;
        else if (p[j] == '\n')
            d->after = j + 1;
        else if (p[j] == '\r' && (j + 1 == len || p[j + 1] == '\n'))
            d->after = j + 1 == len ? len : j + 2;
        else
            continue;
        d->close = close;
        if (k >= 2 && p[k - 2] == '\r' && p[k - 1] == '\n')
            d->line_start = k - 2;
        else if (k >= 1)
            d->line_start = k - 1;
        else
            d->line_start = 0;
        return true;
    }
    return false;
}

enum entity_kind { E_PART, E_MESSAGE, E_HEADERLESS };

static int parse_entity(struct ctx *c, struct slice raw, const struct hdr_block *pre, int parent,
                        int depth, const char *path, bool in_digest, enum entity_kind kind);

static void decode_leaf(struct ctx *c, int idx);

static bool cte_is_identity(const char *cte)
{
    return !cte || strcmp(cte, "7bit") == 0 || strcmp(cte, "8bit") == 0 ||
           strcmp(cte, "binary") == 0;
}

/* Transfer-decode a body. Returns false when the ceiling stops decoding. */
static bool transfer_decode(struct ctx *c, const char *cte, struct slice body,
                            const unsigned char **out, size_t *out_len)
{
    if (c->decode_stopped) return false;
    if (body.len > c->lim.max_decoded - c->decoded_total) {
        c->decode_stopped = true;
        anom_add(c->an, ANOM_DECODED_TOO_LARGE, "after %zu bytes", c->decoded_total);
        return false;
    }
    if (cte_is_identity(cte)) {
        *out = (const unsigned char *)body.p;
        *out_len = body.len;
    } else if (strcmp(cte, "base64") == 0) {
        *out = enc_base64_decode(c->a, body.p, body.len, out_len, c->an);
    } else if (strcmp(cte, "quoted-printable") == 0) {
        *out = enc_qp_decode(c->a, body.p, body.len, out_len, 0, c->an);
    } else {
        if (!anom_has(c->an, ANOM_MIME_BAD_CTE)) anom_add(c->an, ANOM_MIME_BAD_CTE, "%s", cte);
        *out = (const unsigned char *)body.p;
        *out_len = body.len;
    }
    c->decoded_total += *out_len;
    return true;
}

/* The path of child k of the node at path: "PATH.K" (arena_printf's
 * format parsing cost 900 instructions a part). */
static char *child_path(arena *a, const char *path, size_t k)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + k % 10);
        k /= 10;
    } while (k);
    size_t pl = strlen(path);
    char *o = arena_alloc(a, pl + 1 + nd + 1);
    memcpy(o, path, pl);
    o[pl] = '.';
    for (size_t i = 0; i < nd; i++)
        o[pl + 1 + i] = digits[nd - 1 - i];
    o[pl + 1 + nd] = '\0';
    return o;
}

static void add_headerless_child(struct ctx *c, int idx, int depth, const char *path,
                                 struct slice body)
{
    char *cpath = child_path(c->a, path, 1);
    parse_entity(c, body, NULL, idx, depth + 1, cpath, false, E_HEADERLESS);
}

static void split_multipart(struct ctx *c, int idx, int depth, const char *path)
{
    struct mime_part *part = &c->t->parts[idx];
    struct slice body = part->body;
    const char *b = mimeparam_get(&part->ctype, "boundary");
    if (!b) {
        anom_add(c->an, ANOM_MIME_NO_BOUNDARY, "%s", part->content_type);
        add_headerless_child(c, idx, depth, path, body);
        return;
    }
    size_t blen = strlen(b);
    if (blen == 0 || blen > MIME_MAX_BOUNDARY) {
        anom_add(c->an, ANOM_MIME_BAD_BOUNDARY, "%zu bytes", blen);
        add_headerless_child(c, idx, depth, path, body);
        return;
    }
    if (!boundary_is_valid(b, blen) && !anom_has(c->an, ANOM_MIME_BAD_BOUNDARY))
        anom_add(c->an, ANOM_MIME_BAD_BOUNDARY, "%.60s", b);
    char *dash = arena_alloc(c->a, blen + 3);
    dash[0] = dash[1] = '-';
    memcpy(dash + 2, b, blen + 1);
    size_t dlen = blen + 2;
    bool digest = strcmp(part->content_type, "multipart/digest") == 0;

    struct delim d;
    if (!find_delim(body.p, body.len, 0, dash, dlen, &d)) {
        anom_add(c->an, ANOM_MIME_NO_PARTS, "%.60s", b);
        add_headerless_child(c, idx, depth, path, body);
        return;
    }
    size_t k = 0;
    while (!d.close) {
        size_t start = d.after;
        struct delim next;
        bool found = find_delim(body.p, body.len, start, dash, dlen, &next);
        size_t end = found ? next.line_start : body.len;
        if (!found && end > start && body.p[end - 1] == '\n') {
            /* the final line end would belong to the missing close delimiter */
            end--;
            if (end > start && body.p[end - 1] == '\r') end--;
        }
        if (end < start) end = start;
        if (!found) anom_add(c->an, ANOM_MIME_UNCLOSED, "%.60s", b);
        char *cpath = child_path(c->a, path, ++k);
        struct slice child = {body.p + start, end - start};
        if (parse_entity(c, child, NULL, idx, depth + 1, cpath, digest, E_PART) < 0) return;
        if (!found) return;
        d = next;
    }
}

/* message/rfc822 or message/global: the body is a message. */
static void parse_nested_message(struct ctx *c, int idx, int depth, const char *path)
{
    struct mime_part *part = &c->t->parts[idx];
    struct slice body = part->body;
    if (!cte_is_identity(part->cte)) {
        anom_add(c->an, ANOM_MIME_CTE_ON_MULTIPART, "%s on %s", part->cte, part->content_type);
        if (strcmp(part->cte, "base64") == 0 || strcmp(part->cte, "quoted-printable") == 0) {
            const unsigned char *dec;
            size_t dlen;
            if (!transfer_decode(c, part->cte, body, &dec, &dlen)) return;
            body = (struct slice){(const char *)dec, dlen};
        }
    }
    char *cpath = child_path(c->a, path, 1);
    parse_entity(c, body, NULL, idx, depth + 1, cpath, false, E_MESSAGE);
}

/* The encoding token of an unfolded Content-Transfer-Encoding value,
 * lowercased: quotes and anything after a space, ';' or '(' are dropped
 * ("base64 (sic)", "\"base64\"" occur in the wild). */
static char *cte_token(char *v, size_t len)
{
    size_t i = 0;
    while (i < len && v[i] == '"')
        i++;
    size_t j = i;
    while (j < len && v[j] != '"' && v[j] != ';' && v[j] != '(' &&
           !ch_is_space((unsigned char)v[j]))
        j++;
    v[j] = 0;
    str_lower(v + i, j - i);
    return v + i;
}

static const char *disposition_of(const char *v)
{
    if (!v || !*v) return NULL;
    return strcmp(v, "inline") == 0 ? "inline" : "attachment";
}

/* Add one node and, for containers, its subtree. Returns the node index, or
 * -1 when the part ceiling stopped parsing. */
static int parse_entity(struct ctx *c, struct slice raw, const struct hdr_block *pre, int parent,
                        int depth, const char *path, bool in_digest, enum entity_kind kind)
{
    struct mime_tree *t = c->t;
    if (t->n >= c->lim.max_parts) {
        anom_add_once(c->an, ANOM_MIME_TOO_MANY_PARTS, NULL);
        return -1;
    }
    t->parts = arena_grow(c->a, t->parts, &c->cap, t->n + 1, sizeof *t->parts);
    int idx = (int)t->n++;
    struct mime_part *part = &t->parts[idx];
    memset(part, 0, sizeof *part);
    part->path = (char *)path;
    part->depth = depth;
    part->parent = parent;
    part->raw = raw;
    if (pre)
        part->hdr = *pre;
    else if (kind == E_HEADERLESS)
        part->hdr.body_offset = 0;
    else
        parse_headers(c, raw, &part->hdr, kind == E_MESSAGE);
    size_t boff = part->hdr.body_offset <= raw.len ? part->hdr.body_offset : raw.len;
    part->body = (struct slice){raw.p + boff, raw.len - boff};

    size_t vlen;
    char *v = header_value(c, &part->hdr, "Content-Type", &vlen);
    if (v) {
        mimeparam_parse(c->a, v, vlen, &part->ctype, c->an);
        const char *ct = part->ctype.value;
        const char *slash = ct ? strchr(ct, '/') : NULL;
        if (!slash || slash == ct || slash[1] == 0) {
            anom_add_once(c->an, ANOM_MIME_BAD_CTYPE, "not type/subtype");
            part->ctype.value = NULL;
        }
    }
    if (!part->ctype.value)
        part->ctype.value = arena_strdup(c->a, in_digest ? "message/rfc822" : "text/plain");
    part->content_type = part->ctype.value;

    v = header_value(c, &part->hdr, "Content-Disposition", &vlen);
    if (v) mimeparam_parse(c->a, v, vlen, &part->cdisp, c->an);
    if (!part->cdisp.value) part->cdisp.value = arena_strdup(c->a, "");
    part->disposition = disposition_of(part->cdisp.value);

    v = header_value(c, &part->hdr, "Content-Transfer-Encoding", &vlen);
    if (v) part->cte = cte_token(v, vlen);
    const char *cs = mimeparam_get(&part->ctype, "charset");
    if (cs && *cs) {
        char *l = arena_strdup(c->a, cs);
        str_lower(l, strlen(l));
        part->charset = l;
    }
    const char *fn = mimeparam_get(&part->cdisp, "filename");
    if (!fn || !*fn) fn = mimeparam_get(&part->ctype, "name");
    part->filename = fn && *fn ? fn : NULL;

    const char *ct = part->content_type;
    part->is_text = strncmp(ct, "text/", 5) == 0;
    part->is_html = strcmp(ct, "text/html") == 0;
    bool inline_text =
        part->is_text && (!part->disposition || strcmp(part->disposition, "inline") == 0);
    part->is_attachment = (part->disposition && strcmp(part->disposition, "attachment") == 0) ||
                          (part->filename && !inline_text);

    bool multipart = strncmp(ct, "multipart/", 10) == 0;
    bool message = strcmp(ct, "message/rfc822") == 0 || strcmp(ct, "message/global") == 0;
    if ((multipart || message) && depth >= c->lim.max_depth) {
        anom_add_once(c->an, ANOM_MIME_DEPTH, path);
        multipart = message = false;
    }
    if (multipart) {
        part->is_multipart = true;
        if (!cte_is_identity(part->cte))
            anom_add(c->an, ANOM_MIME_CTE_ON_MULTIPART, "%s on %s", part->cte, ct);
        split_multipart(c, idx, depth, path);
    } else if (message) {
        part->is_message = true;
        parse_nested_message(c, idx, depth, path);
    } else {
        decode_leaf(c, idx);
    }
    return idx;
}

static void decode_leaf(struct ctx *c, int idx)
{
    struct mime_part *part = &c->t->parts[idx];
    if ((!part->cte || strcmp(part->cte, "7bit") == 0) && !anom_has(c->an, ANOM_8BIT_UNDECLARED) &&
        !str_is_ascii(part->body.p, part->body.len))
        anom_add(c->an, ANOM_8BIT_UNDECLARED, "part %s", part->path);
    if (!transfer_decode(c, part->cte, part->body, &part->decoded, &part->decoded_len)) return;
    sha256_hex(part->decoded, part->decoded_len, part->sha256);
    part->detected_type = filetype_detect(part->decoded, part->decoded_len);
    if (strcmp(part->detected_type, "zip") == 0 || strcmp(part->detected_type, "ooxml") == 0)
        zip_list(c->a, part->decoded, part->decoded_len, &part->zip, c->an);
    if (!part->is_text) return;
    char *text;
    size_t text_len;
    const char *cs = part->charset;
    enum charset_rc rc = charset_to_utf8(c->a, cs, cs ? strlen(cs) : 0, (const char *)part->decoded,
                                         part->decoded_len, &text, &text_len);
    if (rc == CHARSET_UNKNOWN && !anom_has(c->an, ANOM_CHARSET_UNKNOWN))
        anom_add(c->an, ANOM_CHARSET_UNKNOWN, "%s", cs ? cs : "");
    else if (rc == CHARSET_BAD_BYTES && !anom_has(c->an, ANOM_CHARSET_BAD_BYTES))
        anom_add(c->an, ANOM_CHARSET_BAD_BYTES, "%s in part %s", cs ? cs : "undeclared",
                 part->path);
    if (part->is_html) {
        html_render(c->a, text, text_len, &part->html, c->an);
        part->text = part->html.text;
        part->text_len = part->html.text_len;
    } else {
        part->text = text;
        part->text_len = text_len;
    }
}

void mime_parse_ex(arena *a, const char *msg, size_t len, const struct hdr_block *top,
                   const struct mime_limits *lim, struct mime_tree *out, struct anomalies *an)
{
    out->parts = NULL;
    out->n = 0;
    struct anomalies scratch;
    if (!an) {
        anom_init(&scratch, a);
        an = &scratch;
    }
    struct ctx c = {.a = a, .an = an, .lim = *lim, .t = out};
    if (c.lim.max_parts < 1) c.lim.max_parts = 1;
    parse_entity(&c, (struct slice){msg, len}, top, -1, 0, arena_strdup(a, "1"), false, E_PART);
}

void mime_parse(arena *a, const char *msg, size_t len, const struct hdr_block *top,
                struct mime_tree *out, struct anomalies *an)
{
    static const struct mime_limits lim = {
        .max_depth = MIME_MAX_DEPTH,
        .max_parts = MIME_MAX_PARTS,
        .max_decoded = MIME_MAX_DECODED,
    };
    mime_parse_ex(a, msg, len, top, &lim, out, an);
}
