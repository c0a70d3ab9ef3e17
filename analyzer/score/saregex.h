/* saregex — SpamAssassin (Perl) regular expressions on PCRE2, and the
 * literal prefilter that lets the engine skip most of them.
 *
 * sare_compile takes a rule's regex as written in a rule file: "/re/flags",
 * "m{re}flags", "m!re!flags", "m(re)", "m[re]", "m<re>", any m-delimiter
 * Perl allows, with the flags i, s, m, x (g and o accepted and ignored;
 * others are an error). It translates what Perl and PCRE2 read differently
 * (an escaped delimiter inside the pattern; Perl-only constructs — (?{...}),
 * (??{...}), \G... — are rejected with a reason, never approximated), and
 * compiles once with PCRE2_UTF off (SpamAssassin matches bytes), JIT on when
 * available. Matching is bounded: SARE_MATCH_LIMIT and SARE_DEPTH_LIMIT per
 * match call; reaching one is reported to the caller (SARE_LIMIT), never a
 * hang.
 *
 * Prefilter: sare_literals extracts strings of which at least one must occur
 * in any subject the regex can match (lowercased when the regex is /i, or
 * always, with `nocase` set). A regex with no such set (e.g. /^\s*$/) gets
 * none and must always run. sare_literals2 may add a second such set, also
 * required (an AND of the two). A multi-literal matcher (sare_lits) finds, in one
 * pass over a text, which of many literals occur.
 * Input patterns are (pointer, length), not trusted to be NUL-terminated.
 *
 * Patterns too large for PCRE2 (over 64 KiB compiled, as SpamAssassin's
 * ReplaceTags rules can be) are rewritten without changing what they match:
 * repeated groups become PCRE2 subroutines, or else an alternation that is
 * not repeated is split and the parts compiled apart (at most
 * SARE_MAX_PARTS). A split pattern reports the leftmost match (the same
 * start as Perl); when parts match at the same start it reports the first
 * part's end, which may differ from Perl's end (and so may successive match
 * counts). Patterns that cannot be rewritten (e.g. with backreferences, or a
 * huge alternation under a quantifier) are refused with the reason. */
#ifndef SCORE_SAREGEX_H
#define SCORE_SAREGEX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define SARE_MATCH_LIMIT 1000000u        /* PCRE2 match limit (backtracking steps) per call */
#define SARE_DEPTH_LIMIT 10000u          /* PCRE2 depth limit (heap frames) per call */
#define SARE_MAX_PATTERN (1024u * 1024u) /* a longer pattern is rejected */
#define SARE_MAX_PARTS 64u   /* a pattern too large for PCRE2 is split in at most this many parts */
#define SARE_MAX_LITERALS 16 /* alternatives kept by sare_literals */

typedef struct sare sare; /* a compiled regex; thread-safe to match from several threads */

/* Compile. On failure returns NULL and writes a one-line reason (e.g.
 * "PCRE2: missing closing parenthesis at offset 12", "Perl code block (?{...})
 * is not supported") to err (errlen bytes, NUL-terminated). */
sare *sare_compile(const char *src, size_t len, char *err, size_t errlen);
/* The same for a pattern used for one message only (a capture template
 * filled in): no JIT and no prefilter literals, which cost more than they save
 * for a few matches. */
sare *sare_compile_once(const char *src, size_t len, char *err, size_t errlen);
void sare_free(sare *re);

enum sare_rc { SARE_NOMATCH = 0, SARE_MATCH = 1, SARE_LIMIT = -1, SARE_ERROR = -2 };

/* Match at or after `start` in (subj,len). On SARE_MATCH, *mstart and *mend are
 * the byte offsets of the whole match (mend >= mstart; an empty match has
 * mend == mstart — callers that count matches advance by one byte then).
 * Match data is per thread (thread-local, created on first use). */
enum sare_rc sare_match(const sare *re, const char *subj, size_t len, size_t start, size_t *mstart,
                        size_t *mend);

/* Named captures (SpamAssassin 4 capture rules: a rule regex with
 * (?<NAME>...) sets the tag NAME that other rules use as %{NAME}).
 * sare_has_names: the pattern has named groups (false for a split pattern).
 * sare_named: match at `start` again with every group recorded and call cb for
 * each named group that captured a non-empty value (name NUL-terminated; the
 * value points into subj). Returns the number reported. */
bool sare_has_names(const sare *re);
size_t sare_named(const sare *re, const char *subj, size_t len, size_t start,
                  void (*cb)(void *ctx, const char *name, const char *val, size_t vlen), void *ctx);

/* Flags as compiled, for the engine: i (caseless) matters to the prefilter. */
bool sare_caseless(const sare *re);

