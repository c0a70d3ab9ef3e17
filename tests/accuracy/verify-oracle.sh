#!/bin/sh
# verify-oracle.sh — check that sa-oracle.pl (SpamAssassin API, one process)
# reports exactly what `spamassassin -t -L` reports with Bayes, the
# auto-welcomelist and network tests off, on a sample of messages: the same
# scored rules, the same "__" sub-rules and the same score.
# Usage: verify-oracle.sh FILE...   (exit 1 on any difference)
set -eu
HERE=$(dirname "$0")
[ $# -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
: > "$TMP/empty_prefs"
perl "$HERE/sa-oracle.pl" --fork "$@" > "$TMP/oracle.tsv"
bad=0
n=0
while IFS="$(printf '\t')" read -r file score rules; do
    n=$((n + 1))
    # The spamassassin script itself, test mode, local tests only; the tests
    # hit and the sub-tests hit exported as headers of the rewritten message.
    spamassassin -t -L -p "$TMP/empty_prefs" \
        --cf='use_bayes 0' --cf='use_auto_welcomelist 0' --cf='skip_rbl_checks 1' \
        --cf='add_header all VTests _TESTS(,)_' --cf='add_header all VSubtests _SUBTESTS(,)_' \
        --cf='add_header all VScore _SCORE(0)_' < "$file" 2>/dev/null |
        tr -d '\r' | awk '/^$/ { exit } { print }' |
        awk '/^[^ \t]/ { if (h != "") print h; h = $0; next } { sub(/^[ \t]+/, ""); h = h $0 } END { if (h != "") print h }' \
        > "$TMP/headers"
    cli=$(sed -n 's/^X-Spam-VTests: //p; s/^X-Spam-VSubtests: //p' "$TMP/headers" | tr ',' '\n' |
          grep -v '^none$' | grep -v '^$' | sort -u | tr '\n' ',' | sed 's/,$//')
    cscore=$(sed -n 's/^X-Spam-VScore: //p' "$TMP/headers")
    ora=$(printf '%s\n' "$rules" | tr ',' '\n' | grep -v '^$' | sort -u | tr '\n' ',' | sed 's/,$//')
    if [ "$cli" != "$ora" ] || [ "$(printf '%.1f' "$cscore")" != "$(printf '%.1f' "$score")" ]; then
        bad=$((bad + 1))
        echo "DIFF $file: oracle score $score, spamassassin $cscore"
        printf '%s\n' "$ora" | tr ',' '\n' > "$TMP/a"
        printf '%s\n' "$cli" | tr ',' '\n' > "$TMP/b"
        diff "$TMP/a" "$TMP/b" | sed -n 's/^</  oracle only:/p; s/^>/  spamassassin only:/p' || true
    fi
done < "$TMP/oracle.tsv"
echo "verify-oracle: $n messages, $bad differ from spamassassin -t -L"
[ "$bad" -eq 0 ]
