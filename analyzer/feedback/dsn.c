/* dsn — bounce messages and auto-replies (see dsn.h for the contract).
 *
 * Order of recognition:
 *   1. an ARF complaint (report-type=feedback-report, message/feedback-report
 *      part) is not ours: DSN_NONE;
 *   2. a message/delivery-status (or message/global-delivery-status) part with
 *      at least one recipient block: RFC 3464, read leniently (missing blank
 *      lines between blocks, unindented continuation lines, comments after
 *      the Status, X- fields); a missing Diagnostic-Code is taken from the
 *      human-readable text near the recipient's address;
 *   2b. an fml mailing-list notice refusing a post (X-MLServer: fml and
 *      one of its fixed notice phrases): the list is the recipient;
 *   3. an auto-reply (RFC 3834 Auto-Submitted: auto-replied, X-Autoreply,
 *      X-Autorespond, Precedence: auto_reply, vacation subjects) that does not
 *      look like a bounce: DSN_AUTOREPLY;
 *   4. a message that looks like a bounce (MAILER-DAEMON/postmaster sender,
 *      a bounce subject, or one of the known MTA texts of FORMATS below):
 *      the human-readable text, cut where the returned message begins, is
 *      searched for the failed recipients (X-Failed-Recipients first, then
 *      addresses that begin a line -- "a@x <b@y>" is the name-addr whose
 *      mailbox is b@y --, then addresses after phrases such as
 *      "delivering your mail to"; when none: the recipient blocks of a
 *      returned message that is itself a DSN, then the original's To) and
 *      the reply text that follows each;
 *   5. a weaker auto-reply signal (Auto-Submitted: auto-replied alone).
 *
 * Does NOT classify (logs/classify.h does) nor store anything. Everything is
 * allocated in the caller's arena. Ceilings: DSN_MAX_RCPT recipients,
 * DSN_MAX_FIELD bytes per value, TEXT_WINDOW_LINES lines of text per
 * recipient window. */
#include "feedback/dsn.h"

#include <string.h>

#include "mail/date.h"
#include "mail/header.h"
#include "mail/rfc2047.h"
#include "util/charset.h"
#include "util/phrases.h"
#include "util/str.h"

#define TEXT_WINDOW_LINES 16
#define TEXT_WINDOW_BYTES 1600
#define HUMAN_MAX_BYTES (256u * 1024u)

struct ctx {
    arena *a;
    const struct message *m;
    struct dsn_report *out;
    struct anomalies *an;
    size_t cap;
    struct slice human; /* human-readable text, cut before the returned message */
    struct slice rest;  /* what follows the cut (inlined original), may be empty */
    /* addresses that are not failed recipients: the bounce's own From, To,
     * Return-Path and the original's sender */
    const char *skip[8];
    size_t n_skip;
};

/* ---------------------------------------------------------------- text helpers */

static bool contains_ci(struct slice s, const char *needle)
{
    return s.p && str_find_ci(s.p, s.len, needle) != NULL;
}

static struct slice slice_of(const char *p, size_t len)
{
    struct slice s = {p, len};
    return s;
}

/* Whitespace collapsed to single spaces, trimmed, capped at DSN_MAX_FIELD. */
static char *collapse(arena *a, const char *p, size_t len)
{
    char *o = arena_alloc(a, (len < DSN_MAX_FIELD ? len : DSN_MAX_FIELD) + 1);
    size_t n = 0;
    bool sp = false;
    for (size_t i = 0; i < len && n < DSN_MAX_FIELD; i++) {
        unsigned char c = (unsigned char)p[i];
        if (ch_is_space(c) || c == 0) {
            sp = n > 0;
            continue;
        }
        if (sp && n + 1 < DSN_MAX_FIELD) o[n++] = ' ';
        sp = false;
        o[n++] = (char)c;
    }
    o[n] = '\0';
    return o;
}

/* Next line of (p,len) from *i: sets *ls and *ll to the line without its end. */
static bool next_line(const char *p, size_t len, size_t *i, size_t *ls, size_t *ll)
{
    if (*i >= len) return false;
    size_t s = *i, e = s;
    while (e < len && p[e] != '\n')
        e++;
    *i = e < len ? e + 1 : len;
    size_t l = e - s;
    if (l && p[s + l - 1] == '\r') l--;
    *ls = s;
    *ll = l;
    return true;
}

static bool is_blank(const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!ch_is_space((unsigned char)p[i])) return false;
    return true;
}

static bool is_local_ch(unsigned char c)
{
    return ch_is_alnum(c) || c >= 0x80 || (c && strchr("!#$%&*+/=?^_{|}~.-", c));
}

static bool is_domain_ch(unsigned char c)
{
    return ch_is_alnum(c) || c == '.' || c == '-' || c == '_' || c >= 0x80;
}

/* The next thing that looks like local@domain in (p,len) at or after *i. */
static bool next_addr(const char *p, size_t len, size_t *i, size_t *as, size_t *ae)
{
    for (size_t k = *i; k < len; k++) {
        if (p[k] != '@') continue;
        size_t s = k, e = k + 1;
        if (s > *i && p[s - 1] == '"') {
            /* a quoted local part: "neko..nyaan"@example.org */
            size_t q = s - 1;
            while (q > *i && p[q - 1] != '"' && p[q - 1] != '\n' && k - q < 256)
                q--;
            if (q > *i && p[q - 1] == '"' && q - 1 < s - 1) s = q - 1;
        } else {
            while (s > *i && is_local_ch((unsigned char)p[s - 1]))
                s--;
            while (s < k && strchr(".=/-", p[s]))
                s++;
        }
        while (e < len && is_domain_ch((unsigned char)p[e]))
            e++;
        while (e > k + 1 && (p[e - 1] == '.' || p[e - 1] == '-'))
            e--;
        if (s == k || e == k + 1) continue;
        bool letter = false;
        for (size_t j = k + 1; j < e; j++)
            if (ch_is_alpha((unsigned char)p[j])) letter = true;
        if (!letter && !(k + 1 < e && p[k + 1] == '[')) continue;
        *as = s;
        *ae = e;
        *i = e;
        return true;
    }
    *i = len;
    return false;
}

/* Address normalised: type prefix ("rfc822;"), brackets, quotes and
 * whitespace removed, domain lowercased. NULL when nothing is left. */
static char *norm_addr(arena *a, const char *p, size_t len)
{
    struct slice s = str_trim(p, len);
    const char *semi = memchr(s.p, ';', s.len);
    if (semi) s = str_trim(semi + 1, s.len - (size_t)(semi + 1 - s.p));
    /* "<addr>" possibly followed by a comment; or "Name <addr>" */
    const char *lt = memchr(s.p, '<', s.len);
    if (lt) {
        const char *gt = memchr(lt, '>', s.len - (size_t)(lt - s.p));
        if (gt && gt > lt + 1) s = str_trim(lt + 1, (size_t)(gt - lt - 1));
    }
    bool quoted = s.len > 2 && s.p[0] == '"' && memchr(s.p + 1, '"', s.len - 1) &&
                  ((const char *)memchr(s.p + 1, '"', s.len - 1))[1] == '@';
    if (!quoted) {
        while (s.len && strchr("<>\"'()[],:;.", s.p[0]))
            s = slice_of(s.p + 1, s.len - 1);
        while (s.len && strchr("<>\"'()[],:;.", s.p[s.len - 1]))
            s.len--;
        /* a trailing comment or text after whitespace: keep the first word */
        for (size_t i = 0; i < s.len; i++)
            if (ch_is_space((unsigned char)s.p[i])) {
                s.len = i;
                break;
            }
    } else {
        while (s.len && strchr(">()[],:;.", s.p[s.len - 1]))
            s.len--;
    }
    if (!s.len) return NULL;
    if (s.len > DSN_MAX_FIELD) s.len = DSN_MAX_FIELD;
    char *r = arena_strndup(a, s.p, s.len);
    char *at = strrchr(r, '@');
    if (at) str_lower(at, strlen(at));
    return r;
}

static bool addr_eq(const char *x, const char *y)
{
    return x && y && strlen(x) == strlen(y) && str_eq_ci(x, strlen(x), y);
}

/* A three-digit SMTP reply code at a word start, as in "550 5.1.1 ..",
 * "said: 550-5.7.1", "(550 User unknown)"; 0 when none. */
static int reply_code_from(const char *p, size_t len, bool failures_only)
{
    for (size_t i = 0; i + 3 <= len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c != '4' && c != '5' && (failures_only || c != '2')) continue;
        if (i > 0) {
            unsigned char b = (unsigned char)p[i - 1];
            if (!(ch_is_space(b) || b == ':' || b == '(' || b == '"' || b == '\'' || b == '[' ||
                  b == '<' || b == '#' || b == '='))
                continue;
        }
        if (!ch_is_digit((unsigned char)p[i + 1]) || !ch_is_digit((unsigned char)p[i + 2]))
            continue;
        if (p[i + 1] > '5') continue;
        if (i + 3 < len) {
            unsigned char n = (unsigned char)p[i + 3];
            if (!(n == ' ' || n == '-' || n == '\t' || n == ')' || n == ']' || n == '\r' ||
                  n == '\n' || n == '\'' || n == '"' || n == ','))
                continue;
            if (n == '-' && !(i + 4 < len && (ch_is_digit((unsigned char)p[i + 4]) ||
                                              ch_is_alpha((unsigned char)p[i + 4]))))
                continue;
        }
        return (c - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
    }
    return 0;
}

/* The first 4xx/5xx code, else the first 2xx (transcripts show both). */
static int find_reply_code(const char *p, size_t len)
{
    int code = reply_code_from(p, len, true);
    return code ? code : reply_code_from(p, len, false);
}

/* An enhanced status code "5.1.1" at a word start; its length or 0. */
static size_t status_at(const char *p, size_t len, size_t i)
{
    if (i >= len) return 0;
    unsigned char c = (unsigned char)p[i];
    if (c != '2' && c != '4' && c != '5') return 0;
    if (i > 0 && (ch_is_alnum((unsigned char)p[i - 1]) || p[i - 1] == '.')) return 0;
    size_t k = i + 1;
    for (int part = 0; part < 2; part++) {
        if (k >= len || p[k] != '.') return 0;
        k++;
        size_t d = 0;
        while (k < len && ch_is_digit((unsigned char)p[k]) && d < 3)
            k++, d++;
        if (d == 0) return 0;
    }
    if (k < len && (ch_is_digit((unsigned char)p[k]) || p[k] == '.')) return 0;
    return k - i;
}

static char *find_status(arena *a, const char *p, size_t len)
{
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < len; i++) {
            if (pass == 0 && p[i] == '2') continue;
            size_t n = status_at(p, len, i);
            if (n) return arena_strndup(a, p + i, n);
        }
    return NULL;
}

/* ---------------------------------------------------------------- recipients */

static struct dsn_rcpt *rcpt_find(struct dsn_report *r, const char *addr)
{
    for (size_t i = 0; i < r->n_rcpt; i++)
        if (addr_eq(r->rcpt[i].recipient, addr)) return &r->rcpt[i];
    return NULL;
}

