/* render_json — the report model as one JSON object; every key is
 * documented in schemas/report.md (add keys freely, never rename). Strings
 * go through util/json.c, which escapes control characters and replaces
 * invalid UTF-8, so any message-derived text yields valid JSON. */
#include <stdio.h>
#include <string.h>

#include "report/render.h"
#include "util/buf.h"
#include "util/json.h"

#define REPORT_JSON_VERSION 1

static const char *kind_name(enum rk k)
{
    switch (k) {
    case RK_INT: return "int";
    case RK_REAL: return "real";
    case RK_PCT: return "pct";
    case RK_TIME: return "time";
    case RK_TEXT: return "text";
    default: return "null";
    }
}

static void value(struct json *j, const struct rval *v)
{
    switch (v->k) {
    case RK_INT: json_int(j, v->i); break;
    case RK_REAL:
    case RK_PCT: json_double(j, v->d); break;
    case RK_TEXT:
    case RK_TIME: json_cstr(j, v->s); break;
    default: json_null(j); break;
    }
}

static double num(const struct rval *v)
{
    return v->k == RK_INT ? (double)v->i : v->d;
}

static bool numeric(const struct rval *v)
{
    return v->k == RK_INT || v->k == RK_REAL || v->k == RK_PCT;
}

static void jstr(struct json *j, const char *k, const char *v)
{
    json_key(j, k);
    json_cstr(j, v);
}

