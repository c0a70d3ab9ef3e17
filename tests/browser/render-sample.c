/* render-sample — a hand-built report model rendered as HTML on stdout, for
 * tests/browser/check-browser.sh: every section of the real report, with
 * hostile strings in every field (markup, both quotes, invalid UTF-8,
 * control bytes, very long unbroken identifiers), --compare values,
 * thresholds, both chart kinds and a truncated table, so the browser shows
 * what the samples' own report may not contain. */
#include <stdio.h>
#include <string.h>

#include "report/model.h"
#include "report/render.h"

#define HOSTILE "<script>alert(1)</script>"

int main(void)
{
    struct report r;
    memset(&r, 0, sizeof r);
    r.a = arena_new();
    r.db_path = "/var/lib/mailaudit/<b>\"db\"</b>.db";
    r.generated = "2025-04-08T00:00:00Z";
    r.since = "2025-04-01T00:00:00Z";
    r.until = "2025-04-08T00:00:00Z";
    r.prev_since = "2025-03-25T00:00:00Z";
    r.prev_until = "2025-04-01T00:00:00Z";
    r.domain = "example.com";
    r.campaign = HOSTILE;

    struct rthreshold th[] = {
        {.expr = "spam_placement>0.1", .has_value = true, .value = 0.5, .breached = true},
        {.expr = "dkim_pass_rate<0.98", .has_value = true, .value = 0.8, .breached = true},
        {.expr = "bounce_rate>0.02", .has_value = false},
    };
    r.th = th;
    r.n_th = 3;
    r.n_breached = 2;

    struct rsection *s = rsec_add(&r, "overview", "overview");
    struct rfact *f = rsec_fact(s, &r, "messages", "messages", rv_int(1234567), 0);
    f->has_prev = true;
    f->prev = rv_int(1100000);
    f = rsec_fact(s, &r, "spam_rate", "spam placement", rv_pct(0.5), -1);
    f->has_prev = true;
    f->prev = rv_pct(0.25);
    f = rsec_fact(s, &r, "dkim_pass", "DKIM pass rate", rv_pct(0.8), +1);
    f->has_prev = true;
    f->prev = rv_pct(0.95);
    f = rsec_fact(s, &r, "bounces", "bounces", rv_int(12), -1);
    f->has_prev = true;
    f->prev = rv_int(40);
    rsec_fact(s, &r, "subject", "top subject " HOSTILE, rv_text(HOSTILE), 0);
    rsec_note(s, &r, "2 sources could not be read: %s",
              "/data/\xff\xfe\x01"
              "bad.mbox");

    s = rsec_add(&r, "authentication", "authentication");
    rsec_empty(s, &r, "no DKIM signatures, SPF or DMARC results in this period");

    s = rsec_add(&r, "content", "content");
    struct rchart *c =
        rsec_chart(s, &r, "scores", "Score distribution " HOSTILE, RC_BARS, 8, 1, "messages");
    static const char *const score_labels[] = {
        "0-1", "1-2", "2-3",   "3-4",
        "4-5", "5-6", HOSTILE, "7+ and a label far too long for the axis"};
    static const double score_values[] = {120, 340, 95, 40, 18, 7, 3, 1};
    for (size_t i = 0; i < 8; i++) {
        c->labels[i] = score_labels[i];
        c->values[i] = score_values[i];
    }
    c->series[0] = "messages";

    s = rsec_add(&r, "delivery", "delivery");
    enum { HOURS = 48 };
    c = rsec_chart(s, &r, "timeline", "Outcomes per hour", RC_STACKED, HOURS, 4, "deliveries");
    static const char *const series[] = {"sent", "deferred", "bounced", "s\"er'ies <x>"};
    for (size_t k = 0; k < 4; k++)
        c->series[k] = series[k];
    for (size_t h = 0; h < HOURS; h++) {
        c->labels[h] = rprintf(&r, "2025-04-%02zu %02zuh", 1 + h / 24, h % 24);
        c->values[0 * HOURS + h] = (double)(200 + (h * 37) % 120);
        c->values[1 * HOURS + h] = (double)((h * 13) % 40);
        c->values[2 * HOURS + h] = (double)((h * 7) % 9);
        c->values[3 * HOURS + h] = (double)(h % 3);
    }
    struct rtable *t = rsec_table(s, &r, "replies", "Top reply texts",
                                  "provider:t:Provider|reply:t:Reply|n:i:Count|share:p:Share");
    t->note = "the receivers' own words & <codes>";
    t->limit = 3;
    t->truncated = true;
    struct rval rows[][4] = {
        {rv_text("outlook.com"),
         rv_text("550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please "
                 "contact your Internet service provider since part of their network is on our "
                 "block list (S3150). <https://go.microsoft.com/fwlink/?LinkID=526655>"),
         rv_int(172), rv_pct(0.61)},
        {rv_text("gmail.com"), rv_text(HOSTILE), rv_int(1234), rv_pct(0.125)},
        {rv_text("\xc3\xa9xample.\xff"), rv_null(), rv_null(), rv_null()},
    };
    for (size_t i = 0; i < 3; i++)
        rtable_row(t, &r, rows[i]);

    s = rsec_add(&r, "infrastructure", "infrastructure");
    t = rsec_table(s, &r, "ips", "Sending IPs",
                   "ip:t:IP|helo:t:HELO|ptr:t:PTR|fcrdns:t:FCrDNS|n:i:Messages");
    struct rval ip[] = {rv_text("192.0.2.10"), rv_text("mail"),
                        rv_text("a-very-long-reverse-name-without-any-break-"
                                "opportunity.dynamic.customers.example-isp.net"),
                        rv_text("no"), rv_int(5)};
    rtable_row(t, &r, ip);

    s = rsec_add(&r, "postmortem", "placement post-mortem");
    t = rsec_table(s, &r, "features", "What the spam-foldered copies have in common",
                   "feature:t:Feature|spam:p:Spam|inbox:p:Inbox|spam_n:i:Spam n|inbox_n:i:Inbox n");
    struct rval pm[][5] = {
        {rv_text("sending IP 192.0.2.10"), rv_pct(1), rv_pct(0), rv_int(5), rv_int(0)},
        {rv_text("DKIM body hash fails"), rv_pct(0.8), rv_pct(0), rv_int(4), rv_int(0)},
        {rv_text("subject " HOSTILE), rv_pct(0.2), rv_pct(0.2), rv_int(1), rv_int(1)},
    };
    for (size_t i = 0; i < 3; i++)
        rtable_row(t, &r, pm[i]);

    s = rsec_add(&r, "campaigns", "campaigns");
    rsec_empty(s, &r, "no campaigns in this period");
    s = rsec_add(&r, "requirements", "bulk-sender requirements");
    rsec_empty(s, &r, "no messages from a bulk sender");
    s = rsec_add(&r, "feedback", "feedback");
    rsec_empty(s, &r, "no DMARC, ARF or TLS reports");

    s = rsec_add(&r, "recommendations", "recommendations");
    rsec_item(s, &r, RS_CRITICAL, 40, "dkim_body_hash_after_signing",
              "Sign after the footer is added",
              "DKIM body hash fails on 4 of 5 spam-placed copies and 0 inbox copies: a footer is "
              "added after signing by host relay.example.com",
              "<20250401060001.1234@mail.example.com>");
    rsec_item(s, &r, RS_WARNING, 172, "blocklist_s3150",
              "Request delisting from Microsoft's block list S3150",
              "172 rejections by outlook.com name S3150", HOSTILE);
    rsec_item(s, &r, RS_INFO, 1, "helo_fqdn", "Use a fully qualified HELO name",
              "HELO name 'mail' is not a fully qualified name", NULL);

    char err[256];
    int rc = render_html(&r, stdout, err, sizeof err);
    if (rc != 0) fprintf(stderr, "render-sample: %s\n", err);
    arena_free(r.a);
    return rc == 0 ? 0 : 1;
}
