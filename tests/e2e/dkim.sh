# End-to-end: DKIM verification by `check --json --dns` over tests/fixtures/dkim.
# Every line of tests/fixtures/dkim/expected.tsv is one assertion (result and
# reason of one signature); the expected values come from how each fixture was
# built (see tests/fixtures/dkim/README.md), not from mailaudit. JSON is read
# with SQLite's JSON functions, as in check.sh. No signer, no network.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/dkim
ZONE=$FX/keys.zone

# jx FILE JSONPATH: the value at JSONPATH of the one JSON object in FILE
jx() { q :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
# sig FILE N: "result|reason" of signature N (reason "-" when null)
sig() { q :memory: "SELECT json_extract(j, '\$.dkim[$2].result') || '|' || coalesce(json_extract(j, '\$.dkim[$2].reason'), '-') FROM (SELECT CAST(readfile('$1') AS TEXT) AS j)"; }
# is_sig GOT WANT DESCRIPTION JSONFILE N: as `is`, but a reason may carry a
# qualifier after a space ("unsupported version 2" for "unsupported version")
is_sig() {
    n_test=$((n_test + 1))
    case "$1" in
    "$2" | "$2 "*) echo "ok $n_test - $3" ;;
    *)  echo "not ok $n_test - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"
        echo "#   detail:   '$(jx "$4" "\$.dkim[$5].detail")'" ;;
    esac
}

# --- the manifest: one run per fixture, one assertion per signature ---
files=$(grep -v '^#' "$FX/expected.tsv" | cut -f1 | uniq)
rc_all=0
for f in $files; do
    $M check --json --dns "$ZONE" "$FX/$f" > "$TMP/$f.json" || rc_all=1
done
ok $rc_all "check --json --dns keys.zone exits 0 on every fixture"
while IFS='	' read -r f idx res reason note; do
    case "$f" in '#'* | '') continue ;; esac
    is_sig "$(sig "$TMP/$f.json" "$idx")" "$res|$reason" "$f sig $idx: $res${reason:+ ($reason)}" "$TMP/$f.json" "$idx"
done < "$FX/expected.tsv"
bad=""
for f in $files; do
    want=$(cut -f1 "$FX/expected.tsv" | grep -c -x -F "$f")
    got=$(q :memory: "SELECT json_array_length(CAST(readfile('$TMP/$f.json') AS TEXT), '\$.dkim')")
    [ "$got" = "$want" ] || bad="$bad $f:$got/$want"
done
is "$bad" "" "every fixture has as many dkim results as manifest lines"

# --- what the manifest cannot say ---
J=$TMP/rsa-relaxed-relaxed.eml.json
is "$(jx "$J" '$.dkim[0].domain')|$(jx "$J" '$.dkim[0].selector')|$(jx "$J" '$.dkim[0].algorithm')|$(jx "$J" '$.dkim[0].canonicalization')" \
   "example.com|sel2048|rsa-sha256|relaxed/relaxed" "pass: d=, s=, a=, c= reported"
is "$(jx "$J" '$.dkim[0].key_bits')|$(jx "$J" '$.dkim[0].key_type')|$(jx "$J" '$.dkim[0].crypto_ok')|$(jx "$J" '$.dkim[0].from_relation')" \
   "2048|rsa|1|same" "pass: 2048-bit rsa key, crypto_ok, d= is the From domain"
is "$(jx "$J" '$.dkim[0].judged_at')|$(jx "$J" '$.dkim[0].judged_by')" "2025-04-01T10:00:05Z|arrival" \
   "judged at the topmost Received date"
J=$TMP/ed25519.eml.json
is "$(jx "$J" '$.dkim[0].key_type')|$(jx "$J" '$.dkim[0].algorithm')" "ed25519|ed25519-sha256" "ed25519 key type"
J=$TMP/rsa-512.eml.json
is "$(jx "$J" '$.dkim[0].key_bits')|$(jx "$J" '$.dkim[0].crypto_ok')" "512|1" "512-bit key: the bytes verified (crypto_ok) but policy"
is "$(jx "$TMP/rsa-sha1.eml.json" '$.dkim[0].crypto_ok')" 1 "rsa-sha1: the bytes verified (crypto_ok) but policy"
is "$(jx "$TMP/l-intact.eml.json" '$.dkim[0].body_partial')" 0 "l= over the whole body: body_partial false"
J=$TMP/l-appended.eml.json
is "$(jx "$J" '$.dkim[0].body_partial')|$(jx "$J" '$.dkim[0].body_length')" "1|$(jx "$TMP/l-intact.eml.json" '$.dkim[0].body_length')" \
   "text appended after l=: body_partial true, same l= as the intact message"
like "$(jx "$TMP/footer.eml.json" '$.dkim[0].detail')" "footer" "added footer: the detail names it"
like "$(jx "$TMP/simple-body-whitespace.eml.json" '$.dkim[0].detail')" "relaxed" \
   "whitespace under simple body canonicalisation: the detail says relaxed would verify"
is "$(jx "$TMP/key-testing.eml.json" '$.dkim[0].testing')" 1 "t=y key: testing true"
is "$(jx "$TMP/rsa-relaxed-relaxed.eml.json" '$.dkim[0].testing')" 0 "key without t=y: testing false"
J=$TMP/domainkeys.eml.json
is "$(jx "$J" '$.dkim[0].legacy')|$(jx "$J" '$.dkim[0].domain')|$(jx "$J" '$.dkim[1].legacy')" "1|example.com|0" \
   "DomainKey-Signature listed as legacy, DKIM-Signature not"
