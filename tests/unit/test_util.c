/* Unit tests for the util layer: arena, buf, str, json, timeutil, hash.
 * Expected values are worked out by hand (JSON escapes, UTF-8 validity) or
 * from Python's calendar.timegm and hashlib (times, SHA-256). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/json.h"
#include "util/nameidx.h"
#include "util/phrases.h"
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

/* The inline arena_alloc and its slow path: n == 0 still takes 16 bytes, a
 * quarter block (16384) stays in the standard block while one byte more
 * gets a block of its own, a request that exactly fills the block is served
 * from it and the next one starts a new block. Offsets worked out from the
 * 64 KiB block and 16-byte rounding. */
static void arena_alloc_edges(void **state)
{
    (void)state;
    arena *a = arena_new();
    char *p0 = arena_alloc(a, 0);
    char *p1 = arena_alloc(a, 1);
    assert_ptr_equal(p1, p0 + 16);
    assert_int_equal(arena_used(a), 32);
    char *p2 = arena_alloc(a, 17);
    assert_ptr_equal(p2, p1 + 16);
    assert_int_equal(arena_used(a), 64);
    char *p3 = arena_alloc(a, 16384);
    assert_ptr_equal(p3, p2 + 32);
    assert_int_equal(arena_used(a), 64 + 16384);
    char *own = arena_alloc(a, 16385); /* rounded to 16400, own block */
    assert_true(own < p0 || own >= p0 + 65536);
    assert_int_equal(arena_used(a), 64 + 16384 + 16400);
    /* 16448 of the block used: 16384 + 16384 + 16320 fill it exactly */
    char *p4 = arena_alloc(a, 16384);
    assert_ptr_equal(p4, p3 + 16384);
    char *p5 = arena_alloc(a, 16384);
    assert_ptr_equal(p5, p4 + 16384);
    char *p6 = arena_alloc(a, 16320);
    assert_ptr_equal(p6, p5 + 16384);
    assert_ptr_equal(p6 + 16320, p0 + 65536);
    memset(p6, 'y', 16320);
    char *p7 = arena_alloc(a, 1);
    assert_true(p7 < p0 || p7 >= p0 + 65536);
    char *p8 = arena_alloc(a, 1);
    assert_ptr_equal(p8, p7 + 16);
    assert_int_equal(p6[16319], 'y');
    assert_int_equal(arena_used(a), 64 + 16384 + 16400 + 16384 + 16384 + 16320 + 32);
    arena_free(a);
}

/* arena_printf writes into the free tail of the current block and keeps
 * the text there only when it fits: a text exactly one byte short of the
 * room stays, one that needs the whole room (or more, or a big block's
 * worth) is formatted again into a fresh allocation. The block is 64 KiB
 * and requests up to 16 KiB go into it, so three 16 KiB requests and one
 * of 16352 bytes leave exactly 32 bytes of room. */
static void arena_printf_tail(void **state)
{
    (void)state;
    char big[20001];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = 0;
    arena *a = arena_new();
    for (int i = 0; i < 3; i++)
        (void)arena_alloc(a, 16384);
    char *last = arena_alloc(a, 16352);
    memset(last, 'x', 16352);
    size_t used = arena_used(a);
    /* 31 characters and the NUL: fits, right after the last allocation */
    char *s = arena_printf(a, "%s-%d", "abcdefghijklmnopqrstuvwxyz", 1234);
    assert_string_equal(s, "abcdefghijklmnopqrstuvwxyz-1234");
    assert_ptr_equal(s, last + 16352);
    assert_int_equal(arena_used(a), used + 32);
    /* the block is now full: the next text goes to a new block */
    char *t = arena_printf(a, "%s", "new block");
    assert_string_equal(t, "new block");
    assert_true(t < last || t > last + 16384);
    assert_int_equal(arena_used(a), used + 32 + 16);
    assert_int_equal(last[16351], 'x');
    /* 32 characters with 32 bytes of room: formatted twice, still whole */
    arena_reset(a);
    for (int i = 0; i < 3; i++)
        (void)arena_alloc(a, 16384);
    last = arena_alloc(a, 16352);
    memset(last, 'x', 16352);
    used = arena_used(a);
    char *u = arena_printf(a, "%s%s", "0123456789abcdef", "0123456789ABCDEF");
    assert_string_equal(u, "0123456789abcdef0123456789ABCDEF");
    assert_ptr_not_equal(u, last + 16352);
    assert_int_equal(arena_used(a), used + 48);
    for (int i = 0; i < 16352; i++)
        assert_int_equal(last[i], 'x');
    /* larger than a quarter block: its own block, whole, from a fresh arena */
    arena_reset(a);
    char *w = arena_printf(a, "<%s>", big);
    assert_int_equal(strlen(w), 20002);
    assert_int_equal(w[0], '<');
    assert_int_equal(w[20001], '>');
    assert_int_equal(arena_used(a), 20016);
    /* arguments that live in the arena itself */
    char *x = arena_printf(a, "%s|%s", s = arena_strdup(a, "left"), "right");
    assert_string_equal(x, "left|right");
    arena_free(a);
}

