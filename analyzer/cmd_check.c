/* cmd_check — `mailaudit check [--json] FILE...`: parse each message and
 * print what was found, without a database. A file holding an mbox prints
 * one result per message. --json prints one JSON object per message (JSON
 * Lines), with the stable keys of DESIGN.md ("file", "message", "parts",
 * "received", "anomalies"; later stages add "dkim", "spf", "dmarc", "score").
 * Every message-derived string goes through the JSON escaper (invalid UTF-8
 * becomes U+FFFD) or, in text mode, has control bytes replaced. */
#include "auth/dkim.h"
#include "authopts.h"
#include "check_auth.h"
#include "check_feedback.h"
#include "check_recommend.h"
#include "cli.h"
#include "logs/logfmt.h"
#include "mail/limits.h"
#include "mail/message.h"
#include "rulesopt.h"
#include "score/score.h"
#include "sources/detect.h"
#include "sources/mbox.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/reader.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char check_usage[] =
    "Usage: mailaudit check [--json] [--dns FILE]... [--online] [--checks LIST]\n"
    "                       [--at TIME|arrival|now] [--ip IP] [--helo NAME]\n"
    "                       [--mail-from ADDR] [--rules PATH]... FILE...\n"
    "\n"
    "Parse each message, verify it, and print what was found: sender, subject,\n"
    "dates, placement evidence, the MIME tree with decoded sizes, SHA-256 and\n"
    "detected file types, archive members, the Received chain, links, every\n"
    "anomaly; then the authentication picture re-verified: the envelope rebuilt\n"
    "from the Received chain, SPF (HELO and MAIL FROM), Sender ID, iprev and the\n"
    "HELO checks, each DKIM signature (result, reason, diagnosis, key size),\n"
    "DMARC, ARC, what the receivers claimed against what we find now, the\n"
    "bulk-sender requirements, and an RFC 8601 Authentication-Results line;\n"
    "then the content score: every rule of the rule set (SpamAssassin syntax,\n"
    "see --rules) that hit, biggest first, with where it matched.\n"
    "Nothing is stored. A FILE may be a single message, an mbox (every message\n"
    "is checked) or gzip-compressed.\n"
    "Without --dns, --online or --dns-from-db nothing is looked up, and checks\n"
    "that need DNS answer temperror (\"no DNS source\").\n"
    "\n"
    "Options:\n"
    "  --json            one JSON object per message (JSON Lines), stable keys:\n"
    "                    file, message, parts, received, links, images, dkim, spf,\n"
    "                    dmarc, arc, iprev, helo, envelope, claims, requirements,\n"
    "                    authentication_results, score, anomalies. With --checks not\n"
    "                    naming rules, the MIME tree is skipped for speed and\n"
    "                    parts, links and images are null.\n"
    "%s"
    "  --ip IP           the client IP the receiver saw (instead of the Received chain)\n"
    "  --helo NAME       the HELO name it saw\n"
    "  --mail-from ADDR  the MAIL FROM it saw ('' for the null sender)\n"
    "%s"
    "  --db FILE         the database --dns-from-db reads (default $MAILAUDIT_DB,\n"
    "                    else ./mailaudit.db)\n"
    "  --list-anomalies  print every anomaly code with its meaning, then exit\n"
    "  --list-reasons    print every DKIM reason with its result word, then exit\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 every file was read; 1 usage error; 2 a file could not be read\n"
    "(or a snapshot could not be loaded).\n";

/* Every rule's name and description as JSON strings ("NAME", escaped as
 * json_cstr writes it; null for no description) in one block, the names
 * first, by the rule's index in the ruleset. The "matched" list prints
 * about 84 names a message and "hits" about 10 descriptions; read through
 * each rule, every one was a cache miss of its own (a pointer in the rule,
 * then the name: score_json had 1.7% of the perf samples of the 2,000
 * bench messages, 47 of them in strlen; 1.2-1.4% with the pool, whose
 * lines miss too, but once a line for several names). Size: 53 KB of names
 * and 56 KB of descriptions for SpamAssassin's stock rules, and 23 KB of
 * offsets, built once. */
struct name_pool {
    const struct rule *base;
    size_t n;
    uint32_t *off; /* 2n + 1 offsets into text: name of rule i at i, description at n + i
                      (the names together: the matched list reads only those) */
    struct buf text;
};

