/* Unit tests for report/render_csv.c. A model is built by hand and written
 * into a fresh mkdtemp directory; the files are compared byte for byte with
 * text worked out by hand from RFC 4180 (CRLF, quoting of comma, quote, CR
 * and LF, doubled quotes), the formula guard (a leading = + - @ gets a
 * single quote) and plain numbers (a percentage as its fraction), and read
 * back with a small RFC 4180 reader written here. Also: modes 0700/0600, a
 * symlink in place of a file refused, write into an existing directory.
 * Numbers: the shortest text that reads back exactly, as Python's repr()
 * prints it (repr(1/3) == '0.3333333333333333'). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/render.h"

static char base[64];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/mailaudit-csv-XXXXXX");
    return mkdtemp(base) ? 0 : -1;
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s: %s", path, strerror(errno));
    char *p = NULL;
    size_t n = 0, cap = 0;
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (n + 2 > cap) p = realloc(p, cap = cap ? cap * 2 : 256);
        p[n++] = (char)c;
    }
    fclose(f);
    if (!p) p = calloc(1, 1);
    p[n] = '\0';
    if (len) *len = n;
    return p;
}

static void expect_file(const char *dir, const char *name, const char *want)
{
    char *got = slurp(dir, name, NULL);
    if (strcmp(got, want) != 0) fail_msg("%s:\n got: [%s]\nwant: [%s]", name, got, want);
    free(got);
}

static mode_t mode_of(const char *dir, const char *name)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* ---- a small RFC 4180 reader: records of fields, CRLF only ---- */

struct rec {
    char *f[16];
    size_t n;
};

/* Parse one record at *p; returns false at the end or on malformed input
 * (a bare quote in an unquoted field, a lone LF, text after a closing quote). */
