/* hmail_log — hMailServer logs (hmailserver_YYYY-MM-DD.log, the _SMTP_/_POP3_/
 * _IMAP_ split files, ERROR_hmailserver_*.log, hmailserver_awstats.log) into
 * events.
 *
 * Lines: `"CAT"\tthread\tsession\t"time"\t"ip"\t"text"` for SMTPD, SMTPC,
 * POP3D, POP3C, IMAPD; `"CAT"\tthread\t"time"\t"text"` for APPLICATION, DEBUG,
 * ERROR, TCPIP. The text is everything after the fourth (sixth) field with
 * its surrounding quotes removed (it may hold tabs and quotes of its own).
 * Times are local without a zone: opts->tz_offset_min is subtracted.
 *
 * SMTP sessions are replayed as a command/reply dialogue: for SMTPD the
 * client's commands are the RECEIVED lines and our replies the SENT lines,
 * for SMTPC (outbound delivery) the other way round. Commands wait in a
 * FIFO (pipelining), `[nl]` splits a text into protocol lines, and a reply
 * ends at its final line `NNN ` (its `NNN-` lines may come in one log line
 * joined by [nl] or in several log lines; they are joined with [nl]). When a
 * reply completes it is paired with the oldest waiting command:
 *   SMTPD  banner 220 → EV_CONNECT; banner 4xx/5xx → EV_REJECT; AUTH → 235
 *          EV_AUTH (user from the base64 AUTH LOGIN/PLAIN data when logged,
 *          else "(unknown)"), 5xx → EV_SMTP; MAIL 4xx/5xx → EV_REJECT; RCPT
 *          2xx → EV_RCPT_ACCEPTED (sender, helo, sasl_user: open-relay
 *          evidence), 4xx/5xx (530 auth required, 550 ...) → EV_REJECT;
 *          end of DATA 4xx/5xx → EV_REJECT per accepted recipient; 221 →
 *          EV_DISCONNECT and the session is forgotten.
 *   SMTPC  RCPT 2xx keeps the recipient; RCPT 4xx/5xx → EV_DELIVERY
 *          deferred/bounced; the reply to the end of DATA (or a failing
 *          DATA) → EV_DELIVERY per accepted recipient: sent (2xx), deferred
 *          (4xx), bounced (5xx). relay_ip is the session IP, relay_host the
 *          first word of the remote banner when it looks like a host name.
 *          A refusal before any RCPT (banner, EHLO, MAIL FROM: e.g.
 *          Microsoft's S3150 comes in reply to MAIL FROM) names no recipient:
 *          it becomes EV_SMTP with status/reply set — the SMTPC session
 *          carries no message id, so it is not joined to the SMTPDeliverer
 *          line that lists the recipients.
 * APPLICATION `SMTPDeliverer - Message N: ...` lines (table below): the
 * first "Delivering message from S to A, B. File: F" of a message → one
 * EV_QUEUED per recipient (queue_id N, nrcpt); a later one (a retry we saw
 * scheduled) → EV_OTHER; "Relaying to host H." → EV_OTHER with relay_host;
 * "Scheduling it for later delivery / quick retry" → EV_OTHER (the
 * per-recipient deferrals come from SMTPC); "Returning error log to sender."
 * → EV_EXPIRED; "Message delivery thread completed." → EV_REMOVED unless
 * the message was just rescheduled (then EV_OTHER); "No mail servers could
 * be found for the address A." → EV_DELIVERY deferred (hMailServer treats it
 * as non-fatal); "The message was not delivered to A. ... inbox is full" →
 * EV_DELIVERY bounced, local. Successful local delivery is not written to
 * this log by hMailServer (only to awstats). ERROR lines → EV_WARNING;
 * other APPLICATION lines → EV_OTHER; DEBUG, TCPIP, POP3/IMAP → ignored.
 * awstats lines (time, sender, recipient, sender IP, recipient IP, SMTP, ?,
 * code, bytes) are hMailServer's per-recipient delivery summary → EV_DELIVERY
 * (250 sent — local when the recipient IP is 127.0.0.1 —, 4xx deferred,
 * other codes bounced; hMailServer writes 550 for every failure).
 *
 * Truncated lines (hMailServer cuts long lines to a head + " ... " + the last
 * 25 characters): recognised when " ... " is followed by at most 30 bytes of
 * text. The event is still emitted with the text as logged (" ... " marks
 * it); fields that would lie in the cut are not trusted: an address whose
 * closing '>' is missing is dropped, a recipient list keeps only the
 * recipients wholly before the cut, a reply keeps its code and DSN.
 *
 * Session key: (category, session number). hMailServer numbers sessions
 * from 1 again after a restart, so a 220 greeting on a known key with no
 * command waiting starts a new session.
 *
 * Limits: HM_MAX_SESSIONS open sessions and HM_MAX_MESSAGES SMTPDeliverer
 * messages (least recently used evicted), HM_STATE_BUDGET bytes of strings
 * held for all of them, HM_MAX_PENDING waiting commands, HM_MAX_RCPTS
 * recipients per transaction, HM_ADDR_MAX bytes per stored string,
 * HM_REPLY_MAX bytes of a reply assembled over several lines. Lines with NUL
 * bytes are LINE_BAD. Does NOT read hmailserver_events.log or the backup log
 * (UTF-16), does NOT model POP3/IMAP sessions. */
#include "logs/logfmt.h"
#include "logs/lru.h"
#include "logs/smtpreply.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#define HM_MAX_SESSIONS 4096
#define HM_MAX_MESSAGES 4096
#define HM_MAX_PENDING 32
#define HM_MAX_RCPTS 128
#define HM_ADDR_MAX 512
#define HM_REPLY_MAX 4096
#define HM_MAX_LIST_RCPTS 1000              /* recipients taken from one Delivering line */
#define HM_STATE_BUDGET (32u * 1024 * 1024) /* bytes of strings held in sessions */
#define HM_CUT_TAIL 30                      /* " ... " + at most this many bytes = cut */

/* ---- state ---- */

enum verb {
    V_NONE = 0,
    V_BANNER, /* the greeting, paired with no command */
    V_HELO,
    V_MAIL,
    V_RCPT,
    V_DATA,
    V_DATA_END, /* the reply after 354 */
    V_BDAT,
    V_RSET,
    V_QUIT,
    V_AUTH,
    V_STARTTLS,
    V_OTHER,
};

