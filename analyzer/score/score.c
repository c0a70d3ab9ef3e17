/* score — the rules engine (see score.h). Compile: every rule of a finished
 * rule set gets a compiled regex, a bound eval function or a meta program;
 * the literal prefilter sets of all regexes go into one Aho-Corasick
 * automaton. Run: per text (header value, body, rawbody, uris, full) one
 * pass of the automaton marks which literals occur, and only the regexes
 * whose set met the text (both sets, for a regex with a second one:
 * sare_literals2), or that have no set, are matched; then evals, then
 * metas in dependency order; then the hit list.
 *
 * SpamAssassin semantics kept here (Mail::SpamAssassin::Plugin::Check and
 * PerMsgStatus::got_hit): a rule whose score is 0 is disabled; an absent
 * header is matched as "" unless [if-unset: ...] gives a value; body and
 * rawbody regexes run line by line; `multiple` counts every match (and adds
 * the score per match), `maxhits=N` stops at N; a meta sees each rule's hit
 * count, evaluates with Perl's operators (&& and || return an operand) and
 * hits with its value; "__" rules never add to the total. */
#include "score/score.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/verify.h"
#include "score/evals.h"
#include "score/saregex.h"
#include "util/hash.h"
#include "util/xalloc.h"

/* ---- meta programs ---- */

enum mop {
    MOP_NUM,  /* push num */
    MOP_RULE, /* push count[rule] */
    MOP_NOT,
    MOP_NEG,
    MOP_MUL,
    MOP_DIV,
    MOP_ADD,
    MOP_SUB,
    MOP_LT,
    MOP_GT,
    MOP_LE,
    MOP_GE,
    MOP_EQ,
    MOP_NE,
    MOP_XOR,
    MOP_AND,
    MOP_OR,
};

struct mins {
    enum mop op;
    uint32_t rule;
    double num;
};

#define META_MAX_TOKENS 4096
#define META_MAX_STACK 512

/* The fields every rule a message runs reads come first, together: a
 * crule is 360 bytes, and with them spread over it (and r->exists,
 * r->tflags read through r) each rule run cost two or three cache misses
 * before its regex (perf: reading r->exists in run_headers was 29% of
 * scorer_run's own samples, budget_of's r->tflags 9%). */
struct crule {
    const struct rule *r;
    /* copies of r's facts that matching reads (set in scorer_new) */
    int budget;           /* matches counted at most: budget_of */
    bool exists;          /* r->exists */
    bool negate;          /* r->negate */
    bool multi;           /* r->tflags & TF_MULTIPLE */
    const char *if_unset; /* r->if_unset */
    bool enabled;         /* runs (status OK and score non-zero) */
    bool sub;             /* the name starts with "__": never scored */
    bool caps;            /* the regex has named groups: a hit sets tags */
    sare *re;
    /* cached body rules: the start pairs of re and of pre
     * (sare_starts_new), or NULL */
    sare_starts *st, *pre_st;
    /* a cached body rule whose regex matches only a small set of fixed
     * strings (sare_fixed_new: /e/, /<lcase_e>/), found without PCRE2, or
     * NULL */
    sare_fixed *fixed;
    /* a regex rule: a run of run_min bytes of run_bytes that any match
     * holds (sare_required_run); run_min 0: none */
    size_t run_min;
    uint64_t run_bytes[4];
    /* a header rule /^[^\]]+ KEY=REST/: REST compiled (see tkey below) */
    sare *tail;
    /* a header rule whose every match ends "@" and one word byte with at
     * most at_w bytes before the "@" (at_width); -1: none */
    int16_t at_w;
    /* a header rule: strings every match holds one after the other, none
     * overlapping the next (ordered_segments), s->segs[seg_off ..], n_seg
     * of them (0: no such test); seg_ci: compared caselessly */
    uint32_t seg_off;
    uint16_t n_seg;
    bool seg_ci;
    /* the regex has leading strings (sare_has_lead): a text none of them
     * begins where a match can start is not matched */
    bool lead;
    const struct eval_def *ev;
    uint32_t n_lits; /* prefilter literals (sare_literals); 0: always run */
    /* their ids in s->lits as bit masks over the words of a seen[] bitset:
     * s->lmask[lm_off ..], n_lm of them (one per word touched; a rule's
     * literals are mostly numbered in a row, so one or two words) */
    uint32_t lm_off, n_lm;
    /* the second literal set (sare_literals2) as masks, s->lmask[lm2_off ..],
     * n_lm2 of them (0: none): with one, a text must hold a literal of each
     * set (/\bfree\s+money\b/: "money" and "free") */
    uint32_t lm2_off, n_lm2;
    /* body rules with no literal set: how many folded literals, per fold
     * (sare_fold_literals; n_flits 0: none in that fold), as bit masks over
     * the words of a line's seen[] bitset: s->fmask[fm_off[f] ..], n_fm[f]
     * of them (one per word touched) */
    uint32_t n_flits[SARE_N_FOLDS];
    uint32_t fm_off[SARE_N_FOLDS], n_fm[SARE_N_FOLDS];
    /* the more folded sets (sare_fold_literals_more) likewise: fmx_off,
     * n_fmx (0: none); a folded line must hold a literal of each set */
    uint32_t fmx_off[SARE_N_FOLDS][SARE_FOLD_MORE], n_fmx[SARE_N_FOLDS][SARE_FOLD_MORE];
    /* per fold: 0, or 1 + the index in s->aparts of the count of folded
     * literals apart that the line must reach (sare_fold_repeats > 1) */
    uint32_t apart[SARE_N_FOLDS];
    uint32_t prog_off, prog_len; /* meta program in s->prog */
    uint32_t group;              /* header/mimeheader rules: index into s->groups */
    /* an exists: rule whose group asks for its header by the same name with
     * the default modifier: the group's value answers it */
    bool ex_same;
    bool tmpl; /* the regex uses %{NAME} tags: compiled per message */
    /* a template whose every match holds the value of the tag named
     * (req_off,req_len) in r->regex (tmpl_required): skipped where no text
     * holds one of the tag's values; req_len 0: always compiled */
    uint16_t req_off, req_len;
    /* with req_len: the byte every match holds right before the tag's value
     * (an ASCII punctuation character written as the literal just before the
     * placeholder, tmpl_required), or 0 */
    char req_before;
    /* a cached body rule (?:X){n}, n >= REPEAT_MIN: (?:X){REPEAT_TRY},
     * which matches wherever the rule can (its first copies); a line it
     * does not match is skipped (repeat_prefix) */
    sare *pre;
    /* a cached body rule (?:X){n}, n >= CHAIN_MIN: the chain prefilter of
     * its one copy (chain_of), and n */
    sare_chain *chain;
    unsigned chain_reps;
    /* a cached body rule: bytes of which any match holds one
     * (sare_required_bytes); has_rb false: none known */
    bool has_rb;
    uint64_t rb[4];
    /* a header rule /^[^\]]+ KEY=REST/ (as the X-Spam-Relays-* rules are
     * written): REST compiled as /^ KEY=REST/ (key_tail; `tail`, with the
     * hot fields above, NULL: none), and " KEY=" (tkey, tkey_len bytes;
     * caseless with tkey_ci) */
    char tkey[24];
    uint8_t tkey_len;
    bool tkey_ci;
    /* REST plain ASCII bytes (none of \^$.|?*+()[]{}): tlit, tlit_len of
     * them (in r->regex), compared without the regex; tlit_len 0: not */
    const char *tlit;
    uint16_t tlit_len;
};

static int budget_of(const struct crule *c);

/* sare_match with the rule's regex, through its start pairs when it has them
 * (or its fixed strings) */
static enum sare_rc rule_match(const struct crule *c, const char *p, size_t len, size_t at,
                               size_t *ms, size_t *me)
{
    if (c->fixed) return sare_fixed_next(c->fixed, p, len, at, ms, me) ? SARE_MATCH : SARE_NOMATCH;
    return c->st ? sare_starts_match(c->st, p, len, at, ms, me)
                 : sare_match(c->re, p, len, at, ms, me);
}
static void lc_release(uint64_t owner);

struct hgroup {
    const char *name;
    struct msgview_key key; /* of name */
    char *area;             /* "header:NAME", a rule's area when it hits */
    size_t area_len;
    enum rule_hdr_mod mod;
    bool any_lits;
    uint32_t *rules; /* header rules of this group (enabled), definition order */
    size_t n, cap;
    /* those of them that can hit when the message has no such header: all
     * but the plain regex rules with a literal set and no [if-unset] ("":
     * no literal, no match); most of the names asked are absent */
    uint32_t *unset;
    size_t n_unset;
    /* per rule of `rules`: its literal masks when it is a plain regex rule
     * with a literal set (not exists:, not !~), else n_lm 0. A header
     * value holds the literals of few of a group's rules: the others are
     * passed over from this array alone, without reading the rule (those
     * reads, a cache miss or two a rule, were a fifth of scorer_run's own
     * time in perf on the bench) */
    struct hplain *plain;
    /* the literals of its rules with a set (both sets), when there are at
     * most DIRECT_MAX: a value is searched for each of them (lit_in)
     * instead of being walked by the automaton of all literals. ALL:raw
     * (1.2 KB a message on the bench) has two such rules and five literals;
     * the automaton's walk costs about 25 instructions a byte */
    struct dlit *dl;
    size_t n_dl;
    sare_lits *lits; /* its rules' literals (lits_of), NULL: none has any */
};

#define DIRECT_MAX 8

/* a literal of s->lits, by id: bytes (p,len) compared ASCII-caselessly, as
 * the automaton compares; anchor: the index of a byte that is no ASCII
 * letter (one case: found with memchr), or len when all are letters */
struct dlit {
    const char *p;
    uint32_t id, len, anchor;
};

struct hplain {
    uint32_t lm_off, n_lm, lm2_off, n_lm2;
};

struct fmask {
    uint64_t bits;
    uint32_t word;
};

/* one string of a rule's ordered test: bytes seg_bytes[off .. off + len);
 * anchor: the position in it of a byte that is no ASCII letter (searched for
 * with memchr, it has one case), or len when every byte is a letter */
struct seg {
    uint32_t off;
    uint16_t len, anchor;
};

/* A run list's rules by literal: the positions (in the list) of the rules
 * whose first set holds literal id are pos[off[id] .. off[id + 1]); those
 * with no set are bits of `always`. With it, the rules a text may match are
 * found from the literals it holds (about 136 a message body on the bench)
 * instead of testing every rule's masks (465 body rules). */
struct lindex {
    uint32_t *off, *pos;
    uint64_t *always;
    sare_lits *lits; /* the list's rules' literals (lits_of), NULL: none has any */
};

struct apart_set {
    sare_apart *a;
    unsigned fold;
    const char *const *lits; /* the first rule's set (lives with its regex) */
    const size_t *lens;
    size_t n;
    unsigned reps; /* the most any of its rules needs: counting stops there */
};

/* a meta's program (its crule's prog_off, prog_len), kept in a row per
 * meta so that evaluating one does not read its crule (a cache miss) */
struct mprog {
    uint32_t off, len;
    /* up to two rules it reads whose 0 makes it 0 (meta_zero_without),
     * UINT32_MAX: none; a meta with one of them at 0 is not evaluated */
    uint32_t req[2];
};

struct scorer {
    struct ruleset *rs;
    struct crule *cr;
    size_t n;
    sare_lits *lits;     /* every rule's literals, numbered; not built: each
                          * text is scanned for a subset (lits_of) */
    struct fmask *lmask; /* see crule.lm_off */
    size_t n_lmask, cap_lmask;
    uint32_t n_words; /* bitset words for the literal set */
    /* the folded prefilter (see "folded prefilter"): one matcher per fold */
    sare_lits *flits[SARE_N_FOLDS];
    uint32_t n_fwords[SARE_N_FOLDS];
    struct fmask *fmask;
    size_t n_fmask, cap_fmask;
    bool any_flits;
    /* repeated folded sets (sare_fold_repeats): one counter per distinct
     * set and fold, shared by the rules that have it */
    struct apart_set *aparts;
    size_t n_aparts, cap_aparts;
    struct mins *prog;
    size_t n_prog, cap_prog;
    /* per meta of s->metas: the rules it reads (mops[mop_off[k] ..
     * mop_off[k + 1])) and its value when they are all +0.0 (mzero[k]) */
    uint32_t *mops, *mop_off;
    double *mzero;
    struct mprog *mprog; /* per meta of s->metas: its program */
    /* per rule id: the metas that read it, as positions in s->metas
     * (mdeps[mdep_off[id] .. mdep_off[id + 1])); and the metas whose value
     * with every input at +0.0 is not 0 (a bit per position, n_mwords
     * words): only those and the readers of a rule that hit can hit */
    uint32_t *mdeps, *mdep_off;
    uint64_t *mz_hit;
    size_t n_mwords;
    /* run lists (enabled rules only) */
    uint32_t *body, *rawbody, *uri, *full, *mimehdr, *evals, *metas, *tmpl;
    /* per mimeheader rule (position in s->mimehdr): which of the n_mh_names
     * distinct (header name, modifier) pairs it reads */
    uint32_t *mh_slot;
    size_t n_mh_names;
    sare_lits *mh_lits; /* the mimeheader rules' literals (lits_of) */
    size_t n_body, n_rawbody, n_uri, n_full, n_mimehdr, n_evals, n_metas, n_tmpl;
    bool body_lits, rawbody_lits, uri_lits, full_lits;
    struct lindex ix_body, ix_rawbody, ix_uri, ix_full;
    size_t n_full_lits; /* full rules with a literal set */
    struct hgroup *groups;
    size_t n_groups, cap_groups;
    /* the ordered strings of header rules (crule.seg_off), their bytes in
     * seg_bytes (lowercased for a caseless rule) */
    struct seg *segs;
    size_t n_segs, cap_segs;
    char *seg_bytes;
    size_t n_seg_bytes, cap_seg_bytes;
    /* body rules without literals (they run on every message): their
     * results per line are cached (see "line cache") */
    uint32_t *cbody;
    size_t n_cbody;
    /* every rule id, ordered by name (strcmp): the order unscored hits are
     * reported in, and scored ones among equal scores */
    uint32_t *by_name;
    uint32_t *name_rank; /* name_rank[by_name[k]] == k */
    bool any_rb;         /* a cached rule has required bytes */
    uint64_t id;         /* unique per scorer: owner of a thread's line cache */
    bool no_cache;       /* MAILAUDIT_NO_LINE_CACHE=1 */
    /* MAILAUDIT_SCORE_PROFILE=1: time spent per rule and per stage, printed
     * to stderr by scorer_free (a developer's tool; single-threaded use) */
    bool profile;
    double *prof_ns;
    uint64_t *prof_calls;
    double stage_ns[8];
};

/* The profile's clock: the monotonic clock, read in user space (about 36
 * ns a reading on the bench VM). The thread's CPU-time clock, used before,
 * is a system call there (about 1 us a reading): more than most rules
 * take, so the per-rule figures were mostly the clock's own cost. Pin the
 * process to a core (taskset) on a busy machine. */
static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

#define PROF_BEGIN(s) double prof_t0_ = (s)->profile ? now_ns() : 0
#define PROF_RULE(s, id)                                                                           \
    do {                                                                                           \
        if ((s)->profile) {                                                                        \
            ((struct scorer *)(s))->prof_ns[id] += now_ns() - prof_t0_;                            \
            ((struct scorer *)(s))->prof_calls[id]++;                                              \
        }                                                                                          \
    } while (0)
enum { ST_HEADERS, ST_BODY_VIEW, ST_BODY, ST_RAWBODY, ST_URI, ST_FULL_MIME, ST_EVALS, ST_META };
static const char *const stage_names[] = {"headers", "body view", "body rules", "rawbody",
                                          "uri",     "full+mime", "evals",      "metas"};

static void push_u32(uint32_t **v, size_t *n, uint32_t x)
{
    /* capacity 16, then doubling: grow exactly when n reaches a power of two */
    if (*n == 0)
        *v = xrealloc(*v, 16 * sizeof **v);
    else if (*n >= 16 && (*n & (*n - 1)) == 0)
        *v = xrealloc(*v, *n * 2 * sizeof **v);
    (*v)[(*n)++] = x;
}

static bool is_rule_char(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

/* ---- compile: regex rules ---- */

static void set_status(struct scorer *s, struct crule *c, enum rule_status st, const char *why)
{
    struct rule *r = (struct rule *)c->r;
    r->status = st;
    free(r->status_reason);
    r->status_reason = why ? xstrdup(why) : NULL;
    c->enabled = false;
    (void)s;
}

/* Literals (lits,lens,k) into automaton `set`, as masks (*m)[*off ..] over
 * the words of a seen[] bitset (a rule's literals are mostly numbered in a
 * row: one or two words); returns how many masks. Checking a word per mask
 * instead of a bit per literal: lits_met, the per-line test and mh_met were
 * 60,000 instructions a message on the bench. */
static uint32_t add_masks(sare_lits *set, struct fmask **m, size_t *n, size_t *cap,
                          const char *const *lits, const size_t *lens, size_t k, uint32_t *off)
{
    *off = (uint32_t)*n;
    for (size_t i = 0; i < k; i++) {
        uint32_t id = sare_lits_add(set, lits[i], lens[i]);
        size_t j = *off;
        while (j < *n && (*m)[j].word != id >> 6)
            j++;
        if (j == *n) {
            if (*n == *cap) {
                *cap = *cap ? *cap * 2 : 256;
                *m = xrealloc(*m, *cap * sizeof **m);
            }
            (*m)[(*n)++] = (struct fmask){0, id >> 6};
        }
        (*m)[j].bits |= (uint64_t)1 << (id & 63);
    }
    return (uint32_t)(*n - *off);
}

static void add_literals(struct scorer *s, struct crule *c)
{
    const char *const *lits;
    const size_t *lens;
    bool nocase;
    size_t k = sare_literals(c->re, &lits, &lens, &nocase);
    if (k == 0) return;
    c->n_lits = (uint32_t)k;
    c->n_lm = add_masks(s->lits, &s->lmask, &s->n_lmask, &s->cap_lmask, lits, lens, k, &c->lm_off);
    k = sare_literals2(c->re, &lits, &lens);
    if (k)
        c->n_lm2 =
            add_masks(s->lits, &s->lmask, &s->n_lmask, &s->cap_lmask, lits, lens, k, &c->lm2_off);
}

/* The counter of folded set (lits,lens,n) in fold f: an existing one with the
 * same literals, or a new one. */
static uint32_t apart_of(struct scorer *s, unsigned f, const char *const *lits, const size_t *lens,
                         size_t n, unsigned reps)
{
    for (size_t i = 0; i < s->n_aparts; i++) {
        struct apart_set *g = &s->aparts[i];
        if (g->fold != f || g->n != n) continue;
        bool same = true;
        for (size_t k = 0; k < n && same; k++)
            same = g->lens[k] == lens[k] && memcmp(g->lits[k], lits[k], lens[k]) == 0;
        if (!same) continue;
        if (reps > g->reps) g->reps = reps;
        return (uint32_t)i;
    }
    if (s->n_aparts == s->cap_aparts) {
        s->cap_aparts = s->cap_aparts ? s->cap_aparts * 2 : 8;
        s->aparts = xrealloc(s->aparts, s->cap_aparts * sizeof *s->aparts);
    }
    s->aparts[s->n_aparts] =
        (struct apart_set){sare_apart_new(lits, lens, n), f, lits, lens, n, reps};
    return (uint32_t)s->n_aparts++;
}

/* A body rule with no literal set may have folded ones (saregex.h). */
static void add_fold_literals(struct scorer *s, struct crule *c)
{
    sare_fold_analyse(c->re);
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        const char *const *lits;
        const size_t *lens;
        size_t k = sare_fold_literals(c->re, f, &lits, &lens);
        if (k == 0) continue;
        c->n_flits[f] = (uint32_t)k;
        c->n_fm[f] = add_masks(s->flits[f], &s->fmask, &s->n_fmask, &s->cap_fmask, lits, lens, k,
                               &c->fm_off[f]);
        s->any_flits = true;
        for (unsigned x = 0; x < SARE_FOLD_MORE; x++) {
            const char *const *l2;
            const size_t *ll2;
            size_t k2 = sare_fold_literals_more(c->re, f, x, &l2, &ll2);
            if (k2)
                c->n_fmx[f][x] = add_masks(s->flits[f], &s->fmask, &s->n_fmask, &s->cap_fmask, l2,
                                           ll2, k2, &c->fmx_off[f][x]);
        }
        unsigned reps = sare_fold_repeats(c->re, f);
        if (reps > 1) c->apart[f] = apart_of(s, f, lits, lens, k, reps) + 1;
    }
}

