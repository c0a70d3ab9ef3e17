/* message — see message.h. Ties the parsers together for one message:
 * header block → identity fields → Received chain → MIME tree → placement.
 * Records the message-level anomalies (missing/duplicate From, Date,
 * Message-ID; NUL bytes; empty input). */
#include "mail/message.h"
#include "mail/date.h"
#include "mail/limits.h"
#include "mail/rfc2047.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/str.h"

#include <string.h>

/* Fields RFC 5322 §3.6 allows once (From has its own anomaly). */
static const char *const single_fields[] = {
    "Date", "Sender",     "Reply-To",    "To",         "Cc",
    "Bcc",  "Message-ID", "In-Reply-To", "References", "Subject",
};

#define RCPT_SUMMARY_MAX 20

static char *unfolded(arena *a, const struct hdr_field *f, size_t *len)
{
    struct slice v = f->value;
    if (v.len > HDR_MAX_VALUE_DECODE) v.len = HDR_MAX_VALUE_DECODE;
    return hdr_unfold(a, v, len);
}

static void parse_from(arena *a, struct message *m)
{
    size_t n = hdr_count(&m->hdr, "From");
    if (n == 0) {
        anom_add(&m->an, ANOM_HDR_FROM_MISSING, NULL);
        return;
    }
    if (n > 1) anom_add(&m->an, ANOM_HDR_FROM_MULTIPLE, "%zu From fields", n);
    /* every address of every From field counts for DMARC's single Author
     * Domain; the first real address is "the" From */
    const char *doms[8];
    int nd = 0;
    for (size_t k = 0; k < n && k < 8; k++) {
        size_t len;
        char *v = unfolded(a, hdr_get(&m->hdr, "From", k), &len);
        struct addr_list l;
        addr_parse_list(a, v, len, &l, k ? NULL : &m->an);
        for (size_t i = 0; i < l.n; i++) {
            const struct addr *ad = &l.v[i];
            if (!ad->address || !ad->address[0]) continue;
            m->n_from_addrs++;
            if (!m->has_from) {
                m->from = *ad;
                m->has_from = true;
            }
            const char *d = ad->domain_lc ? ad->domain_lc : "";
            bool seen = false;
            for (int j = 0; j < nd; j++)
                if (strcmp(doms[j], d) == 0) seen = true;
            if (!seen && nd < 8) doms[nd++] = d;
        }
        if (k == 0 && !m->has_from && l.n > 0) {
            m->from = l.v[0];
            m->has_from = l.v[0].address != NULL;
        }
    }
    m->n_from_domains = nd;
}

static void parse_message_id(arena *a, struct message *m)
{
    const struct hdr_field *f = hdr_get(&m->hdr, "Message-ID", 0);
    if (!f) {
        anom_add(&m->an, ANOM_HDR_MSGID_MISSING, NULL);
        return;
    }
    size_t len;
    char *v = unfolded(a, f, &len);
    const char *lt = memchr(v, '<', len);
    const char *gt = lt ? memchr(lt, '>', len - (size_t)(lt - v)) : NULL;
    if (lt && gt && gt > lt + 1) {
        size_t idlen = (size_t)(gt - lt - 1);
        m->message_id = arena_strndup(a, lt + 1, idlen);
        if (!memchr(m->message_id, '@', idlen)) anom_add(&m->an, ANOM_HDR_MSGID_INVALID, "no '@'");
        return;
    }
    struct slice t = str_trim(v, len);
    if (t.len) {
        m->message_id = arena_strndup(a, t.p, t.len);
        anom_add(&m->an, ANOM_HDR_MSGID_INVALID, "no angle brackets");
    } else {
        anom_add(&m->an, ANOM_HDR_MSGID_INVALID, "empty");
    }
}

static void parse_date(arena *a, struct message *m)
{
    const struct hdr_field *f = hdr_get(&m->hdr, "Date", 0);
    if (!f) {
        anom_add(&m->an, ANOM_HDR_DATE_MISSING, NULL);
        return;
    }
    size_t len;
    char *v = unfolded(a, f, &len);
    int64_t t;
    int tz;
    if (date_parse(v, len, &t, &tz) == DATE_INVALID) {
        anom_add(&m->an, ANOM_HDR_DATE_INVALID, "%.80s", v);
        return;
    }
    m->date = t;
    m->date_tz = tz;
    m->has_date = true;
}

static void parse_addr_field(arena *a, struct message *m, const char *name, struct addr_list *out)
{
    const struct hdr_field *f = hdr_get(&m->hdr, name, 0);
    if (!f) return;
    size_t len;
    char *v = unfolded(a, f, &len);
    addr_parse_list(a, v, len, out, &m->an);
}

static void build_rcpt_summary(arena *a, struct message *m)
{
    struct buf b;
    buf_init(&b, 0);
    size_t n = 0;
    const struct addr_list *lists[2] = {&m->to, &m->cc};
    for (int k = 0; k < 2; k++) {
        for (size_t i = 0; i < lists[k]->n && n < RCPT_SUMMARY_MAX; i++) {
            const char *ad = lists[k]->v[i].address;
            if (!ad || !ad[0]) continue;
            if (n++) buf_append(&b, ", ", 2);
            buf_puts(&b, ad);
        }
    }
    if (n) m->rcpt_summary = arena_strndup(a, b.p, b.len);
    buf_free(&b);
}

