/* net — see net.h. */
#include "util/net.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const net_internal_ranges[] = {"127.0.0.0/8",    "10.0.0.0/8",     "172.16.0.0/12",
                                           "192.168.0.0/16", "169.254.0.0/16", "100.64.0.0/10",
                                           "0.0.0.0/8",      "::1/128",        "::/128",
                                           "fc00::/7",       "fe80::/10"};
const int net_n_internal_ranges = (int)(sizeof net_internal_ranges / sizeof net_internal_ranges[0]);

int net_parse(const char *s, struct net *n)
{
    char buf[64];
    if (strlen(s) >= sizeof buf) return -1;
    snprintf(buf, sizeof buf, "%s", s);
    char *slash = strchr(buf, '/');
    if (slash) *slash = '\0';
    n->family = strchr(buf, ':') ? AF_INET6 : AF_INET;
    if (inet_pton(n->family, buf, n->addr) != 1) return -1;
    int max = n->family == AF_INET ? 32 : 128;
    n->bits = max;
    if (slash) {
        char *end;
        long b = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || b < 0 || b > max) return -1;
        n->bits = (int)b;
    }
    return 0;
}

bool net_contains(const struct net *n, const char *ip)
{
    unsigned char a[16];
    int fam = strchr(ip, ':') ? AF_INET6 : AF_INET;
    if (fam != n->family || inet_pton(fam, ip, a) != 1) return false;
    int full = n->bits / 8, rest = n->bits % 8;
    if (memcmp(a, n->addr, (size_t)full) != 0) return false;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        if ((a[full] & mask) != (n->addr[full] & mask)) return false;
    }
    return true;
}

bool net_is_internal(const char *ip)
{
    static struct net nets[16];
    static int n = -1; /* parsed once; the table is constant */
    if (n < 0) {
        int k = 0;
        for (int i = 0; i < net_n_internal_ranges; i++)
            if (net_parse(net_internal_ranges[i], &nets[k]) == 0) k++;
        n = k;
    }
    for (int i = 0; i < n; i++)
        if (net_contains(&nets[i], ip)) return true;
    return false;
}