static struct dsn_rcpt *rcpt_add(struct ctx *c, const char *addr)
{
    struct dsn_report *r = c->out;
    struct dsn_rcpt *have = rcpt_find(r, addr);
    if (have) return have;
    if (r->n_rcpt >= DSN_MAX_RCPT) {
        r->dropped_rcpt++;
        return NULL;
    }
    if (r->n_rcpt == c->cap)
        r->rcpt = arena_grow(c->a, r->rcpt, &c->cap, r->n_rcpt + 1, sizeof *r->rcpt);
    struct dsn_rcpt *x = &r->rcpt[r->n_rcpt++];
    memset(x, 0, sizeof *x);
    x->recipient = addr;
    return x;
}

static bool is_skipped(const struct ctx *c, const char *addr)
{
    for (size_t i = 0; i < c->n_skip; i++)
        if (addr_eq(c->skip[i], addr)) return true;
    const char *at = strchr(addr, '@');
    size_t ll = at ? (size_t)(at - addr) : strlen(addr);
    static const char *const daemons[] = {"mailer-daemon", "postmaster",   "mail-daemon",
                                          "maildaemon",    "mailerdaemon", "no-reply-bounce"};
    for (size_t i = 0; i < sizeof daemons / sizeof *daemons; i++)
        if (str_eq_ci(addr, ll, daemons[i])) return true;
    return false;
}

static void skip_add(struct ctx *c, const char *addr)
{
    if (addr && *addr && c->n_skip < sizeof c->skip / sizeof *c->skip) c->skip[c->n_skip++] = addr;
}

static void text_window(struct ctx *c, const char *addr, struct arena_str *b);
static void code_paragraph(struct ctx *c, struct arena_str *b);
static bool has_code(const char *p, size_t len);

/* Phrases that tell which SMTP command was answered, most specific first. */
static const struct {
    const char *phrase;
    const char *command;
} COMMANDS[] = {
    {"end of DATA", "DATA"},
    {"after end of data", "DATA"},
    {"DATA command", "DATA"},
    {">>> DATA", "DATA"},
    {"after DATA", "DATA"},
    {"(DATA)", "DATA"},
    {"[DATA]", "DATA"},
    {"final DATA", "DATA"},
    {"didn't like the message", "DATA"},
    {"RCPT TO", "RCPT"},
    {"RCPT command", "RCPT"},
    {"[RCPT_TO]", "RCPT"},
    {"does not like recipient", "RCPT"},
    {"RCPT", "RCPT"},
    {"MAIL FROM", "MAIL"},
    {"sender was rejected", "MAIL"},
    {"[MAIL_FROM]", "MAIL"},
    {"MAIL command", "MAIL"},
    {"HELO", "HELO"},
    {"EHLO", "HELO"},
    {"greeting", "CONN"},
    {"initial connection", "CONN"},
    {"[CONNECT]", "CONN"},
};

static const char *command_of(const char *p, size_t len)
{
    if (!p) return NULL;
    struct slice s = slice_of(p, len);
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (contains_ci(s, COMMANDS[i].phrase)) return COMMANDS[i].command;
    return NULL;
}

/* Sendmail's summary of a failed delivery to a host, "550 example.org
 * (smtp)... 550 Host unknown" (reply code, host, "(mailer)...").
 */
static bool host_summary_line(const char *p, size_t len)
{
    struct slice t = str_trim(p, len);
    if (t.len < 8 || !ch_is_digit((unsigned char)t.p[0]) || !ch_is_digit((unsigned char)t.p[1]) ||
        !ch_is_digit((unsigned char)t.p[2]) || t.p[3] != ' ')
        return false;
    size_t k = 4, h = k;
    while (k < t.len && is_domain_ch((unsigned char)t.p[k]))
        k++;
    if (k == h || k + 2 >= t.len || t.p[k] != ' ' || t.p[k + 1] != '(') return false;
    k += 2;
    while (k < t.len && (ch_is_alnum((unsigned char)t.p[k]) || t.p[k] == '-'))
        k++;
    return k + 4 <= t.len && memcmp(t.p + k, ")...", 4) == 0;
}

/* A sendmail-style transcript ("... while talking to", ">>> RCPT To:<a>",
 * "<<< 550 ..."): the last command sent before the reply that names addr
 * (or before the first 4xx/5xx reply when none names it). */
static const char *transcript_command(struct ctx *c, const char *addr)
{
    const char *p = c->human.p;
    size_t len = c->human.len, i = 0, ls, ll;
    const char *last = NULL, *first_err = NULL;
    bool closed = false;
    while (next_line(p, len, &i, &ls, &ll)) {
        struct slice t = str_trim(p + ls, ll);
        if (t.len > 4 && memcmp(t.p, ">>> ", 4) == 0) {
            last = command_of(t.p, t.len);
            if (!last && str_starts_ci(t.p + 4, t.len - 4, "DATA")) last = "DATA";
            if (!last && str_starts_ci(t.p + 4, t.len - 4, ".")) last = "DATA";
            continue;
        }
        if (t.len > 4 && memcmp(t.p, "<<< ", 4) == 0 && last) {
            if (str_find_ci(t.p, t.len, addr)) return last;
            if (!first_err && (t.p[4] == '4' || t.p[4] == '5')) first_err = last;
            continue;
        }
        /* Sendmail's summary for a host ("550 example.org (smtp)... 550 Host
         * unknown") closes the session: what follows did not answer its
         * command */
        if (host_summary_line(t.p, t.len)) {
            last = NULL;
            closed = true;
            continue;
        }
        if (closed && !last && t.len > 4 && (t.p[0] == '4' || t.p[0] == '5') &&
            str_find_ci(t.p, t.len, addr))
            return NULL;
        /* Sendmail's own summary after the reply: "550 <addr>... User unknown" */
        if (last && t.len > 4 && (t.p[0] == '4' || t.p[0] == '5') && t.p[1] >= '0' &&
            t.p[1] <= '9' && t.p[2] >= '0' && t.p[2] <= '9' && t.p[3] == ' ' &&
            str_find_ci(t.p, t.len, addr))
            return last;
    }
    return first_err;
}

/* Phrases after which a reporting MTA quotes the remote server's own reply:
 * what precedes is the reporter's boilerplate (Gmail's "Google tried to
 * deliver your message, but it was rejected by the recipient domain"), which
 * would otherwise be read as the reason. */
static const char *const REMOTE_SAID[] = {
    "The error that the other server returned was:",
    "The response from the remote server was:",
};

/* The remote server's words when the diagnostic quotes them after a
 * reporter's preamble, else the diagnostic itself. */
static const char *remote_words(const char *d)
{
    size_t n = strlen(d);
    for (size_t i = 0; i < sizeof REMOTE_SAID / sizeof *REMOTE_SAID; i++) {
        const char *at = str_find_ci(d, n, REMOTE_SAID[i]);
        if (!at) continue;
        const char *rest = at + strlen(REMOTE_SAID[i]);
        while (*rest == ' ' || *rest == '\t')
            rest++;
        if (*rest) return rest;
    }
    return d;
}

/* Fill what is derived from the diagnostic: reply code, status, action. */
static void rcpt_finish(struct ctx *c, struct dsn_rcpt *x, bool delayed, bool from_text)
{
    /* a "diagnostic" without a letter or digit (the "*" of a bulleted
     * recipient list, a row of dashes) says nothing */
    if (x->diagnostic) {
        const char *d = x->diagnostic;
        while (*d && !ch_is_alnum((unsigned char)*d))
            d++;
        if (!*d) x->diagnostic = NULL;
    }
    if (x->diagnostic && !x->reply_code)
        x->reply_code = find_reply_code(x->diagnostic, strlen(x->diagnostic));
    if (!x->status && x->diagnostic)
        x->status = find_status(c->a, x->diagnostic, strlen(x->diagnostic));
    if (!x->smtp_command && c->human.len) x->smtp_command = transcript_command(c, x->recipient);
    if (!x->smtp_command && x->diagnostic)
        x->smtp_command = command_of(x->diagnostic, strlen(x->diagnostic));
    if (!x->smtp_command && c->human.len) {
        struct arena_str b = {.a = c->a};
        text_window(c, x->recipient, &b);
        if (b.len) x->smtp_command = command_of(b.p, b.len);
    }
    if (x->diagnostic) x->diagnostic = remote_words(x->diagnostic);
    if (!x->action) {
        if (delayed)
            x->action = "delayed";
        else if (x->status && x->status[0] == '2' && !from_text)
            x->action = "delivered";
        else if (x->status && x->status[0] == '4' && delayed)
            x->action = "delayed";
        else
            x->action = "failed";
    }
}

/* ---------------------------------------------------------------- the message parts */

static bool type_is(const struct mime_part *p, const char *t)
{
    return p->content_type && strcmp(p->content_type, t) == 0;
}

static bool inside_message(const struct message *m, size_t i)
{
    for (int k = m->mime.parts[i].parent; k >= 0; k = m->mime.parts[k].parent)
        if (m->mime.parts[k].is_message) return true;
    return false;
}

static bool is_returned_part(const struct mime_part *p)
{
    return p->is_message || type_is(p, "text/rfc822-headers") ||
           type_is(p, "message/rfc822-headers") || type_is(p, "message/delivery-status") ||
           type_is(p, "message/global-delivery-status") || type_is(p, "message/global-headers");
}

/* Lines where the returned copy of the original begins. */
static bool is_cut_line(const char *p, size_t len)
{
    struct slice t = str_trim(p, len);
    if (t.len < 6) return false;
    static const char *const exact[] = {
        "Below this line is a copy of the message",
        "This is a copy of the message",
        "Original message follows",
        "original message follows",
        "Unsent message below",
        "Unsent message follows",
        "Returned mail follows",
        "Message headers follow",
        "Original message headers:",
        "----- Original message -----",
        "The header of the original message",
        "Content-Type: message/rfc822",
        "The original message was",
        "Original Message Header",
        "Headers of the original message",
        "--- Message non remis ---",
        "Included is a copy of the message header",
    };
    /* One pass over the line says whether any phrase is there at all
     * (util/phrases): almost no line of an ordinary message, which dsn_parse
     * reads too to decide it is no bounce, holds one, and each was searched
     * 17 times (56,000 instructions a message), then 17 times a line holding
     * "mail" or "message" (7,700). */
    static struct phrases exact_ps = PHRASES_INIT(exact, sizeof exact / sizeof *exact);
    bool may_match = phrases_any(&exact_ps, t.p, t.len);
    for (size_t i = 0; may_match && i < sizeof exact / sizeof *exact; i++)
        if (contains_ci(t, exact[i])) {
            /* "The original message was received at ..." (sendmail) is not a cut */
            if (i == 12 && contains_ci(t, "received at")) continue;
            return true;
        }
    if (str_eq_ci(t.p, t.len, "Original Message:") ||
        str_eq_ci(t.p, t.len, "Original message headers"))
        return true;
    if (t.p[0] == '-' && t.p[1] == '-' && t.p[2] == '-' &&
        (contains_ci(t, "original") || contains_ci(t, "returned") || contains_ci(t, "copy of")))
        return true;
    if (str_starts_ci(t.p, t.len, "Return-Path:") || str_starts_ci(t.p, t.len, "Received: from "))
        return true;
    return false;
}

