/* test_placement — labels > folder > verdict headers (topmost first), with
 * the evidence string that names the deciding rule. Expectations follow the
 * rules in placement.c's header comment, written per case by hand. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mail/placement.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct pcase {
    const char *name;
    const char *hdrs; /* header block (NULL: no headers at all) */
    const char *folder;
    const char *labels;
    enum placement want;
    const char *evidence; /* NULL when unknown */
};

static const struct pcase cases[] = {
    /* 1. Gmail labels */
    {"label-spam", "Subject: x\n\n", NULL, "Spam,Category Promotions", PLACEMENT_SPAM,
     "gmail-label:Spam"},
    {"label-inbox-promo", "Subject: x\n\n", NULL, "Category Promotions,Inbox,Opened",
     PLACEMENT_INBOX, "gmail-label:Inbox"},
    {"label-beats-folder", "Subject: x\n\n", "Spam", "Inbox", PLACEMENT_INBOX, "gmail-label:Inbox"},
    {"label-beats-headers", "X-Spam-Flag: YES\n\n", NULL, "Inbox", PLACEMENT_INBOX,
     "gmail-label:Inbox"},
    {"label-quoted", "Subject: x\n\n", NULL, "\"Work, Projects\", spam ", PLACEMENT_SPAM,
     "gmail-label:Spam"},
    {"label-archived", "Subject: x\n\n", NULL, "Archived,Category Updates", PLACEMENT_UNKNOWN,
     NULL},
    {"label-from-header", "X-Gmail-Labels: Opened,\r\n Spam\r\nSubject: x\r\n\r\n",
     "All mail Including Spam and Trash", NULL, PLACEMENT_SPAM, "gmail-label:Spam"},
    {"label-not-substring", "Subject: x\n\n", NULL, "Spammy,Inboxes", PLACEMENT_UNKNOWN, NULL},
    /* 2. folders */
    {"folder-junk", "X-Spam-Flag: NO\n\n", "Junk", NULL, PLACEMENT_SPAM, "folder:Junk"},
    {"folder-dot-junk", "Subject: x\n\n", ".Junk", NULL, PLACEMENT_SPAM, "folder:.Junk"},
    {"folder-junk-email", "Subject: x\n\n", "junk e-mail", NULL, PLACEMENT_SPAM,
     "folder:junk e-mail"},
    {"folder-junk-email2", "Subject: x\n\n", "Junk Email", NULL, PLACEMENT_SPAM,
     "folder:Junk Email"},
    {"folder-bulk", "Subject: x\n\n", "Bulk Mail", NULL, PLACEMENT_SPAM, "folder:Bulk Mail"},
    {"folder-gmail-spam", "Subject: x\n\n", "[Gmail]/Spam", NULL, PLACEMENT_SPAM,
     "folder:[Gmail]/Spam"},
    {"folder-inbox-junk", "Subject: x\n\n", "INBOX.Junk", NULL, PLACEMENT_SPAM,
     "folder:INBOX.Junk"},
    {"folder-inbox", "X-Spam-Flag: YES\n\n", "INBOX", NULL, PLACEMENT_INBOX, "folder:INBOX"},
    {"folder-inbox-lc", "Subject: x\n\n", "inbox", NULL, PLACEMENT_INBOX, "folder:inbox"},
    {"folder-takeout-all", "Subject: x\n\n", "All mail Including Spam and Trash", NULL,
     PLACEMENT_UNKNOWN, NULL},
    {"folder-sent-then-header", "X-Spam-Flag: YES\n\n", "Sent", NULL, PLACEMENT_SPAM,
     "header:X-Spam-Flag=YES"},
    {"folder-inbox-sub", "Subject: x\n\n", "INBOX.Lists", NULL, PLACEMENT_UNKNOWN, NULL},
    /* 3. headers */
    {"spam-flag-yes", "X-Spam-Flag: YES\n\n", NULL, NULL, PLACEMENT_SPAM, "header:X-Spam-Flag=YES"},
    {"spam-flag-no", "X-Spam-Flag: NO\n\n", NULL, NULL, PLACEMENT_INBOX, "header:X-Spam-Flag=NO"},
    {"spam-status-yes",
     "X-Spam-Status: Yes, score=7.1 required=5.0 tests=BAYES_99,\n\tURIBL_BLOCKED autolearn=no\n\n",
     NULL, NULL, PLACEMENT_SPAM, "header:X-Spam-Status=Yes"},
    {"spam-status-no", "X-Spam-Status: No, score=-0.1 required=5.0\n\n", NULL, NULL,
     PLACEMENT_INBOX, "header:X-Spam-Status=No"},
    {"spam-status-score", "X-Spam-Status: score=6.5 required=5.0\n\n", NULL, NULL, PLACEMENT_SPAM,
     "header:X-Spam-Status=6.5>=5.0"},
    {"spam-score", "X-Spam-Score: 3.2\nX-Spam-Status: tests=NONE required=4.0\n\n", NULL, NULL,
     PLACEMENT_INBOX, "header:X-Spam-Score=3.2<4.0"},
    {"spam-score-alone", "X-Spam-Score: 9.9\n\n", NULL, NULL, PLACEMENT_UNKNOWN, NULL},
    {"hmail", "X-hMailServer-Spam: YES\nX-hMailServer-Reason-Score: 8\n\n", NULL, NULL,
     PLACEMENT_SPAM, "header:X-hMailServer-Spam=YES"},
    {"hmail-no-says-nothing", "X-hMailServer-Spam: NO\n\n", NULL, NULL, PLACEMENT_UNKNOWN, NULL},
    {"scl-5", "X-MS-Exchange-Organization-SCL: 5\n\n", NULL, NULL, PLACEMENT_SPAM,
     "header:X-MS-Exchange-Organization-SCL=5"},
    {"scl-minus1", "X-MS-Exchange-Organization-SCL: -1\n\n", NULL, NULL, PLACEMENT_INBOX,
     "header:X-MS-Exchange-Organization-SCL=-1"},
    {"scl-4", "X-MS-Exchange-Organization-SCL: 4\n\n", NULL, NULL, PLACEMENT_INBOX,
     "header:X-MS-Exchange-Organization-SCL=4"},
    {"scl-garbage", "X-MS-Exchange-Organization-SCL: high\n\n", NULL, NULL, PLACEMENT_UNKNOWN,
     NULL},
    {"forefront-spm",
     "X-Forefront-Antispam-Report: CIP:192.0.2.1;CTRY:US;LANG:en;SCL:5;SRV:;IPV:NLI;SFV:SPM;"
     "H:mail.example;PTR:mail.example;CAT:SPM;SFS:(13230028);DIR:INB;\n\n",
     NULL, NULL, PLACEMENT_SPAM, "header:X-Forefront-Antispam-Report=SFV:SPM"},
    {"forefront-nspm",
     "X-Forefront-Antispam-Report:\r\n CIP:192.0.2.1;CTRY:;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;\r\n"
     " H:x;PTR:x;CAT:NONE;SFS:;DIR:INB;\r\n\r\n",
     NULL, NULL, PLACEMENT_INBOX, "header:X-Forefront-Antispam-Report=SFV:NSPM"},
    {"forefront-sks", "X-Forefront-Antispam-Report: SFV:SKS;SCL:1\n\n", NULL, NULL, PLACEMENT_SPAM,
     "header:X-Forefront-Antispam-Report=SFV:SKS"},
    {"forefront-scl-only", "X-Forefront-Antispam-Report: CIP:1.2.3.4;SCL:6;DIR:INB\n\n", NULL, NULL,
     PLACEMENT_SPAM, "header:X-Forefront-Antispam-Report=SCL:6"},
    {"forefront-not-item", "X-Forefront-Antispam-Report: CIP:1.2.3.4;XSFV:SPM;DIR:INB\n\n", NULL,
     NULL, PLACEMENT_UNKNOWN, NULL},
    {"mailbox-delivery-j",
     "X-Microsoft-Antispam-Mailbox-Delivery: "
     "ucf:0;jmr:0;auth:0;dest:J;ENG:(910001)(944506478);\n\n",
     NULL, NULL, PLACEMENT_SPAM, "header:X-Microsoft-Antispam-Mailbox-Delivery=dest:J"},
    {"bcl-weak", "X-Microsoft-Antispam: BCL:8;\n\n", NULL, NULL, PLACEMENT_SPAM,
     "header:X-Microsoft-Antispam=BCL:8"},
    {"bcl-low", "X-Microsoft-Antispam: BCL:3;\n\n", NULL, NULL, PLACEMENT_UNKNOWN, NULL},
    {"bcl-loses-to-strong",
     "X-Microsoft-Antispam: BCL:8;\nX-Forefront-Antispam-Report: SFV:NSPM;\n\n", NULL, NULL,
     PLACEMENT_INBOX, "header:X-Forefront-Antispam-Report=SFV:NSPM"},
    {"topmost-wins-spam",
     "X-Forefront-Antispam-Report: SFV:SPM;SCL:5\nReceived: x\nX-Spam-Status: No, score=0.1\n\n",
     NULL, NULL, PLACEMENT_SPAM, "header:X-Forefront-Antispam-Report=SFV:SPM"},
    {"topmost-wins-ham", "X-Spam-Flag: NO\nReceived: x\nX-Spam-Flag: YES\n\n", NULL, NULL,
     PLACEMENT_INBOX, "header:X-Spam-Flag=NO"},
    {"x-spam-rspamd", "X-Spam: Yes\n\n", NULL, NULL, PLACEMENT_SPAM, "header:X-Spam=Yes"},
    {"yes-prefix-not-word", "X-Spam-Flag: YESTERDAY\n\n", NULL, NULL, PLACEMENT_UNKNOWN, NULL},
    {"nothing", "Subject: hi\nFrom: a@b\n\n", NULL, NULL, PLACEMENT_UNKNOWN, NULL},
    {"no-headers-folder", NULL, "Spam", NULL, PLACEMENT_SPAM, "folder:Spam"},
    {"no-headers-nothing", NULL, NULL, NULL, PLACEMENT_UNKNOWN, NULL},
};

