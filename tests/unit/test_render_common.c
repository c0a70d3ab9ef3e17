/* Unit tests for report/render_common.c: render_value, the display text of
 * a report value. Expected strings are worked out by hand from the rules in
 * render_common.c (thousands separators, at most 2 decimals for reals, 1 for
 * percentages, "<0.1%" / ">99.9%" at the ends). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "report/render.h"

struct vcase {
    struct rval v;
    const char *want;
};

static void check(const struct vcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        memset(buf, 'x', sizeof buf);
        const char *got = render_value(&c[i].v, buf, sizeof buf);
        assert_ptr_equal(got, buf);
        if (strcmp(got, c[i].want) != 0)
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, got, c[i].want);
    }
}

static void ints(void **state)
{
    (void)state;
    const struct vcase c[] = {
        {rv_int(0), "0"},
        {rv_int(7), "7"},
        {rv_int(999), "999"},
        {rv_int(1000), "1,000"},
        {rv_int(12345), "12,345"},
        {rv_int(1234567), "1,234,567"},
        {rv_int(-1234), "-1,234"},
        {rv_int(-999), "-999"},
        {rv_int(INT64_MAX), "9,223,372,036,854,775,807"},
        {rv_int(INT64_MIN), "-9,223,372,036,854,775,808"},
    };
    check(c, sizeof c / sizeof c[0]);
}

static void reals(void **state)
{
    (void)state;
    const struct vcase c[] = {
        {rv_real(3.25), "3.25"},
        {rv_real(3.5), "3.5"},
        {rv_real(3.0), "3"},
        {rv_real(0.0), "0"},
        {rv_real(0.1 + 0.2), "0.3"},
        {rv_real(0.004), "0"},
        {rv_real(-0.001), "0"}, /* never "-0" */
        {rv_real(-2.5), "-2.5"},
        {rv_real(1234.5), "1,234.5"},
        {rv_real(1234567.891), "1,234,567.89"},
        {rv_real(2.999), "3"},
        {rv_real(1e15), "1e+15"},
        {rv_real(NAN), "-"},
        {rv_real(INFINITY), "inf"},
    };
    check(c, sizeof c / sizeof c[0]);
}

static void pcts(void **state)
{
    (void)state;
    const struct vcase c[] = {
        {rv_pct(0.125), "12.5%"},   {rv_pct(0.001), "0.1%"},
        {rv_pct(0.0004), "<0.1%"},  {rv_pct(0.00000001), "<0.1%"},
        {rv_pct(0), "0%"},          {rv_pct(1), "100%"},
        {rv_pct(0.5), "50%"},       {rv_pct(0.12345), "12.3%"},
        {rv_pct(0.9999), ">99.9%"}, {rv_pct(0.999), "99.9%"},
        {rv_pct(1.5), "150%"},      {rv_pct(-0.25), "-25%"},
        {rv_pct(NAN), "-"},
    };
    check(c, sizeof c / sizeof c[0]);
}

static void text_null_time(void **state)
{
    (void)state;
    const struct vcase c[] = {
        {rv_null(), "-"},
        {rv_text("plain"), "plain"},
        {rv_text("\033[2J<script>, \"q\""),
         "\033[2J<script>, \"q\""}, /* verbatim: callers escape */
        {rv_text(""), ""},
        {rv_text(NULL), "-"},
        {rv_time("2025-04-01T06:00:01Z"), "2025-04-01T06:00:01Z"},
    };
    check(c, sizeof c / sizeof c[0]);
}

static void small_buffers(void **state)
{
    (void)state;
    char b[4];
    struct rval v = rv_int(1234567);
    assert_string_equal(render_value(&v, b, sizeof b), "1,2");
    struct rval t = rv_text("abcdef");
    assert_string_equal(render_value(&t, b, sizeof b), "abc");
    char one[1] = {'z'};
    assert_string_equal(render_value(&t, one, 1), "");
    assert_null(render_value(&t, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ints),           cmocka_unit_test(reals),         cmocka_unit_test(pcts),
        cmocka_unit_test(text_null_time), cmocka_unit_test(small_buffers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
