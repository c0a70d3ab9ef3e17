/* Unit tests for score/score.c, the rules engine, on small rule sets parsed
 * from text and one hand-written message. Every expectation is worked out
 * by hand from SpamAssassin's documented semantics (Mail::SpamAssassin::Conf
 * and Plugin::Check): hit counts are counted in the message text below. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "score/score.h"

/* "free" (any case, as a word) occurs once in the Subject and five times in
 * the body; "friend" once; the only URI is http://www.example.org/offer;
 * X-Pad holds 40 "x" (food for a catastrophic regex). */
static const char MSG[] = "From: Sender <sender@example.com>\r\n"
                          "To: rcpt@example.net\r\n"
                          "Subject: Act now: FREE offer\r\n"
                          "Message-ID: <1@example.com>\r\n"
                          "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
                          "X-Mailer: TestMailer 1.0\r\n"
                          "X-Pad: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                          "MIME-Version: 1.0\r\n"
                          "Content-Type: text/plain; charset=us-ascii\r\n"
                          "\r\n"
                          "Hello friend,\r\n"
                          "This is free. Totally free. Free free free.\r\n"
                          "Visit http://www.example.org/offer now.\r\n";

struct fx {
    struct ruleset *rs;
    scorer *sc;
    arena *a;
    char *raw;
    struct message m;
    struct score_result r;
};

static void run_rules(struct fx *f, const char *rules)
{
    f->rs = ruleset_new();
    char *copy = malloc(strlen(rules) + 1);
    memcpy(copy, rules, strlen(rules) + 1);
    ruleset_parse_buf(f->rs, "test.cf", copy, strlen(rules));
    free(copy);
    ruleset_finish(f->rs);
    f->sc = scorer_new(f->rs);
    f->a = arena_new();
    f->raw = malloc(sizeof MSG - 1);
    memcpy(f->raw, MSG, sizeof MSG - 1);
    message_parse(f->a, f->raw, sizeof MSG - 1, NULL, NULL, &f->m);
    struct score_input in = {.m = &f->m};
    scorer_run(f->sc, f->a, &in, &f->r);
}

static void done(struct fx *f)
{
    scorer_free(f->sc);
    ruleset_free(f->rs);
    arena_free(f->a);
    free(f->raw);
}

static const struct score_hit *hit(const struct fx *f, const char *name)
{
    for (size_t i = 0; i < f->r.n_hits; i++)
        if (strcmp(f->r.hits[i].rule->name, name) == 0) return &f->r.hits[i];
    return NULL;
}

static const struct rule *rule(const struct fx *f, const char *name)
{
    long i = ruleset_find(f->rs, name);
    assert_true(i >= 0);
    return &f->rs->rules[i];
}

/* Body rules with no literal set but a folded one (look-alikes and fillers,
 * as ReplaceTags write them): the folded prefilter must keep every hit and
 * count (the cached path, lines long and short) and skip what cannot match. */
static void test_body_folded(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body F_FRIEND /[fF][_\\W]{0,3}[rR][_\\W]{0,3}(?:[iI1!|l])[_\\W]{0,3}"
                  "[eE3][_\\W]{0,3}[nN][_\\W]{0,3}[dD]/\n"
                  "body F_FREE /[fF][_\\W]{0,3}[rR][_\\W]{0,3}[eE3][_\\W]{0,3}[eE3]/i\n"
                  "tflags F_FREE multiple\n"
                  "score F_FREE 0.5\n"
                  "body F_NORTON /[nN][_\\W]{0,3}(?:[goO0u])[_\\W]{0,3}[rR][_\\W]{0,3}[tT]"
                  "[_\\W]{0,3}(?:[goO0u])[_\\W]{0,3}[nN]/\n"
                  "body F_FREE_HIGH /[fF][_\\W]{0,3}(?:[rR]|\\xc5\\x94)[_\\W]{0,3}[eE3]/\n");
    struct scorer_stats st;
    scorer_stats(f.sc, &st);
    assert_int_equal(st.prefiltered, 0);           /* no plain literal set: always run before */
    assert_non_null(hit(&f, "F_FRIEND"));          /* "Hello friend," (a short line) */
    assert_int_equal(hit(&f, "F_FREE")->count, 6); /* 1 in the Subject + 5 */
    assert_non_null(hit(&f, "F_FREE_HIGH"));
    assert_null(hit(&f, "F_NORTON"));
    done(&f);
}

/* A repeated group with a folded set (each [..\x80-\x8f] class is too wide
 * for a plain set; folded, each copy holds "free"): the engine skips a line
 * holding fewer "free" apart than the repeat count, and still hits where
 * there are enough. "This is free. Totally free. Free free free." holds five
 * (gaps of 10, 2, 1 and 1 bytes); the Subject's line holds one. */
static void test_body_folded_repeats(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body R_FIVE /(?:[fF\\x80-\\x8f][rR\\x80-\\x8f][eE3\\x80-\\x8f][eE3\\x80-\\x8f]"
                  ".{0,12}){5}/\n"
                  "body R_SIX /(?:[fF\\x80-\\x8f][rR\\x80-\\x8f][eE3\\x80-\\x8f][eE3\\x80-\\x8f]"
                  ".{0,12}){6}/\n"
                  "body R_TWO_SHORT /(?:[fF\\x80-\\x8f][rR\\x80-\\x8f][eE3\\x80-\\x8f]"
                  "[eE3\\x80-\\x8f].{0,1}){2}/\n"
                  "body R_THREE_SHORT /(?:[fF\\x80-\\x8f][rR\\x80-\\x8f][eE3\\x80-\\x8f]"
                  "[eE3\\x80-\\x8f].{0,1}){3}/\n");
    struct scorer_stats st;
    scorer_stats(f.sc, &st);
    assert_int_equal(st.prefiltered, 0); /* no plain literal set */
    assert_non_null(hit(&f, "R_FIVE"));
    assert_null(hit(&f, "R_SIX"));
    assert_non_null(hit(&f, "R_TWO_SHORT"));   /* "Free free" */
    assert_non_null(hit(&f, "R_THREE_SHORT")); /* "Free free free" */
    done(&f);
}

/* Body rules with two folded sets (saregex: sare_fold_literals_more):
 * "free", anything, "offer", look-alikes and fillers between the letters.
 * Squeezed, "fre" and "afer" are each required. The Subject line "Act now:
 * FREE offer" holds both in order: the rule must hit there (and in no
 * other line, where "offer" is in a URL with no "free" before it). The
 * reverse order, "offer" then "free", holds both sets on the Subject line
 * and must still run and find nothing; "free" then "friend" is on no line
 * ("friend" and "free" are on different lines). */
static void test_body_folded_more(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body M_FREE_OFFER /[fF][_\\W]{0,3}[rR][_\\W]{0,3}[eE3][_\\W]{0,3}[eE3].{1,20}"
                  "[oO0][_\\W]{0,3}[fF][_\\W]{0,3}[fF][_\\W]{0,3}[eE3][_\\W]{0,3}[rR]/\n"
                  "tflags M_FREE_OFFER multiple\n"
                  "body M_OFFER_FREE /[oO0][_\\W]{0,3}[fF][_\\W]{0,3}[fF][_\\W]{0,3}[eE3]"
                  "[_\\W]{0,3}[rR].{1,20}[fF][_\\W]{0,3}[rR][_\\W]{0,3}[eE3][_\\W]{0,3}[eE3]/\n"
                  "body M_FREE_FRIEND /[fF][_\\W]{0,3}[rR][_\\W]{0,3}[eE3][_\\W]{0,3}[eE3].{1,20}"
                  "[fF][_\\W]{0,3}[rR][_\\W]{0,3}[iI1][_\\W]{0,3}[eE3][_\\W]{0,3}[nN]"
                  "[_\\W]{0,3}[dD]/\n");
    assert_non_null(hit(&f, "M_FREE_OFFER"));
    assert_int_equal(hit(&f, "M_FREE_OFFER")->count, 1);
    assert_null(hit(&f, "M_OFFER_FREE"));
    assert_null(hit(&f, "M_FREE_FRIEND"));
    done(&f);
}

/* Body rules whose regex is a set of fixed strings (sare_fixed_new): /e/
 * as SpamAssassin's __LOWER_E counts it, by hand: "Act now: FREE offer" 1,
 * "Hello friend," 2, "This is free. Totally free. Free free free." 10,
 * "Visit http://www.example.org/offer now." 3: 16 in all; maxhits=5 stops
 * at 5, a rule without tflags multiple counts 1. "q" or "e." (one byte
 * in the set: no plain literal set, so a cached rule): "free." three
 * times and "example." once: 4. */
static void test_body_fixed(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body X_E /e/\n"
                  "tflags X_E multiple\n"
                  "body X_E5 /e/\n"
                  "tflags X_E5 multiple maxhits=5\n"
                  "body X_E1 /e/\n"
                  "body X_EE /(?:q|e\\.)/\n"
                  "tflags X_EE multiple\n"
                  "body X_NONE /(?:\\xc3[\\xa8\\xa9]|q)/\n");
    assert_non_null(hit(&f, "X_E"));
    assert_non_null(hit(&f, "X_E5"));
    assert_non_null(hit(&f, "X_E1"));
    assert_non_null(hit(&f, "X_EE"));
    assert_int_equal(hit(&f, "X_E")->count, 16);
    assert_int_equal(hit(&f, "X_E5")->count, 5);
    assert_int_equal(hit(&f, "X_E1")->count, 1);
    assert_int_equal(hit(&f, "X_EE")->count, 4);
    assert_null(hit(&f, "X_NONE"));
    done(&f);
}

