/* rules — the rule set read from SpamAssassin-syntax rule files: the data
 * model every scoring module shares, and the parser that fills it.
 *
 * The parser (ruleparse.c) knows the SpamAssassin configuration language
 * (Mail::SpamAssassin::Conf): rule definitions (header, body, rawbody, full,
 * uri, mimeheader, meta; `eval:` tests of each type), score, describe,
 * tflags, priority, include, if/ifplugin/else/endif, require_version,
 * required_score, loadplugin, ReplaceTags (replace_start, replace_end,
 * replace_tag, replace_pre, replace_post, replace_inter, replace_rules),
 * the lists the native checks read (freemail_domains, url_shortener,
 * util_rb_tld/2tld/3tld), and the many other SpamAssassin settings, which
 * are recognised and ignored (counted for `rules lint`).
 * Later definitions override earlier ones, as in SpamAssassin; the file
 * order is that of the paths given, and in a directory *.cf files in byte
 * order (SpamAssassin's order).
 *
 * It does NOT compile regular expressions (saregex.h) or run anything
 * (score.h). Ceilings: RULES_MAX_LINE bytes per line, RULES_MAX_INCLUDE
 * nesting, RULES_MAX_RULES rules, RULES_MAX_FILE bytes per file; past one, a
 * diagnostic is recorded and the rest of that file (or line) is skipped. */
#ifndef SCORE_RULES_H
#define SCORE_RULES_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULES_MAX_LINE (64u * 1024)
#define RULES_MAX_INCLUDE 16
#define RULES_MAX_RULES 100000
#define RULES_MAX_FILE (32u * 1024 * 1024)

/* The SpamAssassin version the conditionals see (`if (version >= ...)`,
 * require_version): mailaudit reads the rules as SpamAssassin 4.0.1 would. */
#define RULES_SA_VERSION 4.000001

enum rule_kind {
    RK_HEADER,
    RK_BODY,
    RK_RAWBODY,
    RK_FULL,
    RK_URI,
    RK_MIMEHEADER,
    RK_META,
};

/* header rules: which view of the header value (SpamAssassin's modifiers). */
enum rule_hdr_mod {
    HM_DEFAULT, /* decoded (RFC 2047), unfolded, as SpamAssassin's get() */
    HM_RAW,     /* :raw — undecoded, folding kept */
    HM_ADDR,    /* :addr — the first address */
    HM_NAME,    /* :name — the first display name */
    HM_HOST,    /* :host — SA 4: the host part of :addr */
    HM_DOMAIN,  /* :domain — SA 4: the registrable domain of :host */
    HM_IP,      /* :ip — SA 4: the first IP address in the value */
    HM_REVIP,   /* :revip — SA 4: :ip reversed */
};

/* Every modifier written on a header rule (SpamAssassin combines them, e.g.
 * From:addr:raw, From:name:raw, From:addr:host); `hmod` is the one that
 * decides the final value (domain > host > revip > ip > addr > name > raw). */
#define HMF_RAW (1u << 0)
#define HMF_ADDR (1u << 1)
#define HMF_NAME (1u << 2)
#define HMF_HOST (1u << 3)
#define HMF_DOMAIN (1u << 4)
#define HMF_IP (1u << 5)
#define HMF_REVIP (1u << 6)
#define HMF_FIRST (1u << 7) /* :first — SA 4: only the first instance of the header */
#define HMF_LAST (1u << 8)  /* :last — SA 4: only the last instance */

/* tflags (bit set). Parsed ones that do not apply offline are kept so that
 * lint can say so; `net` rules never run (no network tests in scoring). */
#define TF_MULTIPLE (1u << 0)
#define TF_NOSUBJECT (1u << 1)
#define TF_NICE (1u << 2)
#define TF_NET (1u << 3)
#define TF_LEARN (1u << 4)
#define TF_USERCONF (1u << 5)
#define TF_NOAUTOLEARN (1u << 6)
#define TF_PUBLISH (1u << 7)
#define TF_NOLOG (1u << 8)
#define TF_AUTOLEARN_BODY (1u << 9)
#define TF_AUTOLEARN_FORCE (1u << 10)
#define TF_DOMAINS_ONLY (1u << 11)
#define TF_A (1u << 12)
#define TF_NS (1u << 13)
#define TF_IPS_ONLY (1u << 14)
#define TF_NOTRIM (1u << 15)
#define TF_RANGE (1u << 16) /* range=N-M (ignored) */
#define TF_GRACE (1u << 17)
#define TF_NOAWL (1u << 18)
#define TF_CONCAT (1u << 19)           /* mimeheader: all parts' headers joined (not supported) */
#define TF_AUTOLEARN_HEADER (1u << 20) /* autolearn_header (ignored) */

