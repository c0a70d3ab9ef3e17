/* verify — the whole authentication picture of one message, re-verified
 * offline: the envelope rebuilt from the trace headers, SPF for the HELO
 * and MAIL FROM identities, DKIM for every signature, iprev and the HELO
 * checks, DMARC, ARC, what the receivers claimed against what we find, and
 * the bulk-sender requirements. Used by `check` and `ingest` alike.
 * One verify_ctx per thread (its verifiers keep caches); the resolver may
 * be shared. */
#ifndef AUTH_VERIFY_H
#define AUTH_VERIFY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/arc.h"
#include "auth/arparse.h"
#include "auth/claims.h"
#include "auth/dkim.h"
#include "auth/dmarc.h"
#include "auth/envelope.h"
#include "auth/iprev.h"
#include "auth/requirements.h"
#include "dns/dns.h"
#include "dns/psl.h"
#include "mail/message.h"

#define VERIFY_DKIM (1u << 0)
#define VERIFY_SPF (1u << 1)
#define VERIFY_DMARC (1u << 2)
#define VERIFY_ARC (1u << 3)
#define VERIFY_ALL (VERIFY_DKIM | VERIFY_SPF | VERIFY_DMARC | VERIFY_ARC)

struct spf_checker;

/* One SPF identity, as stored and printed. */
struct spf_summary {
    bool ran;
    const char *identity; /* "mailfrom" or "helo" */
    enum auth_result result;
    const char *domain;      /* the domain checked */
    const char *sender;      /* the sender checked (postmaster@HELO for <>) */
    const char *mechanism;   /* what matched, or NULL */
    const char *explanation; /* exp= text for fail, or NULL */
    const char *record;      /* the SPF record of the domain, or NULL */
    const char *reason;      /* for none/neutral/errors: why */
    int lookups, void_lookups;
};

struct verify_ctx {
    struct dns_resolver *dns;
    struct dkim_verifier *dkim;
    struct spf_checker *spf;
    const struct psl *psl; /* --dmarc-psl, else NULL (tree walk) */
    struct envelope_opts env;
    unsigned checks; /* VERIFY_* */
};

struct verify_result {
    unsigned ran; /* VERIFY_* actually run */
    int64_t at;   /* judging time */
    const char *at_source;
    struct envelope env;
    struct dkim_result *dkim;
    size_t n_dkim;
    struct dkim_summary dkim_sum;
    struct spf_summary spf_helo, spf_mailfrom;
    const char *senderid_record; /* a "spf2.0/..." record of the MAIL FROM domain, or NULL */
    struct iprev_result iprev;
    struct helo_result helo;
    struct dmarc_result dmarc;
    struct arc_result arc;
    struct arp_claims claims;
    struct claim_cmp *cmp; /* one per claim */
    size_t n_cmp;
    struct requirement *req;
    size_t n_req;
};

/* Verify a parsed message; everything is allocated in `a`. */
void verify_message(struct verify_ctx *vc, arena *a, const struct message *m, int64_t at,
                    const char *at_source, struct verify_result *out);

/* The RFC 8601 Authentication-Results value for the whole result:
 * "mailaudit; spf=pass smtp.mailfrom=...; dkim=...; dmarc=...; arc=...; iprev=..." */
char *verify_authres(arena *a, const struct verify_result *r);

#endif
