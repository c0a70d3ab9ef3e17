/* dkim_parse — the text layer of DKIM (RFC 6376, RFC 8301, RFC 8463):
 * tag-lists (§3.2), DKIM-Signature fields (§3.5), key records (§3.6.1),
 * header canonicalisation (§3.4.1, §3.4.2), and the legacy DomainKey-Signature
 * (RFC 4870) header's domain and selector. No cryptography, no DNS.
 *
 * Everything takes (pointer, length) and is allocated in the caller's
 * arena. Hostile input is normal: a 100 KB b=, garbage base64, 10,000 h=
 * names, l= negative or past 2^63: each comes back as a parse result with a
 * reason, never a crash. Ceilings: DKIM_MAX_TAGS tags per list,
 * DKIM_MAX_H names in h=, DKIM_MAX_B bytes of decoded b=/p=. */
#ifndef AUTH_DKIM_PARSE_H
#define AUTH_DKIM_PARSE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/header.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/str.h"

#define DKIM_MAX_TAGS 64
#define DKIM_MAX_H 1024  /* names in h=; more is a syntax error in tag h */
#define DKIM_MAX_B 16384 /* decoded bytes of b=, bh= or p= (RSA-16384 keys fit) */

struct dkim_tag {
    struct slice name;  /* trimmed */
    struct slice value; /* trimmed of surrounding FWS; inner FWS kept as written */
};

/* RFC 6376 §3.2 tag-list: tag=value pairs separated by ';', FWS allowed
 * around names, '=' and values, an optional trailing ';'. A tag name is
 * ALPHA *(ALPHA/DIGIT/'_'); a value has no ';' and only VALCHAR/FWS.
 * Returns 0, or -1 with *bad set to the offending tag's name ("" when no
 * name could be read) for a malformed list or a duplicate tag (§3.2: a
 * duplicate is an error). */
int dkim_taglist_parse(arena *a, const char *p, size_t len, struct dkim_tag **tags, size_t *n,
                       const char **bad);

enum dkim_alg {
    DKIM_ALG_UNKNOWN = 0,
    DKIM_ALG_RSA_SHA256,
    DKIM_ALG_RSA_SHA1,
    DKIM_ALG_ED25519_SHA256
};
enum dkim_canon { DKIM_CANON_SIMPLE = 0, DKIM_CANON_RELAXED };

/* What is wrong with a signature, at the parse level. */
enum dkim_sig_error {
    DKIM_SIG_OK = 0,
    DKIM_SIG_SYNTAX,       /* malformed tag-list or tag value: see .bad_tag */
    DKIM_SIG_MISSING_TAG,  /* a required tag (v a b bh d h s) is absent: .bad_tag */
    DKIM_SIG_VERSION,      /* v= is not "1" */
    DKIM_SIG_ALGORITHM,    /* a= is not one we know: .alg_text holds it */
    DKIM_SIG_CANON,        /* c= names an unknown canonicalisation */
    DKIM_SIG_NO_FROM,      /* h= does not include From (§5.4) */
    DKIM_SIG_AUID,         /* i= is not d= or a subdomain of it (§3.5) */
    DKIM_SIG_QUERY,        /* q= has no dns/txt */
    DKIM_SIG_EXPIRY_ORDER, /* x= is earlier than t= (§3.5 x=) */
};

struct dkim_sig {
    enum dkim_sig_error error;
    const char *bad_tag; /* the tag at fault for SYNTAX/MISSING_TAG, else NULL */

    const char *version; /* v= as written */
    enum dkim_alg alg;
    const char *alg_text;           /* a= as written (trimmed), NUL-terminated */
    enum dkim_canon hcanon, bcanon; /* c=; default simple/simple */
    const char *canon_text;         /* "relaxed/simple" etc., normalised, lowercase */
    const char *domain;             /* d=, lowercased, no trailing dot */
    const char *selector;           /* s=, lowercased (a selector may contain dots) */
    const char *auid;               /* i= decoded (dkim-quoted-printable), or NULL */
    const char *auid_domain;        /* the part of i= after the last '@', lowercased, or NULL */
    struct slice *h;                /* h= names, trimmed, as written (case kept) */
    size_t nh;
    bool has_l;
    uint64_t l; /* l=: body length; has_l false if absent */
    bool has_t, has_x;
    int64_t t, x;     /* t= and x= (seconds since the epoch) */
    const char *q;    /* q= as written, or NULL */
    unsigned char *b; /* b= decoded */
    size_t b_len;
    unsigned char *bh; /* bh= decoded */
    size_t bh_len;
    /* Where b='s value sits inside the field's raw bytes (the `raw` slice of
     * the header field, name included): the verifier hashes the field with
     * exactly these bytes removed (§3.7). Whitespace (folding included)
     * inside the value is part of the range. */
    size_t b_off, b_len_raw;
};

