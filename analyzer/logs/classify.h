/* classify — what a delivery outcome means, from tables a reviewer can read:
 *   - the bounce reason in Sisimai's vocabulary (userunknown, mailboxfull,
 *     blocked, spamdetected, policyviolation, authfailure, requireptr,
 *     securityerror, toomanyconn, speeding, expired, networkerror, hostunknown,
 *     norelaying, notaccept, rejected, suspend, systemerror, mesgtoobig,
 *     contenterror, badreputation, failedstarttls, exceedlimit, hasmoved,
 *     filtered, syntaxerror, virusdetected, undefined; "delivered" for 2.x.x),
 *     hard or soft;
 *   - the mailbox provider of a recipient (gmail, microsoft, yahoo, apple, ...)
 *     from its domain or the relay (MX) host name;
 *   - the blocklist named in a rejection (Spamhaus ZEN/SBL/XBL/PBL/DBL,
 *     Barracuda, SpamCop, SORBS, UCEPROTECT, Microsoft, Proofpoint/Cloudmark,
 *     ...), telling Spamhaus "open resolver" replies (the receiver's
 *     misconfiguration) from real listings.
 * Pure functions over (pointer, length) text; no state. */
#ifndef LOGS_CLASSIFY_H
#define LOGS_CLASSIFY_H
#include <stdbool.h>
#include <stddef.h>

struct bounce_class {
    const char *reason; /* Sisimai reason word (static string) */
    bool hard;          /* a permanent failure: do not retry, remove the address */
    const char *rule; /* which table entry decided, e.g. "text:gmail-unsolicited" or "dsn:5.1.1" */
};

/* reply_code 0 and dsn NULL when unknown; text may be NULL. `final` is true
 * when the MTA gave up on the recipient (bounced, expired, rejected). */
void classify_bounce(int reply_code, const char *dsn, const char *text, size_t text_len, bool final,
                     struct bounce_class *out);

/* Does a final report say the delivery ran out of time: the enhanced status
 * X.4.7 ("delivery time expired", RFC 3463) or one of the expiry phrases
 * ("Message expired", "could not be delivered for 8 hours", ...)? True also
 * when the reason is another one that names the cause (a DNS failure is
 * "networkerror" even in an expiry report): the delivery's status is then
 * still "expired". status and text may be NULL. */
bool classify_says_expired(const char *status, const char *text, size_t text_len);

/* Everything a bounce says about one recipient, for classify_bounce_facts.
 * All pointers may be NULL. */
struct bounce_facts {
    int reply_code;     /* SMTP reply code, 0 when unknown */
    const char *status; /* enhanced status "5.1.1", or NULL */
    const char *text;   /* the diagnostic / reply text */
    size_t text_len;
    const char *diagnostic_type; /* DSN Diagnostic-Code type: "smtp", "x-unix", ... */
    const char *action;          /* DSN Action: "failed", "delayed", ... */
    const char *smtp_command;    /* the SMTP stage that failed: "CONN", "HELO", "MAIL",
                                    "RCPT", "DATA" (see classify_smtp_command); NULL =
                                    derive it from `text` */
    bool final;                  /* see classify_bounce */
    /* The MTA or filtering service that wrote the bounce, when the bounce
     * message's own headers or structure say so (feedback/dsn.h `mta`:
     * "mcafee", "messagelabs", "outlook", "imailserver", "domino", "zoho",
     * "ezweb", "powermta"); NULL for log lines and unknown writers. Such a writer
     * words its own verdicts, and those phrases are read as it means them
     * (Sisimai's per-MTA modules): e.g. McAfee's "550 Unknown user" is the
     * mailbox even though no SMTP stage is named. */
    const char *mta;
    /* The writer's own per-recipient category, for writers that give one:
     * PowerMTA's X-PowerMTA-BounceCategory ("bad-mailbox", "quota-issues",
     * ...); "x-spasign-ng" for au EZweb's X-SPASIGN: NG. NULL when none. */
    const char *mta_category;
};

/* classify_bounce with the context a bounce message gives: the SMTP stage
 * (an unknown user refused after DATA is the receiver's filter: "filtered";
 * a refusal at MAIL FROM is about the sender: "rejected"; at the connection
 * or HELO: "blocked"), a local delivery program's failure (Diagnostic-Code
 * type X-Unix: "mailererror"), and a delayed action that was never resolved
 * ("expired"). An undecided recipient with a diagnostic text is "onhold"
 * (Sisimai's word for "said something, but nothing we can classify"),
 * without one "undefined". classify_bounce(c, d, t, n, f, o) equals
 * classify_bounce_facts with only those fields set, except that it keeps
 * "undefined" where this says "onhold". */
void classify_bounce_facts(const struct bounce_facts *f, struct bounce_class *out);

/* The SMTP stage named in a bounce or log text ("(in reply to RCPT TO
 * command)", Exim's "after end of data", Sendmail's ">>> DATA", qmail's
 * "does not like recipient", ...): "CONN", "HELO", "MAIL", "RCPT", "DATA",
 * or NULL. The last stage named wins (a transcript ends where it failed). */
const char *classify_smtp_command(const char *text, size_t len);

/* Provider name (static string) or NULL when not a known provider. Either
 * argument may be NULL. */
const char *classify_provider(const char *recipient_domain, const char *relay_host);

struct blocklist_hit {
    const char *list;        /* stable name: "spamhaus-zen", "spamhaus-sbl", "barracuda", ... */
    const char *operator_;   /* "Spamhaus", "Barracuda", ... */
    bool receiver_misconfig; /* e.g. Spamhaus "open resolver"/"public resolver" answers */
};

/* True when the text names a blocklist. */
bool classify_blocklist(const char *text, size_t len, struct blocklist_hit *out);

#endif
