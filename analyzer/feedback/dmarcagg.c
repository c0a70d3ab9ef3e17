/* dmarcagg — DMARC aggregate reports from XML to rows (see dmarcagg.h).
 *
 * libxml2's SAX2 push parser does the XML; this file keeps a small stack of
 * "what this element means here" frames (the meaning of <domain>, <dkim> or
 * <spf> depends on the parent) and appends text into fixed-size buffers, one
 * per field, allocated once per parser: nothing is allocated per record, so
 * memory stays flat whatever the number of records. Elements are matched by
 * local name (any namespace); an element that is unknown, or known but out of
 * place, is skipped with everything inside it.
 *
 * Safety: a DOCTYPE stops the parse at once (the SAX internalSubset and
 * externalSubset handlers fire before any declaration inside it is read), so
 * no entity is ever declared or expanded; no network (XML_PARSE_NONET), no
 * entity substitution, no DTD loading. libxml2's messages go to this parser's
 * result (the first fatal one), never to stderr: the context's structured
 * handler and, around every call into libxml2, the thread's global handlers
 * (which the encoding converters report through) point here.
 *
 * Does not: validate against the XSD, check that values are from the RFC's
 * enumerations (a reporter's "softfail" in a DMARC verdict is passed on as
 * written), or convert IP addresses. Lengths, not contents, are limited. */
#include "feedback/dmarcagg.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlerror.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

/* The bytes handed to xmlParseChunk at a time: libxml2 copies what it is
 * given into its input buffer, so this bounds that buffer's growth from one
 * big feed; 64 KiB measured fastest (4 KiB and 1 MiB are both slower). */
#define FEED_SLICE ((size_t)64 << 10)

/* libxml2's push parser holds an unfinished comment, processing instruction,
 * tag or DOCTYPE in memory until its end arrives (text and CDATA are
 * streamed): past this many pending bytes the parse stops (LIMIT), so that a
 * never-ending construct cannot grow the buffer to DMARCAGG_MAX_XML. libxml2
 * 2.9 has its own such ceiling (10,000,000 bytes, "Huge input lookup", a
 * fatal error); this one is below it, reported as the limit it is, and does
 * not depend on the library's version. No real report comes anywhere near. */
#define MAX_PENDING ((size_t)8 << 20)

/* One text value: leading whitespace is never stored, trailing whitespace is
 * cut when the value is handed out; `s` is NUL-terminated after every append. */
struct field {
    uint32_t len;
    bool cut;
    char s[DMARCAGG_MAX_FIELD + 1];
};

enum meta_field {
    M_VERSION,
    M_ORG_NAME,
    M_EMAIL,
    M_EXTRA,
    M_REPORT_ID,
    M_ERRORS,
    M_GENERATOR,
    M_BEGIN,
    M_END,
    M_DOMAIN,
    M_ADKIM,
    M_ASPF,
    M_P,
    M_SP,
    M_NP,
    M_PCT,
    M_FO,
    M_TESTING,
    M_DISCOVERY,
    M_ERROR_ONE, /* the <error> being read, joined into M_ERRORS at its end */
    META_FIELDS
};

enum row_field {
    R_SOURCE_IP,
    R_COUNT,
    R_DISPOSITION,
    R_DKIM,
    R_SPF,
    R_REASONS,
    R_HEADER_FROM,
    R_ENVELOPE_FROM,
    R_ENVELOPE_TO,
    R_TYPE,    /* the <reason> being read ... */
    R_COMMENT, /* ... joined into R_REASONS at its end */
    ROW_FIELDS
};

/* the four values of one <dkim> or <spf> result; A_SELECTOR holds the SPF scope */
enum auth_field { A_DOMAIN, A_SELECTOR, A_RESULT, A_HUMAN, AUTH_FIELDS };

