/* exim — Exim 4 mainlog lines into events (see logfmt.h, event.h).
 *
 * A line is "YYYY-MM-DD hh:mm:ss[.mmm][ +hhmm][ [pid]] " then either a
 * message id (old 6-6-2 base-62 form, or Exim 4.97's 6-11-4) and what
 * happened to that message, or a line about an SMTP session without an id.
 *   id <= sender ...      EV_QUEUED (sender, H= client, A= sasl user, S=,
 *                         id=, T= subject, "for" list -> nrcpt), plus one
 *                         EV_RCPT_ACCEPTED per "for" address when logged, and
 *                         EV_DSN for the original message when R=<id> says
 *                         this arrival is a bounce of it
 *   id => / -> / >> rcpt EV_DELIVERY sent (>> is a cut-through delivery)
 *   id ** rcpt ...: msg   EV_DELIVERY bounced; "retry timeout exceeded" expired
 *   id == rcpt ... defer  EV_DELIVERY deferred
 *   id *> rcpt            EV_OTHER (fake delivery under -N)
 *   id Completed          EV_REMOVED
 *   id Message is frozen / Frozen ...    EV_WARNING
 *   [id] H=.. F=<..> [temporarily] rejected RCPT|MAIL|after DATA|...: text
 *                         EV_REJECT, status rejected
 *   SMTP connection from .. / no MAIL in SMTP connection from ..
 *                         EV_CONNECT (opening line) / EV_DISCONNECT (lost,
 *                         closed by QUIT, D= summary)
 *   Connection from [ip] refused / refused connection from ..  EV_REJECT
 *   Start/End queue run, daemon started, TLS error chatter     LINE_IGNORED
 *   anything else with a valid stamp    EV_OTHER with the text
 *   no valid stamp                      LINE_BAD; empty line LINE_IGNORED
 * Fields: H=name (helo) [ip]:port (client on arrivals and rejections, relay
 * on deliveries; the reply after "[ip]:" on failures), R= router, T=
 * transport (subject on <=), C="..." confirmation, S= size, id=, A=auth:id,
 * U= local user, P= protocol (return path <..> on deliveries), F=<sender>,
 * DT=/QT= times (1d2h3m4.5s forms). Quoted values lose their \" and \\
 * escapes; other escapes (the literal \n between reply lines) are kept.
 * Decisions:
 *  - delay is QT= (time since arrival, like Postfix's delay=) when logged,
 *    else DT= (this attempt's delivery time).
 *  - A delivery without H= is local (appendfile, pipe, LMTP over a socket):
 *    local = true and relay_host = the transport name.
 *  - sasl_user is A='s authenticated id; for a local submission (P=local*)
 *    without A=, the U= login (the kernel authenticated that user).
 *  - "== .. defer (-53): retry time not reached .." and routing defers that
 *    say "retry time not reached" made no attempt: EV_OTHER, not a delivery.
 *  - "temporarily rejected" (an ACL defer) gets reply_code 451, Exim's code
 *    for defer; a plain "rejected" has no code in the log (0).
 *  - The reply of a failure is what follows "SMTP error from remote mail
 *    server after <command>: " (or "host NAME [IP]: " in older Exims);
 *    otherwise the whole message is the reply text with code 0.
 * Limits: lines are read in place, never past len; at most EXIM_MAX_FOR
 * "for" addresses are emitted per arrival. The syslog form of the mainlog
 * (log_file_path = syslog) and the reject/panic logs are not parsed. */
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#define EXIM_MAX_FOR 1000
#define SNIFF_LINES 20

struct exim_state {
    struct log_opts opts;
};

struct sl {
    const char *p;
    size_t len;
};

/* ---- small scanners ------------------------------------------------------ */

static int digits(const char *p, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ch_is_digit((unsigned char)p[i])) return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static bool starts(const char *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(p, lit, n) == 0;
}

static const char *find(const char *p, size_t len, const char *lit)
{
    return memmem(p, len, lit, strlen(lit));
}

static size_t skip_sp(const char *p, size_t len, size_t i)
{
    while (i < len && p[i] == ' ')
        i++;
    return i;
}

static char *dup(arena *a, struct sl s)
{
    return s.p ? arena_strndup(a, s.p, s.len) : NULL;
}

/* Copy a quoted value's inside, dropping the backslash of \" and \\. */
static char *dup_unquote(arena *a, const char *p, size_t n)
{
    char *out = arena_alloc(a, n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n && (p[i + 1] == '"' || p[i + 1] == '\\')) i++;
        out[o++] = p[i];
    }
    out[o] = '\0';
    return out;
}

