# End-to-end: ingest samples/ (the demo data set) and check the totals that
# samples/README.md states (counted by hand and with Python's mailbox module).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
DB=$TMP/s.db
out=$($M ingest --db "$DB" "$TOP/samples"); ok $? "ingest samples/ exits 0"
like "$out" "35 messages (35 new" "summary: 35 new messages"
is "$(q "$DB" "SELECT count(*) FROM messages")" 35 "35 messages stored"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE format='message'")" 23 "23 single-message files"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE format='mbox'")" 3 "3 mbox files"
is "$(q "$DB" "SELECT sum(n_messages) FROM sources WHERE format='mbox'")" 12 "12 messages inside the mbox files"
is "$(q "$DB" "SELECT count(*) FROM sources WHERE path LIKE '%/seed-alice/%tmp/%'")" 0 "Maildir tmp/ is skipped"
is "$(q "$DB" "SELECT group_concat(placement || '=' || n, ' ') FROM (SELECT placement, count(*) n FROM sightings GROUP BY placement ORDER BY placement)")" \
   "inbox=18 spam=10 unknown=7" "placement: 18 inbox, 10 spam, 7 unknown"
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
like "$report" "35 messages (35 copies)" "report: totals line"
like "$report" "invoice.pdf.exe" "report: executable inside an archive"
like "$report" "shop.example.com  *10  *10  *5  *5" "report: the campaign's domain with 5 spam and 5 inbox copies"
echo "1..$n_test"
