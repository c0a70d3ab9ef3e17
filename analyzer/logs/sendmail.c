/* sendmail — Sendmail lines in a syslog file (prefix parsed by syslog.c)
 * turned into log events. A line is Sendmail's when its program tag is
 * exactly "sendmail", "sm-mta" or "sm-msp-queue" (Postfix's compatibility
 * "postfix/sendmail" is Postfix's); other programs are LINE_FOREIGN.
 * After the optional queue id ("QID: " or "NOQUEUE: ") the body is a
 * ", "-separated key=value list, dispatched by its first word:
 *   from=<a>, size=N, class=, nrcpts=N, msgid=<id>, proto=, daemon=, relay=h [ip]
 *         EV_QUEUED: sender, size, nrcpt, message_id (no separate EV_MSGID:
 *         the caller joins by queue id), client from relay=.
 *         nrcpts=0 (every recipient refused, nothing queued) is EV_OTHER, so
 *         arrivals are not over-counted; the refusals have their own lines.
 *   to=<a>,<b>, ctladdr=, delay=, xdelay=, mailer=, pri=, relay=h. [ip], dsn=, stat=
 *         one EV_DELIVERY per recipient: stat=Sent... -> sent, Deferred... or
 *         a 4.x.x dsn -> deferred, anything else (User unknown, Service
 *         unavailable, ...) -> bounced; stat=queued (queue-only delivery mode,
 *         not an attempt) is EV_OTHER. delay= "[D+]HH:MM:SS" -> seconds.
 *         reply_text = the stat= text; reply_code from "Deferred: 421 ..." or
 *         a reply= field when present. local = the mailer delivers on this
 *         host (local, lmtp, cyrus, cyrusv2, procmail, maildrop, *file*, prog);
 *         a local delivery without relay= gets relay_host = the mailer name.
 *   ruleset=check_*, arg1=, relay=, reject=550 5.7.1 ...   EV_REJECT (DLV_REJECTED):
 *         check_rcpt -> recipient = arg1, check_mail -> sender = arg1, client
 *         from relay=; a ruleset line without reject= (discard, quarantine) is EV_OTHER.
 *   Milter: ..., reject=... / milter=..., reject=...         EV_REJECT
 *   NEWQID: DSN: ... (also "return to sender:", "postmaster notify:")
 *         EV_DSN (text = the body); a DSN for "Cannot send message for N
 *         days" adds EV_EXPIRED (DLV_EXPIRED), once per message.
 *   AUTH=server, relay=, authid=u, mech=    EV_AUTH (sasl_user, client)
 *   SYSERR..., AUTH failure ..., WARNING:   EV_WARNING (client from relay= when present)
 *   <addr>... User unknown                  EV_OTHER (recipient; the same words
 *         appear for an RCPT refusal and before a bounce, so not a delivery)
 * Everything else (STARTTLS=, lost input channel, did not issue MAIL, clone,
 * daemon starts, AUTH=client) is LINE_IGNORED. Relay host names lose their
 * trailing dot ("mx.example.com." -> "mx.example.com"); "[IPv6:..]" loses
 * "IPv6:". A to= line without stat= (cut) is LINE_BAD. Does NOT read the
 * queue files or the statistics file, only syslog lines. */
#include "logs/logfmt.h"
#include "logs/smtpreply.h"
#include "logs/syslog.h"

#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/xalloc.h"

#define STARTS(s, e, lit)                                                                          \
    ((size_t)((e) - (s)) >= sizeof(lit) - 1 && memcmp((s), (lit), sizeof(lit) - 1) == 0)
#define QID_MAX 32
#define W(lit) (lit), (sizeof(lit) - 1) /* a table word and its length */

struct sm_state {
    struct syslog_state sl;
};

struct sm_line {
    arena *a;
    const struct syslog_line *ln;
    log_emit_fn emit;
    void *ctx;
    struct log_event base;
    bool base_ready;
    const char *qid;
};

struct kv {
    const char *k, *ke, *v, *ve; /* v == ve for a word without '=' ("data") */
};

static const char *dup(arena *a, const char *s, const char *e)
{
    return arena_strndup(a, s, (size_t)(e - s));
}

