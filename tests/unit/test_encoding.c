/* Unit tests for mail/encoding.c. Expected values of well-formed inputs were
 * checked with Python's base64/binascii.a2b_qp; the tolerant cases (where
 * Python refuses or differs, e.g. data after padding or blanks after a soft
 * break '=') were worked out by hand from RFC 2045 and the decisions in the
 * header comment of encoding.c. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mail/encoding.h"

#define NONE (-1)

struct case_ {
    const char *in;
    size_t in_len; /* 0: strlen */
    const char *want;
    size_t want_len;  /* 0: strlen */
    int anom1, anom2; /* expected anomalies (NONE = no more) */
};

static void check_anoms(const struct anomalies *an, int a1, int a2, const char *in)
{
    size_t want = (a1 != NONE) + (a2 != NONE);
    if (an->n != want) {
        for (size_t i = 0; i < an->n; i++)
            print_error("  got anomaly %s\n", anom_name(an->v[i].code));
        fail_msg("input \"%s\": %zu anomalies, want %zu", in, an->n, want);
    }
    if (a1 != NONE) assert_true(anom_has(an, (enum anom_code)a1));
    if (a2 != NONE) assert_true(anom_has(an, (enum anom_code)a2));
}

static void run_cases(const struct case_ *c, size_t n, int mode)
{
    for (size_t i = 0; i < n; i++) {
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        size_t in_len = c[i].in_len ? c[i].in_len : strlen(c[i].in);
        size_t want_len = c[i].want_len ? c[i].want_len : strlen(c[i].want);
        size_t out_len = 12345;
        unsigned char *out;
        if (mode == 0)
            out = enc_base64_decode(a, c[i].in, in_len, &out_len, &an);
        else
            out = enc_qp_decode(a, c[i].in, in_len, &out_len, mode == 2, &an);
        if (out_len != want_len || memcmp(out, c[i].want, want_len) != 0)
            fail_msg("case %zu \"%s\": got \"%.*s\" (%zu bytes)", i, c[i].in, (int)out_len,
                     (const char *)out, out_len);
        assert_int_equal(out[out_len], 0); /* NUL-terminated */
        check_anoms(&an, c[i].anom1, c[i].anom2, c[i].in);
        arena_free(a);
    }
}