struct pending {
    enum verb verb;
    char *arg; /* address (MAIL/RCPT), helo (HELO) or NULL */
    bool arg_cut;
};

enum auth_wait { AUTH_NONE, AUTH_WANT_USER, AUTH_WANT_PASS, AUTH_WANT_DATA };

struct session {
    struct lru_node n; /* key: category << 56 | session number */
    bool outbound;     /* SMTPC */
    bool seen_reply;   /* any reply yet (banner detection) */
    bool authed;
    bool quit;
    enum auth_wait auth;
    char *helo, *sender, *sasl_user, *relay_host;
    bool has_sender;
    struct pending q[HM_MAX_PENDING];
    size_t q_head, q_len;
    char *rcpt[HM_MAX_RCPTS];
    size_t n_rcpt;
    char *reply; /* a reply assembled over several log lines */
    size_t reply_len;
    size_t bytes; /* held by the strings above */
};

struct message {
    struct lru_node n; /* key: message id */
    bool rescheduled;  /* the current attempt ended with a retry scheduled */
    bool queued;       /* EV_QUEUED already emitted */
};

struct hm {
    struct log_opts opts;
    struct lru sessions, messages;
    size_t bytes; /* strings held by all sessions */
};

/* ---- small helpers ---- */

static const char *find_mem(const char *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    if (n == 0 || n > len) return NULL;
    const char *end = p + len - n + 1;
    while (p < end) {
        const char *q = memchr(p, lit[0], (size_t)(end - p));
        if (!q) return NULL;
        if (memcmp(q, lit, n) == 0) return q;
        p = q + 1;
    }
    return NULL;
}

static bool starts(const char *p, size_t len, const char *lit)
{
    size_t n = strlen(lit);
    return len >= n && memcmp(p, lit, n) == 0;
}

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

/* "YYYY-MM-DD hh:mm:ss[.mmm]" at p (exactly n bytes) → UTC. */
static bool parse_time(const char *p, size_t n, int tz_min, int64_t *t, int *ms)
{
    if (n != 19 && n != 23) return false;
    if (p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':') return false;
    int y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
    int h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60)
        return false;
    *ms = 0;
    if (n == 23) {
        if (p[19] != '.') return false;
        int m = digits(p + 20, 3);
        if (m < 0) return false;
        *ms = m;
    }
    *t = time_from_civil(y, mo, d, h, mi, s) - (int64_t)tz_min * 60;
    return true;
}


/* The address after "FROM:" / "TO:" (p points after the colon). Sets *cut when
 * the closing '>' is missing (a truncated line). "<>" gives "". */
static struct slice cmd_addr(const char *p, size_t len, bool *cut)
{
    size_t i = 0;
    *cut = false;
    while (i < len && p[i] == ' ')
        i++;
    if (i < len && p[i] == '<') {
        const char *e = memchr(p + i + 1, '>', len - i - 1);
        if (!e) {
            *cut = true;
            return (struct slice){p + i + 1, len - i - 1};
        }
        return (struct slice){p + i + 1, (size_t)(e - (p + i + 1))};
    }
    size_t s = i;
    while (i < len && p[i] != ' ')
        i++;
    return (struct slice){p + s, i - s};
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* Decode base64 (p,len) into out (cap bytes); returns the length or -1. */
static long b64_decode(const char *p, size_t len, char *out, size_t cap)
{
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '=') break;
        int v = b64val(c);
        if (v < 0) return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= cap) return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    return (long)n;
}

/* ---- session strings (counted against the budget) ---- */

static char *sdup(struct hm *h, struct session *s, const char *p, size_t n)
{
    if (n > HM_ADDR_MAX) n = HM_ADDR_MAX;
    s->bytes += n + 1;
    h->bytes += n + 1;
    return xstrndup(p, n);
}

static void sfree(struct hm *h, struct session *s, char **pp)
{
    if (!*pp) return;
    size_t n = strlen(*pp) + 1;
    s->bytes -= n;
    h->bytes -= n;
    free(*pp);
    *pp = NULL;
}

static void clear_rcpts(struct hm *h, struct session *s)
{
    for (size_t i = 0; i < s->n_rcpt; i++)
        sfree(h, s, &s->rcpt[i]);
    s->n_rcpt = 0;
}

static void clear_txn(struct hm *h, struct session *s)
{
    clear_rcpts(h, s);
    sfree(h, s, &s->sender);
    s->has_sender = false;
}

static void clear_reply(struct hm *h, struct session *s)
{
    if (s->reply) {
        s->bytes -= HM_REPLY_MAX;
        h->bytes -= HM_REPLY_MAX;
        free(s->reply);
        s->reply = NULL;
    }
    s->reply_len = 0;
}

static void session_free(struct hm *h, struct session *s)
{
    clear_txn(h, s);
    sfree(h, s, &s->helo);
    sfree(h, s, &s->sasl_user);
    sfree(h, s, &s->relay_host);
    while (s->q_len) {
        sfree(h, s, &s->q[s->q_head].arg);
        s->q_head = (s->q_head + 1) % HM_MAX_PENDING;
        s->q_len--;
    }
    clear_reply(h, s);
    free(s);
}

static void session_end(struct hm *h, struct session *s)
{
    lru_remove(&h->sessions, &s->n);
    session_free(h, s);
}

static struct session *session_get(struct hm *h, uint64_t key, bool outbound, bool *created)
{
    struct lru_node *n = lru_get(&h->sessions, key, NULL, NULL);
    *created = false;
    if (n) return (struct session *)n;
    while (h->sessions.count >= HM_MAX_SESSIONS ||
           (h->bytes > HM_STATE_BUDGET && h->sessions.oldest))
        session_end(h, (struct session *)h->sessions.oldest);
    struct session *s = xcalloc(1, sizeof *s);
    s->n.hash = key;
    s->outbound = outbound;
    lru_insert(&h->sessions, &s->n);
    *created = true;
    return s;
}

static void q_push(struct hm *h, struct session *s, enum verb v, const char *arg, size_t arg_len,
                   bool cut)
{
    if (s->q_len == HM_MAX_PENDING) { /* drop the oldest: the dialogue is lost anyway */
        sfree(h, s, &s->q[s->q_head].arg);
        s->q_head = (s->q_head + 1) % HM_MAX_PENDING;
        s->q_len--;
    }
    struct pending *pd = &s->q[(s->q_head + s->q_len) % HM_MAX_PENDING];
    pd->verb = v;
    pd->arg = arg ? sdup(h, s, arg, arg_len) : NULL;
    pd->arg_cut = cut;
    s->q_len++;
}

