/* classify — bounce reason, mailbox provider and blocklist from tables (see
 * classify.h). Every decision is a row in one of the static tables below;
 * the loops only walk them in order and the first row that matches decides.
 *
 * Bounce reason, in this order (Sisimai's documented order of decision,
 * FIELD-NOTES "Bounce reasons"):
 *   0. a 2.x.x status (or a 2xx reply without status) is "delivered"; a
 *      Status of x.0.0 gives way to a specific code found in the text;
 *   1. provider_texts: the texts Gmail, Microsoft, Yahoo/AOL and a few other
 *      providers and MTAs really send (FIELD-NOTES provider table), so that
 *      e.g. Gmail's 550-5.7.1 "UnsolicitedIPError" is "blocked" and not
 *      5.7.1's "securityerror";
 *   1b. (classify_bounce_facts) Diagnostic-Code type X-Unix: a local
 *      delivery program failed: "mailererror" (unless the mailbox is full);
 *   2. early_texts: per-class phrases in Sisimai's first order (mailboxfull,
 *      mesgtoobig, exceedlimit, suspend, hasmoved, norelaying, authfailure,
 *      userunknown, filtered, requireptr, rejected, hostunknown,
 *      spamdetected, badreputation, toomanyconn, speeding, failedstarttls,
 *      blocked). An unknown user is weighed with the SMTP stage (below);
 *   3. status_codes: the enhanced status code (RFC 3463 / IANA registry read
 *      with Sisimai's mapping);
 *   4. when the code gave no reason or a vague one (userunknown,
 *      systemerror, securityerror, networkerror, expired): a refusal at the
 *      connection or at HELO is "blocked"; then late_texts, per-class
 *      phrases in Sisimai's second order (mailererror, policyviolation,
 *      virusdetected, DNS lookup failures (networkerror), final-sounding
 *      expired texts, securityerror,
 *      contenterror, systemfull, systemerror, networkerror, other expired
 *      texts, notaccept, syntaxerror). If none matches, the code's reason
 *      stands;
 *   5. temporary_texts: greylisting and a failed MX lookup ("No MX found"),
 *      only with a 4xx reply or 4.x.x status;
 *   6. class rules: x.6.x contenterror, x.7.x securityerror (no x.1.x rule:
 *      Sisimai has none, every 5.1.x is in the code table); a permanent
 *      bare "Recipient address rejected" (Postfix) is "userunknown";
 *   7. reply_codes: the bare SMTP reply code;
 *   8. a delayed Action that said nothing else is "expired"; otherwise
 *      "undefined" (classify_bounce_facts: "onhold" when there was a text).
 * The SMTP stage (classify_smtp_command, or given by the caller): an unknown
 * user refused after DATA without a x.1.x status is "filtered" (the
 * receiver's content filter, soft), and so is one at no known stage in a
 * bounce message (classify_bounce_facts; Sisimai's reading; in a log line a
 * missing stage is a local delivery and stays "userunknown"); a provider's
 * canned "no such account" text (provider_texts, and Yahoo's "doesn't have
 * a <domain> account" on any domain) always names the mailbox; at MAIL FROM
 * an unknown user or domain, a bare "access denied" or Sendmail's
 * "<address>... Access denied", is "rejected" (the sender); Sendmail's
 * pipelined transcripts read RCPT replies after ">>> DATA", which is why a
 * x.1.1 status still wins.
 * Decisions:
 *  - Gmail's 421-4.7.28/4.7.0 "unusual rate of unsolicited mail"
 *    (UnsolicitedRateLimitError) and the SPF-domain variant are "speeding"
 *    (Sisimai 5 moved rate limits out of toomanyconn; toomanyconn stays for
 *    concurrent connections). The 550-5.7.1 variant that says "has been
 *    blocked" (UnsolicitedIPError) is "blocked".
 *  - Yahoo [TSS04] ("temporarily deferred due to unexpected volume or user
 *    complaints") is "blocked": the IP's reputation is throttled, it is not
 *    a connection-count limit. [BL21]/[BL22]/[BL23] are "blocked".
 *  - Greylisting ("greylisted", "try again later" with 4xx) is "blocked",
 *    and soft: the client IP (with sender and recipient) is refused for now.
 *  - Spamhaus "open resolver" answers stay "blocked" (that is what the
 *    receiver did); classify_blocklist flags receiver_misconfig.
 *  - 5.7.25 (reverse DNS validation failed) is "requireptr" (Sisimai's code
 *    table predates requireptr and says blocked).
 *  - A connection timeout in a final report is "expired" (the MTA retried
 *    until the queue lifetime ran out); in a deferral it is "networkerror".
 *    Mail loops and hop counts are "networkerror", as in Sisimai.
 *    A report that says "Message expired" is "expired" whatever connection
 *    error it quotes (Exchange Online's 5.4.316 "Message expired, connection
 *    refused"), but a failed DNS lookup is named as the cause even then
 *    ("Message expired, DNS query failed" is "networkerror": Sisimai's
 *    NetworkError is the DNS look-up failure, its Expired the connection
 *    failure that lasted until the queue lifetime ran out).
 *  - "Message content rejected" is "spamdetected" (amavis' ", UBE"), but
 *    "contenterror" under a x.6.x status (RFC 3463: the content itself).
 *  - Hard: userunknown, hostunknown, hasmoved, and notaccept unless its
 *    reply or status is 4xx / 4.x.x; only when `final` (a deferral is never
 *    hard).
 *  - With no dsn argument, the first enhanced code in the text is used
 *    (x.0.0 only when there is no other); with reply_code 0, a leading
 *    "ddd " or "ddd-" in the text.
 * Ceilings: the first CLASSIFY_MAX_TEXT bytes of a text are examined.
 * Matching is ASCII case-insensitive substring search on a lower-cased copy
 * (on the stack); a bigram filter skips most needles without a search.
 * Does NOT parse whole bounce messages; that is the DSN parser's job. */
#include "logs/classify.h"

#include <stdint.h>
#include <string.h>

#include "util/str.h"

#define CLASSIFY_MAX_TEXT 4096
#define DSN_MAX 12 /* "5.123.123" + NUL, rounded up */

/* ---- text tables ---------------------------------------------------------
 * One row: a lower-case needle (all of `needle` and, when set, `and_needle`
 * must occur), the reason, and the rule name reported. */
struct text_rule {
    const char *needle;
    const char *and_needle;
    const char *reason;
    const char *rule;
};

#define P(name, needle, reason)                                                                    \
    {                                                                                              \
        needle, NULL, reason, "text:" name                                                         \
    }
#define P2(name, needle, and_needle, reason)                                                       \
    {                                                                                              \
        needle, and_needle, reason, "text:" name                                                   \
    }
#define T(reason, needle)                                                                          \
    {                                                                                              \
        needle, NULL, reason, "text:" reason                                                       \
    }

