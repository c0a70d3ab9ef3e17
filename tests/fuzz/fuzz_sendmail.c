/* fuzz_sendmail — the Sendmail syslog parser (and the shared syslog prefix parser
 * under it) through tests/fuzz/logfuzz.h. The first byte picks --log-tz and
 * the file mtime (so the year inference and rollover paths run). Invariants:
 * a delivery has a status, a reject is DLV_REJECTED, every event has a time,
 * host and program, a relay port is a port. */
#include "fuzz/logfuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* what every syslog event must satisfy */
static void extra(const struct log_event *ev)
{
    if (ev->kind == EV_DELIVERY && ev->status == DLV_NONE) abort();
    if (ev->kind == EV_REJECT && ev->status != DLV_REJECTED) abort();
    if (!ev->time_valid || !ev->host || !ev->component) abort();
    if (ev->relay_port < 0 || ev->relay_port > 65535) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char sel = size ? data[0] : 0;
    struct log_opts o = {.tz_offset_min = (sel & 3) == 0   ? 0
                                          : (sel & 3) == 1 ? 120
                                                           : -300,
                         .file_mtime = (sel & 4) ? 1768435200 /* 2026-01-15 */
                                                 : 1743552000 /* 2025-04-02 */};
    return logfuzz_run(&log_format_sendmail, data, size, &o, extra);
}
