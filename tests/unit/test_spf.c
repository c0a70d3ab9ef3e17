/* Unit tests for auth/spf.c: every mechanism, modifier and macro, every
 * error path, against an in-memory snapshot. Expected values are worked out
 * by hand from RFC 7208 (section numbers in the comments): the result, the
 * term that decided, the problem text, the explanation, and the DNS terms
 * and void lookups counted. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <spf2/spf.h>

#include "auth/spf.h"
#include "dns/dns.h"
#include "util/arena.h"

#define NOW 1700000000

/* the snapshot, in pieces (C compilers need not take string literals over 4095 bytes) */
static const char *const zone[] = {
    /* ip4, ip6 and their /0 (5.6) */
    "ip4.test.      TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "ip4zero.test.  TXT \"v=spf1 ip4:198.51.100.7/0 -all\"\n"
    "ip6.test.      TXT \"v=spf1 ip6:2001:db8::/32 ~all\"\n"
    "ip6zero.test.  TXT \"v=spf1 ip6:2001:db8::1/0 ?all\"\n"
    "loop.test.     TXT \"v=spf1 ip4:192.0.2.1 -all\"\n",
    /* a (5.3) */
    "a.test.        TXT \"v=spf1 a -all\"\n"
    "a.test.        A 192.0.2.10\n"
    "a.test.        AAAA 2001:db8::10\n"
    "acidr.test.    TXT \"v=spf1 a:host.a.test/28 -all\"\n"
    "host.a.test.   A 192.0.2.33\n"
    "azero.test.    TXT \"v=spf1 a:host.a.test/0 -all\"\n",
    /* mx (5.4) */
    "mx.test.       TXT \"v=spf1 mx -all\"\n"
    "mx.test.       MX 20 mail2.mx.test.\n"
    "mx.test.       MX 10 mail1.mx.test.\n"
    "mail1.mx.test. A 192.0.2.21\n"
    "mail2.mx.test. A 192.0.2.22\n"
    "mail2.mx.test. AAAA 2001:db8::22\n"
    "mxzero.test.   TXT \"v=spf1 mx:mx.test//0 -all\"\n",
    /* ptr (5.5) */
    "ptr.test.      TXT \"v=spf1 ptr:mx.test -all\"\n"
    "22.2.0.192.in-addr.arpa. PTR mail2.mx.test.\n",
    /* exists (5.7) */
    "exists.test.   TXT \"v=spf1 exists:%{ir}.bl.exists.test -all\"\n"
    "10.2.0.192.bl.exists.test. A 127.0.0.2\n"
    "5.2.0.192.bl.exists.test. A 127.0.0.2\n",
    /* include (5.2), redirect (6.1) */
    "include.test.  TXT \"v=spf1 include:_spf.include.test -all\"\n"
    "_spf.include.test. TXT \"v=spf1 ip4:192.0.2.0/25 ?all\"\n"
    "redirect.test. TXT \"v=spf1 ip4:203.0.113.1 redirect=_spf.include.test\"\n"
    "rdall.test.    TXT \"v=spf1 redirect=_spf.include.test ~all\"\n"
    "amb.test.      TXT \"v=spf1 include:_spf.include.test ip4:192.0.2.0/24 -all\"\n"
    "cname.test.    CNAME ip4.test.\n",
    /* exp (6.2) and macros (7) */
    "exp.test.      TXT \"v=spf1 -all exp=why.exp.test\"\n"
    "why.exp.test.  TXT \"%{i} is not one of %{d}'s senders (%{s} %{l} %{o} %{h} %{v}) "
    "a%%b%_c%-d\"\n"
    "rdexp.test.    TXT \"v=spf1 exp=why.exp.test redirect=exp2.test\"\n"
    "exp2.test.     TXT \"v=spf1 -all exp=why2.exp.test\"\n"
    "why2.exp.test. TXT \"Not from \" \"%{c}.\"\n"
    "badexp.test.   TXT \"v=spf1 -all exp=bad.exp.test\"\n"
    "bad.exp.test.  TXT \"%{z} is not a macro\"\n"
    "macro.test.    TXT \"v=spf1 -all exp=m.macro.test\"\n"
    "m.macro.test.  TXT \"%{d2}|%{dr}|%{d1r}|%{l-}|%{l1-}|%{lr-}|%{l+-}|%{L}|%{ir}|%{i2}|%{S}|"
    "%{p}|%{c}|%{t}|%{r}\"\n"
    "99.2.0.192.in-addr.arpa. PTR host.macro.test.\n"
    "host.macro.test. A 192.0.2.99\n"
    "macro6.test.   TXT \"v=spf1 -all exp=m6.macro6.test\"\n"
    "m6.macro6.test. TXT \"%{i}|%{ir}|%{v}|%{c}\"\n"
    "comma.test.    TXT \"v=spf1 exists:%{l,}.x.comma.test -all\"\n"
    "a.b.x.comma.test. A 127.0.0.2\n"
    "upper.test.    TXT \"v=spf1 exists:%{L}.u.upper.test -all\"\n"
    "a%2bb.u.upper.test. A 127.0.0.2\n"
    "digits.test.   TXT \"v=spf1 exists:%{d200}.d.digits.test -all\"\n"
    "digits.test.d.digits.test. A 127.0.0.2\n"
    "dig2.test.     TXT \"v=spf1 exists:%{d2}.ok.dig2.test -all\"\n"
    "dig2.test.ok.dig2.test. A 127.0.0.2\n"
    "acname.test.   TXT \"v=spf1 a:alias.a.test mx:alias.a.test -all\"\n"
    "alias.a.test.  CNAME host.a.test.\n"
    "helo.test.     TXT \"v=spf1 ip4:192.0.2.5 -all\"\n"
    "hmacro.test.   TXT \"v=spf1 a:%{h} -all\"\n",
    /* errors: none (4.3, 4.5), permerror (4.5, 4.6, 5.2), limits (4.6.4) */
    "none.test.     A 192.0.2.1\n"
    "two.test.      TXT \"v=spf1 -all\"\n"
    "two.test.      TXT \"v=spf1 +all\"\n"
    "other.test.    TXT \"google-site-verification=x\"\n"
    "syntax.test.   TXT \"v=spf1 foo -all\"\n"
    "badmacro.test. TXT \"v=spf1 a:%{x}.badmacro.test -all\"\n"
    "badip.test.    TXT \"v=spf1 ip4:10.0.0.256 -all\"\n"
    "badcidr.test.  TXT \"v=spf1 a/33 -all\"\n"
    "twice.test.    TXT \"v=spf1 redirect=a.test redirect=ip4.test\"\n"
    "nonascii.test. TXT \"v=spf1 a:caf\\195\\169.test -all\"\n"
    "tab.test.      TXT \"v=spf1 a\\009-all\"\n"
    "limit.test.    TXT \"v=spf1 a:h1.limit.test a:h2.limit.test a:h3.limit.test "
    "a:h4.limit.test a:h5.limit.test a:h6.limit.test a:h7.limit.test a:h8.limit.test "
    "a:h9.limit.test a:h10.limit.test a:h11.limit.test -all\"\n"
    "limit10.test.  TXT \"v=spf1 a:h1.limit.test a:h2.limit.test a:h3.limit.test "
    "a:h4.limit.test a:h5.limit.test a:h6.limit.test a:h7.limit.test a:h8.limit.test "
    "a:h9.limit.test a:h10.limit.test ip4:192.0.2.5 -all\"\n"
    "h1.limit.test. A 10.9.9.9\nh2.limit.test. A 10.9.9.9\nh3.limit.test. A 10.9.9.9\n"
    "h4.limit.test. A 10.9.9.9\nh5.limit.test. A 10.9.9.9\nh6.limit.test. A 10.9.9.9\n"
    "h7.limit.test. A 10.9.9.9\nh8.limit.test. A 10.9.9.9\nh9.limit.test. A 10.9.9.9\n"
    "h10.limit.test. A 10.9.9.9\nh11.limit.test. A 10.9.9.9\n"
    "inclimit.test. TXT \"v=spf1 a:h1.limit.test include:limit10.test -all\"\n"
    "void.test.     TXT \"v=spf1 a:v1.void.test a:v2.void.test a:v3.void.test -all\"\n"
    "void2.test.    TXT \"v=spf1 a:v1.void.test a:v2.void.test -all\"\n"
    "mx11.test.     TXT \"v=spf1 mx -all\"\n"
    "mx11.test. MX 1 m1.mx.test.\nmx11.test. MX 2 m2.mx.test.\nmx11.test. MX 3 m3.mx.test.\n"
    "mx11.test. MX 4 m4.mx.test.\nmx11.test. MX 5 m5.mx.test.\nmx11.test. MX 6 m6.mx.test.\n"
    "mx11.test. MX 7 m7.mx.test.\nmx11.test. MX 8 m8.mx.test.\nmx11.test. MX 9 m9.mx.test.\n"
    "mx11.test. MX 10 mail1.mx.test.\nmx11.test. MX 11 mail2.mx.test.\n"
    "ptr11.test.    TXT \"v=spf1 ptr -all\"\n"
    "77.2.0.192.in-addr.arpa. PTR p1.ptr11.test.\n77.2.0.192.in-addr.arpa. PTR p2.ptr11.test.\n"
    "77.2.0.192.in-addr.arpa. PTR p3.ptr11.test.\n77.2.0.192.in-addr.arpa. PTR p4.ptr11.test.\n"
    "77.2.0.192.in-addr.arpa. PTR p5.ptr11.test.\n77.2.0.192.in-addr.arpa. PTR p6.ptr11.test.\n"
    "77.2.0.192.in-addr.arpa. PTR p7.ptr11.test.\n77.2.0.192.in-addr.arpa. PTR p8.ptr11.test.\n"
    "77.2.0.192.in-addr.arpa. PTR p9.ptr11.test.\n77.2.0.192.in-addr.arpa. PTR p10.ptr11.test.\n"
    "77.2.0.192.in-addr.arpa. PTR ok.ptr11.test.\n"
    "ok.ptr11.test. A 192.0.2.77\n"
    "ptrtemp.test.  TXT \"v=spf1 ptr -all\"\n"
    "88.2.0.192.in-addr.arpa. PTR bad.ptrtemp.test.\n"
    "88.2.0.192.in-addr.arpa. PTR good.ptrtemp.test.\n"
    "good.ptrtemp.test. A 192.0.2.88\n"
    "badincl.test.  TXT \"v=spf1 include:syntax.test -all\"\n"
    "noneincl.test. TXT \"v=spf1 include:none.test -all\"\n"
    "tempincl.test. TXT \"v=spf1 include:tmp.test -all\"\n"
    "tempa.test.    TXT \"v=spf1 a:tmp.test -all\"\n",
    /* Sender ID (RFC 4406) beside SPF */
    "sid.test.      TXT \"v=spf1 -all\"\n"
    "sid.test.      TXT \"spf2.0/mfrom,pra ip4:192.0.2.0/24 -all\"\n",
};

