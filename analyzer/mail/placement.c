/* placement — inbox or spam, from the strongest evidence (see placement.h).
 *
 * Order: Gmail labels, then the folder, then verdict headers. The first
 * source that decides wins; a weaker source is not consulted.
 *  1. Labels: the gmail_labels argument, or the message's own X-Gmail-Labels
 *     when the argument is NULL. Comma-separated, "quoted" labels allowed.
 *     "Spam" -> spam (wins over everything); "Inbox" -> inbox, whatever
 *     category labels come with it ("Category Promotions" + "Inbox" is the
 *     Promotions tab, which is still the inbox). Labels without Spam or
 *     Inbox (archived, Trash, Sent) do not decide.
 *  2. Folder (case-insensitive, after dropping a leading '.', "INBOX." /
 *     "INBOX/" and "[Gmail]/" / "[Google Mail]/"): Junk, Junk E-mail,
 *     Junk Email, Junk Mail, Junk-E-Mail, Spam, Spamverdacht, Bulk, Bulk Mail
 *     -> spam; INBOX -> inbox. Other folders (Sent, Archive, Trash, Takeout's
 *     "All mail Including Spam and Trash") do not decide.
 *  3. Verdict headers, read from the top of the header block down: the
 *     topmost header that gives a verdict decides, because the topmost one
 *     was written by the last receiver (an upstream relay's "No" must not
 *     override the mailbox provider's "Yes", nor the other way round).
 *       X-Spam-Flag: YES/NO; X-Spam-Status: Yes,/No, (or score= vs
 *       required= when neither); X-Spam: Yes/No (rspamd);
 *       X-hMailServer-Spam: YES (its absence says nothing);
 *       X-MS-Exchange-Organization-SCL: >= 5 spam, -1..4 inbox;
 *       X-Forefront-Antispam-Report: SFV:SPM/SKS/SKB/BLK spam,
 *         SFV:NSPM/SKN/SKA/SKI/SFE/SKQ inbox, else its SCL: as above;
 *       X-Microsoft-Antispam-Mailbox-Delivery: dest:J spam, dest:I inbox;
 *       X-Spam-Score: against required= of X-Spam-Status.
 *     A "not spam" header therefore yields inbox only when neither labels nor
 *     folder decided. X-Microsoft-Antispam BCL >= 7 (bulk; Microsoft's
 *     default bulk threshold) is weak: spam only when no header gave a verdict.
 * Evidence strings: "gmail-label:Spam", "folder:<as given>",
 * "header:<Field>=<token>"; NULL when unknown. */
#include "mail/placement.h"

#include <stdbool.h>
#include <string.h>

enum verdict { V_NONE, V_SPAM, V_HAM, V_WEAK_SPAM };

const char *placement_name(enum placement p)
{
    switch (p) {
    case PLACEMENT_INBOX:
        return "inbox";
    case PLACEMENT_SPAM:
        return "spam";
    case PLACEMENT_UNKNOWN:
        break;
    }
    return "unknown";
}

static const char *const spam_folders[] = {
    "Junk", "Junk E-mail",  "Junk Email", "Junk Mail", "Junk-E-Mail",
    "Spam", "Spamverdacht", "Bulk",       "Bulk Mail", NULL,
};

/* ---- labels ---- */

static enum verdict labels_verdict(const char *p, size_t len)
{
    bool inbox = false;
    size_t i = 0;
    while (i < len) {
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == ','))
            i++;
        size_t start = i, end;
        if (i < len && p[i] == '"') {
            start = ++i;
            while (i < len && p[i] != '"')
                i++;
            end = i;
            while (i < len && p[i] != ',')
                i++;
        } else {
            while (i < len && p[i] != ',')
                i++;
            end = i;
        }
        struct slice l = str_trim(p + start, end - start);
        if (str_eq_ci(l.p, l.len, "Spam")) return V_SPAM;
        if (str_eq_ci(l.p, l.len, "Inbox")) inbox = true;
    }
    return inbox ? V_HAM : V_NONE;
}

/* ---- folder ---- */

