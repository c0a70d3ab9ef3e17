/* spf — see spf.h. RFC 7208 evaluation by libspf2 1.2.10 behind a DNS layer
 * of our own and a syntax check of our own.
 *
 * DESIGN
 *   check_host() for the top domain: we look the TXT record up, select the
 *   "v=spf1" record (RFC 7208 4.5), parse it against the RFC 7208 ABNF
 *   (record_parse: every term, every macro, before libspf2 sees anything)
 *   and hand libspf2 a rewritten text ("program", prog_build) that it
 *   compiles once per (domain, record, client address family) and keeps in
 *   a cache. SPF_record_interpret() then evaluates the mechanisms; every DNS
 *   question it asks comes to layer_lookup() / layer_get_spf(), which answer
 *   from our resolver (dns.h) and nothing else: no libspf2 resolver, no zone
 *   layer, so a miss can never leak to live DNS.
 *
 * LIBSPF2 DEVIATIONS CORRECTED (what the conformance notes list, and more
 * found reading its source; each is a test in tests/unit/test_spf.c)
 *   - syntax: libspf2 accepts invalid domain-specs, macros and CIDR forms and
 *     silently drops unknown letters; record_parse rejects them (permerror).
 *     libspf2 only ever compiles text we generated from a valid parse.
 *   - redirect= is evaluated where it stands: we move it after the last
 *     mechanism and drop it when the record has "all" (RFC 7208 6.1).
 *   - exp= is not given to libspf2 at all (20 of the suite's 22
 *     explanations come out wrong); explain() fetches and expands it (RFC
 *     7208 6.2, 7).
 *   - CVE-2023-42118 (macro parsing, integer underflow; the upstream fix
 *     bounds string literals that end near the 511-byte data limit, where
 *     the explanation buffer has no slack): libspf2 never compiles
 *     explanation text, and every domain-spec it gets stays far below that
 *     limit (DS_TEXT_MAX, DS_LITERAL_MAX; longer ones are expanded by us).
 *   - "/0": libspf2 rejects it. ip4:X/0 for an IPv4 client is "all" (and
 *     never matches an IPv6 client, so it is dropped for those); a/0 and
 *     mx/0 get a tag on their target name and layer_lookup answers that
 *     question with the client's own address for every record found.
 *   - IPv4-mapped IPv6 clients are evaluated as IPv4 (RFC 7208 5, 5.6).
 *   - loopback clients: libspf2's free pass is in SPF_request_query_*; we
 *     call SPF_record_interpret() directly and never use those.
 *   - limits (RFC 7208 4.6.4): libspf2 restarts its count in each include
 *     and has no void-lookup limit; we count in the DNS layer across the
 *     whole check (primary lookups of a/mx/ptr/exists, and every include /
 *     redirect) and stop at the 11th term or the 3rd void lookup. More than
 *     SPF_MAX_MX MX records is permerror; PTR answers are cut to SPF_MAX_PTR
 *     names (libspf2 would permerror); a DNS error on a PTR name's address
 *     lookup skips that name and one on the PTR lookup itself is no match
 *     (RFC 7208 5.5).
 *   - macro expansion: libspf2 lacks the "," and "/" delimiters; with a
 *     digit transformer it drops the first character of the value when all
 *     parts are kept ("%{d2}" of "example.com" gives "xample.com"), counts
 *     "." as a separator even when it is not a delimiter and rejects values
 *     over 128; it takes an upper-case "R" transformer for a delimiter; it
 *     URL-escapes too little (and through a signed sprintf); literal runs
 *     over 255 bytes (with %% %_ %- counted in) do not compile. Domain-specs
 *     using any of these (digits, "," "/", upper case, "R") or very long
 *     literals are expanded by us per check and given to libspf2 as a
 *     literal (DS_EXPAND); a name that cannot exist (a label over 253
 *     bytes) becomes a tag answered NXDOMAIN. %{p} is computed by us
 *     (client_dom) before libspf2 would look it up through the DNS layer.
 *   - result INVALID: never reaches a verdict; TXT lookups are ours.
 *   - size: libspf2 silently drops mechanisms once a compiled record passes
 *     about 507 bytes, and cannot count past 255 mechanisms; prog_build cuts
 *     long records into chunks chained by a redirect= to a tagged name that
 *     layer_get_spf answers with the next chunk (same current domain).
 *   - abort(): libspf2 calls SPF_error() (abort) on CNAME or unexpected
 *     answers; our layer only ever returns records of the type asked, built
 *     with libspf2's own constructors.
 *   - the log handlers are global: set once (pthread_once), quiet.
 *
 * DONE OUTSIDE LIBSPF2 (the minimum, and why)
 *   - record lookup and selection (4.4, 4.5) and the syntax check (above);
 *   - the explanation (6.2) and %{p} (7.3), see above;
 *   - which term decided: libspf2 does not say. Every top-level DNS term
 *     produces exactly one "event" in our layer (its primary lookup, or its
 *     include/redirect fetch), in record order, so the last event names the
 *     last DNS term evaluated; a later ip4/ip6/all term can only have
 *     decided if it matches (a pure function we evaluate); if the qualifiers
 *     cannot tell them apart, the DNS term is evaluated once more alone, by
 *     libspf2 (term_matches_alone).
 *
 * LIMITS OF THIS APPROACH
 *   - chunk chaining adds to libspf2's include/redirect depth of 20; only
 *     records of several hundred mechanisms nested several includes deep
 *     could reach it (permerror "libspf2: ...").
 *   - a domain name longer than 253 characters after expansion is cut at
 *     its left (RFC 7208 7.3) by us, in the DNS layer (libspf2 does not).
 *   - %{p} is computed once per check, preferring a name within the first
 *     domain whose record uses it (RFC 7208 7.3 "SHOULD").
 *   - records that need DS_EXPAND are compiled for each check, not cached. */
#include "auth/spf.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <spf2/spf.h>

#define CIDR_ABSENT (-1)
#define CHUNK_BUDGET 440   /* compiled bytes per libspf2 record; it drops mechanisms past 507 */
#define DS_LITERAL_MAX 200 /* longer literal runs in a domain-spec: expanded by us */
#define DS_TEXT_MAX 250    /* longer domain-specs: expanded by us */
#define NAME_MAX_LEN 253   /* RFC 7208 7.3: longer expansions lose labels at the left */
#define TERM_SHOW 64       /* bytes of a term quoted in a problem text */
#define RECEIVER_MAX 255

/* ---- parsed records ---- */

enum tkind { K_ALL, K_INCLUDE, K_A, K_MX, K_PTR, K_IP4, K_IP6, K_EXISTS, K_REDIRECT, K_EXP, K_MOD };

static const struct {
    const char *name;
    enum tkind kind;
} mech_table[] = {
    {"all", K_ALL}, {"include", K_INCLUDE}, {"a", K_A},     {"mx", K_MX},
    {"ptr", K_PTR}, {"ip4", K_IP4},         {"ip6", K_IP6}, {"exists", K_EXISTS},
};

#define DS_P 1      /* uses %{p} */
#define DS_EXPAND 2 /* libspf2 would expand it differently from RFC 7208: we expand it */
#define DS_DOT 4    /* ends with a literal "." (not given to libspf2) */

struct term {
    enum tkind kind;
    char qual; /* '+', '-', '~', '?'; 0 for modifiers */
    const char *text;
    size_t text_len;
    const char *ds; /* domain-spec as written; NULL when absent */
    size_t ds_len;
    int cidr4, cidr6; /* CIDR_ABSENT or the length */
    unsigned char net[16];
    unsigned ds_flags;
};

struct record {
    struct term *t;
    size_t n;
    int redirect, exp, all; /* term index, or -1 */
    bool uses_p, expand;
    const char *error; /* "syntax error ...": the record is a permerror */
    size_t *dns;       /* the DNS terms libspf2 may evaluate, in order */
    size_t n_dns;
};

static bool is_dns_kind(enum tkind k)
{
    return k == K_INCLUDE || k == K_A || k == K_MX || k == K_PTR || k == K_EXISTS ||
           k == K_REDIRECT;
}

/* ---- macros (RFC 7208 7.1) ---- */

static const char DELIMS[] = ".-+,/_=";

enum mtok { MT_LITERAL, MT_PERCENT, MT_SPACE, MT_URLSPACE, MT_VAR, MT_ERROR };

struct macro {
    char letter; /* lowercase */
    bool upper;
    int digits; /* 0: none */
    bool rev;
    bool rev_upper;  /* written "R" (ABNF strings are case-insensitive) */
    unsigned delims; /* bit i: DELIMS[i]; 0: none given (".") */
};

/* One token of a macro-string at p (len > 0): its kind and length; *m for
 * MT_VAR. MT_ERROR with *why for a broken macro. */
static enum mtok macro_token(const char *p, size_t len, size_t *tl, struct macro *m,
                             const char **why)
{
    *tl = 1;
    if (p[0] != '%') return MT_LITERAL;
    if (len < 2) {
        *why = "'%' at the end";
        return MT_ERROR;
    }
    *tl = 2;
    switch (p[1]) {
    case '%':
        return MT_PERCENT;
    case '_':
        return MT_SPACE;
    case '-':
        return MT_URLSPACE;
    case '{':
        break;
    default:
        *why = "'%' not followed by '{', '%', '_' or '-'";
        return MT_ERROR;
    }
    size_t k = 2;
    memset(m, 0, sizeof *m);
    if (k >= len || !ch_is_alpha((unsigned char)p[k])) {
        *why = "macro without a letter";
        return MT_ERROR;
    }
    m->upper = p[k] >= 'A' && p[k] <= 'Z';
    m->letter = (char)ch_lower((unsigned char)p[k]);
    k++;
    size_t d0 = k;
    while (k < len && ch_is_digit((unsigned char)p[k])) {
        if (m->digits < 1000) m->digits = m->digits * 10 + (p[k] - '0');
        k++;
    }
    if (k > d0 && m->digits == 0) {
        *why = "digit transformer 0";
        return MT_ERROR;
    }
    if (k < len && (p[k] == 'r' || p[k] == 'R')) {
        m->rev = true;
        m->rev_upper = p[k] == 'R';
        k++;
    }
    while (k < len && p[k] != '}') {
        const char *d = memchr(DELIMS, p[k], sizeof DELIMS - 1);
        if (!d) {
            *why = "invalid macro transformer or delimiter";
            return MT_ERROR;
        }
        m->delims |= 1u << (d - DELIMS);
        k++;
    }
    if (k >= len) {
        *why = "unterminated macro";
        return MT_ERROR;
    }
    *tl = k + 1;
    return MT_VAR;
}

enum mmode { M_DOMAIN, M_MODIFIER, M_EXPLAIN };

/* The letters allowed in each kind of macro-string: c, r and t only in
 * explanation text (RFC 7208 7.1); unknown modifiers are syntax-checked only. */
static bool letter_ok(char l, enum mmode mode)
{
    if (strchr("slodiphv", l)) return true;
    return mode != M_DOMAIN && strchr("crt", l);
}

