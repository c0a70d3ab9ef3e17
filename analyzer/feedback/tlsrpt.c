/* tlsrpt — see tlsrpt.h.
 *
 * The JSON is read with util/jsonparse (strict RFC 8259) and mapped field by
 * field to the flat model. Required by RFC 8460 section 4.4 and noted in
 * `problems` when absent or ill-typed: organization-name, date-range with
 * start-datetime and end-datetime, contact-info, report-id, policies; per
 * policy policy-type, policy-domain and both summary counts; per failure
 * result-type and failed-session-count. Leniencies, each noted in `problems`:
 * a count written as a string of digits is taken; policy-string and mx-host
 * given as a single string instead of an array are taken. A structured
 * additional-information (an object, as some reporters send) is kept as
 * compact JSON text. Not a TLS report (return -1): text that is not JSON, a
 * root that is not an object, or an object with none of report-id,
 * organization-name, date-range, policies.
 *
 * Dates: RFC 3339 date-time ("2016-04-01T00:00:00Z"), "T" or "t" or a space
 * between date and time, optional fractional seconds (truncated), "Z" or
 * "+hh:mm"/"-hh:mm" (also "+hhmm"); second 60 (a leap second) is accepted and
 * counts as the first second of the next minute. Anything else leaves -1. */
#include "feedback/tlsrpt.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/jsonparse.h"
#include "util/str.h"
#include "util/timeutil.h"

struct ctx {
    arena *a;
    struct arena_str problems;
};

static void note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct ctx *c, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    size_t len = (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1;
    if (c->problems.len) arena_str_put(&c->problems, "; ", 2);
    arena_str_put(&c->problems, buf, len);
}

/* ---- RFC 3339 ---- */

static bool digits(const char *p, size_t len, size_t at, size_t n, int *out)
{
    if (at > len || len - at < n) return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)p[at + i];
        if (!ch_is_digit(ch)) return false;
        v = v * 10 + (ch - '0');
    }
    *out = v;
    return true;
}

/* Unix seconds from an RFC 3339 date-time in (p,len); -1 when malformed. */
static int64_t rfc3339_parse(const char *p, size_t len)
{
    int y, mo, d, h, mi, s, oh = 0, om = 0;
    if (!digits(p, len, 0, 4, &y) || len < 19 || p[4] != '-' || !digits(p, len, 5, 2, &mo) ||
        p[7] != '-' || !digits(p, len, 8, 2, &d) ||
        (p[10] != 'T' && p[10] != 't' && p[10] != ' ') || !digits(p, len, 11, 2, &h) ||
        p[13] != ':' || !digits(p, len, 14, 2, &mi) || p[16] != ':' || !digits(p, len, 17, 2, &s))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > time_days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
        return -1;
    size_t i = 19;
    if (i < len && p[i] == '.') {
        size_t start = ++i;
        while (i < len && ch_is_digit((unsigned char)p[i]))
            i++;
        if (i == start) return -1;
    }
    if (i >= len) return -1;
    int sign = 0;
    if ((p[i] == 'Z' || p[i] == 'z') && i + 1 == len) {
        /* UTC */
    } else if (p[i] == '+' || p[i] == '-') {
        sign = p[i] == '-' ? -1 : 1;
        if (!digits(p, len, i + 1, 2, &oh)) return -1;
        size_t j = i + 3;
        if (j < len && p[j] == ':') j++;
        if (!digits(p, len, j, 2, &om) || j + 2 != len || oh > 23 || om > 59) return -1;
    } else {
        return -1;
    }
    return time_from_civil(y, mo, d, h, mi, s) - (int64_t)sign * (oh * 3600 + om * 60);
}

/* ---- field access ---- */