static uint32_t group_of(struct scorer *s, const char *name, enum rule_hdr_mod mod)
{
    for (size_t i = 0; i < s->n_groups; i++)
        if (s->groups[i].mod == mod && strcasecmp(s->groups[i].name, name) == 0) return (uint32_t)i;
    if (s->n_groups == s->cap_groups) {
        s->cap_groups = s->cap_groups ? s->cap_groups * 2 : 64;
        s->groups = xrealloc(s->groups, s->cap_groups * sizeof *s->groups);
    }
    struct hgroup *g = &s->groups[s->n_groups];
    memset(g, 0, sizeof *g);
    g->name = name;
    msgview_key_init(&g->key, name);
    g->area_len = strlen("header:") + strlen(name);
    g->area = xmalloc(g->area_len + 1);
    memcpy(g->area, "header:", 7);
    memcpy(g->area + 7, name, g->area_len - 7 + 1);
    g->mod = mod;
    return (uint32_t)s->n_groups++;
}

/* Whether the rule's own text names a group ((?<NAME>, (?P<NAME>, (?'NAME'):
 * the groups saregex adds when it rewrites an oversized pattern into
 * subroutines are not captures of the rule. */
static bool names_a_group(const char *re)
{
    for (const char *p = strstr(re, "(?"); p; p = strstr(p + 2, "(?")) {
        const char *q = p + 2;
        if (*q == 'P' && q[1] == '<') return true;
        if (*q == '\'') return true;
        if (*q == '<' && (ch_is_alpha((unsigned char)q[1]) || q[1] == '_')) return true;
    }
    return false;
}

/* ---- template prefilter ----
 * A capture template filled in is compiled for the message; when its
 * placeholder is one every match must pass through, a text that holds
 * none of the tag's values cannot match, and the rule is skipped without
 * compiling. tmpl_required finds such a placeholder in a rule regex as
 * written (delimiters and flags): one at the top level, not in a class, no
 * quantifier after it, in a pattern with no top-level alternation. It
 * gives up (false) on what could make the placeholder optional or
 * not a pattern at all: the x flag (a # comment), \Q, \c, verbs such
 * as (*ACCEPT). *off and *len locate the tag's name. When the atom just
 * before the placeholder is one punctuation byte (#, /, =, ...; not quantified:
 * the placeholder follows it), every match holds that byte right before the
 * value: *before is it (else 0), and a value found elsewhere does not count.
 * SpamAssassin's URI templates (".../%{GB_TO_ADDR}", "\#%{GB_TO_ADDR}") met
 * the recipient's address in a URI after "=" on most bench messages: 192
 * compiles in 300 messages, 25,000 instructions a message. */
/* The pattern of a rule regex as written: re[*b .. *e), the flags after
 * re[*e]; false when the delimiters are not understood. */
static bool pattern_span(const char *re, size_t *pb, size_t *pe)
{
    size_t n = strlen(re), b, e;
    if (n >= 2 && re[0] == '/') {
        b = 1;
        e = n - 1;
        while (e > b && re[e] != '/')
            e--;
    } else if (n >= 3 && re[0] == 'm') {
        char open = re[1];
        char close = open == '('   ? ')'
                     : open == '{' ? '}'
                     : open == '[' ? ']'
                     : open == '<' ? '>'
                                   : open;
        b = 2;
        e = n - 1;
        while (e > b && re[e] != close)
            e--;
        if (e == b && re[e] != close) return false;
    } else {
        return false;
    }
    *pb = b, *pe = e;
    return true;
}

/* An ASCII punctuation character that stands for itself in a pattern, even
 * unescaped (outside a class, no x flag): the one byte a literal atom
 * before a placeholder is trusted to be. */
static bool plain_punct(char ch)
{
    return ch && strchr("#/=@:,;!%&'\"<>~_-", ch) != NULL;
}

static bool tmpl_required(const char *re, size_t *off, size_t *len, char *before)
{
    size_t n = strlen(re), b, e;
    if (!pattern_span(re, &b, &e)) return false;
    for (size_t i = e + 1; i < n; i++)
        if (re[i] == 'x') return false;
    int depth = 0;
    bool found = false;
    size_t cls = 0; /* in a class: its '[' + 1; else 0 */
    char last = 0;  /* the previous atom, when it is one punctuation byte */
    for (size_t i = b; i < e; i++) {
        char ch = re[i];
        char atom = 0;
        if (ch == '\\') {
            if (i + 1 < e && (re[i + 1] == 'Q' || re[i + 1] == 'c')) return false;
            if (!cls && i + 1 < e && (plain_punct(re[i + 1]) || re[i + 1] == '.')) atom = re[i + 1];
            i++;
            last = atom;
            continue;
        }
        if (cls) {
            if (sare_class_closes(re, i, cls)) cls = 0;
            last = 0;
            continue;
        }
        if (plain_punct(ch) && !(ch == '%' && i + 1 < e && re[i + 1] == '{')) atom = ch;
        if (ch == '[') {
            cls = i + 1;
        } else if (ch == '(') {
            if (i + 1 < e && re[i + 1] == '*') return false;
            if (i + 1 < e && re[i + 1] == '?')
                for (size_t j = i + 2;
                     j < e && (ch_is_alpha((unsigned char)re[j]) || re[j] == '^' || re[j] == '-');
                     j++)
                    if (re[j] == 'x') return false;
            depth++;
        } else if (ch == ')') {
            depth--;
        } else if (ch == '|' && depth == 0) {
            return false;
        } else if (ch == '%' && i + 1 < e && re[i + 1] == '{' && depth == 0 && !found) {
            size_t j = i + 2;
            while (j < e && (ch_is_alnum((unsigned char)re[j]) || re[j] == '_'))
                j++;
            if (j < e && re[j] == '}' && j > i + 2) {
                char q = j + 1 < e ? re[j + 1] : 0;
                if (q != '?' && q != '*' && q != '+' && q != '{') {
                    *off = i + 2;
                    *len = j - i - 2;
                    *before = last;
                    found = true;
                }
                i = j;
            }
        }
        last = atom;
    }
    return found;
}

/* ---- repeat prefilter ----
 * A pattern that is one group repeated, (?:X){n}, matches at a position
 * only where (?:X){k} for k < n does too (the first k copies of its match
 * are one of X{k}): the shorter repeat, much cheaper when X backtracks
 * (SpamAssassin's form-field rules), tells the lines the rule cannot
 * match. repeat_prefix writes the rule regex with {REPEAT_TRY} for {n},
 * {n,} or {n,m} (n >= REPEAT_MIN), or gives NULL: for any other shape, and
 * for what could make the copies behave differently from the whole (verbs
 * such as (*ACCEPT), recursion and subroutine calls, conditions). */
#define REPEAT_MIN 5
#define REPEAT_TRY "2"

/* The rule regex with the quantifier of its one repeated group, n >= 2,
 * replaced by `quant` ("{2}", or "" for the one copy), n in *nreps; NULL
 * for any other shape (as above). */
static char *repeat_with(const char *re, const char *quant, unsigned long *nreps)
{
    size_t n = strlen(re), b, e;
    if (!pattern_span(re, &b, &e) || e - b < 4 || memcmp(re + b, "(?:", 3) != 0) return NULL;
    int depth = 0;
    size_t cls = 0, close = 0;
    for (size_t i = b; i < e && !close; i++) {
        char ch = re[i];
        if (ch == '\\') {
            if (i + 1 < e && re[i + 1] == 'g') return NULL;
            i++;
            continue;
        }
        if (cls) {
            if (sare_class_closes(re, i, cls)) cls = 0;
            continue;
        }
        if (ch == '[') {
            cls = i + 1;
        } else if (ch == '(') {
            if (i + 1 < e && re[i + 1] == '*') return NULL;
            if (i + 2 < e && re[i + 1] == '?' && strchr("R0123456789+-&P(", re[i + 2])) return NULL;
            depth++;
        } else if (ch == ')') {
            if (--depth == 0) close = i;
        }
    }
    if (!close || close + 1 >= e || re[close + 1] != '{' || re[e - 1] != '}') return NULL;
    unsigned long reps = 0;
    size_t i = close + 2;
    while (i < e && ch_is_digit((unsigned char)re[i]) && reps < 100000)
        reps = reps * 10 + (unsigned long)(re[i++] - '0');
    if (i == close + 2 || reps < 2) return NULL;
    if (re[i] == ',') {
        i++;
        while (i < e && ch_is_digit((unsigned char)re[i]))
            i++;
    }
    if (i != e - 1) return NULL;
    size_t head = close + 1, tail = n - e; /* "...(?:X)" and the delimiter with the flags */
    size_t ql = strlen(quant);
    char *out = xmalloc(head + ql + tail + 1);
    memcpy(out, re, head);
    memcpy(out + head, quant, ql);
    memcpy(out + head + ql, re + e, tail + 1);
    *nreps = reps;
    return out;
}

static char *repeat_prefix(const char *re)
{
    unsigned long reps = 0;
    char *out = repeat_with(re, "{" REPEAT_TRY "}", &reps);
    if (out && reps < REPEAT_MIN) {
        free(out);
        out = NULL;
    }
    return out;
}

/* ---- chain prefilter ----
 * The same shape, (?:X){n} with n >= CHAIN_MIN: one copy, (?:X), gives
 * every pair (i, j) such that X matches from i to j (sare_chain); a match
 * of the rule at q is n such pairs end to end from q, so a line where no
 * chain of n pairs starts anywhere cannot match, and the search for the
 * leftmost match can start at the first position where one does (what
 * repeat_with refuses — verbs, recursion, conditions — and what sare_chain
 * refuses — backreferences, \K, the x flag — could make copies depend on
 * each other or the search on where it starts). The pairs cost a full
 * enumeration of X: it runs only where the repeat prefilter passed, on
 * SpamAssassin's form-field rules the lines holding two fields in a row,
 * where the backtracking of the whole pattern is at its worst. Not for
 * n = 3 (__FILL_THIS_FORM_SHORT1/2, which have no repeat prefilter): on
 * every line their literals pass, the enumeration cost more than the
 * failing attempts it saves (callgrind, 300 bench messages: chain scans
 * 24.8M instructions, searches 27M -> 5.4M; +16,000 a message). */
#define CHAIN_MIN REPEAT_MIN

/* body rules outside the line cache with a pattern this long or longer get
 * start pairs, rawbody rules with no literal line mode (scorer_new): an
 * attempt at a start walks long alternations */
#define ST_BODY_MIN_PATTERN 400

static sare_chain *chain_of(const char *re, unsigned *reps)
{
    unsigned long n = 0;
    char *one = repeat_with(re, "", &n);
    sare_chain *ch = NULL;
    if (one && n >= CHAIN_MIN && n <= SARE_CHAIN_MAX_REPS) {
        ch = sare_chain_compile(one, strlen(one), (unsigned)n);
        *reps = (unsigned)n;
    }
    free(one);
    return ch;
}

/* (p,n) holds (v,vn), ASCII letters compared caselessly, right after the
 * byte `before` when that is not 0 */
static bool holds_ci(const char *p, size_t n, const char *v, size_t vn, char before)
{
    if (vn > n) return false;
    unsigned char f = (unsigned char)ch_lower((unsigned char)v[0]);
    for (size_t i = 0; i + vn <= n; i++) {
        if ((unsigned char)ch_lower((unsigned char)p[i]) != f) continue;
        if (before && (i == 0 || p[i - 1] != before)) continue;
        size_t k = 1;
        while (k < vn && ch_lower((unsigned char)p[i + k]) == ch_lower((unsigned char)v[k]))
            k++;
        if (k == vn) return true;
    }
    return false;
}

/* ---- ordered strings ----
 * A header regex whose top level is a sequence (no "|" outside a group)
 * matches only a text holding the runs of plain characters of that
 * sequence one after the other, none overlapping the next: a match of
 * /\nFrom: (?:[^\n<]{0,80}<)?([^\n\s>]+)>?\n+(?:[^\n]{1,100}\n+)*To: /i
 * holds "\nfrom: " and, after its end, "to: ". Both of those are literal
 * sets of SpamAssassin's __TO_EQ_FROM_* rules and are in every header
 * block, so the literal prefilter never skips them; in the 2,000 bench
 * messages the To line comes first in 1,654, where the rules asking for
 * From first cannot match (and "Message-Id:" before "Received:", two relays
 * for DOS_RCVD_IP_TWICE_C ...). What is not a plain character breaks a
 * run: groups of any kind (skipped whole), classes, escapes other than
 * \n \t \r and escaped punctuation, ".", anchors, and a character a
 * quantifier applies to (dropped). Runs shorter than SEG_MIN are dropped:
 * a subsequence of the strings is required as well. A pattern this reader
 * is not sure of (the x flag, "|" at the top, an inline option, (*VERB),
 * \Q, an escape it does not know, a class it cannot delimit) gets none. */
#define SEG_MIN 2        /* shorter runs occur everywhere */
#define SEG_MAX 8        /* strings kept per rule (the first ones) */
#define SEG_MAX_LEN 255u /* a longer run is cut in pieces, each required in turn */

/* The byte of (p,n) to look for with memchr before comparing the rest:
 * the one likely rarest in header text by its kind (punctuation such as
 * "[", "@" or "<" before "=", line ends, ":", digits, spaces); with ci
 * never an ASCII letter (it has two cases). n when there is none. Spaces
 * and colons are everywhere in a header block: anchored on them, the
 * search for " helo=" or "to:" stopped at every one. */
static size_t anchor_of(const char *p, size_t n, bool ci)
{
    size_t best = n;
    int best_rank = 9;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[i];
        int rank;
        if (ch_is_alpha(ch))
            rank = ci ? 9 : 6;
        else if (ch == ' ')
            rank = 5;
        else if (ch >= '0' && ch <= '9')
            rank = 4;
        else if (ch == '-' || ch == '.' || ch == ':')
            rank = 3;
        else if (ch == '=' || ch == '/' || ch == '_' || ch == '\n' || ch == '\t' || ch == '\r')
            rank = 2;
        else
            rank = 1;
        if (rank < best_rank) best = i, best_rank = rank;
    }
    return best;
}

/* the index past the class opened at p[i] == '[', or 0 when unsure */
static size_t class_end(const char *p, size_t n, size_t i)
{
    size_t j = i + 1;
    if (j < n && p[j] == '^') j++;
    if (j < n && p[j] == ']') j++; /* a literal ']' first */
    while (j < n) {
        if (p[j] == '\\') {
            j += 2;
            continue;
        }
        if (p[j] == '[' && j + 1 < n && (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
            /* a POSIX class [:name:] (its "]" does not close the class);
             * anything else that starts so: unsure */
            size_t k = j + 2;
            if (k < n && p[k] == '^') k++;
            while (k < n && p[k] >= 'a' && p[k] <= 'z')
                k++;
            if (p[j + 1] != ':' || k + 1 >= n || p[k] != ':' || p[k + 1] != ']') return 0;
            j = k + 2;
            continue;
        }
        if (p[j] == ']') return j + 1;
        j++;
    }
    return 0;
}

/* the index past the group opened at p[i] == '(', or 0 when unsure */
static size_t group_end(const char *p, size_t n, size_t i)
{
    int depth = 0;
    while (i < n) {
        char ch = p[i];
        if (ch == '\\') {
            i += 2;
            continue;
        }
        if (ch == '[') {
            i = class_end(p, n, i);
            if (!i) return 0;
            continue;
        }
        if (ch == '(' && i + 2 < n && p[i + 1] == '?' && p[i + 2] == '#') {
            const char *e = memchr(p + i, ')', n - i); /* a comment: to its first ')' */
            if (!e) return 0;
            i = (size_t)(e - p) + 1;
            if (depth == 0) return i;
            continue;
        }
        if (ch == '(')
            depth++;
        else if (ch == ')' && --depth == 0)
            return i + 1;
        i++;
    }
    return 0;
}

/* the index past the "}" of a brace at p[i], or 0 */
static size_t brace_end(const char *p, size_t n, size_t i)
{
    const char *e = i < n ? memchr(p + i, '}', n - i) : NULL;
    return e ? (size_t)(e - p) + 1 : 0;
}

static bool quantified(const char *p, size_t n, size_t j)
{
    return j < n && (p[j] == '?' || p[j] == '*' || p[j] == '+' || p[j] == '{');
}

/* the escape at p[i] == '\\': its literal byte (*lit, or -1 for an atom that
 * is not one byte) and the index past it; false when unsure */
static bool seg_escape(const char *p, size_t n, size_t i, int *lit, size_t *next)
{
    if (i + 1 >= n) return false;
    unsigned char d = (unsigned char)p[i + 1];
    size_t j = i + 2;
    *lit = -1;
    if (d == 'n')
        *lit = '\n';
    else if (d == 't')
        *lit = '\t';
    else if (d == 'r')
        *lit = '\r';
    else if (d >= 0x80)
        ; /* a byte /i may fold with another: not a plain character */
    else if (!isalnum(d))
        *lit = d; /* escaped punctuation is itself */
    else if (strchr("dDwWsSbBhHvVRAzZKX", d))
        ;
    else if (d >= '0' && d <= '9') {
        while (j < n && p[j] >= '0' && p[j] <= '9') /* a backreference or octal */
            j++;
    } else if (d == 'x') {
        if (j < n && p[j] == '{') {
            j = brace_end(p, n, j);
            if (!j) return false;
        } else {
            for (int k = 0; k < 2 && j < n && isxdigit((unsigned char)p[j]); k++)
                j++;
        }
    } else if (d == 'c') {
        if (++j > n) return false;
    } else if (strchr("opPNgk", d) && j < n && p[j] == '{') {
        j = brace_end(p, n, j);
        if (!j) return false;
    } else if ((d == 'p' || d == 'P') && j < n) {
        j++;
    } else if (d == 'g') {
        if (j < n && (p[j] == '-' || p[j] == '+')) j++;
        while (j < n && p[j] >= '0' && p[j] <= '9')
            j++;
    } else {
        return false;
    }
    *next = j;
    return true;
}

/* The ordered strings of rule regex rx ("/re/flags"); false when there is
 * no such test for it (fewer than two strings). */
static bool ordered_segments(struct scorer *s, struct crule *c, const char *rx)
{
    size_t rl = strlen(rx);
    if (rl < 2 || rx[0] != '/') return false;
    const char *end = strrchr(rx, '/');
    if (end == rx) return false;
    bool ci = false;
    for (const char *f = end + 1; *f; f++) {
        if (*f == 'i')
            ci = true;
        else if (!strchr("msgo", *f))
            return false;
    }
    const char *p = rx + 1;
    size_t n = (size_t)(end - p);
    if (memmem(p, n, "\\Q", 2) || memmem(p, n, "(*", 2)) return false;
    char run[SEG_MAX_LEN];
    size_t len = 0;
    struct seg found[SEG_MAX];
    char bytes[SEG_MAX][SEG_MAX_LEN];
    size_t nf = 0;
#define FLUSH()                                                                                    \
    do {                                                                                           \
        if (len >= SEG_MIN && nf < SEG_MAX) {                                                      \
            memcpy(bytes[nf], run, len);                                                           \
            found[nf++].len = (uint16_t)len;                                                       \
        }                                                                                          \
        len = 0;                                                                                   \
    } while (0)
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)p[i];
        int lit = -1;
        size_t next = i + 1;
        if (ch == '\\') {
            if (!seg_escape(p, n, i, &lit, &next)) return false;
        } else if (ch == '(') {
            if (i + 1 < n && p[i + 1] == '?') {
                /* (?i) and the like set options for what follows */
                size_t k = i + 2;
                while (k < n && (isalpha((unsigned char)p[k]) || p[k] == '-' || p[k] == '^'))
                    k++;
                if (k < n && p[k] == ')') return false;
            }
            next = group_end(p, n, i);
            if (!next) return false;
        } else if (ch == '[') {
            next = class_end(p, n, i);
            if (!next) return false;
        } else if (ch == '{') {
            next = brace_end(p, n, i);
            if (!next) return false;
        } else if (ch == '|' || ch == ')') {
            return false;
        } else if (ch < 0x80 && !strchr(".^$?*+", ch)) {
            lit = ch;
        }
        if (lit >= 0 && !quantified(p, n, next)) {
            if (len == SEG_MAX_LEN) FLUSH();
            run[len++] = ci ? (char)tolower(lit) : (char)lit;
        } else {
            FLUSH();
        }
        i = next;
    }
    FLUSH();
