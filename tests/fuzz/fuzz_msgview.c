/* libFuzzer harness for score/msgview.c (with sahtml.c and urilist.c): the
 * input is parsed with message_parse, then every view is built: each
 * pseudo-header and a set of real header names under every modifier, body
 * with and without the Subject, rawbody, full, the URI list, and the
 * mimeheader of every part. The first byte picks whether an envelope is
 * given. Invariants: every text is NUL-terminated at its length, a repeated
 * question gets the cached answer, body_joined holds the body lines, the
 * URI count stays within MSGVIEW_MAX_URIS, full is at most the input with a CR
 * added before each LF, a part index past the last gets NULL. */
#include <stddef.h>
#include <stdint.h>

#include "mail/message.h"
#include "score/msgview.h"

static void check(const struct mv_text *t)
{
    if (!t) return;
    if (!t->p || t->p[t->len] != 0) __builtin_trap();
}

static const char *const names[] = {
    "ALL",
    "ALL-TRUSTED",
    "ALL-UNTRUSTED",
    "ALL-INTERNAL",
    "ALL-EXTERNAL",
    "ToCc",
    "EnvelopeFrom",
    "MESSAGEID",
    "X-Spam-Relays-Trusted",
    "X-Spam-Relays-Untrusted",
    "X-Spam-Relays-Internal",
    "X-Spam-Relays-External",
    "X-AuthorDomain",
    "X-SenderDomain",
    "Subject",
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Sender",
    "Return-Path",
    "Message-Id",
    "Date",
    "Received",
    "Content-Type",
    "MIME-Version",
    "X-Mailer",
    "X-Envelope-From",
    "X-Originating-IP",
    "List-Unsubscribe",
    "Nonexistent",
    "",
};

static const char *const part_names[] = {"Content-Type", "Content-Disposition",
                                         "Content-Transfer-Encoding", "Content-ID", "ALL"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct msgview_env env = {.envelope_from = "env@example.com",
                              .client_ip = "192.0.2.1",
                              .helo = "helo.example",
                              .client_rdns = "rdns.example"};
    struct msgview v;
    msgview_init(&v, a, &m, size && (data[0] & 1) ? &env : NULL);

    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        for (int mod = HM_DEFAULT; mod <= HM_REVIP; mod++) {
            const struct mv_text *t = msgview_header(&v, names[i], (enum rule_hdr_mod)mod);
            check(t);
            if (msgview_header(&v, names[i], (enum rule_hdr_mod)mod) != t) __builtin_trap();
        }
        if (msgview_header_exists(&v, names[i]) !=
            (msgview_header(&v, names[i], HM_DEFAULT) != NULL))
            __builtin_trap();
    }

    size_t n, n2;
    const struct mv_text *b = msgview_body(&v, true, &n);
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        check(&b[i]);
        total += b[i].len;
    }
    const struct mv_text *b2 = msgview_body(&v, false, &n2);
    if (n2 > n || (n2 && b2 + n2 != b + n)) __builtin_trap();
    check(&v.body_joined);
    check(&v.body_lower);
    if (v.body_joined.len < total || v.body_joined.len > total + n) __builtin_trap();
    if (v.body_lower.len != v.body_joined.len) __builtin_trap();

    const struct mv_text *r = msgview_rawbody(&v, &n);
    for (size_t i = 0; i < n; i++)
        check(&r[i]);

    struct mv_text full = msgview_full(&v);
    check(&full);
    /* the input ("\n" for an empty one); in a CRLF message SpamAssassin's
     * pristine header gains a CR before each bare LF */
    if (full.len > 2 * size + 1) __builtin_trap();

    const struct mv_text *u = msgview_uris(&v, &n);
    if (n > MSGVIEW_MAX_URIS) __builtin_trap();
    for (size_t i = 0; i < n; i++)
        check(&u[i]);

    for (size_t p = 0; p <= m.mime.n; p++) /* one past the end: NULL */
        for (size_t i = 0; i < sizeof part_names / sizeof part_names[0]; i++)
            for (int mod = HM_DEFAULT; mod <= HM_RAW; mod++) {
                const struct mv_text *t =
                    msgview_mimeheader(&v, p, part_names[i], (enum rule_hdr_mod)mod);
                check(t);
                if (p == m.mime.n && t) __builtin_trap();
            }
    arena_free(a);
    return 0;
}
