/* Unit tests for auth/dkim_parse.c. Expected values worked out by hand from
 * the input bytes (offsets counted character by character, base64 decoded
 * by hand six bits at a time). The realistic signature and key records are
 * those of RFC 8463 Appendix A; the canonicalisation examples are RFC 6376
 * §3.4.5's. Inputs are exact-size heap copies so ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_parse.h"

#define S(lit) lit, sizeof(lit) - 1
#define SIG_PREFIX "DKIM-Signature:"
#define SIG_PREFIX_LEN 15
/* a signature with every required tag and nothing odd; bh= and b= "AAAA" are
 * three zero bytes each */
#define BASE "v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To; bh=AAAA; b=AAAA"

static char *heap_copy(const char *p, size_t len)
{
    char *q = malloc(len ? len : 1);
    memcpy(q, p, len);
    return q;
}

/* Parses "DKIM-Signature:" + value; *raw is the heap copy (free it). */
static enum dkim_sig_error sig_parse_n(arena *a, const char *value, size_t len, struct dkim_sig *s,
                                       char **raw, size_t *raw_len)
{
    *raw_len = SIG_PREFIX_LEN + len;
    *raw = malloc(*raw_len);
    memcpy(*raw, SIG_PREFIX, SIG_PREFIX_LEN);
    memcpy(*raw + SIG_PREFIX_LEN, value, len);
    return dkim_sig_parse(a, *raw, *raw_len, SIG_PREFIX_LEN, s);
}

static enum dkim_sig_error sig_parse(arena *a, const char *value, struct dkim_sig *s)
{
    char *raw;
    size_t n;
    enum dkim_sig_error e = sig_parse_n(a, value, strlen(value), s, &raw, &n);
    free(raw); /* only fields copied into the arena may be read after this */
    return e;
}

static void expect_slice(struct slice s, const char *want)
{
    assert_int_equal(s.len, strlen(want));
    assert_memory_equal(s.p, want, s.len);
}

/* ---- tag-lists ---- */

static void test_taglist_fws_everywhere(void **state)
{
    (void)state;
    arena *a = arena_new();
    const char in[] = " \r\n\ta \t=\r\n 1 ;\r\n\tbc_1=\t x \r\n y \t;\t\r\n ";
    char *buf = heap_copy(in, sizeof in - 1);
    struct dkim_tag *t;
    size_t n;
    const char *bad = "unset";
    assert_int_equal(dkim_taglist_parse(a, buf, sizeof in - 1, &t, &n, &bad), 0);
    assert_null(bad);
    assert_int_equal(n, 2);
    expect_slice(t[0].name, "a");
    expect_slice(t[0].value, "1");
    expect_slice(t[1].name, "bc_1");
    expect_slice(t[1].value, "x \r\n y"); /* inner FWS kept as written */
    free(buf);
    arena_free(a);
}

struct tlcase {
    const char *in;
    size_t len;
    int rc;
    size_t n;
    const char *bad; /* expected *bad when rc is -1 */
    const char *v0;  /* expected value of the first tag, if any */
};

static const struct tlcase tlcases[] = {
    {S(""), 0, 0, NULL, NULL},
    {S(" \r\n "), 0, 0, NULL, NULL},
    {S("a=1;"), 0, 1, NULL, "1"},
    {S("a=1; "), 0, 1, NULL, "1"},
    {S("a="), 0, 1, NULL, ""},
    {S("a= ;b=2"), 0, 2, NULL, ""},
    {S("a=1;a=2"), -1, 1, "a", "1"},
    {S("a=1; b=2; a=3"), -1, 2, "a", "1"},
    {S("A=1; a=2"), 0, 2, NULL, "1"}, /* names are case-sensitive */
    {S("1a=2"), -1, 0, "1a", NULL},
    {S("a-b=1"), -1, 0, "a-b", NULL},
    {S("_a=1"), -1, 0, "_a", NULL},
    {S("a=1; b"), -1, 1, "b", "1"},
    {S("a=1; b;"), -1, 1, "b", "1"},
    {S("a=1; b c=2"), -1, 1, "b", "1"},
    {S("=1"), -1, 0, "", NULL},
    {S("a=1;;b=2"), -1, 1, "", "1"},
    {S(";a=1"), -1, 0, "", NULL},
    {S("a=x\0y"), -1, 0, "a", NULL},
    {S("a=\x01"), -1, 0, "a", NULL},
    {S("a=\x7f"), -1, 0, "a", NULL},
    {S("a=caf\xc3\xa9=; b=\xff"), 0, 2, NULL, "caf\xc3\xa9="},
    {S("v=1; bh=x; b=y"), 0, 3, NULL, "1"},
    {S("a\xc3\xa9=1"), -1, 0, "a\xc3\xa9", NULL},
};

static void test_taglist_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof tlcases / sizeof tlcases[0]; i++) {
        const struct tlcase *c = &tlcases[i];
        print_message("case %zu\n", i);
        arena *a = arena_new();
        char *buf = heap_copy(c->in, c->len);
        struct dkim_tag *t;
        size_t n;
        const char *bad;
        assert_int_equal(dkim_taglist_parse(a, buf, c->len, &t, &n, &bad), c->rc);
        assert_int_equal(n, c->n);
        if (c->rc == 0)
            assert_null(bad);
        else
            assert_string_equal(bad, c->bad);
        if (c->v0) expect_slice(t[0].value, c->v0);
        free(buf);
        arena_free(a);
    }
}

static void test_taglist_names_are_exact(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_tag *t;
    size_t n;
    const char *bad;
    const char in[] = "v=1; bh=x; b=y";
    assert_int_equal(dkim_taglist_parse(a, S(in), &t, &n, &bad), 0);
    assert_int_equal(n, 3);
    expect_slice(t[1].name, "bh");
    expect_slice(t[1].value, "x");
    expect_slice(t[2].name, "b");
    expect_slice(t[2].value, "y");
    arena_free(a);
}

static void test_taglist_ceiling(void **state)
{
    (void)state;
    for (int extra = 0; extra <= 1; extra++) {
        size_t ntags = DKIM_MAX_TAGS + (size_t)extra;
        char *buf = malloc(ntags * 8);
        size_t len = 0;
        for (size_t i = 0; i < ntags; i++)
            len += (size_t)sprintf(buf + len, "t%zu=1;", i);
        arena *a = arena_new();
        struct dkim_tag *t;
        size_t n;
        const char *bad;
        int rc = dkim_taglist_parse(a, buf, len, &t, &n, &bad);
        assert_int_equal(n, DKIM_MAX_TAGS);
        if (extra) {
            assert_int_equal(rc, -1);
            assert_string_equal(bad, "t64");
        } else {
            assert_int_equal(rc, 0);
        }
        arena_free(a);
        free(buf);
    }
}

/* ---- base64 ---- */

struct b64case {
    const char *in;
    size_t max;
    bool ok;
    const char *out; /* expected bytes when ok */
    size_t out_len;
};