#undef FLUSH
    if (nf < 2) return false;
    c->seg_off = (uint32_t)s->n_segs;
    c->n_seg = (uint16_t)nf;
    c->seg_ci = ci;
    for (size_t k = 0; k < nf; k++) {
        size_t sl = found[k].len, a = anchor_of(bytes[k], sl, ci);
        s->seg_bytes =
            xgrow(s->seg_bytes, &s->cap_seg_bytes, s->n_seg_bytes + sl, sizeof *s->seg_bytes);
        memcpy(s->seg_bytes + s->n_seg_bytes, bytes[k], sl);
        s->segs = xgrow(s->segs, &s->cap_segs, s->n_segs + 1, sizeof *s->segs);
        s->segs[s->n_segs++] = (struct seg){(uint32_t)s->n_seg_bytes, (uint16_t)sl, (uint16_t)a};
        s->n_seg_bytes += sl;
    }
    return true;
}

/* whether (p + at) starts with (sg,sl): the same bytes, or with ci the
 * same after ASCII lowercasing */
static bool bytes_at(const char *p, size_t at, const char *sg, size_t sl, bool ci)
{
    if (!ci) return memcmp(p + at, sg, sl) == 0;
    for (size_t k = 0; k < sl; k++)
        if (ch_lower((unsigned char)p[at + k]) != ch_lower((unsigned char)sg[k])) return false;
    return true;
}

/* The first place at or after `from` where (p,n) holds (sg,sl), compared
 * as bytes_at does: memchr on its byte `anchor` (anchor_of: never an ASCII
 * letter with ci), or, when anchor is sl (every byte a letter, so ci), a
 * test of the first byte at each place. SIZE_MAX when there is none. The
 * ordered strings of header rules (segs_met) and the direct literals of
 * header groups (lit_in) are looked for this way. */
static size_t find_from(const char *p, size_t n, size_t from, const char *sg, size_t sl,
                        size_t anchor, bool ci)
{
    if (from > n || n - from < sl) return SIZE_MAX;
    size_t last = n - sl; /* the last place it can start */
    if (anchor < sl) {
        const char *q = p + from + anchor, *qe = p + last + anchor + 1;
        while (q < qe && (q = memchr(q, sg[anchor], (size_t)(qe - q))) != NULL) {
            size_t at = (size_t)(q - p) - anchor;
            if (bytes_at(p, at, sg, sl, ci)) return at;
            q++;
        }
        return SIZE_MAX;
    }
    unsigned char f = ch_lower((unsigned char)sg[0]);
    for (size_t at = from; at <= last; at++)
        if (ch_lower((unsigned char)p[at]) == f && bytes_at(p, at, sg, sl, true)) return at;
    return SIZE_MAX;
}

/* whether (p,n) holds c's ordered strings one after the other: each is
 * looked for from the end of the one before it (the first place it occurs
 * there is as good as any later one for the rest) */
static bool segs_met(const struct scorer *s, const struct crule *c, const char *p, size_t n)
{
    size_t pos = 0;
    for (uint32_t k = 0; k < c->n_seg; k++) {
        const struct seg *g = &s->segs[c->seg_off + k];
        size_t st = find_from(p, n, pos, s->seg_bytes + g->off, g->len, g->anchor, c->seg_ci);
        if (st == SIZE_MAX) return false;
        pos = st + g->len;
    }
    return true;
}

/* A header rule /^[^\]]+ KEY=REST/flags (72 of the stock rules, on the
 * X-Spam-Relays-* texts, "[ ip=.. rdns=.. helo=.. ... ]"): the greedy
 * [^\]]+ runs to the first ']' and gives back a byte at a time, trying
 * " KEY=" at each place, about 1,000 instructions a call before REST even
 * starts. Where " KEY=" occurs once between offset 1 and the first ']'
 * (a relay's values hold no space), [^\]]+ can end only there, and the rule
 * matches exactly when /^ KEY=REST/ matches the text from that place on
 * (match_key_tail). Taken when REST reads nothing before the place it starts:
 * no lookbehind, no recursion or named group ("(?" only as "(?:", "(?!",
 * "(?=", "(?i)", "(?i:"), no \K \G \g \k, no verbs; flags i and s only
 * (x would change what " KEY=" means). Backreferences keep their numbers
 * (the prefix has no group). */
static void key_tail(struct crule *c)
{
    static const char pre[] = "/^[^\\]]+ ";
    const char *src = c->r->regex;
    size_t pl = sizeof pre - 1, n = strlen(src);
    if (n <= pl || strncmp(src, pre, pl) != 0) return;
    size_t k = pl;
    while (k < n && src[k] >= 'a' && src[k] <= 'z' && k - pl < 16)
        k++;
    if (k == pl || k >= n || src[k] != '=') return;
    size_t keylen = k - pl;
    const char *slash = strrchr(src, '/');
    if (!slash || slash <= src + k) return;
    for (const char *f = slash + 1; *f; f++)
        if (*f != 'i' && *f != 's') return;
    for (const char *q = src + k + 1; q < slash; q++) {
        if (*q == '\\') {
            if (q + 1 < slash && strchr("gkGK", q[1])) return;
            q++;
            continue;
        }
        if (*q == '(' && q + 1 < slash && q[1] == '*') return;
        if (*q == '(' && q + 1 < slash && q[1] == '?') {
            const char *t = q + 2;
            if (t < slash && (*t == ':' || *t == '!' || *t == '=')) continue;
            if (t + 1 < slash && t[0] == 'i' && (t[1] == ')' || t[1] == ':')) continue;
            return;
        }
    }
    char *tp = xmalloc(n);
    int tl = snprintf(tp, n, "/^ %s", src + pl);
    char err[256];
    c->tail = tl > 0 ? sare_compile(tp, (size_t)tl, err, sizeof err) : NULL;
    free(tp);
    if (!c->tail) return;
    c->tkey[0] = ' ';
    memcpy(c->tkey + 1, src + pl, keylen + 1);
    c->tkey_len = (uint8_t)(keylen + 2);
    c->tkey_ci = strchr(slash + 1, 'i') != NULL;
    size_t ll = (size_t)(slash - (src + k + 1));
    bool plain = ll > 0 && ll <= UINT16_MAX;
    for (const char *q = src + k + 1; plain && q < slash; q++)
        plain =
            (unsigned char)*q >= 0x20 && (unsigned char)*q < 0x7f && !strchr("\\^$.|?*+()[]{}", *q);
    if (plain) c->tlit = src + k + 1, c->tlit_len = (uint16_t)ll;
}

/* The greatest number of bytes a regex part can match from p[*i] up to
 * its end or an unmatched ')', or -1: no bound (a * + or {m,} repeat) or a
 * construct not read here (a backreference, a lookahead, $, \A \z \G \K, a
 * POSIX class, a verb, a group other than (...) (?:...) (?i) (?i:...) and
 * lookbehinds); *alt set when the part has an alternative at its own level. */
#define MW_MAX 4096
static long mw_alt(const char *p, size_t n, size_t *i, bool *alt);

static long mw_atom(const char *p, size_t n, size_t *i)
{
    char ch = p[*i];
    if (ch == '(') {
        (*i)++;
        bool behind = false;
        if (*i < n && p[*i] == '?') {
            if (*i + 1 < n && p[*i + 1] == ':') {
                *i += 2;
            } else if (*i + 2 < n && p[*i + 1] == 'i' && p[*i + 2] == ')') {
                *i += 3;
                return 0;
            } else if (*i + 2 < n && p[*i + 1] == 'i' && p[*i + 2] == ':') {
                *i += 3;
            } else if (*i + 2 < n && p[*i + 1] == '<' && (p[*i + 2] == '=' || p[*i + 2] == '!')) {
                *i += 3;
                behind = true;
            } else {
                return -1;
            }
        } else if (*i < n && p[*i] == '*') {
            return -1;
        }
        long w = mw_alt(p, n, i, NULL);
        if (w < 0 || *i >= n || p[*i] != ')') return -1;
        (*i)++;
        return behind ? 0 : w;
    }
    if (ch == '[') {
        (*i)++;
        if (*i < n && p[*i] == '^') (*i)++;
        if (*i < n && p[*i] == ']') (*i)++;
        while (*i < n && p[*i] != ']') {
            if (p[*i] == '[' && *i + 1 < n && p[*i + 1] == ':') return -1;
            *i += p[*i] == '\\' ? 2 : 1;
        }
        if (*i >= n) return -1;
        (*i)++;
        return 1;
    }
    if (ch == '\\') {
        if (*i + 1 >= n) return -1;
        char e = p[*i + 1];
        *i += 2;
        if (e == 'b' || e == 'B') return 0;
        if (strchr("wWsSdDhHvVtnrfe", e)) return 1;
        if ((e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9')) return -1;
        return 1; /* an escaped punctuation character */
    }
    if (ch == '^') {
        (*i)++;
        return 0;
    }
    if (ch == '$' || ch == '*' || ch == '+' || ch == '?' || ch == '{' || ch == ')' || ch == '|')
        return -1;
    (*i)++;
    return 1;
}

/* the most times a quantifier at p[*i] repeats (1: none), -1: no bound */
static long mw_quant(const char *p, size_t n, size_t *i)
{
    long q = 1;
    if (*i >= n) return 1;
    if (p[*i] == '*' || p[*i] == '+') return -1;
    if (p[*i] == '?') {
        (*i)++;
    } else if (p[*i] == '{') {
        size_t k = *i + 1;
        long a = 0, b;
        if (k >= n || p[k] < '0' || p[k] > '9') return -1;
        while (k < n && p[k] >= '0' && p[k] <= '9' && a < MW_MAX)
            a = a * 10 + (p[k++] - '0');
        b = a;
        if (k < n && p[k] == ',') {
            k++;
            if (k >= n || p[k] < '0' || p[k] > '9') return -1;
            b = 0;
            while (k < n && p[k] >= '0' && p[k] <= '9' && b < MW_MAX)
                b = b * 10 + (p[k++] - '0');
        }
        if (k >= n || p[k] != '}' || b >= MW_MAX) return -1;
        *i = k + 1;
        q = b;
    } else {
        return 1;
    }
    if (*i < n && (p[*i] == '?' || p[*i] == '+')) (*i)++;
    return q;
}

static long mw_alt(const char *p, size_t n, size_t *i, bool *alt)
{
    long best = 0, cur = 0;
    while (*i < n && p[*i] != ')') {
        if (p[*i] == '|') {
            if (alt) *alt = true;
            if (cur > best) best = cur;
            cur = 0;
            (*i)++;
            continue;
        }
        long w = mw_atom(p, n, i);
        if (w < 0) return -1;
        long q = mw_quant(p, n, i);
        if (q < 0) return -1;
        cur += w * q;
        if (cur > MW_MAX) return -1;
    }
    return cur > best ? cur : best;
}

/* A header rule /X\@\w/flags (__SENDER_BOT on ALL, 1.2 KB, about 37,000
 * instructions a message): with X matching at most W bytes (mw_alt) and no
 * alternative at X's level, a match ends one byte after an "@" it holds at
 * most W bytes from its start. So the rule matches exactly when, for some
 * "@" at a, the regex matches the text cut after a + 1 (the word byte)
 * from a - W on: what X reads there (\b, lookbehinds, no lookahead, no $)
 * is the same in the cut text, and a match in the cut text is one in the
 * whole. match_at_windows asks these windows, then, when one matches, the
 * whole text from that window's start for the hit and its text.
 * Flags i, s, m only. */
static void at_width(struct crule *c)
{
    const char *src = c->r->regex;
    size_t n = strlen(src);
    if (n < 2 || src[0] != '/') return;
    const char *slash = strrchr(src, '/');
    if (slash == src) return;
    for (const char *f = slash + 1; *f; f++)
        if (*f != 'i' && *f != 's' && *f != 'm') return;
    const char *body = src + 1;
    size_t bl = (size_t)(slash - body);
    static const char end[] = "\\@\\w";
    if (bl < sizeof end || memcmp(body + bl - (sizeof end - 1), end, sizeof end - 1) != 0) return;
    size_t xl = bl - (sizeof end - 1), i = 0;
    bool alt = false;
    long w = mw_alt(body, xl, &i, &alt);
    if (w < 0 || i != xl || alt || w > INT16_MAX) return;
    c->at_w = (int16_t)w;
}

static void compile_regex_rule(struct scorer *s, struct crule *c)
{
    const struct rule *r = c->r;
    if (r->kind == RK_HEADER && r->exists) {
        if (!r->header) {
            set_status(s, c, RS_ERROR, "exists: without a header name");
            return;
        }
        c->group = group_of(s, r->header, HM_DEFAULT);
        return;
    }
    if (!r->regex) {
        set_status(s, c, RS_ERROR, "no regular expression");
        return;
    }
    if (r->capture_template) {
        if (r->kind == RK_MIMEHEADER || (r->kind == RK_HEADER && !r->header)) {
            set_status(s, c, RS_SKIP_UNSUPPORTED, "a %{NAME} template in a mimeheader rule");
            return;
        }
        c->tmpl = true; /* compiled per message, once the tags are known */
        size_t off = 0, len = 0;
        char before = 0;
        if (!(r->kind == RK_HEADER && r->negate) && tmpl_required(r->regex, &off, &len, &before) &&
            off <= UINT16_MAX && len <= UINT16_MAX)
            c->req_off = (uint16_t)off, c->req_len = (uint16_t)len, c->req_before = before;
        return;
    }
    char err[256];
    c->re = sare_compile(r->regex, strlen(r->regex), err, sizeof err);
    if (!c->re) {
        set_status(s, c, RS_SKIP_REGEX, err);
        /* a regex that is wrong in any dialect (PCRE2's syntax errors) is an
         * error in the file; one PCRE2 cannot take (a Perl-only construct, a
         * size limit) is a skip */
        bool syntax = strncmp(err, "PCRE2:", 6) == 0 && !strstr(err, "too large");
        ruleset_diag(s->rs, syntax ? RD_ERROR : RD_WARNING, r->file, r->line, "%s: regex %s: %s",
                     r->name, syntax ? "error" : "skipped", err);
        return;
    }
    add_literals(s, c);
    if (!sare_required_run(c->re, c->run_bytes, &c->run_min)) c->run_min = 0;
    c->lead = sare_has_lead(c->re);
    c->caps = sare_has_names(c->re) && names_a_group(r->regex);
    if (r->kind == RK_HEADER || r->kind == RK_MIMEHEADER) {
        if (!r->header) {
            set_status(s, c, RS_ERROR, "header rule without a header name");
            return;
        }
        if (r->kind == RK_HEADER) {
            c->group = group_of(s, r->header, r->hmod);
            ordered_segments(s, c, r->regex);
            c->at_w = -1;
            if (!r->negate && !r->exists && !c->caps && !(r->tflags & TF_MULTIPLE)) {
                key_tail(c);
                if (!c->tail) at_width(c);
            }
        }
    }
}

/* ---- compile: meta expressions ---- */

enum mtok_kind { MT_NUM, MT_NAME, MT_OP, MT_LP, MT_RP };
struct mtok {
    enum mtok_kind k;
    enum mop op;
    double num;
    const char *p;
    size_t len;
};

static int prec(enum mop op)
{
    switch (op) {
    case MOP_NOT:
    case MOP_NEG:
        return 9;
    case MOP_MUL:
    case MOP_DIV:
        return 8;
    case MOP_ADD:
    case MOP_SUB:
        return 7;
    case MOP_LT:
    case MOP_GT:
    case MOP_LE:
    case MOP_GE:
        return 6;
    case MOP_EQ:
    case MOP_NE:
        return 5;
    case MOP_XOR:
        return 4;
    case MOP_AND:
        return 3;
    case MOP_OR:
        return 2;
    default:
        return 0;
    }
}

static bool glob_match(const char *g, const char *s)
{
    /* '*' any run (shortest first, as SA's .*? — the same set), '?' one char */
    if (*g == 0) return *s == 0;
    if (*g == '*') {
        for (const char *t = s;; t++) {
            if (glob_match(g + 1, t)) return true;
            if (*t == 0) return false;
        }
    }
    if (*s == 0) return false;
    if (*g == '?' || *g == *s) return glob_match(g + 1, s + 1);
    return false;
}

struct meta_build {
    struct scorer *s;
    size_t self;
    struct mtok *t;
    size_t n, cap;
    char err[200];
    bool dep_skipped;
    const char *dep_name;
};

static void mt_push(struct meta_build *b, struct mtok t)
{
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 64;
        b->t = xrealloc(b->t, b->cap * sizeof *b->t);
    }
    b->t[b->n++] = t;
}

/* Tokenise as SpamAssassin's ARITH_EXPRESSION_LEXER does, expanding
 * rules_matching(GLOB) to ( A + B + ... ) (names in byte order, itself
 * excluded) or 0. */
static bool meta_lex(struct meta_build *b, const char *e)
{
    size_t len = strlen(e);
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)e[i];
        if (ch_is_space(c)) {
            i++;
            continue;
        }
        if (b->n > META_MAX_TOKENS) {
            snprintf(b->err, sizeof b->err, "expression too long (over %d tokens)",
                     META_MAX_TOKENS);
            return false;
        }
        if (ch_is_digit(c) || c == '.') {
            size_t j = i;
            while (j < len && (ch_is_digit((unsigned char)e[j]) || e[j] == '.'))
                j++;
            char tmp[64];
            size_t l = j - i < sizeof tmp - 1 ? j - i : sizeof tmp - 1;
            memcpy(tmp, e + i, l);
            tmp[l] = 0;
            mt_push(b, (struct mtok){.k = MT_NUM, .num = strtod(tmp, NULL)});
            i = j;
            continue;
        }
        if (is_rule_char(c)) {
            size_t j = i;
            while (j < len && (is_rule_char((unsigned char)e[j]) || e[j] == ':'))
                j++;
            if (j - i == 14 && memcmp(e + i, "rules_matching", 14) == 0) {
                size_t k = j;
                while (k < len && ch_is_space((unsigned char)e[k]))
                    k++;
                if (k < len && e[k] == '(') {
                    size_t g0 = k + 1;
                    while (g0 < len && ch_is_space((unsigned char)e[g0]))
                        g0++;
                    size_t g1 = g0;
                    while (g1 < len &&
                           (is_rule_char((unsigned char)e[g1]) || e[g1] == '*' || e[g1] == '?'))
                        g1++;
                    size_t k2 = g1;
                    while (k2 < len && ch_is_space((unsigned char)e[k2]))
                        k2++;
                    if (k2 >= len || e[k2] != ')' || g1 == g0 || g1 - g0 > 128) {
                        snprintf(b->err, sizeof b->err, "malformed rules_matching()");
                        return false;
                    }
                    char glob[130];
                    memcpy(glob, e + g0, g1 - g0);
                    glob[g1 - g0] = 0;
                    mt_push(b, (struct mtok){.k = MT_LP});
                    size_t found = 0;
                    const struct ruleset *rs = b->s->rs;
                    /* byte order, as SA's sort */
                    const char *prev = "";
                    for (;;) {
                        const char *best = NULL;
                        size_t bi = 0;
                        for (size_t r = 0; r < rs->n_rules; r++) {
                            const char *nm = rs->rules[r].name;
                            if (r == b->self || strcmp(nm, prev) <= 0 || !glob_match(glob, nm))
                                continue;
                            if (!best || strcmp(nm, best) < 0) best = nm, bi = r;
                        }
                        if (!best) break;
                        if (found++) mt_push(b, (struct mtok){.k = MT_OP, .op = MOP_ADD});
                        mt_push(b, (struct mtok){.k = MT_NAME,
                                                 .p = rs->rules[bi].name,
                                                 .len = strlen(rs->rules[bi].name)});
                        prev = best;
                        if (found > META_MAX_TOKENS) break;
                    }
                    if (!found) mt_push(b, (struct mtok){.k = MT_NUM, .num = 0});
                    mt_push(b, (struct mtok){.k = MT_RP});
                    i = k2 + 1;
                    continue;
                }
            }
            mt_push(b, (struct mtok){.k = MT_NAME, .p = e + i, .len = j - i});
            i = j;
            continue;
        }
        struct mtok t = {.k = MT_OP};
        size_t adv = 1;
        char d = i + 1 < len ? e[i + 1] : 0;
        switch (c) {
        case '(':
            t.k = MT_LP;
            break;
        case ')':
            t.k = MT_RP;
            break;
        case '+':
            t.op = MOP_ADD;
            break;
        case '-':
            t.op = MOP_SUB;
            break;
        case '*':
            t.op = MOP_MUL;
            break;
        case '/':
            t.op = MOP_DIV;
            break;
        case '^':
            t.op = MOP_XOR;
            break;
        case '|':
            if (d != '|') goto bad;
            t.op = MOP_OR, adv = 2;
            break;
        case '&':
            if (d != '&') goto bad;
            t.op = MOP_AND, adv = 2;
            break;
        case '!':
            if (d == '=')
                t.op = MOP_NE, adv = 2;
            else
                t.op = MOP_NOT;
            break;
        case '<':
            if (d == '=')
                t.op = MOP_LE, adv = 2;
            else
                t.op = MOP_LT;
            break;
        case '>':
            if (d == '=')
                t.op = MOP_GE, adv = 2;
            else
                t.op = MOP_GT;
            break;
        case '=':
            if (d != '=') goto bad;
            t.op = MOP_EQ, adv = 2;
            break;
        default:
            goto bad;
        }
        mt_push(b, t);
        i += adv;
        continue;
    bad:
        snprintf(b->err, sizeof b->err, "unexpected character '%c' in meta expression", c);
        return false;
    }
    return true;
}

