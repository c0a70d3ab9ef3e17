/* Unit tests for score/saregex.c. Expected matches follow Perl's reading of
 * the pattern as SpamAssassin compiles it (qr/(?flags)re/aa, no
 * interpolation); the Latin-1 folding and \x{100}+ cases were checked with
 * perl 5.36 (qr/\xe9/iaa matches "\xC9"; qr/\x{178}/iaa matches "\xFF";
 * qr/a{,2}b/ is a{0,2}b). Expected literal sets were worked out by hand from
 * the scoring rule in saregex.c (longest shortest string first, then fewer
 * strings). The stock-rule invariant test reads /usr/share/spamassassin when
 * it is installed and is skipped otherwise. Inputs are exact-size heap copies
 * so ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "score/saregex.h"

#define S(lit) lit, sizeof(lit) - 1

static char *heap_copy(const char *p, size_t len)
{
    char *q = malloc(len ? len : 1);
    memcpy(q, p, len);
    return q;
}

static sare *compile_n(const char *src, size_t len, char *err, size_t errlen)
{
    char *c = heap_copy(src, len);
    sare *re = sare_compile(c, len, err, errlen);
    free(c);
    return re;
}

static sare *compile(const char *src, char *err, size_t errlen)
{
    return compile_n(src, strlen(src), err, errlen);
}

static enum sare_rc match_n(const sare *re, const char *subj, size_t len, size_t start, size_t *ms,
                            size_t *me)
{
    char *c = heap_copy(subj, len);
    enum sare_rc rc = sare_match(re, c, len, start, ms, me);
    free(c);
    return rc;
}

/* ---- compile and match ---- */

struct mcase {
    const char *re;
    const char *subj;
    size_t subj_len;
    int rc;              /* expected sare_rc */
    size_t mstart, mend; /* when rc == SARE_MATCH */
};

#define M(re, subj, rc, a, b)                                                                      \
    {                                                                                              \
        re, subj, sizeof(subj) - 1, rc, a, b                                                       \
    }

static const struct mcase mcases[] = {
    /* delimiters and flags */
    M("/foo/", "a foo b", SARE_MATCH, 2, 5),
    M("/FOO/i", "a foo", SARE_MATCH, 2, 5),
    M("/FOO/", "a foo", SARE_NOMATCH, 0, 0),
    M("m{a{2}}", "xaay", SARE_MATCH, 1, 3),
    M("m!a/b!", "a/b", SARE_MATCH, 0, 3),
    M("/a\\/b/", "a/b", SARE_MATCH, 0, 3),
    M("m(a(b)c)", "abc", SARE_MATCH, 0, 3),
    M("m[a[bc]]", "ac", SARE_MATCH, 0, 2),
    M("m<a>", "ba", SARE_MATCH, 1, 2),
    M("qr/x/", "yx", SARE_MATCH, 1, 2),
    M("m,x\\,y,", "x,y", SARE_MATCH, 0, 3),
    M("/a\\\\\\/b/", "a\\/b", SARE_MATCH, 0, 4),
    M("/x/gi", "X", SARE_MATCH, 0, 1), /* g ignored */
    /* $ is an anchor, @ a literal: SpamAssassin interpolates nothing */
    M("/a$/", "xa\n", SARE_MATCH, 1, 2),
    M("/a$/", "xa\nb", SARE_NOMATCH, 0, 0),
    M("/a$/m", "xa\nb", SARE_MATCH, 1, 2),
    M("/^b/m", "a\nb", SARE_MATCH, 2, 3),
    M("/cost $5/", "cost $5", SARE_NOMATCH, 0, 0),
    M("/price\\$5/", "price$5", SARE_MATCH, 0, 7),
    M("/user@example\\.com/", "to user@example.com", SARE_MATCH, 3, 19),
    M("/a(?:b|$)/", "xa", SARE_MATCH, 1, 2),
    /* . and /s, /x */
    M("/a.c/", "a\nc", SARE_NOMATCH, 0, 0),
    M("/a.c/s", "a\nc", SARE_MATCH, 0, 3),
    M("/a b/x", "ab", SARE_MATCH, 0, 2),
    M("/a b/x", "a b", SARE_NOMATCH, 0, 0),
    M("/a # b/x", "a", SARE_MATCH, 0, 1),
    M("/a(?#comment)b/", "ab", SARE_MATCH, 0, 2),
    /* Perl quantifier braces PCRE2 10.42 would read as literals */
    M("/a{,2}b/", "aab", SARE_MATCH, 0, 3),
    M("/^a{,2}b$/", "a{,2}b", SARE_NOMATCH, 0, 0),
    M("/^a{ 2 }$/", "aa", SARE_MATCH, 0, 2),
    M("/^a{2 , 3}$/", "aaa", SARE_MATCH, 0, 3),
    M("/a{x}/", "a{x}", SARE_MATCH, 0, 4),
    M("/a{,}/", "a{,}", SARE_MATCH, 0, 4),
    /* /i folds Latin-1 letter bytes like Perl's /aa on octets */
    M("/\\xe9/i", "\xc9", SARE_MATCH, 0, 1),
    M("/\\xe9/", "\xc9", SARE_NOMATCH, 0, 0),
    M("/caf\\xc3\\xa9/i", "CAF\xe3\xa9", SARE_MATCH, 0, 5),
    M("/[\\xe0-\\xe2]/i", "\xc1", SARE_MATCH, 0, 1),
    M("/\\xd7/i", "\xf7", SARE_NOMATCH, 0, 0), /* multiply and divide signs are no pair */
    M("/k/i", "\xe2\x84\xaa", SARE_NOMATCH, 0, 0),
    M("/\\w/", "\xe9", SARE_NOMATCH, 0, 0),
    M("/\\s/", "\xa0", SARE_NOMATCH, 0, 0),
    M("/\\h/", "\xa0", SARE_MATCH, 0, 1),
    /* code points above 0xFF */
    M("/\\x{100}/", "\xc4\x80", SARE_NOMATCH, 0, 0),
    M("/a\\x{100}?b/", "ab", SARE_MATCH, 0, 2),
    M("/[i\\x{456}]t/", "it", SARE_MATCH, 0, 2),
    M("/[\\x{100}-\\x{200}]/i", "\xff", SARE_MATCH, 0, 1),
    M("/[\\x{100}-\\x{200}]/", "\xff", SARE_NOMATCH, 0, 0),
    M("/[\\x{fe}-\\x{200}]/", "\xff", SARE_MATCH, 0, 1),
    M("/[^\\x{100}]/", "\n", SARE_MATCH, 0, 1),
    M("/\\x{178}/i", "\xff", SARE_MATCH, 0, 1),
    M("/\\x{178}/", "\xff", SARE_NOMATCH, 0, 0),
    M("/\\x{ 41 }/", "A", SARE_MATCH, 0, 1),
    M("/\\N{U+41}/", "A", SARE_MATCH, 0, 1),
    M("/\\o{101}/", "A", SARE_MATCH, 0, 1),
    M("/\\101/", "A", SARE_MATCH, 0, 1),
    /* inline flags */
    M("/(?^:A)b/i", "aB", SARE_NOMATCH, 0, 0),
    M("/(?^:A)b/i", "AB", SARE_MATCH, 0, 2),
    M("/(?i)a(?-i)B/", "AB", SARE_MATCH, 0, 2),
    M("/(?i)a(?-i)B/", "Ab", SARE_NOMATCH, 0, 0),
    M("/(?a)\\d/", "5", SARE_MATCH, 0, 1),
    M("/(?x: a b )c/", "abc", SARE_MATCH, 0, 3),
    /* the rest of Perl's syntax PCRE2 shares */
    M("/\\bfoo\\b/", "a foo.", SARE_MATCH, 2, 5),
    M("/(?<n>x)\\k<n>/", "axx", SARE_MATCH, 1, 3),
    /* /xx: blanks before the first class member are skipped, '^' still
     * negates and ']' is still literal (perl 5.36: "]" =~ /[ ^a]/xx) */
    M("/[ ^a]/xx", "a]", SARE_MATCH, 1, 2),
    M("/[ ^a]/xx", "a", SARE_NOMATCH, 0, 0),
    M("/[ ]a]x/xx", "b]x", SARE_MATCH, 1, 3),
    M("/[ ]a]x/xx", "ax", SARE_MATCH, 0, 2),
    M("/[ ]\\x{100}a]/xx", "(?a", SARE_MATCH, 2, 3),
    M("/x\\Ky/", "xy", SARE_MATCH, 1, 2),
    M("/a++b/", "aab", SARE_MATCH, 0, 3),
    M("/(?>a+)b/", "aab", SARE_MATCH, 0, 3),
    M("/a\\z/", "a\n", SARE_NOMATCH, 0, 0),
    M("/a\\Z/", "a\n", SARE_MATCH, 0, 1),
    M("/[[:alpha:]]+/", "1ab2", SARE_MATCH, 1, 3),
    M("/(?|(a)|(b))\\1/", "bb", SARE_MATCH, 0, 2),
    M("//", "x", SARE_MATCH, 0, 0),
    M("/\\cA/", "\x01", SARE_MATCH, 0, 1),
    M("/a\\0b/", "a\0b", SARE_MATCH, 0, 3),
};

static void test_match_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof mcases / sizeof mcases[0]; i++) {
        const struct mcase *c = &mcases[i];
        char err[256];
        sare *re = compile(c->re, err, sizeof err);
        if (!re) fail_msg("%s: %s", c->re, err);
        size_t ms = 99, me = 99;
        enum sare_rc rc = match_n(re, c->subj, c->subj_len, 0, &ms, &me);
        if ((int)rc != c->rc) fail_msg("%s: rc %d, want %d", c->re, rc, c->rc);
        if (rc == SARE_MATCH && (ms != c->mstart || me != c->mend))
            fail_msg("%s: match %zu..%zu, want %zu..%zu", c->re, ms, me, c->mstart, c->mend);
        sare_free(re);
    }
}

static void test_match_start_and_errors(void **state)
{
    (void)state;
    char err[128];
    sare *re = compile("/a/", err, sizeof err);
    assert_non_null(re);
    size_t ms, me;
    assert_int_equal(match_n(re, S("aXa"), 1, &ms, &me), SARE_MATCH);
    assert_int_equal(ms, 2);
    assert_int_equal(me, 3);
    assert_int_equal(match_n(re, S("aXa"), 3, &ms, &me), SARE_NOMATCH);
    assert_int_equal(sare_match(re, "a", 1, 2, &ms, &me), SARE_ERROR); /* start > len */
    assert_int_equal(sare_match(re, NULL, 0, 0, &ms, &me), SARE_NOMATCH);
    assert_false(sare_caseless(re));
    sare_free(re);
    re = compile("/a/i", err, sizeof err);
    assert_true(sare_caseless(re));
    sare_free(re);
    /* \b at the start offset looks behind it, as Perl's pos() does */
    re = compile("/\\bb/", err, sizeof err);
    assert_int_equal(match_n(re, S("ab b"), 1, &ms, &me), SARE_MATCH);
    assert_int_equal(ms, 3);
    sare_free(re);
}

struct rcase {
    const char *re;
    const char *want; /* substring of the error */
};

static const struct rcase rcases[] = {
    {"foo", "missing regexp delimiters"},
    {"m\\a\\", "backslash delimiter not allowed"},
    {"m", "missing regexp delimiters"},
    {"/foo", "invalid end delimiter"},
    {"/foo/q", "unsupported regexp flag 'q'"},
    {"/foo/e", "invalid end delimiter"},
    {"/a(?{ 1 })b/", "Perl code block"},
    {"/a(??{ 1 })b/", "Perl code block"},
    {"/a/b/", "unquoted delimiter '/' found at offset 2"},
    {"/a\\\\/b/", "unquoted delimiter '/'"},
    {"m<(?<n>x)>", "unquoted delimiter '>'"},
    {"m!a!b!", "unquoted delimiter '!'"},
    {"/\\Qa.b\\E/", "\\Q is a string escape"},
    {"/a\\Ub/", "\\U is a string escape"},
    {"/a\\Gb/", "\\G is not supported"},
    {"/\\C/", "\\C is not supported"},
    {"/\\N{LATIN SMALL LETTER A}/", "named character"},
    {"/(?u)\\w/", "charset modifier (?u)"},
    {"/(*UTF)a/", "(*UTF) is not supported"},
    {"/(*LIMIT_MATCH=10)a/", "is not supported"},
    {"/(?C1)a/", "callout"},
    {"/(?U)a+/", "unknown inline flag 'U'"},
    {"/(?J)(?<a>x)/", "unknown inline flag 'J'"},
    {"/\\b{wb}x/", "Unicode boundaries"},
    {"/a(/", "PCRE2: missing closing parenthesis at offset 3"},
    {"/ab[/", "character class"},
    {"/[z-a]/", "invalid range"},
    {"/a\\/", "at end of pattern"},
};

static void test_reject_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rcases / sizeof rcases[0]; i++) {
        char err[256];
        memset(err, 'x', sizeof err);
        sare *re = compile(rcases[i].re, err, sizeof err);
        if (re) fail_msg("%s: compiled, want error '%s'", rcases[i].re, rcases[i].want);
        if (!strstr(err, rcases[i].want))
            fail_msg("%s: error '%s', want '%s'", rcases[i].re, err, rcases[i].want);
    }
    /* a pattern over the ceiling */
    size_t n = SARE_MAX_PATTERN + 1;
    char *big = malloc(n);
    memset(big, 'a', n);
    big[0] = '/';
    big[n - 1] = '/';
    char err[128];
    assert_null(sare_compile(big, n, err, sizeof err));
    assert_non_null(strstr(err, "longer than"));
    free(big);
    /* a tiny error buffer is still NUL-terminated */
    char tiny[4] = "xyz";
    assert_null(compile("nodelim", tiny, sizeof tiny));
    assert_int_equal(tiny[3], '\0');
    assert_null(compile("nodelim", NULL, 0));
}

/* Catastrophic backtracking ends at the match limit, quickly. */
static void test_limit(void **state)
{
    (void)state;
    char err[128];
    sare *re = compile("/(a+)+$/", err, sizeof err);
    assert_non_null(re);
    const char subj[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab";
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t ms, me;
    enum sare_rc rc = match_n(re, subj, sizeof subj - 1, 0, &ms, &me);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_int_equal(rc, SARE_LIMIT);
    assert_true(secs < 0.5);
    /* the same pattern still matches where it can */
    assert_int_equal(match_n(re, S("xaaa"), 0, &ms, &me), SARE_MATCH);
    assert_int_equal(ms, 1);
    assert_int_equal(me, 4);
    sare_free(re);
    /* deep nesting without backtracking stays within the limits */
    re = compile("/(?:(?:a|b)c)+d/", err, sizeof err);
    char buf[20001];
    for (size_t i = 0; i < 20000; i += 2)
        buf[i] = 'a', buf[i + 1] = 'c';
    buf[20000] = 'd';
    rc = match_n(re, buf, sizeof buf, 0, &ms, &me);
    assert_true(rc == SARE_MATCH || rc == SARE_LIMIT);
    if (rc == SARE_MATCH) assert_int_equal(me, sizeof buf);
    sare_free(re);
}

/* ---- literals ---- */

struct lcase {
    const char *re;
    int nocase;
    const char *lits[18]; /* NULL-terminated; none: no prefilter */
};

static const struct lcase lcases[] = {
    {"/foo/", 0, {"foo", NULL}},
    {"/Foo/i", 1, {"foo", NULL}},
    /* "free" then \s+ breaks the run; "money" is longer */
    {"/\\bfree\\s+money\\b/i", 1, {"money", NULL}},
    {"/colou?r/", 0, {"color", "colour", NULL}},
    /* [ ^x] under /xx is [^x], not {x} */
    {"/[ ^x]yz/xx", 0, {"yz", NULL}},
    {"/(?:viagra|cialis) online/i", 1, {"viagra online", "cialis online", NULL}},
    {"/^\\s*$/", 0, {NULL}},
    {"/./", 0, {NULL}},
    {"/a|b/", 0, {NULL}},
    {"/foo|/", 0, {NULL}},
    {"/ab+c/", 0, {"ab", NULL}},
    {"/x{3}y/", 0, {"xxxy", NULL}},
    {"/(?i:abc)DEF/", 1, {"abcdef", NULL}},
    {"/abc(?=def)ghi/", 0, {"abc", NULL}},
    {"/(a)bc\\1de/", 0, {"abc", NULL}},
    {"/\\x41\\x42\\x43/", 0, {"ABC", NULL}},
    {"/ab(*ACCEPT)cdef/", 0, {NULL}},
    {"/caf\\xe9/i", 1, {"caf\xe9", "caf\xc9", NULL}},
    {"/f o o # bar/x", 0, {"foo", NULL}},
    {"/[Aa][Bb]c/", 1, {"abc", NULL}},
    {"/(?:one|two|three)(?:four|five)/",
     0,
     {"onefour", "onefive", "twofour", "twofive", "threefour", "threefive", NULL}},
    {"/\\b(?:alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliet|kilo|lima|mike|"
     "november|oscar|papa|quebec)\\b/",
     0,
     {NULL}},
    {"/(?:test1|test2|test3|test4|test5|test6|test7|test8|test9|test10|test11|test12|test13|"
     "test14|test15|test16|test17)/",
     0,
     {"test1", "test2", "test3", "test4", "test5", "test6", "test7", "test8", "test9", NULL}},
    {"/\\d+\\.\\d+ dollars/", 0, {" dollars", NULL}},
    {"/[\\x{100}-\\x{200}]abc/i",
     1,
     {"\xff"
      "abc",
      NULL}},
    {"/[ (](?:post|mail)\\.com[ )]/", 0, {"post.com", "mail.com", NULL}},
    {"/a\\x{100}bcd/", 0, {"bcd", NULL}},
    {"/(?:abc)?def/", 0, {"def", NULL}},
    {"/(?:abc)*def/", 0, {"def", NULL}},
    {"/abc{0,2}d/", 0, {"ab", NULL}},
    {"/\\bwin(?:ner|ning)?\\b/i", 1, {"win", NULL}},
    {"m{dear\\s+friend}i", 1, {"friend", NULL}},
    {"/(?x) a b c | d e f /", 0, {"abc", "def", NULL}},
    {"/(x)?prefix(?(1)yes|no)suffix/", 0, {"prefix", NULL}},
    {"/(?:\\$|usd)\\s?\\d+/i", 0, {NULL}},
    {"/a.b\\.c/", 0, {"b.c", NULL}},
    /* the last copy of d+ touches what follows: "dresy" (5 bytes) beats "xad" */
    {"/xad+resy/", 0, {"dresy", NULL}},
    {"/of+ice/i", 1, {"fice", NULL}},
    /* x{2,}: "axx" before the break, "xyzw" (the last x) after it */
    {"/ax{2,}yzw/", 0, {"xyzw", NULL}},
    /* 18 strings, more than 16: "top\ssecret" (six, one per white-space
     * byte) holds "secret", so it goes and the twelve words stay whole
     * (cut to a common length, "top" and 3-byte prefixes would be left) */
    {"/(?:top\\ssecret|secret|classified|confidential|private|hidden|covert|undercover|"
     "clandestine|furtive|stealth|concealed|discreet)/",
     0,
     {"secret", "classified", "confidential", "private", "hidden", "covert", "undercover",
      "clandestine", "furtive", "stealth", "concealed", "discreet", NULL}},
    /* 17 strings, none in another: cut to 6 bytes they stay 17, cut to 5
     * they are "alpha", "bravo", "charl" (charlie cut too) and "delta":
     * the longest cut that leaves at most 16 */
    {"/(?:alpha1|alpha2|alpha3|alpha4|alpha5|alpha6|alpha7|alpha8|alpha9|bravo1|bravo2|bravo3|"
     "bravo4|bravo5|bravo6|charlie|delta)/",
     0,
     {"alpha", "bravo", "charl", "delta", NULL}},
};

static void test_literal_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof lcases / sizeof lcases[0]; i++) {
        const struct lcase *c = &lcases[i];
        char err[256];
        sare *re = compile(c->re, err, sizeof err);
        if (!re) fail_msg("%s: %s", c->re, err);
        const char *const *lits;
        const size_t *lens;
        bool nocase = !c->nocase;
        size_t n = sare_literals(re, &lits, &lens, &nocase);
        size_t want = 0;
        while (c->lits[want])
            want++;
        if (n != want) {
            fprintf(stderr, "%s: got", c->re);
            for (size_t k = 0; k < n; k++)
                fprintf(stderr, " [%.*s]", (int)lens[k], lits[k]);
            fprintf(stderr, "\n");
            fail_msg("%s: %zu literals, want %zu", c->re, n, want);
        }
        if (want && (int)nocase != c->nocase) fail_msg("%s: nocase %d", c->re, nocase);
        for (size_t k = 0; k < want; k++) {
            bool found = false;
            for (size_t j = 0; j < n && !found; j++)
                found = lens[j] == strlen(c->lits[k]) && memcmp(lits[j], c->lits[k], lens[j]) == 0;
            if (!found) fail_msg("%s: missing literal '%s'", c->re, c->lits[k]);
        }
        sare_free(re);
    }
}

/* The second set (sare_literals2): the first set as in lcases, and the
 * second, or none. Every pattern here compiles; "none" cases are ones where
 * a second literal is in the pattern but not required (optional, repeated
 * from zero, in one branch only, in a lookaround, a backreference) or where
 * it says nothing the first does not. */
struct lcase2 {
    const char *re;
    const char *first[4];  /* NULL-terminated */
    const char *second[6]; /* NULL-terminated; none: no second set */
};