static void test_base64_table(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"SGVsbG8sIHdvcmxkIQ==", 0, "Hello, world!", 0, NONE, NONE},
        {"", 0, "", 0, NONE, NONE},
        {"SGVs\r\nbG8s\r\n IHdv cmxk\tIQ==\r\n", 0, "Hello, world!", 0, NONE, NONE},
        {"SGVsbG8=", 0, "Hello", 0, NONE, NONE},
        {"SGVs*bG8=", 0, "Hello", 0, ANOM_B64_GARBAGE, NONE},
        {"S!G@V#s$b%G^8&=", 0, "Hello", 0, ANOM_B64_GARBAGE, NONE},
        {"SGVs\xff\xfe"
         "bG8=",
         0, "Hello", 0, ANOM_B64_GARBAGE, NONE},
        /* URL-safe alphabet is not MIME base64: '-' and '_' are garbage */
        {"-_-_SGk=", 0, "Hi", 0, ANOM_B64_GARBAGE, NONE},
        /* truncated final quantum: 3 chars -> 2 bytes, 2 -> 1, 1 -> none */
        {"SGVsbG8", 0, "Hello", 0, ANOM_B64_TRUNCATED, NONE},
        {"SGVsbA", 0, "Hell", 0, ANOM_B64_TRUNCATED, NONE},
        {"SGVsb", 0, "Hel", 0, ANOM_B64_TRUNCATED, NONE},
        {"SGVsb\r\n", 0, "Hel", 0, ANOM_B64_TRUNCATED, NONE},
        {"QQ=", 0, "A", 0, ANOM_B64_TRUNCATED, NONE},
        {"QQ=\r\n", 0, "A", 0, ANOM_B64_TRUNCATED, NONE},
        {"Q=", 0, "", 0, ANOM_B64_TRUNCATED, NONE},
        {"QQ===", 0, "A", 0, NONE, NONE},
        /* data after padding: concatenated encodings */
        {"SGk=SGk=", 0, "HiHi", 0, NONE, NONE},
        {"QQ==QUI=", 0, "AAB", 0, NONE, NONE},
        {"QQ==\r\nQUJD", 0, "AABC", 0, NONE, NONE},
        {"QQ==QUJ", 0, "AAB", 0, ANOM_B64_TRUNCATED, NONE},
        /* line breaks and blanks between and inside quanta (the fast path
         * skips runs of them and must resume mid-quantum correctly) */
        {"SGVs \r\n\t bG8=", 0, "Hello", 0, NONE, NONE},
        {"SG\r\nVsbG8=", 0, "Hello", 0, NONE, NONE},
        {"SGV\r\n\r\nsbG8=\r\n\r\n", 0, "Hello", 0, NONE, NONE},
        {"\r\n\r\nSGVsbG8=", 0, "Hello", 0, NONE, NONE},
        /* whitespace does not end a padding run; a decoded quantum does */
        {"QQ==\r\n\r\n=", 0, "A", 0, NONE, NONE},
        {"QQ==QUJD=", 0, "AABC", 0, ANOM_B64_GARBAGE, NONE},
        {"QUJD\r\n=QUJD", 0, "ABCABC", 0, ANOM_B64_GARBAGE, NONE},
        /* a bad byte inside an otherwise whole quantum */
        {"QU*JDQUJD", 0, "ABCABC", 0, ANOM_B64_GARBAGE, NONE},
        /* stray padding */
        {"====", 0, "", 0, ANOM_B64_GARBAGE, NONE},
        {"=QUJD", 0, "ABC", 0, ANOM_B64_GARBAGE, NONE},
        /* both at once, each recorded once */
        {"*SG*Vs*bG8", 0, "Hello", 0, ANOM_B64_GARBAGE, ANOM_B64_TRUNCATED},
        /* NUL byte in input is garbage, decoding goes on */
        {"SGVs\0bG8=", 9, "Hello", 0, ANOM_B64_GARBAGE, NONE},
        /* every byte value (python: base64.b64encode(bytes(range(256)))) */
        {"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+"
         "P0BBQkNERUZHSElKS0xNTk9QUVJTVFVWV1hZWltcXV5fYGFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6e3x9"
         "fn+AgYKDhIWGh4iJiouMjY6PkJGSk5SVlpeYmZqbnJ2en6ChoqOkpaanqKmqq6ytrq+wsbKztLW2t7i5uru8"
         "vb6/wMHCw8TFxsfIycrLzM3Oz9DR0tPU1dbX2Nna29zd3t/g4eLj5OXm5+jp6uvs7e7v8PHy8/T19vf4+fr7"
         "/P3+/w==",
         0, NULL, 256, NONE, NONE},
    };
    size_t n = sizeof cases / sizeof cases[0];
    /* the last case wants bytes 0..255 */
    static char all[256];
    for (int i = 0; i < 256; i++)
        all[i] = (char)i;
    struct case_ copy[sizeof cases / sizeof cases[0]];
    memcpy(copy, cases, sizeof cases);
    copy[n - 1].want = all;
    run_cases(copy, n, 0);
}

static void test_base64_anomaly_once(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t n;
    enc_base64_decode(a, "S*G*V*s", 7, &n, &an);
    enc_base64_decode(a, "**", 2, &n, &an); /* a second part with garbage: still once */
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_B64_GARBAGE);
    /* NULL anomaly set is allowed */
    unsigned char *o = enc_base64_decode(a, "*QUJD", 5, &n, NULL);
    assert_int_equal(n, 3);
    assert_memory_equal(o, "ABC", 3);
    arena_free(a);
}