static void prog_push(struct scorer *s, struct mins m)
{
    if (s->n_prog == s->cap_prog) {
        s->cap_prog = s->cap_prog ? s->cap_prog * 2 : 4096;
        s->prog = xrealloc(s->prog, s->cap_prog * sizeof *s->prog);
    }
    s->prog[s->n_prog++] = m;
}

/* Resolve a name to a program instruction: an enabled rule → its count; a
 * rule that can never be true offline (disabled by score 0, network test) or
 * no rule at all → 0, as SpamAssassin evaluates it; a rule that cannot run
 * here but would in SpamAssassin → the meta is skipped. */
static struct mins name_ins(struct meta_build *b, const char *p, size_t len)
{
    char nm[256];
    if (len >= sizeof nm) len = sizeof nm - 1;
    memcpy(nm, p, len);
    nm[len] = 0;
    if (strcmp(nm, "local_tests_only") == 0) return (struct mins){.op = MOP_NUM, .num = 1};
    long idx = ruleset_find(b->s->rs, nm);
    if (idx < 0) return (struct mins){.op = MOP_NUM, .num = 0};
    const struct crule *c = &b->s->cr[idx];
    if (c->enabled) return (struct mins){.op = MOP_RULE, .rule = (uint32_t)idx};
    switch (c->r->status) {
    case RS_OK:
    case RS_SKIP_NET:
        return (struct mins){.op = MOP_NUM, .num = 0}; /* score 0 or network */
    default:
        if (!b->dep_skipped) b->dep_name = c->r->name;
        b->dep_skipped = true;
        return (struct mins){.op = MOP_NUM, .num = 0};
    }
}

/* Shunting-yard to postfix. Unary '-' and '!' are prefix operators. */
static bool meta_compile(struct meta_build *b, struct crule *c)
{
    struct scorer *s = b->s;
    enum mop ops[META_MAX_STACK];
    bool is_paren[META_MAX_STACK];
    size_t nops = 0;
    size_t start = s->n_prog;
    bool want_operand = true;
    int depth = 0; /* operand stack depth of the program */
    for (size_t i = 0; i < b->n; i++) {
        struct mtok *t = &b->t[i];
        if (nops >= META_MAX_STACK - 1) {
            snprintf(b->err, sizeof b->err, "expression nested too deeply");
            return false;
        }
        if (t->k == MT_NUM || t->k == MT_NAME) {
            if (!want_operand) {
                snprintf(b->err, sizeof b->err, "missing operator before '%.*s'",
                         t->k == MT_NAME ? (int)(t->len > 40 ? 40 : t->len) : 1,
                         t->k == MT_NAME ? t->p : "n");
                return false;
            }
            prog_push(s, t->k == MT_NUM ? (struct mins){.op = MOP_NUM, .num = t->num}
                                        : name_ins(b, t->p, t->len));
            depth++;
            want_operand = false;
        } else if (t->k == MT_LP) {
            if (!want_operand) {
                snprintf(b->err, sizeof b->err, "missing operator before '('");
                return false;
            }
            is_paren[nops] = true;
            ops[nops++] = MOP_NUM;
        } else if (t->k == MT_RP) {
            if (want_operand) {
                snprintf(b->err, sizeof b->err, "empty parentheses or missing operand before ')'");
                return false;
            }
            while (nops && !is_paren[nops - 1]) {
                enum mop o = ops[--nops];
                prog_push(s, (struct mins){.op = o});
                if (o != MOP_NOT && o != MOP_NEG) depth--;
            }
            if (!nops) {
                snprintf(b->err, sizeof b->err, "unbalanced ')'");
                return false;
            }
            nops--;
        } else { /* operator */
            enum mop o = t->op;
            if (want_operand) {
                if (o == MOP_SUB)
                    o = MOP_NEG;
                else if (o == MOP_ADD)
                    continue; /* unary plus */
                else if (o != MOP_NOT) {
                    snprintf(b->err, sizeof b->err, "missing operand before an operator");
                    return false;
                }
                is_paren[nops] = false;
                ops[nops++] = o;
                continue;
            }
            if (o == MOP_NOT) {
                snprintf(b->err, sizeof b->err, "'!' after an operand");
                return false;
            }
            while (nops && !is_paren[nops - 1] && prec(ops[nops - 1]) >= prec(o)) {
                enum mop p = ops[--nops];
                prog_push(s, (struct mins){.op = p});
                if (p != MOP_NOT && p != MOP_NEG) depth--;
            }
            is_paren[nops] = false;
            ops[nops++] = o;
            want_operand = true;
        }
        if (depth > META_MAX_STACK - 2) {
            snprintf(b->err, sizeof b->err, "expression too deep");
            return false;
        }
    }
    if (want_operand) {
        snprintf(b->err, sizeof b->err,
                 b->n ? "expression ends with an operator" : "empty expression");
        return false;
    }
    while (nops) {
        if (is_paren[nops - 1]) {
            snprintf(b->err, sizeof b->err, "unbalanced '('");
            return false;
        }
        enum mop o = ops[--nops];
        prog_push(s, (struct mins){.op = o});
        if (o != MOP_NOT && o != MOP_NEG) depth--;
    }
    if (depth != 1) {
        snprintf(b->err, sizeof b->err, "malformed expression");
        return false;
    }
    c->prog_off = (uint32_t)start;
    c->prog_len = (uint32_t)(s->n_prog - start);
    return true;
}

/* Perl's value of binary operator op on x and y */
static double mop_apply(enum mop op, double x, double y)
{
    switch (op) {
    case MOP_MUL:
        return x * y;
    case MOP_DIV:
        return y != 0 ? x / y : 0; /* Perl dies; SA then ignores the rule */
    case MOP_ADD:
        return x + y;
    case MOP_SUB:
        return x - y;
    case MOP_LT:
        return x < y;
    case MOP_GT:
        return x > y;
    case MOP_LE:
        return x <= y;
    case MOP_GE:
        return x >= y;
    case MOP_EQ:
        return x == y;
    case MOP_NE:
        return x != y;
    case MOP_XOR:
        return (double)((long long)x ^ (long long)y);
    case MOP_AND:
        return x != 0 ? y : x;
    case MOP_OR:
        return x != 0 ? x : y;
    default:
        return 0;
    }
}

/* the value of meta program (p,len) with rule values val */
static double meta_eval(const struct mins *p, uint32_t len, const double *val)
{
    double st[META_MAX_STACK];
    size_t sp = 0;
    for (uint32_t i = 0; i < len; i++) {
        switch (p[i].op) {
        case MOP_NUM:
            st[sp++] = p[i].num;
            continue;
        case MOP_RULE:
            st[sp++] = val[p[i].rule];
            continue;
        case MOP_NOT:
            st[sp - 1] = st[sp - 1] != 0 ? 0 : 1;
            continue;
        case MOP_NEG:
            st[sp - 1] = -st[sp - 1];
            continue;
        default:
            break;
        }
        double y = st[--sp];
        st[sp - 1] = mop_apply(p[i].op, st[sp - 1], y);
    }
    return sp ? st[0] : 0;
}

/* Whether meta program (p,len) is 0 whenever rule `target` is 0, whatever
 * the values of the other rules it reads: run on values known (constants,
 * and target's 0) or not (the others), with Perl's && and || deciding on a
 * known left operand, && also on a known 0 right one (either operand it
 * returns is then 0); any other operator with an unknown operand is
 * unknown. (__A && __B is 0 when __A is, __A || __B is not.) */
static bool meta_zero_without(const struct mins *p, uint32_t len, uint32_t target)
{
    double st[META_MAX_STACK];
    bool known[META_MAX_STACK];
    size_t sp = 0;
    for (uint32_t i = 0; i < len; i++) {
        switch (p[i].op) {
        case MOP_NUM:
            known[sp] = true;
            st[sp++] = p[i].num;
            continue;
        case MOP_RULE:
            known[sp] = p[i].rule == target;
            st[sp++] = 0;
            continue;
        case MOP_NOT:
            st[sp - 1] = st[sp - 1] != 0 ? 0 : 1;
            continue;
        case MOP_NEG:
            st[sp - 1] = -st[sp - 1];
            continue;
        default:
            break;
        }
        sp--;
        double x = st[sp - 1], y = st[sp];
        bool kx = known[sp - 1], ky = known[sp];
        if (kx && ky) {
            st[sp - 1] = mop_apply(p[i].op, x, y);
        } else if (p[i].op == MOP_AND && kx) {
            st[sp - 1] = x != 0 ? y : x, known[sp - 1] = x != 0 ? ky : true;
        } else if (p[i].op == MOP_AND && ky && y == 0) {
            st[sp - 1] = 0, known[sp - 1] = true;
        } else if (p[i].op == MOP_OR && kx) {
            st[sp - 1] = x != 0 ? x : y, known[sp - 1] = x != 0 ? true : ky;
        } else {
            known[sp - 1] = false;
        }
    }
    return sp && known[0] && !(st[0] != 0);
}

/* A meta's value depends on nothing but the values of the rules it reads:
 * when they are all +0.0 (most metas on most mail), it is the value
 * computed once here with every rule at +0.0 (the same operations on the
 * same operands). -0.0 is not +0.0 bit for bit: such an operand makes the
 * meta be evaluated. */
static void meta_zero_prepare(struct scorer *s)
{
    double *zeros = xcalloc(s->n ? s->n : 1, sizeof *zeros);
    s->mzero = xmalloc((s->n_metas ? s->n_metas : 1) * sizeof *s->mzero);
    s->mprog = xmalloc((s->n_metas ? s->n_metas : 1) * sizeof *s->mprog);
    s->mop_off = xmalloc((s->n_metas + 1) * sizeof *s->mop_off);
    size_t n_ops = 0;
    for (size_t k = 0; k < s->n_metas; k++) {
        const struct crule *c = &s->cr[s->metas[k]];
        s->mop_off[k] = (uint32_t)n_ops;
        for (uint32_t i = 0; i < c->prog_len; i++)
            if (s->prog[c->prog_off + i].op == MOP_RULE)
                push_u32(&s->mops, &n_ops, s->prog[c->prog_off + i].rule);
        s->mzero[k] = meta_eval(s->prog + c->prog_off, c->prog_len, zeros);
        struct mprog *mp = &s->mprog[k];
        *mp = (struct mprog){c->prog_off, c->prog_len, {UINT32_MAX, UINT32_MAX}};
        for (uint32_t i = 0, n_req = 0; i < c->prog_len && n_req < 2; i++) {
            const struct mins *m = &s->prog[c->prog_off + i];
            if (m->op == MOP_RULE && m->rule != mp->req[0] &&
                meta_zero_without(s->prog + c->prog_off, c->prog_len, m->rule))
                mp->req[n_req++] = m->rule;
        }
    }
    s->mop_off[s->n_metas] = (uint32_t)n_ops;
    free(zeros);
    /* the readers of each rule, a reader once per rule even when its
     * program reads the rule twice */
    s->mdep_off = xcalloc(s->n + 1, sizeof *s->mdep_off);
    uint32_t *last = xmalloc((s->n ? s->n : 1) * sizeof *last);
    for (size_t i = 0; i < s->n; i++)
        last[i] = UINT32_MAX;
    for (size_t k = 0; k < s->n_metas; k++)
        for (uint32_t o = s->mop_off[k]; o < s->mop_off[k + 1]; o++)
            if (last[s->mops[o]] != k) {
                last[s->mops[o]] = (uint32_t)k;
                s->mdep_off[s->mops[o] + 1]++;
            }
    for (size_t i = 0; i < s->n; i++)
        s->mdep_off[i + 1] += s->mdep_off[i];
    s->mdeps = xmalloc((s->mdep_off[s->n] ? s->mdep_off[s->n] : 1) * sizeof *s->mdeps);
    uint32_t *fill = xmalloc((s->n ? s->n : 1) * sizeof *fill);
    memcpy(fill, s->mdep_off, s->n * sizeof *fill);
    for (size_t i = 0; i < s->n; i++)
        last[i] = UINT32_MAX;
    for (size_t k = 0; k < s->n_metas; k++)
        for (uint32_t o = s->mop_off[k]; o < s->mop_off[k + 1]; o++)
            if (last[s->mops[o]] != k) {
                last[s->mops[o]] = (uint32_t)k;
                s->mdeps[fill[s->mops[o]]++] = (uint32_t)k;
            }
    free(fill);
    free(last);
    s->n_mwords = (s->n_metas + 63) / 64;
    s->mz_hit = xcalloc(s->n_mwords ? s->n_mwords : 1, sizeof *s->mz_hit);
    for (size_t k = 0; k < s->n_metas; k++)
        if (s->mzero[k] != 0) s->mz_hit[k >> 6] |= (uint64_t)1 << (k & 63);
}

/* true: every value read is +0.0 (all bits clear) */
static bool meta_ops_zero(const double *val, const uint32_t *ops, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &val[ops[i]], sizeof bits);
        if (bits) return false;
    }
    return true;
}

/* Metas in dependency order (dependencies first); a cycle is an error. */
static void order_metas(struct scorer *s)
{
    size_t n = s->n;
    unsigned char *mark = xcalloc(n, 1); /* 0 new, 1 on stack, 2 done */
    uint32_t *out = NULL;
    size_t n_out = 0;
    uint32_t *stack = xmalloc((n + 1) * sizeof *stack);
    uint32_t *pos = xmalloc((n + 1) * sizeof *pos);
    for (size_t i0 = 0; i0 < n; i0++) {
        if (s->cr[i0].r->kind != RK_META || !s->cr[i0].enabled || mark[i0]) continue;
        size_t sp = 0;
        stack[sp] = (uint32_t)i0;
        pos[sp++] = 0;
        mark[i0] = 1;
        while (sp) {
            uint32_t cur = stack[sp - 1];
            struct crule *c = &s->cr[cur];
            bool pushed = false;
            while (pos[sp - 1] < c->prog_len) {
                const struct mins *m = &s->prog[c->prog_off + pos[sp - 1]++];
                if (m->op != MOP_RULE) continue;
                struct crule *d = &s->cr[m->rule];
                if (d->r->kind != RK_META || !d->enabled) continue;
                if (mark[m->rule] == 1) {
                    set_status(s, c, RS_ERROR, "meta rules depend on each other in a loop");
                    ruleset_diag(s->rs, RD_ERROR, c->r->file, c->r->line,
                                 "%s: meta dependency loop through %s", c->r->name, d->r->name);
                    continue;
                }
                if (mark[m->rule] == 0) {
                    mark[m->rule] = 1;
                    stack[sp] = m->rule;
                    pos[sp++] = 0;
                    pushed = true;
                    break;
                }
            }
            if (pushed) continue;
            mark[cur] = 2;
            if (s->cr[cur].enabled) push_u32(&out, &n_out, cur);
            sp--;
        }
    }
    free(stack);
    free(pos);
    free(mark);
    s->metas = out;
    s->n_metas = n_out;
}

/* A meta whose dependency was skipped is skipped too; repeat until stable
 * (metas of metas). */
static void propagate_meta_skips(struct scorer *s)
{
    bool changed = true;
    while (changed) {
        changed = false;
        for (size_t i = 0; i < s->n; i++) {
            struct crule *c = &s->cr[i];
            if (c->r->kind != RK_META || !c->enabled) continue;
            for (uint32_t k = 0; k < c->prog_len; k++) {
                const struct mins *m = &s->prog[c->prog_off + k];
                if (m->op != MOP_RULE) continue;
                const struct crule *d = &s->cr[m->rule];
                if (d->enabled) continue;
                char why[300];
                snprintf(why, sizeof why, "depends on %s, which cannot run (%s)", d->r->name,
                         d->r->status_reason ? d->r->status_reason : "skipped");
                set_status(s, c, RS_SKIP_META_DEP, why);
                changed = true;
                break;
            }
        }
    }
}

/* the modifier a mimeheader rule's text is asked with */
static enum rule_hdr_mod mh_mod(const struct rule *r)
{
    return r->hmod == HM_RAW ? HM_RAW : HM_DEFAULT;
}

/* The literals of the rules of list (n of them, both sets) as a matcher of
 * their own, numbered as in s->lits; NULL when none has any. A text is only
 * ever asked about by the rules of one list, and the smaller table of their
 * literals alone stays in cache where the table of all of them (12,500
 * states for SpamAssassin's rules) did not: most of a header group's value
 * bytes, a third of the bytes scanned, walked that table. */
static sare_lits *lits_of(const struct scorer *s, const uint32_t *list, size_t n)
{
    uint64_t *keep = xcalloc(s->n_words ? s->n_words : 1, sizeof *keep);
    bool any = false;
    for (size_t k = 0; k < n; k++) {
        const struct crule *c = &s->cr[list[k]];
        if (!c->n_lits) continue;
        any = true;
        for (uint32_t j = 0; j < c->n_lm; j++)
            keep[s->lmask[c->lm_off + j].word] |= s->lmask[c->lm_off + j].bits;
        for (uint32_t j = 0; j < c->n_lm2; j++)
            keep[s->lmask[c->lm2_off + j].word] |= s->lmask[c->lm2_off + j].bits;
    }
    sare_lits *m = any ? sare_lits_subset(s->lits, keep) : NULL;
    free(keep);
    return m;
}

/* The index of run list (list,n) by the literals of its rules' first sets
 * (s->lits numbered; call after sare_lits_build). */