/* A compact JSON rendering of v (for structured additional-information). */
static void put_json(struct arena_str *b, const struct jv *v)
{
    static const char hex[] = "0123456789abcdef";
    switch (v->type) {
    case JV_NULL:
        arena_str_put(b, "null", 4);
        break;
    case JV_TRUE:
        arena_str_put(b, "true", 4);
        break;
    case JV_FALSE:
        arena_str_put(b, "false", 5);
        break;
    case JV_NUMBER:
        arena_str_put(b, v->s, v->len);
        break;
    case JV_STRING:
        arena_str_put(b, "\"", 1);
        for (size_t i = 0; i < v->len; i++) {
            unsigned char ch = (unsigned char)v->s[i];
            if (ch == '"' || ch == '\\') {
                char e[2] = {'\\', (char)ch};
                arena_str_put(b, e, 2);
            } else if (ch < 0x20) {
                char e[6] = {'\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15]};
                arena_str_put(b, e, 6);
            } else {
                arena_str_put(b, v->s + i, 1);
            }
        }
        arena_str_put(b, "\"", 1);
        break;
    case JV_ARRAY:
    case JV_OBJECT:
        arena_str_put(b, v->type == JV_ARRAY ? "[" : "{", 1);
        for (size_t k = 0; k < v->n; k++) {
            if (k) arena_str_put(b, ",", 1);
            if (v->type == JV_OBJECT) {
                struct jv key = {.type = JV_STRING, .s = v->keys[k], .len = v->key_lens[k]};
                put_json(b, &key);
                arena_str_put(b, ":", 1);
            }
            put_json(b, &v->item[k]);
        }
        arena_str_put(b, v->type == JV_ARRAY ? "]" : "}", 1);
        break;
    }
}

/* The string member `key` of o; NULL (and a note when required or ill-typed). */
static const char *get_str(struct ctx *c, const struct jv *o, const char *key, bool required,
                           const char *where)
{
    const struct jv *v = jv_get(o, key);
    if (!v) {
        if (required) note(c, "%s%s missing", where, key);
        return NULL;
    }
    if (v->type != JV_STRING) {
        note(c, "%s%s is not a string", where, key);
        return NULL;
    }
    return v->s;
}

/* A non-negative integer member; -1 (and a note) when absent or ill-typed. */
static int64_t get_count(struct ctx *c, const struct jv *o, const char *key, bool required,
                         const char *where)
{
    const struct jv *v = jv_get(o, key);
    if (!v) {
        if (required) note(c, "%s%s missing", where, key);
        return -1;
    }
    if (v->type == JV_NUMBER && v->is_int && v->i >= 0) return v->i;
    if (v->type == JV_STRING && v->len > 0 && v->len <= 18) {
        int64_t n = 0;
        size_t i = 0;
        while (i < v->len && ch_is_digit((unsigned char)v->s[i]))
            n = n * 10 + (v->s[i++] - '0');
        if (i == v->len) {
            note(c, "%s%s given as a string", where, key);
            return n;
        }
    }
    note(c, "%s%s is not a non-negative integer", where, key);
    return -1;
}

/* A string array joined with sep; a lone string is taken as it is. */
static const char *get_joined(struct ctx *c, const struct jv *o, const char *key, const char *sep,
                              const char *where)
{
    const struct jv *v = jv_get(o, key);
    if (!v || v->type == JV_NULL) return NULL;
    if (v->type == JV_STRING) {
        note(c, "%s%s is a string, not an array", where, key);
        return v->s;
    }
    if (v->type != JV_ARRAY) {
        note(c, "%s%s is not an array", where, key);
        return NULL;
    }
    struct arena_str b = {.a = c->a};
    size_t seplen = strlen(sep), bad = 0;
    for (size_t k = 0; k < v->n; k++) {
        const struct jv *it = &v->item[k];
        if (it->type != JV_STRING) {
            bad++;
            continue;
        }
        if (b.len) arena_str_put(&b, sep, seplen);
        arena_str_put(&b, it->s, it->len);
    }
    if (bad) note(c, "%s%s: %zu item%s not a string", where, key, bad, bad == 1 ? "" : "s");
    if (v->n > 0 && bad == v->n) return NULL;
    return b.p ? b.p : arena_strdup(c->a, ""); /* an empty array, or empty strings */
}

static void map_failure(struct ctx *c, const struct jv *o, struct tlsrpt_failure *f,
                        const char *where)
{
    f->failed_session_count = -1;
    if (o->type != JV_OBJECT) {
        note(c, "%s is not an object", where);
        return;
    }
    char w[128];
    snprintf(w, sizeof w, "%s.", where);
    f->result_type = get_str(c, o, "result-type", true, w);
    f->sending_mta_ip = get_str(c, o, "sending-mta-ip", false, w);
    f->receiving_mx_hostname = get_str(c, o, "receiving-mx-hostname", false, w);
    f->receiving_mx_helo = get_str(c, o, "receiving-mx-helo", false, w);
    f->receiving_ip = get_str(c, o, "receiving-ip", false, w);
    f->failed_session_count = get_count(c, o, "failed-session-count", true, w);
    f->failure_reason_code = get_str(c, o, "failure-reason-code", false, w);
    const struct jv *ai = jv_get(o, "additional-information");
    if (ai && ai->type == JV_STRING) {
        f->additional_information = ai->s;
    } else if (ai && (ai->type == JV_OBJECT || ai->type == JV_ARRAY)) {
        struct arena_str b = {.a = c->a};
        put_json(&b, ai);
        f->additional_information = b.p;
    } else if (ai && ai->type != JV_NULL) {
        note(c, "%sadditional-information is not a string", w);
    }
}

static void map_policy(struct ctx *c, const struct jv *o, struct tlsrpt_policy *pol,
                       const char *where)
{
    pol->total_successful = pol->total_failure = -1;
    if (o->type != JV_OBJECT) {
        note(c, "%s is not an object", where);
        return;
    }
    char w[96];
    const struct jv *p = jv_get(o, "policy");
    if (p && p->type == JV_OBJECT) {
        snprintf(w, sizeof w, "%s.policy.", where);
        pol->policy_type = get_str(c, p, "policy-type", true, w);
        pol->policy_domain = get_str(c, p, "policy-domain", true, w);
        pol->policy_string = get_joined(c, p, "policy-string", "\n", w);
        pol->mx_host = get_joined(c, p, "mx-host", ", ", w);
    } else {
        note(c, "%s.policy %s", where, p ? "is not an object" : "missing");
    }
    const struct jv *s = jv_get(o, "summary");
    if (s && s->type == JV_OBJECT) {
        snprintf(w, sizeof w, "%s.summary.", where);
        pol->total_successful = get_count(c, s, "total-successful-session-count", true, w);
        pol->total_failure = get_count(c, s, "total-failure-session-count", true, w);
    } else {
        note(c, "%s.summary %s", where, s ? "is not an object" : "missing");
    }
    const struct jv *fd = jv_get(o, "failure-details");
    if (!fd || fd->type == JV_NULL) return;
    if (fd->type != JV_ARRAY) {
        note(c, "%s.failure-details is not an array", where);
        return;
    }
    size_t n = fd->n;
    if (n > TLSRPT_MAX_FAILURES) {
        note(c, "%s.failure-details: %zu entries, only the first %d kept", where, n,
             TLSRPT_MAX_FAILURES);
        n = TLSRPT_MAX_FAILURES;
    }
    if (n == 0) return;
    pol->failures = arena_zalloc(c->a, n * sizeof *pol->failures);
    pol->n_failures = n;
    for (size_t k = 0; k < n; k++) {
        snprintf(w, sizeof w, "%s.failure-details[%zu]", where, k);
        map_failure(c, &fd->item[k], &pol->failures[k], w);
    }
}

int tlsrpt_parse(arena *a, const char *json, size_t len, struct tlsrpt_report *out, char *err,
                 size_t errlen)
{
    memset(out, 0, sizeof *out);
    out->date_begin = out->date_end = -1;
    if (err && errlen) err[0] = '\0';
    if (len > TLSRPT_MAX_JSON) {
        if (err) snprintf(err, errlen, "report of %zu bytes exceeds %zu", len, TLSRPT_MAX_JSON);
        return -1;
    }
    char jerr[160];
    struct jv *root = jsonp_parse(a, json, len, jerr, sizeof jerr);
    if (!root) {
        if (err) snprintf(err, errlen, "not JSON: %s", jerr);
        return -1;
    }
    if (root->type != JV_OBJECT) {
        if (err) snprintf(err, errlen, "not a TLS report: the JSON is not an object");
        return -1;
    }
    if (!jv_get(root, "report-id") && !jv_get(root, "organization-name") &&
        !jv_get(root, "date-range") && !jv_get(root, "policies")) {
        if (err)
            snprintf(err, errlen,
                     "not a TLS report: no report-id, organization-name, date-range or policies");
        return -1;
    }
    struct ctx c = {.a = a, .problems = {.a = a}};
    out->organization_name = get_str(&c, root, "organization-name", true, "");
    out->contact_info = get_str(&c, root, "contact-info", true, "");
    out->report_id = get_str(&c, root, "report-id", true, "");

    const struct jv *dr = jv_get(root, "date-range");
    if (dr && dr->type == JV_OBJECT) {
        static const char *const keys[2] = {"start-datetime", "end-datetime"};
        int64_t *dst[2] = {&out->date_begin, &out->date_end};
        for (int k = 0; k < 2; k++) {
            const struct jv *v = jv_get(dr, keys[k]);
            if (!v) {
                note(&c, "date-range.%s missing", keys[k]);
            } else if (v->type != JV_STRING || (*dst[k] = rfc3339_parse(v->s, v->len)) < 0) {
                *dst[k] = -1;
                note(&c, "date-range.%s is not an RFC 3339 date-time", keys[k]);
            }
        }
    } else {
        note(&c, "date-range %s", dr ? "is not an object" : "missing");
    }

    const struct jv *pols = jv_get(root, "policies");
    if (pols && pols->type == JV_ARRAY) {
        size_t n = pols->n;
        if (n > TLSRPT_MAX_POLICIES) {
            note(&c, "policies: %zu entries, only the first %d kept", n, TLSRPT_MAX_POLICIES);
            n = TLSRPT_MAX_POLICIES;
        }
        if (n) out->policies = arena_zalloc(a, n * sizeof *out->policies);
        out->n_policies = n;
        char w[48];
        for (size_t k = 0; k < n; k++) {
            snprintf(w, sizeof w, "policies[%zu]", k);
            map_policy(&c, &pols->item[k], &out->policies[k], w);
        }
    } else {
        note(&c, "policies %s", pols ? "is not an array" : "missing");
    }
    out->problems = c.problems.p;
    return 0;
}
