/* openrelay — see openrelay.h. The candidate rows come from two read-only
 * queries; the network test (CIDR) and the domain test are done here. */
#include "report/openrelay.h"
#include "report/summary.h"
#include "util/arena.h"
#include "util/net.h"
#include "util/str.h"
#include "util/timeutil.h"

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

/* What the signs are judged against: the local domains and networks. */
struct relay_env {
    char **doms;
    size_t n_doms;
    bool inferred_domains;
    struct net *nets;
    size_t n_nets;
};

static int relay_env_load(sqlite3 *h, const struct relay_opts *o, arena *a, struct relay_env *e,
                          char *err, size_t errlen)
{
    memset(e, 0, sizeof *e);
    e->inferred_domains = o->n_domains == 0;
    if (!e->inferred_domains) {
        e->doms = o->domains;
        e->n_doms = o->n_domains;
    } else {
        /* the deliveries' part is read through the partial index
         * log_deliveries_local (schema 0010): its condition is the term
         * local = 1 written here */
        sqlite3_stmt *s;
        if (sqlite3_prepare_v2(
                h,
                "SELECT DISTINCT lower(domain) FROM sightings WHERE domain IS NOT NULL"
                " UNION SELECT DISTINCT recipient_domain FROM deliveries WHERE local = 1"
                " AND recipient_domain IS NOT NULL ORDER BY 1",
                -1, &s, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
            return -1;
        }
        e->doms = arena_alloc(a, MAX_LOCAL_DOMAINS * sizeof *e->doms);
        while (sqlite3_step(s) == SQLITE_ROW && e->n_doms < MAX_LOCAL_DOMAINS)
            e->doms[e->n_doms++] = arena_strdup(a, (const char *)sqlite3_column_text(s, 0));
        sqlite3_finalize(s);
    }
    e->n_nets = o->n_nets ? o->n_nets : sizeof default_nets / sizeof default_nets[0];
    e->nets = arena_alloc(a, e->n_nets * sizeof *e->nets);
    for (size_t i = 0; i < e->n_nets; i++)
        if (net_parse(o->n_nets ? o->nets[i] : default_nets[i], &e->nets[i]) != 0) {
            snprintf(err, errlen, "--local-net '%s': not an address or CIDR", o->nets[i]);
            return -1;
        }
    return 0;
}

/* The accepted RCPTs of unauthenticated clients in the period (?1, ?2:
 * Unix seconds, or NULL), read through the partial index
 * log_lines_open_rcpt (schema 0008): its WHERE terms are repeated here, as
 * SQLite requires to use it. */
#define SQL_RCPT_SIGNS                                                                             \
    "SELECT strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch'), mta, client_ip, sender,"            \
    " recipient, 'accepted RCPT' FROM log_lines"                                                   \
    " WHERE kind = 'rcpt' AND sasl_user IS NULL AND client_ip IS NOT NULL"                         \
    " AND (?1 IS NULL OR time >= ?1) AND (?2 IS NULL OR time < ?2)"

/* the deliveries of the candidate clients' messages that left for elsewhere */
#define RELAY_JOIN                                                                                 \
    " JOIN r_relay_cli e ON e.queue_id = d.queue_id AND e.host IS d.host"                          \
    " WHERE d.local = 0 AND d.status IN ('sent', 'deferred', 'bounced', 'expired')"                \
    " AND d.recipient IS NOT NULL"

/* one group per (mta, client): how many signs, when, an example recipient */
struct sign {
    const char *mta, *ip, *first, *last, *rcpt, *evidence;
    int n;
};

struct relay_signs {
    struct sign *signs;
    int n_signs, total, dropped;
};

static const char *dup_or(arena *a, const unsigned char *t, const char *dflt)
{
    return arena_strdup(a, t ? (const char *)t : dflt);
}

static bool ip_local(const struct relay_env *e, const char *ip)
{
    for (size_t i = 0; i < e->n_nets; i++)
        if (net_contains(&e->nets[i], ip)) return true;
    return false;
}

/* A database from before schema 0004 has no log_lines (and no log lines
 * that are signs: its report says none). */
static bool have_log_lines(sqlite3 *h)
{
    sqlite3_stmt *s;
    bool have = false;
    if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE name = 'log_lines'", -1, &s,
                           NULL) == SQLITE_OK) {
        have = sqlite3_step(s) == SQLITE_ROW;
        sqlite3_finalize(s);
    }
    return have;
}

