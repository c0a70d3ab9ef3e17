/* json — see json.h. */
#include "util/json.h"
#include "util/str.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void json_init(struct json *j, struct buf *out)
{
    memset(j, 0, sizeof *j);
    j->out = out;
}

static void sep(struct json *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth]) buf_putc(j->out, ',');
    j->need_comma[j->depth] = true;
}

static void open(struct json *j, char c)
{
    sep(j);
    buf_putc(j->out, c);
    if (j->depth < JSON_MAX_DEPTH - 1) j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(struct json *j, char c)
{
    buf_putc(j->out, c);
    if (j->depth > 0) j->depth--;
}

void json_obj_begin(struct json *j)
{
    open(j, '{');
}
void json_obj_end(struct json *j)
{
    close_(j, '}');
}
void json_arr_begin(struct json *j)
{
    open(j, '[');
}
void json_arr_end(struct json *j)
{
    close_(j, ']');
}

void json_escape(struct buf *b, const char *p, size_t len)
{
    const unsigned char *u = (const unsigned char *)p;
    size_t i = 0;
    while (i < len) {
        /* a run of printable ASCII that needs no escape goes in one append */
        size_t run = i;
        while (run < len && u[run] >= 0x20 && u[run] < 0x7f && u[run] != '"' && u[run] != '\\')
            run++;
        if (run > i) {
            buf_append(b, u + i, run - i);
            i = run;
            continue;
        }
        unsigned char c = u[i];
        if (c >= 0x80) {
            size_t n = str_utf8_seqlen(u + i, len - i);
            if (n == 0) {
                buf_append(b, "\xEF\xBF\xBD", 3);
                i++;
            } else {
                buf_append(b, u + i, n);
                i += n;
            }
            continue;
        }
        switch (c) {
        case '"':
            buf_append(b, "\\\"", 2);
            break;
        case '\\':
            buf_append(b, "\\\\", 2);
            break;
        case '\n':
            buf_append(b, "\\n", 2);
            break;
        case '\r':
            buf_append(b, "\\r", 2);
            break;
        case '\t':
            buf_append(b, "\\t", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f)
                buf_printf(b, "\\u%04x", c);
            else
                buf_putc(b, (char)c);
        }
        i++;
    }
}

void json_key(struct json *j, const char *key)
{
    sep(j);
    buf_putc(j->out, '"');
    json_escape(j->out, key, strlen(key));
    buf_append(j->out, "\":", 2);
    j->after_key = true;
}

void json_str(struct json *j, const char *p, size_t len)
{
    sep(j);
    buf_putc(j->out, '"');
    json_escape(j->out, p, len);
    buf_putc(j->out, '"');
}

void json_cstr(struct json *j, const char *s)
{
    if (!s)
        json_null(j);
    else
        json_str(j, s, strlen(s));
}

void json_int(struct json *j, int64_t v)
{
    sep(j);
    buf_printf(j->out, "%lld", (long long)v);
}

void json_double(struct json *j, double v)
{
    sep(j);
    if (!isfinite(v))
        buf_puts(j->out, "null");
    else
        buf_printf(j->out, "%.6g", v);
}

void json_bool(struct json *j, bool v)
{
    sep(j);
    buf_puts(j->out, v ? "true" : "false");
}

void json_null(struct json *j)
{
    sep(j);
    buf_puts(j->out, "null");
}