J=$TMP/two-signatures.eml.json
is "$(jx "$J" '$.dkim[0].domain')/$(jx "$J" '$.dkim[0].from_relation') $(jx "$J" '$.dkim[1].domain')/$(jx "$J" '$.dkim[1].from_relation')" \
   "esp.example.net/none example.com/same" "two signatures: ESP (unrelated to From) then author"

# --- judging time: x= expired at arrival, valid at an earlier --at ---
J=$TMP/expired.eml.json
is "$(jx "$J" '$.dkim[0].judged_at')|$(jx "$J" '$.dkim[0].judged_by')|$(jx "$J" '$.dkim[0].crypto_ok')" \
   "2025-04-03T10:00:00Z|arrival|1" "expired: judged at arrival, the bytes verified"
$M check --json --dns "$ZONE" --at 2025-04-01T10:30:00Z "$FX/expired.eml" > "$TMP/at.json"; ok $? "check --at TIME exits 0"
is "$(sig "$TMP/at.json" 0)|$(jx "$TMP/at.json" '$.dkim[0].judged_by')" "pass|-|given" "expired.eml judged with --at before x=: pass"
$M check --json --dns "$ZONE" --at @1743503400 "$FX/expired.eml" > "$TMP/at2.json"
is "$(sig "$TMP/at2.json" 0)|$(jx "$TMP/at2.json" '$.dkim[0].judged_at')" "pass|-|2025-04-01T10:30:00Z" "--at @EPOCH: same"
$M check --json --dns "$ZONE" --at 2025-04-01T11:00:01Z "$FX/expired.eml" > "$TMP/at3.json"
is_sig "$(sig "$TMP/at3.json" 0)" "policy|expired" "--at one second after x=: expired" "$TMP/at3.json" 0

# --- no DNS source ---
$M check --json "$FX/rsa-relaxed-relaxed.eml" > "$TMP/nodns.json"; ok $? "check without --dns exits 0"
is_sig "$(sig "$TMP/nodns.json" 0)" "temperror|no DNS source" "without --dns: temperror (no DNS source)" "$TMP/nodns.json" 0

# --- RFC 8463 Appendix A, verbatim ---
$M check --json --dns "$FX/rfc8463.zone" --at @1528637909 "$FX/rfc8463.eml" > "$TMP/rfc.json"; ok $? "check of the RFC 8463 example exits 0"
is "$(sig "$TMP/rfc.json" 0) $(sig "$TMP/rfc.json" 1)" "pass|- pass|-" "RFC 8463 A.3 at its t=: ed25519 and rsa signatures pass"
is "$(jx "$TMP/rfc.json" '$.dkim[0].key_type')/$(jx "$TMP/rfc.json" '$.dkim[0].selector') $(jx "$TMP/rfc.json" '$.dkim[1].key_type')/$(jx "$TMP/rfc.json" '$.dkim[1].selector')" \
   "ed25519/brisbane rsa/test" "RFC 8463: brisbane is ed25519, test is rsa"
# Without --at the judging time is the Date (2003-07-12T04:00:37Z, no Received),
# 15 years before t=1528637909.
$M check --json --dns "$FX/rfc8463.zone" "$FX/rfc8463.eml" > "$TMP/rfc2.json"
is "$(jx "$TMP/rfc2.json" '$.dkim[0].judged_at')|$(jx "$TMP/rfc2.json" '$.dkim[0].judged_by')" "2003-07-12T04:00:37Z|date" \
   "RFC 8463 without --at: judged at its Date"
is_sig "$(sig "$TMP/rfc2.json" 0)" "policy|signed in the future" "RFC 8463 without --at: t= after the Date" "$TMP/rfc2.json" 0

# --- text output, --checks dkim, several files in one run ---
out=$($M check --dns "$ZONE" "$FX/rsa-relaxed-relaxed.eml")
like "$(printf '%s\n' "$out" | grep '^Authentication-Results:')" \
     'dkim=pass header\.d=example\.com' "text output: Authentication-Results: ... dkim=pass header.d=example.com"
out=$($M check --dns "$ZONE" "$FX/two-signatures.eml")
like "$(printf '%s\n' "$out" | grep '^Authentication-Results:')" \
     'dkim=fail.*header\.d=esp\.example\.net.*dkim=pass header\.d=example\.com' "text output: one clause per signature, in order"
$M check --json --checks dkim --dns "$ZONE" "$FX/rsa-relaxed-relaxed.eml" > "$TMP/only.json"; ok $? "check --checks dkim exits 0"
is "$(sig "$TMP/only.json" 0)" "pass|-" "check --checks dkim: the signature is verified"
set --
for f in $files; do set -- "$@" "$FX/$f"; done
$M check --json --dns "$ZONE" "$@" > "$TMP/all.json"; ok $? "one run over all $# fixtures exits 0"
for f in $files; do cat "$TMP/$f.json"; done > "$TMP/each.json"
[ "$(cat "$TMP/all.json")" = "$(cat "$TMP/each.json")" ]; ok $? "one run over all fixtures = one run per fixture (no state leaks between messages)"
echo "1..$n_test"
