/* cmd_ingest — `mailaudit ingest [--db FILE] [--quiet] PATH...`
 * Walks the paths, detects each file's format from its content, splits
 * containers into messages, parses each new message and stores it with all
 * its rows; a message already stored (same SHA-256) only gets a sighting.
 * Files unchanged since a completed read are skipped without being opened.
 * Writes go through one struct db in batched transactions (COMMIT_EVERY
 * units of work — a message weighs MESSAGE_WEIGHT, a log event 1 — or COMMIT_SECONDS), so a kill -9
 * loses at most the open batch and the next run redoes it (sources left in status 'reading' are
 * read again). Bad files never stop the batch: each is recorded with its error. */
#include "cli.h"
#include "feedback/feedback.h"
#include "ingest.h"
#include "mail/limits.h"
#include "mail/message.h"
#include "sources/detect.h"
#include "sources/mbox.h"
#include "sources/walk.h"
#include "store/db.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/reader.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define COMMIT_EVERY 20000 /* units: a log event is 1, a message MESSAGE_WEIGHT */
#define MESSAGE_WEIGHT 10
#define COMMIT_SECONDS 2.0
#define HEAD_BYTES 65536
#define PROGRESS_SECONDS 0.25

static const char ingest_usage[] =
    "Usage: mailaudit ingest [--db FILE] [--dns FILE]... [--online] [--dns-from-db]\n"
    "                        [--reverify] [--rules PATH]... [--quiet] PATH...\n"
    "\n"
    "Read messages into the database. Each PATH is a file or a directory (read\n"
    "recursively; symbolic links followed, loops detected). Formats are detected\n"
    "from the content: single messages (.eml, CRLF or LF), mbox (mboxo, mboxrd,\n"
    "Content-Length), Maildir and Maildir++ folders, hMailServer Data trees\n"
    "(Data/<domain>/<account>/<XX>/{GUID}.eml, #Public, the queue), Google\n"
    "Takeout mbox exports (X-Gmail-Labels); gzip-compressed files transparently.\n"
    "MTA logs are recognised too (hMailServer, Postfix, Exim, Sendmail, IIS SMTP,\n"
    "Exchange message tracking): read after the messages, oldest file first, into\n"
    "log events and per-recipient deliveries; a file that grew is read from where\n"
    "the last run stopped, a rotated file (maillog -> maillog.1) is not read twice.\n"
    "\n"
    "Re-ingesting is safe: a message already stored (same bytes) is stored once\n"
    "with each place it was seen; unchanged files are skipped unopened; an\n"
    "interrupted run is completed by the next one.\n"
    "\n"
    "Every new message is verified and the results stored: the envelope rebuilt\n"
    "from its Received chain, SPF (spf_results), DKIM (dkim_signatures), iprev and\n"
    "HELO (iprev_results), DMARC (dmarc_results), ARC (arc_results, arc_sets),\n"
    "the receivers' claims against ours (auth_claims) and the bulk-sender\n"
    "requirements. DNS answers come from the snapshots, the database\n"
    "(--dns-from-db) or live DNS (--online); each answer used is stored in\n"
    "dns_records with its source and time. Without a DNS source verdicts that\n"
    "need DNS are temperror (\"no DNS source\"): re-run with --reverify and a\n"
    "source to settle them.\n"
    "Every new message is also scored against the rule set (--rules; content_scores\n"
    "and rule_hits); --reverify --checks rules scores stored messages again, e.g.\n"
    "after a rule change.\n"
    "Feedback is recognised and decoded as well: DMARC aggregate reports (XML,\n"
    ".xml.gz, .zip; dmarc_reports, dmarc_report_rows), complaints and DMARC failure\n"
    "reports (ARF; feedback_reports), SMTP TLS reports (tlsrpt_*), bounces (RFC 3464\n"
    "and the common non-standard ones; bounce_messages, and rows of deliveries with\n"
    "source 'bounce') and auto-replies (not counted as bounces).\n"
    "\n"
    "Options:\n"
    "  --db FILE     database (default $MAILAUDIT_DB, else ./mailaudit.db; created 0600)\n"
    "%s"
    "%s"
    "  --reverify    verify and score messages already stored again (opens unchanged\n"
    "                files too) and replace their results (feedback decoded again too)\n"
    "  --log-tz ZONE zone of log timestamps written without one (hMailServer, classic\n"
    "                syslog, Exim): UTC (default), or an offset such as +0200, -05:00\n"
    "  -q, --quiet   no progress line and no summary (errors are still printed)\n"
    "  -h, --help    this help\n"
    "\n"
    "Exit status: 0 the run completed (unreadable or malformed files are recorded\n"
    "and counted, not fatal); 1 usage error; 2 database error or a PATH that does\n"
    "not exist.\n";

