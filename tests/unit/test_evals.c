/* Unit tests for score/evals.c, evals_sa.c and attach.c.
 *
 * Most cases are table rows: a fixture message of tests/fixtures/evals/, an
 * eval function with its arguments, and the result expected. The expected
 * results of SpamAssassin's functions were worked out from the Perl of
 * SpamAssassin 4.0.1 (the plugin named in the eval table) by hand, then
 * checked by running SpamAssassin itself on the same fixtures with a rule
 * per row (rows marked SA; `local_tests_only`, no Bayes): every SA row
 * agrees with SpamAssassin. Rows marked LISTS use the lists set up in
 * test_ruleset() (SpamAssassin's stock lists differ, so they are reasoned
 * only), AUTH rows a verify_result built here (SpamAssassin does not verify
 * DKIM, SPF or DMARC without the network). mailaudit's own checks (ma_*)
 * are reasoned from their definitions in evals.c and attach.c.
 * Fixtures are read into exact-size heap buffers so ASan sees over-reads. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/verify.h"
#include "mail/addr.h"
#include "mail/header.h"
#include "mail/html.h"
#include "mail/message.h"
#include "score/evals.h"
#include "score/evals_int.h"
#include "score/msgview.h"
#include "score/rules.h"
#include "score/saregex.h"
#include "util/str.h"

#define DIR "tests/fixtures/evals/"

/* ---- loading a fixture into a scoring context ---- */

struct fx {
    arena *a;
    char *raw;
    size_t len;
    struct message m;
    struct msgview v;
    struct eval_ctx ctx;
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc(n > 0 ? (size_t)n : 1);
    size_t got = fread(p, 1, (size_t)n, f);
    fclose(f);
    assert_int_equal(got, (size_t)n);
    *len = got;
    return p;
}

static struct ruleset test_rs;

static void fx_load_buf(struct fx *x, const char *p, size_t len)
{
    memset(x, 0, sizeof *x);
    x->a = arena_new();
    x->raw = malloc(len ? len : 1); /* exact size, no NUL after it */
    memcpy(x->raw, p, len);
    x->len = len;
    message_parse(x->a, x->raw, len, NULL, NULL, &x->m);
    struct msgview_env env = {0};
    msgview_init(&x->v, x->a, &x->m, &env);
    x->ctx.v = &x->v;
    x->ctx.rs = &test_rs;
    x->ctx.now = x->m.arrival;
}

static void fx_load(struct fx *x, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s", name);
    size_t len;
    char *p = slurp(path, &len);
    fx_load_buf(x, p, len);
    free(p);
}

static void fx_free(struct fx *x)
{
    arena_free(x->a);
    free(x->raw);
}

static bool run(struct fx *x, const char *fn, const char *const *args)
{
    const struct eval_def *d = eval_lookup(fn);
    if (!d) fail_msg("unknown eval %s", fn);
    int n = 0;
    while (args && args[n])
        n++;
    if (n < d->min_args || (d->max_args >= 0 && n > d->max_args))
        fail_msg("%s: %d arguments, table says %d..%d", fn, n, d->min_args, d->max_args);
    if (d->cls != EV_LOCAL || !d->fn) fail_msg("%s is not a local eval", fn);
    x->ctx.evidence = NULL;
    return d->fn(&x->ctx, args, n);
}

/* ---- the lists of the test rule set ---- */

static char *fm[] = {"gmail.com", "hotmail.com", "yahoo.com", "*.freemail.example"};
static char *shorteners[] = {"bit.ly", "tinyurl.com"};
static char *paypal[] = {"*@paypal.com", "*@*.paypal.com"};
static char *susp[] = {"net", "!example.net", "ly"};
static char *def_auth[] = {"*@corp.example"};
static char *def_dkim[] = {"*@news.example.com esp.example"};
static char *wl_subject[] = {"release 2.0"};
static char *blk_from[] = {"*@bulkmailer.example"};
static char *util_2tld[] = {"co.zz"};
static struct rule_list lists[] = {
    {"enlist_addrlist:PAYPAL", paypal, 2, 0},  {"enlist_uri_host:SUSP_NTLD", susp, 3, 0},
    {"def_welcomelist_auth", def_auth, 1, 0},  {"def_welcomelist_from_dkim", def_dkim, 1, 0},
    {"welcomelist_subject", wl_subject, 1, 0}, {"blocklist_from", blk_from, 1, 0},
    {"util_rb_2tld", util_2tld, 1, 0},
};

static void test_ruleset(void)
{
    memset(&test_rs, 0, sizeof test_rs);
    test_rs.freemail_domains = fm;
    test_rs.n_freemail = 4;
    test_rs.url_shorteners = shorteners;
    test_rs.n_url_shorteners = 2;
    test_rs.lists = lists;
    test_rs.n_lists = sizeof lists / sizeof lists[0];
}

/* ---- the table ---- */

enum src { SA, LISTS, MA };

struct row {
    const char *file;
    int want;
    enum src src;
    const char *fn;
    const char *args[6];
};

#define R(file, want, src, fn, ...)                                                                \
    {                                                                                              \
        file, want, src, fn,                                                                       \
        {                                                                                          \
            __VA_ARGS__, NULL                                                                      \
        }                                                                                          \
    }

static const struct row rows[] = {
    /* plain.eml: a personal message relayed by its sender's server */
    R("plain.eml", 0, SA, "check_all_trusted", NULL),
    R("plain.eml", 0, SA, "check_no_relays", NULL),
    R("plain.eml", 0, SA, "check_relays_unparseable", NULL),
    R("plain.eml", 1, SA, "check_for_matching_env_and_hdr_from", NULL),
    R("plain.eml", 1, SA, "check_mailfrom_matches_rcvd", NULL),
    R("plain.eml", 0, SA, "check_equal_from_domains", NULL),
    R("plain.eml", 0, SA, "check_for_shifted_date", "-6", "-3"),
    R("plain.eml", 0, SA, "check_for_shifted_date", "undef", "-96"),
    R("plain.eml", 0, SA, "check_for_missing_to_header", NULL),
    R("plain.eml", 0, SA, "subject_is_all_caps", NULL),
    R("plain.eml", 0, SA, "check_for_forged_received_trail", NULL),
    R("plain.eml", 0, SA, "gated_through_received_hdr_remover", NULL),
    R("plain.eml", 1, SA, "check_body_length", "1024"),
    R("plain.eml", 1, SA, "check_body_length", "128"), /* 126 bytes */
    R("plain.eml", 0, SA, "check_body_length", "100"),
    R("plain.eml", 0, SA, "check_for_mime", "mime_base64_count"),
    R("plain.eml", 0, SA, "check_for_mime_html", NULL),
    R("plain.eml", 0, SA, "html_test", "html"),
    R("plain.eml", 0, SA, "check_ma_non_text", NULL),
    R("plain.eml", 0, SA, "check_for_uppercase", "25", "50"),
    R("plain.eml", 0, SA, "tvd_vertical_words", "0", "10"),
    R("plain.eml", 0, SA, "helo_ip_mismatch", NULL),
    R("plain.eml", 0, SA, "check_for_numeric_helo", NULL),
    R("plain.eml", 0, SA, "check_for_to_in_subject", "user"),
    R("plain.eml", 0, SA, "check_freemail_from", NULL),
    R("plain.eml", 0, LISTS, "check_from_in_list", "PAYPAL"),
    R("plain.eml", 0, MA, "ma_missing_message_id", NULL),
    R("plain.eml", 0, MA, "ma_missing_date", NULL),
    R("plain.eml", 0, MA, "ma_date_far", NULL),
    R("plain.eml", 0, MA, "ma_html_only", NULL),
    R("plain.eml", 0, MA, "ma_bulk", NULL),
    R("plain.eml", 1, MA, "ma_no_unsubscribe_in_body", NULL),
    R("plain.eml", 0, MA, "ma_subject_exclaim", NULL),
    R("plain.eml", 0, MA, "ma_subject_all_caps", NULL),
    R("plain.eml", 0, MA, "ma_charset_unneeded", NULL),
    R("plain.eml", 0, MA, "ma_reply_to_other_domain", NULL),
    R("plain.eml", 0, MA, "ma_from_name_other_address", NULL),
    R("plain.eml", 0, MA, "ma_attach_dangerous_ext", NULL),
    /* shouting.eml: capitals, a template left unresolved, an old Date */
    R("shouting.eml", 1, SA, "subject_is_all_caps", NULL),
    R("shouting.eml", 1, SA, "check_unresolved_template", NULL),
    R("shouting.eml", 1, SA, "check_ratware_name_id", NULL),
    R("shouting.eml", 1, SA, "check_for_shifted_date", "-96", "-48"),
    R("shouting.eml", 0, SA, "check_for_shifted_date", "undef", "-96"),
    R("shouting.eml", 0, SA, "check_for_uppercase", "75", "100"), /* windows-1251: skipped */
    R("shouting.eml", 0, SA, "check_for_to_in_subject", "user"),
    R("shouting.eml", 0, SA, "check_for_sender_no_reverse", NULL),
    R("shouting.eml", 0, SA, "check_freemail_header", "Reply-To"),
    R("shouting.eml", 1, LISTS, "check_from_in_blocklist", NULL),
    R("shouting.eml", 1, MA, "ma_subject_all_caps", NULL),
    R("shouting.eml", 1, MA, "ma_subject_exclaim", NULL),
    R("shouting.eml", 1, MA, "ma_date_far", NULL),
    R("shouting.eml", 0, MA, "ma_date_far", "100"),
    R("shouting.eml", 1, MA, "ma_charset_unneeded", NULL),
    R("shouting.eml", 1, MA, "ma_from_name_other_address", NULL),
    R("shouting.eml", 1, MA, "ma_reply_to_other_domain", NULL),
    /* yahoo.eml, gmail*.eml, forged.eml: free-mail senders and their traces */
    R("yahoo.eml", 1, SA, "check_for_to_in_subject", "user"),
    R("yahoo.eml", 1, SA, "check_for_forged_yahoo_received_headers", NULL),
    R("yahoo.eml", 1, SA, "check_freemail_from", NULL),
    R("gmail.eml", 0, SA, "check_for_forged_gmail_received_headers", NULL),
    R("gmail-forged.eml", 1, SA, "check_for_forged_gmail_received_headers", NULL),
    R("forged.eml", 1, SA, "check_for_forged_hotmail_received_headers", NULL),
    R("forged.eml", 0, SA, "check_for_no_hotmail_received_headers", NULL),
    R("forged.eml", 1, SA, "check_for_fake_aol_relay_in_rcvd", NULL),
    R("forged.eml", 0, SA, "check_for_forged_received_trail", NULL),
    R("forged.eml", 0, SA, "sorted_recipients", NULL),
    R("forged.eml", 1, SA, "check_freemail_from", NULL),
    R("forged.eml", 1, SA, "check_freemail_header", "From"),
    R("freemail.eml", 1, SA, "check_freemail_replyto", "replyto"),
    R("freemail.eml", 1, SA, "check_freemail_header", "Reply-To"),
    R("freemail.eml", 0, SA, "check_freemail_header", "Reply-To", "\\d@"),
    R("freemail.eml", 1, SA, "check_freemail_header", "Reply-To", "agent@"),
    R("freemail.eml", 0, SA, "check_freemail_header", "Reply-To", "^claims\\d"),
    R("trail.eml", 1, SA, "check_for_forged_received_trail", NULL),
    /* relays.eml: an IP-address HELO, a free-mail HELO without rDNS */
    R("relays.eml", 1, SA, "check_for_numeric_helo", NULL),
    R("relays.eml", 1, SA, "helo_ip_mismatch", NULL),
    R("relays.eml", 1, SA, "check_for_forged_received_ip_helo", NULL),
    R("relays.eml", 0, SA, "check_for_no_rdns_dotcom_helo", NULL), /* reset by the 2nd relay */
    R("relays.eml", 0, SA, "check_for_sender_no_reverse", NULL),
    R("relays.eml", 0, SA, "check_mailfrom_matches_rcvd", NULL),
    R("relays.eml", 1, SA, "check_equal_from_domains", NULL),
    R("relays.eml", 0, SA, "check_for_matching_env_and_hdr_from", NULL),
    R("relays.eml", 0, SA, "check_for_from_domain_in_received_headers", "other.example", "true"),
    R("relays.eml", 1, SA, "check_for_from_domain_in_received_headers", "other.example", "false"),
    R("relays.eml", 0, SA, "check_for_forged_received_trail", NULL),
    /* caps.eml, vertical.eml, redirect.eml: body evals */
    R("caps.eml", 1, SA, "check_stock_info", "2"),
    R("plain.eml", 0, SA, "check_stock_info", "2"),
    R("caps.eml", 1, SA, "check_for_uppercase", "50", "75"),
    R("caps.eml", 0, SA, "check_for_uppercase", "75", "100"),
    R("caps.eml", 1, SA, "plaintext_sig_length", "10"),
    R("caps.eml", 0, SA, "plaintext_body_length", "0", "50"),
    R("imageinfo.eml", 1, SA, "plaintext_body_length", "0", "50"),
    R("plain.eml", 0, SA, "plaintext_body_length", "0", "50"),
    R("alt.eml", 0, SA, "multipart_alternative_difference_count", "3", "1"),
    R("alt.eml", 0, SA, "check_qp_ratio", "0.01"),
    R("alt.eml", 1, SA, "check_qp_ratio", "0.005"),
    R("imageinfo.eml", 1, SA, "image_name_regex", "^[ab]\\."),
    R("html.eml", 0, SA, "html_text_not_match", "title", "^Winter"),
    R("html.eml", 1, SA, "html_text_not_match", "title", "^Summer"),
    R("vertical.eml", 1, SA, "tvd_vertical_words", "50", "100"),
    R("plain.eml", 1, SA, "check_blank_line_ratio", "30", "40", "4"),
    R("plain.eml", 0, SA, "check_blank_line_ratio", "80", "90", "4"),
    R("redirect.eml", 1, SA, "check_for_http_redirector", NULL),
    R("plain.eml", 0, SA, "check_for_http_redirector", NULL),
    R("redirect.eml", 1, SA, "check_freemail_body", NULL),
    R("plain.eml", 0, SA, "check_freemail_body", NULL),
    /* misc-forged.eml, eudora.eml: rarer forgery tests */
    R("misc-forged.eml", 1, SA, "check_for_forged_juno_received_headers", NULL),
    R("misc-forged.eml", 1, SA, "check_for_forged_gw05_received_headers", NULL),
    R("misc-forged.eml", 1, SA, "check_messageid_not_usable", NULL),
    R("misc-forged.eml", 0, SA, "check_for_forged_eudoramail_received_headers", NULL),
    R("eudora.eml", 1, SA, "check_for_forged_eudoramail_received_headers", NULL),
    R("eudora.eml", 0, SA, "check_for_forged_juno_received_headers", NULL),
    R("eudora.eml", 0, SA, "check_for_msn_groups_headers", NULL),
    R("eudora.eml", 1, LISTS, "check_replyto_in_list", "PAYPAL"),
    R("plain.eml", 0, LISTS, "check_replyto_in_list", "PAYPAL"),
    R("trail.eml", 1, SA, "check_for_sender_no_reverse", NULL),
    R("misc-forged.eml", 1, SA, "check_for_no_rdns_dotcom_helo", NULL),
    R("forged.eml", 1, SA, "check_for_no_rdns_dotcom_helo", NULL),
    R("misc-forged.eml", 0, SA, "check_relays_unparseable", NULL),
    /* recipients.eml: eight sorted recipients */
    R("recipients.eml", 1, SA, "sorted_recipients", NULL),
    R("recipients.eml", 0, SA, "similar_recipients", "0.65", "undef"),
    R("recipients.eml", 1, SA, "similar_recipients", "0.03", "0.04"),
    /* noheaders.eml, trusted.eml, outlook.eml */
    R("noheaders.eml", 1, SA, "gated_through_received_hdr_remover", NULL),
    R("noheaders.eml", 1, SA, "check_no_relays", NULL),
    R("noheaders.eml", 0, SA, "check_all_trusted", NULL),
    R("noheaders.eml", 1, SA, "check_for_missing_to_header", NULL),
    R("noheaders.eml", 0, SA, "check_for_shifted_date", "undef", "-96"),
    R("noheaders.eml", 1, MA, "ma_missing_message_id", NULL),
    R("noheaders.eml", 1, MA, "ma_missing_date", NULL),
    R("trusted.eml", 1, SA, "check_all_trusted", NULL),
    R("trusted.eml", 0, SA, "check_no_relays", NULL),
    R("outlook.eml", 1, SA, "check_outlook_message_id", NULL),
    R("plain.eml", 0, SA, "check_outlook_message_id", NULL),
    /* list.eml */
    R("list.eml", 1, MA, "ma_bulk", NULL),
    R("list.eml", 0, MA, "ma_missing_one_click", NULL),
    R("list.eml", 0, MA, "ma_missing_list_unsubscribe", NULL),
    R("list.eml", 0, MA, "ma_no_unsubscribe_in_body", NULL),
    R("list.eml", 0, SA, "check_messageid_not_usable", NULL),
    R("list.eml", 1, LISTS, "check_subject_in_welcomelist", NULL),
    /* illegal.eml: 8-bit header bytes that are not UTF-8 */
    R("illegal.eml", 1, SA, "check_illegal_chars", "Subject", "0.00", "2"),
    R("illegal.eml", 0, SA, "check_illegal_chars", "From", "0.20", "2"),
    R("illegal.eml", 1, SA, "check_illegal_chars", "ALL", "0.010", "2"),
    R("plain.eml", 0, SA, "check_illegal_chars", "ALL", "0.010", "2"),
    /* alt.eml: multipart/alternative with different words */
    R("alt.eml", 1, SA, "check_for_mime", "mime_qp_long_line"),
    R("alt.eml", 1, SA, "check_for_mime", "mime_qp_count"),
    R("alt.eml", 1, SA, "check_ma_non_text", NULL),
    R("alt.eml", 1, SA, "multipart_alternative_difference", "99", "100"),
    R("alt.eml", 0, SA, "check_mime_multipart_ratio", "0.00", "0.01"),
    R("alt.eml", 1, SA, "check_for_mime_html", NULL),
    R("alt.eml", 0, SA, "check_for_mime_html_only", NULL),
    R("alt.eml", 1, SA, "html_test", "html"),
    R("alt.eml", 0, MA, "ma_html_only", NULL),
    /* b64text.eml */
    R("b64text.eml", 1, SA, "check_for_mime", "mime_base64_encoded_text"),
    R("b64text.eml", 1, SA, "check_for_mime", "mime_base64_count"),
    R("b64text.eml", 1, SA, "check_base64_length", "79"),
    R("b64text.eml", 0, SA, "check_base64_length", "78", "79"),
    R("b64text.eml", 1, SA, "check_abundant_unicode_ratio", "0.02"),
    R("b64text.eml", 0, SA, "check_for_ascii_text_illegal", NULL),
    R("plain.eml", 0, SA, "check_abundant_unicode_ratio", "0.02"),
    R("b64text.eml", 1, MA, "ma_charset_unneeded", NULL),
    /* broken.eml: what the MIME parser complains about */
    R("broken.eml", 1, SA, "check_msg_parse_flags", "missing_head_body_separator"),
    R("broken.eml", 1, SA, "check_msg_parse_flags", "missing_mime_headers"),
    R("broken.eml", 1, SA, "check_msg_parse_flags", "missing_mime_head_body_separator"),
    R("broken.eml", 1, SA, "check_msg_parse_flags", "mime_epilogue_exists"),
    R("broken.eml", 0, SA, "check_msg_parse_flags", "truncated_header"),
    R("plain.eml", 0, SA, "check_msg_parse_flags", "missing_head_body_separator"),
    R("alt.eml", 0, SA, "check_msg_parse_flags", "mime_epilogue_exists"),
    /* html.eml: an HTML-only newsletter with every trick */
    R("html.eml", 1, SA, "html_test", "font_face_bad"),
    R("html.eml", 1, SA, "html_test", "font_low_contrast"),
    R("html.eml", 1, SA, "html_test", "form_action_mailto"),
    R("html.eml", 0, SA, "html_test", "embeds"),
    R("html.eml", 1, SA, "html_tag_exists", "script"),
    R("html.eml", 1, SA, "html_tag_exists", "head"),
    R("html.eml", 0, SA, "html_tag_exists", "meta"),
    R("html.eml", 0, SA, "html_tag_balance", "body", "!= 0"),
    R("html.eml", 1, SA, "html_text_match", "title", ".{120}"),
    R("html.eml", 1, SA, "html_text_match", "comment", "<!-- saved from url=\\(\\d{4}\\)"),
    R("html.eml", 0, SA, "html_text_match", "anchor", "<img>"),
    R("html.eml", 1, SA, "html_title_subject_ratio", "3.5"),
    R("html.eml", 1, SA, "check_iframe_src", NULL),
    R("html.eml", 1, SA, "check_https_http_mismatch", "1", "10"),
    R("html.eml", 1, SA, "check_https_ip_mismatch", NULL),
    R("html.eml", 0, SA, "check_uri_truncated", NULL),
    R("html.eml", 1, SA, "check_for_mime_html_only", NULL),
    R("html.eml", 0, SA, "html_range", "max_size", "6", "inf"),
    R("html.eml", 1, SA, "html_range", "obfuscation_ratio", ".0", "1.0"),
    R("html.eml", 0, SA, "html_eval", "length", "< 384"),
    R("html.eml", 1, SA, "short_url", NULL),
    R("html.eml", 1, LISTS, "check_uri_host_listed", "SUSP_NTLD"),
    R("plain.eml", 0, LISTS, "check_uri_host_listed", "SUSP_NTLD"),
    R("html.eml", 1, MA, "ma_html_only", NULL),
    R("html.eml", 0, MA, "ma_image_only", NULL),
    R("html.eml", 1, MA, "ma_remote_images", NULL),
    R("html.eml", 0, MA, "ma_remote_images", "3"),
    R("html.eml", 1, MA, "ma_tracking_pixel", NULL),
    R("html.eml", 1, MA, "ma_link_text_mismatch", NULL),
    R("html.eml", 1, MA, "ma_url_shortener", NULL),
    R("html.eml", 1, MA, "ma_ip_url", NULL),
    R("html.eml", 1, MA, "ma_html_form", NULL),
    R("html.eml", 1, MA, "ma_html_script", NULL),
    R("html.eml", 1, MA, "ma_html_hidden_text", NULL),
    R("html.eml", 0, MA, "ma_html_hidden_text", "500"),
    R("html.eml", 1, MA, "ma_bulk", NULL),
    R("html.eml", 1, MA, "ma_missing_one_click", NULL),
    R("html.eml", 1, MA, "ma_no_unsubscribe_in_body", NULL),
    R("plain.eml", 0, MA, "ma_link_text_mismatch", NULL),
    R("plain.eml", 0, MA, "ma_url_shortener", NULL),
    /* images.eml */
    R("images.eml", 1, SA, "html_image_ratio", "0.000", "0.002"),
    R("images.eml", 1, SA, "html_image_only", "0000", "0400"),
    R("images.eml", 0, SA, "html_image_only", "0400", "0800"),
    R("images.eml", 0, SA, "html_tag_balance", "body", "!= 0"),
    R("images.eml", 1, MA, "ma_image_only", NULL),
    R("images.eml", 1, MA, "ma_image_heavy", NULL),
    R("images.eml", 0, MA, "ma_tracking_pixel", NULL),
    /* attachments */
    R("attach.eml", 1, MA, "ma_attach_dangerous_ext", NULL),
    R("attach.eml", 1, MA, "ma_attach_double_ext", NULL),
    R("attach.eml", 1, MA, "ma_attach_type_mismatch", NULL),
    R("attach.eml", 1, MA, "ma_attach_exe_in_archive", NULL),
    R("attach.eml", 1, MA, "ma_attach_encrypted_archive", NULL),
    R("attach.eml", 1, MA, "ma_attach_nested_archive", NULL),
    R("attach.eml", 0, MA, "ma_attach_filename_tricks", NULL),
    R("attach.eml", 1, SA, "check_for_mime", "mime_attachment"),
    R("attach.eml", 1, SA, "check_for_mime", "mime_base64_count"),
    R("attach.eml", 0, SA, "check_for_mime_html", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_dangerous_ext", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_double_ext", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_type_mismatch", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_exe_in_archive", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_encrypted_archive", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_nested_archive", NULL),
    R("attach-clean.eml", 0, MA, "ma_attach_filename_tricks", NULL),
    R("trick.eml", 1, MA, "ma_attach_filename_tricks", NULL),
    R("trick.eml", 1, MA, "ma_attach_dangerous_ext", NULL),
    R("trick.eml", 0, MA, "ma_attach_double_ext", NULL),
    /* imageinfo.eml: two PNG, a GIF and a JPEG attached */
    R("imageinfo.eml", 0, SA, "image_count", "png", "1", "1"),
    R("imageinfo.eml", 1, SA, "image_count", "png", "2"),
    R("imageinfo.eml", 1, SA, "image_count", "gif", "1", "1"),
    R("imageinfo.eml", 1, SA, "image_count", "jpeg", "1", "1"),
    R("imageinfo.eml", 0, SA, "image_count", "all", "1", "1"),
    R("imageinfo.eml", 0, SA, "pixel_coverage", "all", "62500", "300000"),
    R("imageinfo.eml", 1, SA, "pixel_coverage", "png", "30000", "40000"),
    R("imageinfo.eml", 1, SA, "image_size_exact", "png", "150", "200"),
    R("imageinfo.eml", 0, SA, "image_size_exact", "png", "200", "150"),
    R("imageinfo.eml", 1, SA, "image_size_range", "jpeg", "40", "30"),
    R("imageinfo.eml", 0, SA, "image_size_range", "jpeg", "41", "30"),
    R("imageinfo.eml", 1, SA, "image_named", "b.gif"),
    R("imageinfo.eml", 1, SA, "image_to_text_ratio", "all", "0.000", "0.008"),
    R("plain.eml", 0, SA, "image_count", "all", "1", "1"),
};