/* 1. Provider texts (FIELD-NOTES table and the providers' postmaster pages). */
static const struct text_rule provider_texts[] = {
    P("gmail-spf-domain-rate", "unusual rate of mail originating from your spf domain", "speeding"),
    P("gmail-unsolicited-ip", "unsolicitediperror", "blocked"),
    P2("gmail-unsolicited-ip", "unusual rate of unsolicited mail", "has been blocked", "blocked"),
    P("gmail-unsolicited-rate", "unsolicitedratelimiterror", "speeding"),
    P("gmail-unsolicited-rate", "unusual rate of unsolicited mail", "speeding"),
    P("gmail-unsolicited-message", "unsolicitedmessageerror", "spamdetected"),
    P("gmail-unsolicited-message", "this message is likely unsolicited mail", "spamdetected"),
    P("gmail-not-authorized", "notauthorizederror", "blocked"),
    P("gmail-not-authorized", "not authorized to send email directly to our servers", "blocked"),
    P("gmail-dmarc", "due to domain's dmarc policy", "authfailure"),
    P("gmail-dmarc", "due to the domain's dmarc policy", "authfailure"),
    P("gmail-unauthenticated", "the sender is unauthenticated", "authfailure"),
    P("gmail-unauthenticated", "unauthenticated email from", "authfailure"),
    /* Gmail's 5.7.1/5.7.26 "This message does not have authentication
     * information or fails to pass authentication checks (SPF or DKIM)" */
    P("gmail-no-auth-info", "does not have authentication information", "authfailure"),
    /* Gmail's "This message is not RFC 5322 compliant" (duplicate or missing
     * headers): the message's format, although it says "has been blocked" */
    P("gmail-rfc5322", "not rfc 5322 compliant", "contenterror"),
    P("gmail-low-reputation", "very low reputation of the sending", "badreputation"),
    P("gmail-ptr", "does not have a ptr record setup", "requireptr"),
    P("gmail-receiving-rate", "receiving mail at a rate that prevents additional messages",
      "speeding"),
    P("gmail-over-quota", "account that you tried to reach is over quota", "mailboxfull"),
    P("gmail-disabled", "account that you tried to reach is disabled", "suspend"),
    P("gmail-no-such-user", "account that you tried to reach does not exist", "userunknown"),
    /* Gmail's "Send mail as" failure (help link "?p=CustomFromDenied"): Gmail
     * could not send as the alias through the alias's own SMTP server
     * (e.g. "Smtp server does not advertise AUTH capability"), so the mail
     * never left for the recipient. The sender's SMTP-AUTH settings:
     * Sisimai's SecurityError ("a username and password for SMTP-AUTH is
     * wrong"), not the receiving system's failure that "misconfigured"
     * (systemerror) would say */
    P("gmail-custom-from-denied", "customfromdenied", "securityerror"),
    P("microsoft-s3150", "(s3150)", "blocked"),
    P("microsoft-s3140", "(s3140)", "blocked"),
    P("microsoft-block-list", "part of their network is on our block list", "blocked"),
    P("microsoft-ip-reputation", "rate limited due to ip reputation", "badreputation"),
    P("microsoft-4.7.650", "4.7.650", "badreputation"),
    P("microsoft-banned-ip", "banned sending ip", "blocked"),
    P("microsoft-traffic-not-accepted", "traffic not accepted from this ip", "blocked"),
    P("microsoft-dbeb", "as(201806281)", "userunknown"),
    P("microsoft-dmarc", "does not pass dmarc verification", "authfailure"),
    P("yahoo-tss04", "[tss04]", "blocked"),
    P("yahoo-ts", "[ts01]", "blocked"),
    P("yahoo-ts", "[ts02]", "blocked"),
    P("yahoo-ts", "[ts03]", "blocked"),
    P("yahoo-tss09", "[tss09]", "blocked"),
    P("yahoo-bl21", "[bl21]", "blocked"),
    P("yahoo-bl22", "[bl22]", "blocked"),
    P("yahoo-bl23", "[bl23]", "blocked"),
    P("yahoo-no-account", "doesn't have a yahoo.com account", "userunknown"),
    P("yahoo-no-account", "doesn't have an aol.com account", "userunknown"),
    P("yahoo-disabled", "this mailbox is disabled", "suspend"),
    P("dnsbl-open-resolver", "open resolver", "blocked"),
    P("dnsbl-open-resolver", "public resolver", "blocked"),
    /* Gmail reports a failed MX lookup as a temporary "DNS Error: ... DNS type
     * 'mx' lookup of example.org responded with code NXDOMAIN" */
    P("gmail-null-mx", "doesn't receive email according to the administrator", "notaccept"),
    P("gmail-dns-error", "dns type 'mx' lookup of", "networkerror"),
    P("gmail-connect-gave-up", "did not accept our requests to connect", "expired"),
    P("google-groups-no-permission", "permission to post", "rejected"),
    P("google-groups-spam", "rejected due to spam classification", "spamdetected"),
    P("microsoft-domain-ip-mismatch", "mismatches client ip", "blocked"),
    P("microsoft-domain-unreachable", "because the domain is not reachable", "hostunknown"),
    P("mimecast-host-network", "host network not allowed", "policyviolation"),
    P("mimecast-security-policies", "rejected due to security policies", "virusdetected"),
    P("orange-ofr-506", "ofr_506",
      "spamdetected"), /* Orange: "Mail rejete. Mail rejected. OFR_506" */
    P("cox-blocklist", "aup#cdrbl", "blocked"),
    P("microsoft-recipient-not-found", "recipientnotfound", "userunknown"),
    P("microsoft-recipient-not-found", "wasn't found at the destination domain", "userunknown"),
    P("microsoft-auth-level", "required authentication level", "authfailure"),
    P2("microsoft-messages-not-sent", "messages from", "weren't sent", "blocked"),
    P("domino-not-in-directory", "not listed in domino directory", "userunknown"),
    P("notes-not-in-address-book", "not listed in public name & address book", "userunknown"),
    P("notes-not-in-directory",
      "\xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xaa\xe3\x81\xae\xe3\x83"
      "\xaa\xe3\x82\xb9\xe3\x83\x88\xe3\x81\xab\xe3\x81\x82\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b\xe3"
      "\x82\x93",
      "userunknown"), /* Notes, Japanese: "not in the directory list" */
    /* Domino, Japanese: "Domino ディレクトリには見つかりません" ("is not found
     * in the Domino Directory", Domino's localised user-unknown text) */
    P("domino-not-in-directory",
      "domino \xe3\x83\x87\xe3\x82\xa3\xe3\x83\xac\xe3\x82\xaf\xe3\x83\x88\xe3\x83\xaa\xe3\x81"
      "\xab\xe3\x81\xaf\xe8\xa6\x8b\xe3\x81\xa4\xe3\x81\x8b\xe3\x82\x8a\xe3\x81\xbe\xe3\x81\x9b"
      "\xe3\x82\x93",
      "userunknown"),
    P("exchange-recipient-not-recognized", "recipient name is not recognized", "userunknown"),
    /* Exchange's "RESOLVER.RST.RecipSizeLimit; message too large for this
     * recipient": the recipient's own size limit, even under 5.2.3 */
    P("exchange-recip-size-limit", "rst.recipsizelimit", "mesgtoobig"),
    P("microsoft-address-not-found", "address couldn't be found", "userunknown"),
    P("facebook-recipient-preferences", "refused due to recipient preferences", "filtered"),
    P("verizon-no-valid-recipients", "no valid recipients for this mm", "userunknown"),
    P("sendmail-mail-local", "mail.local: unknown user", "userunknown"),
    P("google-groups", "groups.google.com/support", "rejected"),
    P("imail-invalid-userid", "invalid final delivery userid", "userunknown"),
    P("qmail-no-connection", "wasn't able to establish an smtp connection", "networkerror"),
    P("amazonses-unverified", "address is not verified", "rejected"),
    P2("amavis-spam", "reject, id=", "- spam", "spamdetected"),
    /* au (KDDI, ezweb.ne.jp and au.com): "550 : User unknown" with an empty
     * address is the recipient's domain filter refusing the sender; with the
     * recipient's address, "550 <x@ezweb.ne.jp>: User unknown", the mailbox
     * does not exist (Sisimai::Rhost::KDDI), at whatever stage */
    P("kddi-domain-filter", "550 : user unknown", "filtered"),
    P("kddi-domain-filter", "550: : user unknown", "filtered"),
    P("kddi-user-unknown", "@ezweb.ne.jp>: user unknown", "userunknown"),
    P("kddi-user-unknown", "@au.com>: user unknown", "userunknown"),
    /* Trend Micro InterScan Messaging Security: "Unable to deliver message
     * to <x> (and other recipients in the same domain). Please check if
     * address is correct." */
    P("interscan-check-address", "please check if address is correct", "userunknown"),
    /* Sendmail's access database refusing an address, "550 5.7.1
     * <addr>... Access denied": the entry is keyed on that address (the
     * sender at MAIL FROM, else the recipient), not on the client host, so
     * it is not "blocked". RFC 3463 X.7.1 "Delivery not authorized, message
     * refused" ("per-host or per-recipient filtering"): "securityerror",
     * the reason Sisimai's code table gives 5.7.1; refused at MAIL FROM it
     * is the sender, "rejected" (stage rule below; Sisimai's Rejected
     * documents this very reply). Before the class phrases, which would
     * read a wrapper's words ("Unknown address error") or "access denied"
     * (blocked) first. */
    P("sendmail-access-db", ">... access denied", "securityerror"),
};

/* 2. Class phrases tried before the status code (Sisimai's first order). */
static const struct text_rule early_texts[] = {
    T("mailboxfull", "mailbox full"),
    T("mailboxfull", "mailbox is full"),
    T("mailboxfull", "mail box full"),
    T("mailboxfull", "mailbox quota"),
    T("mailboxfull", "over quota"),
    T("mailboxfull", "overquota"),
    T("mailboxfull", "quota exceeded"),
    T("mailboxfull", "exceeds quota"),
    T("mailboxfull", "exceeded storage allocation"),
    T("mailboxfull", "would exceed mailbox quota"),
    T("mailboxfull", "mailbox size limit exceeded"),
    T("mailboxfull", "inbox is full"),
    T("mailboxfull", "account is full"),
    T("mailboxfull", "over its quota"),
    T("mailboxfull", "insufficient storage for this mailbox"),
    T("mailboxfull", "folder is full"),
    T("mailboxfull", "mailbox exceeds"),
    T("mailboxfull", "mailbox exceeded"),
    T("mesgtoobig", "message too big"),
    T("mesgtoobig", "message too large"),
    T("mesgtoobig", "message is too large"),
    T("mesgtoobig", "message is too big"),
    T("mesgtoobig", "message size exceeds"),
    T("mesgtoobig", "exceeds size limit"),
    T("mesgtoobig", "size limit exceeded"),
    T("mesgtoobig", "exceeded maximum inbound message size"),
    T("mesgtoobig", "exceeds the maximum size"),
    T("mesgtoobig", "maximum message size"),
    T("exceedlimit", "message length exceeds administrative limit"),
    T("exceedlimit", "message header size exceeds limit"),
    T("exceedlimit", "exceeds the administrative limit"),
    T("suspend", "mailbox disabled"),
    T("suspend", "mailbox is disabled"),
    T("suspend", "account disabled"),
    T("suspend", "account is disabled"),
    T("suspend", "account has been disabled"),
    T("suspend", "account has been suspended"),
    T("suspend", "account is suspended"),
    T("suspend", "mailbox is inactive"),
    T("suspend", "account is inactive"),
    T("suspend", "has been deactivated"),
    T("suspend", "recipient suspended"),
    T("suspend", "account is locked"),
    T("suspend", "temporary locked"),
    T("suspend", "temporarily locked"),
    T("suspend", "mailbox is frozen"),
    T("suspend", "account is blocked"),
    T("hasmoved", "has moved"),
    T("hasmoved", "no longer on server"),
    T("hasmoved", "address has changed"),
    P("relay-needs-auth", "without authentication", "securityerror"),
    P("relay-needs-auth", "unauthenticated senders", "securityerror"),
    T("norelaying", "relay not permitted"),
    T("norelaying", "not configured to relay"),
    T("norelaying", "relaying denied"),
    T("norelaying", "relay access denied"),
    T("norelaying", "relaying not allowed"),
    T("norelaying", "relaying is not allowed"),
    T("norelaying", "relay denied"),
    T("norelaying", "not permitted to relay"),
    T("norelaying", "not allowed to relay"),
    T("norelaying", "unable to relay"),
    T("norelaying", "we do not relay"),
    T("norelaying", "relay not allowed"),
    T("norelaying", "isn't in my list of allowed rcpthosts"),
    T("norelaying", "no relaying"),
    /* "550 Insecure Mail Relay": the receiver refuses to relay for the
     * client (Sisimai's NoRelaying lists it); before late_texts' "insecure"
     * (securityerror), which is about an unauthenticated session */
    T("norelaying", "insecure mail relay"),
    T("authfailure", "dmarc policy"),
    T("authfailure", "failed dmarc"),
    T("authfailure", "dmarc verification failed"),
    T("authfailure", "dmarc check failed"),
    T("authfailure", "spf check failed"),
    T("authfailure", "spf validation failed"),
    T("authfailure", "failed spf"),
    T("authfailure", "spf fail"),
    /* the SPF patches' "550 Bad SPF records for [domain:ip]" (the domain's SPF
     * record does not allow the client) */
    T("authfailure", "bad spf record"),
    T("authfailure", "does not designate"),
    T("authfailure", "is not allowed to send mail from"),
    T("authfailure", "no passing dkim signature"),
    T("authfailure", "dkim verification failed"),
    T("authfailure", "dkim signature is invalid"),
    T("authfailure", "unauthenticated"),
    T("userunknown", "user unknown"),
    T("userunknown", "unknown user"),
    T("userunknown", "no such user"),
    T("userunknown", "user not found"),
    T("userunknown", "user doesn't exist"),
    T("userunknown", "user does not exist"),
    T("userunknown", "no such mailbox"),
    T("userunknown", "mailbox not found"),
    T("userunknown", "mailbox does not exist"),
    T("userunknown", "mailbox unavailable"),
    T("userunknown", "invalid mailbox"),
    T("userunknown", "not a valid mailbox"),
    T("userunknown", "recipient not found"),
    T("userunknown", "recipient unknown"),
    T("userunknown", "unknown recipient"),
    T("userunknown", "no such recipient"),
    T("userunknown", "recipient does not exist"),
    T("userunknown", "invalid recipient"),
    T("userunknown", "address does not exist"),
    T("userunknown", "address unknown"),
    T("userunknown", "unknown address"),
    T("userunknown", "bad destination mailbox"),
    T("userunknown", "no mailbox here by that name"),
    T("userunknown", "is not a known user"),
    T("userunknown", "account does not exist"),
    T("userunknown", "unknown local part"),
    T("userunknown", "user not exist"),
    T("userunknown", "recipient address rejected: access denied"), /* Microsoft's DBEB, Postfix */
    /* Yahoo's text on the domains it hosts and its clones; not weighed by
     * the SMTP stage (classify_core) */
    P2("no-such-account", "doesn't have a", " account", "userunknown"),
    T("filtered", "blocked by the recipient"),
    T("filtered", "recipient has blocked"),
    T("filtered", "rejected by the recipient"),
    T("filtered", "due to the recipient's"),
    T("requireptr", "no ptr record"),
    T("requireptr", "ptr record"),
    T("requireptr", "reverse dns"),
    T("requireptr", "reverse hostname"),
    T("requireptr", "cannot find your hostname"),
    T("requireptr", "reverse lookup failed"),
    T("requireptr", "no rdns"),
    T("requireptr", "rdns record"),
    T("requireptr", "dns ptr"),
    T("requireptr", "ip name lookup failed"),
    T("rejected", "sender address rejected"),
    T("rejected", "sender rejected"),
    T("rejected", "sender verify failed"),
    T("rejected", "sender verification failed"),
    T("rejected", "invalid sender"),
    T("rejected", "sender domain"),
    T("rejected", "domain of sender address"),
    T("rejected", "sender is not allowed"),
    T("rejected", "bad sender"),
    T("rejected", "unroutable sender"),
    T("rejected", "unrouteable sender"),
    T("rejected", "not a member of"),
    /* an address (not the client IP) on the receiver's own blacklist: Exim's
     * "you are sending to/from an address that has been blacklisted" */
    P("address-blacklisted", "an address that has been blacklisted", "rejected"),
    /* a temporary DNS failure is the network's, not a missing domain */
    P2("dns-temporary", "name service error", "try again", "networkerror"),
    P("dns-malformed-reply", "malformed or unexpected name server reply", "networkerror"),
    T("hostunknown", "host unknown"),
    T("hostunknown", "unknown host"),
    T("hostunknown", "domain not found"),
    T("hostunknown", "domain does not exist"),
    T("hostunknown", "no such domain"),
    T("hostunknown", "host not found"),
    T("hostunknown", "host or domain name not found"),
    T("hostunknown", "unrouteable address"),
    T("hostunknown", "unroutable address"),
    T("hostunknown", "mx records point to non-existent hosts"),
    T("hostunknown", "name or service not known"),
    T("hostunknown", "recipient domain not found"),
    /* cPanel/Exim's verify failure: "The account or domain may not exist,
     * they may be blacklisted, or missing the proper dns entries"
     * (Sisimai::Reason::HostUnknown lists it) */
    T("hostunknown", "the account or domain may not exist"),
    T("spamdetected", "rejected as spam"),
    T("spamdetected", "blacklisted url"),
    T("spamdetected", "detected as spam"),
    T("spamdetected", "identified as spam"),
    T("spamdetected", "classified as spam"),
    T("spamdetected", "considered spam"),
    T("spamdetected", "considered as spam"),
    T("spamdetected", "looks like spam"),
    T("spamdetected", "message is spam"),
    T("spamdetected", "spam detected"),
    T("spamdetected", "spam content"),
    T("spamdetected", "spam message"),
    T("spamdetected", "spam score"),
    T("spamdetected", "suspected spam"),
    T("spamdetected", "likely spam"),
    T("spamdetected", "spamassassin"),
    T("spamdetected", "scored as spam"),
    P("content-rejected", "message content rejected", "spamdetected"),
    T("spamdetected", "spam classification"),
    T("spamdetected", "unsolicited bulk"),
    T("spamdetected", "junk mail"),
    T("badreputation", "low reputation"),
    T("badreputation", "poor reputation"),
    T("badreputation", "bad reputation"),
    T("badreputation", "reputation is too low"),
    T("toomanyconn", "too many connections"),
    T("toomanyconn", "too many recipients"),
    T("toomanyconn", "frequency limited"),
    T("toomanyconn", "too many concurrent"),
    T("toomanyconn", "too many simultaneous"),
    T("toomanyconn", "connection rate limit"),
    T("toomanyconn", "connection limit"),
    T("toomanyconn", "too many smtp sessions"),
    T("toomanyconn", "maximum number of connections"),
    T("speeding", "rate limit"),
    T("speeding", "rate-limit"),
    T("speeding", "ratelimit"),
    T("speeding", "try again slower"),
    T("speeding", "sending too fast"),
    T("speeding", "too many messages"),
    T("speeding", "throttled"),
    T("speeding", "throttling"),
    T("failedstarttls", "must issue a starttls"),
    T("failedstarttls", "starttls is required"),
    T("failedstarttls", "starttls required"),
    T("failedstarttls", "tls is required"),
    T("failedstarttls", "tls required"),
    T("failedstarttls", "requires tls"),
    T("failedstarttls", "starttls failed"),
    T("failedstarttls", "tls negotiation failed"),
    T("failedstarttls", "does not support tls"),
    T("blocked", "not accepting connections"),
    T("blocked", "blocked using"),
    T("blocked", "blocked by"),
    T("blocked", "has been blocked"),
    T("blocked", "have been blocked"),
    T("blocked", "is blocked"),
    T("blocked", "are blocked"),
    T("blocked", "ip blocked"),
    T("blocked", "blacklist"),
    T("blocked", "black list"),
    T("blocked", "blocklist"),
    T("blocked", "block list"),
    T("blocked", "blocklisted"),
    T("blocked", "dnsbl"),
    T("blocked", "in an rbl"),
    T("blocked", "rbl"),
    T("blocked", "listed in"),
    T("blocked", "listed at"),
    T("blocked", "is listed"),
    T("blocked", "listed on"),
    T("blocked", "spamhaus"),
    T("blocked", "barracuda"),
    T("blocked", "spamcop"),
    T("blocked", "sorbs.net"),
    T("blocked", "uceprotect"),
    T("blocked", "spamrats"),
    T("blocked", "surriel.com"),
    T("blocked", "mailspike"),
    T("blocked", "invaluement"),
    T("blocked", "backscatterer"),
    T("blocked", "gbudb"),
    T("blocked", "cloudmark"),
    T("blocked", "proofpoint"),
    T("blocked", "client host rejected"),
    T("blocked", "access denied"),
    T("blocked", "connection refused by"),
    T("blocked", "not allowed to send mail"),
    T("blocked", "invalid ip for sending mail"),
    T("blocked", "unverifyable sending ip"),
    T("blocked", "unverifiable sending ip"),
    T("blocked", "smtp server of your isp"),
    /* the client refused as an open relay ("no access from mail server
     * [192.0.2.55] which is an open relay"): the client host itself */
    T("blocked", "is an open relay"),
};