int ingest_ensure_txn(struct ingest *in)
{
    if (in->in_txn) return 0;
    if (db_begin(in->db) != 0) return -1;
    in->in_txn = true;
    in->txn_started = time_mono();
    in->pending = 0;
    return 0;
}

int ingest_commit(struct ingest *in)
{
    if (!in->in_txn) return 0;
    in->in_txn = false;
    return db_commit(in->db);
}

bool ingest_commit_due(const struct ingest *in)
{
    return in->pending >= COMMIT_EVERY || time_mono() - in->txn_started >= COMMIT_SECONDS;
}

int ingest_maybe_commit(struct ingest *in, int weight)
{
    in->pending += weight;
    if (ingest_commit_due(in)) {
        if (ingest_commit(in) != 0) return -1;
        return ingest_ensure_txn(in);
    }
    return 0;
}

void ingest_progress(struct ingest *in, bool force)
{
    if (!in->progress) return;
    double now = time_mono();
    if (!force && now - in->last_progress < PROGRESS_SECONDS) return;
    in->last_progress = now;
    double el = now - in->started;
    if (el <= 0) el = 1e-9;
    fprintf(stderr, "\r\033[Kingest: %lld files, %lld messages, %.1f MB, %.0f msg/s, %lld errors",
            (long long)in->c.files_seen, (long long)in->c.messages_seen,
            (double)in->c.bytes_read / 1e6, (double)in->c.messages_seen / el,
            (long long)in->c.files_failed);
    fflush(stderr);
}

int ingest_db_failed(struct ingest *in)
{
    cli_error("ingest", "%s", db_errmsg(in->db));
    in->fatal = true;
    return -1;
}

/* The resolver's recorder: store each distinct answer once per run. */
static void record_dns(void *ctx, const struct dns_answer *a)
{
    struct ingest *in = ctx;
    if (in->dns_failed || a->source == DNS_SRC_DB) return; /* db answers are stored already */
    /* a cheap fingerprint of the answer for the seen-set (this runs for every
     * lookup of every message); the SHA-256 is computed by db_dns_record,
     * once per distinct answer */
    uint64_t h = hash_fnv1a(a->qname, strlen(a->qname)) ^ ((uint64_t)a->qtype << 32) ^
                 ((uint64_t)a->rcode << 48);
    for (size_t i = 0; i < a->n; i++)
        h = (h ^ hash_fnv1a(a->rr[i].text, a->rr[i].len)) * 1099511628211ULL;
    if (!h) h = 1;
    if (in->dns_seen_n * 2 >= in->dns_seen_cap) { /* grow the open-addressing set */
        size_t cap = in->dns_seen_cap ? in->dns_seen_cap * 2 : 256;
        uint64_t *t = xcalloc(cap, sizeof *t);
        for (size_t i = 0; i < in->dns_seen_cap; i++)
            if (in->dns_seen[i])
                for (size_t k = in->dns_seen[i] % cap;; k = (k + 1) % cap)
                    if (!t[k]) {
                        t[k] = in->dns_seen[i];
                        break;
                    }
        free(in->dns_seen);
        in->dns_seen = t;
        in->dns_seen_cap = cap;
    }
    for (size_t k = h % in->dns_seen_cap;; k = (k + 1) % in->dns_seen_cap) {
        if (in->dns_seen[k] == h) return;
        if (!in->dns_seen[k]) {
            in->dns_seen[k] = h;
            in->dns_seen_n++;
            break;
        }
    }
    if (db_dns_record(in->db, a) != 0) {
        cli_error("ingest", "recording DNS answers: %s (verification goes on)", db_errmsg(in->db));
        in->dns_failed = true;
    }
}

/* Verify and score a parsed message and store the results (replacing earlier
 * ones). */
