/* Unit tests for util/charset.c. The iconv-backed rows were produced with
 * Python's codecs (an independent implementation) as the oracle: for each
 * charset, bytes.decode(codec).encode('utf-8'); shift_jis rows use Python's
 * cp932 codec because shift_jis is read as CP932 on purpose. The native rows
 * (ascii, utf-8, latin-1, cp1252) were worked out from the code charts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "util/charset.h"

#define FFFD "\xef\xbf\xbd"

struct ccase {
    const char *charset; /* NULL: undeclared */
    const char *in;
    size_t len;
    const char *want;
    size_t want_len;
    enum charset_rc rc;
};

static const struct ccase cases[] = {
    /* undeclared: UTF-8 when valid, else windows-1252 */
    {NULL, "hello", 5, "hello", 5, CHARSET_OK},
    {NULL, "caf\xc3\xa9", 5, "caf\xc3\xa9", 5, CHARSET_OK},
    {NULL, "caf\xe9", 4, "caf\xc3\xa9", 5, CHARSET_OK},
    {"", "caf\xe9 \x93x\x94", 8, "caf\xc3\xa9 \xe2\x80\x9cx\xe2\x80\x9d", 13, CHARSET_OK},
    {NULL, "", 0, "", 0, CHARSET_OK},
    /* us-ascii */
    {"us-ascii", "plain text", 10, "plain text", 10, CHARSET_OK},
    {"US-ASCII", "caf\xe9", 4, "caf\xc3\xa9", 5, CHARSET_BAD_BYTES},
    {"ascii", "caf\xc3\xa9", 5, "caf\xc3\xa9", 5, CHARSET_BAD_BYTES},
    {"ANSI_X3.4-1968", "x", 1, "x", 1, CHARSET_OK},
    /* utf-8: invalid sequences become one U+FFFD per maximal subpart */
    {"utf-8", "caf\xc3\xa9", 5, "caf\xc3\xa9", 5, CHARSET_OK},
    {"UTF8", "\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80", 4, CHARSET_OK},
    {"utf-8",
     "a\xff"
     "b",
     3, "a" FFFD "b", 5, CHARSET_BAD_BYTES},
    {"utf-8", "\xe2\x82", 2, FFFD, 3, CHARSET_BAD_BYTES},
    {"utf-8", "\xe2\x82x", 3, FFFD "x", 4, CHARSET_BAD_BYTES},
    {"utf-8", "\xed\xa0\x80", 3, FFFD FFFD FFFD, 9, CHARSET_BAD_BYTES},
    {"utf-8", "\xc0\xaf", 2, FFFD FFFD, 6, CHARSET_BAD_BYTES},
    {"utf-8", "\xf0\x9f\x98", 3, FFFD, 3, CHARSET_BAD_BYTES},
    {"utf-8", "\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD, 12, CHARSET_BAD_BYTES},
    {"utf-8", "a\0b", 3, "a\0b", 3, CHARSET_OK},
    {" \"utf-8\" ", "x", 1, "x", 1, CHARSET_OK},
    /* iso-8859-1: cp1252 letters in 0x80-0x9F (decision), C1 for the rest */
    {"iso-8859-1", "caf\xe9 \xa0\xff", 7, "caf\xc3\xa9 \xc2\xa0\xc3\xbf", 10, CHARSET_OK},
    {"latin1", "\x80\x81", 2, "\xe2\x82\xac\xc2\x81", 5, CHARSET_OK},
    {"ISO_8859-1", "\x93q\x94", 3, "\xe2\x80\x9cq\xe2\x80\x9d", 7, CHARSET_OK},
    /* eight ASCII bytes are copied at once: 8-bit bytes right after, inside
     * and right before such runs, and a short ASCII tail */
    {"iso-8859-1", "abcdefgh\xe9ijklmnop\x80qrstuvwxyz012345\xff", 35,
     "abcdefgh\xc3\xa9ijklmnop\xe2\x82\xacqrstuvwxyz012345\xc3\xbf", 39, CHARSET_OK},
    {"iso-8859-1", "0123456789abcdefg", 17, "0123456789abcdefg", 17, CHARSET_OK},
    {"cp1252", "abcdefg\x81hijklmn", 15, "abcdefg" FFFD "hijklmn", 17, CHARSET_BAD_BYTES},
    /* windows-1252 */
    {"windows-1252", "\x93quoted\x94 \x80 \x9f", 12,
     "\xe2\x80\x9cquoted\xe2\x80\x9d \xe2\x82\xac \xc5\xb8", 19, CHARSET_OK},
    {"cp1252",
     "a\x81"
     "b",
     3, "a" FFFD "b", 5, CHARSET_BAD_BYTES},
    /* iconv, Python-checked */
    {"iso-8859-2", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc4\x85\xc5\x94\xc3\x84\xc5\x95\xc3\xa9\xc4\x91\xc5\xa3", 17, CHARSET_OK},
    {"iso-8859-3", "A\xa4\xb1\xc0\xc4\xe0\xe9\xfe", 8,
     "A\xc2\xa4\xc4\xa7\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc5\x9d", 15, CHARSET_OK},
    {"iso-8859-4", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc4\x85\xc4\x80\xc3\x84\xc4\x81\xc3\xa9\xc4\x91\xc5\xab", 17, CHARSET_OK},
    {"iso-8859-5", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xd0\x84\xd0\x91\xd0\xa0\xd0\xa4\xd1\x80\xd1\x89\xe2\x84\x96\xd1\x9e", 18, CHARSET_OK},
    {"iso-8859-6", "A\xa4\xc4\xe0\xe9\xf0", 6, "A\xc2\xa4\xd8\xa4\xd9\x80\xd9\x89\xd9\x90", 11,
     CHARSET_OK},
    {"iso-8859-7", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xe2\x82\xac\xc2\xb1\xce\x90\xce\x94\xce\xb0\xce\xb9\xcf\x80\xcf\x8e", 18, CHARSET_OK},
    {"iso-8859-8", "A\xa4\xb1\xe0\xe9\xf0\xfe", 7,
     "A\xc2\xa4\xc2\xb1\xd7\x90\xd7\x99\xd7\xa0\xe2\x80\x8f", 14, CHARSET_OK},
    {"iso-8859-9", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc4\x9f\xc5\x9f", 17, CHARSET_OK},
    {"iso-8859-10", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc4\xaa\xc4\x85\xc4\x80\xc3\x84\xc4\x81\xc3\xa9\xc3\xb0\xc3\xbe", 17, CHARSET_OK},
    {"iso-8859-11", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0", 8,
     "A\xe0\xb8\x84\xe0\xb8\x91\xe0\xb8\xa0\xe0\xb8\xa4\xe0\xb9\x80\xe0\xb9\x89\xe0\xb9\x90", 22,
     CHARSET_OK},
    {"iso-8859-13", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc4\x84\xc3\x84\xc4\x85\xc3\xa9\xc5\xa1\xc5\xbe", 17, CHARSET_OK},
    {"iso-8859-14", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc4\x8a\xe1\xb8\x9f\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc5\xb5\xc5\xb7", 18, CHARSET_OK},
    {"iso-8859-15", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xe2\x82\xac\xc2\xb1\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc3\xb0\xc3\xbe", 18, CHARSET_OK},
    {"iso-8859-16", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xe2\x82\xac\xc2\xb1\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc4\x91\xc8\x9b", 18, CHARSET_OK},
    {"windows-1250", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc5\x94\xc3\x84\xc5\x95\xc3\xa9\xc4\x91\xc5\xa3", 17, CHARSET_OK},
    {"windows-1251", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xd0\x90\xd0\x94\xd0\xb0\xd0\xb9\xd1\x80\xd1\x8e", 17, CHARSET_OK},
    {"windows-1253", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xce\x90\xce\x94\xce\xb0\xce\xb9\xcf\x80\xcf\x8e", 17, CHARSET_OK},
    {"windows-1254", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc4\x9f\xc5\x9f", 17, CHARSET_OK},
    {"windows-1255", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xe2\x82\xaa\xc2\xb1\xd6\xb0\xd6\xb4\xd7\x90\xd7\x99\xd7\xa0\xe2\x80\x8f", 19, CHARSET_OK},
    {"windows-1256", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xdb\x81\xd8\xa4\xc3\xa0\xc3\xa9\xd9\x8b\xe2\x80\x8f", 18, CHARSET_OK},
    {"windows-1257", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc4\x84\xc3\x84\xc4\x85\xc3\xa9\xc5\xa1\xc5\xbe", 17, CHARSET_OK},
    {"windows-1258", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xc3\x80\xc3\x84\xc3\xa0\xc3\xa9\xc4\x91\xe2\x82\xab", 18, CHARSET_OK},
    {"koi8-r", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xe2\x95\x93\xe2\x95\xa0\xd1\x8e\xd0\xb4\xd0\xae\xd0\x98\xd0\x9f\xd0\xa7", 19, CHARSET_OK},
    {"koi8-u", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xd1\x94\xe2\x95\xa0\xd1\x8e\xd0\xb4\xd0\xae\xd0\x98\xd0\x9f\xd0\xa7", 18, CHARSET_OK},
    {"cp1251", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc2\xb1\xd0\x90\xd0\x94\xd0\xb0\xd0\xb9\xd1\x80\xd1\x8e", 17, CHARSET_OK},
    {"LATIN2", "A\xa4\xb1\xc0\xc4\xe0\xe9\xf0\xfe", 9,
     "A\xc2\xa4\xc4\x85\xc5\x94\xc3\x84\xc5\x95\xc3\xa9\xc4\x91\xc5\xa3", 17, CHARSET_OK},
    {"shift_jis",
     "\x93\xfa\x96{\x8c\xea\x83"
     "e\x83X\x83g",
     12, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 18,
     CHARSET_OK},
    {"x-sjis", "\x93\xfa\x96{", 4, "\xe6\x97\xa5\xe6\x9c\xac", 6, CHARSET_OK},
    {"Shift_JIS", "\x87@\xb6\xc5", 4, "\xe2\x91\xa0\xef\xbd\xb6\xef\xbe\x85", 9, CHARSET_OK},
    {"euc-jp", "\xc6\xfc\xcb\xdc\xb8\xec", 6, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 9,
     CHARSET_OK},
    {"iso-2022-jp",
     "\x1b$BF|K\x5c"
     "8l\x1b(B abc",
     16, "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e abc", 13, CHARSET_OK},
    {"ISO-2022-JP", "\x1b$B7oL>%F%9%H\x1b(B", 16,
     "\xe4\xbb\xb6\xe5\x90\x8d\xe3\x83\x86\xe3\x82\xb9\xe3\x83\x88", 15, CHARSET_OK},
    {"gb2312", "\xd6\xd0\xce\xc4\xd3\xca\xbc\xfe", 8,
     "\xe4\xb8\xad\xe6\x96\x87\xe9\x82\xae\xe4\xbb\xb6", 12, CHARSET_OK},
    {"gbk", "\xd6\xd0\xce\xc4", 4, "\xe4\xb8\xad\xe6\x96\x87", 6, CHARSET_OK},
    {"gb18030", "\xd6\xd0\xce\xc4\xa2\xe3", 6, "\xe4\xb8\xad\xe6\x96\x87\xe2\x82\xac", 9,
     CHARSET_OK},
    {"big5", "\xa4\xa4\xa4\xe5\xb6l\xa5\xf3", 8, "\xe4\xb8\xad\xe6\x96\x87\xe9\x83\xb5\xe4\xbb\xb6",
     12, CHARSET_OK},
    {"ks_c_5601-1987", "\xc7\xd1\xb1\xb9\xbe\xee", 6, "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4", 9,
     CHARSET_OK},
    {"euc-kr", "\xc7\xd1\xb1\xb9", 4, "\xed\x95\x9c\xea\xb5\xad", 6, CHARSET_OK},
    {"utf-7", "Hi Mom -+Jjo--!", 15, "Hi Mom -\xe2\x98\xba-!", 13, CHARSET_OK},
    /* invalid bytes through iconv: skip one byte, emit U+FFFD */
    {"shift_jis", "a\x82 b", 4, "a" FFFD " b", 6, CHARSET_BAD_BYTES},
    {"euc-jp", "ab\xa4", 3, "ab" FFFD, 5, CHARSET_BAD_BYTES},
    {"gb2312", "\xd6", 1, FFFD, 3, CHARSET_BAD_BYTES},
    {"koi8-r", "", 0, "", 0, CHARSET_OK},
    /* unknown: the input with invalid UTF-8 replaced */
    {"x-klingon",
     "a\xff"
     "b",
     3, "a" FFFD "b", 5, CHARSET_UNKNOWN},
    {"x-klingon", "caf\xc3\xa9", 5, "caf\xc3\xa9", 5, CHARSET_UNKNOWN},
    {"utf-8//TRANSLIT", "x", 1, "x", 1, CHARSET_UNKNOWN},
    {"../../etc/passwd", "x", 1, "x", 1, CHARSET_UNKNOWN},
    {"a-name-that-is-much-longer-than-any-real-charset-name-ever-is", "x", 1, "x", 1,
     CHARSET_UNKNOWN},
    {"utf 8", "x", 1, "x", 1, CHARSET_UNKNOWN},
    {"\"\"", "x\xe9", 2, "x\xc3\xa9", 3, CHARSET_OK}, /* only quotes: undeclared */
};

static void test_table(void **state)
{
    (void)state;
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ccase *c = &cases[i];
        char *in = malloc(c->len ? c->len : 1);
        memcpy(in, c->in, c->len);
        char *out = NULL;
        size_t out_len = 999;
        print_message("case %zu: %s\n", i, c->charset ? c->charset : "(null)");
        enum charset_rc rc = charset_to_utf8(a, c->charset, c->charset ? strlen(c->charset) : 0, in,
                                             c->len, &out, &out_len);
        assert_int_equal(rc, c->rc);
        assert_int_equal(out_len, c->want_len);
        assert_memory_equal(out, c->want, c->want_len);
        assert_int_equal(out[out_len], '\0');
        free(in);
    }
    arena_free(a);
}

/* The charset name is a slice: bytes after charset_len are not read. */
static void test_name_is_slice(void **state)
{
    (void)state;
    arena *a = arena_new();
    char *out;
    size_t n;
    assert_int_equal(charset_to_utf8(a, "utf-8garbage", 5, "\xe9", 1, &out, &n), CHARSET_BAD_BYTES);
    assert_int_equal(charset_to_utf8(a, "latin1XYZ", 6, "\xe9", 1, &out, &n), CHARSET_OK);
    assert_string_equal(out, "\xc3\xa9");
    arena_free(a);
}

/* 1 MB of KOI8-R 0x80 (U+2500, three UTF-8 bytes each) grows the iconv
 * output buffer past its first estimate; 1 MB of latin-1. */
static void test_large(void **state)
{
    (void)state;
    size_t n = 1024 * 1024;
    char *in = malloc(n);
    memset(in, 0x80, n);
    arena *a = arena_new();
    char *out;
    size_t out_len;
    assert_int_equal(charset_to_utf8(a, "koi8-r", 6, in, n, &out, &out_len), CHARSET_OK);
    assert_int_equal(out_len, 3 * n);
    for (size_t i = 0; i < n; i += 4099)
        assert_memory_equal(out + 3 * i, "\xe2\x94\x80", 3);
    memset(in, 0xe9, n);
    assert_int_equal(charset_to_utf8(a, "iso-8859-1", 10, in, n, &out, &out_len), CHARSET_OK);
    assert_int_equal(out_len, 2 * n);
    assert_memory_equal(out + 2 * (n - 1), "\xc3\xa9", 2);
    arena_free(a);
    free(in);
}

static void test_sanitize(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len;
        const char *want;
    } t[] = {
        {"", 0, ""},
        {"abc", 3, "abc"},
        {"\xc3\xa9", 2, "\xc3\xa9"},
        {"\xc3", 1, FFFD},
        {"\x80\x80", 2, FFFD FFFD},
        {"a\xe2\x82\xac\xe2"
         "b",
         6, "a\xe2\x82\xac" FFFD "b"},
        {"\xef\xbb\xbfx", 4, "\xef\xbb\xbfx"},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n;
        char *o = charset_sanitize_utf8(a, t[i].in, t[i].len, &n);
        assert_int_equal(n, strlen(t[i].want));
        assert_string_equal(o, t[i].want);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_name_is_slice),
        cmocka_unit_test(test_large),
        cmocka_unit_test(test_sanitize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