/* 4. Class phrases tried after a vague or missing status code. */
static const struct text_rule late_texts[] = {
    T("mailererror", "pipe to |"),
    T("mailererror", "procmail:"),
    T("mailererror", "command died with status"),
    T("mailererror", "procmail -f"),
    T("policyviolation", "policy violation"),
    T("policyviolation", "protocol violation"),
    T("policyviolation", "denied by policy"),
    T("policyviolation", "multiple addresses in from"),
    T("policyviolation", "header error"),
    T("policyviolation", "potential security issue"),
    T("policyviolation", "content presents a potential"),
    T("policyviolation", "violates"),
    T("policyviolation", "policy reasons"),
    T("policyviolation", "local policy"),
    T("policyviolation", "content policy"),
    T("policyviolation", "rejected by policy"),
    T("policyviolation", "due to policy"),
    T("policyviolation", "policy restrictions"),
    T("policyviolation", "prohibited"),
    T("virusdetected", "virus"),
    T("virusdetected", "malware"),
    T("virusdetected", "infected"),
    T("virusdetected", "trojan"),
    /* A name that could not be resolved is named as the cause even in a
     * report that gave up: Sisimai's NetworkError is "the SMTP connection
     * failed due to DNS look up failure or other network problems", while
     * its Expired is delivery time running out "due to connection failure
     * or network error". So "Message expired, DNS query failed" (Exchange
     * Online's 5.4.312) and Sendmail's "host name lookup failure ... could
     * not be delivered for 8 hours" are "networkerror"; a refused or
     * timed-out connection in an expiry stays "expired" (below, and the
     * timeout rule after the tables). */
    T("networkerror", "host name lookup failure"),
    T("networkerror", "dns query failed"),
    T("networkerror", "temporary failure in name resolution"),
    T("networkerror", "dns lookup failure"),
    T("expired", "retry timeout exceeded"),
    T("expired", "have been failing for a long time"), /* Exim's bounce text */
    T("expired", "delivery time expired"),
    T("expired", "delivery expired"),
    T("expired", "could not be delivered for"),
    T("expired", "envelope expired"),
    T("expired", "after multiple retries"),
    T("expired", "still undelivered after"),
    T("expired", "was not delivered within"),
    /* "Message expired" (Exchange Online's 5.4.316 "Message expired,
     * connection refused"): the MTA gave up, whatever the last error was */
    T("expired", "message expired"),
    /* DragonFly's "Could not deliver for the last 432000 seconds. Giving up." */
    T("expired", "could not deliver for the last"),
    P2("delivery-attempts", "delivery failed ", " attempts", "expired"),
    /* "Routing: Could not find a gateway for <addr>": no route found until
     * the MTA gave up (Sisimai::Reason::Expired lists it) */
    T("expired", "could not find a gateway for"),
    T("securityerror", "authentication required"),
    T("securityerror", "authentication failed"),
    T("securityerror", "must be authenticated"),
    T("securityerror", "not authenticated"),
    T("securityerror", "authentication is required"),
    T("securityerror", "insecure"),
    T("syntaxerror", "malformed address"),
    T("contenterror", "8-bit data"),
    T("contenterror", "8bit data"),
    T("contenterror", "invalid mime"),
    T("contenterror", "mime headers"),
    T("contenterror", "improperly-formatted"),
    T("contenterror", "malformed"),
    T("contenterror", "header size exceeds"),
    T("contenterror", "too many \"received\" headers"),
    T("contenterror", "too many received headers"),
    T("contenterror", "unnecessary base64"),
    T("systemfull", "insufficient system storage"),
    T("systemfull", "mail system full"),
    T("systemfull", "disk full"),
    T("systemfull", "no space left"),
    T("systemfull", "out of disk"),
    T("systemfull", "insufficient disk space"),
    T("systemerror", "system error"),
    T("systemerror", "internal error"),
    T("systemerror", "server error"),
    T("systemerror", "local error"),
    T("systemerror", "configuration error"),
    T("systemerror", "misconfigured"),
    T("systemerror", "i/o error"),
    T("systemerror", "service currently unavailable"),
    T("systemerror", "queue file write error"),
    T("systemerror", "transaction failed"),            /* Amazon SES "554 Transaction failed" */
    T("systemerror", "could not load drd for domain"), /* Postfix with a DRD lookup (Sisimai) */
    T("systemerror", "unable to contact ldap server"), /* qmail-ldap's directory lookup */
    /* a list server refusing a post whose Message-ID it has already seen
     * (fml's "Duplicated Message-ID", its loop guard): the list system's own
     * refusal, not the network's nor the content's */
    T("systemerror", "duplicated message-id"),
    T("networkerror", "too many hops"),
    T("networkerror", "hop count exceeded"),
    T("networkerror", "maximum hop count"),
    T("networkerror", "routing loop"),
    T("networkerror", "mail loop"),
    T("networkerror", "loops back to myself"),
    T("networkerror", "network error"),
    T("networkerror", "connection timed out"),
    T("networkerror", "connection refused"),
    T("networkerror", "network is unreachable"),
    T("networkerror", "no route to host"),
    T("networkerror", "host is unreachable"),
    T("networkerror", "host not reachable"),
    T("networkerror", "connection reset"),
    T("networkerror", "lost connection"),
    T("networkerror", "connection closed"),
    T("networkerror", "unexpected disconnection"),
    T("networkerror", "timed out"),
    T("networkerror", "timeout"),
    T("networkerror", "temporary lookup failure"),
    T("expired", "been in the queue too long"),
    T("expired", "too long in queue"),
    T("expired", "will be retried for"),
    T("notaccept", "does not accept mail"),
    T("notaccept", "no mx record found"),
    T("notaccept", "indicated no smtp service"),
    T("notaccept", "not accepting mail"),
    T("notaccept", "accepts no mail"),
    T("notaccept", "null mx"),
    T("notaccept", "no mail service"),
    T("syntaxerror", "syntax error"),
    T("syntaxerror", "command unrecognized"),
    T("syntaxerror", "unrecognized command"),
    T("syntaxerror", "command not recognized"),
    T("syntaxerror", "bad sequence of commands"),
    T("syntaxerror", "command not implemented"),
    T("syntaxerror", "line too long"),
};

