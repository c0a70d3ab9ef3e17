/* addr — RFC 5322 address lists (see addr.h).
 *
 * Two passes over an unfolded value: a splitter cuts it at top-level ','
 * (and ':' / ';' for groups), respecting quoted strings, comments, angle
 * brackets and domain literals; each piece is then tokenised (atoms, quoted
 * strings, comments, domain literals, specials) and read as a mailbox:
 * [display-name] <[obs-route:]addr-spec> or a bare addr-spec.
 *
 * Tolerated breakage, each recorded once per call as ANOM_ADDR_UNPARSEABLE:
 * an unquoted comma in a display name ("Doe, John <j@x>" — a piece with no
 * '@' and no '<' followed by a piece with '<' is joined to it), ';' used as a
 * list separator outside a group, missing angle brackets ("John j@x"), an
 * unclosed '<', text after '>', several '@' (the last one separates the
 * domain), a lone word ("root": local part only), an unterminated quote or
 * comment. A comment after a bare addr-spec is taken as the name when there
 * is no display name ("j@x (John)"). Display names are decoded with
 * rfc2047_decode (also inside quotes, as mail clients do), which also turns
 * raw 8-bit names into UTF-8. domain_lc is the domain with ASCII letters
 * lowercased and one trailing dot removed. A local part that needs quoting
 * is re-quoted in `address`.
 * Ceiling: ADDR_MAX_PER_FIELD addresses. Does NOT convert IDNs to A-labels
 * or check that domains exist. */
#include "mail/addr.h"

#include <string.h>

#include "mail/limits.h"
#include "mail/rfc2047.h"
#include "util/str.h"

enum tok_type { T_ATOM, T_QUOTED, T_COMMENT, T_DLIT, T_SPECIAL };

struct tok {
    enum tok_type type;
    const char *p; /* T_QUOTED / T_COMMENT: content, unescaped */
    size_t len;
    bool ws_before;
};

struct piece {
    size_t start, end;
    char *group; /* decoded group name or NULL */
    bool has_at, has_angle;
};

struct ctx {
    arena *a;
    struct anomalies *an;
    bool ok;
    struct tok *toks;
    size_t n_toks, cap_toks;
};

static void bad(struct ctx *c, const char *why)
{
    if (c->ok && c->an) anom_add(c->an, ANOM_ADDR_UNPARSEABLE, "%s", why);
    c->ok = false;
}

static bool is_special(unsigned char ch)
{
    return ch == '<' || ch == '>' || ch == '@' || ch == ':' || ch == ';' || ch == ',' ||
           ch == '"' || ch == '(' || ch == ')' || ch == '[' || ch == ']';
}

/* atext of RFC 5322, plus 8-bit bytes (RFC 6532) */
static bool is_atext(unsigned char ch)
{
    if (ch >= 0x80 || ch_is_alnum(ch)) return true;
    return ch != 0 && strchr("!#$%&'*+-/=?^_`{|}~", ch) != NULL;
}

/* Skip a bracketed run (quote, comment, literal) starting at p[i]; returns
 * the index after it (len when unterminated; *open set). */
static size_t skip_enclosed(const char *p, size_t len, size_t i, bool *open)
{
    char first = p[i];
    char close = first == '"' ? '"' : first == '(' ? ')' : ']';
    int depth = 1;
    i++;
    while (i < len) {
        char ch = p[i];
        if (ch == '\\' && i + 1 < len) {
            i += 2;
            continue;
        }
        if (ch == close && --depth == 0) return i + 1;
        if (first == '(' && ch == '(') depth++;
        i++;
    }
    *open = true;
    return len;
}

/* Unescape the content of a quoted string or comment (p,len) if needed. */
static const char *unescape(arena *a, const char *p, size_t *len)
{
    if (!memchr(p, '\\', *len)) return p;
    char *o = arena_alloc(a, *len + 1);
    size_t n = 0;
    for (size_t i = 0; i < *len; i++) {
        if (p[i] == '\\' && i + 1 < *len) i++;
        o[n++] = p[i];
    }
    o[n] = '\0';
    *len = n;
    return o;
}

static void push_tok(struct ctx *c, enum tok_type t, const char *p, size_t len, bool ws)
{
    c->toks = arena_grow(c->a, c->toks, &c->cap_toks, c->n_toks + 1, sizeof *c->toks);
    c->toks[c->n_toks++] = (struct tok){t, p, len, ws};
}

