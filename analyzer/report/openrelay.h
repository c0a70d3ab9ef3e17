/* openrelay — signs that the server relays for strangers: a recipient in a
 * domain that is not local, accepted (hMailServer/IIS "rcpt" events) or
 * relayed onward (Postfix/Exim/Sendmail/Exchange deliveries whose queue id
 * arrived from a client) for a client that did not authenticate and is not
 * in a local network. Local domains and networks come from the options, or
 * are inferred (hMailServer Data domains and the domains the logs deliver
 * locally; loopback and private ranges) — and the report says which.
 * Forwarding aliases to outside addresses look the same: each sign is
 * evidence to check, not a verdict. */
#ifndef REPORT_OPENRELAY_H
#define REPORT_OPENRELAY_H
#include <stddef.h>
#include <stdio.h>

#include "store/db.h"

struct relay_opts {
    char **domains; /* --local-domain, or NULL */
    size_t n_domains;
    char **nets; /* --local-net CIDRs, or NULL */
    size_t n_nets;
};

/* Parse "192.0.2.0/24", "2001:db8::/32" or a bare address. 0 ok, -1 invalid. */
int openrelay_cidr_valid(const char *cidr);
int report_open_relay_text(struct db *db, const struct relay_opts *o, FILE *out, char *err,
                           size_t errlen);

#endif