/* Whether libspf2's expansion of this macro agrees with RFC 7208. */
static bool macro_libspf2_ok(const struct macro *m)
{
    if (m->upper) return false;                            /* escapes too little, signed sprintf */
    if (m->rev_upper) return false;                        /* takes "R" for a delimiter */
    if (m->delims & ((1u << 3) | (1u << 4))) return false; /* ',' '/' unknown to it */
    /* digits: it drops the first character when they ask for every part
     * ("%{d2}" of "example.com" is "xample.com"), counts '.' as a part
     * separator even when it is not a delimiter, and rejects more than 128 */
    if (m->digits) return false;
    return true;
}

/* Check a macro-string (p,len). Returns NULL or why it is invalid. */
static const char *macro_string_check(const char *p, size_t len, enum mmode mode, unsigned *flags)
{
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)p[i];
        size_t tl;
        struct macro m;
        const char *why = NULL;
        enum mtok k = macro_token(p + i, len - i, &tl, &m, &why);
        if (k == MT_ERROR) return why;
        if (k == MT_LITERAL && (c < 0x21 || c > 0x7e) && !(mode == M_EXPLAIN && c == ' '))
            return "character not allowed";
        if (k == MT_VAR) {
            if (!letter_ok(m.letter, mode)) return "unknown macro letter";
            if (m.letter == 'p' && flags) *flags |= DS_P;
            if (!macro_libspf2_ok(&m) && flags) *flags |= DS_EXPAND;
        }
        i += tl;
    }
    return NULL;
}

/* toplabel = ( *alphanum ALPHA *alphanum ) /
 *            ( 1*alphanum "-" *( alphanum / "-" ) alphanum ) */
static bool toplabel_ok(const char *p, size_t n)
{
    bool alpha = false, dash = false;
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (ch_is_alpha(c))
            alpha = true;
        else if (c == '-')
            dash = true;
        else if (!ch_is_digit(c))
            return false;
    }
    if (!dash) return alpha;
    return ch_is_alnum((unsigned char)p[0]) && ch_is_alnum((unsigned char)p[n - 1]);
}

/* domain-spec = macro-string domain-end
 * domain-end  = ( "." toplabel [ "." ] ) / macro-expand
 * Returns NULL or why (p,len) is not one; *flags gets DS_*. */
static const char *domain_spec_check(const char *p, size_t len, unsigned *flags)
{
    *flags = 0;
    if (len == 0) return "empty domain-spec";
    const char *why = macro_string_check(p, len, M_DOMAIN, flags);
    if (why) return why;
    /* lit: where the literal run at the end starts (after the last
     * macro-expand); frag: libspf2's literal fragment, which runs from one
     * %{...} to the next ("%%", "%_" and "%-" are part of it) */
    size_t lit = 0, frag = 0, longest = 0;
    for (size_t i = 0; i < len;) {
        size_t tl;
        struct macro m;
        enum mtok k = macro_token(p + i, len - i, &tl, &m, &why);
        i += tl;
        if (k != MT_LITERAL) lit = i;
        frag = k == MT_VAR ? 0 : frag + (k == MT_URLSPACE ? 3 : 1);
        if (frag > longest) longest = frag;
    }
    if (longest > DS_LITERAL_MAX || len > DS_TEXT_MAX) *flags |= DS_EXPAND;
    if (lit == len) return NULL; /* ends with a macro-expand */
    size_t e = len;
    if (p[e - 1] == '.') {
        e--;
        *flags |= DS_DOT;
    }
    size_t dot = e;
    while (dot > lit && p[dot - 1] != '.')
        dot--;
    if (dot == lit) return "domain-spec must end with '.' and a top-level label, or a macro";
    if (!toplabel_ok(p + dot, e - dot)) return "invalid top-level label";
    return NULL;
}

/* ---- record syntax (RFC 7208 4.6.1, 5, 6, 12) ---- */

/* "/" ("0" / %x31-39 0*1DIGIT) for max 32, 0*2DIGIT for max 128. */
static int cidr_value(const char *p, size_t n, int max)
{
    if (n == 0 || n > 3) return -1;
    if (p[0] == '0' && n > 1) return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ch_is_digit((unsigned char)p[i])) return -1;
        v = v * 10 + (p[i] - '0');
    }
    return v <= max ? v : -1;
}

/* qnum "." qnum "." qnum "." qnum, no leading zeros */
static bool ip4_network(const char *p, size_t n, unsigned char out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        size_t s = i;
        unsigned v = 0;
        while (i < n && ch_is_digit((unsigned char)p[i]) && i - s < 3) {
            v = v * 10 + (unsigned)(p[i] - '0');
            i++;
        }
        if (i == s || v > 255 || (p[s] == '0' && i - s > 1)) return false;
        out[part] = (unsigned char)v;
        if (part < 3) {
            if (i >= n || p[i] != '.') return false;
            i++;
        }
    }
    return i == n;
}

static bool ip6_network(const char *p, size_t n, unsigned char out[16])
{
    char buf[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return inet_pton(AF_INET6, buf, out) == 1;
}

struct parser {
    arena *a;
    struct record *r;
    size_t cap;
};

__attribute__((format(printf, 2, 3))) static void syntax_error(struct parser *ps, const char *fmt,
                                                               ...)
{
    if (ps->r->error) return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    ps->r->error = arena_printf(ps->a, "syntax error%s", buf);
}

/* A term quoted in a message: at most TERM_SHOW bytes. */
static int show_len(size_t n)
{
    return (int)(n > TERM_SHOW ? TERM_SHOW : n);
}

/* Strip "/N" and "//N" from the end of an a/mx value (RFC 7208 5.3, 5.4). */
static bool dual_cidr(struct parser *ps, const struct term *t, const char *v, size_t *vl, int *c4,
                      int *c6)
{
    *c4 = *c6 = CIDR_ABSENT;
    size_t n = *vl, d = n;
    while (d > 0 && ch_is_digit((unsigned char)v[d - 1]))
        d--;
    if (d < n && d >= 2 && v[d - 1] == '/' && v[d - 2] == '/') {
        *c6 = cidr_value(v + d, n - d, 128);
        if (*c6 < 0) goto bad;
        n = d - 2;
        d = n;
        while (d > 0 && ch_is_digit((unsigned char)v[d - 1]))
            d--;
    }
    if (d < n && d >= 1 && v[d - 1] == '/') {
        *c4 = cidr_value(v + d, n - d, 32);
        if (*c4 < 0) goto bad;
        n = d - 1;
    }
    *vl = n;
    return true;
bad:
    syntax_error(ps, " in '%.*s': invalid CIDR length", show_len(t->text_len), t->text);
    return false;
}

static void add_term(struct parser *ps, const struct term *t)
{
    struct record *r = ps->r;
    r->t = arena_grow(ps->a, r->t, &ps->cap, r->n + 1, sizeof *r->t);
    r->t[r->n++] = *t;
}

/* A domain-spec that must be there (include, exists, redirect, exp) or may
 * be (a, mx, ptr: v is "" or ":..."). */
static void term_domain(struct parser *ps, struct term *t, const char *v, size_t vl, bool required)
{
    if (vl == 0 && !required) return;
    const char *why;
    if (vl == 0 || v[0] != ':') {
        why = vl == 0 ? "missing ':' and domain-spec" : "expected ':' and a domain-spec";
        syntax_error(ps, " in '%.*s': %s", show_len(t->text_len), t->text, why);
        return;
    }
    t->ds = v + 1;
    t->ds_len = vl - 1;
    why = domain_spec_check(t->ds, t->ds_len, &t->ds_flags);
    if (why) syntax_error(ps, " in '%.*s': %s", show_len(t->text_len), t->text, why);
}

static void parse_modifier(struct parser *ps, const char *tp, size_t tl, size_t nl)
{
    struct record *r = ps->r;
    struct term t = {.kind = K_MOD, .text = tp, .text_len = tl, .cidr4 = -1, .cidr6 = -1};
    const char *v = tp + nl + 1;
    size_t vl = tl - nl - 1;
    if (str_eq_ci(tp, nl, "redirect") || str_eq_ci(tp, nl, "exp")) {
        bool redirect = nl == 8;
        int *slot = redirect ? &r->redirect : &r->exp;
        if (*slot >= 0) {
            syntax_error(ps, ": %s= appears twice", redirect ? "redirect" : "exp");
            return;
        }
        t.kind = redirect ? K_REDIRECT : K_EXP;
        t.ds = v;
        t.ds_len = vl;
        const char *why = domain_spec_check(v, vl, &t.ds_flags);
        if (why) {
            syntax_error(ps, " in '%.*s': %s", show_len(tl), tp, why);
            return;
        }
        *slot = (int)r->n;
    } else {
        const char *why = macro_string_check(v, vl, M_MODIFIER, NULL);
        if (why) {
            syntax_error(ps, " in modifier '%.*s': %s", show_len(tl), tp, why);
            return;
        }
    }
    add_term(ps, &t);
}

static void parse_directive(struct parser *ps, const char *tp, size_t tl)
{
    struct term t = {.qual = '+', .text = tp, .text_len = tl, .cidr4 = -1, .cidr6 = -1};
    const char *p = tp;
    size_t n = tl;
    if (strchr("+-~?", *p)) {
        t.qual = *p;
        p++;
        n--;
    }
    size_t nl = 0;
    while (nl < n && p[nl] != ':' && p[nl] != '/')
        nl++;
    size_t i;
    for (i = 0; i < sizeof mech_table / sizeof mech_table[0]; i++)
        if (str_eq_ci(p, nl, mech_table[i].name)) break;
    if (i == sizeof mech_table / sizeof mech_table[0]) {
        syntax_error(ps, ": unknown mechanism '%.*s'", show_len(nl), p);
        return;
    }
    t.kind = mech_table[i].kind;
    const char *v = p + nl;
    size_t vl = n - nl;
    switch (t.kind) {
    case K_ALL:
        if (vl) syntax_error(ps, " in '%.*s': 'all' takes no argument", show_len(tl), tp);
        break;
    case K_INCLUDE:
    case K_EXISTS:
        term_domain(ps, &t, v, vl, true);
        break;
    case K_PTR:
        if (vl && v[0] == '/') {
            syntax_error(ps, " in '%.*s': 'ptr' takes no CIDR length", show_len(tl), tp);
            break;
        }
        term_domain(ps, &t, v, vl, false);
        break;
    case K_A:
    case K_MX:
        if (dual_cidr(ps, &t, v, &vl, &t.cidr4, &t.cidr6)) term_domain(ps, &t, v, vl, false);
        break;
    case K_IP4:
    case K_IP6: {
        bool v4 = t.kind == K_IP4;
        if (vl < 2 || v[0] != ':') {
            syntax_error(ps, " in '%.*s': missing ':' and address", show_len(tl), tp);
            break;
        }
        const char *net = v + 1;
        size_t netl = vl - 1;
        const char *slash = v4 ? memchr(net, '/', netl) : NULL;
        if (!v4) { /* the last '/' (an IPv6 address has none) */
            for (size_t k = netl; k > 0; k--)
                if (net[k - 1] == '/') {
                    slash = net + k - 1;
                    break;
                }
        }
        if (slash) {
            size_t cl = netl - (size_t)(slash - net) - 1;
            int cv = cidr_value(slash + 1, cl, v4 ? 32 : 128);
            if (cv < 0) {
                syntax_error(ps, " in '%.*s': invalid CIDR length", show_len(tl), tp);
                break;
            }
            if (v4)
                t.cidr4 = cv;
            else
                t.cidr6 = cv;
            netl = (size_t)(slash - net);
        }
        bool ok = v4 ? ip4_network(net, netl, t.net) : ip6_network(net, netl, t.net);
        if (!ok)
            syntax_error(ps, " in '%.*s': invalid %s network", show_len(tl), tp,
                         v4 ? "IPv4" : "IPv6");
        break;
    }
    default:
        break;
    }
    if (ps->r->error) return;
    if (t.kind == K_ALL && ps->r->all < 0) ps->r->all = (int)ps->r->n;
    add_term(ps, &t);
}

/* Parse the record (p,len), which starts with "v=spf1". */
static void record_parse(arena *a, const char *p, size_t len, struct record *r)
{
    memset(r, 0, sizeof *r);
    r->redirect = r->exp = r->all = -1;
    struct parser ps = {a, r, 0};
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x80) {
            syntax_error(&ps, ": non-ASCII byte 0x%02x at offset %zu", c, i);
            return;
        }
        if (c < 0x20 || c == 0x7f) {
            syntax_error(&ps, ": control character 0x%02x at offset %zu", c, i);
            return;
        }
    }
    size_t terms = 0;
    for (size_t i = 6; i < len && !r->error;) {
        while (i < len && p[i] == ' ')
            i++;
        if (i >= len) break;
        size_t s = i;
        while (i < len && p[i] != ' ')
            i++;
        const char *tp = p + s;
        size_t tl = i - s;
        if (++terms > SPF_MAX_TERMS) {
            syntax_error(&ps, ": more than %d terms", SPF_MAX_TERMS);
            break;
        }
        /* name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ), then "=": a modifier */
        size_t nl = 0;
        if (ch_is_alpha((unsigned char)tp[0])) {
            nl = 1;
            while (nl < tl && (ch_is_alnum((unsigned char)tp[nl]) || tp[nl] == '-' ||
                               tp[nl] == '_' || tp[nl] == '.'))
                nl++;
        }
        if (nl > 0 && nl < tl && tp[nl] == '=')
            parse_modifier(&ps, tp, tl, nl);
        else
            parse_directive(&ps, tp, tl);
    }
    if (r->error) return;
    /* the DNS terms libspf2 can reach, in the order it evaluates them */
    r->dns = arena_alloc(a, (r->n + 1) * sizeof *r->dns);
    for (size_t i = 0; i < r->n; i++) {
        struct term *t = &r->t[i];
        if (t->kind == K_EXP || t->kind == K_MOD) continue;
        if (t->kind == K_REDIRECT) continue;
        if (t->ds_flags & DS_P) r->uses_p = true;
        if (t->ds_flags & DS_EXPAND) r->expand = true;
        if (is_dns_kind(t->kind)) r->dns[r->n_dns++] = i;
        if (t->kind == K_ALL) break;
    }
    if (r->redirect >= 0 && r->all < 0) {
        struct term *t = &r->t[r->redirect];
        if (t->ds_flags & DS_P) r->uses_p = true;
        if (t->ds_flags & DS_EXPAND) r->expand = true;
        r->dns[r->n_dns++] = (size_t)r->redirect;
    }
}