static void lindex_build(struct scorer *s, struct lindex *ix, const uint32_t *list, size_t n)
{
    ix->lits = lits_of(s, list, n);
    size_t n_ids = (size_t)s->n_words * 64;
    ix->off = xcalloc(n_ids + 1, sizeof *ix->off);
    ix->always = xcalloc((n + 63) / 64 + 1, sizeof *ix->always);
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < n; k++) {
            const struct crule *c = &s->cr[list[k]];
            if (!c->n_lits) {
                ix->always[k >> 6] |= (uint64_t)1 << (k & 63);
                continue;
            }
            for (uint32_t m = 0; m < c->n_lm; m++) {
                const struct fmask *fm = &s->lmask[c->lm_off + m];
                for (uint64_t bits = fm->bits; bits; bits &= bits - 1) {
                    size_t id = (size_t)fm->word * 64 + (size_t)__builtin_ctzll(bits);
                    if (pass == 0)
                        ix->off[id + 1]++;
                    else
                        ix->pos[ix->off[id]++] = (uint32_t)k;
                }
            }
        }
        if (pass == 0) {
            for (size_t id = 0; id < n_ids; id++)
                ix->off[id + 1] += ix->off[id];
            ix->pos = xmalloc((ix->off[n_ids] ? ix->off[n_ids] : 1) * sizeof *ix->pos);
        }
    }
    /* the second pass moved each off[id] to where off[id + 1] was */
    for (size_t id = n_ids; id > 0; id--)
        ix->off[id] = ix->off[id - 1];
    ix->off[0] = 0;
}

static void lindex_free(struct lindex *ix)
{
    free(ix->off);
    free(ix->pos);
    free(ix->always);
    sare_lits_free(ix->lits);
}

static bool score_enabled(const struct rule *r)
{
    return r->n_scores == 0 || r->scores[0] != 0;
}

static const struct crule *by_name_rules; /* name_cmp's rules, while scorer_new sorts */

static int name_cmp(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    int c = strcmp(by_name_rules[a].r->name, by_name_rules[b].r->name);
    return c ? c : (a > b) - (a < b);
}

#define FULL_LITS_MIN 8

/* g->dl: the literals of g's rules with a set, when they are few (see
 * struct hgroup); before s->lits is built (sare_lits_add gives back the
 * id a literal already has) */
static void direct_literals(struct scorer *s, struct hgroup *g)
{
    struct dlit d[DIRECT_MAX];
    size_t n = 0;
    for (size_t k = 0; k < g->n; k++) {
        const struct crule *c = &s->cr[g->rules[k]];
        if (!c->n_lits || c->r->exists) continue;
        for (int set = 0; set < 2; set++) {
            const char *const *lits;
            const size_t *lens;
            bool nocase;
            size_t nl = set ? sare_literals2(c->re, &lits, &lens)
                            : sare_literals(c->re, &lits, &lens, &nocase);
            for (size_t i = 0; i < nl; i++) {
                uint32_t id = sare_lits_add(s->lits, lits[i], lens[i]);
                size_t j = 0;
                while (j < n && d[j].id != id)
                    j++;
                if (j < n) continue;
                if (n == DIRECT_MAX || lens[i] > UINT32_MAX) return; /* too many: the automaton */
                size_t a = anchor_of(lits[i], lens[i], true);
                d[n++] = (struct dlit){lits[i], id, (uint32_t)lens[i], (uint32_t)a};
            }
        }
    }
    if (!n) return;
    g->dl = xmalloc(n * sizeof *g->dl);
    memcpy(g->dl, d, n * sizeof *d);
    g->n_dl = n;
}

scorer *scorer_new(struct ruleset *rs)
{
    ruleset_finish(rs);
    struct scorer *s = xcalloc(1, sizeof *s);
    s->rs = rs;
    s->n = rs->n_rules;
    s->cr = xcalloc(s->n ? s->n : 1, sizeof *s->cr);
    static uint64_t next_id;
    s->id = __atomic_add_fetch(&next_id, 1, __ATOMIC_RELAXED);
    const char *nc = getenv("MAILAUDIT_NO_LINE_CACHE");
    s->no_cache = nc && *nc && *nc != '0';
    const char *prof = getenv("MAILAUDIT_SCORE_PROFILE");
    if (prof && *prof && *prof != '0') {
        s->profile = true;
        s->prof_ns = xcalloc(s->n ? s->n : 1, sizeof *s->prof_ns);
        s->prof_calls = xcalloc(s->n ? s->n : 1, sizeof *s->prof_calls);
    }
    s->lits = sare_lits_new();
    for (unsigned f = 0; f < SARE_N_FOLDS; f++)
        s->flits[f] = sare_lits_new();
    for (size_t i = 0; i < s->n; i++) {
        struct crule *c = &s->cr[i];
        c->r = &rs->rules[i];
        c->multi = (c->r->tflags & TF_MULTIPLE) != 0;
        c->budget = !c->multi ? 1 : c->r->maxhits > 0 ? c->r->maxhits : 1 << 30;
        c->exists = c->r->exists;
        c->negate = c->r->negate;
        c->if_unset = c->r->if_unset;
        c->sub = strncmp(c->r->name, "__", 2) == 0;
        c->enabled = c->r->status == RS_OK && score_enabled(c->r);
        if (c->r->status == RS_OK && (c->r->tflags & TF_NET) && c->r->is_eval) {
            /* as SpamAssassin with network tests off: only net evals are skipped */
            set_status(s, c, RS_SKIP_NET, "network test (tflags net)");
            continue;
        }
        if (!c->enabled) continue;
        if (c->r->is_eval) {
            const char *fn = c->r->eval_fn ? c->r->eval_fn : "";
            c->ev = eval_lookup(fn);
            if (!c->ev) {
                char why[200];
                snprintf(why, sizeof why, "unknown eval function %.120s()", fn);
                set_status(s, c, RS_SKIP_EVAL, why);
            } else if (c->ev->cls == EV_NET) {
                char why[200];
                snprintf(why, sizeof why, "%.120s() needs the network, Bayes or external state",
                         fn);
                set_status(s, c, RS_SKIP_NET, why);
            } else if (c->r->n_eval_args < c->ev->min_args ||
                       (c->ev->max_args >= 0 && c->r->n_eval_args > c->ev->max_args)) {
                char why[200];
                snprintf(why, sizeof why, "%.120s() takes %d to %d arguments, given %d", fn,
                         c->ev->min_args, c->ev->max_args, c->r->n_eval_args);
                set_status(s, c, RS_ERROR, why);
                ruleset_diag(rs, RD_ERROR, c->r->file, c->r->line, "%s: %s", c->r->name, why);
            }
            continue;
        }
        if (c->r->kind != RK_META) compile_regex_rule(s, c);
    }
    /* metas: compile after every other rule's status is known */
    struct meta_build b = {.s = s};
    for (size_t i = 0; i < s->n; i++) {
        struct crule *c = &s->cr[i];
        if (c->r->kind != RK_META || !c->enabled) continue;
        b.n = 0;
        b.err[0] = 0;
        b.self = i;
        b.dep_skipped = false;
        b.dep_name = NULL;
        size_t save = s->n_prog;
        if (!c->r->meta || !meta_lex(&b, c->r->meta) || !meta_compile(&b, c)) {
            s->n_prog = save;
            if (!b.err[0]) snprintf(b.err, sizeof b.err, "no expression");
            set_status(s, c, RS_ERROR, b.err);
            ruleset_diag(rs, RD_ERROR, c->r->file, c->r->line, "%s: %s", c->r->name, b.err);
            continue;
        }
        if (b.dep_skipped) {
            long d = ruleset_find(rs, b.dep_name);
            const char *why =
                d >= 0 && rs->rules[d].status_reason ? rs->rules[d].status_reason : "skipped";
            char msg[300];
            snprintf(msg, sizeof msg, "depends on %s, which cannot run (%s)", b.dep_name, why);
            set_status(s, c, RS_SKIP_META_DEP, msg);
        }
    }
    free(b.t);
    propagate_meta_skips(s);
    /* run lists */
    for (size_t i = 0; i < s->n; i++) {
        struct crule *c = &s->cr[i];
        if (!c->enabled || c->r->kind == RK_META) continue;
        uint32_t id = (uint32_t)i;
        if (c->ev) {
            push_u32(&s->evals, &s->n_evals, id);
            continue;
        }
        if (c->tmpl) {
            push_u32(&s->tmpl, &s->n_tmpl, id);
            continue;
        }
        switch (c->r->kind) {
        case RK_HEADER: {
            struct hgroup *g = &s->groups[c->group];
            size_t nn = g->n;
            push_u32(&g->rules, &nn, id);
            g->n = nn;
            if (c->n_lits) g->any_lits = true;
            const struct rule *r = c->r;
            if (r->exists || r->negate || !c->n_lits || r->if_unset)
                push_u32(&g->unset, &g->n_unset, id);
            g->plain = xrealloc(g->plain, g->n * sizeof *g->plain);
            g->plain[g->n - 1] = r->exists || r->negate || !c->n_lits
                                     ? (struct hplain){0, 0, 0, 0}
                                     : (struct hplain){c->lm_off, c->n_lm, c->lm2_off, c->n_lm2};
            c->ex_same = r->exists && g->mod == HM_DEFAULT && strcmp(r->header, g->name) == 0;
            break;
        }
        case RK_BODY:
            if (!c->n_lits) add_fold_literals(s, c);
            if (!c->n_lits && !c->caps && !(c->r->tflags & TF_NOSUBJECT) && !s->no_cache) {
                c->chain = chain_of(c->r->regex, &c->chain_reps);
                /* (?:X){2} and (?:X){n} judge their starts with the
                 * chain's start pairs of (?:X), learned once for the three
                 * (__FILL_THIS_FORM_LONG1/2; callgrind over 300 bench
                 * messages: 2,966,195 -> 2,963,106 instructions a message,
                 * start-up -32M: two pair tables fewer a rule) */
                const sare_starts *cst = sare_chain_starts(c->chain);
                char *pre = repeat_prefix(c->r->regex);
                if (pre) {
                    char err[256];
                    c->pre = sare_compile(pre, strlen(pre), err, sizeof err);
                    c->pre_st = cst ? sare_starts_share(cst, c->pre, pre, strlen(pre))
                                    : sare_starts_new(c->pre, pre, strlen(pre));
                    free(pre);
                }
                /* start pairs pay on these (no literal: every line); on the
                 * other rules they cost start-up time for no gain measured */
                c->st = cst ? sare_starts_share(cst, c->re, c->r->regex, strlen(c->r->regex))
                            : sare_starts_new(c->re, c->r->regex, strlen(c->r->regex));
                /* SpamAssassin's two letter counters, tflags multiple with
                 * a match per "e": a PCRE2 call per match was 40,000
                 * instructions a message on the bench */
                c->fixed = sare_fixed_new(c->r->regex, strlen(c->r->regex));
                c->has_rb = sare_required_bytes(c->re, c->rb);
                s->any_rb |= c->has_rb;
                push_u32(&s->cbody, &s->n_cbody, id);
                break;
            }
            /* a long pattern outside the line cache gets start pairs too
             * when sare_starts_new finds they pay: of the stock rules only
             * __FILL_THIS_FORM_LOAN1, <FF_YOUR><FF_L1>... with a literal
             * set of loan words; callgrind over 300 bench messages,
             * 2,981,557 -> 2,967,551 instructions a message, start-up +5M.
             * The two shorter ones that would get them (__VBOUNCE_CISCO,
             * __UNICODE_OBFU_ASC) gained nothing (+600 a message) */
            if (strlen(c->r->regex) >= ST_BODY_MIN_PATTERN)
                c->st = sare_starts_new(c->re, c->r->regex, strlen(c->r->regex));
            push_u32(&s->body, &s->n_body, id);
            s->body_lits |= c->n_lits > 0;
            break;
        case RK_RAWBODY:
            /* a rule with no literal runs on every text: a long one tried
             * at line starts only gets start pairs in line mode
             * (sare_starts_lines; __FILL_THIS_FORM_PARTIAL_RAW: callgrind
             * over 300 bench messages, 3,016,969 -> 2,981,557 instructions
             * a message with __FILL_THIS_FORM_PARTIAL's line mode; start-up
             * +54M, the anchored copies' JIT code). A short one fails fast
             * at a line start by itself: /^\s*(?:[a-z]+\s+){10}\.$/m cost
             * 3,400 a message more in line mode */
            if (!c->n_lits && strlen(c->r->regex) >= ST_BODY_MIN_PATTERN)
                c->st = sare_starts_lines(c->re, c->r->regex, strlen(c->r->regex));
            push_u32(&s->rawbody, &s->n_rawbody, id);
            s->rawbody_lits |= c->n_lits > 0;
            break;
        case RK_URI:
            push_u32(&s->uri, &s->n_uri, id);
            s->uri_lits |= c->n_lits > 0;
            break;
        case RK_FULL:
            push_u32(&s->full, &s->n_full, id);
            s->n_full_lits += c->n_lits > 0;
            break;
        case RK_MIMEHEADER:
            push_u32(&s->mimehdr, &s->n_mimehdr, id);
            break;
        default:
            break;
        }
    }
    /* The full text is the whole message: one pass of the automaton over
     * it costs more than a few regexes that run anyway (SpamAssassin's four
     * full rules all have literals that nearly every message holds, "from:",
     * "content-"; the pass was 104,000 of 4.7 million instructions a message
     * on the bench). With fewer than FULL_LITS_MIN such rules, each runs
     * unfiltered: the prefilter only ever skips a rule that cannot match, so
     * the results are the same. */
    s->full_lits = s->n_full_lits >= FULL_LITS_MIN;
    s->mh_slot = xmalloc((s->n_mimehdr ? s->n_mimehdr : 1) * sizeof *s->mh_slot);
    for (size_t k = 0; k < s->n_mimehdr; k++) {
        const struct rule *r = s->cr[s->mimehdr[k]].r;
        size_t j = 0;
        while (j < k && !(mh_mod(s->cr[s->mimehdr[j]].r) == mh_mod(r) &&
                          strcmp(s->cr[s->mimehdr[j]].r->header, r->header) == 0))
            j++;
        s->mh_slot[k] = j < k ? s->mh_slot[j] : (uint32_t)s->n_mh_names++;
    }
    for (size_t gi = 0; gi < s->n_groups; gi++)
        direct_literals(s, &s->groups[gi]);
    order_metas(s);
    meta_zero_prepare(s);
    /* s->lits only numbers the literals: texts are scanned for subsets */
    s->n_words = (sare_lits_count(s->lits) + 63) / 64;
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        sare_lits_build(s->flits[f]);
        s->n_fwords[f] = (sare_lits_count(s->flits[f]) + 63) / 64;
    }
    lindex_build(s, &s->ix_body, s->body, s->n_body);
    lindex_build(s, &s->ix_rawbody, s->rawbody, s->n_rawbody);
    lindex_build(s, &s->ix_uri, s->uri, s->n_uri);
    lindex_build(s, &s->ix_full, s->full, s->n_full);
    s->mh_lits = lits_of(s, s->mimehdr, s->n_mimehdr);
    for (size_t i = 0; i < s->n_groups; i++)
        s->groups[i].lits = lits_of(s, s->groups[i].rules, s->groups[i].n);
    s->by_name = xmalloc((s->n ? s->n : 1) * sizeof *s->by_name);
    for (size_t i = 0; i < s->n; i++)
        s->by_name[i] = (uint32_t)i;
    by_name_rules = s->cr;
    qsort(s->by_name, s->n, sizeof *s->by_name, name_cmp);
    by_name_rules = NULL;
    s->name_rank = xmalloc((s->n ? s->n : 1) * sizeof *s->name_rank);
    for (size_t k = 0; k < s->n; k++)
        s->name_rank[s->by_name[k]] = (uint32_t)k;
    return s;
}

/* whether seen[] has a bit of one of the n masks */
static bool masks_met(const struct fmask *m, uint32_t n, const uint64_t *seen)
{
    for (uint32_t k = 0; k < n; k++)
        if (seen[m[k].word] & m[k].bits) return true;
    return false;
}

/* ---- folded prefilter ----
 * Body rules with no literal set (look-alike letters, fillers between
 * letters) may still have one in a folded alphabet (saregex.h: sare_fold):
 * a line all inside that alphabet is folded and scanned once for every
 * such rule's folded literals, and a rule none of whose folded literals
 * occur cannot match the line. A line with a byte outside the alphabet
 * runs every rule. */
/* a line's folds, folded and scanned ahead with the message's other new
 * lines (fscan_batch) */
struct fpre {
    bool have;
    bool ok[SARE_N_FOLDS];
    const char *buf[SARE_N_FOLDS];
    size_t len[SARE_N_FOLDS];
    uint64_t *row[SARE_N_FOLDS];
};

struct fscan {
    const char *buf[SARE_N_FOLDS];      /* the line's folded text */
    size_t len[SARE_N_FOLDS];           /* its length */
    const uint64_t *seen[SARE_N_FOLDS]; /* folded literals seen, per fold */
    bool ok[SARE_N_FOLDS];              /* the line folded: seen[] judges it */
    /* room to fold and scan a line here (the longest line) */
    char *own_buf[SARE_N_FOLDS];
    uint64_t *own_seen[SARE_N_FOLDS];
    /* pre[cur]: the line being evaluated, when fscan_batch did it (pre
     * NULL or !pre[cur].have: folded and scanned by fscan_line) */
    const struct fpre *pre;
    size_t cur;
    size_t *apart;  /* per s->aparts: occurrences apart, SIZE_MAX not counted */
    uint8_t *reach; /* sare_chain_scan's output (room for the longest line + 1) */
};

static void fscan_init(const struct scorer *s, arena *a, size_t maxlen, struct fscan *fs)
{
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        fs->own_buf[f] = arena_alloc(a, maxlen ? maxlen : 1);
        fs->buf[f] = fs->own_buf[f];
        fs->len[f] = 0;
        fs->own_seen[f] = arena_alloc(a, (s->n_fwords[f] ? s->n_fwords[f] : 1) * sizeof(uint64_t));
        fs->seen[f] = fs->own_seen[f];
        fs->ok[f] = false;
    }
    fs->apart = arena_alloc(a, (s->n_aparts ? s->n_aparts : 1) * sizeof *fs->apart);
    fs->reach = arena_alloc(a, maxlen + 1);
    fs->pre = NULL;
    fs->cur = 0;
}

static void fscan_line(const struct scorer *s, const char *p, size_t len, struct fscan *fs)
{
    const struct fpre *pre = fs->pre && fs->pre[fs->cur].have ? &fs->pre[fs->cur] : NULL;
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        fs->ok[f] = false;
        if (!s->n_fwords[f]) continue;
        if (pre) {
            fs->ok[f] = pre->ok[f];
            fs->buf[f] = pre->buf[f];
            fs->len[f] = pre->len[f];
            fs->seen[f] = pre->row[f];
            continue;
        }
        size_t n = sare_fold(f, p, len, fs->own_buf[f]);
        if (n == SIZE_MAX) continue;
        fs->buf[f] = fs->own_buf[f];
        fs->len[f] = n;
        memset(fs->own_seen[f], 0, s->n_fwords[f] * sizeof(uint64_t));
        sare_lits_scan(s->flits[f], fs->own_buf[f], n, fs->own_seen[f]);
        fs->seen[f] = fs->own_seen[f];
        fs->ok[f] = true;
    }
    for (size_t i = 0; i < s->n_aparts; i++)
        fs->apart[i] = SIZE_MAX;
}

/* false: rule c cannot match the line fs was filled for (its folded set is
 * absent, or present fewer times apart than the regex repeats it) */
static bool fscan_met(const struct scorer *s, const struct crule *c, struct fscan *fs)
{
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        if (!c->n_flits[f] || !fs->ok[f]) continue;
        if (!masks_met(s->fmask + c->fm_off[f], c->n_fm[f], fs->seen[f])) return false;
        for (unsigned x = 0; x < SARE_FOLD_MORE; x++)
            if (c->n_fmx[f][x] &&
                !masks_met(s->fmask + c->fmx_off[f][x], c->n_fmx[f][x], fs->seen[f]))
                return false;
        if (c->apart[f]) {
            uint32_t gi = c->apart[f] - 1;
            const struct apart_set *g = &s->aparts[gi];
            if (fs->apart[gi] == SIZE_MAX)
                fs->apart[gi] = sare_apart_count(g->a, fs->buf[f], fs->len[f], g->reps);
            if (fs->apart[gi] < sare_fold_repeats(c->re, f)) return false;
        }
    }
    return true;
}

