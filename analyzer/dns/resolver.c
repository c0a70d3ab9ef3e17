/* resolver — see dns.h. Three hash tables, each keyed by the canonical
 * lowercased name (and the type, for cached answers), open addressing:
 *
 *   snapshot  name -> every record of that name from every snapshot file,
 *             in file order, exact duplicates dropped (an RRset is a set: two
 *             overlapping dumps must not turn one SPF record into two);
 *   db        (name, type) -> one recorded answer; the most recently fetched
 *             one wins when the database holds several;
 *   live      (name, type) -> one live answer, behind a mutex. Kept for the
 *             whole run whatever its TTL (a run's verdicts must agree with
 *             each other), failures included (one timeout per name, not one
 *             per message); emptied at LIVE_CACHE_MAX entries.
 *
 * The snapshot and db tables are filled before the lookups start and never
 * change afterwards, so lookups read them without a lock. Every answer is
 * deep-copied into the caller's arena: it stays valid as long as that arena,
 * even after dns_free.
 *
 * Names are canonicalised exactly as zone.c does (escapes decoded, ASCII
 * lowercased, printed back with \X / \DDD for the special bytes); the
 * functions are repeated here because zone.h exposes only zone_parse.
 *
 * Not done: wildcard synthesis, empty non-terminals (a name with no records
 * in any snapshot is NXDOMAIN even when a longer name exists below it, as the
 * snapshot contract says), DNSSEC validation. */
#include "dns/dns.h"
#include "dns/zone.h"
#include "util/buf.h"
#include "util/hash.h"
#include "util/reader.h"
#include "util/str.h"
#include "util/xalloc.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NAME_TEXT_MAX ZONE_NAME_TEXT_MAX
#define NAME_INPUT_MAX 2048        /* longer lookup names are not read */
#define ZONE_FILE_MAX (512u << 20) /* bytes of one snapshot file */
#define LIVE_CACHE_MAX 65536       /* live answers kept before the cache is emptied */
#define LIVE_MAX_ANSWER 256        /* answer-section records examined */
#define LIVE_BUF 65536             /* largest DNS message */

struct entry {
    uint64_t hash;
    const char *name;
    int type;          /* the question type; 0 in the snapshot table */
    struct dns_rr *rr; /* snapshot: every type of the name; cached: the answer */
    size_t n, cap;
    /* cached answers only */
    enum dns_rcode rcode;
    const char *cname, *error;
    bool truncated;
    int64_t fetched;
};

struct table {
    struct entry **slot;
    size_t cap, count; /* cap a power of two, 0 before the first insert */
};

struct dns_resolver {
    arena *snap_arena;
    struct table snap;
    bool has_snapshot;

    arena *db_arena;
    struct table db;
    bool has_db;

    bool online;
    int timeout_ms;
    pthread_mutex_t live_mu;
    arena *live_arena;
    struct table live;

    void (*rec_fn)(void *ctx, const struct dns_answer *ans);
    void *rec_ctx;
};

/* ---- names (same canonical form as zone.c) ---- */

/* canonical text of a name, or -1 (zone.c owns the one definition) */
static long canon_name(const char *p, size_t len, char *out)
{
    return zone_name_canon(p, len, out);
}

/* An invalid name as the answer's qname: lowercased, trailing dot removed. */
static char *raw_lower(arena *a, const char *name, size_t len)
{
    if (len > 0 && name[len - 1] == '.') len--;
    char *s = arena_strndup(a, name, len);
    str_lower(s, len);
    return s;
}

/* ---- hash tables ---- */

static uint64_t key_hash(const char *name, int type)
{
    return hash_fnv1a(name, strlen(name)) ^ ((uint64_t)(unsigned)type * 0x9E3779B97F4A7C15u);
}

static struct entry *table_find(const struct table *t, const char *name, int type)
{
    if (t->cap == 0) return NULL;
    uint64_t h = key_hash(name, type);
    for (size_t i = (size_t)h & (t->cap - 1);; i = (i + 1) & (t->cap - 1)) {
        struct entry *e = t->slot[i];
        if (!e) return NULL;
        if (e->hash == h && e->type == type && strcmp(e->name, name) == 0) return e;
    }
}

