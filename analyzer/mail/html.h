/* html — render HTML to plain text the way a spam filter sees it: tags
 * removed, script/style/head dropped, block elements become line breaks,
 * entities decoded (named, decimal, hex), whitespace collapsed; and collect
 * the links (href plus visible text) and images (src, size, kind).
 * A tolerant tokenizer, not a DOM: unclosed tags and comments end at the end
 * of input. Ceilings: HTML_MAX_INPUT bytes rendered, HTML_MAX_LINKS links
 * and images kept. Input need not be NUL-terminated. */
#ifndef MAIL_HTML_H
#define MAIL_HTML_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/anomaly.h"
#include "util/arena.h"

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

struct html_doc {
    char *text; /* UTF-8 if the input was UTF-8 */
    size_t text_len;
    struct html_link *links;
    size_t n_links;
    struct html_image *images;
    size_t n_images;
};

void html_render(arena *a, const char *p, size_t len, struct html_doc *out, struct anomalies *an);

#endif
