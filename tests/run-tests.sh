#!/bin/sh
# Runs every test and prints one closing line "N passed, N failed".
#  - unit tests: build/tests/test_* (cmocka, TAP output)
#  - end-to-end tests: tests/e2e/*.sh (TAP lines from tests/e2e/lib.sh)
#  - fuzz replays: build/replay/replay_X over tests/fuzz/corpus/X/ (one test each)
# Exit status 0 only when nothing failed and at least one test ran.
BUILD=${BUILD:-build}
export BUILD
export MAILAUDIT="$PWD/$BUILD/mailaudit"
export TOP="$PWD"
pass=0; fail=0; failed_names=""
log=$(mktemp); trap 'rm -f "$log"' EXIT

count_tap() { # $1 = name; reads TAP on $log
    p=$(grep -c '^ok ' "$log"); f=$(grep -c '^not ok ' "$log")
    pass=$((pass + p)); fail=$((fail + f))
    if [ "$f" -gt 0 ] || [ "$2" -ne 0 -a "$f" -eq 0 ]; then
        [ "$f" -eq 0 ] && fail=$((fail + 1))
        failed_names="$failed_names $1"
        echo "FAIL $1"; grep -v '^ok ' "$log" | head -n 60
    else
        echo "ok   $1 ($p)"
    fi
}

for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$log" 2>&1; rc=$?
    count_tap "$(basename "$t")" $rc
done

for t in tests/e2e/*.sh; do
    [ -f "$t" ] || continue
    case "$t" in */lib.sh) continue ;; esac
    sh "$t" >"$log" 2>&1; rc=$?
    count_tap "e2e/$(basename "$t" .sh)" $rc
done

inputs=0
for r in "$BUILD"/replay/replay_*; do
    [ -x "$r" ] || continue
    name=${r##*/replay_}
    corpus=tests/fuzz/corpus/$name
    if [ ! -d "$corpus" ]; then
        fail=$((fail + 1)); failed_names="$failed_names fuzz/$name"; echo "FAIL fuzz/$name: no corpus $corpus"; continue
    fi
    if "$r" "$corpus" >"$log" 2>&1; then
        n=$(sed -n 's/^replayed \([0-9]*\) inputs$/\1/p' "$log")
        inputs=$((inputs + ${n:-0})); pass=$((pass + 1)); echo "ok   fuzz/$name ($n inputs)"
    else
        fail=$((fail + 1)); failed_names="$failed_names fuzz/$name"; echo "FAIL fuzz/$name"; tail -n 40 "$log"
    fi
done
echo "fuzz corpus inputs replayed: $inputs"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