static void test_rows(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        const struct row *r = &rows[i];
        struct fx x;
        fx_load(&x, r->file);
        const char *const *args = r->args[0] ? r->args : NULL;
        bool got = run(&x, r->fn, args);
        /* a second call must give the same answer (per-message caches) */
        bool again = run(&x, r->fn, args);
        if (got != (r->want != 0) || again != got) {
            print_error("row %zu: %s %s(%s%s%s) = %d, want %d\n", i, r->file, r->fn,
                        r->args[0] ? r->args[0] : "", r->args[0] && r->args[1] ? ", " : "",
                        r->args[0] && r->args[1] ? r->args[1] : "", got, r->want);
            bad++;
        }
        fx_free(&x);
    }
    assert_int_equal(bad, 0);
}

/* ---- the table itself ---- */

static void test_table(void **state)
{
    (void)state;
    size_t n;
    const struct eval_def *t = eval_table(&n);
    assert_true(n > 200);
    size_t net = 0;
    for (size_t i = 0; i < n; i++) {
        assert_non_null(t[i].name);
        assert_non_null(t[i].describe);
        assert_true(strlen(t[i].describe) > 10);
        assert_null(strchr(t[i].describe, '\n'));
        if (t[i].cls == EV_NET) {
            assert_null(t[i].fn);
            net++;
        } else {
            assert_non_null(t[i].fn);
        }
        assert_true(t[i].min_args >= 0);
        assert_true(t[i].max_args < 0 || t[i].max_args >= t[i].min_args);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t[k].name, t[i].name) == 0) fail_msg("duplicate %s", t[i].name);
        assert_ptr_equal(eval_lookup(t[i].name), &t[i]);
    }
    assert_true(net >= 30);
    assert_null(eval_lookup("no_such_eval"));
    assert_null(eval_lookup(NULL));
    assert_int_equal(eval_lookup("check_rbl")->cls, EV_NET);
    assert_int_equal(eval_lookup("check_bayes")->cls, EV_NET);
    assert_int_equal(eval_lookup("html_range")->cls, EV_LOCAL);
}

/* ---- authentication: a verify_result built by hand ---- */

static struct dkim_result sig(const char *d, enum auth_result r, enum dkim_reason why, int bits)
{
    struct dkim_result s;
    memset(&s, 0, sizeof s);
    s.domain = d;
    s.selector = "s1";
    s.result = r;
    s.reason = why;
    s.key_bits = bits;
    s.crypto_ok = r == AUTH_PASS || why == DKIM_R_KEY_TOO_SHORT || why == DKIM_R_RSA_SHA1 ||
                  why == DKIM_R_EXPIRED;
    return s;
}

static bool run1(struct fx *x, const char *fn, const char *arg)
{
    const char *args[2] = {arg, NULL};
    return run(x, fn, arg ? args : NULL);
}

static void test_auth(void **state)
{
    (void)state;
    struct fx x;
    fx_load(&x, "alt.eml"); /* From letter@news.example.com */
    /* no verdicts: nothing is true */
    assert_false(run1(&x, "check_dkim_signed", NULL));
    assert_false(run1(&x, "ma_dkim", "none"));
    assert_false(run1(&x, "check_for_spf_pass", NULL));
    assert_false(run1(&x, "check_dmarc_missing", NULL));

    struct verify_result v;
    memset(&v, 0, sizeof v);
    v.ran = VERIFY_ALL;
    struct dkim_result sigs[3] = {
        sig("esp.example", AUTH_PASS, DKIM_R_OK, 2048),
        sig("news.example.com", AUTH_POLICY, DKIM_R_KEY_TOO_SHORT, 512),
        sig("other.example", AUTH_FAIL, DKIM_R_BODY_HASH, 2048),
    };
    v.dkim = sigs;
    v.n_dkim = 3;
    v.spf_mailfrom =
        (struct spf_summary){.ran = true, .result = AUTH_SOFTFAIL, .domain = "bounce.esp.example"};
    v.spf_helo =
        (struct spf_summary){.ran = true, .result = AUTH_PASS, .domain = "out.esp.example"};
    v.env.mail_from = "b-123@bounce.esp.example";
    v.dmarc.result = AUTH_FAIL;
    v.dmarc.from_domain = "news.example.com";
    v.dmarc.record = "v=DMARC1; p=quarantine";
    v.dmarc.disposition = "quarantine";
    v.arc.result = AUTH_NONE;
    x.ctx.auth = &v;
    x.ctx.priv = NULL;

    /* DKIM plugin */
    assert_true(run1(&x, "check_dkim_signed", NULL));
    assert_true(run1(&x, "check_dkim_signed", "other.example")); /* signed, not valid */
    assert_true(run1(&x, "check_dkim_valid", NULL));
    assert_true(run1(&x, "check_dkim_valid", "esp.example"));
    assert_true(run1(&x, "check_dkim_valid", ".example")); /* subdomain form */
    assert_false(run1(&x, "check_dkim_valid", "other.example"));
    /* the author signature verifies but its 512-bit key is under 1024 */
    assert_false(run1(&x, "check_dkim_valid", "news.example.com"));
    assert_false(run1(&x, "check_dkim_valid_author_sig", NULL));
    assert_true(run1(&x, "check_dkim_dependable", NULL));
    assert_false(run1(&x, "check_dkim_testing", NULL));
    assert_false(run1(&x, "check_dkim_valid_envelopefrom", NULL)); /* bounce.esp.example */
    /* def_welcomelist_from_dkim *@news.example.com esp.example: a valid
     * esp.example signature makes it */
    assert_true(run1(&x, "check_for_def_dkim_welcomelist_from", NULL));
    assert_false(run1(&x, "check_for_dkim_welcomelist_from", NULL));
    assert_false(run1(&x, "check_arc_signed", NULL));
    /* SPF plugin */
    assert_true(run1(&x, "check_for_spf_softfail", NULL));
    assert_false(run1(&x, "check_for_spf_pass", NULL));
    assert_true(run1(&x, "check_for_spf_helo_pass", NULL));
    assert_false(run1(&x, "check_for_spf_helo_fail", NULL));
    assert_false(run1(&x, "check_spf_skipped_noenvfrom", NULL));
    assert_false(run1(&x, "check_for_def_spf_welcomelist_from", NULL));
    /* DMARC plugin */
    assert_true(run1(&x, "check_dmarc_quarantine", NULL));
    assert_false(run1(&x, "check_dmarc_reject", NULL));
    assert_false(run1(&x, "check_dmarc_pass", NULL));
    assert_false(run1(&x, "check_dmarc_missing", NULL));
    /* mailaudit's */
    assert_true(run1(&x, "ma_dkim", "pass"));
    assert_true(run1(&x, "ma_dkim", "fail"));
    assert_true(run1(&x, "ma_dkim", "policy"));
    assert_false(run1(&x, "ma_dkim", "none"));
    assert_false(run1(&x, "ma_dkim", "temperror"));
    assert_true(run1(&x, "ma_spf", "softfail"));
    assert_false(run1(&x, "ma_spf", "pass"));
    assert_true(run1(&x, "ma_dmarc", "fail"));
    assert_true(run1(&x, "ma_arc", "none"));
    assert_false(run1(&x, "ma_dkim_aligned", NULL)); /* DMARC says not aligned */
    assert_false(run1(&x, "ma_spf_aligned", NULL));

    /* DMARC off: alignment by registrable domain */
    v.ran = VERIFY_DKIM | VERIFY_SPF;
    x.ctx.priv = NULL;
    sigs[1] = sig("news.example.com", AUTH_PASS, DKIM_R_OK, 2048);
    assert_true(run1(&x, "ma_dkim_aligned", NULL));
    assert_true(run1(&x, "check_dkim_valid_author_sig", NULL));
    assert_true(run1(&x, "check_dkim_valid_author_sig", "news.example.com"));
    assert_false(run1(&x, "check_dmarc_quarantine", NULL));
    v.spf_mailfrom.result = AUTH_PASS;
    v.spf_mailfrom.domain = "news.example.com";
    assert_true(run1(&x, "ma_spf_aligned", NULL));
    /* no signature at all */
    v.n_dkim = 0;
    assert_true(run1(&x, "ma_dkim", "none"));
    assert_false(run1(&x, "check_dkim_signed", NULL));
    fx_free(&x);

    /* the default SPF welcomelist: def_welcomelist_auth *@corp.example */
    fx_load(&x, "trusted.eml");
    memset(&v, 0, sizeof v);
    v.ran = VERIFY_SPF;
    v.spf_mailfrom =
        (struct spf_summary){.ran = true, .result = AUTH_PASS, .domain = "corp.example"};
    v.env.mail_from = "Colleague@Corp.example";
    x.ctx.auth = &v;
    assert_true(run1(&x, "check_for_def_spf_welcomelist_from", NULL));
    v.spf_mailfrom.result = AUTH_FAIL;
    assert_false(run1(&x, "check_for_def_spf_welcomelist_from", NULL));
    v.env.mail_from = NULL;
    assert_true(run1(&x, "check_spf_skipped_noenvfrom", NULL));
    fx_free(&x);
}

/* ---- list-driven checks (WLBLEval, VBounce, WelcomeListSubject) ----
 * The semantics of WLBLEval's _check_welcomelist_rcvd: an address listed
 * with a relay domain is welcome when the first untrusted relay's rDNS is
 * (in) that domain, "forged" when it is listed but relayed elsewhere. */
static void test_lists(void **state)
{
    (void)state;
    static char *wl_to[] = {"bob@example.net"};
    static char *wl_rcvd_ok[] = {"*@example.org example.org"};
    static char *wl_rcvd_bad[] = {"*@example.org elsewhere.example"};
    static char *bounce[] = {"relay*.example.net"};
    static char *blk_uri[] = {"bit.ly"};
    static char *blk_subj[] = {"winter*sale"};
    struct rule_list extra[] = {
        {"welcomelist_to", wl_to, 1, 0},
        {"welcomelist_from_rcvd", wl_rcvd_ok, 1, 0},
        {"welcomelist_bounce_relays", bounce, 1, 0},
        {"enlist_uri_host:BLOCK", blk_uri, 1, 0},
        {"blocklist_subject", blk_subj, 1, 0},
    };
    struct ruleset saved = test_rs;
    test_rs.lists = extra;
    test_rs.n_lists = sizeof extra / sizeof extra[0];
    struct fx x;
    fx_load(&x, "plain.eml");
    assert_true(run1(&x, "check_to_in_welcomelist", NULL));
    assert_false(run1(&x, "check_to_in_blocklist", NULL));
    assert_true(run1(&x, "check_from_in_welcomelist", NULL));
    assert_false(run1(&x, "check_forged_in_welcomelist", NULL));
    assert_false(run1(&x, "check_from_in_default_welcomelist", NULL));
    assert_true(run1(&x, "have_any_bounce_relays", NULL));
    assert_false(run1(&x, "check_welcomelist_bounce_relays", NULL));
    assert_false(run1(&x, "check_uri_host_in_blocklist", NULL));
    assert_false(run1(&x, "check_subject_in_blocklist", NULL));
    fx_free(&x);
    /* the same address relayed by another host: forged */
    extra[1].v = wl_rcvd_bad;
    fx_load(&x, "plain.eml");
    assert_false(run1(&x, "check_from_in_welcomelist", NULL));
    assert_true(run1(&x, "check_forged_in_welcomelist", NULL));
    fx_free(&x);
    fx_load(&x, "html.eml");
    assert_true(run1(&x, "check_uri_host_in_blocklist", NULL));
    assert_true(run1(&x, "check_subject_in_blocklist", NULL)); /* "Our winter sale starts today" */
    fx_free(&x);
    /* a bounce quoting a Received header of one of our relays */
    const char *bounce_msg =
        "From: MAILER-DAEMON@example.org\nSubject: Undelivered\n\n"
        "> Received: from relay7.example.net (relay7.example.net [192.0.2.7])\n"
        ">\tby mx.example.org with ESMTP id X\n";
    fx_load_buf(&x, bounce_msg, strlen(bounce_msg));
    assert_true(run1(&x, "check_welcomelist_bounce_relays", NULL));
    fx_free(&x);
    test_rs = saved;
    /* without the lists nothing is listed */
    fx_load(&x, "plain.eml");
    assert_false(run1(&x, "check_to_in_welcomelist", NULL));
    assert_false(run1(&x, "have_any_bounce_relays", NULL));
    assert_false(run1(&x, "check_from_in_welcomelist", NULL));
    fx_free(&x);
}

/* check_uri_host_listed over a list large enough that its look-ups go
 * through the hash index (sl_index, sl_has): the host and each parent
 * domain are keys, a "!" entry at a more specific level wins, and strings
 * that are only a part of an entry (or an entry a part of them) are not
 * listed. Runs first: the index is built for the first SL_SLOTS lists. */
static void test_uri_host_list_index(void **state)
{
    (void)state;
    enum { FILL = 300 };
    static const char *const extra_sets[][3] = {
        {"listed-domain.com", NULL, NULL},                      /* parent of the host */
        {"isted-domain.com", "shop.listed-domain.co", "com.x"}, /* near misses */
        {"listed-domain.com", "!shop.listed-domain.com", NULL}, /* excluded below */
        {"other.net", NULL, NULL},                              /* the second URI's */
        {"www.shop.listed-domain.com", NULL, NULL},             /* the host itself */
    };
    static const bool want[] = {true, false, false, true, true};
    const char *msg = "From: a@example.org\nTo: b@example.org\nSubject: hi\n\n"
                      "See http://www.shop.listed-domain.com/offer and http://a.b.other.net/\n";
    struct ruleset saved = test_rs;
    for (size_t c = 0; c < sizeof want / sizeof want[0]; c++) {
        char **v = calloc(FILL + 3, sizeof *v);
        size_t n = 0;
        for (size_t i = 0; i < FILL; i++) {
            char b[32];
            snprintf(b, sizeof b, "f%zu.case%zu.example", i, c);
            v[n++] = strdup(b);
        }
        for (size_t k = 0; k < 3 && extra_sets[c][k]; k++)
            v[n++] = strdup(extra_sets[c][k]);
        struct rule_list extra[] = {{"enlist_uri_host:IDX", v, n, 0}};
        test_rs.lists = extra;
        test_rs.n_lists = 1;
        struct fx x;
        fx_load_buf(&x, msg, strlen(msg));
        const char *args[] = {"IDX", NULL};
        bool got = run(&x, "check_uri_host_listed", args);
        fx_free(&x);
        test_rs = saved;
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        if (got != want[c]) fail_msg("case %zu: want %d", c, want[c]);
    }
}

/* received_within_months uses the judging time (SpamAssassin: the clock). */
static void test_received_within_months(void **state)
{
    (void)state;
    struct fx x;
    fx_load(&x, "plain.eml"); /* received 1 Jan 2024 */
    x.ctx.now = 1719792000;   /* 1 Jul 2024 00:00 UTC */
    const char *a1[] = {"3", "12", NULL};
    const char *a2[] = {"12", "undef", NULL};
    const char *a3[] = {"undef", "5", NULL};
    assert_true(run(&x, "received_within_months", a1));
    assert_false(run(&x, "received_within_months", a2));
    assert_false(run(&x, "received_within_months", a3));
    fx_free(&x);
}

/* ARC through the DKIM plugin's check_arc_signed/check_arc_valid. */
static void test_arc(void **state)
{
    (void)state;
    struct fx x;
    fx_load(&x, "plain.eml");
    struct verify_result v;
    memset(&v, 0, sizeof v);
    v.ran = VERIFY_ARC;
    struct arc_set sets[2];
    memset(sets, 0, sizeof sets);
    sets[0].i = 1;
    sets[0].ams_code = AUTH_FAIL;
    sets[0].as_code = AUTH_FAIL;
    sets[1].i = 2;
    sets[1].ams_code = AUTH_FAIL;
    sets[1].as_code = AUTH_FAIL;
    v.arc.n_sets = 2;
    v.arc.sets = sets;
    v.arc.result = AUTH_FAIL;
    x.ctx.auth = &v;
    assert_true(run1(&x, "check_arc_signed", NULL));
    assert_false(
        run1(&x, "check_arc_signed", "example.org")); /* SpamAssassin: never with domains */
    assert_false(run1(&x, "check_arc_valid", NULL));
    sets[1].as_code = AUTH_PASS;
    assert_true(run1(&x, "check_arc_valid", NULL));
    assert_true(run1(&x, "ma_arc", "fail"));
    fx_free(&x);
}

/* ---- small messages built inline ---- */

static bool on(const char *msg, const char *fn, const char *arg)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    bool r = run1(&x, fn, arg);
    fx_free(&x);
    return r;
}

static void test_inline(void **state)
{
    (void)state;
    /* Subject prefixes and one-word subjects (HeaderEval subject_is_all_caps) */
    assert_false(on("Subject: RE: HELLO\n\nx\n", "subject_is_all_caps", NULL));
    assert_true(on("Subject: Re: FREE MONEY FOR YOU\n\nx\n", "subject_is_all_caps", NULL));
    assert_false(on("Subject: FREE MONEY FOR YOU\n\nx\n", "ma_subject_all_caps", "20"));
    /* an encoded Subject in a charset likely to look like capitals */
    assert_false(
        on("Subject: =?koi8-r?Q?FREE_MONEY_FOR_YOU?=\n\nx\n", "subject_is_all_caps", NULL));
    /* two '!' together */
    assert_true(on("Subject: Hello!!\n\nx\n", "ma_subject_exclaim", NULL));
    assert_false(on("Subject: Hello! How! Are you\n\nx\n", "ma_subject_exclaim", NULL));
    assert_true(on("Subject: a! b! c!\n\nx\n", "ma_subject_exclaim", NULL));
    /* an encoded Subject that is plain ASCII */
    assert_true(on("Subject: =?UTF-8?B?SGVsbG8gd29ybGQ=?=\n\nx\n", "ma_charset_unneeded", NULL));
    assert_false(on("Subject: =?UTF-8?B?SMOpbGxv?=\n\nx\n", "ma_charset_unneeded", NULL));
    /* one-click needs the exact value */
    assert_true(on("List-Unsubscribe: <https://x.example/u>\nList-Unsubscribe-Post: "
                   "List-Unsubscribe=Yes\n\nx\n",
                   "ma_missing_one_click", NULL));
    assert_false(on("List-Unsubscribe: <mailto:u@x.example>\n\nx\n", "ma_missing_one_click", NULL));
    /* many recipients make bulk mail */
    assert_true(on("To: a@x.example, b@x.example, c@x.example, d@x.example, e@x.example, "
                   "f@x.example, g@x.example, h@x.example, i@x.example, j@x.example\n\nx\n",
                   "ma_bulk", NULL));
    assert_true(on("Precedence: bulk\n\nx\n", "ma_missing_list_unsubscribe", NULL));
    /* German and French unsubscribe words */
    assert_false(on("Content-Type: text/plain; charset=utf-8\n\nHier abmelden.\n",
                    "ma_no_unsubscribe_in_body", NULL));
    assert_false(on("Content-Type: text/plain; charset=utf-8\n\nPour vous d\xc3\xa9sabonner\n",
                    "ma_no_unsubscribe_in_body", NULL));
    /* IP literal hosts, encoded */
    assert_true(on("Content-Type: text/html\n\n<a href=\"http://3232235777/x\">x</a>\n",
                   "ma_ip_url", NULL));
    assert_true(on("Content-Type: text/html\n\n<a href=\"http://0xC0.0xA8.1.1/\">x</a>\n",
                   "ma_ip_url", NULL));
    assert_true(on("Content-Type: text/html\n\n<img src=\"https://[2001:db8::1]/p.gif\">\n",
                   "ma_ip_url", NULL));
    assert_false(
        on("Content-Type: text/html\n\n<a href=\"http://1x.example/\">x</a>\n", "ma_ip_url", NULL));
    /* link text: same registrable domain, file names, two-level suffixes */
    assert_false(
        on("Content-Type: text/html\n\n<a href=\"https://www.shop.co.uk/x\">shop.co.uk</a>\n",
           "ma_link_text_mismatch", NULL));
    assert_true(on("Content-Type: text/html\n\n<a href=\"https://evil.co.uk/x\">shop.co.uk</a>\n",
                   "ma_link_text_mismatch", NULL));
    assert_false(
        on("Content-Type: text/html\n\n<a href=\"https://x.example.org/f\">invoice.pdf</a>\n",
           "ma_link_text_mismatch", NULL));
    /* util_rb_2tld of the rule set: co.zz is a public suffix */
    assert_false(on("Content-Type: text/html\n\n<a href=\"https://www.a.co.zz/\">a.co.zz</a>\n",
                    "ma_link_text_mismatch", NULL));
    assert_true(on("Content-Type: text/html\n\n<a href=\"https://www.b.co.zz/\">a.co.zz</a>\n",
                   "ma_link_text_mismatch", NULL));
    /* From name with the same address is fine */
    assert_false(on("From: \"alice@example.org\" <Alice@Example.org>\n\nx\n",
                    "ma_from_name_other_address", NULL));
    /* Reply-To in a subdomain of the same organisation */
    assert_false(on("From: a@example.org\nReply-To: b@lists.example.org\n\nx\n",
                    "ma_reply_to_other_domain", NULL));
    /* a Date two days before the Received date, and the argument */
    assert_true(on("Received: from x (x [192.0.2.1]) by y; Mon, 3 Jan 2022 10:00:00 +0000\n"
                   "Date: Sat, 1 Jan 2022 09:00:00 +0000\n\nx\n",
                   "ma_date_far", NULL));
    assert_false(on("Received: from x (x [192.0.2.1]) by y; Mon, 3 Jan 2022 10:00:00 +0000\n"
                    "Date: Sat, 1 Jan 2022 09:00:00 +0000\n\nx\n",
                    "ma_date_far", "72"));
}

