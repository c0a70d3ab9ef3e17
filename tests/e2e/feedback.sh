# End-to-end: feedback that providers send back, through ingest, check and
# report. Every expected value is read by hand from the fixtures under
# tests/fixtures/feedback/ (written for these tests; see the comments there):
# report messages are built here around the fixture files with gzip and
# base64, as a reporter's mailer would send them.
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/feedback
DB=$TMP/f.db

# wrap FILE CONTENT-TYPE FILENAME MESSAGE-ID [EXTRA-HEADER] > message: one
# base64 attachment, as Google/Microsoft send aggregate and TLS reports
wrap() {
    printf 'From: noreply-dmarc-support@google.com\nTo: dmarc@example.com\n'
    printf 'Subject: Report domain: example.com\nDate: Wed, 15 Nov 2023 10:00:00 +0000\n'
    printf 'Message-ID: <%s>\n' "$4"
    [ -n "${5:-}" ] && printf '%s\n' "$5"
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
    printf 'Content-Type: text/plain\n\nThis is an aggregate report.\n\n--b1\n'
    printf 'Content-Type: %s; name="%s"\nContent-Disposition: attachment; filename="%s"\n' "$2" "$3" "$3"
    printf 'Content-Transfer-Encoding: base64\n\n'
    base64 < "$1"
    printf '\n--b1--\n'
}
mkdir -p "$TMP/in"
gzip -n -c "$FX/dmarc/google.xml" > "$TMP/google.xml.gz"
wrap "$TMP/google.xml.gz" application/gzip 'google.com!example.com!1700006400!1700092799.xml.gz' agg-1@google.com > "$TMP/in/agg-google-1.eml"
# the same report again, in another message (a reporter that resends)
wrap "$TMP/google.xml.gz" application/gzip 'google.com!example.com!1700006400!1700092799.xml.gz' agg-1-resent@google.com > "$TMP/in/agg-google-2.eml"
wrap "$FX/dmarc/outlook.xml" text/xml 'enterprise.protection.outlook.com!example.com!1700179200!1700265600.xml' agg-2@microsoft.com > "$TMP/in/agg-outlook.eml"
wrap "$FX/unpack/report.zip" application/zip 'report.zip' agg-3@example.net > "$TMP/in/agg-zip.eml"
wrap "$FX/tlsrpt/mx-patterns.json.gz" application/tlsrpt+gzip 'mx-patterns.json.gz' tls-1@example.net 'TLS-Report-Domain: example.com' > "$TMP/in/tls.eml"
# a gzip bomb holding XML: 3 MB of blanks inside a comment, with the ceiling lowered to 1 MB
{ printf '<?xml version="1.0"?>\n<feedback><report_metadata><org_name>bomb.example</org_name><report_id>b-1</report_id></report_metadata><policy_published><domain>example.com</domain></policy_published>\n<!--'
  head -c 3000000 /dev/zero | tr '\0' ' '; printf -- '-->\n</feedback>\n'; } | gzip -n > "$TMP/bomb.xml.gz"