/* Parse the value of a DKIM-Signature header field. `raw` is the whole field
 * as stored (name, colon, value, folding; no final line end) and `value_off`
 * the offset of the value in it (just after the colon). Always fills *out;
 * returns out->error. Validation is that of §3.5 and §6.1.1: required tags,
 * v=1, a known a= (unknown → DKIM_SIG_ALGORITHM, still filled), From in h=,
 * i= within d=, q=, t= <= x=. Numbers: l=, t=, x= are 1 to 76 digits
 * (§3.5); a value past 2^63-1 is clamped to INT64_MAX/UINT64_MAX and kept,
 * a non-digit is SYNTAX. base64 in b= and bh= may contain FWS; other bytes
 * make SYNTAX; decoded output over DKIM_MAX_B is SYNTAX. */
enum dkim_sig_error dkim_sig_parse(arena *a, const char *raw, size_t raw_len, size_t value_off,
                                   struct dkim_sig *out);
const char *dkim_sig_error_text(enum dkim_sig_error e); /* "syntax error", ... */

enum dkim_key_error {
    DKIM_KEY_OK = 0,
    DKIM_KEY_SYNTAX,  /* the record is not a tag-list: .bad_tag */
    DKIM_KEY_VERSION, /* v= present and not "DKIM1", or not the first tag */
    DKIM_KEY_TYPE,    /* k= is not rsa or ed25519: .key_type holds it */
    DKIM_KEY_NO_P,    /* no p= tag */
    DKIM_KEY_REVOKED, /* p= is empty */
    DKIM_KEY_BASE64,  /* p= is not base64 */
};

#define DKIM_HASH_SHA1 1u
#define DKIM_HASH_SHA256 2u

struct dkim_key {
    enum dkim_key_error error;
    const char *bad_tag;
    const char *key_type; /* k= lowercased, default "rsa" */
    unsigned hashes;      /* h= as DKIM_HASH_* bits; all bits when h= is absent */
    bool hash_listed;     /* h= was present */
    bool service_email;   /* s= absent, "*" or includes "email" */
    bool testing;         /* t=y */
    bool strict;          /* t=s: i= must be exactly d= (no subdomain) */
    const char *notes;    /* n= as written, or NULL */
    unsigned char *p;     /* p= decoded (DER SubjectPublicKeyInfo for rsa, the
                             raw 32 bytes for ed25519) */
    size_t p_len;
};

/* Parse a key record's TXT text (the strings already concatenated). Always
 * fills *out; returns out->error. Unknown tags and flags are ignored. */
enum dkim_key_error dkim_key_parse(arena *a, const char *txt, size_t len, struct dkim_key *out);
const char *dkim_key_error_text(enum dkim_key_error e);

/* Append the canonical form of one header field (raw: name through the last
 * continuation, no final line end, LF or CRLF folding) to out, followed by
 * CRLF unless `final` (the DKIM-Signature field itself is hashed without
 * its trailing CRLF, §3.7). simple: byte-exact, bare LF folding restored to
 * CRLF. relaxed (§3.4.2): name lowercased and trimmed, unfolded, WSP runs
 * to one SP, WSP at the value's ends removed, "name:value".
 * `skip_off`/`skip_len`: a byte range of raw left out (the b= value); pass
 * 0,0 for none. */
void dkim_canon_header(struct buf *out, enum dkim_canon c, const char *raw, size_t raw_len,
                       size_t skip_off, size_t skip_len, bool final);

/* The header data a DKIM-shaped signature signs (RFC 6376 §5.4.2), into
 * out (reset first): for each name of h (nh of them), the last not yet used
 * instance of that field in hb, bottom up, canonicalised with c (a name with
 * no instance left adds nothing); then the signature field itself (self:
 * its raw bytes) with the skip range (its b= value) removed, without CRLF.
 * Shared by DKIM and ARC's message signature. */
void dkim_signed_header_data(struct buf *out, arena *a, enum dkim_canon c,
                             const struct hdr_block *hb, const struct slice *h, size_t nh,
                             const struct hdr_field *self, size_t skip_off, size_t skip_len);

/* Decode base64 with FWS allowed anywhere (§3.5 b=); strict otherwise
 * (alphabet, padding only at the end). NULL on error or when the decoded
 * size would exceed max. */
unsigned char *dkim_b64_decode(arena *a, const char *p, size_t len, size_t max, size_t *out_len);

/* Value helpers shared with ARC (same tag grammar): trim FWS; a number of
 * 1..76 digits clamped at cap (false when not digits); "simple"/"relaxed"
 * (case-insensitive); an RFC 5322 ftext byte (field-name character). */
struct slice dkim_trim_fws(const char *p, size_t len);
bool dkim_number(struct slice v, uint64_t cap, uint64_t *out);
bool dkim_canon_from_name(const char *p, size_t len, enum dkim_canon *out);
bool dkim_is_ftext(unsigned char c);

/* The legacy DomainKey-Signature (RFC 4870): just d= and s= (and a=, q=),
 * for reporting. 0 when d= and s= were found. */
struct domainkey_sig {
    const char *domain, *selector, *alg;
};
int domainkey_sig_parse(arena *a, const char *value, size_t len, struct domainkey_sig *out);

#endif
