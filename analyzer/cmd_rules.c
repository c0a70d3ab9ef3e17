/* cmd_rules — `mailaudit rules lint [--rules PATH]... [--json] [--list-evals]`:
 * read rule files the way `check` and `ingest` do, compile every rule, and
 * say what is wrong (file:line: message), what will not run and why, how
 * many rules of each type will run, duplicate definitions and scores that
 * name no rule. Exit 0 when no rule file has an error, 2 when one does (or a
 * path cannot be read), 1 on a usage error. */
#include "cli.h"
#include "rulesopt.h"
#include "score/evals.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char rules_usage[] =
    "Usage: mailaudit rules lint [--rules PATH]... [--json] [--verbose]\n"
    "       mailaudit rules evals\n"
    "\n"
    "lint: read the rule files (SpamAssassin syntax) as check and ingest would,\n"
    "compile every rule, and report:\n"
    "  - errors, as FILE:LINE: message (a malformed definition, a regex PCRE2\n"
    "    rejects, an unbalanced if/endif, a missing include, a meta loop);\n"
    "  - the rules that will not run and why (unknown eval function, Perl-only\n"
    "    regex feature, network test, a meta depending on one of those);\n"
    "  - rules per type, and how many will run; duplicate names (the last\n"
    "    definition wins); scores and descriptions that name no rule;\n"
    "  - settings read and ignored (they do not apply offline).\n"
    "evals: list the eval: functions mailaudit implements natively, and those\n"
    "that need the network or Bayes (never true offline).\n"
    "\n"
    "Options:\n"
    "  --rules PATH  a rule directory (*.cf) or file; repeatable. Default: the\n"
    "                installed rules (" MAILAUDIT_DATADIR "/rules), else ./rules\n"
    "  --json        one JSON object with every finding\n"
    "  --verbose     list every skipped rule and ignored setting (text mode lists\n"
    "                the first 50 of each)\n"
    "  -h, --help    this help\n"
    "\n"
    "Exit status: 0 no errors; 1 usage error; 2 a rule file has an error or a\n"
    "path cannot be read.\n";

static const char *level_name(enum rules_diag_level l)
{
    return l == RD_ERROR ? "error" : l == RD_WARNING ? "warning" : "note";
}

static const char *status_name(enum rule_status st)
{
    switch (st) {
    case RS_OK:
        return "ok";
    case RS_SKIP_REGEX:
        return "regex";
    case RS_SKIP_EVAL:
        return "unknown-eval";
    case RS_SKIP_NET:
        return "network";
    case RS_SKIP_META_DEP:
        return "meta-dependency";
    case RS_SKIP_UNSUPPORTED:
        return "unsupported";
    case RS_ERROR:
        return "error";
    }
    return "?";
}

static bool disabled_by_score(const struct rule *r)
{
    return r->status == RS_OK && r->n_scores > 0 && r->scores[0] == 0;
}

