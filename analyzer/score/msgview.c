/* msgview — a parsed message as SpamAssassin 4.0's rules see it (see
 * msgview.h). Each view mirrors one SpamAssassin function:
 *
 *  header      PerMsgStatus::get() as Plugin::Check joins it for header
 *              rules (values already ending in "\n" joined with "", others
 *              with "\n"); Message::Node::header/_decode_header for the
 *              decoding (unfolding, 8-bit text as UTF-8 or Windows-1252,
 *              RFC 2047 words except in Received, Message-ID, Date,
 *              MIME-Version, References, In-Reply-To and List-*), raw_header
 *              for :raw, Util::parse_header_addresses (its internal parser)
 *              for :addr and :name; ALL, ALL-TRUSTED/UNTRUSTED/INTERNAL/
 *              EXTERNAL (get_all_hdrs_in_rcvd_index_range), ToCc, MESSAGEID,
 *              EnvelopeFrom (get_envelope_from), X-Spam-Relays-* and the
 *              metadata X-AuthorDomain / X-SenderDomain.
 *  body        Message::get_rendered_body_text_array: every leaf part of
 *              type text/plain or text/html (any text/ type other than
 *              html, calendar and x-vcard counts as text/plain, a name
 *              ending .htm(l) as html), decoded to Unicode as with
 *              normalize_charset on, HTML rendered by sahtml.c, each part
 *              cut near body_part_scan_size, parts joined with "\n",
 *              paragraphs (2+ newlines) kept, other white space collapsed,
 *              the Subject line first, lines cut at 2048 bytes.
 *  rawbody     Message::get_decoded_body_text_array: text and message leaf
 *              parts but text/calendar, transfer-decoded bytes, cut near
 *              rawbody_part_scan_size, split in 2-4 KB chunks.
 *  full        Message::get_pristine (the mbox From_ line removed).
 *  uri         PerMsgStatus::get_uri_list (urilist.c).
 *  mimeheader  Plugin::MIMEHeader: a part's last instance of the header,
 *              decoded (or raw), or ALL of its headers.
 *
 * Trust path of the Received chain (X-Spam-Relays-*, ALL-TRUSTED...): with
 * no trusted_networks configured SpamAssassin infers it: from the topmost
 * Received down, a relay is trusted (and internal) while its client IP is
 * private (10/8, 127/8, 169.254/16, 172.16/12, 192.168/16, 100.64/10, IPv6
 * link-local/ULA/loopback) or the hop was authenticated; the first other
 * relay ends the trusted part. Each Received field is read by rcvd_parse,
 * our own reading of the MTA dialects Message::Metadata::Received knows
 * (Postfix, sendmail, Exim, qmail, Exchange, generic forms; mail fetchers
 * skipped), plus the synthetic relay of X-Originating-IP style headers.
 *
 * Known differences: the MIME tree is mail/mime.c's (SpamAssassin's
 * differs on malformed boundaries and header blocks); header values are cut
 * at 8192 bytes but ALL is not cut at 64 KB; Email::Address::XS (which
 * SpamAssassin consults when its own parser finds fewer addresses than
 * commas) is not emulated; :domain uses the last two labels (three under a
 * two-letter ccTLD with a short second level) instead of the util_rb_2tld
 * lists; more than 20 consecutive blank lines are not merged.
 *
 * Caching: header values by (name, modifier) in an open-addressing table;
 * body, rawbody and URIs built once. Everything lives in the view's arena. */
#include "score/msgview.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "score/sahtml.h"
#include "score/urilist.h"
#include "util/charset.h"
#include "util/str.h"

#define MAX_HEADER_VALUE 8192u
#define MAX_HEADER_KEY 256u
#define MAX_BODY_LINE 2048u
#define MAX_RESULTS 256 /* values one get() returns (addresses of a header...) */
/* Header values whose address parse is kept for the rest of the message: the
 * rules read From:addr and From:name (To, Cc, Reply-To...) separately, and
 * each read parsed the value again (apply_mods about 23,000 instructions a
 * message, callgrind). 16 values hold the usual address fields (From, To,
 * Cc, Reply-To, Sender, Return-Path...); values beyond are parsed each time
 * as before. Memory: 16 copies of values and their parses, per message. */
#define ADDR_MEMO_MAX 16
#define ADDR_PARSE_MAX 64 /* addresses taken from one header value */

/* ---------------------------------------------------------------------- */
/* private state */

struct hent {
    const char *name;    /* NULL: empty slot */
    uint64_t head, tail; /* first and last 8 bytes of the name (zero-padded) */
    uint32_t name_len;
    uint32_t hash;
    int part; /* -1: message header; else mimeheader of that part */
    enum rule_hdr_mod mod;
    const struct mv_text *val;
};

struct field {
    const char *name; /* as written, WSP before the colon stripped, <= 256 bytes */
    size_t name_len;
    uint32_t lhash; /* of the lowercased name (name_hash) */
    char *raw;      /* raw_header value: after the colon, line ends as LF, final LF */
    size_t raw_len;
    char *dec; /* header() value, lazily */
    size_t dec_len;
    bool dec_done;
};

struct fieldset {
    struct field *f;
    size_t n;
    bool done;
    bool sa;           /* split by sa_fields: a message root */
    size_t body_off;   /* (sa) where its body starts, relative to the root */
    size_t hdr_end;    /* (sa) end of its header block (separator included) */
    uint64_t bloom[2]; /* bit lhash % 128 of each field's name: a quick "absent" */
};

static void bloom_add(struct fieldset *fs, uint32_t h)
{
    fs->bloom[(h >> 6) & 1] |= 1ull << (h & 63);
}

static bool bloom_has(const struct fieldset *fs, uint32_t h)
{
    return (fs->bloom[(h >> 6) & 1] >> (h & 63)) & 1;
}

struct relay {
    const char *ip, *rdns, *helo, *by, *ident, *envfrom, *id, *auth;
    bool priv, internal;
};

struct addr_res {
    const char *phrase; /* NULL: none */
    size_t phrase_len;
    const char *address;
    size_t address_len;
};

struct priv {
    /* the look-up cache: open addressing over pointers to entries allocated
     * one by one (an entry never moves). A table of the 48-byte entries
     * themselves, zeroed at 128, 256 and 512 slots as it grew, was 9,300
     * instructions of memset a message and most of its D1 misses. */
    struct hent **tab;
    size_t cap, n;
    bool crlf;        /* SpamAssassin's CRLF mode (first or last line ends CRLF) */
    size_t mbox_skip; /* bytes of the mbox From_ line */
    struct fieldset top;
    struct fieldset *parts; /* per MIME part, lazily */
    /* relays */
    bool relays_done;
    struct mv_text relay_str[4]; /* trusted, untrusted, internal, external */
    /* the trusted and untrusted relays field by field (msgview_relays);
     * relays_exact false when one cannot be read back from its string */
    struct mv_relay *rl[2];
    size_t n_rl[2], cap_rl[2];
    bool relays_exact;
    long last_trusted, last_internal;
    const char *untrusted0_envfrom; /* envfrom of the first untrusted relay */
    bool has_untrusted0;
    const char *trusted_last_envfrom;
    bool has_trusted_last;
    bool full_done;
    struct mv_text full;
    bool ph_done;
    struct mv_text ph; /* pristine header block */
    struct urilist uris;
    struct mv_text *dec;               /* decoded bytes per MIME part, lazily */
    struct mv_text *all_dec, *all_raw; /* ALL lines, lazily */
    size_t n_all_dec, n_all_raw;
    /* parse_addresses results by value (a copy of the value is the key) */
    struct addr_memo {
        const char *val;
        size_t val_len;
        struct addr_res *ar;
        size_t n;
    } addr_memo[ADDR_MEMO_MAX];
    size_t n_addr_memo;
};

static struct priv *P(struct msgview *v)
{
    return v->priv;
}

/* ---------------------------------------------------------------------- */
/* small string helpers */

struct sb {
    arena *a;
    char *p;
    size_t len, cap;
};

static void sb_put(struct sb *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t nc = b->cap ? b->cap * 2 : 64;
        while (nc < b->len + n + 1)
            nc *= 2;
        char *np = arena_alloc(b->a, nc);
        if (b->len) memcpy(np, b->p, b->len);
        b->p = np;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}

static inline void sb_putc(struct sb *b, char c)
{
    if (b->len + 2 <= b->cap) {
        b->p[b->len++] = c;
        b->p[b->len] = 0;
        return;
    }
    sb_put(b, &c, 1);
}

static void sb_init(struct sb *b, arena *a)
{
    b->a = a;
    b->p = NULL;
    b->len = b->cap = 0;
    sb_put(b, "", 0);
}

static bool is_sp(unsigned char c) /* Perl \s on bytes */
{
    return ch_is_space(c);
}

static struct mv_text *mvt(arena *a, const char *p, size_t n)
{
    struct mv_text *t = arena_alloc(a, sizeof *t);
    t->p = p;
    t->len = n;
    return t;
}

/* a case-insensitive hash of a header name */
/* a hash of a field name, ASCII case folded (bit 0x20 set in every byte:
 * names that differ only in case hash alike), 8 bytes at a time */
static uint32_t name_hash(const char *p, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15u ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        h = (h ^ (w | 0x2020202020202020u)) * 0xff51afd7ed558ccdu;
        h ^= h >> 32;
    }
    uint64_t w = 0;
    for (unsigned k = 0; i < n; i++, k += 8)
        w |= (uint64_t)((unsigned char)p[i] | 0x20) << k;
    h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
    h ^= h >> 29;
    return (uint32_t)h;
}

static bool name_eq(const char *a, size_t al, const char *b, size_t bl)
{
    if (al != bl) return false;
    for (size_t i = 0; i < al; i++)
        if (ch_lower((unsigned char)a[i]) != ch_lower((unsigned char)b[i])) return false;
    return true;
}

/* ---------------------------------------------------------------------- */
/* character sets */

/* Perl's strict UTF-8 (Encode 'UTF-8' with FB_CROAK): no overlongs, no
 * surrogates, nothing above U+10FFFF */
static bool valid_utf8(const char *p, size_t n)
{
    return str_is_utf8(p, n);
}

/* Windows-1252 to UTF-8, the five undefined bytes as U+FFFD (Encode's
 * cp1252 without a check). */
static char *cp1252(arena *a, const char *p, size_t n, size_t *out)
{
    char *o;
    size_t ol;
    charset_to_utf8(a, "windows-1252", 12, p, n, &o, &ol);
    *out = ol;
    return o;
}

static bool ascii_charset(const char *cs, size_t n)
{
    /* (?:US-)?ASCII | ANSI[_ ]?X3.4-(1986|1968) | ISO646-US */
    if (str_eq_ci(cs, n, "us-ascii") || str_eq_ci(cs, n, "ascii") || str_eq_ci(cs, n, "iso646-us"))
        return true;
    if (str_starts_ci(cs, n, "ansi")) {
        size_t i = 4;
        if (i < n && (cs[i] == '_' || cs[i] == ' ')) i++;
        return str_eq_ci(cs + i, n - i, "x3.4-1986") || str_eq_ci(cs + i, n - i, "x3.4-1968");
    }
    return false;
}

/* ISO[ -]?8859(-\d{1,2})? | Windows-\d{4} | UTF-?8 | (KOI8|EUC)-[A-Z]{1,2} |
 * Big5 | GBK | GB[ -]?18030(-20\d\d)? */
static bool ext_ascii_charset(const char *cs, size_t n)
{
    if (str_starts_ci(cs, n, "iso")) {
        size_t i = 3;
        if (i < n && (cs[i] == ' ' || cs[i] == '-')) i++;
        if (!str_starts_ci(cs + i, n - i, "8859")) return false;
        i += 4;
        if (i == n) return true;
        if (cs[i] != '-') return false;
        size_t d = 0;
        while (i + 1 + d < n && ch_is_digit((unsigned char)cs[i + 1 + d]))
            d++;
        return d >= 1 && d <= 2 && i + 1 + d == n;
    }
    if (str_starts_ci(cs, n, "windows-")) {
        if (n != 12) return false;
        for (size_t i = 8; i < 12; i++)
            if (!ch_is_digit((unsigned char)cs[i])) return false;
        return true;
    }
    if (str_eq_ci(cs, n, "utf-8") || str_eq_ci(cs, n, "utf8") || str_eq_ci(cs, n, "big5") ||
        str_eq_ci(cs, n, "gbk"))
        return true;
    if (str_starts_ci(cs, n, "koi8-") || str_starts_ci(cs, n, "euc-")) {
        size_t i = str_starts_ci(cs, n, "koi8-") ? 5 : 4;
        size_t l = n - i;
        if (l < 1 || l > 2) return false;
        for (size_t k = i; k < n; k++)
            if (!ch_is_alpha((unsigned char)cs[k])) return false;
        return true;
    }
    if (str_starts_ci(cs, n, "gb")) {
        size_t i = 2;
        if (i < n && (cs[i] == ' ' || cs[i] == '-')) i++;
        if (!str_starts_ci(cs + i, n - i, "18030")) return false;
        i += 5;
        if (i == n) return true;
        return n - i == 5 && cs[i] == '-' && cs[i + 1] == '2' && cs[i + 2] == '0' &&
               ch_is_digit((unsigned char)cs[i + 3]) && ch_is_digit((unsigned char)cs[i + 4]);
    }
    return false;
}

/* Message::Node::_normalize(bytes, charset, return_decoded=1) with
 * normalize_charset on: the text as UTF-8; *wide tells whether Perl holds
 * it as characters (false: the bytes were returned as they are). */
static const char *normalize_text(arena *a, const char *p, size_t n, const char *cs, size_t csl,
                                  size_t *out, bool *wide)
{
    bool ascii = str_is_ascii(p, n);
    if (ascii && (ascii_charset(cs, csl) || ext_ascii_charset(cs, csl))) {
        *out = n;
        *wide = false;
        return p;
    }
    *wide = true;
    if (!ascii && valid_utf8(p, n)) {
        *out = n;
        return p;
    }
    char *o;
    size_t ol;
    if (str_eq_ci(cs, csl, "utf-8") || str_eq_ci(cs, csl, "utf8") || ascii_charset(cs, csl) ||
        str_eq_ci(cs, csl, "iso-8859-1") || str_eq_ci(cs, csl, "iso8859-1") ||
        str_eq_ci(cs, csl, "windows-1252") || str_eq_ci(cs, csl, "cp1252")) {
        /* UTF-8 failed already (or is what was declared); Latin-1 labels
         * mean Windows-1252; what it cannot decode falls back to it too */
        return cp1252(a, p, n, out);
    }
    if (str_starts_ci(cs, csl, "iso-2022-jp") && !ascii) {
        /* Encode's ISO-2022-JP decoder stops at the first 8-bit byte */
        size_t k = 0;
        while (k < n && (unsigned char)p[k] < 0x80)
            k++;
        n = k;
    }
    enum charset_rc rc = charset_to_utf8(a, cs, csl, p, n, &o, &ol);
    if (rc == CHARSET_UNKNOWN || rc == CHARSET_BAD_BYTES) {
        if (ascii && rc == CHARSET_UNKNOWN) {
            *wide = false;
            *out = n;
            return p;
        }
        return cp1252(a, p, n, out);
    }
    *out = ol;
    return o;
}

/* _normalize(bytes, charset, 0, insist=1) for an RFC 2047 word */
static void normalize_word(arena *a, const char *p, size_t n, const char *cs, size_t csl,
                           struct sb *o)
{
    bool ascii = str_is_ascii(p, n);
    if (ascii && (ascii_charset(cs, csl) || ext_ascii_charset(cs, csl))) {
        sb_put(o, p, n);
        return;
    }
    char *r;
    size_t rl;
    enum charset_rc rc = charset_to_utf8(a, cs, csl, p, n, &r, &rl);
    if (rc == CHARSET_UNKNOWN) {
        if (ascii) {
            sb_put(o, p, n);
            return;
        }
        r = cp1252(a, p, n, &rl);
    }
    sb_put(o, r, rl);
}

/* ---------------------------------------------------------------------- */
/* header decoding (Message::Node::header, _decode_header) */

static size_t b64_decode(const char *p, size_t n, char *o)
{
    uint32_t acc = 0;
    int bits = 0;
    size_t k = 0;
    size_t end = n;
    while (end > 0 && (p[end - 1] == '=' || is_sp((unsigned char)p[end - 1])))
        end--;
    for (size_t i = 0; i < end; i++) {
        unsigned char c = (unsigned char)p[i];
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            v = 0; /* inner padding counts as 'A' */
        else
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            o[k++] = (char)((acc >> bits) & 0xFF);
        }
    }
    return k;
}

/* qp_decode of an encoded word's Q text ("_" is "=20" first) */
static size_t q_decode(const char *p, size_t n, char *o)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '_') {
            o[k++] = ' ';
        } else if (c == '=' && i + 2 < n && ch_is_xdigit((unsigned char)p[i + 1]) &&
                   ch_is_xdigit((unsigned char)p[i + 2])) {
            o[k++] = (char)(ch_hexval((unsigned char)p[i + 1]) * 16 +
                            ch_hexval((unsigned char)p[i + 2]));
            i += 2;
        } else {
            o[k++] = c;
        }
    }
    return k;
}

/* =?charset?[bq]?text?= at p; returns its length or 0 */
static size_t enc_word(const char *p, size_t n, size_t *cs_b, size_t *cs_l, char *enc, size_t *tx_b,
                       size_t *tx_l)
{
    if (n < 7 || p[0] != '=' || p[1] != '?') return 0;
    size_t i = 2;
    while (i < n && (ch_is_alnum((unsigned char)p[i]) || p[i] == '*' || p[i] == '_' || p[i] == '-'))
        i++;
    if (i == 2 || i + 2 >= n || p[i] != '?') return 0;
    char e = (char)ch_lower((unsigned char)p[i + 1]);
    if ((e != 'b' && e != 'q') || p[i + 2] != '?') return 0;
    size_t t = i + 3;
    size_t j = t;
    while (j < n && p[j] != '?')
        j++;
    if (j + 1 >= n || p[j + 1] != '=') return 0;
    *cs_b = 2;
    *cs_l = i - 2;
    *enc = e;
    *tx_b = t;
    *tx_l = j - t;
    return j + 2;
}

static bool header_exempt(const char *name, size_t n)
{
    unsigned char c = ch_lower((unsigned char)(n ? name[0] : 0));
    if (c != 'r' && c != 'm' && c != 'd' && c != 'i' && c != 'l') return false;
    return str_eq_ci(name, n, "received") || str_eq_ci(name, n, "message-id") ||
           str_eq_ci(name, n, "resent-message-id") || str_eq_ci(name, n, "date") ||
           str_eq_ci(name, n, "resent-date") || str_eq_ci(name, n, "mime-version") ||
           str_eq_ci(name, n, "references") || str_eq_ci(name, n, "in-reply-to") ||
           str_starts_ci(name, n, "list-");
}