static void test_header_rules(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "header H_SUBJ Subject =~ /\\bfree\\b/i\n"
                  "describe H_SUBJ Subject says free\n"
                  "score H_SUBJ 1.5\n"
                  "header H_NOT Subject !~ /lottery/\n"
                  "header H_NOT_MISS Subject !~ /offer/\n"
                  "header H_ABSENT_EMPTY X-Nothing =~ /^$/\n"
                  "header H_ABSENT_LIT X-Nothing =~ /something/\n"
                  "header H_UNSET X-Nothing =~ /^fallback$/ [if-unset: fallback]\n"
                  "header H_EXISTS exists:X-Mailer\n"
                  "header H_EXISTS_NOT exists:X-Nothing\n"
                  "header H_CASE x-mailer =~ /^TestMailer/\n"
                  "header H_ABSENT_NOT X-Nothing !~ /lottery/\n"
                  "header H_ABSENT_UNSET_NOT X-Nothing !~ /fallback/ [if-unset: fallback]\n"
                  "header H_EXISTS_LC exists:x-mailer\n"
                  "header H_ALL ALL =~ /TestMailer/\n"
                  "header H_EXISTS_ALL_LC exists:all\n");
    const struct score_hit *h = hit(&f, "H_SUBJ");
    assert_non_null(h);
    assert_true(fabs(h->score - 1.5) < 1e-9);
    assert_string_equal(h->area, "header:Subject");
    assert_string_equal(h->snippet, "FREE");
    assert_non_null(hit(&f, "H_NOT"));          /* no "lottery": !~ hits */
    assert_null(hit(&f, "H_NOT_MISS"));         /* "offer" is there */
    assert_non_null(hit(&f, "H_ABSENT_EMPTY")); /* absent header is matched as "" */
    assert_null(hit(&f, "H_ABSENT_LIT"));
    assert_non_null(hit(&f, "H_UNSET"));
    assert_non_null(hit(&f, "H_EXISTS"));
    assert_null(hit(&f, "H_EXISTS_NOT"));
    assert_non_null(hit(&f, "H_CASE")); /* header names are case-insensitive */
    /* an absent header: a !~ with a literal set still hits ("" holds no
     * "lottery"), one given [if-unset] a value that matches does not */
    assert_non_null(hit(&f, "H_ABSENT_NOT"));
    assert_null(hit(&f, "H_ABSENT_UNSET_NOT"));
    assert_non_null(hit(&f, "H_EXISTS_LC")); /* asked by another spelling of the name */
    /* the pseudo-header is "ALL" exactly: "all" would be a field of that
     * name, which MSG has not, though it falls in ALL's group of rules */
    assert_non_null(hit(&f, "H_ALL"));
    assert_null(hit(&f, "H_EXISTS_ALL_LC"));
    /* 1.5 + 1.0 * 8 (H_NOT, H_ABSENT_EMPTY, H_UNSET, H_EXISTS, H_CASE,
     * H_ABSENT_NOT, H_EXISTS_LC, H_ALL) */
    assert_true(fabs(f.r.total - 9.5) < 1e-9);
    assert_int_equal(f.r.n_scored, 9);
    assert_string_equal(f.r.hits[0].rule->name, "H_SUBJ"); /* biggest first */
    done(&f);
}

static void test_body_multiple(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body B_FREE /\\bfree\\b/i\n"
                  "body B_FREE_ALL /\\bfree\\b/i\n"
                  "tflags B_FREE_ALL multiple\n"
                  "score B_FREE_ALL 0.5\n"
                  "body B_FREE_NOSUBJ /\\bfree\\b/i\n"
                  "tflags B_FREE_NOSUBJ multiple nosubject\n"
                  "score B_FREE_NOSUBJ 0.1\n"
                  "body B_FREE_MAX /\\bfree\\b/i\n"
                  "tflags B_FREE_MAX multiple maxhits=3\n"
                  "score B_FREE_MAX 0.01\n"
                  "body B_SUBJ_ONLY /Act now/\n"
                  "tflags B_SUBJ_ONLY nosubject\n"
                  "body B_NONE /lottery/\n");
    assert_int_equal(hit(&f, "B_FREE")->count, 1);
    assert_int_equal(hit(&f, "B_FREE_ALL")->count, 6); /* 1 in the Subject + 5 */
    assert_int_equal(hit(&f, "B_FREE_NOSUBJ")->count, 5);
    assert_int_equal(hit(&f, "B_FREE_MAX")->count, 3);
    assert_null(hit(&f, "B_SUBJ_ONLY")); /* only in the Subject line */
    assert_null(hit(&f, "B_NONE"));
    /* 1 + 6*0.5 + 5*0.1 + 3*0.01 = 4.53 */
    assert_true(fabs(f.r.total - 4.53) < 1e-9);
    done(&f);
}

static void test_meta(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body __A /friend/\n"
                  "body __B /free/i\n"
                  "body __C /lottery/\n"
                  "meta M_TWO (__A + __B + __C) >= 2\n"
                  "score M_TWO 2.0\n"
                  "meta M_THREE (__A + __B + __C) >= 3\n"
                  "meta M_NOT __A && !__C\n"
                  "meta M_SUM __A + __B\n"
                  "meta M_OF_M M_SUM > 1\n"
                  "meta M_MATCH rules_matching(__?) == 2\n"
                  "meta M_PAREN ((__A || __C) && (__B))\n"
                  "score M_PAREN 0\n"
                  "meta M_ZERO_DEP M_PAREN\n");
    assert_non_null(hit(&f, "__A"));
    assert_true(hit(&f, "__A")->score == 0); /* sub-rules are not scored */
    assert_non_null(hit(&f, "M_TWO"));
    assert_null(hit(&f, "M_THREE"));
    assert_non_null(hit(&f, "M_NOT"));
    assert_string_equal(hit(&f, "M_NOT")->snippet,
                        "friend"); /* a meta shows its first hit's text */
    assert_non_null(hit(&f, "M_SUM"));
    assert_non_null(hit(&f, "M_OF_M"));  /* a meta's value is its result: 2 */
    assert_non_null(hit(&f, "M_MATCH")); /* __A + __B + __C = 2 */
    assert_null(hit(&f, "M_PAREN"));     /* score 0: disabled, as in SpamAssassin */
    assert_null(hit(&f, "M_ZERO_DEP"));  /* sees the disabled rule as 0 */
    /* M_TWO 2 + M_NOT 1 + M_SUM 1 + M_OF_M 1 + M_MATCH 1 */
    assert_true(fabs(f.r.total - 6.0) < 1e-9);
    done(&f);
}

/* Metas whose operands are all zero take the value worked out once for
 * all-zero operands; those with a non-zero operand are evaluated. Expected
 * hits by hand: __A matches "friend", __C and __D match nothing. */
static void test_meta_zero_operands(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body __A /friend/\n"
                  "body __C /lottery/\n"
                  "body __D /nothing-here/\n"
                  "meta M_NOTC !__C\n"
                  "meta M_NOTA !__A\n"
                  "meta M_LT __C < 1\n"
                  "meta M_GE (__C + __D) >= 1\n"
                  "meta M_ZSUM __C + __D\n"
                  "meta M_CHAIN M_NOTC && !M_GE\n"
                  "meta M_MIX __A && !__D\n");
    assert_non_null(hit(&f, "M_NOTC")); /* !0 = 1 */
    assert_null(hit(&f, "M_NOTA"));
    assert_non_null(hit(&f, "M_LT")); /* 0 < 1 */
    assert_null(hit(&f, "M_GE"));
    assert_null(hit(&f, "M_ZSUM"));
    assert_non_null(hit(&f, "M_CHAIN")); /* 1 && !0 */
    assert_non_null(hit(&f, "M_MIX"));   /* 1 && !0 */
    assert_string_equal(hit(&f, "M_MIX")->snippet, "friend");
    /* M_NOTC 1 + M_LT 1 + M_CHAIN 1 + M_MIX 1 */
    assert_true(fabs(f.r.total - 4.0) < 1e-9);
    done(&f);
}

static void test_skips(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body R_BAD /(unclosed/\n"
                  "body R_EVAL eval:no_such_function_anywhere()\n"
                  "body R_OK /friend/\n"
                  "meta M_ON_BAD R_OK && R_BAD\n"
                  "meta M_ON_EVAL R_OK || R_EVAL\n"
                  "header R_NET eval:check_rbl('x', 'zen.example.')\n"
                  "tflags R_NET net\n"
                  "meta M_ON_NET R_OK || R_NET\n"
                  "meta M_ON_NOTHING R_OK && !NOT_DEFINED_ANYWHERE\n");
    assert_int_equal(rule(&f, "R_BAD")->status, RS_SKIP_REGEX);
    assert_non_null(rule(&f, "R_BAD")->status_reason);
    assert_int_equal(rule(&f, "R_EVAL")->status, RS_SKIP_EVAL);
    assert_int_equal(rule(&f, "M_ON_BAD")->status, RS_SKIP_META_DEP);
    assert_int_equal(rule(&f, "M_ON_EVAL")->status, RS_SKIP_META_DEP);
    assert_int_equal(rule(&f, "R_NET")->status, RS_SKIP_NET);
    assert_int_equal(rule(&f, "M_ON_NET")->status, RS_OK); /* network tests count as 0 */
    assert_non_null(hit(&f, "M_ON_NET"));
    assert_non_null(hit(&f, "M_ON_NOTHING")); /* an undefined name is 0 */
    assert_null(hit(&f, "M_ON_BAD"));
    assert_null(hit(&f, "M_ON_EVAL"));
    assert_null(hit(&f, "R_BAD"));
    done(&f);
}

