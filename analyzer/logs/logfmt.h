/* logfmt — the interface every MTA log format implements, and the table of
 * formats. A format is a small state machine fed one line at a time (without
 * its line end, CR removed; a line longer than LOG_MAX_LINE arrives cut and
 * flagged). It emits zero or more events per line and says what the line was.
 * State is per file (e.g. IIS #Fields, syslog year inference, open SMTP
 * sessions) and bounded: no state may grow with the file. */
#ifndef LOGS_LOGFMT_H
#define LOGS_LOGFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/event.h"
#include "util/arena.h"

#define LOG_MAX_LINE (64 * 1024) /* longer lines are cut and counted as bad */

enum line_rc {
    LINE_EVENT = 0,   /* the line was understood and emitted at least one event */
    LINE_IGNORED = 1, /* a line of this MTA that carries nothing we model (statistics, TLS chatter) */
    LINE_FOREIGN = 2, /* not this MTA's line (another daemon in the same syslog file, a comment) */
    LINE_BAD = 3,     /* malformed, truncated or binary */
};

struct log_opts {
    int tz_offset_min;  /* --log-tz: minutes east of UTC for formats written without a zone */
    int64_t file_mtime; /* the file's modification time (UTC): year inference for classic syslog */
};

typedef void (*log_emit_fn)(void *ctx, const struct log_event *ev);

struct log_format {
    enum log_mta mta;
    const char *name; /* "postfix", ... stable, stored in the database */
    /* How sure we are that (head,len) — the first bytes of a file — is this
     * format: 0 (no) .. 100 (certain). Looks at a few complete lines only. */
    int (*sniff)(const char *head, size_t len);
    void *(*open)(const struct log_opts *opts);
    void (*close)(void *state);
    enum line_rc (*line)(void *state, arena *a, const char *p, size_t len, log_emit_fn emit,
                         void *ctx);
};

/* The formats, one per parser file (logs/<name>.c). */
extern const struct log_format log_format_hmailserver, log_format_postfix, log_format_exim,
    log_format_sendmail, log_format_iis, log_format_exchange;

/* Every known format (NULL-terminated). */
extern const struct log_format *const log_formats[];
/* The best format for a file head, or NULL when no format scores >= 50. */
const struct log_format *logfmt_detect(const char *head, size_t len);

#endif
