#!/bin/sh
# make bench, rules section — scoring throughput of the rules engine with
# (a) mailaudit's own rules (./rules) and (b) the stock SpamAssassin rules,
# and SpamAssassin itself on the same messages in the same run:
# (c) tests/accuracy/sa-oracle.pl, the Mail::SpamAssassin API in one process
# (rules loaded once: its best case; its start-up, measured on one message, is
# subtracted), and (d) `spamassassin -t -L` run once per message on a sample,
# the per-process cost. One core (taskset -c 0 when present), CPU time
# (user + sys of the process and its children, GNU time), peak RSS.
# Messages come from tests/accuracy/gen-rules-corpus.py (varied ham and spam),
# generated once per size into $BENCH_DIR/rules-corpus.
#   BENCH_RULES_N       messages (default 2000)
#   BENCH_RULES_BATCH   files per mailaudit check run (default 2000; xargs)
#   BENCH_RULES_SAMPLE  messages for the per-process spamassassin run (default 20)
#   BENCH_SA_RULES      the SpamAssassin rule directory (default /usr/share/spamassassin)
#   BENCH_PGO_BIN       the profile-guided build measured beside $BUILD/mailaudit when it
#                       exists (default build/pgo/mailaudit: make pgo; make bench builds it)
#   BENCH_RULES_REPEAT  runs of each mailaudit measurement (default 3): this VM's CPU
#                       time varies by 10-15% from run to run, so the rate printed is the
#                       median of the runs (each run's CPU minus its own start-up run), and
#                       every run's rate is listed beside it
set -eu
BUILD=${BUILD:-build}
N=${BENCH_RULES_N:-2000}
BATCH=${BENCH_RULES_BATCH:-2000}
SAMPLE=${BENCH_RULES_SAMPLE:-20}
REPEAT=${BENCH_RULES_REPEAT:-3}
SARULES=${BENCH_SA_RULES:-/usr/share/spamassassin}
DIR=${BENCH_DIR:-$BUILD/bench}
BIN=$BUILD/mailaudit
PGO_BIN=${BENCH_PGO_BIN:-build/pgo/mailaudit}
CORPUS=$DIR/rules-corpus
GEN=tests/accuracy/gen-rules-corpus.py
ORACLE=tests/accuracy/sa-oracle.pl
TIME=/usr/bin/time
PIN=""
command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"

mkdir -p "$DIR"
stamp="$N 7 $(cksum < "$GEN" | cut -d' ' -f1)"
if [ "$(cat "$CORPUS.stamp" 2>/dev/null || true)" != "$stamp" ]; then
    echo "bench: generating $N varied messages for the rules engine..."
    rm -rf "$CORPUS"
    python3 "$GEN" -n "$N" --seed 7 "$CORPUS"
    echo "$stamp" > "$CORPUS.stamp"
fi
find "$CORPUS" -name '*.eml' | sort > "$DIR/rules-files.txt"
head -n 1 "$DIR/rules-files.txt" > "$DIR/rules-one.txt"
rm -f "$DIR"/rules-chunk.*
split -l "$BATCH" "$DIR/rules-files.txt" "$DIR/rules-chunk."
BATCHES=$(find "$DIR" -maxdepth 1 -name 'rules-chunk.*' | wc -l)
BYTES=$(du -sb "$CORPUS" | cut -f1)