/* _decode_header(value, name): folding, line ends, 8-bit text, RFC 2047 */
static char *decode_header(arena *a, const char *p, size_t n, bool exempt, size_t *out)
{
    /* s/\n[ \t]/\n /g; s/\r?\n//g */
    const char *s = p;
    size_t sl = n;
    if (memchr(p, '\n', n)) {
        char *o = arena_alloc(a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (p[i] == '\n') continue;
            if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') continue;
            o[k++] = (p[i] == '\t' && i > 0 && p[i - 1] == '\n') ? ' ' : p[i];
        }
        o[k] = 0;
        s = o;
        sl = k;
    }
    if (!str_is_ascii(s, sl) && !valid_utf8(s, sl)) s = cp1252(a, s, sl, &sl);
    if (exempt || !memmem(s, sl, "=?", 2)) {
        *out = sl;
        if (s == p) return arena_strndup(a, p, n);
        return (char *)s;
    }
    /* drop white space between adjacent encoded words */
    struct sb c;
    sb_init(&c, a);
    size_t csb, csl, txb, txl;
    char enc;
    for (size_t i = 0; i < sl;) {
        size_t w = s[i] == '=' ? enc_word(s + i, sl - i, &csb, &csl, &enc, &txb, &txl) : 0;
        if (w) {
            sb_put(&c, s + i, w);
            size_t j = i + w;
            size_t k = j;
            while (k < sl && is_sp((unsigned char)s[k]))
                k++;
            if (k > j && k < sl && s[k] == '=' &&
                enc_word(s + k, sl - k, &csb, &csl, &enc, &txb, &txl))
                j = k;
            i = j;
        } else {
            sb_putc(&c, s[i]);
            i++;
        }
    }
    /* sections; adjacent ones of the same charset label are merged before
     * transcoding (words may split a multi-byte character) */
    struct sb o;
    sb_init(&o, a);
    struct sb sect;
    sb_init(&sect, a);
    const char *cur_cs = NULL; /* NULL: plain text */
    size_t cur_csl = 0;
    bool have = false;
    char *tmp = arena_alloc(a, c.len + 1);
#define FLUSH()                                                                                    \
    do {                                                                                           \
        if (have) {                                                                                \
            if (!cur_cs) {                                                                         \
                sb_put(&o, sect.p, sect.len);                                                      \
            } else {                                                                               \
                size_t l = 0;                                                                      \
                while (l < cur_csl && cur_cs[l] != '*')                                            \
                    l++;                                                                           \
                normalize_word(a, sect.p, sect.len, cur_cs, l, &o);                                \
            }                                                                                      \
        }                                                                                          \
        sect.len = 0;                                                                              \
        sect.p[0] = 0;                                                                             \
        have = false;                                                                              \
    } while (0)
    for (size_t i = 0; i < c.len;) {
        const char *q = c.p + i;
        size_t w = *q == '=' ? enc_word(q, c.len - i, &csb, &csl, &enc, &txb, &txl) : 0;
        if (w) {
            const char *cs = q + csb;
            if (!(have && cur_cs && name_eq(cur_cs, cur_csl, cs, csl))) {
                FLUSH();
                cur_cs = cs;
                cur_csl = csl;
            }
            size_t dl = enc == 'b' ? b64_decode(q + txb, txl, tmp) : q_decode(q + txb, txl, tmp);
            sb_put(&sect, tmp, dl);
            have = true;
            i += w;
        } else {
            size_t j = i + 1;
            if (*q != '=')
                while (j < c.len && c.p[j] != '=')
                    j++;
            if (have && cur_cs) FLUSH();
            cur_cs = NULL;
            sb_put(&sect, q, j - i);
            have = true;
            i = j;
        }
    }
    FLUSH();
#undef FLUSH
    *out = o.len;
    return o.p;
}

/* header(): unfold, trim, decode */
static char *header_value(arena *a, const char *name, size_t nl, const char *raw, size_t rl,
                          size_t *out)
{
    /* s/\n[ \t]+/ /g */
    char *o = arena_alloc(a, rl + 1);
    size_t k = 0;
    for (size_t i = 0; i < rl; i++) {
        if (raw[i] == '\n' && i + 1 < rl && (raw[i + 1] == ' ' || raw[i + 1] == '\t')) {
            o[k++] = ' ';
            while (i + 1 < rl && (raw[i + 1] == ' ' || raw[i + 1] == '\t'))
                i++;
            continue;
        }
        o[k++] = raw[i];
    }
    size_t s = 0, e = k;
    while (e > s && is_sp((unsigned char)o[e - 1]))
        e--;
    while (s < e && is_sp((unsigned char)o[s]))
        s++;
    return decode_header(a, o + s, e - s, header_exempt(name, nl), out);
}

/* ---------------------------------------------------------------------- */
/* header fields */

/* raw_header value of a field: after the colon (for MIME part headers the
 * white space after it dropped), line ends LF in CRLF mode, the final line
 * end kept, cut at 8192 bytes */
static char *field_raw(arena *a, const struct hdr_field *f, const char *base, size_t base_len,
                       bool crlf, bool top, size_t *out)
{
    const char *p = f->value.p;
    size_t n = f->value.len;
    const char *after = f->value.p + f->value.len;
    size_t rest = (size_t)(base + base_len - after);
    struct sb b;
    sb_init(&b, a);
    for (size_t i = 0; i < n; i++) {
        if (crlf && p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') continue;
        sb_putc(&b, p[i]);
    }
    if (rest >= 2 && after[0] == '\r' && after[1] == '\n')
        sb_put(&b, crlf ? "\n" : "\r\n", crlf ? 1 : 2);
    else if (rest >= 1 && after[0] == '\n')
        sb_putc(&b, '\n');
    else if (!top)
        sb_putc(&b, '\n'); /* the part's last header line before its body */
    size_t l = b.len;
    if (top && l > MAX_HEADER_VALUE) l = MAX_HEADER_VALUE;
    b.p[l] = 0;
    if (!top) {
        /* split(/:\s*\/, ...): the white space after the colon goes, line
         * ends included */
        size_t k = 0;
        while (k < l && is_sp((unsigned char)b.p[k]))
            k++;
        *out = l - k;
        return b.p + k;
    }
    *out = l;
    return b.p;
}

/* Message::new's header loop: the fields of a message (top level or the
 * body of a message/rfc822 part) as SpamAssassin splits them, and where its
 * body starts. Up to three lines that are not fields are kept (as fields
 * when they hold a colon); a fourth, or a line starting "--", starts the
 * body; so does the first empty line (consumed). In CRLF mode line ends
 * become LF in values. */
static void sa_fields(struct msgview *v, struct fieldset *fs, const char *p, size_t n, size_t start,
                      size_t *body_off, size_t *hdr_end)
{
    bool crlf = P(v)->crlf;
    size_t cap = 16;
    fs->f = arena_zalloc(v->a, cap * sizeof *fs->f);
    fs->n = 0;
    int errors = 0;
    size_t hs = SIZE_MAX, he = 0; /* the field being collected */
    size_t i = start;
    *body_off = n;
    *hdr_end = n;
    for (;;) {
        bool eof = i >= n;
        size_t ls = i, le = n;
        if (!eof) {
            const char *nl = memchr(p + i, '\n', n - i);
            le = nl ? (size_t)(nl - p) + 1 : n;
        }
        if (!eof && (p[ls] == ' ' || p[ls] == '\t')) {
            if (hs == SIZE_MAX) hs = ls;
            he = le;
            i = le;
            continue;
        }
        if (hs != SIZE_MAX) {
            const char *c = memchr(p + hs, ':', he - hs);
            if (c) {
                size_t kl = (size_t)(c - (p + hs));
                while (kl > 0 && (p[hs + kl - 1] == ' ' || p[hs + kl - 1] == '\t'))
                    kl--;
                if (kl > MAX_HEADER_KEY) kl = MAX_HEADER_KEY;
                if (fs->n == cap) fs->f = arena_grow(v->a, fs->f, &cap, fs->n + 1, sizeof *fs->f);
                struct field *f = &fs->f[fs->n++];
                memset(f, 0, sizeof *f);
                f->name = p + hs;
                f->name_len = kl;
                f->lhash = name_hash(f->name, kl);
                bloom_add(fs, f->lhash);
                const char *vs = c + 1;
                size_t vl = (size_t)(p + he - vs);
                char *o = arena_alloc(v->a, vl + 1);
                size_t l = 0;
                if (crlf) {
                    for (size_t k = 0; k < vl; k++) {
                        if (vs[k] == '\r' && k + 1 < vl && vs[k + 1] == '\n') continue;
                        o[l++] = vs[k];
                    }
                } else {
                    memcpy(o, vs, vl);
                    l = vl;
                }
                if (l > MAX_HEADER_VALUE) l = MAX_HEADER_VALUE;
                o[l] = 0;
                f->raw = o;
                f->raw_len = l;
            }
            hs = SIZE_MAX;
        }
        if (eof) break;
        size_t ll = le - ls;
        bool blank =
            (ll == 1 && p[ls] == '\n') || (crlf && ll == 2 && p[ls] == '\r' && p[ls + 1] == '\n');
        if (blank) {
            *body_off = le;
            *hdr_end = le;
            return;
        }
        if (ll >= 2 && p[ls] == '-' && p[ls + 1] == '-') {
            *body_off = ls;
            *hdr_end = ls;
            return;
        }
        /* ^[\041-\071\073-\176]+[ \t]*: */
        size_t k = ls;
        while (k < le && (unsigned char)p[k] >= 0x21 && (unsigned char)p[k] <= 0x7E && p[k] != ':')
            k++;
        bool field = k > ls;
        if (field) {
            while (k < le && (p[k] == ' ' || p[k] == '\t'))
                k++;
            field = k < le && p[k] == ':';
        }
        if (!field && ++errors > 3) {
            *body_off = ls;
            *hdr_end = ls;
            return;
        }
        hs = ls;
        he = le;
        i = le;
    }
}

static void fields_build(struct msgview *v, struct fieldset *fs, const struct hdr_block *h,
                         const char *base, size_t base_len, bool top)
{
    if (fs->done) return;
    fs->done = true;
    fs->n = h->n;
    fs->f = arena_zalloc(v->a, (h->n ? h->n : 1) * sizeof *fs->f);
    for (size_t i = 0; i < h->n; i++) {
        struct field *f = &fs->f[i];
        f->name = h->f[i].name.p;
        f->name_len = h->f[i].name.len > MAX_HEADER_KEY ? MAX_HEADER_KEY : h->f[i].name.len;
        f->lhash = name_hash(f->name, f->name_len);
        bloom_add(fs, f->lhash);
        f->raw = field_raw(v->a, &h->f[i], base, base_len, P(v)->crlf, top, &f->raw_len);
    }
}

static const char *field_dec(struct msgview *v, struct field *f, size_t *len)
{
    if (!f->dec_done) {
        f->dec = header_value(v->a, f->name, f->name_len, f->raw, f->raw_len, &f->dec_len);
        f->dec_done = true;
    }
    *len = f->dec_len;
    return f->dec;
}

static struct fieldset *top_fields(struct msgview *v)
{
    struct fieldset *fs = &P(v)->top;
    if (!fs->done) {
        fs->done = true;
        fs->sa = true;
        sa_fields(v, fs, v->m->raw, v->m->raw_len, P(v)->mbox_skip, &fs->body_off, &fs->hdr_end);
    }
    return fs;
}

/* ---------------------------------------------------------------------- */
/* results of get(): a list of strings */

struct res {
    struct mv_text v[MAX_RESULTS];
    size_t n;
};

static void res_add(struct res *r, const char *p, size_t n)
{
    if (r->n < MAX_RESULTS) r->v[r->n++] = (struct mv_text){p, n};
}

/* *r = *o, but only the values there are: the whole struct is 4 KB
 * (apply_mods copied it five times a message, 350 D1 misses) */
static void res_copy(struct res *r, const struct res *o)
{
    memcpy(r->v, o->v, o->n * sizeof *o->v);
    r->n = o->n;
}

enum gmode { G_DEC, G_RAW, G_RAWC };

/* get_header / raw_header / get_header(name, 1): every instance */
static void get_values_h(struct msgview *v, struct fieldset *fs, const char *name, size_t nl,
                         uint32_t h, enum gmode mode, struct res *r);

static void get_values(struct msgview *v, struct fieldset *fs, const char *name, size_t nl,
                       enum gmode mode, struct res *r)
{
    get_values_h(v, fs, name, nl, name_hash(name, nl), mode, r);
}

/* get_values with h = name_hash(name, nl) known */
static void get_values_h(struct msgview *v, struct fieldset *fs, const char *name, size_t nl,
                         uint32_t h, enum gmode mode, struct res *r)
{
    if (!bloom_has(fs, h)) return;
    for (size_t i = 0; i < fs->n; i++) {
        struct field *f = &fs->f[i];
        if (f->lhash != h || !name_eq(f->name, f->name_len, name, nl)) continue;
        if (mode == G_RAW) {
            res_add(r, f->raw, f->raw_len);
        } else if (mode == G_RAWC) {
            /* s/\r?\n\s+/ /g */
            struct sb b;
            sb_init(&b, v->a);
            for (size_t k = 0; k < f->raw_len; k++) {
                size_t nlp = k;
                if (f->raw[nlp] == '\r' && nlp + 1 < f->raw_len && f->raw[nlp + 1] == '\n') nlp++;
                if (f->raw[nlp] == '\n' && nlp + 1 < f->raw_len &&
                    is_sp((unsigned char)f->raw[nlp + 1])) {
                    size_t e = nlp + 1;
                    while (e < f->raw_len && is_sp((unsigned char)f->raw[e]))
                        e++;
                    sb_putc(&b, ' ');
                    k = e - 1;
                    continue;
                }
                sb_putc(&b, f->raw[k]);
            }
            res_add(r, b.p, b.len);
        } else {
            size_t dl;
            const char *d = field_dec(v, f, &dl);
            char *o = arena_alloc(v->a, dl + 2);
            memcpy(o, d, dl);
            o[dl] = '\n';
            o[dl + 1] = 0;
            res_add(r, o, dl + 1);
        }
    }
}

/* ---------------------------------------------------------------------- */
/* addresses: Util::_parse_header_addresses (SpamAssassin's own parser) */

static bool not_user_char(unsigned char c)
{
    return c == '@' || is_sp(c) || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' ||
           c == ']' || c == ',' || c == ':' || c == ';';
}
static bool not_domain_char(unsigned char c)
{
    return c == '"' || is_sp(c) || c == '<' || c == '>' || c == '(' || c == ')' || c == '[' ||
           c == ']' || c == ',' || c == ':' || c == ';';
}

/* a quoted string "..." at i (backslash escapes; dotall: escapes may take
 * any character); returns the position after the closing quote or 0 */
static size_t quoted_at(const char *s, size_t n, size_t i, bool dotall)
{
    if (i >= n || s[i] != '"') return 0;
    size_t k = i + 1;
    while (k < n) {
        if (s[k] == '"') return k + 1;
        if (s[k] == '\\') {
            if (k + 1 >= n || (!dotall && s[k + 1] == '\n')) return 0;
            k += 2;
            continue;
        }
        k++;
    }
    return 0;
}

/* the e-mail pattern of SpamAssassin's parser at i; returns its end or 0 */
static size_t mailre_at(const char *s, size_t n, size_t i)
{
    size_t u = quoted_at(s, n, i, false);
    if (!(u && u < n && s[u] == '@')) {
        u = i;
        while (u < n && !not_user_char((unsigned char)s[u]))
            u++;
        if (u == i || u >= n || s[u] != '@') return 0;
    }
    size_t d = u + 1;
    if (d < n && s[d] == '[') {
        size_t k = d + 1;
        while (k < n && (ch_is_digit((unsigned char)s[k]) || s[k] == ':' || s[k] == '.'))
            k++;
        if (k > d + 1 && k < n && s[k] == ']') return k + 1;
        return 0;
    }
    size_t k = d;
    while (k < n && !not_domain_char((unsigned char)s[k]))
        k++;
    return k > d ? k : 0;
}

static bool mailre_full(const char *s, size_t n)
{
    size_t e = mailre_at(s, n, 0);
    return e && (e == n || (e + 1 == n && s[e] == '\n'));
}

/* phrase items: quoted strings or runs of [^",;<]; maximal */
static size_t phrase_items(const char *s, size_t n, size_t i)
{
    size_t k = i;
    for (;;) {
        if (k < n && s[k] == '"') {
            size_t q = quoted_at(s, n, k, false);
            if (!q) break;
            k = q;
        } else if (k < n && s[k] != ',' && s[k] != ';' && s[k] != '<') {
            while (k < n && s[k] != '"' && s[k] != ',' && s[k] != ';' && s[k] != '<')
                k++;
        } else {
            break;
        }
    }
    return k;
}

static size_t skip_sp(const char *s, size_t n, size_t i)
{
    while (i < n && is_sp((unsigned char)s[i]))
        i++;
    return i;
}

/* (?:\s*\(comment\))?\s*(?:[,;]|\z): returns the end or SIZE_MAX */
static size_t tail_at(const char *s, size_t n, size_t i, size_t *cb, size_t *cl)
{
    size_t c = skip_sp(s, n, i);
    if (c < n && s[c] == '(') {
        size_t k = c + 1;
        while (k < n && s[k] != '(' && s[k] != ')') {
            if (s[k] == '\\') {
                if (k + 1 >= n || s[k + 1] == '\n') break;
                k += 2;
                continue;
            }
            k++;
        }
        if (k < n && s[k] == ')') {
            size_t e = skip_sp(s, n, k + 1);
            if (e == n || s[e] == ',' || s[e] == ';') {
                *cb = c + 1;
                *cl = k - c - 1;
                return e == n ? e : e + 1;
            }
        }
    }
    *cl = SIZE_MAX;
    size_t e = skip_sp(s, n, i);
    if (e == n) return e;
    if (s[e] == ',' || s[e] == ';') return e + 1;
    return SIZE_MAX;
}

/* \s*<\s*(?:(?:"q")?\S+|\s*)\s*> at i; returns the end or 0 */
static size_t enclosure_at(const char *s, size_t n, size_t i)
{
    size_t k = skip_sp(s, n, i);
    if (k >= n || s[k] != '<') return 0;
    k = skip_sp(s, n, k + 1);
    size_t starts[2];
    size_t ns = 0;
    size_t q = quoted_at(s, n, k, false);
    if (q) starts[ns++] = q;
    starts[ns++] = k;
    for (size_t si = 0; si < ns; si++) {
        size_t t = starts[si];
        size_t run = t;
        while (run < n && !is_sp((unsigned char)s[run]))
            run++;
        if (run > t) {
            size_t e = skip_sp(s, n, run);
            if (e < n && s[e] == '>') return e + 1;
            for (size_t u = run - 1; u > t; u--)
                if (s[u] == '>') return u + 1;
        }
    }
    if (k < n && s[k] == '>') return k + 1;
    return 0;
}

/* the rest after an angle address: extra enclosures, then the tail */
static size_t angle_rest(const char *s, size_t n, size_t after, size_t *cb, size_t *cl)
{
    size_t pos[17];
    size_t np = 0;
    pos[np++] = after;
    while (np < 17) {
        size_t e = enclosure_at(s, n, pos[np - 1]);
        if (!e) break;
        pos[np++] = e;
    }
    while (np > 0) {
        size_t t = tail_at(s, n, pos[np - 1], cb, cl);
        if (t != SIZE_MAX) return t;
        np--;
    }
    return SIZE_MAX;
}

struct entry {
    size_t end;
    bool angle;
    size_t p_b, p_l; /* phrase ($1 or $4), p_l SIZE_MAX: none */
    size_t a_b, a_l; /* address ($2 or $3), a_l SIZE_MAX: none */
    size_t c_b, c_l; /* comment */
};

static bool entry_at(const char *s, size_t n, size_t i0, struct entry *e)
{
    size_t j = skip_sp(s, n, i0);
    e->p_l = e->a_l = e->c_l = SIZE_MAX;
    e->angle = false;
    /* phrase? <addr> */
    size_t k = phrase_items(s, n, j);
    size_t m = skip_sp(s, n, k);
    if (m < n && s[m] == '<') {
        size_t t = skip_sp(s, n, m + 1);
        size_t A = t;
        while (A < n && s[A] != '>' && s[A] != '@')
            A++;
        for (size_t a = A + 1; a-- > t;) {
            if (a >= n || is_sp((unsigned char)s[a])) continue;
            size_t run = a;
            while (run < n && !is_sp((unsigned char)s[run]))
                run++;
            /* \S+ longest first, then \s*> */
            for (size_t u = run; u > a; u--) {
                size_t g;
                if (u == run) {
                    g = skip_sp(s, n, u);
                    if (g >= n || s[g] != '>') continue;
                } else {
                    if (s[u] != '>') continue;
                    g = u;
                }
                size_t cb, cl;
                size_t end = angle_rest(s, n, g + 1, &cb, &cl);
                if (end == SIZE_MAX) continue;
                e->end = end;
                e->angle = true;
                if (k > j) {
                    e->p_b = j;
                    e->p_l = k - j;
                }
                e->a_b = t;
                e->a_l = u - t;
                e->c_b = cb;
                e->c_l = cl;
                return true;
            }
        }
        if (t < n && s[t] == '>') {
            size_t cb, cl;
            size_t end = angle_rest(s, n, t + 1, &cb, &cl);
            if (end != SIZE_MAX) {
                e->end = end;
                e->angle = true;
                if (k > j) {
                    e->p_b = j;
                    e->p_l = k - j;
                }
                e->a_b = t;
                e->a_l = 0;
                e->c_b = cb;
                e->c_l = cl;
                return true;
            }
        }
    }
    /* bare address */
    size_t me = mailre_at(s, n, j);
    if (me) {
        size_t cb, cl;
        size_t end = tail_at(s, n, me, &cb, &cl);
        if (end != SIZE_MAX) {
            e->end = end;
            e->a_b = j;
            e->a_l = me - j;
            e->c_b = cb;
            e->c_l = cl;
            return true;
        }
    }
    /* phrase alone */
    if (k > j) {
        size_t cb, cl;
        size_t end = tail_at(s, n, k, &cb, &cl);
        if (end != SIZE_MAX) {
            e->end = end;
            e->p_b = j;
            e->p_l = k - j;
            e->c_b = cb;
            e->c_l = cl;
            return true;
        }
    }
    return false;
}

/* remove (comment)s: non-nested, backslash escapes */
static void strip_comments(struct sb *o, const char *s, size_t n, bool dotall)
{
    for (size_t i = 0; i < n;) {
        if (s[i] == '(') {
            size_t k = i + 1;
            bool ok = false;
            while (k < n) {
                if (s[k] == ')') {
                    ok = true;
                    break;
                }
                if (s[k] == '(') break;
                if (s[k] == '\\') {
                    if (k + 1 >= n || (!dotall && s[k + 1] == '\n')) break;
                    k += 2;
                    continue;
                }
                k++;
            }
            if (ok) {
                i = k + 1;
                continue;
            }
        }
        sb_putc(o, s[i]);
        i++;
    }
}

static bool valid_parsed_address(const char *p, size_t n)
{
    if (n >= 3 && memcmp(p, "\"\"@", 3) == 0) return false;
    size_t q = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '"') q++;
    return q != 1;
}

