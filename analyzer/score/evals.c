/* evals — the table of native `eval:` functions (evals.h), the helpers the
 * eval files share (evals_int.h), and mailaudit's own checks: HTML and
 * images, structure, list hygiene and authentication results. The
 * attachment checks are in attach.c, SpamAssassin's eval functions in
 * evals_sa.c.
 *
 * mailaudit's checks (arguments in brackets, defaults after '='):
 *  HTML and images — over every text/html part's html_doc:
 *   ma_html_only            an HTML part and no text/plain part (attachments aside)
 *   ma_image_only [words=20] HTML with an image and fewer than `words` words of text
 *   ma_image_heavy [images=3, words_per_image=50] at least `images` images
 *                           and fewer than words_per_image words per image
 *   ma_remote_images [n=1]  at least n images loaded from http(s)
 *   ma_tracking_pixel       a remote image of at most 2x2 pixels or hidden
 *   ma_link_text_mismatch   a link whose text shows a host name or URL whose
 *                           registrable domain differs from the href's
 *   ma_url_shortener        a link to a URL shortener (rule-set url_shortener
 *                           list and a built-in list)
 *   ma_ip_url               a link or image whose host is an IP address
 *                           (dotted, [IPv6], or decimal/hex/octal encoded)
 *   ma_html_form, ma_html_script   a <form>, a <script>
 *   ma_html_hidden_text [chars=20] at least `chars` characters of text
 *                           hidden (display:none, visibility:hidden, font size
 *                           <= 1, same or near colour as the background)
 *  structure:
 *   ma_missing_message_id, ma_missing_date
 *   ma_date_far [hours=48]  Date more than `hours` from the topmost dated
 *                           Received (else the judging time)
 *   ma_from_name_other_address  From's display name contains an address
 *                           other than the From address
 *   ma_reply_to_other_domain a Reply-To address in another registrable domain
 *   ma_subject_all_caps [letters=10] at least `letters` ASCII letters, none lower case
 *   ma_subject_exclaim      three '!' or "!!" in the Subject
 *   ma_charset_unneeded     an encoded-word Subject that decodes to plain
 *                           ASCII, or a text part that is plain ASCII but
 *                           declared in a charset other than us-ascii,
 *                           utf-8, iso-8859-1/-15 or windows-1252, or
 *                           declared utf-8 and sent in base64
 *  list hygiene:
 *   ma_bulk                 List-Id, List-Unsubscribe, Feedback-ID,
 *                           Precedence bulk/list/junk, or 10+ To/Cc addresses
 *   ma_missing_list_unsubscribe  bulk (as above, List-Unsubscribe aside)
 *                           without List-Unsubscribe
 *   ma_missing_one_click    List-Unsubscribe with an https URI and no
 *                           "List-Unsubscribe-Post: List-Unsubscribe=One-Click"
 *   ma_no_unsubscribe_in_body  no unsubscribe/opt-out link or words (EN, DE,
 *                           FR, ES, IT, NL, PT, PL ...) in text, HTML or hrefs
 *  authentication (ctx->auth; never true without it):
 *   ma_dkim RESULT          a DKIM signature with that result ("none": no signature)
 *   ma_dkim_aligned         a passing DKIM signature aligned with From (DMARC relaxed)
 *   ma_spf RESULT, ma_dmarc RESULT, ma_arc RESULT
 *   ma_spf_aligned          SPF passed for a domain aligned with From
 *
 * Ceilings: what the parsed message holds (html.h, mime.h); regexes are
 * compiled once per process and kept (EV_RE_MAX distinct rule patterns).
 * Does NOT parse rule files or run rule regexes. */
#include "score/evals.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "auth/verify.h"
#include "mail/addr.h"
#include "mail/date.h"
#include "mail/limits.h"
#include "mail/rfc2047.h"
#include "score/evals_int.h"
#include "score/saregex.h"
#include "util/hash.h"
#include "util/net.h"
#include "util/str.h"

/* ---------------------------------------------------------------------- */
/* the table */

#define N_ANY (-1)

