/* html — render HTML to plain text the way a spam filter sees it: tags
 * removed, script/style/head dropped, block elements become line breaks,
 * entities decoded (named, decimal, hex), whitespace collapsed; and collect
 * the links (href plus visible text) and images (src, size, kind).
 * A tolerant tokenizer, not a DOM: unclosed tags and comments end at the end
 * of input. Ceilings: HTML_MAX_INPUT bytes rendered, HTML_MAX_LINKS links
 * and images kept. Input need not be NUL-terminated.
 * The same pass fills html_stats: SpamAssassin's HTML.pm statistics (tag
 * counts and balance, obfuscation, font sizes and colours, comments,
 * titles, anchors, image area, text length) for the HTMLEval checks. */
#ifndef MAIL_HTML_H
#define MAIL_HTML_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mail/anomaly.h"
#include "util/arena.h"

#define HTML_TAGNAME_MAX 31      /* bytes of a tag name kept (longer names are cut) */
#define HTML_MAX_TAGNAMES 256    /* distinct tag names kept in html_stats */
#define HTML_MAX_SNIPPETS 500    /* comments, titles and anchors kept, each */
#define HTML_SNIPPET_MAX 4096    /* bytes kept of one comment, title or anchor text */
#define HTML_MAX_STYLE_DEPTH 256 /* open text styles tracked (deeper ones are not pushed) */
#define HTML_MAX_URI 8192        /* SpamAssassin's MAX_URI_LENGTH */

struct html_link {
    char *href; /* entity-decoded, trimmed */
    char *text; /* visible text inside <a>, whitespace collapsed */
};

enum html_img_kind { IMG_REMOTE, IMG_CID, IMG_DATA, IMG_OTHER };

struct html_image {
    char *src;
    enum html_img_kind kind;
    int width, height;   /* from attributes or inline style; -1 when absent */
    bool tracking_pixel; /* remote and at most 2x2 (or hidden by style) */
};

/* A tag name seen in the document and SpamAssassin's "inside" count for it:
 * start tags minus end tags, never below 0 (an extra end tag is counted in
 * html_stats.closed_extra instead). */
struct html_tagcount {
    char name[HTML_TAGNAME_MAX +
              1]; /* lowercased as HTML::Parser reports it ("br", "o:p", "!doctype") */
    int inside;
};

/* What SpamAssassin's HTML.pm records about a document (its get_results()),
 * computed in the same pass as the rendering, for the HTMLEval functions and
 * mailaudit's own HTML checks. Names in quotes are SpamAssassin's keys.
 * The tokenizer is the renderer's, with HTML::Parser's decisions where they
 * differ and matter: tag names run to whitespace or '>' ("<br/>" is "br" as
 * SpamAssassin rewrites it, "<a/b>" is "a/b"); a tag without its '>' is not a
 * tag; title content is text; "<!x>" and "</ x>" are comments; "<!doctype"
 * is a declaration. The content of noembed, noframes and template is not
 * parsed for tags (the renderer drops it); textarea and xmp content is.
 * Ceilings: HTML_MAX_TAGNAMES distinct names (later new names are counted in
 * tags but not kept), HTML_MAX_SNIPPETS comments, titles and anchors each,
 * HTML_SNIPPET_MAX bytes of each, HTML_MAX_STYLE_DEPTH open text styles. */
struct html_stats {
    size_t length;        /* "length": characters of the HTML source */
    size_t non_space_len; /* "non_space_len": non-whitespace characters of the text */
    unsigned long long
        image_area;         /* "image_area": <img> with width and height (% of 800x600; 0 -> 200) */
    int tags;               /* "tags": every start and end tag (and <!doctype>) */
    int elements;           /* of those, HTML 4 elements (and o:/stN: namespace tags) */
    int tags_seen;          /* tags whose name was not seen before */
    int elements_seen;      /* elements whose name was not seen before */
    int closed_extra;       /* end tags without an open start tag */
    int obfuscation;        /* text directly continuing a word across a non-space tag ("F<b>ree") */
    int max_size, min_size; /* "max_size", "min_size": font sizes (1-7, default 3) */
    struct html_tagcount *tagv; /* every tag name seen, first-seen order */
    size_t n_tagv;
    char **comments; /* "comment": "<!-- ... -->", "<!x>" as written */
    size_t n_comments;
    char **titles; /* "title": text of each <title>, entities decoded */
    size_t n_titles;
    char **anchors; /* "anchor": text of each <a>, "<img>\n" for each image inside */
    size_t n_anchors;
    char *charsets; /* "charsets": <meta http-equiv=Content-Type> charsets, space-separated */
    bool font_face_bad, font_invalid_color, font_low_contrast; /* "font_*" html_test flags */
    bool form_action_mailto, embeds;                           /* html_test flags */
    bool uri_truncated; /* a URI longer than HTML_MAX_URI characters */
    int n_forms, n_scripts, n_iframes, n_iframe_src, n_objects; /* start tags (iframe with src) */
    size_t hidden_chars; /* non-space characters of text SpamAssassin deems invisible: same or
                            near colour as the background, font size <= 1, display:none,
                            visibility:hidden, invalid colour */
};

struct html_doc {
    char *text; /* UTF-8 if the input was UTF-8 */
    size_t text_len;
    struct html_link *links;
    size_t n_links;
    struct html_image *images;
    size_t n_images;
    struct html_stats st;
};

/* The tag count of `name` (lowercase), or NULL when that tag never occurred. */
const struct html_tagcount *html_tag_find(const struct html_doc *d, const char *name);

void html_render(arena *a, const char *p, size_t len, struct html_doc *out, struct anomalies *an);

/* A CSS colour keyword (lowercase, NUL-terminated) as 0xRRGGBB; false when unknown.
 * The table SpamAssassin's HTML.pm uses (the CSS3 keywords). */
bool html_color_by_name(const char *name, uint32_t *rgb);

#endif
