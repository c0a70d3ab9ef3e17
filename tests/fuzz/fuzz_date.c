/* libFuzzer harness for mail/date.c: whatever parses must be in range. */
#include <stddef.h>
#include <stdint.h>

#include "mail/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int64_t utc = 0;
    int tz = 0;
    enum date_rc rc = date_parse((const char *)data, size, &utc, &tz);
    if (rc != DATE_INVALID) {
        /* years 1900..9999, zones within a day */
        if (utc < -2209075200LL - 86400 || utc > 253402300800LL + 86400 || tz < -1440 || tz > 1440)
            __builtin_trap();
    }
    return 0;
}
