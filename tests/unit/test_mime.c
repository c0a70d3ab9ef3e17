/* Unit tests for mail/mime.c.
 *
 * Oracle: the fixture messages tests/fixtures/mime/NAME.eml (written by
 * gen_eml.py) were parsed with Python's email package (compat32 policy):
 * part order, content types, filenames, dispositions and the sha256 of
 * get_payload(decode=True) below are what Python reported, for the LF files
 * and for their CRLF conversions (the test converts them itself). Where we
 * decide differently from Python (a multipart without usable boundary gets a
 * headerless text/plain child; Python keeps the body on the multipart node)
 * the child's sha256 is Python's payload sha256 of that node. Detected
 * types, texts and anomalies were worked out by hand. The synthetic cases
 * (depth, ceilings, boundary edge cases) are built here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "mail/limits.h"
#include "mail/mime.h"
#include "util/buf.h"

#define END (-1)

static char *load(arena *a, const char *name, size_t *len)
{
    const char *top = getenv("TOP");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/fixtures/mime/%s", top ? top : ".", name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s (run from the repository root)", path);
    static char buf[1 << 20];
    *len = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return arena_memdup(a, buf, *len);
}

static char *to_crlf(arena *a, const char *p, size_t len, size_t *out_len)
{
    char *o = arena_alloc(a, len * 2 + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') o[n++] = '\r';
        o[n++] = p[i];
    }
    *out_len = n;
    return o;
}

static void parse(arena *a, const char *p, size_t len, struct mime_tree *t, struct anomalies *an)
{
    struct hdr_block h;
    hdr_parse(a, p, len, &h, an);
    mime_parse(a, p, len, &h, t, an);
}

static const struct mime_part *find(const struct mime_tree *t, const char *path)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->parts[i].path, path) == 0) return &t->parts[i];
    fail_msg("no part %s", path);
    return NULL;
}

/* Exactly the anomalies listed (terminated by END). */
static void check_anoms(const struct anomalies *an, const int *want, const char *what)
{
    size_t nw = 0;
    while (want[nw] != END)
        nw++;
    bool ok = an->n == nw;
    for (size_t i = 0; ok && i < nw; i++)
        ok = anom_has(an, (enum anom_code)want[i]);
    if (!ok) {
        for (size_t i = 0; i < an->n; i++)
            print_error("  got %s (%s)\n", anom_name(an->v[i].code),
                        an->v[i].detail ? an->v[i].detail : "");
        fail_msg("%s: anomalies differ (%zu, want %zu)", what, an->n, nw);
    }
}

struct want_part {
    const char *path, *type, *filename, *disposition;
    bool attachment;
    const char *detected;    /* NULL for containers */
    size_t len_lf, len_crlf; /* decoded bytes */
    const char *sha_lf, *sha_crlf;
};

struct fixture {
    const char *file;
    const struct want_part *parts;
    size_t n;
    int anoms[4];
};

#define SHA_SAME NULL

static const struct want_part nested[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "multipart/alternative", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1.1", "text/plain", NULL, NULL, false, "text", 93, 96,
     "88d3c600535ecd8cc0ea0ec0d08232eb19defc28ea676d6682800e5339a51dd6",
     "5c0a0ce41d210348f67c55c828b4ec0a4cb31fa824382947ac2bbc05e76210a7"},
    {"1.1.2", "text/html", NULL, NULL, false, "html", 89, 89,
     "c707f833f458069d8b0a2a0562fc62e8659bfe1f7ab9b93ea6ff8e1d9f7a4f1b", SHA_SAME},
    {"1.2", "application/pdf", "report.pdf", "attachment", true, "pdf", 45, 45,
     "5a838678058f6de375e8635b5f2fea47a4e5f07cb1a882a44b10f39abc6f34ff", SHA_SAME},
};

static const struct want_part rfc822[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "text/plain", NULL, NULL, false, "text", 13, 13,
     "6d33541e7a746559be39b2da6450eb51c63bba638ed007f26679935ec6a54a9d", NULL},
    {"1.2", "message/rfc822", "orig.eml", "attachment", true, NULL, 0, 0, "", ""},
    {"1.2.1", "multipart/alternative", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.2.1.1", "text/plain", NULL, NULL, false, "text", 9, 9,
     "afe3f1c293389bf81c519a01e18f02730a9be680432a91476160e7043ce301fd", NULL},
    {"1.2.1.2", "text/html", NULL, NULL, false, "text", 23, 23,
     "c684e7a3d16190ec3fae856dea9c602edba6bdbad9901ec66e93de656963685e", NULL},
};