static bool key_is(const struct kv *kv, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(kv->ke - kv->k) == n && memcmp(kv->k, lit, n) == 0;
}

static void ev_start(struct sm_line *L, struct log_event *ev, enum log_kind kind)
{
    if (!L->base_ready) {
        log_event_init(&L->base);
        syslog_fill_event(L->ln, L->a, &L->base);
        L->base_ready = true;
    }
    *ev = L->base;
    ev->kind = kind;
    ev->queue_id = L->qid;
}

static bool is_key_char(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

/* Does a "key=" start at s? */
static bool key_at(const char *s, const char *e)
{
    const char *q = s;
    while (q < e && is_key_char((unsigned char)*q))
        q++;
    return q > s && q < e && *q == '=';
}

/* The next ", " at or after s that is followed by "key=", or e. */
static const char *field_end(const char *s, const char *e)
{
    /* values are short: a plain loop beats a memchr call per comma */
    for (const char *q = s; q + 1 < e; q++)
        if (q[0] == ',' && q[1] == ' ' && key_at(q + 2, e)) return q;
    return e;
}

/* The next field of a ", "-separated "key=value" list at *s. stat= and
 * reject= run to the end of the line (their text may hold ", x="). */
static bool next_kv(const char **s, const char *e, struct kv *kv)
{
    const char *q = *s;
    while (q < e && (*q == ' ' || *q == ','))
        q++;
    if (q >= e) return false;
    kv->k = q;
    while (q < e && is_key_char((unsigned char)*q))
        q++;
    kv->ke = q;
    if (q < e && *q == '=' && q > kv->k) {
        kv->v = q + 1;
        bool last = key_is(kv, "stat") || key_is(kv, "reject");
        kv->ve = last ? e : field_end(kv->v, e);
    } else {
        kv->ke = field_end(kv->k, e);
        kv->v = kv->ve = kv->ke;
    }
    *s = kv->ve;
    return true;
}

static void strip_angles(const char **s, const char **e)
{
    if (*e - *s >= 2 && **s == '<' && (*e)[-1] == '>') {
        (*s)++;
        (*e)--;
    }
}

/* relay= "host [ip]", "[ip]", "host", "user@host [ip] (may be forged)",
 * "[IPv6:2001:db8::1]" */
static void parse_relay(arena *a, const char *v, const char *ve, const char **host, const char **ip)
{
    const char *lb = memchr(v, '[', (size_t)(ve - v)), *he = lb ? lb : ve;
    while (he > v && he[-1] == ' ')
        he--;
    if (he > v && he[-1] == '.') he--;
    *host = he > v ? dup(a, v, he) : NULL;
    *ip = NULL;
    if (lb) {
        const char *rb = memchr(lb, ']', (size_t)(ve - lb));
        const char *is = lb + 1;
        if (rb && STARTS(is, rb, "IPv6:")) is += 5;
        if (rb && rb > is) *ip = dup(a, is, rb);
    }
}

/* "[D+]HH:MM:SS" -> seconds, -1 when malformed. */
static double parse_delay(const char *s, const char *e)
{
    long days = 0, part = 0, acc = 0;
    int colons = 0;
    bool digits = false;
    for (; s < e; s++) {
        unsigned char c = (unsigned char)*s;
        if (ch_is_digit(c)) {
            if (part > 10000000) return -1;
            part = part * 10 + (c - '0');
            digits = true;
        } else if (c == '+' && colons == 0 && digits) {
            days = part;
            part = 0;
            digits = false;
        } else if (c == ':' && digits && colons < 2) {
            acc = acc * 60 + part;
            part = 0;
            colons++;
            digits = false;
        } else {
            return -1;
        }
    }
    if (!digits || colons != 2) return -1;
    return (double)(days * 86400 + acc * 60 + part);
}

static long long parse_count(const char *s, const char *e)
{
    long long v = 0;
    if (s == e) return -1;
    for (; s < e; s++) {
        if (!ch_is_digit((unsigned char)*s) || v > 100000000000000LL) return -1;
        v = v * 10 + (*s - '0');
    }
    return v;
}

static void set_reply(arena *a, struct log_event *ev, const char *s, const char *e)
{
    struct slice dsn;
    smtp_reply_parse(s, (size_t)(e - s), &ev->reply_code, &dsn);
    if (dsn.len && !ev->dsn) ev->dsn = dup(a, dsn.p, dsn.p + dsn.len);
    ev->reply_text = s < e ? dup(a, s, e) : NULL;
}

static enum line_rc emit_one(struct sm_line *L, const struct log_event *ev)
{
    L->emit(L->ctx, ev);
    return LINE_EVENT;
}

typedef enum line_rc (*handler_fn)(struct sm_line *L, const char *s, const char *e);

static enum line_rc on_from(struct sm_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_QUEUED);
    struct kv kv;
    const char *q = s;
    while (next_kv(&q, e, &kv)) {
        const char *v = kv.v, *ve = kv.ve;
        if (key_is(&kv, "from")) {
            strip_angles(&v, &ve);
            ev.sender = dup(L->a, v, ve);
        } else if (key_is(&kv, "size")) {
            ev.size = parse_count(v, ve);
        } else if (key_is(&kv, "nrcpts")) {
            long long n = parse_count(v, ve);
            ev.nrcpt = n >= 0 && n < 1000000000 ? (int)n : -1;
        } else if (key_is(&kv, "msgid")) {
            strip_angles(&v, &ve);
            ev.message_id = dup(L->a, v, ve);
        } else if (key_is(&kv, "relay")) {
            parse_relay(L->a, v, ve, &ev.client_name, &ev.client_ip);
        }
    }
    if (ev.nrcpt == 0) {
        ev.kind = EV_OTHER;
        ev.text = dup(L->a, s, e);
    }
    return emit_one(L, &ev);
}

