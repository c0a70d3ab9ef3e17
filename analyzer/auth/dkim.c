/* dkim — see dkim.h. The order of judgement for one signature:
 *   1. the signature as written (dkim_parse: syntax, required tags, v=, a=,
 *      From in h=, i= within d=)           → permerror / neutral
 *   2. the key record (DNS, then the record's tags and the key itself)
 *                                          → temperror / permerror
 *   3. the bytes: body hash, then the header signature → fail
 *   4. rules on a signature whose bytes verified: RFC 8301 key size and
 *      rsa-sha1, x= expired and t= in the future at the judging time → policy
 * so a post-mortem always learns the most basic problem first, and whether
 * the bytes verified (crypto_ok) even when a rule refuses the signature.
 *
 * Canonical bodies are built once per message and canonicalisation (the
 * verifier's buffers), hashed once per (canonicalisation, hash, l=) — several
 * signatures over one body cost one canonicalisation. */
#include "auth/dkim.h"
#include "auth/dkim_parse.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reason_texts[] = {
#define X(code, text, res) text,
    DKIM_REASON_LIST(X)
#undef X
};
static const enum auth_result reason_results[] = {
#define X(code, text, res) res,
    DKIM_REASON_LIST(X)
#undef X
};

const char *dkim_reason_text(enum dkim_reason r)
{
    return (unsigned)r < DKIM_R__COUNT ? reason_texts[r] : "";
}

enum auth_result dkim_reason_result(enum dkim_reason r)
{
    return (unsigned)r < DKIM_R__COUNT ? reason_results[r] : AUTH_PERMERROR;
}

const char *dkim_from_rel_name(enum dkim_from_rel r)
{
    switch (r) {
    case DKIM_FROM_SAME:
        return "same";
    case DKIM_FROM_PARENT:
        return "parent";
    case DKIM_FROM_CHILD:
        return "child";
    case DKIM_FROM_NONE:
        break;
    }
    return "none";
}

/* ---- parsed-key cache ---- */

struct key_entry {
    char *id; /* "<qname>\n<record text>", NULL = empty slot */
    uint64_t h;
    enum dkim_key_error error;
    bool decoded; /* pkey holds a usable key */
    size_t p_len; /* decoded p= length */
    bool pkcs1;   /* p= was a bare RSAPublicKey, not SubjectPublicKeyInfo */
    const char *key_type;
    unsigned hashes;
    bool hash_listed, service_email, testing, strict;
    int bits;
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *vctx;    /* RSA: initialised for verify, reused */
    const EVP_MD *vctx_md; /* the signature md set on vctx, NULL before the first */
};

#define KEY_SLOTS (DKIM_KEY_CACHE * 2)
#define KEY_MEMO 64 /* selector names remembered with the key they gave */

/* qname → the key its TXT answer gave, so that a campaign signed with one
 * selector costs one DNS lookup and one cache probe per verifier. Valid
 * because every source is fixed for the resolver's life (snapshots and the
 * database are loaded once; live answers are cached for the whole run). */
struct key_memo {
    char *qname; /* NULL: empty */
    struct key_entry *e;
    size_t n_rr;
    enum dns_source src;
};
#define DKIM_KEEP_BUFFER (4u << 20) /* canonical-body buffer kept between messages */

struct dkim_verifier {
    struct dns_resolver *dns;
    struct key_entry *keys; /* KEY_SLOTS, open addressing */
    size_t n_keys;
    struct key_memo memo[KEY_MEMO];
    EVP_MD *sha256, *sha1;
    EVP_MD_CTX *mdctx, *mdctx2;
    EVP_MD_CTX *edctx;        /* ed25519 verification only: a context used for DigestVerify keeps
                                 its key, so plain digests must not share it */
    struct buf hdr;           /* canonical header data of the signature at hand */
    struct buf body[2];       /* canonical body per dkim_canon, when it had to be built */
    struct slice canon[2];    /* the canonical body: in body[c] or in the message itself */
    struct slice body_src[2]; /* the body canon[c] was made from */
    bool body_done[2];
};

struct dkim_verifier *dkim_verifier_new(struct dns_resolver *dns)
{
    struct dkim_verifier *v = xcalloc(1, sizeof *v);
    v->dns = dns;
    v->keys = xcalloc(KEY_SLOTS, sizeof *v->keys);
    v->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    v->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    v->mdctx = EVP_MD_CTX_new();
    v->mdctx2 = EVP_MD_CTX_new();
    v->edctx = EVP_MD_CTX_new();
    if (!v->sha256 || !v->mdctx || !v->mdctx2 || !v->edctx) {
        fprintf(stderr, "mailaudit: OpenSSL has no SHA-256\n");
        abort();
    }
    buf_init(&v->hdr, 0);
    buf_init(&v->body[0], 0);
    buf_init(&v->body[1], 0);
    return v;
}

static void keys_clear(struct dkim_verifier *v)
{
    for (size_t i = 0; i < KEY_MEMO; i++) {
        free(v->memo[i].qname);
        v->memo[i].qname = NULL;
    }
    for (size_t i = 0; i < KEY_SLOTS; i++) {
        struct key_entry *e = &v->keys[i];
        if (!e->id) continue;
        free(e->id);
        EVP_PKEY_CTX_free(e->vctx);
        EVP_PKEY_free(e->pkey);
        memset(e, 0, sizeof *e);
    }
    v->n_keys = 0;
}