/* address cut after its second '@' */
static size_t addr_cut(const char *p, size_t n)
{
    const char *a1 = memchr(p, '@', n);
    if (!a1) return n;
    const char *a2 = memchr(a1 + 1, '@', n - (size_t)(a1 + 1 - p));
    return a2 ? (size_t)(a2 - p) : n;
}

static size_t parse_addresses(struct msgview *v, const char *in, size_t in_len,
                              struct addr_res *out, size_t max)
{
    arena *a = v->a;
    /* s/\s+\z//; s/\\\\//g */
    size_t n0 = in_len;
    while (n0 > 0 && is_sp((unsigned char)in[n0 - 1]))
        n0--;
    char *s = arena_alloc(a, n0 + 1);
    size_t n = 0;
    for (size_t i = 0; i < n0; i++) {
        if (in[i] == '\\' && i + 1 < n0 && in[i + 1] == '\\') {
            i++;
            continue;
        }
        s[n++] = in[i];
    }
    s[n] = 0;
    /* group: s/^[^"()<>]+:\s*(.*?)\s*(?:;.*)?// */
    {
        size_t k = 0, colon = SIZE_MAX;
        while (k < n && s[k] != '"' && s[k] != '(' && s[k] != ')' && s[k] != '<' && s[k] != '>') {
            if (s[k] == ':') colon = k;
            k++;
        }
        if (colon != SIZE_MAX && colon > 0) {
            size_t e = skip_sp(s, n, colon + 1);
            if (e < n && s[e] == ';') e = n;
            memmove(s, s + e, n - e);
            n -= e;
            s[n] = 0;
        }
    }
    bool any = false;
    for (size_t i = 0; i < n; i++)
        if (!is_sp((unsigned char)s[i])) any = true;
    if (!any) return 0;
    size_t nr = 0;
    size_t pos = 0;
    while (pos < n && nr < max) {
        struct entry e;
        if (!entry_at(s, n, pos, &e)) break;
        const char *addr = NULL;
        size_t al = 0;
        if (e.a_l != SIZE_MAX) {
            addr = s + e.a_b;
            al = e.a_l;
            if (e.angle) {
                struct sb t;
                sb_init(&t, a);
                strip_comments(&t, addr, al, false);
                addr = t.p;
                al = t.len;
                if (!mailre_full(addr, al)) addr = NULL;
            }
            if (addr && !valid_parsed_address(addr, al)) addr = NULL;
        }
        const char *phrase = NULL;
        size_t pl = 0;
        if (e.p_l != SIZE_MAX) {
            struct sb ph;
            sb_init(&ph, a);
            bool defined = false;
            const char *p = s + e.p_b;
            size_t pn = e.p_l;
            for (size_t i = 0; i < pn;) {
                if (p[i] == '"') {
                    size_t q = quoted_at(p, pn, i, true);
                    if (!q) {
                        i++;
                        continue;
                    }
                    /* s/\\(?!\\)//g; s/\\\\/\\/g */
                    struct sb u;
                    sb_init(&u, a);
                    for (size_t k = i + 1; k < q - 1; k++) {
                        if (p[k] == '\\' && !(k + 1 < q - 1 && p[k + 1] == '\\')) continue;
                        sb_putc(&u, p[k]);
                    }
                    for (size_t k = 0; k < u.len; k++) {
                        if (u.p[k] == '\\' && k + 1 < u.len && u.p[k + 1] == '\\') {
                            sb_putc(&ph, '\\');
                            k++;
                            continue;
                        }
                        sb_putc(&ph, u.p[k]);
                    }
                    defined = true;
                    i = q;
                } else {
                    size_t k = i;
                    while (k < pn && p[k] != '"')
                        k++;
                    strip_comments(&ph, p + i, k - i, true);
                    defined = true;
                    i = k;
                }
            }
            if (defined) {
                phrase = ph.p;
                pl = ph.len;
            }
            if (!addr && phrase && mailre_full(phrase, pl) && valid_parsed_address(phrase, pl)) {
                /* a phrase that is an address with a valid host becomes it */
                const char *at1 = memchr(phrase, '@', pl);
                size_t hs = (size_t)(at1 + 1 - phrase);
                size_t he = hs;
                while (he < pl && phrase[he] != '@')
                    he++;
                size_t hl;
                char *host = urilist_idn_to_ascii(a, phrase + hs, he - hs, &hl);
                if (urilist_fqdn_valid(host, hl)) {
                    addr = phrase;
                    al = pl;
                    phrase = NULL;
                }
            }
            if (phrase) {
                if (addr && pl == al && memcmp(phrase, addr, al) == 0)
                    phrase = NULL;
                else if (pl == 0)
                    phrase = NULL;
            }
        }
        if (!phrase && e.c_l != SIZE_MAX) {
            phrase = s + e.c_b;
            pl = e.c_l;
        }
        if (addr) al = addr_cut(addr, al);
        out[nr].phrase = phrase;
        out[nr].phrase_len = pl;
        out[nr].address = addr;
        out[nr].address_len = al;
        nr++;
        if (e.end <= pos) break;
        pos = e.end;
    }
    if (pos < n && memchr(s + pos, '@', n - pos)) {
        /* last ditch: <address> anywhere in the rest */
        for (size_t i = pos; i < n && nr < max; i++) {
            if (s[i] != '<') continue;
            size_t me = mailre_at(s, n, i + 1);
            if (!me || me >= n || s[me] != '>') continue;
            const char *addr = s + i + 1;
            size_t al = me - i - 1;
            i = me;
            if (!valid_parsed_address(addr, al)) continue;
            out[nr].phrase = NULL;
            out[nr].phrase_len = 0;
            out[nr].address = addr;
            out[nr].address_len = addr_cut(addr, al);
            nr++;
        }
    }
    return nr;
}

/* ---------------------------------------------------------------------- */
/* relays (Message::Metadata::Received, inferred trust) */

static bool ip_in(const char *s, size_t n, size_t *b, size_t *l);

static bool ip_private(const char *ip)
{
    if (!ip) return false;
    if (strchr(ip, ':')) {
        /* IPv6: loopback, link-local, unique local; v4-mapped private */
        if (strcmp(ip, "::1") == 0) return true;
        if (str_starts_ci(ip, strlen(ip), "fe80:") || str_starts_ci(ip, strlen(ip), "fc") ||
            str_starts_ci(ip, strlen(ip), "fd"))
            return true;
        const char *last = strrchr(ip, ':');
        if (strchr(last, '.')) return ip_private(last + 1);
        return false;
    }
    /* sscanf(ip, "%u.%u") read by hand: sscanf was 0.3% of the CPU time */
    unsigned a = 0, b = 0;
    const char *q = ip;
    if (!str_scan_uint(&q, &a) || *q != '.') return false;
    q++;
    if (!str_scan_uint(&q, &b)) return false;
    return a == 10 || a == 127 || (a == 169 && b == 254) || (a == 172 && b >= 16 && b <= 31) ||
           (a == 192 && b == 168) || (a == 100 && b >= 64 && b <= 127);
}

/* the bytes SpamAssassin marks '!' in a relay's fields: Perl's \s and
 * "#[]()<>|" */
static const bool relay_bad[256] = {
    [' '] = true,  ['\t'] = true, ['\r'] = true, ['\n'] = true, ['\f'] = true,
    ['\v'] = true, ['#'] = true,  ['['] = true,  [']'] = true,  ['('] = true,
    [')'] = true,  ['<'] = true,  ['>'] = true,  ['|'] = true,
};

/* (s, n) up to a NUL in it (as the C string it was copied to ended there)
 * with invalid characters made '!' (as SpamAssassin marks them); *out_n
 * its length. One copy and a table: a copy, a strlen and a chain of
 * tests a byte before were 2,600 instructions a message of relays_build */
static const char *relay_clean_n(arena *a, const char *s, size_t n, size_t *out_n)
{
    char *o = arena_alloc(a, n + 1);
    size_t i = 0;
    for (; i < n && s[i]; i++)
        o[i] = relay_bad[(unsigned char)s[i]] ? '!' : s[i];
    o[i] = 0;
    *out_n = i;
    return o;
}

/* ---------------------------------------------------------------------- */
/* Received fields read as Message::Metadata::Received reads them: the
 * client IP, its reverse DNS name as the receiving MTA recorded it, the
 * HELO name, the receiving host, the queue id, the envelope sender and the
 * authentication method, for the MTA dialects seen in practice (Postfix,
 * Sendmail, Exim, qmail, Microsoft Exchange/365, Google, Domino, Courier,
 * LMTP and generic "NAME (RDNS [IP]) by HOST" forms); lines that record no
 * network handover are skipped, lines without an IP and a "by" host are
 * unparseable. */

struct rcv {
    const char *ip, *rdns, *helo, *by, *ident, *envfrom, *id, *auth;
    size_t ip_l, rdns_l, helo_l, by_l, ident_l, envfrom_l, id_l;
    bool has_envfrom;
};

static bool wordc(unsigned char c)
{
    return ch_is_alnum(c) || c == '_';
}

/* the end of \S+ at i (i when none) */
static size_t tok_end(const char *s, size_t n, size_t i)
{
    while (i < n && s[i] != ' ')
        i++;
    return i;
}

/* IP_ADDRESS at i: its length, 0 when none */
static size_t ip_at(const char *s, size_t n, size_t i)
{
    size_t k = i;
    if (n - i >= 5 && memcmp(s + i, "IPv6:", 5) == 0) k = i + 5;
    /* IPv4: \b(?<!:) octet.octet.octet.octet\b */
    if (k == i && i < n && ch_is_digit((unsigned char)s[i]) &&
        !(i > 0 && (wordc((unsigned char)s[i - 1]) || s[i - 1] == ':'))) {
        size_t p = i;
        bool ok = true;
        for (int o = 0; o < 4 && ok; o++) {
            size_t d = 0;
            while (p + d < n && ch_is_digit((unsigned char)s[p + d]) && d < 4)
                d++;
            if (d == 0 || d > 3 || (d > 1 && s[p] == '0')) {
                ok = false;
                break;
            }
            unsigned v = 0;
            for (size_t j = 0; j < d; j++)
                v = v * 10 + (unsigned)(s[p + j] - '0');
            if (v > 255) {
                ok = false;
                break;
            }
            p += d;
            if (o < 3) {
                if (p >= n || s[p] != '.') {
                    ok = false;
                    break;
                }
                p++;
            } else if (p < n && wordc((unsigned char)s[p])) {
                ok = false;
            }
        }
        if (ok) return p - i;
    }
    /* IPv6 */
    size_t e = k;
    while (e < n && (ch_is_xdigit((unsigned char)s[e]) || s[e] == ':' || s[e] == '.'))
        e++;
    if (k == i && i > 0 && (ch_is_xdigit((unsigned char)s[i - 1]) || s[i - 1] == ':')) return 0;
    while (e > k && memchr(s + k, ':', e - k)) {
        char buf[64];
        if (e - k < sizeof buf) {
            memcpy(buf, s + k, e - k);
            buf[e - k] = 0;
            unsigned char tmp[16];
            if (inet_pton(AF_INET6, buf, tmp) == 1) return e - i;
        }
        e--;
    }
    return 0;
}

/* at_lit and find_lit take string literals only (the "" makes any other
 * argument a compile error): their length is sizeof, not a strlen a call */
#define at_lit(s, n, i, l) at_lit_n((s), (n), (i), "" l, sizeof("" l) - 1)
#define find_lit(s, n, l) find_lit_n((s), (n), "" l, sizeof("" l) - 1)

static bool at_lit_n(const char *s, size_t n, size_t i, const char *l, size_t ll)
{
    return n - i >= ll && i <= n && memcmp(s + i, l, ll) == 0;
}

/* the first occurrence of literal l in (s, n); the needles are short, so
 * memchr on one of their bytes beats memmem's setup. That byte is the last
 * one that is not a space: choosing the rarest byte (spaces, then common
 * letters, last) a call was 150 of its 250 instructions; the last byte
 * costs a few more memchr stops and less in all */
static const char *find_lit_n(const char *s, size_t n, const char *l, size_t ll)
{
    if (ll == 0) return s;
    if (n < ll) return NULL;
    size_t k = ll - 1;
    if (k > 0 && l[k] == ' ') k--;
    /* candidate starts are s[0 .. n-ll]; the rare byte sits k further on */
    const char *p = s + k, *last = s + (n - ll) + k;
    while (p <= last) {
        const char *c = memchr(p, l[k], (size_t)(last - p) + 1);
        if (!c) return NULL;
        /* the byte before it first: most stops fail there, without a call */
        if ((k == 0 || c[-1] == l[k - 1]) && memcmp(c - k, l, ll) == 0) return c - k;
        p = c + 1;
    }
    return NULL;
}

/* "[IP]" at i: the IP (b,l) and the end after ']' */
static bool br_ip(const char *s, size_t n, size_t i, size_t *b, size_t *l, size_t *end)
{
    if (i >= n || s[i] != '[') return false;
    size_t k = ip_at(s, n, i + 1);
    if (!k || i + 1 + k >= n || s[i + 1 + k] != ']') return false;
    *b = i + 1;
    *l = k;
    *end = i + 2 + k;
    return true;
}

/* "(ident@)?[?IP]?)" at q, then " by X" later (sets r->by): where the
 * ident and the IP are. Received forms "RDNS (...)" and
 * "RDNS (HELO h) (...)" share it. */
struct ident_ip {
    bool ident; /* an "ident@" was there (possibly empty) */
    size_t idb, ide;
    size_t ipb, ipl;
};

static bool by_later(const char *s, size_t n, size_t i, struct rcv *r);

static bool ident_ip_by(const char *s, size_t n, size_t q, struct rcv *r, struct ident_ip *o)
{
    size_t te = tok_end(s, n, q);
    const char *at = memchr(s + q, '@', te - q);
    o->idb = o->ide = q;
    o->ident = at != NULL;
    if (at) {
        o->ide = (size_t)(at - s);
        q = o->ide + 1;
    }
    if (q < n && s[q] == '[') q++;
    size_t k = ip_at(s, n, q);
    if (!k) return false;
    o->ipb = q;
    o->ipl = k;
    q += k;
    if (q < n && s[q] == ']') q++;
    return at_lit(s, n, q, ")") && by_later(s, n, q + 1, r);
}

#define SET(f, b, l)                                                                               \
    do {                                                                                           \
        r->f = s + (b);                                                                            \
        r->f##_l = (l);                                                                            \
    } while (0)

/* " by X" after position i (the first one): sets by */
static bool by_after(const char *s, size_t n, size_t i, struct rcv *r, size_t *end)
{
    if (!at_lit(s, n, i, " by ")) return false;
    size_t b = i + 4, e = tok_end(s, n, b);
    if (e == b) return false;
    SET(by, b, e - b);
    *end = e;
    return true;
}

/* the first ") by X" or " by X" after i, any text between */
static bool by_later(const char *s, size_t n, size_t i, struct rcv *r)
{
    const char *f = find_lit(s + i, n - i, " by ");
    if (!f) return false;
    size_t b = (size_t)(f - s) + 4, e = tok_end(s, n, b);
    if (e == b) return false;
    SET(by, b, e - b);
    return true;
}

/* the date at the end: [\s;]+(Dow, )?D Mon Y H:M(:S)? \S+$ */
static size_t strip_date(const char *s, size_t n)
{
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    size_t e = n;
    size_t t = e;
    while (t > 0 && s[t - 1] != ' ')
        t--; /* last token [t,e) */
    if (t == 0 || t == e) return n;
    size_t p = t - 1; /* the space */
    /* time */
    size_t te = p, ts = te;
    while (ts > 0 && s[ts - 1] != ' ')
        ts--;
    {
        size_t k = ts, parts = 0;
        while (k < te) {
            size_t d = 0;
            while (k + d < te && ch_is_digit((unsigned char)s[k + d]))
                d++;
            if (!d) return n;
            parts++;
            k += d;
            if (k < te) {
                if (s[k] != ':') return n;
                k++;
            }
        }
        if (parts < 2 || parts > 3) return n;
    }
    if (ts == 0) return n;
    size_t ye = ts - 1, ys = ye;
    while (ys > 0 && s[ys - 1] != ' ')
        ys--;
    for (size_t k = ys; k < ye; k++)
        if (!ch_is_digit((unsigned char)s[k])) return n;
    if (ys == ye || ys == 0) return n;
    size_t me = ys - 1, ms = me;
    while (ms > 0 && s[ms - 1] != ' ')
        ms--;
    bool mok = false;
    for (size_t k = 0; k < 12; k++)
        if (me - ms == 3 && memcmp(s + ms, mon[k], 3) == 0) mok = true;
    if (!mok || ms == 0) return n;
    size_t de = ms - 1, ds = de;
    while (ds > 0 && ch_is_digit((unsigned char)s[ds - 1]))
        ds--;
    if (ds == de) return n;
    size_t start = ds;
    static const char *const dow[] = {"Mon, ", "Tue, ", "Thu, ", "Wed, ",
                                      "Fri, ", "Sat, ", "Sun, "};
    for (size_t k = 0; k < 7; k++)
        if (start >= 5 && memcmp(s + start - 5, dow[k], 5) == 0) {
            start -= 5;
            break;
        }
    /* [\s;]+ before it */
    if (start == 0 || (s[start - 1] != ' ' && s[start - 1] != ';')) return n;
    while (start > 0 && (s[start - 1] == ' ' || s[start - 1] == ';'))
        start--;
    return start;
}

static bool helo_char(unsigned char c)
{
    return ch_is_alnum(c) || (c != 0 && strchr("-.^+_&:=?!@%*$\\/", c) != NULL);
}

