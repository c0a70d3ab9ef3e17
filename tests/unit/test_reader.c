/* Unit tests for util/reader: plain and gzip files read the same bytes,
 * concatenated gzip members, a truncated or corrupt gzip stream is an
 * error (after the bytes that could be read), slurp's ceiling. The gzip
 * files are written with zlib's own gzwrite, an independent encoder. */
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

#include "util/reader.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/mailaudit-test-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "%s", dir);
    /* remove the few files we made */
    const char *names[] = {"plain", "one.gz", "two.gz", "trunc.gz", "corrupt.gz",
                           "big",   "huge",   "empty",  "byte",     "big.gz"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[128];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(cmd);
    return 0;
}

static void write_file(const char *name, const void *p, size_t n)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void write_gz(const char *name, const char *mode, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    gzFile g = gzopen(path, mode);
    assert_non_null(g);
    assert_int_equal(gzwrite(g, text, (unsigned)strlen(text)), (int)strlen(text));
    gzclose(g);
}

static char *read_all(const char *name, long *status)
{
    char path[128], err[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct reader *r = reader_open(path, err, sizeof err);
    assert_non_null(r);
    static char out[1 << 16];
    size_t len = 0;
    long n;
    while ((n = reader_read(r, out + len, 7)) > 0) /* small reads on purpose */
        len += (size_t)n;
    out[len] = '\0';
    *status = n;
    assert_int_equal(reader_offset(r), len);
    reader_close(r);
    return out;
}

static void plain_and_gzip(void **state)
{
    (void)state;
    const char *text = "From: a@example.com\nSubject: hi\n\nbody line\n";
    write_file("plain", text, strlen(text));
    write_gz("one.gz", "wb", text);
    long st;
    assert_string_equal(read_all("plain", &st), text);
    assert_int_equal(st, 0);
    assert_string_equal(read_all("one.gz", &st), text);
    assert_int_equal(st, 0);
}

static void concatenated_members(void **state)
{
    (void)state;
    write_gz("two.gz", "wb", "first part,");
    write_gz("two.gz", "ab", " second part");
    long st;
    assert_string_equal(read_all("two.gz", &st), "first part, second part");
    assert_int_equal(st, 0);
}

static void truncated_and_corrupt(void **state)
{
    (void)state;
    char big[20000];
    for (size_t i = 0; i < sizeof big - 1; i++)
        big[i] = (char)('a' + (i * 7919) % 26);
    big[sizeof big - 1] = '\0';
    write_gz("one.gz", "wb", big);
    char path[128];
    snprintf(path, sizeof path, "%s/one.gz", dir);
    FILE *f = fopen(path, "rb");
    static unsigned char gz[65536];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    assert_true(n > 100);
    write_file("trunc.gz", gz, n / 2);
    long st;
    char *got = read_all("trunc.gz", &st);
    assert_int_equal(st, -1);                   /* an error is reported */
    assert_memory_equal(got, big, strlen(got)); /* after the bytes that could be read */
    gz[n / 2] ^= 0xff;
    gz[n / 2 + 1] ^= 0x55;
    write_file("corrupt.gz", gz, n);
    got = read_all("corrupt.gz", &st);
    assert_int_equal(st, -1);
}

static void slurp_ceiling(void **state)
{
    (void)state;
    char data[1000];
    memset(data, 'x', sizeof data);
    write_file("big", data, sizeof data);
    char path[128], err[160];
    snprintf(path, sizeof path, "%s/big", dir);
    struct buf b;
    buf_init(&b, 0);
    bool trunc;
    assert_int_equal(reader_slurp(path, 100, &b, &trunc, err, sizeof err), 0);
    assert_int_equal(b.len, 100);
    assert_true(trunc);
    assert_int_equal(reader_slurp(path, 1000, &b, &trunc, err, sizeof err), 0);
    assert_int_equal(b.len, 1000);
    assert_false(trunc);
    snprintf(path, sizeof path, "%s/does-not-exist", dir);
    assert_int_equal(reader_slurp(path, 100, &b, &trunc, err, sizeof err), -1);
    assert_non_null(strstr(err, "No such file"));
    buf_free(&b);
}

/* reader_slurp reads a plain file straight into its buffer and hands a
 * gzip one to a reader: both past the first 64 KB block, at and around the
 * ceiling, the smallest files (whose end the first read already finds), a
 * gzip file's ceiling counted in uncompressed bytes, errors. */
static void slurp_paths(void **state)
{
    (void)state;
    static char huge[150001];
    for (size_t i = 0; i < sizeof huge - 1; i++)
        huge[i] = (char)('a' + (i * 7919) % 26);
    write_file("huge", huge, sizeof huge - 1);
    write_file("empty", "", 0);
    write_file("byte", "\x1f", 1);
    write_gz("big.gz", "wb", huge);
    char path[128], err[160];
    struct buf b;
    buf_init(&b, 0);
    bool trunc;
    static const struct {
        const char *name;
        size_t max, len;
        bool trunc;
    } cases[] = {
        {"huge", 1u << 20, 150000, false},
        {"huge", 150000, 150000, false},
        {"huge", 149999, 149999, true},
        {"huge", 65536, 65536, true},
        {"huge", 65537, 65537, true},
        {"huge", 10, 10, true},
        {"big.gz", 1u << 20, 150000, false},
        {"big.gz", 150000, 150000, false},
        {"big.gz", 70000, 70000, true},
        {"empty", 100, 0, false},
        {"byte", 100, 1, false},
        {"byte", 1, 1, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, cases[i].name);
        trunc = !cases[i].trunc;
        assert_int_equal(reader_slurp(path, cases[i].max, &b, &trunc, err, sizeof err), 0);
        assert_int_equal(b.len, cases[i].len);
        assert_int_equal(trunc, cases[i].trunc);
        assert_memory_equal(b.p, cases[i].name[0] == 'b' && cases[i].name[1] == 'y' ? "\x1f" : huge,
                            b.len);
    }
    /* a directory opens but cannot be read */
    assert_int_equal(reader_slurp(dir, 100, &b, &trunc, err, sizeof err), -1);
    assert_non_null(strstr(err, "read error"));
    /* a truncated gzip file is an error through slurp too */
    snprintf(path, sizeof path, "%s/big.gz", dir);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static unsigned char gz[1 << 17];
    size_t n = fread(gz, 1, sizeof gz, f);
    fclose(f);
    write_file("big.gz", gz, n / 2);
    assert_int_equal(reader_slurp(path, 1u << 20, &b, &trunc, err, sizeof err), -1);
    assert_non_null(strstr(err, "truncated"));
    buf_free(&b);
}

static void memory_reader(void **state)
{
    (void)state;
    struct reader *r = reader_open_mem("\x1f", 1); /* one byte: not gzip */
    char c[4];
    assert_int_equal(reader_read(r, c, 4), 1);
    assert_int_equal(reader_read(r, c, 4), 0);
    assert_false(reader_is_gzip(r));
    reader_close(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plain_and_gzip),        cmocka_unit_test(concatenated_members),
        cmocka_unit_test(truncated_and_corrupt), cmocka_unit_test(slurp_ceiling),
        cmocka_unit_test(slurp_paths),           cmocka_unit_test(memory_reader),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
