/* check_recommend — `check`'s "what to fix" for ONE message: the same kinds
 * of fixes as the report's recommendations section (report/
 * sec_recommendations.c, same keys), derived from the message's
 * verification result and content score instead of the database: DKIM
 * (body hash with the footer/canonicalisation diagnosis, missing or revoked
 * key, short key, rsa-sha1, t=y testing key, l=, other errors, no
 * signature), SPF (fail/softfail with the IP to add, too many lookups,
 * other permerrors, no record), DMARC (no record, fail, p=none), reverse
 * DNS and HELO, the bulk-sender requirements no other rule covers, and the
 * content score. Each fires only on evidence in vr/sr: a check that did not
 * run, or ended in a temporary error (no DNS source), gives nothing.
 * Ordered by severity, then by the order of the checks above. Strings from
 * the message or DNS are printed through the control-byte filter (text) or
 * the JSON escaper. */
#ifndef CHECK_RECOMMEND_H
#define CHECK_RECOMMEND_H
#include <stddef.h>

#include "auth/verify.h"
#include "mail/message.h"
#include "score/score.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"

enum crec_severity { CREC_CRITICAL = 1, CREC_WARNING, CREC_INFO };

struct crec {
    enum crec_severity severity;
    const char *key;      /* stable id of the kind of fix, e.g. "dkim_testing_key" */
    const char *title;    /* the fix, imperative */
    const char *evidence; /* what in this message shows it */
};

const char *crec_severity_name(enum crec_severity s); /* "critical" "warning" "info" */

/* The recommendations for m (vr, sr may be NULL: not run), sorted; *out in a. */
size_t check_recommend(arena *a, const struct message *m, const struct verify_result *vr,
                       const struct score_result *sr, struct crec **out);

/* "Recommendations (N):" and one entry per fix, for `check` text output;
 * the strings are built in a (the caller's per-message arena: an arena of
 * our own each message cost a 64 KB block). */
void check_recommend_text(struct buf *out, arena *a, const struct message *m,
                          const struct verify_result *vr, const struct score_result *sr);
/* The key "recommendations": [ {severity, key, title, evidence} ] inside
 * the message's JSON object; strings in a as above. */
void check_recommend_json(struct json *j, arena *a, const struct message *m,
                          const struct verify_result *vr, const struct score_result *sr);

/* Room crec_format_1f needs: the sign, 309 digits of DBL_MAX, ".0", NUL. */
#define CREC_NUM_MAX 320
/* x exactly as snprintf(out, CREC_NUM_MAX, "%.1f", x) writes it (glibc,
 * default rounding mode: ties to even on the exact binary value); returns
 * the length. Written by hand because printf's %f was most of this module's
 * cost; public for the unit test. */
size_t crec_format_1f(char *out, double x);

#endif