struct check_ctx {
    bool json;
    const struct auth_opts *o;
    struct verify_ctx vc;   /* the checks asked, with their verifiers */
    bool with_mime;         /* parse the MIME tree (not with --checks lacking rules) */
    arena *a;               /* per message, reset */
    arena *fa;              /* per file (its folder context), reset */
    struct buf out;         /* per message, reset */
    struct buf data;        /* a single-message file */
    struct rules_ctx rules; /* rules.sc NULL: content not scored */
    struct name_pool names; /* for --json with rules */
};

static void name_pool_build(struct name_pool *np, const struct ruleset *rs)
{
    np->base = rs->rules;
    np->n = rs->n_rules;
    np->off = xcalloc(2 * rs->n_rules + 1, sizeof *np->off);
    buf_init(&np->text, 0);
    for (size_t i = 0; i < 2 * rs->n_rules; i++) {
        struct json j;
        json_init(&j, &np->text);
        np->off[i] = (uint32_t)np->text.len;
        const struct rule *r = &rs->rules[i % rs->n_rules];
        json_cstr(&j, i < rs->n_rules ? r->name : r->describe);
    }
    np->off[2 * rs->n_rules] = (uint32_t)np->text.len;
}

static void name_pool_free(struct name_pool *np)
{
    free(np->off);
    buf_free(&np->text);
}

/* A rule's name (describe false) or description as a JSON string: from the
 * pool when the rule is one of its ruleset's, else as json_cstr writes it. */
static void rule_str_json(struct json *j, const struct name_pool *np, const struct rule *r,
                          bool describe)
{
    uintptr_t b = (uintptr_t)np->base, p = (uintptr_t)r;
    if (np->off && p >= b && p < b + np->n * sizeof *r && (p - b) % sizeof *r == 0) {
        size_t i = (p - b) / sizeof *r + (describe ? np->n : 0);
        json_raw(j, np->text.p + np->off[i], np->off[i + 1] - np->off[i]);
    } else {
        json_cstr(j, describe ? r->describe : r->name);
    }
}

static void json_time(struct json *j, int64_t t, bool valid)
{
    if (!valid) {
        json_null(j);
        return;
    }
    char iso[32];
    time_format_iso(t, iso);
    json_cstr(j, iso);
}

static const char *img_kind(enum html_img_kind k)
{
    return k == IMG_REMOTE ? "remote" : k == IMG_CID ? "cid" : k == IMG_DATA ? "data" : "other";
}

static void addr_json(struct json *j, const struct addr *a)
{
    json_obj_begin(j);
    json_key(j, "address");
    json_cstr(j, a->address);
    json_key(j, "name");
    json_cstr(j, a->name);
    json_key(j, "domain");
    json_cstr(j, a->domain_lc && a->domain_lc[0] ? a->domain_lc : NULL);
    json_obj_end(j);
}

/* The MIME tree as the "parts" array. */
static void parts_json(struct json *j, const struct message *m)
{
    json_arr_begin(j);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        bool leaf = !p->is_multipart && !p->is_message;
        json_obj_begin(j);
        json_key(j, "path");
        json_cstr(j, p->path);
        json_key(j, "content_type");
        json_cstr(j, p->content_type);
        json_key(j, "charset");
        json_cstr(j, p->charset);
        json_key(j, "transfer_encoding");
        json_cstr(j, p->cte);
        json_key(j, "disposition");
        json_cstr(j, p->disposition);
        json_key(j, "filename");
        json_cstr(j, p->filename);
        json_key(j, "size");
        if (leaf)
            json_int(j, (int64_t)p->decoded_len);
        else
            json_null(j);
        json_key(j, "sha256");
        json_cstr(j, leaf && p->sha256[0] ? p->sha256 : NULL);
        json_key(j, "detected_type");
        json_cstr(j, leaf ? p->detected_type : NULL);
        json_key(j, "is_attachment");
        json_bool(j, p->is_attachment);
        if (p->zip.n) {
            json_key(j, "archive_members");
            json_arr_begin(j);
            for (size_t k = 0; k < p->zip.n; k++) {
                json_obj_begin(j);
                json_key(j, "name");
                json_cstr(j, p->zip.m[k].name);
                json_key(j, "size");
                json_int(j, (int64_t)p->zip.m[k].size);
                json_key(j, "encrypted");
                json_bool(j, p->zip.m[k].encrypted);
                json_obj_end(j);
            }
            json_arr_end(j);
        }
        json_obj_end(j);
    }
    json_arr_end(j);
}

