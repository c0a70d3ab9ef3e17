/* limits — the ceilings on untrusted input, in one place. Each is documented
 * in README.md ("Limits on hostile input"); hitting one records an anomaly and
 * processing goes on with what was read. */
#ifndef MAIL_LIMITS_H
#define MAIL_LIMITS_H

#define MSG_MAX_SIZE (64u * 1024 * 1024)  /* raw bytes of one message; more is cut */
#define HDR_MAX_BLOCK (1u * 1024 * 1024)  /* header block bytes parsed into fields */
#define HDR_MAX_FIELDS 2000               /* header fields per header block */
#define HDR_MAX_VALUE_DECODE (64u * 1024) /* bytes of one field value decoded (2047, addresses) */
#define LINE_MAX_RFC 998                  /* RFC 5322 line limit, over it is an anomaly */
#define MIME_MAX_DEPTH 32                 /* nesting of multipart and message/rfc822 */
#define MIME_MAX_PARTS 1000               /* MIME nodes per message */
#define MIME_MAX_BOUNDARY 200             /* boundary length accepted (RFC 2046: 70) */
#define MIME_MAX_DECODED (128u * 1024 * 1024) /* decoded bytes of all parts of one message */
#define HTML_MAX_INPUT (8u * 1024 * 1024)     /* HTML bytes rendered per part */
#define HTML_MAX_LINKS 5000                   /* links and images kept per part */
#define ZIP_MAX_MEMBERS 10000                 /* archive members listed */
#define RECEIVED_MAX_HOPS 100                 /* Received headers parsed */
#define ADDR_MAX_PER_FIELD 1000               /* addresses parsed per field */

#endif
