/* test_mbox — splitting, unquoting, Content-Length, truncation, CRLF, gzip,
 * chunk boundaries. Expected values for the LF fixtures come from Python's
 * mailbox.mbox (get_bytes, _toc offsets) followed by the mboxrd unquoting
 * regex  re.sub(rb'(?m)^>(>*From )', rb'\1', b); the CRLF, Content-Length
 * and truncation expectations were worked out by hand (Python knows neither
 * Content-Length nor CRLF blank lines). The generated corpus compares with the
 * messages the test wrote, not with the splitter's output. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "sources/mbox.h"
#include "util/buf.h"

struct want {
    uint64_t offset;
    const char *data;
    bool truncated;
    bool cl_mismatch;
};

struct mbox_case {
    const char *name;
    const char *in;
    size_t max_msg;
    const struct want *w;
    size_t n;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char basic_in[] =
    "From alice@example.com Tue Apr  1 10:00:00 2025\n"
    "From: Alice <alice@example.com>\nSubject: one\n\nHello\n>From the quoted line\n>>From double\n"
    ">Fromage no space\n \n\n"
    "From bob@example.org Tue Apr  1 11:00:00 2025\nSubject: two\n\nbody two\n\n"
    "From MAILER-DAEMON Tue Apr  1 12:00:00 2025\nSubject: three\n\nlast line no newline";
static const struct want basic_w[] = {
    {0,
     "From: Alice <alice@example.com>\nSubject: one\n\nHello\nFrom the quoted line\n>From double\n"
     ">Fromage no space\n \n",
     false, false},
    {157, "Subject: two\n\nbody two\n", false, false},
    {227, "Subject: three\n\nlast line no newline", false, false},
};

/* Python does not strip a CRLF blank line; we do (hand-checked). */
static const char crlf_in[] =
    "From a@b Tue Apr  1 10:00:00 2025\r\nSubject: c1\r\n\r\nline\r\n>From quoted\r\n\r\n"
    "From a@b Tue Apr  1 10:00:01 2025\r\nSubject: c2\r\n\r\nx\r\n\r\n";
static const struct want crlf_w[] = {
    {0, "Subject: c1\r\n\r\nline\r\nFrom quoted\r\n", false, false},
    {72, "Subject: c2\r\n\r\nx\r\n", false, false},
};

static const char junk_in[] =
    "garbage line\nmore From here\n\nFrom x@y Mon Jan  1 00:00:00 2024\nA: "
    "b\n\nbody\nFrom y@z Mon Jan  1 00:00:00 2024\nB: c\n\n";
static const struct want junk_w[] = {
    {29, "A: b\n\nbody\n", false, false},
    {74, "B: c\n", false, false},
};

static const char empty_in[] = "From a@b Mon Jan  1 00:00:00 2024\n\nFrom a@b Mon Jan  1 00:00:00 "
                               "2024\nFrom a@b Mon Jan  1 00:00:00 2024\nX: y\n";
static const struct want empty_w[] = {
    {0, "", false, false},
    {35, "", false, false},
    {69, "X: y\n", false, false},
};

/* Content-Length 25 covers "line one\nFrom inside\nend\n": the unquoted From
 * line stays in the message. */
static const char cl_ok_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 25\n\nline one\nFrom "
    "inside\nend\n\nFrom c@d Mon Jan  1 00:00:00 2024\nX: y\n\nz\n";
static const struct want cl_ok_w[] = {
    {0, "Content-Length: 25\n\nline one\nFrom inside\nend\n", false, false},
    {80, "X: y\n\nz\n", false, false},
};

/* 26 includes the blank line: lands right on "From c@d". */
static const char cl_ok26_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\ncontent-length:26\n\nline one\nFrom "
    "inside\nend\n\nFrom c@d Mon Jan  1 00:00:00 2024\nX: y\n\nz\n";
static const struct want cl_ok26_w[] = {
    {0, "content-length:26\n\nline one\nFrom inside\nend\n\n", false, false},
    {79, "X: y\n\nz\n", false, false},
};

/* 10 lands inside a line: the separator scan wins, mismatch reported. */
static const char cl_bad_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 10\n\nline one\nFrom "
    "inside\nend\n\nFrom c@d Mon Jan  1 00:00:00 2024\nX: y\n\nz\n";
static const struct want cl_bad_w[] = {
    {0, "Content-Length: 10\n\nline one\n", false, true},
    {63, "end\n", false, false},
    {80, "X: y\n\nz\n", false, false},
};