static const struct lcase2 lcases2[] = {
    /* two words of the top-level sequence: "money" scores higher (longer) */
    {"/\\bfree\\s+money\\b/i", {"money", NULL}, {"free", NULL}},
    {"/\\bfree\\s+money\\b/", {"money", NULL}, {"free", NULL}},
    /* equal scores: the first offered stays first */
    {"/viagra.{0,20}cialis/i", {"viagra", NULL}, {"cialis", NULL}},
    {"/click\\s+here\\s+to\\s+unsubscribe/", {"unsubscribe", NULL}, {"click", NULL}},
    {"/^free.*money$/m", {"money", NULL}, {"free", NULL}},
    /* each group required: one string of each */
    {"/(?:free|cheap)\\s+(?:money|pills)/", {"money", "pills", NULL}, {"free", "cheap", NULL}},
    /* the lookahead's "money" is not required (it must be absent); "free" is */
    {"/free\\s+(?!money)stuff/", {"stuff", NULL}, {"free", NULL}},
    /* a caseless group in a case-sensitive pattern: lowercased */
    {"/(?i:free)\\s+MONEY/", {"MONEY", NULL}, {"free", NULL}},
    /* inside a required group: "alpha" and "beta" around \d+ */
    {"/x(?:alpha\\d+beta)y/", {"alpha", NULL}, {"beta", NULL}},
    /* per branch: (money AND free) or cheap, so {money, cheap} and {free, cheap} */
    {"/(?:free\\s+money|cheap)/", {"money", "cheap", NULL}, {"free", "cheap", NULL}},
    /* the second branch's "cheap" and "pills" score the same: "cheap" comes
     * first and stays its best */
    {"/(?:free\\s+money|cheap\\s+pills|gratis)/",
     {"money", "cheap", "gratis", NULL},
     {"free", "pills", "gratis", NULL}},
    /* the optional "free" is not claimed: "back" is */
    {"/(?:free\\s+)?money\\s+back/", {"money", NULL}, {"back", NULL}},
    /* an atomic group's literals are required */
    {"/(?>hello)\\s+world/", {"hello", NULL}, {"world", NULL}},
    /* none: optional, repeated from zero, bounded from zero */
    {"/free(?:\\s+money)?/", {"free", NULL}, {NULL}},
    {"/free(?:\\s+money)*/", {"free", NULL}, {NULL}},
    {"/free(?:\\s+money){0,3}/", {"free", NULL}, {NULL}},
    {"/free(?:\\s+money|)/", {"free", NULL}, {NULL}},
    /* one side of an alternation: free OR (cheap AND money) */
    {"/free|cheap\\s+money/", {"free", "cheap", NULL}, {"free", "money", NULL}},
    /* none: two required words inside an optional group, a lookaround,
     * a conditional's branches */
    {"/free(?:\\s+cheap\\s+money)?/", {"free", NULL}, {NULL}},
    {"/free(?:\\s+cheap\\s+money)*/", {"free", NULL}, {NULL}},
    {"/free(?:\\s+cheap\\s+money){0,2}/", {"free", NULL}, {NULL}},
    {"/free(?=\\s+cheap\\s+money)/", {"free", NULL}, {NULL}},
    {"/free(?!\\s+cheap\\s+money)/", {"free", NULL}, {NULL}},
    {"/(x)?free(?(1)\\s+cheap\\s+money|cash)/", {"free", NULL}, {NULL}},
    /* none: lookarounds */
    {"/free(?=\\s+money)/", {"free", NULL}, {NULL}},
    {"/(?<=money)\\s+free/", {"free", NULL}, {NULL}},
    {"/(?<!money)\\s+free/", {"free", NULL}, {NULL}},
    /* none: a backreference repeats "money" but claims nothing new */
    {"/(money)\\s+\\1/", {"money", NULL}, {NULL}},
    /* none: in one branch only */
    {"/free|money/", {"free", "money", NULL}, {NULL}},
    {"/(?:free\\s+money|cheap\\s+pills|gratis|x)/", {NULL}, {NULL}}, /* "x": too short */
    /* none: implied by the first ("\\shello world" holds "hello world") */
    {"/(?:a|b)hello world(?:x|y)/", {"hello world", NULL}, {NULL}},
    /* none: the whole pattern is one exact set */
    {"/abc(?:def|ghi)jkl/", {"abcdefjkl", "abcghijkl", NULL}, {NULL}},
    {"/(free money|cheap pills)/", {"free money", "cheap pills", NULL}, {NULL}},
    /* none: a conditional's branches, a verb ending the match early */
    {"/(x)?prefix(?(1)money|cash)/", {"prefix", NULL}, {NULL}},
    {"/money(*ACCEPT)free/", {NULL}, {NULL}},
    /* none without a first set */
    {"/^\\s*$/", {NULL}, {NULL}},
};

static void check_set(const char *re, const char *what, const char *const *lits, const size_t *lens,
                      size_t n, const char *const *want)
{
    size_t nw = 0;
    while (want[nw])
        nw++;
    if (n != nw) {
        fprintf(stderr, "%s: %s set", re, what);
        for (size_t k = 0; k < n; k++)
            fprintf(stderr, " [%.*s]", (int)lens[k], lits[k]);
        fprintf(stderr, "\n");
        fail_msg("%s: %zu literals in the %s set, want %zu", re, n, what, nw);
    }
    for (size_t k = 0; k < nw; k++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = lens[j] == strlen(want[k]) && memcmp(lits[j], want[k], lens[j]) == 0;
        if (!found) fail_msg("%s: %s set misses '%s'", re, what, want[k]);
    }
}

static void test_literal_second(void **state)
{
    (void)state;
    size_t with = 0;
    for (size_t i = 0; i < sizeof lcases2 / sizeof lcases2[0]; i++) {
        const struct lcase2 *c = &lcases2[i];
        char err[256];
        sare *re = compile(c->re, err, sizeof err);
        if (!re) fail_msg("%s: %s", c->re, err);
        const char *const *lits;
        const size_t *lens;
        bool nocase;
        size_t n = sare_literals(re, &lits, &lens, &nocase);
        check_set(c->re, "first", lits, lens, n, c->first);
        n = sare_literals2(re, &lits, &lens);
        check_set(c->re, "second", lits, lens, n, c->second);
        with += n > 0;
        sare_free(re);
    }
    assert_int_equal(with, 14);
    assert_int_equal(sare_literals2(NULL, NULL, NULL), 0);
}

/* ---- the prefilter invariant on the stock rules ----
 * Subjects are sampled from each regex by a small generator that follows the
 * pattern (random branch, random repeat count, random class member, random
 * case under /i); wrong guesses just do not match. For every subject the
 * regex matches, one of its literals must occur in it. */

struct rng {
    uint64_t s;
};

static uint32_t rnd(struct rng *r)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(r->s >> 33);
}

struct gen {
    const char *p;
    size_t n, i;
    char out[4096];
    size_t olen;
    struct rng *r;
    int depth;
    bool ci, x, bad;
    size_t cap_s[10], cap_e[10];
    int ncap;
};

static void gput(struct gen *g, unsigned char c)
{
    if (g->olen < sizeof g->out) g->out[g->olen++] = (char)c;
}

static void gen_alt(struct gen *g);

static unsigned char flip_case(struct gen *g, unsigned char c)
{
    if (!g->ci || rnd(g->r) % 2) return c;
    if (c >= 'a' && c <= 'z') return (unsigned char)(c - 32);
    if (c >= 'A' && c <= 'Z') return (unsigned char)(c + 32);
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return (unsigned char)(c + 32);
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return (unsigned char)(c - 32);
    return c;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* A character escape's value (after the backslash), or -1 for class escapes. */
static int gen_esc_char(struct gen *g)
{
    char d = g->p[g->i++];
    switch (d) {
    case 'n':
        return '\n';
    case 't':
        return '\t';
    case 'r':
        return '\r';
    case 'f':
        return '\f';
    case 'e':
        return 27;
    case 'a':
        return 7;
    case 'x': {
        int v = 0;
        if (g->i < g->n && g->p[g->i] == '{') {
            g->i++;
            while (g->i < g->n && g->p[g->i] != '}') {
                int h = hexv(g->p[g->i++]);
                if (h >= 0) v = v * 16 + h;
            }
            g->i++;
            return v > 255 ? 'i' : v;
        }
        for (int k = 0; k < 2 && g->i < g->n && hexv(g->p[g->i]) >= 0; k++)
            v = v * 16 + hexv(g->p[g->i++]);
        return v;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
        int v = d - '0';
        for (int k = 0; k < 2 && g->i < g->n && g->p[g->i] >= '0' && g->p[g->i] <= '7'; k++)
            v = v * 8 + (g->p[g->i++] - '0');
        return v & 0xff;
    }
    default:
        return (unsigned char)d;
    }
}

static bool class_has(const char *esc, unsigned char c)
{
    bool dg = c >= '0' && c <= '9', al = (c | 32) >= 'a' && (c | 32) <= 'z';
    bool sp = c == ' ' || (c >= 9 && c <= 13);
    switch (*esc) {
    case 'd':
        return dg;
    case 'D':
        return !dg;
    case 'w':
        return dg || al || c == '_';
    case 'W':
        return !(dg || al || c == '_');
    case 's':
        return sp;
    case 'S':
        return !sp;
    default:
        return false;
    }
}

static void gen_class(struct gen *g)
{
    bool in[256] = {false};
    g->i++;
    bool neg = g->i < g->n && g->p[g->i] == '^';
    if (neg) g->i++;
    bool first = true;
    while (g->i < g->n && (g->p[g->i] != ']' || first)) {
        first = false;
        int lo;
        if (g->p[g->i] == '[' && g->i + 1 < g->n && g->p[g->i + 1] == ':') {
            const char *e = strstr(g->p + g->i, ":]");
            if (!e || (size_t)(e - g->p) >= g->n) {
                g->bad = true;
                return;
            }
            bool alpha = strncmp(g->p + g->i, "[:alpha:]", 9) == 0;
            for (unsigned c = 0; c < 128; c++)
                if (alpha ? ((c | 32) >= 'a' && (c | 32) <= 'z') : (c >= '0' && c <= '9'))
                    in[c] = true;
            g->i = (size_t)(e - g->p) + 2;
            continue;
        }
        if (g->p[g->i] == '\\') {
            g->i++;
            if (g->i >= g->n) break;
            char d = g->p[g->i];
            if (strchr("dDwWsS", d)) {
                g->i++;
                for (unsigned c = 0; c < 256; c++)
                    if (class_has(&d, (unsigned char)c)) in[c] = true;
                continue;
            }
            lo = gen_esc_char(g);
            if (d == 'b') lo = 8;
        } else {
            lo = (unsigned char)g->p[g->i++];
        }
        int hi = lo;
        if (g->i + 1 < g->n && g->p[g->i] == '-' && g->p[g->i + 1] != ']') {
            g->i++;
            if (g->p[g->i] == '\\') {
                g->i++;
                hi = gen_esc_char(g);
            } else {
                hi = (unsigned char)g->p[g->i++];
            }
        }
        for (int c = lo; c <= hi && c < 256; c++)
            in[c] = true;
    }
    g->i++;
    unsigned char pick[256];
    int np = 0;
    for (unsigned c = 0; c < 256; c++)
        if (in[c] != neg) pick[np++] = (unsigned char)c;
    if (!np) {
        g->bad = true;
        return;
    }
    /* prefer printable members, like real text */
    unsigned char c = pick[rnd(g->r) % (unsigned)np];
    for (int t = 0; t < 4 && (c < 32 || c > 126); t++)
        c = pick[rnd(g->r) % (unsigned)np];
    gput(g, flip_case(g, c));
}

static void gen_atom(struct gen *g)
{
    char c = g->p[g->i];
    static const char printable[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-/@:";
    switch (c) {
    case '(': {
        g->i++;
        bool discard = false, saved_ci = g->ci;
        int cap = -1;
        if (g->i < g->n && g->p[g->i] == '?') {
            g->i++;
            char d = g->i < g->n ? g->p[g->i] : 0;
            if (d == '=' || d == '!') {
                discard = true;
                g->i++;
            } else if (d == '<' && g->i + 1 < g->n &&
                       (g->p[g->i + 1] == '=' || g->p[g->i + 1] == '!')) {
                discard = true;
                g->i += 2;
            } else if (d == '<' || d == 'P') {
                while (g->i < g->n && g->p[g->i] != '>')
                    g->i++;
                g->i++;
            } else if (d == ':' || d == '>' || d == '|') {
                g->i++;
            } else {
                bool on = true;
                while (g->i < g->n && g->p[g->i] != ':' && g->p[g->i] != ')') {
                    if (g->p[g->i] == '-') on = false;
                    if (g->p[g->i] == 'i') g->ci = on;
                    if (g->p[g->i] == '^') g->ci = false;
                    g->i++;
                }
                if (g->i < g->n && g->p[g->i] == ')') { /* (?i) lasts to the group's end */
                    g->i++;
                    return;
                }
                g->i++;
            }
        } else if (g->ncap < 10) {
            cap = g->ncap++;
        }
        size_t start = g->olen;
        if (++g->depth > 50) {
            g->bad = true;
            return;
        }
        gen_alt(g);
        g->depth--;
        if (g->i < g->n && g->p[g->i] == ')') g->i++;
        if (discard) g->olen = start;
        if (cap >= 0) g->cap_s[cap] = start, g->cap_e[cap] = g->olen;
        g->ci = saved_ci;
        return;
    }
    case '[':
        gen_class(g);
        return;
    case '.':
        g->i++;
        gput(g, (unsigned char)printable[rnd(g->r) % (sizeof printable - 1)]);
        return;
    case '^':
    case '$':
        g->i++;
        return;
    case '\\': {
        g->i++;
        if (g->i >= g->n) return;
        char d = g->p[g->i];
        if (strchr("bBAzZK", d)) {
            g->i++;
            return;
        }
        if (strchr("dDwWsS", d)) {
            g->i++;
            unsigned char v;
            do
                v = (unsigned char)printable[rnd(g->r) % (sizeof printable - 1)];
            while (!class_has(&d, v) && !(d == 's' && (v = ' ')));
            gput(g, v);
            return;
        }
        if (d >= '1' && d <= '9' &&
            (g->i + 1 >= g->n || g->p[g->i + 1] < '0' || g->p[g->i + 1] > '9')) {
            g->i++;
            int k = d - '1';
            if (k < g->ncap)
                for (size_t j = g->cap_s[k]; j < g->cap_e[k] && j < g->olen; j++)
                    gput(g, (unsigned char)g->out[j]);
            return;
        }
        int v = gen_esc_char(g);
        gput(g, flip_case(g, (unsigned char)v));
        return;
    }
    default:
        g->i++;
        gput(g, flip_case(g, (unsigned char)c));
    }
}

static void gen_seq(struct gen *g)
{
    while (g->i < g->n && !g->bad) {
        char c = g->p[g->i];
        if (c == '|' || c == ')') return;
        if (g->x && (c == ' ' || c == '\t')) {
            g->i++;
            continue;
        }
        size_t src = g->i, out = g->olen;
        gen_atom(g);
        unsigned lo = 1, hi = 1;
        char q = g->i < g->n ? g->p[g->i] : 0;
        if (q == '*' || q == '+' || q == '?') {
            lo = q == '+';
            hi = q == '?' ? 1 : lo + 3;
            g->i++;
        } else if (q == '{' && g->i + 1 < g->n && g->p[g->i + 1] >= '0' && g->p[g->i + 1] <= '9') {
            unsigned a = 0, b;
            g->i++;
            while (g->i < g->n && g->p[g->i] >= '0' && g->p[g->i] <= '9')
                a = a * 10 + (unsigned)(g->p[g->i++] - '0');
            b = a;
            if (g->i < g->n && g->p[g->i] == ',') {
                g->i++;
                b = a + 3;
                if (g->p[g->i] >= '0' && g->p[g->i] <= '9') {
                    b = 0;
                    while (g->i < g->n && g->p[g->i] >= '0' && g->p[g->i] <= '9')
                        b = b * 10 + (unsigned)(g->p[g->i++] - '0');
                }
            }
            g->i++;
            lo = a > 60 ? 60 : a;
            hi = b > lo + 3 ? lo + 3 : b;
        } else {
            continue;
        }
        if (g->i < g->n && (g->p[g->i] == '?' || g->p[g->i] == '+')) g->i++;
        size_t after = g->i;
        unsigned count = lo + (hi > lo ? rnd(g->r) % (hi - lo + 1) : 0);
        g->olen = out;
        for (unsigned k = 0; k < count && !g->bad; k++) {
            g->i = src;
            gen_atom(g);
        }
        g->i = after;
    }
}

static void gen_alt(struct gen *g)
{
    size_t start = g->olen;
    unsigned k = 1;
    gen_seq(g);
    while (g->i < g->n && g->p[g->i] == '|' && !g->bad) {
        g->i++;
        k++;
        size_t mid = g->olen;
        gen_seq(g);
        if (rnd(g->r) % k == 0) {
            memmove(g->out + start, g->out + mid, g->olen - mid);
            g->olen = start + (g->olen - mid);
        } else {
            g->olen = mid;
        }
    }
}

/* The body and flags of a rule regex, as saregex.c splits it (simplified). */
static bool split(const char *re, size_t len, const char **body, size_t *blen, bool *ci, bool *x)
{
    size_t k;
    char close;
    if (len && re[0] == '/')
        k = 1, close = '/';
    else if (len > 1 && re[0] == 'm') {
        char o = re[1];
        close = o == '{' ? '}' : o == '(' ? ')' : o == '[' ? ']' : o == '<' ? '>' : o;
        k = 2;
    } else
        return false;
    size_t t = len;
    while (t > k && re[t - 1] >= 'a' && re[t - 1] <= 'z')
        t--;
    if (t <= k || re[t - 1] != close) return false;
    *body = re + k;
    *blen = t - 1 - k;
    *ci = memchr(re + t, 'i', len - t) != NULL;
    *x = memchr(re + t, 'x', len - t) != NULL;
    return true;
}

static bool contains(const char *h, size_t hn, const char *nd, size_t nn, bool nocase)
{
    if (nn > hn) return false;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        for (; j < nn; j++) {
            unsigned char a = (unsigned char)h[i + j], b = (unsigned char)nd[j];
            if (nocase && a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
            if (a != b) break;
        }
        if (j == nn) return true;
    }
    return false;
}

/* ASCII-caseless, as sare_lits compares */
static bool contains_ci(const char *h, size_t hn, const char *nd, size_t nn)
{
    for (size_t i = 0; nn <= hn && i + nn <= hn; i++) {
        size_t j = 0;
        for (; j < nn; j++) {
            unsigned char a = (unsigned char)h[i + j], b = (unsigned char)nd[j];
            if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
            if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
            if (a != b) break;
        }
        if (j == nn) return true;
    }
    return false;
}

struct inv_stats {
    size_t rules, compiled, with_lits, pairs, violations;
    size_t with_bytes, byte_pairs; /* required bytes (no literal set): regexes, samples */
    size_t with_run, run_pairs;    /* required runs: regexes, samples */
    size_t with_lits2, pairs2;     /* second literal sets: regexes, samples */
};

static bool holds_byte(const char *p, size_t n, const uint64_t bytes[4])
{
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)p[i];
        if (bytes[c >> 6] >> (c & 63) & 1) return true;
    }
    return false;
}

/* the longest run of bytes of `bytes` in (p,n), counted plainly */
static size_t longest_run(const char *p, size_t n, const uint64_t bytes[4])
{
    size_t best = 0, cur = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned c = (unsigned char)p[i];
        cur = (bytes[c >> 6] >> (c & 63) & 1) ? cur + 1 : 0;
        if (cur > best) best = cur;
    }
    return best;
}

/* Samples subjects for one rule regex and checks the invariant. */
static void check_invariant(const char *re_text, size_t len, struct rng *r, int samples,
                            struct inv_stats *st)
{
    char err[256];
    st->rules++;
    sare *re = compile_n(re_text, len, err, sizeof err);
    if (!re) {
        fprintf(stderr, "stock regex does not compile: %.*s: %s\n", (int)len, re_text, err);
        return;
    }
    st->compiled++;
    const char *const *lits;
    const size_t *lens;
    bool nocase;
    size_t n = sare_literals(re, &lits, &lens, &nocase);
    if (n) st->with_lits++;
    const char *const *lits2;
    const size_t *lens2;
    size_t n2 = sare_literals2(re, &lits2, &lens2);
    if (n2) st->with_lits2++;
    uint64_t rb[4] = {0, 0, 0, 0}, runb[4] = {0, 0, 0, 0};
    bool has_rb = false;
    size_t run_min = 0;
    if (!n) {
        sare_fold_analyse(re);
        has_rb = sare_required_bytes(re, rb);
        if (has_rb) st->with_bytes++;
    }
    if (sare_required_run(re, runb, &run_min)) st->with_run++;
    const char *body;
    size_t blen;
    bool ci, x;
    if ((n || has_rb || run_min) && split(re_text, len, &body, &blen, &ci, &x)) {
        for (int s = 0; s < samples; s++) {
            struct gen g;
            memset(&g, 0, sizeof g);
            g.p = body;
            g.n = blen;
            g.r = r;
            g.ci = ci;
            g.x = x;
            if (rnd(r) % 3 == 0) gput(&g, ' ');
            gen_alt(&g);
            if (g.bad) continue;
            if (rnd(r) % 3 == 0) gput(&g, '.');
            size_t ms, me;
            if (match_n(re, g.out, g.olen, 0, &ms, &me) != SARE_MATCH) continue;
            if (run_min) {
                st->run_pairs++;
                char *c = heap_copy(g.out, g.olen);
                bool has = sare_has_run(runb, run_min, c, g.olen);
                free(c);
                if (!has || longest_run(g.out, g.olen, runb) < run_min) {
                    st->violations++;
                    fprintf(stderr, "required run misses a match: %.*s on '%.*s'\n", (int)len,
                            re_text, (int)g.olen, g.out);
                }
            }
            if (has_rb) {
                st->byte_pairs++;
                if (!holds_byte(g.out, g.olen, rb)) {
                    st->violations++;
                    fprintf(stderr, "required bytes miss a match: %.*s on '%.*s'\n", (int)len,
                            re_text, (int)g.olen, g.out);
                }
            }
            if (!n) continue;
            st->pairs++;
            bool found = false;
            for (size_t k = 0; k < n && !found; k++)
                found = contains(g.out, g.olen, lits[k], lens[k], nocase);
            if (!found) {
                st->violations++;
                fprintf(stderr, "prefilter misses a match: %.*s on '%.*s'\n", (int)len, re_text,
                        (int)g.olen, g.out);
            }
            if (!n2) continue;
            /* the second set is matched caselessly, as the engine does */
            st->pairs2++;
            found = false;
            for (size_t k = 0; k < n2 && !found; k++)
                found = contains_ci(g.out, g.olen, lits2[k], lens2[k]);
            if (!found) {
                st->violations++;
                fprintf(stderr, "second set misses a match: %.*s on '%.*s'\n", (int)len, re_text,
                        (int)g.olen, g.out);
            }
        }
    }
    sare_free(re);
}

/* Extracts the regex of a rule line the way SpamAssassin's parser does:
 * comments after an unescaped '#', "\#" unescaped; header rules' "Hdr =~",
 * a trailing [if-unset: ...]. Returns the regex length, 0 if none. */
