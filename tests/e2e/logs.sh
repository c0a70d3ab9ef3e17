# End-to-end: MTA logs — incremental reading, rotation, partial lines, time
# order, --log-tz, crash consistency, the store's shape (schema 0004: views
# over log_lines and log_deliveries), and the report's delivery sections.
# Uses generated Postfix logs (tests/bench/gen-logs.c), whose content is known
# by construction: every message has exactly one qmgr "removed" line.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
GEN=$TOP/$BUILD/tools/gen-logs
if [ ! -x "$GEN" ]; then ok 1 "gen-logs was not built (make check builds it)"; echo "1..$n_test"; exit 0; fi

$GEN "$TMP/full.log" 3000 5
n_removed=$(grep -c ': removed$' "$TMP/full.log")
n_sent=$(grep -c 'status=sent' "$TMP/full.log")
n_def=$(grep -c 'status=deferred' "$TMP/full.log")
n_bnc=$(grep -c 'status=bounced' "$TMP/full.log")
n_rej=$(grep -c 'NOQUEUE: reject' "$TMP/full.log")
n_foreign=$(grep -c -v ' postfix/' "$TMP/full.log")

$M ingest --quiet --db "$TMP/full.db" "$TMP/full.log"; ok $? "ingest of a Postfix log"
is "$(q "$TMP/full.db" "SELECT format FROM log_files")" "postfix" "detected as postfix from its content"
n_lines=$(grep -c '' "$TMP/full.log")
is "$(q "$TMP/full.db" "SELECT lines_total FROM log_files")" "$n_lines" "every line counted"
is "$(q "$TMP/full.db" "SELECT lines_foreign FROM log_files")" "$n_foreign" "other daemons' lines counted as foreign"
is "$(q "$TMP/full.db" "SELECT count(*) FROM log_events WHERE kind='removed'")" "$n_removed" "one removed event per message"
is "$(q "$TMP/full.db" "SELECT group_concat(n, ' ') FROM (SELECT count(*) n FROM deliveries GROUP BY status ORDER BY status)")" \
   "$n_bnc $n_def $n_rej $n_sent" "deliveries per status: bounced, deferred, rejected, sent"
is "$(q "$TMP/full.db" "SELECT count(*) FROM deliveries WHERE status='sent' AND message_id IS NULL")" 0 "every sent delivery got its Message-ID from the cleanup line"
is "$(q "$TMP/full.db" "SELECT count(*) FROM deliveries WHERE status='bounced' AND (reason <> 'userunknown' OR hard <> 1)")" 0 "550 5.1.1 User unknown: userunknown, hard"
is "$(q "$TMP/full.db" "SELECT count(*) FROM deliveries WHERE recipient_domain='gmail.com' AND provider <> 'gmail'")" 0 "gmail.com recipients: provider gmail"

# --- incremental: the same file in two growing steps, with a partial line between
head -c 150000 "$TMP/full.log" > "$TMP/grow.log"
$M ingest --quiet --db "$TMP/grow.db" "$TMP/grow.log"
first=$(q "$TMP/grow.db" "SELECT lines_total FROM log_files")
is "$first" "$(head -c 150000 "$TMP/full.log" | wc -l | tr -d ' ')" "a partial last line is not read yet (only complete lines)"
cat "$TMP/full.log" > "$TMP/grow.log"
$M ingest --quiet --db "$TMP/grow.db" "$TMP/grow.log"
is "$(q "$TMP/grow.db" "SELECT lines_total FROM log_files")" "$n_lines" "the grown file is read to its end, each line once"
is "$(q "$TMP/grow.db" "SELECT count(*) FROM log_events")" "$(q "$TMP/full.db" "SELECT count(*) FROM log_events")" "same events as one read of the whole file"
is "$(q "$TMP/grow.db" "SELECT count(*) FROM deliveries")" "$(q "$TMP/full.db" "SELECT count(*) FROM deliveries")" "same deliveries as one read of the whole file"
# the whole answer, not only the counts: same ids, Message-IDs, senders, attempt numbers
dump() { # dump DB: every public log row, in id order
    for t in log_events deliveries delivery_outcomes; do
        sqlite3 -batch -header -cmd ".mode quote" "$1" "SELECT * FROM $t ORDER BY id"
    done
}
is "$(dump "$TMP/grow.db" | cksum)" "$(dump "$TMP/full.db" | cksum)" "read in two runs: the same rows as one read (ids, links, attempts)"
$M ingest --quiet --db "$TMP/grow.db" "$TMP/grow.log"
is "$(q "$TMP/grow.db" "SELECT count(*) FROM log_events")" "$(q "$TMP/full.db" "SELECT count(*) FROM log_events")" "an unchanged file adds nothing"

