/* ingest — the state of one `mailaudit ingest` run, shared by the message
 * side (cmd_ingest.c) and the MTA-log side (ingest_logs.c): the database,
 * the open transaction and its batching, counters, progress. */
#ifndef INGEST_H
#define INGEST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "auth/dkim.h"
#include "authopts.h"
#include "rulesopt.h"
#include "logs/logfmt.h"
#include "store/db.h"
#include "util/arena.h"
#include "util/buf.h"

struct deferred_log {
    char *path;
    struct stat st;
    const struct log_format *fmt;
    int64_t first_time; /* first timestamp in the file, 0 unknown: files are read in this order */
    size_t order;       /* walk order, the tie-breaker */
};

struct ingest {
    struct db *db;
    int64_t run_id;
    bool quiet, progress;
    bool in_txn;
    bool fatal;       /* database error: stop */
    bool missing_arg; /* a command-line path does not exist */
    int pending;
    double txn_started, started, last_progress;
    struct db_run_counts c;
    int64_t anomalies;
    int64_t log_lines, log_events, deliveries;
    arena *msg_arena;          /* reset per message */
    arena *file_arena;         /* reset per file */
    struct buf data;           /* a single-message file */
    int log_tz_min;            /* --log-tz */
    struct corr *corr;         /* queue id → Message-ID, sender, attempts (ingest_logs.c) */
    struct db_log_batch *log_batch; /* log rows not yet written (db_log_flush) */
    struct cls_cache *cls_cache;    /* reply text → classification, for repeated replies */
    struct deferred_log *logs; /* log files found by the walk, read after the messages */
    size_t n_logs, cap_logs;
    /* verification */
    struct auth_opts auth;
    struct dns_resolver *dns;
    struct verify_ctx vc; /* verifiers for the checks asked (authopts_verify_ctx) */
    struct rules_ctx rules; /* the rule set (rules.sc NULL: content not scored) */
    int64_t scored, scored_spam;
    bool reverify;              /* re-verify messages already stored (and open unchanged files) */
    int64_t verified, reverified, dkim_sigs, dkim_pass, spf_pass, dmarc_pass;
    int64_t from_logs; /* messages whose client came from the MTA logs */
    uint64_t *dns_seen; /* answers recorded in this run (hash of qname, qtype, answer) */
    size_t dns_seen_n, dns_seen_cap;
    bool dns_failed; /* recording a DNS answer failed: reported once, the run goes on */
    char **dns_real; /* realpath of each --dns file: the walk does not ingest them */
    size_t n_dns_real;
    /* feedback (ingest_feedback.c) */
    arena *fb_arena; /* TLS reports being parsed; reset per payload */
    struct db_dmarc_batch *fb_batch; /* DMARC report rows not yet written */
    int64_t fb_dmarc, fb_dmarc_rows, fb_dmarc_dup, fb_complaints, fb_failures, fb_tlsrpt,
        fb_tlsrpt_dup, fb_bounces, fb_bounce_rcpts, fb_autoreplies;
};

int ingest_ensure_txn(struct ingest *in);
int ingest_commit(struct ingest *in);
/* True when the open batch is big or old enough to commit. */
bool ingest_commit_due(const struct ingest *in);
/* Commit when the batch is big or old enough (then a new batch begins). */
int ingest_maybe_commit(struct ingest *in, int weight);
void ingest_progress(struct ingest *in, bool force);
/* Print the database error, mark the run fatal, return -1. */
int ingest_db_failed(struct ingest *in);
int ingest_source_anomaly(struct ingest *in, int64_t source_id, enum anom_code code,
                          const char *detail);
int64_t ingest_mtime_ns(const struct stat *st);

/* ingest_logs.c: remember a log file found by the walk (head = its first bytes). */
void ingest_logs_defer(struct ingest *in, const char *path, const struct stat *st,
                       const struct log_format *fmt, const char *head, size_t head_len);
/* ingest_feedback.c: store what feedback_scan found in a message just
 * stored (fresh) or stored before (its earlier feedback rows are replaced). */
struct fb_scan;
struct message;
int ingest_feedback(struct ingest *in, const struct message *m, int64_t mid,
                    const struct fb_scan *fs, bool fresh);
/* The summary line of what feedback was found ("" when none). */
void ingest_feedback_summary(const struct ingest *in);

/* Read the remembered log files in time order, then link deliveries. */
int ingest_logs_run(struct ingest *in);
/* Parse "+0200", "-05:30", "UTC", "Z" into minutes east of UTC. */
int ingest_parse_tz(const char *s, int *minutes);

#endif