/* Why a rule cannot run (status != RS_OK). */
enum rule_status {
    RS_OK,
    RS_SKIP_REGEX,       /* the regex does not compile in PCRE2 (engine sets this) */
    RS_SKIP_EVAL,        /* unknown eval function (engine sets this) */
    RS_SKIP_NET,         /* a network test (tflags net, DNSBL/URIBL evals): never true offline */
    RS_SKIP_META_DEP,    /* a meta rule whose dependency cannot run (engine sets this) */
    RS_SKIP_UNSUPPORTED, /* a rule type or feature mailaudit does not have */
    RS_ERROR,            /* a malformed definition */
};

struct rule {
    char *name;
    enum rule_kind kind;
    bool is_eval; /* the definition is `eval:fn(args)` */
    /* regex rules (header/body/rawbody/full/uri/mimeheader): */
    char *regex;  /* the SpamAssassin regex as written, after ReplaceTags: "/re/flags" or
                     "m{re}flags" */
    bool negate;  /* header ... !~ */
    char *header; /* header and mimeheader rules: field name or pseudo-header (ALL, ToCc,
                     MESSAGEID, EnvelopeFrom, ALL-TRUSTED, ALL-UNTRUSTED, ALL-INTERNAL,
                     ALL-EXTERNAL, X-Spam-Relays-*, ...) without the modifiers */
    enum rule_hdr_mod hmod;
    unsigned hmod_flags; /* HMF_* bits: every modifier given (hmod is the deciding one) */
    bool exists;         /* `header NAME exists:Field` */
    char *if_unset;      /* `[if-unset: STR]`, or NULL */
    /* evals: */
    char *eval_fn;    /* function name */
    char **eval_args; /* arguments with quotes removed (SpamAssassin passes them as strings) */
    int n_eval_args;
    /* meta: */
    char *meta; /* the expression as written */
    /* common: */
    double score; /* the score that applies (set 0: no Bayes, no network); see ruleset_finish */
    double scores[4];
    int n_scores;   /* 0: no score line; 1 or 4 values given */
    char *describe; /* or NULL */
    unsigned tflags;
    int maxhits; /* tflags maxhits=N (0: none) */
    int priority;
    const char *file; /* where it was defined (interned; lives as long as the ruleset) */
    int line;
    int score_line; /* where its score was set (0: none) */
    const char *score_file;
    enum rule_status status;
    char *status_reason;   /* for lint, or NULL */
    bool replaced;         /* defined more than once (the last one wins) */
    bool tagged;           /* in replace_rules: ReplaceTags were applied to the regex */
    bool capture_template; /* the regex uses %{NAME}: tags captured by other rules'
                              named groups, filled in per message by the engine */
};

enum rules_diag_level { RD_ERROR, RD_WARNING, RD_INFO };

struct rules_diag {
    enum rules_diag_level level;
    const char *file;
    int line;
    char *msg;
};

/* A named list read from SpamAssassin's list settings, for the native
 * checks (evals.c). Names and entries (entries lowercased, one per
 * whitespace-separated token unless said otherwise; the whitelist/blacklist
 * spellings are stored under the welcomelist/blocklist names; the unlist,
 * unwelcomelist_* and delist_* settings remove entries):
 *   "welcomelist_from" "blocklist_from" "welcomelist_to" "blocklist_to"
 *   "more_spam_to" "all_spam_to" "welcomelist_auth" "def_welcomelist_auth"
 *   "welcomelist_from_spf" "def_welcomelist_from_spf"
 *   "welcomelist_allows_relays" "welcomelist_bounce_relays"
 *   "welcomelist_subject" "blocklist_subject": address or subject globs;
 *   "welcomelist_from_dkim" "def_welcomelist_from_dkim"
 *   "welcomelist_from_rcvd" "def_welcomelist_from_rcvd": one entry per line,
 *      "ADDRGLOB DOMAIN" (DOMAIN may be absent for the _dkim forms);
 *   "enlist_addrlist:NAME": the addresses of `enlist_addrlist (NAME) ...`;
 *   "enlist_uri_host:NAME": the hosts of `enlist_uri_host (NAME) ...`
 *      ("!host" for a negated entry; blocklist_uri_host is NAME "BLOCK",
 *      welcomelist_uri_host NAME "WELCOME");
 *   "util_rb_tld" "util_rb_2tld" "util_rb_3tld": registry boundaries. */