static size_t rule_regex(char *line, const char **re)
{
    char *buf = malloc(strlen(line) + 1);
    size_t n = 0;
    for (size_t i = 0; line[i] && line[i] != '\n'; i++) {
        if (line[i] == '#' && (i == 0 || line[i - 1] != '\\')) break;
        if (line[i] == '\\' && line[i + 1] == '#') continue;
        buf[n++] = line[i];
    }
    while (n && (buf[n - 1] == ' ' || buf[n - 1] == '\t' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    char *p = buf;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!strncmp(p, "lang ", 5)) {
        p += 5;
        while (*p && *p != ' ')
            p++;
        while (*p == ' ')
            p++;
    }
    static const char *const types[] = {"body", "rawbody", "full", "uri", "header", "mimeheader"};
    size_t t = 0;
    for (; t < 6; t++) {
        size_t l = strlen(types[t]);
        if (!strncmp(p, types[t], l) && (p[l] == ' ' || p[l] == '\t')) break;
    }
    if (t == 6) {
        free(buf);
        return 0;
    }
    p += strlen(types[t]);
    while (*p == ' ' || *p == '\t')
        p++;
    while (*p && *p != ' ' && *p != '\t')
        p++; /* the rule name */
    while (*p == ' ' || *p == '\t')
        p++;
    if (!strncmp(p, "eval:", 5) || !strncmp(p, "exists:", 7) || !*p) {
        free(buf);
        return 0;
    }
    if (t >= 4) {
        char *op = strstr(p, "=~");
        if (!op) op = strstr(p, "!~");
        if (!op) {
            free(buf);
            return 0;
        }
        p = op + 2;
        while (*p == ' ' || *p == '\t')
            p++;
        char *u = strstr(p, " [if-unset:");
        if (u) *u = 0;
    }
    size_t len = strlen(p);
    memmove(line, p, len + 1);
    free(buf);
    *re = line;
    return len;
}

static void test_stock_invariant(void **state)
{
    (void)state;
    const char *dir = "/usr/share/spamassassin";
    DIR *d = opendir(dir);
    if (!d) {
        skip();
        return;
    }
    int samples = 6;
    const char *env = getenv("SAREGEX_SAMPLES");
    if (env) samples = atoi(env);
    struct rng r = {42};
    struct inv_stats st = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    struct dirent *e;
    char **names = NULL;
    size_t nn = 0;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l > 3 && !strcmp(e->d_name + l - 3, ".cf")) {
            names = realloc(names, (nn + 1) * sizeof *names);
            names[nn++] = strdup(e->d_name);
        }
    }
    closedir(d);
    for (size_t f = 0; f < nn; f++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, names[f]);
        FILE *fp = fopen(path, "rb");
        char *line = NULL;
        size_t cap = 0;
        while (fp && getline(&line, &cap, fp) > 0) {
            const char *re;
            size_t len = rule_regex(line, &re);
            if (len) check_invariant(re, len, &r, samples, &st);
        }
        free(line);
        if (fp) fclose(fp);
        free(names[f]);
    }
    free(names);
    fprintf(stderr,
            "# stock rules: %zu regexes, %zu compiled, %zu with literals, %zu matching "
            "samples checked, %zu with required bytes (%zu samples), %zu with a required run "
            "(%zu samples), %zu with a second literal set (%zu samples), %zu violations\n",
            st.rules, st.compiled, st.with_lits, st.pairs, st.with_bytes, st.byte_pairs,
            st.with_run, st.run_pairs, st.with_lits2, st.pairs2, st.violations);
    assert_int_equal(st.compiled, st.rules);
    assert_true(st.rules > 1000);
    assert_true(st.pairs >= 300);
    assert_true(st.with_bytes >= 50);
    assert_true(st.byte_pairs >= 30);
    assert_true(st.with_run >= 10);
    assert_true(st.run_pairs >= 10);
    assert_true(st.with_lits2 >= 600); /* 743 when written */
    assert_true(st.pairs2 >= 2000);
    assert_int_equal(st.violations, 0);
}

/* The same invariant on handwritten patterns with awkward constructs. */
static void test_handwritten_invariant(void **state)
{
    (void)state;
    static const char *const pats[] = {
        "/(?i)ab(?-i)CD|ef(?i:GH)/",
        "/a(?:b|cd)?e+f{2,3}g/",
        "/[a-c][x-z]{2}q/i",
        "/(?:foo|foo bar|fo)baz/",
        "/\\bcaf[\\xe9\\xc9]\\b/i",
        "/x(?=yz)yzw/",
        "/(?:a|b)(?:c|d)(?:e|f)(?:g|h)i/",
        "/hello\\s+w(?:or|ir)ld/i",
        "/(?>ab|a)bc/",
        "/m(?:a|e)(?:l|ll)o+w/",
        "/[^a]bc[^d]/",
        "/\\x41\\x{42}\\103/i",
        "/xad+res+e?y/",
        "/of+ice{2,}s/i",
        "/q(?:x|yz){2,4}w/",
        "/(?:ab)+cd/",
        "/p(?:e|ee)+rs/",
        /* no literal set: required bytes */
        "/[1-9]\\s*[%$]/",
        "/(?:\\$|\\xa3)\\s?\\d/",
        "/[1-9]\\s*k\\b/i",
        "/(?:[0-9]{3}\\s?){2}[,.]/",
        "/\\b[xz][a-c]?\\d|q\\W?[\\xe0-\\xe2]/i",
        /* required runs */
        "/[a-z0-9]{6}\\s{8}[a-z0-9]{5}/i",
        "/^[^\\r\\n]{12}/m",
        "/(?:ab|c)x{4,6}?\\d/",
        "/\\bq(?:u|v)[\\xe9]{5}/i",
        /* second literal sets */
        "/\\bfree\\s+money\\b/i",
        "/(?:free|cheap)\\s+(?:money|pills)/i",
        "/(?:free\\s+)?money\\s+back/",
        "/(?:free\\s+money|cheap\\s+pills|gratis)/",
        "/x(?:alpha\\d+beta)y/",
        "/pay(?:ment)?\\s+(?:now|today)\\s+or\\s+lose/",
    };
    struct rng r = {7};
    struct inv_stats st = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
        check_invariant(pats[i], strlen(pats[i]), &r, 60, &st);
    assert_int_equal(st.compiled, st.rules);
    assert_true(st.pairs >= 200);
    assert_int_equal(st.with_bytes, 6); /* the five above and [a-z0-9]{6}\s{8}... */
    assert_true(st.byte_pairs >= 100);
    assert_int_equal(st.with_run, 4);
    assert_true(st.run_pairs >= 100);
    /* the six above and eleven of the others, e.g. {"eff"} and {"fg"} for
     * a(?:b|cd)?e+f{2,3}g, {"qxx", ...} and {"xw", "yzw"} for q(?:x|yz){2,4}w */
    assert_int_equal(st.with_lits2, 17);
    assert_true(st.pairs2 >= 100);
    assert_int_equal(st.violations, 0);
}

/* ---- patterns too large for PCRE2 ---- */

