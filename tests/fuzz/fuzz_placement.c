/* fuzz_placement — hdr_parse then placement_decide, the folder picked by the
 * first byte (one of the names placement reads, an arbitrary slice of the
 * input, or none) and the Gmail labels by the second (NULL, so the header is
 * read, or a slice of the input). Checks that a verdict always comes with
 * evidence and unknown never does. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/placement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const folders[] = {
    NULL,
    "INBOX",
    "Junk",
    ".Junk",
    "Junk E-mail",
    "[Gmail]/Spam",
    "INBOX.Spam",
    "Sent",
    "All mail Including Spam and Trash",
    "#Public",
    "",
    ".",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    arena *a = arena_new();
    unsigned f = data[0], l = data[1];
    const char *p = (const char *)data + 2;
    size_t len = size - 2;
    const char *folder;
    if (f < 0xF0) {
        folder = folders[f % (sizeof folders / sizeof folders[0])];
    } else {
        size_t n = len < 40 ? len : 40;
        folder = arena_strndup(a, p, n);
    }
    const char *labels = NULL;
    if (l & 1) {
        size_t n = len < 80 ? len : 80;
        labels = arena_strndup(a, p, n);
    }
    struct hdr_block h;
    struct anomalies an;
    anom_init(&an, a);
    hdr_parse(a, p, len, &h, &an);
    const char *ev = NULL;
    enum placement pl = placement_decide(a, &h, folder, labels, &ev);
    if ((pl == PLACEMENT_UNKNOWN) != (ev == NULL)) abort();
    if (ev) (void)strlen(ev);
    (void)placement_name(pl);
    arena_free(a);
    return 0;
}