/* returns 1 parsed, 0 skipped, 2 skipped mail fetcher, -1 unparseable */
static int rcvd_parse(arena *a, const char *in, size_t in_len, struct rcv *r)
{
    memset(r, 0, sizeof *r);
    r->auth = "";
    /* s/\s+/ /g; trim; 1 while s/\s?;$// */
    char *s = arena_alloc(a, in_len + 1);
    size_t n = 0;
    for (size_t i = 0; i < in_len; i++) {
        if (is_sp((unsigned char)in[i])) {
            if (n > 0 && s[n - 1] != ' ') s[n++] = ' ';
            continue;
        }
        s[n++] = in[i];
    }
    if (n > 0 && s[n - 1] == ' ') n--;
    for (;;) {
        if (n > 0 && s[n - 1] == ';') {
            n--;
            if (n > 0 && s[n - 1] == ' ') n--;
            continue;
        }
        break;
    }
    s[n] = 0;
    if (!(str_starts_ci(s, n, "from ") || str_starts_ci(s, n, "(from "))) return 0;
    if (find_lit(s, n, " with local for ") ||
        (n >= 15 && memcmp(s + n - 15, " with local for", 15) == 0))
        return 0;
    {
        /* "from X by Y ;" handovers without a client, unless X is [IP] */
        size_t x = 5, xe = tok_end(s, n, x);
        if (str_starts_ci(s, n, "from ") && at_lit(s, n, xe, " by ")) {
            size_t y = xe + 4, ye = y;
            while (ye < n && s[ye] != ' ' && s[ye] != ';')
                ye++;
            size_t z = ye;
            if (z < n && s[z] == ' ') z++;
            bool bracket_ip = xe - x >= 3 && s[x] == '[' && s[xe - 1] == ']';
            for (size_t k = x + 1; bracket_ip && k < xe - 1; k++)
                if (!(ch_is_digit((unsigned char)s[k]) || s[k] == '.')) bracket_ip = false;
            if (ye > y && z < n && s[z] == ';' && !bracket_ip) return 0;
        }
    }
    n = strip_date(s, n);
    s[n] = 0;
    /* s/\)by /) by / */
    {
        const char *f = find_lit(s, n, ")by ");
        if (f) {
            size_t k = (size_t)(f - s) + 1;
            char *t = arena_alloc(a, n + 2);
            memcpy(t, s, k);
            t[k] = ' ';
            memcpy(t + k + 1, s + k, n - k + 1);
            s = t;
            n++;
        }
    }
    /* id */
    for (const char *f = s; (f = find_lit(f, (size_t)(s + n - f), " id ")) != NULL; f++) {
        size_t b = (size_t)(f - s) + 4;
        if (b < n && s[b] == '<') b++;
        size_t e = b;
        while (e < n && s[e] != ' ' && s[e] != '<' && s[e] != '>' && s[e] != ';')
            e++;
        if (e - b >= 3) {
            SET(id, b, e - b);
            break;
        }
    }
    /* helo= or HELO/EHLO */
    {
        const char *f = NULL;
        size_t off = 0;
        for (const char *g = s; (g = find_lit(g, (size_t)(s + n - g), "helo=")) != NULL; g++)
            if (g == s || !wordc((unsigned char)g[-1])) {
                f = g;
                off = 5;
                break;
            }
        if (!f)
            for (const char *g = s; g < s + n; g++) {
                if ((*g == 'H' || *g == 'E') && /* the at_lit pair at every byte: 1,300 a message */
                    (at_lit(s, n, (size_t)(g - s), "HELO ") ||
                     at_lit(s, n, (size_t)(g - s), "EHLO ")) &&
                    (g == s || !wordc((unsigned char)g[-1]))) {
                    f = g;
                    off = 5;
                    break;
                }
            }
        if (f) {
            size_t b = (size_t)(f - s) + off, e = b;
            while (e < n && helo_char((unsigned char)s[e]))
                e++;
            if (e > b) SET(helo, b, e - b);
        }
    }
    /* by */
    for (const char *f = s; (f = find_lit(f, (size_t)(s + n - f), " by ")) != NULL; f++) {
        size_t b = (size_t)(f - s) + 4, e = tok_end(s, n, b);
        if (e > b) {
            SET(by, b, e - b);
            break;
        }
    }
    /* authentication */
    {
        static const char *const kw[] = {"ESMTPSA",    "ESMTPA",    "LMTPSA",     "LMTPA",
                                         "UTF8SMTPSA", "UTF8SMTPA", "UTF8LMTPSA", "UTF8LMTPA",
                                         "ASMTP",      "HTTPS",     "HTTPU",      "HTTP",
                                         "ESMTPS",     "LMTPS",     "UTF8SMTPS",  "UTF8LMTPS"};
        const char *w = find_lit(s, n, " with ");
        bool has_by = find_lit(s, n, " by ") != NULL;
        for (; w && has_by; w = find_lit(w + 1, (size_t)(s + n - w - 1), " with ")) {
            size_t b = (size_t)(w - s) + 6, e = tok_end(s, n, b);
            if (e < n && s[e] != ' ' && s[e] != ';') continue;
            for (size_t k = 0; k < 12; k++)
                if (str_eq_ci(s + b, e - b, kw[k])) {
                    r->auth = arena_strndup(a, s + b, e - b);
                    break;
                }
            if (*r->auth) break;
        }
        if (!*r->auth) {
            if (find_lit(s, n, ") (Authenticated sender: ")) {
                const char *f = find_lit(s, n, ") (Authenticated sender: ");
                const char *by = find_lit(f, (size_t)(s + n - f), ") by ");
                if (by) {
                    size_t b = (size_t)(by - s) + 5, e = tok_end(s, n, b);
                    if (at_lit(s, n, e, " (")) {
                        size_t c = e + 2;
                        const char *cl = memchr(s + c, ')', n - c);
                        if (cl && at_lit(s, n, (size_t)(cl - s), ") with ")) {
                            size_t ml = (size_t)(cl - s) - c;
                            r->auth = (ml == 7 && memcmp(s + c, "Postfix", 7) == 0)
                                          ? "Postfix"
                                          : arena_printf(a, "Postfix (%.*s)", (int)ml, s + c);
                        }
                    }
                }
            } else if (find_lit(s, n, "authenticated") && str_starts_ci(s, n, "from ")) {
                const char *au = find_lit(s, n, "authenticated");
                const char *by = find_lit(s, n, " by");
                const char *open = NULL;
                for (const char *g = au; g > s; g--)
                    if (*g == '(') {
                        open = g;
                        break;
                    }
                if (by && au < by && open && memchr(s, ']', (size_t)(au - s))) r->auth = "Sendmail";
            } else if (find_lit(s, n, " (via HTTP") && find_lit(s, n, " by ")) {
                r->auth = "HTTP";
            }
        }
    }
    if (!str_starts_ci(s, n, "from ") || memcmp(s, "from ", 5) != 0) {
        /* "FROM " and "(from " forms: only the generic fallback below */
        goto fallback;
    }
    {
        const char *t = s + 5;
        size_t tn = n - 5;
        /* envelope sender */
        /* (?:return-path:? |envelope-(?:sender|from)[ =]) */
        const char *best = NULL;
        size_t bl = 0;
        for (size_t q = 0; q < tn && !best; q++) {
            unsigned char c = ch_lower((unsigned char)t[q]);
            /* the second byte first: 'e' and 'r' are common (2,800 a message) */
            unsigned char c2 = q + 1 < tn ? ch_lower((unsigned char)t[q + 1]) : 0;
            if (c == 'r' && c2 == 'e' && str_starts_ci(t + q, tn - q, "return-path")) {
                size_t z = q + 11;
                if (z < tn && t[z] == ':') z++;
                if (z < tn && t[z] == ' ') {
                    best = t + q;
                    bl = z + 1 - q;
                }
            } else if (c == 'e' && c2 == 'n' && str_starts_ci(t + q, tn - q, "envelope-")) {
                size_t z = q + 9;
                if (str_starts_ci(t + z, tn - z, "sender"))
                    z += 6;
                else if (str_starts_ci(t + z, tn - z, "from"))
                    z += 4;
                else
                    continue;
                if (z < tn && (t[z] == ' ' || t[z] == '=')) {
                    best = t + q;
                    bl = z + 1 - q;
                }
            }
        }
        if (best) {
            size_t b = (size_t)(best - s) + bl, e = tok_end(s, n, b);
            for (;;) {
                if (e <= b) break;
                bool wl = wordc((unsigned char)s[e - 1]), wr = e < n && wordc((unsigned char)s[e]);
                if (wl != wr) break;
                e--;
            }
            if (e > b) {
                SET(envfrom, b, e - b);
                r->has_envfrom = true;
            }
        }
        size_t x = 5, xe = tok_end(s, n, x);
        size_t ib, il, e2, k;
        /* Microsoft SMTPSVC */
        if (find_lit(s, n, " SMTPSVC")) {
            if (at_lit(s, n, xe, " ([") && (k = ip_at(s, n, xe + 3)) &&
                at_lit(s, n, xe + 3 + k, "]")) {
                const char *cl = memchr(s + xe + 4 + k, ')', n - xe - 4 - k);
                if (cl && (size_t)(cl - (s + xe + 4 + k)) <= 40 &&
                    by_after(s, n, (size_t)(cl - s) + 1, r, &e2) &&
                    at_lit(s, n, e2, " with Microsoft SMTPSVC")) {
                    SET(helo, x, xe - x);
                    SET(ip, xe + 3, k);
                    r->rdns = "";
                    r->rdns_l = 0;
                    return 1;
                }
            }
        } else {
            /* Microsoft SMTP Server / mapi id followed by a version */
            const char *w = find_lit(s, n, " with Microsoft SMTP Server ");
            size_t wl = 28;
            if (!w) {
                w = find_lit(s, n, " with mapi id ");
                wl = 14;
            }
            if (w) {
                size_t v = (size_t)(w - s) + wl;
                if (v < n && s[v] == '(') {
                    const char *cl = memchr(s + v, ')', n - v);
                    v = cl && at_lit(s, n, (size_t)(cl - s), ") ") ? (size_t)(cl - s) + 2 : n;
                }
                size_t dots = 0, q = v;
                bool ver = q < n;
                for (int o = 0; o < 4 && ver; o++) {
                    size_t d = 0;
                    while (q + d < n && ch_is_digit((unsigned char)s[q + d]))
                        d++;
                    if (!d) ver = false;
                    q += d;
                    if (o < 3) {
                        if (q < n && s[q] == '.') {
                            q++;
                            dots++;
                        } else
                            ver = false;
                    }
                }
                if (ver && (q == n || s[q] == ' ')) {
                    size_t p2 = xe;
                    if (at_lit(s, n, p2, " (")) {
                        p2 += 2;
                        if (p2 < n && s[p2] == '[') p2++;
                        if ((k = ip_at(s, n, p2))) {
                            size_t q2 = p2 + k;
                            if (q2 < n && s[q2] == '%')
                                while (q2 < n && s[q2] != ']' && s[q2] != ')')
                                    q2++;
                            if (q2 < n && s[q2] == ']') q2++;
                            if (at_lit(s, n, q2, ")") && by_after(s, n, q2 + 1, r, &e2) &&
                                at_lit(s, n, e2, " ")) {
                                SET(helo, x, xe - x);
                                SET(ip, p2, k);
                                r->id = "";
                                r->id_l = 0;
                                goto enough;
                            }
                        }
                    }
                }
            }
        }
        if (find_lit(s, n, "Exim")) {
            if ((n - 5 >= 6 && find_lit(s, n, " with local ")) ||
                (find_lit(s, n, " with local-") && 1)) {
                const char *f = find_lit(s, n, " with local");
                if (f && (f[11] == ' ' || f[11] == '-')) return 0;
            }
            /* [IP] (sub) by X */
            if (br_ip(s, n, x, &ib, &il, &e2) && at_lit(s, n, e2, " (")) {
                const char *cl = memchr(s + e2 + 2, ')', n - e2 - 2);
                if (cl && by_after(s, n, (size_t)(cl - s) + 1, r, &k) && at_lit(s, n, k, " ")) {
                    SET(ip, ib, il);
                    size_t sb = e2 + 2, se = (size_t)(cl - s);
                    r->helo = NULL;
                    const char *h = find_lit(s + sb, se - sb, "helo=");
                    if (h) {
                        size_t hb = (size_t)(h - s) + 5, he = hb;
                        while (he < se && s[he] != ' ')
                            he++;
                        SET(helo, hb, he - hb);
                    }
                    goto enough;
                }
            }
            /* RDNS ([IP]sub) by X */
            if (at_lit(s, n, xe, " (") && br_ip(s, n, xe + 2, &ib, &il, &e2)) {
                const char *cl = memchr(s + e2, ')', n - e2);
                if (cl && by_after(s, n, (size_t)(cl - s) + 1, r, &k) && at_lit(s, n, k, " ")) {
                    SET(rdns, x, xe - x);
                    SET(ip, ib, il);
                    SET(helo, x, xe - x);
                    const char *h = find_lit(s + e2, (size_t)(cl - s) - e2, "helo=");
                    if (h) {
                        size_t hb = (size_t)(h - s) + 5, he = hb;
                        while (he < (size_t)(cl - s) && s[he] != ' ')
                            he++;
                        SET(helo, hb, he - hb);
                    }
                    goto enough;
                }
            }
            /* RDNS [IP](:port)? by X */
            if (at_lit(s, n, xe, " ") && br_ip(s, n, xe + 1, &ib, &il, &e2)) {
                size_t q = e2;
                if (q < n && s[q] == ':')
                    while (q + 1 < n && ch_is_digit((unsigned char)s[q + 1]))
                        q++, q += 0;
                if (q < n && s[q] == ':') {
                    q++;
                    while (q < n && ch_is_digit((unsigned char)s[q]))
                        q++;
                }
                if (by_after(s, n, q, r, &k) && at_lit(s, n, k, " ")) {
                    SET(rdns, x, xe - x);
                    SET(helo, x, xe - x);
                    SET(ip, ib, il);
                    goto enough;
                }
            }
            /* partial */
            SET(rdns, x, xe - x);
            {
                const char *f = find_lit(s + 5, n - 5, " (");
                if (f) {
                    size_t hb = (size_t)(f - s) + 2, he = tok_end(s, n, hb);
                    if (he > hb && s[he - 1] == ')' && he < n) SET(helo, hb, he - 1 - hb);
                }
            }
            for (size_t q = 5; q < n; q++) {
                if (s[q] != ' ' || q + 1 >= n || s[q + 1] != '[') continue;
                size_t kk = ip_at(s, n, q + 2);
                if (!kk) continue;
                size_t z = q + 2 + kk;
                if (z < n && s[z] == '.')
                    while (z + 1 < n && ch_is_digit((unsigned char)s[z + 1]))
                        z++;
                if (z < n && s[z] == '.') z++;
                if (at_lit(s, n, z, "] ")) {
                    SET(ip, q + 2, kk);
                    break;
                }
            }
            if (r->ip && r->by) goto enough;
        } else if (find_lit(s, n, " (Postfix) with")) {
            /* HELO (RDNS [IP]) by X  /  HELO (RDNS[IP]) by X */
            if (at_lit(s, n, xe, " (")) {
                size_t rb = xe + 2, re = rb;
                while (re < n && s[re] != ' ' && s[re] != '[' && s[re] != ')')
                    re++;
                size_t q = re;
                if (q < n && s[q] == ' ') q++;
                if (re > rb && br_ip(s, n, q, &ib, &il, &e2) && at_lit(s, n, e2, ")") &&
                    by_after(s, n, e2 + 1, r, &k) && at_lit(s, n, k, " ")) {
                    SET(helo, x, xe - x);
                    SET(rdns, rb, re - rb);
                    SET(ip, ib, il);
                    if (str_eq_ci(r->rdns, r->rdns_l, "unknown")) r->rdns_l = 0;
                    goto enough;
                }
            }
        }
        /* HELO (RDNS [IP]...) by X ( */
        if (!find_lit(s, n, ") with ") || true) {
            bool qmail = false;
            for (const char *f = s; (f = find_lit(f, (size_t)(s + n - f), " by ")) != NULL; f++) {
                size_t b = (size_t)(f - s) + 4, e = tok_end(s, n, b);
                if (at_lit(s, n, e, " (qmail-")) {
                    const char *cl = memchr(s + e, ')', n - e);
                    if (cl && at_lit(s, n, (size_t)(cl - s), ") with ")) qmail = true;
                }
            }
            if (!qmail && at_lit(s, n, xe, " (")) {
                size_t rb = xe + 2, re = tok_end(s, n, rb);
                if (re > rb && at_lit(s, n, re, " ") && br_ip(s, n, re + 1, &ib, &il, &e2)) {
                    /* .*\) by (\S+) \( : the last ") by X (" */
                    const char *last = NULL;
                    size_t lb = 0, le = 0;
                    for (const char *f = s + e2;
                         (f = find_lit(f, (size_t)(s + n - f), ") by ")) != NULL; f++) {
                        size_t b = (size_t)(f - s) + 5, e = tok_end(s, n, b);
                        if (e > b && at_lit(s, n, e, " (")) {
                            last = f;
                            lb = b;
                            le = e;
                        }
                    }
                    if (last) {
                        SET(helo, x, xe - x);
                        SET(rdns, rb, re - rb);
                        SET(ip, ib, il);
                        SET(by, lb, le - lb);
                        /* IDENT: and user@ prefixes */
                        if (r->rdns_l > 6 && memcmp(r->rdns, "IDENT:", 6) == 0) {
                            const char *at = memchr(r->rdns, '@', r->rdns_l);
                            if (at) {
                                r->ident = r->rdns + 6;
                                r->ident_l = (size_t)(at - r->rdns) - 6;
                                r->rdns_l -= (size_t)(at + 1 - r->rdns);
                                r->rdns = at + 1;
                            }
                        }
                        const char *at = memchr(r->rdns, '@', r->rdns_l);
                        if (at) {
                            r->ident = r->rdns;
                            r->ident_l = (size_t)(at - r->rdns);
                            r->rdns_l -= (size_t)(at + 1 - r->rdns);
                            r->rdns = at + 1;
                        }
                        goto enough;
                    }
                }
            }
        }
        /* HELO (RDNS [IP]) by X with W ( */
        if (at_lit(s, n, xe, " (")) {
            size_t rb = xe + 2, re = tok_end(s, n, rb);
            if (re > rb && at_lit(s, n, re, " ") && br_ip(s, n, re + 1, &ib, &il, &e2) &&
                at_lit(s, n, e2, ")") && by_after(s, n, e2 + 1, r, &k) &&
                at_lit(s, n, k, " with ")) {
                size_t w = k + 6, we = tok_end(s, n, w);
                if (we > w && at_lit(s, n, we, " (")) {
                    SET(helo, x, xe - x);
                    SET(rdns, rb, re - rb);
                    SET(ip, ib, il);
                    goto enough;
                }
            }
        }
        /* RDNS ([IP] helo=H) by X with */
        if (at_lit(s, n, xe, " (") && br_ip(s, n, xe + 2, &ib, &il, &e2) &&
            at_lit(s, n, e2, " helo=")) {
            size_t hb = e2 + 6, he = tok_end(s, n, hb);
            if (he > hb && s[he - 1] == ')' && by_after(s, n, he, r, &k) &&
                at_lit(s, n, k, " with ")) {
                SET(rdns, x, xe - x);
                SET(ip, ib, il);
                SET(helo, hb, he - 1 - hb);
                goto enough;
            }
        }
        /* RDNS (LHLO h) (IP) by X with LMTP; RDNS (HELO|EHLO h) (IP) by X (qpsmtpd/..)
         * with (E)SMTP; RDNS (HELO|EHLO h) [IP] by X (...) with (E)SMTP */
        {
            bool lhlo = at_lit(s, n, xe, " (LHLO ");
            bool helo = at_lit(s, n, xe, " (HELO ") || at_lit(s, n, xe, " (EHLO ");
            if (lhlo || helo) {
                size_t hb = xe + 7, he = hb;
                while (he < n && s[he] != ' ' && s[he] != ')')
                    he++;
                if (at_lit(s, n, he, ") (") || at_lit(s, n, he, ") [")) {
                    bool paren = s[he + 2] == '(';
                    size_t q = he + 3;
                    if ((k = ip_at(s, n, q)) &&
                        (paren ? at_lit(s, n, q + k, ")") : at_lit(s, n, q + k, "]")) &&
                        by_after(s, n, q + k + 1, r, &e2)) {
                        bool ok = false;
                        if (lhlo && paren)
                            ok = at_lit(s, n, e2, " with LMTP");
                        else if (helo && paren)
                            ok = at_lit(s, n, e2, " (qpsmtpd/") &&
                                 find_lit(s + e2, n - e2, ") with ");
                        else if (helo && !paren && at_lit(s, n, e2, " (")) {
                            const char *cl = memchr(s + e2, ')', n - e2);
                            ok = cl && (at_lit(s, n, (size_t)(cl - s), ") with ESMTP") ||
                                        at_lit(s, n, (size_t)(cl - s), ") with SMTP"));
                        }
                        if (ok) {
                            SET(rdns, x, xe - x);
                            SET(helo, hb, he - hb);
                            SET(ip, q, k);
                            goto enough;
                        }
                    }
                }
            }
        }
        /* qmail and friends: X ((HELO|EHLO) h)? ((ident@)?[?IP]?) ... by Y ... with ... SMTP|QMQP
         */
        {
            size_t p = xe;
            size_t hb = 0, he = 0;
            if (at_lit(s, n, p, " (HELO ") || at_lit(s, n, p, " (EHLO ")) {
                hb = p + 7;
                he = tok_end(s, n, hb);
                if (he > hb && s[he - 1] == ')')
                    p = he;
                else
                    hb = he = 0;
                if (!he) p = xe;
            }
            if (at_lit(s, n, p, " (")) {
                size_t q = p + 2, idb = q, ide = q;
                const char *at = NULL;
                size_t te = tok_end(s, n, q);
                at = memchr(s + q, '@', te - q);
                if (at) {
                    ide = (size_t)(at - s);
                    q = ide + 1;
                }
                bool brk = q < n && s[q] == '[';
                if (brk) q++;
                if ((k = ip_at(s, n, q))) {
                    size_t ipb = q;
                    q += k;
                    if (brk && q < n && s[q] == ']') q++;
                    if (at_lit(s, n, q, ")")) {
                        size_t after = q + 1;
                        if (at_lit(s, n, after, " (envelope-sender <")) {
                            const char *cl = memchr(s + after, '>', n - after);
                            after = cl && cl[1] == ')' ? (size_t)(cl - s) + 2 : after;
                        }
                        size_t be;
                        if (by_after(s, n, after, r, &be)) {
                            /* ( \(.+\))* with (.* )?(SMTP|QMQP)(?! id ) */
                            bool ok = false;
                            size_t cand[64];
                            size_t nc = 0;
                            if (at_lit(s, n, be, " with ")) cand[nc++] = be;
                            if (at_lit(s, n, be, " (")) {
                                for (size_t j = be + 3; j < n && nc < 64; j++)
                                    if (s[j] == ')' && at_lit(s, n, j + 1, " with "))
                                        cand[nc++] = j + 1;
                            }
                            for (size_t ci = 0; ci < nc && !ok; ci++) {
                                size_t w0 = cand[ci] + 6;
                                for (size_t g = w0; g + 4 <= n; g++) {
                                    bool smtp = at_lit(s, n, g, "SMTP") || at_lit(s, n, g, "QMQP");
                                    if (!smtp || (g != w0 && s[g - 1] != ' ')) continue;
                                    if (at_lit(s, n, g + 4, " id ")) continue;
                                    ok = true;
                                    break;
                                }
                            }
                            if (ok) {
                                if (hb) {
                                    SET(rdns, x, xe - x);
                                    SET(helo, hb, he - 1 - hb);
                                } else {
                                    SET(rdns, x, xe - x);
                                    SET(helo, x, xe - x);
                                }
                                if (at) SET(ident, idb, ide - idb);
                                SET(ip, ipb, k);
                                if (str_eq_ci(r->rdns, r->rdns_l, "unknown")) r->rdns_l = 0;
                                goto enough;
                            }
                        }
                    }
                }
            }
        }
        /* HELO ([IP]) by X ( */
        if (at_lit(s, n, xe, " (") && br_ip(s, n, xe + 2, &ib, &il, &e2) && at_lit(s, n, e2, ")") &&
            by_after(s, n, e2 + 1, r, &k) && at_lit(s, n, k, " (")) {
            SET(helo, x, xe - x);
            SET(ip, ib, il);
            goto enough;
        }
        /* HELO (RDNS [IP]) ... by X */
        if (at_lit(s, n, xe, " (")) {
            size_t rb = xe + 2, re = tok_end(s, n, rb);
            if (re > rb && at_lit(s, n, re, " ") && br_ip(s, n, re + 1, &ib, &il, &e2) &&
                at_lit(s, n, e2, ")") && by_later(s, n, e2 + 1, r)) {
                SET(helo, x, xe - x);
                SET(ip, ib, il);
                if (!(re - rb == 10 && memcmp(s + rb, "softdnserr", 10) == 0))
                    SET(rdns, rb, re - rb);
                goto enough;
            }
        }
        /* HELO ([IP(:port)?]) ... by X */
        if (at_lit(s, n, xe, " ([") && (k = ip_at(s, n, xe + 3))) {
            size_t q = xe + 3 + k;
            if (q < n && (s[q] == '.' || s[q] == ':') && q + 1 < n &&
                ch_is_digit((unsigned char)s[q + 1])) {
                q++;
                while (q < n && ch_is_digit((unsigned char)s[q]))
                    q++;
            }
            if (at_lit(s, n, q, "])") && by_later(s, n, q + 2, r)) {
                SET(helo, x, xe - x);
                SET(ip, xe + 3, k);
                goto enough;
            }
        }
        /* mail fetchers (POP3/IMAP): not a handover; the relays before it
         * may be forgotten (found_pop_fetcher_sig) */
        if (find_lit(s, n, "with POP3") || find_lit(s, n, "with IMAP")) return 2;
        /* RDNS ((HELO|EHLO) h) ((ident@)?[?IP]?) ... by X */
        if (at_lit(s, n, xe, " (HELO ") || at_lit(s, n, xe, " (EHLO ")) {
            size_t hb = xe + 7;
            const char *cl = memchr(s + hb, ')', n - hb);
            struct ident_ip ii;
            if (cl && at_lit(s, n, (size_t)(cl - s), ") (") &&
                ident_ip_by(s, n, (size_t)(cl - s) + 3, r, &ii)) {
                SET(rdns, x, xe - x);
                SET(helo, hb, (size_t)(cl - s) - hb);
                if (ii.ident) SET(ident, ii.idb, ii.ide - ii.idb);
                SET(ip, ii.ipb, ii.ipl);
                goto enough;
            }
        }
        /* RDNS ((ident@)?[?IP]?) ... by X */
        struct ident_ip ii;
        if (at_lit(s, n, xe, " (") && ident_ip_by(s, n, xe + 2, r, &ii)) {
            SET(rdns, x, xe - x);
            SET(helo, x, xe - x);
            if (ii.ident) SET(ident, ii.idb, ii.ide - ii.idb);
            SET(ip, ii.ipb, ii.ipl);
            goto enough;
        }
        /* HELO (RDNS [IP]) by X with */
        if (at_lit(s, n, xe, " (")) {
            size_t rb = xe + 2, re = tok_end(s, n, rb);
            if (re > rb && at_lit(s, n, re, " ") && br_ip(s, n, re + 1, &ib, &il, &e2) &&
                at_lit(s, n, e2, ")") && by_after(s, n, e2 + 1, r, &k) &&
                at_lit(s, n, k, " with ")) {
                SET(helo, x, xe - x);
                SET(rdns, rb, re - rb);
                SET(ip, ib, il);
                goto enough;
            }
        }
        /* HELO (IP) by X  (a name not starting with a digit) */
        if (!ch_is_digit((unsigned char)s[x]) && at_lit(s, n, xe, " (") &&
            (k = ip_at(s, n, xe + 2)) && at_lit(s, n, xe + 2 + k, ")") &&
            by_after(s, n, xe + 3 + k, r, &e2) && at_lit(s, n, e2, " ")) {
            SET(helo, x, xe - x);
            SET(ip, xe + 2, k);
            goto enough;
        }
        /* IP by X with */
        if ((k = ip_at(s, n, x)) && x + k == xe && by_after(s, n, xe, r, &e2) &&
            at_lit(s, n, e2, " with ")) {
            SET(ip, x, k);
            goto enough;
        }
        /* HELO (RDNS[IP]) by X */
        if (at_lit(s, n, xe, " (")) {
            size_t rb = xe + 2, re = rb;
            while (re < n && s[re] != ' ' && s[re] != '[')
                re++;
            if (re > rb && br_ip(s, n, re, &ib, &il, &e2) && at_lit(s, n, e2, ")") &&
                by_after(s, n, e2 + 1, r, &k) && at_lit(s, n, k, " ")) {
                SET(helo, x, xe - x);
                SET(rdns, rb, re - rb);
                SET(ip, ib, il);
                goto enough;
            }
        }
        /* HELO [IP] by X */
        if (at_lit(s, n, xe, " ") && br_ip(s, n, xe + 1, &ib, &il, &e2) &&
            by_after(s, n, e2, r, &k) && at_lit(s, n, k, " ")) {
            SET(helo, x, xe - x);
            SET(ip, ib, il);
            goto enough;
        }
        /* [IP] (sub) by X */
        if (br_ip(s, n, x, &ib, &il, &e2) && at_lit(s, n, e2, " (")) {
            const char *cl = memchr(s + e2 + 2, ')', n - e2 - 2);
            if (cl && by_after(s, n, (size_t)(cl - s) + 1, r, &k) && at_lit(s, n, k, " ")) {
                SET(ip, ib, il);
                const char *h = find_lit(s + e2, (size_t)(cl - s) - e2, "helo=");
                if (h) {
                    size_t hb = (size_t)(h - s) + 5, he = hb;
                    while (he < (size_t)(cl - s) && s[he] != ' ')
                        he++;
                    SET(helo, hb, he - hb);
                }
                goto enough;
            }
        }
        /* [IP] by X */
        if (br_ip(s, n, x, &ib, &il, &e2) && by_after(s, n, e2, r, &k) && at_lit(s, n, k, " ")) {
            SET(ip, ib, il);
            goto enough;
        }
        /* (H [IP]) by X ;  ( [IP]) ... by X ;  ([IP]) by X */
        if (s[x] == '(') {
            size_t he = x + 1;
            while (he < n && s[he] != ' ' && s[he] != ')')
                he++;
            if (he > x + 1 && at_lit(s, n, he, " ") && br_ip(s, n, he + 1, &ib, &il, &e2) &&
                at_lit(s, n, e2, ")") && by_after(s, n, e2 + 1, r, &k) && at_lit(s, n, k, " ")) {
                SET(helo, x + 1, he - x - 1);
                SET(ip, ib, il);
                goto enough;
            }
            size_t q = x + 1;
            if (q < n && s[q] == '[') q++;
            if ((k = ip_at(s, n, q))) {
                size_t z = q + k;
                if (z < n && s[z] == ']') z++;
                if (at_lit(s, n, z, ")") && by_after(s, n, z + 1, r, &e2) &&
                    at_lit(s, n, e2, " ")) {
                    SET(ip, q, k);
                    goto enough;
                }
            }
        }
        /* lines that carry no usable handover */
        if (at_lit(s, n, xe, " by ")) {
            size_t b = xe + 4, e = tok_end(s, n, b);
            if (at_lit(s, n, e, " with ") || at_lit(s, n, e, " via ") || at_lit(s, n, e, " for ") ||
                at_lit(s, n, e, " ("))
                return 0;
        }
        if (!r->helo && xe < n) SET(helo, x, xe - x);
        if (!r->helo) {
            /* ^(\S+)[^-A-Za-z0-9\.] */
            size_t e = x;
            while (e < n && (ch_is_alnum((unsigned char)s[e]) || s[e] == '-' || s[e] == '.'))
                e++;
            if (e > x && e < n) SET(helo, x, e - x);
        }
    }
fallback:
    if (!r->ip) {
        for (size_t q = 0; q < n; q++) {
            size_t b, l, e;
            if (br_ip(s, n, q, &b, &l, &e)) {
                SET(ip, b, l);
                break;
            }
        }
    }
    if (!(r->ip && r->ip_l && r->by && r->by_l)) return -1;
enough:
    return 1;
}
#undef SET

