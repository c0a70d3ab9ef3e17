/* fuzz_mbox — the mbox splitter (small ceiling, so truncation and the skip
 * path run constantly), detect_format/mbox_looks_like on the same bytes, and
 * detect_context on a path made of the first bytes. Checks: no message is
 * larger than the ceiling, the bytes handed out never exceed the input, the
 * offsets increase, and every From line starts with "From ". */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/detect.h"
#include "sources/mbox.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    enum src_format fmt = detect_format(p, size < 4096 ? size : 4096);
    (void)mbox_looks_like(p, size);

    arena *a = arena_new();
    char path[256];
    size_t pl = size < sizeof path - 1 ? size : sizeof path - 1;
    memcpy(path, p, pl);
    path[pl] = '\0';
    struct src_context ctx;
    detect_context(a, path, fmt, &ctx);
    if (ctx.folder) (void)strlen(ctx.folder);
    arena_free(a);

    size_t max_msg = size > 0 && (data[0] & 1) ? 4096 : 64;
    struct reader *r = reader_open_mem(data, size);
    struct mbox *m = mbox_open(r, max_msg);
    struct mbox_msg msg;
    size_t total = 0;
    uint64_t last = 0;
    int first = 1;
    unsigned sum = 0;
    while (mbox_next(m, &msg) == 1) {
        if (msg.len > max_msg) abort();
        if (!first && msg.offset <= last) abort();
        if (msg.from_line.len < 5 || memcmp(msg.from_line.p, "From ", 5) != 0) abort();
        first = 0;
        last = msg.offset;
        total += msg.len;
        if (!reader_is_gzip(r) && total > size) abort();
        for (size_t i = 0; i < msg.len; i += 512)
            sum += (unsigned char)msg.data[i];
        if (msg.len) sum += (unsigned char)msg.data[msg.len - 1];
    }
    (void)sum;
    mbox_close(m);
    reader_close(r);
    return 0;
}
