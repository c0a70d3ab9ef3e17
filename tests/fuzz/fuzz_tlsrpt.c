/* libFuzzer harness for feedback/tlsrpt.c. Invariants: a refusal says why;
 * an accepted report respects the policy and failure ceilings, every string
 * of the model is NUL-terminated valid UTF-8 inside the arena (strlen'd, so
 * ASan sees a stray pointer), every count and date is -1 or non-negative. */
#include <stdint.h>
#include <string.h>

#include "feedback/tlsrpt.h"
#include "util/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s)
{
    if (s && !str_is_utf8(s, strlen(s))) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct tlsrpt_report r;
    char err[256];
    int rc = tlsrpt_parse(a, (const char *)data, size, &r, err, sizeof err);
    if (rc != 0 && rc != -1) __builtin_trap();
    if (rc == -1) {
        if (err[0] == '\0' || r.n_policies != 0) __builtin_trap();
    } else {
        check_str(r.organization_name);
        check_str(r.contact_info);
        check_str(r.report_id);
        check_str(r.problems);
        if (r.date_begin < -1 || r.date_end < -1) __builtin_trap();
        if (r.n_policies > TLSRPT_MAX_POLICIES) __builtin_trap();
        for (size_t i = 0; i < r.n_policies; i++) {
            const struct tlsrpt_policy *p = &r.policies[i];
            check_str(p->policy_type);
            check_str(p->policy_domain);
            check_str(p->policy_string);
            check_str(p->mx_host);
            if (p->total_successful < -1 || p->total_failure < -1) __builtin_trap();
            if (p->n_failures > TLSRPT_MAX_FAILURES) __builtin_trap();
            for (size_t k = 0; k < p->n_failures; k++) {
                const struct tlsrpt_failure *f = &p->failures[k];
                const char *s[] = {f->result_type,           f->sending_mta_ip,
                                   f->receiving_mx_hostname, f->receiving_mx_helo,
                                   f->receiving_ip,          f->additional_information,
                                   f->failure_reason_code};
                for (size_t j = 0; j < sizeof s / sizeof s[0]; j++)
                    check_str(s[j]);
                if (f->failed_session_count < -1) __builtin_trap();
            }
        }
    }
    arena_free(a);
    return 0;
}
