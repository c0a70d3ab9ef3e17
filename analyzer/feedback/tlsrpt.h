/* tlsrpt — SMTP TLS reports (RFC 8460): the JSON report to a flat model.
 * Field names are those of RFC 8460 section 4.4; dates (RFC 3339) are turned
 * into Unix seconds. Unknown fields are ignored; a missing required field
 * leaves its member NULL / -1 and is noted in `problems`, the rest is kept.
 * Leniencies (noted in `problems` too): a count written as a digit string,
 * policy-string / mx-host as one string instead of an array. A structured
 * additional-information (object or array) is kept as compact JSON text.
 * Ceilings: TLSRPT_MAX_JSON bytes of JSON, TLSRPT_MAX_POLICIES policies,
 * TLSRPT_MAX_FAILURES failure-details per policy, JSON nesting per jsonparse. */
#ifndef FEEDBACK_TLSRPT_H
#define FEEDBACK_TLSRPT_H
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define TLSRPT_MAX_JSON ((size_t)16 << 20) /* real reports are kilobytes; the tree takes ~5x */
#define TLSRPT_MAX_POLICIES 10000
#define TLSRPT_MAX_FAILURES 10000

struct tlsrpt_failure {
    const char *result_type; /* starttls-not-supported, certificate-expired, sts-policy-invalid ... */
    const char *sending_mta_ip;
    const char *receiving_mx_hostname;
    const char *receiving_mx_helo;
    const char *receiving_ip;
    int64_t failed_session_count; /* -1 when absent */
    const char *additional_information;
    const char *failure_reason_code;
};

struct tlsrpt_policy {
    const char *policy_type;   /* "sts" | "tlsa" | "no-policy-found" */
    const char *policy_domain;
    const char *policy_string; /* the policy-string array joined by "\n", or NULL */
    const char *mx_host;       /* the mx-host array joined by ", ", or NULL */
    int64_t total_successful;  /* summary total-successful-session-count; -1 absent */
    int64_t total_failure;     /* summary total-failure-session-count; -1 absent */
    struct tlsrpt_failure *failures;
    size_t n_failures;
};

struct tlsrpt_report {
    const char *organization_name;
    const char *contact_info;
    const char *report_id;
    int64_t date_begin, date_end; /* date-range start-datetime / end-datetime; -1 absent */
    struct tlsrpt_policy *policies;
    size_t n_policies;
    const char *problems; /* "; "-joined notes on missing/ill-typed fields, or NULL */
};

/* 0 on success; -1 when the text is not JSON or not a TLS report object
 * (err says why and where). */
int tlsrpt_parse(arena *a, const char *json, size_t len, struct tlsrpt_report *out, char *err,
                 size_t errlen);

#endif