/* arena_str_put: an empty first put still gives "", the buffer starts at
 * 32 bytes and doubles only when the text and its NUL no longer fit (31
 * bytes fit in 32; the 32nd moves it to 64, contents kept) */
static void arena_str_growth(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct arena_str b = {.a = a};
    arena_str_put(&b, "", 0);
    assert_non_null(b.p);
    assert_string_equal(b.p, "");
    assert_int_equal(b.cap, 32);
    arena_str_put(&b, "0123456789abcdef0123456789abcd", 30);
    arena_str_put(&b, "X", 1);
    assert_int_equal(b.len, 31);
    assert_int_equal(b.cap, 32);
    char *before = b.p;
    arena_str_put(&b, "Y", 1);
    assert_int_equal(b.cap, 64);
    assert_ptr_not_equal(b.p, before);
    assert_string_equal(b.p, "0123456789abcdef0123456789abcdXY");
    arena_str_put(&b, "", 0);
    assert_int_equal(b.len, 32);
    /* a put larger than twice the room: doubled until it fits */
    char big[200];
    memset(big, 'z', sizeof big);
    arena_str_put(&b, big, sizeof big);
    assert_int_equal(b.len, 232);
    assert_int_equal(b.cap, 256);
    assert_int_equal(b.p[231], 'z');
    assert_int_equal(b.p[232], 0);
    assert_int_equal(b.p[31], 'Y');
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
    /* the ends: a literal longer or shorter than the slice, an empty one,
     * a NUL inside the slice, bytes that differ only above ASCII */
    assert_false(str_eq_ci("Content-Type", 12, "content-typex"));
    assert_false(str_eq_ci("Content-Type", 12, "content-typ"));
    assert_true(str_eq_ci("", 0, ""));
    assert_false(str_eq_ci("", 0, "a"));
    assert_false(str_eq_ci("a", 1, ""));
    assert_false(str_eq_ci("a\0b", 3, "a"));
    assert_false(str_eq_ci("\xc9t\xc9", 3, "\xe9t\xe9"));
    /* ch_is_space's table: exactly SP HT LF VT FF CR */
    for (int c = 0; c < 256; c++)
        assert_int_equal(ch_is_space((unsigned char)c),
                         c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r');
    /* ch_lower's table against its definition, every byte */
    for (int c = 0; c < 256; c++)
        assert_int_equal(ch_lower((unsigned char)c), c >= 'A' && c <= 'Z' ? c + 32 : c);
    /* equal bytes skip the lowering: a NUL in both still ends the literal,
     * a case difference after equal bytes still counts, and the bytes
     * that differ in bit 0x20 only but are not letters stay different */
    assert_false(str_eq_ci("ab\0", 3, "ab"));
    /* the inline first-byte test: case only, NUL against the empty literal */
    assert_true(str_eq_ci("Xy", 2, "xY"));
    assert_false(str_eq_ci("\0", 1, ""));
    assert_false(str_eq_ci("xy", 2, "zy"));
    assert_true(str_eq_ci_full("Xy", 2, "xY"));
    assert_true(str_eq_ci("abCD", 4, "abcd"));
    assert_false(str_eq_ci("ab@", 3, "ab`"));
    assert_false(str_eq_ci("[", 1, "{"));
    assert_true(str_starts_ci("Received: x", 11, "RECEIVED:"));
    assert_false(str_starts_ci("Rece", 4, "rece\x40"));
    assert_false(str_starts_ci("re@", 3, "re`"));
    assert_true(str_starts_ci("abc", 3, ""));
    assert_true(str_eq_ci("@[Z`{", 5, "@[z`{"));
    assert_false(str_eq_ci("@", 1, "`")); /* 0x40 and 0x60 are not a case pair */
    assert_false(str_starts_ci("X-Sp", 4, "x-spam"));
    assert_true(str_starts_ci("anything", 8, ""));
    assert_true(str_starts_ci("x-spam", 6, "X-SPAM"));
    assert_false(str_starts_ci("x-spbm", 6, "X-SPAM"));
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

/* ---- phrases ---- */

/* Is `phrase`, written over `filler` at offset `at` of a text of `len`
 * bytes, found? The text is an exact-size heap copy (ASan sees reads past
 * the end). */
static bool phrase_at(struct phrases *ps, const char *filler, size_t len, const char *phrase,
                      size_t at)
{
    char *t = malloc(len ? len : 1);
    assert_non_null(t);
    size_t fl = strlen(filler);
    for (size_t i = 0; i < len; i++)
        t[i] = filler[i % fl];
    if (phrase) memcpy(t + at, phrase, strlen(phrase));
    bool got = phrases_any(ps, t, len);
    free(t);
    return got;
}

/* The skipping search must find a phrase wherever it starts (first byte,
 * last possible offset, every offset between), in any case, among near
 * misses that share its byte pairs, in texts shorter than a line too; and
 * find nothing when one byte differs or the text ends one byte early. */
static void phrases_search(void **state)
{
    (void)state;
    static const char *const list[] = {"could not be delivered", "Transcript of session follows",
                                       "qmail-send program"};
    static struct phrases ps = PHRASES_INIT(list, 3);
    /* the shortest phrase is 18 bytes: windows of 18 */
    const char *near = "could not be delivere_ qmail-send progra_ "; /* every pair of both */
    const char *plain = "Hello, the quarterly report is attached. ";
    for (size_t len = 18; len <= 300; len += len < 40 ? 1 : 37)
        for (size_t at = 0; at + 18 <= len; at++) {
            if (at + 22 <= len)
                assert_true(phrase_at(&ps, near, len, "COULD NOT be Delivered", at));
            assert_true(phrase_at(&ps, plain, len, "qmail-send program", at));
            assert_false(phrase_at(&ps, near, len, NULL, 0));
            assert_false(phrase_at(&ps, plain, len, "qmail-send progra", at)); /* one byte short */
        }
    size_t len = 300;
    assert_true(phrase_at(&ps, plain, len, "transcript of SESSION follows", 0));
    assert_true(phrase_at(&ps, plain, len, "transcript of SESSION follows", len - 29));
    assert_false(phrase_at(&ps, plain, len, "qmail-send progra", len - 17)); /* cut by the end */
    /* one byte different in the middle: not there (a case difference is no difference) */
    assert_false(phrase_at(&ps, near, len, "could not bE_delivered", 5));
    assert_true(phrase_at(&ps, near, len, "could not bE delivered", 5));
    assert_false(phrase_at(&ps, plain, 17, NULL, 0)); /* shorter than any phrase */
    assert_false(phrases_any(&ps, NULL, 0));

    /* the shortest window that skips (two bytes) */
    static const char *const two[] = {"zq", "transcript"};
    static struct phrases ps2 = PHRASES_INIT(two, 2);
    assert_true(phrase_at(&ps2, plain, len, "ZQ", len - 2));
    assert_true(phrase_at(&ps2, plain, len, "zQ", 0));
    assert_true(phrase_at(&ps2, plain, 2, "zq", 0));
    assert_false(phrase_at(&ps2, plain, len, NULL, 0));
    assert_false(phrase_at(&ps2, plain, 1, "z", 0));

    /* a one-byte phrase: each phrase compared in turn */
    static const char *const one[] = {"transcript", "@"};
    static struct phrases ps1 = PHRASES_INIT(one, 2);
    assert_true(phrase_at(&ps1, plain, 40, "@", 39));
    assert_true(phrase_at(&ps1, plain, 40, "TRANSCRIPT", 3));
    assert_false(phrase_at(&ps1, plain, 40, NULL, 0));

    /* bytes 32 apart share a pair key ('@' and '`', '[' and '{', a control
     * byte and punctuation): only letters match their other case */
    static const char *const punct[] = {"user@example[x]", "\tTab\x01"};
    static struct phrases psp = PHRASES_INIT(punct, 2);
    assert_true(phrase_at(&psp, plain, len, "USER@Example[X]", 100));
    assert_false(phrase_at(&psp, plain, len, "user`example[x]", 100));
    assert_false(phrase_at(&psp, plain, len, "user@example{x]", 100));
    assert_true(phrase_at(&psp, plain, len, "\ttab\x01", len - 5));
    assert_false(phrase_at(&psp, plain, len, ")tab\x01", len - 5));
    assert_false(phrase_at(&psp, plain, len, "\ttab!", len - 5));

    /* no phrases at all */
    static struct phrases ps0 = PHRASES_INIT(one, 0);
    assert_false(phrase_at(&ps0, plain, 40, "@", 3));
}

/* str_scan_uint reads what sscanf's "%u" reads, on every awkward input:
 * white space, signs, no digits, overflow, what follows; checked against
 * sscanf itself, as ip_private uses both ("%u.%u"). */
static void scan_uint_as_sscanf(void **state)
{
    (void)state;
    static const char *const in[] = {
        "10.1.2.3",
        "172.16.0.1",
        " 192.168.1.1",
        "\t\n10. 5",
        "+7.+8",
        "-1.2",
        "1.-2",
        "",
        ".",
        "1.",
        "1",
        "a.b",
        "12a.3",
        "1..2",
        "+.1",
        "- 1.2",
        "0.0",
        "4294967295.1",
        "4294967296.2",
        "99999999999999999999999.3",
        "-99999999999999999999999.4",
        "007.010",
        "1 .2",
        "\v\f\r3.4",
        "::1",
        "1e3.2",
        "255.255x",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        unsigned a = 0, b = 0, x = 0, y = 0;
        int n = sscanf(in[i], "%u.%u", &a, &b);
        const char *q = in[i];
        int m = 0;
        if (str_scan_uint(&q, &x)) {
            m = 1;
            if (*q == '.') {
                q++;
                if (str_scan_uint(&q, &y)) m = 2;
            }
        }
        if (n == EOF) n = 0;
        assert_int_equal(m, n);
        if (n >= 1) assert_int_equal(x, a);
        if (n == 2) assert_int_equal(y, b);
    }
    /* where it stops */
    const char *q = "  42abc";
    unsigned v;
    assert_true(str_scan_uint(&q, &v));
    assert_int_equal(v, 42);
    assert_string_equal(q, "abc");
}

/* nameidx: every name of a table is found at its own index; what is not
 * exactly a name (a prefix, a longer string, another case, a name with a
 * NUL inside, the empty string) is not. A full table (255 entries in 512
 * slots) makes long probe chains. */
struct nx_entry {
    const char *name;
    int v;
};

static void nameidx_lookup(void **state)
{
    (void)state;
    static const struct nx_entry tab[] = {
        {"a", 1},     {"ab", 2},    {"abbr", 3}, {"b", 4},      {"br", 5},     {"td", 6},
        {"th", 7},    {"thead", 8}, {"tr", 9},   {"x-tab", 10}, {"h1", 11},    {"blockquote", 12},
        {"font", 13}, {"p", 14},    {"pre", 15}, {"span", 16},  {"table", 17}, {"tbody", 18},
    };
    struct nameidx x = NAMEIDX_INIT(tab);
    size_t n = sizeof tab / sizeof tab[0];
    for (size_t i = 0; i < n; i++)
        assert_int_equal(nameidx_find(&x, tab[i].name, strlen(tab[i].name)), (int)i);
    assert_int_equal(nameidx_find(&x, "", 0), -1);
    assert_int_equal(nameidx_find(&x, "abb", 3), -1);
    assert_int_equal(nameidx_find(&x, "abbrx", 5), -1);
    assert_int_equal(nameidx_find(&x, "A", 1), -1);
    assert_int_equal(nameidx_find(&x, "TD", 2), -1);
    assert_int_equal(nameidx_find(&x, "t", 1), -1);
    assert_int_equal(nameidx_find(&x, "a\0", 2), -1);
    assert_int_equal(nameidx_find(&x, "tda", 2), 5); /* only len bytes count */
    assert_int_equal(nameidx_find(&x, "blockquotes", 10), 11);
    assert_int_equal(nameidx_find(&x, "blockquotes", 11), -1);

    static char names[NAMEIDX_MAX][8];
    static struct nx_entry full[NAMEIDX_MAX];
    for (size_t i = 0; i < NAMEIDX_MAX; i++) {
        snprintf(names[i], sizeof names[i], "n%zu", i);
        full[i] = (struct nx_entry){names[i], (int)i};
    }
    struct nameidx y = NAMEIDX_INIT(full);
    for (size_t i = 0; i < NAMEIDX_MAX; i++)
        assert_int_equal(nameidx_find(&y, names[i], strlen(names[i])), (int)i);
    assert_int_equal(nameidx_find(&y, "n255", 4), -1);
    assert_int_equal(nameidx_find(&y, "n", 1), -1);
    assert_int_equal(nameidx_find(&y, "m1", 2), -1);
}

/* json_raw: a string json_str wrote into another buffer (what check --json
 * keeps for rule names) comes out as json_str would have written it, with
 * the separators of its place. */
static void json_raw_value(void **state)
{
    (void)state;
    struct buf pre, b1, b2;
    buf_init(&pre, 0);
    buf_init(&b1, 0);
    buf_init(&b2, 0);
    struct json j;
    json_init(&j, &pre);
    json_str(&j, "R\"1", 3);
    assert_string_equal(buf_cstr(&pre), "\"R\\\"1\"");
    struct json j1, j2;
    json_init(&j1, &b1);
    json_init(&j2, &b2);
    json_obj_begin(&j1);
    json_obj_begin(&j2);
    json_key(&j1, "m");
    json_key(&j2, "m");
    json_arr_begin(&j1);
    json_arr_begin(&j2);
    for (int k = 0; k < 2; k++) {
        json_str(&j1, "R\"1", 3);
        json_raw(&j2, pre.p, pre.len);
    }
    json_arr_end(&j1);
    json_arr_end(&j2);
    json_key(&j1, "r");
    json_key(&j2, "r");
    json_str(&j1, "R\"1", 3);
    json_raw(&j2, pre.p, pre.len);
    json_obj_end(&j1);
    json_obj_end(&j2);
    assert_string_equal(buf_cstr(&b2), "{\"m\":[\"R\\\"1\",\"R\\\"1\"],\"r\":\"R\\\"1\"}");
    assert_string_equal(buf_cstr(&b1), buf_cstr(&b2));
    buf_free(&pre);
    buf_free(&b1);
    buf_free(&b2);
}

/* buf_printf formats into the free room when the text fits, else grows the
 * buffer; over the ceiling it keeps nothing (the length stays). */
static void buf_printf_room(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_true(buf_printf(&b, "%s", "ab"));
    /* longer than any room a few bytes' buffer has: the growing path */
    char want[201];
    memset(want, 'x', 200);
    want[200] = '\0';
    assert_true(buf_printf(&b, "%s", want));
    assert_int_equal(b.len, 202);
    assert_memory_equal(b.p, "ab", 2);
    assert_memory_equal(b.p + 2, want, 200);
    /* now with room to spare: formatted in place */
    assert_true(b.cap > b.len + 8);
    assert_true(buf_printf(&b, "%d|%s", -42, "z"));
    assert_int_equal(b.len, 207);
    assert_string_equal(buf_cstr(&b) + 202, "-42|z");
    buf_free(&b);

    buf_init(&b, 8);
    assert_true(buf_append(&b, "1234", 4));
    assert_false(buf_printf(&b, "%d", 56789)); /* 4 + 5 > 8 */
    assert_true(b.toobig);
    assert_int_equal(b.len, 4);
    assert_string_equal(buf_cstr(&b), "1234");
    assert_true(buf_printf(&b, "%d", 5678)); /* exactly at the ceiling */
    assert_string_equal(buf_cstr(&b), "12345678");
    buf_free(&b);
}

static const char *json_number(struct buf *b, bool is_int, int64_t i, double d)
{
    buf_reset(b);
    struct json j;
    json_init(&j, b);
    if (is_int)
        json_int(&j, i);
    else
        json_double(&j, d);
    return buf_cstr(b);
}

/* Numbers without printf: the expected texts are worked out by hand from
 * C's %lld and %.6g (6 significant digits, trailing zeros dropped, the
 * exponent form below 1e-4 and from 1e6 on); then a sweep compares
 * json_double with the C library's own "%.6g". */
static void json_numbers(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    assert_string_equal(json_number(&b, true, 0, 0), "0");
    assert_string_equal(json_number(&b, true, 7, 0), "7");
    assert_string_equal(json_number(&b, true, -5, 0), "-5");
    assert_string_equal(json_number(&b, true, 1234567890123LL, 0), "1234567890123");
    assert_string_equal(json_number(&b, true, INT64_MAX, 0), "9223372036854775807");
    assert_string_equal(json_number(&b, true, INT64_MIN, 0), "-9223372036854775808");
    static const struct {
        double v;
        const char *want;
    } dc[] = {
        {0.0, "0"},
        {-0.0, "-0"},
        {1.0, "1"},
        {3.7, "3.7"},
        {0.001, "0.001"},
        {-17.444, "-17.444"},
        {2.5, "2.5"},
        {0.5, "0.5"},
        {100000.0, "100000"},
        {123456.7, "123457"},
        {123456.4, "123456"},
        {999999.0, "999999"},
        {0.0001, "0.0001"},
        {0.00012345678, "0.000123457"},
        {1.23456789, "1.23457"},
        {-0.1, "-0.1"},
        {10.0, "10"},
        {9.9999996, "10"},
        {0.99999996, "1"},
        {1e-5, "1e-05"},
        {1e6, "1e+06"},
        {999999.7, "1e+06"},
        {-2.0e7, "-2e+07"},
        {12.5, "12.5"},
        {4.0000004, "4"},
        {0.000099999999, "0.0001"},
    };
    for (size_t k = 0; k < sizeof dc / sizeof dc[0]; k++) {
        const char *got = json_number(&b, false, 0, dc[k].v);
        if (strcmp(got, dc[k].want) != 0)
            fail_msg("%.17g: got %s, want %s", dc[k].v, got, dc[k].want);
    }
    assert_string_equal(json_number(&b, false, 0, NAN), "null");
    assert_string_equal(json_number(&b, false, 0, -INFINITY), "null");
    /* the sweep: sums of thousandths (what rule scores add up to), values
     * near halfway points of the sixth digit, and a spread of magnitudes */
    uint64_t x = 88172645463325252ULL;
    for (int n = 0; n < 200000; n++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double v;
        switch (n % 4) {
        case 0:
            v = (double)(int64_t)(x % 2000001) / 1000.0 - 1000.0;
            break;
        case 1:
            v = ((double)(x % 1000000) + 0.5) * pow(10.0, (double)((int)((x >> 40) % 12) - 9));
            break;
        case 2:
            v = (double)(x >> 11) / 9007199254740992.0 * pow(10.0, (double)((int)(x % 14) - 6));
            break;
        default:
            v = 0.1 * (double)(x % 100000) - 0.3 * (double)(x % 77);
        }
        if (x & 1) v = -v;
        char want[64];
        snprintf(want, sizeof want, "%.6g", v);
        const char *got = json_number(&b, false, 0, v);
        if (strcmp(got, want) != 0) fail_msg("%.17g: got %s, printf %s", v, got, want);
    }
    buf_free(&b);
}

/* Every single byte through json_escape: printable ASCII but '"' and '\\'
 * as is, the named escapes, \u00XX for the other controls and DEL, and
 * U+FFFD for a byte >= 0x80 alone (never valid UTF-8 by itself). */
static void json_escape_bytes(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    for (int c = 0; c < 256; c++) {
        buf_reset(&b);
        char in[3] = {'a', (char)c, 'b'};
        json_escape(&b, in, 3);
        char mid[16];
        if (c == '"')
            snprintf(mid, sizeof mid, "\\\"");
        else if (c == '\\')
            snprintf(mid, sizeof mid, "\\\\");
        else if (c == '\n')
            snprintf(mid, sizeof mid, "\\n");
        else if (c == '\r')
            snprintf(mid, sizeof mid, "\\r");
        else if (c == '\t')
            snprintf(mid, sizeof mid, "\\t");
        else if (c < 0x20 || c == 0x7f)
            snprintf(mid, sizeof mid, "\\u%04x", (unsigned)c);
        else if (c >= 0x80)
            snprintf(mid, sizeof mid, "\xef\xbf\xbd");
        else
            snprintf(mid, sizeof mid, "%c", c);
        char want[24];
        snprintf(want, sizeof want, "a%sb", mid);
        assert_string_equal(buf_cstr(&b), want);
    }
    /* each byte at each position of a longer string (json_str checks the
     * whole string before it copies it in one piece): the bytes around it
     * are copied, the byte itself becomes what the case above made of it */
    for (int c = 0; c < 256; c++) {
        buf_reset(&b);
        char one[3] = {'a', (char)c, 'b'};
        json_escape(&b, one, 3);
        char mid[16];
        size_t ml = b.len - 2;
        assert_true(ml < sizeof mid);
        memcpy(mid, b.p + 1, ml);
        for (size_t pos = 0; pos < 21; pos++) {
            char in[21], want[64];
            memset(in, 'x', sizeof in);
            in[pos] = (char)c;
            memset(want, 'x', pos);
            memcpy(want + pos, mid, ml);
            memset(want + pos + ml, 'x', 20 - pos);
            buf_reset(&b);
            json_escape(&b, in, sizeof in);
            assert_int_equal(b.len, 20 + ml);
            assert_memory_equal(b.p, want, 20 + ml);
        }
        /* strings and keys of every length to 24 (json_str and json_key
         * test 8 bytes at once, the last word overlapping the one before,
         * and copy up to 16 with two word moves), the byte at each place */
        for (size_t n = 1; n <= 24; n++) {
            for (size_t pos = 0; pos < n; pos++) {
                char in[24], want[64];
                memset(in, 'x', n);
                in[pos] = (char)c;
                memset(want, 'x', pos);
                memcpy(want + pos, mid, ml);
                memset(want + pos + ml, 'x', n - 1 - pos);
                size_t wl = n - 1 + ml;
                buf_reset(&b);
                struct json j;
                json_init(&j, &b);
                json_str(&j, in, n);
                assert_int_equal(b.len, wl + 2);
                assert_memory_equal(b.p + 1, want, wl);
                assert_int_equal(b.p[0], '"');
                assert_int_equal(b.p[wl + 1], '"');
                buf_reset(&b);
                json_init(&j, &b);
                json_key_n(&j, in, n);
                assert_int_equal(b.len, wl + 3);
                assert_memory_equal(b.p + 1, want, wl);
                assert_memory_equal(b.p + 1 + wl, "\":", 2);
            }
        }
    }
    /* keys and strings with and without escapes, and under a ceiling (where
     * every append is checked): the same text, cut where the ceiling is */
    for (int lim = 0; lim < 2; lim++) {
        buf_free(&b);
        buf_init(&b, lim ? 20 : 0);
        struct json j;
        json_init(&j, &b);
        json_obj_begin(&j);
        json_key(&j, "k\"1");
        json_str(&j, "plain", 5);
        json_key(&j, "k2");
        json_str(&j, "", 0);
        json_key(&j, "k3");
        json_str(&j, "t\tab", 4);
        json_obj_end(&j);
        const char *full = "{\"k\\\"1\":\"plain\",\"k2\":\"\",\"k3\":\"t\\tab\"}";
        if (!lim) {
            assert_string_equal(buf_cstr(&b), full);
            assert_false(b.toobig);
        } else {
            assert_true(b.toobig);
            /* appends are refused one by one: up to the key k2 all fit */
            assert_true(b.len >= 19 && b.len <= 20);
            assert_memory_equal(b.p, full, 19);
        }
    }
    buf_reset(&b);
    /* a valid two-byte sequence is copied, a run around it kept whole */
    buf_reset(&b);
    json_escape(&b, "caf\xc3\xa9 ok", 8);
    assert_string_equal(buf_cstr(&b), "caf\xc3\xa9 ok");
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
        cmocka_unit_test(arena_basics),      cmocka_unit_test(arena_alloc_edges),
        cmocka_unit_test(arena_printf_tail), cmocka_unit_test(arena_str_growth),
        cmocka_unit_test(arena_destructors), cmocka_unit_test(arena_grow_keeps_contents),
        cmocka_unit_test(buf_ceiling),       cmocka_unit_test(str_helpers),
        cmocka_unit_test(utf8_validation),   cmocka_unit_test(json_writer),
        cmocka_unit_test(json_raw_value),    cmocka_unit_test(nameidx_lookup),
        cmocka_unit_test(phrases_search),    cmocka_unit_test(scan_uint_as_sscanf),
        cmocka_unit_test(buf_printf_room),   cmocka_unit_test(json_numbers),
        cmocka_unit_test(json_escape_bytes), cmocka_unit_test(time_civil),
        cmocka_unit_test(sha256_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
