/* zone — the DNS snapshot parser: RFC 1035 master-file syntax as
 * `dig +noall +answer` (and BIND zone files) print it.
 *
 *   owner [TTL] [CLASS] TYPE RDATA      (TTL and CLASS in either order)
 *
 * Supported: comments (';' outside quotes), blank lines, $ORIGIN and $TTL,
 * relative owner names (appended to $ORIGIN), '@', an empty owner (leading
 * whitespace = the previous owner), parentheses spanning lines, quoted
 * character-strings with \X and \DDD escapes (TXT: several strings are
 * concatenated without separator; an unquoted word is a string too), class
 * IN (CH/HS records are skipped), CRLF line ends. Types parsed: A, AAAA
 * (any valid form, stored canonical), MX, TXT, SPF, PTR, CNAME, NS; any
 * other known or TYPEnnn type (SOA, DS, RRSIG, ...) is kept with its rdata
 * as presentation text. Owner and target names are lowercased, the trailing
 * dot removed; without $ORIGIN a relative name is taken as absolute.
 *
 * Ceilings (hostile snapshots are input too): ZONE_MAX_LINE bytes per
 * logical line (parentheses joined), DNS_MAX_TXT bytes per TXT record,
 * 63-byte labels and DNS_MAX_NAME-byte names. A violation is an error with
 * its line number, never a crash. */
#ifndef DNS_ZONE_H
#define DNS_ZONE_H
#include <stddef.h>
#include <stdint.h>

#include "dns/dns.h"
#include "util/arena.h"

#define ZONE_MAX_LINE (256 * 1024)
#define ZONE_NAME_TEXT_MAX (4 * 255 + 1) /* canonical name text, every byte as \DDD at worst */

struct zone_record {
    const char *owner; /* lowercased, no trailing dot; "" for the root */
    struct dns_rr rr;  /* rr.type, ttl, pref, text/len, addr as in dns.h */
};

/* Parse (p,len). fn is called for every record (allocated in `a`); a
 * non-zero return from fn stops the parse and is returned. Returns 0, the
 * callback's value, or -1 on a syntax error with err "line N: what". */
int zone_parse(arena *a, const char *p, size_t len,
               int (*fn)(void *ctx, const struct zone_record *rec), void *ctx, char *err,
               size_t errlen);

/* A name in presentation form (p,len) — escapes, any case, trailing dot
 * optional, "." the root, "" no name — to the canonical text both the
 * snapshot and lookups use (lowercase, no final dot, "" for the root), in out
 * (ZONE_NAME_TEXT_MAX bytes). The length, or -1 when it is not a name. */
long zone_name_canon(const char *p, size_t len, char *out);

#endif