/* Put a command back at the head (DATA → DATA_END after 354, AUTH after 334). */
static bool q_push_front(struct session *s, enum verb v)
{
    if (s->q_len == HM_MAX_PENDING) return false;
    s->q_head = (s->q_head + HM_MAX_PENDING - 1) % HM_MAX_PENDING;
    s->q[s->q_head] = (struct pending){v, NULL, false};
    s->q_len++;
    return true;
}

static bool q_pop(struct session *s, struct pending *out)
{
    if (!s->q_len) return false;
    *out = s->q[s->q_head];
    s->q[s->q_head].arg = NULL;
    s->q_head = (s->q_head + 1) % HM_MAX_PENDING;
    s->q_len--;
    return true;
}

/* ---- line context and emission ---- */

struct lctx {
    struct hm *h;
    arena *a;
    log_emit_fn emit;
    void *ctx;
    const char *component;
    int64_t time;
    int time_ms;
    bool time_valid;
    struct slice time_text, session, ip, text;
    const char *time_s, *session_s, *ip_s, *text_s; /* arena copies, made on demand */
    bool truncated;
    int n_events;
};

static const char *lc_str(struct lctx *lc, struct slice sl, const char **cache)
{
    if (!sl.p) return NULL;
    if (!*cache) *cache = arena_strndup(lc->a, sl.p, sl.len);
    return *cache;
}

static void ev_base(struct lctx *lc, struct log_event *ev, enum log_kind kind)
{
    log_event_init(ev);
    ev->kind = kind;
    ev->time = lc->time;
    ev->time_ms = lc->time_ms;
    ev->time_valid = lc->time_valid;
    ev->time_text = lc_str(lc, lc->time_text, &lc->time_s);
    ev->component = lc->component;
    ev->session_id = lc_str(lc, lc->session, &lc->session_s);
}

static void ev_emit(struct lctx *lc, struct log_event *ev)
{
    lc->emit(lc->ctx, ev);
    lc->n_events++;
}

static const char *adup(struct lctx *lc, const char *p, size_t n)
{
    return p ? arena_strndup(lc->a, p, n) : NULL;
}

static const char *cdup(struct lctx *lc, const char *s)
{
    return s ? arena_strdup(lc->a, s) : NULL;
}

/* ---- SMTP dialogue ---- */

static const struct {
    const char *word;
    enum verb v;
} verbs[] = {
    {"EHLO", V_HELO}, {"HELO", V_HELO},         {"MAIL", V_MAIL}, {"RCPT", V_RCPT},
    {"DATA", V_DATA}, {"BDAT", V_BDAT},         {"RSET", V_RSET}, {"QUIT", V_QUIT},
    {"AUTH", V_AUTH}, {"STARTTLS", V_STARTTLS},
};

static enum verb verb_of(const char *p, size_t len, size_t *word_len)
{
    size_t i = 0;
    while (i < len && p[i] != ' ' && p[i] != ':')
        i++;
    *word_len = i;
    for (size_t k = 0; k < sizeof verbs / sizeof verbs[0]; k++)
        if (str_eq_ci(p, i, verbs[k].word)) return verbs[k].v;
    return V_OTHER;
}

/* AUTH data lines (base64 user name, masked password) are not commands. */
static void auth_user_from(struct hm *h, struct session *s, const char *p, size_t len, bool plain)
{
    char buf[HM_ADDR_MAX];
    long n = b64_decode(p, len, buf, sizeof buf);
    if (n <= 0) return;
    const char *u = buf;
    size_t ul = (size_t)n;
    if (plain) { /* authzid \0 authcid \0 password: take authcid */
        const char *z = memchr(buf, 0, (size_t)n);
        if (!z) return;
        const char *a2 = z + 1;
        const char *z2 = memchr(a2, 0, (size_t)(buf + n - a2));
        if (!z2) return;
        u = a2;
        ul = (size_t)(z2 - a2);
    }
    for (size_t i = 0; i < ul; i++)
        if ((unsigned char)u[i] < 0x20) return;
    sfree(h, s, &s->sasl_user);
    if (ul) s->sasl_user = sdup(h, s, u, ul);
}

/* What the client sends after a 334: the challenge says (base64 "Username:" /
 * "Password:"); an empty challenge to AUTH PLAIN asks for the PLAIN data. */
static enum auth_wait auth_stage(const char *mech, struct slice reply)
{
    char buf[32];
    long n = reply.len > 4 ? b64_decode(reply.p + 4, reply.len - 4, buf, sizeof buf) : 0;
    if (n > 0 && str_starts_ci(buf, (size_t)n, "username")) return AUTH_WANT_USER;
    if (n > 0 && str_starts_ci(buf, (size_t)n, "password")) return AUTH_WANT_PASS;
    if (mech && str_eq_ci(mech, strlen(mech), "PLAIN")) return AUTH_WANT_DATA;
    return AUTH_WANT_PASS;
}

static void on_command(struct lctx *lc, struct session *s, const char *p, size_t len)
{
    struct hm *h = lc->h;
    if (s->auth != AUTH_NONE) {
        if (s->auth == AUTH_WANT_USER) auth_user_from(h, s, p, len, false);
        if (s->auth == AUTH_WANT_DATA) auth_user_from(h, s, p, len, true);
        s->auth = AUTH_NONE;
        return;
    }
    size_t wl;
    enum verb v = verb_of(p, len, &wl);
    const char *arg = p + wl;
    size_t arg_len = len - wl;
    bool cut = false;
    if (v == V_MAIL || v == V_RCPT) {
        const char *colon = memchr(p, ':', len);
        if (colon) {
            struct slice a = cmd_addr(colon + 1, len - (size_t)(colon + 1 - p), &cut);
            if (cut && lc->truncated) a.p = NULL; /* the address fell in the cut */
            if (a.p)
                q_push(h, s, v, a.p, a.len, cut);
            else
                q_push(h, s, v, NULL, 0, true);
            return;
        }
        q_push(h, s, v, NULL, 0, true);
        return;
    }
    if (v == V_BDAT && !str_find_ci(arg, arg_len, "LAST")) v = V_OTHER; /* a middle chunk */
    if (v == V_HELO) {
        while (arg_len && *arg == ' ')
            arg++, arg_len--;
        q_push(h, s, v, arg, arg_len, false);
        return;
    }
    if (v == V_AUTH) { /* AUTH PLAIN <b64> carries the user; AUTH LOGIN <b64> too */
        while (arg_len && *arg == ' ')
            arg++, arg_len--;
        size_t ml = 0;
        while (ml < arg_len && arg[ml] != ' ')
            ml++;
        const char *ir = arg + ml;
        size_t irl = arg_len - ml;
        while (irl && *ir == ' ')
            ir++, irl--;
        bool plain = str_eq_ci(arg, ml, "PLAIN");
        if (irl && !(irl == 3 && memcmp(ir, "***", 3) == 0)) auth_user_from(h, s, ir, irl, plain);
        /* remember the mechanism in arg to interpret the 334 that follows */
        q_push(h, s, v, arg, ml, irl > 0);
        return;
    }
    q_push(h, s, v, NULL, 0, false);
}