static void table_put(struct table *t, struct entry *e)
{
    if ((t->count + 1) * 10 > t->cap * 7) {
        size_t ncap = t->cap ? t->cap * 2 : 64;
        struct entry **ns = xcalloc(ncap, sizeof *ns);
        for (size_t i = 0; i < t->cap; i++) {
            struct entry *o = t->slot[i];
            if (!o) continue;
            size_t j = (size_t)o->hash & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = o;
        }
        free(t->slot);
        t->slot = ns;
        t->cap = ncap;
    }
    size_t j = (size_t)e->hash & (t->cap - 1);
    while (t->slot[j])
        j = (j + 1) & (t->cap - 1);
    t->slot[j] = e;
    t->count++;
}

static struct entry *table_add(struct table *t, arena *a, const char *name, int type)
{
    struct entry *e = arena_zalloc(a, sizeof *e);
    e->name = arena_strdup(a, name);
    e->type = type;
    e->hash = key_hash(e->name, type);
    table_put(t, e);
    return e;
}

/* ---- answers ---- */

static void copy_rr(arena *a, struct dns_rr *dst, const struct dns_rr *src)
{
    *dst = *src;
    dst->text = src->text ? arena_strndup(a, src->text, src->len) : arena_strdup(a, "");
    if (!src->text) dst->len = 0;
}

/* The records of `type` among src (all of them when type < 0), at most
 * DNS_MAX_RR, copied into a. */
static void copy_rrs(arena *a, const struct dns_rr *src, size_t n, int type, struct dns_rr **out,
                     size_t *nout, bool *truncated)
{
    size_t want = 0;
    for (size_t i = 0; i < n; i++)
        if (type < 0 || (int)src[i].type == type) want++;
    *out = NULL;
    *nout = 0;
    if (want > DNS_MAX_RR) {
        *truncated = true;
        want = DNS_MAX_RR;
    }
    if (want == 0) return;
    struct dns_rr *rr = arena_alloc(a, want * sizeof *rr);
    size_t k = 0;
    for (size_t i = 0; i < n && k < want; i++)
        if (type < 0 || (int)src[i].type == type) copy_rr(a, &rr[k++], &src[i]);
    *out = rr;
    *nout = k;
}

/* A cached answer (db or live) into out; qname and qtype are left alone. */
static void answer_from_entry(arena *a, const struct entry *e, enum dns_source src,
                              struct dns_answer *out)
{
    out->rcode = e->rcode;
    out->source = src;
    out->cname = e->cname ? arena_strdup(a, e->cname) : NULL;
    out->truncated = e->truncated;
    copy_rrs(a, e->rr, e->n, -1, &out->rr, &out->n, &out->truncated);
    out->fetched = e->fetched;
    out->error = e->error ? arena_strdup(a, e->error) : NULL;
}

static void entry_from_answer(arena *a, struct entry *e, const struct dns_answer *ans)
{
    e->rcode = ans->rcode;
    e->truncated = ans->truncated;
    copy_rrs(a, ans->rr, ans->n, (int)ans->qtype, &e->rr, &e->n, &e->truncated);
    e->cap = e->n;
    e->fetched = ans->fetched;
    e->error = ans->error ? arena_strdup(a, ans->error) : NULL;
    e->cname = NULL;
    if (ans->cname) {
        char c[NAME_TEXT_MAX];
        long cl = canon_name(ans->cname, strnlen(ans->cname, NAME_INPUT_MAX), c);
        if (cl >= 0) e->cname = arena_strndup(a, c, (size_t)cl);
    }
}

/* ---- setup ---- */

struct dns_resolver *dns_new(void)
{
    struct dns_resolver *r = xcalloc(1, sizeof *r);
    r->snap_arena = arena_new();
    r->db_arena = arena_new();
    r->live_arena = arena_new();
    r->timeout_ms = DNS_DEFAULT_TIMEOUT_MS;
    pthread_mutex_init(&r->live_mu, NULL);
    return r;
}

void dns_free(struct dns_resolver *r)
{
    if (!r) return;
    free(r->snap.slot);
    free(r->db.slot);
    free(r->live.slot);
    arena_free(r->snap_arena);
    arena_free(r->db_arena);
    arena_free(r->live_arena);
    pthread_mutex_destroy(&r->live_mu);
    free(r);
}

struct collect {
    struct zone_record *v;
    size_t n, cap;
};

static int collect_record(void *ctx, const struct zone_record *rec)
{
    struct collect *c = ctx;
    c->v = xgrow(c->v, &c->cap, c->n + 1, sizeof *c->v);
    c->v[c->n++] = *rec;
    return 0;
}