static bool is_local_mailer(const char *v, const char *ve)
{
    static const char *const names[] = {"local",    "lmtp",     "cyrus",  "cyrusv2",
                                        "procmail", "maildrop", "*file*", "prog"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t n = strlen(names[i]);
        if ((size_t)(ve - v) == n && memcmp(v, names[i], n) == 0) return true;
    }
    return false;
}

static enum line_rc on_to(struct sm_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_DELIVERY);
    struct kv kv, to = {0}, mailer = {0};
    const char *q = s, *stat = NULL, *stat_e = NULL;
    bool have_relay = false;
    while (next_kv(&q, e, &kv)) {
        const char *v = kv.v, *ve = kv.ve;
        if (key_is(&kv, "to"))
            to = kv;
        else if (key_is(&kv, "delay"))
            ev.delay = parse_delay(v, ve);
        else if (key_is(&kv, "mailer"))
            mailer = kv;
        else if (key_is(&kv, "relay")) {
            parse_relay(L->a, v, ve, &ev.relay_host, &ev.relay_ip);
            have_relay = true;
        } else if (key_is(&kv, "dsn")) {
            if (smtp_dsn_len(v, (size_t)(ve - v)) == (size_t)(ve - v)) ev.dsn = dup(L->a, v, ve);
        } else if (key_is(&kv, "reply")) {
            struct slice d;
            smtp_reply_parse(v, (size_t)(ve - v), &ev.reply_code, &d);
        } else if (key_is(&kv, "stat")) {
            stat = v;
            stat_e = ve;
        }
    }
    if (!stat || !to.v) return LINE_BAD;
    if (mailer.v && is_local_mailer(mailer.v, mailer.ve)) {
        ev.local = true;
        if (!have_relay) ev.relay_host = dup(L->a, mailer.v, mailer.ve);
    }
    ev.reply_text = stat < stat_e ? dup(L->a, stat, stat_e) : NULL;
    if (STARTS(stat, stat_e, "Sent")) {
        ev.status = DLV_SENT;
    } else if (STARTS(stat, stat_e, "Deferred")) {
        ev.status = DLV_DEFERRED;
        if (STARTS(stat, stat_e, "Deferred: ") && ev.reply_code == 0) {
            struct slice d;
            smtp_reply_parse(stat + 10, (size_t)(stat_e - stat - 10), &ev.reply_code, &d);
        }
    } else if (STARTS(stat, stat_e, "queued")) {
        ev.kind = EV_OTHER;
        ev.text = dup(L->a, s, e);
    } else {
        ev.status = ev.dsn && ev.dsn[0] == '4' ? DLV_DEFERRED : DLV_BOUNCED;
    }
    /* one event per recipient: "<a>,<b>" or "a,b"; commas inside <> or "" do not split */
    const char *r = to.v;
    int n = 0;
    while (r < to.ve) {
        const char *re = r;
        int depth = 0;
        bool quoted = false;
        for (; re < to.ve; re++) {
            char c = *re;
            if (c == '"')
                quoted = !quoted;
            else if (!quoted && c == '<')
                depth++;
            else if (!quoted && c == '>' && depth > 0)
                depth--;
            else if (!quoted && depth == 0 && c == ',')
                break;
        }
        const char *a = r, *ae = re;
        strip_angles(&a, &ae);
        if (ae > a) {
            struct log_event one = ev;
            one.recipient = dup(L->a, a, ae);
            L->emit(L->ctx, &one);
            n++;
        }
        r = re < to.ve ? re + 1 : to.ve;
    }
    return n ? LINE_EVENT : LINE_BAD;
}

