/* libFuzzer harness for feedback/feedback.c, the dispatcher ingest and check
 * use: the input is parsed as a message, scanned for reports, complaints and
 * bounces, and every report payload found is decompressed and parsed with a
 * small output ceiling. Invariants: at most FB_MAX_PAYLOADS payloads, each
 * inside the message's decoded bytes; a bounce has one classified delivery per
 * recipient, with a status of the deliveries vocabulary and a reason; the
 * kind matches what was found; a payload never delivers more than the
 * ceiling; rows counted by the parser equal the rows the sink received. */
#include <stdint.h>
#include <string.h>

#include "feedback/feedback.h"
#include "mail/message.h"

struct count {
    uint64_t begins, rows;
};

static int on_begin(void *ctx, const struct dmarcagg_meta *m)
{
    struct count *c = ctx;
    (void)m;
    c->begins++;
    return 0;
}

static int on_row(void *ctx, const struct dmarcagg_row *r)
{
    struct count *c = ctx;
    if (r->n_dkim < 0 || r->n_dkim > DMARCAGG_MAX_AUTH || r->n_spf < 0 ||
        r->n_spf > DMARCAGG_MAX_AUTH)
        __builtin_trap();
    c->rows++;
    return 0;
}

static int on_tls(void *ctx, const struct tlsrpt_report *r)
{
    (void)ctx;
    if (r->n_policies > TLSRPT_MAX_POLICIES) __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct fb_scan fs;
    feedback_scan(a, &m, &fs, &m.an);
    if (fs.n_pl > FB_MAX_PAYLOADS) __builtin_trap();
    if (fs.is_arf && (!fs.kind || !fs.arf.format)) __builtin_trap();
    if (fs.dsn.kind == DSN_BOUNCE) {
        if (strcmp(fs.kind, "bounce") != 0) __builtin_trap();
        for (size_t i = 0; i < fs.dsn.n_rcpt; i++) {
            const struct fb_delivery *d = &fs.dlv[i];
            if (d->r != &fs.dsn.rcpt[i] || !d->bc.reason || !d->status) __builtin_trap();
            if (strcmp(d->status, "bounced") != 0 && strcmp(d->status, "expired") != 0 &&
                strcmp(d->status, "deferred") != 0 && strcmp(d->status, "sent") != 0)
                __builtin_trap();
        }
    }
    for (size_t i = 0; i < fs.n_pl; i++) {
        const struct fb_payload *pl = &fs.pl[i];
        if (!pl->p || !pl->len || !pl->part) __builtin_trap();
        struct count c = {0};
        struct dmarcagg_sink ds = {.ctx = &c, .begin = on_begin, .row = on_row};
        struct fb_sinks s = {.dmarc = &ds, .tlsrpt = on_tls, .max_out = 1 << 20};
        struct fb_payload_result res;
        feedback_payload_run(a, pl, &s, &res);
        if (res.unpack.out > (1u << 20) && pl->enc != FB_RAW) __builtin_trap();
        if (res.recognised && res.kind == FB_DMARC_AGG) {
            if (c.rows != res.dmarc.rows || c.begins > 1) __builtin_trap();
            if (c.rows && !c.begins) __builtin_trap();
        }
        if (!res.recognised && (c.rows || c.begins)) __builtin_trap();
    }
    arena_free(a);
    return 0;
}
