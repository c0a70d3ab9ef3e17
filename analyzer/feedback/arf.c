/* arf — complaint and authentication-failure reports (see arf.h).
 *
 * Recognition looks at the MIME structure and the sender, never at free
 * body text (a message that merely talks about "feedback-report" is not a
 * report), and only at parts of the message itself, not inside an attached
 * message (a forwarded report is a forward):
 *  1. "arf": a multipart/report with report-type=feedback-report, or a
 *     message/feedback-report part anywhere in the message. Anything other
 *     than a multipart/report; report-type=feedback-report holding the
 *     message/feedback-report part is recorded as ANOM_ARF_STRUCTURE (the
 *     report is still read), as is a report without the part or without the
 *     reported message.
 *  2. Near-ARF formats (table `near_formats`): a sender/subject signature
 *     plus an attached message/rfc822: Microsoft JMRP ("jmrp": From
 *     staff@hotmail.com, Subject "complaint about message from IP", the
 *     complained-about message attached with X-HmXmrOriginalRecipient added),
 *     other "complaint about message from" senders (Amazon SES) and AOL's
 *     pre-2008 SComp format ("other"). Their Feedback-Type is taken as
 *     "abuse"; Source-IP comes from the subject, Original-Rcpt-To from
 *     X-HmXmrOriginalRecipient.
 *  3. Amazon SES complaint notifications: From ...@sns.amazonaws.com and a
 *     text body whose JSON says "notificationType":"Complaint" (also as the
 *     escaped Message string of SNS's envelope); format "other". Fields come
 *     from a key lookup (json_value), not a JSON parser: complaintFeedbackType
 *     (default "abuse"), userAgent, complainedRecipients' emailAddress,
 *     mail.source, sourceIp, arrivalDate, and commonHeaders' messageId (the
 *     one with an '@'), subject and date as the original.
 *
 * The feedback-report part (7bit, 8bit or base64: the decoded bytes) is read
 * as header blocks with hdr_parse: field names case-insensitive, values
 * unfolded (a line break and the whitespace after it become one space),
 * control bytes made spaces, invalid UTF-8 bytes '?'. Some reporters split
 * the fields into groups with blank lines, or put a stray non-field line
 * among them: up to ARF_MAX_GROUPS blocks are read, a non-field line
 * skipped. The draft-era name Received-Date is read as Arrival-Date.
 * Single-valued fields keep the first value (a repeat is ANOM_ARF_BAD_FIELD,
 * except Authentication-Results, which RFC 5965 allows to repeat);
 * Original-Rcpt-To, Reported-Domain, Reported-URI and SPF-DNS are joined.
 * Checked: Feedback-Type, User-Agent, Version present (and Auth-Failure for
 * auth-failure reports: RFC 6591 §3.1) — ANOM_ARF_MISSING_FIELD; a
 * Feedback-Type outside the IANA registry, an unparsable Arrival-Date, an
 * Incidents that is not a positive number — ANOM_ARF_BAD_FIELD.
 *
 * The reported message is the first message/rfc822, message/global,
 * text/rfc822-headers (or text/rfc822-header, message/rfc822-headers,
 * message/global-headers) part after the feedback-report part: the nested
 * message's header block, or the leaf's bytes parsed with hdr_parse (a
 * header block cut anywhere is fine). Its body is never read.
 * Ceilings: see arf.h; ARF_MAX_GROUPS header blocks in the report part.
 * Does NOT verify anything the report claims (DKIM, SPF, the Source-IP). */
#include "feedback/arf.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "mail/addr.h"
#include "mail/date.h"
#include "mail/header.h"
#include "mail/mimeparam.h"
#include "mail/rfc2047.h"
#include "util/str.h"

#define ARF_MAX_GROUPS 16

/* ---- values ---- */

