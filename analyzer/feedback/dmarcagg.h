/* dmarcagg — DMARC aggregate reports (RFC 7489 appendix C, and the RFC 9990
 * DMARCbis schema) from XML to rows, streaming: the XML is fed in chunks of
 * any size and every <record> is handed to a callback as soon as it ends, so
 * memory stays bounded whatever the size of the report.
 *
 * The XML is read with libxml2's SAX2 push parser, without network access,
 * and a document type declaration (<!DOCTYPE ...>) is refused outright:
 * aggregate reports never carry one, and refusing it removes every entity
 * expansion attack (billion laughs, external entities). Namespaces (the
 * RFC 9990 urn:ietf:params:xml:ns:dmarc-2.0 one, or any prefix) are ignored:
 * elements are matched by local name.
 *
 * Ceilings: DMARCAGG_MAX_XML bytes of XML, DMARCAGG_MAX_DEPTH element
 * nesting, DMARCAGG_MAX_FIELD bytes kept of any one text value (longer values
 * are cut and counted in `truncated_fields`), DMARCAGG_MAX_AUTH <dkim>/<spf>
 * results kept per record, DMARCAGG_MAX_ROWS records per report. */
#ifndef FEEDBACK_DMARCAGG_H
#define FEEDBACK_DMARCAGG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DMARCAGG_MAX_XML ((size_t)512 << 20)
#define DMARCAGG_MAX_DEPTH 32
#define DMARCAGG_MAX_FIELD 1024
#define DMARCAGG_MAX_AUTH 8
#define DMARCAGG_MAX_ROWS 10000000u

/* Every string below is NUL-terminated UTF-8 with surrounding whitespace
 * trimmed, or NULL when the element is absent or empty. Strings are valid only
 * during the callback that receives them. */

struct dmarcagg_meta {
    const char *version;            /* <version> (RFC 9990 "1.0"; usually absent in 7489) */
    const char *org_name;           /* report_metadata/org_name */
    const char *email;              /* report_metadata/email */
    const char *extra_contact_info; /* report_metadata/extra_contact_info */
    const char *report_id;          /* report_metadata/report_id */
    const char *errors;             /* report_metadata/error values joined by "; " */
    const char *generator;          /* report_metadata/generator (RFC 9990) */
    int64_t date_begin, date_end;   /* date_range begin/end, Unix seconds; -1 when absent/invalid */
    /* policy_published */
    const char *domain;
    const char *adkim, *aspf;     /* "r" or "s" */
    const char *p, *sp, *np;      /* none | quarantine | reject (np: RFC 9990) */
    int pct;                      /* 0..100, -1 when absent (RFC 9990 dropped it) */
    const char *fo;               /* failure reporting options */
    const char *testing;          /* RFC 9990 <testing> ("n"/"y") */
    const char *discovery_method; /* RFC 9990 <discovery_method> ("psl"/"treewalk") */
};

struct dmarcagg_auth {
    const char *domain;
    const char *selector;     /* dkim only */
    const char *scope;        /* spf only: "mfrom" | "helo" */
    const char *result;       /* dkim: none|pass|fail|policy|neutral|temperror|permerror; spf: none|neutral|pass|fail|softfail|temperror|permerror */
    const char *human_result; /* dkim; spf too in RFC 9990 */
};

struct dmarcagg_row {
    const char *source_ip;
    int64_t count; /* row/count; -1 when absent or invalid */
    /* row/policy_evaluated */
    const char *disposition; /* none | quarantine | reject (RFC 9990 also pass) */
    const char *dkim, *spf;  /* the DMARC-aligned verdicts: pass | fail */
    const char *reasons;     /* every <reason> as "type" or "type: comment", joined by "; " */
    /* identifiers */
    const char *header_from, *envelope_from, *envelope_to;
    /* auth_results, in document order */
    struct dmarcagg_auth dkim_auth[DMARCAGG_MAX_AUTH];
    int n_dkim;
    struct dmarcagg_auth spf_auth[DMARCAGG_MAX_AUTH];
    int n_spf;
};

/* The callbacks. A nonzero return stops the parse (status DMARCAGG_STOPPED),
 * e.g. when the store finds the report is a duplicate. */
struct dmarcagg_sink {
    void *ctx;
    /* Called exactly once per successfully recognised report: when the first
     * <record> starts (report_metadata and policy_published come first in
     * both schemas), or at the end of the document when there is no record,
     * or when a malformed/limited document stops after the metadata was read.
     * Not called when the root element is not <feedback>. */
    int (*begin)(void *ctx, const struct dmarcagg_meta *m);
    /* Called for each complete </record>. */
    int (*row)(void *ctx, const struct dmarcagg_row *r);
};

enum dmarcagg_status {
    DMARCAGG_OK = 0,
    DMARCAGG_NOT_DMARC,  /* well-formed start, but the root element is not <feedback> */
    DMARCAGG_MALFORMED,  /* XML error (rows already delivered stay delivered) */
    DMARCAGG_DOCTYPE,    /* a DOCTYPE was present: refused */
    DMARCAGG_LIMIT,      /* a ceiling was hit (size, depth, rows) */
    DMARCAGG_STOPPED,    /* a callback returned nonzero */
};

struct dmarcagg_result {
    enum dmarcagg_status status;
    uint64_t rows;            /* records delivered to the row callback */
    uint64_t messages;        /* sum of their counts (counts < 0 ignored) */
    uint64_t truncated_fields;/* text values cut at DMARCAGG_MAX_FIELD */
    uint64_t dropped_auth;    /* auth results beyond DMARCAGG_MAX_AUTH */
    char error[200];          /* "" on OK; else e.g. "line 12: ..." / "more than 32 levels" */
};

typedef struct dmarcagg dmarcagg;

/* Streaming interface: create, feed any number of chunks, finish (which
 * fills res and returns res->status), free. After a stop/error, further
 * feeds are ignored. */
dmarcagg *dmarcagg_new(const struct dmarcagg_sink *sink);
void dmarcagg_feed(dmarcagg *p, const char *chunk, size_t len);
enum dmarcagg_status dmarcagg_finish(dmarcagg *p, struct dmarcagg_result *res);
void dmarcagg_free(dmarcagg *p);

/* One call for a whole buffer. */
enum dmarcagg_status dmarcagg_parse(const char *xml, size_t len, const struct dmarcagg_sink *sink,
                                    struct dmarcagg_result *res);

/* A cheap sniff: do the first bytes (after an optional BOM, XML declaration,
 * comments and whitespace) open a <feedback> element (any namespace prefix)? */
bool dmarcagg_sniff(const char *p, size_t len);

#endif