static void facts(struct json *j, const struct rsection *s)
{
    json_key(j, "facts");
    json_arr_begin(j);
    for (size_t i = 0; i < s->n_facts; i++) {
        const struct rfact *f = &s->facts[i];
        json_obj_begin(j);
        jstr(j, "key", f->key);
        jstr(j, "label", f->label);
        jstr(j, "kind", kind_name(f->v.k));
        json_key(j, "value");
        value(j, &f->v);
        json_key(j, "better");
        json_cstr(j, f->better > 0 ? "higher" : f->better < 0 ? "lower" : NULL);
        json_key(j, "previous");
        if (f->has_prev)
            value(j, &f->prev);
        else
            json_null(j);
        json_key(j, "change");
        if (f->has_prev && numeric(&f->v) && numeric(&f->prev))
            json_double(j, num(&f->v) - num(&f->prev));
        else
            json_null(j);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static const char *severity_name(enum rseverity s)
{
    return s == RS_CRITICAL ? "critical" : s == RS_WARNING ? "warning" : "info";
}

static void items(struct json *j, const struct rsection *s)
{
    json_key(j, "findings");
    json_arr_begin(j);
    for (size_t i = 0; i < s->n_items; i++) {
        const struct ritem *it = &s->items[i];
        json_obj_begin(j);
        jstr(j, "severity", severity_name(it->severity));
        json_key(j, "score");
        json_int(j, it->score);
        jstr(j, "key", it->key);
        jstr(j, "title", it->title);
        jstr(j, "evidence", it->evidence);
        jstr(j, "example", it->example);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void charts(struct json *j, const struct rsection *s)
{
    json_key(j, "charts");
    json_arr_begin(j);
    for (size_t i = 0; i < s->n_charts; i++) {
        const struct rchart *c = s->charts[i];
        json_obj_begin(j);
        jstr(j, "id", c->id);
        jstr(j, "title", c->title);
        jstr(j, "kind", c->kind == RC_STACKED ? "stacked" : "bars");
        jstr(j, "unit", c->unit);
        json_key(j, "labels");
        json_arr_begin(j);
        for (size_t l = 0; l < c->n_labels; l++)
            json_cstr(j, c->labels[l]);
        json_arr_end(j);
        json_key(j, "series");
        json_arr_begin(j);
        for (size_t k = 0; k < c->n_series; k++) {
            json_obj_begin(j);
            jstr(j, "name", c->series[k]);
            json_key(j, "values");
            json_arr_begin(j);
            for (size_t l = 0; l < c->n_labels; l++)
                json_double(j, c->values[k * c->n_labels + l]);
            json_arr_end(j);
            json_obj_end(j);
        }
        json_arr_end(j);
        json_obj_end(j);
    }
    json_arr_end(j);
}

static void tables(struct json *j, const struct rsection *s)
{
    json_key(j, "tables");
    json_arr_begin(j);
    for (size_t i = 0; i < s->n_tables; i++) {
        const struct rtable *t = s->tables[i];
        json_obj_begin(j);
        jstr(j, "id", t->id);
        jstr(j, "title", t->title);
        jstr(j, "note", t->note);
        json_key(j, "limit");
        if (t->limit)
            json_int(j, (int64_t)t->limit);
        else
            json_null(j);
        json_key(j, "truncated");
        json_bool(j, t->truncated);
        json_key(j, "columns");
        json_arr_begin(j);
        for (size_t c = 0; c < t->n_cols; c++) {
            json_obj_begin(j);
            jstr(j, "key", t->cols[c].key);
            jstr(j, "title", t->cols[c].title);
            jstr(j, "kind", kind_name(t->cols[c].kind));
            json_obj_end(j);
        }
        json_arr_end(j);
        json_key(j, "rows");
        json_arr_begin(j);
        for (size_t r = 0; r < t->n_rows; r++) {
            json_obj_begin(j);
            for (size_t c = 0; c < t->n_cols; c++) {
                json_key(j, t->cols[c].key);
                value(j, &t->cells[r * t->n_cols + c]);
            }
            json_obj_end(j);
        }
        json_arr_end(j);
        json_obj_end(j);
    }
    json_arr_end(j);
}

int render_json(const struct report *r, FILE *out, char *err, size_t errlen)
{
    struct buf b = {0};
    struct json j;
    json_init(&j, &b);
    json_obj_begin(&j);
    json_key(&j, "report_version");
    json_int(&j, REPORT_JSON_VERSION);
    jstr(&j, "generated", r->generated);
    jstr(&j, "database", r->db_path);
    json_key(&j, "period");
    json_obj_begin(&j);
    jstr(&j, "since", r->since);
    jstr(&j, "until", r->until);
    json_key(&j, "previous");
    if (r->prev_since || r->prev_until) {
        json_obj_begin(&j);
        jstr(&j, "since", r->prev_since);
        jstr(&j, "until", r->prev_until);
        json_obj_end(&j);
    } else {
        json_null(&j);
    }
    json_obj_end(&j);
    json_key(&j, "filters");
    json_obj_begin(&j);
    jstr(&j, "domain", r->domain);
    jstr(&j, "campaign", r->campaign);
    json_obj_end(&j);
    json_key(&j, "empty_period");
    json_bool(&j, r->empty_period);
    json_key(&j, "breached");
    json_int(&j, (int64_t)r->n_breached);
    json_key(&j, "thresholds");
    json_arr_begin(&j);
    for (size_t i = 0; i < r->n_th; i++) {
        const struct rthreshold *t = &r->th[i];
        json_obj_begin(&j);
        jstr(&j, "expr", t->expr);
        jstr(&j, "metric", t->metric);
        jstr(&j, "op", t->op);
        json_key(&j, "limit");
        json_double(&j, t->limit);
        json_key(&j, "value");
        if (t->has_value)
            json_double(&j, t->value);
        else
            json_null(&j);
        json_key(&j, "breached");
        json_bool(&j, t->breached);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_key(&j, "sections");
    json_arr_begin(&j);
    for (size_t i = 0; i < r->n_sec; i++) {
        const struct rsection *s = r->sec[i];
        json_obj_begin(&j);
        jstr(&j, "id", s->id);
        jstr(&j, "title", s->title);
        jstr(&j, "empty", s->empty);
        facts(&j, s);
        items(&j, s);
        charts(&j, s);
        tables(&j, s);
        json_key(&j, "notes");
        json_arr_begin(&j);
        for (size_t k = 0; k < s->n_notes; k++)
            json_cstr(&j, s->notes[k]);
        json_arr_end(&j);
        json_obj_end(&j);
    }
    json_arr_end(&j);
    json_obj_end(&j);
    buf_putc(&b, '\n');
    int rc = 0;
    if (fwrite(b.p, 1, b.len, out) != b.len || fflush(out) != 0) {
        snprintf(err, errlen, "writing the JSON report failed");
        rc = -1;
    }
    buf_free(&b);
    return rc;
}
