/* fuzz_classify — the classification tables on arbitrary bytes:
 * classify_bounce with the input as text (and its first bytes as the
 * status and the reply code), classify_provider with the input as a domain
 * and as a host name, classify_blocklist on the input; classify_bounce_facts
 * with every stage and action, classify_smtp_command. Checks that the
 * results are static strings of the documented vocabulary shape. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "logs/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    char *text = malloc(size ? size : 1); /* exact size: no reads past len */
    if (!text) abort();
    memcpy(text, p, size);

    char dsn[16] = "";
    size_t dn = size < 9 ? size : 9;
    memcpy(dsn, p, dn);
    dsn[dn] = '\0';
    int code = size >= 2 ? (data[0] << 8 | data[1]) % 700 : 0;
    struct bounce_class b;
    for (int final = 0; final < 2; final++) {
        classify_bounce(code, dsn, text, size, final, &b);
        if (!b.reason || !b.rule || strlen(b.reason) == 0) abort();
        if (b.hard && !final) abort();
        classify_bounce(0, NULL, text, size, final, &b);
        if (!b.reason || !b.rule) abort();
    }
    classify_bounce(0, NULL, NULL, size, true, &b);

    /* the bounce-message entry point: the stage derived from the text, and
     * each stage, type and action given explicitly */
    const char *cmd = classify_smtp_command(text, size);
    if (cmd && strcmp(cmd, "CONN") != 0 && strcmp(cmd, "HELO") != 0 && strcmp(cmd, "MAIL") != 0 &&
        strcmp(cmd, "RCPT") != 0 && strcmp(cmd, "DATA") != 0)
        __builtin_trap();
    static const char *const cmds[] = {NULL, "CONN", "MAIL", "RCPT", "DATA"};
    static const char *const actions[] = {NULL, "failed", "delayed", "expired"};
    struct bounce_facts f = {0};
    f.reply_code = code;
    f.status = dsn;
    f.text = text;
    f.text_len = size;
    f.diagnostic_type = size && (data[0] & 1) ? "x-unix" : "smtp";
    for (size_t i = 0; i < 5; i++)
        for (size_t k = 0; k < 4; k++) {
            f.smtp_command = cmds[i];
            f.action = actions[k];
            f.final = k != 2;
            classify_bounce_facts(&f, &b);
            if (!b.reason || !b.rule || strlen(b.reason) == 0) __builtin_trap();
            if (b.hard && !f.final) __builtin_trap();
            /* a hard bounce is only ever one of the permanent-address reasons */
            if (b.hard && strcmp(b.reason, "userunknown") != 0 &&
                strcmp(b.reason, "hostunknown") != 0 && strcmp(b.reason, "hasmoved") != 0 &&
                strcmp(b.reason, "notaccept") != 0)
                __builtin_trap();
            if (k == 3 && strcmp(b.reason, "expired") != 0 && strcmp(b.reason, "delivered") != 0)
                __builtin_trap(); /* Action: expired */
        }

    char *name = malloc(size + 1);
    if (!name) abort();
    memcpy(name, p, size);
    name[size] = '\0';
    const char *prov = classify_provider(name, name);
    if (prov && strlen(prov) == 0) abort();
    prov = classify_provider(NULL, name);
    free(name);

    struct blocklist_hit h;
    if (classify_blocklist(text, size, &h) && (!h.list || !h.operator_)) abort();
    free(text);
    return 0;
}