static struct dns_resolver *dns;
static struct spf_checker *chk;
static arena *ar;

/* tmp.test times out for every type; bad.ptrtemp.test for its addresses */
static void add_timeouts(struct dns_resolver *r)
{
    static const enum dns_type types[] = {DNS_T_TXT, DNS_T_A, DNS_T_AAAA, DNS_T_MX};
    for (size_t i = 0; i < 4; i++) {
        struct dns_answer ans = {
            .rcode = DNS_TEMPFAIL, .qname = "tmp.test", .qtype = types[i], .error = "timeout"};
        dns_add_cached(r, &ans);
        ans.qname = "bad.ptrtemp.test";
        dns_add_cached(r, &ans);
    }
}

/* big.test: 100 ip4 terms (libspf2 keeps about 63 in one record) and more */
static char *big_zone(void)
{
    size_t cap = 16384, n = 0;
    char *z = malloc(cap);
    n += (size_t)snprintf(z + n, cap - n, "big.test. TXT \"v=spf1");
    for (int i = 0; i < 100; i++)
        n += (size_t)snprintf(z + n, cap - n, " ip4:10.0.%d.0/24", i);
    n += (size_t)snprintf(z + n, cap - n, " ip4:192.0.2.77 -all\"\n");
    n += (size_t)snprintf(z + n, cap - n, "bigdns.test. TXT \"v=spf1");
    for (int i = 0; i < 60; i++)
        n += (size_t)snprintf(z + n, cap - n, " ip4:10.1.%d.0/24", i);
    n += (size_t)snprintf(z + n, cap - n, " a:host.a.test redirect=_spf.include.test\"\n");
    n += (size_t)snprintf(z + n, cap - n, "bigincl.test. TXT \"v=spf1 include:big.test -all\"\n");
    return z;
}