/* The human-readable text: the text parts before any returned message (or
 * the rendered HTML when there is no plain text), joined by newlines, not
 * yet cut (human_cut). */
static void human_text(struct ctx *c)
{
    const struct message *m = c->m;
    struct arena_str b = {.a = c->a};
    for (int want_html = 0; want_html < 2 && !b.len; want_html++) {
        for (size_t i = 0; i < m->mime.n; i++) {
            const struct mime_part *p = &m->mime.parts[i];
            if (inside_message(m, i)) continue;
            if (is_returned_part(p)) {
                if (i > 0) break;
                continue;
            }
            if (p->is_multipart || !p->text || !p->text_len) continue;
            if (p->is_attachment && i > 0) continue;
            if (!type_is(p, want_html ? "text/html" : "text/plain") &&
                !(i == 0 && !want_html && p->is_text))
                continue;
            if (b.len + p->text_len > HUMAN_MAX_BYTES) break;
            if (b.len) arena_str_put(&b, "\n", 1);
            arena_str_put(&b, p->text, p->text_len);
        }
    }
    if (!b.len && m->mime.n == 0 && m->raw_len > m->hdr.body_offset) {
        /* no MIME tree (message_parse_ex without it): the raw body */
        size_t n = m->raw_len - m->hdr.body_offset;
        if (n > HUMAN_MAX_BYTES) n = HUMAN_MAX_BYTES;
        arena_str_put(&b, m->raw + m->hdr.body_offset, n);
    }
    if (b.len) c->human = slice_of(b.p, b.len);
}

/* The human text cut at the first line that starts the returned copy;
 * what follows is c->rest. */
static void human_cut(struct ctx *c)
{
    const char *p = c->human.p;
    size_t len = c->human.len;
    if (!len) return;
    size_t i = 0, ls, ll, cut = len;
    bool seen_text = false;
    while (next_line(p, len, &i, &ls, &ll)) {
        if (seen_text && is_cut_line(p + ls, ll)) {
            cut = ls;
            break;
        }
        if (!is_blank(p + ls, ll)) seen_text = true;
    }
    c->human = slice_of(p, cut);
    c->rest = slice_of(p + cut, len - cut);
}

static const char *hdr_value(struct ctx *c, const struct hdr_block *h, const char *name)
{
    const struct hdr_field *f = hdr_get(h, name, 0);
    if (!f) return NULL;
    size_t n;
    char *v = hdr_unfold(c->a, f->value, &n);
    if (n > DSN_MAX_FIELD) v[DSN_MAX_FIELD] = '\0';
    return v;
}

static const char *first_address(struct ctx *c, const char *v)
{
    if (!v) return NULL;
    struct addr_list l;
    if (addr_parse_list(c->a, v, strlen(v), &l, NULL) && l.n && l.v[0].address[0]) {
        char *r = arena_strdup(c->a, l.v[0].address);
        char *at = strrchr(r, '@');
        if (at) str_lower(at, strlen(at));
        return r;
    }
    size_t i = 0, s, e;
    if (next_addr(v, strlen(v), &i, &s, &e)) return norm_addr(c->a, v + s, e - s);
    return NULL;
}

static void original_from_block(struct ctx *c, const struct hdr_block *h)
{
    struct dsn_report *r = c->out;
    if (!h->n || hdr_get(h, "From", 0) == NULL) {
        if (!hdr_get(h, "Message-ID", 0) && !hdr_get(h, "To", 0)) return;
    }
    const char *mid = hdr_value(c, h, "Message-ID");
    if (mid && !r->orig_message_id) {
        struct slice s = str_trim(mid, strlen(mid));
        if (s.len && s.p[0] == '<') s = slice_of(s.p + 1, s.len - 1);
        const char *gt = memchr(s.p, '>', s.len);
        if (gt) s.len = (size_t)(gt - s.p);
        if (s.len) r->orig_message_id = arena_strndup(c->a, s.p, s.len);
    }
    if (!r->orig_from) r->orig_from = first_address(c, hdr_value(c, h, "From"));
    if (!r->orig_to) r->orig_to = hdr_value(c, h, "To");
    if (!r->orig_subject) {
        const char *s = hdr_value(c, h, "Subject");
        if (s) {
            size_t n;
            r->orig_subject = rfc2047_decode(c->a, s, strlen(s), &n, NULL);
        }
    }
}

/* The returned original: message/rfc822 (headers in child "P.1"),
 * text/rfc822-headers, or a header block inlined after the cut line. */
static void find_original(struct ctx *c)
{
    const struct message *m = c->m;
    for (size_t i = 1; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (inside_message(m, i)) continue;
        if (p->is_message && !type_is(p, "message/delivery-status") &&
            !type_is(p, "message/global-delivery-status")) {
            for (size_t j = i + 1; j < m->mime.n; j++)
                if (m->mime.parts[j].parent == (int)i) {
                    original_from_block(c, &m->mime.parts[j].hdr);
                    break;
                }
            if (c->out->orig_from || c->out->orig_message_id) return;
            if (p->decoded && p->decoded_len) {
                struct hdr_block h;
                hdr_parse(c->a, (const char *)p->decoded, p->decoded_len, &h, NULL);
                original_from_block(c, &h);
            }
        } else if ((type_is(p, "text/rfc822-headers") || type_is(p, "message/rfc822-headers") ||
                    type_is(p, "message/global-headers")) &&
                   p->decoded) {
            struct hdr_block h;
            hdr_parse(c->a, (const char *)p->decoded, p->decoded_len, &h, NULL);
            original_from_block(c, &h);
        }
        if (c->out->orig_from || c->out->orig_message_id) return;
    }
    if (!c->rest.len) return;
    /* inlined: skip the cut line itself and blank lines */
    size_t i = 0, ls, ll;
    const char *p = c->rest.p;
    size_t len = c->rest.len;
    while (next_line(p, len, &i, &ls, &ll)) {
        struct slice t = str_trim(p + ls, ll);
        if (!t.len) continue;
        size_t k = 0;
        while (k < t.len && (ch_is_alnum((unsigned char)t.p[k]) || t.p[k] == '-'))
            k++;
        if (k > 0 && k < t.len && t.p[k] == ':' && !(t.p[0] == '-')) {
            struct hdr_block h;
            hdr_parse(c->a, p + ls, len - ls, &h, NULL);
            original_from_block(c, &h);
            return;
        }
    }
}

/* ---------------------------------------------------------------- RFC 3464 */

struct ds_rec {
    const char *final, *original, *action, *status, *dtype, *diag, *remote, *last, *retry;
    const char *category; /* X-PowerMTA-BounceCategory */
};

struct ds_state {
    struct ds_rec *v;
    size_t n, cap;
    struct ds_rec *cur; /* the block being read, NULL in the per-message block */
    bool dropping;      /* the block being read is past DSN_MAX_RCPT */
};

static struct ds_rec *ds_new(struct ctx *c, struct ds_state *st)
{
    (void)c;
    if (st->n >= DSN_MAX_RCPT + 1) return NULL;
    st->v = arena_grow(c->a, st->v, &st->cap, st->n + 1, sizeof *st->v);
    struct ds_rec *r = &st->v[st->n++];
    memset(r, 0, sizeof *r);
    return r;
}

static bool name_is(struct slice n, const char *lit)
{
    return str_eq_ci(n.p, n.len, lit);
}

static void ds_field(struct ctx *c, struct ds_state *st, struct slice name, const char *val)
{
    struct dsn_report *r = c->out;
    bool is_final = name_is(name, "Final-Recipient");
    bool is_orig = name_is(name, "Original-Recipient");
    if (is_final || is_orig) {
        /* a second recipient field in the same block: a missing blank line */
        if (!st->cur || (is_final && st->cur->final) || (is_orig && st->cur->original) ||
            (is_orig && st->cur->final && st->cur->action))
            st->cur = ds_new(c, st);
        if (!st->cur) {
            /* one block past the ceiling: counted once */
            if (!st->dropping) c->out->dropped_rcpt++;
            st->dropping = true;
            return;
        }
        if (is_final)
            st->cur->final = val;
        else
            st->cur->original = val;
        return;
    }
    if (name_is(name, "Reporting-MTA")) {
        if (!r->reporting_mta) r->reporting_mta = norm_addr(c->a, val, strlen(val));
        return;
    }
    if (name_is(name, "Arrival-Date")) {
        if (!r->arrival_date_raw) r->arrival_date_raw = val;
        return;
    }
    if (name_is(name, "Original-Envelope-Id")) {
        if (!r->original_envelope_id) r->original_envelope_id = val;
        return;
    }
    static const char *const per_rcpt[] = {"Action",
                                           "Status",
                                           "Diagnostic-Code",
                                           "Remote-MTA",
                                           "Last-Attempt-Date",
                                           "Will-Retry-Until",
                                           "X-PowerMTA-BounceCategory"};
    size_t which = 0;
    while (which < 7 && !name_is(name, per_rcpt[which]))
        which++;
    if (which == 7) return;
    /* a per-recipient field before any recipient field: collect it in a
     * record that a following Final-Recipient will complete */
    if (!st->cur) {
        st->cur = ds_new(c, st);
        if (!st->cur) return;
    }
    struct ds_rec *d = st->cur;
    const char **dst = which == 0   ? &d->action
                       : which == 1 ? &d->status
                       : which == 2 ? &d->diag
                       : which == 3 ? &d->remote
                       : which == 4 ? &d->last
                       : which == 5 ? &d->retry
                                    : &d->category;
    if (!*dst) *dst = val;
}

static bool field_name_len(const char *p, size_t len, size_t *nl)
{
    size_t k = 0;
    while (k < len && (ch_is_alnum((unsigned char)p[k]) || p[k] == '-' || p[k] == '_'))
        k++;
    if (k == 0 || k > 64) return false;
    size_t n = k;
    while (k < len && ch_is_wsp((unsigned char)p[k]))
        k++;
    if (k >= len || p[k] != ':') return false;
    *nl = n;
    return true;
}

/* Read one delivery-status body into st. */
static void ds_parse(struct ctx *c, struct ds_state *st, const char *p, size_t len)
{
    size_t i = 0, ls, ll;
    struct slice name = {NULL, 0};
    struct arena_str val = {.a = c->a};
    st->cur = NULL;
    for (;;) {
        bool more = next_line(p, len, &i, &ls, &ll);
        const char *l = more ? p + ls : NULL;
        size_t nl = 0;
        bool blank = more && is_blank(l, ll);
        bool header = more && !blank && field_name_len(l, ll, &nl);
        bool cont = more && !blank && !header;
        if (cont && name.p) {
            struct slice t = str_trim(l, ll);
            if (val.len + t.len + 1 < DSN_MAX_FIELD) {
                arena_str_put(&val, " ", 1);
                arena_str_put(&val, t.p, t.len);
            }
            continue;
        }
        if (name.p) {
            char *v = val.p ? collapse(c->a, val.p, val.len) : arena_strdup(c->a, "");
            ds_field(c, st, name, v);
            name.p = NULL;
        }
        if (!more) break;
        if (blank) {
            st->cur = NULL;
            st->dropping = false;
            continue;
        }
        if (header) {
            name = slice_of(l, nl);
            const char *colon = memchr(l, ':', ll);
            struct slice t = str_trim(colon + 1, ll - (size_t)(colon + 1 - l));
            val = (struct arena_str){.a = c->a};
            arena_str_put(&val, t.p, t.len);
            if (!val.p) arena_str_put(&val, "", 0);
        }
    }
}