/* An address in angle brackets loses them: "<a@b>" -> "a@b", "<>" -> "". */
static struct sl strip_angles(struct sl s)
{
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>')
        return (struct sl){s.p + 1, s.len - 2};
    return s;
}

/* "2025-04-01 10:00:00" at p: fills the civil time; false if not a stamp. */
static bool parse_stamp(const char *p, size_t len, int v[6])
{
    if (len < 19 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':')
        return false;
    v[0] = digits(p, 4);
    v[1] = digits(p + 5, 2);
    v[2] = digits(p + 8, 2);
    v[3] = digits(p + 11, 2);
    v[4] = digits(p + 14, 2);
    v[5] = digits(p + 17, 2);
    if (v[0] < 1970 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 || v[3] < 0 || v[3] > 23 ||
        v[4] < 0 || v[4] > 59 || v[5] < 0 || v[5] > 60)
        return false;
    return v[2] <= time_days_in_month(v[0], v[1]);
}

static bool is_id_char(unsigned char c)
{
    return ch_is_alnum(c);
}

/* Length of an Exim message id at p (6-6-2 or 6-11-4), followed by a space
 * or the end; 0 if none. */
static size_t msgid_len(const char *p, size_t len)
{
    static const size_t forms[2][3] = {{6, 6, 2}, {6, 11, 4}};
    for (int f = 0; f < 2; f++) {
        size_t i = 0;
        bool ok = true;
        for (int part = 0; part < 3 && ok; part++) {
            if (part > 0) {
                if (i >= len || p[i] != '-') ok = false;
                i++;
            }
            for (size_t k = 0; k < forms[f][part] && ok; k++, i++)
                if (i >= len || !is_id_char((unsigned char)p[i])) ok = false;
        }
        if (ok && (i == len || p[i] == ' ')) return i;
    }
    return 0;
}

/* Exim's time interval "1d2h3m4s", "0.412s", "12s"; -1 if none. */
static double parse_interval(const char *p, size_t n)
{
    double total = 0;
    size_t i = 0;
    if (n == 0) return -1;
    while (i < n) {
        double v = 0, scale = 0;
        size_t start = i;
        while (i < n && (ch_is_digit((unsigned char)p[i]) || p[i] == '.')) {
            if (p[i] == '.') {
                if (scale != 0) return -1;
                scale = 1;
            } else if (scale != 0) {
                scale /= 10;
                v += (p[i] - '0') * scale;
            } else {
                v = v * 10 + (p[i] - '0');
            }
            i++;
        }
        if (i == start || i >= n) return -1;
        switch (p[i]) {
        case 'w':
            total += v * 604800;
            break;
        case 'd':
            total += v * 86400;
            break;
        case 'h':
            total += v * 3600;
            break;
        case 'm':
            total += v * 60;
            break;
        case 's':
            total += v;
            break;
        default:
            return -1;
        }
        i++;
    }
    return total;
}

/* ---- H= and reply parsing ------------------------------------------------ */

struct host {
    struct sl name, helo, ip;
    int port;
};

/* "name (helo) [ip]:port" starting at i; returns the index after it. Sets
 * *colon when the value ends with ':' (a message follows). */
static size_t parse_host(const char *p, size_t len, size_t i, struct host *h, bool *colon)
{
    *colon = false;
    if (i > len) i = len;
    if (i < len && p[i] != '(' && p[i] != '[' && p[i] != ' ') {
        size_t s = i;
        while (i < len && p[i] != ' ')
            i++;
        h->name = (struct sl){p + s, i - s};
        if (h->name.len > 1 && h->name.p[h->name.len - 1] == ':') {
            h->name.len--;
            *colon = true;
            return i;
        }
    }
    size_t j = skip_sp(p, len, i);
    if (j < len && p[j] == '(') {
        const char *e = memchr(p + j, ')', len - j);
        if (!e) return j;
        h->helo = (struct sl){p + j + 1, (size_t)(e - p) - j - 1};
        i = (size_t)(e - p) + 1;
        j = skip_sp(p, len, i);
    }
    if (j < len && p[j] == '[') {
        const char *e = memchr(p + j, ']', len - j);
        if (!e) return i;
        h->ip = (struct sl){p + j + 1, (size_t)(e - p) - j - 1};
        i = (size_t)(e - p) + 1;
        if (i + 1 < len && p[i] == ':' && ch_is_digit((unsigned char)p[i + 1])) {
            size_t s = ++i;
            int port = 0;
            while (i < len && ch_is_digit((unsigned char)p[i]) && i - s < 5)
                port = port * 10 + (p[i++] - '0');
            h->port = port <= 65535 ? port : 0;
        }
        if (i < len && p[i] == ':' && (i + 1 == len || p[i + 1] == ' ')) {
            *colon = true;
            i++;
        }
    }
    return i;
}