static void parse_received(arena *a, struct message *m)
{
    size_t n = hdr_count(&m->hdr, "Received");
    if (n > RECEIVED_MAX_HOPS) {
        anom_add(&m->an, ANOM_RECEIVED_TOO_MANY, "%zu Received fields", n);
        n = RECEIVED_MAX_HOPS;
    }
    if (!n) return;
    m->received = arena_zalloc(a, n * sizeof *m->received);
    m->received_raw = arena_zalloc(a, n * sizeof *m->received_raw);
    size_t k = 0;
    for (size_t i = 0; i < m->hdr.n && k < n; i++) {
        const struct hdr_field *f = &m->hdr.f[i];
        if (!str_eq_ci(f->name.p, f->name.len, "Received")) continue;
        size_t len;
        char *v = unfolded(a, f, &len);
        m->received_raw[k] = v;
        received_parse(a, v, len, &m->received[k]);
        /* qmail's "(qmail 1234 invoked from network); date" has no from/by by
         * design (looked for only in a hop without them: the two searches
         * over every hop's value were 1,500 instructions a message) */
        bool qmail_note = !m->received[k].parsed && m->received[k].date_valid &&
                          str_find_ci(v, len, "invoked") && str_find_ci(v, len, "qmail");
        if (!m->received[k].parsed && !qmail_note)
            anom_add(&m->an, ANOM_RECEIVED_UNPARSEABLE, "hop %zu", k);
        else if (!m->received[k].date_valid && !anom_has(&m->an, ANOM_RECEIVED_BAD_DATE))
            anom_add(&m->an, ANOM_RECEIVED_BAD_DATE, "hop %zu", k);
        k++;
    }
    m->n_received = k;
}

void message_parse(arena *a, const char *p, size_t len, const char *folder, const char *sha256,
                   struct message *m)
{
    message_parse_ex(a, p, len, folder, sha256, true, m);
}

void message_parse_ex(arena *a, const char *p, size_t len, const char *folder, const char *sha256,
                      bool with_mime, struct message *m)
{
    memset(m, 0, sizeof *m);
    anom_init(&m->an, a);
    m->raw = p;
    m->raw_len = len;
    if (sha256)
        memcpy(m->sha256, sha256, sizeof m->sha256);
    else
        sha256_hex(p, len, m->sha256);
    if (len == 0)
        anom_add(&m->an, ANOM_MSG_EMPTY, NULL);
    else if (memchr(p, '\0', len))
        anom_add(&m->an, ANOM_MSG_NUL_BYTES, NULL);

    hdr_parse(a, p, len, &m->hdr, &m->an);
    if (len == 0) return;
    parse_from(a, m);
    for (size_t i = 0; i < sizeof single_fields / sizeof single_fields[0]; i++) {
        size_t c = hdr_count(&m->hdr, single_fields[i]);
        if (c > 1) anom_add(&m->an, ANOM_HDR_DUPLICATE_SINGLE, "%s x%zu", single_fields[i], c);
    }
    const struct hdr_field *f = hdr_get(&m->hdr, "Subject", 0);
    if (f) {
        size_t vlen;
        char *v = unfolded(a, f, &vlen);
        size_t dlen;
        m->subject = rfc2047_decode(a, v, vlen, &dlen, &m->an);
    }
    parse_message_id(a, m);
    parse_date(a, m);
    parse_addr_field(a, m, "To", &m->to);
    parse_addr_field(a, m, "Cc", &m->cc);
    parse_addr_field(a, m, "Reply-To", &m->reply_to);
    build_rcpt_summary(a, m);
    f = hdr_get(&m->hdr, "Return-Path", 0);
    if (f) {
        size_t vlen;
        char *v = unfolded(a, f, &vlen);
        struct addr rp;
        if (addr_parse_path(a, v, vlen, &rp))
            m->return_path = rp.address ? rp.address : arena_strdup(a, "");
    }
    f = hdr_get(&m->hdr, "X-Gmail-Labels", 0);
    if (f) {
        size_t vlen;
        char *v = unfolded(a, f, &vlen);
        size_t dlen;
        m->gmail_labels = rfc2047_decode(a, v, vlen, &dlen, &m->an);
    }
    parse_received(a, m);
    for (size_t i = 0; i < m->n_received; i++) {
        if (m->received[i].date_valid) {
            m->arrival = m->received[i].date;
            break;
        }
    }
    if (!m->arrival && m->has_date) m->arrival = m->date;

    m->mime_parsed = with_mime;
    if (with_mime) mime_parse(a, p, len, &m->hdr, &m->mime, &m->an);
    for (size_t i = 0; i < m->mime.n; i++)
        if (m->mime.parts[i].is_attachment) m->n_attachments++;
    m->placement = placement_decide(a, &m->hdr, folder, m->gmail_labels, &m->placement_evidence);
}

enum placement message_placement(arena *a, const char *p, size_t len, const char *folder,
                                 const char **evidence)
{
    struct hdr_block h;
    hdr_parse(a, p, len, &h, NULL);
    const struct hdr_field *f = hdr_get(&h, "X-Gmail-Labels", 0);
    char *labels = NULL;
    if (f) {
        size_t vlen, dlen;
        char *v = unfolded(a, f, &vlen);
        labels = rfc2047_decode(a, v, vlen, &dlen, NULL);
    }
    return placement_decide(a, &h, folder, labels, evidence);
}