/* Growing text for building big patterns and subjects. */
struct buf {
    char *s;
    size_t n, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->s = realloc(b->s, b->cap);
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* Whether PCRE2 itself finds `body` too large (so that a test goes through
 * the rewrite, not around it). */
static bool pcre2_too_large(const char *body, size_t n, uint32_t opts)
{
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c = pcre2_compile((PCRE2_SPTR)body, n, opts, &ec, &eo, NULL);
    pcre2_code_free(c);
    return !c && ec == PCRE2_ERROR_PATTERN_TOO_LARGE;
}

#define N_WORDS 8000

/* Word k: "wd" and k in four base-26 letters ("wdaaaa", "wdaaab", ...). */
static void word(unsigned k, char out[7])
{
    out[0] = 'w', out[1] = 'd';
    for (int i = 5; i >= 2; i--, k /= 26)
        out[i] = (char)('a' + k % 26);
    out[6] = '\0';
}

/* The rule text "/HEAD(?:FIRST|wdaaaa|...|LAST)TAIL/FLAGS" with the N_WORDS
 * words; *body_len is the length of the part between the slashes. */
static char *word_pattern(const char *head, const char *first, const char *last, const char *tail,
                          const char *flags, size_t *len, size_t *body_len)
{
    struct buf b = {NULL, 0, 0};
    puts_(&b, "/");
    puts_(&b, head);
    puts_(&b, "(?:");
    if (first) {
        puts_(&b, first);
        puts_(&b, "|");
    }
    for (unsigned k = 0; k < N_WORDS; k++) {
        char w[7];
        word(k, w);
        if (k) puts_(&b, "|");
        puts_(&b, w);
    }
    if (last) {
        puts_(&b, "|");
        puts_(&b, last);
    }
    puts_(&b, ")");
    puts_(&b, tail);
    *body_len = b.n - 1;
    puts_(&b, "/");
    puts_(&b, flags);
    *len = b.n;
    return b.s;
}

static void expect_match(const sare *re, const char *subj, size_t want_s, size_t want_e)
{
    size_t ms = 99, me = 99;
    enum sare_rc rc = match_n(re, subj, strlen(subj), 0, &ms, &me);
    if (rc != SARE_MATCH) fail_msg("'%.60s': rc %d, want a match", subj, rc);
    if (ms != want_s || me != want_e)
        fail_msg("'%.60s': match %zu-%zu, want %zu-%zu", subj, ms, me, want_s, want_e);
}

static void expect_nomatch(const sare *re, const char *subj)
{
    size_t ms, me;
    enum sare_rc rc = match_n(re, subj, strlen(subj), 0, &ms, &me);
    if (rc != SARE_NOMATCH) fail_msg("'%.60s': rc %d, want no match", subj, rc);
}

/* A huge alternation with a prefix and a suffix: PCRE2 refuses it whole, so
 * it is split; every answer below follows from how the pattern is built. */
static void test_big_split(void **state)
{
    (void)state;
    size_t len, blen;
    char *pat = word_pattern("\\bpre\\s", NULL, NULL, "\\s+suf\\b", "i", &len, &blen);
    assert_true(pcre2_too_large(pat + 1, blen, PCRE2_CASELESS));
    char err[256];
    sare *re = compile_n(pat, len, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    char w[7], w2[7], subj[96];
    /* every word, at a known place */
    for (unsigned k = 0; k < N_WORDS; k++) {
        word(k, w);
        snprintf(subj, sizeof subj, "say pre %s  suf now", w);
        expect_match(re, subj, 4, 19);
    }
    /* caseless, as /i says */
    expect_match(re, "PRE WDAAAA SUF", 0, 14);
    word(N_WORDS - 1, w);
    for (char *c = w; *c; c++)
        *c = (char)(*c - 32);
    snprintf(subj, sizeof subj, "Pre %s\tSuf", w);
    expect_match(re, subj, 0, 14);
    /* not matching: a word beyond the list, a short word, no boundary, no space */
    word(N_WORDS, w);
    snprintf(subj, sizeof subj, "pre %s suf", w);
    expect_nomatch(re, subj);
    word(12345, w);
    snprintf(subj, sizeof subj, "pre %s suf", w);
    expect_nomatch(re, subj);
    expect_nomatch(re, "pre wdaaa suf");
    expect_nomatch(re, "pre wdaaaa sufx");
    expect_nomatch(re, "prewdaaaa suf");
    expect_nomatch(re, "xpre wdaaaa suf");
    expect_nomatch(re, "");
    /* leftmost: the earlier match wins whichever part holds its word */
    word(N_WORDS - 1, w);
    word(0, w2);
    snprintf(subj, sizeof subj, "pre %s suf, pre %s suf", w, w2);
    expect_match(re, subj, 0, 14);
    snprintf(subj, sizeof subj, "pre %s suf, pre %s suf", w2, w);
    expect_match(re, subj, 0, 14);
    snprintf(subj, sizeof subj, "pre wdzzzz suf; pre %s suf; pre %s suf", w, w2);
    expect_match(re, subj, 16, 30);
    snprintf(subj, sizeof subj, "pre wdzzzz suf; pre %s suf; pre %s suf", w2, w);
    expect_match(re, subj, 16, 30);
    /* a start offset past the first match finds the second */
    size_t ms, me;
    assert_int_equal(match_n(re, subj, strlen(subj), 17, &ms, &me), SARE_MATCH);
    assert_int_equal(ms, 32);
    assert_int_equal(me, 46);
    /* the prefilter still comes from the pattern as written: "pre" or
     * "suf" (3 bytes) beat the words' common "wd" (2) */
    const char *const *lits;
    const size_t *lens;
    bool nocase;
    assert_int_equal(sare_literals(re, &lits, &lens, &nocase), 1);
    assert_int_equal(lens[0], 3);
    assert_true(memcmp(lits[0], "pre", 3) == 0 || memcmp(lits[0], "suf", 3) == 0);
    assert_true(nocase);
    sare_free(re);
    free(pat);

    /* parts that match at the same start: the first part's end, which for
     * this pattern is also Perl's (its first branch "ab" wins) */
    pat = word_pattern("pre\\s", "ab", "abc", "", "", &len, &blen);
    assert_true(pcre2_too_large(pat + 1, blen, 0));
    re = compile_n(pat, len, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    expect_match(re, "pre abc", 0, 6);
    expect_match(re, "xpre abc", 1, 7);
    expect_match(re, "pre wdaaaz", 0, 10);
    expect_nomatch(re, "PRE abc");
    sare_free(re);
    free(pat);

    /* an option set in one branch holds in the later ones (Perl and PCRE2
     * agree: qr/^(?:(?i)|b)$/ matches "B"); each part keeps it */
    pat = word_pattern("pre\\s", "(?i)", NULL, "\\ssuf", "", &len, &blen);
    assert_true(pcre2_too_large(pat + 1, blen, 0));
    re = compile_n(pat, len, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    expect_match(re, "pre WDAAAB suf", 0, 14);
    word(N_WORDS - 1, w);
    snprintf(subj, sizeof subj, "pre %c%c%s suf", 'W', 'D', w + 2);
    expect_match(re, subj, 0, 14);
    expect_nomatch(re, "PRE wdaaab suf"); /* before the group: case-sensitive */
    expect_nomatch(re, "pre wdaaab SUF"); /* after it too */
    sare_free(re);
    free(pat);

    /* alternatives that are big because of their own repeats */
    static const char small[] = "/x(?:(?:a[bc]){900}|(?:d[ef]){900})y/";
    assert_true(pcre2_too_large(small + 1, sizeof small - 3, 0));
    re = compile(small, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    struct buf s = {NULL, 0, 0};
    puts_(&s, "--x");
    for (int i = 0; i < 900; i++)
        puts_(&s, i % 3 ? "ab" : "ac");
    puts_(&s, "y");
    expect_match(re, s.s, 2, s.n);
    s.s[3] = 'd'; /* "db": neither branch */
    expect_nomatch(re, s.s);
    s.n = 0;
    puts_(&s, "x");
    for (int i = 0; i < 900; i++)
        puts_(&s, i % 2 ? "de" : "df");
    puts_(&s, "y");
    expect_match(re, s.s, 0, s.n);
    s.s[s.n - 1] = 'z';
    expect_nomatch(re, s.s);
    free(s.s);
    sare_free(re);
}

/* Too large and not splittable: refused with the reason. */
static void test_big_refused(void **state)
{
    (void)state;
    size_t len, blen;
    char err[256];
    /* the alternation repeats */
    char *pat = word_pattern("pre\\s", NULL, NULL, "+\\ssuf", "i", &len, &blen);
    memset(err, 'x', sizeof err);
    assert_null(compile_n(pat, len, err, sizeof err));
    assert_non_null(strstr(err, "PCRE2: regular expression is too large"));
    assert_non_null(strstr(err, "no alternation"));
    free(pat);
    /* inside a lookahead */
    pat = word_pattern("(?=pre\\s", NULL, NULL, ")", "", &len, &blen);
    assert_null(compile_n(pat, len, err, sizeof err));
    assert_non_null(strstr(err, "no alternation"));
    free(pat);
    /* a backreference: group numbers and captures must stay as they are */
    pat = word_pattern("(pre)\\s", NULL, NULL, "\\s\\1", "", &len, &blen);
    assert_null(compile_n(pat, len, err, sizeof err));
    assert_non_null(strstr(err, "too large"));
    assert_non_null(strstr(err, "backreference"));
    free(pat);
    /* splitting does not help when the bulk is outside the alternation */
    struct buf b = {NULL, 0, 0};
    puts_(&b, "/(?:[ab][cd][ef][gh][ij][kl][mn]){3000}(?:");
    for (unsigned k = 0; k < 200; k++) {
        char w[7];
        word(k, w);
        if (k) puts_(&b, "|");
        puts_(&b, w);
    }
    puts_(&b, ")/");
    assert_null(compile_n(b.s, b.n, err, sizeof err));
    assert_non_null(strstr(err, "too large"));
    assert_non_null(strstr(err, "still too large"));
    /* 130 alternatives of about 37 KB each (compiled): one per part would
     * need more than SARE_MAX_PARTS parts */
    b.n = 0;
    puts_(&b, "/x(?:");
    for (unsigned k = 0; k < 130; k++) {
        char alt[32];
        snprintf(alt, sizeof alt, "%s(?:%c[%c%c]){1000}", k ? "|" : "", 'a' + k % 26,
                 'a' + (k / 26) % 26, 'A' + k % 26);
        puts_(&b, alt);
    }
    puts_(&b, ")y/");
    assert_null(compile_n(b.s, b.n, err, sizeof err));
    assert_non_null(strstr(err, "too large"));
    assert_non_null(strstr(err, "more than 64 parts"));
    free(b.s);
}

/* Repeated groups made subroutines: the pattern is under a quantifier, so
 * nothing can be split and only that rewrite can make it compile. Matches
 * keep their exact offsets. */
#define N_LET 250
/* An "o" as ReplaceTags writes it: letter, UTF-8 look-alikes, entity. */
#define OLIKE "(?:o|[\\xc3][\\xb2-\\xb6\\xb8]|[\\xd0][\\xbe]|[\\xce][\\xbf]|&\\#(?:111|0*79);)"

static void big_letters(struct buf *b)
{
    for (int i = 0; i < N_LET; i++) {
        char l[2] = {(char)('a' + i % 26 == 'o' ? 'q' : 'a' + i % 26), 0};
        puts_(b, l);
        puts_(b, OLIKE);
    }
}

/* The subject for big_letters: letter i, then variant v(i) of an "o". */
static void subj_letters(struct buf *b, int seed, bool upper_o)
{
    static const char *const o[] = {"o", "\xc3\xb3", "\xd0\xbe", "\xce\xbf", "&#111;", "&#0079;"};
    for (int i = 0; i < N_LET; i++) {
        char l[2] = {(char)('a' + i % 26 == 'o' ? 'q' : 'a' + i % 26), 0};
        put(b, l, 1);
        int v = (i * 7 + seed) % 6;
        puts_(b, upper_o && v == 0 ? "O" : o[v]);
    }
}

static void test_big_subroutines(void **state)
{
    (void)state;
    char err[256];
    /* "/<(?:L O L O ...){3}(?-i:L O L O ...)>/i" where O is an o-like
     * group: the same group text under two sets of options, 1000 times */
    struct buf p = {NULL, 0, 0};
    puts_(&p, "/<(?:");
    big_letters(&p);
    puts_(&p, "){3}(?-i:");
    big_letters(&p);
    puts_(&p, ")>/i");
    assert_true(pcre2_too_large(p.s + 1, p.n - 3, PCRE2_CASELESS));
    sare *re = compile_n(p.s, p.n, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    struct buf s = {NULL, 0, 0};
    for (int seed = 0; seed < 6; seed++) {
        s.n = 0;
        puts_(&s, "xx <");
        subj_letters(&s, seed, false);
        subj_letters(&s, seed + 1, true); /* "O" is fine under /i */
        subj_letters(&s, seed + 2, true);
        subj_letters(&s, seed + 3, false);
        puts_(&s, ">");
        expect_match(re, s.s, 3, s.n);
        /* "O" where (?-i) holds: no */
        s.n = 0;
        puts_(&s, "<");
        for (int k = 0; k < 3; k++)
            subj_letters(&s, seed + k, false);
        subj_letters(&s, seed, true);
        puts_(&s, ">");
        expect_nomatch(re, s.s);
        /* one repeat too few */
        s.n = 0;
        puts_(&s, "<");
        for (int k = 0; k < 3; k++)
            subj_letters(&s, seed + k, false);
        puts_(&s, ">");
        expect_nomatch(re, s.s);
    }
    sare_free(re);
    /* /x with a trailing comment: the added definitions must not be in it */
    p.n = 0;
    puts_(&p, "/ < (?: ");
    big_letters(&p);
    puts_(&p, " ){3} >  # three in a row/x");
    assert_true(pcre2_too_large(p.s + 1, p.n - 3, PCRE2_EXTENDED));
    re = compile_n(p.s, p.n, err, sizeof err);
    if (!re) fail_msg("compile: %s", err);
    s.n = 0;
    puts_(&s, "<");
    for (int k = 0; k < 3; k++)
        subj_letters(&s, k, false);
    puts_(&s, ">");
    expect_match(re, s.s, 0, s.n);
    s.s[s.n - 1] = ')';
    expect_nomatch(re, s.s);
    sare_free(re);
    free(p.s);
    free(s.s);
}

/* ---- multi-literal matcher ---- */

static bool bit(const uint64_t *seen, uint32_t id)
{
    return (seen[id >> 6] >> (id & 63)) & 1u;
}

static void scan(const sare_lits *m, const char *text, size_t len, uint64_t *seen, size_t words)
{
    memset(seen, 0, words * sizeof *seen);
    char *c = heap_copy(text, len);
    sare_lits_scan(m, c, len, seen);
    free(c);
}

static void test_lits_basic(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    assert_int_equal(sare_lits_add(m, S("abc")), 0);
    assert_int_equal(sare_lits_add(m, S("ABC")), 1); /* other bytes, other id */
    assert_int_equal(sare_lits_add(m, S("abc")), 0); /* same bytes, same id */
    assert_int_equal(sare_lits_add(m, "", 0), 2);
    assert_int_equal(sare_lits_add(m, S("he")), 3);
    assert_int_equal(sare_lits_add(m, S("she")), 4);
    assert_int_equal(sare_lits_add(m, S("his")), 5);
    assert_int_equal(sare_lits_add(m, S("hers")), 6);
    assert_int_equal(sare_lits_add(m, S("\xe9t\xe9")), 7);
    assert_int_equal(sare_lits_add(m, S("a\0b")), 8);
    assert_int_equal(sare_lits_count(m), 9);
    sare_lits_build(m);
    uint64_t seen[1];
    scan(m, S("xxAbCxx"), seen, 1);
    assert_true(bit(seen, 0) && bit(seen, 1) && bit(seen, 2));
    assert_false(bit(seen, 3) || bit(seen, 4) || bit(seen, 7) || bit(seen, 8));
    scan(m, S("uSHers"), seen, 1);
    assert_true(bit(seen, 3) && bit(seen, 4) && bit(seen, 6));
    assert_false(bit(seen, 5) || bit(seen, 0));
    scan(m, S("\xc9T\xc9"), seen, 1); /* only ASCII letters fold */
    assert_false(bit(seen, 7));
    scan(m, S("\xe9T\xe9"), seen, 1);
    assert_true(bit(seen, 7));
    scan(m, S("xA\0Bx"), seen, 1);
    assert_true(bit(seen, 8));
    scan(m, "", 0, seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 2); /* only the empty literal */
    sare_lits_free(m);

    /* nothing added */
    m = sare_lits_new();
    sare_lits_build(m);
    seen[0] = 0;
    sare_lits_scan(m, "abc", 3, seen);
    assert_int_equal(seen[0], 0);
    assert_int_equal(sare_lits_count(m), 0);
    sare_lits_free(m);
}

/* Random literal sets against a naive search: short and long literals
 * (longer than the automaton's key, so the rest is compared), two-byte ones
 * (the pair table), texts long enough for the interleaved slices, and
 * literals planted in the text with their case flipped. */
static void test_lits_random(void **state)
{
    (void)state;
    static const char alpha[] = "abAB\xe9\xc9-c";
    struct rng r = {1234};
    for (int round = 0; round < 80; round++) {
        sare_lits *m = sare_lits_new();
        enum { NL = 300, ML = 40 };
        char(*lit)[ML] = malloc(NL * sizeof *lit);
        size_t len[NL];
        uint32_t id[NL];
        int nl = 1 + (int)(rnd(&r) % NL);
        for (int k = 0; k < nl; k++) {
            len[k] = 1 + rnd(&r) % (rnd(&r) % 4 ? 6 : ML);
            for (size_t j = 0; j < len[k]; j++)
                lit[k][j] = alpha[rnd(&r) % (sizeof alpha - 1)];
            id[k] = sare_lits_add(m, lit[k], len[k]);
        }
        sare_lits_build(m);
        uint32_t count = sare_lits_count(m);
        assert_true(count <= (uint32_t)nl);
        size_t words = (count + 63) / 64;
        uint64_t *seen = calloc(words, sizeof *seen);
        for (int t = 0; t < 12; t++) {
            char text[3000];
            size_t tl = rnd(&r) % sizeof text;
            for (size_t j = 0; j < tl; j++)
                text[j] = alpha[rnd(&r) % (sizeof alpha - 1)];
            for (int plant = 0; plant < 3 && tl > ML; plant++) {
                int k = (int)(rnd(&r) % (unsigned)nl);
                size_t at = rnd(&r) % (tl - len[k]);
                for (size_t j = 0; j < len[k]; j++) {
                    unsigned char c = (unsigned char)lit[k][j];
                    if (rnd(&r) % 2 && c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
                    text[at + j] = (char)c;
                }
            }
            scan(m, text, tl, seen, words);
            for (int k = 0; k < nl; k++) {
                char low[ML];
                for (size_t j = 0; j < len[k]; j++) {
                    unsigned char c = (unsigned char)lit[k][j];
                    low[j] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                }
                bool want = contains(text, tl, low, len[k], true);
                if (bit(seen, id[k]) != want)
                    fail_msg("round %d literal %d '%.*s': got %d want %d", round, k, (int)len[k],
                             lit[k], bit(seen, id[k]), want);
            }
        }
        free(seen);
        free(lit);
        sare_lits_free(m);
    }
}

/* A subset reports the ids it keeps where the whole set reports them, with
 * the same numbers, and no other: by hand on a small set (two-byte literals
 * in its automaton, fewer than 32), then against the whole set on random
 * sets with many two-byte literals (the pair table) and with few. */
static void test_lits_subset(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    assert_int_equal(sare_lits_add(m, S("he")), 0);
    assert_int_equal(sare_lits_add(m, S("she")), 1);
    assert_int_equal(sare_lits_add(m, S("hers")), 2);
    assert_int_equal(sare_lits_add(m, S("xy")), 3);
    assert_int_equal(sare_lits_add(m, S("a-rather-long-literal")), 4);
    uint64_t keep[1] = {(uint64_t)1 << 0 | (uint64_t)1 << 2 | (uint64_t)1 << 4};
    sare_lits *sub = sare_lits_subset(m, keep);
    uint64_t keep2[1] = {(uint64_t)1 << 1 | (uint64_t)1 << 3};
    sare_lits *sub2 = sare_lits_subset(m, keep2);
    assert_int_equal(sare_lits_count(sub), 5);
    uint64_t seen[1];
    scan(sub, S("uSHers XY A-Rather-Long-Literal"), seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 0 | (uint64_t)1 << 2 | (uint64_t)1 << 4);
    scan(sub2, S("uSHers XY A-Rather-Long-Literal"), seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 1 | (uint64_t)1 << 3);
    scan(sub, S("a-rather-long-literaL"), seen, 1); /* its own 'he' inside */
    assert_int_equal(seen[0], (uint64_t)1 << 0 | (uint64_t)1 << 4);
    scan(sub, S("a-rather-long-litera"), seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 0);
    scan(sub2, S("xxy"), seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 3);
    scan(sub2, S("x y"), seen, 1);
    assert_int_equal(seen[0], 0);
    sare_lits_free(sub);
    sare_lits_free(sub2);
    sare_lits_free(m);

    static const char alpha[] = "abcdefgAB-";
    struct rng r = {4321};
    for (int round = 0; round < 40; round++) {
        m = sare_lits_new();
        sare_lits *whole = sare_lits_new();
        int nl = 1 + (int)(rnd(&r) % 400);
        for (int k = 0; k < nl; k++) {
            char lit[24];
            size_t len = 1 + rnd(&r) % (rnd(&r) % 3 ? 3 : 20);
            for (size_t j = 0; j < len; j++)
                lit[j] = alpha[rnd(&r) % (sizeof alpha - 1)];
            assert_int_equal(sare_lits_add(m, lit, len), sare_lits_add(whole, lit, len));
        }
        sare_lits_build(whole);
        uint32_t n = sare_lits_count(m);
        size_t words = (n + 63) / 64;
        uint64_t *kp = calloc(words, sizeof *kp);
        for (uint32_t id = 0; id < n; id++)
            if (rnd(&r) % (round % 2 ? 2 : 8) == 0) kp[id >> 6] |= (uint64_t)1 << (id & 63);
        sub = sare_lits_subset(m, kp);
        uint64_t *a = calloc(words, sizeof *a), *b = calloc(words, sizeof *b);
        for (int t = 0; t < 8; t++) {
            char text[700];
            size_t tl = rnd(&r) % sizeof text;
            for (size_t j = 0; j < tl; j++)
                text[j] = alpha[rnd(&r) % (sizeof alpha - 1)];
            scan(whole, text, tl, a, words);
            scan(sub, text, tl, b, words);
            for (size_t w = 0; w < words; w++)
                if (b[w] != (a[w] & kp[w]))
                    fail_msg("round %d text %d word %zu: got %llx want %llx", round, t, w,
                             (unsigned long long)b[w], (unsigned long long)(a[w] & kp[w]));
        }
        free(a);
        free(b);
        free(kp);
        sare_lits_free(sub);
        sare_lits_free(m);
        sare_lits_free(whole);
    }
}

/* The pair table (32 or more distinct two-byte literals): 40 pairs of a
 * digit 1-4 and a letter a-j, "a1" (a byte that ends pairs beginning one),
 * "\xe9-" (a high byte); short texts (the pairs listed) and long ones (the
 * pairs marked), with the cases of letters mixed. */
static void test_lits_pair_table(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    for (unsigned d = 0; d < 4; d++)
        for (unsigned l = 0; l < 10; l++) {
            char s2[2] = {(char)('1' + d), (char)('a' + l)};
            assert_int_equal(sare_lits_add(m, s2, 2), d * 10 + l);
        }
    assert_int_equal(sare_lits_add(m, S("a1")), 40);
    assert_int_equal(sare_lits_add(m, S("\xe9-")), 41);
    assert_int_equal(sare_lits_add(m, S("k2")), 42);
    sare_lits_build(m);
    uint64_t seen[1];
    scan(m, S("x1A 2j3k\xe9-"), seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 0 | (uint64_t)1 << 19 | (uint64_t)1 << 41);
    scan(m, S("1a1"), seen, 1); /* overlapping: 1a and a1 */
    assert_int_equal(seen[0], (uint64_t)1 << 0 | (uint64_t)1 << 40);
    scan(m, S("K2\xc9-5a1 a 1"), seen, 1); /* \xc9 is not \xe9 */
    assert_int_equal(seen[0], (uint64_t)1 << 42 | (uint64_t)1 << 40);
    scan(m, S("a"), seen, 1);
    assert_int_equal(seen[0], 0);
    char text[200];
    memset(text, ' ', sizeof text);
    memcpy(text + 70, "4J", 2);
    memcpy(text + 150, "3c", 2);
    memcpy(text + 198, "a1", 2); /* the last pair of the text */
    scan(m, text, sizeof text, seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 39 | (uint64_t)1 << 22 | (uint64_t)1 << 40);
    text[199] = '2';
    scan(m, text, sizeof text, seen, 1);
    assert_int_equal(seen[0], (uint64_t)1 << 39 | (uint64_t)1 << 22);
    sare_lits_free(m);
}

/* More distinct two-byte literals than the pair table holds, and a literal
 * set whose automaton would outgrow its ceiling: everything present is still
 * reported (the overflow goes to the automaton, or is reported always). */
static void test_lits_ceilings(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 20; b++) {
            char s[2] = {(char)a, (char)('0' + b)};
            assert_int_equal(sare_lits_add(m, s, 2), a * 20 + b);
        }
    sare_lits_build(m);
    uint64_t seen[(5120 + 63) / 64];
    scan(m,
         S("\xff"
           "3 q7"),
         seen, sizeof seen / sizeof seen[0]);
    assert_true(bit(seen, 255 * 20 + 3));
    assert_true(bit(seen, 'q' * 20 + 7));
    assert_true(bit(seen, 'Q' * 20 + 7));
    assert_false(bit(seen, 'q' * 20 + 8));
    assert_false(bit(seen, ' ' * 20 + 3));
    sare_lits_free(m);

    /* 12000 literals of 16 bytes over all byte values: past LITS_MAX_CELLS
     * (16 Mi) with keys of 8 bytes, 96,001 states by 257 classes */
    m = sare_lits_new();
    struct rng r = {99};
    enum { N = 12000 };
    char(*lit)[16] = malloc(N * sizeof *lit);
    for (int k = 0; k < N; k++) {
        for (int j = 0; j < 16; j++)
            lit[k][j] = (char)(rnd(&r) & 0xff);
        sare_lits_add(m, lit[k], 16);
    }
    sare_lits_build(m);
    uint32_t n = sare_lits_count(m);
    size_t words = (n + 63) / 64;
    uint64_t *bits = calloc(words, sizeof *bits);
    char text[64];
    memset(text, 'x', sizeof text);
    memcpy(text + 5, lit[0], 16);
    memcpy(text + 30, lit[N - 1], 16);
    scan(m, text, sizeof text, bits, words);
    assert_true(bit(bits, 0));
    assert_true(bit(bits, n - 1));
    free(bits);
    free(lit);
    sare_lits_free(m);
}

/* Every literal's bit against a naive case-folding search of the text. */
static void lits_expect_naive(const sare_lits *m, char (*lit)[40], const size_t *len,
                              const uint32_t *id, size_t n, const char *text, size_t tl,
                              const char *what)
{
    size_t words = (sare_lits_count(m) + 63) / 64;
    uint64_t *seen = calloc(words, sizeof *seen);
    scan(m, text, tl, seen, words);
    for (size_t k = 0; k < n; k++) {
        char low[40];
        for (size_t j = 0; j < len[k]; j++) {
            unsigned char c = (unsigned char)lit[k][j];
            low[j] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        bool want = contains(text, tl, low, len[k], true);
        if (bit(seen, id[k]) != want)
            fail_msg("%s: literal %zu (%zu bytes) in a text of %zu: got %d want %d", what, k,
                     len[k], tl, bit(seen, id[k]), want);
    }
    free(seen);
}

/* More distinct key bytes than the automaton has classes: the rarest bytes
 * (here the high bytes from 0xba, after 'q', 'z' and 0x80 .. 0xb9) share
 * one class, so a text may reach a key's end with other bytes of that
 * class; only the literal actually there may be reported. */
static void test_lits_shared_class(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    uint32_t id[72];
    for (unsigned k = 0; k < 72; k++) { /* q 0x80+k z */
        char s[3] = {'q', (char)(0x80 + k), 'z'};
        id[k] = sare_lits_add(m, s, 3);
    }
    /* longer than the key, a shared byte inside the key or only after it */
    uint32_t in_key = sare_lits_add(m, S("q\xbe"
                                         "abcdefghijklmnopqrst"));
    uint32_t after_key = sare_lits_add(m, S("abcdefghijklmnopq\xc0"
                                            "z"));
    uint32_t shared_only = sare_lits_add(m, S("\xc1\xc2\xc3"));
    sare_lits_build(m);
    uint64_t seen[2];
    scan(m, S("xq\xbczx"), seen, 2);
    assert_true(bit(seen, id[0x3c]));
    assert_false(bit(seen, id[0x3d]) || bit(seen, id[0x45]) || bit(seen, id[0x3b]));
    scan(m, S("Q\xc5Z"), seen, 2);
    assert_true(bit(seen, id[0x45]));
    assert_false(bit(seen, id[0x3c]));
    scan(m, S("q\x80zq\x81"), seen, 2); /* own classes; the second cut short */
    assert_true(bit(seen, id[0]));
    assert_false(bit(seen, id[1]));
    scan(m, S("q\xbc"), seen, 2);
    assert_int_equal(seen[0] | seen[1], 0);
    scan(m,
         S("q\xbf"
           "abcdefghijklmnopqrst"),
         seen, 2);
    assert_false(bit(seen, in_key));
    scan(m,
         S("Q\xbe"
           "ABCDEFGHIJKLMNOPQRST"),
         seen, 2);
    assert_true(bit(seen, in_key));
    scan(m,
         S("q\xbe"
           "abcdefghijklmnopqrs"),
         seen, 2); /* one byte short */
    assert_false(bit(seen, in_key));
    scan(m, S("abcdefghijklmnopq\xc1z"), seen, 2);
    assert_false(bit(seen, after_key));
    scan(m, S("abcdefghijklmnopq\xc0z"), seen, 2);
    assert_true(bit(seen, after_key));
    scan(m, S("\xc3\xc2\xc1\xc1\xc2"), seen, 2); /* every byte of the class, never in order */
    assert_false(bit(seen, shared_only));
    scan(m, S("\xc1\xc2\xc3"), seen, 2); /* at the very start */
    assert_true(bit(seen, shared_only));
    sare_lits_free(m);
}

/* Random literals over 26 letters and 64 high bytes (90 key bytes: the
 * rarest 27 share a class), texts of every slicing (one, two and four
 * slices) with literals planted whole, case flipped, or with a byte
 * replaced by another high byte (often of the same shared class). */
static void test_lits_shared_random(void **state)
{
    (void)state;
    struct rng r = {4321};
    for (int round = 0; round < 40; round++) {
        sare_lits *m = sare_lits_new();
        enum { NL = 200 };
        char(*lit)[40] = malloc(NL * sizeof *lit);
        size_t len[NL];
        uint32_t id[NL];
        for (int k = 0; k < NL; k++) {
            len[k] = 1 + rnd(&r) % (rnd(&r) % 4 ? 5 : 39);
            for (size_t j = 0; j < len[k]; j++)
                lit[k][j] = rnd(&r) % 3 ? (char)(0x80 + rnd(&r) % 64) : (char)('a' + rnd(&r) % 26);
            id[k] = sare_lits_add(m, lit[k], len[k]);
        }
        sare_lits_build(m);
        for (int t = 0; t < 10; t++) {
            static const size_t lens[] = {5, 40, 63, 64, 100, 191, 192, 400, 1500, 2999};
            char text[3000];
            size_t tl = lens[t];
            for (size_t j = 0; j < tl; j++)
                text[j] = rnd(&r) % 3 ? (char)(0x80 + rnd(&r) % 64) : (char)('a' + rnd(&r) % 26);
            for (int plant = 0; plant < 6; plant++) {
                int k = (int)(rnd(&r) % NL);
                if (len[k] > tl) continue;
                size_t at = rnd(&r) % (tl - len[k] + 1);
                for (size_t j = 0; j < len[k]; j++) {
                    unsigned char c = (unsigned char)lit[k][j];
                    if (rnd(&r) % 2 && c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
                    text[at + j] = (char)c;
                }
                if (plant % 2) { /* a near miss */
                    size_t j = rnd(&r) % len[k];
                    if ((unsigned char)text[at + j] >= 0x80)
                        text[at + j] = (char)(0x80 + rnd(&r) % 64);
                }
            }
            lits_expect_naive(m, lit, len, id, NL, text, tl, "shared random");
        }
        free(lit);
        sare_lits_free(m);
    }
}

/* A literal at every position of texts of every length around the slicing
 * thresholds (two slices from 64 bytes, four from 192): the slices' seams
 * and warm-up overlaps, the first and the last bytes; the two-byte literal
 * on both sides of the pair scan's 64-byte list threshold. */
static void test_lits_slices(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    enum { NL = 5 };
    char lit[NL][40] = {"abcdefghijklmnop", "abcdefghijklmnopqrstu", "mno", "zq", "pab"};
    size_t len[NL];
    uint32_t id[NL];
    for (int k = 0; k < NL; k++) {
        len[k] = strlen(lit[k]);
        id[k] = sare_lits_add(m, lit[k], len[k]);
    }
    sare_lits_build(m);
    static const size_t lens[] = {1,  2,  3,   15,  16,  17,  31,  47,  63,  64,
                                  65, 66, 127, 128, 129, 191, 192, 193, 194, 300};
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        size_t tl = lens[t];
        char text[300];
        for (int k = 0; k < NL; k++)
            for (size_t at = 0; at + len[k] <= tl; at++) {
                memset(text, 'x', tl);
                for (size_t j = 0; j < len[k]; j++)
                    text[at + j] = (char)(at % 2 ? lit[k][j] - 32 : lit[k][j]);
                lits_expect_naive(m, lit, len, id, NL, text, tl, "slices");
            }
        memset(text, 'x', tl);
        lits_expect_naive(m, lit, len, id, NL, text, tl, "slices, none");
    }
    sare_lits_free(m);
}

static unsigned char ascii_fold(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Automata of 28 to 70 byte classes: a state's report sits in its row at
 * columns 30 and 31 (rows of 32 entries up to 30 classes, of 64 from 31;
 * classes from 30 one column further, past 61 one shared class): every
 * literal's bit against the naive search, on texts of the literals' bytes
 * with literals planted. */
static void test_lits_class_counts(void **state)
{
    (void)state;
    struct rng r = {2468};
    static const unsigned nb[] = {28, 29, 30, 31, 32, 33, 60, 61, 62, 63, 70};
    for (size_t x = 0; x < sizeof nb / sizeof nb[0]; x++) {
        unsigned char bytes[80];
        for (unsigned k = 0; k < nb[x]; k++) /* digits, punctuation, then high bytes */
            bytes[k] = (unsigned char)(k < 40 ? '!' + k : 0x80 + k);
        enum { NL = 120 };
        char(*lit)[40] = malloc(NL * sizeof *lit);
        size_t len[NL];
        uint32_t id[NL];
        sare_lits *m = sare_lits_new();
        for (int k = 0; k < NL; k++) {
            /* the first nb[x] literals use every byte once, as the last byte */
            len[k] = 1 + rnd(&r) % 12;
            for (size_t j = 0; j < len[k]; j++)
                lit[k][j] = (char)bytes[rnd(&r) % nb[x]];
            if (k < (int)nb[x]) lit[k][len[k] - 1] = (char)bytes[k];
            id[k] = sare_lits_add(m, lit[k], len[k]);
        }
        sare_lits_build(m);
        for (int t = 0; t < 30; t++) {
            char text[400];
            size_t tl = rnd(&r) % sizeof text;
            for (size_t j = 0; j < tl; j++)
                text[j] = (char)bytes[rnd(&r) % nb[x]];
            for (int plant = 0; plant < 4; plant++) {
                int k = (int)(rnd(&r) % NL);
                if (len[k] > tl) continue;
                memcpy(text + rnd(&r) % (tl - len[k] + 1), lit[k], len[k]);
            }
            lits_expect_naive(m, lit, len, id, NL, text, tl, "class counts");
        }
        sare_lits_free(m);
        free(lit);
    }
}

/* Caseless (ASCII) naive search of literal nd in h: the reference. */
static bool naive_has(const unsigned char *h, size_t hn, const unsigned char *nd, size_t nn)
{
    for (size_t i = 0; nn <= hn && i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && ascii_fold(h[i + j]) == ascii_fold(nd[j]))
            j++;
        if (j == nn) return true;
    }
    return false;
}

/* sare_lits_scan_texts against the naive search, text by text (rows) and
 * all texts together (w 0), and against sare_lits_scan of each text. */
static void lits_texts_expect(const sare_lits *m, char (*lit)[40], const size_t *len,
                              const uint32_t *id, size_t nl, const struct sare_text *t, size_t n,
                              const char *what)
{
    size_t words = (sare_lits_count(m) + 63) / 64;
    uint64_t *rows = calloc((n ? n : 1) * words, sizeof *rows);
    uint64_t *all = calloc(words, sizeof *all);
    uint64_t *one = calloc(words, sizeof *one);
    sare_lits_scan_texts(m, t, n, rows, words);
    sare_lits_scan_texts(m, t, n, all, 0);
    for (size_t i = 0; i < n; i++) {
        memset(one, 0, words * sizeof *one);
        sare_lits_scan(m, t[i].p, t[i].len, one);
        if (memcmp(one, rows + i * words, words * sizeof *one) != 0)
            fail_msg("%s: text %zu of %zu: the batch row differs from sare_lits_scan", what, i, n);
    }
    for (size_t k = 0; k < nl; k++) {
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            bool want = naive_has((const unsigned char *)t[i].p, t[i].len,
                                  (const unsigned char *)lit[k], len[k]);
            any |= want;
            if (bit(rows + i * words, id[k]) != want)
                fail_msg(
                    "%s: literal %zu (%zu bytes) in text %zu of %zu (%zu bytes): got %d want %d",
                    what, k, len[k], i, n, t[i].len, bit(rows + i * words, id[k]), want);
        }
        if (bit(all, id[k]) != any)
            fail_msg("%s: literal %zu in all %zu texts: got %d want %d", what, k, n,
                     bit(all, id[k]), any);
    }
    free(rows);
    free(all);
    free(one);
}

/* Batches of texts (sare_lits_scan_texts, the lanes): literals planted
 * across the seams of the lanes' shares and across the ends of texts (where
 * they must not be reported), texts made of fragments of the literals, of
 * 0 to 300 bytes with lengths around 16 and 32, bytes >= 0x80 and NULs;
 * sets with many two-byte literals (the pair table) and with few, and with
 * more key bytes than classes (shared class). */
static void test_lits_texts(void **state)
{
    (void)state;
    struct rng r = {9876};
    enum { NL = 160, NT = 48, TL = 300 };
    static const unsigned char alpha[] = "abcdeAB \x80\xe9\xff\x00-";
    static const size_t edge[] = {0,  1,  2,  7,  8,  9,  15,  16,  17,
                                  23, 24, 25, 31, 32, 33, 191, 192, 193};
    char(*lit)[40] = malloc(NL * sizeof *lit);
    char(*text)[TL] = malloc(NT * sizeof *text);
    size_t len[NL];
    uint32_t id[NL];
    struct sare_text t[NT];
    for (int round = 0; round < 60; round++) {
        sare_lits *m = sare_lits_new();
        int kind = round % 3; /* 0: pairs; 1: few pairs; 2: high bytes, shared class */
        for (int k = 0; k < NL; k++) {
            len[k] = kind == 0 && k < 60 ? 2 : 1 + rnd(&r) % (rnd(&r) % 4 ? 6 : 30);
            for (size_t j = 0; j < len[k]; j++)
                lit[k][j] = kind == 2
                                ? (char)(rnd(&r) % 3 ? 0x80 + rnd(&r) % 100 : 'a' + rnd(&r) % 3)
                                : (char)alpha[rnd(&r) % (sizeof alpha - 1)];
            id[k] = sare_lits_add(m, lit[k], len[k]);
        }
        sare_lits_build(m);
        for (int b = 0; b < 8; b++) {
            size_t n = rnd(&r) % (b == 0 ? 2 : NT + 1);
            for (size_t i = 0; i < n; i++) {
                size_t tl = rnd(&r) % 2 ? edge[rnd(&r) % (sizeof edge / sizeof edge[0])]
                                        : rnd(&r) % (rnd(&r) % 4 ? 80 : TL + 1);
                size_t j = 0;
                while (j < tl) { /* fragments of literals, case flipped, or a random byte */
                    if (rnd(&r) % 4 == 0) {
                        text[i][j++] = kind == 2 ? (char)(0x80 + rnd(&r) % 100)
                                                 : (char)alpha[rnd(&r) % (sizeof alpha - 1)];
                        continue;
                    }
                    size_t k = rnd(&r) % NL, from = rnd(&r) % 3 ? 0 : rnd(&r) % len[k];
                    for (size_t q = from; q < len[k] && j < tl; q++) {
                        unsigned char c = (unsigned char)lit[k][q];
                        if (rnd(&r) % 2 && c >= 'a' && c <= 'z') c = (unsigned char)(c - 32);
                        text[i][j++] = (char)c;
                    }
                }
                t[i] = (struct sare_text){tl ? text[i] : NULL, tl};
            }
            lits_texts_expect(m, lit, len, id, NL, t, n, "texts");
        }
        sare_lits_free(m);
    }
    free(lit);
    free(text);
}

/* By hand: a literal across the seam of two lanes' shares is found; one
 * across the end of a text and the start of the next is not, in no row and
 * not in the rows taken together; the literal alone in the last text. */
static void test_lits_texts_seams(void **state)
{
    (void)state;
    sare_lits *m = sare_lits_new();
    uint32_t abcd = sare_lits_add(m, S("abcdefgh")), longer = sare_lits_add(m, S("abcdefghijkl"));
    sare_lits_build(m);
    char text[400];
    for (size_t at = 0; at + 12 <= 256; at++) { /* one text of 256 bytes: shares of 32 */
        memset(text, 'x', 256);
        memcpy(text + at, "ABCDefghIJKL", 12);
        uint64_t seen[1] = {0};
        struct sare_text t = {text, 256};
        sare_lits_scan_texts(m, &t, 1, seen, 0);
        if (seen[0] != ((1u << abcd) | (1u << longer)))
            fail_msg("seam: at %zu got %llx", at, (unsigned long long)seen[0]);
    }
    /* 20 texts of 20 bytes, each ending "abcdef" and the next starting
     * "ghijkl": nowhere whole */
    struct sare_text t[21];
    for (size_t i = 0; i < 20; i++) {
        memset(text + i * 20, 'y', 20);
        memcpy(text + i * 20, "ghijkl", 6);
        memcpy(text + i * 20 + 14, "abcdef", 6);
        t[i] = (struct sare_text){text + i * 20, 20};
    }
    uint64_t rows[21] = {0}, all[1] = {0};
    sare_lits_scan_texts(m, t, 20, rows, 1);
    sare_lits_scan_texts(m, t, 20, all, 0);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(rows[i], 0);
    assert_int_equal(all[0], 0);
    t[20] = (struct sare_text){"abcdefghijkl", 12}; /* then in a last text of its own */
    memset(rows, 0, sizeof rows);
    sare_lits_scan_texts(m, t, 21, rows, 1);
    for (size_t i = 0; i < 20; i++)
        assert_int_equal(rows[i], 0);
    assert_int_equal(rows[20], (1u << abcd) | (1u << longer));
    sare_lits_free(m);
}

/* More than 65,536 states: the table of 32-bit entries. */
static void test_lits_wide(void **state)
{
    (void)state;
    struct rng r = {777};
    enum { NL = 8000 };
    sare_lits *m = sare_lits_new();
    char(*lit)[40] = malloc(NL * sizeof *lit);
    size_t len[NL];
    uint32_t id[NL];
    for (int k = 0; k < NL; k++) {
        len[k] = k < 20 ? 3 + (size_t)k : 16; /* 16 random letters: about 110,000 states */
        for (size_t j = 0; j < len[k]; j++)
            lit[k][j] = (char)('a' + rnd(&r) % 26);
        id[k] = sare_lits_add(m, lit[k], len[k]);
    }
    sare_lits_build(m);
    for (int t = 0; t < 4; t++) {
        char text[2000];
        size_t tl = t == 0 ? 50 : t == 1 ? 150 : sizeof text;
        for (size_t j = 0; j < tl; j++)
            text[j] = (char)('a' + rnd(&r) % 26);
        for (int plant = 0; plant < 8; plant++) {
            int k = plant < 4 ? plant * 5 : (int)(rnd(&r) % NL);
            if (len[k] > tl) continue;
            size_t at = rnd(&r) % (tl - len[k] + 1);
            for (size_t j = 0; j < len[k]; j++)
                text[at + j] = (char)(plant % 2 ? lit[k][j] - 32 : lit[k][j]);
        }
        lits_expect_naive(m, lit, len, id, NL, text, tl, "wide");
    }
    free(lit);
    sare_lits_free(m);
}

/* ---- threads: per-thread match data ---- */

static void *thread_main(void *arg)
{
    const sare *re = arg;
    size_t ms, me;
    long bad = 0;
    for (int i = 0; i < 2000; i++) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "x%dfoo%d", i, i);
        if (sare_match(re, buf, (size_t)n, 0, &ms, &me) != SARE_MATCH || me - ms != 3) bad++;
        if (sare_match(re, "bar", 3, 0, &ms, &me) != SARE_NOMATCH) bad++;
    }
    return (void *)bad;
}

static void test_threads(void **state)
{
    (void)state;
    char err[64];
    sare *re = compile("/foo/", err, sizeof err);
    pthread_t t[3];
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, thread_main, re);
    for (int i = 0; i < 3; i++) {
        void *bad;
        pthread_join(t[i], &bad);
        assert_null(bad);
    }
    sare_free(re);
}

/* ---- folded prefilter ---- */

/* What the engine concludes from the folded sets: false means "cannot
 * match" (every fold with a set folds the text and finds none of them). */
static bool set_found(const char *const *lits, const size_t *lens, size_t k, const char *t,
                      size_t n)
{
    for (size_t i = 0; i < k; i++)
        for (size_t at = 0; at + lens[i] <= n; at++)
            if (memcmp(t + at, lits[i], lens[i]) == 0) return true;
    return false;
}

/* whether the folded text holds a literal of every set of each fold: the
 * first sets, and with `more` the more sets (sare_fold_literals_more) too */
static bool fold_sets_allow(const sare *re, const char *p, size_t len, bool more)
{
    char *buf = malloc(len ? len : 1);
    bool ok = true;
    for (unsigned f = 0; f < SARE_N_FOLDS && ok; f++) {
        const char *const *lits;
        const size_t *lens;
        size_t k = sare_fold_literals(re, f, &lits, &lens);
        if (!k) continue;
        size_t n = sare_fold(f, p, len, buf);
        if (n == SIZE_MAX) continue;
        ok = set_found(lits, lens, k, buf, n);
        for (unsigned x = 0; more && x < SARE_FOLD_MORE && ok; x++) {
            k = sare_fold_literals_more(re, f, x, &lits, &lens);
            if (k) ok = set_found(lits, lens, k, buf, n);
        }
    }
    free(buf);
    return ok;
}

/* the first sets only (what the engine did before the more sets) */
static bool fold_allows_first(const sare *re, const char *p, size_t len)
{
    return fold_sets_allow(re, p, len, false);
}

/* every set of a fold */
static bool fold_allows(const sare *re, const char *p, size_t len)
{
    return fold_sets_allow(re, p, len, true);
}

static bool matches(const sare *re, const char *p, size_t len)
{
    size_t ms, me;
    return sare_match(re, p, len, 0, &ms, &me) == SARE_MATCH;
}

/* ReplaceTags-style patterns: look-alike letters, fillers between letters,
 * multi-byte and entity alternatives, repeated letters. */
static const char *const fold_patterns[] = {
    "/(?:^|\\W)(?:[vV\\xb5]|\\\\\\/)[_\\W]{0,3}(?:[iI1!|l]|[\\xc3][\\xac])[_\\W]{0,3}"
    "(?:[aA@4]|[\\xc3][\\xa0]|&\\#224;)[_\\W]{0,3}[gG][_\\W]{0,3}[rR][_\\W]{0,3}"
    "(?:[aA@4]|[\\xc3][\\xa0])/i",
    "/(?:[nN]|[\\xc3][\\x91])\\W?(?:[goO0u]|[\\xc3][\\x92])\\W?(?:[rR]|&\\#(?:1071|34[0-5]);)\\W?"
    "(?:[tT]|[\\xc5][\\xa2])\\W?(?:[goO0u]|[\\xc3][\\x92])\\W?(?:[nN]|[\\xc3][\\x91])/i",
    "/[pP]{1,2}\\W{0,2}[hH]{1,2}\\W{0,2}[aA@]{1,2}\\W{0,2}[rR]{1,2}\\W{0,2}(?:[mM]|rn){1,2}/",
    "/\\b(?:[yYj]|[\\xc3][\\xbd])[_\\W]{0,3}(?:[goO0u])[_\\W]{0,3}(?:[uUv])[_\\W]{0,3}(?:[rR])"
    "[_\\W]{1,3}(?:[wWv]|\\\\\\/\\\\\\/)[_\\W]{0,3}(?:[iIl|!1y?])[_\\W]{0,3}(?:[nN])/",
};

static void test_fold(void **state)
{
    (void)state;
    char err[256];
    for (size_t i = 0; i < sizeof fold_patterns / sizeof fold_patterns[0]; i++) {
        sare *re = compile_n(fold_patterns[i], strlen(fold_patterns[i]), err, sizeof err);
        assert_non_null(re);
        /* nothing in the bytes as written, something once folded */
        assert_int_equal(sare_literals(re, NULL, NULL, NULL), 0);
        assert_int_equal(sare_fold_literals(re, SARE_FOLD_LOOK, NULL, NULL) +
                             sare_fold_literals(re, SARE_FOLD_SQUEEZE, NULL, NULL),
                         0);
        sare_fold_analyse(re);
        assert_true(sare_fold_literals(re, SARE_FOLD_LOOK, NULL, NULL) +
                        sare_fold_literals(re, SARE_FOLD_SQUEEZE, NULL, NULL) >
                    0);
        sare_fold_analyse(re); /* idempotent */
        sare_free(re);
    }

    sare *re = compile_n(fold_patterns[0], strlen(fold_patterns[0]), err, sizeof err);
    sare_fold_analyse(re);
    /* must skip: plain text that cannot match */
    assert_false(matches(re, S("the quick brown fox jumps")));
    assert_false(fold_allows(re, S("the quick brown fox jumps")));
    /* must not skip: obfuscated spellings that match */
    static const char *const hits[] = {"buy v-i-a-g-r-a now",
                                       "V!@GR@",
                                       "cheap v1agra",
                                       "x \\/|@g_r_4",
                                       "v.i.a.g.r.a",
                                       "v\xc3\xac"
                                       "agra"};
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        assert_true(matches(re, hits[i], strlen(hits[i])));
        assert_true(fold_allows(re, hits[i], strlen(hits[i])));
    }
    /* a byte outside the alphabet (here the entity's '&'): no verdict */
    char out[64];
    assert_int_equal(sare_fold(SARE_FOLD_LOOK, S("vi&#224;gra"), out), SIZE_MAX);
    assert_true(matches(re, S("vi&#224;gra")));
    assert_true(fold_allows(re, S("vi&#224;gra")));
    sare_free(re);

    re = compile_n(fold_patterns[1], strlen(fold_patterns[1]), err, sizeof err);
    sare_fold_analyse(re);
    assert_false(matches(re, S("north and south")));
    assert_false(fold_allows(re, S("north and south")));
    assert_true(matches(re, S("N-0-R-t-O-n")) && fold_allows(re, S("N-0-R-t-O-n")));
    assert_true(matches(re, S("n0rt0n")) && fold_allows(re, S("n0rt0n")));
    assert_true(matches(re, S("n\xc3\x92rton")) && fold_allows(re, S("n\xc3\x92rton")));
    sare_free(re);

    /* the folds themselves */
    assert_int_equal(sare_fold(SARE_FOLD_LOOK, S("V1@gra\tX"), out), 8);
    assert_memory_equal(out, "aiaara x", 8);
    assert_int_equal(sare_fold(SARE_FOLD_SQUEEZE, S("P-p_h..A@rrm"), out), 5);
    assert_memory_equal(out, "pharm", 5); /* fillers dropped, runs collapsed */
    assert_int_equal(sare_fold(SARE_FOLD_SQUEEZE, S("a\xc3\xa0"), out), SIZE_MAX);
    assert_int_equal(sare_fold(SARE_FOLD_LOOK, S(""), out), 0);

    /* invariant: whatever matches is never skipped (random edits of a
     * matching text with the letters, look-alikes and fillers the patterns
     * use, multi-byte ones included) */
    static const char alpha[] =
        "vViI1!|lL@aA4gGrRnNoO0tTuUpPhHmMyYwW -._\\/&#;xz\xc3\xac\xa0\x91\x92";
    static const char *const base[] = {"v-i-a-g-r-a", "n0rt0n", "pphharrm", "y o u r  w i n"};
    unsigned seed = 12345;
    for (size_t i = 0; i < sizeof fold_patterns / sizeof fold_patterns[0]; i++) {
        re = compile_n(fold_patterns[i], strlen(fold_patterns[i]), err, sizeof err);
        sare_fold_analyse(re);
        assert_true(matches(re, base[i], strlen(base[i])));
        size_t n_match = 0, n_skip = 0;
        for (int it = 0; it < 100000; it++) {
            char t[40];
            size_t len = strlen(base[i]);
            memcpy(t, base[i], len);
            seed = seed * 1103515245u + 12345u;
            int edits = 1 + (int)((seed >> 16) % 3);
            for (int e = 0; e < edits; e++) {
                seed = seed * 1103515245u + 12345u;
                unsigned r = seed >> 16;
                size_t at = r % (len + 1);
                char c = alpha[(r >> 5) % (sizeof alpha - 1)];
                switch ((r >> 11) % 3) {
                case 0: /* substitute */
                    if (at < len) t[at] = c;
                    break;
                case 1: /* insert */
                    if (len < sizeof t) {
                        memmove(t + at + 1, t + at, len - at);
                        t[at] = c;
                        len++;
                    }
                    break;
                default: /* delete */
                    if (at < len) {
                        memmove(t + at, t + at + 1, len - at - 1);
                        len--;
                    }
                }
            }
            if (!matches(re, t, len)) {
                n_skip += !fold_allows(re, t, len);
                continue;
            }
            n_match++;
            assert_true(fold_allows(re, t, len));
        }
        assert_true(n_match > 1000);
        assert_true(n_skip > 0); /* the prefilter does skip some */
        sare_free(re);
    }
}

/* ---- repeated folded sets: occurrences apart ---- */

/* sare_apart_count on an exact-size copy of the text */
static size_t apart(const char *const *lits, const size_t *lens, size_t n, const char *t,
                    size_t len, size_t enough)
{
    sare_apart *a = sare_apart_new(lits, lens, n);
    char *copy = malloc(len ? len : 1);
    memcpy(copy, t, len);
    size_t r = sare_apart_count(a, copy, len, enough);
    free(copy);
    sare_apart_free(a);
    return r;
}

static void test_apart_count(void **state)
{
    (void)state;
    static const char *const l1[] = {"ab", "abc", "bc"};
    static const size_t n1[] = {2, 3, 2};
    /* "abcbc": ab@0-2, abc@0-3, bc@1-3, bc@3-5: at most two apart (ab, bc@3) */
    assert_int_equal(apart(l1, n1, 3, S("abcbc"), 10), 2);
    assert_int_equal(apart(l1, n1, 3, S("abcbc"), 1), 1); /* stops at `enough` */
    assert_int_equal(apart(l1, n1, 3, S("xxabxx"), 10), 1);
    assert_int_equal(apart(l1, n1, 3, S("a"), 10), 0);
    assert_int_equal(apart(l1, n1, 3, S(""), 10), 0);
    static const char *const l2[] = {"aba"};
    static const size_t n2[] = {3};
    assert_int_equal(apart(l2, n2, 1, S("ababab"), 10), 1);  /* aba@0 and aba@2 overlap */
    assert_int_equal(apart(l2, n2, 1, S("abaaba"), 10), 2);  /* touching is apart */
    assert_int_equal(apart(l2, n2, 1, S("abababa"), 10), 2); /* @0 and @4 */
    /* a long literal that would overlap two short ones is not preferred */
    static const char *const l3[] = {"xyzw", "xy", "zw"};
    static const size_t n3[] = {4, 2, 2};
    assert_int_equal(apart(l3, n3, 3, S("xyzw"), 10), 2);
    /* empty literals are never one of the set; too long ones never fit */
    static const char *const l4[] = {"", "q", "qqqqqqqq"};
    static const size_t n4[] = {0, 1, 8};
    assert_int_equal(apart(l4, n4, 3, S("qq"), 10), 2);
    assert_int_equal(apart(l4, n4, 3, S("zz"), 10), 0);
    assert_int_equal(apart(l4, n4, 1, S("zz"), 10), 0);
    /* literals sharing their first bytes: a mismatch on the last byte of one
     * does not stop the others ("abcd"@0-4, "abd"@5-8) */
    static const char *const l5[] = {"abd", "abcd"};
    static const size_t n5[] = {3, 4};
    assert_int_equal(apart(l5, n5, 2, S("abcd abd"), 10), 2);
    assert_int_equal(apart(l5, n5, 2, S("abce abc"), 10), 0);
    assert_int_equal(apart(l5, n5, 2, S("abcdabcd"), 10), 2);
    /* literals holding another of the set (dropped when built) or equal to
     * one: "b" inside "abc" ends first, so "abcabc" holds two apart */
    static const char *const l6[] = {"abc", "b", "b", "xbx", "name", "nam", "names"};
    static const size_t n6[] = {3, 1, 1, 3, 4, 3, 5};
    assert_int_equal(apart(l6, n6, 7, S("abcabc"), 10), 2);
    assert_int_equal(apart(l6, n6, 7, S("xbxbx"), 10), 2);
    assert_int_equal(apart(l6, n6, 7, S("namesnamenam"), 10), 3);
    assert_int_equal(apart(l6, n6, 7, S("namesnamenam"), 2), 2);
    assert_int_equal(apart(l6, n6, 7, S("naxnme"), 10), 0);
    static const char *const l7[] = {"ab", "ab"};
    static const size_t n7[] = {2, 2};
    assert_int_equal(apart(l7, n7, 2, S("ababa"), 10), 2);
    /* no literal under 3 bytes: a position's second and third bytes are
     * tested first ("abx", "ab" at the end, "bcz" start no literal) */
    static const char *const l8[] = {"abc", "abd", "bcd", "xyz\xff"};
    static const size_t n8[] = {3, 3, 3, 4};
    assert_int_equal(apart(l8, n8, 4, S("abx abc ab"), 10), 1);
    assert_int_equal(apart(l8, n8, 4, S("abcabdbcdbcz"), 10), 3);
    assert_int_equal(apart(l8, n8, 4, S("abcd"), 10), 1);
    assert_int_equal(apart(l8, n8, 4, S("xyz\xffxyz"), 10), 1);
    assert_int_equal(apart(l8, n8, 4, S("ab"), 10), 0);
}

/* Literals bucketed by their first two bytes: the same first byte with
 * other second bytes, a one-byte literal beside longer ones, bytes past
 * ASCII (0xff is the last bucket of a row), many first bytes. */
static void test_apart_buckets(void **state)
{
    (void)state;
    static const char *const l1[] = {"a\xff", "a\xfe\x01", "\xff"};
    static const size_t n1[] = {2, 3, 1};
    /* "a\xff"@0-2 (or "\xff"@1-2), "a\xfe\x01"@2-5, "\xff"@5-6 */
    assert_int_equal(apart(l1, n1, 3,
                           S("a\xff"
                             "a\xfe\x01\xff"),
                           10),
                     3);
    assert_int_equal(apart(l1, n1, 3, S("a\xfe\x02\xfe"), 10), 0);
    assert_int_equal(apart(l1, n1, 2,
                           S("a\xfe"
                             "a\xfd"
                             "a"),
                           10),
                     0);
    /* "a" alone ends soonest: "ab"@0 and "a"@0 are one, then "a"@2 */
    static const char *const l2[] = {"ab", "a", "ac"};
    static const size_t n2[] = {2, 1, 2};
    assert_int_equal(apart(l2, n2, 3, S("abac"), 10), 2);
    assert_int_equal(apart(l2, n2, 3, S("xa"), 10), 1);   /* on the last byte */
    assert_int_equal(apart(l2, n2, 1, S("acac"), 10), 0); /* "ab" only */
    assert_int_equal(apart(l2, n2, 3, S("cbcb"), 10), 0);
    /* a second byte that starts nothing with this first byte */
    static const char *const l3[] = {"xy", "x\xff", "yx"};
    static const size_t n3[] = {2, 2, 2};
    assert_int_equal(apart(l3, n3, 3, S("x\xfex\xff"), 10), 1);
    assert_int_equal(apart(l3, n3, 3, S("xyx\xff"), 10), 2);
    assert_int_equal(apart(l3, n3, 3, S("xxyy"), 10), 1); /* "xy"@1 */
    assert_int_equal(apart(l3, n3, 3, S("yxyx"), 10), 2); /* "yx"@0, "yx"@2 */
    /* 26 first bytes, each with second byte q */
    char store[26][2];
    const char *l4[26];
    size_t n4[26];
    for (int k = 0; k < 26; k++) {
        store[k][0] = (char)('a' + k);
        store[k][1] = 'q';
        l4[k] = store[k];
        n4[k] = 2;
    }
    assert_int_equal(apart(l4, n4, 26, S("aqbqzq"), 10), 3);
    assert_int_equal(apart(l4, n4, 26, S("aqbrzqq"), 10), 2);
    assert_int_equal(apart(l4, n4, 26, S("qaqa"), 10), 1);
}

/* Brute force: the most occurrences apart in t[i..], by trying, at each
 * position, to skip it or to take every literal that occurs there. */
static size_t apart_brute(const char *const *lits, const size_t *lens, size_t n, const char *t,
                          size_t len)
{
    size_t *best = calloc(len + 2, sizeof *best);
    for (size_t i = len; i-- > 0;) {
        best[i] = best[i + 1];
        for (size_t k = 0; k < n; k++)
            if (lens[k] && lens[k] <= len - i && memcmp(t + i, lits[k], lens[k]) == 0 &&
                1 + best[i + lens[k]] > best[i])
                best[i] = 1 + best[i + lens[k]];
    }
    size_t r = best[0];
    free(best);
    return r;
}

/* sare_apart_count against the brute force on random literals and texts
 * over a three-letter alphabet (many shared prefixes and overlaps). */
static void test_apart_random(void **state)
{
    (void)state;
    struct rng r = {99};
    for (int round = 0; round < 3000; round++) {
        char store[6][5];
        const char *lits[6];
        size_t lens[6];
        size_t n = 1 + rnd(&r) % 6;
        for (size_t k = 0; k < n; k++) {
            lens[k] = 1 + rnd(&r) % 4;
            for (size_t j = 0; j < lens[k]; j++)
                store[k][j] = (char)('a' + rnd(&r) % 3);
            lits[k] = store[k];
        }
        char t[40];
        size_t len = rnd(&r) % sizeof t;
        for (size_t j = 0; j < len; j++)
            t[j] = (char)('a' + rnd(&r) % 3);
        size_t want = apart_brute(lits, lens, n, t, len);
        size_t got = apart(lits, lens, n, t, len, SIZE_MAX);
        if (got != want) fail_msg("round %d: %zu apart, want %zu", round, got, want);
        if (want) assert_int_equal(apart(lits, lens, n, t, len, 1), 1);
    }
}

/* The positions sare_apart_count skips (their two bytes start no literal)
 * must not hide an occurrence: a one-byte literal on the last byte, a
 * literal at the first position, one found before an earlier candidate
 * ends, one right where a candidate ends. */
static void test_apart_skip(void **state)
{
    (void)state;
    static const char *const l1[] = {"q"};
    static const size_t n1[] = {1};
    assert_int_equal(apart(l1, n1, 1, S("xxxq"), 10), 1); /* the last byte alone */
    assert_int_equal(apart(l1, n1, 1, S("qxxx"), 10), 1);
    assert_int_equal(apart(l1, n1, 1, S("xqxq"), 10), 2);
    assert_int_equal(apart(l1, n1, 1, S("xxxx"), 10), 0);
    static const char *const l2[] = {"qz"};
    static const size_t n2[] = {2};
    assert_int_equal(apart(l2, n2, 1, S("xxqz"), 10), 1);
    assert_int_equal(apart(l2, n2, 1, S("xxq"), 10), 0); /* cut at the end */
    assert_int_equal(apart(l2, n2, 1, S("qzqz"), 10), 2);
    static const char *const l3[] = {"ab", "bcd"};
    static const size_t n3[] = {2, 3};
    assert_int_equal(apart(l3, n3, 2, S("zzabzzbcdzz"), 10), 2);
    /* "abcdef"@0-6 is a candidate; "cd"@2-4 ends sooner and is taken;
     * "cd"@6-8 then starts right where the first candidate would end */
    static const char *const l4[] = {"abcdef", "cd"};
    static const size_t n4[] = {6, 2};
    assert_int_equal(apart(l4, n4, 2, S("abcdefcd"), 10), 2);
    assert_int_equal(apart(l4, n4, 2, S("abcdefcd"), 1), 1);
    assert_int_equal(apart(l4, n4, 2, S("abcdef"), 10), 1);
    /* bytes above 0x7f in a pair */
    static const char *const l5[] = {"\xc3\xa9t"};
    static const size_t n5[] = {3};
    assert_int_equal(apart(l5, n5, 1, S("\xc3\xa9t \xc3\xa9t \xc3\xa9"), 10), 2);
}

/* The same against the brute force over an eight-letter alphabet and
 * longer texts, where most positions are skipped. */
static void test_apart_random_wide(void **state)
{
    (void)state;
    struct rng r = {31};
    for (int round = 0; round < 3000; round++) {
        char store[4][6];
        const char *lits[4];
        size_t lens[4];
        size_t n = 1 + rnd(&r) % 4;
        for (size_t k = 0; k < n; k++) {
            lens[k] = 1 + rnd(&r) % 5;
            for (size_t j = 0; j < lens[k]; j++)
                store[k][j] = (char)('a' + rnd(&r) % 8);
            lits[k] = store[k];
        }
        char t[200];
        size_t len = rnd(&r) % sizeof t;
        for (size_t j = 0; j < len; j++)
            t[j] = (char)('a' + rnd(&r) % 8);
        size_t want = apart_brute(lits, lens, n, t, len);
        size_t got = apart(lits, lens, n, t, len, SIZE_MAX);
        if (got != want) fail_msg("round %d: %zu apart, want %zu", round, got, want);
        size_t cut = 1 + rnd(&r) % 4;
        assert_int_equal(apart(lits, lens, n, t, len, cut), want < cut ? want : cut);
    }
}

/* Long literals sharing their first bytes (one 8-byte compare, then the
 * rest byte by byte) over a two-letter alphabet, and texts whose last
 * positions have fewer than 8 bytes left, against the brute force. */
static void test_apart_random_long(void **state)
{
    (void)state;
    struct rng r = {57};
    for (int round = 0; round < 3000; round++) {
        char store[5][14];
        const char *lits[5];
        size_t lens[5];
        size_t n = 1 + rnd(&r) % 5;
        for (size_t k = 0; k < n; k++) {
            lens[k] = 2 + rnd(&r) % 13;
            for (size_t j = 0; j < lens[k]; j++)
                store[k][j] = (char)(j < 6 ? 'a' : 'a' + rnd(&r) % 2);
            lits[k] = store[k];
        }
        char t[60];
        size_t len = rnd(&r) % sizeof t;
        for (size_t j = 0; j < len; j++)
            t[j] = (char)(rnd(&r) % 4 ? 'a' : 'b');
        size_t want = apart_brute(lits, lens, n, t, len);
        size_t got = apart(lits, lens, n, t, len, SIZE_MAX);
        if (got != want) fail_msg("round %d: %zu apart, want %zu", round, got, want);
    }
}

/* A group repeated n times whose copies each hold one of the folded set:
 * the text folded byte for byte (SARE_FOLD_LOOK) holds n occurrences apart. */
static void test_fold_repeats(void **state)
{
    (void)state;
    char err[256];
    /* [cgkouvw0@] folds to "a", [ijly1|!?] to "i": each copy holds "aia";
     * plainly the classes are too wide to give a set (9 x 8 strings), and
     * .{0,3} ends each copy's exact run */
    const char *pat = "/(?:[cgkouvw0@][ijly1|!?][cgkouvw0@].{0,3}){3}/";
    sare *re = compile_n(pat, strlen(pat), err, sizeof err);
    assert_non_null(re);
    assert_int_equal(sare_literals(re, NULL, NULL, NULL), 0);
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_LOOK), 1); /* not analysed yet */
    sare_fold_analyse(re);
    const char *const *lits;
    const size_t *lens;
    assert_int_equal(sare_fold_literals(re, SARE_FOLD_LOOK, &lits, &lens), 1);
    assert_int_equal(lens[0], 3);
    assert_memory_equal(lits[0], "aia", 3);
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_LOOK), 3);
    /* the squeezing fold may join the copies' edges: never more than once */
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_SQUEEZE), 1);
    assert_int_equal(sare_fold_repeats(re, 7), 1);
    assert_int_equal(sare_fold_repeats(NULL, SARE_FOLD_LOOK), 1);
    assert_true(matches(re, S("gig gig gig")));
    assert_true(matches(re, S("0l0-kyc+u!w")));
    assert_false(matches(re, S("gig gig")));
    assert_false(matches(re, S("gigigig"))); /* "aiaiaia": 2 apart */
    char out[64];
    size_t n = sare_fold(SARE_FOLD_LOOK, S("gigigig"), out);
    assert_int_equal(n, 7);
    assert_int_equal(apart(lits, lens, 1, out, n, 10), 2);
    n = sare_fold(SARE_FOLD_LOOK, S("0l0-kyc+u!w"), out);
    assert_int_equal(apart(lits, lens, 1, out, n, 10), 3);
    sare_free(re);

    /* an alternation needs only as many as its poorest branch */
    pat = "/(?:(?:[cgkouvw0@][ijly1|!?][cgkouvw0@].{0,3}){3}|(?:[cgkouvw0@][ijly1|!?]"
          "[cgkouvw0@].{0,3}){2}x)/";
    re = compile_n(pat, strlen(pat), err, sizeof err);
    sare_fold_analyse(re);
    assert_int_equal(sare_fold_literals(re, SARE_FOLD_LOOK, NULL, NULL), 1);
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_LOOK), 2);
    sare_free(re);

    /* a repeated lookahead holds nothing of its own: no set at all */
    pat = "/(?:(?=[cgkouvw0@][ijly1|!?][cgkouvw0@]).{1,3}){3}/";
    re = compile_n(pat, strlen(pat), err, sizeof err);
    sare_fold_analyse(re);
    assert_int_equal(sare_fold_literals(re, SARE_FOLD_LOOK, NULL, NULL), 0);
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_LOOK), 1);
    sare_free(re);

    /* invariant: a text the regex matches, folded, reaches the count */
    pat = "/(?:[cgkouvw0@][ijly1|!?][cgkouvw0@].{0,3}){3}/";
    re = compile_n(pat, strlen(pat), err, sizeof err);
    sare_fold_analyse(re);
    size_t k = sare_fold_literals(re, SARE_FOLD_LOOK, &lits, &lens);
    unsigned reps = sare_fold_repeats(re, SARE_FOLD_LOOK);
    static const char alpha[] = "cgkouvw0@ijly1|!?ab -x";
    unsigned seed = 777;
    size_t n_match = 0, n_skip = 0;
    for (int it = 0; it < 200000; it++) {
        char t[16];
        seed = seed * 1103515245u + 12345u;
        size_t len = 6 + (seed >> 16) % 10;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
        }
        n = sare_fold(SARE_FOLD_LOOK, t, len, out);
        assert_int_equal(n, len); /* all inside the alphabet, byte for byte */
        bool enough = apart(lits, lens, k, out, n, reps) >= reps;
        if (matches(re, t, len)) {
            n_match++;
            assert_true(enough);
        } else if (!enough) {
            n_skip++;
        }
    }
    assert_true(n_match > 100);
    assert_true(n_skip > 1000);
    sare_free(re);
}

