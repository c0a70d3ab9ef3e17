/* authopts — see authopts.h. */
#include "authopts.h"
#include "cli.h"
#include "util/timeutil.h"
#include "util/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char authopts_help[] =
    "  --dns FILE        DNS snapshot (RFC 1035 master-file syntax, as dig prints it);\n"
    "                    repeatable. A name in no snapshot is NXDOMAIN.\n"
    "  --online          look up what the snapshots lack in live DNS (the system\n"
    "                    resolver); nothing touches the network without it\n"
    "  --dns-timeout S   seconds per live query (default 5)\n"
    "  --dns-from-db     answer from the DNS records an earlier run stored in the\n"
    "                    database (reproduces its verdicts)\n"
    "  --checks LIST     comma-separated: dkim,spf,dmarc,arc,rules (default: all)\n"
    "  --at TIME         judge signature times (t=, x=) at TIME: 'arrival' (default:\n"
    "                    the topmost dated Received, else Date, else now), 'now', or\n"
    "                    YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or @EPOCH\n";

int authopts_add_dns(struct auth_opts *o, const char *file)
{
    if (o->n_dns == o->cap_dns) {
        o->cap_dns = o->cap_dns ? o->cap_dns * 2 : 4;
        o->dns_files = xrealloc(o->dns_files, o->cap_dns * sizeof *o->dns_files);
    }
    o->dns_files[o->n_dns++] = file;
    return 0;
}

int authopts_set_checks(struct auth_opts *o, const char *cmd, const char *list)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"dkim", CHECK_DKIM}, {"spf", CHECK_SPF},     {"dmarc", CHECK_DMARC},
                 {"arc", CHECK_ARC},   {"rules", CHECK_RULES}, {"all", CHECKS_ALL}};
    unsigned bits = 0;
    const char *p = list;
    while (*p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        bool ok = false;
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n && strncmp(names[i].name, p, n) == 0) {
                bits |= names[i].bit;
                ok = true;
            }
        if (!ok && n) {
            cli_error(cmd, "--checks: unknown check '%.*s' (known: dkim, spf, dmarc, arc, rules)",
                      (int)n, p);
            return -1;
        }
        p = c ? c + 1 : p + n;
    }
    if (!bits) {
        cli_error(cmd, "--checks: empty list");
        return -1;
    }
    o->checks = bits;
    return 0;
}

int authopts_set_at(struct auth_opts *o, const char *cmd, const char *when)
{
    if (strcmp(when, "arrival") == 0) {
        o->at_mode = AT_ARRIVAL;
        return 0;
    }
    if (strcmp(when, "now") == 0) {
        o->at_mode = AT_NOW;
        return 0;
    }
    int64_t t;
    if (time_parse_iso(when, &t) != 0) {
        cli_error(cmd,
                  "--at '%s': expected arrival, now, YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or @EPOCH",
                  when);
        return -1;
    }
    o->at_mode = AT_GIVEN;
    o->at = t;
    return 0;
}

int authopts_set_timeout(struct auth_opts *o, const char *cmd, const char *secs)
{
    char *end;
    double s = strtod(secs, &end);
    if (end == secs || *end || !(s > 0 && s <= 120)) {
        cli_error(cmd, "--dns-timeout '%s': expected seconds between 0 and 120", secs);
        return -1;
    }
    o->timeout_ms = (int)(s * 1000);
    return 0;
}

void authopts_free(struct auth_opts *o)
{
    free(o->dns_files);
    o->dns_files = NULL;
    o->n_dns = o->cap_dns = 0;
}

struct dns_resolver *authopts_resolver(const struct auth_opts *o, const char *cmd, struct db *db)
{
    unsigned want = o->checks ? o->checks : CHECKS_ALL;
    static const char *const later[] = {"dkim", "spf", "dmarc", "arc", "rules"};
    if (o->checks)
        for (unsigned i = 0; i < 5; i++)
            if ((want & (1u << i)) && !(CHECKS_IMPLEMENTED & (1u << i)))
                fprintf(stderr,
                        "mailaudit: %s: --checks %s: not implemented in this version; "
                        "skipped\n",
                        cmd, later[i]);
    struct dns_resolver *r = dns_new();
    char err[512];
    for (size_t i = 0; i < o->n_dns; i++)
        if (dns_add_zonefile(r, o->dns_files[i], err, sizeof err) != 0) {
            cli_error(cmd, "--dns %s", err);
            dns_free(r);
            return NULL;
        }
    if (o->dns_from_db && db) {
        arena *a = arena_new();
        size_t n;
        int rc = db_dns_load(db, r, a, &n);
        arena_free(a);
        if (rc != 0) {
            cli_error(cmd, "--dns-from-db: %s", db_errmsg(db));
            dns_free(r);
            return NULL;
        }
        if (n == 0)
            fprintf(stderr, "mailaudit: %s: --dns-from-db: the database holds no DNS answers\n",
                    cmd);
    }
    if (o->online) dns_set_online(r, true, o->timeout_ms);
    return r;
}

int64_t authopts_judge_time(const struct auth_opts *o, const struct message *m, const char **source)
{
    if (o->at_mode == AT_GIVEN) {
        *source = "given";
        return o->at;
    }
    if (o->at_mode == AT_ARRIVAL) {
        for (size_t i = 0; i < m->n_received; i++)
            if (m->received[i].date_valid) {
                *source = "arrival";
                return m->received[i].date;
            }
        if (m->has_date) {
            *source = "date";
            return m->date;
        }
    }
    *source = "now";
    return time_now();
}
