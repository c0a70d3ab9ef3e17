/* iprev — the client's reverse DNS, forward-confirmed (RFC 8601 §3 "iprev",
 * RFC 8601 §2.7.3), and the HELO name checks receivers apply: is it a fully
 * qualified name, does it resolve, does it point to the client IP, does it
 * match the PTR name. (The seed's checklist: the A record must point to the
 * sending IP, the PTR back to the domain.)
 *
 * iprev: pass when a PTR name of the IP has an A/AAAA record equal to the
 * IP; fail when there is no PTR (NXDOMAIN/NODATA) or no PTR name confirms;
 * temperror on a DNS temporary failure or without a DNS source; none
 * without a client IP. At most IPREV_MAX_PTR PTR names are tried. */
#ifndef AUTH_IPREV_H
#define AUTH_IPREV_H
#include <stdbool.h>
#include <stddef.h>

#include "auth/authres.h"
#include "dns/dns.h"
#include "util/arena.h"

#define IPREV_MAX_PTR 10

struct iprev_result {
    enum auth_result result;
    const char *ip;
    const char **ptr; /* the PTR names found */
    size_t n_ptr;
    const char *confirmed; /* the PTR name whose A/AAAA gave the IP back, or NULL */
    const char *reason;    /* why, for every non-pass */
};

struct helo_result {
    const char *helo;   /* NULL: unknown */
    bool ip_literal;    /* [192.0.2.1] */
    bool fqdn;          /* at least two labels, letters in the last, not an IP literal */
    bool resolves;      /* has an A or AAAA record */
    bool points_to_ip;  /* one of them is the client IP */
    bool matches_ptr;   /* equals (case-insensitively) a PTR name of the client IP */
    bool dns_ok;        /* the lookups were answered (no temperror / no source) */
    const char *reason; /* summary in words: "HELO resolves to the client IP and matches its PTR" */
};

void iprev_check(struct dns_resolver *dns, arena *a, const char *ip, struct iprev_result *out);
void helo_check(struct dns_resolver *dns, arena *a, const char *helo, const char *ip,
                const struct iprev_result *iprev, struct helo_result *out);

#endif