struct reply {
    struct sl text;
    int code;
    char dsn[12];
};

/* Reply code and enhanced status at the start of s ("550-5.7.1 ..."). */
static void parse_code(struct reply *r)
{
    const char *p = r->text.p;
    size_t n = r->text.len;
    r->code = 0;
    r->dsn[0] = '\0';
    if (n < 3 || digits(p, 3) < 200 || digits(p, 3) > 599) return;
    if (n > 3 && p[3] != ' ' && p[3] != '-') return;
    r->code = digits(p, 3);
    size_t i = 4, s = i;
    if (i + 5 > n || (p[i] != '2' && p[i] != '4' && p[i] != '5') || p[i + 1] != '.') return;
    i += 2;
    size_t k = i;
    while (i < n && ch_is_digit((unsigned char)p[i]) && i - k < 3)
        i++;
    if (i == k || i >= n || p[i] != '.') return;
    k = ++i;
    while (i < n && ch_is_digit((unsigned char)p[i]) && i - k < 3)
        i++;
    if (i == k || (i < n && p[i] != ' ' && p[i] != '\\')) return;
    memcpy(r->dsn, p + s, i - s);
    r->dsn[i - s] = '\0';
}

/* The remote reply inside an Exim failure/deferral message. */
static void parse_failure_text(struct sl msg, struct reply *r, struct host *h)
{
    r->text = msg;
    const char *p = msg.p;
    size_t n = msg.len;
    const char *m = find(p, n, "SMTP error from remote mail server after ");
    if (!m) m = find(p, n, "SMTP error from remote mailer after ");
    size_t from = m ? (size_t)(m - p) : 0;
    /* older Exims: "...: host mx.example [192.0.2.1]: 550 ..." */
    const char *hp = find(p + from, n - from, ": host ");
    if (hp) {
        size_t hi = (size_t)(hp - p) + 7;
        struct host older = {0};
        bool colon = false;
        size_t e = parse_host(p, n, hi, &older, &colon);
        if (colon && older.ip.p) {
            if (!h->name.p && !h->ip.p) *h = older;
            r->text = (struct sl){p + skip_sp(p, n, e), n - skip_sp(p, n, e)};
            parse_code(r);
            return;
        }
    }
    if (m) {
        for (size_t i = from; i + 5 <= n; i++)
            if (p[i] == ':' && p[i + 1] == ' ' && digits(p + i + 2, 3) >= 200 &&
                (i + 5 == n || p[i + 5] == ' ' || p[i + 5] == '-')) {
                r->text = (struct sl){p + i + 2, n - i - 2};
                break;
            }
    }
    parse_code(r);
}

/* ---- fields -------------------------------------------------------------- */

struct fields {
    struct host h;
    bool have_h;
    struct sl R, T, C, S, id, A, U, P, F, I, DT, QT;
    bool C_quoted, T_quoted;
    struct sl orig; /* <orig> after the address */
    struct sl msg;  /* text after "...: " */
    bool have_msg;
    size_t for_at; /* index after the word "for" (arrival recipients), 0 if none */
    size_t stop;   /* index of the first plain word that is not a field */
};

static struct sl *field_slot(struct fields *f, const char *name, size_t n)
{
    if (n == 1) {
        switch (name[0]) {
        case 'R':
            return &f->R;
        case 'T':
            return &f->T;
        case 'C':
            return &f->C;
        case 'S':
            return &f->S;
        case 'A':
            return &f->A;
        case 'U':
            return &f->U;
        case 'P':
            return &f->P;
        case 'F':
            return &f->F;
        case 'I':
            return &f->I;
        default:
            return NULL;
        }
    }
    if (n == 2 && name[0] == 'i' && name[1] == 'd') return &f->id;
    if (n == 2 && name[1] == 'T' && name[0] == 'D') return &f->DT;
    if (n == 2 && name[1] == 'T' && name[0] == 'Q') return &f->QT;
    return NULL;
}

/* Read NAME=value fields, <orig>, (parent) and plain words ("defer", "K")
 * from i, up to a ": " that starts the message. Without stop_at_word, the
 * word "for" starts an arrival's recipient list; with it, the first plain
 * word ends the scan (rejection lines: the verb follows the fields). */
