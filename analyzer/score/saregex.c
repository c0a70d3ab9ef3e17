/* saregex — SpamAssassin rule regexes on PCRE2, their literal prefilter, and
 * the multi-literal matcher. The contract is saregex.h.
 *
 * The literal analysis also runs on a pattern's image in a folded alphabet
 * (sare_fold_analyse, for patterns with no literal set): each byte a class
 * can match is replaced by its fold (fold_init), bytes outside the alphabet
 * make a branch unmatchable, dropped bytes match the empty string, and under
 * SARE_FOLD_SQUEEZE c{m,n} reads as c (runs are collapsed). Folding is a
 * substring-preserving map applied to text and pattern alike, so a literal
 * the image requires is in the folded text of every match.
 *
 * What SpamAssassin 4 does to a rule regex before Perl compiles it
 * (Mail::SpamAssassin::Util::compile_regexp), and so what this module does:
 *  - delimiters: "/re/", or "m" / "qr" followed by one of { ( [ < (closed by
 *    its mirror) or by any other non-word byte (closed by the same byte); a
 *    backslash delimiter is refused. The end delimiter is the first one that
 *    is followed only by flag letters up to the end of the text.
 *  - "(?{" or "(??{" anywhere in the pattern is refused (Perl code).
 *  - a copy of a non-bracket end delimiter in the pattern that is not
 *    escaped (looked for after removing every "\\" pair) is refused.
 *  - the flags are prepended as (?flags) and the string is compiled by
 *    qr/$re/aa: nothing in the pattern is interpolated ($ is the anchor and @
 *    a literal), \d \s \w and the POSIX classes are ASCII-only, and /i folds
 *    ASCII with ASCII and Latin-1 letters with Latin-1 letters (the subject is
 *    UTF-8 octets, which Perl matches as Latin-1 characters under Unicode
 *    rules: /\xe9/i matches the byte 0xC9).
 * PCRE2 in 8-bit non-UTF mode reads bytes the same way once its character
 * tables fold the Latin-1 letter pairs too (built once, below). What the two
 * still read differently is rewritten before compiling:
 *  - \x{...}, \o{...}, \N{U+...} above 0xFF cannot match a byte: such an atom
 *    never matches (or leaves its class), except the code points that fold to
 *    a Latin-1 byte under /i (U+0178, U+039C, U+03BC, U+1E9E, U+212B);
 *  - Perl quantifier braces PCRE2 10.42 reads as literals ({,3}, { 2 }) are
 *    written {0,3}, {2}; a brace that starts no quantifier is escaped;
 *  - the inline flags a (ASCII, always on) and p (a no-op) are dropped.
 * Refused, with a reason: Perl code, \G, \C, \N{name}, \b{...}, the
 * string-only escapes \Q \E \U \L \u \l (Perl's regex compiler takes them as
 * plain letters with a warning, which SpamAssassin makes fatal), inline
 * charset flags u l d, and PCRE2-only syntax that Perl rejects (start-of-
 * pattern options such as (*UTF), callouts (?C), inline flags J U).
 * Perl's own warnings that SpamAssassin turns into errors (an unescaped
 * left brace, a quantified assertion) are not reproduced: such a rule is
 * accepted here with PCRE2's reading.
 *
 * Literal prefilter: a small recursive-descent reader of the pattern as
 * compiled (PCRE2 syntax) computes, per node, its exact string set when that
 * is small and finite, and the best clause (a set of strings of which every
 * match contains one). Zero-width assertions (\b ^ $ \K) join what is
 * around them; lookarounds, backreferences, recursion, conditionals, . and
 * large classes break a run; x+ and x{n,m} count as n copies of x then a
 * break; an alternation needs a clause from every branch; (*ACCEPT), or
 * anything else it does not understand, gives no set.
 *
 * Multi-literal matcher: Aho-Corasick over the first LITS_KEY bytes of each
 * literal, compiled to a dense DFA over byte classes (bytes that occur in no
 * key share one class; ASCII letters share their lowercase's class); a
 * longer literal's rest is compared where its key ends. States with output
 * are numbered last, so a step is one table load and one compare. As no key
 * is longer than LITS_KEY, a text is walked as four interleaved slices that
 * hide each other's load latency. Two-byte literals, which occur everywhere
 * in text, are found by a table of byte pairs instead (no branch per byte).
 *
 * Patterns PCRE2 finds too large (over 64 KiB compiled) are rewritten with
 * subroutines or split in parts: see "Patterns too large for PCRE2" below.
 *
 * Ceilings: SARE_MAX_PATTERN bytes of rule text; 250 nested groups (PCRE2's
 * own limit too); SARE_MAX_PARTS parts and BIG_MAX_DEPTH nested splits for
 * a too-large pattern; literal analysis nests at most LX_MAX_DEPTH groups, builds
 * literals of at most LX_MAX_LEN bytes and LX_MAX_POOL bytes in all, else
 * gives no set; the matcher keeps its table within LITS_MAX_CELLS entries
 * (64 MiB) and LITS_MAX_PAIRS pairs: literals beyond are reported as seen on
 * every scan (as are empty ones), which only makes the prefilter run more.
 * Not done here: choosing which rules to run, matching loops, rule files. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "score/saregex.h"
#include "util/hash.h"
#include "util/xalloc.h"

#include <limits.h>
#include <locale.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SARE_JIT_STACK_MAX (1024u * 1024u) /* per thread */
#define TR_MAX_DEPTH 250

enum { FL_I = 1, FL_M = 2, FL_S = 4, FL_X = 8, FL_XX = 16 };

struct sare {
    pcre2_code *code;   /* the pattern, or its first part */
    pcre2_code **parts; /* n_parts > 1: a pattern split in parts (code is parts[0]) */
    size_t n_parts;
    unsigned flags;
    size_t n_lits;
    const char **lits;
    size_t *lit_lens;
    bool nocase;
    /* the second required set (sare_literals2), one block like lits */
    size_t n_lits2;
    const char **lits2;
    size_t *lit2_lens;
    /* folded prefilter sets (see sare_fold_literals), per fold */
    size_t n_flits[SARE_N_FOLDS];
    const char **flits[SARE_N_FOLDS];
    size_t *flit_lens[SARE_N_FOLDS];
    unsigned flit_reps[SARE_N_FOLDS]; /* sare_fold_repeats */
    /* more required folded sets per fold (sare_fold_literals_more) */
    size_t n_fmore[SARE_N_FOLDS][SARE_FOLD_MORE];
    const char **fmore[SARE_N_FOLDS][SARE_FOLD_MORE];
    size_t *fmore_lens[SARE_N_FOLDS][SARE_FOLD_MORE];
    /* sare_required_run: run_min 0, none */
    size_t run_min;
    uint64_t run_bytes[4];
    /* sare_required_bytes (has_req: computed by sare_fold_analyse) */
    bool has_req;
    uint64_t req_bytes[4];
    char *tpat; /* no literal set: the translated pattern, for sare_fold_analyse */
    size_t tlen;
    struct sare_lead *lead; /* sare_lead_may: NULL, none */
};

/* ---------------------------------------------------------------------------
 * Shared state: immutable once built (pthread_once).
 */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static uint8_t *char_tables;
static pcre2_compile_context *compile_ctx;
static bool jit_available;
/* The folded alphabets (sare_fold): per fold, what each byte becomes —
 * FOLD_OUT (the byte is outside the alphabet), FOLD_DEL (dropped) or the byte
 * that stands for its class. Built once by init_shared. */
#define FOLD_OUT 0
#define FOLD_DEL 1
static unsigned char fold_map[SARE_N_FOLDS][256];
static pthread_key_t tls_key;

static _Noreturn void oom(void)
{
    fputs("mailaudit: out of memory\n", stderr);
    exit(2);
}

/* The other case of a Latin-1 letter byte, or -1. */
static int latin1_other(unsigned c)
{
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return (int)(c + 0x20);
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7) return (int)(c - 0x20);
    return -1;
}

/* The byte a code point above 0xFF matches under Perl's /i on a byte
 * string, or -1 (checked with perl 5.36: qr/\x{178}/iaa matches "\xff"). */
static int big_fold(uint32_t v)
{
    switch (v) {
    case 0x178:
        return 0xFF;
    case 0x39C:
    case 0x3BC:
        return 0xB5;
    case 0x1E9E:
        return 0xDF;
    case 0x212B:
        return 0xE5;
    default:
        return -1;
    }
}

struct tls {
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;
    /* sare_chain_scan: a match context with its callout (created on first
     * use), the pairs found and, per end position, the start it was last
     * recorded for (1 + start; 0 none) */
    pcre2_match_context *cmc;
    uint32_t *pairs; /* SARE_CHAIN_MAX_PAIRS (start, end) */
    uint32_t *mark;
    size_t cap_mark;
};

static void tls_free(void *p)
{
    struct tls *t = p;
    if (!t) return;
    pcre2_match_data_free(t->md);
    pcre2_match_context_free(t->mc);
    if (t->js) pcre2_jit_stack_free(t->js);
    pcre2_match_context_free(t->cmc);
    free(t->pairs);
    free(t->mark);
    free(t);
}

static bool is_alnum(unsigned char c);
static unsigned char lower(unsigned char c);

/* The look-alike classes of SpamAssassin's ReplaceTags (25_replace.cf)
 * restricted to ASCII, joined where they overlap ("a" stands for
 * [acgkouvw0@]: <A> holds "@", <C> "k" and "@", <G> "k", <O> "g" and "u", <U>
 * and <W> "v"); any other letter stands for itself, in lower case. Bytes at
 * or above 0x80, NUL and '&' (the entity alternatives) are outside both
 * alphabets: a text holding one is never judged by folded literals. Fold
 * SARE_FOLD_LOOK turns white space into ' ' and keeps other punctuation;
 * SARE_FOLD_SQUEEZE drops every byte but letters and digits, so that
 * fillers between letters ([_\W]{0,3}) vanish from text and pattern alike. */
static void fold_init(void)
{
    static const char *const groups[] = {"acgkouvw0@", "ijly1|!?", "sz", "e3", "b8"};
    /* SARE_FOLD_CASE is no map (sare_fold lowercases; its analysis is the
     * plain one): its row stays unused */
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        if (f == SARE_FOLD_CASE) continue;
        unsigned char *m = fold_map[f];
        for (unsigned c = 1; c < 0x80; c++) {
            bool alnum = is_alnum((unsigned char)c);
            m[c] = (unsigned char)lower((unsigned char)c);
            if (f == SARE_FOLD_SQUEEZE && !alnum) m[c] = FOLD_DEL;
            if (f == SARE_FOLD_LOOK && (c == ' ' || (c >= 9 && c <= 13))) m[c] = ' ';
        }
        for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++)
            for (const char *q = groups[g]; *q; q++) {
                unsigned char c = (unsigned char)*q;
                if (m[c] == FOLD_DEL) continue;
                m[c] = (unsigned char)groups[g][0];
                if (c >= 'a' && c <= 'z') m[c - 32] = (unsigned char)groups[g][0];
            }
        m[0] = FOLD_OUT;
        m['&'] = FOLD_OUT;
    }
}

static void init_shared(void)
{
    /* PCRE2 builds its tables with the C library's ctype functions: pin the
     * "C" locale for this thread while it does (uselocale is per thread). */
    locale_t c_loc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    locale_t old = c_loc ? uselocale(c_loc) : (locale_t)0;
    char_tables = (uint8_t *)pcre2_maketables(NULL);
    if (c_loc) {
        uselocale(old);
        freelocale(c_loc);
    }
    if (!char_tables) oom();
    /* lower-case table at offset 0, flip-case table at offset 256 */
    for (unsigned c = 0; c < 256; c++) {
        int o = latin1_other(c);
        if (o < 0) continue;
        char_tables[256 + c] = (uint8_t)o;
        char_tables[c] = (uint8_t)(c < 0xE0 ? (unsigned)o : c);
    }
    compile_ctx = pcre2_compile_context_create(NULL);
    if (!compile_ctx) oom();
    pcre2_set_character_tables(compile_ctx, char_tables);
    pcre2_set_newline(compile_ctx, PCRE2_NEWLINE_LF);
    pcre2_set_bsr(compile_ctx, PCRE2_BSR_UNICODE);
    uint32_t jit = 0;
    jit_available = pcre2_config(PCRE2_CONFIG_JIT, &jit) >= 0 && jit;
    if (pthread_key_create(&tls_key, tls_free) != 0) oom();
    fold_init();
}

static _Thread_local struct tls *tls_cur;

static struct tls *tls_get(void)
{
    if (tls_cur) return tls_cur;
    pthread_once(&init_once, init_shared);
    struct tls *t = xcalloc(1, sizeof *t);
    t->md = pcre2_match_data_create(1, NULL);
    t->mc = pcre2_match_context_create(NULL);
    if (!t->md || !t->mc) oom();
    pcre2_set_match_limit(t->mc, SARE_MATCH_LIMIT);
    pcre2_set_depth_limit(t->mc, SARE_DEPTH_LIMIT);
    if (jit_available) {
        t->js = pcre2_jit_stack_create(32u * 1024u, SARE_JIT_STACK_MAX, NULL);
        if (t->js) pcre2_jit_stack_assign(t->mc, NULL, t->js);
    }
    pthread_setspecific(tls_key, t);
    tls_cur = t;
    return t;
}

