/* Unit tests for report/render_text.c. A report model is built by hand
 * (report/model.h), rendered into a memory stream, and the text checked:
 * no line wider than the width (measured here independently: SGR sequences
 * skipped, CJK counted 2), no escape byte without colour and only SGR with
 * it, hostile strings (ESC [2J, CR, <script>, invalid UTF-8, bidi override)
 * made harmless, and exact lines worked out by hand for tables, facts,
 * comparisons and bars. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/render.h"
#include "util/str.h"

/* ---- helpers ---- */

static char *render(const struct report *r, int width, bool color)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    char err[256] = "";
    assert_int_equal(render_text(r, f, width, color, err, sizeof err), 0);
    fclose(f);
    return out;
}

/* Display width of one line [p, e): SGR "ESC [ ... m" skipped; code points
 * in U+1100..115F, U+2E80..A4CF, U+AC00..D7A3, U+F900..FAFF, U+FF00..FF60
 * count 2 (the fixtures use only CJK and ASCII and block characters). */
static int line_width(const unsigned char *p, const unsigned char *e)
{
    int w = 0;
    while (p < e) {
        if (*p == 0x1b) {
            while (p < e && *p != 'm')
                p++;
            p++;
            continue;
        }
        uint32_t c;
        int n;
        if (*p < 0x80)
            c = *p, n = 1;
        else if (*p < 0xE0)
            c = (uint32_t)(*p & 0x1F) << 6 | (p[1] & 0x3F), n = 2;
        else if (*p < 0xF0)
            c = (uint32_t)(*p & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F), n = 3;
        else
            c = 0x10000, n = 4;
        w += ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) ||
              (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
              (c >= 0xFF00 && c <= 0xFF60))
                 ? 2
                 : 1;
        p += n;
    }
    return w;
}

/* Every line fits; control bytes: only LF, and ESC only as SGR with colour. */
static void check_output(const char *out, int width, bool color)
{
    assert_true(str_is_utf8(out, strlen(out)));
    const unsigned char *p = (const unsigned char *)out;
    int lineno = 1;
    while (*p) {
        const unsigned char *e = (const unsigned char *)strchr((const char *)p, '\n');
        assert_non_null(e); /* every line ends with LF */
        int w = line_width(p, e);
        if (w > width)
            fail_msg("line %d is %d columns wide (> %d): %.*s", lineno, w, width, (int)(e - p), p);
        for (const unsigned char *q = p; q < e; q++) {
            if (*q == 0x1b) {
                if (!color) fail_msg("ESC without colour on line %d", lineno);
                /* ESC [ digits/semicolons m */
                const unsigned char *s = q + 1;
                assert_int_equal(*s, '[');
                s++;
                while ((*s >= '0' && *s <= '9') || *s == ';')
                    s++;
                if (*s != 'm') fail_msg("non-SGR escape on line %d", lineno);
            } else if (*q < 0x20 || *q == 0x7f) {
                fail_msg("control byte 0x%02x on line %d", *q, lineno);
            }
            /* C1 controls as UTF-8 (C2 80..C2 9F) and U+202E must not pass */
            if (*q == 0xC2 && q + 1 < e && q[1] >= 0x80 && q[1] <= 0x9F)
                fail_msg("C1 control on line %d", lineno);
            if (*q == 0xE2 && q + 2 < e && q[1] == 0x80 && q[2] == 0xAE)
                fail_msg("bidi override on line %d", lineno);
        }
        p = e + 1;
        lineno++;
    }
}

static struct report *new_report(void)
{
    struct report *r = calloc(1, sizeof *r);
    r->a = arena_new();
    r->db_path = "/var/lib/mailaudit/mailaudit.db";
    r->generated = "2025-04-02T06:00:00Z";
    r->since = "2025-04-01T00:00:00Z";
    r->until = "2025-04-02T00:00:00Z";
    return r;
}

static void free_report(struct report *r)
{
    arena_free(r->a);
    free(r);
}

/* A report with something of everything and hostile strings in every
 * message-derived place. */
