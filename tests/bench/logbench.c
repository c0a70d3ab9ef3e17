/* logbench — parse-only speed of the MTA log layer: logbench FILE...
 * Detects each file's format, reads its lines (logs/logread) and runs the
 * format's parser with an emit callback that only counts events. Prints
 * lines, events and lines/s over all files; stores nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "logs/logfmt.h"
#include "logs/logread.h"
#include "util/reader.h"
#include "util/timeutil.h"

static long events;

static void count(void *ctx, const struct log_event *ev)
{
    (void)ctx;
    (void)ev;
    events++;
}

int main(int argc, char **argv)
{
    long lines = 0;
    double t0 = time_mono();
    for (int i = 1; i < argc; i++) {
        char err[256], head[4096];
        struct reader *r = reader_open(argv[i], err, sizeof err);
        if (!r) {
            fprintf(stderr, "logbench: %s: %s\n", argv[i], err);
            return 2;
        }
        long n = reader_read(r, head, sizeof head);
        const struct log_format *fmt = logfmt_detect(head, n > 0 ? (size_t)n : 0);
        reader_close(r);
        if (!fmt) {
            fprintf(stderr, "logbench: %s: not a known log format\n", argv[i]);
            return 2;
        }
        struct stat st;
        stat(argv[i], &st);
        struct log_opts o = {.tz_offset_min = 0, .file_mtime = (int64_t)st.st_mtime};
        void *state = fmt->open(&o);
        r = reader_open(argv[i], err, sizeof err);
        struct logread *lr = logread_open(r, 0);
        arena *a = arena_new();
        const char *p;
        size_t len;
        uint64_t off;
        bool cut;
        while (logread_next(lr, &p, &len, &off, &cut) == 1) {
            arena_reset(a);
            fmt->line(state, a, p, len, count, NULL);
            lines++;
        }
        arena_free(a);
        logread_close(lr);
        reader_close(r);
        fmt->close(state);
    }
    double el = time_mono() - t0;
    printf("%ld lines, %ld events in %.2f s: %.0f lines/s\n", lines, events, el,
           (double)lines / el);
    return 0;
}