/* ---------------------------------------------------------------------------
 * Errors
 */

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static bool is_word_byte(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_alnum(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned char lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* ---------------------------------------------------------------------------
 * Rule text → pattern body and flags (SpamAssassin's compile_regexp)
 */

static bool is_mod_letter(unsigned char c)
{
    return c >= 'a' && c <= 'z' && c != 'e';
}

static bool split_rule(const char *src, size_t len, size_t *body_off, size_t *body_len,
                       unsigned *flags, char *err, size_t errlen)
{
    size_t k;
    unsigned char close;
    if (len >= 1 && src[0] == '/') {
        k = 1;
        close = '/';
    } else {
        size_t pre = 0;
        if (len >= 1 && src[0] == 'm')
            pre = 1;
        else if (len >= 2 && src[0] == 'q' && src[1] == 'r')
            pre = 2;
        if (!pre || len <= pre || is_word_byte((unsigned char)src[pre])) {
            set_err(err, errlen, "missing regexp delimiters");
            return false;
        }
        unsigned char o = (unsigned char)src[pre];
        if (o == '\\') {
            set_err(err, errlen, "backslash delimiter not allowed");
            return false;
        }
        close = o == '{' ? '}' : o == '(' ? ')' : o == '[' ? ']' : o == '<' ? '>' : o;
        k = pre + 1;
    }
    /* the end delimiter: the first one followed only by flag letters */
    size_t t = len;
    while (t > k && is_mod_letter((unsigned char)src[t - 1]))
        t--;
    if (t <= k || (unsigned char)src[t - 1] != close) {
        set_err(err, errlen, "invalid end delimiter or flags");
        return false;
    }
    unsigned f = 0;
    for (size_t i = t; i < len; i++) {
        switch (src[i]) {
        case 'i':
            f |= FL_I;
            break;
        case 'm':
            f |= FL_M;
            break;
        case 's':
            f |= FL_S;
            break;
        case 'x':
            f |= (f & FL_X) ? FL_XX : FL_X;
            break;
        case 'g':
        case 'o':
            break; /* accepted and ignored */
        default:
            set_err(err, errlen, "unsupported regexp flag '%c'", src[i]);
            return false;
        }
    }
    *body_off = k;
    *body_len = t - 1 - k;
    *flags = f;

    const char *b = src + k;
    size_t n = *body_len;
    for (size_t i = 0; i + 2 < n; i++) {
        if (b[i] != '(') continue;
        if ((b[i + 1] == '?' && b[i + 2] == '{') ||
            (b[i + 1] == '?' && i + 3 < n && b[i + 2] == '?' && b[i + 3] == '{') ||
            (b[i + 1] == '*' && b[i + 2] == '{')) {
            set_err(err, errlen, "Perl code block (?{...}) is not supported (offset %zu)", k + i);
            return false;
        }
    }
    if (close != '}' && close != ')' && close != ']') {
        int prev = -1;
        for (size_t i = 0; i < n;) {
            if (b[i] == '\\' && i + 1 < n && b[i + 1] == '\\') {
                i += 2;
                continue;
            }
            if ((unsigned char)b[i] == close && prev != '\\') {
                set_err(err, errlen, "unquoted delimiter '%c' found at offset %zu", close, k + i);
                return false;
            }
            prev = (unsigned char)b[i];
            i++;
        }
    }
    return true;
}

/* ---------------------------------------------------------------------------
 * Perl pattern → PCRE2 pattern
 */

struct tr {
    const char *p; /* pattern body */
    size_t n, i;
    size_t base; /* offset of the body in the rule text */
    char *out;
    uint32_t *map; /* map[k]: body offset of the byte that produced out[k] */
    size_t olen, ocap;
    unsigned fl[TR_MAX_DEPTH + 1];
    int depth;
    char *err;
    size_t errlen;
};

/* A translation of the rule body at src[boff, boff + blen) with its flags. */
static void tr_init(struct tr *t, const char *src, size_t boff, size_t blen, unsigned flags)
{
    memset(t, 0, sizeof *t);
    t->p = src + boff;
    t->n = blen;
    t->base = boff;
    t->fl[0] = flags;
}

static void tr_put(struct tr *t, const char *s, size_t n, size_t src)
{
    if (t->olen + n > t->ocap) {
        size_t cap = t->ocap ? t->ocap : 64;
        while (cap < t->olen + n)
            cap *= 2;
        t->out = xrealloc(t->out, cap);
        t->map = xrealloc(t->map, cap * sizeof *t->map);
        t->ocap = cap;
    }
    memcpy(t->out + t->olen, s, n);
    for (size_t k = 0; k < n; k++)
        t->map[t->olen + k] = (uint32_t)src;
    t->olen += n;
}

static void tr_copy(struct tr *t, size_t from, size_t n)
{
    if (from + n > t->n) n = t->n - from;
    tr_put(t, t->p + from, n, from);
    for (size_t k = 0; k < n; k++)
        t->map[t->olen - n + k] = (uint32_t)(from + k);
}

static bool tr_fail(struct tr *t, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool tr_fail(struct tr *t, size_t at, const char *fmt, ...)
{
    if (t->err && t->errlen) {
        va_list ap;
        va_start(ap, fmt);
        int w = vsnprintf(t->err, t->errlen, fmt, ap);
        va_end(ap);
        if (w >= 0 && (size_t)w < t->errlen)
            snprintf(t->err + w, t->errlen - (size_t)w, " at offset %zu", t->base + at);
    }
    return false;
}

/* A braced number ({digits}, blanks around and underscores between digits
 * allowed, as Perl does) whose '{' is at `brace`; sets *end past the '}'.
 * Values above 0x10FFFF are reported as 0x110000. */
static bool tr_braced(struct tr *t, size_t brace, int radix, uint32_t *v, size_t *end)
{
    size_t j = brace + 1;
    while (j < t->n && (t->p[j] == ' ' || t->p[j] == '\t'))
        j++;
    uint32_t val = 0;
    size_t nd = 0;
    for (; j < t->n; j++) {
        unsigned char c = (unsigned char)t->p[j];
        int d = hex_val(c);
        if (c == '_' && nd) continue;
        if (d < 0 || d >= radix) break;
        val = val > 0x10FFFF ? 0x110000 : val * (uint32_t)radix + (uint32_t)d;
        nd++;
    }
    while (j < t->n && (t->p[j] == ' ' || t->p[j] == '\t'))
        j++;
    if (!nd || j >= t->n || t->p[j] != '}') return false;
    *v = val > 0x10FFFF ? 0x110000 : val;
    *end = j + 1;
    return true;
}

/* A code point given as \x{..}, \o{..} or \N{U+..} at t->i: on success *v is
 * its value and t->i is past it. Returns 0 if this is no such escape, 1 on
 * success, -1 on an error (reported). */
static int tr_code_escape(struct tr *t, uint32_t *v)
{
    size_t at = t->i;
    if (at + 2 >= t->n || t->p[at] != '\\') return 0;
    char d = t->p[at + 1];
    size_t end;
    if ((d == 'x' || d == 'o') && t->p[at + 2] == '{') {
        if (!tr_braced(t, at + 2, d == 'x' ? 16 : 8, v, &end)) {
            tr_fail(t, at, "malformed \\%c{...}", d);
            return -1;
        }
        t->i = end;
        return 1;
    }
    if (d == 'N' && t->p[at + 2] == '{') {
        if (at + 4 < t->n && t->p[at + 3] == 'U' && t->p[at + 4] == '+') {
            size_t j = at + 5; /* \N{U+hex} */
            uint32_t val = 0;
            size_t nd = 0;
            for (; j < t->n && hex_val((unsigned char)t->p[j]) >= 0; j++, nd++)
                val = val > 0x10FFFF ? 0x110000
                                     : val * 16 + (uint32_t)hex_val((unsigned char)t->p[j]);
            if (!nd || j >= t->n || t->p[j] != '}') {
                tr_fail(t, at, "malformed \\N{U+...}");
                return -1;
            }
            *v = val > 0x10FFFF ? 0x110000 : val;
            t->i = j + 1;
            return 1;
        }
        tr_fail(t, at, "named character \\N{name} is not supported");
        return -1;
    }
    return 0;
}

static void tr_emit_code(struct tr *t, uint32_t v, size_t src, bool in_class)
{
    if (v > 0xFF && (t->fl[t->depth] & FL_I)) {
        int f = big_fold(v);
        if (f >= 0) v = (uint32_t)f;
    }
    if (v <= 0xFF) {
        char buf[16];
        int w = snprintf(buf, sizeof buf, "\\x{%02x}", v);
        tr_put(t, buf, (size_t)w, src);
    } else if (!in_class) {
        tr_put(t, "(?:(?!))", 8, src); /* cannot match a byte */
    }
}

static bool tr_reject_escape(struct tr *t, size_t at, char d)
{
    switch (d) {
    case 'Q':
    case 'E':
    case 'U':
    case 'L':
    case 'u':
    case 'l':
        return tr_fail(t, at,
                       "\\%c is a string escape, not a regex escape (Perl reads it as a letter "
                       "with a warning, which SpamAssassin makes an error)",
                       d);
    case 'G':
        return tr_fail(t, at, "\\G is not supported");
    case 'C':
        return tr_fail(t, at, "\\C is not supported (removed from Perl)");
    default:
        return true;
    }
}

/* Copies a \p{..} / \k<..> / \g{..} style tail: a bracketed name or one char. */
static void tr_copy_named(struct tr *t, size_t from)
{
    size_t j = from;
    if (j < t->n) {
        char o = t->p[j];
        char c = o == '{' ? '}' : o == '<' ? '>' : o == '\'' ? '\'' : 0;
        if (c) {
            const char *e = memchr(t->p + j + 1, c, t->n - j - 1);
            j = e ? (size_t)(e - t->p) + 1 : t->n;
        } else if (o == '-' || o == '+' || is_digit((unsigned char)o)) {
            j++;
            while (j < t->n && is_digit((unsigned char)t->p[j]))
                j++;
        } else {
            j++;
        }
    }
    tr_copy(t, t->i, j - t->i);
    t->i = j;
}

/* An escape outside a class, at t->i. */
static bool tr_escape(struct tr *t)
{
    size_t at = t->i;
    if (at + 1 >= t->n) {
        tr_copy(t, at, 1); /* PCRE2 reports it */
        t->i++;
        return true;
    }
    char d = t->p[at + 1];
    uint32_t v;
    int r = tr_code_escape(t, &v);
    if (r < 0) return false;
    if (r > 0) {
        tr_emit_code(t, v, at, false);
        return true;
    }
    if (!tr_reject_escape(t, at, d)) return false;
    if ((d == 'b' || d == 'B') && at + 2 < t->n && t->p[at + 2] == '{')
        return tr_fail(t, at, "\\%c{...} Unicode boundaries are not supported", d);
    if (d == 'c' && at + 2 < t->n) {
        tr_copy(t, at, 3);
        t->i += 3;
        return true;
    }
    if (d == 'p' || d == 'P' || d == 'k' || d == 'g') {
        tr_copy(t, at, 2);
        t->i = at + 2;
        tr_copy_named(t, t->i);
        return true;
    }
    tr_copy(t, at, 2);
    t->i += 2;
    return true;
}

enum { CI_RAW, CI_CHAR, CI_CODE };

struct citem {
    int kind;
    uint32_t v;
    size_t s, e; /* source span */
};

/* One class item at t->i (not the closing ']'). */
static bool tr_class_item(struct tr *t, struct citem *it)
{
    size_t at = t->i;
    const char *p = t->p;
    unsigned char c = (unsigned char)p[at];
    it->s = at;
    if (c == '[' && at + 1 < t->n && (p[at + 1] == ':' || p[at + 1] == '.' || p[at + 1] == '=')) {
        char k = p[at + 1];
        for (size_t j = at + 2; j + 1 < t->n; j++) {
            if (p[j] == k && p[j + 1] == ']') {
                it->kind = CI_RAW;
                it->e = t->i = j + 2;
                return true;
            }
            if (p[j] == ']') break;
        }
        it->kind = CI_CHAR;
        it->v = c;
        it->e = t->i = at + 1;
        return true;
    }
    if (c != '\\') {
        it->kind = CI_CHAR;
        it->v = c;
        it->e = t->i = at + 1;
        return true;
    }
    if (at + 1 >= t->n) {
        it->kind = CI_RAW;
        it->e = t->i = at + 1;
        return true;
    }
    unsigned char d = (unsigned char)p[at + 1];
    uint32_t v;
    int r = tr_code_escape(t, &v);
    if (r < 0) return false;
    if (r > 0) {
        it->kind = CI_CODE;
        it->v = v;
        it->e = t->i;
        return true;
    }
    if (!tr_reject_escape(t, at, (char)d)) return false;
    it->kind = CI_CHAR;
    size_t j = at + 2;
    switch (d) {
    case 'x': {
        uint32_t val = 0;
        for (int k = 0; k < 2 && j < t->n && hex_val((unsigned char)p[j]) >= 0; k++, j++)
            val = val * 16 + (uint32_t)hex_val((unsigned char)p[j]);
        it->v = val;
        break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
        uint32_t val = (uint32_t)(d - '0');
        for (int k = 0; k < 2 && j < t->n && p[j] >= '0' && p[j] <= '7'; k++, j++)
            val = val * 8 + (uint32_t)(p[j] - '0');
        it->v = val;
        if (val > 0xFF) it->kind = CI_CODE;
        break;
    }
    case 'c':
        if (j < t->n) {
            it->v = (uint32_t)(unsigned char)((lower((unsigned char)p[j]) - 32) ^ 0x40);
            if (p[j] < 'a' || p[j] > 'z') it->v = (uint32_t)((unsigned char)p[j] ^ 0x40);
            j++;
        }
        break;
    case 'a':
        it->v = 7;
        break;
    case 'b':
        it->v = 8;
        break;
    case 'e':
        it->v = 27;
        break;
    case 'f':
        it->v = 12;
        break;
    case 'n':
        it->v = 10;
        break;
    case 'r':
        it->v = 13;
        break;
    case 't':
        it->v = 9;
        break;
    case 'p':
    case 'P':
        it->kind = CI_RAW;
        if (j < t->n && p[j] == '{') {
            const char *e = memchr(p + j, '}', t->n - j);
            j = e ? (size_t)(e - p) + 1 : t->n;
        } else if (j < t->n) {
            j++;
        }
        break;
    default:
        if (is_alnum(d))
            it->kind = CI_RAW; /* \d \w \s \h \v and the like; PCRE2 judges the rest */
        else
            it->v = d;
        break;
    }
    it->e = t->i = j;
    return true;
}

static void tr_class_emit(struct tr *t, const struct citem *it)
{
    if (it->kind == CI_CODE)
        tr_emit_code(t, it->v, it->s, true);
    else
        tr_copy(t, it->s, it->e - it->s);
}

static bool tr_class(struct tr *t)
{
    size_t at = t->i, out_start = t->olen;
    size_t n_items = 0;
    bool neg = false;
    tr_copy(t, at, 1);
    t->i++;
    /* before the first member, Perl and PCRE2 skip /xx blanks around the
     * '^' (qr/[ ^a]/xx is [^a]) */
    while (t->i < t->n) {
        char c = t->p[t->i];
        bool blank = (t->fl[t->depth] & FL_XX) && (c == ' ' || c == '\t');
        if (!blank && (c != '^' || neg)) break;
        if (!blank) neg = true;
        tr_copy(t, t->i, 1);
        t->i++;
    }
    bool first = true;
    for (;;) {
        if (t->i >= t->n) return tr_fail(t, at, "missing terminating ] for character class");
        char c = t->p[t->i];
        if (c == ']' && !first) {
            tr_copy(t, t->i, 1);
            t->i++;
            break;
        }
        first = false;
        if ((t->fl[t->depth] & FL_XX) && (c == ' ' || c == '\t')) {
            tr_copy(t, t->i, 1);
            t->i++;
            continue;
        }
        struct citem lo, hi;
        if (!tr_class_item(t, &lo)) return false;
        if (t->i + 1 < t->n && t->p[t->i] == '-' && t->p[t->i + 1] != ']' && lo.kind != CI_RAW) {
            size_t dash = t->i;
            t->i++;
            if (!tr_class_item(t, &hi)) return false;
            if (hi.kind == CI_RAW) {
                tr_copy(t, lo.s, hi.e - lo.s); /* PCRE2 judges "a-\d" */
                n_items++;
                continue;
            }
            if (lo.v > hi.v) return tr_fail(t, lo.s, "invalid range in character class");
            if (hi.v <= 0xFF) {
                tr_class_emit(t, &lo);
                tr_copy(t, dash, 1);
                tr_class_emit(t, &hi);
                n_items++;
                continue;
            }
            if (lo.v <= 0xFF) {
                tr_class_emit(t, &lo);
                tr_put(t, "-\\x{ff}", 7, dash);
                n_items++;
            }
            if (t->fl[t->depth] & FL_I) {
                static const uint32_t folds[] = {0x178, 0x39C, 0x3BC, 0x1E9E, 0x212B};
                for (size_t k = 0; k < sizeof folds / sizeof folds[0]; k++) {
                    if (folds[k] >= lo.v && folds[k] <= hi.v) {
                        tr_emit_code(t, folds[k], lo.s, true);
                        n_items++;
                    }
                }
            }
            continue;
        }
        size_t before = t->olen;
        tr_class_emit(t, &lo);
        if (t->olen != before) n_items++;
    }
    if (n_items == 0) { /* every member was a code point above 0xFF */
        t->olen = out_start;
        if (neg)
            tr_put(t, "[\\x00-\\xff]", 11, at);
        else
            tr_put(t, "(?:(?!))", 8, at);
    }
    return true;
}

static bool tr_push(struct tr *t, unsigned fl, size_t at)
{
    if (t->depth >= TR_MAX_DEPTH) return tr_fail(t, at, "parentheses are nested too deeply");
    t->fl[++t->depth] = fl;
    return true;
}

static bool name_in(const char *s, size_t n, const char *const *names)
{
    for (; *names; names++)
        if (strlen(*names) == n && memcmp(*names, s, n) == 0) return true;
    return false;
}

/* (?flags) or (?flags:  at t->i; j is the first letter. */
static bool tr_flag_group(struct tr *t, size_t j, size_t term)
{
    size_t at = t->i;
    unsigned cur = t->fl[t->depth], nw = cur;
    bool off = false;
    char kept[64];
    size_t nk = 0;
    kept[nk++] = '(';
    kept[nk++] = '?';
    size_t letters = 0;
    for (size_t k = j; k < term; k++) {
        char c = t->p[k];
        if (nk + 3 >= sizeof kept) return tr_fail(t, at, "inline flag group too long");
        switch (c) {
        case '^':
            nw &= ~(unsigned)(FL_I | FL_M | FL_S | FL_X | FL_XX);
            kept[nk++] = c;
            letters++;
            break;
        case '-':
            off = true;
            kept[nk++] = c;
            break;
        case 'i':
        case 'm':
        case 's':
        case 'n':
        case 'x': {
            unsigned bit = c == 'i'   ? FL_I
                           : c == 'm' ? FL_M
                           : c == 's' ? FL_S
                           : c == 'x' ? FL_X
                                      : 0;
            if (off) {
                nw &= ~bit;
                if (c == 'x') nw &= ~(unsigned)FL_XX;
            } else if (c == 'x' && k > j && t->p[k - 1] == 'x') {
                nw |= FL_XX;
            } else {
                nw |= bit;
            }
            kept[nk++] = c;
            letters++;
            break;
        }
        case 'a':
        case 'p':
            break; /* /aa is always on; p is a no-op */
        case 'u':
        case 'l':
        case 'd':
            return tr_fail(t, at,
                           "charset modifier (?%c) is not supported (SpamAssassin compiles "
                           "rules with /aa)",
                           c);
        default:
            return tr_fail(t, at, "unknown inline flag '%c'", c);
        }
    }
    bool colon = t->p[term] == ':';
    if (!letters) {
        if (colon) tr_put(t, "(?:", 3, at);
    } else {
        kept[nk++] = t->p[term];
        tr_put(t, kept, nk, at);
    }
    t->i = term + 1;
    if (colon) return tr_push(t, nw, at);
    t->fl[t->depth] = nw;
    return true;
}

static bool tr_group(struct tr *t)
{
    size_t at = t->i;
    const char *p = t->p;
    size_t n = t->n;
    unsigned cur = t->fl[t->depth];
    if (at + 1 < n && p[at + 1] == '?') {
        size_t j = at + 2;
        char c = j < n ? p[j] : 0;
        if (c == '#') {
            const char *e = memchr(p + j, ')', n - j);
            size_t end = e ? (size_t)(e - p) + 1 : n;
            tr_copy(t, at, end - at);
            t->i = end;
            return true;
        }
        if (c == 'C') return tr_fail(t, at, "callout (?C...) is not Perl syntax");
        bool flags = c == '^' || (c >= 'a' && c <= 'z') ||
                     (c >= 'A' && c <= 'Z' && c != 'R' && c != 'P') ||
                     (c == '-' && !(j + 1 < n && is_digit((unsigned char)p[j + 1])));
        if (flags) {
            size_t k = j;
            while (k < n && (is_alnum((unsigned char)p[k]) || p[k] == '^' || p[k] == '-'))
                k++;
            if (k < n && (p[k] == ')' || p[k] == ':')) return tr_flag_group(t, j, k);
        }
        if (!tr_push(t, cur, at)) return false;
        tr_copy(t, at, 2);
        t->i = at + 2;
        return true;
    }
    if (at + 1 < n && p[at + 1] == '*') {
        static const char *const verbs[] = {"ACCEPT", "FAIL", "F",    "MARK", "COMMIT",
                                            "PRUNE",  "SKIP", "THEN", NULL};
        static const char *const alpha[] = {"pla",
                                            "plb",
                                            "nla",
                                            "nlb",
                                            "positive_lookahead",
                                            "positive_lookbehind",
                                            "negative_lookahead",
                                            "negative_lookbehind",
                                            "atomic",
                                            NULL};
        size_t j = at + 2, k = j;
        while (k < n && (is_word_byte((unsigned char)p[k])))
            k++;
        bool ok;
        if (k == j)
            ok = k < n && p[k] == ':';
        else if (p[j] >= 'a' && p[j] <= 'z')
            ok = k < n && p[k] == ':' && name_in(p + j, k - j, alpha);
        else
            ok = k < n && (p[k] == ':' || p[k] == ')') && name_in(p + j, k - j, verbs);
        if (!ok)
            return tr_fail(t, at, "(*%.*s) is not supported (a PCRE2 option or unknown verb)",
                           (int)(k - j < 40 ? k - j : 40), p + j);
        if (!tr_push(t, cur, at)) return false;
        tr_copy(t, at, 2);
        t->i = at + 2;
        return true;
    }
    if (!tr_push(t, cur, at)) return false;
    tr_copy(t, at, 1);
    t->i++;
    return true;
}

/* '{' outside a class: a Perl quantifier is written the way PCRE2 reads it;
 * any other brace is a literal. */
static void tr_brace(struct tr *t)
{
    size_t at = t->i, j = at + 1, n = t->n;
    const char *p = t->p;
#define BLANKS()                                                                                   \
    while (j < n && (p[j] == ' ' || p[j] == '\t'))                                                 \
    j++
    BLANKS();
    size_t min_s = j;
    while (j < n && is_digit((unsigned char)p[j]))
        j++;
    size_t min_e = j;
    BLANKS();
    bool comma = false;
    size_t max_s = j, max_e = j;
    if (j < n && p[j] == ',') {
        comma = true;
        j++;
        BLANKS();
        max_s = j;
        while (j < n && is_digit((unsigned char)p[j]))
            j++;
        max_e = j;
        BLANKS();
    }
#undef BLANKS
    bool has_min = min_e > min_s, has_max = max_e > max_s;
    if (j < n && p[j] == '}' && (has_min || has_max)) {
        tr_put(t, "{", 1, at);
        if (has_min)
            tr_copy(t, min_s, min_e - min_s);
        else
            tr_put(t, "0", 1, at);
        if (comma) {
            tr_put(t, ",", 1, at);
            if (has_max) tr_copy(t, max_s, max_e - max_s);
        }
        tr_put(t, "}", 1, j);
        t->i = j + 1;
        return;
    }
    tr_put(t, "\\{", 2, at);
    t->i = at + 1;
}

/* PCRE2's compile options for a translated SpamAssassin regex with flags
 * (the bytes as bytes: no UTF, no UCP, no \C; duplicate names allowed) */
static uint32_t compile_opts(unsigned flags)
{
    uint32_t opts = PCRE2_NEVER_UTF | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C | PCRE2_DUPNAMES;
    if (flags & FL_I) opts |= PCRE2_CASELESS;
    if (flags & FL_M) opts |= PCRE2_MULTILINE;
    if (flags & FL_S) opts |= PCRE2_DOTALL;
    if (flags & FL_X) opts |= PCRE2_EXTENDED;
    if (flags & FL_XX) opts |= PCRE2_EXTENDED_MORE;
    return opts;
}

static bool translate(struct tr *t)
{
    while (t->i < t->n) {
        char c = t->p[t->i];
        unsigned fl = t->fl[t->depth];
        if ((fl & FL_X) && c == '#') {
            const char *e = memchr(t->p + t->i, '\n', t->n - t->i);
            size_t end = e ? (size_t)(e - t->p) + 1 : t->n;
            tr_copy(t, t->i, end - t->i);
            t->i = end;
            continue;
        }
        bool ok = true;
        switch (c) {
        case '\\':
            ok = tr_escape(t);
            break;
        case '[':
            ok = tr_class(t);
            break;
        case '(':
            ok = tr_group(t);
            break;
        case ')':
            if (t->depth > 0) t->depth--;
            tr_copy(t, t->i, 1);
            t->i++;
            break;
        case '{':
            tr_brace(t);
            break;
        default:
            tr_copy(t, t->i, 1);
            t->i++;
            break;
        }
        if (!ok) return false;
    }
    return true;
}

/* ---------------------------------------------------------------------------
 * Required literals
 */

#define LX_MAX SARE_MAX_LITERALS /* strings per set, as sare_literals gives them */
/* the wider limit of a folded set, tried when LX_MAX finds none: words of a
 * long alternation (SpamAssassin's form-field tags) in one set */
#define LX_WIDE 128
#define LX_CAP LX_WIDE /* room in a set */
#define LX_MAX_LEN 128
#define LX_MAX_DEPTH 32 /* groups; each level costs a few KB of stack */
#define LX_MAX_REPEAT 8
#define LX_MAX_POOL (8u * 1024u * 1024u) /* bytes of strings built for one pattern */
#define LX_INF UINT_MAX
/* The SARE_FOLD_CASE analysis (sets of up to LX_WIDE strings) costs start-up
 * time: it is tried on patterns of at most FOLD_CASE_MAX_PATTERN bytes and
 * FOLD_CASE_MAX_HEX \x escapes, and gives up past FOLD_CASE_MAX_POOL bytes
 * of strings (instead of LX_MAX_POOL). */
#define FOLD_CASE_MAX_PATTERN (16u * 1024u)
#define FOLD_CASE_MAX_HEX 64u
#define FOLD_CASE_MAX_POOL (256u * 1024u)

typedef struct {
    const char *s;
    uint16_t len;
    bool ci; /* from caseless context: stored lowercased, compare caselessly */
} lstr;

typedef struct {
    unsigned n;
    lstr v[LX_CAP];
} lset;

typedef struct {
    bool exact;    /* ex is every string this node can match */
    bool has_best; /* best is a clause: every match contains one of it */
    /* 0 or 1: once; n: every match holds n occurrences of the clause that
     * do not overlap (a group repeated n times, each copy holding one) */
    unsigned best_reps;
    lset ex, best;
    /* with lx.two: a second clause every match contains one of (empty:
     * none), apart from best (lset_apart), for an AND of the two */
    lset best2;
} linfo;

struct lchunk {
    struct lchunk *next;
    size_t used, cap;
    char data[];
};

struct lx {
    const char *p;
    size_t n, i;
    int depth;
    bool fail;
    struct lchunk *pool;
    size_t pooled; /* bytes allocated so far; past LX_MAX_POOL the analysis gives up */
    /* NULL, or a fold_map: the analysis is then of the pattern's image in
     * that alphabet (each byte it can match replaced by what it folds to,
     * bytes outside the alphabet unmatchable), which holds a folded text's
     * every match when the text is all inside the alphabet */
    const unsigned char *fold;
    /* with SARE_FOLD_SQUEEZE: runs of one byte count as one (sare_fold
     * collapses them in the text), so c{m,n} with m >= 1 reads as c */
    bool collapse;
    unsigned max;    /* strings per set: LX_MAX, or up to LX_CAP */
    size_t pool_max; /* 0: LX_MAX_POOL */
    bool atoms;      /* run_seq: find run_info.req_bits too */
    bool two;        /* keep a second clause (linfo.best2): the plain analysis, and the
                      * folded sets' second pass (fold_sets) */
};

static char *lx_alloc(struct lx *x, size_t n)
{
    struct lchunk *c = x->pool;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 4096 ? n : 4096;
        c = xmalloc(sizeof *c + cap);
        c->next = x->pool;
        c->used = 0;
        c->cap = cap;
        x->pool = c;
    }
    char *r = c->data + c->used;
    c->used += n;
    x->pooled += n;
    if (x->pooled > (x->pool_max ? x->pool_max : LX_MAX_POOL))
        x->fail = true; /* the memory is still valid: callers stop soon */
    return r;
}

static void lx_pool_free(struct lx *x)
{
    while (x->pool) {
        struct lchunk *n = x->pool->next;
        free(x->pool);
        x->pool = n;
    }
}

static const char one_byte[256] = {
#define B8(b)                                                                                      \
    (char)(b), (char)(b + 1), (char)(b + 2), (char)(b + 3), (char)(b + 4), (char)(b + 5),          \
        (char)(b + 6), (char)(b + 7)
#define B64(b)                                                                                     \
    B8(b), B8(b + 8), B8(b + 16), B8(b + 24), B8(b + 32), B8(b + 40), B8(b + 48), B8(b + 56)
    B64(0), B64(64), B64(128), B64(192)
#undef B64
#undef B8
};

static bool lstr_eq(const lstr *a, const lstr *b)
{
    if (a->len != b->len || a->ci != b->ci) return false;
    if (a->len == 0) return true;
    if (a->s[0] != b->s[0] || a->s[a->len - 1] != b->s[a->len - 1]) return false;
    return a->len <= 2 || memcmp(a->s + 1, b->s + 1, a->len - 2) == 0;
}

/* Sets are copied and cleared by their used entries only: they have room
 * for LX_CAP strings, most hold a few. */
static void lset_copy(lset *dst, const lset *src)
{
    dst->n = src->n;
    memcpy(dst->v, src->v, src->n * sizeof src->v[0]);
}

static void linfo_clear(linfo *o)
{
    o->exact = false;
    o->has_best = false;
    o->best_reps = 0;
    o->ex.n = 0;
    o->best.n = 0;
    o->best2.n = 0;
}

static void linfo_copy(linfo *dst, const linfo *src)
{
    dst->exact = src->exact;
    dst->has_best = src->has_best;
    dst->best_reps = src->best_reps;
    lset_copy(&dst->ex, &src->ex);
    lset_copy(&dst->best, &src->best);
    lset_copy(&dst->best2, &src->best2);
}

static bool lset_add(lset *s, lstr v, unsigned max)
{
    for (unsigned k = 0; k < s->n; k++)
        if (lstr_eq(&s->v[k], &v)) return true;
    if (s->n >= max) return false;
    s->v[s->n++] = v;
    return true;
}

/* lset_add through a table of the set's strings by hash (LX_HSLOTS
 * slots, each 0 or 1 + an index into s->v; empty when the set is): the same
 * set in the same order, without comparing each new string with every one
 * before it. Building the cross products of look-alike spellings that way
 * was a fifth of start-up. */
#define LX_HSLOTS 256 /* > 2 * LX_CAP: probe chains stay short */

static unsigned lstr_hash(const lstr *v)
{
    unsigned h = v->len * 0x9E3779B1u + (v->ci ? 0x85EBCA77u : 0);
    if (v->len)
        h ^= (unsigned char)v->s[0] * 0x01000193u ^ (unsigned char)v->s[v->len - 1] * 0x2545F491u ^
             (unsigned char)v->s[v->len / 2] * 0x9E3779B9u;
    return (h ^ h >> 15) * 0x2C1B3C6Du >> 24;
}

static bool lset_add_h(lset *s, uint8_t tab[LX_HSLOTS], lstr v, unsigned max)
{
    unsigned h = lstr_hash(&v) & (LX_HSLOTS - 1);
    for (; tab[h]; h = (h + 1) & (LX_HSLOTS - 1))
        if (lstr_eq(&s->v[tab[h] - 1], &v)) return true;
    if (s->n >= max) return false;
    s->v[s->n++] = v;
    tab[h] = (uint8_t)s->n;
    return true;
}

static void lx_set_empty(linfo *o)
{
    linfo_clear(o);
    o->exact = true;
    o->ex.n = 1;
    o->ex.v[0] = (lstr){"", 0, false};
}

/* Matches nothing (in a folded analysis: needs a byte outside the alphabet). */
static void lx_set_none(linfo *o)
{
    linfo_clear(o);
    o->exact = true;
}

static bool lx_is_none(const linfo *o)
{
    return o->exact && o->ex.n == 0;
}

/* Matches only the empty string. */
static bool lx_is_empty(const linfo *o)
{
    return o->exact && o->ex.n == 1 && o->ex.v[0].len == 0;
}

/* Exactly one byte, or that byte or nothing. */
static bool lx_is_one_byte(const linfo *o)
{
    if (!o->exact || o->ex.n == 0 || o->ex.n > 2) return false;
    unsigned ones = 0;
    for (unsigned k = 0; k < o->ex.n; k++) {
        if (o->ex.v[k].len > 1) return false;
        ones += o->ex.v[k].len;
    }
    return ones == 1;
}

static void lx_set_break(linfo *o)
{
    o->exact = false;
    o->has_best = false;
    o->ex.n = 0;
    o->best.n = 0;
    o->best2.n = 0;
}

static unsigned log2ceil(unsigned n)
{
    unsigned r = 0;
    while ((1u << r) < n)
        r++;
    return r;
}

/* Higher is a better prefilter clause; INT_MIN: unusable. A longer
 * shortest string is rarer in text, more strings match more often; beyond
 * 8 bytes (rare enough in text) length only breaks ties. */
/* The byte analysis (sare_required_bytes): one-byte strings are usable,
 * and a set is scored by how often its first bytes are found in text (the
 * filter tests those bytes only). Set around one extract_set call. */
static _Thread_local bool lx_bytes;
#define LX_BYTES_MAX LX_MAX     /* strings per set in the byte analysis */
#define BYTES_MAX_PATTERN 2048u /* longer patterns are not analysed (start-up time) */

/* A rough frequency of byte c in mail text: a set of rare bytes scores best. */
static int byte_weight(unsigned c)
{
    if (c == ' ' || c == 'e' || c == 't' || c == 'a' || c == 'o' || c == 'i' || c == 'n')
        return 100;
    if (c >= 'a' && c <= 'z') return 40;
    if (c == '\t' || c == '\n' || c == '\r') return 20;
    if (c >= 'A' && c <= 'Z') return 10;
    if ((c >= '0' && c <= '9') || c == '.' || c == ',') return 6;
    if (c > 0x20 && c < 0x7f) return 3;
    return 1;
}

/* the first bytes of a set's strings, other cases included for the strings
 * compared caselessly (all of them when `nocase`) */
static void lset_first_bytes(const lset *s, bool nocase, uint64_t bits[4])
{
    for (unsigned k = 0; k < s->n; k++) {
        if (!s->v[k].len) continue;
        unsigned c = (unsigned char)s->v[k].s[0];
        bits[c >> 6] |= (uint64_t)1 << (c & 63);
        if (!nocase && !s->v[k].ci) continue;
        int o = -1;
        if (c >= 'a' && c <= 'z') o = (int)(c - 32);
        if (c >= 'A' && c <= 'Z') o = (int)(c + 32);
        if (c >= 0x80) o = latin1_other(c);
        if (o >= 0) bits[(unsigned)o >> 6] |= (uint64_t)1 << ((unsigned)o & 63);
    }
}

static int lset_score(const lset *s)
{
    if (!s->n) return INT_MIN;
    if (lx_bytes) {
        uint64_t bits[4] = {0, 0, 0, 0};
        for (unsigned k = 0; k < s->n; k++)
            if (!s->v[k].len) return INT_MIN;
        lset_first_bytes(s, false, bits);
        int w = 0;
        for (unsigned c = 0; c < 256; c++)
            if (bits[c >> 6] >> (c & 63) & 1) w += byte_weight(c);
        return -w;
    }
    unsigned minlen = UINT_MAX;
    for (unsigned k = 0; k < s->n; k++)
        if (s->v[k].len < minlen) minlen = s->v[k].len;
    if (minlen < 2) return INT_MIN;
    unsigned capped = minlen > 8 ? 8 : minlen;
    return (int)(capped * 1000) - (int)(log2ceil(s->n) * 500) + (int)(minlen > 128 ? 128 : minlen);
}

#define LX_MAX_REPS 64 /* occurrences of a clause counted at most */

/* a clause's score with its repeat count: n occurrences apart are rarer */
static int lset_score_reps(const lset *s, unsigned reps)
{
    int sc = lset_score(s);
    if (sc == INT_MIN || lx_bytes) return sc;
    return sc + (int)log2ceil(reps ? reps : 1) * 1000;
}

static void lx_offer(lset *best, unsigned *best_reps, const lset *cand, unsigned cand_reps)
{
    if (lset_score_reps(cand, cand_reps) > lset_score_reps(best, *best_reps)) {
        lset_copy(best, cand);
        *best_reps = cand_reps;
    }
}

/* a × b into out; false when it would hold too many or too long strings */
static bool lset_cross(struct lx *x, const lset *a, const lset *b, lset *out)
{
    if (a->n * b->n > x->max) return false;
    lset r;
    r.n = 0;
    uint8_t tab[LX_HSLOTS];
    memset(tab, 0, sizeof tab);
    for (unsigned i = 0; i < a->n; i++) {
        for (unsigned j = 0; j < b->n; j++) {
            const lstr *u = &a->v[i], *v = &b->v[j];
            size_t len = (size_t)u->len + v->len;
            if (len > LX_MAX_LEN) return false;
            bool ci = u->ci || v->ci;
            lstr s = {"", (uint16_t)len, ci};
            if (v->len == 0)
                s.s = u->s, s.ci = u->ci;
            else if (u->len == 0)
                s.s = v->s, s.ci = v->ci;
            else {
                char *m = lx_alloc(x, len);
                memcpy(m, u->s, u->len);
                memcpy(m + u->len, v->s, v->len);
                if (ci)
                    for (size_t k = 0; k < len; k++)
                        m[k] = (char)lower((unsigned char)m[k]);
                s.s = m;
            }
            if (!lset_add_h(&r, tab, s, x->max)) return false;
        }
    }
    lset_copy(out, &r);
    return true;
}

/* Whether an occurrence of a (as it is compared: caselessly when a->ci)
 * always holds one of b: b is in a, compared the same way. */
static bool lstr_within(const lstr *b, const lstr *a)
{
    if (b->ci != a->ci || b->len > a->len) return false;
    if (b->len == 0) return true;
    for (size_t i = 0; i + b->len <= a->len; i++)
        if (a->s[i] == b->s[0] && memcmp(a->s + i, b->s, b->len) == 0) return true;
    return false;
}

/* Whether any text holding one of a (a non-empty clause) holds one of b:
 * every string of a holds one of b. False when unsure (strings compared in
 * different cases). */
static bool lset_implies(const lset *a, const lset *b)
{
    if (!a->n) return false;
    for (unsigned i = 0; i < a->n; i++) {
        bool in = false;
        for (unsigned j = 0; j < b->n && !in; j++)
            in = lstr_within(&b->v[j], &a->v[i]);
        if (!in) return false;
    }
    return true;
}

/* Whether clauses a and b say different things: neither implies the other.
 * (If b implies a, testing both is testing b: "\smoney" with "money".) */
static bool lset_apart(const lset *a, const lset *b)
{
    return !lset_implies(a, b) && !lset_implies(b, a);
}

/* Offer a required clause to a node's pair (best, best2): the best scoring
 * one becomes best (lx_offer); best2 keeps the best scoring of the others
 * that are apart from best (lset_apart: a second test that can fail where
 * the first passes, and that adds to it). With !x->two, best only. */
static void pair_offer(const struct lx *x, lset *best, unsigned *best_reps, lset *best2,
                       const lset *cand, unsigned cand_reps)
{
    if (!x->two) {
        lx_offer(best, best_reps, cand, cand_reps);
        return;
    }
    int sc = lset_score_reps(cand, cand_reps);
    if (sc == INT_MIN) return;
    if (sc > lset_score_reps(best, *best_reps)) {
        /* the old best scores at least as well as best2: tried first */
        if (best->n && lset_apart(cand, best))
            lset_copy(best2, best);
        else if (best2->n && !lset_apart(cand, best2))
            best2->n = 0;
        lset_copy(best, cand);
        *best_reps = cand_reps;
    } else if (sc > lset_score(best2) && lset_apart(best, cand)) {
        lset_copy(best2, cand);
    }
}

/* The strings of v (n of them) cut to at most L bytes (a required
 * string's prefix is required), without repeats and without a string
 * holding another of them (any text holding it holds the other), into
 * out; returns how many. */
static unsigned clause_cut(const lstr *v, unsigned n, unsigned L, lstr *out)
{
    for (unsigned k = 0; k < n; k++) {
        out[k] = v[k];
        if (out[k].len > L) out[k].len = (uint16_t)L;
    }
    unsigned m = 0;
    for (unsigned k = 0; k < n; k++) {
        bool drop = false;
        for (unsigned j = 0; j < n && !drop; j++) {
            if (j == k) continue;
            if (lstr_eq(&out[j], &out[k]))
                drop = j < k; /* of equal strings the first stays */
            else
                drop = lstr_within(&out[j], &out[k]);
        }
        if (!drop) out[m++] = out[k];
    }
    return m;
}

/* Too many strings (n > max) in a clause of strings of 3 bytes or more:
 * the longest cut that leaves at most max strings (clause_cut; strings
 * no longer than the cut keep their length), found by bisection. False
 * when even 3 bytes leave too many, a string is shorter than 3 bytes or
 * there are more than 2 * max (then the caller's common prefix length
 * decides). */
#define CLAUSE_CUT_MAX 12
/* sare_fold_analyse's atom set: worth a test when its byte_weight sum is
 * below that of one common byte (' ', 'e') */
#define ATOM_MAX_WEIGHT 100

static bool clause_shorten(const lstr *v, unsigned n, unsigned max, lset *out)
{
    if (n > 2 * max) return false; /* rarely worth the quadratic passes */
    unsigned maxlen = 0;
    for (unsigned k = 0; k < n; k++) {
        if (v[k].len < 3) return false;
        if (v[k].len > maxlen) maxlen = v[k].len;
    }
    /* first without cutting: a string holding another goes before the
     * cut could make it miss the other ("top secret" holds "secret", not
     * "sec"); the bisection cuts what remains */
    lstr base[2 * LX_CAP], tmp[2 * LX_CAP];
    n = clause_cut(v, n, maxlen, base);
    v = base;
    if (clause_cut(v, n, 3, tmp) > max) return false;
    /* lo fits; the longest fitting cut up to CLAUSE_CUT_MAX is in [lo, hi]
     * (lset_score counts length up to 8 only) */
    unsigned lo = 3, hi = maxlen < CLAUSE_CUT_MAX ? maxlen : CLAUSE_CUT_MAX;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo + 1) / 2;
        if (clause_cut(v, n, mid, tmp) <= max)
            lo = mid;
        else
            hi = mid - 1;
    }
    out->n = clause_cut(v, n, lo, tmp);
    memcpy(out->v, tmp, out->n * sizeof tmp[0]);
    return true;
}

/* dst ∪= src for clauses; when there are too many strings, they are
 * shortened (clause_shorten, when `shorten`: the plain analysis; the
 * folded ones cost too much start-up time for it), or else every string
 * is cut to a common prefix length (a required string's prefix is required). */
static bool lset_union_clause(lset *dst, const lset *src, unsigned max, bool shorten)
{
    lstr tmp[2 * LX_CAP];
    unsigned n = 0;
    for (unsigned k = 0; k < dst->n; k++)
        tmp[n++] = dst->v[k];
    for (unsigned k = 0; k < src->n; k++) {
        bool dup = false;
        for (unsigned j = 0; j < n && !dup; j++)
            dup = lstr_eq(&tmp[j], &src->v[k]);
        if (!dup) tmp[n++] = src->v[k];
    }
    if (n <= max) {
        dst->n = n;
        memcpy(dst->v, tmp, n * sizeof tmp[0]);
        return true;
    }
    if (shorten && max <= LX_MAX && clause_shorten(tmp, n, max, dst)) return true;
    unsigned maxlen = 0;
    for (unsigned k = 0; k < n; k++)
        if (tmp[k].len > maxlen) maxlen = tmp[k].len;
    for (unsigned L = maxlen; L >= 2; L--) {
        lset r;
        r.n = 0;
        bool ok = true;
        uint8_t tab[LX_HSLOTS];
        memset(tab, 0, sizeof tab);
        for (unsigned k = 0; k < n && ok; k++) {
            lstr s = tmp[k];
            if (s.len > L) s.len = (uint16_t)L;
            ok = lset_add_h(&r, tab, s, max);
        }
        if (ok) {
            lset_copy(dst, &r);
            return true;
        }
    }
    return false;
}

static bool lset_union_exact(lset *dst, const lset *src, unsigned max)
{
    for (unsigned k = 0; k < src->n; k++)
        if (!lset_add(dst, src->v[k], max)) return false;
    return true;
}

/* A 256-bit byte set turned into node info (small sets become exact). */
static void lx_from_bits(const uint64_t bits[4], linfo *o, unsigned max)
{
#define HAS(b) ((bits[(b) >> 6] >> ((b)&63)) & 1u)
    lset s;
    s.n = 0;
    for (unsigned w = 0, b; w < 4; w++)
        for (uint64_t m = bits[w]; m; m &= m - 1) {
            b = w * 64 + (unsigned)__builtin_ctzll(m);
            bool ci = false;
            if (b >= 'A' && b <= 'Z' && HAS(b + 32)) continue;
            if (b >= 'a' && b <= 'z' && HAS(b - 32)) ci = true;
            if (s.n >= max) {
                lx_set_break(o);
                return;
            }
            s.v[s.n++] = (lstr){&one_byte[b], 1, ci};
        }
#undef HAS
    if (!s.n) {
        lx_set_break(o);
        return;
    }
    linfo_clear(o);
    o->exact = true;
    o->ex = s;
}

static void bits_set(uint64_t bits[4], unsigned b)
{
    bits[b >> 6] |= (uint64_t)1 << (b & 63);
}

/* Both cases of every letter in bits: ASCII A-Z and a-z (bits 1..26 and
 * 33..58 of word 1) and Latin-1's pairs of latin1_other (0xC0-0xDE but
 * 0xD7, bits 0..30 of word 3, with 0xE0-0xFE but 0xF7, bits 32..62), one
 * word operation each way. */
static void bits_fold(uint64_t bits[4])
{
    const uint64_t ascii = 0x7FFFFFEu;                         /* bits 1..26 */
    const uint64_t latin = 0x7FFFFFFFu & ~((uint64_t)1 << 23); /* bits 0..30 but 0xD7 */
    uint64_t w1 = bits[1], w3 = bits[3];
    bits[1] = w1 | (w1 & ascii) << 32 | (w1 >> 32 & ascii);
    bits[3] = w3 | (w3 & latin) << 32 | (w3 >> 32 & latin);
}

/* A byte set as node info: as is, or its image in x->fold. */
static void lx_bits(const struct lx *x, const uint64_t bits[4], linfo *o)
{
    if (!x->fold) {
        lx_from_bits(bits, o, x->max);
        return;
    }
    uint64_t img[4] = {0, 0, 0, 0};
    bool del = false, any = false;
    for (unsigned w = 0; w < 2; w++) /* bytes from 0x80 are outside every fold */
        for (uint64_t m = bits[w]; m; m &= m - 1) {
            unsigned char f = x->fold[w * 64 + (unsigned)__builtin_ctzll(m)];
            if (f == FOLD_OUT) continue;
            if (f == FOLD_DEL)
                del = true;
            else
                bits_set(img, f), any = true;
        }
    if (!any) {
        if (del)
            lx_set_empty(o);
        else
            lx_set_none(o);
        return;
    }
    lx_from_bits(img, o, x->max);
    if (del && o->exact && !lset_add(&o->ex, (lstr){"", 0, false}, x->max)) lx_set_break(o);
}

/* \d \s \w \h \v and their negations, as PCRE2 reads them with our tables */
static bool class_escape_bits(unsigned char d, uint64_t bits[4])
{
    uint64_t m[4] = {0, 0, 0, 0};
    unsigned char ld = lower(d);
    switch (ld) {
    case 'd':
        for (unsigned b = '0'; b <= '9'; b++)
            bits_set(m, b);
        break;
    case 'w':
        for (unsigned b = 0; b < 256; b++)
            if (is_word_byte((unsigned char)b)) bits_set(m, b);
        break;
    case 's':
        for (unsigned b = 9; b <= 13; b++)
            bits_set(m, b);
        bits_set(m, ' ');
        break;
    case 'h':
        bits_set(m, 9);
        bits_set(m, ' ');
        bits_set(m, 0xA0);
        break;
    case 'v':
        for (unsigned b = 10; b <= 13; b++)
            bits_set(m, b);
        bits_set(m, 0x85);
        break;
    default:
        return false;
    }
    bool neg = d != ld;
    for (int k = 0; k < 4; k++)
        bits[k] |= neg ? ~m[k] : m[k];
    return true;
}

static bool posix_bits(const char *name, size_t len, uint64_t bits[4])
{
    static const char *const names[] = {"alpha", "digit", "alnum",  "space", "upper",
                                        "lower", "punct", "xdigit", "word",  "blank",
                                        "cntrl", "graph", "print",  "ascii", NULL};
    bool neg = len > 0 && name[0] == '^';
    if (neg) name++, len--;
    int which = -1;
    for (int k = 0; names[k]; k++)
        if (strlen(names[k]) == len && memcmp(names[k], name, len) == 0) which = k;
    if (which < 0) return false;
    uint64_t m[4] = {0, 0, 0, 0};
    for (unsigned b = 0; b < 128; b++) {
        bool up = b >= 'A' && b <= 'Z', lo = b >= 'a' && b <= 'z', dg = b >= '0' && b <= '9';
        bool sp = (b >= 9 && b <= 13) || b == ' ', gr = b > 32 && b < 127;
        bool in = false;
        switch (which) {
        case 0:
            in = up || lo;
            break;
        case 1:
            in = dg;
            break;
        case 2:
            in = up || lo || dg;
            break;
        case 3:
            in = sp;
            break;
        case 4:
            in = up;
            break;
        case 5:
            in = lo;
            break;
        case 6:
            in = gr && !up && !lo && !dg;
            break;
        case 7:
            in = dg || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F');
            break;
        case 8:
            in = up || lo || dg || b == '_';
            break;
        case 9:
            in = b == ' ' || b == '\t';
            break;
        case 10:
            in = b < 32 || b == 127;
            break;
        case 11:
            in = gr;
            break;
        case 12:
            in = gr || b == ' ';
            break;
        case 13:
            in = true;
            break;
        }
        if (in) bits_set(m, b);
    }
    for (int k = 0; k < 4; k++)
        bits[k] |= neg ? ~m[k] : m[k];
    return true;
}

static bool lx_is_space(unsigned char c)
{
    return c == ' ' || (c >= 9 && c <= 13);
}

/* Skips /x white space and # comments. */
static void lx_skip(struct lx *x, unsigned fl)
{
    if (!(fl & FL_X)) return;
    while (x->i < x->n) {
        unsigned char c = (unsigned char)x->p[x->i];
        if (lx_is_space(c)) {
            x->i++;
        } else if (c == 0x85) {
            x->fail = true; /* PCRE2 may or may not skip NEL here: do not guess */
            return;
        } else if (c == '#') {
            const char *e = memchr(x->p + x->i, '\n', x->n - x->i);
            x->i = e ? (size_t)(e - x->p) + 1 : x->n;
        } else {
            break;
        }
    }
}

/* The value of a character escape at x->i ('\\'); -1 if it is none. */
static int lx_char_escape(struct lx *x)
{
    const char *p = x->p;
    size_t i = x->i, n = x->n;
    if (i + 1 >= n) return -1;
    unsigned char d = (unsigned char)p[i + 1];
    size_t j = i + 2;
    unsigned v = 0;
    switch (d) {
    case 'a':
        v = 7;
        break;
    case 'e':
        v = 27;
        break;
    case 'f':
        v = 12;
        break;
    case 'n':
        v = 10;
        break;
    case 'r':
        v = 13;
        break;
    case 't':
        v = 9;
        break;
    case '0':
        for (int k = 0; k < 2 && j < n && p[j] >= '0' && p[j] <= '7'; k++, j++)
            v = v * 8 + (unsigned)(p[j] - '0');
        break;
    case 'x':
        if (j < n && p[j] == '{') {
            j++;
            size_t nd = 0;
            while (j < n && hex_val((unsigned char)p[j]) >= 0 && nd < 8)
                v = v * 16 + (unsigned)hex_val((unsigned char)p[j++]), nd++;
            if (j >= n || p[j] != '}' || !nd) return -1;
            j++;
        } else {
            for (int k = 0; k < 2 && j < n && hex_val((unsigned char)p[j]) >= 0; k++, j++)
                v = v * 16 + (unsigned)hex_val((unsigned char)p[j]);
        }
        break;
    case 'o':
        if (j >= n || p[j] != '{') return -1;
        j++;
        {
            size_t nd = 0;
            while (j < n && p[j] >= '0' && p[j] <= '7' && nd < 8)
                v = v * 8 + (unsigned)(p[j++] - '0'), nd++;
            if (j >= n || p[j] != '}' || !nd) return -1;
            j++;
        }
        break;
    case 'c':
        if (j >= n) return -1;
        v = (unsigned)(unsigned char)p[j];
        if (v >= 'a' && v <= 'z') v -= 32;
        v ^= 0x40;
        j++;
        break;
    default:
        if (is_alnum(d)) return -1;
        v = d;
        break;
    }
    if (v > 0xFF) return -1;
    x->i = j;
    return (int)v;
}

static void lx_char(const struct lx *x, unsigned c, unsigned fl, linfo *o)
{
    if (x->fold) {
        unsigned char f = x->fold[c & 0xFF];
        if (f == FOLD_OUT)
            lx_set_none(o);
        else if (f == FOLD_DEL)
            lx_set_empty(o);
        else
            lx_char(&(struct lx){.fold = NULL}, f, 0, o);
        return;
    }
    linfo_clear(o);
    o->exact = true;
    o->ex.n = 1;
    if (fl & FL_I) {
        int other = latin1_other(c);
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
            o->ex.v[0] = (lstr){&one_byte[lower((unsigned char)c)], 1, true};
            return;
        }
        if (other >= 0) {
            o->ex.n = 2;
            o->ex.v[0] = (lstr){&one_byte[c], 1, false};
            o->ex.v[1] = (lstr){&one_byte[other], 1, false};
            return;
        }
    }
    o->ex.v[0] = (lstr){&one_byte[c], 1, false};
}

