/* mbox — streaming mbox splitter (see mbox.h for the format rules).
 *
 * Owns one input buffer and one unquoting buffer. The input buffer holds the
 * unconsumed bytes of the stream; it grows on demand up to
 *   FROM_LINE_MAX + max_msg + LOOKAHEAD + READ_CHUNK
 * and is compacted (unconsumed bytes moved to the front) only when more bytes
 * must be read, so the cost is linear in the stream. The unquoting buffer is
 * at most max_msg bytes and is used only for messages that contain quoted
 * ">From " lines; other messages are returned in place (zero copy).
 * Peak memory is therefore about 2 x max_msg + 64 KiB whatever the file size.
 *
 * Scanning: memmem for "\nFrom " from where the previous scan stopped (never
 * rescanning bytes already seen), memchr for the separator's line end,
 * memmem for ">From " when unquoting.
 *
 * Decisions:
 *  - Bytes before the first separator (leading junk, blank lines) are not a
 *    message and are skipped.
 *  - The separator line is cut at FROM_LINE_MAX bytes; a longer one has the
 *    rest of its line counted as the start of the message.
 *  - The blank line before a separator (and before end of file) is removed,
 *    as Python's mailbox module and mutt do; in CRLF files that is "\r\n".
 *  - Content-Length is honoured only when body start + value lands exactly on
 *    a separator, on a line end followed by a separator, or on end of file,
 *    and only within the buffered window (max_msg); a value pointing elsewhere
 *    or beyond the ceiling sets content_length_mismatch and the separator scan
 *    decides. Only the first 64 KiB of a header block are searched for it.
 *  - A message larger than max_msg yields its first max_msg bytes with
 *    truncated=true; the rest is skipped without buffering.
 *  - A read error (corrupt gzip, I/O) ends the stream: the message being
 *    assembled is returned with what was read, and the next call returns -1.
 * Does NOT parse the message; does not interpret the From line's date. */
#include "sources/mbox.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/limits.h"
#include "util/xalloc.h"

/* The three MBOX_* knobs exist so that tests and fuzzing can force tiny reads
 * (every separator then straddles reads): -DMBOX_READ_CHUNK=16
 * -DMBOX_BUF_INITIAL=32 -DMBOX_READ_MAX=7. */
#ifndef MBOX_READ_CHUNK
#define MBOX_READ_CHUNK (64u * 1024)
#endif
#ifndef MBOX_BUF_INITIAL
#define MBOX_BUF_INITIAL (256u * 1024)
#endif
#ifndef MBOX_READ_MAX
#define MBOX_READ_MAX SIZE_MAX
#endif
#define READ_CHUNK MBOX_READ_CHUNK
#define BUF_INITIAL MBOX_BUF_INITIAL
#define FROM_LINE_MAX 1000u
#define LOOKAHEAD 8u /* "\r\n" + "\nFrom " fits */
#define CL_HEADER_SCAN (64u * 1024)

struct mbox {
    struct reader *r;
    size_t max_msg;
    char *buf;
    size_t cap, cap_max;
    size_t pos;    /* first unconsumed byte */
    size_t len;    /* bytes in buf */
    uint64_t base; /* stream offset of buf[0] */
    bool bol;      /* buf[pos] is at the beginning of a line */
    bool eof;
    bool failed;   /* a read error happened; report it on the next call */
    bool fail_now; /* return -1 from now on */
    char *out;
    size_t out_cap;
};

struct mbox *mbox_open(struct reader *r, size_t max_msg)
{
    struct mbox *m = xcalloc(1, sizeof *m);
    m->r = r;
    m->max_msg = max_msg ? max_msg : MSG_MAX_SIZE;
    m->cap_max = FROM_LINE_MAX + m->max_msg + LOOKAHEAD + READ_CHUNK;
    m->cap = m->cap_max < BUF_INITIAL ? m->cap_max : BUF_INITIAL;
    m->buf = xmalloc(m->cap);
    m->bol = true;
    return m;
}

void mbox_close(struct mbox *m)
{
    if (!m) return;
    free(m->buf);
    free(m->out);
    free(m);
}