/* Element local names that mean something somewhere. */
enum name {
    N_OTHER,
    N_FEEDBACK,
    N_VERSION,
    N_REPORT_METADATA,
    N_ORG_NAME,
    N_EMAIL,
    N_EXTRA_CONTACT_INFO,
    N_REPORT_ID,
    N_DATE_RANGE,
    N_BEGIN,
    N_END,
    N_ERROR,
    N_GENERATOR,
    N_POLICY_PUBLISHED,
    N_DOMAIN,
    N_ADKIM,
    N_ASPF,
    N_P,
    N_SP,
    N_NP,
    N_PCT,
    N_FO,
    N_TESTING,
    N_DISCOVERY_METHOD,
    N_RECORD,
    N_ROW,
    N_SOURCE_IP,
    N_COUNT,
    N_POLICY_EVALUATED,
    N_DISPOSITION,
    N_DKIM,
    N_SPF,
    N_REASON,
    N_TYPE,
    N_COMMENT,
    N_IDENTIFIERS,
    N_HEADER_FROM,
    N_ENVELOPE_FROM,
    N_ENVELOPE_TO,
    N_AUTH_RESULTS,
    N_SELECTOR,
    N_SCOPE,
    N_RESULT,
    N_HUMAN_RESULT,
};

static const struct {
    const char *s;
    enum name id;
} names[] = {
    {"feedback", N_FEEDBACK},
    {"version", N_VERSION},
    {"report_metadata", N_REPORT_METADATA},
    {"org_name", N_ORG_NAME},
    {"email", N_EMAIL},
    {"extra_contact_info", N_EXTRA_CONTACT_INFO},
    {"report_id", N_REPORT_ID},
    {"date_range", N_DATE_RANGE},
    {"begin", N_BEGIN},
    {"end", N_END},
    {"error", N_ERROR},
    {"generator", N_GENERATOR},
    {"policy_published", N_POLICY_PUBLISHED},
    {"domain", N_DOMAIN},
    {"adkim", N_ADKIM},
    {"aspf", N_ASPF},
    {"p", N_P},
    {"sp", N_SP},
    {"np", N_NP},
    {"pct", N_PCT},
    {"fo", N_FO},
    {"testing", N_TESTING},
    {"discovery_method", N_DISCOVERY_METHOD},
    {"record", N_RECORD},
    {"row", N_ROW},
    {"source_ip", N_SOURCE_IP},
    {"count", N_COUNT},
    {"policy_evaluated", N_POLICY_EVALUATED},
    {"disposition", N_DISPOSITION},
    {"dkim", N_DKIM},
    {"spf", N_SPF},
    {"reason", N_REASON},
    {"type", N_TYPE},
    {"comment", N_COMMENT},
    {"identifiers", N_IDENTIFIERS},
    {"header_from", N_HEADER_FROM},
    {"envelope_from", N_ENVELOPE_FROM},
    {"envelope_to", N_ENVELOPE_TO},
    {"auth_results", N_AUTH_RESULTS},
    {"selector", N_SELECTOR},
    {"scope", N_SCOPE},
    {"result", N_RESULT},
    {"human_result", N_HUMAN_RESULT},
};

/* Where the text of a known element goes, by (parent meaning, name): the
 * whole mapping from the two schemas to the contract's fields. */
enum ctx {
    X_SKIP, /* unknown or out of place: ignored with its subtree */
    X_TOP,  /* outside the root element */
    X_FEEDBACK,
    X_META,
    X_DATE,
    X_POLICY,
    X_RECORD,
    X_ROW,
    X_EVAL,
    X_REASON,
    X_IDS,
    X_AUTH,
    X_AUTH_DKIM,
    X_AUTH_SPF,
    X_TEXT,  /* a leaf whose characters go to the frame's field */
    X_ERROR, /* report_metadata/error: a leaf, joined at its end */
};