static int score_and_store(struct ingest *in, const struct message *m, int64_t mid, bool fresh,
                           const struct verify_result *r, int64_t at)
{
    if (!in->rules.sc) return 0;
    struct score_input si = {.m = m, .auth = r, .now = at};
    if (r) {
        si.env.envelope_from = r->env.mail_from;
        si.env.client_ip = r->env.ip;
        si.env.helo = r->env.helo;
        si.env.client_rdns = r->env.rdns;
    }
    struct score_result sr;
    scorer_run(in->rules.sc, in->msg_arena, &si, &sr);
    in->scored++;
    if (sr.total >= sr.threshold) in->scored_spam++;
    return db_rules_replace(in->db, mid, &sr, in->rules.desc, fresh);
}

static int verify_and_store(struct ingest *in, const struct message *m, int64_t mid, bool fresh)
{
    if (!in->vc.checks) return score_and_store(in, m, mid, fresh, NULL, 0);
    const char *at_source;
    int64_t at = authopts_judge_time(&in->auth, m, &at_source);
    struct verify_result r;
    verify_message(&in->vc, in->msg_arena, m, at, at_source, &r);
    if (!r.env.ip && m->message_id && (in->vc.checks & VERIFY_SPF)) {
        /* no client in the headers: the MTA logs may have the session that
         * queued this Message-ID (logs of earlier runs, or of this run in
         * the post-pass after the logs are read) */
        const char *ip, *helo, *sender;
        if (db_log_envelope(in->db, in->msg_arena, m->message_id, &ip, &helo, &sender) != 0)
            return -1;
        if (ip) {
            struct envelope_opts saved = in->vc.env;
            in->vc.env.ip = ip;
            in->vc.env.helo = in->vc.env.helo ? in->vc.env.helo : helo;
            in->vc.env.mail_from =
                in->vc.env.mail_from ? in->vc.env.mail_from : (m->return_path ? NULL : sender);
            in->vc.env.override_source = "log";
            verify_message(&in->vc, in->msg_arena, m, at, at_source, &r);
            in->vc.env = saved;
            in->from_logs++;
        }
    }
    in->verified++;
    for (size_t i = 0; i < r.n_dkim; i++) {
        if (r.dkim[i].legacy) continue;
        in->dkim_sigs++;
        if (r.dkim[i].result == AUTH_PASS) in->dkim_pass++;
    }
    if ((r.ran & VERIFY_DMARC) && r.dmarc.result == AUTH_PASS) in->dmarc_pass++;
    if ((r.ran & VERIFY_SPF) && r.spf_mailfrom.result == AUTH_PASS) in->spf_pass++;
    if (db_auth_replace(in->db, mid, &r, fresh) != 0) return -1;
    return score_and_store(in, m, mid, fresh, &r, at);
}

/* After the logs of this run are read: verify again the one-message files
 * whose client only the logs know. The list is collected first (the query
 * reads the tables the verification rewrites). */
static int reverify_one(struct ingest *in, int64_t mid, const char *path);

struct pending {
    int64_t *mid;
    char **path;
    size_t n, cap;
};

static int collect_pending(void *ctx, int64_t mid, const char *path)
{
    struct pending *p = ctx;
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 64;
        p->mid = xrealloc(p->mid, p->cap * sizeof *p->mid);
        p->path = xrealloc(p->path, p->cap * sizeof *p->path);
    }
    p->mid[p->n] = mid;
    p->path[p->n++] = xstrdup(path);
    return 0;
}

static int reverify_from_logs(struct ingest *in)
{
    struct pending p = {0};
    int rc = db_log_pending(in->db, in->run_id, collect_pending, &p);
    for (size_t i = 0; i < p.n; i++) {
        if (rc == 0 && reverify_one(in, p.mid[i], p.path[i]) != 0) rc = -1;
        free(p.path[i]);
    }
    free(p.mid);
    free(p.path);
    return rc;
}

static int reverify_one(struct ingest *in, int64_t mid, const char *path)
{
    char err[256];
    bool truncated;
    if (reader_slurp(path, MSG_MAX_SIZE, &in->data, &truncated, err, sizeof err) != 0)
        return 0; /* gone since: the first verdict stays */
    arena_reset(in->msg_arena);
    struct message m;
    message_parse(in->msg_arena, in->data.p ? in->data.p : "", in->data.len, NULL, NULL, &m);
    in->reverified++;
    return verify_and_store(in, &m, mid, false);
}