static bool same_rr(const struct dns_rr *x, const struct dns_rr *y)
{
    return x->type == y->type && x->pref == y->pref && x->len == y->len &&
           memcmp(x->text, y->text, x->len) == 0;
}

static void snapshot_add(struct dns_resolver *r, struct entry *e, const struct dns_rr *rr)
{
    for (size_t i = 0; i < e->n; i++)
        if (same_rr(&e->rr[i], rr)) return; /* the first TTL stays */
    e->rr = arena_grow(r->snap_arena, e->rr, &e->cap, e->n + 1, sizeof *e->rr);
    copy_rr(r->snap_arena, &e->rr[e->n++], rr);
}

int dns_add_zone_text(struct dns_resolver *r, const char *p, size_t len, const char *label,
                      char *err, size_t errlen)
{
    arena *tmp = arena_new();
    struct collect c = {0};
    char zerr[256];
    int rc = zone_parse(tmp, p, len, collect_record, &c, zerr, sizeof zerr);
    if (rc != 0) {
        const char *what = strncmp(zerr, "line ", 5) == 0 ? zerr + 5 : zerr;
        if (err && errlen) snprintf(err, errlen, "%s:%s", label ? label : "zone", what);
        rc = -1;
        goto out;
    }
    /* Parsed completely: only now does anything reach the tables. */
    const char *last_owner = NULL;
    struct entry *e = NULL;
    for (size_t i = 0; i < c.n; i++) {
        if (c.v[i].owner != last_owner) {
            last_owner = c.v[i].owner;
            e = table_find(&r->snap, last_owner, 0);
            if (!e) e = table_add(&r->snap, r->snap_arena, last_owner, 0);
        }
        snapshot_add(r, e, &c.v[i].rr);
    }
    r->has_snapshot = true;
out:
    free(c.v);
    arena_free(tmp);
    return rc;
}

int dns_add_zonefile(struct dns_resolver *r, const char *path, char *err, size_t errlen)
{
    struct buf b;
    buf_init(&b, 0);
    bool truncated = false;
    char rerr[256];
    int rc = reader_slurp(path, ZONE_FILE_MAX, &b, &truncated, rerr, sizeof rerr);
    if (rc != 0) {
        if (err && errlen) snprintf(err, errlen, "%s: cannot read: %s", path, rerr);
        goto out;
    }
    if (truncated) {
        if (err && errlen)
            snprintf(err, errlen, "%s: larger than %u MiB", path, ZONE_FILE_MAX >> 20);
        rc = -1;
        goto out;
    }
    rc = dns_add_zone_text(r, b.p ? b.p : "", b.len, path, err, errlen);
out:
    buf_free(&b);
    return rc;
}

void dns_add_cached(struct dns_resolver *r, const struct dns_answer *ans)
{
    if (!ans || !ans->qname || ans->rcode == DNS_NOSOURCE) return;
    char name[NAME_TEXT_MAX];
    if (canon_name(ans->qname, strnlen(ans->qname, NAME_INPUT_MAX), name) < 0) return;
    struct entry *e = table_find(&r->db, name, (int)ans->qtype);
    if (e && e->fetched > ans->fetched) return; /* an older fetch of the same question */
    if (!e) e = table_add(&r->db, r->db_arena, name, (int)ans->qtype);
    entry_from_answer(r->db_arena, e, ans);
    r->has_db = true;
}

void dns_set_online(struct dns_resolver *r, bool online, int timeout_ms)
{
    r->online = online;
    r->timeout_ms = timeout_ms > 0 ? timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
}

void dns_set_recorder(struct dns_resolver *r, void (*fn)(void *ctx, const struct dns_answer *ans),
                      void *ctx)
{
    r->rec_fn = fn;
    r->rec_ctx = ctx;
}

bool dns_has_source(const struct dns_resolver *r)
{
    return r->has_snapshot || r->has_db || r->online;
}

/* ---- live DNS ---- */

struct live_rr {
    const char *owner; /* canonical */
    ns_rr rr;
};

/* A compressed name inside the message at p, canonical, into out. */
static long expand_name(const ns_msg *msg, const unsigned char *p, char *out)
{
    char tmp[NS_MAXDNAME];
    if (dn_expand(ns_msg_base(*msg), ns_msg_end(*msg), p, tmp, sizeof tmp) < 0) return -1;
    if (tmp[0] == '\0') { /* the root, e.g. a null MX */
        out[0] = '\0';
        return 0;
    }
    return canon_name(tmp, strnlen(tmp, sizeof tmp), out);
}

