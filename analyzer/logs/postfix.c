/* postfix — Postfix lines in a syslog file (classic, RFC 3339 or journalctl
 * short-iso prefixes, see syslog.c) turned into log events.
 *
 * A line is Postfix's when its program tag contains "postfix" (postfix/smtpd,
 * postfix/submission/smtpd, postfix-out/smtp, ...); every other program's
 * line is LINE_FOREIGN. The daemon is the last component of the tag. The
 * message is dispatched on its content, not on the daemon, through two
 * tables (with a queue id / NOQUEUE, and without), so renamed services
 * (syslog_name=postfix/relay) work:
 *   connect from h[ip]                       EV_CONNECT
 *   disconnect from h[ip] ehlo=1 ...         EV_DISCONNECT (text = the command counts)
 *   QID: client=h[ip][, sasl_method=, sasl_username=]  EV_CLIENT (sasl_user)
 *   QID: uid=N from=<a> (pickup)             EV_CLIENT (sender; no client address)
 *   QID|NOQUEUE: reject:|milter-reject: STAGE from h[ip]: REPLY; from=<> to=<> proto= helo=<>
 *                                            EV_REJECT, DLV_REJECTED (smtpd, postscreen,
 *                                            cleanup "header/body ... ; from=<..>: REPLY")
 *   reject_warning:, QID: warning:, warning:/fatal:/panic:/error:   EV_WARNING
 *   hold:, discard:, filter:, redirect:, milter-hold/-discard       EV_OTHER (fields, text)
 *   QID: message-id=<id>                     EV_MSGID (id without <>)
 *   QID: from=<a>, size=N, nrcpt=N           EV_QUEUED
 *   QID: from=<a>, status=expired, returned to sender   EV_EXPIRED, DLV_EXPIRED
 *   QID: to=<b>, [orig_to=<c>,] relay=, delay=, delays=, dsn=, status=X (text)
 *                                            EV_DELIVERY sent/deferred/bounced
 *                                            (SOFTBOUNCE = deferred; address-verification
 *                                            probes deliverable/undeliverable = EV_OTHER)
 *   QID: sender|postmaster ... notification: NEWQID     EV_DSN (text says which, and NEWQID)
 *   QID: removed                             EV_REMOVED
 *   QID: host h[ip] said: ... / lost connection with / conversation with
 *                                            EV_OTHER (an intermediate reply, before the
 *                                            next MX is tried; the status line follows)
 *   postscreen PREGREET, DNSBL rank, BARE NEWLINE, COMMAND PIPELINING, NON-SMTP
 *   COMMAND, DENYLISTED/BLACKLISTED; smtpd lost connection / timeout / too many
 *   errors                                   EV_OTHER (client, text)
 * Everything else of Postfix (anvil/scache statistics, TLS chatter, postscreen
 * CONNECT/PASS/DISCONNECT — smtpd logs its own connect for passed clients —,
 * master start/reload) is LINE_IGNORED.
 * Decisions: session_id is the smtpd/postscreen pid (as text) on every event
 * of those daemons; reply_text is the reply as logged (whole parenthesised
 * text of a delivery, whole reply incl. code of a reject); reply_code comes
 * from the reply ("said: 550 ...", "refused to talk to me: 421 ...", or the
 * text's start), the delivery's dsn from dsn=; relay=none gives relay_host
 * NULL; "local" is true for the local and virtual delivery agents, and for
 * lmtp to a unix socket (relay=host[private/dovecot-lmtp]) or a loopback
 * address — pipe (dovecot-lda, content filters) is not local.
 * A delivery line without status= (truncated) and a connect/client line
 * without host[ip] are LINE_BAD. No correlation state: the caller joins
 * events by queue id. Does NOT read Postfix's own maillog_file format
 * (postlogd), which has a different prefix. */
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

struct pf_state {
    struct syslog_state sl;
};

/* One line being parsed. */
struct pf_line {
    arena *a;
    const struct syslog_line *ln;
    struct slice daemon;
    log_emit_fn emit;
    void *ctx;
    struct log_event base; /* prefix fields, filled on first use */
    bool base_ready;
    const char *qid; /* NULL for NOQUEUE / none */
};

struct hostaddr {
    const char *host, *host_e, *ip, *ip_e;
    int port;
};

static const char *dup(arena *a, const char *s, const char *e)
{
    return arena_strndup(a, s, (size_t)(e - s));
}

