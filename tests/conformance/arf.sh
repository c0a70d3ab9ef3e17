#!/bin/sh
# arf.sh — optional conformance check of feedback/arf.c against Sisimai's
# verdicts on the public bounce corpus (../shared/conformance/bounces/, see
# its README). NOT run by `make check`; prints "skipped" when the corpus is
# absent.
#
#  1. builds tests/conformance/arfcheck.c against $BUILD/libmailaudit.a;
#  2. runs it over every file of the corpus;
#  3. a file is expected to be a complaint report when Sisimai's reason for
#     it (sisimai-results.tsv) is `feedback`, and expected not to be one
#     otherwise (bounces, auto-replies, not-a-bounce). Prints the agreement,
#     the formats and feedback types found, and every disagreement.
# Usage: sh tests/conformance/arf.sh [corpus-dir]   (from the repository top)
set -eu
CORPUS=${1:-../shared/conformance/bounces}
BUILD=${BUILD:-build}
if [ ! -f "$CORPUS/sisimai-results.tsv" ]; then
    echo "arf conformance: skipped ($CORPUS not found)"
    exit 0
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

make --no-print-directory "$BUILD/libmailaudit.a" >/dev/null
PKGS="sqlite3 libpcre2-8 libcrypto zlib libxml-2.0"
# shellcheck disable=SC2046
cc -std=c17 -O1 -D_GNU_SOURCE -Ianalyzer tests/conformance/arfcheck.c "$BUILD/libmailaudit.a" \
    $(pkg-config --libs $PKGS) -lspf2 -lresolv -lm -o "$TMP/arfcheck"

# expected verdict per file: "feedback" when any of its rows says so
awk -F'\t' '{ if ($3 == "feedback") f[$1] = 1; else if (!($1 in f)) f[$1] = 0 }
            END { for (k in f) print k "\t" f[k] }' "$CORPUS/sisimai-results.tsv" |
    sort > "$TMP/expected"

find "$CORPUS" -maxdepth 1 -name '*.eml' | sort | xargs "$TMP/arfcheck" > "$TMP/got"
awk 'BEGIN { FS = OFS = "\t" } { sub(/^.*\//, "", $1); print }' "$TMP/got" | sort > "$TMP/got.sorted"

join -t "$(printf '\t')" "$TMP/expected" "$TMP/got.sorted" | awk -F'\t' '
    {   want = $2; got = ($3 == "arf") ? 1 : 0
        if (want) { n_fb++; if (got) { ok_fb++; fmt[$4]++; type[$5]++ } else miss[++nm] = $1 }
        else { n_other++; if (!got) ok_other++; else fp[++nf] = $1 " (" $4 ", " $6 ")" }
    }
    END {
        printf "complaint reports (Sisimai: feedback): %d of %d recognised\n", ok_fb, n_fb
        for (k in fmt) printf "  format %-6s %d\n", k, fmt[k]
        for (k in type) printf "  feedback-type %-13s %d\n", k, type[k]
        printf "other messages (bounces, auto-replies): %d of %d not taken as reports\n", ok_other, n_other
        for (i = 1; i <= nm; i++) printf "  missed: %s\n", miss[i]
        for (i = 1; i <= nf; i++) printf "  false report: %s\n", fp[i]
        printf "%d passed, %d failed\n", ok_fb + ok_other, (n_fb - ok_fb) + (n_other - ok_other)
    }'
