/* ruleparse — reads SpamAssassin rule files into a rule set (rules.h).
 *
 * The semantics are those of SpamAssassin 4.0.1 (Mail::SpamAssassin::Conf,
 * Conf/Parser.pm and the plugins that add directives), learnt from its
 * source; the code is our own. What it does, line by line:
 *   - a line is split at '\n'; the first '#' not preceded by a backslash
 *     starts a comment, then every "\#" becomes "#" (so regexes keep a
 *     literal '#'); leading and trailing whitespace (CR included) is removed.
 *   - `lang xx DIRECTIVE`: SpamAssassin applies the directive only when its
 *     locale starts with xx. We read rules as SpamAssassin does in the C
 *     locale ("en_US"): `lang en ...` applies, every other language is
 *     skipped and counted as ignored "lang".
 *   - the directive name is lowercased, '-' becomes '_' (SpamAssassin's rule).
 *   - if / ifplugin / else / endif: SpamAssassin's conditional syntax with a
 *     small evaluator (numbers, version, perl_version, local_tests_only,
 *     plugin(), can(), has(), ! && || ^ comparisons + - * / ?: and
 *     parentheses, Perl precedence). Which plugins are loaded, which
 *     can()/has() capabilities exist: the tables below. A condition that
 *     cannot be evaluated is a warning and counts as false. An unbalanced
 *     conditional is an error at the end of the file; each file (and each
 *     included file) has its own stack, and every file starts outside any
 *     block (SpamAssassin's "file end" reset).
 *   - include FILE: relative to the including file's directory, nested at
 *     most RULES_MAX_INCLUDE deep; a missing file or a loop is an error.
 *     Deliberate difference: SpamAssassin follows `include` even inside a
 *     false conditional (and then loses its if-stack); we follow it only
 *     where the line is active. Like SpamAssassin, a file is read once: a
 *     second include of the same file is skipped (an RD_INFO note).
 *   - require_version V: SpamAssassin compares the string with its own
 *     version ("4.000001"; "@@VERSION@@" always passes) and, when they
 *     differ, warns and skips the rest of the file (up to an endif that
 *     closes an enclosing block). We do the same, as an RD_WARNING.
 *   - rule definitions: header, body, rawbody, full, uri, mimeheader, meta;
 *     `eval:fn(args)` for header/body/rawbody/full, `rbleval:` for header.
 *     Rule names are SpamAssassin's: [_A-Za-z][_A-Za-z0-9]*, at most 100
 *     bytes. A regex is kept as written ("/re/flags", "m{re}flags"...), after
 *     the checks SpamAssassin makes before compiling it: a delimiter, an end
 *     delimiter followed only by modifier letters, no unescaped delimiter
 *     inside (asymmetric delimiters), no (?{...}); modifiers other than
 *     a d i l m n p s u x are rejected as Perl rejects them (g o c ...).
 *     Eval arguments are parsed as SpamAssassin does: 'single' or "double"
 *     quoted (to the first matching quote followed by a comma or the end),
 *     or bare [0-9.:A-Za-z-]+, separated by commas; stored unquoted.
 *     Header modifiers :raw :addr :name :host :domain :ip :revip :first
 *     :last, at most two, are all kept in hmod_flags; hmod is the one that
 *     decides the final value (domain > host > revip > ip > addr > name >
 *     raw), so From:addr:raw is HM_ADDR with HMF_RAW set.
 *   - a malformed definition is an RD_ERROR. When the name had no valid
 *     definition the rule is kept with status RS_ERROR (so that metas built
 *     on it are skipped, not mis-scored); when it had one, that earlier
 *     definition stays, as in SpamAssassin (which never stores a bad one).
 *   - redefinition: the last definition wins; the rule moves to the
 *     position of its last definition and `replaced` is set.
 *   - score, describe, tflags, priority may come before or after the
 *     definition, in any file; they are kept per name and applied by
 *     ruleset_finish. `score` takes 1 or 4 values (-?\d+(\.\d+)?); values
 *     in parentheses make the whole line relative to the previous score
 *     (an error without one). A later tflags line replaces the earlier one.
 *   - rule types added by plugins: askdns defines a network rule
 *     (RS_SKIP_NET); uridnsbl/urirhsbl/urirhssub/... declare a URI DNS
 *     blocklist for a rule defined by `body NAME eval:check_uridnsbl(...)`,
 *     which becomes RS_SKIP_NET; uri_detail (URIDetail) and uri_block_*
 *     (URILocalBL, GeoIP) define RS_SKIP_UNSUPPORTED body evals so that
 *     metas know the name. Network tests: rbleval:, header evals named
 *     check_rbl* / check_dns* (SpamAssassin's own parse-time classification)
 *     and tflags net are RS_SKIP_NET; every other eval stays RS_OK and the
 *     engine classifies it. mimeheader rules with tflags range= or concat
 *     are RS_SKIP_UNSUPPORTED; regexes using captured tags %{NAME} too.
 *   - ReplaceTags (applied by ruleset_finish to the regex rules listed in
 *     replace_rules: header regex, body, rawbody, full and uri rules, as in
 *     SpamAssassin, not mimeheader): per pass, the first <pre N>, <post N>
 *     and <inter N> are removed; the pattern is cut into tags <...> and the
 *     text between them; the pre value goes before each tag, the post value
 *     after it, the inter value into each empty piece between two adjacent
 *     tags (not before a leading tag: SpamAssassin edits the text of the
 *     compiled regex, which starts with its modifiers "(?aa)..."); each
 *     tag with a (non-empty, non-"0") value is replaced. A pass repeats, at
 *     most 6 in all, while a value brought in another tag. replace_start /
 *     replace_end are compared literally.
 *   - lists: freemail_domains (lowercase, unique, globs kept), url_shortener
 *     and url_shortener_get (lowercase, unique; clear_url_shortener), and
 *     loadplugin / tryplugin (tryplugin only for plugins SpamAssassin 4.0.1
 *     ships).
 *   - named lists (rs->lists, rules.h struct rule_list; the table
 *     list_directives below): welcomelist_* / blocklist_* and their
 *     whitelist_* / blacklist_* aliases, def_welcomelist_*, more_spam_to,
 *     all_spam_to, enlist_addrlist, enlist_uri_host, blocklist_uri_host,
 *     welcomelist_uri_host, freemail_welcomelist, util_rb_tld/2tld/3tld.
 *     As SpamAssassin keeps them: every entry lowercased (globs '*' '?'
 *     kept as written), each list a set; the removals (unwelcomelist_*,
 *     unblocklist_from, delist_uri_host, clear_util_rb) take effect where
 *     they stand. welcomelist_from_rcvd entries are "ADDR DOMAIN" (exactly
 *     two tokens) and unwelcomelist_from_rcvd drops every DOMAIN of an ADDR;
 *     *_from_dkim entries are "ADDR" or "ADDR SDID" and are removed as
 *     such; unwelcomelist_auth/_from_spf/_from_dkim/_from_rcvd apply to
 *     the def_ list too. A welcomelist_subject line is one entry, inner
 *     spaces kept. enlist_uri_host keeps one polarity per host ("!host"
 *     replaces "host" and back). util_rb_* lines whose domains do not have
 *     1, 2 or 3 labels are rejected whole; non-ASCII entries are not
 *     converted to IDNA A-labels (SpamAssassin does with libidn2).
 *   - reuse, test, uridnsbl_skip_domain (read only by network tests) and
 *     every other SpamAssassin 4.0.1 setting (Conf.pm and all its plugins)
 *     are recognised and ignored, counted per name. Anything else is an
 *     RD_WARNING "unknown setting". Settings are recognised whether or not
 *     their plugin is loaded (SpamAssassin would reject them then).
 *
 * Ceilings (rules.h): RULES_MAX_LINE, RULES_MAX_FILE, RULES_MAX_INCLUDE,
 * RULES_MAX_RULES; and here: RP_MAX_DIAGS diagnostics kept (counting goes
 * on), RP_MAX_TAGGED bytes for a regex after ReplaceTags (RP_MAX_TAGGED_TOTAL
 * for all of them), RP_MAX_EXPR_DEPTH
 * nesting in conditions and metas. Not done: regex compilation and meta
 * compilation (score.c), `~` and __userstate__ in include paths.
 * Memory: strings live in one arena owned by the rule set; status_reason
 * is malloc'd (the engine replaces it with free + xstrdup). */
#include "score/rules.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "util/arena.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/xalloc.h"

#define RP_MAX_DIAGS 20000
#define RP_MAX_NAME 100                         /* SpamAssassin refuses longer rule names */
#define RP_MAX_RULENAME 128                     /* the RULENAME_RE bound (priority, metas) */
#define RP_TAG_PASSES 6                         /* ReplaceTags: at most 6 passes */
#define RP_MAX_TAGGED (256u * 1024)             /* one regex after ReplaceTags */
#define RP_MAX_TAGGED_TOTAL (64u * 1024 * 1024) /* all of them together */
#define RP_MAX_EXPR_DEPTH 200
#define RP_MAX_KEY 64
#define RP_SHOW 160 /* bytes of input quoted in a diagnostic */

#define RP_STR2(x) #x
#define RP_STR(x) RP_STR2(x)
#define SA_VERSION_TEXT RP_STR(RULES_SA_VERSION) /* "4.000001" */
#define PERL_VERSION_TEXT "5.036000"             /* Debian 12's perl, for perl_version */
#define SA_LANG "en_US"                          /* SpamAssassin's language in the C locale */

/* "%.*s" arguments for a slice, shortened for messages */
#define SHOW(p, n) (int)((n) > RP_SHOW ? RP_SHOW : (n)), (p)

/* ---- the default plugin set ----
 * The loadplugin lines that are not commented out in Debian 12's
 * .pre files of /etc/spamassassin (spamassassin 4.0.1): init.pre, sa-compile.pre,
 * v310.pre ... v401.pre. */
static const char *const default_plugins[] = {
    "Mail::SpamAssassin::Plugin::URIDNSBL",           /* init.pre */
    "Mail::SpamAssassin::Plugin::SPF",                /* init.pre */
    "Mail::SpamAssassin::Plugin::Rule2XSBody",        /* sa-compile.pre */
    "Mail::SpamAssassin::Plugin::Pyzor",              /* v310.pre */
    "Mail::SpamAssassin::Plugin::Razor2",             /* v310.pre */
    "Mail::SpamAssassin::Plugin::SpamCop",            /* v310.pre */
    "Mail::SpamAssassin::Plugin::AutoLearnThreshold", /* v310.pre */
    "Mail::SpamAssassin::Plugin::WelcomeListSubject", /* v310.pre */
    "Mail::SpamAssassin::Plugin::MIMEHeader",         /* v310.pre */
    "Mail::SpamAssassin::Plugin::ReplaceTags",        /* v310.pre */
    "Mail::SpamAssassin::Plugin::DKIM",               /* v312.pre */
    "Mail::SpamAssassin::Plugin::Check",              /* v320.pre */
    "Mail::SpamAssassin::Plugin::HTTPSMismatch",      /* v320.pre */
    "Mail::SpamAssassin::Plugin::URIDetail",          /* v320.pre */
    "Mail::SpamAssassin::Plugin::Bayes",              /* v320.pre */
    "Mail::SpamAssassin::Plugin::BodyEval",           /* v320.pre */
    "Mail::SpamAssassin::Plugin::DNSEval",            /* v320.pre */
    "Mail::SpamAssassin::Plugin::HTMLEval",           /* v320.pre */
    "Mail::SpamAssassin::Plugin::HeaderEval",         /* v320.pre */
    "Mail::SpamAssassin::Plugin::MIMEEval",           /* v320.pre */
    "Mail::SpamAssassin::Plugin::RelayEval",          /* v320.pre */
    "Mail::SpamAssassin::Plugin::URIEval",            /* v320.pre */
    "Mail::SpamAssassin::Plugin::WLBLEval",           /* v320.pre */
    "Mail::SpamAssassin::Plugin::VBounce",            /* v320.pre */
    "Mail::SpamAssassin::Plugin::ImageInfo",          /* v320.pre */
    "Mail::SpamAssassin::Plugin::FreeMail",           /* v330.pre */
    "Mail::SpamAssassin::Plugin::AskDNS",             /* v340.pre */
    "Mail::SpamAssassin::Plugin::HashBL",             /* v342.pre */
    "Mail::SpamAssassin::Plugin::DMARC",              /* v400.pre */
};

/* enable_compat lines of the default configuration (init.pre). */
static const char *const default_compat[] = {"welcomelist_blocklist"};

/* The plugins SpamAssassin 4.0.1 ships (the .pm files of Mail/SpamAssassin/Plugin):
 * `tryplugin` of one of these is recorded; of anything else it is not
 * (SpamAssassin silently skips a tryplugin whose module is missing). */
static const char *const shipped_plugins[] = {
    "ASN",
    "AWL",
    "AccessDB",
    "AntiVirus",
    "AskDNS",
    "AuthRes",
    "AutoLearnThreshold",
    "Bayes",
    "BodyEval",
    "BodyRuleBaseExtractor",
    "Check",
    "DCC",
    "DKIM",
    "DMARC",
    "DNSEval",
    "DecodeShortURLs",
    "ExtractText",
    "FreeMail",
    "FromNameSpoof",
    "HTMLEval",
    "HTTPSMismatch",
    "HashBL",
    "HeaderEval",
    "ImageInfo",
    "MIMEEval",
    "MIMEHeader",
    "OLEVBMacro",
    "OneLineBodyRuleType",
    "P595Body",
    "PDFInfo",
    "PhishTag",
    "Phishing",
    "Pyzor",
    "Razor2",
    "RelayCountry",
    "RelayEval",
    "ReplaceTags",
    "ResourceLimits",
    "Reuse",
    "Rule2XSBody",
    "SPF",
    "Shortcircuit",
    "SpamCop",
    "Test",
    "TextCat",
    "TxRep",
    "URIDNSBL",
    "URIDetail",
    "URIEval",
    "URILocalBL",
    "VBounce",
    "WLBLEval",
    "WelcomeListSubject",
};

/* ---- can() / has() capabilities ----
 * The functions SpamAssassin 4.0.1 defines for `if can(...)`: the feature_
 * and has_ subs of Conf.pm and of each plugin. A plugin's entry counts only
 * while that plugin is loaded (Perl only knows the subs of loaded modules).
 * Our answers: what SpamAssassin 4.0.1 answers, because mailaudit reads the
 * rules as that version (capture rules included: named captures set tags
 * that later rules use as %{NAME}, see score.c). Unknown names are
 * false (an RD_INFO note). Conf::compat_NAME is true for each
 * `enable_compat NAME` read, and for the default configuration's. */
struct capability {
    const char *module, *method;
    bool value;
};
#define CONF_MOD "Mail::SpamAssassin::Conf"
#define PLUGIN(x) "Mail::SpamAssassin::Plugin::" x
static const struct capability capabilities[] = {
    {CONF_MOD, "feature_originating_ip_headers", true},
    {CONF_MOD, "feature_dns_local_ports_permit_avoid", true},
    {CONF_MOD, "feature_bayes_auto_learn_on_error", true},
    {CONF_MOD, "feature_uri_host_listed", true},
    {CONF_MOD, "feature_yesno_takes_args", true},
    {CONF_MOD, "feature_bug6558_free", true},
    {CONF_MOD, "feature_edns", true},
    {CONF_MOD, "feature_dns_query_restriction", true},
    {CONF_MOD, "feature_registryboundaries", true},
    {CONF_MOD, "feature_geodb", true},
    {CONF_MOD, "feature_dns_block_rule", true},
    {CONF_MOD, "feature_compile_regexp", true},
    {CONF_MOD, "feature_meta_rules_matching", true},
    {CONF_MOD, "feature_subjprefix", true},
    {CONF_MOD, "feature_bayes_stopwords", true},
    {CONF_MOD, "feature_get_host", true},
    {CONF_MOD, "feature_blocklist_welcomelist", true},
    {CONF_MOD, "feature_welcomelist_blocklist", true},
    {CONF_MOD, "feature_header_address_parser", true},
    {CONF_MOD, "feature_local_tests_only", true},
    {CONF_MOD, "feature_header_first_last", true}, /* kept in hmod_flags */
    {CONF_MOD, "feature_header_match_many", true},
    {CONF_MOD, "feature_capture_rules", true}, /* named captures and %{NAME} templates */
    {CONF_MOD, "has_tflags_nosubject", true},
    {CONF_MOD, "has_tflags_nolog", true},
    {CONF_MOD, "perl_min_version_5010000", true},
    {PLUGIN("ASN"), "has_asn_lookup_ipv6", true},
    {PLUGIN("ASN"), "has_asn_geodb", true},
    {PLUGIN("ASN"), "has_check_asn", true},
    {PLUGIN("ASN"), "has_check_asn_tag", true},
    {PLUGIN("AskDNS"), "has_tag_header", true},
    {PLUGIN("BodyEval"), "has_check_body_length", true},
    {PLUGIN("BodyEval"), "has_plaintext_body_sig_ratio", true},
    {PLUGIN("DKIM"), "has_arc", true},
    {PLUGIN("DNSEval"), "has_tflags_domains_only", true},
    {PLUGIN("DNSEval"), "has_tflags_ips_only", true},
    {PLUGIN("DecodeShortURLs"), "has_short_url", true},
    {PLUGIN("DecodeShortURLs"), "has_autoclean", true},
    {PLUGIN("DecodeShortURLs"), "has_short_url_code", true},
    {PLUGIN("DecodeShortURLs"), "has_user_agent", true},
    {PLUGIN("DecodeShortURLs"), "has_get", true},
    {PLUGIN("DecodeShortURLs"), "has_clear", true},
    {PLUGIN("DecodeShortURLs"), "has_timeout", true},
    {PLUGIN("DecodeShortURLs"), "has_max_redirections", true},
    {PLUGIN("DecodeShortURLs"), "has_short_url_redir", true},
    {PLUGIN("HashBL"), "has_hashbl_bodyre", true},
    {PLUGIN("HashBL"), "has_hashbl_bodyre_num", true},
    {PLUGIN("HashBL"), "has_hashbl_emails", true},
    {PLUGIN("HashBL"), "has_hashbl_uris", true},
    {PLUGIN("HashBL"), "has_hashbl_ignore", true},
    {PLUGIN("HashBL"), "has_hashbl_email_regex", true},
    {PLUGIN("HashBL"), "has_hashbl_email_welcomelist", true},
    {PLUGIN("HashBL"), "has_hashbl_email_whitelist", true},
    {PLUGIN("HashBL"), "has_hashbl_tag", true},
    {PLUGIN("HashBL"), "has_hashbl_sha256", true},
    {PLUGIN("HashBL"), "has_hashbl_attachments", true},
    {PLUGIN("HashBL"), "has_hashbl_email_domain", true},
    {PLUGIN("HashBL"), "has_hashbl_email_domain_alias", true},
    {PLUGIN("MIMEEval"), "has_check_for_ascii_text_illegal", true},
    {PLUGIN("MIMEEval"), "has_check_abundant_unicode_ratio", true},
    {PLUGIN("MIMEEval"), "has_check_qp_ratio", true},
    {PLUGIN("MIMEHeader"), "has_all_header", true},
    {PLUGIN("MIMEHeader"), "has_tflags_range", true},  /* parsed; such rules are skipped */
    {PLUGIN("MIMEHeader"), "has_tflags_concat", true}, /* parsed; such rules are skipped */
    {PLUGIN("MIMEHeader"), "has_tflags_multiple", true},
    {PLUGIN("MIMEHeader"), "has_capture_rules", true},
    {PLUGIN("OLEVBMacro"), "has_olemacro_redirect_uri", true},
    {PLUGIN("OLEVBMacro"), "has_olemacro_mhtml_uri", true},
    {PLUGIN("OLEVBMacro"), "has_olertfobject", true},
    {PLUGIN("Pyzor"), "has_fork", true},
    {PLUGIN("Pyzor"), "has_perl", true},
    {PLUGIN("Razor2"), "has_fork", true},
    {PLUGIN("SPF"), "has_check_for_spf_errors", true},
    {PLUGIN("SPF"), "has_check_spf_skipped_noenvfrom", true},
    {PLUGIN("URIDNSBL"), "has_tflags_domains_only", true},
    {PLUGIN("URIDNSBL"), "has_subtest_for_ranges", true},
    {PLUGIN("URIDNSBL"), "has_uridnsbl_for_a", true},
    {PLUGIN("URIDNSBL"), "has_uridnsbl_a_ns", true},
    {PLUGIN("URIDNSBL"), "has_tflags_notrim", true},
    {PLUGIN("URIDNSBL"), "has_uridnsbl_skip_mailto", true},
    {PLUGIN("URIDetail"), "has_host_key", true},
};