static void ev_start(struct pf_line *L, struct log_event *ev, enum log_kind kind)
{
    if (!L->base_ready) {
        log_event_init(&L->base);
        syslog_fill_event(L->ln, L->a, &L->base);
        if ((L->daemon.len == 5 && memcmp(L->daemon.p, "smtpd", 5) == 0) ||
            (L->daemon.len == 10 && memcmp(L->daemon.p, "postscreen", 10) == 0))
            L->base.session_id = L->ln->pid_text.len ? dup(L->a, L->ln->pid_text.p,
                                                           L->ln->pid_text.p + L->ln->pid_text.len)
                                                     : NULL;
        L->base_ready = true;
    }
    *ev = L->base;
    ev->kind = kind;
    ev->queue_id = L->qid;
}

static enum line_rc ev_emit(struct pf_line *L, const struct log_event *ev)
{
    L->emit(L->ctx, ev);
    return LINE_EVENT;
}

static bool is_ip_like(const char *s, const char *e)
{
    bool sep = false;
    if (s == e) return false;
    for (; s < e; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '.' || c == ':')
            sep = true;
        else if (!ch_is_xdigit(c))
            return false;
    }
    return sep;
}

/* "name[addr]" or "name[addr]:port" at s (name may be empty, has no space).
 * Returns the first byte after it, or NULL. */
static const char *parse_hostaddr(const char *s, const char *e, struct hostaddr *h)
{
    const char *lb = memchr(s, '[', (size_t)(e - s));
    if (!lb || memchr(s, ' ', (size_t)(lb - s))) return NULL;
    const char *rb = memchr(lb + 1, ']', (size_t)(e - lb - 1));
    if (!rb) return NULL;
    h->host = s;
    h->host_e = lb;
    h->ip = lb + 1;
    h->ip_e = rb;
    h->port = 0;
    const char *q = rb + 1;
    if (q + 1 < e && *q == ':' && ch_is_digit((unsigned char)q[1])) {
        int port = 0;
        q++;
        while (q < e && ch_is_digit((unsigned char)*q)) {
            if (port < 100000) port = port * 10 + (*q - '0');
            q++;
        }
        h->port = port <= 65535 ? port : 0;
    }
    return q;
}

static void set_client(arena *a, struct log_event *ev, const struct hostaddr *h)
{
    ev->client_name = h->host < h->host_e ? dup(a, h->host, h->host_e) : NULL;
    ev->client_ip = h->ip < h->ip_e ? dup(a, h->ip, h->ip_e) : NULL;
}

/* The '>' closing a "<value" that starts at v. */
static const char *angle_end(const char *v, const char *e)
{
    const char *q = v;
    while (q < e && (q = memchr(q, '>', (size_t)(e - q))) != NULL) {
        if (q + 1 == e || q[1] == ' ' || q[1] == ',' || q[1] == ':') return q;
        q++;
    }
    return NULL;
}

/* The next ", " in [s,e), or NULL (memchr for the comma: cheaper than memmem). */
static const char *find_comma_sp(const char *s, const char *e)
{
    while (s < e && (s = memchr(s, ',', (size_t)(e - s))) != NULL) {
        if (s + 1 < e && s[1] == ' ') return s;
        s++;
    }
    return NULL;
}

