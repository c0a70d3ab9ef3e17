/* libFuzzer harness for util/unpack.c: the input is read as gzip and as ZIP
 * (first ".xml" member, and first file member) with a small output ceiling.
 * Invariants: never more than max_out bytes reach the callback, no chunk is
 * larger than UNPACK_CHUNK or empty, res.out counts exactly what was
 * delivered, OK has an empty error and anything else a non-empty one; a
 * callback that stops on its first call gives UNPACK_STOPPED; and an output
 * of L bytes read again with max_out L-1 stops with UNPACK_LIMIT at L-1. */
#include <stdint.h>
#include <string.h>

#include "util/unpack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_OUT ((size_t)256 << 10)

struct sink {
    size_t total, calls;
    int stop;
};

static int take(void *ctx, const char *p, size_t n)
{
    struct sink *s = ctx;
    if (n == 0 || n > UNPACK_CHUNK) __builtin_trap();
    volatile char first = p[0], last = p[n - 1]; /* touch both ends for ASan */
    (void)first;
    (void)last;
    s->total += n;
    s->calls++;
    return s->stop;
}

static void check(const struct unpack_result *r, enum unpack_status st, const struct sink *s,
                  size_t max_out)
{
    if (st != r->status) __builtin_trap();
    if (st > UNPACK_STOPPED) __builtin_trap();
    if (r->out != s->total || r->out > max_out) __builtin_trap();
    if ((st == UNPACK_OK) != (r->error[0] == '\0')) __builtin_trap();
    if (memchr(r->name, '\0', sizeof r->name) == NULL) __builtin_trap();
    if (memchr(r->error, '\0', sizeof r->error) == NULL) __builtin_trap();
}

static enum unpack_status run(const uint8_t *data, size_t size, int kind, size_t max_out, int stop,
                              struct sink *s, struct unpack_result *r)
{
    memset(s, 0, sizeof *s);
    s->stop = stop;
    enum unpack_status st;
    if (kind == 0)
        st = unpack_gzip(data, size, max_out, take, s, r);
    else
        st = unpack_zip(data, size, kind == 1 ? ".xml" : NULL, max_out, take, s, r);
    check(r, st, s, max_out);
    if (stop && s->calls > 0 && st != UNPACK_STOPPED) __builtin_trap();
    if (stop && s->calls > 1) __builtin_trap();
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    for (int kind = 0; kind < 3; kind++) {
        struct sink s;
        struct unpack_result r;
        enum unpack_status st = run(data, size, kind, MAX_OUT, 0, &s, &r);
        if (st == UNPACK_OK && s.total > 0) {
            size_t full = s.total;
            st = run(data, size, kind, full - 1, 0, &s, &r);
            if (st != UNPACK_LIMIT || r.out != full - 1) __builtin_trap();
            run(data, size, kind, full, 1, &s, &r);
        }
    }
    return 0;
}
