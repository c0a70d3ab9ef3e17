/* arf — complaint and failure reports: RFC 5965 Abuse Reporting Format
 * (`multipart/report; report-type=feedback-report`), including RFC 6591
 * authentication failure reports (Feedback-Type: auth-failure, what DMARC
 * `ruf=` sends), and the near-ARF complaint formats providers still send
 * (e.g. a feedback-report part without the report-type parameter, or
 * Microsoft JMRP-style messages: a short text plus the original as
 * message/rfc822). Reads an already parsed message (mail/message.h).
 *
 * Ceilings: ARF_MAX_FIELD bytes kept of any one field value; repeated fields
 * (Original-Rcpt-To, Reported-Domain, Reported-URI) keep at most
 * ARF_MAX_REPEAT values, joined by ", ". */
#ifndef FEEDBACK_ARF_H
#define FEEDBACK_ARF_H
#include <stdbool.h>
#include <stdint.h>

#include "mail/anomaly.h"
#include "mail/message.h"
#include "util/arena.h"

#define ARF_MAX_FIELD 2048
#define ARF_MAX_REPEAT 50

struct arf_report {
    /* "arf" (RFC 5965 message/feedback-report part), "jmrp" (Microsoft's
     * junk-mail reporting program), "other" (recognised by weaker signs:
     * say which in `evidence`). */
    const char *format;
    const char *evidence;      /* short text: why this message was taken as a complaint */
    /* message/feedback-report fields (NULL when absent; unfolded, trimmed) */
    const char *feedback_type; /* lowercased: abuse | fraud | virus | other | not-spam | auth-failure | ... */
                               /* NULL when an "arf" report lacks Feedback-Type (still recognised,
                                * ANOM_ARF_MISSING_FIELD); "abuse" for "jmrp" and "other", whose
                                * messages carry no Feedback-Type: a complaint is what they are. */
    const char *user_agent;
    const char *version;
    const char *original_mail_from;  /* angle brackets removed */
    const char *original_rcpt_to;    /* all values, brackets removed, ", "-joined */
    const char *arrival_date_raw;
    int64_t arrival_date;            /* Unix seconds, 0 when absent/unparsable */
    const char *source_ip;
    const char *reported_domain;     /* ", "-joined */
    const char *reported_uri;        /* ", "-joined */
    const char *reporting_mta;       /* "dns; host" as written */
    int64_t incidents;               /* 1 when absent */
    const char *authentication_results; /* the first one when repeated */
    const char *original_envelope_id;   /* added: RFC 5965 Original-Envelope-Id */
    /* RFC 6591 (auth-failure) */
    const char *auth_failure;        /* adsp | bodyhash | revoked | signature | spf | dmarc */
    const char *delivery_result;     /* delivered | spam | policy | reject | other */
    const char *dkim_domain, *dkim_identity, *dkim_selector;
    const char *identity_alignment;  /* RFC 7489 extension: none | spf | dkim | "dkim, spf" */
    const char *spf_dns;             /* added: RFC 6591 SPF-DNS values, ", "-joined */
    /* The reported message (third part: message/rfc822, text/rfc822-headers,
     * or the original attached/inlined by a near-ARF format). */
    bool has_original;
    const char *orig_message_id;     /* without angle brackets */
    const char *orig_from;           /* address only */
    const char *orig_to;
    const char *orig_subject;        /* decoded UTF-8 */
    const char *orig_date_raw;
    const char *orig_feedback_id;    /* the original's Feedback-ID header (Gmail FBL) */
    const char *orig_list_id;
    const char *orig_return_path;
    /* The first text part (the human-readable explanation), at most
     * ARF_MAX_FIELD bytes, or NULL. */
    const char *human_text;
};

/* True when `m` is a complaint/failure report; fills *out (zeroed first).
 * Problems with the report (missing required fields, unparsable date) are
 * recorded in `an` when not NULL; the report is still returned. */
bool arf_parse(arena *a, const struct message *m, struct arf_report *out, struct anomalies *an);

#endif
