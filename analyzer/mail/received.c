/* received — parse one Received value into a hop (see received.h).
 *
 * Method: the date is the text after the last ';' that is outside comments
 * (the last ';' at all when comments never close). The text before it is cut
 * into words and (nested) comments; the keywords from/by/via/with/id/for
 * (any case) open clauses, the word after a keyword is its value ("with"
 * takes up to four words up to the next keyword or comment, for Microsoft's
 * "with Microsoft SMTP Server"). Comments after the from value carry the
 * TCP information; which name is the HELO and which the reverse DNS depends
 * on the MTA's habit, decided in assign_from():
 *   Postfix/Sendmail/hMailServer/Gmail  from HELO (RDNS [IP])
 *   Exim                               from RDNS ([IP] helo=HELO) -- no helo=
 *                                      means HELO was the same as RDNS; Exim
 *                                      is recognised by its lower-case "with"
 *   qmail                              from RDNS (HELO name) (IP)
 *   Microsoft (Exchange, IIS SMTPSVC)  from HELO (IP) / from HELO ([IP]); recognised
 *                                      by "with Microsoft ...", "SMTPSVC" or "mapi"
 *   Sendmail without rDNS              from HELO ([IP])
 *   Sendmail local / ident             (from user@host), (IDENT:user@rdns [ip])
 * Decisions: "unknown"/"Unknown" reverse names are kept; a trailing dot on a
 * reverse name (Gmail's "mail-sor-f41.google.com.") is dropped; an IP that
 * fails received_ip_valid is not recorded; IPv4-mapped IPv6 addresses become
 * plain IPv4 (that is what SPF evaluates); IPv4 octets with leading zeros are
 * rejected (octal or decimal? inet_aton and humans disagree).
 * TLS is "used" for with = ESMTPS/ESMTPSA/LMTPS/UTF8SMTPS.../SMTPS/HTTPS (any
 * case; ESMTPA alone is authentication, not TLS), a "(using TLS...)" comment
 * (Postfix), version=/cipher= (Sendmail, hMailServer, Exchange), Exim's
 * "(TLS1.3)" comment or "tls CIPHER" words, "(Google Transport Security)".
 * tls holds "VERSION CIPHER" when either was written.
 * Ceilings: RECEIVED_MAX_TOKENS words and comments are examined; longer
 * values are read up to there. Does NOT check the hop against DNS or order
 * hops; does not record anomalies (the caller knows parsed/date_valid). */
#include "mail/received.h"

#include <arpa/inet.h>
#include <string.h>

#include "mail/date.h"
#include "util/str.h"

#define RECEIVED_MAX_TOKENS 256
#define WITH_MAX_WORDS 4

struct tok {
    const char *p;
    size_t len;
    bool comment; /* p/len is the inside of the parentheses */
};

enum clause { C_NONE, C_FROM, C_BY, C_VIA, C_WITH, C_ID, C_FOR, C_TLS };

static const struct {
    const char *word;
    enum clause c;
} keywords[] = {
    {"from", C_FROM}, {"by", C_BY},   {"via", C_VIA}, {"with", C_WITH},
    {"id", C_ID},     {"for", C_FOR}, {"tls", C_TLS},
};

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Bytes that end a word: the blanks of is_ws and both parentheses. A table
 * because the word loop of next_tok runs over most of each field's bytes
 * (about 70K bytes for 300 messages). */
static const bool word_end[256] = {
    [' '] = true, ['\t'] = true, ['\r'] = true, ['\n'] = true, ['('] = true, [')'] = true};
/* Next word or comment at *i; false at the end. */
static bool next_tok(const char *p, size_t len, size_t *i, struct tok *t)
{
    size_t k = *i;
    while (k < len && (is_ws((unsigned char)p[k]) || p[k] == ')'))
        k++;
    if (k >= len) {
        *i = k;
        return false;
    }
    if (p[k] == '(') {
        size_t depth = 1, j = k + 1;
        while (j < len && depth > 0) {
            if (p[j] == '\\' && j + 1 < len)
                j++;
            else if (p[j] == '(')
                depth++;
            else if (p[j] == ')')
                depth--;
            j++;
        }
        t->comment = true;
        t->p = p + k + 1;
        t->len = (depth == 0 ? j - 1 : j) - (k + 1);
        *i = j;
        return true;
    }
    size_t j = k;
    while (j < len && !word_end[(unsigned char)p[j]])
        j++;
    t->comment = false;
    t->p = p + k;
    t->len = j - k;
    *i = j;
    return true;
}