/* The rdata of one answer record as struct dns_rr; false when malformed. */
static bool decode_rdata(arena *a, const ns_msg *msg, const ns_rr *rr, struct dns_rr *out)
{
    const unsigned char *d = ns_rr_rdata(*rr);
    size_t dl = ns_rr_rdlen(*rr);
    int type = (int)ns_rr_type(*rr);
    char name[NAME_TEXT_MAX];
    long nl;
    memset(out, 0, sizeof *out);
    out->type = (enum dns_type)type;
    out->ttl = ns_rr_ttl(*rr);
    switch (type) {
    case DNS_T_A:
    case DNS_T_AAAA: {
        char txt[INET6_ADDRSTRLEN];
        int af = type == DNS_T_A ? AF_INET : AF_INET6;
        if (dl != (type == DNS_T_A ? 4u : 16u)) return false;
        memcpy(out->addr, d, dl);
        if (!inet_ntop(af, d, txt, sizeof txt)) return false;
        out->text = arena_strdup(a, txt);
        out->len = strlen(txt);
        return true;
    }
    case DNS_T_MX:
        if (dl < 3) return false;
        out->pref = (uint16_t)ns_get16(d);
        d += 2;
        __attribute__((fallthrough));
    case DNS_T_CNAME:
    case DNS_T_PTR:
    case DNS_T_NS:
        nl = expand_name(msg, d, name);
        if (nl < 0) return false;
        out->text = arena_strndup(a, name, (size_t)nl);
        out->len = (size_t)nl;
        return true;
    case DNS_T_TXT:
    case DNS_T_SPF: {
        char *t = arena_alloc(a, dl + 1);
        size_t o = 0;
        for (size_t i = 0; i < dl;) {
            size_t sl = d[i++];
            if (sl > dl - i) return false;
            memcpy(t + o, d + i, sl);
            o += sl;
            i += sl;
        }
        t[o] = '\0';
        out->text = t;
        out->len = o;
        return true;
    }
    default: { /* RFC 3597 generic form */
        struct arena_str s = {.a = a};
        char hdr[32];
        int hl = snprintf(hdr, sizeof hdr, "\\# %zu%s", dl, dl ? " " : "");
        arena_str_put(&s, hdr, (size_t)hl);
        static const char hex[] = "0123456789abcdef";
        for (size_t i = 0; i < dl; i++) {
            char two[2] = {hex[d[i] >> 4], hex[d[i] & 15]};
            arena_str_put(&s, two, 2);
        }
        out->text = s.p;
        out->len = s.len;
        return true;
    }
    }
}

/* A NOERROR response with answers: follow the CNAMEs from `name`, keep the
 * records of `type` at the end of the chain. */