static const struct eval_def table[] = {
    /* mailaudit: attachments */
    {"ma_attach_dangerous_ext", ma_attach_dangerous_ext, EV_LOCAL, 0, 0,
     "attachment with an executable, script, shortcut or disk-image extension"},
    {"ma_attach_double_ext", ma_attach_double_ext, EV_LOCAL, 0, 0,
     "attachment named like a document but ending in a dangerous extension (invoice.pdf.exe)"},
    {"ma_attach_type_mismatch", ma_attach_type_mismatch, EV_LOCAL, 0, 0,
     "attachment whose bytes contradict its extension or declared type"},
    {"ma_attach_exe_in_archive", ma_attach_exe_in_archive, EV_LOCAL, 0, 0,
     "ZIP attachment containing a file with a dangerous extension"},
    {"ma_attach_encrypted_archive", ma_attach_encrypted_archive, EV_LOCAL, 0, 0,
     "password-protected ZIP attachment"},
    {"ma_attach_nested_archive", ma_attach_nested_archive, EV_LOCAL, 0, 0,
     "ZIP attachment containing another archive or disk image"},
    {"ma_attach_filename_tricks", ma_attach_filename_tricks, EV_LOCAL, 0, 0,
     "attachment name with bidi controls, invisible characters, look-alike dots or padding"},
    /* mailaudit: HTML and images */
    {"ma_html_only", ma_html_only, EV_LOCAL, 0, 0, "HTML without a text/plain alternative"},
    {"ma_image_only", ma_image_only, EV_LOCAL, 0, 1,
     "HTML with images and almost no text (fewer than N words, default 20)"},
    {"ma_image_heavy", ma_image_heavy, EV_LOCAL, 0, 2,
     "HTML with many images and little text (default 3+ images, < 50 words per image)"},
    {"ma_remote_images", ma_remote_images, EV_LOCAL, 0, 1,
     "HTML loads images from remote servers (at least N, default 1)"},
    {"ma_tracking_pixel", ma_tracking_pixel, EV_LOCAL, 0, 0,
     "HTML contains a remote tracking pixel"},
    {"ma_link_text_mismatch", ma_link_text_mismatch, EV_LOCAL, 0, 0,
     "link text shows a domain other than the one the link goes to"},
    {"ma_url_shortener", ma_url_shortener, EV_LOCAL, 0, 0, "link through a URL shortener"},
    {"ma_ip_url", ma_ip_url, EV_LOCAL, 0, 0, "link or image URL with an IP address as host"},
    {"ma_html_form", ma_html_form, EV_LOCAL, 0, 0, "HTML contains a form"},
    {"ma_html_script", ma_html_script, EV_LOCAL, 0, 0, "HTML contains a script"},
    {"ma_html_hidden_text", ma_html_hidden_text, EV_LOCAL, 0, 1,
     "HTML contains hidden text (at least N characters, default 20)"},
    /* mailaudit: structure */
    {"ma_missing_message_id", ma_missing_message_id, EV_LOCAL, 0, 0, "no Message-ID header"},
    {"ma_missing_date", ma_missing_date, EV_LOCAL, 0, 0, "no Date header"},
    {"ma_date_far", ma_date_far, EV_LOCAL, 0, 1,
     "Date more than N hours (default 48) from the time the message was received"},
    {"ma_from_name_other_address", ma_from_name_other_address, EV_LOCAL, 0, 0,
     "From display name contains an address other than the sender's"},
    {"ma_reply_to_other_domain", ma_reply_to_other_domain, EV_LOCAL, 0, 0,
     "Reply-To goes to another domain than From"},
    {"ma_subject_all_caps", ma_subject_all_caps, EV_LOCAL, 0, 1,
     "Subject is all capitals (at least N letters, default 10)"},
    {"ma_subject_exclaim", ma_subject_exclaim, EV_LOCAL, 0, 0,
     "Subject has several exclamation marks"},
    {"ma_charset_unneeded", ma_charset_unneeded, EV_LOCAL, 0, 0,
     "Subject or text encoded in a charset that the plain ASCII text does not need"},
    /* mailaudit: list hygiene */
    {"ma_bulk", ma_bulk, EV_LOCAL, 0, 0, "looks like bulk or list mail"},
    {"ma_missing_list_unsubscribe", ma_missing_list_unsubscribe, EV_LOCAL, 0, 0,
     "bulk mail without a List-Unsubscribe header"},
    {"ma_missing_one_click", ma_missing_one_click, EV_LOCAL, 0, 0,
     "List-Unsubscribe without RFC 8058 one-click (List-Unsubscribe-Post)"},
    {"ma_no_unsubscribe_in_body", ma_no_unsubscribe_in_body, EV_LOCAL, 0, 0,
     "no unsubscribe link or text in the body"},
    /* mailaudit: authentication */
    {"ma_dkim", ma_dkim, EV_LOCAL, 1, 1, "a DKIM signature with the given result (none: unsigned)"},
    {"ma_dkim_aligned", ma_dkim_aligned, EV_LOCAL, 0, 0,
     "a passing DKIM signature aligned with the From domain"},
    {"ma_spf", ma_spf, EV_LOCAL, 1, 1, "SPF (MAIL FROM) gave the given result"},
    {"ma_spf_aligned", ma_spf_aligned, EV_LOCAL, 0, 0,
     "SPF passed for a domain aligned with the From domain"},
    {"ma_dmarc", ma_dmarc, EV_LOCAL, 1, 1, "DMARC gave the given result"},
    {"ma_arc", ma_arc, EV_LOCAL, 1, 1, "the ARC chain validated with the given result"},

    /* SpamAssassin: RelayEval */
    {"check_all_trusted", sa_check_all_trusted, EV_LOCAL, 0, 0,
     "SA RelayEval: every relay trusted (inferred trust: private IPs, authenticated hops)"},
    {"check_no_relays", sa_check_no_relays, EV_LOCAL, 0, 0, "SA RelayEval: no Received relays"},
    {"check_relays_unparseable", sa_check_relays_unparseable, EV_LOCAL, 0, 0,
     "SA RelayEval: a Received header could not be parsed"},
    {"check_for_numeric_helo", sa_check_for_numeric_helo, EV_LOCAL, 0, 0,
     "SA RelayEval: an untrusted relay said HELO with a public IP address"},
    {"check_for_illegal_ip", sa_check_for_illegal_ip, EV_LOCAL, 0, N_ANY,
     "SA RelayEval: retired, never true"},
    {"helo_ip_mismatch", sa_helo_ip_mismatch, EV_LOCAL, 0, 0,
     "SA RelayEval: HELO IP address differs from the relay's (other /24)"},
    {"check_for_sender_no_reverse", sa_check_for_sender_no_reverse, EV_LOCAL, 0, 0,
     "SA RelayEval: the first untrusted relay's rDNS has a dot and its IP is public"},
    {"check_for_from_domain_in_received_headers", sa_check_for_from_domain_in_received_headers,
     EV_LOCAL, 2, 2, "SA RelayEval: From domain seen in a relay's rdns and by"},
    {"check_for_no_rdns_dotcom_helo", sa_check_for_no_rdns_dotcom_helo, EV_LOCAL, 0, 0,
     "SA RelayEval: HELO claims a big free-mail domain from a host without rDNS"},
    {"check_for_forged_received_trail", sa_check_for_forged_received_trail, EV_LOCAL, 0, 0,
     "SA RelayEval: Received chain does not link up (by vs. next from)"},
    {"check_for_forged_received_ip_helo", sa_check_for_forged_received_ip_helo, EV_LOCAL, 0, 0,
     "SA RelayEval: IP-address HELO in another /16 than the relay"},
    /* SpamAssassin: WLBLEval, VBounce, WelcomeListSubject */
    {"check_mailfrom_matches_rcvd", sa_check_mailfrom_matches_rcvd, EV_LOCAL, 0, 0,
     "SA WLBLEval: envelope sender domain matches the first untrusted relay's rDNS"},
    {"check_from_in_list", sa_check_from_in_list, EV_LOCAL, 1, 1,
     "SA WLBLEval: a From address is in the named address list"},
    {"check_replyto_in_list", sa_check_replyto_in_list, EV_LOCAL, 1, 1,
     "SA WLBLEval: the Reply-To address is in the named address list"},
    {"check_to_in_list", sa_check_to_in_list, EV_LOCAL, 1, 1,
     "SA WLBLEval: a recipient address is in the named address list"},
    {"check_from_in_blocklist", sa_check_from_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in blocklist_from"},
    {"check_from_in_blacklist", sa_check_from_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in blocklist_from (old name)"},
    {"check_to_in_blocklist", sa_check_to_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in blocklist_to"},
    {"check_to_in_blacklist", sa_check_to_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in blocklist_to (old name)"},
    {"check_to_in_welcomelist", sa_check_to_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in welcomelist_to"},
    {"check_to_in_whitelist", sa_check_to_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in welcomelist_to (old name)"},
    {"check_to_in_more_spam", sa_check_to_in_more_spam, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in more_spam_to"},
    {"check_to_in_all_spam", sa_check_to_in_all_spam, EV_LOCAL, 0, 0,
     "SA WLBLEval: a recipient in all_spam_to"},
    {"check_from_in_welcomelist", sa_check_from_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in welcomelist_from (or welcomelist_from_rcvd with a matching relay)"},
    {"check_from_in_whitelist", sa_check_from_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in welcomelist_from (old name)"},
    {"check_forged_in_welcomelist", sa_check_forged_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in welcomelist_from_rcvd but relayed elsewhere"},
    {"check_forged_in_whitelist", sa_check_forged_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: forged welcomelist sender (old name)"},
    {"check_from_in_default_welcomelist", sa_check_from_in_default_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in def_welcomelist_from_rcvd with a matching relay"},
    {"check_from_in_default_whitelist", sa_check_from_in_default_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in def_welcomelist_from_rcvd (old name)"},
    {"check_forged_in_default_welcomelist", sa_check_forged_in_default_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: From in def_welcomelist_from_rcvd but relayed elsewhere"},
    {"check_forged_in_default_whitelist", sa_check_forged_in_default_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: forged default-welcomelist sender (old name)"},
    {"check_uri_host_listed", sa_check_uri_host_listed, EV_LOCAL, 1, 1,
     "SA WLBLEval: a URI host is in the named enlist_uri_host list"},
    {"check_uri_host_in_blocklist", sa_check_uri_host_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a URI host in blocklist_uri_host"},
    {"check_uri_host_in_blacklist", sa_check_uri_host_in_blocklist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a URI host in blocklist_uri_host (old name)"},
    {"check_uri_host_in_welcomelist", sa_check_uri_host_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a URI host in welcomelist_uri_host"},
    {"check_uri_host_in_whitelist", sa_check_uri_host_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WLBLEval: a URI host in welcomelist_uri_host (old name)"},
    {"check_subject_in_welcomelist", sa_check_subject_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WelcomeListSubject: Subject matches welcomelist_subject"},
    {"check_subject_in_whitelist", sa_check_subject_in_welcomelist, EV_LOCAL, 0, 0,
     "SA WelcomeListSubject: Subject matches welcomelist_subject (old name)"},
    {"check_subject_in_blocklist", sa_check_subject_in_blocklist, EV_LOCAL, 0, 0,
     "SA WelcomeListSubject: Subject matches blocklist_subject"},
    {"check_subject_in_blacklist", sa_check_subject_in_blocklist, EV_LOCAL, 0, 0,
     "SA WelcomeListSubject: Subject matches blocklist_subject (old name)"},
    {"have_any_bounce_relays", sa_have_any_bounce_relays, EV_LOCAL, 0, 0,
     "SA VBounce: welcomelist_bounce_relays is configured"},
    {"check_welcomelist_bounce_relays", sa_check_welcomelist_bounce_relays, EV_LOCAL, 0, 0,
     "SA VBounce: a bounce quoting a Received header of our own relays"},
    {"check_whitelist_bounce_relays", sa_check_welcomelist_bounce_relays, EV_LOCAL, 0, 0,
     "SA VBounce: bounce of our own mail (old name)"},
    /* SpamAssassin: DKIM (verified offline by mailaudit) */
    {"check_dkim_signed", sa_check_dkim_signed, EV_LOCAL, 0, N_ANY,
     "SA DKIM: has a DKIM signature (by one of the given domains)"},
    {"check_dkim_valid", sa_check_dkim_valid, EV_LOCAL, 0, N_ANY,
     "SA DKIM: has a valid DKIM signature (by one of the given domains)"},
    {"check_dkim_verified", sa_check_dkim_valid, EV_LOCAL, 0, N_ANY,
     "SA DKIM: has a valid DKIM signature (old name)"},
    {"check_dkim_valid_author_sig", sa_check_dkim_valid_author_sig, EV_LOCAL, 0, N_ANY,
     "SA DKIM: valid signature by the From domain (key of 1024 bits or more)"},
    {"check_dkim_valid_envelopefrom", sa_check_dkim_valid_envelopefrom, EV_LOCAL, 0, 0,
     "SA DKIM: valid signature by the envelope sender's domain"},
    {"check_dkim_dependable", sa_check_dkim_dependable, EV_LOCAL, 0, 0,
     "SA DKIM: the DKIM verdicts are dependable (verification ran)"},
    {"check_dkim_testing", sa_check_dkim_testing, EV_LOCAL, 0, 0,
     "SA DKIM: never true in SpamAssassin 4.0.1"},
    {"check_dkim_signsome", sa_check_dkim_signsome, EV_LOCAL, 0, 0,
     "SA DKIM: never true (redundant in SpamAssassin)"},
    {"check_dkim_adsp", NULL, EV_NET, 0, N_ANY, "SA DKIM: ADSP record lookup (DNS)"},
    {"check_dkim_signall", NULL, EV_NET, 0, 0, "SA DKIM: ADSP 'all' (DNS)"},
    {"check_arc_signed", sa_check_arc_signed, EV_LOCAL, 0, N_ANY, "SA DKIM: has an ARC set"},
    {"check_arc_valid", sa_check_arc_valid, EV_LOCAL, 0, N_ANY, "SA DKIM: the ARC chain validates"},
    {"check_for_dkim_welcomelist_from", sa_check_for_dkim_welcomelist_from, EV_LOCAL, 0, 0,
     "SA DKIM: From in welcomelist_from_dkim/welcomelist_auth with a valid signature"},
    {"check_for_dkim_whitelist_from", sa_check_for_dkim_welcomelist_from, EV_LOCAL, 0, 0,
     "SA DKIM: DKIM welcomelist (old name)"},
    {"check_for_def_dkim_welcomelist_from", sa_check_for_def_dkim_welcomelist_from, EV_LOCAL, 0, 0,
     "SA DKIM: From in def_welcomelist_from_dkim/def_welcomelist_auth with a valid signature"},
    {"check_for_def_dkim_whitelist_from", sa_check_for_def_dkim_welcomelist_from, EV_LOCAL, 0, 0,
     "SA DKIM: default DKIM welcomelist (old name)"},
    /* SpamAssassin: SPF */
    {"check_for_spf_pass", sa_check_for_spf_pass, EV_LOCAL, 0, 0, "SA SPF: MAIL FROM pass"},
    {"check_for_spf_neutral", sa_check_for_spf_neutral, EV_LOCAL, 0, 0,
     "SA SPF: MAIL FROM neutral"},
    {"check_for_spf_none", sa_check_for_spf_none, EV_LOCAL, 0, 0, "SA SPF: MAIL FROM none"},
    {"check_for_spf_fail", sa_check_for_spf_fail, EV_LOCAL, 0, 0, "SA SPF: MAIL FROM fail"},
    {"check_for_spf_softfail", sa_check_for_spf_softfail, EV_LOCAL, 0, 0,
     "SA SPF: MAIL FROM softfail"},
    {"check_for_spf_permerror", sa_check_for_spf_permerror, EV_LOCAL, 0, 0,
     "SA SPF: MAIL FROM permerror"},
    {"check_for_spf_temperror", sa_check_for_spf_temperror, EV_LOCAL, 0, 0,
     "SA SPF: MAIL FROM temperror"},
    {"check_for_spf_helo_pass", sa_check_for_spf_helo_pass, EV_LOCAL, 0, 0, "SA SPF: HELO pass"},
    {"check_for_spf_helo_neutral", sa_check_for_spf_helo_neutral, EV_LOCAL, 0, 0,
     "SA SPF: HELO neutral"},
    {"check_for_spf_helo_none", sa_check_for_spf_helo_none, EV_LOCAL, 0, 0, "SA SPF: HELO none"},
    {"check_for_spf_helo_fail", sa_check_for_spf_helo_fail, EV_LOCAL, 0, 0, "SA SPF: HELO fail"},
    {"check_for_spf_helo_softfail", sa_check_for_spf_helo_softfail, EV_LOCAL, 0, 0,
     "SA SPF: HELO softfail"},
    {"check_for_spf_helo_permerror", sa_check_for_spf_helo_permerror, EV_LOCAL, 0, 0,
     "SA SPF: HELO permerror"},
    {"check_for_spf_helo_temperror", sa_check_for_spf_helo_temperror, EV_LOCAL, 0, 0,
     "SA SPF: HELO temperror"},
    {"check_spf_skipped_noenvfrom", sa_check_spf_skipped_noenvfrom, EV_LOCAL, 0, 0,
     "SA SPF: SPF not checked, no envelope sender"},
    {"check_for_spf_welcomelist_from", sa_check_for_spf_welcomelist_from, EV_LOCAL, 0, 0,
     "SA SPF: envelope sender in welcomelist_from_spf/welcomelist_auth and SPF pass"},
    {"check_for_spf_whitelist_from", sa_check_for_spf_welcomelist_from, EV_LOCAL, 0, 0,
     "SA SPF: SPF welcomelist (old name)"},
    {"check_for_def_spf_welcomelist_from", sa_check_for_def_spf_welcomelist_from, EV_LOCAL, 0, 0,
     "SA SPF: envelope sender in def_welcomelist_from_spf/def_welcomelist_auth and SPF pass"},
    {"check_for_def_spf_whitelist_from", sa_check_for_def_spf_welcomelist_from, EV_LOCAL, 0, 0,
     "SA SPF: default SPF welcomelist (old name)"},
    /* SpamAssassin: DMARC */
    {"check_dmarc_pass", sa_check_dmarc_pass, EV_LOCAL, 0, N_ANY,
     "SA DMARC: pass with a published policy"},
    {"check_dmarc_reject", sa_check_dmarc_reject, EV_LOCAL, 0, N_ANY,
     "SA DMARC: fail, policy reject"},
    {"check_dmarc_quarantine", sa_check_dmarc_quarantine, EV_LOCAL, 0, N_ANY,
     "SA DMARC: fail, policy quarantine"},
    {"check_dmarc_none", sa_check_dmarc_none, EV_LOCAL, 0, N_ANY, "SA DMARC: fail, policy none"},
    {"check_dmarc_missing", sa_check_dmarc_missing, EV_LOCAL, 0, N_ANY,
     "SA DMARC: no DMARC policy published"},
    /* SpamAssassin: HeaderEval */
    {"check_for_fake_aol_relay_in_rcvd", sa_check_for_fake_aol_relay_in_rcvd, EV_LOCAL, 0, 0,
     "SA HeaderEval: forged AOL relay name in Received"},
    {"check_for_faraway_charset_in_headers", sa_check_for_faraway_charset_in_headers, EV_LOCAL, 0,
     0, "SA HeaderEval: header charset outside ok_locales (never true: ok_locales all)"},
    {"check_for_unique_subject_id", sa_check_for_unique_subject_id, EV_LOCAL, 0, 0,
     "SA HeaderEval: retired, never true"},
    {"check_illegal_chars", sa_check_illegal_chars, EV_LOCAL, 3, 3,
     "SA HeaderEval: unencoded 8-bit or control characters in a header (ratio, count)"},
    {"check_for_forged_hotmail_received_headers", sa_check_for_forged_hotmail_received_headers,
     EV_LOCAL, 0, 0, "SA HeaderEval: Received claims hotmail.com without its trace"},
    {"check_for_no_hotmail_received_headers", sa_check_for_no_hotmail_received_headers, EV_LOCAL, 0,
     0, "SA HeaderEval: From hotmail.com but no Hotmail Received"},
    {"check_for_msn_groups_headers", sa_check_for_msn_groups_headers, EV_LOCAL, 0, 0,
     "SA HeaderEval: MSN Groups message"},
    {"check_for_forged_eudoramail_received_headers",
     sa_check_for_forged_eudoramail_received_headers, EV_LOCAL, 0, 0,
     "SA HeaderEval: From eudoramail.com without its trace"},
    {"check_for_forged_yahoo_received_headers", sa_check_for_forged_yahoo_received_headers,
     EV_LOCAL, 0, 0, "SA HeaderEval: From yahoo.com without a Yahoo Received"},
    {"check_for_forged_juno_received_headers", sa_check_for_forged_juno_received_headers, EV_LOCAL,
     0, 0, "SA HeaderEval: From juno.com without its trace"},
    {"check_for_forged_gmail_received_headers", sa_check_for_forged_gmail_received_headers,
     EV_LOCAL, 0, 0, "SA HeaderEval: From gmail.com without Gmail's trace headers"},
    {"check_for_matching_env_and_hdr_from", sa_check_for_matching_env_and_hdr_from, EV_LOCAL, 0, 0,
     "SA HeaderEval: envelope sender equals the From address"},
    {"sorted_recipients", sa_sorted_recipients, EV_LOCAL, 0, 0,
     "SA HeaderEval: 7+ recipients in sorted order"},
    {"similar_recipients", sa_similar_recipients, EV_LOCAL, 2, 2,
     "SA HeaderEval: recipients look alike (ratio in [min, max))"},
    {"check_for_missing_to_header", sa_check_for_missing_to_header, EV_LOCAL, 0, 0,
     "SA HeaderEval: no To (nor Apparently-To) header"},
    {"check_for_forged_gw05_received_headers", sa_check_for_forged_gw05_received_headers, EV_LOCAL,
     0, 0, "SA HeaderEval: gw05-style forged Received"},
    {"check_for_shifted_date", sa_check_for_shifted_date, EV_LOCAL, 2, 2,
     "SA HeaderEval: Date shifted from the Received dates by [min, max) hours"},
    {"received_within_months", sa_received_within_months, EV_LOCAL, 2, 2,
     "SA HeaderEval: received between min and max months before the judging time"},
    {"subject_is_all_caps", sa_subject_is_all_caps, EV_LOCAL, 0, 0,
     "SA HeaderEval: Subject is all capitals"},
    {"check_for_to_in_subject", sa_check_for_to_in_subject, EV_LOCAL, 1, 1,
     "SA HeaderEval: Subject contains the recipient's address or user name"},
    {"check_outlook_message_id", sa_check_outlook_message_id, EV_LOCAL, 0, 0,
     "SA HeaderEval: Outlook-style Message-ID with a time stamp not matching Date"},
    {"check_messageid_not_usable", sa_check_messageid_not_usable, EV_LOCAL, 0, 0,
     "SA HeaderEval: Message-ID rewritten by a list manager or gateway"},
    {"check_header_count_range", sa_check_header_count_range, EV_LOCAL, 3, 3,
     "SA HeaderEval: distinct instances of a header in [min, max]"},
    {"check_unresolved_template", sa_check_unresolved_template, EV_LOCAL, 0, 0,
     "SA HeaderEval: header with an unresolved %TEMPLATE"},
    {"check_ratware_name_id", sa_check_ratware_name_id, EV_LOCAL, 0, 0,
     "SA HeaderEval: ratware Message-ID and From name pattern"},
    {"check_ratware_envelope_from", sa_check_ratware_envelope_from, EV_LOCAL, 0, 0,
     "SA HeaderEval: envelope sender built from the recipient's address"},
    {"gated_through_received_hdr_remover", sa_gated_through_received_hdr_remover, EV_LOCAL, 0, 0,
     "SA HeaderEval: no Received headers, or a list that removes them"},
    {"check_equal_from_domains", sa_check_equal_from_domains, EV_LOCAL, 0, 0,
     "SA HeaderEval: From and envelope sender in different second-level domains"},
    /* SpamAssassin: MIMEEval */
    {"check_for_mime", sa_check_for_mime, EV_LOCAL, 1, 1,
     "SA MIMEEval: a MIME property (mime_base64_count, mime_qp_long_line, ...)"},
    {"check_for_mime_html", sa_check_for_mime_html, EV_LOCAL, 0, 0,
     "SA MIMEEval: has a text/html part"},
    {"check_for_mime_html_only", sa_check_for_mime_html_only, EV_LOCAL, 0, 0,
     "SA MIMEEval: only text/html text parts"},
    {"check_mime_multipart_ratio", sa_check_mime_multipart_ratio, EV_LOCAL, 2, 2,
     "SA MIMEEval: text/plain to text/html size ratio in [min, max)"},
    {"check_msg_parse_flags", sa_check_msg_parse_flags, EV_LOCAL, 1, 2,
     "SA MIMEEval: a parser flag (missing_head_body_separator, truncated_header, ...)"},
    {"check_for_ascii_text_illegal", sa_check_for_ascii_text_illegal, EV_LOCAL, 0, 0,
     "SA MIMEEval: us-ascii text/plain with 8-bit, NUL or CR bytes"},
    {"check_abundant_unicode_ratio", sa_check_abundant_unicode_ratio, EV_LOCAL, 1, 1,
     "SA MIMEEval: many &#xNNNN; entities in 7/8-bit text/plain"},
    {"check_for_faraway_charset", sa_check_for_faraway_charset, EV_LOCAL, 0, 0,
     "SA MIMEEval: charset outside ok_locales (never true: ok_locales all)"},
    {"check_for_uppercase", sa_check_for_uppercase, EV_LOCAL, 2, 2,
     "SA MIMEEval: percentage of capital letters in the body in (min, max]"},
    {"check_ma_non_text", sa_check_ma_non_text, EV_LOCAL, 0, 0,
     "SA MIMEEval: multipart/alternative with a non-text part"},
    {"check_base64_length", sa_check_base64_length, EV_LOCAL, 1, 2,
     "SA MIMEEval: longest base64 line length in [min, max]"},
    {"check_qp_ratio", sa_check_qp_ratio, EV_LOCAL, 1, 1,
     "SA MIMEEval: share of needlessly quoted-printable encoded bytes"},
    /* SpamAssassin: BodyEval */
    {"multipart_alternative_difference", sa_multipart_alternative_difference, EV_LOCAL, 2, 2,
     "SA BodyEval: % of HTML words missing from the text alternative in (min, max]"},
    {"multipart_alternative_difference_count", sa_multipart_alternative_difference_count, EV_LOCAL,
     2, 2, "SA BodyEval: text/HTML word count ratio above R with more than N HTML words"},
    {"check_blank_line_ratio", sa_check_blank_line_ratio, EV_LOCAL, 2, 3,
     "SA BodyEval: % of blank lines in the decoded body"},
    {"tvd_vertical_words", sa_tvd_vertical_words, EV_LOCAL, 2, 2,
     "SA BodyEval: text written vertically (spaces between letters)"},
    {"check_stock_info", sa_check_stock_info, EV_LOCAL, 1, 1,
     "SA BodyEval: stock-tip key words (ticker, target price ...)"},
    {"check_body_length", sa_check_body_length, EV_LOCAL, 1, 1,
     "SA BodyEval: raw body at most N bytes"},
    {"plaintext_body_length", sa_plaintext_body_length, EV_LOCAL, 1, 2,
     "SA BodyEval: first text/plain part's length before the signature"},
    {"plaintext_sig_length", sa_plaintext_sig_length, EV_LOCAL, 1, 2,
     "SA BodyEval: first text/plain part's signature length"},
    {"plaintext_body_sig_ratio", sa_plaintext_body_sig_ratio, EV_LOCAL, 1, 2,
     "SA BodyEval: body to signature length ratio"},
    /* SpamAssassin: HTMLEval, HTTPSMismatch, URIEval */
    {"html_tag_balance", sa_html_tag_balance, EV_LOCAL, 2, 2,
     "SA HTMLEval: open count of a tag at the end compared with an expression"},
    {"html_image_only", sa_html_image_only, EV_LOCAL, 2, 2,
     "SA HTMLEval: HTML with images, source length in (min, max]"},
    {"html_image_ratio", sa_html_image_ratio, EV_LOCAL, 2, 2,
     "SA HTMLEval: text characters per image pixel in (min, max]"},
    {"html_charset_faraway", sa_html_charset_faraway, EV_LOCAL, 0, 0,
     "SA HTMLEval: HTML charset outside ok_locales (never true: ok_locales all)"},
    {"html_tag_exists", sa_html_tag_exists, EV_LOCAL, 1, 1, "SA HTMLEval: the tag occurs"},
    {"html_test", sa_html_test, EV_LOCAL, 1, 1,
     "SA HTMLEval: an HTML flag (html, embeds, font_low_contrast, ...)"},
    {"html_eval", sa_html_eval, EV_LOCAL, 2, 2,
     "SA HTMLEval: an HTML value compared with an expression"},
    {"html_text_match", sa_html_text_match, EV_LOCAL, 2, 2,
     "SA HTMLEval: a title, comment, anchor or script text matches a regex"},
    {"html_title_subject_ratio", sa_html_title_subject_ratio, EV_LOCAL, 1, 1,
     "SA HTMLEval: <title> longer than R times the Subject"},
    {"html_text_not_match", sa_html_text_not_match, EV_LOCAL, 2, 2,
     "SA HTMLEval: a title, comment, anchor or script text does not match a regex"},
    {"html_range", sa_html_range, EV_LOCAL, 2, 3, "SA HTMLEval: an HTML value in (min, max]"},
    {"check_iframe_src", sa_check_iframe_src, EV_LOCAL, 0, 0,
     "SA HTMLEval: an <iframe> with a source"},
    {"check_https_http_mismatch", sa_check_https_http_mismatch, EV_LOCAL, 0, 2,
     "SA HTTPSMismatch: link text shows https:// of another domain than the link"},
    {"check_for_http_redirector", sa_check_for_http_redirector, EV_LOCAL, 0, 0,
     "SA URIEval: URI redirecting to another domain"},
    {"check_https_ip_mismatch", sa_check_https_ip_mismatch, EV_LOCAL, 0, 0,
     "SA URIEval: link to an IP address shown as an https:// link"},
    {"check_uri_truncated", sa_check_uri_truncated, EV_LOCAL, 0, 0,
     "SA URIEval: a URI longer than 8192 characters"},
    /* SpamAssassin: ImageInfo */
    {"image_count", sa_image_count, EV_LOCAL, 2, 3,
     "SA ImageInfo: number of gif/png/jpeg attachments in [min, max]"},
    {"pixel_coverage", sa_pixel_coverage, EV_LOCAL, 2, 3,
     "SA ImageInfo: total image area in pixels in [min, max]"},
    {"image_size_exact", sa_image_size_exact, EV_LOCAL, 3, 3,
     "SA ImageInfo: an image of exactly height x width"},
    {"image_size_range", sa_image_size_range, EV_LOCAL, 3, 5,
     "SA ImageInfo: an image within height/width bounds"},
    {"image_named", sa_image_named, EV_LOCAL, 1, 1, "SA ImageInfo: an image with this name"},
    {"image_name_regex", sa_image_name_regex, EV_LOCAL, 1, 1,
     "SA ImageInfo: an image name matching a regex"},
    {"image_to_text_ratio", sa_image_to_text_ratio, EV_LOCAL, 3, 3,
     "SA ImageInfo: body text length per image pixel in [min, max)"},
    /* SpamAssassin: FreeMail */
    {"check_freemail_from", sa_check_freemail_from, EV_LOCAL, 0, 1,
     "SA FreeMail: a sender address at a free-mail domain"},
    {"check_freemail_header", sa_check_freemail_header, EV_LOCAL, 1, 2,
     "SA FreeMail: an address of the header at a free-mail domain"},
    {"check_freemail_replyto", sa_check_freemail_replyto, EV_LOCAL, 0, 1,
     "SA FreeMail: Reply-To (or body) free-mail address differs from From"},
    {"check_freemail_body", sa_check_freemail_body, EV_LOCAL, 0, 1,
     "SA FreeMail: free-mail addresses in the body"},
    /* SpamAssassin: TextCat, DecodeShortURLs */
    {"check_language", sa_check_language, EV_LOCAL, 0, 0,
     "SA TextCat: language detection is not implemented: never true"},
    {"short_url", sa_short_url, EV_LOCAL, 0, 0, "SA DecodeShortURLs: a URL shortener link"},
    {"short_url_redir", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_200", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_404", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_code", NULL, EV_NET, 0, N_ANY, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_chained", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_maxchain", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    {"short_url_loop", NULL, EV_NET, 0, 0, "SA DecodeShortURLs: follows the link (HTTP)"},
    /* network, Bayes and external state: never true offline */
    {"check_rbl", NULL, EV_NET, 2, 3, "SA DNSEval: DNS blocklist of the relays"},
    {"check_rbl_sub", NULL, EV_NET, 2, 2, "SA DNSEval: DNS blocklist sub-test"},
    {"check_rbl_txt", NULL, EV_NET, 2, 3, "SA DNSEval: DNS blocklist TXT"},
    {"check_rbl_accreditor", NULL, EV_NET, 2, 4, "SA DNSEval: DNS accreditor"},
    {"check_rbl_ns_from", NULL, EV_NET, 2, 3, "SA DNSEval: blocklist of the sender's NS"},
    {"check_rbl_from_host", NULL, EV_NET, 2, 3, "SA DNSEval: blocklist of the From host"},
    {"check_rbl_from_domain", NULL, EV_NET, 2, 3, "SA DNSEval: blocklist of the From domain"},
    {"check_rbl_envfrom", NULL, EV_NET, 2, 3, "SA DNSEval: blocklist of the envelope sender"},
    {"check_rbl_headers", NULL, EV_NET, 2, 4, "SA DNSEval: blocklist of header values"},
    {"check_rbl_rcvd", NULL, EV_NET, 2, 3, "SA DNSEval: blocklist of Received hosts"},
    {"check_dns_sender", NULL, EV_NET, 0, 0, "SA DNSEval: sender domain has no A/MX (DNS)"},
    {"check_uridnsbl", NULL, EV_NET, 1, 1, "SA URIDNSBL: URI blocklists"},
    {"check_uri_local_bl", NULL, EV_NET, 0, N_ANY, "SA URILocalBL: GeoIP/ASN databases"},
    {"check_hashbl_emails", NULL, EV_NET, 1, N_ANY, "SA HashBL: hashed e-mail blocklist (DNS)"},
    {"check_hashbl_uris", NULL, EV_NET, 1, N_ANY, "SA HashBL: hashed URI blocklist (DNS)"},
    {"check_hashbl_bodyre", NULL, EV_NET, 1, N_ANY, "SA HashBL: hashed body blocklist (DNS)"},
    {"check_hashbl_tag", NULL, EV_NET, 1, N_ANY, "SA HashBL: hashed tag blocklist (DNS)"},
    {"check_hashbl_attachments", NULL, EV_NET, 1, N_ANY,
     "SA HashBL: hashed attachment blocklist (DNS)"},
    {"check_asn", NULL, EV_NET, 1, N_ANY, "SA ASN: AS number lookup"},
    {"check_bayes", NULL, EV_NET, 2, 2, "SA Bayes: needs a trained Bayes database"},
    {"check_razor2", NULL, EV_NET, 0, 0, "SA Razor2: network service"},
    {"check_razor2_range", NULL, EV_NET, 2, 3, "SA Razor2: network service"},
    {"check_pyzor", NULL, EV_NET, 0, 0, "SA Pyzor: network service"},
    {"check_dcc", NULL, EV_NET, 0, 0, "SA DCC: network service"},
    {"check_dcc_reputation_range", NULL, EV_NET, 1, 2, "SA DCC: network service"},
    {"check_senders_reputation", NULL, EV_NET, 0, 0, "SA TxRep: reputation database"},
    {"check_from_in_auto_welcomelist", NULL, EV_NET, 0, 0, "SA AWL: auto-welcomelist database"},
    {"check_from_in_auto_whitelist", NULL, EV_NET, 0, 0, "SA AWL: auto-welcomelist database"},
    {"check_access_database", NULL, EV_NET, 1, 1, "SA AccessDB: external access database"},
    {"check_phishing", NULL, EV_NET, 0, 0, "SA Phishing: downloaded phishing feeds"},
};

const struct eval_def *eval_table(size_t *n)
{
    *n = sizeof table / sizeof table[0];
    return table;
}

const struct eval_def *eval_lookup(const char *name)
{
    if (!name) return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

/* ---------------------------------------------------------------------- */
/* small helpers */

void ev_evidence(struct eval_ctx *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->evidence = arena_strdup(ev_arena(c), buf);
}

/* strtod's value of a plain decimal ("12", "-0.5", "3."): up to 15 digits
 * in all, so the digits as an integer and the power of ten dividing them
 * are both exact doubles and the one division is correctly rounded, as
 * strtod is. False for anything else (an exponent, hex, inf, more digits),
 * which strtod reads. */
static bool plain_decimal(const char *s, double *v)
{
    bool neg = *s == '-';
    if (*s == '-' || *s == '+') s++;
    static const double p10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    uint64_t m = 0;
    unsigned digits = 0, frac = 0;
    bool dot = false;
    for (;; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++digits > 15) return false;
            m = m * 10 + (uint64_t)(*s - '0');
            frac += dot;
        } else if (*s == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    /* no digit: strtod reads nothing here (or "inf", "nan"); an exponent or
     * a hex prefix goes on */
    if (!digits || *s == 'e' || *s == 'E' || *s == 'x' || *s == 'X') return false;
    double d = (double)m / p10[frac];
    *v = neg ? -d : d;
    return true;
}

double ev_num(const char *s)
{
    if (!s) return 0;
    /* most arguments are a few digits and nothing else: exact as a double */
    uint64_t m = 0;
    unsigned digits = 0;
    for (const char *p = s;; p++) {
        if (*p >= '0' && *p <= '9' && digits < 15) {
            m = m * 10 + (uint64_t)(*p - '0');
            digits++;
        } else {
            if (!*p && digits) return (double)m;
            break;
        }
    }
    while (ch_is_space((unsigned char)*s))
        s++;
    double fast;
    if (plain_decimal(s, &fast)) return fast;
    char *end;
    double v = strtod(s, &end);
    if (end == s) return 0;
    return v;
}

/* ---------------------------------------------------------------------- */
/* the per-message cache */

struct ev_cache *ev_cache(struct eval_ctx *c)
{
    if (!c->priv) c->priv = arena_zalloc(ev_arena(c), sizeof(struct ev_cache));
    return c->priv;
}

void *ev_slot(struct eval_ctx *c, int slot, size_t size, bool *fresh)
{
    struct ev_cache *k = ev_cache(c);
    *fresh = k->slot[slot] == NULL;
    if (*fresh) k->slot[slot] = arena_zalloc(ev_arena(c), size);
    return k->slot[slot];
}

/* ---------------------------------------------------------------------- */
/* regular expressions */

#define EV_RE_MAX                                                                                  \
    131072 /* distinct patterns kept per process: more than rules allowed                          \
             (RULES_MAX_RULES); per-message patterns go through                                    \
             ev_rx_dyn and are never kept */
#define EV_RE_BUCKETS 1024

struct ev_re {
    char *pattern;
    unsigned flags;
    pcre2_code *code; /* NULL: did not compile */
    uint32_t pairs;   /* ovector pairs of a match: 1 + its capture groups */
    struct ev_re *next;
};

static pthread_mutex_t re_mu = PTHREAD_MUTEX_INITIALIZER;
static struct ev_re *re_bucket[EV_RE_BUCKETS];
static size_t re_count;

/* Per thread: the patterns last looked up, by the address of the caller's
 * pattern text (most are string constants, asked for on every message);
 * a hit is confirmed by comparing the text, so a reused address holding
 * another pattern only misses. The patterns are kept for the process.
 * 1,024 slots (16 KB a thread): with 64 the evals' hundred-odd constant
 * patterns evicted each other, and a miss hashes the whole pattern under
 * the mutex (4,300 instructions a message on the bench). */
#define EV_RE_RECENT 1024
struct ev_re_recent {
    const char *key;
    const struct ev_re *r;
};
static _Thread_local struct ev_re_recent re_recent[EV_RE_RECENT];

static size_t re_recent_slot(const char *pattern, unsigned flags)
{
    uintptr_t k = (uintptr_t)pattern ^ (uintptr_t)flags;
    return (size_t)((k >> 3) ^ (k >> 13)) & (EV_RE_RECENT - 1);
}

static const struct ev_re *ev_re_lookup(const char *pattern, unsigned flags);

const struct ev_re *ev_re(const char *pattern, unsigned flags)
{
    struct ev_re_recent *e = &re_recent[re_recent_slot(pattern, flags)];
    if (e->key && e->key == pattern && e->r->flags == flags && strcmp(e->r->pattern, pattern) == 0)
        return e->r;
    const struct ev_re *r = ev_re_lookup(pattern, flags);
    if (r) *e = (struct ev_re_recent){pattern, r};
    return r;
}

static const struct ev_re *ev_re_lookup(const char *pattern, unsigned flags)
{
    uint32_t h = 2166136261u ^ flags;
    for (const char *p = pattern; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct ev_re **b = &re_bucket[h & (EV_RE_BUCKETS - 1)];
    pthread_mutex_lock(&re_mu);
    struct ev_re *r;
    for (r = *b; r; r = r->next)
        if (r->flags == flags && strcmp(r->pattern, pattern) == 0) break;
    if (!r && re_count < EV_RE_MAX) {
        r = calloc(1, sizeof *r);
        if (r) {
            r->pattern = strdup(pattern);
            r->flags = flags;
            uint32_t opt =
                (flags & EV_RE_I ? PCRE2_CASELESS : 0) | (flags & EV_RE_S ? PCRE2_DOTALL : 0) |
                (flags & EV_RE_M ? PCRE2_MULTILINE : 0) | (flags & EV_RE_X ? PCRE2_EXTENDED : 0);
            int err;
            PCRE2_SIZE eoff;
            r->code = r->pattern ? pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opt,
                                                 &err, &eoff, NULL)
                                 : NULL;
            if (r->code) {
                pcre2_jit_compile(r->code, PCRE2_JIT_COMPLETE);
                uint32_t groups = 0;
                pcre2_pattern_info(r->code, PCRE2_INFO_CAPTURECOUNT, &groups);
                r->pairs = groups + 1;
            }
            if (!r->pattern) {
                free(r);
                r = NULL;
            } else {
                r->next = *b;
                *b = r;
                re_count++;
            }
        }
    }
    pthread_mutex_unlock(&re_mu);
    return r && r->code ? r : NULL;
}

static void *re_alloc(PCRE2_SIZE n, void *a)
{
    return arena_alloc(a, n);
}
static void re_free(void *p, void *a)
{
    (void)p;
    (void)a;
}

/* Per thread: one match context (the limits below; no JIT stack: JIT's
 * default) and one match data, grown to the most pairs a pattern needs;
 * kept for the thread's life. */
struct ev_tls {
    pcre2_match_context *mc;
    pcre2_match_data *md;
    uint32_t pairs;
};
static pthread_key_t ev_tls_key;
static pthread_once_t ev_tls_once = PTHREAD_ONCE_INIT;
static _Thread_local struct ev_tls *ev_tls_cur;

static void ev_tls_free(void *p)
{
    struct ev_tls *t = p;
    if (!t) return;
    pcre2_match_data_free(t->md);
    pcre2_match_context_free(t->mc);
    free(t);
}

static void ev_tls_init(void)
{
    pthread_key_create(&ev_tls_key, ev_tls_free);
}

/* The thread's match context and a match data of at least `pairs` pairs;
 * NULL when out of memory. */
static struct ev_tls *ev_tls_get(uint32_t pairs)
{
    struct ev_tls *t = ev_tls_cur;
    if (!t) {
        pthread_once(&ev_tls_once, ev_tls_init);
        t = calloc(1, sizeof *t);
        if (!t) return NULL;
        t->mc = pcre2_match_context_create(NULL);
        if (!t->mc) {
            free(t);
            return NULL;
        }
        pcre2_set_match_limit(t->mc, 1000000);
        pcre2_set_depth_limit(t->mc, 10000);
        pthread_setspecific(ev_tls_key, t);
        ev_tls_cur = t;
    }
    if (t->pairs < pairs) {
        pcre2_match_data *md = pcre2_match_data_create(pairs < 16 ? 16 : pairs, NULL);
        if (!md) return NULL;
        pcre2_match_data_free(t->md);
        t->md = md;
        t->pairs = pairs < 16 ? 16 : pairs;
    }
    return t;
}

bool ev_re_match(struct eval_ctx *c, const struct ev_re *re, const char *s, size_t len,
                 size_t start, size_t *ovec, int ncap)
{
    (void)c;
    if (!re || !s || start > len) return false;
    struct ev_tls *t = ev_tls_get(re->pairs);
    if (!t) return false;
    pcre2_match_data *md = t->md;
    int rc = pcre2_match(re->code, (PCRE2_SPTR)s, len, start, 0, md, t->mc);
    if (rc < 0) return false;
    if (ovec) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        /* the pattern's own pairs only: the rest of a shared match data
         * holds an earlier match's */
        uint32_t np = re->pairs;
        for (int k = 0; k < ncap; k++) {
            if ((uint32_t)k < np && ov[2 * k] != PCRE2_UNSET) {
                ovec[2 * k] = ov[2 * k];
                ovec[2 * k + 1] = ov[2 * k + 1];
            } else {
                ovec[2 * k] = ovec[2 * k + 1] = (size_t)-1;
            }
        }
    }
    return true;
}

bool ev_rx(struct eval_ctx *c, const char *pattern, unsigned flags, const char *s)
{
    if (!s) return false;
    return ev_re_match(c, ev_re(pattern, flags), s, strlen(s), 0, NULL, 0);
}

bool ev_rx_dyn(struct eval_ctx *c, const char *pattern, unsigned flags, const char *s)
{
    if (!s || !pattern) return false;
    arena *a = ev_arena(c);
    pcre2_general_context *gc = pcre2_general_context_create(re_alloc, re_free, a);
    pcre2_compile_context *cc = pcre2_compile_context_create(gc);
    uint32_t opt = (flags & EV_RE_I ? PCRE2_CASELESS : 0) | (flags & EV_RE_S ? PCRE2_DOTALL : 0) |
                   (flags & EV_RE_M ? PCRE2_MULTILINE : 0) | (flags & EV_RE_X ? PCRE2_EXTENDED : 0);
    int err;
    PCRE2_SIZE eoff;
    /* no JIT: compiled for one message, matched once; the memory is the arena's */
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, opt, &err, &eoff, cc);
    if (!code) return false;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, gc);
    pcre2_match_context *mc = pcre2_match_context_create(gc);
    pcre2_set_match_limit(mc, 1000000);
    pcre2_set_depth_limit(mc, 10000);
    return pcre2_match(code, (PCRE2_SPTR)s, strlen(s), 0, 0, md, mc) >= 0;
}

/* ---------------------------------------------------------------------- */
/* headers in SpamAssassin's terms */

static const struct mv_text *mv_header(struct eval_ctx *c, const char *name, enum rule_hdr_mod m)
{
    return msgview_header(c->v, name, m);
}

const char *ev_get(struct eval_ctx *c, const char *name)
{
    const struct mv_text *t = mv_header(c, name, HM_DEFAULT);
    return t ? t->p : NULL;
}

const char *ev_get_raw(struct eval_ctx *c, const char *name)
{
    const struct mv_text *t = mv_header(c, name, HM_RAW);
    return t ? t->p : NULL;
}

static size_t addrs_parse(struct eval_ctx *c, const char *name, const char *const **out);

size_t ev_addrs(struct eval_ctx *c, const char *name, const char *const **out)
{
    struct ev_cache *k = ev_cache(c);
    /* the first bytes told apart before the call: 16 names and ~130 look-ups
     * a message made strcmp 2,900 instructions of it */
    for (int i = 0; i < k->n_addrs; i++)
        if (k->addrs[i].name[0] == name[0] && strcmp(k->addrs[i].name, name) == 0) {
            *out = k->addrs[i].v;
            return k->addrs[i].n;
        }
    size_t n = addrs_parse(c, name, out);
    if (k->n_addrs < (int)(sizeof k->addrs / sizeof k->addrs[0])) {
        k->addrs[k->n_addrs].name = arena_strdup(ev_arena(c), name);
        k->addrs[k->n_addrs].v = *out;
        k->addrs[k->n_addrs++].n = n;
    }
    return n;
}

static size_t addrs_parse(struct eval_ctx *c, const char *name, const char *const **out)
{
    arena *a = ev_arena(c);
    *out = NULL;
    if (strcmp(name, "EnvelopeFrom") == 0) {
        const char *e = ev_envelope_from(c);
        if (!e) return 0;
        const char **v = arena_alloc(a, sizeof *v);
        v[0] = e;
        *out = v;
        return 1;
    }
    if (strcmp(name, "ToCc") == 0) {
        /* To's addresses, then Cc's: from their own (cached) answers rather
         * than parsing both fields again */
        const char *const *t, *const *cc;
        size_t nt = ev_addrs(c, "To", &t);
        size_t nc = ev_addrs(c, "Cc", &cc);
        if (!nc) {
            *out = t;
            return nt;
        }
        if (!nt) {
            *out = cc;
            return nc;
        }
        const char **v = arena_alloc(a, sizeof *v * (nt + nc));
        memcpy(v, t, sizeof *v * nt);
        memcpy(v + nt, cc, sizeof *v * nc);
        *out = v;
        return nt + nc;
    }
    const char **v = NULL;
    size_t n = 0, cap = 0;
    const struct message *m = ev_msg(c);
    /* message_parse parsed the first To, Cc and Reply-To field with the same
     * addr_parse_list, from the same unfolded value unless it was cut at
     * HDR_MAX_VALUE_DECODE: those addresses are taken as they are */
    const struct addr_list *parsed = NULL;
    if (strcmp(name, "To") == 0)
        parsed = &m->to;
    else if (strcmp(name, "Cc") == 0)
        parsed = &m->cc;
    else if (strcmp(name, "Reply-To") == 0)
        parsed = &m->reply_to;
    /* a single From field: message_parse's parse_from parsed it with the
     * same addr_parse_list from the same unfolded value (unless cut at
     * HDR_MAX_VALUE_DECODE), and counted its addresses: with none or one,
     * that is the answer (parsing the field again was 3,300 instructions a
     * message) */
    if (strcmp(name, "From") == 0 && m->n_from_addrs <= 1) {
        size_t n_fields = 0;
        const struct hdr_field *first = NULL;
        for (size_t fi = 0; fi < m->hdr.n; fi++) {
            const struct hdr_field *f = &m->hdr.f[fi];
            if (f->name.len != 4 || !str_eq_ci(f->name.p, 4, "From")) continue;
            if (!n_fields++) first = f;
        }
        if (n_fields == 1 && first->value.len <= HDR_MAX_VALUE_DECODE) {
            if (m->n_from_addrs == 0) return 0;
            if (m->has_from && m->from.address && m->from.address[0]) {
                v = arena_alloc(a, sizeof *v);
                v[0] = m->from.address;
                *out = v;
                return 1;
            }
        }
    }
    /* the fields of that name in one pass (hdr_get from the first field
     * for each one, and once more to find there is no other) */
    size_t name_len = strlen(name), i = 0;
    for (size_t fi = 0; fi < m->hdr.n; fi++) {
        const struct hdr_field *f = &m->hdr.f[fi];
        if (f->name.len != name_len || !str_eq_ci(f->name.p, name_len, name)) continue;
        struct addr_list l;
        if (i == 0 && parsed && f->value.len <= HDR_MAX_VALUE_DECODE) {
            l = *parsed;
        } else {
            size_t ul;
            char *u = hdr_unfold(a, f->value, &ul);
            addr_parse_list(a, u, ul, &l, NULL);
        }
        for (size_t j = 0; j < l.n; j++) {
            if (!l.v[j].address || !l.v[j].address[0]) continue;
            v = arena_grow(a, v, &cap, n + 1, sizeof *v);
            v[n++] = l.v[j].address;
        }
        i++;
    }
    *out = v;
    return n;
}

const char *ev_addr(struct eval_ctx *c, const char *name)
{
    const char *const *v;
    size_t n = ev_addrs(c, name, &v);
    return n ? v[0] : "";
}

const char *ev_envelope_from(struct eval_ctx *c)
{
    struct ev_cache *k = ev_cache(c);
    if (k->envfrom_done) return k->envfrom;
    k->envfrom_done = true;
    k->envfrom = NULL;
    const struct mv_text *t = mv_header(c, "EnvelopeFrom", HM_ADDR);
    if (!t) t = mv_header(c, "EnvelopeFrom", HM_DEFAULT);
    if (t) {
        struct slice sl = str_trim(t->p, t->len);
        if (sl.len && sl.p[0] == '<') { /* "<addr>" as written */
            struct addr ad;
            addr_parse_path(ev_arena(c), sl.p, sl.len, &ad);
            k->envfrom = ad.address ? ad.address : "";
        } else {
            k->envfrom = arena_strndup(ev_arena(c), sl.p, sl.len);
        }
    }
    return k->envfrom;
}

static size_t addrs_distinct_lc(struct eval_ctx *c, const char *const *names, size_t n_names,
                                const char *const **out)
{
    arena *a = ev_arena(c);
    const char **v = NULL;
    size_t n = 0, cap = 0;
    for (size_t k = 0; k < n_names; k++) {
        const char *const *av;
        size_t an = ev_addrs(c, names[k], &av);
        for (size_t i = 0; i < an; i++) {
            char *s = arena_strdup(a, av[i]);
            str_lower(s, strlen(s));
            /* "foo@bar..com" -> "foo@bar.com" (SpamAssassin squeezes dots) */
            size_t w = 0;
            for (size_t r = 0; s[r]; r++)
                if (!(s[r] == '.' && w > 0 && s[w - 1] == '.')) s[w++] = s[r];
            s[w] = 0;
            if (!s[0]) continue;
            bool dup = false;
            for (size_t j = 0; j < n && !dup; j++)
                dup = strcmp(v[j], s) == 0;
            if (dup) continue;
            v = arena_grow(a, v, &cap, n + 1, sizeof *v);
            v[n++] = s;
        }
    }
    *out = v;
    return n;
}

static size_t all_from_addrs(struct eval_ctx *c, const char *const **out);
static size_t all_to_addrs(struct eval_ctx *c, const char *const **out);

size_t ev_all_from_addrs(struct eval_ctx *c, const char *const **out)
{
    struct ev_cache *k = ev_cache(c);
    if (!k->from_done) {
        k->from_n = all_from_addrs(c, &k->from_v);
        k->from_done = true;
    }
    *out = k->from_v;
    return k->from_n;
}

size_t ev_all_to_addrs(struct eval_ctx *c, const char *const **out)
{
    struct ev_cache *k = ev_cache(c);
    if (!k->to_done) {
        k->to_n = all_to_addrs(c, &k->to_v);
        k->to_done = true;
    }
    *out = k->to_v;
    return k->to_n;
}

static size_t all_from_addrs(struct eval_ctx *c, const char *const **out)
{
    static const char *const resent[] = {"Resent-From"};
    static const char *const from[] = {"From", "Envelope-Sender", "Resent-Sender",
                                       "X-Envelope-From", "EnvelopeFrom"};
    const char *const *v;
    if (ev_addrs(c, "Resent-From", &v)) return addrs_distinct_lc(c, resent, 1, out);
    return addrs_distinct_lc(c, from, 5, out);
}

static size_t all_to_addrs(struct eval_ctx *c, const char *const **out)
{
    static const char *const resent[] = {"Resent-To", "Resent-Cc"};
    static const char *const to[] = {"To",
                                     "Cc",
                                     "Apparently-To",
                                     "Delivered-To",
                                     "Envelope-Recipients",
                                     "Apparently-Resent-To",
                                     "X-Envelope-To",
                                     "Envelope-To",
                                     "X-Delivered-To",
                                     "X-Original-To",
                                     "X-Rcpt-To",
                                     "X-Real-To"};
    const char *const *v;
    if (ev_addrs(c, "Resent-To", &v) || ev_addrs(c, "Resent-Cc", &v))
        return addrs_distinct_lc(c, resent, 2, out);
    return addrs_distinct_lc(c, to, sizeof to / sizeof to[0], out);
}

/* ---------------------------------------------------------------------- */
/* body and URIs */

const struct mv_text *ev_body(struct eval_ctx *c, size_t *n)
{
    return msgview_body(c->v, true, n);
}

const struct mv_text *ev_rawbody(struct eval_ctx *c, size_t *n)
{
    return msgview_rawbody(c->v, n);
}

size_t ev_uris(struct eval_ctx *c, const char *const **out)
{
    size_t nu;
    const struct mv_text *u = msgview_uris(c->v, &nu);
    const char **v = arena_alloc(ev_arena(c), (nu ? nu : 1) * sizeof *v);
    for (size_t i = 0; i < nu; i++)
        v[i] = u[i].p;
    *out = v;
    return nu;
}

/* ---------------------------------------------------------------------- */
/* relays */

bool ev_is_ipv4(const char *s)
{
    int parts = 0;
    const char *p = s;
    while (parts < 4) {
        int d = 0, v = 0;
        while (ch_is_digit((unsigned char)*p) && d < 4) {
            v = v * 10 + (*p - '0');
            p++;
            d++;
        }
        if (d == 0 || d > 3 || v > 255) return false;
        parts++;
        if (parts < 4) {
            if (*p != '.') return false;
            p++;
        }
    }
    return *p == 0;
}

bool ev_ip_is_private(const char *ip)
{
    if (!ip || !*ip) return false;
    if (ev_is_ipv4(ip)) {
        int a = atoi(ip);
        const char *d = strchr(ip, '.');
        int b = d ? atoi(d + 1) : 0;
        return a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && b >= 16 && b <= 31) ||
               (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127);
    }
    if (strchr(ip, ':')) {
        const char *q = ip;
        if (str_starts_ci(q, strlen(q), "ipv6:")) q += 5;
        /* IPv4-mapped */
        const char *last = strrchr(q, ':');
        if (last && strchr(last, '.') && str_find_ci(q, strlen(q), "ffff:"))
            return ev_ip_is_private(last + 1);
        return net_is_internal(q);
    }
    return false;
}

/* Parse "[ ip=1.2.3.4 rdns=x helo=y by=z ident= envfrom= intl=0 id=ID auth= msa=0 ] [...]". */
static size_t relays_parse(arena *a, const char *s, struct ev_relay **out)
{
    struct ev_relay *v = NULL;
    size_t n = 0, cap = 0;
    static const char *const keys[] = {"ip",      "rdns", "helo", "by",   "ident",
                                       "envfrom", "intl", "id",   "auth", "msa"};
    /* their lengths: a strlen per key and field was 2,400 instructions a
     * message */
    static const size_t key_len[] = {2, 4, 4, 2, 5, 7, 4, 2, 4, 3};
    while (s && (s = strchr(s, '['))) {
        const char *e = strchr(s, ']');
        /* values may contain ']' only in theory; SpamAssassin strips them */
        if (!e) e = s + strlen(s);
        v = arena_grow(a, v, &cap, n + 1, sizeof *v);
        struct ev_relay *r = &v[n++];
        const char *vals[10] = {""};
        for (int k = 0; k < 10; k++)
            vals[k] = "";
        const char *p = s + 1;
        while (p < e) {
            while (p < e && *p == ' ')
                p++;
            const char *eq = memchr(p, '=', (size_t)(e - p));
            if (!eq) break;
            /* the value runs to the next " key=" */
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
            for (int k = 0; k < 10; k++)
                if ((size_t)(eq - p) == key_len[k] && memcmp(p, keys[k], key_len[k]) == 0) {
                    struct slice sv = str_trim(q, (size_t)(vend - q));
                    vals[k] = arena_strndup(a, sv.p, sv.len);
                    break; /* the keys are distinct */
                }
            p = vend;
        }
        r->ip = vals[0], r->rdns = vals[1], r->helo = vals[2], r->by = vals[3];
        r->ident = vals[4], r->envfrom = vals[5], r->id = vals[7], r->auth = vals[8];
        s = *e ? e + 1 : e;
    }
    *out = v;
    return n;
}

static void relay_finish(arena *a, struct ev_relay *r)
{
    char *x = arena_strdup(a, r->rdns);
    str_lower(x, strlen(x));
    r->lc_rdns = x;
    x = arena_strdup(a, r->helo);
    str_lower(x, strlen(x));
    r->lc_helo = x;
    x = arena_strdup(a, r->by);
    str_lower(x, strlen(x));
    r->lc_by = x;
    r->ip_private = ev_ip_is_private(r->ip);
    r->no_reverse_dns = r->rdns[0] == 0;
}

static struct ev_relay *relays_copy(arena *a, const struct mv_relay *v, size_t n)
{
    struct ev_relay *r = arena_zalloc(a, (n ? n : 1) * sizeof *r);
    for (size_t i = 0; i < n; i++)
        r[i] = (struct ev_relay){.ip = v[i].ip,
                                 .rdns = v[i].rdns,
                                 .helo = v[i].helo,
                                 .by = v[i].by,
                                 .ident = v[i].ident,
                                 .envfrom = v[i].envfrom,
                                 .id = v[i].id,
                                 .auth = v[i].auth};
    return r;
}

const struct ev_relays *ev_relays(struct eval_ctx *c)
{
    struct ev_cache *k = ev_cache(c);
    struct ev_relays *R = &k->relays;
    if (k->relays_done) return R;
    k->relays_done = true;
    arena *a = ev_arena(c);
    const struct message *m = ev_msg(c);
    struct ev_relay *t = NULL, *u = NULL;
    size_t nt = 0, nu = 0;
    /* the relays as msgview built them, field by field: parsing them back
     * from the pseudo-headers' strings (as below, when msgview cannot give
     * them so) was 8,700 of ALL_TRUSTED's 10,400 instructions a message */
    struct mv_text ts, us;
    const struct mv_relay *mt = msgview_relays(c->v, 0, &nt, &ts);
    const struct mv_relay *mu = msgview_relays(c->v, 1, &nu, &us);
    if (mt && mu) {
        t = relays_copy(a, mt, nt);
        u = relays_copy(a, mu, nu);
    } else {
        nt = relays_parse(a, ts.p, &t);
        nu = relays_parse(a, us.p, &u);
    }
    for (size_t i = 0; i < nt; i++)
        relay_finish(a, &t[i]);
    for (size_t i = 0; i < nu; i++)
        relay_finish(a, &u[i]);
    R->trusted = t, R->n_trusted = nt;
    R->untrusted = u, R->n_untrusted = nu;
    /* The Received headers SpamAssassin could not parse are not in its
     * pseudo-headers; mailaudit's own parser's failures stand in. */
    for (size_t i = 0; i < m->n_received; i++)
        if (!m->received[i].parsed) R->n_unparseable++;
    R->trusted_str = ts.p;
    R->untrusted_str = us.p;
    return R;
}

/* ---------------------------------------------------------------------- */
/* lists */

/* ev_list, and the list's serial (struct rule_list; 0 when it has none)
 * and, when lens is not NULL, its entries' lengths (NULL when unknown) */
static size_t ev_list_serial_lens(const struct eval_ctx *c, const char *name,
                                  const char *const **out, uint64_t *serial, const size_t **lens)
{
    *out = NULL;
    *serial = 0;
    if (lens) *lens = NULL;
#ifdef RULES_HAVE_LISTS
    const struct ruleset *rs = c->rs;
    if (!rs) return 0;
    if (strcmp(name, "url_shortener") == 0) {
        *out = (const char *const *)rs->url_shorteners;
        return rs->n_url_shorteners;
    }
    if (strcmp(name, "freemail_domains") == 0) {
        *out = (const char *const *)rs->freemail_domains;
        return rs->n_freemail;
    }
    /* a hash look-up: the scan comparing every list's name cost ~15,000
     * instructions a message with the stock rules */
    long i = ruleset_list_find(rs, name);
    if (i >= 0) {
        *out = (const char *const *)rs->lists[i].v;
        *serial = ruleset_list_serial(rs, (size_t)i);
        if (lens) *lens = ruleset_list_lens(rs, (size_t)i);
        return rs->lists[i].n;
    }
#else
    (void)c;
    (void)name;
#endif
    return 0;
}

static size_t ev_list_serial(const struct eval_ctx *c, const char *name, const char *const **out,
                             uint64_t *serial)
{
    return ev_list_serial_lens(c, name, out, serial, NULL);
}

size_t ev_list(const struct eval_ctx *c, const char *name, const char *const **out)
{
    uint64_t serial;
    return ev_list_serial(c, name, out, &serial);
}

size_t ev_list_lens(const struct eval_ctx *c, const char *name, const char *const **out,
                    const size_t **lens)
{
    uint64_t serial;
    return ev_list_serial_lens(c, name, out, &serial, lens);
}

/* A necessary condition for ev_glob(p, s), in one pass from the end: the
 * part of p after its last '*' (all of p when it has none) holds no star,
 * so it matches exactly as many final bytes of s (all of s, when p has no
 * star). Lists such as welcomelist_from are mostly "*@domain": the test
 * rejects nearly every entry without the star backtracking, most at the
 * last byte, as it compares from the end. */
static bool glob_tail_fits(const char *p, size_t pl, const char *s, size_t sl)
{
    size_t i = 0; /* bytes of the tail compared, from the end */
    while (i < pl && p[pl - 1 - i] != '*') {
        if (i >= sl) return false; /* s is shorter than the tail */
        unsigned char pc = (unsigned char)p[pl - 1 - i], sc = (unsigned char)s[sl - 1 - i];
        if (pc != '?' && ch_lower(pc) != ch_lower(sc)) return false;
        i++;
    }
    return i < pl || sl == pl; /* without a star, s is exactly as long */
}

static bool glob_len(const char *p, size_t pl, const char *s, size_t sl)
{
    if (!glob_tail_fits(p, pl, s, sl)) return false;
    const char *star = NULL, *ss = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            ss = s;
        } else if (*p == '?' ||
                   (*p && ch_lower((unsigned char)*p) == ch_lower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++ss;
        } else {
            return false;
        }
    }
    while (*p == '*')
        p++;
    return *p == 0;
}

bool ev_glob(const char *p, const char *s)
{
    return glob_len(p, strlen(p), s, strlen(s));
}

bool ev_glob_any(const char *const *v, size_t n, const char *s)
{
    return ev_glob_any_lens(v, NULL, n, s);
}

/* The lengths known, most entries ("*@domain") are turned down at the
 * last byte without a strlen: check_from_in_list was 8,500 instructions a
 * message with the stock rules, a third of them strlen */
bool ev_glob_any_lens(const char *const *v, const size_t *lens, size_t n, const char *s)
{
    size_t sl = strlen(s);
    unsigned char last = sl ? ch_lower((unsigned char)s[sl - 1]) : 0;
    for (size_t i = 0; i < n; i++) {
        if (!v[i]) continue;
        size_t pl = lens ? lens[i] : strlen(v[i]);
        /* glob_tail_fits' first step, here: most entries end there */
        unsigned char pc = pl ? (unsigned char)v[i][pl - 1] : '*';
        if (pc != '*' && (!sl || (pc != '?' && ch_lower(pc) != last))) continue;
        if (glob_len(v[i], pl, s, sl)) return true;
    }
    return false;
}

bool ev_addr_in_list(const struct eval_ctx *c, const char *list, const char *addr)
{
    const char *const *v;
    size_t n = ev_list(c, list, &v);
    return ev_glob_any(v, n, addr);
}

/* ---------------------------------------------------------------------- */
/* domains */

/* Two-level public suffixes common in mail (a short list: the rule set's
 * util_rb_2tld and util_rb_3tld lists, when loaded, complete it). */
static const char *const two_level[] = {
    "ac.il",  "ac.in",  "ac.jp",  "ac.nz",  "ac.uk",  "ac.za",  "asn.au", "co.id",  "co.il",
    "co.in",  "co.jp",  "co.kr",  "co.nz",  "co.th",  "co.ua",  "co.uk",  "co.za",  "com.ar",
    "com.au", "com.br", "com.cn", "com.co", "com.hk", "com.mx", "com.my", "com.pl", "com.ru",
    "com.sg", "com.tr", "com.tw", "com.ua", "com.vn", "edu.au", "edu.cn", "gob.mx", "go.jp",
    "go.kr",  "gov.au", "gov.br", "gov.cn", "gov.in", "gov.tr", "gov.uk", "gov.za", "govt.nz",
    "id.au",  "in.th",  "ltd.uk", "me.uk",  "ne.jp",  "net.au", "net.br", "net.cn", "net.in",
    "net.nz", "net.uk", "or.jp",  "or.kr",  "org.au", "org.br", "org.cn", "org.il", "org.in",
    "org.mx", "org.nz", "org.tr", "org.uk", "org.za", "plc.uk", "sch.uk",
};

static bool in_sorted(const char *const *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(v[mid], s);
        if (r == 0) return true;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* A rule-set list as a sorted array of copies, built once per process per
 * list (identified by its address, size and either the serial the parser
 * gave it — never given twice — or, for a list without one, a hash of its
 * contents, so a list freed and another allocated at the same place is not
 * confused with it). Entries are never freed: a thread may still hold one.
 * When the table is full, lookups fall back to a linear scan. */
struct sorted_list {
    const void *key;
    size_t n;
    uint64_t serial;
    uint64_t hash; /* 0 with a serial */
    char **v;
    /* a hash index over v (sl_index): slot = entry index + 1, 0 empty;
     * NULL when it could not be allocated (in_sorted then) */
    uint32_t *slot;
    uint32_t *eh; /* each entry's str_hash */
    size_t mask;  /* slots - 1 */
};
#define SL_SLOTS 32
static pthread_mutex_t sl_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sorted_list sl_cache[SL_SLOTS];

static uint32_t str_hash(const char *s)
{
    uint64_t h = hash_fnv1a(s, strlen(s));
    return (uint32_t)(h ^ (h >> 32));
}

/* The hash index of l's entries: a power of two of slots, at least twice
 * the entries (so a probe ends at an empty slot), built with the list. The
 * binary search it replaces compared about eight strings a look-up
 * (strcmp: 0.3% of check's samples, from uri_host_listed's two look-ups per
 * host and parent domain). Size: 12 bytes or fewer per entry beyond the
 * list's own copy, for at most SL_SLOTS lists a process. */
static void sl_index(struct sorted_list *l)
{
    if (l->n >= UINT32_MAX / 4) return;
    size_t size = 16;
    while (size < 2 * l->n)
        size *= 2;
    uint32_t *slot = calloc(size, sizeof *slot);
    uint32_t *eh = malloc((l->n ? l->n : 1) * sizeof *eh);
    if (!slot || !eh) {
        free(slot);
        free(eh);
        return;
    }
    for (size_t i = 0; i < l->n; i++) {
        eh[i] = str_hash(l->v[i]);
        size_t k = eh[i] & (size - 1);
        while (slot[k])
            k = (k + 1) & (size - 1);
        slot[k] = (uint32_t)(i + 1);
    }
    l->slot = slot;
    l->eh = eh;
    l->mask = size - 1;
}

/* Is s one of l's entries (as in_sorted answers)? */
static bool sl_has(const struct sorted_list *l, const char *s)
{
    if (!l->slot) return in_sorted((const char *const *)l->v, l->n, s);
    uint32_t h = str_hash(s);
    for (size_t k = h & l->mask; l->slot[k]; k = (k + 1) & l->mask) {
        uint32_t i = l->slot[k] - 1;
        if (l->eh[i] == h && strcmp(l->v[i], s) == 0) return true;
    }
    return false;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

static uint64_t list_hash(const char *const *v, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t k = 0; k < n; k++) {
        for (const char *p = v[k] ? v[k] : ""; *p; p++)
            h = (h ^ (unsigned char)*p) * 1099511628211ULL;
        h = (h ^ 0xFF) * 1099511628211ULL;
    }
    return h;
}

static const struct sorted_list *list_sorted_find(struct eval_ctx *c, const char *name);

/* list_sorted_find, answered once per message and list name: finding the
 * list by name compares it with every list of the rule set, and ev_reg_domain
 * and uri_host_listed ask for the same few lists once per host (ev_list_serial
 * was 23,000 instructions a message on the bench) */
static const struct sorted_list *list_sorted(struct eval_ctx *c, const char *name)
{
    struct ev_cache *k = ev_cache(c);
    for (int i = 0; i < k->n_ln; i++)
        if (strcmp(k->ln[i].name, name) == 0) return k->ln[i].l;
    const struct sorted_list *l = list_sorted_find(c, name);
    if (k->n_ln < (int)(sizeof k->ln / sizeof k->ln[0])) {
        k->ln[k->n_ln].name = arena_strdup(ev_arena(c), name);
        k->ln[k->n_ln++].l = l;
    }
    return l;
}

static const struct sorted_list *list_sorted_find(struct eval_ctx *c, const char *name)
{
    const char *const *v;
    uint64_t serial;
    size_t n = ev_list_serial(c, name, &v, &serial);
    if (!n) return NULL;
    /* resolved once per message */
    struct ev_cache *k = ev_cache(c);
    for (int i = 0; i < k->n_sl; i++)
        if (k->sl[i].v == (const void *)v) return k->sl[i].l;
    uint64_t h = serial ? 0 : list_hash(v, n);
    const struct sorted_list *found = NULL;
    pthread_mutex_lock(&sl_mu);
    for (size_t i = 0; i < SL_SLOTS && !found; i++)
        if (sl_cache[i].key == (const void *)v && sl_cache[i].n == n &&
            sl_cache[i].serial == serial && sl_cache[i].hash == h)
            found = &sl_cache[i];
    for (size_t i = 0; i < SL_SLOTS && !found; i++) {
        if (sl_cache[i].key) continue;
        char **s = malloc(n * sizeof *s);
        if (!s) break;
        for (size_t j = 0; j < n; j++) {
            s[j] = strdup(v[j] ? v[j] : "");
            if (!s[j]) s[j] = (char *)"";
        }
        qsort(s, n, sizeof *s, cmp_str);
        sl_cache[i] = (struct sorted_list){.key = v, .n = n, .serial = serial, .hash = h, .v = s};
        sl_index(&sl_cache[i]);
        found = &sl_cache[i];
    }
    pthread_mutex_unlock(&sl_mu);
    if (found && k->n_sl < (int)(sizeof k->sl / sizeof k->sl[0])) {
        k->sl[k->n_sl].v = v;
        k->sl[k->n_sl++].l = found;
    }
    return found;
}

static bool suffix_listed(struct eval_ctx *c, const char *listname, const char *s)
{
    const struct sorted_list *l = list_sorted(c, listname);
    if (l) return sl_has(l, s);
    const char *const *v;
    size_t n = ev_list(c, listname, &v);
    for (size_t i = 0; i < n; i++)
        if (v[i] && strcmp(v[i], s) == 0) return true;
    return false;
}

bool ev_list_contains(struct eval_ctx *c, const char *name, const char *s)
{
    return suffix_listed(c, name, s);
}

const struct sorted_list *ev_list_sorted(struct eval_ctx *c, const char *name)
{
    return list_sorted(c, name);
}

bool ev_sorted_contains(struct eval_ctx *c, const struct sorted_list *l, const char *name,
                        const char *s)
{
    if (l) return sl_has(l, s);
    return suffix_listed(c, name, s);
}

const char *ev_reg_domain(struct eval_ctx *c, const char *host)
{
    arena *a = ev_arena(c);
    if (!host) return NULL;
    char *h = arena_strdup(a, host);
    str_lower(h, strlen(h));
    size_t len = strlen(h);
    while (len && h[len - 1] == '.')
        h[--len] = 0;
    if (ev_is_ipv4(h) || strchr(h, ':')) return h;
    /* label starts from the right */
    const char *dots[4] = {NULL, NULL, NULL, NULL}; /* positions after the last 1..4 dots */
    int nd = 0;
    for (size_t i = len; i-- > 0 && nd < 4;)
        if (h[i] == '.') dots[nd++] = h + i + 1;
    if (nd >= 3 && suffix_listed(c, "util_rb_3tld", dots[2])) return nd >= 4 ? dots[3] : h;
    if (nd >= 2 && (in_sorted(two_level, sizeof two_level / sizeof two_level[0], dots[1]) ||
                    suffix_listed(c, "util_rb_2tld", dots[1])))
        return nd >= 3 ? dots[2] : h;
    return nd >= 2 ? dots[1] : h;
}

/* Decimal, hex or octal IPv4 forms browsers accept: "3232235777",
 * "0xC0A80001", "0300.0250.0.1", "192.168.1" ... */
static bool host_is_encoded_ip(const char *h)
{
    int parts = 0;
    const char *p = h;
    while (*p) {
        if (parts == 4) return false;
        const char *s = p;
        if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
            p += 2;
            if (!ch_is_xdigit((unsigned char)*p)) return false;
            while (ch_is_xdigit((unsigned char)*p))
                p++;
        } else {
            if (!ch_is_digit((unsigned char)*p)) return false;
            while (ch_is_digit((unsigned char)*p))
                p++;
        }
        if (p == s) return false;
        parts++;
        if (*p == '.') {
            p++;
            if (!*p) return false;
        } else if (*p) {
            return false;
        }
    }
    return parts >= 1;
}

const char *ev_uri_host(struct eval_ctx *c, const char *uri, bool *is_ip)
{
    if (is_ip) *is_ip = false;
    if (!uri) return NULL;
    const char *p = uri;
    while (ch_is_space((unsigned char)*p))
        p++;
    const char *colon = strchr(p, ':');
    const char *slash = strstr(p, "//");
    if (!slash) return NULL;
    if (colon && colon < slash) {
        for (const char *q = p; q < colon; q++)
            if (!ch_is_alnum((unsigned char)*q) && *q != '+' && *q != '-' && *q != '.') return NULL;
    } else if (slash != p) {
        return NULL;
    }
    const char *h = slash + 2;
    const char *end = h + strcspn(h, "/?#\\ \t\r\n");
    const char *at = NULL;
    for (const char *q = h; q < end; q++)
        if (*q == '@') at = q;
    if (at) h = at + 1;
    const char *hend;
    if (*h == '[') {
        const char *rb = memchr(h, ']', (size_t)(end - h));
        if (!rb) return NULL;
        if (is_ip) *is_ip = true;
        return arena_strndup(ev_arena(c), h + 1, (size_t)(rb - h - 1));
    }
    hend = memchr(h, ':', (size_t)(end - h));
    if (!hend) hend = end;
    if (hend == h) return NULL;
    char *host = arena_strndup(ev_arena(c), h, (size_t)(hend - h));
    str_lower(host, strlen(host));
    size_t hl = strlen(host);
    while (hl && host[hl - 1] == '.')
        host[--hl] = 0;
    if (is_ip) *is_ip = ev_is_ipv4(host) || host_is_encoded_ip(host);
    return host;
}

bool ev_domain_in_list(const struct eval_ctx *c, const char *list, const char *const *builtin,
                       const char *host)
{
    if (!host) return false;
    const char *const *v;
    size_t n = ev_list(c, list, &v);
    for (int pass = 0; pass < 2; pass++) {
        const char *const *L = pass ? builtin : v;
        size_t ln = pass ? 0 : n;
        if (pass)
            while (builtin && builtin[ln])
                ln++;
        for (size_t i = 0; i < ln; i++) {
            const char *d = L[i];
            if (!d) continue;
            size_t hl = strlen(host), dl = strlen(d);
            if (hl == dl && strcmp(host, d) == 0) return true;
            if (hl > dl && host[hl - dl - 1] == '.' && strcmp(host + hl - dl, d) == 0) return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* mailaudit: HTML and images */

static bool part_is_body_text(const struct mime_part *p)
{
    return p->is_text && !p->is_attachment;
}

bool ma_html_only(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    bool html = false, plain = false;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (p->is_multipart || p->is_message || !part_is_body_text(p)) continue;
        if (p->is_html)
            html = true;
        else if (strcmp(p->content_type, "text/plain") == 0)
            plain = true;
    }
    if (html && !plain) {
        ev_evidence(c, "text/html without text/plain");
        return true;
    }
    return false;
}

/* Words of a rendered text: whitespace-separated runs with a letter or digit. */
static size_t count_words(const char *t, size_t len)
{
    size_t n = 0;
    bool in = false, alnum = false;
    for (size_t i = 0; i <= len; i++) {
        unsigned char ch = i < len ? (unsigned char)t[i] : ' ';
        if (ch_is_space(ch)) {
            if (in && alnum) n++;
            in = alnum = false;
        } else {
            in = true;
            if (ch_is_alnum(ch) || ch >= 0x80) alnum = true;
        }
    }
    return n;
}

struct html_totals {
    size_t parts, images, remote, words, links;
};

static struct html_totals html_totals(const struct message *m)
{
    struct html_totals t = {0};
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_html || p->is_attachment) continue;
        t.parts++;
        t.images += p->html.n_images;
        for (size_t k = 0; k < p->html.n_images; k++)
            if (p->html.images[k].kind == IMG_REMOTE) t.remote++;
        t.words += count_words(p->html.text ? p->html.text : "", p->html.text_len);
        t.links += p->html.n_links;
    }
    return t;
}

bool ma_image_only(struct eval_ctx *c, const char *const *a, int n)
{
    double max_words = n >= 1 ? ev_num(a[0]) : 20;
    struct html_totals t = html_totals(ev_msg(c));
    if (t.parts && t.images > 0 && (double)t.words < max_words) {
        ev_evidence(c, "%zu image(s), %zu word(s)", t.images, t.words);
        return true;
    }
    return false;
}

bool ma_image_heavy(struct eval_ctx *c, const char *const *a, int n)
{
    double min_images = n >= 1 ? ev_num(a[0]) : 3;
    double words_per_image = n >= 2 ? ev_num(a[1]) : 50;
    struct html_totals t = html_totals(ev_msg(c));
    if (t.images > 0 && (double)t.images >= min_images &&
        (double)t.words < words_per_image * (double)t.images) {
        ev_evidence(c, "%zu images, %zu words", t.images, t.words);
        return true;
    }
    return false;
}

bool ma_remote_images(struct eval_ctx *c, const char *const *a, int n)
{
    double min = n >= 1 ? ev_num(a[0]) : 1;
    if (min < 1) min = 1;
    struct html_totals t = html_totals(ev_msg(c));
    if ((double)t.remote >= min) {
        ev_evidence(c, "%zu remote image(s)", t.remote);
        return true;
    }
    return false;
}

bool ma_tracking_pixel(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_html) continue;
        for (size_t k = 0; k < p->html.n_images; k++)
            if (p->html.images[k].tracking_pixel) {
                ev_evidence(c, "%s", p->html.images[k].src);
                return true;
            }
    }
    return false;
}

/* Top-level domains a link text's host name may end in (besides any
 * two-letter country code); the rule set's util_rb_tld list adds more. */
static const char *const common_tlds[] = {
    "app", "biz",  "blog", "cloud", "club", "com",   "dev",  "edu", "email",
    "gov", "info", "io",   "live",  "mil",  "mobi",  "name", "net", "online",
    "org", "page", "pro",  "shop",  "site", "store", "tech", "top", "xyz",
};
static const char *const file_exts[] = {"doc", "gif", "htm",  "jpg",  "pdf",  "php",  "png",  "txt",
                                        "xls", "zip", "aspx", "docx", "html", "jpeg", "xlsx", NULL};

static bool tld_plausible(struct eval_ctx *c, const char *tld)
{
    size_t n = strlen(tld);
    for (size_t i = 0; file_exts[i]; i++)
        if (strcmp(tld, file_exts[i]) == 0) return false;
    if (n == 2) return ch_is_alpha((unsigned char)tld[0]) && ch_is_alpha((unsigned char)tld[1]);
    if (in_sorted(common_tlds, sizeof common_tlds / sizeof common_tlds[0], tld)) return true;
    return suffix_listed(c, "util_rb_tld", tld);
}

/* The first host name shown in a link text ("www.paypal.com", "https://x.y/..."). */
static const char *text_host(struct eval_ctx *c, const char *text)
{
    static const char *pat = "(?<![a-z0-9@._-])(?:https?://)?((?:[a-z0-9](?:[a-z0-9-]{0,61}"
                             "[a-z0-9])?\\.)+([a-z]{2,24}))(?![a-z0-9@_-]|\\.[a-z0-9])";
    const struct ev_re *re = ev_re(pat, EV_RE_I);
    size_t len = strlen(text), start = 0, ov[6];
    while (ev_re_match(c, re, text, len, start, ov, 3)) {
        char *host = arena_strndup(ev_arena(c), text + ov[2], ov[3] - ov[2]);
        char *tld = arena_strndup(ev_arena(c), text + ov[4], ov[5] - ov[4]);
        str_lower(host, strlen(host));
        str_lower(tld, strlen(tld));
        if (tld_plausible(c, tld)) return host;
        start = ov[1] > start ? ov[1] : start + 1;
    }
    return NULL;
}

bool ma_link_text_mismatch(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_html) continue;
        for (size_t k = 0; k < p->html.n_links; k++) {
            const struct html_link *l = &p->html.links[k];
            if (!l->text || !l->href) continue;
            bool ip;
            const char *hh = ev_uri_host(c, l->href, &ip);
            if (!hh || !str_starts_ci(l->href, strlen(l->href), "http")) continue;
            const char *th = text_host(c, l->text);
            if (!th) continue;
            const char *hd = ev_reg_domain(c, hh), *td = ev_reg_domain(c, th);
            if (hd && td && strcmp(hd, td) != 0) {
                ev_evidence(c, "href %s shown as %s", hh, th);
                return true;
            }
        }
    }
    return false;
}

static const char *const shorteners[] = {
    "1url.com", "adf.ly",  "bit.do", "bit.ly",     "bitly.com", "bl.ink",    "buff.ly",
    "clck.ru",  "cutt.ly", "goo.gl", "is.gd",      "lnkd.in",   "mcaf.ee",   "ow.ly",
    "po.st",    "qr.net",  "rb.gy",  "rebrand.ly", "s.id",      "shorte.st", "shorturl.at",
    "snip.ly",  "su.pr",   "t.co",   "t.ly",       "tiny.cc",   "tiny.one",  "tinyurl.com",
    "tr.im",    "u.to",    "v.gd",   "x.co",       NULL};

/* First URI (links, then the URI list) whose host satisfies pred. */
static const char *find_uri(struct eval_ctx *c, bool (*pred)(struct eval_ctx *, const char *, bool),
                            const char **host_out)
{
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    for (size_t i = 0; i < nu; i++) {
        bool ip;
        const char *h = ev_uri_host(c, u[i], &ip);
        if (h && pred(c, h, ip)) {
            if (host_out) *host_out = h;
            return u[i];
        }
    }
    return NULL;
}

static bool is_shortener(struct eval_ctx *c, const char *h, bool ip)
{
    return !ip && ev_domain_in_list(c, "url_shortener", shorteners, h);
}

bool ma_url_shortener(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const char *h;
    const char *u = find_uri(c, is_shortener, &h);
    if (u) ev_evidence(c, "%s", h);
    return u != NULL;
}

static bool is_ip_host(struct eval_ctx *c, const char *h, bool ip)
{
    (void)c, (void)h;
    return ip;
}

bool ma_ip_url(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const char *h;
    const char *u = find_uri(c, is_ip_host, &h);
    if (u) ev_evidence(c, "%s", u);
    return u != NULL;
}

bool ma_html_form(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++)
        if (m->mime.parts[i].is_html && m->mime.parts[i].html.st.n_forms > 0) {
            ev_evidence(c, "%d form(s)", m->mime.parts[i].html.st.n_forms);
            return true;
        }
    return false;
}

bool ma_html_script(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++)
        if (m->mime.parts[i].is_html && m->mime.parts[i].html.st.n_scripts > 0) {
            ev_evidence(c, "%d script(s)", m->mime.parts[i].html.st.n_scripts);
            return true;
        }
    return false;
}

bool ma_html_hidden_text(struct eval_ctx *c, const char *const *a, int n)
{
    double min = n >= 1 ? ev_num(a[0]) : 20;
    if (min < 1) min = 1;
    const struct message *m = ev_msg(c);
    size_t hidden = 0;
    for (size_t i = 0; i < m->mime.n; i++)
        if (m->mime.parts[i].is_html) hidden += m->mime.parts[i].html.st.hidden_chars;
    if ((double)hidden >= min) {
        ev_evidence(c, "%zu hidden characters", hidden);
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* mailaudit: structure */

bool ma_missing_message_id(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    const struct hdr_field *f = hdr_get(&m->hdr, "Message-ID", 0);
    if (!f) return true;
    struct slice v = str_trim(f->value.p, f->value.len);
    return v.len == 0;
}

bool ma_missing_date(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    return hdr_get(&ev_msg(c)->hdr, "Date", 0) == NULL;
}

bool ma_date_far(struct eval_ctx *c, const char *const *a, int n)
{
    double hours = n >= 1 ? ev_num(a[0]) : 48;
    const struct message *m = ev_msg(c);
    if (!m->has_date) return false;
    int64_t ref = 0;
    for (size_t i = 0; i < m->n_received; i++)
        if (m->received[i].date_valid) {
            ref = m->received[i].date;
            break;
        }
    if (!ref) ref = c->now;
    if (!ref) return false;
    int64_t d = m->date - ref;
    double ad = (double)(d < 0 ? -d : d);
    if (ad > hours * 3600.0) {
        ev_evidence(c, "Date %s by %.1f hours", d < 0 ? "earlier" : "later", ad / 3600.0);
        return true;
    }
    return false;
}

bool ma_from_name_other_address(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    if (!m->has_from || !m->from.name || !m->from.address) return false;
    static const char *pat = "[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@[a-z0-9-]+(?:\\.[a-z0-9-]+)+";
    const struct ev_re *re = ev_re(pat, EV_RE_I);
    size_t ov[2], start = 0, len = strlen(m->from.name);
    while (ev_re_match(c, re, m->from.name, len, start, ov, 1)) {
        char *shown = arena_strndup(ev_arena(c), m->from.name + ov[0], ov[1] - ov[0]);
        size_t sl = strlen(shown);
        while (sl && shown[sl - 1] == '.')
            shown[--sl] = 0;
        if (strcasecmp(shown, m->from.address) != 0) {
            ev_evidence(c, "name shows %s, address %s", shown, m->from.address);
            return true;
        }
        start = ov[1] > start ? ov[1] : start + 1;
    }
    return false;
}

bool ma_reply_to_other_domain(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    if (!m->has_from || !m->from.domain_lc || !m->from.domain_lc[0]) return false;
    const char *fd = ev_reg_domain(c, m->from.domain_lc);
    for (size_t i = 0; i < m->reply_to.n; i++) {
        const struct addr *r = &m->reply_to.v[i];
        if (!r->domain_lc || !r->domain_lc[0]) continue;
        const char *rd = ev_reg_domain(c, r->domain_lc);
        if (strcmp(rd, fd) != 0) {
            ev_evidence(c, "Reply-To %s, From %s", r->domain_lc, m->from.domain_lc);
            return true;
        }
    }
    return false;
}

bool ma_subject_all_caps(struct eval_ctx *c, const char *const *a, int n)
{
    double min = n >= 1 ? ev_num(a[0]) : 10;
    const char *s = ev_msg(c)->subject;
    if (!s) return false;
    size_t upper = 0;
    for (const char *p = s; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if (ch >= 'a' && ch <= 'z') return false;
        if (ch >= 'A' && ch <= 'Z') upper++;
    }
    return (double)upper >= min;
}

bool ma_subject_exclaim(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const char *s = ev_msg(c)->subject;
    if (!s) return false;
    size_t k = 0;
    bool dbl = false;
    int prev = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        int bang = 0;
        if (*p == '!') {
            bang = 1;
        } else if (p[0] == 0xEF && p[1] == 0xBC && p[2] == 0x81) { /* U+FF01 fullwidth */
            bang = 1;
            p += 2;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && p[2] == 0xBC) { /* U+203C double */
            bang = 2;
            p += 2;
        }
        if (bang) {
            k += (size_t)bang;
            if (prev || bang == 2) dbl = true;
        }
        prev = bang;
    }
    return k >= 3 || dbl;
}

static bool charset_is_common_latin(const char *cs)
{
    static const char *const ok[] = {"us-ascii",   "ascii",      "utf-8",       "utf8",
                                     "iso-8859-1", "latin1",     "iso-8859-15", "windows-1252",
                                     "cp1252",     "iso_8859-1", NULL};
    for (size_t i = 0; ok[i]; i++)
        if (strcasecmp(cs, ok[i]) == 0) return true;
    return false;
}

bool ma_charset_unneeded(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    /* an encoded-word Subject that is plain ASCII once decoded */
    const struct hdr_field *f = hdr_get(&m->hdr, "Subject", 0);
    if (f && m->subject && str_find_ci(f->value.p, f->value.len, "=?") &&
        str_is_ascii(m->subject, strlen(m->subject)) && m->subject[0]) {
        const char *ew = str_find_ci(f->value.p, f->value.len, "=?");
        size_t rest = f->value.len - (size_t)(ew - f->value.p);
        const char *q = memchr(ew + 2, '?', rest > 2 ? rest - 2 : 0);
        if (q && q + 2 < f->value.p + f->value.len && q[2] == '?') {
            ev_evidence(c, "Subject encoded as %.*s but plain ASCII", (int)(q - ew - 2), ew + 2);
            return true;
        }
    }
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!part_is_body_text(p) || !p->decoded || p->decoded_len == 0 || !p->charset) continue;
        if (!str_is_ascii((const char *)p->decoded, p->decoded_len)) continue;
        bool b64 = p->cte && strcmp(p->cte, "base64") == 0;
        bool utf8 = strcasecmp(p->charset, "utf-8") == 0 || strcasecmp(p->charset, "utf8") == 0;
        if (!charset_is_common_latin(p->charset) || (utf8 && b64)) {
            ev_evidence(c, "%s part in %s%s is plain ASCII", p->content_type, p->charset,
                        b64 ? " (base64)" : "");
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* mailaudit: list hygiene */

static bool bulk_signs(struct eval_ctx *c, bool count_lu, const char **why)
{
    const struct message *m = ev_msg(c);
    if (hdr_get(&m->hdr, "List-Id", 0)) return *why = "List-Id", true;
    if (count_lu && hdr_get(&m->hdr, "List-Unsubscribe", 0)) return *why = "List-Unsubscribe", true;
    if (hdr_get(&m->hdr, "Feedback-ID", 0)) return *why = "Feedback-ID", true;
    const struct hdr_field *f = hdr_get(&m->hdr, "Precedence", 0);
    if (f) {
        struct slice v = str_trim(f->value.p, f->value.len);
        if (str_starts_ci(v.p, v.len, "bulk") || str_starts_ci(v.p, v.len, "list") ||
            str_starts_ci(v.p, v.len, "junk"))
            return *why = "Precedence", true;
    }
    if (m->to.n + m->cc.n >= 10) return *why = "10+ recipients", true;
    return false;
}

bool ma_bulk(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const char *why;
    if (bulk_signs(c, true, &why)) {
        ev_evidence(c, "%s", why);
        return true;
    }
    return false;
}

bool ma_missing_list_unsubscribe(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const char *why;
    if (hdr_get(&ev_msg(c)->hdr, "List-Unsubscribe", 0)) return false;
    if (bulk_signs(c, false, &why)) {
        ev_evidence(c, "bulk (%s) without List-Unsubscribe", why);
        return true;
    }
    return false;
}

bool ma_missing_one_click(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    const struct hdr_field *lu = hdr_get(&m->hdr, "List-Unsubscribe", 0);
    if (!lu || !str_find_ci(lu->value.p, lu->value.len, "https:")) return false;
    const struct hdr_field *f;
    for (size_t i = 0; (f = hdr_get(&m->hdr, "List-Unsubscribe-Post", i)) != NULL; i++) {
        size_t ul;
        char *u = hdr_unfold(ev_arena(c), f->value, &ul);
        if (str_eq_ci(u, ul, "List-Unsubscribe=One-Click")) return false;
    }
    ev_evidence(c, "List-Unsubscribe has https but no List-Unsubscribe-Post one-click");
    return true;
}

static const char *const unsub_words[] = {"unsubscribe",
                                          "un-subscribe",
                                          "opt-out",
                                          "opt out",
                                          "optout",
                                          "remove me",
                                          "abmelden",
                                          "abbestellen",
                                          "austragen",
                                          "d\xc3\xa9sabonner",
                                          "desabonner",
                                          "d\xc3\xa9sinscri",
                                          "desinscri",
                                          "se d\xc3\xa9sabonner",
                                          "darse de baja",
                                          "darte de baja",
                                          "cancelar la suscripci",
                                          "anular la suscripci",
                                          "cancelar inscri",
                                          "disiscriv",
                                          "cancella l'iscrizione",
                                          "annulla l'iscrizione",
                                          "uitschrijven",
                                          "afmelden",
                                          "wypisz",
                                          "rezygnuj z subskrypcji",
                                          "odhl\xc3\xa1sit",
                                          "avsluta prenumeration",
                                          "avregistrer",
                                          "afmeld",
                                          "manage preferences",
                                          "email preferences",
                                          "\xe9\x85\x8d\xe4\xbf\xa1\xe5\x81\x9c\xe6\xad\xa2",
                                          NULL};

/* All the words in one Aho-Corasick automaton (ASCII case-insensitive),
 * built once: one pass over the text whatever the number of words (a search
 * per word over a large body cost hundreds of microseconds). */
static sare_lits *unsub_ac;
static pthread_once_t unsub_once = PTHREAD_ONCE_INIT;

static void unsub_build(void)
{
    unsub_ac = sare_lits_new();
    for (size_t i = 0; unsub_words[i]; i++)
        sare_lits_add(unsub_ac, unsub_words[i], strlen(unsub_words[i]));
    sare_lits_build(unsub_ac);
}

static bool has_unsub_in(struct eval_ctx *c, const char *t, size_t len)
{
    (void)c;
    pthread_once(&unsub_once, unsub_build);
    uint64_t seen[4] = {0}; /* fewer than 256 words */
    sare_lits_scan(unsub_ac, t, len, seen);
    return seen[0] | seen[1] | seen[2] | seen[3];
}

static bool has_unsub(const char *t, size_t len)
{
    for (size_t i = 0; unsub_words[i]; i++)
        if (str_find_ci(t, len, unsub_words[i])) return true;
    return false;
}

bool ma_no_unsubscribe_in_body(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_text || p->is_attachment) continue;
        if (p->text && has_unsub_in(c, p->text, p->text_len)) return false;
        if (p->is_html)
            for (size_t k = 0; k < p->html.n_links; k++) {
                const char *h = p->html.links[k].href;
                if (h && (has_unsub(h, strlen(h)) || str_find_ci(h, strlen(h), "unsub")))
                    return false;
            }
    }
    ev_evidence(c, "no unsubscribe link or text");
    return true;
}

/* ---------------------------------------------------------------------- */
/* mailaudit: authentication */

static bool result_is(enum auth_result r, const char *want)
{
    return want && strcasecmp(auth_result_name(r), want) == 0;
}

bool ma_dkim(struct eval_ctx *c, const char *const *a, int n)
{
    const struct verify_result *v = c->auth;
    const char *want = ev_arg(a, n, 0, "");
    if (!v || !(v->ran & VERIFY_DKIM)) return false;
    size_t sigs = 0;
    for (size_t i = 0; i < v->n_dkim; i++) {
        const struct dkim_result *d = &v->dkim[i];
        if (d->legacy) continue;
        sigs++;
        if (result_is(d->result, want)) {
            ev_evidence(c, "d=%s %s", d->domain ? d->domain : "?", auth_result_name(d->result));
            return true;
        }
    }
    return sigs == 0 && strcasecmp(want, "none") == 0;
}

static const char *from_domain(const struct eval_ctx *c)
{
    const struct message *m = ev_msg(c);
    return m->has_from && m->from.domain_lc && m->from.domain_lc[0] ? m->from.domain_lc : NULL;
}

bool ma_dkim_aligned(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_DKIM)) return false;
    if ((v->ran & VERIFY_DMARC) && v->dmarc.from_domain) {
        if (v->dmarc.dkim_aligned)
            ev_evidence(c, "d=%s", v->dmarc.dkim_domain ? v->dmarc.dkim_domain : "");
        return v->dmarc.dkim_aligned;
    }
    const char *fd = from_domain(c);
    if (!fd) return false;
    const char *fo = ev_reg_domain(c, fd);
    for (size_t i = 0; i < v->n_dkim; i++) {
        const struct dkim_result *d = &v->dkim[i];
        if (d->legacy || d->result != AUTH_PASS || !d->domain) continue;
        if (strcmp(ev_reg_domain(c, d->domain), fo) == 0) {
            ev_evidence(c, "d=%s", d->domain);
            return true;
        }
    }
    return false;
}

bool ma_spf(struct eval_ctx *c, const char *const *a, int n)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_SPF) || !v->spf_mailfrom.ran) return false;
    return result_is(v->spf_mailfrom.result, ev_arg(a, n, 0, ""));
}

bool ma_spf_aligned(struct eval_ctx *c, const char *const *a, int n)
{
    (void)a, (void)n;
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_SPF)) return false;
    if ((v->ran & VERIFY_DMARC) && v->dmarc.from_domain) return v->dmarc.spf_aligned;
    const struct spf_summary *s =
        v->spf_mailfrom.ran && v->spf_mailfrom.result == AUTH_PASS ? &v->spf_mailfrom : NULL;
    const char *fd = from_domain(c);
    if (!s || !s->domain || !fd) return false;
    return strcmp(ev_reg_domain(c, s->domain), ev_reg_domain(c, fd)) == 0;
}

bool ma_dmarc(struct eval_ctx *c, const char *const *a, int n)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_DMARC)) return false;
    return result_is(v->dmarc.result, ev_arg(a, n, 0, ""));
}

bool ma_arc(struct eval_ctx *c, const char *const *a, int n)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_ARC)) return false;
    return result_is(v->arc.result, ev_arg(a, n, 0, ""));
}