/* More folded sets: "free", anything, "money", each letter spelled with
 * look-alikes and fillers. The squeezing fold drops the fillers and
 * collapses runs: "fre" (from "free") and "manei" ("money": o and y fold to
 * a and i) are each required, and the anything between them keeps them
 * apart. The first set is the longer, {"manei"}; the pair analysis gives
 * {"fre"} as the second. The look fold has no set (a filler after each
 * letter breaks every string), nor has the case fold (the pattern is one
 * the plain analysis already saw). */
static void test_fold_more(void **state)
{
    (void)state;
    char err[256];
    static const char pat[] = "/[fF][_\\W]{0,3}[rR][_\\W]{0,3}[eE3][_\\W]{0,3}[eE3].{1,20}"
                              "[mM][_\\W]{0,3}[oO0u][_\\W]{0,3}[nN][_\\W]{0,3}[eE3][_\\W]{0,3}"
                              "[yYj]/";
    sare *re = compile_n(pat, sizeof pat - 1, err, sizeof err);
    assert_non_null(re);
    assert_int_equal(sare_literals(re, NULL, NULL, NULL), 0);
    const char *const *lits;
    const size_t *lens;
    /* none before the analysis, none for a bad fold or index */
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_SQUEEZE, 0, &lits, &lens), 0);
    assert_null(lits);
    sare_fold_analyse(re);
    assert_int_equal(sare_fold_literals(re, SARE_FOLD_SQUEEZE, &lits, &lens), 1);
    assert_int_equal(lens[0], 5);
    assert_memory_equal(lits[0], "manei", 5);
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_SQUEEZE, 0, &lits, &lens), 1);
    assert_int_equal(lens[0], 3);
    assert_memory_equal(lits[0], "fre", 3);
    /* the pair analysis's first is the same {"manei"}: not kept twice */
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_SQUEEZE, 1, &lits, &lens), 0);
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_LOOK, 0, NULL, NULL), 0);
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_CASE, 0, NULL, NULL), 0);
    assert_int_equal(sare_fold_literals_more(re, SARE_N_FOLDS, 0, NULL, NULL), 0);
    assert_int_equal(sare_fold_literals_more(re, SARE_FOLD_SQUEEZE, SARE_FOLD_MORE, NULL, NULL), 0);
    assert_int_equal(sare_fold_literals_more(NULL, SARE_FOLD_SQUEEZE, 0, NULL, NULL), 0);

    /* a first set whose strings are all FOLD_MORE_MIN_LEN (6) bytes or
     * longer gets no more sets: "brendx" alone; one byte shorter, "brend",
     * gets the second clause "mn" */
    static const char six[] =
        "/b[_\\W]{0,3}r[_\\W]{0,3}e[_\\W]{0,3}n[_\\W]{0,3}d[_\\W]{0,3}x.{1,20}m[_\\W]{0,3}n/";
    static const char five[] =
        "/b[_\\W]{0,3}r[_\\W]{0,3}e[_\\W]{0,3}n[_\\W]{0,3}d.{1,20}m[_\\W]{0,3}n/";
    sare *r6 = compile_n(six, sizeof six - 1, err, sizeof err);
    sare *r5 = compile_n(five, sizeof five - 1, err, sizeof err);
    assert_non_null(r6);
    assert_non_null(r5);
    sare_fold_analyse(r6);
    sare_fold_analyse(r5);
    assert_int_equal(sare_fold_literals(r6, SARE_FOLD_SQUEEZE, &lits, &lens), 1);
    assert_int_equal(lens[0], 6);
    assert_memory_equal(lits[0], "brendx", 6);
    assert_int_equal(sare_fold_literals_more(r6, SARE_FOLD_SQUEEZE, 0, NULL, NULL), 0);
    assert_int_equal(sare_fold_literals(r5, SARE_FOLD_SQUEEZE, &lits, &lens), 1);
    assert_memory_equal(lits[0], "brend", 5);
    assert_int_equal(sare_fold_literals_more(r5, SARE_FOLD_SQUEEZE, 0, &lits, &lens), 1);
    assert_int_equal(lens[0], 2);
    assert_memory_equal(lits[0], "mn", 2);
    sare_free(r6);
    sare_free(r5);

    /* must not skip: matches hold both */
    static const char *const hits[] = {"free money", "F-R-E-3 and then m0n_e_j", "fr.ee: mOney"};
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        assert_true(matches(re, hits[i], strlen(hits[i])));
        assert_true(fold_allows(re, hits[i], strlen(hits[i])));
    }
    /* "money" alone: the first set lets it through, the second does not */
    assert_false(matches(re, S("your money")));
    assert_true(fold_allows_first(re, S("your money")));
    assert_false(fold_allows(re, S("your money")));
    /* "free" after "money": both sets there, the regex finds no match */
    assert_true(fold_allows(re, S("money for free")));
    assert_false(matches(re, S("money for free")));

    /* invariant on random texts: a text the regex matches holds every set,
     * and the second set rules out texts the first lets through. Each text
     * is "free" and "money" spelled with random look-alikes and fillers,
     * a letter sometimes changed, a word sometimes left out, in either
     * order, with random bytes between. */
    static const char *const letters[] = {"fF",   "rR", "eE3", "eE3", "mM",
                                          "oO0u", "nN", "eE3", "yYj"};
    static const char fill[] = "_-. ";
    static const char junk[] = "frmnyoe3x _-.";
    unsigned seed = 4242;
