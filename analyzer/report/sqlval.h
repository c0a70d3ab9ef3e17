/* sqlval — SQLite values as the report's in-memory aggregates key and order
 * them (report/dcube.c, report/hashagg.c, the DKIM body-hash pass). */
#ifndef REPORT_SQLVAL_H
#define REPORT_SQLVAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sqlite3_value;

#define SQLVAL_HASH_SEED 1469598103934665603ull /* FNV-1a offset basis */

/* h mixed with the bytes p[0..n), then n (sqlval.c: eight bytes a step). */
uint64_t sqlval_hash_bytes(uint64_t h, const void *p, size_t n);
/* h mixed with v's type and value. */
uint64_t sqlval_hash(uint64_t h, struct sqlite3_value *v);
/* The same type and value (bytes for text and blobs). */
bool sqlval_same(struct sqlite3_value *a, struct sqlite3_value *b);
/* SQLite's order of two non-NULL values under the BINARY collation:
 * numbers, then text, then blobs; text and blobs by bytes, then length. */
int sqlval_cmp(struct sqlite3_value *a, struct sqlite3_value *b);
/* The BINARY order of two byte strings: <0, 0, >0. */
int sqlval_bytes_cmp(const void *a, size_t an, const void *b, size_t bn);

#endif
