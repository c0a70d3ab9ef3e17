/* Unit tests for mail/html.c. Entity expectations were checked with Python's
 * html.unescape (an independent decoder); the rendering rules (what is a
 * line break, what is dropped) were worked out by hand from the decisions in
 * html.c's header comment. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/html.h"
#include "mail/limits.h"

struct text_case {
    const char *in;
    const char *want;
};

/* Render from an exact-size heap copy (no NUL after the input). */
static void render(arena *a, const char *in, size_t len, struct html_doc *d, struct anomalies *an)
{
    char *copy = arena_memdup(a, in, len);
    html_render(a, copy, len, d, an);
}

static void test_text_table(void **state)
{
    (void)state;
    static const struct text_case cases[] = {
        {"", ""},
        {"plain", "plain"},
        {"<p>Hello</p><p>World</p>", "Hello\nWorld"},
        {"F<b>ree</b> mo<i>ney</i>", "Free money"},
        {"<html><head><title>T</title><style>p{color:red}</style></head><body>Hi "
         "<script>alert('<p>x</p>')</script>there</body></html>",
         "Hi there"},
        {"<html><head><meta charset=utf-8>Text in head shows</head></html>", "Text in head shows"},
        /* entities, python html.unescape */
        {"&amp; &lt; &gt; &quot; &apos; &copy; &reg; &euro; &hellip; &mdash; &ndash; "
         "&lsquo;&rsquo;&ldquo;&rdquo; &bull; &middot; &trade;",
         "& < > \" ' \xc2\xa9 \xc2\xae \xe2\x82\xac \xe2\x80\xa6 \xe2\x80\x94 \xe2\x80\x93 "
         "\xe2\x80\x98\xe2\x80\x99\xe2\x80\x9c\xe2\x80\x9d \xe2\x80\xa2 \xc2\xb7 \xe2\x84\xa2"},
        {"&#65;&#x42;&#X43;&#0;&#xD800;&#1114112;&#150;&#x80;",
         "ABC\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xe2\x80\x93\xe2\x82\xac"},
        {"&#233&#xe9;x", "\xc3\xa9\xc3\xa9x"},
        {"&eacute;t&eacute; &Eacute;", "\xc3\xa9t\xc3\xa9 \xc3\x89"},
        {"&copy 2024 &amp co", "\xc2\xa9 2024 & co"}, /* legacy names without ';' */
        {"&hellip x &unknown; & &#; &#x;", "&hellip x &unknown; & &#; &#x;"},
        {"&#99999999999999999999;", "\xef\xbf\xbd"},
        {"a&#1;b&#x7f;c", "abc"}, /* controls dropped */
        {"a&#10;&#9;b", "a b"},   /* whitespace collapses */
        /* nbsp is a space; invisible characters vanish */
        {"a&nbsp;&nbsp;b", "a b"},
        {"a\xc2\xa0\xc2\xa0"
         "b",
         "a b"},
        {"F&zwnj;r&zwj;e&shy;e", "Free"},
        {"F\xe2\x80\x8cr\xe2\x80\x8b"
         "e\xc2\xad"
         "e\xef\xbb\xbf",
         "Free"},
        {"\xe2\x80\x94 \xc3\xa9", "\xe2\x80\x94 \xc3\xa9"}, /* other UTF-8 intact */
        {"  a \r\n\t b  ", "a b"},
        {"<br><br>a<br><br><br>b<p></p>", "a\nb"},
        /* comments and declarations */
        {"a<!-- <p>hidden</p> -->b", "ab"},
        {"a<!-->b", "ab"},
        {"a<!--->b", "ab"},
        {"a<!-- x --!>b", "ab"},
        {"a<!-- never closed <p>x", "a"},
        {"<!DOCTYPE html>x", "x"},
        {"<?xml version='1.0'?>x", "x"},
        {"a<![CDATA[ x > y ]]>b", "a y ]]>b"},
        {"a</>b", "ab"},
        {"a</ bogus>b", "ab"},
        /* literal '<' */
        {"1 < 2 and 3 <4", "1 < 2 and 3 <4"},
        {"a<", "a<"},
        {"a<1>", "a<1>"},
        /* case-insensitive tags, block elements */
        {"<P>A<BR>B</P><DIV>C</DIV>", "A\nB\nC"},
        {"<h1>T</h1>x<ul><li>one<li>two</ul>y", "T\nx\none\ntwo\ny"},
        {"<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "a b\nc"},
        {"<span>in</span><font color=red>line</font>", "inline"},
        /* dropped content */
        {"a<script>b", "a"},
        {"<script>x</scripty>y</script>z", "z"},
        {"<SCRIPT type=x>if (a<b) {}</SCRIPT >z", "z"},
        {"<style>", ""},
        {"<title>Subject line</title>Body", "Body"},
        {"x<iframe src=y>fallback</iframe>z", "xz"},
        {"<template><p>t</p></template>v", "v"},
        /* tag attribute quoting */
        {"<p title=\"a>b\">x</p>", "x"},
        {"<p title='a>b'>x</p>", "x"},
        {"<p title=\"never closed>x</p>", ""},
        {"<div", ""},
        {"text<div class=x", "text"},
        {"<b/>bold<br/>next", "bold\nnext"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        struct html_doc d;
        render(a, cases[i].in, strlen(cases[i].in), &d, &an);
        if (d.text_len != strlen(cases[i].want) || strcmp(d.text, cases[i].want) != 0)
            fail_msg("case %zu \"%s\":\n got \"%s\"\nwant \"%s\"", i, cases[i].in, d.text,
                     cases[i].want);
        assert_int_equal(an.n, 0);
        arena_free(a);
    }
}

struct link_want {
    const char *href, *text;
};

static void test_links(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    static const char html[] =
        "<a title=\"x>y\" href='http://e.example/?a=1&amp;b=2'>click <b>here</b></a>\n"
        "<A HREF=http://x.example/p>go</A> "
        "<a href=\"http://x/?a=1&copy=2\">c</a> "
        "<a name=anchor>not a link</a> "
        "<a href=\" https://t.example/r \">one<a href=\"2\">two</a>"
        "<a href=\"u\"><p>line1</p><p>line2</p></a>"
        "<map><area href=\"http://area.example/\" alt=\"Area &amp; alt\"><area nohref></map>"
        "<a href=\"last\">unclosed";
    struct html_doc d;
    render(a, html, sizeof html - 1, &d, &an);
    static const struct link_want want[] = {
        {"http://e.example/?a=1&b=2", "click here"},
        {"http://x.example/p", "go"},
        {"http://x/?a=1&copy=2", "c"},
        {"https://t.example/r", "one"},
        {"2", "two"},
        {"u", "line1 line2"},
        {"http://area.example/", "Area & alt"},
        {"last", "unclosed"},
    };
    assert_int_equal(d.n_links, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < d.n_links; i++) {
        assert_string_equal(d.links[i].href, want[i].href);
        assert_string_equal(d.links[i].text, want[i].text);
    }
    assert_string_equal(d.text, "click here go c not a link onetwo\nline1\nline2\nunclosed");
    assert_int_equal(an.n, 0);

    /* a tag cut by the end of input still yields its link */
    struct html_doc e;
    render(a, "Hello <a href=\"http://cut", 25, &e, &an);
    assert_int_equal(e.n_links, 1);
    assert_string_equal(e.links[0].href, "http://cut");
    assert_string_equal(e.links[0].text, "");
    assert_string_equal(e.text, "Hello");

    /* fuzz regression: an <area> inside an open <a> must not take its text */
    render(a, "<a href=x>in <map><area href=y alt=Y></map>side</a>", 51, &e, &an);
    assert_int_equal(e.n_links, 2);
    assert_string_equal(e.links[0].href, "x");
    assert_string_equal(e.links[0].text, "in side");
    assert_string_equal(e.links[1].href, "y");
    assert_string_equal(e.links[1].text, "Y");
    arena_free(a);
}

struct img_want {
    const char *src;
    enum html_img_kind kind;
    int w, h;
    bool pixel;
};

static void test_images(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    static const char html[] =
        "<img src=\"http://t.example/p.gif\" width=\"1\" height=\"1\">"
        "<img src=\"cid:logo@x\" width=1 height=1>"
        "<img src=\"https://x.example/big.png\" width=\"600\" height=\"300\" alt=big>"
        "<img src=\"//x.example/a.gif\" style=\"display: none\">"
        "<img src=\"data:image/png;base64,AAAA\">"
        "<img src=\"http://x.example/y.gif\" style=\"width:0px;height:0px\">"
        "<img src=\"images/a.png\" width=1 height=1>"
        "<img src=\"http://x.example/pct.gif\" width=\"100%\" height=\"1\">"
        "<IMG SRC=\"HTTP://X.EXAMPLE/Y\" WIDTH=2 HEIGHT=2>"
        "<img src=\"http://x.example/s.gif\" width=600 height=400 style=\"WIDTH: 1px; height:1px\">"
        "<img src=\"http://x.example/v.gif\" style=\"visibility:hidden\" width=300 height=200>"
        "<img src=\"http://x.example/w.gif\" width=1>"
        "<img alt=nosrc>"
        "<img src=\" http://x.example/t.gif?a=1&amp;b=2 \" height=\"1.5\" width=\"1px\">";
    struct html_doc d;
    render(a, html, sizeof html - 1, &d, &an);
    static const struct img_want want[] = {
        {"http://t.example/p.gif", IMG_REMOTE, 1, 1, true},
        {"cid:logo@x", IMG_CID, 1, 1, false},
        {"https://x.example/big.png", IMG_REMOTE, 600, 300, false},
        {"//x.example/a.gif", IMG_REMOTE, -1, -1, true},
        {"data:image/png;base64,AAAA", IMG_DATA, -1, -1, false},
        {"http://x.example/y.gif", IMG_REMOTE, 0, 0, true},
        {"images/a.png", IMG_OTHER, 1, 1, false},
        {"http://x.example/pct.gif", IMG_REMOTE, -1, 1, false},
        {"HTTP://X.EXAMPLE/Y", IMG_REMOTE, 2, 2, true},
        {"http://x.example/s.gif", IMG_REMOTE, 1, 1, true},
        {"http://x.example/v.gif", IMG_REMOTE, 300, 200, true},
        {"http://x.example/w.gif", IMG_REMOTE, 1, -1, false},
        {"http://x.example/t.gif?a=1&b=2", IMG_REMOTE, 1, 1, true},
    };
    assert_int_equal(d.n_images, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < d.n_images; i++) {
        if (strcmp(d.images[i].src, want[i].src) != 0 || d.images[i].kind != want[i].kind ||
            d.images[i].width != want[i].w || d.images[i].height != want[i].h ||
            d.images[i].tracking_pixel != want[i].pixel)
            fail_msg("image %zu: %s kind %d %dx%d pixel %d", i, d.images[i].src, d.images[i].kind,
                     d.images[i].width, d.images[i].height, d.images[i].tracking_pixel);
    }
    assert_string_equal(d.text, "");
    assert_int_equal(an.n, 0);
    /* st.length counts characters: bytes less UTF-8 continuation bytes,
     * which are found after, inside and at the end of eight-byte ASCII runs
     * (29 bytes, the three continuation bytes of "\xc3\xa9" and "\xe2\x82\xac") */
    struct html_doc dl;
    render(a, "<p>abcdefgh\xc3\xa9ijklmno\xe2\x82\xacpq</p>", 29, &dl, &an);
    assert_int_equal(dl.st.length, 26);
    render(a, "abcdefg\xc3\xa9", 9, &dl, &an);
    assert_int_equal(dl.st.length, 8);
    /* a stray continuation byte as the last of eight */
    render(a, "abcdefg\x80xyz", 11, &dl, &an);
    assert_int_equal(dl.st.length, 10);
    arena_free(a);
}

static void test_ceilings(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    /* HTML_MAX_LINKS + 10 links and as many images */
    size_t n = HTML_MAX_LINKS + 10;
    static const char unit[] = "<a href=h>t</a> <img src=s>";
    size_t ul = sizeof unit - 1;
    char *buf = arena_alloc(a, n * ul);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * ul, unit, ul);
    struct html_doc d;
    html_render(a, buf, n * ul, &d, &an);
    assert_int_equal(d.n_links, HTML_MAX_LINKS);
    assert_int_equal(d.n_images, HTML_MAX_LINKS);
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_HTML_TOO_MANY_LINKS);
    assert_int_equal(d.text_len, n * 2 - 1); /* "t t t ... t" */
    arena_free(a);

    a = arena_new();
    anom_init(&an, a);
    size_t big = HTML_MAX_INPUT + 100;
    char *huge = arena_alloc(a, big);
    memset(huge, 'x', big);
    memcpy(huge + HTML_MAX_INPUT - 3, "<p>", 3);
    html_render(a, huge, big, &d, &an);
    assert_int_equal(an.n, 1);
    assert_int_equal(an.v[0].code, ANOM_HTML_TOO_LARGE);
    assert_int_equal(d.text_len, HTML_MAX_INPUT - 3);
    arena_free(a);
}