/* A class at x->i ('['). */
/* The bytes the class at x->i ('[') matches, in bits (case folded for /i,
 * negation applied); x->i moves past it. CLASS_UNKNOWN: a member that is
 * not modelled (\p, a collating element...), CLASS_FAIL: x->fail is set. */
enum { CLASS_OK, CLASS_UNKNOWN, CLASS_FAIL };
static int lx_class_bits(struct lx *x, unsigned fl, uint64_t bits[4]);

static void lx_class(struct lx *x, unsigned fl, linfo *o)
{
    uint64_t bits[4] = {0, 0, 0, 0};
    int rc = lx_class_bits(x, fl, bits);
    if (rc == CLASS_FAIL) return;
    if (rc == CLASS_UNKNOWN) {
        lx_set_break(o);
        return;
    }
    lx_bits(x, bits, o);
}

static int lx_class_bits(struct lx *x, unsigned fl, uint64_t bits[4])
{
    const char *p = x->p;
    size_t n = x->n;
    bool unknown = false, neg = false, first = true;
    x->i++;
    for (; x->i < n; x->i++) { /* /xx blanks and '^' before the first member */
        if ((fl & FL_XX) && (p[x->i] == ' ' || p[x->i] == '\t')) continue;
        if (p[x->i] != '^' || neg) break;
        neg = true;
    }
    for (;;) {
        if (x->i >= n) {
            x->fail = true;
            return CLASS_FAIL;
        }
        unsigned char c = (unsigned char)p[x->i];
        if (c == ']' && !first) {
            x->i++;
            break;
        }
        first = false;
        if ((fl & FL_XX) && (c == ' ' || c == '\t')) {
            x->i++;
            continue;
        }
        int lo = -1;
        if (c == '[' && x->i + 1 < n &&
            (p[x->i + 1] == ':' || p[x->i + 1] == '.' || p[x->i + 1] == '=')) {
            char k = p[x->i + 1];
            size_t j = x->i + 2;
            while (j + 1 < n && !(p[j] == k && p[j + 1] == ']') && p[j] != ']')
                j++;
            if (j + 1 < n && p[j] == k && p[j + 1] == ']') {
                if (k != ':' || !posix_bits(p + x->i + 2, j - x->i - 2, bits)) unknown = true;
                x->i = j + 2;
                continue;
            }
            lo = '[';
            x->i++;
        } else if (c == '\\') {
            if (x->i + 1 >= n) {
                x->fail = true;
                return CLASS_FAIL;
            }
            unsigned char d = (unsigned char)p[x->i + 1];
            if (class_escape_bits(d, bits)) {
                x->i += 2;
                if (x->i < n && p[x->i] == '-' && x->i + 1 < n && p[x->i + 1] != ']')
                    unknown = true; /* "\d-x": let nothing depend on it */
                continue;
            }
            if (d == 'b') {
                lo = 8;
                x->i += 2;
            } else if (d == 'p' || d == 'P') {
                unknown = true;
                x->i += 2;
                if (x->i < n && p[x->i] == '{') {
                    const char *e = memchr(p + x->i, '}', n - x->i);
                    x->i = e ? (size_t)(e - p) + 1 : n;
                } else if (x->i < n) {
                    x->i++;
                }
                continue;
            } else if (d >= '1' && d <= '7') {
                unsigned v = 0;
                size_t j = x->i + 1;
                for (int k = 0; k < 3 && j < n && p[j] >= '0' && p[j] <= '7'; k++, j++)
                    v = v * 8 + (unsigned)(p[j] - '0');
                if (v > 0xFF) {
                    x->fail = true;
                    return CLASS_FAIL;
                }
                lo = (int)v;
                x->i = j;
            } else {
                lo = lx_char_escape(x);
                if (lo < 0) {
                    x->fail = true;
                    return CLASS_FAIL;
                }
            }
        } else {
            lo = c;
            x->i++;
        }
        int hi = lo;
        if (x->i + 1 < n && p[x->i] == '-' && p[x->i + 1] != ']') {
            x->i++;
            unsigned char h = (unsigned char)p[x->i];
            if (h == '\\') {
                if (x->i + 1 < n && (class_escape_bits((unsigned char)p[x->i + 1], bits) ||
                                     p[x->i + 1] == 'p' || p[x->i + 1] == 'P')) {
                    x->fail = true; /* "a-\d": not worth modelling */
                    return CLASS_FAIL;
                }
                if (x->i + 1 < n && p[x->i + 1] == 'b') {
                    hi = 8;
                    x->i += 2;
                } else if (x->i + 1 < n && p[x->i + 1] >= '1' && p[x->i + 1] <= '7') {
                    unsigned v = 0;
                    size_t j = x->i + 1;
                    for (int k = 0; k < 3 && j < n && p[j] >= '0' && p[j] <= '7'; k++, j++)
                        v = v * 8 + (unsigned)(p[j] - '0');
                    hi = (int)v;
                    x->i = j;
                } else {
                    hi = lx_char_escape(x);
                }
            } else if (h == '[' && x->i + 1 < n && p[x->i + 1] == ':') {
                x->fail = true;
                return CLASS_FAIL;
            } else {
                hi = h;
                x->i++;
            }
            if (hi < 0 || hi > 0xFF || hi < lo) {
                x->fail = true;
                return CLASS_FAIL;
            }
        }
        for (int b = lo; b <= hi; b++)
            bits_set(bits, (unsigned)b);
    }
    if (unknown) return CLASS_UNKNOWN;
    if (fl & FL_I) bits_fold(bits);
    if (neg)
        for (int k = 0; k < 4; k++)
            bits[k] = ~bits[k];
    return CLASS_OK;
}

static void lx_alt(struct lx *x, unsigned *fl, linfo *out);

/* Skips to just past the next ')' (for names and conditions). */
static void lx_skip_paren(struct lx *x)
{
    const char *e = memchr(x->p + x->i, ')', x->n - x->i);
    if (!e) {
        x->fail = true;
        return;
    }
    x->i = (size_t)(e - x->p) + 1;
}

/* Group body up to and including ')'. */
static void lx_inner(struct lx *x, unsigned fl, linfo *o)
{
    if (++x->depth > LX_MAX_DEPTH) {
        x->fail = true;
        return;
    }
    unsigned f2 = fl;
    lx_alt(x, &f2, o);
    x->depth--;
    if (x->fail) return;
    if (x->i >= x->n || x->p[x->i] != ')') {
        x->fail = true;
        return;
    }
    x->i++;
}

/* A group at x->i ('('). Returns false when it is no atom (comment, flags). */
static bool lx_group(struct lx *x, unsigned *fl, linfo *o)
{
    const char *p = x->p;
    size_t n = x->n, at = x->i;
    char c1 = at + 1 < n ? p[at + 1] : 0, c2 = at + 2 < n ? p[at + 2] : 0,
         c3 = at + 3 < n ? p[at + 3] : 0;
    if (c1 == '*') {
        size_t j = at + 2, k = j;
        while (k < n && is_word_byte((unsigned char)p[k]))
            k++;
        if (k - j == 6 && memcmp(p + j, "ACCEPT", 6) == 0) {
            x->fail = true; /* ends the match early: literals after it are not required */
            return false;
        }
        if (k > j && p[j] >= 'a' && p[j] <= 'z') {
            x->i = k + 1;
            lx_inner(x, *fl, o);
            if (!(k - j == 6 && memcmp(p + j, "atomic", 6) == 0)) lx_set_break(o);
            return true;
        }
        x->i = at + 1;
        lx_skip_paren(x);
        lx_set_break(o);
        return true;
    }
    if (c1 != '?') {
        x->i = at + 1;
        lx_inner(x, *fl, o);
        return true;
    }
    switch (c2) {
    case '#':
        lx_skip_paren(x);
        return false;
    case ':':
    case '|':
    case '>':
        x->i = at + 3;
        lx_inner(x, *fl, o);
        return true;
    case '=':
    case '!':
        x->i = at + 3;
        lx_inner(x, *fl, o);
        lx_set_break(o);
        return true;
    case '<':
        if (c3 == '=' || c3 == '!') {
            x->i = at + 4;
            lx_inner(x, *fl, o);
            lx_set_break(o);
            return true;
        }
        {
            const char *e = memchr(p + at + 3, '>', n - at - 3);
            if (!e) break;
            x->i = (size_t)(e - p) + 1;
            lx_inner(x, *fl, o);
            return true;
        }
    case '\'': {
        const char *e = memchr(p + at + 3, '\'', n - at - 3);
        if (!e) break;
        x->i = (size_t)(e - p) + 1;
        lx_inner(x, *fl, o);
        return true;
    }
    case 'P':
        if (c3 == '<') {
            const char *e = memchr(p + at + 4, '>', n - at - 4);
            if (!e) break;
            x->i = (size_t)(e - p) + 1;
            lx_inner(x, *fl, o);
            return true;
        }
        x->i = at + 1;
        lx_skip_paren(x);
        lx_set_break(o);
        return true;
    case '(': {
        /* conditional: the condition, then yes|no */
        x->i = at + 2;
        if (c3 == '?' || c3 == '*') {
            linfo cond;
            unsigned f2 = *fl;
            if (++x->depth > LX_MAX_DEPTH) {
                x->fail = true;
                return false;
            }
            lx_group(x, &f2, &cond);
            x->depth--;
        } else {
            lx_skip_paren(x);
        }
        if (x->fail) return false;
        lx_inner(x, *fl, o);
        lx_set_break(o);
        return true;
    }
    case 'R':
    case '&':
    case '+':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9':
        x->i = at + 1;
        lx_skip_paren(x);
        lx_set_break(o);
        return true;
    default:
        break;
    }
    if (c2 == '-' && is_digit((unsigned char)c3)) {
        x->i = at + 1;
        lx_skip_paren(x);
        lx_set_break(o);
        return true;
    }
    /* inline flags */
    size_t k = at + 2;
    unsigned nw = *fl;
    bool off = false;
    for (; k < n && (p[k] == '^' || p[k] == '-' || (p[k] >= 'a' && p[k] <= 'z')); k++) {
        switch (p[k]) {
        case '^':
            nw &= ~(unsigned)(FL_I | FL_X | FL_XX | FL_M | FL_S);
            break;
        case '-':
            off = true;
            break;
        case 'i':
            if (off)
                nw &= ~(unsigned)FL_I;
            else
                nw |= FL_I;
            break;
        case 'x':
            if (off)
                nw &= ~(unsigned)(FL_X | FL_XX);
            else if (k > at + 2 && p[k - 1] == 'x')
                nw |= FL_XX;
            else
                nw |= FL_X;
            break;
        case 'm':
        case 's':
        case 'n':
            break;
        default:
            x->fail = true;
            return false;
        }
    }
    if (k < n && p[k] == ')') {
        *fl = nw;
        x->i = k + 1;
        return false;
    }
    if (k < n && p[k] == ':') {
        x->i = k + 1;
        lx_inner(x, nw, o);
        return true;
    }
    x->fail = true;
    return false;
}

/* An escape outside a class at x->i. */
static void lx_escape(struct lx *x, unsigned fl, linfo *o)
{
    const char *p = x->p;
    size_t n = x->n, at = x->i;
    if (at + 1 >= n) {
        x->fail = true;
        return;
    }
    unsigned char d = (unsigned char)p[at + 1];
    switch (d) {
    case 'b':
    case 'B':
    case 'A':
    case 'z':
    case 'Z':
    case 'G':
    case 'K':
        x->i = at + 2;
        lx_set_empty(o);
        return;
    case 'N':
    case 'R':
    case 'X':
    case 'C':
        x->i = at + 2;
        lx_set_break(o);
        return;
    case 'E':
        x->i = at + 2;
        lx_set_empty(o);
        return;
    case 'p':
    case 'P':
        x->i = at + 2;
        if (x->i < n && p[x->i] == '{') {
            const char *e = memchr(p + x->i, '}', n - x->i);
            x->i = e ? (size_t)(e - p) + 1 : n;
        } else if (x->i < n) {
            x->i++;
        }
        lx_set_break(o);
        return;
    case 'g':
    case 'k': {
        size_t j = at + 2;
        if (j < n && (p[j] == '{' || p[j] == '<' || p[j] == '\'')) {
            char c = p[j] == '{' ? '}' : p[j] == '<' ? '>' : '\'';
            const char *e = memchr(p + j + 1, c, n - j - 1);
            j = e ? (size_t)(e - p) + 1 : n;
        } else {
            if (j < n && (p[j] == '-' || p[j] == '+')) j++;
            while (j < n && is_digit((unsigned char)p[j]))
                j++;
        }
        x->i = j;
        lx_set_break(o);
        return;
    }
    default:
        break;
    }
    if (d >= '1' && d <= '9') {
        size_t j = at + 1;
        while (j < n && is_digit((unsigned char)p[j]))
            j++;
        x->i = j;
        lx_set_break(o);
        return;
    }
    uint64_t bits[4] = {0, 0, 0, 0};
    if (class_escape_bits(d, bits)) {
        x->i = at + 2;
        lx_bits(x, bits, o);
        return;
    }
    int v = lx_char_escape(x);
    if (v < 0) {
        x->fail = true;
        return;
    }
    lx_char(x, (unsigned)v, fl, o);
}

/* A quantifier at x->i, if any. */
static bool lx_quant(struct lx *x, unsigned fl, unsigned *qmin, unsigned *qmax)
{
    lx_skip(x, fl);
    if (x->fail || x->i >= x->n) return false;
    const char *p = x->p;
    size_t n = x->n, i = x->i;
    char c = p[i];
    if (c == '*') {
        *qmin = 0, *qmax = LX_INF, i++;
    } else if (c == '+') {
        *qmin = 1, *qmax = LX_INF, i++;
    } else if (c == '?') {
        *qmin = 0, *qmax = 1, i++;
    } else if (c == '{') {
        size_t j = i + 1;
        unsigned a = 0, b;
        size_t nd = 0;
        while (j < n && is_digit((unsigned char)p[j])) {
            if (a < 100000) a = a * 10 + (unsigned)(p[j] - '0');
            j++, nd++;
        }
        if (!nd) return false;
        b = a;
        if (j < n && p[j] == ',') {
            j++;
            size_t md = 0;
            b = 0;
            while (j < n && is_digit((unsigned char)p[j])) {
                if (b < 100000) b = b * 10 + (unsigned)(p[j] - '0');
                j++, md++;
            }
            if (!md) b = LX_INF;
        }
        if (j >= n || p[j] != '}') return false;
        *qmin = a, *qmax = b;
        i = j + 1;
    } else {
        return false;
    }
    if (i < n && (p[i] == '?' || p[i] == '+')) i++;
    x->i = i;
    lx_skip(x, fl);
    if (x->i < n) {
        char d = p[x->i];
        if (d == '*' || d == '+' || d == '?' ||
            (d == '{' && x->i + 1 < n && is_digit((unsigned char)p[x->i + 1])))
            x->fail = true; /* a quantifier on a quantifier: do not guess */
    }
    return true;
}

#define LX_ACCS 8

/* A concatenation being read. Besides the product of everything since the
 * last break (which tells whether the whole sequence is exact), products are
 * started at every item next to a multi-string one, so that "\\sfoo" offers
 * "foo" and "[ (](?:post|mail)\\.com" offers {post.com, mail.com}. */
struct seq {
    lset acc;   /* exact product since the last break */
    bool exact; /* no break so far: acc is the whole sequence */
    lset best;
    unsigned best_reps; /* as linfo's */
    lset best2;         /* as linfo's */
    lset part[LX_ACCS]; /* products started later than acc */
    unsigned n_part;
    unsigned prev_n; /* string count of the previous item */
    bool none;       /* an item matches nothing: so does the sequence */
};

static void seq_flush(const struct lx *x, struct seq *s)
{
    pair_offer(x, &s->best, &s->best_reps, &s->best2, &s->acc, 1);
    for (unsigned k = 0; k < s->n_part; k++)
        pair_offer(x, &s->best, &s->best_reps, &s->best2, &s->part[k], 1);
}

static void seq_push(struct lx *x, struct seq *s, const linfo *a)
{
    static const lset empty = {1, {{"", 0, false}}};
    if (s->none) return;
    if (lx_is_none(a)) {
        s->none = true;
        return;
    }
    seq_flush(x, s);
    /* a's clauses are required in a match of the sequence as in one of a */
    if (a->best2.n) pair_offer(x, &s->best, &s->best_reps, &s->best2, &a->best2, 1);
    if (!a->exact) {
        if (a->has_best) pair_offer(x, &s->best, &s->best_reps, &s->best2, &a->best, a->best_reps);
        s->exact = false;
        lset_copy(&s->acc, &empty);
        s->n_part = 0;
        s->prev_n = 0;
        return;
    }
    lset prod;
    if (lset_cross(x, &s->acc, &a->ex, &prod)) {
        lset_copy(&s->acc, &prod);
    } else {
        s->exact = false;
        lset_copy(&s->acc, &a->ex);
    }
    unsigned w = 0;
    for (unsigned k = 0; k < s->n_part; k++)
        if (lset_cross(x, &s->part[k], &a->ex, &prod)) lset_copy(&s->part[w++], &prod);
    s->n_part = w;
    if (a->ex.n > 1 || s->prev_n > 1) {
        if (s->n_part == LX_ACCS) {
            for (unsigned k = 0; k + 1 < LX_ACCS; k++)
                lset_copy(&s->part[k], &s->part[k + 1]);
            s->n_part--;
        }
        lset_copy(&s->part[s->n_part++], &a->ex);
    }
    s->prev_n = a->ex.n;
}

static void lx_seq(struct lx *x, unsigned *fl, linfo *out)
{
    struct seq s;
    s.acc.n = 1;
    s.acc.v[0] = (lstr){"", 0, false};
    s.exact = true;
    s.best.n = 0;
    s.best_reps = 0;
    s.best2.n = 0;
    s.n_part = 0;
    s.prev_n = 0;
    s.none = false;
    linfo brk;
    lx_set_break(&brk);
    while (!x->fail) {
        lx_skip(x, *fl);
        if (x->fail || x->i >= x->n || x->p[x->i] == '|' || x->p[x->i] == ')') break;
        linfo a;
        unsigned char c = (unsigned char)x->p[x->i];
        bool have = true;
        switch (c) {
        case '(':
            have = lx_group(x, fl, &a);
            break;
        case '[':
            lx_class(x, *fl, &a);
            break;
        case '.':
            x->i++;
            lx_set_break(&a);
            break;
        case '^':
        case '$':
            x->i++;
            lx_set_empty(&a);
            break;
        case '\\':
            lx_escape(x, *fl, &a);
            break;
        case '*':
        case '+':
        case '?':
            x->fail = true;
            break;
        default:
            x->i++;
            lx_char(x, c, *fl, &a);
            break;
        }
        if (x->fail) break;
        if (!have) continue;
        unsigned qmin, qmax;
        if (!lx_quant(x, *fl, &qmin, &qmax)) {
            if (x->fail) break;
            seq_push(x, &s, &a);
            continue;
        }
        if (x->fail) break;
        if (x->collapse && lx_is_one_byte(&a)) {
            /* once runs are collapsed, c{m,n} is c, and c{0,n} c or nothing */
            if (qmin == 0) lset_add(&a.ex, (lstr){"", 0, false}, x->max);
            seq_push(x, &s, &a);
        } else if (lx_is_empty(&a) || (lx_is_none(&a) && qmin == 0)) {
            lx_set_empty(&a); /* (empty)* and (nothing){0,n} match only "" */
            seq_push(x, &s, &a);
        } else if (qmin == 0 && qmax == 1) {
            linfo o;
            linfo_copy(&o, &a);
            o.has_best = false;
            o.best2.n = 0;
            lstr empty = {"", 0, false};
            if (!a.exact || !lset_add(&o.ex, empty, x->max)) lx_set_break(&o);
            seq_push(x, &s, &o);
        } else if (qmin == 0) {
            seq_push(x, &s, &brk);
        } else {
            unsigned k = qmin < LX_MAX_REPEAT ? qmin : LX_MAX_REPEAT;
            if (!a.exact) k = 1;
            if (!a.exact && a.has_best && qmin >= 2) {
                /* the copies match one after the other, each holding its
                 * own occurrences: qmin times as many, none overlapping */
                unsigned r = a.best_reps ? a.best_reps : 1;
                unsigned long long t = (unsigned long long)r * qmin;
                a.best_reps = t > LX_MAX_REPS ? LX_MAX_REPS : (unsigned)t;
            }
            for (unsigned r = 0; r < k; r++)
                seq_push(x, &s, &a);
            if (qmax != qmin || k < qmin) {
                seq_push(x, &s, &brk);
                /* the last of the j >= qmin copies ends where the next item
                 * starts: "ad+res" holds "dres" as well as "ad" */
                if (a.exact) seq_push(x, &s, &a);
            }
        }
    }
    if (s.none) {
        lx_set_none(out);
        return;
    }
    seq_flush(x, &s);
    linfo_clear(out);
    out->exact = s.exact;
    if (s.exact) lset_copy(&out->ex, &s.acc);
    lset_copy(&out->best, &s.best);
    out->best_reps = s.best_reps;
    out->has_best = s.best.n > 0;
    if (out->has_best) lset_copy(&out->best2, &s.best2);
}

static void lx_alt(struct lx *x, unsigned *fl, linfo *out)
{
    bool all_exact = true, best_ok = true, two_ok = x->two, any2 = false;
    lset uex, ubest, ubest2;
    uex.n = 0;
    ubest.n = 0;
    ubest2.n = 0;
    unsigned reps = LX_MAX_REPS; /* the fewest of any branch */
    for (;;) {
        linfo b;
        lx_seq(x, fl, &b);
        if (x->fail) return;
        if (lx_is_none(&b)) { /* a branch that cannot match adds nothing */
            if (x->i < x->n && x->p[x->i] == '|') {
                x->i++;
                continue;
            }
            break;
        }
        if (all_exact && (!b.exact || !lset_union_exact(&uex, &b.ex, x->max))) all_exact = false;
        /* the second clauses' union, a branch without one giving its best
         * (required too): (free money|cheap pills) needs {free, cheap} and
         * {money, pills}. Begun at the first branch with a second clause,
         * from the union of the bests before it (a clause of those
         * branches): an alternation of words has none, and costs nothing.
         * Too many strings are cut to a common length, not shortened one
         * by one (clause_shorten: start-up time). */
        if (two_ok) {
            if (!best_ok || !b.has_best) {
                two_ok = false;
            } else if (b.best2.n || any2) {
                if (!any2) lset_copy(&ubest2, &ubest);
                any2 = true;
                if (!lset_union_clause(&ubest2, b.best2.n ? &b.best2 : &b.best, x->max, false))
                    two_ok = false;
            }
        }
        if (best_ok &&
            (!b.has_best || !lset_union_clause(&ubest, &b.best, x->max, !x->fold && !lx_bytes)))
            best_ok = false;
        unsigned br = b.best_reps ? b.best_reps : 1;
        if (br < reps) reps = br;
        if (x->i < x->n && x->p[x->i] == '|') {
            x->i++;
            continue;
        }
        break;
    }
    linfo_clear(out);
    out->exact = all_exact;
    if (all_exact) lset_copy(&out->ex, &uex);
    if (best_ok) {
        lset_copy(&out->best, &ubest);
        out->best_reps = reps;
        if (two_ok && any2 && lset_apart(&ubest, &ubest2)) lset_copy(&out->best2, &ubest2);
    }
    if (all_exact) pair_offer(x, &out->best, &out->best_reps, &out->best2, &uex, 1);
    out->has_best = out->best.n > 0;
}

/* The second set is looked for in patterns of at most this many bytes: the
 * longer ones are SpamAssassin's look-alike spellings (ReplaceTags, up to
 * 220 KB), with no plain set, whose pairs of clauses cost most of the
 * search's start-up time. */
#define LX_TWO_MAX_PATTERN (16u * 1024u)

/* Set s as one allocation (pointer array, length array, bytes) in *lits
 * and *lens, lowercased when it holds a string compared caselessly (or
 * lower_all), runs collapsed with `collapse`; returns the count (0: none,
 * nothing allocated). */
static size_t set_block(const lset *s, bool lower_all, bool collapse, const char ***lits_out,
                        size_t **lens_out, bool *nocase_out)
{
    size_t m = 0;
    bool nocase = lower_all; /* lowercased literals in a lowercased text: a superset */
    size_t total = 0;
    for (unsigned k = 0; k < s->n; k++) {
        nocase |= s->v[k].ci;
        total += s->v[k].len;
    }
    /* one block: pointer array, length array, bytes */
    size_t hdr = s->n * (sizeof(char *) + sizeof(size_t));
    char *blk = xmalloc(hdr + total + 1);
    const char **lits = (const char **)(void *)blk;
    size_t *lens = (size_t *)(void *)(blk + s->n * sizeof(char *));
    char *data = blk + hdr;
    size_t off = 0;
    for (unsigned k = 0; k < s->n; k++) {
        char *d = data + off;
        memcpy(d, s->v[k].s, s->v[k].len);
        if (nocase)
            for (size_t j = 0; j < s->v[k].len; j++)
                d[j] = (char)lower((unsigned char)d[j]);
        size_t len = s->v[k].len;
        if (collapse) { /* the literal as sare_fold would leave it */
            size_t o = 0;
            for (size_t j = 0; j < len; j++)
                if (!o || d[o - 1] != d[j]) d[o++] = d[j];
            len = o;
            if (len < 2) { /* too short to be of use: no set */
                m = 0;
                nocase = false;
                break;
            }
        }
        bool dup = false;
        for (size_t j = 0; j < m && !dup; j++)
            dup = lens[j] == len && memcmp(lits[j], d, len) == 0;
        if (dup) continue;
        lits[m] = d;
        lens[m] = len;
        off += len;
        m++;
    }
    if (!m) free(blk);
    *lits_out = m ? lits : NULL;
    *lens_out = m ? lens : NULL;
    *nocase_out = nocase;
    return m;
}

/* The best literal set of pattern (pat,n) — of its image in `fold`, when
 * not NULL — as one allocation (set_block) in *lits and *lens; returns the
 * count (0: none). With `two` (extract_set: lits2_out given, the plain
 * analysis, a pattern of at most LX_TWO_MAX_PATTERN bytes), a second set,
 * also required, in *lits2_out and *lens2_out (*n2_out strings; 0: none,
 * and always none without a first set). */
static size_t extract_sets(const char *pat, size_t n, unsigned flags, const unsigned char *fold,
                           unsigned max, bool lower_all, const char ***lits_out, size_t **lens_out,
                           bool *nocase_out, unsigned *reps_out, const char ***lits2_out,
                           size_t **lens2_out, size_t *n2_out, bool two);

/* extract_sets, with a second set where the plain analysis looks for one */
static size_t extract_set(const char *pat, size_t n, unsigned flags, const unsigned char *fold,
                          unsigned max, bool lower_all, const char ***lits_out, size_t **lens_out,
                          bool *nocase_out, unsigned *reps_out, const char ***lits2_out,
                          size_t **lens2_out, size_t *n2_out)
{
    return extract_sets(pat, n, flags, fold, max, lower_all, lits_out, lens_out, nocase_out,
                        reps_out, lits2_out, lens2_out, n2_out,
                        lits2_out && !fold && n <= LX_TWO_MAX_PATTERN);
}

static size_t extract_sets(const char *pat, size_t n, unsigned flags, const unsigned char *fold,
                           unsigned max, bool lower_all, const char ***lits_out, size_t **lens_out,
                           bool *nocase_out, unsigned *reps_out, const char ***lits2_out,
                           size_t **lens2_out, size_t *n2_out, bool two)
{
    struct lx x = {pat,
                   n,
                   0,
                   0,
                   false,
                   NULL,
                   0,
                   fold,
                   fold == fold_map[SARE_FOLD_SQUEEZE],
                   max,
                   lower_all ? FOLD_CASE_MAX_POOL : 0,
                   false,
                   two};
    unsigned fl = flags;
    linfo info;
    size_t m = 0;
    *lits_out = NULL;
    *lens_out = NULL;
    *nocase_out = false;
    if (reps_out) *reps_out = 1;
    if (n2_out) *n2_out = 0;
    if (lits2_out) *lits2_out = NULL;
    if (lens2_out) *lens2_out = NULL;
    lx_alt(&x, &fl, &info);
    if (!x.fail && x.i == n && info.has_best && lset_score(&info.best) != INT_MIN) {
        m = set_block(&info.best, lower_all, x.collapse, lits_out, lens_out, nocase_out);
        /* occurrences apart are counted in a text folded byte for byte: a
         * collapsed run may join the copies' edges, so there only once */
        if (reps_out && m && !x.collapse && info.best_reps > 1) *reps_out = info.best_reps;
        if (m && x.two && info.best2.n && lset_score(&info.best2) != INT_MIN) {
            bool nc2;
            /* collapsed like the first: a squeezed text's runs are */
            *n2_out = set_block(&info.best2, lower_all, x.collapse, lits2_out, lens2_out, &nc2);
        }
    }
    lx_pool_free(&x);
    return m;
}

/* ---------------------------------------------------------------------------
 * Required run (sare_required_run)
 */

#define RUN_MIN 4 /* shorter runs are not worth a pass over the text */

/* byte c into bits, with its other case under /i (as bits_fold) */
static void run_byte(uint64_t bits[4], unsigned c, unsigned fl)
{
    bits_set(bits, c);
    if (!(fl & FL_I)) return;
    if (c >= 'A' && c <= 'Z') bits_set(bits, c + 32);
    if (c >= 'a' && c <= 'z') bits_set(bits, c - 32);
    int o = latin1_other(c);
    if (o >= 0) bits_set(bits, (unsigned)o);
}

/* The end of the group opening at p[i] ('('): the index of its ')', or
 * n when unbalanced or holding \Q. Escapes and classes are passed over. */
static size_t run_group_end(const char *p, size_t n, size_t i)
{
    int depth = 0;
    size_t cls = 0; /* in a class: its '[' + 1 */
    for (; i < n; i++) {
        char ch = p[i];
        if (ch == '\\') {
            if (i + 1 < n && p[i + 1] == 'Q') return n;
            i++;
            continue;
        }
        if (cls) {
            if (sare_class_closes(p, i, cls)) cls = 0;
            continue;
        }
        if (ch == '[')
            cls = i + 1;
        else if (ch == '(')
            depth++;
        else if (ch == ')' && --depth == 0)
            return i;
    }
    return n;
}

/* What run_seq learns of a sequence: the longest run it requires (best,
 * of best_bits), and whether it is one atom matching one byte (of
 * one_bits) among elements of zero width. */
struct run_info {
    size_t best;
    uint64_t best_bits[4];
    /* the rarest one-byte atom (by byte_weight; req_w 0: none) a match
     * passes through at least once */
    int req_w;
    uint64_t req_bits[4];
    int atoms; /* elements that consume: 1 and one_ok, a one-byte atom */
    bool one_ok;
    uint64_t one_bits[4];
};

static bool run_seq(struct lx *x, unsigned fl, size_t end, int depth, struct run_info *ri);

/* the summed byte_weight of a byte set (0: empty), by counting the bytes
 * of each weight: byte_weight_masks[k] holds the bytes of weight
 * byte_weight_of[k] */
static const int byte_weight_of[] = {100, 40, 20, 10, 6, 3, 1};
#define N_BYTE_WEIGHTS (sizeof byte_weight_of / sizeof byte_weight_of[0])
static uint64_t byte_weight_masks[N_BYTE_WEIGHTS][4];
static pthread_once_t byte_weight_once = PTHREAD_ONCE_INIT;

static void byte_weight_init(void)
{
    for (unsigned c = 0; c < 256; c++)
        for (size_t k = 0; k < N_BYTE_WEIGHTS; k++)
            if (byte_weight(c) == byte_weight_of[k]) {
                byte_weight_masks[k][c >> 6] |= (uint64_t)1 << (c & 63);
                break;
            }
}

static int popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ULL);
    x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
    return (int)((x * 0x0101010101010101ULL) >> 56);
}

static int bits_weight(const uint64_t bits[4])
{
    pthread_once(&byte_weight_once, byte_weight_init);
    int w = 0;
    for (size_t k = 0; k < N_BYTE_WEIGHTS; k++)
        for (int j = 0; j < 4; j++)
            w += byte_weight_of[k] * popcount64(bits[j] & byte_weight_masks[k][j]);
    return w;
}

/* One element of a sequence at x->i: 1, an atom that matches exactly one
 * byte (its bytes in bits); 2, of zero width (an anchor, a lookaround); 3,
 * a group that consumes (what a match of it requires merged into *sub when
 * it was analysed: sub->best, and sub->one_ok when it is itself one atom);
 * -1, give up (what is not modelled). x->i moves past the element. */
