/* addr — RFC 5322 address lists: display names (quoted, encoded words
 * decoded), addr-specs, angle addresses, groups ("undisclosed-recipients:;"),
 * comments, quoted local parts, obsolete routes (@a,@b:), IDN domains kept as
 * given. Tolerates the common breakage (unquoted commas in names, missing
 * brackets, trailing garbage) and records ANOM_ADDR_UNPARSEABLE.
 * Ceiling: ADDR_MAX_PER_FIELD addresses. */
#ifndef MAIL_ADDR_H
#define MAIL_ADDR_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/anomaly.h"
#include "util/arena.h"

struct addr {
    char *name;      /* display name, UTF-8, or NULL */
    char *local;     /* local part as written (quotes removed), or "" */
    char *domain;    /* domain as written, or "" */
    char *address;   /* local@domain as written ("" when no addr-spec) */
    char *domain_lc; /* domain lowercased (ASCII; UTF-8 IDN bytes kept), for grouping */
    char *group;     /* name of the group the address belongs to, or NULL */
};

struct addr_list {
    struct addr *v;
    size_t n;
};

/* Parse an unfolded header value. Returns false when part of it could not be read. */
bool addr_parse_list(arena *a, const char *p, size_t len, struct addr_list *out,
                     struct anomalies *an);
/* Parse a single angle-or-bare address such as a Return-Path (<> gives address ""). */
bool addr_parse_path(arena *a, const char *p, size_t len, struct addr *out);

#endif
