/* date — RFC 5322 date-time to UTC seconds, with the obsolete forms (two-
 * and three-digit years, alphabetic zones UT/GMT/EST.../military, missing
 * seconds, missing weekday, comments, extra whitespace) and common broken
 * forms seen in the wild (ISO 8601, missing zone = UTC). */
#ifndef MAIL_DATE_H
#define MAIL_DATE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum date_rc {
    DATE_OK = 0,
    DATE_OBSOLETE = 1, /* parsed, but used obsolete or non-standard syntax */
    DATE_INVALID = -1,
};

/* *utc: seconds since the epoch; *tz_min: the zone offset in minutes as written. */
enum date_rc date_parse(const char *p, size_t len, int64_t *utc, int *tz_min);

#endif