# --- the store (schema 0004): log_events and deliveries are views with their columns;
# --- a delivery line is one row; log_queue holds only messages a later run may need
is "$(q "$TMP/full.db" "SELECT group_concat(type || ':' || name, ' ') FROM (SELECT type, name FROM sqlite_schema WHERE name IN ('log_events', 'deliveries', 'delivery_outcomes', 'message_deliveries') ORDER BY name)")" \
   "view:deliveries view:delivery_outcomes view:log_events view:message_deliveries" "log_events, deliveries and their views are views"
is "$(sqlite3 -batch -header "$TMP/full.db" "SELECT * FROM log_events LIMIT 1" | head -1)" \
   "id|log_file_id|offset|time|time_text|mta|host|component|pid|kind|queue_id|session_id|client_ip|client_name|helo|sasl_user|sender|recipient|orig_recipient|relay_host|relay_ip|status|dsn|reply_code|reply_text|size|message_id" "log_events keeps its columns"
is "$(sqlite3 -batch -header "$TMP/full.db" "SELECT * FROM deliveries LIMIT 1" | head -1)" \
   "id|log_event_id|time|mta|host|queue_id|message_id|sender|recipient|recipient_domain|relay_host|relay_ip|status|dsn|reply_code|reply_text|delay|attempt|local|reason|hard|reason_rule|provider|blocklist|blocklist_misconfig|client_ip|sasl_user|source|bounce_message" "deliveries keeps its columns (schema 7 adds source and bounce_message at the end)"
is "$(q "$TMP/full.db" "SELECT count(*) FROM deliveries d LEFT JOIN log_events e ON e.id = d.log_event_id WHERE e.id IS NULL OR e.kind NOT IN ('delivery', 'reject', 'expired', 'smtp')")" 0 "every delivery's log_event_id is its line"
is "$(q "$TMP/full.db" "SELECT (SELECT count(*) FROM log_lines) + (SELECT count(*) FROM log_deliveries WHERE ev_log_file_id IS NOT NULL) = (SELECT count(*) FROM log_events) AND (SELECT count(*) FROM log_lines WHERE kind = 'delivery') = 0")" 1 "delivery lines are stored once"
is "$(q "$TMP/full.db" "SELECT count(*) < $n_removed / 20 FROM log_queue")" 1 "messages that arrived and left within the run are not kept in log_queue"

# --- a log first seen shorter than its 4 KiB identity head, then grown past it
head -n 5 "$TMP/full.log" > "$TMP/small.log"
$M ingest --quiet --db "$TMP/small.db" "$TMP/small.log"
is "$(q "$TMP/small.db" "SELECT head_len || '/' || lines_total FROM log_files")" "$(head -n 5 "$TMP/full.log" | wc -c | tr -d ' ')/5" "a small log is identified by all of its bytes"
head -n 200 "$TMP/full.log" > "$TMP/small.log"
$M ingest --quiet --db "$TMP/small.db" "$TMP/small.log"
is "$(q "$TMP/small.db" "SELECT count(*) || '/' || head_len || '/' || lines_total FROM log_files")" "1/4096/200" "grown past 4 KiB: the same file, identity widened, no line read twice"

