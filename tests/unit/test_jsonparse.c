/* Unit tests for util/jsonparse.c. The two documents are RFC 8259 section 13's
 * examples; the scalar texts are section 13's too. The table of tricky
 * inputs carries, beside our verdict, the verdict of an independent reader:
 * Python 3's json.loads (run by hand on each input when the table was
 * written). We differ from it only where RFC 8259 is stricter than Python:
 * NaN/Infinity literals and lone surrogate escapes. Error positions were
 * checked the same way (Python's "line L column C" agrees with ours on ASCII).
 * Inputs are exact-size heap copies so that ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jsonparse.h"

#define S(lit) lit, sizeof(lit) - 1

/* parse an exact-size heap copy */
static struct jv *parse(arena *a, const char *p, size_t len, char *err, size_t errlen)
{
    char *q = malloc(len ? len : 1);
    memcpy(q, p, len);
    struct jv *v = jsonp_parse(a, q, len, err, errlen);
    free(q); /* the tree must not point into the input */
    return v;
}

static void expect_str(const struct jv *v, const char *want, size_t want_len)
{
    assert_non_null(v);
    assert_int_equal(v->type, JV_STRING);
    assert_int_equal(v->len, want_len);
    assert_memory_equal(v->s, want, want_len);
    assert_int_equal(v->s[want_len], '\0');
}

static const char RFC_IMAGE[] =
    "{\n"
    "  \"Image\": {\n"
    "      \"Width\":  800,\n"
    "      \"Height\": 600,\n"
    "      \"Title\":  \"View from 15th Floor\",\n"
    "      \"Thumbnail\": {\n"
    "          \"Url\":    \"http://www.example.com/image/481989943\",\n"
    "          \"Height\": 125,\n"
    "          \"Width\":  100\n"
    "      },\n"
    "      \"Animated\" : false,\n"
    "      \"IDs\": [116, 943, 234, 38793]\n"
    "    }\n"
    "}";

static void test_rfc_image(void **state)
{
    (void)state;
    arena *a = arena_new();
    char err[128];
    struct jv *v = parse(a, RFC_IMAGE, sizeof RFC_IMAGE - 1, err, sizeof err);
    assert_non_null(v);
    assert_string_equal(err, "");
    assert_int_equal(v->type, JV_OBJECT);
    assert_int_equal(v->n, 1);
    const struct jv *img = jv_get(v, "Image");
    assert_non_null(img);
    assert_int_equal(img->n, 6);
    assert_int_equal(jv_int(jv_get(img, "Width"), -1), 800);
    assert_int_equal(jv_int(jv_get(img, "Height"), -1), 600);
    assert_string_equal(jv_str(jv_get(img, "Title")), "View from 15th Floor");
    const struct jv *th = jv_get(img, "Thumbnail");
    assert_string_equal(jv_str(jv_get(th, "Url")), "http://www.example.com/image/481989943");
    assert_int_equal(jv_int(jv_get(th, "Height"), -1), 125);
    assert_int_equal(jv_int(jv_get(th, "Width"), -1), 100);
    assert_int_equal(jv_get(img, "Animated")->type, JV_FALSE);
    const struct jv *ids = jv_get(img, "IDs");
    assert_int_equal(ids->type, JV_ARRAY);
    assert_int_equal(ids->n, 4);
    assert_null(ids->keys);
    static const int64_t want[] = {116, 943, 234, 38793};
    for (size_t k = 0; k < 4; k++)
        assert_int_equal(jv_int(&ids->item[k], -1), want[k]);
    /* keys in document order */
    assert_int_equal(img->key_lens[4], 8);
    assert_memory_equal(img->keys[4], "Animated", 8);
    arena_free(a);
}

