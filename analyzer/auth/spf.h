/* spf — Sender Policy Framework (RFC 7208) through libspf2 1.2.10, answering
 * every DNS question from our resolver (dns.h), with RFC 7208 verdicts where
 * libspf2 alone deviates.
 *
 * What it does: checks one identity (MAIL FROM, or HELO) for a client IP,
 * or both the way a receiver does (spf_check_both); reports the result word,
 * the domain and record checked, the term that decided, the explanation of
 * a fail (exp=), a precise problem text for none/temperror/permerror, the
 * DNS-querying terms and void lookups used, and a Received-SPF field. It
 * also notes a legacy Sender ID record (RFC 4406, "spf2.0/...") published
 * next to the SPF record; the PRA is not evaluated.
 *
 * How: libspf2 evaluates the mechanisms through a DNS layer of our own
 * (never libspf2's resolver); records reach it only after our own RFC 7208
 * syntax check, rewritten into a form it handles correctly. The design, the
 * libspf2 deviations corrected and what is done outside libspf2 are listed
 * at the top of spf.c.
 *
 * Ceilings (hostile input): SPF_MAX_TERMS terms per record (more:
 * permerror), SPF_MAX_LOCAL bytes of local-part and DNS_MAX_NAME of domain
 * in an identity (longer: none), SPF_MAX_EXPLANATION bytes of explanation
 * (longer: cut), SPF_MAX_HELO bytes of HELO name, SPF_CACHE_MAX compiled
 * records or SPF_CACHE_BYTES cached per checker (emptied when full),
 * libspf2's include/redirect depth of 20 (deeper: permerror).
 * RFC 7208 §4.6.4 limits: SPF_MAX_DNS_TERMS, SPF_MAX_VOID, SPF_MAX_MX,
 * SPF_MAX_PTR.
 *
 * Thread safety: one checker per thread (each owns a libspf2 server); the
 * resolver may be shared (dns.h). libspf2's global log handlers are set
 * once, quietly, by the first spf_checker_new. */
#ifndef AUTH_SPF_H
#define AUTH_SPF_H
#include <stdbool.h>
#include <stdint.h>

#include "auth/authres.h"
#include "dns/dns.h"
#include "util/arena.h"

#define SPF_MAX_DNS_TERMS 10 /* include a mx ptr exists redirect per check (RFC 7208 4.6.4) */
#define SPF_MAX_VOID 2       /* lookups answering NXDOMAIN or no records (4.6.4) */
#define SPF_MAX_MX 10        /* MX records of one mx term; more is permerror (4.6.4) */
#define SPF_MAX_PTR 10       /* PTR names looked at; the rest are ignored (4.6.4) */
#define SPF_MAX_TERMS 1024   /* terms in one record */
#define SPF_MAX_LOCAL 256    /* bytes of a MAIL FROM local-part */
#define SPF_MAX_EXPLANATION 1024
#define SPF_MAX_HELO 255            /* bytes of HELO name used (%{h}); the rest is ignored */
#define SPF_CACHE_MAX 4096          /* records cached per checker ... */
#define SPF_CACHE_BYTES (64u << 20) /* ... or bytes of them: then the cache starts over */

enum spf_identity { SPF_ID_MAILFROM = 0, SPF_ID_HELO };

struct spf_request {
    const char *ip;        /* client IP, IPv4 or IPv6 text; IPv4-mapped IPv6 counts as IPv4 */
    const char *helo;      /* HELO/EHLO name; NULL or "" when unknown */
    const char *mail_from; /* MAIL FROM address; NULL or "" = null sender (postmaster@HELO) */
    enum spf_identity identity;
    int64_t now; /* %{t} in explanations; 0 = now */
};

struct spf_result {
    enum auth_result result;
    enum spf_identity identity;
    const char *ip;          /* the client IP as evaluated ("1.2.3.4" for ::ffff:1.2.3.4) */
    const char *sender;      /* the identity evaluated: local@domain (postmaster@HELO ...) */
    const char *domain;      /* the domain checked; NULL when there was none */
    const char *record;      /* the SPF record of `domain` as published; NULL if none */
    const char *mechanism;   /* the term of `record` that decided, as written ("-all",
                                "include:_spf.example.net", "redirect=..."); NULL when
                                none did (default neutral, errors) */
    const char *explanation; /* fail only: the exp= text expanded; else NULL */
    const char *problem;     /* none, temperror, permerror: why, in words; else NULL */
    unsigned dns_terms;      /* DNS-querying terms evaluated (the one over the limit too) */
    unsigned void_lookups;   /* of which answered NXDOMAIN / no records */
    const char *comment;     /* "mailaudit: domain of x designates 192.0.2.1 as permitted sender" */
    const char *received_spf; /* "Received-SPF: pass (comment) client-ip=...; ..." */
    const char *sender_id;    /* a Sender ID record ("spf2.0/...") at `domain`, or NULL */
};

struct spf_checker;

/* A checker reads DNS only through `dns` (which must outlive it). */
struct spf_checker *spf_checker_new(struct dns_resolver *dns);
void spf_checker_free(struct spf_checker *c);
/* The receiver's name in comments and %{r} (default "mailaudit"); copied. */
void spf_checker_set_receiver(struct spf_checker *c, const char *name);

/* Check one identity; *out is filled in every case, its strings in `a`.
 * 0, or -1 when req->ip is not an IP address (then result none and a
 * problem text). */
int spf_check(struct spf_checker *c, arena *a, const struct spf_request *req,
              struct spf_result *out);
/* What a receiver does: the HELO identity, then MAIL FROM (the same verdict,
 * not a second evaluation, for the null sender). req->identity is ignored.
 * Returns spf_check's status. */
int spf_check_both(struct spf_checker *c, arena *a, const struct spf_request *req,
                   struct spf_result *helo, struct spf_result *mail_from);

/* Sender ID (RFC 4406/4407, legacy): the first "spf2.0/..." record of
 * `domain` in *record (NULL if none) and its scope list ("mfrom,pra") in
 * *scopes. The DNS rcode of the TXT lookup is returned. */
enum dns_rcode spf_sender_id(struct spf_checker *c, arena *a, const char *domain,
                             const char **record, const char **scopes);

/* libspf2's result codes (SPF_result_t) as RFC 8601 words, given the
 * libspf2 error code (SPF_errcode_t) that came with them:
 *   SPF_RESULT_PASS pass, FAIL fail, SOFTFAIL softfail, NEUTRAL neutral,
 *   NONE none, TEMPERROR temperror, PERMERROR permerror;
 *   SPF_RESULT_INVALID (0) is libspf2's answer both for a record that does
 *   not compile and for a TXT lookup that got TRY_AGAIN: temperror when the
 *   error code is SPF_E_DNS_ERROR, permerror otherwise.
 * Any other value: permerror. */
enum auth_result spf_result_from_libspf2(int spf_result, int spf_errcode);

const char *spf_identity_name(enum spf_identity id); /* "mailfrom", "helo" */

#endif