static int run_elem(struct lx *x, unsigned fl, int depth, uint64_t bits[4], struct run_info *sub)
{
    const char *p = x->p;
    size_t n = x->n, i = x->i;
    unsigned char c = (unsigned char)p[i];
    memset(bits, 0, 4 * sizeof *bits);
    if (c == '[') return lx_class_bits(x, fl, bits) == CLASS_OK ? 1 : -1;
    if (c == '.') {
        x->i++;
        memset(bits, 0xff, 4 * sizeof *bits);
        if (!(fl & FL_S)) bits[0] &= ~((uint64_t)1 << '\n');
        return 1;
    }
    if (c == '^' || c == '$') {
        x->i++;
        return 2;
    }
    if (c == '(') {
        size_t close = run_group_end(p, n, i);
        if (close >= n) return -1;
        size_t body = i + 1;
        bool look = false, plain = true;
        if (i + 2 < n && p[i + 1] == '?') {
            char k = p[i + 2];
            if (k == ':' || k == '>') {
                body = i + 3;
            } else if (k == '=' || k == '!') {
                look = true;
            } else if (k == '<' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '!')) {
                look = true;
            } else if (k == '<' || k == '\'' || (k == 'P' && i + 3 < n && p[i + 3] == '<')) {
                const char *e = memchr(p + i + 3, k == '\'' ? '\'' : '>', close - i - 3);
                if (!e) return -1;
                body = (size_t)(e - p) + 1; /* a named group */
            } else {
                size_t j = i + 2;
                while (j < close && (is_alnum((unsigned char)p[j]) || p[j] == '-' || p[j] == '^'))
                    j++;
                if (j == close) return -1; /* (?i): flags for the rest of the level */
                plain = false;             /* (?i:...), (?#...), (?|...)...: passed over */
            }
        }
        x->i = close + 1;
        if (look) return 2;
        if (!plain || depth >= 8) return 3;
        struct lx y = *x;
        y.i = body;
        memset(sub, 0, sizeof *sub);
        if (!run_seq(&y, fl, close, depth + 1, sub)) memset(sub, 0, sizeof *sub);
        return 3;
    }
    if (c == '\\') {
        if (i + 1 >= n) return -1;
        unsigned char d = (unsigned char)p[i + 1];
        if (class_escape_bits(d, bits)) {
            x->i = i + 2;
            return 1;
        }
        if (strchr("bBAzZG", d)) {
            x->i = i + 2;
            return 2;
        }
        if (is_alnum(d) && !strchr("aefnrtx0oc", d)) return -1; /* \p, \1, \Q, \K... */
        int v = lx_char_escape(x);
        if (v < 0) return -1;
        run_byte(bits, (unsigned)v, fl);
        return 1;
    }
    if (c == '|' || c == ')' || c == '*' || c == '+' || c == '?' || c == '{') return -1;
    x->i++;
    run_byte(bits, c, fl);
    return 1;
}

/* A sequence from x->i to `end` (a group's ')' or the pattern's end):
 * false when it has an alternation at its level or what is not modelled. */
static bool run_seq(struct lx *x, unsigned fl, size_t end, int depth, struct run_info *ri)
{
    struct lx y = *x;
    y.n = end; /* the elements of this level end there */
    memset(ri, 0, sizeof *ri);
    while (y.i < end) {
        if (y.p[y.i] == '|') return false;
        uint64_t bits[4];
        struct run_info sub;
        memset(&sub, 0, sizeof sub);
        int k = run_elem(&y, fl, depth, bits, &sub);
        if (k < 0 || y.fail) return false;
        unsigned qmin = 1, qmax = 1;
        bool q = lx_quant(&y, fl, &qmin, &qmax);
        if (y.fail) return false;
        if (!q && y.i < end && strchr("*+?{", y.p[y.i])) return false; /* a '{' not a quantifier */
        if (k == 2) continue; /* zero width, quantified or not */
        ri->atoms++;
        if (k == 3 && sub.one_ok) { /* a group that is one atom: as the atom */
            k = 1;
            memcpy(bits, sub.one_bits, sizeof sub.one_bits);
        }
        if (k == 1 && qmin == 1 && qmax == 1 && ri->atoms == 1) {
            ri->one_ok = true;
            memcpy(ri->one_bits, bits, sizeof ri->one_bits);
        } else {
            ri->one_ok = false;
        }
        if (qmin == 0 || qmin == LX_INF) continue; /* an element a match may skip */
        /* every match holds a byte of a one-byte atom it cannot skip */
        const uint64_t *req = k == 1 ? bits : (k == 3 && sub.req_w ? sub.req_bits : NULL);
        if (req && y.atoms) {
            int w = bits_weight(req);
            if (w > 0 && (!ri->req_w || w < ri->req_w)) {
                ri->req_w = w;
                memcpy(ri->req_bits, req, sizeof ri->req_bits);
            }
        }
        size_t run = 0;
        const uint64_t *rb = NULL;
        if (k == 1 && qmin >= RUN_MIN) {
            run = qmin;
            rb = bits;
        } else if (k == 3 && sub.best) {
            run = sub.best;
            rb = sub.best_bits;
        }
        if (run > ri->best) {
            ri->best = run;
            memcpy(ri->best_bits, rb, sizeof ri->best_bits);
        }
    }
    if (ri->atoms != 1) ri->one_ok = false;
    return true;
}

/* The longest run of one-byte atoms a match requires: an atom repeated at
 * least RUN_MIN times in a sequence with no alternation, at the top level
 * or in groups a match passes through (not optional, not in an
 * alternation); a group that holds one one-byte atom and assertions, such
 * as (?:(?!--)[-0-9a-f]), counts as that atom. */
static void run_analyse(sare *re, const char *pat, size_t n, unsigned flags)
{
    re->run_min = 0;
    if (flags & (FL_X | FL_XX)) return;
    struct lx x;
    memset(&x, 0, sizeof x);
    x.p = pat;
    x.n = n;
    struct run_info ri;
    if (!run_seq(&x, flags, n, 0, &ri) || !ri.best) return;
    re->run_min = ri.best;
    memcpy(re->run_bytes, ri.best_bits, sizeof ri.best_bits);
}

bool sare_required_run(const sare *re, uint64_t bytes[4], size_t *min)
{
    if (!re || !re->run_min) return false;
    memcpy(bytes, re->run_bytes, sizeof re->run_bytes);
    *min = re->run_min;
    return true;
}

bool sare_has_run(const uint64_t bytes[4], size_t min, const char *p, size_t len)
{
#define IN(c) ((bytes[(unsigned char)(c) >> 6] >> ((unsigned char)(c)&63)) & 1)
    if (min == 0) return true;
    if (!p || len < min) return false;
    /* i: the last byte of a candidate run. A byte outside the class rules
     * out every run through it: the next candidate ends min bytes on. */
    size_t i = min - 1;
    while (i < len) {
        if (!IN(p[i])) {
            i += min;
            continue;
        }
        size_t j = i; /* the run ending at i starts at j */
        while (j > 0 && i - j + 1 < min && IN(p[j - 1]))
            j--;
        if (i - j + 1 >= min) return true;
        i = j + min - 1; /* p[j - 1] is outside: a run starts at j or later */
    }
    return false;
#undef IN
}

/* ---------------------------------------------------------------------------
 * Leading strings (sare_lead_may)
 *
 * A pattern anchored by a leading ^ (without /m) or \A whose beginning is a
 * large alternation of strings, as
 * SpamAssassin writes lists of hosts and addresses
 * (m,^https?://(?:bit\.ly|...|\w+\.page\.link|...)/,i): a match begins with
 * one of a finite set of items, each a string s, or a string s, a run of
 * bytes of one class (min to max of them) and a string t. PCRE2 tries the
 * alternatives one after the other, through a large JIT code that is
 * mostly out of the caches when a rule runs once a text; a hash lookup per
 * length tells the same "no" from a few cache lines. Measured in place (each
 * call timed both ways in turn), over the 2,000 bench messages: cycles a
 * message for __URL_SHORTENER 10,000 -> 3,900, REPTO_419_FRAUD 6,100 ->
 * 600, URI_GOOG_STO_SPAMMY 530 -> 120. It does not pay on a small pattern
 * (FROMSPACE, 149 bytes compiled: 240 -> 400; TVD_FINGER_02, 554 bytes:
 * 87 -> 97; PHISH_AZURE_CLOUDAPP, 807 bytes: 60 -> 33), nor with /m on a
 * text of many lines, looked up at each line start (HEADER_SPAM on ALL:
 * 4,500 -> 10,600): such patterns get none.
 *
 * The items are worked out from the pattern as PCRE2 compiles it: literal
 * bytes, classes (a class of at most LEAD_CLASS_KEYS bytes, caseless
 * pairs counted once, and not repeated: each byte as a string of its own),
 * groups and alternations, quantifiers (a class repeated becomes a run; a
 * group repeated a fixed small number of times is multiplied out; else what
 * follows is not read: the items so far are "open"). Lookarounds, \b, $
 * and the like only narrow the matches: they are passed over as empty.
 * What follows an open item, and a backreference, is not read either: the
 * items require less than the pattern does, never more. */

#define LEAD_MAX_ITEMS 4096 /* items built at any step; more: no lead */
#define LEAD_MIN_ITEMS 16   /* fewer: PCRE2 starts such a pattern fast enough itself */
#define LEAD_MIN_CODE 700u  /* compiled bytes (all parts); less: likewise */
#define LEAD_MAX_LEN 255    /* bytes of an item's s or t */
#define LEAD_MAX_RUNS 64
#define LEAD_MAX_GROUPS 16 /* distinct (s, run) pairs of items with a run */
#define LEAD_CLASS_KEYS 8  /* a class of at most this many bytes becomes strings */
#define LEAD_MAX_DEPTH 64
#define LEAD_MAX_POOL (1024u * 1024u)
#define LEAD_MAX_REPEAT 4 /* (?:X){n,m} multiplied out up to m */
#define LEAD_INF UINT32_MAX

struct lrun {
    uint64_t bits[4];
    uint32_t min, max; /* max LEAD_INF: unbounded */
};

struct litem {
    uint32_t s_off, t_off; /* in lparse.pool */
    uint16_t s_len, t_len;
    int32_t run; /* index in lparse.runs, -1: none (t_len then 0) */
    bool closed; /* what follows in the pattern is still to be appended */
};

struct llang {
    struct litem *v;
    size_t n, cap;
};

struct lparse {
    const char *p;
    size_t n, i;
    unsigned fl;
    bool fail;
    int depth;
    const unsigned char *key; /* byte -> its caseless representative (or itself) */
    char *pool;
    size_t pool_n, pool_cap;
    struct lrun runs[LEAD_MAX_RUNS];
    size_t n_runs;
};

struct lgroup {
    uint32_t s_off;
    uint16_t s_len;
    uint16_t t_max;
    int32_t run;
    bool empty_t;       /* an item of the group has no t: the run decides */
    uint64_t t_lens[4]; /* lengths of its t strings (1 .. 255) */
};

struct lent {
    uint32_t h, off;   /* off in sare_lead.bytes */
    uint16_t len, grp; /* grp 0: a string s of an item without a run; g + 1: a t of group g */
};

struct sare_lead {
    unsigned char key[256];
    char *bytes;
    struct lent *tab; /* open addressing; len 0: empty */
    size_t mask;
    uint64_t lens[4]; /* lengths of the plain strings */
    uint16_t maxlen;
    struct lgroup *g;
    size_t n_g;
    struct lrun *runs;
};

static void lang_free(struct llang *L)
{
    free(L->v);
    L->v = NULL;
    L->n = L->cap = 0;
}

static void lang_push(struct lparse *lp, struct llang *L, struct litem it)
{
    if (L->n >= LEAD_MAX_ITEMS) {
        lp->fail = true;
        return;
    }
    if (L->n == L->cap) {
        L->cap = L->cap ? L->cap * 2 : 8;
        L->v = xrealloc(L->v, L->cap * sizeof *L->v);
    }
    L->v[L->n++] = it;
}

static void lang_eps(struct lparse *lp, struct llang *L, bool closed)
{
    L->n = 0;
    lang_push(lp, L, (struct litem){0, 0, 0, 0, -1, closed});
}

/* copies of a (an) and b (bn) in the pool, one after the other; UINT32_MAX
 * when the pool is full or the string too long */
static uint32_t lead_cat(struct lparse *lp, uint32_t a, size_t an, uint32_t b, size_t bn)
{
    if (an + bn > LEAD_MAX_LEN || lp->pool_n + an + bn > LEAD_MAX_POOL) {
        lp->fail = true;
        return 0;
    }
    if (lp->pool_n + an + bn > lp->pool_cap) {
        lp->pool_cap = (lp->pool_n + an + bn) * 2;
        lp->pool = xrealloc(lp->pool, lp->pool_cap);
    }
    uint32_t off = (uint32_t)lp->pool_n;
    if (an) memmove(lp->pool + off, lp->pool + a, an);
    if (bn) memmove(lp->pool + off + an, lp->pool + b, bn);
    lp->pool_n += an + bn;
    return off;
}

static bool run_has(const struct lrun *r, unsigned char c)
{
    return (r->bits[c >> 6] >> (c & 63)) & 1u;
}

/* out = L followed by A (items of L that are not closed stay as they are) */
static void lang_concat(struct lparse *lp, const struct llang *L, const struct llang *A,
                        struct llang *out)
{
    out->n = 0;
    for (size_t a = 0; a < L->n && !lp->fail; a++) {
        const struct litem *l = &L->v[a];
        if (!l->closed) {
            lang_push(lp, out, *l);
            continue;
        }
        for (size_t b = 0; b < A->n && !lp->fail; b++) {
            const struct litem *x = &A->v[b];
            struct litem r = *l;
            if (l->run < 0) {
                r.s_off = lead_cat(lp, l->s_off, l->s_len, x->s_off, x->s_len);
                r.s_len = (uint16_t)(l->s_len + x->s_len);
                r.run = x->run;
                r.t_off = x->t_off;
                r.t_len = x->t_len;
                r.closed = x->closed;
            } else if (x->run >= 0) {
                r.closed = false; /* a second run: not followed */
            } else if (l->t_len == 0 && x->s_len &&
                       run_has(&lp->runs[l->run], (unsigned char)lp->pool[x->s_off])) {
                r.closed = false; /* t must begin outside the run's class */
            } else {
                r.t_off = lead_cat(lp, l->t_off, l->t_len, x->s_off, x->s_len);
                r.t_len = (uint16_t)(l->t_len + x->s_len);
                r.closed = x->closed;
            }
            lang_push(lp, out, r);
        }
    }
}

static void lang_append(struct lparse *lp, struct llang *dst, const struct llang *src)
{
    for (size_t k = 0; k < src->n && !lp->fail; k++)
        lang_push(lp, dst, src->v[k]);
}

/* L = L repeated n times */
static void lang_power(struct lparse *lp, struct llang *L, unsigned n)
{
    struct llang acc = {0}, tmp = {0};
    lang_eps(lp, &acc, true);
    for (unsigned k = 0; k < n && !lp->fail; k++) {
        lang_concat(lp, &acc, L, &tmp);
        struct llang sw = acc;
        acc = tmp;
        tmp = sw;
    }
    lang_free(&tmp);
    lang_free(L);
    *L = acc;
}

static void lang_bytes(struct lparse *lp, const uint64_t bits[4], struct llang *L)
{
    L->n = 0;
    for (unsigned c = 0; c < 256 && !lp->fail; c++)
        if (((bits[c >> 6] >> (c & 63)) & 1u) && lp->key[c] == c) {
            unsigned char b = (unsigned char)c;
            uint32_t off = (uint32_t)lp->pool_n;
            if (lp->pool_n + 1 > lp->pool_cap) {
                lp->pool_cap = (lp->pool_n + 1) * 2;
                lp->pool = xrealloc(lp->pool, lp->pool_cap);
            }
            lp->pool[lp->pool_n++] = (char)b;
            lang_push(lp, L, (struct litem){off, 0, 1, 0, -1, true});
        }
}

static void lang_run(struct lparse *lp, const uint64_t bits[4], uint32_t min, uint32_t max,
                     struct llang *L)
{
    L->n = 0;
    if (lp->n_runs >= LEAD_MAX_RUNS) {
        lp->fail = true;
        return;
    }
    struct lrun *r = &lp->runs[lp->n_runs];
    memcpy(r->bits, bits, sizeof r->bits);
    r->min = min;
    r->max = max;
    lang_push(lp, L, (struct litem){0, 0, 0, 0, (int32_t)lp->n_runs++, true});
}

static unsigned bits_keys(const struct lparse *lp, const uint64_t bits[4])
{
    unsigned k = 0;
    for (unsigned c = 0; c < 256; c++)
        if (((bits[c >> 6] >> (c & 63)) & 1u) && lp->key[c] == c) k++;
    return k;
}

/* a quantifier at lp->i: true with its bounds (and its ? or + suffix
 * read), false when there is none */
static bool lead_quant(struct lparse *lp, uint32_t *min, uint32_t *max)
{
    const char *p = lp->p;
    size_t n = lp->n, i = lp->i;
    if (i >= n) return false;
    if (p[i] == '?' || p[i] == '*' || p[i] == '+') {
        *min = p[i] == '+' ? 1 : 0;
        *max = p[i] == '?' ? 1 : LEAD_INF;
        i++;
    } else if (p[i] == '{') {
        size_t j = i + 1;
        uint32_t a = 0, b;
        if (j < n && p[j] == ',') {
            lp->fail = true; /* {,m}: a quantifier in new PCRE2 only */
            return false;
        }
        if (j >= n || !is_digit((unsigned char)p[j])) return false;
        while (j < n && is_digit((unsigned char)p[j]) && a < 100000)
            a = a * 10 + (uint32_t)(p[j++] - '0');
        b = a;
        if (j < n && p[j] == ',') {
            j++;
            if (j < n && is_digit((unsigned char)p[j])) {
                b = 0;
                while (j < n && is_digit((unsigned char)p[j]) && b < 100000)
                    b = b * 10 + (uint32_t)(p[j++] - '0');
            } else {
                b = LEAD_INF;
            }
        }
        if (j >= n || p[j] != '}') return false;
        if (b < a) {
            lp->fail = true;
            return false;
        }
        *min = a;
        *max = b;
        i = j + 1;
    } else {
        return false;
    }
    if (i < n && (p[i] == '?' || p[i] == '+')) i++; /* lazy, possessive: the same strings */
    lp->i = i;
    return true;
}

/* past the group whose body starts at lp->i, through its ')' */
static void lead_skip_group(struct lparse *lp)
{
    int d = 1;
    while (lp->i < lp->n && !lp->fail) {
        char c = lp->p[lp->i];
        if (c == '\\') {
            if (lp->i + 1 < lp->n && (lp->p[lp->i + 1] == 'Q' || lp->p[lp->i + 1] == 'E')) break;
            lp->i += 2;
        } else if (c == '[') {
            struct lx x;
            memset(&x, 0, sizeof x);
            x.p = lp->p;
            x.n = lp->n;
            x.i = lp->i;
            uint64_t bits[4] = {0, 0, 0, 0};
            if (lx_class_bits(&x, lp->fl, bits) == CLASS_FAIL) break;
            lp->i = x.i;
        } else if (c == '(') {
            d++;
            lp->i++;
        } else if (c == ')') {
            lp->i++;
            if (--d == 0) return;
        } else {
            lp->i++;
        }
    }
    lp->fail = true;
}

static void lead_alt(struct lparse *lp, struct llang *out);

/* The byte of a plain literal at j (a printable byte that is no
 * metacharacter, or one escaped), its width in *w; -1 when there is none
 * there or a quantifier follows it */
static int lead_plain(const struct lparse *lp, size_t j, size_t *w)
{
    const char *p = lp->p;
    size_t n = lp->n;
    if (j >= n) return -1;
    unsigned char c = (unsigned char)p[j];
    int v;
    if (c == '\\') {
        if (j + 1 >= n) return -1;
        unsigned char d = (unsigned char)p[j + 1];
        if (d < 0x21 || d >= 0x7f || is_alnum(d)) return -1;
        v = d, *w = 2;
    } else {
        if (c < 0x20 || c >= 0x7f || strchr("^$.|?*+()[]{}", c)) return -1;
        v = c, *w = 1;
    }
    if (j + *w < n && strchr("?*+{", p[j + *w])) return -1;
    return v;
}

/* one atom and its quantifier, appended to L (a sequence being built) */
static void lead_atom(struct lparse *lp, struct llang *L)
{
    const char *p = lp->p;
    size_t n = lp->n;
    uint64_t bits[4] = {0, 0, 0, 0};
    bool is_bytes = false, is_any = false;
    struct llang A = {0};
    char c = p[lp->i];
    size_t w0 = 0;
    if (lead_plain(lp, lp->i, &w0) >= 0) {
        /* a run of plain literals: one string, appended once (byte by byte,
         * every item's string was copied at every byte: 4 ms at start-up
         * for REPTO_419_FRAUD's 700 addresses) */
        char run[LEAD_MAX_LEN];
        size_t k = 0, w;
        int v;
        while (k < LEAD_MAX_LEN && (v = lead_plain(lp, lp->i, &w)) >= 0) {
            run[k++] = (char)lp->key[v];
            lp->i += w;
        }
        if (lp->pool_n + k > LEAD_MAX_POOL) {
            lp->fail = true;
            return;
        }
        if (lp->pool_n + k > lp->pool_cap) {
            lp->pool_cap = (lp->pool_n + k) * 2;
            lp->pool = xrealloc(lp->pool, lp->pool_cap);
        }
        uint32_t off = (uint32_t)lp->pool_n;
        memcpy(lp->pool + off, run, k);
        lp->pool_n += k;
        lang_push(lp, &A, (struct litem){off, 0, (uint16_t)k, 0, -1, true});
        struct llang out = {0};
        if (!lp->fail) lang_concat(lp, L, &A, &out);
        lang_free(&A);
        lang_free(L);
        *L = out;
        return;
    }
    if (c == '^' || c == '$') {
        lp->i++;
        lang_eps(lp, &A, true);
    } else if (c == '(') {
        size_t j = lp->i + 1;
        bool look = false;
        if (j < n && p[j] != '?' && p[j] != '*') {
            lp->i = j; /* a capturing group */
        } else if (j + 1 < n && p[j] == '?' && (p[j + 1] == ':' || p[j + 1] == '>')) {
            lp->i = j + 2;
        } else if (j + 1 < n && p[j] == '?' && (p[j + 1] == '=' || p[j + 1] == '!')) {
            lp->i = j + 2, look = true;
        } else if (j + 2 < n && p[j] == '?' && p[j + 1] == '<' &&
                   (p[j + 2] == '=' || p[j + 2] == '!')) {
            lp->i = j + 3, look = true;
        } else if (j + 1 < n && p[j] == '?' &&
                   (p[j + 1] == '<' || p[j + 1] == '\'' || p[j + 1] == 'P')) {
            size_t k = j + 2;
            if (p[j + 1] == 'P') {
                if (k >= n || p[k] != '<') {
                    lp->fail = true;
                    return;
                }
                k++;
            }
            while (k < n && is_word_byte((unsigned char)p[k]))
                k++;
            if (k >= n || (p[k] != '>' && p[k] != '\'')) {
                lp->fail = true;
                return;
            }
            lp->i = k + 1; /* a named group */
        } else {
            lp->fail = true; /* inline flags, conditions, recursion, verbs, comments */
            return;
        }
        if (look) {
            lead_skip_group(lp);
            lang_eps(lp, &A, true);
        } else {
            if (++lp->depth > LEAD_MAX_DEPTH) {
                lp->fail = true;
                return;
            }
            lead_alt(lp, &A);
            lp->depth--;
            if (lp->fail || lp->i >= n || p[lp->i] != ')') {
                lp->fail = true;
                lang_free(&A);
                return;
            }
            lp->i++;
        }
    } else if (c == '[') {
        struct lx x;
        memset(&x, 0, sizeof x);
        x.p = p;
        x.n = n;
        x.i = lp->i;
        int rc = lx_class_bits(&x, lp->fl, bits);
        if (rc == CLASS_FAIL) {
            lp->fail = true;
            return;
        }
        lp->i = x.i;
        if (rc == CLASS_UNKNOWN)
            is_any = true;
        else
            is_bytes = true;
    } else if (c == '.') {
        lp->i++;
        for (unsigned b = 0; b < 256; b++)
            if (b != '\n' || (lp->fl & FL_S)) bits_set(bits, b);
        is_bytes = true;
    } else if (c == '\\') {
        if (lp->i + 1 >= n) {
            lp->fail = true;
            return;
        }
        unsigned char d = (unsigned char)p[lp->i + 1];
        if (class_escape_bits(d, bits)) {
            lp->i += 2;
            is_bytes = true;
        } else if (strchr("bBAzZGK", d)) {
            lp->i += 2;
            lang_eps(lp, &A, true);
        } else if (d >= '1' && d <= '9') {
            lp->i += 2; /* a backreference (PCRE2 reads \1-\9 so): any text */
            while (lp->i < n && is_digit((unsigned char)p[lp->i]))
                lp->i++;
            is_any = true;
        } else if (is_alnum(d) && d != 'x' && d != 'o' && d != 'c' && d != '0' &&
                   !strchr("aefnrt", d)) {
            lp->fail = true; /* \Q, \p, \R, \X, \g, \k ... */
            return;
        } else {
            struct lx x;
            memset(&x, 0, sizeof x);
            x.p = p;
            x.n = n;
            x.i = lp->i;
            int v = lx_char_escape(&x);
            if (v < 0) {
                lp->fail = true;
                return;
            }
            lp->i = x.i;
            bits_set(bits, (unsigned)v);
            if (lp->fl & FL_I) bits_set(bits, char_tables[256 + v]);
            is_bytes = true;
        }
    } else if (c == '*' || c == '+' || c == '?' || c == '|' || c == ')') {
        lp->fail = true;
        return;
    } else {
        lp->i++;
        bits_set(bits, (unsigned char)c);
        if (lp->fl & FL_I) bits_set(bits, char_tables[256 + (unsigned char)c]);
        is_bytes = true;
    }
    if (lp->fail) {
        lang_free(&A);
        return;
    }
    uint32_t min = 1, max = 1;
    bool q = lead_quant(lp, &min, &max);
    if (lp->fail) {
        lang_free(&A);
        return;
    }
    if (is_any) {
        lang_eps(lp, &A, false);
    } else if (is_bytes) {
        if (lp->fl & FL_I)
            for (unsigned b = 0; b < 256; b++)
                if ((bits[b >> 6] >> (b & 63)) & 1u) bits_set(bits, char_tables[256 + b]);
        if (max == 1 && bits_keys(lp, bits) <= LEAD_CLASS_KEYS) {
            lang_bytes(lp, bits, &A);
            if (min == 0) lang_push(lp, &A, (struct litem){0, 0, 0, 0, -1, true});
        } else {
            lang_run(lp, bits, min, max, &A);
        }
    } else if (q) {
        if (max <= LEAD_MAX_REPEAT) {
            struct llang u = {0}, pw = {0};
            for (uint32_t k = min; k <= max && !lp->fail; k++) {
                pw.n = 0;
                lang_append(lp, &pw, &A);
                lang_power(lp, &pw, k);
                lang_append(lp, &u, &pw);
            }
            lang_free(&pw);
            lang_free(&A);
            A = u;
        } else if (min <= LEAD_MAX_REPEAT) {
            lang_power(lp, &A, min); /* then more copies, not followed */
            for (size_t k = 0; k < A.n; k++)
                A.v[k].closed = false;
        } else {
            lang_eps(lp, &A, false);
        }
    }
    struct llang out = {0};
    if (!lp->fail) lang_concat(lp, L, &A, &out);
    lang_free(&A);
    lang_free(L);
    *L = out;
}

static void lead_seq(struct lparse *lp, struct llang *out)
{
    lang_eps(lp, out, true);
    while (!lp->fail && lp->i < lp->n && lp->p[lp->i] != '|' && lp->p[lp->i] != ')')
        lead_atom(lp, out);
}

static void lead_alt(struct lparse *lp, struct llang *out)
{
    out->n = 0;
    struct llang br = {0};
    for (;;) {
        lead_seq(lp, &br);
        lang_append(lp, out, &br);
        if (lp->fail || lp->i >= lp->n || lp->p[lp->i] != '|') break;
        lp->i++;
    }
    lang_free(&br);
}

/* FNV-1a over the caseless representatives of (p,n), seeded by the group */
static uint32_t lead_hash(uint32_t seed, const unsigned char *key, const char *p, size_t n)
{
    uint32_t h = 2166136261u ^ (seed * 0x9E3779B9u);
    for (size_t k = 0; k < n; k++)
        h = (h ^ key[(unsigned char)p[k]]) * 16777619u;
    return h;
}

/* adds string (off,len) of group grp to ld->tab; false when it was there */
static bool lead_insert(struct sare_lead *ld, uint16_t grp, uint32_t off, uint16_t len)
{
    uint32_t h = lead_hash(grp, ld->key, ld->bytes + off, len);
    size_t k = h & ld->mask;
    for (; ld->tab[k].len; k = (k + 1) & ld->mask) {
        const struct lent *e = &ld->tab[k];
        if (e->h == h && e->len == len && e->grp == grp &&
            memcmp(ld->bytes + e->off, ld->bytes + off, len) == 0)
            return false;
    }
    ld->tab[k] = (struct lent){h, off, len, grp};
    return true;
}

static void lead_free(struct sare_lead *ld)
{
    if (!ld) return;
    free(ld->bytes);
    free(ld->tab);
    free(ld->g);
    free(ld->runs);
    free(ld);
}

/* the bytes PCRE2 compiled re to, all parts */
static size_t lead_code_size(const sare *re)
{
    size_t sum = 0;
    for (size_t k = 0; k < re->n_parts; k++) {
        size_t size = 0;
        if (pcre2_pattern_info(re->parts ? re->parts[k] : re->code, PCRE2_INFO_SIZE, &size) == 0)
            sum += size;
    }
    return sum;
}

/* the lead of pattern (pat,n) as PCRE2 compiles it, or NULL */
static struct sare_lead *lead_analyse(const char *pat, size_t n, unsigned flags)
{
    if (flags & (FL_X | FL_XX)) return NULL;
    size_t i;
    if (n >= 1 && pat[0] == '^' && !(flags & FL_M))
        i = 1;
    else if (n >= 2 && pat[0] == '\\' && pat[1] == 'A')
        i = 2;
    else
        return NULL;
    struct sare_lead *ld = xcalloc(1, sizeof *ld);
    for (unsigned c = 0; c < 256; c++) {
        unsigned o = char_tables[256 + c];
        if ((flags & FL_I) && char_tables[256 + o] != c) { /* caseless pairs only */
            free(ld);
            return NULL;
        }
        ld->key[c] = (unsigned char)((flags & FL_I) && o < c ? o : c);
    }
    struct lparse lp;
    memset(&lp, 0, sizeof lp);
    lp.p = pat;
    lp.n = n;
    lp.i = i;
    lp.fl = flags;
    lp.key = ld->key;
    struct llang L = {0};
    lead_seq(&lp, &L);
    size_t cap = 16, count = 0;
    if (lp.fail || lp.i != n) goto fail; /* an alternation at the top: not anchored */
    while (cap < 2 * L.n)
        cap *= 2;
    ld->tab = xcalloc(cap, sizeof *ld->tab);
    ld->mask = cap - 1;
    ld->bytes = xmalloc(lp.pool_n ? lp.pool_n : 1);
    if (lp.pool_n) memcpy(ld->bytes, lp.pool, lp.pool_n);
    ld->runs = xmalloc((lp.n_runs ? lp.n_runs : 1) * sizeof *ld->runs);
    memcpy(ld->runs, lp.runs, lp.n_runs * sizeof *ld->runs);
    ld->g = xmalloc(LEAD_MAX_GROUPS * sizeof *ld->g);
    for (size_t k = 0; k < L.n; k++) {
        const struct litem *it = &L.v[k];
        if (it->s_len == 0 && it->t_len == 0 && (it->run < 0 || lp.runs[it->run].min == 0))
            goto fail; /* an item every text begins with */
        if (it->run < 0) {
            if (lead_insert(ld, 0, it->s_off, it->s_len)) {
                count++;
                ld->lens[it->s_len >> 6] |= (uint64_t)1 << (it->s_len & 63);
                if (it->s_len > ld->maxlen) ld->maxlen = it->s_len;
            }
            continue;
        }
        const struct lrun *ru = &lp.runs[it->run];
        size_t g = 0;
        for (; g < ld->n_g; g++) {
            const struct lgroup *gr = &ld->g[g];
            const struct lrun *rg = &lp.runs[gr->run];
            if (gr->s_len == it->s_len &&
                memcmp(ld->bytes + gr->s_off, ld->bytes + it->s_off, it->s_len) == 0 &&
                rg->min == ru->min && rg->max == ru->max &&
                memcmp(rg->bits, ru->bits, sizeof ru->bits) == 0)
                break;
        }
        if (g == ld->n_g) {
            if (g == LEAD_MAX_GROUPS) goto fail;
            ld->g[ld->n_g++] =
                (struct lgroup){it->s_off, it->s_len, 0, it->run, false, {0, 0, 0, 0}};
        }
        struct lgroup *gr = &ld->g[g];
        if (it->t_len == 0) {
            if (!gr->empty_t) count++;
            gr->empty_t = true;
        } else if (lead_insert(ld, (uint16_t)(g + 1), it->t_off, it->t_len)) {
            count++;
            gr->t_lens[it->t_len >> 6] |= (uint64_t)1 << (it->t_len & 63);
            if (it->t_len > gr->t_max) gr->t_max = it->t_len;
        }
    }
    if (count < LEAD_MIN_ITEMS) goto fail;
    lang_free(&L);
    free(lp.pool);
    return ld;
fail:
    lang_free(&L);
    free(lp.pool);
    lead_free(ld);
    return NULL;
}

/* whether a string of group grp (lengths in lens, at most maxl) begins (p,n) */
static bool lead_find(const struct sare_lead *ld, uint16_t grp, const uint64_t lens[4], size_t maxl,
                      const char *p, size_t n)
{
    uint32_t h = 2166136261u ^ (grp * 0x9E3779B9u);
    size_t m = n < maxl ? n : maxl;
    for (size_t l = 1; l <= m; l++) {
        h = (h ^ ld->key[(unsigned char)p[l - 1]]) * 16777619u;
        if (!((lens[l >> 6] >> (l & 63)) & 1u)) continue;
        for (size_t k = h & ld->mask; ld->tab[k].len; k = (k + 1) & ld->mask) {
            const struct lent *e = &ld->tab[k];
            if (e->h != h || e->len != l || e->grp != grp) continue;
            size_t j = 0;
            while (j < l && ld->key[(unsigned char)p[j]] == (unsigned char)ld->bytes[e->off + j])
                j++;
            if (j == l) return true;
        }
    }
    return false;
}