static const struct leaf {
    uint8_t parent, name;
    uint8_t field; /* enum meta_field, row_field or auth_field by parent */
} leaves[] = {
    {X_FEEDBACK, N_VERSION, M_VERSION},
    {X_META, N_VERSION, M_VERSION},
    {X_META, N_ORG_NAME, M_ORG_NAME},
    {X_META, N_EMAIL, M_EMAIL},
    {X_META, N_EXTRA_CONTACT_INFO, M_EXTRA},
    {X_META, N_REPORT_ID, M_REPORT_ID},
    {X_META, N_GENERATOR, M_GENERATOR},
    {X_DATE, N_BEGIN, M_BEGIN},
    {X_DATE, N_END, M_END},
    {X_POLICY, N_DOMAIN, M_DOMAIN},
    {X_POLICY, N_ADKIM, M_ADKIM},
    {X_POLICY, N_ASPF, M_ASPF},
    {X_POLICY, N_P, M_P},
    {X_POLICY, N_SP, M_SP},
    {X_POLICY, N_NP, M_NP},
    {X_POLICY, N_PCT, M_PCT},
    {X_POLICY, N_FO, M_FO},
    {X_POLICY, N_TESTING, M_TESTING},
    {X_POLICY, N_DISCOVERY_METHOD, M_DISCOVERY},
    {X_ROW, N_SOURCE_IP, R_SOURCE_IP},
    {X_ROW, N_COUNT, R_COUNT},
    {X_EVAL, N_DISPOSITION, R_DISPOSITION},
    {X_EVAL, N_DKIM, R_DKIM},
    {X_EVAL, N_SPF, R_SPF},
    {X_REASON, N_TYPE, R_TYPE},
    {X_REASON, N_COMMENT, R_COMMENT},
    {X_IDS, N_HEADER_FROM, R_HEADER_FROM},
    {X_IDS, N_ENVELOPE_FROM, R_ENVELOPE_FROM},
    {X_IDS, N_ENVELOPE_TO, R_ENVELOPE_TO},
    {X_AUTH_DKIM, N_DOMAIN, A_DOMAIN},
    {X_AUTH_DKIM, N_SELECTOR, A_SELECTOR},
    {X_AUTH_DKIM, N_RESULT, A_RESULT},
    {X_AUTH_DKIM, N_HUMAN_RESULT, A_HUMAN},
    {X_AUTH_SPF, N_DOMAIN, A_DOMAIN},
    {X_AUTH_SPF, N_SCOPE, A_SELECTOR},
    {X_AUTH_SPF, N_RESULT, A_RESULT},
    {X_AUTH_SPF, N_HUMAN_RESULT, A_HUMAN},
};

/* containers, by (parent meaning, name) */
static const struct {
    uint8_t parent, name, ctx;
} containers[] = {
    {X_TOP, N_FEEDBACK, X_FEEDBACK},
    {X_FEEDBACK, N_REPORT_METADATA, X_META},
    {X_FEEDBACK, N_POLICY_PUBLISHED, X_POLICY},
    {X_FEEDBACK, N_RECORD, X_RECORD},
    {X_META, N_DATE_RANGE, X_DATE},
    {X_META, N_ERROR, X_ERROR},
    {X_RECORD, N_ROW, X_ROW},
    {X_RECORD, N_IDENTIFIERS, X_IDS},
    {X_RECORD, N_AUTH_RESULTS, X_AUTH},
    {X_ROW, N_POLICY_EVALUATED, X_EVAL},
    {X_EVAL, N_REASON, X_REASON},
    {X_AUTH, N_DKIM, X_AUTH_DKIM},
    {X_AUTH, N_SPF, X_AUTH_SPF},
};

#define NAME_SLOTS 128 /* open-addressed index of `names`, a power of two */
#define NAME_CACHE 64  /* direct-mapped cache of name addresses, a power of two */
#define X_COUNT (X_ERROR + 1)
#define NAME_COUNT (N_HUMAN_RESULT + 1)

struct frame {
    uint8_t ctx;
    uint8_t aux; /* X_AUTH_*: index of the result being filled */
    struct field *f;
};

struct dmarcagg {
    const struct dmarcagg_sink *sink;
    xmlParserCtxtPtr ctxt;
    enum dmarcagg_status status;
    bool finished, begun, is_feedback, meta_done;
    size_t fed;
    struct dmarcagg_result res;

    struct frame stack[DMARCAGG_MAX_DEPTH];
    int depth;
    struct field *cur; /* where characters go now, or NULL */

    uint8_t slot_name[NAME_SLOTS]; /* enum name + 1, 0 = empty */
    /* libxml2 interns element names in its dictionary: a name's address,
     * once seen, identifies it (only dictionary-owned addresses are cached) */
    const xmlChar *seen_ptr[NAME_CACHE];
    uint8_t seen_name[NAME_CACHE];
    /* (parent ctx, name) -> X_* of a container or X_TEXT + field index */
    uint8_t map_ctx[X_COUNT][NAME_COUNT];
    uint8_t map_field[X_COUNT][NAME_COUNT];