static bool on2(const char *msg, const char *fn, const char *a0, const char *a1)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const char *args[3] = {a0, a1, NULL};
    bool r = run(&x, fn, args);
    fx_free(&x);
    return r;
}

static void test_inline2(void **state)
{
    (void)state;
    static const char *rcvd =
        "Received: from x (x [192.0.2.1]) by y; Mon, 3 Jan 2022 10:00:00 +0000\n";
    char m[512];
    /* Date 7 days later: in [96, 2920) hours */
    snprintf(m, sizeof m, "%sDate: Mon, 10 Jan 2022 10:00:00 +0000\n\nx\n", rcvd);
    assert_true(on2(m, "check_for_shifted_date", "96", "2920"));
    assert_false(on2(m, "check_for_shifted_date", "48", "96"));
    /* a Date with an obsolete zone name, 3-6 hours earlier (EST is -0500) */
    snprintf(m, sizeof m, "%sDate: Mon, 3 Jan 2022 00:00:00 EST\n\nx\n", rcvd);
    assert_true(on2(m, "check_for_shifted_date", "-6", "-3"));
    /* two-digit years: "22" is 2022 */
    snprintf(m, sizeof m, "%sDate: 3 Jan 22 10:30:00 +0000\n\nx\n", rcvd);
    assert_false(on2(m, "check_for_shifted_date", "undef", "-96"));
    assert_false(on2(m, "check_for_shifted_date", "3", "6"));
    /* header count range: the same value twice counts once */
    {
        struct fx x;
        const char *msg = "Subject: a\nSubject: b\nSubject: a\n\nx\n";
        fx_load_buf(&x, msg, strlen(msg));
        const char *args[4] = {"Subject", "2", "999", NULL};
        assert_true(run(&x, "check_header_count_range", args));
        const char *args3[4] = {"Subject", "3", "999", NULL};
        assert_false(run(&x, "check_header_count_range", args3));
        fx_free(&x);
    }
    /* html_eval/html_tag_balance expressions */
    assert_true(on2("Content-Type: text/html\n\n<html><body><center>x</body></html>\n",
                    "html_tag_balance", "center", "!= 0"));
    assert_false(on2("Content-Type: text/html\n\n<html><body>x</body></html>\n", "html_tag_balance",
                     "body", "!= 0"));
    assert_false(on2("Content-Type: text/html\n\n<html><body>x</body></html>\n", "html_tag_balance",
                     "body", "x 0")); /* not an expression SpamAssassin accepts */
    assert_true(on2("Content-Type: text/html\n\n<p>short</p>\n", "html_eval", "length", "< 384"));
}

/* ---- html_stats (mail/html.c) against SpamAssassin's HTML.pm ----
 * Each expected row is what Mail::SpamAssassin::HTML (4.0.1, with
 * HTML::Parser) reported for the same input: length, non_space_len,
 * image_area, tags, elements, tags_seen, elements_seen, closed_extra,
 * obfuscation, max_size, min_size; then font_face_bad, font_invalid_color,
 * font_low_contrast, form_action_mailto, embeds. */
struct html_case {
    const char *in;
    long long n[11];
    int f[5];
};

static const struct html_case html_cases[] = {
    {"<html><head><title>Hi &amp; there</title></head><body><p>F<b>ree</b> <!-- c --> x<!x> <font "
     "size=7 color=#fff>hidden</font><img src=\"http://a/b.gif\" width=10 height=20><a "
     "href=\"http://x.com/\">l<img src=cid:x></a></body></html>",
     {226, 20, 200, 17, 17, 9, 9, 0, 2, 7, 3},
     {0, 0, 1, 0, 0}},
    {"<body bgcolor=black><font color=white>x</font></body>",
     {53, 1, 0, 4, 4, 2, 2, 0, 0, 3, 3},
     {0, 0, 1, 0, 0}},
    {"<div style=\"background-color: #000; color:#010101\">x</div>",
     {58, 1, 0, 2, 2, 1, 1, 0, 0, 3, 3},
     {0, 0, 1, 0, 0}},
    {"<font color=zzz>x</font>", {24, 1, 0, 2, 2, 1, 1, 0, 0, 3, 3}, {0, 1, 0, 0, 0}},
    {"<font face=\"Arial, Helvetica\">a</font><font face=\"1x\">b</font>",
     {62, 2, 0, 4, 4, 1, 1, 0, 1, 3, 3},
     {1, 0, 0, 0, 0}},
    {"<font size=1>x</font><big><big><big><big>y",
     {42, 2, 0, 6, 6, 2, 2, 0, 1, 3, 1},
     {0, 0, 0, 0, 0}},
    {"<table><tr><td style=\"display:none\">secret text</td></tr></table><br/>after</p></p></td>",
     {88, 15, 0, 10, 10, 5, 5, 3, 0, 3, 3},
     {0, 0, 0, 0, 0}},
    {"<span style=\"color:red; background: url(x.png) white\">w</span>",
     {62, 1, 0, 2, 2, 1, 1, 0, 0, 3, 3},
     {0, 0, 0, 0, 0}},
    {"<p>a<script>x</script>b<style>y</style>c</p><o:p>z</o:p><st1:place>q</st1:place><!DOCTYPE x>",
     {92, 5, 0, 11, 11, 5, 5, 0, 3, 3, 3},
     {0, 0, 0, 0, 0}},
    {"<img width=50% height=10%><img width=0 height=x><iframe src=\" \"></iframe><iframe "
     "src=\"http://i/\"></iframe><form action=\"MAILTO:x@y\"></form><embed src=x>",
     {152, 0, 64000, 9, 8, 4, 3, 0, 0, 3, 3},
     {0, 0, 0, 1, 1}},
    {"<a href=x>one</a><a>two</a>t&copyx&#65&nbsp;z",
     {45, 11, 0, 4, 4, 1, 1, 0, 2, 3, 3},
     {0, 0, 0, 0, 0}},
    {"<font size=+2 face=\"'Tahoma', Verdana\">big</font><basefont size=5><font size=-1>s</font>",
     {88, 4, 0, 5, 5, 2, 2, 0, 1, 5, 3},
     {0, 0, 0, 0, 0}},
};

static void test_html_stats(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof html_cases / sizeof html_cases[0]; i++) {
        const struct html_case *hc = &html_cases[i];
        arena *a = arena_new();
        size_t len = strlen(hc->in);
        char *copy = malloc(len);
        memcpy(copy, hc->in, len);
        struct html_doc d;
        html_render(a, copy, len, &d, NULL);
        const struct html_stats *s = &d.st;
        long long got[11] = {(long long)s->length,
                             (long long)s->non_space_len,
                             (long long)s->image_area,
                             s->tags,
                             s->elements,
                             s->tags_seen,
                             s->elements_seen,
                             s->closed_extra,
                             s->obfuscation,
                             s->max_size,
                             s->min_size};
        int gf[5] = {s->font_face_bad, s->font_invalid_color, s->font_low_contrast,
                     s->form_action_mailto, s->embeds};
        for (int k = 0; k < 11; k++)
            if (got[k] != hc->n[k])
                fail_msg("case %zu value %d: %lld, want %lld", i, k, got[k], hc->n[k]);
        for (int k = 0; k < 5; k++)
            if (gf[k] != hc->f[k]) fail_msg("case %zu flag %d: %d, want %d", i, k, gf[k], hc->f[k]);
        free(copy);
        arena_free(a);
    }
    /* tag balance, anchors, titles, comments of the first case */
    arena *a = arena_new();
    struct html_doc d;
    html_render(a, html_cases[0].in, strlen(html_cases[0].in), &d, NULL);
    assert_int_equal(html_tag_find(&d, "img")->inside, 2);
    assert_int_equal(html_tag_find(&d, "p")->inside, 1);
    assert_null(html_tag_find(&d, "meta"));
    assert_int_equal(d.st.n_comments, 2);
    assert_string_equal(d.st.comments[0], "<!-- c -->");
    assert_string_equal(d.st.comments[1], "<!x>");
    assert_int_equal(d.st.n_titles, 1);
    assert_string_equal(d.st.titles[0], "Hi & there");
    assert_int_equal(d.st.n_anchors, 1);
    assert_string_equal(d.st.anchors[0], "l<img>\n");
    /* the rendering itself is unchanged by the statistics */
    assert_string_equal(d.text, "Free x hiddenl"); /* <img> and <a> are inline */
    assert_int_equal(d.st.hidden_chars, 6);        /* "hidden": white on white */
    arena_free(a);
}

/* ---- evidence and robustness ---- */

static void test_evidence(void **state)
{
    (void)state;
    struct fx x;
    fx_load(&x, "attach.eml");
    assert_true(run1(&x, "ma_attach_type_mismatch", NULL));
    assert_non_null(x.ctx.evidence);
    assert_non_null(strstr(x.ctx.evidence, "report.pdf"));
    assert_non_null(strstr(x.ctx.evidence, "executable"));
    assert_true(run1(&x, "ma_attach_exe_in_archive", NULL));
    assert_string_equal(x.ctx.evidence, "bin/setup.exe in docs.zip");
    fx_free(&x);
    fx_load(&x, "html.eml");
    assert_true(run1(&x, "ma_link_text_mismatch", NULL));
    assert_string_equal(x.ctx.evidence, "href evil.example.net shown as www.paypal.com");
    fx_free(&x);
}

/* Every local eval on every fixture and on hostile inputs must run without
 * crashing (ASan, UBSan), whatever the arguments. */
static void test_every_eval_on_everything(void **state)
{
    (void)state;
    static const char *const files[] = {
        "plain.eml", "shouting.eml", "html.eml",   "images.eml", "attach.eml",    "imageinfo.eml",
        "alt.eml",   "b64text.eml",  "broken.eml", "forged.eml", "noheaders.eml", "illegal.eml"};
    static const char *const hostile[] = {
        "",
        "\n",
        "From:\n\n",
        "Content-Type: multipart/mixed; boundary=\"\"\n\n--\n--\n",
        "Content-Type: text/html\n\n<a href=\"http://[\">https://</a><img width=99999999999 "
        "height=-1 src=x><font size=+99999999999 color=rgb(999%,9,)>x",
        "Received: from [1.2.3.4] by ; \nReceived: (qmail 1 invoked by uid 0)\nDate: 99 Foo 99999 "
        "99:99:99 +9999\n\n"};
    static const char *const argsets[][4] = {{NULL},
                                             {"", NULL},
                                             {"x", "y", NULL},
                                             {"1", "2", "3", NULL},
                                             {"undef", "undef", NULL},
                                             {"(", NULL},
                                             {"all", "0", "inf", NULL}};
    size_t n;
    const struct eval_def *t = eval_table(&n);
    for (size_t f = 0; f < sizeof files / sizeof files[0] + sizeof hostile / sizeof hostile[0];
         f++) {
        struct fx x;
        if (f < sizeof files / sizeof files[0])
            fx_load(&x, files[f]);
        else
            fx_load_buf(&x, hostile[f - sizeof files / sizeof files[0]],
                        strlen(hostile[f - sizeof files / sizeof files[0]]));
        for (size_t i = 0; i < n; i++) {
            if (t[i].cls != EV_LOCAL) continue;
            for (size_t s = 0; s < sizeof argsets / sizeof argsets[0]; s++) {
                int k = 0;
                while (argsets[s][k])
                    k++;
                if (k < t[i].min_args || (t[i].max_args >= 0 && k > t[i].max_args)) continue;
                x.ctx.evidence = NULL;
                (void)t[i].fn(&x.ctx, k ? argsets[s] : NULL, k);
            }
        }
        fx_free(&x);
    }
}

/* multipart_alternative_difference over parts with many distinct words
 * (the word sets grow past their first hash table). The text part holds
 * alpha, beta twice, gamma and w00..w39 once; the HTML part alpha, beta
 * three times, delta and w00..w39: 43 distinct HTML words. A word counts as
 * explained when the text has it at least as often: alpha and w00..w39
 * (41) are, beta (3 > 2) and delta (absent) are not, so 2 of 43 remain:
 * 4.65%. Text 43 words to HTML 43: ratio 1. */
static void test_madiff_many_words(void **state)
{
    (void)state;
    char many[40 * 4 + 1];
    for (int i = 0; i < 40; i++) {
        many[4 * i] = 'w';
        many[4 * i + 1] = (char)('0' + i / 10);
        many[4 * i + 2] = (char)('0' + i % 10);
        many[4 * i + 3] = ' ';
    }
    many[160] = 0;
    char msg[2048];
    int len = snprintf(msg, sizeof msg,
                       "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n"
                       "MIME-Version: 1.0\r\n"
                       "Content-Type: multipart/alternative; boundary=\"BB\"\r\n\r\n"
                       "--BB\r\nContent-Type: text/plain\r\n\r\n"
                       "alpha beta beta gamma %s\r\n"
                       "--BB\r\nContent-Type: text/html\r\n\r\n"
                       "<html><body><p>alpha beta beta beta delta %s</p></body></html>\r\n"
                       "--BB--\r\n",
                       many, many);
    assert_true(len > 0 && (size_t)len < sizeof msg);
    struct fx x;
    fx_load_buf(&x, msg, (size_t)len);
    assert_true(run(&x, "multipart_alternative_difference", (const char *const[]){"4", "5", NULL}));
    assert_false(
        run(&x, "multipart_alternative_difference", (const char *const[]){"5", "100", NULL}));
    assert_true(
        run(&x, "multipart_alternative_difference_count", (const char *const[]){"0.9", "2", NULL}));
    assert_false(
        run(&x, "multipart_alternative_difference_count", (const char *const[]){"1", "2", NULL}));
    fx_free(&x);
}

/* check_for_mime picks its key by the byte after "mime_": each key in each
 * group still reaches its own fact, and near-misses (a prefix, an extra
 * byte, another case, no "mime_") are no key. alt.eml: quoted-printable
 * text and HTML parts in multipart/alternative, closed, no base64;
 * plain.eml: one 7bit text/plain part. */
static void test_check_for_mime_keys(void **state)
{
    (void)state;
    static const struct {
        const char *file, *key;
        bool want;
    } T[] = {
        {"alt.eml", "mime_checked_attachments", true},
        {"alt.eml", "mime_body_html_count", true},
        {"alt.eml", "mime_body_text_count", true},
        {"alt.eml", "mime_base64_count", false},
        {"alt.eml", "mime_base64_encoded_text", false},
        {"alt.eml", "mime_multipart_alternative", true},
        {"alt.eml", "mime_missing_boundary", false},
        {"alt.eml", "mime_qp_count", true},
        {"alt.eml", "mime_qp_long_line", true},
        {"alt.eml", "mime_qp_bytes", true},
        {"alt.eml", "mime_faraway_charset", false},
        {"alt.eml", "mime_qp_countx", false},
        {"alt.eml", "mime_qp_coun", false},
        {"alt.eml", "mime_QP_count", false},
        {"alt.eml", "xmime_qp_count", false},
        {"alt.eml", "mime_", false},
        {"alt.eml", "", false},
        {"alt.eml", "mime_checked_attachment", false},
        {"plain.eml", "mime_checked_attachments", true},
        {"plain.eml", "mime_body_text_count", true},
        {"plain.eml", "mime_body_html_count", false},
        {"plain.eml", "mime_multipart_alternative", false},
        {"plain.eml", "mime_qp_count", false},
        {"plain.eml", "mime_qp_bytes", false},
        {"plain.eml", "mime_ascii_text_illegal", false},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        struct fx x;
        fx_load(&x, T[i].file);
        bool got = run(&x, "check_for_mime", (const char *const[]){T[i].key, NULL});
        if (got != T[i].want) fail_msg("%s %s: %d", T[i].file, T[i].key, got);
        fx_free(&x);
    }
}

/* A word holding a NUL byte is the word up to it ("foo\0bar" is "foo"),
 * found from the other part by that: the text part's words are foo (from
 * foo<NUL>bar) and baz, the HTML part's foo and qux; foo is explained, qux
 * is not: 1 of 2 HTML words remain, 50%. */
static void test_madiff_nul_word(void **state)
{
    (void)state;
    static const char msg[] = "From: a@example.com\r\nTo: b@example.net\r\nSubject: s\r\n"
                              "MIME-Version: 1.0\r\n"
                              "Content-Type: multipart/alternative; boundary=\"BB\"\r\n\r\n"
                              "--BB\r\nContent-Type: text/plain\r\n\r\n"
                              "foo\0bar baz\r\n"
                              "--BB\r\nContent-Type: text/html\r\n\r\n"
                              "<html><body><p>foo qux</p></body></html>\r\n"
                              "--BB--\r\n";
    struct fx x;
    fx_load_buf(&x, msg, sizeof msg - 1);
    assert_true(
        run(&x, "multipart_alternative_difference", (const char *const[]){"49", "50", NULL}));
    assert_false(
        run(&x, "multipart_alternative_difference", (const char *const[]){"50", "100", NULL}));
    fx_free(&x);
}

/* Many distinct words: the word tables start sized for the text and still
 * grow past their first size (16,384 slots at most) */
static void test_madiff_large(void **state)
{
    (void)state;
    size_t cap = 400000, len = 0;
    char *msg = malloc(cap);
    len += (size_t)snprintf(msg + len, cap - len,
                            "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
                            "Content-Type: multipart/alternative; boundary=\"BB\"\r\n\r\n"
                            "--BB\r\nContent-Type: text/plain\r\n\r\n");
    for (int i = 0; i < 10000; i++)
        len += (size_t)snprintf(msg + len, cap - len, "w%d%s", i, i % 10 == 9 ? "\r\n" : " ");
    len += (size_t)snprintf(msg + len, cap - len,
                            "\r\n--BB\r\nContent-Type: text/html\r\n\r\n<html><body><p>");
    for (int i = 0; i < 15000; i++) /* w0..w9999 as in the text, then 5,000 more */
        len += (size_t)snprintf(msg + len, cap - len, "w%d%s", i, i % 10 == 9 ? "\r\n" : " ");
    len += (size_t)snprintf(msg + len, cap - len, "</p></body></html>\r\n--BB--\r\n");
    assert_true(len < cap - 1);
    struct fx x;
    fx_load_buf(&x, msg, len);
    /* 5,000 of the 15,000 HTML words are not in the text: 33.3% */
    assert_true(
        run(&x, "multipart_alternative_difference", (const char *const[]){"33", "34", NULL}));
    assert_false(
        run(&x, "multipart_alternative_difference", (const char *const[]){"34", "100", NULL}));
    assert_false(
        run(&x, "multipart_alternative_difference", (const char *const[]){"0", "33", NULL}));
    fx_free(&x);
    free(msg);
}

/* check_msg_parse_flags reads the top header block only: a body line that
 * starts with "--" after the empty line is no missing separator; with no
 * empty line at all, the separator is missing. */
static void test_parse_flags_header_block(void **state)
{
    (void)state;
    static const char ok[] = "From: a@example.com\nSubject: s\n\n--not a boundary\nx\n";
    static const char crlf[] = "From: a@example.com\r\nSubject: s\r\n\r\n--x\r\n";
    static const char none[] = "From: a@example.com\nSubject: s\n";
    static const char dash[] = "From: a@example.com\n--x\n\nbody\n";
    const char *const arg[] = {"missing_head_body_separator", NULL};
    struct fx x;
    fx_load_buf(&x, ok, sizeof ok - 1);
    assert_false(run(&x, "check_msg_parse_flags", arg));
    fx_free(&x);
    fx_load_buf(&x, crlf, sizeof crlf - 1);
    assert_false(run(&x, "check_msg_parse_flags", arg));
    fx_free(&x);
    fx_load_buf(&x, none, sizeof none - 1);
    assert_true(run(&x, "check_msg_parse_flags", arg));
    fx_free(&x);
    fx_load_buf(&x, dash, sizeof dash - 1);
    assert_true(run(&x, "check_msg_parse_flags", arg));
    fx_free(&x);
}

/* ---- ev_glob and its tail test ---- */

/* An independent glob matcher (recursive, by definition): '*' any run of
 * bytes, '?' one byte, ASCII letters without case. */
static bool ref_glob(const char *p, const char *s)
{
    if (!*p) return !*s;
    if (*p == '*') return ref_glob(p + 1, s) || (*s && ref_glob(p, s + 1));
    if (!*s) return false;
    unsigned char a = (unsigned char)*p, b = (unsigned char)*s;
    if (a >= 'A' && a <= 'Z') a = (unsigned char)(a + 32);
    if (b >= 'A' && b <= 'Z') b = (unsigned char)(b + 32);
    return (*p == '?' || a == b) && ref_glob(p + 1, s + 1);
}