static bool parse_ipv4(const char *p, size_t len, unsigned char v[4])
{
    size_t i = 0;
    for (int oct = 0; oct < 4; oct++) {
        if (oct > 0) {
            if (i >= len || p[i] != '.') return false;
            i++;
        }
        size_t start = i;
        unsigned val = 0;
        while (i < len && ch_is_digit((unsigned char)p[i]) && i - start < 3) {
            val = val * 10 + (unsigned)(p[i] - '0');
            i++;
        }
        size_t n = i - start;
        if (n == 0 || val > 255 || (n > 1 && p[start] == '0')) return false;
        v[oct] = (unsigned char)val;
    }
    return i == len;
}

/* Dotted quad as inet_ntop(AF_INET) writes it (decimal, no leading zeros),
 * without its sprintf: glibc's inet_ntop took 1,800 instructions a call,
 * about 3.9K a message of the benchmark. */
static void format_ipv4(const unsigned char v[4], char *out)
{
    char *o = out;
    for (int k = 0; k < 4; k++) {
        unsigned x = v[k];
        if (k) *o++ = '.';
        if (x >= 100) *o++ = (char)('0' + x / 100);
        if (x >= 10) *o++ = (char)('0' + x / 10 % 10);
        *o++ = (char)('0' + x % 10);
    }
    *o = '\0';
}

bool received_ip_valid(const char *p, size_t len, char *out)
{
    if (len >= 2 && p[0] == '[' && p[len - 1] == ']') {
        p++;
        len -= 2;
    }
    if (len > 5 && str_starts_ci(p, len, "IPv6:")) {
        p += 5;
        len -= 5;
    }
    unsigned char v4[4];
    if (memchr(p, ':', len) == NULL) {
        if (!parse_ipv4(p, len, v4)) return false;
    } else {
        char tmp[INET6_ADDRSTRLEN];
        unsigned char v6[16];
        if (len == 0 || len >= sizeof tmp || memchr(p, '\0', len)) return false;
        memcpy(tmp, p, len);
        tmp[len] = '\0';
        if (inet_pton(AF_INET6, tmp, v6) != 1) return false;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(v6, mapped, 12) != 0) {
            if (out && !inet_ntop(AF_INET6, v6, out, INET6_ADDRSTRLEN)) return false;
            return true;
        }
        memcpy(v4, v6 + 12, 4);
    }
    if (out) format_ipv4(v4, out);
    return true;
}

/* What the comments after the from value said. */
struct tcp_info {
    struct slice name; /* first word, a host name (rDNS) */
    struct slice helo; /* HELO x / helo=x */
    char ip[INET6_ADDRSTRLEN];
    bool have_ip;
    bool ip_first_bare;    /* the first comment starts with a bare IP (qmail, Exchange) */
    bool ip_first_bracket; /* ... with "[IP]" (Exim, Sendmail/IIS without rDNS) */
};

/* An IP from a word: "[1.2.3.4]", "[1.2.3.4]:25", "[IPv6:..]", "1.2.3.4",
 * "user@1.2.3.4", "2603:10a6::1". */
static bool word_ip(const char *p, size_t len, char *out, bool *bracket)
{
    *bracket = false;
    if (len > 0 && p[0] == '[') {
        const char *close = memchr(p, ']', len);
        if (!close) return false;
        *bracket = true;
        return received_ip_valid(p, (size_t)(close - p) + 1, out);
    }
    const char *at = memchr(p, '@', len);
    if (at) {
        len -= (size_t)(at + 1 - p);
        p = at + 1;
    }
    return received_ip_valid(p, len, out);
}

