/* Unit tests for score/msgview.c (with sahtml.c and urilist.c): the text each
 * SpamAssassin rule type sees. Every expectation was worked out by hand from
 * the message bytes and SpamAssassin 4.0.1's documented behaviour, then
 * cross-checked against SpamAssassin itself (a Perl script run outside the
 * repository calling Mail::SpamAssassin::PerMsgStatus::get,
 * get_decoded_stripped_body_text_array, get_decoded_body_text_array,
 * get_uri_list, Message::Node::get_header / raw_header and get_pristine on
 * the same files). Each test names the SpamAssassin function it mirrors.
 * Messages come from tests/fixtures/msgview/ (run from the repository root
 * or set TOP) or are written inline; all are exact-size heap copies so ASan
 * sees reads past the end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/message.h"
#include "score/msgview.h"
#include "score/urilist.h"

struct fx {
    arena *a;
    char *raw; /* exact-size heap copy; the message points into it */
    size_t len;
    struct message m;
    struct msgview v;
};

static void fx_open_mem(struct fx *f, const char *p, size_t len, const struct msgview_env *env)
{
    f->a = arena_new();
    f->raw = malloc(len ? len : 1);
    memcpy(f->raw, p, len);
    f->len = len;
    message_parse(f->a, f->raw, len, NULL, NULL, &f->m);
    msgview_init(&f->v, f->a, &f->m, env);
}

static void fx_open(struct fx *f, const char *name, const struct msgview_env *env)
{
    char path[1024];
    const char *top = getenv("TOP");
    snprintf(path, sizeof path, "%s/tests/fixtures/msgview/%s", top ? top : ".", name);
    FILE *fp = fopen(path, "rb");
    if (!fp) fail_msg("cannot open %s (run from the repository root)", path);
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    size_t n = fread(buf, 1, cap, fp);
    fclose(fp);
    fx_open_mem(f, buf, n, env);
    free(buf);
}

static void fx_close(struct fx *f)
{
    arena_free(f->a);
    free(f->raw);
}

#define S(lit) lit, sizeof(lit) - 1

static void expect_text(const struct mv_text *t, const char *want, size_t want_len)
{
    assert_non_null(t);
    if (t->len != want_len || memcmp(t->p, want, want_len) != 0)
        fail_msg("got [%.*s] (%zu), want [%.*s] (%zu)", (int)t->len, t->p, t->len, (int)want_len,
                 want, want_len);
    assert_int_equal(t->p[t->len], 0); /* NUL-terminated */
}

static void expect_hdr(struct msgview *v, const char *name, enum rule_hdr_mod mod, const char *want)
{
    const struct mv_text *t = msgview_header(v, name, mod);
    if (!t) fail_msg("%s (mod %d): NULL, want [%s]", name, (int)mod, want);
    expect_text(t, want, strlen(want));
}

static void expect_no_hdr(struct msgview *v, const char *name, enum rule_hdr_mod mod)
{
    const struct mv_text *t = msgview_header(v, name, mod);
    if (t) fail_msg("%s (mod %d): want NULL, got [%.*s]", name, (int)mod, (int)t->len, t->p);
}

static void expect_lines(const struct mv_text *got, size_t n, const char *const *want, size_t nw)
{
    for (size_t i = 0; i < n && i < nw; i++)
        expect_text(&got[i], want[i], strlen(want[i]));
    assert_int_equal(n, nw);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* get_uri_list is a set for the rules (uri rules match any element): compare
 * sorted */
static void expect_uris(struct msgview *v, const char *const *want, size_t nw)
{
    size_t n;
    const struct mv_text *u = msgview_uris(v, &n);
    const char **got = malloc((n ? n : 1) * sizeof *got);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(strlen(u[i].p), u[i].len);
        got[i] = u[i].p;
    }
    qsort(got, n, sizeof *got, cmp_str);
    const char **w = malloc((nw ? nw : 1) * sizeof *w);
    memcpy(w, want, nw * sizeof *w);
    qsort(w, nw, sizeof *w, cmp_str);
    /* duplicates do not matter to a rule */
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(got[k - 1], got[i]) != 0) got[k++] = got[i];
    for (size_t i = 0; i < k && i < nw; i++)
        if (strcmp(got[i], w[i]) != 0) fail_msg("uri %zu: got [%s], want [%s]", i, got[i], w[i]);
    assert_int_equal(k, nw);
    free(got);
    free(w);
}

#define N(arr) (sizeof(arr) / sizeof((arr)[0]))

/* The address parse kept per value (parse_addresses_memo): :addr and :name
 * of one value, equal values in two fields, values that differ in one
 * byte, and more distinct values than the memo keeps (16) all give what a
 * fresh parse gives. */
static void test_addr_memo(void **state)
{
    (void)state;
    char msg[4096];
    size_t n = (size_t)snprintf(msg, sizeof msg,
                                "From: \"Ann\" <ann@example.org>\n"
                                "Reply-To: \"Ann\" <ann@example.org>\n"
                                "Sender: \"Ann\" <anm@example.org>\n");
    for (int i = 1; i <= 20; i++)
        n += (size_t)snprintf(msg + n, sizeof msg - n, "X-A%d: \"N%d\" <a%d@example.com>\n", i, i,
                              i);
    n += (size_t)snprintf(msg + n, sizeof msg - n, "Subject: memo\n\nbody\n");
    struct fx f;
    fx_open_mem(&f, msg, n, NULL);
    struct msgview *v = &f.v;
    expect_hdr(v, "From", HM_ADDR, "ann@example.org");
    expect_hdr(v, "Reply-To", HM_NAME, "Ann");
    expect_hdr(v, "Reply-To", HM_ADDR, "ann@example.org");
    /* one byte apart from From's value: its own parse */
    expect_hdr(v, "Sender", HM_ADDR, "anm@example.org");
    expect_hdr(v, "Sender", HM_NAME, "Ann");
    char name[16], want[32];
    for (int pass = 0; pass < 2; pass++)
        for (int i = 1; i <= 20; i++) {
            snprintf(name, sizeof name, "X-A%d", i);
            snprintf(want, sizeof want, "a%d@example.com", i);
            expect_hdr(v, name, HM_ADDR, want);
            snprintf(want, sizeof want, "N%d", i);
            expect_hdr(v, name, HM_NAME, want);
        }
    expect_hdr(v, "From", HM_NAME, "Ann");
    fx_close(&f);
}

/* ---- header values: PerMsgStatus::get as Plugin::Check joins them ---- */