static void emit_in_event(struct lctx *lc, struct session *s, enum log_kind kind, int code,
                          struct slice dsn, struct slice text, const char *rcpt)
{
    struct log_event ev;
    ev_base(lc, &ev, kind);
    ev.client_ip = lc_str(lc, lc->ip, &lc->ip_s);
    ev.helo = cdup(lc, s->helo);
    if (s->authed) ev.sasl_user = cdup(lc, s->sasl_user ? s->sasl_user : "(unknown)");
    if (s->has_sender) ev.sender = cdup(lc, s->sender ? s->sender : "");
    ev.recipient = cdup(lc, rcpt);
    if (kind == EV_REJECT) ev.status = DLV_REJECTED;
    ev.reply_code = code;
    ev.dsn = adup(lc, dsn.p, dsn.len);
    if (code) ev.reply_text = adup(lc, text.p, text.len);
    ev_emit(lc, &ev);
}

static void emit_out_event(struct lctx *lc, struct session *s, enum log_kind kind, int code,
                           struct slice dsn, struct slice text, const char *rcpt)
{
    struct log_event ev;
    ev_base(lc, &ev, kind);
    ev.relay_ip = lc_str(lc, lc->ip, &lc->ip_s);
    ev.relay_host = cdup(lc, s->relay_host);
    if (s->has_sender) ev.sender = cdup(lc, s->sender ? s->sender : "");
    ev.recipient = cdup(lc, rcpt);
    ev.status = smtp_reply_status(code);
    ev.reply_code = code;
    ev.dsn = adup(lc, dsn.p, dsn.len);
    ev.reply_text = adup(lc, text.p, text.len);
    ev_emit(lc, &ev);
}

static void keep_rcpt(struct session *s, char **arg)
{
    if (s->n_rcpt < HM_MAX_RCPTS && *arg) {
        s->rcpt[s->n_rcpt++] = *arg; /* ownership moves, bytes stay counted */
        *arg = NULL;
    }
}

static void set_sender(struct hm *h, struct session *s, struct pending *pd)
{
    sfree(h, s, &s->sender);
    s->sender = pd->arg;
    pd->arg = NULL;
    s->has_sender = s->sender != NULL;
}

/* The first word of a 220 banner when it looks like a host name. */
static void banner_host(struct hm *h, struct session *s, const char *p, size_t len)
{
    size_t i = 4, j;
    if (len <= i) return;
    for (j = i; j < len && p[j] != ' ' && p[j] != '['; j++)
        ;
    if (j == i || !memchr(p + i, '.', j - i)) return;
    for (size_t k = i; k < j; k++)
        if (!ch_is_alnum((unsigned char)p[k]) && p[k] != '.' && p[k] != '-') return;
    sfree(h, s, &s->relay_host);
    s->relay_host = sdup(h, s, p + i, j - i);
}

/* A complete reply (code, dsn, text) paired with the oldest waiting command. */
static void on_reply(struct lctx *lc, struct session *s, int code, struct slice dsn,
                     struct slice text, bool *ended)
{
    struct hm *h = lc->h;
    struct pending pd = {V_NONE, NULL, false};
    bool first = !s->seen_reply;
    s->seen_reply = true;
    if (!q_pop(s, &pd)) pd.verb = first ? V_BANNER : V_NONE;
    if (pd.verb == V_DATA && code == 354) { /* the final reply comes after the data */
        q_push_front(s, V_DATA_END);
        goto out;
    }
    bool ok = code >= 200 && code < 400;
    bool fail = code >= 400;