static bool glob_on(const char *p, const char *s)
{
    size_t pl = strlen(p) + 1, sl = strlen(s) + 1; /* exact-size copies */
    char *pc = malloc(pl), *sc = malloc(sl);
    memcpy(pc, p, pl);
    memcpy(sc, s, sl);
    bool r = ev_glob(pc, sc);
    free(pc);
    free(sc);
    return r;
}

static void test_glob(void **state)
{
    (void)state;
    assert_true(glob_on("*@paypal.com", "john@PayPal.com"));
    assert_false(glob_on("*@paypal.com", "john@paypal.co"));
    assert_false(glob_on("*@paypal.com", "john@paypal.com.x"));
    assert_true(glob_on("*@*.paypal.com", "a@b.paypal.com"));
    assert_false(glob_on("*@*.paypal.com", "a@paypal.com")); /* the tail ".paypal.com" */
    assert_true(glob_on("a?c", "abc"));
    assert_false(glob_on("a?c", "abcd"));
    assert_false(glob_on("a?c", "ac"));
    assert_true(glob_on("*", ""));
    assert_true(glob_on("", ""));
    assert_false(glob_on("x", ""));
    assert_false(glob_on("", "x"));
    assert_true(glob_on("*abc*", "xxABCyy"));
    assert_true(glob_on("*a*b", "ab"));
    assert_false(glob_on("*a*b", "ba"));
    assert_true(glob_on("foo", "FOO"));
    assert_false(glob_on("foo", "fo"));
    assert_true(glob_on("*?", "z"));
    assert_false(glob_on("*??", "z"));
    /* randomized: ev_glob (with its tail test) against the definition */
    uint32_t seed = 12345;
    static const char pa[] = "abA*?", sa[] = "abAB";
    for (int it = 0; it < 200000; it++) {
        char p[8], t[10];
        seed = seed * 1103515245u + 12345u;
        size_t pn = (seed >> 16) % 7, tn = (seed >> 8) % 9;
        for (size_t i = 0; i < pn; i++) {
            seed = seed * 1103515245u + 12345u;
            p[i] = pa[(seed >> 16) % 5];
        }
        for (size_t i = 0; i < tn; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = sa[(seed >> 16) % 4];
        }
        p[pn] = 0;
        t[tn] = 0;
        if (ev_glob(p, t) != ref_glob(p, t)) fail_msg("glob %s on %s", p, t);
    }
    /* ev_glob_any_lens turns most entries down at their last byte before
     * glob_len: lists of three random patterns against the definition,
     * with the lengths given and worked out */
    for (int it = 0; it < 100000; it++) {
        char p[3][8], t[10];
        const char *pv[3];
        size_t pls[3];
        for (int j = 0; j < 3; j++) {
            seed = seed * 1103515245u + 12345u;
            size_t pn = (seed >> 16) % 6;
            for (size_t i = 0; i < pn; i++) {
                seed = seed * 1103515245u + 12345u;
                p[j][i] = pa[(seed >> 16) % 5];
            }
            p[j][pn] = 0;
            pv[j] = p[j];
            pls[j] = pn;
        }
        seed = seed * 1103515245u + 12345u;
        size_t tn = (seed >> 8) % 7;
        for (size_t i = 0; i < tn; i++) {
            seed = seed * 1103515245u + 12345u;
            t[i] = sa[(seed >> 16) % 4];
        }
        t[tn] = 0;
        bool want = ref_glob(p[0], t) || ref_glob(p[1], t) || ref_glob(p[2], t);
        if (ev_glob_any_lens(pv, pls, 3, t) != want || ev_glob_any_lens(pv, NULL, 3, t) != want)
            fail_msg("glob list %s %s %s on %s", p[0], p[1], p[2], t);
    }
}

/* check_for_to_in_subject: the subject is searched for the To address (or
 * its local part) before a pattern is built; results worked out by hand
 * from the patterns of HeaderEval (see sa_check_for_to_in_subject). */
static void test_to_in_subject(void **state)
{
    (void)state;
    const char *to = "To: john.smith@example.com\n";
    char m[256];
#define TIS(subj, arg, want)                                                                       \
    do {                                                                                           \
        snprintf(m, sizeof m, "%sSubject: %s\n\nx\n", to, subj);                                   \
        if (on(m, "check_for_to_in_subject", arg) != (want))                                       \
            fail_msg("%s / %s: want %d", subj, arg, want);                                         \
    } while (0)
    /* address: \bADDR\b without case */
    TIS("hello JOHN.SMITH@EXAMPLE.COM now", "address", true);
    TIS("re: john.smith@example.comx", "address", false); /* no \b after it */
    TIS("nothing here", "address", false);
    TIS("john.smith@example", "address", false);
    /* user: re:/fw: + at most one word + USER at the end; USER (with case)
     * then punctuation at the start; USER alone; ", USER!" at the end */
    TIS("Re: hello john.smith", "user", true);
    TIS("Fw: JOHN.SMITH", "user", true);
    TIS("John.Smith, your invoice", "user", false); /* case kept there */
    TIS("john.smith, your invoice", "user", true);
    TIS("Invoice for JOHN.SMITH", "user", false);
    TIS("JOHN.SMITH", "user", true);
    TIS("Hi, John.Smith!", "user", false); /* every branch is anchored at ^ */
    TIS(", John.Smith!", "user", true);
    TIS("weekly news", "user", false);
#undef TIS
}

/* is_freemail's answers are kept per message by address: another address
 * in the same message must get its own answer, also past the addresses
 * kept (8). Freemail per the test rule set: gmail.com, hotmail.com,
 * yahoo.com, *.freemail.example; corp.example and x.example are not. */
static void test_freemail_memo(void **state)
{
    (void)state;
    const char *msg = "From: bob@gmail.com\nReply-To: agent@corp.example\n"
                      "To: a1@x.example, a2@x.example, a3@x.example, a4@x.example, "
                      "a5@x.example, a6@x.example, a7@x.example, a8@x.example, "
                      "a9@x.example, z@yahoo.com\nCc: a1@x.example\nSubject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    assert_true(run1(&x, "check_freemail_header", "From"));
    assert_false(run1(&x, "check_freemail_header", "Reply-To"));
    assert_true(run1(&x, "check_freemail_from", NULL));
    assert_false(run1(&x, "check_freemail_header", "Reply-To"));
    assert_true(run1(&x, "check_freemail_header", "To")); /* the tenth address */
    assert_false(run1(&x, "check_freemail_header", "Cc"));
    assert_true(run1(&x, "check_freemail_header", "From"));
    fx_free(&x);
}

/* ---- ev_sa_parse_date against the regex version it replaced ---- */

/* The PCRE version of parse_rfc822_date that ev_sa_parse_date replaced,
 * kept here as the reference: both must agree on every string. */
static const struct {
    const char *name;
    int off; /* minutes east */
} ref_tz[] = {
    {"UT", 0},      {"UTC", 0},    {"NDT", -150}, {"AST", -240},  {"ADT", -180},  {"NST", -210},
    {"EST", -300},  {"EDT", -240}, {"CST", -360}, {"CDT", -300},  {"MST", -420},  {"MDT", -360},
    {"PST", -480},  {"PDT", -420}, {"HST", -600}, {"AKST", -540}, {"AKDT", -480}, {"HADT", -540},
    {"HAST", -600}, {"GMT", 0},    {"BST", 60},   {"IST", 60},    {"WET", 0},     {"WEST", 60},
    {"CET", 60},    {"CEST", 120}, {"EET", 120},  {"EEST", 180},  {"MSK", 180},   {"MSD", 240},
    {"MET", 60},    {"MEZ", 60},   {"MEST", 120}, {"MESZ", 120},  {"BRST", -120}, {"BRT", -180},
    {"AEST", 600},  {"AEDT", 660}, {"ACST", 570}, {"ACDT", 630},  {"AWST", 480},  {"NZST", 720},
    {"NZDT", 780},  {"JST", 540},  {"KST", 540},  {"HKT", 480},   {"SGT", 480},   {"PHT", 480},
    {"IDT", 180},
};

static int64_t ref_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Remove [s, e) from str (replacing it by one space), in place. */
static void ref_cut(char *str, size_t s, size_t e)
{
    str[s] = ' ';
    memmove(str + s + 1, str + e, strlen(str + e) + 1);
}

static bool ref_parse_date(struct eval_ctx *c, const char *date, int64_t *out)
{
#define SA_MON "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    /* " $date ", ", *" -> " ", whitespace runs -> " " */
    size_t dl = strlen(date);
    char *s = arena_alloc(ev_arena(c), dl + 3);
    size_t k = 0;
    s[k++] = ' ';
    for (size_t i = 0; i < dl; i++) {
        char ch = date[i];
        if (ch == ',') {
            while (i + 1 < dl && date[i + 1] == ' ')
                i++;
            ch = ' ';
        }
        if (ch_is_space((unsigned char)ch)) ch = ' ';
        if (ch == ' ' && k && s[k - 1] == ' ') continue;
        s[k++] = ch;
    }
    if (s[k - 1] != ' ') s[k++] = ' ';
    s[k] = 0;
    size_t ov[10];
    long dd = 0, yyyy = 0;
    int mm = 0;
    char ms[4] = "";
    static const char *const p1 = " (\\d+) " SA_MON " (\\d{4}) ";
    static const char *const p2 = " " SA_MON " +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ";
    static const char *const p3 = " (\\d+) " SA_MON " (\\d{2,3}) ";
#undef SA_MON
    size_t ylen = 0;
    if (ev_re_match(c, ev_re(p1, EV_RE_I), s, strlen(s), 0, ov, 4)) {
        dd = strtol(s + ov[2], NULL, 10);
        memcpy(ms, s + ov[4], 3);
        yyyy = strtol(s + ov[6], NULL, 10);
        ylen = ov[7] - ov[6];
        ref_cut(s, ov[0], ov[1]);
    } else if (ev_re_match(c, ev_re(p2, EV_RE_I), s, strlen(s), 0, ov, 4)) {
        memcpy(ms, s + ov[2], 3);
        dd = strtol(s + ov[4], NULL, 10);
        yyyy = strtol(s + ov[6], NULL, 10);
        ylen = ov[7] - ov[6];
        ref_cut(s, ov[0], ov[1]);
    } else if (ev_re_match(c, ev_re(p3, EV_RE_I), s, strlen(s), 0, ov, 4)) {
        dd = strtol(s + ov[2], NULL, 10);
        memcpy(ms, s + ov[4], 3);
        yyyy = strtol(s + ov[6], NULL, 10);
        ylen = ov[7] - ov[6];
        ref_cut(s, ov[0], ov[1]);
    } else {
        return false;
    }
    ms[3] = 0;
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    for (int i = 0; i < 12; i++)
        if (strcasecmp(ms, months[i]) == 0) mm = i + 1;
    if (ylen == 2 && yyyy < 50)
        yyyy += 2000;
    else if (ylen != 4)
        yyyy += 1900;
    long hh = 0, mi = 0, ss = 0;
    if (ev_re_match(c, ev_re(" (\\d?\\d):(\\d\\d)(:(\\d\\d))? ", 0), s, strlen(s), 0, ov, 5)) {
        hh = strtol(s + ov[2], NULL, 10);
        mi = strtol(s + ov[4], NULL, 10);
        ss = ov[8] != (size_t)-1 ? strtol(s + ov[8], NULL, 10) : 0;
        ref_cut(s, ov[0], ov[1]);
    }
    int tz = 0; /* minutes east; '-0000' when unknown */
    if (ev_re_match(c, ev_re(" ([-+]\\d{4}) ", 0), s, strlen(s), 0, ov, 2)) {
        const char *z = s + ov[2];
        int v = (z[1] - '0') * 600 + (z[2] - '0') * 60 + (z[3] - '0') * 10 + (z[4] - '0');
        tz = z[0] == '-' ? -v : v;
        ref_cut(s, ov[0], ov[1]);
    } else if (ev_re_match(c, ev_re("\\b([A-Z]{2,4}(?:-DST)?)\\b", 0), s, strlen(s), 0, ov, 2)) {
        char z[16];
        snprintf(z, sizeof z, "%.*s", (int)(ov[3] - ov[2]), s + ov[2]);
        for (size_t i = 0; i < sizeof ref_tz / sizeof ref_tz[0]; i++)
            if (strcmp(z, ref_tz[i].name) == 0) tz = ref_tz[i].off;
    }
    if (ss > 59) ss = 59;
    if (mi > 59) mi = 59;
    if (hh > 23) hh = 23;
    int max_dd = 31;
    if (mm == 4 || mm == 6 || mm == 9 || mm == 11)
        max_dd = 30;
    else if (mm == 2)
        max_dd = (!(yyyy % 4) && ((yyyy % 100) || !(yyyy % 400))) ? 29 : 28;
    if (dd > max_dd) {
        dd = 1;
        if (++mm > 12) {
            mm = 1;
            yyyy++;
        }
    }
    if (yyyy > 2037)
        yyyy = 2037;
    else if (yyyy < 1970)
        yyyy = 1970;
    if (dd < 1 || mm < 1) return false; /* timegm croaks */
    int64_t t = ref_days_from_civil(yyyy, mm, (int)dd) * 86400 + hh * 3600 + mi * 60 + ss;
    int64_t off = (int64_t)(tz < 0 ? -tz : tz) * 60;
    if (tz < 0)
        t += off;
    else if (t < off)
        t = 0;
    else
        t -= off;
    *out = t;
    return true;
}

static void check_date(struct fx *x, const char *d, bool want_ok, int64_t want)
{
    int64_t t = -1, r = -1;
    bool ok = ev_sa_parse_date(&x->ctx, d, &t);
    bool rok = ref_parse_date(&x->ctx, d, &r);
    if (ok != want_ok || rok != want_ok || (ok && (t != want || r != want)))
        fail_msg("\"%s\": %d %lld, reference %d %lld, expected %d %lld", d, ok, (long long)t, rok,
                 (long long)r, want_ok, (long long)want);
}

static void test_parse_date(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    /* worked out by hand (seconds of the UTC time, minus the zone) */
    check_date(&x, "Mon, 30 Nov 2026 18:51:16 +0000", true, 1796064676);
    check_date(&x, "Mon,30 Nov 2026\t18:51:16   +0000 (UTC)", true, 1796064676);
    /* ctime's form: the pattern " MON +(\d+) \d+:\d+:\d+ (\d{4}) " takes the
     * time away with the date, so the time of day is 0 */
    check_date(&x, "Tue Nov  3 08:00:00 2026", true, 1793664000);
    check_date(&x, "30 nOV 26 10:00 -0500", true, 1796050800); /* 2-digit year, no seconds */
    check_date(&x, "31 Feb 2025 00:00:00 +0000", true,
               1740787200); /* day past the month's end: 1 March */
    check_date(&x, "Tue, 5 Jan 1999 23:59:59 CEST", true, 915573599); /* named zone, +2 h */
    check_date(&x, "5 Jan 1999 23:59:59 +0200", true, 915573599);
    check_date(&x, "x 5 Jan 1999 5 Feb 2000 23:59:59 +0200", true, 915573599); /* the first */
    /* near misses of the time and zone words are passed over */
    check_date(&x, "5 Jan 1999 10:00 19999 -0100", true, 915534000);
    check_date(&x, "5 Jan 1999 12:3 10:00", true, 915530400);
    check_date(&x, "5 Jan 1999 12:345 10:00", true, 915530400);
    check_date(&x, "5 Jan 1999 12:34:5x 10:00:00 +0000", true, 915530400);
    check_date(&x, "5 Jan 1999 123:45 1:2:3", true, 915494400);
    /* a day past LONG_MAX reads as LONG_MAX (strtol): past the month's end */
    check_date(&x, "99999999999999999999999 Jan 2000", true, 949363200);
    check_date(&x, "Jan 1999 23:59:59", false, 0); /* no day */
    check_date(&x, "", false, 0);
    check_date(&x, "garbage", false, 0);
    check_date(&x, "5 Jan 19999", false, 0);
    check_date(&x, "05-Jan-1999", false, 0);
    /* generated: words of every shape the patterns look for, near misses,
     * and separators the normalisation folds */
    static const char *const words[] = {
        "5",       "05",    "31",        "123",   "0",        "Jan",     "jan",    "JAN",
        "Janu",    "Ja",    "Dec",       "mAy",   "1999",     "2026",    "99",     "026",
        "19999",   "1",     "12:34",     "1:23",  "12:34:56", "1:23:45", "123:45", "12:3",
        "12:34:5", "1:234", "12:345:67", "1:2:3", "+0000",    "-0500",   "+05",    "-05000",
        "GMT",     "CEST",  "EST-DST",   "X",     "ABCDE",    "(UTC)",   "Mon",    "x1",
        "2026x",   "5x",    "+1",        "::",    ":12",      "12:",     "a:b:c",  "\xc3\xa9",
    };
    static const char *const seps[] = {" ", "  ", ", ", ",", "\t", " \t ", ",  ,"};
    uint32_t seed = 12345;
    size_t nw = sizeof words / sizeof words[0], ns = sizeof seps / sizeof seps[0];
    int n_ok = 0;
    for (int k = 0; k < 30000; k++) {
        char buf[256];
        size_t bl = 0;
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 9);
        for (int i = 0; i < count; i++) {
            seed = seed * 1103515245u + 12345u;
            /* two in three words follow a date's order (day, month,
             * year, time, zone, or month first), the rest any word */
            static const int shape[2][5][3] = {
                {{0, 1, 3}, {5, 6, 10}, {12, 13, 14}, {18, 19, 20}, {28, 29, 32}},
                {{5, 6, 11}, {0, 2, 17}, {20, 21, 18}, {12, 13, 15}, {33, 28, 29}},
            };
            const char *wd = words[(seed >> 8) % nw];
            if ((seed >> 12) % 3) wd = words[shape[(seed >> 14) & 1][i % 5][(seed >> 4) % 3]];
            const char *sp = seps[(seed >> 20) % ns];
            if (i || (seed & 1)) bl += (size_t)snprintf(buf + bl, sizeof buf - bl, "%s", sp);
            bl += (size_t)snprintf(buf + bl, sizeof buf - bl, "%s", wd);
        }
        buf[bl] = 0;
        int64_t t = -1, r = -1;
        bool ok = ev_sa_parse_date(&x.ctx, buf, &t);
        bool rok = ref_parse_date(&x.ctx, buf, &r);
        n_ok += ok;
        if (ok != rok || (ok && t != r))
            fail_msg("\"%s\": %d %lld, reference %d %lld", buf, ok, (long long)t, rok,
                     (long long)r);
    }
    assert_in_range(n_ok, 3000, 27000); /* both answers are well represented */
    fx_free(&x);
}

/* ---- check_for_uppercase's line tests against the regexes they replaced ---- */

static void test_upper_line_tests(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const struct ev_re *sp = ev_re("\\S\\s+\\S", 0);
    const struct ev_re *b64 = ev_re("^(?:[A-Za-z0-9+/=]{60,76} ){2}", 0);
    /* by hand */
    assert_true(ev_has_inner_space("a b", 3));
    assert_true(ev_has_inner_space(" a\t\v\r\n\fb ", 9));
    assert_false(ev_has_inner_space("  ab  ", 6));
    assert_false(ev_has_inner_space("", 0));
    assert_false(ev_has_inner_space("a b", 2)); /* the length is the line's */
    char line[400];
    memset(line, 'A', sizeof line);
    line[60] = ' ';
    line[121] = ' ';
    assert_true(ev_b64_pair_start(line, 122));  /* 60 + 60 */
    assert_false(ev_b64_pair_start(line, 121)); /* the second space cut off */
    line[60] = 'x', line[121] = 'y', line[76] = ' ', line[153] = ' ';
    assert_true(ev_b64_pair_start(line, 200)); /* 76 + 76 */
    line[76] = '=', line[77] = ' ';
    assert_false(ev_b64_pair_start(line, 200)); /* 77 */
    line[77] = '/', line[59] = ' ';
    assert_false(ev_b64_pair_start(line, 200)); /* 59 */
    /* generated lines: random bytes of the classes that matter, and runs of
     * base64 characters of lengths around the bounds */
    static const char pool[] = "aZ09+/= \t\n\v\r\f-\x1b$B(\xc3\xa9";
    uint32_t seed = 777;
    int n_sp = 0, n_b64 = 0;
    for (int k = 0; k < 40000; k++) {
        size_t len = 0;
        seed = seed * 1103515245u + 12345u;
        int mode = (int)((seed >> 16) % 3);
        size_t want = (seed >> 4) % 190;
        while (len < want && len < sizeof line) {
            seed = seed * 1103515245u + 12345u;
            if (mode > 0 && (seed >> 10) % 4 != 0) {
                size_t run = 56 + (seed >> 13) % 24; /* 56..79 */
                for (size_t i = 0; i < run && len < sizeof line; i++)
                    line[len++] = "Ab9+/="[(i + (seed >> 20)) % 6];
                if (len < sizeof line) line[len++] = (seed >> 24) % 5 ? ' ' : '\t';
            } else {
                line[len++] = pool[(seed >> 12) % (sizeof pool - 1)];
            }
        }
        bool a1 = ev_has_inner_space(line, len), a2 = ev_b64_pair_start(line, len);
        bool r1 = ev_re_match(&x.ctx, sp, line, len, 0, NULL, 0);
        bool r2 = ev_re_match(&x.ctx, b64, line, len, 0, NULL, 0);
        if (a1 != r1 || a2 != r2)
            fail_msg("line %d (%zu bytes): %d %d, regexes %d %d", k, len, a1, a2, r1, r2);
        n_sp += r1, n_b64 += r2;
    }
    assert_in_range(n_sp, 4000, 36000);
    assert_in_range(n_b64, 2000, 36000);
    fx_free(&x);
}

/* check_illegal_chars' counts, worked out by hand: the count argument
 * pins the number (>= count) */
static bool illegal3(const char *msg, const char *hdr, const char *count)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const char *args[4] = {hdr, "0.00", count, NULL};
    bool r = run(&x, "check_illegal_chars", args);
    fx_free(&x);
    return r;
}

static void test_illegal_char_counts(void **state)
{
    (void)state;
    /* \x01 \x0b \x0c \x1f \x7f \xa2 \xae \x80: 8 (two exempt: no discount);
     * tab, CR-less text and printable bytes are not counted */
    const char *m1 = "From: a@example.com\n"
                     "Subject: a\x01"
                     "b\x0b"
                     "c\x0c"
                     "d\x1f"
                     "e\x7f\xa2\xae\x80\tz~ \n\nbody\n";
    assert_true(illegal3(m1, "Subject", "8"));
    assert_false(illegal3(m1, "Subject", "9"));
    assert_true(illegal3(m1, "ALL", "8"));
    assert_false(illegal3(m1, "ALL", "9"));
    assert_false(illegal3(m1, "From", "1"));
    /* one exempt byte (\xa3): a Subject counts one fewer, another header not */
    const char *m2 = "From: ab\x01\xa3"
                     "cd\x02 <a@example.com>\n"
                     "Subject: ab\x01\xa3"
                     "cd\x02\n\nbody\n";
    assert_true(illegal3(m2, "Subject", "2"));
    assert_false(illegal3(m2, "Subject", "3"));
    assert_true(illegal3(m2, "From", "3"));
    assert_false(illegal3(m2, "From", "4"));
    assert_true(illegal3(m2, "ALL", "6"));
    assert_false(illegal3(m2, "ALL", "7"));
}