/* Pointing exactly at end of file (and at EOF after the final blank line). */
static const char cl_eof_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 13\n\nFrom me\nbye\n\n";
static const struct want cl_eof_w[] = {
    {0, "Content-Length: 13\n\nFrom me\nbye\n\n", false, false},
};
static const char cl_eof2_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 12\n\nFrom me\nbye\n\n";
static const struct want cl_eof2_w[] = {
    {0, "Content-Length: 12\n\nFrom me\nbye\n", false, false},
};
/* Past the end of the file: mismatch. */
static const char cl_past_in[] = "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 999\n\nbody\n";
static const struct want cl_past_w[] = {
    {0, "Content-Length: 999\n\nbody\n", false, true},
};
/* Not a number: ignored, no mismatch. */
static const char cl_nan_in[] = "From a@b Mon Jan  1 00:00:00 2024\nContent-Length: 1x\n\nbody\n";
static const struct want cl_nan_w[] = {
    {0, "Content-Length: 1x\n\nbody\n", false, false},
};

/* Truncation: max 16 bytes. The second message fits. */
static const char trunc_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\nSubject: a long subject line\n\nbody "
    "body body\n\nFrom c@d Mon Jan  1 00:00:00 2024\nX: short\n\n";
static const struct want trunc_w[] = {
    {0, "Subject: a long ", true, false},
    {80, "X: short\n", false, false},
};
/* Exactly max bytes after blank-line removal: not truncated. */
static const char exact_in[] =
    "From a@b Mon Jan  1 00:00:00 2024\n0123456789abcde\n\nFrom c@d Mon Jan  "
    "1 00:00:00 2024\nX\n";
static const struct want exact_w[] = {
    {0, "0123456789abcde\n", false, false},
    {51, "X\n", false, false},
};

/* No separator at all: nothing. A lone "From " line: one empty message. */
static const char none_in[] = "just text\nFromage\n";
static const char lone_in[] = "From ";
static const struct want lone_w[] = {{0, "", false, false}};

static const struct mbox_case cases[] = {
    {"basic", basic_in, 0, basic_w, N(basic_w)},
    {"crlf", crlf_in, 0, crlf_w, N(crlf_w)},
    {"junk", junk_in, 0, junk_w, N(junk_w)},
    {"empty", empty_in, 0, empty_w, N(empty_w)},
    {"cl_ok", cl_ok_in, 0, cl_ok_w, N(cl_ok_w)},
    {"cl_ok26", cl_ok26_in, 0, cl_ok26_w, N(cl_ok26_w)},
    {"cl_bad", cl_bad_in, 0, cl_bad_w, N(cl_bad_w)},
    {"cl_eof", cl_eof_in, 0, cl_eof_w, N(cl_eof_w)},
    {"cl_eof2", cl_eof2_in, 0, cl_eof2_w, N(cl_eof2_w)},
    {"cl_past", cl_past_in, 0, cl_past_w, N(cl_past_w)},
    {"cl_nan", cl_nan_in, 0, cl_nan_w, N(cl_nan_w)},
    {"trunc", trunc_in, 16, trunc_w, N(trunc_w)},
    {"exact", exact_in, 16, exact_w, N(exact_w)},
    {"none", none_in, 0, NULL, 0},
    {"lone", lone_in, 0, lone_w, N(lone_w)},
};

static void check_stream(const char *name, const void *data, size_t len, size_t max_msg,
                         const struct want *w, size_t n)
{
    struct reader *r = reader_open_mem(data, len);
    struct mbox *m = mbox_open(r, max_msg);
    struct mbox_msg msg;
    size_t got = 0;
    int rc;
    while ((rc = mbox_next(m, &msg)) == 1) {
        if (got >= n)
            fail_msg("%s: unexpected message %zu at %llu", name, got,
                     (unsigned long long)msg.offset);
        const struct want *e = &w[got];
        size_t elen = strlen(e->data);
        if (msg.len != elen || memcmp(msg.data, e->data, elen) != 0)
            fail_msg("%s[%zu]: got %zu bytes '%.*s', want %zu '%s'", name, got, msg.len,
                     (int)msg.len, msg.data, elen, e->data);
        assert_int_equal(msg.offset, e->offset);
        assert_int_equal(msg.truncated, e->truncated);
        assert_int_equal(msg.content_length_mismatch, e->cl_mismatch);
        assert_true(msg.from_line.len >= 4 && memcmp(msg.from_line.p, "From", 4) == 0);
        assert_true(msg.from_line.len == 0 || msg.from_line.p[msg.from_line.len - 1] != '\r');
        got++;
    }
    assert_int_equal(rc, 0);
    if (got != n) fail_msg("%s: %zu messages, want %zu", name, got, n);
    assert_int_equal(mbox_next(m, &msg), 0); /* stays at end */
    mbox_close(m);
    reader_close(r);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < N(cases); i++)
        check_stream(cases[i].name, cases[i].in, strlen(cases[i].in), cases[i].max_msg, cases[i].w,
                     cases[i].n);
}

