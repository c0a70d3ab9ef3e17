/* cmd_report — `mailaudit report`: the deliverability report of what the
 * database holds, for a period, in text, HTML, JSON or CSV, with alert
 * thresholds for scheduled runs. The sections are built by report/sec_*.c
 * into the model (report/model.h) and printed by report/render_*.c;
 * `--format summary` keeps the older plain dump of every table
 * (report/summary.c). */
#include "cli.h"
#include "report/openrelay.h"
#include "report/rctx.h"
#include "report/render.h"
#include "report/summary.h"
#include "report/thresholds.h"
#include "store/db.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char report_usage[] =
    "Usage: mailaudit report [--db FILE] [--format text|html|json|csv|summary]\n"
    "                        [-o FILE|DIR] [--since WHEN] [--until WHEN]\n"
    "                        [--compare previous] [--domain D] [--campaign C]\n"
    "                        [--campaign-header NAME]\n"
    "                        [--section NAME]... [--fail-on EXPR]...\n"
    "                        [--local-domain D]... [--local-net CIDR]...\n"
    "\n"
    "The deliverability report of what the database holds: a summary (the few\n"
    "numbers that matter and the strongest findings), overview,\n"
    "authentication, content, delivery, infrastructure, the inbox-versus-spam\n"
    "post-mortem (what the spam-foldered copies have in common), campaigns,\n"
    "bulk-sender requirements, feedback from mailbox providers (DMARC aggregate\n"
    "and TLS reports, complaints, bounces), and what to fix first. A section with\n"
    "no data says so in one line.\n"
    "\n"
    "Options:\n"
    "  --db FILE        database (default $MAILAUDIT_DB, else ./mailaudit.db)\n"
    "  --format F       text (default; fits the terminal, colour on a terminal unless\n"
    "                   NO_COLOR is set), html (one self-contained file), json\n"
    "                   (schemas/report.md), csv (one file per table into -o DIR),\n"
    "                   summary (the plain dump of every table, whole database)\n"
    "  -o, --output P   write to file P (csv: directory P, required); default stdout\n"
    "  --since WHEN     start of the period (inclusive); --until WHEN its end\n"
    "                   (exclusive). WHEN: 2025-04-01, 2025-04-01T06:00Z, an offset\n"
    "                   +02:00, @EPOCH, or relative: 24h, 7d, 90m, 2w (before now),\n"
    "                   today, yesterday (a day's start in UTC); yesterday as --since\n"
    "                   alone means the whole of yesterday. Default: everything.\n"
    "  --compare previous  every headline number beside its value for the previous\n"
    "                   period of equal length (needs --since)\n"
    "  --domain D       only mail from D (From domain or DKIM d=, subdomains too)\n"
    "  --campaign C     only the campaign C (a key as the Campaigns section shows it)\n"
    "  --campaign-header NAME  group campaigns by this header first\n"
    "  --section NAME   only these sections (repeatable): summary, overview,\n"
    "                   authentication, content, delivery, infrastructure, postmortem,\n"
    "                   campaigns, requirements, feedback, recommendations\n"
    "  --fail-on EXPR   alert when a metric crosses a limit (repeatable): METRIC OP\n"
    "                   NUMBER, OP one of < <= > >= == !=, NUMBER may end in %, e.g.\n"
    "                   'complaint_rate>0.1%' 'dkim_pass_rate<0.98'. Breached ones\n"
    "                   are listed first and the exit status is 3. A rate with no\n"
    "                   data is never breached. Metrics (computed over the period):\n";
static const char report_usage_tail[] =
    "  --local-domain D  a domain this server delivers locally (repeatable), for the\n"
    "                   open-relay signs; default: inferred\n"
    "  --local-net CIDR  a network of this site's own clients (repeatable); default:\n"
    "                   loopback and private ranges\n"
    "  -h, --help       this help\n"
    "\n"
    "The time used for relative periods and the report's date is now, or\n"
    "$SOURCE_DATE_EPOCH when set (reproducible reports).\n"
    "Exit status: 0 success (also for an empty period: \"no data for this period\");\n"
    "1 usage error; 2 the database cannot be read or the output written;\n"
    "3 a --fail-on threshold was breached.\n";