static bool utf8_valid(const char *p, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char ch = (unsigned char)p[i];
        size_t k = ch < 0x80             ? 0
                   : (ch & 0xe0) == 0xc0 ? 1
                   : (ch & 0xf0) == 0xe0 ? 2
                   : (ch & 0xf8) == 0xf0 ? 3
                                         : 4;
        if (k == 4 || (k && (ch < 0xc2 || i + k >= n))) return false;
        for (size_t j = 1; j <= k; j++)
            if (((unsigned char)p[i + j] & 0xc0) != 0x80) return false;
        i += k + 1;
    }
    return true;
}

/* The bytes of a delivery-status part as UTF-8. RFC 3464 fields are
 * US-ASCII, but Japanese MTAs (Domino, Notes, Postfix's localised
 * notices) write the diagnostic in the charset of their text part:
 * ISO-2022-JP, recognised by its escape sequences (ESC $ B, ESC $ @,
 * ESC ( J, ESC $ ( D: RFC 1468), or 8-bit bytes that are not UTF-8, read
 * with the part's own charset parameter, else the charset of the report's
 * first text part (mail/mime.h converts text parts, not this one). */
static const char *ds_utf8(struct ctx *c, const struct mime_part *p, size_t *len)
{
    const char *d = (const char *)p->decoded;
    size_t n = p->decoded_len;
    *len = n;
    bool esc = false, high = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)d[i];
        if (ch == 0x1b && i + 1 < n && (d[i + 1] == '$' || d[i + 1] == '(')) esc = true;
        if (ch >= 0x80) high = true;
    }
    if (!esc && (!high || utf8_valid(d, n))) return d;
    const char *cs = esc ? "iso-2022-jp" : p->charset;
    if (!cs) {
        for (size_t i = 0; i < c->m->mime.n && !cs; i++) {
            const struct mime_part *t = &c->m->mime.parts[i];
            if (t->is_text && t->charset && !inside_message(c->m, i)) cs = t->charset;
        }
    }
    char *o;
    size_t ol;
    charset_to_utf8(c->a, cs, cs ? strlen(cs) : 0, d, n, &o, &ol);
    if (!o) return d;
    *len = ol;
    return o;
}

static const char *value_after_type(struct ctx *c, const char *v, const char **type)
{
    const char *semi = strchr(v, ';');
    if (semi) {
        size_t k = 0;
        while (v + k < semi && (ch_is_alnum((unsigned char)v[k]) || v[k] == '-' || v[k] == '_'))
            k++;
        if (v + k == semi && k > 0) {
            if (type) {
                char *t = arena_strndup(c->a, v, k);
                str_lower(t, k);
                *type = t;
            }
            return collapse(c->a, semi + 1, strlen(semi + 1));
        }
    }
    return v;
}

static bool addr_ok(const char *a)
{
    const char *at = strrchr(a, '@');
    return at && at != a && at[1] && a[0] != '|' && a[0] != '/' && !strchr(a, ':');
}

/* The address of X-Failed-Recipients when it names exactly one. */
static char *single_failed_recipient(struct ctx *c)
{
    const struct hdr_field *f = hdr_get(&c->m->hdr, "X-Failed-Recipients", 0);
    if (!f || hdr_get(&c->m->hdr, "X-Failed-Recipients", 1)) return NULL;
    size_t n, i = 0, as, ae;
    char *v = hdr_unfold(c->a, f->value, &n);
    if (!next_addr(v, n, &i, &as, &ae)) return NULL;
    size_t j = i, bs, be;
    if (next_addr(v, n, &j, &bs, &be)) return NULL;
    return norm_addr(c->a, v + as, ae - as);
}

static bool strict_addr_line(const char *p, size_t len, size_t as, size_t ae);

/* The first address that begins a line of the human-readable text. */
static char *first_text_recipient(struct ctx *c)
{
    size_t i = 0, ls, ll;
    while (next_line(c->human.p, c->human.len, &i, &ls, &ll)) {
        const char *l = c->human.p + ls;
        size_t k = 0, as, ae;
        if (next_addr(l, ll, &k, &as, &ae) && strict_addr_line(l, ll, as, ae)) {
            char *a = norm_addr(c->a, l + as, ae - as);
            if (a && addr_ok(a) && !is_skipped(c, a)) return a;
        }
    }
    return NULL;
}

/* Commit the records of the delivery-status parts as recipients. */
static void ds_commit(struct ctx *c, struct ds_state *st)
{
    for (size_t i = 0; i < st->n; i++) {
        struct ds_rec *d = &st->v[i];
        const char *who = d->final && *d->final ? d->final : d->original;
        char *addr = who ? norm_addr(c->a, who, strlen(who)) : NULL;
        if (addr && !addr_ok(addr)) {
            /* "user" without a domain, "@host" or a source route, a pipe or
             * a file (Exim): the original recipient, X-Failed-Recipients or
             * the text may name the address */
            char *o = d->original ? norm_addr(c->a, d->original, strlen(d->original)) : NULL;
            if (!o || !addr_ok(o)) o = single_failed_recipient(c);
            if ((!o || !addr_ok(o)) && st->n == 1) o = first_text_recipient(c);
            if (o && addr_ok(o)) addr = o;
        }
        if (!addr) {
            /* fields without any recipient: lend them to the previous record */
            if (i > 0) {
                struct ds_rec *p = &st->v[i - 1];
                if (!p->action) p->action = d->action;
                if (!p->status) p->status = d->status;
                if (!p->diag) p->diag = d->diag;
                if (!p->remote) p->remote = d->remote;
            }
            continue;
        }
        struct dsn_rcpt *x = rcpt_add(c, addr);
        if (!x) continue;
        if (d->original && !x->original_recipient)
            x->original_recipient = norm_addr(c->a, d->original, strlen(d->original));
        if (d->action && *d->action && !x->action) {
            size_t k = 0;
            while (d->action[k] && ch_is_alpha((unsigned char)d->action[k]))
                k++;
            if (k) {
                char *a = arena_strndup(c->a, d->action, k);
                str_lower(a, k);
                if (str_starts_ci(a, k, "fail") || str_eq_ci(a, k, "undeliverable"))
                    a = "failed";
                else if (str_eq_ci(a, k, "deliverable"))
                    a = "delivered";
                x->action = a;
            }
        }
        if (d->status && !x->status) x->status = find_status(c->a, d->status, strlen(d->status));
        if (d->diag && *d->diag && !x->diagnostic) {
            x->diagnostic = value_after_type(c, d->diag, &x->diagnostic_type);
            if (!*x->diagnostic) x->diagnostic = NULL;
        }
        if (d->remote && !x->remote_mta) {
            const char *v = value_after_type(c, d->remote, NULL);
            x->remote_mta = norm_addr(c->a, v, strlen(v));
        }
        if (d->last && !x->last_attempt_raw) {
            x->last_attempt_raw = d->last;
            int64_t t;
            int tz;
            if (date_parse(d->last, strlen(d->last), &t, &tz) != DATE_INVALID) x->last_attempt = t;
        }
        if (d->retry && !x->will_retry_until_raw) x->will_retry_until_raw = d->retry;
        if (d->category && *d->category && !x->mta_category) {
            /* one token: "bad-mailbox" */
            size_t k = 0;
            while (d->category[k] && (ch_is_alnum((unsigned char)d->category[k]) ||
                                      d->category[k] == '-' || d->category[k] == '_'))
                k++;
            if (k) {
                char *cat = arena_strndup(c->a, d->category, k);
                str_lower(cat, k);
                x->mta_category = cat;
            }
        }
        if (!x->diagnostic) {
            /* the text near the address when it has a reply code; else the
             * Status comment ("4.0.0 (cat.example: host name lookup
             * failure)"); else the paragraph of the text with a code */
            struct arena_str b = {.a = c->a};
            text_window(c, addr, &b);
            const char *lp = d->status ? strchr(d->status, '(') : NULL;
            const char *rp = d->status ? strrchr(d->status, ')') : NULL;
            if ((!b.len || !has_code(b.p, b.len)) && lp && rp && rp > lp + 1)
                x->diagnostic = collapse(c->a, lp + 1, (size_t)(rp - lp - 1));
            else {
                if (!b.len || !has_code(b.p, b.len)) code_paragraph(c, &b);
                if (b.len) x->diagnostic = collapse(c->a, b.p, b.len);
            }
        }
        rcpt_finish(c, x, false, false);
    }
}

/* ---------------------------------------------------------------- text readers */

/* Non-standard formats: a marker in the text (or sender) names the reader. */
static const struct {
    const char *marker;
    const char *format;
} FORMATS[] = {
    {"qmail-send program", "qmail"},
    {"This is the mail system at host", "postfix"},
    {"This is the Postfix program", "postfix"},
    {"This message was created automatically by mail delivery software", "exim"},
    {"could not be delivered to one or more of its", "exim"},
    {"The following address(es) failed", "exim"},
    {"The following addresses had permanent fatal errors", "sendmail"},
    {"Transcript of session follows", "sendmail"},
    {"Your message did not reach some or all of the intended recipients", "hmailserver"},
    {"Microsoft 365", "office365"},
    {"Office 365", "office365"},
    {"protection.outlook.com", "office365"},
    {"Delivery has failed to these recipients or groups", "exchange"},
    {"Diagnostic information for administrators", "exchange"},
    {"Remote Server returned", "exchange"},
    {"Your message did not reach some or all", "exchange"},
    {"Delivery to the following recipient", "gmail"},
    {"Google tried to deliver your message", "gmail"},
    {"wasn't delivered to", "gmail"},
    {"Message not delivered", "gmail"},
    {"Address not found", "gmail"},
    {"Sorry, we were unable to deliver your message", "yahoo"},
    {"This is the DragonFly Mail Agent", "dragonfly"},
    {"OpenSMTPD", "opensmtpd"},
    {"Hi. This is the", "qmail"},
    {"I'm afraid I wasn't able to deliver", "qmail"},
    {"This is the Courier mail server", "courier"},
    {"Mail Delivery Subsystem", "sendmail"},
    {"Delivery Status Notification", "gmail"},
    {"Undeliverable", "exchange"},
    {"Delivery failed", "text"},
    {"could not be delivered", "text"},
    {"Undelivered Mail Returned to Sender", "postfix"},
    {"Mail delivery failed", "exim"},
    {"Returned mail", "sendmail"},
    {"failure notice", "qmail"},
    {"delivery failure", "text"},
};

/* Sender and subject words that say "bounce". */
static const char *const BOUNCE_FROM[] = {
    "mailer-daemon", "postmaster",   "mail delivery",    "mail administrator", "mail-daemon",
    "maildaemon",    "mailerdaemon", "mail system",      "microsoftexchange",  "mdaemon",
    "bounce",        "post_master",  "ndr administrator"};