static void test_uri_full_required(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "required_score 3.5\n"
                  "uri U_OFFER /example\\.org\\/offer/\n"
                  "uri U_NOPE /example\\.com\\/nope/\n"
                  "full F_MAILER /^X-Mailer: TestMailer/m\n"
                  "rawbody RB_FRIEND /Hello friend/\n");
    assert_true(fabs(f.r.threshold - 3.5) < 1e-9);
    assert_non_null(hit(&f, "U_OFFER"));
    assert_string_equal(hit(&f, "U_OFFER")->area, "uri");
    assert_null(hit(&f, "U_NOPE"));
    assert_non_null(hit(&f, "F_MAILER"));
    assert_non_null(hit(&f, "RB_FRIEND"));
    done(&f);
}

/* A catastrophic pattern is stopped by the PCRE2 limits: reported, no hang. */
static void test_backtracking_limit(void **state)
{
    (void)state;
    struct fx f;
    clock_t t0 = clock();
    run_rules(&f, "header H_EVIL X-Pad =~ /^(x+x+)+\\d/\n"
                  "body B_OK /friend/\n");
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 5.0);
    assert_null(hit(&f, "H_EVIL"));
    assert_true(f.r.n_limit >= 1);
    assert_string_equal(f.r.limit_rule, "H_EVIL");
    assert_non_null(hit(&f, "B_OK"));
    done(&f);
}

/* The second literal set: a regex that only the backtracking limit would
 * stop, whose first literal set ("xxxxxxxxxx") the text holds and whose
 * second ({"zz", "qq"}: neither a first byte nor a last required byte PCRE2
 * could check itself) it does not, must not run at all: no limit reported,
 * no hit; negated, it hits (a missing literal proves no match). In the body
 * the test is per line (a paragraph, as SpamAssassin splits the body), with
 * {"friend "} and {"zzz", "qqq"} ("(?:zz|qq)" would give {"xx"}: the last
 * x+ and the next x): "zzz" in the next paragraph does not let the rule run
 * on the x's; where a paragraph holds both sets, it runs. */
static const char AND_MSG[] = "From: a@example.com\r\n"
                              "To: b@example.net\r\n"
                              "Subject: pad\r\n"
                              "X-Pad: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                              "\r\n"
                              "friend xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n"
                              "\r\n"
                              "zzz\r\n"
                              "\r\n"
                              "friend xxqqq1 and friend xxzzz2\r\n";

static void test_second_set(void **state)
{
    (void)state;
    const char *rules = "header H_AND X-Pad =~ /^xxxxxxxxxx(?:x+x+)+(?:zz|qq)\\d/\n"
                        "header H_AND_NEG X-Pad !~ /^xxxxxxxxxx(?:x+x+)+(?:zz|qq)\\d/\n"
                        "body B_AND /friend (?:x+x+)+(?:zzz|qqq)\\d/\n"
                        "tflags B_AND multiple\n"
                        "body B_OK /friend/\n";
    struct ruleset *rs = ruleset_new();
    char *copy = malloc(strlen(rules) + 1);
    memcpy(copy, rules, strlen(rules) + 1);
    ruleset_parse_buf(rs, "test.cf", copy, strlen(rules));
    free(copy);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    arena *a = arena_new();
    size_t len = sizeof AND_MSG - 1;
    char *raw = malloc(len);
    memcpy(raw, AND_MSG, len);
    struct message m;
    message_parse(a, raw, len, NULL, NULL, &m);
    struct score_input in = {.m = &m};
    struct score_result r;
    clock_t t0 = clock();
    scorer_run(sc, a, &in, &r);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_true(secs < 5.0);
    assert_int_equal(r.n_limit, 0); /* no regex ran on a line of x's */
    int and = -1, neg = -1, body = -1, ok = -1;
    for (size_t i = 0; i < r.n_hits; i++) {
        const char *n = r.hits[i].rule->name;
        int c = r.hits[i].count;
        if (!strcmp(n, "H_AND")) and = c;
        if (!strcmp(n, "H_AND_NEG")) neg = c;
        if (!strcmp(n, "B_AND")) body = c;
        if (!strcmp(n, "B_OK")) ok = c;
    }
    assert_int_equal(and, -1);
    assert_int_equal(neg, 1);
    assert_int_equal(body, 2); /* "friend xxqqq1", "friend xxzzz2" in the last one */
    assert_int_equal(ok, 1);
    arena_free(a);
    free(raw);
    scorer_free(sc);
    ruleset_free(rs);
}

/* SpamAssassin 4 capture rules: a named group sets a tag, %{NAME} in a later
 * rule is replaced by the captured value, quoted. The message's To is
 * rcpt@example.net; its URI holds example.org, not the To address. */
static void test_capture_rules(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "header __TO_USER To:addr =~ /^(?<TO_USER>[^@]+)@/\n"
                  "header __TO_DOM To:addr =~ /@(?<TO_DOM>.+)$/\n"
                  "body C_BODY_HAS_OFFER /free %{TO_USER}/i\n"
                  "uri C_URI_TO_DOM /%{TO_DOM}/\n"
                  "header C_SUBJ_USER Subject =~ /%{TO_USER}/\n"
                  "header C_MAILER_DOM X-Mailer !~ /%{TO_DOM}/\n"
                  "body C_NEVER /%{NEVER_CAPTURED}/\n"
                  "body C_SELF /%{SELF}/\n"
                  "body __C_SET_SELF /(?<SELF>Visit)/\n");
    assert_non_null(hit(&f, "__TO_USER"));
    assert_null(hit(&f, "C_BODY_HAS_OFFER")); /* "free rcpt" does not occur */
    assert_null(hit(&f, "C_URI_TO_DOM"));     /* the URI is example.org */
    assert_null(hit(&f, "C_SUBJ_USER"));
    assert_non_null(hit(&f, "C_MAILER_DOM")); /* !~ with the tag filled in */
    assert_null(hit(&f, "C_NEVER"));          /* a tag nobody set: the rule does not run */
    assert_non_null(hit(&f, "C_SELF"));       /* set by a body rule, used by another */
    assert_int_equal(rule(&f, "C_URI_TO_DOM")->status, RS_OK);
    done(&f);
    /* the value is quoted: "a.b" must not match "axb" */
    run_rules(&f, "header __DOT X-Mailer =~ /TestMailer (?<VER>\\S+)/\n"
                  "full C_VER_LITERAL /X-Pad: %{VER}/\n"
                  "body C_VER_BODY /%{VER}/\n"
                  "full C_VER_FULL /^X-Mailer: TestMailer %{VER}\\r?$/m\n");
    assert_non_null(hit(&f, "__DOT"));
    assert_null(hit(&f, "C_VER_LITERAL")); /* "1.0" quoted; X-Pad holds x's */
    assert_null(hit(&f, "C_VER_BODY"));
    assert_non_null(hit(&f, "C_VER_FULL")); /* the quoted value matches itself */
    done(&f);
}

/* Templates whose placeholder every match must pass through are skipped
 * where no text holds the value; the others must still run. MSG's To user is
 * "rcpt" (in no body line); the body holds "Visit http://..." and "Totally
 * free."; the Subject (the body's first line) "Act now: FREE offer"; the
 * From: name is "Sender", its address sender@example.com. */
static void test_capture_required(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "header __TO_USER To:addr =~ /^(?<TO_USER>[^@]+)@/\n"
                  "header __SUBJ_WORD Subject =~ /(?<WORD>FREE)/\n"
                  "body __SET_SELF /(?<SELF>Visit)/\n"
                  /* required value absent: no hit either way */
                  "body R_ABSENT /Hello %{TO_USER}/\n"
                  /* required value present, in another case: /i matches */
                  "body R_CASELESS /totally %{WORD}/i\n"
                  "header __FROM_LOW From:addr =~ /^(?<LOW>sender)@/\n"
                  "header R_CASELESS_ONLY From:name =~ /^%{LOW}$/i\n"
                  "body R_PRESENT /%{SELF} http/\n"
                  /* not required: each still matches without the value */
                  "body R_TOP_ALT /%{TO_USER}|Visit/\n"
                  "body R_IN_GROUP /(?:%{TO_USER}|Visit) http/\n"
                  "body R_QUANT /Visit %{TO_USER}?http/\n"
                  "body R_ACCEPT /Visit(*ACCEPT)%{TO_USER}/\n"
                  "header R_NEG Subject !~ /%{TO_USER}/\n");
    assert_null(hit(&f, "R_ABSENT"));
    assert_non_null(hit(&f, "R_CASELESS"));
    /* "sender" is in From:name only as "Sender" */
    assert_non_null(hit(&f, "R_CASELESS_ONLY"));
    assert_non_null(hit(&f, "R_PRESENT"));
    assert_non_null(hit(&f, "R_TOP_ALT"));
    assert_non_null(hit(&f, "R_IN_GROUP"));
    assert_non_null(hit(&f, "R_QUANT"));
    assert_non_null(hit(&f, "R_ACCEPT"));
    assert_non_null(hit(&f, "R_NEG")); /* "rcpt" is not in the Subject */
    done(&f);
}

