/* Unit tests for report/render_html: a model built by hand (hostile strings
 * in every field, invalid UTF-8, --compare values, thresholds, charts,
 * truncated tables) is rendered to memory and checked as a document:
 *  - it parses as strict XML (the renderer writes polyglot markup), so a
 *    tag left open or an attribute broken by a quote is an error, and the
 *    text read back through the parser equals the raw model string (escaped
 *    once, not zero times nor twice);
 *  - libxml2's HTML parser reports no error but its "unknown tag" for the
 *    HTML5 elements it predates (section, nav, svg...);
 *  - structure: every section id is an element id with a TOC link, the
 *    empty line, the thresholds first, cards with the change, items,
 *    chart bars, number formats, "top N shown";
 *  - no <script anywhere, no on* attribute;
 *  - a write error is reported.
 * Expected strings are worked out by hand from the model below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "report/model.h"
#include "report/render.h"

#define HOSTILE "<script>alert(1)</script>"
#define FFFD "\xEF\xBF\xBD"

struct fixture {
    struct report r;
    char *html;
    size_t len;
    xmlDocPtr doc;
};

static int n_xml_errors;
static char first_xml_error[512];

static void count_error(void *ctx, xmlError *e)
{
    (void)ctx;
    /* libxml2's HTML parser knows HTML 4 only: section, nav, svg... are
     * "unknown" to it, which is not a defect of the document */
    if (e->domain == XML_FROM_HTML && e->code == XML_HTML_UNKNOWN_TAG) return;
    if (e->level < XML_ERR_ERROR) return;
    if (n_xml_errors++ == 0)
        snprintf(first_xml_error, sizeof first_xml_error, "line %d: %s", e->line,
                 e->message ? e->message : "?");
}

