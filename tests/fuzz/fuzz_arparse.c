/* libFuzzer harness for auth/arparse.c: the input as the value of each of
 * the three fields, then as a whole header block; every claim must carry a
 * method and a result, property counts stay within the ceiling. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "auth/arparse.h"

static void check(const struct arp_claims *c)
{
    if (c->n > ARP_MAX_CLAIMS) __builtin_trap();
    for (size_t i = 0; i < c->n; i++) {
        const struct arp_claim *x = &c->v[i];
        if (!x->method || !x->result || x->n_props > ARP_MAX_PROPS) __builtin_trap();
        for (size_t k = 0; k < x->n_props; k++)
            if (!x->props[k].ptype || !x->props[k].property || !x->props[k].value ||
                strlen(x->props[k].value) > ARP_MAX_VALUE)
                __builtin_trap();
        arp_prop_get(x, "smtp", "mailfrom");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    const char *p = (const char *)data;
    for (int src = 0; src < 3; src++) {
        struct arp_claims c = {0};
        arp_parse_value(a, (enum arp_source)src, p, size, 0, &c);
        check(&c);
    }
    struct hdr_block hb;
    hdr_parse(a, p, size, &hb, NULL);
    struct arp_claims c;
    arp_parse_all(a, &hb, &c);
    check(&c);
    arena_free(a);
    return 0;
}
