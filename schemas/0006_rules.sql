-- mailaudit database, migration 0006: content scores. Every stored message
-- is scored against the rule set of the run (`ingest --rules DIR`, default
-- the installed rules, else ./rules); re-ingesting with --reverify scores
-- it again and replaces its rows. Rules use the SpamAssassin syntax; see
-- README "Content rules".

-- One row per message scored.
CREATE TABLE content_scores (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id),
    total       REAL NOT NULL,     -- sum of the scores of the rules that hit (score set 0: no Bayes, no network tests)
    threshold   REAL NOT NULL,     -- required_score of the rule set (SpamAssassin's default 5.0)
    is_spam     INTEGER NOT NULL,  -- 1 when total >= threshold
    n_hits      INTEGER NOT NULL,  -- rows in rule_hits for this message
    limit_hits  INTEGER NOT NULL,  -- regex matches stopped by the PCRE2 match/depth limits (0 normally)
    rule_set    TEXT NOT NULL      -- the --rules paths used, joined with ' '
);
CREATE INDEX content_scores_total ON content_scores(total);

-- One row per scored rule that hit a message (rules named "__..." and rules
-- with score 0 are not stored: they explain nothing by themselves).
CREATE TABLE rule_hits (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    rule        TEXT NOT NULL,     -- rule name, e.g. MA_PHRASE_ACT_NOW, FREEMAIL_FROM
    score       REAL NOT NULL,     -- score added: the rule's score times count
    count       INTEGER NOT NULL,  -- hits counted (more than 1 only with tflags multiple)
    kind        TEXT NOT NULL,     -- header | body | rawbody | full | uri | mimeheader | meta (eval rules: the type they were declared with)
    area        TEXT,              -- where it matched: header:Subject, body, uri, mimeheader:Content-Type, eval, meta
    snippet     TEXT,              -- up to 80 bytes of the matched text, or what an eval found ("invoice.pdf.exe"); for a meta, that of its first dependency that hit
    description TEXT,              -- the rule's describe text
    PRIMARY KEY (message_id, rule)
) WITHOUT ROWID;
CREATE INDEX rule_hits_rule ON rule_hits(rule);