static const char *const BOUNCE_SUBJECT[] = {
    "undeliver",
    "delivery status notification",
    "returned mail",
    "failure notice",
    "mail delivery fail",
    "delivery failure",
    "delivery failed",
    "undelivered mail",
    "nondeliverable",
    "non-deliverable",
    "non remis",
    "could not send",
    "mail system error",
    "not delivered",
    "delivery notification",
    "delivery problem",
    "delivery report",
    "mail failure",
    "failed delivery",
    "rejected:",
    "returned to sender",
    "message status",
    "nicht zustellbar",
    "no se puede entregar",
    "permanent error",
    "delivery has failed",
    "warning: could not",
    "delayed mail",
    "message delayed",
    "mail could not be delivered",
    "delivery error",
    "bounce",
    "unable to deliver",
    "non recapitabile",
    "non distribuibile",
    "niet afgeleverd",
};

/* Body phrases that are bounce texts (not just the words of a bounce subject). */
#define BOUNCE_BODY_PHRASES                                                                        \
    "qmail-send program", "This is the mail system at host", "This is the Postfix program",        \
        "This message was created automatically by mail delivery software",                        \
        "could not be delivered to one or more of its recipients",                                 \
        "The following addresses had permanent fatal errors", "Transcript of session follows",     \
        "Your message did not reach some or all of the intended recipients",                       \
        "Delivery has failed to these recipients or groups",                                       \
        "Delivery to the following recipient", "Google tried to deliver your message",             \
        "Sorry, we were unable to deliver your message", "This is the DragonFly Mail Agent",       \
        "I'm afraid I wasn't able to deliver your message",                                        \
        "The following recipient(s) could not be reached", "Your message could not be delivered",  \
        "could not be delivered to the following", "permanent fatal errors",                       \
        "Delivery to the following recipients failed",                                             \
        "Could not be delivered to:", "Error message below:", "returned permanent errors",         \
        "We had trouble delivering your message", "Message could not be delivered"
static const char *const BOUNCE_BODY[] = {BOUNCE_BODY_PHRASES};

static const char *const DELAY_WORDS[] = {
    "(Delay)",
    "Delayed Mail",
    "delivery delayed",
    "delivery has been delayed",
    "has not yet been delivered",
    "has been delayed",
    "will continue to attempt",
    "will be retried",
    "is still trying",
    "will retry",
    "message delayed",
    "Warning: message",
    "temporarily deferred",
    "not been delivered yet",
    "Delivery Status Notification (Delay)",
};

/* The phrase lists above, each searched in one pass (util/phrases: Wu and
 * Manber's skipping search, its table built once). Deciding that an
 * ordinary message is no bounce searched the subject for each of the 36
 * BOUNCE_SUBJECT phrases in turn, and the human text with a table built on
 * every call: 22,000 instructions a message of the bench. */
static struct phrases bounce_from_ps =
    PHRASES_INIT(BOUNCE_FROM, sizeof BOUNCE_FROM / sizeof *BOUNCE_FROM);
static struct phrases bounce_subject_ps =
    PHRASES_INIT(BOUNCE_SUBJECT, sizeof BOUNCE_SUBJECT / sizeof *BOUNCE_SUBJECT);
static struct phrases bounce_body_ps =
    PHRASES_INIT(BOUNCE_BODY, sizeof BOUNCE_BODY / sizeof *BOUNCE_BODY);
/* What the text must hold for dsn_parse to read more of a message whose
 * header and parts say nothing (see may_report): a bounce text, or the
 * word of an SES notification (ses_reader). */
static const char *const SCREEN_BODY[] = {BOUNCE_BODY_PHRASES, "notificationType"};
static struct phrases screen_body_ps =
    PHRASES_INIT(SCREEN_BODY, sizeof SCREEN_BODY / sizeof *SCREEN_BODY);
static struct phrases delay_words_ps =
    PHRASES_INIT(DELAY_WORDS, sizeof DELAY_WORDS / sizeof *DELAY_WORDS);
/* DELAY_WORDS from the fourth on: what dsn_parse looks for in the text */
static struct phrases delay_words_body_ps =
    PHRASES_INIT(DELAY_WORDS + 3, sizeof DELAY_WORDS / sizeof *DELAY_WORDS - 3);

/* Does s hold any of the phrases (ASCII case-insensitively, as contains_ci
 * on each)? */
static bool any_in(struct slice s, struct phrases *ps)
{
    return phrases_any(ps, s.p, s.len);
}

/* The address begins the line: after optional blanks, '<', '"', '*', '-',
 * '>' and ':'; or a sendmail transcript line "550 5.1.1 <addr>... text". */
static bool strict_addr_line(const char *p, size_t len, size_t as, size_t ae)
{
    size_t k = 0;
    while (k < as && (ch_is_space((unsigned char)p[k]) || strchr("<\"'*-#>:", p[k])))
        k++;
    if (k == as) return true;
    /* "NNN [D.D.D ]<addr>..." */
    k = 0;
    while (k < as && ch_is_space((unsigned char)p[k]))
        k++;
    if (k + 4 > as || !find_reply_code(p + k, 4) || p[k + 3] != ' ') return false;
    k += 4;
    size_t st = status_at(p, len, k);
    if (st) k += st + 1;
    if (k < as && p[k] == '<') k++;
    if (k != as) return false;
    size_t e = ae;
    if (e < len && p[e] == '>') e++;
    return e + 3 <= len && memcmp(p + e, "...", 3) == 0;
}

/* An address followed by "<other@address>" on the same line is the display
 * part of a name-addr (RFC 5322 3.4: phrase "<" addr-spec ">"; Exim lists a
 * malformed "kijitora@example.com <neko@example.net>" so): the address in
 * angle brackets is the mailbox. Moves [*as, *ae) to it. */
static void angle_addr_after(const char *p, size_t len, size_t *as, size_t *ae)
{
    size_t k = *ae;
    if (k < len && p[k] == '>') return; /* the first one was itself bracketed */
    while (k < len && (p[k] == ' ' || p[k] == '\t'))
        k++;
    if (k == *ae || k >= len || p[k] != '<') return;
    size_t i = k + 1, s, e;
    if (!next_addr(p, len, &i, &s, &e) || s != k + 1 || e >= len || p[e] != '>') return;
    *as = s;
    *ae = e;
}

/* Phrases after which an address on the same line is a failed recipient. */
static const char *const RCPT_PHRASES[] = {
    "delivering your mail to",
    "delivered to",
    "deliver to",
    "delivery to",
    "deliver your message to",
    "deliver the message to",
    "delivered to the following",
    "recipient:",
    "recipient address",
    "failed recipient",
    "addressed to",
    "sent to",
    "could not be delivered to",
    "unable to deliver",
    "undeliverable to",
    "Original-Recipient",
    "Final-Recipient",
    "following address",
    "for <",
    "To: <",
    "Recipient <",
    "mailbox",
    "user",
    "address",
    "destinataire",
    "RCPT TO",
    "recipients",
};
static struct phrases rcpt_phrases_ps =
    PHRASES_INIT(RCPT_PHRASES, sizeof RCPT_PHRASES / sizeof *RCPT_PHRASES);

static bool phrase_before(const char *p, size_t as)
{
    struct slice before = str_trim(p, as);
    while (before.len && strchr("<\"'", before.p[before.len - 1]))
        before.len--;
    before = str_trim(before.p, before.len);
    if (before.len && before.p[before.len - 1] == ':') return true;
    static const char *const ends[] = {"recipient", "to", "for"};
    for (size_t i = 0; i < sizeof ends / sizeof *ends; i++) {
        size_t n = strlen(ends[i]);
        if (before.len > n && str_eq_ci(before.p + before.len - n, n, ends[i]) &&
            ch_is_space((unsigned char)before.p[before.len - n - 1]))
            return true;
    }
    return any_in(before, &rcpt_phrases_ps);
}

/* A failure reply code or status (4xx, 5xx, 4.x.x, 5.x.x) in the text. */
static bool has_code(const char *p, size_t len)
{
    if (reply_code_from(p, len, true)) return true;
    for (size_t i = 0; i < len; i++)
        if (p[i] != '2' && status_at(p, len, i)) return true;
    return false;
}

/* A Sendmail transcript reports the remote server's reply ("<<< 550 ...")
 * on the lines just above its own summary for the address ("554
 * <addr>... Remote protocol error"): those replies, in order, into b. */
static void transcript_replies_above(const char *p, size_t line_start, struct arena_str *b)
{
    size_t top = line_start;
    while (top > 0) {
        size_t e = top - 1, s = e; /* p[e] is the '\n' ending the line above */
        while (s > 0 && p[s - 1] != '\n')
            s--;
        struct slice t = str_trim(p + s, e - s);
        if (t.len < 5 || memcmp(t.p, "<<< ", 4) != 0) break;
        top = s;
    }
    size_t i = top, ls, ll;
    while (i < line_start && next_line(p, line_start, &i, &ls, &ll)) {
        struct slice t = str_trim(p + ls, ll);
        if (t.len < 5) continue;
        t = str_trim(t.p + 4, t.len - 4);
        if (b->len) arena_str_put(b, " ", 1);
        arena_str_put(b, t.p, t.len);
    }
}

/* The text near the recipient's address in the human-readable part: the
 * rest of its line and the lines below it, up to the next address line, a
 * blank line once a reply code (or two paragraphs) has been seen, or
 * TEXT_WINDOW_LINES lines. For a Sendmail summary line ("554 <addr>...
 * text"), the remote replies ("<<< ") just above come first, and a summary
 * for another host ends the window. */
static void window_from(struct ctx *c, size_t line_start, size_t after_addr, struct arena_str *b,
                        const char *self)
{
    const char *p = c->human.p;
    size_t len = c->human.len;
    size_t i = line_start, ls, ll, lines = 0, paras = 0;
    bool first = true, any = false;
    while (next_line(p, len, &i, &ls, &ll) && lines < TEXT_WINDOW_LINES &&
           b->len < TEXT_WINDOW_BYTES) {
        const char *l = p + ls;
        if (first) {
            size_t off = after_addr > ls ? after_addr - ls : 0;
            if (off > ll) off = ll;
            {
                size_t k = 0, as, ae;
                if (next_addr(l, ll, &k, &as, &ae) && as > 0 && strict_addr_line(l, ll, as, ae) &&
                    ch_is_digit((unsigned char)str_trim(l, ll).p[0]))
                    transcript_replies_above(p, ls, b);
            }
            if (b->len) any = true;
            /* the words before the address ("Unable to deliver message to") */
            size_t k = 0, as, ae, pre_end = 0;
            while (next_addr(l, off, &k, &as, &ae))
                if (ae == off) pre_end = as;
            struct slice pre = str_trim(l, pre_end);
            while (pre.len && strchr("<\"'", pre.p[pre.len - 1]))
                pre.len--;
            if (pre.len) {
                if (b->len) arena_str_put(b, " ", 1);
                arena_str_put(b, pre.p, pre.len);
                arena_str_put(b, " ", 1);
            }
            struct slice t = str_trim(l + off, ll - off);
            while (t.len && strchr(">:;,.)", t.p[0]))
                t = str_trim(t.p + 1, t.len - 1);
            if (t.len) {
                if (b->len && b->p[b->len - 1] != ' ') arena_str_put(b, " ", 1);
                arena_str_put(b, t.p, t.len);
                any = true;
            }
            first = false;
            continue;
        }
        lines++;
        if (is_blank(l, ll)) {
            /* a paragraph that ends "was:" introduces the next one */
            bool intro = b->len && b->p[b->len - 1] == ':';
            if (any && !intro) paras++;
            if (any && !intro && (paras >= 2 || has_code(b->p, b->len))) break;
            continue;
        }
        {
            size_t k = 0, as, ae;
            if (next_addr(l, ll, &k, &as, &ae) && strict_addr_line(l, ll, as, ae)) {
                /* a line that starts with another recipient ends this one */
                char *a = norm_addr(c->a, l + as, ae - as);
                if (a && !is_skipped(c, a) && !addr_eq(a, self)) break;
            }
        }
        /* Sendmail's transcript of the session with the next host begins,
         * or its summary for another host */
        if (any && str_starts_ci(str_trim(l, ll).p, str_trim(l, ll).len, "While talking to")) break;
        if (any && host_summary_line(l, ll)) break;
        if (b->len) arena_str_put(b, " ", 1);
        struct slice t = str_trim(l, ll);
        arena_str_put(b, t.p, t.len);
        any = true;
    }
}