/* In report order. The summary (index 0) is built last, from the others,
 * and moved to the front. */
static const char *const section_ids[] = {
    "summary",    "overview",  "authentication", "content",  "delivery",        "infrastructure",
    "postmortem", "campaigns", "requirements",   "feedback", "recommendations",
};
#define N_SECTIONS (sizeof section_ids / sizeof section_ids[0])
static int (*const builders[N_SECTIONS])(struct rctx *) = {
    sec_summary,      sec_overview,       sec_authentication,  sec_content,
    sec_delivery,     sec_infrastructure, sec_postmortem,      sec_campaigns,
    sec_requirements, sec_feedback,       sec_recommendations,
};
/* what the summary reads */
static const char *const summary_sources[] = {"postmortem", "authentication", "delivery",
                                              "feedback", "recommendations"};

static int64_t report_now(void)
{
    const char *e = getenv("SOURCE_DATE_EPOCH");
    if (e && *e) {
        char *end;
        errno = 0;
        long long v = strtoll(e, &end, 10);
        if (!*end && !errno && v >= 0) return (int64_t)v;
    }
    return time_now();
}

static int64_t day_start(int64_t t)
{
    return t - ((t % 86400) + 86400) % 86400;
}

/* Parse WHEN; *end_of is set for "yesterday"/"today" (the day's end), for a
 * --since given alone. 0 or -1. */
static int parse_when(const char *s, int64_t now, int64_t *t, int64_t *end_of)
{
    *end_of = 0;
    if (strcmp(s, "now") == 0) {
        *t = now;
        return 0;
    }
    if (strcmp(s, "today") == 0) {
        *t = day_start(now);
        *end_of = *t + 86400;
        return 0;
    }
    if (strcmp(s, "yesterday") == 0) {
        *t = day_start(now) - 86400;
        *end_of = *t + 86400;
        return 0;
    }
    size_t n = strlen(s);
    if (n >= 2 && n < 12) {
        char unit = s[n - 1];
        int64_t mul = unit == 'm'   ? 60
                      : unit == 'h' ? 3600
                      : unit == 'd' ? 86400
                      : unit == 'w' ? 7 * 86400
                                    : 0;
        bool digits = true;
        for (size_t i = 0; i + 1 < n; i++)
            if (s[i] < '0' || s[i] > '9') digits = false;
        if (mul && digits) {
            *t = now - (int64_t)strtoll(s, NULL, 10) * mul;
            return 0;
        }
    }
    return time_parse_iso(s, t);
}

static const char *iso(struct report *r, int64_t t)
{
    char b[32];
    time_format_iso(t, b);
    return rstr(r, b);
}

/* MAILAUDIT_REPORT_PROFILE=2: every statement that ran 50 ms or more, with
 * its time, on stderr (for finding the report's slow queries); =3 adds each
 * one's query plan. */
static int trace_slow(unsigned type, void *ctx, void *p, void *x)
{
    (void)ctx;
    if (type != SQLITE_TRACE_PROFILE) return 0;
    double ms = (double)*(sqlite3_int64 *)x / 1e6;
    if (ms < 50) return 0;
    sqlite3_stmt *st = p;
    const char *sql = sqlite3_sql(st);
    /* with what SQLite did that costs: rows put in automatic indexes,
     * sorts, full-scan steps */
    fprintf(stderr, "report profile: %8.0f ms  [autoindex %d, sort %d, scan %d]  %.300s\n", ms,
            sqlite3_stmt_status(st, SQLITE_STMTSTATUS_AUTOINDEX, 0),
            sqlite3_stmt_status(st, SQLITE_STMTSTATUS_SORT, 0),
            sqlite3_stmt_status(st, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0), sql ? sql : "?");
    /* =3: and the statement's query plan */
    if (ctx && sql) {
        char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
        sqlite3_stmt *e = NULL;
        if (q && sqlite3_prepare_v2(sqlite3_db_handle(st), q, -1, &e, NULL) == SQLITE_OK)
            while (sqlite3_step(e) == SQLITE_ROW)
                fprintf(stderr, "report profile:            plan %d<%d %s\n",
                        sqlite3_column_int(e, 0), sqlite3_column_int(e, 1),
                        (const char *)sqlite3_column_text(e, 3));
        sqlite3_finalize(e);
        sqlite3_free(q);
    }
    return 0;
}

