/* dmarcaggbench — DMARC aggregate report parsing speed: reads one XML file
 * (tests/bench/gen-dmarc.c makes them) into memory, then parses it with
 * dmarcagg and prints records, CPU seconds (process CPU time of the parse
 * only, not of reading the file) and records per second.
 *
 *   dmarcaggbench FILE.xml [CHUNK]
 *
 * Without CHUNK the file is read whole first and dmarcagg_parse gets it in
 * one call. With CHUNK > 0 the file is streamed instead: read and fed to
 * dmarcagg_feed CHUNK bytes at a time (as a decompressor would), the time
 * then includes reading; the peak RSS printed shows that memory stays flat
 * whatever the number of records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "feedback/dmarcagg.h"

struct tally {
    uint64_t rows, dkim, spf, ip_bytes;
};

static int on_row(void *ctx, const struct dmarcagg_row *r)
{
    struct tally *t = ctx;
    t->rows++;
    t->dkim += (uint64_t)r->n_dkim;
    t->spf += (uint64_t)r->n_spf;
    if (r->source_ip) t->ip_bytes += strlen(r->source_ip);
    return 0;
}

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: dmarcaggbench FILE.xml [CHUNK]\n");
        return 1;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 2;
    }
    size_t chunk = argc > 2 ? strtoul(argv[2], NULL, 10) : 0;
    struct tally t = {0};
    struct dmarcagg_sink sink = {.ctx = &t, .row = on_row};
    struct dmarcagg_result res;
    char *buf = NULL;
    size_t size = 0;
    double t0, secs;
    if (chunk == 0) {
        fseek(f, 0, SEEK_END);
        long n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc(n > 0 ? (size_t)n : 1);
        if (n < 0 || !buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
            fprintf(stderr, "%s: cannot read\n", argv[1]);
            return 2;
        }
        size = (size_t)n;
        t0 = cpu_seconds();
        dmarcagg_parse(buf, size, &sink, &res);
        secs = cpu_seconds() - t0;
    } else {
        buf = malloc(chunk);
        if (!buf) return 2;
        t0 = cpu_seconds();
        dmarcagg *p = dmarcagg_new(&sink);
        size_t n;
        while ((n = fread(buf, 1, chunk, f)) > 0) {
            dmarcagg_feed(p, buf, n);
            size += n;
        }
        dmarcagg_finish(p, &res);
        dmarcagg_free(p);
        secs = cpu_seconds() - t0;
    }
    fclose(f);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("dmarcagg: %llu rows, %.1f MB, %.3f s CPU, %.0f rows/s, %.0f MB/s, peak RSS %ld KB, "
           "status %d%s%s\n",
           (unsigned long long)res.rows, (double)size / 1e6, secs,
           secs > 0 ? (double)res.rows / secs : 0.0, secs > 0 ? (double)size / 1e6 / secs : 0.0,
           ru.ru_maxrss, (int)res.status, res.error[0] ? " " : "", res.error);
    free(buf);
    return res.status == DMARCAGG_OK ? 0 : 3;
}
