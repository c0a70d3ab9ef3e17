/* Unit tests for logs/logread: complete lines only (a partial last line
 * waits), CR before LF removed, offsets, the resume point, and the line
 * ceiling. Expected offsets are counted by hand from the literal inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "logs/logfmt.h"
#include "logs/logread.h"

static void lines_and_offsets(void **state)
{
    (void)state;
    static const char in[] = "one\r\ntwo\n\nthree-partial";
    struct reader *r = reader_open_mem(in, sizeof in - 1);
    struct logread *lr = logread_open(r, 0);
    const char *p;
    size_t len;
    uint64_t off;
    bool cut;
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "one", 3);
    assert_int_equal(off, 0);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_memory_equal(p, "two", 3);
    assert_int_equal(off, 5);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_int_equal(len, 0);
    assert_int_equal(off, 9);
    assert_false(cut);
    /* "three-partial" has no line end yet: not returned, done stays before it */
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 0);
    assert_int_equal(logread_done(lr), 10);
    logread_close(lr);
    reader_close(r);
}

static void resume_from_offset(void **state)
{
    (void)state;
    static const char in[] = "aaa\nbbb\nccc\n";
    struct reader *r = reader_open_mem(in, sizeof in - 1);
    assert_int_equal(reader_skip(r, 4), 0);
    struct logread *lr = logread_open(r, 4);
    const char *p;
    size_t len;
    uint64_t off;
    bool cut;
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_memory_equal(p, "bbb", 3);
    assert_int_equal(off, 4);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_int_equal(off, 8);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 0);
    assert_int_equal(logread_done(lr), 12);
    logread_close(lr);
    reader_close(r);
}

static void long_line_is_cut(void **state)
{
    (void)state;
    size_t big = (size_t)LOG_MAX_LINE * 5 + 17;
    char *in = malloc(big + 8);
    memset(in, 'x', big);
    memcpy(in + big, "\nok\n", 4);
    struct reader *r = reader_open_mem(in, big + 4);
    struct logread *lr = logread_open(r, 0);
    const char *p;
    size_t len;
    uint64_t off;
    bool cut;
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_true(cut);
    assert_int_equal(len, LOG_MAX_LINE);
    assert_int_equal(off, 0);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 1);
    assert_false(cut);
    assert_int_equal(len, 2);
    assert_memory_equal(p, "ok", 2);
    assert_int_equal(off, big + 1);
    assert_int_equal(logread_next(lr, &p, &len, &off, &cut), 0);
    assert_int_equal(logread_done(lr), big + 4);
    logread_close(lr);
    reader_close(r);
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lines_and_offsets),
        cmocka_unit_test(resume_from_offset),
        cmocka_unit_test(long_line_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