/* The clients of queued messages that could have relayed: the client and
 * queued lines of unauthenticated clients outside the local networks, into
 * TEMP table r_relay_cli(queue_id, host, client_ip), read through the
 * partial index log_lines_open_client (schema 0008), so that the deliveries
 * are joined with these few rather than with every line of the log. *n is
 * how many. */
static int relay_clients(sqlite3 *h, const struct relay_env *e, int64_t *n, char *err,
                         size_t errlen)
{
    *n = 0;
    sqlite3_stmt *q = NULL, *ins = NULL;
    int rc = -1, step = SQLITE_DONE;
    bool in_txn = false;
    if (sqlite3_exec(h,
                     "DROP TABLE IF EXISTS temp.r_relay_cli;"
                     "CREATE TEMP TABLE r_relay_cli(queue_id TEXT, host TEXT, client_ip TEXT);"
                     "CREATE INDEX temp.r_relay_cli_q ON r_relay_cli(queue_id)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "SELECT queue_id, host, client_ip FROM log_lines"
                           " WHERE kind IN ('client', 'queued') AND sasl_user IS NULL"
                           " AND client_ip IS NOT NULL AND queue_id IS NOT NULL",
                           -1, &q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h, "INSERT INTO r_relay_cli VALUES (?1, ?2, ?3)", -1, &ins, NULL) !=
            SQLITE_OK)
        goto done;
    /* one transaction for the inserts (autocommit would commit each) */
    if (sqlite3_exec(h, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) goto done;
    in_txn = true;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *ip = (const char *)sqlite3_column_text(q, 2);
        if (!ip || ip_local(e, ip)) continue;
        for (int k = 0; k < 3; k++)
            sqlite3_bind_value(ins, k + 1, sqlite3_column_value(q, k));
        if (sqlite3_step(ins) != SQLITE_DONE) goto done;
        sqlite3_reset(ins);
        ++*n;
    }
    rc = step == SQLITE_DONE ? 0 : -1;
done:
    if (rc != 0) snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    if (in_txn && sqlite3_exec(h, rc == 0 ? "COMMIT" : "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK &&
        rc == 0) {
        snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
        rc = -1;
    }
    return rc;
}

/* Run `sql` (columns: time, mta, client_ip, sender, recipient, evidence;
 * ?1 and ?2 bound to the period's bounds in Unix seconds when the statement
 * has them and they are set) and group the rows that are signs. */
static int relay_collect(sqlite3 *h, const char *sql, const char *since, const char *until,
                         const struct relay_env *e, arena *a, struct relay_signs *out, char *err,
                         size_t errlen)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    out->signs = arena_alloc(a, MAX_SIGN_CLIENTS * sizeof *out->signs);
    if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
        return -1;
    }
    if (sqlite3_bind_parameter_count(s) >= 2) {
        int64_t t;
        if (since && time_parse_iso(since, &t) == 0) sqlite3_bind_int64(s, 1, t);
        if (until && time_parse_iso(until, &t) == 0) sqlite3_bind_int64(s, 2, t);
    }
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *ip = (const char *)sqlite3_column_text(s, 2);
        const char *rcpt = (const char *)sqlite3_column_text(s, 4);
        const char *mta = (const char *)sqlite3_column_text(s, 1);
        if (!ip || ip_local(e, ip) || domain_local(e->doms, e->n_doms, rcpt)) continue;
        out->total++;
        struct sign *g = NULL;
        for (int k = 0; k < out->n_signs && !g; k++)
            if (!strcmp(out->signs[k].ip, ip) && !strcmp(out->signs[k].mta, mta ? mta : "-"))
                g = &out->signs[k];
        if (!g) {
            if (out->n_signs == MAX_SIGN_CLIENTS) {
                out->dropped++;
                continue;
            }
            g = &out->signs[out->n_signs++];
            memset(g, 0, sizeof *g);
            g->mta = arena_strdup(a, mta ? mta : "-");
            g->ip = arena_strdup(a, ip);
            g->first = dup_or(a, sqlite3_column_text(s, 0), "-");
            g->rcpt = arena_strdup(a, rcpt ? rcpt : "-");
            g->evidence = dup_or(a, sqlite3_column_text(s, 5), "-");
        }
        g->n++;
        g->last = dup_or(a, sqlite3_column_text(s, 0), "-");
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "open-relay signs: %s", sqlite3_errmsg(h));
        return -1;
    }
    return 0;
}

