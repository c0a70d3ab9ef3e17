/* cmd_report — `mailaudit report [--db FILE]`: the plain-text summary of
 * what the database holds. The sectioned deliverability report (formats,
 * periods, thresholds) is built on report/ by a later stage. */
#include "cli.h"
#include "report/summary.h"
#include "store/db.h"

#include <getopt.h>
#include <stdio.h>

static const char report_usage[] =
    "Usage: mailaudit report [--db FILE]\n"
    "\n"
    "Print a plain-text summary of what the database holds: sources by format,\n"
    "copies by placement (inbox/spam/unknown) and folder, hMailServer mailboxes,\n"
    "sender domains, attachments by detected type, executables in archives,\n"
    "anomalies, and sources that could not be read.\n"
    "\n"
    "Options:\n"
    "  --db FILE    database (default $MAILAUDIT_DB, else ./mailaudit.db)\n"
    "  -h, --help   this help\n"
    "\n"
    "Exit status: 0 success; 1 usage error; 2 the database cannot be read.\n";

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db_opt = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'h':
            fputs(report_usage, stdout);
            return EXIT_OK;
        default:
            return cli_usage_error("report");
        }
    }
    if (optind < argc) {
        cli_error("report", "unexpected argument '%s'", argv[optind]);
        return cli_usage_error("report");
    }
    const char *path = cli_db_path(db_opt);
    struct db *db;
    char err[600];
    if (db_open(path, DB_OPEN_READ, &db, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        return EXIT_RUNTIME;
    }
    int status = EXIT_OK;
    if (report_summary_text(db, path, stdout, err, sizeof err) != 0) {
        cli_error("report", "%s", err);
        status = EXIT_RUNTIME;
    }
    db_close(db);
    return status;
}
