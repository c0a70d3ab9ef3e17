/* Unit tests for mail/rfc2047.c. Well-formed rows were checked against
 * Python's email.header (str(make_header(decode_header(s)))); the rows for
 * tolerance and anomalies were worked out by hand from the rules in
 * rfc2047.c's header comment. RFC 2047 §8 examples included. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mail/limits.h"
#include "mail/rfc2047.h"

#define END (-1)
#define FFFD "\xef\xbf\xbd"

struct rcase {
    const char *in;
    const char *want;
    int anoms[4];
};

static const struct rcase cases[] = {
    {"", "", {END}},
    {"Hello world", "Hello world", {END}},
    {"=?utf-8?B?w6lsw6h2ZQ==?=", "\xc3\xa9l\xc3\xa8ve", {END}},
    {"=?ISO-8859-1?Q?Andr=E9?= Pirard", "Andr\xc3\xa9 Pirard", {END}},
    {"=?iso-8859-1?q?this=20is=20some=20text?=", "this is some text", {END}},
    /* RFC 2047 section 8 */
    {"(=?ISO-8859-1?Q?a?=)", "(a)", {END}},
    {"(=?ISO-8859-1?Q?a?= b)", "(a b)", {END}},
    {"(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)", "(ab)", {END}},
    {"(=?ISO-8859-1?Q?a?=  =?ISO-8859-1?Q?b?=)", "(ab)", {END}},
    {"(=?ISO-8859-1?Q?a?=\t =?ISO-8859-1?Q?b?=)", "(ab)", {END}},
    {"(=?ISO-8859-1?Q?a_b?=)", "(a b)", {END}},
    {"(=?ISO-8859-1?Q?a?= =?ISO-8859-2?Q?_b?=)", "(a b)", {END}},
    /* RFC 2231 language suffix */
    {"=?utf-8*en?Q?Hello?=", "Hello", {END}},
    {"=?US-ASCII*EN?Q?Keith_Moore?=", "Keith Moore", {END}},
    /* a multibyte character split across adjacent words */
    {"=?utf-8?B?4oI=?= =?utf-8?B?rA==?=", "\xe2\x82\xac", {END}},
    {"=?shift_jis?B?k/qW?= =?SHIFT_JIS?B?e4zq?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", {END}},
    {"=?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", {END}},
    /* adjacent words in different charsets */
    {"=?iso-8859-1?Q?=E9?= =?utf-8?Q?=C3=A9?=", "\xc3\xa9\xc3\xa9", {END}},
    /* whitespace kept next to plain text */
    {"=?utf-8?Q?a?= b =?utf-8?Q?c?=", "a b c", {END}},
    {"Re: =?utf-8?Q?caf=C3=A9?=", "Re: caf\xc3\xa9", {END}},
    {"Re:=?utf-8?Q?x?=", "Re:x", {END}},
    {"=?utf-8?q?lower_q?= =?UTF-8?b?w6k=?=", "lower q\xc3\xa9", {END}},
    {"=?utf-8?B?w6k?=", "\xc3\xa9", {END}}, /* missing padding tolerated */
    {"=?utf-8?Q?"
     "?=",
     "",
     {END}},
    {"=?utf-8?Q?hello world?=", "hello world", {END}}, /* space inside, tolerated */
    {"a =? b", "a =? b", {END}},                       /* not a word at all */
    {"1+1=?", "1+1=?", {END}},
    /* raw 8-bit outside words */
    {"caf\xc3\xa9 =?utf-8?Q?x?=", "caf\xc3\xa9 x", {END}},
    {"caf\xe9 =?utf-8?Q?x?=", "caf\xc3\xa9 x", {END}},
    {"\x93quoted\x94", "\xe2\x80\x9cquoted\xe2\x80\x9d", {END}},
    /* malformed */
    {"=?utf-8?B?!!!?=", "=?utf-8?B?!!!?=", {ANOM_RFC2047_MALFORMED, END}},
    {"=?utf-8?Q?abc", "=?utf-8?Q?abc", {ANOM_RFC2047_MALFORMED, END}},
    {"=?utf-8?X?abc?=", "=?utf-8?X?abc?=", {ANOM_RFC2047_MALFORMED, END}},
    {"=?*en?Q?abc?=", "=?*en?Q?abc?=", {ANOM_RFC2047_MALFORMED, END}},
    {"=?utf-8?Q?a=ZZb?=", "a=ZZb", {ANOM_RFC2047_MALFORMED, END}},
    {"=?utf-8?B?w6kx?= =?utf-8?Q?abc",
     "\xc3\xa9"
     "1 =?utf-8?Q?abc",
     {ANOM_RFC2047_MALFORMED, END}},
    /* charset trouble */
    {"=?x-klingon?Q?abc?=", "abc", {ANOM_CHARSET_UNKNOWN, END}},
    {"=?utf-8?Q?a=FFb?=", "a" FFFD "b", {ANOM_CHARSET_BAD_BYTES, END}},
    {"=?us-ascii?Q?caf=E9?=", "caf\xc3\xa9", {ANOM_CHARSET_BAD_BYTES, END}},
    /* NUL bytes become U+FFFD */
    {"=?utf-8?Q?a=00b?=", "a" FFFD "b", {END}},
};

