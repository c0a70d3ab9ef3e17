/* libFuzzer harness for score/ruleparse.c: the input is one rule file,
 * parsed with ruleset_parse_buf without a file name (so `include` is not
 * followed), then ruleset_finish. Invariants: every rule has a valid,
 * unique name that ruleset_find maps back to its index; fields match the
 * kind and status (a runnable regex rule has a delimited regex, an eval its
 * function, a meta its expression, a header rule its field; a skipped or
 * broken rule says why; tflags net is never runnable); scores are 0, 1 or 4
 * values with score = the first; lists are lowercase; the named lists
 * (rs->lists) have unique names, known or enlist_*:NAME, and unique
 * lowercase entries shaped as rules.h says (one token; "ADDR DOMAIN" for
 * the _rcvd lists, "ADDR [SDID]" for the _dkim ones; a subject may be
 * anything lowercase); RD_ERROR diagnostics are all counted; a second
 * ruleset_finish changes nothing. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score/rules.h"

static void check_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 100 || (s[0] >= '0' && s[0] <= '9')) __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            __builtin_trap();
    }
}

/* rules.h: domain > host > revip > ip > addr > name > raw */
static enum rule_hdr_mod hmod_of(unsigned f)
{
    return (f & HMF_DOMAIN)  ? HM_DOMAIN
           : (f & HMF_HOST)  ? HM_HOST
           : (f & HMF_REVIP) ? HM_REVIP
           : (f & HMF_IP)    ? HM_IP
           : (f & HMF_ADDR)  ? HM_ADDR
           : (f & HMF_NAME)  ? HM_NAME
           : (f & HMF_RAW)   ? HM_RAW
                             : HM_DEFAULT;
}

static void check_lower(char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || !v[i][0]) __builtin_trap();
        for (const char *p = v[i]; *p; p++)
            if (*p >= 'A' && *p <= 'Z') __builtin_trap();
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t count_spaces(const char *s)
{
    size_t k = 0;
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v') k++;
    return k;
}

static bool starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void check_lists(const struct ruleset *rs)
{
    static const char *const known[] = {"welcomelist_from",
                                        "blocklist_from",
                                        "welcomelist_to",
                                        "blocklist_to",
                                        "more_spam_to",
                                        "all_spam_to",
                                        "welcomelist_auth",
                                        "def_welcomelist_auth",
                                        "welcomelist_from_spf",
                                        "def_welcomelist_from_spf",
                                        "welcomelist_allows_relays",
                                        "welcomelist_bounce_relays",
                                        "welcomelist_subject",
                                        "blocklist_subject",
                                        "welcomelist_from_dkim",
                                        "def_welcomelist_from_dkim",
                                        "welcomelist_from_rcvd",
                                        "def_welcomelist_from_rcvd",
                                        "freemail_welcomelist",
                                        "util_rb_tld",
                                        "util_rb_2tld",
                                        "util_rb_3tld"};
    if (rs->n_lists && !rs->lists) __builtin_trap();
    for (size_t i = 0; i < rs->n_lists; i++) {
        const struct rule_list *l = &rs->lists[i];
        if (!l->name || (l->n && !l->v) || l->n > l->cap) __builtin_trap();
        for (size_t j = 0; j < i; j++)
            if (strcmp(rs->lists[j].name, l->name) == 0) __builtin_trap();
        bool ok = (starts(l->name, "enlist_addrlist:") || starts(l->name, "enlist_uri_host:")) &&
                  strchr(l->name, ':')[1];
        for (size_t k = 0; !ok && k < sizeof known / sizeof known[0]; k++)
            ok = strcmp(l->name, known[k]) == 0;
        if (!ok) __builtin_trap();
        /* by exact name: an enlist_*:NAME may contain anything */
        bool enlisted = starts(l->name, "enlist_");
        bool subject = !enlisted && strstr(l->name, "_subject") != NULL;
        bool rcvd = !enlisted && strstr(l->name, "_rcvd") != NULL;
        bool dkim = !enlisted && strstr(l->name, "_dkim") != NULL;
        for (size_t k = 0; k < l->n; k++) {
            const char *e = l->v[k];
            if (!e) __builtin_trap();
            for (const char *p = e; *p; p++)
                if (*p >= 'A' && *p <= 'Z') __builtin_trap();
            if (subject) continue;
            size_t sp = count_spaces(e);
            if (!e[0] || e[0] == ' ' || (rcvd && (sp != 1 || strchr(e, ' ') == NULL)) ||
                (dkim && sp > 1) || (!rcvd && !dkim && sp != 0))
                __builtin_trap();
            if ((rcvd || dkim) && sp == 1 && (!strchr(e, ' ')[1] || strchr(e, ' ')[1] == ' '))
                __builtin_trap();
        }
        /* unique entries */
        if (l->n > 1) {
            char **c = malloc(l->n * sizeof *c);
            if (!c) __builtin_trap();
            memcpy(c, l->v, l->n * sizeof *c);
            qsort(c, l->n, sizeof *c, cmp_str);
            for (size_t k = 1; k < l->n; k++)
                if (strcmp(c[k - 1], c[k]) == 0) __builtin_trap();
            free(c);
        }
    }
}