/* ---- checker and per-check state ---- */

/* A record rewritten for libspf2: chunk[0] is the record, each chunk but the
 * last ends with redirect= to the next (layer_get_spf). */
struct prog {
    SPF_record_t **chunk;
    size_t n;
    const char *domain; /* lowercased: the current domain of continuation chunks */
    const char *error;  /* libspf2 did not take what we generated (a bug): why */
};

/* Cached per (domain, record text): the parse, and a program per client
 * address family (a/0, ip4:x/0 are written differently for each). */
struct centry {
    uint64_t hash;
    const char *domain;
    const char *text;
    size_t len;
    struct record rec;
    struct prog *prog[2];
};

struct chain {
    const struct record *rec; /* the top record, then each redirect= target */
    const char *dom;          /* the current-domain string libspf2 has (identity matters) */
    size_t next;              /* DNS terms of rec seen evaluated */
    long last;                /* term index of the last of them, -1 if none */
};

struct eval {
    struct spf_checker *c;
    arena *s; /* the checker's scratch arena */
    int family;
    unsigned char ip[16];
    char ipstr[INET6_ADDRSTRLEN];
    const char *sender, *local, *sdomain, *helo;
    int64_t now;
    unsigned terms, voids;
    enum auth_result err; /* AUTH_NONE while there is no error */
    const char *why;
    bool quiet;          /* evaluating one term again (attribution): no events */
    SPF_response_t *top; /* the top record's response while libspf2 runs */
    struct chain chain;
    const struct term *redirected; /* the top record's redirect=, once followed */
    const char *p;                 /* %{p} once computed */
    const char **xname;            /* names we expanded, referred to by number */
    size_t n_xname, cap_xname;
    struct prog **tmp; /* programs compiled for this check only */
    size_t n_tmp, cap_tmp;
};

struct spf_checker {
    struct dns_resolver *dns;
    SPF_server_t *server;
    SPF_dns_server_t layer;
    SPF_request_t *req;
    char secret[17]; /* tags our own names in libspf2's questions */
    char receiver[RECEIVER_MAX + 1];
    arena *scratch;
    arena *cache_arena;
    struct centry **tab;
    size_t cap, count;
    struct prog **cprog; /* cached programs by number (continuation names) */
    size_t n_cprog, cap_cprog;
    struct eval *cur;
};

static void oom(void)
{
    fputs("mailaudit: out of memory\n", stderr);
    exit(2);
}

static void fail(struct eval *ev, enum auth_result res, const char *why)
{
    if (ev->err != AUTH_NONE) return;
    ev->err = res;
    ev->why = why;
}

static bool count_term(struct eval *ev)
{
    if (++ev->terms <= SPF_MAX_DNS_TERMS) return false;
    fail(ev, AUTH_PERMERROR, "more than 10 DNS-querying terms");
    return true;
}

static bool count_void(struct eval *ev)
{
    if (++ev->voids <= SPF_MAX_VOID) return false;
    fail(ev, AUTH_PERMERROR, "more than 2 void lookups");
    return true;
}

/* ---- names ---- */

/* RFC 7208 4.3: a multi-label name, labels of 1..63 bytes, at most 253. */
static bool domain_ok(const char *d, size_t n)
{
    if (n == 0 || n > NAME_MAX_LEN || d[0] == '[') return false;
    size_t labels = 0, run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)d[i];
        if (c <= 0x20 || c == 0x7f) return false;
        if (c == '.') {
            if (run == 0) return false;
            labels++;
            run = 0;
        } else if (++run > 63) {
            return false;
        }
    }
    return run > 0 && labels >= 1;
}

/* A name for the resolver from SPF text (s,n): final dot dropped, cut at the
 * left to NAME_MAX_LEN (RFC 7208 7.3), '\' escaped (dns_lookup reads
 * presentation form). NULL when nothing is left. */
static const char *query_name(arena *a, const char *s, size_t n)
{
    if (n && s[n - 1] == '.') n--;
    while (n > NAME_MAX_LEN) {
        const char *dot = memchr(s, '.', n);
        if (!dot) break;
        n -= (size_t)(dot - s) + 1;
        s = dot + 1;
    }
    if (n == 0) return NULL;
    if (!memchr(s, '\\', n)) return arena_strndup(a, s, n);
    struct arena_str b = {.a = a};
    for (size_t i = 0; i < n; i++)
        arena_str_put(&b, s[i] == '\\' ? "\\\\" : s + i, s[i] == '\\' ? 2 : 1);
    return b.p;
}

/* The lowercased current-domain text for libspf2 (final dot dropped, cut). */
static char *current_domain(arena *a, const char *s)
{
    size_t n = strlen(s);
    if (n && s[n - 1] == '.') n--;
    while (n > NAME_MAX_LEN) {
        const char *dot = memchr(s, '.', n);
        if (!dot) break;
        n -= (size_t)(dot - s) + 1;
        s = dot + 1;
    }
    char *d = arena_strndup(a, s, n);
    str_lower(d, n);
    return d;
}

static bool name_in_domain(const char *name, const char *dom)
{
    size_t nl = strlen(name), dl = strlen(dom);
    if (dl > nl) return false;
    if (strcasecmp(name + nl - dl, dom) != 0) return false;
    return nl == dl || name[nl - dl - 1] == '.';
}

static bool addr_equal(const struct eval *ev, const struct dns_rr *rr)
{
    return memcmp(rr->addr, ev->ip, ev->family == AF_INET ? 4 : 16) == 0;
}

/* %{p} (RFC 7208 7.3): a validated name of the client, within `pref` if one
 * is; "unknown" if none. Computed once per check, given to libspf2 too. */
static const char *ensure_p(struct eval *ev, const char *pref)
{
    if (ev->p) return ev->p;
    struct spf_checker *c = ev->c;
    const char *first = NULL, *best = NULL;
    char *rev = dns_reverse_name(ev->s, ev->ipstr);
    struct dns_answer ptr;
    if (rev && dns_lookup(c->dns, ev->s, rev, DNS_T_PTR, &ptr) == DNS_OK) {
        enum dns_type t = ev->family == AF_INET ? DNS_T_A : DNS_T_AAAA;
        for (size_t i = 0; i < ptr.n && i < SPF_MAX_PTR && !best; i++) {
            const char *name = ptr.rr[i].text;
            struct dns_answer ad;
            if (dns_lookup(c->dns, ev->s, name, t, &ad) != DNS_OK) continue;
            for (size_t k = 0; k < ad.n; k++) {
                if (!addr_equal(ev, &ad.rr[k])) continue;
                if (!first) first = name;
                if (pref && name_in_domain(name, pref)) best = name;
                break;
            }
        }
    }
    ev->p = best ? best : first ? first : "unknown";
    free(c->req->client_dom);
    c->req->client_dom = xstrdup(ev->p);
    return ev->p;
}

/* ---- our macro expansion (RFC 7208 7.3) ---- */