    if (code == 221) { /* closing: the session is over whatever was asked */
        if (!s->outbound) emit_in_event(lc, s, EV_DISCONNECT, 0, dsn, text, NULL);
        *ended = true;
        goto out;
    }
    if (!s->outbound) {
        switch (pd.verb) {
        case V_BANNER:
            if (code == 220)
                emit_in_event(lc, s, EV_CONNECT, 0, dsn, text, NULL);
            else if (fail)
                emit_in_event(lc, s, EV_REJECT, code, dsn, text, NULL);
            break;
        case V_HELO:
            if (ok && pd.arg) {
                sfree(h, s, &s->helo);
                s->helo = pd.arg;
                pd.arg = NULL;
            }
            break;
        case V_AUTH:
            if (code == 334) {
                s->auth = auth_stage(pd.arg, text);
                if (q_push_front(s, V_AUTH)) { /* the next reply answers the same AUTH */
                    s->q[s->q_head].arg = pd.arg;
                    pd.arg = NULL;
                }
            } else if (code == 235) {
                s->auth = AUTH_NONE;
                s->authed = true;
                emit_in_event(lc, s, EV_AUTH, 0, dsn, text, NULL);
            } else if (fail) {
                s->auth = AUTH_NONE;
                emit_in_event(lc, s, EV_SMTP, code, dsn, text, NULL);
            }
            break;
        case V_MAIL:
            if (ok) {
                clear_txn(h, s);
                set_sender(h, s, &pd);
            } else if (fail) {
                struct session tmp = *s; /* report the refused sender */
                tmp.sender = pd.arg;
                tmp.has_sender = pd.arg != NULL;
                emit_in_event(lc, &tmp, EV_REJECT, code, dsn, text, NULL);
            }
            break;
        case V_RCPT:
            if (ok) {
                emit_in_event(lc, s, EV_RCPT_ACCEPTED, 0, dsn, text, pd.arg);
                keep_rcpt(s, &pd.arg);
            } else if (fail) {
                emit_in_event(lc, s, EV_REJECT, code, dsn, text, pd.arg);
            }
            break;
        case V_DATA: /* a refused DATA ends the transaction like a refused message */
        case V_DATA_END:
        case V_BDAT:
            if (fail)
                for (size_t i = 0; i < s->n_rcpt; i++)
                    emit_in_event(lc, s, EV_REJECT, code, dsn, text, s->rcpt[i]);
            if (code != 354) clear_txn(h, s);
            break;
        case V_RSET:
            clear_txn(h, s);
            break;
        default:
            break;
        }
    } else {
        switch (pd.verb) {
        case V_BANNER:
            if (code == 220) banner_host(h, s, text.p, text.len);
            if (fail) emit_out_event(lc, s, EV_SMTP, code, dsn, text, NULL);
            break;
        case V_HELO:
        case V_STARTTLS:
        case V_AUTH:
            if (fail) emit_out_event(lc, s, EV_SMTP, code, dsn, text, NULL);
            break;
        case V_MAIL:
            if (ok) {
                clear_rcpts(h, s);
                set_sender(h, s, &pd);
            } else if (fail) {
                struct session tmp = *s;
                tmp.sender = pd.arg;
                tmp.has_sender = pd.arg != NULL;
                emit_out_event(lc, &tmp, EV_SMTP, code, dsn, text, NULL);
            }
            break;
        case V_RCPT:
            if (ok)
                keep_rcpt(s, &pd.arg);
            else if (fail)
                emit_out_event(lc, s, EV_DELIVERY, code, dsn, text, pd.arg);
            break;
        case V_DATA:
        case V_DATA_END:
        case V_BDAT:
            if (code && code != 354) {
                for (size_t i = 0; i < s->n_rcpt; i++)
                    emit_out_event(lc, s, EV_DELIVERY, code, dsn, text, s->rcpt[i]);
                clear_txn(h, s);
            }
            break;
        case V_RSET:
            clear_txn(h, s);
            break;
        default:
            break;
        }
    }
out:
    sfree(h, s, &pd.arg);
}

/* Split a SENT/RECEIVED text at [nl] into protocol lines; commands go to
 * on_command, reply lines are assembled into replies for on_reply. */
/* Append (p,n) to the session's pending reply, joined with [nl] (bounded). */
static void reply_append(struct hm *h, struct session *s, const char *p, size_t n)
{
    if (!s->reply) {
        s->reply = xmalloc(HM_REPLY_MAX);
        s->bytes += HM_REPLY_MAX;
        h->bytes += HM_REPLY_MAX;
    }
    if (s->reply_len && s->reply_len + 4 <= HM_REPLY_MAX) {
        memcpy(s->reply + s->reply_len, "[nl]", 4);
        s->reply_len += 4;
    }
    size_t room = HM_REPLY_MAX - s->reply_len;
    size_t take = n < room ? n : room;
    memcpy(s->reply + s->reply_len, p, take);
    s->reply_len += take;
}

/* A reply ends at r_end: its first line starts at r_start in this text, or
 * earlier in the session buffer. */
static void reply_done(struct lctx *lc, struct session *s, const char *r_start, const char *r_end,
                       bool *ended)
{
    struct slice text = {r_start, (size_t)(r_end - r_start)};
    if (s->reply_len) {
        reply_append(lc->h, s, r_start, text.len);
        text = (struct slice){arena_strndup(lc->a, s->reply, s->reply_len), s->reply_len};
        clear_reply(lc->h, s);
    }
    struct slice dsn;
    int code;
    smtp_reply_parse(text.p, text.len, &code, &dsn);
    if (code) on_reply(lc, s, code, dsn, text, ended);
}

/* Split a SENT/RECEIVED text at [nl] into protocol lines; commands go to
 * on_command, reply lines are assembled into replies for on_reply. A reply
 * still open at the end of the text waits in the session for the next log
 * line, unless the log line was cut (its end is lost: the reply ends here). */
static void feed(struct lctx *lc, struct session *s, const char *p, size_t len, bool is_reply,
                 bool *ended)
{
    struct hm *h = lc->h;
    const char *end = p + len;
    const char *r_start = NULL; /* first line of the reply being read in this text */
    if (!is_reply && s->reply_len) clear_reply(h, s); /* an unfinished reply is abandoned */
    for (;;) {
        const char *nl = find_mem(p, (size_t)(end - p), "[nl]");
        const char *le = nl ? nl : end;
        size_t l = (size_t)(le - p);
        if (!is_reply) {
            if (l && !(l == 1 && p[0] == '.')) on_command(lc, s, p, l); /* "." ends DATA */
        } else if (l) {
            bool cont = l > 3 && p[3] == '-' && ch_is_digit((unsigned char)p[0]);
            if (!r_start) r_start = p;
            if (!cont) {
                reply_done(lc, s, r_start, le, ended);
                r_start = NULL;
            }
        }
        if (*ended) return;
        if (!nl) break;
        p = nl + 4;
    }
    if (r_start) {
        if (lc->truncated)
            reply_done(lc, s, r_start, end, ended);
        else
            reply_append(h, s, r_start, (size_t)(end - r_start));
    }
}

static const struct {
    const char *name; /* with its quotes */
    bool session;     /* has session and IP fields */
    int role;         /* 0 ignore, 1 SMTPD, 2 SMTPC, 3 APPLICATION, 4 ERROR */
} cats[] = {
    {"\"SMTPD\"", true, 1},  {"\"SMTPC\"", true, 2},  {"\"POP3D\"", true, 0},
    {"\"POP3C\"", true, 0},  {"\"IMAPD\"", true, 0},  {"\"APPLICATION\"", false, 3},
    {"\"ERROR\"", false, 4}, {"\"DEBUG\"", false, 0}, {"\"TCPIP\"", false, 0},
};

