# End-to-end: `mailaudit report` — formats, periods, filters, sections,
# thresholds and exit statuses, hostile strings in every format, empty
# databases and empty periods. Expected numbers are counted by hand from
# samples/ (samples/README.md) and from the hostile message written here;
# JSON is read with SQLite's JSON functions (an independent parser).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
export SOURCE_DATE_EPOCH=1743724800 # 2025-04-04T00:00:00Z: the report's "now"
DB=$TMP/r.db
$M ingest --quiet --db "$DB" --dns "$TOP/samples/dns/snapshot.zone" "$TOP/samples"; ok $? "ingest samples/"
# a hostile message: markup, quotes, a formula, control bytes and invalid UTF-8 in its fields
printf 'From: "<b>Evil</b> \033[2J" <evil@hostile.example>\nTo: victim@example.com\nSubject: =cmd|x <script>alert(1)</script> "q", \001 \377\376\nDate: Wed, 02 Apr 2025 10:00:00 +0000\nMessage-ID: <"><img src=x>@hostile.example>\nX-Spam-Flag: YES\n\nhi\n' > "$TMP/hostile.eml"
$M ingest --quiet --db "$DB" "$TMP/hostile.eml"; ok $? "ingest the hostile message"
jq() { q :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
jqs() { q :memory: "SELECT $2 FROM json_each(json_extract(CAST(readfile('$1') AS TEXT), '\$.sections')) AS s $3"; }

# ---- JSON: structure and the sections in order
$M report --db "$DB" --format json -o "$TMP/r.json"; ok $? "report --format json exits 0"
is "$(q :memory: "SELECT json_valid(CAST(readfile('$TMP/r.json') AS TEXT))")" 1 "valid JSON despite the hostile strings"
is "$(jqs "$TMP/r.json" "group_concat(json_extract(s.value, '\$.id'), ',')")" \
   "summary,overview,authentication,content,delivery,infrastructure,postmortem,campaigns,requirements,feedback,recommendations" "every section, in order (the summary first)"
is "$(jq "$TMP/r.json" '$.generated')" "2025-04-04T00:00:00Z" "SOURCE_DATE_EPOCH sets the report's date"
is "$(jq "$TMP/r.json" '$.report_version')" 1 "report_version"
like "$(cat "$TMP/r.json")" '<script>alert(1)<\/script>\|<script>alert(1)</script>' "the hostile subject is kept as text"
# post-mortem: the campaign's spam copies came from 198.51.100.77 (samples/README.md)
like "$(q :memory: "SELECT json_extract(t.value, '\$.rows') FROM json_each(json_extract(CAST(readfile('$TMP/r.json') AS TEXT), '\$.sections')) s, json_each(json_extract(s.value, '\$.tables')) t WHERE json_extract(s.value, '\$.id') = 'postmortem'")" '"198.51.100.77"' "post-mortem names the sending IP"
is "$(q :memory: "SELECT json_extract(f.value, '\$.value') FROM json_each(json_extract(CAST(readfile('$TMP/r.json') AS TEXT), '\$.sections')) s, json_each(json_extract(s.value, '\$.facts')) f WHERE json_extract(s.value, '\$.id') = 'postmortem' AND json_extract(f.value, '\$.key') = 'spam_copies'")" \
   11 "spam copies: 10 in samples (README) + the hostile one (X-Spam-Flag)"

# ---- reproducible: the same database and time give the same bytes
$M report --db "$DB" --format json -o "$TMP/r2.json"
cmp -s "$TMP/r.json" "$TMP/r2.json"; ok $? "two runs give identical JSON"

# ---- HTML: one file, the hostile strings escaped, no script
$M report --db "$DB" --format html -o "$TMP/r.html"; ok $? "report --format html exits 0"
ok "$(grep -c '<script' "$TMP/r.html")" "no <script element anywhere (the subject is escaped)"
is "$(stat -c %a "$TMP/r.html")" 600 "the report file is created 0600 (it holds addresses and subjects)"
like "$(cat "$TMP/r.html")" '&lt;script&gt;alert(1)&lt;/script&gt;' "the subject shows as text"
ok "$(grep -c 'src="http\|href="http\|url(http\|@import\|src="//\|href="//' "$TMP/r.html")" "no external resource"
for id in summary overview authentication content delivery infrastructure postmortem campaigns requirements feedback recommendations; do
    ok "$(grep -c "id=\"$id\"" "$TMP/r.html" | grep -qx 0 && echo 1 || echo 0)" "HTML has the section $id"
