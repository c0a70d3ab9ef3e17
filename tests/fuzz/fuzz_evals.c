/* libFuzzer harness for the native checks (score/evals.c, evals_sa.c,
 * attach.c) and the HTML statistics they read (mail/html.c): the input is
 * parsed as a message and every local eval runs with several argument sets
 * against small hand-made lists. Invariants: evidence stays short, the HTML
 * statistics are consistent (hidden characters never exceed visible ones,
 * open-tag counts never negative). */
#include <stdint.h>
#include <string.h>
#include "mail/message.h"
#include "score/evals.h"
#include "score/msgview.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
static char *fm[] = {"gmail.com", "*.free.example"};
static char *l1[] = {"net", "!example.net"};
static char *l2[] = {"*@x.example a.example", "*@y.example"};
static struct rule_list lists[] = {{"enlist_uri_host:X", l1, 2, 0},
                                   {"def_welcomelist_from_dkim", l2, 2, 0},
                                   {"welcomelist_from_rcvd", l2, 2, 0},
                                   {"util_rb_2tld", l1, 2, 0}};
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ruleset rs;
    rs.freemail_domains = fm;
    rs.n_freemail = 2;
    rs.lists = lists;
    rs.n_lists = 4;
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct msgview v;
    struct msgview_env env = {0};
    msgview_init(&v, a, &m, &env);
    struct eval_ctx c = {.v = &v, .rs = &rs, .now = m.arrival};
    size_t n;
    const struct eval_def *t = eval_table(&n);
    static const char *const argsets[][4] = {{NULL},
                                             {"x", NULL},
                                             {"0", "1", NULL},
                                             {"ALL", "0.01", "2", NULL},
                                             {"all", "0", "inf", NULL},
                                             {"X", NULL},
                                             {"body", "!= 0", NULL},
                                             {"comment", "<!.*?>", NULL}};
    for (size_t i = 0; i < n; i++) {
        if (t[i].cls != EV_LOCAL) continue;
        for (size_t s = 0; s < sizeof argsets / sizeof argsets[0]; s++) {
            int k = 0;
            while (argsets[s][k])
                k++;
            if (k < t[i].min_args || (t[i].max_args >= 0 && k > t[i].max_args)) continue;
            c.evidence = NULL;
            t[i].fn(&c, k ? argsets[s] : NULL, k);
            if (c.evidence && strlen(c.evidence) > 100000) __builtin_trap();
        }
    }
    for (size_t i = 0; i < m.mime.n; i++) {
        const struct html_stats *st = &m.mime.parts[i].html.st;
        size_t sum = 0;
        for (size_t k = 0; k < st->n_comments; k++)
            sum += strlen(st->comments[k]);
        for (size_t k = 0; k < st->n_titles; k++)
            sum += strlen(st->titles[k]);
        for (size_t k = 0; k < st->n_anchors; k++)
            sum += strlen(st->anchors[k]);
        for (size_t k = 0; k < st->n_tagv; k++) {
            sum += strlen(st->tagv[k].name);
            if (st->tagv[k].inside < 0) __builtin_trap();
        }
        if (st->hidden_chars > st->non_space_len) __builtin_trap();
        (void)sum;
    }
    arena_free(a);
    return 0;
}
