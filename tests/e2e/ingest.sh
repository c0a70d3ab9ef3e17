# End-to-end: ingest — storage, idempotence, hostile input, crash consistency.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/messages
DB=$TMP/t.db

# --- hostile inputs, made here so the repository stays small
H=$TMP/hostile; mkdir -p "$H"
{ printf 'From: a@example.com\nSubject: '; head -c 2097152 /dev/zero | tr '\0' 'A'; printf '\n\nbody\n'; } > "$H/long-header-line.eml"
{ printf 'From: a@example.com\nSubject: nest\nMIME-Version: 1.0\n'
  i=0; while [ $i -lt 200 ]; do printf 'Content-Type: multipart/mixed; boundary="b%d"\n\n--b%d\n' $i $i; i=$((i + 1)); done
  printf 'Content-Type: text/plain\n\ndeep\n'; } > "$H/nested-200.eml"
printf 'From: a@example.com\nSubject: open\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="never"\n\n--never\nContent-Type: text/plain\n\nno close delimiter follows\n' > "$H/unclosed.eml"
printf 'From: a@example.com\nSubject: nul\0byte\n\nbody\0with nul\n' > "$H/nul.eml"
printf 'From: a@example.com\nSubject: b64\nMIME-Version: 1.0\nContent-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKJcfs\nj6IKMSAwIG9iag!!!\nPDwv' > "$H/bad-base64.eml"
: > "$H/empty.eml"
head -c 3000 /dev/zero | tr '\0' '\001' > "$H/binary.bin"
printf 'From: z@example.com\nSubject: gz\n\ncompressed body\n' | gzip -c > "$H/compressed.eml.gz"
printf 'From: y@example.com\nSubject: gz2\n\n%s\n' "$(head -c 20000 /dev/zero | tr '\0' 'x')" | gzip -c | head -c 60 > "$H/truncated.eml.gz"

out=$($M ingest --db "$DB" "$H" 2>"$TMP/err"); rc=$?
is "$rc" 0 "ingest of hostile inputs completes with status 0"
like "$out" "^ingest: 9 files" "summary counts the 9 files"
is "$(q "$DB" "SELECT count(*) FROM sources")" 9 "every hostile file is a source row"
is "$(stat -c %a "$DB")" 600 "database file is created 0600"
has_anom() { q "$DB" "SELECT count(*) FROM anomalies a JOIN messages m ON m.id=a.message_id JOIN sightings s ON s.message_id=m.id JOIN sources f ON f.id=s.source_id WHERE f.path LIKE '%/$1' AND a.code='$2'"; }
src_anom() { q "$DB" "SELECT count(*) FROM anomalies a JOIN sources f ON f.id=a.source_id WHERE f.path LIKE '%/$1' AND a.code='$2'"; }
[ "$(has_anom long-header-line.eml header.block_too_large)" -ge 1 ]; ok $? "2 MB header line: header.block_too_large"
[ "$(has_anom nested-200.eml mime.depth_exceeded)" -ge 1 ]; ok $? "200-level nesting: mime.depth_exceeded"
[ "$(has_anom unclosed.eml mime.unclosed)" -ge 1 ]; ok $? "boundary never closed: mime.unclosed"
[ "$(has_anom nul.eml message.nul_bytes)" -ge 1 ]; ok $? "NUL bytes: message.nul_bytes"
[ "$(has_anom bad-base64.eml base64.garbage)" -ge 1 ]; ok $? "base64 garbage: base64.garbage"
is "$(src_anom empty.eml message.empty)" 1 "empty file: source anomaly message.empty"
is "$(src_anom binary.bin source.unknown_format)" 1 "binary garbage: source.unknown_format"
is "$(q "$DB" "SELECT subject FROM messages WHERE subject='gz'")" "gz" "gzip message read transparently"
is "$(q "$DB" "SELECT compressed FROM sources WHERE path LIKE '%/compressed.eml.gz'")" 1 "gzip source flagged compressed"
is "$(q "$DB" "SELECT status FROM sources WHERE path LIKE '%/truncated.eml.gz'")" "error" "truncated gzip: source status error"
[ "$(src_anom truncated.eml.gz source.gzip_error)" -ge 1 ]; ok $? "truncated gzip: source.gzip_error anomaly"
is "$(q "$DB" "SELECT count(*) FROM messages m JOIN sightings s ON s.message_id=m.id JOIN sources f ON f.id=s.source_id WHERE f.path LIKE '%/nested-200.eml' AND m.n_parts >= 30")" 1 "deep nesting still stores the parts up to the ceiling"

