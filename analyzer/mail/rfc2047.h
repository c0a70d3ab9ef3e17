/* rfc2047 — decode a header value's encoded words (=?charset?B|Q?text?=,
 * RFC 2047 and RFC 2231 language suffix) to UTF-8. Whitespace between
 * adjacent encoded words is dropped; malformed words are left as written and
 * recorded (ANOM_RFC2047_MALFORMED); unknown charsets recorded
 * (ANOM_CHARSET_UNKNOWN). Raw 8-bit text outside encoded words is kept when it
 * is UTF-8, otherwise taken as windows-1252. Input is an unfolded value. */
#ifndef MAIL_RFC2047_H
#define MAIL_RFC2047_H
#include <stddef.h>

#include "mail/anomaly.h"
#include "util/arena.h"

char *rfc2047_decode(arena *a, const char *p, size_t len, size_t *out_len, struct anomalies *an);

#endif
