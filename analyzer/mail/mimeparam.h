/* mimeparam — Content-Type / Content-Disposition values (RFC 2045 §5.1,
 * RFC 2183) with RFC 2231 parameters: continuations (name*0, name*1*),
 * charset and language (name*=utf-8'en'%E2%82%AC), quoted strings, comments.
 * Parameter values come out as UTF-8; an RFC 2047-encoded filename (common
 * in the wild though not allowed) is decoded too. Ceiling: 64 parameters. */
#ifndef MAIL_MIMEPARAM_H
#define MAIL_MIMEPARAM_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/anomaly.h"
#include "util/arena.h"

#define MIMEPARAM_MAX 64

struct mime_param {
    char *name;     /* lowercased, without the RFC 2231 '*' suffixes */
    char *value;    /* UTF-8 */
    char *charset;  /* RFC 2231 charset, or NULL */
    char *language; /* RFC 2231 language, or NULL */
};

struct mime_value {
    char *value; /* lowercased token: "text/plain", "attachment"; "" when absent/unparseable */
    struct mime_param *params;
    size_t n_params;
};

/* Parse an unfolded header value. Returns false (and records
 * ANOM_RFC2231_MALFORMED or ANOM_MIME_BAD_CTYPE detail) when something was
 * malformed; whatever could be read is still filled in. */
bool mimeparam_parse(arena *a, const char *p, size_t len, struct mime_value *out,
                     struct anomalies *an);
/* Value of parameter `name` (lowercase), or NULL. */
const char *mimeparam_get(const struct mime_value *v, const char *name);

#endif