static enum verdict folder_verdict(const char *folder)
{
    struct slice f = str_trim(folder, strlen(folder));
    if (f.len > 1 && f.p[0] == '.') {
        f.p++;
        f.len--;
    }
    static const char *const prefixes[] = {"INBOX.", "INBOX/", "[Gmail]/", "[Google Mail]/", NULL};
    for (size_t i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (f.len > n && str_starts_ci(f.p, f.len, prefixes[i])) {
            f.p += n;
            f.len -= n;
            break;
        }
    }
    if (str_eq_ci(f.p, f.len, "INBOX")) return V_HAM;
    for (size_t i = 0; spam_folders[i]; i++)
        if (str_eq_ci(f.p, f.len, spam_folders[i])) return V_SPAM;
    return V_NONE;
}

/* ---- headers ---- */

/* Decimal number with optional sign and fraction at p; false if none. */
static bool parse_num(const char *p, size_t len, double *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < len && (p[i] == '-' || p[i] == '+')) neg = p[i++] == '-';
    double v = 0;
    size_t digits = 0;
    while (i < len && ch_is_digit((unsigned char)p[i]) && digits < 12) {
        v = v * 10 + (p[i++] - '0');
        digits++;
    }
    if (i < len && p[i] == '.') {
        double scale = 0.1;
        i++;
        while (i < len && ch_is_digit((unsigned char)p[i]) && digits < 24) {
            v += (p[i++] - '0') * scale;
            scale /= 10;
            digits++;
        }
    }
    if (digits == 0) return false;
    *out = neg ? -v : v;
    return true;
}

/* The number after key (e.g. "score=") in (p,len), when key starts the text
 * or follows a separator. */
static bool num_after(const char *p, size_t len, const char *key, double *out)
{
    size_t n = strlen(key);
    for (size_t i = 0; i + n <= len; i++) {
        if ((i == 0 || !ch_is_alnum((unsigned char)p[i - 1])) && str_eq_ci(p + i, n, key))
            return parse_num(p + i + n, len - i - n, out);
    }
    return false;
}

static bool starts_word_ci(const char *p, size_t len, const char *w)
{
    size_t n = strlen(w);
    return str_starts_ci(p, len, w) && (len == n || !ch_is_alnum((unsigned char)p[n]));
}

struct check_ctx {
    arena *a;
    const struct hdr_block *h;
    const char **evidence;
};

static enum verdict say(const struct check_ctx *c, enum verdict v, const char *ev)
{
    *c->evidence = ev;
    return v;
}

static enum verdict yes_no(const struct check_ctx *c, const char *v, size_t len,
                           const char *spam_ev, const char *ham_ev)
{
    if (starts_word_ci(v, len, "yes")) return say(c, V_SPAM, spam_ev);
    if (ham_ev && starts_word_ci(v, len, "no")) return say(c, V_HAM, ham_ev);
    return V_NONE;
}

static enum verdict chk_spam_flag(const struct check_ctx *c, const char *v, size_t len)
{
    return yes_no(c, v, len, "header:X-Spam-Flag=YES", "header:X-Spam-Flag=NO");
}

static enum verdict chk_x_spam(const struct check_ctx *c, const char *v, size_t len)
{
    return yes_no(c, v, len, "header:X-Spam=Yes", "header:X-Spam=No");
}

static enum verdict chk_hmail(const struct check_ctx *c, const char *v, size_t len)
{
    return yes_no(c, v, len, "header:X-hMailServer-Spam=YES", NULL);
}

static enum verdict score_vs_required(const struct check_ctx *c, double score, double req,
                                      const char *field)
{
    enum verdict v = score >= req ? V_SPAM : V_HAM;
    *c->evidence =
        arena_printf(c->a, "header:%s=%.1f%s%.1f", field, score, v == V_SPAM ? ">=" : "<", req);
    return v;
}

