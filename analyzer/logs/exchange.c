/* exchange — Exchange Server message tracking logs (MSGTRK*.LOG, 2007 to
 * 2019) into events.
 *
 * The file is UTF-8 with a BOM, `#Software: Microsoft Exchange Server`,
 * `#Version`, `#Log-type: Message Tracking Log`, `#Date`, then `#Fields:` and
 * RFC 4180 CSV lines (quoted fields with "" escapes and commas inside).
 * Columns come from #Fields (re-read whenever it appears); before any
 * #Fields line the column set is chosen by the column count: 30 = 2013+, 26
 * = 2010, 21 = 2007. date-time is ISO 8601 UTC with milliseconds. A quoted
 * field left open at the end of the line (a subject with a line break) or a
 * column count that differs from #Fields makes the line LINE_BAD.
 *
 * One event per recipient: recipient-address lists recipients separated by
 * ';' and recipient-status holds their statuses in the same order. A status
 * text may itself contain ';' ("550 5.1.1 RESOLVER.ADR.RecipNotFound; not
 * found"), so the statuses are split only at a ';' that starts a new status
 * (a reply code "NNN " or "[{"); a single status with several recipients
 * applies to all of them; missing ones are NULL. Reply code and enhanced
 * code are read from the status (also inside `{LED=...}`).
 * event-id (table below): RECEIVE → EV_QUEUED (client ip/name, sender,
 * size, recipient-count, message-id, subject); SEND → EV_DELIVERY sent
 * (relay = server-hostname/server-ip); DELIVER → EV_DELIVERY sent, local;
 * FAIL → EV_DELIVERY bounced (expired when the code is 4.4.7 or the text
 * says QUEUE.Expired); DEFER → EV_DELIVERY deferred; DSN → EV_DSN; EXPAND,
 * REDIRECT, RESOLVE, SUBMIT, TRANSFER, BADMAIL, POISONMESSAGE, DROP, ... →
 * one EV_OTHER per line; AGENTINFO, the HA* shadow redundancy events and
 * NOTIFYMAPI → LINE_IGNORED (bookkeeping); unknown ids → EV_OTHER.
 * queue_id is internal-message-id, host the server that logged (server-
 * hostname, client-hostname for SEND), text the source-context.
 *
 * Limits: EX_MAX_COLS columns, EX_MAX_RCPTS recipients per line. The
 * parser keeps no state but the column map. Does NOT read the other Exchange
 * logs (SMTP protocol, connectivity, agent logs: sniff refuses them), does
 * NOT decode the custom-data or message-info columns. */
#include "logs/logfmt.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#define EX_MAX_COLS 64
#define EX_MAX_RCPTS 5000

enum field {
    F_DATETIME,
    F_CLIENT_IP,
    F_CLIENT_HOST,
    F_SERVER_IP,
    F_SERVER_HOST,
    F_SOURCE_CONTEXT,
    F_SOURCE,
    F_EVENT_ID,
    F_INTERNAL_ID,
    F_MESSAGE_ID,
    F_RCPT,
    F_RCPT_STATUS,
    F_TOTAL_BYTES,
    F_RCPT_COUNT,
    F_SUBJECT,
    F_SENDER,
    F_RETURN_PATH,
    F__N,
    F_UNUSED = F__N,
};

static const char *const field_names[F__N] = {
    "date-time",      "client-ip",         "client-hostname",
    "server-ip",      "server-hostname",   "source-context",
    "source",         "event-id",          "internal-message-id",
    "message-id",     "recipient-address", "recipient-status",
    "total-bytes",    "recipient-count",   "message-subject",
    "sender-address", "return-path",
};

static const char fields_2007[] =
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-"
    "bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,"
    "return-path,message-info";
static const char fields_2010[] =
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,recipient-address,recipient-status,total-"
    "bytes,recipient-count,related-recipient-address,reference,message-subject,sender-address,"
    "return-path,message-info,directionality,tenant-id,original-client-ip,original-server-ip,"
    "custom-data";
static const char fields_2013[] =
    "date-time,client-ip,client-hostname,server-ip,server-hostname,source-context,connector-id,"
    "source,event-id,internal-message-id,message-id,network-message-id,recipient-address,"
    "recipient-status,total-bytes,recipient-count,related-recipient-address,reference,message-"
    "subject,sender-address,return-path,message-info,directionality,tenant-id,original-client-"
    "ip,original-server-ip,custom-data,transport-traffic-type,log-id,schema-version";

