/* spfcheck — the C side of `make conformance` for SPF (spf-suite.py feeds it).
 *
 * Reads commands on stdin, one per line, fields separated by TAB:
 *   scenario ZONEFILE TIMEOUTZONE NAMES
 *       a new resolver and checker: ZONEFILE is a snapshot; NAMES (comma-
 *       separated, "-" for none) time out for every type that has no record
 *       in TIMEOUTZONE ("-" for none), which holds the records the suite
 *       lists before its TIMEOUT (loaded as recorded answers).
 *   test NAME IP HELO MAILFROM
 *       checks MAIL FROM (postmaster@HELO when MAILFROM is empty) and prints
 *       NAME result explanation mechanism problem (TAB-separated, "-" for
 *       none; TAB, newline and backslash escaped as \t \n \\).
 * Exit status 0 unless the input is broken. */
#include "auth/spf.h"
#include "dns/dns.h"
#include "dns/zone.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 65536

static const enum dns_type timeout_types[] = {DNS_T_A,   DNS_T_AAAA,  DNS_T_MX, DNS_T_TXT,
                                              DNS_T_PTR, DNS_T_CNAME, DNS_T_SPF};

struct recs {
    struct zone_record *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct zone_record *rec)
{
    struct recs *r = ctx;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->v = realloc(r->v, r->cap * sizeof *r->v);
        if (!r->v) abort();
    }
    r->v[r->n++] = *rec;
    return 0;
}

/* Recorded answers for the names that time out: the records listed before
 * TIMEOUT for a type, else a timeout. */
static int load_timeouts(struct dns_resolver *dns, arena *a, const char *path, char *names)
{
    struct recs r = {0};
    if (strcmp(path, "-") != 0) {
        struct buf b;
        bool trunc;
        char err[256];
        buf_init(&b, 0);
        if (reader_slurp(path, 1 << 24, &b, &trunc, err, sizeof err) != 0 ||
            zone_parse(a, b.p ? b.p : "", b.len, collect, &r, err, sizeof err) != 0) {
            fprintf(stderr, "spfcheck: %s: %s\n", path, err);
            buf_free(&b);
            return -1;
        }
        buf_free(&b);
    }
    for (char *name = strtok(names, ","); name; name = strtok(NULL, ",")) {
        if (strcmp(name, "-") == 0) continue;
        char canon[ZONE_NAME_TEXT_MAX];
        long cl = zone_name_canon(name, strlen(name), canon);
        if (cl < 0) continue;
        for (size_t t = 0; t < sizeof timeout_types / sizeof timeout_types[0]; t++) {
            struct dns_answer ans = {.qname = canon, .qtype = timeout_types[t]};
            struct dns_rr *rr = calloc(r.n + 1, sizeof *rr);
            size_t n = 0;
            for (size_t i = 0; i < r.n; i++)
                if (strcmp(r.v[i].owner, canon) == 0 && r.v[i].rr.type == timeout_types[t])
                    rr[n++] = r.v[i].rr;
            ans.rr = rr;
            ans.n = n;
            ans.rcode = n ? DNS_OK : DNS_TEMPFAIL;
            ans.source = DNS_SRC_DB;
            ans.error = n ? NULL : "timeout";
            dns_add_cached(dns, &ans);
            free(rr);
        }
    }
    free(r.v);
    return 0;
}

static void put_field(const char *s)
{
    putchar('\t');
    if (!s) {
        putchar('-');
        return;
    }
    for (; *s; s++) {
        if (*s == '\t')
            fputs("\\t", stdout);
        else if (*s == '\n')
            fputs("\\n", stdout);
        else if (*s == '\\')
            fputs("\\\\", stdout);
        else
            putchar(*s);
    }
}

/* Split line in place on TABs into at most max fields. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = '\0';
            f[n++] = p + 1;
        }
    return n;
}

int main(void)
{
    static char line[LINE_MAX_LEN];
    struct dns_resolver *dns = NULL;
    struct spf_checker *chk = NULL;
    arena *a = arena_new(), *zone_arena = arena_new();
    int rc = 0;
    while (fgets(line, sizeof line, stdin)) {
        line[strcspn(line, "\n")] = '\0';
        char *f[8];
        int n = split(line, f, 8);
        if (strcmp(f[0], "scenario") == 0 && n == 4) {
            spf_checker_free(chk);
            dns_free(dns);
            arena_reset(zone_arena);
            dns = dns_new();
            char err[512];
            if (dns_add_zonefile(dns, f[1], err, sizeof err) != 0 ||
                load_timeouts(dns, zone_arena, f[2], f[3]) != 0) {
                fprintf(stderr, "spfcheck: %s\n", err);
                rc = 2;
                break;
            }
            chk = spf_checker_new(dns);
        } else if (strcmp(f[0], "test") == 0 && n == 5 && chk) {
            arena_reset(a);
            struct spf_request req = {.ip = f[2], .helo = f[3], .mail_from = f[4]};
            struct spf_result res;
            spf_check(chk, a, &req, &res);
            fputs(f[1], stdout);
            put_field(auth_result_name(res.result));
            put_field(res.explanation);
            put_field(res.mechanism);
            put_field(res.problem);
            putchar('\n');
            fflush(stdout);
        } else {
            fprintf(stderr, "spfcheck: bad command line\n");
            rc = 2;
            break;
        }
    }
    spf_checker_free(chk);
    dns_free(dns);
    arena_free(a);
    arena_free(zone_arena);
    return rc;
}