/* 5. Only for a temporary (4xx / 4.x.x) failure: greylisting (soft
 * "blocked"), a failed MX lookup. */
static const struct text_rule temporary_texts[] = {
    P("greylisted", "greylist", "blocked"),
    P("greylisted", "graylist", "blocked"),
    P("greylisted", "grey list", "blocked"),
    P("greylisted", "gray list", "blocked"),
    P("try-again-later", "try again later", "blocked"),
    /* OpenSMTPD's "No MX found for domain" in a temporary failure: the MX
     * lookup failed for now, the network's (as "host name lookup failure") */
    P("dns-no-mx-temporary", "no mx found", "networkerror"),
};

#undef P
#undef P2
#undef T

/* ---- 3. enhanced status codes -------------------------------------------- */
#define C(code, reason)                                                                            \
    {                                                                                              \
        code, reason, "dsn:" code                                                                  \
    }
static const struct {
    const char *code;
    const char *reason;
    const char *rule;
} status_codes[] = {
    C("4.1.6", "hasmoved"),       C("4.1.7", "rejected"),        C("4.1.8", "rejected"),
    C("4.1.9", "systemerror"),    C("4.2.1", "suspend"),         C("4.2.2", "mailboxfull"),
    C("4.2.3", "exceedlimit"),    C("4.2.4", "filtered"),        C("4.3.1", "systemfull"),
    C("4.3.2", "notaccept"),      C("4.3.3", "systemerror"),     C("4.3.5", "systemerror"),
    C("4.4.1", "expired"),        C("4.4.2", "networkerror"),    C("4.4.3", "systemerror"),
    C("4.4.4", "networkerror"),   C("4.4.5", "systemfull"),      C("4.4.6", "networkerror"),
    C("4.4.7", "expired"),        C("4.4.8", "networkerror"),    C("4.5.3", "systemerror"),
    C("4.5.5", "systemerror"),    C("4.6.0", "contenterror"),    C("4.6.2", "contenterror"),
    C("4.6.5", "contenterror"),   C("4.7.1", "blocked"),         C("4.7.2", "blocked"),
    C("4.7.5", "securityerror"),  C("4.7.6", "securityerror"),   C("4.7.7", "securityerror"),
    C("4.7.12", "securityerror"), C("4.7.15", "securityerror"),  C("4.7.16", "mesgtoobig"),
    C("4.7.24", "authfailure"),   C("4.7.25", "requireptr"),     C("4.7.26", "authfailure"),
    C("4.7.28", "speeding"),      C("4.7.30", "failedstarttls"), C("5.1.0", "userunknown"),
    C("5.1.1", "userunknown"),    C("5.1.2", "hostunknown"),     C("5.1.3", "userunknown"),
    C("5.1.4", "filtered"),       C("5.1.6", "hasmoved"),        C("5.1.7", "rejected"),
    C("5.1.8", "rejected"),       C("5.1.9", "systemerror"),     C("5.1.10", "notaccept"),
    C("5.2.0", "filtered"),       C("5.2.1", "filtered"),        C("5.2.2", "mailboxfull"),
    C("5.2.3", "exceedlimit"),    C("5.2.4", "filtered"),        C("5.3.0", "systemerror"),
    C("5.3.1", "systemfull"),     C("5.3.2", "notaccept"),       C("5.3.3", "systemerror"),
    C("5.3.4", "mesgtoobig"),     C("5.3.5", "systemerror"),     C("5.4.0", "networkerror"),
    C("5.4.3", "systemerror"),    C("5.4.4", "hostunknown"),     C("5.5.2", "syntaxerror"),
    C("5.5.3", "toomanyconn"),    C("5.5.4", "systemerror"),     C("5.5.5", "systemerror"),
    C("5.5.6", "syntaxerror"),    C("5.6.0", "contenterror"),    C("5.6.1", "contenterror"),
    C("5.6.2", "contenterror"),   C("5.6.3", "contenterror"),    C("5.6.5", "contenterror"),
    C("5.6.6", "contenterror"),   C("5.6.7", "contenterror"),    C("5.6.8", "contenterror"),
    C("5.6.9", "contenterror"),   C("5.7.0", "securityerror"),   C("5.7.1", "securityerror"),
    C("5.7.2", "securityerror"),  C("5.7.3", "securityerror"),   C("5.7.4", "securityerror"),
    C("5.7.5", "securityerror"),  C("5.7.6", "securityerror"),   C("5.7.7", "securityerror"),
    C("5.7.8", "securityerror"),  C("5.7.9", "securityerror"),   C("5.7.10", "securityerror"),
    C("5.7.11", "securityerror"), C("5.7.13", "suspend"),        C("5.7.14", "securityerror"),
    C("5.7.15", "securityerror"), C("5.7.16", "mesgtoobig"),     C("5.7.17", "hasmoved"),
    C("5.7.18", "hasmoved"),      C("5.7.19", "securityerror"),  C("5.7.20", "authfailure"),
    C("5.7.21", "authfailure"),   C("5.7.22", "authfailure"),    C("5.7.23", "authfailure"),
    C("5.7.24", "authfailure"),   C("5.7.25", "requireptr"),     C("5.7.26", "authfailure"),
    C("5.7.27", "notaccept"),     C("5.7.28", "spamdetected"),   C("5.7.30", "failedstarttls"),
};
#undef C

/* ---- 0c. the bounce writer's own phrases (bounce_facts.mta) ---------------
 * Some MTAs and filtering services word the verdict of their bounces in
 * their own fixed phrases; read with the writer known, a phrase means what
 * the writer means by it, whatever SMTP stage is (not) named. Only the
 * writer's documented or observed bounce wording is listed here (sources,
 * per writer, in Sisimai's per-MTA modules (lib/Sisimai/Lhost/), and the
 * MTAs' own texts):
 *   mcafee      McAfee Email Gateway ("550 Unknown user", "User not exist",
 *               "No such user", "User (addr) unknown.");
 *   messagelabs Symantec.cloud / MessageLabs ("542 <addr> Rejected" is its
 *               refusal of an address, "No such user"; "Please turn on SMTP
 *               Authentication in your mail client");
 *   outlook     Hotmail / Outlook.com DSNs ("Requested action not taken:
 *               mailbox unavailable"; "... the domain is not reachable");
 *   imailserver Ipswitch IMail ("Unknown user:", "Invalid final delivery
 *               userid", "User mailbox exceeds allowed size", "Unknown
 *               host", "virus detected");
 *   domino      IBM/HCL Domino ("Cannot route mail to user", "Several
 *               matches found in Domino Directory"; its "not listed in
 *               Domino Directory" texts name Domino and are provider_texts);
 *   zoho        Zoho Mail ("[Status: Error, Address: <addr>, ResponseCode
 *               421, , Host not reachable.]": its notice that it gave up
 *               retrying an unreachable host, "expired"). */
struct mta_rule {
    const char *mta;
    const char *needle;
    const char *and_needle;
    const char *reason;
    const char *rule;
};

static const struct mta_rule mta_texts[] = {
    {"mcafee", "unknown user", NULL, "userunknown", "mta:mcafee"},
    {"mcafee", "user not exist", NULL, "userunknown", "mta:mcafee"},
    {"mcafee", "no such user", NULL, "userunknown", "mta:mcafee"},
    {"mcafee", "user (", ") unknown", "userunknown", "mta:mcafee"},
    {"messagelabs", "no such user", NULL, "userunknown", "mta:messagelabs"},
    {"messagelabs", "542 ", " rejected", "userunknown", "mta:messagelabs"},
    {"messagelabs", "please turn on smtp authentication in your mail client", NULL, "securityerror",
     "mta:messagelabs"},
    {"outlook", "requested action not taken: mailbox unavailable", NULL, "userunknown",
     "mta:outlook"},
    {"outlook", "could not be delivered to the recipient because the domain is not reachable", NULL,
     "hostunknown", "mta:outlook"},
    {"imailserver", "user mailbox exceeds allowed size", NULL, "mailboxfull", "mta:imailserver"},
    {"imailserver", "virus detected", NULL, "virusdetected", "mta:imailserver"},
    {"imailserver", "unknown user", NULL, "userunknown", "mta:imailserver"},
    {"imailserver", "invalid final delivery userid", NULL, "userunknown", "mta:imailserver"},
    {"imailserver", "unknown host", NULL, "hostunknown", "mta:imailserver"},
    {"domino", "cannot route mail to user", NULL, "filtered", "mta:domino"},
    {"zoho", "host not reachable", NULL, "expired", "mta:zoho"},
    {"domino", "several matches found in domino directory", NULL, "systemerror", "mta:domino"},
};

/* PowerMTA's X-PowerMTA-BounceCategory, with the meaning PowerMTA's
 * documentation gives each category ("bad-mailbox: rejected due to bad,
 * invalid, or non-existent recipient addresses", "quota-issues: ... mailbox
 * quota issues", ...; the same mapping as Sisimai's PowerMTA module, plus
 * virus-related and relaying-issues). `strong` categories name one reason
 * and decide; the others are broad ("policy-related" covers DMARC, PTR and
 * reputation refusals alike) and only decide when the text says nothing
 * more specific. Categories not listed (other, bad-connection,
 * bad-configuration, invalid-sender, content-related, protocol-errors)
 * leave the decision to the text. */
static const struct {
    const char *category;
    const char *reason;
    bool strong;
} powermta_categories[] = {
    {"bad-mailbox", "userunknown", true},         {"bad-domain", "hostunknown", true},
    {"inactive-mailbox", "suspend", true},        {"quota-issues", "mailboxfull", true},
    {"message-expired", "expired", true},         {"virus-related", "virusdetected", true},
    {"relaying-issues", "norelaying", true},      {"no-answer-from-host", "networkerror", false},
    {"policy-related", "policyviolation", false}, {"spam-related", "spamdetected", false},
    {"routing-errors", "systemerror", false},
};

/* Reasons after which the late texts may still decide (Sisimai's "retry"). */
static const char *const vague_reasons[] = {"userunknown", "systemerror", "securityerror",
                                            "networkerror", "expired"};

