/* Unit tests for mail/addr.c. The RFC 5322 Appendix A rows were checked
 * against Python's email.utils.getaddresses (addresses; Python keeps comments
 * in display names, RFC 5322 §3.4 says comments are not part of the phrase,
 * so names here drop them). Breakage rows follow the tolerance rules in
 * addr.c's header comment, worked out by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mail/addr.h"
#include "mail/limits.h"

struct want {
    const char *name; /* NULL: no name */
    const char *address;
    const char *local, *domain_lc; /* checked when non-NULL */
    const char *group;             /* NULL: not in a group */
};

struct acase {
    const char *in;
    size_t n;
    struct want w[3];
    bool ok; /* return value; false means ANOM_ADDR_UNPARSEABLE recorded once */
};

static const struct acase cases[] = {
    {"", 0, {{0}}, true},
    {", ,  a@b.com,,", 1, {{NULL, "a@b.com", "a", "b.com", NULL}}, true},
    {"john@example.com", 1, {{NULL, "john@example.com", "john", "example.com", NULL}}, true},
    {"John Doe <john@Example.COM>",
     1,
     {{"John Doe", "john@Example.COM", "john", "example.com", NULL}},
     true},
    {"\"Doe, John\" <john@x.com>", 1, {{"Doe, John", "john@x.com", NULL, NULL, NULL}}, true},
    {"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
     3,
     {{"Mary Smith", "mary@x.test", NULL, NULL, NULL},
      {NULL, "jdoe@example.org", NULL, NULL, NULL},
      {"Who?", "one@y.test", NULL, NULL, NULL}},
     true},
    {"<boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
     2,
     {{NULL, "boss@nil.test", NULL, NULL, NULL},
      {"Giant; \"Big\" Box", "sysservices@example.net", NULL, NULL, NULL}},
     true},
    {"A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;",
     3,
     {{"Ed Jones", "c@a.test", NULL, NULL, "A Group"},
      {NULL, "joe@where.test", NULL, NULL, "A Group"},
      {"John", "jdoe@one.test", NULL, NULL, "A Group"}},
     true},
    {"Undisclosed recipients:;", 0, {{0}}, true},
    {"undisclosed-recipients:;, x@y.com", 1, {{NULL, "x@y.com", NULL, NULL, NULL}}, true},
    {"a@b.com, G: c@d.com;, e@f.com",
     3,
     {{NULL, "a@b.com", NULL, NULL, NULL},
      {NULL, "c@d.com", NULL, NULL, "G"},
      {NULL, "e@f.com", NULL, NULL, NULL}},
     true},
    {"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
     1,
     {{"Pete", "pete@silly.test", "pete", "silly.test", NULL}},
     true},
    {"John Doe <jdoe@machine(comment).  example>",
     1,
     {{"John Doe", "jdoe@machine.example", NULL, NULL, NULL}},
     true},
    {"John Q. Public <john.q.public@example.com>",
     1,
     {{"John Q. Public", "john.q.public@example.com", NULL, NULL, NULL}},
     true},
    {"\"john doe\"@example.com",
     1,
     {{NULL, "\"john doe\"@example.com", "john doe", "example.com", NULL}},
     true},
    {"<@machine.tld:mary@example.net>", 1, {{NULL, "mary@example.net", NULL, NULL, NULL}}, true},
    {"<@a.test,@b.test:x@y.test>", 1, {{NULL, "x@y.test", NULL, NULL, NULL}}, true},
    {"j@x.com (John Doe)", 1, {{"John Doe", "j@x.com", NULL, NULL, NULL}}, true},
    {"john.doe@[192.168.0.1]",
     1,
     {{NULL, "john.doe@[192.168.0.1]", NULL, "[192.168.0.1]", NULL}},
     true},
    {"x@EXAMPLE.COM.", 1, {{NULL, "x@EXAMPLE.COM.", NULL, "example.com", NULL}}, true},
    {"<>", 1, {{NULL, "", "", "", NULL}}, true},
    /* encoded words and 8-bit */
    {"=?utf-8?Q?J=C3=B6rg?= <j@x.de>", 1, {{"J\xc3\xb6rg", "j@x.de", NULL, NULL, NULL}}, true},
    {"\"=?utf-8?Q?J=C3=B6rg?=\" <j@x.de>", 1, {{"J\xc3\xb6rg", "j@x.de", NULL, NULL, NULL}}, true},
    {"=?utf-8?Q?a?= =?utf-8?Q?b?= <x@y>", 1, {{"ab", "x@y", NULL, NULL, NULL}}, true},
    {"caf\xe9 <x@y.com>", 1, {{"caf\xc3\xa9", "x@y.com", NULL, NULL, NULL}}, true},
    {"J\xc3\xb6rg <user@b\xc3\xbc"
     "cher.DE>",
     1,
     {{"J\xc3\xb6rg",
       "user@b\xc3\xbc"
       "cher.DE",
       NULL,
       "b\xc3\xbc"
       "cher.de",
       NULL}},
     true},
    /* breakage */
    {"Doe, John <john@x.com>", 1, {{"Doe, John", "john@x.com", NULL, NULL, NULL}}, false},
    {"John Doe john@x.com", 1, {{"John Doe", "john@x.com", NULL, NULL, NULL}}, false},
    {"John <j@x.com", 1, {{"John", "j@x.com", NULL, NULL, NULL}}, false},
    {"John <j@x.com> garbage", 1, {{"John", "j@x.com", NULL, NULL, NULL}}, false},
    {"a@b.com; c@d.com",
     2,
     {{NULL, "a@b.com", NULL, NULL, NULL}, {NULL, "c@d.com", NULL, NULL, NULL}},
     false},
    {"root", 1, {{NULL, "root", "root", "", NULL}}, false},
    {"John Smith", 1, {{"John Smith", "", "", "", NULL}}, false},
    {"a@b@c.com", 1, {{NULL, "\"a@b\"@c.com", "a@b", "c.com", NULL}}, false},
    {"john doe@x.com", 1, {{"john", "doe@x.com", NULL, NULL, NULL}}, false},
    {"x@", 1, {{NULL, "x", "x", "", NULL}}, false},
    {"x@-bad..domain", 1, {{NULL, "x@-bad..domain", NULL, NULL, NULL}}, false},
};

