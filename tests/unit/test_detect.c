/* test_detect — format from content, context from paths (tables; expected
 * values written from the layouts described in detect.h / FIELD-NOTES.md). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sources/detect.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_format(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t len; /* 0 = strlen */
        enum src_format want;
    } t[] = {
        {"", 0, SRC_EMPTY},
        {"Received: from x (y [192.0.2.1])\r\n\tby z; Tue, 1 Apr 2025 10:00:00 +0000\r\n", 0,
         SRC_MESSAGE},
        {"Return-Path: bob@example.com\r\nReceived: from\r\n", 0, SRC_MESSAGE},
        {"From: a@b\nTo: c@d\n\nbody", 0, SRC_MESSAGE},
        {"X-Custom: 1\nX-Other: 2\n", 0, SRC_MESSAGE},
        {"X-Custom: 1\n folded\n", 0, SRC_MESSAGE},
        {"X-Custom: only line", 0, SRC_MESSAGE},
        {"X-Custom: 1\nX-Oth", 0, SRC_MESSAGE},             /* head cut inside a field name */
        {"Subject : obs syntax\n", 0, SRC_MESSAGE},         /* WSP before colon */
        {"\xEF\xBB\xBFReceived: from x\n", 0, SRC_MESSAGE}, /* BOM */
        {"\xEF\xBB\xBF", 0, SRC_EMPTY}, /* a BOM and nothing else (read past it once) */
        {"From MAILER-DAEMON Fri Jul  8 12:08:34 2011\nReturn-Path: <>\n", 0, SRC_MBOX},
        {"From - Mon Jan 01 00:00:00 2024\nX-Mozilla-Status: 0001\n", 0, SRC_MBOX},
        {"2025-04-01 10:00:00 1uABC-000 <= a@b H=x [1.2.3.4]\n", 0, SRC_UNKNOWN},
        {"Apr  1 10:00:00 mx postfix/smtpd[123]: connect from x[1.2.3.4]\n", 0, SRC_UNKNOWN},
        {"\"SMTPD\"\t1234\t5\t\"2025-04-01 10:00:00.123\"\t\"1.2.3.4\"\t\"SENT: 220\"\r\n", 0,
         SRC_UNKNOWN},
        {"#Software: Microsoft Internet Information Services 6.0\n#Version: 1.0\n", 0, SRC_UNKNOWN},
        {"\xEF\xBB\xBF#Software: Microsoft Exchange Server\n#Version: 15.01\n", 0, SRC_UNKNOWN},
        {"2025-04-01T08:00:01.137911+02:00 mx1 postfix/smtpd[1190]: connect from x[192.0.2.1]\n"
         "2025-04-01T08:00:02.000000+02:00 mx1 postfix/smtpd[1190]: disconnect from x[192.0.2.1]\n",
         0, SRC_UNKNOWN},
        {"error: something\nmore log text here\n", 0, SRC_UNKNOWN},
        {"\x1f\x8b\x08\x00\x00\x00", 6, SRC_UNKNOWN},
        {"PK\x03\x04", 4, SRC_UNKNOWN},
        {"Received\0: x", 12, SRC_UNKNOWN},
        {"\n\nReceived: x", 0, SRC_UNKNOWN},
        {": no name\n", 0, SRC_UNKNOWN},
        {"From me to you\nhello\n", 0, SRC_UNKNOWN},
    };
    for (size_t i = 0; i < N(t); i++) {
        size_t len = t[i].len ? t[i].len : strlen(t[i].in);
        /* an exact-size copy: ASan sees a read past the input */
        char *in = malloc(len ? len : 1);
        assert_non_null(in);
        memcpy(in, t[i].in, len);
        enum src_format got = detect_format(in, len);
        free(in);
        if (got != t[i].want)
            fail_msg("format[%zu] %s, want %s", i, detect_format_name(got),
                     detect_format_name(t[i].want));
    }
}

