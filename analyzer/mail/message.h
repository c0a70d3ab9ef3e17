/* message — one parsed message: the header block, the identity fields
 * decoded (From, Subject, Message-ID, Date, Return-Path, recipients), the MIME
 * tree with decoded text and attachments, the Received chain, the links and
 * images of its HTML, the Gmail labels and the placement verdict, and the
 * anomaly set. Everything lives in the caller's arena.
 * Does NOT verify authentication or score content: later stages read this. */
#ifndef MAIL_MESSAGE_H
#define MAIL_MESSAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/addr.h"
#include "mail/anomaly.h"
#include "mail/header.h"
#include "mail/mime.h"
#include "mail/placement.h"
#include "mail/received.h"
#include "util/arena.h"

struct message {
    const char *raw; /* the bytes parsed (not copied) */
    size_t raw_len;
    char sha256[65]; /* of the raw bytes: the identity of the message */
    struct hdr_block hdr;
    char *subject;    /* decoded UTF-8, or NULL */
    char *message_id; /* without angle brackets, or NULL */
    struct addr from; /* first From address (zeroed when absent) */
    bool has_from;
    int n_from_addrs;   /* addresses in all From fields */
    int n_from_domains; /* distinct domains among them (DMARC needs exactly one) */
    struct addr_list to, cc, reply_to;
    char *rcpt_summary; /* To and Cc addresses joined by ", " (first 20), or NULL */
    char *return_path;  /* address ("" for the null sender <>), or NULL */
    int64_t date;       /* Date header, UTC */
    bool has_date;
    int date_tz;     /* minutes east of UTC, as written */
    int64_t arrival; /* date of the topmost Received with a valid date, else Date; 0 unknown */
    struct mime_tree mime;
    bool mime_parsed;              /* false after message_parse_ex without MIME: mime is empty */
    struct received_hop *received; /* topmost first, as in the header */
    char **received_raw;           /* the unfolded value of each */
    size_t n_received;
    char *gmail_labels; /* X-Gmail-Labels value, or NULL */
    enum placement placement;
    const char *placement_evidence;
    size_t n_attachments;
    struct anomalies an;
};

/* Parse (p,len). `folder` is the folder the copy was found in (may be NULL),
 * used for placement. `sha256` is the hex digest of (p,len) when the caller
 * has computed it already, else NULL. Never fails. */
void message_parse(arena *a, const char *p, size_t len, const char *folder, const char *sha256,
                   struct message *m);
/* The same; with_mime false skips the MIME tree (decoding, HTML, attachment
 * types and hashes): for callers that need only the header-level facts
 * (`check --checks dkim`). */
void message_parse_ex(arena *a, const char *p, size_t len, const char *folder, const char *sha256,
                      bool with_mime, struct message *m);
/* The cheap part only: header block, X-Gmail-Labels and placement (for a copy
 * of a message that is already stored). */
enum placement message_placement(arena *a, const char *p, size_t len, const char *folder,
                                 const char **evidence);

#endif