static struct report *hostile_report(bool compare)
{
    struct report *r = new_report();
    r->domain = "example.com\033[2J";
    r->campaign = "spring\r\nsale \xff";
    static struct rthreshold th[3] = {
        {.expr = "dkim_pass_rate<0.98",
         .metric = "dkim_pass_rate",
         .op = "<",
         .limit = 0.98,
         .has_value = true,
         .value = 0.99},
        {.expr = "bounce_rate>0.02",
         .metric = "bounce_rate",
         .op = ">",
         .limit = 0.02,
         .has_value = true,
         .value = 0.05,
         .breached = true},
        {.expr = "complaint_rate>0.001", .metric = "complaint_rate", .op = ">", .limit = 0.001},
    };
    r->th = th;
    r->n_th = 3;
    r->n_breached = 1;
    struct rsection *s = rsec_add(r, "overview", "Overview");
    struct rfact *f = rsec_fact(s, r, "messages", "Messages", rv_int(1234567), 0);
    if (compare) f->has_prev = true, f->prev = rv_int(1000000);
    f = rsec_fact(s, r, "spam_rate", "Spam placement", rv_pct(0.125), -1);
    if (compare) f->has_prev = true, f->prev = rv_pct(0.10);
    f = rsec_fact(s, r, "inbox_rate", "Inbox placement", rv_pct(0.8), 1);
    if (compare) f->has_prev = true, f->prev = rv_pct(0.6);
    f = rsec_fact(s, r, "avg_score", "Average score", rv_real(3.25), -1);
    if (compare) f->has_prev = true, f->prev = rv_real(3.25);
    rsec_fact(s, r, "first", "First message", rv_time("2025-04-01T06:00:01Z"), 0);
    rsec_note(s, r,
              "Log lines without a matching message are counted in Delivery only; this note "
              "is long enough that it must wrap across several lines at sixty columns.");
    struct rsection *e = rsec_add(r, "feedback", "Feedback reports");
    rsec_empty(e, r, "no DMARC aggregate, ARF or TLS-RPT reports in this period");
    struct rsection *c = rsec_add(r, "content", "Content \033[31mred");
    rsec_item(c, r, RS_CRITICAL, 40, "dkim_body_hash", "Sign after the footer is added",
              "DKIM body hash fails on 38 of 40 spam-placed copies and 0 inbox copies",
              "<20250401060001.ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789@mail.example.com>");
    rsec_item(c, r, RS_WARNING, 5, "subject", "Subject \033[2J\r<script>alert(1)</script>",
              "=cmd|' /C calc'!A0 \xff\xfe invalid \xc2\x9b"
              "31m",
              "\xe2\x80\xae"
              "evil");
    rsec_item(c, r, RS_INFO, 1, "info", "Publish a DMARC record", NULL, NULL);
    struct rchart *ch =
        rsec_chart(c, r, "score_hist", "Score distribution", RC_BARS, 4, 1, "messages");
    const char *labs[4] = {"0-1", "1-2", "2-5\033[2J",
                           "5+ 日本語の長いラベルです日本語の長いラベル"};
    double vals[4] = {120, 45, 3, 0.5};
    for (int i = 0; i < 4; i++)
        ch->labels[i] = labs[i], ch->values[i] = vals[i];
    ch->series[0] = "messages";
    struct rchart *st =
        rsec_chart(c, r, "timeline", "Outcomes per hour", RC_STACKED, 3, 3, "deliveries");
    const char *sl[3] = {"2025-04-01 06h", "2025-04-01 07h", "2025-04-01 08h\033]0;x\a"};
    const char *sn[3] = {"sent", "deferred", "spam\033[5m"};
    double sv[9] = {100, 80, 10, 5, 30, 0, 1, 2, 50};
    for (int i = 0; i < 3; i++)
        st->labels[i] = sl[i], st->series[i] = sn[i];
    memcpy(st->values, sv, sizeof sv);
    struct rtable *t = rsec_table(c, r, "top_rules", "Top rules hit",
                                  "rule:t:Rule|description:t:Description|messages:i:Messages|"
                                  "share:p:Share of messages|subject:t:Example subject");
    t->note = "rules with the highest hit counts";
    struct rval row1[5] = {rv_text("HTML_IMAGE_ONLY_08"),
                           rv_text("HTML: images with 0-800 bytes of words"), rv_int(12345),
                           rv_pct(0.5), rv_text("\"quoted, with comma\" 日本語の件名テキスト")};
    struct rval row2[5] = {rv_text("=cmd|' /C calc'!A0"),
                           rv_text("Subject \033[2J\r\n<script>alert(1)</script>"), rv_int(7),
                           rv_pct(0.0001), rv_text("bad \xc3\x28 utf8 \xe2\x80\xae bidi \x7f")};
    struct rval row3[5] = {rv_text("MISSING_DATE"), rv_null(), rv_int(0), rv_pct(1.0), rv_null()};
    rtable_row(t, r, row1);
    rtable_row(t, r, row2);
    rtable_row(t, r, row3);
    t->limit = 3;
    t->truncated = true;
    struct rtable *none = rsec_table(c, r, "nothing", "Nothing here", "a:t:A|b:i:B");
    (void)none;
    return r;
}

