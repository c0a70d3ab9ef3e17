/* libFuzzer harness for feedback/dmarcagg.c: the input is parsed as an
 * aggregate report twice, whole (dmarcagg_parse) and fed in two chunks split
 * at a position taken from the input's bytes, with a row callback that may
 * stop the parse after a number of rows also taken from the input.
 * Invariants: the status is one of the enum's; the error is empty exactly
 * when the status is OK; res.rows equals the rows the callback saw; begin()
 * comes at most once and before any row; every string is non-empty, trimmed,
 * valid UTF-8 and within DMARCAGG_MAX_FIELD; auth counts within their
 * ceiling; and where neither parse was stopped, both see the same rows. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "feedback/dmarcagg.h"

struct seen {
    int begins, rows, stop_at;
    uint64_t hash; /* of everything delivered, to compare the two parses */
};

static void mix(struct seen *s, const char *p)
{
    if (!p) {
        s->hash = s->hash * 1099511628211u + 7;
        return;
    }
    size_t n = strlen(p);
    if (n == 0 || n > DMARCAGG_MAX_FIELD) __builtin_trap();
    unsigned char a = (unsigned char)p[0], z = (unsigned char)p[n - 1];
    if (a == ' ' || a == '\t' || a == '\n' || a == '\r') __builtin_trap();
    if (z == ' ' || z == '\t' || z == '\n' || z == '\r') __builtin_trap();
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)p[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (k == 0 || i + k > n) __builtin_trap();
        for (size_t j = 1; j < k; j++)
            if (((unsigned char)p[i + j] & 0xC0) != 0x80) __builtin_trap();
        i += k;
    }
    for (size_t i = 0; i < n; i++)
        s->hash = (s->hash ^ (unsigned char)p[i]) * 1099511628211u;
}

static int on_begin(void *ctx, const struct dmarcagg_meta *m)
{
    struct seen *s = ctx;
    if (s->begins++ || s->rows) __builtin_trap();
    const char *const f[] = {m->version,   m->org_name, m->email,     m->extra_contact_info,
                             m->report_id, m->errors,   m->generator, m->domain,
                             m->adkim,     m->aspf,     m->p,         m->sp,
                             m->np,        m->fo,       m->testing,   m->discovery_method};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        mix(s, f[i]);
    if (m->pct < -1 || m->pct > 100 || m->date_begin < -1 || m->date_end < -1) __builtin_trap();
    s->hash += (uint64_t)m->pct + (uint64_t)m->date_begin * 3 + (uint64_t)m->date_end * 5;
    return 0;
}

static void mix_auth(struct seen *s, const struct dmarcagg_auth *a, int n, bool dkim)
{
    if (n < 0 || n > DMARCAGG_MAX_AUTH) __builtin_trap();
    for (int i = 0; i < n; i++) {
        mix(s, a[i].domain);
        mix(s, dkim ? a[i].selector : a[i].scope);
        if (dkim ? a[i].scope != NULL : a[i].selector != NULL) __builtin_trap();
        mix(s, a[i].result);
        mix(s, a[i].human_result);
    }
}

static int on_row(void *ctx, const struct dmarcagg_row *r)
{
    struct seen *s = ctx;
    if (s->begins != 1) __builtin_trap();
    s->rows++;
    const char *const f[] = {r->source_ip, r->disposition, r->dkim,          r->spf,
                             r->reasons,   r->header_from, r->envelope_from, r->envelope_to};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        mix(s, f[i]);
    if (r->count < -1) __builtin_trap();
    s->hash += (uint64_t)r->count;
    mix_auth(s, r->dkim_auth, r->n_dkim, true);
    mix_auth(s, r->spf_auth, r->n_spf, false);
    return s->stop_at && s->rows == s->stop_at;
}

static void check(const struct dmarcagg_result *res, const struct seen *s)
{
    if (res->status < DMARCAGG_OK || res->status > DMARCAGG_STOPPED) __builtin_trap();
    if ((res->status == DMARCAGG_OK) != (res->error[0] == '\0')) __builtin_trap();
    if (memchr(res->error, '\0', sizeof res->error) == NULL) __builtin_trap();
    if (res->rows != (uint64_t)s->rows) __builtin_trap();
    if (s->begins > 1) __builtin_trap();
    if (res->status == DMARCAGG_STOPPED && s->rows != s->stop_at) __builtin_trap();
    if ((res->status == DMARCAGG_NOT_DMARC || res->status == DMARCAGG_DOCTYPE) && s->begins)
        __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    (void)dmarcagg_sniff(p, size);
    int stop_at = size > 2 ? data[1] % 8 : 0; /* 0: never stop */

    struct seen whole = {.stop_at = stop_at};
    struct dmarcagg_sink sink = {.ctx = &whole, .begin = on_begin, .row = on_row};
    struct dmarcagg_result r1;
    dmarcagg_parse(p, size, &sink, &r1);
    check(&r1, &whole);

    size_t split = size ? ((size_t)data[0] * 131u + data[size / 2]) % (size + 1) : 0;
    struct seen parts = {.stop_at = stop_at};
    sink.ctx = &parts;
    dmarcagg *x = dmarcagg_new(&sink);
    dmarcagg_feed(x, p, split);
    dmarcagg_feed(x, p + split, size - split);
    struct dmarcagg_result r2;
    dmarcagg_finish(x, &r2);
    dmarcagg_free(x);
    check(&r2, &parts);

    /* chunking must not change what a well-formed report yields */
    if (r1.status == DMARCAGG_OK && r2.status == DMARCAGG_OK &&
        (whole.hash != parts.hash || r1.rows != r2.rows || r1.messages != r2.messages ||
         r1.truncated_fields != r2.truncated_fields || r1.dropped_auth != r2.dropped_auth))
        __builtin_trap();
    return 0;
}
