/* Unit tests for mail/header.c. Expected values worked out by hand from the
 * input bytes (offsets counted character by character). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "mail/header.h"
#include "mail/limits.h"

#define END (-1)
#define S(lit) lit, sizeof(lit) - 1

struct hcase {
    const char *name;
    const char *in;
    size_t len;
    size_t n;
    size_t body_offset;
    bool has_sep;
    int anoms[6]; /* expected anomaly codes, END-terminated; exactly these */
    const char *f0_name, *f0_value, *f0_raw;
    const char *f1_name, *f1_value;
};

static const struct hcase cases[] = {
    {"crlf",
     S("From: a@b\r\nSubject: hi\r\n\r\nbody"),
     2,
     26,
     true,
     {END},
     "From",
     " a@b",
     "From: a@b",
     "Subject",
     " hi"},
    {"lf",
     S("From: a@b\nSubject: hi\n\nbody"),
     2,
     23,
     true,
     {END},
     "From",
     " a@b",
     "From: a@b",
     "Subject",
     " hi"},
    {"folded",
     S("Subject: a\r\n b\r\n\tc\r\nX: y\r\n\r\n"),
     2,
     28,
     true,
     {END},
     "Subject",
     " a\r\n b\r\n\tc",
     "Subject: a\r\n b\r\n\tc",
     "X",
     " y"},
    {"obs space before colon",
     S("Subject : x\n\n"),
     1,
     13,
     true,
     {ANOM_HDR_OBS_FOLDING, END},
     "Subject",
     " x",
     "Subject : x",
     NULL,
     NULL},
    {"no separator at eof is legal",
     S("A: b\r\n"),
     1,
     6,
     false,
     {END},
     "A",
     " b",
     "A: b",
     NULL,
     NULL},
    {"no final newline", S("A: b"), 1, 4, false, {END}, "A", " b", "A: b", NULL, NULL},
    {"cr at eof", S("A: b\r"), 1, 5, false, {END}, "A", " b", "A: b", NULL, NULL},
    {"non-field line ends header",
     S("A: b\nhello world\nmore\n"),
     1,
     5,
     false,
     {ANOM_HDR_BAD_FIELD, ANOM_HDR_NO_SEPARATOR, END},
     "A",
     " b",
     "A: b",
     NULL,
     NULL},
    {"non-field first line",
     S("hello\nA: b\n\n"),
     0,
     0,
     false,
     {ANOM_MSG_NOT_RFC5322, END},
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    {"continuation first line",
     S(" A: b\n\nx"),
     0,
     0,
     false,
     {ANOM_MSG_NOT_RFC5322, END},
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    {"empty name",
     S(": x\n\n"),
     0,
     0,
     false,
     {ANOM_MSG_NOT_RFC5322, END},
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    {"mbox from line skipped",
     S("From x@y Mon Jan  1 00:00:00 2024\nA: b\n\nbody"),
     1,
     40,
     true,
     {ANOM_HDR_BAD_FIELD, END},
     "A",
     " b",
     "A: b",
     NULL,
     NULL},
    {"mbox from line then garbage",
     S("From x@y Mon\nhello\n"),
     0,
     0,
     false,
     {ANOM_HDR_BAD_FIELD, ANOM_MSG_NOT_RFC5322, END},
     NULL,
     NULL,
     NULL,
     NULL,
     NULL},
    {"empty input", "", 0, 0, 0, false, {END}, NULL, NULL, NULL, NULL, NULL},
    {"starts with blank line", S("\r\nbody"), 0, 2, true, {END}, NULL, NULL, NULL, NULL, NULL},
    {"nul byte",
     S("A: b\0c\n\n"),
     1,
     8,
     true,
     {ANOM_MSG_NUL_BYTES, END},
     "A",
     NULL,
     NULL,
     NULL,
     NULL},
    {"8bit utf8",
     S("Subject: caf\xc3\xa9\n\n"),
     1,
     16,
     true,
     {ANOM_HDR_8BIT, END},
     "Subject",
     " caf\xc3\xa9",
     NULL,
     NULL,
     NULL},
    {"8bit latin1",
     S("Subject: caf\xe9\n\n"),
     1,
     15,
     true,
     {ANOM_HDR_8BIT, ANOM_HDR_8BIT_NOT_UTF8, END},
     "Subject",
     " caf\xe9",
     NULL,
     NULL,
     NULL},
    {"8bit only in body", S("A: b\n\ncaf\xe9"), 1, 6, true, {END}, "A", " b", NULL, NULL, NULL},
    {"bare cr",
     S("A: b\rc\r\n\r\n"),
     1,
     10,
     true,
     {ANOM_MSG_BARE_CR, END},
     "A",
     " b\rc",
     "A: b\rc",
     NULL,
     NULL},
    {"whitespace-only continuation",
     S("A: b\r\n \r\nB: c\r\n\r\n"),
     2,
     17,
     true,
     {ANOM_HDR_OBS_FOLDING, END},
     "A",
     " b\r\n ",
     NULL,
     "B",
     " c"},
    {"empty value", S("A:\n\n"), 1, 4, true, {END}, "A", "", "A:", NULL, NULL},
    {"mixed lf then crlf separator",
     S("A: b\n\r\nbody"),
     1,
     7,
     true,
     {END},
     "A",
     " b",
     NULL,
     NULL,
     NULL},
    {"colon in value and name chars",
     S("X-Weird.Name_1: a: b\n\n"),
     1,
     22,
     true,
     {END},
     "X-Weird.Name_1",
     " a: b",
     NULL,
     NULL,
     NULL},
    {"8bit in name is not a field",
     S("A: b\nS\xfc: x\n\n"),
     1,
     5,
     false,
     {ANOM_HDR_BAD_FIELD, ANOM_HDR_NO_SEPARATOR, END},
     "A",
     " b",
     NULL,
     NULL,
     NULL},
};

static void expect_anoms(const struct anomalies *an, const int *want, const char *name)
{
    size_t n_want = 0;
    while (want[n_want] != END)
        n_want++;
    if (an->n != n_want) {
        for (size_t i = 0; i < an->n; i++)
            print_message("%s: got %s\n", name, anom_name(an->v[i].code));
    }
    assert_int_equal(an->n, n_want);
    for (size_t i = 0; i < n_want; i++)
        assert_true(anom_has(an, (enum anom_code)want[i]));
}

static void expect_slice(struct slice s, const char *want)
{
    if (!want) return;
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.p, want, s.len);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct hcase *c = &cases[i];
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        /* an exact-size heap copy so ASan catches reads past the end */
        char *buf = malloc(c->len ? c->len : 1);
        memcpy(buf, c->in, c->len);
        struct hdr_block h;
        print_message("case %s\n", c->name);
        hdr_parse(a, buf, c->len, &h, &an);
        assert_int_equal(h.n, c->n);
        assert_int_equal(h.body_offset, c->body_offset);
        assert_int_equal(h.has_separator, c->has_sep);
        expect_anoms(&an, c->anoms, c->name);
        if (c->f0_name) {
            expect_slice(h.f[0].name, c->f0_name);
            expect_slice(h.f[0].value, c->f0_value);
            expect_slice(h.f[0].raw, c->f0_raw);
        }
        if (c->f1_name) {
            expect_slice(h.f[1].name, c->f1_name);
            expect_slice(h.f[1].value, c->f1_value);
        }
        free(buf);
        arena_free(a);
    }
}

static void test_offsets_and_null_anomalies(void **state)
{
    (void)state;
    arena *a = arena_new();
    const char msg[] = "A: 1\r\nB: 2\r\n  folded\r\nC: 3\r\n\r\n";
    struct hdr_block h;
    hdr_parse(a, msg, sizeof msg - 1, &h, NULL); /* NULL anomaly set is allowed */
    assert_int_equal(h.n, 3);
    assert_int_equal(h.f[0].offset, 0);
    assert_int_equal(h.f[1].offset, 6);
    assert_int_equal(h.f[2].offset, 22);
    assert_ptr_equal(h.f[1].raw.p, msg + 6);
    assert_int_equal(h.f[1].raw.len, 14); /* "B: 2\r\n  folded" */
    arena_free(a);
}

static void test_get_count(void **state)
{
    (void)state;
    arena *a = arena_new();
    const char msg[] = "Received: one\nreceived: two\nSubject: s\nRECEIVED: three\n\n";
    struct hdr_block h;
    hdr_parse(a, msg, sizeof msg - 1, &h, NULL);
    assert_int_equal(hdr_count(&h, "Received"), 3);
    assert_int_equal(hdr_count(&h, "subject"), 1);
    assert_int_equal(hdr_count(&h, "From"), 0);
    const struct hdr_field *f = hdr_get(&h, "RECEIVED", 1);
    assert_non_null(f);
    expect_slice(f->value, " two");
    f = hdr_get(&h, "received", 2);
    assert_non_null(f);
    expect_slice(f->value, " three");
    assert_null(hdr_get(&h, "received", 3));
    assert_null(hdr_get(&h, "Receive", 0));
    arena_free(a);
}

/* hdr_get and hdr_count compare names only where their keys (length,
 * first, middle and last byte) match: names with the same key that differ
 * elsewhere, in case only, or in length past 255 bytes; the same answers
 * from a block without keys (names compared one by one). */
static void test_get_keys(void **state)
{
    (void)state;
    arena *a = arena_new();
    static char msg[1200];
    char n300[301], n301[302];
    memset(n300, 'x', 300);
    n300[300] = 0;
    memset(n301, 'x', 301);
    n301[301] = 0;
    snprintf(msg, sizeof msg,
             "Tab-x: 1\nTcb-x: 2\nTCB-X: 3\nAbcdEfg: 4\nAbcXEfg: 5\n%s: 6\n%s: 7\n\nbody", n300,
             n301);
    struct hdr_block h;
    hdr_parse(a, msg, strlen(msg), &h, NULL);
    assert_int_equal(h.n, 7);
    assert_non_null(h.key);
    for (int pass = 0; pass < 2; pass++) {
        assert_int_equal(hdr_count(&h, "tab-x"), 1);
        assert_int_equal(hdr_count(&h, "tcb-x"), 2);
        assert_int_equal(hdr_count(&h, "tdb-x"), 0);
        expect_slice(hdr_get(&h, "TCB-x", 1)->value, " 3");
        expect_slice(hdr_get(&h, "abcxefg", 0)->value, " 5");
        expect_slice(hdr_get(&h, "ABCDEFG", 0)->value, " 4");
        assert_null(hdr_get(&h, "AbcYEfg", 0));
        expect_slice(hdr_get(&h, n300, 0)->value, " 6");
        expect_slice(hdr_get(&h, n301, 0)->value, " 7");
        assert_int_equal(hdr_count(&h, n300), 1);
        assert_null(hdr_get(&h, "", 0));
        h.key = NULL; /* the second pass: without keys */
    }
    arena_free(a);
}

static void test_unfold(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } t[] = {
        {" a\r\n b\r\n\tc", "a b\tc"},
        {"  x  ", "x"},
        {" a\n b", "a b"},
        {"", ""},
        {" \r\n ", ""},
        {" a\rb", "a\rb"},
        {" a\r\n\r\n b", "a b"},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        size_t n = 99;
        char *u = hdr_unfold(a, (struct slice){t[i].in, strlen(t[i].in)}, &n);
        assert_string_equal(u, t[i].want);
        assert_int_equal(n, strlen(t[i].want));
    }
    arena_free(a);
}

