/* evals_sa — SpamAssassin 4.0.1's eval functions, computed offline with its
 * semantics (Mail::SpamAssassin::Plugin::RelayEval, WLBLEval, DKIM, SPF,
 * DMARC, HeaderEval, MIMEEval, BodyEval, HTMLEval, HTTPSMismatch, URIEval,
 * ImageInfo, FreeMail, VBounce, WelcomeListSubject, DecodeShortURLs'
 * short_url). Each function below names what it reads and any departure
 * from SpamAssassin; the tests in tests/unit/test_evals.c give the
 * expected results worked out from the Perl.
 *
 * Where SpamAssassin reads its own message model, these read mailaudit's:
 *  - headers, EnvelopeFrom, relays, body lines and URIs through the helpers
 *    of evals_int.h (msgview when linked in);
 *  - the MIME tree of message.h (parts in document order, pre-order like
 *    SpamAssassin's find_parts), the encoded body of each leaf for the line
 *    statistics of MIMEEval, and a re-scan of multipart bodies for the
 *    parser flags (check_msg_parse_flags);
 *  - html_stats (html.h) for HTMLEval;
 *  - the DKIM, SPF, DMARC and ARC verdicts mailaudit computed offline
 *    (ctx->auth) for the DKIM, SPF and DMARC plugins: with network tests
 *    off SpamAssassin never verifies, so these are the verdicts it would
 *    give with DNS; without ctx->auth they are never true.
 * ok_locales is "all" (SpamAssassin's default), so the faraway-charset
 * tests are never true. Lists (address lists, enlist_uri_host, the
 * welcomelists) come from the rule set (rules.h struct rule_list).
 * Ceilings: MIME line statistics read each leaf's encoded body as is
 * (bounded by the message size); the parser-flag scan stops after
 * SA_MAX_PARTS parts of one multipart as SpamAssassin does. */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/verify.h"
#include "mail/date.h"
#include "mail/filetype.h"
#include "mail/html.h"
#include "score/evals_int.h"
#include "score/saregex.h"
#include "util/hash.h"
#include "util/str.h"

#define SA_MAX_PARTS 1000 /* SpamAssassin's parts per multipart */

#define IPV4_RE                                                                                    \
    "(?:(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|\\d)\\.){3}(?:1\\d\\d|2[0-4]\\d|25[0-5]|[1-9]\\d|"   \
    "\\d)"
#define IP_RE "(?:\\b" IPV4_RE "\\b|[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7})"

/* the per-call argument helpers */
#define ARG(i) ev_arg(a, n, (i), NULL)
#define UNUSED_ARGS ((void)c, (void)a, (void)n)

static char *lc_dup(struct eval_ctx *c, const char *s)
{
    char *d = arena_strdup(ev_arena(c), s ? s : "");
    str_lower(d, strlen(d));
    return d;
}

/* Escape a literal for use inside a PCRE pattern. */
static char *re_quote(struct eval_ctx *c, const char *s)
{
    struct arena_str b = {.a = ev_arena(c)};
    sare_quote(&b, s, strlen(s));
    return b.p ? b.p : arena_strdup(ev_arena(c), "");
}

/* ---------------------------------------------------------------------- */
/* SpamAssassin's parse_rfc822_date: searches the string for a date, a
 * time and a zone, as Mail::SpamAssassin::Util does. false: no date. */

static const struct {
    const char *name;
    int off; /* minutes east */
} sa_tz[] = {
    {"UT", 0},      {"UTC", 0},    {"NDT", -150}, {"AST", -240},  {"ADT", -180},  {"NST", -210},
    {"EST", -300},  {"EDT", -240}, {"CST", -360}, {"CDT", -300},  {"MST", -420},  {"MDT", -360},
    {"PST", -480},  {"PDT", -420}, {"HST", -600}, {"AKST", -540}, {"AKDT", -480}, {"HADT", -540},
    {"HAST", -600}, {"GMT", 0},    {"BST", 60},   {"IST", 60},    {"WET", 0},     {"WEST", 60},
    {"CET", 60},    {"CEST", 120}, {"EET", 120},  {"EEST", 180},  {"MSK", 180},   {"MSD", 240},
    {"MET", 60},    {"MEZ", 60},   {"MEST", 120}, {"MESZ", 120},  {"BRST", -120}, {"BRT", -180},
    {"AEST", 600},  {"AEDT", 660}, {"ACST", 570}, {"ACDT", 630},  {"AWST", 480},  {"NZST", 720},
    {"NZDT", 780},  {"JST", 540},  {"KST", 540},  {"HKT", 480},   {"SGT", 480},   {"PHT", 480},
    {"IDT", 180},
};

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* Remove [s, e) from str (replacing it by one space), in place. */
static void cut(char *str, size_t s, size_t e)
{
    str[s] = ' ';
    memmove(str + s + 1, str + e, strlen(str + e) + 1);
}

/* parse_rfc822_date's patterns are matched here by hand, on the string it
 * builds: one space before and after, no runs of spaces. A pattern that
 * begins and ends with a space and holds no class matching a space (\d,
 * the months) matches whole space-separated words, so the regex's leftmost
 * match is the first run of consecutive words of the right shapes. Five
 * PCRE searches a date were 6,000 instructions of the 30,000 a message of
 * the HeaderEval date facts (callgrind, 300 bench messages). */
enum { W_DIGITS, W_MON, W_Y4, W_Y23, W_HMS, W_TIME, W_TZ };

static bool all_digits(const char *p, size_t l)
{
    for (size_t i = 0; i < l; i++)
        if (!ch_is_digit((unsigned char)p[i])) return false;
    return true;
}

/* \d+(?::\d+){parts-1}, the whole word */
static bool digit_groups(const char *p, size_t l, int parts)
{
    size_t i = 0;
    for (int k = 0; k < parts; k++) {
        if (k) {
            if (i >= l || p[i] != ':') return false;
            i++;
        }
        size_t d = i;
        while (i < l && ch_is_digit((unsigned char)p[i]))
            i++;
        if (i == d) return false;
    }
    return i == l;
}

static bool word_is(int kind, const char *p, size_t l)
{
    static const char mons[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    switch (kind) {
    case W_DIGITS: /* \d+ */
        return l > 0 && all_digits(p, l);
    case W_MON: /* (Jan|...|Dec), caseless (ASCII) */
        if (l != 3) return false;
        for (size_t m = 0; m < 36; m += 3)
            if (ch_lower((unsigned char)p[0]) == mons[m] &&
                ch_lower((unsigned char)p[1]) == mons[m + 1] &&
                ch_lower((unsigned char)p[2]) == mons[m + 2])
                return true;
        return false;
    case W_Y4: /* \d{4} */
        return l == 4 && all_digits(p, l);
    case W_Y23: /* \d{2,3} */
        return (l == 2 || l == 3) && all_digits(p, l);
    case W_HMS: /* \d+:\d+:\d+ */
        return digit_groups(p, l, 3);
    case W_TIME: /* (\d?\d):(\d\d)(:(\d\d))? */
        return (l == 4 || l == 5 || l == 7 || l == 8) && digit_groups(p, l, l >= 7 ? 3 : 2) &&
               p[l == 4 || l == 7 ? 1 : 2] == ':' && (l < 7 || p[l - 3] == ':');
    case W_TZ: /* [-+]\d{4} */
        return l == 5 && (p[0] == '-' || p[0] == '+') && all_digits(p + 1, 4);
    }
    return false;
}

/* The first run of n words of kinds kind[0..n) in s (" w w ... "): w[i]
 * gets each word's offset and length; *ms, *me the match with its spaces. */
static bool words_find_run(const char *s, const int *kind, int n, size_t (*w)[2], size_t *ms,
                           size_t *me)
{
    for (size_t sp = 0; s[sp] == ' ' && s[sp + 1]; sp = w[0][0] + w[0][1]) {
        size_t at = sp;
        int i;
        for (i = 0; i < n; i++) {
            if (s[at] != ' ') break;
            size_t b = at + 1, e = b;
            while (s[e] && s[e] != ' ')
                e++;
            w[i][0] = b, w[i][1] = e - b;
            if (s[e] != ' ' || !word_is(kind[i], s + b, e - b)) break;
            at = e;
        }
        if (i == n) {
            *ms = sp, *me = at + 1;
            return true;
        }
        /* on from the space after the word after sp (w[0], set above) */
    }
    return false;
}

/* 1-12 for a month word (W_MON), 0 for none */
static int month_num(const char *p)
{
    static const char mons[] = "janfebmaraprmayjunjulaugsepoctnovdec";
    for (int m = 0; m < 12; m++)
        if (ch_lower((unsigned char)p[0]) == mons[3 * m] &&
            ch_lower((unsigned char)p[1]) == mons[3 * m + 1] &&
            ch_lower((unsigned char)p[2]) == mons[3 * m + 2])
            return m + 1;
    return 0;
}

/* strtol(p, NULL, 10) where p starts a run of digits: LONG_MAX past it */
static long dec_val(const char *p)
{
    long v = 0;
    for (; ch_is_digit((unsigned char)*p); p++) {
        int d = *p - '0';
        /* v * 10 + d > LONG_MAX, with constants (a division a digit) */
        if (v > LONG_MAX / 10 || (v == LONG_MAX / 10 && d > LONG_MAX % 10)) return LONG_MAX;
        v = v * 10 + d;
    }
    return v;
}

bool ev_sa_parse_date(struct eval_ctx *c, const char *date, int64_t *out)
{
    /* " $date ", ", *" -> " ", whitespace runs -> " " */
    size_t dl = strlen(date);
    char *s = arena_alloc(ev_arena(c), dl + 3);
    size_t k = 0;
    s[k++] = ' ';
    /* s[0] is a space: s[k - 1] is always there. Other bytes are copied
     * after two tests (the loop testing each byte four times was 800
     * instructions a date) */
    for (size_t i = 0; i < dl; i++) {
        unsigned char ch = (unsigned char)date[i];
        if (ch == ',' || ch_is_space(ch)) {
            if (ch == ',')
                while (i + 1 < dl && date[i + 1] == ' ')
                    i++;
            if (s[k - 1] == ' ') continue;
            ch = ' ';
        }
        s[k++] = (char)ch;
    }
    if (s[k - 1] != ' ') s[k++] = ' ';
    s[k] = 0;
    size_t w[4][2], ms0, me0;
    long dd = 0, yyyy = 0;
    int mm = 0;
    char ms[4] = "";
    /* " (\d+) MON (\d{4}) ", " MON +(\d+) \d+:\d+:\d+ (\d{4}) ",
     * " (\d+) MON (\d{2,3}) " in turn (MON: Jan|Feb|...|Dec, caseless) */
    static const int p1[] = {W_DIGITS, W_MON, W_Y4}, p2[] = {W_MON, W_DIGITS, W_HMS, W_Y4},
                     p3[] = {W_DIGITS, W_MON, W_Y23};
    size_t ylen = 0;
    if (words_find_run(s, p1, 3, w, &ms0, &me0)) {
        dd = dec_val(s + w[0][0]);
        memcpy(ms, s + w[1][0], 3);
        yyyy = dec_val(s + w[2][0]);
        ylen = w[2][1];
        cut(s, ms0, me0);
    } else if (words_find_run(s, p2, 4, w, &ms0, &me0)) {
        memcpy(ms, s + w[0][0], 3);
        dd = dec_val(s + w[1][0]);
        yyyy = dec_val(s + w[3][0]);
        ylen = w[3][1];
        cut(s, ms0, me0);
    } else if (words_find_run(s, p3, 3, w, &ms0, &me0)) {
        dd = dec_val(s + w[0][0]);
        memcpy(ms, s + w[1][0], 3);
        yyyy = dec_val(s + w[2][0]);
        ylen = w[2][1];
        cut(s, ms0, me0);
    } else {
        return false;
    }
    ms[3] = 0;
    mm = month_num(ms);
    if (ylen == 2 && yyyy < 50)
        yyyy += 2000;
    else if (ylen != 4)
        yyyy += 1900;
    long hh = 0, mi = 0, ss = 0;
    static const int ptime[] = {W_TIME}, ptz[] = {W_TZ};
    if (words_find_run(s, ptime, 1, w, &ms0, &me0)) { /* " (\d?\d):(\d\d)(:(\d\d))? " */
        const char *t = s + w[0][0];
        size_t tl = w[0][1];
        hh = dec_val(t);
        mi = dec_val(t + (tl == 4 || tl == 7 ? 2 : 3));
        ss = tl >= 7 ? dec_val(t + tl - 2) : 0;
        cut(s, ms0, me0);
    }
    int tz = 0; /* minutes east; '-0000' when unknown */
    size_t ov[4];
    if (words_find_run(s, ptz, 1, w, &ms0, &me0)) { /* " ([-+]\d{4}) " */
        const char *z = s + w[0][0];
        int v = (z[1] - '0') * 600 + (z[2] - '0') * 60 + (z[3] - '0') * 10 + (z[4] - '0');
        tz = z[0] == '-' ? -v : v;
        cut(s, ms0, me0);
    } else if (ev_re_match(c, ev_re("\\b([A-Z]{2,4}(?:-DST)?)\\b", 0), s, strlen(s), 0, ov, 2)) {
        char z[16];
        snprintf(z, sizeof z, "%.*s", (int)(ov[3] - ov[2]), s + ov[2]);
        for (size_t i = 0; i < sizeof sa_tz / sizeof sa_tz[0]; i++)
            if (strcmp(z, sa_tz[i].name) == 0) tz = sa_tz[i].off;
    }
    if (ss > 59) ss = 59;
    if (mi > 59) mi = 59;
    if (hh > 23) hh = 23;
    int max_dd = 31;
    if (mm == 4 || mm == 6 || mm == 9 || mm == 11)
        max_dd = 30;
    else if (mm == 2)
        max_dd = (!(yyyy % 4) && ((yyyy % 100) || !(yyyy % 400))) ? 29 : 28;
    if (dd > max_dd) {
        dd = 1;
        if (++mm > 12) {
            mm = 1;
            yyyy++;
        }
    }
    if (yyyy > 2037)
        yyyy = 2037;
    else if (yyyy < 1970)
        yyyy = 1970;
    if (dd < 1 || mm < 1) return false; /* timegm croaks */
    int64_t t = days_from_civil(yyyy, mm, (int)dd) * 86400 + hh * 3600 + mi * 60 + ss;
    int64_t off = (int64_t)(tz < 0 ? -tz : tz) * 60;
    if (tz < 0)
        t += off;
    else if (t < off)
        t = 0;
    else
        t -= off;
    *out = t;
    return true;
}

/* ---------------------------------------------------------------------- */
/* the MIME tree as SpamAssassin walks it */

static bool is_leaf(const struct mime_part *p)
{
    return !p->is_multipart && !p->is_message;
}

/* The unfolded value of a part's own header, lowercased; "" when absent. */
static const char *part_hdr_lc(struct eval_ctx *c, const struct mime_part *p, const char *name)
{
    const struct hdr_field *f = hdr_get(&p->hdr, name, 0);
    if (!f) return "";
    size_t ul;
    char *u = hdr_unfold(ev_arena(c), f->value, &ul);
    str_lower(u, ul);
    return u;
}

/* Lines of (p, len) as SpamAssassin stores them: content (CR of a CRLF
 * dropped) and whether a "\n" ended it; SpamAssassin's length of the line
 * is len + nl. */
typedef void (*line_fn)(void *ctx, const char *l, size_t len, bool nl);
static void each_line(const char *p, size_t len, line_fn fn, void *ctx)
{
    size_t i = 0;
    while (i < len) {
        const char *q = memchr(p + i, '\n', len - i);
        size_t e = q ? (size_t)(q - p) : len;
        size_t l = e - i;
        if (q && l > 0 && p[e - 1] == '\r') l--;
        fn(ctx, p + i, l, q != NULL);
        i = q ? e + 1 : len;
    }
}

/* ---------------------------------------------------------------------- */
/* MIMEEval: _check_attachments */

struct mime_facts {
    double base64_count, body_html_count, body_text_count, qp_count, attachment;
    bool base64_encoded_text, bad_iso_charset, missing_boundary, multipart_alternative;
    bool qp_long_line;
    bool has_attachment, has_bad_iso, has_qp_bytes;
    double multipart_ratio, qp_ratio, ascii_text_illegal, text_unicode_ratio, qp_bytes;
    const char *html_charsets;
};

struct line_state {
    struct mime_facts *f;
    /* the part's type tests, made once per part rather than per line
     * (85,000 strcmp calls on 300 bench messages) */
    bool plain_or_html, qp, plain_ascii, plain_7or8bit;
    bool cd_attachment;
    double *part_bytes; /* NULL for attachments */
    double qp_bytes, qp_count, normal_chars, unicode_chars;
};

static bool qp_needless(char x, char y)
{
    bool digit = y >= '0' && y <= '9';
    if (x == '0') return y == '9';
    if (x == '3') return digit || (y >= 'A' && y <= 'F' && y != 'D');
    if (x == '2' || x == '4' || x == '5' || x == '6') return digit || (y >= 'A' && y <= 'F');
    if (x == '7') return digit || (y >= 'A' && y <= 'E');
    return false;
}

/* The "=XY" escapes a QP line did not need (qp_needless), none overlapping,
 * from the left; memchr to each '=' (a byte loop over every QP line was
 * 1,600 instructions a message) */
size_t ev_qp_needless(const char *l, size_t clen)
{
    size_t qp = 0;
    for (size_t i = 0; i + 2 < clen;) {
        const char *eq = memchr(l + i, '=', clen - 2 - i);
        if (!eq) break;
        i = (size_t)(eq - l);
        if (qp_needless(l[i + 1], l[i + 2])) {
            qp++;
            i += 3;
        } else {
            i++;
        }
    }
    return qp;
}

/* The "&#xHHHH;" references (four hex digits, capitals) of a line, none
 * overlapping, from the left; memchr to each '&' (2,300 instructions a
 * message as a byte loop) */
size_t ev_ncr_count(const char *l, size_t clen)
{
    size_t subs = 0;
    for (size_t i = 0; i + 8 <= clen;) {
        const char *amp = memchr(l + i, '&', clen - 7 - i);
        if (!amp) break;
        i = (size_t)(amp - l);
        bool hex = l[i + 1] == '#' && l[i + 2] == 'x' && l[i + 7] == ';';
        for (size_t k = 3; k < 7 && hex; k++)
            if (!(ch_is_digit((unsigned char)l[i + k]) || (l[i + k] >= 'A' && l[i + k] <= 'F')))
                hex = false;
        if (hex) {
            subs++;
            i += 8;
        } else {
            i++;
        }
    }
    return subs;
}

static void mime_line(void *vctx, const char *l, size_t clen, bool nl)
{
    struct line_state *S = vctx;
    struct mime_facts *f = S->f;
    size_t len = clen + (nl ? 1 : 0); /* SpamAssassin's length($_) */
    if (f->multipart_alternative && !S->cd_attachment && S->part_bytes && S->plain_or_html)
        *S->part_bytes += (double)len;
    if (S->qp && !(clen >= 6 && memcmp(l, "SPAM: ", 6) == 0)) {
        if (len > 79) f->qp_long_line = true;
        S->qp_bytes += (double)len;
        if (memchr(l, '=', clen)) {
            double qp = (double)ev_qp_needless(l, clen);
            if (qp > 0) {
                S->qp_count += qp;
                /* a run of =09/=20 ending the line (before whitespace) is fine */
                size_t e = clen;
                while (e > 0 && ch_is_space((unsigned char)l[e - 1]))
                    e--;
                size_t t = e;
                while (
                    t >= 3 && l[t - 3] == '=' &&
                    ((l[t - 2] == '0' && l[t - 1] == '9') || (l[t - 2] == '2' && l[t - 1] == '0')))
                    t -= 3;
                S->qp_count -= (double)((e - t) / 3);
            }
        }
    }
    if (S->plain_ascii)
        for (size_t i = 0; i < clen; i++) {
            unsigned char ch = (unsigned char)l[i];
            if (ch == 0 || ch == 0x0D || ch >= 0x80) {
                f->ascii_text_illegal++;
                break;
            }
        }
    if (S->plain_7or8bit) {
        size_t subs = ev_ncr_count(l, clen);
        S->normal_chars += (double)(len - 8 * subs);
        S->unicode_chars += (double)subs;
    }
}

/* Content-Type's charset as SpamAssassin's parse_content_type gives it
 * (lowercased), or NULL. */
static const char *part_charset(const struct mime_part *p)
{
    return p->charset;
}

/* "iso-" anywhere, any case: what /iso-\S+-\S+\b/i needs first */
static bool has_iso_dash(const char *s)
{
    for (; *s; s++)
        if ((s[0] | 0x20) == 'i' && (s[1] | 0x20) == 's' && (s[2] | 0x20) == 'o' && s[3] == '-')
            return true;
    return false;
}

static bool has_ascii_letter(const char *s)
{
    for (; *s; s++)
        if (ch_is_alpha((unsigned char)*s)) return true;
    return false;
}

static struct mime_facts *mime_facts(struct eval_ctx *c)
{
    bool fresh;
    struct mime_facts *f = ev_slot(c, EV_SLOT_MIME, sizeof *f, &fresh);
    if (!fresh) return f;
    const struct message *m = ev_msg(c);
    f->multipart_ratio = 1.0;
    size_t nparts = m->mime.n;
    double *part_bytes = arena_zalloc(ev_arena(c), (nparts ? nparts : 1) * sizeof *part_bytes);
    bool *pb_def = arena_zalloc(ev_arena(c), (nparts ? nparts : 1) * sizeof *pb_def);
    double qp_bytes = 0, qp_count = 0, normal = 0, unicode = 0;
    struct arena_str charsets = {.a = ev_arena(c)};
    for (size_t i = 0; i < nparts; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        const char *ctype = p->content_type ? p->content_type : "text/plain";
        if (strcmp(ctype, "multipart/alternative") == 0) f->multipart_alternative = true;
        const char *cte = part_hdr_lc(c, p, "Content-Transfer-Encoding");
        const char *cd = part_hdr_lc(c, p, "Content-Disposition");
        const char *cs = part_charset(p);
        const char *charset = cs ? cs : "";
        /* _check_mime_header */
        if (strcmp(ctype, "text/html") == 0)
            f->body_html_count++;
        else if (strncasecmp(ctype, "text", 4) == 0)
            f->body_text_count++;
        if (strstr(cte, "base64"))
            f->base64_count++;
        else if (strstr(cte, "quoted-printable"))
            f->qp_count++;
        if (cd[0] && strstr(cd, "attachment")) {
            f->attachment++;
            f->has_attachment = true;
        }
        if (strncmp(ctype, "text", 4) == 0 && strstr(cte, "base64") &&
            (!charset[0] ||
             ev_rx(c,
                   "(?:us-ascii|ansi_x3\\.4-1968|iso-ir-6|ansi_x3\\.4-1986|iso_646\\.irv:1991|"
                   "ascii|iso646-us|us|ibm367|cp367|csascii)",
                   0, charset)) &&
            !(cd[0] && ev_rx(c, "^(?:attachment|inline)", 0, cd)))
            f->base64_encoded_text = true;
        if (has_iso_dash(charset) && ev_rx(c, "iso-\\S+-\\S+\\b", EV_RE_I, charset) &&
            !ev_rx(c, "iso-(?:8859-\\d{1,2}|2022-(?:jp|kr))\\b", 0, charset)) {
            f->bad_iso_charset = true;
            f->has_bad_iso = true;
        }
        if (has_ascii_letter(charset)) { /* /[a-z]/i */
            if (charsets.len) arena_str_put(&charsets, " ", 1);
            arena_str_put(&charsets, charset, strlen(charset));
        }
        if (!is_leaf(p)) continue;
        bool cd_att = strstr(cd, "attachment") != NULL;
        pb_def[i] = !cd_att;
        bool plain = strcmp(ctype, "text/plain") == 0;
        struct line_state S = {.f = f,
                               .plain_or_html = plain || strcmp(ctype, "text/html") == 0,
                               .qp = strcmp(cte, "quoted-printable") == 0,
                               .plain_ascii = plain && (!cs || strcmp(cs, "us-ascii") == 0),
                               .plain_7or8bit = plain && (!cte[0] || strcmp(cte, "7bit") == 0 ||
                                                          strcmp(cte, "8bit") == 0),
                               .cd_attachment = cd_att,
                               .part_bytes = cd_att ? NULL : &part_bytes[i]};
        bool sum_bytes = f->multipart_alternative && !cd_att && S.plain_or_html;
        if (S.qp || S.plain_ascii || S.plain_7or8bit) {
            each_line(p->body.p, p->body.len, mime_line, &S);
        } else if (sum_bytes) {
            /* only the line lengths add up (an HTML part): all the bytes
             * but each "\r\n"'s CR; the other leaves (attachments, images)
             * have no line statistic. A call a line for them was 4,200
             * instructions a message. */
            size_t crlf = 0;
            const char *b = p->body.p, *end = b + p->body.len;
            for (const char *r = p->body.len ? memchr(b, '\r', p->body.len) : NULL; r;
                 r = memchr(r + 1, '\r', (size_t)(end - r - 1)))
                if (r + 1 < end && r[1] == '\n') crlf++;
            part_bytes[i] += (double)(p->body.len - crlf);
        }
        qp_bytes += S.qp_bytes;
        qp_count += S.qp_count;
        normal += S.normal_chars;
        unicode += S.unicode_chars;
    }
    if (qp_bytes > 0) {
        f->qp_ratio = qp_count / qp_bytes;
        f->qp_count = qp_count;
        f->qp_bytes = qp_bytes;
        f->has_qp_bytes = true;
    }
    if (normal > 0) f->text_unicode_ratio = unicode / normal;
    if (f->multipart_alternative) {
        double text = -1, html = -1;
        for (size_t i = nparts; i-- > 0;) {
            const struct mime_part *p = &m->mime.parts[i];
            if (!is_leaf(p) || !pb_def[i]) continue;
            const char *ctype = p->content_type ? p->content_type : "";
            if (html < 0 && strcmp(ctype, "text/html") == 0)
                html = part_bytes[i];
            else if (text < 0 && strcmp(ctype, "text/plain") == 0)
                text = part_bytes[i];
            if (html >= 0 && text >= 0) break;
        }
        if (text >= 0 && html > 0) f->multipart_ratio = text / html;
    }
    f->missing_boundary = anom_has(&m->an, ANOM_MIME_UNCLOSED);
    f->html_charsets = charsets.p;
    return f;
}

EV_FN(sa_check_for_mime)
{
    struct mime_facts *f = mime_facts(c);
    const char *t = ev_arg(a, n, 0, "");
    /* every key starts "mime_": the byte after it picks the few names to
     * compare, rather than a chain of up to 18 strcmp calls */
    if (strncmp(t, "mime_", 5) != 0) return false;
    const char *k = t + 5;
    switch (k[0]) {
    case 'a':
        if (!strcmp(k, "ascii_text_illegal")) return f->ascii_text_illegal != 0;
        if (!strcmp(k, "attachment")) return f->has_attachment;
        break;
    case 'b':
        if (!strcmp(k, "base64_count")) return f->base64_count != 0;
        if (!strcmp(k, "base64_encoded_text")) return f->base64_encoded_text;
        if (!strcmp(k, "body_html_count")) return f->body_html_count != 0;
        if (!strcmp(k, "body_text_count")) return f->body_text_count != 0;
        if (!strcmp(k, "bad_iso_charset")) return f->has_bad_iso;
        break;
    case 'c':
        if (!strcmp(k, "checked_attachments")) return true;
        break;
    case 'f':
        if (!strcmp(k, "faraway_charset")) return false; /* ok_locales all */
        break;
    case 'h':
        if (!strcmp(k, "html_charsets")) return f->html_charsets && strcmp(f->html_charsets, "0");
        break;
    case 'm':
        if (!strcmp(k, "missing_boundary")) return f->missing_boundary;
        if (!strcmp(k, "multipart_alternative")) return f->multipart_alternative;
        if (!strcmp(k, "multipart_ratio")) return f->multipart_ratio != 0;
        break;
    case 'q':
        if (!strcmp(k, "qp_count")) return f->qp_count != 0;
        if (!strcmp(k, "qp_long_line")) return f->qp_long_line;
        if (!strcmp(k, "qp_ratio")) return f->qp_ratio != 0;
        if (!strcmp(k, "qp_bytes")) return f->has_qp_bytes;
        break;
    case 't':
        if (!strcmp(k, "text_unicode_ratio")) return f->text_unicode_ratio != 0;
        break;
    default:
        break;
    }
    return false; /* not a key MIMEEval sets (mimepart_limit_exceeded is a parser flag) */
}

/* The top-level Content-Type says text/html. */
static bool top_is_html(struct eval_ctx *c)
{
    const char *ct = ev_gets(c, "Content-Type");
    return str_starts_ci(ct, strlen(ct), "text/html");
}

EV_FN(sa_check_for_mime_html)
{
    UNUSED_ARGS;
    if (top_is_html(c)) return true;
    return mime_facts(c)->body_html_count > 0;
}

EV_FN(sa_check_for_mime_html_only)
{
    UNUSED_ARGS;
    if (top_is_html(c)) return true;
    struct mime_facts *f = mime_facts(c);
    return f->body_html_count > 0 && f->body_text_count == 0;
}

EV_FN(sa_check_mime_multipart_ratio)
{
    struct mime_facts *f = mime_facts(c);
    return f->multipart_ratio >= ev_num(ARG(0)) && f->multipart_ratio < ev_num(ARG(1));
}

EV_FN(sa_check_for_ascii_text_illegal)
{
    UNUSED_ARGS;
    return mime_facts(c)->ascii_text_illegal > 0;
}

EV_FN(sa_check_abundant_unicode_ratio)
{
    const char *r = ev_arg(a, n, 0, "");
    /* the ratio must look like \d{0,3}\.\d{1,3} */
    if (!ev_rx(c, "^\\d{0,3}\\.\\d{1,3}$", 0, r)) return false;
    return mime_facts(c)->text_unicode_ratio >= ev_num(r);
}

EV_FN(sa_check_for_faraway_charset)
{
    UNUSED_ARGS;
    return false; /* ok_locales all */
}

EV_FN(sa_check_qp_ratio)
{
    struct mime_facts *f = mime_facts(c);
    return f->has_qp_bytes && f->qp_ratio >= ev_num(ARG(0));
}

EV_FN(sa_check_ma_non_text)
{
    UNUSED_ARGS;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->content_type || strcmp(p->content_type, "multipart/alternative") != 0) continue;
        /* the leaves directly under it */
        for (size_t k = i + 1; k < m->mime.n; k++) {
            const struct mime_part *q = &m->mime.parts[k];
            if (q->parent != (int)i || !is_leaf(q)) continue;
            const char *t = q->content_type ? q->content_type : "";
            if (strcasecmp(t, "multipart/related") == 0 || strcasecmp(t, "application/rtf") == 0 ||
                strncasecmp(t, "text/", 5) == 0)
                continue;
            ev_evidence(c, "%s in multipart/alternative", t);
            return true;
        }
    }
    return false;
}