static const struct want_part unclosed[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "text/plain", NULL, NULL, false, "text", 5, 5,
     "a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e", NULL},
    {"1.2", "text/plain", NULL, NULL, false, "text", 22, 22,
     "9ec82065c765d593963e7466e354ebc1d4bf3d2556fc0cd4e539893eefb11da8", NULL},
};

static const struct want_part attachments[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "text/plain", NULL, NULL, false, "text", 17, 17,
     "a848791d2aecc3ceaf787b0ece2ba6a9ce1502786dcacccd127c21d44c116299", NULL},
    {"1.2", "application/zip", "invoice.zip", "attachment", true, "zip", 146, 146,
     "4ada0cca98480a82e84297dbd6d8d7fe6ea44362928f5edbaf1913eeb3837d1f", NULL},
    {"1.3", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "r\xc3\xa9sum\xc3\xa9.docx", "attachment", true, "ooxml", 408, 408,
     "8381dfed663fa25677aaf5bf819911def3b669c455f273d269e42e015d74a050", NULL},
    {"1.4", "application/octet-stream", "secret.zip", NULL, true, "zip", 233, 233,
     "732b1c504577f05b1bc0ca607e493233bf952f68db2c48282d256304547c1c9b", NULL},
};

static const struct want_part digest[] = {
    {"1", "multipart/digest", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "message/rfc822", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1.1", "text/plain", NULL, NULL, false, "text", 8, 8,
     "0e260cb8cd2cc3399320fc70aaddf9b87aa58ef03e9d8f6ebcc2b563f1eb6672", NULL},
    {"1.2", "message/rfc822", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.2.1", "text/plain", NULL, NULL, false, "text", 8, 8,
     "3b3ac772e964b0868ce8413c9018531423a99e0f8b3a84668dfbf2bee11d84f9", NULL},
    {"1.3", "text/plain", NULL, NULL, false, "text", 13, 13,
     "7099e76e48c3fd4be04b208f887da0c5a353e1f1993fcf705a601386259d0094", NULL},
};

static const struct want_part truncated_b64[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "image/png", "pic.png", "inline", true, "png", 38, 38,
     "6a6628b5e9d698b2daee6267cd23181049d24daeb1ed4bf49c56c7e71d545047", NULL},
};

static const struct want_part eightbit[] = {
    {"1", "text/plain", NULL, NULL, false, "text", 11, 12,
     "2809ff010be0a77fd29e628fcb886955776dc10bf67ffe6f2140cb9fcc82985e",
     "54cb85287d72915e6df4bae7f006c7fd4928492721a47a568bf0463efcf589ca"},
};

static const struct want_part noboundary[] = {
    {"1", "multipart/alternative", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "text/plain", NULL, NULL, false, "text", 34, 35,
     "039b91c40a877936e3d8b118eb72bd06c3874eee5eab2bc82c76f3eceb6991fd",
     "03b972e74fec70c6fc5290bfdef863e833f90a375fec37e6e04c33129a0a9f9d"},
};

static const struct want_part noparts[] = {
    {"1", "multipart/mixed", NULL, NULL, false, NULL, 0, 0, "", ""},
    {"1.1", "text/plain", NULL, NULL, false, "text", 32, 34,
     "f2a76d5c3d3d1c7ec6afe2c188d6d29513e1a5646f8389d695c830d7ae5ccba3",
     "3a784c6595efe57dcb77e52a1fda7ff4668883518b1525217a2a38097bd840e0"},
};

static const struct want_part badcte[] = {
    {"1", "text/plain", NULL, NULL, false, "text", 14, 15,
     "7cb090acd22553e16553917ccea659d1725a1583178c435d6164b8513ae846c6",
     "fb1203a315b0cf226bf57d578d6db947d37a014852ff45007e1809953f2adf10"},
};