static void smtp_line(struct lctx *lc, int role, uint64_t session_no, int cat_index)
{
    struct hm *h = lc->h;
    const char *t = lc->text.p;
    size_t tl = lc->text.len;
    bool sent = starts(t, tl, "SENT: ");
    bool recv = !sent && starts(t, tl, "RECEIVED: ");
    if (!sent && !recv) return;
    size_t skip = sent ? 6 : 10;
    bool outbound = role == 2;
    bool is_reply = outbound ? recv : sent;
    uint64_t key = ((uint64_t)cat_index << 56) | (session_no & 0x00ffffffffffffffULL);
    struct lru_node *n = lru_get(&h->sessions, key, NULL, NULL);
    struct session *s = (struct session *)n;
    if (!s) {
        /* a closing reply of a session we never saw opens nothing */
        if (is_reply && tl - skip >= 3 && memcmp(t + skip, "221", 3) == 0) return;
        bool created;
        s = session_get(h, key, outbound, &created);
    }
    /* a greeting with nothing waiting on a known id: hMailServer restarted and
     * reuses session numbers, or the old session's end was never logged */
    if (is_reply && s->seen_reply && s->q_len == 0 && tl - skip >= 4 &&
        memcmp(t + skip, "220 ", 4) == 0) {
        session_end(h, s);
        bool created;
        s = session_get(h, key, outbound, &created);
    }
    bool ended = false;
    feed(lc, s, t + skip, tl - skip, is_reply, &ended);
    if (ended) session_end(h, s);
}

/* ---- APPLICATION (SMTPDeliverer) ---- */

static struct message *message_get(struct hm *h, uint64_t id, bool create)
{
    struct lru_node *n = lru_get(&h->messages, id, NULL, NULL);
    if (n || !create) return (struct message *)n;
    while (h->messages.count >= HM_MAX_MESSAGES) {
        struct lru_node *o = h->messages.oldest;
        lru_remove(&h->messages, o);
        free(o);
    }
    struct message *m = xcalloc(1, sizeof *m);
    m->n.hash = id;
    lru_insert(&h->messages, &m->n);
    return m;
}

static void message_drop(struct hm *h, struct message *m)
{
    lru_remove(&h->messages, &m->n);
    free(m);
}

enum app_act {
    A_DELIVERING,
    A_RELAYING,
    A_RESCHEDULE,
    A_GIVE_UP,
    A_COMPLETED,
    A_NO_MX,
    A_INBOX_FULL,
};

/* The SMTPDeliverer texts after "Message N: " (SMTPDeliverer.cpp, ExternalDelivery.cpp,
 * LocalDelivery.cpp of hMailServer 5.x). */
static const struct {
    const char *prefix;
    enum app_act act;
} app_table[] = {
    {"Delivering message from ", A_DELIVERING},
    {"Relaying to host ", A_RELAYING},
    {"Message could not be delivered. Scheduling it for later delivery", A_RESCHEDULE},
    {"Message could not be delivered. Greylisting? Scheduling it for quick retry", A_RESCHEDULE},
    {"Message could not be delivered. Returning error log to sender.", A_GIVE_UP},
    {"Message delivery thread completed.", A_COMPLETED},
    {"No mail servers could be found for the address ", A_NO_MX},
    {"The message was not delivered to ", A_INBOX_FULL}, /* checked for "inbox is full" */
};

static void app_other(struct lctx *lc, const char *qid, size_t qid_len)
{
    struct log_event ev;
    ev_base(lc, &ev, EV_OTHER);
    ev.queue_id = adup(lc, qid, qid_len);
    ev.text = lc_str(lc, lc->text, &lc->text_s);
    ev_emit(lc, &ev);
}

static void app_delivering(struct lctx *lc, struct message *m, const char *qid, size_t qid_len,
                           const char *p, size_t len)
{
    /* "S to A, B. File: F" — S is an address or <Empty>, never holds " to " */
    const char *to = find_mem(p, len, " to ");
    if (!to || m->queued) {
        app_other(lc, qid, qid_len);
        return;
    }
    struct slice from = {p, (size_t)(to - p)};
    const char *r = to + 4;
    size_t rl = len - (size_t)(r - p);
    const char *file = find_mem(r, rl, ". File: ");
    bool list_cut = false;
    if (file)
        rl = (size_t)(file - r);
    else if (lc->truncated) {
        /* the cut is inside the list: keep the recipients wholly before " ... " */
        const char *cut = find_mem(r, rl, " ... ");
        if (!cut) {
            app_other(lc, qid, qid_len);
            return;
        }
        rl = (size_t)(cut - r);
        list_cut = true;
    } else if (rl && r[rl - 1] == '.') {
        rl--; /* no File: part at all */
    }
    m->queued = true;
    const char *sender = (from.len == 7 && memcmp(from.p, "<Empty>", 7) == 0)
                             ? ""
                             : arena_strndup(lc->a, from.p, from.len);
    /* count first, then emit */
    int n = 0;
    for (size_t i = 0; i <= rl;) {
        const char *c = find_mem(r + i, rl - i, ", ");
        size_t e = c ? (size_t)(c - r) : rl;
        if (!c && list_cut) break; /* the last one may be partial */
        if (e > i) n++;
        if (!c) break;
        i = e + 2;
    }
    int emitted = 0;
    for (size_t i = 0; i <= rl && emitted < HM_MAX_LIST_RCPTS;) {
        const char *c = find_mem(r + i, rl - i, ", ");
        size_t e = c ? (size_t)(c - r) : rl;
        if (!c && list_cut) break;
        if (e > i) {
            struct log_event ev;
            ev_base(lc, &ev, EV_QUEUED);
            ev.queue_id = adup(lc, qid, qid_len);
            ev.sender = sender;
            ev.recipient = arena_strndup(lc->a, r + i, e - i);
            ev.nrcpt = list_cut ? -1 : n;
            ev.text = lc_str(lc, lc->text, &lc->text_s);
            ev_emit(lc, &ev);
            emitted++;
        }
        if (!c) break;
        i = e + 2;
    }
    if (!emitted) app_other(lc, qid, qid_len);
}