/* The longest line (its "\n" counted) of the base64 leaves, once per
 * message: two rules ask, and each walked every line (9,600 instructions a
 * message for both) */
static size_t base64_longest(struct eval_ctx *c)
{
    bool fresh;
    size_t *longest_p = ev_slot(c, EV_SLOT_B64LEN, sizeof *longest_p, &fresh);
    if (!fresh) return *longest_p;
    const struct message *m = ev_msg(c);
    size_t longest = 0;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!is_leaf(p)) continue;
        if (p->content_type && strcmp(p->content_type, "application/ics") == 0) continue;
        const char *cte = part_hdr_lc(c, p, "Content-Transfer-Encoding");
        if (strcmp(cte, "base64") != 0) continue;
        const char *b = p->body.p, *e = b + p->body.len;
        while (b < e) {
            const char *q = memchr(b, '\n', (size_t)(e - b));
            size_t l = q ? (size_t)(q - b) : (size_t)(e - b);
            if (q && l > 0 && b[l - 1] == '\r') l--;
            if (q) l++; /* the "\n" counts */
            if (l > longest) longest = l;
            b = q ? q + 1 : e;
        }
    }
    *longest_p = longest;
    return longest;
}

EV_FN(sa_check_base64_length)
{
    size_t longest = base64_longest(c);
    double min = ev_num(ARG(0));
    if (n >= 2 && (double)longest > ev_num(ARG(1))) return false;
    return (double)longest >= min;
}

/* ---------------------------------------------------------------------- */
/* MIMEEval: check_msg_parse_flags -- the flags SpamAssassin's message
 * parser sets, found again by scanning the header block and every
 * multipart body the way Mail::SpamAssassin::Message reads them. */

struct parse_flags {
    bool missing_head_body_separator, missing_mime_head_body_separator, missing_mime_headers;
    bool truncated_header, mime_epilogue_exists, mimepart_limit_exceeded;
};

/* Byte classes, a table load a byte in the loops over every byte of a
 * text: words_add's white space and NUL (BC_STOP) and word bytes (\w, or
 * >= 0x80: BC_WORD), is_field_line's field-name bytes (BC_FIELD) */
enum { BC_WORD = 1, BC_STOP = 2, BC_FIELD = 4 };
static unsigned char byte_class[256];
static pthread_once_t byte_class_once = PTHREAD_ONCE_INIT;

static void byte_class_init(void)
{
    for (unsigned ch = 0; ch < 256; ch++) {
        unsigned char b = (unsigned char)ch, k = 0;
        if (ch_is_space(b) || b == 0)
            k |= BC_STOP;
        else if (ch_is_alnum(b) || b == '_' || b >= 0x80)
            k |= BC_WORD;
        if (b >= 041 && b <= 0176 && b != ':') k |= BC_FIELD;
        byte_class[ch] = k;
    }
}

/* A header field line: printable non-colon characters, then (when wsp) optional
 * spaces/tabs, then ':'. Its callers run byte_class_init first. */
static bool is_field_line(const char *l, size_t len, bool wsp)
{
    size_t i = 0;
    while (i < len && (byte_class[(unsigned char)l[i]] & BC_FIELD))
        i++;
    if (i == 0) return false;
    if (wsp)
        while (i < len && (l[i] == ' ' || l[i] == '\t'))
            i++;
    return i < len && l[i] == ':';
}

struct line {
    const char *p;
    size_t len; /* without the line end */
};

/* "--boundary" then optional "--" (when close is allowed) then whitespace. */
static int boundary_line(const struct line *l, const char *b, size_t bl)
{
    if (l->len < 2 + bl || l->p[0] != '-' || l->p[1] != '-' || memcmp(l->p + 2, b, bl) != 0)
        return 0;
    size_t i = 2 + bl;
    int kind = 1;
    if (i + 1 < l->len + 1 && l->len >= i + 2 && l->p[i] == '-' && l->p[i + 1] == '-') {
        kind = 2;
        i += 2;
    }
    for (; i < l->len; i++)
        if (!ch_is_space((unsigned char)l->p[i])) {
            /* "--b--x": not a close; "--b x" is not a boundary either */
            return 0;
        }
    return kind;
}

/* The line of (p,len) starting at off as split_lines reads it; the offset
 * of the next line in *next (len after the last line). */
static struct line line_at(const char *p, size_t len, size_t off, size_t *next)
{
    const char *q = memchr(p + off, '\n', len - off);
    size_t e = q ? (size_t)(q - p) : len;
    size_t l = e - off;
    if (q && l > 0 && p[e - 1] == '\r') l--;
    *next = q ? e + 1 : len;
    return (struct line){p + off, l};
}

/* The start of the first line at or after the line start off that begins
 * with "--" and the boundary b (bl bytes), or len when none does: the only
 * lines boundary_line can take. memmem finds b, and a hit counts when "--"
 * before it starts a line. (A memchr to each line's end instead came to
 * the same instructions on the bench.) */
static size_t next_dash_line(const char *body, size_t len, size_t off, const char *b, size_t bl)
{
    for (size_t pos = off; pos + 2 + bl <= len;) {
        const char *h = memmem(body + pos + 2, len - pos - 2, b, bl);
        if (!h) return len;
        size_t ls = (size_t)(h - body) - 2;
        if (body[ls] == '-' && body[ls + 1] == '-' && (ls == off || body[ls - 1] == '\n'))
            return ls;
        pos = ls + 1;
    }
    return len;
}

/* The lines of a multipart body walked in place, one memchr a line:
 * splitting the whole body into an array first (attachments included) was
 * half of check_msg_parse_flags' 21,000 instructions a message. Inside a
 * part's body only a boundary line or the body's last line changes
 * anything, so the walk jumps there (next_dash_line) instead of stepping
 * through every line of the part (attachments, long HTML): with it
 * check_msg_parse_flags came down from 19,400 to 13,400 instructions a
 * message on the bench. */
static void scan_multipart(const struct mime_part *p, struct parse_flags *F)
{
    const char *b = mimeparam_get(&p->ctype, "boundary");
    const char *body = p->body.p;
    size_t len = p->body.len, start = 0, next;
    size_t bl = b ? strlen(b) : 0;
    if (b) {
        for (size_t off = 0; off < len; off = next) {
            off = next_dash_line(body, len, off, b, bl);
            if (off >= len) break;
            struct line l = line_at(body, len, off, &next);
            if (boundary_line(&l, b, bl) == 1) {
                if (next < len) {
                    size_t after;
                    struct line h = line_at(body, len, next, &after);
                    if (!is_field_line(h.p, h.len, false)) F->missing_mime_headers = true;
                }
                start = next;
                break;
            }
        }
    }
    bool in_body = false, header = false;
    size_t partcnt = 0;
    size_t epilogue = SIZE_MAX; /* where the lines after the closing boundary start */
    /* the start of the body's last line (the one line_at ends at len) */
    const char *lnl = len > 1 ? memrchr(body, '\n', len - 1) : NULL;
    size_t last_start = lnl ? (size_t)(lnl - body) + 1 : 0;
    for (size_t off = start; off < len; off = next) {
        if (in_body) {
            size_t to = b ? next_dash_line(body, len, off, b, bl) : len;
            off = to < last_start ? to : last_start; /* both are at or after off */
        }
        struct line l = line_at(body, len, off, &next);
        int kind = b ? boundary_line(&l, b, bl) : 0;
        bool last = next >= len;
        if (last || kind) {
            if (kind == 2) {
                epilogue = next;
                break;
            }
            if (b && kind && !last) {
                size_t after;
                struct line h = line_at(body, len, next, &after);
                if (!is_field_line(h.p, h.len, false)) F->missing_mime_headers = true;
            }
            if (++partcnt == SA_MAX_PARTS) {
                F->mimepart_limit_exceeded = true;
                return;
            }
            in_body = header = false;
            continue;
        }
        if (!in_body) {
            if (is_field_line(l.p, l.len, true)) {
                header = true;
                continue;
            }
            if (l.len && (l.p[0] == ' ' || l.p[0] == '\t') && header) continue;
            in_body = true;
            if (l.len == 0) continue;
            F->missing_mime_head_body_separator = true;
        }
    }
    /* the epilogue's lines, line ends included: they are spaces too */
    for (size_t k = epilogue; k < len; k++)
        if (!ch_is_space((unsigned char)body[k]) && body[k] != '.') {
            F->mime_epilogue_exists = true;
            return;
        }
}

static struct parse_flags *parse_flags(struct eval_ctx *c)
{
    bool fresh;
    struct parse_flags *F = ev_slot(c, EV_SLOT_FLAGS, sizeof *F, &fresh);
    if (!fresh) return F;
    pthread_once(&byte_class_once, byte_class_init);
    const struct message *m = ev_msg(c);
    /* the top-level header block's lines walked in place up to the first
     * empty one (finding it, then counting and splitting the lines into an
     * array were three passes: 1,500 instructions a message); cont: the
     * bytes of the current field's continuation lines, each with its "\n" */
    const char *raw = m->raw;
    size_t raw_len = m->raw_len, off = 0, next = 0, total = 0, cont = 0;
    int errors = 0;
    bool have = false;
    struct line cur = {raw, 0};
    for (;; off = next) {
        bool eof = off >= raw_len;
        struct line l = eof ? (struct line){raw, 0} : line_at(raw, raw_len, off, &next);
        if (!eof && l.len && (l.p[0] == ' ' || l.p[0] == '\t')) {
            cont += l.len + 1;
            continue;
        }
        if (have) {
            /* the field cur and its continuation lines: key and value lengths */
            const char *colon = memchr(cur.p, ':', cur.len);
            if (colon) {
                size_t kl = (size_t)(colon - cur.p);
                while (kl && (cur.p[kl - 1] == ' ' || cur.p[kl - 1] == '\t'))
                    kl--;
                size_t vl = cur.len - (size_t)(colon - cur.p) - 1 + 1 + cont;
                if (kl > 256 || vl > 8192) F->truncated_header = true;
                total += kl + vl + 2;
            }
        }
        if (eof || l.len == 0) {
            if (eof) F->missing_head_body_separator = true;
            break;
        }
        if (l.len >= 2 && l.p[0] == '-' && l.p[1] == '-') {
            F->missing_head_body_separator = true;
            break;
        }
        if (!is_field_line(l.p, l.len, true) && ++errors > 3) {
            F->missing_head_body_separator = true;
            break;
        }
        have = true;
        cur = l;
        cont = 0;
    }
    if (total > 65536) F->truncated_header = true;
    for (size_t i = 0; i < m->mime.n; i++)
        if (m->mime.parts[i].is_multipart) scan_multipart(&m->mime.parts[i], F);
    return F;
}

EV_FN(sa_check_msg_parse_flags)
{
    const char *t = n >= 2 ? ARG(1) : ARG(0);
    if (!t) return false;
    struct parse_flags *F = parse_flags(c);
    if (!strcmp(t, "missing_head_body_separator")) return F->missing_head_body_separator;
    if (!strcmp(t, "missing_mime_head_body_separator")) return F->missing_mime_head_body_separator;
    if (!strcmp(t, "missing_mime_headers")) return F->missing_mime_headers;
    if (!strcmp(t, "truncated_header")) return F->truncated_header;
    if (!strcmp(t, "mime_epilogue_exists")) return F->mime_epilogue_exists;
    if (!strcmp(t, "mimepart_limit_exceeded")) return F->mimepart_limit_exceeded;
    return false;
}

/* ---------------------------------------------------------------------- */
/* MIMEEval: check_for_uppercase; BodyEval */

/* /^[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|
 * georgianps|pt154|tis)[-_a-z0-9]*$/i by hand (the regex was 3,000
 * instructions a message): the names are made of the class's characters,
 * so the string (less one final "\n", which $ allows) is all of the class
 * and holds a name. */
bool ev_charset_fp_caps(const char *cs)
{
    static const char *const names[] = {"koi", "jp",    "jis",          "euc",
                                        "gb",  "big5",  "isoir",        "cp1251",
                                        "tis", "pt154", "windows-1251", "georgianps"};
    if (!cs) return false;
    size_t l = strlen(cs);
    if (l && cs[l - 1] == '\n') l--;
    for (size_t i = 0; i < l; i++)
        if (!ch_is_alnum((unsigned char)cs[i]) && cs[i] != '-' && cs[i] != '_') return false;
    /* one pass: at each byte that begins a name, the names beginning with
     * it (twelve str_find_ci calls were 2,800 instructions a message) */
    for (size_t i = 0; i < l; i++) {
        unsigned char c0 = ch_lower((unsigned char)cs[i]);
        if (!memchr("kjegbictpw", c0, 10)) continue;
        for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
            const char *nm = names[k];
            if (nm[0] != c0) continue;
            size_t j = 1;
            while (nm[j] && i + j < l && ch_lower((unsigned char)cs[i + j]) == (unsigned char)nm[j])
                j++;
            if (!nm[j]) return true;
        }
    }
    return false;
}

/* SpamAssassin's body_charset_is_likely_to_fp: the top Content-Type's
 * charset or any part's. */
static bool body_charset_fp(struct eval_ctx *c)
{
    const char *ct = ev_get(c, "Content-Type");
    if (ct) {
        size_t ov[4];
        const struct ev_re *re =
            ev_re("charset=\"([^\"]+)\"|charset='([^']+)'|charset=(\\S+)", EV_RE_I);
        size_t o[8];
        (void)ov;
        if (ev_re_match(c, re, ct, strlen(ct), 0, o, 4)) {
            for (int k = 1; k <= 3; k++)
                if (o[2 * k] != (size_t)-1) {
                    char *cs = arena_strndup(ev_arena(c), ct + o[2 * k], o[2 * k + 1] - o[2 * k]);
                    if (ev_charset_fp_caps(cs)) return true;
                }
        }
    }
    const char *hc = mime_facts(c)->html_charsets;
    if (hc) {
        char *d = arena_strdup(ev_arena(c), hc);
        for (char *t = strtok(d, " "); t; t = strtok(NULL, " "))
            if (ev_charset_fp_caps(t)) return true;
    }
    return false;
}

/* The two line tests of check_for_uppercase, by hand: PCRE's /\S\s+\S/
 * and /^(?:[A-Za-z0-9+\/=]{60,76} ){2}/ on every body line were 13,000
 * instructions a message (callgrind, 300 bench messages). \s is the six
 * ASCII spaces of ch_is_space, as in PCRE without UCP. */
bool ev_has_inner_space(const char *p, size_t len)
{
    bool seen = false, gap = false; /* a non-space; spaces after one */
    for (size_t i = 0; i < len; i++) {
        if (ch_is_space((unsigned char)p[i])) {
            gap = seen;
        } else {
            if (gap) return true;
            seen = true;
        }
    }
    return false;
}

/* The first "ESC $ B" of the line, or NULL (memchr: glibc's memmem was 540
 * instructions a line) */
static const char *esc_dollar_b(const char *p, size_t l)
{
    for (const char *q = p; (q = memchr(q, 0x1b, (size_t)(p + l - q))) != NULL; q++)
        if ((size_t)(p + l - q) >= 3 && q[1] == '$' && q[2] == 'B') return q;
    return NULL;
}

static bool is_b64_char(unsigned char ch)
{
    return ch_is_alnum(ch) || ch == '+' || ch == '/' || ch == '=';
}

/* A run of 60 to 76 such characters stops at the first other byte, which
 * must be the space: a shorter run is followed by one of the class. */
bool ev_b64_pair_start(const char *p, size_t len)
{
    size_t i = 0;
    for (int k = 0; k < 2; k++) {
        size_t b = i;
        while (i < len && i - b <= 76 && is_b64_char((unsigned char)p[i]))
            i++;
        if (i - b < 60 || i - b > 76 || i >= len || p[i] != ' ') return false;
        i++;
    }
    return true;
}

struct upper {
    bool skip; /* no body view, FP-prone charset or under 200 characters */
    double pct;
};

/* Per byte of a word: the high bit set where the byte (below 0x80) is at
 * least v. Adding 0x80 - v to a byte of at most 0x7F carries into its high
 * bit only, never into the next byte. */
