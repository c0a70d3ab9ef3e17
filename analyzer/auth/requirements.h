/* requirements — the checks Gmail and Yahoo require of bulk senders (since
 * February 2024; Microsoft for Outlook.com since May 2025), per message,
 * each pass/fail/unknown with its evidence:
 *   spf_pass, dkim_pass, dmarc_record (p=none at least), dmarc_pass
 *   (aligned), one_click_unsubscribe (RFC 8058: List-Unsubscribe with an
 *   https URI and List-Unsubscribe-Post: List-Unsubscribe=One-Click),
 *   unsubscribe (a mailto or https List-Unsubscribe), message_id (present,
 *   id-left@id-right), single_from (exactly one From address), ptr_fcrdns
 *   (iprev pass), tls (the receiving hop used TLS), dkim_key_1024 (every
 *   passing DKIM key at least 1024 bits), gmail_from (no gmail.com From
 *   sent from outside Google). "unknown" when the evidence is missing (no
 *   DNS source, no Received hop), never a guess. */
#ifndef AUTH_REQUIREMENTS_H
#define AUTH_REQUIREMENTS_H
#include <stddef.h>

#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/envelope.h"
#include "auth/iprev.h"
#include "mail/message.h"
#include "util/arena.h"

enum req_status { REQ_PASS = 0, REQ_FAIL, REQ_UNKNOWN };

#define REQ_COUNT 12 /* the checklist's length: always this many */

struct requirement {
    const char *id;    /* stable identifier, e.g. "one_click_unsubscribe" */
    const char *title; /* words for the report */
    enum req_status status;
    const char *evidence; /* what decided it */
};

struct req_input {
    const struct message *m;
    enum auth_result spf; /* the MAIL FROM (or HELO for <>) result; AUTH_NONE if not run */
    const char *spf_domain;
    bool spf_ran;
    const struct dkim_result *dkim;
    size_t n_dkim;
    bool dkim_ran;
    const struct dmarc_result *dmarc; /* NULL when not run */
    const struct iprev_result *iprev; /* NULL when not run */
    const struct envelope *env;
};

const char *req_status_name(enum req_status s); /* "pass" "fail" "unknown" */
/* The checklist, in a fixed order; *out in the arena. Returns the count. */
size_t requirements_check(arena *a, const struct req_input *in, struct requirement **out);

#endif
