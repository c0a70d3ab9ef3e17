/* libFuzzer harness for score/saregex.c. The input's first line is a rule
 * regex as written in a rule file ("/re/flags", "m{re}", ...); the rest is a
 * subject. The regex is compiled, then matched along the subject (offsets
 * stay in range, the match count is bounded); the prefilter invariant is
 * checked: when the regex matches the subject (or the first line itself),
 * that text contains one of its literals (case-insensitively when the set
 * says nocase, exactly otherwise), and the set obeys its contract (2..n
 * bytes, at most SARE_MAX_LITERALS, lowercase when nocase). The multi-literal matcher is built from those literals and
 * a few slices of the input and must report exactly what a naive search
 * finds. Every buffer is an exact-size heap copy so ASan sees over-reads. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "score/saregex.h"

static unsigned char low(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static int contains(const char *h, size_t hn, const char *nd, size_t nn, int nocase)
{
    if (nn > hn) return 0;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t j = 0;
        while (j < nn && (nocase ? low((unsigned char)h[i + j]) == low((unsigned char)nd[j])
                                 : h[i + j] == nd[j]))
            j++;
        if (j == nn) return 1;
    }
    return 0;
}

static void check_lits(const char *const *lits, const size_t *lens, size_t n, const char *data,
                       size_t size, const char *subj, size_t slen)
{
    sare_lits *m = sare_lits_new();
    uint32_t ids[SARE_MAX_LITERALS + 8];
    const char *ptr[SARE_MAX_LITERALS + 8];
    size_t len[SARE_MAX_LITERALS + 8];
    size_t k = 0;
    for (size_t i = 0; i < n; i++, k++)
        ptr[k] = lits[i], len[k] = lens[i];
    /* a few slices of the input, so that some literals do occur */
    for (size_t i = 0; i < 8 && size; i++, k++) {
        size_t off = (size_t)(unsigned char)data[i % size] * 7 % size;
        size_t l = 1 + (size_t)(unsigned char)data[(i * 3 + 1) % size] % 24;
        if (off + l > size) l = size - off;
        ptr[k] = data + off;
        len[k] = l;
    }
    char *copies[SARE_MAX_LITERALS + 8];
    for (size_t i = 0; i < k; i++) {
        copies[i] = malloc(len[i] ? len[i] : 1);
        memcpy(copies[i], ptr[i], len[i]);
        ids[i] = sare_lits_add(m, copies[i], len[i]);
    }
    sare_lits_build(m);
    uint32_t count = sare_lits_count(m);
    if (count > k) abort();
    uint64_t seen[(SARE_MAX_LITERALS + 8 + 63) / 64 + 1];
    memset(seen, 0, sizeof seen);
    sare_lits_scan(m, subj, slen, seen);
    for (size_t i = 0; i < k; i++) {
        int got = (int)((seen[ids[i] >> 6] >> (ids[i] & 63)) & 1u);
        if (got != contains(subj, slen, copies[i], len[i], 1)) abort();
    }
    for (size_t i = 0; i < k; i++)
        free(copies[i]);
    sare_lits_free(m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data;
    const char *nl = memchr(p, '\n', size);
    size_t plen = nl ? (size_t)(nl - p) : size;
    size_t soff = nl ? plen + 1 : size;
    size_t slen = size - soff;
    if (slen > 8192) slen = 8192;
    char *pat = malloc(plen ? plen : 1);
    memcpy(pat, p, plen);
    char *subj = malloc(slen ? slen : 1);
    memcpy(subj, p + soff, slen);

    char err[128];
    sare *re = sare_compile(pat, plen, err, sizeof err);
    if (!re) {
        if (!memchr(err, '\0', sizeof err) || !err[0]) abort(); /* a reason, terminated */
    } else {
        size_t ms, me, start = 0;
        enum sare_rc first = SARE_NOMATCH;
        for (int calls = 0; calls < 64 && start <= slen; calls++) {
            enum sare_rc rc = sare_match(re, subj, slen, start, &ms, &me);
            if (calls == 0) first = rc;
            if (rc != SARE_MATCH) {
                if (rc != SARE_NOMATCH && rc != SARE_LIMIT) abort();
                break;
            }
            if (ms > me || me > slen) abort();
            start = me > start ? me : start + 1;
        }
        const char *const *lits;
        const size_t *lens;
        bool nocase;
        size_t n = sare_literals(re, &lits, &lens, &nocase);
        if (n > SARE_MAX_LITERALS) abort();
        int found = 0;
        for (size_t i = 0; i < n; i++) {
            if (lens[i] < 2) abort();
            if (nocase)
                for (size_t j = 0; j < lens[i]; j++)
                    if (lits[i][j] >= 'A' && lits[i][j] <= 'Z') abort();
            found |= contains(subj, slen, lits[i], lens[i], nocase);
        }
        if (n && first == SARE_MATCH && !found) abort(); /* the prefilter would lose a hit */
        /* a pattern's own text often matches it ("/free money/") */
        if (n && sare_match(re, pat, plen, 0, &ms, &me) == SARE_MATCH) {
            found = 0;
            for (size_t i = 0; i < n; i++)
                found |= contains(pat, plen, lits[i], lens[i], nocase);
            if (!found) abort();
        }
        check_lits(lits, lens, n, p, size, subj, slen);
        sare_free(re);
    }
    free(pat);
    free(subj);
    return 0;
}
