/* Unit tests for dns/zone.c and dns/resolver.c. Expected values worked out
 * by hand: TXT bytes after escapes (\059 is ';', \255 is 0xff), TTL units
 * (1h30m = 5400), reverse names nibble by nibble. No live DNS: the network
 * is never touched (dns_set_online is only ever called with false). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns/dns.h"
#include "dns/zone.h"

#define S(lit) lit, sizeof(lit) - 1
#define MAXREC 8
#define LEN_STR ((size_t)-1) /* expected len = strlen(text) */

/* ---- zone_parse ---- */

struct zrec {
    const char *owner;
    int type;
    uint32_t ttl;
    uint16_t pref;
    const char *text;
    size_t len;
};

struct zcase {
    const char *name;
    const char *in;
    size_t in_len;
    size_t n;
    struct zrec r[3]; /* the first records expected */
};

static const struct zcase zcases[] = {
    {"dig line",
     S("example.com. 300 IN TXT \"v=spf1 -all\"\n"),
     1,
     {{"example.com", DNS_T_TXT, 300, 0, "v=spf1 -all", LEN_STR}}},
    {"class before ttl",
     S("a.example. IN 60 A 192.0.2.1\n"),
     1,
     {{"a.example", DNS_T_A, 60, 0, "192.0.2.1", LEN_STR}}},
    {"ttl before class",
     S("a.example. 60 IN A 192.0.2.1"),
     1,
     {{"a.example", DNS_T_A, 60, 0, "192.0.2.1", LEN_STR}}},
    {"no ttl no class",
     S("a.example. A 192.0.2.1\n"),
     1,
     {{"a.example", DNS_T_A, 0, 0, "192.0.2.1", LEN_STR}}},
    {"class only", S("a. IN A 192.0.2.1\n"), 1, {{"a", DNS_T_A, 0, 0, "192.0.2.1", LEN_STR}}},
    {"CLASS1 is IN", S("a. CLASS1 A 192.0.2.1\n"), 1, {{"a", DNS_T_A, 0, 0, "192.0.2.1", LEN_STR}}},
    {"CH and HS skipped",
     S("version.bind. CH TXT \"9.18\"\nh. 5 HS A 192.0.2.1\nk. A 192.0.2.2\n"),
     1,
     {{"k", DNS_T_A, 0, 0, "192.0.2.2", LEN_STR}}},
    {"ttl units",
     S("a. 1h30m A 192.0.2.1\nb. 1W A 192.0.2.2\nc. 2147483647 A 192.0.2.3\n"),
     3,
     {{"a", DNS_T_A, 5400, 0, "192.0.2.1", LEN_STR},
      {"b", DNS_T_A, 604800, 0, "192.0.2.2", LEN_STR},
      {"c", DNS_T_A, 2147483647u, 0, "192.0.2.3", LEN_STR}}},
    {"multi-string TXT concatenated",
     S("sel._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p=AB\" \"CD\"\n"),
     1,
     {{"sel._domainkey.example.com", DNS_T_TXT, 300, 0, "v=DKIM1; k=rsa; p=ABCD", 22}}},
    {"unquoted words are strings",
     S("t. TXT hello world\n"),
     1,
     {{"t", DNS_T_TXT, 0, 0, "helloworld", 10}}},
    {"escapes in TXT",
     S("t. TXT \"a\\\"b\\\\c\\059d\\255\" \\x\n"),
     1,
     {{"t", DNS_T_TXT, 0, 0, "a\"b\\c;d\xffx", 9}}},
    {"NUL by \\000", S("t. TXT \"x\\000y\"\n"), 1, {{"t", DNS_T_TXT, 0, 0, "x\0y", 3}}},
    {"escaped space in a word", S("t. TXT a\\ b\n"), 1, {{"t", DNS_T_TXT, 0, 0, "a b", 3}}},
    {"empty TXT", S("t. TXT \"\"\n"), 1, {{"t", DNS_T_TXT, 0, 0, "", 0}}},
    {"semicolon inside quotes",
     S("_dmarc.example.com. TXT \"v=DMARC1; p=none\" ; a comment \"x\"\n"),
     1,
     {{"_dmarc.example.com", DNS_T_TXT, 0, 0, "v=DMARC1; p=none", 16}}},
    {"comments and blank lines",
     S("; header\n\n   \n\t; indented comment\na. A 192.0.2.1 ; trailing\n"),
     1,
     {{"a", DNS_T_A, 0, 0, "192.0.2.1", LEN_STR}}},
    {"parentheses across lines",
     S("t.example. 300 IN TXT ( \"part1\" ; first\n  \"part2\" ) ; end\nu.example. A 192.0.2.9\n"),
     2,
     {{"t.example", DNS_T_TXT, 300, 0, "part1part2", 10},
      {"u.example", DNS_T_A, 300, 0, "192.0.2.9", LEN_STR}}},
    {"SOA kept as text",
     S("ex. 3600 IN SOA ns1.ex. host.ex. (\n  2024010101 ; serial\n  7200 3600 1209600 300 "
       ")\n"),
     1,
     {{"ex", DNS_T_SOA, 3600, 0, "ns1.ex. host.ex. 2024010101 7200 3600 1209600 300", LEN_STR}}},
    {"$ORIGIN, @ and relative names",
     S("$ORIGIN Example.COM.\nwww 60 A 192.0.2.1\n@ 60 MX 10 mail\n$ORIGIN sub\nx 60 CNAME "
       "@\n"),
     3,
     {{"www.example.com", DNS_T_A, 60, 0, "192.0.2.1", LEN_STR},
      {"example.com", DNS_T_MX, 60, 10, "mail.example.com", LEN_STR},
      {"x.sub.example.com", DNS_T_CNAME, 60, 0, "sub.example.com", LEN_STR}}},
    {"$TTL default",
     S("$TTL 1h\na. A 192.0.2.1\nb. 30 A 192.0.2.2\nc. A 192.0.2.3\n"),
     3,
     {{"a", DNS_T_A, 3600, 0, "192.0.2.1", LEN_STR},
      {"b", DNS_T_A, 30, 0, "192.0.2.2", LEN_STR},
      {"c", DNS_T_A, 3600, 0, "192.0.2.3", LEN_STR}}},
    {"previous TTL without $TTL",
     S("a. 30 A 192.0.2.1\nb. A 192.0.2.2\n"),
     2,
     {{"a", DNS_T_A, 30, 0, "192.0.2.1", LEN_STR}, {"b", DNS_T_A, 30, 0, "192.0.2.2", LEN_STR}}},
    {"blank owner is the previous owner",
     S("a.example. 60 A 192.0.2.1\n; between\n\t60 AAAA 2001:DB8::1\n"),
     2,
     {{"a.example", DNS_T_A, 60, 0, "192.0.2.1", LEN_STR},
      {"a.example", DNS_T_AAAA, 60, 0, "2001:db8::1", LEN_STR}}},
    {"CRLF",
     S("a. A 192.0.2.1\r\nb. TXT \"x\"\r\n"),
     2,
     {{"a", DNS_T_A, 0, 0, "192.0.2.1", LEN_STR}, {"b", DNS_T_TXT, 0, 0, "x", 1}}},
    {"AAAA canonical",
     S("a. AAAA 2001:0DB8:0000:0000:0000:0000:0000:0001\nb. AAAA ::FFFF:192.0.2.1\n"),
     2,
     {{"a", DNS_T_AAAA, 0, 0, "2001:db8::1", LEN_STR},
      {"b", DNS_T_AAAA, 0, 0, "::ffff:192.0.2.1", LEN_STR}}},
    {"MX and null MX",
     S("ex. MX 10 Mail.Example.COM.\nnull.ex. MX 0 .\n"),
     2,
     {{"ex", DNS_T_MX, 0, 10, "mail.example.com", LEN_STR}, {"null.ex", DNS_T_MX, 0, 0, "", 0}}},
    {"names lowercased, trailing dot removed",
     S("WWW.Example.COM. CNAME Host.Example.NET.\n"),
     1,
     {{"www.example.com", DNS_T_CNAME, 0, 0, "host.example.net", LEN_STR}}},
    {"relative name without $ORIGIN is absolute",
     S("www.example.com 60 A 192.0.2.1\n"),
     1,
     {{"www.example.com", DNS_T_A, 60, 0, "192.0.2.1", LEN_STR}}},
    {"PTR, NS, SPF",
     S("10.2.0.192.in-addr.arpa. PTR mail.example.com.\nex. NS ns1.ex.\nex. SPF \"v=spf1 "
       "-all\"\n"),
     3,
     {{"10.2.0.192.in-addr.arpa", DNS_T_PTR, 0, 0, "mail.example.com", LEN_STR},
      {"ex", DNS_T_NS, 0, 0, "ns1.ex", LEN_STR},
      {"ex", DNS_T_SPF, 0, 0, "v=spf1 -all", LEN_STR}}},
    {"unknown types kept as text",
     S("ex. CAA 0 issue \"letsencrypt.org\"\nex. TYPE65400 \\# 2 abcd\nex. TYPE16 \"x\"\n"),
     3,
     {{"ex", 257, 0, 0, "0 issue \"letsencrypt.org\"", LEN_STR},
      {"ex", 65400, 0, 0, "\\# 2 abcd", LEN_STR},
      {"ex", DNS_T_TXT, 0, 0, "x", 1}}},
    {"control bytes of unknown types written as \\DDD",
     S("ex. TYPE65401 \"a\\001\tb\" c\x01\n"),
     1,
     {{"ex", 65401, 0, 0, "\"a\\001\\009b\" c\\001", LEN_STR}}},
    {"escapes in names",
     S("a\\.b.example. TXT x\n\\065BC.example. TXT y\na\\ b. TXT z\n"),
     3,
     {{"a\\.b.example", DNS_T_TXT, 0, 0, "x", 1},
      {"abc.example", DNS_T_TXT, 0, 0, "y", 1},
      {"a\\032b", DNS_T_TXT, 0, 0, "z", 1}}},
    {"root owner",
     S(". NS a.root-servers.net.\n"),
     1,
     {{"", DNS_T_NS, 0, 0, "a.root-servers.net", LEN_STR}}},
    {"NUL byte inside a word", S("t. TXT x\0y\n"), 1, {{"t", DNS_T_TXT, 0, 0, "x\0y", 3}}},
    {"empty input", S(""), 0, {{0}}},
    {"only comments", S("; nothing\n;; here\n"), 0, {{0}}},
};