static void test_line_length(void **state)
{
    (void)state;
    for (int extra = 0; extra <= 1; extra++) {
        /* a line of exactly 998 bytes is fine; 999 is too long */
        size_t line = 998 + (size_t)extra;
        size_t len = line + 2 + 2 + 4;
        char *buf = malloc(len);
        memcpy(buf, "X: ", 3);
        memset(buf + 3, 'a', line - 3);
        memcpy(buf + line, "\r\n\r\nbody", 8);
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        struct hdr_block h;
        hdr_parse(a, buf, len, &h, &an);
        assert_int_equal(h.n, 1);
        assert_int_equal(h.f[0].raw.len, line);
        assert_int_equal(h.body_offset, line + 4);
        assert_int_equal(an.n, (size_t)extra);
        if (extra) assert_true(anom_has(&an, ANOM_MSG_LINE_TOO_LONG));
        arena_free(a);
        free(buf);
    }
}

static void test_many_long_lines_one_anomaly(void **state)
{
    (void)state;
    size_t n_lines = 50, line = 1200;
    size_t len = n_lines * (line + 1) + 1;
    char *buf = malloc(len);
    for (size_t i = 0; i < n_lines; i++) {
        char *l = buf + i * (line + 1);
        memset(l, 'b', line);
        memcpy(l, "X: ", 3);
        l[line] = '\n';
    }
    buf[len - 1] = '\n';
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct hdr_block h;
    hdr_parse(a, buf, len, &h, &an);
    assert_int_equal(h.n, n_lines);
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_MSG_LINE_TOO_LONG);
    arena_free(a);
    free(buf);
}

