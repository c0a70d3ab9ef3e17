/* requirements — see requirements.h. */
#include "auth/requirements.h"
#include "util/str.h"

#include <string.h>

const char *req_status_name(enum req_status s)
{
    return s == REQ_PASS ? "pass" : s == REQ_FAIL ? "fail" : "unknown";
}

static void set(struct requirement *r, const char *id, const char *title, enum req_status st,
                const char *evidence)
{
    r->id = id;
    r->title = title;
    r->status = st;
    r->evidence = evidence;
}

static char *field_value(arena *a, const struct message *m, const char *name)
{
    const struct hdr_field *f = hdr_get(&m->hdr, name, 0);
    if (!f) return NULL;
    size_t n;
    return hdr_unfold(a, f->value, &n);
}

size_t requirements_check(arena *a, const struct req_input *in, struct requirement **out)
{
    struct requirement *r = arena_zalloc(a, REQ_COUNT * sizeof *r);
    size_t k = 0;
    const struct message *m = in->m;

    if (!in->spf_ran)
        set(&r[k++], "spf_pass", "SPF passes", REQ_UNKNOWN, "SPF not checked");
    else
        set(&r[k++], "spf_pass", "SPF passes",
            in->spf == AUTH_PASS        ? REQ_PASS
            : in->spf == AUTH_TEMPERROR ? REQ_UNKNOWN
                                        : REQ_FAIL,
            arena_printf(a, "spf=%s%s%s", auth_result_name(in->spf), in->spf_domain ? " for " : "",
                         in->spf_domain ? in->spf_domain : ""));

    /* DKIM: any passing signature; keys of the passing ones at least 1024 bits */
    const struct dkim_result *pass = NULL;
    bool any_temp = false, short_key = false;
    for (size_t i = 0; i < in->n_dkim; i++) {
        const struct dkim_result *d = &in->dkim[i];
        if (d->legacy) continue;
        if (d->result == AUTH_PASS && !pass) pass = d;
        if (d->result == AUTH_TEMPERROR) any_temp = true;
        if (d->reason == DKIM_R_KEY_TOO_SHORT ||
            (d->crypto_ok && d->key_bits && d->key_bits < 1024 && d->key_type &&
             strcmp(d->key_type, "rsa") == 0))
            short_key = true;
    }
    if (!in->dkim_ran)
        set(&r[k++], "dkim_pass", "DKIM passes", REQ_UNKNOWN, "DKIM not checked");
    else if (pass)
        set(&r[k++], "dkim_pass", "DKIM passes", REQ_PASS,
            arena_printf(a, "dkim=pass d=%s", pass->domain));
    else
        set(&r[k++], "dkim_pass", "DKIM passes", any_temp ? REQ_UNKNOWN : REQ_FAIL,
            in->n_dkim ? "no signature passes" : "not signed");

    if (!in->dmarc) {
        set(&r[k++], "dmarc_record", "DMARC record published (p=none at least)", REQ_UNKNOWN,
            "DMARC not checked");
        set(&r[k++], "dmarc_pass", "DMARC passes with alignment", REQ_UNKNOWN, "DMARC not checked");
    } else {
        const struct dmarc_result *d = in->dmarc;
        if (d->result == AUTH_TEMPERROR)
            set(&r[k++], "dmarc_record", "DMARC record published (p=none at least)", REQ_UNKNOWN,
                d->reason);
        else if (d->record)
            set(&r[k++], "dmarc_record", "DMARC record published (p=none at least)", REQ_PASS,
                arena_printf(a, "_dmarc.%s: %s", d->policy_domain, d->record));
        else
            set(&r[k++], "dmarc_record", "DMARC record published (p=none at least)", REQ_FAIL,
                d->reason ? d->reason : "no DMARC record");
        set(&r[k++], "dmarc_pass", "DMARC passes with alignment",
            d->result == AUTH_PASS        ? REQ_PASS
            : d->result == AUTH_TEMPERROR ? REQ_UNKNOWN
                                          : REQ_FAIL,
            d->result == AUTH_PASS
                ? arena_printf(a, "dmarc=pass (%s aligned)",
                               d->dkim_aligned && d->spf_aligned ? "SPF and DKIM"
                               : d->dkim_aligned                 ? "DKIM"
                                                                 : "SPF")
                : arena_printf(a, "dmarc=%s%s%s", auth_result_name(d->result),
                               d->reason ? ": " : "", d->reason ? d->reason : ""));
    }

    /* unsubscribe (RFC 2369, RFC 8058) */
    char *lu = field_value(a, m, "List-Unsubscribe");
    char *lup = field_value(a, m, "List-Unsubscribe-Post");
    bool https = lu && str_find_ci(lu, strlen(lu), "<https://");
    bool mailto = lu && str_find_ci(lu, strlen(lu), "<mailto:");
    bool one_click = lup && str_find_ci(lup, strlen(lup), "List-Unsubscribe=One-Click");
    set(&r[k++], "one_click_unsubscribe", "One-click unsubscribe (RFC 8058)",
        https && one_click ? REQ_PASS : REQ_FAIL,
        !lu          ? "no List-Unsubscribe"
        : !https     ? "List-Unsubscribe has no https URI"
        : !one_click ? "no List-Unsubscribe-Post: List-Unsubscribe=One-Click"
                     : "https List-Unsubscribe and List-Unsubscribe-Post");
    set(&r[k++], "unsubscribe", "Unsubscribe header (mailto or https)",
        https || mailto ? REQ_PASS : REQ_FAIL,
        lu ? arena_printf(a, "List-Unsubscribe: %.200s", lu) : "no List-Unsubscribe");

    /* Message-ID: id-left "@" id-right, angle brackets (the parser strips them) */
    const char *mid = m->message_id;
    const char *at = mid ? strchr(mid, '@') : NULL;
    bool mid_ok = mid && at && at != mid && at[1] && !strchr(at + 1, '@') && !strchr(mid, ' ');
    set(&r[k++], "message_id", "Valid Message-ID", mid_ok ? REQ_PASS : REQ_FAIL,
        mid ? arena_printf(a, "<%.200s>", mid) : "no Message-ID");

    set(&r[k++], "single_from", "Exactly one From address",
        m->n_from_addrs == 1 ? REQ_PASS : REQ_FAIL,
        arena_printf(a, "%d From address%s in %zu field%s", m->n_from_addrs,
                     m->n_from_addrs == 1 ? "" : "es", hdr_count(&m->hdr, "From"),
                     hdr_count(&m->hdr, "From") == 1 ? "" : "s"));

    if (!in->iprev)
        set(&r[k++], "ptr_fcrdns", "PTR present and forward-confirmed", REQ_UNKNOWN,
            "iprev not checked");
    else
        set(&r[k++], "ptr_fcrdns", "PTR present and forward-confirmed",
            in->iprev->result == AUTH_PASS   ? REQ_PASS
            : in->iprev->result == AUTH_FAIL ? REQ_FAIL
                                             : REQ_UNKNOWN,
            in->iprev->result == AUTH_PASS ? arena_printf(a, "%s -> %s -> %s", in->iprev->ip,
                                                          in->iprev->confirmed, in->iprev->ip)
                                           : in->iprev->reason);

    if (!in->env || !in->env->tls_known)
        set(&r[k++], "tls", "TLS on the receiving hop", REQ_UNKNOWN, "no entry hop found");
    else
        set(&r[k++], "tls", "TLS on the receiving hop", in->env->tls ? REQ_PASS : REQ_FAIL,
            arena_printf(a, "received by %s %s TLS",
                         in->env->received_by ? in->env->received_by : "?",
                         in->env->tls ? "with" : "without"));

    if (!in->dkim_ran)
        set(&r[k++], "dkim_key_1024", "DKIM keys of at least 1024 bits", REQ_UNKNOWN,
            "DKIM not checked");
    else
        set(&r[k++], "dkim_key_1024", "DKIM keys of at least 1024 bits",
            short_key ? REQ_FAIL
            : pass    ? REQ_PASS
                      : REQ_UNKNOWN,
            short_key ? "a signature uses an RSA key under 1024 bits"
            : pass    ? arena_printf(a, "%d-bit %s key", pass->key_bits,
                                  pass->key_type ? pass->key_type : "?")
                      : "no passing signature to measure");

    /* a gmail.com From must come from Google (Gmail rejects spoofed gmail.com since 2024) */
    const char *fd = m->has_from ? m->from.domain_lc : NULL;
    bool gmail = fd && (strcmp(fd, "gmail.com") == 0 || strcmp(fd, "googlemail.com") == 0);
    if (!gmail)
        set(&r[k++], "gmail_from", "No gmail.com From sent from outside Google", REQ_PASS,
            "From is not gmail.com");
    else {
        bool google = pass && pass->domain && strcmp(pass->domain, "gmail.com") == 0;
        set(&r[k++], "gmail_from", "No gmail.com From sent from outside Google",
            google ? REQ_PASS : REQ_FAIL,
            google ? "signed by gmail.com" : "gmail.com From without a gmail.com DKIM pass");
    }
    *out = r;
    return k;
}