static void test_plain_headers(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "plain.eml", NULL);
    struct msgview *v = &f.v;
    /* get('Subject'): the unfolded value, leading white space removed, "\n" kept */
    expect_hdr(v, "Subject", HM_DEFAULT, "Meeting notes\n");
    /* get('Subject:raw'): raw_header, the value after the colon as written */
    expect_hdr(v, "Subject", HM_RAW, " Meeting notes\n");
    /* names are case-insensitive */
    expect_hdr(v, "sUBJECT", HM_DEFAULT, "Meeting notes\n");
    /* :addr / :name: the first address's parts (Util::parse_header_addresses) */
    expect_hdr(v, "From", HM_ADDR, "alice@example.org");
    expect_hdr(v, "From", HM_NAME, "Alice Example");
    /* To has two addresses: :addr gives every address, one a line; :name only
     * those that have a display name */
    expect_hdr(v, "To", HM_ADDR, "bob@example.net\ncarol@example.com");
    expect_hdr(v, "To", HM_NAME, "Bob");
    expect_hdr(v, "Cc", HM_NAME, "Doe, Jane");
    /* :host and :domain of the address */
    expect_hdr(v, "From", HM_HOST, "example.org");
    expect_hdr(v, "From", HM_DOMAIN, "example.org");
    /* ToCc: To then Cc; :raw keeps each value's leading space */
    expect_hdr(v, "ToCc", HM_DEFAULT,
               "Bob <bob@example.net>, carol@example.com\n\"Doe, Jane\" <jane@example.com>\n");
    expect_hdr(v, "ToCc", HM_RAW,
               " Bob <bob@example.net>, carol@example.com\n \"Doe, Jane\" <jane@example.com>\n");
    expect_hdr(v, "ToCc", HM_ADDR, "bob@example.net\ncarol@example.com\njane@example.com");
    /* MESSAGEID: Message-Id (and X-Message-Id, Resent-Message-Id...) */
    expect_hdr(v, "MESSAGEID", HM_DEFAULT, "<abc123@example.org>\n");
    /* EnvelopeFrom (get_envelope_from): the Return-Path address, no "\n" */
    expect_hdr(v, "EnvelopeFrom", HM_DEFAULT, "bounce-123@mailer.example.com");
    /* ToCc and EnvelopeFrom are matched in any case, ALL and MESSAGEID only
     * in capitals (other spellings are field names, absent here) */
    expect_hdr(v, "tocc", HM_ADDR, "bob@example.net\ncarol@example.com\njane@example.com");
    expect_hdr(v, "ENVELOPEFROM", HM_DEFAULT, "bounce-123@mailer.example.com");
    expect_no_hdr(v, "MessageID", HM_DEFAULT);
    expect_no_hdr(v, "all", HM_RAW);
    /* two Received fields: each unfolded (a newline and the white space after
     * it become one space), joined */
    expect_hdr(v, "Received", HM_DEFAULT,
               "from mail.example.org (mail.example.org [203.0.113.5]) by mx.example.net "
               "(Postfix) with ESMTP id 4F1A2B3C for <bob@example.net>; Mon, 1 Jan 2024 "
               "10:00:00 +0000 (UTC)\n"
               "from [192.168.1.20] (dsl-203-0-113-77.example.org [203.0.113.77]) by "
               "mail.example.org (Postfix) with ESMTPSA id 99AA11 for <bob@example.net>; Mon, "
               "1 Jan 2024 09:59:58 +0000 (UTC)\n");
    /* :raw keeps the folding */
    expect_hdr(v, "Received", HM_RAW,
               " from mail.example.org (mail.example.org [203.0.113.5])\n"
               "\tby mx.example.net (Postfix) with ESMTP id 4F1A2B3C\n"
               "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000 (UTC)\n"
               " from [192.168.1.20] (dsl-203-0-113-77.example.org [203.0.113.77])\n"
               "\tby mail.example.org (Postfix) with ESMTPSA id 99AA11\n"
               "\tfor <bob@example.net>; Mon, 1 Jan 2024 09:59:58 +0000 (UTC)\n");
    /* :ip — the first IPv4 address of each value; :revip reversed */
    expect_hdr(v, "Received", HM_IP, "203.0.113.5\n192.168.1.20");
    expect_hdr(v, "Received", HM_REVIP, "5.113.0.203\n20.1.168.192");
    /* absent header: undef for the rule */
    expect_no_hdr(v, "Nonexistent-Header", HM_DEFAULT);
    expect_no_hdr(v, "Reply-To", HM_ADDR);
    assert_false(msgview_header_exists(v, "Reply-To"));
    assert_true(msgview_header_exists(v, "x-mailer"));
    /* ALL: every field "Name: value\n", unfolded */
    expect_hdr(v, "ALL", HM_DEFAULT,
               "Return-Path: <bounce-123@mailer.example.com>\n"
               "Received: from mail.example.org (mail.example.org [203.0.113.5]) by "
               "mx.example.net (Postfix) with ESMTP id 4F1A2B3C for <bob@example.net>; Mon, 1 "
               "Jan 2024 10:00:00 +0000 (UTC)\n"
               "Received: from [192.168.1.20] (dsl-203-0-113-77.example.org [203.0.113.77]) by "
               "mail.example.org (Postfix) with ESMTPSA id 99AA11 for <bob@example.net>; Mon, 1 "
               "Jan 2024 09:59:58 +0000 (UTC)\n"
               "From: \"Alice Example\" <alice@example.org>\n"
               "To: Bob <bob@example.net>, carol@example.com\n"
               "Cc: \"Doe, Jane\" <jane@example.com>\n"
               "Subject: Meeting notes\n"
               "Date: Mon, 1 Jan 2024 09:59:57 +0000\n"
               "Message-ID: <abc123@example.org>\n"
               "X-Mailer: ExampleMailer 1.0\n"
               "MIME-Version: 1.0\n"
               "Content-Type: text/plain; charset=us-ascii\n");
    /* ALL:raw is the pristine header block */
    const struct mv_text *allraw = msgview_header(v, "ALL", HM_RAW);
    assert_non_null(allraw);
    const char *blank = strstr(f.raw, "\n\n");
    assert_non_null(blank);
    expect_text(allraw, f.raw, (size_t)(blank - f.raw) + 1);
    fx_close(&f);
}