void dkim_verifier_free(struct dkim_verifier *v)
{
    if (!v) return;
    keys_clear(v);
    free(v->keys);
    EVP_MD_free(v->sha256);
    EVP_MD_free(v->sha1);
    EVP_MD_CTX_free(v->mdctx);
    EVP_MD_CTX_free(v->mdctx2);
    EVP_MD_CTX_free(v->edctx);
    buf_free(&v->hdr);
    buf_free(&v->body[0]);
    buf_free(&v->body[1]);
    free(v);
}

/* Decode a key record's p= into an OpenSSL key. */
static void key_decode(struct key_entry *e, const struct dkim_key *k)
{
    if (strcmp(k->key_type, "rsa") == 0) {
        const unsigned char *q = k->p;
        EVP_PKEY *pk = d2i_PUBKEY(NULL, &q, (long)k->p_len);
        if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
            EVP_PKEY_free(pk);
            pk = NULL;
        }
        if (!pk) { /* some publish PKCS#1 RSAPublicKey instead of SPKI */
            q = k->p;
            pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)k->p_len);
            if (pk) e->pkcs1 = true;
        }
        if (!pk) return;
        e->pkey = pk;
        e->vctx = EVP_PKEY_CTX_new(pk, NULL);
        if (!e->vctx || EVP_PKEY_verify_init(e->vctx) <= 0 ||
            EVP_PKEY_CTX_set_rsa_padding(e->vctx, RSA_PKCS1_PADDING) <= 0) {
            EVP_PKEY_CTX_free(e->vctx);
            e->vctx = NULL;
            return;
        }
    } else if (strcmp(k->key_type, "ed25519") == 0) {
        if (k->p_len != 32) return;
        e->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->p, 32);
        if (!e->pkey) return;
    } else {
        return;
    }
    e->bits = EVP_PKEY_get_bits(e->pkey);
    e->decoded = true;
}

/* The cached parse of this (qname, record); parsed and decoded on a miss. */
static struct key_entry *key_get(struct dkim_verifier *v, arena *a, const char *qname,
                                 const char *txt, size_t txt_len)
{
    size_t qlen = strlen(qname);
    size_t idlen = qlen + 1 + txt_len;
    char *id = arena_alloc(a, idlen + 1);
    memcpy(id, qname, qlen);
    id[qlen] = '\n';
    memcpy(id + qlen + 1, txt, txt_len);
    id[idlen] = 0;
    /* the name and the record's last bytes (where keys differ) pick the
     * slot; the whole id is compared on a hit */
    size_t tail = txt_len < 48 ? txt_len : 48;
    uint64_t h = hash_fnv1a(qname, qlen) ^ hash_fnv1a(txt + txt_len - tail, tail) ^
                 ((uint64_t)txt_len * 0x9E3779B97F4A7C15ULL);
    size_t i = (size_t)(h % KEY_SLOTS);
    for (;;) {
        struct key_entry *e = &v->keys[i];
        if (!e->id) break;
        if (e->h == h && memcmp(e->id, id, idlen + 1) == 0) return e;
        i = (i + 1) % KEY_SLOTS;
    }
    if (v->n_keys >= DKIM_KEY_CACHE) {
        keys_clear(v);
        i = (size_t)(h % KEY_SLOTS);
    }
    struct key_entry *e = &v->keys[i];
    e->id = xmalloc(idlen + 1);
    memcpy(e->id, id, idlen + 1);
    e->h = h;
    v->n_keys++;
    struct dkim_key k;
    e->error = dkim_key_parse(a, txt, txt_len, &k);
    e->key_type = k.key_type && strcmp(k.key_type, "rsa") == 0       ? "rsa"
                  : k.key_type && strcmp(k.key_type, "ed25519") == 0 ? "ed25519"
                                                                     : NULL;
    e->hashes = k.hashes;
    e->hash_listed = k.hash_listed;
    e->service_email = k.service_email;
    e->testing = k.testing;
    e->strict = k.strict;
    e->p_len = k.p_len;
    if (e->error == DKIM_KEY_OK && e->key_type) key_decode(e, &k);
    return e;
}

/* ---- canonical body ---- */

/* 0x80 in every byte of x equal to the byte repeated in pat, 0 elsewhere
 * (exact, no false positives: no borrow crosses bytes). */
static inline uint64_t bytes_eq(uint64_t x, uint64_t pat)
{
    uint64_t y = x ^ pat;
    const uint64_t m = 0x7f7f7f7f7f7f7f7fULL;
    return ~(((y & m) + m) | y | m);
}

/* Does relaxed canonicalisation leave this line (without its line end) as
 * it is? Yes when it has no TAB, no two WSP in a row and no WSP at its end —
 * most lines of real mail. Checked 8 bytes at a time. */
static bool relaxed_line_unchanged(const char *s, size_t n)
{
    if (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) return false;
    const uint64_t SP = 0x2020202020202020ULL, TAB = 0x0909090909090909ULL;
    uint64_t carry = 0; /* the previous word ended with a space */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t sp = bytes_eq(w, SP);
        if (bytes_eq(w, TAB) || (sp & (sp >> 8)) || (carry & sp & 0x80)) return false;
        carry = sp >> 56; /* 0x80 when byte 7 is a space */
    }
    bool prev = carry != 0;
    for (; i < n; i++) {
        bool cur = s[i] == ' ';
        if (s[i] == '\t' || (prev && cur)) return false;
        prev = cur;
    }
    return true;
}