struct collected {
    struct zone_record v[MAXREC];
    size_t n;
    int stop_at; /* return 7 from the callback at this record (1-based), 0 never */
};

static int collect(void *ctx, const struct zone_record *rec)
{
    struct collected *c = ctx;
    if (c->n < MAXREC) c->v[c->n] = *rec;
    c->n++;
    return c->stop_at && (int)c->n == c->stop_at ? 7 : 0;
}

static void test_zone_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof zcases / sizeof zcases[0]; i++) {
        const struct zcase *zc = &zcases[i];
        arena *a = arena_new();
        struct collected c = {0};
        char err[256] = "";
        int rc = zone_parse(a, zc->in, zc->in_len, collect, &c, err, sizeof err);
        if (rc != 0 || c.n != zc->n) fail_msg("%s: rc %d n %zu err '%s'", zc->name, rc, c.n, err);
        assert_string_equal(err, "");
        for (size_t k = 0; k < zc->n && k < 3; k++) {
            const struct zrec *w = &zc->r[k];
            const struct zone_record *g = &c.v[k];
            size_t want_len = w->len == LEN_STR ? strlen(w->text) : w->len;
            if (strcmp(g->owner, w->owner) != 0 || (int)g->rr.type != w->type ||
                g->rr.ttl != w->ttl || g->rr.pref != w->pref || g->rr.len != want_len ||
                memcmp(g->rr.text, w->text, want_len) != 0 || g->rr.text[want_len] != '\0')
                fail_msg("%s: record %zu: got '%s' type %d ttl %u pref %u '%s' (%zu)", zc->name, k,
                         g->owner, (int)g->rr.type, g->rr.ttl, g->rr.pref, g->rr.text, g->rr.len);
        }
        arena_free(a);
    }
}

