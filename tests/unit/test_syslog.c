/* test_syslog — the shared syslog prefix parser: the three timestamp shapes,
 * tags with and without pid, year inference and the December -> January
 * rollover, --log-tz, malformed prefixes, sniff scores and the SMTP reply
 * helpers. Expected epochs come from Python's calendar.timegm on the civil
 * UTC time written beside each case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logs/smtpreply.h"
#include "logs/syslog.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const int64_t MTIME_20250402 = 1743552000; /* 2025-04-02T00:00:00Z */

struct scase {
    const char *name;
    const char *line;
    size_t len; /* 0: strlen(line) */
    int tz;
    enum syslog_rc rc;
    int64_t time;
    int ms;
    const char *time_text, *host, *program, *msg;
    long pid;
};

#define BAD(name, line, len)                                                                       \
    {                                                                                              \
        name, line, len, 0, SYSLOG_BAD, 0, 0, NULL, NULL, NULL, NULL, 0                            \
    }

static const struct scase cases[] = {
    {"classic", "Apr  1 10:00:00 mx1 postfix/smtpd[123]: connect from x[192.0.2.1]", 0, 0,
     SYSLOG_OK, 1743501600 /* 2025-04-01 10:00:00 */, 0, "Apr  1 10:00:00", "mx1", "postfix/smtpd",
     "connect from x[192.0.2.1]", 123},
    {"classic-tz+120", "Apr  1 10:00:00 mx1 postfix/smtpd[123]: x", 0, 120, SYSLOG_OK,
     1743494400 /* 2025-04-01 08:00:00 */, 0, "Apr  1 10:00:00", "mx1", "postfix/smtpd", "x", 123},
    {"classic-month-after-mtime", "Dec 31 23:59:59 h prog: msg", 0, 0, SYSLOG_OK,
     1735689599 /* 2024-12-31 23:59:59 */, 0, "Dec 31 23:59:59", "h", "prog", "msg", -1},
    {"classic-two-digit-day", "Mar 01 09:00:00 h p[1]: m", 0, 0, SYSLOG_OK,
     1740819600 /* 2025-03-01 09:00:00 */, 0, "Mar 01 09:00:00", "h", "p", "m", 1},
    {"classic-single-space-day", "Apr 1 10:00:00 h p[7]: m", 0, 0, SYSLOG_OK, 1743501600, 0,
     "Apr 1 10:00:00", "h", "p", "m", 7},
    {"classic-fraction", "Apr  1 10:00:00.250 h p[7]: m", 0, 0, SYSLOG_OK, 1743501600, 250,
     "Apr  1 10:00:00.250", "h", "p", "m", 7},
    {"rfc3339", "2025-04-01T10:00:00.123456+02:00 mx1 postfix/qmgr[1187]: 3A1F: removed", 0, 0,
     SYSLOG_OK, 1743494400 /* 08:00:00Z */, 123, "2025-04-01T10:00:00.123456+02:00", "mx1",
     "postfix/qmgr", "3A1F: removed", 1187},
    {"rfc3339-Z", "2025-04-01T10:00:00Z h p[1]: m", 0, 300, SYSLOG_OK, 1743501600, 0,
     "2025-04-01T10:00:00Z", "h", "p", "m", 1},
    {"rfc3339-negative", "2025-04-01T14:30:00-04:30 h p[1]: m", 0, 0, SYSLOG_OK,
     1743534000 /* 19:00:00Z */, 0, "2025-04-01T14:30:00-04:30", "h", "p", "m", 1},
    {"rfc3339-no-zone-uses-tz", "2025-04-01T10:00:00 h p[1]: m", 0, 60, SYSLOG_OK,
     1743498000 /* 09:00:00Z */, 0, "2025-04-01T10:00:00", "h", "p", "m", 1},
    {"short-iso", "2025-04-01T10:00:00+0200 mx1 postfix/smtp[21110]: m", 0, 0, SYSLOG_OK,
     1743494400, 0, "2025-04-01T10:00:00+0200", "mx1", "postfix/smtp", "m", 21110},
    {"short-iso-leap-day", "2024-02-29T12:00:00+0000 h p: m", 0, 0, SYSLOG_OK,
     1709208000 /* 2024-02-29 12:00:00 */, 0, "2024-02-29T12:00:00+0000", "h", "p", "m", -1},
    {"pri-prefix", "<22>Apr  1 10:00:00 h sm-mta[5]: m", 0, 0, SYSLOG_OK, 1743501600, 0,
     "Apr  1 10:00:00", "h", "sm-mta", "m", 5},
    {"multi-slash-tag", "Apr  1 10:00:00 h postfix/submission/smtpd[21102]: connect from a[b]", 0,
     0, SYSLOG_OK, 1743501600, 0, "Apr  1 10:00:00", "h", "postfix/submission/smtpd",
     "connect from a[b]", 21102},
    {"kernel", "Apr  1 10:00:00 h kernel: [123.456] audit", 0, 0, SYSLOG_OK, 1743501600, 0,
     "Apr  1 10:00:00", "h", "kernel", "[123.456] audit", -1},
    {"no-space-after-colon", "Apr  1 10:00:00 h p[1]:m", 0, 0, SYSLOG_OK, 1743501600, 0,
     "Apr  1 10:00:00", "h", "p", "m", 1},
    {"empty-message", "Apr  1 10:00:00 h p[1]:", 0, 0, SYSLOG_OK, 1743501600, 0, "Apr  1 10:00:00",
     "h", "p", "", 1},
    {"leading-nuls", "\0\0\0Apr  1 10:00:00 h p[1]: m", 28, 0, SYSLOG_OK, 1743501600, 0,
     "Apr  1 10:00:00", "h", "p", "m", 1},
    {"notag-repeated", "Apr  1 10:00:00 h last message repeated 3 times", 0, 0, SYSLOG_NOTAG,
     1743501600, 0, "Apr  1 10:00:00", "h", "", "last message repeated 3 times", -1},
    {"notag-unclosed-pid", "Apr  1 10:00:00 h prog[12", 0, 0, SYSLOG_NOTAG, 1743501600, 0,
     "Apr  1 10:00:00", "h", "", "prog[12", -1},
    {"notag-pid-no-colon", "Apr  1 10:00:00 h prog[12] x", 0, 0, SYSLOG_NOTAG, 1743501600, 0,
     "Apr  1 10:00:00", "h", "", "prog[12] x", -1},
    {"notag-empty-tag", "Apr  1 10:00:00 h [12]: x", 0, 0, SYSLOG_NOTAG, 1743501600, 0,
     "Apr  1 10:00:00", "h", "", "[12]: x", -1},
    BAD("bad-day-31-april", "Apr 31 10:00:00 h p: m", 0),
    BAD("bad-month", "Foo  1 10:00:00 h p: m", 0),
    BAD("bad-hour", "Apr  1 24:00:00 h p: m", 0),
    BAD("bad-no-host", "Apr  1 10:00:00", 0),
    BAD("bad-host-only", "Apr  1 10:00:00 host", 0),
    BAD("bad-iso-month", "2025-13-01T10:00:00Z h p: m", 0),
    BAD("bad-iso-zone", "2025-04-01T10:00:00+2 h p: m", 0),
    BAD("bad-iso-cut", "2025-04-01T10:0", 0),
    BAD("bad-classic-cut", "Apr  1 10:0", 0),
    BAD("bad-empty", "", 0),
    BAD("bad-text", "hello world this is not syslog", 0),
    BAD("bad-nul-in-time", "Apr  1 10:\0:00 h p: m", 21),
    {"notag-exim", "2025-04-01 10:00:00 1tXyZa-000123-AB <= a@b H=x [1.2.3.4]", 0, 0, SYSLOG_NOTAG,
     1743501600, 0, "2025-04-01 10:00:00", "1tXyZa-000123-AB", "", "<= a@b H=x [1.2.3.4]", -1},
};