static void parse_response(arena *a, const unsigned char *buf, int n, const char *name, int type,
                           struct dns_answer *out)
{
    ns_msg msg;
    if (ns_initparse(buf, n, &msg) < 0) {
        out->rcode = DNS_TEMPFAIL;
        out->error = "malformed answer";
        return;
    }
    int count = ns_msg_count(msg, ns_s_an);
    if (count > LIVE_MAX_ANSWER) count = LIVE_MAX_ANSWER;
    struct live_rr *v = arena_alloc(a, (size_t)(count > 0 ? count : 1) * sizeof *v);
    size_t nv = 0;
    for (int i = 0; i < count; i++) {
        ns_rr rr;
        char owner[NAME_TEXT_MAX];
        if (ns_parserr(&msg, ns_s_an, i, &rr) < 0) break;
        if (ns_rr_class(rr) != ns_c_in) continue;
        long ol = canon_name(ns_rr_name(rr), strnlen(ns_rr_name(rr), NS_MAXDNAME), owner);
        if (ol < 0) continue;
        v[nv].owner = arena_strndup(a, owner, (size_t)ol);
        v[nv].rr = rr;
        nv++;
    }
    const char *visited[DNS_MAX_CNAME + 1];
    size_t links = 0;
    const char *cur = name;
    visited[0] = cur;
    for (;;) {
        size_t want = 0;
        for (size_t i = 0; i < nv; i++)
            if ((int)ns_rr_type(v[i].rr) == type && strcmp(v[i].owner, cur) == 0) want++;
        if (want) {
            if (want > DNS_MAX_RR) {
                out->truncated = true;
                want = DNS_MAX_RR;
            }
            out->rr = arena_alloc(a, want * sizeof *out->rr);
            for (size_t i = 0; i < nv && out->n < want; i++)
                if ((int)ns_rr_type(v[i].rr) == type && strcmp(v[i].owner, cur) == 0 &&
                    decode_rdata(a, &msg, &v[i].rr, &out->rr[out->n]))
                    out->n++;
            if (out->n == 0) { /* records there, none readable: no verdict from it */
                out->rcode = DNS_TEMPFAIL;
                out->error = "malformed answer";
                return;
            }
            out->rcode = DNS_OK;
            break;
        }
        const char *target = NULL;
        char tname[NAME_TEXT_MAX];
        if (type != DNS_T_CNAME) {
            for (size_t i = 0; i < nv && !target; i++) {
                if ((int)ns_rr_type(v[i].rr) != DNS_T_CNAME || strcmp(v[i].owner, cur) != 0)
                    continue;
                long tl = expand_name(&msg, ns_rr_rdata(v[i].rr), tname);
                if (tl >= 0) target = arena_strndup(a, tname, (size_t)tl);
            }
        }
        if (!target) {
            out->rcode = DNS_NODATA;
            break;
        }
        for (size_t i = 0; i <= links; i++) {
            if (strcmp(visited[i], target) == 0) {
                out->rcode = DNS_TEMPFAIL;
                out->error = "CNAME loop";
                return;
            }
        }
        if (++links > DNS_MAX_CNAME) {
            out->rcode = DNS_TEMPFAIL;
            out->error = "CNAME chain too long";
            return;
        }
        visited[links] = cur = target;
    }
    if (links) out->cname = cur;
}

/* One question to the system resolver; the answer in `a`. */
static void live_query(const struct dns_resolver *r, arena *a, const char *name, int type,
                       struct dns_answer *out)
{
    struct __res_state st;
    memset(&st, 0, sizeof st);
    out->source = DNS_SRC_LIVE;
    out->fetched = (int64_t)time(NULL);
    if (res_ninit(&st) != 0) {
        out->rcode = DNS_TEMPFAIL;
        out->error = "resolver initialisation failed";
        res_nclose(&st);
        return;
    }
    st.retrans = (r->timeout_ms + 999) / 1000; /* seconds per try, RES_TIMEOUT by default */
    if (st.retrans < 1) st.retrans = 1;
    st.retry = 1;
    st.options |= RES_USE_EDNS0;
    unsigned char *buf = xmalloc(LIVE_BUF);
    errno = 0;
    h_errno = 0;
    int n = res_nquery(&st, name, ns_c_in, type, buf, LIVE_BUF);
    int herr = h_errno, serr = errno;
    res_nclose(&st);
    if (n >= 0) {
        parse_response(a, buf, n < LIVE_BUF ? n : LIVE_BUF, name, type, out);
    } else {
        switch (herr) {
        case HOST_NOT_FOUND:
            out->rcode = DNS_NXDOMAIN;
            break;
        case NO_DATA:
            out->rcode = DNS_NODATA;
            break;
        case TRY_AGAIN:
            out->rcode = DNS_TEMPFAIL;
            out->error = serr == ETIMEDOUT ? "timeout" : "SERVFAIL";
            break;
        case NO_RECOVERY:
            out->rcode = DNS_TEMPFAIL;
            out->error = "query refused or malformed";
            break;
        default:
            out->rcode = DNS_TEMPFAIL;
            out->error = "network error";
            break;
        }
    }
    free(buf);
}

static void live_lookup(struct dns_resolver *r, arena *a, const char *name, int type,
                        struct dns_answer *out)
{
    pthread_mutex_lock(&r->live_mu);
    struct entry *e = table_find(&r->live, name, type);
    if (e) answer_from_entry(a, e, DNS_SRC_LIVE, out);
    pthread_mutex_unlock(&r->live_mu);
    if (e) return;

    live_query(r, a, name, type, out);

