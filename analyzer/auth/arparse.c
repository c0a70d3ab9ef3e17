/* arparse — see arparse.h. A small lexer over the field value: CFWS
 * (whitespace and nested comments, the first comment after a result kept),
 * words (runs up to WSP, ';', '(' or '=' — values may hold '@', '/', ':'),
 * quoted strings, and the separators ';' and '='. */
#include "auth/arparse.h"
#include "util/str.h"

#include <stdlib.h>
#include <string.h>

struct lex {
    arena *a;
    const char *p;
    size_t len, i;
    const char *comment; /* the last comment skipped, or NULL */
};

/* Skip whitespace (line ends included) and comments; keep the last comment. */
static void cfws(struct lex *x)
{
    for (;;) {
        while (x->i < x->len && ch_is_space((unsigned char)x->p[x->i]))
            x->i++;
        if (x->i >= x->len || x->p[x->i] != '(') return;
        size_t start = ++x->i, depth = 1;
        while (x->i < x->len && depth) {
            char c = x->p[x->i];
            if (c == '\\' && x->i + 1 < x->len)
                x->i++;
            else if (c == '(')
                depth++;
            else if (c == ')')
                depth--;
            x->i++;
        }
        size_t end = depth ? x->i : x->i - 1;
        size_t n = end - start;
        if (n > ARP_MAX_VALUE) n = ARP_MAX_VALUE;
        struct slice t = str_trim(x->p + start, n);
        char *c = arena_strndup(x->a, t.p, t.len);
        for (char *q = c; *q; q++)
            if ((unsigned char)*q < ' ') *q = ' ';
        x->comment = c;
    }
}

static bool at(struct lex *x, char c)
{
    cfws(x);
    return x->i < x->len && x->p[x->i] == c;
}

/* A word or a quoted string; NULL at a separator or the end. */
static char *word(struct lex *x, bool lower)
{
    cfws(x);
    if (x->i >= x->len) return NULL;
    char c = x->p[x->i];
    if (c == ';' || c == '=') return NULL;
    struct arena_str b = {.a = x->a};
    if (c == '"') {
        x->i++;
        while (x->i < x->len && x->p[x->i] != '"') {
            if (x->p[x->i] == '\\' && x->i + 1 < x->len) x->i++;
            if (b.len < ARP_MAX_VALUE) arena_str_put(&b, x->p + x->i, 1);
            x->i++;
        }
        if (x->i < x->len) x->i++; /* closing quote */
        return b.p ? b.p : arena_strdup(x->a, "");
    }
    size_t start = x->i;
    while (x->i < x->len) {
        unsigned char d = (unsigned char)x->p[x->i];
        if (ch_is_space(d) || d == ';' || d == '(' || d == '=' || d == '"') break;
        x->i++;
    }
    size_t n = x->i - start;
    if (n > ARP_MAX_VALUE) n = ARP_MAX_VALUE;
    char *w = arena_strndup(x->a, x->p + start, n);
    if (lower) str_lower(w, n);
    for (char *q = w; *q; q++)
        if ((unsigned char)*q < ' ' || *q == 0x7f) *q = '?';
    return w;
}

/* Skip to the next ';' (not consumed) or the end. */
static void skip_clause(struct lex *x)
{
    while (x->i < x->len) {
        cfws(x);
        if (x->i >= x->len) return;
        char c = x->p[x->i];
        if (c == ';') return;
        if (c == '"') {
            word(x, false);
            continue;
        }
        x->i++;
    }
}

static struct arp_claim *new_claim(arena *a, struct arp_claims *out, enum arp_source src, int field)
{
    if (out->n >= ARP_MAX_CLAIMS) {
        out->dropped++;
        return NULL;
    }
    /* grown in steps; claims are small */
    if (out->n % 8 == 0) {
        struct arp_claim *v = arena_alloc(a, (out->n + 8) * sizeof *v);
        if (out->n) memcpy(v, out->v, out->n * sizeof *v);
        out->v = v;
    }
    struct arp_claim *c = &out->v[out->n++];
    memset(c, 0, sizeof *c);
    c->source = src;
    c->field = field;
    return c;
}

static void add_prop(struct arp_claim *c, const char *ptype, const char *property,
                     const char *value)
{
    if (c->n_props >= ARP_MAX_PROPS) return;
    c->props[c->n_props++] = (struct arp_prop){ptype, property, value};
    if (strcmp(ptype, "smtp") == 0) {
        if (strcmp(property, "mailfrom") == 0) c->smtp_mailfrom = value;
        if (strcmp(property, "helo") == 0) c->smtp_helo = value;
        if (strcmp(property, "remote-ip") == 0) c->remote_ip = value;
    } else if (strcmp(ptype, "header") == 0) {
        if (strcmp(property, "d") == 0) c->header_d = value;
        if (strcmp(property, "s") == 0) c->header_s = value;
        if (strcmp(property, "i") == 0) c->header_i = value;
        if (strcmp(property, "from") == 0) c->header_from = value;
    } else if (strcmp(ptype, "policy") == 0 && strcmp(property, "iprev") == 0) {
        c->remote_ip = value;
    }
}

/* "ptype.property" or a bare name ("action", "reason"): split at the first dot. */
static void split_name(arena *a, const char *name, const char **ptype, const char **prop)
{
    const char *dot = strchr(name, '.');
    if (!dot) {
        *ptype = "";
        *prop = name;
        return;
    }
    *ptype = arena_strndup(a, name, (size_t)(dot - name));
    *prop = dot + 1;
}

