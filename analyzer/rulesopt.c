/* rulesopt — see rulesopt.h. */
#include "rulesopt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "util/xalloc.h"

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *rulesopt_default_dir(void)
{
    if (is_dir(MAILAUDIT_DATADIR "/rules")) return MAILAUDIT_DATADIR "/rules";
    if (is_dir("rules")) return "rules";
    return NULL;
}

int rulesopt_load(const struct auth_opts *o, const char *cmd, bool quiet, struct rules_ctx *rc)
{
    memset(rc, 0, sizeof *rc);
    const char *def = NULL;
    const char *const *paths = o->rules;
    size_t n = o->n_rules;
    if (n == 0) {
        def = rulesopt_default_dir();
        if (!def) {
            if (!quiet)
                fprintf(stderr,
                        "mailaudit: %s: no rule directory (" MAILAUDIT_DATADIR
                        "/rules or ./rules); content is not scored (give --rules DIR)\n",
                        cmd);
            return 0;
        }
        paths = &def;
        n = 1;
    }
    rc->rs = ruleset_new();
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(paths[i]) + 1;
    rc->desc = xmalloc(len);
    rc->desc[0] = 0;
    for (size_t i = 0; i < n; i++) {
        if (i) strcat(rc->desc, " ");
        strcat(rc->desc, paths[i]);
        if (!ruleset_load_path(rc->rs, paths[i])) {
            const char *why = "cannot be read";
            for (size_t d = 0; d < rc->rs->n_diags; d++)
                if (rc->rs->diags[d].level == RD_ERROR) why = rc->rs->diags[d].msg;
            cli_error(cmd, "--rules %s: %s", paths[i], why);
            rulesopt_free(rc);
            return -1;
        }
    }
    ruleset_finish(rc->rs);
    rc->sc = scorer_new(rc->rs);
    if (rc->rs->n_errors && !quiet)
        fprintf(stderr,
                "mailaudit: %s: %zu error(s) in the rule files (%s); those rules are skipped "
                "(details: mailaudit rules lint --rules ...)\n",
                cmd, rc->rs->n_errors, rc->desc);
    return 0;
}

void rulesopt_free(struct rules_ctx *rc)
{
    scorer_free(rc->sc);
    ruleset_free(rc->rs);
    free(rc->desc);
    memset(rc, 0, sizeof *rc);
}
