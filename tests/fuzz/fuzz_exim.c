/* fuzz_exim — the Exim mainlog parser through tests/fuzz/logfuzz.h. The first
 * byte picks a --log-tz offset. Invariant: a relay port is a port. */
#include "fuzz/logfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void extra(const struct log_event *ev)
{
    if (ev->relay_port < 0 || ev->relay_port > 65535) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct log_opts o = {.tz_offset_min = size ? (int)data[0] * 7 - 840 : 0};
    return logfuzz_run(&log_format_exim, data, size, &o, extra);
}