/* X-Spam-Relays-* (Message::Metadata::Received) and ALL-TRUSTED... */
static void test_plain_relays(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "plain.eml", NULL);
    struct msgview *v = &f.v;
    /* With no trusted_networks, the first relay's public IP 203.0.113.5 makes
     * it untrusted, and so every relay after it. The second hop's HELO is an
     * address literal, shown as "!192.168.1.20!"; ESMTPSA gives auth=. */
    const char *untrusted =
        "[ ip=203.0.113.5 rdns=mail.example.org helo=mail.example.org by=mx.example.net ident= "
        "envfrom= intl=0 id=4F1A2B3C auth= msa=0 ] [ ip=203.0.113.77 "
        "rdns=dsl-203-0-113-77.example.org helo=!192.168.1.20! by=mail.example.org ident= "
        "envfrom= intl=0 id=99AA11 auth=ESMTPSA msa=0 ]";
    expect_hdr(v, "X-Spam-Relays-Untrusted", HM_DEFAULT, untrusted);
    expect_hdr(v, "X-Spam-Relays-External", HM_DEFAULT, untrusted);
    /* no trusted relay: the pseudo-header exists with an empty value */
    expect_hdr(v, "X-Spam-Relays-Trusted", HM_DEFAULT, "");
    expect_hdr(v, "X-Spam-Relays-Internal", HM_DEFAULT, "");
    /* ALL-TRUSTED: the fields above and including the Received that the
     * last trusted host wrote (here our own MX's, the topmost) */
    expect_hdr(v, "ALL-TRUSTED", HM_DEFAULT,
               "Return-Path: <bounce-123@mailer.example.com>\n"
               "Received: from mail.example.org (mail.example.org [203.0.113.5]) by "
               "mx.example.net (Postfix) with ESMTP id 4F1A2B3C for <bob@example.net>; Mon, 1 "
               "Jan 2024 10:00:00 +0000 (UTC)\n");
    expect_hdr(v, "ALL-TRUSTED", HM_RAW,
               "Return-Path: <bounce-123@mailer.example.com>\n"
               "Received: from mail.example.org (mail.example.org [203.0.113.5])\n"
               "\tby mx.example.net (Postfix) with ESMTP id 4F1A2B3C\n"
               "\tfor <bob@example.net>; Mon, 1 Jan 2024 10:00:00 +0000 (UTC)\n");
    /* ALL-UNTRUSTED: from the first untrusted relay's Received to the end */
    const struct mv_text *un = msgview_header(v, "ALL-UNTRUSTED", HM_DEFAULT);
    const struct mv_text *all = msgview_header(v, "ALL", HM_DEFAULT);
    assert_non_null(un);
    assert_non_null(all);
    const char *first_rcvd = strstr(all->p, "Received:");
    assert_non_null(first_rcvd);
    expect_text(un, first_rcvd, all->len - (size_t)(first_rcvd - all->p));
    fx_close(&f);
}

static void test_trusted_chain(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "trusted-chain.eml", NULL);
    struct msgview *v = &f.v;
    /* 127.0.0.1 and 10.1.2.3 are private: trusted and internal (intl=1);
     * 77.1.2.3 is the first public relay. "unknown" rDNS is shown empty. */
    const char *trusted =
        "[ ip=127.0.0.1 rdns=localhost helo=localhost by=mail.example.com ident= envfrom= intl=1 "
        "id=AAA auth= msa=0 ] [ ip=10.1.2.3 rdns=client.example.net helo=client.example.net "
        "by=gw.example.com ident= envfrom= intl=1 id=q123 auth= msa=0 ]";
    const char *untrusted = "[ ip=77.1.2.3 rdns= helo=dynamic-77-1-2-3.isp.example "
                            "by=relay.example.com ident= envfrom= intl=0 id=BBB auth= msa=0 ]";
    expect_hdr(v, "X-Spam-Relays-Trusted", HM_DEFAULT, trusted);
    expect_hdr(v, "X-Spam-Relays-Internal", HM_DEFAULT, trusted);
    expect_hdr(v, "X-Spam-Relays-Untrusted", HM_DEFAULT, untrusted);
    expect_hdr(v, "X-Spam-Relays-External", HM_DEFAULT, untrusted);
    /* ALL-TRUSTED: the three Received fields, the third being the one the
     * last trusted relay (10.1.2.3) wrote when the first untrusted one
     * handed it the message */
    const struct mv_text *t = msgview_header(v, "ALL-TRUSTED", HM_DEFAULT);
    assert_non_null(t);
    assert_non_null(strstr(t->p, "id BBB"));
    assert_null(strstr(t->p, "From:"));
    /* Subject in UTF-8 base64: decoded to UTF-8 (an em dash) */
    expect_hdr(v, "Subject", HM_DEFAULT, "Urgent: verify your account \xe2\x80\x94 now\n");
    expect_hdr(v, "Subject", HM_RAW,
               " =?utf-8?B?VXJnZW50OiB2ZXJpZnkgeW91ciBhY2NvdW50IOKAlCBub3c=?=\n");
    expect_hdr(v, "From", HM_NAME, "Support");
    /* MESSAGEID joins Message-Id and X-Message-Id */
    const struct mv_text *mid = msgview_header(v, "MESSAGEID", HM_DEFAULT);
    assert_non_null(mid);
    assert_non_null(strstr(mid->p, "<t@bank.example>\n"));
    assert_non_null(strstr(mid->p, "<x-t@bank.example>\n"));
    /* body (get_decoded_stripped_body_text_array): windows-1252 decoded to
     * UTF-8 (0x93/0x94 quotes, 0x80 euro, 0xe9 e-acute), the NBSP collapsed
     * into a space with the other white space, the single newline too */
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {
        "Urgent: verify your account \xe2\x80\x94 now\n",
        "\xe2\x80\x9cPlease\xe2\x80\x9d verify at hxxp://bank.example.phish.example/login now "
        "\xe2\x82\xac money and \xc3\xa9t\xc3\xa9 ",
    };
    expect_lines(b, n, want, N(want));
    /* rawbody (get_decoded_body_text_array): the undecoded bytes */
    const struct mv_text *r = msgview_rawbody(v, &n);
    const char *wr[] = {"\x93Please\x94 verify at hxxp://bank.example.phish.example/login\xa0now\n"
                        "\x80 money and \xe9t\xe9\n"};
    expect_lines(r, n, wr, N(wr));
    fx_close(&f);
}

