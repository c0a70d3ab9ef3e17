/* Unit tests for mail/date.c. Timestamps come from Python as the oracle:
 * email.utils.parsedate_tz + mktime_tz for RFC 5322 forms, and
 * datetime(..., tzinfo=...).timestamp() for ISO 8601 and for forms where
 * Python departs from RFC 5322 (it maps 2-digit year 50 to 2050; §4.3 says
 * 1950). Return codes follow the rules in date.c's header comment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mail/date.h"

struct dcase {
    const char *in;
    enum date_rc rc;
    int64_t utc;
    int tz;
};

#define INV DATE_INVALID, 0, 0

static const struct dcase cases[] = {
    /* RFC 5322 current syntax */
    {"Mon, 1 Jan 2024 10:00:00 +0000", DATE_OK, 1704103200, 0},
    {"Fri, 21 Nov 1997 09:55:06 -0600", DATE_OK, 880127706, -360},
    {"Tue, 1 Jul 2003 10:52:37 +0200", DATE_OK, 1057049557, 120},
    {"Thu, 13 Feb 1969 23:32:54 -0330", DATE_OK, -27723426, -210},
    {"1 Jan 2024 10:00 +0000", DATE_OK, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 +0000 (UTC)", DATE_OK, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 (comment) +0000", DATE_OK, 1704103200, 0},
    {"  Mon,   1   Jan   2024   10:00:00   +0000  ", DATE_OK, 1704103200, 0},
    {"Mon,\r\n 1 Jan 2024 10:00:00 +0000", DATE_OK, 1704103200, 0},
    {"mon, 01 jan 2024 10:00:00 +0000", DATE_OK, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 -0000", DATE_OK, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 +1400", DATE_OK, 1704052800, 840},
    {"Mon, 1 Jan 2024 10:00:00 -1200", DATE_OK, 1704146400, -720},
    {"Sun, 31 Dec 2023 23:30:00 -0130", DATE_OK, 1704070800, -90},
    {"Thu, 29 Feb 2024 12:00:00 +0100", DATE_OK, 1709204400, 60},
    {"Tue, 29 Feb 2000 00:00:00 +0000", DATE_OK, 951782400, 0},
    {"Sat, 31 Dec 2016 23:59:60 +0000", DATE_OK, 1483228800, 0}, /* leap second */
    {"Thu, 1 Jan 1970 00:00:00 +0000", DATE_OK, 0, 0},
    {"Fri, 31 Dec 9999 23:59:59 +0000", DATE_OK, 253402300799, 0},
    /* obsolete years */
    {"Mon, 1 Jan 24 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"Fri, 1 Jan 99 10:00:00 +0000", DATE_OBSOLETE, 915184800, 0},
    {"1 Jan 49 10:00:00 +0000", DATE_OBSOLETE, 2493108000, 0},
    {"1 Jan 50 10:00:00 +0000", DATE_OBSOLETE, -631116000, 0},
    {"1 Jan 124 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    /* obsolete zones */
    {"Mon, 1 Jan 2024 10:00:00 GMT", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 UT", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 EST", DATE_OBSOLETE, 1704121200, -300},
    {"Mon, 1 Jan 2024 10:00:00 EDT", DATE_OBSOLETE, 1704117600, -240},
    {"Mon, 1 Jan 2024 10:00:00 CST", DATE_OBSOLETE, 1704124800, -360},
    {"Mon, 1 Jan 2024 10:00:00 CDT", DATE_OBSOLETE, 1704121200, -300},
    {"Mon, 1 Jan 2024 10:00:00 MST", DATE_OBSOLETE, 1704128400, -420},
    {"Mon, 1 Jan 2024 10:00:00 MDT", DATE_OBSOLETE, 1704124800, -360},
    {"Mon, 1 Jan 2024 10:00:00 PST", DATE_OBSOLETE, 1704132000, -480},
    {"Sun, 30 Jun 2024 23:59:59 PDT", DATE_OBSOLETE, 1719817199, -420},
    {"Mon, 1 Jan 2024 10:00:00 A", DATE_OBSOLETE, 1704103200, 0}, /* military: -0000 */
    {"Mon, 1 Jan 2024 10:00:00 z", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 XYZT", DATE_OBSOLETE, 1704103200, 0}, /* unknown: -0000 */
    {"Fri, 1 Mar 2024 10:00:00 CET", DATE_OBSOLETE, 1709283600, 60},
    {"Fri, 1 Mar 2024 10:00:00 GMT+0100", DATE_OBSOLETE, 1709283600, 60},
    {"Fri, 1 Mar 2024 10:00:00 +01:00", DATE_OBSOLETE, 1709283600, 60},
    {"Fri, 1 Mar 2024 10:00:00 +0900 (JST)", DATE_OK, 1709254800, 540},
    /* other obsolete or broken forms */
    {"Mon, 1 Jan 2024 10:00:00", DATE_OBSOLETE, 1704103200, 0},       /* no zone: UTC */
    {"Tue, 1 Jan 2024 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0}, /* wrong weekday */
    {"Monday, 1 January 2024 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"Mon 1 Jan 2024 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1-Jan-2024 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 2024 9:00:00 +0000", DATE_OBSOLETE, 1704099600, 0},
    {"Mon, 1 Jan 2024 10:00:00.250 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 2024 10:00:00 +0000 GMT", DATE_OBSOLETE, 1704103200, 0},
    {"Mon Jan  1 10:00:00 2024", DATE_OBSOLETE, 1704103200, 0},        /* asctime */
    {"Mon Jan  1 10:00:00 EST 2024", DATE_OBSOLETE, 1704121200, -300}, /* date(1) */
    {"Jan 1 2024 10:00:00 +0000", DATE_OBSOLETE, 1704103200, 0},
    {"2024-03-01T10:00:00Z", DATE_OBSOLETE, 1709287200, 0},
    {"2024-03-01T10:00:00+05:30", DATE_OBSOLETE, 1709267400, 330},
    {"2024-03-01 10:00:00", DATE_OBSOLETE, 1709287200, 0},
    {"2024-03-01T10:00:00.123-0800", DATE_OBSOLETE, 1709316000, -480},
    /* invalid */
    {"", INV},
    {"   ", INV},
    {"(only a comment)", INV},
    {"garbage", INV},
    {"Mon, 1 Jan 2024", INV},
    {"Mon, 1 Foo 2024 10:00:00 +0000", INV},
    {"Mon, 31 Feb 2024 10:00:00 +0000", INV},
    {"Wed, 29 Feb 2023 10:00:00 +0000", INV},
    {"Thu, 29 Feb 1900 10:00:00 +0000", INV},
    {"Mon, 31 Apr 2024 10:00:00 +0000", INV},
    {"Mon, 0 Jan 2024 10:00:00 +0000", INV},
    {"Mon, 1 Jan 2024 24:00:00 +0000", INV},
    {"Mon, 1 Jan 2024 10:60:00 +0000", INV},
    {"Mon, 1 Jan 2024 10:00:61 +0000", INV},
    {"Mon, 1 Jan 2024 10:00:00 +2400", INV},
    {"Mon, 1 Jan 2024 10:00:00 +0160", INV},
    {"Mon, 1 Jan 2024 10:00:00 +00", DATE_OBSOLETE, 1704103200, 0},
    {"Mon, 1 Jan 1899 10:00:00 +0000", INV},
    {"Mon, 1 Jan 10000 10:00:00 +0000", INV},
    {"Mon, 1 Jan 2024 10 +0000", INV},
    {"Mon, 1 Jan 2024 10:0:00 +0000", INV},
    {"Foo, 1 Jan 2024 10:00:00 +0000", INV},
    {"2024-13-01T10:00:00Z", INV},
    {"99999999999999999999 Jan 2024 10:00:00 +0000", INV},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct dcase *c = &cases[i];
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        memcpy(in, c->in, len);
        int64_t utc = -1;
        int tz = -9999;
        print_message("case %zu: %s\n", i, c->in);
        enum date_rc rc = date_parse(in, len, &utc, &tz);
        assert_int_equal(rc, c->rc);
        if (rc != DATE_INVALID) {
            assert_int_equal(utc, c->utc);
            assert_int_equal(tz, c->tz);
        }
        free(in);
    }
}

/* The input is a slice; NUL bytes are just bytes. */
static void test_slice_and_nul(void **state)
{
    (void)state;
    int64_t utc;
    int tz;
    const char *s = "Mon, 1 Jan 2024 10:00:00 +0000 trailing";
    assert_int_equal(date_parse(s, 30, &utc, &tz), DATE_OK);
    assert_int_equal(utc, 1704103200);
    const char nul[] = "Mon, 1 Jan 2024\0 10:00:00 +0000";
    assert_int_equal(date_parse(nul, sizeof nul - 1, &utc, &tz), DATE_INVALID);
    /* tz_min may be NULL */
    assert_int_equal(date_parse(s, 30, &utc, NULL), DATE_OK);
}

/* A long value (many tokens) is rejected quickly, not read past. */
static void test_long(void **state)
{
    (void)state;
    size_t n = 1 << 20;
    char *buf = malloc(n);
    memset(buf, '1', n);
    int64_t utc;
    assert_int_equal(date_parse(buf, n, &utc, NULL), DATE_INVALID);
    for (size_t i = 0; i < n; i++)
        buf[i] = (i % 2) ? ' ' : 'x';
    assert_int_equal(date_parse(buf, n, &utc, NULL), DATE_INVALID);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_slice_and_nul),
        cmocka_unit_test(test_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
