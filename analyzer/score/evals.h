/* evals — the `eval:` tests implemented natively in C: SpamAssassin's own
 * eval functions that can be computed offline (HeaderEval, BodyEval,
 * MIMEEval, HTMLEval, URIDetail, FreeMail, ImageInfo, RelayEval, ...) with
 * SpamAssassin's semantics, and mailaudit's checks (attachments, HTML and
 * images, structure, list hygiene, authentication results).
 *
 * Every function has a name, the argument count it takes, and a one-line
 * description; `mailaudit rules lint --list-evals` prints the table and
 * README "Native checks" documents it. A function that would need the
 * network or Bayes (check_rbl*, check_uridnsbl, check_bayes, razor, pyzor,
 * DCC ...) is listed as `net`: it is never true offline, as in SpamAssassin
 * with network tests off. An eval name not in the table is unknown: the rule
 * is skipped and reported.
 * Does NOT parse rule files or match regexes of rules. */
#ifndef SCORE_EVALS_H
#define SCORE_EVALS_H
#include <stdbool.h>
#include <stddef.h>

#include "score/msgview.h"
#include "score/rules.h"

struct verify_result;

/* What an eval sees of the message. */
struct eval_ctx {
    struct msgview *v;                 /* the message and its SA views (v->m is the message) */
    const struct verify_result *auth;  /* authentication verdicts, or NULL when not verified */
    const struct ruleset *rs;          /* lists: freemail_domains, url_shorteners */
    int64_t now;                       /* judging time (arrival, --at): for date checks */
    /* out: a short text saying what was found ("invoice.pdf.exe",
     * "href example.net shown as paypal.com"), or NULL; arena-allocated. */
    const char *evidence;
    /* evals' per-message cache (parsed relays, MIME and image facts ...),
     * allocated in v->a: NULL at the start of every message (a zero- or
     * designated-initialised eval_ctx per message does that). */
    void *priv;
};

enum eval_class {
    EV_LOCAL, /* computed offline */
    EV_NET,   /* needs network, Bayes or external state: always false offline */
};

/* Returns true when the test hits. args/nargs: the rule's arguments (quotes
 * removed). The function may set ctx->evidence. */
typedef bool (*eval_fn)(struct eval_ctx *ctx, const char *const *args, int nargs);

struct eval_def {
    const char *name;
    eval_fn fn;          /* NULL for EV_NET */
    enum eval_class cls;
    int min_args, max_args;
    const char *describe; /* one line for `rules lint --list-evals` and README */
};

/* Look a function up by name; NULL when unknown. */
const struct eval_def *eval_lookup(const char *name);
/* The whole table (for lint and docs), and its size. */
const struct eval_def *eval_table(size_t *n);

#endif