# measure COMMAND...: CPU seconds and peak RSS (KB) of COMMAND on one core
# into $cpu and $rss; COMMAND's exit status into $status. $PIN and the time
# line are split into words on purpose.
measure() {
    status=0
    $TIME -f '%e %M %U %S' -o "$DIR/time.out" $PIN "$@" || status=$?
    # shellcheck disable=SC2046
    set -- $(tail -n 1 "$DIR/time.out")
    rss=$2; cpu=$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')
}
rate() { awk -v n="$1" -v c="$2" 'BEGIN { if (c <= 0) c = 0.001; printf "%.0f", n / c }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

echo "rules: $N generated messages ($(awk -v b="$BYTES" 'BEGIN { printf "%.1f MB", b / 1e6 }')), one core," \
     "CPU time (user+sys), files in $BATCHES batch(es) of up to $BATCH"

# mailaudit over every file (xargs, one check process per batch), then over
# one file for the start-up (rule loading and compilation) cost; $REPEAT
# times, the median rate kept in $ma_rate.
ma_run() { # ma_run LABEL RULEDIR [BINARY]
    label=$1; rdir=$2; bin=${3:-$BIN}
    rates=""; i=0
    while [ "$i" -lt "$REPEAT" ]; do
        i=$((i + 1))
        measure sh -c 'for c in "$1"/rules-chunk.*; do xargs -d "\n" -a "$c" "$2" check --checks rules --json --rules "$3"; done' \
            sh "$DIR" "$bin" "$rdir" > "$DIR/rules-check.out" 2> "$DIR/rules-check.err"
        st=$status; c_all=$cpu; r_all=$rss
        got=$(grep -c '"score"' "$DIR/rules-check.out" || true)
        if [ "$st" -gt 1 ] || [ "$got" -eq 0 ]; then
            echo "  $label: check --checks rules failed (status $st, $got results; see $DIR/rules-check.err)"
            return 1
        fi
        measure xargs -d "\n" -a "$DIR/rules-one.txt" "$bin" check --checks rules --json --rules "$rdir" > /dev/null 2>&1
        c_one=$cpu
        c_net=$(awk -v a="$c_all" -v o="$c_one" -v b="$BATCHES" 'BEGIN { x = a - b * o; if (x < 0.001) x = 0.001; print x }')
        rates="$rates $(rate "$N" "$c_net")"
    done
    # shellcheck disable=SC2086
    ma_rate=$(printf '%s\n' $rates | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf "  %-34s %7.2f s CPU %7s msg/s; start-up %.2f s, %s msg/s without (median of%s); peak RSS %s MB (%d results)\n" \
        "$label" "$c_all" "$(rate "$N" "$c_all")" "$c_one" "$ma_rate" "$rates" "$(mb "$r_all")" "$got"
}
stock_rate=""
pgo_rate=""
if [ -x "$BIN" ]; then
    if ls rules/*.cf >/dev/null 2>&1; then ma_run "mailaudit, own rules (./rules):" rules || true; fi
    if [ -d "$SARULES" ] && ma_run "mailaudit, SpamAssassin rules:" "$SARULES"; then stock_rate=$ma_rate; fi
    # the same program built with profile-guided optimisation (make pgo):
    # its output must be the plain build's, byte for byte
    if [ -x "$PGO_BIN" ] && [ "$PGO_BIN" != "$BIN" ] && [ -d "$SARULES" ]; then
        cp "$DIR/rules-check.out" "$DIR/rules-check.plain"
        if ma_run "the same, PGO build ($PGO_BIN):" "$SARULES" "$PGO_BIN"; then
            if cmp -s "$DIR/rules-check.out" "$DIR/rules-check.plain"; then pgo_rate=$ma_rate
            else echo "  PGO build: output differs from $BIN (see $DIR/rules-check.out)"; fi
        fi
    fi
else
    echo "  mailaudit: $BIN not built"
fi

if perl -MMail::SpamAssassin -e 1 2>/dev/null && [ -d "$SARULES" ]; then
    ver=$(perl -MMail::SpamAssassin -e 'print Mail::SpamAssassin::Version()')
    measure perl "$ORACLE" --rules "$SARULES" --files-from "$DIR/rules-files.txt" > "$DIR/rules-sa.out" 2> "$DIR/rules-sa.err"
    c_all=$cpu; r_all=$rss
    measure perl "$ORACLE" --rules "$SARULES" --files-from "$DIR/rules-one.txt" > /dev/null 2>&1
    c_one=$cpu
    c_net=$(awk -v a="$c_all" -v o="$c_one" 'BEGIN { x = a - o; if (x < 0.001) x = 0.001; print x }')
    sa_rate=$(awk -v n="$N" -v c="$c_net" 'BEGIN { printf "%.2f", n / c }')
    printf "  %-34s %7.2f s CPU %7s msg/s; start-up %.2f s, %s msg/s without; peak RSS %s MB\n" \
        "SpamAssassin $ver, one process:" "$c_all" "$(rate "$N" "$c_all")" "$c_one" "$sa_rate" "$(mb "$r_all")"
    # per process: the spamassassin script once per message (no user prefs,
    # Bayes off, local tests only), as a filter invoked per delivery would be.
    : > "$DIR/rules-empty-prefs"
    head -n "$SAMPLE" "$DIR/rules-files.txt" > "$DIR/rules-sample.txt"
    ns=$(wc -l < "$DIR/rules-sample.txt")
    measure sh -c 'while read -r f; do spamassassin -t -L -p "$1" --cf="use_bayes 0" < "$f" > /dev/null 2>&1; done < "$2"' \
        sh "$DIR/rules-empty-prefs" "$DIR/rules-sample.txt"
    pp_rate=$(awk -v n="$ns" -v c="$cpu" 'BEGIN { if (c <= 0) c = 0.001; printf "%.2f", n / c }')
    printf "  %-34s %7.2f s CPU %7s msg/s (%.2f s a message, %d sampled); peak RSS %s MB\n" \
        "spamassassin -t -L per message:" "$cpu" "$pp_rate" "$(awk -v n="$ns" -v c="$cpu" 'BEGIN { print c / n }')" \
        "$ns" "$(mb "$rss")"
    if [ -n "$stock_rate" ]; then
        awk -v m="$stock_rate" -v s="$sa_rate" -v p="$pp_rate" 'BEGIN {
            printf "  mailaudit with the SpamAssassin rules: %.1fx SpamAssassin in one process (start-up excluded on both sides), %.0fx per-process spamassassin\n", m / s, m / p }'
        if [ -n "$pgo_rate" ]; then
            awk -v m="$pgo_rate" -v s="$sa_rate" 'BEGIN { printf "  the PGO build: %.1fx SpamAssassin in one process\n", m / s }'
        fi
    fi
else
    echo "  SpamAssassin: not installed (apt-get install spamassassin), no comparison"
fi
echo "  targets: >= 2,000 msg/s on one core with the stock SpamAssassin rules, >= 50x SpamAssassin"