static void tokenise(struct ctx *c, const char *p, size_t start, size_t end)
{
    c->n_toks = 0;
    bool ws = false;
    size_t i = start;
    while (i < end) {
        unsigned char ch = (unsigned char)p[i];
        if (ch_is_space(ch)) {
            ws = true;
            i++;
            continue;
        }
        if (ch == '"' || ch == '(' || ch == '[') {
            bool open = false;
            size_t j = skip_enclosed(p, end, i, &open);
            if (open)
                bad(c, ch == '"'   ? "unterminated quoted string"
                       : ch == '(' ? "unterminated comment"
                                   : "unterminated domain literal");
            if (ch == '[') {
                push_tok(c, T_DLIT, p + i, j - i, ws);
            } else {
                size_t clen = j - i - (open ? 1 : 2);
                const char *cp = unescape(c->a, p + i + 1, &clen);
                push_tok(c, ch == '"' ? T_QUOTED : T_COMMENT, cp, clen, ws);
            }
            i = j;
        } else if (is_special(ch)) {
            push_tok(c, T_SPECIAL, p + i, 1, ws);
            i++;
        } else {
            size_t j = i;
            while (j < end && !ch_is_space((unsigned char)p[j]) && !is_special((unsigned char)p[j]))
                j++;
            push_tok(c, T_ATOM, p + i, j - i, ws);
            i = j;
        }
        ws = false;
    }
}

static bool tok_is(const struct tok *t, char ch)
{
    return t->type == T_SPECIAL && t->p[0] == ch;
}

/* A phrase (display or group name) from tokens [from, to): words joined by
 * one space where whitespace separated them, comments dropped, decoded.
 * NULL when empty. */
static char *phrase(struct ctx *c, size_t from, size_t to)
{
    struct arena_str b = {.a = c->a};
    for (size_t i = from; i < to; i++) {
        const struct tok *t = &c->toks[i];
        if (t->type == T_COMMENT) continue;
        if (b.len && t->ws_before) arena_str_put(&b, " ", 1);
        arena_str_put(&b, t->p, t->len);
    }
    if (b.len == 0) return NULL;
    if (str_is_ascii(b.p, b.len) && !memchr(b.p, '=', b.len)) return b.p;
    return rfc2047_decode(c->a, b.p, b.len, NULL, c->an);
}

static char *comment_text(struct ctx *c, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        const struct tok *t = &c->toks[i];
        if (t->type == T_COMMENT) {
            struct slice s = str_trim(t->p, t->len);
            if (s.len) return rfc2047_decode(c->a, s.p, s.len, NULL, c->an);
        }
    }
    return NULL;
}

static bool needs_quotes(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.') return true;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '.' ? (i + 1 < n && s[i + 1] == '.') : !is_atext(ch)) return true;
    }
    return false;
}

static void set_addr(struct ctx *c, struct addr *out, const char *local, size_t ll, const char *dom,
                     size_t dl)
{
    out->local = arena_strndup(c->a, local, ll);
    out->domain = arena_strndup(c->a, dom, dl);
    size_t lc_len = dl;
    if (lc_len > 1 && dom[lc_len - 1] == '.') lc_len--;
    out->domain_lc = arena_strndup(c->a, dom, lc_len);
    str_lower(out->domain_lc, lc_len);
    if (ll == 0 && dl == 0) {
        out->address = "";
        return;
    }
    struct arena_str b = {.a = c->a};
    if (needs_quotes(local, ll) && ll) {
        arena_str_put(&b, "\"", 1);
        for (size_t i = 0; i < ll; i++) {
            if (local[i] == '"' || local[i] == '\\') arena_str_put(&b, "\\", 1);
            arena_str_put(&b, local + i, 1);
        }
        arena_str_put(&b, "\"", 1);
    } else {
        arena_str_put(&b, local, ll);
    }
    if (dl) {
        arena_str_put(&b, "@", 1);
        arena_str_put(&b, dom, dl);
    }
    out->address = b.p;
}

static bool valid_domain(const char *d, size_t n)
{
    if (n == 0) return false;
    if (d[0] == '[') return n >= 2 && d[n - 1] == ']';
    if (d[0] == '.' || d[0] == '-') return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)d[i];
        if (!(ch_is_alnum(ch) || ch == '-' || ch == '.' || ch == '_' || ch >= 0x80)) return false;
        if (ch == '.' && i + 1 < n && d[i + 1] == '.') return false;
    }
    return true;
}

/* Read an addr-spec from tokens [from, to) (comments ignored). The last '@'
 * separates local part and domain. Returns false if it is not one. */