/* One resinfo after its ';': method=result [reason=...] [props...] up to
 * the next ';' (left for the caller). */
static void resinfo(struct lex *x, struct arp_claims *out, enum arp_source src, int field,
                    int instance, const char *authserv)
{
    x->comment = NULL;
    char *method = word(x, true);
    if (!method || !*method) {
        skip_clause(x);
        return;
    }
    if (!at(x, '=')) { /* "none" (no-result) or junk */
        skip_clause(x);
        return;
    }
    x->i++;
    char *result = word(x, true);
    struct arp_claim *c = new_claim(x->a, out, src, field);
    if (!c) {
        skip_clause(x);
        return;
    }
    char *slash = strchr(method, '/'); /* method version: "dkim/1" */
    if (slash) *slash = 0;
    c->method = method;
    c->result = result ? result : "";
    c->authserv_id = authserv;
    c->arc_instance = instance;
    x->comment = NULL;
    cfws(x);
    c->comment = x->comment;
    for (;;) {
        if (at(x, ';')) return;
        char *name = word(x, true);
        if (!name) {
            if (x->i >= x->len) return;
            x->i++; /* a stray '=' */
            continue;
        }
        if (!at(x, '=')) continue; /* a bare word: ignored */
        x->i++;
        char *value = word(x, false);
        if (!value) value = arena_strdup(x->a, "");
        if (strcmp(name, "reason") == 0) {
            c->reason = value;
            continue;
        }
        const char *ptype, *prop;
        split_name(x->a, name, &ptype, &prop);
        add_prop(c, ptype, prop, value);
    }
}

/* Received-SPF: result [comment] key=value; key=value; ... */
static int received_spf(struct lex *x, struct arp_claims *out, int field)
{
    char *result = word(x, true);
    if (!result || !*result) return -1;
    struct arp_claim *c = new_claim(x->a, out, ARP_RECEIVED_SPF, field);
    if (!c) return 0;
    c->method = "spf";
    c->result = result;
    x->comment = NULL;
    cfws(x);
    c->comment = x->comment;
    while (x->i < x->len) {
        if (at(x, ';')) {
            x->i++;
            continue;
        }
        char *key = word(x, true);
        if (!key) {
            if (x->i < x->len) x->i++;
            continue;
        }
        if (!at(x, '=')) continue;
        x->i++;
        char *value = word(x, false);
        if (!value) value = arena_strdup(x->a, "");
        if (strcmp(key, "client-ip") == 0)
            add_prop(c, "smtp", "remote-ip", value);
        else if (strcmp(key, "envelope-from") == 0)
            add_prop(c, "smtp", "mailfrom", value);
        else if (strcmp(key, "helo") == 0)
            add_prop(c, "smtp", "helo", value);
        else if (strcmp(key, "receiver") == 0)
            c->authserv_id = value;
        else
            add_prop(c, "", key, value);
    }
    return 1;
}

int arp_parse_value(arena *a, enum arp_source src, const char *p, size_t len, int field,
                    struct arp_claims *out)
{
    struct lex x = {.a = a, .p = p, .len = len};
    size_t before = out->n;
    if (src == ARP_RECEIVED_SPF) return received_spf(&x, out, field);
    int instance = 0;
    if (src == ARP_ARC_AUTH_RESULTS) {
        char *k = word(&x, true);
        if (!k || strcmp(k, "i") != 0 || !at(&x, '=')) return -1;
        x.i++;
        char *n = word(&x, false);
        if (!n) return -1;
        instance = atoi(n);
        if (!at(&x, ';')) return -1;
        x.i++;
    }
    size_t id_at = x.i;
    char *authserv = word(&x, true);
    if (!authserv || !*authserv) return -1;
    if (at(&x, '=')) {
        /* no authserv-id: Microsoft 365 starts with "spf=pass (sender IP is
         * ...)". Read that first clause as a result, with no id. */
        x.i = id_at;
        authserv = NULL;
        resinfo(&x, out, src, field, instance, authserv);
    } else {
        /* an optional version number before the first ';' */
        cfws(&x);
        if (x.i < x.len && ch_is_digit((unsigned char)x.p[x.i])) word(&x, false);
    }
    while (x.i < x.len) {
        if (!at(&x, ';')) { /* junk between resinfos: skip to the next ';' */
            skip_clause(&x);
            continue;
        }
        x.i++;
        resinfo(&x, out, src, field, instance, authserv);
    }
    return (int)(out->n - before);
}

void arp_parse_all(arena *a, const struct hdr_block *hb, struct arp_claims *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < hb->n; i++) {
        const struct hdr_field *f = &hb->f[i];
        enum arp_source src;
        if (str_eq_ci(f->name.p, f->name.len, "Authentication-Results"))
            src = ARP_AUTH_RESULTS;
        else if (str_eq_ci(f->name.p, f->name.len, "ARC-Authentication-Results"))
            src = ARP_ARC_AUTH_RESULTS;
        else if (str_eq_ci(f->name.p, f->name.len, "Received-SPF"))
            src = ARP_RECEIVED_SPF;
        else
            continue;
        if (arp_parse_value(a, src, f->value.p, f->value.len, (int)i, out) < 0) out->bad++;
    }
}

const char *arp_prop_get(const struct arp_claim *c, const char *ptype, const char *property)
{
    for (size_t i = 0; i < c->n_props; i++)
        if (strcmp(c->props[i].ptype, ptype) == 0 && strcmp(c->props[i].property, property) == 0)
            return c->props[i].value;
    return NULL;
}