/* mimeheader rules: each part's header is scanned once for the literal
 * prefilter and fetched once per name and modifier; a literal found in the
 * last part only must still run the rule there, a negated rule whose
 * literal is absent hits, one whose literal is in every part does not. */
static int run_one(scorer *sc, const char *raw, size_t len, const char *name);

static const char MIME_MSG[] = "From: a@example.com\r\n"
                               "To: b@example.net\r\n"
                               "Subject: parts\r\n"
                               "MIME-Version: 1.0\r\n"
                               "Content-Type: multipart/mixed; boundary=\"BB\"\r\n"
                               "\r\n"
                               "--BB\r\n"
                               "Content-Type: text/plain; charset=us-ascii\r\n"
                               "\r\n"
                               "hello\r\n"
                               "--BB\r\n"
                               "Content-Type: application/octet-stream; name=\"report.pdf\"\r\n"
                               "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
                               "\r\n"
                               "xxxx\r\n"
                               "--BB--\r\n";

static void test_mimeheader_prefilter(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    const char *rules =
        "mimeheader M_PDF Content-Type =~ /name=\"report\\.pdf\"/\n"
        "mimeheader M_OCTET Content-Type =~ m,\\bapplication/octet-stream\\b.+\\.pdf\\b,i\n"
        "mimeheader M_NONE Content-Type =~ /lottery/\n"
        "mimeheader M_NEG Content-Type !~ /lottery/\n"
        "mimeheader M_NEG_ALL Content-Type !~ /(?:text|multipart|application)\\//\n"
        "mimeheader M_MULTI Content-Type =~ /charset|name=/\n"
        "tflags M_MULTI multiple\n"
        "mimeheader M_RAW Content-Type:raw =~ /report\\.pdf/\n"
        "mimeheader M_LC content-type =~ /report\\.pdf/\n"
        "mimeheader M_DISP Content-Disposition =~ /filename=\"report/\n"
        "mimeheader M_CT_AGAIN Content-Type =~ /octet-stream/\n"
        "mimeheader M_RAW_AGAIN Content-Type:raw =~ /charset=us-ascii/\n";
    char *copy = malloc(strlen(rules) + 1);
    memcpy(copy, rules, strlen(rules) + 1);
    ruleset_parse_buf(rs, "test.cf", copy, strlen(rules));
    free(copy);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    size_t len = sizeof MIME_MSG - 1;
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_PDF"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_OCTET"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_NONE"), 0);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_NEG"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_NEG_ALL"), 0);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_MULTI"), 2); /* charset, name= */
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_RAW"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_LC"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_DISP"), 1);
    /* a second rule on a name and modifier already asked (the same texts) */
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_CT_AGAIN"), 1);
    assert_int_equal(run_one(sc, MIME_MSG, len, "M_RAW_AGAIN"), 1);
    scorer_free(sc);
    ruleset_free(rs);
}

/* One scorer over several messages: a template filled with each message's
 * value gives that message's verdict (compiled regexes are kept between
 * messages, keyed by the filled-in pattern). MSG's To user is "rcpt" and its
 * URI http://www.example.org/offer; the variants change the To user to
 * "offer" (which the URI holds) and drop the URI. */
/* Score one message (an exact-size copy of raw, so ASan sees over-reads)
 * and hand its result to fn. */
static void run_msg(scorer *sc, const char *raw, size_t len,
                    void (*fn)(const struct score_result *r, void *ctx), void *ctx)
{
    arena *a = arena_new();
    char *copy = malloc(len);
    memcpy(copy, raw, len);
    struct message m;
    message_parse(a, copy, len, NULL, NULL, &m);
    struct score_input in = {.m = &m};
    struct score_result r;
    scorer_run(sc, a, &in, &r);
    fn(&r, ctx);
    arena_free(a);
    free(copy);
}

struct count_of {
    const char *name;
    int found;
};

static void count_cb(const struct score_result *r, void *ctx)
{
    struct count_of *c = ctx;
    for (size_t i = 0; i < r->n_hits; i++)
        if (strcmp(r->hits[i].rule->name, c->name) == 0) c->found = r->hits[i].count;
}

static int run_one(scorer *sc, const char *raw, size_t len, const char *name)
{
    struct count_of c = {name, 0};
    run_msg(sc, raw, len, count_cb, &c);
    return c.found;
}

static char *replace(const char *s, const char *from, const char *to, size_t *len)
{
    const char *at = strstr(s, from);
    assert_non_null(at);
    size_t n = strlen(s) - strlen(from) + strlen(to);
    char *o = malloc(n + 1);
    memcpy(o, s, (size_t)(at - s));
    memcpy(o + (at - s), to, strlen(to));
    memcpy(o + (at - s) + strlen(to), at + strlen(from), strlen(at + strlen(from)) + 1);
    *len = n;
    return o;
}

static void test_capture_across_messages(void **state)
{
    (void)state;
    static const char rules[] = "header __TO_USER To:addr =~ /^(?<TO_USER>[^@]+)@/\n"
                                "uri C_URI_USER /\\/%{TO_USER}$/\n"
                                "body C_BODY_USER /%{TO_USER}/\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    size_t l_offer, l_nouri;
    char *offer = replace(MSG, "To: rcpt@", "To: offer@", &l_offer);
    char *nouri =
        replace(offer, "Visit http://www.example.org/offer now.", "Visit us now.", &l_nouri);
    for (int round = 0; round < 2; round++) {
        /* "/rcpt" is not at the URI's end; "rcpt" is not in the body */
        assert_int_equal(run_one(sc, MSG, sizeof MSG - 1, "C_URI_USER"), 0);
        assert_int_equal(run_one(sc, MSG, sizeof MSG - 1, "C_BODY_USER"), 0);
        /* the URI ends in "/offer"; the body holds "offer" */
        assert_int_equal(run_one(sc, offer, l_offer, "C_URI_USER"), 1);
        assert_int_equal(run_one(sc, offer, l_offer, "C_BODY_USER"), 1);
        /* no URI at all; "offer" still in the Subject (body's first line) */
        assert_int_equal(run_one(sc, nouri, l_nouri, "C_URI_USER"), 0);
        assert_int_equal(run_one(sc, nouri, l_nouri, "C_BODY_USER"), 1);
    }
    free(offer);
    free(nouri);
    scorer_free(sc);
    ruleset_free(rs);
}

/* A body rule (?:X){5} is first tried as (?:X){2} on each line: a line
 * where that fails is skipped. R_REP5 and R_TWIN match the same texts
 * (X{4}X is X{5}) but only R_REP5 has the shape, so on any body their
 * verdicts agree if the skip is sound. */
static void test_repeat_prefilter(void **state)
{
    (void)state;
    static const char rules[] = "body R_REP5 /(?:[a-e][a-e]+\\s){5}/\n"
                                "body R_TWIN /(?:[a-e][a-e]+\\s){4}[a-e][a-e]+\\s/\n"
                                "body R_REP5I /(?:[a-e][a-e]+\\s){5,}/i\n"
                                "body R_TWINI /(?:[a-e][a-e]+\\s){4}[a-e][a-e]+\\s/i\n";
    static const char head[] = "From: a@example.com\r\nTo: b@example.net\r\n"
                               "Subject: x\r\n\r\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    /* by hand: five two-letter words and a space after each; four only */
    char raw[512];
    int n = snprintf(raw, sizeof raw, "%sab ab ab ab ab .\r\n", head);
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_REP5"), 1);
    n = snprintf(raw, sizeof raw, "%sab ab ab ab .\r\n", head);
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_REP5"), 0);
    n = snprintf(raw, sizeof raw, "%sAB ab Ab ab aB ab\r\n.\r\n", head);
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_REP5"), 0); /* case matters */
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_REP5I"), 1);
    /* random bodies: words of 2-3 letters (sometimes 1), mostly from a-e
     * (an f or an A sometimes), apart by a space or sometimes a dot */
    uint64_t seed = 12345;
    int both = 0, neither = 0;
    for (int round = 0; round < 400; round++) {
        size_t len = strlen(head);
        memcpy(raw, head, len);
        int words = 3 + (int)(seed >> 60);
        for (int w = 0; w < words; w++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            int wl = (seed >> 40) % 8 ? 2 + (int)((seed >> 43) % 2) : 1;
            for (int k = 0; k < wl; k++)
                raw[len++] = (char)("abcdeabcfA"[(seed >> (8 + 5 * k)) % 10]);
            raw[len++] = "    ."[(seed >> 30) % 5];
        }
        memcpy(raw + len, "\r\n", 2);
        len += 2;
        int a = run_one(sc, raw, len, "R_REP5"), b = run_one(sc, raw, len, "R_TWIN");
        int ai = run_one(sc, raw, len, "R_REP5I"), bi = run_one(sc, raw, len, "R_TWINI");
        if (a != b || ai != bi)
            fail_msg("round %d: %d/%d %d/%d on '%.*s'", round, a, b, ai, bi,
                     (int)(len - strlen(head)), raw + strlen(head));
        both += a && ai;
        neither += !a && !ai;
    }
    fprintf(stderr, "# repeat prefilter: %d bodies matched, %d did not\n", both, neither);
    assert_true(both >= 10); /* both verdicts were exercised */
    assert_true(neither >= 10);
    scorer_free(sc);
    ruleset_free(rs);
}