/* Store one message (or one more sighting of a stored one). */
static int take_message(struct ingest *in, int64_t source_id, const struct src_context *ctx,
                        const char *p, size_t len, uint64_t offset, bool truncated)
{
    arena_reset(in->msg_arena);
    in->c.messages_seen++;
    char sha[SHA256_HEX_LEN + 1];
    sha256_hex(p, len, sha);
    bool found;
    int64_t mid;
    if (db_message_find(in->db, sha, &found, &mid) != 0) return ingest_db_failed(in);
    enum placement pl;
    const char *evidence = NULL;
    if (found && !in->reverify) {
        pl = message_placement(in->msg_arena, p, len, ctx->folder, &evidence);
    } else {
        struct message m;
        message_parse(in->msg_arena, p, len, ctx->folder, sha, &m);
        if (truncated) anom_add(&m.an, ANOM_MSG_TRUNCATED, "cut at %u bytes", MSG_MAX_SIZE);
        /* reports, complaints, bounces it carries (problems become its anomalies) */
        struct fb_scan fs;
        feedback_scan(in->msg_arena, &m, &fs, &m.an);
        if (!found) {
            if (db_message_insert(in->db, in->run_id, &m, source_id, offset, &mid) != 0)
                return ingest_db_failed(in);
            in->c.messages_new++;
            in->anomalies += (int64_t)(m.an.n + m.an.dropped);
        } else {
            in->reverified++;
        }
        if (verify_and_store(in, &m, mid, !found) != 0 ||
            ingest_feedback(in, &m, mid, &fs, !found) != 0)
            return ingest_db_failed(in);
        pl = m.placement;
        evidence = m.placement_evidence;
    }
    if (db_sighting_insert(in->db, mid, source_id, offset, len, ctx, pl, evidence) != 0)
        return ingest_db_failed(in);
    if (ingest_maybe_commit(in, 1) != 0) return ingest_db_failed(in);
    ingest_progress(in, false);
    return 0;
}

int ingest_source_anomaly(struct ingest *in, int64_t source_id, enum anom_code code,
                          const char *detail)
{
    in->anomalies++;
    if (db_source_anomaly(in->db, source_id, code, detail) != 0) return ingest_db_failed(in);
    return 0;
}

static int read_mbox(struct ingest *in, const char *path, int64_t source_id,
                     const struct src_context *ctx, int64_t *n_msgs, const char **error)
{
    char err[256];
    struct reader *r = reader_open(path, err, sizeof err);
    if (!r) {
        *error = arena_strdup(in->file_arena, err);
        return 0;
    }
    struct mbox *mb = mbox_open(r, MSG_MAX_SIZE);
    struct mbox_msg mm;
    int rc;
    while ((rc = mbox_next(mb, &mm)) == 1) {
        if (take_message(in, source_id, ctx, mm.data, mm.len, mm.offset, mm.truncated) != 0) break;
        if (mm.content_length_mismatch &&
            ingest_source_anomaly(in, source_id, ANOM_MBOX_CONTENT_LENGTH, NULL) != 0)
            break;
        (*n_msgs)++;
    }
    if (rc < 0) {
        const char *e = reader_error(r) ? reader_error(r) : "read error";
        *error = arena_strdup(in->file_arena, e);
        ingest_source_anomaly(
            in, source_id, reader_is_gzip(r) ? ANOM_SOURCE_GZIP_ERROR : ANOM_SOURCE_READ_ERROR, e);
    }
    in->c.bytes_read += (int64_t)reader_offset(r);
    mbox_close(mb);
    reader_close(r);
    return in->fatal ? -1 : 0;
}

int64_t ingest_mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec;
}