/* ---- tests ---- */

static void widths_and_escapes(void **state)
{
    (void)state;
    const int widths[] = {20, 60, 100, 200};
    for (int cmp = 0; cmp < 2; cmp++) {
        struct report *r = hostile_report(cmp);
        for (size_t w = 0; w < sizeof widths / sizeof widths[0]; w++)
            for (int color = 0; color < 2; color++) {
                char *out = render(r, widths[w], color);
                check_output(out, widths[w], color);
                if (!color) assert_null(strchr(out, 0x1b));
                /* the section with no data is there, with its line */
                assert_non_null(strstr(out, "Feedback reports"));
                if (widths[w] >= 60) assert_non_null(strstr(out, "no DMARC aggregate"));
                assert_non_null(strstr(out, "(top 3 shown)"));
                assert_non_null(strstr(out, "(none)"));
                /* hostile strings shown as harmless text */
                if (widths[w] >= 100) {
                    assert_non_null(strstr(out, "Subject ?[2J?<script>alert(1)</script>"));
                    assert_non_null(strstr(out, "=cmd|' /C calc'!A0 ?? invalid ?31m"));
                    assert_non_null(strstr(out, "?evil"));
                    assert_non_null(strstr(out, "domain example.com?[2J, campaign spring??sale ?"));
                    assert_non_null(strstr(out, "bad ?( utf8 ? bidi ?"));
                    assert_non_null(strstr(out, "Content ?[31mred"));
                }
                /* breached thresholds first */
                char *b = strstr(out, "BREACHED");
                char *ok = strstr(out, color ? "ok\033[0m" : "\n  ok ");
                if (!color && widths[w] >= 60) {
                    assert_non_null(strstr(out, "\n  BREACHED  bounce_rate > 0.02: 0.05\n"));
                    assert_non_null(strstr(out, "\n  ok        dkim_pass_rate < 0.98: 0.99\n"));
                }
                assert_non_null(b);
                assert_non_null(ok);
                assert_true(b < ok);
                if (widths[w] >= 60)
                    assert_non_null(strstr(out, "complaint_rate > 0.001: no data"));
                free(out);
            }
        free_report(r);
    }
}

/* Under --compare, the change is coloured by `better`. Worked by hand:
 * spam 12.5% vs 10% (lower is better): +2.5pp / +25% red; inbox 80% vs 60%
 * (higher is better): +20pp / +33.3% green; messages (neutral) no colour;
 * the average score did not move. */
static void compare_colours(void **state)
{
    (void)state;
    struct report *r = hostile_report(true);
    char *out = render(r, 200, true);
    assert_non_null(strstr(out, "(prev 10%, \033[31m+2.5pp / +25%\033[0m)"));
    assert_non_null(strstr(out, "(prev 60%, \033[32m+20pp / +33.3%\033[0m)"));
    assert_non_null(strstr(out, "(prev 1,000,000, +234,567 / +23.5%)"));
    assert_non_null(strstr(out, "(prev 3.25, no change)"));
    free(out);
    out = render(r, 200, false);
    assert_non_null(strstr(out, "(prev 10%, +2.5pp / +25%)"));
    free(out);
    free_report(r);
}

/* A small table at width 60, worked out by hand: Name is 5 wide (alpha),
 * Count 5 (1,234 and the heading), Share 5 (<0.1% and the heading); two
 * spaces between columns, two of indent; numbers right-aligned. */
static void table_exact(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "t", "Tables");
    struct rtable *t = rsec_table(s, r, "small", "Small", "name:t:Name|n:i:Count|p:p:Share");
    struct rval a[3] = {rv_text("alpha"), rv_int(1234), rv_pct(0.5)};
    struct rval b[3] = {rv_text("b"), rv_int(7), rv_pct(0.0004)};
    rtable_row(t, r, a);
    rtable_row(t, r, b);
    char *out = render(r, 60, false);
    assert_non_null(strstr(out, "\nTables\n======\n\n  Small\n"
                                "  Name   Count  Share\n"
                                "  -----  -----  -----\n"
                                "  alpha  1,234    50%\n"
                                "  b          7  <0.1%\n"));
    assert_null(strstr(out, "top"));
    free(out);
    free_report(r);
}