/* The "links" array, then the "images" key and array, of the HTML parts. */
static void links_json(struct json *j, const struct message *m)
{
    json_arr_begin(j);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct html_doc *h = &m->mime.parts[i].html;
        for (size_t k = 0; k < h->n_links; k++) {
            json_obj_begin(j);
            json_key(j, "href");
            json_cstr(j, h->links[k].href);
            json_key(j, "text");
            json_cstr(j, h->links[k].text);
            json_obj_end(j);
        }
    }
    json_arr_end(j);
    json_key(j, "images");
    json_arr_begin(j);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct html_doc *h = &m->mime.parts[i].html;
        for (size_t k = 0; k < h->n_images; k++) {
            json_obj_begin(j);
            json_key(j, "src");
            json_cstr(j, h->images[k].src);
            json_key(j, "kind");
            json_cstr(j, img_kind(h->images[k].kind));
            json_key(j, "tracking_pixel");
            json_bool(j, h->images[k].tracking_pixel);
            json_obj_end(j);
        }
    }
    json_arr_end(j);
}

static void score_json(struct json *j, const struct score_result *sr, const struct name_pool *np);

static void message_json(struct buf *out, arena *a, const char *file, uint64_t offset, bool in_mbox,
                         const struct message *m, const struct verify_result *vr,
                         const struct score_result *sr, const struct check_fb *cf,
                         const struct name_pool *np)
{
    struct json j;
    json_init(&j, out);
    json_obj_begin(&j);
    json_key(&j, "file");
    json_cstr(&j, file);
    if (in_mbox) {
        json_key(&j, "offset");
        json_int(&j, (int64_t)offset);
    }
    json_key(&j, "message");
    json_obj_begin(&j);
    json_key(&j, "sha256");
    json_cstr(&j, m->sha256);
    json_key(&j, "message_id");
    json_cstr(&j, m->message_id);
    json_key(&j, "subject");
    json_cstr(&j, m->subject);
    json_key(&j, "from");
    if (m->has_from)
        addr_json(&j, &m->from);
    else
        json_null(&j);
    json_key(&j, "to");
    json_arr_begin(&j);
    for (size_t i = 0; i < m->to.n; i++)
        addr_json(&j, &m->to.v[i]);
    json_arr_end(&j);
    json_key(&j, "cc");
    json_arr_begin(&j);
    for (size_t i = 0; i < m->cc.n; i++)
        addr_json(&j, &m->cc.v[i]);
    json_arr_end(&j);
    json_key(&j, "return_path");
    json_cstr(&j, m->return_path);
    json_key(&j, "date");
    json_time(&j, m->date, m->has_date);
    json_key(&j, "arrival");
    json_time(&j, m->arrival, m->arrival != 0);
    json_key(&j, "size");
    json_int(&j, (int64_t)m->raw_len);
    json_key(&j, "placement");
    json_cstr(&j, placement_name(m->placement));
    json_key(&j, "placement_evidence");
    json_cstr(&j, m->placement_evidence);
    json_key(&j, "gmail_labels");
    json_cstr(&j, m->gmail_labels);
    json_obj_end(&j);

    json_key(&j, "parts");
    if (m->mime_parsed)
        parts_json(&j, m);
    else
        json_null(&j);

    json_key(&j, "received");
    json_arr_begin(&j);
    for (size_t i = 0; i < m->n_received; i++) {
        const struct received_hop *r = &m->received[i];
        json_obj_begin(&j);
        json_key(&j, "from_helo");
        json_cstr(&j, r->from_helo);
        json_key(&j, "from_rdns");
        json_cstr(&j, r->from_rdns);
        json_key(&j, "from_ip");
        json_cstr(&j, r->from_ip);
        json_key(&j, "by");
        json_cstr(&j, r->by);
        json_key(&j, "with");
        json_cstr(&j, r->with);
        json_key(&j, "tls");
        json_bool(&j, r->tls_used);
        json_key(&j, "tls_detail");
        json_cstr(&j, r->tls);
        json_key(&j, "id");
        json_cstr(&j, r->id);
        json_key(&j, "for");
        json_cstr(&j, r->for_addr);
        json_key(&j, "date");
        json_time(&j, r->date, r->date_valid);
        json_obj_end(&j);
    }
    json_arr_end(&j);

    json_key(&j, "links");
    if (m->mime_parsed) {
        links_json(&j, m);
    } else {
        json_null(&j);
        json_key(&j, "images");
        json_null(&j);
    }

    check_auth_json(&j, a, vr);
    json_key(&j, "score");
    score_json(&j, sr, np);
    check_recommend_json(&j, a, m, vr, sr);
    if (cf) {
        check_feedback_json(&j, cf);
    } else {
        json_key(&j, "feedback");
        json_null(&j);
    }

    json_key(&j, "anomalies");
    json_arr_begin(&j);
    for (size_t i = 0; i < m->an.n; i++) {
        const struct anomaly *an = &m->an.v[i];
        if (an->detail) {
            char tmp[ANOM_DETAIL_MAX + 64];
            snprintf(tmp, sizeof tmp, "%s: %s", anom_name(an->code), an->detail);
            json_cstr(&j, tmp);
        } else {
            json_cstr(&j, anom_name(an->code));
        }
    }
    json_arr_end(&j);
    json_obj_end(&j);
    buf_putc(out, '\n');
}