struct ex {
    struct log_opts opts;
    unsigned char col_field[EX_MAX_COLS];
    size_t n_cols; /* 0 until #Fields (or a guess from the first data line) */
};

/* What an event-id becomes (table read by reviewers). */
enum act { ACT_EVENT, ACT_OTHER, ACT_IGNORE };
static const struct {
    const char *id;
    enum act act;
    enum log_kind kind;
    enum dlv_status status;
    bool local;
} event_table[] = {
    {"RECEIVE", ACT_EVENT, EV_QUEUED, DLV_NONE, false},
    {"SEND", ACT_EVENT, EV_DELIVERY, DLV_SENT, false},
    {"DELIVER", ACT_EVENT, EV_DELIVERY, DLV_SENT, true},
    {"FAIL", ACT_EVENT, EV_DELIVERY, DLV_BOUNCED, false},
    {"DEFER", ACT_EVENT, EV_DELIVERY, DLV_DEFERRED, false},
    {"DSN", ACT_EVENT, EV_DSN, DLV_NONE, false},
    {"EXPAND", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"REDIRECT", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"RESOLVE", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"SUBMIT", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"TRANSFER", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"BADMAIL", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"POISONMESSAGE", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"DROP", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"DUPLICATEDELIVER", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"DUPLICATEEXPAND", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"PROCESS", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"SENDEXTERNAL", ACT_OTHER, EV_OTHER, DLV_NONE, false},
    {"AGENTINFO", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"NOTIFYMAPI", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"HAREDIRECT", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"HAREDIRECTFAIL", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"HARECEIVE", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"HADISCARD", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
    {"HATRANSFER", ACT_IGNORE, EV_OTHER, DLV_NONE, false},
};

/* ---- CSV ---- */

struct col {
    const char *p;
    size_t len;
    bool escaped; /* quoted and holds "" pairs */
};

/* Split (p,len) into columns; returns the count, or -1 when malformed. */
static int csv_split(const char *p, size_t len, struct col *cols, int max)
{
    int n = 0;
    size_t i = 0;
    for (;;) {
        if (n == max) return -1;
        struct col *c = &cols[n++];
        c->escaped = false;
        if (i < len && p[i] == '"') {
            size_t s = ++i;
            for (;;) {
                const char *q = memchr(p + i, '"', len - i);
                if (!q) return -1; /* open quote */
                i = (size_t)(q - p);
                if (i + 1 < len && p[i + 1] == '"') {
                    c->escaped = true;
                    i += 2;
                    continue;
                }
                break;
            }
            c->p = p + s;
            c->len = i - s;
            i++; /* the closing quote */
            if (i < len && p[i] != ',') return -1;
        } else {
            const char *q = memchr(p + i, ',', len - i);
            size_t e = q ? (size_t)(q - p) : len;
            if (memchr(p + i, '"', e - i)) return -1; /* a quote inside a bare field */
            c->p = p + i;
            c->len = e - i;
            i = e;
        }
        if (i >= len) return n;
        i++; /* the comma */
    }
}

static char *col_dup(arena *a, const struct col *c)
{
    if (!c->escaped) return arena_strndup(a, c->p, c->len);
    char *s = arena_alloc(a, c->len + 1);
    size_t o = 0;
    for (size_t i = 0; i < c->len; i++) {
        s[o++] = c->p[i];
        if (c->p[i] == '"' && i + 1 < c->len && c->p[i + 1] == '"') i++;
    }
    s[o] = '\0';
    return s;
}

static void set_fields(struct ex *st, const char *p, size_t len)
{
    st->n_cols = 0;
    size_t i = 0;
    while (i <= len && st->n_cols < EX_MAX_COLS) {
        const char *q = memchr(p + i, ',', len - i);
        size_t e = q ? (size_t)(q - p) : len;
        struct slice nm = str_trim(p + i, e - i);
        unsigned char f = F_UNUSED;
        for (unsigned k = 0; k < F__N; k++)
            if (str_eq_ci(nm.p, nm.len, field_names[k])) f = (unsigned char)k;
        st->col_field[st->n_cols++] = f;
        if (!q) break;
        i = e + 1;
    }
}

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

/* "YYYY-MM-DDThh:mm:ss[.fff]Z" */
static bool parse_iso(const char *p, size_t n, int64_t *t, int *ms)
{
    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != ' ') || p[13] != ':' ||
        p[16] != ':')
        return false;
    int y = digits(p, 4), mo = digits(p + 5, 2), d = digits(p + 8, 2);
    int h = digits(p + 11, 2), mi = digits(p + 14, 2), s = digits(p + 17, 2);
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        s < 0 || s > 60)
        return false;
    size_t i = 19;
    *ms = 0;
    if (i < n && p[i] == '.') {
        int frac = 0, nd = 0;
        for (i++; i < n && ch_is_digit((unsigned char)p[i]); i++, nd++)
            if (nd < 3) frac = frac * 10 + (p[i] - '0');
        if (nd == 0) return false;
        while (nd < 3)
            frac *= 10, nd++;
        *ms = frac;
    }
    if (i < n && p[i] == 'Z') i++;
    if (i != n) return false;
    *t = time_from_civil(y, mo, d, h, mi, s);
    return true;
}