static void test_from_line(void **state)
{
    (void)state;
    struct reader *r = reader_open_mem(crlf_in, strlen(crlf_in));
    struct mbox *m = mbox_open(r, 0);
    struct mbox_msg msg;
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_int_equal(msg.from_line.len, strlen("From a@b Tue Apr  1 10:00:00 2025"));
    assert_memory_equal(msg.from_line.p, "From a@b Tue Apr  1 10:00:00 2025", msg.from_line.len);
    mbox_close(m);
    reader_close(r);
}

/* A generated mbox of many messages of varied sizes, so that separators land
 * on every kind of position relative to the 64 KiB reads; some bodies have
 * quoted From lines. Expected = the messages as generated. */
struct gen {
    struct buf mbox;
    struct buf *msgs;
    uint64_t *offsets;
    size_t n;
};

static void gen_corpus(struct gen *g, size_t n, bool crlf)
{
    const char *eol = crlf ? "\r\n" : "\n";
    buf_init(&g->mbox, 0);
    g->msgs = calloc(n, sizeof *g->msgs);
    g->offsets = calloc(n, sizeof *g->offsets);
    g->n = n;
    uint32_t seed = 12345;
    for (size_t i = 0; i < n; i++) {
        g->offsets[i] = g->mbox.len;
        buf_printf(&g->mbox, "From sender%zu@example.com Mon Jan  1 00:00:00 2024%s", i, eol);
        struct buf *e = &g->msgs[i];
        buf_init(e, 0);
        buf_printf(e, "Subject: message %zu%sX-N: %zu%s%s", i, eol, i, eol, eol);
        buf_printf(&g->mbox, "Subject: message %zu%sX-N: %zu%s%s", i, eol, i, eol, eol);
        seed = seed * 1103515245u + 12345u;
        size_t lines = (seed >> 8) % 2000;
        for (size_t j = 0; j < lines; j++) {
            if (j % 97 == 5) {
                buf_printf(e, "%sFrom quoted %zu%s", j % 2 ? ">" : "", j, eol);
                buf_printf(&g->mbox, ">%sFrom quoted %zu%s", j % 2 ? ">" : "", j, eol);
            } else {
                buf_printf(e, "line %zu of message %zu, padding%.*s%s", j, i, (int)(j % 40),
                           "........................................", eol);
                buf_printf(&g->mbox, "line %zu of message %zu, padding%.*s%s", j, i, (int)(j % 40),
                           "........................................", eol);
            }
        }
        buf_puts(&g->mbox, eol); /* the blank line before the next separator */
    }
}

static void gen_free(struct gen *g)
{
    for (size_t i = 0; i < g->n; i++)
        buf_free(&g->msgs[i]);
    free(g->msgs);
    free(g->offsets);
    buf_free(&g->mbox);
}

static void check_gen(struct gen *g, struct reader *r)
{
    struct mbox *m = mbox_open(r, 0);
    struct mbox_msg msg;
    size_t i = 0;
    while (mbox_next(m, &msg) == 1) {
        assert_true(i < g->n);
        assert_int_equal(msg.offset, g->offsets[i]);
        assert_int_equal(msg.len, g->msgs[i].len);
        assert_memory_equal(msg.data, g->msgs[i].p, msg.len);
        assert_false(msg.truncated);
        i++;
    }
    assert_int_equal(i, g->n);
    mbox_close(m);
}

static void test_generated(void **state)
{
    (void)state;
    for (int crlf = 0; crlf < 2; crlf++) {
        struct gen g;
        gen_corpus(&g, 300, crlf);
        assert_true(g.mbox.len > 4u * 1024 * 1024); /* many 64 KiB reads */
        struct reader *r = reader_open_mem(g.mbox.p, g.mbox.len);
        check_gen(&g, r);
        reader_close(r);
        gen_free(&g);
    }
}