void dkim_body_canon(struct buf *out, enum dkim_canon c, const char *p, size_t len)
{
    buf_reset(out);
    /* worst case: every byte a bare LF (each becomes CRLF), plus a final CRLF */
    char *base = buf_reserve(out, 2 * len + 2);
    char *o = base;
    size_t keep = 0; /* output length after the last non-empty line */
    const char *end = p + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *ce = nl ? nl : end; /* content end */
        if (nl && ce > p && ce[-1] == '\r') ce--;
        char *ls = o;
        if (c == DKIM_CANON_SIMPLE) {
            memcpy(o, p, (size_t)(ce - p));
            o += ce - p;
        } else if (relaxed_line_unchanged(p, (size_t)(ce - p))) {
            memcpy(o, p, (size_t)(ce - p)); /* the common case: one copy */
            o += ce - p;
        } else {
            /* WSP runs become one SP, WSP at the line end goes */
            bool wsp = false;
            for (const char *q = p; q < ce; q++) {
                char ch = *q;
                if (ch == ' ' || ch == '\t') {
                    wsp = true;
                    continue;
                }
                if (wsp) *o++ = ' ';
                wsp = false;
                *o++ = ch;
            }
        }
        bool nonempty = o > ls;
        *o++ = '\r';
        *o++ = '\n';
        if (nonempty) keep = (size_t)(o - base);
        p = nl ? nl + 1 : end;
    }
    out->len = keep;
    if (c == DKIM_CANON_SIMPLE && keep == 0) {
        base[0] = '\r';
        base[1] = '\n';
        out->len = 2;
    }
}

/* Is the body (p,len) already in canonical form up to *keep (the trailing
 * empty lines cut)? True for most CRLF mail: then it is hashed where it
 * lies, without a copy. Relaxed needs no TAB, no two WSP in a row and no WSP
 * before a line end; both need CRLF line ends only and a final CRLF. One
 * pass, 8 bytes at a time. */
bool dkim_body_in_place(const char *p, size_t len, enum dkim_canon c, size_t *keep)
{
    if (len < 2 || p[len - 2] != '\r' || p[len - 1] != '\n') return false;
    const uint64_t SP = 0x2020202020202020ULL, TAB = 0x0909090909090909ULL,
                   CR = 0x0d0d0d0d0d0d0d0dULL, LF = 0x0a0a0a0a0a0a0a0aULL;
    bool relaxed = c == DKIM_CANON_RELAXED;
    uint64_t prev_sp = 0, prev_cr = 0; /* 0x80 when the previous byte was SP / CR */
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        uint64_t lf = bytes_eq(w, LF), cr = bytes_eq(w, CR);
        /* every LF preceded by a CR */
        if (lf & ~((cr << 8) | prev_cr)) return false;
        if (relaxed) {
            uint64_t sp = bytes_eq(w, SP);
            uint64_t next_of_sp = (sp << 8) | prev_sp; /* bytes that follow a space */
            if (bytes_eq(w, TAB) || (next_of_sp & (sp | cr | lf))) return false;
            prev_sp = sp >> 56;
        }
        prev_cr = cr >> 56;
    }
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)p[i];
        if (ch == '\n' && !prev_cr) return false;
        if (relaxed && (ch == '\t' || (prev_sp && (ch == ' ' || ch == '\r' || ch == '\n'))))
            return false;
        prev_cr = ch == '\r';
        prev_sp = ch == ' ';
    }
    /* trailing empty lines go; the body "\r\n" alone is simple's empty body */
    size_t k = len;
    while (k >= 4 && p[k - 4] == '\r' && p[k - 3] == '\n' && p[k - 2] == '\r' && p[k - 1] == '\n')
        k -= 2;
    if (k == 2) k = relaxed ? 0 : 2;
    *keep = k;
    return true;
}

static struct slice body_get(struct dkim_verifier *v, enum dkim_canon c, const char *p, size_t len)
{
    /* built once per message; a different body (another caller's buffer)
     * is canonicalised afresh even without dkim_new_message */
    if (!v->body_done[c] || v->body_src[c].p != p || v->body_src[c].len != len) {
        size_t keep;
        if (dkim_body_in_place(p, len, c, &keep)) {
            v->canon[c] = (struct slice){p, keep};
        } else {
            dkim_body_canon(&v->body[c], c, p, len);
            v->canon[c] = (struct slice){v->body[c].p, v->body[c].len};
        }
        v->body_src[c] = (struct slice){p, len};
        v->body_done[c] = true;
    }
    return v->canon[c];
}

static void digest(struct dkim_verifier *v, const EVP_MD *md, const void *p, size_t len,
                   unsigned char *out, unsigned *out_len)
{
    EVP_DigestInit_ex(v->mdctx, md, NULL);
    EVP_DigestUpdate(v->mdctx, p, len);
    EVP_DigestFinal_ex(v->mdctx, out, out_len);
}

/* After a body hash mismatch: would a shorter body (text added at the end:
 * a list or gateway footer) or the other canonicalisation have verified?
 * Returns a diagnosis or NULL. */