/* Cut (p,len) to at most max bytes without splitting a UTF-8 sequence. */
static size_t utf8_cut(const char *p, size_t len, size_t max)
{
    if (len <= max) return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A field value as stored: unfolded (line break + WSP -> one space),
 * control bytes -> space, invalid UTF-8 -> '?', trimmed, at most
 * ARF_MAX_FIELD bytes. NULL when empty. */
static char *clean_value(arena *a, const char *p, size_t len)
{
    char *out = arena_alloc(a, (len < ARF_MAX_FIELD ? len : ARF_MAX_FIELD) + 1);
    size_t o = 0, i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        size_t n = 1;
        if (c == '\r' || c == '\n') {
            while (i < len && (p[i] == '\r' || p[i] == '\n' || ch_is_wsp((unsigned char)p[i])))
                i++;
            if (o + 1 > ARF_MAX_FIELD) break;
            out[o++] = ' ';
            continue;
        }
        if (c >= 0x80) n = str_utf8_seqlen((const unsigned char *)p + i, len - i);
        if (o + (n ? n : 1) > ARF_MAX_FIELD) break;
        if (c >= 0x80 && n == 0) {
            out[o++] = '?';
            n = 1;
        } else if (c < 0x20 || c == 0x7f) {
            out[o++] = ' ';
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    struct slice t = str_trim(out, o);
    if (t.len == 0) return NULL;
    memmove(out, t.p, t.len);
    out[t.len] = 0;
    return out;
}

/* The part between '<' and the next '>' when there is one, else all of s. */
static char *strip_angle(char *s)
{
    if (!s) return NULL;
    char *lt = strchr(s, '<');
    if (!lt) return s;
    char *gt = strchr(lt + 1, '>');
    if (!gt) return s;
    *gt = 0;
    struct slice t = str_trim(lt + 1, (size_t)(gt - lt - 1));
    if (t.len == 0) return NULL;
    char *r = (char *)t.p;
    r[t.len] = 0;
    return r;
}

/* ---- the feedback-report fields ---- */

enum fkind {
    F_TEXT,   /* as written */
    F_LOWER,  /* lowercased */
    F_TYPE,   /* lowercased first token (Feedback-Type) */
    F_ADDR,   /* angle brackets removed */
    F_IP,     /* square brackets removed */
    F_DATE,   /* Arrival-Date */
    F_COUNT,  /* Incidents */
    F_LIST,   /* repeatable, joined */
    F_IGNORE, /* known, not kept */
};

enum { L_RCPT, L_DOMAIN, L_URI, L_SPFDNS, L__COUNT };

struct field_rule {
    const char *name;
    enum fkind kind;
    size_t off;  /* offsetof(struct arf_report, member) of the const char * kept */
    int list;    /* F_LIST: which list */
    bool strip;  /* F_LIST: remove angle brackets from each value */
    bool repeat; /* may appear more than once without an anomaly */
};

#define AT(m) offsetof(struct arf_report, m)
static const struct field_rule field_rules[] = {
    {"Feedback-Type", F_TYPE, AT(feedback_type), 0, false, false},
    {"User-Agent", F_TEXT, AT(user_agent), 0, false, false},
    {"Version", F_TEXT, AT(version), 0, false, false},
    {"Original-Mail-From", F_ADDR, AT(original_mail_from), 0, false, false},
    {"Original-Rcpt-To", F_LIST, 0, L_RCPT, true, true},
    {"Arrival-Date", F_DATE, AT(arrival_date_raw), 0, false, false},
    {"Received-Date", F_DATE, AT(arrival_date_raw), 0, false, false}, /* draft-era name */
    {"Source-IP", F_IP, AT(source_ip), 0, false, false},
    {"Reported-Domain", F_LIST, 0, L_DOMAIN, false, true},
    {"Reported-URI", F_LIST, 0, L_URI, true, true},
    {"Reporting-MTA", F_TEXT, AT(reporting_mta), 0, false, false},
    {"Incidents", F_COUNT, 0, 0, false, false},
    {"Authentication-Results", F_TEXT, AT(authentication_results), 0, false, true},
    {"Original-Envelope-Id", F_TEXT, AT(original_envelope_id), 0, false, false},
    {"Auth-Failure", F_LOWER, AT(auth_failure), 0, false, false},
    {"Delivery-Result", F_LOWER, AT(delivery_result), 0, false, false},
    {"DKIM-Domain", F_TEXT, AT(dkim_domain), 0, false, false},
    {"DKIM-Identity", F_TEXT, AT(dkim_identity), 0, false, false},
    {"DKIM-Selector", F_TEXT, AT(dkim_selector), 0, false, false},
    {"DKIM-Canonicalized-Header", F_IGNORE, 0, 0, false, true},
    {"DKIM-Canonicalized-Body", F_IGNORE, 0, 0, false, true},
    {"SPF-DNS", F_LIST, 0, L_SPFDNS, false, true},
    {"Identity-Alignment", F_LOWER, AT(identity_alignment), 0, false, false},
};
#undef AT

/* The IANA "Feedback Report Type Values" registry (RFC 5965, RFC 6591). */
static const char *const registered_types[] = {"abuse",    "fraud", "other",
                                               "not-spam", "virus", "auth-failure"};

struct list_acc {
    struct arena_str s;
    size_t n;
    bool over;
};

struct fields_ctx {
    arena *a;
    struct arf_report *out;
    struct anomalies *an;
    struct list_acc lists[L__COUNT];
    unsigned seen_incidents;
};

static const char **member(struct arf_report *r, size_t off)
{
    return (const char **)(void *)((char *)r + off);
}

static void list_add(struct fields_ctx *c, const struct field_rule *r, char *v)
{
    struct list_acc *l = &c->lists[r->list];
    if (r->strip) v = strip_angle(v);
    if (!v) return;
    if (l->n >= ARF_MAX_REPEAT) {
        if (!l->over && c->an)
            anom_add(c->an, ANOM_ARF_BAD_FIELD, "more than %d %s values", ARF_MAX_REPEAT, r->name);
        l->over = true;
        return;
    }
    if (l->n++) arena_str_put(&l->s, ", ", 2);
    arena_str_put(&l->s, v, strlen(v));
}

static void apply_field(struct fields_ctx *c, const struct field_rule *r, char *v)
{
    struct arf_report *out = c->out;
    if (r->kind == F_IGNORE) return;
    if (r->kind == F_LIST) {
        list_add(c, r, v);
        return;
    }
    if (r->kind == F_COUNT) {
        if (c->seen_incidents++) {
            if (c->an) anom_add(c->an, ANOM_ARF_BAD_FIELD, "repeated %s", r->name);
            return;
        }
        int64_t n = 0;
        size_t i = 0, len = strlen(v);
        while (i < len && ch_is_digit((unsigned char)v[i]) && n < 1000000000000LL)
            n = n * 10 + (v[i++] - '0');
        if (i == 0 || i < len || n <= 0 || n >= 1000000000000LL) {
            if (c->an) anom_add(c->an, ANOM_ARF_BAD_FIELD, "Incidents: %.60s", v);
            return;
        }
        out->incidents = n;
        return;
    }
    const char **dst = member(out, r->off);
    if (*dst) {
        if (!r->repeat && c->an) anom_add(c->an, ANOM_ARF_BAD_FIELD, "repeated %s", r->name);
        return;
    }
    switch (r->kind) {
    case F_TYPE: {
        size_t n = 0;
        while (v[n] && v[n] != ';' && v[n] != '(' && !ch_is_space((unsigned char)v[n]))
            n++;
        v[n] = 0;
        if (n == 0) {
            if (c->an) anom_add(c->an, ANOM_ARF_BAD_FIELD, "empty %s", r->name);
            return;
        }
        str_lower(v, n);
        break;
    }
    case F_LOWER:
        str_lower(v, strlen(v));
        break;
    case F_ADDR:
        v = strip_angle(v);
        break;
    case F_IP: {
        size_t n = strlen(v);
        if (n >= 2 && v[0] == '[' && v[n - 1] == ']') {
            v[n - 1] = 0;
            v++;
        }
        if (!*v) v = NULL;
        break;
    }
    case F_DATE: {
        int tz;
        int64_t t;
        if (date_parse(v, strlen(v), &t, &tz) == DATE_INVALID) {
            if (c->an) anom_add(c->an, ANOM_ARF_BAD_FIELD, "%s: %.60s", r->name, v);
        } else {
            out->arrival_date = t;
        }
        break;
    }
    default:
        break;
    }
    *dst = v;
}

static void read_block(struct fields_ctx *c, const struct hdr_block *h)
{
    for (size_t k = 0; k < h->n; k++) {
        const struct hdr_field *f = &h->f[k];
        for (size_t r = 0; r < sizeof field_rules / sizeof field_rules[0]; r++) {
            if (!str_eq_ci(f->name.p, f->name.len, field_rules[r].name)) continue;
            char *v = clean_value(c->a, f->value.p, f->value.len);
            if (v) apply_field(c, &field_rules[r], v);
            break;
        }
    }
}

/* The bytes of a leaf as decoded, or its raw body when it was left
 * undecoded with an identity encoding. */
static struct slice leaf_bytes(const struct mime_part *p)
{
    if (p->decoded) return (struct slice){(const char *)p->decoded, p->decoded_len};
    if (!p->cte || strcmp(p->cte, "7bit") == 0 || strcmp(p->cte, "8bit") == 0 ||
        strcmp(p->cte, "binary") == 0)
        return p->body;
    return (struct slice){NULL, 0};
}

static void read_report_fields(arena *a, const struct mime_part *part, struct arf_report *out,
                               struct anomalies *an)
{
    struct slice b = leaf_bytes(part);
    if (!b.p) {
        if (an) anom_add(an, ANOM_ARF_STRUCTURE, "feedback-report part %s not decoded", part->path);
        return;
    }
    struct fields_ctx c = {.a = a, .out = out, .an = an};
    for (size_t l = 0; l < L__COUNT; l++)
        c.lists[l].s.a = a;
    size_t off = 0;
    for (int g = 0; g < ARF_MAX_GROUPS && off < b.len; g++) {
        while (off < b.len && ch_is_space((unsigned char)b.p[off]))
            off++;
        if (off >= b.len) break;
        struct hdr_block h;
        hdr_parse(a, b.p + off, b.len - off, &h, NULL);
        read_block(&c, &h);
        size_t next = h.body_offset;
        if (h.n == 0 || next == 0) {
            /* a line that is not a field: skip it */
            const char *lf = memchr(b.p + off, '\n', b.len - off);
            next = lf ? (size_t)(lf - (b.p + off)) + 1 : b.len - off;
        }
        off += next;
    }
    if (c.lists[L_RCPT].n) out->original_rcpt_to = c.lists[L_RCPT].s.p;
    if (c.lists[L_DOMAIN].n) out->reported_domain = c.lists[L_DOMAIN].s.p;
    if (c.lists[L_URI].n) out->reported_uri = c.lists[L_URI].s.p;
    if (c.lists[L_SPFDNS].n) out->spf_dns = c.lists[L_SPFDNS].s.p;
}

static void check_required(struct arf_report *out, struct anomalies *an)
{
    if (!an) return;
    char missing[128] = "";
    size_t o = 0;
    const char *names[4] = {NULL, NULL, NULL, NULL};
    int n = 0;
    if (!out->feedback_type) names[n++] = "Feedback-Type";
    if (!out->user_agent) names[n++] = "User-Agent";
    if (!out->version) names[n++] = "Version";
    if (out->feedback_type && strcmp(out->feedback_type, "auth-failure") == 0 && !out->auth_failure)
        names[n++] = "Auth-Failure";
    for (int k = 0; k < n; k++) {
        int w = snprintf(missing + o, sizeof missing - o, "%s%s", k ? ", " : "", names[k]);
        if (w < 0 || (size_t)w >= sizeof missing - o) break;
        o += (size_t)w;
    }
    if (n) anom_add(an, ANOM_ARF_MISSING_FIELD, "%s", missing);
    if (out->feedback_type) {
        bool known = false;
        for (size_t k = 0; k < sizeof registered_types / sizeof registered_types[0]; k++)
            if (strcmp(out->feedback_type, registered_types[k]) == 0) known = true;
        if (!known)
            anom_add(an, ANOM_ARF_BAD_FIELD, "Feedback-Type %.60s is not registered",
                     out->feedback_type);
    }
}

/* ---- the reported message ---- */

static bool is_original_type(const char *ct)
{
    static const char *const types[] = {"message/rfc822",         "message/global",
                                        "text/rfc822-headers",    "text/rfc822-header",
                                        "message/rfc822-headers", "message/global-headers"};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        if (strcmp(ct, types[k]) == 0) return true;
    return false;
}

static char *field_value(arena *a, const struct hdr_block *h, const char *name)
{
    const struct hdr_field *f = hdr_get(h, name, 0);
    return f ? clean_value(a, f->value.p, f->value.len) : NULL;
}

/* The header block of the reported message in part j: the nested message's
 * own, or the leaf's bytes parsed into *scratch. */
static const struct hdr_block *original_headers(arena *a, const struct mime_tree *t, size_t j,
                                                struct hdr_block *scratch)
{
    const struct mime_part *p = &t->parts[j];
    if (p->is_message && j + 1 < t->n && t->parts[j + 1].parent == (int)j)
        return &t->parts[j + 1].hdr;
    memset(scratch, 0, sizeof *scratch);
    struct slice b = leaf_bytes(p);
    if (!b.p) return scratch;
    size_t off = 0;
    while (off < b.len && (b.p[off] == '\r' || b.p[off] == '\n'))
        off++;
    hdr_parse(a, b.p + off, b.len - off, scratch, NULL);
    return scratch;
}

static void read_original(arena *a, const struct hdr_block *h, struct arf_report *out)
{
    out->has_original = true;
    out->orig_message_id = strip_angle(field_value(a, h, "Message-ID"));

    char *v = field_value(a, h, "From");
    if (v) {
        struct addr_list l;
        addr_parse_list(a, v, strlen(v), &l, NULL);
        for (size_t k = 0; k < l.n && !out->orig_from; k++)
            if (l.v[k].address && *l.v[k].address) out->orig_from = l.v[k].address;
    }

    v = field_value(a, h, "To");
    if (v) {
        struct addr_list l;
        addr_parse_list(a, v, strlen(v), &l, NULL);
        struct arena_str s = {.a = a};
        size_t n = 0;
        for (size_t k = 0; k < l.n && n < ARF_MAX_REPEAT; k++) {
            if (!l.v[k].address || !*l.v[k].address) continue;
            if (n++) arena_str_put(&s, ", ", 2);
            arena_str_put(&s, l.v[k].address, strlen(l.v[k].address));
        }
        out->orig_to = n ? s.p : v; /* no address in it: as written */
    }

    const struct hdr_field *f = hdr_get(h, "Subject", 0);
    if (f) {
        size_t ulen, dlen;
        char *u = hdr_unfold(a, f->value, &ulen);
        char *d = rfc2047_decode(a, u, ulen, &dlen, NULL);
        out->orig_subject = d ? clean_value(a, d, dlen) : NULL;
    }

    out->orig_date_raw = field_value(a, h, "Date");
    out->orig_feedback_id = field_value(a, h, "Feedback-ID");
    out->orig_list_id = field_value(a, h, "List-Id");

    v = field_value(a, h, "Return-Path");
    if (v) {
        struct addr rp;
        if (addr_parse_path(a, v, strlen(v), &rp) && rp.address)
            out->orig_return_path = rp.address;
        else
            out->orig_return_path = strip_angle(v);
    }
}

/* ---- structure ---- */

/* True when part i lies inside an attached message (a message/rfc822 node
 * above it): such parts belong to that message, not to the report. Parents
 * come before their children in the flat array. */
static bool in_attached_message(const struct mime_tree *t, size_t i)
{
    int p = t->parts[i].parent;
    while (p >= 0 && (size_t)p < i) {
        if (t->parts[p].is_message) return true;
        i = (size_t)p;
        p = t->parts[p].parent;
    }
    return false;
}

static bool is_feedback_container(const struct mime_part *p)
{
    if (strcmp(p->content_type, "multipart/report") != 0) return false;
    const char *rt = mimeparam_get(&p->ctype, "report-type");
    return rt && str_eq_ci(rt, strlen(rt), "feedback-report");
}

/* The first text part outside attached messages and other than `skip`:
 * text/plain first, then any text (HTML as rendered). */
static const char *human_text(arena *a, const struct mime_tree *t, size_t skip)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->n; i++) {
            const struct mime_part *p = &t->parts[i];
            if (i == skip || !p->is_text || !p->text || p->is_attachment) continue;
            if (is_original_type(p->content_type)) continue;
            if (pass == 0 && strcmp(p->content_type, "text/plain") != 0) continue;
            if (in_attached_message(t, i)) continue;
            struct slice s = str_trim(p->text, p->text_len);
            if (s.len == 0) continue;
            return arena_strndup(a, s.p, utf8_cut(s.p, s.len, ARF_MAX_FIELD));
        }
    }
    return NULL;
}