/* whether an item of ld begins (p,n) */
static bool lead_at(const struct sare_lead *ld, const char *p, size_t n)
{
    if (lead_find(ld, 0, ld->lens, ld->maxlen, p, n)) return true;
    for (size_t g = 0; g < ld->n_g; g++) {
        const struct lgroup *gr = &ld->g[g];
        if (n < gr->s_len) continue;
        size_t j = 0;
        while (j < gr->s_len &&
               ld->key[(unsigned char)p[j]] == (unsigned char)ld->bytes[gr->s_off + j])
            j++;
        if (j < gr->s_len) continue;
        const struct lrun *ru = &ld->runs[gr->run];
        size_t q = gr->s_len, r = 0;
        while (q + r < n && r <= ru->max && run_has(ru, (unsigned char)p[q + r]))
            r++;
        if (r < ru->min) continue;
        if (gr->empty_t) return true; /* the run's first min bytes, whatever follows */
        if (r > ru->max) continue;    /* t begins outside the class: right after the run */
        if (lead_find(ld, (uint16_t)(g + 1), gr->t_lens, gr->t_max, p + q + r, n - q - r))
            return true;
    }
    return false;
}

bool sare_has_lead(const sare *re)
{
    return re && re->lead;
}

bool sare_lead_may(const sare *re, const char *subj, size_t len)
{
    const struct sare_lead *ld = re ? re->lead : NULL;
    if (!ld) return true;
    if (!subj) subj = "", len = 0;
    return lead_at(ld, subj, len);
}

static void extract_literals(sare *re, const char *pat, size_t n, unsigned flags)
{
    re->n_lits = extract_set(pat, n, flags, NULL, LX_MAX, false, &re->lits, &re->lit_lens,
                             &re->nocase, NULL, &re->lits2, &re->lit2_lens, &re->n_lits2);
    if (re->n_lits) return;
    /* kept for sare_fold_analyse */
    re->tpat = xmalloc(n + 1);
    memcpy(re->tpat, pat, n);
    re->tpat[n] = 0;
    re->tlen = n;
}

/* How many \xNN escapes a pattern writes (look-alike spellings write
 * hundreds: a byte alternative for every letter). */
static size_t hex_escapes(const char *p)
{
    size_t n = 0;
    for (const char *q = strstr(p, "\\x"); q; q = strstr(q + 2, "\\x"))
        n++;
    return n;
}

/* Whether sets (a,na) and (b,nb) hold the same strings in the same order. */
static bool set_same(const char *const *a, const size_t *al, size_t na, const char *const *b,
                     const size_t *bl, size_t nb)
{
    if (na != nb) return false;
    for (size_t k = 0; k < na; k++)
        if (al[k] != bl[k] || memcmp(a[k], b[k], al[k]) != 0) return false;
    return true;
}

/* The folded sets of fold f (map: its fold_map, NULL for SARE_FOLD_CASE):
 * the first with `max` strings a set, as the single-set analysis picks it;
 * then the pair analysis (the plain one's second set) with sets of up to
 * LX_WIDE strings, for more required sets: its second, and its first when
 * that is not the same as the first set. Every one of them is required on
 * its own, so the engine tests them all. Sets of LX_MAX strings are short
 * in an alternation of phrases (__PAY_ME's " the ", "me"): the wide pass
 * keeps " the pai" and "pai me", and the pair gives a clause from another
 * part of each phrase. On the bench, the body rules' regex calls on new
 * lines 179,331 -> 172,027 (__PAY_ME 2,220 -> 686, __YOUR_ONAN 3,111 ->
 * 688): 3.62 -> 3.46 million instructions a message; the second pass costs
 * 400 million instructions of start-up (lset_add_h paid back 200 of them).
 * It is not run when the first set's strings are all FOLD_MORE_MIN_LEN bytes
 * or longer: such a set is rare enough in text that the more sets found
 * nothing more on the bench (68 million instructions of start-up saved;
 * with 5, 0.12 million instructions a message lost). */
#define FOLD_MORE_MIN_LEN 6
static void fold_sets(sare *re, unsigned f, const unsigned char *map, unsigned max, bool lower_all)
{
    bool nc;
    re->n_flits[f] = extract_set(re->tpat, re->tlen, re->flags, map, max, lower_all, &re->flits[f],
                                 &re->flit_lens[f], &nc, &re->flit_reps[f], NULL, NULL, NULL);
    if (!re->n_flits[f]) return;
    size_t minlen = SIZE_MAX;
    for (size_t q = 0; q < re->n_flits[f]; q++)
        if (re->flit_lens[f][q] < minlen) minlen = re->flit_lens[f][q];
    if (minlen >= FOLD_MORE_MIN_LEN) return;
    const char **b, **b2;
    size_t *bl, *b2l, nb2;
    size_t nb = extract_sets(re->tpat, re->tlen, re->flags, map, LX_WIDE, lower_all, &b, &bl, &nc,
                             NULL, &b2, &b2l, &nb2, true);
    unsigned k = 0;
    if (nb2) {
        re->fmore[f][k] = b2;
        re->fmore_lens[f][k] = b2l;
        re->n_fmore[f][k++] = nb2;
    }
    if (nb && !set_same(b, bl, nb, re->flits[f], re->flit_lens[f], re->n_flits[f])) {
        re->fmore[f][k] = b;
        re->fmore_lens[f][k] = bl;
        re->n_fmore[f][k++] = nb;
    } else {
        free((void *)b);
    }
}

void sare_fold_analyse(sare *re)
{
    if (!re || !re->tpat) return;
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        if (f == SARE_FOLD_CASE) {
            /* the plain analysis found no set of LX_MAX strings (else there
             * would be no tpat): only the wider limit can give one. Not
             * tried on long patterns (start-up time): those are look-alike
             * spellings with multi-byte alternatives for every letter, whose
             * plain sets explode, and the other folds judge them. */
            if (re->tlen > FOLD_CASE_MAX_PATTERN || hex_escapes(re->tpat) > FOLD_CASE_MAX_HEX)
                continue;
            fold_sets(re, f, NULL, LX_WIDE, true);
            continue;
        }
        fold_sets(re, f, fold_map[f], LX_MAX, false);
        if (!re->n_flits[f]) /* a wider set still beats running on every line */
            fold_sets(re, f, fold_map[f], LX_WIDE, false);
    }
    /* required bytes: the first bytes of a set that may hold one-byte
     * strings (short patterns only: the analysis costs start-up time) */
    if (re->tlen <= BYTES_MAX_PATTERN && hex_escapes(re->tpat) <= FOLD_CASE_MAX_HEX) {
        const char **l;
        size_t *ll;
        bool nc;
        lx_bytes = true;
        size_t n = extract_set(re->tpat, re->tlen, re->flags, NULL, LX_BYTES_MAX, false, &l, &ll,
                               &nc, NULL, NULL, NULL, NULL);
        lx_bytes = false;
        if (n) {
            lset set;
            set.n = 0;
            for (size_t k = 0; k < n && k < LX_CAP; k++)
                set.v[set.n++] = (lstr){l[k], (uint16_t)ll[k], nc};
            memset(re->req_bytes, 0, sizeof re->req_bytes);
            lset_first_bytes(&set, nc, re->req_bytes);
            re->has_req = n <= LX_CAP;
        }
        free((void *)l);
    }
    /* else (a long pattern): the rarest one-byte atom a match passes
     * through, in a sequence with no alternation (run_seq), when rarer
     * than one common byte (ATOM_MAX_WEIGHT) */
    if (!re->has_req && !(re->flags & (FL_X | FL_XX)) && re->tlen <= FOLD_CASE_MAX_PATTERN) {
        struct lx x;
        memset(&x, 0, sizeof x);
        x.p = re->tpat;
        x.n = re->tlen;
        x.atoms = true;
        struct run_info ri;
        if (run_seq(&x, re->flags, re->tlen, 0, &ri) && ri.req_w && ri.req_w < ATOM_MAX_WEIGHT) {
            memcpy(re->req_bytes, ri.req_bits, sizeof re->req_bytes);
            re->has_req = true;
        }
    }
    free(re->tpat);
    re->tpat = NULL;
}

bool sare_required_bytes(const sare *re, uint64_t bytes[4])
{
    if (!re || !re->has_req) return false;
    memcpy(bytes, re->req_bytes, sizeof re->req_bytes);
    return true;
}

/* ---------------------------------------------------------------------------
 * Patterns too large for PCRE2
 *
 * PCRE2 as Debian builds it (LINK_SIZE=2) refuses a compiled pattern over
 * 64 KiB. SpamAssassin's ReplaceTags rules reach that: every letter tag is a
 * 600-byte group, and a fixed repeat such as (?:...){5} is compiled as five
 * copies. Two rewrites keep such a pattern's meaning, tried in this order:
 *  1. subroutines: a group whose text occurs more than once (same text, same
 *     flags), or that a bounded quantifier makes PCRE2 copy, is compiled once
 *     in a (?(DEFINE)...) block appended to the pattern and called as
 *     (?&name) where it stood. PCRE2 (since 10.30) backtracks into a called
 *     group as Perl does; the options in force where the group stood are
 *     restated around it ((?^flags:...)), as a called group keeps those of
 *     its definition. Same matches, same offsets: nothing changes for the
 *     caller.
 *  2. splitting: P(?:A|B)S matches exactly where P(?:A)S or P(?:B)S does, as
 *     long as the group is not under a quantifier that can repeat it, nor in
 *     a lookaround or atomic group. The largest such alternation (or the top
 *     level) is cut into two halves of its branches, each half compiled on
 *     its own (and rewritten again if still too large), at most
 *     SARE_MAX_PARTS parts. sare_match then runs every part and reports the
 *     leftmost match: the smallest start (the same start as Perl's, since a
 *     position matches the whole iff it matches a part), and for parts that
 *     tie, the first part in pattern order — the end may then differ from
 *     Perl's, whose choice also depends on the branches outside the group,
 *     and so may a count of successive matches (tflags multiple). Options
 *     that a (?flags) in an earlier branch set for the later ones are
 *     restated at the start of the second half.
 * Neither is tried on a pattern with backreferences, recursion, subroutine
 * calls, conditionals, backtracking verbs, callouts, \K or \Q (whose meaning
 * depends on group numbers, on where a match was attempted, or on the text
 * around them); such a pattern stays refused, with the reason. The literal
 * prefilter is computed on the pattern as written, so it is the same either
 * way. */

#define BIG_MAX_DEPTH 40      /* nested splits */
#define FACTOR_MIN_LEN 48     /* shorter groups never become subroutines */
#define FACTOR_MAX_NAMES 4000 /* PCRE2 allows 10,000 named groups */
#define FACTOR_NAME "_SaReF"

enum { SG_CAP, SG_NONCAP, SG_ATOMIC, SG_AHEAD, SG_BEHIND, SG_OTHER };

struct sgrp {
    size_t open, body, close; /* '(' ; first byte of the content ; ')' */
    int parent;               /* the enclosing group; -1: the top level */
    unsigned char kind;
    bool possessive;
    unsigned oflags, bflags; /* flags in force at '(' and where the content starts */
    unsigned qmin, qmax;     /* its quantifier ({1,1} when none; UINT_MAX: unbounded) */
    unsigned nbar;           /* '|' at its own level */
};

struct sscan {
    const char *p;
    size_t n;
    struct sgrp *g; /* in order of '(' */
    size_t ng, capg;
    size_t *bar;      /* offsets of the '|' ... */
    int *bar_of;      /* ... the group each separates (-1: top level) ... */
    unsigned *bar_fl; /* ... and the flags in force there */
    size_t nbar, capbar;
    unsigned top_nbar;
    unsigned end_flags; /* flags in force at the end of the pattern */
    const char *stop;   /* why no rewrite is possible, or NULL */
};

static bool sc_space(unsigned char c)
{
    return c == ' ' || (c >= 9 && c <= 13) || c == 0x85; /* PCRE2's /x white space */
}

/* Past /x white space and # comments (when /x is on). */
static size_t sc_skip_x(const struct sscan *s, size_t i, unsigned fl)
{
    if (!(fl & FL_X)) return i;
    while (i < s->n) {
        unsigned char c = (unsigned char)s->p[i];
        if (sc_space(c)) {
            i++;
        } else if (c == '#') {
            const char *e = memchr(s->p + i, '\n', s->n - i);
            i = e ? (size_t)(e - s->p) + 1 : s->n;
        } else {
            break;
        }
    }
    return i;
}

static size_t sc_past(const struct sscan *s, size_t from, char c)
{
    const char *e = from < s->n ? memchr(s->p + from, c, s->n - from) : NULL;
    return e ? (size_t)(e - s->p) + 1 : s->n;
}

/* The quantifier after a group's ')' at i, recorded in g; returns the
 * offset after it. */
static size_t sc_quant(const struct sscan *s, size_t i, unsigned fl, struct sgrp *g)
{
    const char *p = s->p;
    size_t n = s->n, j = sc_skip_x(s, i, fl);
    unsigned a, b;
    g->qmin = g->qmax = 1;
    g->possessive = false;
    if (j >= n) return i;
    if (p[j] == '*') {
        a = 0, b = UINT_MAX, j++;
    } else if (p[j] == '+') {
        a = 1, b = UINT_MAX, j++;
    } else if (p[j] == '?') {
        a = 0, b = 1, j++;
    } else if (p[j] == '{') {
        size_t k = j + 1, nd = 0;
        a = 0;
        for (; k < n && is_digit((unsigned char)p[k]); k++, nd++)
            if (a < 1000000) a = a * 10 + (unsigned)(p[k] - '0');
        if (!nd) return i; /* a literal brace */
        b = a;
        if (k < n && p[k] == ',') {
            k++;
            size_t md = 0;
            b = 0;
            for (; k < n && is_digit((unsigned char)p[k]); k++, md++)
                if (b < 1000000) b = b * 10 + (unsigned)(p[k] - '0');
            if (!md) b = UINT_MAX;
        }
        if (k >= n || p[k] != '}') return i;
        j = k + 1;
    } else {
        return i;
    }
    j = sc_skip_x(s, j, fl);
    if (j < n && p[j] == '+') {
        g->possessive = true;
        j++;
    } else if (j < n && p[j] == '?') {
        j++;
    }
    g->qmin = a;
    g->qmax = b;
    return j;
}

/* An escape outside a class at i. */
static size_t sc_escape(struct sscan *s, size_t i)
{
    const char *p = s->p;
    size_t n = s->n;
    if (i + 1 >= n) return n;
    unsigned char d = (unsigned char)p[i + 1];
    if (d >= '1' && d <= '9') {
        s->stop = "a backreference";
        return n;
    }
    switch (d) {
    case 'g':
    case 'k':
        s->stop = "a backreference or subroutine call";
        return n;
    case 'K':
        s->stop = "\\K";
        return n;
    case 'Q':
        s->stop = "\\Q";
        return n;
    case 'x':
    case 'o':
    case 'p':
    case 'P':
    case 'N':
        if (i + 2 < n && p[i + 2] == '{') return sc_past(s, i + 2, '}');
        return i + 2;
    case 'c':
        return i + 3 < n ? i + 3 : n;
    default:
        return i + 2;
    }
}

/* A class at i ('['), as PCRE2 delimits it (POSIX names included). */
static size_t sc_class(struct sscan *s, size_t i, unsigned fl)
{
    const char *p = s->p;
    size_t n = s->n, j = i + 1;
    bool neg = false;
    for (; j < n; j++) { /* /xx blanks and '^' before the first member */
        if ((fl & FL_XX) && (p[j] == ' ' || p[j] == '\t')) continue;
        if (p[j] != '^' || neg) break;
        neg = true;
    }
    if (j < n && p[j] == ']') j++; /* a literal when first */
    while (j < n) {
        char c = p[j];
        if (c == '\\') {
            if (j + 1 < n && p[j + 1] == 'Q') {
                s->stop = "\\Q";
                return n;
            }
            j += 2;
            continue;
        }
        if (c == ']') return j + 1;
        if (c == '[' && j + 1 < n && (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
            char term = p[j + 1];
            size_t k = j + 2, end = 0;
            for (; k + 1 < n; k++) {
                if (p[k] == '\\' && (p[k + 1] == ']' || p[k + 1] == '\\')) {
                    k++;
                } else if ((p[k] == '[' && p[k + 1] == term) || p[k] == ']') {
                    break;
                } else if (p[k] == term && p[k + 1] == ']') {
                    end = k + 2;
                    break;
                }
            }
            j = end ? end : j + 1;
            continue;
        }
        j++;
    }
    return n;
}

/* Inline option letters p[from..to) applied to fl. */
static unsigned sc_flags(const char *p, size_t from, size_t to, unsigned fl, bool *ok)
{
    bool off = false;
    for (size_t k = from; k < to; k++) {
        unsigned bit = 0;
        switch (p[k]) {
        case '^':
            fl &= ~(unsigned)(FL_I | FL_M | FL_S | FL_X | FL_XX);
            continue;
        case '-':
            off = true;
            continue;
        case 'i':
            bit = FL_I;
            break;
        case 'm':
            bit = FL_M;
            break;
        case 's':
            bit = FL_S;
            break;
        case 'n':
            continue;
        case 'x':
            bit = (k > from && p[k - 1] == 'x' && !off) ? FL_XX : FL_X;
            if (off) bit = FL_X | FL_XX;
            break;
        default:
            *ok = false;
            return fl;
        }
        if (off)
            fl &= ~bit;
        else
            fl |= bit;
    }
    return fl;
}

static int sc_new_group(struct sscan *s, size_t open, size_t body, int parent, unsigned oflags,
                        unsigned bflags, unsigned char kind)
{
    if (s->ng == s->capg) {
        s->capg = s->capg ? s->capg * 2 : 64;
        s->g = xrealloc(s->g, s->capg * sizeof *s->g);
    }
    struct sgrp *g = &s->g[s->ng];
    memset(g, 0, sizeof *g);
    g->open = open;
    g->body = body;
    g->close = s->n;
    g->parent = parent;
    g->kind = kind;
    g->oflags = oflags;
    g->bflags = bflags;
    g->qmin = g->qmax = 1;
    return (int)s->ng++;
}

static bool name_is(const char *p, size_t len, const char *name)
{
    return strlen(name) == len && memcmp(p, name, len) == 0;
}

/* A '(' at i: opens a group (returns the offset of its content) or is a
 * whole item (comment, option setting, verb: returns the offset after it). */
static size_t sc_open(struct sscan *s, size_t i, int *cur, unsigned *fl)
{
    const char *p = s->p;
    size_t n = s->n;
    char c2 = i + 2 < n ? p[i + 2] : 0, c3 = i + 3 < n ? p[i + 3] : 0;
    unsigned char kind = SG_CAP;
    size_t body = i + 1;
    unsigned nfl = *fl;
    if (i + 1 < n && p[i + 1] == '*') {
        size_t j = i + 2, k = j;
        while (k < n && is_word_byte((unsigned char)p[k]))
            k++;
        if (k > j && p[j] >= 'a' && p[j] <= 'z' && k < n && p[k] == ':') {
            const char *w = p + j;
            size_t wl = k - j;
            if (name_is(w, wl, "atomic"))
                kind = SG_ATOMIC;
            else if (name_is(w, wl, "pla") || name_is(w, wl, "nla") ||
                     name_is(w, wl, "positive_lookahead") || name_is(w, wl, "negative_lookahead"))
                kind = SG_AHEAD;
            else if (name_is(w, wl, "plb") || name_is(w, wl, "nlb") ||
                     name_is(w, wl, "positive_lookbehind") || name_is(w, wl, "negative_lookbehind"))
                kind = SG_BEHIND;
            else
                kind = SG_OTHER;
            body = k + 1;
        } else {
            if (!name_is(p + j, k - j, "FAIL") && !name_is(p + j, k - j, "F")) {
                s->stop = "a backtracking verb";
                return n;
            }
            return sc_past(s, i, ')');
        }
    } else if (i + 1 < n && p[i + 1] == '?') {
        switch (c2) {
        case '#':
            return sc_past(s, i, ')');
        case ':':
        case '|':
            kind = SG_NONCAP;
            body = i + 3;
            break;
        case '>':
            kind = SG_ATOMIC;
            body = i + 3;
            break;
        case '=':
        case '!':
            kind = SG_AHEAD;
            body = i + 3;
            break;
        case '*':
            kind = SG_OTHER;
            body = i + 3;
            break;
        case '<':
            if (c3 == '=' || c3 == '!') {
                kind = SG_BEHIND;
                body = i + 4;
            } else if (c3 == '*') {
                kind = SG_OTHER;
                body = i + 4;
            } else {
                body = sc_past(s, i + 3, '>');
            }
            break;
        case '\'':
            body = sc_past(s, i + 3, '\'');
            break;
        case 'P':
            if (c3 == '<') {
                body = sc_past(s, i + 4, '>');
                break;
            }
            s->stop = "a backreference or subroutine call";
            return n;
        case '(':
            s->stop = "a conditional group";
            return n;
        case 'C':
            s->stop = "a callout";
            return n;
        case 'R':
        case '&':
        case '+':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
        case '8':
        case '9':
            s->stop = "recursion or a subroutine call";
            return n;
        default: {
            if (c2 == '-' && is_digit((unsigned char)c3)) {
                s->stop = "recursion or a subroutine call";
                return n;
            }
            size_t k = i + 2;
            while (k < n && (is_alnum((unsigned char)p[k]) || p[k] == '^' || p[k] == '-'))
                k++;
            bool ok = true;
            nfl = sc_flags(p, i + 2, k, *fl, &ok);
            if (!ok || k >= n || (p[k] != ')' && p[k] != ':')) {
                s->stop = "an option setting it does not know";
                return n;
            }
            if (p[k] == ')') { /* for the rest of the enclosing group */
                *fl = nfl;
                return k + 1;
            }
            kind = SG_NONCAP;
            body = k + 1;
            break;
        }
        }
    }
    int gi = sc_new_group(s, i, body, *cur, *fl, nfl, kind);
    *cur = gi;
    *fl = nfl;
    return body;
}

static void scan_free(struct sscan *s)
{
    free(s->g);
    free(s->bar);
    free(s->bar_of);
    free(s->bar_fl);
}

/* Reads the structure of a PCRE2 pattern that PCRE2 parsed without error. */
static void scan_pattern(struct sscan *s, const char *p, size_t n, unsigned flags)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->n = n;
    int cur = -1;
    unsigned fl = flags;
    size_t i = 0;
    while (i < n && !s->stop) {
        unsigned char c = (unsigned char)p[i];
        if ((fl & FL_X) && (sc_space(c) || c == '#')) {
            i = sc_skip_x(s, i, fl);
            continue;
        }
        switch (c) {
        case '\\':
            i = sc_escape(s, i);
            break;
        case '[':
            i = sc_class(s, i, fl);
            break;
        case '(':
            i = sc_open(s, i, &cur, &fl);
            break;
        case ')': {
            if (cur < 0) {
                s->stop = "unbalanced parentheses";
                break;
            }
            struct sgrp *g = &s->g[cur];
            g->close = i;
            fl = g->oflags;
            i = sc_quant(s, i + 1, fl, g);
            cur = g->parent;
            break;
        }
        case '|':
            if (s->nbar == s->capbar) {
                s->capbar = s->capbar ? s->capbar * 2 : 64;
                s->bar = xrealloc(s->bar, s->capbar * sizeof *s->bar);
                s->bar_of = xrealloc(s->bar_of, s->capbar * sizeof *s->bar_of);
                s->bar_fl = xrealloc(s->bar_fl, s->capbar * sizeof *s->bar_fl);
            }
            s->bar[s->nbar] = i;
            s->bar_of[s->nbar] = cur;
            s->bar_fl[s->nbar] = fl;
            s->nbar++;
            if (cur >= 0)
                s->g[cur].nbar++;
            else
                s->top_nbar++;
            i++;
            break;
        default:
            i++;
            break;
        }
    }
    if (!s->stop && cur >= 0) s->stop = "unbalanced parentheses";
    s->end_flags = fl;
}

/* Growing output text. */
struct obuf {
    char *s;
    size_t n, cap;
};

static void ob_put(struct obuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n + 1)
            cap *= 2;
        b->s = xrealloc(b->s, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = '\0';
}

static void ob_str(struct obuf *b, const char *s)
{
    ob_put(b, s, strlen(s));
}

/* "(?^flags" + close: restates the options fl in PCRE2 syntax. */
static void ob_flags(struct obuf *b, unsigned fl, const char *close)
{
    ob_str(b, "(?^");
    if (fl & FL_I) ob_str(b, "i");
    if (fl & FL_M) ob_str(b, "m");
    if (fl & FL_S) ob_str(b, "s");
    if (fl & FL_XX)
        ob_str(b, "xx");
    else if (fl & FL_X)
        ob_str(b, "x");
    ob_str(b, close);
}

/* How many copies of a group PCRE2 compiles for its quantifier. */
static unsigned long q_copies(const struct sgrp *g)
{
    if (g->qmax == UINT_MAX) return g->qmin <= 1 ? 1 : (unsigned long)g->qmin + 1;
    return g->qmax == 0 ? 1 : g->qmax;
}

static unsigned long sat_mul(unsigned long a, unsigned long b)
{
    return (b && a > 1000000000ul / b) ? 1000000000ul : a * b;
}

struct fkey {
    size_t len;
    unsigned flags;
    int first; /* the occurrence whose text defines it */
    int last;
    bool sel;
};

static int cmp_key_len(const void *a, const void *b, void *ctx)
{
    const struct fkey *k = ctx;
    size_t la = k[*(const int *)a].len, lb = k[*(const int *)b].len;
    if (la != lb) return la > lb ? -1 : 1;
    return *(const int *)a - *(const int *)b;
}

/* Copies p[from..to) with every chosen group other than `self` replaced by
 * a call. */
static void factor_emit(const struct sscan *s, const int *okey, const struct fkey *keys,
                        size_t from, size_t to, int self, struct obuf *b)
{
    size_t lo = 0, hi = s->ng; /* the first group opening at or after `from` */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->g[mid].open < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t pos = from;
    for (size_t gi = lo; gi < s->ng && s->g[gi].open < to; gi++) {
        const struct sgrp *g = &s->g[gi];
        if ((int)gi == self || g->open < pos || okey[gi] < 0 || !keys[okey[gi]].sel) continue;
        char call[32];
        int w = snprintf(call, sizeof call, "(?&" FACTOR_NAME "%d)", okey[gi]);
        ob_put(b, s->p + pos, g->open - pos);
        ob_put(b, call, (size_t)w);
        pos = g->close + 1;
    }
    ob_put(b, s->p + pos, to - pos);
}

/* Rewrite 1 (see above): the pattern with repeated groups made subroutines,
 * or NULL when nothing is worth it. */
static char *factor_pattern(const struct sscan *s, size_t *outlen)
{
    const char *p = s->p;
    size_t ng = s->ng;
    if (!ng || memmem(p, s->n, FACTOR_NAME, strlen(FACTOR_NAME))) return NULL;
    int *okey = xmalloc(ng * sizeof *okey);
    int *onext = xmalloc(ng * sizeof *onext);
    bool *behind = xmalloc(ng * sizeof *behind);
    struct fkey *keys = xmalloc(ng * sizeof *keys);
    size_t nkeys = 0, hcap = 64;
    while (hcap < 2 * ng)
        hcap *= 2;
    int *ht = xmalloc(hcap * sizeof *ht);
    for (size_t k = 0; k < hcap; k++)
        ht[k] = -1;
    for (size_t gi = 0; gi < ng; gi++) {
        const struct sgrp *g = &s->g[gi];
        int par = g->parent;
        behind[gi] = par >= 0 && (behind[par] || s->g[par].kind == SG_BEHIND);
        okey[gi] = -1;
        onext[gi] = -1;
        size_t len = g->close + 1 - g->open;
        if (behind[gi] || g->kind == SG_BEHIND || g->kind == SG_OTHER || len < FACTOR_MIN_LEN)
            continue;
        unsigned fl = g->oflags & (FL_I | FL_M | FL_S | FL_X | FL_XX);
        uint64_t h = 1469598103934665603ull ^ fl;
        for (size_t k = 0; k < len; k++)
            h = (h ^ (unsigned char)p[g->open + k]) * 1099511628211ull;
        size_t slot = (size_t)h & (hcap - 1);
        int key = -1;
        for (; ht[slot] >= 0; slot = (slot + 1) & (hcap - 1)) {
            const struct fkey *c = &keys[ht[slot]];
            if (c->len == len && c->flags == fl &&
                memcmp(p + s->g[c->first].open, p + g->open, len) == 0) {
                key = ht[slot];
                break;
            }
        }
        if (key < 0) {
            key = (int)nkeys++;
            keys[key] = (struct fkey){len, fl, (int)gi, (int)gi, false};
            ht[slot] = key;
        } else {
            onext[keys[key].last] = (int)gi;
            keys[key].last = (int)gi;
        }
        okey[gi] = key;
    }
    free(ht);
    /* longest first: a group is weighed after every group around it */
    int *order = xmalloc((nkeys ? nkeys : 1) * sizeof *order);
    for (size_t k = 0; k < nkeys; k++)
        order[k] = (int)k;
    qsort_r(order, nkeys, sizeof *order, cmp_key_len, keys);
    size_t nsel = 0;
    for (size_t r = 0; r < nkeys; r++) {
        struct fkey *k = &keys[order[r]];
        unsigned long copies = 0;
        for (int o = k->first; o >= 0; o = onext[o]) {
            unsigned long c = q_copies(&s->g[o]);
            int y = s->g[o].parent;
            while (y >= 0 && !(okey[y] >= 0 && keys[okey[y]].sel)) {
                c = sat_mul(c, q_copies(&s->g[y]));
                y = s->g[y].parent;
            }
            /* inside a chosen group: counts once, in its definition */
            if (y < 0 || y == keys[okey[y]].first) copies += c;
            if (copies >= 2) break;
        }
        if (copies >= 2) {
            k->sel = true;
            nsel++;
        }
    }
    free(order);
    char *res = NULL;
    if (nsel && nsel <= FACTOR_MAX_NAMES) {
        struct obuf b = {NULL, 0, 0};
        factor_emit(s, okey, keys, 0, s->n, -1, &b);
        if (s->end_flags & FL_X) ob_str(&b, "\n"); /* ends a trailing # comment */
        ob_str(&b, "(?(DEFINE)");
        for (size_t k = 0; k < nkeys; k++) {
            if (!keys[k].sel) continue;
            const struct sgrp *g = &s->g[keys[k].first];
            char name[32];
            snprintf(name, sizeof name, "(?<" FACTOR_NAME "%zu>", k);
            ob_str(&b, name);
            ob_flags(&b, keys[k].flags, ":");
            factor_emit(s, okey, keys, g->open, g->close + 1, keys[k].first, &b);
            ob_str(&b, "))");
        }
        ob_str(&b, ")");
        res = b.s;
        *outlen = b.n;
    }
    free(okey);
    free(onext);
    free(behind);
    free(keys);
    return res;
}

/* Whether splitting group gi (-1: the top level) keeps the pattern's
 * meaning: its branches are alternatives of the whole match. */
static bool split_ok(const struct sscan *s, int gi)
{
    if (gi < 0) return s->top_nbar > 0;
    if (!s->g[gi].nbar) return false;
    for (int a = gi; a >= 0; a = s->g[a].parent) {
        const struct sgrp *x = &s->g[a];
        if ((x->kind != SG_CAP && x->kind != SG_NONCAP) || x->qmax > 1 || x->possessive)
            return false;
    }
    return true;
}

struct parts {
    pcre2_code **v;
    size_t n, cap;
};

static void parts_push(struct parts *ps, pcre2_code *c)
{
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 4;
        ps->v = xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    ps->v[ps->n++] = c;
}

static pcre2_code *pc_compile(const char *p, size_t n, uint32_t opts, int *ec)
{
    PCRE2_SIZE eo;
    return pcre2_compile((PCRE2_SPTR)(n ? p : ""), n, opts, ec, &eo, compile_ctx);
}

/* Compiles a pattern PCRE2 found too large into parts (rewrites 1 and 2).
 * On failure *why says what stopped it. */
static bool big_compile(const char *p, size_t n, unsigned flags, uint32_t opts, int depth,
                        struct parts *out, char *why, size_t whylen)
{
    struct sscan s;
    scan_pattern(&s, p, n, flags);
    if (s.stop) {
        snprintf(why, whylen, "not rewritten: it has %s", s.stop);
        scan_free(&s);
        return false;
    }
    int ec = 0;
    size_t flen;
    char *f = factor_pattern(&s, &flen);
    if (f) {
        pcre2_code *c = pc_compile(f, flen, opts, &ec);
        free(f);
        if (c) {
            parts_push(out, c);
            scan_free(&s);
            return true;
        }
        if (ec != PCRE2_ERROR_PATTERN_TOO_LARGE) {
            snprintf(why, whylen, "rewritten with subroutines, PCRE2 error %d", ec);
            scan_free(&s);
            return false;
        }
    }
    /* the largest alternation that can be cut */
    int best = -2;
    size_t best_size = 0;
    if (split_ok(&s, -1)) best = -1, best_size = n;
    for (size_t gi = 0; gi < s.ng; gi++) {
        size_t sz = s.g[gi].close - s.g[gi].body;
        if (sz > best_size && split_ok(&s, (int)gi)) best = (int)gi, best_size = sz;
    }
    if (best == -2) {
        snprintf(why, whylen,
                 depth ? "a part is still too large after splitting"
                       : "no alternation outside a repeated group or lookaround to split");
        scan_free(&s);
        return false;
    }
    if (depth >= BIG_MAX_DEPTH || out->n + 2 > SARE_MAX_PARTS) {
        snprintf(why, whylen, "would need more than %u parts", SARE_MAX_PARTS);
        scan_free(&s);
        return false;
    }
    size_t body = best < 0 ? 0 : s.g[best].body, close = best < 0 ? n : s.g[best].close;
    size_t mid = body + (close - body) / 2, cut = 0, cut_dist = SIZE_MAX;
    unsigned cut_fl = 0;
    for (size_t k = 0; k < s.nbar; k++) {
        if (s.bar_of[k] != best) continue;
        size_t d = s.bar[k] > mid ? s.bar[k] - mid : mid - s.bar[k];
        if (d < cut_dist) cut = s.bar[k], cut_dist = d, cut_fl = s.bar_fl[k];
    }
    unsigned start_fl = best < 0 ? flags : s.g[best].bflags;
    scan_free(&s);
    /* first half: the branches before the cut; second: those after it, with
     * the options a (?flags) in an earlier branch had set there */
    struct obuf a = {NULL, 0, 0}, b = {NULL, 0, 0};
    ob_put(&a, p, cut);
    ob_put(&a, p + close, n - close);
    ob_put(&b, p, body);
    if (cut_fl != start_fl) ob_flags(&b, cut_fl, ")");
    ob_put(&b, p + cut + 1, n - cut - 1);
    bool ok = true;
    uint32_t popts = opts | PCRE2_USE_OFFSET_LIMIT; /* see match_parts */
    for (int h = 0; h < 2 && ok; h++) {
        const struct obuf *c = h ? &b : &a;
        pcre2_code *code = pc_compile(c->s, c->n, popts, &ec);
        if (code)
            parts_push(out, code);
        else if (ec == PCRE2_ERROR_PATTERN_TOO_LARGE)
            ok = big_compile(c->s, c->n, flags, popts, depth + 1, out, why, whylen);
        else
            ok = false, snprintf(why, whylen, "a split part has PCRE2 error %d", ec);
    }
    free(a.s);
    free(b.s);
    return ok;
}