static void lint_json(const struct rules_ctx *rc)
{
    const struct ruleset *rs = rc->rs;
    struct buf out;
    buf_init(&out, 0);
    struct json j;
    json_init(&j, &out);
    json_obj_begin(&j);
    json_key(&j, "rules_paths");
    json_cstr(&j, rc->desc);
    json_key(&j, "files");
    json_int(&j, (int64_t)rs->n_files);
    json_key(&j, "lines");
    json_int(&j, (int64_t)rs->n_lines);
    json_key(&j, "required_score");
    json_double(&j, rs->required_score);
    json_key(&j, "by_kind");
    json_obj_begin(&j);
    for (int k = RK_HEADER; k <= RK_META; k++) {
        size_t defined = 0, runnable = 0, evals = 0;
        for (size_t i = 0; i < rs->n_rules; i++) {
            const struct rule *r = &rs->rules[i];
            if ((int)r->kind != k) continue;
            defined++;
            if (r->is_eval) evals++;
            if (r->status == RS_OK && !disabled_by_score(r)) runnable++;
        }
        json_key(&j, rule_kind_name((enum rule_kind)k));
        json_obj_begin(&j);
        json_key(&j, "defined");
        json_int(&j, (int64_t)defined);
        json_key(&j, "eval");
        json_int(&j, (int64_t)evals);
        json_key(&j, "runnable");
        json_int(&j, (int64_t)runnable);
        json_obj_end(&j);
    }
    json_obj_end(&j);
    json_key(&j, "diagnostics");
    json_arr_begin(&j);
    for (size_t i = 0; i < rs->n_diags; i++) {
        const struct rules_diag *d = &rs->diags[i];
        json_obj_begin(&j);
        json_key(&j, "level");
        json_cstr(&j, level_name(d->level));
        json_key(&j, "file");
        json_cstr(&j, d->file);
        json_key(&j, "line");
        json_int(&j, d->line);
        json_key(&j, "message");
        json_cstr(&j, d->msg);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "skipped");
    json_arr_begin(&j);
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct rule *r = &rs->rules[i];
        if (r->status == RS_OK && !disabled_by_score(r)) continue;
        json_obj_begin(&j);
        json_key(&j, "rule");
        json_cstr(&j, r->name);
        json_key(&j, "kind");
        json_cstr(&j, rule_kind_name(r->kind));
        json_key(&j, "eval");
        json_bool(&j, r->is_eval);
        json_key(&j, "status");
        json_cstr(&j, r->status == RS_OK ? "score-zero" : status_name(r->status));
        json_key(&j, "reason");
        json_cstr(&j, r->status == RS_OK ? "score 0 disables the rule" : r->status_reason);
        json_key(&j, "file");
        json_cstr(&j, r->file);
        json_key(&j, "line");
        json_int(&j, r->line);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "rules");
    json_arr_begin(&j);
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct rule *r = &rs->rules[i];
        json_obj_begin(&j);
        json_key(&j, "rule");
        json_cstr(&j, r->name);
        json_key(&j, "kind");
        json_cstr(&j, rule_kind_name(r->kind));
        json_key(&j, "eval");
        json_bool(&j, r->is_eval);
        json_key(&j, "runs");
        json_bool(&j, r->status == RS_OK && !disabled_by_score(r));
        json_key(&j, "score");
        json_double(&j, r->score);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "ignored_settings");
    json_obj_begin(&j);
    for (size_t i = 0; i < rs->n_ignored; i++) {
        json_key(&j, rs->ignored[i]);
        json_int(&j, rs->ignored_count[i]);
    }
    json_obj_end(&j);
    json_key(&j, "errors");
    json_int(&j, (int64_t)rs->n_errors);
    json_obj_end(&j);
    buf_putc(&out, '\n');
    fwrite(out.p, 1, out.len, stdout);
    buf_free(&out);
}

/* Diagnostics in file and line order (the engine's come after the parser's). */
static const struct ruleset *sort_rs;
static int diag_cmp(const void *x, const void *y)
{
    const struct rules_diag *a = &sort_rs->diags[*(const size_t *)x];
    const struct rules_diag *b = &sort_rs->diags[*(const size_t *)y];
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c) return c;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return *(const size_t *)x < *(const size_t *)y ? -1 : 1;
}