/* Hand-written "12.34" -> seconds; -1 when not a number. */
static double parse_decimal(const char *s, const char *e)
{
    double v = 0, scale = 1;
    bool any = false, frac = false;
    for (; s < e; s++) {
        if (*s == '.' && !frac) {
            frac = true;
            continue;
        }
        if (!ch_is_digit((unsigned char)*s)) return -1;
        any = true;
        if (frac) {
            scale /= 10;
            v += (*s - '0') * scale;
        } else {
            v = v * 10 + (*s - '0');
        }
    }
    return any ? v : -1;
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

/* Where "; from=<...> to=<...> proto=... helo=<...>" starts (the ';'), or e. */
static const char *meta_start(const char *s, const char *e)
{
    const char *q = s;
    while (q < e && (q = memchr(q, ';', (size_t)(e - q))) != NULL) {
        const char *r = q + 1;
        if (r == e || STARTS(r, e, " from=<") || STARTS(r, e, " to=<") || STARTS(r, e, " proto=") ||
            STARTS(r, e, " helo=<"))
            return q;
        q++;
    }
    return e;
}

/* The fields after meta_start (smtpd: spaces between, postscreen: ", ").
 * Returns where they end. */
static const char *parse_meta(arena *a, const char *s, const char *e, struct log_event *ev)
{
    for (;;) {
        while (s < e && (*s == ' ' || *s == ','))
            s++;
        const char **dst = NULL;
        size_t skip = 0;
        if (STARTS(s, e, "from=<")) {
            dst = &ev->sender;
            skip = 6;
        } else if (STARTS(s, e, "to=<")) {
            dst = &ev->recipient;
            skip = 4;
        } else if (STARTS(s, e, "helo=<")) {
            dst = &ev->helo;
            skip = 6;
        } else if (STARTS(s, e, "proto=")) {
            s += 6;
            while (s < e && *s != ' ' && *s != ',' && *s != ':')
                s++;
            continue;
        } else {
            return s;
        }
        const char *v = s + skip, *ve = angle_end(v, e);
        if (!ve) return s;
        *dst = dup(a, v, ve);
        s = ve + 1;
    }
}

static void set_reply(arena *a, struct log_event *ev, const char *s, const char *e)
{
    struct slice dsn;
    smtp_reply_parse(s, (size_t)(e - s), &ev->reply_code, &dsn);
    if (dsn.len) ev->dsn = dup(a, dsn.p, dsn.p + dsn.len);
    ev->reply_text = s < e ? dup(a, s, e) : NULL;
}

/* The part after "ACTION: ":
 *   smtpd/postscreen  "STAGE from h[ip]: REPLY; from=<a> to=<b> proto=P helo=<h>"
 *   cleanup           "header|body TEXT from h[ip]; from=<a> to=<b> proto=P helo=<h>: REPLY" */
static bool parse_action(arena *a, const char *s, const char *e, struct log_event *ev)
{
    const char *sp = memchr(s, ' ', (size_t)(e - s));
    if (!sp || sp == s) return false;
    struct hostaddr h;
    if (!STARTS(s, e, "header ") && !STARTS(s, e, "body ") && STARTS(sp, e, " from ")) {
        const char *q = parse_hostaddr(sp + 6, e, &h);
        if (!q || !STARTS(q, e, ": ")) return false;
        set_client(a, ev, &h);
        q += 2;
        const char *m = meta_start(q, e);
        set_reply(a, ev, q, m);
        if (m < e) parse_meta(a, m + 1, e, ev);
        return true;
    }
    const char *m = meta_start(sp, e);
    if (m == e) return false;
    /* the client is the "h[ip]" just before the ';' */
    const char *lb = memrchr(sp, '[', (size_t)(m - sp));
    if (lb) {
        const char *hs = memrchr(sp, ' ', (size_t)(lb - sp));
        if (hs && parse_hostaddr(hs + 1, m, &h) == m) set_client(a, ev, &h);
    }
    const char *q = parse_meta(a, m + 1, e, ev);
    if (STARTS(q, e, ": ")) set_reply(a, ev, q + 2, e);
    return true;
}

/* ---- handlers of "QID: ..." bodies ---------------------------------- */

typedef enum line_rc (*handler_fn)(struct pf_line *L, const char *s, const char *e);

static const struct {
    const char *word;
    size_t len;
    enum log_kind kind;
} actions[] = {
    {W("reject: "), EV_REJECT},
    {W("milter-reject: "), EV_REJECT},
    {W("reject_warning: "), EV_WARNING},
    {W("warning: "), EV_WARNING},
    {W("hold: "), EV_OTHER},
    {W("milter-hold: "), EV_OTHER},
    {W("discard: "), EV_OTHER},
    {W("milter-discard: "), EV_OTHER},
    {W("filter: "), EV_OTHER},
    {W("redirect: "), EV_OTHER},
};

static enum line_rc on_action(struct pf_line *L, const char *s, const char *e)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if ((size_t)(e - s) < actions[i].len || memcmp(s, actions[i].word, actions[i].len) != 0)
            continue;
        struct log_event ev;
        ev_start(L, &ev, actions[i].kind);
        bool ok = parse_action(L->a, s + actions[i].len, e, &ev);
        if (actions[i].kind == EV_REJECT) {
            if (!ok) return LINE_BAD;
            ev.status = DLV_REJECTED;
        } else {
            ev.text = dup(L->a, s, e);
        }
        return ev_emit(L, &ev);
    }
    return LINE_IGNORED;
}