static int setup(void **state)
{
    (void)state;
    char err[256];
    dns = dns_new();
    char *big = big_zone();
    int rc = dns_add_zone_text(dns, big, strlen(big), "big", err, sizeof err);
    for (size_t i = 0; rc == 0 && i < sizeof zone / sizeof zone[0]; i++)
        rc = dns_add_zone_text(dns, zone[i], strlen(zone[i]), "test", err, sizeof err);
    free(big);
    if (rc != 0) {
        fprintf(stderr, "zone: %s\n", err);
        return -1;
    }
    add_timeouts(dns);
    chk = spf_checker_new(dns);
    ar = arena_new();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    spf_checker_free(chk);
    dns_free(dns);
    arena_free(ar);
    return 0;
}

struct scase {
    const char *ip, *helo, *mail_from;
    enum auth_result result;
    const char *mechanism; /* exactly, NULL: none */
    const char *problem;   /* exactly, NULL: none */
    int terms, voids;      /* -1: not checked */
};

#define P AUTH_PASS
#define F AUTH_FAIL
#define SF AUTH_SOFTFAIL
#define N AUTH_NEUTRAL
#define NO AUTH_NONE
#define TE AUTH_TEMPERROR
#define PE AUTH_PERMERROR
#define HELO "mx.example.org"