static void build(struct report *r)
{
    memset(r, 0, sizeof *r);
    r->a = arena_new();
    r->db_path = "/var/lib/<db>&\"x\".db";
    r->generated = "2025-04-02T00:00:00Z";
    r->since = "2025-04-01T00:00:00Z";
    r->until = "2025-04-02T00:00:00Z";
    r->prev_since = "2025-03-31T00:00:00Z";
    r->prev_until = "2025-04-01T00:00:00Z";
    r->domain = "ex'ample.com";
    r->campaign = HOSTILE;

    r->th = arena_zalloc(r->a, 2 * sizeof *r->th);
    r->th[0] = (struct rthreshold){.expr = "spam_placement>0.1",
                                   .metric = "spam_placement",
                                   .op = ">",
                                   .limit = 0.1,
                                   .has_value = true,
                                   .value = 0.5,
                                   .breached = true};
    r->th[1] = (struct rthreshold){.expr = "bounce_rate>0.02",
                                   .metric = "bounce_rate",
                                   .op = ">",
                                   .limit = 0.02,
                                   .has_value = false};
    r->n_th = 2;
    r->n_breached = 1;

    /* overview: facts under --compare */
    struct rsection *s = rsec_add(r, "overview", "overview");
    struct rfact *f = rsec_fact(s, r, "messages", "messages", rv_int(1234567), 0);
    f->has_prev = true;
    f->prev = rv_int(1234557);
    f = rsec_fact(s, r, "spam_rate", "spam " HOSTILE, rv_pct(0.5), -1);
    f->has_prev = true;
    f->prev = rv_pct(0.25);
    f = rsec_fact(s, r, "dkim_pass", "DKIM pass rate", rv_pct(0.9), +1);
    f->has_prev = true;
    f->prev = rv_pct(0.8);
    rsec_fact(s, r, "subject", "subject", rv_text(HOSTILE), 0);
    f = rsec_fact(s, r, "sources", "sources read", rv_int(7), 0);
    f->has_prev = true;
    f->prev = rv_int(7);
    f = rsec_fact(s, r, "from", "period from", rv_time("2025-04-01T00:00:00Z"), 0);
    f->has_prev = true;
    f->prev = rv_time("2025-03-31T00:00:00Z");

    /* authentication: no data */
    s = rsec_add(r, "authentication", "authentication");
    rsec_empty(s, r, "no DKIM <signatures> & no SPF");

    /* content: a histogram */
    s = rsec_add(r, "content", "content");
    struct rchart *c = rsec_chart(s, r, "scores", "Score " HOSTILE, RC_BARS, 3, 1, "messages");
    c->labels[0] = "0-1";
    c->labels[1] = HOSTILE;
    c->labels[2] = "a label that is much longer than twenty-two characters";
    c->series[0] = "messages";
    c->values[0] = 5;
    c->values[1] = 12;
    c->values[2] = 0;

    /* delivery: a stacked timeline */
    s = rsec_add(r, "delivery", "delivery");
    c = rsec_chart(s, r, "timeline", "Outcomes per hour", RC_STACKED, 2, 3, "deliveries");
    c->labels[0] = "06h";
    c->labels[1] = "07h";
    c->series[0] = "sent";
    c->series[1] = "deferred";
    c->series[2] = "s\"er'ies<";
    for (size_t i = 0; i < 6; i++)
        c->values[i] = (double)(i + 1);

    /* postmortem: a table with hostile and invalid strings, truncated */
    s = rsec_add(r, "postmortem", "post-mortem " HOSTILE);
    struct rtable *t =
        rsec_table(s, r, "features", "Features", "feature:t:Feature|spam:i:Spam|rate:p:Rate");
    t->note = "note & <b>";
    t->limit = 2;
    t->truncated = true;
    struct rval row1[] = {rv_text(HOSTILE), rv_int(1234567), rv_pct(0.125)};
    struct rval row2[] = {
        rv_text("a\xff\xfe"
                "b\xc3\x01|\xc0\xaf|\xed\xa0\x80|\xef\xbf\xbe|\xc2\x85|ok \xc3\xa9"),
        rv_null(), rv_null()};
    rtable_row(t, r, row1);
    rtable_row(t, r, row2);

    /* recommendations: items */
    s = rsec_add(r, "recommendations", "recommendations");
    rsec_item(s, r, RS_CRITICAL, 40, "dkim_body_hash", "Sign after the footer " HOSTILE,
              "DKIM fails on 38 of 40 <spam> copies", "<msg-1@example.com>");
    rsec_item(s, r, RS_INFO, 1, "dmarc", "Publish a DMARC record", NULL, NULL);
    rsec_note(s, r, "note %s", HOSTILE);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    build(&fx->r);
    FILE *m = open_memstream(&fx->html, &fx->len);
    char err[256] = "";
    int rc = render_html(&fx->r, m, err, sizeof err);
    fclose(m);
    if (rc != 0) return -1;
    n_xml_errors = 0;
    xmlSetStructuredErrorFunc(NULL, count_error);
    fx->doc = xmlReadMemory(fx->html, (int)fx->len, "report.html", "UTF-8", XML_PARSE_NONET);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    if (fx->doc) xmlFreeDoc(fx->doc);
    free(fx->html);
    arena_free(fx->r.a);
    free(fx);
    return 0;
}

static double xp_num(xmlDocPtr doc, const char *expr)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    assert_non_null(o);
    double v = xmlXPathCastToNumber(o);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return v;
}

static int xp_count(xmlDocPtr doc, const char *path)
{
    char expr[512];
    snprintf(expr, sizeof expr, "count(%s)", path);
    return (int)xp_num(doc, expr);
}

/* string(path), normalized whitespace not applied: the raw text */
static char *xp_str(xmlDocPtr doc, const char *path)
{
    xmlXPathContextPtr ctx = xmlXPathNewContext(doc);
    char expr[512];
    snprintf(expr, sizeof expr, "string(%s)", path);
    xmlXPathObjectPtr o = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    assert_non_null(o);
    char *s = strdup((const char *)(o->stringval ? o->stringval : (const xmlChar *)""));
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    return s;
}

static void assert_xp_str(xmlDocPtr doc, const char *path, const char *want)
{
    char *got = xp_str(doc, path);
    if (strcmp(got, want) != 0) print_error("%s: got \"%s\", want \"%s\"\n", path, got, want);
    assert_string_equal(got, want);
    free(got);
}

