/* encoding — Content-Transfer-Encoding decoders. Tolerant: base64 skips
 * whitespace and garbage (recorded), decodes a truncated final quantum as
 * far as it goes; quoted-printable keeps malformed '=' escapes literally.
 * Output is allocated in the arena and NUL-terminated (not counted). */
#ifndef MAIL_ENCODING_H
#define MAIL_ENCODING_H
#include <stddef.h>

#include "mail/anomaly.h"
#include "util/arena.h"

unsigned char *enc_base64_decode(arena *a, const char *p, size_t len, size_t *out_len,
                                 struct anomalies *an);
/* header=1: RFC 2047 'Q' rules ('_' is a space). */
unsigned char *enc_qp_decode(arena *a, const char *p, size_t len, size_t *out_len, int header,
                             struct anomalies *an);

#endif