/* ---- directives ---- */
enum dkind {
    D_IGNORE,
    D_HEADER,
    D_BODY,
    D_RAWBODY,
    D_FULL,
    D_URI,
    D_MIMEHEADER,
    D_META,
    D_SCORE,
    D_DESCRIBE,
    D_TFLAGS,
    D_PRIORITY,
    D_REQUIRE_VERSION,
    D_REQUIRED_SCORE,
    D_LOADPLUGIN,
    D_TRYPLUGIN,
    D_ENABLE_COMPAT,
    D_REPLACE_START,
    D_REPLACE_END,
    D_REPLACE_TAG,
    D_REPLACE_PRE,
    D_REPLACE_INTER,
    D_REPLACE_POST,
    D_REPLACE_RULES,
    D_FREEMAIL,
    D_URL_SHORTENER,
    D_CLEAR_URL_SHORTENER,
    D_URIDNSBL,
    D_URIDNSSUB,
    D_ASKDNS,
    D_URI_DETAIL,
    D_URI_BLOCK,
    D_LIST, /* a list setting: see list_directives */
};

struct directive {
    const char *name;
    enum dkind kind;
};

/* Every setting SpamAssassin 4.0.1 knows (Conf.pm and the command tables
 * and parse_config hooks of all its plugins), sorted for bsearch. Also
 * bayes_stopword_XX and hashbl_acl_NAME (patterns, see is_pattern_setting). */
static const struct directive directives[] = {
    {"add_header", D_IGNORE},
    {"adsp_override", D_IGNORE},
    {"all_spam_to", D_LIST},
    {"allow_user_rules", D_IGNORE},
    {"always_trust_envelope_sender", D_IGNORE},
    {"askdns", D_ASKDNS},
    {"asn_lookup", D_IGNORE},
    {"asn_lookup_ipv6", D_IGNORE},
    {"asn_prefer_geodb", D_IGNORE},
    {"asn_prefix", D_IGNORE},
    {"asn_use_dns", D_IGNORE},
    {"asn_use_geodb", D_IGNORE},
    {"authres_ignored_authserv", D_IGNORE},
    {"authres_networks", D_IGNORE},
    {"authres_trusted_authserv", D_IGNORE},
    {"auto_welcomelist_db_modules", D_IGNORE},
    {"auto_welcomelist_distinguish_signed", D_IGNORE},
    {"auto_welcomelist_factor", D_IGNORE},
    {"auto_welcomelist_factory", D_IGNORE},
    {"auto_welcomelist_file_mode", D_IGNORE},
    {"auto_welcomelist_ipv4_mask_len", D_IGNORE},
    {"auto_welcomelist_ipv6_mask_len", D_IGNORE},
    {"auto_welcomelist_path", D_IGNORE},
    {"auto_whitelist_db_modules", D_IGNORE},
    {"auto_whitelist_distinguish_signed", D_IGNORE},
    {"auto_whitelist_factor", D_IGNORE},
    {"auto_whitelist_factory", D_IGNORE},
    {"auto_whitelist_file_mode", D_IGNORE},
    {"auto_whitelist_ipv4_mask_len", D_IGNORE},
    {"auto_whitelist_ipv6_mask_len", D_IGNORE},
    {"auto_whitelist_path", D_IGNORE},
    {"bayes_auto_expire", D_IGNORE},
    {"bayes_auto_learn", D_IGNORE},
    {"bayes_auto_learn_on_error", D_IGNORE},
    {"bayes_auto_learn_threshold_nonspam", D_IGNORE},
    {"bayes_auto_learn_threshold_spam", D_IGNORE},
    {"bayes_expiry_max_db_size", D_IGNORE},
    {"bayes_file_mode", D_IGNORE},
    {"bayes_ignore_from", D_IGNORE},
    {"bayes_ignore_header", D_IGNORE},
    {"bayes_ignore_to", D_IGNORE},
    {"bayes_journal_max_size", D_IGNORE},
    {"bayes_learn_during_report", D_IGNORE},
    {"bayes_learn_to_journal", D_IGNORE},
    {"bayes_max_token_length", D_IGNORE},
    {"bayes_min_ham_num", D_IGNORE},
    {"bayes_min_spam_num", D_IGNORE},
    {"bayes_path", D_IGNORE},
    {"bayes_seen_ttl", D_IGNORE},
    {"bayes_sql_dsn", D_IGNORE},
    {"bayes_sql_override_username", D_IGNORE},
    {"bayes_sql_password", D_IGNORE},
    {"bayes_sql_username", D_IGNORE},
    {"bayes_sql_username_authorized", D_IGNORE},
    {"bayes_stopword_languages", D_IGNORE},
    {"bayes_store_module", D_IGNORE},
    {"bayes_token_sources", D_IGNORE},
    {"bayes_token_ttl", D_IGNORE},
    {"bayes_use_hapaxes", D_IGNORE},
    {"blacklist_from", D_LIST},
    {"blacklist_subject", D_LIST},
    {"blacklist_to", D_LIST},
    {"blacklist_uri_host", D_LIST},
    {"blocklist_from", D_LIST},
    {"blocklist_subject", D_LIST},
    {"blocklist_to", D_LIST},
    {"blocklist_uri_host", D_LIST},
    {"body", D_BODY},
    {"body_part_scan_size", D_IGNORE},
    {"clear_asn_lookups", D_IGNORE},
    {"clear_dns_query_restriction", D_IGNORE},
    {"clear_dns_query_restrictions", D_IGNORE},
    {"clear_dns_servers", D_IGNORE},
    {"clear_headers", D_IGNORE},
    {"clear_internal_networks", D_IGNORE},
    {"clear_msa_networks", D_IGNORE},
    {"clear_originating_ip_headers", D_IGNORE},
    {"clear_report_template", D_IGNORE},
    {"clear_trusted_networks", D_IGNORE},
    {"clear_unsafe_report_template", D_IGNORE},
    {"clear_uridnsbl_skip_domain", D_IGNORE},
    {"clear_url_shortener", D_CLEAR_URL_SHORTENER},
    {"clear_util_rb", D_LIST},
    {"country_db_path", D_IGNORE},
    {"country_db_type", D_IGNORE},
    {"dcc_body_max", D_IGNORE},
    {"dcc_dccifd_path", D_IGNORE},
    {"dcc_fuz1_max", D_IGNORE},
    {"dcc_fuz2_max", D_IGNORE},
    {"dcc_home", D_IGNORE},
    {"dcc_learn_score", D_IGNORE},
    {"dcc_options", D_IGNORE},
    {"dcc_path", D_IGNORE},
    {"dcc_rep_percent", D_IGNORE},
    {"dcc_timeout", D_IGNORE},
    {"dccifd_options", D_IGNORE},
    {"def_welcomelist_auth", D_LIST},
    {"def_welcomelist_from_dkim", D_LIST},
    {"def_welcomelist_from_rcvd", D_LIST},
    {"def_welcomelist_from_spf", D_LIST},
    {"def_whitelist_auth", D_LIST},
    {"def_whitelist_from_dkim", D_LIST},
    {"def_whitelist_from_rcvd", D_LIST},
    {"def_whitelist_from_spf", D_LIST},
    {"delist_uri_host", D_LIST},
    {"describe", D_DESCRIBE},
    {"dkim_minimum_key_bits", D_IGNORE},
    {"dkim_timeout", D_IGNORE},
    {"dmarc_save_reports", D_IGNORE},
    {"dns_available", D_IGNORE},
    {"dns_block_rule", D_IGNORE},
    {"dns_block_time", D_IGNORE},
    {"dns_local_ports_avoid", D_IGNORE},
    {"dns_local_ports_none", D_IGNORE},
    {"dns_local_ports_permit", D_IGNORE},
    {"dns_options", D_IGNORE},
    {"dns_query_restriction", D_IGNORE},
    {"dns_server", D_IGNORE},
    {"dns_test_interval", D_IGNORE},
    {"do_not_use_mail_spf", D_IGNORE},
    {"do_not_use_mail_spf_query", D_IGNORE},
    {"enable_compat", D_ENABLE_COMPAT},
    {"enlist_addrlist", D_LIST},
    {"enlist_uri_host", D_LIST},
    {"envelope_sender_header", D_IGNORE},
    {"extracttext_external", D_IGNORE},
    {"extracttext_maxparts", D_IGNORE},
    {"extracttext_timeout", D_IGNORE},
    {"extracttext_use", D_IGNORE},
    {"fns_add_addrlist", D_IGNORE},
    {"fns_check", D_IGNORE},
    {"fns_extrachars", D_IGNORE},
    {"fns_ignore_dkim", D_IGNORE},
    {"fns_ignore_headers", D_IGNORE},
    {"fns_remove_addrlist", D_IGNORE},
    {"fold_headers", D_IGNORE},
    {"freemail_add_describe_email", D_IGNORE},
    {"freemail_domains", D_FREEMAIL},
    {"freemail_import_def_welcomelist_auth", D_IGNORE},
    {"freemail_import_def_whitelist_auth", D_IGNORE},
    {"freemail_import_welcomelist_auth", D_IGNORE},
    {"freemail_import_whitelist_auth", D_IGNORE},
    {"freemail_max_body_emails", D_IGNORE},
    {"freemail_max_body_freemails", D_IGNORE},
    {"freemail_skip_bulk_envfrom", D_IGNORE},
    {"freemail_skip_when_over_max", D_IGNORE},
    {"freemail_welcomelist", D_LIST},
    {"freemail_whitelist", D_LIST},
    {"full", D_FULL},
    {"geodb_module", D_IGNORE},
    {"geodb_options", D_IGNORE},
    {"geodb_search_path", D_IGNORE},
    {"hashbl_email_domain_alias", D_IGNORE},
    {"hashbl_email_regex", D_IGNORE},
    {"hashbl_email_welcomelist", D_IGNORE},
    {"hashbl_email_whitelist", D_IGNORE},
    {"hashbl_ignore", D_IGNORE},
    {"header", D_HEADER},
    {"ignore_always_matching_regexps", D_IGNORE},
    {"ignore_received_spf_header", D_IGNORE},
    {"inactive_languages", D_IGNORE},
    {"internal_networks", D_IGNORE},
    {"loadplugin", D_LOADPLUGIN},
    {"lock_method", D_IGNORE},
    {"max_short_url_redirections", D_IGNORE},
    {"max_short_urls", D_IGNORE},
    {"mbox_format_from_regex", D_IGNORE},
    {"meta", D_META},
    {"mimeheader", D_MIMEHEADER},
    {"more_spam_to", D_LIST},
    {"msa_networks", D_IGNORE},
    {"normalize_charset", D_IGNORE},
    {"ok_languages", D_IGNORE},
    {"ok_locales", D_IGNORE},
    {"olemacro_download_marker", D_IGNORE},
    {"olemacro_extended_scan", D_IGNORE},
    {"olemacro_exts", D_IGNORE},
    {"olemacro_macro_exts", D_IGNORE},
    {"olemacro_max_file", D_IGNORE},
    {"olemacro_num_mime", D_IGNORE},
    {"olemacro_num_zip", D_IGNORE},
    {"olemacro_prefer_contentdisposition", D_IGNORE},
    {"olemacro_skip_ctypes", D_IGNORE},
    {"olemacro_skip_exts", D_IGNORE},
    {"olemacro_zip_depth", D_IGNORE},
    {"olemacro_zips", D_IGNORE},
    {"originating_ip_headers", D_IGNORE},
    {"parse_dkim_uris", D_IGNORE},
    {"phishing_openphish_feed", D_IGNORE},
    {"phishing_phishstats_feed", D_IGNORE},
    {"phishing_phishstats_minscore", D_IGNORE},
    {"phishing_phishtank_feed", D_IGNORE},
    {"phishing_uri_noparam", D_IGNORE},
    {"priority", D_PRIORITY},
    {"pyzor_count_min", D_IGNORE},
    {"pyzor_fork", D_IGNORE},
    {"pyzor_max", D_IGNORE},
    {"pyzor_options", D_IGNORE},
    {"pyzor_path", D_IGNORE},
    {"pyzor_perl", D_IGNORE},
    {"pyzor_server_file", D_IGNORE},
    {"pyzor_timeout", D_IGNORE},
    {"pyzor_welcomelist_factor", D_IGNORE},
    {"pyzor_welcomelist_min", D_IGNORE},
    {"pyzor_whitelist_factor", D_IGNORE},
    {"pyzor_whitelist_min", D_IGNORE},
    {"rawbody", D_RAWBODY},
    {"rawbody_part_scan_size", D_IGNORE},
    {"razor_config", D_IGNORE},
    {"razor_fork", D_IGNORE},
    {"razor_timeout", D_IGNORE},
    {"rbl_headers", D_IGNORE},
    {"rbl_timeout", D_IGNORE},
    {"redirector_pattern", D_IGNORE},
    {"remove_header", D_IGNORE},
    {"replace_end", D_REPLACE_END},
    {"replace_inter", D_REPLACE_INTER},
    {"replace_post", D_REPLACE_POST},
    {"replace_pre", D_REPLACE_PRE},
    {"replace_rules", D_REPLACE_RULES},
    {"replace_start", D_REPLACE_START},
    {"replace_tag", D_REPLACE_TAG},
    {"report", D_IGNORE},
    {"report_charset", D_IGNORE},
    {"report_contact", D_IGNORE},
    {"report_hostname", D_IGNORE},
    {"report_safe", D_IGNORE},
    {"report_safe_copy_headers", D_IGNORE},
    {"report_wrap_width", D_IGNORE},
    {"require_version", D_REQUIRE_VERSION},
    {"required_hits", D_REQUIRED_SCORE},
    {"required_score", D_REQUIRED_SCORE},
    {"resource_limit_cpu", D_IGNORE},
    {"resource_limit_mem", D_IGNORE},
    {"reuse", D_IGNORE},
    {"rewrite_header", D_IGNORE},
    {"run_reuse_tests_only", D_IGNORE},
    {"score", D_SCORE},
    {"shortcircuit", D_IGNORE},
    {"shortcircuit_ham_score", D_IGNORE},
    {"shortcircuit_max_spam_score", D_IGNORE},
    {"shortcircuit_min_ham_score", D_IGNORE},
    {"shortcircuit_spam_score", D_IGNORE},
    {"skip_rbl_checks", D_IGNORE},
    {"skip_uribl_checks", D_IGNORE},
    {"spamcop_from_address", D_IGNORE},
    {"spamcop_max_report_size", D_IGNORE},
    {"spamcop_relayhost", D_IGNORE},
    {"spamcop_to_address", D_IGNORE},
    {"spf_timeout", D_IGNORE},
    {"subjprefix", D_IGNORE},
    {"test", D_IGNORE},
    {"textcat_acceptable_score", D_IGNORE},
    {"textcat_max_languages", D_IGNORE},
    {"textcat_max_ngrams", D_IGNORE},
    {"textcat_optimal_ngrams", D_IGNORE},
    {"tflags", D_TFLAGS},
    {"time_limit", D_IGNORE},
    {"trigger_config", D_IGNORE},
    {"trigger_ratio", D_IGNORE},
    {"trigger_target", D_IGNORE},
    {"trusted_networks", D_IGNORE},
    {"tryplugin", D_TRYPLUGIN},
    {"txrep_autolearn", D_IGNORE},
    {"txrep_dilution_factor", D_IGNORE},
    {"txrep_expiry_days", D_IGNORE},
    {"txrep_factor", D_IGNORE},
    {"txrep_factory", D_IGNORE},
    {"txrep_ipv4_mask_len", D_IGNORE},
    {"txrep_ipv6_mask_len", D_IGNORE},
    {"txrep_learn_bonus", D_IGNORE},
    {"txrep_learn_penalty", D_IGNORE},
    {"txrep_report_details", D_IGNORE},
    {"txrep_spf", D_IGNORE},
    {"txrep_track_messages", D_IGNORE},
    {"txrep_user2global_ratio", D_IGNORE},
    {"txrep_weight_domain", D_IGNORE},
    {"txrep_weight_email", D_IGNORE},
    {"txrep_weight_email_ip", D_IGNORE},
    {"txrep_weight_helo", D_IGNORE},
    {"txrep_weight_ip", D_IGNORE},
    {"txrep_welcomelist_out", D_IGNORE},
    {"txrep_whitelist_out", D_IGNORE},
    {"unblacklist_from", D_LIST},
    {"unblocklist_from", D_LIST},
    {"unsafe_report", D_IGNORE},
    {"unwelcomelist_auth", D_LIST},
    {"unwelcomelist_from", D_LIST},
    {"unwelcomelist_from_dkim", D_LIST},
    {"unwelcomelist_from_rcvd", D_LIST},
    {"unwelcomelist_from_spf", D_LIST},
    {"unwhitelist_auth", D_LIST},
    {"unwhitelist_from", D_LIST},
    {"unwhitelist_from_dkim", D_LIST},
    {"unwhitelist_from_rcvd", D_LIST},
    {"unwhitelist_from_spf", D_LIST},
    {"uri", D_URI},
    {"uri_block_cc", D_URI_BLOCK},
    {"uri_block_cidr", D_URI_BLOCK},
    {"uri_block_cont", D_URI_BLOCK},
    {"uri_block_exclude", D_URI_BLOCK},
    {"uri_block_isp", D_URI_BLOCK},
    {"uri_country_db_isp_path", D_IGNORE},
    {"uri_country_db_path", D_IGNORE},
    {"uri_detail", D_URI_DETAIL},
    {"uridnsbl", D_URIDNSBL},
    {"uridnsbl_max_domains", D_IGNORE},
    {"uridnsbl_skip_domain", D_IGNORE},
    {"uridnsbl_skip_mailto", D_IGNORE},
    {"uridnsbl_timeout", D_IGNORE},
    {"uridnssub", D_URIDNSSUB},
    {"urifullnsrhsbl", D_URIDNSBL},
    {"urifullnsrhssub", D_URIDNSSUB},
    {"urinsrhsbl", D_URIDNSBL},
    {"urinsrhssub", D_URIDNSSUB},
    {"urirhsbl", D_URIDNSBL},
    {"urirhssub", D_URIDNSSUB},
    {"url_shortener", D_URL_SHORTENER},
    {"url_shortener_cache_autoclean", D_IGNORE},
    {"url_shortener_cache_dsn", D_IGNORE},
    {"url_shortener_cache_password", D_IGNORE},
    {"url_shortener_cache_ttl", D_IGNORE},
    {"url_shortener_cache_type", D_IGNORE},
    {"url_shortener_cache_username", D_IGNORE},
    {"url_shortener_get", D_URL_SHORTENER},
    {"url_shortener_loginfo", D_IGNORE},
    {"url_shortener_timeout", D_IGNORE},
    {"url_shortener_user_agent", D_IGNORE},
    {"use_auto_welcomelist", D_IGNORE},
    {"use_auto_whitelist", D_IGNORE},
    {"use_bayes", D_IGNORE},
    {"use_bayes_rules", D_IGNORE},
    {"use_dcc", D_IGNORE},
    {"use_dcc_rep", D_IGNORE},
    {"use_learner", D_IGNORE},
    {"use_newest_received_spf_header", D_IGNORE},
    {"use_pyzor", D_IGNORE},
    {"use_razor2", D_IGNORE},
    {"use_txrep", D_IGNORE},
    {"user_awl_dsn", D_IGNORE},
    {"user_awl_sql_override_username", D_IGNORE},
    {"user_awl_sql_password", D_IGNORE},
    {"user_awl_sql_table", D_IGNORE},
    {"user_awl_sql_username", D_IGNORE},
    {"user_scores_dsn", D_IGNORE},
    {"user_scores_fallback_to_global", D_IGNORE},
    {"user_scores_ldap_password", D_IGNORE},
    {"user_scores_ldap_username", D_IGNORE},
    {"user_scores_sql_custom_query", D_IGNORE},
    {"user_scores_sql_password", D_IGNORE},
    {"user_scores_sql_username", D_IGNORE},
    {"util_rb_2tld", D_LIST},
    {"util_rb_3tld", D_LIST},
    {"util_rb_tld", D_LIST},
    {"version_tag", D_IGNORE},
    {"welcomelist_allows_relays", D_LIST},
    {"welcomelist_auth", D_LIST},
    {"welcomelist_bounce_relays", D_LIST},
    {"welcomelist_from", D_LIST},
    {"welcomelist_from_dkim", D_LIST},
    {"welcomelist_from_rcvd", D_LIST},
    {"welcomelist_from_spf", D_LIST},
    {"welcomelist_subject", D_LIST},
    {"welcomelist_to", D_LIST},
    {"welcomelist_uri_host", D_LIST},
    {"whitelist_allows_relays", D_LIST},
    {"whitelist_auth", D_LIST},
    {"whitelist_bounce_relays", D_LIST},
    {"whitelist_from", D_LIST},
    {"whitelist_from_dkim", D_LIST},
    {"whitelist_from_rcvd", D_LIST},
    {"whitelist_from_spf", D_LIST},
    {"whitelist_subject", D_LIST},
    {"whitelist_to", D_LIST},
    {"whitelist_uri_host", D_LIST},

};