static const struct scase cases[] = {
    /* ip4 / ip6 (5.6), IPv4-mapped is IPv4 (5), /0 matches the family */
    {"192.0.2.5", HELO, "alice@ip4.test", P, "ip4:192.0.2.0/24", NULL, 0, 0},
    {"192.0.3.5", HELO, "alice@ip4.test", F, "-all", NULL, 0, 0},
    {"::ffff:192.0.2.5", HELO, "alice@ip4.test", P, "ip4:192.0.2.0/24", NULL, 0, 0},
    {"8.8.8.8", HELO, "alice@ip4zero.test", P, "ip4:198.51.100.7/0", NULL, 0, 0},
    {"2001:db8::1", HELO, "alice@ip4zero.test", F, "-all", NULL, 0, 0},
    {"2001:db8::1", HELO, "alice@ip6.test", P, "ip6:2001:db8::/32", NULL, 0, 0},
    {"2001:db9::1", HELO, "alice@ip6.test", SF, "~all", NULL, 0, 0},
    {"192.0.2.5", HELO, "alice@ip6.test", SF, "~all", NULL, 0, 0},
    {"2001:db9::5", HELO, "alice@ip6zero.test", P, "ip6:2001:db8::1/0", NULL, 0, 0},
    {"192.0.2.1", HELO, "alice@ip6zero.test", N, "?all", NULL, 0, 0},
    /* loopback gets no free pass (libspf2 would say pass) */
    {"127.0.0.1", HELO, "alice@loop.test", F, "-all", NULL, 0, 0},
    {"::1", HELO, "alice@loop.test", F, "-all", NULL, 0, 0},
    /* a (5.3): the current domain's A or AAAA, a CIDR, a/0 = any address */
    {"192.0.2.10", HELO, "alice@a.test", P, "a", NULL, 1, 0},
    {"2001:db8::10", HELO, "alice@a.test", P, "a", NULL, 1, 0},
    {"192.0.2.11", HELO, "alice@a.test", F, "-all", NULL, 1, 0},
    {"192.0.2.40", HELO, "alice@acidr.test", P, "a:host.a.test/28", NULL, 1, 0},
    {"192.0.2.48", HELO, "alice@acidr.test", F, "-all", NULL, 1, 0},
    {"8.8.8.8", HELO, "alice@azero.test", P, "a:host.a.test/0", NULL, 1, 0},
    {"2001:db8::8", HELO, "alice@azero.test", F, "-all", NULL, 1, 1}, /* no AAAA: void */
    /* mx (5.4): any address of any MX host */
    {"192.0.2.22", HELO, "alice@mx.test", P, "mx", NULL, 1, 0},
    {"2001:db8::22", HELO, "alice@mx.test", P, "mx", NULL, 1, 0},
    {"192.0.2.23", HELO, "alice@mx.test", F, "-all", NULL, 1, 0},
    {"2001:db8::99", HELO, "alice@mxzero.test", P, "mx:mx.test//0", NULL, 1, 0},
    {"192.0.2.99", HELO, "alice@mxzero.test", F, "-all", NULL, 1, 0},
    /* ptr (5.5): a validated name within the target */
    {"192.0.2.22", HELO, "alice@ptr.test", P, "ptr:mx.test", NULL, 1, 0},
    {"192.0.2.21", HELO, "alice@ptr.test", F, "-all", NULL, 1, 1}, /* no PTR: void */
    /* exists (5.7) with %{ir} */
    {"192.0.2.10", HELO, "alice@exists.test", P, "exists:%{ir}.bl.exists.test", NULL, 1, 0},
    {"192.0.2.11", HELO, "alice@exists.test", F, "-all", NULL, 1, 1},
    /* include (5.2): pass matches; neutral does not */
    {"192.0.2.5", HELO, "alice@include.test", P, "include:_spf.include.test", NULL, 1, 0},
    {"192.0.2.200", HELO, "alice@include.test", F, "-all", NULL, 1, 0},
    /* redirect (6.1): after the mechanisms; ignored when there is "all" */
    {"192.0.2.5", HELO, "alice@redirect.test", P, "redirect=_spf.include.test", NULL, 1, 0},
    {"203.0.113.1", HELO, "alice@redirect.test", P, "ip4:203.0.113.1", NULL, 0, 0},
    {"192.0.2.200", HELO, "alice@redirect.test", N, "redirect=_spf.include.test", NULL, 1, 0},
    {"192.0.2.5", HELO, "alice@rdall.test", SF, "~all", NULL, 0, 0},
    /* which of two '+' terms matched: the include, or the ip4 after it */
    {"192.0.2.5", HELO, "alice@amb.test", P, "include:_spf.include.test", NULL, 1, 0},
    {"192.0.2.200", HELO, "alice@amb.test", P, "ip4:192.0.2.0/24", NULL, 1, 0},
    /* the record is found through a CNAME */
    {"192.0.2.5", HELO, "alice@cname.test", P, "ip4:192.0.2.0/24", NULL, 0, 0},
    /* macros libspf2 cannot expand per RFC 7208: ',' delimiter, URL escape,
     * digits over 128 */
    {"192.0.2.5", HELO, "a,b@comma.test", P, "exists:%{l,}.x.comma.test", NULL, 1, 0},
    {"192.0.2.5", HELO, "a+b@upper.test", P, "exists:%{L}.u.upper.test", NULL, 1, 0},
    {"192.0.2.5", HELO, "x@digits.test", P, "exists:%{d200}.d.digits.test", NULL, 1, 0},
    {"192.0.2.5", HELO, "x@dig2.test", P, "exists:%{d2}.ok.dig2.test", NULL, 1, 0},
    /* CNAMEs on the way (libspf2's own layers abort on them) */
    {"192.0.2.33", HELO, "x@acname.test", P, "a:alias.a.test", NULL, 1, 0},
    {"192.0.2.34", HELO, "x@acname.test", F, "-all", NULL, 2, 1},
    /* %{h}: the HELO name */
    {"192.0.2.10", "a.test", "x@hmacro.test", P, "a:%{h}", NULL, 1, 0},
    {"192.0.2.10", "none.test", "x@hmacro.test", F, "-all", NULL, 1, 0},
    /* null sender: postmaster@HELO (2.4) */
    {"192.0.2.5", "helo.test", "", P, "ip4:192.0.2.5", NULL, 0, 0},
    {"192.0.2.6", "helo.test", "<>", F, "-all", NULL, 0, 0},
    /* none (4.3, 4.5) */
    {"192.0.2.5", HELO, "alice@none.test", NO, NULL, "no SPF record", 0, 0},
    {"192.0.2.5", HELO, "alice@other.test", NO, NULL, "no SPF record", 0, 0},
    {"192.0.2.5", HELO, "alice@nosuch.test", NO, NULL, "no SPF record (no such domain)", 0, 0},
    {"192.0.2.5", HELO, "alice@localhost", NO, NULL, "malformed domain 'localhost'", 0, 0},
    {"192.0.2.5", HELO, "alice@[192.0.2.5]", NO, NULL, "malformed domain '[192.0.2.5]'", 0, 0},
    {"192.0.2.5", "", "", NO, NULL, "no HELO name", 0, 0},
    /* permerror: records (4.5), syntax (4.6, 5, 7.1), limits (4.6.4) */
    {"192.0.2.5", HELO, "alice@two.test", PE, NULL, "2 SPF records", 0, 0},
    {"192.0.2.5", HELO, "alice@syntax.test", PE, NULL, "syntax error: unknown mechanism 'foo'", 0,
     0},
    {"192.0.2.5", HELO, "alice@badmacro.test", PE, NULL,
     "syntax error in 'a:%{x}.badmacro.test': unknown macro letter", 0, 0},
    {"192.0.2.5", HELO, "alice@badip.test", PE, NULL,
     "syntax error in 'ip4:10.0.0.256': invalid IPv4 network", 0, 0},
    {"192.0.2.5", HELO, "alice@badcidr.test", PE, NULL,
     "syntax error in 'a/33': invalid CIDR length", 0, 0},
    {"192.0.2.5", HELO, "alice@twice.test", PE, NULL, "syntax error: redirect= appears twice", 0,
     0},
    {"192.0.2.5", HELO, "alice@nonascii.test", PE, NULL,
     "syntax error: non-ASCII byte 0xc3 at offset 12", 0, 0},
    {"192.0.2.5", HELO, "alice@tab.test", PE, NULL,
     "syntax error: control character 0x09 at offset 8", 0, 0},
    {"192.0.2.5", HELO, "alice@limit.test", PE, NULL, "more than 10 DNS-querying terms", 11, 0},
    {"192.0.2.5", HELO, "alice@limit10.test", P, "ip4:192.0.2.5", NULL, 10, 0},
    {"192.0.2.5", HELO, "alice@inclimit.test", PE, NULL, "more than 10 DNS-querying terms", 11, 0},
    {"192.0.2.5", HELO, "alice@void.test", PE, NULL, "more than 2 void lookups", 3, 3},
    {"192.0.2.5", HELO, "alice@void2.test", F, "-all", NULL, 2, 2},
    {"192.0.2.22", HELO, "alice@mx11.test", PE, NULL, "more than 10 MX records for mx11.test", 1,
     0},
    {"192.0.2.77", HELO, "alice@ptr11.test", F, "-all", NULL, 1, 0},  /* 11th PTR ignored */
    {"192.0.2.88", HELO, "alice@ptrtemp.test", P, "ptr", NULL, 1, 0}, /* timeout skipped */
    {"192.0.2.5", HELO, "alice@badincl.test", PE, NULL,
     "include:syntax.test: syntax error: unknown mechanism 'foo'", 1, 0},
    {"192.0.2.5", HELO, "alice@noneincl.test", PE, NULL, "include:none.test: no SPF record", 1, 0},
    /* temperror */
    {"192.0.2.5", HELO, "alice@tmp.test", TE, NULL,
     "DNS temporary failure for tmp.test TXT: timeout", 0, 0},
    {"192.0.2.5", HELO, "alice@tempincl.test", TE, NULL,
     "DNS temporary failure for tmp.test TXT: timeout", 1, 0},
    {"192.0.2.5", HELO, "alice@tempa.test", TE, NULL,
     "DNS temporary failure for tmp.test A: timeout", 1, 0},
    /* long records, cut into chunks for libspf2 */
    {"192.0.2.77", HELO, "alice@big.test", P, "ip4:192.0.2.77", NULL, 0, 0},
    {"10.0.99.1", HELO, "alice@big.test", P, "ip4:10.0.99.0/24", NULL, 0, 0},
    {"10.0.0.1", HELO, "alice@big.test", P, "ip4:10.0.0.0/24", NULL, 0, 0},
    {"192.0.2.78", HELO, "alice@big.test", F, "-all", NULL, 0, 0},
    {"10.0.64.1", HELO, "alice@bigincl.test", P, "include:big.test", NULL, 1, 0},
    {"192.0.2.78", HELO, "alice@bigincl.test", F, "-all", NULL, 1, 0},
    {"192.0.2.33", HELO, "alice@bigdns.test", P, "a:host.a.test", NULL, 1, 0},
    {"192.0.2.5", HELO, "alice@bigdns.test", P, "redirect=_spf.include.test", NULL, 2, 0},
};

