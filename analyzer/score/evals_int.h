/* evals_int — what evals.c (the table, shared helpers, mailaudit's own
 * checks), attach.c (attachment checks) and evals_sa.c (SpamAssassin's
 * eval functions) share. Private to analyzer/score/evals*.c and attach.c.
 *
 * Message views: the helpers here answer in SpamAssassin's terms (get() of
 * a header, the body lines, the URI list, the relays) from the msgview
 * (score/msgview.h), the one place that knows those semantics. */
#ifndef SCORE_EVALS_INT_H
#define SCORE_EVALS_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/message.h"
#include "score/evals.h"
#include "util/arena.h"

/* An eval function's signature, for the declarations below. */
#define EV_FN(name) bool name(struct eval_ctx *c, const char *const *a, int n)

/* ---- access to the message ---- */

static inline const struct message *ev_msg(const struct eval_ctx *c)
{
    return c->v->m;
}
static inline arena *ev_arena(const struct eval_ctx *c)
{
    return c->v->a;
}
/* Set ctx->evidence (printf-style, arena). */
void ev_evidence(struct eval_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The i-th argument or def when absent. */
static inline const char *ev_arg(const char *const *a, int n, int i, const char *def)
{
    return i < n && a[i] ? a[i] : def;
}
/* An argument as a number (Perl's numeric reading: leading number, else 0). */
double ev_num(const char *s);

/* ---- SpamAssassin's get() ---- */

/* Scalar get("Name"): every instance (decoded, unfolded) each followed by
 * "\n", joined; NULL when the header is absent. Pseudo-headers (ALL, ToCc,
 * MESSAGEID, EnvelopeFrom, X-Spam-Relays-*) as msgview.h describes them. */
const char *ev_get(struct eval_ctx *c, const char *name);
/* The same or "" when absent (get() without a default). */
static inline const char *ev_gets(struct eval_ctx *c, const char *name)
{
    const char *s = ev_get(c, name);
    return s ? s : "";
}
/* get("Name:raw"): the raw values (folding replaced by one space). */
const char *ev_get_raw(struct eval_ctx *c, const char *name);
/* get("Name:addr") in list context: every address of every instance, as
 * written; returns the count, *out an arena array. EnvelopeFrom works too. */
size_t ev_addrs(struct eval_ctx *c, const char *name, const char *const **out);
/* Scalar get("Name:addr"): the first address, or "". */
const char *ev_addr(struct eval_ctx *c, const char *name);
/* SpamAssassin's EnvelopeFrom (address, "" for <>), or NULL when unknown. */
const char *ev_envelope_from(struct eval_ctx *c);
/* SpamAssassin's all_from_addrs(): Resent-From, else From, Envelope-Sender,
 * Resent-Sender, X-Envelope-From, EnvelopeFrom; lowercased, distinct. */
size_t ev_all_from_addrs(struct eval_ctx *c, const char *const **out);
/* all_to_addrs(): Resent-To/Cc or To, Cc, Apparently-To, Delivered-To,
 * Envelope-Recipients, Apparently-Resent-To, X-Envelope-To, X-Delivered-To,
 * X-Original-To, X-Rcpt-To, X-Real-To; lowercased, distinct. */
size_t ev_all_to_addrs(struct eval_ctx *c, const char *const **out);

/* ---- body, URIs ---- */

/* The body lines SpamAssassin's body rules see (Subject first). */
const struct mv_text *ev_body(struct eval_ctx *c, size_t *n);
/* The decoded body paragraphs of rawbody rules (msgview), or NULL. */
const struct mv_text *ev_rawbody(struct eval_ctx *c, size_t *n);
/* The URI list of SpamAssassin (msgview), or, without msgview, the hrefs
 * and image sources of the HTML parts and the http(s) URLs of the text
 * parts. */
size_t ev_uris(struct eval_ctx *c, const char *const **out);

/* ---- relays (SpamAssassin's X-Spam-Relays-Trusted/-Untrusted) ---- */

struct ev_relay {
    const char *ip, *rdns, *helo, *by, *ident, *envfrom, *id, *auth; /* "" when empty */
    const char *lc_rdns, *lc_helo, *lc_by;
    bool ip_private;
    bool no_reverse_dns; /* rdns is empty */
};

struct ev_relays {
    const struct ev_relay *trusted, *untrusted;
    size_t n_trusted, n_untrusted;
    int n_unparseable;
    const char *trusted_str, *untrusted_str; /* as the pseudo-headers, "" when none */
};
const struct ev_relays *ev_relays(struct eval_ctx *c);
bool ev_ip_is_private(const char *ip); /* SpamAssassin's IP_PRIVATE */
bool ev_is_ipv4(const char *s);

/* ---- regular expressions (PCRE2, compiled once per process) ---- */

#define EV_RE_I 1u /* caseless */
#define EV_RE_S 2u /* dot matches newline */
#define EV_RE_M 4u /* ^ $ at line ends */
#define EV_RE_X 8u /* extended */

struct ev_re;
/* Compiled once per (pattern, flags) and kept for the process; NULL when
 * the pattern does not compile. Thread-safe. */
const struct ev_re *ev_re(const char *pattern, unsigned flags);
/* Match at or after start; ovec gets up to ncap (start, end) pairs (group
 * 0 first) when non-NULL; -1 offsets for unset groups. */
bool ev_re_match(struct eval_ctx *c, const struct ev_re *re, const char *s, size_t len,
                 size_t start, size_t *ovec, int ncap);
/* Shorthand: does pattern match the NUL-terminated s? */
bool ev_rx(struct eval_ctx *c, const char *pattern, unsigned flags, const char *s);
/* The same for a pattern built for one message (an address quoted into it):
 * compiled without JIT in the message's arena, never cached. */
bool ev_rx_dyn(struct eval_ctx *c, const char *pattern, unsigned flags, const char *s);

/* ---- lists ---- */

/* The entries of a named list of the rule set (rules.h struct rule_list),
 * or 0 when the list is absent. */
size_t ev_list(const struct eval_ctx *c, const char *name, const char *const **out);
/* The same, with the entries' lengths (*lens NULL when they are not known:
 * a list not filled by the rule parser) */
size_t ev_list_lens(const struct eval_ctx *c, const char *name, const char *const **out,
                    const size_t **lens);
/* Is s (exactly) an entry of list `name`? (binary search of a sorted copy
 * made once per process per list) */
bool ev_list_contains(struct eval_ctx *c, const char *name, const char *s);
/* The same with the sorted copy found once for many lookups: l from
 * ev_list_sorted(c, name) (NULL when there is none: name is scanned). */
struct sorted_list;
const struct sorted_list *ev_list_sorted(struct eval_ctx *c, const char *name);
bool ev_sorted_contains(struct eval_ctx *c, const struct sorted_list *l, const char *name,
                        const char *s);
/* SpamAssassin's address-list glob: '*' any run, '?' one character,
 * case-insensitive, whole string. */
bool ev_glob(const char *pattern, const char *s);
/* Does any (non-NULL) pattern of v[0..n) match s? (one list looked up
 * once for several addresses) */
bool ev_glob_any(const char *const *v, size_t n, const char *s);
/* The same with lens[i] = strlen(v[i]) (lens NULL: worked out here) */
bool ev_glob_any_lens(const char *const *v, const size_t *lens, size_t n, const char *s);
/* Is the lowercased address in list `name` (SpamAssassin's
 * _check_welcomelist)? */
bool ev_addr_in_list(const struct eval_ctx *c, const char *list, const char *addr);

/* ---- domains ---- */

/* The registrable domain of a host (lowercase, arena): a small built-in
 * table of two- and three-level public suffixes plus the rule set's
 * util_rb_2tld / util_rb_3tld lists; otherwise the last two labels. An IP
 * address is returned as is. */
const char *ev_reg_domain(struct eval_ctx *c, const char *host);
/* The host of a URI ("http://user@Host:80/x" -> "host"), lowercased, or
 * NULL; *is_ip set when it is an IP literal (dotted, bracketed IPv6, or a
 * decimal/hex/octal encoded IPv4). */
const char *ev_uri_host(struct eval_ctx *c, const char *uri, bool *is_ip);
bool ev_domain_in_list(const struct eval_ctx *c, const char *list, const char *const *builtin,
                       const char *host);

/* ---- dates ---- */

/* SpamAssassin's parse_rfc822_date (Mail::SpamAssassin::Util): the first
 * date, time and zone found in date, as seconds since 1970; false when no
 * date is found. (evals_sa.c; declared here for the tests) */
bool ev_sa_parse_date(struct eval_ctx *c, const char *date, int64_t *out);

/* RelayEval's hostname_to_domain: the last two labels when the last looks
 * like a top-level domain, else the last three (evals_sa.c; declared here
 * for the tests) */
const char *ev_host_to_domain(struct eval_ctx *c, const char *h);

/* check_ratware_envelope_from's test: does /\b\Qdom\E.\Quser\E@/i match
 * s? (evals_sa.c; declared here for the tests) */
bool ev_dom_user_at(const char *s, const char *dom, const char *user);

/* check_illegal_chars' counts over (s, len): the illegal bytes (controls
 * but \t \n \r, 0x7F-0xFF) and the exempt ones among them (0xA2, 0xA3,
 * 0xAE). (evals_sa.c; declared here for the tests) */
void ev_count_illegal(const char *s, size_t len, size_t *illegal, size_t *exempt);

/* SpamAssassin's charset test of body_charset_is_likely_to_fp (a charset
 * that makes capitals likely). (evals_sa.c; declared here for the tests) */
bool ev_charset_fp_caps(const char *cs);

/* MIMEEval's line counts: the "=XY" a quoted-printable line did not need;
 * the "&#xHHHH;" references of a text line. (evals_sa.c; for the tests) */
size_t ev_qp_needless(const char *l, size_t clen);
size_t ev_ncr_count(const char *l, size_t clen);

/* tvd_vertical_words' counts of a line: characters (UTF-8 continuation
 * bytes not counted) and spaces. (evals_sa.c; declared for the tests) */
void ev_chars_spaces(const char *p, size_t len, size_t *chars, size_t *spaces);

/* check_for_uppercase's counts of (p, len): small letters and digits;
 * capitals (ASCII). (evals_sa.c; declared for the tests) */
void ev_count_case(const char *p, size_t len, size_t *lower, size_t *upper);

/* check_for_uppercase's line tests (evals_sa.c): does /\S\s+\S/ match
 * the line; does /^(?:[A-Za-z0-9+\/=]{60,76} ){2}/ (two base64 lines
 * joined)? Declared here for the tests. */
bool ev_has_inner_space(const char *p, size_t len);
bool ev_b64_pair_start(const char *p, size_t len);

/* The leftmost match of /(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)/ in
 * (s, len), HeaderEval's date in a Received line. (evals_sa.c; declared
 * here for the tests) */
bool ev_rcvd_date_span(const char *s, size_t len, size_t *start, size_t *end);

/* ---- per-message cache ---- */

/* Facts computed once per message and kept in ctx->priv (arena). The
 * slots belong to evals_sa.c (EV_SLOT_*), each holding its own struct. */
enum {
    EV_SLOT_MIME,   /* MIMEEval's _check_attachments facts */
    EV_SLOT_FLAGS,  /* parser flags (check_msg_parse_flags) */
    EV_SLOT_IMAGES, /* ImageInfo */
    EV_SLOT_DATES,  /* HeaderEval date facts */
    EV_SLOT_RECIPS, /* sorted/similar recipients */
    EV_SLOT_MADIFF, /* multipart_alternative_difference */
    EV_SLOT_FREEMAIL,
    EV_SLOT_HOTMAIL,
    EV_SLOT_FORGED,
    EV_SLOT_URIHOSTS,
    EV_SLOT_WL,
    EV_SLOT_UPPER,   /* check_for_uppercase's percentage */
    EV_SLOT_FMMEMO,  /* is_freemail's answers for this message's addresses */
    EV_SLOT_FMREPLY, /* check_freemail_replyto's addresses and their answers */
    EV_SLOT_RCVDSQ,  /* get("Received") with whitespace runs squashed */
    EV_SLOT_B64LEN,  /* check_base64_length's longest line */
    EV_SLOT__COUNT
};
struct sorted_list;
struct ev_cache {
    struct {
        const void *v;
        const struct sorted_list *l;
    } sl[8]; /* rule-set lists resolved for this message */
    int n_sl;
    struct {
        const char *name;
        const struct sorted_list *l;
    } ln[16]; /* list_sorted's answers by list name (NULL: none) for this message */
    int n_ln;
    struct {
        const char *name;
        const char *const *v;
        size_t n;
    } addrs[16]; /* ev_addrs results by header name */
    int n_addrs;
    bool from_done, to_done;
    const char *const *from_v, *const *to_v;
    size_t from_n, to_n;
    bool relays_done;
    struct ev_relays relays;
    bool envfrom_done;
    const char *envfrom;
    void *slot[EV_SLOT__COUNT];
};
struct ev_cache *ev_cache(struct eval_ctx *c);
/* The slot's struct, allocated zeroed (size bytes) on first use. */
void *ev_slot(struct eval_ctx *c, int slot, size_t size, bool *fresh);

/* ---- the functions of the table ---- */

/* evals.c: mailaudit's own checks */
EV_FN(ma_html_only);
EV_FN(ma_image_only);
EV_FN(ma_image_heavy);
EV_FN(ma_remote_images);
EV_FN(ma_tracking_pixel);
EV_FN(ma_link_text_mismatch);
EV_FN(ma_url_shortener);
EV_FN(ma_ip_url);
EV_FN(ma_html_form);
EV_FN(ma_html_script);
EV_FN(ma_html_hidden_text);
EV_FN(ma_missing_message_id);
EV_FN(ma_missing_date);
EV_FN(ma_date_far);
EV_FN(ma_from_name_other_address);
EV_FN(ma_reply_to_other_domain);
EV_FN(ma_subject_all_caps);
EV_FN(ma_subject_exclaim);
EV_FN(ma_charset_unneeded);
EV_FN(ma_bulk);
EV_FN(ma_missing_list_unsubscribe);
EV_FN(ma_missing_one_click);
EV_FN(ma_no_unsubscribe_in_body);
EV_FN(ma_dkim);
EV_FN(ma_dkim_aligned);
EV_FN(ma_spf);
EV_FN(ma_spf_aligned);
EV_FN(ma_dmarc);
EV_FN(ma_arc);

/* attach.c */
EV_FN(ma_attach_dangerous_ext);
EV_FN(ma_attach_double_ext);
EV_FN(ma_attach_type_mismatch);
EV_FN(ma_attach_exe_in_archive);
EV_FN(ma_attach_encrypted_archive);
EV_FN(ma_attach_nested_archive);
EV_FN(ma_attach_filename_tricks);
/* Is the extension of name (after the last '.') a dangerous one? */
bool attach_ext_is_dangerous(const char *name);

/* evals_sa.c: SpamAssassin's eval functions (declared there in one list) */
#define EV_SA_LIST(X)                                                                              \
    X(check_all_trusted)                                                                           \
    X(check_no_relays)                                                                             \
    X(check_relays_unparseable)                                                                    \
    X(check_for_numeric_helo)                                                                      \
    X(check_for_illegal_ip)                                                                        \
    X(helo_ip_mismatch)                                                                            \
    X(check_for_sender_no_reverse)                                                                 \
    X(check_for_from_domain_in_received_headers)                                                   \
    X(check_for_no_rdns_dotcom_helo)                                                               \
    X(check_for_forged_received_trail)                                                             \
    X(check_for_forged_received_ip_helo)                                                           \
    X(check_mailfrom_matches_rcvd)                                                                 \
    X(check_from_in_list)                                                                          \
    X(check_replyto_in_list)                                                                       \
    X(check_to_in_list)                                                                            \
    X(check_from_in_blocklist)                                                                     \
    X(check_to_in_blocklist)                                                                       \
    X(check_to_in_welcomelist)                                                                     \
    X(check_to_in_more_spam)                                                                       \
    X(check_to_in_all_spam)                                                                        \
    X(check_from_in_welcomelist)                                                                   \
    X(check_forged_in_welcomelist)                                                                 \
    X(check_from_in_default_welcomelist)                                                           \
    X(check_forged_in_default_welcomelist)                                                         \
    X(check_uri_host_listed)                                                                       \
    X(check_uri_host_in_blocklist)                                                                 \
    X(check_uri_host_in_welcomelist)                                                               \
    X(check_subject_in_welcomelist)                                                                \
    X(check_subject_in_blocklist)                                                                  \
    X(check_dkim_signed)                                                                           \
    X(check_dkim_valid)                                                                            \
    X(check_dkim_valid_author_sig)                                                                 \
    X(check_dkim_valid_envelopefrom)                                                               \
    X(check_dkim_dependable)                                                                       \
    X(check_dkim_testing)                                                                          \
    X(check_dkim_signsome)                                                                         \
    X(check_arc_signed)                                                                            \
    X(check_arc_valid)                                                                             \
    X(check_for_dkim_welcomelist_from)                                                             \
    X(check_for_def_dkim_welcomelist_from)                                                         \
    X(check_for_spf_pass)                                                                          \
    X(check_for_spf_neutral)                                                                       \
    X(check_for_spf_none)                                                                          \
    X(check_for_spf_fail)                                                                          \
    X(check_for_spf_softfail)                                                                      \
    X(check_for_spf_permerror)                                                                     \
    X(check_for_spf_temperror)                                                                     \
    X(check_for_spf_helo_pass)                                                                     \
    X(check_for_spf_helo_neutral)                                                                  \
    X(check_for_spf_helo_none)                                                                     \
    X(check_for_spf_helo_fail)                                                                     \
    X(check_for_spf_helo_softfail)                                                                 \
    X(check_for_spf_helo_permerror)                                                                \
    X(check_for_spf_helo_temperror)                                                                \
    X(check_spf_skipped_noenvfrom)                                                                 \
    X(check_for_spf_welcomelist_from)                                                              \
    X(check_for_def_spf_welcomelist_from)                                                          \
    X(check_dmarc_pass)                                                                            \
    X(check_dmarc_reject)                                                                          \
    X(check_dmarc_quarantine)                                                                      \
    X(check_dmarc_none)                                                                            \
    X(check_dmarc_missing)                                                                         \
    X(check_for_fake_aol_relay_in_rcvd)                                                            \
    X(check_for_faraway_charset_in_headers)                                                        \
    X(check_for_unique_subject_id)                                                                 \
    X(check_illegal_chars)                                                                         \
    X(check_for_forged_hotmail_received_headers)                                                   \
    X(check_for_no_hotmail_received_headers)                                                       \
    X(check_for_msn_groups_headers)                                                                \
    X(check_for_forged_eudoramail_received_headers)                                                \
    X(check_for_forged_yahoo_received_headers)                                                     \
    X(check_for_forged_juno_received_headers)                                                      \
    X(check_for_forged_gmail_received_headers)                                                     \
    X(check_for_matching_env_and_hdr_from)                                                         \
    X(sorted_recipients)                                                                           \
    X(similar_recipients)                                                                          \
    X(check_for_missing_to_header)                                                                 \
    X(check_for_forged_gw05_received_headers)                                                      \
    X(check_for_shifted_date)                                                                      \
    X(received_within_months)                                                                      \
    X(subject_is_all_caps)                                                                         \
    X(check_for_to_in_subject)                                                                     \
    X(check_outlook_message_id)                                                                    \
    X(check_messageid_not_usable)                                                                  \
    X(check_header_count_range)                                                                    \
    X(check_unresolved_template)                                                                   \
    X(check_ratware_name_id)                                                                       \
    X(check_ratware_envelope_from)                                                                 \
    X(gated_through_received_hdr_remover)                                                          \
    X(check_equal_from_domains)                                                                    \
    X(check_for_mime)                                                                              \
    X(check_for_mime_html)                                                                         \
    X(check_for_mime_html_only)                                                                    \
    X(check_mime_multipart_ratio)                                                                  \
    X(check_msg_parse_flags)                                                                       \
    X(check_for_ascii_text_illegal)                                                                \
    X(check_abundant_unicode_ratio)                                                                \
    X(check_for_faraway_charset)                                                                   \
    X(check_for_uppercase)                                                                         \
    X(check_ma_non_text)                                                                           \
    X(check_base64_length)                                                                         \
    X(check_qp_ratio)                                                                              \
    X(multipart_alternative_difference)                                                            \
    X(multipart_alternative_difference_count)                                                      \
    X(check_blank_line_ratio)                                                                      \
    X(tvd_vertical_words)                                                                          \
    X(check_stock_info)                                                                            \
    X(check_body_length)                                                                           \
    X(plaintext_body_length)                                                                       \
    X(plaintext_sig_length)                                                                        \
    X(plaintext_body_sig_ratio)                                                                    \
    X(html_tag_balance)                                                                            \
    X(html_image_only)                                                                             \
    X(html_image_ratio)                                                                            \
    X(html_charset_faraway)                                                                        \
    X(html_tag_exists)                                                                             \
    X(html_test)                                                                                   \
    X(html_eval)                                                                                   \
    X(html_text_match)                                                                             \
    X(html_title_subject_ratio)                                                                    \
    X(html_text_not_match)                                                                         \
    X(html_range)                                                                                  \
    X(check_iframe_src)                                                                            \
    X(check_https_http_mismatch)                                                                   \
    X(check_for_http_redirector)                                                                   \
    X(check_https_ip_mismatch)                                                                     \
    X(check_uri_truncated)                                                                         \
    X(image_count)                                                                                 \
    X(pixel_coverage)                                                                              \
    X(image_size_exact)                                                                            \
    X(image_size_range)                                                                            \
    X(image_named)                                                                                 \
    X(image_name_regex)                                                                            \
    X(image_to_text_ratio)                                                                         \
    X(check_freemail_from)                                                                         \
    X(check_freemail_header)                                                                       \
    X(check_freemail_replyto)                                                                      \
    X(check_freemail_body)                                                                         \
    X(have_any_bounce_relays)                                                                      \
    X(check_welcomelist_bounce_relays)                                                             \
    X(check_language)                                                                              \
    X(short_url)                                                                                   \
    X(check_fromname_spoof)                                                                        \
    X(check_fromname_different)                                                                    \
    X(check_fromname_domain_differ)                                                                \
    X(check_fromname_contains_email)                                                               \
    X(check_fromname_equals_to)                                                                    \
    X(check_fromname_owners_differ)                                                                \
    X(check_fromname_equals_replyto)

#define EV_SA_DECL(name) EV_FN(sa_##name);
EV_SA_LIST(EV_SA_DECL)
#undef EV_SA_DECL

#endif
