/* spfglue — runs the SPF checker (spf.h) for both identities of a rebuilt
 * envelope and fills the verify_result's SPF summaries and Sender ID
 * record. Separate from verify.c so that the SPF engine's own types stay
 * inside spf.h. */
#ifndef AUTH_SPFGLUE_H
#define AUTH_SPFGLUE_H

#include "auth/envelope.h"
#include "auth/verify.h"
#include "dns/dns.h"
#include "util/arena.h"

/* Without a client IP, both identities are "none" with reason "no client IP
 * known"; without a DNS source, temperror "no DNS source". */
void spfglue_check(struct spf_checker *spf, struct dns_resolver *dns, arena *a,
                   const struct envelope *env, struct verify_result *out);

#endif