/* A body rule outside the line cache (it has a literal) with a pattern of
 * ST_BODY_MIN_PATTERN bytes or more gets start pairs: R_LONG spells
 * w00[0-7]\d as 80 alternatives (over 400 bytes), R_SHORT does not; both
 * must count the same matches, by hand and on random bodies. */
static void test_body_long_starts(void **state)
{
    (void)state;
    char rules[2048];
    size_t rl = (size_t)snprintf(rules, sizeof rules, "body R_LONG /[a-z][xy]\\d(?:");
    for (int w = 0; w < 80; w++)
        rl += (size_t)snprintf(rules + rl, sizeof rules - rl, "%sw00%02d", w ? "|" : "", w);
    rl += (size_t)snprintf(rules + rl, sizeof rules - rl,
                           ")?zzkw/i\ntflags R_LONG multiple\n"
                           "body R_SHORT /[a-z][xy]\\d(?:w00[0-7]\\d)?zzkw/i\n"
                           "tflags R_SHORT multiple\n");
    assert_true(rl < sizeof rules);
    static const char head[] = "From: a@example.com\r\nTo: b@example.net\r\n"
                               "Subject: x\r\n\r\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, rl);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    /* by hand: ax1zzkw, qy2w0042zzkw, AX9W0079ZZKW; not bq3 (q is no x or
     * y), not w0080 (past w0079) */
    char raw[512];
    int n = snprintf(raw, sizeof raw,
                     "%sax1zzkw and qy2w0042zzkw, bq3zzkw; AX9W0079ZZKW cy4w0080zzkw\r\n", head);
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_LONG"), 3);
    assert_int_equal(run_one(sc, raw, (size_t)n, "R_SHORT"), 3);
    static const char *const parts[] = {"ax", "Y", "1", "7", "w00", "42", "79", "zzkw", " ", "q"};
    uint64_t seed = 99;
    int hits = 0;
    for (int round = 0; round < 300; round++) {
        size_t len = strlen(head);
        memcpy(raw, head, len);
        for (int k = 0; k < 40; k++) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            const char *pt = parts[(seed >> 33) % (sizeof parts / sizeof parts[0])];
            memcpy(raw + len, pt, strlen(pt));
            len += strlen(pt);
        }
        memcpy(raw + len, "\r\n", 2);
        len += 2;
        int a = run_one(sc, raw, len, "R_LONG"), b = run_one(sc, raw, len, "R_SHORT");
        if (a != b)
            fail_msg("round %d: %d/%d on '%.*s'", round, a, b, (int)(len - strlen(head)),
                     raw + strlen(head));
        hits += a;
    }
    assert_true(hits >= 20); /* matches were exercised */
    scorer_free(sc);
    ruleset_free(rs);
}

/* Full rules: with fewer than eight that have literals (SpamAssassin has
 * four) the whole message is not scanned for literals and each rule runs;
 * with more it is scanned. Either way a rule whose literal the message holds
 * must run, after the URI stage left its own literals in the bitset; one
 * whose literal is absent must not hit. */
static void test_full_prefilter(void **state)
{
    (void)state;
    static const char base[] = "uri U_OFFER /example\\.org\\/offer/\n"
                               "full F_PAD /X-Pad: x{40}\\r?$/m\n"
                               "full F_MAILER /^X-Mailer: TestMailer 1\\.0/m\n"
                               "full F_NOPE /X-Nope: yes/\n";
    for (int many = 0; many < 2; many++) {
        char rules[1024];
        int n = snprintf(rules, sizeof rules, "%s", base);
        for (int k = 0; many && k < 8; k++) /* eight more with absent literals */
            n += snprintf(rules + n, sizeof rules - (size_t)n,
                          "full F_ABSENT%d /X-Absent-%d: yes/\n", k, k);
        struct fx f;
        run_rules(&f, rules);
        assert_non_null(hit(&f, "U_OFFER"));
        assert_non_null(hit(&f, "F_PAD"));
        assert_non_null(hit(&f, "F_MAILER"));
        assert_string_equal(hit(&f, "F_MAILER")->area, "full");
        assert_null(hit(&f, "F_NOPE"));
        for (int k = 0; many && k < 8; k++) {
            char name[32];
            snprintf(name, sizeof name, "F_ABSENT%d", k);
            assert_null(hit(&f, name));
        }
        done(&f);
    }
}

/* The hits of one run, in their order, as "NAME:count:snippet ..." */
struct hits_text {
    char *out;
    size_t cap;
};

static void hits_cb(const struct score_result *r, void *ctx)
{
    struct hits_text *h = ctx;
    size_t o = 0;
    h->out[0] = 0;
    for (size_t i = 0; i < r->n_hits && o < h->cap; i++)
        o += (size_t)snprintf(h->out + o, h->cap - o, "%s:%d:%s ", r->hits[i].rule->name,
                              r->hits[i].count, r->hits[i].snippet ? r->hits[i].snippet : "-");
}

static void run_hits(scorer *sc, const char *raw, size_t len, char *out, size_t cap)
{
    struct hits_text h = {out, cap};
    run_msg(sc, raw, len, hits_cb, &h);
}

/* A run's per-rule values, snippets and areas are kept between messages and
 * must come back empty: a hit of one message never shows in the next, not
 * with another scorer run in between either. The hits come scored first
 * (by |score|, larger first), then the unscored by name. */
static void test_runs_independent(void **state)
{
    (void)state;
    static const char rules1[] = "body B_FRIEND /Hello friend/\n"
                                 "score B_FRIEND 1\n"
                                 "header H_MAILER X-Mailer =~ /TestMailer/\n"
                                 "score H_MAILER 2\n"
                                 "body __C_NOW /now\\./\n"
                                 "body __A_TOTALLY /Totally/\n"
                                 "body __B_VISIT /Visit/\n";
    static const char rules2[] = "body O_FREE /free/\n";
    struct ruleset *rs1 = ruleset_new(), *rs2 = ruleset_new();
    ruleset_parse_buf(rs1, "a.cf", rules1, sizeof rules1 - 1);
    ruleset_parse_buf(rs2, "b.cf", rules2, sizeof rules2 - 1);
    ruleset_finish(rs1);
    ruleset_finish(rs2);
    scorer *sc1 = scorer_new(rs1), *sc2 = scorer_new(rs2);
    size_t l2, l3;
    char *m2 = replace(MSG, "Hello friend,", "Hello there,", &l2);
    char *m3 = replace(m2, "Visit http", "Go to http", &l3);
    char got[1024];
    /* by hand: X-Mailer (2), the greeting (1); then Totally, Visit, "now." */
    static const char all[] = "H_MAILER:1:TestMailer B_FRIEND:1:Hello friend "
                              "__A_TOTALLY:1:Totally __B_VISIT:1:Visit __C_NOW:1:now. ";
    static const char fewer[] = "H_MAILER:1:TestMailer __A_TOTALLY:1:Totally __C_NOW:1:now. ";
    for (int round = 0; round < 2; round++) {
        run_hits(sc1, MSG, sizeof MSG - 1, got, sizeof got);
        assert_string_equal(got, all);
        run_hits(sc1, m3, l3, got, sizeof got);
        assert_string_equal(got, fewer);
        run_hits(sc2, m3, l3, got, sizeof got); /* "free" three times as a word, once "FREE" */
        assert_string_equal(got, "O_FREE:1:free ");
        run_hits(sc1, m3, l3, got, sizeof got);
        assert_string_equal(got, fewer);
    }
    free(m2);
    free(m3);
    scorer_free(sc1);
    scorer_free(sc2);
    ruleset_free(rs1);
    ruleset_free(rs2);
}

/* Body rules with no literal keep their results per body line between
 * messages (the line cache), short lines included: a line of the same
 * length but other bytes must get its own result, a repeated one the same
 * (match count with tflags multiple, first match as the snippet). */
static void test_line_cache_short_lines(void **state)
{
    (void)state;
    static const char rules[] = "body R_DIGITS /\\d{3}/\n"
                                "body R_EACH /\\d/\n"
                                "tflags R_EACH multiple\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    static const char head[] = "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n\r\n";
    char yes[256], no[256], got[512];
    int ly = snprintf(yes, sizeof yes, "%sx123y\r\n", head);
    int ln = snprintf(no, sizeof no, "%sxabcy\r\n", head); /* as long, no digit */
    for (int round = 0; round < 3; round++) {
        run_hits(sc, yes, (size_t)ly, got, sizeof got);
        assert_string_equal(got, "R_EACH:3:1 R_DIGITS:1:123 ");
        run_hits(sc, no, (size_t)ln, got, sizeof got);
        assert_string_equal(got, "");
    }
    scorer_free(sc);
    ruleset_free(rs);
}

/* Metas are evaluated only when a rule they read hit, or when their value
 * with every input at 0 is not 0 (!__C): what that must not skip, worked out
 * by hand on MSG (__A "friend", __H "offer" in the Subject and __U the URI
 * hit; __C does not): a meta reading a meta that hit only through its zero
 * value, a rule read twice, inputs of several kinds, and chains of 80 metas
 * (more than one 64-bit word of them) in both definition orders. A second
 * message without "friend" must not keep any of it. */