/* A status start "NNN D.D.D" at p[i]? Sets the DSN length. */
static bool status_at(const char *p, size_t len, size_t i, size_t *dsn_off, size_t *dsn_len)
{
    if (i + 4 > len || (p[i] != '2' && p[i] != '4' && p[i] != '5') ||
        !ch_is_digit((unsigned char)p[i + 1]) || !ch_is_digit((unsigned char)p[i + 2]))
        return false;
    if (i > 0 && ch_is_digit((unsigned char)p[i - 1])) return false;
    if (p[i + 3] != ' ' && p[i + 3] != '-') return false;
    size_t j = i + 4;
    *dsn_len = 0;
    *dsn_off = j;
    if (j + 1 < len && (p[j] == '2' || p[j] == '4' || p[j] == '5') && p[j + 1] == '.') {
        size_t k = j + 2, nd = 0;
        while (k < len && nd < 3 && ch_is_digit((unsigned char)p[k]))
            k++, nd++;
        if (nd && k < len && p[k] == '.') {
            size_t m = k + 1;
            nd = 0;
            while (m < len && nd < 3 && ch_is_digit((unsigned char)p[m]))
                m++, nd++;
            if (nd && (m == len || !ch_is_digit((unsigned char)p[m]))) *dsn_len = m - j;
        }
    }
    return true;
}

/* Reply code and DSN of a status: the first "NNN D.D.D" anywhere (also inside
 * {LED=...}), else a leading "NNN ". */
static int status_code(const char *p, size_t len, struct slice *dsn)
{
    dsn->p = NULL;
    dsn->len = 0;
    int fallback = 0;
    for (size_t i = 0; i + 4 <= len; i++) {
        size_t off, dl;
        if (!status_at(p, len, i, &off, &dl)) continue;
        int code = (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
        if (dl) {
            dsn->p = p + off;
            dsn->len = dl;
            return code;
        }
        if (i == 0) fallback = code;
    }
    return fallback;
}

/* Next status boundary: a ';' followed by a status start or "[{". */
static size_t status_next(const char *p, size_t len, size_t from)
{
    for (size_t i = from; i < len; i++) {
        if (p[i] != ';') continue;
        size_t off, dl;
        if (i + 2 < len && p[i + 1] == '[' && p[i + 2] == '{') return i;
        if (status_at(p, len, i + 1, &off, &dl)) return i;
    }
    return len;
}

static const char *strip_angle(arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '<' && s[n - 1] == '>') return arena_strndup(a, s + 1, n - 2);
    return s;
}

/* ---- the format ---- */