static const struct b64case b64cases[] = {
    {"AAEC", 16, true, "\x00\x01\x02", 3},
    {"AAE=", 16, true, "\x00\x01", 2},
    {"AA==", 16, true, "\x00", 1},
    {"", 16, true, "", 0},
    {" A A\r\n E\tC ", 16, true, "\x00\x01\x02", 3},
    {"AAEC\r\n\tAwQF", 16, true, "\x00\x01\x02\x03\x04\x05", 6},
    {"AA = = ", 16, true, "\x00", 1},
    {"/+9z", 16, true, "\xff\xef\x73", 3},
    {"AA", 16, false, NULL, 0},       /* unpadded */
    {"AAAAA", 16, false, NULL, 0},    /* a fifth character alone */
    {"A===", 16, false, NULL, 0},     /* three pads */
    {"AAA==", 16, false, NULL, 0},    /* too much padding for the quad */
    {"=", 16, false, NULL, 0},        /* padding alone */
    {"AA=A", 16, false, NULL, 0},     /* data after padding */
    {"AA==AAAA", 16, false, NULL, 0}, /* padding in the middle */
    {"AA*A", 16, false, NULL, 0},     /* outside the alphabet */
    {"-_AA", 16, false, NULL, 0},     /* base64url is not base64 */
    {"AA\0A", 16, false, NULL, 0},    /* strlen stops at the NUL: "AA" unpadded */
    {"AAECAwQF", 6, true, "\x00\x01\x02\x03\x04\x05", 6},
    {"AAECAwQF", 5, false, NULL, 0},
    {"AAA=", 2, true, "\x00\x00", 2},
    {"AAA=", 1, false, NULL, 0},
    {"AAAA", 0, false, NULL, 0},
};

static void test_b64(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof b64cases / sizeof b64cases[0]; i++) {
        const struct b64case *c = &b64cases[i];
        print_message("case %zu %s\n", i, c->in);
        arena *a = arena_new();
        size_t len = strlen(c->in);
        char *buf = heap_copy(c->in, len);
        size_t out_len = 99;
        unsigned char *out = dkim_b64_decode(a, buf, len, c->max, &out_len);
        if (c->ok) {
            assert_non_null(out);
            assert_int_equal(out_len, c->out_len);
            if (out_len) assert_memory_equal(out, c->out, out_len);
        } else {
            assert_null(out);
        }
        free(buf);
        arena_free(a);
    }
}

static void test_b64_nul_byte(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t n;
    assert_null(dkim_b64_decode(a, S("AA\0="), 16, &n));
    assert_non_null(dkim_b64_decode(a, S("AAE="), 16, &n));
    arena_free(a);
}

/* ---- DKIM-Signature: RFC 8463 Appendix A ---- */

/* The Ed25519 signature of RFC 8463 A.3, folded with CRLF + one SP. Offsets:
 * line 1 "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;" is 57
 * bytes + CRLF = 59; line 2 " d=football.example.com; i=@football.example.com;"
 * 49 + 2 → 110; line 3 " q=dns/txt; s=brisbane; t=1528637909; h=from : to :"
 * 51 + 2 → 163; line 4 " subject : date : message-id : from : subject : date;"
 * 53 + 2 → 218; line 5 " bh=" + 44 base64 + ";" 49 + 2 → 269; line 6 " b="
 * puts the b= value at 272; it is 56 base64 characters + CRLF + " " + 32
 * characters = 91 bytes, to the end of the field (363 bytes). */
static const char rfc8463_ed[] = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
                                 " d=football.example.com; i=@football.example.com;\r\n"
                                 " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
                                 " subject : date : message-id : from : subject : date;\r\n"
                                 " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                                 " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
                                 " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==";

static void test_sig_rfc8463(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t len = sizeof rfc8463_ed - 1;
    assert_int_equal(len, 363);
    char *raw = heap_copy(rfc8463_ed, len);
    struct dkim_sig s;
    assert_int_equal(dkim_sig_parse(a, raw, len, SIG_PREFIX_LEN, &s), DKIM_SIG_OK);
    assert_null(s.bad_tag);
    assert_string_equal(s.version, "1");
    assert_int_equal(s.alg, DKIM_ALG_ED25519_SHA256);
    assert_string_equal(s.alg_text, "ed25519-sha256");
    assert_int_equal(s.hcanon, DKIM_CANON_RELAXED);
    assert_int_equal(s.bcanon, DKIM_CANON_RELAXED);
    assert_string_equal(s.canon_text, "relaxed/relaxed");
    assert_string_equal(s.domain, "football.example.com");
    assert_string_equal(s.selector, "brisbane");
    assert_string_equal(s.auid, "@football.example.com");
    assert_string_equal(s.auid_domain, "football.example.com");
    assert_string_equal(s.q, "dns/txt");
    assert_true(s.has_t);
    assert_int_equal(s.t, 1528637909);
    assert_false(s.has_x);
    assert_false(s.has_l);
    static const char *const h[] = {"from",       "to",   "subject", "date",
                                    "message-id", "from", "subject", "date"};
    assert_int_equal(s.nh, 8);
    for (size_t i = 0; i < 8; i++)
        expect_slice(s.h[i], h[i]);
    assert_int_equal(s.bh_len, 32);
    /* "2jUS": 54 35 20 18 → 110110 100011 010100 010010 → da 35 12 */
    assert_memory_equal(s.bh, "\xda\x35\x12", 3);
    assert_int_equal(s.b_len, 64);
    /* "/gCr": 63 32 2 43 → 111111 100000 000010 101011 → fe 00 ab */
    assert_memory_equal(s.b, "\xfe\x00\xab", 3);
    /* "Dw==" ends it: 3 48 → 000011 110000 → 0f */
    assert_int_equal(s.b[63], 0x0f);
    assert_int_equal(s.b_off, 272);
    assert_int_equal(s.b_len_raw, 91);
    assert_memory_equal(raw + s.b_off, "/gCr", 4);
    assert_int_equal(s.b_off + s.b_len_raw, len);

    /* what the verifier hashes for the signature field itself */
    struct buf out;
    buf_init(&out, 0);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, raw, len, s.b_off, s.b_len_raw, true);
    assert_string_equal(buf_cstr(&out),
                        "dkim-signature:v=1; a=ed25519-sha256; c=relaxed/relaxed; "
                        "d=football.example.com; i=@football.example.com; q=dns/txt; "
                        "s=brisbane; t=1528637909; h=from : to : subject : date : "
                        "message-id : from : subject : date; "
                        "bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=");
    buf_reset(&out);
    dkim_canon_header(&out, DKIM_CANON_SIMPLE, raw, len, s.b_off, s.b_len_raw, true);
    assert_int_equal(out.len, 272);
    assert_memory_equal(out.p, raw, 272);
    buf_free(&out);
    free(raw);
    arena_free(a);
}

/* ---- every dkim_sig_error ---- */

struct sigcase {
    const char *value;
    enum dkim_sig_error err;
    const char *bad_tag;
};

