/* make bench: DKIM verifications per second in one process, keys cached.
 * usage: dkimbench ZONE FILE...  — every file is read into memory and its
 * header split once; then the whole set is verified ROUNDS times and the
 * rate of dkim_verify calls (one signature each) is printed, with the
 * number that passed (all must: the corpus is signed by dkimpy). */
#include "auth/dkim.h"
#include "dns/dns.h"
#include "mail/header.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/reader.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ROUNDS 5

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: dkimbench ZONE FILE...\n");
        return 1;
    }
    char err[512];
    struct dns_resolver *dns = dns_new();
    if (dns_add_zonefile(dns, argv[1], err, sizeof err) != 0) {
        fprintf(stderr, "dkimbench: %s\n", err);
        return 1;
    }
    size_t n = (size_t)argc - 2;
    struct buf *data = calloc(n, sizeof *data);
    struct hdr_block *hb = calloc(n, sizeof *hb);
    arena *keep = arena_new();
    for (size_t i = 0; i < n; i++) {
        bool trunc;
        buf_init(&data[i], 0);
        if (reader_slurp(argv[i + 2], 1 << 24, &data[i], &trunc, err, sizeof err) != 0) {
            fprintf(stderr, "dkimbench: %s: %s\n", argv[i + 2], err);
            return 1;
        }
        hdr_parse(keep, data[i].p, data[i].len, &hb[i], NULL);
    }
    struct dkim_verifier *v = dkim_verifier_new(dns);
    arena *a = arena_new();
    long pass = 0, total = 0;
    double t0 = time_mono();
    for (int r = 0; r < ROUNDS; r++)
        for (size_t i = 0; i < n; i++) {
            arena_reset(a);
            struct dkim_input in = {.raw = data[i].p,
                                    .raw_len = data[i].len,
                                    .hdr = &hb[i],
                                    .from_domain = "bench.example",
                                    .at = 1790000100,
                                    .at_source = "given"};
            struct dkim_result *res;
            size_t k = dkim_verify(v, a, &in, &res);
            for (size_t j = 0; j < k; j++) {
                total++;
                if (res[j].result == AUTH_PASS) pass++;
            }
        }
    double el = time_mono() - t0;
    printf("%ld verifications in %.3f s: %.0f/s (%ld pass)\n", total, el, (double)total / el, pass);
    dkim_verifier_free(v);
    arena_free(a);
    arena_free(keep);
    for (size_t i = 0; i < n; i++)
        buf_free(&data[i]);
    free(data);
    free(hb);
    dns_free(dns);
    return pass == total ? 0 : 1;
}