static enum verdict chk_spam_status(const struct check_ctx *c, const char *v, size_t len)
{
    enum verdict r = yes_no(c, v, len, "header:X-Spam-Status=Yes", "header:X-Spam-Status=No");
    if (r != V_NONE) return r;
    double score, req;
    if ((num_after(v, len, "score=", &score) || num_after(v, len, "hits=", &score)) &&
        num_after(v, len, "required=", &req))
        return score_vs_required(c, score, req, "X-Spam-Status");
    return V_NONE;
}

static enum verdict chk_spam_score(const struct check_ctx *c, const char *v, size_t len)
{
    double score, req;
    if (!parse_num(v, len, &score)) return V_NONE;
    const struct hdr_field *st = hdr_get(c->h, "X-Spam-Status", 0);
    if (!st) return V_NONE;
    size_t sl;
    const char *s = hdr_unfold(c->a, st->value, &sl);
    if (!num_after(s, sl, "required=", &req)) return V_NONE;
    return score_vs_required(c, score, req, "X-Spam-Score");
}

static enum verdict scl_verdict(const struct check_ctx *c, double scl, const char *field)
{
    if (scl < -1 || scl > 9) return V_NONE;
    int n = (int)scl;
    *c->evidence = arena_printf(c->a, "header:%s%d", field, n);
    return n >= 5 ? V_SPAM : V_HAM;
}

static enum verdict chk_scl(const struct check_ctx *c, const char *v, size_t len)
{
    double scl;
    if (!parse_num(v, len, &scl)) return V_NONE;
    return scl_verdict(c, scl, "X-MS-Exchange-Organization-SCL=");
}

/* The value of "KEY:" among ';'-separated items (Microsoft's reports). */
static struct slice item_value(const char *p, size_t len, const char *key)
{
    size_t n = strlen(key);
    size_t i = 0;
    while (i < len) {
        const char *semi = memchr(p + i, ';', len - i);
        size_t end = semi ? (size_t)(semi - p) : len;
        struct slice it = str_trim(p + i, end - i);
        if (it.len >= n && str_starts_ci(it.p, it.len, key)) return str_trim(it.p + n, it.len - n);
        i = end + 1;
    }
    return (struct slice){NULL, 0};
}

static enum verdict chk_forefront(const struct check_ctx *c, const char *v, size_t len)
{
    static const struct {
        const char *sfv;
        enum verdict v;
        const char *ev;
    } sfv[] = {
        {"SPM", V_SPAM, "header:X-Forefront-Antispam-Report=SFV:SPM"},
        {"SKS", V_SPAM, "header:X-Forefront-Antispam-Report=SFV:SKS"},
        {"SKB", V_SPAM, "header:X-Forefront-Antispam-Report=SFV:SKB"},
        {"BLK", V_SPAM, "header:X-Forefront-Antispam-Report=SFV:BLK"},
        {"NSPM", V_HAM, "header:X-Forefront-Antispam-Report=SFV:NSPM"},
        {"SKN", V_HAM, "header:X-Forefront-Antispam-Report=SFV:SKN"},
        {"SKA", V_HAM, "header:X-Forefront-Antispam-Report=SFV:SKA"},
        {"SKI", V_HAM, "header:X-Forefront-Antispam-Report=SFV:SKI"},
        {"SFE", V_HAM, "header:X-Forefront-Antispam-Report=SFV:SFE"},
        {"SKQ", V_HAM, "header:X-Forefront-Antispam-Report=SFV:SKQ"},
    };
    struct slice s = item_value(v, len, "SFV:");
    for (size_t i = 0; s.p && i < sizeof sfv / sizeof sfv[0]; i++)
        if (str_eq_ci(s.p, s.len, sfv[i].sfv)) return say(c, sfv[i].v, sfv[i].ev);
    struct slice scl = item_value(v, len, "SCL:");
    double n;
    if (scl.p && parse_num(scl.p, scl.len, &n))
        return scl_verdict(c, n, "X-Forefront-Antispam-Report=SCL:");
    return V_NONE;
}