/* Read more bytes. Compacts first (buf[pos] moves to buf[0]; *shift says by
 * how much every index must be lowered). Returns bytes read, 0 at EOF or
 * after an error (m->failed set). */
static size_t fill(struct mbox *m, size_t *shift)
{
    *shift = 0;
    if (m->eof) return 0;
    if (m->pos > 0) {
        memmove(m->buf, m->buf + m->pos, m->len - m->pos);
        *shift = m->pos;
        m->base += m->pos;
        m->len -= m->pos;
        m->pos = 0;
    }
    if (m->cap - m->len < READ_CHUNK && m->cap < m->cap_max) {
        size_t ncap = m->cap * 2;
        if (ncap > m->cap_max || ncap < m->cap) ncap = m->cap_max;
        m->buf = xrealloc(m->buf, ncap);
        m->cap = ncap;
    }
    size_t room = m->cap - m->len;
    if (room > MBOX_READ_MAX) room = MBOX_READ_MAX;
    if (room == 0) return 0; /* callers never ask for more than the window; defensive */
    long n = reader_read(m->r, m->buf + m->len, room);
    if (n <= 0) {
        m->eof = true;
        /* reader_read may report a corrupt gzip stream as 0 after it handed
         * out the bytes decoded before the damage: ask reader_error too. */
        if (n < 0 || reader_error(m->r)) m->failed = true;
        return 0;
    }
    m->len += (size_t)n;
    return (size_t)n;
}

static bool starts_from(const char *p, size_t avail)
{
    return avail >= 5 && memcmp(p, "From ", 5) == 0;
}

/* Move pos to the next separator ("From " at a line start). Returns false at
 * end of input. Bytes skipped are discarded without being kept. */
static bool seek_separator(struct mbox *m)
{
    size_t scan = m->pos; /* where memmem resumes */
    for (;;) {
        if (m->bol && m->len - m->pos >= 5) {
            if (starts_from(m->buf + m->pos, 5)) return true;
            m->bol = false;
        }
        if (!m->bol) {
            const char *q = NULL;
            if (m->len > scan) q = memmem(m->buf + scan, m->len - scan, "\nFrom ", 6);
            if (q) {
                m->pos = (size_t)(q - m->buf) + 1;
                m->bol = true;
                return true;
            }
            /* Keep the last 5 bytes: a match may straddle the next read. */
            if (m->len - m->pos > 5) {
                m->pos = m->len - 5;
                scan = m->pos;
            }
        }
        size_t shift;
        if (fill(m, &shift) == 0) {
            m->pos = m->len;
            return false;
        }
        scan -= shift;
    }
}

/* Ensure [pos, pos+need) is buffered, or EOF. Adjusts *idx[] on compaction. */
static void want(struct mbox *m, size_t need, size_t *idx[], size_t n_idx)
{
    while (m->len - m->pos < need) {
        size_t shift;
        size_t got = fill(m, &shift);
        for (size_t i = 0; i < n_idx; i++)
            *idx[i] -= shift;
        if (got == 0) return;
    }
}

/* Parse a decimal Content-Length value; false when absent or not a number. */
static bool parse_cl(const char *p, size_t len, size_t *out)
{
    size_t i = 0, v = 0;
    while (i < len && (p[i] == ' ' || p[i] == '\t'))
        i++;
    size_t digits = 0;
    while (i < len && ch_is_digit((unsigned char)p[i])) {
        size_t d = (size_t)(p[i] - '0');
        if (v > (SIZE_MAX - d) / 10) return false;
        v = v * 10 + d;
        i++;
        digits++;
    }
    while (i < len && ch_is_space((unsigned char)p[i]))
        i++;
    if (digits == 0 || i != len) return false;
    *out = v;
    return true;
}

/* Find Content-Length in the header block [p, p+len); *hdr_end is the offset
 * of the first body byte. Returns true when a usable value was found. */