done

# ---- text: no escape sequence reaches a file; fits the width
$M report --db "$DB" -o "$TMP/r.txt"; ok $? "report (text) exits 0"
ok "$(grep -c "$(printf '\033')" "$TMP/r.txt")" "no ESC byte in the text report"
is "$(LC_ALL=C.UTF-8 wc -L < "$TMP/r.txt")" 100 "lines fit 100 columns, a file's width (the widest is exactly 100)"

# ---- CSV: a directory of files, formulas defused
$M report --db "$DB" --format csv >/dev/null 2>&1; is $? 1 "csv without -o is a usage error"
$M report --db "$DB" --format csv -o "$TMP/csv"; ok $? "report --format csv exits 0"
ok "$( [ -f "$TMP/csv/facts.csv" ] && [ -f "$TMP/csv/postmortem_spam_features.csv" ] && echo 0 || echo 1)" "facts.csv and one file per table"
ok "$(grep -h '^=cmd\|,=cmd\|,"=cmd' "$TMP/csv"/*.csv | grep -c .)" "no cell starts with =cmd"
like "$(cat "$TMP/csv/campaigns_campaigns.csv")" '"evil@hostile.example | =cmd|x <script>alert(1)</script> ""q"",' "the subject in a campaign key: quoted, its quotes doubled (formula cells: tests/unit/test_render_csv.c)"
is "$(stat -c %a "$TMP/csv/facts.csv")" 600 "CSV files are created 0600"

# ---- periods and filters
$M report --db "$DB" --format json --since 2030-01-01 -o "$TMP/empty.json"; is $? 0 "an empty period exits 0"
is "$(jq "$TMP/empty.json" '$.empty_period')" 1 "empty_period"
is "$(jqs "$TMP/empty.json" "count(*)" "WHERE json_extract(s.value, '\$.empty') IS NULL")" 0 "every section says it has no data"
$M report --db "$DB" --since 2030-01-01 -o "$TMP/empty.txt"; like "$(cat "$TMP/empty.txt")" "no data for this period" "the text says so"
$M report --db "$DB" --format json --since 2025-04-02 --until 2025-04-03 --section overview -o "$TMP/day.json"; ok $? "--since/--until --section"
is "$(jqs "$TMP/day.json" "count(*)")" 1 "--section keeps one section"
is "$(jq "$TMP/day.json" '$.period.since')/$(jq "$TMP/day.json" '$.period.until')" "2025-04-02T00:00:00Z/2025-04-03T00:00:00Z" "the period"
$M report --db "$DB" --format json --since yesterday --section overview -o "$TMP/y.json"
is "$(jq "$TMP/y.json" '$.period.since')/$(jq "$TMP/y.json" '$.period.until')" "2025-04-03T00:00:00Z/2025-04-04T00:00:00Z" "yesterday alone is that whole day"
$M report --db "$DB" --format json --since 48h --section overview -o "$TMP/h.json"
is "$(jq "$TMP/h.json" '$.period.since')" "2025-04-02T00:00:00Z" "48h before now"
$M report --db "$DB" --format json --since 2025-04-01 --until 2025-04-02 --compare previous --section overview -o "$TMP/cmp.json"; ok $? "--compare previous"
is "$(jq "$TMP/cmp.json" '$.period.previous.since')/$(jq "$TMP/cmp.json" '$.period.previous.until')" "2025-03-31T00:00:00Z/2025-04-01T00:00:00Z" "the previous period of equal length"
is "$(q :memory: "SELECT count(*) FROM json_each(json_extract(CAST(readfile('$TMP/cmp.json') AS TEXT), '\$.sections[0].facts')) f WHERE json_type(f.value, '\$.previous') IS NULL")" 0 "every fact has its previous value (key present)"
$M report --db "$DB" --compare previous >/dev/null 2>&1; is $? 1 "--compare without --since is a usage error"
$M report --db "$DB" --since 2025-04-02 --until 2025-04-01 >/dev/null 2>&1; is $? 1 "--until before --since is a usage error"
$M report --db "$DB" --since soon >/dev/null 2>&1; is $? 1 "a bad WHEN is a usage error"
$M report --db "$DB" --format pdf >/dev/null 2>&1; is $? 1 "an unknown format is a usage error"
$M report --db "$DB" --section bogus >/dev/null 2>&1; is $? 1 "an unknown section is a usage error"
$M report --db "$DB" --format json --domain shop.example.com --section overview -o "$TMP/d.json"
is "$(q :memory: "SELECT json_extract(f.value, '\$.value') FROM json_each(json_extract(CAST(readfile('$TMP/d.json') AS TEXT), '\$.sections[0].facts')) f WHERE json_extract(f.value, '\$.key') = 'messages'")" 10 "--domain shop.example.com: its 10 campaign messages"

