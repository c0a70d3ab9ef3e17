/* timeutil — calendar arithmetic in UTC without the C library's time zone
 * state (thread-safe, locale-free). */
#ifndef UTIL_TIMEUTIL_H
#define UTIL_TIMEUTIL_H
#include <stdbool.h>
#include <stdint.h>

/* Seconds since the epoch for a proleptic Gregorian UTC date and time. */
int64_t time_from_civil(int year, int month, int day, int hour, int min, int sec);
/* Format as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 32 bytes). */
void time_format_iso(int64_t t, char out[32]);
/* Parse "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS]" (or a space for the T), with
 * an optional "Z", "UTC" or "+HH:MM"/"+HHMM" zone (none = UTC), or "@N"
 * (seconds since the epoch), from (p,len). 0 and *t on success, else -1. */
int time_parse_iso(const char *s, int64_t *t);
/* Days in a month (1..12) of a year. */
int time_days_in_month(int year, int month);
/* Wall-clock now, seconds since the epoch. */
int64_t time_now(void);
/* Monotonic seconds, for rates. */
double time_mono(void);

#endif