static void parse_fields(const char *p, size_t len, size_t i, struct fields *f, bool stop_at_word)
{
    f->stop = len;
    while (i < len) {
        i = skip_sp(p, len, i);
        if (i >= len) break;
        size_t s = i;
        if (p[i] == '<' || p[i] == '(') {
            char close = p[i] == '<' ? '>' : ')';
            const char *e = memchr(p + i, close, len - i);
            size_t end = e ? (size_t)(e - p) + 1 : len;
            if (p[i] == '<' && !f->orig.p) f->orig = (struct sl){p + s, end - s};
            i = end;
            if (i < len && p[i] == ':' && (i + 1 == len || p[i + 1] == ' ')) {
                f->msg = (struct sl){p + skip_sp(p, len, i + 1), len - skip_sp(p, len, i + 1)};
                f->have_msg = true;
                return;
            }
            continue;
        }
        size_t k = i;
        while (k < len && (ch_is_alnum((unsigned char)p[k]) || p[k] == '_'))
            k++;
        if (k < len && k > i && p[k] == '=') {
            size_t name_len = k - i;
            size_t v = k + 1;
            if (name_len == 1 && p[i] == 'H') {
                bool colon = false;
                memset(&f->h, 0, sizeof f->h);
                f->have_h = true;
                i = parse_host(p, len, v, &f->h, &colon);
                if (colon) {
                    size_t m = skip_sp(p, len, i);
                    f->msg = (struct sl){p + m, len - m};
                    f->have_msg = true;
                    return;
                }
                continue;
            }
            struct sl *slot = field_slot(f, p + i, name_len);
            size_t end;
            bool quoted = v < len && p[v] == '"';
            if (quoted) {
                size_t q = v + 1;
                while (q < len && p[q] != '"') {
                    if (p[q] == '\\' && q + 1 < len) q++;
                    q++;
                }
                if (slot) *slot = (struct sl){p + v + 1, (q < len ? q : len) - v - 1};
                end = q < len ? q + 1 : len;
            } else {
                end = v;
                while (end < len && p[end] != ' ')
                    end++;
                if (slot) *slot = (struct sl){p + v, end - v};
            }
            if (slot == &f->C) f->C_quoted = quoted;
            if (slot == &f->T) f->T_quoted = quoted;
            i = end;
            if (i < len && p[i] == ':' && (i + 1 == len || p[i + 1] == ' ')) i++;
            if (i > 0 && p[i - 1] == ':' && !quoted && (i == len || p[i] == ' ')) {
                if (slot && slot->len > 0 && slot->p[slot->len - 1] == ':') slot->len--;
                size_t m = skip_sp(p, len, i);
                f->msg = (struct sl){p + m, len - m};
                f->have_msg = true;
                return;
            }
            continue;
        }
        /* a plain word */
        size_t e = i;
        while (e < len && p[e] != ' ')
            e++;
        if (e - i == 3 && memcmp(p + i, "for", 3) == 0 && !stop_at_word) {
            f->for_at = e; /* the rest of the line is the recipient list */
            return;
        }
        if (stop_at_word && !(e - i == 7 && memcmp(p + i, "routing", 7) == 0)) {
            f->stop = i;
            return;
        }
        i = e;
        if (p[e - 1] == ':') {
            size_t m = skip_sp(p, len, e);
            f->msg = (struct sl){p + m, len - m};
            f->have_msg = true;
            return;
        }
    }
}

/* ---- emitting ------------------------------------------------------------ */

struct linectx {
    arena *a;
    log_emit_fn emit;
    void *ctx;
    struct log_event base; /* time, component, queue id, pid */
    int n_events;
};

static void emit(struct linectx *L, const struct log_event *ev)
{
    L->emit(L->ctx, ev);
    L->n_events++;
}

static void set_client(struct linectx *L, struct log_event *ev, const struct host *h)
{
    ev->client_name = dup(L->a, h->name);
    ev->helo = dup(L->a, h->helo);
    ev->client_ip = dup(L->a, h->ip);
}

static void set_reply(struct linectx *L, struct log_event *ev, const struct reply *r)
{
    ev->reply_text = dup(L->a, r->text);
    ev->reply_code = r->code;
    ev->dsn = r->dsn[0] ? arena_strdup(L->a, r->dsn) : NULL;
}

static int64_t parse_size(struct sl s)
{
    if (!s.p || s.len == 0 || s.len > 18) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (!ch_is_digit((unsigned char)s.p[i])) return -1;
        v = v * 10 + (s.p[i] - '0');
    }
    return v;
}

/* The recipient word after a delivery flag; quoted local parts may hold spaces. */
static size_t recipient_end(const char *p, size_t len, size_t i)
{
    bool q = false;
    while (i < len && (q || p[i] != ' ')) {
        if (p[i] == '"') q = !q;
        i++;
    }
    return i;
}

