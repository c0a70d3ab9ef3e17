# End-to-end: ingest samples/ (the demo data set) and check the totals that
# samples/README.md states (counted by hand and with Python's mailbox module).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
DB=$TMP/s.db
out=$($M ingest --db "$DB" "$TOP/samples"); ok $? "ingest samples/ exits 0"
like "$out" "39 messages (39 new" "summary: 39 new messages (35 mail, 4 feedback)"
is "$(q "$DB" "SELECT count(*) FROM messages")" 39 "39 messages stored"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE format='message'")" 27 "27 single-message files (23 + 4 in feedback/)"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE format='mbox'")" 3 "3 mbox files"
is "$(q "$DB" "SELECT sum(n_messages) FROM sources WHERE format='mbox'")" 12 "12 messages inside the mbox files"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE path LIKE '%/seed-alice/%tmp/%'")" 0 "Maildir tmp/ is skipped"
is "$(q "$DB" "SELECT group_concat(placement || '=' || n, ' ') FROM (SELECT placement, count(*) n FROM sightings GROUP BY placement ORDER BY placement)")" \
   "inbox=18 spam=10 unknown=11" "placement: 18 inbox, 10 spam, 11 unknown (the 4 feedback messages)"
is "$(q "$DB" "SELECT group_concat(s.placement || '=' || n, ' ') FROM (SELECT s.placement, count(*) n FROM sightings s JOIN messages m ON m.id=s.message_id WHERE m.from_address='news@shop.example.com' GROUP BY s.placement ORDER BY s.placement) s")" \
   "inbox=5 spam=5" "campaign: 5 copies in inbox, 5 in spam"
# the spam copies of the campaign all came from 198.51.100.77, the inbox ones from .23
is "$(q "$DB" "SELECT group_concat(DISTINCT s.placement || ':' || r.from_ip) FROM sightings s JOIN messages m ON m.id=s.message_id JOIN received r ON r.message_id=m.id WHERE m.from_address='news@shop.example.com' AND r.from_ip IN ('198.51.100.23','198.51.100.77') ORDER BY 1")" \
   "inbox:198.51.100.23,spam:198.51.100.77" "campaign: the sending IP separates inbox from spam"
is "$(q "$DB" "SELECT group_concat(domain || '/' || account || '=' || n, ' ') FROM (SELECT domain, account, count(*) n FROM sightings WHERE account IS NOT NULL GROUP BY domain, account ORDER BY domain, account)")" \
   "example.com/alice=4 example.com/bob=3 example.com/chris=2 example.org/carol=2 example.org/dave=2" "hMailServer accounts and their message counts"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE container='hmailserver-public'")/$(q "$DB" "SELECT count(*) FROM sources WHERE container='hmailserver-queue'")" "1/1" "one public-folder message and one queue file"
is "$(q "$DB" "SELECT group_concat(folder || '=' || n, ' ') FROM (SELECT folder, count(*) n FROM sightings s JOIN sources f ON f.id=s.source_id WHERE f.container='maildir' GROUP BY folder ORDER BY folder)")" \
   "INBOX=5 Junk=2 Sent=1" "Maildir folders"
is "$(q "$DB" "SELECT count(*) FROM messages WHERE gmail_labels IS NOT NULL")" 8 "8 Takeout messages keep their Gmail labels"
is "$(q "$DB" "SELECT sha256 FROM parts WHERE filename='Quote_Q-2025-0412.pdf'")" "e6f5b0e02ff280774331a09c3cca585e78f7e6c87141d5a7f2420457ebec1978" "PDF attachment sha256"
is "$(q "$DB" "SELECT a.name || ':' || a.size FROM archive_members a JOIN parts p ON p.id=a.part_id WHERE p.filename='Invoice_INV-7731.zip'")" "invoice.pdf.exe:512" "exe inside the zip attachment"
is "$(q "$DB" "SELECT count(*) FROM messages WHERE subject='Grüße aus München – Termin am 3. April'")" 1 "folded UTF-8 encoded-word subject"
report=$($M report --format summary --db "$DB"); ok $? "report exits 0"
like "$report" "39 messages (39 copies)" "report: totals line"
like "$report" "invoice.pdf.exe" "report: executable inside an archive"
like "$report" "shop.example.com  *10  *10  *5  *5" "report: the campaign's domain with 5 spam and 5 inbox copies"
echo "1..$n_test"

# feedback/: what providers sent back about the campaign (samples/README.md)
is "$(q "$DB" "SELECT org_name || '|' || domain || '|' || n_rows || '|' || n_messages FROM dmarc_reports")" "google.com|shop.example.com|3|814" "the DMARC aggregate report: 3 rows, 412 + 388 + 14 messages"
is "$(q "$DB" "SELECT source_ip || '=' || count FROM dmarc_report_rows WHERE dkim <> 'pass' AND spf <> 'pass'")" "203.0.113.99=14" "who sends as shop.example.com without authenticating"
is "$(q "$DB" "SELECT m.message_id FROM complaints c JOIN messages m ON m.id = c.original")" "20250401102019.fcdc4f.seed-alice+promo@mail.shop.example.com" "the Yahoo complaint is linked to the seed copy it reports"
is "$(q "$DB" "SELECT recipient || '|' || status || '|' || reason FROM deliveries WHERE source = 'bounce' ORDER BY recipient")" "ghost.reader@gmail.example|bounced|userunknown
jdoe@example.net|bounced|userunknown" "bounces: the campaign's unknown Gmail recipient and the hMailServer bounce"
is "$(q "$DB" "SELECT result_type || '|' || receiving_mx_hostname || '|' || failed_session_count FROM tlsrpt_failures")" "certificate-expired|mx.shop.example.com|37" "the TLS report: the MX's certificate expired"