/* ---- 7. bare reply codes (RFC 5321, RFC 7504) ----------------------------- */
static const struct {
    int code;
    const char *reason;
    const char *rule;
} reply_codes[] = {
    {452, "systemfull", "reply:452"},  {500, "syntaxerror", "reply:500"},
    {501, "syntaxerror", "reply:501"}, {502, "syntaxerror", "reply:502"},
    {503, "syntaxerror", "reply:503"}, {504, "syntaxerror", "reply:504"},
    {521, "notaccept", "reply:521"},   {552, "mailboxfull", "reply:552"},
    {556, "notaccept", "reply:556"},
};

static const char *const hard_reasons[] = {"userunknown", "hostunknown", "hasmoved"};

/* ---- matching ------------------------------------------------------------ */

/* The lower-cased text and a 2048-bit set of its byte bigrams. */
struct haystack {
    char low[CLASSIFY_MAX_TEXT + 1];
    size_t len;
    uint64_t bigrams[32];
};

static unsigned bigram_hash(unsigned char a, unsigned char b)
{
    return ((unsigned)a * 31u + (unsigned)b) & 2047u;
}

/* Parse "C.S.D" (C in 2,4,5; S 0..7; D 0..999) from p; length used or 0. */
static size_t parse_dsn(const char *p, size_t len, char out[DSN_MAX])
{
    size_t i = 0;
    if (len < 5 || (p[0] != '2' && p[0] != '4' && p[0] != '5') || p[1] != '.') return 0;
    i = 2;
    size_t s0 = i;
    while (i < len && ch_is_digit((unsigned char)p[i]) && i - s0 < 3)
        i++;
    if (i == s0 || i >= len || p[i] != '.') return 0;
    i++;
    size_t d0 = i;
    while (i < len && ch_is_digit((unsigned char)p[i]) && i - d0 < 3)
        i++;
    if (i == d0) return 0;
    if (i < len && (ch_is_digit((unsigned char)p[i]) ||
                    (p[i] == '.' && i + 1 < len && ch_is_digit((unsigned char)p[i + 1]))))
        return 0; /* an IP address or a version number, not a status */
    memcpy(out, p, i);
    out[i] = '\0';
    return i;
}

/* Length of a reply continuation prefix at p ("550-5.7.1 ", "421 "), or 0. */
static size_t continuation_prefix(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && ch_is_wsp((unsigned char)p[i]))
        i++;
    if (len - i < 4 || !ch_is_digit((unsigned char)p[i]) || !ch_is_digit((unsigned char)p[i + 1]) ||
        !ch_is_digit((unsigned char)p[i + 2]) || (p[i + 3] != '-' && p[i + 3] != ' '))
        return i;
    i += 4;
    char dsn[DSN_MAX];
    size_t n = parse_dsn(p + i, len - i, dsn);
    return n ? i + n : i;
}

/* Lower-case the text; line breaks (real, or Exim's literal "\n") and the
 * reply-code prefix of the next line become one space, so that a phrase
 * wrapped over a multi-line reply still matches; runs of blanks collapse. */
/* True when a multi-line reply that an unfolder joined into one line
 * repeats its "ddd-" prefix at p (after a blank): "550-5.7.1 a b 550-5.7.1 c". */
static bool repeated_prefix(const char *p, size_t len, const char *first)
{
    return first && len >= 4 && memcmp(p, first, 3) == 0 && (p[3] == '-' || p[3] == ' ');
}

static void haystack_init(struct haystack *h, const char *text, size_t len)
{
    size_t o = 0;
    memset(h->bigrams, 0, sizeof h->bigrams);
    /* "550-" at the start: a multi-line reply, whose later prefixes are noise */
    const char *first = NULL;
    {
        size_t k = 0;
        while (k < len && ch_is_wsp((unsigned char)text[k]))
            k++;
        if (len - k >= 4 && ch_is_digit((unsigned char)text[k]) &&
            ch_is_digit((unsigned char)text[k + 1]) && ch_is_digit((unsigned char)text[k + 2]) &&
            text[k + 3] == '-')
            first = text + k;
    }
    for (size_t i = 0; i < len && o < CLASSIFY_MAX_TEXT; i++) {
        unsigned char c = (unsigned char)text[i];
        bool brk = c == '\n' || c == '\r';
        if (c == '\\' && i + 1 < len && text[i + 1] == 'n') {
            brk = true;
            i++;
        }
        if (c == ' ' && i + 1 < len && text + i + 1 != first &&
            repeated_prefix(text + i + 1, len - i - 1, first))
            brk = true;
        if (brk) {
            i += continuation_prefix(text + i + 1, len - i - 1);
            c = ' ';
        } else if (c == '\t') {
            c = ' ';
        }
        if (c == ' ' && (o == 0 || h->low[o - 1] == ' ')) continue;
        h->low[o++] = (char)ch_lower(c);
    }
    h->low[o] = '\0';
    h->len = o;
    for (size_t i = 0; i + 1 < o; i++) {
        unsigned k = bigram_hash((unsigned char)h->low[i], (unsigned char)h->low[i + 1]);
        h->bigrams[k >> 6] |= (uint64_t)1 << (k & 63);
    }
}

static bool has_bigram(const struct haystack *h, const char *s)
{
    unsigned k = bigram_hash((unsigned char)s[0], (unsigned char)s[1]);
    return (h->bigrams[k >> 6] >> (k & 63)) & 1u;
}

static bool contains(const struct haystack *h, const char *needle)
{
    if (needle[0] == '\0') return false;
    if (needle[1] != '\0' && !has_bigram(h, needle)) return false; /* most needles stop here */
    size_t n = strlen(needle);
    if (n > h->len) return false;
    if (n >= 4 && !has_bigram(h, needle + n - 2)) return false;
    return memmem(h->low, h->len, needle, n) != NULL;
}

static const struct text_rule *match_table(const struct haystack *h, const struct text_rule *t,
                                           size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (contains(h, t[i].needle) && (!t[i].and_needle || contains(h, t[i].and_needle)))
            return &t[i];
    return NULL;
}

static bool in_list(const char *s, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0) return true;
    return false;
}

/* The first enhanced status code in a text; x.0.0 only when nothing better. */
static bool find_dsn(const char *p, size_t len, int reply_class, char out[DSN_MAX])
{
    char fallback[DSN_MAX] = "";
    for (size_t i = 0; i + 5 <= len; i++) {
        if (p[i + 1] != '.') continue;
        if (i > 0) {
            /* "550-5.7.1" and "(5.1.1)" qualify; "v1.2.3", "TLS1.2.3" and "10.4.7.1" do not */
            unsigned char prev = (unsigned char)p[i - 1];
            if (ch_is_digit(prev) || prev == '.' || ch_is_alpha(prev)) continue;
        }
        char tmp[DSN_MAX];
        size_t n = parse_dsn(p + i, len - i, tmp);
        if (n == 0) continue;
        if (reply_class && tmp[0] - '0' != reply_class) continue;
        if (strcmp(tmp + 1, ".0.0") == 0) {
            if (!fallback[0]) memcpy(fallback, tmp, sizeof tmp);
            continue;
        }
        memcpy(out, tmp, sizeof tmp);
        return true;
    }
    if (fallback[0]) {
        memcpy(out, fallback, DSN_MAX);
        return true;
    }
    return false;
}

/* A leading "ddd " / "ddd-" / "ddd" reply code in a text, else 0. */
static int leading_reply(const char *p, size_t len)
{
    size_t i = 0;
    while (i < len && ch_is_wsp((unsigned char)p[i]))
        i++;
    if (len - i < 3) return 0;
    for (size_t k = 0; k < 3; k++)
        if (!ch_is_digit((unsigned char)p[i + k])) return 0;
    if (p[i] < '2' || p[i] > '5') return 0;
    if (len - i > 3 && p[i + 3] != ' ' && p[i + 3] != '-') return 0;
    return (p[i] - '0') * 100 + (p[i + 1] - '0') * 10 + (p[i + 2] - '0');
}

static void decide(struct bounce_class *out, const char *reason, const char *rule)
{
    out->reason = reason;
    out->rule = rule;
}

/* ---- 0b. providers' own numbered codes ------------------------------------
 * Some providers append a documented code of their own to every refusal;
 * the code says more than the words around it. Found anywhere in the text
 * (the codes are distinctive enough that no other MTA writes them):
 *   - Orange and La Poste (orange.fr, wanadoo.fr, laposte.net): "OFR_506",
 *     "OFR005_505", "LPN007_416", "LPNAAA_101", "OUK_513": the last three
 *     digits (after "_ddd" or "ddd_ddd"/"ddd-ddd"). Their meanings as Sisimai
 *     documents them (Sisimai::Rhost::FrancePTT, from the operators' texts
 *     quoted there); a code listed as only saying "try later" (105, 107,
 *     108, ...) is "undefined", as there. A code not in the list falls
 *     through to the words (Sisimai says "undefined" there too, which would
 *     throw away e.g. a plain "550 5.1.1 ... User unknown [OFR_207]");
 *   - GoDaddy (secureserver.net): " IB" and three digits, GoDaddy's help page
 *     "What does my email bounceback mean" (also Sisimai::Rhost::GoDaddy);
 *     IB501/IB502 (a blank or IP-address From:) have no reason in our
 *     vocabulary and fall through;
 *   - Spectrum/Charter: "AUP#" letters and four digits, Spectrum's
 *     "Understanding email error codes" page (ranges, Sisimai::Rhost::Spectrum).
 * The reasons are our vocabulary: Orange's 517 (DMARC verification failed)
 * is "authfailure", GoDaddy's IB108 (reverse DNS) "requireptr", IB103 (poor
 * Cloudmark reputation) "badreputation". */
struct code_reason {
    int code;
    const char *reason; /* NULL: the provider's code says nothing specific */
};

static const struct code_reason orange_codes[] = {
    {101, "blocked"},      {102, "blocked"},
    {103, "blocked"},      {104, "toomanyconn"},
    {105, NULL},           {107, NULL},
    {108, NULL},           {109, NULL},
    {201, NULL},           {305, "securityerror"},
    {401, "blocked"},      {402, "securityerror"},
    {403, "rejected"},     {405, "rejected"},
    {415, "rejected"},     {416, "userunknown"},
    {417, "mailboxfull"},  {418, "userunknown"},
    {420, "suspend"},      {421, "rejected"},
    {423, NULL},           {424, NULL},
    {426, "suspend"},      {505, "systemerror"},
    {506, "spamdetected"}, {510, "blocked"},
    {513, NULL},           {514, "mesgtoobig"},
    {517, "authfailure"},  {630, "policyviolation"},
    {999, "blocked"},
};

static const struct code_reason godaddy_codes[] = {
    {7, "toomanyconn"},     {101, "speeding"},    {103, "badreputation"}, {104, "blocked"},
    {105, "blocked"},       {106, "blocked"},     {108, "requireptr"},    {110, "blocked"},
    {111, "blocked"},       {112, "blocked"},     {113, "blocked"},       {212, "spamdetected"},
    {401, "securityerror"}, {504, "speeding"},    {506, "rejected"},      {508, "authfailure"},
    {510, "speeding"},      {605, "toomanyconn"}, {607, "speeding"},      {705, "virusdetected"},
};

