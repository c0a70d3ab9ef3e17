/* detect — input format from content, mailbox context from the path (see
 * detect.h). Pure functions: no filesystem access; paths are split into
 * components on '/' and on '\\' (names copied off Windows keep backslashes).
 *
 * Format decisions:
 *  - A UTF-8 byte-order mark is skipped before looking (Windows editors save
 *    .eml files with one); the message parser still sees the BOM.
 *  - SRC_MESSAGE (never for a first line starting with '#' or a digit, the
 *    shapes of W3C/Exchange and RFC 3339 syslog logs): the first line is a header field ("Name:", field name of
 *    printable ASCII, WSP before the colon tolerated) and either the name is
 *    a well-known trace/originator field (Received, Return-Path, From, ...)
 *    or the second line is a header field or a continuation too (or there is
 *    no second line in the head). Log lines ("2025-04-01 10:00:00 ...",
 *    "Apr  1 host postfix/smtpd[1]: ...") and binary data fail this.
 *
 * Context decisions (first match wins):
 *  1. content is mbox: CONT_MBOX, folder = file name minus ".gz", then minus
 *     ".mbox"/".mbx" (Spam.mbox.gz -> "Spam"; Takeout's "All mail Including
 *     Spam and Trash.mbox" -> "All mail Including Spam and Trash", which
 *     placement does not read as spam: labels decide there).
 *  2. file name "{8-4-4-4-12 hex}.eml" (any case): hMailServer. Parent named
 *     after the GUID's first two hex digits: "#Public" above it ->
 *     CONT_HMAIL_PUBLIC (folder "#Public"), else CONT_HMAIL_ACCOUNT with
 *     account and domain from the two components above (when present; the
 *     IMAP folder is in hMailServer's database, so folder stays NULL).
 *     Otherwise CONT_HMAIL_QUEUE.
 *  3. parent "cur" or "new": CONT_MAILDIR. Folder: ".Name" -> "Name"
 *     (Maildir++; a leading "INBOX." is dropped too, ".INBOX.Spam" -> "Spam",
 *     as Courier's namespace prefix says nothing); a non-dot directory with a
 *     well-known folder name (Dovecot LAYOUT=fs "Junk/cur") -> that name;
 *     anything else is the Maildir root -> "INBOX". Flags: the letters after
 *     the last ":2," -- or "!2,", ";2,", "%3A2," or U+F03A "2," (what copies
 *     through Windows/SMB make of the colon). "" when the info part is
 *     present but empty; NULL when absent.
 *  4. otherwise CONT_FILE; folder = the parent directory's name when it is a
 *     well-known mail folder name (Inbox, Junk, Junk E-mail, Spam, Bulk, Sent,
 *     Trash, ...; case-insensitive; returned as written), else NULL. */
#include "sources/detect.h"

#include <string.h>

#include "sources/mbox.h"
#include "util/str.h"

#define DETECT_MAX_COMPONENTS 8 /* only the last few path components matter */

/* Fields that start real messages, or are at least unmistakably mail. */
static const char *const known_first_fields[] = {
    "Received",
    "Return-Path",
    "From",
    "Date",
    "Message-ID",
    "To",
    "Subject",
    "Delivered-To",
    "X-Received",
    "DKIM-Signature",
    "ARC-Seal",
    "MIME-Version",
    "Sender",
    "Reply-To",
    "X-Envelope-From",
    "Authentication-Results",
    "X-Original-To",
    "X-Mozilla-Status",
    "X-Gmail-Labels",
    "X-GM-THRID",
    "Content-Type",
    "X-Apparently-To",
    "X-Sender",
    "X-Receiver",
    "Envelope-to",
    "X-Account-Key",
    "Status",
    "X-UIDL",
    NULL,
};

/* Folder names that say something about a copy's placement or role. */
static const char *const mail_folder_names[] = {
    "Inbox",         "Junk",        "Junk E-mail",   "Junk Email",
    "Junk Mail",     "Junk-E-Mail", "Spam",          "Bulk",
    "Bulk Mail",     "Sent",        "Sent Items",    "Sent Mail",
    "Sent Messages", "Trash",       "Deleted Items", "Deleted Messages",
    "Drafts",        "Archive",     "Archives",      "Outbox",
    "Quarantine",    NULL,
};

const char *detect_format_name(enum src_format f)
{
    switch (f) {
    case SRC_EMPTY:
        return "empty";
    case SRC_MESSAGE:
        return "message";
    case SRC_MBOX:
        return "mbox";
    case SRC_LOG:
        return "log";
    case SRC_UNKNOWN:
        break;
    }
    return "unknown";
}

