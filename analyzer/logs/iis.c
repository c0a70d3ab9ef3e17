/* iis — the IIS SMTP service's W3C extended logs (Windows Server 2003/2008,
 * Exchange 2003 front ends) into events.
 *
 * Headers `#Software`, `#Version`, `#Date`, `#Fields` (repeated after every
 * restart: #Fields is re-read each time it appears). Data lines are columns
 * separated by single spaces in #Fields order; `-` is an empty value and `+`
 * stands for a space inside a value. Before any #Fields line (a file read
 * from the middle, an incremental run) the IIS 6 SMTP default field list is
 * assumed. Times are UTC (W3C); the `date` column, else the #Date header,
 * gives the day. A line whose column count differs from #Fields is LINE_BAD.
 *
 * Inbound lines (cs-username is the client's HELO name) log one command with
 * the status we answered: `RCPT - +TO:<b> 250`. EHLO/HELO opening a session →
 * EV_CONNECT; AUTH 235 → EV_AUTH (IIS does not log the user: sasl_user is
 * "(unknown)"); MAIL 4xx/5xx → EV_REJECT; RCPT 2xx → EV_RCPT_ACCEPTED
 * (sender, helo, sasl_user: open-relay evidence), 4xx/5xx → EV_REJECT
 * (IIS logs no reply text, only sc-status); DATA 250 → EV_QUEUED per accepted
 * recipient (message_id from the `<...>` IIS puts in cs-uri-query, size from
 * cs-bytes); DATA 4xx/5xx → EV_REJECT per recipient; QUIT → EV_DISCONNECT.
 * Outbound lines (cs-username OutboundConnectionCommand/-Response) are a
 * dialogue: commands wait in a FIFO (IIS pipelines) and each response line
 * (IIS logs only the first line of a multi-line reply) is paired with the
 * oldest. RCPT 2xx keeps the recipient, RCPT 4xx/5xx → EV_DELIVERY
 * deferred/bounced; the reply to the end of DATA (after 354) or BDAT LAST →
 * EV_DELIVERY per accepted recipient (sent/deferred/bounced). A refusal
 * before any RCPT (banner, EHLO, MAIL) names no recipient → EV_SMTP with
 * status and reply. relay_ip = c-ip, relay_host = the first word of the 220
 * banner when it looks like a host name. IIS does not log failed
 * connections at all: they are invisible here.
 *
 * Session key (decision): IIS writes no connection id, so a session is
 * (direction, s-sitename, c-ip). Two simultaneous connections between the
 * same pair interleave and are mixed up; a new 220 banner on an outbound key
 * with nothing waiting starts a fresh session (the previous one was lost).
 *
 * Limits: IIS_MAX_SESSIONS sessions (least recently used evicted),
 * IIS_STATE_BUDGET bytes of strings held, IIS_MAX_PENDING waiting commands,
 * IIS_MAX_RCPTS recipients per transaction, IIS_MAX_COLS columns. Lines with
 * NUL bytes are LINE_BAD. Does NOT read IIS HTTP/FTP logs (sniff refuses
 * them) nor the NCSA/IIS native formats. */
#include "logs/logfmt.h"
#include "logs/lru.h"
#include "logs/smtpreply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#define IIS_MAX_SESSIONS 4096
#define IIS_MAX_PENDING 32
#define IIS_MAX_RCPTS 128
#define IIS_STR_MAX 512
#define IIS_MAX_COLS 64
#define IIS_STATE_BUDGET (32u * 1024 * 1024)

enum field {
    F_DATE,
    F_TIME,
    F_CIP,
    F_USER,
    F_SITE,
    F_COMPUTER,
    F_SIP,
    F_SPORT,
    F_METHOD,
    F_STEM,
    F_QUERY,
    F_STATUS,
    F_WIN32,
    F_SCBYTES,
    F_CSBYTES,
    F_TAKEN,
    F__N,
    F_UNUSED = F__N,
};