/* The prefilter set of `re`: at most SARE_MAX_LITERALS strings, each at least
 * 2 bytes; the regex can only match a subject containing one of them
 * (lowercased ASCII when *nocase is set: compare against a lowercased
 * subject). Returns the count; 0 means "no usable set: always run". The
 * strings live as long as `re`. Conservative: when in doubt, return 0. */
size_t sare_literals(const sare *re, const char *const **lits, const size_t **lens, bool *nocase);
/* A second prefilter set, independent of the first: the regex can only match
 * a subject holding one string of each set (an AND of two ORs: for
 * /\bfree\s+money\b/ {"money"} and {"free"}). Found as the first is, from
 * what every match provably holds (an alternation gives the union of its
 * branches' strings; an optional or repeated-from-zero part, a lookaround, a
 * conditional or a backreference gives nothing), and only in patterns of at
 * most 16 KiB. It is apart from the first: neither set implies the other (a
 * subject holding a string of one need not hold one of the other).
 * Strings as sare_literals' (at least 2 bytes, lowercased when the set has
 * a caseless one: compare caselessly). Returns the count; 0: none (always
 * none when sare_literals gives none). */
size_t sare_literals2(const sare *re, const char *const **lits, const size_t **lens);

/* Folded prefilter, for a regex with no literal set (its patterns allow
 * look-alike letters and fillers, as SpamAssassin's ReplaceTags write them):
 * a fold maps every ASCII byte but NUL and '&' to a representative of its
 * class (letters caseless, look-alikes such as "0" and "o", "1" and "l"
 * joined) or drops it; sare_fold_literals gives strings of which one occurs
 * in the folded text of any text the regex can match, provided that text
 * is all inside the alphabet (sare_fold says so). Match them with sare_lits
 * against sare_fold's output. SARE_FOLD_LOOK keeps punctuation (white space
 * becomes ' '), SARE_FOLD_SQUEEZE drops all but letters and digits.
 * SARE_FOLD_CASE only lowercases ASCII letters and has every byte in its
 * alphabet: its set is the plain literal analysis allowed more strings
 * (a long alternation of words, as SpamAssassin's form-field rules write),
 * lowercased, so it judges every text, UTF-8 included. */
enum { SARE_FOLD_LOOK = 0, SARE_FOLD_SQUEEZE = 1, SARE_FOLD_CASE = 2, SARE_N_FOLDS = 3 };
/* Computes the folded sets of a regex with no literal set (once; until then
 * sare_fold_literals gives none). Not thread-safe: call it before the regex
 * is shared, as the engine does for body rules only (the analysis costs
 * start-up time). */
void sare_fold_analyse(sare *re);
size_t sare_fold_literals(const sare *re, unsigned fold, const char *const **lits,
                          const size_t **lens);
/* More required folded sets, k = 0 .. SARE_FOLD_MORE - 1 (0: none there):
 * a text matched by the regex, folded, holds a string of each of them as
 * well as one of sare_fold_literals' (found as sare_literals2 is, by an
 * analysis that keeps a pair of clauses). */
#define SARE_FOLD_MORE 2
size_t sare_fold_literals_more(const sare *re, unsigned fold, unsigned k, const char *const **lits,
                               const size_t **lens);
/* How many occurrences of the folded set, none overlapping another, any
 * text the regex can match holds (the folded set of a group the pattern
 * repeats n times: each copy holds its own): 1 unless more is proven; more
 * only for SARE_FOLD_LOOK, which folds byte for byte. Count them with
 * sare_apart. */
unsigned sare_fold_repeats(const sare *re, unsigned fold);
/* Required bytes, for a regex with no literal set once sare_fold_analyse
 * has run: a set of bytes of which any text the regex can match holds one
 * (the first bytes of a literal set whose strings may be one byte long,
 * chosen for the rarest bytes). False: none known. A text holding no byte
 * of the set cannot match. */
bool sare_required_bytes(const sare *re, uint64_t bytes[4]);
/* Required run: a regex whose top level (a sequence, no alternation) has
 * an atom matching one byte repeated at least n >= 4 times (\s{8},
 * [^\r\n]{998}) matches only a text holding n bytes of that atom's class
 * in a row. sare_required_run gives the class and n of the longest such
 * repeat; false when there is none. sare_has_run tells whether (p,len) holds
 * `min` bytes of `bytes` in a row. */
bool sare_required_run(const sare *re, uint64_t bytes[4], size_t *min);
bool sare_has_run(const uint64_t bytes[4], size_t min, const char *p, size_t len);
/* Fold (p,len) into out (room for len bytes); returns the folded length, or
 * SIZE_MAX when p holds a byte outside the alphabet (the folded literals then
 * say nothing about p). */
