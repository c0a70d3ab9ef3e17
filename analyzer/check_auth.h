/* check_auth — `check`'s output of a message's authentication picture: the
 * JSON keys (dkim, spf, dmarc, arc, iprev, helo, envelope, claims,
 * requirements, authentication_results; the DESIGN.md contract keys first)
 * and the text summary in the order of a port25-style report: SPF, Sender
 * ID, iprev and HELO, DKIM per signature, DMARC, ARC, the receivers' claims
 * against ours, then the requirements checklist. Every string from the
 * message or DNS goes through the JSON escaper or the control-byte filter. */
#ifndef CHECK_AUTH_H
#define CHECK_AUTH_H

#include "auth/verify.h"
#include "util/buf.h"
#include "util/json.h"

/* The keys for vr (NULL: checks not run: dkim, spf, dmarc ... are null);
 * a: scratch for this message. */
void check_auth_json(struct json *j, arena *a, const struct verify_result *vr);
void check_auth_text(struct buf *out, arena *a, const struct verify_result *vr);
/* Print a message-derived string: control bytes become '?', NULL is "-". */
void check_put_safe(struct buf *out, const char *s);

#endif