static void test_meta_readers(void **state)
{
    (void)state;
    size_t cap = 16384, n = 0;
    char *rules = malloc(cap);
    n += (size_t)snprintf(rules + n, cap - n,
                          "body __A /friend/\n"
                          "body __C /lottery/\n"
                          "header __H Subject =~ /offer/\n"
                          "uri __U /example\\.org/\n"
                          "meta M_NOTC !__C\n"
                          "meta M_NOTC_A M_NOTC && __A\n"
                          "meta M_NOTC_C M_NOTC && __C\n"
                          "meta M_TWICE __A + __A\n"
                          "meta M_TWICE_GT M_TWICE > 1\n"
                          "meta M_HU __H && __U\n"
                          "meta M_C __C\n");
    n += (size_t)snprintf(rules + n, cap - n, "meta C00 __A\n");
    for (int i = 1; i < 80; i++)
        n += (size_t)snprintf(rules + n, cap - n, "meta C%02d C%02d\n", i, i - 1);
    for (int i = 79; i > 0; i--)
        n += (size_t)snprintf(rules + n, cap - n, "meta R%02d R%02d\n", i, i - 1);
    n += (size_t)snprintf(rules + n, cap - n, "meta R00 !__C\n");
    struct fx f;
    run_rules(&f, rules);
    free(rules);
    assert_non_null(hit(&f, "M_NOTC"));
    assert_non_null(hit(&f, "M_NOTC_A"));
    assert_null(hit(&f, "M_NOTC_C"));
    assert_non_null(hit(&f, "M_TWICE"));
    assert_non_null(hit(&f, "M_TWICE_GT")); /* M_TWICE's value is 2 */
    assert_non_null(hit(&f, "M_HU"));
    assert_null(hit(&f, "M_C"));
    assert_non_null(hit(&f, "C00"));
    assert_non_null(hit(&f, "C63"));
    assert_non_null(hit(&f, "C64"));
    assert_non_null(hit(&f, "C79"));
    assert_non_null(hit(&f, "R00"));
    assert_non_null(hit(&f, "R79"));
    /* M_NOTC, M_NOTC_A, M_TWICE, M_TWICE_GT, M_HU, C00-C79, R00-R79, __A,
     * __H, __U */
    assert_int_equal(f.r.n_hits, 5 + 80 + 80 + 3);
    size_t len;
    char *m2 = replace(MSG, "Hello friend,", "Hello there,", &len);
    assert_int_equal(run_one(f.sc, m2, len, "C79"), 0);
    assert_int_equal(run_one(f.sc, m2, len, "M_NOTC_A"), 0);
    assert_int_equal(run_one(f.sc, m2, len, "R79"), 1); /* !__C: still */
    assert_int_equal(run_one(f.sc, MSG, sizeof MSG - 1, "C79"), 1);
    free(m2);
    done(&f);
}

/* A meta is not evaluated when a rule it needs (one whose 0 makes it 0,
 * whatever the others) did not hit; what must still be evaluated, by hand on
 * MSG (__A "friend" and __B "free" hit, __C "lottery" does not): || of a
 * rule that did not hit, a negated one, arithmetic and comparisons on it, &&
 * inside || or under !, and the metas whose needed rules all hit. */
static void test_meta_required(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body __A /friend/\n"
                  "body __B /free/i\n"
                  "body __C /lottery/\n"
                  "meta Q_AND_CA __C && __A\n"
                  "meta Q_AND_AC __A && __C\n"
                  "meta Q_AND3 __A && __C && __B\n"
                  "meta Q_AND_AB __A && __B\n"
                  "meta Q_OR_CA __C || __A\n"
                  "meta Q_OR_AC __A || __C\n"
                  "meta Q_NOTC_A !__C && __A\n"
                  "meta Q_SUM_GE (__C + __A) >= 1\n"
                  "meta Q_MUL_EQ __C * 0 == 0\n"
                  "meta Q_SUB __B - __C\n"
                  "meta Q_OR_AND (__C && __A) || __B\n"
                  "meta Q_NOT_AND !(__C && __A)\n"
                  "meta Q_A_OR __A && (__C || __B)\n"
                  "meta Q_LT __C < 1\n"
                  "meta Q_META Q_AND_AB && Q_OR_CA\n"
                  "meta Q_META_C Q_AND_CA || __C\n");
    assert_null(hit(&f, "Q_AND_CA"));
    assert_null(hit(&f, "Q_AND_AC"));
    assert_null(hit(&f, "Q_AND3"));
    assert_non_null(hit(&f, "Q_AND_AB"));
    assert_non_null(hit(&f, "Q_OR_CA"));
    assert_non_null(hit(&f, "Q_OR_AC"));
    assert_non_null(hit(&f, "Q_NOTC_A"));
    assert_non_null(hit(&f, "Q_SUM_GE"));  /* 0 + 1 >= 1 */
    assert_non_null(hit(&f, "Q_MUL_EQ"));  /* 0 * 0 == 0 */
    assert_non_null(hit(&f, "Q_SUB"));     /* 1 - 0 */
    assert_non_null(hit(&f, "Q_OR_AND"));  /* (0) || 1 */
    assert_non_null(hit(&f, "Q_NOT_AND")); /* !(0) */
    assert_non_null(hit(&f, "Q_A_OR"));    /* 1 && (0 || 1) */
    assert_non_null(hit(&f, "Q_LT"));      /* 0 < 1 */
    assert_non_null(hit(&f, "Q_META"));
    assert_null(hit(&f, "Q_META_C"));
    done(&f);
}

/* The regex rules of a body, rawbody or uri text are taken from the
 * literals the text holds (with those that have none); what that must not
 * skip: a rule whose literal is in one line only, rules past the first 64
 * of their list, a rule with two literal sets, one with no literal, the
 * Subject line for body rules (not with nosubject). */
static void test_rule_index(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.com\r\n"
                              "To: b@example.net\r\n"
                              "Subject: index test\r\n"
                              "\r\n"
                              "alpha line\r\n"
                              "\r\n"
                              "beta gamma\r\n"
                              "\r\n"
                              "last delta, see http://www.example.org/x\r\n";
    size_t cap = 16384, n = 0;
    char *rules = malloc(cap);
    for (int i = 0; i < 70; i++) /* never met: "w000x" ... */
        n += (size_t)snprintf(rules + n, cap - n,
                              "body B%02d /w%03dx/\nrawbody W%02d /w%03dx/\nuri U%02d /w%03dx/\n",
                              i, i, i, i, i, i);
    n += (size_t)snprintf(rules + n, cap - n,
                          "body B_ALPHA /alpha/\n"
                          "body B_DELTA /last delta/\n"
                          "body B_TWO_SETS /\\bbeta\\s+gamma\\b/\n"
                          "body B_NOLIT /[a-z]{5} [a-z]{4}/\n"
                          "body B_NOLIT_NS /[a-z]{4} [a-z]{5}/\n"
                          "tflags B_NOLIT_NS nosubject\n"
                          "body B_SUBJ /index test/\n"
                          "body B_NOSUBJ /index test/\n"
                          "tflags B_NOSUBJ nosubject\n"
                          "body B_ABSENT /zeta/\n"
                          "rawbody W_DELTA /delta/\n"
                          "rawbody W_SUBJ /index/\n"
                          "rawbody W_NOLIT /[a-z]{4} [a-z]{5}/\n"
                          "uri U_EX /example\\.org/\n"
                          "uri U_ABSENT /example\\.com/\n");
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, n);
    free(rules);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    size_t len = sizeof msg - 1;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(run_one(sc, msg, len, "B_ALPHA"), 1);
        assert_int_equal(run_one(sc, msg, len, "B_DELTA"), 1);
        assert_int_equal(run_one(sc, msg, len, "B_TWO_SETS"), 1);
        assert_int_equal(run_one(sc, msg, len, "B_NOLIT"), 1);    /* "alpha line" */
        assert_int_equal(run_one(sc, msg, len, "B_NOLIT_NS"), 1); /* "beta gamma" */
        assert_int_equal(run_one(sc, msg, len, "B_SUBJ"), 1);
        assert_int_equal(run_one(sc, msg, len, "B_NOSUBJ"), 0);
        assert_int_equal(run_one(sc, msg, len, "B_ABSENT"), 0);
        assert_int_equal(run_one(sc, msg, len, "B00"), 0);
        assert_int_equal(run_one(sc, msg, len, "W_DELTA"), 1);
        assert_int_equal(run_one(sc, msg, len, "W_SUBJ"), 0); /* rawbody has no Subject */
        assert_int_equal(run_one(sc, msg, len, "W_NOLIT"), 1);
        assert_int_equal(run_one(sc, msg, len, "U_EX"), 1);
        assert_int_equal(run_one(sc, msg, len, "U_ABSENT"), 0);
    }
    scorer_free(sc);
    ruleset_free(rs);
}

/* Body rules with no literal (the line cache) report per line only the
 * rules with a match: counts over several lines with maxhits, the first
 * match's text, from the cache the second and third time. Body lines are
 * paragraphs: "s" (the Subject), "a1b2", "no digits", "c3d4e5", "x123". */
static void test_line_cache_lines(void **state)
{
    (void)state;
    static const char rules[] = "body R_D /\\d/\n"
                                "tflags R_D multiple maxhits=4\n"
                                "body R_NINE /\\d{9}/\n"
                                "body R_3 /\\d{3}/\n"
                                "body R_ALL /\\d/\n"
                                "tflags R_ALL multiple\n"
                                "score R_ALL 0.1\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    static const char msg[] = "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n\r\n"
                              "a1b2\r\n\r\nno digits\r\n\r\nc3d4e5\r\n\r\nx123\r\n";
    char got[512];
    for (int round = 0; round < 3; round++) {
        run_hits(sc, msg, sizeof msg - 1, got, sizeof got);
        /* R_D 2 + 2 of 3 (maxhits): 4; R_3 "123": 1; R_ALL 2 + 3 + 3 = 8
         * at 0.1: 0.8, the smallest */
        assert_string_equal(got, "R_D:4:1 R_3:1:123 R_ALL:8:1 ");
    }
    scorer_free(sc);
    ruleset_free(rs);
}