/* ---------------------------------------------------------------------------
 * Compile and match
 */

static sare *compile_impl(const char *src, size_t len, char *err, size_t errlen, bool once);

sare *sare_compile(const char *src, size_t len, char *err, size_t errlen)
{
    return compile_impl(src, len, err, errlen, false);
}

sare *sare_compile_once(const char *src, size_t len, char *err, size_t errlen)
{
    return compile_impl(src, len, err, errlen, true);
}

static sare *compile_impl(const char *src, size_t len, char *err, size_t errlen, bool once)
{
    if (err && errlen) err[0] = '\0';
    if (!src && len) {
        set_err(err, errlen, "no pattern");
        return NULL;
    }
    if (len > SARE_MAX_PATTERN) {
        set_err(err, errlen, "pattern longer than %u bytes", SARE_MAX_PATTERN);
        return NULL;
    }
    pthread_once(&init_once, init_shared);
    size_t boff, blen;
    unsigned flags;
    if (!split_rule(src, len, &boff, &blen, &flags, err, errlen)) return NULL;

    struct tr t;
    tr_init(&t, src, boff, blen, flags);
    t.err = err;
    t.errlen = errlen;
    sare *re = NULL;
    if (!translate(&t)) goto out;

    uint32_t opts = compile_opts(flags);
    int ec;
    PCRE2_SIZE eo;
    struct parts ps = {NULL, 0, 0};
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)(t.olen ? t.out : ""), t.olen, opts, &ec, &eo, compile_ctx);
    if (!code) {
        PCRE2_UCHAR msg[256];
        if (pcre2_get_error_message(ec, msg, sizeof msg) < 0)
            snprintf((char *)msg, sizeof msg, "error %d", ec);
        size_t at = eo < t.olen ? t.map[eo] : blen;
        char why[160] = "";
        if (ec == PCRE2_ERROR_PATTERN_TOO_LARGE &&
            big_compile(t.out, t.olen, flags, opts, 0, &ps, why, sizeof why)) {
            code = ps.v[0];
        } else {
            for (size_t k = 0; k < ps.n; k++)
                pcre2_code_free(ps.v[k]);
            free(ps.v);
            set_err(err, errlen, "PCRE2: %s at offset %zu%s%s%s", (const char *)msg, boff + at,
                    why[0] ? " (" : "", why, why[0] ? ")" : "");
            goto out;
        }
    }
    re = xcalloc(1, sizeof *re);
    re->code = code;
    re->n_parts = 1;
    if (ps.n > 1) {
        re->parts = ps.v;
        re->n_parts = ps.n;
    } else {
        free(ps.v);
    }
    if (jit_available && !once) /* else interpreted */
        for (size_t k = 0; k < re->n_parts; k++)
            (void)pcre2_jit_compile(re->parts ? re->parts[k] : code, PCRE2_JIT_COMPLETE);
    re->flags = flags;
    if (!once) {
        extract_literals(re, t.out ? t.out : "", t.olen, flags);
        run_analyse(re, t.out ? t.out : "", t.olen, flags);
        re->lead = lead_code_size(re) >= LEAD_MIN_CODE
                       ? lead_analyse(t.out ? t.out : "", t.olen, flags)
                       : NULL;
    }
out:
    free(t.out);
    free(t.map);
    return re;
}

void sare_free(sare *re)
{
    if (!re) return;
    if (re->parts) {
        for (size_t k = 0; k < re->n_parts; k++)
            pcre2_code_free(re->parts[k]);
        free(re->parts);
    } else {
        pcre2_code_free(re->code);
    }
    free((void *)re->lits);
    free((void *)re->lits2);
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        free((void *)re->flits[f]);
        for (unsigned k = 0; k < SARE_FOLD_MORE; k++)
            free((void *)re->fmore[f][k]);
    }
    free(re->tpat);
    lead_free(re->lead);
    free(re);
}

/* A split pattern: the leftmost match of any part; for parts that match at
 * the same start, the first part's. A later part is only asked for a match
 * that starts before the best so far (PCRE2's offset limit). */
static enum sare_rc match_parts(const sare *re, struct tls *t, const char *subj, size_t len,
                                size_t start, size_t *mstart, size_t *mend)
{
    bool found = false, limit = false, error = false;
    size_t bs = 0, be = 0;
    PCRE2_SPTR s = (PCRE2_SPTR)(subj ? subj : "");
    for (size_t k = 0; k < re->n_parts; k++) {
        if (found) {
            if (bs <= start) break;
            pcre2_set_offset_limit(t->mc, bs - 1);
        }
        int rc = pcre2_match(re->parts[k], s, len, start, 0, t->md, t->mc);
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
            size_t ms = ov[0], me = ov[1];
            if (ms > me) ms = me;
            if (!found || ms < bs) bs = ms, be = me, found = true;
        } else if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
                   rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT) {
            limit = true;
        } else if (rc != PCRE2_ERROR_NOMATCH) {
            error = true;
        }
    }
    pcre2_set_offset_limit(t->mc, PCRE2_UNSET);
    if (found) { /* a match of a part is a match of the whole */
        if (mstart) *mstart = bs;
        if (mend) *mend = be;
        return SARE_MATCH;
    }
    return limit ? SARE_LIMIT : error ? SARE_ERROR : SARE_NOMATCH;
}

/* pcre2_match, without its checks of arguments that are always valid here
 * when the pattern has JIT code: pcre2_match with no options does no more
 * than call pcre2_jit_match, and falls back to the interpreter exactly when
 * that answers PCRE2_ERROR_JIT_BADOPTION (no JIT code). */
static int pc_match(const pcre2_code *code, PCRE2_SPTR subj, size_t len, size_t start,
                    pcre2_match_data *md, pcre2_match_context *mc)
{
    if (jit_available) {
        int rc = pcre2_jit_match(code, subj, len, start, 0, md, mc);
        if (rc != PCRE2_ERROR_JIT_BADOPTION) return rc;
    }
    return pcre2_match(code, subj, len, start, 0, md, mc);
}

enum sare_rc sare_match(const sare *re, const char *subj, size_t len, size_t start, size_t *mstart,
                        size_t *mend)
{
    if (!re || (!subj && len) || start > len) return SARE_ERROR;
    struct tls *t = tls_get();
    if (re->n_parts > 1) return match_parts(re, t, subj, len, start, mstart, mend);
    int rc = pc_match(re->code, (PCRE2_SPTR)(subj ? subj : ""), len, start, t->md, t->mc);
    if (rc >= 0) { /* 0: the one-pair ovector was too small for the groups; still a match */
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
        size_t s = ov[0], e = ov[1];
        if (s > e) s = e; /* \K cannot move the start past the end in a Perl-valid pattern */
        if (mstart) *mstart = s;
        if (mend) *mend = e;
        return SARE_MATCH;
    }
    switch (rc) {
    case PCRE2_ERROR_NOMATCH:
        return SARE_NOMATCH;
    case PCRE2_ERROR_MATCHLIMIT:
    case PCRE2_ERROR_DEPTHLIMIT:
    case PCRE2_ERROR_HEAPLIMIT:
    case PCRE2_ERROR_JIT_STACKLIMIT:
        return SARE_LIMIT;
    default:
        return SARE_ERROR;
    }
}

/* ---------------------------------------------------------------------------
 * Start pairs (see saregex.h)
 */

/* bytes of ASCII text among the first bytes PCRE2 may start from: with
 * fewer, it skips the other positions fast enough itself */
#define STARTS_MIN_FIRST 40

struct sare_starts {
    pcre2_code *anc;    /* the pattern, anchored */
    uint64_t one[4];    /* bytes a match can begin with */
    uint64_t two[1024]; /* pairs (256 * first + second) a match can begin with */
    bool empty;         /* a match can be empty (tried at the end of the subject) */
    unsigned nctx;      /* contexts the pairs were judged in (STARTS_CTXS) */
    /* Triples of text bytes (STARTS_TEXT^3), 2 bits each, learned when first
     * met: bit 1 known, bit 2 a match can begin with them. On the bench
     * messages the form-field rules (__FILL_THIS_FORM_SHORT2 and the like)
     * tried about 130 positions a call at about 1,500 instructions each,
     * on common pairs ("a ", "re", "th"); the third byte rules out most of
     * them. Working all triples out at start-up would cost 100 times the
     * pairs; learned here, a triple costs one hard partial match per
     * context once per process. Bits are only ever set, each by the same
     * answer, so threads racing on a word agree (relaxed atomics). 250 KB
     * a pattern. */
    _Atomic uint64_t *tri;
    /* Quadruples, past a triple that can begin a match: a direct-mapped
     * cache of STARTS_QUADS words, each (code + 1) << 1 | can, code the
     * four text bytes' ranks in base STARTS_TEXT (0: empty). A word is
     * written whole, so a thread reads either the old quadruple or the new
     * one, each with its own answer. On the form-field rules a triple
     * lets through "com", "pro", "sta", "use" for "company", "province",
     * "state", "user"; the fourth byte rules out "comm", "prob", "star",
     * "used": callgrind over 300 bench messages, 15,775 -> 9,861 PCRE2
     * attempts (about 1,450 instructions each), 2,750 quadruples asked of
     * PCRE2 (one to three partial matches each). 64 KB a pattern. */
    _Atomic uint32_t *quad;
    /* Line starts: a pattern PCRE2 tries only at the subject's start and
     * after a newline (a leading ^ under /m: PCRE2_INFO_FIRSTCODETYPE 2).
     * No pairs nor triples: the quadruple at each line start, in its one
     * context (none at 0, else a newline), tells whether to try it. On
     * SpamAssassin's __FILL_THIS_FORM_PARTIAL_RAW, /^(?>\s{0,50})<FF_LNNO>?
     * <FF_YOUR>(?:<FF_ALL>... /im on every rawbody text, PCRE2 went
     * through the field names' alternatives at every line start: about
     * 2,000 instructions a line start, 65,000 line starts (1,805 distinct
     * quadruples) in the 2,000 bench messages. */
    bool line;
    /* whose pairs, triples and quadruples judge the starts: this one, or
     * (sare_starts_share) that of a pattern every match begins like */
    const sare_starts *tab;
};
#define STARTS_QUADS 16384u

/* The ASCII text bytes (text_byte) numbered 0 .. STARTS_TEXT - 1 */
#define STARTS_TEXT 100u
static size_t text_rank(unsigned b)
{
    return b >= 0x20 ? (size_t)b - 0x20 + 5 : (size_t)b - 0x09;
}

/* Constructs that look before a match's start or depend on where a search
 * starts, other than \b, \B and ^, in a translated pattern (a false alarm
 * only refuses: "(?<" also opens a named group). */
static bool starts_refused(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            if (i + 1 >= n) return true;
            char d = p[i + 1];
            if (d == 'G' || d == 'K' || d == 'g' || d == 'k') return true;
            i++;
            continue;
        }
        if (p[i] != '(' || i + 1 >= n) continue;
        if (p[i + 1] == '*') return true; /* a verb */
        if (p[i + 1] != '?') continue;
        if (i + 2 >= n) return true;
        char d = p[i + 2];
        if (d && strchr(":=!>|#", d)) continue; /* groups, lookahead, atomic, a comment */
        /* option letters: only setting them ((?i), (?s:...)); unsetting
         * ((?-i), (?^)) may change how a byte's case is judged */
        size_t j = i + 2;
        while (j < n && ((p[j] >= 'a' && p[j] <= 'z') || (p[j] >= 'A' && p[j] <= 'Z')))
            j++;
        if (j == i + 2 || j >= n || (p[j] != ':' && p[j] != ')')) return true;
    }
    return false;
}

/* Can a match begin with (s,n) (the byte before it: ctx, or none when ctx <
 * 0)? A match, a partial match or a limit say it can. */
static bool starts_can(pcre2_code *anc, pcre2_match_data *md, pcre2_match_context *mc, int ctx,
                       const unsigned char *s, size_t n)
{
    unsigned char b[8];
    size_t off = 0;
    if (ctx >= 0) b[off++] = (unsigned char)ctx;
    memcpy(b + off, s, n);
    int rc = pcre2_jit_match(anc, b, off + n, off, PCRE2_PARTIAL_HARD, md, mc);
    return rc != PCRE2_ERROR_NOMATCH;
}

/* The bytes the start pairs are worked out for: ASCII text (tab to CR,
 * space to tilde); any other byte is taken as a possible start. */
static bool text_byte(unsigned b)
{
    return (b >= 0x09 && b <= 0x0D) || (b >= 0x20 && b <= 0x7E);
}

/* the byte before a position, as \b, \B and ^ see it: another byte, a
 * word byte, a newline (multi-line only) */
static const int starts_ctxs[3] = {' ', 'a', '\n'};

static sare_starts *starts_build(const sare *re, const char *src, size_t len, bool lines_only,
                                 const sare_starts *tab);

sare_starts *sare_starts_new(const sare *re, const char *src, size_t len)
{
    return starts_build(re, src, len, false, NULL);
}

sare_starts *sare_starts_lines(const sare *re, const char *src, size_t len)
{
    return starts_build(re, src, len, true, NULL);
}

sare_starts *sare_starts_share(const sare_starts *tab, const sare *re, const char *src, size_t len)
{
    if (!tab || tab->line) return NULL;
    return starts_build(re, src, len, false, tab->tab);
}

/* tab: judge the starts with tab's tables (sare_starts_share), built only
 * the anchored copy */
static sare_starts *starts_build(const sare *re, const char *src, size_t len, bool lines_only,
                                 const sare_starts *tab)
{
    if (!re || !src || re->n_parts > 1 || !jit_available || len > SARE_MAX_PATTERN) return NULL;
    /* PCRE2 starts quickly by itself from a first byte, or a narrow set;
     * with no set of first bytes (a match may start at ^), it fails fast at
     * most positions (an assertion first) */
    uint32_t fct = 0;
    if (pcre2_pattern_info(re->code, PCRE2_INFO_FIRSTCODETYPE, &fct) != 0 || fct == 1) return NULL;
    /* ... or from a set of first bytes that leaves out most ASCII text; a
     * pattern tried at line starts only (fct 2) gets line mode */
    bool line = fct == 2;
    if ((lines_only && !line) || (tab && line)) return NULL;
    const uint8_t *bm = NULL;
    if (!line && !tab) {
        if (pcre2_pattern_info(re->code, PCRE2_INFO_FIRSTBITMAP, &bm) != 0 || !bm) return NULL;
        unsigned nb = 0;
        for (unsigned b = 0; b < 128; b++)
            if (text_byte(b)) nb += bm[b >> 3] >> (b & 7) & 1;
        if (nb < STARTS_MIN_FIRST) return NULL;
    }
    uint32_t lb = 0, allo = 0;
    if (pcre2_pattern_info(re->code, PCRE2_INFO_MAXLOOKBEHIND, &lb) != 0 || lb > 1) return NULL;
    /* an anchored pattern fails at once past its start anyway */
    if (pcre2_pattern_info(re->code, PCRE2_INFO_ALLOPTIONS, &allo) != 0 || (allo & PCRE2_ANCHORED))
        return NULL;
    /* the pattern again, translated as sare_compile did */
    size_t boff, blen;
    unsigned flags;
    char err[8];
    if (!split_rule(src, len, &boff, &blen, &flags, err, sizeof err)) return NULL;
    struct tr tt;
    tr_init(&tt, src, boff, blen, flags);
    tt.err = err;
    tt.errlen = sizeof err;
    pcre2_code *anc = NULL;
    if (translate(&tt) && !starts_refused(tt.out ? tt.out : "", tt.olen)) {
        uint32_t opts = compile_opts(flags) | PCRE2_ANCHORED;
        int ec;
        PCRE2_SIZE eo;
        anc = pcre2_compile((PCRE2_SPTR)(tt.olen ? tt.out : ""), tt.olen, opts, &ec, &eo,
                            compile_ctx);
    }
    free(tt.out);
    free(tt.map);
    if (!anc) return NULL;
    /* partial matches judge starts: only with tables of its own */
    if (pcre2_jit_compile(anc, tab ? PCRE2_JIT_COMPLETE
                                   : PCRE2_JIT_COMPLETE | PCRE2_JIT_PARTIAL_HARD) != 0) {
        pcre2_code_free(anc);
        return NULL;
    }
    sare_starts *st = xcalloc(1, sizeof *st);
    st->anc = anc;
    if (tab) {
        st->tab = tab;
        return st;
    }
    st->tab = st;
    struct tls *t = tls_get();
    st->quad = xcalloc(STARTS_QUADS, sizeof *st->quad);
    if (line) {
        st->line = true;
        return st;
    }
    /* The pairs judge positions past the first (sare_starts_match always
     * tries position 0): the byte before is a word byte, another byte, or
     * (multi-line) a newline, which is all \b, \B and ^ look at. */
    const int *ctxs = starts_ctxs;
    unsigned nctx = (flags & FL_M) ? 3 : 2;
    st->nctx = nctx;
    st->tri =
        xcalloc((size_t)STARTS_TEXT * STARTS_TEXT * STARTS_TEXT * 2 / 64 + 1, sizeof *st->tri);
    for (unsigned c = 0; c < nctx; c++)
        if (starts_can(anc, t->md, t->mc, ctxs[c], (const unsigned char *)"", 0)) st->empty = true;
    /* Only ASCII text is tried, first and second: any other byte is taken as
     * possible. Caseless, an ASCII letter answers as its lower case (no
     * option is unset inside: starts_refused). */
    bool ci = (flags & FL_I) != 0;
    unsigned char text[128];
    unsigned nt = 0;
    for (unsigned b = 0; b < 128; b++)
        if (text_byte(b) && !(ci && b >= 'A' && b <= 'Z')) text[nt++] = (unsigned char)b;
    for (unsigned a = 0; a < 256; a++) {
        if (!text_byte(a)) {
            st->one[a >> 6] |= (uint64_t)1 << (a & 63);
            for (unsigned w = 0; w < 4; w++)
                st->two[a * 4 + w] = ~(uint64_t)0;
        }
    }
    unsigned firsts = 0, tried = 0, kept = 0;
    for (unsigned ka = 0; ka < nt; ka++) {
        unsigned a = text[ka];
        unsigned char s2[2] = {(unsigned char)a, 0};
        bool can = false;
        for (unsigned c = 0; c < nctx && !can; c++)
            can = starts_can(anc, t->md, t->mc, ctxs[c], s2, 1);
        if (!can) continue;
        firsts++;
        uint64_t row[4] = {~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0, ~(uint64_t)0};
        for (unsigned kb = 0; kb < nt; kb++) {
            unsigned b = text[kb];
            s2[1] = (unsigned char)b;
            bool can2 = false;
            for (unsigned c = 0; c < nctx && !can2; c++)
                can2 = starts_can(anc, t->md, t->mc, ctxs[c], s2, 2);
            tried++;
            kept += can2;
            if (!can2) {
                row[b >> 6] &= ~((uint64_t)1 << (b & 63));
                if (ci && b >= 'a' && b <= 'z')
                    row[(b - 32) >> 6] &= ~((uint64_t)1 << ((b - 32) & 63));
            }
        }
        /* the second byte must rule out 3 pairs in 4 to pay */
        if (firsts >= 4 && kept * 4 > tried) {
            sare_starts_free(st);
            return NULL;
        }
        unsigned as[2] = {a, a};
        if (ci && a >= 'a' && a <= 'z') as[1] = a - 32;
        for (unsigned q = 0; q < 2; q++) {
            st->one[as[q] >> 6] |= (uint64_t)1 << (as[q] & 63);
            memcpy(st->two + as[q] * 4, row, sizeof row);
        }
    }
    if (kept * 4 > tried) {
        sare_starts_free(st);
        return NULL;
    }
    return st;
}

/* Can a match begin with the three text bytes s (past position 0)? Learned
 * in st->tri the first time it is asked (struct sare_starts). */
static bool starts_triple(const sare_starts *st, struct tls *t, const unsigned char *s)
{
    size_t x =
        ((text_rank(s[0]) * STARTS_TEXT + text_rank(s[1])) * STARTS_TEXT + text_rank(s[2])) * 2;
    _Atomic uint64_t *w = &st->tri[x >> 6];
    unsigned v = (unsigned)(atomic_load_explicit(w, memory_order_relaxed) >> (x & 63)) & 3;
    if (!v) {
        bool can = false;
        for (unsigned c = 0; c < st->nctx && !can; c++)
            can = starts_can(st->anc, t->md, t->mc, starts_ctxs[c], s, 3);
        v = can ? 3 : 1;
        atomic_fetch_or_explicit(w, (uint64_t)v << (x & 63), memory_order_relaxed);
    }
    return v == 3;
}

/* Can a match begin with the four text bytes s? ctx 0: past position 0,
 * in any context (starts_ctxs); in line mode 1: at position 0, 2: after a
 * newline. Asked of PCRE2 when the quadruple is not in its cache slot. */
static bool starts_quad(const sare_starts *st, struct tls *t, const unsigned char *s, unsigned ctx)
{
    uint32_t code = (uint32_t)(((text_rank(s[0]) * STARTS_TEXT + text_rank(s[1])) * STARTS_TEXT +
                                text_rank(s[2])) *
                                   STARTS_TEXT +
                               text_rank(s[3]));
    code = code * 3 + ctx;
    uint32_t key = (code + 1) << 1;
    _Atomic uint32_t *w = &st->quad[(code * 2654435761u) >> 18];
    uint32_t v = atomic_load_explicit(w, memory_order_relaxed);
    if ((v & ~1u) == key) return v & 1;
    bool can = false;
    if (ctx) can = starts_can(st->anc, t->md, t->mc, ctx == 1 ? -1 : '\n', s, 4);
    for (unsigned c = 0; !ctx && c < st->nctx && !can; c++)
        can = starts_can(st->anc, t->md, t->mc, starts_ctxs[c], s, 4);
    atomic_store_explicit(w, key | can, memory_order_relaxed);
    return can;
}

/* Can a match begin at i of (u,len), as the pairs, triples and quadruples
 * tell? */
static inline __attribute__((always_inline)) bool
starts_may(const sare_starts *st, struct tls *t, const unsigned char *u, size_t len, size_t i)
{
    st = st->tab;
    if (i == 0) return true; /* no byte before: the pairs do not judge it */
    if (i + 1 < len) {
        unsigned k = (unsigned)u[i] << 8 | u[i + 1];
        if (!(st->two[k >> 6] >> (k & 63) & 1)) return false;
        if (i + 2 < len && text_byte(u[i]) && text_byte(u[i + 1]) && text_byte(u[i + 2])) {
            if (!starts_triple(st, t, u + i)) return false;
            if (i + 3 < len && text_byte(u[i + 3]) && !starts_quad(st, t, u + i, 0)) return false;
        }
        return true;
    }
    if (i + 1 == len) return st->one[u[i] >> 6] >> (u[i] & 63) & 1;
    return st->empty;
}

enum sare_rc sare_starts_match(const sare_starts *st, const char *subj, size_t len, size_t start,
                               size_t *mstart, size_t *mend)
{
    if (!st || (!subj && len) || start > len) return SARE_ERROR;
    struct tls *t = tls_get();
    const unsigned char *u = (const unsigned char *)subj;
    for (size_t i = start; i <= len; i++) {
        if (st->line) {
            /* the next line start; its quadruple, when four text bytes */
            if (i > 0 && u[i - 1] != '\n') {
                const unsigned char *nl = memchr(u + i, '\n', len - i);
                if (!nl) break;
                i = (size_t)(nl - u) + 1;
            }
            if (i + 3 < len && text_byte(u[i]) && text_byte(u[i + 1]) && text_byte(u[i + 2]) &&
                text_byte(u[i + 3]) && !starts_quad(st, t, u + i, i == 0 ? 1 : 2))
                continue;
        } else if (!starts_may(st, t, u, len, i)) {
            continue;
        }
        int rc = pcre2_jit_match(st->anc, (PCRE2_SPTR)(subj ? subj : ""), len, i, 0, t->md, t->mc);
        if (rc >= 0) {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(t->md);
            size_t s = ov[0], e = ov[1];
            if (s > e) s = e;
            if (mstart) *mstart = s;
            if (mend) *mend = e;
            return SARE_MATCH;
        }
        switch (rc) {
        case PCRE2_ERROR_NOMATCH:
            continue;
        case PCRE2_ERROR_MATCHLIMIT:
        case PCRE2_ERROR_DEPTHLIMIT:
        case PCRE2_ERROR_HEAPLIMIT:
        case PCRE2_ERROR_JIT_STACKLIMIT:
            return SARE_LIMIT;
        default:
            return SARE_ERROR;
        }
    }
    return SARE_NOMATCH;
}

void sare_starts_free(sare_starts *st)
{
    if (!st) return;
    free((void *)st->tri);
    free((void *)st->quad);
    pcre2_code_free(st->anc);
    free(st);
}

/* ---------------------------------------------------------------------------
 * Chain prefilter (see saregex.h)
 */

struct sare_chain {
    pcre2_code *code; /* (?:X)(?C1)(*F) */
    unsigned reps;
    /* The start pairs of (?:X) and the same callout pattern anchored, or
     * NULL: the pairs are enumerated from the starts the pairs allow only.
     * Unanchored, without the start-up optimizations, PCRE2 works through
     * every alternative of X at every position: on the lines where
     * __FILL_THIS_FORM_LONG2's repeat prefilter passes, 0.77M instructions
     * a line for some 80 pairs; anchored at the starts the pairs allow,
     * 0.28M (callgrind, 300 bench messages: 9.2M -> 3.4M in all). */
    sare_starts *st;
    pcre2_code *anc;
};

/* Constructs that make a copy of X depend on another copy or on where the
 * search starts, in a translated pattern: backreferences (\1..\9, \k, \g),
 * \K, subroutine calls and recursion, conditions, verbs. */
static bool chain_refused(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\') {
            if (i + 1 >= n) return true;
            char d = p[i + 1];
            if ((d >= '1' && d <= '9') || d == 'k' || d == 'g' || d == 'K') return true;
            i++;
            continue;
        }
        if (p[i] != '(' || i + 1 >= n) continue;
        if (p[i + 1] == '*') return true;
        if (p[i + 1] != '?' || i + 2 >= n) continue;
        char q = p[i + 2];
        if (q == 'R' || q == '&' || q == '(' || q == 'P' || (q >= '0' && q <= '9')) return true;
        if ((q == '+' || q == '-') && i + 3 < n && p[i + 3] >= '0' && p[i + 3] <= '9') return true;
    }
    return false;
}

/* The one copy is compiled so that every way X can match is tried and
 * reported, from every start: without auto-possessification (a+ before the
 * callout would become a++ and report only its longest end), without the
 * start-up optimizations (they skip starts that cannot begin a match of
 * the whole pattern, such as the rest of a run that a+ failed from) and
 * without anchoring .* at line starts. */
sare_chain *sare_chain_compile(const char *src, size_t len, unsigned reps)
{
    if (!src || reps < 2 || reps > SARE_CHAIN_MAX_REPS || len > SARE_MAX_PATTERN) return NULL;
    pthread_once(&init_once, init_shared);
    size_t boff, blen;
    unsigned flags;
    if (!split_rule(src, len, &boff, &blen, &flags, NULL, 0)) return NULL;
    if (flags & (FL_X | FL_XX)) return NULL; /* a # comment could swallow what follows */
    struct tr t;
    tr_init(&t, src, boff, blen, flags);
    sare_chain *ch = NULL;
    char *pat = NULL;
    if (!translate(&t) || chain_refused(t.out ? t.out : "", t.olen)) goto out;
    static const char head[] = "(?:", tail[] = ")(?C1)(*F)";
    size_t pn = sizeof head - 1 + t.olen + sizeof tail - 1;
    pat = xmalloc(pn + 1);
    memcpy(pat, head, sizeof head - 1);
    if (t.olen) memcpy(pat + sizeof head - 1, t.out, t.olen);
    memcpy(pat + sizeof head - 1 + t.olen, tail, sizeof tail);
    uint32_t opts = compile_opts(flags) | PCRE2_NO_AUTO_POSSESS | PCRE2_NO_DOTSTAR_ANCHOR |
                    PCRE2_NO_START_OPTIMIZE;
    int ec;
    pcre2_code *code = pc_compile(pat, pn, opts, &ec);
    if (!code) goto out;
    if (jit_available) (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    ch = xcalloc(1, sizeof *ch);
    ch->code = code;
    ch->reps = reps;
    {
        char err[8];
        sare *one = sare_compile_once(src, len, err, sizeof err);
        ch->st = one ? sare_starts_new(one, src, len) : NULL;
        sare_free(one);
        if (ch->st && ch->st->line) { /* starts_may judges every position */
            sare_starts_free(ch->st);
            ch->st = NULL;
        }
        if (ch->st) ch->anc = pc_compile(pat, pn, opts | PCRE2_ANCHORED, &ec);
        if (ch->anc && jit_available) (void)pcre2_jit_compile(ch->anc, PCRE2_JIT_COMPLETE);
        if (!ch->anc) {
            sare_starts_free(ch->st);
            ch->st = NULL;
        }
    }
out:
    free(pat);
    free(t.out);
    free(t.map);
    return ch;
}

const sare_starts *sare_chain_starts(const sare_chain *c)
{
    return c ? c->st : NULL;
}

void sare_chain_free(sare_chain *c)
{
    if (!c) return;
    pcre2_code_free(c->code);
    pcre2_code_free(c->anc);
    sare_starts_free(c->st);
    free(c);
}

struct chain_run {
    struct tls *t;
    size_t n;
    bool bad; /* an empty match of X, or too many pairs */
};

/* Called where X has matched, from start_match to current_position: record
 * the pair once, then fail there so that the matcher backtracks into X. */
static int chain_callout(pcre2_callout_block *cb, void *data)
{
    struct chain_run *r = data;
    size_t s = cb->start_match, e = cb->current_position;
    if (e <= s) {
        r->bad = true;
        return PCRE2_ERROR_CALLOUT;
    }
    uint32_t *mark = r->t->mark;
    if (mark[e] == (uint32_t)s + 1) return 1;
    if (r->n == SARE_CHAIN_MAX_PAIRS) {
        r->bad = true;
        return PCRE2_ERROR_CALLOUT;
    }
    mark[e] = (uint32_t)s + 1;
    r->t->pairs[2 * r->n] = (uint32_t)s;
    r->t->pairs[2 * r->n + 1] = (uint32_t)e;
    r->n++;
    return 1;
}

bool sare_chain_scan(const sare_chain *c, const char *subj, size_t len, size_t start,
                     uint8_t *reach)
{
    if (!c || (!subj && len) || len >= UINT32_MAX || start > len) return false;
    struct tls *t = tls_get();
    if (!t->cmc) {
        t->cmc = pcre2_match_context_copy(t->mc);
        if (!t->cmc) oom();
        t->pairs = xmalloc(2 * SARE_CHAIN_MAX_PAIRS * sizeof *t->pairs);
    }
    if (len + 1 > t->cap_mark) {
        free(t->mark);
        t->cap_mark = len + 1 > 4096 ? len + 1 : 4096;
        t->mark = xmalloc(t->cap_mark * sizeof *t->mark);
    }
    memset(t->mark, 0, (len + 1) * sizeof *t->mark);
    memset(reach, 0, len + 1);
    struct chain_run r = {t, 0, false};
    pcre2_set_callout(t->cmc, chain_callout, &r);
    PCRE2_SPTR sp = (PCRE2_SPTR)(subj ? subj : "");
    if (c->st) {
        /* anchored at the starts the pairs allow, ascending as before */
        const unsigned char *u = (const unsigned char *)sp;
        for (size_t i = start; i <= len; i++) {
            if (!starts_may(c->st, t, u, len, i)) continue;
            int rc = pc_match(c->anc, sp, len, i, t->md, t->cmc);
            if (rc != PCRE2_ERROR_NOMATCH || r.bad) return false;
        }
    } else {
        int rc = pc_match(c->code, sp, len, start, t->md, t->cmc);
        if (rc != PCRE2_ERROR_NOMATCH || r.bad) return false;
    }
    /* pairs come by start, ascending: backwards, every pair from j > i is
     * counted before those from i */
    for (size_t k = r.n; k-- > 0;) {
        uint32_t s = t->pairs[2 * k], e = t->pairs[2 * k + 1];
        unsigned v = 1u + reach[e];
        if (v > c->reps) v = c->reps;
        if (v > reach[s]) reach[s] = (uint8_t)v;
    }
    return true;
}

bool sare_caseless(const sare *re)
{
    return re && (re->flags & FL_I);
}

size_t sare_literals(const sare *re, const char *const **lits, const size_t **lens, bool *nocase)
{
    if (!re || !re->n_lits) {
        if (lits) *lits = NULL;
        if (lens) *lens = NULL;
        if (nocase) *nocase = false;
        return 0;
    }
    if (lits) *lits = re->lits;
    if (lens) *lens = re->lit_lens;
    if (nocase) *nocase = re->nocase;
    return re->n_lits;
}

size_t sare_literals2(const sare *re, const char *const **lits, const size_t **lens)
{
    if (!re || !re->n_lits || !re->n_lits2) {
        if (lits) *lits = NULL;
        if (lens) *lens = NULL;
        return 0;
    }
    if (lits) *lits = re->lits2;
    if (lens) *lens = re->lit2_lens;
    return re->n_lits2;
}

size_t sare_fold_literals(const sare *re, unsigned fold, const char *const **lits,
                          const size_t **lens)
{
    if (!re || fold >= SARE_N_FOLDS || !re->n_flits[fold]) {
        if (lits) *lits = NULL;
        if (lens) *lens = NULL;
        return 0;
    }
    if (lits) *lits = re->flits[fold];
    if (lens) *lens = re->flit_lens[fold];
    return re->n_flits[fold];
}

size_t sare_fold_literals_more(const sare *re, unsigned fold, unsigned k, const char *const **lits,
                               const size_t **lens)
{
    if (!re || fold >= SARE_N_FOLDS || k >= SARE_FOLD_MORE || !re->n_fmore[fold][k]) {
        if (lits) *lits = NULL;
        if (lens) *lens = NULL;
        return 0;
    }
    if (lits) *lits = re->fmore[fold][k];
    if (lens) *lens = re->fmore_lens[fold][k];
    return re->n_fmore[fold][k];
}

unsigned sare_fold_repeats(const sare *re, unsigned fold)
{
    if (!re || fold >= SARE_N_FOLDS || !re->n_flits[fold] || re->flit_reps[fold] < 1) return 1;
    return re->flit_reps[fold];
}

size_t sare_fold(unsigned fold, const char *p, size_t len, char *out)
{
    pthread_once(&init_once, init_shared);
    if (fold >= SARE_N_FOLDS) return SIZE_MAX;
    if (fold == SARE_FOLD_CASE) {
        for (size_t i = 0; i < len; i++)
            out[i] = (char)lower((unsigned char)p[i]);
        return len;
    }
    const unsigned char *m = fold_map[fold];
    bool collapse = fold == SARE_FOLD_SQUEEZE;
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char f = m[(unsigned char)p[i]];
        if (f <= FOLD_DEL) {
            if (f == FOLD_OUT) return SIZE_MAX;
            continue;
        }
        if (collapse && o && out[o - 1] == (char)f) continue;
        out[o++] = (char)f;
    }
    return o;
}

