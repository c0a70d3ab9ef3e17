# End-to-end: the rules engine through the command line — check (text and
# JSON), ingest (content_scores, rule_hits), rules lint and its exit status.
# Every expected value is counted by hand in tests/fixtures/rules-e2e/offer.eml
# against tests/fixtures/rules-e2e/set/ (see the comments there); JSON is
# read with SQLite's JSON functions, an independent parser.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/rules-e2e
jq1() { q :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }

# ---- check --json
$M check --json --checks rules --rules "$FX/set" "$FX/offer.eml" > "$TMP/o.json"; ok $? "check exits 0"
J=$TMP/o.json
is "$(q :memory: "SELECT json_valid(CAST(readfile('$J') AS TEXT))")" 1 "valid JSON (a header with quotes, < and a control byte is escaped)"
is "$(jq1 "$J" '$.score.total')" 5.26 "total: 2.0 meta + 3 x 0.5 body + 1.5 subject + 0.25 (later file's score) + 0.01"
is "$(jq1 "$J" '$.score.threshold')" 4 "threshold from required_score"
is "$(jq1 "$J" '$.score.is_spam')" 1 "over the threshold"
is "$(jq1 "$J" '$.score.hits[0].rule')" E_FRIEND_IP "biggest hit first (a meta of two sub-rules)"
is "$(jq1 "$J" '$.score.hits[1].rule')/$(jq1 "$J" '$.score.hits[1].count')" E_FREE_BODY/3 "free five times, maxhits=3 counts 3"
is "$(jq1 "$J" '$.score.hits[2].rule')/$(jq1 "$J" '$.score.hits[2].area')/$(jq1 "$J" '$.score.hits[2].snippet')" "E_SUBJ_FREE/header:Subject/FREE" "where and what matched"
is "$(jq1 "$J" '$.score.hits[3].score')" 0.25 "a later file overrides the score"
is "$(jq1 "$J" '$.score.hits[4].snippet')" '<b>"quoted"' "snippet kept as matched (escaped by the JSON writer)"
is "$(jq1 "$J" '$.score.hits[2].description')" "Subject mentions free" "description"
is "$(q :memory: "SELECT json_array_length(json_extract(CAST(readfile('$J') AS TEXT), '\$.score.hits'))")" 5 "five scored hits (score 0 disables E_ZERO)"
is "$(q :memory: "SELECT group_concat(value, ',') FROM json_each(json_extract(CAST(readfile('$J') AS TEXT), '\$.score.matched')) WHERE value LIKE '\_\_%' ESCAPE '\\'")" "__E_FRIEND,__E_IP_URI" "sub-rules are listed in matched, not scored"
is "$(jq1 "$J" '$.score.limit_hits')" 1 "the catastrophic regex stopped at the PCRE2 limit"

# ---- check text: hits biggest first, control bytes replaced
$M check --checks rules --rules "$FX/set" "$FX/offer.eml" > "$TMP/o.txt"; ok $? "check (text) exits 0"
like "$(cat "$TMP/o.txt")" "Content score: 5.3 (threshold 4.0) SPAM, 5 rules hit" "score line"
# (hit lines start with the score; the recommendations below cite rules too)
is "$(grep -n '^ *[0-9.]* E_FRIEND_IP\|^ *[0-9.]* E_QUOTE' "$TMP/o.txt" | cut -d: -f1 | tr '\n' ' ')" "$(grep -n '^ *[0-9.]* E_FRIEND_IP' "$TMP/o.txt" | cut -d: -f1) $(grep -n '^ *[0-9.]* E_QUOTE' "$TMP/o.txt" | cut -d: -f1) " "order"
ok "$(grep -c "$(printf '\001')" "$TMP/o.txt")" "no control byte reaches the terminal"
like "$(cat "$TMP/o.txt")" "stopped at the PCRE2 limits, first in E_EVIL" "the limit is reported"