/* Can an auth method be read back from "auth=%s msa=0 ]" as it is? The
 * other fields are relay_clean'd: no white space, '[' or ']' in them. */
static bool auth_reads_back(const char *s)
{
    size_t n = strlen(s);
    if (n && (is_sp((unsigned char)s[0]) || is_sp((unsigned char)s[n - 1]))) return false;
    return strpbrk(s, "[]=") == NULL;
}

/* Appends r to the trusted (0) or untrusted (1) relays of msgview_relays. */
static void relay_keep(struct msgview *v, int which, const struct mv_relay *r)
{
    struct priv *pv = P(v);
    if (!auth_reads_back(r->auth)) pv->relays_exact = false;
    pv->rl[which] =
        arena_grow(v->a, pv->rl[which], &pv->cap_rl[which], pv->n_rl[which] + 1, sizeof *r);
    pv->rl[which][pv->n_rl[which]++] = *r;
}

static void relays_build(struct msgview *v)
{
    struct priv *pv = P(v);
    if (pv->relays_done) return;
    pv->relays_done = true;
    struct sb s[4];
    for (int i = 0; i < 4; i++)
        sb_init(&s[i], v->a);
    bool in_trusted = true, in_internal = true;
    pv->last_trusted = pv->last_internal = -1;
    pv->relays_exact = true;
    bool first_untrusted = true;
    bool allow_fetch = true; /* allow_mailfetch_markers */
    struct res rc;
    rc.n = 0;
    get_values(v, top_fields(v), "Received", 8, G_DEC, &rc);
    for (size_t i = 0; i < rc.n; i++) {
        struct rcv h;
        int st = rcvd_parse(v->a, rc.v[i].p, rc.v[i].len, &h);
        if (st == 2 && allow_fetch) {
            s[0].len = s[2].len = s[3].len = 0;
            s[0].p[0] = s[2].p[0] = s[3].p[0] = 0;
            pv->n_rl[0] = 0;
        }
        if (st != 1) {
            if (in_trusted) pv->last_trusted++;
            if (in_internal) pv->last_internal++;
            continue;
        }
        struct relay rl;
        /* each field's length, for the relay's string */
        size_t ip_n, rdns_n, helo_n, by_n, ident_n, envfrom_n = 0, id_n;
        /* ip: "IPv6:", brackets and a zone dropped, ::ffff:a.b.c.d as IPv4 */
        {
            const char *ip = h.ip;
            size_t il = h.ip_l;
            if (il >= 5 && str_starts_ci(ip, il, "ipv6:")) ip += 5, il -= 5;
            if (il && ip[0] == '[') ip++, il--;
            if (il && ip[il - 1] == ']') il--;
            const char *pc = memchr(ip, '%', il);
            if (pc) il = (size_t)(pc - ip);
            const char *ff = str_find_ci(ip, il, "ffff:");
            if (ff && memchr(ff, '.', il - (size_t)(ff - ip))) {
                bool zeros = true;
                for (const char *z = ip; z < ff; z++)
                    if (*z != '0' && *z != ':') zeros = false;
                if (zeros) {
                    il -= (size_t)(ff + 5 - ip);
                    ip = ff + 5;
                }
            }
            rl.ip = relay_clean_n(v->a, ip, il, &ip_n);
        }
        {
            /* up to a NUL, trailing dots dropped; "unknown" and "[..." empty */
            size_t k = h.rdns ? strnlen(h.rdns, h.rdns_l) : 0;
            while (k > 0 && h.rdns[k - 1] == '.')
                k--;
            if (k && (str_eq_ci(h.rdns, k, "unknown") || h.rdns[0] == '[')) k = 0;
            rl.rdns = relay_clean_n(v->a, k ? h.rdns : "", k, &rdns_n);
        }
        rl.helo = relay_clean_n(v->a, h.helo ? h.helo : "", h.helo ? h.helo_l : 0, &helo_n);
        {
            size_t bl = h.by_l;
            if (bl && h.by[bl - 1] == ';') bl--;
            rl.by = relay_clean_n(v->a, h.by, bl, &by_n);
        }
        rl.ident = relay_clean_n(v->a, h.ident ? h.ident : "", h.ident ? h.ident_l : 0, &ident_n);
        rl.envfrom = NULL;
        if (h.has_envfrom) {
            const char *e = h.envfrom;
            size_t el = h.envfrom_l;
            while (el && (is_sp((unsigned char)*e) || *e == '<'))
                e++, el--;
            while (el && (is_sp((unsigned char)e[el - 1]) || e[el - 1] == '>'))
                el--;
            rl.envfrom = relay_clean_n(v->a, e, el, &envfrom_n);
        }
        rl.id = relay_clean_n(v->a, h.id ? h.id : "", h.id ? h.id_l : 0, &id_n);
        rl.auth = h.auth;
        rl.priv = ip_private(rl.ip);
        if (in_trusted && !(rl.priv || *rl.auth)) in_trusted = in_internal = false;
        rl.internal = in_internal;
#define PART(lit)                                                                                  \
    {                                                                                              \
        "" lit, sizeof("" lit) - 1                                                                 \
    }
        const struct {
            const char *p;
            size_t n;
        } parts[] = {PART("[ ip="),
                     {rl.ip, ip_n},
                     PART(" rdns="),
                     {rl.rdns, rdns_n},
                     PART(" helo="),
                     {rl.helo, helo_n},
                     PART(" by="),
                     {rl.by, by_n},
                     PART(" ident="),
                     {rl.ident, ident_n},
                     PART(" envfrom="),
                     {rl.envfrom ? rl.envfrom : "", envfrom_n},
                     {rl.internal ? " intl=1 id=" : " intl=0 id=", sizeof " intl=0 id=" - 1},
                     {rl.id, id_n},
                     PART(" auth="),
                     {rl.auth, strlen(rl.auth)},
                     PART(" msa=0 ]")};
#undef PART
        size_t total = 0;
        for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++)
            total += parts[pi].n;
        char *str = arena_alloc(v->a, total + 1);
        size_t sl = 0;
        for (size_t pi = 0; pi < sizeof parts / sizeof parts[0]; pi++) {
            memcpy(str + sl, parts[pi].p, parts[pi].n);
            sl += parts[pi].n;
        }
        str[sl] = 0;
        struct sb *t = in_trusted ? &s[0] : &s[1];
        if (t->len) sb_putc(t, ' ');
        sb_put(t, str, sl);
        struct sb *x = in_internal ? &s[2] : &s[3];
        if (x->len) sb_putc(x, ' ');
        sb_put(x, str, sl);
        relay_keep(v, in_trusted ? 0 : 1,
                   &(struct mv_relay){rl.ip, rl.rdns, rl.helo, rl.by, rl.ident,
                                      rl.envfrom ? rl.envfrom : "", rl.id, rl.auth});
        if (in_trusted) {
            pv->last_trusted++;
            pv->trusted_last_envfrom = rl.envfrom;
            pv->has_trusted_last = true;
        } else if (first_untrusted) {
            first_untrusted = false;
            pv->untrusted0_envfrom = rl.envfrom;
            pv->has_untrusted0 = true;
        }
        allow_fetch = in_trusted;
        if (in_internal) pv->last_internal++;
    }
    /* originating_ip_headers of the stock rules: synthetic relays with
     * only an IP, after the Received ones */
    static const char *const orig[] = {
        "X-Yahoo-Post-IP",   "X-Originating-IP",
        "X-Apparently-From", "X-SenderIP",
        "X-AOL-IP",          "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp"};
    for (size_t oi = 0; oi < sizeof orig / sizeof orig[0]; oi++) {
        struct res r;
        r.n = 0;
        get_values(v, top_fields(v), orig[oi], strlen(orig[oi]), G_DEC, &r);
        if (!r.n) continue;
        size_t b, l;
        if (!ip_in(r.v[r.n - 1].p, r.v[r.n - 1].len, &b, &l)) continue;
        char *ip = arena_strndup(v->a, r.v[r.n - 1].p + b, l);
        bool pr = ip_private(ip);
        if (in_trusted && !pr) in_trusted = in_internal = false;
        char *str =
            arena_printf(v->a, "[ ip=%s rdns= helo= by= ident= envfrom= intl=%d id= auth= msa=0 ]",
                         ip, in_internal ? 1 : 0);
        struct sb *t = in_trusted ? &s[0] : &s[1];
        if (t->len) sb_putc(t, ' ');
        sb_put(t, str, strlen(str));
        struct sb *x = in_internal ? &s[2] : &s[3];
        if (x->len) sb_putc(x, ' ');
        sb_put(x, str, strlen(str));
        relay_keep(v, in_trusted ? 0 : 1, &(struct mv_relay){ip, "", "", "", "", "", "", ""});
        if (in_trusted) {
            pv->last_trusted++;
            pv->trusted_last_envfrom = NULL;
            pv->has_trusted_last = true;
        } else if (first_untrusted) {
            first_untrusted = false;
            pv->untrusted0_envfrom = NULL;
            pv->has_untrusted0 = true;
        }
        if (in_internal) pv->last_internal++;
    }
    for (int i = 0; i < 4; i++)
        pv->relay_str[i] = (struct mv_text){s[i].p, s[i].len};
}

const struct mv_relay *msgview_relays(struct msgview *v, int which, size_t *n, struct mv_text *str)
{
    static const struct mv_relay none[1];
    struct priv *pv = P(v);
    int k = which ? 1 : 0;
    relays_build(v);
    *str = pv->relay_str[k];
    if (!str->p) *str = (struct mv_text){"", 0};
    *n = pv->relays_exact ? pv->n_rl[k] : 0;
    if (!pv->relays_exact) return NULL;
    return pv->n_rl[k] ? pv->rl[k] : none;
}

/* ---------------------------------------------------------------------- */
/* ALL and its trusted/untrusted ranges */

/* Message::new's pristine header block (the mbox From_ line left out): in
 * CRLF mode a bare LF in it becomes CRLF (bug 7785) */
static struct mv_text pristine_headers(struct msgview *v)
{
    struct priv *pv = P(v);
    struct fieldset *fs = top_fields(v);
    if (pv->ph_done) return pv->ph;
    pv->ph_done = true;
    const char *r = v->m->raw + pv->mbox_skip;
    size_t n = fs->hdr_end > pv->mbox_skip ? fs->hdr_end - pv->mbox_skip : 0;
    bool bare = false;
    if (pv->crlf)
        for (size_t i = 0; i < n && !bare; i++)
            if (r[i] == '\n' && (i == 0 || r[i - 1] != '\r')) bare = true;
    if (!bare) {
        pv->ph = (struct mv_text){r, n};
        return pv->ph;
    }
    struct sb b;
    sb_init(&b, v->a);
    for (size_t i = 0; i < n; i++) {
        if (r[i] == '\n' && (i == 0 || r[i - 1] != '\r')) sb_putc(&b, '\r');
        sb_putc(&b, r[i]);
    }
    pv->ph = (struct mv_text){b.p, b.len};
    return pv->ph;
}

