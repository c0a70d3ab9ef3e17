/* fuzz_mime — libFuzzer harness: the whole input is a message; hdr_parse
 * then mime_parse, then every part's strings are walked (so a missing NUL or
 * a slice out of bounds shows under ASan). */
#include <stdint.h>
#include <string.h>

#include "mail/header.h"
#include "mail/mime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    const char *p = (const char *)data;
    struct hdr_block h;
    hdr_parse(a, p, size, &h, &an);
    struct mime_tree t;
    mime_parse(a, p, size, &h, &t, &an);
    size_t sum = 0;
    for (size_t i = 0; i < t.n; i++) {
        const struct mime_part *m = &t.parts[i];
        sum += strlen(m->path) + strlen(m->content_type) + strlen(m->sha256);
        if (m->filename) sum += strlen(m->filename);
        if (m->body.len) sum += (unsigned char)m->body.p[m->body.len - 1];
        if (m->decoded_len) sum += m->decoded[m->decoded_len - 1];
        if (m->text && m->text[m->text_len] != 0) __builtin_trap();
        for (size_t k = 0; k < m->zip.n; k++)
            sum += strlen(m->zip.m[k].name);
        if (m->parent >= (int)i) __builtin_trap();
    }
    (void)sum;
    arena_free(a);
    return 0;
}