static const struct want_part plain[] = {
    {"1", "text/plain", NULL, NULL, false, "text", 20, 21,
     "252f6f1fbaa5d8cb41c3aab37310e01af9630239e444735c7a212bd7d0677527",
     "f92628912a4371904fc5f8640f61e44b6676fd6306007391e87c5675bab9171d"},
};

#define FX(name, ...)                                                                              \
    {                                                                                              \
#name ".eml", name, sizeof name / sizeof name[0],                                          \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }

static const struct fixture fixtures[] = {
    FX(nested, END),
    FX(rfc822, END),
    FX(unclosed, ANOM_MIME_UNCLOSED, END),
    FX(attachments, END),
    FX(digest, END),
    FX(truncated_b64, ANOM_B64_TRUNCATED, END),
    FX(eightbit, ANOM_8BIT_UNDECLARED, END),
    FX(noboundary, ANOM_MIME_NO_BOUNDARY, END),
    FX(noparts, ANOM_MIME_NO_PARTS, END),
    FX(badcte, ANOM_MIME_BAD_CTE, ANOM_CHARSET_UNKNOWN, END),
    FX(plain, END),
};

static void check_fixture(const struct fixture *fx, bool crlf)
{
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t len;
    char *p = load(a, fx->file, &len);
    if (crlf) p = to_crlf(a, p, len, &len);
    struct mime_tree t;
    parse(a, p, len, &t, &an);
    char what[128];
    snprintf(what, sizeof what, "%s (%s)", fx->file, crlf ? "CRLF" : "LF");
    if (t.n != fx->n) fail_msg("%s: %zu parts, want %zu", what, t.n, fx->n);
    for (size_t i = 0; i < fx->n; i++) {
        const struct want_part *w = &fx->parts[i];
        const struct mime_part *m = &t.parts[i];
        assert_string_equal(m->path, w->path);
        assert_string_equal(m->content_type, w->type);
        assert_ptr_equal(m->content_type, m->ctype.value);
        if (w->filename)
            assert_string_equal(m->filename, w->filename);
        else
            assert_null(m->filename);
        if (w->disposition)
            assert_string_equal(m->disposition, w->disposition);
        else
            assert_null(m->disposition);
        if (m->is_attachment != w->attachment)
            fail_msg("%s %s: is_attachment %d", what, w->path, m->is_attachment);
        if (!w->detected) {
            assert_true(m->is_multipart || m->is_message);
            assert_null(m->detected_type);
            assert_string_equal(m->sha256, "");
            continue;
        }
        assert_false(m->is_multipart || m->is_message);
        assert_string_equal(m->detected_type, w->detected);
        const char *sha = crlf && w->sha_crlf ? w->sha_crlf : w->sha_lf;
        if (strcmp(m->sha256, sha) != 0)
            fail_msg("%s %s: sha256 %s (%zu bytes)", what, w->path, m->sha256, m->decoded_len);
        assert_int_equal(m->decoded_len, crlf ? w->len_crlf : w->len_lf);
        /* parent links: the parent's path is our path minus the last ".N" */
        if (i > 0) {
            const char *dot = strrchr(m->path, '.');
            assert_true(m->parent >= 0 && (size_t)m->parent < i);
            assert_int_equal(strlen(t.parts[m->parent].path), (size_t)(dot - m->path));
            assert_int_equal(m->depth, t.parts[m->parent].depth + 1);
        }
    }
    check_anoms(&an, fx->anoms, what);
    arena_free(a);
}

static void test_fixtures_lf(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++)
        check_fixture(&fixtures[i], false);
}

static void test_fixtures_crlf(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fixtures / sizeof fixtures[0]; i++)
        check_fixture(&fixtures[i], true);
}