static void app_line(struct lctx *lc)
{
    struct hm *h = lc->h;
    const char *t = lc->text.p;
    size_t tl = lc->text.len;
    static const char pre[] = "SMTPDeliverer - Message ";
    if (!starts(t, tl, pre)) {
        app_other(lc, NULL, 0);
        return;
    }
    size_t i = sizeof pre - 1, s = i;
    uint64_t id = 0;
    while (i < tl && ch_is_digit((unsigned char)t[i]) && i - s < 19)
        id = id * 10 + (uint64_t)(t[i++] - '0');
    if (i == s || i + 2 > tl || t[i] != ':' || t[i + 1] != ' ') {
        app_other(lc, NULL, 0);
        return;
    }
    const char *qid = t + s;
    size_t qid_len = i - s;
    const char *r = t + i + 2;
    size_t rl = tl - i - 2;
    size_t k;
    for (k = 0; k < sizeof app_table / sizeof app_table[0]; k++)
        if (starts(r, rl, app_table[k].prefix)) break;
    if (k == sizeof app_table / sizeof app_table[0]) {
        app_other(lc, qid, qid_len);
        return;
    }
    size_t pl = strlen(app_table[k].prefix);
    const char *arg = r + pl;
    size_t al = rl - pl;
    struct message *m;
    struct log_event ev;
    switch (app_table[k].act) {
    case A_DELIVERING:
        m = message_get(h, id, true);
        m->rescheduled = false;
        app_delivering(lc, m, qid, qid_len, arg, al);
        break;
    case A_RELAYING:
        ev_base(lc, &ev, EV_OTHER);
        ev.queue_id = adup(lc, qid, qid_len);
        if (al && arg[al - 1] == '.') al--;
        if (!lc->truncated) ev.relay_host = adup(lc, arg, al);
        ev.text = lc_str(lc, lc->text, &lc->text_s);
        ev_emit(lc, &ev);
        break;
    case A_RESCHEDULE:
        m = message_get(h, id, true);
        m->rescheduled = true;
        m->queued = true;
        app_other(lc, qid, qid_len);
        break;
    case A_GIVE_UP:
        m = message_get(h, id, false);
        if (m) m->rescheduled = false;
        ev_base(lc, &ev, EV_EXPIRED);
        ev.queue_id = adup(lc, qid, qid_len);
        ev.status = DLV_EXPIRED;
        ev.text = lc_str(lc, lc->text, &lc->text_s);
        ev_emit(lc, &ev);
        break;
    case A_COMPLETED:
        m = message_get(h, id, false);
        if (m && m->rescheduled) {
            m->rescheduled = false;
            app_other(lc, qid, qid_len);
            break;
        }
        if (m) message_drop(h, m);
        ev_base(lc, &ev, EV_REMOVED);
        ev.queue_id = adup(lc, qid, qid_len);
        ev.text = lc_str(lc, lc->text, &lc->text_s);
        ev_emit(lc, &ev);
        break;
    case A_NO_MX:
    case A_INBOX_FULL: {
        const char *end;
        if (app_table[k].act == A_NO_MX) {
            end = al && arg[al - 1] == '.' ? arg + al - 1 : NULL;
        } else {
            end = find_mem(arg, al,
                           ". Delivery to this account was cancelled since the account "
                           "inbox is full");
            if (!end) end = find_mem(arg, al, ". Delivery to this account was cancelled since");
        }
        if (!end || lc->truncated || end == arg) {
            app_other(lc, qid, qid_len);
            break;
        }
        bool full = app_table[k].act == A_INBOX_FULL;
        if (full && !find_mem(arg, al, "inbox is full")) {
            app_other(lc, qid, qid_len);
            break;
        }
        ev_base(lc, &ev, EV_DELIVERY);
        ev.queue_id = adup(lc, qid, qid_len);
        ev.recipient = adup(lc, arg, (size_t)(end - arg));
        ev.status = full ? DLV_BOUNCED : DLV_DEFERRED;
        ev.local = full;
        if (full) ev.relay_host = "local";
        ev.reply_text = lc_str(lc, lc->text, &lc->text_s);
        ev.text = ev.reply_text;
        ev_emit(lc, &ev);
        break;
    }
    }
}

/* ---- awstats ---- */

static enum line_rc awstats_line(struct lctx *lc, const char *p, size_t len)
{
    struct slice f[9];
    size_t nf = 0, i = 0;
    while (nf < 9) {
        const char *tab = memchr(p + i, '\t', len - i);
        size_t e = tab ? (size_t)(tab - p) : len;
        f[nf++] = (struct slice){p + i, e - i};
        if (!tab) break;
        i = e + 1;
    }
    if (nf != 9 || memchr(f[8].p, '\t', f[8].len)) return LINE_BAD;
    if (!str_eq_ci(f[5].p, f[5].len, "SMTP")) return LINE_BAD;
    if (!parse_time(f[0].p, f[0].len, lc->h->opts.tz_offset_min, &lc->time, &lc->time_ms))
        return LINE_BAD;
    lc->time_valid = true;
    lc->time_text = f[0];
    int code = f[7].len == 3 ? digits(f[7].p, 3) : -1;
    if (code < 100) return LINE_BAD;
    int64_t bytes = 0;
    if (f[8].len == 0 || f[8].len > 18) return LINE_BAD;
    for (size_t k = 0; k < f[8].len; k++) {
        if (!ch_is_digit((unsigned char)f[8].p[k])) return LINE_BAD;
        bytes = bytes * 10 + (f[8].p[k] - '0');
    }
    struct log_event ev;
    lc->component = "awstats";
    ev_base(lc, &ev, EV_DELIVERY);
    ev.sender = arena_strndup(lc->a, f[1].p, f[1].len);
    ev.recipient = arena_strndup(lc->a, f[2].p, f[2].len);
    ev.client_ip = adup(lc, f[3].p, f[3].len);
    ev.reply_code = code;
    ev.status = code == 250 ? DLV_SENT : smtp_reply_status(code);
    if (code == 250) {
        ev.relay_ip = adup(lc, f[4].p, f[4].len);
        ev.local = str_eq_ci(f[4].p, f[4].len, "127.0.0.1");
        if (ev.local) ev.relay_host = "local";
    }
    ev.size = code == 250 ? bytes : -1;
    ev_emit(lc, &ev);
    return LINE_EVENT;
}

/* ---- the format ---- */

static int field_end(const char *p, size_t len, size_t i)
{
    const char *tab = memchr(p + i, '\t', len - i);
    return tab ? (int)(tab - p) : -1;
}

static enum line_rc hm_line(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                            void *ctx)
{
    struct hm *h = state;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
    if (len == 0) return LINE_IGNORED;
    if (len > (size_t)INT32_MAX) return LINE_BAD;
    if (memchr(p, 0, len)) return LINE_BAD;
    struct lctx lc = {.h = h, .a = a, .emit = emit, .ctx = ctx};
    if (ch_is_digit((unsigned char)p[0])) return awstats_line(&lc, p, len);
    if (p[0] != '"') return LINE_FOREIGN;

