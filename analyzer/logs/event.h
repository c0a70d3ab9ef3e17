/* event — what one MTA log line means, in one shape for every MTA.
 * Each format parser (postfix.c, exim.c, sendmail.c, hmail_log.c, iis.c,
 * exchange.c) turns a line into zero or more events through an emit
 * callback; the ingest stage stores them (log_events) and builds deliveries
 * (one row per recipient per attempt) from them. All strings are
 * NUL-terminated, allocated in the arena the parser was given for that line
 * (reset after the line), UTF-8 or raw bytes as logged; NULL = not in the line. */
#ifndef LOGS_EVENT_H
#define LOGS_EVENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum log_mta { MTA_UNKNOWN = 0, MTA_HMAILSERVER, MTA_POSTFIX, MTA_EXIM, MTA_SENDMAIL, MTA_IIS, MTA_EXCHANGE };

/* X(code, "stable name") — stored in log_events.kind */
#define LOG_KIND_LIST(X)                                                                           \
    X(EV_OTHER, "other")             /* a line of the MTA with nothing we model */                \
    X(EV_CONNECT, "connect")         /* a client connected (inbound) */                          \
    X(EV_DISCONNECT, "disconnect")                                                               \
    X(EV_CLIENT, "client")           /* a queued message's client (postfix client=) */           \
    X(EV_AUTH, "auth")               /* a client authenticated (sasl_user) */                    \
    X(EV_REJECT, "reject")           /* SMTP-time refusal (NOQUEUE reject, rejected RCPT) */     \
    X(EV_RCPT_ACCEPTED, "rcpt")      /* an inbound RCPT TO accepted (open-relay evidence) */     \
    X(EV_MSGID, "message-id")        /* queue id ↔ Message-ID */                                  \
    X(EV_QUEUED, "queued")           /* sender, size, nrcpt of a queued message (arrival) */     \
    X(EV_DELIVERY, "delivery")       /* one recipient, one attempt: status sent/deferred/bounced */ \
    X(EV_EXPIRED, "expired")         /* gave up: returned to sender */                           \
    X(EV_DSN, "dsn")                 /* a bounce/DSN notification was generated */               \
    X(EV_REMOVED, "removed")         /* the message left the queue (postfix removed, exim Completed) */ \
    X(EV_SMTP, "smtp")               /* an SMTP command or reply of a session (hMailServer, IIS) */ \
    X(EV_WARNING, "warning")         /* warnings and errors of the MTA itself */

enum log_kind {
#define LOG_KIND_ENUM(code, name) code,
    LOG_KIND_LIST(LOG_KIND_ENUM)
#undef LOG_KIND_ENUM
    EV__COUNT
};

/* Delivery status; DLV_NONE for events that are not delivery attempts. */
enum dlv_status { DLV_NONE = 0, DLV_SENT, DLV_DEFERRED, DLV_BOUNCED, DLV_EXPIRED, DLV_REJECTED };

struct log_event {
    enum log_kind kind;
    int64_t time;              /* UTC seconds (the --log-tz applied to zone-less formats) */
    int time_ms;               /* milliseconds when logged, else 0 */
    bool time_valid;
    const char *time_text;     /* the timestamp as written */
    const char *host;          /* the logging host (syslog host, Exchange/IIS server name) */
    const char *component;     /* "postfix/smtp", "exim", "sm-mta", "SMTPC", "SMTPDeliverer" ... */
    long pid;                  /* -1 when none */
    const char *queue_id;      /* the MTA's id of the message (postfix QID, exim id, sendmail qid,
                                  Exchange internal-message-id, hMailServer message id) */
    const char *session_id;    /* SMTP session (hMailServer/IIS session, postfix smtpd pid) */
    const char *client_ip;     /* the SMTP client (inbound) */
    const char *client_name;
    const char *helo;
    const char *sasl_user;     /* authenticated user, NULL when the client did not authenticate */
    const char *sender;        /* envelope sender; "" for the null sender <> */
    const char *recipient;     /* exactly one recipient (emit one event per recipient) */
    const char *orig_recipient;
    const char *relay_host;    /* the next hop (outbound) or "local" / transport for local delivery */
    const char *relay_ip;
    int relay_port;            /* 0 when unknown */
    enum dlv_status status;
    const char *dsn;           /* enhanced status code "5.1.1", or NULL */
    int reply_code;            /* SMTP reply code 550, or 0 */
    const char *reply_text;    /* the remote reply or the MTA's reason, as logged ([nl] kept) */
    int64_t size;              /* bytes, -1 when unknown */
    int nrcpt;                 /* -1 when unknown */
    const char *message_id;    /* Message-ID without <>, or NULL */
    const char *subject;       /* when logged (Exchange, Exim T=) */
    double delay;              /* seconds, -1 when unknown */
    bool local;                /* delivered into a local mailbox (local/virtual/lmtp, hMailServer local) */
    const char *text;          /* the free text of the line after the prefix (for EV_OTHER, EV_WARNING) */
};

/* Reset an event to "nothing known". */
void log_event_init(struct log_event *ev);
const char *log_kind_name(enum log_kind k);
const char *log_mta_name(enum log_mta m);
const char *dlv_status_name(enum dlv_status s);

#endif