static void check_slice(const char *what, struct slice s, const char *exp)
{
    if (s.len != strlen(exp) || (s.len && memcmp(s.p, exp, s.len) != 0)) {
        print_error("%s: got '%.*s' expected '%s'\n", what, (int)s.len, s.p ? s.p : "", exp);
        fail();
    }
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++) {
        const struct scase *c = &cases[i];
        struct log_opts o = {.tz_offset_min = c->tz, .file_mtime = MTIME_20250402};
        struct syslog_state st;
        syslog_state_init(&st, &o);
        struct syslog_line ln;
        size_t len = c->len ? c->len : strlen(c->line);
        /* an exact-size copy so ASan sees any read past len */
        char *buf = malloc(len ? len : 1);
        memcpy(buf, c->line, len);
        enum syslog_rc rc = syslog_parse(&st, buf, len, &ln);
        print_message("case %s\n", c->name);
        assert_int_equal(rc, c->rc);
        if (rc != SYSLOG_BAD) {
            assert_int_equal(ln.time, c->time);
            assert_int_equal(ln.time_ms, c->ms);
            check_slice("time_text", ln.time_text, c->time_text);
            check_slice("host", ln.host, c->host);
            check_slice("program", ln.program, c->program);
            check_slice("msg", ln.msg, c->msg);
            assert_int_equal(ln.pid, c->pid);
        }
        free(buf);
    }
}