static void text_window(struct ctx *c, const char *addr, struct arena_str *b)
{
    if (!c->human.len) return;
    const char *p = c->human.p;
    size_t len = c->human.len;
    size_t i = 0, as, ae;
    while (next_addr(p, len, &i, &as, &ae)) {
        char *a = norm_addr(c->a, p + as, ae - as);
        if (!a || !addr_eq(a, addr)) continue;
        size_t ls = as;
        while (ls > 0 && p[ls - 1] != '\n')
            ls--;
        struct arena_str w = {.a = c->a};
        window_from(c, ls, ae, &w, addr);
        if (w.len && has_code(w.p, w.len)) {
            *b = w;
            return;
        }
        if (w.len && !b->len) *b = w;
    }
}

/* The paragraph of the human-readable text with the first reply code or
 * status (for texts that give the reason before the address). */
static void code_paragraph(struct ctx *c, struct arena_str *b)
{
    const char *p = c->human.p;
    size_t len = c->human.len, i = 0, ls, ll, para = 0;
    while (next_line(p, len, &i, &ls, &ll)) {
        if (is_blank(p + ls, ll)) {
            para = i;
            continue;
        }
        if (!has_code(p + ls, ll)) continue;
        size_t k = para, n = 0;
        while (next_line(p, len, &k, &ls, &ll) && n < TEXT_WINDOW_LINES &&
               b->len < TEXT_WINDOW_BYTES) {
            if (is_blank(p + ls, ll)) {
                if (k > i) break;
                continue;
            }
            struct slice t = str_trim(p + ls, ll);
            if (b->len) arena_str_put(b, " ", 1);
            arena_str_put(b, t.p, t.len);
            n++;
        }
        return;
    }
}

/* Merge a diagnostic found at another mention of the same recipient: a text
 * with a reply code beats one without. */
static void set_diag(struct ctx *c, struct dsn_rcpt *x, struct arena_str *b)
{
    if (!b->len) return;
    char *d = collapse(c->a, b->p, b->len);
    if (!*d) return;
    if (!x->diagnostic ||
        (!has_code(x->diagnostic, strlen(x->diagnostic)) && has_code(d, strlen(d))))
        x->diagnostic = d;
}

static bool embedded_report(struct ctx *c);

static bool text_reader(struct ctx *c, bool delayed)
{
    const char *p = c->human.p;
    size_t len = c->human.len;
    size_t before = c->out->n_rcpt;

    /* 1. X-Failed-Recipients (Exim, Gmail, ...) names them outright */
    for (size_t k = 0; k < hdr_count(&c->m->hdr, "X-Failed-Recipients"); k++) {
        const struct hdr_field *f = hdr_get(&c->m->hdr, "X-Failed-Recipients", k);
        size_t n;
        char *v = hdr_unfold(c->a, f->value, &n);
        size_t i = 0, as, ae;
        while (next_addr(v, n, &i, &as, &ae)) {
            char *a = norm_addr(c->a, v + as, ae - as);
            if (!a) continue;
            struct dsn_rcpt *x = rcpt_add(c, a);
            if (!x) continue;
            struct arena_str b = {.a = c->a};
            text_window(c, a, &b);
            set_diag(c, x, &b);
        }
    }
    if (c->out->n_rcpt > before) goto finish;
    if (!len) goto fallback;

    /* 2. lines that begin with an address; 3. addresses after a phrase */
    for (int pass = 0; pass < 2 && c->out->n_rcpt == before; pass++) {
        size_t i = 0, ls, ll;
        while (next_line(p, len, &i, &ls, &ll)) {
            const char *l = p + ls;
            size_t k = 0, as, ae;
            while (next_addr(l, ll, &k, &as, &ae)) {
                bool ok = pass == 0 ? strict_addr_line(l, ll, as, ae) : phrase_before(l, as);
                if (!ok) {
                    if (pass == 0) break;
                    continue;
                }
                if (pass == 0) angle_addr_after(l, ll, &as, &ae);
                char *a = norm_addr(c->a, l + as, ae - as);
                /* a line that begins with an address names a recipient even
                 * when it is the sender's own (mail to oneself) */
                if (!a || !strchr(a, '@') || (pass == 1 && is_skipped(c, a))) continue;
                struct dsn_rcpt *x = rcpt_add(c, a);
                if (!x) break;
                struct arena_str b = {.a = c->a};
                window_from(c, ls, ls + ae, &b, a);
                set_diag(c, x, &b);
                break;
            }
        }
    }
    if (c->out->n_rcpt > before) goto finish;

fallback:
    /* 4. a bounce that returns a bounce (a gateway passing on the DSN it
     * got): the returned report's Final-Recipient is the failed recipient;
     * the returned message's To is our own sender */
    if (before == 0 && embedded_report(c)) return true;
    /* 5. the original's To (bounces that do not name the recipient) */
    if (c->out->orig_to) {
        const char *a = first_address(c, c->out->orig_to);
        if (a && !is_skipped(c, a)) {
            struct dsn_rcpt *x = rcpt_add(c, a);
            if (x && len) {
                struct arena_str b = {.a = c->a};
                text_window(c, a, &b);
                if (!b.len) arena_str_put(&b, p, len < TEXT_WINDOW_BYTES ? len : TEXT_WINDOW_BYTES);
                set_diag(c, x, &b);
            }
        }
    }
finish:
    for (size_t i = before; i < c->out->n_rcpt; i++) {
        struct dsn_rcpt *x = &c->out->rcpt[i];
        if (x->diagnostic && len && !has_code(x->diagnostic, strlen(x->diagnostic))) {
            struct arena_str b = {.a = c->a};
            arena_str_put(&b, x->diagnostic, strlen(x->diagnostic));
            size_t had = b.len;
            code_paragraph(c, &b);
            if (b.len > had) x->diagnostic = collapse(c->a, b.p, b.len);
        }
        if (!x->diagnostic && len) {
            struct arena_str b = {.a = c->a};
            code_paragraph(c, &b);
            if (b.len) set_diag(c, x, &b);
        }
        if (!x->diagnostic && len) {
            struct arena_str b = {.a = c->a};
            arena_str_put(&b, p, len < TEXT_WINDOW_BYTES ? len : TEXT_WINDOW_BYTES);
            set_diag(c, x, &b);
        }
        rcpt_finish(c, x, delayed, true);
    }
    return c->out->n_rcpt > before;
}

/* ---------------------------------------------------------------- Amazon SES */

/* The string value of the next "key" at or after *pos in a JSON text (the
 * SES/SNS notification): backslash escapes resolved (\uXXXX kept as is). */
static char *json_str(arena *a, const char *p, size_t len, size_t *pos, size_t end, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = *pos; i + kl + 2 <= end && i + kl + 2 <= len; i++) {
        if (p[i] != '"' || memcmp(p + i + 1, key, kl) != 0 || p[i + 1 + kl] != '"') continue;
        size_t k = i + kl + 2;
        while (k < len && ch_is_space((unsigned char)p[k]))
            k++;
        if (k >= len || p[k] != ':') continue;
        k++;
        while (k < len && ch_is_space((unsigned char)p[k]))
            k++;
        if (k >= len || p[k] != '"') continue;
        k++;
        struct arena_str b = {.a = a};
        while (k < len && p[k] != '"' && b.len < DSN_MAX_FIELD) {
            size_t run = k;
            if (p[k] == '\\' && k + 1 == len) { /* a backslash ends the text: */
                k = len;                        /* (this looped for ever) */
                break;
            }
            if (p[k] == '\\' && k + 1 < len) {
                k++;
                char e = p[k] == 'n' || p[k] == 't' || p[k] == 'r' ? ' ' : p[k];
                arena_str_put(&b, &e, 1);
                k++;
                continue;
            }
            while (k < len && p[k] != '"' && p[k] != '\\')
                k++;
            arena_str_put(&b, p + run, k - run);
        }
        *pos = k;
        if (!b.p) arena_str_put(&b, "", 0);
        return b.p;
    }
    return NULL;
}

/* SES notifications (bounce or delivery) sent as JSON through SNS, plain or
 * as an escaped string inside the SNS envelope. */
