/* arfcheck — run feedback/arf.c on message files, for tests/conformance/arf.sh
 * and for looking at fixtures by hand.
 *
 *   arfcheck [-v] MESSAGE...
 *
 * One line per message: "FILE<TAB>arf|no<TAB>format<TAB>feedback-type<TAB>evidence"
 * ("-" for NULL); with -v, every field of the report and the arf.* anomalies
 * follow, one per line, indented. Exit status 2 when a file cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/arf.h"
#include "mail/message.h"
#include "util/buf.h"
#include "util/reader.h"

/* Tabs and line ends would break the one-line format. */
static const char *flat(const char *s)
{
    static char out[4096];
    if (!s) return "-";
    size_t o = 0;
    for (; *s && o + 1 < sizeof out; s++)
        out[o++] = (*s == '\t' || *s == '\r' || *s == '\n') ? ' ' : *s;
    out[o] = 0;
    return out;
}

static void show(const char *name, const char *v)
{
    if (v) printf("  %s: %s\n", name, flat(v));
}

int main(int argc, char **argv)
{
    int verbose = 0, k = 1, rc = 0;
    if (k < argc && strcmp(argv[k], "-v") == 0) {
        verbose = 1;
        k++;
    }
    if (k >= argc) {
        fprintf(stderr, "usage: arfcheck [-v] MESSAGE...\n");
        return 2;
    }
    arena *a = arena_new();
    struct buf data = {0};
    for (; k < argc; k++) {
        bool cut;
        char rerr[256];
        if (reader_slurp(argv[k], 64u << 20, &data, &cut, rerr, sizeof rerr) != 0) {
            fprintf(stderr, "arfcheck: %s: cannot read\n", argv[k]);
            rc = 2;
            continue;
        }
        struct message m;
        message_parse(a, data.p ? data.p : "", data.len, NULL, NULL, &m);
        struct arf_report r;
        struct anomalies an;
        anom_init(&an, a);
        bool is = arf_parse(a, &m, &r, &an);
        printf("%s\t%s\t%s\t", argv[k], is ? "arf" : "no", is ? r.format : "-");
        printf("%s\t", flat(r.feedback_type));
        printf("%s\n", flat(r.evidence));
        if (verbose && is) {
            show("user-agent", r.user_agent);
            show("version", r.version);
            show("original-mail-from", r.original_mail_from);
            show("original-rcpt-to", r.original_rcpt_to);
            show("arrival-date", r.arrival_date_raw);
            if (r.arrival_date) printf("  arrival-date-utc: %lld\n", (long long)r.arrival_date);
            show("source-ip", r.source_ip);
            show("reported-domain", r.reported_domain);
            show("reported-uri", r.reported_uri);
            show("reporting-mta", r.reporting_mta);
            printf("  incidents: %lld\n", (long long)r.incidents);
            show("authentication-results", r.authentication_results);
            show("original-envelope-id", r.original_envelope_id);
            show("auth-failure", r.auth_failure);
            show("delivery-result", r.delivery_result);
            show("dkim-domain", r.dkim_domain);
            show("dkim-identity", r.dkim_identity);
            show("dkim-selector", r.dkim_selector);
            show("identity-alignment", r.identity_alignment);
            show("spf-dns", r.spf_dns);
            printf("  has-original: %d\n", r.has_original ? 1 : 0);
            show("orig-message-id", r.orig_message_id);
            show("orig-from", r.orig_from);
            show("orig-to", r.orig_to);
            show("orig-subject", r.orig_subject);
            show("orig-date", r.orig_date_raw);
            show("orig-feedback-id", r.orig_feedback_id);
            show("orig-list-id", r.orig_list_id);
            show("orig-return-path", r.orig_return_path);
            show("human-text", r.human_text);
            for (size_t i = 0; i < an.n; i++)
                printf("  anomaly: %s %s\n", anom_name(an.v[i].code), flat(an.v[i].detail));
        }
        arena_reset(a);
    }
    arena_free(a);
    buf_free(&data);
    return rc;
}