/* The "score" object: total, threshold, the scored hits biggest first, and
 * "matched": every rule that hit, sub-rules ("__") and zero scores included
 * (what the accuracy comparison with SpamAssassin reads). */
static void score_json(struct json *j, const struct score_result *sr, const struct name_pool *np)
{
    if (!sr) {
        json_null(j);
        return;
    }
    json_obj_begin(j);
    json_key(j, "total");
    json_double(j, sr->total);
    json_key(j, "threshold");
    json_double(j, sr->threshold);
    json_key(j, "is_spam");
    json_bool(j, sr->total >= sr->threshold);
    json_key(j, "hits");
    json_arr_begin(j);
    for (size_t i = 0; i < sr->n_scored; i++) {
        const struct score_hit *h = &sr->hits[i];
        json_obj_begin(j);
        json_key(j, "rule");
        rule_str_json(j, np, h->rule, false);
        json_key(j, "score");
        json_double(j, h->score * h->count);
        json_key(j, "description");
        rule_str_json(j, np, h->rule, true);
        json_key(j, "kind");
        json_cstr(j, rule_kind_name(h->rule->kind));
        json_key(j, "area");
        json_cstr(j, h->area);
        json_key(j, "snippet");
        json_cstr(j, h->snippet);
        json_key(j, "count");
        json_int(j, h->count);
        json_obj_end(j);
    }
    json_arr_end(j);
    json_key(j, "matched");
    json_arr_begin(j);
    for (size_t i = 0; i < sr->n_hits; i++)
        rule_str_json(j, np, sr->hits[i].rule, false);
    json_arr_end(j);
    json_key(j, "limit_hits");
    json_int(j, sr->n_limit);
    json_obj_end(j);
}

/* Print a message-derived string on a terminal line: control bytes become '?'. */
static void put_safe(struct buf *out, const char *s)
{
    if (!s) {
        buf_puts(out, "-");
        return;
    }
    for (; *s; s++)
        buf_putc(out, ((unsigned char)*s < 0x20 || *s == 0x7f) ? '?' : *s);
}

static void score_text(struct buf *out, const struct score_result *sr)
{
    buf_printf(out, "Content score: %.1f (threshold %.1f)%s, %zu rule%s hit\n", sr->total,
               sr->threshold, sr->total >= sr->threshold ? " SPAM" : "", sr->n_scored,
               sr->n_scored == 1 ? "" : "s");
    for (size_t i = 0; i < sr->n_scored; i++) {
        const struct score_hit *h = &sr->hits[i];
        buf_printf(out, "  %6.2f %-28s ", h->score * h->count, h->rule->name);
        put_safe(out, h->rule->describe ? h->rule->describe : "(no description)");
        if (h->count > 1) buf_printf(out, " (x%d)", h->count);
        if (h->area) {
            buf_puts(out, "\n         ");
            put_safe(out, h->area);
            if (h->snippet) {
                buf_puts(out, ": \"");
                put_safe(out, h->snippet);
                buf_puts(out, "\"");
            }
        }
        buf_putc(out, '\n');
    }
    if (sr->n_limit)
        buf_printf(out, "  (%d regex match(es) stopped at the PCRE2 limits, first in %s)\n",
                   sr->n_limit, sr->limit_rule);
}

