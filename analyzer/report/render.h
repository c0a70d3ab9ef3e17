/* render — the report model (report/model.h) in four formats. None reads the
 * database; every string from the model is escaped for its format:
 *   text  for a terminal or a file: fits `width` columns (tables shrink their
 *         widest text columns, cells cut with "~"), control bytes become '?',
 *         colour (ANSI) only when `color` (the caller decides: a terminal and
 *         no NO_COLOR);
 *   html  one self-contained file: inline CSS, inline SVG charts, no script,
 *         no external resource, prints well; HTML-escaped text;
 *   json  one object, keys documented in schemas/report.md;
 *   csv   one RFC 4180 file per table into a directory
 *         (<section>_<table>.csv), plus facts.csv (every headline number),
 *         findings.csv (every item) and thresholds.csv.
 * Each returns 0, or -1 with err filled (I/O errors). */
#ifndef REPORT_RENDER_H
#define REPORT_RENDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "report/model.h"

int render_text(const struct report *r, FILE *out, int width, bool color, char *err,
                size_t errlen);
int render_html(const struct report *r, FILE *out, char *err, size_t errlen);
int render_json(const struct report *r, FILE *out, char *err, size_t errlen);
int render_csv(const struct report *r, const char *dir, char *err, size_t errlen);

/* Shared by the renderers: a value as display text ("12.5%", "1,234",
 * "-" for NULL) into buf; returns buf. */
const char *render_value(const struct rval *v, char *buf, size_t len);

#endif