static void arrival(struct linectx *L, const char *p, size_t len, size_t i)
{
    struct log_event ev = L->base;
    struct fields f = {0};
    size_t e = recipient_end(p, len, i);
    struct sl sender = strip_angles((struct sl){p + i, e - i});
    parse_fields(p, len, e, &f, false);

    ev.kind = EV_QUEUED;
    ev.sender = dup(L->a, sender);
    if (f.have_h) set_client(L, &ev, &f.h);
    ev.size = parse_size(f.S);
    ev.message_id = dup(L->a, f.id);
    if (f.T.p) ev.subject = f.T_quoted ? dup_unquote(L->a, f.T.p, f.T.len) : dup(L->a, f.T);
    if (f.A.p) {
        const char *c = memchr(f.A.p, ':', f.A.len);
        if (c) ev.sasl_user = arena_strndup(L->a, c + 1, f.A.len - (size_t)(c - f.A.p) - 1);
    } else if (f.U.p && f.P.p && starts(f.P.p, f.P.len, "local")) {
        ev.sasl_user = dup(L->a, f.U);
    }
    /* " for a@x b@y" at the end (log_selector +received_recipients) */
    if (f.for_at) {
        size_t k = f.for_at, n = 0;
        while (k < len && n < EXIM_MAX_FOR) {
            k = skip_sp(p, len, k);
            size_t s = k;
            while (k < len && p[k] != ' ')
                k++;
            if (k > s) n++;
        }
        ev.nrcpt = (int)n;
    }
    emit(L, &ev);

    for (size_t k = f.for_at, n = 0; f.for_at && k < len && n < EXIM_MAX_FOR; n++) {
        k = skip_sp(p, len, k);
        size_t s = k;
        while (k < len && p[k] != ' ')
            k++;
        if (k == s) break;
        struct log_event r = ev;
        r.kind = EV_RCPT_ACCEPTED;
        r.recipient = arena_strndup(L->a, p + s, k - s);
        r.nrcpt = -1;
        emit(L, &r);
    }
    /* "<= <> R=<id>": this arrival is a bounce of message <id> */
    if (f.R.p && sender.len == 0 && msgid_len(f.R.p, f.R.len) == f.R.len) {
        struct log_event d = L->base;
        d.kind = EV_DSN;
        d.queue_id = dup(L->a, f.R);
        d.text = arena_printf(L->a, "bounce message %s", L->base.queue_id);
        emit(L, &d);
    }
}

static void delivery(struct linectx *L, const char *p, size_t len, size_t i, char flag0, char flag1)
{
    struct log_event ev = L->base;
    struct fields f = {0};
    size_t e = recipient_end(p, len, i);
    struct sl rcpt = {p + i, e - i};
    if (rcpt.len > 0 && rcpt.p[rcpt.len - 1] == ':') { /* "** a@b: Unrouteable address" */
        rcpt.len--;
        size_t m = skip_sp(p, len, e);
        f.msg = (struct sl){p + m, len - m};
        f.have_msg = true;
    } else {
        parse_fields(p, len, e, &f, false);
    }
    ev.kind = EV_DELIVERY;
    ev.recipient = dup(L->a, rcpt);
    if (f.orig.p) ev.orig_recipient = dup(L->a, strip_angles(f.orig));
    if (f.F.p)
        ev.sender = dup(L->a, strip_angles(f.F));
    else if (f.P.p && f.P.len >= 2 && f.P.p[0] == '<')
        ev.sender = dup(L->a, strip_angles(f.P));
    if (f.have_h) {
        ev.relay_host = dup(L->a, f.h.name.p ? f.h.name : f.h.ip);
        ev.relay_ip = dup(L->a, f.h.ip);
        ev.relay_port = f.h.port;
    }
    double qt = f.QT.p ? parse_interval(f.QT.p, f.QT.len) : -1;
    double dt = f.DT.p ? parse_interval(f.DT.p, f.DT.len) : -1;
    ev.delay = qt >= 0 ? qt : dt;
    ev.size = parse_size(f.S);

    struct reply r = {0};
    if (flag0 == '*' && flag1 == '*') {
        struct host older = {0};
        if (f.have_msg) parse_failure_text(f.msg, &r, f.have_h ? &f.h : &older);
        if (!f.have_h && older.ip.p) {
            ev.relay_host = dup(L->a, older.name.p ? older.name : older.ip);
            ev.relay_ip = dup(L->a, older.ip);
        }
        ev.status = (f.have_msg && find(f.msg.p, f.msg.len, "retry timeout exceeded"))
                        ? DLV_EXPIRED
                        : DLV_BOUNCED;
        set_reply(L, &ev, &r);
    } else if (flag0 == '=' && flag1 == '=') {
        if (f.have_msg && find(f.msg.p, f.msg.len, "retry time not reached")) {
            ev.kind = EV_OTHER;
            ev.text = dup(L->a, f.msg);
        } else {
            struct host older = {0};
            if (f.have_msg) parse_failure_text(f.msg, &r, f.have_h ? &f.h : &older);
            if (!f.have_h && older.ip.p) {
                ev.relay_host = dup(L->a, older.name.p ? older.name : older.ip);
                ev.relay_ip = dup(L->a, older.ip);
            }
            ev.status = DLV_DEFERRED;
            set_reply(L, &ev, &r);
        }
    } else if (flag0 == '*' && flag1 == '>') {
        ev.kind = EV_OTHER;
        ev.text = arena_strndup(L->a, p + i, len - i);
    } else {
        ev.status = DLV_SENT;
        if (f.C.p) {
            r.text = f.C;
            if (f.C_quoted) {
                char *u = dup_unquote(L->a, f.C.p, f.C.len);
                r.text = (struct sl){u, strlen(u)};
            }
            parse_code(&r);
            set_reply(L, &ev, &r);
        }
        if (!f.have_h) {
            ev.local = true;
            ev.relay_host = f.T.p ? dup(L->a, f.T) : arena_strdup(L->a, "local");
        }
    }
    emit(L, &ev);
}