    struct field meta[META_FIELDS];
    struct field row[ROW_FIELDS];
    struct field dkim[DMARCAGG_MAX_AUTH][AUTH_FIELDS];
    struct field spf[DMARCAGG_MAX_AUTH][AUTH_FIELDS];
    int n_dkim, n_spf;
    struct dmarcagg_row out; /* reused for every record */
};

/* ---- small helpers ---- */

static bool is_xml_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void field_reset(struct field *f)
{
    f->len = 0; /* field_str writes the NUL */
    f->cut = false;
}

/* After a cut, drop a UTF-8 sequence that the cut left incomplete. */
static void drop_partial_utf8(struct field *f)
{
    uint32_t i = f->len, back = 0;
    while (i > 0 && back < 4 && ((unsigned char)f->s[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0) return;
    unsigned char lead = (unsigned char)f->s[i - 1];
    uint32_t need = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (back + 1 < need) f->len = i - 1;
}

/* Appends n bytes, cutting at DMARCAGG_MAX_FIELD (counted once per value). */
static void field_put(struct dmarcagg *p, struct field *f, const char *s, size_t n)
{
    if (f->cut) return;
    size_t room = DMARCAGG_MAX_FIELD - f->len;
    if (n > room) {
        memcpy(f->s + f->len, s, room);
        f->len = DMARCAGG_MAX_FIELD;
        f->cut = true;
        p->res.truncated_fields++;
        drop_partial_utf8(f);
    } else {
        memcpy(f->s + f->len, s, n);
        f->len += (uint32_t)n;
    }
    f->s[f->len] = '\0';
}

/* The value as handed out: trailing whitespace cut, NULL when empty. */
static const char *field_str(struct field *f)
{
    while (f->len > 0 && is_xml_space((unsigned char)f->s[f->len - 1]))
        f->len--;
    f->s[f->len] = '\0';
    return f->len ? f->s : NULL;
}

/* Appends "; " + the pieces (NULLs skipped) to a joined list. */
static void field_join(struct dmarcagg *p, struct field *dst, const char *a, const char *sep,
                       const char *b)
{
    if (!a && !b) return;
    if (dst->len) field_put(p, dst, "; ", 2);
    if (a) field_put(p, dst, a, strlen(a));
    if (a && b) field_put(p, dst, sep, strlen(sep));
    if (b) field_put(p, dst, b, strlen(b));
}

/* A decimal number of at most 18 digits (no sign): its value, else -1. */
static int64_t parse_count(const char *s)
{
    if (!s) return -1;
    int64_t v = 0;
    size_t n = 0;
    for (; s[n]; n++) {
        if (s[n] < '0' || s[n] > '9' || n >= 18) return -1;
        v = v * 10 + (s[n] - '0');
    }
    return n ? v : -1;
}

static void halt(struct dmarcagg *p, enum dmarcagg_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Records the first failure and stops libxml2 (callable from a handler). */
static void halt(struct dmarcagg *p, enum dmarcagg_status st, const char *fmt, ...)
{
    if (p->status != DMARCAGG_OK) return;
    p->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->res.error, sizeof p->res.error, fmt, ap);
    va_end(ap);
    if (p->ctxt) xmlStopParser(p->ctxt);
}

static enum name name_lookup(const struct dmarcagg *p, const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 18) return N_OTHER;
    unsigned h = ((unsigned)len * 7u + (unsigned char)s[0] * 31u + (unsigned char)s[len - 1]) &
                 (NAME_SLOTS - 1);
    for (;; h = (h + 1) & (NAME_SLOTS - 1)) {
        unsigned v = p->slot_name[h];
        if (v == 0) return N_OTHER;
        if (strcmp(names[v - 1].s, s) == 0) return names[v - 1].id;
    }
}

/* ---- callbacks to the caller ---- */

static void deliver_begin(struct dmarcagg *p)
{
    p->begun = true;
    struct field *m = p->meta;
    int64_t pct = parse_count(field_str(&m[M_PCT]));
    struct dmarcagg_meta meta = {
        .version = field_str(&m[M_VERSION]),
        .org_name = field_str(&m[M_ORG_NAME]),
        .email = field_str(&m[M_EMAIL]),
        .extra_contact_info = field_str(&m[M_EXTRA]),
        .report_id = field_str(&m[M_REPORT_ID]),
        .errors = field_str(&m[M_ERRORS]),
        .generator = field_str(&m[M_GENERATOR]),
        .date_begin = parse_count(field_str(&m[M_BEGIN])),
        .date_end = parse_count(field_str(&m[M_END])),
        .domain = field_str(&m[M_DOMAIN]),
        .adkim = field_str(&m[M_ADKIM]),
        .aspf = field_str(&m[M_ASPF]),
        .p = field_str(&m[M_P]),
        .sp = field_str(&m[M_SP]),
        .np = field_str(&m[M_NP]),
        .pct = pct >= 0 && pct <= 100 ? (int)pct : -1,
        .fo = field_str(&m[M_FO]),
        .testing = field_str(&m[M_TESTING]),
        .discovery_method = field_str(&m[M_DISCOVERY]),
    };
    if (p->sink->begin && p->sink->begin(p->sink->ctx, &meta) != 0)
        halt(p, DMARCAGG_STOPPED, "stopped by the caller");
}

static void auth_out(struct dmarcagg_auth *a, struct field *f, bool dkim)
{
    a->domain = field_str(&f[A_DOMAIN]);
    a->selector = dkim ? field_str(&f[A_SELECTOR]) : NULL;
    a->scope = dkim ? NULL : field_str(&f[A_SELECTOR]);
    a->result = field_str(&f[A_RESULT]);
    a->human_result = field_str(&f[A_HUMAN]);
}

static void deliver_row(struct dmarcagg *p)
{
    struct dmarcagg_row *r = &p->out;
    struct field *f = p->row;
    r->source_ip = field_str(&f[R_SOURCE_IP]);
    r->count = parse_count(field_str(&f[R_COUNT]));
    r->disposition = field_str(&f[R_DISPOSITION]);
    r->dkim = field_str(&f[R_DKIM]);
    r->spf = field_str(&f[R_SPF]);
    r->reasons = field_str(&f[R_REASONS]);
    r->header_from = field_str(&f[R_HEADER_FROM]);
    r->envelope_from = field_str(&f[R_ENVELOPE_FROM]);
    r->envelope_to = field_str(&f[R_ENVELOPE_TO]);
    for (int i = 0; i < p->n_dkim; i++)
        auth_out(&r->dkim_auth[i], p->dkim[i], true);
    for (int i = p->n_dkim; i < r->n_dkim; i++) /* stale entries from the last row */
        memset(&r->dkim_auth[i], 0, sizeof r->dkim_auth[i]);
    for (int i = 0; i < p->n_spf; i++)
        auth_out(&r->spf_auth[i], p->spf[i], false);
    for (int i = p->n_spf; i < r->n_spf; i++)
        memset(&r->spf_auth[i], 0, sizeof r->spf_auth[i]);
    r->n_dkim = p->n_dkim;
    r->n_spf = p->n_spf;

    p->res.rows++;
    if (r->count > 0) {
        uint64_t c = (uint64_t)r->count;
        p->res.messages = p->res.messages > UINT64_MAX - c ? UINT64_MAX : p->res.messages + c;
    }
    if (p->sink->row && p->sink->row(p->sink->ctx, r) != 0)
        halt(p, DMARCAGG_STOPPED, "stopped by the caller");
}

/* ---- SAX handlers ---- */

static void on_start(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                     int nb_defaulted, const xmlChar **attributes)
{
    (void)prefix, (void)uri, (void)nb_namespaces, (void)namespaces, (void)nb_attributes;
    (void)nb_defaulted, (void)attributes;
    struct dmarcagg *p = ud;
    if (p->status != DMARCAGG_OK) return;
    if (p->depth >= DMARCAGG_MAX_DEPTH) {
        halt(p, DMARCAGG_LIMIT, "more than %d levels of elements", DMARCAGG_MAX_DEPTH);
        return;
    }
    uint8_t parent = p->depth ? p->stack[p->depth - 1].ctx : X_TOP;
    struct frame *fr = &p->stack[p->depth++];
    fr->ctx = X_SKIP;
    fr->f = NULL;
    p->cur = NULL;
    if (parent == X_SKIP || parent == X_TEXT || parent == X_ERROR) return;
    enum name id;
    size_t slot = ((uintptr_t)localname >> 3) & (NAME_CACHE - 1);
    if (p->seen_ptr[slot] == localname) {
        id = p->seen_name[slot];
    } else {
        id = name_lookup(p, (const char *)localname);
        if (xmlDictOwns(p->ctxt->dict, localname) == 1) {
            p->seen_ptr[slot] = localname;
            p->seen_name[slot] = (uint8_t)id;
        }
    }
    uint8_t ctx = p->map_ctx[parent][id];
    uint8_t fi = p->map_field[parent][id];
    switch (ctx) {
    case X_SKIP:
        if (parent == X_TOP) {
            halt(p, DMARCAGG_NOT_DMARC, "root element <%.60s> is not <feedback>",
                 (const char *)localname);
        }
        return;
    case X_FEEDBACK:
        p->is_feedback = true;
        break;
    case X_RECORD:
        if (!p->begun) {
            deliver_begin(p);
            if (p->status != DMARCAGG_OK) return;
        }
        if (p->res.rows >= DMARCAGG_MAX_ROWS) {
            halt(p, DMARCAGG_LIMIT, "more than %u records", DMARCAGG_MAX_ROWS);
            return;
        }
        for (int i = 0; i < ROW_FIELDS; i++)
            field_reset(&p->row[i]);
        p->n_dkim = p->n_spf = 0;
        break;
    case X_REASON:
        field_reset(&p->row[R_TYPE]);
        field_reset(&p->row[R_COMMENT]);
        break;
    case X_ERROR:
        fr->f = &p->meta[M_ERROR_ONE];
        field_reset(fr->f);
        break;
    case X_AUTH_DKIM:
    case X_AUTH_SPF: {
        int *n = ctx == X_AUTH_DKIM ? &p->n_dkim : &p->n_spf;
        if (*n >= DMARCAGG_MAX_AUTH) {
            p->res.dropped_auth++;
            return; /* stays X_SKIP */
        }
        struct field *e = ctx == X_AUTH_DKIM ? p->dkim[*n] : p->spf[*n];
        for (int i = 0; i < AUTH_FIELDS; i++)
            field_reset(&e[i]);
        fr->aux = (uint8_t)(*n)++;
        break;
    }
    case X_TEXT:
        switch (parent) {
        case X_FEEDBACK:
        case X_META:
        case X_DATE:
        case X_POLICY:
            fr->f = &p->meta[fi];
            break;
        case X_AUTH_DKIM:
            fr->f = &p->dkim[p->stack[p->depth - 2].aux][fi];
            break;
        case X_AUTH_SPF:
            fr->f = &p->spf[p->stack[p->depth - 2].aux][fi];
            break;
        default:
            fr->f = &p->row[fi];
        }
        field_reset(fr->f); /* a repeated element: the last one wins */
        break;
    default:
        break;
    }
    fr->ctx = ctx;
    p->cur = fr->f;
}

static void on_end(void *ud, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname, (void)prefix, (void)uri;
    struct dmarcagg *p = ud;
    if (p->status != DMARCAGG_OK || p->depth == 0) return;
    struct frame *fr = &p->stack[--p->depth];
    switch (fr->ctx) {
    case X_ERROR:
        field_join(p, &p->meta[M_ERRORS], field_str(fr->f), NULL, NULL);
        break;
    case X_REASON:
        field_join(p, &p->row[R_REASONS], field_str(&p->row[R_TYPE]), ": ",
                   field_str(&p->row[R_COMMENT]));
        break;
    case X_META:
        p->meta_done = true;
        break;
    case X_RECORD:
        deliver_row(p);
        break;
    default:
        break;
    }
    p->cur = p->depth ? p->stack[p->depth - 1].f : NULL;
}

static void on_chars(void *ud, const xmlChar *ch, int len)
{
    struct dmarcagg *p = ud;
    struct field *f = p->cur;
    if (!f || len <= 0) return;
    const char *s = (const char *)ch;
    size_t n = (size_t)len;
    if (f->len == 0)
        while (n > 0 && is_xml_space((unsigned char)*s)) {
            s++;
            n--;
        }
    if (n) field_put(p, f, s, n);
}

static void on_doctype(void *ud, const xmlChar *name, const xmlChar *external_id,
                       const xmlChar *system_id)
{
    (void)name, (void)external_id, (void)system_id;
    halt(ud, DMARCAGG_DOCTYPE, "document type declaration refused");
}

static void on_error(void *ud, xmlErrorPtr e)
{
    struct dmarcagg *p = ud;
    if (!p || !e || e->level != XML_ERR_FATAL || p->status != DMARCAGG_OK) return;
    const char *msg = e->message ? e->message : "XML error";
    size_t n = strlen(msg);
    while (n > 0 && is_xml_space((unsigned char)msg[n - 1]))
        n--;
    /* errors raised outside the parser (charset converters) carry no line */
    int line = e->line ? e->line : p->ctxt && p->ctxt->input ? p->ctxt->input->line : 1;
    p->status = DMARCAGG_MALFORMED;
    snprintf(p->res.error, sizeof p->res.error, "line %d: %.*s", line, (int)(n > 180 ? 180 : n),
             msg);
}

static void quiet(void *ud, const char *fmt, ...)
{
    (void)ud, (void)fmt;
}

/* ---- libxml2 plumbing ---- */

/* The thread's global error handlers, replaced around each call into libxml2. */
struct quiet_guard {
    xmlStructuredErrorFunc sfn;
    void *sctx;
    xmlGenericErrorFunc gfn;
    void *gctx;
};

static void guard_on(struct dmarcagg *p, struct quiet_guard *g)
{
    g->sfn = xmlStructuredError;
    g->sctx = xmlStructuredErrorContext;
    g->gfn = xmlGenericError;
    g->gctx = xmlGenericErrorContext;
    xmlSetStructuredErrorFunc(p, on_error);
    xmlSetGenericErrorFunc(p, quiet);
}

static void guard_off(const struct quiet_guard *g)
{
    xmlSetStructuredErrorFunc(g->sctx, g->sfn);
    xmlSetGenericErrorFunc(g->gctx, g->gfn);
}

/* libxml2 may stop without a fatal message reaching us (a failed encoding
 * conversion halts the push parser and returns an error code): never let
 * that pass as OK. */
static void check_parse(struct dmarcagg *p, int ret)
{
    if (p->status != DMARCAGG_OK) return;
    xmlParserCtxtPtr c = p->ctxt;
    if (ret != 0 || c->wellFormed == 0)
        halt(p, DMARCAGG_MALFORMED, "line %d: XML error %d", c->input ? c->input->line : 0,
             ret ? ret : c->errNo);
    else if (c->input && c->input->cur && c->input->end &&
             (size_t)(c->input->end - c->input->cur) > MAX_PENDING)
        halt(p, DMARCAGG_LIMIT, "line %d: an XML construct over %zu bytes", c->input->line,
             MAX_PENDING);
}

dmarcagg *dmarcagg_new(const struct dmarcagg_sink *sink)
{
    xmlInitParser();
    struct dmarcagg *p = xcalloc(1, sizeof *p);
    p->sink = sink;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *s = names[i].s;
        size_t len = strlen(s);
        unsigned h = ((unsigned)len * 7u + (unsigned char)s[0] * 31u + (unsigned char)s[len - 1]) &
                     (NAME_SLOTS - 1);
        while (p->slot_name[h])
            h = (h + 1) & (NAME_SLOTS - 1);
        p->slot_name[h] = (uint8_t)(i + 1);
    }
    for (size_t i = 0; i < sizeof leaves / sizeof leaves[0]; i++) {
        p->map_ctx[leaves[i].parent][leaves[i].name] = X_TEXT;
        p->map_field[leaves[i].parent][leaves[i].name] = leaves[i].field;
    }
    for (size_t i = 0; i < sizeof containers / sizeof containers[0]; i++)
        p->map_ctx[containers[i].parent][containers[i].name] = containers[i].ctx;

    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = on_start;
    sax.endElementNs = on_end;
    sax.characters = on_chars;
    sax.cdataBlock = on_chars;
    sax.internalSubset = on_doctype;
    sax.externalSubset = on_doctype;
    sax.serror = on_error;
    sax.error = quiet;
    sax.warning = quiet;
    sax.fatalError = quiet;
    struct quiet_guard g;
    guard_on(p, &g);
    p->ctxt = xmlCreatePushParserCtxt(&sax, p, NULL, 0, NULL);
    if (p->ctxt) xmlCtxtUseOptions(p->ctxt, XML_PARSE_NONET);
    guard_off(&g);
    if (!p->ctxt) {
        p->status = DMARCAGG_MALFORMED;
        snprintf(p->res.error, sizeof p->res.error, "cannot create an XML parser");
    }
    return p;
}