static void message_text(struct buf *out, arena *a, const char *file, uint64_t offset, bool in_mbox,
                         const struct message *m, const struct verify_result *vr,
                         const struct score_result *sr, const struct check_fb *cf)
{
    char iso[32];
    buf_puts(out, "== ");
    put_safe(out, file);
    if (in_mbox) buf_printf(out, " @%llu", (unsigned long long)offset);
    buf_puts(out, "\nFrom:        ");
    put_safe(out, m->has_from ? m->from.address : NULL);
    if (m->has_from && m->from.name) {
        buf_puts(out, " (");
        put_safe(out, m->from.name);
        buf_puts(out, ")");
    }
    buf_puts(out, "\nSubject:     ");
    put_safe(out, m->subject);
    buf_puts(out, "\nMessage-ID:  ");
    put_safe(out, m->message_id);
    buf_puts(out, "\nDate:        ");
    if (m->has_date) {
        time_format_iso(m->date, iso);
        buf_puts(out, iso);
    } else {
        buf_puts(out, "-");
    }
    buf_printf(out, "\nSize:        %zu bytes, sha256 %s\n", m->raw_len, m->sha256);
    buf_printf(out, "Placement:   %s", placement_name(m->placement));
    if (m->placement_evidence) {
        buf_puts(out, " (");
        put_safe(out, m->placement_evidence);
        buf_puts(out, ")");
    }
    if (!m->mime_parsed)
        buf_puts(out, "\nParts: not parsed (--checks without rules)\n");
    else
        buf_printf(out, "\nParts (%zu):\n", m->mime.n);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        buf_printf(out, "  %*s%s ", p->depth * 2, "", p->path);
        put_safe(out, p->content_type);
        if (!p->is_multipart && !p->is_message)
            buf_printf(out, " %zu bytes [%s]", p->decoded_len,
                       p->detected_type ? p->detected_type : "?");
        if (p->filename) {
            buf_puts(out, " \"");
            put_safe(out, p->filename);
            buf_puts(out, "\"");
        }
        if (p->is_attachment) buf_puts(out, " attachment");
        buf_putc(out, '\n');
        for (size_t k = 0; k < p->zip.n; k++) {
            buf_printf(out, "  %*s  member ", p->depth * 2, "");
            put_safe(out, p->zip.m[k].name);
            buf_printf(out, " %llu bytes%s\n", (unsigned long long)p->zip.m[k].size,
                       p->zip.m[k].encrypted ? " encrypted" : "");
        }
    }
    buf_printf(out, "Received (%zu, topmost first):\n", m->n_received);
    for (size_t i = 0; i < m->n_received; i++) {
        const struct received_hop *r = &m->received[i];
        buf_printf(out, "  %zu from ", i);
        put_safe(out, r->from_helo);
        buf_puts(out, " (");
        put_safe(out, r->from_rdns);
        buf_puts(out, " [");
        put_safe(out, r->from_ip);
        buf_puts(out, "]) by ");
        put_safe(out, r->by);
        buf_puts(out, " with ");
        put_safe(out, r->with);
        if (r->tls_used) buf_puts(out, " TLS");
        if (r->date_valid) {
            time_format_iso(r->date, iso);
            buf_printf(out, " at %s", iso);
        }
        buf_putc(out, '\n');
    }
    if (vr) check_auth_text(out, a, vr);
    if (sr) score_text(out, sr);
    check_recommend_text(out, a, m, vr, sr);
    if (cf) check_feedback_text(out, cf);
    buf_printf(out, "Anomalies (%zu):\n", m->an.n + m->an.dropped);
    for (size_t i = 0; i < m->an.n; i++) {
        buf_printf(out, "  %s", anom_name(m->an.v[i].code));
        if (m->an.v[i].detail) {
            buf_puts(out, ": ");
            put_safe(out, m->an.v[i].detail);
        }
        buf_putc(out, '\n');
    }
    if (m->an.dropped) buf_printf(out, "  (%zu more not kept)\n", m->an.dropped);
}