static void run_case(size_t i, const struct scase *c)
{
    struct spf_request req = {.ip = c->ip, .helo = c->helo, .mail_from = c->mail_from, .now = NOW};
    struct spf_result r;
    arena_reset(ar);
    spf_check(chk, ar, &req, &r);
    if (r.result != c->result ||
        (c->mechanism ? !r.mechanism || strcmp(r.mechanism, c->mechanism) : r.mechanism != NULL) ||
        (c->problem ? !r.problem || strcmp(r.problem, c->problem) : r.problem != NULL) ||
        (c->terms >= 0 && r.dns_terms != (unsigned)c->terms) ||
        (c->voids >= 0 && r.void_lookups != (unsigned)c->voids)) {
        print_error("case %zu (%s %s): got %s mechanism=%s problem=%s terms=%u voids=%u\n", i,
                    c->ip, c->mail_from, auth_result_name(r.result),
                    r.mechanism ? r.mechanism : "-", r.problem ? r.problem : "-", r.dns_terms,
                    r.void_lookups);
        fail();
    }
    assert_non_null(r.received_spf);
    assert_non_null(r.comment);
    if (r.result != AUTH_FAIL) assert_null(r.explanation);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(i, &cases[i]);
    /* everything again, now from the compiled-record cache */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(i, &cases[i]);
}