/* ---- a string map (open addressing; keys copied into the arena) ---- */
struct smap_slot {
    const char *key;
    size_t len;
    uint64_t h;
    void *val;
};
struct smap {
    struct smap_slot *slot;
    size_t cap, n;
};

static void *smap_get(const struct smap *m, const char *k, size_t n)
{
    if (!m->cap) return NULL;
    uint64_t h = hash_fnv1a(k, n);
    for (size_t i = (size_t)h & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const struct smap_slot *s = &m->slot[i];
        if (!s->key) return NULL;
        if (s->h == h && s->len == n && memcmp(s->key, k, n) == 0) return s->val;
    }
}

static struct smap_slot *smap_find_slot(struct smap_slot *tab, size_t cap, uint64_t h,
                                        const char *k, size_t n)
{
    for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
        struct smap_slot *s = &tab[i];
        if (!s->key || (s->h == h && s->len == n && memcmp(s->key, k, n) == 0)) return s;
    }
}

/* Insert or overwrite; returns the stored key (arena copy). */
static const char *smap_put(struct smap *m, arena *a, const char *k, size_t n, void *val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 64;
        struct smap_slot *t = xcalloc(ncap, sizeof *t);
        for (size_t i = 0; i < m->cap; i++)
            if (m->slot[i].key)
                *smap_find_slot(t, ncap, m->slot[i].h, m->slot[i].key, m->slot[i].len) = m->slot[i];
        free(m->slot);
        m->slot = t;
        m->cap = ncap;
    }
    uint64_t h = hash_fnv1a(k, n);
    struct smap_slot *s = smap_find_slot(m->slot, m->cap, h, k, n);
    if (!s->key) {
        s->key = arena_strndup(a, k, n);
        s->len = n;
        s->h = h;
        m->n++;
    }
    s->val = val;
    return s->key;
}

static void smap_free(struct smap *m)
{
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* ---- parser state ---- */

/* Everything known about one rule name, whether or not it is defined. */
struct nent {
    const char *name;
    long rule;         /* index in rs->rules, or -1 */
    const char *regex; /* the regex as defined (before ReplaceTags) */
    enum rule_status def_status;
    const char *def_reason;
    const char *dnsbl; /* declared by uridnsbl/urirhssub/...: a URI DNS blocklist */
    int n_scores;
    double scores[4];
    const char *score_file;
    int score_line;
    const char *describe;
    const char *describe_file;
    int describe_line;
    bool has_tflags;
    unsigned tflags;
    int maxhits;
    bool has_priority;
    int priority;
    bool replace; /* listed in replace_rules */
};

/* A named list being read (see ---- list settings ----): every entry ever
 * added, with a flag saying whether it is (still) in the list. */
struct plist {
    const char *name;
    struct smap idx;     /* entry -> index + 1 */
    struct smap by_addr; /* ADDR of "ADDR DOMAIN" entries -> index + 1 of its newest */
    const char **v;
    bool *on;
    size_t *next; /* the address's previous entry: index + 1, or 0 */
    size_t n, n_on, cap_v, cap_on, cap_next;
    /* as sync_lists last filled rs->lists[i]: its array, size and serial */
    const void *out_v;
    size_t out_n;
    uint64_t serial;
    size_t *out_len; /* strlen of each of out_v's entries (ruleset_list_lens) */
    size_t cap_out_len;
};

enum { RT_TAG, RT_PRE, RT_INTER, RT_POST, RT_N };

struct rp {
    arena *a;
    struct smap names; /* name -> struct nent */
    struct nent **ents;
    size_t n_ents, cap_ents;
    struct nent **rule_ent; /* parallel to rs->rules; NULL for a dead slot */
    size_t cap_rule_ent;
    size_t n_dead;
    struct smap tags[RT_N]; /* name -> value (char *) */
    const char *rstart, *rend;
    struct smap freemail; /* set */
    size_t cap_freemail;
    struct smap shortener; /* domain -> index + 1 in short_v */
    char **short_v;
    bool *short_on;
    size_t n_short, cap_short, cap_short_on, cap_short_out;
    struct smap list_idx; /* list name -> index + 1 in plists */
    struct plist *plists;
    size_t n_plists, cap_plists, cap_lists_out;
    struct rule_list *lists_out; /* rs->lists as sync_lists last left it */
    char *scratch;               /* a lowercased entry being looked up */
    size_t cap_scratch;
    size_t cap_plugins, cap_ignored, cap_ignored_count;
    struct smap compat;      /* enable_compat names */
    struct smap ignored_idx; /* ignored setting -> index + 1 */
    struct smap plugin_set;  /* rs->plugins, for lookups */
    size_t tagged_bytes;     /* ReplaceTags output so far (RP_MAX_TAGGED_TOTAL) */
    struct smap read_files;
    char *inc_stack[RULES_MAX_INCLUDE + 2];
    int n_inc;
    bool dirty;
    size_t dropped_diags;
};

struct cond {
    int line;
    bool skip_before;
    bool is_plugin;
};

/* One file (or buffer) being parsed. */
struct pctx {
    struct ruleset *rs;
    struct rp *st;
    const char *file;
    bool includes; /* include lines can be resolved */
    int line;
    int depth;
    bool skip; /* inside a false conditional */
    bool stop; /* the rest of the file is skipped */
    struct cond *conds;
    size_t n_conds, cap_conds;
    size_t n_skip_before; /* open conditionals entered while skipping */
    char *buf;
    size_t buf_cap;
};

static inline bool is_word(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

static bool eq_lit(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

static bool starts_lit(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(p, lit, l) == 0;
}

/* ---- diagnostics ---- */

__attribute__((format(printf, 5, 0))) static void vdiag(struct ruleset *rs,
                                                        enum rules_diag_level lv, const char *file,
                                                        int line, const char *fmt, va_list ap)
{
    struct rp *st = rs->priv;
    if (lv == RD_ERROR) rs->n_errors++;
    if (rs->n_diags >= RP_MAX_DIAGS) {
        st->dropped_diags++;
        return;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    rs->diags = xgrow(rs->diags, &rs->cap_diags, rs->n_diags + 1, sizeof *rs->diags);
    struct rules_diag *d = &rs->diags[rs->n_diags++];
    d->level = lv;
    d->file = file;
    d->line = line;
    d->msg = arena_strdup(st->a, msg);
}

void ruleset_diag(struct ruleset *rs, enum rules_diag_level level, const char *file, int line,
                  const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(rs, level, file, line, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 3, 4))) static void pdiag(struct pctx *c, enum rules_diag_level lv,
                                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vdiag(c->rs, lv, c->file, c->line, fmt, ap);
    va_end(ap);
}

/* An RD_ERROR for the definition being built: marks it RS_ERROR and
 * returns the reason (arena) for lint. */
__attribute__((format(printf, 3, 4))) static const char *fail(struct pctx *c, struct rule *t,
                                                              const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pdiag(c, RD_ERROR, "%s", msg);
    t->status = RS_ERROR;
    return arena_strdup(c->st->a, msg);
}

static void count_ignored(struct ruleset *rs, const char *key)
{
    struct rp *st = rs->priv;
    size_t kl = strlen(key);
    size_t idx = (size_t)(uintptr_t)smap_get(&st->ignored_idx, key, kl);
    if (idx) {
        rs->ignored_count[idx - 1]++;
        return;
    }
    rs->ignored = xgrow(rs->ignored, &st->cap_ignored, rs->n_ignored + 1, sizeof *rs->ignored);
    rs->ignored_count = xgrow(rs->ignored_count, &st->cap_ignored_count, rs->n_ignored + 1,
                              sizeof *rs->ignored_count);
    rs->ignored[rs->n_ignored] =
        (char *)smap_put(&st->ignored_idx, st->a, key, kl, (void *)(uintptr_t)(rs->n_ignored + 1));
    rs->ignored_count[rs->n_ignored++] = 1;
}

/* ---- numbers ---- */

/* Decimal digits [+-]?\d+(\.\d*)? already validated by the caller. Exact
 * (correctly rounded) for up to 19 significant digits, as a C literal is. */
static double parse_decimal(const char *p, size_t n)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
    uint64_t m = 0;
    int digits = 0, frac = 0, extra_int = 0;
    bool dot = false;
    for (; i < n; i++) {
        if (p[i] == '.') {
            dot = true;
            continue;
        }
        unsigned d = (unsigned)(p[i] - '0');
        if (digits < 19) {
            m = m * 10 + d;
            if (m) digits++;
            if (dot) frac++;
        } else if (!dot) {
            extra_int++;
        }
    }
    double v = (double)m;
    for (; extra_int > 0; extra_int--)
        v *= 10;
    if (frac <= 22) {
        static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        v /= p10[frac];
    } else {
        for (; frac > 0; frac--)
            v /= 10;
    }
    return neg ? -v : v;
}

/* -?\d+(\.\d+)? (SpamAssassin's score syntax); `sign` allows a leading '+'
 * too and `loose` allows "5." (set_numeric_value). */
static bool is_decimal(const char *p, size_t n, bool plus, bool loose)
{
    size_t i = 0;
    if (i < n && (p[i] == '-' || (plus && p[i] == '+'))) i++;
    size_t d0 = i;
    while (i < n && ch_is_digit((unsigned char)p[i]))
        i++;
    if (i == d0) return false;
    if (i == n) return true;
    if (p[i] != '.') return false;
    i++;
    size_t f0 = i;
    while (i < n && ch_is_digit((unsigned char)p[i]))
        i++;
    if (i != n) return false;
    return loose || i > f0;
}

static bool parse_int(const char *p, size_t n, int *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && p[i] == '-') neg = p[i++] == '-';
    if (i == n) return false;
    long long v = 0;
    for (; i < n; i++) {
        if (!ch_is_digit((unsigned char)p[i])) return false;
        v = v * 10 + (p[i] - '0');
        if (v > INT_MAX) return false;
    }
    *out = (int)(neg ? -v : v);
    return true;
}

/* ---- names ---- */

/* SpamAssassin's rule names: [_A-Za-z][_A-Za-z0-9]*, at most `max` bytes. */
static bool valid_rule_name(const char *p, size_t n, size_t max)
{
    if (n == 0 || n > max) return false;
    if (ch_is_digit((unsigned char)p[0])) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_word((unsigned char)p[i])) return false;
    return true;
}

static struct nent *ent_get(struct rp *st, const char *name, size_t n, bool create)
{
    struct nent *e = smap_get(&st->names, name, n);
    if (e || !create) return e;
    e = arena_zalloc(st->a, sizeof *e);
    e->rule = -1;
    e->name = smap_put(&st->names, st->a, name, n, e);
    st->ents = xgrow(st->ents, &st->cap_ents, st->n_ents + 1, sizeof *st->ents);
    st->ents[st->n_ents++] = e;
    return e;
}

/* Splits "WORD rest": returns the length of WORD; *rest at the text after
 * the whitespace that follows it (end of the slice when absent). */
static size_t split_word(const char *p, size_t n, const char **rest, size_t *rest_n)
{
    size_t w = 0;
    while (w < n && !ch_is_space((unsigned char)p[w]))
        w++;
    size_t r = w;
    while (r < n && ch_is_space((unsigned char)p[r]))
        r++;
    *rest = p + r;
    *rest_n = n - r;
    return w;
}

/* ---- rule storage ---- */

static void kill_rule(struct ruleset *rs, struct rp *st, size_t i)
{
    struct rule *r = &rs->rules[i];
    free(r->status_reason);
    r->status_reason = NULL;
    r->name = NULL;
    st->rule_ent[i] = NULL;
    st->n_dead++;
}

/* Store a definition built in *t (its strings already in the arena). */
static void commit(struct pctx *c, const char *name, size_t nlen, struct rule *t, const char *why)
{
    struct ruleset *rs = c->rs;
    struct rp *st = c->st;
    struct nent *e = ent_get(st, name, nlen, true);
    if (t->status == RS_ERROR && e->rule >= 0) return; /* the earlier definition stays */
    if (e->rule < 0 && rs->n_rules - st->n_dead >= RULES_MAX_RULES) {
        pdiag(c, RD_ERROR, "more than %d rules: the rest of this file is skipped", RULES_MAX_RULES);
        c->stop = true;
        return;
    }
    bool replaced = e->rule >= 0;
    if (replaced) kill_rule(rs, st, (size_t)e->rule);
    rs->rules = xgrow(rs->rules, &rs->cap_rules, rs->n_rules + 1, sizeof *rs->rules);
    st->rule_ent = xgrow(st->rule_ent, &st->cap_rule_ent, rs->n_rules + 1, sizeof *st->rule_ent);
    struct rule *r = &rs->rules[rs->n_rules];
    *r = *t;
    r->name = (char *)e->name;
    r->file = c->file;
    r->line = c->line;
    r->replaced = replaced;
    r->status_reason = (t->status != RS_OK && why) ? xstrdup(why) : NULL;
    st->rule_ent[rs->n_rules] = e;
    e->rule = (long)rs->n_rules++;
    e->regex = t->regex;
    e->def_status = t->status;
    e->def_reason = t->status != RS_OK ? why : NULL;
}

static void compact(struct ruleset *rs, struct rp *st)
{
    if (!st->n_dead) return;
    size_t j = 0;
    for (size_t i = 0; i < rs->n_rules; i++) {
        if (!st->rule_ent[i]) continue;
        if (i != j) {
            rs->rules[j] = rs->rules[i];
            st->rule_ent[j] = st->rule_ent[i];
        }
        st->rule_ent[j]->rule = (long)j;
        j++;
    }
    rs->n_rules = j;
    st->n_dead = 0;
}

/* ruleset_list_serial: never the same twice in a process */
static _Atomic uint64_t list_serial;

static void sync_lists(struct ruleset *rs, struct rp *st)
{
    rs->n_url_shorteners = 0;
    for (size_t i = 0; i < st->n_short; i++) {
        if (!st->short_on[i]) continue;
        rs->url_shorteners = xgrow(rs->url_shorteners, &st->cap_short_out, rs->n_url_shorteners + 1,
                                   sizeof *rs->url_shorteners);
        rs->url_shorteners[rs->n_url_shorteners++] = st->short_v[i];
    }
    /* the named lists: the entries still in, in their first-added order */
    size_t had = rs->n_lists;
    rs->lists = xgrow(rs->lists, &st->cap_lists_out, st->n_plists, sizeof *rs->lists);
    for (size_t i = 0; i < st->n_plists; i++) {
        struct plist *L = &st->plists[i];
        struct rule_list *R = &rs->lists[i];
        if (i >= had) *R = (struct rule_list){0};
        R->name = (char *)L->name;
        R->n = 0;
        R->v = xgrow(R->v, &R->cap, L->n_on ? L->n_on : 1, sizeof *R->v);
        for (size_t k = 0; k < L->n; k++)
            if (L->on[k]) R->v[R->n++] = (char *)L->v[k];
        L->out_len = xgrow(L->out_len, &L->cap_out_len, R->n ? R->n : 1, sizeof *L->out_len);
        for (size_t k = 0; k < R->n; k++)
            L->out_len[k] = R->v[k] ? strlen(R->v[k]) : 0;
        L->out_v = R->v;
        L->out_n = R->n;
        L->serial = ++list_serial;
    }
    rs->n_lists = st->n_plists;
    st->lists_out = rs->lists;
}

/* ---- regular expressions ---- */

/* The structure SpamAssassin checks before compiling (Util::compile_regexp):
 * returns NULL when valid, else the reason; *body, *body_n: the pattern
 * between the delimiters. */
static const char *regex_check(const char *p, size_t n, const char **body, size_t *body_n)
{
    char close;
    size_t start;
    if (n >= 1 && p[0] == '/') {
        close = '/';
        start = 1;
    } else {
        size_t k;
        if (n >= 1 && p[0] == 'm')
            k = 1;
        else if (n >= 2 && p[0] == 'q' && p[1] == 'r')
            k = 2;
        else
            return "missing regexp delimiters (expected /re/ or m{re})";
        if (k >= n) return "missing regexp delimiters (expected /re/ or m{re})";
        unsigned char d = (unsigned char)p[k];
        switch (d) {
        case '{':
            close = '}';
            break;
        case '(':
            close = ')';
            break;
        case '<':
            close = '>';
            break;
        case '[':
            close = ']';
            break;
        default:
            if (is_word(d)) return "missing regexp delimiters (expected /re/ or m{re})";
            if (d == '\\') return "backslash delimiter not allowed";
            close = (char)d;
        }
        start = k + 1;
    }
    size_t e = n;
    while (e > start && p[e - 1] >= 'a' && p[e - 1] <= 'z' && p[e - 1] != 'e')
        e--;
    if (e <= start || p[e - 1] != close) return "invalid end delimiter or modifiers";
    for (size_t i = e; i < n; i++)
        if (!strchr("adilmnpsux", p[i])) return "invalid regexp modifier (allowed: imsx adlnpu)";
    const char *b = p + start;
    size_t bn = e - 1 - start;
    if (close != '}' && close != ')' && close != ']') {
        bool prev_bs = false;
        for (size_t i = 0; i < bn; i++) {
            if (b[i] == '\\' && i + 1 < bn && b[i + 1] == '\\') {
                i++; /* an escaped backslash: dropped, as SpamAssassin does */
                continue;
            }
            if (b[i] == close && !prev_bs) return "unescaped delimiter inside the regexp";
            prev_bs = b[i] == '\\';
        }
    }
    for (size_t i = 0; i + 2 < bn; i++)
        if (b[i] == '(' && b[i + 1] == '?' &&
            (b[i + 2] == '{' || (b[i + 2] == '?' && i + 3 < bn && b[i + 3] == '{')))
            return "Perl code block (?{...}) not allowed";
    *body = b;
    *body_n = bn;
    return NULL;
}

/* A captured-tag template %{NAME} (SpamAssassin 4 capture rules): 0 none,
 * 1 plain %{NAME} templates, 2 one with arguments %{NAME(...)}. */
static int has_capture_template(const char *b, size_t n)
{
    int found = 0;
    for (size_t i = 0; i + 3 < n; i++) {
        if (b[i] != '%' || b[i + 1] != '{' || (i > 0 && b[i - 1] == '\\')) continue;
        size_t j = i + 2;
        if (!(b[j] >= 'A' && b[j] <= 'Z')) continue;
        while (j < n &&
               ((b[j] >= 'A' && b[j] <= 'Z') || ch_is_digit((unsigned char)b[j]) || b[j] == '_'))
            j++;
        bool args = false;
        if (j < n && b[j] == '(') {
            args = true;
            while (j < n && b[j] != ')' && b[j] != '}')
                j++;
            if (j < n && b[j] == ')') j++;
        }
        if (j < n && b[j] == '}') {
            if (args) return 2;
            found = 1;
        }
    }
    return found;
}

/* Validate and store the regex of definition t; returns the reason when
 * the rule cannot run. */
static const char *set_regex(struct pctx *c, struct rule *t, const char *name, size_t nlen,
                             const char *p, size_t n)
{
    const char *b;
    size_t bn;
    const char *err = regex_check(p, n, &b, &bn);
    if (err)
        return fail(c, t, "%.*s: invalid regexp '%.*s': %s", SHOW(name, nlen), SHOW(p, n), err);
    t->regex = arena_strndup(c->st->a, p, n);
    const char *always = NULL;
    if (bn == 0) {
        always = "empty";
    } else if (b[0] == '|' || (b[bn - 1] == '|' && !(bn >= 2 && b[bn - 2] == '\\'))) {
        always = "starts or ends with '|'";
    } else {
        for (size_t i = 0; i + 1 < bn; i++)
            if (b[i] == '|' && b[i + 1] == '|' && !(i > 0 && b[i - 1] == '\\')) {
                always = "contains '||'";
                break;
            }
    }
    if (always) pdiag(c, RD_WARNING, "%.*s: regexp always matches (%s)", SHOW(name, nlen), always);
    int tmpl = has_capture_template(b, bn);
    if (tmpl == 2) {
        t->status = RS_SKIP_UNSUPPORTED;
        return "uses a captured tag with arguments %{NAME(...)}: not supported";
    }
    t->capture_template = tmpl == 1;
    return NULL;
}

/* ---- eval: ---- */