/* A sequence of classic lines through one state. */
static void run_seq(int64_t mtime, int tz, const char *const *lines, const int64_t *expect,
                    size_t n)
{
    struct log_opts o = {.tz_offset_min = tz, .file_mtime = mtime};
    struct syslog_state st;
    syslog_state_init(&st, &o);
    for (size_t i = 0; i < n; i++) {
        struct syslog_line ln;
        assert_int_equal(syslog_parse(&st, lines[i], strlen(lines[i]), &ln), SYSLOG_OK);
        print_message("line %zu: %s\n", i, lines[i]);
        assert_int_equal(ln.time, expect[i]);
    }
}

static void test_rollover(void **state)
{
    (void)state;
    /* mtime 2026-01-15: the December lines are 2025, January 2026; a late
     * December line after January (syslog is not strictly ordered) stays 2025 */
    static const char *const lines[] = {
        "Dec 30 12:00:00 h p: a", "Dec 31 23:59:58 h p: b", "Jan  1 00:00:01 h p: c",
        "Dec 31 23:59:59 h p: d", "Jan  2 08:00:00 h p: e",
    };
    static const int64_t expect[] = {
        1767096000, /* 2025-12-30 12:00:00 */
        1767225598, /* 2025-12-31 23:59:58 */
        1767225601, /* 2026-01-01 00:00:01 */
        1767225599, /* 2025-12-31 23:59:59 */
        1767340800, /* 2026-01-02 08:00:00 */
    };
    run_seq(1768435200 /* 2026-01-15 */, 0, lines, expect, N(lines));
}

static void test_rollover_fixture_file(void **state)
{
    (void)state;
    static const char *const lines[] = {"Dec 31 23:58:02 h p: a", "Dec 31 23:59:59 h p: b",
                                        "Jan  1 00:00:00 h p: c", "Jan 15 09:30:00 h p: d"};
    static const int64_t expect[] = {1767225482, 1767225599, 1767225600, 1768469400};
    run_seq(1768435200, 0, lines, expect, N(lines));
}

static void test_gap_rollover(void **state)
{
    (void)state;
    /* mtime 2025-03-10, first line November -> 2024; Nov -> Feb (a silent
     * December and January) is the turn of the year */
    static const char *const lines[] = {"Nov 20 10:00:00 h p: a", "Feb  3 10:00:00 h p: b",
                                        "Mar  1 09:00:00 h p: c", "Feb 28 23:59:59 h p: d"};
    static const int64_t expect[] = {1732096800, 1738576800, 1740819600, 1740787199};
    run_seq(1741564800, 0, lines, expect, N(lines));
}

static void test_mtime_local_new_year(void **state)
{
    (void)state;
    /* file closed 2025-12-31T23:30Z = 2026-01-01 01:30 at +02:00; the line
     * "Jan  1 01:29" is 2026 local time, 2025-12-31T23:29Z */
    static const char *const lines[] = {"Jan  1 01:29:00 h p: a"};
    static const int64_t expect[] = {1767223740};
    run_seq(1767223800, 120, lines, expect, N(lines));
}

static void test_rfc_line_sets_year(void **state)
{
    (void)state;
    struct log_opts o = {.file_mtime = MTIME_20250402};
    struct syslog_state st;
    syslog_state_init(&st, &o);
    struct syslog_line ln;
    const char *a = "2024-12-31T10:00:00Z h p: a", *b = "Jan  1 00:00:00 h p: b";
    assert_int_equal(syslog_parse(&st, a, strlen(a), &ln), SYSLOG_OK);
    assert_int_equal(ln.time, 1735639200); /* 2024-12-31 10:00:00 */
    assert_int_equal(syslog_parse(&st, b, strlen(b), &ln), SYSLOG_OK);
    assert_int_equal(ln.time, 1735689600); /* 2025-01-01 00:00:00 */
}

static void test_filler(void **state)
{
    (void)state;
    assert_true(syslog_is_filler("", 0));
    assert_true(syslog_is_filler("   ", 3));
    assert_true(syslog_is_filler("-- Boot 3f2c --", 15));
    assert_true(syslog_is_filler("-- Logs begin at Mon 2025-03-31 --", 34));
    assert_false(syslog_is_filler("--x", 3));
    assert_false(syslog_is_filler("Apr", 3));
}