static struct spf_result check(const char *ip, const char *helo, const char *mail_from)
{
    struct spf_request req = {.ip = ip, .helo = helo, .mail_from = mail_from, .now = NOW};
    struct spf_result r;
    spf_check(chk, ar, &req, &r);
    return r;
}

/* exp= (6.2) expanded with the macros of 7.3 */
static void test_explanation(void **state)
{
    (void)state;
    struct spf_result r = check("192.0.2.99", HELO, "alice@exp.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.explanation, "192.0.2.99 is not one of exp.test's senders "
                                       "(alice@exp.test alice exp.test mx.example.org in-addr) "
                                       "a%b c%20d");
    /* redirect=: the target's exp=, not the original's; strings glued */
    r = check("192.0.2.99", HELO, "alice@rdexp.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.explanation, "Not from 192.0.2.99.");
    assert_string_equal(r.mechanism, "redirect=exp2.test");
    /* a syntax error in the explanation: none, still fail */
    r = check("192.0.2.99", HELO, "alice@badexp.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_null(r.explanation);
    /* the record's exp= is only for fail */
    r = check("192.0.2.5", HELO, "alice@ip4.test");
    assert_null(r.explanation);
}

/* every macro letter and transformer (7.3), worked out by hand:
 * d = macro.test, l = a.b-c+d, i = 192.0.2.99, validated PTR host.macro.test */
static void test_macros(void **state)
{
    (void)state;
    struct spf_result r = check("192.0.2.99", HELO, "a.b-c+d@macro.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.explanation,
                        "macro.test|test.macro|macro|a.b.c+d|c+d|c+d.a.b|a.b.c.d|a.b-c%2Bd|"
                        "99.2.0.192|2.99|a.b-c%2Bd%40macro.test|host.macro.test|192.0.2.99|"
                        "1700000000|mailaudit");
    /* %{p} with no PTR record: "unknown" (the case above validated) */
    r = check("192.0.2.98", HELO, "x@macro.test");
    assert_non_null(strstr(r.explanation, "|unknown|192.0.2.98|"));
    /* IPv6: %{i} is 32 dot-separated nibbles, %{v} "ip6", %{c} the usual form */
    r = check("2001:db8::1", HELO, "x@macro6.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.explanation,
                        "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1|"
                        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2|"
                        "ip6|2001:db8::1");
}

static void test_identities(void **state)
{
    (void)state;
    struct spf_result r = check("192.0.2.5", HELO, "Alice@IP4.test.");
    assert_int_equal(r.result, AUTH_PASS);
    assert_string_equal(r.domain, "IP4.test");
    assert_string_equal(r.sender, "Alice@IP4.test");
    assert_string_equal(r.ip, "192.0.2.5");
    assert_string_equal(r.record, "v=spf1 ip4:192.0.2.0/24 -all");
    /* null sender: postmaster@HELO */
    r = check("::ffff:192.0.2.5", "helo.test", "");
    assert_int_equal(r.identity, SPF_ID_MAILFROM);
    assert_string_equal(r.sender, "postmaster@helo.test");
    assert_string_equal(r.domain, "helo.test");
    assert_string_equal(r.ip, "192.0.2.5");
    /* no local-part: postmaster (4.3) */
    r = check("192.0.2.5", HELO, "@ip4.test");
    assert_string_equal(r.sender, "postmaster@ip4.test");
    /* the HELO identity */
    struct spf_request req = {.ip = "192.0.2.5",
                              .helo = "helo.test",
                              .mail_from = "bob@ip4.test",
                              .identity = SPF_ID_HELO};
    spf_check(chk, ar, &req, &r);
    assert_int_equal(r.result, AUTH_PASS);
    assert_int_equal(r.identity, SPF_ID_HELO);
    assert_string_equal(r.sender, "postmaster@helo.test");
    /* not an IP address */
    req.ip = "192.0.2.300";
    assert_int_equal(spf_check(chk, ar, &req, &r), -1);
    assert_int_equal(r.result, AUTH_NONE);
    assert_string_equal(r.problem, "not an IP address: '192.0.2.300'");
}

static void test_both(void **state)
{
    (void)state;
    struct spf_request req = {.ip = "192.0.2.6", .helo = "helo.test", .mail_from = "x@ip4.test"};
    struct spf_result h, m;
    assert_int_equal(spf_check_both(chk, ar, &req, &h, &m), 0);
    assert_int_equal(h.identity, SPF_ID_HELO);
    assert_int_equal(h.result, AUTH_FAIL);
    assert_int_equal(m.identity, SPF_ID_MAILFROM);
    assert_int_equal(m.result, AUTH_PASS);
    /* null sender: MAIL FROM is the HELO verdict */
    req.mail_from = "";
    req.ip = "192.0.2.5";
    spf_check_both(chk, ar, &req, &h, &m);
    assert_int_equal(h.result, AUTH_PASS);
    assert_int_equal(m.result, AUTH_PASS);
    assert_int_equal(m.identity, SPF_ID_MAILFROM);
    assert_string_equal(m.sender, "postmaster@helo.test");
    assert_non_null(strstr(m.received_spf, "identity=mailfrom;"));
    assert_non_null(strstr(h.received_spf, "identity=helo;"));
}

static void test_received_spf(void **state)
{
    (void)state;
    struct spf_result r = check("192.0.2.5", HELO, "alice@ip4.test");
    assert_string_equal(
        r.comment, "mailaudit: domain of alice@ip4.test designates 192.0.2.5 as permitted sender");
    assert_string_equal(
        r.received_spf,
        "Received-SPF: pass (mailaudit: domain of alice@ip4.test designates "
        "192.0.2.5 as permitted sender) client-ip=192.0.2.5; "
        "envelope-from=\"alice@ip4.test\"; helo=mx.example.org; receiver=mailaudit; "
        "identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";");
    r = check("192.0.2.5", HELO, "alice@void.test");
    assert_string_equal(
        r.received_spf,
        "Received-SPF: permerror (mailaudit: permanent error in processing during "
        "lookup of alice@void.test: more than 2 void lookups) client-ip=192.0.2.5; "
        "envelope-from=\"alice@void.test\"; helo=mx.example.org; receiver=mailaudit; "
        "identity=mailfrom; problem=\"more than 2 void lookups\";");
    spf_checker_set_receiver(chk, "mx.receiver.example");
    r = check("192.0.3.1", HELO, "alice@ip4.test");
    assert_string_equal(r.comment, "mx.receiver.example: domain of alice@ip4.test does not "
                                   "designate 192.0.3.1 as permitted sender");
    spf_checker_set_receiver(chk, NULL);
}

static void test_sender_id(void **state)
{
    (void)state;
    const char *rec, *scopes;
    assert_int_equal(spf_sender_id(chk, ar, "sid.test", &rec, &scopes), DNS_OK);
    assert_string_equal(rec, "spf2.0/mfrom,pra ip4:192.0.2.0/24 -all");
    assert_string_equal(scopes, "mfrom,pra");
    assert_int_equal(spf_sender_id(chk, ar, "ip4.test", &rec, &scopes), DNS_OK);
    assert_null(rec);
    assert_int_equal(spf_sender_id(chk, ar, "nosuch.test", &rec, &scopes), DNS_NXDOMAIN);
    /* a check notes it too, and SPF alone decides */
    struct spf_result r = check("192.0.2.5", HELO, "x@sid.test");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_string_equal(r.sender_id, "spf2.0/mfrom,pra ip4:192.0.2.0/24 -all");
}

static void test_no_dns_source(void **state)
{
    (void)state;
    struct dns_resolver *none = dns_new();
    struct spf_checker *c = spf_checker_new(none);
    struct spf_request req = {.ip = "192.0.2.5", .helo = HELO, .mail_from = "a@ip4.test"};
    struct spf_result r;
    spf_check(c, ar, &req, &r);
    assert_int_equal(r.result, AUTH_TEMPERROR);
    assert_string_equal(r.problem, "no DNS source");
    spf_checker_free(c);
    dns_free(none);
}

static void test_libspf2_mapping(void **state)
{
    (void)state;
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_PASS, 0), AUTH_PASS);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_FAIL, 0), AUTH_FAIL);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_SOFTFAIL, 0), AUTH_SOFTFAIL);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_NEUTRAL, 0), AUTH_NEUTRAL);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_NONE, 0), AUTH_NONE);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_TEMPERROR, 0), AUTH_TEMPERROR);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_PERMERROR, 0), AUTH_PERMERROR);
    /* INVALID: a TXT lookup that got TRY_AGAIN vs a record that does not compile */
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_INVALID, SPF_E_DNS_ERROR), AUTH_TEMPERROR);
    assert_int_equal(spf_result_from_libspf2(SPF_RESULT_INVALID, SPF_E_SYNTAX), AUTH_PERMERROR);
    assert_int_equal(spf_result_from_libspf2(42, 0), AUTH_PERMERROR);
    assert_string_equal(spf_identity_name(SPF_ID_HELO), "helo");
    assert_string_equal(spf_identity_name(SPF_ID_MAILFROM), "mailfrom");
}