/* Spectrum's AUP codes come in ranges: [first, last] -> reason. */
static const struct {
    int first, last;
    const char *reason;
} spectrum_codes[] = {
    {1000, 1000, "blocked"},     {1010, 1010, "rejected"},   {1020, 1080, "rejected"},
    {1090, 1090, "systemerror"}, {1100, 1150, "requireptr"}, {1160, 1190, "policyviolation"},
    {1200, 1210, "blocked"},     {1220, 1250, "blocked"},    {1260, 1260, "networkerror"},
    {1300, 1340, "toomanyconn"}, {1350, 1490, "speeding"},   {1500, 1500, "rejected"},
    {1520, 1520, "rejected"},    {1530, 1530, "mesgtoobig"}, {1540, 1580, "speeding"},
};

/* n digits at p (all of them digits); their value, else -1. */
static int digits_at(const char *p, size_t avail, size_t n)
{
    if (avail < n) return -1;
    int v = 0;
    for (size_t k = 0; k < n; k++) {
        if (!ch_is_digit((unsigned char)p[k])) return -1;
        v = v * 10 + (p[k] - '0');
    }
    return v;
}

static bool word_start(const struct haystack *h, size_t i)
{
    return i == 0 || !ch_is_alnum((unsigned char)h->low[i - 1]);
}

static bool word_end(const struct haystack *h, size_t i)
{
    return i >= h->len || !ch_is_alnum((unsigned char)h->low[i]);
}

/* Orange / La Poste: the three-digit code of "ofr_506", "lpn007_416",
 * "lpnaaa_101", "ouk_513", "ofr102-104"; -1 when there is none. */
static int orange_code(const struct haystack *h)
{
    static const char *const prefixes[] = {"lpnaaa", "lpn", "ofr", "ouk"};
    for (size_t i = 0; i + 7 <= h->len; i++) {
        char c = h->low[i];
        if ((c != 'l' && c != 'o') || !word_start(h, i)) continue;
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++) {
            size_t n = strlen(prefixes[k]);
            if (h->len - i < n || memcmp(h->low + i, prefixes[k], n) != 0) continue;
            size_t j = i + n, rest = h->len - j;
            int v;
            if (rest >= 4 && h->low[j] == '_' &&
                (v = digits_at(h->low + j + 1, rest - 1, 3)) >= 0 && word_end(h, j + 4))
                return v;
            if (rest >= 7 && digits_at(h->low + j, rest, 3) >= 0 &&
                (h->low[j + 3] == '_' || h->low[j + 3] == '-') &&
                (v = digits_at(h->low + j + 4, rest - 4, 3)) >= 0 && word_end(h, j + 7))
                return v;
        }
    }
    return -1;
}

/* GoDaddy: " ib506" -> 506; -1 when there is none. */
static int godaddy_code(const struct haystack *h)
{
    const char *p = h->low;
    size_t left = h->len;
    const char *at;
    while (left >= 6 && (at = memmem(p, left, " ib", 3)) != NULL) {
        size_t off = (size_t)(at - h->low);
        int v = digits_at(at + 3, h->len - off - 3, 3);
        if (v >= 0 && word_end(h, off + 6)) return v;
        p = at + 1;
        left = h->len - (size_t)(p - h->low);
    }
    return -1;
}

/* Spectrum: "aup#in-1310", "aup#o-1000" -> the number; -1 when none. */
static int spectrum_code(const struct haystack *h)
{
    const char *at = memmem(h->low, h->len, "aup#", 4);
    if (!at) return -1;
    size_t j = (size_t)(at - h->low) + 4;
    while (j < h->len && (ch_is_alpha((unsigned char)h->low[j]) || h->low[j] == '-'))
        j++;
    int v = digits_at(h->low + j, h->len - j, 4);
    return v >= 0 && word_end(h, j + 4) ? v : -1;
}

/* The reason a provider's own code gives; *found tells whether a code was
 * seen at all (its reason may be NULL: "nothing specific"). */
static const char *provider_code(const struct haystack *h, bool *found, const char **rule)
{
    int v;
    *found = false;
    if ((v = orange_code(h)) >= 0) {
        *found = true;
        *rule = "code:orange";
        for (size_t i = 0; i < sizeof orange_codes / sizeof orange_codes[0]; i++)
            if (orange_codes[i].code == v) return orange_codes[i].reason;
        *found = false; /* a code the list does not have: the words decide */
    }
    if (!*found && (v = godaddy_code(h)) >= 0) {
        for (size_t i = 0; i < sizeof godaddy_codes / sizeof godaddy_codes[0]; i++)
            if (godaddy_codes[i].code == v) {
                *found = true;
                *rule = "code:godaddy";
                return godaddy_codes[i].reason;
            }
    }
    if ((v = spectrum_code(h)) >= 0) {
        for (size_t i = 0; i < sizeof spectrum_codes / sizeof spectrum_codes[0]; i++)
            if (v >= spectrum_codes[i].first && v <= spectrum_codes[i].last) {
                *found = true;
                *rule = "code:spectrum";
                return spectrum_codes[i].reason;
            }
    }
    return NULL;
}

/* ---- SMTP stage ----------------------------------------------------------
 * The phrases MTAs use to say which command a reply answered. Every row is
 * searched; the one found last in the text wins (a transcript ends where
 * the session failed). */
static const struct {
    const char *needle;
    const char *command;
} smtp_stages[] = {
    /* Postfix: "(in reply to RCPT TO command)" */
    {"in reply to end of data command", "DATA"},
    {"in reply to data command", "DATA"},
    {"in reply to rcpt to command", "RCPT"},
    {"in reply to mail from command", "MAIL"},
    {"in reply to helo command", "HELO"},
    {"in reply to ehlo command", "HELO"},
    {"in reply to lhlo command", "HELO"},
    {"refused to talk to me", "CONN"},
    /* Exim: "SMTP error from remote mail server after RCPT TO:<...>:" */
    {"after end of data", "DATA"},
    {"after data", "DATA"},
    {"after rcpt to", "RCPT"},
    {"after mail from", "MAIL"},
    {"after helo", "HELO"},
    {"after ehlo", "HELO"},
    {"after initial connection", "CONN"},
    {"after pipelined", "DATA"}, /* "after pipelined DATA" / "after pipelined end of data" */
    /* Sendmail transcripts: ">>> RCPT To:<...>" */
    {">>> data", "DATA"},
    {">>> rcpt to", "RCPT"},
    {">>> mail from", "MAIL"},
    {">>> helo", "HELO"},
    {">>> ehlo", "HELO"},
    /* qmail */
    {"failed after i sent the message", "DATA"},
    {"does not like recipient", "RCPT"},
    {"but sender was rejected", "MAIL"},
    {"but my name was rejected", "HELO"},
    /* per-command words several MTAs use */
    {"recipient address rejected", "RCPT"},
    {"for text command", "DATA"},
    {"after rcpt command", "RCPT"},
    {"after mail command", "MAIL"},
    {"[rcpt_to]", "RCPT"},
    {"(rcpt to)", "RCPT"},
    {"(data)", "DATA"},
};

static const char *stage_in(const struct haystack *h)
{
    const char *best = NULL;
    size_t best_at = 0;
    for (size_t i = 0; i < sizeof smtp_stages / sizeof smtp_stages[0]; i++) {
        size_t n = strlen(smtp_stages[i].needle);
        if (!contains(h, smtp_stages[i].needle)) continue;
        /* the last occurrence of this needle */
        const char *p = h->low, *last = NULL;
        while ((p = memmem(p, h->len - (size_t)(p - h->low), smtp_stages[i].needle, n)) != NULL) {
            last = p;
            p++;
        }
        size_t at = (size_t)(last - h->low) + 1;
        if (at > best_at) {
            best_at = at;
            best = smtp_stages[i].command;
        }
    }
    return best;
}

const char *classify_smtp_command(const char *text, size_t len)
{
    if (!text || len == 0) return NULL;
    struct haystack h;
    haystack_init(&h, text, len > CLASSIFY_MAX_TEXT ? CLASSIFY_MAX_TEXT : len);
    return stage_in(&h);
}

static bool ascii_ieq(const char *a, const char *b)
{
    if (!a) return false;
    for (; *a && *b; a++, b++)
        if (ch_lower((unsigned char)*a) != (unsigned char)*b) return false;
    return *a == '\0' && *b == '\0';
}

static bool code_says(const char *code, const char *reason)
{
    for (size_t i = 0; code[0] && i < sizeof status_codes / sizeof status_codes[0]; i++)
        if (strcmp(code, status_codes[i].code) == 0)
            return strcmp(status_codes[i].reason, reason) == 0;
    return false;
}

/* A x.1.x (addressing) status with a detail code the table does not know,
 * e.g. Exchange Online's 5.1.351 "unknown recipient or mailbox unavailable". */
static bool addressing_code(const char *code)
{
    if (!code[0] || code[1] != '.' || code[2] != '1' || code[3] != '.') return false;
    for (size_t i = 0; i < sizeof status_codes / sizeof status_codes[0]; i++)
        if (strcmp(code, status_codes[i].code) == 0) return false;
    return true;
}

/* An unknown user said in a text (Sisimai's rule): with a status that says
 * so (5.1.1, ...) it is the mailbox, whatever the stage (Sendmail reads
 * pipelined RCPT replies after ">>> DATA"); otherwise refused after DATA it
 * is the receiver's content filter speaking ("filtered", soft); refused at
 * MAIL FROM it is the sender ("rejected"); at the connection or HELO the
 * client ("blocked"); at RCPT TO the mailbox. At no stage known: in a
 * bounce message (`bounce`, classify_bounce_facts) Sisimai's reading,
 * "filtered" (a receiver that refuses a recipient without saying so at RCPT
 * TO, as Japanese mobile carriers' domain filters do); in an MTA log line
 * (classify_bounce), where a missing stage means a local delivery, the
 * mailbox. The providers' own canned "no such account" texts
 * (provider_texts, and Yahoo's "doesn't have a <domain> account" on any
 * domain) are never weighed this way: they name the mailbox (Yahoo refuses
 * an unknown recipient after DATA). The status rule is the one Sisimai's
 * UserUnknown documents ("if the value of Status: field ... is 5.1.1, or
 * connection was refused at SMTP RCPT command, or the contents of
 * Diagnostic-Code: field represents that it is unknown user"). */
static const char *userunknown_by_stage(const char *code, const char *cmd, bool bounce,
                                        const char **rule)
{
    if (code_says(code, "userunknown") || addressing_code(code) ||
        (cmd && strcmp(cmd, "RCPT") == 0))
        return "userunknown";
    if (!cmd && !bounce) return "userunknown";
    if (!cmd) {
        *rule = "text:userunknown-no-stage";
        return "filtered";
    }
    if (strcmp(cmd, "DATA") == 0) {
        *rule = "text:userunknown-after-data";
        return "filtered";
    }
    if (strcmp(cmd, "MAIL") == 0) {
        *rule = "text:userunknown-at-mail-from";
        return "rejected";
    }
    *rule = "text:userunknown-at-connect";
    return "blocked";
}

/* The bounce writer's own verdict (0c): a row of mta_texts for f->mta that
 * the text matches, or PowerMTA's category. A broad PowerMTA category is
 * returned in *weak instead, for the caller to use when the text decides
 * nothing more specific. */
