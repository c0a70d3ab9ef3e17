/* rulesopt — the rule set `ingest` and `check` score with: the --rules
 * paths, else the installed rule directory (MAILAUDIT_DATADIR/rules), else
 * ./rules; loaded, finished and compiled once per run. Problems in the rule
 * files are summarised on stderr (details: `mailaudit rules lint`) and the
 * rules that can run still run. */
#ifndef RULESOPT_H
#define RULESOPT_H
#include <stdbool.h>

#include "authopts.h"
#include "score/rules.h"
#include "score/score.h"

struct rules_ctx {
    struct ruleset *rs;
    scorer *sc;
    char *desc; /* the paths used, joined with ' ' (for content_scores.rule_set) */
};

/* The directory used when no --rules is given, or NULL when there is none. */
const char *rulesopt_default_dir(void);

/* Load and compile. 0; or -1 after printing an error for `cmd` (a --rules
 * path that cannot be read). With no --rules and no default directory, rc->sc
 * stays NULL (nothing is scored) and a note is printed unless quiet. */
int rulesopt_load(const struct auth_opts *o, const char *cmd, bool quiet, struct rules_ctx *rc);
void rulesopt_free(struct rules_ctx *rc);

#endif