static uint64_t bytes_at_least(uint64_t low7, unsigned v)
{
    return (low7 + 0x0101010101010101u * (0x80u - v)) & 0x8080808080808080u;
}

/* check_for_uppercase's counts of (p, len): small letters and digits, and
 * capitals (ASCII), eight bytes at a time: a byte is in [a, b] when it is
 * below 0x80, at least a and not at least b + 1; each word's flags summed by
 * one multiply. The byte loop was 5,000 instructions a message. */
void ev_count_case(const char *p, size_t len, size_t *lower, size_t *upper)
{
    const uint64_t highs = 0x8080808080808080u, ones = 0x0101010101010101u;
    size_t lo = 0, up = 0, k = 0;
    for (; k + 8 <= len; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        uint64_t x = w & ~highs, ascii = ~w & highs;
        uint64_t small = bytes_at_least(x, 'a') & ~bytes_at_least(x, 'z' + 1);
        uint64_t digit = bytes_at_least(x, '0') & ~bytes_at_least(x, '9' + 1);
        uint64_t caps = bytes_at_least(x, 'A') & ~bytes_at_least(x, 'Z' + 1);
        lo += (size_t)((((small | digit) & ascii) >> 7) * ones >> 56);
        up += (size_t)(((caps & ascii) >> 7) * ones >> 56);
    }
    for (; k < len; k++) {
        unsigned ch = (unsigned char)p[k];
        if (ch - 'a' < 26u || ch - '0' < 10u)
            lo++;
        else if (ch - 'A' < 26u)
            up++;
    }
    *lower = lo;
    *upper = up;
}

static struct upper *upper(struct eval_ctx *c)
{
    bool fresh;
    struct upper *U = ev_slot(c, EV_SLOT_UPPER, sizeof *U, &fresh);
    if (!fresh) return U;
    size_t nl;
    const struct mv_text *L = ev_body(c, &nl);
    if (!L || body_charset_fp(c)) {
        U->skip = true;
        return U;
    }
    double len = 0, lower = 0, up = 0;
    for (size_t i = 0; i < nl; i++) {
        const char *p = L[i].p;
        size_t l = L[i].len;
        if (!ev_has_inner_space(p, l) || ev_b64_pair_start(p, l)) continue;
        /* shift-JIS escape sequences "ESC $ B ... ESC ( B" are removed */
        const char *esc = esc_dollar_b(p, l);
        size_t cut_from = l, cut_len = 0;
        if (esc) {
            const char *end = NULL;
            for (const char *q = p + l; q-- > esc + 3;)
                if ((size_t)(p + l - q) >= 3 && memcmp(q, "\x1b(B", 3) == 0) {
                    end = q;
                    break;
                }
            if (end) {
                cut_from = (size_t)(esc - p);
                cut_len = (size_t)(end + 3 - esc);
            }
        }
        len += (double)(l - cut_len);
        /* the bytes before and after the cut, counted as integers (exact
         * either way) */
        size_t n_low = 0, n_up = 0;
        for (int part = 0; part < 2; part++) {
            size_t from = part ? cut_from + cut_len : 0, to = part ? l : cut_from;
            size_t lo, hi;
            ev_count_case(p + from, to - from, &lo, &hi);
            n_low += lo, n_up += hi;
        }
        lower += (double)n_low;
        up += (double)n_up;
    }
    if (len < 200) {
        U->skip = true;
        return U;
    }
    U->pct = up + lower == 0 ? 0 : up / (up + lower) * 100;
    return U;
}

EV_FN(sa_check_for_uppercase)
{
    double min = ev_num(ARG(0)), max = ev_num(ARG(1));
    struct upper *U = upper(c);
    double pct = U->skip ? 0 : U->pct;
    if (pct > min && pct <= max) {
        ev_evidence(c, "%.0f%% capitals", pct);
        return true;
    }
    return false;
}

/* The characters (bytes but UTF-8 continuation bytes, 10xxxxxx) and the
 * spaces of (p, len), eight bytes at a time: continuation bytes have bit 7
 * and not bit 6 (w & ~(w << 1)); a space is a zero byte of w ^ 0x20..20,
 * found without carries between bytes (the high bit of (y & 0x7F..) +
 * 0x7F.. or y is set exactly when the byte is not zero); the flags of a
 * word are summed by one multiply (at most 8: no byte overflows). The byte
 * loop was 13,500 instructions a message. */
void ev_chars_spaces(const char *p, size_t len, size_t *chars, size_t *spaces)
{
    const uint64_t highs = 0x8080808080808080u, lows = 0x7F7F7F7F7F7F7F7Fu;
    const uint64_t sp = 0x2020202020202020u, ones = 0x0101010101010101u;
    size_t cont = 0, n_sp = 0, k = 0;
    for (; k + 8 <= len; k += 8) {
        uint64_t w;
        memcpy(&w, p + k, 8);
        uint64_t y = w ^ sp;
        cont += (size_t)((((w & ~(w << 1) & highs) >> 7) * ones) >> 56);
        n_sp += (size_t)(((~(((y & lows) + lows) | y) & highs) >> 7) * ones >> 56);
    }
    for (; k < len; k++) {
        cont += ((unsigned char)p[k] & 0xC0) == 0x80;
        n_sp += p[k] == ' ';
    }
    *chars = len - cont;
    *spaces = n_sp;
}

EV_FN(sa_tvd_vertical_words)
{
    double min = ev_num(ARG(0)), max = ev_num(ARG(1));
    if (max >= 100) max = 101;
    size_t nl;
    const struct mv_text *L = ev_body(c, &nl);
    if (!L) return false;
    double best = -1;
    for (size_t i = 0; i < nl; i++) {
        size_t l, spaces; /* length in characters; spaces */
        ev_chars_spaces(L[i].p, L[i].len, &l, &spaces);
        if (l <= 5) continue;
        size_t non = l - spaces;
        double pct = (spaces > non || non == 0) ? 100 : floor(100.0 * (double)spaces / (double)non);
        if (pct > best) best = pct;
    }
    return best >= min && best < max;
}

EV_FN(sa_check_blank_line_ratio)
{
    double min = ev_num(ARG(0)), max = ev_num(ARG(1));
    double minlines = n >= 3 ? ev_num(ARG(2)) : 1;
    if (minlines < 1) minlines = 1;
    size_t nl;
    const struct mv_text *L = ev_rawbody(c, &nl);
    if (!L) return false;
    double blank = 0, lines = 0;
    for (size_t i = 0; i < nl; i++) {
        /* split(/^/m, $chunk, -1): lines with their "\n" */
        const char *p = L[i].p, *e = p + L[i].len;
        if (p == e) {
            lines++, blank++;
            continue;
        }
        while (p < e) {
            const char *q = memchr(p, '\n', (size_t)(e - p));
            const char *le = q ? q + 1 : e;
            lines++;
            bool nonspace = false;
            for (const char *t = p; t < le && !nonspace; t++)
                nonspace = !ch_is_space((unsigned char)*t);
            if (!nonspace) blank++;
            p = le;
        }
    }
    double ratio = lines < minlines ? -1 : 100 * blank / lines;
    return (min == 0 && ratio <= max) || (ratio > min && ratio <= max);
}

EV_FN(sa_check_stock_info)
{
    double min = ev_num(ARG(0));
    const struct message *m = ev_msg(c);
    const struct mime_part *p = NULL;
    for (size_t i = 0; i < m->mime.n && !p; i++)
        if (m->mime.parts[i].content_type &&
            strcmp(m->mime.parts[i].content_type, "text/plain") == 0)
            p = &m->mime.parts[i];
    int hits = 0;
    if (p && p->text) {
        static const char *const keys[] = {"^trad(?:e|ing)date$",
                                           "^company(?:name)?$",
                                           "^s\\w?(?:t\\w?o\\w?c\\w?k|y\\w?m(?:\\w?b\\w?o\\w?l)?)$",
                                           "^t(?:arget|icker)$",
                                           "^(?:opening|current)p(?:rice)?$",
                                           "^p(?:rojected|osition)$",
                                           "^expectations$",
                                           "^weeks?high$",
                                           "^marketperformance$",
                                           "^(?:year|week|month|day|price)(?:target|estimates?)$",
                                           "^sector$",
                                           "^r(?:ecommendation|ating)$"};
        bool seen[12] = {false};
        const struct ev_re *re = ev_re("^\\s*([^:\\s][^:\\n]{2,29})\\s*:\\s*\\S", EV_RE_M);
        size_t start = 0, ov[4];
        while (ev_re_match(c, re, p->text, p->text_len, start, ov, 2)) {
            char buf[64];
            size_t k = 0;
            for (size_t j = ov[2]; j < ov[3] && k + 1 < sizeof buf; j++) {
                char ch = (char)ch_lower((unsigned char)p->text[j]);
                if (ch >= 'a' && ch <= 'z') buf[k++] = ch;
            }
            buf[k] = 0;
            for (int j = 0; j < 12; j++)
                if (!seen[j] && ev_rx(c, keys[j], 0, buf)) {
                    seen[j] = true;
                    hits++;
                    break;
                }
            start = ov[1] > start ? ov[1] : start + 1;
        }
    }
    return min == 0 || hits >= min;
}

EV_FN(sa_check_body_length)
{
    const struct message *m = ev_msg(c);
    size_t body = m->raw_len > m->hdr.body_offset ? m->raw_len - m->hdr.body_offset : 0;
    return (double)body <= ev_num(ARG(0));
}

/* The first text/plain part's body and signature lengths (bytes). */
static bool sig_lengths(struct eval_ctx *c, double *body, double *sig)
{
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->content_type || strncmp(p->content_type, "text/plain", 10) != 0) continue;
        const char *t = (const char *)p->decoded;
        size_t len = t ? p->decoded_len : 0;
        double lb = (double)len, ls = 0;
        /* the last "-- " line not within 4 bytes of the end */
        size_t i0 = 0;
        while (i0 < len) {
            const char *q = memchr(t + i0, '\n', len - i0);
            size_t e = q ? (size_t)(q - t) : len;
            size_t l = e - i0;
            size_t cl = (l && t[e - 1] == '\r') ? l - 1 : l;
            if ((cl == 2 || cl == 3) && t[i0] == '-' && t[i0 + 1] == '-' &&
                (cl == 2 || t[i0 + 2] == ' ')) {
                size_t mend = i0 + l; /* end of the match (before the newline) */
                if (len - mend > 4) {
                    lb = (double)i0;
                    ls = (double)(len - mend);
                }
            }
            i0 = q ? e + 1 : len;
        }
        *body = lb;
        *sig = ls;
        return true;
    }
    return false;
}

EV_FN(sa_plaintext_body_length)
{
    double b, s;
    if (!sig_lengths(c, &b, &s)) return false;
    return b >= ev_num(ARG(0)) && (n < 2 || b <= ev_num(ARG(1)));
}

EV_FN(sa_plaintext_sig_length)
{
    double b, s;
    if (!sig_lengths(c, &b, &s)) return false;
    return s >= ev_num(ARG(0)) && (n < 2 || s <= ev_num(ARG(1)));
}

EV_FN(sa_plaintext_body_sig_ratio)
{
    double b, s;
    if (!sig_lengths(c, &b, &s)) return false;
    double r = s > 0 ? b / s : 1e6;
    return r >= ev_num(ARG(0)) && (n < 2 || r <= ev_num(ARG(1)));
}

/* ---------------------------------------------------------------------- */
/* BodyEval: multipart_alternative_difference */

struct madiff {
    double diff, html, text;
};

/* Words: whitespace-separated tokens with a \w character, each distinct
 * one once with its count, in order of first occurrence; a hash table of
 * indexes finds them (a long part has thousands). A word is compared as a C
 * string (up to a NUL byte, the rest ignored), and a token holding a NUL
 * always gets an entry of its own, as when words were NUL-terminated copies:
 * the table then keeps the first entry of each string. The words point into
 * the text, which outlives the set. */
struct word {
    const char *p;
    size_t len;
    uint64_t h; /* FNV-1a of its bytes (before a NUL) */
    int count;
};
struct word_set {
    struct word *v; /* one array (four grown side by side were 1,250
                       instructions a message of arena_grow, now 600) */
    size_t n, cap;
    uint32_t *tab; /* 0 empty, else index + 1; tab_size a power of two */
    size_t tab_size;
};

#define WORD_HASH_INIT 1469598103934665603u /* FNV-1a */
#define WORD_HASH_STEP(h, ch) (((h) ^ (unsigned char)(ch)) * 1099511628211u)

/* The index of word (p,len), whose hash is h, in s, or s->n when absent;
 * *slot is where it is or would go in s->tab. The hashes are compared
 * before the bytes. */
static size_t words_find_h(const struct word_set *s, const char *p, size_t len, uint64_t h,
                           size_t *slot)
{
    size_t mask = s->tab_size - 1;
    for (size_t k = h & mask;; k = (k + 1) & mask) {
        *slot = k;
        if (!s->tab[k]) return s->n;
        const struct word *w = &s->v[s->tab[k] - 1];
        if (w->h == h && w->len == len && memcmp(w->p, p, len) == 0) return s->tab[k] - 1;
    }
}

static void words_rehash(struct eval_ctx *c, struct word_set *s, size_t size)
{
    s->tab = arena_zalloc(ev_arena(c), size * sizeof *s->tab);
    s->tab_size = size;
    for (size_t i = 0; i < s->n; i++) {
        size_t slot;
        if (words_find_h(s, s->v[i].p, s->v[i].len, s->v[i].h, &slot) == s->n)
            s->tab[slot] = (uint32_t)(i + 1);
    }
}

/* Whitespace-separated tokens holding a word character, counted. The hash
 * table starts at a size for the text's length (a token is two bytes at
 * least with its space; a quarter of the bytes, up to 16,384 slots, is
 * enough for most texts) rather than growing from 64: the rehashes, the
 * three arrays grown for every word and a memchr for a NUL in every word
 * were 17,000 of madiff's 37,000 instructions a message. */
static void words_add(struct eval_ctx *c, struct word_set *s, const char *t, size_t len)
{
    size_t i = 0;
    pthread_once(&byte_class_once, byte_class_init);
    if (!s->tab) {
        size_t size = 64;
        while (size < len / 4 && size < 16384)
            size *= 2;
        words_rehash(c, s, size);
    }
    while (i < len) {
        while (i < len && ch_is_space((unsigned char)t[i]))
            i++;
        size_t b = i, nul = SIZE_MAX;
        /* one table load a byte up to white space or a NUL (the three
         * tests a byte before were 3,000 instructions a message more) */
        unsigned wc, word = 0;
        /* the word's hash in the same pass: a second pass over every word
         * cost ~7,000 instructions a message (and a hash of its first and
         * last eight bytes, done once a word, ~1,300 more than this) */
        uint64_t h = WORD_HASH_INIT;
        for (unsigned char ch; i < len && !((wc = byte_class[ch = (unsigned char)t[i]]) & BC_STOP);
             i++) {
            word |= wc & BC_WORD;
            h = WORD_HASH_STEP(h, ch);
        }
        if (i < len && t[i] == 0) { /* the rest of a token holding a NUL */
            nul = i;
            for (; i < len && !ch_is_space((unsigned char)t[i]); i++)
                if (byte_class[(unsigned char)t[i]] & BC_WORD) word = 1;
        }
        if (!word) continue;
        size_t klen = nul != SIZE_MAX ? nul - b : i - b;
        size_t slot, k = words_find_h(s, t + b, klen, h, &slot);
        if (k == s->n || nul != SIZE_MAX) {
            bool first = k == s->n;
            k = s->n;
            if (s->n == s->cap)
                s->v = arena_grow(ev_arena(c), s->v, &s->cap, s->n + 1, sizeof *s->v);
            s->v[s->n++] = (struct word){t + b, klen, h, 0};
            if (first) s->tab[slot] = (uint32_t)s->n;
            if (s->n * 2 > s->tab_size) words_rehash(c, s, s->tab_size * 2);
        }
        s->v[k].count++;
    }
}

static bool is_descendant(const struct message *m, size_t k, size_t anc)
{
    for (int p = m->mime.parts[k].parent; p >= 0; p = m->mime.parts[p].parent)
        if ((size_t)p == anc) return true;
    return false;
}

static struct madiff *madiff(struct eval_ctx *c)
{
    bool fresh;
    struct madiff *D = ev_slot(c, EV_SLOT_MADIFF, sizeof *D, &fresh);
    if (!fresh) return D;
    const struct message *m = ev_msg(c);
    /* Exchange meeting requests: multipart/alternative of text/html and text/calendar */
    if (m->mime.n == 3 && m->mime.parts[0].content_type &&
        strcmp(m->mime.parts[0].content_type, "multipart/alternative") == 0 &&
        m->mime.parts[1].content_type && strcmp(m->mime.parts[1].content_type, "text/html") == 0 &&
        m->mime.parts[2].content_type &&
        strcmp(m->mime.parts[2].content_type, "text/calendar") == 0)
        return D;
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *ma = &m->mime.parts[i];
        if (!ma->content_type || strncmp(ma->content_type, "multipart/alternative", 21) != 0)
            continue;
        struct word_set html = {0}, text = {0};
        bool img_mark = false;
        for (size_t k = i + 1; k < m->mime.n; k++) {
            const struct mime_part *p = &m->mime.parts[k];
            if (!is_descendant(m, k, i) || !is_leaf(p) || !p->content_type) continue;
            bool is_html = strcmp(p->content_type, "text/html") == 0;
            if (!is_html && strcmp(p->content_type, "text/plain") != 0) continue;
            if (is_html) {
                if (p->decoded_len == 0) continue; /* nothing rendered */
                words_add(c, &html, p->html.text ? p->html.text : "", p->html.text_len);
                if (html.n == 0 && !img_mark && html_tag_find(&p->html, "img")) img_mark = true;
            } else {
                words_add(c, &text, p->text ? p->text : "", p->text ? p->text_len : 0);
            }
        }
        /* SpamAssassin's "\n" mark for an image-only HTML part stays a token */
        size_t orig = html.n + (img_mark ? 1 : 0);
        if (orig == 0) continue;
        D->html = (double)orig;
        D->text = (double)text.n;
        size_t left = orig;
        for (size_t k = 0; k < html.n && text.n; k++) {
            const struct word *w = &html.v[k];
            size_t slot, j = words_find_h(&text, w->p, w->len, w->h, &slot);
            if (j < text.n && w->count - text.v[j].count < 1) left--;
        }
        double diff = (double)left / (double)orig * 100;
        if (diff > D->diff) D->diff = diff;
    }
    return D;
}

EV_FN(sa_multipart_alternative_difference)
{
    double min = ev_num(ARG(0));
    const char *maxs = ev_arg(a, n, 1, "undef");
    struct madiff *D = madiff(c);
    return (min == 0 || D->diff > min) && (strcmp(maxs, "undef") == 0 || D->diff <= ev_num(maxs));
}

EV_FN(sa_multipart_alternative_difference_count)
{
    double ratio = ev_num(ARG(0)), minhtml = ev_num(ARG(1));
    struct madiff *D = madiff(c);
    if (!(D->html > minhtml)) return false;
    return D->text / D->html > ratio;
}

/* ---------------------------------------------------------------------- */
/* HTMLEval -- over every rendered text/html part, SpamAssassin's html_all */

#define FOR_HTML(c, var)                                                                           \
    for (size_t _i = 0; _i < ev_msg(c)->mime.n; _i++)                                              \
        for (const struct html_doc *var = &ev_msg(c)->mime.parts[_i].html; var; var = NULL)        \
            if (ev_msg(c)->mime.parts[_i].is_html && ev_msg(c)->mime.parts[_i].decoded_len > 0)

/* A value of SpamAssassin's HTML results; false when it does not exist. */
static bool html_value(const struct html_doc *d, const char *key, double *v)
{
    const struct html_stats *s = &d->st;
    if (!strcmp(key, "html")) return *v = 1, true;
    if (!strcmp(key, "length")) return *v = (double)s->length, true;
    if (!strcmp(key, "non_space_len")) return *v = (double)s->non_space_len, true;
    if (!strcmp(key, "image_area")) return *v = (double)s->image_area, true;
    if (!strcmp(key, "max_size")) return *v = s->max_size, true;
    if (!strcmp(key, "min_size")) return *v = s->min_size, true;
    if (!strcmp(key, "closed_extra_ratio")) {
        if (!s->tags) return false;
        return *v = (double)s->closed_extra / s->tags, true;
    }
    if (!strcmp(key, "bad_tag_ratio")) {
        if (!s->tags || !s->elements) return false;
        return *v = (double)(s->tags - s->elements) / s->tags, true;
    }
    if (!strcmp(key, "non_element_ratio")) {
        if (!s->tags_seen || !s->elements_seen) return false;
        return *v = (double)(s->tags_seen - s->elements_seen) / s->tags_seen, true;
    }
    if (!strcmp(key, "obfuscation_ratio")) {
        if (!s->tags || !s->obfuscation) return false;
        return *v = (double)s->obfuscation / s->tags, true;
    }
    if (!strcmp(key, "font_face_bad")) return *v = s->font_face_bad, s->font_face_bad;
    if (!strcmp(key, "font_invalid_color"))
        return *v = s->font_invalid_color, s->font_invalid_color;
    if (!strcmp(key, "font_low_contrast")) return *v = s->font_low_contrast, s->font_low_contrast;
    if (!strcmp(key, "form_action_mailto"))
        return *v = s->form_action_mailto, s->form_action_mailto;
    if (!strcmp(key, "embeds")) return *v = s->embeds, s->embeds;
    if (!strcmp(key, "uri_truncated")) return *v = s->uri_truncated, s->uri_truncated;
    return false;
}

/* SpamAssassin evaluates "$val $expr" with expr made of [<>=!+- 0-9]; the
 * rules use "OP NUMBER" (== != < <= > >=). */
static bool html_expr(const char *expr, double val, bool *ok)
{
    *ok = false;
    const char *p = expr;
    while (*p == ' ')
        p++;
    char op[3] = {0};
    int k = 0;
    while (k < 2 && (*p == '<' || *p == '>' || *p == '=' || *p == '!'))
        op[k++] = *p++;
    while (*p == ' ')
        p++;
    char *end;
    double num = strtod(p, &end);
    if (end == p) return false;
    while (*end == ' ')
        end++;
    if (*end) return false;
    *ok = true;
    if (!strcmp(op, "==")) return val == num;
    if (!strcmp(op, "!=")) return val != num;
    if (!strcmp(op, "<")) return val < num;
    if (!strcmp(op, "<=")) return val <= num;
    if (!strcmp(op, ">")) return val > num;
    if (!strcmp(op, ">=")) return val >= num;
    *ok = false;
    return false;
}

static bool expr_chars_ok(const char *e)
{
    if (!e || !*e) return false;
    for (const char *p = e; *p; p++)
        if (!strchr("<>=!-+ 0123456789", *p)) return false;
    return true;
}

EV_FN(sa_html_tag_balance)
{
    const char *tag = ev_arg(a, n, 0, ""), *expr = ev_arg(a, n, 1, "");
    if (!*tag || !expr_chars_ok(expr)) return false;
    for (const char *p = tag; *p; p++)
        if (!ch_is_alnum((unsigned char)*p)) return false;
    FOR_HTML(c, d)
    {
        const struct html_tagcount *t = html_tag_find(d, tag);
        bool ok;
        if (t && html_expr(expr, t->inside, &ok) && ok) return true;
    }
    return false;
}

