/* feedback — what feedback a parsed message carries, and its decoding:
 *   - DMARC aggregate reports: an XML part (text/xml, application/xml, a
 *     .xml name, or a body that opens <feedback>), or a gzip (.xml.gz,
 *     application/gzip) or ZIP (.zip, application/zip) attachment holding one;
 *   - SMTP TLS reports (RFC 8460): application/tlsrpt+gzip / +json parts, or
 *     .json / .json.gz attachments of a message with a TLS-Report-Domain
 *     header or report-type=tlsrpt;
 *   - complaint / DMARC failure reports (feedback/arf.h);
 *   - bounces and auto-replies (feedback/dsn.h), each recipient classified
 *     with the same tables as the MTA logs (logs/classify.h).
 * A message is looked at as a report only when it has some sign of one
 * (a report part, an attachment of the types above); ordinary mail costs a
 * walk over its parts and two header lookups.
 *
 * Payloads are decompressed with util/unpack.h under FB_MAX_UNPACKED bytes
 * and streamed: a 100 MB aggregate report never sits in memory whole. */
#ifndef FEEDBACK_FEEDBACK_H
#define FEEDBACK_FEEDBACK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "feedback/arf.h"
#include "feedback/dmarcagg.h"
#include "feedback/dsn.h"
#include "feedback/tlsrpt.h"
#include "logs/classify.h"
#include "mail/message.h"
#include "util/arena.h"
#include "util/unpack.h"

/* Report payloads looked at per message (more are ignored). */
#define FB_MAX_PAYLOADS 8
/* Output ceiling of one decompressed payload (a zip/gzip bomb stops here). */
#define FB_MAX_UNPACKED UNPACK_MAX_OUT

enum fb_payload_kind { FB_DMARC_AGG, FB_TLSRPT, FB_EITHER };
enum fb_encoding { FB_RAW, FB_GZIP, FB_ZIP };

struct fb_payload {
    enum fb_payload_kind kind; /* FB_EITHER: decided by the first decoded bytes */
    enum fb_encoding enc;
    const unsigned char *p; /* the decoded (transfer-decoded) part bytes */
    size_t len;
    const char *part;      /* MIME path */
    const char *file_name; /* the part's file name, or NULL */
};

/* A bounce recipient as a delivery row. */
struct fb_delivery {
    const struct dsn_rcpt *r;
    const char *status; /* bounced | expired | deferred | sent */
    const char *domain; /* recipient domain, lowercased, or NULL */
    struct bounce_class bc;
    const char *provider;
    const char *blocklist;
    bool blocklist_misconfig;
    int64_t time; /* Last-Attempt-Date, else the message's Date/arrival; 0 unknown */
};

struct fb_scan {
    const char *kind;        /* messages.feedback_kind, or NULL (decided after the payloads run
                                for aggregate/TLS reports: see feedback_payload_run) */
    const char *feedback_id; /* Feedback-ID header, unfolded, or NULL */
    const char *list_id;     /* List-Id: the identifier in <>, else the value; or NULL */
    const char *campaign_id; /* the first ESP campaign header (feedback_campaign_headers) */
    struct fb_payload pl[FB_MAX_PAYLOADS];
    size_t n_pl;
    bool is_arf;
    struct arf_report arf;
    const char *arf_reporter; /* provider of the report's sender, or NULL */
    struct dsn_report dsn;    /* dsn.kind DSN_NONE when not a bounce/auto-reply */
    struct fb_delivery *dlv;  /* dsn.n_rcpt entries */
};

void feedback_scan(arena *a, const struct message *m, struct fb_scan *out, struct anomalies *an);

/* The campaign headers looked at, in order (NULL-terminated): X-Campaign,
 * X-Campaign-ID, X-CampaignID, X-Campaign-Name, X-Mailgun-Campaign-Id. */
extern const char *const feedback_campaign_headers[];

/* Where a payload's parsed content goes. `dmarc` may have NULL callbacks
 * (then aggregate reports are parsed and dropped); tlsrpt may be NULL. */
struct fb_sinks {
    const struct dmarcagg_sink *dmarc;
    int (*tlsrpt)(void *ctx, const struct tlsrpt_report *r);
    void *tlsrpt_ctx;
    size_t max_out; /* decompressed-size ceiling; 0: feedback_max_unpacked() */
};

/* FB_MAX_UNPACKED, or the smaller value of $MAILAUDIT_UNPACK_LIMIT (bytes;
 * for small machines, and for tests of the ceiling). */
size_t feedback_max_unpacked(void);

struct fb_payload_result {
    enum fb_payload_kind kind;      /* what it turned out to be */
    bool recognised;                /* a DMARC or TLS report was found in it */
    struct unpack_result unpack;    /* decompression (status UNPACK_OK for FB_RAW) */
    struct dmarcagg_result dmarc;   /* kind FB_DMARC_AGG */
    int tlsrpt_rc;                  /* kind FB_TLSRPT: tlsrpt_parse's return */
    char error[200];                /* "" or what went wrong, for an anomaly */
};

/* Decompress, recognise and parse one payload, delivering to the sinks.
 * `a` holds the TLS report (reset by the caller). Never fails: problems are
 * in res->error. */
void feedback_payload_run(arena *a, const struct fb_payload *pl, const struct fb_sinks *s,
                          struct fb_payload_result *res);

#endif