static void emit(struct check_ctx *cx, const char *file, uint64_t offset, bool in_mbox,
                 const char *p, size_t len, const char *folder, bool truncated)
{
    arena *a = cx->a;
    arena_reset(a);
    struct message m;
    message_parse_ex(a, p, len, folder, NULL, cx->with_mime, &m);
    if (truncated) anom_add(&m.an, ANOM_MSG_TRUNCATED, "cut at %u bytes", MSG_MAX_SIZE);
    struct verify_result vr;
    bool verified = cx->vc.checks != 0;
    if (verified) {
        const char *at_source;
        int64_t at = authopts_judge_time(cx->o, &m, &at_source);
        verify_message(&cx->vc, a, &m, at, at_source, &vr);
    }
    struct score_result sr;
    bool scored = cx->rules.sc != NULL;
    if (scored) {
        struct score_input in = {.m = &m, .auth = verified ? &vr : NULL};
        if (verified) {
            in.env.envelope_from = vr.env.mail_from;
            in.env.client_ip = vr.env.ip;
            in.env.helo = vr.env.helo;
            in.env.client_rdns = vr.env.rdns;
            in.now = vr.at;
        }
        scorer_run(cx->rules.sc, a, &in, &sr);
    }
    /* what feedback it carries (reports, complaint, bounce): needs the MIME tree */
    struct check_fb *cf = NULL;
    if (m.mime_parsed) {
        cf = arena_alloc(a, sizeof *cf);
        check_feedback_run(a, &m, cf);
    }
    struct buf *out = &cx->out;
    buf_reset(out);
    if (cx->json)
        message_json(out, a, file, offset, in_mbox, &m, verified ? &vr : NULL, scored ? &sr : NULL,
                     cf, &cx->names);
    else
        message_text(out, a, file, offset, in_mbox, &m, verified ? &vr : NULL, scored ? &sr : NULL,
                     cf);
    fwrite(out->p, 1, out->len, stdout);
}

/* Hand the file buffer back for the next file (freed when it grew big). */
static void keep_data(struct check_ctx *cx, struct buf *data)
{
    if (data->cap > (4u << 20)) {
        buf_free(data);
        buf_init(data, 0);
    }
    cx->data = *data;
}

static int check_file(const char *path, struct check_ctx *cx)
{
    char err[256];
    struct buf data = cx->data; /* reused across files; handed back below */
    bool truncated;
    if (reader_slurp(path, MSG_MAX_SIZE, &data, &truncated, err, sizeof err) != 0) {
        cli_error("check", "%s: cannot read: %s", path, err);
        keep_data(cx, &data);
        return -1;
    }
    /* reset, not made anew: a 64 KB block allocated and freed for every
     * file made the heap shrink and grow again (page faults) */
    arena *a = cx->fa;
    arena_reset(a);
    enum src_format fmt = detect_format(data.p ? data.p : "", data.len);
    struct src_context ctx;
    detect_context(a, path, fmt, &ctx);
    int rc = 0;
    if (fmt == SRC_MBOX) {
        keep_data(cx, &data);
        struct reader *r = reader_open(path, err, sizeof err);
        if (!r) {
            cli_error("check", "%s: cannot read: %s", path, err);
            return -1;
        }
        struct mbox *mb = mbox_open(r, MSG_MAX_SIZE);
        struct mbox_msg mm;
        int n;
        while ((n = mbox_next(mb, &mm)) == 1)
            emit(cx, path, mm.offset, true, mm.data, mm.len, ctx.folder, mm.truncated);
        if (n < 0) {
            cli_error("check", "%s: %s", path, reader_error(r) ? reader_error(r) : "read error");
            rc = -1;
        }
        mbox_close(mb);
        reader_close(r);
    } else {
        const struct log_format *lf =
            fmt == SRC_UNKNOWN ? logfmt_detect(data.p ? data.p : "", data.len) : NULL;
        if (lf) {
            cli_error("check",
                      "%s: an MTA log (%s), not a message: read logs with 'mailaudit ingest'", path,
                      lf->name);
            keep_data(cx, &data);
            return -1;
        }
        if (fmt == SRC_UNKNOWN)
            fprintf(stderr,
                    "mailaudit: check: %s: does not look like a message; parsing it anyway\n",
                    path);
        emit(cx, path, 0, false, data.p ? data.p : "", data.len, ctx.folder, truncated);
        keep_data(cx, &data);
    }
    return rc;
}