/* The signs: the accepted RCPTs of the period, and the deliveries of
 * messages the candidate clients queued (with none, the deliveries are not
 * read) — from r_dlv when `scoped` (the report's period, --domain,
 * --campaign), else from every logged delivery. */
static int relay_find(sqlite3 *h, bool scoped, const char *since, const char *until,
                      const struct relay_env *e, arena *a, struct relay_signs *out, char *err,
                      size_t errlen)
{
    if (!have_log_lines(h)) {
        memset(out, 0, sizeof *out);
        out->signs = arena_alloc(a, MAX_SIGN_CLIENTS * sizeof *out->signs);
        return 0;
    }
    int64_t n_cli;
    if (relay_clients(h, e, &n_cli, err, errlen) != 0) return -1;
#define RELAY_COLS " d.mta, e.client_ip, d.sender, d.recipient, 'relayed (' || d.status || ')'"
    const char *relayed =
        !n_cli ? ""
        : scoped
            ? " UNION ALL SELECT d.time," RELAY_COLS " FROM r_dlv d" RELAY_JOIN
              " AND d.source = 'log'"
            : " UNION ALL SELECT strftime('%Y-%m-%dT%H:%M:%SZ', d.time, 'unixepoch')," RELAY_COLS
              " FROM log_deliveries d" RELAY_JOIN;
#undef RELAY_COLS
    char sql[1024];
    snprintf(sql, sizeof sql, "%s%s ORDER BY 1", SQL_RCPT_SIGNS, relayed);
    return relay_collect(h, sql, since, until, e, a, out, err, errlen);
}

/* Print at most `max` bytes of a string in a text cell (the text report
 * kept examples to 80 bytes). */
static void put_cut(FILE *out, arena *a, const char *s, size_t max)
{
    size_t n = strlen(s);
    report_put_cell(out, n > max ? arena_strndup(a, s, max) : s, 0);
}

int report_open_relay_text(struct db *db, const struct relay_opts *o, FILE *out, char *err,
                           size_t errlen)
{
    sqlite3 *h = (sqlite3 *)db_handle(db);
    arena *a = arena_new();
    int rc = -1;
    struct relay_env e;
    if (relay_env_load(h, o, a, &e, err, errlen) != 0) goto out;

    fprintf(out, "\nOpen-relay signs\n");
    fprintf(out, "  local domains (%s): ",
            e.inferred_domains
                ? "inferred from hMailServer Data and local deliveries; set with --local-domain"
                : "--local-domain");
    for (size_t i = 0; i < e.n_doms && i < 12; i++) {
        fputs(i ? ", " : "", out);
        report_put_cell(out, e.doms[i], 0); /* domains come from the data: escaped */
    }
    fprintf(out, "%s\n", e.n_doms == 0 ? "(none found)" : e.n_doms > 12 ? ", ..." : "");
    fprintf(out, "  local networks (%s): ",
            o->n_nets ? "--local-net"
                      : "default: loopback and private ranges; set with --local-net");
    for (size_t i = 0; i < e.n_nets; i++)
        fprintf(out, "%s%s", i ? ", " : "", o->n_nets ? o->nets[i] : default_nets[i]);
    fputc('\n', out);

    struct relay_signs g;
    if (relay_find(h, false, NULL, NULL, &e, a, &g, err, errlen) != 0) goto out;
    if (g.total == 0) {
        fputs("  (none)\n", out);
    } else {
        fprintf(out, "  %-12s %-40s %6s %-21s %-21s %s\n", "mta", "client", "signs", "first",
                "last", "example recipient (evidence)");
        for (int k = 0; k < g.n_signs; k++) {
            const struct sign *x = &g.signs[k];
            fputs("  ", out);
            report_put_cell(out, x->mta, 12);
            fputc(' ', out);
            report_put_cell(out, x->ip, 40);
            fprintf(out, " %6d %-21.23s %-21.23s ", x->n, x->first, x->last);
            put_cut(out, a, arena_printf(a, "%s (%s)", x->rcpt, x->evidence), 79);
            fputc('\n', out);
        }
        if (g.dropped) fprintf(out, "  (%d more signs from other clients)\n", g.dropped);
        fprintf(out,
                "  %d sign(s) from %d client(s): unauthenticated, outside the local networks, for\n"
                "  non-local recipients. If a client is one of your own servers (relaying by IP),\n"
                "  name its network with --local-net; forwarding aliases look the same too.\n",
                g.total, g.n_signs);
    }
    rc = 0;
out:
    arena_free(a);
    return rc;
}

