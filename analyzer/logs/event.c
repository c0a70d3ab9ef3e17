/* event — see event.h. */
#include "logs/event.h"

#include <string.h>

static const char *const kind_names[] = {
#define LOG_KIND_NAME(code, name) name,
    LOG_KIND_LIST(LOG_KIND_NAME)
#undef LOG_KIND_NAME
};

void log_event_init(struct log_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->pid = -1;
    ev->size = -1;
    ev->nrcpt = -1;
    ev->delay = -1;
}

const char *log_kind_name(enum log_kind k)
{
    return (unsigned)k < EV__COUNT ? kind_names[k] : "other";
}

const char *log_mta_name(enum log_mta m)
{
    static const char *const names[] = {"unknown",  "hmailserver", "postfix", "exim",
                                        "sendmail", "iis",         "exchange"};
    return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "unknown";
}

const char *dlv_status_name(enum dlv_status s)
{
    static const char *const names[] = {NULL, "sent", "deferred", "bounced", "expired", "rejected"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : NULL;
}