#define RND(n) (seed = seed * 1103515245u + 12345u, (seed >> 16) % (n))
    size_t n_match = 0, n_more = 0;
    for (int it = 0; it < 100000; it++) {
        char w[2][32], t[96];
        size_t wl[2] = {0, 0};
        for (unsigned k = 0; k < 9; k++) {
            unsigned wi = k < 4 ? 0 : 1;
            const char *cl = letters[k];
            w[wi][wl[wi]++] = RND(8) == 0 ? junk[RND(sizeof junk - 1)] : cl[RND(strlen(cl))];
            if (RND(3) == 0) w[wi][wl[wi]++] = fill[RND(sizeof fill - 1)];
        }
        size_t len = 0;
        unsigned order = RND(2), drop = RND(6); /* drop 0, 1: one word left out */
        for (unsigned j = 0; j < 2; j++) {
            unsigned wi = order ? 1 - j : j;
            if (drop != wi) {
                memcpy(t + len, w[wi], wl[wi]);
                len += wl[wi];
            }
            for (unsigned r = 1 + RND(5); r > 0; r--)
                t[len++] = junk[RND(sizeof junk - 1)];
        }
        if (matches(re, t, len)) {
            n_match++;
            assert_true(fold_allows(re, t, len));
        } else if (fold_allows_first(re, t, len) && !fold_allows(re, t, len)) {
            n_more++;
        }
    }
#undef RND
    assert_true(n_match > 10);
    assert_true(n_more > 100);
    sare_free(re);
}

/* Fixed strings: the regexes sare_fixed_new takes, and those it must
 * refuse (a flag, an assertion, a quantifier, a class escape, a negated
 * class, a string that begins another, an empty string, a set too large). */
static void test_fixed_refused(void **state)
{
    (void)state;
    static const char *const yes[] = {"/e/",     "/(?:e|\\xc3[\\xa8\\xa9])/", "/[a-c]x/",
                                      "/a\\/b/", "/(?:ab|cd)(?:e|f)/",        "/\\#1/"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        sare_fixed *fx = sare_fixed_new(yes[i], strlen(yes[i]));
        assert_non_null(fx);
        sare_fixed_free(fx);
    }
    static const char *const no[] = {"/e/i",        "/e/m",
                                     "/\\be/",      "/^e/",
                                     "/e$/",        "/e+/",
                                     "/e?/",        "/e{2}/",
                                     "/./",         "/\\w/",
                                     "/[^a]/",      "/[\\w]/",
                                     "/a|ab/",      "/(?:a|b)(?:|c)/",
                                     "/(a)/",       "/(?=a)b/",
                                     "//",          "/e",
                                     "e/",          "m{e}",
                                     "/\\1/",       "/[a-c][a-z][a-z]/",
                                     "/abcdefghi/", "/\\x4/",
                                     "/a\x01/"};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_null(sare_fixed_new(no[i], strlen(no[i])));
    sare_fixed_free(NULL);
}

/* Fixed strings answer as sare_match does, match for match, on random
 * texts; the count of successive matches (as tflags multiple counts them)
 * and the first match worked out by hand on one text. */