# --- idempotence
n_msgs=$(q "$DB" "SELECT count(*) FROM messages"); n_sight=$(q "$DB" "SELECT count(*) FROM sightings")
out=$($M ingest --db "$DB" "$H" 2>/dev/null)
like "$out" "(9 unchanged, skipped" "second run skips the 9 unchanged files"
is "$(q "$DB" "SELECT count(*) FROM messages")" "$n_msgs" "second run adds no message"
touch "$H"/*.eml
$M ingest --quiet --db "$DB" "$H" 2>/dev/null
is "$(q "$DB" "SELECT count(*) FROM messages")" "$n_msgs" "re-reading touched files adds no message"
is "$(q "$DB" "SELECT count(*) FROM sightings")" "$n_sight" "re-reading touched files adds no sighting"
cp "$H/unclosed.eml" "$TMP/copy-of-unclosed.eml"
$M ingest --quiet --db "$DB" "$TMP/copy-of-unclosed.eml"
is "$(q "$DB" "SELECT count(*) FROM messages")" "$n_msgs" "same bytes at another path: still one message"
is "$(q "$DB" "SELECT count(*) FROM sightings s JOIN messages m ON m.id=s.message_id WHERE m.subject='open'")" 2 "... seen in two places"

# --- a database from a newer mailaudit is refused
cp "$DB" "$TMP/newer.db"; q "$TMP/newer.db" "PRAGMA user_version=999"
err=$($M ingest --db "$TMP/newer.db" "$H/nul.eml" 2>&1); is $? 2 "newer schema: exit 2"
like "$err" "newer than this mailaudit" "newer schema: clear message"

# --- kill -9 at a random moment leaves a consistent database; the next run completes it
if [ -x "$TOP/$BUILD/tools/gen-corpus" ]; then
    "$TOP/$BUILD/tools/gen-corpus" mbox "$TMP/big.mbox" 4000 7
    "$TOP/$BUILD/tools/gen-corpus" maildir "$TMP/md" 300 8
    $M ingest --quiet --db "$TMP/ref.db" "$TMP/big.mbox" "$TMP/md"
    ref_m=$(q "$TMP/ref.db" "SELECT count(*) FROM messages"); ref_s=$(q "$TMP/ref.db" "SELECT count(*) FROM sightings")
    is "$ref_m" 4300 "clean run stores all 4300 generated messages"
    for delay in 0.2 0.5 0.9; do
        rm -f "$TMP/k.db"*
        $M ingest --quiet --db "$TMP/k.db" "$TMP/big.mbox" "$TMP/md" & pid=$!
        sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
        is "$(q "$TMP/k.db" "PRAGMA integrity_check")" "ok" "killed after ${delay}s: integrity_check ok"
        $M ingest --quiet --db "$TMP/k.db" "$TMP/big.mbox" "$TMP/md"
        is "$(q "$TMP/k.db" "SELECT count(*) FROM messages")/$(q "$TMP/k.db" "SELECT count(*) FROM sightings")" "$ref_m/$ref_s" "killed after ${delay}s: the next run completes without duplicates"
    done
    is "$(q "$TMP/k.db" "SELECT count(*) FROM (SELECT message_id FROM parts GROUP BY message_id, path HAVING count(*) > 1)")" 0 "no duplicated parts"
else
    ok 1 "gen-corpus was not built (make check builds it)"
fi
echo "1..$n_test"