wrap "$TMP/bomb.xml.gz" application/gzip 'bomb.xml.gz' bomb-1@example.net > "$TMP/in/bomb.eml"
# an entity-expansion attack: refused at the DOCTYPE, nothing stored
printf '<?xml version="1.0"?>\n<!DOCTYPE feedback [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>\n<feedback><report_metadata><org_name>&b;</org_name></report_metadata></feedback>\n' > "$TMP/laughs.xml"
wrap "$TMP/laughs.xml" text/xml 'laughs.xml' laughs-1@example.net > "$TMP/in/laughs.eml"
# malformed after the first record: the record before the error is kept
printf '<feedback><report_metadata><org_name>broken.example</org_name><report_id>x-1</report_id></report_metadata><policy_published><domain>example.com</domain></policy_published><record><row><source_ip>192.0.2.99</source_ip><count>4</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers></record><record><row><source_ip>oops</row></feedback>\n' > "$TMP/broken.xml"
wrap "$TMP/broken.xml" text/xml 'broken.xml' broken-1@example.net > "$TMP/in/broken.eml"
cp "$FX/arf/yahoo-abuse.eml" "$FX/dsn/postfix-dsn.eml" "$FX/dsn/multi-rcpt.eml" "$FX/dsn/out-of-office.eml" "$TMP/in/"
# the original the complaint is about (its Message-ID is in yahoo-abuse.eml)
printf 'From: news@shop.example\nTo: anna.berg@yahoo.com\nSubject: Spring sale\nDate: Tue, 14 May 2024 08:00:00 +0000\nMessage-ID: <spring24.4471@mail.shop.example>\nFeedback-ID: spring24:newsletter:shop:esp42\n\nSale!\n' > "$TMP/in/original.eml"

MAILAUDIT_UNPACK_LIMIT=1000000 $M ingest --db "$DB" "$TMP/in" > "$TMP/ingest.out"; ok $? "ingest exits 0"
like "$(cat "$TMP/ingest.out")" "feedback: 5 DMARC aggregate reports (6 rows; 1 duplicates skipped), 1 complaints, 0 DMARC failure reports, 1 TLS reports (0 duplicates), 2 bounces (3 recipients), 1 auto-replies" "the summary counts every kind"

# ---- DMARC aggregate reports
is "$(q "$DB" "SELECT count(*) FROM dmarc_reports WHERE org_name = 'google.com'")" 1 "a report received twice is stored once"
is "$(q "$DB" "SELECT report_id || '|' || domain || '|' || p || '|' || sp || '|' || pct || '|' || date_begin || '|' || date_end || '|' || n_rows || '|' || n_messages || '|' || status FROM dmarc_reports WHERE org_name = 'google.com'")" \
   "4851237651139076881|example.com|quarantine|none|100|2023-11-15T00:00:00Z|2023-11-15T23:59:59Z|3|17|complete" "metadata, policy, period (1700006400 = 2023-11-15T00:00Z), rows and messages (14+2+1)"
is "$(q "$DB" "SELECT m.message_id FROM dmarc_reports d JOIN messages m ON m.id = d.message_id WHERE d.org_name = 'google.com'")" "agg-1@google.com" "the first message that carried it keeps it (files are read in name order)"
is "$(q "$DB" "SELECT r.source_ip || '|' || r.count || '|' || r.disposition || '|' || r.dkim || '|' || r.spf || '|' || r.dkim_domain || '|' || r.dkim_selector || '|' || r.spf_result || '|' || r.more_auth FROM dmarc_report_rows r JOIN dmarc_reports d ON d.id = r.report WHERE d.org_name = 'google.com' ORDER BY r.id LIMIT 1")" \
   "192.0.2.25|14|none|pass|pass|example.com|s2023|pass|dkim d=esp.example.net s=k1 pass" "first row: IP, count, verdicts, the first DKIM result and the second kept in more_auth"
is "$(q "$DB" "SELECT r.source_ip || '|' || r.disposition || '|' || coalesce(r.dkim_domain, 'NULL') || '|' || r.spf_domain || '|' || r.spf_result FROM dmarc_report_rows r JOIN dmarc_reports d ON d.id = r.report WHERE d.org_name = 'google.com' ORDER BY r.id LIMIT 1 OFFSET 1")" \
   "2001:db8:40::1a|quarantine|NULL|mailer.example.org|softfail" "second row: IPv6 source, no DKIM result, SPF softfail"
is "$(q "$DB" "SELECT p || '|' || pct || '|' || fo || '|' || version || '|' || n_rows || '|' || n_messages FROM dmarc_reports WHERE org_name = 'Enterprise Outlook'")" \
   "reject|50|1|1.0|2|44" "an uncompressed XML attachment (Outlook style: namespaces, <version>)"
