#!/bin/sh
# make accuracy — mailaudit's rule hits against SpamAssassin's own on a
# generated corpus (not part of make check: needs the spamassassin package).
# Generates ACCURACY_N messages (default 600, seed ACCURACY_SEED, default 1)
# into $BUILD/accuracy/corpus, runs SpamAssassin once over all of them and
# mailaudit check --checks rules on the same files, and prints the agreement
# on (message, rule) pairs of plain-regex rules (tests/accuracy/compare.py).
#   ACCURACY_RULES  rule directory for both sides (default /usr/share/spamassassin)
#   ACCURACY_MIN    exit 1 when the agreement is below this percentage
# Extra arguments go to compare.py (e.g. --top 50).
set -eu
BUILD=${BUILD:-build}
N=${ACCURACY_N:-600}
SEED=${ACCURACY_SEED:-1}
RULES=${ACCURACY_RULES:-/usr/share/spamassassin}
DIR=$BUILD/accuracy
HERE=$(dirname "$0")
if ! perl -MMail::SpamAssassin -e 1 2>/dev/null; then
    echo "accuracy: SpamAssassin not installed (apt-get install spamassassin)"
    exit 0
fi
if [ ! -x "$BUILD/mailaudit" ]; then
    echo "accuracy: $BUILD/mailaudit not built (make)" >&2
    exit 2
fi
mkdir -p "$DIR"
stamp="$N $SEED $(cksum < "$HERE/gen-rules-corpus.py" | cut -d' ' -f1)"
if [ "$(cat "$DIR/corpus.stamp" 2>/dev/null || true)" != "$stamp" ]; then
    echo "accuracy: generating $N messages (seed $SEED)..."
    rm -rf "$DIR/corpus"
    python3 "$HERE/gen-rules-corpus.py" -n "$N" --seed "$SEED" "$DIR/corpus"
    echo "$stamp" > "$DIR/corpus.stamp"
fi
echo "accuracy: SpamAssassin $(perl -MMail::SpamAssassin -e 'print Mail::SpamAssassin::Version()') and" \
     "mailaudit $("$BUILD/mailaudit" --version | cut -d' ' -f2) on $N messages, rules from $RULES"
set -- --corpus "$DIR/corpus" --mailaudit "$BUILD/mailaudit" --rules "$RULES" --out "$DIR" "$@"
if [ -n "${ACCURACY_MIN:-}" ]; then
    set -- "$@" --min "$ACCURACY_MIN"
fi
exec python3 "$HERE/compare.py" "$@"