EV_FN(sa_html_image_only)
{
    double min = ev_num(ARG(0)), max = ev_num(ARG(1));
    FOR_HTML(c, d)
    {
        /* the length first: the tag search compares every tag's name */
        if ((double)d->st.length > min && (double)d->st.length <= max && html_tag_find(d, "img"))
            return true;
    }
    return false;
}

EV_FN(sa_html_image_ratio)
{
    double min = ev_num(ARG(0)), max = ev_num(ARG(1));
    FOR_HTML(c, d)
    {
        if (d->st.image_area == 0) continue;
        double r = (double)d->st.non_space_len / (double)d->st.image_area;
        if (r > min && r <= max) return true;
    }
    return false;
}

EV_FN(sa_html_charset_faraway)
{
    UNUSED_ARGS;
    return false; /* ok_locales all */
}

EV_FN(sa_html_tag_exists)
{
    const char *tag = ev_arg(a, n, 0, "");
    FOR_HTML(c, d)
    {
        if (html_tag_find(d, tag)) return true;
    }
    return false;
}

EV_FN(sa_html_test)
{
    const char *t = ev_arg(a, n, 0, "");
    FOR_HTML(c, d)
    {
        double v;
        if (html_value(d, t, &v) && v != 0) return true;
    }
    return false;
}

EV_FN(sa_html_eval)
{
    const char *t = ev_arg(a, n, 0, ""), *expr = ev_arg(a, n, 1, "");
    if (!expr_chars_ok(expr)) return false;
    FOR_HTML(c, d)
    {
        double v;
        bool ok;
        if (html_value(d, t, &v) && html_expr(expr, v, &ok) && ok) return true;
    }
    return false;
}

static size_t html_strings(const struct html_doc *d, const char *key, char *const **out)
{
    if (!strcmp(key, "title")) return *out = d->st.titles, d->st.n_titles;
    if (!strcmp(key, "comment")) return *out = d->st.comments, d->st.n_comments;
    if (!strcmp(key, "anchor")) return *out = d->st.anchors, d->st.n_anchors;
    *out = NULL;
    return 0;
}

static bool html_text_match_common(struct eval_ctx *c, const char *const *a, int n, bool want)
{
    const char *key = ev_arg(a, n, 0, ""), *re_s = ev_arg(a, n, 1, "");
    const struct ev_re *re = ev_re(re_s, 0);
    if (!re) return false;
    FOR_HTML(c, d)
    {
        char *const *v;
        size_t k = html_strings(d, key, &v);
        for (size_t i = 0; i < k; i++)
            if (v[i] && ev_re_match(c, re, v[i], strlen(v[i]), 0, NULL, 0) == want) {
                ev_evidence(c, "%s", v[i]);
                return true;
            }
    }
    return false;
}

EV_FN(sa_html_text_match)
{
    return html_text_match_common(c, a, n, true);
}

EV_FN(sa_html_text_not_match)
{
    return html_text_match_common(c, a, n, false);
}

static size_t utf8_chars(const char *s, size_t len)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        k += ((unsigned char)s[i] & 0xC0) != 0x80;
    return k;
}

EV_FN(sa_html_title_subject_ratio)
{
    double ratio = ev_num(ARG(0));
    const char *subj = ev_gets(c, "Subject");
    if (!*subj) return false;
    double sl = (double)utf8_chars(subj, strlen(subj));
    FOR_HTML(c, d)
    {
        double max = 0;
        for (size_t i = 0; i < d->st.n_titles; i++) {
            const char *t = d->st.titles[i];
            if (!t || !*t || strcmp(t, "0") == 0) continue;
            double r = (double)utf8_chars(t, strlen(t)) / sl;
            if (r > max) max = r;
        }
        if (max > ratio) return true;
    }
    return false;
}

EV_FN(sa_html_range)
{
    const char *t = ev_arg(a, n, 0, "");
    double min = ev_num(ARG(1));
    const char *maxs = ev_arg(a, n, 2, NULL);
    bool inf = !maxs || strcmp(maxs, "inf") == 0;
    double max = inf ? 0 : ev_num(maxs);
    FOR_HTML(c, d)
    {
        double v;
        if (!html_value(d, t, &v)) continue;
        if (inf ? v > min : (v > min && v <= max)) {
            ev_evidence(c, "%s %g", t, v);
            return true;
        }
    }
    return false;
}

EV_FN(sa_check_iframe_src)
{
    UNUSED_ARGS;
    FOR_HTML(c, d)
    {
        if (d->st.n_iframe_src > 0) return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* HTTPSMismatch, URIEval */

/* SpamAssassin's is_domain_valid after trim_domain: a dotted name whose
 * last label is a plausible TLD. */
static bool domain_valid(const char *d)
{
    const char *dot = d ? strrchr(d, '.') : NULL;
    if (!dot || dot == d || !dot[1]) return false;
    for (const char *p = dot + 1; *p; p++)
        if (!ch_is_alpha((unsigned char)*p) && *p != '-' && !ch_is_digit((unsigned char)*p))
            return false;
    return !ch_is_digit((unsigned char)dot[1]);
}

/* /^https?:\/\/([^\/:?#]+)/i on href by hand: the host's bytes in [*b, *e) */
static bool http_host(const char *href, size_t *b, size_t *e)
{
    size_t len = strlen(href), i;
    if (str_starts_ci(href, len, "http://"))
        i = 7;
    else if (str_starts_ci(href, len, "https://"))
        i = 8;
    else
        return false;
    size_t j = i;
    while (j < len && !strchr("/:?#", href[j]))
        j++;
    if (j == i) return false;
    *b = i, *e = j;
    return true;
}

/* What /^IP_RE$/ needs of a host without ':' (the IPv6 branch wants two):
 * digits and dots, and a final "\n" '$' lets by. The regex on every link's
 * host was 1,400 instructions a message, 650 with this. */
static bool maybe_ipv4(const char *h)
{
    size_t i = 0;
    while (ch_is_digit((unsigned char)h[i]) || h[i] == '.')
        i++;
    return !h[i] || (h[i] == '\n' && !h[i + 1]);
}

EV_FN(sa_check_https_http_mismatch)
{
    double minanchors = n >= 1 ? ev_num(ARG(0)) : 1;
    if (minanchors == 0) minanchors = 1;
    const char *maxs = ev_arg(a, n, 1, NULL);
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_html || p->decoded_len == 0) continue;
        bool hit = false;
        int anchors = 0;
        /* per distinct href with anchor text */
        for (size_t k = 0; k < p->html.n_links; k++) {
            const struct html_link *l = &p->html.links[k];
            if (!l->href || !l->text) continue;
            bool dup = false;
            for (size_t j = 0; j < k && !dup; j++)
                dup = p->html.links[j].href && strcmp(p->html.links[j].href, l->href) == 0;
            if (dup) continue;
            size_t ov[4];
            if (!http_host(l->href, &ov[2], &ov[3])) continue;
            char *host = arena_strndup(ev_arena(c), l->href + ov[2], ov[3] - ov[2]);
            if (maybe_ipv4(host) && ev_rx(c, "^" IP_RE "$", EV_RE_I, host)) continue;
            const char *dom = ev_reg_domain(c, host);
            if (!domain_valid(dom)) continue;
            anchors++;
            for (size_t j = k; j < p->html.n_links && !hit; j++) {
                const struct html_link *l2 = &p->html.links[j];
                if (!l2->href || strcmp(l2->href, l->href) != 0 || !l2->text) continue;
                if (!ev_re_match(c, ev_re("https://([^\\s/:?#]+)", EV_RE_I), l2->text,
                                 strlen(l2->text), 0, ov, 2))
                    continue;
                const char *h2 = arena_strndup(ev_arena(c), l2->text + ov[2], ov[3] - ov[2]);
                if (!(maybe_ipv4(h2) && ev_rx(c, "^" IP_RE "$", EV_RE_I, h2))) {
                    h2 = ev_reg_domain(c, h2);
                    if (!domain_valid(h2)) continue;
                }
                if (strcasecmp(h2, dom) == 0) continue;
                hit = true;
                ev_evidence(c, "%s shown as https://%s", dom, h2);
            }
        }
        if (hit && anchors >= minanchors && (!maxs || anchors < ev_num(maxs))) return true;
    }
    return false;
}

EV_FN(sa_check_https_ip_mismatch)
{
    UNUSED_ARGS;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!p->is_html || p->decoded_len == 0) continue;
        for (size_t k = 0; k < p->html.n_links; k++) {
            const struct html_link *l = &p->html.links[k];
            if (!l->href || !l->text) continue;
            if (!ev_rx(c, "^https?:/*(?:[^@/]+@)?\\d+\\.\\d+\\.\\d+\\.\\d+", EV_RE_I, l->href))
                continue;
            if (ev_rx(c, "^https:/*(?:[^@/]+@)?\\d+\\.\\d+\\.\\d+\\.\\d+", EV_RE_I, l->text))
                continue;
            if (ev_rx(c, "https:", EV_RE_I, l->text)) return true;
        }
    }
    return false;
}

EV_FN(sa_check_for_http_redirector)
{
    UNUSED_ARGS;
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    const struct ev_re *re =
        ev_re("^https?://([^/:\\?]+).+?(https?:/{0,2}?([^/:\\?]+).*)$", EV_RE_I);
    for (size_t i = 0; i < nu; i++) {
        const char *s = u[i];
        size_t ov[8];
        while (ev_re_match(c, re, s, strlen(s), 0, ov, 4)) {
            const char *redir =
                ev_reg_domain(c, arena_strndup(ev_arena(c), s + ov[2], ov[3] - ov[2]));
            const char *dest =
                ev_reg_domain(c, arena_strndup(ev_arena(c), s + ov[6], ov[7] - ov[6]));
            if (redir && dest && strcmp(redir, dest) != 0) {
                ev_evidence(c, "%s to %s", redir, dest);
                return true;
            }
            s = arena_strndup(ev_arena(c), s + ov[4], ov[5] - ov[4]);
        }
    }
    return false;
}

EV_FN(sa_check_uri_truncated)
{
    UNUSED_ARGS;
    FOR_HTML(c, d)
    {
        if (d->st.uri_truncated) return true;
    }
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    for (size_t i = 0; i < nu; i++)
        if (u[i] && strlen(u[i]) > HTML_MAX_URI) return true;
    return false;
}

/* ---------------------------------------------------------------------- */
/* ImageInfo */

enum { IMG_ALL, IMG_GIF, IMG_PNG, IMG_JPEG, IMG__N };

struct img_dim {
    int type;
    unsigned long w, h;
};

struct images {
    double count[IMG__N], pc[IMG__N];
    struct img_dim *dims;
    size_t n_dims, cap_dims;
    const char **names;
    size_t n_names, cap_names;
};

static unsigned long be32(const unsigned char *p)
{
    return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

static void img_found(struct eval_ctx *c, struct images *I, int type, unsigned long w,
                      unsigned long h, const char *name)
{
    if (!w || !h) return;
    I->pc[type] += (double)w * (double)h;
    I->dims = arena_grow(ev_arena(c), I->dims, &I->cap_dims, I->n_dims + 1, sizeof *I->dims);
    I->dims[I->n_dims++] = (struct img_dim){type, w, h};
    if (name && *name) {
        I->names =
            arena_grow(ev_arena(c), I->names, &I->cap_names, I->n_names + 1, sizeof *I->names);
        I->names[I->n_names++] = name;
    }
}

static struct images *images(struct eval_ctx *c)
{
    bool fresh;
    struct images *I = ev_slot(c, EV_SLOT_IMAGES, sizeof *I, &fresh);
    if (!fresh) return I;
    const struct message *m = ev_msg(c);
    for (size_t i = 0; i < m->mime.n; i++) {
        const struct mime_part *p = &m->mime.parts[i];
        if (!is_leaf(p) || !p->content_type) continue;
        int type;
        if (!strcmp(p->content_type, "image/gif"))
            type = IMG_GIF;
        else if (!strcmp(p->content_type, "image/png"))
            type = IMG_PNG;
        else if (!strcmp(p->content_type, "image/jpeg") || !strcmp(p->content_type, "image/jpg"))
            type = IMG_JPEG;
        else
            continue;
        if (strcmp(part_hdr_lc(c, p, "Content-Transfer-Encoding"), "base64") != 0) continue;
        const unsigned char *d = p->decoded;
        size_t len = d ? p->decoded_len : 0;
        const char *name = p->filename;
        if (type == IMG_GIF) {
            if (len >= 10 && memcmp(d, "GIF8", 4) == 0 && (d[4] == '7' || d[4] == '9') &&
                d[5] == 'a')
                img_found(c, I, type, (unsigned long)(d[6] | d[7] << 8),
                          (unsigned long)(d[8] | d[9] << 8), name);
        } else if (type == IMG_PNG) {
            if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0) {
                /* chunk headers read from offset 8, 8 bytes at a time, as
                 * ImageInfo does (it does not skip chunk data) */
                for (size_t pos = 8; pos < len;) {
                    if (len - pos < 8) break;
                    unsigned long clen = be32(d + pos);
                    const unsigned char *ty = d + pos + 4;
                    pos += 8;
                    if (memcmp(ty, "IEND", 4) == 0) break;
                    if (memcmp(ty, "IHDR", 4) != 0 || clen != 13) continue;
                    if (len - pos >= 8)
                        img_found(c, I, type, be32(d + pos), be32(d + pos + 4), name);
                    break;
                }
            }
        } else {
            if (len >= 2 && d[0] == 0xFF && d[1] == 0xD8) {
                size_t pos = 2;
                while (pos + 4 <= len) {
                    unsigned xx = d[pos], mark = d[pos + 1];
                    unsigned blen = (unsigned)(d[pos + 2] << 8 | d[pos + 3]);
                    if (xx != 0xFF || mark == 0xDA || mark == 0xD9 || blen < 2) break;
                    pos += 4;
                    if ((mark >= 0xC0 && mark <= 0xC3) || (mark >= 0xC5 && mark <= 0xC7) ||
                        (mark >= 0xC9 && mark <= 0xCB) || (mark >= 0xCD && mark <= 0xCF)) {
                        if (pos + 5 <= len)
                            img_found(c, I, type, (unsigned long)(d[pos + 3] << 8 | d[pos + 4]),
                                      (unsigned long)(d[pos + 1] << 8 | d[pos + 2]), name);
                        break;
                    }
                    size_t blk = blen - 2;
                    pos += blk < len - pos ? blk : len - pos;
                }
            }
        }
        I->count[type]++;
    }
    for (int t = IMG_GIF; t < IMG__N; t++) {
        I->pc[IMG_ALL] += I->pc[t];
        I->count[IMG_ALL] += I->count[t];
    }
    return I;
}

static int img_type(const char *t)
{
    if (!t) return -1;
    if (!strcmp(t, "all")) return IMG_ALL;
    if (!strcmp(t, "gif")) return IMG_GIF;
    if (!strcmp(t, "png")) return IMG_PNG;
    if (!strcmp(t, "jpeg")) return IMG_JPEG;
    return -1;
}

/* ImageInfo's result_check: value in [min, max] (max == value excluded when
 * nomaxequal). */
static bool result_check(const char *min, const char *max, double v, bool nomaxequal)
{
    if (!min) return false;
    if (v < ev_num(min)) return false;
    if (max && v > ev_num(max)) return false;
    if (nomaxequal && max && v == ev_num(max)) return false;
    return true;
}

EV_FN(sa_image_count)
{
    int t = img_type(ARG(0));
    if (t < 0) return false;
    return result_check(ARG(1), ARG(2), images(c)->count[t], false);
}

EV_FN(sa_pixel_coverage)
{
    int t = img_type(ARG(0));
    if (t < 0) return false;
    return result_check(ARG(1), ARG(2), images(c)->pc[t], false);
}

static bool dim_match(const struct img_dim *d, int t)
{
    return t == IMG_ALL || d->type == t;
}

EV_FN(sa_image_size_exact)
{
    int t = img_type(ARG(0));
    if (t < 0) return false;
    double h = ev_num(ARG(1)), w = ev_num(ARG(2));
    struct images *I = images(c);
    for (size_t i = 0; i < I->n_dims; i++)
        if (dim_match(&I->dims[i], t) && (double)I->dims[i].h == h && (double)I->dims[i].w == w)
            return true;
    return false;
}

EV_FN(sa_image_size_range)
{
    int t = img_type(ARG(0));
    if (t < 0) return false;
    double minh = ev_num(ARG(1)), minw = ev_num(ARG(2));
    struct images *I = images(c);
    for (size_t i = 0; i < I->n_dims; i++) {
        const struct img_dim *d = &I->dims[i];
        if (!dim_match(d, t)) continue;
        if ((double)d->h < minh || (double)d->w < minw) continue;
        if (n >= 4 && (double)d->h > ev_num(ARG(3))) continue;
        if (n >= 5 && (double)d->w > ev_num(ARG(4))) continue;
        return true;
    }
    return false;
}

EV_FN(sa_image_named)
{
    const char *name = ARG(0);
    struct images *I = images(c);
    for (size_t i = 0; name && i < I->n_names; i++)
        if (strcmp(I->names[i], name) == 0) return true;
    return false;
}

EV_FN(sa_image_name_regex)
{
    /* the argument is the pattern itself (ImageInfo interpolates it bare) */
    const struct ev_re *re = ARG(0) ? ev_re(ARG(0), 0) : NULL;
    struct images *I = images(c);
    for (size_t i = 0; re && i < I->n_names; i++)
        if (ev_re_match(c, re, I->names[i], strlen(I->names[i]), 0, NULL, 0)) return true;
    return false;
}

EV_FN(sa_image_to_text_ratio)
{
    int t = img_type(ARG(0));
    if (t < 0 || !ARG(1) || !ARG(2)) return false;
    size_t nl;
    const struct mv_text *L = ev_body(c, &nl);
    if (!L) return false;
    double textlen = 0;
    for (size_t i = 0; i < nl; i++)
        textlen += (double)L[i].len;
    struct images *I = images(c);
    if (textlen <= 0 || I->pc[t] <= 0) return false;
    return result_check(ARG(1), ARG(2), textlen / I->pc[t], true);
}

/* ---------------------------------------------------------------------- */
/* FreeMail */

/* FreeMail's wildcard domains: '*' is any run of non-dot characters, '?'
 * any one character. */
static bool fm_glob(const char *p, const char *s)
{
    if (!*p) return !*s;
    if (*p == '*') {
        for (const char *t = s;; t++) {
            if (fm_glob(p + 1, t)) return true;
            if (!*t || *t == '.') return false;
        }
    }
    if (!*s) return false;
    if (*p == '?' || ch_lower((unsigned char)*p) == ch_lower((unsigned char)*s))
        return fm_glob(p + 1, s + 1);
    return false;
}

/* The exact freemail domains in an open-addressing hash set, built once per
 * list (the stock list has 2,500 entries; a linear scan cost 20 µs per
 * lookup); the globs are few and stay a list. Shared by threads: built under
 * a mutex, read-only after. */
struct fm_set {
    const void *key; /* the list it was built from (with n_list and a sample of its
                        entries: a later list at the same address is told apart) */
    size_t n_list;
    char *sample[3]; /* copies of its first, middle and last entries */
    const char **slot;
    size_t cap; /* power of two */
    const char **globs;
    size_t n_globs;
};
static struct fm_set fm_cache;
static pthread_mutex_t fm_mu = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fm_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ ch_lower((unsigned char)*s)) * 1099511628211ull;
    return h;
}

/* The list's first, middle and last entries ("" for NULL) */
static const char *fm_entry(const char *const *v, size_t n, int which)
{
    size_t i = which == 0 ? 0 : which == 1 ? n / 2 : n - 1;
    return v[i] ? v[i] : "";
}

static void fm_clear(struct fm_set *f)
{
    for (size_t i = 0; f->slot && i < f->cap; i++)
        free((char *)f->slot[i]);
    for (size_t i = 0; f->globs && i < f->n_globs; i++)
        free((char *)f->globs[i]);
    free(f->slot);
    free(f->globs);
    for (int k = 0; k < 3; k++)
        free(f->sample[k]);
    memset(f, 0, sizeof *f);
}

/* Is f built from this list? Its address, size and sample entries compared
 * in place (formatting the sample for every lookup was 1,500 instructions) */
static bool fm_same(const struct fm_set *f, const char *const *v, size_t n)
{
    if (f->key != (const void *)v || f->n_list != n || !n) return false;
    for (int k = 0; k < 3; k++)
        if (!f->sample[k] || strcmp(f->sample[k], fm_entry(v, n, k)) != 0) return false;
    return true;
}

static const struct fm_set *fm_get(const char *const *v, size_t n)
{
    pthread_mutex_lock(&fm_mu);
    struct fm_set *f = &fm_cache;
    if (!fm_same(f, v, n)) {
        fm_clear(f);
        f->key = v;
        f->n_list = n;
        for (int k = 0; k < 3 && n; k++)
            f->sample[k] = strdup(fm_entry(v, n, k));
        f->cap = 16;
        while (f->cap < n * 2)
            f->cap *= 2;
        f->slot = calloc(f->cap, sizeof *f->slot);
        f->globs = calloc(n ? n : 1, sizeof *f->globs);
        for (size_t i = 0; f->slot && f->globs && i < n; i++) {
            if (!v[i]) continue;
            if (strpbrk(v[i], "*?")) {
                f->globs[f->n_globs++] = strdup(v[i]);
                continue;
            }
            for (size_t k = fm_hash(v[i]) & (f->cap - 1);; k = (k + 1) & (f->cap - 1)) {
                if (!f->slot[k]) {
                    f->slot[k] = strdup(v[i]);
                    break;
                }
                if (strcasecmp(f->slot[k], v[i]) == 0) break;
            }
        }
    }
    pthread_mutex_unlock(&fm_mu);
    return f;
}

/* A necessary condition for fm_glob(p, s), s of sl bytes: the part of p
 * after its last '*' (no star in it: each byte matches one) matches the
 * end of s, or all of s when p has no star. The globs starting with '*'
 * ("*.att.ne.jp", "*.onmicrosoft.com") were tried at every byte of every
 * domain: 2,500 instructions a message. */
static bool fm_tail_fits(const char *p, const char *s, size_t sl)
{
    size_t pl = strlen(p), i = 0;
    while (i < pl && p[pl - 1 - i] != '*') {
        if (i >= sl) return false;
        unsigned char pc = (unsigned char)p[pl - 1 - i], sc = (unsigned char)s[sl - 1 - i];
        if (pc != '?' && ch_lower(pc) != ch_lower(sc)) return false;
        i++;
    }
    return i < pl || sl == pl;
}

static bool freemail_domain(struct eval_ctx *c, const char *domain)
{
    const char *const *v;
    size_t n = ev_list(c, "freemail_domains", &v);
    if (!n) return false;
    const struct fm_set *f = fm_get(v, n);
    if (f->slot)
        for (size_t k = fm_hash(domain) & (f->cap - 1); f->slot[k]; k = (k + 1) & (f->cap - 1))
            if (strcasecmp(f->slot[k], domain) == 0) return true;
    size_t dl = strlen(domain);
    for (size_t i = 0; i < f->n_globs; i++)
        if (f->globs[i] && fm_tail_fits(f->globs[i], domain, dl) && fm_glob(f->globs[i], domain))
            return true;
    return false;
}

static bool freemail_available(struct eval_ctx *c)
{
    const char *const *v;
    return ev_list(c, "freemail_domains", &v) > 0;
}

/* What the role-address pattern of is_freemail_now needs (it is anchored at
 * the start): one of its words first, eight hex digits first, or two '='.
 * Most addresses have none, and the regex was 2,400 instructions each. */
