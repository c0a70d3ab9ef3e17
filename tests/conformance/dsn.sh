#!/bin/sh
# dsn.sh — optional accuracy check of feedback/dsn.c (recipient, status,
# reply text extraction) with logs/classify.c (reason) against Sisimai's
# verdicts on the public bounce corpus (../shared/conformance/bounces/, see its
# README). NOT run by `make check`; prints "skipped" when the corpus is absent.
#
# tests/conformance/dsncheck.c is built against build/libmailaudit.a and run on
# every file; its (file, recipient, reason) rows are compared with
# sisimai-results.tsv: for each Sisimai row, "recipient" agrees when the file
# gives that recipient (or, for not-a-bounce/feedback rows, when the file gives
# no recipient and the same verdict), "both" when the reason agrees as well.
# Printed overall and by file prefix, with the most frequent disagreements.
#
# mailaudit keeps reasons Sisimai 5 added (authfailure, speeding, requireptr,
# badreputation, failedstarttls) because they say more; Sisimai 4.25.15, which
# made the corpus verdicts, does not know them. The "mapped" lines compare
# with such a reason replaced by the 4.25 reason it was split from, only
# where Sisimai's own documentation says so:
#   documented (Sisimai ChangeLog):
#     authfailure -> policyviolation  v4.25.10 #418: "rejected due to DMARC
#         policy is policyviolation"; v5.0.0 #467 added AuthFailure for
#         SPF, DKIM or DMARC failures
#     speeding -> toomanyconn  v4.25.15 #465: Gmail's "receiving mail at a
#         rate that prevents additional messages" is toomanyconn; v5.0.0
#         #466 added Speeding for rate limits
#   by definition (Sisimai 4.25 reason list: blocked is a refusal "due to a
#   client IP address or a hostname"; Sisimai 5 defines RequirePTR as a
#   missing or invalid PTR of the client IP and BadReputation (#469) as the
#   sending IP's reputation, both inside that definition):
#     requireptr -> blocked, badreputation -> blocked
# failedstarttls is not mapped (no 4.25 reason is documented for it). The
# unmapped numbers are the first line; the mapped ones are labelled. Rows
# Sisimai 4.25 calls not-a-bounce because it has no module for the format
# (DragonFly) are counted as disagreements in those lines; the last lines
# leave them out, the very last also mapped: the rows where both tools read
# a bounce, compared in 4.25's vocabulary.
# Usage: sh tests/conformance/dsn.sh [corpus-dir]   (from the repository top)
#        DSN_DEBUG=1 sh tests/conformance/dsn.sh   also lists every disagreement
set -eu
CORPUS=${1:-../shared/conformance/bounces}
if [ ! -f "$CORPUS/sisimai-results.tsv" ]; then
    echo "dsn conformance: skipped ($CORPUS not found)"
    exit 0
fi
BUILD=${BUILD:-build}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
if [ -z "${DSNCHECK:-}" ]; then   # DSNCHECK=path: use a driver built elsewhere
    make --no-print-directory -s BUILD="$BUILD" "$BUILD/libmailaudit.a" >/dev/null
    PKGS="sqlite3 libpcre2-8 libcrypto zlib libxml-2.0"
    # shellcheck disable=SC2046
    cc -std=c17 -O1 -D_GNU_SOURCE -Ianalyzer $(pkg-config --cflags $PKGS) tests/conformance/dsncheck.c \
        "$BUILD/libmailaudit.a" $(pkg-config --libs $PKGS) -lspf2 -lresolv -lm -o "$TMP/dsncheck"
    DSNCHECK="$TMP/dsncheck"