static const char RFC_ARRAY[] = "[\n"
                                "  {\n"
                                "     \"precision\": \"zip\",\n"
                                "     \"Latitude\":  37.7668,\n"
                                "     \"Longitude\": -122.3959,\n"
                                "     \"Address\":   \"\",\n"
                                "     \"City\":      \"SAN FRANCISCO\",\n"
                                "     \"State\":     \"CA\",\n"
                                "     \"Zip\":       \"94107\",\n"
                                "     \"Country\":   \"US\"\n"
                                "  },\n"
                                "  {\n"
                                "     \"precision\": \"zip\",\n"
                                "     \"Latitude\":  37.371991,\n"
                                "     \"Longitude\": -122.026020,\n"
                                "     \"Address\":   \"\",\n"
                                "     \"City\":      \"SUNNYVALE\",\n"
                                "     \"State\":     \"CA\",\n"
                                "     \"Zip\":       \"94085\",\n"
                                "     \"Country\":   \"US\"\n"
                                "  }\n"
                                "]";

static void test_rfc_array(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct jv *v = parse(a, RFC_ARRAY, sizeof RFC_ARRAY - 1, NULL, 0);
    assert_non_null(v);
    assert_int_equal(v->type, JV_ARRAY);
    assert_int_equal(v->n, 2);
    const struct jv *o = &v->item[1];
    assert_int_equal(o->n, 8);
    const struct jv *lat = jv_get(o, "Latitude"), *lon = jv_get(o, "Longitude");
    assert_int_equal(lat->type, JV_NUMBER);
    assert_false(lat->is_int);
    assert_true(lat->num == 37.371991);
    assert_true(lon->num == -122.026020);
    assert_int_equal(lon->len, 11);
    assert_memory_equal(lon->s, "-122.026020", 11); /* as written */
    assert_int_equal(jv_int(lat, -7), -7);          /* not integral */
    expect_str(jv_get(o, "Address"), "", 0);
    assert_string_equal(jv_str(jv_get(&v->item[0], "City")), "SAN FRANCISCO");
    assert_string_equal(jv_str(jv_get(o, "Zip")), "94085");
    assert_null(jv_get(o, "zip")); /* keys are case-sensitive */
    arena_free(a);
}

static void test_rfc_scalars(void **state)
{
    (void)state;
    arena *a = arena_new();
    expect_str(parse(a, S("\"Hello world!\""), NULL, 0), "Hello world!", 12);
    struct jv *v = parse(a, S("42"), NULL, 0);
    assert_int_equal(v->type, JV_NUMBER);
    assert_true(v->is_int);
    assert_int_equal(v->i, 42);
    assert_int_equal(parse(a, S("true"), NULL, 0)->type, JV_TRUE);
    assert_int_equal(parse(a, S(" null "), NULL, 0)->type, JV_NULL);
    arena_free(a);
}

struct tcase {
    const char *in;
    size_t len;
    bool ok;        /* ours */
    bool python_ok; /* json.loads(in.decode('utf-8')) */
};
#define T(lit, ok, py)                                                                             \
    {                                                                                              \
        lit, sizeof(lit) - 1, ok, py                                                               \
    }

static const struct tcase table[] = {
    T("[1,]", false, false),
    T("{\"a\":1,}", false, false),
    T("01", false, false),
    T("1.", false, false),
    T(".5", false, false),
    T("+1", false, false),
    T("1e", false, false),
    T("-", false, false),
    T("NaN", false, true), /* Python extension */
    T("Infinity", false, true),
    T("-Infinity", false, true),
    T("\"\\ud800\"", false, true), /* lone surrogates: Python keeps them */
    T("\"\\udc00\"", false, true),
    T("\"\\x\"", false, false),
    T("\"a", false, false),
    T("\"\t\"", false, false), /* raw control character */
    T("'a'", false, false),
    T("{a:1}", false, false),
    T("[1 2]", false, false),
    T("tru", false, false),
    T("nul", false, false),
    T("[]]", false, false),
    T("", false, false),
    T("  ", false, false),
    T("\"\xc0\x80\"", false, false),         /* overlong NUL */
    T("\"\xed\xa0\x80\"", false, false),     /* UTF-8-encoded surrogate */
    T("\"\xf4\x90\x80\x80\"", false, false), /* above U+10FFFF */
    T("/* c */ 1", false, false),
    T("[1]x", false, false),
    T("\xef\xbb\xbf"
      "1",
      false, false), /* BOM */
    T("1 2", false, false),
    T("[1,,2]", false, false),
    T("{\"a\" 1}", false, false),
    T("{\"a\":}", false, false),
    T("[-01]", false, false),
    T("[1e+]", false, false),
    T("\"\\u12\"", false, false),
    T("\"\\U0041\"", false, false),
    T("\x0c"
      "1",
      false, false), /* form feed is not JSON whitespace */
    T("[1]\0", false, false),
    T("-0", true, true),
    T("0.0", true, true),
    T("1E+2", true, true),
    T("1e-2", true, true),
    T("-1.5e3", true, true),
    T("[]", true, true),
    T("{}", true, true),
    T(" \t\r\n[ ] ", true, true),
    T("\"\\u0000\"", true, true),
    T("\"\\uD83D\\uDE00\"", true, true),
    T("\"\xf0\x9f\x98\x80\"", true, true),
    T("\"\\/\"", true, true),
    T("{\"a\":1,\"a\":2}", true, true),
    T("9223372036854775808", true, true),
    T("1e400", true, true),
    T("\"\x7f\"", true, true), /* DEL is not a control character for JSON */
};