is "$(q "$DB" "SELECT file_name || '|' || report_id || '|' || n_rows || '|' || status FROM dmarc_reports WHERE org_name = 'unpack fixture'")" \
   "report.zip:report.xml|unpack-1|0|complete" "a ZIP attachment: the member is named, a report without records is kept"
is "$(q "$DB" "SELECT status || '|' || n_rows FROM dmarc_reports WHERE org_name = 'bomb.example'")" "limit|0" "a gzip bomb stops at the ceiling: the report is marked"
is "$(q "$DB" "SELECT count(*) FROM anomalies WHERE code = 'feedback.unpack_limit'")" 1 "... and the bomb is an anomaly of its message"
is "$(q "$DB" "SELECT count(*) FROM dmarc_reports WHERE org_name LIKE '%aaaa%'")" 0 "entities are never expanded"
is "$(q "$DB" "SELECT (SELECT sum(last_row - first_row + 1) FROM dmarc_reports) || '/' || (SELECT count(*) FROM dmarc_report_rows) || '/' || (SELECT count(*) FROM dmarc_report_rows w JOIN dmarc_reports d ON w.id BETWEEN d.first_row AND d.last_row WHERE w.report <> d.id)")" \
   "6/6/0" "each report's rows are exactly its id range first_row..last_row"
like "$(q "$DB" "SELECT detail FROM anomalies WHERE code = 'feedback.report_malformed' ORDER BY id")" "laughs.xml" "the DOCTYPE is refused and recorded"
is "$(q "$DB" "SELECT status || '|' || n_rows || '|' || n_messages FROM dmarc_reports WHERE org_name = 'broken.example'")" "malformed|1|4" "malformed XML: the record before the error is kept"
is "$(q "$DB" "SELECT n_anomalies FROM messages WHERE message_id = 'broken-1@example.net'")" 1 "the message's anomaly count includes the report's"
is "$(q "$DB" "SELECT group_concat(feedback_kind, ',') FROM (SELECT feedback_kind FROM messages WHERE message_id IN ('agg-1@google.com', 'tls-1@example.net', 'spring24.4471@mail.shop.example') ORDER BY message_id)")" \
   "dmarc-aggregate,tlsrpt" "messages.feedback_kind (NULL for ordinary mail)"
is "$(q "$DB" "SELECT feedback_id FROM messages WHERE message_id = 'spring24.4471@mail.shop.example'")" "spring24:newsletter:shop:esp42" "Feedback-ID kept for campaigns"

# ---- complaints
is "$(q "$DB" "SELECT format || '|' || feedback_type || '|' || reporter || '|' || user_agent || '|' || orig_message_id || '|' || orig_feedback_id FROM feedback_reports")" \
   "arf|abuse|yahoo|Yahoo!-Mail-Feedback/2.0|spring24.4471@mail.shop.example|spring24:newsletter:shop:esp42" "an ARF complaint: type, reporter, the reported message"
is "$(q "$DB" "SELECT orig_subject FROM feedback_reports")" "Spring sale – ends tonight" "the reported Subject, RFC 2047 decoded"
is "$(q "$DB" "SELECT m.subject FROM complaints c JOIN messages m ON m.id = c.original")" "Spring sale" "complaints links the report to the stored original"

# ---- TLS reports (values from tests/fixtures/feedback/tlsrpt/mx-patterns.json)
is "$(q "$DB" "SELECT count(*) FROM tlsrpt_reports")" 1 "a TLS report"
is "$(q "$DB" "SELECT count(*) FROM tlsrpt_policies p JOIN tlsrpt_reports r ON r.id = p.report")" \
   "$(grep -o '"policy-type"' "$FX/tlsrpt/mx-patterns.json" | wc -l | tr -d ' ')" "one row per policy"