static void check(const struct ruleset *rs)
{
    if (rs->n_rules > RULES_MAX_RULES) __builtin_trap();
    size_t errors = 0;
    for (size_t i = 0; i < rs->n_diags; i++) {
        const struct rules_diag *d = &rs->diags[i];
        if (!d->msg || !d->file || d->line < 0) __builtin_trap();
        if (d->level == RD_ERROR) errors++;
    }
    if (errors > rs->n_errors) __builtin_trap();
    for (size_t i = 0; i < rs->n_rules; i++) {
        const struct rule *r = &rs->rules[i];
        check_name(r->name);
        if (ruleset_find(rs, r->name) != (long)i) __builtin_trap();
        if ((unsigned)r->kind > RK_META || (unsigned)r->status > RS_ERROR) __builtin_trap();
        if (!r->file || r->line < 1) __builtin_trap();
        if (r->n_scores != 0 && r->n_scores != 1 && r->n_scores != 4) __builtin_trap();
        if (r->n_scores && r->score != r->scores[0]) __builtin_trap();
        if (r->status != RS_OK && !r->status_reason) __builtin_trap();
        if (r->status == RS_OK && r->is_eval && (r->tflags & TF_NET))
            __builtin_trap(); /* net evals are skipped */
        if (r->n_eval_args < 0 || (r->n_eval_args > 0 && !r->eval_args)) __builtin_trap();
        for (int k = 0; k < r->n_eval_args; k++)
            if (!r->eval_args[k]) __builtin_trap();
        if (r->hmod != hmod_of(r->hmod_flags)) __builtin_trap();
        if (r->status != RS_OK) continue;
        if (r->is_eval) {
            if (!r->eval_fn || !r->eval_fn[0]) __builtin_trap();
        } else if (r->kind == RK_META) {
            if (!r->meta || !r->meta[0]) __builtin_trap();
        } else if (r->exists) {
            if (r->kind != RK_HEADER || !r->header || !r->header[0] || r->regex) __builtin_trap();
        } else {
            if (!r->regex || (r->regex[0] != '/' && r->regex[0] != 'm' && r->regex[0] != 'q'))
                __builtin_trap();
            if ((r->kind == RK_HEADER || r->kind == RK_MIMEHEADER) && (!r->header || !r->header[0]))
                __builtin_trap();
        }
    }
    check_lower(rs->freemail_domains, rs->n_freemail);
    check_lower(rs->url_shorteners, rs->n_url_shorteners);
    check_lists(rs);
    for (size_t i = 0; i < rs->n_ignored; i++)
        if (!rs->ignored[i] || rs->ignored_count[i] < 1) __builtin_trap();
    for (size_t i = 0; i < rs->n_plugins; i++)
        if (!ruleset_plugin_loaded(rs, rs->plugins[i])) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ruleset *rs = ruleset_new();
    ruleset_parse_buf(rs, NULL, (const char *)data, size);
    ruleset_finish(rs);
    check(rs);
    size_t n_diags = rs->n_diags, n_rules = rs->n_rules, n_errors = rs->n_errors;
    ruleset_finish(rs);
    if (rs->n_diags != n_diags || rs->n_rules != n_rules || rs->n_errors != n_errors)
        __builtin_trap();
    check(rs);
    ruleset_free(rs);
    return 0;
}