# --- rotation: maillog -> maillog.1 (then gzipped), a new maillog; nothing read twice
R=$TMP/rot; mkdir -p "$R"
$GEN "$TMP/part2.log" 1000 6
sed 's/^Jan/Feb/' "$TMP/part2.log" > "$TMP/part2b.log"   # later in time than full.log
cp "$TMP/full.log" "$R/maillog"
$M ingest --quiet --db "$TMP/rot.db" "$R"
before=$(q "$TMP/rot.db" "SELECT count(*) FROM log_events")
mv "$R/maillog" "$R/maillog.1"; cp "$TMP/part2b.log" "$R/maillog"
$M ingest --quiet --db "$TMP/rot.db" "$R"
is "$(q "$TMP/rot.db" "SELECT count(*) FROM log_files")" 2 "rotated set: two log files, the renamed one recognised"
n_all=$(( n_lines + $(grep -c '' "$TMP/part2b.log") ))
is "$(q "$TMP/rot.db" "SELECT sum(lines_total) FROM log_files")" "$n_all" "no line read twice after rotation"
gzip "$R/maillog.1"
$M ingest --quiet --db "$TMP/rot.db" "$R"
is "$(q "$TMP/rot.db" "SELECT sum(lines_total) FROM log_files")" "$n_all" "... nor after compression (maillog.1.gz)"
is "$(q "$TMP/rot.db" "SELECT count(*) FROM log_files")" 2 "... still two log files"

# --- time order: a directory with the newer file first in name order
O=$TMP/order; mkdir -p "$O"
cp "$TMP/part2b.log" "$O/a-newer.log"; cp "$TMP/full.log" "$O/b-older.log"
$M ingest --quiet --db "$TMP/order.db" "$O"
is "$(q "$TMP/order.db" "SELECT group_concat(s.path, ' ') FROM log_files f JOIN sources s ON s.id=f.source_id ORDER BY f.id" | sed "s|$O/||g")" "b-older.log a-newer.log" "files are read oldest first, whatever their names"

# --- --log-tz: zone-less times are read in the given zone
$M ingest --quiet --log-tz +0200 --db "$TMP/tz.db" "$TMP/full.log"
a=$(q "$TMP/full.db" "SELECT min(time) FROM log_events"); b=$(q "$TMP/tz.db" "SELECT min(time) FROM log_events")
is "$(q :memory: "SELECT round((julianday('$a') - julianday('$b')) * 24, 3)")" "2.0" "--log-tz +0200 moves UTC times two hours back"
is "$(q "$TMP/tz.db" "SELECT tz_offset_min FROM log_files")" 120 "the zone used is recorded"
$M ingest --log-tz bogus --db "$TMP/tz2.db" "$TMP/full.log" >/dev/null 2>&1; is $? 1 "a bad --log-tz is a usage error"

# --- kill -9 during a log ingest: consistent, and the next run completes exactly
# (the same rows as an uninterrupted run: what the killed run had learned of
# the messages still queued at its last commit is in log_queue)
$GEN "$TMP/big.log" 300000 9
$M ingest --quiet --db "$TMP/bigref.db" "$TMP/big.log"
ref=$(q "$TMP/bigref.db" "SELECT count(*) || '/' || (SELECT count(*) FROM deliveries) FROM log_events")
refsum=$(dump "$TMP/bigref.db" | cksum)
for delay in 0.15 0.4; do
    rm -f "$TMP/k.db"*
    $M ingest --quiet --db "$TMP/k.db" "$TMP/big.log" & pid=$!
    sleep $delay; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null
    is "$(q "$TMP/k.db" "PRAGMA integrity_check")" ok "log ingest killed after ${delay}s: integrity ok"
    $M ingest --quiet --db "$TMP/k.db" "$TMP/big.log"
    is "$(q "$TMP/k.db" "SELECT count(*) || '/' || (SELECT count(*) FROM deliveries) FROM log_events")" "$ref" "killed after ${delay}s: the next run completes without duplicates"
    is "$(dump "$TMP/k.db" | cksum)" "$refsum" "killed after ${delay}s: the same rows as an uninterrupted run"
