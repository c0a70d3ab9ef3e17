/* Unit tests for feedback_scan's header fields (feedback/feedback.c): the
 * Feedback-ID, the List-Id identifier, the first campaign header in the
 * order of feedback_campaign_headers (not the header's order), each read
 * from the first field of its name and ignored when that one is empty; a
 * TLS report told by its header field. The expected values follow from
 * feedback.h's contract, written by hand; they held before these fields
 * were found in one pass over the header instead of one hdr_get each.
 * Inputs are exact-size heap copies so ASan sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/feedback.h"
#include "mail/message.h"

static arena *A;
static char *raw;
static struct message M;
static struct fb_scan S;

static void scan(const char *msg)
{
    free(raw);
    if (A) arena_free(A);
    A = arena_new();
    size_t len = strlen(msg);
    raw = malloc(len);
    memcpy(raw, msg, len);
    message_parse(A, raw, len, NULL, NULL, &M);
    feedback_scan(A, &M, &S, NULL);
}

static void expect(const char *got, const char *want)
{
    if (!want)
        assert_null(got);
    else
        assert_string_equal(got, want);
}

struct case_ {
    const char *msg;
    const char *feedback_id, *list_id, *campaign_id;
};

static void test_header_fields(void **state)
{
    (void)state;
    static const struct case_ cases[] = {
        {"From: a@b.example\nSubject: hi\n\nbody\n", NULL, NULL, NULL},
        /* any case; List-Id's identifier; the list's order, not the header's */
        {"x-mailgun-campaign-id: mg7\nFEEDBACK-ID: 1:camp:ESP\nLIST-ID: News "
         "<news.example.org>\nX-CAMPAIGN-NAME: spring\nFrom: a@b.example\n\nbody\n",
         "1:camp:ESP", "news.example.org", "spring"},
        /* the first field of a name decides: an empty one hides a later one,
         * and the next name is tried */
        {"X-Campaign:\nX-Campaign: later\nX-CampaignID: c3\nList-Id: plain-id\n"
         "Feedback-ID: first\nFeedback-ID: second\n\nbody\n",
         "first", "plain-id", "c3"},
        /* names that only begin like them */
        {"X-Campaign-IDs: no\nFeedback-IDx: no\nList-Ids: no\nX-Campaig: no\n\nbody\n", NULL, NULL,
         NULL},
        /* folded values are unfolded */
        {"Feedback-ID: a:b\n c:d\nX-Campaign-ID: \n\t42\n\nbody\n", "a:b c:d", NULL, "42"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        scan(cases[i].msg);
        expect(S.feedback_id, cases[i].feedback_id);
        expect(S.list_id, cases[i].list_id);
        expect(S.campaign_id, cases[i].campaign_id);
    }
}

/* A JSON attachment is a TLS report when the message says it is one: the
 * TLS-Report-Domain (or -Submitter) field, in any case. */
static void test_tls_report_field(void **state)
{
    (void)state;
    static const char fmt[] =
        "From: reports@tls.example\n%sSubject: Report\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\n\n--b\nContent-Type: text/plain\n\n"
        "see attached\n--b\nContent-Type: application/octet-stream\n"
        "Content-Disposition: attachment; filename=\"report\"\n\n{\"x\": 1}\n--b--\n";
    static const char *const fields[] = {"", "tls-report-domain: example.org\n",
                                         "TLS-Report-Submitter: tls.example\n"};
    for (size_t i = 0; i < 3; i++) {
        char msg[1024];
        snprintf(msg, sizeof msg, fmt, fields[i]);
        scan(msg);
        assert_int_equal(S.n_pl, i == 0 ? 0 : 1);
        if (i) assert_int_equal(S.pl[0].kind, FB_TLSRPT);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_tls_report_field),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(raw);
    if (A) arena_free(A);
    return rc;
}