static enum line_rc on_client(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    struct hostaddr h;
    ev_start(L, &ev, EV_CLIENT);
    const char *q = parse_hostaddr(s + 7, e, &h);
    if (!q) return LINE_BAD;
    set_client(L->a, &ev, &h);
    while (STARTS(q, e, ", ")) {
        q += 2;
        const char *ve = find_comma_sp(q, e);
        if (!ve) ve = e;
        if (STARTS(q, ve, "sasl_username=")) ev.sasl_user = dup(L->a, q + 14, ve);
        q = ve;
    }
    return ev_emit(L, &ev);
}

static enum line_rc on_pickup(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_CLIENT);
    const char *f = memmem(s, (size_t)(e - s), " from=<", 7);
    if (f) {
        const char *ve = angle_end(f + 7, e);
        if (ve) ev.sender = dup(L->a, f + 7, ve);
    }
    ev.text = dup(L->a, s, e);
    return ev_emit(L, &ev);
}

static enum line_rc on_msgid(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_MSGID);
    s += 11;
    if (e - s >= 2 && *s == '<' && e[-1] == '>') {
        s++;
        e--;
    }
    ev.message_id = dup(L->a, s, e);
    return ev_emit(L, &ev);
}

/* qmgr: "from=<a>, size=N, nrcpt=N (queue active)" or "from=<a>, status=expired, ..." */
static enum line_rc on_qmgr_from(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_QUEUED);
    const char *ve = angle_end(s + 6, e);
    if (!ve) return LINE_BAD;
    ev.sender = dup(L->a, s + 6, ve);
    const char *q = ve + 1;
    bool any = false;
    while (STARTS(q, e, ", ")) {
        q += 2;
        const char *fe = find_comma_sp(q, e);
        if (!fe) fe = e;
        if (STARTS(q, fe, "size=")) {
            ev.size = parse_count(q + 5, fe);
            any = true;
        } else if (STARTS(q, fe, "nrcpt=")) {
            const char *ne = q + 6;
            while (ne < fe && ch_is_digit((unsigned char)*ne))
                ne++;
            long long n = parse_count(q + 6, ne);
            ev.nrcpt = n >= 0 && n < 1000000000 ? (int)n : -1;
            any = true;
        } else if (STARTS(q, fe, "status=expired")) {
            ev.kind = EV_EXPIRED;
            ev.status = DLV_EXPIRED;
            return ev_emit(L, &ev);
        }
        q = fe;
    }
    if (!any) {
        ev.kind = EV_OTHER;
        ev.text = dup(L->a, s, e);
    }
    return ev_emit(L, &ev);
}

static const struct {
    const char *word;
    size_t len;
    enum dlv_status status;
    enum log_kind kind;
} statuses[] = {
    {W("sent"), DLV_SENT, EV_DELIVERY},       {W("deferred"), DLV_DEFERRED, EV_DELIVERY},
    {W("bounced"), DLV_BOUNCED, EV_DELIVERY}, {W("SOFTBOUNCE"), DLV_DEFERRED, EV_DELIVERY},
    {W("expired"), DLV_EXPIRED, EV_DELIVERY}, {W("deliverable"), DLV_NONE, EV_OTHER},
    {W("undeliverable"), DLV_NONE, EV_OTHER},
};

static bool is_loopback(const char *s, const char *e)
{
    return STARTS(s, e, "127.") || (e - s == 3 && memcmp(s, "::1", 3) == 0);
}

static void set_relay(struct pf_line *L, struct log_event *ev, const char *v, const char *ve)
{
    struct hostaddr h;
    if (ve - v == 4 && memcmp(v, "none", 4) == 0) return;
    if (parse_hostaddr(v, ve, &h)) {
        ev->relay_host = h.host < h.host_e ? dup(L->a, h.host, h.host_e) : NULL;
        bool ip = is_ip_like(h.ip, h.ip_e);
        if (ip) ev->relay_ip = dup(L->a, h.ip, h.ip_e);
        ev->relay_port = h.port;
        if (L->daemon.len == 4 && memcmp(L->daemon.p, "lmtp", 4) == 0)
            ev->local = !ip || is_loopback(h.ip, h.ip_e);
    } else {
        ev->relay_host = dup(L->a, v, ve);
    }
}