static enum line_rc on_ruleset(struct sm_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_REJECT);
    struct kv kv, arg1 = {0}, ruleset = {0};
    const char *q = s;
    bool rejected = false;
    while (next_kv(&q, e, &kv)) {
        if (key_is(&kv, "ruleset"))
            ruleset = kv;
        else if (key_is(&kv, "arg1"))
            arg1 = kv;
        else if (key_is(&kv, "relay"))
            parse_relay(L->a, kv.v, kv.ve, &ev.client_name, &ev.client_ip);
        else if (key_is(&kv, "to") || key_is(&kv, "from")) {
            const char *v = kv.v, *ve = kv.ve;
            strip_angles(&v, &ve);
            if (kv.k[0] == 't')
                ev.recipient = dup(L->a, v, ve);
            else
                ev.sender = dup(L->a, v, ve);
        } else if (key_is(&kv, "reject")) {
            set_reply(L->a, &ev, kv.v, kv.ve);
            rejected = true;
        }
    }
    if (arg1.v && ruleset.v) {
        const char *v = arg1.v, *ve = arg1.ve;
        strip_angles(&v, &ve);
        if (STARTS(ruleset.v, ruleset.ve, "check_rcpt"))
            ev.recipient = dup(L->a, v, ve);
        else if (STARTS(ruleset.v, ruleset.ve, "check_mail"))
            ev.sender = dup(L->a, v, ve);
    }
    if (rejected) {
        ev.status = DLV_REJECTED;
    } else {
        ev.kind = EV_OTHER;
        ev.text = dup(L->a, s, e);
    }
    return emit_one(L, &ev);
}

static enum line_rc on_milter(struct sm_line *L, const char *s, const char *e)
{
    if (!memmem(s, (size_t)(e - s), "reject=", 7)) return LINE_IGNORED;
    const char *q = STARTS(s, e, "Milter: ") ? s + 8 : s;
    return on_ruleset(L, q, e);
}

static enum line_rc on_auth(struct sm_line *L, const char *s, const char *e)
{
    if (!STARTS(s, e, "AUTH=server")) return LINE_IGNORED;
    struct log_event ev;
    ev_start(L, &ev, EV_AUTH);
    struct kv kv;
    const char *q = s;
    while (next_kv(&q, e, &kv)) {
        if (key_is(&kv, "relay"))
            parse_relay(L->a, kv.v, kv.ve, &ev.client_name, &ev.client_ip);
        else if (key_is(&kv, "authid"))
            ev.sasl_user = dup(L->a, kv.v, kv.ve);
    }
    return emit_one(L, &ev);
}

static enum line_rc on_warning(struct sm_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_WARNING);
    ev.text = dup(L->a, s, e);
    const char *r = memmem(s, (size_t)(e - s), "relay=", 6);
    if (r && (r == s || r[-1] == ' ')) {
        const char *re = field_end(r + 6, e);
        parse_relay(L->a, r + 6, re, &ev.client_name, &ev.client_ip);
    }
    return emit_one(L, &ev);
}