static void expect_anoms(const struct anomalies *an, const int *want)
{
    size_t n_want = 0;
    while (want[n_want] != END)
        n_want++;
    for (size_t i = 0; i < an->n; i++)
        print_message("  got %s (%s)\n", anom_name(an->v[i].code),
                      an->v[i].detail ? an->v[i].detail : "");
    assert_int_equal(an->n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_true(anom_has(an, (enum anom_code)want[i]));
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct rcase *c = &cases[i];
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        memcpy(in, c->in, len);
        print_message("case %zu: %s\n", i, c->in);
        size_t out_len = 999;
        char *out = rfc2047_decode(a, in, len, &out_len, &an);
        assert_string_equal(out, c->want);
        assert_int_equal(out_len, strlen(c->want));
        expect_anoms(&an, c->anoms);
        free(in);
        arena_free(a);
    }
}

/* Input is a slice: a word cut by len is not read past len. */
static void test_slice(void **state)
{
    (void)state;
    arena *a = arena_new();
    const char *s = "=?utf-8?Q?abc?=";
    char *out = rfc2047_decode(a, s, 10, NULL, NULL);
    assert_string_equal(out, "=?utf-8?Q?");
    arena_free(a);
}

/* Past HDR_MAX_VALUE_DECODE the text is copied as is. */
static void test_ceiling(void **state)
{
    (void)state;
    const char unit[] = "=?utf-8?Q?ab?= "; /* 15 bytes */
    size_t n_units = 10000, ul = sizeof unit - 1;
    size_t len = n_units * ul;
    char *in = malloc(len);
    for (size_t i = 0; i < n_units; i++)
        memcpy(in + i * ul, unit, ul);
    /* words wholly inside the first HDR_MAX_VALUE_DECODE bytes are decoded
     * and joined; the word crossing the ceiling and the rest stay raw */
    size_t whole = HDR_MAX_VALUE_DECODE / ul; /* words that fit */
    if ((whole - 1) * ul + ul - 1 > HDR_MAX_VALUE_DECODE)
        whole--;                      /* the last one must end (with "?=") inside the ceiling */
    size_t raw_from = whole * ul - 1; /* the space after the last decoded word */
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t out_len;
    char *out = rfc2047_decode(a, in, len, &out_len, &an);
    assert_int_equal(out_len, 2 * whole + (len - raw_from));
    for (size_t i = 0; i < whole; i++)
        assert_memory_equal(out + 2 * i, "ab", 2);
    assert_memory_equal(out + 2 * whole, in + raw_from, len - raw_from);
    assert_int_equal(an.n, 0);
    arena_free(a);
    free(in);
}

/* Many "=?" starts without an end must stay fast (linear) and record once. */
static void test_many_unterminated(void **state)
{
    (void)state;
    size_t n = 200000;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i += 8)
        memcpy(in + i, "=?a?q?x ", 8);
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t out_len;
    char *out = rfc2047_decode(a, in, n, &out_len, &an);
    assert_int_equal(out_len, n);
    assert_memory_equal(out, in, n);
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_RFC2047_MALFORMED);
    arena_free(a);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_many_unterminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
