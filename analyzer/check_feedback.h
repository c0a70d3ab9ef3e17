/* check_feedback — `check`'s output of the feedback a message carries: the
 * "feedback" JSON key {kind, feedback_id, reports[], complaint, bounce} and
 * a short text block. Every message-derived string goes through the JSON
 * escaper or the control-byte filter. */
#ifndef CHECK_FEEDBACK_H
#define CHECK_FEEDBACK_H

#include "feedback/feedback.h"
#include "util/buf.h"
#include "util/json.h"

struct check_fb_row {
    const char *source_ip, *header_from, *dkim, *spf, *disposition;
    int64_t count;
};

struct check_fb_report {
    arena *a;
    const struct fb_payload *pl;
    struct fb_payload_result res;
    const char *org_name, *report_id, *domain, *p;
    int64_t date_begin, date_end;
    struct check_fb_row *rows; /* the first few rows */
    size_t n_rows_kept;
    size_t n_policies; /* TLS */
    int64_t tls_ok, tls_failed;
};

struct check_fb {
    struct fb_scan scan;
    struct check_fb_report reports[FB_MAX_PAYLOADS];
    size_t n_reports;
};

/* Scan and decode (everything in a); nothing when the MIME tree was not parsed. */
void check_feedback_run(arena *a, const struct message *m, struct check_fb *out);
void check_feedback_json(struct json *j, const struct check_fb *cf);
/* Nothing is printed for a message that is no feedback and has no Feedback-ID. */
void check_feedback_text(struct buf *out, const struct check_fb *cf);

#endif
