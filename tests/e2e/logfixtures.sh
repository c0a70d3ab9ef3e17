# End-to-end: the MTA log fixtures of every format through `ingest` into
# SQLite. Expected counts are those of tests/fixtures/logs/README*.md,
# counted without the parsers (by hand or with independent scripts).
. "$TOP/tests/e2e/lib.sh"
M=$MAILAUDIT
FX=$TOP/tests/fixtures/logs

# ingest_one NAME FILE [MTIME]: ingest a copy (mtime set for year inference) into $TMP/NAME.db
ingest_one() {
    mkdir -p "$TMP/$1"; cp "$2" "$TMP/$1/"
    [ -n "${3:-}" ] && touch -d "$3" "$TMP/$1/$(basename "$2")"
    $M ingest --quiet --db "$TMP/$1.db" "$TMP/$1"
}
st() { q "$TMP/$1.db" "SELECT count(*) FROM deliveries WHERE status='$2' AND recipient IS NOT NULL"; }
fmt() { q "$TMP/$1.db" "SELECT group_concat(format) FROM log_files"; }

ingest_one pf "$FX/postfix/maillog" "2025-04-02 12:00"; ok $? "postfix fixture ingested"
is "$(fmt pf)" postfix "postfix: detected"
is "$(st pf sent)/$(st pf deferred)/$(st pf bounced)" "13/4/6" "postfix: 13 sent, 4 deferred, 6 bounced"
is "$(q "$TMP/pf.db" "SELECT min(time) FROM log_events")" "$(q "$TMP/pf.db" "SELECT min(time) FROM log_events WHERE time LIKE '2025-04-01%'")" "postfix: year inferred from the file's date (2025)"

ingest_one sm "$FX/sendmail/maillog" "2025-04-03 12:00"; ok $? "sendmail fixture ingested"
is "$(fmt sm)" sendmail "sendmail: detected (not postfix)"
is "$(st sm sent)/$(st sm deferred)/$(st sm bounced)" "15/7/5" "sendmail: 15 sent, 7 deferred, 5 bounced (one line with two recipients)"

ingest_one ex "$FX/exim/mainlog"; ok $? "exim fixture ingested"
is "$(fmt ex)" exim "exim: detected"
is "$(st ex sent)/$(st ex deferred)/$(st ex bounced)/$(st ex expired)" "28/12/22/4" "exim: sent, deferred, bounced, expired"
is "$(q "$TMP/ex.db" "SELECT count(*) FROM deliveries WHERE status='rejected'")" 10 "exim: 10 SMTP-time rejections (some before any recipient)"

ingest_one hm "$FX/hmailserver/hmailserver_2025-04-01.log"; ok $? "hMailServer fixture ingested"
is "$(fmt hm)" hmailserver "hMailServer: detected"
is "$(st hm sent)/$(st hm deferred)/$(st hm bounced)" "4/5/2" "hMailServer: sessions and SMTPDeliverer lines give 4 sent, 5 deferred, 2 bounced"
is "$(q "$TMP/hm.db" "SELECT blocklist FROM deliveries WHERE recipient IS NULL AND reply_text LIKE '%S3150%'")" "microsoft" "hMailServer: a session refused with S3150 is kept, naming Microsoft's block list"
out=$($M report --format summary --db "$TMP/hm.db")
like "$out" "185.220.101.7 .*victim123@yahoo.com" "hMailServer: the open-relay sign (unauthenticated external client, non-local recipient)"

