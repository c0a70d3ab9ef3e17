/* cmd_report — `mailaudit report [--db FILE]`: the plain-text summary of
 * what the database holds. The sectioned deliverability report (formats,
 * periods, thresholds) is built on report/ by a later stage. */
#include "cli.h"
#include "report/openrelay.h"
#include "report/summary.h"
#include "report/thresholds.h"
#include "util/xalloc.h"
#include "store/db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char report_usage[] =
    "Usage: mailaudit report [--db FILE] [--local-domain D]... [--local-net CIDR]...\n"
    "                        [--fail-on EXPR]...\n"
    "\n"
    "Print a plain-text summary of what the database holds: sources by format,\n"
    "copies by placement (inbox/spam/unknown) and folder, hMailServer mailboxes,\n"
    "sender domains, attachments by detected type, executables in archives,\n"
    "anomalies, and sources that could not be read; from MTA logs: log files,\n"
    "delivery outcomes per provider, bounce and deferral reasons, top reply texts,\n"
    "blocklists named, and open-relay signs; from feedback reports: DMARC aggregate\n"
    "reports by reporter and source IP (and who sends as your domain without\n"
    "authenticating), complaints by campaign and provider, TLS failures by MX,\n"
    "bounce messages and auto-replies.\n"
    "\n"
    "Options:\n"
    "  --db FILE    database (default $MAILAUDIT_DB, else ./mailaudit.db)\n"
    "  --local-domain D  a domain this server delivers locally (repeatable); default:\n"
    "               inferred from hMailServer Data directories and local deliveries\n"
    "  --local-net CIDR  a network of this site's own clients (repeatable); default:\n"
    "               loopback and private ranges\n"
    "  --fail-on EXPR  alert when a metric crosses a limit (repeatable): METRIC OP\n"
    "               NUMBER, OP one of < <= > >= == !=, NUMBER may end in %, e.g.\n"
    "               'complaint_rate>0.1%' 'dkim_pass_rate<0.98'. Breached ones are\n"
    "               printed first and the exit status is 3. A rate with no data is\n"
    "               never breached. Metrics:\n";
static const char report_usage_tail[] =
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 success; 1 usage error; 2 the database cannot be read;\n"
    "3 a --fail-on threshold was breached.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"local-domain", required_argument, NULL, 'D'},
        {"local-net", required_argument, NULL, 'N'},
        {"fail-on", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL;
    struct relay_opts ro = {0};
    size_t cap_d = 0, cap_n = 0, cap_t = 0, n_th = 0;
    struct threshold *th = NULL;
    struct db *db = NULL;
    char err[600];
    int status = EXIT_OK;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
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
    const char *path = cli_db_path(db_opt);
    if (db_open(path, DB_OPEN_READ, &db, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
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
out:
    db_close(db);
    free(ro.domains);
    free(ro.nets);
    free(th);
    return status;
}