static bool fm_role_may_match(const char *email)
{
    static const char *const first[] = {
        "abuse@",   "support@",    "sales@",      "info@",       "helpdesk@",
        "contact@", "kontakt@",    "postmaster@", "hostmaster@", "domainmaster@",
        "bounce",   "undisclosed", "request-",
    };
    size_t len = strlen(email);
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (str_starts_ci(email, len, first[i])) return true;
    size_t hex = 0;
    while (hex < 8 && ch_is_xdigit((unsigned char)email[hex]))
        hex++;
    if (hex == 8) return true;
    const char *eq = strchr(email, '=');
    return eq && strchr(eq + 1, '=');
}

/* FreeMail's _is_freemail for a lowercased address. */
static bool is_freemail_now(struct eval_ctx *c, const char *email)
{
    const char *const *wl;
    size_t nwl = ev_list(c, "freemail_welcomelist", &wl); /* found once for both */
    if (ev_glob_any(wl, nwl, email)) return false;
    const char *at = strrchr(email, '@');
    const char *domain = at ? at + 1 : email;
    if (ev_glob_any(wl, nwl, domain)) return false;
    if (fm_role_may_match(email) &&
        ev_rx(
            c,
            "^(?:abuse|support|sales|info|helpdesk|contact|kontakt|(?:post|host|domain)master|"
            "undisclosed.*|request-[a-f0-9]{16}|bounced?-|[a-f0-9]{8}(?:\\.[a-f0-9]{8}|-[a-f0-9]{4}"
            "-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})|.+=.+=.+)@",
            EV_RE_I, email))
        return false;
    return freemail_domain(c, domain);
}

/* is_freemail_now's answers for this message (a pure function of the
 * address and the rule set's lists): the same addresses are asked for by
 * several rules (From, Reply-To, the envelope sender) */
#define FM_MEMO 8
struct fm_memo {
    int n;
    const char *email[FM_MEMO];
    bool res[FM_MEMO];
};

static bool is_freemail(struct eval_ctx *c, const char *email)
{
    if (!email || !*email) return false;
    bool fresh;
    struct fm_memo *M = ev_slot(c, EV_SLOT_FMMEMO, sizeof *M, &fresh);
    for (int k = 0; k < M->n; k++)
        if (strcmp(M->email[k], email) == 0) return M->res[k];
    bool r = is_freemail_now(c, email);
    if (M->n < FM_MEMO) {
        M->email[M->n] = arena_strdup(ev_arena(c), email);
        M->res[M->n++] = r;
    }
    return r;
}

EV_FN(sa_check_freemail_from)
{
    if (!freemail_available(c)) return false;
    const struct ev_re *re = n >= 1 ? ev_re(ARG(0), 0) : NULL;
    if (n >= 1 && !re) return false;
    const char *const *v;
    size_t k = ev_all_from_addrs(c, &v);
    for (size_t i = 0; i < k; i++) {
        if (!is_freemail(c, v[i])) continue;
        if (re && !ev_re_match(c, re, v[i], strlen(v[i]), 0, NULL, 0)) continue;
        ev_evidence(c, "%s", v[i]);
        return true;
    }
    return false;
}

EV_FN(sa_check_freemail_header)
{
    if (!freemail_available(c) || !ARG(0)) return false;
    const struct ev_re *re = n >= 2 ? ev_re(ARG(1), 0) : NULL;
    if (n >= 2 && !re) return false;
    /* "Reply-To:addr" and "Reply-To" both mean the addresses of the header */
    char *h = arena_strdup(ev_arena(c), ARG(0));
    char *colon = strchr(h, ':');
    if (colon) *colon = 0;
    const char *const *v;
    size_t k = ev_addrs(c, h, &v);
    for (size_t i = 0; i < k; i++) {
        char *e = lc_dup(c, v[i]);
        if (!is_freemail(c, e)) continue;
        if (re && !ev_re_match(c, re, e, strlen(e), 0, NULL, 0)) continue;
        ev_evidence(c, "%s", e);
        return true;
    }
    return false;
}

struct freemail_body {
    bool skip;
    const char **emails; /* freemail addresses in the body */
    size_t n;
};

static const char *EMAIL_RE =
    "(?=.{0,64}@)(?<![a-z0-9!#$%&'*+/=?^_`{|}~-])([a-z0-9!#$%&'*+/=?^_`{|}"
    "~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,"
    "59}[a-z0-9])?\\.){1,4}[a-z]{2,63})(?![a-z0-9-])";

/* Can byte ch be in an address's local part (EMAIL_RE's class, or '.')?
 * Bytes >= 0x80 say yes: only a start too early is safe. */
static bool may_be_local(unsigned char ch)
{
    return ch_is_alnum(ch) || ch >= 0x80 || (ch > ' ' && strchr("!#$%&'*+/=?^_`{|}~-.", ch));
}

/* The leftmost match of EMAIL_RE (re) in (p,len) from start, as
 * ev_re_match from start finds it, looked for around each '@' only: the
 * regex tried every position of a long line, each with its 64-byte
 * look-ahead (5,300 instructions a message on the bench). A match holds
 * the first '@' after its start (the local part has none), at most 64 bytes
 * on, and its start has only local-part bytes before that '@'; it ends at
 * most 312 bytes after it (four labels of 62 and a TLD of 63), so the
 * subject is cut at '@' + 320 while that '@' is tried, and a match found
 * past that '@' is left for the next '@' to find uncut. */
static bool email_match(struct eval_ctx *c, const struct ev_re *re, const char *p, size_t len,
                        size_t start, size_t *ov)
{
    for (size_t from = start; from < len;) {
        const char *at = memchr(p + from, '@', len - from);
        if (!at) return false;
        size_t a = (size_t)(at - p), lo = a;
        while (lo > start && a - lo < 64 && may_be_local((unsigned char)p[lo - 1]))
            lo--;
        size_t end = len - a > 320 ? a + 320 : len;
        if (ev_re_match(c, re, p, end, lo, ov, 2) && ov[0] <= a) return true;
        from = a + 1;
    }
    return false;
}

static struct freemail_body *freemail_body(struct eval_ctx *c)
{
    bool fresh;
    struct freemail_body *B = ev_slot(c, EV_SLOT_FREEMAIL, sizeof *B, &fresh);
    if (!fresh) return B;
    arena *ar = ev_arena(c);
    const char **all = NULL;
    size_t n_all = 0, cap = 0;
    const struct ev_re *re = ev_re(EMAIL_RE, EV_RE_I);
    /* mailto: links */
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    for (size_t i = 0; i < nu && n_all < 20; i++) {
        if (!str_starts_ci(u[i], strlen(u[i]), "mailto:")) continue;
        size_t ov[4];
        if (!ev_re_match(c, re, u[i] + 7, strlen(u[i] + 7), 0, ov, 2) || ov[0] != 0) continue;
        char *e = lc_dup(c, arena_strndup(ar, u[i] + 7 + ov[2], ov[3] - ov[2]));
        bool seen = false;
        for (size_t k = 0; k < n_all && !seen; k++)
            seen = strcmp(all[k], e) == 0;
        if (seen) continue;
        all = arena_grow(ar, all, &cap, n_all + 1, sizeof *all);
        all[n_all++] = e;
    }
    size_t nl;
    const struct mv_text *L = ev_body(c, &nl);
    for (size_t i = 0; L && i < nl && n_all < 40; i++) {
        size_t start = 0, ov[4];
        /* every match of EMAIL_RE holds an '@': a line without one has none */
        if (!L[i].p || !memchr(L[i].p, '@', L[i].len)) continue;
        while (n_all < 40 && email_match(c, re, L[i].p, L[i].len, start, ov)) {
            char *e = lc_dup(c, arena_strndup(ar, L[i].p + ov[2], ov[3] - ov[2]));
            bool seen = false;
            for (size_t k = 0; k < n_all && !seen; k++)
                seen = strcmp(all[k], e) == 0;
            if (!seen) {
                all = arena_grow(ar, all, &cap, n_all + 1, sizeof *all);
                all[n_all++] = e;
            }
            start = ov[1] > start ? ov[1] : start + 1;
        }
    }
    size_t cap2 = 0, count_fm = 0;
    for (size_t i = 0; i < n_all; i++) {
        if (i + 1 == 5) { /* freemail_max_body_emails with freemail_skip_when_over_max */
            B->skip = true;
            return B;
        }
        if (!is_freemail(c, all[i])) continue;
        if (++count_fm == 3) { /* freemail_max_body_freemails */
            B->skip = true;
            return B;
        }
        B->emails = arena_grow(ar, B->emails, &cap2, B->n + 1, sizeof *B->emails);
        B->emails[B->n++] = all[i];
    }
    return B;
}

EV_FN(sa_check_freemail_body)
{
    if (!freemail_available(c)) return false;
    struct freemail_body *B = freemail_body(c);
    if (B->skip) return false;
    if (n >= 1) {
        const struct ev_re *re = ev_re(ARG(0), 0);
        for (size_t i = 0; re && i < B->n; i++)
            if (ev_re_match(c, re, B->emails[i], strlen(B->emails[i]), 0, NULL, 0)) return true;
        return false;
    }
    return B->n > 0;
}

/* check_freemail_replyto's facts for both its rules ('replyto' and
 * 'reply'): the envelope test, the From and Reply-To addresses lowercased
 * and whether each is a freemail one (half its cost was doing this twice). */
struct fm_reply {
    bool env_excluded;
    const char **from, **rto;
    size_t nf, nr;
    bool from_fm, rto_fm, from_not_in_rto;
};

/* What fm_reply's envelope pattern needs: an '@', and a '-' (four of its
 * branches), an '=', "repl" in any case, or one of the words it takes at
 * the start without a '-'. Many senders have none (the regex on every
 * sender was 2,000 instructions a message, 1,300 with this). */
static bool env_excl_may_match(const char *e)
{
    if (!strchr(e, '@')) return false;
    if (strpbrk(e, "-=")) return true;
    size_t len = strlen(e);
    return str_find_ci(e, len, "repl") || str_starts_ci(e, len, "postmaster") ||
           str_starts_ci(e, len, "hostmaster") || str_starts_ci(e, len, "domainmaster");
}

static const struct fm_reply *fm_reply(struct eval_ctx *c)
{
    bool fresh;
    struct fm_reply *R = ev_slot(c, EV_SLOT_FMREPLY, sizeof *R, &fresh);
    if (!fresh) return R;
    const char *env = ev_get(c, "EnvelopeFrom");
    if (env && env_excl_may_match(env) &&
        ev_rx(c,
              "(?:^(?:post|host|domain)master|^double-bounce|^(?:sentto|owner|return|(?:gr)?"
              "bounced?)-.+|-(?:request|bounces?|admin|owner)|\\b(?:do[._-t]?)?no[._-t]?"
              "repl(?:y|ies)|.+=.+)@",
              EV_RE_I, env)) {
        R->env_excluded = true;
        return R;
    }
    const char *const *fv, *const *rv;
    size_t nf = ev_addrs(c, "From", &fv), nr = ev_addrs(c, "Reply-To", &rv);
    const char **from = arena_alloc(ev_arena(c), (nf + 1) * sizeof *from);
    const char **rto = arena_alloc(ev_arena(c), (nr + 1) * sizeof *rto);
    bool from_fm = false, rto_fm = false, from_not_in_rto = true;
    for (size_t i = 0; i < nf; i++) {
        from[i] = lc_dup(c, fv[i]);
        if (is_freemail(c, from[i])) from_fm = true;
    }
    for (size_t i = 0; i < nr; i++) {
        rto[i] = lc_dup(c, rv[i]);
        if (is_freemail(c, rto[i])) rto_fm = true;
    }
    for (size_t i = 0; i < nf; i++)
        for (size_t k = 0; k < nr; k++)
            if (strcmp(from[i], rto[k]) == 0) from_not_in_rto = false;
    *R = (struct fm_reply){.from = from,
                           .rto = rto,
                           .nf = nf,
                           .nr = nr,
                           .from_fm = from_fm,
                           .rto_fm = rto_fm,
                           .from_not_in_rto = from_not_in_rto};
    return R;
}

EV_FN(sa_check_freemail_replyto)
{
    if (!freemail_available(c)) return false;
    const char *what = n >= 1 ? ARG(0) : "replyto";
    if (strcmp(what, "replyto") != 0 && strcmp(what, "reply") != 0) return false;
    const struct fm_reply *R = fm_reply(c);
    if (R->env_excluded) return false;
    const char **from = R->from, **rto = R->rto;
    size_t nf = R->nf, nr = R->nr;
    bool from_fm = R->from_fm, rto_fm = R->rto_fm;
    if (from_fm && rto_fm && R->from_not_in_rto) {
        ev_evidence(c, "%s -> %s", nf ? from[0] : "", nr ? rto[0] : "");
        return true;
    }
    if (!strcmp(what, "replyto")) {
        if (!rto_fm) return false;
    } else if (nr && !rto_fm) {
        return false;
    } else if (!from_fm) {
        return false;
    }
    struct freemail_body *B = freemail_body(c);
    if (B->skip || !B->n) return false;
    const char **reply = !strcmp(what, "replyto") ? rto : (rto_fm ? rto : from);
    size_t nrep = !strcmp(what, "replyto") ? nr : (rto_fm ? nr : nf);
    for (size_t i = 0; i < B->n; i++)
        for (size_t k = 0; k < nrep; k++)
            if (strcmp(B->emails[i], reply[k]) != 0) {
                ev_evidence(c, "%s, %s", reply[k], B->emails[i]);
                return true;
            }
    return false;
}

/* ---------------------------------------------------------------------- */
/* HeaderEval */

/* get(hdr) with whitespace runs collapsed to one space. */
static const char *squash(struct eval_ctx *c, const char *hdr)
{
    const char *r = ev_gets(c, hdr);
    char *s = arena_alloc(ev_arena(c), strlen(r) + 1);
    size_t k = 0;
    for (const char *p = r; *p; p++) {
        if (ch_is_space((unsigned char)*p)) {
            if (k && s[k - 1] == ' ') continue;
            s[k++] = ' ';
        } else {
            s[k++] = *p;
        }
    }
    s[k] = 0;
    return s;
}

/* get("Received") (or another header) squashed; the Received one made once
 * per message (the hotmail and AOL checks each made it: 10,000 instructions
 * a message) */
static const char *rcvd_squashed(struct eval_ctx *c, const char *hdr)
{
    if (strcmp(hdr, "Received") != 0) return squash(c, hdr);
    bool fresh;
    const char **r = ev_slot(c, EV_SLOT_RCVDSQ, sizeof *r, &fresh);
    if (fresh) *r = squash(c, hdr);
    return *r;
}

/* A whitespace byte, then "rly-" in any case */
static bool space_rly(const char *s)
{
    for (const char *q = strchr(s, '-'); q; q = strchr(q + 1, '-'))
        if (q - s >= 4 && ch_is_space((unsigned char)q[-4]) && (q[-3] | 0x20) == 'r' &&
            (q[-2] | 0x20) == 'l' && (q[-1] | 0x20) == 'y')
            return true;
    return false;
}

EV_FN(sa_check_for_fake_aol_relay_in_rcvd)
{
    UNUSED_ARGS;
    /* what the pattern needs first: " rly-" in the squashed text, that is
     * a whitespace byte before "rly-" in the header (one '-' at a time:
     * few; the squashed text is made only when it is there) */
    if (!space_rly(ev_gets(c, "Received"))) return false;
    const char *r = rcvd_squashed(c, "Received");
    if (!ev_rx(c, " rly-[a-z][a-z]\\d\\d\\.", EV_RE_I, r)) return false;
    if (ev_rx(c, "/AOL-\\d+\\.\\d+\\.\\d+\\)", 0, r)) return false;
    if (ev_rx(c, "ESMTP id (?:RELAY|MAILRELAY|MAILIN)", 0, r)) return false;
    return true;
}

EV_FN(sa_check_for_faraway_charset_in_headers)
{
    UNUSED_ARGS;
    return false; /* ok_locales all */
}

EV_FN(sa_check_for_unique_subject_id)
{
    UNUSED_ARGS;
    return false;
}

static bool is_valid_utf8_with_high(const char *s, size_t len)
{
    return !str_is_ascii(s, len) && str_is_utf8(s, len);
}

/* One byte: illegal are 0x00-0x08, 0x0B, 0x0C, 0x0E-0x1F (the mask: all
 * controls but \t \n \r) and 0x7F-0xFF; of those 0xA2, 0xA3, 0xAE exempt */
static void count_byte(unsigned char ch, size_t *ill, size_t *ex)
{
    const uint32_t ctl = ~((1u << '\t') | (1u << '\n') | (1u << '\r'));
    if (ch < 0x20) {
        *ill += (ctl >> ch) & 1u;
    } else if (ch >= 0x7F) {
        ++*ill;
        *ex += ch == 0xA2 || ch == 0xA3 || ch == 0xAE;
    }
}

/* check_illegal_chars' counts. Eight bytes at a time are passed over when
 * none is below 0x20 or above 0x7E (the word tests of "Bit Twiddling Hacks":
 * hasless(x, 0x20), hasmore(x, 0x7E)); a word with one is counted byte by
 * byte. Headers are printable ASCII nearly everywhere: the byte loop over
 * the whole header ('ALL') was 8,000 instructions a message. */
void ev_count_illegal(const char *s, size_t len, size_t *illegal, size_t *exempt)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    size_t ill = 0, ex = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t below = (w - ones * 0x20) & ~w & highs; /* a byte < 0x20 */
        uint64_t above = ((w + ones) | w) & highs;       /* a byte > 0x7E */
        if (!(below | above)) continue;
        for (size_t k = 0; k < 8; k++)
            count_byte((unsigned char)s[i + k], &ill, &ex);
    }
    for (; i < len; i++)
        count_byte((unsigned char)s[i], &ill, &ex);
    *illegal = ill;
    *exempt = ex;
}

EV_FN(sa_check_illegal_chars)
{
    const char *hdr = ev_arg(a, n, 0, "");
    double ratio = ev_num(ARG(1)), count = ev_num(ARG(2));
    char *name = arena_strdup(ev_arena(c), hdr);
    size_t nl = strlen(name);
    if (nl > 4 && strcmp(name + nl - 4, ":raw") == 0) name[nl - 4] = 0;
    const char *str = ev_get_raw(c, name);
    if (!str) return false;
    size_t len = strlen(str);
    bool nonspace = false;
    for (size_t i = 0; i < len && !nonspace; i++)
        nonspace = !ch_is_space((unsigned char)str[i]);
    if (!nonspace) return false;
    if (is_valid_utf8_with_high(str, len)) {
        bool ctl = false;
        for (size_t i = 0; i < len && !ctl; i++) {
            unsigned char ch = (unsigned char)str[i];
            ctl = ch <= 0x08 || ch == 0x0B || ch == 0x0C || (ch >= 0x0E && ch <= 0x1F);
        }
        if (!ctl) return false;
    }
    size_t n_illegal, n_exempt;
    ev_count_illegal(str, len, &n_illegal, &n_exempt);
    double illegal = (double)n_illegal, exempt = (double)n_exempt;
    if (illegal > 0 && strcasecmp(name, "subject") == 0 && exempt == 1) illegal--;
    if (len == 0) return false;
    if (illegal / (double)len >= ratio && illegal >= count) {
        ev_evidence(c, "%.0f illegal characters in %s", illegal, name);
        return true;
    }
    return false;
}

EV_FN(sa_gated_through_received_hdr_remover)
{
    UNUSED_ARGS;
    const char *txt = ev_get(c, "Mailing-List");
    if (txt && ev_rx(c, "^contact \\S+@\\S+; run by ezmlm$", EV_RE_M, txt)) {
        const char *dlto = ev_gets(c, "Delivered-To");
        const char *rcvd = ev_gets(c, "Received");
        if (ev_rx(c, "^mailing list \\S+@\\S+", EV_RE_M, dlto) &&
            ev_rx(c, "qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+", 0, rcvd))
            return true;
    }
    const char *rcvd = ev_get(c, "Received");
    if (!rcvd) return true;
    /* the pattern's literal start first (this runs for five checks) */
    if (strstr(rcvd, "from groups.msn.com (") &&
        ev_rx(c, "from groups\\.msn\\.com \\(\\S+\\.msn\\.com ", 0, rcvd))
        return true;
    return false;
}

EV_FN(sa_check_for_msn_groups_headers)
{
    UNUSED_ARGS;
    const char *to = ev_gets(c, "To");
    size_t ov[4];
    if (!ev_re_match(c, ev_re("<(\\S+)@groups\\.msn\\.com>", EV_RE_I), to, strlen(to), 0, ov, 2))
        return false;
    char *list = arena_strndup(ev_arena(c), to + ov[2], ov[3] - ov[2]);
    const char *rcvd = ev_gets(c, "Received");
    if (!ev_re_match(c,
                     ev_re("from mail pickup service by ((?:p\\d\\d\\.)groups\\.msn\\.com)\\b", 0),
                     rcvd, strlen(rcvd), 0, ov, 2))
        return false;
    char *server = arena_strndup(ev_arena(c), rcvd + ov[2], ov[3] - ov[2]);
    const char *mid = ev_gets(c, "Message-Id");
    /* SpamAssassin interpolates these into its regexes unquoted */
    if (ev_rx(c, "^notifications$", 0, list))
        return ev_rx_dyn(c, arena_printf(ev_arena(c), "^<\\S+@%s>", server), 0, mid);
    if (!ev_rx_dyn(c, arena_printf(ev_arena(c), "^<%s-\\S+@groups\\.msn\\.com>", list), 0, mid))
        return false;
    return ev_rx_dyn(c, arena_printf(ev_arena(c), "%s-bounce@groups\\.msn\\.com", list), 0,
                     ev_addr(c, "EnvelopeFrom"));
}

struct hotmail {
    bool forged, no_hotmail;
};

static struct hotmail *hotmail(struct eval_ctx *c)
{
    bool fresh;
    struct hotmail *H = ev_slot(c, EV_SLOT_HOTMAIL, sizeof *H, &fresh);
    if (!fresh) return H;
    /* the first and the last pattern need "hotmail.com" (most Received
     * headers have none: both scans skipped), the others an X-Originating-Ip
     * or X-OriginatorOrg; the squashed text only when one is to run. The
     * literal holds no space, so squashing does not change where it is. */
    bool hm = strstr(ev_gets(c, "Received"), "hotmail.com") != NULL;
    const char *r = hm ? rcvd_squashed(c, "Received") : NULL;
    if (hm && ev_rx(c, "from mail pickup service by hotmail\\.com with Microsoft SMTPSVC;", 0, r))
        return H;
    if (sa_check_for_msn_groups_headers(c, NULL, 0)) return H;
    const char *xip = ev_get(c, "X-Originating-Ip");
    const char *orig = ev_get(c, "X-OriginatorOrg");
    bool ip = xip && ev_rx(c, IP_RE, EV_RE_I, xip);
    bool org = orig && ev_rx(c, "hotmail\\.com|msonline\\-outlook", 0, orig);
    if ((ip || org) && !r) r = rcvd_squashed(c, "Received");
    if (sa_gated_through_received_hdr_remover(c, NULL, 0)) return H;
    /* each pattern only where a literal it needs is (the patterns scan the
     * whole squashed Received text) */
    bool hot = ip && strstr(r, "hotmail"), hot_i = ip && str_find_ci(r, strlen(r), "hotmail");
    if (hot &&
        ev_rx(c, "from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?\\.com[ \\)]", 0, r))
        return H;
    if (org && strstr(r, ".outbound.protection.outlook.com (") &&
        ev_rx(c,
              "from \\S*\\.outbound\\.protection\\.outlook\\.com \\(\\S+\\.outbound\\."
              "protection\\.outlook\\.com[ \\)]",
              0, r))
        return H;
    if (org && str_find_ci(r, strlen(r), ".prod.outlook.com (") &&
        ev_rx(c, "from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" IP_RE "\\)", EV_RE_I,
              r))
        return H;
    if (hot_i && ev_rx(c, "from \\S*\\.hotmail.com \\(\\[" IP_RE "\\][ \\):]", EV_RE_I, r))
        return H;
    if (hot && ev_rx(c, "from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP;", 0, r)) return H;
    if (ip && strstr(r, "from [66.218") &&
        ev_rx(c, "from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com", 0, r))
        return H;
    if (hm && ev_rx(c, "(?:from |HELO |helo=)\\S*hotmail\\.com\\b", 0, r)) {
        H->forged = true;
    } else {
        const char *from = ev_addr(c, "From");
        if (ev_rx(c, "\\bhotmail\\.com$", EV_RE_I, from)) H->no_hotmail = true;
    }
    return H;
}

