/* ingest_logs — the MTA-log half of `mailaudit ingest`.
 * Log files found by the walk are remembered (ingest_logs_defer) with the
 * first timestamp in them, then read oldest first (ingest_logs_run), so that
 * rotated sets (maillog.2.gz, maillog.1, maillog) come in time order.
 * Each file is identified by its first bytes (db_logfile_find), not its
 * name: a file that grew is read from where the last run stopped (complete
 * lines only), a renamed one is not read twice, a gzip file is decompressed
 * and the part already read skipped. Every meaningful line becomes a
 * log_events row; delivery attempts and SMTP-time refusals also become
 * deliveries rows, classified (bounce reason, provider, blocklist) — a
 * delivery and its line are one stored row (schema 0004). The read offset
 * is stored in the same transaction as the events, so a kill -9 resumes
 * exactly. Deliveries get their Message-ID, sender and attempt number from
 * the other lines of their queue id, in memory (the correlation table
 * below), with what earlier runs knew of a message still queued read back
 * from log_queue, so that a log read in several runs (or killed and read
 * again) gives the rows of one read; what memory did not know yet when a
 * delivery was stored is filled after all files (db_logs_link).
 * Not stored: lines of kind "other", connects and disconnects, and the
 * individual SMTP commands of hMailServer/IIS sessions (EV_SMTP): session
 * chatter, counted per file (lines_event) but not kept, which keeps the store
 * fast; everything about messages and recipients is kept. Kept: an
 * outbound session refused outright (a 4xx/5xx before any recipient), as an
 * event and a delivery without recipient, since it often names a blocklist.
 *
 * Speed (issue 3: 500,000 lines/s stored on one core, 3x pflogsumm): rows
 * go to SQLite LOG_BATCH_ROWS per INSERT (db.c), a delivery line once, with
 * no index and no foreign-key checks to maintain; what a later run needs of
 * a message still queued goes to log_queue instead (see above); replies and
 * providers are classified once per distinct text (memo below); a log
 * transaction holds about 160,000 events. What remains is SQLite's work per
 * row and per page (VDBE, B-tree, WAL writes and checkpoints), the parsers,
 * and this file and the batch. */
#include "cli.h"
#include "ingest.h"
#include "logs/classify.h"
#include "logs/logread.h"
#include "logs/lru.h"
#include "util/hash.h"
#include "util/reader.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SNIFF_LINES 200 /* lines read to find a file's first timestamp */
#define CORR_MAX 20000  /* queue ids remembered across lines (oldest forgotten first) */
#define CORR_RCPT_MAX                                                                              \
    100000             /* recipients remembered over all queue ids (oldest ids forgotten           \
                          first; one message past it gets no attempt numbers beyond) */
#define BAD_EXAMPLES 3 /* malformed lines kept as anomalies per file */
/* Stored log events per unit of a transaction's weight (ingest_commit_due:
 * COMMIT_EVERY units or COMMIT_SECONDS): a log row is small, and every commit
 * of a big batch also checkpoints the WAL (two fsyncs, milliseconds each on
 * a virtual disk), so log transactions hold about 8 times more events than
 * a unit count would give; the time ceiling still bounds what a kill -9 loses. */
#define LOG_EVENTS_PER_UNIT 8

struct first_time_ctx {
    int64_t t;
};

static void first_time_emit(void *ctx, const struct log_event *ev)
{
    struct first_time_ctx *c = ctx;
    if (!c->t && ev->time_valid && ev->time > 0) c->t = ev->time;
}

void ingest_logs_defer(struct ingest *in, const char *path, const struct stat *st,
                       const struct log_format *fmt, const char *head, size_t head_len)
{
    struct log_opts opts = {.tz_offset_min = in->log_tz_min,
                            .file_mtime = (int64_t)st->st_mtim.tv_sec};
    void *state = fmt->open(&opts);
    arena *a = arena_new();
    struct first_time_ctx c = {0};
    size_t pos = 0;
    for (int n = 0; n < SNIFF_LINES && !c.t && pos < head_len; n++) {
        const char *nl = memchr(head + pos, '\n', head_len - pos);
        if (!nl) break; /* only complete lines */
        size_t len = (size_t)(nl - (head + pos));
        if (len && head[pos + len - 1] == '\r') len--;
        arena_reset(a);
        fmt->line(state, a, head + pos, len, first_time_emit, &c);
        pos = (size_t)(nl - head) + 1;
    }
    fmt->close(state);
    arena_free(a);
    in->logs = xgrow(in->logs, &in->cap_logs, in->n_logs + 1, sizeof *in->logs);
    struct deferred_log *d = &in->logs[in->n_logs];
    d->path = xstrdup(path);
    d->st = *st;
    d->fmt = fmt;
    d->first_time = c.t;
    d->order = in->n_logs;
    in->n_logs++;
}