static enum line_rc ex_line(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                            void *ctx)
{
    struct ex *st = state;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3, len -= 3;
    if (len == 0) return LINE_IGNORED;
    if (memchr(p, 0, len)) return LINE_BAD;
    if (p[0] == '#') {
        if (str_starts_ci(p, len, "#Fields:")) set_fields(st, p + 8, len - 8);
        return LINE_IGNORED;
    }
    struct col cols[EX_MAX_COLS];
    int nc = csv_split(p, len, cols, EX_MAX_COLS);
    if (nc < 0) return LINE_BAD;
    if (st->n_cols == 0) { /* no #Fields yet: guess the version from the count */
        if (nc == 30)
            set_fields(st, fields_2013, sizeof fields_2013 - 1);
        else if (nc == 26)
            set_fields(st, fields_2010, sizeof fields_2010 - 1);
        else if (nc == 21)
            set_fields(st, fields_2007, sizeof fields_2007 - 1);
        else
            return LINE_BAD;
    }
    if ((size_t)nc != st->n_cols) return LINE_BAD;
    const struct col *f[F__N] = {0};
    for (int i = 0; i < nc; i++)
        if (st->col_field[i] != F_UNUSED && cols[i].len) f[st->col_field[i]] = &cols[i];

    if (!f[F_DATETIME] || !f[F_EVENT_ID]) return LINE_BAD;
    int64_t t;
    int ms;
    if (!parse_iso(f[F_DATETIME]->p, f[F_DATETIME]->len, &t, &ms)) return LINE_BAD;
    size_t k;
    for (k = 0; k < sizeof event_table / sizeof event_table[0]; k++)
        if (str_eq_ci(f[F_EVENT_ID]->p, f[F_EVENT_ID]->len, event_table[k].id)) break;
    bool known = k < sizeof event_table / sizeof event_table[0];
    if (known && event_table[k].act == ACT_IGNORE) return LINE_IGNORED;
    bool per_rcpt = known && event_table[k].act == ACT_EVENT;

#define DUP(x) (f[x] ? col_dup(a, f[x]) : NULL)
    struct log_event base;
    log_event_init(&base);
    base.kind = per_rcpt ? event_table[k].kind : EV_OTHER;
    base.time = t;
    base.time_ms = ms;
    base.time_valid = true;
    base.time_text = DUP(F_DATETIME);
    base.component = f[F_SOURCE] ? col_dup(a, f[F_SOURCE]) : "MSGTRK";
    base.queue_id = DUP(F_INTERNAL_ID);
    base.message_id = f[F_MESSAGE_ID] ? strip_angle(a, col_dup(a, f[F_MESSAGE_ID])) : NULL;
    base.subject = DUP(F_SUBJECT);
    base.text = DUP(F_SOURCE_CONTEXT);
    const char *sender = f[F_SENDER] ? col_dup(a, f[F_SENDER]) : DUP(F_RETURN_PATH);
    if (sender && strcmp(sender, "<>") == 0) sender = "";
    base.sender = sender;
    if (f[F_TOTAL_BYTES]) {
        int64_t v = 0;
        size_t n = f[F_TOTAL_BYTES]->len;
        bool ok = n > 0 && n < 19;
        for (size_t i = 0; ok && i < n; i++) {
            unsigned char c = (unsigned char)f[F_TOTAL_BYTES]->p[i];
            if (!ch_is_digit(c)) ok = false;
            v = v * 10 + (c - '0');
        }
        if (ok) base.size = v;
    }
    if (f[F_RCPT_COUNT] && f[F_RCPT_COUNT]->len < 9) {
        int v = digits(f[F_RCPT_COUNT]->p, f[F_RCPT_COUNT]->len);
        if (v >= 0) base.nrcpt = v;
    }
    /* outbound over SMTP: the logging server is the client, the next hop the server */
    bool smtp_out = per_rcpt && event_table[k].kind == EV_DELIVERY && !event_table[k].local &&
                    f[F_SOURCE] && str_eq_ci(f[F_SOURCE]->p, f[F_SOURCE]->len, "SMTP");
    if (base.kind == EV_QUEUED) {
        base.client_ip = DUP(F_CLIENT_IP);
        base.client_name = DUP(F_CLIENT_HOST);
        base.host = DUP(F_SERVER_HOST);
    } else if (base.kind == EV_DELIVERY) {
        base.status = event_table[k].status;
        base.local = event_table[k].local;
        if (smtp_out || base.local) {
            base.relay_host = DUP(F_SERVER_HOST);
            base.relay_ip = DUP(F_SERVER_IP);
        }
        base.host = smtp_out ? DUP(F_CLIENT_HOST) : DUP(F_SERVER_HOST);
    } else {
        base.host = DUP(F_SERVER_HOST);
        base.client_ip = DUP(F_CLIENT_IP);
    }
#undef DUP
    if (!per_rcpt) {
        if (!known && !base.text) base.text = col_dup(a, f[F_EVENT_ID]);
        emit(ctx, &base);
        return LINE_EVENT;
    }