/* A template whose placeholder follows one punctuation byte is skipped
 * where no value follows that byte; what the byte rule must not skip: the
 * value after that very byte, and patterns where the byte before the
 * placeholder is not a plain literal (a class, an escape such as \s, a
 * quantified one). MSG's body: "This is free. Totally free. ..."; its URI
 * http://www.example.org/offer. */
static void test_capture_byte_before(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "body __SET_TOT /(?<TOT>Totally)/\n"
                  "uri __SET_OFF /(?<OFF>offer)$/\n"
                  "uri R_SLASH /\\/%{OFF}$/\n"  /* "/offer": hits */
                  "uri R_HASH /\\#%{OFF}$/\n"   /* no "#offer" */
                  "uri R_EQ_PLAIN /=%{OFF}$/\n" /* no "=offer" */
                  "body R_DOT /\\.%{TOT}/\n"    /* no ".Totally" */
                  "body R_CLASS /\\.[ ]%{TOT}/\n"
                  "body R_ESC /\\.\\s%{TOT}/\n"
                  "body R_QUANT /\\. ?%{TOT}/\n"
                  "body R_AFTER_CLASS /[.] %{TOT} free/\n");
    assert_non_null(hit(&f, "R_SLASH"));
    assert_null(hit(&f, "R_HASH"));
    assert_null(hit(&f, "R_EQ_PLAIN"));
    assert_null(hit(&f, "R_DOT"));
    assert_non_null(hit(&f, "R_CLASS"));
    assert_non_null(hit(&f, "R_ESC"));
    assert_non_null(hit(&f, "R_QUANT"));
    assert_non_null(hit(&f, "R_AFTER_CLASS"));
    done(&f);
}

/* The ordered strings of a header regex (ordered_segments): a rule runs
 * only on a text holding its top-level runs of plain characters in order.
 * The rules that hit must still hit (their strings are there in order, or
 * the reader gave up on a construct it cannot judge); those that do not
 * are skipped or fail by themselves. */
static void test_header_ordered(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "header O_IN_ORDER ALL =~ /\\nTo: [^\\n]+\\n+(?:[^\\n]*\\n+)*Subject: /i\n"
                  "header O_REVERSED ALL =~ /\\nSubject: [^\\n]+\\n+(?:[^\\n]*\\n+)*To: /i\n"
                  "header O_CASELESS ALL =~ /\\nsubject: act[^\\n]*\\nmessage-id: </i\n"
                  "header O_CASE ALL =~ /\\nsubject: Act[^\\n]*\\nMessage-ID/\n"
                  "header O_ESCAPED ALL =~ /From: Sender \\<sender\\@example\\.com>\\n+To:/\n"
                  "header O_QUANT2 ALL =~ /Subx?ject: Act/\n"
                  "header O_POSIX ALL =~ /[[:alpha:]]ject: Act now: [[:upper:]]{4} offer/\n"
                  "header O_ALT ALL =~ /zzz[.]yyy|\\nTo: rcpt/\n"
                  "header O_INLINE ALL =~ /\\nTo: (?i)RCPT\\@EXAMPLE/\n"
                  "header O_ACCEPT ALL =~ /\\nTo: rcpt(?:(*ACCEPT))zzzz/\n"
                  "header O_HEX ALL =~ /\\x53ubject: Act\\x20now/\n"
                  "header O_NEG_MATCH Subject !~ /FREE\\s+offer/\n"
                  "header O_NEG_REVERSED Subject !~ /offer\\s+FREE/\n"
                  "header O_UNSET X-Nothing =~ /ab\\s+cd/ [if-unset: ab cd]\n"
                  "header O_UNSET_NOT X-Nothing =~ /cd\\s+ab/ [if-unset: ab cd]\n");
    assert_non_null(hit(&f, "O_IN_ORDER"));
    assert_null(hit(&f, "O_REVERSED")); /* no "to: " after the Subject line */
    assert_non_null(hit(&f, "O_CASELESS"));
    assert_null(hit(&f, "O_CASE"));
    assert_non_null(hit(&f, "O_ESCAPED"));
    assert_non_null(hit(&f, "O_QUANT2")); /* "Sub" and "ject: Act": no x needed */
    assert_non_null(hit(&f, "O_POSIX"));  /* the class ends at its own "]" */
    assert_non_null(hit(&f, "O_ALT"));    /* "zzz" is not required */
    assert_non_null(hit(&f, "O_INLINE")); /* (?i): "RCPT" matches "rcpt" */
    assert_non_null(hit(&f, "O_ACCEPT")); /* (*ACCEPT) ends the match early */
    assert_non_null(hit(&f, "O_HEX"));    /* \x53 and \x20 are not "53", "20" */
    assert_null(hit(&f, "O_NEG_MATCH"));  /* "FREE offer" is there */
    assert_non_null(hit(&f, "O_NEG_REVERSED"));
    assert_non_null(hit(&f, "O_UNSET")); /* the [if-unset] text is tested */
    assert_null(hit(&f, "O_UNSET_NOT"));
    assert_string_equal(hit(&f, "O_IN_ORDER")->snippet, " To: rcpt@example.net Subject: ");
    done(&f);
}

/* A header whose rules have few literals is searched for each of them
 * instead of walked by the automaton (direct_literals): ASCII letters in
 * any case, at the start and at the end of the value, with and without a
 * byte that is no letter; a !~ rule reads the same bits. */
static void test_header_direct_literals(void **state)
{
    (void)state;
    struct fx f;
    run_rules(&f, "header D_ANCHOR X-Mailer =~ /testmailer 1\\.0/i\n"
                  "header D_LETTERS X-Mailer =~ /testmailer/i\n"
                  "header D_START X-Mailer =~ /^TestM/\n"
                  "header D_END X-Mailer =~ / 1\\.0\\n/\n"
                  "header D_ABSENT X-Mailer =~ /lottery/\n"
                  "header D_NEG X-Mailer !~ /lottery/\n"
                  "header D_NEG_PRESENT X-Mailer !~ /Test/\n");
    assert_non_null(hit(&f, "D_ANCHOR"));
    assert_non_null(hit(&f, "D_LETTERS"));
    assert_non_null(hit(&f, "D_START"));
    assert_non_null(hit(&f, "D_END"));
    assert_null(hit(&f, "D_ABSENT"));
    assert_non_null(hit(&f, "D_NEG"));
    assert_null(hit(&f, "D_NEG_PRESENT"));
    done(&f);
}

/* MSG with its X-Pad field replaced by "X-R: xr" (malloc'd, *len bytes) */
static char *with_xr(const char *xr, size_t *len)
{
    char line[256];
    snprintf(line, sizeof line, "X-R: %s", xr);
    return replace(MSG, "X-Pad: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", line, len);
}

/* Header rules /^[^\]]+ KEY=REST/ (the X-Spam-Relays-* rules' form) run
 * REST from the one " KEY=" before the first ']' (key_tail): every K_ rule
 * has a twin T_ written [^\]]{1,} (the plain regex) that must agree, on
 * texts with the key once, twice, only after the first ']', in another
 * case, with no ']' at all. */
struct tail_hits {
    char names[512];
    char snip[6][64];
};

static void tail_cb(const struct score_result *r, void *ctx)
{
    struct tail_hits *t = ctx;
    static const char *const snipped[] = {"K_MX", "T_MX", "K_BACK", "T_BACK", "K_AUTH", "T_AUTH"};
    t->names[0] = 0;
    for (size_t i = 0; i < r->n_hits; i++) {
        strcat(t->names, r->hits[i].rule->name);
        strcat(t->names, " ");
        for (size_t k = 0; k < 6; k++)
            if (strcmp(r->hits[i].rule->name, snipped[k]) == 0)
                snprintf(t->snip[k], sizeof t->snip[k], "%s", r->hits[i].snippet);
    }
}

static void tail_case(scorer *sc, const char *xr, const char *want, const char *mx_snip)
{
    size_t len;
    char *raw = with_xr(xr, &len);
    struct tail_hits t;
    memset(&t, 0, sizeof t);
    run_msg(sc, raw, len, tail_cb, &t);
    /* hits come biggest score first, then by name: the scores below order them */
    assert_string_equal(t.names, want);
    assert_string_equal(t.snip[0], mx_snip);
    assert_string_equal(t.snip[1], mx_snip);
    assert_string_equal(t.snip[2], t.snip[3]);
    assert_string_equal(t.snip[4], t.snip[5]);
    free(raw);
}

