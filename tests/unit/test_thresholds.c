/* test_thresholds — `report --fail-on EXPR`: parsing (operators, percent,
 * spaces, every metric name, the errors) and evaluation from a report's
 * headline facts (a value, no value, a section not built). Expected values
 * are worked out by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "report/model.h"
#include "report/thresholds.h"

static void parse_ops(void **state)
{
    (void)state;
    struct threshold t;
    char err[300];
    static const struct {
        const char *expr, *op;
        double limit;
    } ok[] = {
        {"bounce_rate>0.02", ">", 0.02},      {"bounce_rate>=0.02", ">=", 0.02},
        {"dkim_pass_rate<0.98", "<", 0.98},   {"dkim_pass_rate<=98%", "<=", 0.98},
        {"dmarc_fail==0", "==", 0},           {"dmarc_fail=0", "==", 0},
        {"blocklisted!=0", "!=", 0},          {"complaint_rate > 0.1%", ">", 0.001},
        {"spam_placement>1e-1", ">", 0.1},    {"complaints>=-1", ">=", -1},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(threshold_parse(ok[i].expr, &t, err, sizeof err), 0);
        assert_string_equal(threshold_op_text(&t), ok[i].op);
        assert_true(t.limit > ok[i].limit - 1e-12 && t.limit < ok[i].limit + 1e-12);
        assert_ptr_equal(t.expr, ok[i].expr);
    }
    /* the name is the whole identifier: "bounce_rate" is not "bounce_rate_x" */
    assert_int_equal(threshold_parse("bounce_rate_x>1", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "unknown metric 'bounce_rate_x'"));
}

static void parse_errors(void **state)
{
    (void)state;
    struct threshold t;
    char err[400];
    assert_int_equal(threshold_parse("bogus>1", &t, err, sizeof err), -1);
    /* the error lists every metric */
    const char *names[] = {"bounce_rate", "deferral_rate", "blocklisted", "dkim_pass_rate",
                           "dmarc_fail", "spam_placement", "complaints", "complaint_rate",
                           "dmarc_aggregate_fail_rate", "tls_failure_rate"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        assert_non_null(strstr(err, names[i]));
        char e[64];
        snprintf(e, sizeof e, "%s<1", names[i]);
        assert_int_equal(threshold_parse(e, &t, err, sizeof err), 0);
        assert_string_equal(threshold_metric_name(&t), names[i]);
        assert_non_null(threshold_section(&t));
    }
    assert_int_equal(threshold_parse("bounce_rate", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected an operator"));
    assert_int_equal(threshold_parse("bounce_rate>", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "expected a number"));
    assert_int_equal(threshold_parse("bounce_rate>x", &t, err, sizeof err), -1);
    assert_int_equal(threshold_parse("bounce_rate>0.1x", &t, err, sizeof err), -1);
    assert_non_null(strstr(err, "unexpected 'x'"));
    assert_int_equal(threshold_parse("bounce_rate>inf", &t, err, sizeof err), -1);
    assert_int_equal(threshold_parse("bounce_rate>nan", &t, err, sizeof err), -1);
    assert_int_equal(threshold_parse("", &t, err, sizeof err), -1);
}

/* A report whose delivery section has bounce_rate 0.05 (pct) and
 * blocklist_hits 3 (int), and whose feedback section is empty. */
static void from_report(void **state)
{
    (void)state;
    struct report r = {.a = arena_new()};
    struct rsection *d = rsec_add(&r, "delivery", "Delivery");
    rsec_fact(d, &r, "bounce_rate", "Bounce rate", rv_pct(0.05), -1);
    rsec_fact(d, &r, "blocklist_hits", "Blocklist", rv_int(3), -1);
    struct rsection *f = rsec_add(&r, "feedback", "Feedback");
    rsec_empty(f, &r, "no feedback");
    struct threshold t;
    char err[300];

    assert_int_equal(threshold_parse("bounce_rate>0.02", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_true(t.has_value && t.breached);
    assert_true(t.value > 0.0499 && t.value < 0.0501);
    assert_int_equal(threshold_parse("bounce_rate>5%", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_false(t.breached); /* 0.05 > 0.05 is false */
    assert_int_equal(threshold_parse("bounce_rate>=5%", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_true(t.breached);

    assert_int_equal(threshold_parse("blocklisted>2", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_true(t.has_value && t.breached && t.value == 3);
    assert_int_equal(threshold_parse("blocklisted!=3", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_false(t.breached);

    /* the section is there but says no data: no value, never breached */
    assert_int_equal(threshold_parse("complaint_rate>=0", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 1);
    assert_false(t.has_value);
    assert_false(t.breached);
    /* a section not built: the caller must compute it another way */
    assert_int_equal(threshold_parse("dmarc_fail>0", &t, err, sizeof err), 0);
    assert_int_equal(threshold_from_report(&t, &r), 0);
    arena_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_ops),
        cmocka_unit_test(parse_errors),
        cmocka_unit_test(from_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