# ---- ingest: content_scores and rule_hits
DB=$TMP/r.db
$M ingest --quiet --db "$DB" --checks rules --rules "$FX/set" "$FX/offer.eml"; ok $? "ingest exits 0"
is "$(q "$DB" "SELECT total || '/' || threshold || '/' || is_spam || '/' || n_hits || '/' || limit_hits FROM content_scores")" "5.26/4.0/1/5/1" "content_scores row"
is "$(q "$DB" "SELECT rule_set FROM content_scores")" "$FX/set" "the rule set used is recorded"
is "$(q "$DB" "SELECT group_concat(rule || '=' || score || 'x' || count, ' ') FROM (SELECT * FROM rule_hits ORDER BY rule)")" "E_FREE_BODY=1.5x3 E_FRIEND_IP=2.0x1 E_NO_LIST=0.25x1 E_QUOTE=0.01x1 E_SUBJ_FREE=1.5x1" "rule_hits rows (score is score x count)"
is "$(q "$DB" "SELECT kind || '|' || area || '|' || snippet || '|' || description FROM rule_hits WHERE rule = 'E_SUBJ_FREE'")" "header|header:Subject|FREE|Subject mentions free" "rule_hits columns"
# a changed rule set, re-scored with --reverify
mkdir -p "$TMP/set2"; cp "$FX/set/"*.cf "$TMP/set2/"; echo "score E_SUBJ_FREE 3" > "$TMP/set2/30_more.cf"
$M ingest --quiet --db "$DB" --checks rules --reverify --rules "$TMP/set2" "$FX/offer.eml"; ok $? "ingest --reverify with new rules"
is "$(q "$DB" "SELECT total FROM content_scores")" 6.76 "re-scored: 1.5 more for the Subject"
is "$(q "$DB" "SELECT count(*) FROM rule_hits")" 5 "rows replaced, not added"
like "$($M report --format summary --db "$DB")" "E_FRIEND_IP" "the report lists rules hit by placement"

# ---- rules lint
$M rules lint --rules "$FX/bad" > "$TMP/lint.txt" 2>&1; is $? 2 "lint exits 2 on a file with errors"
like "$(cat "$TMP/lint.txt")" "bad/bad.cf:2: BAD_RULE: regex error: PCRE2: missing closing parenthesis" "regex error as FILE:LINE: message"
like "$(cat "$TMP/lint.txt")" "bad/bad.cf:3: NO_OPERATOR" "malformed header rule as FILE:LINE"
like "$(cat "$TMP/lint.txt")" "UNKNOWN_EVAL .*unknown eval function no_such_eval_function" "unknown eval listed as skipped"
like "$(cat "$TMP/lint.txt")" "META_ON_UNKNOWN .*depends on UNKNOWN_EVAL" "a meta on it is skipped too"
$M rules lint --json --rules "$FX/bad" > "$TMP/lint.json"; is $? 2 "lint --json exits 2 too"
is "$(q :memory: "SELECT json_extract(CAST(readfile('$TMP/lint.json') AS TEXT), '\$.errors')")" 2 "two errors"
is "$(q :memory: "SELECT group_concat(json_extract(value, '\$.rule') || ':' || json_extract(value, '\$.status'), ' ') FROM json_each(json_extract(CAST(readfile('$TMP/lint.json') AS TEXT), '\$.skipped'))")" "BAD_RULE:regex NO_OPERATOR:error UNKNOWN_EVAL:unknown-eval META_ON_UNKNOWN:meta-dependency" "skipped rules with their status"
$M rules lint --rules "$FX/set" > "$TMP/lint2.txt"; is $? 0 "a clean set lints with exit 0"
like "$(cat "$TMP/lint2.txt")" "1 disabled by score 0" "score 0 counted as disabled"
$M rules lint --rules "$TOP/rules" > "$TMP/lint3.txt"; is $? 0 "the shipped rules lint clean"
like "$(cat "$TMP/lint3.txt")" "^0 error(s)" "no errors in rules/"
$M rules lint --rules "$TMP/nonexistent" > /dev/null 2>&1; is $? 2 "a missing rule path is a runtime error"
$M rules frobnicate > /dev/null 2>&1; is $? 1 "unknown subcommand is a usage error"
like "$($M rules evals)" "^ma_attach_double_ext .*local" "evals lists the native checks"

# ---- the line cache gives the same results as matching again (stock rules
# and ours; the calibration corpus, and copies of one message as a campaign has)
CAL=$TOP/tests/fixtures/calibration
mkdir -p "$TMP/camp"
for i in 1 2 3 4 5 6; do sed "s/^To: .*/To: reader$i@example.net/" "$CAL/spam/01-lottery-winner.eml" > "$TMP/camp/c$i.eml"; done
for set in /usr/share/spamassassin "$TOP/rules"; do
    $M check --json --checks rules --rules "$set" "$CAL"/*/*.eml "$TMP"/camp/*.eml > "$TMP/cache1.json"
    MAILAUDIT_NO_LINE_CACHE=1 $M check --json --checks rules --rules "$set" "$CAL"/*/*.eml "$TMP"/camp/*.eml > "$TMP/cache0.json"
    cmp -s "$TMP/cache0.json" "$TMP/cache1.json"; ok $? "line cache: identical output with $(basename "$set")"
done
grep '/camp/' "$TMP/cache1.json" | while IFS= read -r line; do
    printf '%s' "$line" > "$TMP/one.json"
    q :memory: "SELECT json_extract(CAST(readfile('$TMP/one.json') AS TEXT), '\$.score.total')"
done | sort -u > "$TMP/camp-totals"
is "$(wc -l < "$TMP/camp-totals" | tr -d ' ')" 1 "campaign copies score the same"