static int ingest_file(struct ingest *in, const char *path, const struct stat *st)
{
    arena_reset(in->file_arena);
    in->c.files_seen++;
    char abs[PATH_MAX];
    if (!realpath(path, abs)) snprintf(abs, sizeof abs, "%s", path);
    for (size_t i = 0; i < in->n_dns_real; i++)
        if (strcmp(abs, in->dns_real[i]) == 0) { /* a --dns snapshot met by the walk */
            in->c.files_seen--;
            return 0;
        }
    bool unchanged;
    if (db_source_unchanged(in->db, abs, (int64_t)st->st_size, ingest_mtime_ns(st), &unchanged) !=
        0)
        return ingest_db_failed(in);
    if (unchanged && !in->reverify) {
        in->c.files_skipped++;
        ingest_progress(in, false);
        return 0;
    }

    char err[256];
    struct reader *r = reader_open(path, err, sizeof err);
    if (!r) {
        cli_error("ingest", "%s: cannot open: %s", path, err);
        in->c.files_failed++;
        int64_t sid;
        if (ingest_ensure_txn(in) != 0 ||
            db_source_begin(in->db, in->run_id, abs, SRC_UNKNOWN, CONT_FILE, false,
                            (int64_t)st->st_size, ingest_mtime_ns(st), &sid) != 0 ||
            db_source_finish(in->db, sid, "error", err, 0, 0) != 0)
            return ingest_db_failed(in);
        return 0;
    }
    /* Read the head to detect the format; a single message is read on to its end. */
    buf_reset(&in->data);
    const char *read_error = NULL;
    bool truncated = false;
    size_t want = HEAD_BYTES;
    for (;;) {
        char *w = buf_reserve(&in->data, want);
        long n = reader_read(r, w, want);
        if (n < 0) {
            read_error =
                arena_strdup(in->file_arena, reader_error(r) ? reader_error(r) : "read error");
            break;
        }
        if (n == 0) break;
        in->data.len += (size_t)n;
        if (in->data.len >= HEAD_BYTES && detect_format(in->data.p, HEAD_BYTES) != SRC_MESSAGE)
            break;
        if (in->data.len > MSG_MAX_SIZE) {
            in->data.len = MSG_MAX_SIZE;
            truncated = true;
            break;
        }
        want = in->data.len < (1u << 20) ? HEAD_BYTES : in->data.len;
        if (in->data.len + want > MSG_MAX_SIZE + 1) want = MSG_MAX_SIZE + 1 - in->data.len;
    }
    bool gz = reader_is_gzip(r);
    uint64_t consumed = reader_offset(r);
    reader_close(r);
    enum src_format fmt =
        detect_format(in->data.p, in->data.len < HEAD_BYTES ? in->data.len : HEAD_BYTES);
    if (fmt == SRC_UNKNOWN && !read_error) {
        /* not mail: an MTA log? Logs are read after the messages, in time order. */
        const struct log_format *lf =
            logfmt_detect(in->data.p, in->data.len < HEAD_BYTES ? in->data.len : HEAD_BYTES);
        if (lf) {
            ingest_logs_defer(in, path, st, lf, in->data.p,
                              in->data.len < HEAD_BYTES ? in->data.len : HEAD_BYTES);
            return 0;
        }
    }
    struct src_context ctx;
    detect_context(in->file_arena, path, fmt, &ctx);

    int64_t sid;
    if (ingest_ensure_txn(in) != 0 ||
        db_source_begin(in->db, in->run_id, abs, fmt, ctx.container, gz, (int64_t)st->st_size,
                        ingest_mtime_ns(st), &sid) != 0)
        return ingest_db_failed(in);
    int64_t n_msgs = 0;
    switch (fmt) {
    case SRC_EMPTY:
        if (ingest_source_anomaly(in, sid, ANOM_MSG_EMPTY, NULL) != 0) return -1;
        break;
    case SRC_UNKNOWN:
    case SRC_LOG: /* not reached: logs were deferred above */
        if (ingest_source_anomaly(in, sid, ANOM_SOURCE_UNKNOWN_FORMAT, NULL) != 0) return -1;
        break;
    case SRC_MESSAGE:
        in->c.bytes_read += (int64_t)consumed;
        if (read_error &&
            ingest_source_anomaly(in, sid, gz ? ANOM_SOURCE_GZIP_ERROR : ANOM_SOURCE_READ_ERROR,
                                  read_error) != 0)
            return -1;
        if (take_message(in, sid, &ctx, in->data.p, in->data.len, 0, truncated) != 0) return -1;
        n_msgs = 1;
        break;
    case SRC_MBOX:
        read_error = NULL;
        if (read_mbox(in, path, sid, &ctx, &n_msgs, &read_error) != 0) return -1;
        break;
    }
    if (read_error) {
        cli_error("ingest", "%s: %s (kept the %lld message(s) read before it)", path, read_error,
                  (long long)n_msgs);
        in->c.files_failed++;
    }
    if (db_source_finish(in->db, sid, read_error ? "error" : "done", read_error, n_msgs,
                         (int64_t)consumed) != 0)
        return ingest_db_failed(in);
    if (ingest_maybe_commit(in, MESSAGE_WEIGHT) != 0) return ingest_db_failed(in);
    ingest_progress(in, false);
    return 0;
}