static const char *macro_value(struct eval *ev, char letter, const char *cur)
{
    switch (letter) {
    case 's':
        return ev->sender;
    case 'l':
        return ev->local;
    case 'o':
        return ev->sdomain;
    case 'd':
        return cur;
    case 'i':
        if (ev->family == AF_INET) return ev->ipstr;
        {
            static const char hex[] = "0123456789abcdef";
            char *s = arena_alloc(ev->s, 64);
            for (int i = 0; i < 16; i++) {
                s[i * 4] = hex[ev->ip[i] >> 4];
                s[i * 4 + 1] = '.';
                s[i * 4 + 2] = hex[ev->ip[i] & 15];
                s[i * 4 + 3] = '.';
            }
            s[63] = '\0';
            return s;
        }
    case 'p':
        return ensure_p(ev, cur);
    case 'v':
        return ev->family == AF_INET ? "in-addr" : "ip6";
    case 'h':
        return ev->helo;
    case 'c':
        return ev->ipstr;
    case 'r':
        return ev->c->receiver;
    case 't':
        return arena_printf(ev->s, "%lld", (long long)ev->now);
    }
    return "";
}

static bool is_delim(const struct macro *m, char ch)
{
    if (!m->delims) return ch == '.';
    const char *d = memchr(DELIMS, ch, sizeof DELIMS - 1);
    return d && (m->delims & (1u << (d - DELIMS)));
}

/* Split, reverse, keep the right-hand parts, rejoin with "."; URL-escape
 * for an upper-case letter (RFC 3986 unreserved characters kept). */
static void macro_expand(struct eval *ev, const struct macro *m, const char *val,
                         struct arena_str *out)
{
    size_t vl = strlen(val), np = 1;
    for (size_t i = 0; i < vl; i++)
        if (is_delim(m, val[i])) np++;
    struct slice *part = arena_alloc(ev->s, np * sizeof *part);
    size_t k = 0, s = 0;
    for (size_t i = 0; i <= vl; i++) {
        if (i == vl || is_delim(m, val[i])) {
            part[k].p = val + s;
            part[k++].len = i - s;
            s = i + 1;
        }
    }
    if (m->rev)
        for (size_t i = 0; i < np / 2; i++) {
            struct slice t = part[i];
            part[i] = part[np - 1 - i];
            part[np - 1 - i] = t;
        }
    size_t from = m->digits && (size_t)m->digits < np ? np - (size_t)m->digits : 0;
    for (size_t i = from; i < np; i++) {
        if (i > from) arena_str_put(out, ".", 1);
        if (!m->upper) {
            arena_str_put(out, part[i].p, part[i].len);
            continue;
        }
        for (size_t j = 0; j < part[i].len; j++) {
            unsigned char ch = (unsigned char)part[i].p[j];
            if (ch_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch == '~') {
                arena_str_put(out, (const char *)&ch, 1);
            } else {
                char e[4];
                snprintf(e, sizeof e, "%%%02X", ch);
                arena_str_put(out, e, 3);
            }
        }
    }
}

/* Expand the macro-string (p,len) with `cur` as %{d}. false on a syntax
 * error. An explanation stops growing past `cap` bytes; a domain name keeps
 * its last `cap` bytes at least (only labels at the right survive 7.3). */
static bool expand_string(struct eval *ev, const char *p, size_t len, const char *cur,
                          enum mmode mode, size_t cap, struct arena_str *out)
{
    for (size_t i = 0; i < len;) {
        size_t tl;
        struct macro m;
        const char *why;
        if (mode != M_DOMAIN && out->len > cap) return true;
        if (mode == M_DOMAIN && out->len > 2 * cap) {
            memmove(out->p, out->p + out->len - cap, cap);
            out->len = cap;
            out->p[cap] = '\0';
        }
        switch (macro_token(p + i, len - i, &tl, &m, &why)) {
        case MT_ERROR:
            return false;
        case MT_LITERAL:
            arena_str_put(out, p + i, 1);
            break;
        case MT_PERCENT:
            arena_str_put(out, "%", 1);
            break;
        case MT_SPACE:
            arena_str_put(out, " ", 1);
            break;
        case MT_URLSPACE:
            arena_str_put(out, "%20", 3);
            break;
        case MT_VAR:
            if (!letter_ok(m.letter, mode)) return false;
            macro_expand(ev, &m, macro_value(ev, m.letter, cur), out);
            break;
        }
        i += tl;
    }
    if (!out->p) arena_str_put(out, "", 0);
    return true;
}

/* A domain-spec expanded for a DNS question (RFC 7208 7.3), or NULL. */
static const char *expand_domain(struct eval *ev, const char *ds, size_t len, const char *cur)
{
    struct arena_str b = {.a = ev->s};
    if (!expand_string(ev, ds, len, cur, M_DOMAIN, 4 * NAME_MAX_LEN, &b)) return NULL;
    if (b.len > 4 * NAME_MAX_LEN) { /* what the last macro added: keep the tail */
        memmove(b.p, b.p + b.len - 4 * NAME_MAX_LEN, 4 * NAME_MAX_LEN);
        b.len = 4 * NAME_MAX_LEN;
    }
    size_t n = b.len;
    const char *s = b.p;
    if (n && s[n - 1] == '.') n--;
    while (n > NAME_MAX_LEN) {
        const char *dot = memchr(s, '.', n);
        if (!dot) break;
        n -= (size_t)(dot - s) + 1;
        s = dot + 1;
    }
    return arena_strndup(ev->s, s, n);
}

/* ---- libspf2 programs ---- */

struct gen {
    struct eval *ev;
    bool v6;            /* the client is IPv6 */
    const char *domain; /* current domain (for DS_EXPAND) */
};

static void put_tag(const struct spf_checker *c, struct arena_str *out, char kind)
{
    char tag[20] = {'_', kind};
    memcpy(tag + 2, c->secret, 16);
    arena_str_put(out, tag, 18);
}

/* Compiled bytes libspf2 needs for the macro-string data (p,n): 4 per
 * variable, 4 plus the length rounded up to 4 per literal run. */
static size_t data_size(const char *p, size_t n)
{
    size_t size = 0, lit = 0;
    for (size_t i = 0; i < n;) {
        size_t tl;
        struct macro m;
        const char *why;
        enum mtok k = macro_token(p + i, n - i, &tl, &m, &why);
        if (k == MT_VAR) {
            if (lit) size += 4 + ((lit + 3) & ~(size_t)3);
            lit = 0;
            size += 4;
        } else {
            lit += k == MT_URLSPACE ? 3 : 1;
        }
        i += tl;
    }
    if (lit) size += 4 + ((lit + 3) & ~(size_t)3);
    return size;
}

/* Whether a DNS name could exist: 1..253 bytes, labels of 1..63. */
static bool name_possible(const char *s)
{
    size_t n = s ? strlen(s) : 0, run = 0;
    if (n == 0 || n > NAME_MAX_LEN) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '.') {
            if (++run > 63) return false;
        } else if (run == 0) {
            return false;
        } else {
            run = 0;
        }
    }
    return run > 0;
}

/* The target of t as libspf2 gets it (for a, mx: `zero` when its CIDR
 * length is 0). A domain-spec we expand ourselves (DS_EXPAND) becomes a
 * reference "_y<secret>.N" to ev->xname[N] ("_w" with zero), so that no
 * long or odd name passes through libspf2's parser; but a ptr: target is
 * compared as text by libspf2, so it is written out. A name that cannot
 * exist is "_x<secret>" (answered NXDOMAIN). */
static void emit_ds(const struct gen *g, const struct term *t, bool zero, struct arena_str *out)
{
    struct eval *ev = g->ev;
    if (t->ds && (t->ds_flags & DS_EXPAND)) {
        const char *name = expand_domain(ev, t->ds, t->ds_len, g->domain);
        if (!name_possible(name)) {
            put_tag(ev->c, out, 'x');
            return;
        }
        if (t->kind == K_PTR) {
            for (const char *s = name; *s; s++) {
                if (*s == '%')
                    arena_str_put(out, "%%", 2);
                else if (*s == ' ')
                    arena_str_put(out, "%_", 2);
                else
                    arena_str_put(out, s, 1);
            }
            return;
        }
        ev->xname =
            arena_grow(ev->s, ev->xname, &ev->cap_xname, ev->n_xname + 1, sizeof *ev->xname);
        ev->xname[ev->n_xname] = name;
        char num[24];
        int nl = snprintf(num, sizeof num, ".%zu", ev->n_xname++);
        put_tag(ev->c, out, zero ? 'w' : 'y');
        arena_str_put(out, num, (size_t)nl);
        return;
    }
    if (zero) {
        put_tag(ev->c, out, 'z');
        arena_str_put(out, ".", 1);
    }
    if (t->ds)
        arena_str_put(out, t->ds, t->ds_len - ((t->ds_flags & DS_DOT) ? 1 : 0));
    else
        arena_str_put(out, "%{d}", 4);
}

/* Term t for libspf2 with qualifier q: text in *out, compiled size in
 * *size. false when t is left out (it can never match this client). *stop
 * when nothing after it can be reached. */
static bool emit_term(const struct gen *g, const struct term *t, char q, struct arena_str *out,
                      size_t *size, bool *stop)
{
    char buf[INET6_ADDRSTRLEN + 16];
    size_t start = out->len;
    *stop = false;
    *size = 4;
    if (t->kind != K_REDIRECT) arena_str_put(out, &q, 1);
    switch (t->kind) {
    case K_ALL:
        arena_str_put(out, "all", 3);
        *stop = true;
        return true;
    case K_IP4:
    case K_IP6: {
        bool v4 = t->kind == K_IP4;
        if (v4 == g->v6) return false;
        int cidr = v4 ? t->cidr4 : t->cidr6;
        if (cidr == 0) {
            arena_str_put(out, "all", 3);
            *stop = true;
            return true;
        }
        char addr[INET6_ADDRSTRLEN];
        inet_ntop(v4 ? AF_INET : AF_INET6, t->net, addr, sizeof addr);
        int n = snprintf(buf, sizeof buf, "%s:%s", v4 ? "ip4" : "ip6", addr);
        if (cidr > 0 && cidr != (v4 ? 32 : 128))
            n += snprintf(buf + n, sizeof buf - (size_t)n, "/%d", cidr);
        arena_str_put(out, buf, (size_t)n);
        *size += v4 ? 4 : 16;
        return true;
    }
    case K_A:
    case K_MX: {
        int cidr = g->v6 ? t->cidr6 : t->cidr4;
        arena_str_put(out, t->kind == K_A ? "a" : "mx", t->kind == K_A ? 1 : 2);
        if (cidr == 0 || t->ds) {
            arena_str_put(out, ":", 1);
            size_t ds0 = out->len;
            emit_ds(g, t, cidr == 0, out);
            *size += data_size(out->p + ds0, out->len - ds0);
        }
        if (cidr > 0 && cidr != (g->v6 ? 128 : 32)) {
            int n = snprintf(buf, sizeof buf, g->v6 ? "//%d" : "/%d", cidr);
            arena_str_put(out, buf, (size_t)n);
            *size += 4;
        }
        return true;
    }
    case K_PTR:
    case K_EXISTS:
    case K_INCLUDE:
    case K_REDIRECT: {
        static const char *const kw[] = {[K_PTR] = "ptr",
                                         [K_EXISTS] = "exists",
                                         [K_INCLUDE] = "include",
                                         [K_REDIRECT] = "redirect"};
        arena_str_put(out, kw[t->kind], strlen(kw[t->kind]));
        if (!t->ds) return true;
        arena_str_put(out, t->kind == K_REDIRECT ? "=" : ":", 1);
        size_t ds0 = out->len;
        emit_ds(g, t, false, out);
        *size += data_size(out->p + ds0, out->len - ds0);
        return true;
    }
    default:
        out->len = start;
        return false;
    }
}