static void parse_tcp_info(const char *p, size_t len, bool first, struct tcp_info *ti)
{
    size_t i = 0;
    struct tok t;
    size_t w = 0;
    while (next_tok(p, len, &i, &t)) {
        if (t.comment) /* "(may be forged)" and the like */
            continue;
        size_t idx = w++;
        char ipbuf[INET6_ADDRSTRLEN];
        bool bracket;
        if (str_eq_ci(t.p, t.len, "HELO") || str_eq_ci(t.p, t.len, "EHLO")) {
            struct tok v;
            size_t save = i;
            if (next_tok(p, len, &i, &v) && !v.comment)
                ti->helo = (struct slice){v.p, v.len};
            else
                i = save;
            continue;
        }
        if (t.len > 5 && str_starts_ci(t.p, t.len, "helo=")) {
            ti->helo = (struct slice){t.p + 5, t.len - 5};
            continue;
        }
        if (str_starts_ci(t.p, t.len, "ident=") || str_starts_ci(t.p, t.len, "port=")) continue;
        if (word_ip(t.p, t.len, ipbuf, &bracket)) {
            if (!ti->have_ip) {
                memcpy(ti->ip, ipbuf, sizeof ipbuf);
                ti->have_ip = true;
            }
            if (first && idx == 0) {
                ti->ip_first_bare = !bracket;
                ti->ip_first_bracket = bracket;
            }
            continue;
        }
        if (first && idx == 0 && t.p[0] != '[') {
            struct slice n = {t.p, t.len};
            if (n.len > 6 && str_starts_ci(n.p, n.len, "IDENT:")) {
                n.p += 6;
                n.len -= 6;
            }
            const char *at = memrchr(n.p, '@', n.len);
            if (at) {
                n.len -= (size_t)(at + 1 - n.p);
                n.p = at + 1;
            }
            if (n.len > 1 && n.p[n.len - 1] == '.') n.len--;
            if (n.len > 0) ti->name = n;
        }
    }
}

struct tls_info {
    struct slice version, cipher;
    bool used;
};

static struct slice value_after(const char *p, size_t len, const char *key)
{
    const char *k = str_find_ci(p, len, key);
    if (!k) return (struct slice){NULL, 0};
    size_t i = (size_t)(k - p) + strlen(key), j = i;
    while (j < len && !is_ws((unsigned char)p[j]) && p[j] != ',' && p[j] != ')' && p[j] != ';')
        j++;
    return (struct slice){p + i, j - i};
}

static struct slice word_after(const char *p, size_t len, const char *key)
{
    const char *k = str_find_ci(p, len, key);
    if (!k) return (struct slice){NULL, 0};
    size_t i = (size_t)(k - p) + strlen(key);
    while (i < len && is_ws((unsigned char)p[i]))
        i++;
    size_t j = i;
    while (j < len && !is_ws((unsigned char)p[j]) && p[j] != '(' && p[j] != ')')
        j++;
    return (struct slice){p + i, j - i};
}

/* TLS facts in one comment. */
static void comment_tls(const char *p, size_t len, struct tls_info *tls)
{
    struct slice s = str_trim(p, len);
    if (str_starts_ci(s.p, s.len, "using ")) { /* Postfix */
        struct slice v = word_after(s.p, s.len, "using");
        if (v.len && !tls->version.len) tls->version = v;
        struct slice c = word_after(s.p, s.len, " cipher ");
        if (c.len && !tls->cipher.len) tls->cipher = c;
        tls->used = true;
        return;
    }
    if (str_eq_ci(s.p, s.len, "Google Transport Security")) {
        tls->used = true;
        return;
    }
    /* Exim: "(TLS1.3)", "(TLSv1.2)" right after "with esmtps". */
    if (s.len >= 4 && s.len <= 10 && str_starts_ci(s.p, s.len, "TLS") &&
        (ch_is_digit((unsigned char)s.p[3]) || s.p[3] == 'v' || s.p[3] == 'V')) {
        if (!tls->version.len) tls->version = s;
        tls->used = true;
        return;
    }
    struct slice v = value_after(s.p, s.len, "version=");
    struct slice c = value_after(s.p, s.len, "cipher=");
    if (v.len && !str_eq_ci(v.p, v.len, "NONE")) {
        if (!tls->version.len) tls->version = v;
        tls->used = true;
    }
    if (c.len && !str_eq_ci(c.p, c.len, "NONE")) {
        if (!tls->cipher.len) tls->cipher = c;
        tls->used = true;
    }
}