/* Near-ARF formats: every non-NULL condition must hold, and the message
 * must carry an attached message/rfc822. First match wins. */
struct near_format {
    const char *from;           /* the From address, case-insensitive */
    const char *subject_prefix; /* the subject starts so (case-insensitive, after spaces) */
    const char *orig_header;    /* the attached message has this header field */
    const char *format;
    const char *evidence;
};

static const struct near_format near_formats[] = {
    {"staff@hotmail.com", NULL, NULL, "jmrp",
     "From staff@hotmail.com with an attached message (Microsoft JMRP)"},
    {NULL, "complaint about message from", "X-HmXmrOriginalRecipient", "jmrp",
     "subject \"complaint about message from\" and X-HmXmrOriginalRecipient in the attached "
     "message (Microsoft JMRP)"},
    {NULL, "complaint about message from", NULL, "other",
     "subject \"complaint about message from\" with an attached message"},
    {"scomp@aol.net", NULL, NULL, "other",
     "From scomp@aol.net with an attached message (AOL's pre-ARF feedback loop)"},
};

/* The IP address written after "complaint about message from". */
static const char *subject_ip(arena *a, const char *subject)
{
    const char *p = str_find_ci(subject, strlen(subject), "complaint about message from");
    if (!p) return NULL;
    p += strlen("complaint about message from");
    while (*p == ' ' || *p == '\t' || *p == '[')
        p++;
    size_t n = 0;
    while (ch_is_xdigit((unsigned char)p[n]) || p[n] == '.' || p[n] == ':')
        n++;
    return n ? arena_strndup(a, p, n) : NULL;
}