static size_t count_substr(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void test_well_formed_xml(void **state)
{
    struct fixture *fx = *state;
    if (!fx->doc || n_xml_errors) print_error("%s\n", first_xml_error);
    assert_non_null(fx->doc);
    assert_int_equal(n_xml_errors, 0);
    assert_int_equal(xp_count(fx->doc, "/html/head/meta[@charset='utf-8']"), 1);
    /* the CSP forbids scripts */
    assert_xp_str(fx->doc, "/html/head/meta[@http-equiv='Content-Security-Policy']/@content",
                  "default-src 'none'; style-src 'unsafe-inline'; img-src data:");
}

static void test_html_parser_no_errors(void **state)
{
    struct fixture *fx = *state;
    n_xml_errors = 0;
    htmlDocPtr h = htmlReadMemory(fx->html, (int)fx->len, "report.html", "UTF-8",
                                  HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
    assert_non_null(h);
    if (n_xml_errors) print_error("%s\n", first_xml_error);
    assert_int_equal(n_xml_errors, 0);
    /* the HTML parser finds the table cell text intact too */
    xmlXPathContextPtr ctx = xmlXPathNewContext(h);
    xmlXPathObjectPtr o = xmlXPathEvalExpression(
        (const xmlChar *)"string(//section[@id='postmortem']//tbody/tr[1]/td[1])", ctx);
    assert_string_equal((const char *)o->stringval, HOSTILE);
    xmlXPathFreeObject(o);
    o = xmlXPathEvalExpression((const xmlChar *)"count(//script)", ctx);
    assert_int_equal((int)xmlXPathCastToNumber(o), 0);
    xmlXPathFreeObject(o);
    xmlXPathFreeContext(ctx);
    xmlFreeDoc(h);
}

static void test_no_script(void **state)
{
    struct fixture *fx = *state;
    assert_null(strcasestr(fx->html, "<script"));
    assert_null(strcasestr(fx->html, "javascript:"));
    assert_int_equal(xp_count(fx->doc, "//*[local-name()='script']"), 0);
    assert_int_equal(xp_count(fx->doc, "//@*[starts-with(name(), 'on')]"), 0);
    /* no external resource: no src attribute, hrefs are fragments or data: */
    assert_int_equal(xp_count(fx->doc, "//@src"), 0);
    assert_int_equal(xp_count(fx->doc, "//@href[not(starts-with(., '#')) and "
                                       "not(starts-with(., 'data:'))]"),
                     0);
}

static void test_escaping(void **state)
{
    struct fixture *fx = *state;
    /* HOSTILE is in the model 10 times: campaign filter, fact label, fact
     * value, chart title (figcaption, svg title), chart label (axis text,
     * bar tooltip, numbers table), section title (heading, TOC link),
     * table cell, item title, note = 13 places in the document */
    assert_int_equal(count_substr(fx->html, "&lt;script&gt;alert(1)&lt;/script&gt;"), 13);
    assert_xp_str(fx->doc, "//section[@id='postmortem']//tbody/tr[1]/td[1]", HOSTILE);
    assert_xp_str(fx->doc, "//section[@id='postmortem']/h2", "post-mortem " HOSTILE);
    assert_xp_str(fx->doc, "//nav//a[@href='#postmortem']", "post-mortem " HOSTILE);
    assert_xp_str(fx->doc, "//div[@data-key='subject']/div[@class='v txt']", HOSTILE);
    assert_xp_str(fx->doc, "//div[@data-key='spam_rate']/div[@class='l']", "spam " HOSTILE);
    assert_xp_str(fx->doc, "//li[@data-key='dkim_body_hash']/span[@class='t']",
                  "Sign after the footer " HOSTILE);
    assert_xp_str(fx->doc, "//li[@data-key='dkim_body_hash']/p[@class='ev']",
                  "DKIM fails on 38 of 40 <spam> copies");
    assert_xp_str(fx->doc, "//li[@data-key='dkim_body_hash']//code", "<msg-1@example.com>");
    assert_xp_str(fx->doc, "//section[@id='recommendations']/ul[@class='notes']/li",
                  "note " HOSTILE);
    assert_xp_str(fx->doc, "//figure[@id='content-scores']/figcaption", "Score " HOSTILE);
    assert_xp_str(
        fx->doc, "//figure[@id='content-scores']/div/*[local-name()='svg']/*[local-name()='title']",
        "Score " HOSTILE);
    /* the chart label as SVG text */
    assert_int_equal(xp_count(fx->doc, "//figure[@id='content-scores']//*[local-name()='text' and "
                                       "text()='<script>alert(1)</script>']"),
                     1);
    /* a series name with both quotes, in the legend */
    assert_xp_str(fx->doc, "//figure[@id='delivery-timeline']/ul[@class='legend']/li[3]",
                  "s\"er'ies<");
    /* header strings */
    assert_xp_str(fx->doc, "//dl[@class='meta']/dd[1]", "/var/lib/<db>&\"x\".db");
    assert_xp_str(fx->doc, "//dl[@class='meta']/dd[4]", "domain ex'ample.com, campaign " HOSTILE);
    assert_non_null(strstr(fx->html, "ex&#39;ample.com"));
    assert_non_null(strstr(fx->html, "&lt;db&gt;&amp;&quot;x&quot;.db"));
}

static void test_invalid_utf8(void **state)
{
    struct fixture *fx = *state;
    /* a, FF, FE (two stray bytes), b, C3 (lead without continuation), 01
     * (control); C0 AF (overlong: 2); ED A0 80 (surrogate: 3); EF BF BE
     * (U+FFFE, a noncharacter: 1); C2 85 (U+0085, a C1 control: 1); é kept */
    assert_xp_str(fx->doc, "//section[@id='postmortem']//tbody/tr[2]/td[1]",
                  "a" FFFD FFFD "b" FFFD FFFD "|" FFFD FFFD "|" FFFD FFFD FFFD "|" FFFD "|" FFFD
                  "|ok \xc3\xa9");
}

static void test_sections(void **state)
{
    struct fixture *fx = *state;
    static const char *const ids[] = {"overview", "authentication", "content",
                                      "delivery", "postmortem",     "recommendations"};
    char path[128];
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        snprintf(path, sizeof path, "//section[@id='%s']", ids[i]);
        assert_int_equal(xp_count(fx->doc, path), 1);
        snprintf(path, sizeof path, "//nav//a[@href='#%s']", ids[i]);
        assert_int_equal(xp_count(fx->doc, path), 1);
        /* model order */
        snprintf(path, sizeof path, "/html/body/main/section[@id!='fail-on'][%zu]/@id", i + 1);
        assert_xp_str(fx->doc, path, ids[i]);
    }
    /* ids are unique in the whole document */
    assert_int_equal(xp_num(fx->doc, "count(//@id)"),
                     xp_num(fx->doc, "count(//@id[not(. = preceding::*/@id) and "
                                     "not(. = ancestor::*[position() > 1]/@id)])"));
    /* the empty line, and the section with it still has its heading */
    assert_xp_str(fx->doc, "//section[@id='authentication']/p[@class='empty']",
                  "no DKIM <signatures> & no SPF");
    assert_xp_str(fx->doc, "//section[@id='authentication']/h2", "authentication");
    assert_xp_str(fx->doc, "//nav//li[2]/span", "(no data)");
    /* thresholds, then contents, then the sections */
    assert_xp_str(fx->doc, "name(/html/body/main/*[1])", "section");
    assert_xp_str(fx->doc, "/html/body/main/*[1]/@id", "fail-on");
    assert_xp_str(fx->doc, "name(/html/body/main/*[2])", "nav");
    assert_xp_str(fx->doc, "//table[@class='th']/tbody/tr[1]/@class", "breached");
    assert_xp_str(fx->doc, "//table[@class='th']/tbody/tr[1]/td[1]", "spam_placement>0.1");
    assert_xp_str(fx->doc, "//table[@class='th']/tbody/tr[1]/td[2]", "0.5");
    assert_xp_str(fx->doc, "//table[@class='th']/tbody/tr[2]/td[2]", "\xE2\x80\x93");
    assert_xp_str(fx->doc, "//table[@class='th']/tbody/tr[2]/td[3]", "no data");
}

static void test_facts_compare(void **state)
{
    struct fixture *fx = *state;
    /* 1234567 vs 1234557: +10, relative 10/1234557 = +0.0008% -> "+0.0%"; better 0: flat */
    assert_xp_str(fx->doc, "//div[@data-key='messages']/div[@class='v']", "1,234,567");
    assert_xp_str(fx->doc, "//div[@data-key='messages']//span[1]/@class", "flat");
    assert_xp_str(fx->doc, "//div[@data-key='messages']//span[1]", "\xE2\x96\xB2 +10 (+0.0%)");
    assert_xp_str(fx->doc, "//div[@data-key='messages']//span[@class='was']", "was 1,234,557");
    /* 50% vs 25%, lower is better: up 25 points, worse */
    assert_xp_str(fx->doc, "//div[@data-key='spam_rate']/div[@class='v']", "50%");
    assert_xp_str(fx->doc, "//div[@data-key='spam_rate']//span[1]", "\xE2\x96\xB2 +25 pp (worse)");
    assert_xp_str(fx->doc, "//div[@data-key='spam_rate']//span[1]/@class", "bad");
    /* 90% vs 80%, higher is better: better */
    assert_xp_str(fx->doc, "//div[@data-key='dkim_pass']//span[1]", "\xE2\x96\xB2 +10 pp (better)");
    assert_xp_str(fx->doc, "//div[@data-key='dkim_pass']//span[1]/@class", "good");
    /* equal values: no arrow */
    assert_xp_str(fx->doc, "//div[@data-key='sources']/div[@class='cmp']",
                  "= no change \xC2\xB7 was 7");
    /* a time may wrap after its T, and its text stays the ISO string */
    assert_xp_str(fx->doc, "//div[@data-key='from']/div[@class='v txt']", "2025-04-01T00:00:00Z");
    assert_int_equal(xp_count(fx->doc, "//div[@data-key='from']/div[@class='v txt']/wbr"), 1);
    assert_xp_str(fx->doc, "//div[@data-key='from']//span[@class='was']",
                  "was 2025-03-31T00:00:00Z");
    /* no --compare value: no change line */
    assert_int_equal(xp_count(fx->doc, "//div[@data-key='subject']/div[@class='cmp']"), 0);
}

static void test_tables(void **state)
{
    struct fixture *fx = *state;
    const char *tb = "//section[@id='postmortem']//table";
    char p[256];
    snprintf(p, sizeof p, "%s/tbody/tr[1]/td[2]", tb);
    assert_xp_str(fx->doc, p, "1,234,567");
    snprintf(p, sizeof p, "%s/tbody/tr[1]/td[2]/@class", tb);
    assert_xp_str(fx->doc, p, "num");
    snprintf(p, sizeof p, "%s/tbody/tr[1]/td[3]", tb);
    assert_xp_str(fx->doc, p, "12.5%");
    snprintf(p, sizeof p, "%s/tbody/tr[2]/td[2]", tb);
    assert_xp_str(fx->doc, p, "\xE2\x80\x93");
    snprintf(p, sizeof p, "%s/thead/tr/th[3]/@class", tb);
    assert_xp_str(fx->doc, p, "num");
    snprintf(p, sizeof p, "%s/tbody/tr[1]/td[1]/@class", tb);
    assert_xp_str(fx->doc, p, ""); /* text: left-aligned */
    assert_xp_str(fx->doc, "//section[@id='postmortem']/p[@class='trunc']",
                  "Top 2 shown; more rows exist.");
    assert_xp_str(fx->doc, "//section[@id='postmortem']/p[@class='tnote']", "note & <b>");
    assert_xp_str(fx->doc, "//section[@id='postmortem']/h3/@id", "postmortem-features");
}

static void test_items(void **state)
{
    struct fixture *fx = *state;
    assert_int_equal(xp_count(fx->doc, "//section[@id='recommendations']/ol/li"), 2);
    assert_xp_str(fx->doc, "//li[@data-key='dkim_body_hash']/span[1]", "critical");
    assert_xp_str(fx->doc, "//li[@data-key='dkim_body_hash']/@class", "item sev-critical");
    assert_xp_str(fx->doc, "//li[@data-key='dmarc']/span[1]", "info");
    /* no evidence, no example: no empty paragraphs */
    assert_int_equal(xp_count(fx->doc, "//li[@data-key='dmarc']/p"), 0);
    assert_xp_str(fx->doc, "//nav//li[6]/span", "(2 findings)");
}

static void test_charts(void **state)
{
    struct fixture *fx = *state;
    /* bars: one rect per label (3) in the histogram; the zero bar has height 0 */
    const char *svg = "//figure[@id='content-scores']/div/*[local-name()='svg']";
    char p[256];
    snprintf(p, sizeof p, "%s/*[local-name()='g']/*[local-name()='rect']", svg);
    assert_int_equal(xp_count(fx->doc, p), 3);
    snprintf(p, sizeof p,
             "%s/*[local-name()='g']/*[local-name()='rect'][1]/*[local-name()='title']", svg);
    /* tooltips: label, value and unit; the first bar is "0-1: 5 messages" */
    assert_int_equal(xp_count(fx->doc, "//figure[@id='content-scores']//*[local-name()='rect']/"
                                       "*[local-name()='title' and .='0-1: 5 messages']"),
                     1);
    /* the long label is cut at 26 characters with an ellipsis on the axis */
    assert_int_equal(xp_count(fx->doc, "//figure[@id='content-scores']//*[local-name()='text' "
                                       "and .='a label that is much longe\xE2\x80\xA6']"),
                     1);
    /* the value axis reaches 12: ticks 0 5 10 15 (step 5 for a max of 12) */
    assert_int_equal(xp_count(fx->doc, "//figure[@id='content-scores']//*[local-name()='g' and "
                                       "@aria-hidden='true']/*[local-name()='text' and .='15']"),
                     1);
    /* svg is labelled by its title and desc */
    snprintf(p, sizeof p, "%s/@role", svg);
    assert_xp_str(fx->doc, p, "img");
    /* stacked: 2 labels x 3 series rects, a legend of 3, totals 1+3+5=9 and 2+4+6=12 */
    assert_int_equal(xp_count(fx->doc,
                              "//figure[@id='delivery-timeline']/div/*[local-name()='svg']/"
                              "*[local-name()='g'][not(@aria-hidden)]/*[local-name()='rect']"),
                     6);
    assert_int_equal(xp_count(fx->doc, "//figure[@id='delivery-timeline']/ul/li"), 3);
    /* colours: sent and deferred by name (Okabe-Ito blue, orange); the
     * third, unnamed, takes the first palette colour neither took: green */
    static const char *const fills[] = {"#0072B2", "#E69F00", "#009E73"};
    for (int i = 0; i < 3; i++) {
        char q[200];
        snprintf(q, sizeof q,
                 "//figure[@id='delivery-timeline']/ul/li[%d]/*[local-name()='svg']/"
                 "*[local-name()='rect']/@fill",
                 i + 1);
        assert_xp_str(fx->doc, q, fills[i]);
    }
    assert_int_equal(xp_count(fx->doc, "//figure[@id='delivery-timeline']//*[local-name()='text' "
                                       "and (.='9' or .='12')]"),
                     2);
    /* the numbers table: 07h deferred = values[1*2+1] = 4 */
    assert_xp_str(fx->doc, "//figure[@id='delivery-timeline']//tbody/tr[2]/td[2]", "4");
}

static void test_write_error(void **state)
{
    struct fixture *fx = *state;
    FILE *full = fopen("/dev/full", "w");
    if (!full) skip();
    char err[256] = "";
    assert_int_equal(render_html(&fx->r, full, err, sizeof err), -1);
    assert_non_null(strstr(err, "writing the HTML report"));
    fclose(full);
}

static void test_empty_report(void **state)
{
    (void)state;
    struct report r;
    memset(&r, 0, sizeof r);
    r.a = arena_new();
    r.empty_period = true;
    struct rsection *s = rsec_add(&r, "overview", "overview");
    rsec_empty(s, &r, "no messages in this period");
    /* a chart with no labels and a table with no rows */
    rsec_chart(s, &r, "c", "Empty chart", RC_BARS, 0, 1, NULL);
    rsec_table(s, &r, "t", "Empty table", "a:t:A");
    char *html = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&html, &len);
    char err[128];
    assert_int_equal(render_html(&r, m, err, sizeof err), 0);
    fclose(m);
    n_xml_errors = 0;
    xmlDocPtr d = xmlReadMemory(html, (int)len, "e.html", "UTF-8", XML_PARSE_NONET);
    assert_non_null(d);
    assert_int_equal(n_xml_errors, 0);
    assert_xp_str(d, "//p[@class='nodata']", "No data for this period.");
    assert_xp_str(d, "//section[@id='overview']/p[@class='empty']", "no messages in this period");
    assert_xp_str(d, "//section[@id='overview']/p[@class='none']", "No rows.");
    assert_int_equal(xp_count(d, "//*[local-name()='text' and .='no data']"), 1);
    /* no thresholds: no thresholds section; the header says "all time", no filters */
    assert_int_equal(xp_count(d, "//*[@id='fail-on']"), 0);
    assert_xp_str(d, "//dl[@class='meta']/dd[2]", "all time");
    assert_xp_str(d, "//dl[@class='meta']/dd[3]", "none");
    xmlFreeDoc(d);
    free(html);
    arena_free(r.a);
}