# ---- bounces and auto-replies: rows of deliveries with source 'bounce'
is "$(q "$DB" "SELECT recipient || '|' || status || '|' || dsn || '|' || reply_code || '|' || reason || '|' || hard || '|' || message_id || '|' || mta FROM deliveries WHERE source = 'bounce' AND recipient = 'alice@recipient.example'")" \
   "alice@recipient.example|bounced|5.1.1|550|userunknown|1|campaign-17.alice@sender.example|bounce" "a Postfix DSN: user unknown, linked to the returned original"
is "$(q "$DB" "SELECT group_concat(recipient || '=' || status || '/' || reason, ' ') FROM (SELECT * FROM deliveries WHERE message_id = 'digest-9@sender.example' ORDER BY recipient)")" \
   "bob@full.example=bounced/mailboxfull carol@slow.example=deferred/networkerror" "a two-recipient DSN: failed (mailbox full) and delayed (421 4.4.1 connection timed out)"
is "$(q "$DB" "SELECT count(*) FROM deliveries WHERE source = 'bounce'")" 3 "auto-replies are not deliveries"
is "$(q "$DB" "SELECT kind || '|' || format FROM bounce_messages WHERE kind = 'autoreply'")" "autoreply|autoreply" "the out-of-office reply is recorded as such"
is "$(q "$DB" "SELECT count(*) FROM deliveries WHERE id < 0") $(q "$DB" "SELECT count(*) FROM deliveries WHERE source = 'bounce' AND bounce_message IS NOT NULL")" "3 3" "bounce rows have negative ids and point to their message"

# ---- re-ingesting adds nothing; --reverify extracts again and replaces
counts() { q "$DB" "SELECT (SELECT count(*) FROM dmarc_reports) || '/' || (SELECT count(*) FROM dmarc_report_rows) || '/' || (SELECT count(*) FROM feedback_reports) || '/' || (SELECT count(*) FROM tlsrpt_failures) || '/' || (SELECT count(*) FROM bounce_recipients)"; }
is "$(counts | cut -d/ -f1-3)" "5/6/1" "5 reports (google, outlook, zip, bomb, broken), 6 rows (3 + 2 + 1), 1 complaint"
before=$(counts)
$M ingest --quiet --db "$DB" "$TMP/in"; ok $? "ingest again exits 0"
is "$(counts)" "$before" "nothing is added twice"
MAILAUDIT_UNPACK_LIMIT=1000000 $M ingest --quiet --reverify --checks rules --rules "$TMP" --db "$DB" "$TMP/in" 2>/dev/null; ok $? "ingest --reverify exits 0"
is "$(counts)" "$before" "extracting again replaces the rows"
is "$(q "$DB" "SELECT count(*) FROM anomalies WHERE code = 'feedback.unpack_limit'")/$(q "$DB" "SELECT n_anomalies FROM messages WHERE message_id = 'broken-1@example.net'")" "1/1" "... and the report anomalies (not doubled)"