/* check_freemail_replyto's facts, computed once for its two rules: asked
 * one after the other in one message, each answer is the one of a fresh
 * message, worked out by hand from FreeMail.pm; and the role addresses
 * is_freemail passes over (its regex only run where one could match). */
static bool fm_fresh(const char *msg, const char *fn, const char *arg, char *ev, size_t evsz)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    bool r = run1(&x, fn, arg);
    snprintf(ev, evsz, "%s", x.ctx.evidence ? x.ctx.evidence : "");
    fx_free(&x);
    return r;
}

static void test_freemail_replyto_cached(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        bool replyto, reply;
        const char *ev_replyto, *ev_reply;
    } cases[] = {
        /* both freemail, From not among Reply-To */
        {"From: bob@gmail.com\nReply-To: alice@yahoo.com\nSubject: x\n\nhi\n", true, true,
         "bob@gmail.com -> alice@yahoo.com", "bob@gmail.com -> alice@yahoo.com"},
        /* the same address: the body's freemail address decides */
        {"From: bob@gmail.com\nReply-To: bob@gmail.com\nSubject: x\n\nwrite carol@hotmail.com\n",
         true, true, "bob@gmail.com, carol@hotmail.com", "bob@gmail.com, carol@hotmail.com"},
        /* Reply-To not freemail: neither */
        {"From: bob@gmail.com\nReply-To: x@corp.example\nSubject: x\n\nwrite carol@hotmail.com\n",
         false, false, "", ""},
        /* no Reply-To: 'reply' falls back to From */
        {"From: bob@gmail.com\nSubject: x\n\nwrite carol@hotmail.com\n", false, true, "",
         "bob@gmail.com, carol@hotmail.com"},
        /* a bounce envelope sender: neither */
        {"Return-Path: <bounce-list@gmail.com>\nFrom: bob@gmail.com\nReply-To: alice@yahoo.com\n"
         "Subject: x\n\nhi\n",
         false, false, "", ""},
        /* a role address is no freemail address */
        {"From: info@gmail.com\nReply-To: alice@yahoo.com\nSubject: x\n\nhi\n", false, false, "",
         ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct fx x;
        fx_load_buf(&x, cases[i].msg, strlen(cases[i].msg));
        for (int round = 0; round < 2; round++) {
            bool r1 = run1(&x, "check_freemail_replyto", "replyto");
            const char *e1 = x.ctx.evidence ? x.ctx.evidence : "";
            assert_int_equal(r1, cases[i].replyto);
            if (r1) assert_string_equal(e1, cases[i].ev_replyto);
            bool r2 = run1(&x, "check_freemail_replyto", "reply");
            const char *e2 = x.ctx.evidence ? x.ctx.evidence : "";
            assert_int_equal(r2, cases[i].reply);
            if (r2) assert_string_equal(e2, cases[i].ev_reply);
        }
        fx_free(&x);
        char ev[256];
        assert_int_equal(fm_fresh(cases[i].msg, "check_freemail_replyto", "reply", ev, sizeof ev),
                         cases[i].reply);
        if (cases[i].reply) assert_string_equal(ev, cases[i].ev_reply);
        assert_int_equal(fm_fresh(cases[i].msg, "check_freemail_replyto", "replyto", ev, sizeof ev),
                         cases[i].replyto);
    }
    /* role addresses (the regex anchored at the start) and near misses */
    static const struct {
        const char *from;
        bool fm;
    } roles[] = {
        {"info@gmail.com", false},
        {"infox@gmail.com", true},
        {"xinfo@gmail.com", true},
        {"support@gmail.com", false},
        {"domainmaster@gmail.com", false},
        {"deadbeef@gmail.com", true}, /* eight hex digits need a second group */
        {"deadbeef.01234567@gmail.com", false},
        {"DEADBEEF-0123-4567-89ab-0123456789AB@gmail.com", false},
        {"a=b=c@gmail.com", false},
        {"a=b@gmail.com", true},
        {"bounce-@gmail.com", false},
        {"bounced-@gmail.com", false},
        {"bounce-x@gmail.com", true},
        {"request-0123456789abcdef@gmail.com", false},
        {"request-0123456789abcdeg@gmail.com", true},
        {"undisclosed-recipients@gmail.com", false},
        {"bob@gmail.com", true},
    };
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        char msg[256];
        snprintf(msg, sizeof msg, "From: %s\nSubject: x\n\nhi\n", roles[i].from);
        if (on(msg, "check_freemail_from", NULL) != roles[i].fm)
            fail_msg("%s: expected %d", roles[i].from, roles[i].fm);
    }
}

/* The squashed Received text made once per message for the hotmail and
 * AOL checks (and their literal prefilters): asked in either order in one
 * message, the answers of fresh messages, worked out by hand. */
static void test_received_squashed_cached(void **state)
{
    (void)state;
    static const struct {
        const char *msg;
        bool forged_hotmail, no_hotmail, fake_aol;
    } cases[] = {
        {"Received: from mx.hotmail.com (unknown [192.0.2.4])\n\tby mx.example.org with ESMTP\n"
         "From: a@example.com\nSubject: x\n\nx\n",
         true, false, false},
        {"Received: from mail.example.org by mx.example.net with SMTP\n"
         "From: a@Hotmail.com\nSubject: x\n\nx\n",
         false, true, false},
        {"Received: from RLY-xa01.mx.aol.com (x)   by y.example\n"
         "From: a@example.com\nSubject: x\n\nx\n",
         false, false, true},
        {"Received: from rly-xa01.mx.aol.com (8.8.8/AOL-5.0.0) by y.example\n"
         "From: a@example.com\nSubject: x\n\nx\n",
         false, false, false},
        {"Received: from rly-x01.mx.aol.com by y.example\nReceived: from a by b\n"
         "From: a@example.com\nSubject: x\n\nx\n",
         false, false, false},
        /* a tab before RLY- is a space once squashed */
        {"Received: from x\tRLY-ab12.mx by y\nFrom: a@example.com\nSubject: x\n\nx\n", false, false,
         true},
        {"Received: from xrly-ab12.mx by y\nFrom: a@example.com\nSubject: x\n\nx\n", false, false,
         false},
        /* with X-Originating-Ip, a hotmail.com relay with its IP is genuine */
        {"Received: from smtp.hotmail.com ([192.0.2.7]) by mx.example.org\n"
         "X-Originating-Ip: [192.0.2.1]\nFrom: a@example.com\nSubject: x\n\nx\n",
         false, false, false},
        {"Received: from smtp.hotmail.com ([192.0.2.7]) by mx.example.org\n"
         "From: a@example.com\nSubject: x\n\nx\n",
         true, false, false},
        /* the pattern's unescaped '.' takes "hotmail_com": with the IP header the
         * relay passes (no "hotmail.com" anywhere, the text squashed for it) */
        {"Received: from smtp.hotmail_com ([192.0.2.7]) by mx.example.org\n"
         "X-Originating-Ip: [192.0.2.1]\nFrom: a@hotmail.com\nSubject: x\n\nx\n",
         false, false, false},
        {"Received: from smtp.hotmail_com ([192.0.2.7]) by mx.example.org\n"
         "From: a@hotmail.com\nSubject: x\n\nx\n",
         false, true, false},
        /* no Received at all: "gated through a Received-header remover" */
        {"From: a@hotmail.com\nSubject: x\n\nx\n", false, false, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *m = cases[i].msg;
        for (int order = 0; order < 2; order++) {
            struct fx x;
            fx_load_buf(&x, m, strlen(m));
            if (order)
                assert_int_equal(run1(&x, "check_for_fake_aol_relay_in_rcvd", NULL),
                                 cases[i].fake_aol);
            assert_int_equal(run1(&x, "check_for_forged_hotmail_received_headers", NULL),
                             cases[i].forged_hotmail);
            assert_int_equal(run1(&x, "check_for_no_hotmail_received_headers", NULL),
                             cases[i].no_hotmail);
            assert_int_equal(run1(&x, "check_for_fake_aol_relay_in_rcvd", NULL), cases[i].fake_aol);
            fx_free(&x);
        }
        assert_int_equal(on(m, "check_for_fake_aol_relay_in_rcvd", NULL), cases[i].fake_aol);
        assert_int_equal(on(m, "check_for_forged_hotmail_received_headers", NULL),
                         cases[i].forged_hotmail);
    }
}

/* ---- check_msg_parse_flags' multipart scan against the version it replaced ---- */

/* The scan of multipart bodies before it walked the lines in place (it
 * split each body into an array of lines first), kept as the reference. */
#define SA_MAX_PARTS 1000
struct ref_parse_flags {
    bool missing_head_body_separator, missing_mime_head_body_separator, missing_mime_headers;
    bool truncated_header, mime_epilogue_exists, mimepart_limit_exceeded;
};

/* A header field line: printable non-colon characters, then (when wsp) optional
 * spaces/tabs, then ':'. */
static bool ref_is_field_line(const char *l, size_t len, bool wsp)
{
    size_t i = 0;
    while (i < len && (unsigned char)l[i] >= 041 && (unsigned char)l[i] <= 0176 && l[i] != ':')
        i++;
    if (i == 0) return false;
    if (wsp)
        while (i < len && (l[i] == ' ' || l[i] == '\t'))
            i++;
    return i < len && l[i] == ':';
}

struct ref_line {
    const char *p;
    size_t len; /* without the line end */
};

static size_t ref_split_lines(arena *a, const char *p, size_t len, struct ref_line **out)
{
    size_t n = 0; /* newlines, found with memchr: lines are many bytes long */
    for (const char *q = len ? memchr(p, '\n', len) : NULL; q;
         q = memchr(q + 1, '\n', (size_t)(p + len - (q + 1))))
        n++;
    struct ref_line *v = arena_alloc(a, (n + 1) * sizeof *v);
    size_t k = 0, i = 0;
    while (i < len) {
        const char *q = memchr(p + i, '\n', len - i);
        size_t e = q ? (size_t)(q - p) : len;
        size_t l = e - i;
        if (q && l > 0 && p[e - 1] == '\r') l--;
        v[k++] = (struct ref_line){p + i, l};
        i = q ? e + 1 : len;
    }
    *out = v;
    return k;
}

/* "--boundary" then optional "--" (when close is allowed) then whitespace. */
static int ref_boundary_line(const struct ref_line *l, const char *b, size_t bl)
{
    if (l->len < 2 + bl || l->p[0] != '-' || l->p[1] != '-' || memcmp(l->p + 2, b, bl) != 0)
        return 0;
    size_t i = 2 + bl;
    int kind = 1;
    if (i + 1 < l->len + 1 && l->len >= i + 2 && l->p[i] == '-' && l->p[i + 1] == '-') {
        kind = 2;
        i += 2;
    }
    for (; i < l->len; i++)
        if (!ch_is_space((unsigned char)l->p[i])) {
            /* "--b--x": not a close; "--b x" is not a boundary either */
            return 0;
        }
    return kind;
}

static void ref_scan_multipart(arena *a, const struct mime_part *p, struct ref_parse_flags *F)
{
    const char *b = mimeparam_get(&p->ctype, "boundary");
    struct ref_line *L;
    size_t n = ref_split_lines(a, p->body.p, p->body.len, &L);
    size_t start = 0;
    size_t bl = b ? strlen(b) : 0;
    if (b) {
        for (size_t i = 0; i < n; i++) {
            if (ref_boundary_line(&L[i], b, bl) == 1) {
                if (i + 1 < n && !ref_is_field_line(L[i + 1].p, L[i + 1].len, false))
                    F->missing_mime_headers = true;
                start = i + 1;
                break;
            }
        }
    }
    size_t line_count = n - start;
    bool in_body = false, header = false;
    size_t partcnt = 0;
    bool closed = false;
    for (size_t i = start; i < n; i++) {
        int kind = b ? ref_boundary_line(&L[i], b, bl) : 0;
        if (--line_count == 0 || kind) {
            if (kind == 2) {
                closed = true;
                break;
            }
            if (b && kind && line_count &&
                !ref_is_field_line(L[n - line_count].p, L[n - line_count].len, false))
                F->missing_mime_headers = true;
            if (++partcnt == SA_MAX_PARTS) {
                F->mimepart_limit_exceeded = true;
                return;
            }
            in_body = header = false;
            continue;
        }
        if (!in_body) {
            if (ref_is_field_line(L[i].p, L[i].len, true)) {
                header = true;
                continue;
            }
            if (L[i].len && (L[i].p[0] == ' ' || L[i].p[0] == '\t') && header) continue;
            in_body = true;
            if (L[i].len == 0) continue;
            F->missing_mime_head_body_separator = true;
        }
    }
    if (closed)
        for (size_t i = n - line_count; i < n; i++)
            for (size_t k = 0; k < L[i].len; k++)
                if (!ch_is_space((unsigned char)L[i].p[k]) && L[i].p[k] != '.') {
                    F->mime_epilogue_exists = true;
                    return;
                }
}

static void check_mime_flags(const char *msg, size_t len)
{
    struct fx x;
    fx_load_buf(&x, msg, len);
    struct ref_parse_flags F = {0};
    for (size_t i = 0; i < x.m.mime.n; i++)
        if (x.m.mime.parts[i].is_multipart) ref_scan_multipart(x.a, &x.m.mime.parts[i], &F);
    static const char *const names[] = {"missing_mime_head_body_separator", "missing_mime_headers",
                                        "mime_epilogue_exists", "mimepart_limit_exceeded"};
    const bool want[] = {F.missing_mime_head_body_separator, F.missing_mime_headers,
                         F.mime_epilogue_exists, F.mimepart_limit_exceeded};
    for (int k = 0; k < 4; k++)
        if (run1(&x, "check_msg_parse_flags", names[k]) != want[k])
            fail_msg("%s: reference %d on\n%.*s", names[k], want[k], (int)len, msg);
    fx_free(&x);
}

static void test_mime_flags_scan(void **state)
{
    (void)state;
    /* by hand: an epilogue after the close; headers missing after a
     * boundary; a part without its empty line; 1,000 parts */
    const char *m1 = "Content-Type: multipart/mixed; boundary=BB\n\npreamble\n--BB\n"
                     "Content-Type: text/plain\n\nhi\n--BB--\nthe epilogue\n";
    const char *m2 = "Content-Type: multipart/mixed; boundary=BB\n\n--BB\nno header here\n"
                     "--BB--\n . \r\n";
    const char *m3 = "Content-Type: multipart/mixed; boundary=BB\r\n\r\n--BB\r\n"
                     "Content-Type: text/plain\r\n folded\r\nbody at once\r\n--BB--";
    check_mime_flags(m1, strlen(m1));
    check_mime_flags(m2, strlen(m2));
    check_mime_flags(m3, strlen(m3));
    assert_true(on(m1, "check_msg_parse_flags", "mime_epilogue_exists"));
    assert_false(on(m2, "check_msg_parse_flags", "mime_epilogue_exists")); /* spaces and '.' */
    assert_true(on(m2, "check_msg_parse_flags", "missing_mime_headers"));
    assert_false(on(m1, "check_msg_parse_flags", "missing_mime_headers"));
    assert_true(on(m3, "check_msg_parse_flags", "missing_mime_head_body_separator"));
    assert_false(on(m1, "check_msg_parse_flags", "missing_mime_head_body_separator"));
    /* N parts, no close: N - 1 boundaries after the first and the last line
     * count, so the limit (1,000) is reached at N = 1,000, not 999 */
    for (int parts = 999; parts <= 1000; parts++) {
        size_t cap = 40000, len = 0;
        char *big = malloc(cap);
        len += (size_t)snprintf(big, cap, "Content-Type: multipart/mixed; boundary=BB\n\n");
        for (int i = 0; i < parts; i++)
            len += (size_t)snprintf(big + len, cap - len, "--BB\nX: y\n\nz\n");
        check_mime_flags(big, len);
        assert_int_equal(on(big, "check_msg_parse_flags", "mimepart_limit_exceeded"),
                         parts == 1000);
        free(big);
    }
    /* generated: lines of every kind the scan tells apart */
    static const char *const lines[] = {
        "--BB",
        "--BB--",
        "--BB  ",
        "--BBx",
        "--BB--x",
        "--BB-- \t",
        "--B",
        "--CC",
        "--CC--",
        "",
        "",
        "hello",
        ".",
        " . ",
        "X: y",
        "Key : v",
        " folded",
        "\tfolded",
        "bad line",
        ":x",
        "--",
        "x--BB",
        "a --BB b",
        "--BB--BB",
        "BB",
        "-",
        "--BB\r--BB",
        "Content-Type: multipart/alternative; boundary=CC",
        "Content-Type: text/plain",
    };
    static const char *const ends[] = {"\n", "\r\n", "\n", "\r"};
    uint32_t seed = 4242;
    size_t nl = sizeof lines / sizeof lines[0];
    char msg[4096];
    for (int k = 0; k < 20000; k++) {
        /* mostly boundary BB; also an empty boundary and none at all */
        static const char *const heads[] = {
            "Content-Type: multipart/mixed; boundary=BB\n\n",
            "Content-Type: multipart/mixed; boundary=BB\n\n",
            "Content-Type: multipart/mixed; boundary=BB\n\n",
            "Content-Type: multipart/mixed; boundary=\"\"\n\n",
            "Content-Type: multipart/mixed\n\n",
        };
        size_t ml = (size_t)snprintf(msg, sizeof msg, "%s", heads[(unsigned)k % 5]);
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 24);
        for (int i = 0; i < count && ml + 100 < sizeof msg; i++) {
            seed = seed * 1103515245u + 12345u;
            const char *l = lines[(seed >> 8) % nl];
            const char *e = i + 1 == count && (seed & 1) ? "" : ends[(seed >> 20) % 4];
            ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "%s%s", l, e);
        }
        check_mime_flags(msg, ml);
    }
}

/* ---- hostname_to_domain against the version it replaced ---- */

/* The version with a regex on the last label and arena_printf, kept as the
 * reference. */
static const char *ref_host_to_domain(struct eval_ctx *c, const char *h)
{
    bool letter = false;
    for (const char *p = h; *p && !letter; p++)
        letter = ch_is_alpha((unsigned char)*p);
    if (!letter) return h;
    /* split on dots (Perl's split drops trailing empty fields) */
    size_t nparts = 0;
    const char *parts[256];
    size_t lens[256];
    const char *p = h;
    while (*p && nparts < 256) {
        const char *d = strchr(p, '.');
        size_t l = d ? (size_t)(d - p) : strlen(p);
        parts[nparts] = p, lens[nparts++] = l;
        p = d ? d + 1 : p + l;
    }
    while (nparts && lens[nparts - 1] == 0)
        nparts--;
    if (nparts > 1) {
        const char *last = arena_strndup(ev_arena(c), parts[nparts - 1], lens[nparts - 1]);
        if (ev_rx(c, "(?:\\S{3,}|ie|fr|de)", 0, last))
            return arena_printf(ev_arena(c), "%.*s.%s", (int)lens[nparts - 2], parts[nparts - 2],
                                last);
    }
    if (nparts > 2)
        return arena_printf(ev_arena(c), "%.*s.%.*s.%.*s", (int)lens[nparts - 3], parts[nparts - 3],
                            (int)lens[nparts - 2], parts[nparts - 2], (int)lens[nparts - 1],
                            parts[nparts - 1]);
    return h;
}

static void test_host_to_domain(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    /* by hand */
    assert_string_equal(ev_host_to_domain(&x.ctx, "mail.example.com"), "example.com");
    assert_string_equal(ev_host_to_domain(&x.ctx, "a.b.example.co.uk"), "example.co.uk");
    assert_string_equal(ev_host_to_domain(&x.ctx, "a.b.example.fr"), "example.fr");
    assert_string_equal(ev_host_to_domain(&x.ctx, "a.b.example.de."), "example.de");
    assert_string_equal(ev_host_to_domain(&x.ctx, "192.0.2.1"), "192.0.2.1"); /* no letter */
    assert_string_equal(ev_host_to_domain(&x.ctx, "localhost"), "localhost");
    assert_string_equal(ev_host_to_domain(&x.ctx, "x.y"), "x.y");
    /* generated */
    static const char *const labels[] = {"",   "a",  "ab",  "abc", "ie",  "fr",  "de", "xie",
                                         "1",  "12", "123", "a b", " ",   "co",  "uk", "MAIL",
                                         "Ie", "dE", "d",   "e f", "frx", "\tab"};
    uint32_t seed = 99;
    size_t nl = sizeof labels / sizeof labels[0];
    for (int k = 0; k < 30000; k++) {
        char h[128];
        size_t hl = 0;
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 6);
        for (int i = 0; i < count; i++) {
            seed = seed * 1103515245u + 12345u;
            hl += (size_t)snprintf(h + hl, sizeof h - hl, "%s%s", i ? "." : "",
                                   labels[(seed >> 8) % nl]);
        }
        if ((seed >> 24) % 5 == 0) hl += (size_t)snprintf(h + hl, sizeof h - hl, ".");
        h[hl] = 0;
        const char *a = ev_host_to_domain(&x.ctx, h), *r = ref_host_to_domain(&x.ctx, h);
        if (strcmp(a, r) != 0) fail_msg("\"%s\": \"%s\", reference \"%s\"", h, a, r);
    }
    fx_free(&x);
}

/* check_for_uppercase's counts around a removed "ESC $ B ... ESC ( B" run,
 * by hand: 200 small letters, then 400 capitals inside the run and three
 * after it: 3 / 203 capitals = 1.5% (66.8% if the run were counted) */
static void test_uppercase_cut(void **state)
{
    (void)state;
    char msg[2048];
    size_t ml = (size_t)snprintf(msg, sizeof msg, "From: a@example.com\nSubject: x\n\n");
    for (int i = 0; i < 20; i++)
        ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "%shello world", i ? " " : "");
    ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "\n\x1b$B");
    for (int i = 0; i < 400; i++)
        msg[ml++] = 'Q';
    ml += (size_t)snprintf(msg + ml, sizeof msg - ml, "\x1b(B ABC\n");
    assert_true(on2(msg, "check_for_uppercase", "0", "25"));
    assert_false(on2(msg, "check_for_uppercase", "50", "75"));
    assert_false(on2(msg, "check_for_uppercase", "1.5", "25")); /* 1.478% */
}

