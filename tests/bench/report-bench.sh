#!/bin/sh
# make bench, report part — `mailaudit report` over a generated database of
# BENCH_REPORT_N messages (default 1,000,000) and BENCH_REPORT_L log lines
# (default 10,000,000), made once by tests/bench/gen-report-db.sh; each format
# timed on one core with peak RSS, and two periods: one week and one day of
# the data (the daily report of a cron job reads that day, not the database).
set -eu
BUILD=${BUILD:-build}
DIR=${BENCH_DIR:-$BUILD/bench}
BIN=$BUILD/mailaudit
N=${BENCH_REPORT_N:-1000000}
L=${BENCH_REPORT_L:-10000000}
DB=$DIR/report-$N-$L.db
TIME=/usr/bin/time
mkdir -p "$DIR"
if [ ! -f "$DB" ]; then
    echo "bench: generating a report database of $N messages and $L log lines..."
    $TIME -f '  generated in %e s' env BIN="$BIN" sh tests/bench/gen-report-db.sh "$DB" "$N" "$L"
fi
echo "report: $N messages, $L log lines ($(du -m "$DB" | cut -f1) MB database)"
for f in json text html; do
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" report --db "$DB" --format "$f" -o "$DIR/report.$f" 2>/dev/null || true
    set -- $(cat "$DIR/time.out")
    echo "  --format $f: $1 s (CPU $(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }') s), peak RSS $(($2 / 1024)) MB, $(du -k "$DIR/report.$f" | cut -f1) KB"
done
for p in "week 2025-04-24 2025-05-01" "day 2025-04-30 2025-05-01"; do
    set -- $p
    what=$1 lo=$2 hi=$3
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" report --db "$DB" --format json --since "$lo" --until "$hi" -o "$DIR/report-$what.json" 2>/dev/null || true
    set -- $(cat "$DIR/time.out")
    echo "  one $what (--since $lo --until $hi), json: $1 s (CPU $(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }') s), peak RSS $(($2 / 1024)) MB"
done