static bool find_content_length(const char *p, size_t len, size_t *value, size_t *hdr_end)
{
    bool found = false;
    size_t limit = len < CL_HEADER_SCAN ? len : CL_HEADER_SCAN;
    size_t i = 0;
    while (i < limit) {
        const char *nl = memchr(p + i, '\n', limit - i);
        size_t eol = nl ? (size_t)(nl - p) : limit;
        size_t line_len = eol - i;
        if (line_len > 0 && p[eol - 1] == '\r' && nl) line_len--;
        if (line_len == 0) {
            if (!nl) return false; /* header block not finished within the scan */
            *hdr_end = eol + 1;
            return found;
        }
        if (!nl) return false;
        if ((p[i] == 'C' || p[i] == 'c') && str_starts_ci(p + i, line_len, "content-length:"))
            found = parse_cl(p + i + 15, line_len - 15, value);
        i = eol + 1;
    }
    return false;
}

/* Length of the line end (1 or 2) ending just before `end` when the last line
 * of [start, end) is empty, else 0. `lo` is the lowest index that may be read. */
static size_t blank_tail(const char *b, size_t lo, size_t end)
{
    if (end < lo + 1 || b[end - 1] != '\n') return 0;
    if (end >= lo + 2 && b[end - 2] == '\n') return 1;
    if (end >= lo + 3 && b[end - 2] == '\r' && b[end - 3] == '\n') return 2;
    return 0;
}

/* Does the stream at x (x >= body > pos) hold a separator, a line end then
 * a separator, or end of input? The bytes are buffered by the caller. */
static bool lands_on_separator(const struct mbox *m, size_t x)
{
    const char *b = m->buf;
    size_t avail = m->len - x;
    if (avail == 0) return m->eof;
    if (b[x - 1] == '\n' && starts_from(b + x, avail)) return true;
    size_t lb = 0;
    if (b[x] == '\n')
        lb = 1;
    else if (avail >= 2 && b[x] == '\r' && b[x + 1] == '\n')
        lb = 2;
    if (lb == 0) return false;
    if (avail == lb) return m->eof;
    return starts_from(b + x + lb, avail - lb);
}

/* Copy [p, p+len) removing one '>' from every line that matches ^>+From .
 * Returns the data to hand out (p itself when nothing is quoted). */
static const char *unquote(struct mbox *m, const char *p, size_t len, size_t *out_len)
{
    size_t w = 0, from = 0;
    bool copying = false;
    size_t i = 0;
    for (;;) {
        const char *q = len > i ? memmem(p + i, len - i, ">From ", 6) : NULL;
        if (!q) break;
        size_t h = (size_t)(q - p); /* index of the '>' right before "From " */
        size_t k = h;
        while (k > 0 && p[k - 1] == '>')
            k--;
        i = h + 6;
        if (k != 0 && p[k - 1] != '\n') continue;
        if (!copying) {
            if (m->out_cap < len) {
                free(m->out);
                m->out = xmalloc(len);
                m->out_cap = len;
            }
            copying = true;
        }
        memcpy(m->out + w, p + from, k - from);
        w += k - from;
        from = k + 1; /* drop one '>' */
    }
    if (!copying) {
        *out_len = len;
        return p;
    }
    memcpy(m->out + w, p + from, len - from);
    w += len - from;
    *out_len = w;
    return m->out;
}

