/* smtpreply — an SMTP reply as MTAs log it: "550 5.1.1 text",
 * "550-5.7.26 text", "421+4.7.0+text" (IIS writes '+' for spaces),
 * "5.7.1 text" (milters), "4.7.1". Shared by every log format. */
#ifndef LOGS_SMTPREPLY_H
#define LOGS_SMTPREPLY_H
#include <stddef.h>

#include "logs/event.h"
#include "util/str.h"

/* Length of an enhanced status code "C.S.D" (C in 2,4,5; S and D 1-3 digits)
 * at the start of (p,len), or 0. */
size_t smtp_dsn_len(const char *p, size_t len);
/* The 3-digit code (0 when absent) and the enhanced code ({NULL, 0} when absent). */
void smtp_reply_parse(const char *p, size_t len, int *code, struct slice *dsn);
/* 2xx/3xx sent, 4xx deferred, anything else bounced. */
enum dlv_status smtp_reply_status(int code);

#endif