static bool near_arf(arena *a, const struct message *m, struct arf_report *out)
{
    const struct mime_tree *t = &m->mime;
    size_t att = 0;
    for (size_t i = 1; i < t->n && !att; i++)
        if (t->parts[i].is_message && !in_attached_message(t, i)) att = i;
    if (!att) return false;

    const char *from = m->has_from ? m->from.address : NULL;
    struct slice subj = m->subject ? str_trim(m->subject, strlen(m->subject)) : (struct slice){0};
    struct hdr_block scratch;
    const struct hdr_block *oh = original_headers(a, t, att, &scratch);
    const struct near_format *hit = NULL;
    for (size_t k = 0; k < sizeof near_formats / sizeof near_formats[0] && !hit; k++) {
        const struct near_format *r = &near_formats[k];
        if (r->from && !(from && str_eq_ci(from, strlen(from), r->from))) continue;
        if (r->subject_prefix && !(subj.p && str_starts_ci(subj.p, subj.len, r->subject_prefix)))
            continue;
        if (r->orig_header && !hdr_get(oh, r->orig_header, 0)) continue;
        hit = r;
    }
    if (!hit) return false;

    out->format = hit->format;
    out->evidence = hit->evidence;
    out->feedback_type = "abuse";
    if (m->subject) out->source_ip = subject_ip(a, m->subject);
    read_original(a, oh, out);
    out->original_rcpt_to = strip_angle(field_value(a, oh, "X-HmXmrOriginalRecipient"));
    out->human_text = human_text(a, t, att);
    return true;
}