EV_FN(sa_check_for_forged_hotmail_received_headers)
{
    UNUSED_ARGS;
    return hotmail(c)->forged;
}

EV_FN(sa_check_for_no_hotmail_received_headers)
{
    UNUSED_ARGS;
    return hotmail(c)->no_hotmail;
}

EV_FN(sa_check_for_forged_eudoramail_received_headers)
{
    UNUSED_ARGS;
    if (!ev_rx(c, "\\beudoramail\\.com$", EV_RE_I, ev_addr(c, "From"))) return false;
    const char *r = rcvd_squashed(c, "Received");
    const char *xip = ev_get(c, "X-Sender-Ip");
    bool ip = xip && ev_rx(c, IP_RE, EV_RE_I, xip);
    if (sa_gated_through_received_hdr_remover(c, NULL, 0)) return false;
    if (ip && ev_rx(c, "by \\S*whowhere.com;", 0, r)) return false;
    return true;
}

EV_FN(sa_check_for_forged_yahoo_received_headers)
{
    UNUSED_ARGS;
    const char *from = ev_addr(c, "From");
    if (!ev_rx(c, "\\byahoo\\.com$", EV_RE_I, from)) return false;
    const char *rh = "Received";
    if (*ev_gets(c, "Resent-From") && *ev_gets(c, "Resent-To") && *ev_gets(c, "X-Received"))
        rh = "X-Received";
    const char *r = rcvd_squashed(c, rh);
    if (sa_gated_through_received_hdr_remover(c, NULL, 0)) return false;
    const struct ev_relays *R = ev_relays(c);
    if (ev_rx(c, " rdns=\\S+\\.yahoo\\.com ", 0, R->trusted_str) ||
        ev_rx(c, "^[^\\]]+ rdns=\\S+\\.yahoo\\.com ", 0, R->untrusted_str))
        return false;
    if (ev_rx(c, "by web\\S+\\.mail\\S*\\.yahoo\\.com via HTTP", 0, r)) return false;
    if (ev_rx(c, "by sonic\\S+\\.consmr\\.mail\\S*\\.yahoo\\.com with HTTP", 0, r)) return false;
    if (ev_rx(c, "by smtp\\S+\\.yahoo\\.com with SMTP", 0, r)) return false;
    if (ev_rx(c, "from \\[" IP_RE "\\] by \\S+\\.(?:groups|scd|dcn)\\.yahoo\\.com with NNFMP",
              EV_RE_I, r))
        return false;
    if (ev_rx(c, "\\bmailer\\d+\\.bulk\\.scd\\.yahoo\\.com\\b", 0, r) &&
        ev_rx(c, "@reply\\.yahoo\\.com$", EV_RE_I, from))
        return false;
    if (ev_rx(c,
              "by \\w+\\.\\w+\\.yahoo\\.com \\(\\d+\\.\\d+\\.\\d+/\\d+\\.\\d+\\.\\d+\\)(?: with "
              "ESMTP)? id \\w+",
              0, r))
        return false;
    return true;
}

EV_FN(sa_check_for_forged_juno_received_headers)
{
    UNUSED_ARGS;
    if (!ev_rx(c, "\\bjuno\\.com$", EV_RE_I, ev_addr(c, "From"))) return false;
    if (sa_gated_through_received_hdr_remover(c, NULL, 0)) return false;
    const char *xorig = ev_gets(c, "X-Originating-IP");
    const char *xmailer = ev_gets(c, "X-Mailer");
    const char *r = ev_gets(c, "Received");
    if (*xorig) {
        if (!ev_rx(c, "from.*\\b(?:juno|untd)\\.com.*[\\[\\(]" IP_RE "[\\]\\)].*by", EV_RE_I, r) &&
            !ev_rx(c, " cookie\\.(?:juno|untd)\\.com ", 0, r))
            return true;
        if (!strstr(xmailer, "Juno ")) return true;
    } else {
        if (ev_rx(c, "from.*\\bmail\\.com.*\\[" IP_RE "\\].*by", EV_RE_I, r)) {
            if (!ev_rx(c, "\\bmail\\.com", 0, xmailer)) return true;
        } else if (ev_rx(c, "from (webmail\\S+\\.untd\\.com) \\(\\1 \\[" IP_RE "\\]\\) by", EV_RE_I,
                         r)) {
            if (!ev_rx(c, "^Webmail Version \\d", 0, xmailer)) return true;
        } else {
            return true;
        }
        if (!ev_rx(c, IP_RE, EV_RE_I, xorig)) return true;
    }
    return false;
}

EV_FN(sa_check_for_forged_gmail_received_headers)
{
    UNUSED_ARGS;
    if (!ev_rx(c, "\\bgmail\\.com$", EV_RE_I, ev_addr(c, "From"))) return false;
    const char *xgms = ev_gets(c, "X-Gm-Message-State");
    const char *xss = ev_gets(c, "X-Google-Smtp-Source");
    const char *xr = ev_gets(c, "X-Received");
    const char *r = ev_gets(c, "Received");
    if (ev_rx(c, "by 10\\.\\S+ with SMTP id \\S+", 0, xr)) return false;
    if (ev_rx(c, "by 2002:a\\d\\d:\\w+:\\S+ with SMTP id \\S+", 0, xr)) return false;
    if (ev_rx(c, "by smtp\\.googlemail\\.com with ESMTPSA id \\S+", 0, r)) return false;
    if (strlen(xgms) >= 60 && strlen(xss) >= 60) return false;
    return true;
}

EV_FN(sa_check_for_matching_env_and_hdr_from)
{
    UNUSED_ARGS;
    const char *e = ev_envelope_from(c);
    return strcasecmp(e ? e : "", ev_addr(c, "From")) == 0;
}

struct recips {
    bool sorted;
    double similar;
};

/* whether a and b begin with the same first two bytes (or all of a
 * shorter one): what comparing their "%.2s" copies gives */
static bool head2_eq(const char *a, const char *b)
{
    if (a[0] != b[0]) return false;
    return a[0] == 0 || a[1] == b[1];
}

static int cmp_bytes(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static struct recips *recips(struct eval_ctx *c)
{
    bool fresh;
    struct recips *R = ev_slot(c, EV_SLOT_RECIPS, sizeof *R, &fresh);
    if (!fresh) return R;
    const char *const *t, *const *b;
    size_t nt = ev_addrs(c, "ToCc", &t), nb = nt >= 5 ? 0 : ev_addrs(c, "Bcc", &b);
    size_t ni = nt + nb;
    const char **in = arena_alloc(ev_arena(c), (ni + 1) * sizeof *in);
    for (size_t i = 0; i < nt; i++)
        in[i] = t[i];
    for (size_t i = 0; i < nb; i++)
        in[nt + i] = b[i];
    const char **addr = arena_alloc(ev_arena(c), (ni + 1) * sizeof *addr);
    size_t na = 0;
    const char *prev = "";
    for (size_t i = 0; i < ni && na < 256; i++) {
        if (!in[i][0] || strcmp(in[i], "0") == 0) break; /* Perl's while (shift) */
        if (strcasecmp(in[i], prev) != 0) addr[na++] = prev = in[i];
    }
    if (na >= 7) {
        const char **s = arena_memdup(ev_arena(c), addr, na * sizeof *addr);
        qsort(s, na, sizeof *s, cmp_bytes);
        R->sorted = true;
        for (size_t i = 0; i < na && R->sorted; i++)
            R->sorted = strcmp(s[i], addr[i]) == 0;
    }
    if (na >= 5) {
        /* fqhn: the part after the first '@' of the addresses that have one,
         * in order (Perl's map drops the others, shifting the list) */
        const char **fq = arena_alloc(ev_arena(c), na * sizeof *fq);
        size_t nf = 0;
        for (size_t i = 0; i < na; i++) {
            const char *at = strchr(addr[i], '@');
            if (at) fq[nf++] = at + 1;
        }
        double hits = 0, comb = 0;
        for (size_t i = 0; i < na; i++)
            for (size_t j = i + 1; j < na; j++) {
                if (head2_eq(addr[i], addr[j])) hits++;
                const char *fi = i < nf ? fq[i] : NULL, *fj = j < nf ? fq[j] : NULL;
                /* the first two bytes of each (Perl's substr), compared
                 * directly: snprintf("%.2s") per pair cost 27,000
                 * instructions a message on the bench */
                if (head2_eq(fi ? fi : "", fj ? fj : "") && strcmp(fi ? fi : "", fj ? fj : "") != 0)
                    hits++;
                comb++;
            }
        R->similar = hits / comb;
    }
    return R;
}

EV_FN(sa_sorted_recipients)
{
    UNUSED_ARGS;
    return recips(c)->sorted;
}

EV_FN(sa_similar_recipients)
{
    const char *min = ev_arg(a, n, 0, "undef"), *max = ev_arg(a, n, 1, "undef");
    double v = recips(c)->similar;
    return (!strcmp(min, "undef") || v >= ev_num(min)) &&
           (!strcmp(max, "undef") || v < ev_num(max));
}

EV_FN(sa_check_for_missing_to_header)
{
    UNUSED_ARGS;
    if (*ev_gets(c, "To")) return false;
    return *ev_gets(c, "Apparently-To") == 0;
}

EV_FN(sa_check_for_forged_gw05_received_headers)
{
    UNUSED_ARGS;
    const char *r = ev_gets(c, "Received");
    size_t ov[6];
    if (!ev_re_match(
            c,
            ev_re("\\nfrom\\s(\\S+)\\sby\\s(\\S+)\\swith\\sESMTP;\\s+\\S\\S\\S,\\s+\\d+\\s+"
                  "\\S\\S\\S\\s+\\d{4}\\s+\\d\\d:\\d\\d:\\d\\d\\s+[-+]*\\d{4}\\n$",
                  EV_RE_S),
            r, strlen(r), 0, ov, 3))
        return false;
    return memchr(r + ov[4], '.', ov[5] - ov[4]) == NULL;
}

/* The end of the maximal run of digits at p (p itself when there is none) */
static size_t digits_end(const char *s, size_t len, size_t p)
{
    while (p < len && ch_is_digit((unsigned char)s[p]))
        p++;
    return p;
}

/* What follows the day in /\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+/ from p
 * (the space after the day's digits): " Mon 2026 12:34:56 +0000"; the end
 * of the match, or 0 when it does not follow. Each \d+ is followed by a
 * byte no digit can be, so only its whole run can match. */
static size_t rcvd_date_rest(const char *s, size_t len, size_t p)
{
    if (p + 5 > len || s[p] != ' ') return 0;
    for (size_t k = 1; k <= 3; k++)
        if (ch_is_space((unsigned char)s[p + k])) return 0;
    if (s[p + 4] != ' ') return 0;
    size_t q = p + 5, e = digits_end(s, len, q); /* the year */
    if (e == q || e >= len || s[e] != ' ') return 0;
    for (int part = 0; part < 3; part++) { /* h:m:s */
        q = e + 1;
        e = digits_end(s, len, q);
        if (e == q || e >= len || s[e] != (part < 2 ? ':' : ' ')) return 0;
    }
    q = e + 1; /* \S+ */
    e = q;
    while (e < len && !ch_is_space((unsigned char)s[e]))
        e++;
    return e > q ? e : 0;
}

/* The end of the match of /(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)/ at i, 0 when
 * none. At a space, ".?" takes a byte (not "\n") when digits follow it,
 * else none; either way the day's digits end where their run ends, so the
 * match ends at the same place. */
static size_t rcvd_date_at(const char *s, size_t len, size_t i)
{
    if (!ch_is_space((unsigned char)s[i])) return 0;
    size_t e = 0;
    if (i + 2 < len && s[i + 1] != '\n' && ch_is_digit((unsigned char)s[i + 2]))
        e = rcvd_date_rest(s, len, digits_end(s, len, i + 2));
    if (!e && ch_is_digit((unsigned char)s[i + 1]))
        e = rcvd_date_rest(s, len, digits_end(s, len, i + 1));
    return e;
}

/* The leftmost match of /(\s.?\d+ \S\S\S \d+ \d+:\d+:\d+ \S+)/ in a
 * Received line (a date after a space), by hand: the regex on every
 * Received header was 6,500 instructions a message. A match is found from
 * the first ':' of its time: before it, back to front, come the hour's
 * digits (all of their run: a space is before them), a space, the year's
 * digits (the same), a space, three bytes, a space and the day's digit run
 * [a, b); a match starting at i has its day's digits in that run, so i is
 * a - 1 or a - 2 (".?" takes s[a - 1] or a digit of the run; the byte
 * before a digit is no space). Only those starts are tried, with
 * rcvd_date_at, the colons found by memchr: the test at every byte of the
 * line was 3,500 instructions a message (callgrind, 300 bench messages). */
bool ev_rcvd_date_span(const char *s, size_t len, size_t *start, size_t *end)
{
    bool found = false;
    for (const char *cp = len ? memchr(s, ':', len) : NULL; cp;
         cp = memchr(cp + 1, ':', len - (size_t)(cp + 1 - s))) {
        size_t c = (size_t)(cp - s), h = c;
        while (h > 0 && ch_is_digit((unsigned char)s[h - 1]))
            h--;
        if (h == c || h < 1 || s[h - 1] != ' ') continue; /* the hour */
        size_t y = h - 1;
        while (y > 0 && ch_is_digit((unsigned char)s[y - 1]))
            y--;
        if (y == h - 1 || y < 5 || s[y - 1] != ' ' || s[y - 5] != ' ') continue; /* year */
        size_t b = y - 5, a = b;
        while (a > 0 && ch_is_digit((unsigned char)s[a - 1]))
            a--;
        if (a == b || a < 1) continue; /* the day's run, a byte before it */
        for (size_t i = a >= 2 ? a - 2 : a - 1; i < a; i++) {
            if (found && i >= *start) break;
            size_t e = rcvd_date_at(s, len, i);
            if (e) {
                *start = i, *end = e;
                found = true;
                break;
            }
        }
    }
    return found;
}

struct dates {
    bool have_date, have_rcvd, have_fetch;
    int64_t date, fetch;
    double diff;
    int64_t *rcvd;
    size_t n_rcvd;
};

static struct dates *dates(struct eval_ctx *c)
{
    bool fresh;
    struct dates *D = ev_slot(c, EV_SLOT_DATES, sizeof *D, &fresh);
    if (!fresh) return D;
    const struct message *m = ev_msg(c);
    arena *ar = ev_arena(c);
    static const char *const dh[] = {"Resent-Date", "Date"};
    for (int k = 0; k < 2 && !D->have_date; k++) {
        const struct hdr_field *f;
        for (size_t i = 0; (f = hdr_get(&m->hdr, dh[k], i)) != NULL && !D->have_date; i++) {
            size_t ul;
            char *u = hdr_unfold(ar, f->value, &ul);
            if (!ul) continue;
            D->have_date = ev_sa_parse_date(c, u, &D->date);
        }
    }
    /* Received dates, with fetchmail's local hops set aside */
    const char *r = ev_gets(c, "Received");
    size_t nl = 0;
    const char **lines = NULL;
    size_t cap = 0;
    for (const char *p = r; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        bool nonspace = false;
        for (size_t i = 0; i < l && !nonspace; i++)
            nonspace = !ch_is_space((unsigned char)p[i]);
        if (nonspace) {
            lines = arena_grow(ar, lines, &cap, nl + 1, sizeof *lines);
            lines[nl++] = arena_strndup(ar, p, l);
        }
        p = e ? e + 1 : p + l;
    }
    size_t first = 0;
    const char *local[2];
    size_t n_local = 0;
    /* each pattern only where its literals are (the line has none of them
     * on nearly every message) */
    if (nl && (((strstr(lines[0], "localhost") || strstr(lines[0], "127.0.0.1")) &&
                strstr(lines[0], "from ") &&
                ev_rx(c, "\\bfrom (?:localhost\\s|(?:\\S+ ){1,2}\\S*\\b127\\.0\\.0\\.1\\b)", 0,
                      lines[0])) ||
               (strstr(lines[0], " invoked by uid ") &&
                ev_rx(c, "qmail \\d+ invoked by uid \\d+", 0, lines[0]))))
        local[n_local++] = lines[first++];
    if (first < nl && strstr(lines[first], "(fetchmail-") &&
        ev_rx(c, "\\bby localhost with \\w+ \\(fetchmail-[\\d.]+", 0, lines[first]))
        local[n_local++] = lines[first++];
    else if (n_local)
        first--, n_local = 0; /* put the first one back */
    for (size_t i = 0; i < n_local; i++) {
        size_t ov[4];
        int64_t t;
        if (ev_rcvd_date_span(local[i], strlen(local[i]), &ov[2], &ov[3]) &&
            ev_sa_parse_date(c, arena_strndup(ar, local[i] + ov[2], ov[3] - ov[2]), &t) &&
            (!c->now || c->now >= t)) {
            if (!D->have_fetch || t > D->fetch) D->fetch = t;
            D->have_fetch = true;
        }
    }
    D->rcvd = arena_alloc(ar, (nl + 1) * sizeof *D->rcvd);
    for (size_t i = first; i < nl; i++) {
        size_t ov[4];
        int64_t t;
        if (ev_rcvd_date_span(lines[i], strlen(lines[i]), &ov[2], &ov[3]) &&
            ev_sa_parse_date(c, arena_strndup(ar, lines[i] + ov[2], ov[3] - ov[2]), &t))
            D->rcvd[D->n_rcvd++] = t;
    }
    D->have_rcvd = D->n_rcvd > 0;
    if (D->have_date && D->have_rcvd) {
        size_t nd = D->n_rcvd;
        double *diffs = arena_alloc(ar, nd * sizeof *diffs);
        for (size_t i = 0; i < nd; i++)
            diffs[i] = (double)(D->date - D->rcvd[i]);
        if (nd > 1 && diffs[nd - 1] == 0) nd--;
        double best = diffs[0];
        for (size_t i = 1; i < nd; i++)
            if (fabs(diffs[i]) < fabs(best)) best = diffs[i];
        D->diff = best;
    }
    return D;
}

EV_FN(sa_check_for_shifted_date)
{
    const char *min = ev_arg(a, n, 0, "undef"), *max = ev_arg(a, n, 1, "undef");
    double d = dates(c)->diff;
    bool hit = (!strcmp(min, "undef") || d >= 3600 * ev_num(min)) &&
               (!strcmp(max, "undef") || d < 3600 * ev_num(max));
    if (hit) ev_evidence(c, "Date %+.1f hours from Received", d / 3600);
    return hit;
}

static int cmp_desc(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? 1 : a > b ? -1 : 0;
}

EV_FN(sa_received_within_months)
{
    struct dates *D = dates(c);
    double poss[4];
    size_t np = 0;
    if (D->have_date) poss[np++] = (double)D->date;
    if (D->have_rcvd) poss[np++] = (double)D->rcvd[0];
    if (D->have_fetch) poss[np++] = (double)D->fetch;
    if (D->have_date && D->have_rcvd) poss[np++] = (double)D->date - D->diff;
    double received = 0;
    if (np) {
        qsort(poss, np, sizeof *poss, cmp_desc);
        received = poss[(np - 1) / 2];
    }
    double diff = (double)c->now - received;
    const char *min = ev_arg(a, n, 0, "undef"), *max = ev_arg(a, n, 1, "undef");
    return (!strcmp(min, "undef") || diff >= 31556952.0 * (ev_num(min) / 12)) &&
           (!strcmp(max, "undef") || diff < 31556952.0 * (ev_num(max) / 12));
}

EV_FN(sa_subject_is_all_caps)
{
    UNUSED_ARGS;
    const char *s0 = ev_gets(c, "Subject");
    struct slice t = str_trim(s0, strlen(s0));
    char *s = arena_strndup(ev_arena(c), t.p, t.len);
    size_t ov[2];
    if (ev_re_match(c, ev_re("^(?:(?:Re|Fwd|Fw|Aw|Antwort|WG|SV|VB|VS|VL):\\s*)+", EV_RE_I), s,
                    strlen(s), 0, ov, 1))
        s += ov[1];
    bool space = false;
    for (const char *p = s; *p && !space; p++)
        space = ch_is_space((unsigned char)*p);
    if (!space) return false;
    if (utf8_chars(s, strlen(s)) < 10) return false;
    size_t letters = 0;
    bool lower = false;
    for (const char *p = s; *p; p++) {
        if (*p >= 'a' && *p <= 'z') lower = true;
        if (ch_is_alpha((unsigned char)*p)) letters++;
    }
    const char *raw = ev_get_raw(c, "Subject");
    if (raw && ev_rx(c,
                     "=\\?[-_a-z0-9]*(?:koi|jp|jis|euc|gb|big5|isoir|cp1251|windows-1251|"
                     "georgianps|pt154|tis)[-_a-z0-9]*\\?",
                     EV_RE_I, raw))
        return false;
    return letters && !lower;
}

/* Whether needle occurs in hay with ASCII letters compared without case: a
 * pattern that holds needle quoted, matched caselessly without UTF (PCRE2's
 * default tables fold ASCII only), cannot match a hay where it does not. */
static bool has_ci(const char *hay, const char *needle)
{
    size_t hl = strlen(hay), nl = strlen(needle);
    if (nl > hl) return false;
    for (size_t i = 0; i + nl <= hl; i++) {
        size_t j = 0;
        while (j < nl && ch_lower((unsigned char)hay[i + j]) == ch_lower((unsigned char)needle[j]))
            j++;
        if (j == nl) return true;
    }
    return false;
}

EV_FN(sa_check_for_to_in_subject)
{
    const char *test = ev_arg(a, n, 0, "");
    const char *full_to = ev_addr(c, "To");
    if (!*full_to) return false;
    const char *subject = ev_gets(c, "Subject");
    if (!subject) return false;
    /* every branch below holds the address (or its local part) quoted: skip
     * compiling a pattern for a subject that lacks it */
    if (!strcmp(test, "address")) {
        if (!has_ci(subject, full_to)) return false;
        return ev_rx_dyn(c, arena_printf(ev_arena(c), "\\b%s\\b", re_quote(c, full_to)), EV_RE_I,
                         subject);
    }
    if (!strcmp(test, "user")) {
        char *to = arena_strdup(ev_arena(c), full_to);
        char *at = strchr(to, '@');
        if (at) *at = 0;
        if (!has_ci(subject, to)) return false;
        const char *q = re_quote(c, to);
        const char *pat =
            arena_printf(ev_arena(c),
                         "^(?:(?:re|fw):\\s*(?:\\w+\\s+)?%s$|(?-i:%s)\\s*[,:;!?-](?:$|\\s)"
                         "|%s$|,\\s*%s[,:;!?-]$)",
                         q, q, q, q);
        return ev_rx_dyn(c, pat, EV_RE_I, subject);
    }
    return false;
}

EV_FN(sa_check_outlook_message_id)
{
    UNUSED_ARGS;
    const char *id = ev_gets(c, "MESSAGEID");
    size_t ov[4];
    if (!ev_re_match(c, ev_re("^<[0-9a-f]{4}([0-9a-f]{8})\\$[0-9a-f]{8}\\$[0-9a-f]{8}@", 0), id,
                     strlen(id), 0, ov, 2))
        return false;
    double token = (double)strtoull(arena_strndup(ev_arena(c), id + ov[2], 8), NULL, 16);
    const double x = 0.0023283064365387, y = 27111902.8329849, fudge = 250;
    int64_t t = 0;
    if (!ev_sa_parse_date(c, ev_gets(c, "Date"), &t)) t = 0;
    double expected = floor((double)t * x + y);
    if (fabs(token - expected) < fudge) return false;
    t = 0;
    if (!ev_sa_parse_date(c, ev_gets(c, "Received"), &t)) t = 0;
    expected = floor((double)t * x + y);
    return fabs(token - expected) >= fudge;
}

EV_FN(sa_check_messageid_not_usable)
{
    UNUSED_ARGS;
    if (ev_rx(c, "<mailto:(?:leave-\\S+|\\S+-unsubscribe)@\\S+>$", EV_RE_I,
              ev_gets(c, "List-Unsubscribe")))
        return true;
    if (sa_gated_through_received_hdr_remover(c, NULL, 0)) return true;
    const char *r = ev_gets(c, "Received");
    return strstr(r, "/CWT/DCE)") || strstr(r, "iPlanet Messaging Server");
}

EV_FN(sa_check_header_count_range)
{
    const char *hdr = ev_arg(a, n, 0, "");
    double min = ev_num(ARG(1)), max = ev_num(ARG(2));
    const struct message *m = ev_msg(c);
    /* distinct decoded values */
    const char **seen = NULL;
    size_t ns = 0, cap = 0;
    const struct hdr_field *f;
    for (size_t i = 0; (f = hdr_get(&m->hdr, hdr, i)) != NULL; i++) {
        size_t ul;
        char *u = hdr_unfold(ev_arena(c), f->value, &ul);
        bool dup = false;
        for (size_t k = 0; k < ns && !dup; k++)
            dup = strcmp(seen[k], u) == 0;
        if (dup) continue;
        seen = arena_grow(ev_arena(c), seen, &cap, ns + 1, sizeof *seen);
        seen[ns++] = u;
    }
    return (double)ns >= min && (double)ns <= max;
}

EV_FN(sa_check_unresolved_template)
{
    UNUSED_ARGS;
    const char *all = ev_gets(c, "ALL");
    const struct ev_re *t = ev_re("%[A-Z][A-Z_-]", 0);
    const struct ev_re *ok =
        ev_re("^(?:X-VMS-To|X-UIDL|X-Face|To|Cc|From|Subject|References|In-Reply-To|"
              "(?:X-|Resent-|X-Original-)?Message-Id):",
              EV_RE_I);
    for (const char *p = all; *p;) {
        const char *e = strchr(p, '\n');
        size_t l = e ? (size_t)(e - p) : strlen(p);
        /* the pattern starts with '%': a line without one is passed over (the
         * regex on every header line was 5,000 instructions a message) */
        if (memchr(p, '%', l) && ev_re_match(c, t, p, l, 0, NULL, 0) &&
            !ev_re_match(c, ok, p, l, 0, NULL, 0)) {
            ev_evidence(c, "%.*s", (int)(l < 80 ? l : 80), p);
            return true;
        }
        p = e ? e + 1 : p + l;
    }
    return false;
}

EV_FN(sa_check_ratware_name_id)
{
    UNUSED_ARGS;
    const char *mid = ev_gets(c, "MESSAGEID"), *from = ev_gets(c, "From");
    size_t ov[4];
    if (!ev_re_match(c, ev_re("<[A-Z]{28}\\.([^>]+?)>", 0), mid, strlen(mid), 0, ov, 2))
        return false;
    char *part = arena_strndup(ev_arena(c), mid + ov[2], ov[3] - ov[2]);
    return ev_rx_dyn(c, arena_printf(ev_arena(c), "\"[^\"]+\"\\s*<%s>", re_quote(c, part)), 0,
                     from);
}

static bool is_word_char(unsigned char ch)
{
    return ch_is_alnum(ch) || ch == '_';
}

/* The n bytes at p equal lit's, ASCII letters in either case (PCRE's
 * caseless match without UTF) */
static bool eq_ci(const char *p, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ch_lower((unsigned char)p[i]) != ch_lower((unsigned char)lit[i])) return false;
    return true;
}