static void test_tricky_table(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t differ = 0;
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        char err[128];
        struct jv *v = parse(a, table[k].in, table[k].len, err, sizeof err);
        if ((v != NULL) != table[k].ok)
            fail_msg("case %zu: got %s (%s)", k, v ? "accepted" : "rejected", err);
        if (!v) assert_non_null(strstr(err, "line 1, column "));
        if (table[k].ok != table[k].python_ok) differ++;
    }
    assert_int_equal(differ, 5); /* exactly the documented extensions */
    arena_free(a);
}

static void test_escapes(void **state)
{
    (void)state;
    arena *a = arena_new();
    expect_str(parse(a, S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), NULL, 0), "\"\\/\b\f\n\r\t", 8);
    expect_str(parse(a, S("\"\\u00e9\\u00E9\""), NULL, 0), "\xc3\xa9\xc3\xa9", 4);
    expect_str(parse(a, S("\"\\u20ac\""), NULL, 0), "\xe2\x82\xac", 3);
    expect_str(parse(a, S("\"\\uD83D\\uDE00\""), NULL, 0), "\xf0\x9f\x98\x80", 4);
    expect_str(parse(a, S("\"\\uDBFF\\uDFFF\""), NULL, 0), "\xf4\x8f\xbf\xbf", 4); /* U+10FFFF */
    expect_str(parse(a, S("\"a\\u0000b\""), NULL, 0), "a\0b", 3);
    expect_str(parse(a, S("\"\\u0041x\""), NULL, 0), "Ax", 2);
    expect_str(parse(a, S("\"caf\xc3\xa9\""), NULL, 0), "caf\xc3\xa9", 5);
    /* high surrogate followed by a non-surrogate escape, or by nothing */
    char err[128];
    assert_null(parse(a, S("\"\\uD83D\\u0041\""), err, sizeof err));
    assert_string_equal(err, "line 1, column 2: high surrogate \\uD83D not followed by a low one");
    assert_null(parse(a, S("\"\\uD83D\""), err, sizeof err));
    assert_null(parse(a, S("\"\\uDE00\\uD83D\""), err, sizeof err));
    assert_string_equal(err, "line 1, column 2: lone low surrogate \\uDE00");
    assert_null(parse(a, S("\"\\"), err, sizeof err));
    assert_null(parse(a, S("\"\\u00e"), err, sizeof err));
    arena_free(a);
}