/* Records made here: each one given as the only record of its domain. */
static struct spf_result check_record(const char *record, const char *ip)
{
    static int n;
    char name[64], err[256];
    snprintf(name, sizeof name, "r%d.gen.test", n++);
    char *z = arena_printf(ar, "%s. TXT \"%s\"\n", name, record);
    assert_int_equal(dns_add_zone_text(dns, z, strlen(z), "gen", err, sizeof err), 0);
    return check(ip, HELO, arena_printf(ar, "x@%s", name));
}

#define LONG10 "abcdefghij"
#define LONG100 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10
#define ESC10 "%-%-%-%-%-%-%-%-%-%-"
#define ESC100 ESC10 ESC10 ESC10 ESC10 ESC10 ESC10 ESC10 ESC10 ESC10 ESC10

/* RFC 7208 syntax corner cases (4.6.1, 7.1, 12) */
static void test_syntax(void **state)
{
    (void)state;
    static const struct {
        const char *record;
        enum auth_result result;
    } t[] = {
        {"v=spf1", AUTH_NEUTRAL},
        {"v=spf1   ip4:192.0.2.5   ", AUTH_PASS},
        {"V=SPF1 IP4:192.0.2.5", AUTH_PASS},
        {"v=spf1 unknown-mod=%{l}.x ip4:192.0.2.5", AUTH_PASS},
        {"v=spf1 foo=%{c}%{r}%{t} ip4:192.0.2.5", AUTH_PASS}, /* modifiers: syntax only */
        {"v=spf1 foo=%{q}", AUTH_PERMERROR},
        {"v=spf1 -redirect=a.test", AUTH_PERMERROR},
        {"v=spf1 a:%{d0}.test", AUTH_PERMERROR},
        {"v=spf1 a:%{dr}", AUTH_NEUTRAL},    /* ends with a macro */
        {"v=spf1 a:x.%{d}%%", AUTH_NEUTRAL}, /* "%%" is a macro-expand */
        {"v=spf1 a:x.123", AUTH_PERMERROR},  /* numeric top label */
        {"v=spf1 a:x.1-2 -all", AUTH_FAIL},  /* "1-2" is a top label */
        {"v=spf1 a:x.-a", AUTH_PERMERROR},
        {"v=spf1 exists:%{c}.test", AUTH_PERMERROR}, /* c only in explanations */
        {"v=spf1 ip4:192.0.2.5/032", AUTH_PERMERROR},
        {"v=spf1 ip4:192.0.02.5", AUTH_PERMERROR},
        {"v=spf1 ip6:2001:db8::/129", AUTH_PERMERROR},
        {"v=spf1 ip4:192.0.2.0/24/", AUTH_PERMERROR},
        {"v=spf1 mx//0/1", AUTH_PERMERROR},
        {"v=spf1 ?all -all", AUTH_NEUTRAL},
        {"v=spf1 ip4:192.0.2.5 exp=", AUTH_PERMERROR},
        {"v=spf1 -all moo", AUTH_PERMERROR}, /* after "all" still checked (4.6) */
        /* libspf2 refuses these, or expands them wrongly: we expand them */
        {"v=spf1 exists:%{iR}.bl.exists.test -all", AUTH_PASS},
        {"v=spf1 a:" LONG100 "%%" LONG100 "%_" LONG100 ".test -all", AUTH_FAIL},
        {"v=spf1 a:" ESC100 ".test -all", AUTH_FAIL}, /* 300-byte literal for libspf2 */
        {"v=spf1 a:%{l}" LONG100 LONG100 LONG100 ".test -all", AUTH_FAIL},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct spf_result r = check_record(t[i].record, "192.0.2.5");
        if (r.result != t[i].result) {
            print_error("'%s': %s (%s)\n", t[i].record, auth_result_name(r.result),
                        r.problem ? r.problem : "");
            fail();
        }
    }
}

