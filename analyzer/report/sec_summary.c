/* sec_summary — the first screen of the report: the few numbers that say
 * how the mail fared, and the strongest findings of the post-mortem and of
 * "What to fix first", most severe first. It has no query of its own: it is
 * built last, from the sections already in the report (those it reads are
 * built even when --section does not show them), and shown first. */
#include <string.h>

#include "report/rctx.h"

#define SUMMARY_ITEMS 6

/* Copy fact `key` of section `sec` (when the report has it) under `label`. */
static void copy_fact(struct report *r, struct rsection *s, const char *sec, const char *key,
                      const char *label)
{
    const struct rsection *from = rsec_find(r, sec);
    if (!from) return;
    for (size_t i = 0; i < from->n_facts; i++) {
        const struct rfact *f = &from->facts[i];
        if (strcmp(f->key, key) != 0 || f->v.k == RK_NULL) continue;
        rsec_fact(s, r, key, label, f->v, f->better);
        return;
    }
}

/* The items of both sources, most severe first, then by score (the post-
 * mortem's before the recommendations' on a tie: they explain the spam). */
static int better_item(const struct ritem *a, int ia, const struct ritem *b, int ib)
{
    if (a->severity != b->severity) return a->severity < b->severity;
    if (a->score != b->score) return a->score > b->score;
    return ia < ib;
}

int sec_summary(struct rctx *c)
{
    struct report *r = c->r;
    struct rsection *s =
        rsec_add(r, "summary", "Summary: how the mail fared, and what to fix first");
    copy_fact(r, s, "postmortem", "spam_share", "Spam share of placed copies");
    copy_fact(r, s, "authentication", "dmarc_pass_rate", "DMARC pass rate");
    copy_fact(r, s, "delivery", "bounce_rate", "Bounce rate");
    copy_fact(r, s, "delivery", "deferral_rate", "Deferral rate");
    copy_fact(r, s, "feedback", "complaint_rate", "Complaint rate");
    copy_fact(r, s, "feedback", "dmarc_aggregate_fail_rate",
              "DMARC fail rate (receivers' reports)");

    /* candidates: every item of the two sections, source order kept as the tie-break */
    const struct rsection *src[2] = {rsec_find(r, "postmortem"), rsec_find(r, "recommendations")};
    const struct ritem *cand[256];
    int order[256];
    size_t n = 0;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; src[k] && i < src[k]->n_items && n < 256; i++) {
            cand[n] = &src[k]->items[i];
            order[n] = (int)n;
            n++;
        }
    for (size_t taken = 0; taken < SUMMARY_ITEMS && taken < n; taken++) {
        size_t best = taken;
        for (size_t i = taken + 1; i < n; i++)
            if (better_item(cand[i], order[i], cand[best], order[best])) best = i;
        const struct ritem *t = cand[best];
        int to = order[best];
        cand[best] = cand[taken];
        order[best] = order[taken];
        cand[taken] = t;
        order[taken] = to;
        rsec_item(s, r, t->severity, t->score, t->key, t->title, t->evidence, t->example);
    }
    if (n > SUMMARY_ITEMS)
        rsec_note(s, r, "%zu more findings in \"Placement post-mortem\" and \"What to fix first\".",
                  n - SUMMARY_ITEMS);
    if (s->n_facts == 0 && s->n_items == 0)
        rsec_empty(s, r,
                   r->empty_period ? "no data for this period"
                                   : "nothing stands out in this period");
    return 0;
}