static const char *const field_names[F__N] = {
    "date",
    "time",
    "c-ip",
    "cs-username",
    "s-sitename",
    "s-computername",
    "s-ip",
    "s-port",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "sc-status",
    "sc-win32-status",
    "sc-bytes",
    "cs-bytes",
    "time-taken",
};

static const char default_fields[] =
    "date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem "
    "cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host "
    "cs(User-Agent) cs(Cookie) cs(Referer)";

/* ---- sessions: a bounded LRU table (logs/lru.h) keyed by a string ---- */

struct node {
    struct lru_node ln; /* first: a struct node * is its struct lru_node * */
    char *key;
    size_t key_len;
};

struct str_key {
    const char *p;
    size_t len;
};

static bool key_eq(const struct lru_node *ln, const void *key)
{
    const struct node *n = (const struct node *)ln;
    const struct str_key *k = key;
    return n->key_len == k->len && memcmp(n->key, k->p, k->len) == 0;
}

/* ---- state ---- */

enum verb {
    V_NONE,
    V_BANNER,
    V_HELO,
    V_MAIL,
    V_RCPT,
    V_DATA,
    V_DATA_END,
    V_BDAT,
    V_RSET,
    V_QUIT,
    V_AUTH,
    V_STARTTLS,
    V_OTHER
};

static const struct {
    const char *word;
    enum verb v;
} verbs[] = {
    {"EHLO", V_HELO}, {"HELO", V_HELO},         {"MAIL", V_MAIL}, {"RCPT", V_RCPT},
    {"DATA", V_DATA}, {"BDAT", V_BDAT},         {"RSET", V_RSET}, {"QUIT", V_QUIT},
    {"AUTH", V_AUTH}, {"STARTTLS", V_STARTTLS},
};

struct pending {
    enum verb verb;
    char *arg;
};

struct session {
    struct node n;
    bool outbound, seen_reply, authed, has_sender;
    char *helo, *sender, *relay_host;
    struct pending q[IIS_MAX_PENDING];
    size_t q_head, q_len;
    char *rcpt[IIS_MAX_RCPTS];
    size_t n_rcpt;
};

struct iis {
    struct log_opts opts;
    unsigned char col_field[IIS_MAX_COLS]; /* column → enum field */
    size_t n_cols;
    bool day_known; /* from #Date */
    int64_t day;    /* UTC midnight of the #Date day */
    char day_text[11];
    struct lru sessions;
    size_t bytes;
};

/* ---- helpers ---- */