done

# --- messages that stay queued: more of them than ingest keeps in memory
# (20,000), retried a month later, or expired two months later; read in one
# run or in three. Attempts are counted across runs and forgotten messages
# (log_queue), an expiry fans out to the recipients still deferred.
$GEN "$TMP/q.log" 250000 11
grep -v ': removed$' "$TMP/q.log" > "$TMP/q-jan.log"
grep 'status=deferred' "$TMP/q-jan.log" > "$TMP/q-def.log"
awk 'NR % 2 == 1' "$TMP/q-def.log" | sed -e 's/^Jan/Feb/' -e 's/dsn=4[.0-9]*, status=deferred (.*)$/dsn=2.0.0, status=sent (250 2.0.0 OK)/' > "$TMP/q-feb.log"
awk 'NR % 2 == 0' "$TMP/q-def.log" | sed -E 's/^Jan( +[0-9]+ [0-9:]+ mx1) postfix\/smtp\[[0-9]+\]: ([0-9A-F]+): .*/Mar\1 postfix\/qmgr[612]: \2: from=<news@example.com>, status=expired, returned to sender/' | awk '!seen[$6]++' > "$TMP/q-mar.log"
n_retried=$(grep -c '' "$TMP/q-feb.log"); n_expired=$(awk 'NR % 2 == 0' "$TMP/q-def.log" | grep -c '')
mkdir -p "$TMP/qw" "$TMP/qs"
cat "$TMP/q-jan.log" "$TMP/q-feb.log" "$TMP/q-mar.log" > "$TMP/qw/maillog"
$M ingest --quiet --db "$TMP/qw.db" "$TMP/qw"
cp "$TMP/q-jan.log" "$TMP/qs/maillog"; $M ingest --quiet --db "$TMP/qs.db" "$TMP/qs"
cat "$TMP/q-feb.log" >> "$TMP/qs/maillog"; $M ingest --quiet --db "$TMP/qs.db" "$TMP/qs"
cat "$TMP/q-mar.log" >> "$TMP/qs/maillog"; $M ingest --quiet --db "$TMP/qs.db" "$TMP/qs"
is "$(q "$TMP/qw.db" "SELECT count(*) FROM deliveries WHERE status='sent' AND attempt=2")" "$n_retried" "retries a month later are second attempts"
is "$(q "$TMP/qw.db" "SELECT count(*) FROM deliveries WHERE status='expired' AND recipient IS NOT NULL")" "$n_expired" "an expiry fans out to the recipients still deferred"
is "$(q "$TMP/qw.db" "SELECT count(*) FROM (SELECT queue_id, attempt, row_number() OVER (PARTITION BY queue_id, host, recipient ORDER BY id) AS n FROM deliveries) WHERE queue_id IS NOT NULL AND attempt IS NOT n")" 0 "every attempt number counts the earlier deliveries to the recipient"
is "$(q "$TMP/qw.db" "SELECT count(*) FROM deliveries WHERE queue_id IS NOT NULL AND (message_id IS NULL OR sender IS NULL)")" 0 "every queued delivery has its Message-ID and sender, however late"
is "$(dump "$TMP/qs.db" | cksum)" "$(dump "$TMP/qw.db" | cksum)" "read in three runs: the same rows as one read"
is "$(q "$TMP/qw.db" "SELECT count(*) FROM delivery_outcomes WHERE status='deferred'")" 0 "no recipient is left deferred (delivery_outcomes: the last attempt)"

# --- the report's delivery sections
out=$($M report --format summary --db "$TMP/full.db"); ok $? "report over logs exits 0"
like "$out" "Delivery outcomes by provider" "report: outcomes per provider"
like "$out" "userunknown" "report: bounce reasons"
like "$out" "Open-relay signs" "report: open-relay section"
echo "1..$n_test"