/* SpamAssassin's argument syntax (Parser::pack_eval_args). */
static bool eval_args(arena *a, const char *p, size_t n, char ***out, int *n_out)
{
    size_t cap = 0;
    char **v = NULL;
    int k = 0;
    bool all_space = true;
    for (size_t i = 0; i < n; i++)
        if (!ch_is_space((unsigned char)p[i])) all_space = false;
    if (all_space) {
        *out = NULL;
        *n_out = 0;
        return true;
    }
    size_t pos = 0;
    while (pos < n) {
        while (pos < n && ch_is_space((unsigned char)p[pos]))
            pos++;
        if (pos == n) return false;
        size_t s, e, next;
        if (p[pos] == '\'' || p[pos] == '"') {
            char q = p[pos];
            s = pos + 1;
            size_t j = s;
            for (;; j++) {
                while (j < n && p[j] != q)
                    j++;
                if (j >= n) return false;
                size_t w = j + 1;
                while (w < n && ch_is_space((unsigned char)p[w]))
                    w++;
                if (w == n || p[w] == ',') break;
            }
            e = j;
            next = j + 1;
        } else {
            s = pos;
            size_t j = pos;
            while (j < n &&
                   (ch_is_alnum((unsigned char)p[j]) || p[j] == '.' || p[j] == ':' || p[j] == '-'))
                j++;
            if (j == s) return false;
            e = j;
            next = j;
        }
        while (next < n && ch_is_space((unsigned char)p[next]))
            next++;
        if (next < n) {
            if (p[next] != ',') return false;
            next++;
            while (next < n && ch_is_space((unsigned char)p[next]))
                next++;
        }
        if ((size_t)k + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 4;
            char **nv = arena_alloc(a, ncap * sizeof *nv);
            if (k) memcpy(nv, v, (size_t)k * sizeof *nv);
            v = nv;
            cap = ncap;
        }
        v[k++] = arena_strndup(a, p + s, e - s);
        pos = next;
    }
    *out = v;
    *n_out = k;
    return true;
}

/* "fn(args)" after "eval:" */
static const char *set_eval(struct pctx *c, struct rule *t, const char *name, size_t nlen,
                            const char *p, size_t n)
{
    t->is_eval = true;
    size_t i = 0;
    while (i < n && is_word((unsigned char)p[i]))
        i++;
    if (i == 0 || i >= n || p[i] != '(' || p[n - 1] != ')')
        return fail(c, t, "%.*s: invalid eval '%.*s' (expected function(arguments))",
                    SHOW(name, nlen), SHOW(p, n));
    t->eval_fn = arena_strndup(c->st->a, p, i);
    if (!eval_args(c->st->a, p + i + 1, n - i - 2, &t->eval_args, &t->n_eval_args))
        return fail(c, t, "%.*s: syntax error in the arguments of eval %.*s", SHOW(name, nlen),
                    SHOW(p, n));
    return NULL;
}

/* ---- if-conditions and meta expressions ---- */

enum xt {
    X_NUM,
    X_WORD,
    X_LP,
    X_RP,
    X_OR,
    X_AND,
    X_XOR,
    X_NOT,
    X_GE,
    X_GT,
    X_LE,
    X_LT,
    X_EQ,
    X_NE,
    X_ADD,
    X_SUB,
    X_MUL,
    X_DIV,
    X_Q,
    X_COLON,
    X_DOT,
    X_END,
};

struct xtok {
    enum xt t;
    const char *p;
    size_t n;
    double v;
};

struct xparse {
    struct pctx *c;
    bool meta; /* validating a meta expression (rule names are 0) */
    struct xtok *t;
    size_t n, cap, pos;
    char err[200];
    int depth;
};

__attribute__((format(printf, 2, 3))) static void xerr(struct xparse *x, const char *fmt, ...)
{
    if (x->err[0]) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->err, sizeof x->err, fmt, ap);
    va_end(ap);
}

static void xpush(struct xparse *x, enum xt t, const char *p, size_t n, double v)
{
    x->t = xgrow(x->t, &x->cap, x->n + 1, sizeof *x->t);
    x->t[x->n++] = (struct xtok){t, p, n, v};
}

/* `rules_matching(GLOB)` at p (Check.pm's META_RULES_MATCHING_RE); returns
 * its length or 0. */
static size_t rules_matching_at(const char *p, size_t n)
{
    static const char kw[] = "rules_matching(";
    size_t i = sizeof kw - 1;
    if (n < i || memcmp(p, kw, i) != 0) return 0;
    while (i < n && ch_is_space((unsigned char)p[i]))
        i++;
    size_t g = i;
    while (i < n && (is_word((unsigned char)p[i]) || p[i] == '*' || p[i] == '?'))
        i++;
    if (i == g || i - g > 128 || ch_is_digit((unsigned char)p[g])) return 0;
    while (i < n && ch_is_space((unsigned char)p[i]))
        i++;
    if (i >= n || p[i] != ')') return 0;
    return i + 1;
}

/* The tokens of SpamAssassin's ARITH_EXPRESSION_LEXER; characters it does
 * not know are skipped, as its //g match does. */
static bool xlex(struct xparse *x, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)p[i];
        if (ch_is_digit(ch) || ch == '-' || ch == '+' || ch == '.') {
            size_t s = i;
            while (i < n &&
                   (ch_is_digit((unsigned char)p[i]) || p[i] == '-' || p[i] == '+' || p[i] == '.'))
                i++;
            const char *q = p + s;
            size_t qn = i - s;
            /* a sign is an operator of its own; a meta has no signed numbers */
            size_t sign = (!x->meta && qn > 1 && (q[0] == '+' || q[0] == '-')) ? 1 : 0;
            if (ch_is_digit((unsigned char)q[sign]) &&
                is_decimal(q + sign, qn - sign, false, false)) {
                if (sign) xpush(x, q[0] == '+' ? X_ADD : X_SUB, q, 1, 0);
                xpush(x, X_NUM, q + sign, qn - sign, parse_decimal(q + sign, qn - sign));
                continue;
            }
            bool punct = true;
            for (size_t k = 0; k < qn; k++)
                if (ch_is_digit((unsigned char)q[k])) punct = false;
            if (!punct || qn > (x->meta ? 2u : 5u)) {
                xerr(x, "invalid token '%.*s'", SHOW(q, qn));
                return false;
            }
            for (size_t k = 0; k < qn; k++) {
                if (k + 1 < qn && q[k] == q[k + 1] && q[k] != '.') {
                    xerr(x, "invalid operator '%.*s'", SHOW(q, qn));
                    return false;
                }
                xpush(x, q[k] == '+' ? X_ADD : q[k] == '-' ? X_SUB : X_DOT, q + k, 1, 0);
            }
            continue;
        }
        if (is_word(ch)) {
            if (x->meta && (i == 0 || !is_word((unsigned char)p[i - 1]))) {
                size_t m = rules_matching_at(p + i, n - i);
                if (m) {
                    xpush(x, X_NUM, p + i, m, 0);
                    i += m;
                    continue;
                }
            }
            size_t s = i;
            while (i < n && (is_word((unsigned char)p[i]) || p[i] == ':'))
                i++;
            if (x->meta && !valid_rule_name(p + s, i - s, RP_MAX_RULENAME)) {
                xerr(x, "invalid token '%.*s'", SHOW(p + s, i - s));
                return false;
            }
            xpush(x, X_WORD, p + s, i - s, 0);
            continue;
        }
        size_t two = i + 1 < n ? 1 : 0;
        char nx = two ? p[i + 1] : 0;
        switch (ch) {
        case '(':
            xpush(x, X_LP, p + i, 1, 0);
            break;
        case ')':
            xpush(x, X_RP, p + i, 1, 0);
            break;
        case '^':
            xpush(x, X_XOR, p + i, 1, 0);
            break;
        case '*':
            xpush(x, X_MUL, p + i, 1, 0);
            break;
        case '/':
            xpush(x, X_DIV, p + i, 1, 0);
            break;
        case '?':
            xpush(x, X_Q, p + i, 1, 0);
            break;
        case ':':
            xpush(x, X_COLON, p + i, 1, 0);
            break;
        case '|':
            if (nx == '|') xpush(x, X_OR, p + i, 2, 0), i++;
            break;
        case '&':
            if (nx == '&') xpush(x, X_AND, p + i, 2, 0), i++;
            break;
        case '!':
            if (nx == '=')
                xpush(x, X_NE, p + i, 2, 0), i++;
            else
                xpush(x, X_NOT, p + i, 1, 0);
            break;
        case '>':
            if (nx == '=')
                xpush(x, X_GE, p + i, 2, 0), i++;
            else
                xpush(x, X_GT, p + i, 1, 0);
            break;
        case '<':
            if (nx == '=')
                xpush(x, X_LE, p + i, 2, 0), i++;
            else
                xpush(x, X_LT, p + i, 1, 0);
            break;
        case '=':
            if (nx == '=') xpush(x, X_EQ, p + i, 2, 0), i++;
            break;
        default:
            break;
        }
        i++;
    }
    xpush(x, X_END, p + n, 0, 0);
    return true;
}

static enum xt xpeek(const struct xparse *x)
{
    return x->err[0] ? X_END : x->t[x->pos].t;
}

static bool truthy(double v)
{
    return v != 0;
}

static double x_ternary(struct xparse *x, bool live);
static double x_unary(struct xparse *x, bool live);

static bool class_name_ok(const char *p, size_t n)
{
    /* (?:\w+::){0,10}\w+ */
    int seps = 0;
    size_t i = 0;
    for (;;) {
        size_t s = i;
        while (i < n && is_word((unsigned char)p[i]))
            i++;
        if (i == s) return false;
        if (i == n) return true;
        if (i + 2 > n || p[i] != ':' || p[i + 1] != ':' || ++seps > 10) return false;
        i += 2;
    }
}

static bool capability(struct xparse *x, const char *p, size_t n, bool has, bool live)
{
    struct ruleset *rs = x->c->rs;
    struct rp *st = x->c->st;
    size_t cut = 0;
    for (size_t i = 0; i + 1 < n; i++)
        if (p[i] == ':' && p[i + 1] == ':') cut = i;
    if (!cut) {
        xerr(x, "no '::' in %s(%.*s)", has ? "has" : "can", SHOW(p, n));
        return false;
    }
    const char *meth = p + cut + 2;
    size_t mn = n - cut - 2;
    if (eq_lit(p, cut, CONF_MOD) && starts_lit(meth, mn, "compat_"))
        return smap_get(&st->compat, meth + 7, mn - 7) != NULL;
    for (size_t i = 0; i < sizeof capabilities / sizeof capabilities[0]; i++) {
        const struct capability *k = &capabilities[i];
        if (!eq_lit(p, cut, k->module) || !eq_lit(meth, mn, k->method)) continue;
        if (strcmp(k->module, CONF_MOD) != 0 && !ruleset_plugin_loaded(rs, k->module)) return false;
        return k->value;
    }
    if (live)
        pdiag(x->c, RD_INFO, "condition: unknown capability %.*s, taken as absent", SHOW(p, n));
    return false;
}

static double x_primary(struct xparse *x, bool live)
{
    if (x->err[0]) return 0;
    struct xtok *k = &x->t[x->pos];
    switch (k->t) {
    case X_NUM:
        x->pos++;
        return k->v;
    case X_LP: {
        x->pos++;
        if (xpeek(x) == X_RP) { /* () is an empty list: false */
            x->pos++;
            return 0;
        }
        double v = x_ternary(x, live);
        if (xpeek(x) != X_RP) {
            xerr(x, "missing ')'");
            return 0;
        }
        x->pos++;
        return v;
    }
    case X_WORD: {
        x->pos++;
        if (x->meta) return 0;
        if (eq_lit(k->p, k->n, "version"))
            return parse_decimal(SA_VERSION_TEXT, strlen(SA_VERSION_TEXT));
        if (eq_lit(k->p, k->n, "perl_version"))
            return parse_decimal(PERL_VERSION_TEXT, strlen(PERL_VERSION_TEXT));
        if (eq_lit(k->p, k->n, "local_tests_only")) return 1; /* never any network test */
        bool is_plugin = eq_lit(k->p, k->n, "plugin");
        bool is_can = eq_lit(k->p, k->n, "can"), is_has = eq_lit(k->p, k->n, "has");
        if (!is_plugin && !is_can && !is_has) {
            xerr(x, "unexpected word '%.*s'", SHOW(k->p, k->n));
            return 0;
        }
        if (xpeek(x) != X_LP) {
            xerr(x, "'(' expected after %.*s", SHOW(k->p, k->n));
            return 0;
        }
        x->pos++;
        const struct xtok *arg = NULL;
        if (xpeek(x) == X_WORD) arg = &x->t[x->pos++];
        if (xpeek(x) != X_RP) {
            xerr(x, "')' expected after %.*s(", SHOW(k->p, k->n));
            return 0;
        }
        x->pos++;
        if (!arg) {
            if (is_plugin) return 0;
            xerr(x, "no argument to %.*s()", SHOW(k->p, k->n));
            return 0;
        }
        if (!class_name_ok(arg->p, arg->n)) {
            xerr(x, "not allowed value '%.*s'", SHOW(arg->p, arg->n));
            return 0;
        }
        if (is_plugin) {
            char nm[256];
            snprintf(nm, sizeof nm, "%.*s", (int)(arg->n < 255 ? arg->n : 255), arg->p);
            if (strcmp(nm, PLUGIN("Dmarc")) == 0) snprintf(nm, sizeof nm, "%s", PLUGIN("DMARC"));
            if (strcmp(nm, PLUGIN("WhiteListSubject")) == 0)
                snprintf(nm, sizeof nm, "%s", PLUGIN("WelcomeListSubject"));
            return ruleset_plugin_loaded(x->c->rs, nm) ? 1 : 0;
        }
        return capability(x, arg->p, arg->n, is_has, live) ? 1 : 0;
    }
    case X_END:
        xerr(x, "unexpected end of expression");
        return 0;
    default:
        xerr(x, "unexpected '%.*s'", SHOW(k->p, k->n));
        return 0;
    }
}

static double x_unary(struct xparse *x, bool live)
{
    if (++x->depth > RP_MAX_EXPR_DEPTH) {
        xerr(x, "expression nested too deeply");
        return 0;
    }
    double v;
    switch (xpeek(x)) {
    case X_NOT:
        x->pos++;
        v = truthy(x_unary(x, live)) ? 0 : 1;
        break;
    case X_SUB:
        x->pos++;
        v = -x_unary(x, live);
        break;
    case X_ADD:
        x->pos++;
        v = x_unary(x, live);
        break;
    default:
        v = x_primary(x, live);
        break;
    }
    x->depth--;
    return v;
}

static double x_mul(struct xparse *x, bool live)
{
    double v = x_unary(x, live);
    for (enum xt op; (op = xpeek(x)) == X_MUL || op == X_DIV;) {
        x->pos++;
        double r = x_unary(x, live);
        if (op == X_MUL) {
            v *= r;
        } else if (r == 0) {
            if (live) xerr(x, "division by zero possible");
            v = 0;
        } else {
            v /= r;
        }
    }
    return v;
}

static double x_add(struct xparse *x, bool live)
{
    double v = x_mul(x, live);
    for (enum xt op; (op = xpeek(x)) == X_ADD || op == X_SUB || op == X_DOT;) {
        if (op == X_DOT) {
            xerr(x, "unsupported operator '.'");
            return 0;
        }
        x->pos++;
        double r = x_mul(x, live);
        v = op == X_ADD ? v + r : v - r;
    }
    return v;
}

/* Comparisons chain as in Perl 5.32+: a < b < c is a < b && b < c. */
static double x_cmp(struct xparse *x, bool live, bool equality)
{
    double left = equality ? x_cmp(x, live, false) : x_add(x, live);
    bool res = true, any = false, l = live;
    for (;;) {
        enum xt op = xpeek(x);
        bool is_eq = op == X_EQ || op == X_NE;
        bool is_rel = op == X_GE || op == X_GT || op == X_LE || op == X_LT;
        if (equality ? !is_eq : !is_rel) break;
        x->pos++;
        any = true;
        double r = equality ? x_cmp(x, l, false) : x_add(x, l);
        if (l) {
            bool ok = op == X_EQ   ? left == r
                      : op == X_NE ? left != r
                      : op == X_GE ? left >= r
                      : op == X_GT ? left > r
                      : op == X_LE ? left <= r
                                   : left < r;
            if (!ok) res = false, l = false;
        }
        left = r;
    }
    return any ? (res ? 1 : 0) : left;
}

static double x_xor(struct xparse *x, bool live)
{
    double v = x_cmp(x, live, true);
    while (xpeek(x) == X_XOR) {
        x->pos++;
        double r = x_cmp(x, live, true);
        if (!(v > -9e18 && v < 9e18 && r > -9e18 && r < 9e18)) {
            xerr(x, "number out of range for '^'");
            return 0;
        }
        v = (double)((uint64_t)(int64_t)v ^ (uint64_t)(int64_t)r);
    }
    return v;
}

static double x_and(struct xparse *x, bool live)
{
    double v = x_xor(x, live);
    while (xpeek(x) == X_AND) {
        x->pos++;
        bool go = live && truthy(v);
        double r = x_xor(x, go);
        if (truthy(v)) v = r;
    }
    return v;
}

static double x_or(struct xparse *x, bool live)
{
    double v = x_and(x, live);
    while (xpeek(x) == X_OR) {
        x->pos++;
        bool go = live && !truthy(v);
        double r = x_and(x, go);
        if (!truthy(v)) v = r;
    }
    return v;
}

static double x_ternary(struct xparse *x, bool live)
{
    if (++x->depth > RP_MAX_EXPR_DEPTH) {
        xerr(x, "expression nested too deeply");
        return 0;
    }
    double v = x_or(x, live);
    if (xpeek(x) == X_Q) {
        x->pos++;
        bool t = truthy(v);
        double a = x_ternary(x, live && t);
        if (xpeek(x) != X_COLON) {
            xerr(x, "':' expected");
            x->depth--;
            return 0;
        }
        x->pos++;
        double b = x_ternary(x, live && !t);
        v = t ? a : b;
    }
    x->depth--;
    return v;
}

/* Parse and evaluate; returns false with x->err set on a syntax error. */
static bool x_run(struct xparse *x, const char *p, size_t n, double *out)
{
    if (!xlex(x, p, n)) return false;
    double v = x_ternary(x, true);
    if (!x->err[0] && xpeek(x) != X_END)
        xerr(x, "unexpected '%.*s'", SHOW(x->t[x->pos].p, x->t[x->pos].n));
    *out = v;
    return !x->err[0];
}

/* SpamAssassin's checks of a meta expression (Parser::is_meta_valid):
 * NULL when valid, else the reason. */
static const char *meta_check(struct pctx *c, const char *p, size_t n, char *why, size_t whyn)
{
    for (size_t i = 0; i < n; i++) {
        if ((p[i] == ':' && i + 1 < n && p[i + 1] == ':') ||
            (p[i] == '-' && i + 1 < n && p[i + 1] == '>') || strchr("$@%;{}", p[i])) {
            snprintf(why, whyn, "forbidden character in expression");
            return why;
        }
        if (p[i] == '*') {
            size_t j = i + 1;
            while (j < n && ch_is_space((unsigned char)p[j]))
                j++;
            if (j < n && p[j] == '*') {
                snprintf(why, whyn, "invalid '**' operator");
                return why;
            }
        }
    }
    struct xparse x = {.c = c, .meta = true};
    double v;
    bool ok = x_run(&x, p, n, &v);
    free(x.t);
    if (ok) return NULL;
    snprintf(why, whyn, "%s", x.err);
    return why;
}

/* An if/ifplugin condition: its truth; a condition that cannot be
 * evaluated is false (RD_WARNING), as SpamAssassin skips the block. */
static bool cond_eval(struct pctx *c, const char *p, size_t n)
{
    struct xparse x = {.c = c, .meta = false};
    double v = 0;
    bool ok = x_run(&x, p, n, &v);
    free(x.t);
    if (!ok) {
        pdiag(c, RD_WARNING, "cannot evaluate condition '%.*s': %s (block skipped)", SHOW(p, n),
              x.err);
        return false;
    }
    return truthy(v);
}

/* ---- rule definitions ---- */

static void bad_name(struct pctx *c, const char *what, const char *p, size_t n)
{
    pdiag(c, RD_ERROR,
          "%s: invalid rule name '%.*s' (letters, digits and '_', not starting with a digit, at "
          "most %d bytes)",
          what, SHOW(p, n), RP_MAX_NAME);
}

/* Position of "=~" or "!~" after optional whitespace at pos, or SIZE_MAX. */
static size_t op_at(const char *p, size_t n, size_t pos)
{
    while (pos < n && ch_is_space((unsigned char)p[pos]))
        pos++;
    if (pos + 1 < n && (p[pos] == '=' || p[pos] == '!') && p[pos + 1] == '~') return pos;
    return SIZE_MAX;
}

/* Removes a trailing " [if-unset: STR]" (SpamAssassin: \s+\[if-unset:\s+(.+)\]$). */
static void strip_if_unset(arena *a, const char *p, size_t *n, char **out)
{
    static const char kw[] = "[if-unset:";
    size_t kl = sizeof kw - 1, len = *n;
    if (len == 0 || p[len - 1] != ']') return;
    for (size_t k = 1; k + kl < len; k++) {
        if (memcmp(p + k, kw, kl) != 0 || !ch_is_space((unsigned char)p[k - 1])) continue;
        size_t m = k + kl;
        if (m >= len - 1 || !ch_is_space((unsigned char)p[m])) continue;
        size_t vs = m;
        while (vs < len - 1 && ch_is_space((unsigned char)p[vs]))
            vs++;
        if (vs == len - 1) { /* only whitespace: \s+ leaves the last one to (.+) */
            if (len - 1 - m < 2) continue;
            vs = len - 2;
        }
        *out = arena_strndup(a, p + vs, len - 1 - vs);
        size_t w = k - 1;
        while (w > 0 && ch_is_space((unsigned char)p[w - 1]))
            w--;
        *n = w;
        return;
    }
}