out=$($M report --format summary --db "$TMP/hm.db" --local-net 185.220.101.0/24 --local-net 10.0.0.0/8)
case "$out" in *"185.220.101.7 "*) ok 1 "--local-net makes that client local: no sign";; *) ok 0 "--local-net makes that client local: no sign";; esac
like "$out" "local networks (--local-net): 185.220.101.0/24, 10.0.0.0/8" "the report says which networks it used"
$M report --format summary --db "$TMP/hm.db" --local-net not-a-net >/dev/null 2>&1; is $? 1 "a bad --local-net is a usage error"
out=$($M report --format summary --db "$TMP/hm.db" --local-domain yahoo.com)
like "$out" "local domains (--local-domain): yahoo.com" "--local-domain replaces the inferred domains"
ingest_one aw "$FX/hmailserver/hmailserver_awstats.log"; ok $? "hMailServer awstats ingested"
is "$(st aw sent)/$(st aw bounced)" "11/3" "awstats: 11 sent, 3 bounced"

ingest_one iis "$FX/iis/ex250401.log"; ok $? "IIS fixture ingested"
is "$(fmt iis)" iis "IIS: detected"
is "$(st iis sent)/$(st iis deferred)/$(st iis bounced)/$(st iis rejected)" "1/2/1/1" "IIS: across a #Fields change"
like "$($M report --format summary --db "$TMP/iis.db")" "185.100.87.41 .*target+tag@hotmail.com" "IIS: the open-relay sign"

ingest_one x13 "$FX/exchange/MSGTRK2025040101-1.LOG"; ok $? "Exchange 2013 fixture ingested"
is "$(fmt x13)" exchange "Exchange: detected"
is "$(st x13 sent)/$(st x13 deferred)/$(st x13 bounced)/$(st x13 expired)" "10/3/3/1" "Exchange 2013: multi-recipient lines give one delivery each"
ingest_one x10 "$FX/exchange/MSGTRK20250401-1.LOG"; ok $? "Exchange 2010 fixture ingested"
is "$(st x10 sent)/$(st x10 bounced)" "3/1" "Exchange 2010 columns"

# All formats in one directory: each detected, times in order, nothing lost
$M ingest --quiet --db "$TMP/all.db" "$FX/postfix/maillog" "$FX/sendmail/maillog" "$FX/exim/mainlog" \
    "$FX/hmailserver" "$FX/iis" "$FX/exchange"
is "$(q "$TMP/all.db" "SELECT count(DISTINCT format) FROM log_files")" 6 "six formats in one run"
is "$(q "$TMP/all.db" "SELECT sum(lines_bad) FROM log_files")" 0 "no fixture line is bad"
is "$(q "$TMP/all.db" "SELECT count(*) FROM deliveries WHERE recipient_domain='gmail.com' AND provider IS NOT 'gmail'")" 0 "every gmail.com recipient is provider gmail"

# Each fixture read in several runs as it grows (a log rotated or read while
# written): the same rows as one read of the whole file — Message-IDs and
# senders from earlier runs (log_queue), attempts counted across runs,
# expiries fanned out to recipients deferred in an earlier run.
dump() {
    for t in log_events deliveries delivery_outcomes; do
        sqlite3 -batch -header -cmd ".mode quote" "$1" "SELECT * FROM $t ORDER BY id"
    done
}
for f in postfix/maillog sendmail/maillog exim/mainlog exchange/MSGTRK2025040101-1.LOG; do
    name=$(echo "$f" | tr '/.' '__')
    mkdir -p "$TMP/g-$name"
    n=$(grep -c '' "$FX/$f")
    for k in 3 5 8 10; do
        head -n $((n * k / 10)) "$FX/$f" > "$TMP/g-$name/log"
        touch -d "2025-04-03 12:00" "$TMP/g-$name/log"
        $M ingest --quiet --db "$TMP/g-$name.db" "$TMP/g-$name/log"
    done
    mkdir -p "$TMP/w-$name"; cp "$TMP/g-$name/log" "$TMP/w-$name/log"; touch -d "2025-04-03 12:00" "$TMP/w-$name/log"
    $M ingest --quiet --db "$TMP/w-$name.db" "$TMP/w-$name/log"
    is "$(dump "$TMP/g-$name.db" | cksum)" "$(dump "$TMP/w-$name.db" | cksum)" "$f read in four growing runs: the same rows as one read"
done
echo "1..$n_test"
