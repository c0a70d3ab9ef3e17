/* Unit tests for mail/filetype.c. Magic numbers are from the formats'
 * specifications; the ZIP fixtures in tests/fixtures/mime/ were built with
 * Python's zipfile by gen_zips.py, and the expected listings below are the
 * ones zipfile printed for them (zip64.zip and the damaged archives are
 * hand-built; their expectations follow from how they were built). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/filetype.h"
#include "mail/limits.h"

static unsigned char *load(arena *a, const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/mime/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    unsigned char *buf = arena_alloc(a, 1 << 20);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    /* exact-size copy so that sanitizers see reads past the end */
    return arena_memdup(a, buf, *len);
}

struct magic_case {
    const char *bytes;
    size_t len;
    const char *want;
};

#define M(lit, want)                                                                               \
    {                                                                                              \
        lit, sizeof(lit) - 1, want                                                                 \
    }

static void test_magic_table(void **state)
{
    (void)state;
    static const struct magic_case cases[] = {
        {"", 0, "empty"},
        M("\x7f"
          "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
          "elf"),
        M("\xFE\xED\xFA\xCE\0\0\0\x07", "macho"),
        M("\xCE\xFA\xED\xFE\x07\0\0\0", "macho"),
        M("\xFE\xED\xFA\xCF\x01\0\0\x07", "macho"),
        M("\xCF\xFA\xED\xFE\x07\0\0\x01", "macho"),
        M("\xCA\xFE\xBA\xBE\0\0\0\x02\x01\0\0\x07", "macho"),       /* fat, 2 archs */
        M("\xCA\xFE\xBA\xBE\0\0\0\x34\0\x10java", "unknown"),       /* Java class 52.0 */
        M("PK\x03\x04\x14\0\0\0\0\0", "zip"),                       /* no directory */
        M("PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", "zip"), /* empty archive */
        M("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "pdf"),
        M("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "png"),
        M("\xFF\xD8\xFF\xE0\0\x10JFIF\0", "jpeg"),
        M("GIF89a\x01\0\x01\0", "gif"),
        M("GIF87a\x01\0\x01\0", "gif"),
        M("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0", "ole2"),
        M("Rar!\x1a\x07\x00\xcf\x90", "rar"),
        M("Rar!\x1a\x07\x01\x00\x33\x92", "rar"),
        M("7z\xBC\xAF\x27\x1C\0\x04", "7z"),
        M("\x1f\x8b\x08\0\0\0\0\0\0\x03", "gzip"),
        M("BM\x3a\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x01\0", "bmp"),
        M("BMW would be text\n", "text"),
        M("RIFF\x24\0\0\0WEBPVP8 ", "webp"),
        M("RIFF\x24\0\0\0WAVEfmt ", "unknown"),
        M("II*\0\x08\0\0\0", "tiff"),
        M("MM\0*\0\0\0\x08", "tiff"),
        M("{\\rtf1\\ansi hello}", "rtf"),
        M("<!DOCTYPE html><html><body>x</body></html>", "html"),
        M("\xEF\xBB\xBF  \r\n <HTML lang=en>", "html"),
        M("<html>", "html"),
        M("<htmlx>", "text"),
        M("Hello, world.\r\nSecond line\tand a tab.\n", "text"),
        M("Gr\xc3\xbc\xc3\x9f"
          "e aus K\xc3\xb6ln\n",
          "text"), /* UTF-8 */
        M("Gr\xfc\xdf"
          "e aus K\xf6ln, sagte er.\n",
          "text"), /* latin-1, little 8-bit */
        M("\x01\x02\x03\x04\x05\x06\x07\x0e", "unknown"),
        M("text with a NUL\0 inside", "unknown"),
        M("\x80\x81\x82\x83\x84\x85\x86\x87\x88\x89", "unknown"),
        M("MZ is the start of this sentence.\n", "text"), /* MZ but text */
        M("MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff", "pe"),  /* truncated DOS header */
        M("garbage then %PDF-1.4 within 1024 bytes", "pdf"),
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = filetype_detect((const unsigned char *)cases[i].bytes, cases[i].len);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu: got %s, want %s", i, got, cases[i].want);
    }
}

static void test_pe_and_iso(void **state)
{
    (void)state;
    unsigned char pe[0x100] = {0};
    pe[0] = 'M';
    pe[1] = 'Z';
    pe[0x3C] = 0x80; /* e_lfanew */
    memcpy(pe + 0x80, "PE\0\0", 4);
    assert_string_equal(filetype_detect(pe, sizeof pe), "pe");
    /* e_lfanew inside the data but no PE signature: DOS MZ program, binary -> pe */
    memcpy(pe + 0x80, "XX\0\0", 4);
    assert_string_equal(filetype_detect(pe, sizeof pe), "pe");
    /* e_lfanew pointing far past the data (truncated sample) */
    pe[0x3C] = 0;
    pe[0x3F] = 0x70;
    assert_string_equal(filetype_detect(pe, sizeof pe), "pe");

    static unsigned char iso[0x9006];
    size_t offs[] = {0x8001, 0x8801, 0x9001};
    for (size_t k = 0; k < 3; k++) {
        memset(iso, 0, sizeof iso);
        memcpy(iso + offs[k], "CD001", 5);
        assert_string_equal(filetype_detect(iso, offs[k] + 5), "iso");
        /* one byte short of the signature */
        assert_string_equal(filetype_detect(iso, offs[k] + 4), "unknown");
    }
    /* %PDF- beyond the first 1024 bytes is not a PDF */
    static char late[2000];
    memset(late, 'a', sizeof late);
    memcpy(late + 1100, "%PDF-", 5);
    assert_string_equal(filetype_detect((unsigned char *)late, sizeof late), "text");
    memcpy(late + 1019, "%PDF-", 5);
    assert_string_equal(filetype_detect((unsigned char *)late, sizeof late), "pdf");
    /* straddling the 1024th byte: not within the first 1024 */
    memset(late, 'a', sizeof late);
    memcpy(late + 1020, "%PDF-", 5);
    assert_string_equal(filetype_detect((unsigned char *)late, sizeof late), "text");
    /* '%' runs before it (each one a candidate), and the shortest samples */
    memcpy(late + 10, "%%%PDF%PDF-", 11);
    assert_string_equal(filetype_detect((unsigned char *)late, sizeof late), "pdf");
    memcpy(late + 10, "%%%PDF%PDF_", 11);
    assert_string_equal(filetype_detect((unsigned char *)late, sizeof late), "text");
    assert_string_equal(filetype_detect((const unsigned char *)"%PDF-", 5), "pdf");
    assert_string_equal(filetype_detect((const unsigned char *)"x%PDF-", 6), "pdf");
    assert_string_equal(filetype_detect((const unsigned char *)"x%PDF", 5), "text");
}

struct want_member {
    const char *name;
    uint64_t size, csize;
    bool encrypted, is_dir;
};

static void check_listing(const char *file, const char *want_type, bool want_ok,
                          const struct want_member *w, size_t nw, int want_anom)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t len;
    unsigned char *p = load(a, file, &len);
    if (want_type) assert_string_equal(filetype_detect(p, len), want_type);
    struct zip_listing l;
    bool ok = zip_list(a, p, len, &l, &an);
    if (ok != want_ok) fail_msg("%s: zip_list returned %d", file, ok);
    if (l.n != nw) fail_msg("%s: %zu members, want %zu", file, l.n, nw);
    bool any_enc = false;
    for (size_t i = 0; i < nw; i++) {
        assert_string_equal(l.m[i].name, w[i].name);
        assert_int_equal(l.m[i].size, w[i].size);
        assert_int_equal(l.m[i].csize, w[i].csize);
        assert_int_equal(l.m[i].encrypted, w[i].encrypted);
        assert_int_equal(l.m[i].is_dir, w[i].is_dir);
        any_enc |= w[i].encrypted;
    }
    assert_int_equal(l.any_encrypted, any_enc);
    if (want_anom < 0) {
        assert_int_equal(an.n, 0);
    } else {
        assert_int_equal(an.n, 1);
        assert_int_equal(an.v[0].code, want_anom);
    }
    arena_free(a);
}

static void test_zip_fixtures(void **state)
{
    (void)state;
    static const struct want_member simple[] = {
        {"readme.txt", 10, 10, false, false},
        {"dir/", 0, 0, false, true},
        {"dir/a.bin", 1024, 280, false, false},
        {"caf\xc3\xa9.txt", 9, 9, false, false},
    };
    check_listing("simple.zip", "zip", true, simple, 4, -1);
    check_listing("prepended.zip", "unknown", true, simple, 4, -1);

    static const struct want_member exe[] = {{"invoice.pdf.exe", 256, 18, false, false}};
    check_listing("exe_in_zip.zip", "zip", true, exe, 1, -1);

    check_listing("empty.zip", "zip", true, NULL, 0, -1);

    static const struct want_member docx[] = {
        {"[Content_Types].xml", 29, 31, false, false},
        {"_rels/.rels", 16, 18, false, false},
        {"word/document.xml", 13, 15, false, false},
    };
    check_listing("docx.docx", "ooxml", true, docx, 3, -1);
    static const struct want_member xlsx[] = {{"xl/workbook.xml", 11, 13, false, false}};
    check_listing("xlsx_no_ct.zip", "ooxml", true, xlsx, 1, -1);

    static const struct want_member enc[] = {
        {"secret.txt", 20, 20, true, false},
        {"plain.txt", 1, 1, false, false},
    };
    check_listing("encrypted.zip", "zip", true, enc, 2, -1);

    static const struct want_member fake[] = {{"a.txt", 1, 1, false, false}};
    check_listing("fake_eocd_comment.zip", "zip", true, fake, 1, -1);

    static const struct want_member z64[] = {{"big.iso", 5368709120u, 4294967296u, false, false}};
    check_listing("zip64.zip", "zip", true, z64, 1, -1);

    check_listing("truncated_cd.zip", "zip", false, NULL, 0, ANOM_ZIP_CORRUPT);
    /* the first entry is read, the second runs past the directory */
    check_listing("bad_name_len.zip", "zip", true, simple, 1, ANOM_ZIP_CORRUPT);
}

/* An archive built here with more members than the ceiling. */
static void test_zip_too_many(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t n = ZIP_MAX_MEMBERS + 5;
    size_t entry = 46 + 5; /* name "f.txt" */
    size_t cd_size = n * entry;
    size_t len = cd_size + 22;
    unsigned char *p = arena_zalloc(a, len);
    for (size_t i = 0; i < n; i++) {
        unsigned char *h = p + i * entry;
        memcpy(h, "PK\1\2", 4);
        h[28] = 5;
        memcpy(h + 46, "f.txt", 5);
    }
    unsigned char *e = p + cd_size;
    memcpy(e, "PK\5\6", 4);
    e[10] = (unsigned char)(n & 0xFF); /* 16-bit count wraps: 10005 = 0x2715 */
    e[11] = (unsigned char)(n >> 8);
    e[12] = (unsigned char)(cd_size & 0xFF);
    e[13] = (unsigned char)(cd_size >> 8 & 0xFF);
    e[14] = (unsigned char)(cd_size >> 16 & 0xFF);
    struct anomalies an;
    anom_init(&an, a);
    struct zip_listing l;
    assert_true(zip_list(a, p, len, &l, &an));
    assert_int_equal(l.n, ZIP_MAX_MEMBERS);
    assert_true(anom_has(&an, ANOM_ZIP_TOO_MANY_MEMBERS));
    assert_false(anom_has(&an, ANOM_ZIP_CORRUPT));
    arena_free(a);
}

/* Every prefix of a real archive: never a read out of bounds (ASan), and
 * either a listing or ANOM_ZIP_CORRUPT. */
static void test_zip_every_prefix(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t len;
    unsigned char *p = load(a, "simple.zip", &len);
    for (size_t k = 0; k <= len; k++) {
        arena *b = arena_new();
        unsigned char *q = arena_memdup(b, p, k);
        struct anomalies an;
        anom_init(&an, b);
        struct zip_listing l;
        bool ok = zip_list(b, q, k, &l, &an);
        (void)filetype_detect(q, k);
        if (k == len)
            assert_true(ok && l.n == 4 && an.n == 0);
        else
            assert_true(!ok ? anom_has(&an, ANOM_ZIP_CORRUPT) : true);
        arena_free(b);
    }
    assert_false(zip_list(a, (const unsigned char *)"", 0, &(struct zip_listing){0}, NULL));
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_magic_table),      cmocka_unit_test(test_pe_and_iso),
        cmocka_unit_test(test_zip_fixtures),     cmocka_unit_test(test_zip_too_many),
        cmocka_unit_test(test_zip_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