static void test_fixed_matches(void **state)
{
    (void)state;
    static const char lcase_e[] =
        "/(?:e|\\xc3[\\xa8\\xa9\\xaa\\xab]|\\xc4[\\x93\\x95]|\\xd3[\\x07\\xa9])/";
    sare_fixed *fx = sare_fixed_new(lcase_e, sizeof lcase_e - 1);
    assert_non_null(fx);
    /* "caf\xc3\xa9 e\xd3\x07" : \xc3\xa9 at 3-5, e at 6-7, \xd3\x07 at 7-9 */
    static const char t[] = "caf\xc3\xa9 e\xd3\x07 \xc3";
    size_t ms, me, at = 0, n = 0;
    size_t want[3][2] = {{3, 5}, {6, 7}, {7, 9}};
    while (sare_fixed_next(fx, t, sizeof t - 1, at, &ms, &me)) {
        assert_true(n < 3);
        assert_int_equal(ms, want[n][0]);
        assert_int_equal(me, want[n][1]);
        n++;
        at = me;
    }
    assert_int_equal(n, 3); /* the last "\xc3" has no second byte: no match */
    assert_false(sare_fixed_next(fx, t, sizeof t - 1, sizeof t - 1, &ms, &me));

    static const char *const pats[] = {lcase_e, "/e/", "/(?:ab|b)(?:c|d)/", "/[x-z]\\.y/"};
    static const char alpha[] = "abcdexyz.e\xc3\xa9\xc4\x93\xd3\x07";
    char err[256];
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        sare_fixed *f = sare_fixed_new(pats[i], strlen(pats[i]));
        sare *re = compile_n(pats[i], strlen(pats[i]), err, sizeof err);
        assert_non_null(f);
        assert_non_null(re);
        unsigned seed = 99 + (unsigned)i;
        size_t n_hits = 0;
        for (int it = 0; it < 20000; it++) {
            char buf[24];
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % sizeof buf;
            for (size_t k = 0; k < len; k++) {
                seed = seed * 1103515245u + 12345u;
                buf[k] = alpha[(seed >> 16) % (sizeof alpha - 1)];
            }
            size_t pos = 0;
            for (;;) {
                size_t a1 = 0, b1 = 0, a2 = 0, b2 = 0;
                bool m1 = sare_fixed_next(f, buf, len, pos, &a1, &b1);
                bool m2 = sare_match(re, buf, len, pos, &a2, &b2) == SARE_MATCH;
                assert_int_equal(m1, m2);
                if (!m1) break;
                assert_int_equal(a1, a2);
                assert_int_equal(b1, b2);
                n_hits++;
                pos = b1;
            }
        }
        assert_true(n_hits > 100);
        sare_fixed_free(f);
        sare_free(re);
    }
    sare_fixed_free(fx);
}

/* SARE_FOLD_CASE: a long alternation of words (more than SARE_MAX_LITERALS)
 * has no plain set, but a wide one in the case fold, which lowercases and
 * keeps every byte, UTF-8 included. */
static void test_fold_case(void **state)
{
    (void)state;
    char out[64];
    /* lowercases ASCII only; NUL, '&' and high bytes stay */
    static const char in[] = "AbC\xc3\x89&\0Z";
    assert_int_equal(sare_fold(SARE_FOLD_CASE, in, sizeof in - 1, out), sizeof in - 1);
    assert_memory_equal(out, "abc\xc3\x89&\0z", sizeof in - 1);

    static const char pat[] =
        "/(?:alpha|bravo|charlie|delta|echo|foxtrot|golf|hotel|india|juliet|kilo|lima|mike|"
        "november|oscar|papa|quebec|romeo|sierra|tango)\\b/i";
    char err[256];
    sare *re = compile_n(pat, sizeof pat - 1, err, sizeof err);
    assert_non_null(re);
    assert_int_equal(sare_literals(re, NULL, NULL, NULL), 0); /* 20 words: too many */
    sare_fold_analyse(re);
    const char *const *lits;
    const size_t *lens;
    size_t k = sare_fold_literals(re, SARE_FOLD_CASE, &lits, &lens);
    assert_int_equal(k, 20);
    bool has_november = false;
    for (size_t i = 0; i < k; i++)
        has_november |= lens[i] == 8 && memcmp(lits[i], "november", 8) == 0;
    assert_true(has_november);
    assert_int_equal(sare_fold_repeats(re, SARE_FOLD_CASE), 1);
    /* matches, ASCII or not: the case fold lets them through */
    static const char *const hits[] = {"Your NOVEMBER: x", "caf\xc3\xa9 Tango", "golf"};
    for (size_t i = 0; i < sizeof hits / sizeof hits[0]; i++) {
        assert_true(matches(re, hits[i], strlen(hits[i])));
        assert_true(fold_allows(re, hits[i], strlen(hits[i])));
    }
    /* no word of the set: judged, UTF-8 included (the look fold cannot) */
    assert_false(fold_allows(re, S("caf\xc3\xa9 au lait: nothing")));
    assert_false(matches(re, S("caf\xc3\xa9 au lait: nothing")));
    assert_int_equal(sare_fold(SARE_FOLD_LOOK, S("caf\xc3\xa9"), out), SIZE_MAX);
    sare_free(re);
}

/* ---- required bytes ---- */

/* the required bytes of `pat` after the fold analysis, compared with the
 * bytes of `want` (want NULL: none expected) */
static void expect_bytes(const char *pat, const char *want, size_t wlen)
{
    char err[256];
    sare *re = compile(pat, err, sizeof err);
    assert_non_null(re);
    sare_fold_analyse(re);
    uint64_t got[4] = {0, 0, 0, 0};
    bool has = sare_required_bytes(re, got);
    if (!want) {
        assert_false(has);
    } else {
        assert_true(has);
        uint64_t exp[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < wlen; i++) {
            unsigned c = (unsigned char)want[i];
            exp[c >> 6] |= (uint64_t)1 << (c & 63);
        }
        for (int w = 0; w < 4; w++)
            assert_int_equal(got[w], exp[w]);
    }
    sare_free(re);
}

static void test_required_bytes(void **state)
{
    (void)state;
    /* no two-byte literal: the rarer class of the sequence, [%$] over
     * [1-9] */
    expect_bytes("/[1-9]\\s*[%$]/", S("%$"));
    /* an alternation of one-byte strings, before \s? and \d */
    expect_bytes("/(?:\\$|\\xa3)\\s?\\d/", S("$\xa3"));
    /* a repeated group of digits, then one of two punctuation bytes */
    expect_bytes("/(?:[0-9]{3}\\s?){2}[,.]/", S(",."));
    /* caseless: both cases of k (rarer than the nine digits) */
    expect_bytes("/[1-9]\\s*k\\b/i", S("kK"));
    /* caseless Latin-1: the other case of each letter too */
    expect_bytes("/\\d\\s*[\\xe0-\\xe2]/i", S("\xe0\xe1\xe2\xc0\xc1\xc2"));
    /* a literal set exists: no byte set (it is not analysed) */
    expect_bytes("/x[1-9]/", NULL, 0);
    /* can match the empty string, or only a lookahead: nothing required */
    expect_bytes("/a*/", NULL, 0);
    expect_bytes("/(?=\\d)/", NULL, 0);

    /* a long pattern (more than 64 \\x escapes: no set analysis): the
     * rarest one-byte atom a match cannot skip, [1-9] (nine digits); with
     * a '%' after \\s* too, '%' (rarer than any digit) */
    char pat[512];
    size_t o = (size_t)snprintf(pat, sizeof pat, "/(?:");
    for (unsigned k = 0; k < 33; k++)
        o += (size_t)snprintf(pat + o, sizeof pat - o, "%s\\x%02x\\x%02x", k ? "|" : "",
                              0x80 + 2 * k, 0x81 + 2 * k);
    size_t stem = o;
    snprintf(pat + o, sizeof pat - o, ")[1-9]/");
    expect_bytes(pat, S("123456789"));
    snprintf(pat + stem, sizeof pat - stem, ")[1-9]\\s*%%/");
    expect_bytes(pat, S("%"));
    /* an optional atom, or one in an alternation, is not required */
    snprintf(pat + stem, sizeof pat - stem, ")(?:[1-9]|x)?(?:%%|y)/");
    expect_bytes(pat, NULL, 0);
    {
        snprintf(pat + stem, sizeof pat - stem, ")[1-9]/");
        char err2[256];
        sare *lre = compile(pat, err2, sizeof err2);
        assert_non_null(lre);
        sare_fold_analyse(lre);
        uint64_t lrb[4];
        assert_true(sare_required_bytes(lre, lrb));
        assert_false(holds_byte(S("\x80\x81 x"), lrb));
        assert_false(matches(lre, S("\x80\x81 x")));
        assert_true(holds_byte(S("\x80\x81"
                                 "7"),
                               lrb));
        assert_true(matches(lre, S("\x80\x81"
                                   "7")));
        sare_free(lre);
    }

    /* a text without any of the bytes does not match; one with them may */
    char err[256];
    sare *re = compile("/[1-9]\\s*[%$]/", err, sizeof err);
    sare_fold_analyse(re);
    uint64_t rb[4];
    assert_true(sare_required_bytes(re, rb));
    assert_false(holds_byte(S("pay 5 now, 10 later"), rb));
    assert_false(matches(re, S("pay 5 now, 10 later")));
    assert_true(holds_byte(S("pay 5 % now"), rb));
    assert_true(matches(re, S("pay 5 % now")));
    sare_free(re);
}

/* ---- required run ---- */

static void expect_run(const char *pat, const char *want, size_t wlen, size_t want_min)
{
    char err[256];
    sare *re = compile(pat, err, sizeof err);
    assert_non_null(re);
    uint64_t got[4] = {0, 0, 0, 0};
    size_t min = 0;
    bool has = sare_required_run(re, got, &min);
    if (!want) {
        assert_false(has);
    } else {
        assert_true(has);
        assert_int_equal(min, want_min);
        uint64_t exp[4] = {0, 0, 0, 0};
        for (size_t i = 0; i < wlen; i++) {
            unsigned c = (unsigned char)want[i];
            exp[c >> 6] |= (uint64_t)1 << (c & 63);
        }
        for (int w = 0; w < 4; w++)
            assert_int_equal(got[w], exp[w]);
    }
    sare_free(re);
}

static bool has_run(const uint64_t bytes[4], size_t min, const char *p, size_t len)
{
    char *c = heap_copy(p, len);
    bool r = sare_has_run(bytes, min, c, len);
    free(c);
    return r;
}

static void test_required_run(void **state)
{
    (void)state;
    /* SpamAssassin's __FR_SPACING_8: eight white-space bytes in a row (the
     * longer of the repeats; the others are 6 and 5) */
    expect_run("/[a-z0-9]{6}\\s{8}[a-z0-9]{5}/i", S("\t\n\v\f\r "), 8);
    /* __LONGLINE: 998 bytes that are not CR or LF */
    {
        char all[254];
        size_t k = 0;
        for (unsigned c = 0; c < 256; c++)
            if (c != '\r' && c != '\n') all[k++] = (char)c;
        expect_run("/^[^\\r\\n]{998}/m", all, k, 998);
    }
    /* a lazy {4,6}? still needs 4; groups are passed over */
    expect_run("/(?:ab|c)x{4,6}?\\d/", S("x"), 4);
    /* caseless letters: both cases (Latin-1 too) */
    expect_run("/q[\\xe9]{5}/i", S("\xe9\xc9"), 5);
    expect_run("/Ab{4}/i", S("bB"), 4);
    /* . without /s: every byte but LF; {5,} */
    {
        char all[255];
        size_t k = 0;
        for (unsigned c = 0; c < 256; c++)
            if (c != '\n') all[k++] = (char)c;
        expect_run("/.{5,}z/", all, k, 5);
    }
    /* inside groups a match passes through; a group of one atom and
     * assertions is that atom (SpamAssassin's __HEXHASHWORD_S2EU and
     * __LONGWORDS_A) */
    expect_run("/\\s[a-z]{1,15}(?:(?!--)[-0-9a-f]){10,64}\\s/", S("-0123456789abcdef"), 10);
    expect_run("/\\b(?:[a-z]{8,}[\\s\\.]+){6}/", S("abcdefghijklmnopqrstuvwxyz"), 8);
    expect_run("/(?<n>x{6})y/", S("x"), 6);
    expect_run("/(?:(?!x)a){5}/", S("a"), 5);
    expect_run("/(?>b(?:c{7}))/", S("c"), 7);
    /* not: a lookahead, a group of more than one atom, flags set inside */
    expect_run("/(?=a{9})b/", NULL, 0, 0);
    expect_run("/(?:ab){4}/", NULL, 0, 0);
    expect_run("/(?:(?i)a{5})b/", NULL, 0, 0);
    expect_run("/(?i:a{5})b/", NULL, 0, 0);
    /* none: a top-level alternation, a repeat under 4, an optional or
     * repeated group around the atom, the x flag, inline flags */
    expect_run("/a{5}|b/", NULL, 0, 0);
    expect_run("/a{3}/", NULL, 0, 0);
    expect_run("/(?:a{5})?b/", NULL, 0, 0);
    expect_run("/(?:a{5}|c)b/", NULL, 0, 0);
    expect_run("/a {5}/x", NULL, 0, 0);
    expect_run("/(?i)a{5}/", NULL, 0, 0);
    expect_run("/\\p{L}{5}/", NULL, 0, 0);

    /* sare_has_run, worked out by hand: runs of 'a' */
    uint64_t a[4] = {0, 0, 0, 0};
    a['a' >> 6] |= (uint64_t)1 << ('a' & 63);
    assert_true(has_run(a, 3, S("xxaaaxx")));
    assert_false(has_run(a, 4, S("xxaaaxx")));
    assert_true(has_run(a, 4, S("aaaa")));
    assert_false(has_run(a, 4, S("aaa")));
    assert_false(has_run(a, 4, S("aaxaaxaa")));
    assert_true(has_run(a, 4, S("aaxaaxaaaa")));
    assert_true(has_run(a, 4, S("aaaaxaaxaa")));
    assert_true(has_run(a, 5, S("xaxaaaaaxa")));
    assert_false(has_run(a, 5, S("xaaaaxaaaax")));
    assert_true(has_run(a, 1, S("xa")));
    assert_false(has_run(a, 1, S("xyz")));
    assert_true(has_run(a, 0, "", 0));
    assert_false(has_run(a, 2, "", 0));
    /* against a plain count, on every text of a..b up to 9 bytes */
    for (unsigned len = 0; len <= 9; len++)
        for (unsigned bitsv = 0; bitsv < (1u << len); bitsv++) {
            char t[9];
            for (unsigned i = 0; i < len; i++)
                t[i] = (bitsv >> i & 1) ? 'a' : 'b';
            size_t lr = longest_run(t, len, a);
            for (size_t m = 1; m <= 10; m++)
                assert_int_equal(has_run(a, m, t, len), lr >= m);
        }

    /* a text without the run does not match */
    char err[256];
    sare *re = compile("/[a-z0-9]{6}\\s{8}[a-z0-9]{5}/i", err, sizeof err);
    uint64_t rb[4];
    size_t min;
    assert_true(sare_required_run(re, rb, &min));
    assert_false(has_run(rb, min, S("abcdef       ghijk")));
    assert_false(matches(re, S("abcdef       ghijk")));
    assert_true(has_run(rb, min, S("abcdef        ghijk")));
    assert_true(matches(re, S("abcdef        ghijk")));
    sare_free(re);
}

/* ---- chain prefilter ---- */

static sare_chain *chain(const char *one, unsigned reps)
{
    char *c = heap_copy(one, strlen(one));
    sare_chain *ch = sare_chain_compile(c, strlen(one), reps);
    free(c);
    return ch;
}

/* reach[] for subj, compared with want[0..len] */
static void expect_reach(const sare_chain *ch, const char *subj, const uint8_t *want)
{
    size_t len = strlen(subj);
    char *c = heap_copy(subj, len);
    uint8_t *reach = malloc(len + 1);
    assert_true(sare_chain_scan(ch, c, len, 0, reach));
    for (size_t i = 0; i <= len; i++)
        assert_int_equal(reach[i], want[i]);
    free(reach);
    free(c);
}

static void test_chain(void **state)
{
    (void)state;
    /* X = ab|a. On "aab": pairs (0,1), (1,2), (1,3); nothing from 2 ('b').
     * reach[1] = 1 (either end leads nowhere), reach[0] = 1 + reach[1]. */
    sare_chain *ch = chain("/(?:ab|a)/", 3);
    assert_non_null(ch);
    expect_reach(ch, "aab", (const uint8_t[]){2, 1, 0, 0});
    /* "aaab": from 2, (2,3) and (2,4): reach 1; from 1: 2; from 0: 3 */
    expect_reach(ch, "aaab", (const uint8_t[]){3, 2, 1, 0, 0});
    /* counted up to reps: five a's reach 3 from 0, 1 and 2 */
    expect_reach(ch, "aaaaa", (const uint8_t[]){3, 3, 3, 2, 1, 0});
    sare_chain_free(ch);

    /* every end of a+ from every start counts (no a++ before the callout,
     * no start skipped after a+ failed): on "aaa", (0,1) (1,2) (2,3) chain
     * three copies */
    ch = chain("/(?:a+)/", 3);
    assert_non_null(ch);
    expect_reach(ch, "aaa", (const uint8_t[]){3, 2, 1, 0});
    sare_chain_free(ch);

    /* .*b is tried from every start, not only from the line's start:
     * (?:.*b){3} matches "xbbb" as x b|b|b */
    ch = chain("/(?:.*b)/", 3);
    assert_non_null(ch);
    expect_reach(ch, "xbbb", (const uint8_t[]){3, 3, 2, 1, 0});
    sare_chain_free(ch);

    /* lookbehind sees the whole subject: (?<=x)a matches at 1 of "xaaa"
     * only, so the copies do not chain */
    ch = chain("/(?:(?<=x)a)/", 2);
    assert_non_null(ch);
    expect_reach(ch, "xaaa", (const uint8_t[]){0, 1, 0, 0, 0});
    sare_chain_free(ch);

    /* the flags of the rule apply: /i */
    ch = chain("/(?:ab)/i", 3);
    assert_non_null(ch);
    expect_reach(ch, "ABabAB", (const uint8_t[]){3, 0, 2, 0, 1, 0, 0});
    sare_chain_free(ch);

    /* X matching the empty string: no answer */
    ch = chain("/(?:a?)/", 3);
    assert_non_null(ch);
    uint8_t reach[8];
    assert_false(sare_chain_scan(ch, "aa", 2, 0, reach));
    sare_chain_free(ch);

    /* more pairs than SARE_CHAIN_MAX_PAIRS: no answer. [a-z]+ on 800
     * letters has 800 * 801 / 2 = 320,400 pairs. */
    ch = chain("/(?:[a-z]+)/", 3);
    assert_non_null(ch);
    size_t big = 800;
    char *text = malloc(big);
    memset(text, 'q', big);
    uint8_t *r2 = malloc(big + 1);
    assert_false(sare_chain_scan(ch, text, big, 0, r2));
    /* 700 letters: 245,350 pairs, under the ceiling: every start but the
     * last two reaches 3 */
    assert_true(sare_chain_scan(ch, text, 700, 0, r2));
    assert_int_equal(r2[0], 3);
    assert_int_equal(r2[697], 3);
    assert_int_equal(r2[698], 2);
    assert_int_equal(r2[699], 1);
    assert_int_equal(r2[700], 0);
    free(r2);
    free(text);
    sare_chain_free(ch);

    /* refused: backreferences, \K, verbs, recursion, subroutine calls,
     * conditions, the x flag, bad arguments */
    static const char *const refused[] = {
        "/(?:(a)\\1)/",  "/(?:a\\Kb)/",         "/(?:a(*SKIP)b)/", "/(?:a(?R)?b)/",
        "/(?:(a)(?1))/", "/(?:(a)?(?(1)b|c))/", "/(?:a b)/x",      "/(?:(?<n>a)\\k<n>)/",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_null(chain(refused[i], 3));
    assert_null(chain("/(?:ab)/", 1));
    assert_null(chain("/(?:ab)/", SARE_CHAIN_MAX_REPS + 1));
    assert_null(chain("/(?:ab/", 3));

    /* the rule, matched from the first position reach[] allows, finds the
     * leftmost match a search from 0 finds (the copies could start at 0,
     * but only from 3 do three chain) */
    ch = chain("/(?:ab|a)/", 3);
    char err[256];
    sare *re = compile("/(?:ab|a){3}/", err, sizeof err);
    const char *subj = "abxaaab";
    size_t len = strlen(subj);
    uint8_t rr[8];
    assert_true(sare_chain_scan(ch, subj, len, 0, rr));
    size_t q = 0;
    while (q <= len && rr[q] < 3)
        q++;
    assert_int_equal(q, 3);
    /* from start 3: the pairs before it are not enumerated (0 there), those
     * from it on chain as before */
    uint8_t r3[8];
    assert_true(sare_chain_scan(ch, subj, len, 3, r3));
    for (size_t i = 0; i <= len; i++)
        assert_int_equal(r3[i], i < 3 ? 0 : rr[i]);
    assert_false(sare_chain_scan(ch, subj, len, len + 1, r3));
    size_t ms0, me0, ms1, me1;
    assert_int_equal(match_n(re, subj, len, 0, &ms0, &me0), SARE_MATCH);
    assert_int_equal(match_n(re, subj, len, q, &ms1, &me1), SARE_MATCH);
    assert_int_equal(ms0, 3);
    assert_int_equal(me0, 7);
    assert_int_equal(ms1, ms0);
    assert_int_equal(me1, me0);
    sare_free(re);
    sare_chain_free(ch);
}

/* ---- start pairs (sare_starts) ----
 * sare_starts_match must answer as sare_match does, from every offset: the
 * pairs may only rule out positions where no match can begin. Expected
 * spans are worked out by hand; every case is also compared with
 * sare_match at every offset. */

static sare_starts *starts_of(const char *src, sare **re_out)
{
    char err[256];
    char *c = heap_copy(src, strlen(src));
    sare *re = sare_compile(c, strlen(src), err, sizeof err);
    sare_starts *st = re ? sare_starts_new(re, c, strlen(src)) : NULL;
    free(c);
    *re_out = re;
    return st;
}

static void starts_same(const sare *re, const sare_starts *st, const char *subj, size_t len)
{
    char *c = heap_copy(subj, len);
    for (size_t at = 0; at <= len; at++) {
        size_t a1 = 0, b1 = 0, a2 = 0, b2 = 0;
        enum sare_rc r1 = sare_match(re, c, len, at, &a1, &b1);
        enum sare_rc r2 = sare_starts_match(st, c, len, at, &a2, &b2);
        if (r1 != r2 || (r1 == SARE_MATCH && (a1 != a2 || b1 != b2)))
            fail_msg("offset %zu: sare_match %d [%zu,%zu), starts %d [%zu,%zu)", at, r1, a1, b1, r2,
                     a2, b2);
    }
    free(c);
}

static void test_starts(void **state)
{
    (void)state;
    static const struct {
        const char *re;
        const char *subj;
        size_t len;
        size_t at;
        long ms, me; /* -1: no match */
    } cases[] = {
        /* \B at the start: "ax" begins a match only after a word byte (at 1,
         * not at 0, where the subject starts) */
        {"/\\B[a-z][xy]\\w*\\sname/i", S("zaxe name"), 0, 1, 9},
        {"/\\B[a-z][xy]\\w*\\sname/i", S("axe name"), 0, -1, -1},
        {"/\\B[a-z][xy]\\w*\\sname/i", S(" axe name"), 0, -1, -1},
        /* caseless: "qY" is a pair because "qy" is */
        {"/[a-z][xy]\\d/i", S("qqY7"), 0, 1, 4},
        {"/[a-z][xy]\\d/i", S("AX1"), 0, 0, 3},
        {"/[a-z][xy]\\d/i", S("qq y7"), 0, -1, -1},
        /* a second byte outside ASCII is never ruled out */
        {"/[a-z][\\xe9\\xe8]+/i", S("caf\xe9\xe8!"), 0, 2, 5},
        {"/[a-z][\\xe9\\xe8]+/i", S("caf\xc9"), 0, 2, 4},
        /* the last byte alone, and matches found from later offsets */
        {"/[a-z][0-9]?$/i", S("12 b"), 0, 3, 4},
        {"/[a-z][0-9]?$/i", S("12 b7"), 0, 3, 5},
        {"/[a-z][0-9]?$/i", S("b7\n"), 0, 0, 2},
        {"/[a-z][xy]/i", S("ax bx cy"), 2, 3, 5},
        {"/[a-z][xy]/i", S("ax bx cy"), 5, 6, 8},
        {"/[a-z][xy]/i", S("ax bx cy"), 7, -1, -1},
        /* the third byte: "axe" begins no match of [a-z][xy]\b, "bx." does;
         * the last two bytes have no third */
        {"/[a-z][xy]\\b/i", S("axe ax"), 0, 4, 6},
        {"/[a-z][xy]\\b/i", S("zaxe bx."), 0, 5, 7},
        {"/[a-z][xy]\\b/i", S("zaxeaye"), 0, -1, -1},
        {"/[a-z][xy]\\B/i", S(" ax ayz"), 0, 4, 6},
        /* caseless, upper case in the triple; a third byte outside ASCII */
        {"/[a-z][xy]\\d/i", S("AXeBY7"), 0, 3, 6},
        {"/[a-z]x[\\xe9]/i", S("-ax\xe9"), 0, 1, 4},
        {"/[a-z]x[\\xe9]/i", S("-axe"), 0, -1, -1},
        /* the fourth byte: "axee" begins no match of [a-z][xy]\w\d though
         * "axe" may (asked once, then read from the cache: the second
         * "axee"); "AXe" then a byte outside ASCII is tried */
        {"/[a-z][xy]\\w\\d/i", S("zaxeeaxee axe7"), 0, 10, 14},
        {"/[a-z][xy]\\w\\d/i", S("zaxeeaxee axe"), 0, -1, -1},
        {"/[a-z][xy]\\w[\\xe9]/i", S("-AXe\xe9"), 0, 1, 5},
        /* line mode (^ under /m): line starts only, each judged by its
         * quadruple ("xxxx" begins no match), at 0 and after a newline (not
         * after a CR), from a later offset; a line shorter than four bytes
         * is tried */
        {"/^(?:ab|cd)x\\d/m", S("xxxx\nabx1"), 0, 5, 9},
        {"/^(?:ab|cd)x\\d/m", S("cdx7\nabx1"), 1, 5, 9},
        {"/^(?:ab|cd)x\\d/m", S("\r\nabx1"), 0, 2, 6},
        {"/^(?:ab|cd)x\\d/m", S("\rabx1\nab"), 0, -1, -1},
        {"/^\\s*name\\b/im", S("my name\n  Name x"), 0, 8, 14},
        {"/^\\s*name\\b/im", S("my name\n  Names"), 0, -1, -1},
        {"/^\\s*x?$/m", S("ab\n\nx"), 0, 3, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sare *re;
        sare_starts *st = starts_of(cases[i].re, &re);
        assert_non_null(re);
        if (!st) fail_msg("%s: no start pairs", cases[i].re);
        char *c = heap_copy(cases[i].subj, cases[i].len);
        size_t ms = 0, me = 0;
        enum sare_rc rc = sare_starts_match(st, c, cases[i].len, cases[i].at, &ms, &me);
        if (cases[i].ms < 0) {
            if (rc != SARE_NOMATCH) fail_msg("%s on case %zu: a match", cases[i].re, i);
        } else if (rc != SARE_MATCH || ms != (size_t)cases[i].ms || me != (size_t)cases[i].me) {
            fail_msg("%s on case %zu: rc %d [%zu,%zu)", cases[i].re, i, rc, ms, me);
        }
        free(c);
        starts_same(re, st, cases[i].subj, cases[i].len);
        sare_starts_free(st);
        sare_free(re);
    }
    /* refused: what looks before the start, an anchored pattern, a first
     * byte, options unset inside, too many pairs */
    static const char *const refused[] = {
        "/(?<=a)[a-z][xy]/i",  "/(?<!a)[a-z][xy]/i",    "/^[a-z][xy]/i", "/\\G[a-z][xy]/i",
        "/[a-z](?-i)[xy]/i",   "/[a-z](?^)[xy]/i",      "/e[a-z]/",      "/[a-z][a-z]/i",
        "/(*SKIP)[a-z][xy]/i", "/(?:^|\\s)[a-z][xy]/i",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        sare *re;
        sare_starts *st = starts_of(refused[i], &re);
        if (st) fail_msg("%s: start pairs made", refused[i]);
        sare_free(re);
    }
    assert_int_equal(sare_starts_match(NULL, "a", 1, 0, NULL, NULL), SARE_ERROR);
    /* sare_starts_lines: line mode only */
    static const char line_re[] = "/^\\s*name/im", any_re[] = "/[a-z][xy]\\d/i";
    sare *re = compile(line_re, NULL, 0);
    sare_starts *st = sare_starts_lines(re, line_re, strlen(line_re));
    assert_non_null(st);
    sare_starts_free(st);
    sare_free(re);
    re = compile(any_re, NULL, 0);
    assert_null(sare_starts_lines(re, any_re, strlen(any_re)));
    sare_free(re);
}

/* Random subjects over a small alphabet: the same answers as sare_match
 * from every offset. */
static void test_starts_random(void **state)
{
    (void)state;
    static const char *const pats[] = {
        "/\\B[a-z][xy]\\w*\\sname/i",
        "/[a-z][xy]\\d/i",
        "/[a-z][\\xe9\\xe8]+/i",
        "/[a-z][0-9]?$/i",
        "/(?:[a-z][xy]\\b|[0-9][xy]\\B)/i",
        "/[a-z][xy](?!a)/im",
        "/(?:[a-z][xy]){2}/i",
        "/[a-z]x|[0-9]y/i",
        "/[a-z][xy]\\b/i",
        "/(?:[a-z][xy]\\d|[0-9]x\\s)/im",
        "/[a-z][xy]\\w\\d/i",
        "/[a-z][xy][a-z]\\s?x/i",
        "/^\\s?[a-z]x\\d/m",
        "/^(?:ab|\\s+b)y?$/im",
    };
    static const char alpha[] = "axyXY19 \n\xe9-bn";
    unsigned seed = 12345;
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        sare *re;
        sare_starts *st = starts_of(pats[k], &re);
        assert_non_null(re);
        if (!st) fail_msg("%s: no start pairs", pats[k]);
        for (int n = 0; n < 400; n++) {
            char buf[24];
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % sizeof buf;
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
            }
            starts_same(re, st, buf, len);
        }
        sare_starts_free(st);
        sare_free(re);
    }
}

