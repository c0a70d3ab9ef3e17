#!/bin/sh
# make pgo — build $PGO/mailaudit (default build/pgo) with GCC's
# profile-guided optimisation: an instrumented build runs a training
# workload, then the same sources are compiled again with the profile
# (-fprofile-use). The binary does the same work as build/mailaudit, byte for
# byte the same output; only the compiler's choices of inlining, code layout
# and branch order differ.
#
# The training workload is not the benchmark's: 600 messages generated with
# another seed (tests/accuracy/gen-rules-corpus.py --seed 11; the rules bench
# uses seed 7), scored with SpamAssassin's stock rules when they are
# installed and with ./rules, then every check on the repository's .eml
# samples, an ingest of samples/ and its report in every format.
#   PGO           the build directory (default build/pgo)
#   PGO_SA_RULES  SpamAssassin's rule directory (default /usr/share/spamassassin)
#   PGO_JOBS      parallel compile jobs (default: the number of cores)
set -eu
PGO=${PGO:-build/pgo}
SARULES=${PGO_SA_RULES:-/usr/share/spamassassin}
MAKE=${MAKE:-make}
JOBS=${PGO_JOBS:-$(nproc 2>/dev/null || echo 1)}
BASE_CFLAGS=${CFLAGS:--O2 -g}

# 1. the instrumented build; old profiles and objects go first, so that a
#    profile never outlives the source it was taken from
rm -rf "$PGO"
$MAKE -j"$JOBS" --no-print-directory BUILD="$PGO" CFLAGS="$BASE_CFLAGS -fprofile-generate -fprofile-update=single" \
    LDFLAGS="-fprofile-generate" "$PGO/mailaudit"

# 2. training (the profile files land beside the objects)
BIN=$PGO/mailaudit
T=$PGO/train
mkdir -p "$T"
if command -v python3 >/dev/null 2>&1; then
    python3 tests/accuracy/gen-rules-corpus.py -n 600 --seed 11 "$T/corpus" > /dev/null
    find "$T/corpus" -name '*.eml' | sort > "$T/files.txt"
    if [ -d "$SARULES" ]; then
        xargs -d '\n' -a "$T/files.txt" "$BIN" check --checks rules --json --rules "$SARULES" > /dev/null 2>&1 || true
    fi
    xargs -d '\n' -a "$T/files.txt" "$BIN" check --checks rules --json --rules rules > /dev/null 2>&1 || true
fi
find samples -name '*.eml' | sort > "$T/samples.txt"
xargs -d '\n' -a "$T/samples.txt" "$BIN" check --json --dns samples/dns/snapshot.zone > /dev/null 2>&1 || true
xargs -d '\n' -a "$T/samples.txt" "$BIN" check --dns samples/dns/snapshot.zone > /dev/null 2>&1 || true
rm -f "$T/train.db"*
"$BIN" ingest --quiet --db "$T/train.db" --dns samples/dns/snapshot.zone samples/ > /dev/null 2>&1 || true
for f in text html json; do
    "$BIN" report --db "$T/train.db" --format "$f" -o "$T/report.$f" > /dev/null 2>&1 || true
done
n=$(find "$PGO" -name '*.gcda' | wc -l)
if [ "$n" -eq 0 ]; then
    echo "pgo: the training wrote no profile" >&2
    exit 1
fi

# 3. the optimised build from the same sources with the profile; functions
#    the training did not run keep their ordinary optimisation
#    (-fprofile-partial-training)
find "$PGO" -name '*.o' -delete
rm -f "$PGO/mailaudit" "$PGO/libmailaudit.a"
$MAKE -j"$JOBS" --no-print-directory BUILD="$PGO" \
    CFLAGS="$BASE_CFLAGS -fprofile-use -fprofile-partial-training -Wno-missing-profile" "$PGO/mailaudit"
rm -rf "$T"
echo "pgo: $PGO/mailaudit built with the profile of $n objects"
