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
#include <stdint.h>
#include <stdio.h>

#include "report/model.h"
#include "store/db.h"

struct sqlite3;

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
/* The same signs as a table "open_relay_signs" of section `sec` (columns
 * mta, client_ip, signs, first, last, example_recipient, evidence; at most
 * 50 clients, truncated past that) and two notes naming the local domains
 * and networks used. For the sectioned report: the connection must have the
 * scope tables of rctx_open (deliveries are read from r_dlv); accepted RCPTs
 * are taken from log_events within [since, until) (NULL: open). *n_signs is
 * the number of signs. 0, or -1 with err filled. */
int openrelay_fill(struct sqlite3 *h, const struct relay_opts *o, const char *since,
                   const char *until, struct report *r, struct rsection *sec, int64_t *n_signs,
                   char *err, size_t errlen);

#endif