static bool addr_spec(struct ctx *c, size_t from, size_t to, struct addr *out, bool strict)
{
    size_t at = to;
    size_t n_at = 0;
    for (size_t i = from; i < to; i++) {
        if (tok_is(&c->toks[i], '@')) {
            at = i;
            n_at++;
        }
    }
    struct arena_str local = {.a = c->a}, dom = {.a = c->a};
    arena_str_put(&local, "", 0);
    arena_str_put(&dom, "", 0);
    bool clean = n_at == 1;
    const struct tok *prev = NULL; /* previous non-comment token */
    for (size_t i = from; i < to; i++) {
        const struct tok *t = &c->toks[i];
        if (t->type == T_COMMENT) continue;
        /* "john doe@x": words separated by whitespace, not by a dot */
        if (i < at && prev && t->ws_before && prev->type != T_SPECIAL && t->type != T_SPECIAL &&
            !(prev->len && prev->p[prev->len - 1] == '.') && !(t->len && t->p[0] == '.')) {
            clean = false;
            if (strict) return false;
        }
        prev = t;
        if (i == at) continue;
        if (t->type == T_SPECIAL && !(i < at && t->p[0] == '@')) {
            clean = false;
            if (strict) return false;
            continue;
        }
        if (t->type == T_DLIT && i < at) clean = false;
        arena_str_put(i < at ? &local : &dom, t->p, t->len);
    }
    if (at == to) {
        if (local.len == 0) return false;
        /* a lone word: local part only */
        bad(c, "address without a domain");
        set_addr(c, out, local.p, local.len, "", 0);
        return true;
    }
    if (!clean) bad(c, "malformed addr-spec");
    if (local.len == 0 || !valid_domain(dom.p, dom.len))
        bad(c, "empty local part or invalid domain");
    set_addr(c, out, local.p, local.len, dom.p, dom.len);
    return true;
}

/* Parse one mailbox from the tokens of a piece. Returns false if nothing
 * useful was in it. */
static bool mailbox(struct ctx *c, struct addr *out)
{
    memset(out, 0, sizeof *out);
    size_t n = c->n_toks;
    size_t lt = n;
    for (size_t i = 0; i < n; i++) {
        if (tok_is(&c->toks[i], '<')) {
            lt = i;
            break;
        }
    }
    if (lt < n) {
        size_t gt = n;
        for (size_t i = lt + 1; i < n; i++) {
            if (tok_is(&c->toks[i], '>')) {
                gt = i;
                break;
            }
        }
        if (gt == n) bad(c, "unclosed '<'");
        for (size_t i = gt + 1; i < n; i++)
            if (c->toks[i].type != T_COMMENT) {
                bad(c, "text after '>'");
                break;
            }
        out->name = phrase(c, 0, lt);
        size_t from = lt + 1;
        /* obs-route: @a,@b: before the addr-spec */
        if (from < gt && tok_is(&c->toks[from], '@')) {
            for (size_t i = from; i < gt; i++) {
                if (tok_is(&c->toks[i], ':')) {
                    from = i + 1;
                    break;
                }
            }
        }
        bool any = false;
        for (size_t i = from; i < gt; i++)
            if (c->toks[i].type != T_COMMENT) any = true;
        if (!any) { /* <> */
            set_addr(c, out, "", 0, "", 0);
            return true;
        }
        if (!addr_spec(c, from, gt, out, false)) set_addr(c, out, "", 0, "", 0);
        return true;
    }
    /* no angle brackets: a bare addr-spec, or breakage */
    if (addr_spec(c, 0, n, out, true)) {
        out->name = comment_text(c, 0, n);
        return true;
    }
    size_t at = n;
    for (size_t i = 0; i < n; i++)
        if (tok_is(&c->toks[i], '@')) at = i;
    if (at < n) {
        /* "John Doe john@x": the addr-spec is the glued run around '@' */
        size_t s = at, e = at + 1;
        while (s > 0 && !c->toks[s].ws_before && c->toks[s - 1].type != T_COMMENT)
            s--;
        while (e < n && !c->toks[e].ws_before && c->toks[e].type != T_COMMENT)
            e++;
        bad(c, "address without angle brackets after a name");
        addr_spec(c, s, e, out, false);
        out->name = phrase(c, 0, s);
        if (!out->name) out->name = comment_text(c, 0, n);
        return true;
    }
    /* words only: a name without an address */
    char *name = phrase(c, 0, n);
    if (!name) return false;
    bad(c, "name without an address");
    out->name = name;
    set_addr(c, out, "", 0, "", 0);
    return true;
}