/* ---- line cache ----
 * The body rules that have no literal run on every message, over all of
 * its text; mail repeats itself (a campaign's copies, templates, footers),
 * so their result on a body line — matches counted with the rule's budget,
 * where the first one is, whether a PCRE2 limit stopped it — is kept per
 * thread, keyed by the line's bytes (compared in full, not only hashed).
 * Results are pure functions of the line: identical to matching again
 * (MAILAUDIT_NO_LINE_CACHE=1 turns it off to compare). Bounded: LC_SLOTS
 * lines and LC_BYTES bytes, then it starts over. */
#define LC_SLOTS 8192
#define LC_BYTES (8u * 1024 * 1024)
#define LC_MIN_LEN 1 /* shorter (empty) lines are matched directly */

struct lres {
    uint16_t count;  /* matches (<= the rule's budget) */
    uint16_t ms, me; /* the first match */
    uint8_t limit;   /* a PCRE2 limit stopped the matching */
};

struct lslot {
    uint64_t h;
    uint32_t len, off; /* the line's bytes in lc->bytes */
    uint32_t res;      /* its results in lc->res (n_cbody entries) */
    uint32_t nz, n_nz; /* the rules it counts a match or a limit for: lc->nzs[nz ..] */
    bool used;
};

struct lcache {
    uint64_t owner;
    size_t nrules;
    struct lslot *slot;
    size_t n_used;
    char *bytes;
    size_t nbytes;
    struct lres *res;
    size_t nres, capres;
    /* per line, the indexes j (into s->cbody, ascending) of its results
     * that are not all zero: most rules match no line, and a message's
     * lines were gone over for all 113 of SpamAssassin's cached rules each
     * (20,000 instructions a message on the bench). At most nres entries. */
    uint32_t *nzs;
    size_t nnz, capnz;
};

static _Thread_local struct lcache *tl_lc;

static void lc_free(struct lcache *lc)
{
    if (!lc) return;
    free(lc->slot);
    free(lc->bytes);
    free(lc->res);
    free(lc->nzs);
    free(lc);
}

/* ---- template cache ----
 * A capture template filled in with a message's values is compiled for that
 * message (no JIT); the values recur from message to message (a mailbox's
 * own address in To:), so the compiled regex is kept per thread, keyed by
 * the filled-in pattern (compared in full, not only hashed): a regex is a
 * pure function of its pattern. Bounded: TC_SLOTS patterns, then it starts
 * over. MAILAUDIT_NO_LINE_CACHE=1 turns it off too. */
#define TC_SLOTS 64

struct tc_entry {
    uint64_t h;
    char *src;
    size_t len;
    sare *re;
};

struct tcache {
    uint64_t owner;
    size_t n;
    struct tc_entry e[TC_SLOTS];
};

static _Thread_local struct tcache *tl_tc;

static void tc_clear(struct tcache *tc)
{
    for (size_t i = 0; i < tc->n; i++) {
        free(tc->e[i].src);
        sare_free(tc->e[i].re);
    }
    tc->n = 0;
}

static void tc_free(struct tcache *tc)
{
    if (!tc) return;
    tc_clear(tc);
    free(tc);
}

/* The compiled regex of a filled-in template (src,len), from the thread's
 * cache or compiled now and kept; NULL when it does not compile. The regex
 * belongs to the cache. */
static const sare *tc_regex(const struct scorer *s, const char *src, size_t len)
{
    struct tcache *tc = tl_tc;
    if (!tc || tc->owner != s->id) {
        tc_free(tc);
        tc = tl_tc = xcalloc(1, sizeof *tc);
        tc->owner = s->id;
    }
    uint64_t h = hash_fnv1a(src, len);
    for (size_t i = 0; i < tc->n; i++)
        if (tc->e[i].h == h && tc->e[i].len == len && memcmp(tc->e[i].src, src, len) == 0)
            return tc->e[i].re;
    char err[256];
    sare *re = sare_compile_once(src, len, err, sizeof err);
    if (!re) return NULL;
    if (tc->n == TC_SLOTS) tc_clear(tc);
    char *copy = xmalloc(len + 1);
    memcpy(copy, src, len);
    copy[len] = 0;
    tc->e[tc->n++] = (struct tc_entry){h, copy, len, re};
    return re;
}

/* ---- per-rule run arrays ----
 * A run's value, snippet and area per rule (s->n of each, 24 bytes a rule:
 * 70 KB with SpamAssassin's rules) are kept per thread between messages
 * instead of allocated zeroed for each: a run leaves them all zero again by
 * clearing the entries of its hits, the only ones it sets (a snippet or an
 * area is set only with a value). Zeroing them per message was 75,000 of
 * the 4.85 million instructions a message on the bench. */
struct rarrays {
    uint64_t owner;
    double *val;
    const char **snippet, **area;
    /* What the eval loop and the hit lists read of a rule, copied once into
     * arrays read in order: each read through s->cr[i] and its rule was a
     * cache miss of its own (two lines a rule), 10% of scorer_run's own
     * samples in the eval loop and most of hit_fill's (perf, bench). */
    struct ev_call *evc; /* s->n_evals, in s->evals' order */
    struct hit_info *hi; /* s->n, by rule */
};

/* an eval rule's call: the function, the rule's arguments, the rule */
struct ev_call {
    eval_fn fn;
    const char *const *args;
    int n_args;
    uint32_t id;
};

/* a rule as a hit shows it: the rule, the score of one hit (0 for a "__"
 * rule), whether it counts once per match (tflags multiple, not a meta or
 * eval) */
struct hit_info {
    const struct rule *rule;
    double score;
    bool counted;
};

static _Thread_local struct rarrays *tl_ra;

static void ra_free(struct rarrays *ra)
{
    if (!ra) return;
    free(ra->val);
    free(ra->snippet);
    free(ra->area);
    free(ra->evc);
    free(ra->hi);
    free(ra);
}

/* the thread's arrays for scorer s, all zero */
static struct rarrays *ra_get(const struct scorer *s)
{
    if (tl_ra && tl_ra->owner == s->id) return tl_ra;
    ra_free(tl_ra);
    struct rarrays *ra = xcalloc(1, sizeof *ra);
    size_t n = s->n ? s->n : 1;
    ra->owner = s->id;
    ra->val = xcalloc(n, sizeof *ra->val);
    ra->snippet = xcalloc(n, sizeof *ra->snippet);
    ra->area = xcalloc(n, sizeof *ra->area);
    ra->evc = xcalloc(s->n_evals ? s->n_evals : 1, sizeof *ra->evc);
    for (size_t k = 0; k < s->n_evals; k++) {
        const struct crule *c = &s->cr[s->evals[k]];
        ra->evc[k] = (struct ev_call){c->ev->fn, (const char *const *)c->r->eval_args,
                                      c->r->n_eval_args, s->evals[k]};
    }
    ra->hi = xcalloc(n, sizeof *ra->hi);
    for (size_t i = 0; i < s->n; i++) {
        const struct crule *c = &s->cr[i];
        ra->hi[i].rule = c->r;
        ra->hi[i].score = c->sub ? 0 : c->r->score;
        ra->hi[i].counted = c->r->kind != RK_META && !c->ev && (c->r->tflags & TF_MULTIPLE);
    }
    tl_ra = ra;
    return ra;
}

static void lc_release(uint64_t owner)
{
    if (tl_lc && tl_lc->owner == owner) {
        lc_free(tl_lc);
        tl_lc = NULL;
    }
    if (tl_ra && tl_ra->owner == owner) {
        ra_free(tl_ra);
        tl_ra = NULL;
    }
    if (tl_tc && tl_tc->owner == owner) {
        tc_free(tl_tc);
        tl_tc = NULL;
    }
}

static struct lcache *lc_get(const struct scorer *s)
{
    if (tl_lc && tl_lc->owner == s->id) return tl_lc;
    lc_free(tl_lc);
    struct lcache *lc = xcalloc(1, sizeof *lc);
    lc->owner = s->id;
    lc->nrules = s->n_cbody;
    lc->slot = xcalloc(LC_SLOTS, sizeof *lc->slot);
    lc->bytes = xmalloc(LC_BYTES);
    tl_lc = lc;
    return lc;
}

static void lc_reset(struct lcache *lc)
{
    memset(lc->slot, 0, LC_SLOTS * sizeof *lc->slot);
    lc->n_used = lc->nbytes = lc->nres = lc->nnz = 0;
}

/* Match every cached rule on one line, as match_re would with the full
 * budget; nz[0 .. *n_nz) gets the indexes of the results not all zero. */
static void lc_eval(const struct scorer *s, const char *p, size_t len, struct lres *out,
                    uint32_t *nz, uint32_t *n_nz, struct fscan *fs)
{
    *n_nz = 0;
    if (s->any_flits) fscan_line(s, p, len, fs);
    uint64_t lb[4] = {0, 0, 0, 0}; /* the bytes of the line */
    if (s->any_rb)
        for (size_t i = 0; i < len; i++)
            lb[(unsigned char)p[i] >> 6] |= (uint64_t)1 << ((unsigned char)p[i] & 63);
    for (size_t j = 0; j < s->n_cbody; j++) {
        const struct crule *c = &s->cr[s->cbody[j]];
        struct lres r = {0, 0, 0, 0};
        /* prefilters, cheapest first: required bytes, a required run, the
         * folded literals */
        if (c->has_rb &&
            !((lb[0] & c->rb[0]) | (lb[1] & c->rb[1]) | (lb[2] & c->rb[2]) | (lb[3] & c->rb[3]))) {
            out[j] = r;
            continue;
        }
        if (c->run_min && !sare_has_run(c->run_bytes, c->run_min, p, len)) {
            out[j] = r;
            continue;
        }
        if (s->any_flits && !fscan_met(s, c, fs)) {
            out[j] = r;
            continue;
        }
        PROF_BEGIN(s);
        /* a match of (?:X){n} at q holds one of (?:X){2} at q: none starts
         * before the repeat prefilter's leftmost match (pre_ms) */
        size_t pre_ms = 0, pre_me;
        if (c->pre) {
            enum sare_rc prc = c->pre_st ? sare_starts_match(c->pre_st, p, len, 0, &pre_ms, &pre_me)
                                         : sare_match(c->pre, p, len, 0, &pre_ms, &pre_me);
            if (prc == SARE_NOMATCH) {
                out[j] = r;
                PROF_RULE(s, s->cbody[j]);
                continue;
            }
            if (prc != SARE_MATCH) pre_ms = 0;
        }
        /* the chain prefilter: a match starts only where reach[] is full;
         * its pairs are enumerated from pre_ms on (on the bench lines that
         * pass the prefilter of __FILL_THIS_FORM_LONG2, ~40% of the line
         * lies before it) */
        bool chain = c->chain && sare_chain_scan(c->chain, p, len, pre_ms, fs->reach);
        int left = budget_of(c);
        bool multi = c->multi;
        size_t at = pre_ms;
        while (at <= len && left > 0) {
            size_t ms, me;
            if (chain) {
                while (at <= len && fs->reach[at] < c->chain_reps)
                    at++;
                if (at > len) break;
            }
            enum sare_rc rc = rule_match(c, p, len, at, &ms, &me);
            if (rc == SARE_LIMIT) {
                r.limit = 1;
                break;
            }
            if (rc != SARE_MATCH) break;
            if (r.count == 0) r.ms = (uint16_t)ms, r.me = (uint16_t)me;
            if (r.count < UINT16_MAX) r.count++;
            left--;
            if (!multi) break;
            at = me > ms ? me : me + 1;
        }
        out[j] = r;
        if (r.count || r.limit) nz[(*n_nz)++] = (uint32_t)j;
        PROF_RULE(s, s->cbody[j]); /* matching only: calls count lines matched */
    }
}

static void profile_print(const struct scorer *s)
{
    double total = 0;
    for (int i = 0; i < 8; i++)
        total += s->stage_ns[i];
    fprintf(stderr, "score profile: %.1f ms in all\n", total / 1e6);
    for (int i = 0; i < 8; i++)
        fprintf(stderr, "  %-10s %9.1f ms\n", stage_names[i], s->stage_ns[i] / 1e6);
    uint32_t *idx = xmalloc((s->n ? s->n : 1) * sizeof *idx);
    for (size_t i = 0; i < s->n; i++)
        idx[i] = (uint32_t)i;
    uint64_t runs[RK_META + 2] = {0};
    double tns[RK_META + 2] = {0};
    for (size_t i = 0; i < s->n; i++) {
        int kk = s->cr[i].ev ? RK_META + 1 : (int)s->cr[i].r->kind;
        runs[kk] += s->prof_calls[i];
        tns[kk] += s->prof_ns[i];
    }
    for (int kk = 0; kk <= RK_META + 1; kk++)
        fprintf(stderr, "  runs %-10s %10llu  %8.1f ms\n",
                kk == RK_META + 1 ? "eval" : rule_kind_name((enum rule_kind)kk),
                (unsigned long long)runs[kk], tns[kk] / 1e6);
    int topn =
        getenv("MAILAUDIT_SCORE_PROFILE_TOP") ? atoi(getenv("MAILAUDIT_SCORE_PROFILE_TOP")) : 40;
    for (size_t k = 0; k < (size_t)topn && k < s->n; k++) { /* partial selection sort: the top N */
        size_t best = k;
        for (size_t i = k + 1; i < s->n; i++)
            if (s->prof_ns[idx[i]] > s->prof_ns[idx[best]]) best = i;
        uint32_t t = idx[k];
        idx[k] = idx[best];
        idx[best] = t;
        const struct crule *c = &s->cr[idx[k]];
        if (s->prof_ns[idx[k]] <= 0) break;
        fprintf(stderr, "  %8.2f ms %8llu runs  %-10s %s\n", s->prof_ns[idx[k]] / 1e6,
                (unsigned long long)s->prof_calls[idx[k]], rule_kind_name(c->r->kind), c->r->name);
    }
    free(idx);
}

void scorer_free(scorer *s)
{
    if (!s) return;
    if (s->profile) {
        profile_print(s);
        free(s->prof_ns);
        free(s->prof_calls);
    }
    for (size_t i = 0; i < s->n; i++) {
        sare_free(s->cr[i].re);
        sare_free(s->cr[i].pre);
        sare_free(s->cr[i].tail);
        sare_starts_free(s->cr[i].st);
        sare_starts_free(s->cr[i].pre_st);
        sare_chain_free(s->cr[i].chain);
        sare_fixed_free(s->cr[i].fixed);
    }
    for (size_t i = 0; i < s->n_groups; i++) {
        free(s->groups[i].rules);
        free(s->groups[i].unset);
        free(s->groups[i].plain);
        free(s->groups[i].area);
        free(s->groups[i].dl);
        sare_lits_free(s->groups[i].lits);
    }
    free(s->groups);
    free(s->segs);
    free(s->seg_bytes);
    free(s->cr);
    sare_lits_free(s->lits);
    free(s->lmask);
    for (size_t i = 0; i < s->n_aparts; i++)
        sare_apart_free(s->aparts[i].a);
    free(s->aparts);
    for (unsigned f = 0; f < SARE_N_FOLDS; f++)
        sare_lits_free(s->flits[f]);
    free(s->fmask);
    free(s->prog);
    free(s->body);
    free(s->rawbody);
    free(s->uri);
    free(s->full);
    free(s->mimehdr);
    free(s->mh_slot);
    sare_lits_free(s->mh_lits);
    free(s->evals);
    free(s->metas);
    free(s->mops);
    free(s->mop_off);
    free(s->mzero);
    free(s->mprog);
    free(s->mdeps);
    free(s->mdep_off);
    free(s->mz_hit);
    free(s->tmpl);
    free(s->cbody);
    lindex_free(&s->ix_body);
    lindex_free(&s->ix_rawbody);
    lindex_free(&s->ix_uri);
    lindex_free(&s->ix_full);
    free(s->by_name);
    free(s->name_rank);
    lc_release(s->id);
    free(s);
}

void scorer_stats(const scorer *s, struct scorer_stats *st)
{
    memset(st, 0, sizeof *st);
    for (size_t i = 0; i < s->n; i++) {
        const struct crule *c = &s->cr[i];
        if (c->enabled) {
            if (c->ev)
                st->evals++;
            else
                st->by_kind[c->r->kind]++;
            if (c->n_lits) st->prefiltered++;
        } else if (c->r->status != RS_OK) {
            st->skipped[c->r->status]++;
            if (c->r->status == RS_SKIP_NET && c->r->is_eval) st->evals_net++;
        }
    }
}

/* ---- run ---- */

struct tag {
    const char *name;
    const char *val;
    size_t len;
};

struct run {
    const struct scorer *s;
    arena *a;
    struct tag *tags; /* captured by named groups (SpamAssassin 4 capture rules) */
    size_t n_tags, cap_tags;
    double *val;          /* hit value per rule (SpamAssassin's tests_already_hit) */
    uint64_t *hit;        /* a bit per rule whose val is not 0 (hit_add) */
    const char **snippet; /* first match text or evidence */
    const char **area;
    uint64_t *seen; /* literal bitset of the current text */
    bool unscanned; /* the current text was not scanned: seen[] proves nothing */
    /* the same per line of the current text set (row i: line i), or NULL:
     * a regex can only match a line holding one of its literals, since the
     * literals come from the part of the pattern that consumes the match */
    uint64_t *line_seen;
    size_t line_rows;
    struct score_result *out;
};

/* Rule id hit: its value grows by `by` (> 0), and its bit in R->hit tells
 * the metas and the hit list, which look only at the rules that hit. */
static void hit_add(struct run *R, uint32_t id, double by)
{
    R->val[id] += by;
    R->hit[id >> 6] |= (uint64_t)1 << (id & 63);
}

/* whether seen[] holds a literal of each of c's sets (c has a first set) */
static bool sets_met(const struct scorer *s, const struct crule *c, const uint64_t *seen)
{
    return masks_met(s->lmask + c->lm_off, c->n_lm, seen) &&
           (!c->n_lm2 || masks_met(s->lmask + c->lm2_off, c->n_lm2, seen));
}

static bool lits_met(const struct run *R, const struct crule *c)
{
    if (!c->n_lits || R->unscanned) return true;
    return sets_met(R->s, c, R->seen);
}

static void clear_seen(struct run *R)
{
    memset(R->seen, 0, R->s->n_words * sizeof *R->seen);
}

/* A printable, UTF-8-safe copy of at most SCORE_SNIPPET_MAX bytes. */
static const char *make_snippet(arena *a, const char *p, size_t len)
{
    if (len > SCORE_SNIPPET_MAX) {
        len = SCORE_SNIPPET_MAX;
        while (len > 0 && ((unsigned char)p[len] & 0xC0) == 0x80)
            len--;
    }
    char *o = arena_alloc(a, len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        o[i] = (ch < 0x20 || ch == 0x7f) ? ' ' : (char)ch;
    }
    o[len] = 0;
    return o;
}

static void note_limit(struct run *R, const struct crule *c)
{
    if (R->out->n_limit++ == 0) R->out->limit_rule = c->r->name;
}

/* Match rule c against one text; returns the number of matches counted
 * (at most 1 unless multiple), adding to `budget` semantics of maxhits. */
#define MAX_TAGS 256 /* captured values kept per message */

static void tag_cb(void *ctx, const char *name, const char *val, size_t vlen)
{
    struct run *R = ctx;
    if (R->n_tags >= MAX_TAGS) return;
    R->tags = arena_grow(R->a, R->tags, &R->cap_tags, R->n_tags + 1, sizeof *R->tags);
    R->tags[R->n_tags++] =
        (struct tag){arena_strdup(R->a, name), arena_strndup(R->a, val, vlen), vlen};
}

/* Match `re` (rule id) against one text; returns the number of matches
 * counted (at most 1 unless multiple), spending `left` (maxhits). A hit of
 * a regex with named groups records their values as tags. */
