/* cli — see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char *cli_db_path(const char *opt)
{
    if (opt && *opt) return opt;
    const char *env = getenv("MAILAUDIT_DB");
    return env && *env ? env : "mailaudit.db";
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mailaudit: %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_usage_error(const char *cmd)
{
    fprintf(stderr, "Try 'mailaudit %s --help'.\n", cmd);
    return EXIT_USAGE;
}
