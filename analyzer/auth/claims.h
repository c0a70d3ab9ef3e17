/* claims — what the receiver said (Authentication-Results, Received-SPF)
 * against what mailaudit finds now, claim by claim: same, different (with
 * the likely cause), or not comparable. This is how a user learns whether
 * DNS or the message changed since the campaign:
 *   DKIM pass then, key not found / revoked now  → key rotated or removed since arrival
 *   DKIM pass then, body hash / signature now    → message modified after the receiver
 *   pass then, temperror "no DNS source" now     → we lack the DNS answer
 *   SPF pass then, fail/softfail/neutral now     → SPF record changed since arrival (or
 *                                                   the envelope we rebuilt differs: said)
 *   SPF pass then, none now                      → SPF record removed since arrival
 *   policy now (RFC 8301)                        → the receiver accepted what RFC 8301 forbids
 * ARC-Authentication-Results are an earlier hop's view: they are listed as
 * claims but not compared. */
#ifndef AUTH_CLAIMS_H
#define AUTH_CLAIMS_H
#include <stdbool.h>
#include <stddef.h>

#include "auth/arparse.h"
#include "auth/authres.h"
#include "auth/dkim.h"
#include "auth/envelope.h"
#include "util/arena.h"

struct claims_ours {
    bool spf_ran;
    enum auth_result spf;
    const char *spf_reason;
    const struct dkim_result *dkim;
    size_t n_dkim;
    bool dkim_ran;
    bool dmarc_ran;
    enum auth_result dmarc;
    bool iprev_ran;
    enum auth_result iprev;
    bool arc_ran;
    enum auth_result arc;
    const struct envelope *env;
};

enum claim_verdict { CLAIM_SAME = 0, CLAIM_DIFFERENT, CLAIM_NOT_COMPARED };

struct claim_cmp {
    const struct arp_claim *claim;
    enum claim_verdict verdict;
    const char *ours;  /* our result word for the same thing, or NULL */
    const char *cause; /* for a difference: the likely cause; for not compared: why */
};

const char *claim_verdict_name(enum claim_verdict v); /* "same" "different" "not compared" */
/* One comparison per claim of `claims`, in the same order. */
size_t claims_compare(arena *a, const struct arp_claims *claims, const struct claims_ours *ours,
                      struct claim_cmp **out);

#endif
