/* model — building the report model (see model.h). */
#include "report/model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"

const char *rstr(struct report *r, const char *s)
{
    return s ? arena_strdup(r->a, s) : NULL;
}

const char *rprintf(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char stack[512];
    int n = vsnprintf(stack, sizeof stack, fmt, ap);
    va_end(ap);
    if (n < 0) return "";
    if ((size_t)n < sizeof stack) return arena_strndup(r->a, stack, (size_t)n);
    char *p = arena_alloc(r->a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

struct rsection *rsec_add(struct report *r, const char *id, const char *title)
{
    if (r->n_sec >= REPORT_MAX_SECTIONS) abort(); /* a programming error: fixed list */
    struct rsection *s = arena_zalloc(r->a, sizeof *s);
    s->id = id;
    s->title = title;
    r->sec[r->n_sec++] = s;
    return s;
}

struct rsection *rsec_find(struct report *r, const char *id)
{
    for (size_t i = 0; i < r->n_sec; i++)
        if (strcmp(r->sec[i]->id, id) == 0) return r->sec[i];
    return NULL;
}

void rsec_empty(struct rsection *s, struct report *r, const char *why)
{
    s->empty = rstr(r, why);
}

struct rfact *rsec_fact(struct rsection *s, struct report *r, const char *key, const char *label,
                        struct rval v, int better)
{
    s->facts = arena_grow(r->a, s->facts, &s->cap_facts, s->n_facts + 1, sizeof *s->facts);
    struct rfact *f = &s->facts[s->n_facts++];
    memset(f, 0, sizeof *f);
    f->key = key;
    f->label = label;
    f->v = v;
    f->better = better;
    return f;
}

void rsec_item(struct rsection *s, struct report *r, enum rseverity sev, int score,
               const char *key, const char *title, const char *evidence, const char *example)
{
    s->items = arena_grow(r->a, s->items, &s->cap_items, s->n_items + 1, sizeof *s->items);
    s->items[s->n_items++] = (struct ritem){.severity = sev,
                                            .score = score,
                                            .key = key,
                                            .title = rstr(r, title),
                                            .evidence = rstr(r, evidence),
                                            .example = rstr(r, example)};
}

void rsec_note(struct rsection *s, struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    s->notes = arena_grow(r->a, s->notes, &s->cap_notes, s->n_notes + 1, sizeof *s->notes);
    s->notes[s->n_notes++] = rstr(r, buf);
}

static enum rk kind_of(char c)
{
    switch (c) {
    case 'i': return RK_INT;
    case 'r': return RK_REAL;
    case 'p': return RK_PCT;
    case 'T': return RK_TIME;
    default: return RK_TEXT;
    }
}

struct rtable *rsec_table(struct rsection *s, struct report *r, const char *id, const char *title,
                          const char *colspec)
{
    struct rtable *t = arena_zalloc(r->a, sizeof *t);
    t->id = id;
    t->title = title;
    size_t n = 1;
    for (const char *p = colspec; *p; p++)
        n += *p == '|';
    t->cols = arena_zalloc(r->a, n * sizeof *t->cols);
    const char *p = colspec;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        const char *c1 = memchr(p, ':', len);
        const char *c2 = c1 ? memchr(c1 + 1, ':', len - (size_t)(c1 + 1 - p)) : NULL;
        struct rcol *c = &t->cols[t->n_cols++];
        if (!c1 || !c2) abort(); /* a malformed spec is a programming error */
        c->key = arena_strndup(r->a, p, (size_t)(c1 - p));
        c->kind = kind_of(c1[1]);
        c->title = arena_strndup(r->a, c2 + 1, len - (size_t)(c2 + 1 - p));
        p += len;
        if (*p == '|') p++;
    }
    s->tables = arena_grow(r->a, s->tables, &s->cap_tables, s->n_tables + 1, sizeof *s->tables);
    s->tables[s->n_tables++] = t;
    return t;
}

void rtable_row(struct rtable *t, struct report *r, const struct rval *vals)
{
    if (t->n_rows == t->cap_rows) {
        size_t cap = t->cap_rows ? t->cap_rows * 2 : 16;
        struct rval *c = arena_alloc(r->a, cap * t->n_cols * sizeof *c);
        if (t->n_rows) memcpy(c, t->cells, t->n_rows * t->n_cols * sizeof *c);
        t->cells = c;
        t->cap_rows = cap;
    }
    memcpy(t->cells + t->n_rows * t->n_cols, vals, t->n_cols * sizeof *vals);
    t->n_rows++;
}

struct rchart *rsec_chart(struct rsection *s, struct report *r, const char *id, const char *title,
                          enum rchart_kind kind, size_t n_labels, size_t n_series,
                          const char *unit)
{
    struct rchart *c = arena_zalloc(r->a, sizeof *c);
    c->id = id;
    c->title = title;
    c->kind = kind;
    c->n_labels = n_labels;
    c->n_series = n_series;
    c->labels = arena_zalloc(r->a, (n_labels ? n_labels : 1) * sizeof *c->labels);
    c->series = arena_zalloc(r->a, (n_series ? n_series : 1) * sizeof *c->series);
    size_t cells = n_labels * n_series;
    c->values = arena_zalloc(r->a, (cells > 0 ? cells : 1) * sizeof(double));
    c->unit = unit;
    s->charts = arena_grow(r->a, s->charts, &s->cap_charts, s->n_charts + 1, sizeof *s->charts);
    s->charts[s->n_charts++] = c;
    return c;
}
