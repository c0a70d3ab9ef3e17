/* dkim — DKIM verification after the fact (RFC 6376, RFC 8301, RFC 8463) on
 * OpenSSL 3.
 *
 * Every DKIM-Signature field of a message is verified independently, in
 * header order (topmost first); DomainKey-Signature fields (RFC 4870) are
 * listed too, as legacy, not verified. Key records come from the resolver
 * (dns.h) and parsed keys are cached per (selector, domain, record text) in
 * the verifier, because decoding an RSA key costs several verifications.
 *
 * Time: t= and x= are judged at `at` (the message's arrival, its Date, now or
 * the user's --at), so a signature valid when the mail arrived stays valid.
 *
 * Results use RFC 8601's words; every non-pass has a reason from the fixed
 * vocabulary below (DKIM_REASON_LIST: code, text, result word). Why each
 * reason maps to its word:
 *  - fail: the signature is well-formed and a key was found, but the bytes
 *    do not match (body hash, signature, body cut below l=).
 *  - policy: cryptographically checkable but refused by rule: RFC 8301
 *    forbids keys under 1024 bits and rsa-sha1 ("MUST NOT consider valid");
 *    RFC 6376 lets verifiers ignore expired and future-dated signatures.
 *    The detail says whether the bytes verified, so a postmaster sees
 *    "would pass but for the key size".
 *  - neutral: a pre-standard signature (no v= tag: the draft-era format), or
 *    a legacy DomainKeys signature: not judged.
 *  - temperror: the key could not be fetched now (DNS timeout/SERVFAIL) or no
 *    DNS source was given: re-running may change it.
 *  - permerror: the signature or key record cannot be processed as written
 *    (RFC 6376 PERMFAIL cases): syntax, missing tags, unknown version or
 *    algorithm, no key, revoked key, key restrictions, From not signed, i=
 *    outside d=.
 *
 * Not thread-safe: one verifier per thread (the resolver may be shared). */
#ifndef AUTH_DKIM_H
#define AUTH_DKIM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/authres.h"
#include "auth/dkim_parse.h"
#include "dns/dns.h"
#include "mail/header.h"
#include "util/arena.h"

#define DKIM_MAX_SIGS 32 /* signatures verified per message; more are listed as permerror */
#define DKIM_MAX_FOOTER_LINES 20000 /* line ends tried when looking for an added footer */
#define DKIM_KEY_CACHE 4096         /* parsed keys kept per verifier (LRU-ish: cleared when full) */
#define DKIM_FUTURE_SLACK 900       /* seconds t= may lie after the arrival time (clock skew) */

#define DKIM_REASON_LIST(X)                                                                        \
    X(OK, "", AUTH_PASS)                                                                           \
    X(BODY_HASH, "body hash mismatch", AUTH_FAIL)                                                  \
    X(SIGNATURE, "signature mismatch", AUTH_FAIL)                                                  \
    X(BODY_SHORT, "body shorter than l=", AUTH_FAIL)                                               \
    X(KEY_TOO_SHORT, "key too short", AUTH_POLICY)                                                 \
    X(RSA_SHA1, "rsa-sha1", AUTH_POLICY)                                                           \
    X(EXPIRED, "expired", AUTH_POLICY)                                                             \
    X(FUTURE, "signed in the future", AUTH_POLICY)                                                 \
    X(PRESTANDARD, "pre-standard signature", AUTH_NEUTRAL)                                         \
    X(DNS_TEMP, "DNS temporary failure", AUTH_TEMPERROR)                                           \
    X(NO_DNS, "no DNS source", AUTH_TEMPERROR)                                                     \
    X(KEY_NOT_FOUND, "key not found", AUTH_PERMERROR)                                              \
    X(KEY_REVOKED, "key revoked", AUTH_PERMERROR)                                                  \
    X(KEY_SYNTAX, "key record syntax error", AUTH_PERMERROR)                                       \
    X(KEY_INVALID, "key is not a public key", AUTH_PERMERROR)                                      \
    X(KEY_TYPE, "unsupported key type", AUTH_PERMERROR)                                            \
    X(KEY_HASH, "key restricts hash", AUTH_PERMERROR)                                              \
    X(KEY_SERVICE, "key restricts service", AUTH_PERMERROR)                                        \
    X(KEY_STRICT, "key forbids subdomain i=", AUTH_PERMERROR)                                      \
    X(SYNTAX, "syntax error in tag", AUTH_PERMERROR)                                               \
    X(MISSING_TAG, "missing tag", AUTH_PERMERROR)                                                  \
    X(VERSION, "unsupported version", AUTH_PERMERROR)                                              \
    X(ALGORITHM, "unsupported algorithm", AUTH_PERMERROR)                                          \
    X(QUERY, "unsupported query method", AUTH_PERMERROR)                                           \
    X(FROM_NOT_SIGNED, "From not signed", AUTH_PERMERROR)                                          \
    X(AUID, "i= not within d=", AUTH_PERMERROR)                                                    \
    X(TOO_MANY, "too many signatures", AUTH_PERMERROR)                                             \
    X(LEGACY, "legacy DomainKeys signature", AUTH_NEUTRAL)

enum dkim_reason {
#define X(code, text, res) DKIM_R_##code,
    DKIM_REASON_LIST(X)
#undef X
        DKIM_R__COUNT
};

const char *dkim_reason_text(enum dkim_reason r);
enum auth_result dkim_reason_result(enum dkim_reason r);

