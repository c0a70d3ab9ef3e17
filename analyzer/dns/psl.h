/* psl — the Public Suffix List (publicsuffix.org; Debian's `publicsuffix`
 * package file), for the RFC 7489 organizational domain that many receivers
 * still use (`--dmarc-psl`). Rules, wildcards (*.ck) and exceptions
 * (!www.ck); the implicit "*" rule (an unknown TLD is a public suffix).
 * Loaded once, then read-only (thread-safe). ASCII rules only: a name in
 * U-labels is not looked up (mail names are A-labels). */
#ifndef DNS_PSL_H
#define DNS_PSL_H
#include <stddef.h>

#include "util/arena.h"

#define PSL_DEFAULT_PATH "/usr/share/publicsuffix/public_suffix_list.dat"
#define PSL_MAX_RULES 100000

struct psl;

/* NULL with err "FILE: why" when the file cannot be read. */
struct psl *psl_load(const char *path, char *err, size_t errlen);
/* From text in memory (p,len); never fails (bad lines are skipped). */
struct psl *psl_load_text(const char *p, size_t len);
void psl_free(struct psl *l);
size_t psl_rules(const struct psl *l);
/* The registrable (organizational) domain of a lowercase name without a
 * trailing dot: its public suffix plus one label; NULL when the name is
 * itself a public suffix (or empty). */
const char *psl_org_domain(const struct psl *l, arena *a, const char *name);

#endif