int mbox_next(struct mbox *m, struct mbox_msg *out)
{
    memset(out, 0, sizeof *out);
    if (m->fail_now) return -1;
    if (m->failed) {
        m->fail_now = true;
        return -1;
    }
    if (!seek_separator(m)) {
        if (m->failed) {
            m->fail_now = true;
            return -1;
        }
        return 0;
    }

    /* The separator line. */
    size_t body, scan, end = 0;
    want(m, FROM_LINE_MAX + 1, NULL, 0);
    size_t avail = m->len - m->pos;
    size_t lim = avail < FROM_LINE_MAX ? avail : FROM_LINE_MAX;
    const char *nl = memchr(m->buf + m->pos, '\n', lim + (avail > lim ? 1 : 0));
    size_t from_end;
    if (nl) {
        from_end = (size_t)(nl - m->buf);
        body = from_end + 1;
        scan = from_end; /* a separator may follow right away */
    } else {
        from_end = m->pos + lim;
        body = from_end;
        scan = body;
    }

    /* Scan for the next separator within the window. */
    size_t limit = body - m->pos + m->max_msg + LOOKAHEAD; /* relative to pos */
    size_t sep = 0;
    bool truncated = false;
    for (;;) {
        size_t stop = m->len < m->pos + limit ? m->len : m->pos + limit;
        if (stop > scan) {
            const char *q = memmem(m->buf + scan, stop - scan, "\nFrom ", 6);
            if (q) {
                sep = (size_t)(q - m->buf) + 1;
                break;
            }
            scan = stop > scan + 5 ? stop - 5 : scan;
        }
        if (m->len >= m->pos + limit) {
            truncated = true;
            break;
        }
        if (m->eof) {
            sep = m->len;
            break;
        }
        size_t shift;
        size_t got = fill(m, &shift);
        body -= shift;
        scan -= shift;
        from_end -= shift;
        if (got == 0) {
            sep = m->len;
            break;
        }
    }

    out->offset = m->base + m->pos;
    bool mismatch = false;
    size_t next_pos;
    bool next_bol;
    if (!truncated) {
        end = sep - blank_tail(m->buf, body > m->pos ? body - 1 : body, sep);
        if (end < body) end = body;
        if (end - body > m->max_msg) {
            truncated = true;
        } else {
            size_t cl, hdr_end;
            if (find_content_length(m->buf + body, sep - body, &cl, &hdr_end)) {
                size_t x = body + hdr_end;
                bool ok = false;
                if (cl <= m->max_msg && hdr_end + cl <= m->max_msg) {
                    x += cl;
                    size_t *idx[] = {&body, &sep, &x, &from_end, &end};
                    want(m, x - m->pos + LOOKAHEAD, idx, 5);
                    ok = x <= m->len && lands_on_separator(m, x);
                }
                if (ok) {
                    end = x;
                    sep = x;
                } else {
                    mismatch = true;
                }
            }
        }
        next_pos = sep;
        next_bol = sep == m->len ? true : m->buf[sep - 1] == '\n';
        if (truncated) {
            end = body + m->max_msg;
        }
    } else {
        end = body + m->max_msg;
        next_pos = m->pos + limit - 5;
        next_bol = false;
    }

    size_t from_len = from_end - m->pos;
    if (from_len > 0 && m->buf[m->pos + from_len - 1] == '\r') from_len--;
    out->from_line = (struct slice){m->buf + m->pos, from_len};
    out->data = unquote(m, m->buf + body, end - body, &out->len);
    out->truncated = truncated;
    out->content_length_mismatch = mismatch;
    m->pos = next_pos;
    m->bol = next_bol;
    return 1;
}

bool mbox_looks_like(const char *p, size_t len)
{
    if (len < 6 || memcmp(p, "From ", 5) != 0) return false;
    size_t lim = len < FROM_LINE_MAX ? len : FROM_LINE_MAX;
    const char *nl = memchr(p, '\n', lim);
    size_t line_end = nl ? (size_t)(nl - p) : lim;
    /* A non-empty token right after "From ", then a digit or '@' somewhere
     * (the date, or an address): "From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
     * "From - Mon Jan 01 00:00:00 2024", "From 1786@xxx Tue Apr 01 ...". */
    if (ch_is_space((unsigned char)p[5])) return false;
    bool dated = false;
    for (size_t i = 5; i < line_end; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == 0) return false;
        if (ch_is_digit(c) || c == '@') dated = true;
    }
    if (!dated) return false;
    if (!nl) return line_end == len; /* the head ends inside the From line */
    /* The next line: a header field name and colon. */
    size_t i = line_end + 1, n = 0;
    if (i == len) return true;
    while (i < len && p[i] != ':' && (unsigned char)p[i] > 32 && (unsigned char)p[i] < 127) {
        i++;
        n++;
    }
    if (i == len) return n > 0; /* cut inside the field name */
    return n > 0 && p[i] == ':';
}
