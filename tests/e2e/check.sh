# End-to-end: `check --json` over the handcrafted fixtures. Expected values
# come from tests/fixtures/messages/README.md (computed with Python's email,
# hashlib and zipfile from the committed files), read here with SQLite's JSON
# functions, an independent JSON parser.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/messages

# jx FILE JSONPATH: the value at JSONPATH of the one JSON object in FILE
jx() { q :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
# janom FILE CODE: 1 when an anomaly string starting with CODE is present
janom() { q :memory: "SELECT count(*) FROM json_each(json_extract(CAST(readfile('$1') AS TEXT), '\$.anomalies')) WHERE value = '$2' OR value LIKE '$2:%'"; }
nanom() { q :memory: "SELECT json_array_length(json_extract(CAST(readfile('$1') AS TEXT), '\$.anomalies'))"; }
run() { $M check --json "$FX/$1" > "$TMP/$1.json"; }

run simple.eml; ok $? "check simple.eml exits 0"
J=$TMP/simple.eml.json
is "$(q :memory: "SELECT json_valid(CAST(readfile('$J') AS TEXT))")" 1 "output is valid JSON"
is "$(jx "$J" '$.message.subject')" "Minutes of the Monday meeting" "subject"
is "$(jx "$J" '$.message.from.address')" "alice@example.com" "from address"
is "$(jx "$J" '$.message.from.name')" "Alice Martin" "from display name"
is "$(jx "$J" '$.message.from.domain')" "example.com" "from domain"
is "$(jx "$J" '$.message.message_id')" "20250331140500.GA1201@alice.example.com" "message-id without brackets"
is "$(jx "$J" '$.message.date')" "2025-03-31T14:05:00Z" "date converted to UTC"
is "$(jx "$J" '$.message.size')" 387 "size is the raw size"
is "$(jx "$J" '$.parts[0].path')/$(jx "$J" '$.parts[0].content_type')/$(jx "$J" '$.parts[0].size')" "1/text/plain/91" "one text part, 91 bytes"
is "$(jx "$J" '$.parts[0].sha256')" "1c459b131531dbb6e67794e068008ee8c48cd4feb5908fbaf7a82706a32e86de" "part sha256"
is "$(nanom "$J")" 0 "a clean message has no anomalies"

run crlf.eml; J=$TMP/crlf.eml.json
is "$(jx "$J" '$.parts[0].size')" 57 "CRLF text part keeps its CRLFs (57 bytes)"
is "$(jx "$J" '$.parts[0].sha256')" "0c7cab39a11f3054d9396e9cbcc9e9ff918575636f90a9b5931742dbf3a2b9c9" "CRLF part sha256"
is "$(jx "$J" '$.received[0].from_ip')|$(jx "$J" '$.received[0].by')|$(jx "$J" '$.received[0].date')" "203.0.113.10|MAIL01|2025-04-01T07:00:01Z" "hMailServer Received hop"
is "$(nanom "$J")" 0 "CRLF message: no anomalies"

run nested.eml; J=$TMP/nested.eml.json
is "$(q :memory: "SELECT group_concat(json_extract(value,'\$.path') || '=' || json_extract(value,'\$.content_type'), ' ') FROM json_each(json_extract(CAST(readfile('$J') AS TEXT), '\$.parts'))")" \
   "1=multipart/mixed 1.1=multipart/alternative 1.1.1=text/plain 1.1.2=text/html 1.2=message/rfc822 1.2.1=multipart/mixed 1.2.1.1=text/plain 1.2.1.2=application/pdf" "nested: the 8 parts in order with their paths"
is "$(jx "$J" '$.parts[7].filename')|$(jx "$J" '$.parts[7].size')|$(jx "$J" '$.parts[7].detected_type')" "invoice-2025-0042.pdf|778|pdf" "PDF inside the attached message"
is "$(jx "$J" '$.parts[7].sha256')" "f0659a7000332e50865f6536d6c42c9b49519ea6804b7e097e5402d68f4308aa" "nested PDF sha256"
is "$(jx "$J" '$.parts[3].size')" 209 "quoted-printable HTML decoded to 209 bytes"
is "$(jx "$J" '$.parts[3].sha256')" "64f944e1e6395de1ecb7d32ac63577979663fca30ce613ac36f314876d2dd5a2" "HTML part sha256"
is "$(jx "$J" '$.links[0].href')|$(jx "$J" '$.links[0].text')" "https://reports.example.com/q1?id=42|Q1 report" "HTML link with its text"
is "$(jx "$J" '$.images[0].src')|$(jx "$J" '$.images[0].kind')|$(jx "$J" '$.images[0].tracking_pixel')" "https://track.example.net/o.gif?u=bob|remote|1" "1x1 remote image is a tracking pixel"
is "$(jx "$J" '$.parts[4].filename')" "forwarded.eml" "message/rfc822 attachment name"
is "$(nanom "$J")" 0 "nested: no anomalies"

run rfc2231.eml; J=$TMP/rfc2231.eml.json
is "$(jx "$J" '$.parts[2].filename')" "€ rechnung März.pdf" "RFC 2231 continuation with charset"
is "$(jx "$J" '$.parts[2].sha256')" "23caf8530274eeafa44f3362e963d7e405410a475633cdf9c8d784155fe1b259" "RFC 2231 attachment sha256"
is "$(jx "$J" '$.parts[2].is_attachment')" 1 "RFC 2231 part is an attachment"

run encoded-words.eml; J=$TMP/encoded-words.eml.json
is "$(jx "$J" '$.message.subject')" "Grüße aus Köln – café" "adjacent B and Q words, UTF-8 and ISO-8859-1"
is "$(jx "$J" '$.message.from.name')" "Jürgen Weiß" "encoded display name"
is "$(nanom "$J")" 0 "encoded words: no anomalies"

run zip-exe.eml; J=$TMP/zip-exe.eml.json
is "$(jx "$J" '$.parts[2].filename')|$(jx "$J" '$.parts[2].detected_type')|$(jx "$J" '$.parts[2].size')" "Invoice.zip|zip|311" "zip attachment"
is "$(jx "$J" '$.parts[2].archive_members[0].name')|$(jx "$J" '$.parts[2].archive_members[0].size')|$(jx "$J" '$.parts[2].archive_members[0].encrypted')" "invoice.pdf.exe|512|0" "exe member seen without extracting"
is "$(jx "$J" '$.parts[2].archive_members[1].name')|$(jx "$J" '$.parts[2].archive_members[1].encrypted')" "secret.docm|1" "encrypted member flagged"

run received-chain.eml; J=$TMP/received-chain.eml.json
is "$(q :memory: "SELECT group_concat(json_extract(value,'\$.from_ip'), ' ') FROM json_each(json_extract(CAST(readfile('$J') AS TEXT), '\$.received'))")" \
   "203.0.113.5 198.51.100.60 192.0.2.25 192.0.2.10 192.0.2.1" "five hops, topmost first, with their IPs"
is "$(q :memory: "SELECT group_concat(json_extract(value,'\$.date'), ' ') FROM json_each(json_extract(CAST(readfile('$J') AS TEXT), '\$.received'))")" \
   "2025-04-01T10:00:08Z 2025-04-01T10:00:07Z 2025-04-01T10:00:06Z 2025-04-01T10:00:05Z 2025-04-01T10:00:04Z" "hop dates in UTC"
is "$(q :memory: "SELECT group_concat(json_extract(value,'\$.tls'), '') FROM json_each(json_extract(CAST(readfile('$J') AS TEXT), '\$.received'))")" "11111" "TLS seen on all five hops"
is "$(jx "$J" '$.received[3].from_helo')|$(jx "$J" '$.received[3].from_rdns')|$(jx "$J" '$.received[3].by')" "out.example.com|mx.example.com|relay.example.com" "Exim hop: helo= vs rDNS"
is "$(jx "$J" '$.received[4].id')|$(jx "$J" '$.received[4].for')" "4ZRk1m0Qx2z9tZ|seed@gseed.example" "Postfix hop: id and for"
is "$(jx "$J" '$.message.arrival')" "2025-04-01T10:00:08Z" "arrival is the topmost Received date"
is "$(nanom "$J")" 0 "received chain: no anomalies"

run truncated-base64.eml; J=$TMP/truncated-base64.eml.json
is "$(janom "$J" mime.unclosed)" 1 "missing close delimiter: mime.unclosed"
is "$(janom "$J" base64.truncated)" 1 "cut base64: base64.truncated"
is "$(jx "$J" '$.parts[2].size')|$(jx "$J" '$.parts[2].sha256')" "507|24befc0ea0b2809746341a6557bbaa78a0e31b85931adad0a34b4141b71db0e9" "the 507 whole bytes are decoded"

$M check --json "$FX/garbage.bin" > "$TMP/garbage.json" 2>"$TMP/garbage.err"; ok $? "check of binary garbage exits 0"
like "$(cat "$TMP/garbage.err")" "does not look like a message" "check warns about a non-message"
is "$(janom "$TMP/garbage.json" message.not_rfc5322)" 1 "garbage: message.not_rfc5322"
is "$(janom "$TMP/garbage.json" message.nul_bytes)" 1 "garbage: message.nul_bytes"

run empty.eml; is "$(janom "$TMP/empty.eml.json" message.empty)" 1 "empty file: message.empty"

run no-separator.eml; J=$TMP/no-separator.eml.json
is "$(jx "$J" '$.message.subject')" "Headers only" "headers-only message parses"
is "$(jx "$J" '$.parts[0].size')|$(jx "$J" '$.parts[0].sha256')" "0|e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" "its body is empty"

run bad-headers.eml; J=$TMP/bad-headers.eml.json
for a in header.from_multiple header.8bit_not_utf8 header.date_invalid header.bad_field; do
    is "$(janom "$J" $a)" 1 "bad headers: $a"
done
is "$(jx "$J" '$.message.subject')" "Café crème" "raw Latin-1 subject converted to UTF-8"
is "$(jx "$J" '$.message.from.address')" "alice@example.com" "first of two From fields is the sender"

# Several files: JSON Lines, one object per message; an mbox gives one per message.
$M check --json "$FX/simple.eml" "$FX/crlf.eml" > "$TMP/two.json"
is "$(wc -l < "$TMP/two.json" | tr -d ' ')" 2 "two files: two JSON lines"
$M check --json "$TOP/samples/takeout/All mail Including Spam and Trash.mbox" > "$TMP/mbox.json"
is "$(wc -l < "$TMP/mbox.json" | tr -d ' ')" 8 "Takeout mbox: one JSON line per message (8)"
# Hostile strings are escaped: a Subject with control bytes stays one valid JSON line
printf 'From: a@example.com\nSubject: bell\007 esc\033[31m quote" back\\ \377\n\nbody\n' > "$TMP/ctl.eml"
$M check --json "$TMP/ctl.eml" > "$TMP/ctl.json"
is "$(q :memory: "SELECT json_valid(CAST(readfile('$TMP/ctl.json') AS TEXT))")" 1 "control bytes and invalid UTF-8 still give valid JSON"
is "$(wc -l < "$TMP/ctl.json" | tr -d ' ')" 1 "... on one line"
out=$($M check "$TMP/ctl.eml")
case "$out" in *"$(printf '\033')"*) ok 1 "text output strips ESC";; *) ok 0 "text output strips ESC";; esac
echo "1..$n_test"