static const char *body_diagnose(struct dkim_verifier *v, arena *a, const struct dkim_sig *s,
                                 const EVP_MD *md, const char *body, size_t body_len)
{
    struct slice cbs = body_get(v, s->bcanon, body, body_len);
    const struct slice *cb = &cbs;
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    /* prefixes ending after a non-empty line */
    EVP_DigestInit_ex(v->mdctx, md, NULL);
    size_t done = 0, lines = 0, tried = 0;
    size_t total_lines = 0;
    for (size_t i = 0; i + 1 < cb->len; i++)
        if (cb->p[i] == '\r' && cb->p[i + 1] == '\n') total_lines++;
    for (size_t i = 0; i + 1 < cb->len && tried < DKIM_MAX_FOOTER_LINES; i++) {
        if (!(cb->p[i] == '\r' && cb->p[i + 1] == '\n')) continue;
        size_t end = i + 2;
        lines++;
        if (end == cb->len) break;
        bool empty = i == 0 || (i >= 2 && cb->p[i - 2] == '\r' && cb->p[i - 1] == '\n');
        if (empty) continue;
        EVP_DigestUpdate(v->mdctx, cb->p + done, end - done);
        done = end;
        EVP_MD_CTX_copy_ex(v->mdctx2, v->mdctx);
        EVP_DigestFinal_ex(v->mdctx2, h, &hl);
        tried++;
        if (hl == s->bh_len && memcmp(h, s->bh, hl) == 0)
            return arena_printf(a,
                                "the body verifies without its last %zu bytes (%zu lines): "
                                "text was added after signing (a mailing-list or gateway "
                                "footer?)",
                                cb->len - end, total_lines - lines);
    }
    enum dkim_canon other = s->bcanon == DKIM_CANON_SIMPLE ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
    struct slice obs = body_get(v, other, body, body_len);
    const struct slice *ob = &obs;
    size_t n = ob->len;
    if (s->has_l && s->l < n) n = (size_t)s->l;
    digest(v, md, ob->p, n, h, &hl);
    if (hl == s->bh_len && memcmp(h, s->bh, hl) == 0 && s->bcanon == DKIM_CANON_SIMPLE)
        return "the body verifies under relaxed canonicalisation: whitespace was changed in "
               "transit (simple body canonicalisation does not survive that)";
    return NULL;
}

/* ---- header hash ---- */

/* Check sig over the digest of (data,len) with key e. */
static bool data_verify(struct dkim_verifier *v, struct key_entry *e, enum dkim_alg alg,
                        const EVP_MD *md, const void *data, size_t len, const unsigned char *sig,
                        size_t sig_len)
{
    unsigned char h[EVP_MAX_MD_SIZE];
    unsigned hl = 0;
    digest(v, md, data, len, h, &hl);
    if (alg == DKIM_ALG_ED25519_SHA256) {
        EVP_MD_CTX_reset(v->edctx);
        if (EVP_DigestVerifyInit(v->edctx, NULL, NULL, NULL, e->pkey) <= 0) return false;
        return EVP_DigestVerify(v->edctx, sig, sig_len, h, hl) == 1;
    }
    if (!e->vctx) return false;
    if (e->vctx_md != md) { /* setting the md costs a parameter round trip: once per key */
        if (EVP_PKEY_CTX_set_signature_md(e->vctx, md) <= 0) return false;
        e->vctx_md = md;
    }
    return EVP_PKEY_verify(e->vctx, sig, sig_len, h, hl) == 1;
}

/* ---- one signature ---- */

static void set_reason(arena *a, struct dkim_result *r, enum dkim_reason reason, const char *what)
{
    r->reason = reason;
    r->result = dkim_reason_result(reason);
    r->reason_text =
        what ? arena_printf(a, "%s %s", dkim_reason_text(reason), what) : dkim_reason_text(reason);
}

static enum dkim_from_rel from_relation(const char *d, const char *from)
{
    if (!d || !from || !*d || !*from) return DKIM_FROM_NONE;
    size_t dl = strlen(d), fl = strlen(from);
    if (dl == fl) return strcmp(d, from) == 0 ? DKIM_FROM_SAME : DKIM_FROM_NONE;
    if (dl < fl)
        return from[fl - dl - 1] == '.' && strcmp(from + fl - dl, d) == 0 ? DKIM_FROM_PARENT
                                                                          : DKIM_FROM_NONE;
    return d[dl - fl - 1] == '.' && strcmp(d + dl - fl, from) == 0 ? DKIM_FROM_CHILD
                                                                   : DKIM_FROM_NONE;
}

static char *join_h(arena *a, const struct dkim_sig *s)
{
    struct arena_str b = {.a = a};
    for (size_t i = 0; i < s->nh; i++) {
        if (i) arena_str_put(&b, ":", 1);
        arena_str_put(&b, s->h[i].p, s->h[i].len);
    }
    return b.p ? b.p : arena_strdup(a, "");
}

static void add_detail(arena *a, struct dkim_result *r, const char *d)
{
    if (!d) return;
    r->detail = r->detail ? arena_printf(a, "%s; %s", r->detail, d) : d;
}

/* Fetch and parse the key record of qname; false after setting the
 * result's reason when there is no usable answer. Remembers the answer. */