/* "<addr>... User unknown" */
static enum line_rc on_addr_note(struct sm_line *L, const char *s, const char *e)
{
    const char *d = memmem(s, (size_t)(e - s), ">... ", 5);
    if (!d) return LINE_IGNORED;
    struct log_event ev;
    ev_start(L, &ev, EV_OTHER);
    ev.recipient = dup(L->a, s + 1, d);
    ev.text = dup(L->a, s, e);
    return emit_one(L, &ev);
}

static const struct {
    const char *word;
    size_t len;
    handler_fn fn;
} handlers[] = {
    {W("from="), on_from},        {W("to="), on_to},
    {W("ruleset="), on_ruleset},  {W("Milter"), on_milter},
    {W("milter="), on_milter},    {W("AUTH="), on_auth},
    {W("SYSERR"), on_warning},    {W("AUTH failure"), on_warning},
    {W("WARNING: "), on_warning}, {W("<"), on_addr_note},
};

/* A Sendmail queue id (alphanumeric, 6..32 characters with at least one
 * digit: "q31A0AbC012345") followed by ": ". */
static size_t qid_len(const char *s, const char *e)
{
    size_t n = 0;
    bool digit = false;
    while (s + n < e && n <= QID_MAX && ch_is_alnum((unsigned char)s[n])) {
        if (ch_is_digit((unsigned char)s[n])) digit = true;
        n++;
    }
    if (n < 6 || n > QID_MAX || !digit || !STARTS(s + n, e, ": ")) return 0;
    return n;
}

static bool is_sendmail(const struct syslog_line *ln)
{
    const char *p = ln->program.p;
    size_t n = ln->program.len;
    return (n == 8 && memcmp(p, "sendmail", 8) == 0) || (n == 6 && memcmp(p, "sm-mta", 6) == 0) ||
           (n == 12 && memcmp(p, "sm-msp-queue", 12) == 0);
}

static enum line_rc sm_line(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                            void *ctx)
{
    struct sm_state *st = state;
    struct syslog_line ln;
    enum syslog_rc rc = syslog_parse(&st->sl, p, len, &ln);
    if (rc == SYSLOG_BAD) return syslog_is_filler(p, len) ? LINE_FOREIGN : LINE_BAD;
    if (rc == SYSLOG_NOTAG || !is_sendmail(&ln)) return LINE_FOREIGN;
    const char *s = ln.msg.p, *e = ln.msg.p + ln.msg.len;
    if (memchr(s, '\0', ln.msg.len)) return LINE_BAD;

    struct sm_line L = {.a = a, .ln = &ln, .emit = emit, .ctx = ctx};
    size_t n;
    if (STARTS(s, e, "NOQUEUE: ")) {
        s += 9;
    } else if ((n = qid_len(s, e)) != 0) {
        L.qid = dup(a, s, s + n);
        s += n + 2;
        size_t n2 = qid_len(s, e);
        if (n2) { /* "QID: NEWQID: DSN: ..." */
            struct log_event ev;
            ev_start(&L, &ev, EV_DSN);
            ev.text = dup(a, s, e);
            emit(ctx, &ev);
            if (memmem(s, (size_t)(e - s), "Cannot send message for", 23)) {
                ev_start(&L, &ev, EV_EXPIRED);
                ev.status = DLV_EXPIRED;
                ev.text = dup(a, s + n2 + 2, e);
                emit(ctx, &ev);
            }
            return LINE_EVENT;
        }
    }
    for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
        if ((size_t)(e - s) >= handlers[i].len && memcmp(s, handlers[i].word, handlers[i].len) == 0)
            return handlers[i].fn(&L, s, e);
    return LINE_IGNORED;
}

static int sm_sniff(const char *head, size_t len)
{
    return syslog_sniff(head, len, is_sendmail);
}

static void *sm_open(const struct log_opts *opts)
{
    struct sm_state *st = xcalloc(1, sizeof *st);
    syslog_state_init(&st->sl, opts);
    return st;
}

static void sm_close(void *state)
{
    free(state);
}

const struct log_format log_format_sendmail = {
    .mta = MTA_SENDMAIL,
    .name = "sendmail",
    .sniff = sm_sniff,
    .open = sm_open,
    .close = sm_close,
    .line = sm_line,
};
