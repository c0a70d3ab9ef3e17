/* envelope — see envelope.h. */
#include "auth/envelope.h"
#include "mail/addr.h"
#include "util/str.h"

#include <stdbool.h>
#include <string.h>

void envelope_opts_init(struct envelope_opts *o)
{
    memset(o, 0, sizeof *o);
    o->trusted_hops = -1;
}

int envelope_add_net(struct envelope_opts *o, const char *cidr)
{
    if (o->n_nets >= ENVELOPE_MAX_NETS) return -1;
    if (net_parse(cidr, &o->nets[o->n_nets]) != 0) return -1;
    o->n_nets++;
    return 0;
}

static bool external(const struct envelope_opts *o, const char *ip)
{
    if (net_is_internal(ip)) return false;
    for (int i = 0; i < o->n_nets; i++)
        if (net_contains(&o->nets[i], ip)) return false;
    return true;
}

/* The organisation a host name belongs to, roughly: its last two labels,
 * or three when the second-to-last is a short label under a two-letter
 * country code (example.co.uk, example.com.au). Enough to tell a
 * receiver's own hops (from X.prod.outlook.com by Y.prod.outlook.com)
 * from the hop where mail entered it; --receiver and --trusted-hops
 * settle the cases it cannot. */
static const char *org_of(const char *name, size_t *len)
{
    size_t n = strlen(name);
    while (n && name[n - 1] == '.')
        n--;
    size_t dots[3] = {0, 0, 0};
    int k = 0;
    for (size_t i = n; i-- > 0 && k < 3;)
        if (name[i] == '.') dots[k++] = i;
    size_t start = 0;
    if (k >= 2) {
        size_t tld = n - dots[0] - 1, sld = dots[0] - dots[1] - 1;
        bool cc = tld == 2 && sld <= 3;
        start = cc && k >= 3 ? dots[2] + 1 : cc ? 0 : dots[1] + 1;
    }
    *len = n - start;
    return name + start;
}

static bool same_org(const char *a, const char *b)
{
    if (!a || !b || !strchr(a, '.') || !strchr(b, '.')) return false;
    size_t la, lb;
    const char *oa = org_of(a, &la), *ob = org_of(b, &lb);
    return la == lb && str_eq_ci(oa, la, ob) && la;
}

/* by == host, or by is a name under host (case-insensitive). */
static bool by_matches(const char *by, const char *host)
{
    if (!by || !host) return false;
    size_t bl = strlen(by), hl = strlen(host);
    if (bl == hl) return str_eq_ci(by, bl, host);
    return bl > hl && by[bl - hl - 1] == '.' && str_eq_ci(by + bl - hl, hl, host);
}

/* "<a@b>" or "a@b" or "<>" to the address ("" for the null sender). */
static const char *path_addr(arena *a, const char *v)
{
    struct addr rp;
    if (addr_parse_path(a, v, strlen(v), &rp)) return rp.address ? rp.address : "";
    return NULL;
}

void envelope_reconstruct(arena *a, const struct message *m, const struct arp_claims *claims,
                          const struct envelope_opts *o, struct envelope *out)
{
    memset(out, 0, sizeof *out);
    out->hop = -1;
    const char *ov = o->override_source ? o->override_source : "override";
    if (o->ip) out->ip = o->ip, out->ip_source = ov;
    if (o->helo) out->helo = o->helo, out->helo_source = ov;
    if (o->mail_from) out->mail_from = o->mail_from, out->mail_from_source = ov;

    /* the entry hop */
    size_t start = o->trusted_hops > 0 ? (size_t)o->trusted_hops : 0;
    for (size_t i = start; i < m->n_received; i++) {
        const struct received_hop *h = &m->received[i];
        if (o->receiver) {
            if (!by_matches(h->by, o->receiver)) continue;
        } else if (o->trusted_hops >= 0) {
            if (!h->from_ip) continue; /* the user said where the entry is: no guessing */
        } else if (!h->from_ip || !external(o, h->from_ip)) {
            continue;
        } else if (same_org(h->from_rdns ? h->from_rdns : h->from_helo, h->by) ||
                   same_org(h->from_helo, h->by)) {
            continue; /* a hop inside the receiving organisation */
        }
        out->hop = (int)i;
        out->received_by = h->by;
        out->tls = h->tls_used;
        out->tls_known = true;
        out->rdns = h->from_rdns && !str_eq_ci(h->from_rdns, strlen(h->from_rdns), "unknown")
                        ? h->from_rdns
                        : NULL;
        if (!out->ip && h->from_ip) out->ip = h->from_ip, out->ip_source = "received";
        if (!out->helo && h->from_helo) out->helo = h->from_helo, out->helo_source = "received";
        break;
    }

    /* Return-Path: written at final delivery from the MAIL FROM */
    if (!out->mail_from && m->return_path)
        out->mail_from = m->return_path, out->mail_from_source = "return-path";
    /* what the receiver wrote: the topmost claims first */
    for (size_t i = 0; claims && i < claims->n; i++) {
        const struct arp_claim *c = &claims->v[i];
        if (c->source == ARP_ARC_AUTH_RESULTS) continue; /* an earlier hop's view */
        const char *src = c->source == ARP_RECEIVED_SPF ? "received-spf" : "authentication-results";
        if (!out->ip && c->remote_ip) out->ip = c->remote_ip, out->ip_source = src;
        if (!out->helo && c->smtp_helo) out->helo = c->smtp_helo, out->helo_source = src;
        if (!out->mail_from && c->smtp_mailfrom && strcmp(c->method, "spf") == 0) {
            /* smtp.mailfrom may be a bare domain (Microsoft writes it so): kept as is */
            const char *mf = strchr(c->smtp_mailfrom, '@') || c->smtp_mailfrom[0] == '<'
                                 ? path_addr(a, c->smtp_mailfrom)
                                 : c->smtp_mailfrom;
            if (mf) out->mail_from = mf, out->mail_from_source = src;
        }
    }
}
