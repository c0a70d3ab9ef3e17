/* dns — the resolver abstraction shared by DKIM, SPF, DMARC, iprev and ARC.
 *
 * One resolver, three sources, consulted in this order:
 *   - snapshot files (`--dns FILE`, repeatable): RFC 1035 master-file syntax
 *     as `dig +noall +answer` prints it (see zone.h and DESIGN.md). A name
 *     absent from every snapshot is NXDOMAIN; a name that has records of
 *     other types only is NODATA.
 *   - the database cache (`--dns-from-db`): answers recorded by an earlier
 *     run, loaded with dns_add_cached(), negative answers included, so the
 *     verdicts of that run can be reproduced exactly.
 *   - live DNS (`--online` only): the system resolver (res_nquery) with a
 *     timeout; NXDOMAIN, NODATA and SERVFAIL/timeout are kept apart.
 * With no source at all, every lookup answers DNS_NOSOURCE ("no DNS
 * source"): verdicts that need DNS become temperror rather than a guess.
 *
 * CNAME chains are followed (at most DNS_MAX_CNAME links; a loop or a longer
 * chain is DNS_TEMPFAIL with a reason) for every type but CNAME itself.
 *
 * Every answer used can be reported to a recorder callback (the ingest
 * command stores them in `dns_records`).
 *
 * Thread safety: load everything first (dns_add_*, dns_set_*), then any
 * number of threads may call dns_lookup concurrently. The live source keeps
 * its own cache behind a mutex; the recorder is called with that mutex NOT
 * held and must be thread-safe itself if lookups run on several threads. */
#ifndef DNS_DNS_H
#define DNS_DNS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

#define DNS_MAX_CNAME 8   /* CNAME links followed per lookup */
#define DNS_MAX_NAME 253  /* presentation length of a name, without the final dot */
#define DNS_MAX_RR 64     /* records kept per answer (more are dropped, flagged) */
#define DNS_MAX_TXT 65535 /* bytes of one TXT record, strings concatenated */
#define DNS_DEFAULT_TIMEOUT_MS 5000

enum dns_type {
    DNS_T_A = 1,
    DNS_T_NS = 2,
    DNS_T_CNAME = 5,
    DNS_T_SOA = 6,
    DNS_T_PTR = 12,
    DNS_T_MX = 15,
    DNS_T_TXT = 16,
    DNS_T_AAAA = 28,
    DNS_T_SPF = 99,
};

enum dns_rcode {
    DNS_OK = 0,       /* at least one record of the type asked */
    DNS_NXDOMAIN = 1, /* the name does not exist */
    DNS_NODATA = 2,   /* the name exists, no record of this type */
    DNS_TEMPFAIL = 3, /* SERVFAIL, timeout, network error, CNAME loop */
    DNS_NOSOURCE = 4, /* no DNS source configured: nothing was looked up */
};

enum dns_source { DNS_SRC_NONE = 0, DNS_SRC_SNAPSHOT, DNS_SRC_DB, DNS_SRC_LIVE };

struct dns_rr {
    enum dns_type type;
    uint32_t ttl;
    uint16_t pref; /* MX preference; 0 otherwise */
    /* A/AAAA: the address in presentation form ("192.0.2.1", "2001:db8::1");
     * MX/PTR/CNAME/NS: the target name, lowercased, no trailing dot ("" for
     * the root, e.g. a null MX "0 ."); TXT/SPF: the character-strings
     * concatenated without separator (may contain any byte, NUL included:
     * use len); other types: the presentation text of the rdata. Always
     * NUL-terminated. */
    char *text;
    size_t len;
    unsigned char addr[16]; /* A: 4 bytes, AAAA: 16 bytes; zero otherwise */
};

struct dns_answer {
    enum dns_rcode rcode;
    enum dns_source source; /* where the answer came from (NONE for NOSOURCE) */
    const char *qname;      /* the name asked, lowercased, no trailing dot */
    enum dns_type qtype;
    const char *cname; /* the name the records belong to after CNAMEs, or NULL */
    struct dns_rr *rr; /* records of qtype only, in the order of the source */
    size_t n;
    bool truncated;    /* more than DNS_MAX_RR records: the rest dropped */
    int64_t fetched;   /* unix time the answer was obtained (live/db), else 0 */
    const char *error; /* TEMPFAIL/NOSOURCE: why, in words ("timeout", "SERVFAIL",
                          "CNAME loop", "no DNS source"); else NULL */
};

struct dns_resolver;

struct dns_resolver *dns_new(void);
void dns_free(struct dns_resolver *r);

/* Add a snapshot file. 0 on success; -1 with err "FILE:LINE: what" for a
 * file that cannot be read or has a line that is not a record (the whole
 * file is refused: a half-read snapshot would give wrong verdicts). Several
 * files merge: a name's records are the union, in load order, with exact
 * duplicates (same type and rdata) kept once, first TTL wins. */
int dns_add_zonefile(struct dns_resolver *r, const char *path, char *err, size_t errlen);
/* The same for snapshot text in memory (p,len); `label` names it in errors. */
int dns_add_zone_text(struct dns_resolver *r, const char *p, size_t len, const char *label,
                      char *err, size_t errlen);
/* Add one cached answer (from the database): (qname, qtype) answers rcode
 * with these records (rr/n may be empty for NXDOMAIN/NODATA/TEMPFAIL).
 * Cached answers take precedence over snapshots only where the snapshot has
 * nothing for the name. The records are copied. For the same (qname, qtype)
 * added twice, the answer with the later `fetched` wins (ties: the last). */
void dns_add_cached(struct dns_resolver *r, const struct dns_answer *ans);
/* Allow live lookups (the --online flag). timeout_ms 0 = default. */
void dns_set_online(struct dns_resolver *r, bool online, int timeout_ms);
/* Called once for every answer dns_lookup returns (after CNAMEs followed:
 * qname is the name asked, cname the end of the chain), NOSOURCE and
 * invalid names (source NONE, nothing looked up) excepted. */
void dns_set_recorder(struct dns_resolver *r, void (*fn)(void *ctx, const struct dns_answer *ans),
                      void *ctx);
/* Is any source configured? */
bool dns_has_source(const struct dns_resolver *r);

/* Look (name, type) up. `name` may carry a trailing dot and any case; a name
 * that is not a valid domain name (empty label, label over 63 bytes, name
 * over DNS_MAX_NAME) is NXDOMAIN without a lookup. The answer and its
 * records are allocated in `a` (deep copies: valid as long as `a`, even
 * after dns_free). Always fills *out; returns out->rcode. */
enum dns_rcode dns_lookup(struct dns_resolver *r, arena *a, const char *name, enum dns_type type,
                          struct dns_answer *out);

const char *dns_type_name(enum dns_type t); /* "TXT"; "TYPE123" style is not needed */
int dns_type_from_name(const char *s);      /* -1 when unknown */
const char *
dns_rcode_name(enum dns_rcode rc); /* "ok", "nxdomain", "nodata", "tempfail", "nosource" */
const char *dns_source_name(enum dns_source s); /* "snapshot", "db", "live", "none" */

/* Reverse-lookup name for an IP in presentation form: "10.2.0.192.in-addr.arpa"
 * or the nibble form under ip6.arpa. NULL if `ip` is not an address. */
char *dns_reverse_name(arena *a, const char *ip);

#endif