/* "to=<b>, orig_to=<c>, relay=h[ip]:port, delay=, delays=, dsn=, status=X (text)" */
static enum line_rc on_delivery(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_DELIVERY);
    if ((L->daemon.len == 5 && memcmp(L->daemon.p, "local", 5) == 0) ||
        (L->daemon.len == 7 && memcmp(L->daemon.p, "virtual", 7) == 0))
        ev.local = true;
    const char *q = s;
    while (q < e) {
        const char *eq = memchr(q, '=', (size_t)(e - q));
        if (!eq) break;
        size_t klen = (size_t)(eq - q);
        const char *v = eq + 1, *ve;
        if (klen == 6 && memcmp(q, "status", 6) == 0) {
            const char *we = v;
            while (we < e && *we != ' ')
                we++;
            size_t i, n = sizeof statuses / sizeof statuses[0];
            for (i = 0; i < n; i++)
                if ((size_t)(we - v) == statuses[i].len &&
                    memcmp(v, statuses[i].word, statuses[i].len) == 0)
                    break;
            ev.kind = i < n ? statuses[i].kind : EV_OTHER;
            ev.status = i < n ? statuses[i].status : DLV_NONE;
            if (STARTS(we, e, " (")) {
                const char *ts = we + 2, *te = e;
                if (te > ts && te[-1] == ')') te--;
                ev.reply_text = dup(L->a, ts, te);
                const char *r = memmem(ts, (size_t)(te - ts), "said: ", 6);
                if (r)
                    r += 6;
                else if ((r = memmem(ts, (size_t)(te - ts), "to talk to me: ", 15)) != NULL)
                    r += 15;
                else
                    r = ts;
                struct slice dsn;
                smtp_reply_parse(r, (size_t)(te - r), &ev.reply_code, &dsn);
                if (!ev.dsn && dsn.len) ev.dsn = dup(L->a, dsn.p, dsn.p + dsn.len);
            }
            if (ev.kind == EV_OTHER) ev.text = dup(L->a, s, e);
            return ev_emit(L, &ev);
        }
        bool angle = v < e && *v == '<';
        if (angle) {
            ve = angle_end(v + 1, e);
            if (!ve) return LINE_BAD;
            ve++;
        } else {
            ve = find_comma_sp(v, e);
            if (!ve) ve = e;
        }
        switch (klen) {
        case 2:
            if (memcmp(q, "to", 2) == 0 && angle) ev.recipient = dup(L->a, v + 1, ve - 1);
            break;
        case 7:
            if (memcmp(q, "orig_to", 7) == 0 && angle) ev.orig_recipient = dup(L->a, v + 1, ve - 1);
            break;
        case 5:
            if (memcmp(q, "relay", 5) == 0)
                set_relay(L, &ev, v, ve);
            else if (memcmp(q, "delay", 5) == 0)
                ev.delay = parse_decimal(v, ve);
            break;
        case 3:
            if (memcmp(q, "dsn", 3) == 0 && smtp_dsn_len(v, (size_t)(ve - v)) == (size_t)(ve - v))
                ev.dsn = dup(L->a, v, ve);
            break;
        default:
            break;
        }
        if (!STARTS(ve, e, ", ")) break;
        q = ve + 2;
    }
    return LINE_BAD; /* no status= : cut or not a delivery line */
}

static enum line_rc on_removed(struct pf_line *L, const char *s, const char *e)
{
    if (e - s != 7) return LINE_IGNORED;
    struct log_event ev;
    ev_start(L, &ev, EV_REMOVED);
    return ev_emit(L, &ev);
}

/* "sender non-delivery notification: NEWQID" and its siblings */
static enum line_rc on_notification(struct pf_line *L, const char *s, const char *e)
{
    size_t scan = (size_t)(e - s) < 64 ? (size_t)(e - s) : 64;
    if (!memmem(s, scan, " notification: ", 15)) return LINE_IGNORED;
    struct log_event ev;
    ev_start(L, &ev, EV_DSN);
    ev.text = dup(L->a, s, e);
    return ev_emit(L, &ev);
}

/* smtp: "host h[ip] said: 421 ... (in reply to ...)", "lost connection with ...",
 * "conversation with ... timed out" before the next MX is tried */