static bool lookup_key(struct dkim_verifier *v, arena *a, const char *qname, struct dkim_result *r,
                       struct key_entry **out, size_t *n_rr)
{
    struct dns_answer ans;
    enum dns_rcode rc = v->dns ? dns_lookup(v->dns, a, qname, DNS_T_TXT, &ans) : DNS_NOSOURCE;
    r->key_source = v->dns ? ans.source : DNS_SRC_NONE;
    if (rc == DNS_NOSOURCE) {
        set_reason(a, r, DKIM_R_NO_DNS, NULL);
        return false;
    }
    if (rc == DNS_TEMPFAIL) {
        set_reason(a, r, DKIM_R_DNS_TEMP, NULL);
        add_detail(a, r, arena_printf(a, "%s TXT: %s", qname, ans.error ? ans.error : "failed"));
        return false;
    }
    if (rc != DNS_OK) {
        set_reason(a, r, DKIM_R_KEY_NOT_FOUND, NULL);
        add_detail(a, r, arena_printf(a, "%s TXT: %s", qname, dns_rcode_name(rc)));
        return false;
    }
    struct key_entry *e = NULL;
    /* start the cache over now rather than between two records of one answer */
    if (v->n_keys + ans.n > DKIM_KEY_CACHE) keys_clear(v);
    for (size_t i = 0; i < ans.n; i++) {
        struct key_entry *c = key_get(v, a, qname, ans.rr[i].text, ans.rr[i].len);
        if (!e || (e->error != DKIM_KEY_OK && c->error == DKIM_KEY_OK)) {
            e = c;
            r->key_record = ans.rr[i].text;
        }
        if (e->error == DKIM_KEY_OK) break;
    }
    if (!e) {
        set_reason(a, r, DKIM_R_KEY_NOT_FOUND, NULL);
        return false;
    }
    *out = e;
    *n_rr = ans.n;
    struct key_memo *memo = &v->memo[hash_fnv1a(qname, strlen(qname)) % KEY_MEMO];
    free(memo->qname);
    memo->qname = xstrdup(qname);
    memo->e = e;
    memo->n_rr = ans.n;
    memo->src = ans.source;
    return true;
}

/* Find, check and decode the key at selector._domainkey.domain for a
 * signature made with alg (alg_text as written) by auid_domain (NULL: none).
 * Sets the result's key fields; on a problem sets its reason and returns
 * NULL. */
static struct key_entry *get_key(struct dkim_verifier *v, arena *a, const char *domain,
                                 const char *selector, enum dkim_alg alg, const char *alg_text,
                                 const char *auid_domain, struct dkim_result *r)
{
    char *qname = arena_printf(a, "%s._domainkey.%s", selector, domain);
    size_t qlen = strlen(qname);
    struct key_memo *memo = &v->memo[hash_fnv1a(qname, qlen) % KEY_MEMO];
    struct key_entry *e = NULL;
    size_t n_rr = 0;
    if (memo->qname && strcmp(memo->qname, qname) == 0) {
        e = memo->e;
        n_rr = memo->n_rr;
        r->key_source = memo->src;
        r->key_record = arena_strdup(a, e->id + qlen + 1); /* id is "qname\nrecord" */
    } else if (!lookup_key(v, a, qname, r, &e, &n_rr)) {
        return NULL;
    }
    if (n_rr > 1) add_detail(a, r, arena_printf(a, "%zu TXT records at %s", n_rr, qname));
    r->testing = e->testing;
    r->key_type = e->key_type;
    r->key_bits = e->bits;
    switch (e->error) {
    case DKIM_KEY_OK:
        break;
    case DKIM_KEY_REVOKED:
        set_reason(a, r, DKIM_R_KEY_REVOKED, NULL);
        return NULL;
    case DKIM_KEY_TYPE:
        set_reason(a, r, DKIM_R_KEY_TYPE, NULL);
        return NULL;
    case DKIM_KEY_BASE64:
        set_reason(a, r, DKIM_R_KEY_INVALID, NULL);
        add_detail(a, r, "p= is not base64");
        return NULL;
    case DKIM_KEY_SYNTAX:
    case DKIM_KEY_VERSION:
    case DKIM_KEY_NO_P:
        set_reason(a, r, DKIM_R_KEY_SYNTAX, NULL);
        add_detail(a, r, dkim_key_error_text(e->error));
        return NULL;
    }
    bool want_ed = alg == DKIM_ALG_ED25519_SHA256;
    if (!e->key_type || want_ed != (strcmp(e->key_type, "ed25519") == 0)) {
        set_reason(a, r, DKIM_R_KEY_TYPE, NULL);
        add_detail(
            a, r,
            arena_printf(a, "a=%s with a k=%s key", alg_text, e->key_type ? e->key_type : "?"));
        return NULL;
    }
    unsigned need = alg == DKIM_ALG_RSA_SHA1 ? DKIM_HASH_SHA1 : DKIM_HASH_SHA256;
    if (e->hash_listed && !(e->hashes & need)) {
        set_reason(a, r, DKIM_R_KEY_HASH, NULL);
        return NULL;
    }
    if (!e->service_email) {
        set_reason(a, r, DKIM_R_KEY_SERVICE, NULL);
        return NULL;
    }
    if (e->strict && auid_domain && strcmp(auid_domain, domain) != 0) {
        set_reason(a, r, DKIM_R_KEY_STRICT, NULL);
        return NULL;
    }
    if (!e->decoded) {
        set_reason(a, r, DKIM_R_KEY_INVALID, NULL);
        if (strcmp(e->key_type, "ed25519") == 0)
            add_detail(a, r,
                       arena_printf(a,
                                    "p= has %zu bytes: an ed25519 key is the raw 32-byte "
                                    "key (RFC 8463 section 4)%s",
                                    e->p_len,
                                    e->p_len == 44 ? ", not a SubjectPublicKeyInfo" : ""));
        else
            add_detail(a, r, "p= does not decode as an RSA public key (SubjectPublicKeyInfo)");
        return NULL;
    }
    if (e->pkcs1) add_detail(a, r, "p= is a bare PKCS#1 RSAPublicKey, not SubjectPublicKeyInfo");
    return e;
}

