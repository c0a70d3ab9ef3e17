/* logread — complete lines from a log file in constant memory, with the byte
 * offset of each line. A line ends at LF; a CR before the LF is removed. The
 * last line of the input is only returned when it ends with LF: a partial
 * line (the MTA is still writing it) waits for the next run, and
 * logread_done() says how far complete lines go. A line longer than
 * LOG_MAX_LINE comes back cut to LOG_MAX_LINE bytes with `cut` set; the rest
 * of it is skipped. */
#ifndef LOGS_LOGREAD_H
#define LOGS_LOGREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/reader.h"

struct logread;

/* `start` is the offset the reader is already positioned at (resume point). */
struct logread *logread_open(struct reader *r, uint64_t start);
/* 1: a line in (*p, *len) at *offset (valid until the next call); 0: end of
 * complete lines; -1: read error (reader_error()). */
int logread_next(struct logread *lr, const char **p, size_t *len, uint64_t *offset, bool *cut);
/* Offset just past the last complete line returned. */
uint64_t logread_done(const struct logread *lr);
void logread_close(struct logread *lr);

#endif