static bool is_p(const struct syslog_line *ln)
{
    return ln->program.len == 1 && ln->program.p[0] == 'p';
}

static void test_sniff(void **state)
{
    (void)state;
    const char *all = "Apr  1 10:00:00 h p[1]: a\nApr  1 10:00:01 h p[1]: b\n";
    assert_int_equal(syslog_sniff(all, strlen(all), is_p), 99);
    const char *half = "Apr  1 10:00:00 h p[1]: a\nApr  1 10:00:01 h q[1]: b\n";
    assert_int_equal(syslog_sniff(half, strlen(half), is_p), 79);
    const char *none = "Apr  1 10:00:00 h q[1]: a\n";
    assert_int_equal(syslog_sniff(none, strlen(none), is_p), 0);
    /* a cut last line is not looked at */
    const char *cut = "Apr  1 10:00:00 h q[1]: a\nApr  1 10:00:01 h p[1]: b";
    assert_int_equal(syslog_sniff(cut, strlen(cut), is_p), 0);
    assert_int_equal(syslog_sniff("", 0, is_p), 0);
    const char *crlf = "Apr  1 10:00:00 h p[1]: a\r\n";
    assert_int_equal(syslog_sniff(crlf, strlen(crlf), is_p), 99);
    const char *text = "From: a@b\nSubject: x\n\nbody\n";
    assert_int_equal(syslog_sniff(text, strlen(text), is_p), 0);
}

static void test_reply_helpers(void **state)
{
    (void)state;
    struct {
        const char *in;
        int code;
        const char *dsn;
    } r[] = {
        {"550 5.1.1 <b@x>: User unknown", 550, "5.1.1"},
        {"550-5.7.26 Unauthenticated email", 550, "5.7.26"},
        {"421 4.7.0 [TSS04] Messages", 421, "4.7.0"},
        {"451 4.7.650 The mail server", 451, "4.7.650"},
        {"5.7.1 Spam message rejected", 0, "5.7.1"},
        {"250 ok dirdel", 250, ""},
        {"delivered to mailbox", 0, ""},
        {"550", 550, ""},
        {"550+5.1.1+User+unknown", 550, "5.1.1"}, /* IIS W3C: '+' for spaces */
        {"5.7.1234 x", 0, ""},
        {"3.1.1 x", 0, ""},
        {"55", 0, ""},
        {"", 0, ""},
    };
    for (size_t i = 0; i < N(r); i++) {
        int code;
        struct slice dsn;
        smtp_reply_parse(r[i].in, strlen(r[i].in), &code, &dsn);
        print_message("reply %s\n", r[i].in);
        assert_int_equal(code, r[i].code);
        check_slice("dsn", dsn, r[i].dsn);
    }
    assert_int_equal(smtp_dsn_len("2.0.0", 5), 5);
    assert_int_equal(smtp_dsn_len("2.0.0x", 6), 0);
    assert_int_equal(smtp_dsn_len("2.0.", 4), 0);
}

static void test_long_line(void **state)
{
    (void)state;
    size_t n = 64 * 1024;
    char *buf = malloc(n);
    memset(buf, 'x', n);
    const char *pre = "Apr  1 10:00:00 h p[1]: ";
    memcpy(buf, pre, strlen(pre));
    struct log_opts o = {.file_mtime = MTIME_20250402};
    struct syslog_state st;
    syslog_state_init(&st, &o);
    struct syslog_line ln;
    assert_int_equal(syslog_parse(&st, buf, n, &ln), SYSLOG_OK);
    assert_int_equal(ln.msg.len, n - strlen(pre));
    /* a tag longer than SYSLOG_MAX_TAG is no tag */
    memset(buf + 18, 'y', n - 18);
    assert_int_equal(syslog_parse(&st, buf, n, &ln), SYSLOG_NOTAG);
    /* every prefix of a valid line: no read past len (ASan), never a crash */
    const char *full = "2025-04-01T10:00:00.123+02:00 host prog[123]: msg";
    for (size_t k = 0; k <= strlen(full); k++) {
        char *cp = malloc(k ? k : 1);
        memcpy(cp, full, k);
        (void)syslog_parse(&st, cp, k, &ln);
        free(cp);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_rollover),
        cmocka_unit_test(test_rollover_fixture_file),
        cmocka_unit_test(test_gap_rollover),
        cmocka_unit_test(test_mtime_local_new_year),
        cmocka_unit_test(test_rfc_line_sets_year),
        cmocka_unit_test(test_filler),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_reply_helpers),
        cmocka_unit_test(test_long_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