static const struct {
    const char *word;
    unsigned flag;
} hdr_mods[] = {
    {"raw", HMF_RAW},     {"addr", HMF_ADDR},     {"name", HMF_NAME},
    {"host", HMF_HOST},   {"domain", HMF_DOMAIN}, {"ip", HMF_IP},
    {"revip", HMF_REVIP}, {"first", HMF_FIRST},   {"last", HMF_LAST},
};

/* The modifier that decides the value, as PerMsgStatus::_get applies them. */
static enum rule_hdr_mod hmod_of(unsigned f)
{
    if (f & HMF_DOMAIN) return HM_DOMAIN;
    if (f & HMF_HOST) return HM_HOST;
    if (f & HMF_REVIP) return HM_REVIP;
    if (f & HMF_IP) return HM_IP;
    if (f & HMF_ADDR) return HM_ADDR;
    if (f & HMF_NAME) return HM_NAME;
    if (f & HMF_RAW) return HM_RAW;
    return HM_DEFAULT;
}

/* Field[:mod[:mod]] =~ /re/ [if-unset: STR] */
static const char *header_test(struct pctx *c, struct rule *t, const char *name, size_t nl,
                               const char *p, size_t n)
{
    size_t fe = 0;
    while (fe < n && (is_word((unsigned char)p[fe]) || p[fe] == '.' || p[fe] == '-'))
        fe++;
    const char *mods[2];
    size_t mod_n[2], mod_end[2];
    int nm = 0;
    size_t op = SIZE_MAX;
    if (fe > 0) {
        size_t j = fe;
        while (nm < 2 && j + 1 < n && p[j] == ':' && p[j + 1] >= 'a' && p[j + 1] <= 'z') {
            size_t k = j + 1;
            while (k < n && p[k] >= 'a' && p[k] <= 'z')
                k++;
            mods[nm] = p + j + 1;
            mod_n[nm] = k - j - 1;
            mod_end[nm++] = k;
            j = k;
        }
        for (; nm > 0; nm--)
            if ((op = op_at(p, n, mod_end[nm - 1])) != SIZE_MAX) break;
        if (op == SIZE_MAX && fe < n && p[fe] == ':') op = op_at(p, n, fe + 1);
        if (op == SIZE_MAX) op = op_at(p, n, fe);
    }
    size_t k = op == SIZE_MAX ? n : op + 2;
    while (k < n && ch_is_space((unsigned char)p[k]))
        k++;
    if (op == SIZE_MAX || k >= n)
        return fail(c, t, "%.*s: invalid header test '%.*s' (expected Header =~ /re/)",
                    SHOW(name, nl), SHOW(p, n));
    t->negate = p[op] == '!';
    t->header = arena_strndup(c->st->a, p, fe);
    unsigned flags = 0;
    for (int m = 0; m < nm; m++) {
        size_t i = 0;
        while (i < sizeof hdr_mods / sizeof hdr_mods[0] &&
               !eq_lit(mods[m], mod_n[m], hdr_mods[i].word))
            i++;
        if (i == sizeof hdr_mods / sizeof hdr_mods[0])
            return fail(c, t, "%.*s: invalid header modifier ':%.*s'", SHOW(name, nl),
                        SHOW(mods[m], mod_n[m]));
        flags |= hdr_mods[i].flag;
    }
    t->hmod_flags = flags;
    t->hmod = hmod_of(flags);
    size_t pn = n - k;
    strip_if_unset(c->st->a, p + k, &pn, &t->if_unset);
    return set_regex(c, t, name, nl, p + k, pn);
}

/* The name of a definition line; false (with a diagnostic) when absent or invalid. */
static bool def_name(struct pctx *c, const char *what, const char *v, size_t n, size_t *nl,
                     const char **d, size_t *dn)
{
    *nl = split_word(v, n, d, dn);
    if (!*nl) {
        pdiag(c, RD_ERROR, "%s: missing rule name", what);
        return false;
    }
    if (!valid_rule_name(v, *nl, RP_MAX_NAME)) {
        bad_name(c, what, v, *nl);
        return false;
    }
    return true;
}

static void def_header(struct pctx *c, const char *v, size_t n)
{
    size_t nl, dn;
    const char *d, *why = NULL;
    if (!def_name(c, "header", v, n, &nl, &d, &dn)) return;
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = RK_HEADER;
    if (!dn) {
        why = fail(c, &t, "header %.*s: missing definition", SHOW(v, nl));
    } else if (starts_lit(d, dn, "eval:") || starts_lit(d, dn, "rbleval:")) {
        bool rbl = d[0] == 'r';
        size_t off = rbl ? 8 : 5;
        why = set_eval(c, &t, v, nl, d + off, dn - off);
        if (t.status == RS_OK && (rbl || strncmp(t.eval_fn, "check_rbl", 9) == 0 ||
                                  strncmp(t.eval_fn, "check_dns", 9) == 0)) {
            t.status = RS_SKIP_NET;
            why = arena_printf(c->st->a, "%s%s(): DNS blocklist lookup (network test)",
                               rbl ? "rbleval:" : "", t.eval_fn);
        }
    } else if (starts_lit(d, dn, "exists:")) {
        const char *h = d + 7;
        size_t hn = dn - 7;
        if (hn && h[hn - 1] == ':') hn--;
        bool ok = hn > 0;
        for (size_t i = 0; i < hn; i++)
            if (!is_word((unsigned char)h[i]) && h[i] != '.' && h[i] != '-') ok = false;
        t.exists = true;
        if (ok)
            t.header = arena_strndup(c->st->a, h, hn);
        else
            why =
                fail(c, &t, "header %.*s: invalid header name in '%.*s'", SHOW(v, nl), SHOW(d, dn));
    } else {
        why = header_test(c, &t, v, nl, d, dn);
    }
    commit(c, v, nl, &t, why);
}

/* body, rawbody, full, uri: NAME /re/, or (not uri) NAME eval:fn(args) */
static void def_plain(struct pctx *c, enum rule_kind kind, const char *v, size_t n)
{
    const char *kn = rule_kind_name(kind);
    size_t nl, dn;
    const char *d, *why;
    if (!def_name(c, kn, v, n, &nl, &d, &dn)) return;
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = kind;
    if (!dn)
        why = fail(c, &t, "%s %.*s: missing pattern", kn, SHOW(v, nl));
    else if (kind != RK_URI && starts_lit(d, dn, "eval:"))
        why = set_eval(c, &t, v, nl, d + 5, dn - 5);
    else
        why = set_regex(c, &t, v, nl, d, dn);
    commit(c, v, nl, &t, why);
}

/* mimeheader NAME Field[:raw] =~ /re/ [if-unset: STR] (MIMEHeader.pm) */
static void def_mimeheader(struct pctx *c, const char *v, size_t n)
{
    size_t nl, dn;
    const char *d, *why = NULL;
    if (!def_name(c, "mimeheader", v, n, &nl, &d, &dn)) return;
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = RK_MIMEHEADER;
    size_t run = 0;
    while (run < dn && d[run] != ':' && !ch_is_space((unsigned char)d[run]))
        run++;
    size_t field = 0, op = SIZE_MAX;
    bool raw = false;
    /* [^:\s]+ backtracks: the longest field after which an operator follows */
    for (size_t e = run; e > 0 && op == SIZE_MAX; e--) {
        size_t cand[3], nc = 0;
        bool cand_raw[3] = {false, false, false};
        if (e == run && e < dn && d[e] == ':') {
            if (dn - e >= 4 && memcmp(d + e + 1, "raw", 3) == 0)
                cand_raw[nc] = true, cand[nc++] = e + 4;
            cand[nc++] = e + 1;
        }
        cand[nc++] = e;
        for (size_t i = 0; i < nc; i++) {
            size_t o = op_at(d, dn, cand[i]);
            if (o == SIZE_MAX) continue;
            size_t k = o + 2;
            while (k < dn && ch_is_space((unsigned char)d[k]))
                k++;
            if (k >= dn) continue;
            op = o;
            field = e;
            raw = cand_raw[i];
            break;
        }
    }
    if (op == SIZE_MAX) {
        why = fail(c, &t, "mimeheader %.*s: invalid test '%.*s' (expected Header =~ /re/)",
                   SHOW(v, nl), SHOW(d, dn));
    } else {
        t.negate = d[op] == '!';
        t.header = arena_strndup(c->st->a, d, field);
        t.hmod = raw ? HM_RAW : HM_DEFAULT;
        t.hmod_flags = raw ? HMF_RAW : 0;
        size_t k = op + 2;
        while (k < dn && ch_is_space((unsigned char)d[k]))
            k++;
        size_t pn = dn - k;
        strip_if_unset(c->st->a, d + k, &pn, &t.if_unset);
        why = set_regex(c, &t, v, nl, d + k, pn);
    }
    commit(c, v, nl, &t, why);
}

static void def_meta(struct pctx *c, const char *v, size_t n)
{
    size_t nl, dn;
    const char *d, *why = NULL;
    if (!def_name(c, "meta", v, n, &nl, &d, &dn)) return;
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = RK_META;
    if (!dn) {
        why = fail(c, &t, "meta %.*s: missing expression", SHOW(v, nl));
    } else {
        t.meta = arena_strndup(c->st->a, d, dn);
        char buf[256];
        const char *err = meta_check(c, d, dn, buf, sizeof buf);
        if (err)
            why = fail(c, &t, "meta %.*s: invalid expression '%.*s': %s", SHOW(v, nl), SHOW(d, dn),
                       err);
    }
    commit(c, v, nl, &t, why);
}

/* askdns NAME QUERY [TYPE [SUBTEST]] (AskDNS.pm): a DNS query, never run. */
static void def_askdns(struct pctx *c, const char *v, size_t n)
{
    size_t nl, dn;
    const char *d;
    if (!n) {
        pdiag(c, RD_ERROR, "askdns: missing value");
        return;
    }
    if (!def_name(c, "askdns", v, n, &nl, &d, &dn)) return;
    const char *ty, *sub;
    size_t tyn, subn;
    size_t qn = split_word(d, dn, &ty, &tyn);
    size_t tn = split_word(ty, tyn, &sub, &subn);
    bool ok = qn > 0;
    for (size_t i = 0; i < tn; i++)
        if (!ch_is_alnum((unsigned char)ty[i]) && ty[i] != ',') ok = false;
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = RK_HEADER;
    t.is_eval = true;
    t.eval_fn = "askdns";
    const char *why;
    if (!ok) {
        why = fail(c, &t, "askdns %.*s: invalid value '%.*s'", SHOW(v, nl), SHOW(d, dn));
    } else {
        t.eval_args = arena_alloc(c->st->a, 3 * sizeof *t.eval_args);
        t.eval_args[t.n_eval_args++] = arena_strndup(c->st->a, d, qn);
        t.eval_args[t.n_eval_args++] = tn ? arena_strndup(c->st->a, ty, tn) : "A";
        if (subn) t.eval_args[t.n_eval_args++] = arena_strndup(c->st->a, sub, subn);
        t.status = RS_SKIP_NET;
        why = "askdns: DNS query (network test)";
    }
    commit(c, v, nl, &t, why);
}

/* uri_detail (URIDetail) and uri_block_* (URILocalBL): body evals that
 * mailaudit does not implement; defined so that metas know the name. */
static void def_unsupported(struct pctx *c, const char *key, const char *fn, const char *reason,
                            const char *v, size_t n)
{
    size_t nl, dn;
    const char *d;
    if (!def_name(c, key, v, n, &nl, &d, &dn)) return;
    if (!dn) {
        pdiag(c, RD_ERROR, "%s %.*s: missing value", key, SHOW(v, nl));
        return;
    }
    struct nent *e = ent_get(c->st, v, nl, false);
    if (e && e->rule >= 0) {
        const struct rule *old = &c->rs->rules[e->rule];
        if (old->eval_fn && strcmp(old->eval_fn, fn) == 0 && old->status == RS_SKIP_UNSUPPORTED)
            return; /* several uri_block_* lines build one rule */
    }
    struct rule t;
    memset(&t, 0, sizeof t);
    t.kind = RK_BODY;
    t.is_eval = true;
    t.eval_fn = (char *)fn;
    t.status = RS_SKIP_UNSUPPORTED;
    commit(c, v, nl, &t, reason);
}

/* ---- settings kept per name ---- */

static void set_score(struct pctx *c, const char *v, size_t n)
{
    const char *w[6];
    size_t wn[6];
    int k = 0;
    const char *p = v;
    size_t left = n;
    while (left && k < 6) {
        const char *rest;
        size_t rn;
        size_t l = split_word(p, left, &rest, &rn);
        w[k] = p;
        wn[k++] = l;
        p = rest;
        left = rn;
    }
    if (left || (k != 2 && k != 5)) {
        pdiag(c, RD_ERROR, "score: expected a rule name and 1 or 4 scores: '%.*s'", SHOW(v, n));
        return;
    }
    int nv = k - 1;
    double val[4];
    bool relative = false;
    for (int i = 0; i < nv; i++) {
        const char *s = w[i + 1];
        size_t sn = wn[i + 1];
        if (sn >= 2 && s[0] == '(' && s[sn - 1] == ')' && is_decimal(s + 1, sn - 2, false, false)) {
            relative = true;
            s++;
            sn -= 2;
        }
        if (!is_decimal(s, sn, false, false)) {
            pdiag(c, RD_ERROR, "score %.*s: '%.*s' is not a number", SHOW(w[0], wn[0]),
                  SHOW(w[i + 1], wn[i + 1]));
            return;
        }
        val[i] = parse_decimal(s, sn);
    }
    struct nent *e = ent_get(c->st, w[0], wn[0], true);
    if (relative && !e->n_scores) {
        pdiag(c, RD_ERROR, "score %.*s: relative score without an earlier score",
              SHOW(w[0], wn[0]));
        return;
    }
    for (int i = 0; i < 4; i++) {
        double x = val[nv == 4 ? i : 0];
        e->scores[i] = relative ? e->scores[i] + x : x;
    }
    e->n_scores = nv;
    e->score_file = c->file;
    e->score_line = c->line;
}

/* describe / tflags / priority / replace_*: "NAME VALUE", VALUE required. */
static bool name_value(struct pctx *c, const char *key, const char *v, size_t n, size_t *nl,
                       const char **val, size_t *vn)
{
    *nl = split_word(v, n, val, vn);
    if (!*nl || !*vn) {
        pdiag(c, RD_ERROR, "%s: missing value%s%.*s", key, *nl ? " for " : "", SHOW(v, *nl));
        return false;
    }
    return true;
}

static void set_describe(struct pctx *c, const char *v, size_t n)
{
    size_t nl, vn;
    const char *val;
    if (!name_value(c, "describe", v, n, &nl, &val, &vn)) return;
    struct nent *e = ent_get(c->st, v, nl, true);
    e->describe = arena_strndup(c->st->a, val, vn);
    e->describe_file = c->file;
    e->describe_line = c->line;
}

static const struct {
    const char *word;
    unsigned flag;
} tflag_words[] = {
    {"multiple", TF_MULTIPLE},
    {"nosubject", TF_NOSUBJECT},
    {"nice", TF_NICE},
    {"net", TF_NET},
    {"learn", TF_LEARN},
    {"userconf", TF_USERCONF},
    {"noautolearn", TF_NOAUTOLEARN},
    {"publish", TF_PUBLISH},
    {"nolog", TF_NOLOG},
    {"autolearn_body", TF_AUTOLEARN_BODY},
    {"autolearn_header", TF_AUTOLEARN_HEADER},
    {"autolearn_force", TF_AUTOLEARN_FORCE},
    {"domains_only", TF_DOMAINS_ONLY},
    {"a", TF_A},
    {"ns", TF_NS},
    {"ips_only", TF_IPS_ONLY},
    {"notrim", TF_NOTRIM},
    {"grace", TF_GRACE},
    {"noawl", TF_NOAWL},
    {"concat", TF_CONCAT},
};

static void set_tflags(struct pctx *c, const char *v, size_t n)
{
    size_t nl, vn;
    const char *val;
    if (!name_value(c, "tflags", v, n, &nl, &val, &vn)) return;
    unsigned flags = 0;
    int maxhits = 0;
    while (vn) {
        const char *rest;
        size_t rn;
        size_t l = split_word(val, vn, &rest, &rn);
        size_t i = 0;
        while (i < sizeof tflag_words / sizeof tflag_words[0] &&
               !eq_lit(val, l, tflag_words[i].word))
            i++;
        if (i < sizeof tflag_words / sizeof tflag_words[0]) {
            flags |= tflag_words[i].flag;
        } else if (starts_lit(val, l, "maxhits=")) {
            int m;
            if (l > 8 && ch_is_digit((unsigned char)val[8]) && parse_int(val + 8, l - 8, &m))
                maxhits = m;
            else
                pdiag(c, RD_WARNING, "tflags %.*s: invalid '%.*s'", SHOW(v, nl), SHOW(val, l));
        } else if (starts_lit(val, l, "range=")) {
            size_t j = 6;
            while (j < l && ch_is_digit((unsigned char)val[j]))
                j++;
            if (j < l && val[j] == '-') j++;
            while (j < l && ch_is_digit((unsigned char)val[j]))
                j++;
            if (j == l)
                flags |= TF_RANGE;
            else
                pdiag(c, RD_WARNING, "tflags %.*s: invalid '%.*s'", SHOW(v, nl), SHOW(val, l));
        } else {
            pdiag(c, RD_WARNING, "tflags %.*s: unknown flag '%.*s'", SHOW(v, nl), SHOW(val, l));
        }
        val = rest;
        vn = rn;
    }
    struct nent *e = ent_get(c->st, v, nl, true);
    e->has_tflags = true;
    e->tflags = flags;
    e->maxhits = maxhits;
}

static void set_priority(struct pctx *c, const char *v, size_t n)
{
    size_t nl, vn;
    const char *val;
    if (!name_value(c, "priority", v, n, &nl, &val, &vn)) return;
    int pr;
    if (!valid_rule_name(v, nl, RP_MAX_RULENAME)) {
        bad_name(c, "priority", v, nl);
        return;
    }
    if (!parse_int(val, vn, &pr)) {
        pdiag(c, RD_ERROR, "priority %.*s: '%.*s' is not an integer", SHOW(v, nl), SHOW(val, vn));
        return;
    }
    struct nent *e = ent_get(c->st, v, nl, true);
    e->has_priority = true;
    e->priority = pr;
}

/* ---- other settings ---- */

static void add_plugin(struct ruleset *rs, const char *name, size_t n)
{
    struct rp *st = rs->priv;
    char nm[256];
    snprintf(nm, sizeof nm, "%.*s", (int)(n < 255 ? n : 255), name);
    if (strcmp(nm, PLUGIN("Dmarc")) == 0) snprintf(nm, sizeof nm, "%s", PLUGIN("DMARC"));
    if (strcmp(nm, PLUGIN("WhiteListSubject")) == 0)
        snprintf(nm, sizeof nm, "%s", PLUGIN("WelcomeListSubject"));
    if (ruleset_plugin_loaded(rs, nm)) return;
    rs->plugins = xgrow(rs->plugins, &st->cap_plugins, rs->n_plugins + 1, sizeof *rs->plugins);
    rs->plugins[rs->n_plugins++] =
        (char *)smap_put(&st->plugin_set, st->a, nm, strlen(nm), (void *)1);
}

static void do_loadplugin(struct pctx *c, const char *key, bool try_only, const char *v, size_t n)
{
    const char *path;
    size_t pn;
    size_t l = split_word(v, n, &path, &pn);
    bool ok = l > 0 && class_name_ok(v, l);
    if (pn) { /* an optional path ending in .pm */
        const char *r;
        size_t rn;
        size_t w = split_word(path, pn, &r, &rn);
        ok = ok && !rn && w > 3 && str_eq_ci(path + w - 3, 3, ".pm");
    }
    if (!ok) {
        pdiag(c, RD_ERROR, "%s: invalid value '%.*s'", key, SHOW(v, n));
        return;
    }
    if (try_only) {
        static const char pre[] = PLUGIN("");
        bool shipped = false;
        if (starts_lit(v, l, pre))
            for (size_t i = 0; i < sizeof shipped_plugins / sizeof shipped_plugins[0]; i++)
                if (eq_lit(v + sizeof pre - 1, l - (sizeof pre - 1), shipped_plugins[i]))
                    shipped = true;
        if (!shipped) return;
    }
    add_plugin(c->rs, v, l);
}