/* ---- Amazon SES complaint notifications (JSON sent by SNS as mail) ---- */

#define SES_MAX_SCAN (256u * 1024) /* bytes of the body searched for keys */

/* The string value of the idx-th `"key": "value"` in (p,len), also when the
 * JSON is itself a string inside JSON (SNS's envelope: \"key\":\"value\").
 * A key lookup, not a JSON parser: good for the tokens and addresses read
 * here (escapes inside values are not undone). NULL when absent. */
static char *json_value(arena *a, const char *p, size_t len, const char *key, size_t idx)
{
    size_t klen = strlen(key), seen = 0;
    const char *q = p, *end = p + len;
    while ((q = memmem(q, (size_t)(end - q), key, klen)) != NULL) {
        const char *k = q;
        q += klen;
        if (k == p || k[-1] != '"' || q >= end || (*q != '"' && *q != '\\')) continue;
        const char *v = q;
        while (v < end && (*v == '"' || *v == '\\' || ch_is_wsp((unsigned char)*v)))
            v++;
        if (v >= end || *v != ':') continue;
        v++;
        while (v < end && ch_is_wsp((unsigned char)*v))
            v++;
        if (v < end && *v == '\\') v++;
        if (v >= end || *v != '"') continue;
        v++;
        const char *e = v;
        while (e < end && *e != '"' && *e != '\\' && (size_t)(e - v) < ARF_MAX_FIELD)
            e++;
        if (seen++ < idx) continue;
        return clean_value(a, v, (size_t)(e - v));
    }
    return NULL;
}