static SPF_record_t *compile(struct spf_checker *c, const char *text, size_t expect,
                             const char **why)
{
    SPF_response_t *resp = SPF_response_new(NULL);
    SPF_record_t *rec = NULL;
    if (!resp) oom();
    SPF_errcode_t e = SPF_record_compile(c->server, resp, &rec, text);
    if (e != SPF_E_SUCCESS || !rec || (size_t)rec->num_mech != expect) {
        *why = e != SPF_E_SUCCESS ? SPF_strerror(e) : "mechanisms lost";
        if (rec) SPF_record_free(rec);
        rec = NULL;
    }
    SPF_response_free(resp);
    return rec;
}

/* A copy libspf2 may free (it frees include and redirect targets). */
static SPF_record_t *rec_copy(SPF_server_t *server, const SPF_record_t *src)
{
    SPF_record_t *r = SPF_record_new(server, NULL);
    if (!r) oom();
    r->version = src->version;
    r->num_mech = src->num_mech;
    r->num_mod = src->num_mod;
    r->num_dns_mech = src->num_dns_mech;
    if (src->mech_len) {
        r->mech_first = xmalloc(src->mech_len);
        memcpy(r->mech_first, src->mech_first, src->mech_len);
        r->mech_size = r->mech_len = src->mech_len;
    }
    if (src->mod_len) {
        r->mod_first = xmalloc(src->mod_len);
        memcpy(r->mod_first, src->mod_first, src->mod_len);
        r->mod_size = r->mod_len = src->mod_len;
    }
    return r;
}

/* Rewrite record r of `domain` for libspf2 and compile it, in chunks of at
 * most CHUNK_BUDGET compiled bytes. `temp`: for this check only. */
static struct prog *prog_build(struct eval *ev, const struct record *r, const char *domain,
                               bool temp)
{
    struct spf_checker *c = ev->c;
    arena *a = temp ? ev->s : c->cache_arena;
    struct prog *p = arena_zalloc(a, sizeof *p);
    p->domain = arena_strdup(a, domain);
    size_t number;
    if (temp) {
        ev->tmp = xgrow(ev->tmp, &ev->cap_tmp, ev->n_tmp + 1, sizeof *ev->tmp);
        number = ev->n_tmp;
        ev->tmp[ev->n_tmp++] = p;
    } else {
        c->cprog = xgrow(c->cprog, &c->cap_cprog, c->n_cprog + 1, sizeof *c->cprog);
        number = c->n_cprog;
        c->cprog[c->n_cprog++] = p;
    }
    struct gen g = {ev, ev->family == AF_INET6, p->domain};
    /* the terms, as text with their compiled sizes */
    struct item {
        size_t off, len, size;
    } *item = arena_alloc(ev->s, (r->n + 1) * sizeof *item);
    size_t n_item = 0, dns = 0;
    struct arena_str txt = {.a = ev->s};
    bool stop = false;
    for (size_t i = 0; i < r->n && !stop; i++) {
        const struct term *t = &r->t[i];
        if (t->kind == K_EXP || t->kind == K_MOD || t->kind == K_REDIRECT) continue;
        /* the 11th DNS term exceeds the limit whatever happened before it */
        if (is_dns_kind(t->kind) && ++dns > SPF_MAX_DNS_TERMS + 1) break;
        size_t off = txt.len;
        if (emit_term(&g, t, t->qual, &txt, &item[n_item].size, &stop)) {
            item[n_item].off = off;
            item[n_item++].len = txt.len - off;
        }
    }
    if (!stop && r->redirect >= 0 && dns <= SPF_MAX_DNS_TERMS) {
        size_t off = txt.len;
        bool unused;
        emit_term(&g, &r->t[r->redirect], 0, &txt, &item[n_item].size, &unused);
        item[n_item].off = off;
        item[n_item++].len = txt.len - off;
    }
    /* chunks: [first, last) items each */
    size_t *first = arena_alloc(ev->s, (n_item + 1) * sizeof *first);
    size_t n_chunk = 0, used = 0;
    first[n_chunk++] = 0;
    for (size_t i = 0; i < n_item; i++) {
        if (used > 0 && used + item[i].size > CHUNK_BUDGET) {
            first[n_chunk++] = i;
            used = 0;
        }
        used += item[i].size;
    }
    first[n_chunk] = n_item;
    p->chunk = arena_zalloc(a, n_chunk * sizeof *p->chunk);
    p->n = n_chunk;
    for (size_t k = 0; k < n_chunk; k++) {
        struct arena_str s = {.a = ev->s};
        arena_str_put(&s, "v=spf1", 6);
        size_t expect = 0;
        for (size_t i = first[k]; i < first[k + 1]; i++) {
            arena_str_put(&s, " ", 1);
            arena_str_put(&s, txt.p + item[i].off, item[i].len);
            expect++;
        }
        if (k + 1 < n_chunk) {
            char name[64];
            int nl = snprintf(name, sizeof name, " redirect=_c%s.%c%zu.%zu", c->secret,
                              temp ? 't' : 'c', number, k + 1);
            arena_str_put(&s, name, (size_t)nl);
            expect++;
        }
        p->chunk[k] = compile(c, s.p, expect, &p->error);
        if (!p->chunk[k]) {
            p->error = arena_printf(a, "libspf2 cannot take this record (%s)", p->error);
            break;
        }
    }
    return p;
}

static void prog_free(struct prog *p)
{
    for (size_t k = 0; k < p->n; k++)
        if (p->chunk[k]) SPF_record_free(p->chunk[k]);
    p->n = 0;
}

/* ---- the record cache ---- */

static uint64_t entry_hash(const char *domain, const char *text, size_t len)
{
    return hash_fnv1a(domain, strlen(domain)) * 0x100000001B3u ^ hash_fnv1a(text, len);
}

static void cache_clear(struct spf_checker *c)
{
    for (size_t i = 0; i < c->n_cprog; i++)
        prog_free(c->cprog[i]);
    c->n_cprog = 0;
    if (c->cap) memset(c->tab, 0, c->cap * sizeof *c->tab);
    c->count = 0;
    arena_reset(c->cache_arena);
}

static void table_insert(struct centry **tab, size_t cap, struct centry *e)
{
    size_t j = (size_t)e->hash & (cap - 1);
    while (tab[j])
        j = (j + 1) & (cap - 1);
    tab[j] = e;
}

