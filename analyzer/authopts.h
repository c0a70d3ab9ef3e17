/* authopts — the verification options `ingest` and `check` share: where DNS
 * answers come from (--dns FILE..., --online, --dns-from-db), which checks
 * run (--checks), and the time signatures are judged at (--at). Builds the
 * resolver and verifier from them. */
#ifndef AUTHOPTS_H
#define AUTHOPTS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/dkim.h"
#include "auth/envelope.h"
#include "auth/verify.h"
#include "dns/dns.h"
#include "mail/message.h"
#include "store/db.h"

enum check_bits {
    CHECK_DKIM = 1u << 0,
    CHECK_SPF = 1u << 1,
    CHECK_DMARC = 1u << 2,
    CHECK_ARC = 1u << 3,
    CHECK_RULES = 1u << 4,
};
#define CHECKS_IMPLEMENTED (CHECK_DKIM | CHECK_SPF | CHECK_DMARC | CHECK_ARC | CHECK_RULES)
#define CHECKS_ALL (CHECK_DKIM | CHECK_SPF | CHECK_DMARC | CHECK_ARC | CHECK_RULES)

enum at_mode { AT_ARRIVAL = 0, AT_NOW, AT_GIVEN };

struct auth_opts {
    const char **dns_files;
    size_t n_dns, cap_dns;
    bool online;
    int timeout_ms;
    bool dns_from_db;
    unsigned checks; /* CHECK_* bits; 0 until set = all */
    enum at_mode at_mode;
    int64_t at;
    struct envelope_opts env; /* --ip --helo --mail-from (check), --trusted-hops,
                                 --internal-net, --receiver */
    bool dmarc_psl;           /* --dmarc-psl */
    const char **rules;       /* --rules PATH... (none: the default rule directory) */
    size_t n_rules, cap_rules;
};

/* Help text lines for these options (shared by both commands). */
extern const char authopts_help[];

/* Help lines for the envelope and DMARC options. */
extern const char authopts_envelope_help[];

void authopts_init(struct auth_opts *o);
/* Envelope/DMARC options by getopt code: AO_TRUSTED_HOPS, AO_INTERNAL_NET,
 * AO_RECEIVER, AO_DMARC_PSL, AO_IP, AO_HELO, AO_MAIL_FROM. 0 or -1 (usage
 * error printed). */
enum {
    AO_TRUSTED_HOPS = 1000,
    AO_INTERNAL_NET,
    AO_RECEIVER,
    AO_DMARC_PSL,
    AO_IP,
    AO_HELO,
    AO_MAIL_FROM,
    AO_RULES,
};
int authopts_envelope_option(struct auth_opts *o, const char *cmd, int code, const char *arg);

/* The verification context for these options (verifiers created; the
 * resolver is borrowed). -1 after printing an error (e.g. the PSL file). */
int authopts_verify_ctx(const struct auth_opts *o, const char *cmd, struct dns_resolver *dns,
                        struct verify_ctx *vc);
void authopts_verify_ctx_free(struct verify_ctx *vc);

/* The getopt codes both commands use for these options ('D' --dns, 'O'
 * --online, 'T' --dns-timeout, 'F' --dns-from-db, 'C' --checks, 'A' --at,
 * AO_RULES --rules,
 * and the AO_* codes): 1 handled, -1 usage error printed, 0 not ours. */
int authopts_option(struct auth_opts *o, const char *cmd, int code, const char *arg);

/* Option handlers: 0, or -1 after printing a usage error for `cmd`. */
int authopts_add_dns(struct auth_opts *o, const char *file);
int authopts_set_checks(struct auth_opts *o, const char *cmd, const char *list);
int authopts_set_at(struct auth_opts *o, const char *cmd, const char *when);
int authopts_set_timeout(struct auth_opts *o, const char *cmd, const char *secs);
void authopts_free(struct auth_opts *o);

/* The resolver for these options: snapshots loaded, cached answers from `db`
 * when --dns-from-db (db may be NULL otherwise), live when --online. NULL
 * after printing an error for `cmd`. Prints a warning for each requested
 * check that this version cannot run yet. */
struct dns_resolver *authopts_resolver(const struct auth_opts *o, const char *cmd, struct db *db);

/* The time to judge a message's signatures at, and where it came from:
 * "arrival" (topmost dated Received), "date" (Date header), "now", "given". */
int64_t authopts_judge_time(const struct auth_opts *o, const struct message *m,
                            const char **source);

#endif