static void verify_one(struct dkim_verifier *v, arena *a, const struct dkim_input *in,
                       const struct hdr_field *f, struct dkim_result *r)
{
    struct dkim_sig s;
    size_t value_off = (size_t)(f->value.p - f->raw.p);
    enum dkim_sig_error se = dkim_sig_parse(a, f->raw.p, f->raw.len, value_off, &s);
    r->domain = s.domain;
    r->selector = s.selector;
    r->algorithm = s.alg_text;
    r->canonicalization = s.canon_text;
    r->headers = s.h ? join_h(a, &s) : NULL;
    r->auid = s.auid;
    r->has_l = s.has_l;
    r->l = s.l;
    r->has_t = s.has_t;
    r->t = s.t;
    r->has_x = s.has_x;
    r->x = s.x;
    r->from_rel = from_relation(s.domain, in->from_domain);

    switch (se) {
    case DKIM_SIG_OK:
        break;
    case DKIM_SIG_SYNTAX:
        set_reason(a, r, DKIM_R_SYNTAX, s.bad_tag && *s.bad_tag ? s.bad_tag : NULL);
        if (!s.bad_tag || !*s.bad_tag) r->reason_text = "syntax error in tag-list";
        return;
    case DKIM_SIG_MISSING_TAG:
        if (s.bad_tag && strcmp(s.bad_tag, "v") == 0) {
            set_reason(a, r, DKIM_R_PRESTANDARD, NULL);
            add_detail(a, r,
                       "no v= tag: a signature from before RFC 4871 (draft-allman), "
                       "not judged");
        } else {
            set_reason(a, r, DKIM_R_MISSING_TAG, s.bad_tag);
        }
        return;
    case DKIM_SIG_VERSION:
        if (s.version && s.version[0] == '0' && s.version[1] == '.') {
            set_reason(a, r, DKIM_R_PRESTANDARD, NULL);
            add_detail(a, r,
                       arena_printf(a,
                                    "v=%s: a draft of the DKIM standard (before RFC 4871), "
                                    "not judged",
                                    s.version));
        } else {
            set_reason(a, r, DKIM_R_VERSION, s.version);
        }
        return;
    case DKIM_SIG_ALGORITHM:
        set_reason(a, r, DKIM_R_ALGORITHM, s.alg_text);
        return;
    case DKIM_SIG_CANON:
        set_reason(a, r, DKIM_R_SYNTAX, "c");
        return;
    case DKIM_SIG_NO_FROM:
        set_reason(a, r, DKIM_R_FROM_NOT_SIGNED, NULL);
        return;
    case DKIM_SIG_AUID:
        set_reason(a, r, DKIM_R_AUID, NULL);
        return;
    case DKIM_SIG_QUERY:
        set_reason(a, r, DKIM_R_QUERY, s.q);
        return;
    case DKIM_SIG_EXPIRY_ORDER:
        set_reason(a, r, DKIM_R_SYNTAX, "x");
        add_detail(a, r, "x= is earlier than t=");
        return;
    }

    struct key_entry *e = get_key(v, a, s.domain, s.selector, s.alg, s.alg_text, s.auid_domain, r);
    if (!e) return;

    /* the bytes */
    const EVP_MD *md = s.alg == DKIM_ALG_RSA_SHA1 ? v->sha1 : v->sha256;
    if (!md) {
        set_reason(a, r, DKIM_R_ALGORITHM, "(no SHA-1 in this OpenSSL)");
        return;
    }
    size_t bo = in->hdr->body_offset <= in->raw_len ? in->hdr->body_offset : in->raw_len;
    const char *body = in->raw + bo;
    size_t body_len = in->raw_len - bo;
    struct slice cbs = body_get(v, s.bcanon, body, body_len);
    const struct slice *cb = &cbs;
    r->body_bytes = cb->len;
    size_t n = cb->len;
    if (s.has_l) {
        if (s.l > cb->len) {
            set_reason(a, r, DKIM_R_BODY_SHORT, NULL);
            add_detail(a, r,
                       arena_printf(a,
                                    "l=%llu but the canonical body has %zu bytes: the body "
                                    "was cut after signing",
                                    (unsigned long long)s.l, cb->len));
            return;
        }
        n = (size_t)s.l;
        if (n < cb->len) {
            r->l_partial = true;
            add_detail(a, r,
                       arena_printf(a,
                                    "l= signs only %zu of %zu body bytes: the rest is "
                                    "unsigned and could have been added by anyone",
                                    n, cb->len));
        }
    }
    unsigned char bh[EVP_MAX_MD_SIZE];
    unsigned bhl = 0;
    digest(v, md, cb->p, n, bh, &bhl);
    if (bhl != s.bh_len || memcmp(bh, s.bh, bhl) != 0) {
        set_reason(a, r, DKIM_R_BODY_HASH, NULL);
        add_detail(a, r, body_diagnose(v, a, &s, md, body, body_len));
        return;
    }
    dkim_signed_header_data(&v->hdr, a, s.hcanon, in->hdr, s.h, s.nh, f, s.b_off, s.b_len_raw);
    if (!data_verify(v, e, s.alg, md, v->hdr.p, v->hdr.len, s.b, s.b_len)) {
        set_reason(a, r, DKIM_R_SIGNATURE, NULL);
        add_detail(a, r,
                   "the body is intact: a signed header field was changed, added or "
                   "removed, or the key does not match the signing key");
        return;
    }
    r->crypto_ok = true;
    /* rules on a signature whose bytes verified: the first that applies is
     * the reason, the others are added to the detail */
    const char *why = NULL;
    enum dkim_reason first = DKIM_R_OK;
    const char *at_src = in->at_source ? in->at_source : "judging";
    for (int rule = 0; rule < 4; rule++) {
        enum dkim_reason rr = DKIM_R_OK;
        if (rule == 0 && e->key_type && strcmp(e->key_type, "rsa") == 0 && e->bits < 1024) {
            rr = DKIM_R_KEY_TOO_SHORT;
            why = arena_printf(a, "%d-bit RSA key: RFC 8301 requires at least 1024 bits", e->bits);
        } else if (rule == 1 && s.alg == DKIM_ALG_RSA_SHA1) {
            rr = DKIM_R_RSA_SHA1;
            why = "RFC 8301 forbids rsa-sha1";
        } else if (rule == 2 && s.has_x && s.x < in->at) {
            rr = DKIM_R_EXPIRED;
            why = arena_printf(a, "x= is %lld s before the %s time", (long long)(in->at - s.x),
                               at_src);
        } else if (rule == 3 && s.has_t && s.t > in->at + DKIM_FUTURE_SLACK) {
            rr = DKIM_R_FUTURE;
            why = arena_printf(a, "t= is %lld s after the %s time", (long long)(s.t - in->at),
                               at_src);
        }
        if (rr == DKIM_R_OK) continue;
        if (first == DKIM_R_OK) {
            first = rr;
            set_reason(a, r, rr, NULL);
            add_detail(a, r, arena_printf(a, "%s (the signature itself verifies)", why));
        } else {
            add_detail(a, r, arena_printf(a, "also %s: %s", dkim_reason_text(rr), why));
        }
    }
    if (first == DKIM_R_OK) set_reason(a, r, DKIM_R_OK, NULL);
}