/* Rejections, with or without a message id: fields, then the verb phrase. */
static bool rejection(struct linectx *L, const char *p, size_t len, size_t i)
{
    struct fields f = {0};
    parse_fields(p, len, i, &f, true);
    if (f.have_msg || f.stop >= len) return false;
    const char *v = p + f.stop;
    size_t vn = len - f.stop;
    bool temp = starts(v, vn, "temporarily rejected ");
    if (!temp && !starts(v, vn, "rejected ")) return false;
    struct log_event ev = L->base;
    ev.kind = EV_REJECT;
    ev.status = DLV_REJECTED;
    if (f.have_h) set_client(L, &ev, &f.h);
    if (f.F.p) ev.sender = dup(L->a, strip_angles(f.F));
    if (f.A.p) {
        const char *c = memchr(f.A.p, ':', f.A.len);
        if (c) ev.sasl_user = arena_strndup(L->a, c + 1, f.A.len - (size_t)(c - f.A.p) - 1);
    }
    size_t k = (size_t)(v - p) + strlen(temp ? "temporarily rejected " : "rejected ");
    const char *after = p + k;
    size_t an = len - k;
    size_t text_from = len;
    if (starts(after, an, "RCPT <") || starts(after, an, "MAIL <")) {
        const char *gt = memchr(after + 5, '>', an - 5);
        if (gt) {
            struct sl addr = {after + 6, (size_t)(gt - after) - 6};
            if (after[0] == 'R')
                ev.recipient = dup(L->a, addr);
            else if (!ev.sender)
                ev.sender = dup(L->a, addr);
            text_from = (size_t)(gt - p) + 1;
        }
    } else {
        text_from = k;
    }
    const char *colon = text_from < len ? find(p + text_from, len - text_from, ": ") : NULL;
    struct reply r = {0};
    if (colon) {
        size_t s = (size_t)(colon - p) + 2;
        r.text = (struct sl){p + s, len - s};
        parse_code(&r);
    }
    set_reply(L, &ev, &r);
    if (temp && ev.reply_code == 0) ev.reply_code = 451;
    ev.text = arena_strndup(L->a, v, vn);
    emit(L, &ev);
    return true;
}

/* "SMTP connection from ..." and "no MAIL in SMTP connection from ...". */
static void connection(struct linectx *L, const char *p, size_t len, size_t from, bool closing)
{
    struct log_event ev = L->base;
    struct host h = {0};
    bool colon = false;
    size_t e = parse_host(p, len, from, &h, &colon);
    const char *rest = p + e;
    size_t rn = len - e;
    if (!closing)
        closing = find(rest, rn, " lost") || find(rest, rn, "closed by") || find(rest, rn, " D=");
    ev.kind = closing ? EV_DISCONNECT : EV_CONNECT;
    set_client(L, &ev, &h);
    ev.text = arena_strndup(L->a, p + from, len - from);
    emit(L, &ev);
}

static const char *const ignored_prefixes[] = {
    "Start queue run", "End queue run", "TLS error on connection", "pid ",
    "Start ", /* "Start queue run: pid=..." variants */
};

/* Session lines: the client follows the prefix. */
static const struct {
    const char *prefix;
    bool closing; /* always the end of a session */
} session_prefixes[] = {
    {"SMTP connection from ", false},
    {"no MAIL in SMTP connection from ", true},
    {"unexpected disconnection while reading SMTP command from ", true},
};

