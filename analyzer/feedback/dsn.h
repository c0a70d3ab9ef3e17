/* dsn — bounce messages: RFC 3464 delivery status notifications
 * (`multipart/report; report-type=delivery-status`, message/delivery-status
 * parts; also the message/global-delivery-status of RFC 6533) and the
 * non-standard bounces MTAs and providers still send (hMailServer, Exchange
 * and Microsoft 365 NDRs, Gmail, qmail, Postfix and Exim and Sendmail without
 * DSN, Yahoo, ...), and auto-replies (RFC 3834 Auto-Submitted, vacation and
 * out-of-office texts) which are recognised so that they are NOT counted as
 * bounces. Reads an already parsed message (mail/message.h).
 *
 * For each recipient it extracts what the bounce says: address, action,
 * status code, diagnostic text, remote MTA, last attempt; and the returned
 * original's Message-ID, From, To and Subject when the bounce includes them
 * (message/rfc822, text/rfc822-headers, or inlined text).
 *
 * Classification into Sisimai's reason vocabulary is NOT done here: the
 * caller passes `status`, `reply_code` and `diagnostic` to classify_bounce()
 * (logs/classify.h), so logs and bounce messages share one table.
 *
 * Ceilings: DSN_MAX_RCPT recipients per bounce (more are counted in
 * `dropped_rcpt`), DSN_MAX_FIELD bytes kept of any one field value
 * (diagnostic texts included). */
#ifndef FEEDBACK_DSN_H
#define FEEDBACK_DSN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/anomaly.h"
#include "mail/message.h"
#include "util/arena.h"

#define DSN_MAX_RCPT 1000
#define DSN_MAX_FIELD 4096

enum dsn_kind {
    DSN_NONE = 0,  /* not a bounce nor an auto-reply */
    DSN_BOUNCE,    /* a delivery report (RFC 3464 or non-standard) */
    DSN_AUTOREPLY, /* an auto-reply (vacation, out of office, auto-responder) */
};

struct dsn_rcpt {
    const char *recipient; /* Final-Recipient address (type prefix and brackets removed), lowercased
                              domain */
    const char *original_recipient; /* Original-Recipient address, or NULL */
    const char *action;          /* lowercased: failed | delayed | delivered | relayed | expanded;
                                    non-standard formats: failed unless the text says delayed */
    const char *status;          /* "5.1.1" as written (only digits and dots), or NULL */
    int reply_code;              /* SMTP reply code found in the diagnostic (550), 0 when none */
    const char *diagnostic_type; /* "smtp", "x-unix" ... or NULL */
    const char *diagnostic;      /* the diagnostic / reply text, unfolded, whitespace collapsed */
    const char *remote_mta;      /* host name or address, type prefix removed */
    const char *last_attempt_raw;
    int64_t last_attempt; /* Unix seconds, 0 unknown */
    const char *will_retry_until_raw;
    /* The SMTP command the failure answered, when the bounce says (Postfix
     * "in reply to RCPT TO command", Exim "after end of data", a sendmail
     * transcript ">>> DATA", qmail "RCPT TO response"): "CONN", "HELO",
     * "MAIL", "RCPT", "DATA"; NULL when unknown. (Sisimai calls a rejected
     * recipient "filtered" rather than "userunknown" after DATA.) */
    const char *smtp_command;
    /* The reporting MTA's own per-recipient category when it gives one:
     * PowerMTA's X-PowerMTA-BounceCategory ("bad-mailbox", ...), lowercased;
     * "x-spasign-ng" for every recipient of an au EZweb bounce marked
     * X-SPASIGN: NG (its domain filter refused the message); NULL otherwise. */
    const char *mta_category;
};

struct dsn_report {
    enum dsn_kind kind;
    /* Which reader recognised it: "rfc3464", "hmailserver", "exchange",
     * "office365", "gmail", "qmail", "postfix", "exim", "sendmail", "yahoo",
     * ..., "autoreply" (stable names, documented in README). */
    const char *format;
    const char *evidence; /* short text: why (e.g. "report-type=delivery-status", "Auto-Submitted:
                             auto-replied") */
    /* The MTA or filtering service that wrote the bounce, when the bounce's
     * own headers or structure say so, independently of `format` (an RFC
     * 3464 report has format "rfc3464" whoever wrote it): "mcafee"
     * (X-NAI-Header: Modified by McAfee ...), "messagelabs" (X-Msg-Ref with
     * a messagelabs.com sender), "outlook" (Hotmail/Outlook.com: two of a
     * "Delivery Status Notification" subject, X-Message-Delivery,
     * X-Message-Info, a Received header through .hotmail.com), "imailserver"
     * (X-Mailer: <SMTP32 v...>), "domino" (Subject "DELIVERY FAILURE: ..."),
     * "zoho" (X-ZohoMail), "ezweb" (au EZweb: two of a Postmaster@ezweb.ne.jp
     * or @au.com sender, Subject "Mail System Error - Returned Mail", a
     * Received "(EZweb Mail) with"),
     * "powermta" (an X-PowerMTA-BounceCategory field); NULL when unknown.
     * Passed to classify_bounce_facts (bounce_facts.mta). */
    const char *mta;
    const char *reporting_mta;
    const char *arrival_date_raw;
    const char *original_envelope_id;
    /* the returned original, when included */
    const char *orig_message_id; /* without angle brackets */
    const char *orig_from;
    const char *orig_to;
    const char *orig_subject;
    struct dsn_rcpt *rcpt;
    size_t n_rcpt;
    size_t dropped_rcpt;
};

/* Fills *out (zeroed first) and returns out->kind. An auto-reply gets
 * kind DSN_AUTOREPLY and, when the sender can be told, one rcpt entry whose
 * recipient is the address that auto-replied and whose action is "delivered".
 * With DSN_NONE nothing else of *out is meant to be read (a message that is
 * plainly no bounce is left zeroed). */
enum dsn_kind dsn_parse(arena *a, const struct message *m, struct dsn_report *out,
                        struct anomalies *an);

#endif
