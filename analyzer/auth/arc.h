/* arc — Authenticated Received Chain validation after the fact (RFC 8617).
 *
 * Collects the ARC sets of a message (ARC-Authentication-Results "AAR",
 * ARC-Message-Signature "AMS", ARC-Seal "AS", grouped by their instance
 * i=1..50), checks the chain's structure, verifies every AMS (a DKIM-like
 * signature over header fields and body) and every AS (a signature over the
 * ARC fields of instances 1..i), and reports the chain validation status the
 * way RFC 8617 §5.2 defines it:
 *   1. no ARC field: none. More than ARC_MAX_SETS sets: fail.
 *   2. the highest instance's AS says cv=fail: fail.
 *   3. structure: exactly one AAR, AMS and AS per instance, instances 1..N
 *      without gap or repetition, cv=none at i=1 and cv=pass above: else fail.
 *   4. the AMS of instance N must verify: else fail.
 *   5. oldest-pass: the AMS of N-1 down to 1 are verified; the first that
 *      fails sets oldest-pass to its instance + 1 (0: all verified). Older
 *      AMS failures are normal (a mailing list changed the message) and do
 *      not fail the chain.
 *   6. every AS, N down to 1, must verify: else fail. Then pass.
 * The chain's reason is the first failure in that order; every set also
 * carries its own AMS and AS results, computed even after the chain failed,
 * so a post-mortem sees every broken hop.
 *
 * Signatures: the AMS is a DKIM-Signature without v= (ignored when present)
 * and with i= as the instance; DKIM's rules apply otherwise (c= default
 * simple/simple, l=, x=, From must be signed; ARC-Seal must not be signed).
 * The AS signs, with relaxed header canonicalisation and no body, the AAR,
 * AMS and AS of instances 1..i in that order, its own b= value removed (an AS
 * with cv=fail signs its own set only, §5.1.2); h= in an AS is an error.
 * Keys, key records and algorithms are DKIM's (RFC 8301: no RSA key under
 * 1024 bits, no rsa-sha1; RFC 8463 ed25519-sha256 accepted), fetched through
 * the DKIM verifier's key cache and resolver (dkim_verify_data).
 *
 * The AAR is kept as written (authserv-id, results text, raw value); its
 * results are parsed elsewhere (arparse.h).
 *
 * Ceilings: ARC_MAX_SETS instances, ARC_MAX_FIELDS ARC header fields and
 * ARC_MAX_BYTES bytes of them per message (more: fail, nothing verified),
 * DKIM_MAX_TAGS tags per signature; at most 2 * ARC_MAX_SETS signature
 * verifications per message.
 *
 * Time: t= and x= are recorded; an AMS whose x= lies before `at` fails
 * (DKIM's rule); a t= after `at` is not judged (clocks of intermediaries).
 *
 * Does NOT: sign, add the receiver's own ARC set, judge the AAR's contents,
 * or decide whether a sealer is trusted (a local policy). Not thread-safe
 * beyond what the DKIM verifier allows (one per thread). */
#ifndef AUTH_ARC_H
#define AUTH_ARC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/authres.h"
#include "auth/dkim.h"
#include "mail/header.h"
#include "util/arena.h"

#define ARC_MAX_SETS 50             /* RFC 8617 §4.2.1: i=1..50 */
#define ARC_MAX_FIELDS 200          /* ARC header fields examined per message */
#define ARC_MAX_BYTES (512u * 1024) /* raw bytes of all ARC header fields together */

/* One instance i: its AAR, AMS and AS as found and as judged. */
struct arc_set {
    int i;
    int n_aar, n_ams, n_as; /* fields found with this instance (1 each when well formed) */

    /* AMS (ARC-Message-Signature) */
    enum auth_result ams_code; /* AUTH_NONE: absent or not checked */
    const char *ams_result;    /* auth_result_name(ams_code) */
    const char *ams_reason;    /* "AMS i=2 body hash mismatch"; NULL on pass */
    const char *ams_domain, *ams_selector, *ams_algorithm;
    const char *ams_canon;   /* "relaxed/relaxed" */
    const char *ams_headers; /* h= names joined with ':' (trimmed, case as written) */
    bool ams_has_t, ams_has_x, ams_has_l;
    int64_t ams_t, ams_x;
    uint64_t ams_l;
    int ams_key_bits;
    const char *ams_key_type; /* "rsa", "ed25519" or NULL */

    /* AS (ARC-Seal) */
    enum auth_result as_code;
    const char *as_result;
    const char *as_reason; /* "AS i=1 signature mismatch"; NULL on pass */
    const char *as_domain, *as_selector, *as_algorithm;
    const char *cv; /* cv= lowercased as written ("none", "pass", "fail"), or NULL */
    bool as_has_t;
    int64_t as_t;
    int as_key_bits;
    const char *as_key_type;

    /* AAR (ARC-Authentication-Results) */
    const char *aar_authserv_id; /* NULL when unreadable */
    const char *aar_results;     /* the text after "authserv-id;", unfolded, or NULL */
    const char *aar_raw;         /* the whole value as written (folding kept) */

    const char *reason; /* this set's first problem (structure, AMS or AS), or NULL */
    const char *note;   /* remarks that do not fail anything, or NULL */
};

struct arc_result {
    enum auth_result result; /* AUTH_NONE, AUTH_PASS or AUTH_FAIL only */
    const char *cv;          /* "none", "pass", "fail": auth_result_name(result) */
    int n_sets;              /* highest instance seen (<= ARC_MAX_SETS); sets[k].i == k + 1 */
    struct arc_set *sets;    /* n_sets entries; a missing instance has n_* == 0 */
    /* RFC 8617 §5.2 oldest-pass, set only when the chain passed: 0 when the
     * AMS of every instance verified, else the lowest instance k such that
     * the AMS of k..N all verified (k >= 2). 0 when the chain did not pass. */
    int oldest_pass;
    int64_t sealed_at;  /* t= of the last (instance N) seal, 0 when absent */
    const char *reason; /* why the chain failed, e.g. "AMS i=2 body hash mismatch"; NULL
                           for pass and none */
    bool temporary;     /* the failure came from DNS (timeout, no source): may change */
    size_t n_fields;    /* ARC header fields in the message */
};

/* Validate the ARC chain of a message. raw/raw_len: the whole message as
 * stored (CRLF or bare LF); hdr: hdr_parse of it; at: the time to judge x=
 * at (0: not judged). The canonical body is shared with dkim_verify of the
 * same message (no second canonicalisation): start each new message with
 * dkim_new_message(v) or dkim_verify. Everything is allocated in `a`.
 * Always fills *out; returns out->result. */
enum auth_result arc_validate(struct dkim_verifier *v, arena *a, const char *raw, size_t raw_len,
                              const struct hdr_block *hdr, int64_t at, struct arc_result *out);

/* The RFC 8601 method clause: "arc=none", "arc=pass (i=2)", "arc=pass (i=3,
 * oldest-pass=2)", "arc=fail (AMS i=2 body hash mismatch)". */
char *arc_authres_clause(arena *a, const struct arc_result *r);

#endif