# ---- thresholds: every metric parses and evaluates; exit 3 only when breached
for m in bounce_rate deferral_rate blocklisted dkim_pass_rate dmarc_fail spam_placement complaints complaint_rate dmarc_aggregate_fail_rate tls_failure_rate; do
    $M report --db "$DB" --section overview --format json --fail-on "$m>=0" -o "$TMP/t.json" 2>"$TMP/t.err"; rc=$?
    v=$(jq "$TMP/t.json" '$.thresholds[0].value')
    if [ -z "$v" ]; then is "$rc" 0 "$m: no data is not a breach"; else is "$rc" 3 "$m>=0 with a value ($v) is breached: exit 3"; fi
done
# values counted by hand from samples/: 10 spam + 1 hostile of 29 placed copies
$M report --db "$DB" --section overview --format json --fail-on 'spam_placement>0.5' --fail-on 'spam_placement>0.3' -o "$TMP/t.json"; is $? 3 "one of two breached: exit 3"
is "$(jq "$TMP/t.json" '$.thresholds[0].expr')/$(jq "$TMP/t.json" '$.thresholds[0].breached')/$(jq "$TMP/t.json" '$.breached')" "spam_placement>0.3/1/1" "the breached one is listed first"
is "$(q :memory: "SELECT printf('%.4f', json_extract(CAST(readfile('$TMP/t.json') AS TEXT), '\$.thresholds[0].value'))")" "0.3793" "spam_placement = 11/29"
$M report --db "$DB" --section overview --fail-on 'spam_placement>0.5' > /dev/null; is $? 0 "not breached: exit 0"
$M report --db "$DB" --since 2030-01-01 --fail-on 'spam_placement>0' > /dev/null; is $? 0 "an empty period breaches nothing"

# ---- an empty database (a fresh one) and a missing one
EMPTY=$TMP/empty.db
$M ingest --quiet --db "$EMPTY" "$TMP/csv/facts.csv" 2>/dev/null
$M report --db "$EMPTY" --format json -o "$TMP/e.json"; is $? 0 "a database with nothing in it: exit 0"
is "$(jqs "$TMP/e.json" "count(*)" "WHERE json_extract(s.value, '\$.empty') IS NOT NULL")" 11 "each of the 11 sections says it has no data"
$M report --db "$TMP/missing.db" >/dev/null 2>&1; is $? 2 "a missing database: exit 2"

# ---- the summary: the strongest findings first, its numbers those of their sections
$M report --db "$DB" --format json --section summary -o "$TMP/sum.json"; ok $? "--section summary"
is "$(jqs "$TMP/sum.json" "group_concat(json_extract(s.value, '\$.id'), ',')")" "summary" "only the summary is shown (its sources are built, not shown)"
is "$(jq "$TMP/sum.json" '$.sections[0].findings[0].key')" "$(jq "$TMP/r.json" '$.sections[6].findings[0].key')" "its first finding is the post-mortem's strongest"
is "$(jq "$TMP/sum.json" '$.sections[0].facts[0].value')" "$(q :memory: "SELECT json_extract(f.value, '\$.value') FROM json_each(json_extract(CAST(readfile('$TMP/r.json') AS TEXT), '\$.sections')) s, json_each(json_extract(s.value, '\$.facts')) f WHERE json_extract(s.value, '\$.id') = 'postmortem' AND json_extract(f.value, '\$.key') = 'spam_share'")" "the spam share is the post-mortem's"