static bool with_means_tls(struct slice w)
{
    size_t n = w.len;
    if (n == 0) return false;
    if (n > 5 && (w.p[n - 1] == 'A' || w.p[n - 1] == 'a'))
        n--; /* ESMTPSA: the A is authentication */
    return (n >= 5 && (str_eq_ci(w.p + n - 5, 5, "SMTPS") || str_eq_ci(w.p + n - 5, 5, "LMTPS"))) ||
           str_eq_ci(w.p, n, "HTTPS");
}

static char *dup_slice(arena *a, struct slice s)
{
    return s.p ? arena_strndup(a, s.p, s.len) : NULL;
}

/* Index of the ';' that starts the date, or len. */
static size_t date_split(const char *p, size_t len)
{
    size_t last_top = len, last_any = len;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (c == '\\' && depth > 0 && i + 1 < len) {
            i++;
        } else if (c == '(') {
            depth++;
        } else if (c == ')') {
            if (depth > 0) depth--;
        } else if (c == ';') {
            last_any = i;
            if (depth == 0) last_top = i;
        }
    }
    return last_top != len ? last_top : last_any;
}

static void parse_date(const char *p, size_t len, struct received_hop *out)
{
    char tmp[256];
    struct slice s = str_trim(p, len);
    if (s.len == 0) return;
    if (s.len < sizeof tmp) {
        for (size_t i = 0; i < s.len; i++)
            tmp[i] = (s.p[i] == '\r' || s.p[i] == '\n' || s.p[i] == '\t') ? ' ' : s.p[i];
        s.p = tmp;
    }
    int64_t utc;
    int tz;
    if (date_parse(s.p, s.len, &utc, &tz) != DATE_INVALID) {
        out->date = utc;
        out->date_valid = true;
    }
}

struct clauses {
    struct slice from_word, by, id, for_addr;
    struct slice with[WITH_MAX_WORDS];
    size_t n_with;
    bool with_open;
    bool have_from, have_by;
    size_t n_from_comments;
    struct tcp_info ti;
    struct tls_info tls;
};

static bool is_lower_word(struct slice s)
{
    bool alpha = false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c >= 'A' && c <= 'Z') return false;
        if (c >= 'a' && c <= 'z') alpha = true;
    }
    return alpha;
}

static void assign_from(arena *a, const struct clauses *c, struct received_hop *out)
{
    const struct tcp_info *ti = &c->ti;
    char fw_ip[INET6_ADDRSTRLEN];
    bool fw_bracket = false;
    bool fw_is_ip =
        c->from_word.len && word_ip(c->from_word.p, c->from_word.len, fw_ip, &fw_bracket);
    bool microsoft = false;
    for (size_t i = 0; i < c->n_with; i++)
        if (str_find_ci(c->with[i].p, c->with[i].len, "Microsoft") ||
            str_find_ci(c->with[i].p, c->with[i].len, "SMTPSVC") ||
            str_eq_ci(c->with[i].p, c->with[i].len, "mapi"))
            microsoft = true;
    bool exim = c->n_with > 0 && is_lower_word(c->with[0]);

    struct slice helo = {NULL, 0}, rdns = {NULL, 0};
    struct slice fw = c->from_word;
    if (fw.len) {
        if (microsoft) {
            helo = fw;
            rdns = ti->name;
        } else if (ti->helo.len) {
            helo = ti->helo;
            if (!fw_is_ip) rdns = fw;
        } else if (ti->name.len) {
            helo = fw;
            rdns = ti->name;
        } else if (ti->ip_first_bare || (ti->ip_first_bracket && exim)) {
            if (!fw_is_ip) {
                rdns = fw;
                helo = fw;
            }
        } else {
            helo = fw;
        }
    } else {
        helo = ti->helo;
        rdns = ti->name;
    }
    if (rdns.len > 1 && rdns.p[rdns.len - 1] == '.') rdns.len--;
    out->from_helo = dup_slice(a, helo);
    out->from_rdns = dup_slice(a, rdns);
    if (ti->have_ip)
        out->from_ip = arena_strdup(a, ti->ip);
    else if (fw_is_ip)
        out->from_ip = arena_strdup(a, fw_ip);
}

static struct slice strip_addr(struct slice s)
{
    while (s.len && (s.p[s.len - 1] == ',' || s.p[s.len - 1] == ';'))
        s.len--;
    if (s.len >= 2 && s.p[0] == '<' && s.p[s.len - 1] == '>') {
        s.p++;
        s.len -= 2;
    }
    return s;
}