void dmarcagg_feed(dmarcagg *p, const char *chunk, size_t len)
{
    if (!p || p->finished || p->status != DMARCAGG_OK || len == 0) return;
    bool over = len > DMARCAGG_MAX_XML - p->fed;
    if (over) len = DMARCAGG_MAX_XML - p->fed;
    p->fed += len;
    struct quiet_guard g;
    guard_on(p, &g);
    while (len > 0 && p->status == DMARCAGG_OK) {
        size_t n = len < FEED_SLICE ? len : FEED_SLICE;
        check_parse(p, xmlParseChunk(p->ctxt, chunk, (int)n, 0));
        chunk += n;
        len -= n;
    }
    guard_off(&g);
    if (over) halt(p, DMARCAGG_LIMIT, "more than %zu bytes of XML", (size_t)DMARCAGG_MAX_XML);
}

enum dmarcagg_status dmarcagg_finish(dmarcagg *p, struct dmarcagg_result *res)
{
    if (!p->finished) {
        p->finished = true;
        if (p->status == DMARCAGG_OK) {
            struct quiet_guard g;
            guard_on(p, &g);
            if (p->fed == 0)
                halt(p, DMARCAGG_MALFORMED, "line 1: empty document");
            else
                check_parse(p, xmlParseChunk(p->ctxt, NULL, 0, 1));
            guard_off(&g);
        }
        /* a report whose records never came (or never ended) still has its metadata */
        if (!p->begun && p->is_feedback &&
            (p->status == DMARCAGG_OK ||
             (p->meta_done && (p->status == DMARCAGG_MALFORMED || p->status == DMARCAGG_LIMIT))))
            deliver_begin(p);
        p->res.status = p->status;
        if (p->status == DMARCAGG_OK) p->res.error[0] = '\0';
    }
    if (res) *res = p->res;
    return p->res.status;
}

