#!/bin/sh
# check-browser — the HTML report as a real browser sees it (make check-browser).
#
# 1. ingests samples/ (with the DNS snapshot) into a temporary database and
#    writes `mailaudit report --format html` to $BUILD/browser/report.html
#    (the samples' days with --compare previous, and --fail-on, so the change
#    lines and the thresholds are drawn; exit status 3, a breached
#    threshold, is fine);
# 2. $BUILD/tools/render-sample writes a hand-built model full of hostile
#    strings (markup, quotes, invalid UTF-8) to $BUILD/browser/hostile.html;
# 3. opens each in headless Chromium: the DOM after load (--dump-dom) must
#    hold every section id, no script element, and the hostile subject as
#    text; the browser log must show no console message (a CSP violation, a
#    script error) and no "Uncaught";
# 4. saves screenshots: report.png (1280 px wide), report-phone.png (390 px)
#    and report.pdf (print layout) in $BUILD/browser/.
# Without chromium, or when it cannot start, it prints "check-browser:
# skipped" and exits 0 (CI installs it with MAILAUDIT_BROWSER_DEPS=1 make deps). Ends with a TAP-like
# summary; exit status 1 when a check failed.
set -u
BUILD=${BUILD:-build}
BIN=$BUILD/mailaudit
OUT=$BUILD/browser
SECTIONS="overview authentication content delivery infrastructure postmortem campaigns requirements feedback recommendations"

CHROME=""
for c in chromium chromium-browser google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then CHROME=$(command -v "$c"); break; fi
done
if [ -z "$CHROME" ]; then
    echo "check-browser: skipped (chromium is not installed: MAILAUDIT_BROWSER_DEPS=1 make deps)"
    exit 0
fi

mkdir -p "$OUT"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mailaudit-browser-XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
not_ok() { fail=$((fail + 1)); echo "FAIL $*"; }

# One headless run; $1 = what (--dump-dom, --screenshot=F, --print-to-pdf=F),
# $2 = window size, $3 = the page, $4 = stdout file, $5 = stderr file.
# A fresh profile each time; as root Chromium needs --no-sandbox.
chrome() {
    timeout 120 "$CHROME" --headless=new --disable-gpu --no-sandbox --disable-dev-shm-usage \
        --no-first-run --no-default-browser-check --disable-extensions --hide-scrollbars \
        --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
        --window-size="$2" "$1" "file://$(cd "$(dirname "$3")" && pwd)/$(basename "$3")" \
        >"$4" 2>"$5"
}

# The console lines of a browser log: messages the page produced (Chromium
# logs them as "CONSOLE(line)" or ":CONSOLE") and uncaught errors.
console_lines() {
    grep -E 'CONSOLE|Uncaught|Refused to' "$1" || true
}

# $1 = page, $2 = name, $3 = section ids to find
check_page() {
    page=$1 name=$2
    if ! chrome --dump-dom 1280,4000 "$page" "$tmp/$name.dom" "$tmp/$name.log"; then
        not_ok "$name: chromium --dump-dom failed"
        sed -n '1,20p' "$tmp/$name.log"
        return
    fi
    if grep -q '</html>' "$tmp/$name.dom"; then ok "$name: loaded"; else not_ok "$name: no DOM"; return; fi
    missing=""
    for id in $3; do
        grep -q "<section id=\"$id\"" "$tmp/$name.dom" || missing="$missing $id"
    done
    if [ -z "$missing" ]; then ok "$name: every section present ($(echo $3 | wc -w))"; else not_ok "$name: sections missing:$missing"; fi
    if grep -qi '<script' "$tmp/$name.dom"; then not_ok "$name: a script element in the DOM"; else ok "$name: no script element"; fi
    c=$(console_lines "$tmp/$name.log")
    if [ -z "$c" ]; then ok "$name: no console errors"; else not_ok "$name: console says:"; echo "$c" | head -n 20; fi
}

# A browser that cannot start at all (no usable sandbox, a broken install)
# is an environment problem, like a missing one: skipped, not failed.
printf '<!DOCTYPE html><title>t</title><p>ok</p>\n' >"$tmp/smoke.html"
if ! chrome --dump-dom 800,600 "$tmp/smoke.html" "$tmp/smoke.dom" "$tmp/smoke.log" ||
    ! grep -q '<p>ok</p>' "$tmp/smoke.dom"; then
    echo "check-browser: skipped (chromium does not start: $(grep -m1 -iE 'error|fatal' "$tmp/smoke.log" | cut -c1-200))"
    exit 0
fi

# ---- the report of samples/ ----
if [ ! -x "$BIN" ]; then
    echo "check-browser: $BIN is missing (make)" >&2
    exit 1
fi
if ! "$BIN" ingest --db "$tmp/samples.db" --dns samples/dns/snapshot.zone samples/ >"$tmp/ingest.log" 2>&1; then
    not_ok "ingest samples/"
    tail -n 20 "$tmp/ingest.log"
fi
"$BIN" report --db "$tmp/samples.db" --format html -o "$OUT/report.html" \
    --since 2025-03-30 --until 2025-04-03 --compare previous \
    --fail-on 'spam_placement>0.1' --fail-on 'bounce_rate>0.5' 2>"$tmp/report.err"
rc=$?
if [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; then
    ok "report --format html (exit $rc)"
    check_page "$OUT/report.html" report "$SECTIONS"
    chrome --screenshot="$OUT/report.png" 1280,4000 "$OUT/report.html" "$tmp/s.out" "$tmp/s.log" &&
        [ -s "$OUT/report.png" ] && ok "screenshot $OUT/report.png" || not_ok "screenshot $OUT/report.png"
    chrome --screenshot="$OUT/report-phone.png" 390,3000 "$OUT/report.html" "$tmp/p.out" "$tmp/p.log" &&
        [ -s "$OUT/report-phone.png" ] && ok "screenshot $OUT/report-phone.png" || not_ok "screenshot $OUT/report-phone.png"
    chrome --print-to-pdf="$OUT/report.pdf" 1280,4000 "$OUT/report.html" "$tmp/f.out" "$tmp/f.log" &&
        [ -s "$OUT/report.pdf" ] && ok "print $OUT/report.pdf" || not_ok "print $OUT/report.pdf"
else
    not_ok "report --format html exited $rc"
    sed -n '1,20p' "$tmp/report.err"
fi

# ---- hostile strings ----
if [ -x "$BUILD/tools/render-sample" ]; then
    if "$BUILD/tools/render-sample" >"$OUT/hostile.html"; then
        check_page "$OUT/hostile.html" hostile "$SECTIONS"
        # the subject is text in the DOM: escaped once by the browser's serializer
        if grep -q '&lt;script&gt;alert(1)&lt;/script&gt;' "$tmp/hostile.dom"; then
            ok "hostile: the <script> subject shows as text"
        else
            not_ok "hostile: the <script> subject is not in the DOM as text"
        fi
        chrome --screenshot="$OUT/hostile.png" 1280,3000 "$OUT/hostile.html" "$tmp/h.out" "$tmp/h.log" &&
            [ -s "$OUT/hostile.png" ] && ok "screenshot $OUT/hostile.png" || not_ok "screenshot $OUT/hostile.png"
    else
        not_ok "render-sample"
    fi
fi

echo "check-browser: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
