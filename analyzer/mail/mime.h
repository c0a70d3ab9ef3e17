/* mime — the MIME tree of a message (RFC 2045-2049): multipart at any depth
 * up to MIME_MAX_DEPTH, message/rfc822 bodies parsed as nested messages,
 * boundaries exactly per RFC 2046 (preamble, epilogue, boundary-like lines,
 * missing close delimiter), transfer decoding, charset conversion of text
 * parts to UTF-8, HTML rendering, detected file type, sha256 and ZIP member
 * lists of leaves. Ceilings: MIME_MAX_PARTS nodes, MIME_MAX_DECODED bytes.
 *
 * Parts are a flat array in document order. Paths: the root is "1"; the
 * children of a node with path P are "P.1", "P.2", ...; the body of a
 * message/rfc822 part P is the node "P.1". */
#ifndef MAIL_MIME_H
#define MAIL_MIME_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/anomaly.h"
#include "mail/filetype.h"
#include "mail/header.h"
#include "mail/html.h"
#include "mail/mimeparam.h"
#include "util/arena.h"

struct mime_part {
    char *path;
    int depth;                /* root 0 */
    int parent;               /* index in mime_tree.parts, -1 for the root */
    struct hdr_block hdr;     /* this part's own header fields (offsets relative to `raw`) */
    struct slice raw;         /* the whole part: headers and body, as in the message */
    struct slice body;        /* the encoded body */
    struct mime_value ctype;  /* parsed Content-Type; ctype.value defaulted per RFC 2045/2046 */
    struct mime_value cdisp;  /* parsed Content-Disposition ("" when absent) */
    const char *content_type; /* == ctype.value, e.g. "text/plain" */
    const char *charset;      /* lowercased, or NULL */
    const char *cte;          /* lowercased transfer encoding as written, or NULL */
    const char *disposition;  /* "inline", "attachment", or NULL */
    const char *filename;     /* from disposition filename or type name, UTF-8, or NULL */
    bool is_multipart, is_message, is_text, is_html, is_attachment;
    /* leaves only: */
    const unsigned char *decoded; /* after transfer decoding */
    size_t decoded_len;
    char *text; /* text parts: UTF-8 (HTML parts: the rendered text) */
    size_t text_len;
    struct html_doc html;      /* text/html parts */
    char sha256[65];           /* of the decoded bytes; "" for containers */
    const char *detected_type; /* filetype_detect() of the decoded bytes; NULL for containers */
    struct zip_listing zip;    /* detected zip/ooxml: the central directory */
};

struct mime_tree {
    struct mime_part *parts;
    size_t n;
};

/* Parse the MIME structure of a message whose top-level header block `top`
 * has been parsed from (msg,len). Never fails. */
void mime_parse(arena *a, const char *msg, size_t len, const struct hdr_block *top,
                struct mime_tree *out, struct anomalies *an);

/* The ceilings mime_parse uses (MIME_MAX_DEPTH, MIME_MAX_PARTS,
 * MIME_MAX_DECODED); mime_parse_ex takes others, so tests can reach each
 * ceiling's edge with small inputs. `an` may be NULL in both. */
struct mime_limits {
    int max_depth;
    size_t max_parts;
    size_t max_decoded;
};
void mime_parse_ex(arena *a, const char *msg, size_t len, const struct hdr_block *top,
                   const struct mime_limits *lim, struct mime_tree *out, struct anomalies *an);

#endif