static bool name_is(const struct hdr_field *f, const char *name, size_t len)
{
    return f->name.len == len && str_eq_ci(f->name.p, f->name.len, name);
}
#define IS_DKIM(f) name_is((f), "DKIM-Signature", 14)
#define IS_DK(f) name_is((f), "DomainKey-Signature", 19)

size_t dkim_verify(struct dkim_verifier *v, arena *a, const struct dkim_input *in,
                   struct dkim_result **out)
{
    const struct hdr_block *hb = in->hdr;
    size_t n = 0;
    for (size_t i = 0; i < hb->n; i++)
        if (IS_DKIM(&hb->f[i]) || IS_DK(&hb->f[i])) n++;
    *out = NULL;
    if (!n) return 0;
    struct dkim_result *res = arena_zalloc(a, n * sizeof *res);
    v->body_done[0] = v->body_done[1] = false;
    size_t k = 0, n_dkim = 0;
    size_t n_from = hdr_count(hb, "From");
    for (size_t i = 0; i < hb->n; i++) {
        const struct hdr_field *f = &hb->f[i];
        struct dkim_result *r = &res[k];
        if (IS_DK(f)) {
            r->index = (int)k++;
            r->legacy = true;
            struct domainkey_sig ds;
            domainkey_sig_parse(a, f->value.p, f->value.len, &ds);
            r->domain = ds.domain;
            r->selector = ds.selector;
            r->algorithm = ds.alg ? ds.alg : "rsa-sha1";
            r->from_rel = from_relation(ds.domain, in->from_domain);
            set_reason(a, r, DKIM_R_LEGACY, NULL);
            add_detail(a, r, "DomainKeys (RFC 4870, historic) is not verified");
            r->at = in->at;
            r->at_source = in->at_source;
            continue;
        }
        if (!IS_DKIM(f)) continue;
        r->index = (int)k++;
        r->at = in->at;
        r->at_source = in->at_source;
        if (++n_dkim > DKIM_MAX_SIGS) {
            set_reason(a, r, DKIM_R_TOO_MANY, NULL);
            continue;
        }
        verify_one(v, a, in, f, r);
        if (r->result == AUTH_PASS && n_from > 1 && r->headers) {
            /* an extra From the signature does not cover: the classic spoof */
            size_t signed_from = 0;
            const char *h = r->headers;
            while (h && *h) {
                const char *c = strchr(h, ':');
                size_t l = c ? (size_t)(c - h) : strlen(h);
                struct slice t = str_trim(h, l);
                if (str_eq_ci(t.p, t.len, "from")) signed_from++;
                h = c ? c + 1 : NULL;
            }
            if (signed_from < n_from)
                add_detail(a, r,
                           arena_printf(a,
                                        "%zu From fields but h= covers %zu: an unsigned "
                                        "From was added",
                                        n_from, signed_from));
        }
        if (r->result == AUTH_PASS && r->testing)
            add_detail(a, r, "the key is marked t=y (testing)");
    }
    /* a huge message must not keep its canonical copies for the process lifetime */
    for (int c = 0; c < 2; c++)
        if (v->body[c].cap > DKIM_KEEP_BUFFER) {
            buf_free(&v->body[c]);
            buf_init(&v->body[c], 0);
        }
    *out = res;
    return k;
}