/* Decimal value of exactly n digits (at most 9), or -1. */
static int digits(const char *p, size_t n)
{
    int v = 0;
    if (n > 9) return -1;
    for (size_t i = 0; i < n; i++) {
        if (!ch_is_digit((unsigned char)p[i])) return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v;
}

static bool parse_date(const char *p, size_t n, int64_t *day)
{
    if (n != 10 || p[4] != '-' || p[7] != '-') return false;
    int y = digits(p, 4), m = digits(p + 5, 2), d = digits(p + 8, 2);
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return false;
    *day = time_from_civil(y, m, d, 0, 0, 0);
    return true;
}

static bool parse_clock(const char *p, size_t n, int *secs)
{
    if (n != 8 || p[2] != ':' || p[5] != ':') return false;
    int h = digits(p, 2), m = digits(p + 3, 2), s = digits(p + 6, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return false;
    *secs = h * 3600 + m * 60 + s;
    return true;
}


/* The address after the ':' of "+FROM:<a>+SIZE=1" / "TO:<b>" ('+' inside <> kept). */
static bool cmd_addr(const char *p, size_t len, struct slice *out)
{
    const char *colon = memchr(p, ':', len);
    if (!colon) return false;
    size_t i = (size_t)(colon + 1 - p);
    while (i < len && (p[i] == '+' || p[i] == ' '))
        i++;
    if (i < len && p[i] == '<') {
        const char *e = memchr(p + i + 1, '>', len - i - 1);
        if (!e) return false;
        *out = (struct slice){p + i + 1, (size_t)(e - (p + i + 1))};
        return true;
    }
    size_t s = i;
    while (i < len && p[i] != '+')
        i++;
    *out = (struct slice){p + s, i - s};
    return true;
}

/* Arena copy with '+' turned back into spaces. */
static char *plus_dup(arena *a, const char *p, size_t n)
{
    char *s = arena_strndup(a, p, n);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '+') s[i] = ' ';
    return s;
}

/* ---- sessions ---- */

static char *sdup(struct iis *st, const char *p, size_t n)
{
    if (n > IIS_STR_MAX) n = IIS_STR_MAX;
    st->bytes += n + 1;
    return xstrndup(p, n);
}

static void sfree(struct iis *st, char **pp)
{
    if (!*pp) return;
    st->bytes -= strlen(*pp) + 1;
    free(*pp);
    *pp = NULL;
}

static void clear_txn(struct iis *st, struct session *s)
{
    for (size_t i = 0; i < s->n_rcpt; i++)
        sfree(st, &s->rcpt[i]);
    s->n_rcpt = 0;
    sfree(st, &s->sender);
    s->has_sender = false;
}

static void clear_queue(struct iis *st, struct session *s)
{
    while (s->q_len) {
        sfree(st, &s->q[s->q_head].arg);
        s->q_head = (s->q_head + 1) % IIS_MAX_PENDING;
        s->q_len--;
    }
}

static void session_end(struct iis *st, struct session *s)
{
    lru_remove(&st->sessions, &s->n.ln);
    clear_txn(st, s);
    clear_queue(st, s);
    sfree(st, &s->helo);
    sfree(st, &s->relay_host);
    st->bytes -= s->n.key_len + 1;
    free(s->n.key);
    free(s);
}

static struct session *session_get(struct iis *st, const char *key, size_t key_len, bool outbound,
                                   bool *created)
{
    uint64_t h = hash_fnv1a(key, key_len);
    struct str_key k = {key, key_len};
    struct node *n = (struct node *)lru_get(&st->sessions, h, key_eq, &k);
    *created = false;
    if (n) return (struct session *)n;
    while (st->sessions.count >= IIS_MAX_SESSIONS ||
           (st->bytes > IIS_STATE_BUDGET && st->sessions.oldest))
        session_end(st, (struct session *)st->sessions.oldest);
    struct session *s = xcalloc(1, sizeof *s);
    s->n.ln.hash = h;
    s->n.key = xstrndup(key, key_len);
    s->n.key_len = key_len;
    st->bytes += key_len + 1;
    s->outbound = outbound;
    lru_insert(&st->sessions, &s->n.ln);
    *created = true;
    return s;
}

static void q_push(struct iis *st, struct session *s, enum verb v, const char *arg, size_t n)
{
    if (s->q_len == IIS_MAX_PENDING) {
        sfree(st, &s->q[s->q_head].arg);
        s->q_head = (s->q_head + 1) % IIS_MAX_PENDING;
        s->q_len--;
    }
    struct pending *pd = &s->q[(s->q_head + s->q_len) % IIS_MAX_PENDING];
    pd->verb = v;
    pd->arg = arg ? sdup(st, arg, n) : NULL;
    s->q_len++;
}

static void q_push_front(struct session *s, enum verb v)
{
    if (s->q_len == IIS_MAX_PENDING) return;
    s->q_head = (s->q_head + IIS_MAX_PENDING - 1) % IIS_MAX_PENDING;
    s->q[s->q_head] = (struct pending){v, NULL};
    s->q_len++;
}

static bool q_pop(struct session *s, struct pending *out)
{
    if (!s->q_len) return false;
    *out = s->q[s->q_head];
    s->q[s->q_head].arg = NULL;
    s->q_head = (s->q_head + 1) % IIS_MAX_PENDING;
    s->q_len--;
    return true;
}

static void keep_rcpt(struct session *s, char **arg)
{
    if (s->n_rcpt < IIS_MAX_RCPTS && *arg) {
        s->rcpt[s->n_rcpt++] = *arg;
        *arg = NULL;
    }
}

/* ---- line context ---- */

struct lctx {
    struct iis *st;
    arena *a;
    log_emit_fn emit;
    void *ctx;
    struct slice f[F__N];
    int64_t time;
    bool time_valid;
    const char *time_text, *ip_s, *host_s;
    int n_events;
};

static const char *fdup(struct lctx *lc, enum field k, const char **cache)
{
    if (!lc->f[k].p) return NULL;
    if (!*cache) *cache = arena_strndup(lc->a, lc->f[k].p, lc->f[k].len);
    return *cache;
}

static void ev_base(struct lctx *lc, struct log_event *ev, enum log_kind kind, const char *comp)
{
    log_event_init(ev);
    ev->kind = kind;
    ev->time = lc->time;
    ev->time_valid = lc->time_valid;
    ev->time_text = lc->time_text;
    ev->component = comp;
    ev->host = fdup(lc, F_COMPUTER, &lc->host_s);
}

static void ev_emit(struct lctx *lc, struct log_event *ev)
{
    lc->emit(lc->ctx, ev);
    lc->n_events++;
}

static const char *cdup(struct lctx *lc, const char *s)
{
    return s ? arena_strdup(lc->a, s) : NULL;
}

static enum verb verb_of(struct slice m)
{
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        if (str_eq_ci(m.p, m.len, verbs[k].word)) return verbs[k].v;
    return V_OTHER;
}

/* ---- inbound ---- */

static void in_event(struct lctx *lc, struct session *s, enum log_kind kind, int code,
                     const char *rcpt)
{
    struct log_event ev;
    ev_base(lc, &ev, kind, "SMTPSVC");
    ev.client_ip = fdup(lc, F_CIP, &lc->ip_s);
    ev.helo = cdup(lc, s->helo);
    if (s->authed) ev.sasl_user = "(unknown)";
    if (s->has_sender) ev.sender = cdup(lc, s->sender ? s->sender : "");
    ev.recipient = cdup(lc, rcpt);
    if (kind == EV_REJECT) ev.status = DLV_REJECTED;
    ev.reply_code = code;
    ev_emit(lc, &ev);
}

static void inbound(struct lctx *lc, const char *key, size_t key_len)
{
    struct iis *st = lc->st;
    struct slice q = lc->f[F_QUERY];
    enum verb v = verb_of(lc->f[F_METHOD]);
    int code = lc->f[F_STATUS].p ? digits(lc->f[F_STATUS].p, lc->f[F_STATUS].len) : 0;
    if (code < 0 || code > 999) code = 0;
    bool ok = code >= 200 && code < 400, fail = code >= 400;
    bool created;
    if (v == V_QUIT) {
        uint64_t h = hash_fnv1a(key, key_len);
        struct str_key k = {key, key_len};
        struct session *s = (struct session *)lru_get(&st->sessions, h, key_eq, &k);
        if (s) {
            in_event(lc, s, EV_DISCONNECT, 0, NULL);
            session_end(st, s);
        }
        return;
    }
    struct session *s = session_get(st, key, key_len, false, &created);
    struct slice addr;
    switch (v) {
    case V_HELO: {
        const char *hp = q.p;
        size_t hl = q.len;
        while (hl && *hp == '+')
            hp++, hl--;
        if (!hl && lc->f[F_USER].p) hp = lc->f[F_USER].p, hl = lc->f[F_USER].len;
        if (hl) {
            sfree(st, &s->helo);
            s->helo = sdup(st, hp, hl);
        }
        if (created) in_event(lc, s, EV_CONNECT, 0, NULL);
        break;
    }
    case V_AUTH:
        if (code == 235) {
            s->authed = true;
            in_event(lc, s, EV_AUTH, 0, NULL);
        } else if (fail) {
            in_event(lc, s, EV_SMTP, code, NULL);
        }
        break;
    case V_MAIL:
        if (!q.p || !cmd_addr(q.p, q.len, &addr)) addr = (struct slice){NULL, 0};
        if (ok) {
            clear_txn(st, s);
            if (addr.p) {
                s->sender = sdup(st, addr.p, addr.len);
                s->has_sender = true;
            }
        } else if (fail) {
            struct log_event ev;
            ev_base(lc, &ev, EV_REJECT, "SMTPSVC");
            ev.client_ip = fdup(lc, F_CIP, &lc->ip_s);
            ev.helo = cdup(lc, s->helo);
            ev.sender = addr.p ? arena_strndup(lc->a, addr.p, addr.len) : NULL;
            ev.status = DLV_REJECTED;
            ev.reply_code = code;
            ev_emit(lc, &ev);
        }
        break;
    case V_RCPT: {
        if (!q.p || !cmd_addr(q.p, q.len, &addr)) addr = (struct slice){NULL, 0};
        const char *r = addr.p ? arena_strndup(lc->a, addr.p, addr.len) : NULL;
        if (ok) {
            in_event(lc, s, EV_RCPT_ACCEPTED, 0, r);
            if (addr.p && s->n_rcpt < IIS_MAX_RCPTS)
                s->rcpt[s->n_rcpt++] = sdup(st, addr.p, addr.len);
        } else if (fail) {
            in_event(lc, s, EV_REJECT, code, r);
        }
        break;
    }
    case V_DATA:
    case V_BDAT:
        if (ok) {
            const char *mid = NULL;
            if (q.p && q.len > 2 && q.p[0] == '<' && q.p[q.len - 1] == '>')
                mid = arena_strndup(lc->a, q.p + 1, q.len - 2);
            int64_t size = -1;
            if (lc->f[F_CSBYTES].p && lc->f[F_CSBYTES].len < 16) {
                size = 0;
                for (size_t i = 0; i < lc->f[F_CSBYTES].len; i++) {
                    unsigned char c = (unsigned char)lc->f[F_CSBYTES].p[i];
                    if (!ch_is_digit(c)) {
                        size = -1;
                        break;
                    }
                    size = size * 10 + (c - '0');
                }
            }
            for (size_t i = 0; i < s->n_rcpt; i++) {
                struct log_event ev;
                ev_base(lc, &ev, EV_QUEUED, "SMTPSVC");
                ev.client_ip = fdup(lc, F_CIP, &lc->ip_s);
                ev.helo = cdup(lc, s->helo);
                if (s->authed) ev.sasl_user = "(unknown)";
                if (s->has_sender) ev.sender = cdup(lc, s->sender ? s->sender : "");
                ev.recipient = cdup(lc, s->rcpt[i]);
                ev.nrcpt = (int)s->n_rcpt;
                ev.size = size;
                ev.message_id = mid;
                ev_emit(lc, &ev);
            }
            clear_txn(st, s);
        } else if (fail) {
            for (size_t i = 0; i < s->n_rcpt; i++)
                in_event(lc, s, EV_REJECT, code, s->rcpt[i]);
            clear_txn(st, s);
        }
        break;
    case V_RSET:
        clear_txn(st, s);
        break;
    default:
        if (fail) in_event(lc, s, EV_SMTP, code, NULL);
        break;
    }
}

/* ---- outbound ---- */

static void out_event(struct lctx *lc, struct session *s, enum log_kind kind, int code,
                      struct slice dsn, const char *text, const char *sender, const char *rcpt)
{
    struct log_event ev;
    ev_base(lc, &ev, kind, "SMTPSVC/outbound");
    ev.relay_ip = fdup(lc, F_CIP, &lc->ip_s);
    ev.relay_host = cdup(lc, s->relay_host);
    if (lc->f[F_SPORT].p) {
        int port = digits(lc->f[F_SPORT].p, lc->f[F_SPORT].len > 5 ? 6 : lc->f[F_SPORT].len);
        if (port > 0 && port < 65536) ev.relay_port = port;
    }
    ev.sender = sender;
    ev.recipient = cdup(lc, rcpt);
    ev.status = smtp_reply_status(code);
    ev.reply_code = code;
    ev.dsn = dsn.p ? plus_dup(lc->a, dsn.p, dsn.len) : NULL;
    ev.reply_text = text;
    ev_emit(lc, &ev);
}

static void banner_host(struct iis *st, struct session *s, const char *p, size_t len)
{
    size_t i = 4, j;
    if (len <= i) return;
    for (j = i; j < len && p[j] != '+' && p[j] != ' ' && p[j] != '['; j++)
        ;
    if (j == i || !memchr(p + i, '.', j - i)) return;
    for (size_t k = i; k < j; k++)
        if (!ch_is_alnum((unsigned char)p[k]) && p[k] != '.' && p[k] != '-') return;
    sfree(st, &s->relay_host);
    s->relay_host = sdup(st, p + i, j - i);
}

static void outbound(struct lctx *lc, const char *key, size_t key_len, bool response)
{
    struct iis *st = lc->st;
    struct slice q = lc->f[F_QUERY];
    bool created;
    struct session *s = session_get(st, key, key_len, true, &created);
    if (!response) {
        enum verb v = verb_of(lc->f[F_METHOD]);
        struct slice addr;
        if ((v == V_MAIL || v == V_RCPT) && q.p && cmd_addr(q.p, q.len, &addr))
            q_push(st, s, v, addr.p, addr.len);
        else if (v == V_BDAT && !(q.p && str_find_ci(q.p, q.len, "LAST")))
            q_push(st, s, V_OTHER, NULL, 0);
        else
            q_push(st, s, v, NULL, 0);
        return;
    }
    if (!q.p) return;
    struct slice dsn;
    int code;
    smtp_reply_parse(q.p, q.len, &code, &dsn);
    if (!code) return;
    /* a new greeting with nothing waiting: a new connection on the same key */
    if (code == 220 && s->seen_reply && s->q_len == 0) {
        clear_txn(st, s);
        sfree(st, &s->relay_host);
        s->seen_reply = false;
    }
    struct pending pd = {V_NONE, NULL};
    bool first = !s->seen_reply;
    s->seen_reply = true;
    if (!q_pop(s, &pd)) pd.verb = first ? V_BANNER : V_NONE;
    bool ok = code >= 200 && code < 400, fail = code >= 400;
    const char *text = NULL;
    if (fail || pd.verb == V_DATA_END || pd.verb == V_BDAT || pd.verb == V_DATA)
        text = plus_dup(lc->a, q.p, q.len);
    const char *sender = NULL;
    if (text && s->has_sender) sender = cdup(lc, s->sender ? s->sender : "");
    if (code == 221 || pd.verb == V_QUIT) {
        session_end(st, s);
        sfree(st, &pd.arg);
        return;
    }
    switch (pd.verb) {
    case V_BANNER:
        if (code == 220) banner_host(st, s, q.p, q.len);
        if (fail) out_event(lc, s, EV_SMTP, code, dsn, text, NULL, NULL);
        break;
    case V_HELO:
    case V_STARTTLS:
    case V_AUTH:
        if (fail) out_event(lc, s, EV_SMTP, code, dsn, text, sender, NULL);
        break;
    case V_MAIL:
        if (ok) {
            clear_txn(st, s);
            s->sender = pd.arg;
            pd.arg = NULL;
            s->has_sender = s->sender != NULL;
        } else if (fail) {
            out_event(lc, s, EV_SMTP, code, dsn, text, cdup(lc, pd.arg), NULL);
        }
        break;
    case V_RCPT:
        if (ok)
            keep_rcpt(s, &pd.arg);
        else if (fail)
            out_event(lc, s, EV_DELIVERY, code, dsn, text, sender, pd.arg);
        break;
    case V_DATA:
        if (code == 354) {
            q_push_front(s, V_DATA_END);
            break;
        }
        for (size_t i = 0; i < s->n_rcpt; i++)
            out_event(lc, s, EV_DELIVERY, code, dsn, text, sender, s->rcpt[i]);
        clear_txn(st, s);
        break;
    case V_DATA_END:
    case V_BDAT:
        for (size_t i = 0; i < s->n_rcpt; i++)
            out_event(lc, s, EV_DELIVERY, code, dsn, text, sender, s->rcpt[i]);
        clear_txn(st, s);
        break;
    case V_RSET:
        clear_txn(st, s);
        break;
    default:
        break;
    }
    sfree(st, &pd.arg);
}

/* ---- headers ---- */

static void set_fields(struct iis *st, const char *p, size_t len)
{
    st->n_cols = 0;
    size_t i = 0;
    while (i < len && st->n_cols < IIS_MAX_COLS) {
        while (i < len && p[i] == ' ')
            i++;
        if (i >= len) break;
        size_t s = i;
        while (i < len && p[i] != ' ')
            i++;
        unsigned char f = F_UNUSED;
        for (unsigned k = 0; k < F__N; k++)
            if (str_eq_ci(p + s, i - s, field_names[k])) f = (unsigned char)k;
        st->col_field[st->n_cols++] = f;
    }
}

static enum line_rc header(struct iis *st, const char *p, size_t len)
{
    if (str_starts_ci(p, len, "#Fields:")) {
        set_fields(st, p + 8, len - 8);
    } else if (str_starts_ci(p, len, "#Date:")) {
        struct slice v = str_trim(p + 6, len - 6);
        int64_t day;
        if (v.len >= 10 && parse_date(v.p, 10, &day)) {
            st->day = day;
            st->day_known = true;
            memcpy(st->day_text, v.p, 10);
            st->day_text[10] = '\0';
        }
    }
    return LINE_IGNORED;
}

/* ---- the format ---- */

static enum line_rc iis_line(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                             void *ctx)
{
    struct iis *st = state;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
    if (len == 0) return LINE_IGNORED;
    if (memchr(p, 0, len)) return LINE_BAD;
    if (p[0] == '#') return header(st, p, len);
    struct lctx lc = {.st = st, .a = a, .emit = emit, .ctx = ctx};
    size_t col = 0, i = 0;
    for (;;) {
        const char *sp = memchr(p + i, ' ', len - i);
        size_t e = sp ? (size_t)(sp - p) : len;
        if (col >= st->n_cols) return LINE_BAD;
        unsigned char f = st->col_field[col++];
        if (f != F_UNUSED && !(e - i == 1 && p[i] == '-')) lc.f[f] = (struct slice){p + i, e - i};
        if (!sp) break;
        i = e + 1;
    }
    if (col != st->n_cols) return LINE_BAD;

    /* time: date column, else the #Date day */
    int secs;
    int64_t day;
    bool have_day = lc.f[F_DATE].p && parse_date(lc.f[F_DATE].p, lc.f[F_DATE].len, &day);
    if (!have_day && !lc.f[F_DATE].p && st->day_known) {
        day = st->day;
        have_day = true;
    }
    if (!lc.f[F_TIME].p || !parse_clock(lc.f[F_TIME].p, lc.f[F_TIME].len, &secs) || !have_day)
        return LINE_BAD;
    lc.time = day + secs;
    lc.time_valid = true;
    {
        const char *dp = lc.f[F_DATE].p ? lc.f[F_DATE].p : st->day_text;
        char *tt = arena_alloc(a, 20);
        memcpy(tt, dp, 10);
        tt[10] = ' ';
        memcpy(tt + 11, lc.f[F_TIME].p, 8);
        tt[19] = '\0';
        lc.time_text = tt;
    }
    if (!lc.f[F_CIP].p) return LINE_BAD;

    struct slice user = lc.f[F_USER];
    bool is_cmd = user.p && str_eq_ci(user.p, user.len, "OutboundConnectionCommand");
    bool is_resp = user.p && str_eq_ci(user.p, user.len, "OutboundConnectionResponse");
    /* key: direction | site | client ip */
    char key[160];
    size_t kl = 0;
    struct slice site = lc.f[F_SITE];
    if (site.len > 64 || lc.f[F_CIP].len > 64) return LINE_BAD;
    key[kl++] = (is_cmd || is_resp) ? 'O' : 'I';
    key[kl++] = '|';
    if (site.p) memcpy(key + kl, site.p, site.len), kl += site.len;
    key[kl++] = '|';
    memcpy(key + kl, lc.f[F_CIP].p, lc.f[F_CIP].len);
    kl += lc.f[F_CIP].len;

    if (is_cmd || is_resp) {
        outbound(&lc, key, kl, is_resp);
    } else {
        if (!lc.f[F_METHOD].p) return LINE_IGNORED;
        inbound(&lc, key, kl);
    }
    return lc.n_events ? LINE_EVENT : LINE_IGNORED;
}

static void *iis_open(const struct log_opts *opts)
{
    struct iis *st = xcalloc(1, sizeof *st);
    if (opts) st->opts = *opts;
    set_fields(st, default_fields, sizeof default_fields - 1);
    return st;
}

static void iis_close(void *state)
{
    struct iis *st = state;
    if (!st) return;
    while (st->sessions.oldest)
        session_end(st, (struct session *)st->sessions.oldest);
    free(st);
}

/* 95: IIS W3C headers and SMTP lines; 60: IIS headers with SMTP-like fields
 * and no data yet; low when the data lines are HTTP. */
static int iis_sniff(const char *head, size_t len)
{
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) head += 3, len -= 3;
    bool software = false, fields_ok = false, smtp = false, http = false;
    size_t i = 0;
    int lines = 0;
    while (i < len && lines < 16) {
        const char *nl = memchr(head + i, '\n', len - i);
        if (!nl) break;
        const char *p = head + i;
        size_t l = (size_t)(nl - p);
        if (l && p[l - 1] == '\r') l--;
        i = (size_t)(nl - head) + 1;
        lines++;
        if (str_starts_ci(p, l, "#Software: Microsoft Internet Information Services") ||
            str_starts_ci(p, l, "#Software: Microsoft SMTP"))
            software = true;
        else if (str_starts_ci(p, l, "#Fields:"))
            fields_ok = str_find_ci(p, l, " cs-method") && str_find_ci(p, l, " c-ip") &&
                        !str_find_ci(p, l, "sc-substatus");
        else if (l && p[0] != '#') {
            if (str_find_ci(p, l, " SMTPSVC") || str_find_ci(p, l, " OutboundConnection") ||
                str_find_ci(p, l, " EHLO ") || str_find_ci(p, l, " HELO ") ||
                str_find_ci(p, l, " SMTP - "))
                smtp = true;
            if (str_find_ci(p, l, " GET ") || str_find_ci(p, l, " POST ") ||
                str_find_ci(p, l, " HTTP/1."))
                http = true;
        }
    }
    if (!software) return 0;
    if (http && !smtp) return 5;
    if (smtp) return 95;
    return fields_ok ? 60 : 20;
}

const struct log_format log_format_iis = {
    .mta = MTA_IIS,
    .name = "iis",
    .sniff = iis_sniff,
    .open = iis_open,
    .close = iis_close,
    .line = iis_line,
};
