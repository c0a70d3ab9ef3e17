/* arparse — what receivers wrote about a message's authentication: the
 * Authentication-Results (RFC 8601), ARC-Authentication-Results (RFC 8617:
 * "i=N;" then the same syntax) and Received-SPF (RFC 7208 §9.1) header
 * fields, parsed into one list of claims: who said it (authserv-id), which
 * method, which result, and the properties (smtp.mailfrom, header.d, ...).
 *
 * Tolerant of the forms real receivers write: Gmail, Microsoft 365
 * ("spf=pass (sender IP is ...)", "compauth=pass reason=100",
 * "dmarc=pass action=none header.from=..."), Yahoo, rspamd, SpamAssassin's
 * and OpenDKIM's milters. Comments are kept (they often carry the reason),
 * unknown methods and properties are kept as written.
 * Ceilings: ARP_MAX_CLAIMS claims per message, ARP_MAX_PROPS properties per
 * claim, ARP_MAX_VALUE bytes per value; more is dropped, never a crash. */
#ifndef AUTH_ARPARSE_H
#define AUTH_ARPARSE_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/header.h"
#include "util/arena.h"

#define ARP_MAX_CLAIMS 64
#define ARP_MAX_PROPS 16
#define ARP_MAX_VALUE 1024

enum arp_source { ARP_AUTH_RESULTS = 0, ARP_ARC_AUTH_RESULTS, ARP_RECEIVED_SPF };

struct arp_prop {
    const char *ptype;    /* smtp, header, body, policy (lowercase) */
    const char *property; /* mailfrom, helo, d, i, s, from, b, remote-ip, ... (lowercase) */
    const char *value;    /* as written, quotes removed */
};

struct arp_claim {
    enum arp_source source;
    int field;               /* index of the header field among the message's fields (0 = top) */
    int arc_instance;        /* i= of an ARC-Authentication-Results, else 0 */
    const char *authserv_id; /* the receiver's name (Received-SPF: receiver=, or NULL) */
    const char *method;      /* spf, dkim, dmarc, arc, iprev, auth, compauth, ... (lowercase) */
    const char *result;      /* pass, fail, softfail, neutral, none, temperror, permerror,
                                policy, ... (lowercase, as written) */
    const char *reason;      /* reason= value, or NULL */
    const char *comment;     /* the first comment after the result, or NULL */
    struct arp_prop props[ARP_MAX_PROPS];
    size_t n_props;
    /* common properties, picked out for the comparisons (NULL when absent) */
    const char *smtp_mailfrom, *smtp_helo, *header_d, *header_s, *header_i, *header_from,
        *remote_ip;
};

struct arp_claims {
    struct arp_claim *v;
    size_t n;
    size_t dropped; /* claims beyond ARP_MAX_CLAIMS */
    size_t bad;     /* fields that could not be read at all */
};

/* Parse every Authentication-Results, ARC-Authentication-Results and
 * Received-SPF field of a header block, in header order. */
void arp_parse_all(arena *a, const struct hdr_block *hb, struct arp_claims *out);

/* Parse one field's value (the bytes after the colon, folding allowed):
 * appends its claims to out. `field` is stored in each claim. Returns the
 * number of claims added, or -1 when the value is unreadable. */
int arp_parse_value(arena *a, enum arp_source src, const char *p, size_t len, int field,
                    struct arp_claims *out);

/* The value of property ptype.property of a claim, or NULL. */
const char *arp_prop_get(const struct arp_claim *c, const char *ptype, const char *property);

#endif