static void test_table(void **state)
{
    (void)state;
    arena *a = arena_new();
    for (size_t i = 0; i < N(cases); i++) {
        const struct pcase *c = &cases[i];
        struct hdr_block h;
        struct anomalies an;
        anom_init(&an, a);
        if (c->hdrs) hdr_parse(a, c->hdrs, strlen(c->hdrs), &h, &an);
        const char *ev = "unset";
        enum placement p = placement_decide(a, c->hdrs ? &h : NULL, c->folder, c->labels, &ev);
        if (p != c->want)
            fail_msg("%s: %s, want %s", c->name, placement_name(p), placement_name(c->want));
        if ((ev == NULL) != (c->evidence == NULL) || (ev && strcmp(ev, c->evidence) != 0))
            fail_msg("%s: evidence '%s', want '%s'", c->name, ev ? ev : "(null)",
                     c->evidence ? c->evidence : "(null)");
        assert_int_equal(an.n, 0); /* fixtures are well-formed header blocks */
    }
    /* evidence may be NULL */
    assert_int_equal(placement_decide(a, NULL, "Junk", NULL, NULL), PLACEMENT_SPAM);
    arena_free(a);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(placement_name(PLACEMENT_UNKNOWN), "unknown");
    assert_string_equal(placement_name(PLACEMENT_INBOX), "inbox");
    assert_string_equal(placement_name(PLACEMENT_SPAM), "spam");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