# ---- a period's report reads the period, not the whole database (schema 0008):
# the query shapes the report uses are answered from the indexes
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT id FROM messages m WHERE 1 AND coalesce(m.arrival, m.date) >= '2025-04-01' AND coalesce(m.arrival, m.date) < '2025-04-02'")" 'INDEX messages_time' "messages of a period: through messages_time"
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT id FROM log_deliveries WHERE 1 AND time >= 1743465600 AND time < 1743552000")" 'INDEX log_deliveries_time' "deliveries of a period: through log_deliveries_time"
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT time FROM log_lines WHERE kind = 'rcpt' AND sasl_user IS NULL AND client_ip IS NOT NULL AND (NULL IS NULL OR time >= NULL) AND (NULL IS NULL OR time < NULL)")" 'log_lines_open_rcpt' "open-relay RCPT signs: through the partial index"
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT queue_id FROM log_lines WHERE kind IN ('client', 'queued') AND sasl_user IS NULL AND client_ip IS NOT NULL AND queue_id IS NOT NULL")" 'log_lines_open_client' "open-relay clients: through the partial index"
# the local domains (open-relay signs, any period) without reading every delivery (schema 0010)
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT DISTINCT lower(domain) FROM sightings WHERE domain IS NOT NULL UNION SELECT DISTINCT recipient_domain FROM deliveries WHERE local = 1 AND recipient_domain IS NOT NULL ORDER BY 1")" 'INDEX log_deliveries_local' "local domains of deliveries: through the partial index"
test "$(q "$DB" "SELECT count(DISTINCT recipient_domain) FROM log_deliveries WHERE local = 1")" -gt 1; ok $? "the fixture has local deliveries (the reports below compare with and without that index)"
# the same day's numbers whether the report covers that day or a month
$M report --db "$DB" --format json --section overview --since 2025-04-01 --until 2025-04-02 -o "$TMP/day.json"; ok $? "a one-day report"
is "$(q :memory: "SELECT json_extract(f.value, '\$.value') FROM json_each(json_extract(CAST(readfile('$TMP/day.json') AS TEXT), '\$.sections')) s, json_each(json_extract(s.value, '\$.facts')) f WHERE json_extract(s.value, '\$.id') = 'overview' AND json_extract(f.value, '\$.key') = 'deliveries'")" \
   "$(q "$DB" "SELECT count(*) FROM log_deliveries WHERE time >= 1743465600 AND time < 1743552000")" "its deliveries are the day's rows of log_deliveries"

# ---- a database from before schema 0008 (no report indexes), opened for
# reading as it is: the same report, only slower
cp "$DB" "$TMP/v7.db"
q "$TMP/v7.db" "DROP INDEX messages_time; DROP INDEX log_deliveries_time; DROP INDEX log_lines_open_rcpt; DROP INDEX log_lines_open_client; DROP INDEX log_deliveries_sup; DROP INDEX log_deliveries_local; PRAGMA user_version = 7"
$M report --db "$DB" --format json --since 2025-03-01 --until 2025-04-04 -o "$TMP/v8.json"
$M report --db "$TMP/v7.db" --format json --since 2025-03-01 --until 2025-04-04 -o "$TMP/v7.json"; ok $? "a schema-7 database reports"
is "$(q "$TMP/v7.db" "PRAGMA user_version")" 7 "reporting does not migrate it"
sed 's/"database":"[^"]*"//' "$TMP/v8.json" > "$TMP/v8.cmp"; sed 's/"database":"[^"]*"//' "$TMP/v7.json" > "$TMP/v7.cmp"
cmp -s "$TMP/v8.cmp" "$TMP/v7.cmp"; ok $? "the same report with and without the schema-8 to 10 indexes"
# the whole database (superseded attempts found through log_deliveries_sup,
# schema 0009, or without it by two passes over the deliveries): the same
# report, and it has superseded attempts to find
like "$(q "$DB" "EXPLAIN QUERY PLAN SELECT queue_id, host, recipient, id FROM log_deliveries INDEXED BY log_deliveries_sup WHERE queue_id IS NOT NULL")" 'COVERING INDEX log_deliveries_sup' "superseded attempts: one pass over a covering index"
test "$(q "$DB" "SELECT count(*) FROM (SELECT 1 FROM log_deliveries WHERE queue_id IS NOT NULL GROUP BY queue_id, host, recipient HAVING count(*) > 1)")" -gt 0; ok $? "the fixture has retried deliveries"
$M report --db "$DB" --format json -o "$TMP/w9.json"
$M report --db "$TMP/v7.db" --format json -o "$TMP/w7.json"; ok $? "a schema-7 database reports the whole database"
sed 's/"database":"[^"]*"//' "$TMP/w9.json" > "$TMP/w9.cmp"; sed 's/"database":"[^"]*"//' "$TMP/w7.json" > "$TMP/w7.cmp"
cmp -s "$TMP/w9.cmp" "$TMP/w7.cmp"; ok $? "the same whole-database report with and without log_deliveries_sup and _local"
