/* cmd_report — `mailaudit report [--db FILE]`: the plain-text summary of
 * what the database holds. The sectioned deliverability report (formats,
 * periods, thresholds) is built on report/ by a later stage. */
#include "cli.h"
#include "report/openrelay.h"
#include "report/summary.h"
#include "util/xalloc.h"
#include "store/db.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

static const char report_usage[] =
    "Usage: mailaudit report [--db FILE] [--local-domain D]... [--local-net CIDR]...\n"
    "\n"
    "Print a plain-text summary of what the database holds: sources by format,\n"
    "copies by placement (inbox/spam/unknown) and folder, hMailServer mailboxes,\n"
    "sender domains, attachments by detected type, executables in archives,\n"
    "anomalies, and sources that could not be read; from MTA logs: log files,\n"
    "delivery outcomes per provider, bounce and deferral reasons, top reply texts,\n"
    "blocklists named, and open-relay signs.\n"
    "\n"
    "Options:\n"
    "  --db FILE    database (default $MAILAUDIT_DB, else ./mailaudit.db)\n"
    "  --local-domain D  a domain this server delivers locally (repeatable); default:\n"
    "               inferred from hMailServer Data directories and local deliveries\n"
    "  --local-net CIDR  a network of this site's own clients (repeatable); default:\n"
    "               loopback and private ranges\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 success; 1 usage error; 2 the database cannot be read.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"local-domain", required_argument, NULL, 'D'},
        {"local-net", required_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL;
    struct relay_opts ro = {0};
    size_t cap_d = 0, cap_n = 0;
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
        case 'h':
            fputs(report_usage, stdout);
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
    if (report_summary_text(db, path, stdout, err, sizeof err) != 0 ||
        report_open_relay_text(db, &ro, stdout, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        status = EXIT_RUNTIME;
    }
out:
    db_close(db);
    free(ro.domains);
    free(ro.nets);
    return status;
}