void dkim_summarize(arena *a, const struct dkim_result *r, size_t n, struct dkim_summary *s)
{
    memset(s, 0, sizeof *s);
    struct arena_str b = {.a = a};
    for (size_t i = 0; i < n; i++) {
        if (r[i].legacy) continue;
        s->n++;
        if (r[i].result == AUTH_PASS) {
            s->n_pass++;
            if (r[i].from_rel != DKIM_FROM_NONE) s->n_pass_from++;
        }
    }
    char head[64];
    snprintf(head, sizeof head, "%d signature%s", s->n, s->n == 1 ? "" : "s");
    arena_str_put(&b, head, strlen(head));
    const char *sep = ": ";
    for (size_t i = 0; i < n; i++) {
        if (r[i].legacy) continue;
        const char *d = r[i].domain ? r[i].domain : "?";
        const char *w = auth_result_name(r[i].result);
        char *piece = arena_printf(a, "%s%s %s%s", sep, d, w,
                                   r[i].from_rel != DKIM_FROM_NONE ? " (From domain)" : "");
        arena_str_put(&b, piece, strlen(piece));
        sep = ", ";
    }
    s->text = b.p;
}

/* RFC 2045 token: no CTLs, SP or tspecials. */
static bool is_token(const char *s)
{
    if (!*s) return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c <= ' ' || c >= 127 || strchr("()<>@,;:\\\"/[]?=", c)) return false;
    }
    return true;
}

/* RFC 8601 pvalue's address form: [local-part] "@" domain-name, with a
 * dot-atom local part. */
static bool is_addr_value(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || strchr(at + 1, '@') || !at[1]) return false;
    for (const char *p = s; p < at; p++)
        if (!ch_is_alnum((unsigned char)*p) && !strchr("!#$%&'*+-/=?^_`{|}~.", *p)) return false;
    for (const char *p = at + 1; *p; p++)
        if (!ch_is_alnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_') return false;
    return true;
}

static void put_prop(struct arena_str *b, const char *name, const char *val)
{
    if (!val) return;
    arena_str_put(b, " ", 1);
    arena_str_put(b, name, strlen(name));
    arena_str_put(b, "=", 1);
    if (is_token(val) || is_addr_value(val)) {
        arena_str_put(b, val, strlen(val));
        return;
    }
    arena_str_put(b, "\"", 1);
    for (const char *p = val; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\') arena_str_put(b, "\\", 1);
        if (c < ' ' || c == 127)
            arena_str_put(b, "?", 1);
        else
            arena_str_put(b, p, 1);
    }
    arena_str_put(b, "\"", 1);
}

char *dkim_authres_clause(arena *a, const struct dkim_result *r)
{
    struct arena_str b = {.a = a};
    const char *m = r->legacy ? "domainkeys=" : "dkim=";
    arena_str_put(&b, m, strlen(m));
    const char *w = auth_result_name(r->result);
    arena_str_put(&b, w, strlen(w));
    if (r->result != AUTH_PASS && r->reason_text && *r->reason_text) {
        arena_str_put(&b, " (", 2);
        for (const char *p = r->reason_text; *p; p++) {
            unsigned char c = (unsigned char)*p;
            arena_str_put(&b, (c < ' ' || c == 127 || c == '(' || c == ')') ? "?" : p, 1);
        }
        arena_str_put(&b, ")", 1);
    }
    put_prop(&b, "header.d", r->domain);
    put_prop(&b, "header.s", r->selector);
    put_prop(&b, "header.a", r->algorithm);
    if (r->auid) put_prop(&b, "header.i", r->auid);
    return b.p;
}

enum dkim_reason dkim_verify_data(struct dkim_verifier *v, arena *a, const char *domain,
                                  const char *selector, enum dkim_alg alg, const void *data,
                                  size_t len, const unsigned char *sig, size_t sig_len,
                                  struct dkim_result *r)
{
    memset(r, 0, sizeof *r);
    r->domain = domain;
    r->selector = selector;
    const char *alg_text = alg == DKIM_ALG_RSA_SHA1         ? "rsa-sha1"
                           : alg == DKIM_ALG_ED25519_SHA256 ? "ed25519-sha256"
                           : alg == DKIM_ALG_RSA_SHA256     ? "rsa-sha256"
                                                            : NULL;
    r->algorithm = alg_text;
    if (!alg_text) {
        set_reason(a, r, DKIM_R_ALGORITHM, NULL);
        return r->reason;
    }
    set_reason(a, r, DKIM_R_OK, NULL);
    struct key_entry *e = get_key(v, a, domain, selector, alg, alg_text, NULL, r);
    if (!e) return r->reason;
    const EVP_MD *md = alg == DKIM_ALG_RSA_SHA1 ? v->sha1 : v->sha256;
    if (!md || !data_verify(v, e, alg, md, data, len, sig, sig_len)) {
        set_reason(a, r, DKIM_R_SIGNATURE, NULL);
        return r->reason;
    }
    r->crypto_ok = true;
    if (e->key_type && strcmp(e->key_type, "rsa") == 0 && e->bits < 1024)
        set_reason(a, r, DKIM_R_KEY_TOO_SHORT, NULL);
    else if (alg == DKIM_ALG_RSA_SHA1)
        set_reason(a, r, DKIM_R_RSA_SHA1, NULL);
    return r->reason;
}

void dkim_body_hash(struct dkim_verifier *v, const char *body, size_t body_len, enum dkim_canon c,
                    enum dkim_alg alg, bool has_l, uint64_t l, unsigned char *out, size_t *out_len,
                    uint64_t *canon_len)
{
    struct slice cb = body_get(v, c, body, body_len);
    *canon_len = cb.len;
    size_t n = has_l && l < cb.len ? (size_t)l : cb.len;
    unsigned hl = 0;
    digest(v, alg == DKIM_ALG_RSA_SHA1 ? v->sha1 : v->sha256, cb.p, n, out, &hl);
    *out_len = hl;
}

void dkim_new_message(struct dkim_verifier *v)
{
    v->body_done[0] = v->body_done[1] = false;
}
