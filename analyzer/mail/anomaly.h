/* anomaly — the set of things wrong with one message (or one source file).
 * Malformed input is data: every parser records what it found here and goes
 * on. Codes are a fixed table (ANOMALY_LIST) so they can be counted and
 * documented; each entry may carry a short detail text. The names are stable:
 * they are stored in the database and printed in `check --json`.
 * Ceiling: ANOM_MAX_PER_MESSAGE entries; later ones only bump `dropped`. */
#ifndef MAIL_ANOMALY_H
#define MAIL_ANOMALY_H
#include <stddef.h>

#include "util/arena.h"

/* X(code, "stable.name", "what it means") — append new codes at the end of a group. */
#define ANOMALY_LIST(X)                                                                            \
    X(ANOM_MSG_EMPTY, "message.empty", "the message has no bytes")                                 \
    X(ANOM_MSG_NOT_RFC5322, "message.not_rfc5322", "the data does not start with a header field")  \
    X(ANOM_MSG_TRUNCATED, "message.truncated", "the message was cut at the size ceiling")          \
    X(ANOM_MSG_NUL_BYTES, "message.nul_bytes", "the message contains NUL bytes")                   \
    X(ANOM_MSG_BARE_CR, "message.bare_cr", "a CR not followed by LF")                              \
    X(ANOM_MSG_LINE_TOO_LONG, "message.line_too_long", "a line longer than RFC 5322's 998 bytes")  \
    X(ANOM_HDR_BLOCK_TOO_LARGE, "header.block_too_large", "the header block exceeds the ceiling")  \
    X(ANOM_HDR_TOO_MANY_FIELDS, "header.too_many_fields", "more header fields than the ceiling")   \
    X(ANOM_HDR_NO_SEPARATOR, "header.no_body_separator", "no empty line ends the header block")    \
    X(ANOM_HDR_BAD_FIELD, "header.bad_field",                                                      \
      "a header line without a valid field name and colon")                                        \
    X(ANOM_HDR_8BIT, "header.8bit", "raw 8-bit bytes in a header field")                           \
    X(ANOM_HDR_8BIT_NOT_UTF8, "header.8bit_not_utf8", "raw 8-bit header bytes that are not UTF-8") \
    X(ANOM_HDR_OBS_FOLDING, "header.obs_syntax",                                                   \
      "obsolete header syntax (space before colon, empty continuation)")                           \
    X(ANOM_HDR_FROM_MISSING, "header.from_missing", "no From header")                              \
    X(ANOM_HDR_FROM_MULTIPLE, "header.from_multiple", "more than one From header")                 \
    X(ANOM_HDR_DATE_MISSING, "header.date_missing", "no Date header")                              \
    X(ANOM_HDR_DATE_INVALID, "header.date_invalid", "the Date header cannot be parsed")            \
    X(ANOM_HDR_MSGID_MISSING, "header.message_id_missing", "no Message-ID header")                 \
    X(ANOM_HDR_MSGID_INVALID, "header.message_id_invalid", "Message-ID is not <left@right>")       \
    X(ANOM_HDR_DUPLICATE_SINGLE, "header.duplicate",                                               \
      "a header that must appear once appears more than once")                                     \
    X(ANOM_RFC2047_MALFORMED, "rfc2047.malformed", "an encoded word that cannot be decoded")       \
    X(ANOM_CHARSET_UNKNOWN, "charset.unknown", "a charset that cannot be converted to UTF-8")      \
    X(ANOM_CHARSET_BAD_BYTES, "charset.bad_bytes", "bytes invalid in their declared charset")      \
    X(ANOM_ADDR_UNPARSEABLE, "address.unparseable", "an address list that does not parse")         \
    X(ANOM_RFC2231_MALFORMED, "rfc2231.malformed", "a MIME parameter that does not parse")         \
    X(ANOM_MIME_DEPTH, "mime.depth_exceeded", "MIME nesting deeper than the ceiling")              \
    X(ANOM_MIME_TOO_MANY_PARTS, "mime.too_many_parts", "more MIME parts than the ceiling")         \
    X(ANOM_MIME_NO_BOUNDARY, "mime.no_boundary", "a multipart without a boundary parameter")       \
    X(ANOM_MIME_BAD_BOUNDARY, "mime.bad_boundary",                                                 \
      "a boundary that is too long or has invalid characters")                                     \
    X(ANOM_MIME_NO_PARTS, "mime.no_parts", "a multipart whose boundary never appears")             \
    X(ANOM_MIME_UNCLOSED, "mime.unclosed", "a multipart without its close delimiter")              \
    X(ANOM_MIME_BAD_CTYPE, "mime.bad_content_type", "a Content-Type that does not parse")          \
    X(ANOM_MIME_BAD_CTE, "mime.bad_transfer_encoding", "an unknown Content-Transfer-Encoding")     \
    X(ANOM_MIME_CTE_ON_MULTIPART, "mime.cte_on_composite",                                         \
      "a composite type with an encoding other than 7bit/8bit/binary")                             \
    X(ANOM_B64_GARBAGE, "base64.garbage", "characters outside the base64 alphabet")                \
    X(ANOM_B64_TRUNCATED, "base64.truncated", "base64 data that ends mid-quantum")                 \
    X(ANOM_QP_BAD_ESCAPE, "qp.bad_escape",                                                         \
      "an '=' not followed by two hex digits or a line break")                                     \
    X(ANOM_DECODED_TOO_LARGE, "mime.decoded_too_large", "decoded bytes exceed the ceiling")        \
    X(ANOM_8BIT_UNDECLARED, "mime.8bit_undeclared", "8-bit bytes in a part declared 7bit")         \
    X(ANOM_HTML_TOO_LARGE, "html.too_large", "HTML beyond the rendering ceiling")                  \
    X(ANOM_HTML_TOO_MANY_LINKS, "html.too_many_links", "more links or images than the ceiling")    \
    X(ANOM_ZIP_CORRUPT, "zip.corrupt", "a ZIP archive whose central directory cannot be read")     \
    X(ANOM_ZIP_TOO_MANY_MEMBERS, "zip.too_many_members", "more archive members than the ceiling")  \
    X(ANOM_RECEIVED_UNPARSEABLE, "received.unparseable", "a Received header that does not parse")  \
    X(ANOM_RECEIVED_TOO_MANY, "received.too_many", "more Received headers than the ceiling")       \
    X(ANOM_RECEIVED_BAD_DATE, "received.bad_date", "a Received header without a valid date")       \
    X(ANOM_MBOX_CONTENT_LENGTH, "mbox.content_length_mismatch",                                    \
      "a Content-Length header that does not match the mbox separators")                           \
    X(ANOM_SOURCE_READ_ERROR, "source.read_error", "the file could not be read completely")        \
    X(ANOM_SOURCE_GZIP_ERROR, "source.gzip_error", "the gzip stream is corrupt or truncated")      \
    X(ANOM_SOURCE_UNKNOWN_FORMAT, "source.unknown_format",                                         \
      "the file is not a format mailaudit reads")                                                  \
    X(ANOM_LOG_BAD_LINE, "log.bad_line", "a log line that does not parse (first examples kept)")   \
    X(ANOM_LOG_LONG_LINE, "log.line_too_long", "a log line longer than the ceiling, cut")          \
    X(ANOM_LOG_SHRUNK, "log.shrunk", "a log file shorter than what was read before")               \
    X(ANOM_ARF_MISSING_FIELD, "arf.missing_field",                                                 \
      "a feedback report without a required field (Feedback-Type, User-Agent, Version)")           \
    X(ANOM_ARF_BAD_FIELD, "arf.bad_field",                                                         \
      "a feedback report field with an invalid, unregistered or repeated value")                   \
    X(ANOM_ARF_STRUCTURE, "arf.structure",                                                         \
      "a feedback report not laid out as RFC 5965 says (report-type, parts)")                     \
    X(ANOM_FB_UNPACK_LIMIT, "feedback.unpack_limit",                                               \
      "a compressed report expands past the ceiling (a decompression bomb): read up to it")        \
    X(ANOM_FB_UNPACK_CORRUPT, "feedback.unpack_corrupt",                                           \
      "a compressed report attachment that cannot be decompressed (corrupt, encrypted, no XML)")   \
    X(ANOM_FB_REPORT_MALFORMED, "feedback.report_malformed",                                       \
      "a DMARC aggregate or TLS report that does not parse (rows before the error kept)")          \
    X(ANOM_FB_REPORT_LIMIT, "feedback.report_limit",                                               \
      "a DMARC aggregate report past a ceiling (size, nesting, rows): rows so far kept")

enum anom_code {
#define ANOM_ENUM(code, name, desc) code,
    ANOMALY_LIST(ANOM_ENUM)
#undef ANOM_ENUM
        ANOM__COUNT
};

#define ANOM_MAX_PER_MESSAGE 64
#define ANOM_DETAIL_MAX 200

struct anomaly {
    enum anom_code code;
    const char *detail; /* may be NULL; at most ANOM_DETAIL_MAX bytes, printable */
};

struct anomalies {
    arena *a;
    struct anomaly v[ANOM_MAX_PER_MESSAGE];
    size_t n;
    size_t dropped; /* anomalies beyond the ceiling */
};

void anom_init(struct anomalies *an, arena *a);
/* Record an anomaly; fmt may be NULL. Non-printable bytes of the detail become '?'. */
void anom_add(struct anomalies *an, enum anom_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Record the code only if it is not recorded yet (detail may be NULL); an may be NULL. */
void anom_add_once(struct anomalies *an, enum anom_code code, const char *detail);
/* True when the code was already recorded (to avoid one anomaly per line). */
int anom_has(const struct anomalies *an, enum anom_code code);
const char *anom_name(enum anom_code code);
const char *anom_description(enum anom_code code);

#endif