/* Lines without a message id. */
static enum line_rc no_id_line(struct linectx *L, const char *p, size_t len, size_t i)
{
    const char *s = p + i;
    size_t n = len - i;
    if (n == 0) return LINE_IGNORED;
    for (size_t k = 0; k < sizeof ignored_prefixes / sizeof ignored_prefixes[0]; k++)
        if (starts(s, n, ignored_prefixes[k])) return LINE_IGNORED;
    if (starts(s, n, "exim ") && find(s, n, "daemon started")) return LINE_IGNORED;
    for (size_t k = 0; k < sizeof session_prefixes / sizeof session_prefixes[0]; k++)
        if (starts(s, n, session_prefixes[k].prefix)) {
            connection(L, p, len, i + strlen(session_prefixes[k].prefix),
                       session_prefixes[k].closing);
            return LINE_EVENT;
        }
    /* "Connection from [ip] refused: too many connections", "... rejected
     * connection from H=[ip] ..." (synchronization errors, host_reject_connection) */
    static const char rejected_conn[] = "rejected connection from ",
                      refused_conn[] = "refused connection from ",
                      conn_from_lit[] = "Connection from ";
    size_t rc_len = sizeof rejected_conn - 1;
    const char *rc = find(s, n, rejected_conn);
    if (!rc) {
        rc = find(s, n, refused_conn);
        rc_len = sizeof refused_conn - 1;
    }
    bool conn_from = starts(s, n, conn_from_lit) && find(s, n, " refused");
    if (conn_from || rc) {
        struct log_event ev = L->base;
        struct host h = {0};
        bool colon = false;
        size_t from = conn_from ? i + sizeof conn_from_lit - 1 : (size_t)(rc - p) + rc_len;
        if (starts(p + from, len - from, "H=")) from += 2;
        parse_host(p, len, from, &h, &colon);
        ev.kind = EV_REJECT;
        ev.status = DLV_REJECTED;
        set_client(L, &ev, &h);
        const char *c = find(s, n, ": ");
        if (conn_from && c)
            ev.reply_text = arena_strndup(L->a, c + 2, n - (size_t)(c - s) - 2);
        else if (!conn_from && rc > s) {
            size_t k = (size_t)(rc - s);
            while (k > 0 && (s[k - 1] == ' ' || s[k - 1] == ':'))
                k--;
            ev.reply_text = arena_strndup(L->a, s, k);
        }
        ev.text = arena_strndup(L->a, s, n);
        emit(L, &ev);
        return LINE_EVENT;
    }
    if (rejection(L, p, len, i)) return LINE_EVENT;
    struct log_event ev = L->base;
    ev.kind = EV_OTHER;
    ev.text = arena_strndup(L->a, s, n);
    emit(L, &ev);
    return LINE_EVENT;
}

static enum line_rc exim_line(void *state, arena *a, const char *p, size_t len, log_emit_fn fn,
                              void *ctx)
{
    const struct exim_state *st = state;
    int v[6];
    if (len == 0) return LINE_IGNORED;
    if (!parse_stamp(p, len, v)) return LINE_BAD;
    struct linectx L = {.a = a, .emit = fn, .ctx = ctx};
    log_event_init(&L.base);
    size_t i = 19;
    int ms = 0;
    if (i + 4 <= len && p[i] == '.' && digits(p + i + 1, 3) >= 0) {
        ms = digits(p + i + 1, 3);
        i += 4;
    }
    int zone_min = st->opts.tz_offset_min;
    if (i + 6 <= len && p[i] == ' ' && (p[i + 1] == '+' || p[i + 1] == '-') &&
        digits(p + i + 2, 4) >= 0 && (i + 6 == len || p[i + 6] == ' ')) {
        int hh = digits(p + i + 2, 2), mm = digits(p + i + 4, 2);
        if (hh > 23 || mm > 59) return LINE_BAD;
        zone_min = (hh * 60 + mm) * (p[i + 1] == '-' ? -1 : 1);
        i += 6;
    }
    L.base.time = time_from_civil(v[0], v[1], v[2], v[3], v[4], v[5]) - (int64_t)zone_min * 60;
    L.base.time_ms = ms;
    L.base.time_valid = true;
    L.base.time_text = arena_strndup(a, p, i);
    L.base.component = "exim";
    if (i + 2 < len && p[i] == ' ' && p[i + 1] == '[') {
        const char *e = memchr(p + i + 2, ']', len - i - 2);
        if (e && e - (p + i + 2) > 0 && e - (p + i + 2) <= 10) {
            int pid = digits(p + i + 2, (size_t)(e - (p + i + 2)));
            if (pid >= 0) {
                L.base.pid = pid;
                i = (size_t)(e - p) + 1;
            }
        }
    }
    if (i < len && p[i] != ' ') return LINE_BAD;
    i = skip_sp(p, len, i);

    size_t idn = msgid_len(p + i, len - i);
    if (idn == 0) return no_id_line(&L, p, len, i);
    L.base.queue_id = arena_strndup(a, p + i, idn);
    i = skip_sp(p, len, i + idn);
    const char *s = p + i;
    size_t n = len - i;
    if (n >= 3 && s[2] == ' ') {
        char f0 = s[0], f1 = s[1];
        if (f0 == '<' && f1 == '=') {
            arrival(&L, p, len, skip_sp(p, len, i + 3));
            return LINE_EVENT;
        }
        if ((f0 == '=' && f1 == '>') || (f0 == '-' && f1 == '>') || (f0 == '>' && f1 == '>') ||
            (f0 == '*' && f1 == '*') || (f0 == '=' && f1 == '=') || (f0 == '*' && f1 == '>')) {
            delivery(&L, p, len, skip_sp(p, len, i + 3), f0, f1);
            return LINE_EVENT;
        }
    }
    struct log_event ev = L.base;
    if (starts(s, n, "Completed")) {
        ev.kind = EV_REMOVED;
        const char *q = find(s, n, "QT=");
        if (q) {
            size_t qs = (size_t)(q - s) + 3, qe = qs;
            while (qe < n && s[qe] != ' ')
                qe++;
            ev.delay = parse_interval(s + qs, qe - qs);
        }
        emit(&L, &ev);
        return LINE_EVENT;
    }
    if (starts(s, n, "Message is frozen") || starts(s, n, "Frozen")) {
        ev.kind = EV_WARNING;
        ev.text = arena_strndup(a, s, n);
        emit(&L, &ev);
        return LINE_EVENT;
    }
    if (rejection(&L, p, len, i)) return LINE_EVENT;
    ev.kind = EV_OTHER;
    ev.text = arena_strndup(a, s, n);
    emit(&L, &ev);
    return LINE_EVENT;
}

