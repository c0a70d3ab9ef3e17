/* libFuzzer harness for feedback/dsn.c: the input is parsed as a message
 * (mail/message.c) and read as a bounce or auto-reply. Invariants: the kind
 * is one of the three, at most DSN_MAX_RCPT recipients, every recipient has a
 * non-NULL address and action, every kept value respects DSN_MAX_FIELD, a
 * status is digits and dots, a reply code is 0 or 200-599, a kind other than
 * DSN_NONE names its format, DSN_NONE has no recipients, an auto-reply has at
 * most one, and parsing twice gives the same answer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "feedback/dsn.h"
#include "mail/message.h"

static void check_field(const char *s)
{
    if (s && strlen(s) > DSN_MAX_FIELD) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct dsn_report r;
    enum dsn_kind k = dsn_parse(a, &m, &r, &m.an);
    if (k != r.kind) __builtin_trap();
    if (k != DSN_NONE && k != DSN_BOUNCE && k != DSN_AUTOREPLY) __builtin_trap();
    if (r.n_rcpt > DSN_MAX_RCPT) __builtin_trap();
    if (k == DSN_NONE && r.n_rcpt) __builtin_trap();
    if (k == DSN_AUTOREPLY && r.n_rcpt > 1) __builtin_trap();
    if (k != DSN_NONE && !r.format) __builtin_trap();
    if (r.n_rcpt && !r.rcpt) __builtin_trap();
    check_field(r.reporting_mta);
    check_field(r.arrival_date_raw);
    check_field(r.original_envelope_id);
    check_field(r.orig_to);
    for (size_t i = 0; i < r.n_rcpt; i++) {
        const struct dsn_rcpt *x = &r.rcpt[i];
        if (!x->recipient || !x->action) __builtin_trap();
        check_field(x->recipient);
        check_field(x->diagnostic);
        check_field(x->original_recipient);
        check_field(x->remote_mta);
        if (x->status)
            for (const char *s = x->status; *s; s++)
                if (!((*s >= '0' && *s <= '9') || *s == '.')) __builtin_trap();
        if (x->reply_code && (x->reply_code < 200 || x->reply_code > 599)) __builtin_trap();
    }
    /* deterministic */
    struct dsn_report r2;
    if (dsn_parse(a, &m, &r2, NULL) != k || r2.n_rcpt != r.n_rcpt) __builtin_trap();
    arena_free(a);
    return 0;
}