/* Build the selected sections for one scope into r. */
static int build(struct report *r, sqlite3 *h, const struct rscope *sc, const bool *want, char *err,
                 size_t errlen)
{
    struct rctx c;
    /* $MAILAUDIT_REPORT_PROFILE: each section's build time on stderr */
    const char *pe = getenv("MAILAUDIT_REPORT_PROFILE");
    bool prof = pe && *pe && strcmp(pe, "0") != 0;
    if (pe && (strcmp(pe, "2") == 0 || strcmp(pe, "3") == 0))
        sqlite3_trace_v2(h, SQLITE_TRACE_PROFILE, trace_slow, strcmp(pe, "3") == 0 ? h : NULL);
    double t0 = time_mono();
    struct rscope scope = *sc;
    for (size_t i = 0; i < N_SECTIONS; i++)
        if (builders[i] == sec_campaigns) scope.campaigns = want[i];
    if (rctx_open(&c, r, h, &scope) != 0) {
        snprintf(err, errlen, "%s", c.err);
        return -1;
    }
    if (prof) fprintf(stderr, "report profile: %-16s %8.3f s\n", "scope", time_mono() - t0);
    for (size_t i = 1; i < N_SECTIONS; i++) {
        if (!want[i]) continue;
        t0 = time_mono();
        if (builders[i](&c) != 0) {
            snprintf(err, errlen, "%s: %s", section_ids[i], c.err);
            rctx_campaigns_drop(&c); /* (a section before Campaigns failed) */
            return -1;
        }
        if (prof)
            fprintf(stderr, "report profile: %-16s %8.3f s\n", section_ids[i], time_mono() - t0);
    }
    if (want[0]) {
        if (builders[0](&c) != 0) {
            snprintf(err, errlen, "%s: %s", section_ids[0], c.err);
            return -1;
        }
        struct rsection *sum = r->sec[r->n_sec - 1];
        memmove(r->sec + 1, r->sec, (r->n_sec - 1) * sizeof *r->sec);
        r->sec[0] = sum;
    }
    return 0;
}

/* --compare previous: each fact of `cur` gets the value of the same fact in `prev`. */
static void attach_previous(struct report *cur, const struct report *prev)
{
    for (size_t i = 0; i < cur->n_sec; i++) {
        struct rsection *s = cur->sec[i];
        const struct rsection *p = NULL;
        for (size_t k = 0; k < prev->n_sec; k++)
            if (strcmp(prev->sec[k]->id, s->id) == 0) p = prev->sec[k];
        if (!p) continue;
        for (size_t f = 0; f < s->n_facts; f++)
            for (size_t g = 0; g < p->n_facts; g++)
                if (strcmp(s->facts[f].key, p->facts[g].key) == 0) {
                    s->facts[f].has_prev = true;
                    s->facts[f].prev = p->facts[g].v;
                    if (s->facts[f].prev.k == RK_TEXT || s->facts[f].prev.k == RK_TIME)
                        s->facts[f].prev.s = rstr(cur, p->facts[g].v.s);
                    break;
                }
    }
}

