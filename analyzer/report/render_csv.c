/* render_csv — the report model as RFC 4180 files in a directory.
 *
 * Files (every one always written, a header row even when empty):
 *   <section>_<table>.csv  one per table: a header row of column keys, then
 *                          the rows
 *   <section>_<chart>.csv  one per chart: "label" and one column per series
 *   facts.csv              section,key,label,value,previous
 *   findings.csv           section,severity,key,title,evidence,example
 *   thresholds.csv         expr,metric,value,limit,breached
 * File names keep [A-Za-z0-9._-] of the ids, other bytes become '_'; a name
 * already written in this run gets "-2", "-3"... before ".csv".
 *
 * Format: CRLF line ends; a field is quoted when it holds a comma, a double
 * quote, CR or LF, and quotes inside are doubled. Numbers are plain (no
 * thousands separators): integers as integers, reals and percentages in
 * the shortest form that reads back exactly, a percentage as its fraction
 * (0.125, not "12.5%"); NULL is an empty field; a boolean is true/false.
 * Invalid UTF-8 bytes become '?' so every file is valid UTF-8; other bytes,
 * control characters included, are kept (quoted when needed).
 *
 * Formula injection (OWASP "CSV Injection"): a text field that begins with
 * '=', '+', '-', '@', TAB or CR would be run as a formula by a spreadsheet;
 * such a field is prefixed with a single quote ("'=cmd|..."), which the
 * spreadsheet shows as text. Numbers we format ourselves (a negative change,
 * say) are not text and are left as they are.
 *
 * Safety: the directory is created with mode 0700 when missing; files are
 * opened relative to it with O_CREAT|O_TRUNC|O_NOFOLLOW, mode 0600 (they hold
 * people's mail data; an existing file is also set to 0600): a symlink in
 * place of a file is refused, never followed. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/render.h"
#include "util/str.h"
#include "util/xalloc.h"

#define CSV_MAX_NAME 200

struct csv {
    int dfd;
    const char *dir;
    char *err;
    size_t errlen;
    FILE *f; /* the file being written */
    char name[CSV_MAX_NAME + 8];
    bool field;   /* a field was written on the current row */
    char **names; /* file names written so far */
    size_t n_names, cap_names;
};

/* Fill err with "WHAT DIR[/NAME]: strerror"; returns -1. */
static int fail(struct csv *c, const char *what, const char *name, int e)
{
    if (c->err && c->errlen)
        snprintf(c->err, c->errlen, "%s %s%s%s: %s", what, c->dir, name ? "/" : "",
                 name ? name : "", strerror(e));
    return -1;
}

/* ---- file names ---- */

static bool name_taken(const struct csv *c, const char *name)
{
    for (size_t i = 0; i < c->n_names; i++)
        if (strcmp(c->names[i], name) == 0) return true;
    return false;
}

/* "<a>_<b>.csv" (b NULL: "<a>.csv") with unsafe bytes replaced, made unique. */
static void make_name(struct csv *c, const char *a, const char *b)
{
    char base[CSV_MAX_NAME];
    size_t n = 0;
    const char *parts[2] = {a ? a : "section", b};
    for (int k = 0; k < 2 && parts[k]; k++) {
        if (k == 1 && n + 1 < sizeof base) base[n++] = '_';
        for (const unsigned char *p = (const unsigned char *)parts[k]; *p && n + 1 < sizeof base;
             p++)
            base[n++] = (ch_is_alnum(*p) || *p == '_' || *p == '-' || *p == '.') ? (char)*p : '_';
    }
    if (n == 0) base[n++] = '_';
    if (base[0] == '.') base[0] = '_'; /* no hidden names */
    base[n] = '\0';
    snprintf(c->name, sizeof c->name, "%s.csv", base);
    for (unsigned k = 2; name_taken(c, c->name); k++)
        snprintf(c->name, sizeof c->name, "%s-%u.csv", base, k);
    c->names = xgrow(c->names, &c->cap_names, c->n_names + 1, sizeof *c->names);
    c->names[c->n_names] = xstrdup(c->name);
    c->n_names++;
}

static int file_open(struct csv *c, const char *a, const char *b)
{
    make_name(c, a, b);
    int fd = openat(c->dfd, c->name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        if (errno == ELOOP) {
            if (c->err && c->errlen)
                snprintf(c->err, c->errlen, "%s/%s is a symbolic link: refusing to write it",
                         c->dir, c->name);
            return -1;
        }
        return fail(c, "cannot create", c->name, errno);
    }
    /* an older file may have a wider mode: narrow it (best effort: a file
     * we may not chmod is one we could still write; the data is ours) */
    (void)!fchmod(fd, 0600);
    c->f = fdopen(fd, "wb");
    if (!c->f) {
        int e = errno;
        close(fd);
        return fail(c, "cannot open", c->name, e);
    }
    c->field = false;
    return 0;
}

