/* net — IP networks in CIDR notation (IPv4 and IPv6): parse, test
 * membership, and the ranges that are never a mail sender on the Internet
 * (loopback, RFC 1918 private, link-local, unique local, documentation is
 * NOT among them: the samples and tests use it as "the Internet"). */
#ifndef UTIL_NET_H
#define UTIL_NET_H
#include <stdbool.h>

struct net {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int bits;
};

/* "192.0.2.0/24", "2001:db8::/32", or a bare address (a /32 or /128). 0 or -1. */
int net_parse(const char *s, struct net *n);
bool net_contains(const struct net *n, const char *ip);
/* Loopback, private (RFC 1918, fc00::/7), link-local, CGNAT (100.64.0.0/10),
 * unspecified: an address inside someone's own network. */
bool net_is_internal(const char *ip);
/* The default internal ranges as text, for messages ("127.0.0.0/8, ..."). */
extern const char *const net_internal_ranges[];
extern const int net_n_internal_ranges;

#endif
