/* dsncheck — run feedback/dsn.c (and logs/classify.c) on message files, for
 * tests/conformance/dsn.sh and for looking at bounces by hand.
 *
 *   dsncheck [-v] MESSAGE...
 *
 * It runs the pipeline `ingest` uses (feedback_scan: complaint reports, then
 * bounces, each recipient classified with classify_bounce_facts).
 * One line per recipient: "FILE<TAB>recipient<TAB>reason<TAB>kind" where
 * reason is the classifier's word for bounces, "vacation" for auto-replies
 * and "delivered" for delivered/relayed/expanded actions. A file without
 * recipients prints one line with recipient "-": reason "feedback" for an ARF
 * report, "not-a-bounce" otherwise. With -v, more columns: format, action,
 * status, reply code, SMTP command, classify rule, diagnostic. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "feedback/feedback.h"
#include "mail/message.h"
#include "util/buf.h"
#include "util/reader.h"

/* Tabs and line ends would break the one-line format. */
static const char *flat(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; s && *s && o + 1 < cap; s++)
        out[o++] = (*s == '\t' || *s == '\r' || *s == '\n') ? ' ' : *s;
    out[o] = 0;
    return out;
}

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

int main(int argc, char **argv)
{
    int verbose = 0, k = 1;
    if (k < argc && strcmp(argv[k], "-v") == 0) verbose = 1, k++;
    if (k >= argc) {
        fprintf(stderr, "usage: dsncheck [-v] MESSAGE...\n");
        return 2;
    }
    arena *a = arena_new();
    struct buf data = {0};
    static char b1[4096], b2[4096];
    for (; k < argc; k++) {
        bool cut;
        char rerr[256];
        if (reader_slurp(argv[k], 64u << 20, &data, &cut, rerr, sizeof rerr) != 0) {
            fprintf(stderr, "dsncheck: cannot read %s\n", argv[k]);
            continue;
        }
        struct message m;
        message_parse(a, data.p ? data.p : "", data.len, NULL, NULL, &m);
        /* the pipeline ingest uses: complaint reports first, then bounces,
         * each recipient classified as it is stored */
        struct fb_scan fs;
        feedback_scan(a, &m, &fs, &m.an);
        const struct dsn_report *r = &fs.dsn;
        enum dsn_kind kind = r->kind;
        const char *kname = fs.is_arf               ? "feedback"
                            : kind == DSN_BOUNCE    ? "bounce"
                            : kind == DSN_AUTOREPLY ? "autoreply"
                                                    : "none";
        if (r->n_rcpt == 0)
            printf("%s\t-\t%s\t%s\t%s\n", base(argv[k]),
                   fs.is_arf               ? "feedback"
                   : kind == DSN_AUTOREPLY ? "vacation"
                   : kind == DSN_BOUNCE    ? "undefined"
                                           : "not-a-bounce",
                   kname,
                   fs.is_arf   ? fs.arf.format
                   : r->format ? r->format
                               : "-");
        for (size_t i = 0; i < r->n_rcpt; i++) {
            const struct dsn_rcpt *x = &r->rcpt[i];
            const char *reason, *rule = "-";
            if (kind == DSN_AUTOREPLY)
                reason = "vacation";
            else if (strcmp(x->action, "delivered") == 0 || strcmp(x->action, "relayed") == 0 ||
                     strcmp(x->action, "expanded") == 0)
                reason = "delivered";
            else {
                reason = fs.dlv[i].bc.reason;
                rule = fs.dlv[i].bc.rule ? fs.dlv[i].bc.rule : "-";
            }
            printf("%s\t%s\t%s\t%s", base(argv[k]), x->recipient, reason, kname);
            if (verbose)
                printf("\t%s\t%s\t%s\t%d\t%s\t%s\t%s", r->format ? r->format : "-", x->action,
                       x->status ? x->status : "-", x->reply_code,
                       x->smtp_command ? x->smtp_command : "-", flat(rule, b1, sizeof b1),
                       flat(x->diagnostic ? x->diagnostic : "-", b2, 400));
            printf("\n");
        }
        arena_reset(a);
    }
    arena_free(a);
    buf_free(&data);
    return 0;
}
