/* openrelay — see openrelay.h. The candidate rows come from two read-only
 * queries; the network test (CIDR) and the domain test are done here. */
#include "report/openrelay.h"
#include "report/summary.h"
#include "util/arena.h"
#include "util/net.h"
#include "util/str.h"

#include <arpa/inet.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LOCAL_DOMAINS 10000
#define MAX_SIGN_CLIENTS 50 /* clients listed */

static const char *const default_nets[] = {"127.0.0.0/8",    "10.0.0.0/8",     "172.16.0.0/12",
                                           "192.168.0.0/16", "169.254.0.0/16", "::1/128",
                                           "fc00::/7",       "fe80::/10"};

int openrelay_cidr_valid(const char *cidr)
{
    struct net n;
    return net_parse(cidr, &n);
}

static bool domain_local(char **doms, size_t n, const char *rcpt)
{
    const char *at = rcpt ? strrchr(rcpt, '@') : NULL;
    if (!at) return true; /* no domain: a local mailbox name */
    const char *d = at + 1;
    size_t dl = strlen(d);
    while (dl && (d[dl - 1] == '>' || d[dl - 1] == '.'))
        dl--;
    for (size_t i = 0; i < n; i++)
        if (str_eq_ci(d, dl, doms[i])) return true;
    return false;
}

int report_open_relay_text(struct db *db, const struct relay_opts *o, FILE *out, char *err,
                           size_t errlen)
{
    sqlite3 *h = (sqlite3 *)db_handle(db);
    arena *a = arena_new();
    int rc = -1;
    char **doms = NULL;
    size_t n_doms = 0;
    bool inferred_domains = o->n_domains == 0;
    if (!inferred_domains) {
        doms = o->domains;
        n_doms = o->n_domains;
    } else {
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(
                h,
                "SELECT DISTINCT lower(domain) FROM sightings WHERE domain IS NOT NULL"
                " UNION SELECT DISTINCT recipient_domain FROM deliveries WHERE local = 1"
                " AND recipient_domain IS NOT NULL ORDER BY 1",
                -1, &s, NULL) != SQLITE_OK)
            goto sqlerr;
        doms = arena_alloc(a, MAX_LOCAL_DOMAINS * sizeof *doms);
        while (sqlite3_step(s) == SQLITE_ROW && n_doms < MAX_LOCAL_DOMAINS)
            doms[n_doms++] = arena_strdup(a, (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    size_t n_nets = o->n_nets ? o->n_nets : sizeof default_nets / sizeof default_nets[0];
    struct net *nets = arena_alloc(a, n_nets * sizeof *nets);
    for (size_t i = 0; i < n_nets; i++)
        if (net_parse(o->n_nets ? o->nets[i] : default_nets[i], &nets[i]) != 0) {
            snprintf(err, errlen, "--local-net '%s': not an address or CIDR", o->nets[i]);
            goto out;
        }

    fprintf(out, "\nOpen-relay signs\n");
    fprintf(out, "  local domains (%s): ",
            inferred_domains
                ? "inferred from hMailServer Data and local deliveries; set with --local-domain"
                : "--local-domain");
    for (size_t i = 0; i < n_doms && i < 12; i++) {
        fputs(i ? ", " : "", out);
        report_put_cell(out, doms[i], 0); /* domains come from the data: escaped */
    }
    fprintf(out, "%s\n", n_doms == 0 ? "(none found)" : n_doms > 12 ? ", ..." : "");
    fprintf(out, "  local networks (%s): ",
            o->n_nets ? "--local-net"
                      : "default: loopback and private ranges; set with --local-net");
    for (size_t i = 0; i < n_nets; i++)
        fprintf(out, "%s%s", i ? ", " : "", o->n_nets ? o->nets[i] : default_nets[i]);
    fputc('\n', out);

    static const char sql[] =
        "SELECT time, mta, client_ip, sender, recipient, 'accepted RCPT' FROM log_events"
        " WHERE kind = 'rcpt' AND sasl_user IS NULL AND client_ip IS NOT NULL"
        " UNION ALL "
        "SELECT d.time, d.mta, e.client_ip, d.sender, d.recipient, 'relayed (' || d.status || ')'"
        " FROM deliveries d JOIN log_events e ON e.queue_id = d.queue_id AND e.host IS d.host"
        " AND e.kind IN ('client', 'queued') AND e.client_ip IS NOT NULL"
        " WHERE d.local = 0 AND d.status IN ('sent', 'deferred', 'bounced', 'expired')"
        " AND d.recipient IS NOT NULL AND e.sasl_user IS NULL"
        " ORDER BY 1";
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) goto sqlerr;
    /* one line per (mta, client): how many signs, when, an example recipient */
    struct sign {
        char mta[16], ip[48], first[24], last[24], example[80];
        int n;
    };
    struct sign *signs = arena_alloc(a, MAX_SIGN_CLIENTS * sizeof *signs);
    int n_signs = 0, total = 0, dropped = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        const char *ip = (const char *)sqlite3_column_text(s, 2);
        const char *rcpt = (const char *)sqlite3_column_text(s, 4);
        const char *t = (const char *)sqlite3_column_text(s, 0);
        const char *mta = (const char *)sqlite3_column_text(s, 1);
        if (!ip) continue;
        bool local_ip = false;
        for (size_t i = 0; i < n_nets && !local_ip; i++)
            local_ip = net_contains(&nets[i], ip);
        if (local_ip || domain_local(doms, n_doms, rcpt)) continue;
        total++;
        struct sign *g = NULL;
        for (int k = 0; k < n_signs && !g; k++)
            if (!strcmp(signs[k].ip, ip) && !strcmp(signs[k].mta, mta ? mta : "-")) g = &signs[k];
        if (!g) {
            if (n_signs == MAX_SIGN_CLIENTS) {
                dropped++;
                continue;
            }
            g = &signs[n_signs++];
            memset(g, 0, sizeof *g);
            snprintf(g->mta, sizeof g->mta, "%s", mta ? mta : "-");
            snprintf(g->ip, sizeof g->ip, "%s", ip);
            snprintf(g->first, sizeof g->first, "%s", t ? t : "-");
            snprintf(g->example, sizeof g->example, "%s (%s)", rcpt ? rcpt : "-",
                     (const char *)sqlite3_column_text(s, 5));
        }
        g->n++;
        snprintf(g->last, sizeof g->last, "%s", t ? t : "-");
    }
    sqlite3_finalize(s);
    if (total == 0) {
        fputs("  (none)\n", out);
    } else {
        fprintf(out, "  %-12s %-40s %6s %-21s %-21s %s\n", "mta", "client", "signs", "first",
                "last", "example recipient (evidence)");
        for (int k = 0; k < n_signs; k++) {
            fputs("  ", out);
            report_put_cell(out, signs[k].mta, 12);
            fputc(' ', out);
            report_put_cell(out, signs[k].ip, 40);
            fprintf(out, " %6d %-21s %-21s ", signs[k].n, signs[k].first, signs[k].last);
            report_put_cell(out, signs[k].example, 0);
            fputc('\n', out);
        }
        if (dropped) fprintf(out, "  (%d more signs from other clients)\n", dropped);
        fprintf(out,
                "  %d sign(s) from %d client(s): unauthenticated, outside the local networks, for\n"
                "  non-local recipients. If a client is one of your own servers (relaying by IP),\n"
                "  name its network with --local-net; forwarding aliases look the same too.\n",
                total, n_signs);
    }
    rc = 0;
    goto out;
sqlerr:
    snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
out:
    arena_free(a);
    return rc;
}