static bool piece_has_content(const char *p, size_t s, size_t e)
{
    size_t i = s;
    while (i < e) {
        if (ch_is_space((unsigned char)p[i])) {
            i++;
        } else if (p[i] == '(') {
            bool open = false;
            i = skip_enclosed(p, e, i, &open);
        } else {
            return true;
        }
    }
    return false;
}

/* Split the value into pieces; groups resolved here. */
static struct piece *split(struct ctx *c, const char *p, size_t len, size_t *n_out)
{
    struct piece *v = NULL;
    size_t n = 0, cap = 0;
    char *group = NULL;
    bool in_group = false;
    size_t start = 0;
    bool has_at = false, has_angle = false, in_angle = false;
    size_t i = 0;
    for (;;) {
        bool end_piece = i >= len;
        bool close_group = false;
        if (!end_piece) {
            char ch = p[i];
            if (ch == '"' || ch == '(' || ch == '[') {
                bool open = false;
                i = skip_enclosed(p, len, i, &open);
                continue;
            }
            if (ch == '<') {
                in_angle = true;
                has_angle = true;
            } else if (ch == '>') {
                in_angle = false;
            } else if (ch == '@') {
                has_at = true;
            } else if (!in_angle && ch == ':' && !in_group && !has_at) {
                /* group start: the text so far is its name */
                tokenise(c, p, start, i);
                group = phrase(c, 0, c->n_toks);
                if (!group) group = arena_strdup(c->a, "");
                in_group = true;
                start = i + 1;
                has_angle = false;
                i++;
                continue;
            } else if (!in_angle && ch == ',') {
                end_piece = true;
            } else if (!in_angle && ch == ';') {
                end_piece = true;
                if (in_group)
                    close_group = true;
                else
                    bad(c, "';' used as a list separator");
            }
        }
        if (end_piece) {
            size_t e = i < len ? i : len;
            if (piece_has_content(p, start, e)) {
                if (n >= ADDR_MAX_PER_FIELD + 1) {
                    bad(c, "more addresses than the ceiling");
                    break;
                }
                v = arena_grow(c->a, v, &cap, n + 1, sizeof *v);
                v[n++] = (struct piece){start, e, in_group ? group : NULL, has_at, has_angle};
            }
            if (i >= len) break;
            start = i + 1;
            has_at = has_angle = in_angle = false;
            if (close_group) {
                in_group = false;
                group = NULL;
            }
        }
        i++;
    }
    *n_out = n;
    return v;
}

bool addr_parse_list(arena *a, const char *p, size_t len, struct addr_list *out,
                     struct anomalies *an)
{
    struct ctx c = {.a = a, .an = an, .ok = true};
    out->v = NULL;
    out->n = 0;
    size_t n_pieces;
    struct piece *pcs = split(&c, p, len, &n_pieces);
    if (n_pieces == 0) return c.ok;
    size_t cap = n_pieces < ADDR_MAX_PER_FIELD ? n_pieces : ADDR_MAX_PER_FIELD;
    out->v = arena_zalloc(a, sizeof *out->v * cap);
    for (size_t k = 0; k < n_pieces; k++) {
        if (out->n >= ADDR_MAX_PER_FIELD) {
            bad(&c, "more addresses than the ceiling");
            break;
        }
        struct piece *pc = &pcs[k];
        char *prefix = NULL;
        if (!pc->has_at && !pc->has_angle && k + 1 < n_pieces && pcs[k + 1].has_angle &&
            pcs[k + 1].group == pc->group) {
            /* "Doe, John <j@x>": an unquoted comma in the display name */
            tokenise(&c, p, pc->start, pc->end);
            prefix = phrase(&c, 0, c.n_toks);
            bad(&c, "unquoted ',' in a display name");
            pc = &pcs[++k];
        }
        tokenise(&c, p, pc->start, pc->end);
        struct addr *ad = &out->v[out->n];
        if (!mailbox(&c, ad)) continue;
        if (prefix) ad->name = ad->name ? arena_printf(a, "%s, %s", prefix, ad->name) : prefix;
        ad->group = pc->group;
        out->n++;
    }
    return c.ok;
}

bool addr_parse_path(arena *a, const char *p, size_t len, struct addr *out)
{
    struct ctx c = {.a = a, .ok = true};
    tokenise(&c, p, 0, len);
    if (!mailbox(&c, out)) {
        memset(out, 0, sizeof *out);
        set_addr(&c, out, "", 0, "", 0);
        return false;
    }
    out->group = NULL;
    return c.ok;
}
