/* received — one Received header field (RFC 5321 §4.4 trace) as written by
 * real MTAs (Postfix, Sendmail, Exim, Exchange/Office 365, Gmail, qmail,
 * hMailServer, IIS SMTP): the from clause (HELO, reverse-DNS name, IP v4/v6
 * literal), by, via, with (protocol), id, for, TLS details, and the date after
 * the last ';'. Tolerant: whatever cannot be found stays NULL. */
#ifndef MAIL_RECEIVED_H
#define MAIL_RECEIVED_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

struct received_hop {
    char *from_helo; /* the name the client gave (HELO/EHLO), or NULL */
    char *from_rdns; /* reverse-DNS name as recorded by the receiver, or NULL ("unknown" kept) */
    char *from_ip;   /* IPv4 dotted quad or IPv6 text (no "IPv6:" prefix), or NULL */
    char *by;        /* receiving host */
    char *with;      /* protocol: SMTP, ESMTP, ESMTPS, ESMTPSA, LMTP, HTTP, ... */
    char *id;
    char *for_addr;
    char *tls;     /* TLS details if recorded ("TLSv1.3 TLS_AES_256_GCM_SHA384"...), or NULL */
    bool tls_used; /* TLS known to be used (ESMTPS, "using TLS", version=, cipher=) */
    int64_t date;  /* UTC seconds */
    bool date_valid;
    bool parsed; /* at least from or by was found */
};

/* Parse an unfolded Received value (the text after "Received:"). */
void received_parse(arena *a, const char *p, size_t len, struct received_hop *out);
/* True when the text is an IPv4 or IPv6 literal; writes the canonical text to
 * out (at least 46 bytes) when out != NULL. */
bool received_ip_valid(const char *p, size_t len, char *out);

#endif