static void test_zone_addr_bytes(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct collected c = {0};
    const char z[] = "a. A 192.0.2.1\nb. AAAA 2001:db8::1\nc. TXT x\n";
    assert_int_equal(zone_parse(a, z, sizeof z - 1, collect, &c, NULL, 0), 0);
    assert_int_equal(c.n, 3);
    const unsigned char v4[16] = {192, 0, 2, 1};
    const unsigned char v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    const unsigned char zero[16] = {0};
    assert_memory_equal(c.v[0].rr.addr, v4, 16);
    assert_memory_equal(c.v[1].rr.addr, v6, 16);
    assert_memory_equal(c.v[2].rr.addr, zero, 16);
    arena_free(a);
}

struct ecase {
    const char *name;
    const char *in;
    size_t in_len;
    const char *err; /* exact "line N: ..." prefix expected */
};

static const struct ecase ecases[] = {
    {"unterminated quote", S("a. A 192.0.2.1\nb. TXT \"abc\nc. A 192.0.2.2\n"),
     "line 2: unterminated quoted string"},
    {"huge TTL", S("a. 4294967296 A 192.0.2.1\n"), "line 1: bad TTL '4294967296'"},
    {"TTL one over 2^31-1", S("a. 2147483648 A 192.0.2.1\n"), "line 1: bad TTL"},
    {"TTL unit overflow", S("a. 9999999w A 192.0.2.1\n"), "line 1: bad TTL"},
    {"bad unit", S("a. 5x A 192.0.2.1\n"), "line 1: bad TTL '5x'"},
    {"stray )", S("a. A 192.0.2.1 )\n"), "line 1: unbalanced parentheses"},
    {"( never closed", S("ok. A 192.0.2.1\na. TXT ( \"x\"\n\"y\"\n"),
     "line 2: unbalanced parentheses: '(' never closed"},
    {"nested (", S("a. ( TXT ( x ) )\n"), "line 1: nested parentheses"},
    {"line number after comments and parentheses", S("; c\n\nx. TXT (\n\"a\"\n)\nbad line here\n"),
     "line 6: unknown type 'line'"},
    {"unknown type", S("a. 60 IN FOO x\n"), "line 1: unknown type 'FOO'"},
    {"missing type", S("a. 60 IN\n"), "line 1: missing type"},
    {"two TTLs", S("a. 60 60 A 192.0.2.1\n"), "line 1: two TTLs"},
    {"two classes", S("a. IN IN A 192.0.2.1\n"), "line 1: two classes"},
    {"bad IPv4", S("a. A 300.1.1.1\n"), "line 1: bad IPv4 address '300.1.1.1'"},
    {"bad IPv6", S("a. AAAA 2001:db8::g\n"), "line 1: bad IPv6 address"},
    {"A without rdata", S("a. A\n"), "line 1: A record: missing rdata"},
    {"A with trailing garbage", S("a. A 192.0.2.1 extra\n"),
     "line 1: A record: unexpected 'extra' after the rdata"},
    {"MX without target", S("a. MX 10\n"), "line 1: MX record: missing rdata"},
    {"MX pref too big", S("a. MX 65536 b.\n"), "line 1: bad MX preference '65536'"},
    {"TXT without rdata", S("a. TXT\n"), "line 1: TXT record without rdata"},
    {"bad \\DDD over 255", S("a. TXT \"\\300\"\n"), "line 1: bad escape in TXT string"},
    {"short \\DD", S("a. TXT \"\\12\"\n"), "line 1: bad escape in TXT string"},
    {"backslash at end", S("a. TXT x\\"), "line 1: backslash at end of line"},
    {"quoted owner", S("\"a\" A 192.0.2.1\n"), "line 1: quoted string where a name is expected"},
    {"blank owner on the first record", S("  A 192.0.2.1\n"), "line 1: no owner name"},
    {"@ without $ORIGIN", S("@ A 192.0.2.1\n"), "line 1: '@' used without $ORIGIN"},
    {"empty label", S("a..b. A 192.0.2.1\n"), "line 1: empty label: 'a..b.'"},
    {"empty label in target", S("a. CNAME .b.\n"), "line 1: empty label"},
    {"$INCLUDE", S("$INCLUDE other.zone\n"), "line 1: unsupported directive '$INCLUDE'"},
    {"bad $TTL", S("$TTL abc\n"), "line 1: bad TTL 'abc'"},
    {"$ORIGIN without name", S("$ORIGIN\n"), "line 1: $ORIGIN takes one name"},
    {"generic rdata for A", S("a. A \\# 4 c0000201\n"),
     "line 1: generic rdata (\\#) not supported for A"},
    {"binary garbage", S("\x01\x02\xff\n"), "line 1: missing type"},
};

static void test_zone_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof ecases / sizeof ecases[0]; i++) {
        const struct ecase *ec = &ecases[i];
        arena *a = arena_new();
        struct collected c = {0};
        char err[256] = "";
        int rc = zone_parse(a, ec->in, ec->in_len, collect, &c, err, sizeof err);
        if (rc != -1 || strncmp(err, ec->err, strlen(ec->err)) != 0)
            fail_msg("%s: rc %d err '%s', want '%s'", ec->name, rc, err, ec->err);
        arena_free(a);
    }
}

/* A zone text "OWNER A 192.0.2.1\n" with OWNER of n labels of `lab` bytes. */
static int parse_name_of(size_t labels, size_t lab, size_t last, char *err, size_t errlen)
{
    char z[1200];
    size_t o = 0;
    for (size_t l = 0; l < labels; l++) {
        size_t n = l + 1 == labels ? last : lab;
        memset(z + o, 'a', n);
        o += n;
        z[o++] = '.';
    }
    memcpy(z + o, " A 192.0.2.1\n", 13);
    o += 13;
    arena *a = arena_new();
    struct collected c = {0};
    int rc = zone_parse(a, z, o, collect, &c, err, errlen);
    arena_free(a);
    return rc;
}

