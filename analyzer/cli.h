/* cli — what the subcommands share: exit statuses, the database path
 * default, and error printing ("mailaudit: <command>: <what>: <why>"). */
#ifndef CLI_H
#define CLI_H

enum exit_status {
    EXIT_OK = 0,
    EXIT_USAGE = 1,     /* bad command line */
    EXIT_RUNTIME = 2,   /* a runtime error (database, missing input path, I/O) */
    EXIT_THRESHOLD = 3, /* a --fail-on threshold was breached (report) */
};

/* --db FILE, else $MAILAUDIT_DB, else ./mailaudit.db */
const char *cli_db_path(const char *opt);
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt errors: prints "Try 'mailaudit CMD --help'." and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd);

int cmd_ingest(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_rules(int argc, char **argv);

#endif