static bool writer_verdict(const struct bounce_facts *f, const struct haystack *h,
                           struct bounce_class *out, const char **weak)
{
    *weak = NULL;
    if (!f->mta) return false;
    if (ascii_ieq(f->mta, "powermta") && f->mta_category) {
        for (size_t i = 0; i < sizeof powermta_categories / sizeof powermta_categories[0]; i++) {
            if (!ascii_ieq(f->mta_category, powermta_categories[i].category)) continue;
            if (!powermta_categories[i].strong) {
                *weak = powermta_categories[i].reason;
                return false;
            }
            decide(out, powermta_categories[i].reason, "mta:powermta-category");
            return true;
        }
    }
    /* au EZweb marks a refusal by the recipient's domain filter (its
     * anti-spam "spamghetti" sign) with X-SPASIGN: NG */
    if (ascii_ieq(f->mta, "ezweb") && ascii_ieq(f->mta_category, "x-spasign-ng")) {
        decide(out, "filtered", "mta:ezweb-spasign");
        return true;
    }
    for (size_t i = 0; i < sizeof mta_texts / sizeof mta_texts[0]; i++) {
        const struct mta_rule *r = &mta_texts[i];
        if (!ascii_ieq(f->mta, r->mta) || !contains(h, r->needle)) continue;
        if (r->and_needle && !contains(h, r->and_needle)) continue;
        decide(out, r->reason, r->rule);
        return true;
    }
    return false;
}

static void classify_core(const struct bounce_facts *f, bool onhold, struct bounce_class *out)
{
    struct haystack h;
    char code[DSN_MAX] = "";
    const char *text = f->text;
    size_t text_len = text ? f->text_len : 0;
    int reply_code = f->reply_code;
    if (text_len > CLASSIFY_MAX_TEXT) text_len = CLASSIFY_MAX_TEXT;
    if (reply_code == 0 && text) reply_code = leading_reply(text, text_len);
    if (reply_code < 200 || reply_code > 599) reply_code = 0;
    if (f->status && parse_dsn(f->status, strlen(f->status), code) == 0) code[0] = '\0';
    if (!code[0] && text) find_dsn(text, text_len, reply_code / 100, code);
    /* "5.0.0" says nothing the reply code does not; a specific code in the
     * text (Postfix's Status: 5.0.0 over "550 5.7.1 ...") says more */
    if (code[0] && strcmp(code + 1, ".0.0") == 0 && text) {
        char better[DSN_MAX];
        if (find_dsn(text, text_len, code[0] - '0', better) && strcmp(better + 1, ".0.0") != 0)
            memcpy(code, better, sizeof better);
    }

    out->hard = false;
    decide(out, "undefined", "none");
    int cls = code[0] ? code[0] - '0' : reply_code / 100;
    if (cls == 2) {
        decide(out, "delivered", code[0] ? "dsn:2.x.x" : "reply:2xx");
        return;
    }
    haystack_init(&h, text ? text : "", text_len);
    const char *cmd = f->smtp_command;
    if (!cmd) cmd = stage_in(&h);
    bool delayed = ascii_ieq(f->action, "delayed");
    if (ascii_ieq(f->action, "expired")) { /* not RFC 3464, but some ESPs say so */
        decide(out, "expired", "action:expired");
        return;
    }

    const struct text_rule *r = NULL;
    const char *weak_category = NULL;
    if (writer_verdict(f, &h, out, &weak_category)) goto hardness;
    {
        bool found;
        const char *prule = NULL;
        const char *preason = provider_code(&h, &found, &prule);
        if (found && preason) {
            decide(out, preason, prule);
            goto hardness;
        }
        if (found) { /* the provider's code says "try later", nothing more */
            decide(out, "undefined", prule);
            return;
        }
    }
    if ((r = match_table(&h, provider_texts, sizeof provider_texts / sizeof provider_texts[0]))) {
        decide(out, r->reason, r->rule);
        goto hardness;
    }
    /* a local delivery program (pipe, procmail, maildrop) failed */
    if (ascii_ieq(f->diagnostic_type, "x-unix")) {
        r = match_table(&h, early_texts, sizeof early_texts / sizeof early_texts[0]);
        if (r && strcmp(r->reason, "mailboxfull") == 0)
            decide(out, r->reason, r->rule);
        else
            decide(out, "mailererror", "type:x-unix");
        goto hardness;
    }
    if ((r = match_table(&h, early_texts, sizeof early_texts / sizeof early_texts[0]))) {
        const char *rule = r->rule;
        const char *reason = r->reason;
        /* Yahoo's canned "This user doesn't have a <domain> account" on the
         * domains it hosts (its own bounces, "Message from <domain>. Unable
         * to deliver message to ...") is the same text as yahoo-no-account
         * in provider_texts, and like it names the mailbox at any stage */
        if (strcmp(reason, "userunknown") == 0 && strcmp(rule, "text:no-such-account") != 0)
            reason = userunknown_by_stage(code, cmd, onhold, &rule);
        /* x.2.3 "message length exceeds administrative limit" (RFC 3463):
         * the receiver's limit, whatever words it uses for the size */
        if (strcmp(reason, "mesgtoobig") == 0 && code_says(code, "exceedlimit")) {
            reason = "exceedlimit";
            rule = "dsn:x.2.3";
        }
        /* "Message content rejected" names no cause (amavis adds ", UBE"
         * for spam); with a x.6.x status (RFC 3463 media and content) the
         * receiver says the content itself is unacceptable */
        if (strcmp(rule, "text:content-rejected") == 0 && code[0] && code[2] == '6' &&
            code[3] == '.') {
            reason = "contenterror";
            rule = "dsn:x.6.x";
        }
        decide(out, reason, rule);
        goto hardness;
    }
    const char *by_code = NULL;
    const char *code_rule = NULL;
    for (size_t i = 0; code[0] && i < sizeof status_codes / sizeof status_codes[0]; i++)
        if (strcmp(code, status_codes[i].code) == 0) {
            by_code = status_codes[i].reason;
            code_rule = status_codes[i].rule;
            break;
        }
    if (!by_code ||
        in_list(by_code, vague_reasons, sizeof vague_reasons / sizeof vague_reasons[0])) {
        /* refused at the connection or at HELO: the client itself (a
         * refusal is a reply: a connection lost during the greeting, with
         * no reply code, is the network's) */
        if (cmd && (strcmp(cmd, "CONN") == 0 || strcmp(cmd, "HELO") == 0) && reply_code >= 400) {
            decide(out, "blocked", "stage:connect-helo");
            goto hardness;
        }
        r = match_table(&h, late_texts, sizeof late_texts / sizeof late_texts[0]);
        if (r) {
            decide(out, r->reason, r->rule);
            goto hardness;
        }
        if (weak_category) {
            decide(out, weak_category, "mta:powermta-category");
            goto hardness;
        }
    }
    if (by_code) {
        decide(out, by_code, code_rule);
        goto hardness;
    }
    if (cls == 4) {
        r = match_table(&h, temporary_texts, sizeof temporary_texts / sizeof temporary_texts[0]);
        if (r) {
            decide(out, r->reason, r->rule);
            goto hardness;
        }
    }
    if (code[0] && code[2] == '6' && code[3] == '.') {
        decide(out, "contenterror", "class:x.6.x");
        goto hardness;
    }
    if (code[0] && code[2] == '7' && code[3] == '.') {
        decide(out, "securityerror", "class:x.7.x");
        goto hardness;
    }
    /* Postfix's permanent RCPT-stage refusal with no reason given: the recipient */
    if (cls == 5 && contains(&h, "recipient address rejected")) {
        decide(out, "userunknown", "text:recipient-address-rejected");
        goto hardness;
    }
    for (size_t i = 0; i < sizeof reply_codes / sizeof reply_codes[0]; i++)
        if (reply_codes[i].code == reply_code) {
            decide(out, reply_codes[i].reason, reply_codes[i].rule);
            goto hardness;
        }
    /* a delay report that never turned into a delivery */
    if (delayed) {
        decide(out, "expired", "action:delayed");
        return;
    }
    if (onhold && h.len > 0) decide(out, "onhold", "none:onhold");
    return;

hardness:
    /* at MAIL FROM an unknown address or domain, or a bare "access denied",
     * is about the sender */
    if (cmd && strcmp(cmd, "MAIL") == 0 &&
        (strcmp(out->reason, "userunknown") == 0 || strcmp(out->reason, "hostunknown") == 0 ||
         (strcmp(out->reason, "blocked") == 0 && strcmp(out->rule, "text:blocked") == 0 &&
          contains(&h, "access denied")) ||
         strcmp(out->rule, "text:sendmail-access-db") == 0))
        decide(out, "rejected", "stage:mail-from");
    /* a connection that timed out until the MTA gave up: the queue
     * lifetime ran out (a deferral stays "networkerror") */
    if (f->final && strcmp(out->reason, "networkerror") == 0 &&
        (contains(&h, "timed out") || contains(&h, "not reachable")))
        decide(out, "expired", "text:timeout-gave-up");
    if (!f->final) return;
    if (in_list(out->reason, hard_reasons, sizeof hard_reasons / sizeof hard_reasons[0]))
        out->hard = true;
    else if (strcmp(out->reason, "notaccept") == 0 && cls != 4)
        out->hard = true;
}

void classify_bounce(int reply_code, const char *dsn, const char *text, size_t text_len, bool final,
                     struct bounce_class *out)
{
    struct bounce_facts f = {0};
    f.reply_code = reply_code;
    f.status = dsn;
    f.text = text;
    f.text_len = text ? text_len : 0;
    f.final = final;
    classify_core(&f, false, out);
}

void classify_bounce_facts(const struct bounce_facts *f, struct bounce_class *out)
{
    classify_core(f, true, out);
}

bool classify_says_expired(const char *status, const char *text, size_t text_len)
{
    if (status && (status[0] == '4' || status[0] == '5') && strcmp(status + 1, ".4.7") == 0)
        return true;
    if (!text || text_len == 0) return false;
    struct haystack h;
    haystack_init(&h, text, text_len);
    for (size_t i = 0; i < sizeof late_texts / sizeof late_texts[0]; i++)
        if (strcmp(late_texts[i].reason, "expired") == 0 && contains(&h, late_texts[i].needle) &&
            (!late_texts[i].and_needle || contains(&h, late_texts[i].and_needle)))
            return true;
    return false;
}

/* ---- provider ------------------------------------------------------------
 * Recipient domains first, then the relay's (MX) host name. A pattern
 * "label.*" matches label followed by a country or generic suffix
 * ("hotmail.fr", "hotmail.co.uk", "yahoo.com.br"); other patterns match the
 * name itself or any name below it on a label boundary ("alt1.aspmx.l.
 * google.com" under "google.com", never "evilgoogle.com"). Order matters:
 * yahoo.co.jp (Yahoo Japan, another company) precedes yahoo.*. Proofpoint,
 * Mimecast, Barracuda and MessageLabs are filtering services, not mailbox
 * providers, but the MX says who answered, so they are named as such. */
struct provider_rule {
    const char *pattern;
    const char *provider;
};

