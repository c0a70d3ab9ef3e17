/* envelope — the SMTP envelope a receiver saw, reconstructed after the fact:
 * the client IP, the HELO name and the MAIL FROM, each with where it came
 * from, for SPF, iprev and the HELO checks.
 *
 * Order of evidence (first that gives a value wins, per value):
 *  1. the caller's overrides (check --ip/--helo/--mail-from; ingest passes
 *     the client the MTA logs recorded for the message's queue id, as
 *     source "log", when 2-4 give no client IP);
 *  2. the entry hop of the Received chain: the topmost Received header whose
 *     client is an IP literal outside the receiving organisation (not
 *     internal per net_is_internal, not in --internal-net) and whose client
 *     name is not in the same organisation as its receiving host (so that
 *     Exchange Online's and Gmail's own hops, which use public addresses,
 *     are passed over), after skipping --trusted-hops N topmost headers;
 *     or, with --receiver HOST, the hop received by HOST (or a name under
 *     it). Its from_ip and HELO;
 *     (--trusted-hops N: the first hop with an IP after the N topmost, no
 *     other test);
 *  3. Return-Path for MAIL FROM ("<>" → the null sender ""): the final
 *     delivery agent writes it from the MAIL FROM;
 *  4. Received-SPF (client-ip=, helo=, envelope-from=) and
 *     Authentication-Results (smtp.remote-ip / policy.iprev, smtp.helo,
 *     smtp.mailfrom) of the receiver.
 * MTA logs linked to the message are a further source, used by ingest when
 * a delivery row names the client (not here). */
#ifndef AUTH_ENVELOPE_H
#define AUTH_ENVELOPE_H
#include <stdbool.h>
#include <stddef.h>

#include "auth/arparse.h"
#include "mail/message.h"
#include "util/arena.h"
#include "util/net.h"

#define ENVELOPE_MAX_NETS 64

struct envelope_opts {
    const char *ip, *helo, *mail_from;  /* overrides, or NULL */
    const char *override_source;        /* the source named for them: NULL = "override" */
    int trusted_hops;                   /* topmost Received headers to skip; -1 = none given */
    struct net nets[ENVELOPE_MAX_NETS]; /* --internal-net */
    int n_nets;
    const char *receiver; /* --receiver HOST, or NULL */
};

struct envelope {
    const char *ip, *ip_source; /* sources: "override", "received", "received-spf",
                                   "authentication-results", "log"; NULL = unknown */
    const char *helo, *helo_source;
    const char *mail_from, *mail_from_source; /* "" = null sender */
    int hop;                 /* index of the Received header used (0 = topmost), -1 none */
    const char *rdns;        /* reverse name the receiver recorded for the client, or NULL */
    const char *received_by; /* the receiving host of that hop */
    bool tls;                /* that hop was received over TLS */
    bool tls_known;          /* a hop was found at all */
};

void envelope_opts_init(struct envelope_opts *o);
/* Add an --internal-net CIDR: 0, or -1 when it does not parse or there are too many. */
int envelope_add_net(struct envelope_opts *o, const char *cidr);
void envelope_reconstruct(arena *a, const struct message *m, const struct arp_claims *claims,
                          const struct envelope_opts *o, struct envelope *out);

#endif
