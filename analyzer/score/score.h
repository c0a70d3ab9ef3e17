/* score — the rules engine: a rule set compiled once (regexes on PCRE2 with
 * JIT, a literal prefilter over all of them, eval functions bound, meta
 * expressions compiled to postfix and ordered by priority and dependency),
 * then run on one message at a time: header, body, rawbody, full, uri and
 * mimeheader regexes, evals, metas; hits with the score set 0 value, where
 * they matched and a short snippet.
 *
 * Semantics are SpamAssassin's: a regex rule hits once (or up to maxhits /
 * without bound with tflags multiple, counting matches); `!~` hits when
 * nothing matches; a meta sees each dependency as its hit count (0 or 1 for
 * most rules); rules with names starting "__" are computed but not scored;
 * a rule whose score is 0 is not reported among the scored hits. Network
 * tests (tflags net, eval class EV_NET) are false, as in SpamAssassin with
 * network tests off. A rule the engine cannot run gets a status (rules.h)
 * and never hits; a meta depending on it (other than on a network test) is
 * skipped too, so nothing is silently mis-scored.
 * A scorer is read-only once built: one scorer may serve several threads,
 * each with its own arena. */
#ifndef SCORE_SCORE_H
#define SCORE_SCORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/message.h"
#include "score/msgview.h"
#include "score/rules.h"

struct verify_result;

#define SCORE_SNIPPET_MAX 80 /* bytes of matched text kept per hit (UTF-8 safe cut) */

typedef struct scorer scorer;

/* Compile every rule of a finished rule set. Rules that cannot run get their
 * status set and a diagnostic; the rule set must outlive the scorer. */
scorer *scorer_new(struct ruleset *rs);
void scorer_free(scorer *s);

struct score_hit {
    const struct rule *rule;
    double score;
    const char *area;    /* "header:Subject", "body", "rawbody", "full", "uri", "mimeheader:Content-Type",
                            "eval", "meta" */
    const char *snippet; /* matched text or eval evidence (UTF-8 safe, <= SCORE_SNIPPET_MAX), or NULL */
    int count;           /* matches counted (1 unless multiple/maxhits) */
};

struct score_result {
    double total;
    double threshold;        /* required_score */
    struct score_hit *hits;  /* every rule that hit, scored ones first by |score| desc, then by name */
    size_t n_hits;
    size_t n_scored;         /* hits[0..n_scored) have a non-zero score and no "__" prefix */
    int n_limit;             /* regex matches stopped by SARE_MATCH_LIMIT / SARE_DEPTH_LIMIT */
    const char *limit_rule;  /* the first rule that hit a limit, or NULL */
};

struct score_input {
    const struct message *m;
    const struct verify_result *auth; /* or NULL */
    struct msgview_env env;           /* envelope facts (all may be NULL) */
    int64_t now;                      /* judging time for date checks (0: the message's arrival) */
};

void scorer_run(const scorer *s, arena *a, const struct score_input *in, struct score_result *out);

/* Counts for lint and README: rules per kind runnable, skipped per status. */
struct scorer_stats {
    size_t by_kind[RK_META + 1];
    size_t evals, evals_net;
    size_t skipped[RS_ERROR + 1];
    size_t prefiltered; /* regex rules with a literal prefilter set */
};
void scorer_stats(const scorer *s, struct scorer_stats *st);

#endif