/* The parse of `text` published at `domain` (lowercased), cached. */
static struct centry *entry_get(struct spf_checker *c, const char *domain, const char *text,
                                size_t len)
{
    uint64_t h = entry_hash(domain, text, len);
    if (c->cap) {
        for (size_t j = (size_t)h & (c->cap - 1);; j = (j + 1) & (c->cap - 1)) {
            struct centry *e = c->tab[j];
            if (!e) break;
            if (e->hash == h && e->len == len && memcmp(e->text, text, len) == 0 &&
                strcmp(e->domain, domain) == 0)
                return e;
        }
    }
    if ((c->count + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 256;
        struct centry **nt = xcalloc(ncap, sizeof *nt);
        for (size_t i = 0; i < c->cap; i++)
            if (c->tab[i]) table_insert(nt, ncap, c->tab[i]);
        free(c->tab);
        c->tab = nt;
        c->cap = ncap;
    }
    struct centry *e = arena_zalloc(c->cache_arena, sizeof *e);
    e->hash = h;
    e->domain = arena_strdup(c->cache_arena, domain);
    e->text = arena_strndup(c->cache_arena, text, len);
    e->len = len;
    record_parse(c->cache_arena, e->text, len, &e->rec);
    table_insert(c->tab, c->cap, e);
    c->count++;
    return e;
}

static struct prog *prog_get(struct eval *ev, struct centry *e)
{
    if (e->rec.expand) return prog_build(ev, &e->rec, e->domain, true);
    int f = ev->family == AF_INET6;
    if (!e->prog[f]) e->prog[f] = prog_build(ev, &e->rec, e->domain, false);
    return e->prog[f];
}

/* ---- record lookup and selection (RFC 7208 4.4, 4.5) ---- */

enum fstatus { FS_OK, FS_NONE, FS_NXDOMAIN, FS_MALFORMED, FS_TEMP, FS_NOSOURCE, FS_MULTI };

struct fetched {
    enum fstatus st;
    const char *text; /* the v=spf1 record */
    size_t len;
    size_t n_spf;
    const char *why;       /* FS_TEMP */
    const char *sender_id; /* a "spf2.0/" record */
};

static bool is_spf1(const char *p, size_t n)
{
    return n >= 6 && str_starts_ci(p, n, "v=spf1") && (n == 6 || p[6] == ' ');
}

static void fetch_record(struct eval *ev, const char *name, struct fetched *f)
{
    memset(f, 0, sizeof *f);
    if (!domain_ok(name, strlen(name))) {
        f->st = FS_MALFORMED;
        return;
    }
    struct dns_answer ans;
    const char *q = query_name(ev->s, name, strlen(name));
    switch (dns_lookup(ev->c->dns, ev->s, q, DNS_T_TXT, &ans)) {
    case DNS_NOSOURCE:
        f->st = FS_NOSOURCE;
        return;
    case DNS_TEMPFAIL:
        f->st = FS_TEMP;
        f->why = ans.error ? ans.error : "error";
        return;
    case DNS_NXDOMAIN:
        f->st = FS_NXDOMAIN;
        return;
    case DNS_NODATA:
        f->st = FS_NONE;
        return;
    case DNS_OK:
        break;
    }
    for (size_t i = 0; i < ans.n; i++) {
        const char *t = ans.rr[i].text;
        size_t tl = ans.rr[i].len;
        if (is_spf1(t, tl)) {
            if (f->n_spf++ == 0) {
                f->text = t;
                f->len = tl;
            }
        } else if (!f->sender_id && str_starts_ci(t, tl, "spf2.0/")) {
            f->sender_id = t;
        }
    }
    f->st = f->n_spf == 0 ? FS_NONE : f->n_spf > 1 ? FS_MULTI : FS_OK;
}

/* ---- the DNS layer libspf2 asks ---- */

static SPF_dns_rr_t *rr_new(SPF_dns_server_t *s, const char *domain, ns_type type, int herrno)
{
    SPF_dns_rr_t *rr = SPF_dns_rr_new_init(s, domain, type, 0, herrno);
    if (!rr) oom();
    return rr;
}

static void rr_set(SPF_dns_rr_t *rr, int i, const void *data, size_t len)
{
    if (SPF_dns_rr_buf_realloc(rr, i, len) != SPF_E_SUCCESS) oom();
    memcpy(rr->rr[i], data, len);
}

/* The kind letter of one of our tags at the start of name, *rest after it. */
static char tag_of(const struct spf_checker *c, const char *name, const char **rest)
{
    if (name[0] != '_' || !name[1] || strncmp(name + 2, c->secret, 16) != 0) return 0;
    if (name[18] != '.' && name[18] != '\0') return 0;
    *rest = name + (name[18] ? 19 : 18);
    return name[1];
}

/* The name behind a reference "_y<secret>.N" (s is N), "" if none. */
static const char *expanded_name(const struct eval *ev, const char *s)
{
    char *end;
    if (!ch_is_digit((unsigned char)*s)) return "";
    unsigned long n = strtoul(s, &end, 10);
    return *end == '\0' && n < ev->n_xname ? ev->xname[n] : "";
}

/* The top record's (or redirect chain's) next DNS term has been evaluated. */
static const struct term *chain_event(struct eval *ev)
{
    struct chain *ch = &ev->chain;
    if (!ch->rec || ch->next >= ch->rec->n_dns) return NULL;
    size_t ti = ch->rec->dns[ch->next++];
    ch->last = (long)ti;
    return &ch->rec->t[ti];
}

/* Our names in libspf2's questions:
 *   _m<secret>.NAME  address of an MX host     _n  the same for mx/0
 *   _p<secret>.NAME  address of a PTR name     _z  a/0, mx/0 target
 *   _x<secret>       an expansion that left no possible name
 *   _y<secret>.N     the name we expanded, ev->xname[N]  _w  the same, a/0
 *   _c<secret>.<c|t>N.K  chunk K of program N (layer_get_spf)
 * Everything else is a term's own question (a, mx, ptr, exists): one per
 * term, counted against the limits. */
static SPF_dns_rr_t *layer_lookup(SPF_dns_server_t *s, const char *domain, ns_type type,
                                  int should_cache)
{
    (void)should_cache;
    struct spf_checker *c = s->hook;
    struct eval *ev = c->cur;
    if (!domain) domain = "";
    if (!ev || ev->err != AUTH_NONE) return rr_new(s, domain, type, TRY_AGAIN);
    const char *name = domain;
    char tag = tag_of(c, domain, &name);
    bool follow = tag == 'm' || tag == 'n' || tag == 'p';
    bool zero = tag == 'n' || tag == 'z' || tag == 'w';
    if (tag == 'y' || tag == 'w') name = expanded_name(ev, name);
    if (!follow) {
        if (!ev->quiet && c->req->cur_dom == ev->chain.dom) chain_event(ev);
        if (count_term(ev)) return rr_new(s, domain, type, TRY_AGAIN);
    }
    if (type != ns_t_a && type != ns_t_aaaa && type != ns_t_mx && type != ns_t_ptr)
        return rr_new(s, domain, type, NO_DATA);
    const char *q = query_name(ev->s, name, strlen(name));
    struct dns_answer ans;
    enum dns_rcode rc = q ? dns_lookup(c->dns, ev->s, q, (enum dns_type)type, &ans) : DNS_NXDOMAIN;
    switch (rc) {
    case DNS_NOSOURCE:
        fail(ev, AUTH_TEMPERROR, "no DNS source");
        return rr_new(s, domain, type, TRY_AGAIN);
    case DNS_TEMPFAIL:
        /* RFC 7208 5.5: a PTR name that cannot be resolved is skipped, a
         * failed PTR lookup is no match */
        if (tag == 'p' || (!follow && type == ns_t_ptr))
            return rr_new(s, domain, type, HOST_NOT_FOUND);
        fail(ev, AUTH_TEMPERROR,
             arena_printf(ev->s, "DNS temporary failure for %s %s: %s", q,
                          dns_type_name((enum dns_type)type), ans.error ? ans.error : "error"));
        return rr_new(s, domain, type, TRY_AGAIN);
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        if (!follow && count_void(ev)) return rr_new(s, domain, type, TRY_AGAIN);
        return rr_new(s, domain, type, rc == DNS_NXDOMAIN ? HOST_NOT_FOUND : NO_DATA);
    case DNS_OK:
        break;
    }
    SPF_dns_rr_t *rr = rr_new(s, domain, type, NETDB_SUCCESS);
    int n = 0;
    if (type == ns_t_mx) {
        if (ans.n > SPF_MAX_MX) {
            fail(ev, AUTH_PERMERROR,
                 arena_printf(ev->s, "more than %d MX records for %s", SPF_MAX_MX, q));
            SPF_dns_rr_free(rr);
            return rr_new(s, domain, type, TRY_AGAIN);
        }
        /* by preference, as a sender would use them (stable) */
        for (size_t i = 1; i < ans.n; i++)
            for (size_t j = i; j > 0 && ans.rr[j - 1].pref > ans.rr[j].pref; j--) {
                struct dns_rr t = ans.rr[j];
                ans.rr[j] = ans.rr[j - 1];
                ans.rr[j - 1] = t;
            }
    }
    for (size_t i = 0; i < ans.n; i++) {
        const struct dns_rr *r = &ans.rr[i];
        if (type == ns_t_a || type == ns_t_aaaa) {
            const void *addr = zero ? ev->ip : r->addr;
            rr_set(rr, n++, addr,
                   type == ns_t_a ? sizeof(struct in_addr) : sizeof(struct in6_addr));
        } else {
            if (type == ns_t_ptr && i >= SPF_MAX_PTR) break; /* RFC 7208 4.6.4 */
            struct arena_str b = {.a = ev->s};
            put_tag(c, &b, type == ns_t_ptr ? 'p' : zero ? 'n' : 'm');
            arena_str_put(&b, ".", 1);
            arena_str_put(&b, r->text, strlen(r->text));
            rr_set(rr, n++, b.p, b.len + 1);
        }
    }
    rr->num_rr = n;
    return rr;
}

/* layer_get_spf answers with a chunk of one of our programs: "c7.2" or "t0.1". */
static bool continuation(struct eval *ev, const char *s, struct prog **p, size_t *k)
{
    char kind = s[0];
    char *end;
    if (kind != 'c' && kind != 't') return false;
    unsigned long n = strtoul(s + 1, &end, 10);
    if (*end != '.') return false;
    unsigned long chunk = strtoul(end + 1, &end, 10);
    if (*end) return false;
    struct prog **tab = kind == 'c' ? ev->c->cprog : ev->tmp;
    size_t count = kind == 'c' ? ev->c->n_cprog : ev->n_tmp;
    if (n >= count || chunk >= tab[n]->n || !tab[n]->chunk[chunk]) return false;
    *p = tab[n];
    *k = chunk;
    return true;
}

static SPF_errcode_t refuse(struct eval *ev, enum auth_result res, const char *why)
{
    fail(ev, res, why);
    return res == AUTH_TEMPERROR ? SPF_E_DNS_ERROR : SPF_E_NOT_SPF;
}

/* The record of an include: or redirect= target (libspf2 has set cur_dom
 * to it), or the next chunk of a long record. */
static SPF_errcode_t layer_get_spf(SPF_server_t *server, SPF_request_t *req, SPF_response_t *resp,
                                   SPF_record_t **recp)
{
    struct spf_checker *c = server->resolver->hook;
    struct eval *ev = c->cur;
    *recp = NULL;
    if (!ev || ev->err != AUTH_NONE) return SPF_E_DNS_ERROR;
    const char *target = req->cur_dom ? req->cur_dom : "", *rest;
    bool top = !ev->quiet && resp == ev->top;
    char tag = tag_of(c, target, &rest);
    if (tag == 'y') target = expanded_name(ev, rest);
    if (tag == 'x') target = "";
    if (tag == 'c') {
        struct prog *p;
        size_t k;
        if (!continuation(ev, rest, &p, &k))
            return refuse(ev, AUTH_PERMERROR, "internal error: unknown record chunk");
        req->cur_dom = top ? ev->chain.dom : arena_strdup(ev->s, p->domain);
        *recp = rec_copy(server, p->chunk[k]);
        return SPF_E_SUCCESS;
    }
    const struct term *t = top ? chain_event(ev) : NULL;
    if (count_term(ev)) return SPF_E_BIG_DNS;
    const char *what = !t ? "" : t->kind == K_REDIRECT ? "redirect=" : "include:";
    char *dom = current_domain(ev->s, target);
    struct fetched f;
    fetch_record(ev, dom, &f);
    switch (f.st) {
    case FS_OK:
        break;
    case FS_NOSOURCE:
        return refuse(ev, AUTH_TEMPERROR, "no DNS source");
    case FS_TEMP:
        return refuse(ev, AUTH_TEMPERROR,
                      arena_printf(ev->s, "DNS temporary failure for %s TXT: %s", dom, f.why));
    case FS_MULTI:
        return refuse(ev, AUTH_PERMERROR,
                      arena_printf(ev->s, "%s%s: %zu SPF records", what, dom, f.n_spf));
    case FS_MALFORMED:
        return refuse(ev, AUTH_PERMERROR,
                      arena_printf(ev->s, "%s%s: not a valid domain name", what, dom));
    default:
        return refuse(ev, AUTH_PERMERROR, arena_printf(ev->s, "%s%s: no SPF record", what, dom));
    }
    struct centry *e = entry_get(c, dom, f.text, f.len);
    if (e->rec.error)
        return refuse(ev, AUTH_PERMERROR, arena_printf(ev->s, "%s%s: %s", what, dom, e->rec.error));
    if (e->rec.uses_p) ensure_p(ev, dom);
    struct prog *p = prog_get(ev, e);
    if (p->error)
        return refuse(ev, AUTH_PERMERROR, arena_printf(ev->s, "%s%s: %s", what, dom, p->error));
    req->cur_dom = dom;
    if (t && t->kind == K_REDIRECT) {
        if (!ev->redirected) ev->redirected = t;
        ev->chain = (struct chain){&e->rec, dom, 0, -1};
    }
    *recp = rec_copy(server, p->chunk[0]);
    return SPF_E_SUCCESS;
}

/* exp= is never given to libspf2: nothing to fetch. */
static SPF_errcode_t layer_get_exp(SPF_server_t *server, const char *domain, char **buf,
                                   size_t *buflen)
{
    (void)server;
    (void)domain;
    if (!*buf || *buflen < 1) {
        char *nb = realloc(*buf, 1);
        if (!nb) return SPF_E_NO_MEMORY;
        *buf = nb;
        *buflen = 1;
    }
    (*buf)[0] = '\0';
    return SPF_E_SUCCESS;
}

/* ---- which term decided ---- */

static enum auth_result qual_result(char q)
{
    switch (q) {
    case '-':
        return AUTH_FAIL;
    case '~':
        return AUTH_SOFTFAIL;
    case '?':
        return AUTH_NEUTRAL;
    default:
        return AUTH_PASS;
    }
}

static bool prefix_match(const unsigned char *a, const unsigned char *b, int bits)
{
    int full = bits / 8, rem = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0) return false;
    if (!rem) return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rem));
    return (a[full] & mask) == (b[full] & mask);
}

/* ip4, ip6 and all: whether they match the client. */
static bool term_matches_ip(const struct eval *ev, const struct term *t)
{
    if (t->kind == K_ALL) return true;
    if (t->kind == K_IP4 && ev->family == AF_INET)
        return prefix_match(ev->ip, t->net, t->cidr4 < 0 ? 32 : t->cidr4);
    if (t->kind == K_IP6 && ev->family == AF_INET6)
        return prefix_match(ev->ip, t->net, t->cidr6 < 0 ? 128 : t->cidr6);
    return false;
}

/* Evaluate the single DNS term t again, alone, by libspf2 (limits apply,
 * nothing is recorded): does it match? */
static bool term_matches_alone(struct eval *ev, const struct term *t)
{
    struct spf_checker *c = ev->c;
    struct gen g = {ev, ev->family == AF_INET6, ev->chain.dom};
    struct arena_str s = {.a = ev->s};
    size_t size;
    bool stop;
    arena_str_put(&s, "v=spf1 ", 7);
    if (!emit_term(&g, t, '+', &s, &size, &stop)) return false;
    const char *why;
    SPF_record_t *rec = compile(c, s.p, 1, &why);
    if (!rec) return false;
    unsigned terms = ev->terms, voids = ev->voids;
    enum auth_result err = ev->err;
    const char *ewhy = ev->why;
    ev->quiet = true;
    ev->terms = ev->voids = 0;
    ev->err = AUTH_NONE;
    SPF_response_t *resp = SPF_response_new(c->req);
    if (!resp) oom();
    resp->spf_record_exp = rec;
    c->req->cur_dom = ev->chain.dom;
    SPF_record_interpret(rec, c->req, resp, 0);
    bool m =
        ev->err == AUTH_NONE && resp->result == SPF_RESULT_PASS && resp->reason == SPF_REASON_MECH;
    SPF_response_free(resp);
    SPF_record_free(rec);
    ev->quiet = false;
    ev->terms = terms;
    ev->voids = voids;
    ev->err = err;
    ev->why = ewhy;
    return m;
}

/* The term of r that produced result `res` (libspf2 said: a mechanism). */
static const struct term *attribute(struct eval *ev, const struct record *r, enum auth_result res)
{
    long j = ev->chain.last;
    const struct term *k = NULL;
    for (size_t i = j < 0 ? 0 : (size_t)j + 1; i < r->n; i++) {
        const struct term *t = &r->t[i];
        if (t->kind == K_EXP || t->kind == K_MOD || t->kind == K_REDIRECT) continue;
        if (is_dns_kind(t->kind)) break;
        if (term_matches_ip(ev, t)) {
            k = t;
            break;
        }
    }
    if (j < 0) return k;
    const struct term *tj = &r->t[j];
    if (!k) return tj;
    if (qual_result(tj->qual) != res) return k;
    if (qual_result(k->qual) != res) return tj;
    return term_matches_alone(ev, tj) ? tj : k;
}

/* ---- explanation (RFC 7208 6.2) ---- */

static const char *explain(struct eval *ev)
{
    const struct record *r = ev->chain.rec;
    if (!r || r->exp < 0) return NULL;
    const struct term *t = &r->t[r->exp];
    const char *name = expand_domain(ev, t->ds, t->ds_len, ev->chain.dom);
    if (!name || !*name) return NULL;
    struct dns_answer ans;
    const char *q = query_name(ev->s, name, strlen(name));
    if (!q || dns_lookup(ev->c->dns, ev->s, q, DNS_T_TXT, &ans) != DNS_OK || ans.n != 1)
        return NULL;
    const char *text = ans.rr[0].text;
    size_t len = ans.rr[0].len;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e) return NULL;
    struct arena_str out = {.a = ev->s};
    if (!expand_string(ev, text, len, ev->chain.dom, M_EXPLAIN, SPF_MAX_EXPLANATION, &out))
        return NULL;
    if (out.len > SPF_MAX_EXPLANATION) out.p[SPF_MAX_EXPLANATION] = '\0';
    return out.p;
}

/* ---- public interface ---- */

enum auth_result spf_result_from_libspf2(int spf_result, int spf_errcode)
{
    switch (spf_result) {
    case SPF_RESULT_PASS:
        return AUTH_PASS;
    case SPF_RESULT_FAIL:
        return AUTH_FAIL;
    case SPF_RESULT_SOFTFAIL:
        return AUTH_SOFTFAIL;
    case SPF_RESULT_NEUTRAL:
        return AUTH_NEUTRAL;
    case SPF_RESULT_NONE:
        return AUTH_NONE;
    case SPF_RESULT_TEMPERROR:
        return AUTH_TEMPERROR;
    case SPF_RESULT_INVALID:
        return spf_errcode == SPF_E_DNS_ERROR ? AUTH_TEMPERROR : AUTH_PERMERROR;
    default:
        return AUTH_PERMERROR;
    }
}

const char *spf_identity_name(enum spf_identity id)
{
    return id == SPF_ID_HELO ? "helo" : "mailfrom";
}

/* libspf2's log handlers are process-wide: warnings, information and debug
 * output are dropped; an internal error (which libspf2 follows with abort())
 * is said in one line. */
__attribute__((noreturn)) static void spf2_error(const char *file, int line, const char *msg)
{
    fprintf(stderr, "mailaudit: libspf2 internal error (%s:%d): %s\n", file ? file : "?", line,
            msg ? msg : "");
    abort();
}

static void spf2_logs(void)
{
    SPF_error_handler = spf2_error;
    SPF_warning_handler = NULL;
    SPF_info_handler = NULL;
    SPF_debug_handler = NULL;
}

static pthread_once_t spf2_once = PTHREAD_ONCE_INIT;

struct spf_checker *spf_checker_new(struct dns_resolver *dns)
{
    pthread_once(&spf2_once, spf2_logs);
    struct spf_checker *c = xcalloc(1, sizeof *c);
    c->dns = dns;
    c->layer.lookup = layer_lookup;
    c->layer.get_spf = layer_get_spf;
    c->layer.get_exp = layer_get_exp;
    c->layer.name = "mailaudit";
    c->layer.hook = c; /* destroy stays NULL: the layer is ours, not libspf2's */
    c->server = SPF_server_new_dns(&c->layer, 0);
    if (!c->server) oom();
    SPF_response_t *resp = NULL;
    if (SPF_server_set_explanation(c->server, "", &resp) != SPF_E_SUCCESS) oom();
    if (resp) SPF_response_free(resp);
    SPF_server_set_max_dns_mech(c->server, 1000); /* we count, across includes */
    SPF_server_set_sanitize(c->server, 0);
    c->req = SPF_request_new(c->server);
    if (!c->req) oom();
    unsigned char rnd[8];
    if (getrandom(rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
        uint64_t x = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)c ^ (uint64_t)clock();
        memcpy(rnd, &x, sizeof rnd);
    }
    for (int i = 0; i < 8; i++)
        snprintf(c->secret + 2 * i, 3, "%02x", rnd[i]);
    spf_checker_set_receiver(c, NULL);
    c->scratch = arena_new();
    c->cache_arena = arena_new();
    return c;
}

void spf_checker_free(struct spf_checker *c)
{
    if (!c) return;
    cache_clear(c);
    free(c->cprog);
    free(c->tab);
    SPF_request_free(c->req);
    SPF_server_free(c->server);
    arena_free(c->scratch);
    arena_free(c->cache_arena);
    free(c);
}

void spf_checker_set_receiver(struct spf_checker *c, const char *name)
{
    snprintf(c->receiver, sizeof c->receiver, "%s", name && *name ? name : "mailaudit");
    SPF_server_set_rec_dom(c->server, c->receiver);
}

/* A Received-SPF value: a dot-atom as is, anything else quoted (bytes
 * outside printable ASCII as '?'). */
static void put_value(struct arena_str *b, const char *s)
{
    bool atom = *s != '\0' && *s != '.';
    for (const char *q = s; *q && atom; q++) {
        unsigned char ch = (unsigned char)*q;
        if (!(ch_is_alnum(ch) || strchr("!#$%&'*+-/=?^_`{|}~.", ch)) ||
            (ch == '.' && (q[1] == '.' || q[1] == '\0')))
            atom = false;
    }
    if (atom) {
        arena_str_put(b, s, strlen(s));
        return;
    }
    arena_str_put(b, "\"", 1);
    for (const char *q = s; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '"' || ch == '\\') arena_str_put(b, "\\", 1);
        arena_str_put(b, ch < 0x20 || ch > 0x7e ? "?" : q, 1);
    }
    arena_str_put(b, "\"", 1);
}

/* The comment (RFC 7208 9.1) and the whole Received-SPF field. */
static void describe(const struct spf_checker *c, arena *a, const struct spf_request *req,
                     struct spf_result *out)
{
    const char *who = out->sender ? out->sender : out->domain ? out->domain : "(none)";
    const char *ip = out->ip ? out->ip : "(none)";
    const char *pb = out->problem ? out->problem : "";
    switch (out->result) {
    case AUTH_PASS:
        out->comment = arena_printf(a, "%s: domain of %s designates %s as permitted sender",
                                    c->receiver, who, ip);
        break;
    case AUTH_FAIL:
        out->comment = arena_printf(a, "%s: domain of %s does not designate %s as permitted sender",
                                    c->receiver, who, ip);
        break;
    case AUTH_SOFTFAIL:
        out->comment = arena_printf(
            a, "%s: domain of transitioning %s does not designate %s as permitted sender",
            c->receiver, who, ip);
        break;
    case AUTH_NEUTRAL:
        out->comment = arena_printf(a, "%s: %s is neither permitted nor denied by domain of %s",
                                    c->receiver, ip, who);
        break;
    case AUTH_TEMPERROR:
        out->comment = arena_printf(a, "%s: temporary error in processing during lookup of %s: %s",
                                    c->receiver, who, pb);
        break;
    case AUTH_PERMERROR:
        out->comment = arena_printf(a, "%s: permanent error in processing during lookup of %s: %s",
                                    c->receiver, who, pb);
        break;
    default:
        out->comment = arena_printf(
            a, "%s: %s%s%s", c->receiver, out->domain ? "domain of " : "", out->domain ? who : "",
            out->domain ? " does not designate permitted sender hosts" : pb);
        break;
    }
    struct arena_str b = {.a = a};
    arena_str_put(&b, "Received-SPF: ", 14);
    const char *word = auth_result_name(out->result);
    arena_str_put(&b, word, strlen(word));
    arena_str_put(&b, " (", 2);
    for (const char *q = out->comment; *q; q++) {
        unsigned char ch = (unsigned char)*q;
        if (ch == '(' || ch == ')' || ch == '\\') arena_str_put(&b, "\\", 1);
        arena_str_put(&b, ch < 0x20 || ch > 0x7e ? "?" : q, 1);
    }
    arena_str_put(&b, ") client-ip=", 12);
    put_value(&b, out->ip ? out->ip : (req->ip ? req->ip : ""));
    arena_str_put(&b, "; envelope-from=", 16);
    put_value(&b, req->mail_from ? req->mail_from : "");
    arena_str_put(&b, "; helo=", 7);
    put_value(&b, req->helo ? req->helo : "");
    arena_str_put(&b, "; receiver=", 11);
    put_value(&b, c->receiver);
    arena_str_put(&b, "; identity=", 11);
    const char *id = spf_identity_name(out->identity);
    arena_str_put(&b, id, strlen(id));
    if (out->mechanism) {
        arena_str_put(&b, "; mechanism=", 12);
        put_value(&b, out->mechanism);
    }
    if (out->problem && (out->result == AUTH_PERMERROR || out->result == AUTH_TEMPERROR)) {
        arena_str_put(&b, "; problem=", 10);
        put_value(&b, out->problem);
    }
    arena_str_put(&b, ";", 1);
    out->received_spf = b.p;
}

