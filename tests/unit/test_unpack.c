/* Unit tests for util/unpack.c. The archives in tests/fixtures/feedback/unpack/
 * were made with GNU gzip and Info-ZIP zip (see the README there); the text
 * they hold is REPORT_XML below, written by hand, whose CRC-32 (8482230e) was
 * computed by Python's zipfile/zlib when the fixtures were made. Byte offsets
 * used to damage archives follow the ZIP application note (APPNOTE 4.3.7,
 * 4.3.12, 4.3.16) and RFC 1952 section 2.2. Inputs are exact-size heap
 * copies so that ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/unpack.h"

#define REPORT_XML                                                                                 \
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback>\n  <report_metadata>\n"                \
    "    <org_name>unpack fixture</org_name>\n    <report_id>unpack-1</report_id>\n"               \
    "  </report_metadata>\n</feedback>\n"
#define ZEROS_LEN ((size_t)10485760)
#define MB ((size_t)1 << 20)

struct fixture {
    unsigned char *p;
    size_t len;
};

static struct fixture load(const char *name)
{
    char path[1024];
    const char *top = getenv("TOP");
    snprintf(path, sizeof path, "%s/tests/fixtures/feedback/unpack/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    struct fixture fx = {malloc(n ? (size_t)n : 1), (size_t)n};
    assert_int_equal(fread(fx.p, 1, fx.len, f), fx.len);
    fclose(f);
    return fx;
}

/* an exact-size copy of p[0..len) followed by extra[0..extra_len) */
static unsigned char *copy_plus(const unsigned char *p, size_t len, const void *extra,
                                size_t extra_len)
{
    unsigned char *q = malloc(len + extra_len ? len + extra_len : 1);
    memcpy(q, p, len);
    if (extra_len) memcpy(q + len, extra, extra_len);
    return q;
}

/* Collects output (up to a cap, beyond which it only counts). */
struct sink {
    char *buf;
    size_t len, cap;
    size_t calls, max_chunk;
    bool all_zero;
    size_t stop_at_call; /* return nonzero on this call (1-based); 0 never */
};

static int collect(void *ctx, const char *p, size_t n)
{
    struct sink *s = ctx;
    s->calls++;
    if (n > s->max_chunk) s->max_chunk = n;
    if (n == 0) fail_msg("empty chunk delivered");
    for (size_t i = 0; i < n && s->all_zero; i++)
        if (p[i]) s->all_zero = false;
    if (s->len + n <= s->cap) memcpy(s->buf + s->len, p, n);
    s->len += n;
    return s->stop_at_call && s->calls == s->stop_at_call;
}

static struct sink sink_new(size_t cap)
{
    struct sink s = {.buf = cap ? malloc(cap) : NULL, .cap = cap, .all_zero = true};
    return s;
}

static void expect_report(const struct sink *s, const struct unpack_result *r)
{
    assert_int_equal(r->status, UNPACK_OK);
    assert_string_equal(r->error, "");
    assert_int_equal(r->out, sizeof REPORT_XML - 1);
    assert_int_equal(s->len, sizeof REPORT_XML - 1);
    assert_memory_equal(s->buf, REPORT_XML, s->len);
}

static size_t find_sig(const unsigned char *p, size_t len, const char *sig, size_t from)
{
    for (size_t i = from; i + 4 <= len; i++)
        if (memcmp(p + i, sig, 4) == 0) return i;
    fail_msg("signature not found");
    return 0;
}

static void wr32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- detection ---- */

static void test_detect(void **state)
{
    (void)state;
    struct fixture gz = load("report.xml.gz"), zp = load("report.zip");
    assert_true(unpack_is_gzip(gz.p, gz.len));
    assert_false(unpack_is_zip(gz.p, gz.len));
    assert_true(unpack_is_zip(zp.p, zp.len));
    assert_false(unpack_is_gzip(zp.p, zp.len));
    assert_false(unpack_is_gzip((const unsigned char *)"\x1f\x8b", 2)); /* too short */
    assert_false(unpack_is_gzip(NULL, 0));
    assert_false(unpack_is_zip(NULL, 0));
    free(gz.p);
    free(zp.p);
}

/* ---- gzip ---- */

