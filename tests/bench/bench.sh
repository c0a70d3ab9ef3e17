#!/bin/sh
# make bench — ingest speed and peak memory on a generated corpus.
# One core (taskset -c 0), peak RSS from GNU time. Corpus in $BENCH_DIR
# (default build/bench), generated once per size.
#   BENCH_N      messages in the main mbox (default 20000)
#   BENCH_FILES  message files in the Maildir run (default 5000)
set -eu
BUILD=${BUILD:-build}
N=${BENCH_N:-20000}
FILES=${BENCH_FILES:-5000}
DIR=${BENCH_DIR:-$BUILD/bench}
BIN=$BUILD/mailaudit
GEN=$BUILD/tools/gen-corpus
mkdir -p "$DIR"
[ -f "$DIR/corpus-$N.mbox" ] || { echo "bench: generating $N messages..."; $GEN mbox "$DIR/corpus-$N.mbox" "$N" 1; }
Q=$((N / 4))
[ -f "$DIR/corpus-$Q.mbox" ] || $GEN mbox "$DIR/corpus-$Q.mbox" "$Q" 2
[ -d "$DIR/maildir-$FILES" ] || { echo "bench: generating $FILES Maildir files..."; $GEN maildir "$DIR/maildir-$FILES" "$FILES" 3; }

TIME=/usr/bin/time
run() { # run LABEL MESSAGES BYTES PATH
    label=$1; msgs=$2; bytes=$3; shift 3
    rm -f "$DIR/bench.db" "$DIR/bench.db-wal" "$DIR/bench.db-shm"
    sync
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --db "$DIR/bench.db" "$@"
    set -- $(cat "$DIR/time.out")
    secs=$1; rss_kb=$2; cpu=$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')
    awk -v l="$label" -v m="$msgs" -v b="$bytes" -v s="$secs" -v r="$rss_kb" -v c="$cpu" 'BEGIN {
        if (s <= 0) s = 0.01; if (c <= 0) c = 0.01;
        printf "%-24s %6d msgs %7.1f MB %6.2f s %6.0f msg/s %6.1f MB/s (CPU %5.2f s: %6.0f msg/s)  peak RSS %5.1f MB\n",
               l, m, b / 1e6, s, m / s, b / 1e6 / s, c, m / c, r / 1024 }'
}
size() { du -sb "$1" | cut -f1; }
echo "mailaudit $($BIN --version | cut -d' ' -f2) ingest, one core, $(nproc) cores present"
run "mbox $Q msgs"      "$Q"     "$(size "$DIR/corpus-$Q.mbox")" "$DIR/corpus-$Q.mbox"
run "mbox $N msgs"      "$N"     "$(size "$DIR/corpus-$N.mbox")" "$DIR/corpus-$N.mbox"
run "Maildir $FILES files" "$FILES" "$(size "$DIR/maildir-$FILES")" "$DIR/maildir-$FILES"
# Re-ingest of the same mbox: every message already stored (dedup path)
$TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --db "$DIR/bench.db" "$DIR/corpus-$Q.mbox"
set -- $(cat "$DIR/time.out")
echo "re-ingest of a new mbox into a populated database: $1 s, peak RSS $(($2 / 1024)) MB"
touch "$DIR/corpus-$Q.mbox"
$TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --db "$DIR/bench.db" "$DIR/corpus-$Q.mbox"
set -- $(cat "$DIR/time.out")
echo "re-ingest of the same mbox after touch (all duplicates): $1 s"

