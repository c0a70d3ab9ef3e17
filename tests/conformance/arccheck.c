/* arccheck — run auth/arc.c on message files, for tests/conformance/arc-suite.py
 * and for looking at fixtures by hand.
 *
 *   arccheck [-v] [--at UNIXTIME] ZONEFILE MESSAGE...
 *
 * ZONEFILE is a DNS snapshot (dns.h) with the keys ("-" for none). One line
 * per message: "FILE<TAB>cv<TAB>sets<TAB>oldest-pass<TAB>reason<TAB>clause";
 * with -v, one more line per set: "  i=N ams=... as=... cv=... | reason". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/arc.h"
#include "dns/dns.h"
#include "mail/header.h"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap);
    size_t got;
    while (p && (got = fread(p + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap);
        }
    }
    fclose(f);
    *len = n;
    return p;
}

/* Tabs and line ends would break the one-line format. */
static const char *flat(const char *s)
{
    static char out[2048];
    size_t o = 0;
    for (; s && *s && o + 1 < sizeof out; s++)
        out[o++] = (*s == '\t' || *s == '\r' || *s == '\n') ? ' ' : *s;
    out[o] = 0;
    return out;
}

int main(int argc, char **argv)
{
    int verbose = 0, k = 1;
    long long at = 0;
    for (; k < argc && argv[k][0] == '-' && argv[k][1]; k++) {
        if (strcmp(argv[k], "-v") == 0)
            verbose = 1;
        else if (strcmp(argv[k], "--at") == 0 && k + 1 < argc)
            at = atoll(argv[++k]);
        else
            break;
    }
    if (argc - k < 2) {
        fprintf(stderr, "usage: arccheck [-v] [--at UNIXTIME] ZONEFILE MESSAGE...\n");
        return 2;
    }
    struct dns_resolver *dns = dns_new();
    char err[512];
    if (strcmp(argv[k], "-") != 0 && dns_add_zonefile(dns, argv[k], err, sizeof err) != 0) {
        fprintf(stderr, "arccheck: %s\n", err);
        return 2;
    }
    struct dkim_verifier *v = dkim_verifier_new(dns);
    int rc = 0;
    for (int m = k + 1; m < argc; m++) {
        size_t len;
        char *raw = slurp(argv[m], &len);
        if (!raw) {
            fprintf(stderr, "arccheck: %s: cannot read\n", argv[m]);
            rc = 2;
            continue;
        }
        arena *a = arena_new();
        struct hdr_block hb;
        hdr_parse(a, raw, len, &hb, NULL);
        struct arc_result r;
        dkim_new_message(v);
        arc_validate(v, a, raw, len, &hb, at, &r);
        printf("%s\t%s\t%d\t%d\t%s\t", argv[m], r.cv, r.n_sets, r.oldest_pass,
               flat(r.reason ? r.reason : ""));
        printf("%s\n", flat(arc_authres_clause(a, &r)));
        for (int i = 0; verbose && i < r.n_sets; i++) {
            const struct arc_set *s = &r.sets[i];
            printf("  i=%d ams=%s(%s/%s %d bits) as=%s(%s/%s %d bits) cv=%s aar-id=%s", s->i,
                   s->ams_result, s->ams_selector ? s->ams_selector : "-",
                   s->ams_domain ? s->ams_domain : "-", s->ams_key_bits, s->as_result,
                   s->as_selector ? s->as_selector : "-", s->as_domain ? s->as_domain : "-",
                   s->as_key_bits, s->cv ? s->cv : "-",
                   s->aar_authserv_id ? s->aar_authserv_id : "-");
            printf(" | %s", flat(s->reason ? s->reason : ""));
            if (s->note) printf(" | note: %s", flat(s->note));
            printf("\n");
        }
        arena_free(a);
        free(raw);
    }
    dkim_verifier_free(v);
    dns_free(dns);
    return rc;
}