size_t sare_fold(unsigned fold, const char *p, size_t len, char *out);

/* Append (p,n) to b quoted as Perl's quotemeta does (every byte but
 * [A-Za-z0-9_] escaped; NUL as \x00), so that a pattern matches it
 * literally: SpamAssassin's capture templates and the evals that build a
 * pattern around an address use it. */
void sare_quote(struct arena_str *b, const char *p, size_t n);

/* Multi-literal matcher (Aho-Corasick over bytes; all literals matched
 * case-insensitively for ASCII, so both kinds of set can share one
 * automaton and one pass over the text). */
typedef struct sare_lits sare_lits;
sare_lits *sare_lits_new(void);
/* Add a literal; returns its id (0, 1, 2 ... in order of addition; the same
 * bytes added twice get the same id). */
uint32_t sare_lits_add(sare_lits *m, const char *s, size_t len);
void sare_lits_build(sare_lits *m); /* after the last add; before any scan */
uint32_t sare_lits_count(const sare_lits *m);
/* A built matcher of the literals of m (built or not) whose bits are set in
 * keep (words of (count+63)/64 bits), with the same ids and count: a scan
 * sets the bits m's would for the ids kept and no other. A text scanned
 * for a few rules' literals walks a smaller table than the set of all. The
 * subset reads the literals from m: m takes no more adds, and is freed
 * after it. */
sare_lits *sare_lits_subset(sare_lits *m, const uint64_t *keep);
/* Set bit `id` in `seen` (an array of (count+63)/64 words, cleared by the
 * caller) for every literal that occurs in (text,len). */
void sare_lits_scan(const sare_lits *m, const char *text, size_t len, uint64_t *seen);
/* One text of a batch (p may be NULL when len is 0). */
struct sare_text {
    const char *p;
    size_t len;
};
/* sare_lits_scan of each of n texts, text i into rows + i * w (all into
 * rows when w is 0), walked together: faster than one by one. */
void sare_lits_scan_texts(const sare_lits *m, const struct sare_text *t, size_t n, uint64_t *rows,
                          size_t w);
void sare_lits_free(sare_lits *m);

/* Occurrences apart: the largest number of occurrences of the literals
 * (bytes compared exactly; empty literals ignored) in (text,len) of which no
 * two overlap, counted up to `enough` (the count stops there). A text
 * holding fewer than sare_fold_repeats occurrences of a regex's folded set,
 * folded, cannot match. The literals are copied. */
typedef struct sare_apart sare_apart;
sare_apart *sare_apart_new(const char *const *lits, const size_t *lens, size_t n);
size_t sare_apart_count(const sare_apart *a, const char *text, size_t len, size_t enough);
void sare_apart_free(sare_apart *a);

/* Chain prefilter, for a pattern that is one group repeated, (?:X){n}:
 * sare_chain_compile takes the one copy as a rule regex, "/(?:X)/flags",
 * and n (2 .. SARE_CHAIN_MAX_REPS); NULL when it cannot judge that shape
 * (a backreference, \K, subroutine calls, recursion, conditions or verbs
 * such as (*SKIP), the x flag, a pattern too large for PCRE2 in one piece).
 * sare_chain_scan enumerates every pair (i, j), i >= start, such that X
 * matches from i to j in (subj,len) — everything else about the subject
 * (lookbehind, \b, ^ and $) as in the whole pattern — and writes reach[i]
 * for i in 0..len: the most copies of X, end to end, that match from i,
 * counted up to n (0 before start). A match of (?:X){n}, {n,} or {n,m} at
 * q >= start needs reach[q] == n. It
 * returns false when it could not tell (a PCRE2 limit, more than
 * SARE_CHAIN_MAX_PAIRS pairs, or X matching an empty string): reach[] then
 * says nothing. When (?:X) has start pairs (sare_starts_new), the pairs are
 * enumerated anchored at the starts those allow, one PCRE2 call (and limit)
 * each; else in one unanchored call. Thread-safe as sare_match. */
#define SARE_CHAIN_MAX_REPS 255u
#define SARE_CHAIN_MAX_PAIRS (1u << 18)
typedef struct sare_chain sare_chain;
sare_chain *sare_chain_compile(const char *src, size_t len, unsigned reps);
bool sare_chain_scan(const sare_chain *c, const char *subj, size_t len, size_t start,
                     uint8_t *reach);
void sare_chain_free(sare_chain *c);
/* the start pairs of the one copy (?:X) the chain enumerates from, or NULL
 * (for sare_starts_share; they live as long as c) */
struct sare_starts;
const struct sare_starts *sare_chain_starts(const sare_chain *c);

