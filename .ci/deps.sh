#!/bin/sh
# Install the Debian 12 packages mailaudit needs to build and test.
# Idempotent: installs only what is missing, and says what it installs.
# Not root: prints the exact apt-get line and stops with status 1.
set -eu
# libxml2-dev: DMARC aggregate reports are XML (SAX2 push parser, DOCTYPE refused)
# spamassassin: its stock rule files are a test input (the parser and the engine read them)
PKGS="gcc make pkg-config time libsqlite3-dev libpcre2-dev libssl-dev zlib1g-dev libspf2-dev libxml2-dev libcmocka-dev sqlite3 publicsuffix spamassassin"
[ "${MAILAUDIT_FUZZ_DEPS:-}" = 1 ] && PKGS="$PKGS clang libclang-rt-14-dev"
# make bench compares with pflogsumm (Postfix log summaries, Perl) and dkimpy,
# which also signs the DKIM bench corpus (python3-nacl for ed25519; openssl for the key)
# (SpamAssassin, timed beside the rules engine, is in the base list)
[ "${MAILAUDIT_BENCH_DEPS:-}" = 1 ] && PKGS="$PKGS pflogsumm python3 python3-dkim python3-nacl openssl"
# make accuracy compares mailaudit's rule hits with SpamAssassin's own
[ "${MAILAUDIT_ACCURACY_DEPS:-}" = 1 ] && PKGS="$PKGS python3"
# make conformance reads the suites' YAML with python3-yaml
[ "${MAILAUDIT_CONFORMANCE_DEPS:-}" = 1 ] && PKGS="$PKGS python3 python3-yaml"
# make check-browser opens the HTML report in headless Chromium
[ "${MAILAUDIT_BROWSER_DEPS:-}" = 1 ] && PKGS="$PKGS chromium"
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing packages:$missing (not a Debian system: install them by hand)" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ]; then
    echo "deps: missing packages:$missing" >&2
    echo "deps: run as root:  apt-get update && apt-get install -y$missing" >&2
    exit 1
fi
echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing
