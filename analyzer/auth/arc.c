/* arc — see arc.h. The work, in order:
 *   1. collect: every ARC header field is read for its instance (AAR: the
 *      leading "i=N;", AMS/AS: the i= tag) and its signature tags (one table,
 *      `tag_table`, says which tags each of AMS and AS requires, allows or
 *      refuses); fields land in per-instance slots 1..99 (two digits, RFC
 *      8617 §4.2.1's syntax; 51..99 are out of range, not unreadable).
 *   2. verify what can be verified: every unique AMS (DKIM body hash and
 *      header signature), every AS whose sets 1..i are complete, whatever the
 *      structure says — a post-mortem wants every broken hop.
 *   3. judge the chain in RFC 8617 §5.2's order; the first failure is the
 *      chain's reason.
 *
 * What is DKIM's stays in dkim.c/dkim_parse.c: tag-list syntax, base64,
 * header canonicalisation, body hashes and their cache, key lookup, key
 * rules and the signature check (dkim_verify_data). What is here: the AMS
 * and AS tag sets (different from DKIM-Signature's: i= is an instance, no
 * v=, cv=), the choice of header fields for AMS and AS, and the chain.
 *
 * The AS canonical data is built incrementally: one buffer holds the
 * canonical ARC fields of sets 1..i-1, set i is appended for the check of
 * AS(i) and then replaced by its complete form (b= kept), so a chain of N
 * sets costs O(total ARC bytes), not O(N^2). */
#include "auth/arc.h"
#include "auth/dkim_parse.h"
#include "util/buf.h"
#include "util/str.h"

#include <stdio.h>
#include <string.h>

#define MAX_SLOT 99 /* instances of one or two digits are collected */

enum kind { K_AAR = 0, K_AMS, K_AS, K_COUNT };
static const char *const kind_abbr[K_COUNT] = {"AAR", "AMS", "AS"};
static const char *const kind_name[K_COUNT] = {"ARC-Authentication-Results",
                                               "ARC-Message-Signature", "ARC-Seal"};

enum cv_value { CV_ABSENT = 0, CV_NONE, CV_PASS, CV_FAIL, CV_BAD };

/* What is wrong with an AMS or AS as written (before any cryptography). */
enum sig_err {
    SE_OK = 0,
    SE_SYNTAX,     /* tag-list or tag value: .bad_tag ("" when no name could be read) */
    SE_MISSING,    /* a required tag is absent: .bad_tag */
    SE_ALGORITHM,  /* a= unknown: .alg_text */
    SE_CANON,      /* c= names an unknown canonicalisation */
    SE_QUERY,      /* q= without dns/txt */
    SE_H_IN_SEAL,  /* h= in an ARC-Seal */
    SE_NO_FROM,    /* AMS h= without From (DKIM §6.1.1) */
    SE_SIGNS_SEAL, /* AMS h= names ARC-Seal */
    SE_EXPIRY,     /* x= earlier than t= */
};

struct sig {
    enum sig_err err;
    const char *bad_tag;
    int instance; /* -1: no i= or not 1..2 digits */
    enum dkim_alg alg;
    const char *alg_text;
    enum dkim_canon hcanon, bcanon;
    const char *canon_text;
    const char *domain, *selector;
    struct slice *h;
    size_t nh;
    unsigned char *b, *bh;
    size_t b_len, bh_len;
    bool has_l, has_t, has_x;
    uint64_t l;
    int64_t t, x;
    enum cv_value cv;
    const char *cv_text;
    bool has_dns_txt;
    size_t b_off, b_len_raw; /* b= value's untrimmed extent in the field's raw bytes */
    const char *foreign;     /* AS: DKIM tags that do not belong in a seal */
};

/* ---- tag table ---- */

enum use { U_NO = 0, U_REQ, U_OPT, U_IGNORE, U_FOREIGN, U_FORBID };

/* Value handlers: false is a syntax error in the tag. */
typedef bool (*tag_fn)(arena *a, struct sig *s, struct slice v);

static bool is_fws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 8617 §4.2.1: arc-instance = 1*2DIGIT. -1 when not that. */
static int instance_value(const char *p, size_t len)
{
    if (len < 1 || len > 2) return -1;
    int n = 0;
    for (size_t k = 0; k < len; k++) {
        if (!ch_is_digit((unsigned char)p[k])) return -1;
        n = n * 10 + (p[k] - '0');
    }
    return n;
}

/* Labels of letters, digits, '-', '_' or 8-bit bytes, no empty label (the
 * leniency of dkim_parse.c); lowercased copy, one trailing dot dropped when
 * `dot`. NULL when not a name. */
static const char *name_dup(arena *a, struct slice v, bool dot)
{
    size_t len = v.len;
    if (dot && len > 1 && v.p[len - 1] == '.') len--;
    if (len == 0) return NULL;
    size_t label = 0;
    for (size_t k = 0; k < len; k++) {
        unsigned char c = (unsigned char)v.p[k];
        if (c == '.') {
            if (label == 0) return NULL;
            label = 0;
            continue;
        }
        if (!ch_is_alnum(c) && c != '-' && c != '_' && c < 0x80) return NULL;
        label++;
    }
    if (label == 0) return NULL;
    char *s = arena_strndup(a, v.p, len);
    str_lower(s, len);
    return s;
}

static bool tag_i(arena *a, struct sig *s, struct slice v)
{
    (void)a;
    s->instance = instance_value(v.p, v.len);
    return s->instance >= 0;
}

static bool tag_a(arena *a, struct sig *s, struct slice v)
{
    static const struct {
        const char *name;
        enum dkim_alg alg;
    } algs[] = {
        {"rsa-sha256", DKIM_ALG_RSA_SHA256},
        {"rsa-sha1", DKIM_ALG_RSA_SHA1},
        {"ed25519-sha256", DKIM_ALG_ED25519_SHA256},
    };
    s->alg_text = arena_strndup(a, v.p, v.len);
    for (size_t k = 0; k < sizeof algs / sizeof algs[0]; k++)
        if (str_eq_ci(v.p, v.len, algs[k].name)) s->alg = algs[k].alg;
    if (v.len == 0) return false;
    if (s->alg == DKIM_ALG_UNKNOWN && s->err == SE_OK) s->err = SE_ALGORITHM;
    return true;
}

static bool tag_b(arena *a, struct sig *s, struct slice v)
{
    s->b = dkim_b64_decode(a, v.p, v.len, DKIM_MAX_B, &s->b_len);
    return s->b && s->b_len > 0;
}

static bool tag_bh(arena *a, struct sig *s, struct slice v)
{
    s->bh = dkim_b64_decode(a, v.p, v.len, DKIM_MAX_B, &s->bh_len);
    return s->bh && s->bh_len > 0;
}

static bool tag_c(arena *a, struct sig *s, struct slice v)
{
    static const char *const texts[2][2] = {{"simple/simple", "simple/relaxed"},
                                            {"relaxed/simple", "relaxed/relaxed"}};
    const char *slash = memchr(v.p, '/', v.len);
    size_t hl = slash ? (size_t)(slash - v.p) : v.len;
    enum dkim_canon h = DKIM_CANON_SIMPLE, b = DKIM_CANON_SIMPLE;
    bool ok = dkim_canon_from_name(v.p, hl, &h);
    if (ok && slash) ok = dkim_canon_from_name(slash + 1, v.len - hl - 1, &b);
    if (!ok) {
        s->canon_text = arena_strndup(a, v.p, v.len);
        return false;
    }
    s->hcanon = h;
    s->bcanon = b;
    s->canon_text = texts[h][b];
    return true;
}

static bool tag_d(arena *a, struct sig *s, struct slice v)
{
    s->domain = name_dup(a, v, true);
    return s->domain != NULL;
}

static bool tag_s(arena *a, struct sig *s, struct slice v)
{
    s->selector = name_dup(a, v, false);
    return s->selector != NULL;
}

/* RFC 5322 ftext: printable ASCII except ':'. */
static bool tag_h(arena *a, struct sig *s, struct slice v)
{
    size_t count = 1;
    for (size_t k = 0; k < v.len; k++)
        if (v.p[k] == ':' && ++count > DKIM_MAX_H) return false;
    struct slice *names = arena_alloc(a, count * sizeof *names);
    size_t n = 0;
    const char *p = v.p, *end = v.p + v.len;
    for (;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *stop = colon ? colon : end;
        struct slice name = dkim_trim_fws(p, (size_t)(stop - p));
        if (name.len == 0) return false; /* also an empty h= (RFC 6376 §3.5: 1 name at least) */
        for (size_t k = 0; k < name.len; k++)
            if (!dkim_is_ftext((unsigned char)name.p[k])) return false;
        names[n++] = name;
        if (!colon) break;
        p = colon + 1;
    }
    s->h = names;
    s->nh = n;
    return true;
}

static bool tag_l(arena *a, struct sig *s, struct slice v)
{
    (void)a;
    s->has_l = dkim_number(v, UINT64_MAX, &s->l);
    return s->has_l;
}

static bool tag_t(arena *a, struct sig *s, struct slice v)
{
    (void)a;
    uint64_t n = 0;
    s->has_t = dkim_number(v, INT64_MAX, &n);
    s->t = (int64_t)n;
    return s->has_t;
}

static bool tag_x(arena *a, struct sig *s, struct slice v)
{
    (void)a;
    uint64_t n = 0;
    s->has_x = dkim_number(v, INT64_MAX, &n);
    s->x = (int64_t)n;
    return s->has_x;
}

static bool tag_q(arena *a, struct sig *s, struct slice v)
{
    (void)a;
    const char *p = v.p, *end = v.p + v.len;
    for (;;) {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        const char *stop = colon ? colon : end;
        struct slice item = dkim_trim_fws(p, (size_t)(stop - p));
        if (str_eq_ci(item.p, item.len, "dns/txt")) s->has_dns_txt = true;
        if (!colon) break;
        p = colon + 1;
    }
    if (!s->has_dns_txt && s->err == SE_OK) s->err = SE_QUERY;
    return true;
}

/* RFC 8617 §4.4: chain validation status. ABNF literals: case-insensitive. */
static bool tag_cv(arena *a, struct sig *s, struct slice v)
{
    char *t = arena_strndup(a, v.p, v.len);
    str_lower(t, v.len);
    s->cv_text = t;
    s->cv = strcmp(t, "none") == 0   ? CV_NONE
            : strcmp(t, "pass") == 0 ? CV_PASS
            : strcmp(t, "fail") == 0 ? CV_FAIL
                                     : CV_BAD;
    return s->cv != CV_BAD;
}

/* Which tags an AMS and an AS take (RFC 8617 §4.1.2, §4.1.3). An AMS is a
 * DKIM-Signature with i= as its instance and no v= (ignored if present). An
 * AS supports i, a, b, d, s, t and cv; h= MUST NOT appear; other DKIM tags
 * do not belong either: they are noted (U_FOREIGN), not judged. Tags not
 * listed are ignored (RFC 6376 §3.2 for unknown tags). */
static const struct {
    const char *name;
    enum use ams, as;
    tag_fn fn;
} tag_table[] = {
    {"i", U_REQ, U_REQ, tag_i},       /* instance 1..50 */
    {"a", U_REQ, U_REQ, tag_a},       /* algorithm */
    {"b", U_REQ, U_REQ, tag_b},       /* signature */
    {"bh", U_REQ, U_FOREIGN, tag_bh}, /* body hash */
    {"c", U_OPT, U_FOREIGN, tag_c},   /* canonicalisation (AS: relaxed, implied) */
    {"cv", U_NO, U_REQ, tag_cv},      /* chain validation status */
    {"d", U_REQ, U_REQ, tag_d},       /* signing domain */
    {"h", U_REQ, U_FORBID, tag_h},    /* signed header fields */
    {"l", U_OPT, U_FOREIGN, tag_l},   /* body length */
    {"q", U_OPT, U_FOREIGN, tag_q},   /* query method */
    {"s", U_REQ, U_REQ, tag_s},       /* selector */
    {"t", U_OPT, U_OPT, tag_t},       /* signing time */
    {"v", U_IGNORE, U_FOREIGN, NULL}, /* DKIM's version: not defined for ARC */
    {"x", U_OPT, U_FOREIGN, tag_x},   /* expiry */
    {"z", U_IGNORE, U_FOREIGN, NULL}, /* copied header fields: diagnostic only */
};
#define N_TAGS (sizeof tag_table / sizeof tag_table[0])

static bool slice_is(struct slice s, const char *lit)
{
    size_t n = strlen(lit);
    return s.len == n && memcmp(s.p, lit, n) == 0;
}

/* Parse an AMS or AS field. Fills *s; s->err says what is wrong first, in
 * the order: the tag-list itself, missing tags, tag values, then meaning. */
static void sig_parse(arena *a, const struct hdr_field *f, bool seal, struct sig *s)
{
    memset(s, 0, sizeof *s);
    s->instance = -1;
    s->hcanon = s->bcanon = DKIM_CANON_SIMPLE;
    s->canon_text = seal ? "relaxed" : "simple/simple";
    if (seal) s->hcanon = DKIM_CANON_RELAXED;

    struct dkim_tag *tags;
    size_t n;
    const char *list_bad = NULL;
    int list_rc = dkim_taglist_parse(a, f->value.p, f->value.len, &tags, &n, &list_bad);

    int slot[N_TAGS];
    for (size_t k = 0; k < N_TAGS; k++)
        slot[k] = -1;
    for (size_t j = 0; j < n; j++)
        for (size_t k = 0; k < N_TAGS; k++)
            if (slice_is(tags[j].name, tag_table[k].name)) slot[k] = (int)j;

    const char *missing = NULL, *syntax = NULL, *foreign = NULL;
    bool forbid_h = false;
    for (size_t k = 0; k < N_TAGS; k++) {
        enum use u = seal ? tag_table[k].as : tag_table[k].ams;
        if (slot[k] < 0) {
            if (u == U_REQ && !missing) missing = tag_table[k].name;
            continue;
        }
        if (u == U_NO || u == U_IGNORE) continue;
        if (u == U_FOREIGN) {
            foreign = foreign ? arena_printf(a, "%s %s=", foreign, tag_table[k].name)
                              : arena_printf(a, "%s=", tag_table[k].name);
            continue;
        }
        if (u == U_FORBID) {
            forbid_h = true;
            continue;
        }
        if (!tag_table[k].fn(a, s, tags[slot[k]].value) && !syntax) syntax = tag_table[k].name;
    }
    s->foreign = foreign;

    /* b='s untrimmed extent: from just after '=' to the ';' or the end */
    for (size_t k = 0; k < N_TAGS; k++) {
        if (strcmp(tag_table[k].name, "b") != 0 || slot[k] < 0) continue;
        struct slice v = tags[slot[k]].value;
        const char *start = v.p, *stop = v.p + v.len;
        const char *vend = f->value.p + f->value.len;
        while (start > f->value.p && is_fws((unsigned char)start[-1]))
            start--;
        while (stop < vend && is_fws((unsigned char)*stop))
            stop++;
        s->b_off = (size_t)(start - f->raw.p);
        s->b_len_raw = (size_t)(stop - start);
    }

    enum sig_err meaning = s->err; /* a=, q= problems found by the handlers */
    s->err = SE_OK;
    if (list_rc != 0) {
        s->err = SE_SYNTAX;
        s->bad_tag = list_bad ? list_bad : "";
        return;
    }
    if (missing) {
        s->err = SE_MISSING;
        s->bad_tag = missing;
        return;
    }
    if (syntax) {
        s->err = SE_SYNTAX;
        s->bad_tag = syntax;
        return;
    }
    if (meaning != SE_OK) {
        s->err = meaning;
        return;
    }
    if (forbid_h) {
        s->err = SE_H_IN_SEAL;
        return;
    }
    if (!seal) {
        bool from = false, as = false;
        for (size_t k = 0; k < s->nh; k++) {
            if (str_eq_ci(s->h[k].p, s->h[k].len, "from")) from = true;
            if (str_eq_ci(s->h[k].p, s->h[k].len, "arc-seal")) as = true;
        }
        if (as) {
            s->err = SE_SIGNS_SEAL;
            return;
        }
        if (!from) {
            s->err = SE_NO_FROM;
            return;
        }
    }
    if (s->has_t && s->has_x && s->x < s->t) s->err = SE_EXPIRY;
}

/* "syntax error in tag t of AMS i=1", "missing tag cv in AS i=2", ... */
static const char *sig_err_text(arena *a, const struct sig *s, enum kind k, int i)
{
    const char *ab = kind_abbr[k];
    switch (s->err) {
    case SE_OK:
        return NULL;
    case SE_SYNTAX:
        if (!s->bad_tag || !*s->bad_tag)
            return arena_printf(a, "syntax error in the tag-list of %s i=%d", ab, i);
        return arena_printf(a, "syntax error in tag %s of %s i=%d", s->bad_tag, ab, i);
    case SE_MISSING:
        return arena_printf(a, "missing tag %s in %s i=%d", s->bad_tag, ab, i);
    case SE_ALGORITHM:
        return arena_printf(a, "%s i=%d unsupported algorithm %s", ab, i,
                            s->alg_text ? s->alg_text : "");
    case SE_CANON:
        return arena_printf(a, "syntax error in tag c of %s i=%d", ab, i);
    case SE_QUERY:
        return arena_printf(a, "%s i=%d unsupported query method", ab, i);
    case SE_H_IN_SEAL:
        return arena_printf(a, "%s i=%d has h= (not allowed in an ARC-Seal)", ab, i);
    case SE_NO_FROM:
        return arena_printf(a, "%s i=%d does not sign From", ab, i);
    case SE_SIGNS_SEAL:
        return arena_printf(a, "%s i=%d signs ARC-Seal (not allowed)", ab, i);
    case SE_EXPIRY:
        return arena_printf(a, "syntax error in tag x of %s i=%d (x= before t=)", ab, i);
    }
    return NULL;
}

/* ---- AAR ---- */

/* The "i=N;" that starts an AAR value (RFC 8617 §4.1.1: instance [CFWS]
 * ";" authres-payload; %s"i": case-sensitive). Returns N (0..99) and the
 * offset after the ';' in *rest, or -1. */
static int aar_instance(const char *p, size_t len, size_t *rest)
{
    size_t k = hdr_skip_cfws(p, len, 0);
    if (k >= len || p[k] != 'i') return -1;
    k = hdr_skip_cfws(p, len, k + 1);
    if (k >= len || p[k] != '=') return -1;
    k = hdr_skip_cfws(p, len, k + 1);
    size_t d0 = k;
    while (k < len && ch_is_digit((unsigned char)p[k]))
        k++;
    int n = instance_value(p + d0, k - d0);
    if (n < 0) return -1;
    k = hdr_skip_cfws(p, len, k);
    if (k >= len || p[k] != ';') return -1;
    *rest = k + 1;
    return n;
}

/* RFC 2045 token character. */
static bool is_token_char(unsigned char c)
{
    return c > ' ' && c < 127 && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* authserv-id (a token or quoted-string, RFC 8601 §2.2) and the results
 * after it; both NULL when absent. */
static void aar_payload(arena *a, const char *p, size_t len, struct arc_set *set)
{
    size_t k = hdr_skip_cfws(p, len, 0);
    if (k >= len) return;
    if (p[k] == '"') {
        struct arena_str id = {.a = a};
        size_t j = k + 1;
        for (; j < len && p[j] != '"'; j++) {
            if (p[j] == '\\' && j + 1 < len) j++;
            if (p[j] == '\r' || p[j] == '\n') continue;
            arena_str_put(&id, p + j, 1);
        }
        if (j >= len) return; /* unterminated */
        set->aar_authserv_id = id.p ? id.p : arena_strdup(a, "");
        k = j + 1;
    } else {
        size_t j = k;
        while (j < len && (is_token_char((unsigned char)p[j]) || p[j] == '@'))
            j++;
        if (j == k) return;
        set->aar_authserv_id = arena_strndup(a, p + k, j - k);
        k = j;
    }
    const char *semi = memchr(p + k, ';', len - k);
    size_t from = semi ? (size_t)(semi - p) + 1 : k;
    size_t out_len;
    char *res = hdr_unfold(a, (struct slice){p + from, len - from}, &out_len);
    set->aar_results = out_len ? res : NULL;
}

/* ---- per-instance collection ---- */

struct slot {
    const struct hdr_field *f[K_COUNT]; /* the first field of each kind */
    int n[K_COUNT];
    struct sig ams, as; /* parsed when the field is unique */
};

struct ctx {
    struct dkim_verifier *v;
    arena *a;
    const struct hdr_block *hb;
    const char *body;
    size_t body_len;
    int64_t at;
    struct buf data; /* canonical bytes of the signature at hand */
};

static const char *join_h(arena *a, const struct sig *s)
{
    struct arena_str b = {.a = a};
    for (size_t k = 0; k < s->nh; k++) {
        if (k) arena_str_put(&b, ":", 1);
        arena_str_put(&b, s->h[k].p, s->h[k].len);
    }
    return b.p ? b.p : arena_strdup(a, "");
}

static bool reason_is_temporary(enum dkim_reason r)
{
    return dkim_reason_result(r) == AUTH_TEMPERROR;
}

/* The reason text for a dkim_verify_data outcome that is not a pass. */
static const char *verify_text(arena *a, enum dkim_reason r, enum kind k, int i,
                               const struct sig *s, const struct dkim_result *dr)
{
    const char *ab = kind_abbr[k];
    switch (r) {
    case DKIM_R_SIGNATURE:
        return arena_printf(a, "%s i=%d signature mismatch", ab, i);
    case DKIM_R_KEY_TOO_SHORT:
        return arena_printf(a, "%s i=%d key too short (%d-bit RSA; RFC 8301 requires 1024)", ab, i,
                            dr->key_bits);
    case DKIM_R_RSA_SHA1:
        return arena_printf(a, "%s i=%d uses rsa-sha1 (RFC 8301 forbids it)", ab, i);
    default:
        return arena_printf(a, "%s for %s i=%d (s=%s, d=%s)", dkim_reason_text(r), ab, i,
                            s->selector, s->domain);
    }
}

/* §5.4.2 of RFC 6376: each h= name takes the last unused field of that name,
 * bottom up; then the AMS itself without its b= value and final CRLF. */
static void set_ams(struct arc_set *set, enum auth_result code, const char *reason)
{
    set->ams_code = code;
    set->ams_result = auth_result_name(code);
    set->ams_reason = reason;
}

static void set_as(struct arc_set *set, enum auth_result code, const char *reason)
{
    set->as_code = code;
    set->as_result = auth_result_name(code);
    set->as_reason = reason;
}

static void add_note(arena *a, struct arc_set *set, const char *note)
{
    set->note = set->note ? arena_printf(a, "%s; %s", set->note, note) : note;
}

/* Verify the AMS of one set. *temp: the outcome depends on DNS. */
static void ams_verify(struct ctx *c, struct slot *sl, struct arc_set *set, bool *temp)
{
    arena *a = c->a;
    const struct sig *s = &sl->ams;
    int i = set->i;
    if (s->err != SE_OK) {
        set_ams(set, AUTH_PERMERROR, sig_err_text(a, s, K_AMS, i));
        return;
    }
    struct dkim_result dr;
    dkim_signed_header_data(&c->data, c->a, s->hcanon, c->hb, s->h, s->nh, sl->f[K_AMS], s->b_off,
                            s->b_len_raw);
    enum dkim_reason r = dkim_verify_data(c->v, a, s->domain, s->selector, s->alg, c->data.p,
                                          c->data.len, s->b, s->b_len, &dr);
    set->ams_key_bits = dr.key_bits;
    set->ams_key_type = dr.key_type;
    if (r != DKIM_R_OK && r != DKIM_R_SIGNATURE && !dr.crypto_ok) {
        /* the key could not be had or used: the most basic problem */
        *temp = reason_is_temporary(r);
        set_ams(set, dkim_reason_result(r), verify_text(a, r, K_AMS, i, s, &dr));
        return;
    }
    unsigned char bh[64];
    size_t bhl = 0;
    uint64_t canon_len = 0;
    dkim_body_hash(c->v, c->body, c->body_len, s->bcanon, s->alg, s->has_l, s->l, bh, &bhl,
                   &canon_len);
    if (s->has_l && s->l > canon_len) {
        set_ams(set, AUTH_FAIL,
                arena_printf(a, "AMS i=%d body shorter than l= (l=%llu, %llu bytes)", i,
                             (unsigned long long)s->l, (unsigned long long)canon_len));
        return;
    }
    if (bhl != s->bh_len || memcmp(bh, s->bh, bhl) != 0) {
        set_ams(set, AUTH_FAIL, arena_printf(a, "AMS i=%d body hash mismatch", i));
        return;
    }
    if (s->has_l && s->l < canon_len)
        add_note(a, set,
                 arena_printf(a, "AMS i=%d l= signs %llu of %llu body bytes", i,
                              (unsigned long long)s->l, (unsigned long long)canon_len));
    if (r != DKIM_R_OK) {
        set_ams(set, dkim_reason_result(r), verify_text(a, r, K_AMS, i, s, &dr));
        return;
    }
    if (c->at > 0 && s->has_x && s->x < c->at) {
        set_ams(set, AUTH_POLICY,
                arena_printf(a, "AMS i=%d expired (x= is %lld s before the judging time)", i,
                             (long long)(c->at - s->x)));
        return;
    }
    if (dr.testing) add_note(a, set, arena_printf(a, "AMS i=%d key is t=y (testing)", i));
    set_ams(set, AUTH_PASS, NULL);
}

/* Verify AS(i) over the canonical data now in c->data. */
static void as_verify(struct ctx *c, struct slot *sl, struct arc_set *set, bool *temp)
{
    arena *a = c->a;
    const struct sig *s = &sl->as;
    struct dkim_result dr;
    enum dkim_reason r = dkim_verify_data(c->v, a, s->domain, s->selector, s->alg, c->data.p,
                                          c->data.len, s->b, s->b_len, &dr);
    set->as_key_bits = dr.key_bits;
    set->as_key_type = dr.key_type;
    if (r != DKIM_R_OK) {
        *temp = reason_is_temporary(r);
        set_as(set, dkim_reason_result(r), verify_text(a, r, K_AS, set->i, s, &dr));
        return;
    }
    if (dr.testing) add_note(a, set, arena_printf(a, "AS i=%d key is t=y (testing)", set->i));
    set_as(set, AUTH_PASS, NULL);
}

static void put_canon(struct buf *b, const struct hdr_field *f)
{
    dkim_canon_header(b, DKIM_CANON_RELAXED, f->raw.p, f->raw.len, 0, 0, false);
}

/* The seal's data for AS(i): the canonical sets 1..i-1 (already in
 * `prefix`, or nothing when cv=fail: §5.1.2), then AAR(i), AMS(i) and AS(i)
 * without b= and final CRLF. */
static void as_data(struct ctx *c, const struct buf *prefix, const struct slot *sl, bool own_only)
{
    buf_reset(&c->data);
    if (!own_only) buf_append(&c->data, prefix->p, prefix->len);
    put_canon(&c->data, sl->f[K_AAR]);
    put_canon(&c->data, sl->f[K_AMS]);
    const struct hdr_field *f = sl->f[K_AS];
    dkim_canon_header(&c->data, DKIM_CANON_RELAXED, f->raw.p, f->raw.len, sl->as.b_off,
                      sl->as.b_len_raw, true);
}

static bool slot_complete(const struct slot *sl)
{
    return sl->n[K_AAR] == 1 && sl->n[K_AMS] == 1 && sl->n[K_AS] == 1;
}

static enum kind field_kind(const struct hdr_field *f, bool *is_arc)
{
    for (int k = 0; k < K_COUNT; k++) {
        if (str_eq_ci(f->name.p, f->name.len, kind_name[k])) {
            *is_arc = true;
            return (enum kind)k;
        }
    }
    *is_arc = false;
    return K_AAR;
}

/* Why a field has no usable instance. */
static const char *no_instance_text(arena *a, enum kind k, int inst, const struct sig *s)
{
    if (inst == 0)
        return arena_printf(a, "%s with instance i=0 (must be 1..%d)", kind_name[k], ARC_MAX_SETS);
    if (k != K_AAR && s->err == SE_SYNTAX && s->bad_tag && strcmp(s->bad_tag, "i") != 0)
        return arena_printf(a, "%s without a readable instance (syntax error in tag %s)",
                            kind_name[k], *s->bad_tag ? s->bad_tag : "list");
    if (k == K_AAR) return arena_printf(a, "%s without a valid \"i=N;\" instance", kind_name[k]);
    return arena_printf(a, "%s without a valid instance tag i=", kind_name[k]);
}

/* §5.2 step 3, first condition: exactly one of each field; no gap. */
static const char *set_count_problem(arena *a, const struct slot *sl, int i, int n)
{
    if (sl->n[K_AAR] + sl->n[K_AMS] + sl->n[K_AS] == 0)
        return arena_printf(a, "instance gap: no set i=%d below i=%d", i, n);
    for (int k = 0; k < K_COUNT; k++) {
        if (sl->n[k] == 0) return arena_printf(a, "missing %s for i=%d", kind_name[k], i);
        if (sl->n[k] > 1) return arena_printf(a, "duplicate %s for i=%d", kind_name[k], i);
    }
    return NULL;
}

/* §5.2 step 3, the cv values: none at i=1, pass above, never fail. */
static const char *set_cv_problem(arena *a, const struct sig *s, int i)
{
    switch (s->cv) {
    case CV_ABSENT:
        return arena_printf(a, "missing tag cv in AS i=%d", i);
    case CV_BAD:
        return arena_printf(a, "syntax error in tag cv of AS i=%d", i);
    case CV_FAIL:
        return arena_printf(a, "cv=fail in AS i=%d", i);
    case CV_NONE:
        return i == 1 ? NULL : arena_printf(a, "AS i=%d has cv=none (must be pass)", i);
    case CV_PASS:
        return i == 1 ? arena_printf(a, "i=1 seal has cv=pass (must be none)") : NULL;
    }
    return NULL;
}

static enum auth_result finish(struct arc_result *out, enum auth_result res, const char *reason)
{
    out->result = res;
    out->cv = auth_result_name(res);
    out->reason = res == AUTH_FAIL ? reason : NULL;
    if (res != AUTH_FAIL) out->temporary = false;
    return res;
}

enum auth_result arc_validate(struct dkim_verifier *v, arena *a, const char *raw, size_t raw_len,
                              const struct hdr_block *hdr, int64_t at, struct arc_result *out)
{
    memset(out, 0, sizeof *out);
    out->result = AUTH_NONE;
    out->cv = "none";

    /* 1. collect */
    size_t n_fields = 0, bytes = 0;
    for (size_t j = 0; j < hdr->n; j++) {
        bool is_arc;
        field_kind(&hdr->f[j], &is_arc);
        if (!is_arc) continue;
        n_fields++;
        bytes += hdr->f[j].raw.len;
    }
    out->n_fields = n_fields;
    if (n_fields == 0) return finish(out, AUTH_NONE, NULL);
    if (n_fields > ARC_MAX_FIELDS)
        return finish(
            out, AUTH_FAIL,
            arena_printf(a, "more than %d ARC header fields (%zu)", ARC_MAX_FIELDS, n_fields));
    if (bytes > ARC_MAX_BYTES)
        return finish(out, AUTH_FAIL,
                      arena_printf(a, "ARC header fields too large (%zu bytes, at most %u)", bytes,
                                   ARC_MAX_BYTES));

    struct slot *slots = arena_zalloc(a, (MAX_SLOT + 1) * sizeof *slots);
    const char *bad_field = NULL; /* the first field without a usable instance */
    int top = 0;                  /* highest instance seen */
    int n_distinct = 0;
    for (size_t j = 0; j < hdr->n; j++) {
        const struct hdr_field *f = &hdr->f[j];
        bool is_arc;
        enum kind k = field_kind(f, &is_arc);
        if (!is_arc) continue;
        int inst;
        struct sig tmp;
        memset(&tmp, 0, sizeof tmp);
        if (k == K_AAR) {
            size_t rest = 0;
            inst = aar_instance(f->value.p, f->value.len, &rest);
        } else {
            sig_parse(a, f, k == K_AS, &tmp);
            inst = tmp.instance;
        }
        if (inst < 1) {
            if (!bad_field) bad_field = no_instance_text(a, k, inst, &tmp);
            continue;
        }
        struct slot *sl = &slots[inst];
        if (sl->n[K_AAR] + sl->n[K_AMS] + sl->n[K_AS] == 0) n_distinct++;
        if (inst > top) top = inst;
        if (sl->n[k]++ == 0) {
            sl->f[k] = f;
            if (k == K_AMS) sl->ams = tmp;
            if (k == K_AS) sl->as = tmp;
        }
    }

    int n_sets = top > ARC_MAX_SETS ? ARC_MAX_SETS : top;
    out->n_sets = n_sets;
    struct arc_set *sets = n_sets ? arena_zalloc(a, (size_t)n_sets * sizeof *sets) : NULL;
    out->sets = sets;
    for (int i = 1; i <= n_sets; i++) {
        struct arc_set *set = &sets[i - 1];
        struct slot *sl = &slots[i];
        set->i = i;
        set->n_aar = sl->n[K_AAR];
        set->n_ams = sl->n[K_AMS];
        set->n_as = sl->n[K_AS];
        set_ams(set, AUTH_NONE, NULL);
        set_as(set, AUTH_NONE, NULL);
        if (sl->f[K_AAR]) {
            const struct hdr_field *f = sl->f[K_AAR];
            struct slice val = dkim_trim_fws(f->value.p, f->value.len);
            set->aar_raw = arena_strndup(a, val.p, val.len);
            size_t rest = 0;
            if (aar_instance(f->value.p, f->value.len, &rest) >= 0)
                aar_payload(a, f->value.p + rest, f->value.len - rest, set);
        }
        if (sl->f[K_AMS]) {
            const struct sig *s = &sl->ams;
            set->ams_domain = s->domain;
            set->ams_selector = s->selector;
            set->ams_algorithm = s->alg_text;
            set->ams_canon = s->canon_text;
            set->ams_headers = s->h ? join_h(a, s) : NULL;
            set->ams_has_t = s->has_t;
            set->ams_t = s->t;
            set->ams_has_x = s->has_x;
            set->ams_x = s->x;
            set->ams_has_l = s->has_l;
            set->ams_l = s->l;
        }
        if (sl->f[K_AS]) {
            const struct sig *s = &sl->as;
            set->as_domain = s->domain;
            set->as_selector = s->selector;
            set->as_algorithm = s->alg_text;
            set->cv = s->cv_text;
            set->as_has_t = s->has_t;
            set->as_t = s->t;
            if (s->foreign)
                add_note(a, set,
                         arena_printf(a,
                                      "AS i=%d carries %s (DKIM tags RFC 8617 does not "
                                      "allow in a seal)",
                                      i, s->foreign));
        }
    }
    if (n_sets && sets[n_sets - 1].as_has_t) out->sealed_at = sets[n_sets - 1].as_t;

    /* 2. verify what can be verified (nothing when over 50 sets) */
    struct ctx c = {.v = v, .a = a, .hb = hdr, .at = at};
    size_t bo = hdr->body_offset <= raw_len ? hdr->body_offset : raw_len;
    c.body = raw + bo;
    c.body_len = raw_len - bo;
    buf_init(&c.data, 0);
    struct buf prefix;
    buf_init(&prefix, 0);
    bool *ams_temp = arena_zalloc(a, (size_t)(n_sets + 1) * sizeof *ams_temp);
    bool *as_temp = arena_zalloc(a, (size_t)(n_sets + 1) * sizeof *as_temp);
    bool chain_ok = top <= ARC_MAX_SETS; /* sets 1..i-1 complete so far */
    for (int i = 1; top <= ARC_MAX_SETS && i <= n_sets; i++) {
        struct slot *sl = &slots[i];
        struct arc_set *set = &sets[i - 1];
        if (sl->n[K_AMS] == 1)
            ams_verify(&c, sl, set, &ams_temp[i]);
        else if (sl->n[K_AMS] > 1)
            set_ams(
                set, AUTH_PERMERROR,
                arena_printf(a, "AMS i=%d not checked: %d fields for i=%d", i, sl->n[K_AMS], i));
        bool complete = slot_complete(sl);
        if (sl->n[K_AS] == 1 && complete && sl->as.err != SE_OK) {
            set_as(set, AUTH_PERMERROR, sig_err_text(a, &sl->as, K_AS, i));
        } else if (sl->n[K_AS] == 1 && complete) {
            bool own_only = sl->as.cv == CV_FAIL;
            if (chain_ok || own_only) {
                as_data(&c, &prefix, sl, own_only);
                as_verify(&c, sl, set, &as_temp[i]);
            } else {
                set_as(set, AUTH_NONE,
                       arena_printf(a, "AS i=%d not checked: an earlier set is incomplete", i));
            }
        } else if (sl->n[K_AS] >= 1) {
            set_as(set, AUTH_NONE,
                   arena_printf(a, "AS i=%d not checked: set i=%d is incomplete", i, i));
        }
        if (complete && chain_ok) {
            put_canon(&prefix, sl->f[K_AAR]);
            put_canon(&prefix, sl->f[K_AMS]);
            put_canon(&prefix, sl->f[K_AS]);
        } else {
            chain_ok = false;
        }
    }
    buf_free(&prefix);
    buf_free(&c.data);

    /* 3. judge, RFC 8617 §5.2 */
    const char *why = NULL;
    bool temp = false;
    int n = n_sets;
    /* step 1: the number of sets */
    if (n_distinct > ARC_MAX_SETS)
        why = arena_printf(a, "more than %d sets (%d)", ARC_MAX_SETS, n_distinct);
    else if (top > ARC_MAX_SETS)
        why = arena_printf(a, "instance i=%d out of range (1..%d)", top, ARC_MAX_SETS);
    /* step 2: the last seal's own verdict */
    if (!why && n >= 1 && slots[n].n[K_AS] == 1 && slots[n].as.cv == CV_FAIL)
        why = arena_printf(a, "cv=fail in AS i=%d", n);
    /* step 3: structure — fields per set first, then the cv values */
    const char **count_why = arena_zalloc(a, (size_t)(n + 1) * sizeof *count_why);
    const char **cv_why = arena_zalloc(a, (size_t)(n + 1) * sizeof *cv_why);
    for (int i = 1; i <= n; i++) {
        count_why[i] = set_count_problem(a, &slots[i], i, n);
        cv_why[i] = set_cv_problem(a, &slots[i].as, i);
        sets[i - 1].reason = count_why[i] ? count_why[i] : cv_why[i];
    }
    if (!why && bad_field) why = bad_field;
    for (int i = 1; !why && i <= n; i++)
        why = count_why[i];
    for (int i = 1; !why && i <= n; i++)
        why = cv_why[i];
    /* step 4: the newest AMS */
    if (!why && n >= 1 && sets[n - 1].ams_code != AUTH_PASS) {
        why = sets[n - 1].ams_reason;
        temp = ams_temp[n];
    }
    /* step 5: oldest-pass */
    int oldest = 0;
    for (int i = n - 1; !why && i >= 1; i--) {
        if (sets[i - 1].ams_code != AUTH_PASS) {
            oldest = i + 1;
            break;
        }
    }
    /* step 6: every seal, newest first */
    for (int i = n; !why && i >= 1; i--) {
        if (sets[i - 1].as_code != AUTH_PASS) {
            why = sets[i - 1].as_reason ? sets[i - 1].as_reason
                                        : arena_printf(a, "AS i=%d not verified", i);
            temp = as_temp[i];
        }
    }
    for (int i = 1; i <= n_sets; i++) {
        struct arc_set *set = &sets[i - 1];
        if (!set->reason) set->reason = set->ams_reason ? set->ams_reason : set->as_reason;
    }
    if (!why && n == 0) why = "no ARC set";
    if (why) {
        out->temporary = temp;
        return finish(out, AUTH_FAIL, why);
    }
    out->oldest_pass = oldest;
    return finish(out, AUTH_PASS, NULL);
}

/* Are the parentheses of s balanced (a valid nested RFC 5322 comment)? */
static bool parens_balanced(const char *s)
{
    int depth = 0;
    for (; *s; s++) {
        if (*s == '(') depth++;
        if (*s == ')' && --depth < 0) return false;
    }
    return depth == 0;
}

char *arc_authres_clause(arena *a, const struct arc_result *r)
{
    if (r->result == AUTH_PASS) {
        if (r->oldest_pass > 0)
            return arena_printf(a, "arc=pass (i=%d, oldest-pass=%d)", r->n_sets, r->oldest_pass);
        return arena_printf(a, "arc=pass (i=%d)", r->n_sets);
    }
    if (r->result != AUTH_FAIL) return arena_strdup(a, "arc=none");
    struct arena_str b = {.a = a};
    arena_str_put(&b, "arc=fail", 8);
    if (r->reason && *r->reason) {
        /* the reason as a comment: nested parentheses kept when balanced,
         * backslashes quoted, control bytes replaced */
        bool keep = parens_balanced(r->reason);
        arena_str_put(&b, " (", 2);
        for (const char *p = r->reason; *p; p++) {
            unsigned char ch = (unsigned char)*p;
            if (ch < ' ' || ch == 127 || (!keep && (ch == '(' || ch == ')')))
                arena_str_put(&b, "?", 1);
            else if (ch == '\\')
                arena_str_put(&b, "\\\\", 2);
            else
                arena_str_put(&b, p, 1);
        }
        arena_str_put(&b, ")", 1);
    }
    return b.p;
}