    pthread_mutex_lock(&r->live_mu);
    if (!table_find(&r->live, name, type)) {
        if (r->live.count >= LIVE_CACHE_MAX) {
            memset(r->live.slot, 0, r->live.cap * sizeof *r->live.slot);
            r->live.count = 0;
            arena_reset(r->live_arena);
        }
        struct dns_answer tmp = *out;
        tmp.qtype = (enum dns_type)type;
        e = table_add(&r->live, r->live_arena, name, type);
        entry_from_answer(r->live_arena, e, &tmp);
    }
    pthread_mutex_unlock(&r->live_mu);
}

/* ---- lookups ---- */

static void tempfail(struct dns_answer *out, enum dns_source src, const char *why)
{
    out->rcode = DNS_TEMPFAIL;
    out->source = src;
    out->error = why;
    out->rr = NULL;
    out->n = 0;
    out->cname = NULL;
}

/* Walk the sources for out->qname / out->qtype, following snapshot CNAMEs. */
static void resolve(struct dns_resolver *r, arena *a, struct dns_answer *out)
{
    int type = (int)out->qtype;
    const char *visited[DNS_MAX_CNAME + 1];
    const char *cur = out->qname;
    size_t links = 0;
    visited[0] = cur;
    for (;;) {
        const struct entry *e = table_find(&r->snap, cur, 0);
        if (e) {
            out->source = DNS_SRC_SNAPSHOT;
            copy_rrs(a, e->rr, e->n, type, &out->rr, &out->n, &out->truncated);
            if (out->n) {
                out->rcode = DNS_OK;
                break;
            }
            const char *target = NULL;
            for (size_t i = 0; i < e->n && type != DNS_T_CNAME; i++) {
                if (e->rr[i].type == DNS_T_CNAME) {
                    target = e->rr[i].text;
                    break;
                }
            }
            if (!target) {
                out->rcode = DNS_NODATA;
                break;
            }
            const char *why = NULL;
            for (size_t i = 0; i <= links; i++)
                if (strcmp(visited[i], target) == 0) why = "CNAME loop";
            if (!why && ++links > DNS_MAX_CNAME) why = "CNAME chain too long";
            if (why) {
                tempfail(out, DNS_SRC_SNAPSHOT, why);
                return;
            }
            visited[links] = cur = target;
            continue;
        }
        /* Nothing in the snapshots for this name. A recorded answer for the
         * original question also covers a chain that left the snapshot. */
        e = table_find(&r->db, cur, type);
        if (!e && links) e = table_find(&r->db, out->qname, type);
        if (e) {
            answer_from_entry(a, e, DNS_SRC_DB, out);
            if (e->rcode == DNS_TEMPFAIL) return;
            if (out->cname) return;
            break;
        }
        if (r->online) {
            live_lookup(r, a, cur, type, out);
            if (out->rcode == DNS_TEMPFAIL) {
                out->cname = NULL;
                return;
            }
            if (out->cname) return;
            break;
        }
        if (r->has_snapshot) {
            out->rcode = DNS_NXDOMAIN;
            out->source = DNS_SRC_SNAPSHOT;
            break;
        }
        tempfail(out, DNS_SRC_DB, "not in the DNS cache");
        return;
    }
    if (links) out->cname = arena_strdup(a, cur);
}

enum dns_rcode dns_lookup(struct dns_resolver *r, arena *a, const char *name, enum dns_type type,
                          struct dns_answer *out)
{
    memset(out, 0, sizeof *out);
    out->qtype = type;
    size_t len = name ? strnlen(name, NAME_INPUT_MAX) : 0;
    char canon[NAME_TEXT_MAX];
    long cl = name && len < NAME_INPUT_MAX ? canon_name(name, len, canon) : -1;
    out->qname =
        cl >= 0 ? arena_strndup(a, canon, (size_t)cl) : raw_lower(a, name ? name : "", len);
    if (!dns_has_source(r)) {
        out->rcode = DNS_NOSOURCE;
        out->source = DNS_SRC_NONE;
        out->error = "no DNS source";
        return out->rcode;
    }
    if (cl < 0) {
        out->rcode = DNS_NXDOMAIN; /* not a domain name: nothing looked up */
        out->source = DNS_SRC_NONE;
        return out->rcode;
    }
    resolve(r, a, out);
    if (r->rec_fn) r->rec_fn(r->rec_ctx, out);
    return out->rcode;
}

/* ---- names of things ---- */