static void do_require_version(struct pctx *c, const char *v, size_t n)
{
    if (!n) {
        pdiag(c, RD_ERROR, "require_version: missing value");
        return;
    }
    if (eq_lit(v, n, "@@VERSION@@") || eq_lit(v, n, SA_VERSION_TEXT)) return;
    pdiag(c, RD_WARNING,
          "require_version %.*s: this is SpamAssassin %s as mailaudit reads rules; the rest of "
          "the file is skipped",
          SHOW(v, n), SA_VERSION_TEXT);
    c->skip = true;
}

static void do_required_score(struct pctx *c, const char *v, size_t n)
{
    if (!is_decimal(v, n, true, true)) {
        pdiag(c, RD_ERROR, "required_score: '%.*s' is not a number", SHOW(v, n));
        return;
    }
    c->rs->required_score = parse_decimal(v, n);
}

static void do_tag_setting(struct pctx *c, const char *key, int which, const char *v, size_t n)
{
    size_t nl, vn;
    const char *val;
    if (!name_value(c, key, v, n, &nl, &val, &vn)) return;
    smap_put(&c->st->tags[which], c->st->a, v, nl, arena_strndup(c->st->a, val, vn));
}

static void do_replace_rules(struct pctx *c, const char *v, size_t n)
{
    if (!n) {
        pdiag(c, RD_ERROR, "replace_rules: missing value");
        return;
    }
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        ent_get(c->st, v, l, true)->replace = true;
        v = rest;
        n = rn;
    }
}

static void do_freemail(struct pctx *c, const char *v, size_t n)
{
    struct ruleset *rs = c->rs;
    struct rp *st = c->st;
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        bool ok = true;
        for (size_t i = 0; i < l; i++)
            if (!ch_is_alnum((unsigned char)v[i]) && !strchr(".*?-", v[i])) ok = false;
        if (!ok) {
            pdiag(c, RD_WARNING, "freemail_domains: invalid domain '%.*s'", SHOW(v, l));
        } else if (!smap_get(&st->freemail, v, l)) {
            char *d = arena_strndup(st->a, v, l);
            str_lower(d, l);
            if (!smap_get(&st->freemail, d, l)) {
                smap_put(&st->freemail, st->a, d, l, d);
                smap_put(&st->freemail, st->a, v, l, d);
                rs->freemail_domains = xgrow(rs->freemail_domains, &st->cap_freemail,
                                             rs->n_freemail + 1, sizeof *rs->freemail_domains);
                rs->freemail_domains[rs->n_freemail++] = d;
            }
        }
        v = rest;
        n = rn;
    }
}

static void do_url_shortener(struct pctx *c, const char *key, bool clear, const char *v, size_t n)
{
    struct rp *st = c->st;
    if (!n) {
        if (clear) {
            for (size_t i = 0; i < st->n_short; i++)
                st->short_on[i] = false;
            return;
        }
        pdiag(c, RD_ERROR, "%s: missing value", key);
        return;
    }
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        char *d = arena_strndup(st->a, v, l);
        str_lower(d, l);
        size_t idx = (size_t)(uintptr_t)smap_get(&st->shortener, d, l);
        if (idx) {
            st->short_on[idx - 1] = !clear;
        } else if (!clear) {
            st->short_v = xgrow(st->short_v, &st->cap_short, st->n_short + 1, sizeof *st->short_v);
            st->short_on =
                xgrow(st->short_on, &st->cap_short_on, st->n_short + 1, sizeof *st->short_on);
            st->short_v[st->n_short] = d;
            st->short_on[st->n_short++] = true;
            smap_put(&st->shortener, st->a, d, l, (void *)(uintptr_t)st->n_short);
        }
        v = rest;
        n = rn;
    }
}

/* ---- list settings ----
 * SpamAssassin keeps each of these lists as a hash (Conf/Parser.pm
 * add_to_addrlist, add_to_addrlist_rcvd, remove_from_addrlist*; the
 * uri_host_lists of enlist_uri_host): an entry is there once, a later
 * removal deletes it by its key, a later add brings it back. Entries keep
 * the order in which they first came. The names and the entry formats are
 * those of rules.h (struct rule_list). Not reproduced: SpamAssassin keeps
 * `enlist_addrlist (NAME)` in the same namespace as its settings, so NAME
 * "welcomelist_from" would extend that list; here it is always
 * "enlist_addrlist:NAME". */

enum lop {
    LO_ADD,         /* addresses (globs), one per token */
    LO_DEL,         /* remove addresses from list and list2 */
    LO_RCVD_ADD,    /* "ADDR DOMAIN": exactly two tokens */
    LO_RCVD_DEL,    /* remove every entry of each ADDR from list and list2 */
    LO_DKIM_ADD,    /* "ADDR [SDID]" */
    LO_DKIM_DEL,    /* remove "ADDR [SDID]" from list and list2 */
    LO_ENLIST_ADDR, /* (NAME) addresses */
    LO_ENLIST_URI,  /* (NAME) hosts, "!host" negated */
    LO_URI_HOST,    /* hosts into one fixed enlist_uri_host list */
    LO_DELIST_URI,  /* [(NAME)] hosts: removed from that list or from all */
    LO_SUBJECT,     /* the whole value is one entry */
    LO_FREEMAIL_WL, /* addresses or domains */
    LO_RB,          /* util_rb_*: domains of exactly `dots` dots */
    LO_RB_CLEAR,    /* clear_util_rb */
};

struct list_directive {
    const char *key;
    enum lop op;
    const char *list, *list2; /* list2: a second list the removal applies to */
    int dots;
};

#define LIST_URI "enlist_uri_host:"
#define LIST_ADDR "enlist_addrlist:"

/* Sorted by key (bsearch). The whitelist/blacklist spellings are
 * SpamAssassin 4.0's aliases of the welcomelist/blocklist ones. */
static const struct list_directive list_directives[] = {
    {"all_spam_to", LO_ADD, "all_spam_to", NULL, 0},
    {"blacklist_from", LO_ADD, "blocklist_from", NULL, 0},
    {"blacklist_subject", LO_SUBJECT, "blocklist_subject", NULL, 0},
    {"blacklist_to", LO_ADD, "blocklist_to", NULL, 0},
    {"blacklist_uri_host", LO_URI_HOST, LIST_URI "BLOCK", NULL, 0},
    {"blocklist_from", LO_ADD, "blocklist_from", NULL, 0},
    {"blocklist_subject", LO_SUBJECT, "blocklist_subject", NULL, 0},
    {"blocklist_to", LO_ADD, "blocklist_to", NULL, 0},
    {"blocklist_uri_host", LO_URI_HOST, LIST_URI "BLOCK", NULL, 0},
    {"clear_util_rb", LO_RB_CLEAR, NULL, NULL, 0},
    {"def_welcomelist_auth", LO_ADD, "def_welcomelist_auth", NULL, 0},
    {"def_welcomelist_from_dkim", LO_DKIM_ADD, "def_welcomelist_from_dkim", NULL, 0},
    {"def_welcomelist_from_rcvd", LO_RCVD_ADD, "def_welcomelist_from_rcvd", NULL, 0},
    {"def_welcomelist_from_spf", LO_ADD, "def_welcomelist_from_spf", NULL, 0},
    {"def_whitelist_auth", LO_ADD, "def_welcomelist_auth", NULL, 0},
    {"def_whitelist_from_dkim", LO_DKIM_ADD, "def_welcomelist_from_dkim", NULL, 0},
    {"def_whitelist_from_rcvd", LO_RCVD_ADD, "def_welcomelist_from_rcvd", NULL, 0},
    {"def_whitelist_from_spf", LO_ADD, "def_welcomelist_from_spf", NULL, 0},
    {"delist_uri_host", LO_DELIST_URI, NULL, NULL, 0},
    {"enlist_addrlist", LO_ENLIST_ADDR, NULL, NULL, 0},
    {"enlist_uri_host", LO_ENLIST_URI, NULL, NULL, 0},
    {"freemail_welcomelist", LO_FREEMAIL_WL, "freemail_welcomelist", NULL, 0},
    {"freemail_whitelist", LO_FREEMAIL_WL, "freemail_welcomelist", NULL, 0},
    {"more_spam_to", LO_ADD, "more_spam_to", NULL, 0},
    {"unblacklist_from", LO_DEL, "blocklist_from", NULL, 0},
    {"unblocklist_from", LO_DEL, "blocklist_from", NULL, 0},
    {"unwelcomelist_auth", LO_DEL, "welcomelist_auth", "def_welcomelist_auth", 0},
    {"unwelcomelist_from", LO_DEL, "welcomelist_from", NULL, 0},
    {"unwelcomelist_from_dkim", LO_DKIM_DEL, "welcomelist_from_dkim", "def_welcomelist_from_dkim",
     0},
    {"unwelcomelist_from_rcvd", LO_RCVD_DEL, "welcomelist_from_rcvd", "def_welcomelist_from_rcvd",
     0},
    {"unwelcomelist_from_spf", LO_DEL, "welcomelist_from_spf", "def_welcomelist_from_spf", 0},
    {"unwhitelist_auth", LO_DEL, "welcomelist_auth", "def_welcomelist_auth", 0},
    {"unwhitelist_from", LO_DEL, "welcomelist_from", NULL, 0},
    {"unwhitelist_from_dkim", LO_DKIM_DEL, "welcomelist_from_dkim", "def_welcomelist_from_dkim", 0},
    {"unwhitelist_from_rcvd", LO_RCVD_DEL, "welcomelist_from_rcvd", "def_welcomelist_from_rcvd", 0},
    {"unwhitelist_from_spf", LO_DEL, "welcomelist_from_spf", "def_welcomelist_from_spf", 0},
    {"util_rb_2tld", LO_RB, "util_rb_2tld", NULL, 1},
    {"util_rb_3tld", LO_RB, "util_rb_3tld", NULL, 2},
    {"util_rb_tld", LO_RB, "util_rb_tld", NULL, 0},
    {"welcomelist_allows_relays", LO_ADD, "welcomelist_allows_relays", NULL, 0},
    {"welcomelist_auth", LO_ADD, "welcomelist_auth", NULL, 0},
    {"welcomelist_bounce_relays", LO_ADD, "welcomelist_bounce_relays", NULL, 0},
    {"welcomelist_from", LO_ADD, "welcomelist_from", NULL, 0},
    {"welcomelist_from_dkim", LO_DKIM_ADD, "welcomelist_from_dkim", NULL, 0},
    {"welcomelist_from_rcvd", LO_RCVD_ADD, "welcomelist_from_rcvd", NULL, 0},
    {"welcomelist_from_spf", LO_ADD, "welcomelist_from_spf", NULL, 0},
    {"welcomelist_subject", LO_SUBJECT, "welcomelist_subject", NULL, 0},
    {"welcomelist_to", LO_ADD, "welcomelist_to", NULL, 0},
    {"welcomelist_uri_host", LO_URI_HOST, LIST_URI "WELCOME", NULL, 0},
    {"whitelist_allows_relays", LO_ADD, "welcomelist_allows_relays", NULL, 0},
    {"whitelist_auth", LO_ADD, "welcomelist_auth", NULL, 0},
    {"whitelist_bounce_relays", LO_ADD, "welcomelist_bounce_relays", NULL, 0},
    {"whitelist_from", LO_ADD, "welcomelist_from", NULL, 0},
    {"whitelist_from_dkim", LO_DKIM_ADD, "welcomelist_from_dkim", NULL, 0},
    {"whitelist_from_rcvd", LO_RCVD_ADD, "welcomelist_from_rcvd", NULL, 0},
    {"whitelist_from_spf", LO_ADD, "welcomelist_from_spf", NULL, 0},
    {"whitelist_subject", LO_SUBJECT, "welcomelist_subject", NULL, 0},
    {"whitelist_to", LO_ADD, "welcomelist_to", NULL, 0},
    {"whitelist_uri_host", LO_URI_HOST, LIST_URI "WELCOME", NULL, 0},
};

static const struct list_directive *find_list_directive(const char *key)
{
    size_t lo = 0, hi = sizeof list_directives / sizeof list_directives[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(key, list_directives[mid].key);
        if (r == 0) return &list_directives[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The list named (name, n), as an index into st->plists; created when
 * asked, else SIZE_MAX when absent. */
static size_t plist_find(struct rp *st, const char *name, size_t n, bool create)
{
    size_t idx = (size_t)(uintptr_t)smap_get(&st->list_idx, name, n);
    if (idx) return idx - 1;
    if (!create) return SIZE_MAX;
    st->plists = xgrow(st->plists, &st->cap_plists, st->n_plists + 1, sizeof *st->plists);
    struct plist *L = &st->plists[st->n_plists];
    memset(L, 0, sizeof *L);
    L->name = smap_put(&st->list_idx, st->a, name, n, (void *)(uintptr_t)(st->n_plists + 1));
    return st->n_plists++;
}

/* Add entry (e, n); a "pair" entry ("ADDR REST") is also chained under its
 * address, the first addr_n bytes, for removal by address. */
static void plist_add(struct rp *st, size_t li, const char *e, size_t n, size_t addr_n)
{
    struct plist *L = &st->plists[li];
    size_t idx = (size_t)(uintptr_t)smap_get(&L->idx, e, n);
    if (idx) {
        if (!L->on[idx - 1]) {
            L->on[idx - 1] = true;
            L->n_on++;
        }
        return;
    }
    L->v = xgrow(L->v, &L->cap_v, L->n + 1, sizeof *L->v);
    L->on = xgrow(L->on, &L->cap_on, L->n + 1, sizeof *L->on);
    L->next = xgrow(L->next, &L->cap_next, L->n + 1, sizeof *L->next);
    L->v[L->n] = smap_put(&L->idx, st->a, e, n, (void *)(uintptr_t)(L->n + 1));
    L->on[L->n] = true;
    L->next[L->n] = 0;
    if (addr_n) {
        L->next[L->n] = (size_t)(uintptr_t)smap_get(&L->by_addr, e, addr_n);
        smap_put(&L->by_addr, st->a, e, addr_n, (void *)(uintptr_t)(L->n + 1));
    }
    L->n++;
    L->n_on++;
}

static void plist_del(struct rp *st, size_t li, const char *e, size_t n)
{
    if (li == SIZE_MAX) return;
    struct plist *L = &st->plists[li];
    size_t idx = (size_t)(uintptr_t)smap_get(&L->idx, e, n);
    if (idx && L->on[idx - 1]) {
        L->on[idx - 1] = false;
        L->n_on--;
    }
}

/* Remove every entry of a pair list whose address is (addr, n). */
static void plist_del_addr(struct rp *st, size_t li, const char *addr, size_t n)
{
    if (li == SIZE_MAX) return;
    struct plist *L = &st->plists[li];
    for (size_t idx = (size_t)(uintptr_t)smap_get(&L->by_addr, addr, n); idx;
         idx = L->next[idx - 1])
        if (L->on[idx - 1]) {
            L->on[idx - 1] = false;
            L->n_on--;
        }
}

/* A lowercased copy of (p, n) in the scratch buffer, at offset `at`. */
static char *scratch_lower(struct rp *st, size_t at, const char *p, size_t n)
{
    st->scratch = xgrow(st->scratch, &st->cap_scratch, at + n + 1, 1);
    for (size_t i = 0; i < n; i++)
        st->scratch[at + i] = (char)ch_lower((unsigned char)p[i]);
    st->scratch[at + n] = 0;
    return st->scratch;
}

/* Each whitespace-separated token of (v, n), lowercased, added to or
 * removed from list li (and li2). */
static void tokens_apply(struct rp *st, const char *v, size_t n, size_t li, size_t li2, bool add)
{
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        char *t = scratch_lower(st, 0, v, l);
        if (add) {
            plist_add(st, li, t, l, 0);
        } else {
            plist_del(st, li, t, l);
            plist_del(st, li2, t, l);
        }
        v = rest;
        n = rn;
    }
}

/* "(NAME) REST" as SpamAssassin matches it (/^\((.+?)\)\s+(.+)\z/s): the
 * shortest non-empty NAME followed by ')' and whitespace. */
static bool paren_name(const char *v, size_t n, const char **name, size_t *name_n,
                       const char **rest, size_t *rest_n)
{
    if (n < 2 || v[0] != '(') return false;
    for (size_t i = 2; i + 1 < n; i++) {
        if (v[i] != ')' || !ch_is_space((unsigned char)v[i + 1])) continue;
        size_t r = i + 1;
        while (r < n && ch_is_space((unsigned char)v[r]))
            r++;
        if (r == n) continue;
        *name = v + 1;
        *name_n = i - 1;
        *rest = v + r;
        *rest_n = n - r;
        return true;
    }
    return false;
}

/* The list "PREFIX" + (name, n), created when asked. */
static size_t plist_prefixed(struct rp *st, const char *prefix, const char *name, size_t n,
                             bool create)
{
    size_t pl = strlen(prefix);
    char *buf = xmalloc(pl + n + 1);
    memcpy(buf, prefix, pl);
    memcpy(buf + pl, name, n);
    buf[pl + n] = 0;
    size_t li = plist_find(st, buf, pl + n, create);
    free(buf);
    return li;
}

/* enlist_uri_host / blocklist_uri_host / welcomelist_uri_host: each host,
 * lowercased, "!host" for a negated one; it replaces the opposite entry
 * (SpamAssassin keeps one value per host). */
static void uri_hosts_add(struct rp *st, size_t li, const char *v, size_t n)
{
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        char *t = scratch_lower(st, 1, v, l);
        t[0] = '!';
        /* t: "!" + token; with a '!' token "!!host": the host itself is t + 1 */
        bool neg = t[1] == '!';
        const char *pos = neg ? t + 2 : t + 1; /* the host */
        size_t hl = neg ? l - 1 : l;
        if (neg) {
            plist_del(st, li, pos, hl);
            plist_add(st, li, t + 1, hl + 1, 0); /* "!host" */
        } else {
            plist_del(st, li, t, hl + 1);
            plist_add(st, li, pos, hl, 0);
        }
        v = rest;
        n = rn;
    }
}

/* delist_uri_host [(NAME)] hosts: each host ('!' dropped) leaves the list,
 * whichever its polarity. */
static void uri_hosts_del(struct rp *st, size_t li, const char *v, size_t n)
{
    if (li == SIZE_MAX) return;
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        char *t = scratch_lower(st, 1, v, l);
        t[0] = '!';
        bool neg = t[1] == '!';
        const char *host = neg ? t + 2 : t + 1;
        size_t hl = neg ? l - 1 : l;
        plist_del(st, li, host, hl);
        plist_del(st, li, host - 1, hl + 1); /* "!host": host - 1 is a '!' */
        v = rest;
        n = rn;
    }
}

/* util_rb_tld/2tld/3tld: every token has exactly `dots` dots and no empty
 * label (SpamAssassin rejects the whole line otherwise). */
static bool rb_valid(const char *v, size_t n, int dots)
{
    while (n) {
        const char *rest;
        size_t rn;
        size_t l = split_word(v, n, &rest, &rn);
        int d = 0;
        for (size_t i = 0; i < l; i++) {
            if (v[i] != '.') continue;
            if (i == 0 || i + 1 == l || v[i + 1] == '.') return false;
            d++;
        }
        if (d != dots) return false;
        v = rest;
        n = rn;
    }
    return true;
}

/* Perl's /\w[.@]\w/ (FreeMail's check of a freemail_welcomelist entry) */
static bool wl_entry_ok(const char *t, size_t l)
{
    for (size_t i = 1; i + 1 < l; i++)
        if ((t[i] == '.' || t[i] == '@') && is_word((unsigned char)t[i - 1]) &&
            is_word((unsigned char)t[i + 1]))
            return true;
    return false;
}