/* The same corpus through gzip on disk, and a truncated gzip. */
static void test_gzip(void **state)
{
    (void)state;
    struct gen g;
    gen_corpus(&g, 40, false);
    char path[] = "/tmp/test_mbox_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    gzFile z = gzdopen(fd, "wb");
    assert_non_null(z);
    assert_int_equal(gzwrite(z, g.mbox.p, (unsigned)g.mbox.len), (int)g.mbox.len);
    assert_int_equal(gzclose(z), Z_OK);
    char err[160];
    struct reader *r = reader_open(path, err, sizeof err);
    assert_non_null(r);
    check_gen(&g, r);
    assert_true(reader_is_gzip(r));
    reader_close(r);

    /* Cut the compressed file in half: messages up to the cut, then -1. */
    struct buf gz;
    buf_init(&gz, 0);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char chunk[65536];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&gz, chunk, k);
    fclose(f);
    unlink(path);
    r = reader_open_mem(gz.p, gz.len / 2);
    struct mbox *m = mbox_open(r, 0);
    struct mbox_msg msg;
    int rc;
    size_t n = 0;
    while ((rc = mbox_next(m, &msg)) == 1) {
        if (n + 1 < g.n && msg.len == g.msgs[n].len) /* complete ones match */
            assert_memory_equal(msg.data, g.msgs[n].p, msg.len);
        n++;
    }
    assert_int_equal(rc, -1);
    assert_true(n > 0 && n < g.n);
    assert_non_null(reader_error(r));
    assert_int_equal(mbox_next(m, &msg), -1);
    mbox_close(m);
    reader_close(r);
    buf_free(&gz);
    gen_free(&g);
}

static const unsigned char gzip_corrupt[] = {
    0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0x7d, 0x8f, 0xd1, 0x0a, 0xc2,
    0x30, 0x0c, 0x45, 0xdf, 0x03, 0xfd, 0x87, 0x7c, 0x81, 0xac, 0x03, 0x5f, 0x86, 0x8c, 0xed,
    0x65, 0xf8, 0xae, 0x3f, 0xb0, 0x76, 0x41, 0x27, 0x9d, 0x99, 0xa3, 0xc5, 0xf9, 0xf7, 0x36,
    0x9b, 0x4c, 0x65, 0x28, 0x94, 0x92, 0xdc, 0xe4, 0xde, 0x9e, 0x56, 0x03, 0x77, 0x58, 0xbb,
    0xd6, 0x52, 0x41, 0x63, 0xdd, 0xf5, 0x8e, 0x36, 0x36, 0x2a, 0xc7, 0x40, 0x58, 0xf6, 0x03,
    0xa2, 0x46, 0x9d, 0x64, 0x89, 0x1c, 0x4c, 0x93, 0x74, 0x0b, 0x55, 0xdc, 0xcf, 0xb0, 0x14,
    0x03, 0xee, 0x56, 0xbe, 0x1c, 0x0e, 0xc1, 0x5c, 0xc8, 0xfa, 0x0c, 0xf9, 0x4a, 0x00, 0x7b,
    0x72, 0x8e, 0x21, 0x17, 0x13, 0xfa, 0x33, 0xe1, 0x2d, 0xb0, 0xa7, 0x06, 0x5d, 0x1b, 0x87,
    0xf9, 0x2c, 0x37, 0x1c, 0x8c, 0x8b, 0xab, 0x53, 0x63, 0xd8, 0x2c, 0x71, 0x3c, 0x0b, 0x0b,
    0xa3, 0x5c, 0x4f, 0xcd, 0x30, 0x47, 0x98, 0x01, 0x00, 0x00,
};

/* Regression (found by differential fuzzing): a gzip stream that is corrupt
 * ("invalid distance too far back", Python's zlib agrees) after 161 good
 * bytes. The reader hands out those bytes and then reports end of input with
 * reader_error() set; the splitter must end with -1, not 0. */
static void test_gzip_corrupt(void **state)
{
    (void)state;
    struct reader *r = reader_open_mem(gzip_corrupt, sizeof gzip_corrupt);
    struct mbox *m = mbox_open(r, 0);
    struct mbox_msg msg;
    int rc;
    size_t n = 0;
    while ((rc = mbox_next(m, &msg)) == 1)
        n++;
    assert_int_equal(rc, -1);
    assert_true(n >= 1);
    assert_non_null(reader_error(r));
    mbox_close(m);
    reader_close(r);
}

