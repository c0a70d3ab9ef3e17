# End-to-end: DKIM verification during ingest, the DNS answers recorded in
# dns_records, --reverify, and --dns-from-db reproducing the verdicts after
# the snapshot is gone. Fixtures and expected verdicts: tests/fixtures/dkim
# (expected.tsv, written from how each fixture was built).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/dkim
DB=$TMP/d.db
mkdir "$TMP/in"
cp "$FX"/*.eml "$TMP/in/"
rm "$TMP/in/rfc8463.eml" # judged at its own time in dkim.sh

# the manifest as a table: file, position, result, reason
grep -v '^#' "$FX/expected.tsv" | cut -f1-4 > "$TMP/expected.tsv"

# verdicts stored vs the manifest ("unsupported version 2" matches "unsupported version")
mismatches() {
    q "$DB" "SELECT e.file || ' ' || e.position || ': want ' || e.result || '/' || e.reason || ', got ' || coalesce(d.result, 'none') || '/' || coalesce(d.reason, '-')
      FROM expected e
      LEFT JOIN sources s ON s.path LIKE '%/' || e.file
      LEFT JOIN messages m ON m.first_source_id = s.id
      LEFT JOIN dkim_signatures d ON d.message_id = m.id AND d.position = e.position
      WHERE d.result IS NOT e.result OR NOT (coalesce(d.reason, '-') = e.reason OR d.reason LIKE e.reason || ' %')"
}

out=$($M ingest --quiet --db "$DB" --dns "$FX/keys.zone" "$TMP/in"); ok $? "ingest --dns keys.zone exits 0"
is "$(stat -c %a "$DB")" "600" "the database is created 0600"
q "$DB" "CREATE TABLE expected(file TEXT, position INTEGER, result TEXT, reason TEXT)"
q "$DB" ".mode tabs" ".import $TMP/expected.tsv expected"
n_expected=$(q "$DB" "SELECT count(*) FROM expected")
is "$(q "$DB" "SELECT count(*) FROM dkim_signatures")" "$n_expected" "one dkim_signatures row per signature of the manifest"
is "$(mismatches)" "" "every stored verdict is the manifest's"
is "$(q "$DB" "SELECT count(*) FROM dkim_signatures WHERE judged_by = 'arrival' AND result = 'pass'")" \
   "$(q "$DB" "SELECT count(*) FROM dkim_signatures WHERE result = 'pass'")" "passes were judged at the arrival time (every fixture has a dated Received)"
is "$(q "$DB" "SELECT key_bits || ' ' || key_type || ' ' || key_source || ' ' || crypto_ok FROM dkim_signatures d JOIN messages m ON m.id = d.message_id JOIN sources s ON s.id = m.first_source_id WHERE s.path LIKE '%/rsa-512.eml'")" \
   "512 rsa snapshot 1" "a 512-bit key is measured, its bytes verified, its record from the snapshot"
is "$(q "$DB" "SELECT body_partial FROM dkim_signatures d JOIN messages m ON m.id = d.message_id JOIN sources s ON s.id = m.first_source_id WHERE s.path LIKE '%/l-appended.eml'")" \
   "1" "l= signing part of the body is flagged"

# dns_records: every key lookup recorded once, with its source
is "$(q "$DB" "SELECT count(DISTINCT qname) FROM dns_records WHERE qtype = 'TXT' AND qname LIKE '%._domainkey.%'")" \
   "$(q "$DB" "SELECT count(DISTINCT selector || '._domainkey.' || domain) FROM dkim_signatures WHERE reason IS NULL OR reason NOT IN ('syntax error in tag b', 'syntax error in tag h', 'syntax error in tag l', 'missing tag bh', 'From not signed', 'i= not within d=', 'pre-standard signature', 'legacy DomainKeys signature') AND reason NOT LIKE 'unsupported version%' AND reason NOT LIKE 'unsupported algorithm%'")" \
   "one recorded key name per selector looked up"
is "$(q "$DB" "SELECT DISTINCT source FROM dns_records")" "snapshot" "recorded answers name their source"
is "$(q "$DB" "SELECT rcode FROM dns_records WHERE qname = 'nokey._domainkey.example.com'")" "nxdomain" "a name absent from the snapshot is recorded as NXDOMAIN"
like "$(q "$DB" "SELECT data FROM dns_records WHERE qname LIKE 'split%' AND rcode = 'ok'")" '^v=DKIM1; k=rsa; p=MII' "a key split over TXT strings is stored joined"

# the report's DKIM sections
rep=$($M report --format summary --db "$DB"); ok $? "report exits 0"
like "$rep" "DKIM signatures by domain and result" "the report has a DKIM section"
like "$rep" "example.com  *revoked  *permerror key revoked  *1" "a revoked key is counted under its selector"
like "$rep" "body shorter than l=  *1 l=[0-9]* but the canonical body has" "failures come with their diagnosis"
cp "$DB" "$TMP/old.db"; q "$TMP/old.db" "DROP TABLE dkim_signatures"
like "$($M report --format summary --db "$TMP/old.db")" "(not in this database" "a database without the table says so instead of failing"

# unchanged files: nothing re-verified, nothing added
n_dns=$(q "$DB" "SELECT count(*) FROM dns_records")
$M ingest --quiet --db "$DB" --dns "$FX/keys.zone" "$TMP/in"
is "$(q "$DB" "SELECT (SELECT count(*) FROM dkim_signatures) || ' ' || (SELECT count(*) FROM dns_records)")" "$n_expected $n_dns" "re-ingest adds no rows"

# --reverify needs a DNS source
$M ingest --quiet --db "$DB" --reverify "$TMP/in" 2>"$TMP/err"; is $? 1 "--reverify without a DNS source is a usage error"
like "$(cat "$TMP/err")" "needs a DNS source" "and says why"

# the snapshot is gone: --dns-from-db reproduces every verdict from the recorded answers
q "$DB" "UPDATE dkim_signatures SET result = 'none', reason = 'wiped'"
out=$($M ingest --db "$DB" --dns-from-db --reverify "$TMP/in"); ok $? "ingest --dns-from-db --reverify exits 0"
like "$out" "verify: $(ls "$TMP/in" | wc -l) messages verified ($(ls "$TMP/in" | wc -l) again)" "every message was verified again"
is "$(mismatches)" "" "--dns-from-db reproduces every verdict"
is "$(q "$DB" "SELECT DISTINCT key_source FROM dkim_signatures WHERE key_record IS NOT NULL")" "db" "keys now come from the database"
is "$(q "$DB" "SELECT count(*) FROM dkim_signatures")" "$n_expected" "re-verification replaces rows, it does not add"

# check --dns-from-db reads the same answers
out=$($M check --json --checks dkim --dns-from-db --db "$DB" "$TMP/in/ed25519.eml"); ok $? "check --dns-from-db exits 0"
like "$out" '"result":"pass"' "check verifies from the database's answers"
like "$out" '"key_source":"db"' "and says so"

# without any DNS source ingest records temperror, never a guess
out=$($M ingest --db "$TMP/nodns.db" "$TMP/in/ed25519.eml"); ok $? "ingest without DNS exits 0"
is "$(q "$TMP/nodns.db" "SELECT result || '/' || reason FROM dkim_signatures")" "temperror/no DNS source" "no DNS source: temperror"
like "$out" "no DNS source" "the summary says keys were not looked up"
is "$(q "$TMP/nodns.db" "SELECT count(*) FROM dns_records")" "0" "nothing recorded without DNS"

# a snapshot that does not parse stops the run before anything is read
printf 'example.com. 300 IN TXT "unterminated\n' > "$TMP/bad.zone"
$M ingest --quiet --db "$TMP/bad.db" --dns "$TMP/bad.zone" "$TMP/in" 2>"$TMP/err"; is $? 2 "a broken snapshot is a runtime error"
like "$(cat "$TMP/err")" "bad.zone:1" "the error names the file and line"
# a snapshot inside the ingested tree is an input of the verification, not data
mkdir "$TMP/in2"; cp "$FX/keys.zone" "$FX/ed25519.eml" "$TMP/in2/"
$M ingest --quiet --db "$TMP/in2.db" --dns "$TMP/in2/keys.zone" "$TMP/in2"; ok $? "ingest with the snapshot inside the tree exits 0"
is "$(q "$TMP/in2.db" "SELECT count(*) || ' ' || group_concat(format) FROM sources")" "1 message" "the snapshot is not recorded as a source"
is "$(q "$TMP/in2.db" "SELECT result FROM dkim_signatures")" "pass" "and the message verifies with it"
echo "1..$n_test"