/* Shrinking: at width 40 (38 after the indent) columns of 30 and 10
 * characters plus a separator need 42: the widest text column loses 4 and
 * is cut to 25 characters and "~". At width 20 (18 left) a 26-character
 * column and a 5-wide number need 33: the text goes to 16 (first phase),
 * then to 11. */
static void table_shrink(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "t", "T");
    struct rtable *t = rsec_table(s, r, "w", "W", "a:t:A|b:t:B");
    struct rval row[2] = {rv_text("abcdefghijklmnopqrstuvwxyz0123"), rv_text("0123456789")};
    rtable_row(t, r, row);
    char *out = render(r, 40, false);
    assert_non_null(strstr(out, "\n  abcdefghijklmnopqrstuvwxy~  0123456789\n"));
    free(out);
    free_report(r);

    r = new_report();
    s = rsec_add(r, "t", "T");
    t = rsec_table(s, r, "w", "W", "name:t:Name|n:i:Count");
    struct rval row2[2] = {rv_text("abcdefghijklmnopqrstuvwxyz"), rv_int(1234)};
    rtable_row(t, r, row2);
    out = render(r, 20, false);
    assert_non_null(strstr(out, "\n  Name         Count\n"));
    assert_non_null(strstr(out, "\n  abcdefghij~  1,234\n"));
    check_output(out, 20, false);
    free(out);
    free_report(r);
}

/* Headings wrap: at width 30 (28 after the indent) a 12-character text
 * column and "Messages passing" (16) need 30, so the number column gives 2
 * (down to its heading's longest word, 8, at most): 14 columns, where the
 * heading takes two lines, right-aligned, bottom-aligned with "Name". */
static void heading_wrap(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "t", "T");
    struct rtable *t = rsec_table(s, r, "w", "W", "name:t:Name|n:i:Messages passing");
    struct rval row[2] = {rv_text("abcdefghijkl"), rv_int(5)};
    rtable_row(t, r, row);
    char *out = render(r, 30, false);
    assert_non_null(strstr(out, "\n                      Messages\n"
                                "  Name                 passing\n"
                                "  ------------  --------------\n"
                                "  abcdefghijkl               5\n"));
    free(out);
    free_report(r);
}

/* Facts: labels padded to the longest ("Spam rate:" 10), values
 * right-aligned to the widest ("1,234,567" 9), two cells per line here,
 * three spaces between cells. */
static void facts_exact(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "o", "Overview");
    rsec_fact(s, r, "messages", "Messages", rv_int(1234567), 0);
    rsec_fact(s, r, "spam", "Spam rate", rv_pct(0.125), -1);
    char *out = render(r, 100, false);
    assert_non_null(strstr(out, "\n  Messages:  1,234,567   Spam rate:     12.5%\n"));
    free(out);
    /* three cells fit on a line of 100, not of 60 */
    rsec_fact(s, r, "avg", "Average", rv_real(3.5), 0);
    out = render(r, 100, false);
    assert_non_null(
        strstr(out, "\n  Messages:  1,234,567   Spam rate:     12.5%   Average:         3.5\n"));
    free(out);
    out = render(r, 60, false);
    assert_non_null(strstr(out, "\n  Messages:  1,234,567   Spam rate:     12.5%\n"
                                "  Average:         3.5\n"));
    free(out);
    free_report(r);
}

/* Bars at width 60: labels 2 wide, values 1 wide, so the bar has
 * 60 - 2 - 2 - 1 - 1 - 1 = 53 columns: 8 fills it, 2 is 13.25 columns =
 * 13 full blocks and a quarter block (U+258E). */
static void bars_exact(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "c", "Charts");
    struct rchart *c = rsec_chart(s, r, "h", "Hist", RC_BARS, 2, 1, NULL);
    c->labels[0] = "a";
    c->labels[1] = "bb";
    c->series[0] = "n";
    c->values[0] = 8;
    c->values[1] = 2;
    char *out = render(r, 60, false);
    char want[512];
    size_t n = (size_t)snprintf(want, sizeof want, "\n  a  ");
    for (int i = 0; i < 53; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "\u2588");
    snprintf(want + n, sizeof want - n, " 8\n");
    assert_non_null(strstr(out, want));
    n = (size_t)snprintf(want, sizeof want, "\n  bb ");
    for (int i = 0; i < 13; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, "\u2588");
    n += (size_t)snprintf(want + n, sizeof want - n, "\u258E");
    for (int i = 0; i < 53 - 14 + 1; i++)
        n += (size_t)snprintf(want + n, sizeof want - n, " ");
    snprintf(want + n, sizeof want - n, "2\n");
    assert_non_null(strstr(out, want));
    free(out);
    free_report(r);
}