static void test_relay_dialects(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "relays-crlf.eml", NULL);
    struct msgview *v = &f.v;
    /* Gmail (ESMTPS, trailing dot of rDNS dropped), Exchange ("(104.47.0.1)
     * by", the id after "id"), Exim ("[ip] helo=..."), qmail ("unknown (HELO
     * sender) (ip)"), then the synthetic relay of X-Originating-IP. All
     * public: all untrusted. */
    expect_hdr(v, "X-Spam-Relays-Untrusted", HM_DEFAULT,
               "[ ip=209.85.221.41 rdns=mail-wr1-f41.google.com helo=mail-wr1-f41.google.com "
               "by=mx.google.com ident= envfrom= intl=0 id=x12si1234567wrx.123.2024.01.06.08.00.00 "
               "auth= msa=0 ] [ ip=104.47.0.1 rdns=EUR01-HE1-obe.outbound.protection.outlook.com "
               "helo=EUR01-HE1-obe.outbound.protection.outlook.com "
               "by=DB3EUR01FT010.mail.protection.outlook.com ident= envfrom= intl=0 "
               "id=15.20.1234.5 auth= msa=0 ] [ ip=192.0.2.9 rdns=rdns.example.org "
               "helo=helo.example by=mx.example.org ident= envfrom= intl=0 id=1abc-000 auth= "
               "msa=0 ] [ ip=198.51.100.3 rdns= helo=sender by=qmail.example.com ident= envfrom= "
               "intl=0 id= auth= msa=0 ] [ ip=198.51.100.99 rdns= helo= by= ident= envfrom= "
               "intl=0 id= auth= msa=0 ]");
    expect_hdr(v, "X-Spam-Relays-Trusted", HM_DEFAULT, "");
    /* X-Envelope-From is only believed when a trusted host added it: here
     * none did, so EnvelopeFrom is unset (get_envelope_from) */
    expect_no_hdr(v, "EnvelopeFrom", HM_DEFAULT);
    /* CRLF message: the values end in "\n" only */
    expect_hdr(v, "Subject", HM_DEFAULT, "relay chain\n");
    expect_hdr(v, "Received", HM_IP, "209.85.221.41\n104.47.0.1\n192.0.2.9\n198.51.100.3");
    /* HTML body, iso-8859-1, CRLF: entities decoded, &nbsp; and runs of
     * white space collapsed; <p> breaks paragraphs */
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {
        "relay chain\n",
        "\n",
        "Caf\xc3\xa9 \xc2\xa9 2024 go\n",
        "Visit http://0x7f000001/ and http://3232235777/x or http://www.example.com.\n",
    };
    expect_lines(b, n, want, N(want));
    /* get_uri_list: href and text URIs; %-escapes of unreserved characters
     * decoded in a variant; decimal and hex hosts rewritten as dotted quads */
    const char *uris[] = {
        "http://0x7f000001/",
        "http://127.0.0.1/",
        "http://192.168.1.1/x",
        "http://3232235777/x",
        "http://www.example.com",
        "http://x.example.com/%41%42%2e?q=%20a&r=1",
        "http://x.example.com/AB.?q=%20a&r=1",
    };
    expect_uris(v, uris, N(uris));
    fx_close(&f);
}

/* envelope, :ip/:revip/:host/:domain, several instances, empty value */
static void test_env_and_modifiers(void **state)
{
    (void)state;
    static const char msg[] = "From: \"Sales Team\" <Sales@Shop.Example.CO.UK>\n"
                              "To: a@example.com\n"
                              "X-Envelope-From: <env@example.org>\n"
                              "Return-Path: <rp@example.org>\n"
                              "X-Origin: host mail.example.net [192.0.2.33] said hi\n"
                              "Subject: plain\n"
                              "X-Multi: one\n"
                              "X-Multi:  two\n"
                              "\tthree\n"
                              "X-Empty:\n"
                              "\n"
                              "Line one\n"
                              "line two\n";
    struct fx f;
    fx_open_mem(&f, S(msg), NULL);
    struct msgview *v = &f.v;
    /* no Received at all: X-Envelope-From is taken before Return-Path */
    expect_hdr(v, "EnvelopeFrom", HM_DEFAULT, "env@example.org");
    /* :host keeps the case; :domain is the registrable domain, lowercased */
    expect_hdr(v, "From", HM_HOST, "Shop.Example.CO.UK");
    expect_hdr(v, "From", HM_DOMAIN, "example.co.uk");
    expect_hdr(v, "From", HM_NAME, "Sales Team");
    /* a host name and an IP in free text */
    expect_hdr(v, "X-Origin", HM_HOST, "mail.example.net");
    expect_hdr(v, "X-Origin", HM_DOMAIN, "example.net");
    expect_hdr(v, "X-Origin", HM_IP, "192.0.2.33");
    expect_hdr(v, "X-Origin", HM_REVIP, "33.2.0.192");
    /* two instances, each ending in "\n"; folding becomes one space */
    expect_hdr(v, "X-Multi", HM_DEFAULT, "one\ntwo three\n");
    expect_hdr(v, "X-Multi", HM_RAW, " one\n  two\n\tthree\n");
    /* an empty field exists, its value is "\n" */
    expect_hdr(v, "X-Empty", HM_DEFAULT, "\n");
    assert_true(msgview_header_exists(v, "X-Empty"));
    /* body: Subject, then the text with the newline collapsed */
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {"plain\n", "Line one line two "};
    expect_lines(b, n, want, N(want));
    b = msgview_body(v, false, &n);
    expect_lines(b, n, want + 1, 1);
    fx_close(&f);

    /* the envelope given by the caller wins */
    struct msgview_env env = {.envelope_from = "given@example.net"};
    fx_open_mem(&f, S(msg), &env);
    expect_hdr(&f.v, "EnvelopeFrom", HM_DEFAULT, "given@example.net");
    fx_close(&f);
}

/* RFC 2047 and 8-bit text in headers (Message::Node::_decode_header) */
static void test_latin1_qp(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "latin1-qp.eml", NULL);
    struct msgview *v = &f.v;
    /* two adjacent encoded words: the space between them dropped; the fold
     * and its three spaces become one space; the tab kept */
    expect_hdr(v, "Subject", HM_DEFAULT,
               "Gr\xc3\xbc\xc3\x9f"
               "e aus M\xc3\xbcnchen und mehr folded\tline\n");
    expect_hdr(
        v, "Subject", HM_RAW,
        " =?UTF-8?B?R3LDvMOfZSBhdXMgTcO8bmNoZW4=?= =?UTF-8?Q?_und_mehr?=\n   folded\tline\n");
    /* ISO-8859-1 Q word, converted to UTF-8 */
    expect_hdr(v, "From", HM_DEFAULT, "Andr\xc3\xa9 M\xc3\xbcller <andre@example.de>\n");
    expect_hdr(v, "From", HM_NAME, "Andr\xc3\xa9 M\xc3\xbcller");
    expect_hdr(v, "From", HM_ADDR, "andre@example.de");
    /* a group with no member: no address */
    expect_hdr(v, "To", HM_DEFAULT, "undisclosed-recipients:;\n");
    expect_no_hdr(v, "To", HM_ADDR);
    /* body: QP decoded (soft break joined, "=20" kept then collapsed),
     * ISO-8859-1 decoded to UTF-8, NBSP collapsed to a space */
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {
        "Gr\xc3\xbc\xc3\x9f"
        "e aus M\xc3\xbcnchen und mehr folded\tline\n",
        "Gr\xc3\xbc\xc3\x9f"
        "e aus M\xc3\xbcnchen. Soft line break here. NBSP: end. ",
    };
    expect_lines(b, n, want, N(want));
    /* rawbody: QP decoded, bytes as sent */
    const struct mv_text *r = msgview_rawbody(v, &n);
    const char *wr[] = {"Gr\xfc\xdf"
                        "e aus M\xfcnchen. \nSoft line break here.\nNBSP:\xa0"
                        "end.\n"};
    expect_lines(r, n, wr, N(wr));
    /* body_joined: the lines joined by "\n" (they already end in one here);
     * body_lower: ASCII lowercased */
    const char *joined = "Gr\xc3\xbc\xc3\x9f"
                         "e aus M\xc3\xbcnchen und mehr folded\tline\n"
                         "Gr\xc3\xbc\xc3\x9f"
                         "e aus M\xc3\xbcnchen. Soft line break here. NBSP: end. ";
    expect_text(&v->body_joined, joined, strlen(joined));
    const char *lower = "gr\xc3\xbc\xc3\x9f"
                        "e aus m\xc3\xbcnchen und mehr folded\tline\n"
                        "gr\xc3\xbc\xc3\x9f"
                        "e aus m\xc3\xbcnchen. soft line break here. nbsp: end. ";
    expect_text(&v->body_lower, lower, strlen(lower));
    fx_close(&f);
}