int ingest_parse_tz(const char *s, int *minutes)
{
    if (!strcmp(s, "UTC") || !strcmp(s, "utc") || !strcmp(s, "Z") || !strcmp(s, "GMT")) {
        *minutes = 0;
        return 0;
    }
    size_t n = strlen(s);
    if ((s[0] != '+' && s[0] != '-') || (n != 5 && n != 6 && n != 3)) return -1;
    int h, m = 0;
    if (!ch_is_digit((unsigned char)s[1]) || !ch_is_digit((unsigned char)s[2])) return -1;
    h = (s[1] - '0') * 10 + (s[2] - '0');
    const char *mm = n == 5 ? s + 3 : n == 6 ? s + 4 : NULL;
    if (n == 6 && s[3] != ':') return -1;
    if (mm) {
        if (!ch_is_digit((unsigned char)mm[0]) || !ch_is_digit((unsigned char)mm[1])) return -1;
        m = (mm[0] - '0') * 10 + (mm[1] - '0');
    }
    if (h > 14 || m > 59) return -1;
    *minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
    return 0;
}

/* Oldest first; files without a timestamp keep their walk order after those with one. */
static int cmp_logs(const void *pa, const void *pb)
{
    const struct deferred_log *a = pa, *b = pb;
    if (a->first_time && b->first_time && a->first_time != b->first_time)
        return a->first_time < b->first_time ? -1 : 1;
    if (!a->first_time != !b->first_time) return a->first_time ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* ---- in-memory correlation by (host, queue id) ----
 * The lines of one message come close together: its Message-ID (cleanup) and
 * sender (qmgr) before its deliveries. A bounded table carries them to the
 * delivery rows and keeps, per recipient, the attempts so far and the last
 * one (attempt numbers; the recipients an expiry without recipients fans out
 * to), so that the database is not asked. A message whose arrival was not
 * read in this run (it was read by an earlier one, or forgotten by this
 * table) gets what was known of it from log_queue, written here for such
 * messages: those still queued at a commit or at the end of the run, those
 * forgotten, and those that left the queue with a delivery still lacking its
 * Message-ID or sender (db_logs_link fills these after the run). A message
 * that arrived and left within the run needs no row. */

/* What is known of one recipient of a queued message. */
struct rstate {
    bool used;
    bool dirty; /* changed since written to log_queue */
    char *rcpt; /* NULL: deliveries without recipient (a refused session) */
    uint64_t hash;
    int attempts;         /* its deliveries so far (refusals included) */
    enum dlv_status last; /* the status of the last one */
    int64_t last_id;      /* and its deliveries.id */
};

struct qentry {
    struct lru_node ln; /* first */
    char *key;          /* host NUL queue id NUL */
    size_t key_len;
    bool has_host;    /* the host was given (else NULL) */
    bool anchored;    /* its arrival was read in this run: nothing earlier to know */
    bool loaded;      /* what earlier runs knew was read back from log_queue */
    bool facts_dirty; /* any_message_id or any_sender set since written to log_queue */
    bool saved;       /* written to log_queue in this run */
    char *message_id; /* first Message-ID of its lines here but refusals: carried to deliveries */
    char *sender;     /* sender from its arrival here (qmgr from=, client=): carried likewise */
    char *any_message_id, *any_sender; /* first known: from log_queue, else any line here */
    int unresolved;                    /* its deliveries stored without Message-ID or sender */
    struct rstate *r;                  /* open addressing by recipient, r_cap a power of two */
    size_t r_cap, r_n;
};

struct corr {
    struct lru t;
    struct ingest *in;
    size_t n_rcpt;      /* recipients remembered over all entries */
    int64_t unresolved; /* delivery rows of this run stored without Message-ID or sender */
    bool failed;        /* writing or reading log_queue failed */
};

struct qkey {
    const char *p;
    size_t len;
};

static bool qkey_eq(const struct lru_node *n, const void *key)
{
    const struct qentry *q = (const struct qentry *)n;
    const struct qkey *k = key;
    return q->key_len == k->len && memcmp(q->key, k->p, k->len) == 0;
}

static const char *qentry_host(const struct qentry *q)
{
    return q->has_host ? q->key : NULL;
}

static const char *qentry_qid(const struct qentry *q)
{
    return q->key + strlen(q->key) + 1;
}

static bool same_rcpt(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static uint64_t rcpt_hash(const char *rcpt)
{
    return rcpt ? hash_fnv1a(rcpt, strlen(rcpt)) : 0x9e3779b97f4a7c15ULL;
}

/* The state of rcpt in q, created when absent (NULL: over the ceiling). */
static struct rstate *rstate_get(struct corr *c, struct qentry *q, const char *rcpt)
{
    uint64_t h = rcpt_hash(rcpt);
    if (q->r_cap) {
        for (size_t i = (size_t)h & (q->r_cap - 1);; i = (i + 1) & (q->r_cap - 1)) {
            struct rstate *rs = &q->r[i];
            if (!rs->used) break;
            if (rs->hash == h && same_rcpt(rs->rcpt, rcpt)) return rs;
        }
    }
    if (c->n_rcpt >= CORR_RCPT_MAX) return NULL;
    if ((q->r_n + 1) * 2 > q->r_cap) {
        size_t cap = q->r_cap ? q->r_cap * 2 : 4;
        struct rstate *old = q->r;
        size_t old_cap = q->r_cap;
        q->r = xcalloc(cap, sizeof *q->r);
        q->r_cap = cap;
        for (size_t k = 0; k < old_cap; k++) {
            if (!old[k].used) continue;
            size_t i = (size_t)old[k].hash & (cap - 1);
            while (q->r[i].used)
                i = (i + 1) & (cap - 1);
            q->r[i] = old[k];
        }
        free(old);
    }
    size_t i = (size_t)h & (q->r_cap - 1);
    while (q->r[i].used)
        i = (i + 1) & (q->r_cap - 1);
    struct rstate *rs = &q->r[i];
    rs->used = true;
    rs->hash = h;
    rs->rcpt = rcpt ? xstrdup(rcpt) : NULL;
    q->r_n++;
    c->n_rcpt++;
    return rs;
}

/* Write what log_queue lacks of this entry. */
static void qentry_save(struct corr *c, struct qentry *q)
{
    bool rcpts_dirty = false;
    for (size_t i = 0; i < q->r_cap && !rcpts_dirty; i++)
        rcpts_dirty = q->r[i].used && q->r[i].dirty;
    if (!q->facts_dirty && !rcpts_dirty) return;
    int64_t row;
    if (db_log_queue_insert(c->in->db, qentry_host(q), qentry_qid(q), q->any_message_id,
                            q->any_sender, &row) != 0) {
        c->failed = true;
        return;
    }
    for (size_t i = 0; i < q->r_cap; i++) {
        struct rstate *rs = &q->r[i];
        if (!rs->used || !rs->dirty) continue;
        if (db_log_queue_rcpt_insert(c->in->db, row, rs->rcpt, rs->attempts, rs->last,
                                     rs->last_id) != 0) {
            c->failed = true;
            return;
        }
        rs->dirty = false;
    }
    q->facts_dirty = false;
    q->saved = true;
}

static void qentry_drop(struct corr *c, struct qentry *q)
{
    lru_remove(&c->t, &q->ln);
    for (size_t i = 0; i < q->r_cap; i++)
        if (q->r[i].used) free(q->r[i].rcpt);
    c->n_rcpt -= q->r_n;
    free(q->r);
    free(q->key);
    free(q->message_id);
    free(q->sender);
    free(q->any_message_id);
    free(q->any_sender);
    free(q);
}

/* Save what a later run may need of every entry (before a commit, at the end). */
static void corr_save_all(struct corr *c)
{
    for (struct lru_node *n = c->t.oldest; n; n = n->newer)
        qentry_save(c, (struct qentry *)n);
}

/* The entry of (host, queue id), created when absent; `arrival`: the line
 * creating it is the message's arrival (nothing earlier to know of it). */
static struct qentry *corr_get(struct corr *c, const char *host, const char *qid, bool arrival)
{
    size_t hl = host ? strlen(host) : 0, ql = strlen(qid), n = hl + 1 + ql;
    char small[512];
    char *key = n + 1 <= sizeof small ? small : xmalloc(n + 1);
    if (hl) memcpy(key, host, hl);
    key[hl] = '\0';
    memcpy(key + hl + 1, qid, ql);
    key[n] = '\0';
    struct qkey k = {key, n};
    uint64_t h = hash_fnv1a(key, n);
    struct qentry *q = (struct qentry *)lru_get(&c->t, h, qkey_eq, &k);
    if (!q) {
        while (c->t.oldest && (c->t.count >= CORR_MAX || c->n_rcpt >= CORR_RCPT_MAX)) {
            /* forgotten while maybe still queued: keep what a later line may need */
            struct qentry *old = (struct qentry *)c->t.oldest;
            qentry_save(c, old);
            qentry_drop(c, old);
        }
        q = xcalloc(1, sizeof *q);
        q->ln.hash = h;
        q->key = xmalloc(n + 1);
        memcpy(q->key, key, n + 1);
        q->key_len = n;
        q->has_host = host != NULL;
        q->anchored = arrival;
        lru_insert(&c->t, &q->ln);
    }
    if (key != small) free(key);
    return q;
}

struct load_ctx {
    struct corr *c;
    struct qentry *q;
    bool got_mid, got_sender;
};

static void load_facts(void *ctx, const char *message_id, const char *sender)
{
    struct load_ctx *l = ctx;
    /* the first known wins: what earlier runs knew comes before this run's lines */
    if (message_id && !l->got_mid) {
        free(l->q->any_message_id);
        l->q->any_message_id = xstrdup(message_id);
        l->got_mid = true;
    }
    if (sender && !l->got_sender) {
        free(l->q->any_sender);
        l->q->any_sender = xstrdup(sender);
        l->got_sender = true;
    }
}

static void load_rcpt(void *ctx, const char *rcpt, int attempts, enum dlv_status last,
                      int64_t last_id)
{
    struct load_ctx *l = ctx;
    struct rstate *rs = rstate_get(l->c, l->q, rcpt);
    if (!rs) return;
    rs->attempts = attempts;
    rs->last = last;
    rs->last_id = last_id;
    rs->dirty = false;
}

/* What earlier runs knew of an entry whose arrival was not read here. */
static void qentry_load(struct corr *c, struct qentry *q)
{
    if (q->anchored || q->loaded) return;
    static const struct db_queue_loader loader = {load_facts, load_rcpt};
    struct load_ctx l = {.c = c, .q = q};
    if (db_log_queue_load(c->in->db, qentry_host(q), qentry_qid(q), &loader, &l) != 0)
        c->failed = true;
    q->loaded = true;
}

static void corr_free(struct corr *c)
{
    if (!c) return;
    while (c->t.oldest)
        qentry_drop(c, (struct qentry *)c->t.oldest);
    free(c);
}

/* ---- classification of repeated replies ----
 * A provider answers many recipients with the same reply; classifying a
 * text (lower-casing it, then a few hundred needles) costs far more than
 * storing the row. A set-associative table remembers the answer for about
 * the last MEMO_REPLY_SETS * MEMO_WAYS distinct (reply code, DSN, final, text);
 * the classifiers are pure functions of these, so the answer is the same.
 * Texts longer than MEMO_KEY_MAX are classified every time. The provider of
 * (recipient domain, relay host) is remembered the same way. */

#define MEMO_REPLY_SETS 4096   /* sets for replies: a power of two */
#define MEMO_PROVIDER_SETS 512 /* for (domain, relay): a power of two */
#define MEMO_WAYS 4            /* entries per set, replaced in turn */
#define MEMO_KEY_MAX 512       /* bytes of key worth remembering (the memory is bounded by these) */

struct memo_entry {
    uint64_t hash;
    char *key; /* malloc'd; NULL: empty */
    size_t key_len;
    struct bounce_class cls; /* static strings (classify.h) */
    bool has_bl;
    struct blocklist_hit bl;
    const char *provider; /* static string or NULL */
};

struct memo {
    struct memo_entry (*e)[MEMO_WAYS]; /* sets */
    unsigned char *next;               /* per set, the way replaced next */
    size_t sets;
};

struct cls_cache {
    struct memo reply, provider;
};

static void memo_init(struct memo *m, size_t sets)
{
    m->e = xcalloc(sets, sizeof *m->e);
    m->next = xcalloc(sets, 1);
    m->sets = sets;
}

static void memo_free(struct memo *m)
{
    for (size_t i = 0; i < m->sets; i++)
        for (size_t w = 0; w < MEMO_WAYS; w++)
            free(m->e[i][w].key);
    free(m->e);
    free(m->next);
}

static struct cls_cache *cls_cache_new(void)
{
    struct cls_cache *c = xcalloc(1, sizeof *c);
    memo_init(&c->reply, MEMO_REPLY_SETS);
    memo_init(&c->provider, MEMO_PROVIDER_SETS);
    return c;
}

static void cls_cache_free(struct cls_cache *c)
{
    if (!c) return;
    memo_free(&c->reply);
    memo_free(&c->provider);
    free(c);
}

/* The entry of key: *found tells whether it holds an answer; else it is
 * emptied for the caller to fill. */
static struct memo_entry *memo_slot(struct memo *m, const char *key, size_t len, bool *found)
{
    uint64_t h = hash_fnv1a(key, len);
    size_t set = (size_t)(h & (m->sets - 1));
    for (size_t w = 0; w < MEMO_WAYS; w++) {
        struct memo_entry *e = &m->e[set][w];
        if (e->key && e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0) {
            *found = true;
            return e;
        }
    }
    struct memo_entry *e = &m->e[set][m->next[set]];
    m->next[set] = (unsigned char)((m->next[set] + 1) % MEMO_WAYS);
    free(e->key);
    memset(e, 0, sizeof *e);
    e->key = xmalloc(len);
    memcpy(e->key, key, len);
    e->key_len = len;
    e->hash = h;
    *found = false;
    return e;
}

/* Append a field to a memo key: presence byte, bytes, NUL (fields cannot contain NUL). */
static size_t key_put(char *key, size_t at, const char *s, size_t len)
{
    key[at++] = s ? 's' : '-';
    if (s) memcpy(key + at, s, len);
    at += s ? len : 0;
    key[at++] = '\0';
    return at;
}

/* classify_provider(domain, relay), remembered. */
static const char *provider_of(struct cls_cache *c, const char *domain, const char *relay)
{
    size_t dl = domain ? strlen(domain) : 0, rl = relay ? strlen(relay) : 0;
    if (dl + rl + 4 > MEMO_KEY_MAX) return classify_provider(domain, relay);
    char key[MEMO_KEY_MAX];
    size_t kl = key_put(key, 0, domain, dl);
    kl = key_put(key, kl, relay, rl);
    bool found;
    struct memo_entry *e = memo_slot(&c->provider, key, kl, &found);
    if (!found) e->provider = classify_provider(domain, relay);
    return e->provider;
}

/* The bounce class and blocklist of a reply (remembered, or computed and remembered). */
static void classify_reply(struct cls_cache *c, int reply_code, const char *dsn, const char *text,
                           bool final, struct bounce_class *cls, struct blocklist_hit *bl,
                           bool *has_bl)
{
    size_t tl = text ? strlen(text) : 0, dl = dsn ? strlen(dsn) : 0;
    struct memo_entry *e = NULL;
    if (tl + dl + 16 <= MEMO_KEY_MAX) {
        char key[MEMO_KEY_MAX];
        char head[16];
        int hl = snprintf(head, sizeof head, "%c%d", final ? 'f' : 'n', reply_code);
        size_t kl = key_put(key, 0, head, (size_t)hl);
        kl = key_put(key, kl, dsn, dl);
        kl = key_put(key, kl, text, tl);
        bool found;
        e = memo_slot(&c->reply, key, kl, &found);
        if (found) {
            *cls = e->cls;
            *bl = e->bl;
            *has_bl = e->has_bl;
            return;
        }
    }
    classify_bounce(reply_code, dsn, text, tl, final, cls);
    memset(bl, 0, sizeof *bl);
    *has_bl = text && classify_blocklist(text, tl, bl);
    if (e) {
        e->cls = *cls;
        e->bl = *bl;
        e->has_bl = *has_bl;
    }
}

struct log_run {
    struct ingest *in;
    int64_t log_file_id;
    uint64_t offset; /* of the current line */
    const char *mta;
    arena *line_arena;           /* the current line's (reset per line) */
    struct db_log_counts counts; /* since the last progress write */
    bool failed;
};

/* Store a delivery built from ev. line_id < 0: the line itself is stored
 * with it (db_delivery_insert_line); else it is the log_events id of the
 * line, stored before (an expiry fanned out to its deferred recipients).
 * q: the entry of its queue id (or NULL), which counts the attempt; fill:
 * take the Message-ID and sender from it (not for a refusal). */
static int store_delivery(struct log_run *lr, int64_t line_id, const struct log_event *ev,
                          enum dlv_status status, const char *recipient, struct qentry *q,
                          bool fill)
{
    struct corr *c = lr->in->corr;
    struct db_delivery d = {.ev = ev, .status = status, .recipient = recipient};
    const char *rcpt = recipient ? recipient : ev->recipient;
    struct rstate *rs = NULL;
    if (q) {
        qentry_load(c, q);
        if (c->failed) return -1;
        rs = rstate_get(c, q, rcpt);
        if (rs) d.attempt = rs->attempts + 1;
    }
    if (q && fill) {
        /* this run's lines first; else what was known before (its first value) */
        if (!ev->message_id)
            d.message_id = q->message_id ? q->message_id : q->loaded ? q->any_message_id : NULL;
        if (!ev->sender) d.sender = q->sender ? q->sender : q->loaded ? q->any_sender : NULL;
    }
    if (ev->queue_id && ev->queue_id[0] &&
        (!(d.message_id || ev->message_id) || !(d.sender || ev->sender))) {
        /* for db_logs_link after the run; the entry is then kept in log_queue */
        c->unresolved++;
        if (q) q->unresolved++;
    }
    const char *text = ev->reply_text;
    bool final = status == DLV_BOUNCED || status == DLV_EXPIRED || status == DLV_REJECTED;
    struct blocklist_hit bl;
    bool has_bl = false;
    if (status == DLV_SENT) {
        /* accepted: nothing to classify in the reply (and most rows are these) */
        d.cls = (struct bounce_class){.reason = "delivered", .hard = false, .rule = "status:sent"};
    } else {
        classify_reply(lr->in->cls_cache, ev->reply_code, ev->dsn, text, final, &d.cls, &bl,
                       &has_bl);
    }
    if (status == DLV_EXPIRED && (!d.cls.reason || !strcmp(d.cls.reason, "undefined"))) {
        d.cls.reason = "expired";
        d.cls.rule = "status:expired";
    }
    const char *at = rcpt ? strrchr(rcpt, '@') : NULL;
    d.provider = provider_of(lr->in->cls_cache, at ? at + 1 : NULL, ev->relay_host);
    if (has_bl) d.bl = &bl;
    struct db *db = lr->in->db;
    int64_t id;
    int rc = line_id < 0 ? db_delivery_insert_line(db, lr->in->log_batch, lr->log_file_id,
                                                   lr->offset, lr->mta, &d, NULL, &id)
                         : db_delivery_insert(db, lr->in->log_batch, line_id, lr->mta, &d, &id);
    if (rc != 0) return -1;
    if (rs) {
        rs->attempts++;
        rs->last = status;
        rs->last_id = id;
        rs->dirty = true;
    }
    lr->in->deliveries++;
    return 0;
}

static int cmp_last_id(const void *pa, const void *pb)
{
    const struct rstate *a = *(const struct rstate *const *)pa;
    const struct rstate *b = *(const struct rstate *const *)pb;
    return a->last_id < b->last_id ? -1 : a->last_id > b->last_id;
}

/* An expiry that names the message, not its recipients: one delivery per
 * recipient whose last attempt was deferred, in the order of those attempts
 * (or one without recipient). */
static int store_expiry(struct log_run *lr, const struct log_event *ev, struct qentry *q)
{
    struct ingest *in = lr->in;
    int64_t id;
    if (db_log_event_insert(in->db, in->log_batch, lr->log_file_id, lr->offset, lr->mta, ev, &id) !=
        0)
        return -1;
    size_t n = 0;
    char **rcpts = NULL;
    if (q) {
        qentry_load(in->corr, q);
        if (in->corr->failed) return -1;
        struct rstate **def = xcalloc(q->r_n ? q->r_n : 1, sizeof *def);
        for (size_t i = 0; i < q->r_cap; i++)
            if (q->r[i].used && q->r[i].rcpt && q->r[i].last == DLV_DEFERRED) def[n++] = &q->r[i];
        qsort(def, n, sizeof *def, cmp_last_id);
        /* store_delivery may grow the entry's table: copy the names first */
        rcpts = xcalloc(n ? n : 1, sizeof *rcpts);
        for (size_t i = 0; i < n; i++)
            rcpts[i] = def[i]->rcpt;
        free(def);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = store_delivery(lr, id, ev, DLV_EXPIRED, rcpts[i], q, true);
    free(rcpts);
    if (rc == 0 && n == 0) rc = store_delivery(lr, id, ev, DLV_EXPIRED, NULL, q, true);
    return rc;
}

static void emit(void *ctx, const struct log_event *ev)
{
    struct log_run *lr = ctx;
    if (lr->failed) return;
    if (ev->time_valid) {
        if (!lr->counts.first_time) lr->counts.first_time = ev->time;
        lr->counts.last_time = ev->time;
    }
    /* An SMTP reply that refused a whole outbound session before any recipient
     * (Microsoft S3150 to MAIL FROM, a Yahoo [BL21] banner) is evidence we
     * keep: stored as an event and a delivery without recipient. Other SMTP
     * chatter and "other" lines are only counted. */
    bool session_refusal = ev->kind == EV_SMTP && ev->status != DLV_NONE && ev->reply_code >= 400 &&
                           (ev->relay_host || ev->relay_ip);
    if (ev->kind == EV_OTHER || ev->kind == EV_CONNECT || ev->kind == EV_DISCONNECT ||
        (ev->kind == EV_SMTP && !session_refusal))
        return;
    struct ingest *in = lr->in;
    in->log_events++;
    if (in->log_events % LOG_EVENTS_PER_UNIT == 0) in->pending++;
    struct qentry *q = NULL;
    if (ev->queue_id && ev->queue_id[0]) {
        bool arrival = ev->kind == EV_CLIENT || ev->kind == EV_MSGID || ev->kind == EV_QUEUED;
        q = corr_get(in->corr, ev->host, ev->queue_id, arrival);
        if (in->corr->failed) {
            lr->failed = true;
            return;
        }
    }
    if (q) {
        if (ev->message_id && !q->any_message_id) {
            q->any_message_id = xstrdup(ev->message_id);
            q->facts_dirty = true;
        }
        if (ev->sender && !q->any_sender) {
            q->any_sender = xstrdup(ev->sender);
            q->facts_dirty = true;
        }
        /* what is carried to the deliveries: not from a refusal's line */
        if (ev->kind != EV_REJECT && ev->message_id && !q->message_id)
            q->message_id = xstrdup(ev->message_id);
        if (ev->sender && !q->sender && (ev->kind == EV_QUEUED || ev->kind == EV_CLIENT))
            q->sender = xstrdup(ev->sender);
    }
    /* A delivery's line is stored with the delivery (one row, see
     * db_delivery_insert_line); every other line on its own. */
    int rc = 0;
    int64_t id;
    switch (ev->kind) {
    case EV_DELIVERY:
        rc = store_delivery(lr, -1, ev, ev->status != DLV_NONE ? ev->status : DLV_SENT, NULL, q,
                            true);
        break;
    case EV_REJECT:
        rc = store_delivery(lr, -1, ev, DLV_REJECTED, NULL, q, false);
        break;
    case EV_SMTP:
        rc = store_delivery(lr, -1, ev, ev->status, NULL, q, true);
        break;
    case EV_EXPIRED:
        rc = ev->recipient ? store_delivery(lr, -1, ev, DLV_EXPIRED, NULL, q, true)
                           : store_expiry(lr, ev, q);
        break;
    default:
        rc = db_log_event_insert(in->db, in->log_batch, lr->log_file_id, lr->offset, lr->mta, ev,
                                 &id);
        if (ev->kind == EV_REMOVED && q) {
            /* the message left the queue: forget it, kept in log_queue when a
             * delivery still lacks what it knows, or when log_queue has an
             * older state of it */
            if (q->unresolved || q->saved || q->loaded) qentry_save(in->corr, q);
            qentry_drop(in->corr, q);
            if (in->corr->failed) rc = -1;
        }
        break;
    }
    if (rc != 0) lr->failed = true;
}

/* The rows so far, then how far the file is read: in the same transaction. */
static int write_progress(struct log_run *lr, int64_t source_id, uint64_t done)
{
    corr_save_all(lr->in->corr); /* what a run resuming from `done` may need */
    if (lr->in->corr->failed || db_log_flush(lr->in->db, lr->in->log_batch) != 0 ||
        db_logfile_progress(lr->in->db, lr->log_file_id, source_id, done, &lr->counts) != 0)
        return -1;
    memset(&lr->counts, 0, sizeof lr->counts); /* the database adds deltas */
    return 0;
}

static int read_log(struct ingest *in, const struct deferred_log *dl)
{
    arena_reset(in->file_arena);
    char abs[PATH_MAX];
    if (!realpath(dl->path, abs)) snprintf(abs, sizeof abs, "%s", dl->path);
    char err[256];
    struct reader *r = reader_open(dl->path, err, sizeof err);
    if (!r) {
        cli_error("ingest", "%s: cannot open: %s", dl->path, err);
        in->c.files_failed++;
        return 0;
    }
    char head[DB_LOG_HEAD];
    size_t head_len = 0;
    long n;
    while (head_len < sizeof head &&
           (n = reader_read(r, head + head_len, sizeof head - head_len)) > 0)
        head_len += (size_t)n;
    bool gz = reader_is_gzip(r);
    reader_close(r);

    bool found;
    struct db_logfile lf = {0};
    if (ingest_ensure_txn(in) != 0 || db_logfile_find(in->db, head, head_len, &found, &lf) != 0)
        return ingest_db_failed(in);
    int64_t sid;
    if (db_source_begin(in->db, in->run_id, abs, SRC_LOG, CONT_FILE, gz, (int64_t)dl->st.st_size,
                        ingest_mtime_ns(&dl->st), &sid) != 0)
        return ingest_db_failed(in);
    uint64_t start = found ? (uint64_t)lf.bytes_done : 0;
    if (found && !gz && (uint64_t)dl->st.st_size < start) {
        /* same first bytes but shorter than what we read: rewritten in place */
        char detail[96];
        snprintf(detail, sizeof detail, "%lld bytes, %llu read before: read again from the start",
                 (long long)dl->st.st_size, (unsigned long long)start);
        if (ingest_source_anomaly(in, sid, ANOM_LOG_SHRUNK, detail) != 0) return -1;
        start = 0;
    }
    struct log_run lr = {.in = in, .mta = dl->fmt->name};
    if (found) {
        lr.log_file_id = lf.id;
    } else if (db_logfile_insert(in->db, sid, dl->fmt->name, head, head_len, (int64_t)dl->st.st_dev,
                                 (int64_t)dl->st.st_ino, gz, in->log_tz_min,
                                 &lr.log_file_id) != 0) {
        return ingest_db_failed(in);
    }

    r = reader_open(dl->path, err, sizeof err);
    if (!r) {
        cli_error("ingest", "%s: cannot open: %s", dl->path, err);
        in->c.files_failed++;
        return db_source_finish(in->db, sid, "error", err, 0, 0) == 0 ? 0 : ingest_db_failed(in);
    }
    const char *read_error = NULL;
    if (start && reader_skip(r, start) != 0) {
        /* the file ends before what we read last time: nothing new */
        reader_close(r);
        if (db_source_finish(in->db, sid, "done", NULL, 0, 0) != 0) return ingest_db_failed(in);
        return 0;
    }
    struct logread *rd = logread_open(r, start);
    struct log_opts opts = {.tz_offset_min = in->log_tz_min,
                            .file_mtime = (int64_t)dl->st.st_mtim.tv_sec};
    void *state = dl->fmt->open(&opts);
    arena *line_arena = arena_new();
    lr.line_arena = line_arena;
    const char *p;
    size_t len;
    bool cut;
    int bad_examples = 0, rc;
    while ((rc = logread_next(rd, &p, &len, &lr.offset, &cut)) == 1) {
        lr.counts.total++;
        in->log_lines++;
        if (cut) {
            lr.counts.bad++;
            if (bad_examples++ < BAD_EXAMPLES) {
                char detail[64];
                snprintf(detail, sizeof detail, "line at offset %llu cut at %d bytes",
                         (unsigned long long)lr.offset, LOG_MAX_LINE);
                if (ingest_source_anomaly(in, sid, ANOM_LOG_LONG_LINE, detail) != 0) break;
            }
            continue;
        }
        arena_reset(line_arena);
        enum line_rc lrc = dl->fmt->line(state, line_arena, p, len, emit, &lr);
        if (lr.failed) {
            ingest_db_failed(in);
            break;
        }
        switch (lrc) {
        case LINE_EVENT:
            lr.counts.event++;
            break;
        case LINE_IGNORED:
            lr.counts.ignored++;
            break;
        case LINE_FOREIGN:
            lr.counts.foreign++;
            break;
        case LINE_BAD:
            lr.counts.bad++;
            if (bad_examples++ < BAD_EXAMPLES) {
                char detail[128];
                snprintf(detail, sizeof detail, "offset %llu: %.80s", (unsigned long long)lr.offset,
                         p);
                if (ingest_source_anomaly(in, sid, ANOM_LOG_BAD_LINE, detail) != 0) break;
            }
            break;
        }
        if ((lr.counts.total & 1023) == 0) {
            if (ingest_commit_due(in)) {
                if (write_progress(&lr, sid, logread_done(rd)) != 0 || ingest_commit(in) != 0 ||
                    ingest_ensure_txn(in) != 0) {
                    ingest_db_failed(in);
                    break;
                }
                in->pending = 0;
            }
            ingest_progress(in, false);
        }
    }
    if (rc < 0)
        read_error = reader_error(r) ? arena_strdup(in->file_arena, reader_error(r)) : "read error";
    uint64_t done = logread_done(rd);
    in->c.bytes_read += (int64_t)(done - start);
    dl->fmt->close(state);
    arena_free(line_arena);
    logread_close(rd);
    reader_close(r);
    if (in->fatal) return -1;
    if (read_error) {
        cli_error("ingest", "%s: %s (kept the lines read before it)", dl->path, read_error);
        in->c.files_failed++;
        if (ingest_source_anomaly(in, sid, gz ? ANOM_SOURCE_GZIP_ERROR : ANOM_SOURCE_READ_ERROR,
                                  read_error) != 0)
            return -1;
    }
    if (write_progress(&lr, sid, done) != 0 ||
        db_source_finish(in->db, sid, read_error ? "error" : "done", read_error, 0,
                         (int64_t)(done - start)) != 0)
        return ingest_db_failed(in);
    return ingest_maybe_commit(in, 1) == 0 ? 0 : ingest_db_failed(in);
}

/* After the files: what later runs may need, then the link of what memory missed. */
static int finish_run(struct ingest *in, int64_t since)
{
    if (ingest_ensure_txn(in) != 0) return -1;
    corr_save_all(in->corr);
    if (in->corr->failed || db_log_flush(in->db, in->log_batch) != 0) return -1;
    /* nothing to link when every row of this run got its values here */
    if (in->corr->unresolved && db_logs_link(in->db, in->log_batch, since) != 0) return -1;
    return 0;
}

int ingest_logs_run(struct ingest *in)
{
    qsort(in->logs, in->n_logs, sizeof *in->logs, cmp_logs);
    in->corr = xcalloc(1, sizeof *in->corr);
    in->corr->in = in;
    in->log_batch = db_log_batch_new();
    in->cls_cache = cls_cache_new();
    int64_t since = db_max_delivery_id(in->db);
    for (size_t i = 0; i < in->n_logs && !in->fatal; i++)
        read_log(in, &in->logs[i]);
    int rc = 0;
    if (in->fatal)
        rc = -1;
    else if (finish_run(in, since) != 0)
        rc = ingest_db_failed(in);
    corr_free(in->corr);
    in->corr = NULL;
    cls_cache_free(in->cls_cache);
    in->cls_cache = NULL;
    /* rows of a failed run are dropped with the batch (the transaction is not committed) */
    db_log_batch_free(in->log_batch);
    in->log_batch = NULL;
    return rc;
}
