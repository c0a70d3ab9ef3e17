/* summary — the plain-text summary of what a database holds (sources,
 * messages per folder and placement, senders, attachments, anomalies).
 * Read-only; every SQL statement here uses bound parameters or none. The full
 * deliverability report (sections, HTML/JSON/CSV) builds on this layer. */
#ifndef REPORT_SUMMARY_H
#define REPORT_SUMMARY_H
#include <stdio.h>

#include "store/db.h"

/* Print a stored string in a text column of `width` characters (0: no
 * limit): control bytes become '?', a longer value is cut with '~'. */
void report_put_cell(FILE *out, const char *cell, int width);

/* 0 on success; -1 with err filled. */
int report_summary_text(struct db *db, const char *db_path, FILE *out, char *err, size_t errlen);

#endif