/* Texts, HTML rendering, links, ZIP listings, charsets of the fixtures. */
static void test_fixture_contents(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    size_t len;
    char *p = load(a, "nested.eml", &len);
    struct mime_tree t;
    parse(a, p, len, &t, &an);
    const struct mime_part *m = find(&t, "1.1.1");
    assert_string_equal(m->text, "Caf\xc3\xa9 au lait \xe2\x82\xac"
                                 "5\n--outerX is not a "
                                 "delimiter\n--outer-- trailing is not one either\n  --outer");
    assert_string_equal(m->charset, "utf-8");
    assert_string_equal(m->cte, "quoted-printable");
    assert_true(m->is_text && !m->is_html);
    m = find(&t, "1.1.2");
    assert_true(m->is_html);
    assert_string_equal(m->text, "Caf\xc3\xa9 au lait\nhere");
    assert_int_equal(m->html.n_links, 1);
    assert_string_equal(m->html.links[0].href, "http://e.example/");
    assert_string_equal(m->html.links[0].text, "here");
    m = find(&t, "1.2");
    assert_null(m->text);
    assert_memory_equal(m->decoded, "%PDF-1.4\n", 9);
    /* the root's body starts after the blank line; raw is the message */
    assert_ptr_equal(t.parts[0].raw.p, p);
    assert_int_equal(t.parts[0].raw.len, len);
    assert_true(strncmp(t.parts[0].body.p, "This is the preamble.", 21) == 0);

    p = load(a, "attachments.eml", &len);
    parse(a, p, len, &t, &an);
    m = find(&t, "1.2");
    assert_int_equal(m->zip.n, 1);
    assert_string_equal(m->zip.m[0].name, "invoice.pdf.exe");
    assert_int_equal(m->zip.m[0].size, 256);
    m = find(&t, "1.3");
    assert_int_equal(m->zip.n, 3);
    assert_string_equal(m->zip.m[2].name, "word/document.xml");
    m = find(&t, "1.4");
    assert_true(m->zip.any_encrypted);
    assert_true(m->zip.m[0].encrypted);
    assert_false(m->zip.m[1].encrypted);

    p = load(a, "eightbit.eml", &len);
    parse(a, p, len, &t, &an);
    assert_string_equal(t.parts[0].text, "Caf\xc3\xa9 cr\xc3\xa8me\n");
    assert_string_equal(t.parts[0].charset, "iso-8859-1");

    p = load(a, "rfc822.eml", &len);
    parse(a, p, len, &t, &an);
    assert_string_equal(find(&t, "1.2.1.2")->text, "orig html");
    assert_true(strncmp(find(&t, "1.2.1")->raw.p, "From: c@example.com", 19) == 0);
    assert_int_equal(find(&t, "1.2.1")->hdr.n, 3);

    p = load(a, "digest.eml", &len);
    parse(a, p, len, &t, &an);
    assert_string_equal(find(&t, "1.1.1")->text, "body one");

    p = load(a, "plain.eml", &len);
    parse(a, p, len, &t, &an);
    assert_null(t.parts[0].charset);
    assert_null(t.parts[0].cte);
    assert_string_equal(t.parts[0].text, "Hello, plain world.\n");
    assert_string_equal(t.parts[0].cdisp.value, "");
    arena_free(a);
}

/* Small synthetic messages: boundary edge cases and the decisions of mime.c. */
struct synth {
    const char *msg;
    const char *shape; /* "path type [bodytext]|..." compact description */
    int anoms[4];
};

/* Render the tree as "path:type=body|..." (body: decoded bytes of leaves). */
static char *shape_of(arena *a, const struct mime_tree *t)
{
    struct buf b;
    buf_init(&b, 0);
    for (size_t i = 0; i < t->n; i++) {
        const struct mime_part *m = &t->parts[i];
        buf_printf(&b, "%s%s:%s", i ? "|" : "", m->path, m->content_type);
        if (m->decoded) buf_printf(&b, "=%.*s", (int)m->decoded_len, (const char *)m->decoded);
    }
    char *s = arena_strdup(a, buf_cstr(&b));
    buf_free(&b);
    return s;
}