static void do_list(struct pctx *c, const char *key, const char *v, size_t n)
{
    struct rp *st = c->st;
    const struct list_directive *ld = find_list_directive(key);
    if (!ld) return; /* the two tables disagree: cannot happen */
    size_t li = ld->list ? plist_find(st, ld->list, strlen(ld->list), false) : SIZE_MAX;
    size_t li2 = ld->list2 ? plist_find(st, ld->list2, strlen(ld->list2), false) : SIZE_MAX;
    bool needs_value = ld->op != LO_URI_HOST && ld->op != LO_SUBJECT && ld->op != LO_FREEMAIL_WL &&
                       ld->op != LO_RB_CLEAR;
    if (!n && needs_value) {
        pdiag(c, RD_ERROR, "%s: missing value", key);
        return;
    }
    /* token count, for the forms that take one or two */
    size_t n_tok = 0;
    const char *w2 = NULL;
    size_t w1n = 0, w2n = 0;
    for (const char *p = v, *rest; (size_t)(p - v) < n; p = rest) {
        size_t rn;
        size_t l = split_word(p, n - (size_t)(p - v), &rest, &rn);
        if (n_tok == 0) w1n = l;
        if (n_tok == 1) {
            w2 = p;
            w2n = l;
        }
        n_tok++;
    }
    switch (ld->op) {
    case LO_ADD:
        tokens_apply(st, v, n, plist_find(st, ld->list, strlen(ld->list), true), SIZE_MAX, true);
        break;
    case LO_DEL:
        tokens_apply(st, v, n, li, li2, false);
        break;
    case LO_RCVD_ADD:
    case LO_DKIM_ADD:
    case LO_DKIM_DEL: {
        bool rcvd = ld->op == LO_RCVD_ADD;
        if (rcvd ? n_tok != 2 : n_tok > 2) {
            pdiag(c, RD_ERROR, "%s: invalid value '%.*s' (%s)", key, SHOW(v, n),
                  rcvd ? "ADDRESS DOMAIN expected" : "ADDRESS [SIGNING-DOMAIN] expected");
            return;
        }
        scratch_lower(st, 0, v, w1n);
        size_t len = w1n;
        if (w2) {
            st->scratch[len++] = ' ';
            scratch_lower(st, len, w2, w2n);
            len += w2n;
        }
        if (ld->op == LO_DKIM_DEL) {
            plist_del(st, li, st->scratch, len);
            plist_del(st, li2, st->scratch, len);
        } else {
            plist_add(st, plist_find(st, ld->list, strlen(ld->list), true), st->scratch, len, w1n);
        }
        break;
    }
    case LO_RCVD_DEL:
        while (n) {
            const char *rest;
            size_t rn;
            size_t l = split_word(v, n, &rest, &rn);
            char *t = scratch_lower(st, 0, v, l);
            plist_del_addr(st, li, t, l);
            plist_del_addr(st, li2, t, l);
            v = rest;
            n = rn;
        }
        break;
    case LO_ENLIST_ADDR:
    case LO_ENLIST_URI: {
        const char *name, *rest;
        size_t name_n, rn;
        if (!paren_name(v, n, &name, &name_n, &rest, &rn)) {
            pdiag(c, RD_ERROR, "%s: missing value ('(LISTNAME) entries...' expected)", key);
            return;
        }
        bool uri = ld->op == LO_ENLIST_URI;
        size_t l = plist_prefixed(st, uri ? LIST_URI : LIST_ADDR, name, name_n, true);
        if (uri)
            uri_hosts_add(st, l, rest, rn);
        else
            tokens_apply(st, rest, rn, l, SIZE_MAX, true);
        break;
    }
    case LO_URI_HOST:
        if (n) uri_hosts_add(st, plist_find(st, ld->list, strlen(ld->list), true), v, n);
        break;
    case LO_DELIST_URI: {
        const char *name, *rest;
        size_t name_n, rn;
        if (paren_name(v, n, &name, &name_n, &rest, &rn)) {
            uri_hosts_del(st, plist_prefixed(st, LIST_URI, name, name_n, false), rest, rn);
        } else {
            for (size_t i = 0; i < st->n_plists; i++)
                if (strncmp(st->plists[i].name, LIST_URI, strlen(LIST_URI)) == 0)
                    uri_hosts_del(st, i, v, n);
        }
        break;
    }
    case LO_SUBJECT:
        scratch_lower(st, 0, v, n);
        plist_add(st, plist_find(st, ld->list, strlen(ld->list), true), st->scratch, n, 0);
        break;
    case LO_FREEMAIL_WL:
        while (n) {
            const char *rest;
            size_t rn;
            size_t l = split_word(v, n, &rest, &rn);
            if (wl_entry_ok(v, l)) {
                char *t = scratch_lower(st, 0, v, l);
                plist_add(st, plist_find(st, ld->list, strlen(ld->list), true), t, l, 0);
            } else {
                pdiag(c, RD_WARNING, "%s: invalid entry '%.*s'", key, SHOW(v, l));
            }
            v = rest;
            n = rn;
        }
        break;
    case LO_RB:
        if (!rb_valid(v, n, ld->dots)) {
            pdiag(c, RD_ERROR, "%s: invalid value '%.*s' (domains of %d label%s expected)", key,
                  SHOW(v, n), ld->dots + 1, ld->dots ? "s" : "");
            return;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)v[i] >= 0x80) {
                pdiag(c, RD_INFO, "%s: non-ASCII entries are kept as written (no IDNA conversion)",
                      key);
                break;
            }
        tokens_apply(st, v, n, plist_find(st, ld->list, strlen(ld->list), true), SIZE_MAX, true);
        break;
    case LO_RB_CLEAR:
        if (n) {
            pdiag(c, RD_ERROR, "%s: takes no value", key);
            return;
        }
        for (size_t i = 0; i < st->n_plists; i++) {
            struct plist *L = &st->plists[i];
            if (strcmp(L->name, "util_rb_tld") && strcmp(L->name, "util_rb_2tld") &&
                strcmp(L->name, "util_rb_3tld"))
                continue;
            for (size_t k = 0; k < L->n; k++)
                L->on[k] = false;
            L->n_on = 0;
        }
        break;
    }
}

/* uridnsbl NAME ZONE TYPE / urirhssub NAME ZONE TYPE SUBTEST (URIDNSBL.pm) */
static void do_uridnsbl(struct pctx *c, const char *key, bool sub, const char *v, size_t n)
{
    const char *w[4];
    size_t wn[4];
    int k = 0;
    const char *p = v;
    size_t left = n;
    while (left && k < 4) {
        const char *rest;
        size_t rn;
        w[k] = p;
        wn[k++] = split_word(p, left, &rest, &rn);
        p = rest;
        left = rn;
        if (sub && k == 3) {
            w[k] = p;
            wn[k++] = left;
            left = 0;
        }
    }
    bool ok = sub ? (k == 4 && wn[3] > 0) : (k == 3 && !left);
    for (size_t i = 0; ok && i < wn[0]; i++)
        if (!is_word((unsigned char)w[0][i])) ok = false;
    if (!ok) {
        pdiag(c, RD_ERROR, "%s: %s value '%.*s'", key, n ? "invalid" : "missing", SHOW(v, n));
        return;
    }
    struct nent *e = ent_get(c->st, w[0], wn[0], true);
    e->dnsbl = key;
}

/* ---- conditionals ---- */

static void cond_push(struct pctx *c, bool value, bool is_plugin)
{
    c->conds = xgrow(c->conds, &c->cap_conds, c->n_conds + 1, sizeof *c->conds);
    c->conds[c->n_conds++] = (struct cond){c->line, c->skip, is_plugin};
    if (c->skip) c->n_skip_before++;
    if (!value) c->skip = true;
}

static void do_if(struct pctx *c, bool is_plugin, const char *v, size_t n)
{
    if (!n) {
        pdiag(c, RD_ERROR, "%s: missing condition", is_plugin ? "ifplugin" : "if");
        cond_push(c, false, is_plugin);
        return;
    }
    if (c->skip) { /* not evaluated: the block is skipped anyway */
        cond_push(c, false, is_plugin);
        return;
    }
    bool value;
    if (is_plugin) {
        size_t len = n + 8;
        char *e = xmalloc(len + 1);
        snprintf(e, len + 1, "plugin(%.*s)", (int)n, v);
        value = cond_eval(c, e, len);
        free(e);
    } else {
        value = cond_eval(c, v, n);
    }
    cond_push(c, value, is_plugin);
}

static void do_else(struct pctx *c, size_t n)
{
    if (n) {
        pdiag(c, RD_ERROR, "else: must stand alone");
        return;
    }
    if (!c->n_conds) {
        pdiag(c, RD_ERROR, "else without if");
        return;
    }
    /* SpamAssassin: skipped if any open block was entered while skipping */
    c->skip = c->n_skip_before ? true : !c->skip;
}

static void do_endif(struct pctx *c, size_t n)
{
    if (n) {
        pdiag(c, RD_ERROR, "endif: must stand alone");
        return;
    }
    if (!c->n_conds) {
        pdiag(c, RD_ERROR, "endif without if");
        return;
    }
    c->skip = c->conds[--c->n_conds].skip_before;
    if (c->skip) c->n_skip_before--;
}

/* ---- lines and files ---- */

static bool load_file(struct ruleset *rs, const char *path, int depth, const char *from_file,
                      int from_line);

static void do_include(struct pctx *c, const char *v, size_t n)
{
    if (!n) {
        pdiag(c, RD_ERROR, "include: missing file name");
        return;
    }
    if (!c->includes) {
        pdiag(c, RD_WARNING, "include %.*s: ignored (no file to resolve it against)", SHOW(v, n));
        return;
    }
    if (c->depth >= RULES_MAX_INCLUDE) {
        pdiag(c, RD_ERROR, "include %.*s: includes nested more than %d deep", SHOW(v, n),
              RULES_MAX_INCLUDE);
        return;
    }
    size_t dl = 0;
    if (v[0] != '/') {
        const char *slash = strrchr(c->file, '/');
        if (slash) dl = (size_t)(slash - c->file) + 1;
    }
    char *path = xmalloc(dl + n + 1);
    memcpy(path, c->file, dl);
    memcpy(path + dl, v, n);
    path[dl + n] = 0;
    load_file(c->rs, path, c->depth + 1, c->file, c->line);
    free(path);
}

static const struct directive *find_directive(const char *key)
{
    size_t lo = 0, hi = sizeof directives / sizeof directives[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int r = strcmp(key, directives[mid].name);
        if (r == 0) return &directives[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* bayes_stopword_XX (Bayes.pm) and hashbl_acl_NAME (HashBL.pm) */
static bool is_pattern_setting(const char *key)
{
    size_t n = strlen(key);
    if (n == 17 && strncmp(key, "bayes_stopword_", 15) == 0)
        return ch_is_alpha((unsigned char)key[15]) && ch_is_alpha((unsigned char)key[16]);
    if (n > 11 && n <= 43 && strncmp(key, "hashbl_acl_", 11) == 0) {
        for (size_t i = 11; i < n; i++)
            if (!ch_is_alnum((unsigned char)key[i])) return false;
        return true;
    }
    return false;
}

static void dispatch(struct pctx *c, const struct directive *d, const char *key, const char *v,
                     size_t n)
{
    switch (d->kind) {
    case D_IGNORE:
        count_ignored(c->rs, key);
        break;
    case D_HEADER:
        def_header(c, v, n);
        break;
    case D_BODY:
        def_plain(c, RK_BODY, v, n);
        break;
    case D_RAWBODY:
        def_plain(c, RK_RAWBODY, v, n);
        break;
    case D_FULL:
        def_plain(c, RK_FULL, v, n);
        break;
    case D_URI:
        def_plain(c, RK_URI, v, n);
        break;
    case D_MIMEHEADER:
        def_mimeheader(c, v, n);
        break;
    case D_META:
        def_meta(c, v, n);
        break;
    case D_SCORE:
        set_score(c, v, n);
        break;
    case D_DESCRIBE:
        set_describe(c, v, n);
        break;
    case D_TFLAGS:
        set_tflags(c, v, n);
        break;
    case D_PRIORITY:
        set_priority(c, v, n);
        break;
    case D_REQUIRE_VERSION:
        do_require_version(c, v, n);
        break;
    case D_REQUIRED_SCORE:
        do_required_score(c, v, n);
        break;
    case D_LOADPLUGIN:
        do_loadplugin(c, key, false, v, n);
        break;
    case D_TRYPLUGIN:
        do_loadplugin(c, key, true, v, n);
        break;
    case D_ENABLE_COMPAT: {
        bool ok = n > 0 && n <= 128;
        for (size_t i = 0; i < n; i++)
            if (!is_word((unsigned char)v[i])) ok = false;
        if (ok)
            smap_put(&c->st->compat, c->st->a, v, n, (void *)1);
        else
            pdiag(c, RD_ERROR, "enable_compat: invalid value '%.*s'", SHOW(v, n));
        break;
    }
    case D_REPLACE_START:
    case D_REPLACE_END:
        if (!n)
            pdiag(c, RD_ERROR, "%s: missing value", key);
        else if (d->kind == D_REPLACE_START)
            c->st->rstart = arena_strndup(c->st->a, v, n);
        else
            c->st->rend = arena_strndup(c->st->a, v, n);
        break;
    case D_REPLACE_TAG:
        do_tag_setting(c, key, RT_TAG, v, n);
        break;
    case D_REPLACE_PRE:
        do_tag_setting(c, key, RT_PRE, v, n);
        break;
    case D_REPLACE_INTER:
        do_tag_setting(c, key, RT_INTER, v, n);
        break;
    case D_REPLACE_POST:
        do_tag_setting(c, key, RT_POST, v, n);
        break;
    case D_REPLACE_RULES:
        do_replace_rules(c, v, n);
        break;
    case D_FREEMAIL:
        do_freemail(c, v, n);
        break;
    case D_URL_SHORTENER:
        do_url_shortener(c, d->name, false, v, n);
        break;
    case D_CLEAR_URL_SHORTENER:
        do_url_shortener(c, d->name, true, v, n);
        break;
    case D_URIDNSBL:
        do_uridnsbl(c, d->name, false, v, n);
        break;
    case D_URIDNSSUB:
        do_uridnsbl(c, d->name, true, v, n);
        break;
    case D_ASKDNS:
        def_askdns(c, v, n);
        break;
    case D_URI_DETAIL:
        def_unsupported(c, "uri_detail", "check_uri_detail",
                        "uri_detail (URIDetail plugin) is not supported", v, n);
        break;
    case D_URI_BLOCK:
        def_unsupported(c, d->name, "check_uri_local_bl",
                        "URILocalBL (uri_block_*) needs GeoIP data: not supported", v, n);
        break;
    case D_LIST:
        do_list(c, d->name, v, n);
        break;
    }
}

/* The language tag of `lang xx`: applies when it is a prefix of en_US. */
static bool lang_applies(const char *p, size_t n)
{
    return n > 0 && n <= strlen(SA_LANG) && strncasecmp(SA_LANG, p, n) == 0;
}

static void handle_line(struct pctx *c, const char *s, size_t n)
{
    if (n > RULES_MAX_LINE) {
        pdiag(c, RD_ERROR, "line of %zu bytes, longer than %u: skipped", n, RULES_MAX_LINE);
        return;
    }
    if (memchr(s, '\0', n)) {
        pdiag(c, RD_ERROR, "NUL byte in the line: skipped");
        return;
    }
    /* comment: the first '#' not preceded by a backslash; then \# -> # */
    size_t cut = n;
    bool escaped = false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '#') continue;
        if (i > 0 && s[i - 1] == '\\') {
            escaped = true;
            continue;
        }
        cut = i;
        break;
    }
    n = cut;
    if (escaped) {
        c->buf = xgrow(c->buf, &c->buf_cap, n + 1, 1);
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\\' && i + 1 < n && s[i + 1] == '#') {
                c->buf[o++] = '#';
                i++;
            } else {
                c->buf[o++] = s[i];
            }
        }
        s = c->buf;
        n = o;
    }
    struct slice t = str_trim(s, n);
    s = t.p;
    n = t.len;
    if (!n) return;
    /* lang xx DIRECTIVE */
    if (n > 4 && memcmp(s, "lang", 4) == 0 && ch_is_space((unsigned char)s[4])) {
        size_t i = 4;
        while (i < n && ch_is_space((unsigned char)s[i]))
            i++;
        size_t tb = i;
        while (i < n && !ch_is_space((unsigned char)s[i]))
            i++;
        size_t te = i;
        if (i < n) {
            while (i < n && ch_is_space((unsigned char)s[i]))
                i++;
            if (!lang_applies(s + tb, te - tb)) {
                if (!c->skip) count_ignored(c->rs, "lang");
                return;
            }
            s += i;
            n -= i;
        }
    }
    const char *v;
    size_t vn;
    size_t kl = split_word(s, n, &v, &vn), key_n = kl;
    const struct directive *d;
    char key[RP_MAX_KEY + 1];
    bool long_key = kl > RP_MAX_KEY;
    if (long_key) kl = RP_MAX_KEY;
    for (size_t i = 0; i < kl; i++)
        key[i] = s[i] == '-' ? '_' : (char)ch_lower((unsigned char)s[i]);
    key[kl] = 0;
    if (!long_key && strcmp(key, "endif") == 0) {
        do_endif(c, vn);
    } else if (!long_key && strcmp(key, "ifplugin") == 0) {
        do_if(c, true, v, vn);
    } else if (!long_key && strcmp(key, "if") == 0) {
        do_if(c, false, v, vn);
    } else if (!long_key && strcmp(key, "else") == 0) {
        do_else(c, vn);
    } else if (c->skip) {
        /* inside a false conditional */
    } else if ((d = long_key ? NULL : find_directive(key)) != NULL) {
        dispatch(c, d, key, v, vn);
    } else if (!long_key && strcmp(key, "include") == 0) {
        do_include(c, v, vn);
    } else if (!long_key && strcmp(key, "file") == 0) {
        pdiag(c, RD_WARNING, "'file' is internal to SpamAssassin: line ignored");
    } else if (!long_key && is_pattern_setting(key)) {
        count_ignored(c->rs, key);
    } else {
        pdiag(c, RD_WARNING, "unknown setting '%.*s'", SHOW(s, key_n));
    }
}

static void parse_text(struct ruleset *rs, const char *file, bool includes, int depth,
                       const char *p, size_t len)
{
    struct rp *st = rs->priv;
    struct pctx c = {.rs = rs, .st = st, .file = file, .includes = includes, .depth = depth};
    rs->n_files++;
    st->dirty = true;
    bool too_big = len > RULES_MAX_FILE;
    if (too_big) { /* whole lines only */
        size_t cut = RULES_MAX_FILE;
        while (cut > 0 && p[cut - 1] != '\n')
            cut--;
        len = cut;
    }
    size_t pos = 0;
    while (pos < len && !c.stop) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - p) : len;
        c.line++;
        rs->n_lines++;
        handle_line(&c, p + pos, end - pos);
        pos = nl ? end + 1 : len;
    }
    if (too_big) {
        c.line++;
        pdiag(&c, RD_ERROR, "file larger than %u bytes: the rest is skipped", RULES_MAX_FILE);
    }
    for (size_t i = 0; i < c.n_conds; i++)
        ruleset_diag(rs, RD_ERROR, file, c.conds[i].line,
                     "unclosed '%s' (no endif before the end of the file)",
                     c.conds[i].is_plugin ? "ifplugin" : "if");
    free(c.conds);
    free(c.buf);
}

static const char *intern(struct ruleset *rs, const char *s)
{
    return arena_strdup(((struct rp *)rs->priv)->a, s);
}

/* Read one file (include or top level). Errors are reported at the include
 * line when there is one. */
static bool load_file(struct ruleset *rs, const char *path, int depth, const char *from_file,
                      int from_line)
{
    struct rp *st = rs->priv;
    const char *df = from_file ? from_file : intern(rs, path);
    int dline = from_file ? from_line : 0;
    char *real = realpath(path, NULL);
    struct stat sb;
    if (!real || stat(real, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        ruleset_diag(rs, RD_ERROR, df, dline, "cannot read %s: %s", path,
                     real ? "not a regular file" : strerror(errno));
        free(real);
        return false;
    }
    for (int i = 0; i < st->n_inc; i++)
        if (strcmp(st->inc_stack[i], real) == 0) {
            ruleset_diag(rs, RD_ERROR, df, dline, "include loop: %s is already being read", path);
            free(real);
            return false;
        }
    if (smap_get(&st->read_files, real, strlen(real))) {
        ruleset_diag(rs, RD_INFO, df, dline,
                     "%s was already read: skipped (SpamAssassin reads each file once)", path);
        free(real);
        return true;
    }
    FILE *f = fopen(real, "rb");
    if (!f) {
        ruleset_diag(rs, RD_ERROR, df, dline, "cannot read %s: %s", path, strerror(errno));
        free(real);
        return false;
    }
    size_t want = (size_t)sb.st_size < RULES_MAX_FILE ? (size_t)sb.st_size + 1 : RULES_MAX_FILE + 1;
    size_t cap = want + 1, len = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while (len < RULES_MAX_FILE + 1 && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap && len < RULES_MAX_FILE + 1) {
            cap = cap * 2 < RULES_MAX_FILE + 1 ? cap * 2 : RULES_MAX_FILE + 1;
            buf = xrealloc(buf, cap);
        }
    }
    bool rd_err = ferror(f) != 0;
    fclose(f);
    if (rd_err) {
        ruleset_diag(rs, RD_ERROR, df, dline, "cannot read %s: read error", path);
        free(buf);
        free(real);
        return false;
    }
    smap_put(&st->read_files, st->a, real, strlen(real), (void *)1);
    st->inc_stack[st->n_inc++] = real;
    parse_text(rs, intern(rs, path), true, depth, buf, len);
    st->n_inc--;
    free(buf);
    free(real);
    return true;
}