static void check_str(const char *got, const char *want)
{
    if (!want) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void test_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct acase *c = &cases[i];
        arena *a = arena_new();
        struct anomalies an;
        anom_init(&an, a);
        size_t len = strlen(c->in);
        char *in = malloc(len ? len : 1);
        memcpy(in, c->in, len);
        print_message("case %zu: %s\n", i, c->in);
        struct addr_list l;
        bool ok = addr_parse_list(a, in, len, &l, &an);
        for (size_t k = 0; k < l.n; k++)
            print_message("  [%s] <%s> local=%s dom=%s grp=%s\n",
                          l.v[k].name ? l.v[k].name : "(null)", l.v[k].address, l.v[k].local,
                          l.v[k].domain_lc, l.v[k].group ? l.v[k].group : "-");
        assert_int_equal(l.n, c->n);
        for (size_t k = 0; k < c->n; k++) {
            const struct want *w = &c->w[k];
            check_str(l.v[k].name, w->name);
            assert_string_equal(l.v[k].address, w->address);
            if (w->local) assert_string_equal(l.v[k].local, w->local);
            if (w->domain_lc) assert_string_equal(l.v[k].domain_lc, w->domain_lc);
            check_str(l.v[k].group, w->group);
        }
        assert_int_equal(ok, c->ok);
        assert_int_equal(an.n, c->ok ? 0 : 1);
        if (!c->ok) assert_int_equal(an.v[0].code, ANOM_ADDR_UNPARSEABLE);
        free(in);
        arena_free(a);
    }
}

static void test_path(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool ok;
        const char *address;
    } t[] = {
        {"<>", true, ""},
        {" <> ", true, ""},
        {"<bounce@example.com>", true, "bounce@example.com"},
        {" bounce@example.com ", true, "bounce@example.com"},
        {"<@relay.example:bounce@example.com>", true, "bounce@example.com"},
        {"", false, ""},
        {"<bounce@example.com", false, "bounce@example.com"},
    };
    arena *a = arena_new();
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        struct addr ad;
        print_message("path %zu: %s\n", i, t[i].in);
        assert_int_equal(addr_parse_path(a, t[i].in, strlen(t[i].in), &ad), t[i].ok);
        assert_string_equal(ad.address, t[i].address);
        assert_null(ad.group);
    }
    arena_free(a);
}

/* ADDR_MAX_PER_FIELD + 5 addresses: the ceiling is kept, one anomaly. */
static void test_ceiling(void **state)
{
    (void)state;
    size_t n = ADDR_MAX_PER_FIELD + 5;
    size_t len = n * 8;
    char *buf = malloc(len);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * 8, "a@b.cd, ", 8);
    arena *a = arena_new();
    struct anomalies an;
    anom_init(&an, a);
    struct addr_list l;
    assert_false(addr_parse_list(a, buf, len, &l, &an));
    assert_int_equal(l.n, ADDR_MAX_PER_FIELD);
    assert_string_equal(l.v[ADDR_MAX_PER_FIELD - 1].address, "a@b.cd");
    assert_int_equal(an.n, 1);
    arena_free(a);
    free(buf);
}

/* A 2 MB display name, and 1 MB of commas, parse without trouble. */
static void test_huge(void **state)
{
    (void)state;
    size_t big = 2u * 1024 * 1024;
    const char tail[] = " <x@y.com>";
    size_t len = big + sizeof tail - 1;
    char *buf = malloc(len);
    memset(buf, 'n', big);
    memcpy(buf + big, tail, sizeof tail - 1);
    arena *a = arena_new();
    struct addr_list l;
    assert_true(addr_parse_list(a, buf, len, &l, NULL));
    assert_int_equal(l.n, 1);
    assert_int_equal(strlen(l.v[0].name), big);
    assert_string_equal(l.v[0].address, "x@y.com");
    memset(buf, ',', len);
    assert_true(addr_parse_list(a, buf, len, &l, NULL));
    assert_int_equal(l.n, 0);
    arena_free(a);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_path),
        cmocka_unit_test(test_ceiling),
        cmocka_unit_test(test_huge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
