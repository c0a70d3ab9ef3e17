/* thresholds — `report --fail-on EXPR`: named metrics computed from the
 * database and compared with a limit, for scheduled runs that alert (exit
 * status 3). EXPR is METRIC OP NUMBER with OP one of < <= > >= == != (for
 * example `complaint_rate>0.001`, `dkim_pass_rate<0.98`); a number may end
 * in % (`bounce_rate>2%` is 0.02). A metric with no data (a rate whose
 * denominator is 0) is never breached and is reported as "no data".
 * Metric names and meanings: thresholds_list() / README "Thresholds". */
#ifndef REPORT_THRESHOLDS_H
#define REPORT_THRESHOLDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/model.h"
#include "store/db.h"

enum th_op { TH_LT, TH_LE, TH_GT, TH_GE, TH_EQ, TH_NE };

struct threshold {
    const char *expr; /* as given */
    int metric;       /* index into the metric table */
    enum th_op op;
    double limit;
    /* after evaluation */
    bool has_value;
    double value;
    bool breached;
};

/* Parse one --fail-on expression; -1 with err filled when it is not valid
 * (unknown metric: the message lists the known ones). */
int threshold_parse(const char *expr, struct threshold *t, char *err, size_t errlen);
/* Compute the metric over the report's scope (report/rctx.h: call
 * rctx_open first) and compare; -1 with err on a database error. */
int threshold_eval(struct db *db, struct threshold *t, char *err, size_t errlen);
const char *threshold_metric_name(const struct threshold *t);
/* The report section (model.h id) whose headline fact is this metric: the
 * report builds it when a threshold needs it, so that the alert and the
 * report always show the same number. */
const char *threshold_section(const struct threshold *t);
/* Take the value from that section's fact in a built report (no fact: no
 * data) and compare. Returns 1, or 0 when the section is not in r. */
int threshold_from_report(struct threshold *t, const struct report *r);
/* "<", "<=", ">", ">=", "==", "!=" */
const char *threshold_op_text(const struct threshold *t);
/* Print every metric with its meaning (for --help and README). */
void thresholds_list(FILE *out);
/* Print the evaluated thresholds, breached ones first; returns how many
 * were breached. */
size_t thresholds_print(FILE *out, const struct threshold *t, size_t n);

#endif