fi
"$DSNCHECK" -v "$CORPUS"/*.eml > "$TMP/ours.tsv"

python3 - "$CORPUS/sisimai-results.tsv" "$TMP/ours.tsv" <<'PY'
import sys
from collections import Counter, defaultdict
theirs = [l.rstrip('\n').split('\t') for l in open(sys.argv[1], encoding='utf-8') if l.strip()]
ours = defaultdict(dict)
for l in open(sys.argv[2], encoding='utf-8', errors='replace'):
    f = l.rstrip('\n').split('\t')
    ours[f[0]][f[1].lower()] = f
def prefix(name):
    for p in ('lhost-', 'rhost-', 'rfc3464-', 'rfc3834-', 'arf-'):
        if name.startswith(p):
            return p.rstrip('-')
    return 'other'
tot, rc, both = Counter(), Counter(), Counter()
mapped_doc, mapped_def = Counter(), Counter()
MAP_DOC = {'authfailure': 'policyviolation', 'speeding': 'toomanyconn'}
MAP_DEF = {'requireptr': 'blocked', 'badreputation': 'blocked'}
miss_reason, miss_rcpt = Counter(), []
dbg = []
for f in theirs:
    name, rcpt, reason = f[0], f[1].lower(), f[2]
    got = ours.get(name, {})
    for k in ('all', prefix(name)):
        tot[k] += 1
    if rcpt == '-' or reason == 'feedback':
        # no recipient expected: agreement is on the verdict alone. A complaint
        # (ARF, SES) is "feedback" for Sisimai; dsn_parse only has to say it is
        # no bounce (DSN_NONE: the driver prints "feedback" when it sees an
        # ARF part, "not-a-bounce" otherwise), so both count as agreement.
        hit = got.get('-')
        ok_r = hit is not None
        ok_b = ok_r and (hit[2] == reason or (reason == 'feedback' and hit[2] == 'not-a-bounce'))
    else:
        hit = got.get(rcpt)
        ok_r = hit is not None
        ok_b = ok_r and hit[2] == reason
    ok_m1 = ok_b or (ok_r and rcpt != '-' and MAP_DOC.get(hit[2]) == reason)
    ok_m2 = ok_m1 or (ok_r and rcpt != '-' and MAP_DEF.get(hit[2]) == reason)
    for k in ('all', prefix(name)):
        rc[k] += ok_r
        both[k] += ok_b
        mapped_doc[k] += ok_m1
        mapped_def[k] += ok_m2
    if not ok_r:
        miss_rcpt.append((name, rcpt, reason, ' '.join(sorted(got.keys()))))
    elif not ok_b:
        miss_reason[(reason, hit[2])] += 1
        dbg.append((name, rcpt, reason, hit))
n = tot['all']
print('dsn conformance: %d Sisimai rows; recipient agreement %d/%d = %.1f%%; recipient AND reason %d/%d = %.1f%%'
      % (n, rc['all'], n, 100.0 * rc['all'] / n, both['all'], n, 100.0 * both['all'] / n))
print('  mapped to Sisimai 4.25 reasons (see the top of dsn.sh): documented splits only '
      '(authfailure, speeding) %d/%d = %.1f%%; with requireptr/badreputation as blocked %d/%d = %.1f%%'
      % (mapped_doc['all'], n, 100.0 * mapped_doc['all'] / n, mapped_def['all'], n, 100.0 * mapped_def['all'] / n))
for k in ('lhost', 'rhost', 'rfc3464', 'rfc3834', 'arf'):
    if tot[k]:
        print('  %-8s %4d rows: recipient %5.1f%%, both %5.1f%% (mapped %5.1f%% / %5.1f%%)'
              % (k, tot[k], 100.0 * rc[k] / tot[k], 100.0 * both[k] / tot[k],
                 100.0 * mapped_doc[k] / tot[k], 100.0 * mapped_def[k] / tot[k]))
nab = [f for f in theirs if f[2] == 'not-a-bounce']
nab_ours = sum(1 for f in nab if '-' not in ours.get(f[0], {}))
print('  rows Sisimai 4.25 calls not-a-bounce but dsn_parse reads as a bounce (e.g. DragonFly, which 4.25 lacks): %d' % nab_ours)
if n - len(nab):
    sub_b = both['all'] - sum(1 for f in nab if '-' in ours.get(f[0], {}) and ours[f[0]]['-'][2] == 'not-a-bounce')
    print('  excluding those %d not-a-bounce rows: recipient AND reason %d/%d = %.1f%%'
          % (len(nab), sub_b, n - len(nab), 100.0 * sub_b / (n - len(nab))))
    # both adjustments: the rows where Sisimai 4.25 gives a verdict on a
    # bounce, compared in its vocabulary (the second mapping above)
    nab_agree = sum(1 for f in nab if '-' in ours.get(f[0], {}) and ours[f[0]]['-'][2] == 'not-a-bounce')
    sub_m = mapped_def['all'] - nab_agree
    print('  excluding them AND mapped (requireptr/badreputation as blocked): %d/%d = %.1f%%'
          % (sub_m, n - len(nab), 100.0 * sub_m / (n - len(nab))))
print('  recipient not found: %d rows' % len(miss_rcpt))
for name, rcpt, reason, got in miss_rcpt[:15]:
    print('    %s  want %s (%s)  got: %s' % (name, rcpt, reason, got or '(nothing)'))
print('  most frequent reason disagreements where the recipient agrees (sisimai -> mailaudit):')
for (want, g), c in miss_reason.most_common(15):
    print('    %3d  %s -> %s' % (c, want, g))
import os
if os.environ.get('DSN_DEBUG'):
    for name, rcpt, reason, hit in dbg:
        print('DBG', name, rcpt, reason, '->', hit[2], '|', ' | '.join(hit[4:])[:300])
    for name, rcpt, reason, got in miss_rcpt:
        print('MISS', name, rcpt, reason, 'got:', got)
PY
