/* Unit tests for the util layer: arena, buf, str, json, timeutil, hash.
 * Expected values are worked out by hand (JSON escapes, UTF-8 validity) or
 * from Python's calendar.timegm and hashlib (times, SHA-256). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/str.h"
#include "util/timeutil.h"

static void arena_basics(void **state)
{
    (void)state;
    arena *a = arena_new();
    char *s = arena_strndup(a, "hello world", 5);
    assert_string_equal(s, "hello");
    /* alignment of every allocation */
    for (int i = 1; i < 100; i++) {
        void *p = arena_alloc(a, (size_t)i);
        assert_int_equal((uintptr_t)p % 16, 0);
    }
    /* a large allocation gets its own block and is fully usable */
    unsigned char *big = arena_alloc(a, 1 << 20);
    memset(big, 0xab, 1 << 20);
    assert_int_equal(big[(1 << 20) - 1], 0xab);
    char *f = arena_printf(a, "%d-%s", 42, "x");
    assert_string_equal(f, "42-x");
    arena_reset(a);
    assert_int_equal(arena_used(a), 0);
    s = arena_strdup(a, "again");
    assert_string_equal(s, "again");
    arena_free(a);
}

static int dtor_calls;
static void count_dtor(void *arg)
{
    dtor_calls += *(int *)arg;
}

static void arena_destructors(void **state)
{
    (void)state;
    arena *a = arena_new();
    static int one = 1, ten = 10;
    dtor_calls = 0;
    arena_on_free(a, count_dtor, &one);
    arena_on_free(a, count_dtor, &ten);
    arena_reset(a);
    assert_int_equal(dtor_calls, 11);
    arena_on_free(a, count_dtor, &one);
    arena_free(a);
    assert_int_equal(dtor_calls, 12);
}

static void arena_grow_keeps_contents(void **state)
{
    (void)state;
    arena *a = arena_new();
    int *v = NULL;
    size_t cap = 0;
    for (int i = 0; i < 1000; i++) {
        v = arena_grow(a, v, &cap, (size_t)i + 1, sizeof *v);
        v[i] = i * 3;
    }
    assert_true(cap >= 1000);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(v[i], i * 3);
    arena_free(a);
}

static void buf_ceiling(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 10);
    assert_true(buf_append(&b, "12345", 5));
    assert_true(buf_printf(&b, "%d", 6789));
    assert_false(buf_append(&b, "AB", 2)); /* 9 + 2 > 10 */
    assert_true(b.toobig);
    assert_int_equal(b.len, 9);
    assert_string_equal(buf_cstr(&b), "123456789");
    buf_consume(&b, 4);
    assert_string_equal(buf_cstr(&b), "56789");
    buf_free(&b);
}

static void str_helpers(void **state)
{
    (void)state;
    assert_true(str_eq_ci("Content-Type", 12, "content-type"));
    assert_false(str_eq_ci("Content-Typ", 11, "content-type"));
    assert_true(str_starts_ci("X-Spam-Flag: YES", 16, "x-spam"));
    const char *hay = "abc SUBJECT def";
    assert_ptr_equal(str_find_ci(hay, strlen(hay), "subject"), hay + 4);
    assert_null(str_find_ci(hay, 6, "subject"));
    struct slice t = str_trim("  \t x y \r\n", 10);
    assert_int_equal(t.len, 3);
    assert_memory_equal(t.p, "x y", 3);
}

static void utf8_validation(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t len;
        bool valid;
    } cases[] = {
        {"plain ascii", 11, true},
        {"caf\xc3\xa9", 5, true},       /* é */
        {"\xe2\x82\xac", 3, true},      /* € */
        {"\xf0\x9f\x98\x80", 4, true},  /* U+1F600 */
        {"\xc3", 1, false},             /* truncated */
        {"\xc0\xaf", 2, false},         /* overlong '/' */
        {"\xed\xa0\x80", 3, false},     /* surrogate D800 */
        {"\xf4\x90\x80\x80", 4, false}, /* > U+10FFFF */
        {"\xe9t\xe9", 3, false},        /* latin-1 bytes */
        {"a\0b", 3, true},              /* NUL is valid UTF-8 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(str_is_utf8(cases[i].s, cases[i].len), cases[i].valid);
}

static void json_writer(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    struct json j;
    json_init(&j, &b);
    json_obj_begin(&j);
    json_key(&j, "s");
    json_str(&j, "a\"b\\c\n\x01\x7f", 8);
    json_key(&j, "bad");
    json_str(&j,
             "x\xff"
             "y",
             3);
    json_key(&j, "arr");
    json_arr_begin(&j);
    json_int(&j, -5);
    json_null(&j);
    json_bool(&j, true);
    json_obj_begin(&j);
    json_obj_end(&j);
    json_arr_end(&j);
    json_key(&j, "n");
    json_cstr(&j, NULL);
    json_obj_end(&j);
    assert_string_equal(buf_cstr(&b),
                        "{\"s\":\"a\\\"b\\\\c\\n\\u0001\\u007f\",\"bad\":\"x\xef\xbf\xbdy\","
                        "\"arr\":[-5,null,true,{}],\"n\":null}");
    buf_free(&b);
}

static void time_civil(void **state)
{
    (void)state;
    /* values from Python: calendar.timegm((y, m, d, H, M, S)) */
    assert_int_equal(time_from_civil(1970, 1, 1, 0, 0, 0), 0);
    assert_int_equal(time_from_civil(2000, 3, 1, 0, 0, 0), 951868800);
    assert_int_equal(time_from_civil(1969, 12, 31, 23, 59, 59), -1);
    assert_int_equal(time_from_civil(2024, 2, 29, 12, 34, 56), 1709210096);
    assert_int_equal(time_from_civil(2100, 12, 31, 23, 59, 59), 4133980799LL);
    char iso[32];
    time_format_iso(1709210096, iso);
    assert_string_equal(iso, "2024-02-29T12:34:56Z");
    time_format_iso(-1, iso);
    assert_string_equal(iso, "1969-12-31T23:59:59Z");
    assert_int_equal(time_days_in_month(2024, 2), 29);
    assert_int_equal(time_days_in_month(1900, 2), 28);
    assert_int_equal(time_days_in_month(2000, 2), 29);
    assert_int_equal(time_days_in_month(2023, 13), 0);
}

static void sha256_vectors(void **state)
{
    (void)state;
    char hex[65];
    /* FIPS 180-2 example "abc" and the empty string */
    sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arena_basics),
        cmocka_unit_test(arena_destructors),
        cmocka_unit_test(arena_grow_keeps_contents),
        cmocka_unit_test(buf_ceiling),
        cmocka_unit_test(str_helpers),
        cmocka_unit_test(utf8_validation),
        cmocka_unit_test(json_writer),
        cmocka_unit_test(time_civil),
        cmocka_unit_test(sha256_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