static void test_synthetic(void **state)
{
    (void)state;
    static const struct synth cases[] = {
        /* transport padding after delimiters; first delimiter at body start */
        {"Content-Type: multipart/mixed; boundary=b\n\n--b  \t\n\nA\n--b\t\n\nB\n--b-- \n",
         "1:multipart/mixed|1.1:text/plain=A|1.2:text/plain=B",
         {END}},
        /* boundary-like lines are body text */
        {"Content-Type: multipart/mixed; boundary=b\n\n--b\n\n--bb\n--b x\n "
         "x--b\n--b--x\n--b\n\nB\n--b--",
         "1:multipart/mixed|1.1:text/plain=--bb\n--b x\n x--b\n--b--x|1.2:text/plain=B",
         {END}},
        /* only a close delimiter: no parts, no anomaly */
        {"Content-Type: multipart/mixed; boundary=b\n\n--b--\n", "1:multipart/mixed", {END}},
        /* empty parts and a headerless part */
        {"Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\nno headers\n--b\n\n\n--b--\n",
         "1:multipart/mixed|1.1:text/plain=|1.2:text/plain=no headers|1.3:text/plain=",
         {END}},
        /* CRLF line end before the delimiter belongs to it; LF-only mix */
        {"Content-Type: multipart/mixed; boundary=\"x y\"\r\n\r\n--x y\r\n\r\nA\r\n\r\n--x "
         "y\n\nB\n--x y--\r\n",
         "1:multipart/mixed|1.1:text/plain=A\r\n|1.2:text/plain=B",
         {END}},
        /* invalid boundary characters: still used, recorded */
        {"Content-Type: multipart/mixed; boundary=\"a@b\"\n\n--a@b\n\nA\n--a@b--\n",
         "1:multipart/mixed|1.1:text/plain=A",
         {ANOM_MIME_BAD_BOUNDARY, END}},
        /* empty boundary: not used */
        {"Content-Type: multipart/mixed; boundary=\"\"\n\n--\n\nA\n----\n",
         "1:multipart/mixed|1.1:text/plain=--\n\nA\n----\n",
         {ANOM_MIME_BAD_BOUNDARY, END}},
        /* multipart/digest: message/rfc822 default, explicit type wins */
        {"Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: s\n\nbody\n--d--\n",
         "1:multipart/digest|1.1:message/rfc822|1.1.1:text/plain=body",
         {END}},
        /* base64 message/rfc822: recorded, decoded, parsed ("Subject: s\n\nhi\n") */
        {"Content-Type: message/rfc822\nContent-Transfer-Encoding: "
         "base64\n\nU3ViamVjdDogcwoKaGkK\n",
         "1:message/rfc822|1.1:text/plain=hi\n",
         {ANOM_MIME_CTE_ON_MULTIPART, END}},
        /* quoted-printable on a multipart: recorded, split as is */
        {"Content-Type: multipart/mixed; boundary=b\nContent-Transfer-Encoding: "
         "quoted-printable\n\n--b\n\nA=3D\n--b--\n",
         "1:multipart/mixed|1.1:text/plain=A=3D",
         {ANOM_MIME_CTE_ON_MULTIPART, END}},
        /* unparseable Content-Type: text/plain */
        {"Content-Type: ;;;\n\nx\n", "1:text/plain=x\n", {ANOM_MIME_BAD_CTYPE, END}},
        {"Content-Type: texthtml\n\nx\n", "1:text/plain=x\n", {ANOM_MIME_BAD_CTYPE, END}},
        /* identity encodings, case-insensitive CTE */
        {"Content-Transfer-Encoding: 8BIT\nContent-Type: text/plain; charset=utf-8\n\n\xc3\xa9\n",
         "1:text/plain=\xc3\xa9\n",
         {END}},
        {"Content-Transfer-Encoding: Base64\n\naGk=\n", "1:text/plain=hi", {END}},
        {"Content-Transfer-Encoding: \"base64\" (quoted)\n\naGk=\n", "1:text/plain=hi", {END}},
        {"Content-Transfer-Encoding:\n base64;\n\naGk=\n", "1:text/plain=hi", {END}},
        /* 8-bit in a 7bit part */
        {"Content-Transfer-Encoding: 7bit\n\n\xc3\xa9\n",
         "1:text/plain=\xc3\xa9\n",
         {ANOM_8BIT_UNDECLARED, END}},
        /* garbage base64 and bad qp in parts */
        {"Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: "
         "base64\n\naG*k=\n"
         "--b\nContent-Transfer-Encoding: quoted-printable\n\na=zz\n--b--\n",
         "1:multipart/mixed|1.1:text/plain=hi|1.2:text/plain=a=zz",
         {ANOM_B64_GARBAGE, ANOM_QP_BAD_ESCAPE, END}},
        /* message with no body at all */
        {"Subject: only headers\n", "1:text/plain=", {END}},
        /* message/global is a nested message too; message/partial a leaf */
        {"Content-Type: message/global\n\nSubject: g\n\nG\n",
         "1:message/global|1.1:text/plain=G\n",
         {END}},
        {"Content-Type: message/partial; id=x; number=1\n\nP\n", "1:message/partial=P\n", {END}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        struct mime_tree t;
        size_t len = strlen(cases[i].msg);
        parse(a, arena_memdup(a, cases[i].msg, len), len, &t, &an);
        char *shape = shape_of(a, &t);
        if (strcmp(shape, cases[i].shape) != 0)
            fail_msg("case %zu:\n got %s\nwant %s", i, shape, cases[i].shape);
        char what[32];
        snprintf(what, sizeof what, "case %zu", i);
        check_anoms(&an, cases[i].anoms, what);
        arena_free(a);
    }
}

static void test_attachment_rule(void **state)
{
    (void)state;
    static const struct {
        const char *hdr;
        bool attachment;
        const char *disposition, *filename;
    } cases[] = {
        {"Content-Type: text/plain; name=a.txt", false, NULL, "a.txt"},
        {"Content-Type: text/plain\nContent-Disposition: inline; filename=a.txt", false, "inline",
         "a.txt"},
        {"Content-Type: text/plain\nContent-Disposition: attachment", true, "attachment", NULL},
        {"Content-Type: image/gif\nContent-Disposition: inline; filename=a.gif", true, "inline",
         "a.gif"},
        {"Content-Type: application/octet-stream", false, NULL, NULL},
        {"Content-Type: application/octet-stream\nContent-Disposition: form-data; name=x", true,
         "attachment", NULL},
        {"Content-Type: application/pdf; name=ct.pdf\nContent-Disposition: attachment; "
         "filename=cd.pdf",
         true, "attachment", "cd.pdf"},
        {"Content-Type: application/pdf; name=\"=?utf-8?B?w6kucGRm?=\"", true, NULL,
         "\xc3\xa9.pdf"},
        {"Content-Type: application/pdf\nContent-Disposition: attachment; filename=\"\"", true,
         "attachment", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        char *msg = arena_printf(a, "%s\n\nbody\n", cases[i].hdr);
        struct mime_tree t;
        parse(a, msg, strlen(msg), &t, &an);
        const struct mime_part *m = &t.parts[0];
        if (m->is_attachment != cases[i].attachment)
            fail_msg("case %zu: is_attachment %d", i, m->is_attachment);
        if (cases[i].disposition)
            assert_string_equal(m->disposition, cases[i].disposition);
        else
            assert_null(m->disposition);
        if (cases[i].filename)
            assert_string_equal(m->filename, cases[i].filename);
        else
            assert_null(m->filename);
        assert_int_equal(an.n, 0);
        arena_free(a);
    }
}

/* 200 levels of multipart (alternating with message/rfc822 every 7th level):
 * parsing stops at MIME_MAX_DEPTH, the deepest container is an opaque leaf. */
static void test_deep_nesting(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct buf b;
    buf_init(&b, 0);
    int levels = 200;
    for (int i = 0; i < levels; i++) {
        if (i % 7 == 6) buf_printf(&b, "Content-Type: message/rfc822\n\n");
        buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n", i, i);
    }
    buf_printf(&b, "Content-Type: text/plain\n\ninnermost\n");
    for (int i = levels - 1; i >= 0; i--)
        buf_printf(&b, "--b%d--\n", i);
    struct anomalies an;
    anom_init(&an, a);
    struct mime_tree t;
    char *msg = arena_memdup(a, b.p, b.len);
    parse(a, msg, b.len, &t, &an);
    int maxd = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.parts[i].depth > maxd) maxd = t.parts[i].depth;
    assert_int_equal(maxd, MIME_MAX_DEPTH);
    assert_int_equal(t.n, MIME_MAX_DEPTH + 1); /* one node per level, 0..32 */
    const struct mime_part *deep = &t.parts[t.n - 1];
    assert_false(deep->is_multipart || deep->is_message);
    assert_int_equal(strlen(deep->path), 1 + 2 * MIME_MAX_DEPTH); /* "1" and ".1" per level */
    for (int d = 0; d < MIME_MAX_DEPTH; d++)
        assert_memory_equal(deep->path + 1 + 2 * d, ".1", 2);
    assert_int_equal(strlen(deep->sha256), 64);
    assert_non_null(deep->decoded);
    int want[] = {ANOM_MIME_DEPTH, END};
    check_anoms(&an, want, "deep");
    buf_free(&b);
    arena_free(a);
}

static void test_too_many_parts(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
    for (int i = 0; i < MIME_MAX_PARTS + 5; i++)
        buf_printf(&b, "--b\n\npart %d\n", i);
    buf_puts(&b, "--b--\n");
    struct anomalies an;
    anom_init(&an, a);
    struct mime_tree t;
    char *msg = arena_memdup(a, b.p, b.len);
    parse(a, msg, b.len, &t, &an);
    assert_int_equal(t.n, MIME_MAX_PARTS);
    assert_string_equal(t.parts[t.n - 1].path, "1.999");
    for (size_t i = 1; i < t.n; i++) { /* child numbers of one, two and three digits */
        char want_path[32];
        snprintf(want_path, sizeof want_path, "1.%zu", i);
        assert_string_equal(t.parts[i].path, want_path);
    }
    int want[] = {ANOM_MIME_TOO_MANY_PARTS, END};
    check_anoms(&an, want, "parts");
    buf_free(&b);
    arena_free(a);
}

static void test_decoded_ceiling(void **state)
{
    (void)state;
    arena *a = arena_new();
    /* three base64 parts of 60 decoded bytes (80 encoded) */
    struct buf b;
    buf_init(&b, 0);
    buf_puts(&b, "Content-Type: multipart/mixed; boundary=b\n\n");
    for (int i = 0; i < 3; i++)
        buf_puts(
            &b,
            "--b\nContent-Transfer-Encoding: base64\n\n"
            "QUJDREVGR0hJSkFCQ0RFRkdISUpBQkNERUZHSElKQUJDREVGR0hJSkFCQ0RFRkdISUpBQkNERUZHSElK\n");
    buf_puts(&b, "--b--\n");
    char *msg = arena_memdup(a, b.p, b.len);
    struct hdr_block h;
    hdr_parse(a, msg, b.len, &h, NULL);
    struct mime_limits lim = {.max_depth = MIME_MAX_DEPTH, .max_parts = 100, .max_decoded = 145};
    struct anomalies an;
    anom_init(&an, a);
    struct mime_tree t;
    mime_parse_ex(a, msg, b.len, &h, &lim, &t, &an);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.parts[1].decoded_len, 60);
    assert_int_equal(t.parts[2].decoded_len, 60); /* 80 encoded bytes fit in 145-60 */
    assert_null(t.parts[3].decoded);              /* 80 > 25 left: stopped */
    assert_string_equal(t.parts[3].sha256, "");
    assert_null(t.parts[3].detected_type);
    int want[] = {ANOM_DECODED_TOO_LARGE, END};
    check_anoms(&an, want, "decoded");
    /* NULL anomaly set is accepted */
    mime_parse_ex(a, msg, b.len, &h, &lim, &t, NULL);
    assert_int_equal(t.n, 4);
    buf_free(&b);
    arena_free(a);
}

/* Every prefix of a fixture, from an exact-size buffer (ASan: no overread). */
static void test_every_prefix(void **state)
{
    (void)state;
    arena *a = arena_new();
    size_t len;
    char *p = load(a, "rfc822.eml", &len);
    for (size_t k = 0; k <= len; k++) {
        arena *b = arena_new();
        struct anomalies an;
        anom_init(&an, b);
        struct mime_tree t;
        parse(b, arena_memdup(b, p, k), k, &t, &an);
        assert_true(t.n >= 1);
        arena_free(b);
    }
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_lf),      cmocka_unit_test(test_fixtures_crlf),
        cmocka_unit_test(test_fixture_contents), cmocka_unit_test(test_synthetic),
        cmocka_unit_test(test_attachment_rule),  cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_too_many_parts),   cmocka_unit_test(test_decoded_ceiling),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