/* Start pairs, for a pattern PCRE2 cannot start quickly (no first byte, a
 * wide set of first bytes): the pairs of bytes a match can begin with,
 * worked out by PCRE2 itself (a hard partial match, anchored, of every pair
 * of ASCII text bytes, the byte before a word byte, another byte or a
 * newline; a pair holding any other byte counts as possible), and an
 * anchored copy of the pattern. sare_starts_match answers what
 * sare_match(re, ...) answers, trying the anchored copy at position 0 and
 * where the two bytes from there are a pair (the last byte: a byte that can
 * begin a match; the end: a pattern matching the empty string there) and,
 * when the three bytes from there are ASCII text, a triple that can begin
 * a match (judged as the pairs are, when first met, and kept), and when
 * the four are, a quadruple that can (judged so, kept in a cache). A
 * pattern PCRE2 tries at line starts only (a leading ^ under /m) gets line
 * mode instead: no pairs, the anchored copy tried at each line start whose
 * four bytes (when text) can begin a match, in that place's context. A
 * PCRE2 limit is counted per position tried, so a search stopped at the
 * limit may differ. sare_starts_new takes re and the rule regex it was
 * compiled from (src,len); it gives NULL when that cannot be judged (a
 * lookbehind other than \b and \B, \G, \K, named or \g references, verbs,
 * conditions, callouts, recursion, options unset inside, a pattern split in
 * parts, no JIT) or would not pay (an anchored pattern, a first byte, no set
 * of first bytes (but line mode) or fewer than 40 bytes of ASCII text in it, the second
 * byte ruling out fewer than 3 pairs in 4). Thread-safe as sare_match. */
typedef struct sare_starts sare_starts;
sare_starts *sare_starts_new(const sare *re, const char *src, size_t len);
/* sare_starts_new for a pattern PCRE2 tries at line starts only (a leading
 * ^ under /m), NULL for any other */
sare_starts *sare_starts_lines(const sare *re, const char *src, size_t len);
/* Start pairs for re that judge starts with tab's pairs, triples and
 * quadruples (learned once for both) and try re's own anchored copy: for
 * re = (?:X){n} and tab X's, where a match of re can begin with bytes
 * only if one of X can (a path of re through them is one of X, or holds a
 * whole match of X). NULL as sare_starts_new, or for tab in line mode. tab
 * must outlive the result. */
sare_starts *sare_starts_share(const sare_starts *tab, const sare *re, const char *src, size_t len);
enum sare_rc sare_starts_match(const sare_starts *st, const char *subj, size_t len, size_t start,
                               size_t *mstart, size_t *mend);
void sare_starts_free(sare_starts *st);

/* Leading strings, for a rule regex anchored by a leading ^ (without /m) or
 * \A whose beginning is a large alternation of strings (lists of hosts or
 * addresses): the items a match begins with, each a string, or a string, a
 * run of bytes of one class and a string, worked out at compile time when
 * there are at least 16 of them and the pattern compiles to at least 700
 * bytes. sare_has_lead tells whether the regex has them; sare_lead_may is
 * false only when no item begins (subj,len), so that the regex cannot match
 * it; true without them. */
bool sare_has_lead(const sare *re);
bool sare_lead_may(const sare *re, const char *subj, size_t len);

/* Fixed strings, for a rule regex that can match only the strings of a
 * small finite set: "/re/" with no flags, made of literal bytes (escaped
 * punctuation, \xHH), classes of those and their ranges (not negated), and
 * (?:...|...) groups; no quantifier, anchor, assertion, class escape or dot
 * (/e/, SpamAssassin's /<lcase_e>/: "e" or a two-byte UTF-8 look-alike).
 * sare_fixed_new gives the set when it holds at most SARE_FIXED_MAX
 * non-empty strings of at most SARE_FIXED_LEN bytes, none of which starts
 * another (so at most one begins at any position); else NULL.
 * sare_fixed_next answers what sare_match on that regex answers: the
 * leftmost occurrence at or after `start` (no PCRE2 limit can arise). */
#define SARE_FIXED_MAX 256
#define SARE_FIXED_LEN 8
typedef struct sare_fixed sare_fixed;
sare_fixed *sare_fixed_new(const char *src, size_t len);
bool sare_fixed_next(const sare_fixed *fx, const char *subj, size_t len, size_t start,
                     size_t *mstart, size_t *mend);
void sare_fixed_free(sare_fixed *fx);

/* For scanners of regex source (score.c, saregex.c): inside a character
 * class whose '[' is at cls - 1, does re[i] close it? A ']' first in the
 * class, or right after its '^', is a literal. */
static inline bool sare_class_closes(const char *re, size_t i, size_t cls)
{
    return re[i] == ']' && i != cls && !(i == cls + 1 && re[cls] == '^');
}

#endif