static void all_lines_build(struct msgview *v, bool raw, struct res *r);

/* the header lines: decoded "Name: value\n", or the raw lines as written
 * (built once each) */
static void all_lines(struct msgview *v, bool raw, struct res *r)
{
    struct priv *pv = P(v);
    struct mv_text **c = raw ? &pv->all_raw : &pv->all_dec;
    size_t *cn = raw ? &pv->n_all_raw : &pv->n_all_dec;
    if (!*c) {
        struct res t;
        t.n = 0;
        all_lines_build(v, raw, &t);
        *c = arena_alloc(v->a, (t.n ? t.n : 1) * sizeof **c);
        memcpy(*c, t.v, t.n * sizeof **c);
        *cn = t.n;
    }
    for (size_t i = 0; i < *cn; i++)
        res_add(r, (*c)[i].p, (*c)[i].len);
}

static void all_lines_build(struct msgview *v, bool raw, struct res *r)
{
    struct fieldset *fs = top_fields(v);
    if (!raw) {
        for (size_t i = 0; i < fs->n; i++) {
            struct field *f = &fs->f[i];
            size_t dl;
            const char *d = field_dec(v, f, &dl);
            char *o = arena_alloc(v->a, f->name_len + dl + 4);
            memcpy(o, f->name, f->name_len);
            memcpy(o + f->name_len, ": ", 2);
            memcpy(o + f->name_len + 2, d, dl);
            o[f->name_len + 2 + dl] = '\n';
            o[f->name_len + 3 + dl] = 0;
            res_add(r, o, f->name_len + 3 + dl);
        }
        return;
    }
    /* get_pristine_header() =~ /^([^ \t].*?\n)(?![ \t])/smg */
    struct mv_text ph = pristine_headers(v);
    const char *raw0 = ph.p;
    size_t end = ph.len;
    size_t i = 0;
    while (i < end) {
        if (raw0[i] == ' ' || raw0[i] == '\t') {
            const char *nl = memchr(raw0 + i, '\n', end - i);
            if (!nl) break;
            i = (size_t)(nl - raw0) + 1;
            continue;
        }
        size_t k = i + 1; /* [^ \t] takes the first character, even a line end */
        for (;;) {
            if (k >= end) {
                k = SIZE_MAX;
                break;
            }
            const char *nl = memchr(raw0 + k, '\n', end - k);
            if (!nl) {
                k = SIZE_MAX;
                break;
            }
            k = (size_t)(nl - raw0) + 1;
            if (k >= end || (raw0[k] != ' ' && raw0[k] != '\t')) break;
        }
        if (k == SIZE_MAX) break;
        res_add(r, raw0 + i, k - i);
        i = k;
    }
}

static void all_range(struct msgview *v, bool raw, long start, bool has_start, long endi,
                      bool has_end, struct res *r)
{
    struct res all;
    all.n = 0;
    all_lines(v, raw, &all);
    long cur = -1;
    for (size_t i = 0; i < all.n; i++) {
        if (str_starts_ci(all.v[i].p, all.v[i].len, "received:")) cur++;
        if ((!has_start || start <= cur) && (!has_end || cur < endi))
            res_add(r, all.v[i].p, all.v[i].len);
        else if (has_end && cur == endi) {
            res_add(r, all.v[i].p, all.v[i].len);
            break;
        }
    }
}

/* ---------------------------------------------------------------------- */
/* modifiers */

static void first_addr(struct msgview *v, const char *name, struct res *r);

/* (?<![._-])(\S{1,251}\.TLD)(?![._-]) starting at b: the longest end */
static bool host_match_at(const char *s, size_t n, size_t b, size_t *end)
{
    if (b >= n || is_sp((unsigned char)s[b])) return false;
    if (b > 0 && (s[b - 1] == '.' || s[b - 1] == '_' || s[b - 1] == '-')) return false;
    size_t e = b;
    while (e < n && !is_sp((unsigned char)s[e]))
        e++;
    for (size_t k = e; k > b + 2; k--) {
        if (k < n &&
            (ch_is_alnum((unsigned char)s[k]) || s[k] == '.' || s[k] == '_' || s[k] == '-'))
            continue;
        size_t d = k;
        while (d > b && s[d - 1] != '.')
            d--;
        if (d <= b + 1 || d - 1 - b > 251) continue;
        bool lab = true;
        for (size_t j = d; j < k; j++)
            if (!(ch_is_alnum((unsigned char)s[j]) || s[j] == '-')) lab = false;
        if (!lab || !urilist_tld_known(s + d, k - d)) continue;
        *end = k;
        return true;
    }
    return false;
}

/* :host of one value; after_addr: the :addr:host form (after the last '@') */
static bool host_of(struct msgview *v, const char *s, size_t n, bool after_addr, const char **out,
                    size_t *ol)
{
    if (after_addr) {
        for (size_t i = n; i > 0; i--)
            if (s[i - 1] == '@') {
                size_t k = i;
                while (k < n && !is_sp((unsigned char)s[k]))
                    k++;
                if (k == i) return false;
                *out = s + i;
                *ol = k - i;
                return true;
            }
        return false;
    }
    size_t e, hl;
    /* the domain of an address or message id first */
    for (size_t i = n; i > 0; i--) {
        if (s[i - 1] != '@') continue;
        if (!host_match_at(s, n, i, &e)) continue;
        char *h = urilist_idn_to_ascii(v->a, s + i, e - i, &hl);
        if (urilist_fqdn_valid(h, hl)) {
            *out = s + i;
            *ol = e - i;
            return true;
        }
        break;
    }
    /* else the first valid host name anywhere */
    size_t pos = 0;
    while (pos < n) {
        size_t b = pos;
        bool found = false;
        for (; b < n; b++)
            if (host_match_at(s, n, b, &e)) {
                found = true;
                break;
            }
        if (!found) return false;
        char *h = urilist_idn_to_ascii(v->a, s + b, e - b, &hl);
        if (urilist_fqdn_valid(h, hl)) {
            *out = s + b;
            *ol = e - b;
            return true;
        }
        pos = e;
    }
    return false;
}

static size_t domain_of(const char *h, size_t n)
{
    /* trim_domain without the 2tld/3tld lists: the last two labels, three
     * when the top is a ccTLD and the second label is short (co.uk) */
    size_t dots = 0, p1 = 0, p2 = 0, p3 = 0;
    for (size_t i = n; i > 0; i--)
        if (h[i - 1] == '.') {
            dots++;
            if (dots == 1)
                p1 = i;
            else if (dots == 2)
                p2 = i;
            else if (dots == 3) {
                p3 = i;
                break;
            }
        }
    if (dots < 2) return 0;
    size_t tld = n - p1, sld = p1 - 1 - p2;
    if (tld == 2 && sld <= 3 && dots >= 2) return dots >= 3 ? p3 : 0;
    return p2;
}

/* (?<!\.)\b(IP_ADDRESS)\b(?!\.): the first IP address in s */
static bool ip_in(const char *s, size_t n, size_t *b, size_t *l)
{
    for (size_t i = 0; i < n; i++) {
        if (!ch_is_xdigit((unsigned char)s[i])) continue;
        if (i > 0 && (s[i - 1] == '.' || ch_is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '_' ||
                      s[i - 1] == ':'))
            continue;
        size_t e = i;
        while (e < n && (ch_is_xdigit((unsigned char)s[e]) || s[e] == ':' || s[e] == '.'))
            e++;
        for (size_t k = e; k > i; k--) {
            if (k < n && (s[k] == '.' || ch_is_alnum((unsigned char)s[k]) || s[k] == '_')) continue;
            if (!ch_is_alnum((unsigned char)s[k - 1])) continue; /* \b after the address */
            char buf[64];
            if (k - i >= sizeof buf) continue;
            memcpy(buf, s + i, k - i);
            buf[k - i] = 0;
            unsigned char tmp[16];
            bool ok = false;
            if (strchr(buf, ':'))
                ok = inet_pton(AF_INET6, buf, tmp) == 1;
            else {
                unsigned o[4];
                char extra;
                ok = sscanf(buf, "%3u.%3u.%3u.%3u%c", &o[0], &o[1], &o[2], &o[3], &extra) == 4 &&
                     o[0] < 256 && o[1] < 256 && o[2] < 256 && o[3] < 256;
                for (size_t j = 0; ok && j < k - i; j++)
                    if (buf[j] == '0' && (j == 0 || buf[j - 1] == '.') && j + 1 < k - i &&
                        buf[j + 1] != '.')
                        ok = false;
            }
            if (ok) {
                *b = i;
                *l = k - i;
                return true;
            }
        }
    }
    return false;
}

static char *reverse_ip(arena *a, const char *ip, size_t n)
{
    if (memchr(ip, ':', n)) {
        char buf[64];
        unsigned char b[16];
        memcpy(buf, ip, n);
        buf[n] = 0;
        if (inet_pton(AF_INET6, buf, b) != 1) return arena_strndup(a, ip, n);
        struct sb o;
        sb_init(&o, a);
        for (int i = 15; i >= 0; i--) {
            char t[8];
            snprintf(t, sizeof t, "%x.%x", b[i] & 0xF, b[i] >> 4);
            sb_put(&o, t, strlen(t));
            if (i) sb_putc(&o, '.');
        }
        return o.p;
    }
    unsigned o[4] = {0, 0, 0, 0};
    char buf[32];
    memcpy(buf, ip, n < 31 ? n : 31);
    buf[n < 31 ? n : 31] = 0;
    sscanf(buf, "%u.%u.%u.%u", &o[0], &o[1], &o[2], &o[3]);
    return arena_printf(a, "%u.%u.%u.%u", o[3], o[2], o[1], o[0]);
}

/* :name of one phrase: decoded, white space normalised, one level of
 * single quotes removed */
static void name_value(struct msgview *v, const char *p, size_t n, struct res *r)
{
    size_t dl;
    char *d = decode_header(v->a, p, n, false, &dl);
    bool any = false;
    for (size_t i = 0; i < dl; i++)
        if (!is_sp((unsigned char)d[i])) any = true;
    if (!any) {
        res_add(r, d, dl);
        return;
    }
    struct sb o;
    sb_init(&o, v->a);
    for (size_t i = 0; i < dl; i++) {
        if (is_sp((unsigned char)d[i])) {
            while (i + 1 < dl && is_sp((unsigned char)d[i + 1]))
                i++;
            sb_putc(&o, ' ');
        } else {
            sb_putc(&o, d[i]);
        }
    }
    size_t s = 0, e = o.len;
    while (s < e && is_sp((unsigned char)o.p[s]))
        s++;
    while (e > s && is_sp((unsigned char)o.p[e - 1]))
        e--;
    /* s/^'(.*?)'$/$1/ */
    if (e - s >= 2 && o.p[s] == '\'' && o.p[e - 1] == '\'') {
        s++;
        e--;
    }
    res_add(r, o.p + s, e - s);
}

/* parse_addresses once per distinct value and message: its results are
 * arena strings that nobody writes to, so :addr and :name of one header can
 * share them. The key is a copy of the value, so equal bytes hit whatever
 * their address. */
static size_t parse_addresses_memo(struct msgview *v, const char *in, size_t in_len,
                                   struct addr_res *buf, const struct addr_res **out)
{
    struct priv *pv = P(v);
    for (size_t i = 0; i < pv->n_addr_memo; i++) {
        const struct addr_memo *m = &pv->addr_memo[i];
        if (m->val_len == in_len && memcmp(m->val, in, in_len) == 0) {
            *out = m->ar;
            return m->n;
        }
    }
    size_t n = parse_addresses(v, in, in_len, buf, ADDR_PARSE_MAX);
    *out = buf;
    if (in_len && pv->n_addr_memo < ADDR_MEMO_MAX) {
        struct addr_res *keep = n ? arena_memdup(v->a, buf, n * sizeof *buf) : NULL;
        pv->addr_memo[pv->n_addr_memo++] =
            (struct addr_memo){arena_memdup(v->a, in, in_len), in_len, keep, n};
    }
    return n;
}

static void apply_mods(struct msgview *v, struct res *r, enum rule_hdr_mod mod)
{
    if (mod == HM_ADDR || mod == HM_NAME) {
        struct res o;
        o.n = 0;
        for (size_t i = 0; i < r->n; i++) {
            struct addr_res buf[ADDR_PARSE_MAX];
            const struct addr_res *ar;
            size_t na = parse_addresses_memo(v, r->v[i].p, r->v[i].len, buf, &ar);
            for (size_t k = 0; k < na; k++) {
                if (mod == HM_ADDR && ar[k].address)
                    res_add(&o, ar[k].address, ar[k].address_len);
                else if (mod == HM_NAME && ar[k].phrase)
                    name_value(v, ar[k].phrase, ar[k].phrase_len, &o);
            }
        }
        res_copy(r, &o);
        return;
    }
    if (mod == HM_HOST || mod == HM_DOMAIN) {
        struct res o;
        o.n = 0;
        for (size_t i = 0; i < r->n; i++) {
            const char *h;
            size_t hl;
            if (!host_of(v, r->v[i].p, r->v[i].len, false, &h, &hl)) continue;
            if (mod == HM_DOMAIN) {
                size_t al;
                char *lh = urilist_idn_to_ascii(v->a, h, hl, &al);
                size_t d = domain_of(lh, al);
                h = lh + d;
                hl = al - d;
            }
            res_add(&o, h, hl);
        }
        res_copy(r, &o);
        return;
    }
    if (mod == HM_IP || mod == HM_REVIP) {
        struct res o;
        o.n = 0;
        for (size_t i = 0; i < r->n; i++) {
            size_t b, l;
            if (!ip_in(r->v[i].p, r->v[i].len, &b, &l)) continue;
            if (mod == HM_IP)
                res_add(&o, r->v[i].p + b, l);
            else {
                char *x = reverse_ip(v->a, r->v[i].p + b, l);
                res_add(&o, x, strlen(x));
            }
        }
        res_copy(r, &o);
    }
}

/* EnvelopeFrom (get_envelope_from) */
static bool envelope_from(struct msgview *v, const char **out, size_t *ol)
{
    if (v->env.envelope_from) {
        *out = v->env.envelope_from;
        *ol = strlen(*out);
        return true;
    }
    struct priv *pv = P(v);
    relays_build(v);
    const char *e = NULL;
    bool have = false;
    if (pv->has_untrusted0) {
        e = pv->untrusted0_envfrom;
        have = true;
    } else if (pv->has_trusted_last) {
        e = pv->trusted_last_envfrom;
        have = true;
    }
    if (have && e && (strchr(e, '@') > e || *e == 0)) {
        *out = e;
        *ol = strlen(e);
        return true;
    }
    struct res r;
    r.n = 0;
    first_addr(v, "X-Sender", &r);
    if (r.n && memchr(r.v[0].p, '@', r.v[0].len)) {
        struct res rc;
        rc.n = 0;
        get_values(v, top_fields(v), "Received", 8, G_DEC, &rc);
        for (size_t i = 0; i < rc.n; i++)
            if (memmem(rc.v[i].p, rc.v[i].len, "(fetchmail", 10)) return false;
    }
    static const char *const hdrs[] = {"X-Envelope-From", "Envelope-Sender", "Return-Path"};
    struct fieldset *fs = top_fields(v);
    for (size_t h = 0; h < 3; h++) {
        r.n = 0;
        first_addr(v, hdrs[h], &r);
        if (!r.n) continue;
        /* not when a Received header comes before it */
        bool rcvd_before = false, seen_rcvd = false;
        for (size_t i = 0; i < fs->n; i++) {
            if (str_eq_ci(fs->f[i].name, fs->f[i].name_len, "received")) seen_rcvd = true;
            if (seen_rcvd && name_eq(fs->f[i].name, fs->f[i].name_len, hdrs[h], strlen(hdrs[h])))
                rcvd_before = true;
        }
        if (rcvd_before) {
            if (h == 0) return false;
            continue;
        }
        *out = r.v[0].p;
        *ol = r.v[0].len;
        return true;
    }
    return false;
}

/* Name:first:addr */
static void first_addr(struct msgview *v, const char *name, struct res *r)
{
    struct res raw;
    raw.n = 0;
    get_values(v, top_fields(v), name, strlen(name), G_RAW, &raw);
    if (!raw.n) return;
    raw.n = 1;
    apply_mods(v, &raw, HM_ADDR);
    res_copy(r, &raw);
}

/* PerMsgStatus::_get(name[:mod]) */
static bool is_pseudo(const char *name, size_t n);

/* nh = name_hash(name, nl), pseudo = is_pseudo(name, nl): the callers have
 * both at hand (msgview_key), and working them out again for each of the
 * 36 lookups a message that miss the cache was 0.4% of check's samples.
 * Returns whether each value is a whole string of its own, NUL-terminated
 * at its length (a field's raw value, or the decoded copy get_values makes
 * with its "\n"), which join_res may then hand on as it is. */
static bool get_list(struct msgview *v, const char *name, size_t nl, uint32_t nh, bool pseudo,
                     enum rule_hdr_mod mod, struct res *r)
{
    bool getraw = mod == HM_RAW;
    bool needraw = mod == HM_ADDR || mod == HM_NAME;
    r->n = 0;
    if (!pseudo) {
        /* an ordinary field name (a third of all calls miss the cache):
         * none of the names tested below can match it */
        get_values_h(v, top_fields(v), name, nl, nh, getraw || needraw ? G_RAW : G_DEC, r);
        if (r->n && mod != HM_DEFAULT && mod != HM_RAW) {
            apply_mods(v, r, mod);
            return false;
        }
        return true;
    }
    struct priv *pv = P(v);
    if (strcmp(name, "ALL") == 0) {
        all_lines(v, getraw, r);
        return false;
    }
    if (strcmp(name, "ALL-TRUSTED") == 0 || strcmp(name, "ALL-INTERNAL") == 0) {
        relays_build(v);
        long idx = name[4] == 'T' ? pv->last_trusted : pv->last_internal;
        all_range(v, getraw, 0, false, idx + 1, true, r);
        return false;
    }
    if (strcmp(name, "ALL-UNTRUSTED") == 0 || strcmp(name, "ALL-EXTERNAL") == 0) {
        relays_build(v);
        long idx = name[4] == 'U' ? pv->last_trusted : pv->last_internal;
        all_range(v, getraw, idx + 1, true, 0, false, r);
        return false;
    }
    struct fieldset *fs = top_fields(v);
    if (str_eq_ci(name, nl, "EnvelopeFrom")) {
        const char *e;
        size_t el;
        if (envelope_from(v, &e, &el)) res_add(r, e, el);
    } else if (str_starts_ci(name, nl, "X-Spam-Relays-")) {
        relays_build(v);
        const char *k = name + 14;
        size_t kl = nl - 14;
        int idx = str_eq_ci(k, kl, "Trusted")     ? 0
                  : str_eq_ci(k, kl, "Untrusted") ? 1
                  : str_eq_ci(k, kl, "Internal")  ? 2
                  : str_eq_ci(k, kl, "External")  ? 3
                                                  : -1;
        if (idx >= 0)
            res_add(r, pv->relay_str[idx].p, pv->relay_str[idx].len);
        else
            get_values_h(v, fs, name, nl, nh, getraw || needraw ? G_RAW : G_DEC, r);
    } else if (str_eq_ci(name, nl, "ToCc")) {
        get_values(v, fs, "To", 2, getraw ? G_RAWC : G_DEC, r);
        get_values(v, fs, "Cc", 2, getraw ? G_RAWC : G_DEC, r);
    } else if (strcmp(name, "MESSAGEID") == 0) {
        static const char *const ids[] = {"X-Message-Id", "Resent-Message-Id",
                                          "X-Original-Message-ID", "Message-Id"};
        for (size_t i = 0; i < 4; i++)
            get_values(v, fs, ids[i], strlen(ids[i]), getraw ? G_RAWC : G_DEC, r);
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++)
            if (r->v[i].len) r->v[k++] = r->v[i];
        r->n = k;
    } else {
        get_values_h(v, fs, name, nl, nh, getraw || needraw ? G_RAW : G_DEC, r);
        if (!r->n) {
            /* metadata */
            if (str_eq_ci(name, nl, "X-AuthorDomain")) {
                struct res fr;
                fr.n = 0;
                get_values(v, fs, "From", 4, G_RAW, &fr);
                apply_mods(v, &fr, HM_ADDR);
                struct sb o;
                sb_init(&o, v->a);
                for (size_t i = 0; i < fr.n; i++) {
                    const char *h;
                    size_t hl;
                    if (!host_of(v, fr.v[i].p, fr.v[i].len, true, &h, &hl)) continue;
                    size_t al;
                    char *x = urilist_idn_to_ascii(v->a, h, hl, &al);
                    bool dup = false;
                    for (size_t j = 0; j < i && !dup; j++) {
                        const char *h2;
                        size_t hl2;
                        if (host_of(v, fr.v[j].p, fr.v[j].len, true, &h2, &hl2) && hl2 == hl &&
                            memcmp(h2, h, hl) == 0)
                            dup = true;
                    }
                    if (dup) continue;
                    if (o.len) sb_putc(&o, ' ');
                    sb_put(&o, x, al);
                }
                if (o.len) res_add(r, o.p, o.len);
            } else if (str_eq_ci(name, nl, "X-SenderDomain")) {
                const char *e;
                size_t el;
                if (envelope_from(v, &e, &el)) {
                    struct res er;
                    er.n = 0;
                    res_add(&er, e, el);
                    apply_mods(v, &er, HM_ADDR);
                    const char *h;
                    size_t hl;
                    if (er.n && host_of(v, er.v[0].p, er.v[0].len, true, &h, &hl)) {
                        size_t al;
                        char *x = urilist_idn_to_ascii(v->a, h, hl, &al);
                        res_add(r, x, al);
                    }
                }
            }
        }
    }
    if (r->n && mod != HM_DEFAULT && mod != HM_RAW) apply_mods(v, r, mod);
    return false;
}