static enum verdict chk_mailbox_delivery(const struct check_ctx *c, const char *v, size_t len)
{
    struct slice d = item_value(v, len, "dest:");
    if (str_eq_ci(d.p, d.len, "J"))
        return say(c, V_SPAM, "header:X-Microsoft-Antispam-Mailbox-Delivery=dest:J");
    if (str_eq_ci(d.p, d.len, "I"))
        return say(c, V_HAM, "header:X-Microsoft-Antispam-Mailbox-Delivery=dest:I");
    return V_NONE;
}

static enum verdict chk_bcl(const struct check_ctx *c, const char *v, size_t len)
{
    struct slice b = item_value(v, len, "BCL:");
    double n;
    if (!b.p || !parse_num(b.p, b.len, &n) || n < 7 || n > 9) return V_NONE;
    *c->evidence = arena_printf(c->a, "header:X-Microsoft-Antispam=BCL:%d", (int)n);
    return V_WEAK_SPAM;
}

static const struct {
    const char *name;
    enum verdict (*check)(const struct check_ctx *c, const char *v, size_t len);
} header_checks[] = {
    {"X-Spam-Flag", chk_spam_flag},
    {"X-Spam-Status", chk_spam_status},
    {"X-Spam", chk_x_spam},
    {"X-hMailServer-Spam", chk_hmail},
    {"X-MS-Exchange-Organization-SCL", chk_scl},
    {"X-Forefront-Antispam-Report", chk_forefront},
    {"X-Microsoft-Antispam-Mailbox-Delivery", chk_mailbox_delivery},
    {"X-Microsoft-Antispam", chk_bcl},
    {"X-Spam-Score", chk_spam_score},
};

static enum verdict headers_verdict(arena *a, const struct hdr_block *h, const char **evidence)
{
    const char *weak_ev = NULL;
    for (size_t i = 0; i < h->n; i++) {
        const struct hdr_field *f = &h->f[i];
        for (size_t k = 0; k < sizeof header_checks / sizeof header_checks[0]; k++) {
            if (!str_eq_ci(f->name.p, f->name.len, header_checks[k].name)) continue;
            size_t len;
            const char *v = hdr_unfold(a, f->value, &len);
            const char *ev = NULL;
            struct check_ctx c = {a, h, &ev};
            enum verdict r = header_checks[k].check(&c, v, len);
            if (r == V_SPAM || r == V_HAM) {
                *evidence = ev;
                return r;
            }
            if (r == V_WEAK_SPAM && !weak_ev) weak_ev = ev;
            break;
        }
    }
    if (weak_ev) {
        *evidence = weak_ev;
        return V_SPAM;
    }
    return V_NONE;
}

static enum placement to_placement(enum verdict v)
{
    return v == V_SPAM || v == V_WEAK_SPAM ? PLACEMENT_SPAM
           : v == V_HAM                    ? PLACEMENT_INBOX
                                           : PLACEMENT_UNKNOWN;
}

enum placement placement_decide(arena *a, const struct hdr_block *h, const char *folder,
                                const char *gmail_labels, const char **evidence)
{
    const char *ev_dummy;
    if (!evidence) evidence = &ev_dummy;
    *evidence = NULL;

    const char *labels = gmail_labels;
    size_t labels_len = labels ? strlen(labels) : 0;
    if (!labels && h) {
        const struct hdr_field *f = hdr_get(h, "X-Gmail-Labels", 0);
        if (f) labels = hdr_unfold(a, f->value, &labels_len);
    }
    if (labels) {
        enum verdict v = labels_verdict(labels, labels_len);
        if (v == V_SPAM) {
            *evidence = "gmail-label:Spam";
            return PLACEMENT_SPAM;
        }
        if (v == V_HAM) {
            *evidence = "gmail-label:Inbox";
            return PLACEMENT_INBOX;
        }
    }
    if (folder) {
        enum verdict v = folder_verdict(folder);
        if (v != V_NONE) {
            *evidence = arena_printf(a, "folder:%.200s", folder);
            return to_placement(v);
        }
    }
    if (h) {
        enum verdict v = headers_verdict(a, h, evidence);
        if (v != V_NONE) return to_placement(v);
        *evidence = NULL;
    }
    return PLACEMENT_UNKNOWN;
}
