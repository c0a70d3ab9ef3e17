/* syslog — the line prefix every syslog-based MTA log shares (Postfix,
 * Sendmail): the timestamp, the logging host, the program tag and pid, and
 * the message slice after them. Three timestamp shapes:
 *   classic     "Apr  1 10:00:00 host prog[pid]: msg"   (no year, no zone)
 *   RFC 3339    "2025-04-01T10:00:00.123456+02:00 host prog[pid]: msg"
 *   short-iso   "2025-04-01T10:00:00+0200 host prog[pid]: msg" (journalctl)
 * The tag may lack the pid ("prog: msg") and may contain slashes
 * ("postfix/submission/smtpd[12]"). Classic lines get their year from a
 * small per-file state (see syslog_state_init) and their zone from --log-tz.
 * Everything returned is a slice into the caller's line; nothing is copied
 * except by syslog_fill_event. */
#ifndef LOGS_SYSLOG_H
#define LOGS_SYSLOG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "logs/event.h"
#include "logs/logfmt.h"
#include "util/arena.h"
#include "util/str.h"

#define SYSLOG_MAX_TAG 128 /* a longer program tag is not a tag */

/* Year inference for classic timestamps, one per file. */
struct syslog_state {
    int tz_offset_min; /* --log-tz, minutes east of UTC */
    int ref_year;      /* the file's mtime in local (--log-tz) time: year, month */
    int ref_month;
    int year;       /* the year of the current line */
    int last_month; /* month of the last classic line that moved the state; 0 = none yet */
    int day_key;    /* cache of the last date's midnight (0 = empty) */
    int64_t day_epoch;
};

struct syslog_line {
    int64_t time; /* UTC seconds */
    int time_ms;
    struct slice time_text; /* the timestamp as written */
    struct slice host;
    struct slice program; /* "postfix/smtpd", "sm-mta"; empty when the line has no tag */
    struct slice pid_text;
    long pid;         /* -1 when none */
    struct slice msg; /* after "prog[pid]: " */
};

enum syslog_rc {
    SYSLOG_OK = 0, /* timestamp, host and tag parsed */
    SYSLOG_NOTAG,  /* timestamp and host, but no "prog:" ("last message repeated 3 times") */
    SYSLOG_BAD,    /* no syslog timestamp and host at the start */
};

void syslog_state_init(struct syslog_state *st, const struct log_opts *opts);
/* Parse the prefix of one line (no line end). Leading NUL bytes (what a
 * crash leaves in a preallocated log file) are skipped. */
enum syslog_rc syslog_parse(struct syslog_state *st, const char *p, size_t len,
                            struct syslog_line *out);
/* Empty lines and journalctl's "-- Boot ... --" / "-- Logs begin at" markers. */
bool syslog_is_filler(const char *p, size_t len);
/* Fill the prefix fields of an event (time, time_text, host, component,
 * pid), copying the strings into the arena. */
void syslog_fill_event(const struct syslog_line *ln, arena *a, struct log_event *ev);

/* Score a file head for a family of programs: 0 when none of the first
 * SYSLOG_SNIFF_LINES complete syslog lines is ours, else 60 + 39 * ours /
 * syslog lines, so a file mostly of one MTA scores higher for it than a file
 * with a few of its lines, and two formats' scores compare. */
#define SYSLOG_SNIFF_LINES 64
int syslog_sniff(const char *head, size_t len, bool (*is_ours)(const struct syslog_line *ln));

#endif
