# TAP helpers for end-to-end tests. Source it; $MAILAUDIT is the binary, $TOP the tree.
n_test=0
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
ok() { # ok STATUS DESCRIPTION  (STATUS 0 = pass)
    n_test=$((n_test + 1))
    if [ "$1" -eq 0 ]; then echo "ok $n_test - $2"; else echo "not ok $n_test - $2"; fi
}
is() { # is GOT EXPECTED DESCRIPTION
    n_test=$((n_test + 1))
    if [ "$1" = "$2" ]; then echo "ok $n_test - $3"
    else echo "not ok $n_test - $3"; echo "#   got:      '$1'"; echo "#   expected: '$2'"; fi
}
like() { # like GOT GREP-PATTERN DESCRIPTION
    n_test=$((n_test + 1))
    if printf '%s' "$1" | grep -q -- "$2"; then echo "ok $n_test - $3"
    else echo "not ok $n_test - $3"; echo "#   got: '$(printf '%s' "$1" | head -c 600)'"; echo "#   not matching: '$2'"; fi
}
q() { sqlite3 -batch -noheader "$@"; }
