/* model — the deliverability report as data, between the database and the
 * four renderers (text, HTML, JSON, CSV). Section builders (report/sec_*.c)
 * fill a `struct report` from SQLite through `struct rctx`; renderers
 * (report/render_*.c) print it without touching the database. Everything is
 * allocated in the report's arena.
 *
 * A section holds, in this order when rendered: headline facts (numbers with
 * their value for the previous period under --compare), recommendations-like
 * items, charts, tables, and notes. A section with nothing to show has
 * `empty` set to one line saying why ("no messages in this period"): it is
 * still rendered, never dropped.
 *
 * Strings in the model are NUL-terminated UTF-8 as stored; renderers escape
 * them for their format (HTML entities, JSON escapes, CSV quoting, control
 * bytes replaced on a terminal). Builders never escape. */
#ifndef REPORT_MODEL_H
#define REPORT_MODEL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

/* Value kinds. RK_PCT is a fraction 0..1 shown as a percentage; RK_TIME is
 * ISO 8601 UTC text ("2025-04-01T06:00:01Z"); RK_ID a message-derived
 * identifier shown verbatim (Message-ID, address, IP). */
enum rk { RK_NULL, RK_INT, RK_REAL, RK_PCT, RK_TEXT, RK_TIME };

struct rval {
    enum rk k;
    int64_t i;     /* RK_INT */
    double d;      /* RK_REAL, RK_PCT */
    const char *s; /* RK_TEXT, RK_TIME */
};

static inline struct rval rv_null(void)
{
    return (struct rval){.k = RK_NULL};
}
static inline struct rval rv_int(int64_t v)
{
    return (struct rval){.k = RK_INT, .i = v};
}
static inline struct rval rv_real(double v)
{
    return (struct rval){.k = RK_REAL, .d = v};
}
static inline struct rval rv_pct(double v)
{
    return (struct rval){.k = RK_PCT, .d = v};
}
/* The string is not copied: it must live in the report arena (or be static). */
static inline struct rval rv_text(const char *s)
{
    return s ? (struct rval){.k = RK_TEXT, .s = s} : rv_null();
}
static inline struct rval rv_time(const char *s)
{
    return s ? (struct rval){.k = RK_TIME, .s = s} : rv_null();
}

struct rcol {
    const char *key;   /* stable snake_case name: JSON key, CSV header */
    const char *title; /* heading for people */
    enum rk kind;      /* the kind of the column's values (NULLs allowed in any) */
};

struct rtable {
    const char *id;    /* stable within the section, e.g. "by_provider" */
    const char *title;
    const char *note;  /* one line under the title, or NULL */
    struct rcol *cols;
    size_t n_cols;
    struct rval *cells; /* row-major, n_rows * n_cols */
    size_t n_rows, cap_rows;
    size_t limit;     /* the query's LIMIT, 0 none */
    bool truncated;   /* more rows existed than `limit` */
};

/* Charts are drawn by the HTML renderer (inline SVG) and the text renderer
 * (bars of block characters); JSON and CSV carry the numbers. */
enum rchart_kind {
    RC_BARS,    /* one series over labels: a histogram (score distribution) */
    RC_STACKED, /* several series stacked per label: a timeline of outcomes */
};

struct rchart {
    const char *id;
    const char *title;
    enum rchart_kind kind;
    const char **labels; /* n_labels x-axis labels ("0-1", "2025-04-01 06h") */
    size_t n_labels;
    const char **series; /* n_series names ("sent", "deferred", ...) */
    size_t n_series;
    double *values; /* series-major: values[s * n_labels + l] */
    const char *unit; /* "messages", "deliveries" */
};

/* A headline number. Under --compare previous, `prev` holds the value for
 * the previous period of equal length (has_prev), and renderers show the
 * change. `better` says which direction is good: +1 higher, -1 lower, 0 n/a. */
struct rfact {
    const char *key;
    const char *label;
    struct rval v;
    bool has_prev;
    struct rval prev;
    int better;
};

/* A finding with a fix (recommendations; also the first lines of other
 * sections when something is clearly wrong). */
enum rseverity { RS_CRITICAL = 1, RS_WARNING = 2, RS_INFO = 3 };

struct ritem {
    enum rseverity severity;
    int score;            /* ordering within a severity: bigger first (e.g. messages affected) */
    const char *key;      /* stable id of the kind of finding, e.g. "dkim_body_hash_after_signing" */
    const char *title;    /* the fix, imperative: "Sign after the footer is added" */
    const char *evidence; /* the numbers: "DKIM body hash fails on 38 of 40 spam-placed copies and 0 inbox copies" */
    const char *example;  /* one concrete case (a Message-ID, a reply text), or NULL */
};

struct rsection {
    const char *id;    /* stable: overview, authentication, content, delivery, infrastructure,
                          postmortem, campaigns, requirements, feedback, recommendations */
    const char *title;
    const char *empty; /* non-NULL: the section has no data; this line says so */
    struct rfact *facts;
    size_t n_facts, cap_facts;
    struct ritem *items;
    size_t n_items, cap_items;
    struct rchart **charts;
    size_t n_charts, cap_charts;
    struct rtable **tables;
    size_t n_tables, cap_tables;
    const char **notes;
    size_t n_notes, cap_notes;
};

/* The thresholds of --fail-on, evaluated (report/thresholds.h). */
struct rthreshold {
    const char *expr;
    const char *metric;
    const char *op;
    double limit;
    bool has_value;
    double value;
    bool breached;
};

#define REPORT_MAX_SECTIONS 16

struct report {
    arena *a;
    const char *db_path;
    const char *generated;   /* ISO time the report was made ($SOURCE_DATE_EPOCH when set) */
    const char *since;       /* ISO bounds of the period, NULL = open */
    const char *until;
    const char *prev_since;  /* --compare previous: the previous period, else NULL */
    const char *prev_until;
    const char *domain;      /* --domain filter, or NULL */
    const char *campaign;    /* --campaign filter, or NULL */
    bool empty_period;       /* nothing at all in the period: "no data for this period" */
    struct rthreshold *th;   /* breached ones first */
    size_t n_th, n_breached;
    struct rsection *sec[REPORT_MAX_SECTIONS];
    size_t n_sec;
};

/* ---- building ---- */

struct rsection *rsec_add(struct report *r, const char *id, const char *title);
struct rsection *rsec_find(struct report *r, const char *id);
void rsec_empty(struct rsection *s, struct report *r, const char *why);
struct rfact *rsec_fact(struct rsection *s, struct report *r, const char *key, const char *label,
                        struct rval v, int better);
void rsec_item(struct rsection *s, struct report *r, enum rseverity sev, int score,
               const char *key, const char *title, const char *evidence, const char *example);
void rsec_note(struct rsection *s, struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A table with columns from a spec "key:kind:Title|key:kind:Title|...",
 * kind one of i (RK_INT), r (RK_REAL), p (RK_PCT), t (RK_TEXT), T (RK_TIME). */
struct rtable *rsec_table(struct rsection *s, struct report *r, const char *id, const char *title,
                          const char *colspec);
/* Append a row (n_cols values; strings must live in the report arena). */
void rtable_row(struct rtable *t, struct report *r, const struct rval *vals);
struct rchart *rsec_chart(struct rsection *s, struct report *r, const char *id, const char *title,
                          enum rchart_kind kind, size_t n_labels, size_t n_series,
                          const char *unit);

/* Copy a string into the report arena (NULL stays NULL). */
const char *rstr(struct report *r, const char *s);
const char *rprintf(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