/* Stacked: one letter per series (first unused letter of the name), a
 * legend, and the total at the end. Width 40: labels 1, totals 2 ("10"),
 * bar 40 - 2 - 1 - 1 - 1 - 2 = 33; row x: 5 of 10 sent = 16.5 -> 17 (lround),
 * then 10 of 10 -> 33, so 17 's' and 16 'd'. 'spam' cannot have 's': 'p'. */
static void stacked_exact(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "c", "Charts");
    struct rchart *c = rsec_chart(s, r, "t", "Timeline", RC_STACKED, 1, 3, "deliveries");
    c->labels[0] = "x";
    c->series[0] = "sent";
    c->series[1] = "deferred";
    c->series[2] = "spam";
    c->values[0] = 5;
    c->values[1] = 5;
    c->values[2] = 0;
    char *out = render(r, 40, false);
    assert_non_null(strstr(out, "\n  Timeline (deliveries)\n"));
    assert_non_null(strstr(out, "\n  x sssssssssssssssssdddddddddddddddd 10\n"));
    assert_non_null(strstr(out, "\n  s=sent d=deferred p=spam\n"));
    free(out);
    free_report(r);
}

/* The header, and an empty period. */
static void header_and_empty(void **state)
{
    (void)state;
    struct report *r = new_report();
    r->since = NULL;
    r->empty_period = true;
    struct rsection *s = rsec_add(r, "overview", "Overview");
    rsec_empty(s, r, "no messages in this period");
    char *out = render(r, 80, false);
    assert_non_null(strstr(out, "Database:  /var/lib/mailaudit/mailaudit.db\n"));
    assert_non_null(strstr(out, "Period:    the first record to 2025-04-02T00:00:00Z\n"));
    assert_non_null(strstr(out, "Generated: 2025-04-02T06:00:00Z\n"));
    assert_non_null(strstr(out, "Filters:   none\n"));
    assert_non_null(strstr(out, "No data for this period.\n"));
    assert_non_null(strstr(out, "\nOverview\n========\n  no messages in this period\n"));
    assert_null(strstr(out, "Thresholds"));
    free(out);
    free_report(r);
}

/* A long word (a Message-ID) wraps by splitting; a width under the minimum
 * is raised to 20. */
static void wrapping(void **state)
{
    (void)state;
    struct report *r = new_report();
    struct rsection *s = rsec_add(r, "x", "X");
    rsec_item(s, r, RS_INFO, 0, "k", "Title", "word1 word2 word3",
              "<0123456789abcdefghijklmnopqrstuvwxyz@example.com>");
    char *out = render(r, 5, false);
    check_output(out, 20, false);
    /* "  [INFO] " is 9 columns; the rest of 20 is 11 */
    assert_non_null(strstr(out, "\n  [INFO] Title\n         word1 word2\n         word3\n"));
    free(out);
    out = render(r, 60, false);
    /* 16 columns of indent and "e.g. ", 44 of the word, the rest below */
    assert_non_null(strstr(out, "\n           e.g. <0123456789abcdefghijklmnopqrstuvwxyz@exampl\n"
                                "                e.com>\n"));
    free(out);
    free_report(r);
}

/* Write errors are reported. */
static void write_error(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    struct report *r = hostile_report(false);
    char err[256] = "";
    assert_int_equal(render_text(r, f, 80, false, err, sizeof err), -1);
    assert_non_null(strstr(err, "writing"));
    fclose(f);
    free_report(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(widths_and_escapes), cmocka_unit_test(compare_colours),
        cmocka_unit_test(table_exact),        cmocka_unit_test(table_shrink),
        cmocka_unit_test(facts_exact),        cmocka_unit_test(bars_exact),
        cmocka_unit_test(stacked_exact),      cmocka_unit_test(header_and_empty),
        cmocka_unit_test(wrapping),           cmocka_unit_test(heading_wrap),
        cmocka_unit_test(write_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
