/* fuzz_html — libFuzzer harness: render the input as HTML; walk the links
 * and images so that unterminated strings show under ASan. */
#include <stdint.h>
#include <string.h>

#include "mail/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct html_doc d;
    html_render(a, (const char *)data, size, &d, &an);
    if (d.text[d.text_len] != 0) __builtin_trap();
    size_t sum = 0;
    for (size_t i = 0; i < d.n_links; i++)
        sum += strlen(d.links[i].href) + strlen(d.links[i].text);
    for (size_t i = 0; i < d.n_images; i++) {
        sum += strlen(d.images[i].src);
        if (d.images[i].tracking_pixel && d.images[i].kind != IMG_REMOTE) __builtin_trap();
    }
    (void)sum;
    arena_free(a);
    return 0;
}
