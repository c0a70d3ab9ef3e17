/* authopts — see authopts.h. */
#include "authopts.h"
#include "auth/spf.h"
#include "cli.h"
#include "dns/psl.h"
#include "util/net.h"
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
    "                    YYYY-MM-DD[THH:MM[:SS]][Z|+HH:MM] or @EPOCH\n"
    "  --rules PATH      a rule directory (its *.cf files) or file, SpamAssassin\n"
    "                    syntax; repeatable, later ones override earlier ones.\n"
    "                    Default: the installed rules (" MAILAUDIT_DATADIR "/rules),\n"
    "                    else ./rules. --rules /usr/share/spamassassin runs the\n"
    "                    stock SpamAssassin rules.\n";

const char authopts_envelope_help[] =
    "  --trusted-hops N  skip the N topmost Received headers (the receiving\n"
    "                    organisation's own hops) when looking for the entry hop\n"
    "  --internal-net CIDR  an address range of the receiving organisation\n"
    "                    (repeatable; loopback and private ranges always are)\n"
    "  --receiver HOST   the entry hop is the one received by HOST (or a name under it)\n"
    "  --dmarc-psl       organizational domains from the Public Suffix List (RFC 7489,\n"
    "                    as many receivers still do) instead of the DNS tree walk\n"
    "                    (RFC 9989)\n";

void authopts_init(struct auth_opts *o)
{
    memset(o, 0, sizeof *o);
    envelope_opts_init(&o->env);
}

int authopts_envelope_option(struct auth_opts *o, const char *cmd, int code, const char *arg)
{
    switch (code) {
    case AO_TRUSTED_HOPS: {
        char *end;
        long n = strtol(arg, &end, 10);
        if (end == arg || *end || n < 0 || n > 100) {
            cli_error(cmd, "--trusted-hops '%s': expected a number from 0 to 100", arg);
            return -1;
        }
        o->env.trusted_hops = (int)n;
        return 0;
    }
    case AO_INTERNAL_NET:
        if (envelope_add_net(&o->env, arg) != 0) {
            cli_error(cmd, "--internal-net '%s': expected a CIDR such as 192.0.2.0/24 (at most %d)",
                      arg, ENVELOPE_MAX_NETS);
            return -1;
        }
        return 0;
    case AO_RECEIVER:
        o->env.receiver = arg;
        return 0;
    case AO_DMARC_PSL:
        o->dmarc_psl = true;
        return 0;
    case AO_IP: {
        struct net n;
        if (net_parse(arg, &n) != 0 || strchr(arg, '/')) {
            cli_error(cmd, "--ip '%s': expected an IPv4 or IPv6 address", arg);
            return -1;
        }
        o->env.ip = arg;
        return 0;
    }
    case AO_HELO:
        o->env.helo = arg;
        return 0;
    case AO_MAIL_FROM:
        o->env.mail_from = arg;
        return 0;
    }
    return -1;
}

int authopts_verify_ctx(const struct auth_opts *o, const char *cmd, struct dns_resolver *dns,
                        struct verify_ctx *vc)
{
    memset(vc, 0, sizeof *vc);
    unsigned want = o->checks ? o->checks : CHECKS_ALL;
    vc->dns = dns;
    vc->env = o->env;
    if (want & CHECK_DKIM) vc->checks |= VERIFY_DKIM;
    if (want & CHECK_SPF) vc->checks |= VERIFY_SPF;
    if (want & CHECK_DMARC) vc->checks |= VERIFY_DMARC;
    if (want & CHECK_ARC) vc->checks |= VERIFY_ARC;
    /* DMARC needs SPF and DKIM results: they run with it, whatever --checks says */
    if (vc->checks & VERIFY_DMARC) vc->checks |= VERIFY_SPF | VERIFY_DKIM;
    if (vc->checks & (VERIFY_DKIM | VERIFY_ARC)) vc->dkim = dkim_verifier_new(dns);
    if (vc->checks & VERIFY_SPF) vc->spf = spf_checker_new(dns);
    if (o->dmarc_psl) {
        char err[512];
        struct psl *l = psl_load(PSL_DEFAULT_PATH, err, sizeof err);
        if (!l) {
            cli_error(cmd, "--dmarc-psl: %s (Debian package publicsuffix)", err);
            authopts_verify_ctx_free(vc);
            return -1;
        }
        vc->psl = l;
    }
    return 0;
}

void authopts_verify_ctx_free(struct verify_ctx *vc)
{
    dkim_verifier_free(vc->dkim);
    if (vc->spf) spf_checker_free(vc->spf);
    psl_free((struct psl *)vc->psl);
    memset(vc, 0, sizeof *vc);
}

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
    free(o->rules);
    o->rules = NULL;
    o->n_rules = o->cap_rules = 0;
    o->n_dns = o->cap_dns = 0;
}

struct dns_resolver *authopts_resolver(const struct auth_opts *o, const char *cmd, struct db *db)
{
    unsigned want = o->checks ? o->checks : CHECKS_ALL;
    static const char *const later[] = {"dkim", "spf", "dmarc", "arc", "rules"}; /* bit order */
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

int authopts_option(struct auth_opts *o, const char *cmd, int code, const char *arg)
{
    switch (code) {
    case 'D':
        return authopts_add_dns(o, arg) == 0 ? 1 : -1;
    case 'O':
        o->online = true;
        return 1;
    case 'T':
        return authopts_set_timeout(o, cmd, arg) == 0 ? 1 : -1;
    case 'F':
        o->dns_from_db = true;
        return 1;
    case 'C':
        return authopts_set_checks(o, cmd, arg) == 0 ? 1 : -1;
    case 'A':
        return authopts_set_at(o, cmd, arg) == 0 ? 1 : -1;
    case AO_RULES:
        if (o->n_rules == o->cap_rules) {
            o->cap_rules = o->cap_rules ? o->cap_rules * 2 : 4;
            o->rules = xrealloc(o->rules, o->cap_rules * sizeof *o->rules);
        }
        o->rules[o->n_rules++] = arg;
        return 1;
    case AO_TRUSTED_HOPS:
    case AO_INTERNAL_NET:
    case AO_RECEIVER:
    case AO_DMARC_PSL:
    case AO_IP:
    case AO_HELO:
    case AO_MAIL_FROM:
        return authopts_envelope_option(o, cmd, code, arg) == 0 ? 1 : -1;
    }
    return 0;
}
