/* anomaly — see anomaly.h. */
#include "mail/anomaly.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const names[] = {
#define ANOM_NAME(code, name, desc) name,
    ANOMALY_LIST(ANOM_NAME)
#undef ANOM_NAME
};

static const char *const descriptions[] = {
#define ANOM_DESC(code, name, desc) desc,
    ANOMALY_LIST(ANOM_DESC)
#undef ANOM_DESC
};

void anom_init(struct anomalies *an, arena *a)
{
    an->a = a;
    an->n = 0;
    an->dropped = 0;
}

void anom_add(struct anomalies *an, enum anom_code code, const char *fmt, ...)
{
    if (!an) return;
    if (an->n >= ANOM_MAX_PER_MESSAGE) {
        an->dropped++;
        return;
    }
    const char *detail = NULL;
    if (fmt) {
        char tmp[ANOM_DETAIL_MAX + 1];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(tmp, sizeof tmp, fmt, ap);
        va_end(ap);
        for (char *c = tmp; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f) *c = '?';
        detail = arena_strdup(an->a, tmp);
    }
    an->v[an->n].code = code;
    an->v[an->n].detail = detail;
    an->n++;
}

void anom_add_once(struct anomalies *an, enum anom_code code, const char *detail)
{
    if (an && !anom_has(an, code)) anom_add(an, code, detail ? "%s" : NULL, detail);
}

int anom_has(const struct anomalies *an, enum anom_code code)
{
    for (size_t i = 0; i < an->n; i++)
        if (an->v[i].code == code) return 1;
    return 0;
}

const char *anom_name(enum anom_code code)
{
    return (unsigned)code < ANOM__COUNT ? names[code] : "unknown";
}

const char *anom_description(enum anom_code code)
{
    return (unsigned)code < ANOM__COUNT ? descriptions[code] : "";
}