/* The body's white space (SpamAssassin: s/\n+\s*\n+/\x00/g, s/\s+/ /g,
 * tr/\x00/\n/): single spaces between words are copied with the words
 * around them, any other run becomes one space, or "\n" with a space on
 * the side(s) the run had one, at the start, the middle and the end. */
static void test_body_spaces(void **state)
{
    (void)state;
    const char *msg = "From: a@example.org\nSubject: s\n\n"
                      " lead one two  three\tfour \nfive six \n\nseven eight x\n \n\n y z \n";
    struct fx f;
    fx_open_mem(&f, msg, strlen(msg), NULL);
    size_t n;
    const struct mv_text *b = msgview_body(&f.v, false, &n);
    const char *want[] = {" lead one two three four five six \n", "seven eight x\n", " y z "};
    expect_lines(b, n, want, N(want));
    fx_close(&f);
}

/* urilist_tld_known: a name of the list in any case, the first, the last
 * and the longest ones; not a prefix, an extension or a part of one; the
 * name up to a NUL byte (as a C string); nothing empty or of 64 bytes. */
static void test_tld_known(void **state)
{
    (void)state;
    static const char *const yes[] = {"com",      "COM", "Com",         "aaa",
                                      "zw",       "co",  "xn--zfr164b", "xn--vermgensberatung-pwb",
                                      "XN--VHQUV"};
    static const char *const no[] = {"comx", "c",  "zz",  "example", "xn--vermgensberatung-pw",
                                     "qz",   "aa", "zwx", "-com"};
    for (size_t i = 0; i < N(yes); i++)
        if (!urilist_tld_known(yes[i], strlen(yes[i]))) fail_msg("%s: want known", yes[i]);
    for (size_t i = 0; i < N(no); i++)
        if (urilist_tld_known(no[i], strlen(no[i]))) fail_msg("%s: want unknown", no[i]);
    assert_true(urilist_tld_known("net\0x", 5));
    assert_false(urilist_tld_known("\0net", 4));
    assert_false(urilist_tld_known("net", 0));
    char big[64];
    memset(big, 'a', sizeof big);
    memcpy(big, "com", 4); /* "com" and a NUL, but 64 bytes long: too long */
    assert_false(urilist_tld_known(big, sizeof big));
    assert_true(urilist_tld_known(big, sizeof big - 1));
}

/* HTML.pm's rewrites before parsing, at the edges and next to each other:
 * "&nbsp;" (not "&nbs") to a space, "<tag/>" and "<tag />" to "<tag>" (not
 * "</>", which the parser drops), U+201C/U+201D to '"' (not U+201E); then
 * the text's white space runs and the UTF-8 bytes of a double-encoded
 * no-break space become one space each (<br> too: one line a paragraph) */
static void check_html_rewrites(void)
{
    static const char msg[] =
        "Subject: s\nContent-Type: text/html; charset=utf-8\n\n"
        "&nbsp;a&nbsp;&nbsp;b&amp;&nbs c<br/>d<br />e</>f<p>"
        "\xe2\x80\x9cq\xe2\x80\x9d \xe2\x80\x9e \t\n x\xc3\x82\xc2\xa0y\xc3\xa9"
        "&nbsp;\xe2\x80\x9c";
    struct fx f;
    fx_open_mem(&f, msg, sizeof msg - 1, NULL);
    size_t n;
    const struct mv_text *b = msgview_body(&f.v, true, &n);
    const char *want[] = {
        "s\n",
        " a b&&nbs c d ef\n",
        "\"q\" \xe2\x80\x9e x y\xc3\xa9 \"",
    };
    expect_lines(b, n, want, N(want));
    fx_close(&f);
}

/* HTML rendering (HTML.pm via get_rendered_body_text_array) and its URIs */
static void test_html_only(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "html-only.eml", NULL);
    struct msgview *v = &f.v;
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    /* <title> text comes first, separated; style and script content dropped;
     * &nbsp; &#33; &#37; decoded; <p> and <br> break; invisible text (display:
     * none, white on white) is still in the body (only the "visible" view
     * drops it); the final paragraph ends with a space from the collapse */
    const char *want[] = {
        "Big SALE today\n",
        "\n",
        "Sale & more\n",
        "Dear customer,\n",
        "Our biggest sale starts! Save 50% today.\n",
        "Click here or there. hidden textwhite on white Unsubscribe: mail us ",
    };
    expect_lines(b, n, want, N(want));
    /* rawbody: the HTML source */
    const struct mv_text *r = msgview_rawbody(v, &n);
    assert_int_equal(n, 1);
    assert_true(strncmp(r[0].p, "<html><head><title>Sale &amp; more</title>", 42) == 0);
    /* URIs: hrefs and img src; %-decoded variant of the escaped host; mailto
     * with and without its query */
    const char *uris[] = {
        "HTTP://%77%77%77.shop.example.com/%7Euser/",
        "HTTP://www.shop.example.com/~user/",
        "http://img.example.com/p.gif",
        "http://www.shop.example.com/sale?utm=1",
        "mailto:unsub@shop.example.com",
        "mailto:unsub@shop.example.com?subject=unsub",
    };
    expect_uris(v, uris, N(uris));
    fx_close(&f);
    check_html_rewrites();
}