static bool ses_reader(struct ctx *c)
{
    if (!c->human.len || !contains_ci(c->human, "notificationType")) return false;
    const char *p = c->human.p;
    size_t len = c->human.len;
    if (contains_ci(c->human, "\\\"notificationType\\\"")) {
        /* unescape the SNS "Message" string once */
        char *u = arena_alloc(c->a, len + 1);
        size_t n = 0;
        for (size_t i = 0; i < len; i++) {
            if (p[i] == '\\' && i + 1 < len && (p[i + 1] == '"' || p[i + 1] == '\\')) i++;
            u[n++] = p[i];
        }
        p = u;
        len = n;
    }
    size_t pos = 0;
    const char *type = json_str(c->a, p, len, &pos, len, "notificationType");
    if (!type) return false;
    if (strcmp(type, "Bounce") == 0) {
        const char *list = str_find_ci(p, len, "\"bouncedRecipients\"");
        if (!list) return false;
        const char *close = memchr(list, ']', len - (size_t)(list - p));
        size_t end = close ? (size_t)(close - p) : len;
        pos = (size_t)(list - p);
        for (;;) {
            const char *addr = json_str(c->a, p, len, &pos, end, "emailAddress");
            if (!addr) break;
            size_t obj_end = pos;
            while (obj_end < end && p[obj_end] != '}')
                obj_end++;
            char *a = norm_addr(c->a, addr, strlen(addr));
            struct dsn_rcpt *x = a ? rcpt_add(c, a) : NULL;
            if (!x) continue;
            size_t q = pos;
            const char *v = json_str(c->a, p, len, &q, obj_end, "action");
            if (v) x->action = v;
            q = pos;
            if ((v = json_str(c->a, p, len, &q, obj_end, "status")) != NULL)
                x->status = find_status(c->a, v, strlen(v));
            q = pos;
            if ((v = json_str(c->a, p, len, &q, obj_end, "diagnosticCode")) != NULL)
                x->diagnostic =
                    value_after_type(c, collapse(c->a, v, strlen(v)), &x->diagnostic_type);
            rcpt_finish(c, x, false, false);
        }
        size_t q = 0;
        const char *mta = json_str(c->a, p, len, &q, len, "reportingMTA");
        if (mta) c->out->reporting_mta = norm_addr(c->a, mta, strlen(mta));
    } else if (strcmp(type, "Delivery") == 0) {
        const char *list = str_find_ci(p, len, "\"recipients\"");
        if (!list) return false;
        const char *close = memchr(list, ']', len - (size_t)(list - p));
        size_t end = close ? (size_t)(close - p) : len;
        size_t q = 0;
        const char *resp = json_str(c->a, p, len, &q, len, "smtpResponse");
        for (const char *s = list + 12; s < p + end; s++) {
            if (*s != '"') continue;
            const char *e = memchr(s + 1, '"', (size_t)(p + end - s - 1));
            if (!e) break;
            char *a = norm_addr(c->a, s + 1, (size_t)(e - s - 1));
            struct dsn_rcpt *x = a && addr_ok(a) ? rcpt_add(c, a) : NULL;
            if (x) {
                x->action = "delivered";
                if (resp) x->diagnostic = collapse(c->a, resp, strlen(resp));
                rcpt_finish(c, x, false, false);
            }
            s = e;
        }
    }
    return c->out->n_rcpt > 0;
}

/* ---------------------------------------------------------------- fml */

/* fml, a mailing-list manager, answers a post it refuses with a notice of
 * its own, not a DSN: the X-MLServer: fml header it puts on everything it
 * sends, and a notice whose first paragraph begins with one of its fixed
 * phrases followed by the list's address in angle brackets ("You are not a
 * member of this mailing list <list@example.org>.", "Duplicated Message-ID
 * in <list@example.org>."). The list is the recipient that refused the
 * post; that paragraph is the diagnostic. Ordinary list traffic (the same
 * header, a first paragraph of its own) is not a notice. */
static const char *const FML_NOTICES[] = {
    "You are not a member of this mailing list",
    "Duplicated Message-ID in",
};

static bool fml_reader(struct ctx *c)
{
    const char *v = hdr_value(c, &c->m->hdr, "X-MLServer");
    if (!v || !c->human.len) return false;
    struct slice t = str_trim(v, strlen(v));
    if (!str_starts_ci(t.p, t.len, "fml")) return false;
    const char *p = c->human.p;
    size_t len = c->human.len, i = 0, ls, ll;
    struct arena_str b = {.a = c->a};
    while (next_line(p, len, &i, &ls, &ll)) {
        if (is_blank(p + ls, ll)) {
            if (b.len) break;
            continue;
        }
        struct slice l = str_trim(p + ls, ll);
        if (b.len) arena_str_put(&b, " ", 1);
        arena_str_put(&b, l.p, l.len);
    }
    if (!b.len) return false;
    for (size_t n = 0; n < sizeof FML_NOTICES / sizeof *FML_NOTICES; n++) {
        size_t pl = strlen(FML_NOTICES[n]);
        if (!str_starts_ci(b.p, b.len, FML_NOTICES[n])) continue;
        size_t k = pl, as, ae;
        while (k < b.len && b.p[k] == ' ')
            k++;
        if (k >= b.len || b.p[k] != '<') return false;
        size_t from = k + 1;
        if (!next_addr(b.p, b.len, &from, &as, &ae) || as != k + 1 || ae >= b.len || b.p[ae] != '>')
            return false;
        char *a = norm_addr(c->a, b.p + as, ae - as);
        struct dsn_rcpt *x = a ? rcpt_add(c, a) : NULL;
        if (!x) return false;
        x->diagnostic = collapse(c->a, b.p, b.len);
        rcpt_finish(c, x, false, true);
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- auto-replies */

static const char *const AUTO_SUBJECT[] = {
    "out of office",
    "out of the office",
    "automatic reply",
    "auto reply",
    "autoreply",
    "auto-reply",
    "autorespon",
    "auto response",
    "auto:",
    "vacation",
    "i am away",
    "i'm away",
    "away from",
    "away until",
    "abwesenheit",
    "absence",
    "réponse automatique",
    "respuesta automática",
    "risposta automatica",
    "automatische antwort",
    "automatisch antwoord",
    "on leave",
    "on holiday",
    "out-of-office",
    "autosvar",
    "automaattinen vastaus",
    "odpowiedź automatyczna",
};

/* Header fields made for auto-replies (also read by the screen). */
#define AUTO_HEADER_NAMES(X)                                                                       \
    X("X-Autoreply")                                                                               \
    X("X-Autorespond")                                                                             \
    X("X-Autoresponder")                                                                           \
    X("X-Auto-Reply") X("X-Mail-Autoreply") X("X-Autoreply-From") X("X-Vacation")
#define NAME(name) name,
static const char *const AUTO_HEADERS[] = {AUTO_HEADER_NAMES(NAME)};
#undef NAME
/* the evidence names the first phrase in the list's order that is
 * there: the one-pass search says whether any is, the loop which */
static struct phrases auto_subject_ps =
    PHRASES_INIT(AUTO_SUBJECT, sizeof AUTO_SUBJECT / sizeof *AUTO_SUBJECT);

/* 2: strong (a header made for auto-replies, or a vacation subject),
 * 1: weak (Auto-Submitted: auto-replied alone), 0: none. */
static int autoreply_signal(struct ctx *c, const char **evidence)
{
    const struct hdr_block *h = &c->m->hdr;
    const char *const *hdrs = AUTO_HEADERS;
    for (size_t i = 0; i < sizeof AUTO_HEADERS / sizeof *AUTO_HEADERS; i++)
        if (hdr_get(h, hdrs[i], 0)) {
            *evidence = arena_printf(c->a, "%s header", hdrs[i]);
            return 2;
        }
    const char *prec = hdr_value(c, h, "Precedence");
    if (prec && str_starts_ci(prec, strlen(prec), "auto_reply")) {
        *evidence = "Precedence: auto_reply";
        return 2;
    }
    const char *subj = c->m->subject;
    if (subj && phrases_any(&auto_subject_ps, subj, strlen(subj))) {
        struct slice s = slice_of(subj, strlen(subj));
        for (size_t i = 0; i < sizeof AUTO_SUBJECT / sizeof *AUTO_SUBJECT; i++)
            if (contains_ci(s, AUTO_SUBJECT[i])) {
                *evidence = arena_printf(c->a, "Subject: %s", AUTO_SUBJECT[i]);
                return 2;
            }
    }
    const char *as = hdr_value(c, h, "Auto-Submitted");
    if (as && str_starts_ci(as, strlen(as), "auto-replied")) {
        *evidence = "Auto-Submitted: auto-replied";
        return 1;
    }
    return 0;
}

static enum dsn_kind autoreply(struct ctx *c, const char *evidence)
{
    struct dsn_report *r = c->out;
    r->kind = DSN_AUTOREPLY;
    r->format = "autoreply";
    r->evidence = evidence;
    if (c->m->has_from && c->m->from.address && c->m->from.address[0]) {
        char *a = norm_addr(c->a, c->m->from.address, strlen(c->m->from.address));
        struct dsn_rcpt *x = a ? rcpt_add(c, a) : NULL;
        if (x) x->action = "delivered";
    }
    return r->kind;
}

/* ---------------------------------------------------------------- entry */

static bool is_feedback_report(const struct message *m)
{
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (type_is(p, "message/feedback-report")) return true;
        if (type_is(p, "multipart/report") && p->ctype.value) {
            const struct hdr_field *f = hdr_get(&p->hdr, "Content-Type", 0);
            if (f && str_find_ci(f->value.p, f->value.len, "feedback-report")) return true;
        }
    }
    return false;
}

/* The From address (not its display name, which anyone can set to "Mail
 * Administrator") is a mailer-daemon's. */
static bool bounce_sender_address(struct ctx *c)
{
    const struct message *m = c->m;
    if (!m->has_from) return false;
    struct slice s = slice_of(m->from.address ? m->from.address : "",
                              m->from.address ? strlen(m->from.address) : 0);
    return any_in(s, &bounce_from_ps);
}

static bool bounce_sender(struct ctx *c)
{
    const struct message *m = c->m;
    if (m->has_from) {
        if (bounce_sender_address(c)) return true;
        if (m->from.name) {
            struct slice n = slice_of(m->from.name, strlen(m->from.name));
            if (any_in(n, &bounce_from_ps)) return true;
        }
    }
    return false;
}

/* A bounce forwarded as plain text (a provider's notice, "The following is
 * the error message", with the MTA's own bounce pasted below it, delivery
 * status fields included): when nothing above the pasted copy names a
 * recipient, the Final-Recipient blocks of the copy do, provided the copy
 * is itself a bounce (one of the BOUNCE_BODY texts precedes the fields). */
static bool embedded_report(struct ctx *c)
{
    if (c->out->n_rcpt) return false;
    /* a returned message that is itself a delivery report (a gateway
     * passing on, as message/rfc822, the DSN it got): its recipient blocks */
    {
        struct ds_state st = {0};
        bool any = false;
        for (size_t i = 0; i < c->m->mime.n; i++) {
            const struct mime_part *p = &c->m->mime.parts[i];
            if (!inside_message(c->m, i) || !p->decoded) continue;
            if (!type_is(p, "message/delivery-status") &&
                !type_is(p, "message/global-delivery-status"))
                continue;
            size_t dl;
            const char *d = ds_utf8(c, p, &dl);
            ds_parse(c, &st, d, dl);
            any = true;
        }
        if (any) {
            ds_commit(c, &st);
            if (c->out->n_rcpt) return true;
        }
    }
    if (!c->rest.len) return false;
    const char *fr = str_find_ci(c->rest.p, c->rest.len, "\nFinal-Recipient:");
    if (!fr) return false;
    struct slice before = slice_of(c->rest.p, (size_t)(fr - c->rest.p));
    if (!any_in(before, &bounce_body_ps)) return false;
    const char *s = fr + 1;
    const char *rm = str_find_ci(before.p, before.len, "\nReporting-MTA:");
    if (rm) s = rm + 1;
    struct ds_state st = {0};
    ds_parse(c, &st, s, c->rest.len - (size_t)(s - c->rest.p));
    ds_commit(c, &st);
    return c->out->n_rcpt > 0;
}

/* ---------------------------------------------------------------- the screen */

/* Which of the fields the screen asks about the header has, in one pass
 * (hdr_get_first; a hdr_get each walked the header ten times): SCREEN_SURE
 * when X-MLServer or an AUTO_HEADERS field is there (a reader or
 * autoreply_signal goes on), SCREEN_VALUE when Precedence or Auto-Submitted
 * is (their values decide). */
enum { SCREEN_SURE = 1, SCREEN_VALUE = 2 };

/* the SCREEN_SURE names, then the N_SCREEN_VALUE SCREEN_VALUE ones */
static const struct hdr_name SCREEN_FIELDS[] = {
#define FIELD(name) HDR_NAME(name),
    FIELD("X-MLServer") AUTO_HEADER_NAMES(FIELD) FIELD("Precedence") FIELD("Auto-Submitted")
#undef FIELD
};
enum { N_SCREEN_VALUE = 2 };
#define N_SCREEN_FIELDS (sizeof SCREEN_FIELDS / sizeof *SCREEN_FIELDS)

static int screen_fields(const struct hdr_block *h)
{
    const struct hdr_field *f[N_SCREEN_FIELDS];
    hdr_get_first(h, SCREEN_FIELDS, N_SCREEN_FIELDS, f);
    int found = 0;
    for (size_t k = 0; k < N_SCREEN_FIELDS; k++)
        if (f[k]) {
            if (k < N_SCREEN_FIELDS - N_SCREEN_VALUE) return SCREEN_SURE;
            found = SCREEN_VALUE;
        }
    return found;
}

/* Could dsn_parse report anything for this message? false only when it
 * certainly would not: every way to a report needs one of these (c->human
 * uncut, a superset of the cut text the readers search):
 *   a delivery-status part (RFC 3464/6533, and embedded_report's);
 *   X-MLServer (fml_reader); an auto-reply signal (autoreply_signal);
 *   a bounce sender, a bounce subject or a bounce text (looks_bounce,
 *   bounce_subject; the inlined Final-Recipient fields need one of these
 *   too); "notificationType" in the text (ses_reader).
 * 1,935 of the bench's 1,982 messages that reach dsn_parse are none of
 * these: cutting their text line by line, finding an original and running
 * the readers that then find nothing made dsn_parse 21,600 instructions a
 * message; with the screen it is 10,200, most of it the one pass over the
 * text that any answer needs. */
static bool may_report(struct ctx *c)
{
    const struct message *m = c->m;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (type_is(p, "message/delivery-status") || type_is(p, "message/global-delivery-status"))
            return true;
    }
    if (bounce_sender(c)) return true;
    const char *subj = m->subject ? m->subject : "";
    if (any_in(slice_of(subj, strlen(subj)), &bounce_subject_ps)) return true;
    int fields = screen_fields(&m->hdr);
    if (fields == SCREEN_SURE) return true;
    if (fields == SCREEN_VALUE) {
        const char *ev = NULL;
        if (autoreply_signal(c, &ev)) return true;
    } else if (any_in(slice_of(subj, strlen(subj)), &auto_subject_ps)) {
        return true; /* without those fields, autoreply_signal reads only the subject */
    }
    return any_in(c->human, &screen_body_ps);
}