    /* one event per recipient, statuses aligned by position */
    const char *rp = f[F_RCPT] ? col_dup(a, f[F_RCPT]) : NULL;
    const char *sp = f[F_RCPT_STATUS] ? col_dup(a, f[F_RCPT_STATUS]) : NULL;
    size_t rl = rp ? strlen(rp) : 0, sl = sp ? strlen(sp) : 0;
    size_t n_status = 0;
    if (sp)
        for (size_t i = 0; i <= sl; i = status_next(sp, sl, i) + 1)
            n_status++;
    size_t ri = 0, si = 0;
    int emitted = 0;
    do {
        struct log_event ev = base;
        size_t re = rl;
        if (rp) {
            const char *semi = memchr(rp + ri, ';', rl - ri);
            re = semi ? (size_t)(semi - rp) : rl;
            ev.recipient = arena_strndup(a, rp + ri, re - ri);
        }
        if (sp && si <= sl) {
            size_t se = n_status == 1 ? sl : status_next(sp, sl, si);
            struct slice st_text = str_trim(sp + si, se - si);
            if (st_text.len) {
                ev.reply_text = arena_strndup(a, st_text.p, st_text.len);
                struct slice dsn;
                ev.reply_code = status_code(ev.reply_text, st_text.len, &dsn);
                if (dsn.p) ev.dsn = arena_strndup(a, dsn.p, dsn.len);
            }
            if (n_status > 1) si = se + 1;
        }
        if (ev.kind == EV_DELIVERY && ev.status == DLV_BOUNCED &&
            ((ev.dsn && strcmp(ev.dsn, "4.4.7") == 0) ||
             (ev.reply_text && str_find_ci(ev.reply_text, strlen(ev.reply_text), "QUEUE.Expired"))))
            ev.status = DLV_EXPIRED;
        if (ev.kind == EV_DELIVERY && ev.status == DLV_SENT && ev.reply_code >= 400)
            ev.status = ev.reply_code >= 500 ? DLV_BOUNCED : DLV_DEFERRED;
        if (!ev.recipient || ev.recipient[0] || !rp) {
            emit(ctx, &ev);
            emitted++;
        }
        ri = re + 1;
    } while (rp && ri <= rl && emitted < EX_MAX_RCPTS);
    if (!emitted) emit(ctx, &base);
    return LINE_EVENT;
}

static void *ex_open(const struct log_opts *opts)
{
    struct ex *st = xcalloc(1, sizeof *st);
    if (opts) st->opts = *opts;
    return st;
}

static void ex_close(void *state)
{
    free(state);
}

/* 100: Exchange software and the message tracking log type; 90: a tracking
 * #Fields line alone; 30: another Exchange log. */
static int ex_sniff(const char *head, size_t len)
{
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) head += 3, len -= 3;
    bool software = false, tracking = false, fields = false, other_type = false;
    size_t i = 0;
    int lines = 0;
    while (i < len && lines < 12) {
        const char *nl = memchr(head + i, '\n', len - i);
        if (!nl) break;
        const char *p = head + i;
        size_t l = (size_t)(nl - p);
        if (l && p[l - 1] == '\r') l--;
        i = (size_t)(nl - head) + 1;
        lines++;
        if (str_starts_ci(p, l, "#Software: Microsoft Exchange Server"))
            software = true;
        else if (str_starts_ci(p, l, "#Log-type:")) {
            if (str_find_ci(p, l, "Message Tracking Log"))
                tracking = true;
            else
                other_type = true;
        } else if (str_starts_ci(p, l, "#Fields:") && str_find_ci(p, l, "date-time,") &&
                   str_find_ci(p, l, ",event-id,") && str_find_ci(p, l, ",internal-message-id,"))
            fields = true;
    }
    if (other_type) return software ? 30 : 0;
    if (software && tracking) return 100;
    if (tracking || fields) return 90;
    return software ? 30 : 0;
}

const struct log_format log_format_exchange = {
    .mta = MTA_EXCHANGE,
    .name = "exchange",
    .sniff = ex_sniff,
    .open = ex_open,
    .close = ex_close,
    .line = ex_line,
};