void dmarcagg_free(dmarcagg *p)
{
    if (!p) return;
    if (p->ctxt) xmlFreeParserCtxt(p->ctxt);
    free(p);
}

enum dmarcagg_status dmarcagg_parse(const char *xml, size_t len, const struct dmarcagg_sink *sink,
                                    struct dmarcagg_result *res)
{
    dmarcagg *p = dmarcagg_new(sink);
    dmarcagg_feed(p, xml, len);
    enum dmarcagg_status st = dmarcagg_finish(p, res);
    dmarcagg_free(p);
    return st;
}

/* ---- sniffing ---- */

static const char *find2(const char *p, size_t len, size_t from, const char *pat, size_t plen)
{
    for (size_t i = from; i + plen <= len; i++)
        if (memcmp(p + i, pat, plen) == 0) return p + i;
    return NULL;
}

/* Is p[i..] "[prefix:]feedback" followed by a delimiter (or the buffer's end)? */
static bool names_feedback(const char *p, size_t len, size_t i)
{
    size_t start = i;
    while (i < len && !is_xml_space((unsigned char)p[i]) && p[i] != '>' && p[i] != '/' &&
           p[i] != '[') {
        if (p[i] == ':') start = i + 1;
        i++;
    }
    return i - start == 8 && memcmp(p + start, "feedback", 8) == 0;
}

bool dmarcagg_sniff(const char *p, size_t len)
{
    size_t i = 0;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) i = 3;
    for (;;) {
        while (i < len && is_xml_space((unsigned char)p[i]))
            i++;
        if (i + 1 >= len || p[i] != '<') return false;
        if (p[i + 1] == '?') { /* XML declaration, processing instruction */
            const char *e = find2(p, len, i + 2, "?>", 2);
            if (!e) return false;
            i = (size_t)(e - p) + 2;
        } else if (len - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            const char *e = find2(p, len, i + 4, "-->", 3);
            if (!e) return false;
            i = (size_t)(e - p) + 3;
        } else if (len - i >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0) {
            /* a report with a DOCTYPE: say yes so that the parser refuses it
             * and the refusal is recorded, instead of passing it over */
            i += 9;
            while (i < len && is_xml_space((unsigned char)p[i]))
                i++;
            return names_feedback(p, len, i);
        } else {
            return names_feedback(p, len, i + 1);
        }
    }
}