static enum line_rc on_smtp_note(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_OTHER);
    const char *sp = memchr(s, ' ', (size_t)(e - s));
    if (STARTS(s, e, "host ") && sp) {
        struct hostaddr h;
        const char *q = parse_hostaddr(sp + 1, e, &h);
        if (q) {
            ev.relay_host = h.host < h.host_e ? dup(L->a, h.host, h.host_e) : NULL;
            if (is_ip_like(h.ip, h.ip_e)) ev.relay_ip = dup(L->a, h.ip, h.ip_e);
        }
        const char *r = memmem(s, (size_t)(e - s), "said: ", 6);
        if (r) set_reply(L->a, &ev, r + 6, e);
    }
    ev.text = dup(L->a, s, e);
    return ev_emit(L, &ev);
}

static const struct {
    const char *word;
    size_t len;
    handler_fn fn;
} qid_handlers[] = {
    {W("to=<"), on_delivery},
    {W("client="), on_client},
    {W("message-id="), on_msgid},
    {W("from=<"), on_qmgr_from},
    {W("removed"), on_removed},
    {W("sender "), on_notification},
    {W("postmaster "), on_notification},
    {W("uid="), on_pickup},
    {W("host "), on_smtp_note},
    {W("lost connection with "), on_smtp_note},
    {W("conversation with "), on_smtp_note},
};

/* ---- handlers of lines without a queue id ---------------------------- */

static enum line_rc on_connect(struct pf_line *L, const char *s, const char *e, enum log_kind kind,
                               size_t skip)
{
    struct log_event ev;
    struct hostaddr h;
    ev_start(L, &ev, kind);
    const char *q = parse_hostaddr(s + skip, e, &h);
    if (!q) return LINE_BAD;
    set_client(L->a, &ev, &h);
    if (kind == EV_DISCONNECT) {
        while (q < e && *q == ' ')
            q++;
        if (q < e) ev.text = dup(L->a, q, e);
    }
    return ev_emit(L, &ev);
}

static enum line_rc on_connect_from(struct pf_line *L, const char *s, const char *e)
{
    return on_connect(L, s, e, EV_CONNECT, 13);
}

static enum line_rc on_disconnect_from(struct pf_line *L, const char *s, const char *e)
{
    return on_connect(L, s, e, EV_DISCONNECT, 16);
}

static enum line_rc on_warning(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_WARNING);
    ev.text = dup(L->a, s, e);
    const char *t = memchr(s, ' ', (size_t)(e - s));
    struct hostaddr h;
    const char *q = t ? parse_hostaddr(t + 1, e, &h) : NULL;
    if (q && STARTS(q, e, ": ")) set_client(L->a, &ev, &h);
    return ev_emit(L, &ev);
}

/* smtpd "lost connection after DATA from h[ip]", postscreen "PREGREET 11
 * after 0.1 from [ip]:port: EHLO x", "DNSBL rank 3 for [ip]:port" ... */
static enum line_rc on_session_note(struct pf_line *L, const char *s, const char *e)
{
    struct log_event ev;
    ev_start(L, &ev, EV_OTHER);
    const char *f = memmem(s, (size_t)(e - s), " from ", 6);
    if (!f) f = memmem(s, (size_t)(e - s), " for ", 5);
    const char *b = f ? memchr(f + 1, ' ', (size_t)(e - f - 1)) : memchr(s, ' ', (size_t)(e - s));
    struct hostaddr h;
    if (b && parse_hostaddr(b + 1, e, &h)) set_client(L->a, &ev, &h);
    ev.text = dup(L->a, s, e);
    return ev_emit(L, &ev);
}

static const struct {
    const char *word;
    size_t len;
    handler_fn fn;
} plain_handlers[] = {
    {W("connect from "), on_connect_from},
    {W("disconnect from "), on_disconnect_from},
    {W("warning: "), on_warning},
    {W("fatal: "), on_warning},
    {W("panic: "), on_warning},
    {W("error: "), on_warning},
    {W("lost connection after "), on_session_note},
    {W("timeout after "), on_session_note},
    {W("too many errors after "), on_session_note},
    {W("PREGREET "), on_session_note},
    {W("DNSBL rank "), on_session_note},
    {W("BARE NEWLINE "), on_session_note},
    {W("COMMAND PIPELINING "), on_session_note},
    {W("NON-SMTP COMMAND "), on_session_note},
    {W("COMMAND TIME LIMIT "), on_session_note},
    {W("COMMAND COUNT LIMIT "), on_session_note},
    {W("COMMAND LENGTH LIMIT "), on_session_note},
    {W("BLACKLISTED "), on_session_note},
    {W("DENYLISTED "), on_session_note},
};