static const struct sigcase sigcases[] = {
    {BASE, DKIM_SIG_OK, NULL},
    {BASE ";", DKIM_SIG_OK, NULL},
    {BASE "; zz=1; z=From:a|To:b; g=junk", DKIM_SIG_OK, NULL}, /* unknown tags ignored */
    /* SYNTAX: the list itself */
    {"v=1; a=rsa-sha256;; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, ""},
    {BASE "; d=example.com", DKIM_SIG_SYNTAX, "d"},
    {BASE "; 9=1", DKIM_SIG_SYNTAX, "9"},
    {BASE "; x", DKIM_SIG_SYNTAX, "x"},
    /* SYNTAX: a value */
    {BASE "; l=-1", DKIM_SIG_SYNTAX, "l"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=", DKIM_SIG_SYNTAX, "b"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=!!!!", DKIM_SIG_SYNTAX, "b"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAA; b=AAAA", DKIM_SIG_SYNTAX, "bh"},
    {"v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "d"},
    {"v=1; a=rsa-sha256; d=.example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "d"},
    {"v=1; a=rsa-sha256; d=example..com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "d"},
    {"v=1; a=rsa-sha256; d=.; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "d"},
    {"v=1; a=rsa-sha256; d=example.com; s=; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "s"},
    {"v=1; a=rsa-sha256; d=example.com; s=a/b; h=From; bh=AAAA; b=AAAA", DKIM_SIG_SYNTAX, "s"},
    {BASE "; i=no-at-sign.example.com", DKIM_SIG_SYNTAX, "i"},
    {BASE "; i=@", DKIM_SIG_SYNTAX, "i"},
    /* two bad values: the first in the order v a b bh c d h i l q s t x */
    {BASE "; x=soon; l=lots", DKIM_SIG_SYNTAX, "l"},
    /* MISSING_TAG, in the order v a b bh d h s */
    {"a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG, "v"},
    {"v=1; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG, "a"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA", DKIM_SIG_MISSING_TAG, "b"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; b=AAAA", DKIM_SIG_MISSING_TAG, "bh"},
    {"v=1; a=rsa-sha256; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG, "d"},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG, "h"},
    {"v=1; a=rsa-sha256; d=example.com; h=From; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG, "s"},
    {"V=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_MISSING_TAG,
     "v"}, /* tag names are case-sensitive */
    {"", DKIM_SIG_MISSING_TAG, "v"},
    /* missing beats a bad value */
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; l=-1", DKIM_SIG_MISSING_TAG, "b"},
    /* VERSION beats everything but the list's syntax */
    {"v=2; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_VERSION, NULL},
    {"v=2; d=example.com", DKIM_SIG_VERSION, NULL},
    {"v=01; a=rsa-sha256; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_VERSION, NULL},
    /* ALGORITHM */
    {"v=1; a=rsa-sha512; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_ALGORITHM, NULL},
    {"v=1; a=; d=example.com; s=sel; h=From; bh=AAAA; b=AAAA", DKIM_SIG_ALGORITHM, NULL},
    {"v=1; a=rsa-sha512; d=example.com; s=sel; h=To; bh=AAAA; b=AAAA", DKIM_SIG_ALGORITHM, NULL},
    /* CANON */
    {BASE "; c=fancy", DKIM_SIG_CANON, NULL},
    {BASE "; c=relaxed/", DKIM_SIG_CANON, NULL},
    {BASE "; c=relaxed/relaxed/relaxed", DKIM_SIG_CANON, NULL},
    {BASE "; c=nofws", DKIM_SIG_CANON, NULL},
    /* QUERY */
    {BASE "; q=dns", DKIM_SIG_QUERY, NULL},
    {BASE "; q=", DKIM_SIG_QUERY, NULL},
    {BASE "; q=http/well-known", DKIM_SIG_QUERY, NULL},
    {BASE "; q=x-other : DNS/TXT", DKIM_SIG_OK, NULL},
    /* NO_FROM */
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=To:Subject; bh=AAAA; b=AAAA", DKIM_SIG_NO_FROM,
     NULL},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=From-X:Sender; bh=AAAA; b=AAAA", DKIM_SIG_NO_FROM,
     NULL},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=to:FROM; bh=AAAA; b=AAAA", DKIM_SIG_OK, NULL},
    /* AUID */
    {BASE "; i=@example.org", DKIM_SIG_AUID, NULL},
    {BASE "; i=joe@notexample.com", DKIM_SIG_AUID, NULL},
    {BASE "; i=joe@com", DKIM_SIG_AUID, NULL},
    {BASE "; i=joe@mail.example.com", DKIM_SIG_OK, NULL},
    {BASE "; i=joe@EXAMPLE.COM.", DKIM_SIG_OK, NULL},
    /* EXPIRY_ORDER */
    {BASE "; t=10; x=9", DKIM_SIG_EXPIRY_ORDER, NULL},
    {BASE "; t=10; x=10", DKIM_SIG_OK, NULL},
    {BASE "; t=10; x=11", DKIM_SIG_OK, NULL},
    {BASE "; x=5", DKIM_SIG_OK, NULL},
    /* the order among semantic errors: CANON before QUERY before NO_FROM */
    {"v=1; a=rsa-sha256; c=x; q=y; d=example.com; s=sel; h=To; bh=AAAA; b=AAAA", DKIM_SIG_CANON,
     NULL},
    {"v=1; a=rsa-sha256; q=y; d=example.com; s=sel; h=To; bh=AAAA; b=AAAA", DKIM_SIG_QUERY, NULL},
    {"v=1; a=rsa-sha256; d=example.com; s=sel; h=To; bh=AAAA; b=AAAA; i=@x.org; t=2; x=1",
     DKIM_SIG_NO_FROM, NULL},
    {BASE "; i=@x.org; t=2; x=1", DKIM_SIG_AUID, NULL},
};

static void test_sig_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof sigcases / sizeof sigcases[0]; i++) {
        const struct sigcase *c = &sigcases[i];
        print_message("case %zu: %s\n", i, c->value);
        arena *a = arena_new();
        struct dkim_sig s;
        enum dkim_sig_error e = sig_parse(a, c->value, &s);
        if (e != c->err)
            print_message("got %s (%s)\n", dkim_sig_error_text(e), s.bad_tag ? s.bad_tag : "-");
        assert_int_equal(e, c->err);
        assert_int_equal(s.error, c->err);
        if (c->bad_tag)
            assert_string_equal(s.bad_tag, c->bad_tag);
        else
            assert_null(s.bad_tag);
        arena_free(a);
    }
}

static void test_sig_fields_kept_on_error(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_sig s;
    assert_int_equal(
        sig_parse(a, "v=1; a=RSA-SHA512 ; d=Example.COM.; s=Sel.Sub; h=From; bh=AAAA; b=AAAA", &s),
        DKIM_SIG_ALGORITHM);
    assert_int_equal(s.alg, DKIM_ALG_UNKNOWN);
    assert_string_equal(s.alg_text, "RSA-SHA512");
    assert_string_equal(s.domain, "example.com");
    assert_string_equal(s.selector, "sel.sub");
    assert_int_equal(s.b_len, 3);

    /* the list breaks after d= and s=: both are still reported */
    assert_int_equal(sig_parse(a, "v=1; d=Example.com; s=sel; ;", &s), DKIM_SIG_SYNTAX);
    assert_string_equal(s.bad_tag, "");
    assert_string_equal(s.domain, "example.com");
    assert_string_equal(s.selector, "sel");

    assert_int_equal(sig_parse(a, BASE "; c=Fancy/Simple", &s), DKIM_SIG_CANON);
    assert_string_equal(s.canon_text, "fancy/simple");

    assert_int_equal(sig_parse(a,
                               "v=1; a=rsa-sha1; d=example.com; s=sel; h=From; bh=AAAA; "
                               "b=AAAA",
                               &s),
                     DKIM_SIG_OK);
    assert_int_equal(s.alg, DKIM_ALG_RSA_SHA1);
    arena_free(a);
}

static void test_sig_defaults_and_canon(void **state)
{
    (void)state;
    static const struct {
        const char *c;
        enum dkim_canon h, b;
        const char *text;
    } t[] = {
        {NULL, DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE, "simple/simple"},
        {"relaxed", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE, "relaxed/simple"},
        {"simple", DKIM_CANON_SIMPLE, DKIM_CANON_SIMPLE, "simple/simple"},
        {"Simple/Relaxed", DKIM_CANON_SIMPLE, DKIM_CANON_RELAXED, "simple/relaxed"},
        {"relaxed/relaxed", DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, "relaxed/relaxed"},
        {" relaxed/simple\r\n ", DKIM_CANON_RELAXED, DKIM_CANON_SIMPLE, "relaxed/simple"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        arena *a = arena_new();
        char v[256];
        snprintf(v, sizeof v, "%s%s%s", BASE, t[i].c ? "; c=" : "", t[i].c ? t[i].c : "");
        struct dkim_sig s;
        assert_int_equal(sig_parse(a, v, &s), DKIM_SIG_OK);
        assert_int_equal(s.hcanon, t[i].h);
        assert_int_equal(s.bcanon, t[i].b);
        assert_string_equal(s.canon_text, t[i].text);
        assert_null(s.auid);
        assert_null(s.auid_domain);
        assert_null(s.q);
        assert_false(s.has_l);
        assert_false(s.has_t);
        assert_false(s.has_x);
        arena_free(a);
    }
}

/* ---- h= ---- */

static void test_sig_h(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_sig s;
    assert_int_equal(sig_parse(a,
                               "v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=AAAA; "
                               "h = From : from:\r\n\tTO :  subject\t:x-Y_z.1 ; ",
                               &s),
                     DKIM_SIG_OK);
    assert_int_equal(s.nh, 5);
    expect_slice(s.h[0], "From");
    expect_slice(s.h[1], "from");
    expect_slice(s.h[2], "TO");
    expect_slice(s.h[3], "subject");
    expect_slice(s.h[4], "x-Y_z.1");

    static const char *const bad[] = {
        "h=", "h=from::to", "h=from:", "h=:from", "h=fr om", "h=from: \r\n :to", "h=from:t\xc3\xa9",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char v[256];
        snprintf(v, sizeof v, "v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=AAAA; %s",
                 bad[i]);
        print_message("h case %s\n", bad[i]);
        assert_int_equal(sig_parse(a, v, &s), DKIM_SIG_SYNTAX);
        assert_string_equal(s.bad_tag, "h");
    }
    arena_free(a);
}

static void test_sig_h_ceiling(void **state)
{
    (void)state;
    for (int extra = 0; extra <= 1; extra++) {
        size_t names = DKIM_MAX_H + (size_t)extra;
        const char head[] = "v=1; a=rsa-sha256; d=example.com; s=sel; bh=AAAA; b=AAAA; h=from";
        size_t len = sizeof head - 1 + (names - 1) * 3;
        char *v = malloc(len + 1);
        memcpy(v, head, sizeof head - 1);
        for (size_t i = 1; i < names; i++)
            memcpy(v + sizeof head - 1 + (i - 1) * 3, ":to", 3);
        arena *a = arena_new();
        struct dkim_sig s;
        char *raw;
        size_t raw_len;
        enum dkim_sig_error e = sig_parse_n(a, v, len, &s, &raw, &raw_len);
        if (extra) {
            assert_int_equal(e, DKIM_SIG_SYNTAX);
            assert_string_equal(s.bad_tag, "h");
            assert_null(s.h);
        } else {
            assert_int_equal(e, DKIM_SIG_OK);
            assert_int_equal(s.nh, DKIM_MAX_H);
            expect_slice(s.h[DKIM_MAX_H - 1], "to");
        }
        free(raw);
        free(v);
        arena_free(a);
    }
}

/* ---- i= ---- */

static void test_sig_i(void **state)
{
    (void)state;
    static const struct {
        const char *i;
        enum dkim_sig_error err;
        const char *auid, *auid_domain;
    } t[] = {
        {"joe@example.com", DKIM_SIG_OK, "joe@example.com", "example.com"},
        {"@Mail.Example.COM", DKIM_SIG_OK, "@Mail.Example.COM", "mail.example.com"},
        {"j=6Fe@example.com", DKIM_SIG_OK, "joe@example.com", "example.com"},
        {"j=6fe@example.com", DKIM_SIG_OK, "joe@example.com", "example.com"},
        {"jo\r\n e @ sub . example.com", DKIM_SIG_OK, "joe@sub.example.com", "sub.example.com"},
        {"a=40b@Sub.Example.Com", DKIM_SIG_OK, "a@b@Sub.Example.Com", "sub.example.com"},
        {"x=3Dy@example.com", DKIM_SIG_OK, "x=y@example.com", "example.com"},
        {"joe=40example.com", DKIM_SIG_OK, "joe@example.com", "example.com"},
        {"joe@example.com.", DKIM_SIG_OK, "joe@example.com.", "example.com"},
        {"joe@sub.example.com=2E", DKIM_SIG_OK, "joe@sub.example.com.", "sub.example.com"},
        {"joe@ex=41mple.org", DKIM_SIG_AUID, "joe@exAmple.org", "example.org"},
        {"joe@badexample.com", DKIM_SIG_AUID, "joe@badexample.com", "badexample.com"},
        {"j=4@example.com", DKIM_SIG_SYNTAX, NULL, NULL},
        {"j=ZZ@example.com", DKIM_SIG_SYNTAX, NULL, NULL},
        {"j=00@example.com", DKIM_SIG_SYNTAX, NULL, NULL},
        {"joe@example.com=", DKIM_SIG_SYNTAX, NULL, NULL},
        {"joe@example.com=4", DKIM_SIG_SYNTAX, NULL, NULL},
        {"joe", DKIM_SIG_SYNTAX, "joe", NULL},
        {"joe@", DKIM_SIG_SYNTAX, "joe@", NULL},
        {"joe@a..b", DKIM_SIG_SYNTAX, "joe@a..b", NULL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        arena *a = arena_new();
        char v[256];
        snprintf(v, sizeof v, "%s; i=%s", BASE, t[i].i);
        print_message("i case %s\n", t[i].i);
        struct dkim_sig s;
        assert_int_equal(sig_parse(a, v, &s), t[i].err);
        if (t[i].err == DKIM_SIG_SYNTAX) assert_string_equal(s.bad_tag, "i");
        if (t[i].auid) assert_string_equal(s.auid, t[i].auid);
        if (t[i].auid_domain)
            assert_string_equal(s.auid_domain, t[i].auid_domain);
        else
            assert_null(s.auid_domain);
        arena_free(a);
    }
}

/* ---- l= t= x= ---- */

static void test_sig_numbers(void **state)
{
    (void)state;
    static const char d76[] = "9999999999999999999999999999999999999999"
                              "999999999999999999999999999999999999"; /* 76 nines */
    static const char d77[] = "9999999999999999999999999999999999999999"
                              "9999999999999999999999999999999999999"; /* 77 */
    assert_int_equal(strlen(d76), 76);
    assert_int_equal(strlen(d77), 77);
    static const struct {
        char tag;
        const char *v;
        bool ok;
        uint64_t want; /* l as is; t/x compared after the cast to int64_t */
    } t[] = {
        {'l', "0", true, 0},
        {'l', "1234", true, 1234},
        {'l', "007", true, 7},
        {'l', "18446744073709551615", true, UINT64_MAX},
        {'l', "18446744073709551616", true, UINT64_MAX},
        {'l', "99999999999999999999", true, UINT64_MAX},
        {'l', d76, true, UINT64_MAX},
        {'l', d77, false, 0},
        {'l', "-1", false, 0},
        {'l', "+1", false, 0},
        {'l', "", false, 0},
        {'l', "1 2", false, 0},
        {'l', "0x10", false, 0},
        {'t', "1528637909", true, 1528637909},
        {'t', "9223372036854775807", true, INT64_MAX},
        {'t', "9223372036854775808", true, INT64_MAX},
        {'t', d76, true, INT64_MAX},
        {'t', "-5", false, 0},
        {'t', "1e5", false, 0},
        {'x', "9223372036854775806", true, INT64_MAX - 1},
        {'x', "18446744073709551616", true, INT64_MAX},
        {'x', d77, false, 0},
        {'x', "soon", false, 0},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        arena *a = arena_new();
        char v[512];
        snprintf(v, sizeof v, "%s; %c= %s ", BASE, t[i].tag, t[i].v);
        print_message("%c=%s\n", t[i].tag, t[i].v);
        struct dkim_sig s;
        enum dkim_sig_error e = sig_parse(a, v, &s);
        if (!t[i].ok) {
            assert_int_equal(e, DKIM_SIG_SYNTAX);
            char want[2] = {t[i].tag, 0};
            assert_string_equal(s.bad_tag, want);
        } else {
            assert_int_equal(e, DKIM_SIG_OK);
        }
        switch (t[i].tag) {
        case 'l':
            assert_int_equal(s.has_l, t[i].ok);
            if (t[i].ok) assert_true(s.l == t[i].want);
            break;
        case 't':
            assert_int_equal(s.has_t, t[i].ok);
            if (t[i].ok) assert_true(s.t == (int64_t)t[i].want);
            break;
        default:
            assert_int_equal(s.has_x, t[i].ok);
            if (t[i].ok) assert_true(s.x == (int64_t)t[i].want);
        }
        arena_free(a);
    }
}

/* ---- b= with folding; "b" inside "bh" ---- */

static void test_sig_b_folded(void **state)
{
    (void)state;
    /* value offsets: " bh=AAAA;" is 0..8; then ' ' 9, 'b' 10, ' ' 11, '=' 12,
     * ' ' 13, CR 14, LF 15, HTAB 16, "AAEC" 17..20, CR 21, LF 22, ' ' 23,
     * "AwQF" 24..27, ' ' 28, ';' 29. The b= value is 13..28: raw offset
     * 15 + 13 = 28, 16 bytes. */
    const char v[] = " bh=AAAA; b = \r\n\tAAEC\r\n AwQF ; v=1; a=rsa-sha256; d=example.com; "
                     "s=sel; h=from";
    arena *a = arena_new();
    struct dkim_sig s;
    char *raw;
    size_t raw_len;
    assert_int_equal(sig_parse_n(a, v, sizeof v - 1, &s, &raw, &raw_len), DKIM_SIG_OK);
    assert_int_equal(s.b_off, 28);
    assert_int_equal(s.b_len_raw, 16);
    assert_int_equal(raw[s.b_off - 1], '=');
    assert_int_equal(raw[s.b_off + s.b_len_raw], ';');
    assert_int_equal(s.b_len, 6);
    assert_memory_equal(s.b, "\x00\x01\x02\x03\x04\x05", 6);
    assert_int_equal(s.bh_len, 3);
    assert_memory_equal(s.bh, "\x00\x00\x00", 3);

    struct buf out;
    buf_init(&out, 0);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, raw, raw_len, s.b_off, s.b_len_raw, true);
    assert_string_equal(buf_cstr(&out), "dkim-signature:bh=AAAA; b =; v=1; a=rsa-sha256; "
                                        "d=example.com; s=sel; h=from");
    buf_reset(&out);
    dkim_canon_header(&out, DKIM_CANON_SIMPLE, raw, raw_len, s.b_off, s.b_len_raw, false);
    assert_string_equal(buf_cstr(&out), "DKIM-Signature: bh=AAAA; b =; v=1; a=rsa-sha256; "
                                        "d=example.com; s=sel; h=from\r\n");
    buf_free(&out);
    free(raw);

    /* b= last: the range runs to the end of the field, trailing FWS included */
    const char v2[] = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=\n AAAA\n ";
    assert_int_equal(sig_parse_n(a, v2, sizeof v2 - 1, &s, &raw, &raw_len), DKIM_SIG_OK);
    /* "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=" is 60 bytes */
    assert_int_equal(s.b_off, 15 + 60);
    assert_int_equal(s.b_len_raw, 8);
    assert_int_equal(s.b_off + s.b_len_raw, raw_len);
    free(raw);

    /* no b= at all: no range */
    assert_int_equal(sig_parse(a, "v=1; bh=AAAA", &s), DKIM_SIG_MISSING_TAG);
    assert_int_equal(s.b_off, 0);
    assert_int_equal(s.b_len_raw, 0);
    arena_free(a);
}

static void test_sig_b_ceiling(void **state)
{
    (void)state;
    /* DKIM_MAX_B decoded bytes fit; three more do not */
    for (int extra = 0; extra <= 1; extra++) {
        size_t b64 = (DKIM_MAX_B + (size_t)extra * 3) / 3 * 4 + 4; /* + "AA==" */
        const char head[] = "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=AAAA; b=";
        size_t len = sizeof head - 1 + b64;
        char *v = malloc(len);
        memcpy(v, head, sizeof head - 1);
        memset(v + sizeof head - 1, 'A', b64 - 4);
        memcpy(v + len - 4, "AA==", 4);
        arena *a = arena_new();
        struct dkim_sig s;
        char *raw;
        size_t raw_len;
        /* DKIM_MAX_B = 16384 = 3 * 5461 + 1: 5461 quads and "AA==" */
        enum dkim_sig_error e = sig_parse_n(a, v, len, &s, &raw, &raw_len);
        if (extra) {
            assert_int_equal(e, DKIM_SIG_SYNTAX);
            assert_string_equal(s.bad_tag, "b");
            assert_null(s.b);
        } else {
            assert_int_equal(e, DKIM_SIG_OK);
            assert_int_equal(s.b_len, DKIM_MAX_B);
        }
        assert_int_equal(s.b_off + s.b_len_raw, raw_len);
        free(raw);
        free(v);
        arena_free(a);
    }
}

static void test_sig_value_off(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_sig s;
    /* value_off past the end is clamped: an empty value */
    assert_int_equal(dkim_sig_parse(a, S("DKIM-Signature:"), 99, &s), DKIM_SIG_MISSING_TAG);
    assert_string_equal(s.bad_tag, "v");
    /* a name with folding before the colon: the offset is what counts */
    const char raw[] = "DKIM-Signature \r\n : v=1; a=rsa-sha256; d=Example.com.; s=s; h=from; "
                       "bh=AAAA; b=AAAA";
    char *buf = heap_copy(raw, sizeof raw - 1);
    assert_int_equal(dkim_sig_parse(a, buf, sizeof raw - 1, 19, &s), DKIM_SIG_OK);
    assert_string_equal(s.domain, "example.com");
    assert_int_equal(s.b_off, sizeof raw - 1 - 4);
    free(buf);
    arena_free(a);
}

static void test_error_texts(void **state)
{
    (void)state;
    assert_string_equal(dkim_sig_error_text(DKIM_SIG_SYNTAX), "syntax error");
    assert_string_equal(dkim_sig_error_text(DKIM_SIG_NO_FROM), "From not signed");
    for (int e = DKIM_SIG_OK; e <= DKIM_SIG_EXPIRY_ORDER; e++)
        assert_true(strlen(dkim_sig_error_text((enum dkim_sig_error)e)) > 0);
    for (int e = DKIM_KEY_OK; e <= DKIM_KEY_BASE64; e++)
        assert_true(strlen(dkim_key_error_text((enum dkim_key_error)e)) > 0);
    assert_string_equal(dkim_key_error_text(DKIM_KEY_REVOKED), "key revoked");
}

/* ---- key records ---- */

#define RFC8463_RSA_P                                                                              \
    "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"   \
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBf" \
    "O2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static enum dkim_key_error key_parse(arena *a, const char *txt, struct dkim_key *k)
{
    size_t len = strlen(txt);
    char *buf = heap_copy(txt, len);
    enum dkim_key_error e = dkim_key_parse(a, buf, len, k);
    free(buf);
    return e;
}

static void test_key_rsa(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_key k;
    assert_int_equal(key_parse(a, "v=DKIM1; k=rsa; h=sha256; p=" RFC8463_RSA_P, &k), DKIM_KEY_OK);
    assert_string_equal(k.key_type, "rsa");
    assert_true(k.hash_listed);
    assert_int_equal(k.hashes, DKIM_HASH_SHA256);
    assert_true(k.service_email);
    assert_false(k.testing);
    assert_false(k.strict);
    assert_null(k.notes);
    assert_null(k.bad_tag);
    /* "MIGf" → 30 81 9f: a DER SEQUENCE of 0x9f = 159 bytes, 162 in all */
    assert_int_equal(k.p_len, 162);
    assert_memory_equal(k.p, "\x30\x81\x9f", 3);
    /* "AQAB" → 01 00 01, the usual exponent */
    assert_memory_equal(k.p + 159, "\x01\x00\x01", 3);

    /* defaults: no v=, no k=, no h= */
    assert_int_equal(key_parse(a, "p=AAAA", &k), DKIM_KEY_OK);
    assert_string_equal(k.key_type, "rsa");
    assert_false(k.hash_listed);
    assert_int_equal(k.hashes, DKIM_HASH_SHA1 | DKIM_HASH_SHA256);
    assert_true(k.service_email);
    arena_free(a);
}

static void test_key_ed25519(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_key k;
    assert_int_equal(
        key_parse(a, "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", &k),
        DKIM_KEY_OK);
    assert_string_equal(k.key_type, "ed25519");
    assert_int_equal(k.p_len, 32);
    /* "11qY": 53 53 42 24 → 110101 110101 101010 011000 → d7 5a 98 */
    assert_memory_equal(k.p, "\xd7\x5a\x98", 3);
    /* "URo=": 20 17 40 → 010100 010001 101000 → 51 1a */
    assert_memory_equal(k.p + 30, "\x51\x1a", 2);
    assert_int_equal(key_parse(a, "k=ED25519; p=AAAA", &k), DKIM_KEY_OK);
    assert_string_equal(k.key_type, "ed25519");
    arena_free(a);
}

struct keycase {
    const char *txt;
    enum dkim_key_error err;
    const char *bad_tag;
};

static const struct keycase keycases[] = {
    {"v=DKIM1; p=", DKIM_KEY_REVOKED, NULL},
    {"v=DKIM1; k=rsa; p= \t\r\n ", DKIM_KEY_REVOKED, NULL},
    {"p=;", DKIM_KEY_REVOKED, NULL},
    {"v=DKIM1; k=rsa", DKIM_KEY_NO_P, NULL},
    {"", DKIM_KEY_NO_P, NULL},
    {"v=DKIM1; k=dsa; p=AAAA", DKIM_KEY_TYPE, NULL},
    {"v=DKIM1; k=; p=AAAA", DKIM_KEY_TYPE, NULL},
    {"k=rsa; v=DKIM1; p=AAAA", DKIM_KEY_VERSION, NULL},
    {"v=DKIM2; p=AAAA", DKIM_KEY_VERSION, NULL},
    {"v=dkim1; p=AAAA", DKIM_KEY_VERSION, NULL},
    {"v=DKIM1; p=AAE", DKIM_KEY_BASE64, NULL},
    {"v=DKIM1; p=AA==AA==", DKIM_KEY_BASE64, NULL},
    {"v=DKIM1; p=this is not a key!", DKIM_KEY_BASE64, NULL},
    {"v=DKIM1; p=AAAA; p=AAAA", DKIM_KEY_SYNTAX, "p"},
    {"v=DKIM1; =x; p=AAAA", DKIM_KEY_SYNTAX, ""},
    {"v=DKIM1; p=AAAA\x01", DKIM_KEY_SYNTAX, "p"},
    {"<html>not a key</html>", DKIM_KEY_SYNTAX, "<html>not"},
    /* precedence: version, then type, then p= */
    {"k=rsa; v=DKIM1; k=dsa; p=", DKIM_KEY_SYNTAX, "k"},
    {"v=DKIM2; k=dsa", DKIM_KEY_VERSION, NULL},
    {"k=dsa", DKIM_KEY_TYPE, NULL},
    {"k=dsa; p=", DKIM_KEY_TYPE, NULL},
    {"v=DKIM1; g=*; k=rsa; p=AAAA; x=unknown", DKIM_KEY_OK, NULL},
    {"v=DKIM1;k=rsa;p=AAAA;", DKIM_KEY_OK, NULL},
};

static void test_key_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof keycases / sizeof keycases[0]; i++) {
        const struct keycase *c = &keycases[i];
        print_message("case %zu: %s\n", i, c->txt);
        arena *a = arena_new();
        struct dkim_key k;
        assert_int_equal(key_parse(a, c->txt, &k), c->err);
        assert_int_equal(k.error, c->err);
        if (c->bad_tag)
            assert_string_equal(k.bad_tag, c->bad_tag);
        else
            assert_null(k.bad_tag);
        if (c->err == DKIM_KEY_REVOKED || c->err == DKIM_KEY_NO_P || c->err == DKIM_KEY_BASE64)
            assert_null(k.p);
        arena_free(a);
    }
}

static void test_key_flags_services_hashes(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_key k;
    assert_int_equal(key_parse(a, "v=DKIM1; t=y:s; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.testing);
    assert_true(k.strict);
    assert_int_equal(key_parse(a, "t = s : x ; p=AAAA", &k), DKIM_KEY_OK);
    assert_false(k.testing);
    assert_true(k.strict);
    assert_int_equal(key_parse(a, "t=y; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.testing);
    assert_false(k.strict);

    assert_int_equal(key_parse(a, "s=email; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.service_email);
    assert_int_equal(key_parse(a, "s=*; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.service_email);
    assert_int_equal(key_parse(a, "s=tlsrpt; p=AAAA", &k), DKIM_KEY_OK);
    assert_false(k.service_email);
    assert_int_equal(key_parse(a, "s = tlsrpt : email ; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.service_email);

    assert_int_equal(key_parse(a, "h=sha1:md5; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.hash_listed);
    assert_int_equal(k.hashes, DKIM_HASH_SHA1);
    assert_int_equal(key_parse(a, "h=md5; p=AAAA", &k), DKIM_KEY_OK);
    assert_true(k.hash_listed);
    assert_int_equal(k.hashes, 0);
    assert_int_equal(key_parse(a, "h= sha1 : sha256 ; p=AAAA", &k), DKIM_KEY_OK);
    assert_int_equal(k.hashes, DKIM_HASH_SHA1 | DKIM_HASH_SHA256);

    assert_int_equal(key_parse(a, "n=a note=3Dhere; p=AAAA", &k), DKIM_KEY_OK);
    assert_string_equal(k.notes, "a note=3Dhere");
    arena_free(a);
}

static void test_key_p_with_spaces(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct dkim_key k;
    /* split TXT strings joined with a space, and a folded record */
    assert_int_equal(key_parse(a, "v=DKIM1; k=rsa; p=AAEC AwQF", &k), DKIM_KEY_OK);
    assert_int_equal(k.p_len, 6);
    assert_memory_equal(k.p, "\x00\x01\x02\x03\x04\x05", 6);
    assert_int_equal(key_parse(a, "p=\r\n\tAA\r\n\tEC\t", &k), DKIM_KEY_OK);
    assert_int_equal(k.p_len, 3);
    assert_memory_equal(k.p, "\x00\x01\x02", 3);
    arena_free(a);
}

/* ---- header canonicalisation ---- */

static void canon(struct buf *out, enum dkim_canon c, const char *raw, size_t len, size_t skip_off,
                  size_t skip_len, bool final)
{
    char *buf = heap_copy(raw, len);
    buf_reset(out);
    dkim_canon_header(out, c, buf, len, skip_off, skip_len, final);
    free(buf);
}

static void expect_out(struct buf *out, const char *want, size_t want_len)
{
    assert_int_equal(out->len, want_len);
    assert_memory_equal(out->p, want, want_len);
}

static void test_canon_rfc6376_example(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    /* RFC 6376 §3.4.5: "A: X" and "B : Y<HTAB><CRLF><HTAB>Z<SP><SP>" */
    canon(&out, DKIM_CANON_RELAXED, S("A: X"), 0, 0, false);
    expect_out(&out, S("a:X\r\n"));
    canon(&out, DKIM_CANON_RELAXED, S("B : Y\t\r\n\tZ  "), 0, 0, false);
    expect_out(&out, S("b:Y Z\r\n"));
    canon(&out, DKIM_CANON_SIMPLE, S("A: X"), 0, 0, false);
    expect_out(&out, S("A: X\r\n"));
    canon(&out, DKIM_CANON_SIMPLE, S("B : Y\t\r\n\tZ  "), 0, 0, false);
    expect_out(&out, S("B : Y\t\r\n\tZ  \r\n"));
    /* final: no CRLF */
    canon(&out, DKIM_CANON_RELAXED, S("B : Y\t\r\n\tZ  "), 0, 0, true);
    expect_out(&out, S("b:Y Z"));
    canon(&out, DKIM_CANON_SIMPLE, S("B : Y\t\r\n\tZ  "), 0, 0, true);
    expect_out(&out, S("B : Y\t\r\n\tZ  "));
    buf_free(&out);
}

static void test_canon_lf_folding(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    canon(&out, DKIM_CANON_SIMPLE, S("B : Y\t\n\tZ  "), 0, 0, false);
    expect_out(&out, S("B : Y\t\r\n\tZ  \r\n"));
    canon(&out, DKIM_CANON_RELAXED, S("B : Y\t\n\tZ  "), 0, 0, false);
    expect_out(&out, S("b:Y Z\r\n"));
    /* mixed: CRLF kept, bare LF given its CR */
    canon(&out, DKIM_CANON_SIMPLE, S("S: a\r\n b\n c\n\n d"), 0, 0, true);
    expect_out(&out, S("S: a\r\n b\r\n c\r\n\r\n d"));
    /* a LF first in the field, and a CR alone, which simple leaves be */
    canon(&out, DKIM_CANON_SIMPLE, S("\nX: a\rb"), 0, 0, true);
    expect_out(&out, S("\r\nX: a\rb"));
    buf_free(&out);
}

static void test_canon_relaxed_details(void **state)
{
    (void)state;
    static const struct {
        const char *in, *want;
    } t[] = {
        {"Subject:   hello  \t world  ", "subject:hello world"},
        {"X:", "x:"},
        {"X: \r\n ", "x:"},
        {"  Name\t:\tv", "name:v"},
        {"MiXeD-Case_1: KeEp CaSe", "mixed-case_1:KeEp CaSe"},
        {"A: b:c : d", "a:b:c : d"},
        {"A:b\r\n\r\n c", "a:b c"},
        {"NoColon Here", "nocolon here:"},
        {"A: caf\xc3\xa9 \xff", "a:caf\xc3\xa9 \xff"},
        {"\xc3\x89T\xc3\x89: x", "\xc3\x89t\xc3\x89:x"},
    };
    struct buf out;
    buf_init(&out, 0);
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        canon(&out, DKIM_CANON_RELAXED, t[i].in, strlen(t[i].in), 0, 0, true);
        assert_int_equal(out.len, strlen(t[i].want));
        assert_memory_equal(out.p, t[i].want, out.len);
    }
    /* NUL bytes are data */
    canon(&out, DKIM_CANON_RELAXED, S("A: x\0 y"), 0, 0, true);
    expect_out(&out, S("a:x\0 y"));
    canon(&out, DKIM_CANON_SIMPLE, S("A: x\0 y"), 0, 0, true);
    expect_out(&out, S("A: x\0 y"));
    buf_free(&out);
}

static void test_canon_skip(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 0);
    /* "X: v=1; b=abc; d=x": the b= value "abc" is at 10, 3 bytes */
    canon(&out, DKIM_CANON_SIMPLE, S("X: v=1; b=abc; d=x"), 10, 3, false);
    expect_out(&out, S("X: v=1; b=; d=x\r\n"));
    canon(&out, DKIM_CANON_RELAXED, S("X: v=1; b=abc; d=x"), 10, 3, false);
    expect_out(&out, S("x:v=1; b=; d=x\r\n"));
    /* "X: a  b=\r\n abc  \r\n ;": "abc" is at 11; the folding whitespace on
     * both sides of the range makes one run */
    canon(&out, DKIM_CANON_RELAXED, S("X: a  b=\r\n abc  \r\n ;"), 11, 3, true);
    expect_out(&out, S("x:a b= ;"));
    canon(&out, DKIM_CANON_SIMPLE, S("X: a  b=\r\n abc  \r\n ;"), 11, 3, true);
    expect_out(&out, S("X: a  b=\r\n   \r\n ;"));
    /* the whole value with its surrounding whitespace (8, 10 bytes) */
    canon(&out, DKIM_CANON_SIMPLE, S("X: a  b=\r\n abc  \r\n ;"), 8, 10, true);
    expect_out(&out, S("X: a  b= ;"));
    /* a range past the end is clamped; one from the end is nothing */
    canon(&out, DKIM_CANON_SIMPLE, S("X: abc"), 4, 100, true);
    expect_out(&out, S("X: a"));
    canon(&out, DKIM_CANON_SIMPLE, S("X: abc"), 100, 5, true);
    expect_out(&out, S("X: abc"));
    /* a LF right after the range whose byte before is a CR: not bare */
    canon(&out, DKIM_CANON_SIMPLE, S("X: a\rzz\n b"), 5, 2, true);
    expect_out(&out, S("X: a\r\n b"));
    /* ...and one whose byte before the range is not */
    canon(&out, DKIM_CANON_SIMPLE, S("X: a\rzz\n b"), 4, 3, true);
    expect_out(&out, S("X: a\r\n b"));
    canon(&out, DKIM_CANON_SIMPLE, S("X: az\rz\n b"), 4, 2, true);
    expect_out(&out, S("X: az\r\n b"));
    buf_free(&out);
}

static void test_canon_appends_and_ceiling(void **state)
{
    (void)state;
    struct buf out;
    buf_init(&out, 12);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, S("A: X"), 0, 0, false);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, S("B : Y\t\r\n\tZ  "), 0, 0, false);
    expect_out(&out, S("a:X\r\nb:Y Z\r\n"));
    assert_false(out.toobig);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, S("C: 1"), 0, 0, true);
    assert_true(out.toobig);
    expect_out(&out, S("a:X\r\nb:Y Z\r\n"));
    buf_free(&out);
    buf_init(&out, 0);
    dkim_canon_header(&out, DKIM_CANON_SIMPLE, NULL, 0, 0, 0, false);
    expect_out(&out, S("\r\n"));
    buf_free(&out);
}

/* ---- DomainKey-Signature ---- */

static void test_domainkey(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct domainkey_sig d;
    const char v[] = " a=rsa-sha1; q=dns; c=nofws;\r\n s=Brisbane; d=Example.NET.;\r\n "
                     "h=From:To:Subject; b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00l";
    char *buf = heap_copy(v, sizeof v - 1);
    assert_int_equal(domainkey_sig_parse(a, buf, sizeof v - 1, &d), 0);
    assert_string_equal(d.domain, "example.net");
    assert_string_equal(d.selector, "brisbane");
    assert_string_equal(d.alg, "rsa-sha1");
    free(buf);

    assert_int_equal(domainkey_sig_parse(a, S("d=example.net; b=x"), &d), -1);
    assert_string_equal(d.domain, "example.net");
    assert_null(d.selector);
    assert_null(d.alg);
    assert_int_equal(domainkey_sig_parse(a, S("s=sel; d="), &d), -1);
    assert_null(d.domain);
    /* broken after d= and s=: what was read still counts */
    assert_int_equal(domainkey_sig_parse(a, S("d=x.org; s=sel; ;;"), &d), 0);
    assert_string_equal(d.domain, "x.org");
    assert_int_equal(domainkey_sig_parse(a, S(""), &d), -1);
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_taglist_fws_everywhere),
        cmocka_unit_test(test_taglist_table),
        cmocka_unit_test(test_taglist_names_are_exact),
        cmocka_unit_test(test_taglist_ceiling),
        cmocka_unit_test(test_b64),
        cmocka_unit_test(test_b64_nul_byte),
        cmocka_unit_test(test_sig_rfc8463),
        cmocka_unit_test(test_sig_errors),
        cmocka_unit_test(test_sig_fields_kept_on_error),
        cmocka_unit_test(test_sig_defaults_and_canon),
        cmocka_unit_test(test_sig_h),
        cmocka_unit_test(test_sig_h_ceiling),
        cmocka_unit_test(test_sig_i),
        cmocka_unit_test(test_sig_numbers),
        cmocka_unit_test(test_sig_b_folded),
        cmocka_unit_test(test_sig_b_ceiling),
        cmocka_unit_test(test_sig_value_off),
        cmocka_unit_test(test_error_texts),
        cmocka_unit_test(test_key_rsa),
        cmocka_unit_test(test_key_ed25519),
        cmocka_unit_test(test_key_errors),
        cmocka_unit_test(test_key_flags_services_hashes),
        cmocka_unit_test(test_key_p_with_spaces),
        cmocka_unit_test(test_canon_rfc6376_example),
        cmocka_unit_test(test_canon_lf_folding),
        cmocka_unit_test(test_canon_relaxed_details),
        cmocka_unit_test(test_canon_skip),
        cmocka_unit_test(test_canon_appends_and_ceiling),
        cmocka_unit_test(test_domainkey),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
