#!/bin/sh
# make bench, feedback part — DMARC aggregate reports: parse speed (records/s,
# CPU time of the parse alone) and ingest speed with the rows stored in SQLite
# (a report of 1,000,000 records gzip-compressed and base64-attached to a
# message, as reporters send it), on one core with peak RSS; and the bounce
# corpus (../shared/conformance/bounces/) ingested, when present.
#   BENCH_DMARC_N  records in the generated reports (default 1000000; the
#                  pretty-printed one is cut to 700,000 to stay under the
#                  512 MiB XML ceiling)
set -eu
BUILD=${BUILD:-build}
DIR=${BENCH_DIR:-$BUILD/bench}
BIN=$BUILD/mailaudit
N=${BENCH_DMARC_N:-1000000}
NP=$((N * 7 / 10))
TIME=/usr/bin/time
mkdir -p "$DIR"
[ -f "$DIR/dmarc-compact-$N.xml" ] || $BUILD/tools/gen-dmarc "$N" compact > "$DIR/dmarc-compact-$N.xml"
[ -f "$DIR/dmarc-pretty-$NP.xml" ] || $BUILD/tools/gen-dmarc "$NP" pretty > "$DIR/dmarc-pretty-$NP.xml"
echo "dmarc aggregate: $N records compact ($(du -m "$DIR/dmarc-compact-$N.xml" | cut -f1) MB), $NP pretty-printed ($(du -m "$DIR/dmarc-pretty-$NP.xml" | cut -f1) MB)"
for f in "compact-$N" "pretty-$NP"; do
    echo "  parse only, $f: $(taskset -c 0 $BUILD/tools/dmarcaggbench "$DIR/dmarc-$f.xml")"
    echo "  parse streamed in 64 KiB pieces, $f: $(taskset -c 0 $BUILD/tools/dmarcaggbench "$DIR/dmarc-$f.xml" 65536)"
done
# the report as a message: multipart, the .xml.gz base64-attached
for f in "compact-$N" "pretty-$NP"; do
    M=$DIR/dmarc-$f.eml
    if [ ! -f "$M" ]; then
        { printf 'From: noreply-dmarc-support@google.com\nTo: dmarc@example.com\nSubject: Report domain: example.com\n'
          printf 'Date: Wed, 15 Nov 2023 10:00:00 +0000\nMessage-ID: <bench-%s@google.com>\nMIME-Version: 1.0\n' "$f"
          printf 'Content-Type: application/gzip; name="google.com!example.com!1!2.xml.gz"\nContent-Transfer-Encoding: base64\n\n'
          gzip -1 -c "$DIR/dmarc-$f.xml" | base64; } > "$M"
    fi
    rows=$(grep -c '<record>' "$DIR/dmarc-$f.xml" || true)
    [ "$rows" -gt 1 ] || rows=$(grep -o '<record>' "$DIR/dmarc-$f.xml" | wc -l)
    rm -f "$DIR/dmarc.db" "$DIR/dmarc.db-wal" "$DIR/dmarc.db-shm"
    sync
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --checks dkim --db "$DIR/dmarc.db" "$M"
    set -- $(cat "$DIR/time.out")
    got=$(sqlite3 "$DIR/dmarc.db" "SELECT sum(n_rows) FROM dmarc_reports")
    awk -v f="$f" -v n="$got" -v s="$1" -v r="$2" -v u="$3" -v y="$4" -v mb="$(du -m "$M" | cut -f1)" 'BEGIN {
        if (s <= 0) s = 0.01; c = u + y; if (c <= 0) c = 0.01;
        printf "  ingest and store, %s (%d MB message): %d rows in %.2f s, %.0f rows/s (CPU %.2f s: %.0f rows/s), peak RSS %.1f MB\n",
               f, mb, n, s, n / s, c, n / c, r / 1024 }'
done
rm -f "$DIR/dmarc.db" "$DIR/dmarc.db-wal" "$DIR/dmarc.db-shm"
B=${BOUNCES:-../shared/conformance/bounces}
if [ -d "$B" ]; then
    rm -f "$DIR/bounces.db" "$DIR/bounces.db-wal" "$DIR/bounces.db-shm"
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --checks dkim --db "$DIR/bounces.db" "$B" 2>/dev/null || true
    set -- $(cat "$DIR/time.out")
    n=$(sqlite3 "$DIR/bounces.db" "SELECT count(*) FROM messages")
    r=$(sqlite3 "$DIR/bounces.db" "SELECT count(*) FROM bounce_recipients")
    awk -v n="$n" -v k="$r" -v s="$1" -v m="$2" -v u="$3" -v y="$4" 'BEGIN {
        if (s <= 0) s = 0.01; c = u + y; if (c <= 0) c = 0.01;
        printf "bounces: %d messages of the conformance corpus ingested in %.2f s (%.0f msg/s; CPU %.0f msg/s), %d bounce recipients, peak RSS %.1f MB\n",
               n, s, n / s, n / c, k, m / 1024 }'
    rm -f "$DIR/bounces.db" "$DIR/bounces.db-wal" "$DIR/bounces.db-shm"
fi
