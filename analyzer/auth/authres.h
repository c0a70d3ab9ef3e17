/* authres — the result words of RFC 8601 (Authentication-Results), shared by
 * DKIM, SPF, DMARC, ARC and iprev. */
#ifndef AUTH_AUTHRES_H
#define AUTH_AUTHRES_H

enum auth_result {
    AUTH_NONE = 0,
    AUTH_PASS,
    AUTH_FAIL,
    AUTH_SOFTFAIL,
    AUTH_NEUTRAL,
    AUTH_POLICY,
    AUTH_TEMPERROR,
    AUTH_PERMERROR,
};

/* "none", "pass", "fail", "softfail", "neutral", "policy", "temperror", "permerror" */
const char *auth_result_name(enum auth_result r);

#endif