int cmd_check(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"list-anomalies", no_argument, NULL, 'l'},
        {"list-reasons", no_argument, NULL, 'R'},
        {"dns", required_argument, NULL, 'D'},
        {"online", no_argument, NULL, 'O'},
        {"dns-timeout", required_argument, NULL, 'T'},
        {"dns-from-db", no_argument, NULL, 'F'},
        {"db", required_argument, NULL, 'd'},
        {"checks", required_argument, NULL, 'C'},
        {"at", required_argument, NULL, 'A'},
        {"trusted-hops", required_argument, NULL, AO_TRUSTED_HOPS},
        {"internal-net", required_argument, NULL, AO_INTERNAL_NET},
        {"receiver", required_argument, NULL, AO_RECEIVER},
        {"dmarc-psl", no_argument, NULL, AO_DMARC_PSL},
        {"ip", required_argument, NULL, AO_IP},
        {"helo", required_argument, NULL, AO_HELO},
        {"mail-from", required_argument, NULL, AO_MAIL_FROM},
        {"rules", required_argument, NULL, AO_RULES},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    struct auth_opts o;
    authopts_init(&o);
    const char *db_opt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'l':
            for (int i = 0; i < ANOM__COUNT; i++)
                printf("%-32s %s\n", anom_name((enum anom_code)i),
                       anom_description((enum anom_code)i));
            return EXIT_OK;
        case 'R':
            for (int i = 1; i < DKIM_R__COUNT; i++)
                printf("%-10s %s\n", auth_result_name(dkim_reason_result((enum dkim_reason)i)),
                       dkim_reason_text((enum dkim_reason)i));
            return EXIT_OK;
        case 'd':
            db_opt = optarg;
            break;
        case 'h':
            printf(check_usage, authopts_help, authopts_envelope_help);
            authopts_free(&o);
            return EXIT_OK;
        default:
            if (authopts_option(&o, "check", c, optarg) == 1) break;
            goto usage;
        }
    }
    if (optind >= argc) {
        cli_error("check", "no FILE given");
        goto usage;
    }
    struct db *db = NULL;
    if (o.dns_from_db) {
        char err[600];
        if (db_open(cli_db_path(db_opt), DB_OPEN_READ, &db, err, sizeof err) != 0) {
            cli_error("check", "--dns-from-db: %s", err);
            authopts_free(&o);
            return EXIT_RUNTIME;
        }
    }
    struct dns_resolver *dns = authopts_resolver(&o, "check", db);
    db_close(db);
    if (!dns) {
        authopts_free(&o);
        return EXIT_RUNTIME;
    }
    struct check_ctx cx = {.json = json, .o = &o, .a = arena_new(), .fa = arena_new()};
    /* The MIME tree (parts, links, images) serves the content checks and the
     * parts listing; a run limited to other checks skips it for speed. */
    cx.with_mime = !o.checks || (o.checks & CHECK_RULES);
    buf_init(&cx.out, 0);
    buf_init(&cx.data, 0);
    if (authopts_verify_ctx(&o, "check", dns, &cx.vc) != 0) {
        dns_free(dns);
        authopts_free(&o);
        arena_free(cx.a);
        arena_free(cx.fa);
        return EXIT_RUNTIME;
    }
    if ((!o.checks || (o.checks & CHECK_RULES)) &&
        rulesopt_load(&o, "check", o.checks != 0 ? false : true, &cx.rules) != 0) {
        authopts_verify_ctx_free(&cx.vc);
        dns_free(dns);
        authopts_free(&o);
        arena_free(cx.a);
        arena_free(cx.fa);
        return EXIT_RUNTIME;
    }
    if (json && cx.rules.sc && cx.rules.rs) name_pool_build(&cx.names, cx.rules.rs);
    /* One message's output is 5.7 KB of JSON on the bench: with stdio's
     * default 4 KiB buffer for a file or pipe every message cost a write(2)
     * or two (0.2% of the CPU time, to /dev/null), with 64 KiB one in about
     * eleven messages. A terminal keeps its line buffering. The buffer lives
     * as long as stdout does (to the exit's flush), hence static; nothing
     * has been written to stdout yet. */
    static char out_buf[1 << 16];
    if (!isatty(STDOUT_FILENO)) setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
    int status = EXIT_OK;
    for (int i = optind; i < argc; i++)
        if (check_file(argv[i], &cx) != 0) status = EXIT_RUNTIME;
    if (cx.names.off) name_pool_free(&cx.names);
    rulesopt_free(&cx.rules);
    authopts_verify_ctx_free(&cx.vc);
    arena_free(cx.a);
    arena_free(cx.fa);
    buf_free(&cx.out);
    buf_free(&cx.data);
    dns_free(dns);
    authopts_free(&o);
    return status;
usage:
    authopts_free(&o);
    return cli_usage_error("check");
}