struct ctx_case {
    const char *path;
    enum src_format fmt;
    enum src_container cont;
    const char *folder, *account, *domain, *flags;
};

static const struct ctx_case ctx_cases[] = {
    /* Maildir root and Maildir++ */
    {"/home/u/Maildir/cur/1711962000.M1P2.host:2,RS", SRC_MESSAGE, CONT_MAILDIR, "INBOX", NULL,
     NULL, "RS"},
    {"/home/u/Maildir/new/1711962000.M1P2.host", SRC_MESSAGE, CONT_MAILDIR, "INBOX", NULL, NULL,
     NULL},
    {"Maildir/.Junk/cur/1711962000.M1P2.host:2,", SRC_MESSAGE, CONT_MAILDIR, "Junk", NULL, NULL,
     ""},
    {"Maildir/.INBOX.Spam/cur/17.M1.h:2,S", SRC_MESSAGE, CONT_MAILDIR, "Spam", NULL, NULL, "S"},
    {"Maildir/.Lists.Foo/cur/17.M1.h:2,FS", SRC_MESSAGE, CONT_MAILDIR, "Lists.Foo", NULL, NULL,
     "FS"},
    {"copy/Maildir/.Junk/cur/17.M1.h!2,S", SRC_MESSAGE, CONT_MAILDIR, "Junk", NULL, NULL, "S"},
    {"copy/.Sent/cur/17.M1.h%3A2,RS", SRC_MESSAGE, CONT_MAILDIR, "Sent", NULL, NULL, "RS"},
    {"copy/Maildir/cur/17.M1.h\xEF\x80\xBA"
     "2,T",
     SRC_MESSAGE, CONT_MAILDIR, "INBOX", NULL, NULL, "T"},
    {"mail/Junk/cur/17.M1.h:2,S", SRC_MESSAGE, CONT_MAILDIR, "Junk", NULL, NULL,
     "S"}, /* LAYOUT=fs */
    {"cur/17.M1.h:2,S", SRC_MESSAGE, CONT_MAILDIR, "INBOX", NULL, NULL, "S"},
    {"Maildir\\.Junk\\cur\\17.M1.h!2,S", SRC_MESSAGE, CONT_MAILDIR, "Junk", NULL, NULL, "S"},
    /* hMailServer */
    {"/srv/Data/example.com/bob/6C/{6C3A5B21-1234-4D5E-8F90-ABCDEF012345}.eml", SRC_MESSAGE,
     CONT_HMAIL_ACCOUNT, NULL, "bob", "example.com", NULL},
    {"Data\\example.com\\bob\\6c\\{6c3a5b21-1234-4d5e-8f90-abcdef012345}.eml", SRC_MESSAGE,
     CONT_HMAIL_ACCOUNT, NULL, "bob", "example.com", NULL},
    {"./Data/example.com/bob/./6C/{6C3A5B21-1234-4D5E-8F90-ABCDEF012345}.EML", SRC_MESSAGE,
     CONT_HMAIL_ACCOUNT, NULL, "bob", "example.com", NULL},
    {"Data/#Public/A0/{A0000000-1234-4D5E-8F90-ABCDEF012345}.eml", SRC_MESSAGE, CONT_HMAIL_PUBLIC,
     "#Public", NULL, NULL, NULL},
    {"Data/{A0000000-1234-4D5E-8F90-ABCDEF012345}.eml", SRC_MESSAGE, CONT_HMAIL_QUEUE, NULL, NULL,
     NULL, NULL},
    {"{A0000000-1234-4D5E-8F90-ABCDEF012345}.eml", SRC_MESSAGE, CONT_HMAIL_QUEUE, NULL, NULL, NULL,
     NULL},
    /* wrong XX directory: not an account layout */
    {"Data/example.com/bob/6D/{6C3A5B21-1234-4D5E-8F90-ABCDEF012345}.eml", SRC_MESSAGE,
     CONT_HMAIL_QUEUE, NULL, NULL, NULL, NULL},
    /* not GUID-shaped */
    {"Data/example.com/bob/6C/{6C3A5B21-1234-4D5E-8F90-ABCDEF01234}.eml", SRC_MESSAGE, CONT_FILE,
     NULL, NULL, NULL, NULL},
    {"Data/example.com/bob/6C/6C3A5B21-1234-4D5E-8F90-ABCDEF012345.eml", SRC_MESSAGE, CONT_FILE,
     NULL, NULL, NULL, NULL},
    /* mbox */
    {"Takeout/Mail/Spam.mbox", SRC_MBOX, CONT_MBOX, "Spam", NULL, NULL, NULL},
    {"Spam.mbox.gz", SRC_MBOX, CONT_MBOX, "Spam", NULL, NULL, NULL},
    {"Takeout/Mail/All mail Including Spam and Trash.mbox", SRC_MBOX, CONT_MBOX,
     "All mail Including Spam and Trash", NULL, NULL, NULL},
    {"Thunderbird/Profile/Mail/Local Folders/Junk", SRC_MBOX, CONT_MBOX, "Junk", NULL, NULL, NULL},
    {"archive/INBOX.MBX", SRC_MBOX, CONT_MBOX, "INBOX", NULL, NULL, NULL},
    {".mbox", SRC_MBOX, CONT_MBOX, ".mbox", NULL, NULL, NULL},
    /* mbox content wins over a Maildir-looking path */
    {"Maildir/cur/strange", SRC_MBOX, CONT_MBOX, "strange", NULL, NULL, NULL},
    /* plain files */
    {"seeds/Junk E-mail/msg1.eml", SRC_MESSAGE, CONT_FILE, "Junk E-mail", NULL, NULL, NULL},
    {"seeds/inbox/msg1.eml", SRC_MESSAGE, CONT_FILE, "inbox", NULL, NULL, NULL},
    {"seeds/campaign-42/msg1.eml", SRC_MESSAGE, CONT_FILE, NULL, NULL, NULL, NULL},
    {"msg1.eml", SRC_MESSAGE, CONT_FILE, NULL, NULL, NULL, NULL},
    {"C:\\Users\\me\\Bulk\\x.eml", SRC_MESSAGE, CONT_FILE, "Bulk", NULL, NULL, NULL},
    {"", SRC_UNKNOWN, CONT_FILE, NULL, NULL, NULL, NULL},
    {"///", SRC_UNKNOWN, CONT_FILE, NULL, NULL, NULL, NULL},
};

static void check_str(size_t i, const char *what, const char *got, const char *want)
{
    if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
        fail_msg("context[%zu] %s: got '%s', want '%s'", i, what, got ? got : "(null)",
                 want ? want : "(null)");
}

static void test_context(void **state)
{
    (void)state;
    arena *a = arena_new();
    for (size_t i = 0; i < N(ctx_cases); i++) {
        const struct ctx_case *c = &ctx_cases[i];
        struct src_context out;
        detect_context(a, c->path, c->fmt, &out);
        if (out.container != c->cont)
            fail_msg("context[%zu] %s: container %s, want %s", i, c->path,
                     detect_container_name(out.container), detect_container_name(c->cont));
        check_str(i, "folder", out.folder, c->folder);
        check_str(i, "account", out.account, c->account);
        check_str(i, "domain", out.domain, c->domain);
        check_str(i, "flags", out.flags, c->flags);
    }
    arena_free(a);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(detect_format_name(SRC_MBOX), "mbox");
    assert_string_equal(detect_format_name(SRC_UNKNOWN), "unknown");
    assert_string_equal(detect_container_name(CONT_HMAIL_QUEUE), "hmailserver-queue");
    assert_string_equal(detect_container_name(CONT_MAILDIR), "maildir");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_context),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