/* Does /\b\Qdom\E.\Quser\E@/i match s? By hand: compiling that pattern
 * for every message was 12,000 instructions. '.' is any byte but "\n". */
bool ev_dom_user_at(const char *s, const char *dom, const char *user)
{
    size_t sl = strlen(s), dl = strlen(dom), ul = strlen(user), need = dl + 1 + ul + 1;
    for (size_t i = 0; i + need <= sl; i++) {
        bool before = i > 0 && is_word_char((unsigned char)s[i - 1]);
        bool after = is_word_char((unsigned char)s[i]);
        if (before == after) continue; /* no \b here */
        if (eq_ci(s + i, dom, dl) && s[i + dl] != '\n' && eq_ci(s + i + dl + 1, user, ul) &&
            s[i + dl + 1 + ul] == '@')
            return true;
    }
    return false;
}

EV_FN(sa_check_ratware_envelope_from)
{
    UNUSED_ARGS;
    const char *to = ev_addr(c, "To");
    const char *from = ev_envelope_from(c);
    if (!from || !*from || !*to) return false;
    if (ev_rx(c, "^SRS\\d[=+-]", EV_RE_I, from)) return false;
    const char *at = strchr(to, '@');
    if (!at || at == to || !at[1]) return false;
    char *user = arena_strndup(ev_arena(c), to, (size_t)(at - to));
    const char *dom = ev_reg_domain(c, at + 1);
    if (!dom || !strchr(dom, '.')) return false;
    return ev_dom_user_at(from, dom, user); /* /\b\Q$dom\E.\Q$user\E@/i */
}

EV_FN(sa_check_equal_from_domains)
{
    UNUSED_ARGS;
    const char *from = ev_addr(c, "From");
    const char *env = ev_envelope_from(c);
    const char *fa = strrchr(from, '@');
    const char *ea = env ? strrchr(env, '@') : NULL;
    if (!fa || !ea) return false;
    /* the last two labels (SpamAssassin's s/^.+\.([^.]+\.[^.]+)$/$1/) */
    const char *fd = fa + 1, *ed = ea + 1;
    const char *const doms[2] = {fd, ed};
    const char *cut2[2];
    for (int k = 0; k < 2; k++) {
        const char *d = doms[k], *last = strrchr(d, '.');
        const char *prev = NULL;
        if (last)
            for (const char *p = d; p < last; p++)
                if (*p == '.') prev = p;
        cut2[k] = prev && prev > d ? prev + 1 : d;
    }
    if (!*cut2[0] || !*cut2[1]) return false;
    if (strcasecmp(cut2[0], cut2[1]) != 0) {
        ev_evidence(c, "From %s, envelope %s", cut2[0], cut2[1]);
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* RelayEval */

EV_FN(sa_check_all_trusted)
{
    UNUSED_ARGS;
    const struct ev_relays *R = ev_relays(c);
    return R->n_trusted && !R->n_untrusted && !R->n_unparseable;
}

EV_FN(sa_check_no_relays)
{
    UNUSED_ARGS;
    const struct ev_relays *R = ev_relays(c);
    return !R->n_trusted && !R->n_untrusted && !R->n_unparseable;
}

EV_FN(sa_check_relays_unparseable)
{
    UNUSED_ARGS;
    return ev_relays(c)->n_unparseable > 0;
}

EV_FN(sa_check_for_numeric_helo)
{
    UNUSED_ARGS;
    const char *u = ev_relays(c)->untrusted_str;
    size_t ov[4];
    if (!u || !*u ||
        !ev_re_match(c, ev_re("\\bhelo=(" IPV4_RE ")(?=[\\x00-\\x20,;\\[()<>]|\\z)", EV_RE_I), u,
                     strlen(u), 0, ov, 2))
        return false;
    char *ip = arena_strndup(ev_arena(c), u + ov[2], ov[3] - ov[2]);
    if (ev_ip_is_private(ip)) return false;
    ev_evidence(c, "HELO %s", ip);
    return true;
}

EV_FN(sa_check_for_illegal_ip)
{
    UNUSED_ARGS;
    return false; /* retired in SpamAssassin (bug 6295) */
}

EV_FN(sa_helo_ip_mismatch)
{
    UNUSED_ARGS;
    const struct ev_relays *R = ev_relays(c);
    for (size_t i = 0; i < R->n_untrusted; i++) {
        const struct ev_relay *r = &R->untrusted[i];
        if (!ev_is_ipv4(r->helo) || ev_ip_is_private(r->helo)) continue;
        if (!ev_is_ipv4(r->ip) || ev_ip_is_private(r->ip) || strcmp(r->helo, r->ip) == 0) continue;
        /* the first three octets of the HELO, with the dot */
        const char *d = r->helo;
        for (int k = 0; k < 3 && d; k++)
            d = strchr(d, '.') ? strchr(d, '.') + 1 : NULL;
        if (!d) continue;
        size_t pl = (size_t)(d - r->helo);
        if (strncmp(r->ip, r->helo, pl) != 0) {
            ev_evidence(c, "HELO %s from %s", r->helo, r->ip);
            return true;
        }
    }
    return false;
}

EV_FN(sa_check_for_sender_no_reverse)
{
    UNUSED_ARGS;
    const struct ev_relays *R = ev_relays(c);
    if (!R->n_untrusted) return false;
    const struct ev_relay *r = &R->untrusted[R->n_untrusted - 1];
    if (!strchr(r->rdns, '.')) return false;
    return !r->ip_private;
}

EV_FN(sa_check_for_from_domain_in_received_headers)
{
    const char *domain = ev_arg(a, n, 0, ""), *desired = ev_arg(a, n, 1, "");
    const char *from = ev_addr(c, "From");
    if (!ev_rx_dyn(c, arena_printf(ev_arena(c), "\\b%s", re_quote(c, domain)), EV_RE_I, from))
        return false;
    const struct ev_relays *R = ev_relays(c);
    const char *rcvd = arena_printf(ev_arena(c), "%s\n%s", R->trusted_str, R->untrusted_str);
    /* SpamAssassin interpolates the domain unquoted here */
    bool found = ev_rx_dyn(
        c, arena_printf(ev_arena(c), " rdns=\\S*\\b%s [^\\]]*by=\\S*\\b%s ", domain, domain), 0,
        rcvd);
    return found ? strcmp(desired, "true") == 0 : strcmp(desired, "true") != 0;
}

EV_FN(sa_check_for_no_rdns_dotcom_helo)
{
    UNUSED_ARGS;
    const struct ev_relays *R = ev_relays(c);
    bool result = false;
    const struct ev_re *re =
        ev_re("(?:\\.|^)(lycos\\.com|lycos\\.co\\.uk|hotmail\\.com|localhost\\.com|"
              "excite\\.com|caramail\\.com|cs\\.com|aol\\.com|msn\\.com|yahoo\\.com|"
              "drizzle\\.com)$",
              EV_RE_I);
    for (size_t i = 0; i < R->n_untrusted; i++) {
        const struct ev_relay *r = &R->untrusted[i];
        if (r->ip_private) continue;
        /* SpamAssassin resets the flag for every relay it looks at */
        result = ev_re_match(c, re, r->helo, strlen(r->helo), 0, NULL, 0) && r->no_reverse_dns;
    }
    return result;
}

/* /(?:\S{3,}|ie|fr|de)/ on a label (unanchored): three non-spaces in a row,
 * or one of the three pairs anywhere */
static bool tld_like(const char *p, size_t l)
{
    size_t run = 0;
    for (size_t i = 0; i < l; i++) {
        run = ch_is_space((unsigned char)p[i]) ? 0 : run + 1;
        if (run >= 3) return true;
    }
    for (size_t i = 0; i + 1 < l; i++)
        if ((p[i] == 'i' && p[i + 1] == 'e') || (p[i] == 'f' && p[i + 1] == 'r') ||
            (p[i] == 'd' && p[i + 1] == 'e'))
            return true;
    return false;
}

/* n labels joined by dots, in the arena (arena_printf's formatting was
 * 2,000 instructions a host; the regex on the last label another 600) */
static const char *join_labels(struct eval_ctx *c, const char *const *parts, const size_t *lens,
                               size_t n)
{
    size_t total = n;
    for (size_t i = 0; i < n; i++)
        total += lens[i];
    char *d = arena_alloc(ev_arena(c), total), *o = d;
    for (size_t i = 0; i < n; i++) {
        if (i) *o++ = '.';
        memcpy(o, parts[i], lens[i]);
        o += lens[i];
    }
    *o = 0;
    return d;
}

/* RelayEval's hostname_to_domain. */
const char *ev_host_to_domain(struct eval_ctx *c, const char *h)
{
    bool letter = false;
    for (const char *p = h; *p && !letter; p++)
        letter = ch_is_alpha((unsigned char)*p);
    if (!letter) return h;
    /* split on dots (Perl's split drops trailing empty fields) */
    size_t nparts = 0;
    const char *parts[256];
    size_t lens[256];
    const char *p = h;
    while (*p && nparts < 256) {
        const char *d = strchr(p, '.');
        size_t l = d ? (size_t)(d - p) : strlen(p);
        parts[nparts] = p, lens[nparts++] = l;
        p = d ? d + 1 : p + l;
    }
    while (nparts && lens[nparts - 1] == 0)
        nparts--;
    if (nparts > 1 && tld_like(parts[nparts - 1], lens[nparts - 1]))
        return join_labels(c, parts + nparts - 2, lens + nparts - 2, 2);
    if (nparts > 2) return join_labels(c, parts + nparts - 3, lens + nparts - 3, 3);
    return h;
}

struct forged {
    int mismatch_from, mismatch_ip_helo;
};

static struct forged *forged(struct eval_ctx *c)
{
    bool fresh;
    struct forged *F = ev_slot(c, EV_SLOT_FORGED, sizeof *F, &fresh);
    if (!fresh) return F;
    const struct ev_relays *R = ev_relays(c);
    size_t nu = R->n_untrusted;
    const char **from = arena_alloc(ev_arena(c), (nu + 1) * sizeof *from);
    for (size_t i = 0; i < nu; i++)
        from[i] = ev_host_to_domain(c, R->untrusted[i].lc_rdns);
    const struct ev_re *hostre = ev_re("^\\w+(?:[\\w.-]+\\.)+\\w+$", 0);
    const struct ev_re *dotted = ev_re("^\\d+\\.\\d+\\.\\d+\\.\\d+$", 0);
    for (size_t i = 0; i < nu; i++) {
        const struct ev_relay *r = &R->untrusted[i];
        const char *by = ev_host_to_domain(c, r->lc_by);
        if (!ev_re_match(c, hostre, by, strlen(by), 0, NULL, 0)) continue;
        if (from[i] && ev_rx(c, "^localhost(?:\\.localdomain)?$", 0, from[i]) &&
            strcmp(r->ip, "127.0.0.1") == 0)
            from[i] = NULL;
        const char *hlo = ev_host_to_domain(c, r->lc_helo), *fip = r->ip;
        if (ev_re_match(c, dotted, hlo, strlen(hlo), 0, NULL, 0) &&
            ev_re_match(c, dotted, fip, strlen(fip), 0, NULL, 0) && strcmp(fip, hlo) != 0) {
            /* the first two octets */
            const char *h2 = strchr(strchr(hlo, '.') + 1, '.');
            const char *f2 = strchr(strchr(fip, '.') + 1, '.');
            if (((size_t)(h2 - hlo) != (size_t)(f2 - fip) ||
                 strncmp(hlo, fip, (size_t)(h2 - hlo)) != 0) &&
                !ev_ip_is_private(hlo))
                F->mismatch_ip_helo++;
        }
        const char *prev = i > 0 ? from[i - 1] : NULL;
        if (prev && ev_re_match(c, hostre, prev, strlen(prev), 0, NULL, 0) &&
            strcmp(by, prev) != 0 &&
            !(strcmp(by, "msn.com") == 0 && strcmp(prev, "hotmail.com") == 0))
            F->mismatch_from++;
    }
    return F;
}

EV_FN(sa_check_for_forged_received_trail)
{
    UNUSED_ARGS;
    return forged(c)->mismatch_from > 1;
}

EV_FN(sa_check_for_forged_received_ip_helo)
{
    UNUSED_ARGS;
    return forged(c)->mismatch_ip_helo > 0;
}

/* ---------------------------------------------------------------------- */
/* WLBLEval, WelcomeListSubject, VBounce */

EV_FN(sa_check_mailfrom_matches_rcvd)
{
    UNUSED_ARGS;
    const char *sender = ev_envelope_from(c);
    if (!sender || !*sender) return false;
    size_t ov[4];
    if (!ev_re_match(c, ev_re("@([^@]+\\.[^@]+)\\z", 0), sender, strlen(sender), 0, ov, 2))
        return false;
    const char *dom = ev_reg_domain(c, arena_strndup(ev_arena(c), sender + ov[2], ov[3] - ov[2]));
    const struct ev_relays *R = ev_relays(c);
    const struct ev_relay *rl = R->n_untrusted ? R->untrusted : R->trusted;
    size_t nr = R->n_untrusted ? 1 : R->n_trusted;
    for (size_t i = 0; i < nr; i++) {
        if (!rl[i].lc_rdns[0]) continue;
        if (strcmp(ev_reg_domain(c, rl[i].lc_rdns), dom) == 0) {
            ev_evidence(c, "%s via %s", dom, rl[i].lc_rdns);
            return true;
        }
    }
    return false;
}

static bool list_empty(struct eval_ctx *c, const char *list)
{
    const char *const *v;
    return ev_list(c, list, &v) == 0;
}

/* pre (pre_len bytes) + name: in buf when it fits (the stock rules' names
 * are short), else in the message's arena */
static const char *prefixed(struct eval_ctx *c, const char *pre, size_t pre_len, const char *name,
                            char *buf, size_t cap)
{
    size_t nl = strlen(name);
    if (pre_len + nl + 1 > cap) return arena_printf(ev_arena(c), "%s%s", pre, name);
    memcpy(buf, pre, pre_len);
    memcpy(buf + pre_len, name, nl + 1);
    return buf;
}

/* The entries of a list named by a rule: "enlist_addrlist:NAME" or else
 * the setting NAME; 0 when neither has any. The list is found once per
 * call (the name formatted on the stack): formatting it in the arena and
 * finding it again for every address was 3,000 instructions a call. */
static size_t addrlist(struct eval_ctx *c, const char *name, const char *const **v,
                       const size_t **lens)
{
    static const char pre[] = "enlist_addrlist:";
    char buf[256];
    const char *full = prefixed(c, pre, sizeof pre - 1, name, buf, sizeof buf);
    size_t k = ev_list_lens(c, full, v, lens);
    return k ? k : ev_list_lens(c, name, v, lens);
}

EV_FN(sa_check_from_in_list)
{
    const char *const *lv;
    const size_t *lens;
    size_t ln = addrlist(c, ev_arg(a, n, 0, ""), &lv, &lens);
    if (!ln) return false;
    const char *const *v;
    size_t k = ev_all_from_addrs(c, &v);
    for (size_t i = 0; i < k; i++)
        if (ev_glob_any_lens(lv, lens, ln, v[i])) {
            ev_evidence(c, "%s", v[i]);
            return true;
        }
    return false;
}

EV_FN(sa_check_replyto_in_list)
{
    const char *const *lv;
    const size_t *lens;
    size_t ln = addrlist(c, ev_arg(a, n, 0, ""), &lv, &lens);
    if (!ln) return false;
    const char *r = ev_addr(c, "Reply-To");
    return *r && ev_glob_any_lens(lv, lens, ln, lc_dup(c, r));
}

static bool to_in_entries(struct eval_ctx *c, const char *const *lv, const size_t *lens, size_t ln)
{
    if (!ln) return false;
    const char *const *v;
    size_t k = ev_all_to_addrs(c, &v);
    for (size_t i = 0; i < k; i++)
        if (ev_glob_any_lens(lv, lens, ln, v[i])) return true;
    return false;
}

static bool to_in_list(struct eval_ctx *c, const char *list)
{
    const char *const *lv;
    const size_t *lens;
    size_t ln = ev_list_lens(c, list, &lv, &lens);
    return to_in_entries(c, lv, lens, ln);
}

static bool from_in_list(struct eval_ctx *c, const char *list)
{
    const char *const *lv;
    const size_t *lens;
    size_t ln = ev_list_lens(c, list, &lv, &lens);
    if (!ln) return false;
    const char *const *v;
    size_t k = ev_all_from_addrs(c, &v);
    for (size_t i = 0; i < k; i++)
        if (ev_glob_any_lens(lv, lens, ln, v[i])) return true;
    return false;
}

EV_FN(sa_check_to_in_list)
{
    const char *const *lv;
    const size_t *lens;
    size_t ln = addrlist(c, ev_arg(a, n, 0, ""), &lv, &lens);
    return to_in_entries(c, lv, lens, ln);
}

EV_FN(sa_check_from_in_blocklist)
{
    UNUSED_ARGS;
    return from_in_list(c, "blocklist_from");
}

EV_FN(sa_check_to_in_blocklist)
{
    UNUSED_ARGS;
    return to_in_list(c, "blocklist_to");
}

EV_FN(sa_check_to_in_welcomelist)
{
    UNUSED_ARGS;
    return to_in_list(c, "welcomelist_to");
}

EV_FN(sa_check_to_in_more_spam)
{
    UNUSED_ARGS;
    return to_in_list(c, "more_spam_to");
}

EV_FN(sa_check_to_in_all_spam)
{
    UNUSED_ARGS;
    return to_in_list(c, "all_spam_to");
}

/* WLBLEval's _check_welcomelist_rcvd: 1 listed and relayed by the listed
 * host, -1 listed but relayed elsewhere (forged?), 0 not listed. */
static int wl_rcvd(struct eval_ctx *c, const char *list, const char *addr)
{
    const struct ev_relays *R = ev_relays(c);
    if (R->n_untrusted + R->n_trusted == 0) return 0;
    const struct ev_relay *rl = R->n_untrusted ? R->untrusted : R->trusted;
    size_t nr = R->n_untrusted ? 1 : R->n_trusted;
    const char *const *v;
    size_t k = ev_list(c, list, &v);
    int found = 0;
    for (size_t i = 0; i < k; i++) {
        if (!v[i]) continue;
        char *e = arena_strdup(ev_arena(c), v[i]);
        char *sp = strpbrk(e, " \t");
        if (!sp) continue;
        *sp = 0;
        const char *dom = sp + 1;
        while (*dom == ' ' || *dom == '\t')
            dom++;
        if (!ev_glob(e, addr)) continue;
        for (size_t j = 0; j < nr; j++) {
            const struct ev_relay *r = &rl[j];
            if (dom[0] == '[') {
                const char *rb = strchr(dom, ']');
                if (!rb || !r->ip[0]) continue;
                char *wl = arena_strndup(ev_arena(c), dom + 1, (size_t)(rb - dom - 1));
                if (ev_is_ipv4(wl)
                        ? strcmp(wl, r->ip) == 0
                        : (strspn(wl, "0123456789.") == strlen(wl) &&
                           strncmp(r->ip,
                                   arena_printf(ev_arena(c), "%s%s", wl,
                                                wl[strlen(wl) - 1] == '.' ? "" : "."),
                                   strlen(wl) + (wl[strlen(wl) - 1] == '.' ? 0 : 1)) == 0))
                    return 1;
            } else {
                size_t rl_len = strlen(r->lc_rdns), dl = strlen(dom);
                if (rl_len >= dl && strcasecmp(r->lc_rdns + rl_len - dl, dom) == 0 &&
                    (rl_len == dl || r->lc_rdns[rl_len - dl - 1] == '.'))
                    return 1;
            }
        }
        found = -1;
    }
    if (found && ev_addr_in_list(c, "welcomelist_allows_relays", addr)) found = 0;
    return found;
}

struct wl {
    bool done;
    int from_in_welcomelist, from_in_default_welcomelist;
};

static struct wl *wl(struct eval_ctx *c)
{
    bool fresh;
    struct wl *W = ev_slot(c, EV_SLOT_WL, sizeof *W, &fresh);
    if (!fresh) return W;
    if (list_empty(c, "welcomelist_from") && list_empty(c, "welcomelist_from_rcvd") &&
        list_empty(c, "def_welcomelist_from_rcvd"))
        return W;
    const char *const *v;
    size_t k = ev_all_from_addrs(c, &v);
    int found = 0;
    for (size_t i = 0; i < k; i++) {
        if (ev_addr_in_list(c, "welcomelist_from", v[i])) {
            found = 1;
            break;
        }
        int r = wl_rcvd(c, "welcomelist_from_rcvd", v[i]);
        if (r == 1) {
            found = 1;
            break;
        }
        if (r == -1) found = -1;
    }
    W->from_in_welcomelist = found;
    found = 0;
    for (size_t i = 0; i < k; i++) {
        int r = wl_rcvd(c, "def_welcomelist_from_rcvd", v[i]);
        if (r == 1) {
            found = 1;
            break;
        }
        if (r == -1) found = -1;
    }
    W->from_in_default_welcomelist = found;
    return W;
}

EV_FN(sa_check_from_in_welcomelist)
{
    UNUSED_ARGS;
    return wl(c)->from_in_welcomelist > 0;
}

EV_FN(sa_check_forged_in_welcomelist)
{
    UNUSED_ARGS;
    struct wl *W = wl(c);
    return W->from_in_welcomelist < 0 && W->from_in_default_welcomelist == 0;
}

EV_FN(sa_check_from_in_default_welcomelist)
{
    UNUSED_ARGS;
    return wl(c)->from_in_default_welcomelist > 0;
}

EV_FN(sa_check_forged_in_default_welcomelist)
{
    UNUSED_ARGS;
    struct wl *W = wl(c);
    return W->from_in_default_welcomelist < 0 && W->from_in_welcomelist == 0;
}

/* The hosts of the message's URIs for _check_uri_host_listed, found once
 * per message (three to five rules ask, each for every URI): host NULL for
 * a mailto: URI or one without a host. One entry per URI of ev_uris. */
struct uri_hosts {
    size_t n;
    const char **host;
    bool *ip;
};

static const struct uri_hosts *uri_hosts(struct eval_ctx *c)
{
    bool fresh;
    struct uri_hosts *H = ev_slot(c, EV_SLOT_URIHOSTS, sizeof *H, &fresh);
    if (!fresh) return H;
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    arena *ar = ev_arena(c);
    H->host = arena_zalloc(ar, (nu ? nu : 1) * sizeof *H->host);
    H->ip = arena_zalloc(ar, (nu ? nu : 1) * sizeof *H->ip);
    H->n = nu;
    /* each (host, ip) once, at its first URI: a later URI with the same
     * host gets the same verdict, and uri_host_listed returns the first
     * host listed. The URIs (with their variants) repeat hosts: looking
     * every one up in three lists, 13,900 instructions a message, is
     * 11,800 so. */
    size_t cap = 16;
    while (cap < nu * 2)
        cap *= 2;
    const char **seen = arena_zalloc(ar, cap * sizeof *seen);
    for (size_t i = 0; i < nu; i++) {
        if (str_starts_ci(u[i], strlen(u[i]), "mailto:")) continue;
        bool ip;
        const char *host = ev_uri_host(c, u[i], &ip);
        if (!host || !*host) continue;
        size_t hl = strlen(host), k = (hash_fnv1a(host, hl) * 2 + ip) & (cap - 1);
        bool dup = false;
        for (; seen[k] && !dup; k = (k + 1) & (cap - 1))
            dup = strcmp(seen[k] + 1, host) == 0 && seen[k][0] == (ip ? '1' : '0');
        if (dup) continue;
        char *e = arena_alloc(ar, hl + 2);
        e[0] = ip ? '1' : '0';
        memcpy(e + 1, host, hl + 1);
        seen[k] = e;
        H->host[i] = host;
        H->ip[i] = ip;
    }
    return H;
}

/* WLBLEval's _check_uri_host_listed for one list: the first host found. */
static const char *uri_host_listed(struct eval_ctx *c, const char *name)
{
    static const char pre[] = "enlist_uri_host:";
    char buf[256];
    const char *listname = prefixed(c, pre, sizeof pre - 1, name, buf, sizeof buf);
    /* once, not per key; a list it gives is not empty, so the list by name
     * (650 instructions a call) is asked for only without one */
    const struct sorted_list *sl = ev_list_sorted(c, listname);
    const char *const *lv;
    if (!sl && !ev_list(c, listname, &lv)) return NULL;
    const struct uri_hosts *H = uri_hosts(c);
    for (size_t i = 0; i < H->n; i++) {
        const char *host = H->host[i];
        if (!host) continue;
        /* host, then each parent domain (at most 10 kept: the tail) */
        const char *keys[64];
        size_t nk = 0;
        if (H->ip[i]) {
            keys[nk++] = host;
        } else {
            for (const char *h = host; h && nk < 64; h = strchr(h, '.') ? strchr(h, '.') + 1 : NULL)
                keys[nk++] = h;
        }
        size_t from = nk > 11 ? nk - 11 : 0;
        for (size_t k = from; k < nk; k++) {
            int verdict = -1;
            char neg[256];
            const char *negkey = prefixed(c, "!", 1, keys[k], neg, sizeof neg);
            if (ev_sorted_contains(c, sl, listname, keys[k]))
                verdict = 1;
            else if (ev_sorted_contains(c, sl, listname, negkey))
                verdict = 0;
            if (verdict < 0) continue;
            if (verdict == 1) return host;
            break;
        }
    }
    return NULL;
}

EV_FN(sa_check_uri_host_listed)
{
    const char *h = uri_host_listed(c, ev_arg(a, n, 0, ""));
    if (h) ev_evidence(c, "URI: %s", h);
    return h != NULL;
}

EV_FN(sa_check_uri_host_in_blocklist)
{
    UNUSED_ARGS;
    return uri_host_listed(c, "BLOCK") != NULL;
}

EV_FN(sa_check_uri_host_in_welcomelist)
{
    UNUSED_ARGS;
    return uri_host_listed(c, "WELCOME") != NULL;
}

static bool subject_in(struct eval_ctx *c, const char *list)
{
    const char *s = ev_gets(c, "Subject");
    if (!*s) return false;
    char *subj = lc_dup(c, s);
    size_t sl = strlen(subj);
    while (sl && subj[sl - 1] == '\n')
        subj[--sl] = 0;
    const char *const *v;
    size_t k = ev_list(c, list, &v);
    for (size_t i = 0; i < k; i++)
        if (v[i] && ev_glob(arena_printf(ev_arena(c), "*%s*", v[i]), subj)) return true;
    return false;
}

EV_FN(sa_check_subject_in_welcomelist)
{
    UNUSED_ARGS;
    return subject_in(c, "welcomelist_subject");
}

EV_FN(sa_check_subject_in_blocklist)
{
    UNUSED_ARGS;
    return subject_in(c, "blocklist_subject");
}

EV_FN(sa_have_any_bounce_relays)
{
    UNUSED_ARGS;
    const char *const *v;
    return ev_list(c, "welcomelist_bounce_relays", &v) > 0;
}

EV_FN(sa_check_welcomelist_bounce_relays)
{
    UNUSED_ARGS;
    if (!sa_have_any_bounce_relays(c, NULL, 0)) return false;
    /* the Received lines quoted in the raw body, continuation lines joined */
    const struct message *m = ev_msg(c);
    const char *b = m->raw + m->hdr.body_offset, *e = m->raw + m->raw_len;
    struct arena_str full = {.a = ev_arena(c)};
    bool found = false;
    const struct ev_re *rc = ev_re("^[> ]*Received:", EV_RE_I);
    const struct ev_re *tok = ev_re("\\s(\\S+\\.\\S+)\\s", 0);
    while (b < e) {
        const char *nl = memchr(b, '\n', (size_t)(e - b));
        size_t l = nl ? (size_t)(nl - b) : (size_t)(e - b);
        if (!found && !ev_re_match(c, rc, b, l, 0, NULL, 0)) {
            b = nl ? nl + 1 : e;
            continue;
        }
        found = true;
        if (l && ch_is_space((unsigned char)b[0])) {
            arena_str_put(&full, b, l);
        } else {
            full = (struct arena_str){.a = ev_arena(c)};
            arena_str_put(&full, b, l);
        }
        if (full.p && ev_re_match(c, rc, full.p, full.len, 0, NULL, 0)) {
            size_t start = 0, ov[4];
            while (ev_re_match(c, tok, full.p, full.len, start, ov, 2)) {
                char *h = lc_dup(c, arena_strndup(ev_arena(c), full.p + ov[2], ov[3] - ov[2]));
                if (ev_addr_in_list(c, "welcomelist_bounce_relays", h)) return true;
                start = ov[3];
            }
        }
        b = nl ? nl + 1 : e;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* TextCat, DecodeShortURLs */

EV_FN(sa_check_language)
{
    UNUSED_ARGS;
    return false; /* language detection is not implemented */
}

EV_FN(sa_short_url)
{
    UNUSED_ARGS;
    const char *const *u;
    size_t nu = ev_uris(c, &u);
    for (size_t i = 0; i < nu; i++) {
        bool ip;
        const char *h = ev_uri_host(c, u[i], &ip);
        if (h && !ip && ev_domain_in_list(c, "url_shortener", NULL, h)) {
            ev_evidence(c, "%s", h);
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* DKIM (verdicts from ctx->auth) */

/* A signature as SpamAssassin's DKIM plugin sees it through Mail::DKIM:
 * valid = the bytes verified and it has not expired (rsa-sha1 and short
 * keys verify in Mail::DKIM; SpamAssassin weighs key size itself). */
struct sa_sig {
    const char *sdid; /* i= domain, else d=, lowercased; NULL when neither */
    bool has_selector, valid;
    int key_bits;
};

static size_t sa_sigs(struct eval_ctx *c, struct sa_sig **out)
{
    const struct verify_result *v = c->auth;
    *out = NULL;
    if (!v || !(v->ran & VERIFY_DKIM)) return 0;
    struct sa_sig *s = arena_zalloc(ev_arena(c), (v->n_dkim + 1) * sizeof *s);
    for (size_t i = 0; i < v->n_dkim; i++) {
        const struct dkim_result *d = &v->dkim[i];
        const char *dom = NULL;
        if (d->auid && strchr(d->auid, '@')) dom = strrchr(d->auid, '@') + 1;
        if (!dom || !*dom) dom = d->domain;
        s[i].sdid = dom ? lc_dup(c, dom) : NULL;
        s[i].has_selector = d->selector && *d->selector;
        s[i].valid = d->crypto_ok && d->reason != DKIM_R_EXPIRED && d->reason != DKIM_R_FUTURE;
        s[i].key_bits = d->key_bits;
    }
    *out = s;
    return v->n_dkim;
}

static bool dkim_valid_any(const struct sa_sig *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i].has_selector && s[i].valid) return true;
    return false;
}

/* The From domains (lowercased). */
static size_t author_domains(struct eval_ctx *c, const char ***out)
{
    const char *const *v;
    size_t k = ev_addrs(c, "From", &v);
    const char **d = arena_alloc(ev_arena(c), (k + 1) * sizeof *d);
    size_t n = 0;
    for (size_t i = 0; i < k; i++) {
        const char *at = strrchr(v[i], '@');
        if (!at || !at[1]) continue;
        char *dom = lc_dup(c, at + 1);
        size_t l = strlen(dom);
        while (l && (dom[l - 1] == ' ' || dom[l - 1] == '\t'))
            dom[--l] = 0;
        d[n++] = dom;
    }
    *out = d;
    return n;
}

static bool in_authors(const char *const *d, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (strcmp(d[i], s) == 0) return true;
    return false;
}

/* _check_dkim_signed_by */
static bool signed_by(struct eval_ctx *c, bool must_valid, bool must_author,
                      const char *const *doms, int n_doms)
{
    struct sa_sig *s;
    size_t n = sa_sigs(c, &s);
    const char **authors;
    size_t na = author_domains(c, &authors);
    for (size_t i = 0; i < n; i++) {
        if (must_valid && (!s[i].valid || (s[i].key_bits && s[i].key_bits < 1024))) continue;
        if (!s[i].sdid) continue;
        if (must_author && !in_authors(authors, na, s[i].sdid)) continue;
        if (n_doms == 0) return true;
        for (int k = 0; k < n_doms; k++) {
            const char *ad = doms[k];
            if (!ad) continue;
            const char *sub = NULL;
            if (ad[0] == '.')
                sub = ad + 1;
            else if (ad[0] == '*' && ad[1] == '.')
                sub = ad + 2;
            if (sub) {
                size_t sl = strlen(s[i].sdid), dl = strlen(sub);
                if (strcasecmp(s[i].sdid, sub) == 0 || (sl > dl && s[i].sdid[sl - dl - 1] == '.' &&
                                                        strcasecmp(s[i].sdid + sl - dl, sub) == 0))
                    return true;
            } else if (strcasecmp(s[i].sdid, ad) == 0) {
                return true;
            }
        }
    }
    return false;
}

EV_FN(sa_check_dkim_signed)
{
    struct sa_sig *s;
    if (!sa_sigs(c, &s)) return false;
    return n == 0 || signed_by(c, false, false, a, n);
}

EV_FN(sa_check_dkim_valid)
{
    struct sa_sig *s;
    size_t k = sa_sigs(c, &s);
    if (!dkim_valid_any(s, k)) return false;
    return n == 0 || signed_by(c, true, false, a, n);
}

EV_FN(sa_check_dkim_valid_author_sig)
{
    struct sa_sig *s;
    size_t k = sa_sigs(c, &s);
    const char **authors;
    size_t na = author_domains(c, &authors);
    bool any = false;
    for (size_t i = 0; i < k && !any; i++)
        any = s[i].has_selector && s[i].valid && s[i].key_bits >= 1024 &&
              in_authors(authors, na, s[i].sdid);
    if (!any) return false;
    return signed_by(c, true, true, a, n);
}

EV_FN(sa_check_dkim_valid_envelopefrom)
{
    UNUSED_ARGS;
    const char *e = ev_envelope_from(c);
    const char *at = e ? strchr(e, '@') : NULL;
    if (!at || !at[1]) return false;
    struct sa_sig *s;
    size_t k = sa_sigs(c, &s);
    if (!dkim_valid_any(s, k)) return false;
    const char *d = lc_dup(c, at + 1);
    return signed_by(c, true, false, &d, 1);
}

EV_FN(sa_check_dkim_dependable)
{
    UNUSED_ARGS;
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_DKIM)) return false;
    /* verdicts on a truncated message are not dependable when it has signatures */
    return v->n_dkim == 0 || !anom_has(&ev_msg(c)->an, ANOM_MSG_TRUNCATED);
}

EV_FN(sa_check_dkim_testing)
{
    UNUSED_ARGS;
    return false; /* never set in SpamAssassin 4.0.1 */
}

EV_FN(sa_check_dkim_signsome)
{
    UNUSED_ARGS;
    return false;
}

EV_FN(sa_check_arc_signed)
{
    (void)a;
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_ARC) || v->arc.n_sets == 0) return false;
    return n == 0;
}

EV_FN(sa_check_arc_valid)
{
    (void)a;
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_ARC) || n != 0) return false;
    for (int i = 0; i < v->arc.n_sets; i++)
        if (v->arc.sets[i].ams_code == AUTH_PASS || v->arc.sets[i].as_code == AUTH_PASS)
            return true;
    return false;
}