/* ---------------------------------------------------------------------- */
/* MIME parts as SpamAssassin types them (Util::parse_content_type) */

struct sapart {
    char type[64]; /* effective type */
    const char *charset;
    size_t charset_len;
    char cte; /* 'q', 'b' or 0 */
};

/* the value of `param`= in a Content-Type: \bparam\s*=\s*["']?(.*?)["']?(?:;|$) */
static bool ct_param(const char *s, size_t n, const char *param, const char **v, size_t *vl)
{
    size_t pl = strlen(param);
    unsigned char p0 = (unsigned char)param[0];
    for (size_t i = 0; i + pl <= n; i++) {
        if (ch_lower((unsigned char)s[i]) != p0 || !str_starts_ci(s + i, n - i, param)) continue;
        if (i > 0 && (ch_is_alnum((unsigned char)s[i - 1]) || s[i - 1] == '_')) continue;
        size_t k = i + pl;
        while (k < n && is_sp((unsigned char)s[k]))
            k++;
        if (k >= n || s[k] != '=') continue;
        k++;
        while (k < n && is_sp((unsigned char)s[k]))
            k++;
        if (k < n && (s[k] == '"' || s[k] == '\'')) k++;
        size_t e = k;
        while (e < n && s[e] != ';')
            e++;
        size_t f = e;
        if (e == n && f > k && s[f - 1] == '\n') f--;
        if (f > k && (s[f - 1] == '"' || s[f - 1] == '\'')) f--;
        *v = s + k;
        *vl = f - k;
        return true;
    }
    return false;
}

/* last instance of a part header, decoded (Node::header in scalar context) */
static const char *part_header(struct msgview *v, size_t part, const char *name, size_t *len);
static struct fieldset *part_fields(struct msgview *v, size_t idx);

static void sa_part(struct msgview *v, size_t idx, struct sapart *sp)
{
    const struct mime_part *p = &v->m->mime.parts[idx];
    memset(sp, 0, sizeof *sp);
    size_t cl;
    const char *ct = part_header(v, idx, "Content-Type", &cl);
    bool missing = !ct;
    if (missing) {
        ct = "text/plain; charset=us-ascii";
        cl = strlen(ct);
    }
    if (!ct_param(ct, cl, "charset", &sp->charset, &sp->charset_len)) {
        sp->charset = "us-ascii";
        sp->charset_len = 8;
    }
    size_t s = 0;
    while (s < cl && is_sp((unsigned char)ct[s]))
        s++;
    size_t e = s;
    while (e < cl && ct[e] != ';')
        e++;
    /* ^([^/]+(?:/[^/\s]*)?) */
    size_t t = s;
    while (t < e && ct[t] != '/')
        t++;
    if (t < e) {
        size_t u = t + 1;
        while (u < e && ct[u] != '/' && !is_sp((unsigned char)ct[u]))
            u++;
        t = u;
    }
    char ty[64];
    size_t tl = 0;
    for (size_t i = s; i < t && tl < sizeof ty - 1; i++)
        ty[tl++] = (char)ch_lower((unsigned char)ct[i]);
    ty[tl] = 0;
    bool text_word = tl >= 4 && memcmp(ty, "text", 4) == 0 &&
                     (tl == 4 || !(ch_is_alnum((unsigned char)ty[4]) || ty[4] == '_'));
    if (tl == 0 || (text_word && strcmp(ty, "text/x-vcard") != 0 &&
                    strcmp(ty, "text/calendar") != 0 && strcmp(ty, "text/html") != 0)) {
        snprintf(ty, sizeof ty, "text/plain");
        tl = 10;
    }
    size_t k = 0;
    for (size_t i = 0; i < tl; i++) {
        unsigned char c = (unsigned char)ty[i];
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '(' || c == ')' || c == ',' ||
            (c >= ':' && c <= '@') || (c >= '[' && c <= ']'))
            continue;
        ty[k++] = (char)c;
    }
    ty[k] = 0;
    if (missing && p->parent >= 0 &&
        strcmp(v->m->mime.parts[p->parent].content_type, "multipart/digest") == 0)
        snprintf(ty, sizeof ty, "message/rfc822");
    /* a multipart leaf has no usable boundary: text/plain */
    if (strncmp(ty, "multipart/", 10) == 0) snprintf(ty, sizeof ty, "text/plain");
    /* effective type: a name ending .htm(l)/.shtm(l) is HTML */
    const char *nm = NULL;
    size_t nml = 0;
    size_t dl;
    const char *cd = part_header(v, idx, "Content-Disposition", &dl);
    if (cd) {
        for (size_t i = 0; i + 5 <= dl; i++) {
            if (!str_starts_ci(cd + i, dl - i, "name=")) continue;
            size_t b = i + 5;
            while (b < dl && is_sp((unsigned char)cd[b]))
                b++;
            if (b < dl && cd[b] == '"') b++;
            size_t q = b;
            while (q < dl && cd[q] != '"' && cd[q] != ';')
                q++;
            if (q > b) {
                nm = cd + b;
                nml = q - b;
            }
            break;
        }
    }
    if (!nm) {
        const char *n2;
        size_t n2l;
        /* \b(?:file)?name\s*=... : "name" itself matches inside "filename" only via the \b rule */
        if (ct_param(ct, cl, "name", &n2, &n2l) || ct_param(ct, cl, "filename", &n2, &n2l)) {
            nm = n2;
            nml = n2l;
        }
    }
    if (nm) {
        size_t x = nml;
        while (x > 0 && nm[x - 1] != '.')
            x--;
        if (x > 0) {
            const char *ext = nm + x;
            size_t el = nml - x;
            if (str_eq_ci(ext, el, "htm") || str_eq_ci(ext, el, "html") ||
                str_eq_ci(ext, el, "shtm") || str_eq_ci(ext, el, "shtml"))
                snprintf(ty, sizeof ty, "text/html");
        }
    }
    memcpy(sp->type, ty, sizeof ty);
    size_t tel;
    const char *te = part_header(v, idx, "Content-Transfer-Encoding", &tel);
    if (te && str_eq_ci(te, tel, "quoted-printable"))
        sp->cte = 'q';
    else if (te && str_eq_ci(te, tel, "base64"))
        sp->cte = 'b';
}

/* Bytes SpamAssassin keeps after a part that mime.c ends earlier: the last
 * part of a multipart without its close delimiter keeps its final line end
 * (mime.c gives it to the missing delimiter), and so does what ends with it
 * (the message inside a message/rfc822 part). */
static size_t part_extent(struct msgview *v, size_t idx)
{
    const struct mime_tree *t = &v->m->mime;
    const struct mime_part *p = &t->parts[idx];
    const char *e = p->raw.p + p->raw.len;
    size_t ext = 0;
    size_t cur = idx;
    while (t->parts[cur].parent >= 0) {
        const struct mime_part *par = &t->parts[t->parts[cur].parent];
        if (par->is_multipart) {
            const char *pend = par->body.p + par->body.len;
            if (!(e >= par->body.p && e <= pend)) return ext;
            size_t le = (size_t)(pend - e);
            if (le == 1 && e[0] == '\n')
                ext += 1;
            else if (le == 2 && e[0] == '\r' && e[1] == '\n')
                ext += 2;
            else if (le != 0)
                return ext;
            e = pend;
        } else if (par->raw.p + par->raw.len != e) {
            return ext;
        }
        cur = (size_t)t->parts[cur].parent;
    }
    return ext;
}

static bool part_is_leaf(const struct mime_part *p)
{
    return !p->is_multipart && !p->is_message;
}

static const char *part_decoded_uncached(struct msgview *v, size_t idx, const struct sapart *sp,
                                         size_t *out);

/* Node::decode: transfer-decoded bytes as SpamAssassin holds them (once
 * per part: body and rawbody both ask) */
static const char *part_decoded(struct msgview *v, size_t idx, const struct sapart *sp, size_t *out)
{
    struct priv *pv = P(v);
    size_t np = v->m->mime.n;
    if (!pv->dec) pv->dec = arena_zalloc(v->a, np * sizeof *pv->dec);
    if (!pv->dec[idx].p) {
        size_t l;
        const char *d = part_decoded_uncached(v, idx, sp, &l);
        pv->dec[idx] = (struct mv_text){d ? d : "", d ? l : 0};
    }
    *out = pv->dec[idx].len;
    return pv->dec[idx].p;
}

static const char *part_decoded_uncached(struct msgview *v, size_t idx, const struct sapart *sp,
                                         size_t *out)
{
    const struct mime_part *p = &v->m->mime.parts[idx];
    const struct mime_tree *t = &v->m->mime;
    bool in_multipart = p->parent >= 0 && t->parts[p->parent].is_multipart;
    const char *b = p->body.p;
    size_t n = p->body.len;
    arena *a = v->a;
    size_t ext = part_extent(v, idx);
    if (idx == 0 || (p->parent >= 0 && t->parts[p->parent].is_message)) {
        /* a message root: its body starts where SpamAssassin's header
         * loop stopped */
        struct fieldset *fs = part_fields(v, idx);
        size_t rl = p->raw.len + ext;
        size_t off = fs->body_off <= rl ? fs->body_off : rl;
        b = p->raw.p + off;
        n = rl - off;
    } else {
        n += ext;
    }
    if (P(v)->crlf && memchr(b, '\r', n)) {
        /* CRLF mode: SpamAssassin's body lines end in LF before any decoding */
        char *o = arena_alloc(a, n + 1);
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
            if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n') continue;
            o[k++] = b[i];
        }
        b = o;
        n = k;
    }
    if (sp->cte == 'b') {
        if (p->cte && strcmp(p->cte, "base64") == 0 && p->decoded) {
            b = (const char *)p->decoded;
            n = p->decoded_len;
        } else {
            char *o = arena_alloc(a, n + 1);
            n = b64_decode(b, n, o);
            b = o;
        }
        bool textish = strncmp(sp->type, "text", 4) == 0 || strncmp(sp->type, "message", 7) == 0;
        if (!textish || !memchr(b, '\r', n)) {
            *out = n;
            return b;
        }
    } else if (sp->cte == 'q') {
        /* qp_decode: trailing blanks before line ends dropped, soft breaks
         * removed, =XX decoded (three passes, as its three substitutions);
         * then CRLF -> LF. Each pass jumps to its next special byte. */
        char *o1 = arena_alloc(a, n + 1);
        size_t k = 0;
        {
            /* pass 1: [ \t]+ before \r?\n */
            size_t i = 0;
            while (i < n) {
                const char *nl = memchr(b + i, '\n', n - i);
                size_t e = nl ? (size_t)(nl - b) : n;
                size_t le = e;
                if (nl) {
                    size_t cr = le > i && b[le - 1] == '\r' ? 1 : 0;
                    size_t w = le - cr;
                    while (w > i && (b[w - 1] == ' ' || b[w - 1] == '\t'))
                        w--;
                    memcpy(o1 + k, b + i, w - i);
                    k += w - i;
                    memcpy(o1 + k, b + le - cr, cr + 1);
                    k += cr + 1;
                    i = e + 1;
                } else {
                    memcpy(o1 + k, b + i, n - i);
                    k += n - i;
                    i = n;
                }
            }
        }
        size_t n1 = k;
        if (memchr(o1, '=', n1)) {
            /* pass 2: =\r?\n */
            size_t w = 0, i = 0;
            while (i < n1) {
                const char *eq = memchr(o1 + i, '=', n1 - i);
                size_t e = eq ? (size_t)(eq - o1) : n1;
                memmove(o1 + w, o1 + i, e - i);
                w += e - i;
                i = e;
                if (!eq) break;
                if (i + 1 < n1 && o1[i + 1] == '\n')
                    i += 2;
                else if (i + 2 < n1 && o1[i + 1] == '\r' && o1[i + 2] == '\n')
                    i += 3;
                else
                    o1[w++] = o1[i++];
            }
            n1 = w;
        }
        char *o = arena_alloc(a, n1 + 1);
        k = 0;
        {
            /* pass 3: =XX */
            size_t i = 0;
            while (i < n1) {
                const char *eq = memchr(o1 + i, '=', n1 - i);
                size_t e = eq ? (size_t)(eq - o1) : n1;
                memcpy(o + k, o1 + i, e - i);
                k += e - i;
                i = e;
                if (!eq) break;
                if (i + 2 < n1 && ch_is_xdigit((unsigned char)o1[i + 1]) &&
                    ch_is_xdigit((unsigned char)o1[i + 2])) {
                    o[k++] = (char)(ch_hexval((unsigned char)o1[i + 1]) * 16 +
                                    ch_hexval((unsigned char)o1[i + 2]));
                    i += 3;
                } else {
                    o[k++] = o1[i++];
                }
            }
        }
        b = o;
        n = k;
    } else {
        bool need_crlf = false; /* done above */
        bool need_split = false;
        if (in_multipart && n > MAX_BODY_LINE) {
            size_t ls = 0;
            for (size_t i = 0; i < n; i++)
                if (b[i] == '\n') {
                    if (i + 1 - ls > MAX_BODY_LINE) need_split = true;
                    ls = i + 1;
                }
            if (n - ls > MAX_BODY_LINE) need_split = true;
        }
        if (!need_crlf && !need_split) {
            *out = n;
            return b;
        }
        struct sb o;
        sb_init(&o, a);
        size_t i = 0;
        while (i < n) {
            const char *nl = memchr(b + i, '\n', n - i);
            size_t e = nl ? (size_t)(nl - b) + 1 : n;
            const char *line = b + i;
            size_t ll = e - i;
            char tmp2[2];
            (void)tmp2;
            if (need_crlf && ll >= 2 && line[ll - 2] == '\r' && line[ll - 1] == '\n') {
                /* the CR goes; split below on the LF-terminated length */
                while (need_split && ll - 1 > MAX_BODY_LINE) {
                    sb_put(&o, line, MAX_BODY_LINE);
                    sb_putc(&o, '\n');
                    line += MAX_BODY_LINE;
                    ll -= MAX_BODY_LINE;
                }
                sb_put(&o, line, ll - 2);
                sb_putc(&o, '\n');
            } else {
                while (need_split && ll > MAX_BODY_LINE) {
                    sb_put(&o, line, MAX_BODY_LINE);
                    sb_putc(&o, '\n');
                    line += MAX_BODY_LINE;
                    ll -= MAX_BODY_LINE;
                }
                sb_put(&o, line, ll);
            }
            i = e;
        }
        *out = o.len;
        return o.p;
    }
    /* CRLF -> LF */
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n') continue;
        o[k++] = b[i];
    }
    o[k] = 0;
    *out = k;
    return o;
}

/* byte offset of the cut near `limit` (characters when wide): at the next
 * "\n" (or `alt`, or ' ') within 1024 characters after it, else at it */
static size_t scan_cut(const char *p, size_t n, size_t limit, bool wide, const char *prefs)
{
    /* position (bytes) of character number `limit` */
    size_t off = 0, chars = 0;
    if (!wide) {
        if (n <= limit) return n;
        off = limit;
    } else {
        while (off < n && chars < limit) {
            size_t k = str_utf8_seqlen((const unsigned char *)p + off, n - off);
            off += k ? k : 1;
            chars++;
        }
        if (off >= n) return n;
    }
    for (const char *pc = prefs; *pc; pc++) {
        size_t i = off, c = 0;
        while (i < n && c <= 1024) {
            if (p[i] == *pc) return i + 1;
            size_t k = wide ? str_utf8_seqlen((const unsigned char *)p + i, n - i) : 1;
            i += k ? k : 1;
            c++;
        }
    }
    return off;
}

/* Unicode white space (Perl \s on characters) at p: its byte length or 0 */
static size_t uspace(const char *p, size_t n, bool wide)
{
    unsigned char c = (unsigned char)p[0];
    if (is_sp(c)) return 1;
    if (!wide) return 0;
    if (c == 0xC2 && n >= 2 && ((unsigned char)p[1] == 0x85 || (unsigned char)p[1] == 0xA0))
        return 2;
    if (n >= 3) {
        unsigned char c1 = (unsigned char)p[1], c2 = (unsigned char)p[2];
        if (c == 0xE1 && c1 == 0x9A && c2 == 0x80) return 3;
        if (c == 0xE2 && c1 == 0x80 &&
            ((c2 >= 0x80 && c2 <= 0x8A) || c2 == 0xA8 || c2 == 0xA9 || c2 == 0xAF))
            return 3;
        if (c == 0xE2 && c1 == 0x81 && c2 == 0x9F) return 3;
        if (c == 0xE3 && c1 == 0x80 && c2 == 0x80) return 3;
    }
    return 0;
}

/* s/\n+\s*\n+/\x00/g; s/\s+/ /g; tr/\x00/\n/ */
static size_t collapse_ws(const char *p, size_t n, char *o, bool wide)
{
    /* bytes that may start white space (or are NUL): the rest is copied */
    static const unsigned char lead[256] = {
        [0] = 1,   ['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1,
        [' '] = 1, [0xC2] = 1, [0xE1] = 1, [0xE2] = 1, [0xE3] = 1};
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t r = i;
        for (;;) {
            while (r < n && !lead[(unsigned char)p[r]])
                r++;
            /* one space between words is itself (below): part of the run,
             * so a line is one copy, not a copy a word */
            if (r < n && p[r] == ' ' && (r + 1 == n || !lead[(unsigned char)p[r + 1]])) {
                r++;
                continue;
            }
            break;
        }
        if (r > i) {
            memcpy(o + k, p + i, r - i);
            k += r - i;
            i = r;
            continue;
        }
        if (p[i] == ' ' && (i + 1 == n || !lead[(unsigned char)p[i + 1]])) {
            /* one space between words, most of the white space: itself */
            o[k++] = ' ';
            i++;
            continue;
        }
        size_t w = uspace(p + i, n - i, wide);
        if (!w) {
            /* tr/\x00/\n/ turns the text's own NULs into line ends too */
            o[k++] = p[i] ? p[i] : '\n';
            i++;
            continue;
        }
        size_t j = i, first_nl = SIZE_MAX, last_nl = SIZE_MAX, nls = 0;
        while (j < n && (w = uspace(p + j, n - j, wide)) != 0) {
            if (p[j] == '\n') {
                if (first_nl == SIZE_MAX) first_nl = j;
                last_nl = j;
                nls++;
            }
            j += w;
        }
        if (nls >= 2) {
            if (first_nl > i) o[k++] = ' ';
            o[k++] = '\n';
            if (last_nl + 1 < j) o[k++] = ' ';
        } else {
            o[k++] = ' ';
        }
        i = j;
    }
    return k;
}

/* UTF-8 of code points below U+0100 back to single bytes (a body Perl
 * holds as bytes) */
static size_t to_latin1(char *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c == 0xC2 || c == 0xC3) && i + 1 < n && ((unsigned char)p[i + 1] & 0xC0) == 0x80) {
            p[k++] = (char)(((c & 0x03) << 6) | ((unsigned char)p[i + 1] & 0x3F));
            i++;
        } else {
            p[k++] = (char)c;
        }
    }
    return k;
}

struct lines {
    struct mv_text *v;
    size_t n, cap;
};