/* Names we expand ourselves reach libspf2 as references: a 250-byte name
 * with a /0 (a tag would make it longer than libspf2 takes) still works. */
static void test_long_names(void **state)
{
    (void)state;
#define L60 LONG10 LONG10 LONG10 LONG10 LONG10 LONG10
    static const char host[] = "x." L60 "." L60 "." L60 "." L60 ".test. A 10.0.0.1\n";
    char err[256];
    assert_int_equal(dns_add_zone_text(dns, host, sizeof host - 1, "long", err, sizeof err), 0);
    struct spf_result r =
        check_record("v=spf1 a:%{L}." L60 "." L60 "." L60 "." L60 ".test/0 -all", "192.0.2.5");
    assert_int_equal(r.result, AUTH_PASS);
    r = check_record("v=spf1 exists:%{L}." L60 "." L60 "." L60 "." L60 ".test -all", "192.0.2.5");
    assert_int_equal(r.result, AUTH_PASS);
    /* a label over 63 bytes: no such name, a void lookup */
    r = check_record("v=spf1 a:%{L}" L60 L60 ".test/0 -all", "192.0.2.5");
    assert_int_equal(r.result, AUTH_FAIL);
    assert_int_equal(r.void_lookups, 1);
#undef L60
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_explanation),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_identities),
        cmocka_unit_test(test_both),
        cmocka_unit_test(test_received_spf),
        cmocka_unit_test(test_sender_id),
        cmocka_unit_test(test_no_dns_source),
        cmocka_unit_test(test_libspf2_mapping),
        cmocka_unit_test(test_syntax),
        cmocka_unit_test(test_long_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
