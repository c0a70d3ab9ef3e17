/* sahtml — render an HTML part the way SpamAssassin 4.0 renders it for its
 * body rules (Mail::SpamAssassin::HTML on top of HTML::Parser 3.8x), and
 * collect the URIs its HTML parser records (href, src, background, action,
 * base, meta refresh), resolved against <base href> as it resolves them.
 *
 * The input is the part's text already decoded to UTF-8 (SpamAssassin 4
 * decodes every text part to characters before parsing: normalize_charset
 * is on by default). The tokenizer reproduces HTML::Parser's event stream
 * (start/end tags, text with entities decoded, comments, declarations,
 * processing instructions, marked sections, the literal elements script,
 * style, xmp, iframe, plaintext, title and textarea, and what happens to an
 * unfinished construct at the end of the input); the renderer reproduces
 * HTML.pm's: which tags insert "\n", " " or "\n\n", whitespace collapsing
 * and trimming around them, script and style text dropped, and the
 * invisible-text test (colours, size, display:none) that decides trimming.
 * The rendered text contains visible and invisible text alike, as
 * SpamAssassin's body rules see it.
 *
 * Ceilings: SAHTML_MAX_URIS URIs kept, SAHTML_MAX_STYLE nested text styles
 * tracked (deeper ones share the innermost), SAHTML_MAX_MS nested marked
 * sections. Input need not be NUL-terminated. Never fails. */
#ifndef SCORE_SAHTML_H
#define SCORE_SAHTML_H
#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define SAHTML_MAX_URIS 2000
#define SAHTML_MAX_STYLE 256
#define SAHTML_MAX_MS 64

struct sahtml_uri {
    const char *p; /* NUL-terminated, in the arena */
    size_t len;
    bool wide; /* a Perl character string (else bytes, Latin-1 for U+0080..U+00FF) */
};

struct sahtml_result {
    char *text; /* rendered text, NUL-terminated, UTF-8 */
    size_t text_len;
    /* Perl's view of the string: false when every character came from
     * ASCII input or from entities below U+0100 (SpamAssassin then handles
     * the text as bytes: those characters become single Latin-1 bytes in
     * its body text unless another part makes the body Unicode). */
    bool wide;
    struct sahtml_uri *uris; /* as HTML.pm's uri_detail keys (unique) */
    size_t n_uris;
};

/* `wide`: the part's decoded text is a Perl character string (it had 8-bit
 * bytes, or its charset needed decoding); false for ASCII text in an ASCII
 * compatible charset. */
void sahtml_render(arena *a, const char *p, size_t len, bool wide, struct sahtml_result *out);

#endif
