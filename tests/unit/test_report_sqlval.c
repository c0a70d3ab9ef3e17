/* Unit tests for report/sqlval.c's sqlval_hash_bytes: the same bytes hash
 * the same wherever they lie; every byte counts (the tail of a key is read
 * by overlapping loads: a byte left out would make keys differing in it
 * collide); each key lies at the very end of a buffer of its own size, so
 * that a load past the end shows under make check-asan. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "report/sqlval.h"

#define MAX_LEN 40

static void same_bytes_same_hash(void **state)
{
    (void)state;
    unsigned char src[MAX_LEN];
    for (size_t i = 0; i < MAX_LEN; i++)
        src[i] = (unsigned char)(i * 37 + 11);
    for (size_t n = 0; n <= MAX_LEN; n++) {
        unsigned char *a = malloc(n ? n : 1), *b = malloc(n + 3);
        assert_non_null(a);
        assert_non_null(b);
        memcpy(a, src, n);
        memcpy(b + 3, src, n); /* (another alignment) */
        assert_true(sqlval_hash_bytes(SQLVAL_HASH_SEED, a, n) ==
                    sqlval_hash_bytes(SQLVAL_HASH_SEED, b + 3, n));
        free(a);
        free(b);
    }
}

static void every_byte_counts(void **state)
{
    (void)state;
    for (size_t n = 1; n <= MAX_LEN; n++) {
        unsigned char *a = malloc(n);
        assert_non_null(a);
        memset(a, 'a', n);
        uint64_t h = sqlval_hash_bytes(SQLVAL_HASH_SEED, a, n);
        for (size_t i = 0; i < n; i++) {
            a[i] = 'b';
            assert_true(sqlval_hash_bytes(SQLVAL_HASH_SEED, a, n) != h);
            a[i] = 'a';
        }
        /* and the length: n bytes of 'a' and n - 1 */
        assert_true(sqlval_hash_bytes(SQLVAL_HASH_SEED, a, n - 1) != h);
        free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_bytes_same_hash),
        cmocka_unit_test(every_byte_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