/* DKIM's welcomelist check over the lists `from_dkim` ("ADDRGLOB [SDID]")
 * and `auth` ("ADDRGLOB": author domain signature). */
static bool dkim_wl(struct eval_ctx *c, const char *from_dkim, const char *auth)
{
    struct sa_sig *s;
    size_t k = sa_sigs(c, &s);
    if (!dkim_valid_any(s, k)) return false;
    const char *const *fv;
    size_t nf = ev_addrs(c, "From", &fv);
    for (size_t f = 0; f < nf; f++) {
        const char *author = lc_dup(c, fv[f]);
        const char *at = strrchr(author, '@');
        const char *adom = at ? at + 1 : "";
        for (int li = 0; li < 2; li++) {
            const char *const *lv;
            size_t ln = ev_list(c, li ? auth : from_dkim, &lv);
            for (size_t j = 0; j < ln; j++) {
                if (!lv[j]) continue;
                char *e = arena_strdup(ev_arena(c), lv[j]);
                char *sp = strpbrk(e, " \t");
                const char *want = "";
                if (sp) {
                    *sp = 0;
                    want = sp + 1;
                    while (*want == ' ' || *want == '\t')
                        want++;
                }
                if (li) want = "";
                if (!ev_glob(e, author)) continue;
                const char *wa = strrchr(want, '@');
                if (wa) want = wa + 1;
                for (size_t i = 0; i < k; i++) {
                    if (!s[i].has_selector || !s[i].sdid) continue;
                    bool match;
                    if (!*want) {
                        match = strcmp(s[i].sdid, adom) == 0;
                    } else if (want[0] == '.' || (want[0] == '*' && want[1] == '.')) {
                        const char *d = want[0] == '.' ? want + 1 : want + 2;
                        size_t sl = strlen(s[i].sdid), dl = strlen(d);
                        match = sl > dl && s[i].sdid[sl - dl - 1] == '.' &&
                                strcasecmp(s[i].sdid + sl - dl, d) == 0;
                    } else {
                        match = strcasecmp(s[i].sdid, want) == 0;
                    }
                    if (match && s[i].valid && !(s[i].key_bits && s[i].key_bits < 1024)) {
                        ev_evidence(c, "%s signed by %s", author, s[i].sdid);
                        return true;
                    }
                }
            }
        }
    }
    return false;
}

EV_FN(sa_check_for_dkim_welcomelist_from)
{
    UNUSED_ARGS;
    return dkim_wl(c, "welcomelist_from_dkim", "welcomelist_auth");
}

EV_FN(sa_check_for_def_dkim_welcomelist_from)
{
    UNUSED_ARGS;
    return dkim_wl(c, "def_welcomelist_from_dkim", "def_welcomelist_auth");
}

/* ---------------------------------------------------------------------- */
/* SPF */

static bool spf_is(struct eval_ctx *c, bool helo, enum auth_result want)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_SPF)) return false;
    const struct spf_summary *s = helo ? &v->spf_helo : &v->spf_mailfrom;
    return s->ran && s->result == want;
}

#define SPF_FN(name, helo, res)                                                                    \
    EV_FN(sa_##name)                                                                               \
    {                                                                                              \
        UNUSED_ARGS;                                                                               \
        return spf_is(c, helo, res);                                                               \
    }
SPF_FN(check_for_spf_pass, false, AUTH_PASS)
SPF_FN(check_for_spf_neutral, false, AUTH_NEUTRAL)
SPF_FN(check_for_spf_none, false, AUTH_NONE)
SPF_FN(check_for_spf_fail, false, AUTH_FAIL)
SPF_FN(check_for_spf_softfail, false, AUTH_SOFTFAIL)
SPF_FN(check_for_spf_permerror, false, AUTH_PERMERROR)
SPF_FN(check_for_spf_temperror, false, AUTH_TEMPERROR)
SPF_FN(check_for_spf_helo_pass, true, AUTH_PASS)
SPF_FN(check_for_spf_helo_neutral, true, AUTH_NEUTRAL)
SPF_FN(check_for_spf_helo_none, true, AUTH_NONE)
SPF_FN(check_for_spf_helo_fail, true, AUTH_FAIL)
SPF_FN(check_for_spf_helo_softfail, true, AUTH_SOFTFAIL)
SPF_FN(check_for_spf_helo_permerror, true, AUTH_PERMERROR)
SPF_FN(check_for_spf_helo_temperror, true, AUTH_TEMPERROR)
#undef SPF_FN

EV_FN(sa_check_spf_skipped_noenvfrom)
{
    UNUSED_ARGS;
    const struct verify_result *v = c->auth;
    return v && (v->ran & VERIFY_SPF) && v->env.mail_from == NULL;
}

static bool spf_wl(struct eval_ctx *c, const char *l1, const char *l2)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_SPF) || !v->env.mail_from || !*v->env.mail_from) return false;
    if (!spf_is(c, false, AUTH_PASS)) return false;
    const char *sender = lc_dup(c, v->env.mail_from);
    return ev_addr_in_list(c, l1, sender) || ev_addr_in_list(c, l2, sender);
}

EV_FN(sa_check_for_spf_welcomelist_from)
{
    UNUSED_ARGS;
    return spf_wl(c, "welcomelist_from_spf", "welcomelist_auth");
}

EV_FN(sa_check_for_def_spf_welcomelist_from)
{
    UNUSED_ARGS;
    return spf_wl(c, "def_welcomelist_from_spf", "def_welcomelist_auth");
}

/* ---------------------------------------------------------------------- */
/* DMARC */

static const struct dmarc_result *dmarc(struct eval_ctx *c)
{
    const struct verify_result *v = c->auth;
    if (!v || !(v->ran & VERIFY_DMARC) || !v->dmarc.from_domain) return NULL;
    return &v->dmarc;
}

EV_FN(sa_check_dmarc_pass)
{
    UNUSED_ARGS;
    const struct dmarc_result *d = dmarc(c);
    return d && d->result == AUTH_PASS && d->record;
}

static bool dmarc_fail_with(struct eval_ctx *c, const char *disp)
{
    const struct dmarc_result *d = dmarc(c);
    return d && d->result == AUTH_FAIL && d->disposition && strcmp(d->disposition, disp) == 0;
}

EV_FN(sa_check_dmarc_reject)
{
    UNUSED_ARGS;
    return dmarc_fail_with(c, "reject");
}

EV_FN(sa_check_dmarc_quarantine)
{
    UNUSED_ARGS;
    return dmarc_fail_with(c, "quarantine");
}

EV_FN(sa_check_dmarc_none)
{
    UNUSED_ARGS;
    return dmarc_fail_with(c, "none");
}

EV_FN(sa_check_dmarc_missing)
{
    UNUSED_ARGS;
    const struct dmarc_result *d = dmarc(c);
    return d && d->result == AUTH_NONE && !d->record;
}