/* check_ratware_envelope_from's match by hand against the per-message
 * regex it replaced (/\b$dom.$user@/i, both quoted) */
static bool ratware_regex(struct fx *x, const char *s, const char *dom, const char *user)
{
    struct arena_str b = {.a = x->a};
    arena_str_put(&b, "\\b", 2);
    sare_quote(&b, dom, strlen(dom));
    arena_str_put(&b, ".", 1);
    sare_quote(&b, user, strlen(user));
    arena_str_put(&b, "@", 1);
    return ev_rx_dyn(&x->ctx, b.p, EV_RE_I, s);
}

static void test_dom_user_at(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    /* by hand */
    assert_true(ev_dom_user_at("example.com-bob@mailer.net", "example.com", "bob"));
    assert_true(ev_dom_user_at("EXAMPLE.COM.Bob@x", "example.com", "bob"));
    assert_false(ev_dom_user_at("xexample.com.bob@x", "example.com", "bob")); /* no \b */
    assert_true(ev_dom_user_at("-example.com.bob@x", "example.com", "bob"));
    assert_false(ev_dom_user_at("example.com\nbob@x", "example.com", "bob")); /* '.' */
    assert_true(ev_dom_user_at("example.com\rbob@x", "example.com", "bob"));
    assert_false(ev_dom_user_at("example.com.bob", "example.com", "bob"));
    assert_false(ev_dom_user_at("example.combob@x", "example.com", "bob"));
    /* generated */
    static const char pool[] = "aAb.-@\n\r_1 \xc3\xa9";
    static const char *const doms[] = {"a.b", "A.b", "b.a", "x-1.a", "\xc3\xa9.a", ".a"};
    static const char *const users[] = {"a", "b_", "A1", "-", "\xc3\xa9", "a.b"};
    uint32_t seed = 31337;
    int hits = 0;
    for (int k = 0; k < 30000; k++) {
        char str[32];
        seed = seed * 1103515245u + 12345u;
        const char *dom = doms[(seed >> 8) % 6], *user = users[(seed >> 12) % 6];
        size_t n = (seed >> 16) % 16, l = 0;
        /* half the strings hold the pair somewhere */
        if ((seed >> 28) & 1) {
            seed = seed * 1103515245u + 12345u;
            n = (seed >> 16) % 4;
        }
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            str[l++] = pool[(seed >> 16) % (sizeof pool - 1)];
        }
        str[l] = 0;
        if (((seed >> 7) & 3) != 0 && l + 20 < sizeof str) {
            seed = seed * 1103515245u + 12345u;
            l += (size_t)snprintf(str + l, sizeof str - l, "%s%c%s%s", dom,
                                  "._\n@"[(seed >> 20) % 4], user, (seed >> 24) % 3 ? "@" : "x");
        }
        bool a = ev_dom_user_at(str, dom, user), r = ratware_regex(&x, str, dom, user);
        if (a != r) fail_msg("\"%s\" dom \"%s\" user \"%s\": %d, regex %d", str, dom, user, a, r);
        hits += r;
    }
    assert_in_range(hits, 3000, 27000);
    fx_free(&x);
}

/* tvd_vertical_words' percentage by hand, asked again in one message and
 * in fresh ones: the paragraph "a b c d e f\n" has 5 spaces and 7 other
 * characters (its line end too): floor(500 / 7) = 71%; the others less
 * (the Subject is too short) */
static void test_tvd_ranges(void **state)
{
    (void)state;
    const char *msg = "From: a@example.com\nSubject: x\n\na b c d e f\n\nabcdefgh\n\nab cdef\n";
    static const struct {
        const char *min, *max;
        bool hit;
    } want[] = {
        {"70", "80", true}, {"71", "72", true},  {"72", "100", false},
        {"0", "71", false}, {"50", "100", true}, {"71", "71.5", true},
    };
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            const char *args[3] = {want[i].min, want[i].max, NULL};
            assert_int_equal(run(&x, "tvd_vertical_words", args), want[i].hit);
            assert_int_equal(on2(msg, "tvd_vertical_words", want[i].min, want[i].max), want[i].hit);
        }
    fx_free(&x);
}

/* ev_count_illegal (eight bytes at a time) against the byte loop it
 * replaced, on random buffers of the boundary bytes, at every alignment */
static void test_count_illegal(void **state)
{
    (void)state;
    static const unsigned char edge[] = {0x00, 0x01, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D,
                                         0x0E, 0x1F, 0x20, 0x21, 0x41, 0x7E, 0x7F, 0x80,
                                         0x81, 0xA1, 0xA2, 0xA3, 0xAE, 0xAF, 0xFE, 0xFF};
    unsigned char buf[64];
    uint32_t seed = 2718;
    for (int k = 0; k < 200000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t off = (seed >> 8) % 8, len = (seed >> 12) % 48;
        int mode = (int)((seed >> 20) % 4);
        for (size_t i = 0; i < off + len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            /* mostly printable, or one boundary byte now and then, or any */
            buf[i] = mode == 0 ? (unsigned char)r
                     : r % 13  ? (unsigned char)(0x20 + r % 0x5F)
                               : edge[(r >> 4) % sizeof edge];
        }
        size_t ill = 0, ex = 0;
        for (size_t i = off; i < off + len; i++) {
            unsigned char ch = buf[i];
            if (ch <= 0x08 || ch == 0x0B || ch == 0x0C || (ch >= 0x0E && ch <= 0x1F) || ch >= 0x7F)
                ill++;
            if (ch == 0xA2 || ch == 0xA3 || ch == 0xAE) ex++;
        }
        size_t a_ill = 99, a_ex = 99;
        ev_count_illegal((const char *)buf + off, len, &a_ill, &a_ex);
        if (a_ill != ill || a_ex != ex)
            fail_msg("case %d: %zu %zu, byte loop %zu %zu", k, a_ill, a_ex, ill, ex);
    }
    /* every single byte value at every position of a word */
    for (unsigned v = 0; v < 256; v++)
        for (size_t pos = 0; pos < 16; pos++) {
            memset(buf, 'a', 16);
            buf[pos] = (unsigned char)v;
            size_t ill, ex;
            ev_count_illegal((const char *)buf, 16, &ill, &ex);
            bool want =
                v <= 0x08 || v == 0x0B || v == 0x0C || (v >= 0x0E && v <= 0x1F) || v >= 0x7F;
            assert_int_equal(ill, want);
            assert_int_equal(ex, v == 0xA2 || v == 0xA3 || v == 0xAE);
        }
}

/* The charset test by hand against its regex; the '%' and
 * "from groups.msn.com (" prefilters by hand */
static void test_charset_and_prefilters(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const char *re = "^[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|"
                     "georgianps|pt154|tis)[-_a-z0-9]*$";
    assert_true(ev_charset_fp_caps("KOI8-R"));
    assert_true(ev_charset_fp_caps("iso-2022-jp\n")); /* $ before a final newline */
    assert_false(ev_charset_fp_caps("iso-2022-jp\n\n"));
    assert_false(ev_charset_fp_caps("utf-8"));
    assert_false(ev_charset_fp_caps("x jis")); /* a space is not of the class */
    assert_false(ev_charset_fp_caps(NULL));
    static const char *const parts[] = {
        "koi",  "JP", "ji",  "s",     "euc",     "gb",      "big5",        "iso", "ir",
        "cp12", "51", "tis", "pt154", "windows", "-",       "_",           "8",   "utf",
        " ",    "\n", ".",   "\xc3",  "geo",     "rgianps", "WINDOWS-1251"};
    uint32_t seed = 5;
    int hits = 0;
    for (int k = 0; k < 30000; k++) {
        char cs[64];
        size_t l = 0;
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 5);
        for (int i = 0; i < count; i++) {
            seed = seed * 1103515245u + 12345u;
            l += (size_t)snprintf(cs + l, sizeof cs - l, "%s",
                                  parts[(seed >> 8) % (sizeof parts / sizeof parts[0])]);
        }
        cs[l] = 0;
        bool a = ev_charset_fp_caps(cs), r = ev_rx(&x.ctx, re, EV_RE_I, cs);
        if (a != r) fail_msg("\"%s\": %d, regex %d", cs, a, r);
        hits += r;
    }
    assert_in_range(hits, 2000, 28000);
    fx_free(&x);
    /* check_unresolved_template: a '%' then capitals, not in the allowed fields */
    assert_true(on("X-Foo: %FIRST_NAME\nSubject: x\n\nx\n", "check_unresolved_template", NULL));
    assert_false(on("Subject: %FIRST_NAME\n\nx\n", "check_unresolved_template", NULL));
    assert_false(on("X-Foo: 50% OFF\nSubject: x\n\nx\n", "check_unresolved_template", NULL));
    assert_false(on("X-Foo: %first\nSubject: x\n\nx\n", "check_unresolved_template", NULL));
    /* gated_through_received_hdr_remover: no Received, or a groups.msn.com relay */
    assert_true(on("Subject: x\n\nx\n", "gated_through_received_hdr_remover", NULL));
    assert_true(on("Received: from groups.msn.com (p1.msn.com [192.0.2.1]) by y\n\nx\n",
                   "gated_through_received_hdr_remover", NULL));
    assert_false(on("Received: from groups.msn.com (p1msn.com [192.0.2.1]) by y\n\nx\n",
                    "gated_through_received_hdr_remover", NULL));
    assert_false(on("Received: from groups.msn.com  (p1.msn.com [192.0.2.1]) by y\n\nx\n",
                    "gated_through_received_hdr_remover", NULL));
}

/* check_base64_length's longest line, once per message: by hand, the base64
 * leaves' lines are 76 bytes + 1 for the "\n" (a CR is not counted) and 80
 * bytes ending the part (its line end belongs to the boundary); the text
 * part's 200-byte line and the application/ics part do not count */
static void test_base64_longest(void **state)
{
    (void)state;
    char l76[77], l80[81], l100[101], l200[201];
    memset(l76, 'Q', 76), l76[76] = 0;
    memset(l80, 'Q', 80), l80[80] = 0;
    memset(l100, 'Q', 100), l100[100] = 0;
    memset(l200, 'x', 200), l200[200] = 0;
    char msg[4096];
    snprintf(msg, sizeof msg,
             "From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
             "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n"
             "--BB\r\nContent-Type: text/plain\r\n\r\n%s\r\n"
             "--BB\r\nContent-Type: application/octet-stream\r\n"
             "Content-Transfer-Encoding: base64\r\n\r\n%s\r\n%s\r\n"
             "--BB\r\nContent-Type: image/gif\r\nContent-Transfer-Encoding: BASE64\r\n\r\n%s\r\n"
             "--BB\r\nContent-Type: application/ics\r\nContent-Transfer-Encoding: base64\r\n\r\n"
             "%s\r\n--BB--\r\n",
             l200, l76, l76, l80, l100);
    static const struct {
        const char *a0, *a1;
        bool hit;
    } want[] = {
        {"80", NULL, true},  {"81", NULL, false}, {"78", "80", true},
        {"78", "79", false}, {"0", NULL, true},
    };
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
            const char *args[3] = {want[i].a0, want[i].a1, NULL};
            assert_int_equal(run(&x, "check_base64_length", args), want[i].hit);
            struct fx y;
            fx_load_buf(&y, msg, strlen(msg));
            assert_int_equal(run(&y, "check_base64_length", args), want[i].hit);
            fx_free(&y);
        }
    fx_free(&x);
    assert_true(on("Subject: x\n\nno base64\n", "check_base64_length", "0"));
    assert_false(on("Subject: x\n\nno base64\n", "check_base64_length", "1"));
}

/* The Received date span by hand against the regex it replaced */
static void test_rcvd_date_span(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const struct ev_re *re = ev_re("(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+)", 0);
    /* by hand */
    const char *l1 = "from a by b with ESMTP id X; Mon, 30 Nov 2026 18:51:16 +0000 (UTC)";
    size_t b, e;
    assert_true(ev_rcvd_date_span(l1, strlen(l1), &b, &e));
    assert_string_equal(l1 + b, " 30 Nov 2026 18:51:16 +0000 (UTC)");
    assert_int_equal(e - b, strlen(" 30 Nov 2026 18:51:16 +0000"));
    const char *l2 = "id X; ,30 Nov 2026 1:2:3 x"; /* ".?" takes the ',' */
    assert_true(ev_rcvd_date_span(l2, strlen(l2), &b, &e));
    assert_int_equal(b, 5);
    assert_int_equal(e, strlen(l2));
    const char *l3 = "x\n30 Nov 2026 18:51:16 +0000"; /* "\n" is \s */
    assert_true(ev_rcvd_date_span(l3, strlen(l3), &b, &e));
    assert_int_equal(b, 1);
    const char *l4 = "x \n30 Nov 2026 18:51:16 +0000"; /* ".?" does not take "\n" */
    assert_true(ev_rcvd_date_span(l4, strlen(l4), &b, &e));
    assert_int_equal(b, 2);
    /* found from the time's first colon, other colons before it */
    const char *l5 = "a:b 1 a:1 2 2:3:4 x y";
    assert_true(ev_rcvd_date_span(l5, strlen(l5), &b, &e));
    assert_int_equal(b, 3);
    assert_int_equal(e, strlen(l5) - 2);
    const char *l6 = "7 1 2:1 2 3:4:5 x"; /* "2:1" as the month */
    assert_true(ev_rcvd_date_span(l6, strlen(l6), &b, &e));
    assert_int_equal(b, 1);
    assert_false(ev_rcvd_date_span("x 30 Nov 2026 18:51 +0000", 25, &b, &e));
    assert_false(ev_rcvd_date_span("x 30 Nov 2026 18:51:16 ", 23, &b, &e));
    /* generated */
    static const char *const words[] = {
        "30",   "1",      "2026",  "Nov",   "Mo",       "Monday", "18:51:16", "1:2:3",
        "12:3", "12:34:", "+0000", "(UTC)", "x",        "id",     ";",        "a1",
        "1a",   "x30",    "123",   "::",    "\xc3\xa9", "N v",    "-0500",    "18:51:16x",
    };
    static const char *const seps[] = {" ", " ", " ", "", "  ", "\t", "\n", ", ", ",", "\r"};
    uint32_t seed = 777777;
    int hits = 0;
    for (int k = 0; k < 60000; k++) {
        char line[256];
        size_t l = 0;
        seed = seed * 1103515245u + 12345u;
        int count = (int)((seed >> 16) % 12);
        bool shaped = (seed >> 8) & 1;
        for (int i = 0; i < count && l + 24 < sizeof line; i++) {
            seed = seed * 1103515245u + 12345u;
            static const int order[] = {0, 2, 1, 6, 10}; /* day mon year time zone */
            const char *w = shaped && (seed >> 11) % 4
                                ? (i % 5 == 1 ? "Nov" : words[order[i % 5]])
                                : words[(seed >> 8) % (sizeof words / sizeof words[0])];
            const char *sp = shaped && (seed >> 24) % 8
                                 ? " "
                                 : seps[(seed >> 20) % (sizeof seps / sizeof seps[0])];
            l += (size_t)snprintf(line + l, sizeof line - l, "%s%s", sp, w);
        }
        line[l] = 0;
        size_t ov[4] = {0, 0, 0, 0}, sb = 0, se = 0;
        bool r = ev_re_match(&x.ctx, re, line, l, 0, ov, 2);
        bool a = ev_rcvd_date_span(line, l, &sb, &se);
        if (a != r || (r && (sb != ov[2] || se != ov[3])))
            fail_msg("\"%s\": %d %zu-%zu, regex %d %zu-%zu", line, a, sb, se, r, ov[2], ov[3]);
        hits += r;
    }
    assert_in_range(hits, 3000, 57000);
    fx_free(&x);
}

/* The relay fields read from the pseudo-header by key (their lengths now a
 * table): every field equals the text after its "key=" in the string */
static void test_relay_fields(void **state)
{
    (void)state;
    const char *msg = "Received: from HELO.example (mail.example.com [192.0.2.1])\n"
                      "\tby mx.example.org with ESMTPA id ABC123\n"
                      "\tfor <t@example.org>; Mon, 30 Nov 2026 18:51:16 +0000\n"
                      "From: a@example.com\nSubject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    const struct ev_relays *R = ev_relays(&x.ctx);
    assert_int_equal(R->n_untrusted + R->n_trusted, 1);
    const struct ev_relay *r = R->n_untrusted ? &R->untrusted[0] : &R->trusted[0];
    const char *str = R->n_untrusted ? R->untrusted_str : R->trusted_str;
    static const char *const keys[] = {"ip",    "rdns",    "helo", "by",
                                       "ident", "envfrom", "id",   "auth"};
    const char *got[] = {r->ip, r->rdns, r->helo, r->by, r->ident, r->envfrom, r->id, r->auth};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char pat[16];
        snprintf(pat, sizeof pat, " %s=", keys[k]);
        const char *at = strstr(str, pat);
        assert_non_null(at);
        at += strlen(pat);
        size_t l = strcspn(at, " ]");
        if (strlen(got[k]) != l || memcmp(got[k], at, l) != 0)
            fail_msg("%s: \"%s\", the string has \"%.*s\" (%s)", keys[k], got[k], (int)l, at, str);
    }
    /* by hand, the fields this Received gives */
    assert_string_equal(r->ip, "192.0.2.1");
    assert_string_equal(r->rdns, "mail.example.com");
    assert_string_equal(r->helo, "HELO.example");
    assert_string_equal(r->by, "mx.example.org");
    assert_string_equal(r->id, "ABC123");
    fx_free(&x);
}

/* FreeMail's welcomelist (found once for the address and its domain): an
 * address or a domain on it is no freemail one, by hand */
static void test_freemail_welcomelist(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    static const char cf[] = "freemail_domains gmail.com yahoo.com\n"
                             "freemail_welcomelist bob@gmail.com yahoo.com\n";
    char *b = malloc(sizeof cf - 1);
    memcpy(b, cf, sizeof cf - 1);
    ruleset_parse_buf(rs, NULL, b, sizeof cf - 1);
    ruleset_finish(rs);
    static const struct {
        const char *from;
        bool fm;
    } want[] = {
        {"bob@gmail.com", false}, /* the address */
        {"alice@gmail.com", true},
        {"x@yahoo.com", false},      /* the domain */
        {"x@mail.yahoo.com", false}, /* not a freemail domain at all */
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        char msg[128];
        snprintf(msg, sizeof msg, "From: %s\nSubject: x\n\nx\n", want[i].from);
        struct fx x;
        fx_load_buf(&x, msg, strlen(msg));
        x.ctx.rs = rs;
        if (run1(&x, "check_freemail_from", NULL) != want[i].fm)
            fail_msg("%s: expected %d", want[i].from, want[i].fm);
        fx_free(&x);
    }
    ruleset_free(rs);
    free(b);
}

/* MIMEEval's two line counts (memchr to each '=' / '&') against the byte
 * loops they replaced, on random lines of the bytes that matter */
static bool ref_qp_needless(char x, char y)
{
    bool digit = y >= '0' && y <= '9';
    if (x == '0') return y == '9';
    if (x == '3') return digit || (y >= 'A' && y <= 'F' && y != 'D');
    if (x == '2' || x == '4' || x == '5' || x == '6') return digit || (y >= 'A' && y <= 'F');
    if (x == '7') return digit || (y >= 'A' && y <= 'E');
    return false;
}

static void test_mime_line_counts(void **state)
{
    (void)state;
    assert_int_equal(ev_qp_needless("x=41=3D=20", 10), 2); /* =41 and =20, not =3D */
    assert_int_equal(ev_qp_needless("==41", 4), 1);
    assert_int_equal(ev_ncr_count("&#x00E9;&#x00e9;&#x12345;", 25), 1); /* capitals only */
    assert_int_equal(ev_ncr_count("&&#x0041;", 9), 1);
    static const char pool[] = "=&#x;0123479ADEFad ";
    uint32_t seed = 1618;
    char l[64];
    size_t n_qp = 0, n_subs = 0;
    for (int k = 0; k < 300000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % 40;
        static const char *const tok[] = {"&#x00E9;", "&#xABCD;", "&#x", "&#x00e9;", "=41", "=3D",
                                          "=20",      "=09",      "=7F", "=0",       "&",   "="};
        for (size_t i = 0; i < len;) {
            seed = seed * 1103515245u + 12345u;
            if ((seed >> 10) & 1) {
                const char *t = tok[(seed >> 12) % (sizeof tok / sizeof tok[0])];
                for (size_t j = 0; t[j] && i < len; j++)
                    l[i++] = t[j];
            } else {
                l[i++] = pool[(seed >> 16) % (sizeof pool - 1)];
            }
        }
        size_t qp = 0;
        for (size_t i = 0; i + 2 < len;) {
            if (l[i] == '=' && ref_qp_needless(l[i + 1], l[i + 2])) {
                qp++;
                i += 3;
            } else {
                i++;
            }
        }
        size_t subs = 0;
        for (size_t i = 0; i + 8 <= len; i++) {
            if (l[i] != '&' || l[i + 1] != '#' || l[i + 2] != 'x' || l[i + 7] != ';') continue;
            bool hex = true;
            for (size_t j = 3; j < 7; j++)
                if (!((l[i + j] >= '0' && l[i + j] <= '9') || (l[i + j] >= 'A' && l[i + j] <= 'F')))
                    hex = false;
            if (hex) {
                subs++;
                i += 7;
            }
        }
        n_qp += qp, n_subs += subs;
        if (ev_qp_needless(l, len) != qp || ev_ncr_count(l, len) != subs)
            fail_msg("\"%.*s\": %zu %zu, loops %zu %zu", (int)len, l, ev_qp_needless(l, len),
                     ev_ncr_count(l, len), qp, subs);
    }
    assert_true(n_qp > 100000 && n_subs > 50000);
}

/* tvd_vertical_words' counts eight bytes at a time against the byte loop */
static void test_chars_spaces(void **state)
{
    (void)state;
    size_t ch, sp;
    ev_chars_spaces("a b \xc3\xa9 ", 7, &ch, &sp); /* "a b é ": six characters, three spaces */
    assert_int_equal(ch, 6);
    assert_int_equal(sp, 3);
    static const unsigned char edge[] = {0x20, 0x20, 0x00, 0x1F, 0x21, 0x60, 0xA0, 0x7F, 0x80,
                                         0xBF, 0xC0, 0xC3, 0xA9, 0xE2, 0xFF, 0x41, 0x40, 0xE0};
    unsigned char buf[80];
    uint32_t seed = 4711;
    for (int k = 0; k < 200000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t off = (seed >> 8) % 8, len = (seed >> 12) % 64;
        bool any = (seed >> 20) % 3 == 0;
        for (size_t i = 0; i < off + len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf[i] = any ? (unsigned char)(seed >> 16) : edge[(seed >> 16) % sizeof edge];
        }
        size_t want_ch = 0, want_sp = 0;
        for (size_t i = off; i < off + len; i++) {
            want_ch += (buf[i] & 0xC0) != 0x80;
            want_sp += buf[i] == ' ';
        }
        ev_chars_spaces((const char *)buf + off, len, &ch, &sp);
        if (ch != want_ch || sp != want_sp)
            fail_msg("case %d: %zu %zu, byte loop %zu %zu", k, ch, sp, want_ch, want_sp);
    }
    for (unsigned v = 0; v < 256; v++)
        for (size_t pos = 0; pos < 16; pos++) {
            memset(buf, 'a', 16);
            buf[pos] = (unsigned char)v;
            ev_chars_spaces((const char *)buf, 16, &ch, &sp);
            assert_int_equal(ch, 16 - ((v & 0xC0) == 0x80));
            assert_int_equal(sp, v == ' ');
        }
}