    int e = field_end(p, len, 0);
    if (e < 0) return LINE_FOREIGN;
    size_t ci;
    for (ci = 0; ci < sizeof cats / sizeof cats[0]; ci++)
        if (str_eq_ci(p, (size_t)e, cats[ci].name)) break;
    if (ci == sizeof cats / sizeof cats[0]) return LINE_FOREIGN;
    size_t i = (size_t)e + 1;
    /* thread */
    e = field_end(p, len, i);
    if (e < 0 || (size_t)e == i) return LINE_BAD;
    for (size_t k = i; k < (size_t)e; k++)
        if (!ch_is_digit((unsigned char)p[k])) return LINE_BAD;
    i = (size_t)e + 1;
    uint64_t session_no = 0;
    if (cats[ci].session) {
        e = field_end(p, len, i);
        if (e < 0 || (size_t)e == i || (size_t)e - i > 18) return LINE_BAD;
        for (size_t k = i; k < (size_t)e; k++) {
            if (!ch_is_digit((unsigned char)p[k])) return LINE_BAD;
            session_no = session_no * 10 + (uint64_t)(p[k] - '0');
        }
        lc.session = (struct slice){p + i, (size_t)e - i};
        i = (size_t)e + 1;
    }
    /* "time" */
    e = field_end(p, len, i);
    if (e < 0 || (size_t)e - i < 2 || p[i] != '"' || p[e - 1] != '"') return LINE_BAD;
    if (!parse_time(p + i + 1, (size_t)e - i - 2, h->opts.tz_offset_min, &lc.time, &lc.time_ms))
        return LINE_BAD;
    lc.time_valid = true;
    lc.time_text = (struct slice){p + i + 1, (size_t)e - i - 2};
    i = (size_t)e + 1;
    if (cats[ci].session) {
        e = field_end(p, len, i);
        if (e < 0 || (size_t)e - i < 2 || p[i] != '"' || p[e - 1] != '"') return LINE_BAD;
        lc.ip = (struct slice){p + i + 1, (size_t)e - i - 2};
        i = (size_t)e + 1;
    }
    /* "text": the rest, quotes removed (the closing one may be gone in a cut line) */
    if (i >= len || p[i] != '"') return LINE_BAD;
    size_t te = len;
    if (te > i + 1 && p[te - 1] == '"') te--;
    lc.text = (struct slice){p + i + 1, te - i - 1};
    {
        const char *dots = find_mem(lc.text.p, lc.text.len, " ... ");
        while (dots) {
            size_t after = lc.text.len - (size_t)(dots + 5 - lc.text.p);
            if (after <= HM_CUT_TAIL) {
                lc.truncated = true;
                break;
            }
            dots = find_mem(dots + 1, lc.text.len - (size_t)(dots + 1 - lc.text.p), " ... ");
        }
    }
    static const char *const comp_names[] = {"SMTPD",       "SMTPC", "POP3D", "POP3C", "IMAPD",
                                             "APPLICATION", "ERROR", "DEBUG", "TCPIP"};
    lc.component = comp_names[ci];

    switch (cats[ci].role) {
    case 1:
    case 2:
        smtp_line(&lc, cats[ci].role, session_no, (int)ci);
        break;
    case 3:
        app_line(&lc);
        break;
    case 4: {
        struct log_event ev;
        ev_base(&lc, &ev, EV_WARNING);
        ev.text = lc_str(&lc, lc.text, &lc.text_s);
        ev_emit(&lc, &ev);
        break;
    }
    default:
        return LINE_IGNORED;
    }
    return lc.n_events ? LINE_EVENT : LINE_IGNORED;
}

static void *hm_open(const struct log_opts *opts)
{
    struct hm *h = xcalloc(1, sizeof *h);
    if (opts) h->opts = *opts;
    return h;
}

static void hm_close(void *state)
{
    struct hm *h = state;
    if (!h) return;
    while (h->sessions.oldest)
        session_end(h, (struct session *)h->sessions.oldest);
    while (h->messages.oldest) {
        struct lru_node *n = h->messages.oldest;
        lru_remove(&h->messages, n);
        free(n);
    }
    free(h);
}

/* Does (p,len) — one line — have the hMailServer shape? 2: session or
 * APPLICATION-style line, 1: awstats line, 0: no. */
static int line_shape(const char *p, size_t len)
{
    if (len > 0 && p[0] == '"') {
        int e = field_end(p, len, 0);
        if (e < 0) return 0;
        size_t ci;
        for (ci = 0; ci < sizeof cats / sizeof cats[0]; ci++)
            if (str_eq_ci(p, (size_t)e, cats[ci].name)) break;
        if (ci == sizeof cats / sizeof cats[0]) return 0;
        /* thread, [session], "time" */
        size_t i = (size_t)e + 1;
        int fields = cats[ci].session ? 2 : 1;
        for (int f = 0; f < fields; f++) {
            e = field_end(p, len, i);
            if (e < 0 || (size_t)e == i) return 0;
            for (size_t k = i; k < (size_t)e; k++)
                if (!ch_is_digit((unsigned char)p[k])) return 0;
            i = (size_t)e + 1;
        }
        if (len - i < 25 || p[i] != '"') return 0;
        int64_t t;
        int ms;
        if (!parse_time(p + i + 1, 23, 0, &t, &ms) || p[i + 24] != '"') return 0;
        return 2;
    }
    if (len >= 19) {
        int64_t t;
        int ms;
        if (!parse_time(p, 19, 0, &t, &ms) || len < 20 || p[19] != '\t') return 0;
        if (find_mem(p, len, "\tSMTP\t?\t")) return 1;
    }
    return 0;
}

static int hm_sniff(const char *head, size_t len)
{
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) head += 3, len -= 3;
    int good = 0, bad = 0, lines = 0;
    size_t i = 0;
    while (i < len && lines < 8) {
        const char *nl = memchr(head + i, '\n', len - i);
        if (!nl) break; /* complete lines only */
        size_t l = (size_t)(nl - (head + i));
        const char *p = head + i;
        if (l && p[l - 1] == '\r') l--;
        i = (size_t)(nl - head) + 1;
        if (!l) continue;
        lines++;
        if (line_shape(p, l))
            good++;
        else
            bad++;
    }
    if (good == 0) return 0;
    if (bad == 0) return good >= 2 ? 100 : 90;
    return good > bad ? 70 : 30;
}

const struct log_format log_format_hmailserver = {
    .mta = MTA_HMAILSERVER,
    .name = "hmailserver",
    .sniff = hm_sniff,
    .open = hm_open,
    .close = hm_close,
    .line = hm_line,
};
