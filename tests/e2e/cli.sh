# End-to-end: the command line contract (help, version, exit statuses, errors).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT

out=$($M --help); ok $? "--help exits 0"
like "$out" "ingest PATH" "--help lists ingest"
out=$($M --version); ok $? "--version exits 0"
like "$out" "^mailaudit [0-9]" "--version prints the version"
for c in ingest check report; do
    out=$($M $c --help); ok $? "$c --help exits 0"
    like "$out" "Usage: mailaudit $c" "$c --help shows its usage"
    like "$out" "Exit status" "$c --help documents exit statuses"
done
$M frobnicate >/dev/null 2>&1; is $? 1 "unknown command: exit 1"
$M ingest --no-such-option x >/dev/null 2>&1; is $? 1 "unknown option: exit 1"
err=$($M ingest --db "$TMP/a.db" 2>&1); is $? 1 "ingest without PATH: exit 1"
like "$err" "no PATH given" "ingest without PATH says so"
err=$($M ingest --db "$TMP/a.db" "$TMP/does-not-exist" 2>&1); is $? 2 "ingest of a missing path: exit 2"
like "$err" "does-not-exist" "the error names the missing path"
err=$($M report --db "$TMP/none.db" 2>&1); is $? 2 "report on a missing database: exit 2"
like "$err" "none.db" "the error names the database"
echo "not a database at all, just text that is long enough to be a header page ......" > "$TMP/text.db"
err=$($M report --db "$TMP/text.db" 2>&1); is $? 2 "report on a non-database: exit 2"
like "$err" "text.db" "the error names the file"
err=$($M check "$TMP/missing.eml" 2>&1); is $? 2 "check of a missing file: exit 2"
like "$err" "missing.eml" "check names the missing file"
# MAILAUDIT_DB is the default database
(cd "$TMP" && MAILAUDIT_DB="$TMP/env.db" $M ingest --quiet "$TOP/tests/fixtures/messages/simple.eml"); ok $? "ingest with MAILAUDIT_DB"
[ -f "$TMP/env.db" ]; ok $? "MAILAUDIT_DB names the database file"
(cd "$TMP" && env -u MAILAUDIT_DB $M ingest --quiet "$TOP/tests/fixtures/messages/simple.eml"); ok $? "ingest with the default database"
[ -f "$TMP/mailaudit.db" ]; ok $? "./mailaudit.db is the default"
err=$($M check "$TOP/tests/fixtures/logs/exim/mainlog" 2>&1); is $? 2 "check of a log file: exit 2"
like "$err" "an MTA log (exim), not a message" "check says a log is a log and how to read it"
# --quiet prints nothing on success; a terminal gets a live progress line
out=$($M ingest --quiet --db "$TMP/q.db" "$TOP/tests/fixtures/messages" 2>&1); ok $? "ingest --quiet exits 0"
is "$out" "" "ingest --quiet prints nothing"
if command -v script >/dev/null 2>&1; then
    script -qec "$M ingest --db $TMP/tty.db --dns $TOP/samples/dns/snapshot.zone $TOP/samples" /dev/null > "$TMP/tty.out" 2>&1
    like "$(tr '\r' '\n' < "$TMP/tty.out")" "ingest: [0-9]* files, [0-9]* messages, [0-9.]* MB, [0-9]* msg/s, [0-9]* errors" "on a terminal: progress line with files, messages, MB, rate, errors"
    like "$(cat "$TMP/tty.out")" "ingest: 42 files" "on a terminal: the summary line too (the --dns snapshot is not counted)"
    $M ingest --db "$TMP/pipe.db" "$TOP/samples" 2>"$TMP/pipe.err" >/dev/null
    is "$(cat "$TMP/pipe.err")" "" "not a terminal: no progress line on stderr"
else
    ok 1 "script(1) is missing (util-linux)"
fi
# make install honours PREFIX and DESTDIR
make -s -C "$TOP" BUILD="$BUILD" install DESTDIR="$TMP/inst" PREFIX=/opt/ma >/dev/null 2>&1; ok $? "make install DESTDIR=... PREFIX=/opt/ma"
[ -x "$TMP/inst/opt/ma/bin/mailaudit" ]; ok $? "binary installed under PREFIX/bin"
[ -f "$TMP/inst/opt/ma/share/man/man1/mailaudit.1" ]; ok $? "man page installed"
[ -f "$TMP/inst/opt/ma/share/mailaudit/schemas/0001_initial.sql" ]; ok $? "schema files installed"
[ -d "$TMP/inst/opt/ma/share/mailaudit/rules" ]; ok $? "rules directory installed"
echo "1..$n_test"