# ---- MTA logs: parse-only and parse+store, beside pflogsumm on the same file
L=${BENCH_LOG_LINES:-2000000}
[ -f "$DIR/maillog-$L" ] || { echo "bench: generating $L Postfix log lines..."; $BUILD/tools/gen-logs "$DIR/maillog-$L" "$L" 1; }
LB=$(du -sb "$DIR/maillog-$L" | cut -f1)
echo "logs: $L Postfix lines, $(awk -v b="$LB" 'BEGIN { printf "%.1f MB", b / 1e6 }')"
$TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 $BUILD/tools/logbench "$DIR/maillog-$L" > "$DIR/logbench.out"
set -- $(cat "$DIR/time.out")
echo "  parse only:      $(cat "$DIR/logbench.out")   peak RSS $(($2 / 1024)) MB"
rm -f "$DIR/logs.db" "$DIR/logs.db-wal" "$DIR/logs.db-shm"
$TIME -f '%e %M %U %S' -o "$DIR/time.out" taskset -c 0 "$BIN" ingest --quiet --db "$DIR/logs.db" "$DIR/maillog-$L"
set -- $(cat "$DIR/time.out")
awk -v l="$L" -v s="$1" -v r="$2" -v u="$3" -v y="$4" 'BEGIN { if (s <= 0) s = 0.01; c = u + y; if (c <= 0) c = 0.01; printf "  parse + store:   %.2f s, %.0f lines/s (CPU %.2f s: %.0f lines/s), peak RSS %.1f MB\n", s, l / s, c, l / c, r / 1024 }'
echo "  stored: $(sqlite3 "$DIR/logs.db" "SELECT count(*) FROM log_events") events, $(sqlite3 "$DIR/logs.db" "SELECT count(*) FROM deliveries") deliveries"
if command -v pflogsumm >/dev/null 2>&1; then
    $TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 pflogsumm "$DIR/maillog-$L" > /dev/null 2>&1
    set -- $(cat "$DIR/time.out")
    awk -v l="$L" -v s="$1" -v r="$2" 'BEGIN { if (s <= 0) s = 0.01; printf "  pflogsumm:       %.2f s, %.0f lines/s, peak RSS %.1f MB (summary only, stores nothing)\n", s, l / s, r / 1024 }'
else
    echo "  pflogsumm: not installed (MAILAUDIT_BENCH_DEPS=1 make deps)"
fi

# ---- DKIM: verifications/s in process (keys cached), check over the files,
# ---- and dkimpy on the same files (start-up included), one core each.
DN=${BENCH_DKIM_N:-2000}
DD="$DIR/dkim-$DN"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null; then
    [ -f "$DD/keys.zone" ] || { echo "bench: signing $DN + $DN messages with dkimpy..."; /usr/bin/python3 tests/bench/dkim-corpus.py "$DD" "$DN"; }
    echo "dkim: $DN messages per algorithm, $(du -sb "$DD/rsa" | cut -f1 | awk -v n="$DN" '{ printf "%.1f KB", $1 / n / 1000 }') each"
    for alg in rsa ed25519; do
        echo "  $alg in process:     $(taskset -c 0 $BUILD/tools/dkimbench "$DD/keys.zone" "$DD/$alg"/*.eml)"
        $TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 "$BIN" check --checks dkim --json --dns "$DD/keys.zone" "$DD/$alg"/*.eml > "$DIR/check.out" 2>/dev/null
        set -- $(cat "$DIR/time.out")
        np=$(grep -c '"result":"pass"' "$DIR/check.out" || true)
        awk -v n="$DN" -v s="$1" -v r="$2" -v p="$np" -v a="$alg" 'BEGIN { if (s <= 0) s = 0.01; printf "  %s check --json:  %.2f s, %.0f messages/s (%d pass), peak RSS %.1f MB\n", a, s, n / s, p, r / 1024 }'
        c_rate=$(awk -v n="$DN" -v s="$1" 'BEGIN { if (s <= 0) s = 0.01; print n / s }')
        $TIME -f '%e %M' -o "$DIR/time.out" taskset -c 0 /usr/bin/python3 tests/bench/dkimpy-verify.py "$DD/keys.zone" "$DD/$alg"/*.eml > "$DIR/dkimpy.out"
        set -- $(cat "$DIR/time.out")
        awk -v n="$DN" -v s="$1" -v o="$(cat "$DIR/dkimpy.out")" -v a="$alg" -v c="$c_rate" 'BEGIN { if (s <= 0) s = 0.01; printf "  %s dkimpy:        %.2f s, %.0f messages/s (%s); check is %.1fx faster\n", a, s, n / s, o, c / (n / s) }'
    done
else
    echo "dkim: python3-dkim/python3-nacl not installed (MAILAUDIT_BENCH_DEPS=1 make deps)"
fi

# ---- SPF: evaluations/s in process, one core, CPU time; records with three
# ---- includes each (six with their nested ones), compiled records cached.
echo "spf: $(taskset -c 0 $BUILD/tools/spfbench "${BENCH_SPF_N:-200000}")"