int openrelay_fill(sqlite3 *h, const struct relay_opts *o, const char *since, const char *until,
                   struct report *r, struct rsection *sec, int64_t *n_signs, char *err,
                   size_t errlen)
{
    arena *a = arena_new();
    int rc = -1;
    struct relay_env e;
    *n_signs = 0;
    if (relay_env_load(h, o, a, &e, err, errlen) != 0) goto out;
    struct relay_signs g;
    if (relay_find(h, true, since, until, &e, a, &g, err, errlen) != 0) goto out;
    struct rtable *t = rsec_table(sec, r, "open_relay_signs", "Open-relay signs",
                                  "mta:t:MTA|client_ip:t:Client|signs:i:Signs|first:T:First|"
                                  "last:T:Last|example_recipient:t:Example recipient|"
                                  "evidence:t:Evidence");
    t->note = "unauthenticated clients outside the local networks, for non-local recipients: "
              "evidence to check (forwarding aliases look the same), not a verdict";
    t->limit = MAX_SIGN_CLIENTS;
    t->truncated = g.dropped > 0;
    for (int k = 0; k < g.n_signs; k++) {
        const struct sign *x = &g.signs[k];
        struct rval row[] = {
            rv_text(rstr(r, x->mta)),     rv_text(rstr(r, x->ip)),   rv_int(x->n),
            rv_time(rstr(r, x->first)),   rv_time(rstr(r, x->last)), rv_text(rstr(r, x->rcpt)),
            rv_text(rstr(r, x->evidence))};
        rtable_row(t, r, row);
    }
    /* what the signs were judged against */
    char doms[400];
    size_t n = 0;
    doms[0] = '\0';
    for (size_t i = 0; i < e.n_doms && i < 12 && n < sizeof doms; i++)
        n += (size_t)snprintf(doms + n, sizeof doms - n, "%s%s", i ? ", " : "", e.doms[i]);
    rsec_note(sec, r, "Local domains (%s): %s%s.",
              e.inferred_domains ? "inferred from hMailServer Data and local deliveries; set "
                                   "with --local-domain"
                                 : "--local-domain",
              e.n_doms == 0 ? "none found" : doms, e.n_doms > 12 ? ", ..." : "");
    char nets[400];
    n = 0;
    nets[0] = '\0';
    for (size_t i = 0; i < e.n_nets && n < sizeof nets; i++)
        n += (size_t)snprintf(nets + n, sizeof nets - n, "%s%s", i ? ", " : "",
                              o->n_nets ? o->nets[i] : default_nets[i]);
    rsec_note(sec, r, "Local networks (%s): %s.",
              o->n_nets ? "--local-net"
                        : "default: loopback and private ranges; set with --local-net",
              nets);
    *n_signs = g.total;
    rc = 0;
out:
    arena_free(a);
    return rc;
}