static int cmp_cf(const void *a, const void *b)
{
    const char *x = *(const char *const *)a, *y = *(const char *const *)b;
    /* SpamAssassin reads the official update channel first (bug 7991) */
    static const char first[] = "updates_spamassassin_org.cf";
    const char *bx = strrchr(x, '/'), *by = strrchr(y, '/');
    bx = bx ? bx + 1 : x;
    by = by ? by + 1 : y;
    bool fx = strcmp(bx, first) == 0, fy = strcmp(by, first) == 0;
    if (fx != fy) return fx ? -1 : 1;
    return strcmp(bx, by);
}

static bool has_ext_ci(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcasecmp(name + n - e, ext) == 0;
}

static bool load_dir(struct ruleset *rs, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        ruleset_diag(rs, RD_ERROR, intern(rs, dir), 0, "cannot read %s: %s", dir, strerror(errno));
        return false;
    }
    char **pre = NULL, **cf = NULL;
    size_t npre = 0, ncf = 0, cpre = 0, ccf = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        bool is_pre = has_ext_ci(de->d_name, ".pre"), is_cf = has_ext_ci(de->d_name, ".cf");
        if (!is_pre && !is_cf) continue;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *path = xmalloc(len);
        snprintf(path, len, "%s/%s", dir, de->d_name);
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            free(path);
            continue;
        }
        if (is_pre) {
            pre = xgrow(pre, &cpre, npre + 1, sizeof *pre);
            pre[npre++] = path;
        } else {
            cf = xgrow(cf, &ccf, ncf + 1, sizeof *cf);
            cf[ncf++] = path;
        }
    }
    closedir(d);
    if (npre) qsort(pre, npre, sizeof *pre, cmp_cf);
    if (ncf) qsort(cf, ncf, sizeof *cf, cmp_cf);
    bool ok = true;
    for (size_t i = 0; i < npre; i++) {
        ok = load_file(rs, pre[i], 0, NULL, 0) && ok;
        free(pre[i]);
    }
    for (size_t i = 0; i < ncf; i++) {
        ok = load_file(rs, cf[i], 0, NULL, 0) && ok;
        free(cf[i]);
    }
    free(pre);
    free(cf);
    return ok;
}

/* ---- ReplaceTags ---- */

struct sbuf {
    char *p;
    size_t n, cap;
};

static void sb_put(struct sbuf *b, const char *s, size_t n)
{
    b->p = xgrow(b->p, &b->cap, b->n + n + 1, 1);
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

/* First match of START.+?END at or after `from` in (s,n): [*ms, *me). */
static bool tag_find(const char *s, size_t n, size_t from, const char *S, const char *E, size_t *ms,
                     size_t *me)
{
    size_t sl = strlen(S), el = strlen(E);
    if (n < from + sl + 1 + el) return false;
    const char *a = memmem(s + from, n - from, S, sl);
    if (!a) return false;
    size_t as = (size_t)(a - s), bs = as + sl + 1;
    if (bs + el > n) return false;
    for (size_t i = bs; i + el <= n; i++)
        if (memcmp(s + i, E, el) == 0) {
            for (size_t j = as + sl; j < i; j++)
                if (s[j] == '\n') return false; /* '.' does not cross a newline */
            *ms = as;
            *me = i + el;
            return true;
        }
    return false;
}

/* Remove the first START<kw>NAME END from b; returns NAME (malloc) or NULL. */
static char *take_modifier(struct sbuf *b, const char *S, const char *E, const char *kw)
{
    size_t sl = strlen(S), kl = strlen(kw), el = strlen(E);
    char *pat = xmalloc(sl + kl + 1);
    memcpy(pat, S, sl);
    memcpy(pat + sl, kw, kl + 1);
    const char *a = b->n ? memmem(b->p, b->n, pat, sl + kl) : NULL;
    free(pat);
    if (!a) return NULL;
    size_t as = (size_t)(a - b->p), ns = as + sl + kl;
    for (size_t i = ns + 1; i + el <= b->n; i++)
        if (memcmp(b->p + i, E, el) == 0) {
            char *name = xstrndup(b->p + ns, i - ns);
            size_t me = i + el;
            memmove(b->p + as, b->p + me, b->n - me + 1);
            b->n -= me - as;
            return name;
        }
    return NULL;
}

/* A tag value as Perl sees it: absent, "" and "0" are false. */
static const char *tag_value(const struct rp *st, int which, const char *name, size_t n)
{
    const char *v = smap_get(&st->tags[which], name, n);
    if (!v || !*v || strcmp(v, "0") == 0) return NULL;
    return v;
}

/* Whether s contains <[^>]+> (the test for another pass). */
static bool has_angle_tag(const char *s)
{
    for (const char *a = strchr(s, '<'); a; a = strchr(a + 1, '<')) {
        const char *b = strchr(a + 1, '>');
        if (!b) return false;
        if (b > a + 1) return true;
    }
    return false;
}

/* Apply ReplaceTags to a pattern body; returns a malloc'd result, or NULL
 * when it would exceed RP_MAX_TAGGED. */
static char *replace_tags(const struct rp *st, const char *body, size_t bn, size_t *out_n)
{
    const char *S = st->rstart ? st->rstart : "<", *E = st->rend ? st->rend : ">";
    struct sbuf re = {0};
    sb_put(&re, body, bn);
    struct sbuf *f = NULL, tmp = {0};
    size_t nf = 0, capf = 0, allocf = 0;
    for (int pass = 0; pass < RP_TAG_PASSES; pass++) {
        char *pre = take_modifier(&re, S, E, "pre ");
        char *post = take_modifier(&re, S, E, "post ");
        char *inter = take_modifier(&re, S, E, "inter ");
        /* split(/(<[^<>]+>)/): text, tag, text, ...; trailing empty pieces dropped */
        nf = 0;
        size_t seg = 0, pos = 0;
        for (;;) {
            const char *a = pos < re.n ? memchr(re.p + pos, '<', re.n - pos) : NULL;
            if (!a) break;
            size_t as = (size_t)(a - re.p), b = as + 1;
            while (b < re.n && re.p[b] != '<' && re.p[b] != '>')
                b++;
            if (b < re.n && re.p[b] == '>' && b > as + 1) {
                for (int k = 0; k < 2; k++) {
                    if (nf == allocf) {
                        f = xgrow(f, &capf, nf + 1, sizeof *f);
                        memset(f + allocf, 0, (capf - allocf) * sizeof *f);
                        allocf = capf;
                    }
                    f[nf].n = 0;
                    if (k == 0)
                        sb_put(&f[nf++], re.p + seg, as - seg);
                    else
                        sb_put(&f[nf++], re.p + as, b + 1 - as);
                }
                seg = pos = b + 1;
            } else {
                pos = b;
            }
        }
        if (nf == allocf) {
            f = xgrow(f, &capf, nf + 1, sizeof *f);
            memset(f + allocf, 0, (capf - allocf) * sizeof *f);
            allocf = capf;
        }
        f[nf].n = 0;
        sb_put(&f[nf++], re.p + seg, re.n - seg);
        while (nf > 0 && f[nf - 1].n == 0)
            nf--;
        const char *pre_v = pre ? tag_value(st, RT_PRE, pre, strlen(pre)) : NULL;
        const char *post_v = post ? tag_value(st, RT_POST, post, strlen(post)) : NULL;
        const char *inter_v = inter ? tag_value(st, RT_INTER, inter, strlen(inter)) : NULL;
        bool again = false, over = false;
        size_t total = 0;
        for (size_t i = 0; i < nf && !over; i++) {
            size_t ms, me;
            if (pre_v && tag_find(f[i].p, f[i].n, 0, S, E, &ms, &me)) {
                tmp.n = 0;
                sb_put(&tmp, f[i].p, ms);
                sb_put(&tmp, pre_v, strlen(pre_v));
                sb_put(&tmp, f[i].p + ms, f[i].n - ms);
                f[i].n = 0;
                sb_put(&f[i], tmp.p, tmp.n);
            }
            if (post_v) {
                tmp.n = 0;
                size_t from = 0;
                while (!over && tag_find(f[i].p, f[i].n, from, S, E, &ms, &me)) {
                    sb_put(&tmp, f[i].p + from, me - from);
                    sb_put(&tmp, post_v, strlen(post_v));
                    from = me;
                    over = tmp.n > RP_MAX_TAGGED;
                }
                if (from) {
                    sb_put(&tmp, f[i].p + from, f[i].n - from);
                    f[i].n = 0;
                    sb_put(&f[i], tmp.p, tmp.n);
                }
            }
            /* SpamAssassin edits the compiled regex's text, which starts with
             * its modifiers "(?aa)(?i)": the first piece is never empty */
            if (inter_v && f[i].n == 0 && i > 0) sb_put(&f[i], inter_v, strlen(inter_v));
            size_t sl = strlen(S), el = strlen(E);
            if (tag_find(f[i].p, f[i].n, 0, S, E, &ms, &me)) {
                const char *name = f[i].p + ms + sl;
                size_t nn = me - el - ms - sl;
                const char *val =
                    (nn == 1 && name[0] == '0') ? NULL : tag_value(st, RT_TAG, name, nn);
                if (val) {
                    /* replace every START NAME END of this piece */
                    char *pat = xmalloc(sl + nn + el);
                    memcpy(pat, S, sl);
                    memcpy(pat + sl, name, nn);
                    memcpy(pat + sl + nn, E, el);
                    size_t pl = sl + nn + el, from = 0;
                    tmp.n = 0;
                    const char *hit;
                    while (!over && from < f[i].n &&
                           (hit = memmem(f[i].p + from, f[i].n - from, pat, pl)) != NULL) {
                        size_t hs = (size_t)(hit - f[i].p);
                        sb_put(&tmp, f[i].p + from, hs - from);
                        sb_put(&tmp, val, strlen(val));
                        from = hs + pl;
                        over = tmp.n > RP_MAX_TAGGED;
                    }
                    sb_put(&tmp, f[i].p + from, f[i].n - from);
                    free(pat);
                    f[i].n = 0;
                    sb_put(&f[i], tmp.p, tmp.n);
                    if (!again && has_angle_tag(val)) again = true;
                }
            }
            total += f[i].n;
            if (total > RP_MAX_TAGGED) over = true;
        }
        re.n = 0;
        for (size_t i = 0; i < nf && !over; i++)
            sb_put(&re, f[i].p, f[i].n);
        if (!re.p) sb_put(&re, "", 0);
        free(pre);
        free(post);
        free(inter);
        if (over || re.n > RP_MAX_TAGGED) {
            free(re.p);
            re.p = NULL;
            break;
        }
        if (!again) break;
    }
    for (size_t i = 0; i < allocf; i++)
        free(f[i].p);
    free(f);
    free(tmp.p);
    *out_n = re.p ? re.n : 0;
    return re.p;
}

/* ---- finishing ---- */

static bool taggable(const struct rule *r)
{
    if (r->is_eval || !r->regex) return false;
    return (r->kind == RK_HEADER && !r->exists) || r->kind == RK_BODY || r->kind == RK_RAWBODY ||
           r->kind == RK_FULL || r->kind == RK_URI;
}

static void set_reason(struct rule *r, enum rule_status s, const char *why)
{
    free(r->status_reason);
    r->status = s;
    r->status_reason = why ? xstrdup(why) : NULL;
}

static void apply_props(struct ruleset *rs, struct rp *st, size_t i)
{
    struct rule *r = &rs->rules[i];
    const struct nent *e = st->rule_ent[i];
    set_reason(r, e->def_status, e->def_reason);
    r->regex = (char *)e->regex;
    r->tagged = false;
    if (e->replace && r->status != RS_ERROR && taggable(r)) {
        const char *b;
        size_t bn;
        if (!regex_check(r->regex, strlen(r->regex), &b, &bn)) {
            size_t on = 0;
            char *body =
                st->tagged_bytes <= RP_MAX_TAGGED_TOTAL ? replace_tags(st, b, bn, &on) : NULL;
            if (body) st->tagged_bytes += on;
            if (!body || st->tagged_bytes > RP_MAX_TAGGED_TOTAL) {
                ruleset_diag(rs, RD_ERROR, r->file, r->line,
                             "%s: regexp past the ReplaceTags ceiling (%u bytes, %u for all rules)",
                             r->name, RP_MAX_TAGGED, RP_MAX_TAGGED_TOTAL);
                set_reason(r, RS_ERROR, "regexp too long after ReplaceTags");
                free(body);
            } else {
                size_t pre = (size_t)(b - r->regex), post = strlen(r->regex) - pre - bn;
                struct arena_str s = {.a = st->a};
                arena_str_put(&s, r->regex, pre);
                arena_str_put(&s, body, on);
                arena_str_put(&s, b + bn, post);
                r->regex = s.p;
                r->tagged = true;
                free(body);
            }
        }
    }
    if (e->n_scores) {
        memcpy(r->scores, e->scores, sizeof r->scores);
        r->n_scores = e->n_scores;
        r->score = e->scores[0];
        r->score_file = e->score_file;
        r->score_line = e->score_line;
    } else {
        double d = strncmp(r->name, "__", 2) == 0 ? 0 : strncmp(r->name, "T_", 2) == 0 ? 0.01 : 1.0;
        if (e->has_tflags && (e->tflags & TF_NICE)) d = -d;
        for (int k = 0; k < 4; k++)
            r->scores[k] = d;
        r->n_scores = 0;
        r->score = d;
        r->score_file = NULL;
        r->score_line = 0;
    }
    r->describe = (char *)e->describe;
    r->tflags = e->has_tflags ? e->tflags : 0;
    r->maxhits = e->has_tflags ? e->maxhits : 0;
    r->priority = e->has_priority ? e->priority : (r->tflags & TF_NET) ? -100 : 0;
    if (r->status != RS_OK) return;
    if ((r->tflags & TF_NET) && r->is_eval) {
        /* SpamAssassin 4.0.1 with network tests off (score set 0) skips only
         * *eval* rules with tflags net (Plugin::Check); metas and regex rules
         * flagged net still run there (42 metas in the stock set). */
        set_reason(r, RS_SKIP_NET, "tflags net: network test");
    } else if (e->dnsbl) {
        char why[160];
        snprintf(why, sizeof why, "%s: URI DNS blocklist lookup (network test)", e->dnsbl);
        set_reason(r, RS_SKIP_NET, why);
    } else if (r->kind == RK_MIMEHEADER && (r->tflags & (TF_RANGE | TF_CONCAT))) {
        set_reason(r, RS_SKIP_UNSUPPORTED,
                   "mimeheader with tflags range= or concat is not supported");
    }
}

void ruleset_finish(struct ruleset *rs)
{
    struct rp *st = rs->priv;
    compact(rs, st);
    sync_lists(rs, st);
    if (!st->dirty) return;
    st->dirty = false;
    st->tagged_bytes = 0;
    for (size_t i = 0; i < rs->n_rules; i++)
        apply_props(rs, st, i);
    for (size_t i = 0; i < st->n_ents; i++) {
        const struct nent *e = st->ents[i];
        if (e->rule >= 0) continue;
        if (e->n_scores)
            ruleset_diag(rs, RD_INFO, e->score_file, e->score_line,
                         "score for %s, which is not defined", e->name);
        else if (e->describe)
            ruleset_diag(rs, RD_INFO, e->describe_file, e->describe_line,
                         "describe for %s, which is not defined", e->name);
    }
    if (st->dropped_diags && rs->n_diags == RP_MAX_DIAGS) {
        /* one slot beyond the ceiling says so */
        rs->diags = xgrow(rs->diags, &rs->cap_diags, rs->n_diags + 1, sizeof *rs->diags);
        rs->diags[rs->n_diags++] = (struct rules_diag){
            RD_INFO, "(rules)", 0,
            arena_printf(st->a, "%zu further diagnostics not kept", st->dropped_diags)};
    }
}

/* ---- public API ---- */

struct ruleset *ruleset_new(void)
{
    struct ruleset *rs = xcalloc(1, sizeof *rs);
    struct rp *st = xcalloc(1, sizeof *st);
    st->a = arena_new();
    rs->priv = st;
    rs->required_score = 5.0;
    for (size_t i = 0; i < sizeof default_compat / sizeof default_compat[0]; i++)
        smap_put(&st->compat, st->a, default_compat[i], strlen(default_compat[i]), (void *)1);
    return rs;
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs) return;
    struct rp *st = rs->priv;
    for (size_t i = 0; i < rs->n_rules; i++)
        free(rs->rules[i].status_reason);
    free(rs->rules);
    free(rs->diags);
    free(rs->freemail_domains);
    free(rs->url_shorteners);
    for (size_t i = 0; i < rs->n_lists; i++)
        free(rs->lists[i].v);
    free(rs->lists);
    free(rs->plugins);
    free(rs->ignored);
    free(rs->ignored_count);
    if (st) {
        smap_free(&st->names);
        for (int i = 0; i < RT_N; i++)
            smap_free(&st->tags[i]);
        smap_free(&st->freemail);
        smap_free(&st->shortener);
        smap_free(&st->compat);
        smap_free(&st->ignored_idx);
        smap_free(&st->plugin_set);
        smap_free(&st->read_files);
        free(st->ents);
        free(st->rule_ent);
        free(st->short_v);
        free(st->short_on);
        for (size_t i = 0; i < st->n_plists; i++) {
            smap_free(&st->plists[i].idx);
            smap_free(&st->plists[i].by_addr);
            free(st->plists[i].v);
            free(st->plists[i].on);
            free(st->plists[i].next);
            free(st->plists[i].out_len);
        }
        free(st->plists);
        smap_free(&st->list_idx);
        free(st->scratch);
        arena_free(st->a);
        free(st);
    }
    free(rs);
}

bool ruleset_load_path(struct ruleset *rs, const char *path)
{
    struct rp *st = rs->priv;
    struct stat sb;
    bool ok;
    if (stat(path, &sb) != 0) {
        ruleset_diag(rs, RD_ERROR, intern(rs, path), 0, "cannot read %s: %s", path,
                     strerror(errno));
        ok = false;
    } else if (S_ISDIR(sb.st_mode)) {
        ok = load_dir(rs, path);
    } else {
        ok = load_file(rs, path, 0, NULL, 0);
    }
    compact(rs, st);
    sync_lists(rs, st);
    return ok;
}

void ruleset_parse_buf(struct ruleset *rs, const char *file, const char *p, size_t len)
{
    struct rp *st = rs->priv;
    parse_text(rs, file ? intern(rs, file) : "(no file)", file != NULL, 0, p, len);
    compact(rs, st);
    sync_lists(rs, st);
}

uint64_t ruleset_list_serial(const struct ruleset *rs, size_t i)
{
    const struct rp *st = rs ? rs->priv : NULL;
    if (!st || i >= rs->n_lists || i >= st->n_plists) return 0;
    const struct plist *L = &st->plists[i];
    /* a list put in place by hand is not the one the parser filled */
    if (rs->lists[i].v != L->out_v || rs->lists[i].n != L->out_n) return 0;
    return L->serial;
}

const size_t *ruleset_list_lens(const struct ruleset *rs, size_t i)
{
    if (!ruleset_list_serial(rs, i)) return NULL;
    return ((const struct rp *)rs->priv)->plists[i].out_len;
}

long ruleset_list_find(const struct ruleset *rs, const char *name)
{
    const struct rp *st = rs ? rs->priv : NULL;
    if (st && rs->lists == st->lists_out && rs->n_lists == st->n_plists) {
        /* the parser's index; the entry's name pointer is checked, in case
         * the caller renamed an entry by hand */
        size_t idx = (size_t)(uintptr_t)smap_get(&st->list_idx, name, strlen(name));
        if (!idx) return -1;
        if (rs->lists[idx - 1].name == st->plists[idx - 1].name) return (long)(idx - 1);
    }
    /* lists put in place by hand (tests, fuzzers): the first of the name */
    for (size_t i = 0; rs && i < rs->n_lists; i++)
        if (rs->lists[i].name && strcmp(rs->lists[i].name, name) == 0) return (long)i;
    return -1;
}

long ruleset_find(const struct ruleset *rs, const char *name)
{
    const struct rp *st = rs->priv;
    const struct nent *e = smap_get(&st->names, name, strlen(name));
    return e ? e->rule : -1;
}

bool ruleset_plugin_loaded(const struct ruleset *rs, const char *plugin)
{
    if (strcmp(plugin, PLUGIN("RaciallyCharged")) == 0) return true; /* SpamAssassin 4.0 says so */
    for (size_t i = 0; i < sizeof default_plugins / sizeof default_plugins[0]; i++)
        if (strcmp(default_plugins[i], plugin) == 0) return true;
    const struct rp *st = rs->priv;
    return smap_get(&st->plugin_set, plugin, strlen(plugin)) != NULL;
}

const char *rule_kind_name(enum rule_kind k)
{
    switch (k) {
    case RK_HEADER:
        return "header";
    case RK_BODY:
        return "body";
    case RK_RAWBODY:
        return "rawbody";
    case RK_FULL:
        return "full";
    case RK_URI:
        return "uri";
    case RK_MIMEHEADER:
        return "mimeheader";
    case RK_META:
        return "meta";
    }
    return "?";
}