/* ---------------------------------------------------------------- the writer */

static bool header_has(const struct hdr_block *h, const char *name, const char *needle)
{
    for (size_t k = 0; k < hdr_count(h, name); k++) {
        const struct hdr_field *f = hdr_get(h, name, k);
        if (f && str_find_ci(f->value.p, f->value.len, needle)) return true;
    }
    return false;
}

/* The MTA or service that wrote the bounce, from the bounce's own header
 * fields (never from the returned original's): see dsn.h `mta`. The facts
 * are the ones each writer puts on every bounce it sends (Sisimai's per-MTA
 * modules recognise them the same way). */
static const char *writer_of_(struct ctx *c);

/* The writer, and the per-recipient category a writer's header gives for
 * all recipients: au EZweb's anti-spam mark "X-SPASIGN: NG" on a refusal
 * by the recipient's domain filter ("x-spasign-ng"). */
static const char *writer_of(struct ctx *c)
{
    const char *w = writer_of_(c);
    if (w && strcmp(w, "ezweb") == 0) {
        const struct hdr_field *f = hdr_get(&c->m->hdr, "X-SPASIGN", 0);
        struct slice v = f ? str_trim(f->value.p, f->value.len) : slice_of("", 0);
        if (str_eq_ci(v.p, v.len, "NG"))
            for (size_t i = 0; i < c->out->n_rcpt; i++)
                if (!c->out->rcpt[i].mta_category) c->out->rcpt[i].mta_category = "x-spasign-ng";
    }
    return w;
}

static const char *writer_of_(struct ctx *c)
{
    const struct hdr_block *h = &c->m->hdr;
    const char *subj = c->m->subject ? c->m->subject : "";
    size_t sl = strlen(subj);
    for (size_t i = 0; i < c->out->n_rcpt; i++)
        if (c->out->rcpt[i].mta_category) return "powermta";
    if (header_has(h, "X-NAI-Header", "Modified by McAfee")) return "mcafee";
    if (hdr_get(h, "X-ZohoMail", 0)) return "zoho";
    if (hdr_get(h, "X-Msg-Ref", 0) && c->m->has_from && c->m->from.address) {
        const char *at = strrchr(c->m->from.address, '@');
        if (at && str_eq_ci(at + 1, strlen(at + 1), "messagelabs.com")) return "messagelabs";
    }
    {
        const struct hdr_field *f = hdr_get(h, "X-Mailer", 0);
        if (f) {
            struct slice v = str_trim(f->value.p, f->value.len);
            if (str_starts_ci(v.p, v.len, "<SMTP32 v")) return "imailserver";
        }
    }
    int hotmail = 0;
    if (str_find_ci(subj, sl, "Delivery Status Notification")) hotmail++;
    if (hdr_get(h, "X-Message-Delivery", 0)) hotmail++;
    if (hdr_get(h, "X-Message-Info", 0)) hotmail++;
    if (header_has(h, "Received", ".hotmail.com")) hotmail++;
    if (hotmail >= 2) return "outlook";
    /* au (KDDI) EZweb: two of a Postmaster@ezweb.ne.jp / @au.com sender,
     * its fixed subject, a Received header of its "(EZweb Mail)" relays */
    int ezweb = 0;
    if (c->m->has_from && c->m->from.address) {
        const char *fa = c->m->from.address;
        size_t fl = strlen(fa);
        if (str_eq_ci(fa, fl, "postmaster@ezweb.ne.jp") || str_eq_ci(fa, fl, "postmaster@au.com"))
            ezweb++;
    }
    if (strcmp(subj, "Mail System Error - Returned Mail") == 0) ezweb++;
    if (header_has(h, "Received", "(EZweb Mail) with")) ezweb++;
    if (ezweb >= 2) return "ezweb";
    /* Domino writes its subject in capitals: "DELIVERY FAILURE: ..." */
    if (sl >= 17 && memcmp(subj, "DELIVERY FAILURE:", 17) == 0) return "domino";
    return NULL;
}

enum dsn_kind dsn_parse(arena *a, const struct message *m, struct dsn_report *out,
                        struct anomalies *an)
{
    memset(out, 0, sizeof *out);
    out->kind = DSN_NONE;
    if (!m) return DSN_NONE;
    if (is_feedback_report(m)) return DSN_NONE;

    struct ctx c = {.a = a, .m = m, .out = out, .an = an};
    human_text(&c);
    if (!may_report(&c)) return DSN_NONE;
    human_cut(&c);
    find_original(&c);
    if (m->has_from) skip_add(&c, norm_addr(a, m->from.address, strlen(m->from.address)));
    for (size_t i = 0; i < m->to.n && i < 2; i++)
        skip_add(&c, norm_addr(a, m->to.v[i].address, strlen(m->to.v[i].address)));
    if (m->return_path && *m->return_path)
        skip_add(&c, norm_addr(a, m->return_path, strlen(m->return_path)));
    skip_add(&c, out->orig_from);

    /* RFC 3464 / RFC 6533 */
    struct ds_state st = {0};
    bool have_ds = false;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (inside_message(m, i)) continue;
        if ((type_is(p, "message/delivery-status") ||
             type_is(p, "message/global-delivery-status")) &&
            p->decoded) {
            have_ds = true;
            size_t dl;
            const char *d = ds_utf8(&c, p, &dl);
            ds_parse(&c, &st, d, dl);
        }
    }
    if (!have_ds && c.human.len) {
        /* the fields inlined in a text part (some MTAs, forwarded reports) */
        const char *fr = str_find_ci(c.human.p, c.human.len, "\nFinal-Recipient:");
        if (fr && (bounce_sender(&c) || any_in(c.human, &bounce_body_ps))) {
            const char *s = fr + 1;
            /* start at the block's first field (Reporting-MTA etc. may precede) */
            const char *rm = str_find_ci(c.human.p, c.human.len, "\nReporting-MTA:");
            if (rm && rm < fr) s = rm + 1;
            ds_parse(&c, &st, s, c.human.len - (size_t)(s - c.human.p));
            have_ds = true;
        }
    }
    if (have_ds) {
        ds_commit(&c, &st);
        if (out->n_rcpt || out->dropped_rcpt) {
            out->kind = DSN_BOUNCE;
            out->mta = writer_of(&c);
            out->format = "rfc3464";
            out->evidence = "report-type=delivery-status";
            return out->kind;
        }
    }

    if (ses_reader(&c)) {
        out->kind = DSN_BOUNCE;
        out->format = "amazonses";
        out->evidence = "SES notification";
        return out->kind;
    }
    if (fml_reader(&c)) {
        out->kind = DSN_BOUNCE;
        out->format = "fml";
        out->evidence = "X-MLServer: fml notice";
        return out->kind;
    }

    /* auto-replies that are not bounces */
    const char *ev = NULL;
    int auto_sig = autoreply_signal(&c, &ev);
    bool looks_bounce = bounce_sender(&c) || any_in(c.human, &bounce_body_ps);
    if (auto_sig == 2 && !looks_bounce) return autoreply(&c, ev);

    struct slice subj = slice_of(m->subject ? m->subject : "", m->subject ? strlen(m->subject) : 0);
    bool bounce_subject = any_in(subj, &bounce_subject_ps);
    if (looks_bounce || bounce_subject || have_ds) {
        const char *fmt = "text";
        for (size_t i = 0; i < sizeof FORMATS / sizeof *FORMATS; i++)
            if (contains_ci(c.human, FORMATS[i].marker) || contains_ci(subj, FORMATS[i].marker)) {
                fmt = FORMATS[i].format;
                break;
            }
        bool delayed = any_in(subj, &delay_words_ps) || any_in(c.human, &delay_words_body_ps);
        /* a bounce without a recipient found must at least come from a
         * mailer-daemon address or carry bounce wording: a display name
         * alone ("Mail Administrator" on a phishing message) is not enough */
        if (text_reader(&c, delayed) || embedded_report(&c) ||
            (looks_bounce &&
             (bounce_sender_address(&c) || have_ds || any_in(c.human, &bounce_body_ps)))) {
            out->kind = DSN_BOUNCE;
            out->mta = writer_of(&c);
            out->format = fmt;
            out->evidence = bounce_sender(&c) ? "sender is a mailer-daemon"
                            : looks_bounce    ? "bounce text"
                                              : "bounce subject";
            return out->kind;
        }
    }
    if (auto_sig) return autoreply(&c, ev);
    out->n_rcpt = 0;
    return DSN_NONE;
}