static const struct {
    const char *name;
    int type;
} type_tab[] = {
    {"A", 1},           {"NS", 2},      {"MD", 3},        {"MF", 4},       {"CNAME", 5},
    {"SOA", 6},         {"MB", 7},      {"MG", 8},        {"MR", 9},       {"NULL", 10},
    {"WKS", 11},        {"PTR", 12},    {"HINFO", 13},    {"MINFO", 14},   {"MX", 15},
    {"TXT", 16},        {"RP", 17},     {"AFSDB", 18},    {"X25", 19},     {"ISDN", 20},
    {"RT", 21},         {"NSAP", 22},   {"NSAP-PTR", 23}, {"SIG", 24},     {"KEY", 25},
    {"PX", 26},         {"GPOS", 27},   {"AAAA", 28},     {"LOC", 29},     {"NXT", 30},
    {"SRV", 33},        {"NAPTR", 35},  {"KX", 36},       {"CERT", 37},    {"A6", 38},
    {"DNAME", 39},      {"APL", 42},    {"DS", 43},       {"SSHFP", 44},   {"IPSECKEY", 45},
    {"RRSIG", 46},      {"NSEC", 47},   {"DNSKEY", 48},   {"DHCID", 49},   {"NSEC3", 50},
    {"NSEC3PARAM", 51}, {"TLSA", 52},   {"SMIMEA", 53},   {"HIP", 55},     {"NINFO", 56},
    {"RKEY", 57},       {"TALINK", 58}, {"CDS", 59},      {"CDNSKEY", 60}, {"OPENPGPKEY", 61},
    {"CSYNC", 62},      {"ZONEMD", 63}, {"SVCB", 64},     {"HTTPS", 65},   {"SPF", 99},
    {"NID", 104},       {"L32", 105},   {"L64", 106},     {"LP", 107},     {"EUI48", 108},
    {"EUI64", 109},     {"URI", 256},   {"CAA", 257},     {"AVC", 258},    {"TA", 32768},
    {"DLV", 32769},
};

const char *dns_type_name(enum dns_type t)
{
    for (size_t i = 0; i < sizeof type_tab / sizeof type_tab[0]; i++)
        if (type_tab[i].type == (int)t) return type_tab[i].name;
    return "UNKNOWN";
}

int dns_type_from_name(const char *s)
{
    if (!s) return -1;
    size_t len = strlen(s);
    for (size_t i = 0; i < sizeof type_tab / sizeof type_tab[0]; i++)
        if (str_eq_ci(s, len, type_tab[i].name)) return type_tab[i].type;
    /* RFC 3597: TYPEnnn */
    if (len > 4 && len <= 9 && str_starts_ci(s, len, "TYPE")) {
        long v = 0;
        for (size_t i = 4; i < len; i++) {
            if (!ch_is_digit((unsigned char)s[i])) return -1;
            v = v * 10 + (s[i] - '0');
        }
        if (v >= 1 && v <= 65535) return (int)v;
    }
    return -1;
}

const char *dns_rcode_name(enum dns_rcode rc)
{
    switch (rc) {
    case DNS_OK:
        return "ok";
    case DNS_NXDOMAIN:
        return "nxdomain";
    case DNS_NODATA:
        return "nodata";
    case DNS_TEMPFAIL:
        return "tempfail";
    case DNS_NOSOURCE:
        return "nosource";
    }
    return "unknown";
}

const char *dns_source_name(enum dns_source s)
{
    switch (s) {
    case DNS_SRC_SNAPSHOT:
        return "snapshot";
    case DNS_SRC_DB:
        return "db";
    case DNS_SRC_LIVE:
        return "live";
    case DNS_SRC_NONE:
        return "none";
    }
    return "none";
}

char *dns_reverse_name(arena *a, const char *ip)
{
    unsigned char b[16];
    if (!ip) return NULL;
    if (inet_pton(AF_INET, ip, b) == 1)
        return arena_printf(a, "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1], b[0]);
    if (inet_pton(AF_INET6, ip, b) != 1) return NULL;
    static const char hex[] = "0123456789abcdef";
    char *s = arena_alloc(a, 16 * 4 + sizeof "ip6.arpa");
    size_t o = 0;
    for (int i = 15; i >= 0; i--) {
        s[o++] = hex[b[i] & 15];
        s[o++] = '.';
        s[o++] = hex[b[i] >> 4];
        s[o++] = '.';
    }
    memcpy(s + o, "ip6.arpa", sizeof "ip6.arpa");
    return s;
}