static const struct provider_rule provider_domains[] = {
    {"gmail.com", "gmail"},
    {"googlemail.com", "gmail"},
    {"outlook.*", "microsoft"},
    {"hotmail.*", "microsoft"},
    {"live.*", "microsoft"},
    {"msn.com", "microsoft"},
    {"windowslive.com", "microsoft"},
    {"yahoo.co.jp", "yahoo-japan"},
    {"yahoo.*", "yahoo"},
    {"ymail.com", "yahoo"},
    {"rocketmail.com", "yahoo"},
    {"aol.*", "yahoo"},
    {"aim.com", "yahoo"},
    {"verizon.net", "yahoo"}, /* mailboxes moved to AOL */
    {"icloud.com", "apple"},
    {"me.com", "apple"},
    {"mac.com", "apple"},
    {"gmx.*", "gmx"},
    {"web.de", "webde"},
    {"mail.ru", "mailru"},
    {"inbox.ru", "mailru"},
    {"list.ru", "mailru"},
    {"bk.ru", "mailru"},
    {"yandex.*", "yandex"},
    {"ya.ru", "yandex"},
    {"zoho.com", "zoho"},
    {"zohomail.*", "zoho"},
    {"protonmail.com", "proton"},
    {"protonmail.ch", "proton"},
    {"proton.me", "proton"},
    {"pm.me", "proton"},
    {"comcast.net", "comcast"},
    {"orange.fr", "orange"},
    {"wanadoo.fr", "orange"},
    {"free.fr", "free"},
    {"t-online.de", "t-online"},
    {"qq.com", "qq"},
    {"foxmail.com", "qq"},
    {"163.com", "netease"},
    {"126.com", "netease"},
    {"yeah.net", "netease"},
    {"naver.com", "naver"},
    {"fastmail.com", "fastmail"},
    {"fastmail.fm", "fastmail"},
    {"laposte.net", "laposte"},
    {"libero.it", "libero"},
    {"seznam.cz", "seznam"},
};

static const struct provider_rule provider_mx[] = {
    {"google.com", "gmail"}, /* aspmx.l.google.com, gmail-smtp-in.l.google.com */
    {"googlemail.com", "gmail"},
    {"protection.outlook.com", "microsoft"}, /* *.mail. and *.olc.protection.outlook.com */
    {"outlook.com", "microsoft"},
    {"hotmail.com", "microsoft"},
    {"yahoodns.net", "yahoo"}, /* mta5.am0.yahoodns.net, mx-aol.mail.gm0.yahoodns.net */
    {"icloud.com", "apple"},   /* mx01.mail.icloud.com */
    {"pphosted.com", "proofpoint"},
    {"ppe-hosted.com", "proofpoint"},
    {"mimecast.com", "mimecast"},
    {"barracudanetworks.com", "barracuda"},
    {"messagelabs.com", "messagelabs"},
    {"gmx.net", "gmx"},
    {"web.de", "webde"},
    {"mail.ru", "mailru"},
    {"yandex.net", "yandex"},
    {"yandex.ru", "yandex"},
    {"zoho.com", "zoho"},
    {"zoho.eu", "zoho"},
    {"protonmail.ch", "proton"},
    {"messagingengine.com", "fastmail"},
    {"comcast.net", "comcast"},
    {"orange.fr", "orange"},
    {"free.fr", "free"},
    {"t-online.de", "t-online"},
    {"qq.com", "qq"},
    {"163.com", "netease"},
    {"netease.com", "netease"},
    {"naver.com", "naver"},
};

#define HOST_MAX 255

/* Lower-case, drop a trailing dot and anything up to an '@'; 0 if unusable. */
static size_t norm_host(const char *in, char out[HOST_MAX + 1])
{
    const char *at = strrchr(in, '@');
    if (at) in = at + 1;
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == '.')
        n--;
    if (n == 0 || n > HOST_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)ch_lower((unsigned char)in[i]);
    out[n] = '\0';
    return n;
}

static bool all_alpha(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ch_is_alpha((unsigned char)p[i])) return false;
    return n > 0;
}

/* "fr", "com", "co.uk", "com.br": a country or generic suffix. */
static bool is_tld_tail(const char *p, size_t n)
{
    const char *dot = memchr(p, '.', n);
    if (!dot) return n >= 2 && n <= 6 && all_alpha(p, n);
    size_t first = (size_t)(dot - p), second = n - first - 1;
    static const char *const seconds[] = {"co", "com", "net", "org", "ne", "or"};
    if (second != 2 || !all_alpha(dot + 1, 2)) return false;
    for (size_t i = 0; i < sizeof seconds / sizeof seconds[0]; i++)
        if (strlen(seconds[i]) == first && memcmp(seconds[i], p, first) == 0) return true;
    return false;
}

static bool host_matches(const char *h, size_t n, const char *pattern)
{
    size_t pn = strlen(pattern);
    if (pn >= 2 && pattern[pn - 1] == '*' && pattern[pn - 2] == '.') {
        size_t label = pn - 1; /* "hotmail." */
        for (size_t pos = 0; pos < n; pos++) {
            if (pos > 0 && h[pos - 1] != '.') continue;
            if (n - pos > label && memcmp(h + pos, pattern, label) == 0 &&
                is_tld_tail(h + pos + label, n - pos - label))
                return true;
        }
        return false;
    }
    if (n == pn) return memcmp(h, pattern, n) == 0;
    return n > pn && h[n - pn - 1] == '.' && memcmp(h + n - pn, pattern, pn) == 0;
}

static const char *lookup_provider(const char *name, const struct provider_rule *t, size_t count)
{
    char h[HOST_MAX + 1];
    size_t n;
    if (!name || (n = norm_host(name, h)) == 0) return NULL;
    for (size_t i = 0; i < count; i++)
        if (host_matches(h, n, t[i].pattern)) return t[i].provider;
    return NULL;
}

const char *classify_provider(const char *recipient_domain, const char *relay_host)
{
    const char *p = lookup_provider(recipient_domain, provider_domains,
                                    sizeof provider_domains / sizeof provider_domains[0]);
    if (p) return p;
    return lookup_provider(relay_host, provider_mx, sizeof provider_mx / sizeof provider_mx[0]);
}

/* ---- blocklists ----------------------------------------------------------
 * Names as they appear in rejection texts (zone names, operators' words,
 * provider codes). The most specific row comes first; the first row found
 * in the text decides. Yahoo's [BL21]/[BL22] say "Spamhaus's list" without
 * naming it; [BL23] is the XBL. Cloudmark belongs to Proofpoint. */
static const struct {
    const char *needle;
    const char *list;
    const char *operator_;
} blocklists[] = {
    {"zen.spamhaus.org", "spamhaus-zen", "Spamhaus"},
    {"sbl-xbl.spamhaus.org", "spamhaus-sbl-xbl", "Spamhaus"},
    {"sbl.spamhaus.org", "spamhaus-sbl", "Spamhaus"},
    {"spamhaus.org/sbl", "spamhaus-sbl", "Spamhaus"},
    {"xbl.spamhaus.org", "spamhaus-xbl", "Spamhaus"},
    {"spamhaus.org/xbl", "spamhaus-xbl", "Spamhaus"},
    {"cbl.abuseat.org", "spamhaus-xbl", "Spamhaus"},
    {"pbl.spamhaus.org", "spamhaus-pbl", "Spamhaus"},
    {"spamhaus.org/pbl", "spamhaus-pbl", "Spamhaus"},
    {"dbl.spamhaus.org", "spamhaus-dbl", "Spamhaus"},
    {"spamhaus.org/dbl", "spamhaus-dbl", "Spamhaus"},
    {"[bl23]", "spamhaus-xbl", "Spamhaus"},
    {"[bl21]", "spamhaus", "Spamhaus"},
    {"[bl22]", "spamhaus", "Spamhaus"},
    {"spamhaus", "spamhaus", "Spamhaus"},
    {"b.barracudacentral.org", "barracuda", "Barracuda"},
    {"barracudacentral", "barracuda", "Barracuda"},
    {"barracuda reputation", "barracuda", "Barracuda"},
    {"barracudanetworks.com/reputation", "barracuda", "Barracuda"},
    {"bl.spamcop.net", "spamcop", "SpamCop"},
    {"spamcop", "spamcop", "SpamCop"},
    {"dnsbl.sorbs.net", "sorbs", "SORBS"},
    {"sorbs.net", "sorbs", "SORBS"},
    {"dnsbl-1.uceprotect.net", "uceprotect-1", "UCEPROTECT"},
    {"dnsbl-2.uceprotect.net", "uceprotect-2", "UCEPROTECT"},
    {"dnsbl-3.uceprotect.net", "uceprotect-3", "UCEPROTECT"},
    {"uceprotect", "uceprotect", "UCEPROTECT"},
    {"(s3150)", "microsoft", "Microsoft"},
    {"(s3140)", "microsoft", "Microsoft"},
    {"on our block list", "microsoft", "Microsoft"},
    {"cloudmark", "cloudmark", "Proofpoint"},
    {"pphosted", "proofpoint", "Proofpoint"},
    {"proofpoint", "proofpoint", "Proofpoint"},
    {"psbl.surriel.com", "psbl", "PSBL"},
    {"truncate.gbudb.net", "gbudb-truncate", "GBUdb"},
    {"bl.mailspike.net", "mailspike", "Mailspike"},
    {"mailspike", "mailspike", "Mailspike"},
    {"spamrats", "spamrats", "SpamRATS"},
    {"invaluement", "invaluement", "Invaluement"},
    {"0spam", "0spam", "0spam"},
    {"hostkarma", "hostkarma", "Junk Email Filter"},
    {"junkemailfilter.com", "hostkarma", "Junk Email Filter"},
    {"backscatterer", "backscatterer", "UCEPROTECT"},
    {"ers.trendmicro.com", "trendmicro-ers", "Trend Micro"},
    {"trend micro email reputation", "trendmicro-ers", "Trend Micro"},
};

/* Spamhaus answers to queries it refuses (open/public resolvers, typing
 * errors, excessive volume): the receiver's misconfiguration, not a listing.
 * A text with only these names Spamhaus (the return codes are Spamhaus's). */
static const char *const misconfig_needles[] = {
    "open resolver",         "public resolver", "127.255.255.254",
    "127.255.255.255",       "127.255.255.252", "excessive number of queries",
    "spamhaus.org/returnc/",
};

bool classify_blocklist(const char *text, size_t len, struct blocklist_hit *out)
{
    struct haystack h;
    out->list = NULL;
    out->operator_ = NULL;
    out->receiver_misconfig = false;
    if (!text || len == 0) return false;
    haystack_init(&h, text, len);
    for (size_t i = 0; i < sizeof misconfig_needles / sizeof misconfig_needles[0]; i++)
        if (contains(&h, misconfig_needles[i])) {
            out->receiver_misconfig = true;
            break;
        }
    for (size_t i = 0; i < sizeof blocklists / sizeof blocklists[0]; i++)
        if (contains(&h, blocklists[i].needle)) {
            out->list = blocklists[i].list;
            out->operator_ = blocklists[i].operator_;
            return true;
        }
    if (out->receiver_misconfig) {
        out->list = "spamhaus";
        out->operator_ = "Spamhaus";
        return true;
    }
    return false;
}