static int walk_cb(const char *path, const struct stat *st, const char *err, void *ctx)
{
    struct ingest *in = ctx;
    if (err) {
        cli_error("ingest", "%s: %s", path, err);
        if (!st) in->missing_arg = true;
        return 0;
    }
    if (ingest_file(in, path, st) != 0 && in->fatal) return 1;
    return 0;
}

int cmd_ingest(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"quiet", no_argument, NULL, 'q'},
        {"log-tz", required_argument, NULL, 'z'},
        {"dns", required_argument, NULL, 'D'},
        {"online", no_argument, NULL, 'O'},
        {"dns-timeout", required_argument, NULL, 'T'},
        {"dns-from-db", no_argument, NULL, 'F'},
        {"checks", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 'A'},
        {"trusted-hops", required_argument, NULL, AO_TRUSTED_HOPS},
        {"internal-net", required_argument, NULL, AO_INTERNAL_NET},
        {"receiver", required_argument, NULL, AO_RECEIVER},
        {"dmarc-psl", no_argument, NULL, AO_DMARC_PSL},
        {"reverify", no_argument, NULL, 'V'},
        {"rules", required_argument, NULL, AO_RULES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL;
    bool quiet = false;
    int log_tz = 0;
    struct auth_opts auth;
    authopts_init(&auth);
    bool reverify = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'z':
            if (ingest_parse_tz(optarg, &log_tz) != 0) {
                cli_error("ingest",
                          "--log-tz '%s': expected UTC, Z or an offset such as +0200 or -05:00",
                          optarg);
                return cli_usage_error("ingest");
            }
            break;
        case 'V':
            reverify = true;
            break;
        case 'h':
            printf(ingest_usage, authopts_help, authopts_envelope_help);
            authopts_free(&auth);
            return EXIT_OK;
        default:
            if (authopts_option(&auth, "ingest", c, optarg) == 1) break;
            goto usage;
        }
    }
    if (optind >= argc) {
        cli_error("ingest", "no PATH given");
        goto usage;
    }
    if (reverify && !auth.n_dns && !auth.online && !auth.dns_from_db && auth.checks != CHECK_RULES) {
        /* re-verifying without DNS would only replace verdicts by "no DNS source" */
        cli_error("ingest", "--reverify needs a DNS source: --dns FILE, --online or --dns-from-db");
        goto usage;
    }
    const char *db_path = cli_db_path(db_opt);
    struct ingest in;
    memset(&in, 0, sizeof in);
    char err[600];
    in.auth = auth;
    in.reverify = reverify;
    if (db_open(db_path, DB_OPEN_WRITE, &in.db, err, sizeof err) != 0) {
        cli_error("ingest", "%s", err);
        authopts_free(&in.auth);
        return EXIT_RUNTIME;
    }
    in.dns = authopts_resolver(&in.auth, "ingest", in.db);
    if (!in.dns) {
        db_close(in.db);
        authopts_free(&in.auth);
        return EXIT_RUNTIME;
    }
    dns_set_recorder(in.dns, record_dns, &in);
    /* the snapshots are inputs of the verification, not data: the walk skips them */
    in.dns_real = xcalloc(in.auth.n_dns + 1, sizeof *in.dns_real);
    for (size_t i = 0; i < in.auth.n_dns; i++) {
        char rp[PATH_MAX];
        if (realpath(in.auth.dns_files[i], rp)) in.dns_real[in.n_dns_real++] = xstrdup(rp);
    }
    in.quiet = quiet;
    in.log_tz_min = log_tz;
    in.progress = !quiet && isatty(STDERR_FILENO);
    in.msg_arena = arena_new();
    in.file_arena = arena_new();
    buf_init(&in.data, 0);
    in.started = time_mono();
    int status = EXIT_OK;
    if (authopts_verify_ctx(&in.auth, "ingest", in.dns, &in.vc) != 0) {
        status = EXIT_RUNTIME;
        goto out;
    }
    if ((!in.auth.checks || (in.auth.checks & CHECK_RULES)) &&
        rulesopt_load(&in.auth, "ingest", quiet || !in.auth.checks, &in.rules) != 0) {
        status = EXIT_RUNTIME;
        goto out;
    }
    if (db_run_begin(in.db, "ingest", &in.run_id) != 0) {
        cli_error("ingest", "%s", db_errmsg(in.db));
        status = EXIT_RUNTIME;
        goto out;
    }
    walk_paths(argv + optind, (size_t)(argc - optind), walk_cb, &in);
    if (!in.fatal && in.n_logs) ingest_logs_run(&in);
    if (!in.fatal && in.n_logs && (in.vc.checks & VERIFY_SPF) &&
        (ingest_ensure_txn(&in) != 0 || reverify_from_logs(&in) != 0))
        ingest_db_failed(&in);
    if (in.fatal || ingest_commit(&in) != 0) {
        if (!in.fatal) cli_error("ingest", "%s", db_errmsg(in.db));
        status = EXIT_RUNTIME;
        goto out;
    }
    if (db_run_finish(in.db, in.run_id, &in.c) != 0) {
        cli_error("ingest", "%s", db_errmsg(in.db));
        status = EXIT_RUNTIME;
        goto out;
    }
    if (in.missing_arg) status = EXIT_RUNTIME;
    if (in.progress) fputs("\r\033[K", stderr);
    if (!quiet) {
        double el = time_mono() - in.started;
        if (el <= 0) el = 1e-9;
        printf("ingest: %lld files (%lld unchanged, skipped; %lld unreadable), %lld messages "
               "(%lld new, %lld already stored), %lld log lines (%lld deliveries), %.1f MB in "
               "%.2f s (%.0f msg/s), %lld anomalies; database %s\n",
               (long long)in.c.files_seen, (long long)in.c.files_skipped,
               (long long)in.c.files_failed, (long long)in.c.messages_seen,
               (long long)in.c.messages_new, (long long)(in.c.messages_seen - in.c.messages_new),
               (long long)in.log_lines, (long long)in.deliveries, (double)in.c.bytes_read / 1e6, el,
               (double)in.c.messages_seen / el, (long long)in.anomalies, db_path);
        if (in.verified)
            printf("verify: %lld messages verified (%lld again); SPF pass %lld, DKIM %lld "
                   "signatures (%lld pass), DMARC pass %lld%s\n",
                   (long long)in.verified, (long long)in.reverified, (long long)in.spf_pass,
                   (long long)in.dkim_sigs, (long long)in.dkim_pass, (long long)in.dmarc_pass,
                   dns_has_source(in.dns) ? ""
                                          : " (no DNS source: keys and records not looked up)");
        if (in.scored)
            printf("score: %lld messages scored with %s; %lld at or over the threshold\n",
                   (long long)in.scored, in.rules.desc, (long long)in.scored_spam);
        if (in.from_logs)
            printf("verify: %lld message(s) with the client taken from the MTA logs\n",
                   (long long)in.from_logs);
        ingest_feedback_summary(&in);
    }
out:
    for (size_t i = 0; i < in.n_logs; i++)
        free(in.logs[i].path);
    free(in.logs);
    buf_free(&in.data);
    arena_free(in.msg_arena);
    arena_free(in.file_arena);
    if (in.fb_arena) arena_free(in.fb_arena);
    db_dmarc_batch_free(in.fb_batch);
    authopts_verify_ctx_free(&in.vc);
    rulesopt_free(&in.rules);
    dns_free(in.dns);
    free(in.dns_seen);
    for (size_t i = 0; i < in.n_dns_real; i++)
        free(in.dns_real[i]);
    free(in.dns_real);
    authopts_free(&in.auth);
    db_close(in.db);
    return status;
usage:
    authopts_free(&auth);
    return cli_usage_error("ingest");
}
