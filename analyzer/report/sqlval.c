/* sqlval — see sqlval.h. */
#include "report/sqlval.h"

#include <sqlite3.h>
#include <string.h>

/* Eight bytes at a time (a multiply per byte, FNV-1a's, was most of the
 * cost of keying a million rows); the tail is read as one word too, by
 * loads that overlap the bytes before it (the last eight bytes; or two
 * four-byte loads; or three bytes) rather than copied into a zeroed word:
 * the copy was a call to memcpy for each of the 4.5 million keys hashed
 * in the r100k report, a third of the function's instructions. Only the
 * distribution matters: equal keys are compared by bytes. */
static uint64_t load64(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

static uint64_t load32(const unsigned char *p)
{
    uint32_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

uint64_t sqlval_hash_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *q = p;
    const uint64_t k = 0x9e3779b97f4a7c15ull;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        h = (h ^ load64(q + i)) * k;
        h ^= h >> 29;
    }
    if (i < n) {
        uint64_t w;
        if (n >= 8)
            w = load64(q + n - 8);
        else if (n >= 4)
            w = load32(q) | load32(q + n - 4) << 32;
        else
            w = (uint64_t)q[0] | (uint64_t)q[n / 2] << 8 | (uint64_t)q[n - 1] << 16;
        h = (h ^ w) * k;
        h ^= h >> 29;
    }
    h = (h ^ (uint64_t)n) * 1099511628211ull;
    return h ^ (h >> 32);
}

static const void *bytes_of(sqlite3_value *v, int t)
{
    return t == SQLITE_TEXT ? (const void *)sqlite3_value_text(v) : sqlite3_value_blob(v);
}

uint64_t sqlval_hash(uint64_t h, sqlite3_value *v)
{
    int t = sqlite3_value_type(v);
    h = (h ^ (uint64_t)(unsigned)t) * 1099511628211ull;
    if (t == SQLITE_INTEGER) {
        int64_t x = sqlite3_value_int64(v);
        return sqlval_hash_bytes(h, &x, sizeof x);
    }
    if (t == SQLITE_FLOAT) {
        double d = sqlite3_value_double(v);
        return sqlval_hash_bytes(h, &d, sizeof d);
    }
    if (t == SQLITE_TEXT || t == SQLITE_BLOB)
        return sqlval_hash_bytes(h, bytes_of(v, t), (size_t)sqlite3_value_bytes(v));
    return h;
}

bool sqlval_same(sqlite3_value *a, sqlite3_value *b)
{
    int t = sqlite3_value_type(a);
    if (t != sqlite3_value_type(b)) return false;
    switch (t) {
    case SQLITE_NULL:
        return true;
    case SQLITE_INTEGER:
        return sqlite3_value_int64(a) == sqlite3_value_int64(b);
    case SQLITE_FLOAT:
        return sqlite3_value_double(a) == sqlite3_value_double(b);
    default: {
        int n = sqlite3_value_bytes(a);
        if (n != sqlite3_value_bytes(b)) return false;
        return n == 0 || memcmp(bytes_of(a, t), bytes_of(b, t), (size_t)n) == 0;
    }
    }
}

int sqlval_bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int r = m ? memcmp(a, b, m) : 0;
    if (r) return r;
    return an < bn ? -1 : an > bn;
}

int sqlval_cmp(sqlite3_value *a, sqlite3_value *b)
{
    struct sqlval_parts pa = sqlval_parts_of(a), pb = sqlval_parts_of(b);
    return sqlval_parts_cmp(&pa, &pb);
}
