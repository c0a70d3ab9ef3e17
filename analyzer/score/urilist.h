/* urilist — the URI list SpamAssassin's `uri` rules see
 * (PerMsgStatus::get_uri_list): URIs found in the rendered body text the way
 * its Thunderbird/Outlook-like text scanner finds them (scheme URIs, www. and
 * ftp. hosts, bare host names ending in a known TLD, e-mail addresses made
 * mailto:), plus the URIs of the HTML parts, each expanded into its
 * canonical variants (Util::uri_list_canonicalize: %-decoding, default
 * scheme, "?"/"#" after the host, numeric and octal/hex IP hosts, user@host
 * and default-port variants, punycode hosts, one level of http redirector,
 * bare names as www.NAME.com). Text URIs are kept only when one variant has
 * a valid domain, as SpamAssassin does.
 *
 * Also the host and domain helpers other SpamAssassin semantics need
 * (is_fqdn_valid, is_domain_valid with the TLD list, IDN to ASCII).
 *
 * The TLD list is the ICANN section of the Public Suffix List (what
 * SpamAssassin's util_rb_tld lists carry, up to a few retired TLDs).
 * Redirector patterns (redirector_pattern in rule files) are not applied;
 * the built-in "http...://" redirector rule is.
 * Ceilings: URILIST_MAX URIs kept; URILIST_MAX_EXPAND URIs canonicalised per
 * input URI (redirect chains); URIs cut at 8192 bytes. */
#ifndef SCORE_URILIST_H
#define SCORE_URILIST_H
#include <stdbool.h>
#include <stddef.h>

#include "score/msgview.h"
#include "util/arena.h"

#define URILIST_MAX MSGVIEW_MAX_URIS
#define URILIST_MAX_EXPAND 64

struct urilist {
    arena *a;
    struct mv_text *v; /* unique, NUL-terminated */
    size_t n, cap;
    void *priv;
};

void urilist_init(struct urilist *u, arena *a);
/* The URIs of body lines as SpamAssassin's body rules see them (Subject line
 * included): _process_text_uri_list. */
void urilist_add_text(struct urilist *u, const struct mv_text *lines, size_t n);
/* One URI from HTML (as recorded by the HTML parser); `wide` as in
 * sahtml.h (the characters U+0080..U+00FF then %-encode as one byte). */
void urilist_add_html(struct urilist *u, const char *p, size_t len, bool wide);

/* Util::is_fqdn_valid(host, 1): at least two labels of [a-z0-9_-] (no '-'
 * at the ends, '_' only below the registrable domain), 253 bytes at most. */
bool urilist_fqdn_valid(const char *p, size_t n);
/* RegistryBoundaries::is_domain_valid: ends in ".<known TLD>". */
bool urilist_domain_valid(arena *a, const char *p, size_t n);
/* Whether (p,n) is a known TLD (case-insensitive). */
bool urilist_tld_known(const char *p, size_t n);
/* Util::idn_to_ascii: lowercased; non-ASCII labels to punycode ("xn--").
 * NUL-terminated in the arena. */
char *urilist_idn_to_ascii(arena *a, const char *p, size_t n, size_t *out_len);

#endif