static int terminal_width(void)
{
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
        return ws.ws_col > 240 ? 240 : ws.ws_col;
    const char *c = getenv("COLUMNS");
    if (c && atoi(c) >= 40) return atoi(c) > 240 ? 240 : atoi(c);
    return 100;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"since", required_argument, NULL, 's'},
        {"until", required_argument, NULL, 'u'},
        {"compare", required_argument, NULL, 'c'},
        {"domain", required_argument, NULL, 'D' + 256},
        {"campaign", required_argument, NULL, 'C'},
        {"campaign-header", required_argument, NULL, 'H'},
        {"section", required_argument, NULL, 'S'},
        {"local-domain", required_argument, NULL, 'D'},
        {"local-net", required_argument, NULL, 'N'},
        {"fail-on", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL, *format = "text", *output = NULL, *since_s = NULL, *until_s = NULL;
    struct rscope sc = {0};
    struct relay_opts ro = {0};
    size_t cap_d = 0, cap_n = 0, cap_t = 0, n_th = 0;
    struct threshold *th = NULL;
    bool want[N_SECTIONS] = {0}, any_section = false, compare = false;
    struct db *db = NULL;
    arena *a = NULL;
    FILE *out = NULL;
    char err[700];
    int status = EXIT_OK;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 's':
            since_s = optarg;
            break;
        case 'u':
            until_s = optarg;
            break;
        case 'c':
            if (strcmp(optarg, "previous") != 0) {
                cli_error("report", "--compare '%s': only 'previous' is known", optarg);
                status = cli_usage_error("report");
                goto out;
            }
            compare = true;
            break;
        case 'D' + 256:
            sc.domain = optarg;
            break;
        case 'C':
            sc.campaign = optarg;
            break;
        case 'H':
            sc.campaign_header = optarg;
            break;
        case 'S': {
            size_t k = 0;
            while (k < N_SECTIONS && strcmp(section_ids[k], optarg) != 0)
                k++;
            if (k == N_SECTIONS) {
                cli_error("report",
                          "--section '%s': unknown (summary, overview, authentication, content, "
                          "delivery, infrastructure, postmortem, campaigns, requirements, "
                          "feedback, recommendations)",
                          optarg);
                status = cli_usage_error("report");
                goto out;
            }
            want[k] = any_section = true;
            break;
        }
        case 'D':
            ro.domains = xgrow(ro.domains, &cap_d, ro.n_domains + 1, sizeof *ro.domains);
            ro.domains[ro.n_domains++] = optarg;
            break;
        case 'N':
            if (openrelay_cidr_valid(optarg) != 0) {
                cli_error("report", "--local-net '%s': not an address or CIDR (e.g. 192.0.2.0/24)",
                          optarg);
                status = cli_usage_error("report");
                goto out;
            }
            ro.nets = xgrow(ro.nets, &cap_n, ro.n_nets + 1, sizeof *ro.nets);
            ro.nets[ro.n_nets++] = optarg;
            break;
        case 'F':
            th = xgrow(th, &cap_t, n_th + 1, sizeof *th);
            if (threshold_parse(optarg, &th[n_th], err, sizeof err) != 0) {
                cli_error("report", "%s", err);
                status = cli_usage_error("report");
                goto out;
            }
            n_th++;
            break;
        case 'h':
            fputs(report_usage, stdout);
            thresholds_list(stdout); /* generated from the metric table */
            fputs(report_usage_tail, stdout);
            goto out;
        default:
            status = cli_usage_error("report");
            goto out;
        }
    }
    if (optind < argc) {
        cli_error("report", "unexpected argument '%s'", argv[optind]);
        status = cli_usage_error("report");
        goto out;
    }
    bool summary = strcmp(format, "summary") == 0;
    if (!summary && strcmp(format, "text") != 0 && strcmp(format, "html") != 0 &&
        strcmp(format, "json") != 0 && strcmp(format, "csv") != 0) {
        cli_error("report", "--format '%s': one of text, html, json, csv, summary", format);
        status = cli_usage_error("report");
        goto out;
    }
    if (strcmp(format, "csv") == 0 && !output) {
        cli_error("report",
                  "--format csv writes one file per table: give the directory with -o DIR");
        status = cli_usage_error("report");
        goto out;
    }
    if (!any_section)
        for (size_t k = 0; k < N_SECTIONS; k++)
            want[k] = true;
    /* the sections a threshold reads are built even when not shown, so that
     * the alert and the report give the same number */
    bool build_sec[N_SECTIONS];
    memcpy(build_sec, want, sizeof build_sec);
    if (want[0])
        for (size_t i = 0; i < sizeof summary_sources / sizeof summary_sources[0]; i++)
            for (size_t k = 0; k < N_SECTIONS; k++)
                if (strcmp(section_ids[k], summary_sources[i]) == 0) build_sec[k] = true;
    for (size_t i = 0; i < n_th; i++)
        for (size_t k = 0; k < N_SECTIONS; k++)
            if (strcmp(section_ids[k], threshold_section(&th[i])) == 0) build_sec[k] = true;
    a = arena_new();
    struct report r = {.a = a};
    int64_t now = report_now(), since = 0, until = 0, end_of = 0, dummy;
    bool has_since = false, has_until = false;
    if (since_s) {
        if (parse_when(since_s, now, &since, &end_of) != 0) {
            cli_error("report",
                      "--since '%s': not a time (2025-04-01, 2025-04-01T06:00Z, 24h, 7d, "
                      "yesterday)",
                      since_s);
            status = cli_usage_error("report");
            goto out;
        }
        has_since = true;
    }
    if (until_s) {
        if (parse_when(until_s, now, &until, &dummy) != 0) {
            cli_error("report", "--until '%s': not a time", until_s);
            status = cli_usage_error("report");
            goto out;
        }
        has_until = true;
    } else if (has_since && end_of) {
        until = end_of; /* --since yesterday: that day */
        has_until = true;
    }
    if (has_since && has_until && until <= since) {
        cli_error("report", "--until must be after --since");
        status = cli_usage_error("report");
        goto out;
    }
    if (compare && !has_since) {
        cli_error("report", "--compare previous needs --since (the period to compare)");
        status = cli_usage_error("report");
        goto out;
    }
    r.generated = iso(&r, now);
    r.since = has_since ? iso(&r, since) : NULL;
    r.until = has_until ? iso(&r, until) : NULL;
    r.domain = sc.domain;
    r.campaign = sc.campaign;
    sc.since = r.since;
    sc.until = r.until;
    sc.local_domains = ro.domains;
    sc.n_local_domains = ro.n_domains;
    sc.local_nets = ro.nets;
    sc.n_local_nets = ro.n_nets;

    const char *path = cli_db_path(db_opt);
    if (db_open(path, DB_OPEN_READ, &db, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        status = EXIT_RUNTIME;
        goto out;
    }
    r.db_path = path;
    sqlite3 *h = (sqlite3 *)db_handle(db);

    if (summary) { /* the plain dump of the whole database */
        struct rctx rc0;
        if (n_th && rctx_open(&rc0, &r, h, &sc) != 0) { /* the scope the metrics read */
            cli_error("report", "%s", rc0.err);
            status = EXIT_RUNTIME;
            goto out;
        }
        for (size_t i = 0; i < n_th; i++)
            if (threshold_eval(db, &th[i], err, sizeof err) != 0) {
                cli_error("report", "%s", err);
                status = EXIT_RUNTIME;
                goto out;
            }
        if (thresholds_print(stdout, th, n_th) > 0) status = EXIT_THRESHOLD;
        if (report_summary_text(db, path, stdout, err, sizeof err) != 0 ||
            report_open_relay_text(db, &ro, stdout, err, sizeof err) != 0) {
            cli_error("report", "%s", err);
            status = EXIT_RUNTIME;
        }
        goto out;
    }

    if (compare) {
        int64_t len = (has_until ? until : now) - since;
        struct report prev = {.a = a};
        struct rscope ps = sc;
        ps.since = r.prev_since = iso(&r, since - len);
        ps.until = r.prev_until = iso(&r, since);
        prev.since = ps.since;
        prev.until = ps.until;
        if (build(&prev, h, &ps, build_sec, err, sizeof err) != 0) {
            cli_error("report", "%s", err);
            status = EXIT_RUNTIME;
            goto out;
        }
        if (build(&r, h, &sc, build_sec, err, sizeof err) != 0) {
            cli_error("report", "%s", err);
            status = EXIT_RUNTIME;
            goto out;
        }
        attach_previous(&r, &prev);
    } else if (build(&r, h, &sc, build_sec, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        status = EXIT_RUNTIME;
        goto out;
    }
    /* thresholds, over the same scope (the TEMP tables of the period) */
    r.th = n_th ? arena_zalloc(a, n_th * sizeof *r.th) : NULL;
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < n_th; i++) {
            if (pass == 0 && !threshold_from_report(&th[i], &r) &&
                threshold_eval(db, &th[i], err, sizeof err) != 0) {
                cli_error("report", "%s", err);
                status = EXIT_RUNTIME;
                goto out;
            }
            if (th[i].breached != (pass == 0)) continue;
            struct rthreshold *t = &r.th[r.n_th++];
            t->expr = th[i].expr;
            t->metric = threshold_metric_name(&th[i]);
            t->op = threshold_op_text(&th[i]);
            t->limit = th[i].limit;
            t->has_value = th[i].has_value;
            t->value = th[i].value;
            t->breached = th[i].breached;
            r.n_breached += t->breached;
        }
    /* pass 0 evaluated and kept the breached ones; pass 1 the others.
     * Then the sections built only for a threshold are not shown. */
    {
        size_t k = 0;
        for (size_t i = 0; i < r.n_sec; i++) {
            bool shown = false;
            for (size_t j = 0; j < N_SECTIONS; j++)
                if (want[j] && strcmp(section_ids[j], r.sec[i]->id) == 0) shown = true;
            if (shown) r.sec[k++] = r.sec[i];
        }
        r.n_sec = k;
    }

    if (strcmp(format, "csv") == 0) {
        if (render_csv(&r, output, err, sizeof err) != 0) {
            cli_error("report", "%s", err);
            status = EXIT_RUNTIME;
            goto out;
        }
    } else {
        /* the report holds people's addresses and subjects: 0600, as the
         * database and the CSV files */
        out = stdout;
        if (output) {
            int fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            if (fd >= 0 && fchmod(fd, 0600) != 0) { /* an existing file is narrowed too */
                close(fd);
                fd = -1;
            }
            out = fd >= 0 ? fdopen(fd, "w") : NULL;
            if (!out && fd >= 0) close(fd);
        }
        if (!out) {
            cli_error("report", "%s: %s", output, strerror(errno));
            status = EXIT_RUNTIME;
            goto out;
        }
        int rc;
        if (strcmp(format, "html") == 0)
            rc = render_html(&r, out, err, sizeof err);
        else if (strcmp(format, "json") == 0)
            rc = render_json(&r, out, err, sizeof err);
        else {
            bool color = !output && isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
            rc = render_text(&r, out, output ? 100 : terminal_width(), color, err, sizeof err);
        }
        if (rc != 0 || (output && fclose(out) != 0)) {
            if (rc == 0) snprintf(err, sizeof err, "%s: %s", output, strerror(errno));
            cli_error("report", "%s", err);
            status = EXIT_RUNTIME;
            out = NULL;
            goto out;
        }
        out = NULL;
    }
    if (r.n_breached) status = EXIT_THRESHOLD;
out:
    if (out && out != stdout) fclose(out);
    if (a) arena_free(a);
    db_close(db);
    free(ro.domains);
    free(ro.nets);
    free(th);
    return status;
}