/* multipart/alternative: both alternatives are text parts */
static void test_alternative(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "alternative-b64.eml", NULL);
    struct msgview *v = &f.v;
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {
        "Caf\xc3\xa9 news\n",
        "Caf\xc3\xa9 news: visit https://news.example.com/today now.\n",
        "Caf\xc3\xa9 news: visit today.\n",
    };
    expect_lines(b, n, want, N(want));
    /* rawbody: one entry per part (short parts are not split); the QP soft
     * break joined, "=3D" decoded */
    const struct mv_text *r = msgview_rawbody(v, &n);
    const char *wr[] = {
        "Caf\xc3\xa9 news: visit https://news.example.com/today now.\n",
        "<p>Caf\xc3\xa9 news: visit <a href=\"https://news.example.com/today\">today</a>.</p>",
    };
    expect_lines(r, n, wr, N(wr));
    const char *uris[] = {"https://news.example.com/today"};
    expect_uris(v, uris, N(uris));
    /* mimeheader (Plugin::MIMEHeader): the parts in tree order, 0 the root */
    assert_int_equal(f.m.mime.n, 3);
    const struct mv_text *t = msgview_mimeheader(v, 1, "Content-Transfer-Encoding", HM_DEFAULT);
    expect_text(t, S("base64\n"));
    t = msgview_mimeheader(v, 2, "content-type", HM_RAW);
    expect_text(t, S("text/html; charset=utf-8\n"));
    t = msgview_mimeheader(v, 0, "Content-Type", HM_RAW);
    expect_text(t, S(" multipart/alternative; boundary=\"ALT\"\n"));
    assert_null(msgview_mimeheader(v, 1, "Content-Disposition", HM_DEFAULT));
    assert_null(msgview_mimeheader(v, 3, "Content-Type", HM_DEFAULT)); /* no part 3 */
    t = msgview_mimeheader(v, 2, "ALL", HM_DEFAULT);
    expect_text(t, S("Content-Type: text/html; charset=utf-8\n"
                     "Content-Transfer-Encoding: quoted-printable\n"));
    fx_close(&f);
}

/* message/rfc822 inside multipart/mixed, and attachments */
static void test_nested(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "nested-attach.eml", NULL);
    struct msgview *v = &f.v;
    size_t n;
    /* the inner message's text part and the text/html attachment are text
     * parts too; parts are joined with "\n" so, without a blank line, the
     * first two end up in one paragraph */
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {
        "Fwd: invoice\n",
        "See the forwarded message and the attachment. Please pay invoice 42 at "
        "https://pay.vendor.example/i/42\n",
        "attached page with http://attached.example.net/x",
    };
    expect_lines(b, n, want, N(want));
    const struct mv_text *r = msgview_rawbody(v, &n);
    const char *wr[] = {
        "See the forwarded message and the attachment.",
        "Please pay invoice 42 at https://pay.vendor.example/i/42",
        "<b>attached page</b> with http://attached.example.net/x",
    };
    expect_lines(r, n, wr, N(wr));
    /* .example is no TLD: only the .net URI counts */
    const char *uris[] = {"http://attached.example.net/x"};
    expect_uris(v, uris, N(uris));
    /* mimeheader: part 3 is the inner message's text part, whose header is
     * the inner message's header */
    assert_int_equal(f.m.mime.n, 6);
    const struct mv_text *t = msgview_mimeheader(v, 3, "ALL", HM_DEFAULT);
    expect_text(t, S("From: Vendor <billing@vendor.example>\n"
                     "To: fwd@example.org\n"
                     "Subject: Invoice 42\n"
                     "Message-ID: <inner@vendor.example>\n"
                     "Content-Type: text/plain; charset=us-ascii\n"));
    t = msgview_mimeheader(v, 4, "Content-Disposition", HM_DEFAULT);
    expect_text(t, S("attachment; filename=\"invoice.pdf\"\n"));
    t = msgview_mimeheader(v, 2, "Content-Type", HM_DEFAULT);
    expect_text(t, S("message/rfc822\n"));
    /* the outer header only for header rules */
    expect_hdr(v, "Subject", HM_DEFAULT, "Fwd: invoice\n");
    fx_close(&f);
}

/* plain-text URIs (PerMsgStatus::_get_parsed_uri_list / Util uri_list_canonicalize) */
static void test_text_uris(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "plain.eml", NULL);
    /* schemeless www. and bare domain with a known TLD get http://; the
     * address becomes mailto:; "foo.bar" counts (.bar is a TLD); "1.2.3" and
     * "nope@localhost" do not; the trailing "." is not part of the URI */
    const char *uris[] = {
        "http://docs.example.org/a?b=1&c=2",
        "http://example.info/path",
        "http://foo.bar",
        "http://www.example.com",
        "mailto:carol@example.com",
    };
    expect_uris(&f.v, uris, N(uris));
    size_t n;
    const struct mv_text *b = msgview_body(&f.v, true, &n);
    const char *want[] = {
        "Meeting notes\n",
        "Hello Bob,\n",
        "Here are the notes. Visit www.example.com or http://docs.example.org/a?b=1&c=2. Write "
        "to carol@example.com, or see example.info/path for more. Not a URI: foo.bar and 1.2.3 "
        "and nope@localhost.\n",
        "Thanks, Alice ",
    };
    expect_lines(b, n, want, N(want));
    const struct mv_text *r = msgview_rawbody(&f.v, &n);
    const char *wr[] = {
        "Hello Bob,\n\nHere are the notes.   Visit www.example.com or "
        "http://docs.example.org/a?b=1&c=2.\nWrite to carol@example.com, or see example.info/path "
        "for more.\nNot a URI: foo.bar and 1.2.3 and nope@localhost.\n\n\nThanks,\nAlice\n"};
    expect_lines(r, n, wr, N(wr));
    fx_close(&f);

    static const char msg[] =
        "From: u@example.com\nSubject: links\nContent-Type: text/plain\n\n"
        "Go to www.example.com/Path?Q=1 or HTTP://Example.NET:80/a%20b%2Fc or mail "
        "John.Doe@Example.ORG today.\nAlso http://0x7f.1/x and "
        "https://user:pw@sub.example.info:8443/\n";
    fx_open_mem(&f, S(msg), NULL);
    /* %2F decoded in a variant (%20 kept: not safe to decode); "0x7f.1" is
     * no valid host; user:pw@ and the port kept */
    const char *u2[] = {
        "HTTP://Example.NET:80/a%20b%2Fc", "HTTP://Example.NET:80/a%20b/c",
        "http://www.example.com/Path?Q=1", "https://user:pw@sub.example.info:8443/",
        "mailto:John.Doe@Example.ORG",
    };
    expect_uris(&f.v, u2, N(u2));
    fx_close(&f);

    /* no URI starts inside a word (the scanner skips it past its first two
     * bytes) but one does after "ESC ( B" and after punctuation */
    static const char msg3[] =
        "Subject: w\n\n"
        "abcftp://a.example.com/p xy\x1b(Bftp://b.example.com/q "
        "ab_wwwxyz.c.example.com z(www.d.example.com) Bhttps://e.example.com\n";
    fx_open_mem(&f, S(msg3), NULL);
    /* "abcftp://" is no ftp URI, only its host after "//" a schemeless one;
     * "\x1b(Bftp://" is; a word's first byte starts a schemeless host */
    const char *u3[] = {
        "http://a.example.com/p",   "ftp://b.example.com/q", "http://ab_wwwxyz.c.example.com",
        "http://www.d.example.com", "http://e.example.com",
    };
    expect_uris(&f.v, u3, N(u3));
    fx_close(&f);

    /* a schemeless host's dots are tried from the last one back: the
     * sentence's full stop has no label after it and passes to the dot
     * before "com"; in the second host "zzqx" is no TLD, and "org" followed
     * by "." and a letter is none */
    static const char msg4[] = "Subject: d\n\n"
                               "see docs.example.com. and shop.example.org.zzqx here\n";
    fx_open_mem(&f, S(msg4), NULL);
    const char *u4[] = {"http://docs.example.com"};
    expect_uris(&f.v, u4, N(u4));
    fx_close(&f);
}