/* Every prefix of a nasty document, each from an exact-size buffer: under
 * ASan this proves no read past len. */
static void test_every_prefix(void **state)
{
    (void)state;
    static const char doc[] =
        "<!DOCTYPE html><html><head><title>x</title><style>a{}</style></head>"
        "<body><!-- c --><p class='a\"b' data-x=y>Hi&nbsp;&amp;&#x41;&#66;&eacute;&copy"
        "<a href=\"http://e/?q=1&amp;r\">link</a><img src=//x/p.gif width=1 height=1>"
        "<script>var s='</scr'+'ipt>';</script><![CDATA[x]]><?pi?>\xe2\x80\x8b\xc2\xa0"
        "<table><tr><td>1<td>2</table></body></html>";
    for (size_t k = 0; k < sizeof doc; k++) {
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        struct html_doc d;
        render(a, doc, k, &d, &an);
        assert_int_equal(strlen(d.text), d.text_len);
        arena_free(a);
    }
}

/* A tag's name is read three ways (its letters, up to '/', up to a space or
 * '>' less a final "/>" slash) and markup() looks a name of letters alone up
 * once for all three: names of every form, letters alone or not, in capitals,
 * past the 15 and 31 byte cuts, the renderer-only names (article, nav) and
 * SpamAssassin's with a '-' or a namespace. The expected values are what
 * the three look-ups gave before they were merged (the same program run on
 * the code before the change). */