/* A 3 MB message with max 4096: the first 4096 bytes, then the next message;
 * the skipped bytes span many reads. Also a huge message at end of file. */
static void test_truncate_big(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From a@b Mon Jan  1 00:00:00 2024\nSubject: big\n\n");
    for (int i = 0; i < 100000; i++)
        buf_puts(&b, "0123456789012345678901234567890\n");
    buf_puts(&b, "\nFrom c@d Mon Jan  1 00:00:00 2024\nX: small\n\n");
    size_t second = b.len - strlen("From c@d Mon Jan  1 00:00:00 2024\nX: small\n\n");
    buf_puts(&b, "From e@f Mon Jan  1 00:00:00 2024\nSubject: big\n\n");
    size_t third = b.len - strlen("From e@f Mon Jan  1 00:00:00 2024\nSubject: big\n\n");
    for (int i = 0; i < 5000; i++)
        buf_puts(&b, ">From 345678901234567890123456789\n");

    struct reader *r = reader_open_mem(b.p, b.len);
    struct mbox *m = mbox_open(r, 4096);
    struct mbox_msg msg;
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_true(msg.truncated);
    assert_int_equal(msg.len, 4096);
    assert_memory_equal(msg.data, "Subject: big\n\n0123", 18);
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_false(msg.truncated);
    assert_int_equal(msg.offset, second);
    assert_int_equal(msg.len, strlen("X: small\n"));
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_true(msg.truncated);
    assert_int_equal(msg.offset, third);
    /* 4096 raw bytes, minus one '>' per quoted line among them */
    size_t quoted_lines = 120; /* lines whose whole ">From " is inside the window:
                                  14 + 34k + 6 <= 4096, k = 0..119 */
    assert_int_equal(msg.len, 4096 - quoted_lines);
    assert_memory_equal(msg.data, "Subject: big\n\nFrom 3456", 23);
    assert_int_equal(mbox_next(m, &msg), 0);
    mbox_close(m);
    reader_close(r);
    buf_free(&b);
}

/* A separator line longer than the ceiling is cut; nothing breaks. */
static void test_long_from_line(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "From ");
    for (int i = 0; i < 3000; i++)
        buf_putc(&b, 'x');
    buf_puts(&b, "\nX: y\n\nFrom a@b Mon Jan  1 00:00:00 2024\nZ: w\n");
    struct reader *r = reader_open_mem(b.p, b.len);
    struct mbox *m = mbox_open(r, 0);
    struct mbox_msg msg;
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_int_equal(msg.from_line.len, 1000);
    assert_int_equal(msg.len, 2005 + strlen("\nX: y\n")); /* 3005-byte line cut at 1000 */
    assert_int_equal(mbox_next(m, &msg), 1);
    assert_memory_equal(msg.data, "Z: w\n", 5);
    assert_int_equal(mbox_next(m, &msg), 0);
    mbox_close(m);
    reader_close(r);
    buf_free(&b);
}

static void test_looks_like(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool want;
    } t[] = {
        {"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nReturn-Path: <x@y>\n", true},
        {"From - Mon Jan 01 00:00:00 2024\nX-Mozilla-Status: 0001\n", true},
        {"From 1786543210987654321@xxx Tue Apr 01 10:00:00 +0000 2025\nX-GM-THRID: 1\n", true},
        {"From a@b Mon Jan  1 00:00:00 2024\n", true},
        {"From a@b Mon Jan  1 00:00:00 2024", true},
        {"From a@b Mon Jan  1 00:00:00 2024\nnot a header\n", false},
        {"From: Alice <a@b>\nTo: b@c\n", false},
        {"From  a@b 2024\nX: y\n", false},
        {"From me to you\nX: y\n", false},
        {"From ", false},
        {"", false},
        {"Received: from x\n", false},
        {"From a@b 2024\nX-Long-Name", true},
    };
    for (size_t i = 0; i < N(t); i++)
        if (mbox_looks_like(t[i].in, strlen(t[i].in)) != t[i].want)
            fail_msg("looks_like[%zu] '%s' != %d", i, t[i].in, t[i].want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),          cmocka_unit_test(test_from_line),
        cmocka_unit_test(test_generated),      cmocka_unit_test(test_gzip),
        cmocka_unit_test(test_gzip_corrupt),   cmocka_unit_test(test_truncate_big),
        cmocka_unit_test(test_long_from_line), cmocka_unit_test(test_looks_like),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
