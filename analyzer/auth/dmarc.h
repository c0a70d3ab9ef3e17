/* dmarc — DMARC (RFC 9989, which obsoletes RFC 7489) after the fact:
 * record parsing, policy discovery by the DNS tree walk, the organizational
 * domain (tree walk with psd=, or the Public Suffix List of RFC 7489 with
 * --dmarc-psl), relaxed and strict alignment of the SPF and DKIM
 * identifiers with the From domain, the result and the disposition the
 * policy asks for.
 *
 * Tree walk (RFC 9989 §4.10): query _dmarc.<name>; without exactly one
 * DMARC record there, go up one label — except that a name of 8 or more
 * labels jumps to its rightmost 7 — at most DMARC_MAX_WALK queries, the
 * single-label TLD included. Policy discovery stops at the first record.
 * The organizational domain walk stops at psd=n (that name) or psd=y (the
 * name below it); otherwise it is the name of the highest record found, or
 * the name itself when none was.
 *
 * Policy applied: p= at the From domain; below it sp= (else p=), or np=
 * (else sp=, else p=) when the From domain does not exist (NXDOMAIN for its
 * A and AAAA and MX). t=y (testing) lowers the disposition one step
 * (reject → quarantine → none); RFC 7489's pct= is reported when present.
 *
 * Results: pass (an aligned SPF or DKIM pass); fail (a record, no aligned
 * pass); none (no record, or no From domain); temperror (DNS failed during
 * discovery, or no DNS source); permerror (From header with several
 * different domains: RFC 9989 leaves such a message outside DMARC's single
 * Author Domain, so no verdict is given, and it is reported). */
#ifndef AUTH_DMARC_H
#define AUTH_DMARC_H
#include <stdbool.h>
#include <stddef.h>

#include "auth/authres.h"
#include "auth/dkim.h"
#include "dns/dns.h"
#include "dns/psl.h"
#include "util/arena.h"

#define DMARC_MAX_WALK 8

struct dmarc_record {
    const char *raw;
    const char *p, *sp, *np; /* none | quarantine | reject, or NULL when absent/invalid */
    bool p_invalid;          /* p= present but not a known policy */
    char psd;                /* 'y', 'n', or 0 (absent / 'u') */
    bool testing;            /* t=y */
    int pct;                 /* RFC 7489 pct=, -1 when absent */
    char adkim, aspf;        /* 'r' or 's' (default 'r') */
    const char *rua, *ruf, *fo;
};

/* 0 when (txt,len) is a DMARC record (starts with v=DMARC1), else -1.
 * Unknown tags are ignored, as RFC 9989 says. */
int dmarc_record_parse(arena *a, const char *txt, size_t len, struct dmarc_record *out);

struct dmarc_input {
    const char *from_domain; /* lowercase, NULL when the message has no From domain */
    int n_from_domains;      /* distinct domains in From (0, 1, or more) */
    enum auth_result spf_result;
    const char *spf_domain; /* the domain SPF authenticated (MAIL FROM, or HELO for <>) */
    const struct dkim_result *dkim;
    size_t n_dkim;
};

struct dmarc_result {
    enum auth_result result;
    const char *reason; /* for every non-pass */
    const char *from_domain;
    const char *policy_domain; /* where the record was found */
    const char *org_domain;    /* organizational domain of the From domain */
    const char *record;        /* the record text */
    struct dmarc_record rec;
    const char *policy;      /* the policy that applies: none | quarantine | reject */
    const char *policy_tag;  /* which tag gave it: p, sp, np */
    const char *disposition; /* what to do with this message: none | quarantine | reject */
    bool spf_aligned, dkim_aligned;
    const char *dkim_domain; /* the aligned passing d=, or NULL */
    const char *method;      /* "tree walk (RFC 9989)" or "public suffix list (RFC 7489)" */
    int queries;             /* DNS queries made */
};

/* psl NULL: organizational domains by the tree walk; else by the list. */
void dmarc_evaluate(struct dns_resolver *dns, const struct psl *psl, arena *a,
                    const struct dmarc_input *in, struct dmarc_result *out);

/* The organizational domain of name (see above); queries counted in *queries. */
const char *dmarc_org_domain(struct dns_resolver *dns, const struct psl *psl, arena *a,
                             const char *name, int *queries);

#endif