struct rule_list {
    char *name;
    char **v;
    size_t n, cap;
};
#define RULES_HAVE_LISTS 1

struct ruleset {
    struct rule *rules; /* definition order of each name's last definition */
    size_t n_rules, cap_rules;
    double required_score; /* default 5.0 */
    struct rules_diag *diags;
    size_t n_diags, cap_diags;
    size_t n_errors;
    /* lists read by native checks (lowercase, NUL-terminated): */
    char **freemail_domains; /* may contain "*" globs as SpamAssassin allows */
    size_t n_freemail;
    char **url_shorteners;
    size_t n_url_shorteners;
    struct rule_list *lists; /* named lists for the native checks (see struct rule_list) */
    size_t n_lists;
    char **plugins; /* loadplugin lines seen (beyond the default set) */
    size_t n_plugins;
    /* settings recognised and ignored, for lint: name and count */
    char **ignored;
    int *ignored_count;
    size_t n_ignored;
    size_t n_files; /* files read */
    size_t n_lines;
    void *priv; /* parser state (name index, tag tables, score-only entries) */
};

struct ruleset *ruleset_new(void);
void ruleset_free(struct ruleset *rs);

/* Read a file, or every *.cf file of a directory (byte order, not
 * recursive; SpamAssassin's .pre files are read first as it does).
 * `include` lines are followed relative to the including file. Returns false
 * (with an RD_ERROR diagnostic) when the path cannot be read. */
bool ruleset_load_path(struct ruleset *rs, const char *path);

/* Parse one buffer as if it were file `file` (fuzz harness, tests). `include`
 * in a buffer is resolved relative to the directory of `file`; NULL file
 * disables includes. */
void ruleset_parse_buf(struct ruleset *rs, const char *file, const char *p, size_t len);

/* After the last file: apply score/describe/tflags lines kept for rules
 * defined later, set each rule's `score` (score set 0 = the first of four
 * values; no score line: 1.0 — also for names starting with "__" —, 0.01
 * for "T_" rules, negated with tflags nice: SpamAssassin's defaults (Conf
 * Parser fix_tests)), and report scores and describes without a definition.
 * Note (SpamAssassin semantics, applied by the engine): a rule whose score
 * is 0 is disabled — it never runs and metas see 0; "__" rules run but are
 * never added to the total. Idempotent. */
void ruleset_finish(struct ruleset *rs);

/* Index of a rule by name, or -1. */
long ruleset_find(const struct ruleset *rs, const char *name);

/* Index in rs->lists of the list named `name`, or -1; from the parser's
 * index (a hash look-up) when rs->lists is the array the parser filled, else
 * by comparing names (the first entry of that name). A caller that changes
 * names puts in an array of its own. */
long ruleset_list_find(const struct ruleset *rs, const char *name);

/* A number identifying the contents of rs->lists[i] as the parser last
 * filled it: process-unique, never given twice (a list refilled gets a new
 * one), so a cache may key on it. 0 when none is known (a rule set or a
 * list not filled by the parser, or i out of range): the caller then has
 * to tell lists apart by their contents. */
uint64_t ruleset_list_serial(const struct ruleset *rs, size_t i);

/* The lengths of rs->lists[i]'s entries, worked out when the parser filled
 * it (the glob matching of welcomelists wants them on every call); NULL
 * when ruleset_list_serial is 0. */
const size_t *ruleset_list_lens(const struct ruleset *rs, size_t i);

/* Whether a plugin counts as loaded for `ifplugin`/`plugin()`: SpamAssassin's
 * default set on Debian 12 (the loadplugin lines of the .pre files in
 * /etc/spamassassin: init.pre, v3xx.pre, v4xx.pre, sa-compile.pre; listed in
 * ruleparse.c) plus any loadplugin line read. */
bool ruleset_plugin_loaded(const struct ruleset *rs, const char *plugin);

/* Record a diagnostic (printf-style) — used by the parser and the engine. */
void ruleset_diag(struct ruleset *rs, enum rules_diag_level level, const char *file, int line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

const char *rule_kind_name(enum rule_kind k); /* "header", "body", ... */

#endif