/* Any bytes in any string: the document still parses as XML with no error
 * (every invalid sequence, control byte and markup character handled).
 * 300 random strings of 0..40 bytes 0x01..0xFF from a fixed seed. */
static void test_random_bytes(void **state)
{
    (void)state;
    struct report r;
    memset(&r, 0, sizeof r);
    r.a = arena_new();
    struct rsection *s = rsec_add(&r, "overview", "overview");
    struct rtable *t = rsec_table(s, &r, "t", "T", "a:t:A|b:T:B");
    uint32_t x = 12345;
    char *strs[300];
    for (size_t i = 0; i < 300; i++) {
        size_t n = 0;
        x = x * 1103515245u + 12345u;
        size_t len = (x >> 16) % 41;
        strs[i] = arena_alloc(r.a, len + 1);
        for (; n < len; n++) {
            x = x * 1103515245u + 12345u;
            strs[i][n] = (char)(1 + (x >> 16) % 255);
        }
        strs[i][n] = '\0';
    }
    for (size_t i = 0; i + 1 < 300; i += 2) {
        struct rval row[] = {rv_text(strs[i]), rv_time(strs[i + 1])};
        rtable_row(t, &r, row);
    }
    for (size_t i = 0; i < 20; i++)
        rsec_fact(s, &r, "k", strs[i], rv_text(strs[i + 20]), 0);
    rsec_item(s, &r, RS_WARNING, 1, "k", strs[40], strs[41], strs[42]);
    struct rchart *c = rsec_chart(s, &r, "c", strs[43], RC_STACKED, 10, 2, strs[44]);
    for (size_t i = 0; i < 10; i++)
        c->labels[i] = strs[50 + i];
    c->series[0] = strs[60];
    c->series[1] = strs[61];
    rsec_note(s, &r, "%s", strs[62]);
    char *html = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&html, &len);
    char err[128];
    assert_int_equal(render_html(&r, m, err, sizeof err), 0);
    fclose(m);
    n_xml_errors = 0;
    xmlDocPtr d = xmlReadMemory(html, (int)len, "r.html", "UTF-8", XML_PARSE_NONET);
    if (!d || n_xml_errors) print_error("%s\n", first_xml_error);
    assert_non_null(d);
    assert_int_equal(n_xml_errors, 0);
    assert_int_equal(xp_count(d, "//section/div[@class='tw']/table/tbody/tr"), 150);
    assert_null(strcasestr(html, "<script"));
    xmlFreeDoc(d);
    free(html);
    arena_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_well_formed_xml), cmocka_unit_test(test_html_parser_no_errors),
        cmocka_unit_test(test_no_script),       cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_invalid_utf8),    cmocka_unit_test(test_sections),
        cmocka_unit_test(test_facts_compare),   cmocka_unit_test(test_tables),
        cmocka_unit_test(test_items),           cmocka_unit_test(test_charts),
        cmocka_unit_test(test_write_error),     cmocka_unit_test(test_empty_report),
        cmocka_unit_test(test_random_bytes),
    };
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    xmlCleanupParser();
    return rc;
}