/* How the signing domain relates to the From domain (DMARC's alignment is
 * computed later with the organisational domain; this is the plain name
 * relation): same, d= is a parent of From's domain, a child of it, or none. */
enum dkim_from_rel { DKIM_FROM_NONE = 0, DKIM_FROM_SAME, DKIM_FROM_PARENT, DKIM_FROM_CHILD };
const char *dkim_from_rel_name(enum dkim_from_rel r); /* "none" "same" "parent" "child" */

struct dkim_result {
    int index;                    /* 0-based position among the message's signature fields */
    bool legacy;                  /* a DomainKey-Signature */
    const char *domain;           /* d=, or NULL when unreadable */
    const char *selector;         /* s= */
    const char *algorithm;        /* a= as written */
    const char *canonicalization; /* "relaxed/simple" */
    const char *headers;          /* h= joined with ':' as written */
    const char *auid;             /* i= decoded */
    bool has_l;
    uint64_t l;          /* l= */
    uint64_t body_bytes; /* length of the canonical body (unlimited) */
    bool has_t, has_x;
    int64_t t, x;
    int64_t at;            /* the time t=/x= were judged at */
    const char *at_source; /* "arrival", "date", "now", "given" */
    enum auth_result result;
    enum dkim_reason reason;
    const char *reason_text; /* reason with its detail: "syntax error in tag h" */
    const char *detail;      /* diagnosis for a post-mortem, or NULL */
    int key_bits;            /* 0 when no key was decoded */
    const char *key_type;    /* "rsa", "ed25519", or NULL */
    bool testing;            /* key t=y */
    const char *key_record;  /* the TXT text used, or NULL */
    enum dns_source key_source;
    bool crypto_ok; /* the bytes verified (true also for policy results) */
    bool l_partial; /* l= signs less than the whole body: the rest is unsigned */
    enum dkim_from_rel from_rel;
};

struct dkim_summary {
    int n; /* signatures (DomainKeys excluded) */
    int n_pass;
    int n_pass_from;  /* passing with d= the From domain or a parent/child of it */
    const char *text; /* "2 signatures: example.com pass (aligned), esp.net fail" */
};

struct dkim_verifier;

/* dns may be NULL: every key lookup then gives temperror "no DNS source". */
struct dkim_verifier *dkim_verifier_new(struct dns_resolver *dns);
void dkim_verifier_free(struct dkim_verifier *v);

struct dkim_input {
    const char *raw; /* the whole message as stored (CRLF or bare LF) */
    size_t raw_len;
    const struct hdr_block *hdr; /* hdr_parse of raw */
    const char *from_domain;     /* lowercased From domain, or NULL */
    int64_t at;                  /* judge t=/x= at this time */
    const char *at_source;       /* "arrival", "date", "now", "given" */
};

/* Verify every signature; *out is an array (in `a`) of the returned count. */
size_t dkim_verify(struct dkim_verifier *v, arena *a, const struct dkim_input *in,
                   struct dkim_result **out);
void dkim_summarize(arena *a, const struct dkim_result *r, size_t n, struct dkim_summary *s);

/* The canonical body (RFC 6376 §3.4.3, §3.4.4) of (p,len) — the bytes after
 * the header block, CRLF or bare LF line ends (each LF is a line end, a CR
 * before it is dropped) — into out (reset first). */
void dkim_body_canon(struct buf *out, enum dkim_canon c, const char *p, size_t len);

/* ---- for ARC (RFC 8617) and other DKIM-shaped signatures ---- */

/* Check sig (made with alg) over the hash of (data,len) — the canonical
 * bytes the signer hashed — with the key at selector._domainkey.domain,
 * through the verifier's key cache. Fills *r as dkim_verify does (result,
 * reason, key bits/type/testing/record/source, crypto_ok) and returns the
 * reason: DKIM_R_OK, a key/DNS reason, DKIM_R_SIGNATURE, or a policy
 * reason (key too short, rsa-sha1) with crypto_ok set. */
enum dkim_reason dkim_verify_data(struct dkim_verifier *v, arena *a, const char *domain,
                                  const char *selector, enum dkim_alg alg, const void *data,
                                  size_t len, const unsigned char *sig, size_t sig_len,
                                  struct dkim_result *r);
/* The body hash (SHA-256, or SHA-1 for rsa-sha1) of a body canonicalised
 * with c, limited to l bytes when has_l; *canon_len is the whole canonical
 * length. The canonical body is cached until dkim_new_message, the next
 * dkim_verify (which starts a new message) or a call for another body.
 * out holds 64 bytes. */
void dkim_body_hash(struct dkim_verifier *v, const char *body, size_t body_len, enum dkim_canon c,
                    enum dkim_alg alg, bool has_l, uint64_t l, unsigned char *out, size_t *out_len,
                    uint64_t *canon_len);
void dkim_new_message(struct dkim_verifier *v);

/* Is (p,len) already its own canonical body up to *keep (trailing empty
 * lines cut)? The verifier then hashes it in place; false means
 * dkim_body_canon must build it. */
bool dkim_body_in_place(const char *p, size_t len, enum dkim_canon c, size_t *keep);

/* The RFC 8601 method clause for one result, e.g.
 * "dkim=pass header.d=example.com header.s=sel header.a=rsa-sha256" or
 * "dkim=fail (body hash mismatch) header.d=...". Values are quoted when
 * they are not RFC 2045 tokens. */
char *dkim_authres_clause(arena *a, const struct dkim_result *r);

#endif