static void lines_add(arena *a, struct lines *l, const char *p, size_t n)
{
    l->v = arena_grow(a, l->v, &l->cap, l->n + 1, sizeof *l->v);
    l->v[l->n++] = (struct mv_text){p, n};
}

/* split_into_array_of_short_lines */
static void short_lines(arena *a, struct lines *l, char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(p + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - p) + 1 : n;
        size_t s = i;
        while (e - s > MAX_BODY_LINE) {
            size_t cut = 0;
            for (size_t k = MAX_BODY_LINE + 1; k > 0; k--)
                if (p[s + k - 1] == ' ') {
                    cut = k;
                    break;
                }
            if (!cut) cut = MAX_BODY_LINE;
            lines_add(a, l, p + s, cut);
            s += cut;
        }
        lines_add(a, l, p + s, e - s);
        i = e;
    }
}

static void body_build(struct msgview *v)
{
    if (v->body_done) return;
    v->body_done = true;
    arena *a = v->a;
    const struct mime_tree *t = &v->m->mime;
    struct priv *pv = P(v);
    struct sb text;
    sb_init(&text, a);
    bool wide = false;
    urilist_init(&pv->uris, a);
    for (size_t i = 0; i < t->n; i++) {
        const struct mime_part *p = &t->parts[i];
        if (!part_is_leaf(p)) continue;
        if (text.len) sb_putc(&text, '\n'); /* even before a part that is not text */
        struct sapart sp;
        sa_part(v, i, &sp);
        bool html = strcmp(sp.type, "text/html") == 0;
        if (!html && strcmp(sp.type, "text/plain") != 0) continue;
        size_t dl;
        const char *d = part_decoded(v, i, &sp, &dl);
        size_t tl;
        bool w;
        const char *tx = normalize_text(a, d, dl, sp.charset, sp.charset_len, &tl, &w);
        const char *rnd = tx;
        size_t rl = tl;
        if (html && dl > 0) {
            struct sahtml_result hr;
            sahtml_render(a, tx, tl, w, &hr);
            rnd = hr.text;
            rl = hr.text_len;
            w = hr.wide;
            for (size_t k = 0; k < hr.n_uris; k++)
                urilist_add_html(&pv->uris, hr.uris[k].p, hr.uris[k].len, hr.uris[k].wide);
        }
        rl = scan_cut(rnd, rl, MSGVIEW_BODY_SCAN, w, "\n ");
        sb_put(&text, rnd, rl);
        if (w && rl) wide = true;
    }
    char *col = arena_alloc(a, text.len + 1);
    size_t cl = collapse_ws(text.p, text.len, col, wide);
    if (!wide) cl = to_latin1(col, cl);
    /* the Subject line first */
    struct res sr;
    sr.n = 0;
    get_values(v, top_fields(v), "Subject", 7, G_DEC, &sr);
    const char *subj = sr.n ? sr.v[sr.n - 1].p : "\n";
    size_t subl = sr.n ? sr.v[sr.n - 1].len : 1;
    char *all = arena_alloc(a, subl + cl + 1);
    memcpy(all, subj, subl);
    memcpy(all + subl, col, cl);
    all[subl + cl] = 0;
    struct lines l = {0};
    short_lines(a, &l, all, subl + cl);
    v->body = l.v;
    v->n_body = l.n;
    v->body_nosubj = l.n ? l.v + 1 : l.v;
    v->n_body_nosubj = l.n ? l.n - 1 : 0;
    /* NUL-terminate every line: copy (lines point into `all`) */
    for (size_t i = 0; i < l.n; i++) {
        char *c = arena_strndup(a, l.v[i].p, l.v[i].len);
        l.v[i].p = c;
    }
    /* joined and lowercased copies for the prefilter */
    size_t jl = 0;
    for (size_t i = 0; i < l.n; i++)
        jl += l.v[i].len + 1;
    char *j = arena_alloc(a, jl + 1), *lo = arena_alloc(a, jl + 1);
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++) {
        memcpy(j + k, l.v[i].p, l.v[i].len);
        k += l.v[i].len;
        if (i + 1 < l.n && (l.v[i].len == 0 || l.v[i].p[l.v[i].len - 1] != '\n')) j[k++] = '\n';
    }
    j[k] = 0;
    for (size_t i = 0; i < k; i++)
        lo[i] = (char)ch_lower((unsigned char)j[i]);
    lo[k] = 0;
    v->body_joined = (struct mv_text){j, k};
    v->body_lower = (struct mv_text){lo, k};
    v->lower_done = true;
}

/* split_into_array_of_short_paragraphs */
static void short_paragraphs(arena *a, struct lines *l, const char *p, size_t n)
{
    if (n <= MAX_BODY_LINE) {
        lines_add(a, l, p, n);
        return;
    }
    size_t ofs = 0;
    while (n - ofs > 2 * MAX_BODY_LINE) {
        size_t j = SIZE_MAX;
        const char *pref = "\n> ";
        for (const char *c = pref; *c && j == SIZE_MAX; c++) {
            const char *f = memchr(p + ofs + MAX_BODY_LINE, *c, n - ofs - MAX_BODY_LINE);
            if (f) {
                size_t x = (size_t)(f - p);
                if (x - ofs + 1 <= 2 * MAX_BODY_LINE) j = x;
            }
        }
        if (j == SIZE_MAX) j = ofs + MAX_BODY_LINE;
        lines_add(a, l, p + ofs, j - ofs + 1);
        ofs = j + 1;
    }
    if (ofs < n) lines_add(a, l, p + ofs, n - ofs);
}

static void rawbody_build(struct msgview *v)
{
    if (v->rawbody_done) return;
    v->rawbody_done = true;
    arena *a = v->a;
    const struct mime_tree *t = &v->m->mime;
    struct lines l = {0};
    for (size_t i = 0; i < t->n; i++) {
        const struct mime_part *p = &t->parts[i];
        if (!part_is_leaf(p)) continue;
        struct sapart sp;
        sa_part(v, i, &sp);
        bool ok = (strncmp(sp.type, "text", 4) == 0 &&
                   !(ch_is_alnum((unsigned char)sp.type[4]) || sp.type[4] == '_')) ||
                  (strncmp(sp.type, "message", 7) == 0 &&
                   !(ch_is_alnum((unsigned char)sp.type[7]) || sp.type[7] == '_'));
        if (!ok || strcmp(sp.type, "text/calendar") == 0) continue;
        size_t dl;
        const char *d = part_decoded(v, i, &sp, &dl);
        dl = scan_cut(d, dl, MSGVIEW_RAWBODY_SCAN, false, "\n> ");
        char *c = arena_strndup(a, d, dl);
        short_paragraphs(a, &l, c, dl);
    }
    for (size_t i = 0; i < l.n; i++)
        l.v[i].p = arena_strndup(a, l.v[i].p, l.v[i].len);
    v->rawbody = l.v;
    v->n_rawbody = l.n;
}

/* ---------------------------------------------------------------------- */
/* MIME part headers */

static struct fieldset *part_fields(struct msgview *v, size_t idx)
{
    if (idx == 0) return top_fields(v);
    struct priv *pv = P(v);
    const struct mime_tree *t = &v->m->mime;
    if (!pv->parts) pv->parts = arena_zalloc(v->a, t->n * sizeof *pv->parts);
    struct fieldset *fs = &pv->parts[idx];
    if (!fs->done) {
        const struct mime_part *p = &t->parts[idx];
        /* the body of a message/rfc822 part is a message, split as one */
        if (p->parent >= 0 && t->parts[p->parent].is_message) {
            fs->done = true;
            fs->sa = true;
            sa_fields(v, fs, p->raw.p, p->raw.len + part_extent(v, idx), 0, &fs->body_off,
                      &fs->hdr_end);
        } else {
            fields_build(v, fs, &p->hdr, p->raw.p, p->raw.len, false);
        }
    }
    return fs;
}

static const char *part_header(struct msgview *v, size_t part, const char *name, size_t *len)
{
    struct fieldset *fs = part_fields(v, part);
    struct field *last = NULL;
    size_t nl = strlen(name);
    for (size_t i = 0; i < fs->n; i++)
        if (name_eq(fs->f[i].name, fs->f[i].name_len, name, nl)) last = &fs->f[i];
    if (!last) return NULL;
    return field_dec(v, last, len);
}

/* ---------------------------------------------------------------------- */
/* the cache */

/* the first and last 8 bytes of a name, zero-padded when shorter */
static void name_ends(const char *name, size_t n, uint64_t *a, uint64_t *b)
{
    *a = *b = 0;
    if (n >= 8) {
        memcpy(a, name, 8);
        memcpy(b, name + n - 8, 8);
    } else {
        for (size_t i = 0; i < n; i++)
            *a |= (uint64_t)(unsigned char)name[i] << (8 * i);
    }
}

static uint32_t hkey(uint32_t nh, int part, enum rule_hdr_mod mod)
{
    uint64_t h = ((uint64_t)nh << 16) ^ ((uint64_t)mod << 8) ^ (uint64_t)(int64_t)(part + 2);
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
    return (uint32_t)h;
}

static struct hent *cache_slot_at(struct msgview *v, const char *name, size_t n, uint32_t nh,
                                  uint64_t ha, uint64_t hb, int part, enum rule_hdr_mod mod,
                                  bool stable, bool *found);

static struct hent *cache_slot(struct msgview *v, const char *name, size_t n, uint32_t nh, int part,
                               enum rule_hdr_mod mod, bool *found)
{
    uint64_t ha, hb;
    name_ends(name, n, &ha, &hb);
    return cache_slot_at(v, name, n, nh, ha, hb, part, mod, false, found);
}

/* the cache entry of (name, part, mod), found or made (*found false); ha, hb
 * the name's ends (name_ends). stable: name outlives the view, so the entry
 * keeps the pointer instead of a copy */
static struct hent *cache_slot_at(struct msgview *v, const char *name, size_t n, uint32_t nh,
                                  uint64_t ha, uint64_t hb, int part, enum rule_hdr_mod mod,
                                  bool stable, bool *found)
{
    struct priv *pv = P(v);
    if ((pv->n + 1) * 2 > pv->cap) {
        size_t nc = pv->cap ? pv->cap * 2 : 128;
        struct hent **nt = arena_zalloc(v->a, nc * sizeof *nt);
        for (size_t i = 0; i < pv->cap; i++) {
            struct hent *e = pv->tab[i];
            if (!e) continue;
            size_t j = e->hash & (nc - 1);
            while (nt[j])
                j = (j + 1) & (nc - 1);
            nt[j] = e;
        }
        pv->tab = nt;
        pv->cap = nc;
    }
    uint32_t h = hkey(nh, part, mod);
    size_t j = h & (pv->cap - 1);
    while (pv->tab[j]) {
        struct hent *e = pv->tab[j];
        if (e->hash == h && e->head == ha && e->tail == hb && e->name_len == n && e->part == part &&
            e->mod == mod && (n <= 16 || memcmp(e->name, name, n) == 0)) {
            *found = true;
            return e;
        }
        j = (j + 1) & (pv->cap - 1);
    }
    *found = false;
    struct hent *e = arena_alloc(v->a, sizeof *e);
    pv->tab[j] = e;
    e->name = stable ? name : arena_strndup(v->a, name, n);
    e->name_len = (uint32_t)n;
    e->hash = h;
    e->head = ha;
    e->tail = hb;
    e->part = part;
    e->mod = mod;
    e->val = NULL;
    pv->n++;
    return e;
}

/* Plugin::Check: values already ending in "\n" are joined with "", others
 * with "\n" */
static const struct mv_text *join_res(struct msgview *v, const struct res *r, bool whole)
{
    if (!r->n) return NULL;
    /* one whole value (get_list): the join would copy it byte for byte
     * (most look-ups find one field) */
    if (whole && r->n == 1) return mvt(v->a, r->v[0].p, r->v[0].len);
    bool nl = r->v[0].len > 0 && r->v[0].p[r->v[0].len - 1] == '\n';
    size_t total = 0;
    for (size_t i = 0; i < r->n; i++)
        total += r->v[i].len + 1;
    char *o = arena_alloc(v->a, total + 1);
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (i > 0 && !nl) o[k++] = '\n';
        memcpy(o + k, r->v[i].p, r->v[i].len);
        k += r->v[i].len;
    }
    o[k] = 0;
    return mvt(v->a, o, k);
}

/* ---------------------------------------------------------------------- */
/* public */

void msgview_init(struct msgview *v, arena *a, const struct message *m,
                  const struct msgview_env *env)
{
    memset(v, 0, sizeof *v);
    v->a = a;
    v->m = m;
    if (env) v->env = *env;
    struct priv *pv = arena_zalloc(a, sizeof *pv);
    v->priv = pv;
    const char *r = m->raw;
    size_t n = m->raw_len;
    /* the mbox From_ line: /^From\s+(?!:)/ */
    if (n >= 5 && memcmp(r, "From", 4) == 0 && is_sp((unsigned char)r[4])) {
        size_t i = 4;
        while (i < n && is_sp((unsigned char)r[i]) && r[i] != '\n')
            i++;
        if (i < n && r[i] == '\n') i++; /* \s+ may take the line end */
        while (i < n && is_sp((unsigned char)r[i]))
            i++;
        if (i >= n || r[i] != ':') {
            const char *nl = memchr(r, '\n', n);
            pv->mbox_skip = nl ? (size_t)(nl - r) + 1 : n;
        }
    }
    /* CRLF mode: the first or the last line ends in CRLF */
    const char *nl = memchr(r, '\n', n);
    bool first = nl && nl > r && nl[-1] == '\r';
    bool last = false;
    if (n >= 2 && r[n - 1] == '\n' && r[n - 2] == '\r') last = true;
    if (n >= 1 && r[n - 1] != '\n') {
        /* the last line has no line end: it contains CRLF only inside */
        const char *ls = r + n;
        while (ls > r && ls[-1] != '\n')
            ls--;
        last = memmem(ls, (size_t)(r + n - ls), "\r\n", 2) != NULL;
    }
    pv->crlf = first || last;
}

/* names get_list answers other than from a field of that name */
static bool is_pseudo(const char *name, size_t n)
{
    switch (n) {
    case 3:
        return memcmp(name, "ALL", 3) == 0;
    case 4:
        return str_eq_ci(name, n, "ToCc");
    case 9:
        return memcmp(name, "MESSAGEID", 9) == 0;
    case 11:
        return memcmp(name, "ALL-TRUSTED", 11) == 0;
    case 12:
        return memcmp(name, "ALL-INTERNAL", 12) == 0 || memcmp(name, "ALL-EXTERNAL", 12) == 0 ||
               str_eq_ci(name, n, "EnvelopeFrom");
    case 13:
        return memcmp(name, "ALL-UNTRUSTED", 13) == 0;
    default:
        break;
    }
    if (n < 14 || (name[0] | 0x20) != 'x' || name[1] != '-') return false;
    unsigned char c = (unsigned char)(name[2] | 0x20);
    if (c == 'a') return str_eq_ci(name, n, "X-AuthorDomain");
    if (c != 's') return false;
    return str_starts_ci(name, n, "X-Spam-Relays-") || str_eq_ci(name, n, "X-SenderDomain");
}

const struct mv_text *msgview_header(struct msgview *v, const char *name, enum rule_hdr_mod mod)
{
    bool found;
    size_t n = strlen(name);
    if (n > MAX_HEADER_KEY) return NULL; /* no field name is longer */
    /* most names a rule set asks for are absent: answer those without the
     * cache when the header's name filter rules them out */
    uint32_t nh = name_hash(name, n);
    bool pseudo = is_pseudo(name, n);
    if (!bloom_has(top_fields(v), nh) && !pseudo) return NULL;
    struct hent *e = cache_slot(v, name, n, nh, -1, mod, &found);
    if (found) return e->val;
    struct res r;
    bool whole = get_list(v, e->name, n, nh, pseudo, mod, &r);
    e->val = join_res(v, &r, whole);
    return e->val;
}

void msgview_key_init(struct msgview_key *k, const char *name)
{
    k->name = name;
    k->len = strlen(name);
    k->hash = name_hash(name, k->len);
    k->pseudo = is_pseudo(name, k->len);
    name_ends(name, k->len, &k->head, &k->tail);
}

const struct mv_text *msgview_header_key(struct msgview *v, const struct msgview_key *k,
                                         enum rule_hdr_mod mod)
{
    if (k->len > MAX_HEADER_KEY) return NULL;
    if (!k->pseudo && !bloom_has(top_fields(v), k->hash)) return NULL;
    bool found;
    struct hent *e =
        cache_slot_at(v, k->name, k->len, k->hash, k->head, k->tail, -1, mod, true, &found);
    if (found) return e->val;
    struct res r;
    bool whole = get_list(v, e->name, k->len, k->hash, k->pseudo, mod, &r);
    e->val = join_res(v, &r, whole);
    return e->val;
}

bool msgview_header_exists(struct msgview *v, const char *name)
{
    return msgview_header(v, name, HM_DEFAULT) != NULL;
}

const struct mv_text *msgview_body(struct msgview *v, bool with_subject, size_t *n)
{
    body_build(v);
    *n = with_subject ? v->n_body : v->n_body_nosubj;
    return with_subject ? v->body : v->body_nosubj;
}

const struct mv_text *msgview_rawbody(struct msgview *v, size_t *n)
{
    rawbody_build(v);
    *n = v->n_rawbody;
    return v->rawbody;
}

struct mv_text msgview_full(struct msgview *v)
{
    struct priv *pv = P(v);
    if (!pv->full_done) {
        pv->full_done = true;
        size_t s = pv->mbox_skip;
        const char *r = v->m->raw;
        size_t n = v->m->raw_len;
        if (n == 0) {
            pv->full = (struct mv_text){"\n", 1};
        } else {
            struct mv_text ph = pristine_headers(v);
            size_t he = top_fields(v)->hdr_end;
            if (he < s) he = s;
            size_t bl = n - he;
            char *c = arena_alloc(v->a, ph.len + bl + 1);
            memcpy(c, ph.p, ph.len);
            memcpy(c + ph.len, r + he, bl);
            c[ph.len + bl] = 0;
            pv->full = (struct mv_text){c, ph.len + bl};
        }
    }
    return pv->full;
}

const struct mv_text *msgview_uris(struct msgview *v, size_t *n)
{
    if (!v->uri_done) {
        v->uri_done = true;
        body_build(v);
        struct priv *pv = P(v);
        urilist_add_text(&pv->uris, v->body, v->n_body);
        v->uris = pv->uris.v;
        v->n_uris = pv->uris.n;
    }
    *n = v->n_uris;
    return v->uris;
}

const struct mv_text *msgview_mimeheader(struct msgview *v, size_t part, const char *name,
                                         enum rule_hdr_mod mod)
{
    if (part >= v->m->mime.n) return NULL;
    bool found;
    size_t n = strlen(name);
    if (n > MAX_HEADER_KEY) return NULL;
    struct hent *e = cache_slot(v, name, n, name_hash(name, n), (int)part, mod, &found);
    if (found) return e->val;
    struct fieldset *fs = part_fields(v, part);
    bool raw = mod == HM_RAW;
    if (strcmp(name, "ALL") == 0) {
        /* get_all_headers(raw): "Name: value\n" (raw: folding collapsed) */
        struct sb o;
        sb_init(&o, v->a);
        for (size_t i = 0; i < fs->n; i++) {
            struct field *f = &fs->f[i];
            sb_put(&o, f->name, f->name_len);
            sb_put(&o, ": ", 2);
            struct res r;
            r.n = 0;
            if (raw) {
                /* the i-th field's collapsed raw value */
                struct fieldset one = {.f = f, .n = 1, .done = true};
                bloom_add(&one, f->lhash);
                get_values(v, &one, f->name, f->name_len, G_RAWC, &r);
                sb_put(&o, r.v[0].p, r.v[0].len);
            } else {
                size_t dl;
                const char *d = field_dec(v, f, &dl);
                sb_put(&o, d, dl);
                sb_putc(&o, '\n');
            }
        }
        e->val = mvt(v->a, o.p, o.len); /* "" for a part without header fields */
        return e->val;
    }
    struct field *last = NULL;
    for (size_t i = 0; i < fs->n; i++)
        if (name_eq(fs->f[i].name, fs->f[i].name_len, name, n)) last = &fs->f[i];
    if (!last) return NULL;
    if (raw) {
        e->val = mvt(v->a, last->raw, last->raw_len);
    } else {
        size_t dl;
        const char *d = field_dec(v, last, &dl);
        char *o = arena_alloc(v->a, dl + 2);
        memcpy(o, d, dl);
        o[dl] = '\n';
        o[dl + 1] = 0;
        e->val = mvt(v->a, o, dl + 1);
    }
    return e->val;
}
