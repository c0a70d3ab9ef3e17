/* Fuzz harness: the whole message parser (headers, identity fields, Received
 * chain, MIME tree with decoding, charsets, HTML, file types, placement), and
 * the cheap placement-only path used for copies already stored. The first
 * input byte picks the folder the copy is "found" in. */
#include <stddef.h>
#include <stdint.h>

#include "mail/message.h"

static const char *const folders[] = {NULL,   "INBOX", "Junk",        "Junk E-mail",
                                      "Spam", "Sent",  "[Gmail]/Spam"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *folder = size ? folders[data[0] % (sizeof folders / sizeof folders[0])] : NULL;
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, folder, NULL, &m);
    const char *evidence;
    enum placement p = message_placement(a, (const char *)data, size, folder, &evidence);
    /* the cheap path must agree with the full parse */
    if (p != m.placement) __builtin_trap();
    arena_free(a);
    return 0;
}