/* CRLF line ends: SpamAssassin reads the message with them turned into LF */
static void test_crlf(void **state)
{
    (void)state;
    static const char msg[] = "From: x@example.com\r\n"
                              "Subject: crlf =?iso-8859-1?q?caf=E9?=\r\n"
                              "To: y@example.com\r\n"
                              "\r\n"
                              "first  para\r\n"
                              "\r\n"
                              "\r\n"
                              "second\tpara\r\n";
    struct fx f;
    fx_open_mem(&f, S(msg), NULL);
    struct msgview *v = &f.v;
    expect_hdr(v, "Subject", HM_DEFAULT, "crlf caf\xc3\xa9\n");
    expect_hdr(v, "ALL", HM_DEFAULT,
               "From: x@example.com\nSubject: crlf caf\xc3\xa9\nTo: y@example.com\n");
    size_t n;
    const struct mv_text *b = msgview_body(v, true, &n);
    const char *want[] = {"crlf caf\xc3\xa9\n", "first para\n", "second para "};
    expect_lines(b, n, want, N(want));
    const struct mv_text *r = msgview_rawbody(v, &n);
    const char *wr[] = {"first  para\n\n\nsecond\tpara\n"};
    expect_lines(r, n, wr, N(wr));
    /* full (get_pristine): the message as received, CRs and all */
    struct mv_text full = msgview_full(v);
    expect_text(&full, msg, sizeof msg - 1);
    fx_close(&f);
}

/* body_part_scan_size and the 2048-byte line split (get_rendered_body_text_array,
 * split_into_array_of_short_lines); rawbody's split_into_array_of_short_paragraphs */
static void test_long_part(void **state)
{
    (void)state;
    const char head[] = "From: a@example.com\nSubject: big\n\n";
    size_t hl = sizeof head - 1, len = hl + 12000 * 5 + 1;
    char *msg = malloc(len);
    memcpy(msg, head, hl);
    for (size_t i = 0; i < 12000; i++)
        memcpy(msg + hl + 5 * i, "abcd ", 5);
    msg[len - 1] = '\n';
    struct fx f;
    fx_open_mem(&f, msg, len, NULL);
    free(msg);
    size_t n;
    /* The part's 60001 bytes have no newline after offset 50000 within 1 KB,
     * so the cut is after the first space at or past 50000: offset 50004,
     * keeping 50005 bytes (10001 words). Lines longer than 2048 are split
     * after the last space at or before offset 2048: 2044, so 2045 bytes
     * (409 words) a line: 24 lines of 2045 and one of 50005 - 24 * 2045 =
     * 925, after the Subject line. */
    const struct mv_text *b = msgview_body(&f.v, true, &n);
    assert_int_equal(n, 26);
    expect_text(&b[0], S("big\n"));
    for (size_t i = 1; i <= 24; i++) {
        assert_int_equal(b[i].len, 2045);
        assert_memory_equal(b[i].p, "abcd abcd ", 10);
    }
    assert_int_equal(b[25].len, 925);
    assert_memory_equal(b[25].p + 920, "abcd ", 5);
    /* rawbody is not cut (60001 < 500000). Chunks end at the first space at or
     * after offset 2048 of each chunk (a newline first, if within 4096):
     * 2050 bytes each while more than 4096 bytes remain, i.e. 28 chunks
     * (57400 bytes), then the remaining 2601 bytes. */
    const struct mv_text *r = msgview_rawbody(&f.v, &n);
    assert_int_equal(n, 29);
    size_t total = 0;
    for (size_t i = 0; i < 28; i++) {
        assert_int_equal(r[i].len, 2050);
        total += r[i].len;
    }
    assert_int_equal(r[28].len, 2601);
    assert_int_equal(r[28].p[2600], '\n');
    assert_int_equal(total + r[28].len, 60001);
    fx_close(&f);
}

/* the cache: same answer, same pointer; many distinct names (the table grows) */
static void test_cache(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "plain.eml", NULL);
    struct msgview *v = &f.v;
    const struct mv_text *s1 = msgview_header(v, "Subject", HM_DEFAULT);
    const struct mv_text *s2 = msgview_header(v, "Subject", HM_DEFAULT);
    assert_ptr_equal(s1, s2);
    const struct mv_text *s3 = msgview_header(v, "Subject", HM_RAW);
    assert_ptr_not_equal(s1, s3);
    char name[64];
    for (int i = 0; i < 600; i++) {
        snprintf(name, sizeof name, "X-Absent-%d", i);
        assert_null(msgview_header(v, name, (enum rule_hdr_mod)(i % 8)));
    }
    /* a name read from a reused buffer is compared by content */
    snprintf(name, sizeof name, "X-Mailer");
    expect_text(msgview_header(v, name, HM_DEFAULT), S("ExampleMailer 1.0\n"));
    snprintf(name, sizeof name, "To");
    expect_text(msgview_header(v, name, HM_ADDR), S("bob@example.net\ncarol@example.com"));
    assert_ptr_equal(msgview_header(v, "Subject", HM_DEFAULT), s1);
    /* long names are no field name: NULL */
    char longname[400];
    memset(longname, 'X', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    assert_null(msgview_header(v, longname, HM_DEFAULT));
    /* the body is built once */
    size_t n1, n2;
    const struct mv_text *b1 = msgview_body(v, true, &n1);
    const struct mv_text *b2 = msgview_body(v, true, &n2);
    assert_ptr_equal(b1, b2);
    assert_int_equal(n1, n2);
    /* full: the whole file (no mbox From_ line here) */
    struct mv_text full = msgview_full(v);
    expect_text(&full, f.raw, f.len);
    fx_close(&f);
}

/* A look-up that finds one field hands on get_values' own NUL-terminated
 * value (join_res without the copy); two fields are still joined, and
 * values a modifier made are copied as before. */
static void test_single_value(void **state)
{
    (void)state;
    const char *msg = "From: Bob <bob@x.example>\n"
                      "Subject: one\n"
                      "X-Two: a\n"
                      "X-Two:  b\n"
                      "To: c@y.example, d@z.example\n"
                      "\n"
                      "body\n";
    struct fx f;
    fx_open_mem(&f, msg, strlen(msg), NULL);
    struct msgview *v = &f.v;
    expect_hdr(v, "Subject", HM_DEFAULT, "one\n");
    expect_hdr(v, "Subject", HM_RAW, " one\n");
    expect_hdr(v, "X-Two", HM_DEFAULT, "a\nb\n");
    expect_hdr(v, "X-Two", HM_RAW, " a\n  b\n");
    expect_hdr(v, "From", HM_ADDR, "bob@x.example");
    expect_hdr(v, "From", HM_NAME, "Bob");
    expect_hdr(v, "To", HM_ADDR, "c@y.example\nd@z.example");
    struct msgview_key k;
    msgview_key_init(&k, "subject");
    expect_text(msgview_header_key(v, &k, HM_DEFAULT), S("one\n"));
    msgview_key_init(&k, "x-two");
    expect_text(msgview_header_key(v, &k, HM_RAW), S(" a\n  b\n"));
    fx_close(&f);
}

