/* db_rules — storing a message's content score (schema 0006). Every value
 * is bound. Slots DB_RULES_SLOT.. of the extension statements. */
#include "store/db_internal.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "score/score.h"

enum { R_DEL_SCORE, R_DEL_HITS, R_SCORE, R_HIT, R__COUNT };
#define DB_RULES_SLOT 20 /* db_auth.c uses 0..15 */

static const char *const sql[R__COUNT] = {
    [R_DEL_SCORE] = "DELETE FROM content_scores WHERE message_id=?1",
    [R_DEL_HITS] = "DELETE FROM rule_hits WHERE message_id=?1",
    [R_SCORE] = "INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits,"
                " limit_hits, rule_set) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [R_HIT] = "INSERT OR REPLACE INTO rule_hits(message_id, rule, score, count, kind, area,"
              " snippet, description) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
};

static sqlite3_stmt *st(struct db *db, int id)
{
    return db_ext_stmt(db, DB_RULES_SLOT + id, sql[id]);
}

int db_rules_replace(struct db *db, int64_t mid, const struct score_result *r, const char *rule_set,
                     bool fresh)
{
    for (int d = R_DEL_SCORE; d <= R_DEL_HITS && !fresh; d++) {
        sqlite3_stmt *s = st(db, d);
        sqlite3_bind_int64(s, 1, mid);
        if (db_ext_run(db, s, "replacing content scores") != 0) return -1;
    }
    sqlite3_stmt *s = st(db, R_SCORE);
    sqlite3_bind_int64(s, 1, mid);
    sqlite3_bind_double(s, 2, r->total);
    sqlite3_bind_double(s, 3, r->threshold);
    sqlite3_bind_int(s, 4, r->total >= r->threshold);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)r->n_scored);
    sqlite3_bind_int(s, 6, r->n_limit);
    db_bind_text(s, 7, rule_set ? rule_set : "");
    if (db_ext_run(db, s, "storing the content score") != 0) return -1;
    for (size_t i = 0; i < r->n_scored; i++) {
        const struct score_hit *h = &r->hits[i];
        s = st(db, R_HIT);
        sqlite3_bind_int64(s, 1, mid);
        db_bind_text(s, 2, h->rule->name);
        sqlite3_bind_double(s, 3, h->score * h->count);
        sqlite3_bind_int(s, 4, h->count);
        db_bind_text(s, 5, rule_kind_name(h->rule->kind));
        db_bind_text(s, 6, h->area);
        db_bind_text(s, 7, h->snippet);
        db_bind_text(s, 8, h->rule->describe);
        if (db_ext_run(db, s, "storing a rule hit") != 0) return -1;
    }
    return 0;
}