static void test_zone_name_limits(void **state)
{
    (void)state;
    char err[256];
    assert_int_equal(parse_name_of(1, 63, 63, err, sizeof err), 0);
    assert_int_equal(parse_name_of(1, 64, 64, err, sizeof err), -1);
    assert_string_equal(err, "line 1: label over 63 bytes: "
                             "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
    /* 63+63+63+61 bytes and 3 dots = 253: the longest name */
    assert_int_equal(parse_name_of(4, 63, 61, err, sizeof err), 0);
    assert_int_equal(parse_name_of(4, 63, 62, err, sizeof err), -1);
    assert_non_null(strstr(err, "name over 253 bytes"));
    /* $ORIGIN pushes a relative name over the limit */
    const char z[] = "$ORIGIN "
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb."
                     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.\n"
                     "x A 192.0.2.1\n" /* 1 + 1 + 191 = 193 bytes: fine */
                     "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc A 192.0.2.1\n";
    arena *a = arena_new();
    struct collected c = {0};
    assert_int_equal(zone_parse(a, z, sizeof z - 1, collect, &c, err, sizeof err), -1);
    assert_int_equal(c.n, 1);
    assert_string_equal(err, "line 3: name over 253 bytes with $ORIGIN: "
                             "'cccccccccccccccccccccccccccccccccccccccc...'");
    arena_free(a);
}

static void test_zone_ceilings(void **state)
{
    (void)state;
    arena *a = arena_new();
    char err[256];
    /* a TXT record of exactly DNS_MAX_TXT bytes, then one more */
    size_t len = 7 + DNS_MAX_TXT + 1;
    char *z = malloc(len + 1);
    memcpy(z, "t. TXT ", 7);
    memset(z + 7, 'x', DNS_MAX_TXT + 1);
    struct collected c = {0};
    assert_int_equal(zone_parse(a, z, len - 1, collect, &c, err, sizeof err), 0);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.v[0].rr.len, DNS_MAX_TXT);
    assert_int_equal(zone_parse(a, z, len, collect, &c, err, sizeof err), -1);
    assert_string_equal(err, "line 1: TXT record over 65535 bytes");
    free(z);

    /* a logical line over ZONE_MAX_LINE (split in strings, within parentheses) */
    size_t n_str = ZONE_MAX_LINE / 8 + 2;
    len = 9 + n_str * 8 + 2;
    z = malloc(len);
    memcpy(z, "t. TXT (\n", 9);
    for (size_t i = 0; i < n_str; i++)
        memcpy(z + 9 + i * 8, "\"abcd\"\n ", 8);
    memcpy(z + 9 + n_str * 8, ")\n", 2);
    memset(&c, 0, sizeof c);
    assert_int_equal(zone_parse(a, z, len, collect, &c, err, sizeof err), -1);
    assert_string_equal(err, "line 1: logical line over 262144 bytes");
    free(z);
    arena_free(a);
}

static void test_zone_callback_stops(void **state)
{
    (void)state;
    arena *a = arena_new();
    struct collected c = {.stop_at = 2};
    const char z[] = "a. A 192.0.2.1\nb. A 192.0.2.2\nc. A 192.0.2.3\n";
    assert_int_equal(zone_parse(a, z, sizeof z - 1, collect, &c, NULL, 0), 7);
    assert_int_equal(c.n, 2);
    /* the parser never reads past len: the second line cut in the middle */
    memset(&c, 0, sizeof c);
    char err[128];
    assert_int_equal(zone_parse(a, z, 20, collect, &c, err, sizeof err), -1);
    assert_string_equal(err, "line 2: A record: missing rdata");
    assert_int_equal(c.n, 1);
    arena_free(a);
}

/* ---- resolver ---- */

static const char zone1[] =
    "; test snapshot\n"
    "example.com. 300 IN TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "example.com. 300 IN MX 10 mail.example.com.\n"
    "example.com. 300 IN MX 20 mail2.example.com.\n"
    "mail.example.com. 300 IN A 192.0.2.25\n"
    "sel._domainkey.example.com. 300 IN TXT \"v=DKIM1; k=rsa; \" \"p=MIIB\"\n"
    "www.example.com. 60 IN CNAME web.example.net.\n"
    "web.example.net. 60 IN CNAME host.example.org.\n"
    "host.example.org. 60 IN A 192.0.2.80\n"
    "host.example.org. 60 IN TXT \"host\"\n"
    "dangling.example.com. CNAME gone.example.org.\n"
    "loop1.example.com. CNAME loop2.example.com.\n"
    "loop2.example.com. CNAME loop1.example.com.\n"
    "self.example.com. CNAME self.example.com.\n"
    "10.2.0.192.in-addr.arpa. PTR mail.example.com.\n"
    "a\\.b.example.com. TXT \"dotted\"\n";

static struct dns_resolver *load(const char *text)
{
    struct dns_resolver *r = dns_new();
    char err[256] = "";
    if (dns_add_zone_text(r, text, strlen(text), "zone1", err, sizeof err) != 0)
        fail_msg("load: %s", err);
    return r;
}