void received_parse(arena *a, const char *p, size_t len, struct received_hop *out)
{
    memset(out, 0, sizeof *out);
    size_t semi = date_split(p, len);
    if (semi < len) parse_date(p + semi + 1, len - semi - 1, out);

    struct clauses c;
    memset(&c, 0, sizeof c);
    enum clause state = C_NONE;
    bool expect = false; /* the next word is the clause's value */
    size_t i = 0, n_tok = 0;
    struct tok t;
    while (n_tok++ < RECEIVED_MAX_TOKENS && next_tok(p, semi, &i, &t)) {
        if (t.comment) {
            comment_tls(t.p, t.len, &c.tls);
            c.with_open = false;
            if (state == C_FROM && !expect) {
                parse_tcp_info(t.p, t.len, c.n_from_comments == 0, &c.ti);
                c.n_from_comments++;
            } else if (state == C_NONE && !c.have_from) {
                struct slice s = str_trim(t.p, t.len);
                if (s.len > 5 &&
                    str_starts_ci(s.p, s.len, "from ")) { /* Sendmail "(from user@host)" */
                    parse_tcp_info(s.p + 5, s.len - 5, true, &c.ti);
                    c.have_from = true;
                }
            }
            continue;
        }
        enum clause kw = C_NONE;
        for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
            if (str_eq_ci(t.p, t.len, keywords[k].word)) kw = keywords[k].c;
        /* "tls" is a keyword only where Exim puts it: after the with clause. */
        if (kw == C_TLS && c.n_with == 0) kw = C_NONE;
        if (kw != C_NONE && !(expect && kw == C_TLS)) {
            state = kw;
            expect = true;
            c.with_open = false;
            continue;
        }
        struct slice w = {t.p, t.len};
        if (state == C_WITH && c.with_open && c.n_with < WITH_MAX_WORDS) {
            c.with[c.n_with++] = w;
            continue;
        }
        if (!expect) continue;
        expect = false;
        switch (state) {
        case C_FROM:
            if (!c.have_from) {
                c.from_word = w;
                c.have_from = true;
            }
            break;
        case C_BY:
            if (!c.have_by) {
                c.by = w;
                c.have_by = true;
            }
            break;
        case C_WITH:
            if (c.n_with == 0) {
                c.with[c.n_with++] = w;
                c.with_open = true;
            }
            break;
        case C_ID:
            if (!c.id.len) c.id = strip_addr(w);
            break;
        case C_FOR:
            if (!c.for_addr.len) c.for_addr = strip_addr(w);
            break;
        case C_TLS:
            if (!c.tls.cipher.len) c.tls.cipher = w;
            c.tls.used = true;
            break;
        case C_VIA:
        case C_NONE:
            break;
        }
    }

    assign_from(a, &c, out);
    if (c.by.len) out->by = dup_slice(a, c.by);
    if (c.n_with) {
        size_t total = 0;
        for (size_t k = 0; k < c.n_with; k++)
            total += c.with[k].len + 1;
        char *w = arena_alloc(a, total);
        size_t o = 0;
        for (size_t k = 0; k < c.n_with; k++) {
            if (k) w[o++] = ' ';
            memcpy(w + o, c.with[k].p, c.with[k].len);
            o += c.with[k].len;
        }
        w[o] = '\0';
        out->with = w;
        if (with_means_tls(c.with[0])) c.tls.used = true;
    }
    if (c.id.len) out->id = dup_slice(a, c.id);
    if (c.for_addr.len) out->for_addr = dup_slice(a, c.for_addr);
    if (c.tls.version.len || c.tls.cipher.len) {
        /* "VERSION CIPHER" put together here: arena_printf took 1,200
         * instructions a hop that has it */
        struct slice v = c.tls.version, ci = c.tls.cipher;
        size_t sp = v.len && ci.len ? 1 : 0;
        char *ts = arena_alloc(a, v.len + sp + ci.len + 1);
        if (v.len) memcpy(ts, v.p, v.len);
        if (sp) ts[v.len] = ' ';
        if (ci.len) memcpy(ts + v.len + sp, ci.p, ci.len);
        ts[v.len + sp + ci.len] = '\0';
        out->tls = ts;
    }
    out->tls_used = c.tls.used;
    out->parsed = c.have_from || c.have_by;
}
