/* fuzz_iis — the iis log format through tests/fuzz/logfuzz.h. The first
 * byte picks --log-tz, so zone arithmetic runs too. Invariant: milliseconds
 * are 0..999. */
#include "fuzz/logfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void extra(const struct log_event *ev)
{
    if (ev->time_ms < 0 || ev->time_ms > 999) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct log_opts o = {.tz_offset_min = size ? (int)(data[0] % 49) * 30 - 720 : 0};
    return logfuzz_run(&log_format_iis, data, size, &o, extra);
}