struct tag_case {
    const char *in;
    const char *text; /* '\n' of the rendered text shown as '|' */
    int tags, elements, tags_seen, elements_seen, closed_extra;
    size_t n_links;
    const char *tagv; /* "name=inside ..." */
};

static void test_tag_name_forms(void **state)
{
    (void)state;
    static const struct tag_case cases[] = {
        {"<P>a</p><BR/>b<br />c<br/ >d<BR>e", "a|b|c|d|e", 6, 5, 3, 2, 0, 0, "p=0 br=3 br/=1"},
        {"<img2 src=a.png alt=x>f<a:b href=http://x.example/>g</a:b><A "
         "HREF=http://y.example/>h</A>",
         "fgh", 5, 2, 3, 1, 0, 1, "img2=1 a:b=0 a=0"},
        {"<article>i</article><NAV>j</nav><x-tab>k</X-TAB><o:p>l</o:p>", "i|j|kl", 8, 4, 4, 2, 0, 0,
         "article=0 nav=0 x-tab=0 o:p=0"},
        {"<script>m</SCRIPT >n<title>T</title><style>s", "n", 6, 6, 3, 3, 0, 0,
         "script=0 title=0 style=0"},
        {"<abcdefghijklmnopqrstuvwxyzabcdefgh>o</abcdefghijklmnopqrstuvwxyzabcdefgh><img/>p</p></p>"
         "<div",
         "op", 5, 3, 3, 2, 2, 0, "abcdefghijklmnopqrstuvwxyzabcde=0 img=1 p=0"},
        {"<td>q<th>r</th><iframe src=z>u</iframe><table/>v<Table >w", "q r|v|w", 7, 7, 4, 4, 0, 0,
         "td=1 th=0 iframe=0 table=2"},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        const struct tag_case *k = &cases[c];
        arena *a = arena_new();
        struct html_doc d;
        render(a, k->in, strlen(k->in), &d, NULL);
        char text[256];
        assert_true(d.text_len < sizeof text);
        for (size_t i = 0; i < d.text_len; i++)
            text[i] = d.text[i] == '\n' ? '|' : d.text[i];
        text[d.text_len] = 0;
        assert_string_equal(text, k->text);
        assert_int_equal(d.st.tags, k->tags);
        assert_int_equal(d.st.elements, k->elements);
        assert_int_equal(d.st.tags_seen, k->tags_seen);
        assert_int_equal(d.st.elements_seen, k->elements_seen);
        assert_int_equal(d.st.closed_extra, k->closed_extra);
        assert_int_equal(d.n_links, k->n_links);
        char tagv[512] = "";
        size_t n = 0;
        for (size_t i = 0; i < d.st.n_tagv; i++)
            n += (size_t)snprintf(tagv + n, sizeof tagv - n, "%s%s=%d", i ? " " : "",
                                  d.st.tagv[i].name, d.st.tagv[i].inside);
        assert_string_equal(tagv, k->tagv);
        arena_free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_table),   cmocka_unit_test(test_links),
        cmocka_unit_test(test_images),       cmocka_unit_test(test_ceilings),
        cmocka_unit_test(test_every_prefix), cmocka_unit_test(test_tag_name_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