/* Length of a Postfix queue id at s followed by ':' (and a space or the
 * end): short ids are upper-case hex, long ids (enable_long_queue_ids) use
 * digits and consonants only, so "warning:" or "Deleted:" never match. */
static size_t qid_len(const char *s, const char *e)
{
    size_t n = 0;
    bool hex = true, vowel = false;
    while (s + n < e && n <= QID_MAX) {
        unsigned char c = (unsigned char)s[n];
        if (!ch_is_alnum(c)) break;
        if (!ch_is_digit(c) && !(c >= 'A' && c <= 'F')) hex = false;
        switch (c | 0x20) {
        case 'a':
        case 'e':
        case 'i':
        case 'o':
        case 'u':
            vowel = true;
            break;
        default:
            break;
        }
        n++;
    }
    if (n < 5 || n > QID_MAX || s + n >= e || s[n] != ':') return 0;
    if (s + n + 1 < e && s[n + 1] != ' ') return 0;
    if (!hex && (vowel || n < 10)) return 0;
    return n;
}

static bool is_postfix(const struct syslog_line *ln)
{
    const char *p = ln->program.p;
    size_t n = ln->program.len;
    for (size_t i = 0; i + 7 <= n; i++)
        if (p[i] == 'p' && memcmp(p + i, "postfix", 7) == 0) return true;
    return false;
}

static enum line_rc pf_line(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                            void *ctx)
{
    struct pf_state *st = state;
    struct syslog_line ln;
    enum syslog_rc rc = syslog_parse(&st->sl, p, len, &ln);
    if (rc == SYSLOG_BAD) return syslog_is_filler(p, len) ? LINE_FOREIGN : LINE_BAD;
    if (rc == SYSLOG_NOTAG || !is_postfix(&ln)) return LINE_FOREIGN;
    const char *s = ln.msg.p, *e = ln.msg.p + ln.msg.len;
    /* a NUL inside a line of ours: binary garbage (leading NULs were skipped) */
    if (memchr(s, '\0', ln.msg.len)) return LINE_BAD;

    struct pf_line L = {.a = a, .ln = &ln, .emit = emit, .ctx = ctx};
    const char *slash = memrchr(ln.program.p, '/', ln.program.len);
    L.daemon = slash
                   ? (struct slice){slash + 1, (size_t)(ln.program.p + ln.program.len - slash - 1)}
                   : ln.program;

    size_t n = qid_len(s, e);
    bool noqueue = STARTS(s, e, "NOQUEUE: ");
    if (n || noqueue) {
        if (noqueue)
            s += 9;
        else {
            L.qid = dup(a, s, s + n);
            s += n + 1;
            if (s < e) s++;
        }
        for (size_t i = 0; i < sizeof qid_handlers / sizeof qid_handlers[0]; i++)
            if (s < e && *s == qid_handlers[i].word[0] && (size_t)(e - s) >= qid_handlers[i].len &&
                memcmp(s, qid_handlers[i].word, qid_handlers[i].len) == 0)
                return qid_handlers[i].fn(&L, s, e);
        return on_action(&L, s, e);
    }
    for (size_t i = 0; i < sizeof plain_handlers / sizeof plain_handlers[0]; i++)
        if (s < e && *s == plain_handlers[i].word[0] && (size_t)(e - s) >= plain_handlers[i].len &&
            memcmp(s, plain_handlers[i].word, plain_handlers[i].len) == 0)
            return plain_handlers[i].fn(&L, s, e);
    return LINE_IGNORED;
}

static int pf_sniff(const char *head, size_t len)
{
    return syslog_sniff(head, len, is_postfix);
}

static void *pf_open(const struct log_opts *opts)
{
    struct pf_state *st = xcalloc(1, sizeof *st);
    syslog_state_init(&st->sl, opts);
    return st;
}

static void pf_close(void *state)
{
    free(state);
}

const struct log_format log_format_postfix = {
    .mta = MTA_POSTFIX,
    .name = "postfix",
    .sniff = pf_sniff,
    .open = pf_open,
    .close = pf_close,
    .line = pf_line,
};