static void test_gzip_report(void **state)
{
    (void)state;
    struct fixture fx = load("report.xml.gz");
    struct sink s = sink_new(4096);
    struct unpack_result r;
    assert_int_equal(unpack_gzip(fx.p, fx.len, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    expect_report(&s, &r);
    assert_string_equal(r.name, "");
    assert_int_equal(s.calls, 1);
    /* max_out exactly the size: nothing more was there, so OK */
    s.len = 0;
    assert_int_equal(unpack_gzip(fx.p, fx.len, sizeof REPORT_XML - 1, collect, &s, &r), UNPACK_OK);
    /* one byte less: LIMIT, with the first 178 bytes delivered */
    s.len = 0;
    assert_int_equal(unpack_gzip(fx.p, fx.len, sizeof REPORT_XML - 2, collect, &s, &r),
                     UNPACK_LIMIT);
    assert_int_equal(r.out, sizeof REPORT_XML - 2);
    assert_int_equal(s.len, sizeof REPORT_XML - 2);
    assert_memory_equal(s.buf, REPORT_XML, s.len);
    assert_non_null(strstr(r.error, "limit"));
    /* a NULL callback only counts */
    assert_int_equal(unpack_gzip(fx.p, fx.len, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_OK);
    assert_int_equal(r.out, sizeof REPORT_XML - 1);
    free(s.buf);
    free(fx.p);
}

static void test_gzip_concatenated(void **state)
{
    (void)state;
    struct fixture fx = load("concat.gz");
    struct sink s = sink_new(256);
    struct unpack_result r;
    assert_int_equal(unpack_gzip(fx.p, fx.len, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    assert_int_equal(r.out, 27);
    assert_memory_equal(s.buf, "first member\nsecond member\n", 27);
    /* padding zeros after the last member are ignored; other bytes are not */
    unsigned char *pad = copy_plus(fx.p, fx.len, "\0\0\0\0", 4);
    assert_int_equal(unpack_gzip(pad, fx.len + 4, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_OK);
    assert_int_equal(r.out, 27);
    unsigned char *junk = copy_plus(fx.p, fx.len, "junk", 4);
    assert_int_equal(unpack_gzip(junk, fx.len + 4, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_int_equal(r.out, 27); /* delivered before the garbage was seen */
    assert_non_null(strstr(r.error, "trailing garbage at offset 67"));
    /* a truncated second member */
    assert_int_equal(unpack_gzip(fx.p, fx.len - 3, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    free(pad);
    free(junk);
    free(s.buf);
    free(fx.p);
}

static void test_gzip_bomb(void **state)
{
    (void)state;
    struct fixture fx = load("zeros10m.gz");
    struct sink s = sink_new(0);
    struct unpack_result r;
    assert_int_equal(unpack_gzip(fx.p, fx.len, MB, collect, &s, &r), UNPACK_LIMIT);
    assert_int_equal(r.out, MB);
    assert_int_equal(s.len, MB);
    assert_true(s.all_zero);
    assert_true(s.max_chunk <= UNPACK_CHUNK);
    assert_int_equal(s.calls, MB / UNPACK_CHUNK); /* 1 MiB is 16 full chunks */
    /* the whole thing fits exactly */
    s = sink_new(0);
    assert_int_equal(unpack_gzip(fx.p, fx.len, ZEROS_LEN, collect, &s, &r), UNPACK_OK);
    assert_int_equal(s.len, ZEROS_LEN);
    assert_true(s.max_chunk <= UNPACK_CHUNK);
    /* one byte short */
    s = sink_new(0);
    assert_int_equal(unpack_gzip(fx.p, fx.len, ZEROS_LEN - 1, collect, &s, &r), UNPACK_LIMIT);
    assert_int_equal(s.len, ZEROS_LEN - 1);
    /* max_out 0: nothing delivered */
    s = sink_new(0);
    assert_int_equal(unpack_gzip(fx.p, fx.len, 0, collect, &s, &r), UNPACK_LIMIT);
    assert_int_equal(s.calls, 0);
    assert_int_equal(r.out, 0);
    free(fx.p);
}

static void test_gzip_every_prefix_is_corrupt(void **state)
{
    (void)state;
    struct fixture fx = load("report.xml.gz");
    for (size_t n = 0; n < fx.len; n++) {
        unsigned char *q = copy_plus(fx.p, n, NULL, 0);
        struct sink s = sink_new(4096);
        struct unpack_result r;
        enum unpack_status st = unpack_gzip(q, n, UNPACK_MAX_OUT, collect, &s, &r);
        if (st != UNPACK_CORRUPT) fail_msg("prefix %zu: status %d", n, st);
        assert_true(r.out <= sizeof REPORT_XML - 1);
        assert_memory_equal(s.buf, REPORT_XML, s.len); /* what came out is right */
        assert_true(r.error[0] != '\0');
        free(s.buf);
        free(q);
    }
    free(fx.p);
}

static void test_gzip_bad_trailer(void **state)
{
    (void)state;
    struct fixture fx = load("report.xml.gz");
    struct unpack_result r;
    /* RFC 1952: the member ends with CRC32 then ISIZE, 4 bytes each */
    unsigned char *q = copy_plus(fx.p, fx.len, NULL, 0);
    q[fx.len - 8] ^= 0x01;
    assert_int_equal(unpack_gzip(q, fx.len, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "incorrect data check")); /* zlib's words */
    memcpy(q, fx.p, fx.len);
    q[fx.len - 4] ^= 0x01;
    assert_int_equal(unpack_gzip(q, fx.len, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "incorrect length check"));
    /* a damaged deflate block type (BTYPE 11 is reserved) */
    memcpy(q, fx.p, fx.len);
    size_t hdr = 10 + sizeof "report.xml"; /* fixed header + FNAME with its NUL */
    q[hdr] |= 0x06;
    assert_int_equal(unpack_gzip(q, fx.len, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "gzip error"));
    free(q);
    unsigned char *txt = copy_plus((const unsigned char *)"hello", 5, NULL, 0);
    assert_int_equal(unpack_gzip(txt, 5, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "not gzip"));
    free(txt);
    free(fx.p);
}

static void test_gzip_callback_stops(void **state)
{
    (void)state;
    struct fixture fx = load("zeros10m.gz");
    struct sink s = sink_new(0);
    s.stop_at_call = 1;
    struct unpack_result r;
    assert_int_equal(unpack_gzip(fx.p, fx.len, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_STOPPED);
    assert_int_equal(s.calls, 1);
    assert_int_equal(r.out, s.len);
    assert_true(r.out > 0 && r.out <= UNPACK_CHUNK);
    s = sink_new(0);
    s.stop_at_call = 3;
    assert_int_equal(unpack_gzip(fx.p, fx.len, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_STOPPED);
    assert_int_equal(s.calls, 3);
    assert_int_equal(r.out, s.len);
    free(fx.p);
}

/* ---- ZIP ---- */

static void test_zip_deflate_and_stored(void **state)
{
    (void)state;
    static const char *const names[] = {"report.zip", "stored.zip"};
    for (size_t k = 0; k < 2; k++) {
        struct fixture fx = load(names[k]);
        struct sink s = sink_new(4096);
        struct unpack_result r;
        assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                         UNPACK_OK);
        expect_report(&s, &r);
        assert_string_equal(r.name, "report.xml");
        s.len = 0;
        assert_int_equal(unpack_zip(fx.p, fx.len, ".XML", UNPACK_MAX_OUT, collect, &s, &r),
                         UNPACK_OK); /* suffix case-insensitive */
        s.len = 0;
        assert_int_equal(unpack_zip(fx.p, fx.len, NULL, UNPACK_MAX_OUT, collect, &s, &r),
                         UNPACK_OK);
        expect_report(&s, &r);
        assert_int_equal(unpack_zip(fx.p, fx.len, ".gz", UNPACK_MAX_OUT, collect, &s, &r),
                         UNPACK_NOT_FOUND);
        /* limit on a stored member and on a deflated one */
        s.len = 0;
        assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", 100, collect, &s, &r), UNPACK_LIMIT);
        assert_int_equal(r.out, 100);
        assert_memory_equal(s.buf, REPORT_XML, 100);
        free(s.buf);
        free(fx.p);
    }
}

static void test_zip_second_member(void **state)
{
    (void)state;
    struct fixture fx = load("two.zip");
    struct sink s = sink_new(4096);
    struct unpack_result r;
    assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    expect_report(&s, &r);
    assert_string_equal(r.name, "sub/Report.XML");
    s.len = 0;
    assert_int_equal(unpack_zip(fx.p, fx.len, NULL, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    assert_string_equal(r.name, "notes.txt");
    assert_int_equal(s.len, 35);
    assert_memory_equal(s.buf, "This archive holds a DMARC report.\n", 35);
    assert_int_equal(unpack_zip(fx.p, fx.len, "report.xml.gz", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_NOT_FOUND);
    assert_non_null(strstr(r.error, "report.xml.gz"));
    free(s.buf);
    free(fx.p);
}

static void test_zip_refused(void **state)
{
    (void)state;
    struct unpack_result r;
    struct sink s = sink_new(4096);
    struct fixture enc = load("encrypted.zip"), bz = load("bzip2.zip");
    assert_int_equal(unpack_zip(enc.p, enc.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_UNSUPPORTED);
    assert_non_null(strstr(r.error, "encrypted"));
    assert_string_equal(r.name, "report.xml");
    assert_int_equal(unpack_zip(bz.p, bz.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_UNSUPPORTED);
    assert_non_null(strstr(r.error, "method 12"));
    assert_int_equal(s.calls, 0);
    assert_int_equal(r.out, 0);
    /* ZIP64 markers: 0xFFFF entries in the EOCD */
    struct fixture fx = load("report.zip");
    size_t e = find_sig(fx.p, fx.len, "PK\5\6", 0);
    fx.p[e + 10] = fx.p[e + 11] = 0xff;
    assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_UNSUPPORTED);
    assert_non_null(strstr(r.error, "ZIP64"));
    free(fx.p);
    free(enc.p);
    free(bz.p);
    free(s.buf);
}

static void test_zip_data_descriptor(void **state)
{
    (void)state;
    struct fixture fx = load("datadesc.zip");
    struct sink s = sink_new(4096);
    struct unpack_result r;
    assert_int_equal(fx.p[6] & 0x08, 0x08); /* bit 3 really set in the local header */
    assert_int_equal(unpack_zip(fx.p, fx.len, NULL, UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    expect_report(&s, &r);
    assert_string_equal(r.name, "-");
    free(s.buf);
    free(fx.p);
}

static void test_zip_bomb(void **state)
{
    (void)state;
    struct fixture fx = load("zeros10m.zip");
    struct sink s = sink_new(0);
    struct unpack_result r;
    assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", MB, collect, &s, &r), UNPACK_LIMIT);
    assert_int_equal(r.out, MB);
    assert_int_equal(s.len, MB);
    assert_true(s.all_zero);
    assert_true(s.max_chunk <= UNPACK_CHUNK);
    assert_string_equal(r.name, "zeros.xml");
    s = sink_new(0);
    assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", ZEROS_LEN, collect, &s, &r), UNPACK_OK);
    assert_int_equal(s.len, ZEROS_LEN); /* and the CRC-32 matched */
    s = sink_new(0);
    s.stop_at_call = 2;
    assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_STOPPED);
    assert_int_equal(s.calls, 2);
    assert_int_equal(r.out, s.len);
    free(fx.p);
}

static void test_zip_bad_crc_and_size(void **state)
{
    (void)state;
    static const char *const names[] = {"report.zip", "stored.zip"};
    for (size_t k = 0; k < 2; k++) {
        struct fixture fx = load(names[k]);
        struct unpack_result r;
        struct sink s = sink_new(4096);
        size_t cd = find_sig(fx.p, fx.len, "PK\1\2", 0);
        /* central header: CRC-32 at 16, uncompressed size at 24 */
        fx.p[cd + 16] ^= 0x80;
        assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                         UNPACK_CORRUPT);
        assert_non_null(strstr(r.error, "CRC-32"));
        assert_int_equal(r.out, sizeof REPORT_XML - 1); /* delivered, then found bad */
        fx.p[cd + 16] ^= 0x80;
        if (k == 0) {
            wr32(fx.p + cd + 24, 180);
            assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r),
                             UNPACK_CORRUPT);
            assert_non_null(strstr(r.error, "179 bytes inflated, 180 recorded"));
        } else {
            wr32(fx.p + cd + 24, 180); /* stored: sizes must agree */
            assert_int_equal(unpack_zip(fx.p, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r),
                             UNPACK_CORRUPT);
            assert_int_equal(r.out, 0);
        }
        free(s.buf);
        free(fx.p);
    }
}

static void test_zip_damaged(void **state)
{
    (void)state;
    struct fixture fx = load("report.zip");
    struct unpack_result r;
    size_t cd = find_sig(fx.p, fx.len, "PK\1\2", 0);
    unsigned char *q = copy_plus(fx.p, fx.len, NULL, 0);
    /* compressed size 10 short: the deflate stream does not end */
    wr32(q + cd + 20, 122 - 10);
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "truncated"));
    /* compressed size beyond the directory */
    wr32(q + cd + 20, 5000);
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "overruns"));
    /* local header method disagrees */
    memcpy(q, fx.p, fx.len);
    q[8] = 0;
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "local header disagrees"));
    /* local signature damaged */
    memcpy(q, fx.p, fx.len);
    q[2] = 9;
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    /* central directory entry signature damaged */
    memcpy(q, fx.p, fx.len);
    q[cd + 3] = 9;
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    assert_non_null(strstr(r.error, "central directory entry 0"));
    /* local header offset out of range */
    memcpy(q, fx.p, fx.len);
    wr32(q + cd + 42, 0x7fffffff);
    assert_int_equal(unpack_zip(q, fx.len, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    free(q);
    /* every prefix of the archive lacks its end record */
    for (size_t n = 0; n < fx.len; n++) {
        unsigned char *p = copy_plus(fx.p, n, NULL, 0);
        enum unpack_status st = unpack_zip(p, n, ".xml", UNPACK_MAX_OUT, NULL, NULL, &r);
        if (st != UNPACK_CORRUPT) fail_msg("prefix %zu: status %d", n, st);
        free(p);
    }
    free(fx.p);
}

static void test_zip_prepended_and_comment(void **state)
{
    (void)state;
    struct fixture fx = load("report.zip");
    struct unpack_result r;
    struct sink s = sink_new(4096);
    /* 16 bytes of a self-extractor stub before the archive */
    unsigned char *q = malloc(16 + fx.len);
    memcpy(q, "MZ-stub-16-bytes", 16);
    memcpy(q + 16, fx.p, fx.len);
    assert_int_equal(unpack_zip(q, 16 + fx.len, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_OK);
    expect_report(&s, &r);
    free(q);
    /* an archive comment of 5 bytes (EOCD offset 20: comment length) */
    q = copy_plus(fx.p, fx.len, "hello", 5);
    size_t e = find_sig(q, fx.len, "PK\5\6", 0);
    q[e + 20] = 5;
    s.len = 0;
    assert_int_equal(unpack_zip(q, fx.len + 5, ".xml", UNPACK_MAX_OUT, collect, &s, &r), UNPACK_OK);
    expect_report(&s, &r);
    /* a comment length reaching past the end: no usable end record */
    q[e + 20] = 6;
    assert_int_equal(unpack_zip(q, fx.len + 5, ".xml", UNPACK_MAX_OUT, collect, &s, &r),
                     UNPACK_CORRUPT);
    free(q);
    unsigned char *junk = copy_plus((const unsigned char *)"PK\3\4 not really a zip", 22, NULL, 0);
    assert_int_equal(unpack_zip(junk, 22, NULL, UNPACK_MAX_OUT, NULL, NULL, &r), UNPACK_CORRUPT);
    free(junk);
    free(s.buf);
    free(fx.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_gzip_report),
        cmocka_unit_test(test_gzip_concatenated),
        cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_gzip_every_prefix_is_corrupt),
        cmocka_unit_test(test_gzip_bad_trailer),
        cmocka_unit_test(test_gzip_callback_stops),
        cmocka_unit_test(test_zip_deflate_and_stored),
        cmocka_unit_test(test_zip_second_member),
        cmocka_unit_test(test_zip_refused),
        cmocka_unit_test(test_zip_data_descriptor),
        cmocka_unit_test(test_zip_bomb),
        cmocka_unit_test(test_zip_bad_crc_and_size),
        cmocka_unit_test(test_zip_damaged),
        cmocka_unit_test(test_zip_prepended_and_comment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