/* check_for_uppercase's counts eight bytes at a time against the byte loop */
static void test_count_case(void **state)
{
    (void)state;
    size_t lo, up;
    ev_count_case("Hello World 2026 \xc3\x89T\xc3\xa9", 22, &lo, &up); /* É é: not ASCII */
    assert_int_equal(lo, 12);
    assert_int_equal(up, 3);
    unsigned char buf[80];
    uint32_t seed = 1234;
    for (int k = 0; k < 200000; k++) {
        seed = seed * 1103515245u + 12345u;
        size_t off = (seed >> 8) % 8, len = (seed >> 12) % 64;
        for (size_t i = 0; i < off + len; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned r = seed >> 16;
            /* around the class bounds, or any byte */
            static const unsigned char edge[] = {'/',  '0',  '9',  ':',  '@',  'A',  'Z',  '[',
                                                 '`',  'a',  'z',  '{',  0x7F, 0x80, 0xC1, 0xDA,
                                                 0xE1, 0xFA, 0xB0, 0xB9, 0x00, ' '};
            buf[i] = r & 1 ? (unsigned char)(r >> 1) : edge[(r >> 1) % sizeof edge];
        }
        size_t want_lo = 0, want_up = 0;
        for (size_t i = off; i < off + len; i++) {
            unsigned ch = buf[i];
            if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
                want_lo++;
            else if (ch >= 'A' && ch <= 'Z')
                want_up++;
        }
        ev_count_case((const char *)buf + off, len, &lo, &up);
        if (lo != want_lo || up != want_up)
            fail_msg("case %d: %zu %zu, byte loop %zu %zu", k, lo, up, want_lo, want_up);
    }
    for (unsigned v = 0; v < 256; v++)
        for (size_t pos = 0; pos < 16; pos++) {
            memset(buf, ' ', 16);
            buf[pos] = (unsigned char)v;
            ev_count_case((const char *)buf, 16, &lo, &up);
            assert_int_equal(lo, (v >= 'a' && v <= 'z') || (v >= '0' && v <= '9'));
            assert_int_equal(up, v >= 'A' && v <= 'Z');
        }
}

/* ev_re keeps the patterns last asked for by the address of their text:
 * the same address holding another pattern (or other flags) must give
 * that pattern's regex. ev_re_match shares one match data per thread:
 * groups a pattern does not have must read as unset after a match of a
 * pattern that had them, and a pattern with many groups gets them all. */
static void test_ev_re_reuse(void **state)
{
    (void)state;
    const char *msg = "Subject: x\n\nx\n";
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    char buf[16];
    strcpy(buf, "a+b");
    const struct ev_re *r1 = ev_re(buf, 0);
    assert_non_null(r1);
    assert_true(ev_re_match(&x.ctx, r1, "xaab", 4, 0, NULL, 0));
    strcpy(buf, "c+d");
    const struct ev_re *r2 = ev_re(buf, 0);
    assert_non_null(r2);
    assert_ptr_not_equal(r1, r2);
    assert_true(ev_re_match(&x.ctx, r2, "ccd", 3, 0, NULL, 0));
    assert_false(ev_re_match(&x.ctx, r2, "xaab", 4, 0, NULL, 0));
    assert_false(ev_re_match(&x.ctx, r2, "CCD", 3, 0, NULL, 0));
    const struct ev_re *r3 = ev_re(buf, EV_RE_I);
    assert_non_null(r3);
    assert_ptr_not_equal(r2, r3);
    assert_true(ev_re_match(&x.ctx, r3, "CCD", 3, 0, NULL, 0));
    assert_ptr_equal(ev_re("a+b", 0), r1); /* the same text elsewhere */

    size_t ov[42];
    const struct ev_re *g3 = ev_re("(a)(b)(c)", 0);
    assert_true(ev_re_match(&x.ctx, g3, "xabc", 4, 0, ov, 4));
    const size_t want3[8] = {1, 4, 1, 2, 2, 3, 3, 4};
    for (int k = 0; k < 8; k++)
        assert_int_equal(ov[k], want3[k]);
    const struct ev_re *g1 = ev_re("(x)", 0);
    assert_true(ev_re_match(&x.ctx, g1, "zx", 2, 0, ov, 4));
    assert_int_equal(ov[0], 1);
    assert_int_equal(ov[1], 2);
    assert_int_equal(ov[2], 1);
    assert_int_equal(ov[3], 2);
    for (int k = 4; k < 8; k++)
        assert_int_equal(ov[k], (size_t)-1);
    /* 20 nested groups, each capturing the one "a" at 1 */
    const struct ev_re *g20 = ev_re("((((((((((((((((((((a))))))))))))))))))))", 0);
    assert_true(ev_re_match(&x.ctx, g20, "ba", 2, 0, ov, 21));
    for (int k = 0; k < 21; k++) {
        assert_int_equal(ov[2 * k], 1);
        assert_int_equal(ov[2 * k + 1], 2);
    }
    assert_false(ev_re_match(&x.ctx, g20, "bb", 2, 0, ov, 21));
    fx_free(&x);
}

/* check_freemail_body collects addresses only from body lines holding an
 * '@'; worked out from FreeMail's limits (5 addresses: skip) by hand. */
static void test_freemail_body_lines(void **state)
{
    (void)state;
    assert_true(on("From: a@corp.example\nSubject: x\n\nno address here\n\n"
                   "write to bob@gmail.com today\n\nplain again\n",
                   "check_freemail_body", NULL));
    assert_false(on("From: a@corp.example\nSubject: x\n\nno address here\n\n"
                    "write to bob@corp.example today\n",
                    "check_freemail_body", NULL));
    assert_true(on("From: a@corp.example\nSubject: x\n\nat signs @@ alone\n\n"
                   "and bob@hotmail.com\n",
                   "check_freemail_body", NULL));
    /* five addresses in the body: FreeMail gives up */
    assert_false(on("From: a@corp.example\nSubject: x\n\nlist\n\n"
                    "a@x.example b@x.example c@x.example d@x.example e@gmail.com\n",
                    "check_freemail_body", NULL));
}

/* check_uri_host_listed with the test list {net, !example.net, ly}: the
 * host, then each parent domain; the first listed ("name" or "!name")
 * decides. A host near DNS's 253-byte ceiling as well. */
/* The registry lists of a parsed rule set carry a serial, new each time the
 * parser fills them: the sorted copies evals keep per process are keyed on
 * it, so a list refilled in place with as many entries is not mistaken for
 * the one before (www.a.co.zz: "a.co.zz" while co.zz is a listed two-level
 * suffix, "co.zz" once it is not). */
static const struct rule_list *find_list(const struct ruleset *rs, const char *name)
{
    for (size_t i = 0; i < rs->n_lists; i++)
        if (strcmp(rs->lists[i].name, name) == 0) return &rs->lists[i];
    return NULL;
}

static const char *reg_domain_in(const struct ruleset *rs, const char *host)
{
    static char out[64];
    struct fx x;
    fx_load_buf(&x, "From: a@b.example\n\nx\n", 20);
    x.ctx.rs = rs;
    const char *d = ev_reg_domain(&x.ctx, host);
    snprintf(out, sizeof out, "%s", d ? d : "(null)");
    fx_free(&x);
    return out;
}

static void test_rb_list_serial(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    static const char one[] = "util_rb_2tld co.zz\n";
    char *b1 = malloc(sizeof one - 1);
    memcpy(b1, one, sizeof one - 1);
    ruleset_parse_buf(rs, NULL, b1, sizeof one - 1);
    ruleset_finish(rs);
    const struct rule_list *l = find_list(rs, "util_rb_2tld");
    assert_non_null(l);
    assert_int_equal(l->n, 1);
    uint64_t s1 = ruleset_list_serial(rs, (size_t)(l - rs->lists));
    assert_true(s1 != 0);
    const void *v1 = l->v;
    assert_string_equal(reg_domain_in(rs, "www.a.co.zz"), "a.co.zz");
    assert_string_equal(reg_domain_in(rs, "www.a.co.yy"), "co.yy");

    static const char two[] = "clear_util_rb\nutil_rb_2tld co.yy\n";
    char *b2 = malloc(sizeof two - 1);
    memcpy(b2, two, sizeof two - 1);
    ruleset_parse_buf(rs, NULL, b2, sizeof two - 1);
    ruleset_finish(rs);
    l = find_list(rs, "util_rb_2tld");
    assert_non_null(l);
    assert_int_equal(l->n, 1);
    assert_string_equal(l->v[0], "co.yy");
    uint64_t s2 = ruleset_list_serial(rs, (size_t)(l - rs->lists));
    assert_true(s2 != 0 && s2 != s1);
    /* a hand-built rule set has none */
    assert_int_equal(ruleset_list_serial(&test_rs, 0), 0);
    (void)v1; /* refilled in place or not, the answers follow the new list */
    assert_string_equal(reg_domain_in(rs, "www.a.co.zz"), "co.zz");
    assert_string_equal(reg_domain_in(rs, "www.a.co.yy"), "a.co.yy");
    ruleset_free(rs);
    free(b1);
    free(b2);
}

/* ruleset_list_find: the parser's name index for a parsed rule set (each
 * list at its own index, absent names -1), the name scan for a hand-built
 * one or for lists the caller changed, and ev_list answers from it. */
static void test_list_find(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    static const char txt[] = "welcomelist_from *@a.example\n"
                              "blocklist_from x@b.example y@b.example\n"
                              "enlist_addrlist (FOO) z@c.example\n";
    char *b = malloc(sizeof txt - 1);
    memcpy(b, txt, sizeof txt - 1);
    ruleset_parse_buf(rs, NULL, b, sizeof txt - 1);
    ruleset_finish(rs);
    const char *names[] = {"welcomelist_from", "blocklist_from", "enlist_addrlist:FOO"};
    for (size_t k = 0; k < 3; k++) {
        long i = ruleset_list_find(rs, names[k]);
        assert_true(i >= 0 && (size_t)i < rs->n_lists);
        assert_string_equal(rs->lists[i].name, names[k]);
    }
    assert_int_equal(ruleset_list_find(rs, "blocklist_to"), -1);
    assert_int_equal(ruleset_list_find(rs, "enlist_addrlist:BAR"), -1);
    assert_int_equal(ruleset_list_find(rs, "blocklist_fro"), -1);

    struct fx x;
    fx_load_buf(&x, "From: a@b.example\n\nx\n", 20);
    x.ctx.rs = rs;
    const char *const *v;
    assert_int_equal(ev_list(&x.ctx, "blocklist_from", &v), 2);
    assert_string_equal(v[0], "x@b.example");
    assert_string_equal(v[1], "y@b.example");
    assert_int_equal(ev_list(&x.ctx, "enlist_addrlist:FOO", &v), 1);
    assert_string_equal(v[0], "z@c.example");
    assert_int_equal(ev_list(&x.ctx, "blocklist_to", &v), 0);
    assert_null(v);
    /* the lengths worked out by the parser, for the glob matching */
    const size_t *lens;
    assert_int_equal(ev_list_lens(&x.ctx, "blocklist_from", &v, &lens), 2);
    assert_non_null(lens);
    assert_int_equal(lens[0], strlen(v[0]));
    assert_int_equal(lens[1], strlen(v[1]));
    assert_true(ev_glob_any_lens(v, lens, 2, "y@b.example"));
    assert_false(ev_glob_any_lens(v, lens, 2, "z@b.example"));

    /* an entry of the parser's array renamed by hand: no longer found under
     * its old name (names the index lacks are not looked for: rules.h) */
    long bi = ruleset_list_find(rs, "blocklist_from");
    char *old = rs->lists[bi].name;
    rs->lists[bi].name = (char *)"blocklist_to";
    assert_int_equal(ruleset_list_find(rs, "blocklist_from"), -1);
    rs->lists[bi].name = old;

    /* another array put in place: scanned by name */
    struct rule_list *saved = rs->lists;
    size_t saved_n = rs->n_lists;
    static char *e1[] = {"q@d.example"};
    struct rule_list mine[] = {{"blocklist_to", e1, 1, 0}, {"blocklist_from", e1, 1, 0}};
    rs->lists = mine;
    rs->n_lists = 2;
    assert_int_equal(ruleset_list_find(rs, "blocklist_from"), 1);
    assert_int_equal(ruleset_list_find(rs, "welcomelist_from"), -1);
    assert_int_equal(ev_list(&x.ctx, "blocklist_from", &v), 1);
    assert_string_equal(v[0], "q@d.example");
    /* not the parser's array: its lengths are not known (stale ones would
     * turn the entry down) */
    assert_int_equal(ev_list_lens(&x.ctx, "blocklist_from", &v, &lens), 1);
    assert_null(lens);
    assert_true(ev_glob_any_lens(v, lens, 1, "q@d.example"));
    rs->lists = saved;
    rs->n_lists = saved_n;
    fx_free(&x);

    /* the hand-built test rule set (no parser state) */
    assert_int_equal(ruleset_list_find(&test_rs, "enlist_addrlist:PAYPAL"), 0);
    assert_int_equal(ruleset_list_find(&test_rs, "util_rb_2tld"), 6);
    assert_int_equal(ruleset_list_find(&test_rs, "welcomelist_from"), -1);
    ruleset_free(rs);
    free(b);
}

/* ev_addrs: the first To/Cc/Reply-To field's addresses are message_parse's,
 * later fields are parsed here, ToCc is To's then Cc's; empty addresses
 * are left out. A To field longer than message_parse decodes (64 KiB) is
 * parsed in full here: its last address is found. */
static void test_addrs_fields(void **state)
{
    (void)state;
    static const char msg[] = "From: f@f.example\n"
                              "To: A <a@x.example>, b@x.example\n"
                              "Cc: c@y.example\n"
                              "To: d@x.example\n"
                              "Reply-To: r@z.example, <>\n"
                              "Cc: e@y.example\n"
                              "\nbody\n";
    struct fx x;
    fx_load_buf(&x, msg, sizeof msg - 1);
    const char *const *v;
    assert_int_equal(ev_addrs(&x.ctx, "ToCc", &v), 5);
    assert_string_equal(v[0], "a@x.example");
    assert_string_equal(v[1], "b@x.example");
    assert_string_equal(v[2], "d@x.example");
    assert_string_equal(v[3], "c@y.example");
    assert_string_equal(v[4], "e@y.example");
    assert_int_equal(ev_addrs(&x.ctx, "To", &v), 3);
    assert_string_equal(v[2], "d@x.example");
    assert_int_equal(ev_addrs(&x.ctx, "Cc", &v), 2);
    assert_string_equal(v[0], "c@y.example");
    assert_string_equal(v[1], "e@y.example");
    assert_int_equal(ev_addrs(&x.ctx, "Reply-To", &v), 1);
    assert_string_equal(v[0], "r@z.example");
    assert_string_equal(ev_addr(&x.ctx, "From"), "f@f.example");
    fx_free(&x);

    /* no Cc: ToCc is To; neither: none */
    static const char m2[] = "To: a@x.example\n\nbody\n";
    fx_load_buf(&x, m2, sizeof m2 - 1);
    assert_int_equal(ev_addrs(&x.ctx, "ToCc", &v), 1);
    assert_string_equal(v[0], "a@x.example");
    assert_int_equal(ev_addrs(&x.ctx, "Cc", &v), 0);
    fx_free(&x);
    static const char m3[] = "Cc: c@y.example\n\nbody\n";
    fx_load_buf(&x, m3, sizeof m3 - 1);
    assert_int_equal(ev_addrs(&x.ctx, "ToCc", &v), 1);
    assert_string_equal(v[0], "c@y.example");
    fx_free(&x);
    static const char m4[] = "Subject: x\n\nbody\n";
    fx_load_buf(&x, m4, sizeof m4 - 1);
    assert_int_equal(ev_addrs(&x.ctx, "ToCc", &v), 0);
    fx_free(&x);

    /* To: a@x.example, (70,000 x), z@x.example */
    size_t pad = 70000;
    const char *head = "To: a@x.example, (";
    const char *tail = "), z@x.example\n\nbody\n";
    size_t hl = strlen(head), tl = strlen(tail);
    char *big = malloc(hl + pad + tl);
    memcpy(big, head, hl);
    memset(big + hl, 'x', pad);
    memcpy(big + hl + pad, tail, tl);
    fx_load_buf(&x, big, hl + pad + tl);
    assert_int_equal(ev_addrs(&x.ctx, "To", &v), 2);
    assert_string_equal(v[0], "a@x.example");
    assert_string_equal(v[1], "z@x.example");
    fx_free(&x);
    free(big);
}

/* The sorted lists are looked up once per message and list name: in one
 * message, lists asked in turn (and again; first by a name in a buffer
 * reused after) each give their own answer; a list the rule set lacks none. */
static void test_list_lookup_per_message(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    static const char cf[] = "enlist_uri_host (L_ONE) one.example\n"
                             "enlist_uri_host (L_TWO) two.example\n"
                             "util_rb_2tld co.zz\n"
                             "util_rb_3tld a.b.zz\n";
    char *b = malloc(sizeof cf - 1);
    memcpy(b, cf, sizeof cf - 1);
    ruleset_parse_buf(rs, NULL, b, sizeof cf - 1);
    ruleset_finish(rs);
    struct fx x;
    fx_load_buf(&x, "From: a@b.example\n\nx\n", 20);
    x.ctx.rs = rs;
    /* the first asking by a name in a buffer that then changes */
    char name[64];
    snprintf(name, sizeof name, "enlist_uri_host:L_TWO");
    assert_true(ev_list_contains(&x.ctx, name, "two.example"));
    snprintf(name, sizeof name, "enlist_uri_host:L_ONE");
    assert_true(ev_list_contains(&x.ctx, name, "one.example"));
    assert_false(ev_list_contains(&x.ctx, name, "two.example"));
    for (int round = 0; round < 2; round++) {
        assert_true(ev_list_contains(&x.ctx, "enlist_uri_host:L_ONE", "one.example"));
        assert_false(ev_list_contains(&x.ctx, "enlist_uri_host:L_ONE", "two.example"));
        assert_true(ev_list_contains(&x.ctx, "enlist_uri_host:L_TWO", "two.example"));
        assert_false(ev_list_contains(&x.ctx, "enlist_uri_host:L_TWO", "one.example"));
        assert_false(ev_list_contains(&x.ctx, "enlist_uri_host:L_NONE", "one.example"));
        /* by hand: co.zz is a two-level suffix, a.b.zz a three-level one */
        assert_string_equal(ev_reg_domain(&x.ctx, "www.a.co.zz"), "a.co.zz");
        assert_string_equal(ev_reg_domain(&x.ctx, "www.x.a.b.zz"), "x.a.b.zz");
        assert_string_equal(ev_reg_domain(&x.ctx, "www.a.b.yy"), "b.yy");
    }
    fx_free(&x);
    ruleset_free(rs);
    free(b);
}

/* uri_host_listed's per-message hosts and the address lists found once per
 * call: several lists asked in one message (the cached hosts reused) give
 * the answers of a fresh message each, and the hand-worked ones. */
static bool uri_listed_fresh(struct ruleset *rs, const char *msg, const char *list,
                             const char **evidence)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    x.ctx.rs = rs;
    bool r = run1(&x, "check_uri_host_listed", list);
    static char ev[128];
    snprintf(ev, sizeof ev, "%s", x.ctx.evidence ? x.ctx.evidence : "");
    *evidence = ev;
    fx_free(&x);
    return r;
}

static void test_uri_hosts_cached(void **state)
{
    (void)state;
    struct ruleset *rs = ruleset_new();
    static const char cf[] = "enlist_uri_host (L_ONE) one.com\n"
                             "enlist_uri_host (L_TWO) two.net !x.two.net\n"
                             "enlist_uri_host (L_IP) 192.0.2.1\n"
                             "enlist_addrlist (L_ADDR) *@*.one.com\n";
    char *b = malloc(sizeof cf - 1);
    memcpy(b, cf, sizeof cf - 1);
    ruleset_parse_buf(rs, NULL, b, sizeof cf - 1);
    ruleset_finish(rs);
    static const char msg[] = "From: A <a@Mail.One.Com>\n"
                              "To: t@two.net\n"
                              "Reply-To: r@one.com\n"
                              "Subject: x\n\n"
                              "mailto:m@one.com\n"
                              "http://user@WWW.One.Com:80/x\n"
                              "http://x.two.net/\n"
                              "http://192.0.2.1/\n"
                              "http://y.two.net/z\n";
    static const struct {
        const char *list;
        bool hit;
        const char *evidence;
    } want[] = {
        {"L_ONE", true, "URI: www.one.com"}, /* the mailto: URI is not a host */
        {"L_TWO", true, "URI: y.two.net"},   /* x.two.net is negated */
        {"L_IP", true, "URI: 192.0.2.1"},    {"L_NONE", false, ""},
        {"L_ONE", true, "URI: www.one.com"}, /* asked again */
    };
    struct fx x;
    fx_load_buf(&x, msg, sizeof msg - 1);
    x.ctx.rs = rs;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        bool r = run1(&x, "check_uri_host_listed", want[i].list);
        const char *ev = x.ctx.evidence ? x.ctx.evidence : "";
        const char *fresh_ev;
        bool fresh = uri_listed_fresh(rs, msg, want[i].list, &fresh_ev);
        assert_int_equal(r, want[i].hit);
        assert_int_equal(fresh, want[i].hit);
        assert_string_equal(ev, want[i].evidence);
        assert_string_equal(fresh_ev, want[i].evidence);
    }
    /* address lists: enlist_addrlist:NAME first, else the setting NAME */
    assert_true(run1(&x, "check_from_in_list", "L_ADDR")); /* a@mail.one.com */
    assert_string_equal(x.ctx.evidence, "a@mail.one.com");
    assert_false(run1(&x, "check_replyto_in_list", "L_ADDR")); /* r@one.com: no '.' */
    assert_false(run1(&x, "check_to_in_list", "L_ADDR"));
    assert_false(run1(&x, "check_from_in_list", "L_NONE"));
    char longname[400];
    memset(longname, 'N', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_false(run1(&x, "check_from_in_list", longname));
    assert_false(run1(&x, "check_uri_host_listed", longname));
    fx_free(&x);
    /* no URI at all, and the setting name of test_ruleset's lists */
    assert_false(on("Subject: x\n\nno links\n", "check_uri_host_listed", "SUSP_NTLD"));
    assert_true(on("From: x@bulkmailer.example\n\nx\n", "check_from_in_list", "blocklist_from"));
    assert_false(
        on("From: x@bulkmailer.example.org\n\nx\n", "check_from_in_list", "blocklist_from"));
    assert_true(on("From: z@x.paypal.com\n\nx\n", "check_from_in_list", "PAYPAL"));
    assert_true(on("From: a@b.c\nTo: q@PayPal.com\n\nx\n", "check_to_in_list", "PAYPAL"));
    /* ev_glob_any: NULL entries are passed over */
    const char *const v[] = {NULL, "*@a.example", NULL, "b?@b.example"};
    assert_true(ev_glob_any(v, 4, "bx@b.example"));
    assert_true(ev_glob_any(v, 4, "q@A.example"));
    assert_false(ev_glob_any(v, 4, "bxy@b.example"));
    assert_false(ev_glob_any(v, 0, "q@a.example"));
    ruleset_free(rs);
    free(b);
}