/* The identity: local-part and domain (postmaster@HELO for HELO and the
 * null sender, RFC 7208 2.3, 2.4, 4.3). NULL or why it cannot be checked. */
static const char *identity(arena *a, const struct spf_request *req, const char **local,
                            const char **domain)
{
    const char *mf = req->mail_from ? req->mail_from : "";
    size_t ml = strlen(mf);
    if (ml >= 2 && mf[0] == '<' && mf[ml - 1] == '>') {
        mf++;
        ml -= 2;
    }
    const char *helo = req->helo ? req->helo : "";
    if (req->identity == SPF_ID_HELO || ml == 0) {
        *local = "postmaster";
        *domain = helo;
        return *helo ? NULL : "no HELO name";
    }
    const char *at = NULL;
    for (size_t i = ml; i > 0; i--)
        if (mf[i - 1] == '@') {
            at = mf + i - 1;
            break;
        }
    size_t ll = at ? (size_t)(at - mf) : 0;
    *local = ll ? arena_strndup(a, mf, ll) : "postmaster";
    *domain = at ? arena_strndup(a, at + 1, ml - ll - 1) : arena_strndup(a, mf, ml);
    if (ll > SPF_MAX_LOCAL) return "local-part too long";
    for (size_t i = 0; i < ll; i++)
        if ((unsigned char)mf[i] < 0x20 || mf[i] == 0x7f) return "control character in MAIL FROM";
    return **domain ? NULL : "no domain in MAIL FROM";
}

static void finish(struct spf_checker *c, struct eval *ev)
{
    for (size_t i = 0; i < ev->n_tmp; i++)
        prog_free(ev->tmp[i]);
    free(ev->tmp);
    c->cur = NULL;
}

int spf_check(struct spf_checker *c, arena *a, const struct spf_request *req,
              struct spf_result *out)
{
    memset(out, 0, sizeof *out);
    out->identity = req->identity;
    out->result = AUTH_NONE;
    if (c->count >= SPF_CACHE_MAX || arena_used(c->cache_arena) >= SPF_CACHE_BYTES) cache_clear(c);
    arena_reset(c->scratch);
    struct eval ev = {.c = c, .s = c->scratch, .chain.last = -1};
    ev.now = req->now ? req->now : (int64_t)time(NULL);
    c->cur = &ev;
    int rc = 0;

    /* the client: IPv4-mapped IPv6 is IPv4 (RFC 7208 5) */
    char ipbuf[INET6_ADDRSTRLEN + 1];
    const char *ip = req->ip ? req->ip : "";
    size_t il = strnlen(ip, sizeof ipbuf);
    struct in6_addr v6;
    if (il < sizeof ipbuf) {
        memcpy(ipbuf, ip, il);
        ipbuf[il] = '\0';
        if (inet_pton(AF_INET, ipbuf, ev.ip) == 1) {
            ev.family = AF_INET;
        } else if (inet_pton(AF_INET6, ipbuf, &v6) == 1) {
            if (IN6_IS_ADDR_V4MAPPED(&v6)) {
                ev.family = AF_INET;
                memcpy(ev.ip, v6.s6_addr + 12, 4);
            } else {
                ev.family = AF_INET6;
                memcpy(ev.ip, v6.s6_addr, 16);
            }
        }
    }
    if (!ev.family) {
        out->problem = arena_printf(a, "not an IP address: '%.*s'", (int)(il > 64 ? 64 : il), ip);
        rc = -1;
        goto out;
    }
    inet_ntop(ev.family, ev.ip, ev.ipstr, sizeof ev.ipstr);
    out->ip = arena_strdup(a, ev.ipstr);

    const char *local, *dom;
    const char *why = identity(ev.s, req, &local, &dom);
    size_t dl = strlen(dom);
    if (dl && dom[dl - 1] == '.') dl--;
    out->domain = *dom ? arena_strndup(a, dom, dl) : NULL;
    out->sender = arena_printf(a, "%s@%s", local, out->domain ? out->domain : "");
    if (why) {
        out->problem = arena_strdup(a, why);
        goto out;
    }
    if (!domain_ok(dom, dl)) {
        out->problem = arena_printf(a, "malformed domain '%.*s'", (int)(dl > 64 ? 64 : dl), dom);
        goto out;
    }
    ev.local = local;
    ev.sdomain = arena_strndup(ev.s, dom, dl);
    ev.sender = arena_printf(ev.s, "%s@%s", local, ev.sdomain);
    ev.helo = req->helo ? arena_strndup(ev.s, req->helo, strnlen(req->helo, SPF_MAX_HELO)) : "";

    struct fetched f;
    char *top_dom = current_domain(ev.s, ev.sdomain);
    fetch_record(&ev, top_dom, &f);
    if (f.sender_id) out->sender_id = arena_strdup(a, f.sender_id);
    switch (f.st) {
    case FS_OK:
        break;
    case FS_NOSOURCE:
        out->result = AUTH_TEMPERROR;
        out->problem = "no DNS source";
        goto out;
    case FS_TEMP:
        out->result = AUTH_TEMPERROR;
        out->problem = arena_printf(a, "DNS temporary failure for %s TXT: %s", top_dom, f.why);
        goto out;
    case FS_MULTI:
        out->result = AUTH_PERMERROR;
        out->problem = arena_printf(a, "%zu SPF records", f.n_spf);
        goto out;
    case FS_NXDOMAIN:
        out->problem = "no SPF record (no such domain)";
        goto out;
    default:
        out->problem = "no SPF record";
        goto out;
    }
    out->record = arena_strndup(a, f.text, f.len);
    struct centry *e = entry_get(c, top_dom, f.text, f.len);
    if (e->rec.error) {
        out->result = AUTH_PERMERROR;
        out->problem = arena_strdup(a, e->rec.error);
        goto out;
    }

    /* libspf2's request; loopback gets no free pass: SPF_request_query_*
     * (where that pass is) are not used */
    SPF_request_t *sr = c->req;
    if (ev.family == AF_INET) {
        struct in_addr in;
        memcpy(&in, ev.ip, 4);
        SPF_request_set_ipv4(sr, in);
    } else {
        SPF_request_set_ipv6(sr, v6);
    }
    if (SPF_request_set_helo_dom(sr, ev.helo) != SPF_E_SUCCESS ||
        SPF_request_set_env_from(sr, ev.sender) != 0)
        oom();
    if (e->rec.uses_p) ensure_p(&ev, top_dom);
    struct prog *p = prog_get(&ev, e);
    if (p->error) {
        out->result = AUTH_PERMERROR;
        out->problem = arena_strdup(a, p->error);
        goto out;
    }
    sr->cur_dom = top_dom;
    ev.chain = (struct chain){&e->rec, top_dom, 0, -1};
    SPF_response_t *resp = SPF_response_new(sr);
    if (!resp) oom();
    resp->spf_record_exp = p->chunk[0];
    ev.top = resp;
    SPF_record_interpret(p->chunk[0], sr, resp, 0);
    SPF_result_t lr = resp->result;
    SPF_reason_t reason = resp->reason;
    SPF_errcode_t lerr = resp->err;
    SPF_response_free(resp);
    ev.top = NULL;

    if (ev.err != AUTH_NONE) {
        out->result = ev.err;
        out->problem = arena_strdup(a, ev.why);
    } else if (lr == SPF_RESULT_PASS || lr == SPF_RESULT_FAIL || lr == SPF_RESULT_SOFTFAIL ||
               lr == SPF_RESULT_NEUTRAL) {
        out->result = spf_result_from_libspf2((int)lr, (int)lerr);
        const struct term *t = NULL;
        if (ev.redirected)
            t = ev.redirected;
        else if (reason == SPF_REASON_MECH)
            t = attribute(&ev, &e->rec, out->result);
        if (t) out->mechanism = arena_strndup(a, t->text, t->text_len);
        if (out->result == AUTH_FAIL) {
            const char *x = explain(&ev);
            if (x) out->explanation = arena_strdup(a, x);
        }
    } else {
        out->result = spf_result_from_libspf2((int)lr, (int)lerr);
        out->problem = arena_printf(a, "libspf2: %s", SPF_strerror(lerr));
    }
out:
    out->dns_terms = ev.terms;
    out->void_lookups = ev.voids;
    if (out->result == AUTH_NONE && !out->problem) out->problem = "no SPF record";
    if (out->result != AUTH_NONE && out->result != AUTH_TEMPERROR && out->result != AUTH_PERMERROR)
        out->problem = NULL;
    describe(c, a, req, out);
    finish(c, &ev);
    return rc;
}

int spf_check_both(struct spf_checker *c, arena *a, const struct spf_request *req,
                   struct spf_result *helo, struct spf_result *mail_from)
{
    struct spf_request r = *req;
    r.identity = SPF_ID_HELO;
    int rc = spf_check(c, a, &r, helo);
    const char *mf = req->mail_from ? req->mail_from : "";
    if (*mf && strcmp(mf, "<>") != 0) {
        r.identity = SPF_ID_MAILFROM;
        return spf_check(c, a, &r, mail_from);
    }
    /* the null sender: MAIL FROM is postmaster@HELO, the same check */
    *mail_from = *helo;
    mail_from->identity = SPF_ID_MAILFROM;
    r.identity = SPF_ID_MAILFROM;
    describe(c, a, &r, mail_from);
    return rc;
}

enum dns_rcode spf_sender_id(struct spf_checker *c, arena *a, const char *domain,
                             const char **record, const char **scopes)
{
    *record = *scopes = NULL;
    struct dns_answer ans;
    const char *q = domain ? query_name(a, domain, strlen(domain)) : NULL;
    if (!q) return DNS_NXDOMAIN;
    enum dns_rcode rc = dns_lookup(c->dns, a, q, DNS_T_TXT, &ans);
    for (size_t i = 0; rc == DNS_OK && i < ans.n; i++) {
        const char *t = ans.rr[i].text;
        size_t tl = ans.rr[i].len;
        if (!str_starts_ci(t, tl, "spf2.0/")) continue;
        size_t e = 7;
        while (e < tl && t[e] != ' ')
            e++;
        *record = arena_strndup(a, t, tl);
        *scopes = arena_strndup(a, t + 7, e - 7);
        break;
    }
    return rc;
}