/* The look-up cache past two growths (64 and 128 entries): every entry
 * made before still answers, with the value it was made with. */
static void test_cache_growth(void **state)
{
    (void)state;
    char *msg = malloc(8192);
    assert_non_null(msg);
    size_t len = 0;
    for (int i = 0; i < 100; i++)
        len += (size_t)snprintf(msg + len, 8192 - len, "X-H%d: v%d <u%d@example.org>\n", i, i, i);
    len += (size_t)snprintf(msg + len, 8192 - len, "\nbody\n");
    struct fx f;
    fx_open_mem(&f, msg, len, NULL);
    free(msg);
    struct msgview *v = &f.v;
    const struct mv_text *first[100];
    char name[32], want[64];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "X-H%d", i);
        first[i] = msgview_header(v, name, HM_DEFAULT);
        snprintf(want, sizeof want, "v%d <u%d@example.org>\n", i, i);
        expect_text(first[i], want, strlen(want));
    }
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "X-H%d", i);
        snprintf(want, sizeof want, "u%d@example.org", i);
        expect_text(msgview_header(v, name, HM_ADDR), want, strlen(want));
    }
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof name, "x-h%d", i); /* another spelling: its own entry */
        snprintf(want, sizeof want, " v%d <u%d@example.org>\n", i, i);
        expect_text(msgview_header(v, name, HM_RAW), want, strlen(want));
        snprintf(name, sizeof name, "X-H%d", i);
        assert_ptr_equal(msgview_header(v, name, HM_DEFAULT), first[i]);
    }
    fx_close(&f);
}

/* msgview_header_key answers what msgview_header answers for the same name
 * (any spelling of it, pseudo-headers, absent names, names too long), and
 * both share the cache: an entry made by one is found by the other. */
static void test_header_key(void **state)
{
    (void)state;
    struct fx f;
    fx_open(&f, "plain.eml", NULL);
    struct msgview *v = &f.v;
    struct msgview_key k;
    msgview_key_init(&k, "Subject");
    const struct mv_text *s1 = msgview_header_key(v, &k, HM_DEFAULT);
    assert_non_null(s1);
    assert_ptr_equal(msgview_header(v, "Subject", HM_DEFAULT), s1); /* from the cache */
    assert_ptr_equal(msgview_header_key(v, &k, HM_DEFAULT), s1);
    /* another spelling: its own entry, the same text */
    msgview_key_init(&k, "sUBJECT");
    expect_text(msgview_header_key(v, &k, HM_DEFAULT), s1->p, s1->len);
    const struct mv_text *m1 = msgview_header(v, "X-Mailer", HM_DEFAULT);
    msgview_key_init(&k, "X-Mailer");
    assert_ptr_equal(msgview_header_key(v, &k, HM_DEFAULT), m1);
    msgview_key_init(&k, "To");
    expect_text(msgview_header_key(v, &k, HM_ADDR), S("bob@example.net\ncarol@example.com"));
    msgview_key_init(&k, "X-Absent");
    assert_null(msgview_header_key(v, &k, HM_DEFAULT));
    msgview_key_init(&k, "ALL"); /* a pseudo-header: no field of that name */
    const struct mv_text *all = msgview_header_key(v, &k, HM_DEFAULT);
    assert_non_null(all);
    assert_ptr_equal(msgview_header(v, "ALL", HM_DEFAULT), all);
    msgview_key_init(&k, "MESSAGEID");
    assert_non_null(msgview_header_key(v, &k, HM_DEFAULT));
    char longname[400];
    memset(longname, 'X', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    msgview_key_init(&k, longname);
    assert_null(msgview_header_key(v, &k, HM_DEFAULT));
    fx_close(&f);
}

/* odd inputs: nothing crashes, the views are defined */
static void test_degenerate(void **state)
{
    (void)state;
    static const struct {
        const char *p;
        size_t len;
    } cases[] = {
        {S("")},
        {S("\n")},
        {S("no header at all\n")},
        {S("Subject: only a header")},
        {S("From x@example.com Mon Jan  1 00:00:00 2024\nSubject: mbox\n\nbody\n")},
        {S("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/html\n\n<p>x")},
        {S("Subject: =?utf-8?B?invalid?= =?x?q?y?=\nReceived: from [999.1.1.1]\n\n\0nul\n")},
    };
    for (size_t i = 0; i < N(cases); i++) {
        print_message("case %zu\n", i);
        struct fx f;
        fx_open_mem(&f, cases[i].p, cases[i].len, NULL);
        size_t n;
        const struct mv_text *b = msgview_body(&f.v, true, &n);
        for (size_t k = 0; k < n; k++)
            assert_int_equal(b[k].p[b[k].len], 0);
        msgview_rawbody(&f.v, &n);
        msgview_uris(&f.v, &n);
        struct mv_text full = msgview_full(&f.v);
        assert_non_null(full.p);
        msgview_header(&f.v, "ALL", HM_RAW);
        msgview_header(&f.v, "X-Spam-Relays-Untrusted", HM_DEFAULT);
        for (int m = 0; m < 8; m++)
            msgview_header(&f.v, "Subject", (enum rule_hdr_mod)m);
        fx_close(&f);
    }
    /* the mbox From_ line is not part of the header (Message::new) */
    struct fx f;
    fx_open_mem(&f, cases[4].p, cases[4].len, NULL);
    expect_hdr(&f.v, "ALL", HM_DEFAULT, "Subject: mbox\n");
    struct mv_text full = msgview_full(&f.v);
    expect_text(&full, S("Subject: mbox\n\nbody\n"));
    fx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_headers),
        cmocka_unit_test(test_plain_relays),
        cmocka_unit_test(test_trusted_chain),
        cmocka_unit_test(test_relay_dialects),
        cmocka_unit_test(test_env_and_modifiers),
        cmocka_unit_test(test_latin1_qp),
        cmocka_unit_test(test_html_only),
        cmocka_unit_test(test_alternative),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_text_uris),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_long_part),
        cmocka_unit_test(test_cache),
        cmocka_unit_test(test_single_value),
        cmocka_unit_test(test_body_spaces),
        cmocka_unit_test(test_tld_known),
        cmocka_unit_test(test_cache_growth),
        cmocka_unit_test(test_header_key),
        cmocka_unit_test(test_degenerate),
        cmocka_unit_test(test_addr_memo),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