static void test_lookup_basic(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    arena *a = arena_new();
    struct dns_answer ans;
    assert_true(dns_has_source(r));

    assert_int_equal(dns_lookup(r, a, "Example.COM.", DNS_T_TXT, &ans), DNS_OK);
    assert_int_equal(ans.rcode, DNS_OK);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    assert_string_equal(ans.qname, "example.com");
    assert_int_equal(ans.qtype, DNS_T_TXT);
    assert_null(ans.cname);
    assert_null(ans.error);
    assert_false(ans.truncated);
    assert_int_equal(ans.fetched, 0);
    assert_int_equal(ans.n, 1);
    assert_string_equal(ans.rr[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
    assert_int_equal(ans.rr[0].len, 28);
    assert_int_equal(ans.rr[0].ttl, 300);

    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_MX, &ans), DNS_OK);
    assert_int_equal(ans.n, 2);
    assert_int_equal(ans.rr[0].pref, 10);
    assert_string_equal(ans.rr[0].text, "mail.example.com");
    assert_int_equal(ans.rr[1].pref, 20);
    assert_string_equal(ans.rr[1].text, "mail2.example.com");

    assert_int_equal(dns_lookup(r, a, "sel._domainkey.example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "v=DKIM1; k=rsa; p=MIIB");
    assert_int_equal(ans.rr[0].len, 22);

    /* the name exists with other types only */
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_A, &ans), DNS_NODATA);
    assert_int_equal(ans.n, 0);
    assert_null(ans.rr);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    /* absent from the snapshot */
    assert_int_equal(dns_lookup(r, a, "nope.example.com", DNS_T_TXT, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    assert_string_equal(ans.qname, "nope.example.com");
    /* a parent of a snapshot name is not in the snapshot: NXDOMAIN by contract */
    assert_int_equal(dns_lookup(r, a, "_domainkey.example.com", DNS_T_TXT, &ans), DNS_NXDOMAIN);

    /* escaped dot in the owner; the query written with \DDD */
    assert_int_equal(dns_lookup(r, a, "A\\.B.example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.qname, "a\\.b.example.com");
    assert_int_equal(dns_lookup(r, a, "a\\046b.example.com.", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "dotted");
    assert_int_equal(dns_lookup(r, a, "a.b.example.com", DNS_T_TXT, &ans), DNS_NXDOMAIN);

    /* reverse lookup through dns_reverse_name */
    char *rev = dns_reverse_name(a, "192.0.2.10");
    assert_int_equal(dns_lookup(r, a, rev, DNS_T_PTR, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "mail.example.com");

    /* A record: address bytes */
    assert_int_equal(dns_lookup(r, a, "mail.example.com", DNS_T_A, &ans), DNS_OK);
    const unsigned char v4[4] = {192, 0, 2, 25};
    assert_memory_equal(ans.rr[0].addr, v4, 4);
    arena_free(a);
    dns_free(r);
}

static void test_cname(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    arena *a = arena_new();
    struct dns_answer ans;
    /* two links: www.example.com -> web.example.net -> host.example.org */
    assert_int_equal(dns_lookup(r, a, "www.example.com", DNS_T_A, &ans), DNS_OK);
    assert_string_equal(ans.qname, "www.example.com");
    assert_string_equal(ans.cname, "host.example.org");
    assert_int_equal(ans.n, 1);
    assert_string_equal(ans.rr[0].text, "192.0.2.80");
    assert_int_equal(ans.rr[0].type, DNS_T_A);
    assert_int_equal(dns_lookup(r, a, "www.example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "host");
    /* the end of the chain has no AAAA */
    assert_int_equal(dns_lookup(r, a, "www.example.com", DNS_T_AAAA, &ans), DNS_NODATA);
    assert_string_equal(ans.cname, "host.example.org");
    /* asking for the CNAME itself: not followed */
    assert_int_equal(dns_lookup(r, a, "www.example.com", DNS_T_CNAME, &ans), DNS_OK);
    assert_null(ans.cname);
    assert_int_equal(ans.n, 1);
    assert_string_equal(ans.rr[0].text, "web.example.net");
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_CNAME, &ans), DNS_NODATA);
    /* target absent */
    assert_int_equal(dns_lookup(r, a, "dangling.example.com", DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_string_equal(ans.cname, "gone.example.org");
    /* loops */
    assert_int_equal(dns_lookup(r, a, "loop1.example.com", DNS_T_TXT, &ans), DNS_TEMPFAIL);
    assert_string_equal(ans.error, "CNAME loop");
    assert_int_equal(ans.n, 0);
    assert_null(ans.cname);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    assert_int_equal(dns_lookup(r, a, "self.example.com", DNS_T_A, &ans), DNS_TEMPFAIL);
    assert_string_equal(ans.error, "CNAME loop");
    arena_free(a);
    dns_free(r);

    /* chains of exactly DNS_MAX_CNAME links and of one more */
    char z[2048];
    size_t o = 0;
    for (int i = 0; i < DNS_MAX_CNAME; i++)
        o += (size_t)snprintf(z + o, sizeof z - o, "c%d. CNAME c%d.\n", i, i + 1);
    o += (size_t)snprintf(z + o, sizeof z - o, "c%d. A 192.0.2.8\n", DNS_MAX_CNAME);
    for (int i = 0; i <= DNS_MAX_CNAME; i++)
        o += (size_t)snprintf(z + o, sizeof z - o, "d%d. CNAME d%d.\n", i, i + 1);
    o += (size_t)snprintf(z + o, sizeof z - o, "d%d. A 192.0.2.9\n", DNS_MAX_CNAME + 1);
    r = load(z);
    a = arena_new();
    assert_int_equal(dns_lookup(r, a, "c0", DNS_T_A, &ans), DNS_OK);
    assert_string_equal(ans.cname, "c8");
    assert_string_equal(ans.rr[0].text, "192.0.2.8");
    assert_int_equal(dns_lookup(r, a, "d1", DNS_T_A, &ans), DNS_OK); /* 8 links from d1 */
    assert_int_equal(dns_lookup(r, a, "d0", DNS_T_A, &ans), DNS_TEMPFAIL);
    assert_string_equal(ans.error, "CNAME chain too long");
    arena_free(a);
    dns_free(r);
}

static void test_merge(void **state)
{
    (void)state;
    struct dns_resolver *r = dns_new();
    char err[256];
    const char z1[] = "example.com. 300 TXT \"v=spf1 -all\"\nexample.com. A 192.0.2.1\n";
    const char z2[] = "example.com. 60 TXT \"google-site-verification=x\"\n"
                      "example.com. 60 TXT \"v=spf1 -all\"\n"
                      "other.example. A 192.0.2.2\n";
    const char bad[] = "fresh.example. A 192.0.2.3\nbroken.example. A\n";
    assert_int_equal(dns_add_zone_text(r, z1, sizeof z1 - 1, "one.zone", err, sizeof err), 0);
    assert_int_equal(dns_add_zone_text(r, z2, sizeof z2 - 1, "two.zone", err, sizeof err), 0);
    assert_int_equal(dns_add_zone_text(r, bad, sizeof bad - 1, "bad.zone", err, sizeof err), -1);
    assert_string_equal(err, "bad.zone:2: A record: missing rdata");
    arena *a = arena_new();
    struct dns_answer ans;
    /* union in load order, the duplicate SPF record kept once with its first TTL */
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_int_equal(ans.n, 2);
    assert_string_equal(ans.rr[0].text, "v=spf1 -all");
    assert_int_equal(ans.rr[0].ttl, 300);
    assert_string_equal(ans.rr[1].text, "google-site-verification=x");
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_A, &ans), DNS_OK);
    assert_int_equal(dns_lookup(r, a, "other.example", DNS_T_A, &ans), DNS_OK);
    /* the refused file added nothing, not even its good first line */
    assert_int_equal(dns_lookup(r, a, "fresh.example", DNS_T_A, &ans), DNS_NXDOMAIN);
    arena_free(a);
    dns_free(r);
}

static void test_zonefile(void **state)
{
    (void)state;
    char path[] = "/tmp/test_dns_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char z[] = "example.com. TXT \"from file\"\r\n";
    assert_int_equal(write(fd, z, sizeof z - 1), (ssize_t)(sizeof z - 1));
    close(fd);
    struct dns_resolver *r = dns_new();
    char err[512];
    assert_int_equal(dns_add_zonefile(r, path, err, sizeof err), 0);
    arena *a = arena_new();
    struct dns_answer ans;
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "from file");
    unlink(path);
    assert_int_equal(dns_add_zonefile(r, path, err, sizeof err), -1);
    char want[128];
    snprintf(want, sizeof want, "%s: cannot read: ", path);
    assert_int_equal(strncmp(err, want, strlen(want)), 0);
    arena_free(a);
    dns_free(r);
}

static void test_cached(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    arena *a = arena_new();
    struct dns_answer ans;
    struct dns_rr rr[2] = {
        {.type = DNS_T_TXT, .ttl = 10, .text = "v=spf1 a -all", .len = 13},
        {.type = DNS_T_A, .ttl = 10, .text = "192.0.2.7", .len = 9, .addr = {192, 0, 2, 7}},
    };
    struct dns_answer c = {.rcode = DNS_OK,
                           .qname = "Cached.Example.",
                           .qtype = DNS_T_TXT,
                           .rr = rr,
                           .n = 2, /* the A record is not of qtype: dropped */
                           .fetched = 1700000000};
    dns_add_cached(r, &c);
    /* the snapshot has example.com: the cache does not override it */
    c.qname = "example.com";
    dns_add_cached(r, &c);
    /* negative answers */
    struct dns_answer nx = {
        .rcode = DNS_NXDOMAIN, .qname = "gone.example", .qtype = DNS_T_TXT, .fetched = 1700000001};
    dns_add_cached(r, &nx);
    struct dns_answer nd = {
        .rcode = DNS_NODATA, .qname = "empty.example", .qtype = DNS_T_MX, .fetched = 1700000002};
    dns_add_cached(r, &nd);
    struct dns_answer tf = {.rcode = DNS_TEMPFAIL,
                            .qname = "slow.example",
                            .qtype = DNS_T_TXT,
                            .fetched = 1700000003,
                            .error = "timeout"};
    dns_add_cached(r, &tf);
    /* newer fetch wins, older is ignored */
    struct dns_rr v1 = {.type = DNS_T_TXT, .text = "old", .len = 3};
    struct dns_rr v2 = {.type = DNS_T_TXT, .text = "new", .len = 3};
    struct dns_answer o1 = {.rcode = DNS_OK,
                            .qname = "ver.example",
                            .qtype = DNS_T_TXT,
                            .rr = &v2,
                            .n = 1,
                            .fetched = 200};
    dns_add_cached(r, &o1);
    o1.rr = &v1;
    o1.fetched = 100;
    dns_add_cached(r, &o1);

    assert_int_equal(dns_lookup(r, a, "cached.example", DNS_T_TXT, &ans), DNS_OK);
    assert_int_equal(ans.source, DNS_SRC_DB);
    assert_int_equal(ans.fetched, 1700000000);
    assert_int_equal(ans.n, 1);
    assert_string_equal(ans.rr[0].text, "v=spf1 a -all");
    assert_ptr_not_equal(ans.rr[0].text, rr[0].text); /* copied */
    /* other types of a cached name: nothing recorded, the snapshot says NXDOMAIN */
    assert_int_equal(dns_lookup(r, a, "cached.example", DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_TXT, &ans), DNS_OK);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    assert_string_equal(ans.rr[0].text, "v=spf1 ip4:192.0.2.0/24 -all");
    assert_int_equal(dns_lookup(r, a, "gone.example", DNS_T_TXT, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_DB);
    assert_int_equal(ans.fetched, 1700000001);
    assert_int_equal(dns_lookup(r, a, "empty.example", DNS_T_MX, &ans), DNS_NODATA);
    assert_int_equal(ans.source, DNS_SRC_DB);
    assert_int_equal(dns_lookup(r, a, "slow.example", DNS_T_TXT, &ans), DNS_TEMPFAIL);
    assert_string_equal(ans.error, "timeout");
    assert_int_equal(dns_lookup(r, a, "ver.example", DNS_T_TXT, &ans), DNS_OK);
    assert_string_equal(ans.rr[0].text, "new");
    /* a snapshot CNAME leading out of the snapshot into a cached answer */
    struct dns_rr t = {.type = DNS_T_A, .text = "192.0.2.66", .len = 10};
    struct dns_answer g = {.rcode = DNS_OK,
                           .qname = "gone.example.org",
                           .qtype = DNS_T_A,
                           .rr = &t,
                           .n = 1,
                           .fetched = 5};
    dns_add_cached(r, &g);
    assert_int_equal(dns_lookup(r, a, "dangling.example.com", DNS_T_A, &ans), DNS_OK);
    assert_int_equal(ans.source, DNS_SRC_DB);
    assert_string_equal(ans.cname, "gone.example.org");
    assert_string_equal(ans.rr[0].text, "192.0.2.66");
    arena_free(a);
    dns_free(r);

    /* only a database cache: a question it never recorded is a tempfail */
    r = dns_new();
    a = arena_new();
    assert_false(dns_has_source(r));
    dns_add_cached(r, &nx);
    assert_true(dns_has_source(r));
    assert_int_equal(dns_lookup(r, a, "gone.example", DNS_T_TXT, &ans), DNS_NXDOMAIN);
    assert_int_equal(dns_lookup(r, a, "unknown.example", DNS_T_TXT, &ans), DNS_TEMPFAIL);
    assert_int_equal(ans.source, DNS_SRC_DB);
    assert_string_equal(ans.error, "not in the DNS cache");
    arena_free(a);
    dns_free(r);
}

static void test_truncated(void **state)
{
    (void)state;
    size_t n = DNS_MAX_RR + 6;
    char *z = malloc(n * 32);
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        o += (size_t)snprintf(z + o, 32, "many. A 192.0.%zu.%zu\n", i / 200, i % 200);
    struct dns_resolver *r = dns_new();
    assert_int_equal(dns_add_zone_text(r, z, o, "many", NULL, 0), 0);
    free(z);
    arena *a = arena_new();
    struct dns_answer ans;
    assert_int_equal(dns_lookup(r, a, "many", DNS_T_A, &ans), DNS_OK);
    assert_int_equal(ans.n, DNS_MAX_RR);
    assert_true(ans.truncated);
    assert_string_equal(ans.rr[DNS_MAX_RR - 1].text, "192.0.0.63");
    arena_free(a);
    dns_free(r);
}

static void test_nosource(void **state)
{
    (void)state;
    struct dns_resolver *r = dns_new();
    arena *a = arena_new();
    struct dns_answer ans;
    assert_false(dns_has_source(r));
    dns_set_online(r, false, 0);
    assert_false(dns_has_source(r));
    assert_int_equal(dns_lookup(r, a, "Example.com.", DNS_T_TXT, &ans), DNS_NOSOURCE);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    assert_string_equal(ans.error, "no DNS source");
    assert_string_equal(ans.qname, "example.com");
    assert_int_equal(ans.n, 0);
    /* an empty snapshot is a source: everything is NXDOMAIN */
    assert_int_equal(dns_add_zone_text(r, "", 0, "empty", NULL, 0), 0);
    assert_true(dns_has_source(r));
    assert_int_equal(dns_lookup(r, a, "example.com", DNS_T_TXT, &ans), DNS_NXDOMAIN);
    arena_free(a);
    dns_free(r);
}

struct rec_log {
    int calls;
    enum dns_rcode rcode;
    enum dns_source source;
    enum dns_type qtype;
    char qname[64], cname[64];
    size_t n;
};

static void recorder(void *ctx, const struct dns_answer *ans)
{
    struct rec_log *l = ctx;
    l->calls++;
    l->rcode = ans->rcode;
    l->source = ans->source;
    l->qtype = ans->qtype;
    snprintf(l->qname, sizeof l->qname, "%s", ans->qname);
    snprintf(l->cname, sizeof l->cname, "%s", ans->cname ? ans->cname : "(null)");
    l->n = ans->n;
}

static void test_recorder(void **state)
{
    (void)state;
    struct rec_log l = {0};
    struct dns_resolver *r = dns_new();
    arena *a = arena_new();
    struct dns_answer ans;
    dns_set_recorder(r, recorder, &l);
    dns_lookup(r, a, "example.com", DNS_T_TXT, &ans); /* NOSOURCE: not recorded */
    assert_int_equal(l.calls, 0);
    dns_free(r);

    r = load(zone1);
    dns_set_recorder(r, recorder, &l);
    dns_lookup(r, a, "WWW.example.com.", DNS_T_A, &ans);
    assert_int_equal(l.calls, 1);
    assert_string_equal(l.qname, "www.example.com");
    assert_string_equal(l.cname, "host.example.org");
    assert_int_equal(l.qtype, DNS_T_A);
    assert_int_equal(l.rcode, DNS_OK);
    assert_int_equal(l.source, DNS_SRC_SNAPSHOT);
    assert_int_equal(l.n, 1);
    dns_lookup(r, a, "nope.example", DNS_T_MX, &ans);
    assert_int_equal(l.calls, 2);
    assert_int_equal(l.rcode, DNS_NXDOMAIN);
    assert_int_equal(l.qtype, DNS_T_MX);
    assert_string_equal(l.cname, "(null)");
    dns_lookup(r, a, "loop1.example.com", DNS_T_A, &ans);
    assert_int_equal(l.calls, 3);
    assert_int_equal(l.rcode, DNS_TEMPFAIL);
    /* an invalid name: nothing looked up, nothing recorded */
    assert_int_equal(dns_lookup(r, a, "a..b", DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    assert_int_equal(l.calls, 3);
    arena_free(a);
    dns_free(r);
}

static void test_invalid_names(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    arena *a = arena_new();
    struct dns_answer ans;
    char name[600];
    const char *bad[] = {"a..b", ".a", "a\\300b", "a\\", "x\\12"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(dns_lookup(r, a, bad[i], DNS_T_A, &ans), DNS_NXDOMAIN);
        assert_int_equal(ans.source, DNS_SRC_NONE);
    }
    assert_int_equal(dns_lookup(r, a, "A..B.", DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_string_equal(ans.qname, "a..b");
    /* 63-byte label valid (looked up: NXDOMAIN from the snapshot), 64 invalid */
    memset(name, 'x', 63);
    strcpy(name + 63, ".example");
    assert_int_equal(dns_lookup(r, a, name, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    memset(name, 'x', 64);
    strcpy(name + 64, ".example");
    assert_int_equal(dns_lookup(r, a, name, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    /* 253 bytes valid, 254 not; a trailing dot does not count */
    memset(name, 'y', 253);
    for (int i = 63; i < 253; i += 64)
        name[i] = '.';
    name[253] = '\0';
    assert_int_equal(dns_lookup(r, a, name, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    strcpy(name + 253, ".");
    assert_int_equal(dns_lookup(r, a, name, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    strcpy(name + 253, "y");
    assert_int_equal(dns_lookup(r, a, name, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    /* NULL and "" are no names; "." is the root */
    assert_int_equal(dns_lookup(r, a, NULL, DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    assert_int_equal(dns_lookup(r, a, "", DNS_T_A, &ans), DNS_NXDOMAIN);
    assert_int_equal(ans.source, DNS_SRC_NONE);
    assert_int_equal(dns_lookup(r, a, ".", DNS_T_NS, &ans), DNS_NXDOMAIN);
    assert_string_equal(ans.qname, "");
    assert_int_equal(ans.source, DNS_SRC_SNAPSHOT);
    dns_free(r);
    r = load(". 518400 IN NS A.Root-Servers.NET.\n");
    assert_int_equal(dns_lookup(r, a, ".", DNS_T_NS, &ans), DNS_OK);
    assert_string_equal(ans.qname, "");
    assert_string_equal(ans.rr[0].text, "a.root-servers.net");
    arena_free(a);
    dns_free(r);
}

static void test_answer_outlives_resolver(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    arena *a = arena_new();
    struct dns_answer ans;
    dns_lookup(r, a, "www.example.com", DNS_T_A, &ans);
    dns_free(r);
    assert_string_equal(ans.qname, "www.example.com");
    assert_string_equal(ans.cname, "host.example.org");
    assert_string_equal(ans.rr[0].text, "192.0.2.80");
    arena_free(a);
}

struct thread_arg {
    struct dns_resolver *r;
    int ok;
};

static void *lookup_thread(void *p)
{
    struct thread_arg *t = p;
    arena *a = arena_new();
    for (int i = 0; i < 2000; i++) {
        struct dns_answer ans;
        if (dns_lookup(t->r, a, "www.example.com", DNS_T_A, &ans) == DNS_OK &&
            strcmp(ans.rr[0].text, "192.0.2.80") == 0 &&
            dns_lookup(t->r, a, "nope.example", DNS_T_TXT, &ans) == DNS_NXDOMAIN)
            t->ok++;
        if (i % 100 == 0) arena_reset(a);
    }
    arena_free(a);
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    struct dns_resolver *r = load(zone1);
    pthread_t th[4];
    struct thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (struct thread_arg){r, 0};
        assert_int_equal(pthread_create(&th[i], NULL, lookup_thread, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 2000);
    }
    dns_free(r);
}

static void test_reverse_name(void **state)
{
    (void)state;
    arena *a = arena_new();
    assert_string_equal(dns_reverse_name(a, "192.0.2.10"), "10.2.0.192.in-addr.arpa");
    assert_string_equal(dns_reverse_name(a, "10.0.0.255"), "255.0.0.10.in-addr.arpa");
    /* 2001:0db8:0000:...:0001 -> nibbles 2 0 0 1 0 d b 8, 23 zeros, 1; reversed */
    assert_string_equal(dns_reverse_name(a, "2001:db8::1"),
                        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    assert_string_equal(dns_reverse_name(a, "2001:DB8:ABCD:12::fe"),
                        "e.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.1.0.0.d.c.b.a.8.b.d.0.1.0.0.2.ip6.arpa");
    assert_string_equal(dns_reverse_name(a, "::1"),
                        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa");
    assert_null(dns_reverse_name(a, "300.1.2.3"));
    assert_null(dns_reverse_name(a, "192.0.2"));
    assert_null(dns_reverse_name(a, "192.0.2.1 "));
    assert_null(dns_reverse_name(a, "example.com"));
    assert_null(dns_reverse_name(a, ""));
    assert_null(dns_reverse_name(a, "[2001:db8::1]"));
    assert_null(dns_reverse_name(a, NULL));
    arena_free(a);
}

static void test_names_of_things(void **state)
{
    (void)state;
    assert_string_equal(dns_type_name(DNS_T_A), "A");
    assert_string_equal(dns_type_name(DNS_T_TXT), "TXT");
    assert_string_equal(dns_type_name(DNS_T_AAAA), "AAAA");
    assert_string_equal(dns_type_name(DNS_T_SPF), "SPF");
    assert_string_equal(dns_type_name(DNS_T_CNAME), "CNAME");
    assert_string_equal(dns_type_name((enum dns_type)257), "CAA");
    assert_string_equal(dns_type_name((enum dns_type)12345), "UNKNOWN");
    assert_int_equal(dns_type_from_name("txt"), DNS_T_TXT);
    assert_int_equal(dns_type_from_name("Aaaa"), DNS_T_AAAA);
    assert_int_equal(dns_type_from_name("MX"), DNS_T_MX);
    assert_int_equal(dns_type_from_name("PTR"), DNS_T_PTR);
    assert_int_equal(dns_type_from_name("TYPE99"), DNS_T_SPF);
    assert_int_equal(dns_type_from_name("type65535"), 65535);
    assert_int_equal(dns_type_from_name("TYPE0"), -1);
    assert_int_equal(dns_type_from_name("TYPE65536"), -1);
    assert_int_equal(dns_type_from_name("TYPE"), -1);
    assert_int_equal(dns_type_from_name("TYPE1x"), -1);
    assert_int_equal(dns_type_from_name("bogus"), -1);
    assert_int_equal(dns_type_from_name(""), -1);
    assert_int_equal(dns_type_from_name(NULL), -1);
    assert_string_equal(dns_rcode_name(DNS_OK), "ok");
    assert_string_equal(dns_rcode_name(DNS_NXDOMAIN), "nxdomain");
    assert_string_equal(dns_rcode_name(DNS_NODATA), "nodata");
    assert_string_equal(dns_rcode_name(DNS_TEMPFAIL), "tempfail");
    assert_string_equal(dns_rcode_name(DNS_NOSOURCE), "nosource");
    assert_string_equal(dns_source_name(DNS_SRC_SNAPSHOT), "snapshot");
    assert_string_equal(dns_source_name(DNS_SRC_DB), "db");
    assert_string_equal(dns_source_name(DNS_SRC_LIVE), "live");
    assert_string_equal(dns_source_name(DNS_SRC_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zone_table),      cmocka_unit_test(test_zone_addr_bytes),
        cmocka_unit_test(test_zone_errors),     cmocka_unit_test(test_zone_name_limits),
        cmocka_unit_test(test_zone_ceilings),   cmocka_unit_test(test_zone_callback_stops),
        cmocka_unit_test(test_lookup_basic),    cmocka_unit_test(test_cname),
        cmocka_unit_test(test_merge),           cmocka_unit_test(test_zonefile),
        cmocka_unit_test(test_cached),          cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_nosource),        cmocka_unit_test(test_recorder),
        cmocka_unit_test(test_invalid_names),   cmocka_unit_test(test_answer_outlives_resolver),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_reverse_name),
        cmocka_unit_test(test_names_of_things),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
