/* libFuzzer harness for auth/dkim_parse.c: the input as a tag-list, as the
 * value of a "DKIM-Signature:" field, as a key record, as base64 and as a
 * DomainKey-Signature; the field canonicalised both ways with the parsed b=
 * range left out. Invariants: slices and ranges inside their input, counts
 * within their ceilings, decoded sizes within DKIM_MAX_B, every string
 * NUL-terminated (strlen under ASan), relaxed output without WSP runs, CR,
 * LF or upper-case name bytes, simple output no shorter than its input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth/dkim_parse.h"

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) __builtin_trap();                                                                \
    } while (0)

static size_t sum; /* keeps strlen() calls from being optimised away */

static void touch(const char *s)
{
    if (s) sum += strlen(s);
}

static bool within(const char *p, size_t len, const char *base, size_t base_len)
{
    return p >= base && len <= base_len && (size_t)(p - base) <= base_len - len;
}

static void check_relaxed(const char *p, size_t len, bool final)
{
    if (!final) {
        CHECK(len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n');
        len -= 2;
    }
    const char *colon = memchr(p, ':', len);
    CHECK(colon != NULL);
    for (const char *q = p; q < colon; q++)
        CHECK(!(*q >= 'A' && *q <= 'Z'));
    for (size_t i = 0; i < len; i++) {
        CHECK(p[i] != '\r' && p[i] != '\n' && p[i] != '\t');
        if (p[i] == ' ') CHECK(i + 1 < len && p[i + 1] != ' ');
    }
    if (len) CHECK(p[0] != ' ');
    CHECK(colon == p || colon[-1] != ' ');
    CHECK(colon + 1 == p + len || colon[1] != ' ');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    arena *a = arena_new();

    struct dkim_tag *tags;
    size_t n;
    const char *bad;
    int rc = dkim_taglist_parse(a, in, size, &tags, &n, &bad);
    CHECK(n <= DKIM_MAX_TAGS);
    CHECK(rc == 0 ? bad == NULL : bad != NULL);
    touch(bad);
    for (size_t i = 0; i < n; i++) {
        CHECK(tags[i].name.len > 0 && within(tags[i].name.p, tags[i].name.len, in, size));
        CHECK(within(tags[i].value.p, tags[i].value.len, in, size));
    }

    /* "DKIM-Signature:" + input, an exact-size heap copy */
    size_t raw_len = 15 + size;
    char *raw = malloc(raw_len);
    if (!raw) abort();
    memcpy(raw, "DKIM-Signature:", 15);
    if (size) memcpy(raw + 15, data, size);
    struct dkim_sig s;
    enum dkim_sig_error e = dkim_sig_parse(a, raw, raw_len, 15, &s);
    CHECK(e == s.error && e >= DKIM_SIG_OK && e <= DKIM_SIG_EXPIRY_ORDER);
    CHECK((e == DKIM_SIG_SYNTAX || e == DKIM_SIG_MISSING_TAG) == (s.bad_tag != NULL));
    touch(dkim_sig_error_text(e));
    touch(s.bad_tag);
    touch(s.version);
    touch(s.alg_text);
    touch(s.canon_text);
    touch(s.domain);
    touch(s.selector);
    touch(s.auid);
    touch(s.auid_domain);
    touch(s.q);
    CHECK(s.canon_text != NULL);
    CHECK(s.b_len <= DKIM_MAX_B && s.bh_len <= DKIM_MAX_B);
    CHECK(s.b_off + s.b_len_raw <= raw_len);
    CHECK(s.b_len_raw == 0 || (s.b_off > 15 && raw[s.b_off - 1] == '='));
    if (s.b_off + s.b_len_raw < raw_len)
        CHECK(s.b_len_raw == 0 || raw[s.b_off + s.b_len_raw] == ';');
    CHECK(s.nh <= DKIM_MAX_H);
    for (size_t i = 0; i < s.nh; i++)
        CHECK(s.h[i].len > 0 && within(s.h[i].p, s.h[i].len, raw, raw_len));
    if (s.domain) CHECK(s.domain[0] != '\0' && s.domain[strlen(s.domain) - 1] != '.');
    if (e == DKIM_SIG_OK) {
        CHECK(s.alg != DKIM_ALG_UNKNOWN && s.domain && s.selector && s.b && s.bh && s.nh > 0);
        CHECK(s.b_len > 0 && s.bh_len > 0);
        CHECK(!(s.has_t && s.has_x) || s.t <= s.x);
        CHECK(s.t >= 0 && s.x >= 0);
    }

    struct buf out;
    buf_init(&out, 0);
    for (int final = 0; final <= 1; final++) {
        buf_reset(&out);
        dkim_canon_header(&out, DKIM_CANON_RELAXED, raw, raw_len, s.b_off, s.b_len_raw, final);
        CHECK(!out.toobig && out.len <= raw_len + 3);
        check_relaxed(out.p, out.len, final);
        buf_reset(&out);
        dkim_canon_header(&out, DKIM_CANON_SIMPLE, raw, raw_len, s.b_off, s.b_len_raw, final);
        CHECK(out.len >= raw_len - s.b_len_raw + (final ? 0 : 2));
        CHECK(out.len <= 2 * raw_len + 2);
        CHECK(memcmp(out.p, raw, 15) == 0);
    }
    /* the input alone (it may lack a colon), and a skip range from the input's bytes */
    size_t off = size >= 2 ? data[0] : 0, len = size >= 2 ? data[1] : 0;
    buf_reset(&out);
    dkim_canon_header(&out, DKIM_CANON_RELAXED, in, size, off, len, true);
    check_relaxed(out.p, out.len, true);
    buf_reset(&out);
    dkim_canon_header(&out, DKIM_CANON_SIMPLE, in, size, off, len, false);
    CHECK(out.len >= 2 && out.len <= 2 * size + 2);
    buf_free(&out);
    free(raw);

    struct dkim_key k;
    enum dkim_key_error ke = dkim_key_parse(a, in, size, &k);
    CHECK(ke == k.error && ke >= DKIM_KEY_OK && ke <= DKIM_KEY_BASE64);
    CHECK((ke == DKIM_KEY_SYNTAX) == (k.bad_tag != NULL));
    CHECK(k.key_type != NULL);
    touch(dkim_key_error_text(ke));
    touch(k.key_type);
    touch(k.notes);
    touch(k.bad_tag);
    CHECK(k.p_len <= DKIM_MAX_B && (k.p != NULL || k.p_len == 0));
    CHECK((k.hashes & ~(DKIM_HASH_SHA1 | DKIM_HASH_SHA256)) == 0);
    if (ke == DKIM_KEY_OK) CHECK(k.p != NULL && k.p_len > 0);

    size_t b64_len = 99;
    size_t max = size % 64;
    unsigned char *dec = dkim_b64_decode(a, in, size, max, &b64_len);
    if (dec) {
        CHECK(b64_len <= max && b64_len <= size / 4 * 3);
        for (size_t i = 0; i < b64_len; i++)
            sum += dec[i];
    }
    dec = dkim_b64_decode(a, in, size, DKIM_MAX_B, &b64_len);
    if (dec) CHECK(b64_len <= DKIM_MAX_B);

    struct domainkey_sig d;
    int drc = domainkey_sig_parse(a, in, size, &d);
    CHECK(drc == 0 ? (d.domain && d.selector) : !(d.domain && d.selector));
    touch(d.domain);
    touch(d.selector);
    touch(d.alg);

    arena_free(a);
    return 0;
}
