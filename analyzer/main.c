/* main — the command-line front end: dispatches to one cmd_*.c per subcommand.
 *   mailaudit ingest | check | report | rules  (each with --help), --help, --version.
 * Exit statuses are in cli.h and the README. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: mailaudit COMMAND [OPTIONS] [ARGS]\n"
    "\n"
    "Offline e-mail deliverability analyzer: reads messages into an SQLite\n"
    "database and explains what it finds.\n"
    "\n"
    "Commands:\n"
    "  ingest PATH...   read messages (.eml, mbox, Maildir, hMailServer Data, Google\n"
    "                   Takeout; .gz transparently) and MTA logs into the database;\n"
    "                   DMARC/TLS reports, complaints and bounces among them are decoded\n"
    "  check FILE...    parse messages and print what was found (no database)\n"
    "  report           summarize what the database holds (--fail-on: alert thresholds)\n"
    "  rules lint       check rule files (SpamAssassin syntax) and say what will run\n"
    "\n"
    "Options:\n"
    "  -h, --help       this help; `mailaudit COMMAND --help` for a command's options\n"
    "  -V, --version    print the version\n"
    "\n"
    "The database is --db FILE, else $MAILAUDIT_DB, else ./mailaudit.db.\n"
    "Exit status: 0 success; 1 usage error; 2 runtime error (the message says what\n"
    "and where); 3 a --fail-on threshold was breached.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "-V") || !strcmp(cmd, "--version")) {
        printf("mailaudit %s\n", MAILAUDIT_VERSION);
        return EXIT_OK;
    }
    if (!strcmp(cmd, "ingest")) return cmd_ingest(argc - 1, argv + 1);
    if (!strcmp(cmd, "check")) return cmd_check(argc - 1, argv + 1);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 1, argv + 1);
    if (!strcmp(cmd, "rules")) return cmd_rules(argc - 1, argv + 1);
    fprintf(stderr, "mailaudit: unknown command '%s'\n", cmd);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