/* ---------------------------------------------------------------------------
 * Fixed strings (sare_fixed_new)
 */

struct fstr {
    unsigned char len;
    unsigned char b[SARE_FIXED_LEN];
};

struct fset {
    size_t n;
    struct fstr v[SARE_FIXED_MAX];
};

struct sare_fixed {
    size_t n;
    struct fstr *v;      /* sorted by first byte */
    uint16_t first[257]; /* the strings beginning with byte c: v[first[c] .. first[c + 1]) */
};

struct fparse {
    const char *p;
    size_t n, i;
    bool fail;
};

static void fixed_alt(struct fparse *fp, struct fset *out);

/* one byte of a literal or a class member at fp->i: -1 when not a plain
 * one (a metacharacter, a class escape such as \w, a backreference) */
static int fixed_byte(struct fparse *fp, bool in_class)
{
    if (fp->i >= fp->n) return -1;
    unsigned char c = (unsigned char)fp->p[fp->i];
    if (c == '\\') {
        if (fp->i + 1 >= fp->n) return -1;
        unsigned char d = (unsigned char)fp->p[fp->i + 1];
        if (d == 'x') {
            if (fp->i + 3 >= fp->n || hex_val((unsigned char)fp->p[fp->i + 2]) < 0 ||
                hex_val((unsigned char)fp->p[fp->i + 3]) < 0)
                return -1;
            fp->i += 4;
            return hex_val((unsigned char)fp->p[fp->i - 2]) * 16 +
                   hex_val((unsigned char)fp->p[fp->i - 1]);
        }
        /* an escaped punctuation byte is itself; letters and digits are
         * escapes with a meaning of their own (\w, \b, \1 ...) */
        if (d < 0x80 && !is_alnum(d) && d != '_' && d > ' ') {
            fp->i += 2;
            return d;
        }
        return -1;
    }
    if (c < ' ' || c >= 0x7f) return -1; /* printable text only: no raw bytes to translate */
    if (in_class ? strchr("[]-^", c) != NULL : strchr("^$.|?*+()[]{}/", c) != NULL) return -1;
    fp->i++;
    return c;
}

/* the class at fp->i (after '['): its bytes into out as one-byte strings */
static void fixed_class(struct fparse *fp, struct fset *out)
{
    bool has[256] = {false};
    bool any = false;
    while (!fp->fail && fp->i < fp->n && fp->p[fp->i] != ']') {
        int a = fixed_byte(fp, true);
        if (a < 0) {
            fp->fail = true;
            return;
        }
        int b = a;
        if (fp->i + 1 < fp->n && fp->p[fp->i] == '-' && fp->p[fp->i + 1] != ']') {
            fp->i++;
            b = fixed_byte(fp, true);
            if (b < a) {
                fp->fail = true;
                return;
            }
        }
        for (int c = a; c <= b; c++)
            has[c] = true;
        any = true;
    }
    if (fp->i >= fp->n || !any) {
        fp->fail = true;
        return;
    }
    fp->i++; /* ']' */
    out->n = 0;
    for (unsigned c = 0; c < 256; c++)
        if (has[c]) out->v[out->n++] = (struct fstr){1, {(unsigned char)c}};
}

static void fixed_seq(struct fparse *fp, struct fset *out)
{
    out->n = 1;
    out->v[0].len = 0;
    struct fset *item = xmalloc(sizeof *item), *prod = xmalloc(sizeof *prod);
    while (!fp->fail && fp->i < fp->n && fp->p[fp->i] != '|' && fp->p[fp->i] != ')') {
        char c = fp->p[fp->i];
        if (c == '[') {
            fp->i++;
            fixed_class(fp, item);
        } else if (c == '(') {
            if (fp->i + 2 >= fp->n || fp->p[fp->i + 1] != '?' || fp->p[fp->i + 2] != ':') {
                fp->fail = true;
                break;
            }
            fp->i += 3;
            fixed_alt(fp, item);
            if (fp->fail || fp->i >= fp->n || fp->p[fp->i] != ')') {
                fp->fail = true;
                break;
            }
            fp->i++;
        } else {
            int b = fixed_byte(fp, false);
            if (b < 0) {
                fp->fail = true;
                break;
            }
            item->n = 1;
            item->v[0] = (struct fstr){1, {(unsigned char)b}};
        }
        if (fp->fail) break;
        if (fp->i < fp->n && strchr("?*+{", fp->p[fp->i])) { /* a quantifier */
            fp->fail = true;
            break;
        }
        if (out->n * item->n > SARE_FIXED_MAX) {
            fp->fail = true;
            break;
        }
        prod->n = 0;
        for (size_t a = 0; a < out->n && !fp->fail; a++)
            for (size_t b = 0; b < item->n; b++) {
                const struct fstr *u = &out->v[a], *w = &item->v[b];
                if (u->len + w->len > SARE_FIXED_LEN) {
                    fp->fail = true;
                    break;
                }
                struct fstr *r = &prod->v[prod->n++];
                r->len = (unsigned char)(u->len + w->len);
                memcpy(r->b, u->b, u->len);
                memcpy(r->b + u->len, w->b, w->len);
            }
        out->n = prod->n;
        memcpy(out->v, prod->v, prod->n * sizeof prod->v[0]);
    }
    free(item);
    free(prod);
}

static void fixed_alt(struct fparse *fp, struct fset *out)
{
    out->n = 0;
    struct fset *br = xmalloc(sizeof *br);
    for (;;) {
        fixed_seq(fp, br);
        if (fp->fail) break;
        if (out->n + br->n > SARE_FIXED_MAX) {
            fp->fail = true;
            break;
        }
        memcpy(out->v + out->n, br->v, br->n * sizeof br->v[0]);
        out->n += br->n;
        if (fp->i < fp->n && fp->p[fp->i] == '|') {
            fp->i++;
            continue;
        }
        break;
    }
    free(br);
}

static int fstr_cmp(const void *a, const void *b)
{
    const struct fstr *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->b, y->b, n);
    if (c) return c;
    return (int)x->len - (int)y->len;
}

sare_fixed *sare_fixed_new(const char *src, size_t len)
{
    if (len < 3 || src[0] != '/' || src[len - 1] != '/') return NULL; /* no flags */
    struct fparse fp = {src + 1, len - 2, 0, false};
    struct fset *set = xmalloc(sizeof *set);
    fixed_alt(&fp, set);
    sare_fixed *fx = NULL;
    if (fp.fail || fp.i != fp.n || set->n == 0) goto out;
    qsort(set->v, set->n, sizeof set->v[0], fstr_cmp);
    /* sorted, a string that begins another comes right before one that
     * does (or is equal to it): duplicates go, an empty string or a
     * proper prefix refuses the set */
    size_t m = 0;
    for (size_t k = 0; k < set->n; k++) {
        const struct fstr *v = &set->v[k];
        if (v->len == 0) goto out;
        if (m) {
            const struct fstr *u = &set->v[m - 1];
            if (u->len == v->len && memcmp(u->b, v->b, v->len) == 0) continue;
            if (u->len < v->len && memcmp(u->b, v->b, u->len) == 0) goto out;
        }
        set->v[m++] = *v;
    }
    fx = xmalloc(sizeof *fx);
    fx->n = m;
    fx->v = xmalloc(m * sizeof *fx->v);
    memcpy(fx->v, set->v, m * sizeof *fx->v);
    size_t k = 0;
    for (unsigned c = 0; c <= 256; c++) {
        while (c < 256 && k < m && fx->v[k].b[0] < c)
            k++;
        fx->first[c] = (uint16_t)(c == 256 ? m : k);
    }
out:
    free(set);
    return fx;
}

bool sare_fixed_next(const sare_fixed *fx, const char *subj, size_t len, size_t start,
                     size_t *mstart, size_t *mend)
{
    const unsigned char *s = (const unsigned char *)subj;
    for (size_t i = start; i < len; i++) {
        unsigned a = fx->first[s[i]], b = fx->first[s[i] + 1];
        for (; a < b; a++) {
            const struct fstr *v = &fx->v[a];
            if (v->len <= len - i && memcmp(s + i, v->b, v->len) == 0) {
                *mstart = i;
                *mend = i + v->len;
                return true;
            }
        }
    }
    return false;
}

void sare_fixed_free(sare_fixed *fx)
{
    if (!fx) return;
    free(fx->v);
    free(fx);
}

/* ---------------------------------------------------------------------------
 * Multi-literal matcher (Aho-Corasick)
 */

#define LITS_KEY 8          /* the automaton reads each literal's first LITS_KEY bytes */
#define LITS_CLASSES 62     /* byte classes at most (see lits_merge_classes) */
#define LITS_VAL 30         /* in a row of delta16: the 2 columns of what a state reports */
#define LITS_TWO_MIN 64     /* texts scanned as two slices from this length */
#define LITS_FOUR_MIN 192   /* and as four from this one */
#define LITS_MAX_PAIRS 4096 /* two-byte literals found by the pair table */
#define LITS_MIN_PAIRS 32   /* fewer distinct ones go into the automaton */
#define LITS_PAIRS_SHORT 64 /* texts up to this long: the pairs found listed, not marked */
#define LITS_MAX_CELLS (16u * 1024u * 1024u) /* transition table entries (64 MiB) */
#define LITS_PREFETCH 2048                   /* table bytes fetched ahead at the start of a scan */
#define NO_STATE UINT32_MAX
#define LITS_SINGLE 0x80000000u /* see LITS_VAL */

/* The automaton recognises only the first LITS_KEY bytes of each literal (its
 * key): that keeps the table small enough to stay in cache while scanning.
 * A literal no longer than its key is reported where the key ends; a longer
 * one is compared byte by byte there, unless it was already seen. Keys of 8
 * bytes instead of 16 (the body rules' automaton about 11,200 -> 7,100
 * states, 1.4 -> 0.9 MB): sare_lits_scan, the pairs and the reports fell
 * from 11.1% to 9.6% and from 12.2% to 11.6% of the samples of perf on the
 * bench in two sessions (means of 3 and 4 alternating runs; lower in 9 of
 * the 10 pairs), once each text was scanned for its own rules' literals
 * (on the automaton of all literals, 8 had been measured as not worth
 * it). 6 and 4 bytes did no better than 8. */
struct sare_lits {
    char *bytes; /* every literal's bytes, back to back */
    size_t n_bytes, cap_bytes;
    size_t *off;
    uint32_t *len;
    uint32_t n, cap;
    uint32_t *hash; /* open addressing: id + 1, 0 empty */
    size_t hash_cap;

    bool built;
    uint8_t cls[256];
    uint32_t ncls;
    /* The transitions, one row a state, in one of two forms. Up to 65,536
     * states: delta16, rows of 1 << shift entries (64 or 128 bytes, from a
     * 64-byte boundary), next state by number; a state >= out_min has
     * output, what it reports in its row (val_col). More states: delta32,
     * rows of ncls + 1 entries, next state premultiplied by ncls + 1;
     * column ncls of an output state holds what it reports. The 16-bit
     * rows halve the table, and a state's entries for the common bytes
     * (the low classes, see byte_rank) share its first cache line: the
     * body rules' automaton (13,000 states, 109 byte classes) went from
     * 5.6 MB to 1.5 MB (12,500 states, 64 classes), 0.8 MB of it first
     * lines. */
    uint16_t *delta16;
    uint32_t shift;
    void *delta_mem; /* what was allocated for delta16 */
    uint32_t *delta32;
    /* The first pf_bytes of the table (the root and the shallowest states,
     * by the breadth-first numbering) are prefetched when a scan starts:
     * between two scans of a header group's value or two lines of a body
     * the rules' regexes run and evict the table, and a walk then waits for
     * one miss after another, each load's address coming from the one
     * before. Prefetched together they overlap: sare_lits_scan, the pairs
     * and the reports went from 12.9% to 10.9% of the samples of perf on
     * the bench (mean of 3 runs each; 2 KiB was ahead of 1, 4 and 8 KiB in
     * CPU time, by less than this machine's noise). */
    size_t pf_bytes;
    uint32_t out_min; /* a state >= out_min has output (premultiplied in delta32) */
    /* What each state with output reports, one record a state, in words:
     * the record of the next state with output along the suffix chain (or
     * NO_STATE), n_direct, n_check, the n_direct ids reported as they are,
     * then for each of the n_check ids to compare: the id, the bytes
     * compared before the key's end and after it, and where in the record
     * those bytes are (lowercased, after the words). A report reads one
     * record where it read the state's entry of an array of records, its
     * ids in another and each literal's length, offset and bytes in three
     * arrays over all the rules' literals: a chain of cache misses. */
    uint32_t *rep;
    char *lower;      /* the literals lowercased, at the same offsets as bytes */
    uint32_t *always; /* ids reported on every scan: empty or over the ceiling */
    uint32_t n_always;
    /* Two-byte literals occur so often in text that reporting them from the
     * automaton would stall it; a table of lowercased byte pairs finds them
     * with one independent load per byte instead. */
    /* pair_idx: pair number (from 1), 0 none; NULL: no pairs. Built with
     * 65536 entries indexed by the lowercased pair (first byte high), then
     * made a table of only the bytes that begin a pair (rows, pair_row[b]:
     * the row's first entry) by those that end one (pair_col[b]), 0 for
     * any other byte, every case of a letter included: the body rules' 80
     * pairs take 2.6 KiB, not 128 KiB, and stay in cache between scans
     * (cachegrind over 300 bench messages: D1 read misses of
     * lits_scan_pairs 393,000 -> 212,000 for 6.7 million instructions
     * more; its share of perf samples on the 2,000 fell from 2.0% to
     * 1.15%, mean of 3 runs each). */
    uint16_t *pair_idx;
    uint16_t pair_row[256];
    uint8_t pair_col[256];
    uint32_t n_pairs;
    uint32_t *pair_first; /* pair k's ids: pair_ids[pair_first[k] .. pair_first[k + 1]) */
    uint32_t *pair_ids;
    const uint64_t *keep; /* while sare_lits_subset builds: the ids it keeps */
    /* a subset reads its literals (bytes, off, len, lower) from the matcher
     * it was made of, which takes no more adds (frozen) */
    bool subset, frozen;
};

sare_lits *sare_lits_new(void)
{
    sare_lits *m = xcalloc(1, sizeof *m);
    return m;
}

static void lits_rehash(sare_lits *m, size_t cap)
{
    free(m->hash);
    m->hash = xcalloc(cap, sizeof *m->hash);
    m->hash_cap = cap;
    for (uint32_t id = 0; id < m->n; id++) {
        size_t h = (size_t)hash_fnv1a(m->bytes + m->off[id], m->len[id]) & (cap - 1);
        while (m->hash[h])
            h = (h + 1) & (cap - 1);
        m->hash[h] = id + 1;
    }
}

uint32_t sare_lits_add(sare_lits *m, const char *s, size_t len)
{
    /* contract: adds come before the build and before any subset */
    if (m->built || m->frozen || m->n >= LITS_SINGLE - 1) abort();
    if (!s) len = 0;
    if (len > UINT32_MAX / 2) len = UINT32_MAX / 2;
    if (m->hash_cap == 0 || (size_t)(m->n + 1) * 2 > m->hash_cap)
        lits_rehash(m, m->hash_cap ? m->hash_cap * 2 : 64);
    size_t h = (size_t)hash_fnv1a(s, len) & (m->hash_cap - 1);
    for (; m->hash[h]; h = (h + 1) & (m->hash_cap - 1)) {
        uint32_t id = m->hash[h] - 1;
        if (m->len[id] == len && memcmp(m->bytes + m->off[id], s, len) == 0) return id;
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? m->cap * 2 : 64;
        m->off = xrealloc(m->off, m->cap * sizeof *m->off);
        m->len = xrealloc(m->len, m->cap * sizeof *m->len);
    }
    if (m->n_bytes + len > m->cap_bytes) {
        size_t cap = m->cap_bytes ? m->cap_bytes : 1024;
        while (cap < m->n_bytes + len)
            cap *= 2;
        m->bytes = xrealloc(m->bytes, cap);
        m->cap_bytes = cap;
    }
    if (len) memcpy(m->bytes + m->n_bytes, s, len);
    uint32_t id = m->n++;
    m->off[id] = m->n_bytes;
    m->len[id] = (uint32_t)len;
    m->n_bytes += len;
    m->hash[h] = id + 1;
    return id;
}

static void lits_lower(sare_lits *m)
{
    if (m->lower) return;
    m->lower = xmalloc(m->n_bytes + 1);
    for (size_t i = 0; i < m->n_bytes; i++)
        m->lower[i] = (char)lower((unsigned char)m->bytes[i]);
}

sare_lits *sare_lits_subset(sare_lits *m, const uint64_t *keep)
{
    lits_lower(m);
    m->frozen = true;
    sare_lits *s = xcalloc(1, sizeof *s);
    s->subset = true;
    s->bytes = m->bytes;
    s->n_bytes = s->cap_bytes = m->n_bytes;
    s->off = m->off;
    s->len = m->len;
    s->lower = m->lower;
    s->n = s->cap = m->n;
    s->keep = keep;
    sare_lits_build(s);
    s->keep = NULL;
    return s;
}

uint32_t sare_lits_count(const sare_lits *m)
{
    return m ? m->n : 0;
}

static uint32_t key_len(const sare_lits *m, uint32_t id)
{
    return m->len[id] < LITS_KEY ? m->len[id] : LITS_KEY;
}

/* Order of keys (lowercased), for counting trie states. */
static int cmp_keys(const sare_lits *m, uint32_t a, uint32_t b)
{
    const unsigned char *x = (const unsigned char *)m->lower + m->off[a];
    const unsigned char *y = (const unsigned char *)m->lower + m->off[b];
    uint32_t la = key_len(m, a), lb = key_len(m, b), n = la < lb ? la : lb;
    for (uint32_t i = 0; i < n; i++)
        if (m->cls[x[i]] != m->cls[y[i]]) return m->cls[x[i]] < m->cls[y[i]] ? -1 : 1;
    return la < lb ? -1 : la > lb ? 1 : 0;
}

/* merge sort of ids (qsort has no context argument in C17) */
static void sort_ids(const sare_lits *m, uint32_t *ids, uint32_t *tmp, size_t n)
{
    if (n < 2) return;
    size_t h = n / 2;
    sort_ids(m, ids, tmp, h);
    sort_ids(m, ids + h, tmp, n - h);
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n)
        tmp[k++] = cmp_keys(m, ids[i], ids[j]) <= 0 ? ids[i++] : ids[j++];
    while (i < h)
        tmp[k++] = ids[i++];
    while (j < n)
        tmp[k++] = ids[j++];
    memcpy(ids, tmp, n * sizeof *ids);
}

/* Bytes by how often they are expected in mail text (English first, then
 * what URLs, numbers and markup add), then every other byte by value. */
static const unsigned char byte_rank[] =
    " etaoinsrhldcumfpgwybvkxjqz.\n0-12:/=3548><69\"7,;@()_'\r\t!?$%&#+*[]|~^\\{}`";

/* Renumbers the byte classes (one per distinct lowercased key byte, 0 for
 * bytes in no key) in byte_rank order, so that the common bytes take the
 * low classes, at the start of a row; past LITS_CLASSES - 1 classes the
 * rarest share the last one, and *shared says so. A key holding a byte of
 * the shared class may then be reached by other bytes: its literals are
 * compared whole where it ends (lits_report). The body rules' 109 classes
 * become 62 (64 until the rows held what a state reports, see val_col),
 * their last one shared by 48 bytes (high bytes, control characters, rare
 * punctuation; 46 bytes, 0.3% of the bytes of the bench's text, with 64).
 * Returns the number of classes. */
static uint32_t lits_merge_classes(uint8_t cls[256], bool *shared)
{
    uint8_t to[256] = {0};
    unsigned next = 1, last = 0; /* last: old classes given LITS_CLASSES - 1 */
    for (size_t k = 0; k < sizeof byte_rank - 1 + 256; k++) {
        unsigned b =
            k < sizeof byte_rank - 1 ? byte_rank[k] : (unsigned)(k - (sizeof byte_rank - 1));
        if (!cls[b] || to[cls[b]]) continue;
        if (next < LITS_CLASSES - 1) {
            to[cls[b]] = (uint8_t)next++;
        } else {
            to[cls[b]] = LITS_CLASSES - 1;
            last++;
        }
    }
    for (unsigned b = 0; b < 256; b++)
        cls[b] = to[cls[b]];
    *shared = last > 1;
    return last ? LITS_CLASSES : next;
}

/* The column of byte class c in a row of delta16: what an output state
 * reports is in its own row, at LITS_VAL and LITS_VAL + 1 (one uint32_t),
 * so that a hit reads the row the next step reads anyway, not an array
 * of its own (out_val; the body, fold and header automata hit every 6 to
 * 26 bytes of the bench's texts). Both columns are in a row's first cache
 * line with the 30 most common classes. cachegrind with a 1 MB last level
 * (this CPU's L2), 300 bench messages: the walks' read misses at that
 * level 1,376 -> 1,304 a message, in D1 2,227 -> 2,049. */
static uint32_t val_col(uint32_t c)
{
    return c < LITS_VAL ? c : c + 2;
}

void sare_lits_build(sare_lits *m)
{
    if (m->built) return;
    m->built = true;
    lits_lower(m);
    /* which literals go into the automaton: non-empty, and while the dense
     * table stays within LITS_MAX_CELLS (states <= key bytes + 1); byte
     * classes: one per distinct lowercased key byte, 0 for all other bytes */
    uint32_t *ids = xmalloc((m->n + 1) * sizeof *ids);
    uint32_t *tmp = xmalloc((m->n + 1) * sizeof *tmp);
    uint32_t n_ids = 0;
    size_t key_bytes = 0;
    uint32_t ncls = 1;
    memset(m->cls, 0, sizeof m->cls);
    m->always = xmalloc((m->n + 1) * sizeof *m->always);
    uint32_t *pair_of = xmalloc((m->n + 1) * sizeof *pair_of); /* pair number, 0 none */
    /* The pair table (128 KiB, and a pass over it to build) pays only for
     * many pairs: a subset's few (a header group's) are as cheap in its
     * automaton, and 45 such tables were 10 MB and 65 million instructions
     * of start-up for SpamAssassin's rules. */
    uint64_t *pair_set = xcalloc(65536 / 64, sizeof *pair_set);
    uint32_t n_distinct = 0;
    for (uint32_t id = 0; id < m->n; id++) {
        if (m->len[id] != 2 || (m->keep && !(m->keep[id >> 6] >> (id & 63) & 1))) continue;
        const unsigned char *s = (const unsigned char *)m->lower + m->off[id];
        unsigned v = (unsigned)s[0] << 8 | s[1];
        n_distinct += !(pair_set[v >> 6] >> (v & 63) & 1);
        pair_set[v >> 6] |= (uint64_t)1 << (v & 63);
    }
    free(pair_set);
    bool use_pairs = n_distinct >= LITS_MIN_PAIRS;
    for (uint32_t id = 0; id < m->n; id++) {
        const unsigned char *s = (const unsigned char *)m->lower + m->off[id];
        uint32_t l = key_len(m, id), more = 0;
        pair_of[id] = 0;
        if (m->keep && !(m->keep[id >> 6] >> (id & 63) & 1)) continue;
        if (m->len[id] == 2 && use_pairs) {
            if (!m->pair_idx) m->pair_idx = xcalloc(65536, sizeof *m->pair_idx);
            uint16_t *slot = &m->pair_idx[(unsigned)s[0] << 8 | s[1]];
            if (!*slot && m->n_pairs < LITS_MAX_PAIRS) *slot = (uint16_t)++m->n_pairs;
            if (*slot) {
                pair_of[id] = *slot;
                continue;
            }
        }
        for (uint32_t i = 0; i < l; i++) {
            bool dup = false;
            for (uint32_t j = 0; j < i && !dup; j++)
                dup = s[j] == s[i];
            if (!m->cls[s[i]] && !dup) more++;
        }
        if (l == 0 || (key_bytes + l + 1) * (ncls + more + 1) > LITS_MAX_CELLS) {
            m->always[m->n_always++] = id;
            continue;
        }
        for (uint32_t i = 0; i < l; i++)
            if (!m->cls[s[i]]) m->cls[s[i]] = (uint8_t)ncls++;
        key_bytes += l;
        ids[n_ids++] = id;
    }
    for (unsigned c = 'A'; c <= 'Z'; c++)
        m->cls[c] = m->cls[c + 32];
    bool shared;
    ncls = lits_merge_classes(m->cls, &shared);
    m->ncls = ncls;
    if (m->n_pairs) { /* the compact table of the pairs' bytes, cases folded */
        /* at most 230 of each: no upper case letter is in a lowercased pair */
        uint8_t row[256] = {0}, col[256] = {0};
        unsigned n_rows = 1, n_cols = 1; /* row and column 0: no pair */
        for (unsigned v = 0; v < 65536; v++) {
            if (!m->pair_idx[v]) continue;
            if (!row[v >> 8]) row[v >> 8] = (uint8_t)n_rows++;
            if (!col[v & 255]) col[v & 255] = (uint8_t)n_cols++;
        }
        uint16_t *tab = xcalloc((size_t)n_rows * n_cols, sizeof *tab);
        for (unsigned v = 0; v < 65536; v++)
            if (m->pair_idx[v]) tab[row[v >> 8] * n_cols + col[v & 255]] = m->pair_idx[v];
        for (unsigned b = 0; b < 256; b++) {
            m->pair_row[b] = (uint16_t)(row[lower((unsigned char)b)] * n_cols);
            m->pair_col[b] = col[lower((unsigned char)b)];
        }
        free(m->pair_idx);
        m->pair_idx = tab;
    }
    if (m->n_pairs) { /* ids grouped by pair number (counting sort) */
        m->pair_first = xcalloc(m->n_pairs + 2, sizeof *m->pair_first);
        m->pair_ids = xmalloc((m->n + 1) * sizeof *m->pair_ids);
        for (uint32_t id = 0; id < m->n; id++)
            if (pair_of[id]) m->pair_first[pair_of[id] + 1]++;
        for (uint32_t k = 1; k <= m->n_pairs + 1; k++)
            m->pair_first[k] += m->pair_first[k - 1];
        uint32_t *fill = xmalloc((m->n_pairs + 2) * sizeof *fill);
        memcpy(fill, m->pair_first, (m->n_pairs + 2) * sizeof *fill);
        for (uint32_t id = 0; id < m->n; id++)
            if (pair_of[id]) m->pair_ids[fill[pair_of[id]]++] = id;
        free(fill);
    }
    free(pair_of);
    uint32_t stride = ncls + 1;
    /* exact state count from the sorted keys: 1 + sum(key length - common prefix) */
    sort_ids(m, ids, tmp, n_ids);
    size_t nstates = 1;
    for (uint32_t k = 0; k < n_ids; k++) {
        uint32_t l = key_len(m, ids[k]), cp = 0;
        if (k) {
            const char *a = m->lower + m->off[ids[k - 1]], *b = m->lower + m->off[ids[k]];
            uint32_t la = key_len(m, ids[k - 1]), mn = la < l ? la : l;
            while (cp < mn && m->cls[(unsigned char)a[cp]] == m->cls[(unsigned char)b[cp]])
                cp++;
        }
        nstates += l - cp;
    }
    uint32_t *go = xcalloc(nstates * ncls, sizeof *go);   /* 0: no child (root is never a child) */
    uint32_t *direct = xmalloc(nstates * sizeof *direct); /* id lists ending at a state */
    uint32_t *check = xmalloc(nstates * sizeof *check);
    uint32_t *next_id = xmalloc((m->n + 1) * sizeof *next_id);
    bool *whole_key = xmalloc((m->n + 1) * sizeof *whole_key);
    for (size_t s = 0; s < nstates; s++)
        direct[s] = check[s] = NO_STATE;
    uint32_t used = 1;
    for (uint32_t k = 0; k < n_ids; k++) {
        uint32_t id = ids[k], s = 0;
        const unsigned char *p = (const unsigned char *)m->lower + m->off[id];
        for (uint32_t i = 0; i < key_len(m, id); i++) {
            uint32_t *slot = &go[(size_t)s * ncls + m->cls[p[i]]];
            if (!*slot) *slot = used++;
            s = *slot;
        }
        bool whole = false;
        for (uint32_t i = 0; i < key_len(m, id) && shared; i++)
            whole |= m->cls[p[i]] == LITS_CLASSES - 1;
        uint32_t *head = m->len[id] <= LITS_KEY && !whole ? &direct[s] : &check[s];
        next_id[id] = *head;
        *head = id;
        whole_key[id] = whole;
    }
    /* breadth-first: failure links, full transitions, output links */
    uint32_t *fail = xcalloc(nstates, sizeof *fail);
    uint32_t *olink = xmalloc(nstates * sizeof *olink);
    uint32_t *queue = xmalloc(nstates * sizeof *queue);
    size_t qh = 0, qt = 0;
#define HAS_OUT(s) (direct[s] != NO_STATE || check[s] != NO_STATE)
    olink[0] = NO_STATE;
    for (uint32_t c = 0; c < ncls; c++) {
        uint32_t ch = go[c];
        if (ch) {
            fail[ch] = 0;
            olink[ch] = NO_STATE;
            queue[qt++] = ch;
        }
    }
    while (qh < qt) {
        uint32_t s = queue[qh++];
        uint32_t f = fail[s];
        for (uint32_t c = 0; c < ncls; c++) {
            uint32_t *slot = &go[(size_t)s * ncls + c];
            if (*slot) {
                uint32_t ch = *slot;
                uint32_t fc = go[(size_t)f * ncls + c];
                fail[ch] = fc;
                olink[ch] = HAS_OUT(fc) ? fc : olink[fc];
                queue[qt++] = ch;
            } else {
                *slot = go[(size_t)f * ncls + c];
            }
        }
    }
    /* renumber: states with output last, so the scan tests one bound, and
     * breadth-first within each group, so that the shallow states, where a
     * scan spends most of its steps, share cache lines */
    uint32_t *newid = xmalloc(nstates * sizeof *newid);
    uint32_t n_plain = 0, n_out = 0;
    for (size_t s = 0; s < nstates; s++)
        if (!HAS_OUT(s) && olink[s] == NO_STATE) n_plain++;
    newid[0] = 0; /* the root has no output */
    uint32_t next_plain = 1;
    for (size_t k = 0; k < qt; k++) {
        uint32_t s = queue[k];
        bool out = HAS_OUT(s) || olink[s] != NO_STATE;
        newid[s] = out ? n_plain + n_out++ : next_plain++;
    }
    bool narrow = nstates <= 65536;
    if (narrow) {
        m->shift = ncls <= LITS_VAL ? 5 : 6;
        stride = 1u << m->shift;
        m->delta_mem = xmalloc(nstates * stride * sizeof *m->delta16 + 64);
        m->delta16 = (uint16_t *)((char *)m->delta_mem + (64 - (uintptr_t)m->delta_mem % 64) % 64);
        m->pf_bytes = nstates * stride * sizeof *m->delta16;
        m->out_min = n_plain;
        for (size_t s = 0; s < nstates; s++) {
            uint16_t *row = m->delta16 + (size_t)newid[s] * stride;
            for (uint32_t c = 0; c < stride; c++)
                row[c] = 0;
            for (uint32_t c = 0; c < ncls; c++)
                row[val_col(c)] = (uint16_t)newid[go[s * ncls + c]];
        }
    } else {
        m->out_min = n_plain * stride;
        m->delta32 = xcalloc(nstates * stride, sizeof *m->delta32);
        m->pf_bytes = nstates * stride * sizeof *m->delta32;
        for (size_t s = 0; s < nstates; s++) {
            uint32_t *row = m->delta32 + (size_t)newid[s] * stride;
            for (uint32_t c = 0; c < ncls; c++)
                row[c] = newid[go[s * ncls + c]] * stride;
        }
    }
    /* the report records: their offsets, then their words */
    uint32_t *rec_at = xmalloc((n_out + 1) * sizeof *rec_at);
    size_t n_rep = 0;
    for (size_t s = 0; s < nstates; s++) {
        if (newid[s] < n_plain) continue;
        size_t words = 3, bytes = 0;
        for (uint32_t id = direct[s]; id != NO_STATE; id = next_id[id])
            words++;
        for (uint32_t id = check[s]; id != NO_STATE; id = next_id[id]) {
            words += 4;
            bytes += whole_key[id] ? m->len[id] : m->len[id] - key_len(m, id);
        }
        rec_at[newid[s] - n_plain] = (uint32_t)n_rep;
        n_rep += words + (bytes + 3) / 4;
        if (n_rep >= LITS_SINGLE) abort(); /* beyond LITS_MAX_CELLS long before */
    }
    m->rep = xcalloc(n_rep + 1, sizeof *m->rep);
    for (size_t s = 0; s < nstates; s++) {
        if (newid[s] < n_plain) continue;
        uint32_t at = rec_at[newid[s] - n_plain], *rec = m->rep + at, w = 3, nd = 0, nc = 0;
        for (uint32_t id = direct[s]; id != NO_STATE; id = next_id[id], nd++)
            rec[w++] = id;
        for (uint32_t id = check[s]; id != NO_STATE; id = next_id[id])
            nc++;
        /* the compared bytes after the check words */
        size_t byte_at = ((size_t)w + 4 * (size_t)nc) * sizeof *rec;
        for (uint32_t id = check[s]; id != NO_STATE; id = next_id[id]) {
            /* from the key's start when it holds a shared class, else
             * only what follows it */
            uint32_t key = key_len(m, id), from = whole_key[id] ? 0 : key;
            rec[w++] = id;
            rec[w++] = key - from;
            rec[w++] = m->len[id] - key;
            rec[w++] = (uint32_t)byte_at;
            memcpy((char *)rec + byte_at, m->lower + m->off[id] + from, m->len[id] - from);
            byte_at += m->len[id] - from;
        }
        rec[0] = olink[s] == NO_STATE ? NO_STATE : rec_at[newid[olink[s]] - n_plain];
        rec[1] = nd;
        rec[2] = nc;
        /* what the state reports: its record, or the id itself when that
         * is all there is to report (most states of short literals) */
        uint32_t v = at;
        if (nd == 1 && nc == 0 && rec[0] == NO_STATE) v = rec[3] | LITS_SINGLE;
        if (narrow) {
            uint16_t *row = m->delta16 + (size_t)newid[s] * stride;
            memcpy(row + LITS_VAL, &v, sizeof v);
        } else
            m->delta32[(size_t)newid[s] * stride + ncls] = v;
    }
    free(rec_at);
    if (narrow) /* the walk reads the columns of the rows */
        for (unsigned b = 0; b < 256; b++)
            m->cls[b] = (uint8_t)val_col(m->cls[b]);
#undef HAS_OUT
    free(ids);
    free(tmp);
    free(go);
    free(direct);
    free(check);
    free(next_id);
    free(whole_key);
    free(fail);
    free(olink);
    free(queue);
    free(newid);
}