/* Start pairs shared: (?:X){n} judged by the pairs, triples and quadruples
 * of X (learned once) answers as sare_match does from every offset, on
 * random subjects; no sharing from nothing or from line mode. */
static void test_starts_share(void **state)
{
    (void)state;
    static const char *const ones[] = {
        "/(?:[a-z][xy]\\d?\\s?)/i",
        "/(?:\\b[a-z][xy]+(?:9|\\s)?)/i",
    };
    static const char alpha[] = "axyXY19 \n-b";
    unsigned seed = 4242;
    for (size_t k = 0; k < sizeof ones / sizeof ones[0]; k++) {
        sare *one;
        sare_starts *tab = starts_of(ones[k], &one);
        if (!tab) fail_msg("%s: no start pairs", ones[k]);
        char src[128];
        snprintf(src, sizeof src, "%.*s{3}/i", (int)(strlen(ones[k]) - 2), ones[k]);
        char err[256];
        sare *re = compile(src, err, sizeof err);
        if (!re) fail_msg("%s: %s", src, err);
        sare_starts *st = sare_starts_share(tab, re, src, strlen(src));
        assert_non_null(st);
        for (int t = 0; t < 300; t++) {
            char buf[20];
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % sizeof buf;
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
            }
            starts_same(re, st, buf, len);
        }
        /* by hand: three copies from 1 (without \\b between them) */
        size_t ms, me;
        char *c = heap_copy("-axay1 bx", 9);
        assert_int_equal(sare_starts_match(st, c, 9, 0, &ms, &me), k ? SARE_NOMATCH : SARE_MATCH);
        if (!k) assert_int_equal(ms, 1);
        free(c);
        sare_starts_free(st);
        sare_starts_free(tab);
        sare_free(re);
        sare_free(one);
    }
    sare *re = compile("/^ab/m", NULL, 0);
    sare_starts *line = sare_starts_new(re, "/^ab/m", 6);
    assert_null(sare_starts_share(NULL, re, "/^ab/m", 6));
    if (line) assert_null(sare_starts_share(line, re, "/^ab/m", 6));
    sare_starts_free(line);
    sare_free(re);
}

/* The chain prefilter of a copy that has start pairs (enumerated anchored,
 * from the starts the pairs allow): reach[i] on random subjects is the
 * largest k <= n such that (?:X){k} matches at i, as the rule's own regex
 * says (its leftmost match from i starts at i), from every start offset. */
static void test_chain_starts(void **state)
{
    (void)state;
    static const char *const ones[] = {
        "/(?:[a-z][xy]\\d?\\s?)/i",
        "/(?:[a-z][xy]\\w\\d|[a-z]y\\s)/i",
        "/(?:\\b[a-z][xy]+(?:9|\\s)?)/i",
    };
    static const char alpha[] = "axyXY19 \n-b";
    unsigned seed = 777;
    for (size_t k = 0; k < sizeof ones / sizeof ones[0]; k++) {
        const unsigned n = 3;
        sare *one;
        sare_starts *st = starts_of(ones[k], &one);
        if (!st) fail_msg("%s: no start pairs", ones[k]);
        sare_starts_free(st);
        sare_free(one);
        sare_chain *ch = chain(ones[k], n);
        assert_non_null(ch);
        /* "/(?:X){k}/i" for k = 1 .. n */
        sare *rep[3];
        size_t ol = strlen(ones[k]);
        for (unsigned r = 0; r < n; r++) {
            char src[128];
            snprintf(src, sizeof src, "%.*s{%u}/i", (int)(ol - 2), ones[k], r + 1);
            char err[256];
            rep[r] = compile(src, err, sizeof err);
            if (!rep[r]) fail_msg("%s: %s", src, err);
        }
        for (int t = 0; t < 300; t++) {
            char buf[20];
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % sizeof buf;
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
            }
            seed = seed * 1103515245u + 12345u;
            size_t from = len ? (seed >> 16) % (len + 1) : 0;
            uint8_t reach[sizeof buf + 1];
            char *c = heap_copy(buf, len);
            assert_true(sare_chain_scan(ch, c, len, from, reach));
            for (size_t i = 0; i <= len; i++) {
                unsigned want = 0;
                for (unsigned r = 0; i >= from && r < n; r++) {
                    size_t ms, me;
                    if (match_n(rep[r], buf, len, i, &ms, &me) == SARE_MATCH && ms == i)
                        want = r + 1;
                }
                if (reach[i] != want)
                    fail_msg("%s on \"%.*s\" from %zu: reach[%zu] %u, want %u", ones[k], (int)len,
                             buf, from, i, reach[i], want);
            }
            free(c);
        }
        for (unsigned r = 0; r < n; r++)
            sare_free(rep[r]);
        sare_chain_free(ch);
    }
}

/* Leading strings. hosts(): an alternation of n hosts "h000\.xx" ...
 * (100 of them compile to over the 700 bytes a lead needs); lead_pat():
 * a pattern with "%H" in fmt replaced by them. */
static char *lead_pat(const char *fmt, int n)
{
    size_t cap = strlen(fmt) + (size_t)n * 16 + 1, k = 0;
    char *alts = malloc((size_t)n * 16 + 1);
    for (int h = 0; h < n; h++)
        k += (size_t)snprintf(alts + k, (size_t)n * 16 + 1 - k, "%sh%03d\\.xx", h ? "|" : "", h);
    alts[k] = 0;
    char *out = malloc(cap);
    const char *at = strstr(fmt, "%H");
    assert_non_null(at);
    snprintf(out, cap, "%.*s%s%s", (int)(at - fmt), fmt, alts, at + 2);
    free(alts);
    return out;
}

static bool has_lead(const char *src)
{
    char err[256];
    sare *re = compile(src, err, sizeof err);
    if (!re) fail_msg("%s: %s", src, err);
    bool r = sare_has_lead(re);
    sare_free(re);
    return r;
}

static void test_lead_refused(void **state)
{
    (void)state;
    static const char *const yes[] = {
        "/^(?:%H)/",
        "/\\A(?:%H)/",
        "m,^https?://(?:%H)/,i",
        "/^(?!h001)(?:%H)\\b/",
        "/^(?>\\s{0,3})(?:%H)/",
        "/^(?<host>%H)$/",
        "/^(?:%H|\\w+\\.yy)/",
    };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        char *src = lead_pat(yes[i], 100);
        if (!has_lead(src)) fail_msg("%s: no lead", yes[i]);
        free(src);
    }
    static const char *const no[] = {
        "/(?:%H)/",       /* not anchored */
        "/x^(?:%H)/",     /* not first */
        "/^a|(?:%H)/",    /* an alternation at the top */
        "/^(?:%H)/m",     /* ^ at every line start */
        "/^(?:%H|)/",     /* an empty item */
        "/^.*(?:%H)/",    /* .* first: every text */
        "/^\\s*(?:%H)?/", /* an empty item after the run */
        "/^(?:%H)/x",     /* /x */
        "/^(?i)(?:%H)/",  /* inline flags */
        "/^(?:%H)\\w/",   /* 100 strings followed by a run: too many */
    };
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        char *src = lead_pat(no[i], 100);
        if (has_lead(src)) fail_msg("%s: a lead", no[i]);
        free(src);
    }
    /* 16 short hosts: too small a pattern; 42 items of \s?"\s: likewise;
     * 15 long ones: too few items */
    char *small = lead_pat("/^(?:%H)/", 16);
    assert_false(has_lead(small));
    free(small);
    assert_false(has_lead("/^\\s?\"\\s/"));
    char few[2048];
    size_t k = (size_t)snprintf(few, sizeof few, "/^(?:");
    for (int h = 0; h < 15; h++)
        k += (size_t)snprintf(few + k, sizeof few - k,
                              "%shost%02d\\.a-rather-long-name-for-a-host\\.example\\.com",
                              h ? "|" : "", h);
    snprintf(few + k, sizeof few - k, ")/");
    assert_false(has_lead(few));
}

struct lead_case {
    const char *pat, *subj;
    bool may; /* sare_lead_may; false: sare_match finds nothing too */
};

/* Worked out by hand: true where an item begins the text, false elsewhere;
 * and sare_match agrees (every case that may matches) */
static void test_lead_cases(void **state)
{
    (void)state;
    static const char url[] = "m,^https?://(?:\\w+\\.ab\\.cd|%H)/,i";
    static const struct lead_case cases[] = {
        {url, "http://h005.xx/", true},
        {url, "HTTPS://H005.XX/a", true},
        {url, "http://h005.xx", false},    /* no "/" after the host */
        {url, "http://h005.xxy/", false},  /* another host */
        {url, "xhttp://h005.xx/", false},  /* not at the start */
        {url, "http://h100.xx/", false},   /* not in the list */
        {url, "http://a_1.ab.cd/", true},  /* \w+ then ".ab.cd" */
        {url, "http://a.b.ab.cd/", false}, /* "." is no \w */
        {url, "http://.ab.cd/", false},    /* \w+ needs one */
        {url, "http:/h005.xx/", false},
        {"/^(?:%H)1/", "zzz\nh005.xx1", false}, /* the start only */
        {"/^(?:%H)1/", "h005.xx1\n", true},
        {"/^(?>\\s{0,3})(?:%H)/", "   h001.xx", true},
        {"/^(?>\\s{0,3})(?:%H)/", "    h001.xx", false}, /* 4 blanks: more than 3 */
        {"/^(?>\\s{0,3})(?:%H)/", "\th002.xx", true},
        {"/^(?>\\s{0,3})(?:%H)/", "h003.xx", true},
        {"/^(?:%H)/i", "H007.XX", true},
        {"/^(?:%H)/", "H007.XX", false}, /* case matters without /i */
        {"/^(?:%H)/", "", false},
        {"/^x?(?:%H)/", "xh009.xx", true},
        {"/^x?(?:%H)/", "yh009.xx", false},
        {"/^(?:a|b){2}(?:%H)/", "bah009.xx", true},
        {"/^(?:a|b){2}(?:%H)/", "ah009.xx", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct lead_case *c = &cases[i];
        char err[256];
        char *src = lead_pat(c->pat, 100);
        sare *re = compile(src, err, sizeof err);
        assert_non_null(re);
        if (!sare_has_lead(re)) fail_msg("%s: no lead", c->pat);
        size_t n = strlen(c->subj), ms, me;
        char *copy = heap_copy(c->subj, n);
        bool may = sare_lead_may(re, copy, n);
        if (may != c->may) fail_msg("%s on \"%s\": %d", c->pat, c->subj, may);
        enum sare_rc rc = sare_match(re, copy, n, 0, &ms, &me);
        assert_int_equal(rc, may ? SARE_MATCH : SARE_NOMATCH);
        free(copy);
        sare_free(re);
        free(src);
    }
}

/* Random subjects over a small alphabet: where the lead says no, sare_match
 * finds no match; and both answers occur. The hosts (%H) never match here:
 * they make the pattern large enough for a lead. */
static void test_lead_random(void **state)
{
    (void)state;
    static const char *const pats[] = {
        "/^(?:%H|ab|ba|a\\.b|bb\\d|b\\sa|aab|abb|bab|bba|aaa|bbb|a1|b1|1a|1b|\\w+\\.a|ab\\.+b)b/",
        "/^(?:%H|ab|ba|a\\.b|bb\\d|b\\sa|aab|abb|bab|bba|aaa|bbb|a1|b1|1a|1b|\\w+\\.a)/i",
        "/^(?>\\s{0,2})(?:%H|ab|ba|aa|bb|a1|b1|1a|1b|11|a\\.|b\\.|\\.a|\\.b|\\.1|1\\.|\\.\\.)\\s/",
        "/^(?:a|b)?(?:%H|a1|b1|1a|1b|11|ab|ba|aa|bb|\\.a|\\.b|a\\.|b\\.|\\.1|1\\.|\\.\\.)(?:1|a)/i",
        "/^(?!a)(?:[ab]{2}|1[ab]|[ab]1|\\.[ab1]|[ab1]\\.|11)\\d+\\.(?:%H|a|b|1\\.a|1\\.b|A|B)/i",
    };
    static const char alpha[] = "abAB1. \n";
    unsigned seed = 4321;
    for (size_t k = 0; k < sizeof pats / sizeof pats[0]; k++) {
        char err[256];
        char *src = lead_pat(pats[k], 100);
        sare *re = compile(src, err, sizeof err);
        assert_non_null(re);
        if (!sare_has_lead(re)) fail_msg("%s: no lead", pats[k]);
        size_t no = 0, yes = 0;
        for (int t = 0; t < 4000; t++) {
            char buf[16];
            seed = seed * 1103515245u + 12345u;
            size_t len = (seed >> 16) % sizeof buf;
            for (size_t i = 0; i < len; i++) {
                seed = seed * 1103515245u + 12345u;
                buf[i] = alpha[(seed >> 16) % (sizeof alpha - 1)];
            }
            size_t ms, me;
            char *copy = heap_copy(buf, len);
            bool may = sare_lead_may(re, copy, len);
            enum sare_rc rc = sare_match(re, copy, len, 0, &ms, &me);
            if (!may && rc != SARE_NOMATCH) fail_msg("%s on \"%.*s\"", pats[k], (int)len, buf);
            if (rc == SARE_MATCH) yes++;
            if (!may) no++;
            free(copy);
        }
        if (!no || !yes) fail_msg("%s: %zu skipped, %zu matched", pats[k], no, yes);
        sare_free(re);
        free(src);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_table),
        cmocka_unit_test(test_match_start_and_errors),
        cmocka_unit_test(test_reject_table),
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_literal_table),
        cmocka_unit_test(test_literal_second),
        cmocka_unit_test(test_handwritten_invariant),
        cmocka_unit_test(test_stock_invariant),
        cmocka_unit_test(test_lits_basic),
        cmocka_unit_test(test_lits_random),
        cmocka_unit_test(test_lits_texts),
        cmocka_unit_test(test_lits_class_counts),
        cmocka_unit_test(test_lits_texts_seams),
        cmocka_unit_test(test_apart_random),
        cmocka_unit_test(test_apart_skip),
        cmocka_unit_test(test_apart_random_wide),
        cmocka_unit_test(test_apart_random_long),
        cmocka_unit_test(test_lits_ceilings),
        cmocka_unit_test(test_lits_subset),
        cmocka_unit_test(test_lits_pair_table),
        cmocka_unit_test(test_lits_shared_class),
        cmocka_unit_test(test_lits_shared_random),
        cmocka_unit_test(test_lits_slices),
        cmocka_unit_test(test_lits_wide),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_big_split),
        cmocka_unit_test(test_big_refused),
        cmocka_unit_test(test_big_subroutines),
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_apart_count),
        cmocka_unit_test(test_apart_buckets),
        cmocka_unit_test(test_fold_repeats),
        cmocka_unit_test(test_fold_case),
        cmocka_unit_test(test_fold_more),
        cmocka_unit_test(test_fixed_refused),
        cmocka_unit_test(test_fixed_matches),
        cmocka_unit_test(test_required_bytes),
        cmocka_unit_test(test_required_run),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_starts),
        cmocka_unit_test(test_starts_random),
        cmocka_unit_test(test_chain_starts),
        cmocka_unit_test(test_starts_share),
        cmocka_unit_test(test_lead_refused),
        cmocka_unit_test(test_lead_cases),
        cmocka_unit_test(test_lead_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
