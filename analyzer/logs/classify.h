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
    const char *rule;   /* which table entry decided, e.g. "text:gmail-unsolicited" or "dsn:5.1.1" */
};

/* reply_code 0 and dsn NULL when unknown; text may be NULL. `final` is true
 * when the MTA gave up on the recipient (bounced, expired, rejected). */
void classify_bounce(int reply_code, const char *dsn, const char *text, size_t text_len, bool final,
                     struct bounce_class *out);

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
