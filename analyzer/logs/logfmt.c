/* logfmt — the table of log formats and content detection: every format
 * scores the head of the file, the best score of at least 50 wins. */
#include "logs/logfmt.h"

#include <stddef.h>

const struct log_format *const log_formats[] = {
    &log_format_hmailserver,
    &log_format_postfix,
    &log_format_exim,
    &log_format_sendmail,
    &log_format_iis,
    &log_format_exchange,
    NULL,
};

const struct log_format *logfmt_detect(const char *head, size_t len)
{
    const struct log_format *best = NULL;
    int best_score = 49;
    for (size_t i = 0; i < sizeof log_formats / sizeof log_formats[0] - 1; i++) {
        const struct log_format *f = log_formats[i];
        if (!f->sniff) continue;
        int score = f->sniff(head, len);
        if (score > best_score) {
            best_score = score;
            best = f;
        }
    }
    return best;
}
