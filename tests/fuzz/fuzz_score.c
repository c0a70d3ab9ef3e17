/* libFuzzer harness for the rules engine (score/score.c) with the message
 * views and the native checks under it: the input is parsed as a message
 * and scored against a fixed rule set that uses every rule type, modifiers,
 * tflags multiple, metas and the native eval functions. Invariants: the
 * total is the sum of the scored hits, hits are sorted, snippets are short. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score/score.h"

static const char RULES[] = "header H_SUBJ Subject =~ /\\b(?:free|win)\\b/i\n"
                            "header H_FROM_ADDR From:addr =~ /\\@example\\.com$/i\n"
                            "header H_FROM_NAME From:name =~ /\\w+/\n"
                            "header H_RAW Subject:raw =~ /=\\?utf-8\\?/i\n"
                            "header H_ALL ALL =~ /^X-Mailer: /m\n"
                            "header H_TOCC ToCc =~ /,/\n"
                            "header H_MSGID MESSAGEID =~ /\\@/\n"
                            "header H_ENV EnvelopeFrom =~ /\\@/\n"
                            "header H_NOT X-Spam-Flag !~ /yes/i\n"
                            "header H_UNSET X-Foo =~ /^bar$/ [if-unset: bar]\n"
                            "header H_EXISTS exists:List-Unsubscribe\n"
                            "body B_FREE /\\bfree\\b/i\n"
                            "tflags B_FREE multiple maxhits=5\n"
                            "body B_CLICK /click here/i\n"
                            "tflags B_CLICK nosubject\n"
                            "rawbody R_FONT /<font\\b/i\n"
                            "full F_BOUNDARY /boundary=/i\n"
                            "uri U_IP /^https?:\\/\\/\\d+\\.\\d+\\.\\d+\\.\\d+/\n"
                            "uri U_ANY /./\n"
                            "tflags U_ANY multiple\n"
                            "mimeheader M_HTML Content-Type =~ /text\\/html/i\n"
                            "mimeheader M_RAW Content-Type:raw =~ /name=/i\n"
                            "body E_IMG eval:ma_image_only()\n"
                            "body E_EXE eval:ma_attach_dangerous_ext()\n"
                            "body E_DOUBLE eval:ma_attach_double_ext()\n"
                            "body E_MISMATCH eval:ma_link_text_mismatch()\n"
                            "header E_NOID eval:ma_missing_message_id()\n"
                            "header E_DATE eval:ma_date_far('48')\n"
                            "body E_HIDDEN eval:ma_html_hidden_text()\n"
                            "body E_NOUNSUB eval:ma_no_unsubscribe_in_body()\n"
                            "body E_MIME eval:check_for_mime('mime_attachment')\n"
                            "meta M1 (B_FREE + B_CLICK + H_SUBJ) >= 2\n"
                            "meta M2 M1 && !H_NOT || rules_matching(E_*) > 1\n"
                            "score M2 -0.5\n"
                            "required_score 5\n";

static struct ruleset *rs;
static scorer *sc;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!sc) {
        rs = ruleset_new();
        ruleset_parse_buf(rs, NULL, RULES, sizeof RULES - 1);
        ruleset_finish(rs);
        sc = scorer_new(rs);
    }
    arena *a = arena_new();
    struct message m;
    message_parse(a, (const char *)data, size, NULL, NULL, &m);
    struct score_input in = {.m = &m, .env = {.envelope_from = "bounce@example.com"}};
    struct score_result r;
    scorer_run(sc, a, &in, &r);
    double sum = 0;
    for (size_t i = 0; i < r.n_hits; i++) {
        const struct score_hit *h = &r.hits[i];
        if (i < r.n_scored) sum += h->score * h->count;
        if (h->snippet && strlen(h->snippet) > SCORE_SNIPPET_MAX) abort();
        if (h->count < 1) abort();
    }
    if (r.n_scored > r.n_hits) abort();
    if (fabs(round(sum * 1000) / 1000 - r.total) > 1e-6) abort();
    arena_free(a);
    return 0;
}
