# Golden files: the report of samples/ (with the DNS snapshot) in every
# format, compared byte for byte with tests/golden/ — any change to what the
# report says or how it looks shows up here. The fixture is fixed: the
# report's "now" is SOURCE_DATE_EPOCH, the database is named relative to the
# working directory, and the checkout's path is replaced by @TOP@.
# The golden files were reviewed by hand against samples/README.md (copies by
# placement, the campaign's 5 + 5 copies and its sending IPs, the hMailServer
# bounce, the DMARC policies of the snapshot). To accept an intended change:
#   GOLDEN_UPDATE=1 sh tests/e2e/golden.sh   (with MAILAUDIT and TOP set, as
# tests/run-tests.sh sets them), then review `git diff tests/golden`.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
G=$TOP/tests/golden
export SOURCE_DATE_EPOCH=1743724800 # 2025-04-04T00:00:00Z
unset NO_COLOR
cd "$TMP"
$M ingest --quiet --db r.db --dns "$TOP/samples/dns/snapshot.zone" "$TOP/samples"; ok $? "ingest samples/"
$M report --db r.db --since 2025-03-01 --until 2025-04-04 -o report.txt; ok $? "text"
$M report --db r.db --since 2025-03-01 --until 2025-04-04 --format json -o report.json; ok $? "json"
$M report --db r.db --since 2025-03-01 --until 2025-04-04 --format html -o report.html; ok $? "html"
$M report --db r.db --since 2025-03-01 --until 2025-04-04 --format csv -o csv; ok $? "csv"
# the checkout's location never shows in the golden files
for f in report.txt report.json report.html csv/*.csv; do
    sed "s|$TOP|@TOP@|g" "$f" > "$f.n" && mv "$f.n" "$f"
done
if [ "${GOLDEN_UPDATE:-}" = 1 ]; then
    rm -rf "$G" && mkdir -p "$G/csv"
    cp report.txt report.json report.html "$G/" && cp csv/*.csv "$G/csv/"
    echo "# golden files written to $G: review them (git diff) before committing"
fi
for f in report.txt report.json report.html; do
    if cmp -s "$f" "$G/$f"; then ok 0 "$f matches tests/golden/$f"
    else ok 1 "$f matches tests/golden/$f"; diff "$G/$f" "$f" | head -20 | sed 's/^/#   /'; fi
done
is "$(ls csv | tr '\n' ' ')" "$(ls "$G/csv" | tr '\n' ' ')" "the same CSV files"
bad=0
for f in csv/*.csv; do cmp -s "$f" "$G/$f" || { bad=$((bad + 1)); echo "#   differs: $f"; }; done
is "$bad" 0 "every CSV file matches"
