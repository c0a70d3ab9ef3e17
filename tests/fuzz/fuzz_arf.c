/* Fuzz harness: feedback/arf.c over a message parsed by message_parse.
 * Invariants: a recognised report has a format ("arf", "jmrp" or "other")
 * and an evidence text; an unrecognised one leaves the report empty;
 * incidents >= 1; arrival_date only with arrival_date_raw; orig_* only with
 * has_original; every kept field is NUL-terminated within its ceiling
 * (ARF_MAX_FIELD, or ARF_MAX_REPEAT values for joined fields), and the
 * feedback-report fields are valid UTF-8 without control bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "feedback/arf.h"
#include "mail/message.h"
#include "util/str.h"

#define JOINED_MAX ((size_t)ARF_MAX_REPEAT * (ARF_MAX_FIELD + 2))

static void check_field(const char *s, size_t max, int clean)
{
    if (!s) return;
    size_t n = strnlen(s, max + 1);
    if (n > max) __builtin_trap();
    if (!clean) return;
    if (!str_is_utf8(s, n)) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct arf_report r;
    struct anomalies an;
    anom_init(&an, a);
    bool is = arf_parse(a, &m, &r, &an);
    if (is) {
        if (!r.format || !r.evidence) __builtin_trap();
        if (strcmp(r.format, "arf") != 0 && strcmp(r.format, "jmrp") != 0 &&
            strcmp(r.format, "other") != 0)
            __builtin_trap();
        if (strcmp(r.format, "arf") != 0 && !r.feedback_type) __builtin_trap();
    } else {
        if (r.format || r.evidence || r.feedback_type || r.has_original || r.human_text)
            __builtin_trap();
    }
    if (r.incidents < 1) __builtin_trap();
    if (r.arrival_date && !r.arrival_date_raw) __builtin_trap();
    if (!r.has_original &&
        (r.orig_message_id || r.orig_from || r.orig_to || r.orig_subject || r.orig_date_raw ||
         r.orig_feedback_id || r.orig_list_id || r.orig_return_path))
        __builtin_trap();

    const char *single[] = {
        r.feedback_type,        r.user_agent,    r.version,           r.original_mail_from,
        r.arrival_date_raw,     r.source_ip,     r.reporting_mta,     r.authentication_results,
        r.original_envelope_id, r.auth_failure,  r.delivery_result,   r.dkim_domain,
        r.dkim_identity,        r.dkim_selector, r.identity_alignment};
    for (size_t i = 0; i < sizeof single / sizeof single[0]; i++)
        check_field(single[i], ARF_MAX_FIELD, 1);
    /* JMRP's Original-Rcpt-To is a single cleaned value: within the joined ceiling too */
    const char *joined[] = {r.original_rcpt_to, r.reported_domain, r.reported_uri, r.spf_dns};
    for (size_t i = 0; i < sizeof joined / sizeof joined[0]; i++)
        check_field(joined[i], JOINED_MAX, 1);
    const char *orig[] = {r.orig_message_id,  r.orig_from,    r.orig_subject,     r.orig_date_raw,
                          r.orig_feedback_id, r.orig_list_id, r.orig_return_path, r.human_text};
    for (size_t i = 0; i < sizeof orig / sizeof orig[0]; i++)
        check_field(orig[i], ARF_MAX_FIELD, 0);
    check_field(r.orig_to, JOINED_MAX, 0);
    arena_free(a);
    return 0;
}