static void test_numbers(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct jv *v = parse(a, S("9223372036854775807"), NULL, 0);
    assert_true(v->is_int);
    assert_true(v->i == INT64_MAX);
    v = parse(a, S("-9223372036854775808"), NULL, 0);
    assert_true(v->is_int);
    assert_true(v->i == INT64_MIN);
    v = parse(a, S("9223372036854775808"), NULL, 0);
    assert_false(v->is_int);
    assert_true(v->num == 9223372036854775808.0);
    v = parse(a, S("-9223372036854775809"), NULL, 0);
    assert_false(v->is_int);
    v = parse(a, S("123456789012345678901234567890"), NULL, 0);
    assert_false(v->is_int);
    assert_true(v->num == 1.2345678901234568e29);
    v = parse(a, S("-0"), NULL, 0);
    assert_true(v->is_int);
    assert_int_equal(v->i, 0);
    v = parse(a, S("1E+2"), NULL, 0);
    assert_false(v->is_int);
    assert_true(v->num == 100.0);
    assert_string_equal(v->s, "1E+2");
    v = parse(a, S("-1.5e3"), NULL, 0);
    assert_true(v->num == -1500.0);
    v = parse(a, S("0.1"), NULL, 0);
    assert_true(v->num == 0.1);
    v = parse(a, S("1e400"), NULL, 0);
    assert_true(isinf(v->num) && v->num > 0);
    v = parse(a, S("[0,-1,2e0]"), NULL, 0);
    assert_int_equal(jv_int(&v->item[0], 9), 0);
    assert_int_equal(jv_int(&v->item[1], 9), -1);
    assert_int_equal(jv_int(&v->item[2], 9), 9);
    arena_free(a);
}