/* From ...@sns.amazonaws.com, a text body whose notificationType is
 * Complaint. Bounce and Delivery notifications are not complaints. */
static bool ses_complaint(arena *a, const struct message *m, struct arf_report *out)
{
    const char *from = m->has_from ? m->from.domain_lc : NULL;
    if (!from || strcmp(from, "sns.amazonaws.com") != 0) return false;
    const struct mime_tree *t = &m->mime;
    const struct mime_part *body = NULL;
    for (size_t i = 0; i < t->n && !body; i++)
        if (t->parts[i].text && !in_attached_message(t, i)) body = &t->parts[i];
    if (!body) return false;
    const char *p = body->text;
    size_t len = body->text_len < SES_MAX_SCAN ? body->text_len : SES_MAX_SCAN;
    char *type = json_value(a, p, len, "notificationType", 0);
    if (!type || strcmp(type, "Complaint") != 0) return false;

    out->format = "other";
    out->evidence = "Amazon SES complaint notification (JSON from sns.amazonaws.com)";
    char *ft = json_value(a, p, len, "complaintFeedbackType", 0);
    if (ft) str_lower(ft, strlen(ft));
    out->feedback_type = ft ? ft : "abuse";
    out->user_agent = json_value(a, p, len, "userAgent", 0);
    out->original_mail_from = json_value(a, p, len, "source", 0);
    out->source_ip = json_value(a, p, len, "sourceIp", 0);
    out->arrival_date_raw = json_value(a, p, len, "arrivalDate", 0);
    if (out->arrival_date_raw) {
        int tz;
        int64_t when;
        if (date_parse(out->arrival_date_raw, strlen(out->arrival_date_raw), &when, &tz) !=
            DATE_INVALID)
            out->arrival_date = when;
    }
    struct arena_str rc = {.a = a};
    size_t n = 0;
    char *v;
    while (n < ARF_MAX_REPEAT && (v = json_value(a, p, len, "emailAddress", n)) != NULL) {
        if (n++) arena_str_put(&rc, ", ", 2);
        arena_str_put(&rc, v, strlen(v));
    }
    if (n) out->original_rcpt_to = rc.p;
    /* mail.commonHeaders: what SES keeps of the original's header */
    for (size_t k = 0; k < 8 && !out->orig_message_id; k++) {
        v = json_value(a, p, len, "messageId", k); /* SES's own id has no '@' */
        if (!v) break;
        if (strchr(v, '@')) out->orig_message_id = strip_angle(v);
    }
    out->orig_subject = json_value(a, p, len, "subject", 0);
    out->orig_date_raw = json_value(a, p, len, "date", 0);
    out->has_original = out->orig_subject || out->orig_date_raw || out->orig_message_id;
    return true;
}