static void lint_text(const struct rules_ctx *rc, bool verbose)
{
    const struct ruleset *rs = rc->rs;
    size_t *order = xmalloc((rs->n_diags ? rs->n_diags : 1) * sizeof *order);
    for (size_t i = 0; i < rs->n_diags; i++)
        order[i] = i;
    sort_rs = rs;
    qsort(order, rs->n_diags, sizeof *order, diag_cmp);
    printf("rules: %s — %zu file(s), %zu line(s), required_score %.1f\n", rc->desc, rs->n_files,
           rs->n_lines, rs->required_score);
    size_t nd[3] = {0};
    for (size_t i = 0; i < rs->n_diags; i++)
        nd[rs->diags[i].level]++;
    for (int lvl = RD_ERROR; lvl <= RD_INFO; lvl++) {
        if (!nd[lvl]) continue;
        printf("\n%s (%zu):\n",
               lvl == RD_ERROR     ? "Errors"
               : lvl == RD_WARNING ? "Warnings"
                                   : "Notes",
               nd[lvl]);
        size_t shown = 0;
        for (size_t i = 0; i < rs->n_diags; i++) {
            const struct rules_diag *d = &rs->diags[order[i]];
            if ((int)d->level != lvl) continue;
            if (!verbose && lvl != RD_ERROR && shown >= 50) continue;
            shown++;
            printf("  %s:%d: %s\n", d->file ? d->file : "-", d->line, d->msg);
        }
        if (shown < nd[lvl]) printf("  ... %zu more (--verbose lists all)\n", nd[lvl] - shown);
    }
    printf("\nRules by type (defined / eval / will run):\n");
    for (int k = RK_HEADER; k <= RK_META; k++) {
        size_t defined = 0, runnable = 0, evals = 0;
        for (size_t i = 0; i < rs->n_rules; i++) {
            const struct rule *r = &rs->rules[i];
            if ((int)r->kind != k) continue;
            defined++;
            if (r->is_eval) evals++;
            if (r->status == RS_OK && !disabled_by_score(r)) runnable++;
        }
        printf("  %-11s %6zu %6zu %6zu\n", rule_kind_name((enum rule_kind)k), defined, evals,
               runnable);
    }
    size_t per[RS_ERROR + 1] = {0}, zero = 0, dup = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct rule *r = &rs->rules[i];
        if (disabled_by_score(r))
            zero++;
        else
            per[r->status]++;
        if (r->replaced) dup++;
    }
    printf("\nNot run:\n");
    printf("  %6zu disabled by score 0 (as in SpamAssassin)\n", zero);
    for (int st = RS_SKIP_REGEX; st <= RS_ERROR; st++)
        if (per[st]) printf("  %6zu %s\n", per[st], status_name((enum rule_status)st));
    size_t shown = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct rule *r = &rs->rules[i];
        if (r->status == RS_OK) continue;
        if (!verbose && shown >= 50) {
            shown++;
            continue;
        }
        if (shown++ == 0) printf("\nSkipped rules (rule, type, why):\n");
        printf("  %-30s %-10s %s: %s\n", r->name, rule_kind_name(r->kind), status_name(r->status),
               r->status_reason ? r->status_reason : "-");
    }
    if (!verbose && shown > 50) printf("  ... %zu more (--verbose lists all)\n", shown - 50);
    if (dup) {
        printf("\nDefined more than once (the last definition wins): %zu\n", dup);
        size_t k = 0;
        for (size_t i = 0; i < rs->n_rules && (verbose || k < 50); i++)
            if (rs->rules[i].replaced) {
                printf("  %s (last at %s:%d)\n", rs->rules[i].name, rs->rules[i].file,
                       rs->rules[i].line);
                k++;
            }
    }
    if (rs->n_ignored) {
        printf("\nSettings read and ignored (they do not apply offline):\n ");
        for (size_t i = 0; i < rs->n_ignored && (verbose || i < 60); i++)
            printf(" %s x%d", rs->ignored[i], rs->ignored_count[i]);
        printf("\n");
    }
    printf("\n%zu error(s)\n", rs->n_errors);
    free(order);
}

static int list_evals(void)
{
    size_t n;
    const struct eval_def *t = eval_table(&n);
    for (size_t i = 0; i < n; i++)
        printf("%-36s %-7s %s\n", t[i].name, t[i].cls == EV_NET ? "net" : "local",
               t[i].describe ? t[i].describe : "");
    return EXIT_OK;
}

int cmd_rules(int argc, char **argv)
{
    if (argc < 2) {
        fputs(rules_usage, stderr);
        return EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (!strcmp(sub, "-h") || !strcmp(sub, "--help")) {
        fputs(rules_usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(sub, "evals")) return list_evals();
    if (strcmp(sub, "lint") != 0) {
        cli_error("rules", "unknown subcommand '%s' (lint, evals)", sub);
        return cli_usage_error("rules");
    }
    static const struct option opts[] = {
        {"rules", required_argument, NULL, AO_RULES},
        {"json", no_argument, NULL, 'j'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct auth_opts o;
    authopts_init(&o);
    bool json = false, verbose = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "hv", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'v':
            verbose = true;
            break;
        case 'h':
            fputs(rules_usage, stdout);
            authopts_free(&o);
            return EXIT_OK;
        default:
            if (authopts_option(&o, "rules", c, optarg) == 1) break;
            authopts_free(&o);
            return cli_usage_error("rules");
        }
    }
    if (optind < argc - 1) {
        cli_error("rules", "lint takes no arguments (give rule paths with --rules)");
        authopts_free(&o);
        return cli_usage_error("rules");
    }
    struct rules_ctx rc;
    if (rulesopt_load(&o, "rules", true, &rc) != 0) {
        authopts_free(&o);
        return EXIT_RUNTIME;
    }
    if (!rc.rs) {
        cli_error("rules",
                  "no rule directory (" MAILAUDIT_DATADIR "/rules or ./rules): give --rules PATH");
        authopts_free(&o);
        return EXIT_RUNTIME;
    }
    if (json)
        lint_json(&rc);
    else
        lint_text(&rc, verbose);
    int status = rc.rs->n_errors ? EXIT_RUNTIME : EXIT_OK;
    rulesopt_free(&rc);
    authopts_free(&o);
    return status;
}