static void *exim_open(const struct log_opts *opts)
{
    struct exim_state *st = xcalloc(1, sizeof *st);
    if (opts) st->opts = *opts;
    return st;
}

static void exim_close(void *state)
{
    free(state);
}

/* Score complete lines: a stamp, then an id with a flag or a known phrase. */
static int exim_sniff(const char *head, size_t len)
{
    size_t i = 0;
    int lines = 0, stamped = 0, strong = 0;
    while (i < len && lines < SNIFF_LINES) {
        const char *nl = memchr(head + i, '\n', len - i);
        if (!nl) break; /* only complete lines */
        size_t n = (size_t)(nl - head) - i;
        const char *l = head + i;
        if (n > 0 && l[n - 1] == '\r') n--;
        i = (size_t)(nl - head) + 1;
        if (n == 0) continue;
        lines++;
        int v[6];
        if (!parse_stamp(l, n, v)) continue;
        stamped++;
        size_t k = 19;
        if (k + 4 <= n && l[k] == '.') k += 4;
        if (k + 6 <= n && l[k] == ' ' && (l[k + 1] == '+' || l[k + 1] == '-')) k += 6;
        if (k + 1 < n && l[k] == ' ' && l[k + 1] == '[') {
            const char *e = memchr(l + k, ']', n - k);
            if (e) k = (size_t)(e - l) + 1;
        }
        k = skip_sp(l, n, k);
        size_t idn = msgid_len(l + k, n - k);
        if (idn) {
            const char *r = l + k + idn + 1;
            size_t rn = n > k + idn + 1 ? n - k - idn - 1 : 0;
            if (rn >= 3 && r[2] == ' ' &&
                (starts(r, rn, "<=") || starts(r, rn, "=>") || starts(r, rn, "->") ||
                 starts(r, rn, "**") || starts(r, rn, "==") || starts(r, rn, "*>")))
                strong++;
            else if (starts(r, rn, "Completed"))
                strong++;
        } else if (starts(l + k, n - k, "Start queue run") ||
                   starts(l + k, n - k, "End queue run") ||
                   starts(l + k, n - k, "SMTP connection from ") ||
                   (starts(l + k, n - k, "H=") && find(l + k, n - k, "rejected")) ||
                   (starts(l + k, n - k, "exim ") && find(l + k, n - k, "daemon started"))) {
            strong++;
        }
    }
    if (lines == 0 || strong == 0) return 0;
    if (stamped * 2 < lines) return 20;
    int score = 60 + 40 * stamped / lines;
    return score > 100 ? 100 : score;
}

const struct log_format log_format_exim = {
    .mta = MTA_EXIM,
    .name = "exim",
    .sniff = exim_sniff,
    .open = exim_open,
    .close = exim_close,
    .line = exim_line,
};