static int match_re(struct run *R, uint32_t id, const sare *re, const sare_starts *st,
                    const char *p, size_t len, int *left)
{
    const struct crule *c = &R->s->cr[id];
    int hits = 0;
    size_t at = 0;
    bool multi = c->multi;
    while (at <= len && *left > 0) {
        size_t ms, me;
        enum sare_rc rc =
            st ? sare_starts_match(st, p, len, at, &ms, &me) : sare_match(re, p, len, at, &ms, &me);
        if (rc == SARE_LIMIT) {
            note_limit(R, c);
            break;
        }
        if (rc != SARE_MATCH) break;
        if (hits == 0 && !R->snippet[id]) R->snippet[id] = make_snippet(R->a, p + ms, me - ms);
        if (c->caps) sare_named(re, p, len, at, tag_cb, R);
        hits++;
        (*left)--;
        if (!multi) break;
        at = me > ms ? me : me + 1;
    }
    return hits;
}

static int match_text(struct run *R, const struct crule *c, const char *p, size_t len, int *left)
{
    if (c->run_min && !sare_has_run(c->run_bytes, c->run_min, p, len)) return 0;
    if (c->lead && !sare_lead_may(c->re, p, len)) return 0;
    return match_re(R, (uint32_t)(c - R->s->cr), c->re, c->st, p, len, left);
}

/* match_text for a rule with a key tail (key_tail): " KEY=" found between
 * offset 1 and the first ']'; none: no match; more than one, or the tail
 * reaching the match limit: the rule's own regex. The hit's text is the
 * rule's (from offset 0 to the tail's end). */
static int match_key_tail(struct run *R, const struct crule *c, const char *p, size_t len,
                          int *left)
{
    const char *rb = memchr(p, ']', len);
    size_t end = rb ? (size_t)(rb - p) : len, kl = c->tkey_len, at = 0, n = 0;
    for (size_t i = 1; i + kl <= end; i++) {
        const char *q = memchr(p + i, ' ', end - kl + 1 - i);
        if (!q) break;
        i = (size_t)(q - p);
        size_t j = 1;
        if (c->tkey_ci)
            while (j < kl && ch_lower((unsigned char)q[j]) == (unsigned char)c->tkey[j])
                j++;
        else
            while (j < kl && q[j] == c->tkey[j])
                j++;
        if (j == kl && n++ == 0) at = i;
    }
    if (n == 0) return 0;
    if (n > 1) return match_text(R, c, p, len, left);
    size_t ms, me;
    if (c->tlit_len) {
        /* the " " after " auth=" of __LAST_EXTERNAL_RELAY_NO_AUTH: bytes
         * to compare (caseless for ASCII letters only: REST is ASCII, and
         * the regex tables pair no other byte with one), no regex call */
        const char *lit = c->tlit;
        size_t b = at + kl, ll = c->tlit_len, j = 0;
        if (len - b < ll) return 0;
        if (c->tkey_ci)
            while (j < ll && ch_lower((unsigned char)p[b + j]) == ch_lower((unsigned char)lit[j]))
                j++;
        else
            while (j < ll && p[b + j] == lit[j])
                j++;
        if (j < ll) return 0;
        me = b + ll - at;
    } else {
        enum sare_rc rc = sare_match(c->tail, p + at, len - at, 0, &ms, &me);
        if (rc == SARE_LIMIT) return match_text(R, c, p, len, left);
        if (rc != SARE_MATCH) return 0;
    }
    uint32_t id = (uint32_t)(c - R->s->cr);
    if (!R->snippet[id]) R->snippet[id] = make_snippet(R->a, p, at + me);
    (*left)--;
    return 1;
}

/* match_text for a rule with at_w >= 0 (at_width): the windows first; the
 * first that matches gives the place the whole text is searched from */
static int match_at_windows(struct run *R, const struct crule *c, const char *p, size_t len,
                            int *left)
{
    size_t w = (size_t)c->at_w;
    for (const char *q = memchr(p, '@', len); q;
         q = memchr(q + 1, '@', len - (size_t)(q + 1 - p))) {
        size_t a = (size_t)(q - p), ms, me;
        if (a + 1 >= len) break;
        size_t from = a > w ? a - w : 0;
        enum sare_rc rc = sare_match(c->re, p, a + 2, from, &ms, &me);
        if (rc == SARE_NOMATCH) continue;
        /* no match uses an "@" before a (its window would have matched):
         * all start at `from` or later, and the whole text's first match is
         * found from there */
        if (rc == SARE_MATCH) rc = sare_match(c->re, p, len, from, &ms, &me);
        if (rc != SARE_MATCH) return match_text(R, c, p, len, left); /* the limit */
        uint32_t id = (uint32_t)(c - R->s->cr);
        if (!R->snippet[id]) R->snippet[id] = make_snippet(R->a, p + ms, me - ms);
        (*left)--;
        return 1;
    }
    return 0;
}

static int budget_of(const struct crule *c)
{
    return c->budget;
}

/* The results for one line: from the cache, or matched now (and kept);
 * *nz (*n_nz of them) the indexes of those not all zero (lc_eval). */
/* The slot of line (p,len), of hash h, in the line cache: the one that
 * holds it (*found true), else the empty one where it would go. */
static size_t lc_find(const struct lcache *lc, const char *p, size_t len, uint64_t h, bool *found)
{
    size_t k = h & (LC_SLOTS - 1);
    for (; lc->slot[k].used; k = (k + 1) & (LC_SLOTS - 1))
        if (lc->slot[k].h == h && lc->slot[k].len == len &&
            memcmp(lc->bytes + lc->slot[k].off, p, len) == 0) {
            *found = true;
            return k;
        }
    *found = false;
    return k;
}

/* whether line (p,len), of hash h, has its results in the line cache */
static bool lc_has(const struct lcache *lc, const char *p, size_t len, uint64_t h)
{
    bool found;
    if (len < LC_MIN_LEN || len > UINT16_MAX) return false;
    lc_find(lc, p, len, h, &found);
    return found;
}

/* The folds of the lines the line cache does not hold (need[i]), folded
 * and scanned before the lines are evaluated, each fold's texts as one
 * batch (sare_lits_scan_texts: interleaved walks whose cache misses
 * overlap, where a line scanned on its own waits for one miss after
 * another); NULL when fewer than two lines need it. */
static const struct fpre *fscan_batch(const struct scorer *s, arena *a, const struct mv_text *lines,
                                      size_t n, const bool *need)
{
    size_t nn = 0;
    for (size_t i = 0; i < n; i++)
        nn += need[i];
    if (nn < 2) return NULL;
    struct fpre *pre = arena_zalloc(a, n * sizeof *pre);
    struct sare_text *t = arena_alloc(a, nn * sizeof *t);
    size_t *at = arena_alloc(a, nn * sizeof *at);
    for (size_t i = 0; i < n; i++)
        pre[i].have = need[i];
    for (unsigned f = 0; f < SARE_N_FOLDS; f++) {
        if (!s->n_fwords[f]) continue;
        size_t w = s->n_fwords[f], k = 0;
        for (size_t i = 0; i < n; i++) {
            if (!need[i]) continue;
            char *b = arena_alloc(a, lines[i].len ? lines[i].len : 1);
            size_t m = sare_fold(f, lines[i].p, lines[i].len, b);
            if (m == SIZE_MAX) continue; /* ok[f] stays false */
            pre[i].ok[f] = true;
            pre[i].buf[f] = b;
            pre[i].len[f] = m;
            t[k] = (struct sare_text){b, m};
            at[k++] = i;
        }
        if (!k) continue;
        uint64_t *rows = arena_zalloc(a, k * w * sizeof *rows);
        sare_lits_scan_texts(s->flits[f], t, k, rows, w);
        for (size_t q = 0; q < k; q++)
            pre[at[q]].row[f] = rows + q * w;
    }
    return pre;
}

/* hp: the line's hash (hash_fnv1a), or NULL to work it out */
static const struct lres *lc_line(struct run *R, struct lcache *lc, const char *p, size_t len,
                                  const uint64_t *hp, struct lres *scratch, uint32_t *scratch_nz,
                                  const uint32_t **nz, uint32_t *n_nz, struct fscan *fs)
{
    const struct scorer *s = R->s;
    *nz = scratch_nz;
    if (len < LC_MIN_LEN || len > UINT16_MAX) {
        lc_eval(s, p, len, scratch, scratch_nz, n_nz, fs);
        return scratch;
    }
    uint64_t h = hp ? *hp : hash_fnv1a(p, len);
    bool found;
    size_t k = lc_find(lc, p, len, h, &found);
    if (found) {
        *nz = lc->nzs + lc->slot[k].nz;
        *n_nz = lc->slot[k].n_nz;
        return lc->res + lc->slot[k].res;
    }
    lc_eval(s, p, len, scratch, scratch_nz, n_nz, fs);
    if (lc->n_used + 1 > LC_SLOTS / 2 || lc->nbytes + len > LC_BYTES) {
        lc_reset(lc);
        k = h & (LC_SLOTS - 1); /* every slot is empty now */
    }
    if (lc->nres + lc->nrules > lc->capres) {
        lc->capres = (lc->nres + lc->nrules) * 2;
        lc->res = xrealloc(lc->res, lc->capres * sizeof *lc->res);
    }
    if (lc->nnz + *n_nz > lc->capnz) {
        lc->capnz = (lc->nnz + *n_nz) * 2;
        lc->nzs = xrealloc(lc->nzs, lc->capnz * sizeof *lc->nzs);
    }
    memcpy(lc->bytes + lc->nbytes, p, len);
    memcpy(lc->res + lc->nres, scratch, lc->nrules * sizeof *lc->res);
    if (*n_nz) memcpy(lc->nzs + lc->nnz, scratch_nz, *n_nz * sizeof *lc->nzs);
    lc->slot[k] = (struct lslot){
        h, (uint32_t)len, (uint32_t)lc->nbytes, (uint32_t)lc->nres, (uint32_t)lc->nnz, *n_nz, true};
    lc->nbytes += len;
    lc->nres += lc->nrules;
    lc->nnz += *n_nz;
    lc->n_used++;
    return scratch;
}

/* The cached body rules over the lines of a message. */
static void run_cached_body(struct run *R, const struct mv_text *lines, size_t n_lines)
{
    const struct scorer *s = R->s;
    if (!s->n_cbody) return;
    PROF_BEGIN(s);
    struct lcache *lc = lc_get(s);
    struct lres *scratch = arena_alloc(R->a, s->n_cbody * sizeof *scratch);
    uint32_t *scratch_nz = arena_alloc(R->a, s->n_cbody * sizeof *scratch_nz);
    int *left = arena_alloc(R->a, s->n_cbody * sizeof *left);
    int *hits = arena_zalloc(R->a, s->n_cbody * sizeof *hits);
    size_t maxlen = 0;
    for (size_t i = 0; i < n_lines; i++)
        if (lines[i].len > maxlen) maxlen = lines[i].len;
    struct fscan fs;
    fscan_init(s, R->a, maxlen, &fs);
    for (size_t j = 0; j < s->n_cbody; j++)
        left[j] = budget_of(&s->cr[s->cbody[j]]);
    /* the lines the cache does not hold have their folds scanned together
     * first; a line the cache drops in between (it starts over when full)
     * is folded and scanned on its own by fscan_line, to the same result */
    uint64_t *hs = NULL;
    if (s->any_flits && n_lines > 1) {
        hs = arena_alloc(R->a, n_lines * sizeof *hs);
        bool *need = arena_alloc(R->a, n_lines * sizeof *need);
        for (size_t i = 0; i < n_lines; i++) {
            hs[i] = hash_fnv1a(lines[i].p, lines[i].len);
            need[i] = !lc_has(lc, lines[i].p, lines[i].len, hs[i]);
        }
        fs.pre = fscan_batch(s, R->a, lines, n_lines, need);
    }
    for (size_t i = 0; i < n_lines; i++) {
        const uint32_t *nz;
        uint32_t n_nz;
        fs.cur = i;
        const struct lres *res = lc_line(R, lc, lines[i].p, lines[i].len, hs ? &hs[i] : NULL,
                                         scratch, scratch_nz, &nz, &n_nz, &fs);
        for (uint32_t q = 0; q < n_nz; q++) {
            uint32_t j = nz[q];
            const struct lres *r = &res[j];
            uint32_t id = s->cbody[j];
            if (left[j] <= 0) continue;
            if (r->limit) note_limit(R, &s->cr[id]);
            if (!r->count) continue;
            int take = r->count < left[j] ? r->count : left[j];
            if (!hits[j] && !R->snippet[id])
                R->snippet[id] = make_snippet(R->a, lines[i].p + r->ms, (size_t)(r->me - r->ms));
            hits[j] += take;
            left[j] -= take;
        }
    }
    for (size_t j = 0; j < s->n_cbody; j++)
        if (hits[j]) {
            hit_add(R, s->cbody[j], hits[j]);
            R->area[s->cbody[j]] = "body";
        }
    (void)prof_t0_; /* the cached rules' matching is booked per rule by lc_eval */
}

/* The rules of list (n of them, indexed by ix) over the lines of a text.
 * seen_ok: R->seen holds the literals of the text (scan_lines); else
 * every rule runs. */
static void run_lines(struct run *R, const struct lindex *ix, bool seen_ok, const uint32_t *list,
                      size_t n, const struct mv_text *lines, size_t n_lines,
                      const struct mv_text *lines_nosubj, size_t n_nosubj, const char *area)
{
    /* the rules with no set, and those whose first set the text holds:
     * the only ones lits_met passes, taken in list order */
    size_t n_cw = (n + 63) / 64;
    uint64_t *cand = arena_alloc(R->a, (n_cw ? n_cw : 1) * sizeof *cand);
    if (!seen_ok || R->unscanned) {
        for (size_t w = 0; w < n_cw; w++)
            cand[w] = w + 1 < n_cw || n % 64 == 0 ? ~(uint64_t)0 : ((uint64_t)1 << (n % 64)) - 1;
    } else {
        memcpy(cand, ix->always, n_cw * sizeof *cand);
        for (size_t w = 0; w < R->s->n_words; w++)
            for (uint64_t bits = R->seen[w]; bits; bits &= bits - 1) {
                size_t id = w * 64 + (size_t)__builtin_ctzll(bits);
                for (uint32_t j = ix->off[id]; j < ix->off[id + 1]; j++)
                    cand[ix->pos[j] >> 6] |= (uint64_t)1 << (ix->pos[j] & 63);
            }
    }
    for (size_t cw = 0; cw < n_cw; cw++)
        for (uint64_t cbits = cand[cw]; cbits; cbits &= cbits - 1) {
            size_t k = cw * 64 + (size_t)__builtin_ctzll(cbits);
            const struct crule *c = &R->s->cr[list[k]];
            if (!lits_met(R, c)) continue;
            PROF_BEGIN(R->s);
            const struct mv_text *L = lines;
            size_t nl = n_lines;
            bool rows = true; /* the lines are the rows of R->line_seen, from row0 */
            size_t row0 = 0;
            if (c->r->tflags & TF_NOSUBJECT) {
                L = lines_nosubj, nl = n_nosubj;
                rows = lines_nosubj >= lines && lines_nosubj <= lines + n_lines;
                if (rows) row0 = (size_t)(lines_nosubj - lines);
            }
            int left = budget_of(c), hits = 0;
            /* a line holding no literal of one of c's sets (its row of
             * R->line_seen) cannot match: tested here with what does not
             * change from line to line taken out of the loop */
            const uint64_t *ls = rows && c->n_lits ? R->line_seen : NULL;
            size_t w = R->s->n_words;
            const struct fmask *m1 = R->s->lmask + c->lm_off, *m2 = R->s->lmask + c->lm2_off;
            for (size_t i = 0; i < nl && left > 0; i++) {
                if (ls && row0 + i < R->line_rows) {
                    const uint64_t *row = ls + (row0 + i) * w;
                    if (!masks_met(m1, c->n_lm, row) || (c->n_lm2 && !masks_met(m2, c->n_lm2, row)))
                        continue;
                }
                hits += match_text(R, c, L[i].p, L[i].len, &left);
            }
            if (hits) {
                hit_add(R, list[k], hits);
                R->area[list[k]] = area;
            }
            PROF_RULE(R->s, list[k]);
        }
}

#define LINE_SEEN_MAX_WORDS (64u * 1024u) /* per-line literal rows kept (512 KiB) */

/* Literal bitsets of each line and of all lines together (lits: the
 * literals of the rules that read them). */
static void scan_lines(struct run *R, const sare_lits *lits, const struct mv_text *t, size_t n)
{
    size_t w = R->s->n_words;
    clear_seen(R);
    R->line_seen = NULL;
    R->line_rows = 0;
    /* the lines as one batch: sare_lits_scan_texts walks them together */
    struct sare_text *b = arena_alloc(R->a, (n ? n : 1) * sizeof *b);
    for (size_t i = 0; i < n; i++)
        b[i] = (struct sare_text){t[i].p, t[i].len};
    if (n > 1 && w && n * w <= LINE_SEEN_MAX_WORDS) {
        R->line_seen = arena_zalloc(R->a, n * w * sizeof *R->line_seen);
        R->line_rows = n;
        sare_lits_scan_texts(lits, b, n, R->line_seen, w);
        for (size_t i = 0; i < n; i++) {
            const uint64_t *row = R->line_seen + i * w;
            for (size_t k = 0; k < w; k++)
                R->seen[k] |= row[k];
        }
        return;
    }
    sare_lits_scan_texts(lits, b, n, R->seen, 0);
}

/* the area of a header rule's hit: the group's "header:NAME", copied into
 * the run's arena once per group and message */
static const char *group_area(struct run *R, const struct hgroup *g, const char **area)
{
    if (!*area) *area = arena_strndup(R->a, g->area, g->area_len);
    return *area;
}

/* whether (p,n) holds literal d (ASCII letters in any case) */
static bool lit_in(const char *p, size_t n, const struct dlit *d)
{
    return find_from(p, n, 0, d->p, d->len, d->anchor, true) != SIZE_MAX;
}

/* R->seen for a header value of group g: the literals of its rules, or all */
static void scan_value(struct run *R, const struct hgroup *g, const char *p, size_t len)
{
    clear_seen(R);
    if (!g->n_dl) {
        sare_lits_scan(g->lits, p, len, R->seen);
        return;
    }
    for (size_t k = 0; k < g->n_dl; k++)
        if (lit_in(p, len, &g->dl[k]))
            R->seen[g->dl[k].id >> 6] |= (uint64_t)1 << (g->dl[k].id & 63);
}

static void run_headers(struct run *R, struct msgview *v)
{
    const struct scorer *s = R->s;
    for (size_t gi = 0; gi < s->n_groups; gi++) {
        const struct hgroup *g = &s->groups[gi];
        if (!g->n) continue;
        const struct mv_text *val = msgview_header_key(v, &g->key, g->mod);
        bool scanned = false;
        const char *area = NULL; /* "header:NAME", made on the group's first hit */
        const uint32_t *list = val ? g->rules : g->unset;
        size_t n = val ? g->n : g->n_unset;
        for (size_t k = 0; k < n; k++) {
            if (val && g->plain[k].n_lm) {
                /* what lits_met below decides for such a rule */
                const struct hplain *hp = &g->plain[k];
                if (!scanned) {
                    scan_value(R, g, val->p, val->len);
                    scanned = true;
                }
                if (!masks_met(s->lmask + hp->lm_off, hp->n_lm, R->seen) ||
                    (hp->n_lm2 && !masks_met(s->lmask + hp->lm2_off, hp->n_lm2, R->seen)))
                    continue;
            }
            uint32_t id = list[k];
            const struct crule *c = &s->cr[id];
            if (c->exists) {
                /* the group's value answers when it was asked with the
                 * same name (the default modifier is what exists: asks) */
                bool ex = c->ex_same ? val != NULL : msgview_header_exists(v, c->r->header);
                if (ex != c->negate) {
                    hit_add(R, id, 1);
                    R->area[id] = group_area(R, g, &area);
                }
                continue;
            }
            const char *p = "";
            size_t len = 0;
            if (val)
                p = val->p, len = val->len;
            else if (c->if_unset)
                p = c->if_unset, len = strlen(c->if_unset);
            int left = budget_of(c), hits;
            if (c->negate) {
                /* !~ : one hit when nothing matches; the prefilter proves absence */
                bool m;
                if (c->n_seg && !segs_met(s, c, p, len)) {
                    m = false; /* the ordered strings are not there */
                } else if (c->n_lits && val) {
                    if (!scanned) {
                        scan_value(R, g, p, len);
                        scanned = true;
                    }
                    m = false;
                    if (lits_met(R, c)) {
                        /* timed only when the regex runs: the clock costs
                         * more than a prefiltered rule */
                        PROF_BEGIN(s);
                        m = rule_match(c, p, len, 0, &(size_t){0}, &(size_t){0}) == SARE_MATCH;
                        PROF_RULE(s, id);
                    }
                } else if (c->n_lits && !c->if_unset) {
                    m = false; /* "" holds no literal */
                } else {
                    size_t ms, me;
                    PROF_BEGIN(s);
                    enum sare_rc rc = rule_match(c, p, len, 0, &ms, &me);
                    PROF_RULE(s, id);
                    if (rc == SARE_LIMIT) note_limit(R, c);
                    m = rc == SARE_MATCH;
                }
                if (!m) {
                    hit_add(R, id, 1);
                    R->area[id] = group_area(R, g, &area);
                }
                continue;
            }
            if (c->n_lits) {
                if (!val && !c->if_unset) continue; /* "" holds no literal */
                if (val) {
                    if (!scanned) {
                        scan_value(R, g, p, len);
                        scanned = true;
                    }
                    if (!lits_met(R, c)) continue;
                }
            }
            if (c->n_seg && !segs_met(s, c, p, len)) continue;
            PROF_BEGIN(s);
            hits = c->tail        ? match_key_tail(R, c, p, len, &left)
                   : c->at_w >= 0 ? match_at_windows(R, c, p, len, &left)
                                  : match_text(R, c, p, len, &left);
            PROF_RULE(s, id);
            if (hits) {
                hit_add(R, id, hits);
                R->area[id] = group_area(R, g, &area);
            }
        }
    }
}