static int file_close(struct csv *c)
{
    int bad = ferror(c->f);
    int e = errno;
    if (fclose(c->f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    c->f = NULL;
    return bad ? fail(c, "cannot write", c->name, e ? e : EIO) : 0;
}

/* ---- fields ---- */

static void sep(struct csv *c)
{
    if (c->field) fputc(',', c->f);
    c->field = true;
}

static void row_end(struct csv *c)
{
    fputs("\r\n", c->f);
    c->field = false;
}

/* A text field: formula guard, quoting, invalid UTF-8 replaced. */
static void text(struct csv *c, const char *s)
{
    sep(c);
    if (!s) return;
    size_t len = strlen(s);
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    bool guard = len > 0 && strchr("=+-@\t\r", s[0]) != NULL;
    if (quote) fputc('"', c->f);
    if (guard) fputc('\'', c->f);
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        size_t n = str_utf8_seqlen(p + i, len - i);
        if (n == 0) {
            fputc('?', c->f);
            i++;
            continue;
        }
        if (p[i] == '"') fputc('"', c->f);
        fwrite(p + i, 1, n, c->f);
        i += n;
    }
    if (quote) fputc('"', c->f);
}

/* A number in the shortest form that reads back as the same double. */
static void real(struct csv *c, double d)
{
    sep(c);
    if (!isfinite(d)) return;
    char b[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(b, sizeof b, "%.*g", prec, d);
        if (strtod(b, NULL) == d) break;
    }
    fputs(b, c->f);
}

static void value(struct csv *c, const struct rval *v)
{
    switch (v->k) {
    case RK_INT:
        sep(c);
        fprintf(c->f, "%" PRId64, v->i);
        break;
    case RK_REAL:
    case RK_PCT:
        real(c, v->d);
        break;
    case RK_TEXT:
    case RK_TIME:
        text(c, v->s);
        break;
    case RK_NULL:
    default:
        sep(c);
        break;
    }
}

static void header(struct csv *c, const char *const *cols, size_t n)
{
    for (size_t i = 0; i < n; i++)
        text(c, cols[i]);
    row_end(c);
}

/* ---- files ---- */

static int write_table(struct csv *c, const struct rsection *s, const struct rtable *t)
{
    if (file_open(c, s->id, t->id) != 0) return -1;
    for (size_t i = 0; i < t->n_cols; i++)
        text(c, t->cols[i].key);
    row_end(c);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t i = 0; i < t->n_cols; i++)
            value(c, &t->cells[r * t->n_cols + i]);
        row_end(c);
    }
    return file_close(c);
}

static int write_chart(struct csv *c, const struct rsection *s, const struct rchart *ch)
{
    if (file_open(c, s->id, ch->id) != 0) return -1;
    text(c, "label");
    for (size_t k = 0; k < ch->n_series; k++)
        text(c, ch->series[k]);
    row_end(c);
    for (size_t l = 0; l < ch->n_labels; l++) {
        text(c, ch->labels[l]);
        for (size_t k = 0; k < ch->n_series; k++)
            real(c, ch->values[k * ch->n_labels + l]);
        row_end(c);
    }
    return file_close(c);
}

static int write_facts(struct csv *c, const struct report *r)
{
    static const char *const cols[] = {"section", "key", "label", "value", "previous"};
    if (file_open(c, "facts", NULL) != 0) return -1;
    header(c, cols, 5);
    for (size_t i = 0; i < r->n_sec; i++) {
        const struct rsection *s = r->sec[i];
        for (size_t k = 0; k < s->n_facts; k++) {
            const struct rfact *f = &s->facts[k];
            text(c, s->id);
            text(c, f->key);
            text(c, f->label);
            value(c, &f->v);
            if (f->has_prev)
                value(c, &f->prev);
            else
                sep(c);
            row_end(c);
        }
    }
    return file_close(c);
}

static int write_findings(struct csv *c, const struct report *r)
{
    static const char *const cols[] = {"section", "severity", "key",
                                       "title",   "evidence", "example"};
    if (file_open(c, "findings", NULL) != 0) return -1;
    header(c, cols, 6);
    for (size_t i = 0; i < r->n_sec; i++) {
        const struct rsection *s = r->sec[i];
        for (size_t k = 0; k < s->n_items; k++) {
            const struct ritem *it = &s->items[k];
            text(c, s->id);
            text(c, it->severity == RS_CRITICAL  ? "critical"
                    : it->severity == RS_WARNING ? "warning"
                                                 : "info");
            text(c, it->key);
            text(c, it->title);
            text(c, it->evidence);
            text(c, it->example);
            row_end(c);
        }
    }
    return file_close(c);
}

static int write_thresholds(struct csv *c, const struct report *r)
{
    static const char *const cols[] = {"expr", "metric", "value", "limit", "breached"};
    if (file_open(c, "thresholds", NULL) != 0) return -1;
    header(c, cols, 5);
    /* breached ones first, as in the other formats */
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->n_th; i++) {
            const struct rthreshold *t = &r->th[i];
            if (t->breached != (pass == 0)) continue;
            text(c, t->expr);
            text(c, t->metric);
            if (t->has_value)
                real(c, t->value);
            else
                sep(c);
            real(c, t->limit);
            text(c, t->breached ? "true" : "false");
            row_end(c);
        }
    return file_close(c);
}

static int open_dir(struct csv *c, const char *dir)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return fail(c, "cannot create directory", NULL, errno);
    c->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->dfd < 0) return fail(c, "cannot open directory", NULL, errno);
    return 0;
}

int render_csv(const struct report *r, const char *dir, char *err, size_t errlen)
{
    struct csv c = {.dfd = -1, .dir = dir, .err = err, .errlen = errlen};
    int rc = -1;
    if (open_dir(&c, dir) != 0) goto out;
    if (write_facts(&c, r) != 0 || write_findings(&c, r) != 0 || write_thresholds(&c, r) != 0)
        goto out;
    for (size_t i = 0; i < r->n_sec; i++) {
        const struct rsection *s = r->sec[i];
        for (size_t k = 0; k < s->n_tables; k++)
            if (write_table(&c, s, s->tables[k]) != 0) goto out;
        for (size_t k = 0; k < s->n_charts; k++)
            if (write_chart(&c, s, s->charts[k]) != 0) goto out;
    }
    rc = 0;
out:
    if (c.f) fclose(c.f);
    if (c.dfd >= 0) close(c.dfd);
    for (size_t i = 0; i < c.n_names; i++)
        free(c.names[i]);
    free(c.names);
    return rc;
}