static bool read_record(const char **pp, struct rec *r, bool *bad)
{
    const char *p = *pp;
    *bad = false;
    r->n = 0;
    if (!*p) return false;
    for (;;) {
        char buf[1024];
        size_t n = 0;
        if (*p == '"') {
            p++;
            for (;;) {
                if (!*p) return *bad = true, false;
                if (*p == '"') {
                    if (p[1] == '"') {
                        buf[n++] = '"';
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                buf[n++] = *p++;
            }
        } else {
            while (*p && *p != ',' && *p != '\r' && *p != '\n') {
                if (*p == '"') return *bad = true, false;
                buf[n++] = *p++;
            }
        }
        buf[n] = '\0';
        if (r->n < 16) r->f[r->n++] = strdup(buf);
        if (*p == ',') {
            p++;
            continue;
        }
        if (p[0] == '\r' && p[1] == '\n') {
            *pp = p + 2;
            return true;
        }
        return *bad = true, false;
    }
}

static void rec_free(struct rec *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->f[i]);
    r->n = 0;
}

/* Read a whole file: every record well formed with `cols` fields; returns
 * the number of records (header included). */
static size_t parse_file(const char *dir, const char *name, size_t cols, struct rec *out,
                         size_t max)
{
    char *text = slurp(dir, name, NULL);
    const char *p = text;
    size_t n = 0;
    struct rec r;
    bool bad;
    while (read_record(&p, &r, &bad)) {
        assert_int_equal(r.n, cols);
        if (n < max)
            out[n] = r;
        else
            rec_free(&r);
        n++;
    }
    if (bad) fail_msg("%s: malformed CSV", name);
    assert_int_equal(*p, '\0');
    free(text);
    return n;
}

/* ---- the model ---- */

static struct report *model(void)
{
    struct report *r = calloc(1, sizeof *r);
    r->a = arena_new();
    static struct rthreshold th[2] = {
        {.expr = "dkim_pass_rate<0.98", .metric = "dkim_pass_rate", .op = "<", .limit = 0.98},
        {.expr = "bounce_rate>2%",
         .metric = "bounce_rate",
         .op = ">",
         .limit = 0.02,
         .has_value = true,
         .value = 0.05,
         .breached = true},
    };
    r->th = th;
    r->n_th = 2;
    r->n_breached = 1;
    struct rsection *s = rsec_add(r, "s1", "Section one");
    struct rfact *f = rsec_fact(s, r, "msgs", "Messages", rv_int(10), 1);
    f->has_prev = true;
    f->prev = rv_int(8);
    rsec_fact(s, r, "rate", "Rate, total", rv_pct(0.5), 1);
    rsec_fact(s, r, "none", "=HYPERLINK(\"x\")", rv_null(), 0);
    rsec_item(s, r, RS_CRITICAL, 9, "k", "Fix, now", "say \"x\"", NULL);
    rsec_item(s, r, RS_INFO, 1, "k2", "-1+1", "line1\r\nline2", "@example");
    struct rtable *t =
        rsec_table(s, r, "t1", "Table", "name:t:Name|n:i:Count|p:p:Share|avg:r:Average|x:t:Extra");
    struct rval r1[5] = {rv_text("plain"), rv_int(1234), rv_pct(0.125), rv_real(3.25), rv_null()};
    struct rval r2[5] = {rv_text("\"quoted, with comma\""), rv_int(-5), rv_pct(0.0004),
                         rv_real(NAN), rv_text("=cmd|' /C calc'!A0")};
    struct rval r3[5] = {rv_text("line\r\nbreak"), rv_int(0), rv_pct(1), rv_real(0.1),
                         rv_text("@SUM(1)")};
    struct rval r4[5] = {rv_text("a\xff"
                                 "b"),
                         rv_int(INT64_MIN), rv_pct(1.0 / 3), rv_real(-2.5), rv_text("=1,2")};
    struct rval r5[5] = {rv_text("+x"), rv_int(1), rv_pct(0), rv_real(1e-20),
                         rv_text("\033[2J<script>alert(1)</script>\t\x01")};
    rtable_row(t, r, r1);
    rtable_row(t, r, r2);
    rtable_row(t, r, r3);
    rtable_row(t, r, r4);
    rtable_row(t, r, r5);
    struct rchart *c = rsec_chart(s, r, "hist", "Histogram", RC_BARS, 3, 1, "messages");
    c->labels[0] = "0-1";
    c->labels[1] = "1-2";
    c->labels[2] = "-1";
    c->series[0] = "messages";
    c->values[0] = 3;
    c->values[1] = 4.5;
    c->values[2] = 0;
    struct rchart *st = rsec_chart(s, r, "time", "Timeline", RC_STACKED, 2, 2, NULL);
    st->labels[0] = "h1";
    st->labels[1] = "h2";
    st->series[0] = "sent";
    st->series[1] = "bounced, hard";
    double v[4] = {1, 2, 3, 4}; /* series-major: sent h1 h2, bounced h1 h2 */
    memcpy(st->values, v, sizeof v);
    struct rsection *e = rsec_add(r, "empty", "Empty");
    rsec_empty(e, r, "no data");
    rsec_table(e, r, "t1", "Nothing", "a:t:A");
    /* a chart and a table with one id: the second file gets "-2" */
    rsec_table(e, r, "dup", "Dup table", "a:i:A");
    rsec_chart(e, r, "dup", "Dup chart", RC_BARS, 0, 1, NULL)->series[0] = "n";
    /* ids with path characters stay in the directory */
    struct rsection *bad = rsec_add(r, "../x", "Bad");
    rsec_table(bad, r, "a/b", "Bad", "a:t:A");
    return r;
}

static void free_model(struct report *r)
{
    arena_free(r->a);
    free(r);
}

/* ---- tests ---- */

static void exact_files(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/out", base); /* missing: created */
    struct report *r = model();
    char err[256] = "";
    if (render_csv(r, dir, err, sizeof err) != 0) fail_msg("%s", err);
    expect_file(dir, "s1_t1.csv",
                "name,n,p,avg,x\r\n"
                "plain,1234,0.125,3.25,\r\n"
                "\"\"\"quoted, with comma\"\"\",-5,0.0004,,'=cmd|' /C calc'!A0\r\n"
                "\"line\r\nbreak\",0,1,0.1,'@SUM(1)\r\n"
                "a?b,-9223372036854775808,0.3333333333333333,-2.5,\"'=1,2\"\r\n"
                "'+x,1,0,1e-20,\033[2J<script>alert(1)</script>\t\x01\r\n");
    expect_file(dir, "facts.csv",
                "section,key,label,value,previous\r\n"
                "s1,msgs,Messages,10,8\r\n"
                "s1,rate,\"Rate, total\",0.5,\r\n"
                "s1,none,\"'=HYPERLINK(\"\"x\"\")\",,\r\n");
    expect_file(dir, "findings.csv",
                "section,severity,key,title,evidence,example\r\n"
                "s1,critical,k,\"Fix, now\",\"say \"\"x\"\"\",\r\n"
                "s1,info,k2,'-1+1,\"line1\r\nline2\",'@example\r\n");
    expect_file(dir, "thresholds.csv",
                "expr,metric,value,limit,breached\r\n"
                "bounce_rate>2%,bounce_rate,0.05,0.02,true\r\n"
                "dkim_pass_rate<0.98,dkim_pass_rate,,0.98,false\r\n");
    expect_file(dir, "s1_hist.csv", "label,messages\r\n0-1,3\r\n1-2,4.5\r\n'-1,0\r\n");
    expect_file(dir, "s1_time.csv", "label,sent,\"bounced, hard\"\r\nh1,1,3\r\nh2,2,4\r\n");
    expect_file(dir, "empty_t1.csv", "a\r\n");
    expect_file(dir, "empty_dup.csv", "a\r\n");
    expect_file(dir, "empty_dup-2.csv", "label,n\r\n");
    expect_file(dir, "_._x_a_b.csv", "a\r\n");
    /* modes: the directory 0700, every file 0600 */
    assert_int_equal(mode_of(base, "out"), 0700);
    const char *names[] = {"s1_t1.csv",      "facts.csv",     "findings.csv",
                           "thresholds.csv", "s1_hist.csv",   "s1_time.csv",
                           "empty_t1.csv",   "empty_dup.csv", "empty_dup-2.csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(mode_of(dir, names[i]), 0600);
    /* nothing escaped the directory */
    char outside[256];
    snprintf(outside, sizeof outside, "%s/x_a_b.csv", base);
    assert_int_equal(access(outside, F_OK), -1);
    free_model(r);
}

/* The same files read back with the RFC 4180 reader give the original
 * strings (with the formula guard). */
static void read_back(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/back", base);
    struct report *r = model();
    char err[256] = "";
    assert_int_equal(render_csv(r, dir, err, sizeof err), 0);
    struct rec rec[8];
    size_t n = parse_file(dir, "s1_t1.csv", 5, rec, 8);
    assert_int_equal(n, 6);
    assert_string_equal(rec[2].f[0], "\"quoted, with comma\"");
    assert_string_equal(rec[2].f[4], "'=cmd|' /C calc'!A0");
    assert_string_equal(rec[3].f[0], "line\r\nbreak");
    assert_string_equal(rec[4].f[4], "'=1,2");
    assert_string_equal(rec[5].f[4], "\033[2J<script>alert(1)</script>\t\x01");
    assert_string_equal(rec[1].f[2], "0.125");
    assert_string_equal(rec[1].f[4], "");
    for (size_t i = 0; i < n; i++)
        rec_free(&rec[i]);
    n = parse_file(dir, "findings.csv", 6, rec, 8);
    assert_int_equal(n, 3);
    assert_string_equal(rec[1].f[4], "say \"x\"");
    assert_string_equal(rec[2].f[4], "line1\r\nline2");
    for (size_t i = 0; i < n; i++)
        rec_free(&rec[i]);
    assert_int_equal(parse_file(dir, "facts.csv", 5, rec, 0), 4);
    assert_int_equal(parse_file(dir, "thresholds.csv", 5, rec, 0), 3);
    assert_int_equal(parse_file(dir, "s1_time.csv", 3, rec, 0), 3);
    free_model(r);
}

/* Writing again into the same directory truncates, and narrows a wider
 * mode left on an old file to 0600. */
static void rewrite(void **state)
{
    (void)state;
    char dir[128], path[256];
    snprintf(dir, sizeof dir, "%s/again", base);
    struct report *r = model();
    char err[256] = "";
    assert_int_equal(render_csv(r, dir, err, sizeof err), 0);
    snprintf(path, sizeof path, "%s/facts.csv", dir);
    FILE *f = fopen(path, "ab");
    fputs("garbage that must go\r\n", f);
    fclose(f);
    chmod(path, 0644);
    assert_int_equal(render_csv(r, dir, err, sizeof err), 0);
    char *text = slurp(dir, "facts.csv", NULL);
    assert_null(strstr(text, "garbage"));
    free(text);
    assert_int_equal(mode_of(dir, "facts.csv"), 0600);
    free_model(r);
}

/* A symlink where a file goes is refused, and its target is not touched. */
static void symlink_refused(void **state)
{
    (void)state;
    char dir[128], link[256], target[256];
    snprintf(dir, sizeof dir, "%s/sym", base);
    snprintf(target, sizeof target, "%s/target.txt", base);
    assert_int_equal(mkdir(dir, 0700), 0);
    FILE *f = fopen(target, "w");
    fputs("keep", f);
    fclose(f);
    snprintf(link, sizeof link, "%s/facts.csv", dir);
    assert_int_equal(symlink(target, link), 0);
    struct report *r = model();
    char err[256] = "";
    assert_int_equal(render_csv(r, dir, err, sizeof err), -1);
    assert_non_null(strstr(err, "symbolic link"));
    char *text = slurp(base, "target.txt", NULL);
    assert_string_equal(text, "keep");
    free(text);
    free_model(r);
}

/* A path that is a file, not a directory: an error, not a crash. */
static void not_a_directory(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/plain", base);
    FILE *f = fopen(path, "w");
    fclose(f);
    struct report *r = model();
    char err[256] = "";
    assert_int_equal(render_csv(r, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    free_model(r);
}

/* An empty report still writes the three fixed files with their headers. */
static void empty_report(void **state)
{
    (void)state;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/none", base);
    struct report r = {.a = arena_new()};
    char err[256] = "";
    assert_int_equal(render_csv(&r, dir, err, sizeof err), 0);
    expect_file(dir, "facts.csv", "section,key,label,value,previous\r\n");
    expect_file(dir, "findings.csv", "section,severity,key,title,evidence,example\r\n");
    expect_file(dir, "thresholds.csv", "expr,metric,value,limit,breached\r\n");
    arena_free(r.a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_files),     cmocka_unit_test(read_back),
        cmocka_unit_test(rewrite),         cmocka_unit_test(symlink_refused),
        cmocka_unit_test(not_a_directory), cmocka_unit_test(empty_report),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