/* The literals of the texts the mimeheader rules read: each text (a part's
 * header value, the same object for every rule that asks for it) scanned
 * once; at most MH_SEEN texts, later ones are not prefiltered. */
#define MH_SEEN 64
struct mh_seen {
    const struct mv_text *t[MH_SEEN];
    uint64_t *row[MH_SEEN];
    size_t n;
    /* the texts per header name (as the rule writes it) and modifier
     * (s->mh_slot), per part: val[slot][part], fetched on first use
     * (got[slot][part]); val[slot] NULL: none fetched yet */
    const struct mv_text ***val;
    bool **got;
};

/* msgview_mimeheader for the k-th mimeheader rule, asked once per part,
 * name and modifier */
static const struct mv_text *mh_text(struct run *R, struct mh_seen *mh, struct msgview *v,
                                     size_t part, size_t k)
{
    const struct rule *r = R->s->cr[R->s->mimehdr[k]].r;
    uint32_t slot = R->s->mh_slot[k];
    if (!mh->val[slot]) {
        size_t np = v->m->mime.n;
        mh->val[slot] = arena_alloc(R->a, (np ? np : 1) * sizeof *mh->val[slot]);
        mh->got[slot] = arena_zalloc(R->a, (np ? np : 1) * sizeof *mh->got[slot]);
    }
    if (!mh->got[slot][part]) {
        mh->val[slot][part] = msgview_mimeheader(v, part, r->header, mh_mod(r));
        mh->got[slot][part] = true;
    }
    return mh->val[slot][part];
}

/* false: text t holds no literal of one of c's sets, so c cannot match it */
static bool mh_met(struct run *R, struct mh_seen *mh, const struct crule *c,
                   const struct mv_text *t)
{
    if (!c->n_lits) return true;
    size_t w = R->s->n_words;
    size_t k = 0;
    while (k < mh->n && mh->t[k] != t)
        k++;
    if (k == mh->n) {
        if (mh->n == MH_SEEN) return true;
        mh->t[k] = t;
        mh->row[k] = arena_zalloc(R->a, w * sizeof *mh->row[k]);
        sare_lits_scan(R->s->mh_lits, t->p, t->len, mh->row[k]);
        mh->n++;
    }
    return sets_met(R->s, c, mh->row[k]);
}

static void run_mimeheaders(struct run *R, struct msgview *v)
{
    const struct scorer *s = R->s;
    const struct message *m = v->m;
    struct mh_seen mh;
    mh.n = 0;
    size_t nn = s->n_mh_names ? s->n_mh_names : 1;
    mh.val = arena_zalloc(R->a, nn * sizeof *mh.val);
    mh.got = arena_zalloc(R->a, nn * sizeof *mh.got);
    for (size_t k = 0; k < s->n_mimehdr; k++) {
        uint32_t id = s->mimehdr[k];
        const struct crule *c = &s->cr[id];
        int left = budget_of(c), hits = 0;
        bool any = false;
        for (size_t pi = 0; pi < m->mime.n && left > 0; pi++) {
            const struct mv_text *t = mh_text(R, &mh, v, pi, k);
            if (!t) continue;
            any = true;
            if (!mh_met(R, &mh, c, t)) { /* no match possible */
                if (c->r->negate) hits = 1, left = 0;
                continue;
            }
            if (c->r->negate) {
                size_t ms, me;
                if (rule_match(c, t->p, t->len, 0, &ms, &me) != SARE_MATCH) hits = 1, left = 0;
                continue;
            }
            hits += match_text(R, c, t->p, t->len, &left);
        }
        (void)any;
        if (hits) {
            hit_add(R, id, hits);
            R->area[id] = arena_printf(R->a, "mimeheader:%s", c->r->header);
        }
    }
}

/* Capture templates: each %{NAME} of the regex becomes (?:v1|v2|...) of the
 * values captured for NAME, quoted (Perl's quotemeta), as SpamAssassin's
 * capture_rules_replace does; a rule whose tag was never captured does not
 * run. Then the rule matches its texts as any rule of its kind. */
static const char *fill_template(struct run *R, const char *re)
{
    struct arena_str b = {.a = R->a};
    size_t n = strlen(re);
    size_t from = 0; /* re[from .. i) is copied as it is, in one piece */
    for (size_t i = 0; i < n;) {
        if (re[i] == '%' && i + 1 < n && re[i + 1] == '{' && !(i > 0 && re[i - 1] == '\\')) {
            size_t j = i + 2;
            while (j < n && (ch_is_alnum((unsigned char)re[j]) || re[j] == '_'))
                j++;
            if (j < n && re[j] == '}' && j > i + 2) {
                bool any = false;
                if (i > from) arena_str_put(&b, re + from, i - from);
                arena_str_put(&b, "(?:", 3);
                for (size_t t = 0; t < R->n_tags; t++) {
                    if (strlen(R->tags[t].name) != j - i - 2 ||
                        memcmp(R->tags[t].name, re + i + 2, j - i - 2) != 0)
                        continue;
                    if (any) arena_str_put(&b, "|", 1);
                    sare_quote(&b, R->tags[t].val, R->tags[t].len);
                    any = true;
                }
                if (!any) return NULL; /* the tag was not captured: the rule does not run */
                arena_str_put(&b, ")", 1);
                i = from = j + 1;
                continue;
            }
        }
        i++;
    }
    if (n > from) arena_str_put(&b, re + from, n - from);
    return b.p;
}

/* false: no text of L holds a value of the tag (name,nlen) (right after
 * the byte `before`, when not 0), so a template that requires it
 * (tmpl_required) cannot match. A value that is empty or
 * not all ASCII (whose caseless matching is PCRE2's to judge) proves
 * nothing. */
static bool tmpl_may_match(const struct run *R, const char *name, size_t nlen, char before,
                           const struct mv_text *L, size_t nl)
{
    bool any = false;
    for (size_t t = 0; t < R->n_tags; t++) {
        const struct tag *g = &R->tags[t];
        if (strlen(g->name) != nlen || memcmp(g->name, name, nlen) != 0) continue;
        if (!g->len) return true;
        for (size_t k = 0; k < g->len; k++)
            if ((unsigned char)g->val[k] >= 0x80) return true;
        any = true;
        for (size_t i = 0; i < nl; i++)
            if (holds_ci(L[i].p, L[i].len, g->val, g->len, before)) return true;
    }
    return !any; /* no value: fill_template has already skipped the rule */
}

static void run_templates(struct run *R, struct msgview *v)
{
    const struct scorer *s = R->s;
    for (size_t k = 0; k < s->n_tmpl; k++) {
        uint32_t id = s->tmpl[k];
        const struct crule *c = &s->cr[id];
        const struct rule *r = c->r;
        if (!R->n_tags) return;
        const char *src = fill_template(R, r->regex);
        if (!src) continue;
        const struct mv_text *L = NULL;
        struct mv_text one;
        size_t nl = 0;
        const char *area = rule_kind_name(r->kind);
        switch (r->kind) {
        case RK_BODY:
            L = msgview_body(v, !(r->tflags & TF_NOSUBJECT), &nl);
            break;
        case RK_RAWBODY:
            L = msgview_rawbody(v, &nl);
            break;
        case RK_URI:
            L = msgview_uris(v, &nl);
            break;
        case RK_FULL:
            one = msgview_full(v);
            L = &one, nl = 1;
            break;
        case RK_HEADER: {
            const struct mv_text *h = msgview_header(v, r->header, r->hmod);
            if (h)
                one = *h;
            else if (r->if_unset)
                one = (struct mv_text){r->if_unset, strlen(r->if_unset)};
            else
                one = (struct mv_text){"", 0};
            L = &one, nl = 1;
            area = arena_printf(R->a, "header:%s", r->header);
            break;
        }
        default:
            break;
        }
        if (nl == 0) continue; /* no text (a message without URIs): nothing to compile */
        if (c->req_len &&
            !tmpl_may_match(R, r->regex + c->req_off, c->req_len, c->req_before, L, nl))
            continue;
        sare *own = NULL; /* compiled for this message only (no cache) */
        const sare *re;
        if (s->no_cache) {
            char err[256];
            re = own = sare_compile_once(src, strlen(src), err, sizeof err);
        } else {
            re = tc_regex(s, src, strlen(src));
        }
        if (!re) continue; /* a value made it too large: as if not captured */
        int left = budget_of(c), hits = 0;
        if (r->kind == RK_HEADER && r->negate) {
            size_t ms, me;
            hits = sare_match(re, L->p, L->len, 0, &ms, &me) == SARE_MATCH ? 0 : 1;
        } else {
            for (size_t i = 0; i < nl && left > 0; i++)
                hits += match_re(R, id, re, NULL, L[i].p, L[i].len, &left);
        }
        sare_free(own);
        if (hits) {
            hit_add(R, id, hits);
            R->area[id] = area;
        }
    }
}

/* The hit of rule i (R->val[i] != 0). */
static void hit_fill(const struct rarrays *ra, const struct run *R, uint32_t i, struct score_hit *h)
{
    const struct hit_info *x = &ra->hi[i];
    memset(h, 0, sizeof *h);
    h->rule = x->rule;
    h->area = R->area[i];
    h->snippet = R->snippet[i];
    /* a regex with tflags multiple hits (and scores) once per match;
     * everything else once, whatever value a meta computed */
    h->count = x->counted ? (int)R->val[i] : 1;
    h->score = x->score;
}

static bool hit_scored(const struct score_hit *h)
{
    return h->score != 0; /* hit_fill gives "__" rules score 0 */
}

void scorer_run(const scorer *s, arena *a, const struct score_input *in, struct score_result *out)
{
    memset(out, 0, sizeof *out);
    out->threshold = s->rs->required_score;
    struct msgview v;
    msgview_init(&v, a, in->m, &in->env);
    struct run R = {.s = s, .a = a, .out = out};
    struct rarrays *ra = ra_get(s);
    R.val = ra->val;
    R.snippet = ra->snippet;
    R.area = ra->area;
    R.seen = arena_alloc(a, (s->n_words ? s->n_words : 1) * sizeof *R.seen);
    size_t n_rw = (s->n + 63) / 64;
    R.hit = arena_zalloc(a, (n_rw ? n_rw : 1) * sizeof *R.hit);

    struct scorer *ms = (struct scorer *)s; /* profile counters only */
    double t = s->profile ? now_ns() : 0, t2;
#define STAGE(st)                                                                                  \
    do {                                                                                           \
        if (s->profile) {                                                                          \
            t2 = now_ns();                                                                         \
            ms->stage_ns[st] += t2 - t;                                                            \
            t = t2;                                                                                \
        }                                                                                          \
    } while (0)
    run_headers(&R, &v);
    STAGE(ST_HEADERS);
    if (s->n_body || s->n_cbody) {
        size_t n, n2;
        const struct mv_text *L = msgview_body(&v, true, &n);
        const struct mv_text *L2 = msgview_body(&v, false, &n2);
        R.line_seen = NULL;
        if (s->body_lits) scan_lines(&R, s->ix_body.lits, L, n);
        STAGE(ST_BODY_VIEW);
        run_lines(&R, &s->ix_body, s->body_lits, s->body, s->n_body, L, n, L2, n2, "body");
        run_cached_body(&R, L, n);
        STAGE(ST_BODY);
    }
    if (s->n_rawbody) {
        size_t n;
        const struct mv_text *L = msgview_rawbody(&v, &n);
        R.line_seen = NULL;
        if (s->rawbody_lits) scan_lines(&R, s->ix_rawbody.lits, L, n);
        run_lines(&R, &s->ix_rawbody, s->rawbody_lits, s->rawbody, s->n_rawbody, L, n, L, n,
                  "rawbody");
        STAGE(ST_RAWBODY);
    }
    if (s->n_uri) {
        size_t n;
        const struct mv_text *L = msgview_uris(&v, &n);
        R.line_seen = NULL;
        if (s->uri_lits) scan_lines(&R, s->ix_uri.lits, L, n);
        run_lines(&R, &s->ix_uri, s->uri_lits, s->uri, s->n_uri, L, n, L, n, "uri");
        STAGE(ST_URI);
    }
    if (s->n_full) {
        struct mv_text f = msgview_full(&v);
        R.line_seen = NULL;
        if (s->full_lits) scan_lines(&R, s->ix_full.lits, &f, 1);
        R.unscanned = !s->full_lits;
        run_lines(&R, &s->ix_full, s->full_lits, s->full, s->n_full, &f, 1, &f, 1, "full");
        R.unscanned = false;
    }
    if (s->n_mimehdr) run_mimeheaders(&R, &v);
    if (s->n_tmpl) run_templates(&R, &v);
    STAGE(ST_FULL_MIME);
    if (s->n_evals) {
        struct eval_ctx ctx = {.v = &v, .auth = in->auth, .rs = s->rs, .now = in->now};
        if (!ctx.now) ctx.now = in->m->arrival;
        for (size_t k = 0; k < s->n_evals; k++) {
            const struct ev_call *e = &ra->evc[k];
            uint32_t id = e->id;
            PROF_BEGIN(s);
            ctx.evidence = NULL;
            if (e->fn(&ctx, e->args, e->n_args)) {
                hit_add(&R, id, 1);
                R.area[id] = "eval";
                if (ctx.evidence)
                    R.snippet[id] = make_snippet(a, ctx.evidence, strlen(ctx.evidence));
            }
            PROF_RULE(s, id);
        }
    }
    STAGE(ST_EVALS);
    /* A meta none of whose inputs hit has its value at +0.0 (mzero): 0 for
     * most. Only the metas with a non-zero one (mz_hit) and the readers of
     * a rule that hit are looked at, in their order (a reader comes after
     * what it reads, so a meta that hits marks metas still ahead); the
     * others would all come out 0. Going over all 870 of SpamAssassin's
     * metas was about 90,000 instructions a message on the bench. */
    uint64_t *pending = arena_alloc(a, (s->n_mwords ? s->n_mwords : 1) * sizeof *pending);
    memcpy(pending, s->mz_hit, s->n_mwords * sizeof *pending);
    for (size_t w = 0; w < n_rw; w++)
        for (uint64_t bits = R.hit[w]; bits; bits &= bits - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            for (uint32_t d = s->mdep_off[i]; d < s->mdep_off[i + 1]; d++)
                pending[s->mdeps[d] >> 6] |= (uint64_t)1 << (s->mdeps[d] & 63);
        }
    for (size_t w = 0; w < s->n_mwords; w++) {
        while (pending[w]) {
            size_t k = w * 64 + (size_t)__builtin_ctzll(pending[w]);
            pending[w] &= pending[w] - 1;
            uint32_t id = s->metas[k];
            const struct mprog *mp = &s->mprog[k];
            /* 0 (no hit) for certain: a rule it needs did not hit */
            if ((mp->req[0] != UINT32_MAX && R.val[mp->req[0]] == 0) ||
                (mp->req[1] != UINT32_MAX && R.val[mp->req[1]] == 0))
                continue;
            uint32_t o = s->mop_off[k];
            double r = meta_ops_zero(R.val, s->mops + o, s->mop_off[k + 1] - o)
                           ? s->mzero[k]
                           : meta_eval(s->prog + mp->off, mp->len, R.val);
            if (r == 0) continue;
            R.val[id] = r > 0 ? r : 1; /* got_hit: a value <= 0 counts as 1 */
            R.hit[id >> 6] |= (uint64_t)1 << (id & 63);
            for (uint32_t d = s->mdep_off[id]; d < s->mdep_off[id + 1]; d++)
                pending[s->mdeps[d] >> 6] |= (uint64_t)1 << (s->mdeps[d] & 63);
            R.area[id] = "meta";
            /* what matched: the text of the first dependency that hit (mp
             * is the meta's program, s->cr[id]'s: read there, not through
             * the rule's crule, a cache miss a meta that hits) */
            for (uint32_t k2 = 0; k2 < mp->len && !R.snippet[id]; k2++) {
                const struct mins *op = &s->prog[mp->off + k2];
                if (op->op == MOP_RULE && R.val[op->rule] != 0 && R.snippet[op->rule])
                    R.snippet[id] = R.snippet[op->rule];
            }
        }
    }
    STAGE(ST_META);
#undef STAGE

    /* the total, summed in rule order; then the hits in their order (score.h):
     * taken in name order, the scored ones first, those sorted (stably) by
     * |score * count| descending */
    size_t nh = 0;
    /* the hits by their rank in name order, a bit each: read in rank order
     * below, the hits come out in name order without a sort */
    uint64_t *ranks = arena_zalloc(a, (n_rw ? n_rw : 1) * sizeof *ranks);
    for (size_t w = 0; w < n_rw; w++)
        for (uint64_t bits = R.hit[w]; bits; bits &= bits - 1) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            nh++;
            ranks[s->name_rank[i] >> 6] |= (uint64_t)1 << (s->name_rank[i] & 63);
            struct score_hit h;
            hit_fill(ra, &R, (uint32_t)i, &h);
            if (hit_scored(&h)) {
                out->total += h.score * h.count;
                out->n_scored++;
            }
        }
    /* every one of the nh is written below: not zeroed first */
    out->hits = arena_alloc(a, (nh ? nh : 1) * sizeof *out->hits);
    out->n_hits = nh;
    size_t n_sc = 0, n_un = out->n_scored;
    for (size_t w = 0; w < n_rw; w++)
        for (uint64_t bits = ranks[w]; bits; bits &= bits - 1) {
            uint32_t i = s->by_name[w * 64 + (size_t)__builtin_ctzll(bits)];
            struct score_hit h;
            hit_fill(ra, &R, i, &h);
            /* leave the per-rule arrays zero for the next message (ra_get) */
            R.val[i] = 0;
            R.snippet[i] = NULL;
            R.area[i] = NULL;
            if (!hit_scored(&h)) {
                out->hits[n_un++] = h;
                continue;
            }
            size_t j = n_sc++; /* insertion: after every hit of a larger or equal |score| */
            double f = fabs(h.score * h.count);
            while (j > 0 && fabs(out->hits[j - 1].score * out->hits[j - 1].count) < f) {
                out->hits[j] = out->hits[j - 1];
                j--;
            }
            out->hits[j] = h;
        }
    /* SpamAssassin reports the total rounded to 3 decimals; avoid -0 */
    out->total = round(out->total * 1000) / 1000;
    if (out->total == 0) out->total = 0;
}