# ---- report sections and thresholds
$M report --format summary --db "$DB" > "$TMP/report.txt"; ok $? "report exits 0"
like "$(cat "$TMP/report.txt")" "DMARC aggregate reports by reporter" "aggregate section"
like "$(grep -A3 'DMARC aggregate by source IP' "$TMP/report.txt")" "192.0.2.25 .*example.com .* 14 .* 14 .* 14 .* 0 .* 0 .* 1" "by source IP: messages, DKIM pass, SPF pass, DMARC fail, quarantined, reporters"
like "$(grep -A4 'without authenticating' "$TMP/report.txt")" "203.0.113.200 .*example.com .* 3 " "who sends as the domain without authenticating"
like "$(grep -A3 'Complaints (feedback loops)' "$TMP/report.txt")" "spring24:newsletter:shop:esp42 .*yahoo .*abuse" "complaints by campaign"
like "$(grep -A4 'Bounce messages by format' "$TMP/report.txt")" "userunknown" "bounce reasons"
# aggregate fail rate by hand: google 2 of 17, outlook 3 of 44 (203.0.113.200 fails both), broken 0 of 4 -> 5/65
$M report --format summary --db "$DB" --fail-on 'dmarc_aggregate_fail_rate>0.05' --fail-on 'complaints>=1' --fail-on 'complaint_rate>0.001' > "$TMP/th.txt"; is $? 3 "a breached threshold exits 3"
is "$(sed -n 2p "$TMP/th.txt")" "  BREACHED dmarc_aggregate_fail_rate > 0.05: 0.0769231" "breached first, with the value (5/65)"
like "$(sed -n 3p "$TMP/th.txt")" "BREACHED complaints >= 1: 1" "complaints counted"
like "$(sed -n 4p "$TMP/th.txt")" "no data  complaint_rate" "a rate without deliveries is no data, not a breach"
$M report --format summary --db "$DB" --fail-on 'dmarc_aggregate_fail_rate>8%' > /dev/null; is $? 0 "8% is not breached"
$M report --format summary --db "$DB" --fail-on 'bogus>1' 2> "$TMP/err"; is $? 1 "an unknown metric is a usage error"
like "$(cat "$TMP/err")" "unknown metric 'bogus' (known: .*complaint_rate" "the error lists the metrics"

# ---- check shows the same decoding without a database
$M check --json --checks rules --rules "$TMP" "$TMP/in/agg-google-1.eml" > "$TMP/c.json" 2>/dev/null
jq1() { q :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')"; }
is "$(jq1 "$TMP/c.json" '$.feedback.kind')/$(jq1 "$TMP/c.json" '$.feedback.reports[0].rows')/$(jq1 "$TMP/c.json" '$.feedback.reports[0].messages')" "dmarc-aggregate/3/17" "check --json: the report's rows"
$M check --json --checks rules --rules "$TMP" "$FX/dsn/postfix-dsn.eml" > "$TMP/d.json" 2>/dev/null
is "$(jq1 "$TMP/d.json" '$.feedback.bounce.recipients[0].reason')" userunknown "check --json: a bounce's recipients"

# ---- a 100 MB report: streamed, memory stays flat
REC='<record><row><source_ip>192.0.2.200</source_ip><count>2</count><policy_evaluated><disposition>none</disposition><dkim>pass</dkim><spf>pass</spf></policy_evaluated></row><identifiers><header_from>example.com</header_from></identifiers><auth_results><dkim><domain>example.com</domain><result>pass</result><selector>s1</selector></dkim><spf><domain>example.com</domain><result>pass</result></spf></auth_results></record>'
{ printf '<?xml version="1.0"?>\n<feedback><report_metadata><org_name>big.example</org_name><report_id>big-1</report_id></report_metadata><policy_published><domain>example.com</domain><p>none</p></policy_published>\n'
  yes "$REC" | head -n 260000; printf '</feedback>\n'; } | gzip -1 -n > "$TMP/big.xml.gz"
wrap "$TMP/big.xml.gz" application/gzip 'big.xml.gz' big-1@example.net > "$TMP/big.eml"
/usr/bin/time -f '%M' -o "$TMP/rss" $M ingest --quiet --checks dkim --db "$TMP/big.db" "$TMP/big.eml"; ok $? "ingest of a report of 260,000 records (104 MB of XML)"
is "$(q "$TMP/big.db" "SELECT n_rows || '/' || n_messages || '/' || status FROM dmarc_reports")" "260000/520000/complete" "every record stored"
# (the bound is for the plain build; ASan's shadow memory multiplies RSS)
case "${BUILD:-build}" in *asan*) lim=600000 ;; *) lim=150000 ;; esac
is "$(awk -v l="$lim" '{ print ($1 < l) }' "$TMP/rss")" 1 "peak RSS under $((lim / 1000)) MB (the XML is never held whole: $(cat "$TMP/rss") KB)"