bool arf_parse(arena *a, const struct message *m, struct arf_report *out, struct anomalies *an)
{
    memset(out, 0, sizeof *out);
    out->incidents = 1;
    const struct mime_tree *t = &m->mime;
    if (!m->mime_parsed || t->n == 0) return false;

    long fb = -1, rep = -1;
    for (size_t i = 0; i < t->n && (fb < 0 || rep < 0); i++) {
        const struct mime_part *p = &t->parts[i];
        if (fb < 0 && strcmp(p->content_type, "message/feedback-report") == 0 &&
            !in_attached_message(t, i))
            fb = (long)i;
        if (rep < 0 && is_feedback_container(p) && !in_attached_message(t, i)) rep = (long)i;
    }
    if (fb < 0 && rep < 0) return near_arf(a, m, out) || ses_complaint(a, m, out);

    out->format = "arf";
    if (rep >= 0 && (fb < 0 || t->parts[fb].parent == (int)rep)) {
        out->evidence = "multipart/report; report-type=feedback-report";
    } else if (rep >= 0) {
        out->evidence = "multipart/report; report-type=feedback-report, with a "
                        "message/feedback-report part elsewhere";
    } else {
        int parent = t->parts[fb].parent;
        const struct mime_part *c = parent >= 0 ? &t->parts[parent] : NULL;
        const char *rt = c ? mimeparam_get(&c->ctype, "report-type") : NULL;
        char *ev = arena_printf(a, "message/feedback-report part in %.40s (report-type %.40s)",
                                c ? c->content_type : "no container", rt && *rt ? rt : "missing");
        out->evidence = clean_value(a, ev, strlen(ev)); /* the parameter may hold any bytes */
    }
    if (fb < 0) {
        if (an) anom_add(an, ANOM_ARF_STRUCTURE, "no message/feedback-report part");
    } else if (rep < 0 || t->parts[fb].parent != (int)rep) {
        if (an) anom_add(an, ANOM_ARF_STRUCTURE, "%s", out->evidence);
    }

    if (fb >= 0) {
        read_report_fields(a, &t->parts[fb], out, an);
        check_required(out, an);
    } else if (an) {
        anom_add(an, ANOM_ARF_MISSING_FIELD, "Feedback-Type, User-Agent, Version");
    }

    /* the reported message: the first candidate after the report part, a
     * sibling of it when there is one */
    size_t start = (size_t)(fb >= 0 ? fb : rep) + 1;
    int sib = fb >= 0 ? t->parts[fb].parent : (int)rep;
    size_t orig = 0;
    for (int pass = 0; pass < 2 && !orig; pass++)
        for (size_t i = start; i < t->n && !orig; i++) {
            const struct mime_part *p = &t->parts[i];
            if (!is_original_type(p->content_type) || in_attached_message(t, i)) continue;
            if (pass == 0 && p->parent != sib) continue;
            orig = i;
        }
    if (orig) {
        struct hdr_block scratch;
        read_original(a, original_headers(a, t, orig, &scratch), out);
    } else if (an) {
        anom_add(an, ANOM_ARF_STRUCTURE, "no part with the reported message or its headers");
    }
    out->human_text = human_text(a, t, orig ? orig : (size_t)-1);
    return true;
}
