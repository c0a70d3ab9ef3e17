#!/bin/sh
# make check-pgo — the profile-guided build (make pgo) must be the same
# program: its output is compared byte for byte with build/mailaudit's on
# the repository's messages with every check, on messages generated with a
# seed neither the training (11) nor the bench (7) uses, scored by ./rules and
# by SpamAssassin's stock rules when installed, and on the report of samples/
# in every format. Prints one line per comparison; exit 1 on any difference.
set -eu
BIN=${BUILD:-build}/mailaudit
PGO_BIN=${PGO:-build/pgo}/mailaudit
SARULES=${PGO_SA_RULES:-/usr/share/spamassassin}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
pass=0 fail=0
same() { # same NAME: compares $W/a.NAME with $W/b.NAME
    if cmp -s "$W/a.$1" "$W/b.$1" && [ -s "$W/a.$1" ]; then
        echo "ok   pgo/$1"; pass=$((pass + 1))
    else
        echo "FAIL pgo/$1: the PGO build's output differs (or is empty)"; fail=$((fail + 1))
    fi
}
both() { # both NAME COMMAND...: COMMAND run with each binary (@BIN@ stands for it)
    name=$1; shift
    for side in a b; do
        bin=$BIN; [ "$side" = b ] && bin=$PGO_BIN
        cmd=""
        for w in "$@"; do [ "$w" = @BIN@ ] && w=$bin; cmd="$cmd '$w'"; done
        eval "$cmd" > "$W/$side.$name" 2>/dev/null || true
    done
    same "$name"
}
find samples tests/fixtures -name '*.eml' | sort > "$W/eml.txt"
both check-json xargs -d '\n' -a "$W/eml.txt" @BIN@ check --json --at 2025-05-01T00:00:00Z \
    --dns samples/dns/snapshot.zone
both check-text xargs -d '\n' -a "$W/eml.txt" @BIN@ check --at 2025-05-01T00:00:00Z \
    --dns samples/dns/snapshot.zone
if command -v python3 >/dev/null 2>&1; then
    python3 tests/accuracy/gen-rules-corpus.py -n 300 --seed 23 "$W/corpus" > /dev/null
    find "$W/corpus" -name '*.eml' | sort > "$W/gen.txt"
    both rules-own xargs -d '\n' -a "$W/gen.txt" @BIN@ check --checks rules --json --rules rules
    if [ -d "$SARULES" ]; then
        both rules-stock xargs -d '\n' -a "$W/gen.txt" @BIN@ check --checks rules --json \
            --rules "$SARULES"
    fi
fi
for side in a b; do
    bin=$BIN; [ "$side" = b ] && bin=$PGO_BIN
    # the same database path for both: the report names it
    rm -f "$W/samples.db" "$W/samples.db-wal" "$W/samples.db-shm"
    "$bin" ingest --quiet --db "$W/samples.db" \
        --dns samples/dns/snapshot.zone samples/ > /dev/null 2>&1 || true
    for f in text json html; do
        SOURCE_DATE_EPOCH=1746057600 "$bin" report --db "$W/samples.db" --format "$f" \
            -o "$W/$side.report-$f" > /dev/null 2>&1 || true
    done
done
for f in text json html; do same "report-$f"; done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