static void test_error_positions(void **state)
{
    (void)state;
    arena *a = arena_new();
    char err[128];
    static const struct {
        const char *in, *msg;
    } cases[] = {
        /* Python: "Expecting ':' delimiter: line 3 column 7" */
        {"{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7: expected ':'"},
        /* Python: "Expecting value: line 1 column 4" */
        {"[1,]", "line 1, column 4: expected a value"},
        /* Python: "Expecting property name enclosed in double quotes: line 1 column 8" */
        {"{\"a\":1,}", "line 1, column 8: expected a string key"},
        /* Python: "Expecting ',' delimiter: line 1 column 4" */
        {"[1 2]", "line 1, column 4: expected ',' or ']'"},
        /* Python: "Expecting value: line 3 column 4" */
        {"\n\n   tru", "line 3, column 4: invalid literal"},
        {"[1, 2", "line 1, column 6: unexpected end of input, expected ',' or ']'"},
        {"{\"k\": \"v\"} x", "line 1, column 12: unexpected data after the JSON value"},
        {"\"abc", "line 1, column 1: unterminated string"},
        {"[\"a\x01\"]", "line 1, column 4: control character 0x01 in string"},
        {"[\"\xff\"]", "line 1, column 3: invalid UTF-8 in string"},
        {"01", "line 1, column 2: leading zero in number"},
        {"", "line 1, column 1: unexpected end of input, expected a value"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        assert_null(parse(a, cases[k].in, strlen(cases[k].in), err, sizeof err));
        assert_string_equal(err, cases[k].msg);
    }
    /* a small error buffer truncates, still NUL-terminated */
    char small[8];
    assert_null(parse(a, S("[1,]"), small, sizeof small));
    assert_int_equal(strlen(small), 7);
    assert_null(parse(a, S("[1,]"), NULL, 0));
    arena_free(a);
}

static char *nested(const char *open, const char *mid, const char *close, int depth, size_t *len)
{
    size_t lo = strlen(open), lm = strlen(mid), lc = strlen(close);
    *len = (size_t)depth * (lo + lc) + lm;
    char *s = malloc(*len + 1), *o = s;
    for (int i = 0; i < depth; i++, o += lo)
        memcpy(o, open, lo);
    memcpy(o, mid, lm);
    o += lm;
    for (int i = 0; i < depth; i++, o += lc)
        memcpy(o, close, lc);
    *o = '\0';
    return s;
}

static void test_depth_ceiling(void **state)
{
    (void)state;
    arena *a = arena_new();
    char err[128];
    size_t len;
    char *s = nested("[", "1", "]", JSONP_MAX_DEPTH, &len);
    struct jv *v = parse(a, s, len, err, sizeof err);
    assert_non_null(v);
    for (int d = 1; d < JSONP_MAX_DEPTH; d++)
        v = &v->item[0];
    assert_int_equal(v->type, JV_ARRAY);
    assert_int_equal(v->item[0].i, 1);
    free(s);
    s = nested("[", "1", "]", JSONP_MAX_DEPTH + 1, &len);
    assert_null(parse(a, s, len, err, sizeof err));
    assert_string_equal(err, "line 1, column 65: nesting deeper than 64");
    free(s);
    s = nested("{\"k\":", "{}", "}", JSONP_MAX_DEPTH - 1, &len);
    assert_non_null(parse(a, s, len, err, sizeof err));
    free(s);
    s = nested("{\"k\":", "{}", "}", JSONP_MAX_DEPTH, &len);
    assert_null(parse(a, s, len, err, sizeof err));
    assert_non_null(strstr(err, "nesting deeper than 64"));
    free(s);
    /* a hostile depth far beyond the ceiling fails fast, without recursion */
    s = nested("[", "", "]", 1000000, &len);
    assert_null(parse(a, s, len, err, sizeof err));
    free(s);
    arena_free(a);
}

static void test_node_ceiling(void **state)
{
    (void)state;
    arena *a = arena_new();
    char err[128];
    /* the array itself plus n zeros: n + 1 values */
    size_t n = JSONP_MAX_NODES - 1;
    size_t len = 2 * n + 1;
    char *s = malloc(len);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) {
        s[1 + 2 * i] = '0';
        s[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    struct jv *v = jsonp_parse(a, s, len, err, sizeof err);
    assert_non_null(v);
    assert_int_equal(v->n, n);
    free(s);
    n = JSONP_MAX_NODES;
    len = 2 * n + 1;
    s = malloc(len);
    s[0] = '[';
    for (size_t i = 0; i < n; i++) {
        s[1 + 2 * i] = '0';
        s[2 + 2 * i] = i + 1 < n ? ',' : ']';
    }
    assert_null(jsonp_parse(a, s, len, err, sizeof err));
    assert_non_null(strstr(err, "more than 2000000 values"));
    free(s);
    arena_free(a);
}

static void test_accessors(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct jv *v = parse(a, S("{\"a\":1,\"a\":2,\"a\\u0000b\":3,\"s\":\"x\",\"n\":null}"), NULL, 0);
    assert_non_null(v);
    assert_int_equal(v->n, 5);
    assert_int_equal(jv_int(jv_get(v, "a"), 0), 1); /* first of the duplicates */
    assert_int_equal(jv_int(&v->item[1], 0), 2);
    assert_int_equal(v->key_lens[2], 3);
    assert_memory_equal(v->keys[2], "a\0b", 3);
    assert_null(jv_get(v, "b"));
    assert_string_equal(jv_str(jv_get(v, "s")), "x");
    assert_null(jv_str(jv_get(v, "a")));
    assert_null(jv_str(jv_get(v, "n")));
    assert_null(jv_str(NULL));
    assert_int_equal(jv_int(jv_get(v, "s"), -5), -5);
    assert_int_equal(jv_int(NULL, -6), -6);
    assert_null(jv_get(&v->item[0], "a")); /* not an object */
    assert_null(jv_get(NULL, "a"));
    struct jv *e = parse(a, S("{}"), NULL, 0);
    assert_int_equal(e->n, 0);
    assert_null(e->item);
    assert_null(jv_get(e, "a"));
    arena_free(a);
}

static void test_every_prefix_fails(void **state)
{
    (void)state;
    arena *a = arena_new();
    for (size_t n = 0; n < sizeof RFC_IMAGE - 1; n++) {
        char err[128];
        if (parse(a, RFC_IMAGE, n, err, sizeof err)) fail_msg("prefix %zu accepted", n);
    }
    for (size_t n = 0; n < sizeof RFC_ARRAY - 1; n++)
        if (parse(a, RFC_ARRAY, n, NULL, 0)) fail_msg("prefix %zu accepted", n);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_image),
        cmocka_unit_test(test_rfc_array),
        cmocka_unit_test(test_rfc_scalars),
        cmocka_unit_test(test_tricky_table),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_error_positions),
        cmocka_unit_test(test_depth_ceiling),
        cmocka_unit_test(test_node_ceiling),
        cmocka_unit_test(test_accessors),
        cmocka_unit_test(test_every_prefix_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