/* A key ended at text[end - 1]: report its literals (r: the report
 * record of its state). */
static void lits_report(const sare_lits *m, uint32_t r, const unsigned char *text, size_t len,
                        size_t end, uint64_t *seen)
{
    for (; r != NO_STATE; r = m->rep[r]) {
        const uint32_t *rec = m->rep + r, *id = rec + 3;
        for (uint32_t k = 0; k < rec[1]; k++)
            seen[id[k] >> 6] |= (uint64_t)1 << (id[k] & 63);
        const uint32_t *c = id + rec[1];
        for (uint32_t k = 0; k < rec[2]; k++, c += 4) {
            uint32_t v = c[0];
            uint64_t bitv = (uint64_t)1 << (v & 63);
            if (seen[v >> 6] & bitv || c[2] > len - end) continue;
            const unsigned char *l = (const unsigned char *)rec + c[3], *t = text + end - c[1];
            size_t j = 0, n = (size_t)c[1] + c[2];
            while (j < n && lower(t[j]) == l[j])
                j++;
            if (j == n) seen[v >> 6] |= bitv;
        }
    }
}

/* What output state st of delta16 reports (see val_col). */
static inline uint32_t row_val(const uint16_t *d, size_t st, uint32_t sh)
{
    uint32_t v;
    memcpy(&v, d + (st << sh) + LITS_VAL, sizeof v);
    return v;
}

/* What output state value v reports, the key having ended at p[end - 1]. */
static inline void lits_hit(const sare_lits *m, uint32_t v, const unsigned char *p, size_t len,
                            size_t end, uint64_t *seen)
{
    if (v & LITS_SINGLE) {
        v &= ~LITS_SINGLE;
        seen[v >> 6] |= (uint64_t)1 << (v & 63);
    } else {
        lits_report(m, v, p, len, end, seen);
    }
}

#define LITS_STEP16(st, pos)                                                                       \
    do {                                                                                           \
        st = d[((size_t)st << sh) + cls[p[pos]]];                                                  \
        if (st >= lim) lits_hit(m, row_val(d, st, sh), p, len, (pos) + 1, seen);                   \
    } while (0)

#define LITS_STEP32(st, pos)                                                                       \
    do {                                                                                           \
        st = d[st + cls[p[pos]]];                                                                  \
        if (st >= lim) lits_hit(m, d[st + oc], p, len, (pos) + 1, seen);                           \
    } while (0)

/* The state after a byte depends only on the LITS_KEY - 1 bytes before it
 * (no key is longer), so a text is scanned as four interleaved slices, each
 * started LITS_KEY - 1 bytes early: four independent table walks hide each
 * other's load latency. A key ending in an overlap is reported twice, which
 * sets the same bits. Texts of LITS_TWO_MIN to LITS_FOUR_MIN - 1 bytes (a quarter of the
 * bytes the body rules' automaton reads on the bench, most of them lines
 * scanned one by one) go as two slices: one walk alone waits for every
 * load. */
#define LITS_WALK(STEP)                                                                            \
    do {                                                                                           \
        size_t i = 0;                                                                              \
        size_t s = 0;                                                                              \
        if (len >= LITS_FOUR_MIN) {                                                                \
            size_t q = len / 4, warm = LITS_KEY - 1;                                               \
            size_t i1 = q - warm, i2 = 2 * q - warm, i3 = 3 * q - warm;                            \
            size_t n = q + warm; /* slices 1..3 walk n bytes here; slice 0 walks q */              \
            size_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;                                                 \
            for (size_t k = 0; k < q; k++) {                                                       \
                STEP(s0, k);                                                                       \
                STEP(s1, i1 + k);                                                                  \
                STEP(s2, i2 + k);                                                                  \
                STEP(s3, i3 + k);                                                                  \
            }                                                                                      \
            for (size_t k = q; k < n; k++) {                                                       \
                STEP(s1, i1 + k);                                                                  \
                STEP(s2, i2 + k);                                                                  \
                STEP(s3, i3 + k);                                                                  \
            }                                                                                      \
            i = i3 + n; /* slice 3 goes on to the end */                                           \
            s = s3;                                                                                \
        } else if (len >= LITS_TWO_MIN) {                                                          \
            size_t q = len / 2, i1 = q - (LITS_KEY - 1);                                           \
            size_t s0 = 0, s1 = 0;                                                                 \
            for (size_t k = 0; k < q; k++) {                                                       \
                STEP(s0, k);                                                                       \
                STEP(s1, i1 + k);                                                                  \
            }                                                                                      \
            i = i1 + q; /* slice 1 goes on to the end */                                           \
            s = s1;                                                                                \
        }                                                                                          \
        for (; i < len; i++)                                                                       \
            STEP(s, i);                                                                            \
    } while (0)

/* Two-byte literals: every pair of the text marks its pair number, without
 * a branch; the ids of the marked pairs are reported at the end. */
static void lits_scan_pairs(const sare_lits *m, const unsigned char *p, size_t len, uint64_t *seen)
{
    /* a short text (two thirds of the scans on the bench are lines of up to
     * 64 bytes) lists the pair numbers it finds: clearing and sweeping the
     * marks cost more (3,800 instructions a message) */
    if (len <= LITS_PAIRS_SHORT) {
        uint16_t got[LITS_PAIRS_SHORT];
        size_t n = 0;
        for (size_t i = 0; i + 2 <= len; i++) {
            got[n] = m->pair_idx[m->pair_row[p[i]] + m->pair_col[p[i + 1]]];
            n += got[n] != 0;
        }
        for (size_t k = 0; k < n; k++)
            for (uint32_t j = m->pair_first[got[k]]; j < m->pair_first[got[k] + 1]; j++)
                seen[m->pair_ids[j] >> 6] |= (uint64_t)1 << (m->pair_ids[j] & 63);
        return;
    }
    uint8_t hit[LITS_MAX_PAIRS + 8]; /* read 8 at a time below */
    size_t nhit = (m->n_pairs + 8) & ~(size_t)7;
    memset(hit, 0, nhit);
    const uint16_t *pi = m->pair_idx, *pr = m->pair_row;
    const uint8_t *pc = m->pair_col;
    size_t i = 0;
    for (; i + 5 <= len; i += 4) {
        hit[pi[pr[p[i]] + pc[p[i + 1]]]] = 1;
        hit[pi[pr[p[i + 1]] + pc[p[i + 2]]]] = 1;
        hit[pi[pr[p[i + 2]] + pc[p[i + 3]]]] = 1;
        hit[pi[pr[p[i + 3]] + pc[p[i + 4]]]] = 1;
    }
    for (; i + 2 <= len; i++)
        hit[pi[pr[p[i]] + pc[p[i + 1]]]] = 1;
    hit[0] = 0; /* pair number 0: no pair */
    for (size_t w = 0; w < nhit; w += 8) {
        uint64_t word;
        memcpy(&word, hit + w, 8);
        /* each byte is 0 or 1: visit the set bits only (the byte-by-byte
         * walk cost 19,000 instructions a message more on the bench) */
        while (word) {
            size_t k = w + (size_t)(__builtin_ctzll(word) >> 3);
            word &= word - 1;
            for (uint32_t j = m->pair_first[k]; j < m->pair_first[k + 1]; j++)
                seen[m->pair_ids[j] >> 6] |= (uint64_t)1 << (m->pair_ids[j] & 63);
        }
    }
}

/* A batch of texts walked as LITS_LANES interleaved lanes. A text scanned
 * on its own has at most four slices, and a body line, the most common
 * text, one or two: each step then waits for the table load before it,
 * and between two messages the regexes evict the table, so the walk
 * waits for one cache miss after another (rdtsc on the 2,000 bench
 * messages: the body lines' scans 126-200 cycles a byte, 22 when the same
 * line is scanned again at once). Here the bytes of all the texts, end to
 * end, are cut in LITS_LANES equal shares, each walked by its own lane
 * from LITS_KEY - 1 bytes before its share (as the slices of LITS_WALK),
 * a lane going on to the next text where one ends: the loads of the
 * lanes are independent and overlap. A round walks all lanes as many
 * bytes as the nearest end of a text or share allows, with no test of an
 * end inside. */
#define LITS_LANES 8     /* lits_walk_lanes names 8 lanes' locals */
#define LITS_LANE_MIN 24 /* bytes a lane at least: a share's warm-up is up to 7 */

struct lits_lane { /* what a lane's hits need of its text */
    const unsigned char *p;
    size_t len;
    uint64_t *seen;
};

static uint64_t *row_of(uint64_t *rows, size_t w, size_t i)
{
    return rows + i * w;
}

/* Lane k onto the next text with bytes (there is one: left[k] > 0). */
#define LITS_LANE_NEXT(k)                                                                          \
    do {                                                                                           \
        do                                                                                         \
            ti[k]++;                                                                               \
        while (!t[ti[k]].len);                                                                     \
        ln[k] = (struct lits_lane){(const unsigned char *)t[ti[k]].p, t[ti[k]].len,                \
                                   row_of(rows, w, ti[k])};                                        \
        cur[k] = ln[k].p;                                                                          \
        st[k] = 0;                                                                                 \
        seg[k] = ln[k].len < left[k] ? ln[k].len : left[k];                                        \
    } while (0)

static inline __attribute__((always_inline)) void
lits_walk_lanes_sh(const sare_lits *m, const struct sare_text *t, uint64_t *rows, size_t w,
                   size_t total, const uint32_t sh)
{
    const uint16_t *d = m->delta16;
    const uint32_t lim = m->out_min;
    const uint8_t *cls = m->cls;
    struct lits_lane ln[LITS_LANES];
    const unsigned char *cur[LITS_LANES];
    size_t st[LITS_LANES];
    /* seg: bytes to the end of the lane's text or share; left: of its share */
    size_t seg[LITS_LANES], left[LITS_LANES], ti[LITS_LANES];
    size_t i = 0, base = 0; /* text i spans [base, base + t[i].len) of the whole */
#pragma GCC unroll 8
    for (size_t k = 0; k < LITS_LANES; k++) {
        size_t g = total / LITS_LANES * k,
               g_end = k + 1 < LITS_LANES ? g + total / LITS_LANES : total;
        while (base + t[i].len <= g)
            base += t[i++].len;
        size_t o = g - base, warm = o < LITS_KEY - 1 ? o : LITS_KEY - 1;
        ti[k] = i;
        ln[k] = (struct lits_lane){(const unsigned char *)t[i].p, t[i].len, row_of(rows, w, i)};
        cur[k] = ln[k].p + o - warm;
        st[k] = 0;
        left[k] = g_end - g + warm;
        seg[k] = t[i].len - (o - warm) < left[k] ? t[i].len - (o - warm) : left[k];
    }
    for (bool done = false; !done;) {
        size_t r = seg[0];
#pragma GCC unroll 8
        for (size_t k = 1; k < LITS_LANES; k++)
            r = seg[k] < r ? seg[k] : r;
        /* the states and positions in locals (registers), not the arrays */
        size_t s0 = st[0], s1 = st[1], s2 = st[2], s3 = st[3], s4 = st[4], s5 = st[5], s6 = st[6],
               s7 = st[7];
        const unsigned char *c0 = cur[0], *c1 = cur[1], *c2 = cur[2], *c3 = cur[3], *c4 = cur[4],
                            *c5 = cur[5], *c6 = cur[6], *c7 = cur[7];
#define LITS_LANE_STEP(k)                                                                          \
    do {                                                                                           \
        s##k = d[((size_t)s##k << sh) + cls[c##k[j]]];                                             \
        if (s##k >= lim)                                                                           \
            lits_hit(m, row_val(d, s##k, sh), ln[k].p, ln[k].len,                                  \
                     (size_t)(c##k + j + 1 - ln[k].p), ln[k].seen);                                \
    } while (0)
        for (size_t j = 0; j < r; j++) {
            LITS_LANE_STEP(0);
            LITS_LANE_STEP(1);
            LITS_LANE_STEP(2);
            LITS_LANE_STEP(3);
            LITS_LANE_STEP(4);
            LITS_LANE_STEP(5);
            LITS_LANE_STEP(6);
            LITS_LANE_STEP(7);
        }
#undef LITS_LANE_STEP
        st[0] = s0, st[1] = s1, st[2] = s2, st[3] = s3, st[4] = s4, st[5] = s5, st[6] = s6,
        st[7] = s7;
#pragma GCC unroll 8
        for (size_t k = 0; k < LITS_LANES; k++) {
            cur[k] += r, seg[k] -= r, left[k] -= r;
            if (seg[k]) continue;
            if (left[k])
                LITS_LANE_NEXT(k);
            else
                done = true;
        }
    }
/* the lanes not yet at the end of their shares: at most LITS_KEY - 1
 * bytes more than the one that was */
#pragma GCC unroll 8
    for (size_t k = 0; k < LITS_LANES; k++) {
        while (left[k]) {
            if (!seg[k]) LITS_LANE_NEXT(k);
            st[k] = d[((size_t)st[k] << sh) + cls[*cur[k]]];
            cur[k]++, seg[k]--, left[k]--;
            if (st[k] >= lim)
                lits_hit(m, row_val(d, st[k], sh), ln[k].p, ln[k].len, (size_t)(cur[k] - ln[k].p),
                         ln[k].seen);
        }
    }
}

#undef LITS_LANE_NEXT

/* the row shift (5 or 6) a constant in each copy: one register more for
 * the lanes, and no shift by a register (with the lanes' states and
 * positions in locals, 3,107,000 -> 3,092,000 instructions a message) */
static void lits_walk_lanes(const sare_lits *m, const struct sare_text *t, uint64_t *rows, size_t w,
                            size_t total)
{
    if (m->shift == 6)
        lits_walk_lanes_sh(m, t, rows, w, total, 6);
    else
        lits_walk_lanes_sh(m, t, rows, w, total, 5);
}

/* The automaton over one text (LITS_WALK's slices). */
static void lits_walk_one(const sare_lits *m, const char *text, size_t len, uint64_t *seen)
{
    const unsigned char *p = (const unsigned char *)text;
    const uint8_t *cls = m->cls;
    const uint32_t lim = m->out_min;
    if (m->delta16) {
        const uint16_t *d = m->delta16;
        const uint32_t sh = m->shift;
        LITS_WALK(LITS_STEP16);
    } else if (m->delta32) {
        const uint32_t *d = m->delta32;
        const uint32_t oc = m->ncls;
        LITS_WALK(LITS_STEP32);
    }
}

void sare_lits_scan_texts(const sare_lits *m, const struct sare_text *t, size_t n, uint64_t *rows,
                          size_t w)
{
    if (!m->built) abort(); /* contract: build before scanning */
    size_t total = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t *seen = row_of(rows, w, i);
        for (uint32_t k = 0; k < m->n_always; k++)
            seen[m->always[k] >> 6] |= (uint64_t)1 << (m->always[k] & 63);
        if (!t[i].p && t[i].len) abort(); /* contract: no bytes without a pointer */
        total += t[i].len;
    }
    if (!total) return;
    /* fetched while the pairs are scanned */
    const char *table = m->delta16 ? (const char *)m->delta16 : (const char *)m->delta32;
    size_t pf = m->pf_bytes < LITS_PREFETCH ? m->pf_bytes : LITS_PREFETCH;
    for (size_t o = 0; o < pf; o += 64)
        __builtin_prefetch(table + o);
    for (size_t o = 0; o < sizeof m->cls; o += 64)
        __builtin_prefetch(m->cls + o);
    if (m->n_pairs)
        for (size_t i = 0; i < n; i++)
            if (t[i].len)
                lits_scan_pairs(m, (const unsigned char *)t[i].p, t[i].len, row_of(rows, w, i));
    if (m->delta16 && total >= LITS_LANES * LITS_LANE_MIN) {
        lits_walk_lanes(m, t, rows, w, total);
        return;
    }
    for (size_t i = 0; i < n; i++)
        if (t[i].len) lits_walk_one(m, t[i].p, t[i].len, row_of(rows, w, i));
}

void sare_lits_scan(const sare_lits *m, const char *text, size_t len, uint64_t *seen)
{
    struct sare_text t = {text, text ? len : 0};
    sare_lits_scan_texts(m, &t, 1, seen, 0);
}

#undef LITS_STEP16
#undef LITS_STEP32
#undef LITS_WALK

void sare_lits_free(sare_lits *m)
{
    if (!m) return;
    if (!m->subset) {
        free(m->bytes);
        free(m->off);
        free(m->len);
        free(m->lower);
    }
    free(m->hash);
    free(m->delta_mem);
    free(m->delta32);
    free(m->rep);
    free(m->always);
    free(m->pair_idx);
    free(m->pair_first);
    free(m->pair_ids);
    free(m);
}

/* ---------------------------------------------------------------------------
 * Occurrences apart: how many occurrences of a literal set a text holds with
 * no two overlapping (sare_fold_repeats). Literals are bucketed by their
 * first two bytes, shortest first: at each position the shortest literal that
 * starts there is the only one that matters (a longer one from the same
 * start ends later). Earliest end first is the classic greedy that finds
 * the largest set of intervals apart.
 */

/* Literals by first byte b and key k (0: the literal is b alone; c + 1: its
 * second byte is c), shortest first: ids[sub[row[b] * APART_KEYS + k] ..
 * sub[row[b] * APART_KEYS + k + 1]). In the look-alike fold, pairs such as
 * "aa" and "ai" start many literals, and trying every literal of the first
 * byte was most of sare_apart_count (about 66,000 instructions a message on
 * the bench messages). */
#define APART_KEYS 258u /* 257 keys and the end of the last */

struct sare_apart {
    /* bit b + 256 * c: a literal starts with the bytes b, c (a one-byte
     * literal b sets every c): a position whose two bytes are not such a
     * pair starts no literal (b low: the two bytes are one 16-bit load) */
    uint64_t pair[1024];
    /* with no literal shorter than 3 bytes (min3): bit c + 256 * d, a
     * literal has the bytes c, d second and third, tested on a position's
     * second and third bytes before its bucket is probed (most probes in
     * the stock rules' sets found nothing: cgmsg 2,830,706 -> 2,829,066
     * instructions a message) */
    uint64_t pair23[1024];
    bool min3;
    uint16_t row[256];  /* 0: no literal starts with b */
    uint32_t base[256]; /* row[b] * APART_KEYS: no multiply a probe (-154 instructions a message) */
    /* APART_KEYS per row; row 0 is all 0 (no literal); at most 257 rows
     * (about 265 KB), set by the literals, not the texts */
    uint32_t *sub;
    uint32_t *ids; /* by first byte, then key, then length */
    /* the literals in the order of ids, with their first 8 bytes (as one
     * load of the text reads them) and a mask of those in the literal: a
     * bucket's literals are tested with one compare each where the text
     * has 8 bytes left (the byte loop through ids, len and off was about
     * half of sare_apart_count: cgmsg 2,837,699 -> 2,833,237 instructions
     * a message, sare_apart_count 7.71M -> 6.34M over 301 messages) */
    struct apart_lit {
        uint64_t head, mask;
        uint32_t len, off;
    } * lit;
    char *bytes;
    size_t *off, *len;
    size_t n;
    /* every literal is two bytes long: a pair in the bitmap is an
     * occurrence, no bucket to probe (the stock rules' set of initials,
     * "a " ... "x.", counted on most lines: sare_apart_count 6.34M ->
     * 6.05M instructions over 301 messages) */
    bool pairs_only;
};

/* the key of a literal (APART_KEYS above) */
static unsigned apart_key(const unsigned char *l, size_t n)
{
    return n == 1 ? 0 : (unsigned)l[1] + 1;
}

/* true: literal i of a (the first m) holds another one, or equals an
 * earlier one */
static bool apart_holds_other(const sare_apart *a, size_t m, size_t i)
{
    const char *li = a->bytes + a->off[i];
    size_t ni = a->len[i];
    for (size_t j = 0; j < m; j++) {
        size_t nj = a->len[j];
        if (j == i || nj > ni || (nj == ni && j > i)) continue;
        const char *lj = a->bytes + a->off[j];
        for (size_t at = 0; at + nj <= ni; at++)
            if (memcmp(li + at, lj, nj) == 0) return true;
    }
    return false;
}

sare_apart *sare_apart_new(const char *const *lits, const size_t *lens, size_t n)
{
    sare_apart *a = xcalloc(1, sizeof *a);
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    a->bytes = xmalloc(total ? total : 1);
    a->off = xmalloc((n ? n : 1) * sizeof *a->off);
    a->len = xmalloc((n ? n : 1) * sizeof *a->len);
    a->ids = xmalloc((n ? n : 1) * sizeof *a->ids);
    size_t at = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!lens[i]) continue; /* an empty literal proves nothing: never one of the set */
        memcpy(a->bytes + at, lits[i], lens[i]);
        a->off[m] = at;
        a->len[m] = lens[i];
        at += lens[i];
        m++;
    }
    /* A literal that holds another one of the set never changes the count:
     * each of its occurrences holds one of the other, which ends no later,
     * so swapping them keeps a set apart (and one of two equal literals is
     * enough). Dropping them shortens the buckets: "nam" alone stands for
     * "name", "names", "aser name", ... (the stock rules' largest set:
     * 120 -> 87 literals; sare_apart_count 33,300 -> 30,500 instructions
     * a message on the bench). */
    size_t kept = 0;
    for (size_t i = 0; i < m; i++) {
        if (!apart_holds_other(a, m, i)) {
            a->off[kept] = a->off[i];
            a->len[kept] = a->len[i];
            kept++;
        }
    }
    m = kept;
    a->n = m;
    a->min3 = m > 0;
    for (size_t i = 0; i < m; i++) {
        const unsigned char *l = (const unsigned char *)a->bytes + a->off[i];
        if (a->len[i] < 3) {
            a->min3 = false;
            break;
        }
        a->pair23[(l[2] << 8 | l[1]) >> 6] |= (uint64_t)1 << (l[1] & 63);
    }
    a->pairs_only = m > 0;
    for (size_t i = 0; i < m; i++)
        a->pairs_only &= a->len[i] == 2;
    /* rows for the first bytes in use */
    unsigned rows = 1;
    for (size_t i = 0; i < m; i++) {
        unsigned b = (unsigned char)a->bytes[a->off[i]];
        if (!a->row[b]) a->row[b] = (uint16_t)rows++;
    }
    /* counting sort by (row, key); insertion sort by length inside a bucket */
    a->sub = xcalloc((size_t)rows * APART_KEYS, sizeof *a->sub);
    uint32_t *cnt = xcalloc((size_t)rows * APART_KEYS, sizeof *cnt);
    for (size_t i = 0; i < m; i++) {
        const unsigned char *l = (const unsigned char *)a->bytes + a->off[i];
        cnt[a->row[l[0]] * APART_KEYS + apart_key(l, a->len[i]) + 1]++;
    }
    for (size_t k = 0; k + 1 < (size_t)rows * APART_KEYS; k++)
        cnt[k + 1] += cnt[k];
    memcpy(a->sub, cnt, (size_t)rows * APART_KEYS * sizeof *cnt);
    for (size_t i = 0; i < m; i++) {
        const unsigned char *l = (const unsigned char *)a->bytes + a->off[i];
        if (a->len[i] == 1)
            for (unsigned c = 0; c < 256; c++)
                a->pair[(c << 8 | l[0]) >> 6] |= (uint64_t)1 << (l[0] & 63);
        else
            a->pair[(l[1] << 8 | l[0]) >> 6] |= (uint64_t)1 << (l[0] & 63);
    }
    for (size_t i = 0; i < m; i++) {
        const unsigned char *l = (const unsigned char *)a->bytes + a->off[i];
        size_t bk = a->row[l[0]] * APART_KEYS + apart_key(l, a->len[i]);
        size_t j = cnt[bk]++;
        while (j > a->sub[bk] && a->len[a->ids[j - 1]] > a->len[i]) {
            a->ids[j] = a->ids[j - 1];
            j--;
        }
        a->ids[j] = (uint32_t)i;
    }
    free(cnt);
    for (unsigned b = 0; b < 256; b++)
        a->base[b] = a->row[b] * APART_KEYS;
    a->lit = xmalloc((m ? m : 1) * sizeof *a->lit);
    for (size_t k = 0; k < m; k++) {
        uint32_t id = a->ids[k];
        size_t l = a->len[id], h = l < 8 ? l : 8;
        unsigned char head[8] = {0}, mask[8] = {0};
        memcpy(head, a->bytes + a->off[id], h);
        memset(mask, 0xff, h);
        struct apart_lit *e = &a->lit[k];
        memcpy(&e->head, head, 8);
        memcpy(&e->mask, mask, 8);
        e->len = (uint32_t)l;
        e->off = (uint32_t)a->off[id];
    }
    return a;
}

/* true: a literal may start at p (p[1] must be in the text). The two
 * bytes as one 16-bit load, a bit test: the skipping loop went from 15 to
 * 10 instructions a position (cgmsg 2,842,453 -> 2,837,699 instructions a
 * message); four positions a round with one branch cost more, as one
 * position in five may start a literal on the bench. */
static inline bool apart_may_start(const uint64_t *pair, const unsigned char *p)
{
    size_t k = (size_t)p[0] | (size_t)p[1] << 8;
    return pair[k >> 6] >> (k & 63) & 1;
}

/* The first position from i on, before last, where a literal may start,
 * or last: four positions a round, one loop test for four (cgmsg
 * 2,832,313 -> 2,830,860 instructions a message; two a round: 2,831,732) */
static size_t apart_skip(const uint64_t *pair, const unsigned char *t, size_t i, size_t last)
{
    while (last - i >= 4) {
        if (apart_may_start(pair, t + i)) return i;
        if (apart_may_start(pair, t + i + 1)) return i + 1;
        if (apart_may_start(pair, t + i + 2)) return i + 2;
        if (apart_may_start(pair, t + i + 3)) return i + 3;
        i += 4;
    }
    while (i < last && !apart_may_start(pair, t + i))
        i++;
    return i;
}

size_t sare_apart_count(const sare_apart *a, const char *text, size_t len, size_t enough)
{
    size_t count = 0, cand = SIZE_MAX; /* cand: the earliest end of an occurrence since the last */
    const unsigned char *t = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        if (i >= cand) { /* nothing starting here ends sooner */
            count++;
            cand = SIZE_MAX;
            if (count >= enough) return count;
        }
        /* skip the positions whose two bytes start no literal (up to the
         * last byte: its own test below); passing cand on the way changes
         * nothing, as no occurrence starts in between: it is counted first */
        i = apart_skip(a->pair, t, i, len - 1);
        if (i >= cand) continue;
        if (a->pairs_only) {
            if (i + 1 < len && i + 2 < cand) cand = i + 2;
            i++;
            continue;
        }
        if (a->min3 && (i + 2 >= len || !apart_may_start(a->pair23, t + i + 1))) {
            i++;
            continue;
        }
        const uint32_t *r = a->sub + a->base[t[i]];
        if (r[0] < r[1]) { /* t[i] is a literal: none ends sooner */
            if (i + 1 < cand) cand = i + 1;
        } else if (i + 1 < len) {
            unsigned key = (unsigned)t[i + 1] + 1;
            size_t room = len - i;
            if (room >= 8) {
                uint64_t x;
                memcpy(&x, t + i, 8);
                const struct apart_lit *e = a->lit + r[key], *end = a->lit + r[key + 1];
                for (; e < end; e++) {
                    size_t l = e->len;
                    if (l > room) break; /* the rest are longer still */
                    if ((x ^ e->head) & e->mask) continue;
                    if (l > 8) {
                        const unsigned char *lit = (const unsigned char *)a->bytes + e->off;
                        size_t j = 8;
                        while (j < l && lit[j] == t[i + j])
                            j++;
                        if (j < l) continue;
                    }
                    if (i + l < cand) cand = i + l;
                    break;
                }
            } else
                for (uint32_t k = r[key]; k < r[key + 1]; k++) {
                    uint32_t id = a->ids[k];
                    size_t l = a->len[id];
                    if (l > len - i) break; /* the rest are longer still */
                    const unsigned char *lit = (const unsigned char *)a->bytes + a->off[id];
                    size_t j = 2; /* the bucket holds the literals starting with t[i], t[i + 1] */
                    while (j < l && lit[j] == t[i + j])
                        j++;
                    if (j >= l) {
                        if (i + l < cand) cand = i + l;
                        break;
                    }
                }
        }
        i++;
    }
    if (cand != SIZE_MAX) count++;
    return count;
}

void sare_apart_free(sare_apart *a)
{
    if (!a) return;
    free(a->sub);
    free(a->ids);
    free(a->lit);
    free(a->bytes);
    free(a->off);
    free(a->len);
    free(a);
}

/* ---------------------------------------------------------------------------
 * Named captures (SpamAssassin 4 capture rules)
 */

bool sare_has_names(const sare *re)
{
    if (!re || re->n_parts > 1) return false; /* a split pattern keeps no names */
    uint32_t n = 0;
    pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &n);
    return n > 0;
}

size_t sare_named(const sare *re, const char *subj, size_t len, size_t start,
                  void (*cb)(void *ctx, const char *name, const char *val, size_t vlen), void *ctx)
{
    if (!sare_has_names(re) || (!subj && len) || start > len) return 0;
    struct tls *t = tls_get();
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re->code, NULL);
    if (!md) oom();
    size_t reported = 0;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)(subj ? subj : ""), len, start, 0, md, t->mc);
    if (rc > 0) {
        uint32_t count = 0, esize = 0;
        PCRE2_SPTR table = NULL;
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMECOUNT, &count);
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMEENTRYSIZE, &esize);
        pcre2_pattern_info(re->code, PCRE2_INFO_NAMETABLE, &table);
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        uint32_t npairs = pcre2_get_ovector_count(md);
        for (uint32_t i = 0; table && i < count; i++) {
            PCRE2_SPTR e = table + (size_t)i * esize;
            uint32_t g = ((uint32_t)e[0] << 8) | e[1];
            if (g >= npairs || ov[2 * g] == PCRE2_UNSET || ov[2 * g + 1] <= ov[2 * g]) continue;
            cb(ctx, (const char *)(e + 2), subj + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
            reported++;
        }
    }
    pcre2_match_data_free(md);
    return reported;
}

void sare_quote(struct arena_str *b, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '_') {
            arena_str_put(b, p + i, 1);
        } else if (ch == 0) {
            arena_str_put(b, "\\x00", 4);
        } else {
            arena_str_put(b, "\\", 1);
            arena_str_put(b, p + i, 1);
        }
    }
}