static void test_uri_host_negation(void **state)
{
    (void)state;
    assert_false(on("Subject: x\n\nVisit http://www.example.net/x now\n", "check_uri_host_listed",
                    "SUSP_NTLD")); /* !example.net decides before net */
    assert_true(on("Subject: x\n\nVisit http://www.other.net/x now\n", "check_uri_host_listed",
                   "SUSP_NTLD"));
    char label[61], host[400], msg[600];
    memset(label, 'a', 60);
    label[60] = 0;
    snprintf(host, sizeof host, "%s.%s.%s.%s.ly", label, label, label, label); /* 246 bytes */
    snprintf(msg, sizeof msg, "Subject: x\n\nVisit http://%s/x now\n", host);
    assert_true(on(msg, "check_uri_host_listed", "SUSP_NTLD")); /* ly */
}

/* ev_num reads a plain decimal without strtod: its value must be strtod's
 * to the bit (sign of zero included), and anything else (exponents, hex,
 * too many digits, no digits) must still go to strtod. */
static void test_ev_num_strtod(void **state)
{
    (void)state;
    static const char *const in[] = {
        "0",
        "7",
        "12",
        "-3",
        "+4",
        "0.5",
        "-0.25",
        "3.",
        ".5",
        "-.75",
        "-0",
        "-0.0",
        "1.5.3",
        "12abc",
        "0.1",
        "0.3",
        "2.675",
        "1.15",
        "123456789012345",
        "0.000000000000001",
        "9.99999999999999",
        "1234567890123456",
        "0.1234567890123456",
        "1e5",
        "1.5E-3",
        "12e",
        "0x1A",
        "0x",
        "inf",
        "-infinity",
        "nan",
        ".",
        "-",
        "",
        "  42",
        "\t-8.5x",
        "00000000000000001",
        "3600",
        "-48",
        "0.9999999999999999",
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) {
        size_t n = strlen(in[i]);
        char *s = malloc(n + 1); /* exact size: ASan sees an over-read */
        assert_non_null(s);
        memcpy(s, in[i], n + 1);
        const char *p = s;
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        double want = strtod(p, &end);
        if (end == p) want = 0;
        double got = ev_num(s);
        if (memcmp(&got, &want, sizeof got) != 0 && !(got != got && want != want))
            fail_msg("ev_num(\"%s\") = %.17g, strtod gives %.17g", in[i], got, want);
        free(s);
    }
    assert_true(ev_num("-0") == 0 && 1 / ev_num("-0") < 0); /* -0, as strtod */
    assert_true(ev_num("0.1") == 0.1);
    assert_true(ev_num("1.5.3") == 1.5);
    assert_true(ev_num("2.5e1") == 25);
}

/* ---- ev_relays from msgview's relays, against its pseudo-headers read back ---- */

/* relays_parse as it was, the reference: each "[ k=v ... ]" of the string,
 * a value running to the next " key=", trimmed */
#define REF_KEYS 10
struct ref_relay {
    char v[REF_KEYS][256]; /* ip rdns helo by ident envfrom intl id auth msa */
};

static size_t ref_relays_parse(const char *s, struct ref_relay *out, size_t max)
{
    static const char *const keys[REF_KEYS] = {"ip",      "rdns", "helo", "by",   "ident",
                                               "envfrom", "intl", "id",   "auth", "msa"};
    size_t n = 0;
    while (s && (s = strchr(s, '[')) && n < max) {
        const char *e = strchr(s, ']');
        if (!e) e = s + strlen(s);
        struct ref_relay *r = &out[n++];
        memset(r, 0, sizeof *r);
        const char *p = s + 1;
        while (p < e) {
            while (p < e && *p == ' ')
                p++;
            const char *eq = memchr(p, '=', (size_t)(e - p));
            if (!eq) break;
            const char *q = eq + 1, *vend = e;
            for (const char *t = q; t < e; t++) {
                if (*t != ' ') continue;
                const char *t2 = t + 1;
                while (t2 < e && ch_is_alpha((unsigned char)*t2))
                    t2++;
                if (t2 < e && *t2 == '=' && t2 > t + 1) {
                    vend = t;
                    break;
                }
            }
            for (int k = 0; k < REF_KEYS; k++)
                if ((size_t)(eq - p) == strlen(keys[k]) &&
                    memcmp(p, keys[k], strlen(keys[k])) == 0) {
                    struct slice sv = str_trim(q, (size_t)(vend - q));
                    snprintf(r->v[k], sizeof r->v[k], "%.*s", (int)sv.len, sv.p);
                    break;
                }
            p = vend;
        }
        s = *e ? e + 1 : e;
    }
    return n;
}

static void check_relay_list(const struct ev_relay *got, size_t n_got, const char *str)
{
    struct ref_relay want[16];
    size_t n = ref_relays_parse(str, want, 16);
    assert_int_equal(n_got, n);
    for (size_t i = 0; i < n; i++) {
        const char *g[] = {got[i].ip,    got[i].rdns,    got[i].helo, got[i].by,
                           got[i].ident, got[i].envfrom, got[i].id,   got[i].auth};
        const int k[] = {0, 1, 2, 3, 4, 5, 7, 8};
        for (int j = 0; j < 8; j++)
            assert_string_equal(g[j], want[i].v[k[j]]);
        char lc[256];
        snprintf(lc, sizeof lc, "%s", want[i].v[1]);
        str_lower(lc, strlen(lc));
        assert_string_equal(got[i].lc_rdns, lc);
        assert_int_equal(got[i].no_reverse_dns, want[i].v[1][0] == 0);
    }
}

/* want_fields: msgview gives the relays field by field (else ev_relays
 * parses the strings) */
static void check_relays(const char *msg, bool want_fields)
{
    struct fx x;
    fx_load_buf(&x, msg, strlen(msg));
    size_t n;
    struct mv_text str;
    const struct mv_relay *mr = msgview_relays(&x.v, 0, &n, &str);
    assert_int_equal(mr != NULL, want_fields);
    const struct ev_relays *R = ev_relays(&x.ctx);
    const struct mv_text *t = msgview_header(&x.v, "X-Spam-Relays-Trusted", HM_DEFAULT);
    const struct mv_text *u = msgview_header(&x.v, "X-Spam-Relays-Untrusted", HM_DEFAULT);
    assert_string_equal(R->trusted_str, t ? t->p : "");
    assert_string_equal(R->untrusted_str, u ? u->p : "");
    check_relay_list(R->trusted, R->n_trusted, R->trusted_str);
    check_relay_list(R->untrusted, R->n_untrusted, R->untrusted_str);
    fx_free(&x);
}

static void test_relays_fields(void **state)
{
    (void)state;
    const char *r_pub = "Received: from mail.Example.org (mail.example.org [198.51.100.7]) by "
                        "mx.example.com (Postfix) with ESMTPS id 4AbCd1234 for <to@example.com>; "
                        "Tue, 1 Dec 2026 01:02:03 +0000\n";
    const char *r_priv = "Received: from [10.0.0.5] (helo=Laptop) by mail.example.org with esmtpsa "
                         "(Exim 4.96) (envelope-from <joe@example.org>) id 1abc-000; Tue, 1 Dec "
                         "2026 01:01:03 +0000\n";
    const char *r_local = "Received: from localhost (localhost [127.0.0.1]) by mx.example.com "
                          "(Postfix) with ESMTP id 111; Tue, 1 Dec 2026 01:02:04 +0000\n";
    const char *r_auth = "Received: from client.example.net (client.example.net [203.0.113.9]) "
                         "(Authenticated sender: joe) by smtp.example.net (a=b) with ESMTP id 77; "
                         "Tue, 1 Dec 2026 01:00:00 +0000\n";
    char msg[4096];
    /* none; trusted (local, private) then untrusted; an originating IP */
    check_relays("From: a@example.com\n\nbody\n", true);
    snprintf(msg, sizeof msg, "%s%s%sFrom: a@example.com\n\nbody\n", r_local, r_pub, r_priv);
    check_relays(msg, true);
    snprintf(msg, sizeof msg, "%s%sX-Originating-IP: [192.0.2.44]\nFrom: a@example.com\n\nx\n",
             r_pub, r_priv);
    check_relays(msg, true);
    /* an authentication method with '=' is not read back as written: the
     * strings are parsed */
    snprintf(msg, sizeof msg, "%s%sFrom: a@example.com\n\nbody\n", r_pub, r_auth);
    check_relays(msg, false);
}

/* ---- the address, link and list evals' short cuts, by hand ---- */

static void test_freemail_shortcuts(void **state)
{
    (void)state;
    char msg[8192], junk[600], local[80], label[62];
    memset(junk, 'x', 500), junk[500] = 0;
    /* FreeMail's body addresses: found around each '@' only */
    snprintf(msg, sizeof msg, "From: a@example.com\n\n%s write to someone@gmail.com please\n",
             junk);
    assert_true(on(msg, "check_freemail_body", NULL));
    /* the match past the first '@' is the next '@''s */
    assert_true(on("From: a@example.com\n\nsee x@y@gmail.com now\n", "check_freemail_body", NULL));
    snprintf(msg, sizeof msg, "From: a@example.com\n\na@b %s user@gmail.com\n", junk);
    assert_true(on(msg, "check_freemail_body", NULL));
    /* the subject is cut 320 bytes after the '@' tried: an address after
     * the next '@' cut there ("user@gmail.com" of user@gmail.com.evil) is
     * not taken */
    char fill[400] = "";
    for (size_t k = 0; k < 303; k++)
        fill[k] = k % 5 == 4 ? ' ' : 'z';
    fill[303] = 0;
    snprintf(msg, sizeof msg, "From: a@example.com\n\na@ %s user@gmail.com.evil\n", fill);
    assert_false(on(msg, "check_freemail_body", NULL));
    snprintf(msg, sizeof msg, "From: a@example.com\n\na@ %s user@gmail.com\n", fill);
    assert_true(on(msg, "check_freemail_body", NULL));
    /* a local part of 64 bytes is one, of 70 none (the look-ahead) */
    memset(local, 'q', 64), local[64] = 0;
    snprintf(msg, sizeof msg, "From: a@example.com\n\nto %s@gmail.com\n", local);
    assert_true(on(msg, "check_freemail_body", NULL));
    memset(local, 'q', 70), local[70] = 0;
    snprintf(msg, sizeof msg, "From: a@example.com\n\nto %s@gmail.com\n", local);
    assert_false(on(msg, "check_freemail_body", NULL));
    /* a long domain (a 61-byte label) is read whole */
    memset(label, 'd', 61), label[61] = 0;
    snprintf(msg, sizeof msg, "From: a@example.com\n\nto user@%s.freemail.example\n", label);
    assert_true(on(msg, "check_freemail_body", NULL));
    /* FreeMail's globs: '*' is one label, not none or two */
    assert_true(on("From: a@sub.freemail.example\n\nx\n", "check_freemail_from", NULL));
    assert_true(on("From: a@SUB.Freemail.Example\n\nx\n", "check_freemail_from", NULL));
    assert_false(on("From: a@freemail.example\n\nx\n", "check_freemail_from", NULL));
    assert_false(on("From: a@x.y.freemail.example\n\nx\n", "check_freemail_from", NULL));
    assert_false(on("From: a@sub.freemail.examplex\n\nx\n", "check_freemail_from", NULL));
    /* check_freemail_replyto: the envelope senders it sets aside */
    static const struct {
        const char *env;
        bool hit;
    } envs[] = {
        {"plain@example.com", true},          {"owner@example.com", true},
        {"bounce-123@lists.example", false},  {"noreply@example.com", false},
        {"No.Replies@example.com", false},    {"Postmaster@example.com", false},
        {"a=b=c@example.com", false},         {"list-request@example.com", false},
        {"double-bounce@example.com", false},
    };
    for (size_t i = 0; i < sizeof envs / sizeof envs[0]; i++) {
        snprintf(msg, sizeof msg,
                 "Return-Path: <%s>\nFrom: a@gmail.com\nReply-To: b@yahoo.com\n\nx\n", envs[i].env);
        if (on(msg, "check_freemail_replyto", "replyto") != envs[i].hit)
            fail_msg("envelope %s: want %d", envs[i].env, envs[i].hit);
    }
}

static void test_link_shortcuts(void **state)
{
    (void)state;
    /* HTTPSMismatch: the href's scheme in any case, an IP host skipped */
    const char *head = "From: a@example.com\nContent-Type: text/html\n\n<html><body>";
    char msg[1024];
    static const struct {
        const char *href, *text;
        bool hit;
    } links[] = {
        {"HTTP://Www.Example.COM/x", "https://www.other.example.net/", true},
        {"http://www.example.com/x", "https://www.example.com/", false},
        {"http://192.0.2.1/x", "https://www.other.example.net/", false},
        {"http:///x", "https://www.other.example.net/", false},
        {"https://www.example.com:8080/x", "https://www.other.example.net/", true},
        {"ftp://www.example.com/x", "https://www.other.example.net/", false},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        snprintf(msg, sizeof msg, "%s<a href=\"%s\">%s</a></body></html>\n", head, links[i].href,
                 links[i].text);
        if (on2(msg, "check_https_http_mismatch", "1", "10") != links[i].hit)
            fail_msg("%s shown as %s: want %d", links[i].href, links[i].text, links[i].hit);
    }
    /* check_uri_host_listed: a host repeated before the listed one */
    const char *uris = "From: a@example.com\n\nsee http://a.example.net/1 http://a.example.net/2 "
                       "http://a.example.net/3 and http://foo.net/x\n";
    struct fx x;
    fx_load_buf(&x, uris, strlen(uris));
    assert_true(run1(&x, "check_uri_host_listed", "SUSP_NTLD"));
    assert_non_null(x.ctx.evidence);
    assert_string_equal(x.ctx.evidence, "URI: foo.net");
    fx_free(&x);
    assert_false(on("From: a@example.com\n\nsee http://a.example.net/1 http://a.example.net/2\n",
                    "check_uri_host_listed", "SUSP_NTLD"));
    /* a second To field's addresses (the first one's come parsed) */
    assert_true(on("From: a@example.com\nTo: x@example.com\nTo: y@paypal.com\n\nx\n",
                   "check_to_in_list", "PAYPAL"));
    assert_false(on("From: a@example.com\nTo: x@example.com\nTo: y@example.org\n\nx\n",
                    "check_to_in_list", "PAYPAL"));
}

/* check_mime_multipart_ratio counts a part's lines without the CR of a
 * "\r\n": the same message with an HTML part ending its lines "\n" or
 * "\r\n" gives the same ratio (against thresholds from 0.50 to 1.00) */
static void test_mime_ratio_crlf(void **state)
{
    (void)state;
    char msg[2][4096];
    for (int crlf = 0; crlf < 2; crlf++) {
        size_t n = (size_t)snprintf(msg[crlf], sizeof msg[crlf],
                                    "From: a@example.com\nContent-Type: multipart/alternative; "
                                    "boundary=BB\n\n--BB\nContent-Type: text/plain\n\n");
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(msg[crlf] + n, sizeof msg[crlf] - n, "0123456789\n");
        n += (size_t)snprintf(msg[crlf] + n, sizeof msg[crlf] - n,
                              "--BB\nContent-Type: text/html\n\n");
        for (int i = 0; i < 10; i++)
            n += (size_t)snprintf(msg[crlf] + n, sizeof msg[crlf] - n, "<p>abcdef</p>%s",
                                  crlf ? "\r\n" : "\n");
        snprintf(msg[crlf] + n, sizeof msg[crlf] - n, "--BB--\n");
    }
    int hits = 0;
    for (int t = 50; t < 100; t++) {
        char lo[16], hi[16];
        snprintf(lo, sizeof lo, "0.%02d", t);
        snprintf(hi, sizeof hi, "%d.%02d", (t + 1) / 100, (t + 1) % 100);
        bool a = on2(msg[0], "check_mime_multipart_ratio", lo, hi);
        bool b = on2(msg[1], "check_mime_multipart_ratio", lo, hi);
        if (a != b) fail_msg("ratio in [%s, %s): LF %d, CRLF %d", lo, hi, a, b);
        hits += a;
    }
    assert_int_equal(hits, 1); /* 110 / 140 = 0.79 */
    assert_true(on2(msg[1], "check_mime_multipart_ratio", "0.78", "0.79"));
}

/* check_msg_parse_flags' truncated_header: a field's value with its
 * continuation lines over 8,192 bytes */
static void test_parse_flags_long_field(void **state)
{
    (void)state;
    static char msg[16384];
    for (int lines = 80; lines <= 100; lines += 20) {
        size_t n = (size_t)snprintf(msg, sizeof msg, "From: a@example.com\nX-Long: start\n");
        for (int i = 0; i < lines; i++)
            n += (size_t)snprintf(msg + n, sizeof msg - n, " %089d\n",
                                  i); /* 90 bytes and its "\n" */
        snprintf(msg + n, sizeof msg - n, "Subject: x\n\nbody\n");
        /* 80 lines: 6 + 80 * 91 = 7,286 bytes; 100: 9,106 */
        assert_int_equal(on(msg, "check_msg_parse_flags", "truncated_header"), lines == 100);
    }
}

/* ev_addrs("From") takes message_parse's From address when the one field
 * holds at most one: the same as parsing every From field again */
static void test_from_addrs_parsed(void **state)
{
    (void)state;
    static const char *const froms[] = {
        "From: a@example.com\n",
        "From: \"Doe, John\" <John.Doe@Example.COM>\n",
        "From: root\n",
        "From:\n",
        "From: a@example.com, b@example.org\n",
        "From: list: a@example.com;\n",
        "From: =?utf-8?q?J=C3=B6rg?= <j@example.de>\n",
        "From: a@example.com\nFrom: b@example.org\n",
        "From: nobody\nFrom: b@example.org\n",
        "From: <>\n",
        "From: a@example.com (comment)\n folded@example.net\n",
    };
    for (size_t i = 0; i < sizeof froms / sizeof froms[0]; i++) {
        char msg[512];
        snprintf(msg, sizeof msg, "%sTo: t@example.com\n\nbody\n", froms[i]);
        struct fx x;
        fx_load_buf(&x, msg, strlen(msg));
        const char *const *v;
        size_t n = ev_addrs(&x.ctx, "From", &v);
        /* the reference: every From field unfolded and parsed */
        size_t k = 0;
        const struct hdr_field *f;
        for (size_t j = 0; (f = hdr_get(&x.m.hdr, "From", j)) != NULL; j++) {
            size_t ul;
            char *u = hdr_unfold(x.a, f->value, &ul);
            struct addr_list l;
            addr_parse_list(x.a, u, ul, &l, NULL);
            for (size_t q = 0; q < l.n; q++) {
                if (!l.v[q].address || !l.v[q].address[0]) continue;
                if (k >= n) fail_msg("%s: more addresses than %zu", froms[i], n);
                assert_string_equal(v[k], l.v[q].address);
                k++;
            }
        }
        if (k != n) fail_msg("%s: %zu addresses, want %zu", froms[i], n, k);
        fx_free(&x);
    }
}

int main(void)
{
    test_ruleset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uri_host_list_index),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_inline2),
        cmocka_unit_test(test_evidence),
        cmocka_unit_test(test_html_stats),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_received_within_months),
        cmocka_unit_test(test_arc),
        cmocka_unit_test(test_every_eval_on_everything),
        cmocka_unit_test(test_madiff_many_words),
        cmocka_unit_test(test_madiff_nul_word),
        cmocka_unit_test(test_check_for_mime_keys),
        cmocka_unit_test(test_madiff_large),
        cmocka_unit_test(test_parse_flags_header_block),
        cmocka_unit_test(test_glob),
        cmocka_unit_test(test_to_in_subject),
        cmocka_unit_test(test_freemail_body_lines),
        cmocka_unit_test(test_freemail_memo),
        cmocka_unit_test(test_freemail_replyto_cached),
        cmocka_unit_test(test_received_squashed_cached),
        cmocka_unit_test(test_mime_flags_scan),
        cmocka_unit_test(test_relays_fields),
        cmocka_unit_test(test_from_addrs_parsed),
        cmocka_unit_test(test_freemail_shortcuts),
        cmocka_unit_test(test_link_shortcuts),
        cmocka_unit_test(test_mime_ratio_crlf),
        cmocka_unit_test(test_parse_flags_long_field),
        cmocka_unit_test(test_host_to_domain),
        cmocka_unit_test(test_uppercase_cut),
        cmocka_unit_test(test_dom_user_at),
        cmocka_unit_test(test_tvd_ranges),
        cmocka_unit_test(test_count_illegal),
        cmocka_unit_test(test_charset_and_prefilters),
        cmocka_unit_test(test_base64_longest),
        cmocka_unit_test(test_rcvd_date_span),
        cmocka_unit_test(test_relay_fields),
        cmocka_unit_test(test_freemail_welcomelist),
        cmocka_unit_test(test_mime_line_counts),
        cmocka_unit_test(test_chars_spaces),
        cmocka_unit_test(test_count_case),
        cmocka_unit_test(test_ev_re_reuse),
        cmocka_unit_test(test_parse_date),
        cmocka_unit_test(test_upper_line_tests),
        cmocka_unit_test(test_illegal_char_counts),
        cmocka_unit_test(test_uri_host_negation),
        cmocka_unit_test(test_uri_hosts_cached),
        cmocka_unit_test(test_rb_list_serial),
        cmocka_unit_test(test_list_find),
        cmocka_unit_test(test_addrs_fields),
        cmocka_unit_test(test_list_lookup_per_message),
        cmocka_unit_test(test_ev_num_strtod),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