static void test_header_key_tail(void **state)
{
    (void)state;
    static const char rules[] =
        "header K_MX X-R =~ /^[^\\]]+ rdns=\\S*mx/i\n"
        "header T_MX X-R =~ /^[^\\]]{1,} rdns=\\S*mx/i\n"
        "header K_AUTH X-R =~ /^[^\\]]+ auth= /\n"
        "header T_AUTH X-R =~ /^[^\\]]{1,} auth= /\n"
        "header K_BACK X-R =~ /^[^\\]]+ rdns=(\\S+) helo=(?!(?i)\\1)\\S/\n"
        "header T_BACK X-R =~ /^[^\\]]{1,} rdns=(\\S+) helo=(?!(?i)\\1)\\S/\n"
        "score K_MX 6\nscore T_MX 5\nscore K_AUTH 4\nscore T_AUTH 3\n"
        "score K_BACK 2\nscore T_BACK 1\n"
        "header K_LIT X-R =~ /^[^\\]]+ helo=Mx /i\n"
        "header T_LIT X-R =~ /^[^\\]]{1,} helo=Mx /i\n"
        "score K_LIT 0.5\nscore T_LIT 0.4\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    /* rdns "MX..." (caseless), "auth= "; helo is rdns in another case */
    tail_case(sc,
              "[ ip=1.2.3.4 rdns=MX.example.com helo=mx.example.com auth= msa=0 ] "
              "[ ip=5.6.7.8 rdns=a helo=b auth=X msa=0 ]",
              "K_MX T_MX K_AUTH T_AUTH ", "[ ip=1.2.3.4 rdns=MX");
    /* the keys only after the first ']': nothing */
    tail_case(sc, "[ ip=1.2.3.4 helo=x auth=A msa=0 ] [ ip=5 rdns=mx.b helo=c auth= msa=0 ]", "",
              "");
    /* " rdns=" twice: the last one (zz) fails, the first matches; the
     * first one's helo differs */
    tail_case(sc, "[ ip=1 rdns=mx1 helo=h rdns=zz helo=zz auth= msa=0 ]",
              "K_MX T_MX K_AUTH T_AUTH K_BACK T_BACK ", "[ ip=1 rdns=mx");
    /* no ']' at all; helo differs from rdns */
    tail_case(sc, "[ ip=1 rdns=foo helo=bar", "K_BACK T_BACK ", "");
    /* the key in capitals: K_MX is /i, K_AUTH is not */
    tail_case(sc, "[ ip=1 RDNS=mx2 AUTH= msa=0 ]", "K_MX T_MX ", "[ ip=1 RDNS=mx");
    /* REST all literal (K_AUTH, K_LIT): compared without the regex, K_LIT
     * caselessly; cut by the text's end */
    tail_case(sc, "[ ip=1 rdns= helo=MX auth= msa=0 ]", "K_AUTH T_AUTH K_LIT T_LIT ", "");
    tail_case(sc, "[ ip=1 rdns= helo=Mx", "", "");
    tail_case(sc, "[ ip=1 rdns= helo=Mxx auth=A msa=0 ]", "", "");
    scorer_free(sc);
    ruleset_free(rs);
}

/* A header rule /X\@\w/ whose X matches at most W bytes is first asked in
 * the windows from W bytes before each "@" to the byte after it
 * (at_width): A_ rules have the form, their B_ twins a lookahead (which
 * the width reading refuses) that changes nothing; they must agree, at
 * the window's far edge too (16 = "postmaster" 10, 5 fillers, "s"). */
struct at_hits {
    char names[256];
    char snip[2][64];
};

static void at_cb(const struct score_result *r, void *ctx)
{
    struct at_hits *t = ctx;
    t->names[0] = 0;
    for (size_t i = 0; i < r->n_hits; i++) {
        strcat(t->names, r->hits[i].rule->name);
        strcat(t->names, " ");
        for (size_t k = 0; k < 2; k++)
            if (strcmp(r->hits[i].rule->name, k ? "B_BOT" : "A_BOT") == 0)
                snprintf(t->snip[k], sizeof t->snip[k], "%s", r->hits[i].snippet);
    }
}

static void at_case(scorer *sc, const char *xr, const char *want, const char *snip)
{
    size_t len;
    char *raw = with_xr(xr, &len);
    struct at_hits t;
    memset(&t, 0, sizeof t);
    run_msg(sc, raw, len, at_cb, &t);
    assert_string_equal(t.names, want);
    assert_string_equal(t.snip[0], snip);
    assert_string_equal(t.snip[1], snip);
    free(raw);
}

static void test_header_at_windows(void **state)
{
    (void)state;
    static const char rules[] =
        "header A_BOT X-R =~ /(?:not?\\W?repl[yi]|bounce|\\bnews|postmaster)[^\\@ "
        ">]{0,5}s?\\@\\w/i\n"
        "header B_BOT X-R =~ /(?=[a-z])(?:not?\\W?repl[yi]|bounce|\\bnews|postmaster)[^\\@ "
        ">]{0,5}s?\\@\\w/i\n"
        "score A_BOT 2\nscore B_BOT 1\n";
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, "test.cf", rules, sizeof rules - 1);
    ruleset_finish(rs);
    scorer *sc = scorer_new(rs);
    at_case(sc, "PostMaster@example.com", "A_BOT B_BOT ", "PostMaster@e");
    /* the match starts 16 bytes before the "@" */
    at_case(sc, "<webmaster12345s@example.com>", "", "");
    at_case(sc, "<postmaster12345s@example.com>", "A_BOT B_BOT ", "postmaster12345s@e");
    /* 6 fillers: too far */
    at_case(sc, "<postmaster123456@example.com>", "", "");
    /* the second "@" */
    at_case(sc, "a@b.example x@y bounces@host", "A_BOT B_BOT ", "bounces@h");
    /* "@" last: no word byte after it; "news" not at a word's start */
    at_case(sc, "bounce@", "", "");
    at_case(sc, "xnews@example.com", "", "");
    at_case(sc, "news@example.com", "A_BOT B_BOT ", "news@e");
    /* the match for the second "@" starts before the first */
    at_case(sc, "no@reply@example.com", "A_BOT B_BOT ", "no@reply@e");
    at_case(sc, "bounce@a postmaster@b", "A_BOT B_BOT ", "bounce@a");
    scorer_free(sc);
    ruleset_free(rs);
}

/* Rules with leading strings (sare_lead_may: an anchored alternation of at
 * least 16 items, compiled to 700 bytes or more; here 100 hosts that never
 * match) hit as their twins without (the same regex behind an empty group,
 * which the lead analysis does not take): the URI's host is
 * www.example.org; the Subject begins "Act now" */
static void test_leading_strings(void **state)
{
    (void)state;
    size_t cap = 4096, n = 0;
    char *hosts = malloc(cap);
    for (int k = 0; k < 100; k++)
        n += (size_t)snprintf(hosts + n, cap - n, "h%03d\\.xx|", k);
    char *rules = malloc(8 * cap);
    snprintf(rules, 8 * cap,
             "uri U_LEAD m,^https?://(?:%s\\w+\\.example\\.org)/offer,i\n"
             "uri U_TWIN m,(?:)^https?://(?:%s\\w+\\.example\\.org)/offer,i\n"
             "tflags U_LEAD multiple\n"
             "tflags U_TWIN multiple\n"
             "uri U_NONE m,^https?://(?:%s\\w+\\.example\\.com)/,i\n"
             "header H_LEAD Subject =~ /^(?:%sAct) now/\n"
             "header H_TWIN Subject =~ /(?:)^(?:%sAct) now/\n"
             "header H_NONE Subject =~ /^(?:%sActs) now/\n",
             hosts, hosts, hosts, hosts, hosts, hosts);
    struct fx f;
    run_rules(&f, rules);
    static const char *const u[] = {"U_LEAD", "U_TWIN"};
    for (size_t i = 0; i < 2; i++) {
        const struct score_hit *h = hit(&f, u[i]);
        assert_non_null(h);
        assert_int_equal(h->count, 1); /* anchored: one match a URI */
        assert_string_equal(h->snippet, "http://www.example.org/offer");
    }
    assert_null(hit(&f, "U_NONE"));
    static const char *const hd[] = {"H_LEAD", "H_TWIN"};
    for (size_t i = 0; i < 2; i++) {
        assert_non_null(hit(&f, hd[i]));
        assert_string_equal(hit(&f, hd[i])->snippet, "Act now");
    }
    assert_null(hit(&f, "H_NONE"));
    done(&f);
    free(hosts);
    free(rules);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_rules),
        cmocka_unit_test(test_mimeheader_prefilter),
        cmocka_unit_test(test_body_multiple),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_meta_zero_operands),
        cmocka_unit_test(test_skips),
        cmocka_unit_test(test_uri_full_required),
        cmocka_unit_test(test_backtracking_limit),
        cmocka_unit_test(test_capture_rules),
        cmocka_unit_test(test_capture_across_messages),
        cmocka_unit_test(test_capture_required),
        cmocka_unit_test(test_repeat_prefilter),
        cmocka_unit_test(test_body_long_starts),
        cmocka_unit_test(test_body_folded),
        cmocka_unit_test(test_body_folded_repeats),
        cmocka_unit_test(test_body_folded_more),
        cmocka_unit_test(test_body_fixed),
        cmocka_unit_test(test_full_prefilter),
        cmocka_unit_test(test_second_set),
        cmocka_unit_test(test_runs_independent),
        cmocka_unit_test(test_line_cache_short_lines),
        cmocka_unit_test(test_capture_byte_before),
        cmocka_unit_test(test_meta_readers),
        cmocka_unit_test(test_rule_index),
        cmocka_unit_test(test_line_cache_lines),
        cmocka_unit_test(test_meta_required),
        cmocka_unit_test(test_header_ordered),
        cmocka_unit_test(test_header_direct_literals),
        cmocka_unit_test(test_header_key_tail),
        cmocka_unit_test(test_header_at_windows),
        cmocka_unit_test(test_leading_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