const char *detect_container_name(enum src_container c)
{
    switch (c) {
    case CONT_FILE:
        return "file";
    case CONT_MAILDIR:
        return "maildir";
    case CONT_HMAIL_ACCOUNT:
        return "hmailserver-account";
    case CONT_HMAIL_PUBLIC:
        return "hmailserver-public";
    case CONT_HMAIL_QUEUE:
        return "hmailserver-queue";
    case CONT_MBOX:
        return "mbox";
    }
    return "file";
}

/* Length of the field name at p when the line is "Name:" (WSP allowed before
 * the colon), else 0. *colon is set to the colon's index. */
static size_t field_name_len(const char *p, size_t len, size_t *colon)
{
    size_t n = 0;
    while (n < len && p[n] != ':' && (unsigned char)p[n] > 32 && (unsigned char)p[n] < 127)
        n++;
    size_t i = n;
    while (i < len && ch_is_wsp((unsigned char)p[i]))
        i++;
    if (n == 0 || i >= len || p[i] != ':') return 0;
    *colon = i;
    return n;
}

static bool name_in(const char *p, size_t len, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (str_eq_ci(p, len, list[i])) return true;
    return false;
}

enum src_format detect_format(const char *head, size_t len)
{
    if (len == 0) return SRC_EMPTY;
    if (mbox_looks_like(head, len)) return SRC_MBOX;
    if (len >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0) {
        head += 3;
        len -= 3;
        if (len == 0) return SRC_EMPTY; /* a byte-order mark and nothing else */
    }
    /* '#' may start a field name by RFC 5322's letter, but no mail header
     * does, while W3C/IIS and Exchange logs start "#Software:" */
    if (head[0] == '#') return SRC_UNKNOWN;
    /* likewise a digit: "2025-04-01T10:00:00+02:00 host postfix/smtpd[1]: ..."
     * (RFC 3339 syslog) would otherwise read as a field named "2025-04-01T10" */
    if (ch_is_digit((unsigned char)head[0])) return SRC_UNKNOWN;
    size_t colon;
    size_t n = field_name_len(head, len, &colon);
    if (n == 0) return SRC_UNKNOWN;
    if (name_in(head, n, known_first_fields)) return SRC_MESSAGE;
    /* An unknown field name: the next line must continue the header. */
    const char *nl = memchr(head + colon, '\n', len - colon);
    if (!nl || (size_t)(nl - head) + 1 == len) return SRC_MESSAGE;
    size_t i = (size_t)(nl - head) + 1;
    if (ch_is_wsp((unsigned char)head[i])) return SRC_MESSAGE;
    const char *nl2 = memchr(head + i, '\n', len - i);
    size_t line2 = nl2 ? (size_t)(nl2 - head) - i : len - i;
    size_t colon2;
    if (field_name_len(head + i, line2, &colon2) > 0) return SRC_MESSAGE;
    /* cut inside the second field name */
    if (!nl2) {
        size_t k = i;
        while (k < len && (unsigned char)head[k] > 32 && (unsigned char)head[k] < 127 &&
               head[k] != ':')
            k++;
        if (k == len) return SRC_MESSAGE;
    }
    return SRC_UNKNOWN;
}

struct comps {
    struct slice c[DETECT_MAX_COMPONENTS]; /* the last n components, c[n-1] = file name */
    size_t n;
};

static void split_path(const char *path, struct comps *out)
{
    out->n = 0;
    size_t len = strlen(path);
    size_t end = len;
    /* Walk backwards collecting the last components. */
    while (end > 0 && out->n < DETECT_MAX_COMPONENTS) {
        size_t start = end;
        while (start > 0 && path[start - 1] != '/' && path[start - 1] != '\\')
            start--;
        size_t clen = end - start;
        if (clen > 0 && !(clen == 1 && path[start] == '.'))
            out->c[out->n++] = (struct slice){path + start, clen};
        end = start > 0 ? start - 1 : 0;
    }
    /* reverse to natural order */
    for (size_t i = 0; i < out->n / 2; i++) {
        struct slice t = out->c[i];
        out->c[i] = out->c[out->n - 1 - i];
        out->c[out->n - 1 - i] = t;
    }
}

static bool hex_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ch_is_xdigit((unsigned char)p[i])) return false;
    return true;
}

/* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}.eml", case-insensitive. */
static bool is_guid_eml(struct slice s)
{
    if (s.len != 42 || s.p[0] != '{' || s.p[37] != '}' || !str_eq_ci(s.p + 38, 4, ".eml"))
        return false;
    static const size_t groups[][2] = {{1, 8}, {10, 4}, {15, 4}, {20, 4}, {25, 12}};
    for (size_t i = 0; i < 5; i++)
        if (!hex_run(s.p + groups[i][0], groups[i][1])) return false;
    return s.p[9] == '-' && s.p[14] == '-' && s.p[19] == '-' && s.p[24] == '-';
}

static bool ends_ci(struct slice s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.len > n && str_eq_ci(s.p + s.len - n, n, suffix);
}

static const char *mbox_folder(arena *a, struct slice name)
{
    struct slice s = name;
    if (ends_ci(s, ".gz")) s.len -= 3;
    if (ends_ci(s, ".mbox"))
        s.len -= 5;
    else if (ends_ci(s, ".mbx"))
        s.len -= 4;
    if (s.len == 0) s = name;
    return arena_strndup(a, s.p, s.len);
}

/* Maildir flags from the info part of a file name, or NULL. */
static const char *maildir_flags(arena *a, struct slice name)
{
    static const char *const seps[] = {":2,",
                                       "!2,",
                                       ";2,",
                                       "%3A2,",
                                       "\xEF\x80\xBA"
                                       "2,",
                                       NULL};
    size_t best = 0;
    bool found = false;
    for (size_t k = 0; seps[k]; k++) {
        size_t n = strlen(seps[k]);
        for (size_t i = name.len; i >= n; i--) {
            if (str_eq_ci(name.p + i - n, n, seps[k])) {
                if (!found || i > best) best = i;
                found = true;
                break;
            }
        }
    }
    if (!found) return NULL;
    char *f = arena_alloc(a, name.len - best + 1);
    size_t w = 0;
    for (size_t i = best; i < name.len; i++)
        if (ch_is_alpha((unsigned char)name.p[i])) f[w++] = name.p[i];
    f[w] = '\0';
    return f;
}

static const char *maildir_folder(arena *a, const struct comps *cp)
{
    if (cp->n < 3) return "INBOX";
    struct slice d = cp->c[cp->n - 3];
    if (d.len > 1 && d.p[0] == '.' && !(d.len == 2 && d.p[1] == '.')) {
        d.p++;
        d.len--;
        if (d.len > 6 && str_starts_ci(d.p, d.len, "INBOX.")) {
            d.p += 6;
            d.len -= 6;
        }
        return arena_strndup(a, d.p, d.len);
    }
    if (name_in(d.p, d.len, mail_folder_names)) return arena_strndup(a, d.p, d.len);
    return "INBOX";
}

void detect_context(arena *a, const char *path, enum src_format fmt, struct src_context *out)
{
    memset(out, 0, sizeof *out);
    out->container = CONT_FILE;
    struct comps cp;
    split_path(path, &cp);
    if (cp.n == 0) return;
    struct slice file = cp.c[cp.n - 1];

    if (fmt == SRC_MBOX) {
        out->container = CONT_MBOX;
        out->folder = mbox_folder(a, file);
        return;
    }
    if (is_guid_eml(file)) {
        struct slice xx = cp.n >= 2 ? cp.c[cp.n - 2] : (struct slice){"", 0};
        if (xx.len == 2 && str_eq_ci(xx.p, 2, (char[]){file.p[1], file.p[2], '\0'})) {
            if (cp.n >= 3 && str_eq_ci(cp.c[cp.n - 3].p, cp.c[cp.n - 3].len, "#Public")) {
                out->container = CONT_HMAIL_PUBLIC;
                out->folder = "#Public";
                return;
            }
            out->container = CONT_HMAIL_ACCOUNT;
            if (cp.n >= 3) out->account = arena_strndup(a, cp.c[cp.n - 3].p, cp.c[cp.n - 3].len);
            if (cp.n >= 4) out->domain = arena_strndup(a, cp.c[cp.n - 4].p, cp.c[cp.n - 4].len);
            return;
        }
        out->container = CONT_HMAIL_QUEUE;
        return;
    }
    if (cp.n >= 2) {
        struct slice parent = cp.c[cp.n - 2];
        if (str_eq_ci(parent.p, parent.len, "cur") || str_eq_ci(parent.p, parent.len, "new")) {
            /* Maildir directory names are lower case; accept any case for copies
             * that went through case-folding filesystems. */
            out->container = CONT_MAILDIR;
            out->folder = maildir_folder(a, &cp);
            out->flags = maildir_flags(a, file);
            return;
        }
        if (name_in(parent.p, parent.len, mail_folder_names))
            out->folder = arena_strndup(a, parent.p, parent.len);
    }
}