/* A long wrapped body: the fast path and the slow path must agree. */
static void test_base64_long(void **state)
{
    (void)state;
    arena *a = arena_new();
    /* 57 bytes per line -> 76 chars; 1000 lines of "0123456789..." pattern. */
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t nbytes = 57 * 1000;
    unsigned char *raw = arena_alloc(a, nbytes);
    for (size_t i = 0; i < nbytes; i++)
        raw[i] = (unsigned char)(i * 7 + 3);
    char *enc = arena_alloc(a, nbytes / 3 * 4 + 2 * 1000 + 1);
    size_t e = 0;
    for (size_t i = 0; i < nbytes; i += 3) {
        uint32_t w = (uint32_t)raw[i] << 16 | (uint32_t)raw[i + 1] << 8 | raw[i + 2];
        enc[e++] = b64[w >> 18 & 63];
        enc[e++] = b64[w >> 12 & 63];
        enc[e++] = b64[w >> 6 & 63];
        enc[e++] = b64[w & 63];
        if ((i / 3 + 1) % 19 == 0) {
            enc[e++] = '\r';
            enc[e++] = '\n';
        }
    }
    struct anomalies an;
    anom_init(&an, a);
    size_t n;
    unsigned char *out = enc_base64_decode(a, enc, e, &n, &an);
    assert_int_equal(n, nbytes);
    assert_memory_equal(out, raw, nbytes);
    assert_int_equal(an.n, 0);
    arena_free(a);
}

static void test_qp_table(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"Caf=C3=A9", 0, "Caf\xc3\xa9", 0, NONE, NONE},
        {"caf=c3=a9", 0, "caf\xc3\xa9", 0, NONE, NONE},
        {"", 0, "", 0, NONE, NONE},
        {"plain text, no escapes", 0, "plain text, no escapes", 0, NONE, NONE},
        {"abc=\r\ndef", 0, "abcdef", 0, NONE, NONE},
        {"abc=\ndef", 0, "abcdef", 0, NONE, NONE},
        {"abc=\rdef", 0, "abcdef", 0, NONE, NONE},
        /* blanks added by transport after the soft break '=' (RFC 2045 6.7) */
        {"abc=  \r\ndef", 0, "abcdef", 0, NONE, NONE},
        {"abc= \t\ndef", 0, "abcdef", 0, NONE, NONE},
        /* trailing blanks of a hard line are deleted; line ends kept */
        {"abc   \r\ndef", 0, "abc\r\ndef", 0, NONE, NONE},
        {"x\t \ny \t", 0, "x\ny", 0, NONE, NONE},
        {"a b\tc", 0, "a b\tc", 0, NONE, NONE},
        {"line=20\r\n", 0, "line \r\n", 0, NONE, NONE},
        {"abc=", 0, "abc", 0, NONE, NONE},
        {"abc=  ", 0, "abc", 0, NONE, NONE},
        {"=\r\n=\n", 0, "", 0, NONE, NONE},
        /* malformed escapes stay literally */
        {"a=ZZb", 0, "a=ZZb", 0, ANOM_QP_BAD_ESCAPE, NONE},
        {"a=4", 0, "a=4", 0, ANOM_QP_BAD_ESCAPE, NONE},
        {"a = b", 0, "a = b", 0, ANOM_QP_BAD_ESCAPE, NONE},
        {"==41", 0, "=A", 0, ANOM_QP_BAD_ESCAPE, NONE},
        {"100%=G0 and =4x", 0, "100%=G0 and =4x", 0, ANOM_QP_BAD_ESCAPE, NONE},
        {"a=00b", 5, "a\0b", 3, NONE, NONE},
        /* '_' is only special in header mode */
        {"snake_case", 0, "snake_case", 0, NONE, NONE},
        /* 8-bit bytes pass through */
        {"\xe9t\xe9", 0, "\xe9t\xe9", 0, NONE, NONE},
    };
    run_cases(cases, sizeof cases / sizeof cases[0], 1);
}

static void test_qp_header(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"Caf=C3=A9_au_lait", 0, "Caf\xc3\xa9 au lait", 0, NONE, NONE},
        {"a=5Fb", 0, "a_b", 0, NONE, NONE},
        {"trail  ", 0, "trail  ", 0, NONE, NONE},
        {"=3D=3d", 0, "==", 0, NONE, NONE},
        {"bad=Q", 0, "bad=Q", 0, ANOM_QP_BAD_ESCAPE, NONE},
    };
    run_cases(cases, sizeof cases / sizeof cases[0], 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_table), cmocka_unit_test(test_base64_anomaly_once),
        cmocka_unit_test(test_base64_long),  cmocka_unit_test(test_qp_table),
        cmocka_unit_test(test_qp_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
