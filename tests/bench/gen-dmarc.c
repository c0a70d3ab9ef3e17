/* gen-dmarc — writes a synthetic DMARC aggregate report of N records to
 * stdout, for the dmarcagg benchmark. Two layouts: "pretty" (one element per
 * line, two-space indentation, the way Google's reports look) and "compact"
 * (no whitespace between elements, as several other reporters send it).
 * Addresses are from the documentation ranges, domains under example.
 *
 *   gen-dmarc N pretty|compact > report.xml */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int pretty;

/* one element: indentation and newline only in the pretty layout */
static void el(int depth, const char *name, const char *text)
{
    if (pretty)
        for (int i = 0; i < depth; i++)
            fputs("  ", stdout);
    if (text)
        printf("<%s>%s</%s>", name, text, name);
    else
        printf("<%s>", name);
    if (pretty) putchar('\n');
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[2], "pretty") && strcmp(argv[2], "compact"))) {
        fprintf(stderr, "usage: gen-dmarc N pretty|compact\n");
        return 1;
    }
    long n = strtol(argv[1], NULL, 10);
    pretty = strcmp(argv[2], "pretty") == 0;
    static char obuf[1 << 16];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n");
    el(0, "feedback", NULL);
    el(1, "report_metadata", NULL);
    el(2, "org_name", "bench.example");
    el(2, "email", "noreply-dmarc@bench.example");
    el(2, "extra_contact_info", "https://bench.example/dmarc");
    el(2, "report_id", "1234567890123456789");
    el(2, "date_range", NULL);
    el(3, "begin", "1700006400");
    el(3, "end", "1700092799");
    el(2, "/date_range", NULL);
    el(1, "/report_metadata", NULL);
    el(1, "policy_published", NULL);
    el(2, "domain", "example.com");
    el(2, "adkim", "r");
    el(2, "aspf", "r");
    el(2, "p", "quarantine");
    el(2, "sp", "none");
    el(2, "pct", "100");
    el(1, "/policy_published", NULL);
    static const char *const disp[] = {"none", "none", "quarantine", "reject"};
    static const char *const pf[] = {"pass", "pass", "pass", "fail"};
    char ip[64], cnt[32];
    for (long i = 0; i < n; i++) {
        if (i % 5 == 4)
            snprintf(ip, sizeof ip, "2001:db8:%lx::%lx", (i >> 8) & 0xffff, i & 0xff);
        else
            snprintf(ip, sizeof ip, "%s.%ld", i % 2 ? "198.51.100" : "203.0.113", i % 254 + 1);
        snprintf(cnt, sizeof cnt, "%ld", 1 + i % 17);
        el(1, "record", NULL);
        el(2, "row", NULL);
        el(3, "source_ip", ip);
        el(3, "count", cnt);
        el(3, "policy_evaluated", NULL);
        el(4, "disposition", disp[i % 4]);
        el(4, "dkim", pf[i % 4]);
        el(4, "spf", pf[(i / 4) % 4]);
        if (i % 10 == 9) {
            el(4, "reason", NULL);
            el(5, "type", "local_policy");
            el(5, "comment", "arc=pass");
            el(4, "/reason", NULL);
        }
        el(3, "/policy_evaluated", NULL);
        el(2, "/row", NULL);
        el(2, "identifiers", NULL);
        el(3, "header_from", "example.com");
        el(2, "/identifiers", NULL);
        el(2, "auth_results", NULL);
        el(3, "dkim", NULL);
        el(4, "domain", "example.com");
        el(4, "result", pf[i % 4]);
        el(4, "selector", "s2024");
        el(3, "/dkim", NULL);
        el(3, "spf", NULL);
        el(4, "domain", "bounce.example.com");
        el(4, "result", pf[(i / 4) % 4]);
        el(3, "/spf", NULL);
        el(2, "/auth_results", NULL);
        el(1, "/record", NULL);
    }
    el(0, "/feedback", NULL);
    return 0;
}