/* A 2 MB header line: the field is split (it starts at 0), the field after
 * it starts past HDR_MAX_BLOCK and is not, the body is still found. */
static void test_huge_line(void **state)
{
    (void)state;
    size_t big = 2u * 1024 * 1024;
    const char tail[] = "\r\nY: z\r\n\r\nbody";
    size_t len = 3 + big + sizeof tail - 1;
    char *buf = malloc(len);
    memcpy(buf, "X: ", 3);
    memset(buf + 3, 'a', big);
    memcpy(buf + 3 + big, tail, sizeof tail - 1);
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct hdr_block h;
    hdr_parse(a, buf, len, &h, &an);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.f[0].value.len, big + 1);
    assert_true(h.has_separator);
    assert_int_equal(h.body_offset, len - 4);
    assert_true(anom_has(&an, ANOM_HDR_BLOCK_TOO_LARGE));
    assert_true(anom_has(&an, ANOM_MSG_LINE_TOO_LONG));
    assert_int_equal(an.n, 2);
    arena_free(a);
    free(buf);
}

/* HDR_MAX_FIELDS + 5 fields: exactly the ceiling is split, body found. */
static void test_too_many_fields(void **state)
{
    (void)state;
    size_t n = HDR_MAX_FIELDS + 5;
    size_t len = n * 6 + 2 + 3; /* "X: ab\n" each, "\n", "end" */
    char *buf = malloc(len);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * 6, "X: ab\n", 6);
    memcpy(buf + n * 6, "\nend", 4);
    len = n * 6 + 4;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct hdr_block h;
    hdr_parse(a, buf, len, &h, &an);
    assert_int_equal(h.n, HDR_MAX_FIELDS);
    assert_true(h.has_separator);
    assert_int_equal(h.body_offset, n * 6 + 1);
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_HDR_TOO_MANY_FIELDS);
    /* exactly at the ceiling: no anomaly */
    arena_reset(a);
    anom_init(&an, a);
    hdr_parse(a, buf + 5 * 6, len - 5 * 6, &h, &an);
    assert_int_equal(h.n, HDR_MAX_FIELDS);
    assert_int_equal(an.n, 0);
    arena_free(a);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),       cmocka_unit_test(test_offsets_and_null_anomalies),
        cmocka_unit_test(test_get_count),   cmocka_unit_test(test_unfold),
        cmocka_unit_test(test_line_length), cmocka_unit_test(test_many_long_lines_one_anomaly),
        cmocka_unit_test(test_huge_line),   cmocka_unit_test(test_too_many_fields),
        cmocka_unit_test(test_get_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
