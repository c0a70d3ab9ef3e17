/* Unit tests for mail/mimeparam.c. RFC 2231 rows (the RFC's own examples,
 * out-of-order sections, mixed *N / *N* sections) were checked against
 * Python's email package (compat32 get_param + collapse_rfc2231_value); the
 * tolerance rows follow RFC 2045's grammar (CFWS between tokens) and the
 * decisions in mimeparam.c's header comment, worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mimeparam.h"

#define END (-1)

struct kv {
    const char *name, *value;
};

struct mcase {
    const char *in;
    const char *value;
    struct kv params[4]; /* expected, in order; exactly n_params of them */
    size_t n_params;
    int anoms[4];
    const char *charset, *language; /* of params[0] */
};

#define OK_                                                                                        \
    {                                                                                              \
        END                                                                                        \
    }

static const struct mcase cases[] = {
    {"text/plain; charset=us-ascii (Plain text)",
     "text/plain",
     {{"charset", "us-ascii"}},
     1,
     OK_,
     NULL,
     NULL},
    {"text/plain; charset=\"utf-8\"", "text/plain", {{"charset", "utf-8"}}, 1, OK_, NULL, NULL},
    {"TEXT/HTML; CHARSET=UTF-8", "text/html", {{"charset", "UTF-8"}}, 1, OK_, NULL, NULL},
    {"text/plain;;; charset=utf-8;", "text/plain", {{"charset", "utf-8"}}, 1, OK_, NULL, NULL},
    {"multipart/mixed; boundary=\"----=_Part_1\"",
     "multipart/mixed",
     {{"boundary", "----=_Part_1"}},
     1,
     OK_,
     NULL,
     NULL},
    {"multipart/mixed; boundary=----=_Part_1_2",
     "multipart/mixed",
     {{"boundary", "----=_Part_1_2"}},
     1,
     OK_,
     NULL,
     NULL},
    {"text/plain (comment) ; (another) charset = utf-8 (trailing)",
     "text/plain",
     {{"charset", "utf-8"}},
     1,
     OK_,
     NULL,
     NULL},
    {"text / plain", "text/plain", {{0}}, 0, OK_, NULL, NULL},
    {"", "", {{0}}, 0, OK_, NULL, NULL},
    {"attachment", "attachment", {{0}}, 0, OK_, NULL, NULL},
    {"inline; filename=\"\"", "inline", {{"filename", ""}}, 1, OK_, NULL, NULL},
    /* RFC 2231 */
    {"attachment; filename*=utf-8''%E2%82%AC%20rates.pdf",
     "attachment",
     {{"filename", "\xe2\x82\xac rates.pdf"}},
     1,
     OK_,
     "utf-8",
     NULL},
    {"attachment; filename*=iso-8859-1'en'caf%E9.txt",
     "attachment",
     {{"filename", "caf\xc3\xa9.txt"}},
     1,
     OK_,
     "iso-8859-1",
     "en"},
    {"message/external-body; access-type=URL; URL*0=\"ftp://\"; "
     "URL*1=\"cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar\"",
     "message/external-body",
     {{"access-type", "URL"}, {"url", "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar"}},
     2,
     OK_,
     NULL,
     NULL},
    {"attachment; filename*1=\"part2.txt\"; filename*0=\"part1-\"",
     "attachment",
     {{"filename", "part1-part2.txt"}},
     1,
     OK_,
     NULL,
     NULL},
    {"attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC; filename*2=\".txt\"",
     "attachment",
     {{"filename", "\xe2\x82\xac.txt"}},
     1,
     OK_,
     "utf-8",
     NULL},
    {"application/x-stuff; title*0*=us-ascii'en'This%20is%20even%20more%20; "
     "title*1*=%2A%2A%2Afun%2A%2A%2A%20; title*2=\"isn't it!\"",
     "application/x-stuff",
     {{"title", "This is even more ***fun*** isn't it!"}},
     1,
     OK_,
     "us-ascii",
     "en"},
    {"attachment; filename=\"fallback.txt\"; filename*=utf-8''real.txt",
     "attachment",
     {{"filename", "real.txt"}},
     1,
     OK_,
     NULL,
     NULL},
    {"attachment; filename*=x-klingon''abc",
     "attachment",
     {{"filename", "abc"}},
     1,
     {ANOM_CHARSET_UNKNOWN, END},
     NULL,
     NULL},
    {"attachment; filename*0=\"a\"; filename*2=\"c\"",
     "attachment",
     {{"filename", "ac"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"attachment; filename*0=a; filename*0=b",
     "attachment",
     {{"filename", "a"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"attachment; filename*=utf-8''a%ZZb",
     "attachment",
     {{"filename", "a%ZZb"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"attachment; filename*=abc%20d",
     "attachment",
     {{"filename", "abc d"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"attachment; filename*99999=x; name=y",
     "attachment",
     {{"name", "y"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    /* quoted strings, escapes */
    {"attachment; filename=\"a \\\"quoted\\\" name.txt\"",
     "attachment",
     {{"filename", "a \"quoted\" name.txt"}},
     1,
     OK_,
     NULL,
     NULL},
    {"attachment; filename=\"semi;colon.txt\"; size=3",
     "attachment",
     {{"filename", "semi;colon.txt"}, {"size", "3"}},
     2,
     OK_,
     NULL,
     NULL},
    {"attachment; filename=\"abc",
     "attachment",
     {{"filename", "abc"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"text/plain; name=\"a\".pdf; x=1",
     "text/plain",
     {{"name", "a"}, {"x", "1"}},
     2,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    /* RFC 2047 inside a filename (not allowed, common): decoded */
    {"attachment; filename=\"=?utf-8?B?w6kudHh0?=\"",
     "attachment",
     {{"filename", "\xc3\xa9.txt"}},
     1,
     OK_,
     NULL,
     NULL},
    {"image/png; name==?utf-8?Q?caf=C3=A9.png?=",
     "image/png",
     {{"name", "caf\xc3\xa9.png"}},
     1,
     OK_,
     NULL,
     NULL},
    /* unquoted values with spaces, 8-bit */
    {"attachment; filename=my file.pdf",
     "attachment",
     {{"filename", "my file.pdf"}},
     1,
     OK_,
     NULL,
     NULL},
    {"attachment; filename=caf\xe9.txt",
     "attachment",
     {{"filename", "caf\xc3\xa9.txt"}},
     1,
     OK_,
     NULL,
     NULL},
    {"multipart/mixed; boundary=\"a\xe9"
     "b\"",
     "multipart/mixed",
     {{"boundary", "a\xe9"
                   "b"}},
     1,
     OK_,
     NULL,
     NULL},
    /* missing semicolons */
    {"text/plain charset=utf-8",
     "text/plain",
     {{"charset", "utf-8"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"text/plain; charset=utf-8 format=flowed",
     "text/plain",
     {{"charset", "utf-8"}, {"format", "flowed"}},
     2,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"text/plain; charset=\"utf-8\" format=flowed",
     "text/plain",
     {{"charset", "utf-8"}, {"format", "flowed"}},
     2,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    /* duplicates: first wins */
    {"text/plain; charset=utf-8; CHARSET=iso-8859-1",
     "text/plain",
     {{"charset", "utf-8"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    /* broken main values */
    {"; charset=utf-8", "", {{"charset", "utf-8"}}, 1, {ANOM_MIME_BAD_CTYPE, END}, NULL, NULL},
    {"charset=utf-8", "", {{"charset", "utf-8"}}, 1, {ANOM_MIME_BAD_CTYPE, END}, NULL, NULL},
    {"text/pl@in", "text/pl@in", {{0}}, 0, {ANOM_MIME_BAD_CTYPE, END}, NULL, NULL},
    {"\"text/plain\"",
     "",
     {{0}},
     0,
     {ANOM_MIME_BAD_CTYPE, ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"text/plain; foo; charset=utf-8",
     "text/plain",
     {{"charset", "utf-8"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
    {"text/plain; =x; charset=utf-8",
     "text/plain",
     {{"charset", "utf-8"}},
     1,
     {ANOM_RFC2231_MALFORMED, END},
     NULL,
     NULL},
};

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct mcase *c = &cases[i];
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        memcpy(in, c->in, len);
        print_message("case %zu: %s\n", i, c->in);
        struct mime_value v;
        bool ok = mimeparam_parse(a, in, len, &v, &an);
        assert_string_equal(v.value, c->value);
        for (size_t k = 0; k < v.n_params; k++)
            print_message("  %s=%s\n", v.params[k].name, v.params[k].value);
        assert_int_equal(v.n_params, c->n_params);
        for (size_t k = 0; k < c->n_params; k++) {
            assert_string_equal(v.params[k].name, c->params[k].name);
            assert_string_equal(v.params[k].value, c->params[k].value);
            assert_string_equal(mimeparam_get(&v, c->params[k].name), c->params[k].value);
        }
        if (c->n_params) {
            if (c->charset) assert_string_equal(v.params[0].charset, c->charset);
            if (c->language) assert_string_equal(v.params[0].language, c->language);
        }
        size_t n_want = 0;
        while (c->anoms[n_want] != END)
            n_want++;
        for (size_t k = 0; k < an.n; k++)
            print_message("  got %s (%s)\n", anom_name(an.v[k].code),
                          an.v[k].detail ? an.v[k].detail : "");
        assert_int_equal(an.n, n_want);
        for (size_t k = 0; k < n_want; k++)
            assert_true(anom_has(&an, (enum anom_code)c->anoms[k]));
        assert_int_equal(ok, n_want == 0);
        assert_null(mimeparam_get(&v, "no-such-param"));
        free(in);
        arena_free(a);
    }
}

static void test_no_charset_fields(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct mime_value v;
    const char *s = "text/plain; charset=utf-8";
    assert_true(mimeparam_parse(a, s, strlen(s), &v, NULL));
    assert_null(v.params[0].charset);
    assert_null(v.params[0].language);
    /* a slice: the bytes after len are not read */
    assert_true(mimeparam_parse(a, s, 10, &v, NULL));
    assert_string_equal(v.value, "text/plain");
    assert_int_equal(v.n_params, 0);
    arena_free(a);
}

/* More than MIMEPARAM_MAX parameters: the first 64 kept, one anomaly. */
static void test_param_ceiling(void **state)
{
    (void)state;
    char buf[4096];
    size_t n = (size_t)snprintf(buf, sizeof buf, "text/plain");
    for (int i = 0; i < MIMEPARAM_MAX + 6; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "; p%d=%d", i, i);
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct mime_value v;
    assert_false(mimeparam_parse(a, buf, n, &v, &an));
    assert_int_equal(v.n_params, MIMEPARAM_MAX);
    assert_string_equal(v.params[63].name, "p63");
    assert_string_equal(v.params[63].value, "63");
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_RFC2231_MALFORMED);
    arena_free(a);
}

/* Many sections of one parameter, in reverse order. */
static void test_many_sections(void **state)
{
    (void)state;
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    n += (size_t)snprintf(buf, cap, "attachment");
    for (int i = 499; i >= 0; i--)
        n += (size_t)snprintf(buf + n, cap - n, "; filename*%d=%c", i, 'a' + i % 26);
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct mime_value v;
    assert_true(mimeparam_parse(a, buf, n, &v, &an));
    assert_int_equal(v.n_params, 1);
    const char *f = mimeparam_get(&v, "filename");
    assert_int_equal(strlen(f), 500);
    for (int i = 0; i < 500; i++)
        assert_int_equal(f[i], 'a' + i % 26);
    assert_int_equal(an.n, 0);
    arena_free(a);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_no_charset_fields),
        cmocka_unit_test(test_param_ceiling),
        cmocka_unit_test(test_many_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
