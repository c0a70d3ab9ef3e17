#!/bin/sh
# gen-report-db.sh DB MESSAGES LOG_LINES — a synthetic database for timing
# `mailaudit report` (make bench): MESSAGES messages with one or two copies
# each (placement inbox/spam), DKIM, SPF, DMARC, iprev results, a content
# score and rule hits, over 30 days and 40 campaigns; LOG_LINES log lines of
# which 30% are deliveries (outcomes and reasons spread over providers). The
# schema is the program's own (an empty ingest creates it); rows are made by
# SQL (recursive CTEs), not by parsing, so that a million messages take a
# minute rather than an hour. The values are plausible, not realistic: this
# measures query speed, not findings.
set -eu
DB=$1
N=${2:-1000000}
L=${3:-10000000}
BIN=${BIN:-build/mailaudit}
D=$((L * 3 / 10))
E=$((L - D))
rm -f "$DB" "$DB-wal" "$DB-shm"
EMPTY=$(mktemp -d)
"$BIN" ingest --quiet --db "$DB" "$EMPTY"
rmdir "$EMPTY"
sqlite3 "$DB" <<SQL
.output /dev/null
PRAGMA journal_mode=OFF;
.output
PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;
BEGIN;
INSERT INTO sources(id, path, format, container, compressed, size, mtime_ns, status, n_messages,
    bytes_read, first_read, last_read)
VALUES (1, '/bench/mail.mbox', 'mbox', 'file', 0, 0, 0, 'done', $N, 0, '2025-04-01T00:00:00Z',
    '2025-04-01T00:00:00Z'),
       (2, '/bench/maillog', 'log', 'file', 0, 0, 0, 'done', 0, 0, '2025-04-01T00:00:00Z',
    '2025-04-01T00:00:00Z');
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $N)
INSERT INTO messages(id, sha256, size, message_id, subject, from_address, from_name, from_domain,
    to_addresses, date, arrival, placement, n_parts, n_attachments, n_received, n_anomalies,
    header_block, first_source_id, first_offset, list_id)
SELECT i, printf('%064x', i), 5000 + i % 40000, printf('m%d@sender%d.example', i, i % 7),
    printf('Offer %d for you', i % 40), printf('news@sender%d.example', i % 7), 'News',
    printf('sender%d.example', i % 7), printf('user%d@%s', i, CASE i % 4 WHEN 0 THEN 'gmail.com'
    WHEN 1 THEN 'outlook.com' WHEN 2 THEN 'yahoo.com' ELSE 'example.net' END),
    strftime('%Y-%m-%dT%H:%M:%SZ', 1743465600 + (i * 2592) % 2592000, 'unixepoch'),
    strftime('%Y-%m-%dT%H:%M:%SZ', 1743465600 + (i * 2592) % 2592000 + 5, 'unixepoch'),
    CASE WHEN i % 5 = 0 THEN 'spam' WHEN i % 5 = 1 THEN 'unknown' ELSE 'inbox' END,
    2, i % 10 = 0, 3, 0, x'46726f6d3a20780a0a', 1, i * 100,
    CASE WHEN i % 3 = 0 THEN printf('list%d.sender.example', i % 40) END
FROM s;
INSERT INTO sightings(message_id, source_id, offset, length, folder, placement)
SELECT id, 1, id * 100, size, CASE placement WHEN 'spam' THEN 'Junk' ELSE 'INBOX' END, placement
FROM messages;
INSERT INTO sightings(message_id, source_id, offset, length, folder, placement)
SELECT id, 1, id * 100 + 1, size, 'INBOX', 'inbox' FROM messages WHERE id % 4 = 0;
INSERT INTO dkim_signatures(message_id, position, legacy, domain, selector, algorithm,
    body_partial, key_testing, key_bits, result, reason, crypto_ok, from_relation)
SELECT id, 0, 0, from_domain, 's' || (id % 3), 'rsa-sha256', 0, id % 97 = 0, 2048,
    CASE WHEN id % 5 = 0 THEN 'fail' ELSE 'pass' END,
    CASE WHEN id % 5 = 0 THEN 'body hash mismatch' END, id % 5 <> 0, 'same'
FROM messages;
INSERT INTO spf_results(message_id, identity, ip, result, domain)
SELECT id, 'mailfrom', printf('198.51.100.%d', id % 50),
    CASE WHEN id % 11 = 0 THEN 'softfail' ELSE 'pass' END, from_domain FROM messages;
INSERT INTO dmarc_results(message_id, from_domain, result, method, policy, testing, spf_aligned,
    dkim_aligned)
SELECT id, from_domain, CASE WHEN id % 55 = 0 THEN 'fail' ELSE 'pass' END, 'dns', 'none', 0,
    id % 11 <> 0, id % 5 <> 0 FROM messages;
INSERT INTO iprev_results(message_id, ip, result, helo, helo_fqdn, helo_ip_literal, helo_resolves,
    helo_points_to_ip, helo_matches_ptr)
SELECT id, printf('198.51.100.%d', id % 50), CASE WHEN id % 50 = 7 THEN 'fail' ELSE 'pass' END,
    printf('mta%d.sender.example', id % 50), 1, 0, 1, 1, 1 FROM messages;
INSERT INTO content_scores(message_id, total, threshold, is_spam, n_hits, limit_hits, rule_set)
SELECT id, (id % 90) / 10.0, 5.0, (id % 90) >= 50, 2, 0, 'rules' FROM messages;
INSERT INTO rule_hits(message_id, rule, score, count, kind, area, description)
SELECT id, 'MA_RULE_' || (id % 30), 1.0, 1, 'body', 'body', 'a rule' FROM messages;
INSERT INTO rule_hits(message_id, rule, score, count, kind, area, description)
SELECT id, 'MA_PHRASE_' || (id % 13), 0.5, 1, 'body', 'body', 'a phrase' FROM messages
WHERE id % 2 = 0;
INSERT INTO log_files(id, source_id, format, head_len, head_sha256, compressed, bytes_done,
    tz_offset_min, lines_total, lines_event, lines_ignored, lines_foreign, lines_bad, first_time,
    last_time)
VALUES (1, 2, 'postfix', 0, '', 0, 0, 0, $L, $L, 0, 0, 0, '2025-04-01T00:00:00Z',
    '2025-04-30T23:59:59Z');
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $E)
INSERT INTO log_lines(id, log_file_id, offset, time, mta, host, component, kind, queue_id)
SELECT i, 1, i * 80, 1743465600 + (i * 7) % 2592000, 'postfix', 'mx', 'postfix/smtpd', 'smtp',
    printf('Q%X', i / 3) FROM s;
WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $D)
INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id, sender,
    recipient, recipient_domain, relay_host, status, dsn, reply_code, reply_text, delay, attempt,
    local, reason, hard, reason_rule, provider, blocklist, blocklist_misconfig, ev_log_file_id,
    ev_offset, ev_kind)
SELECT i, $E + i, 1743465600 + (i * 13) % 2592000, 'postfix', 'mx', printf('D%X', i / 2),
    printf('m%d@sender%d.example', i % $N + 1, (i % $N + 1) % 7),
    printf('news@sender%d.example', i % 7), printf('user%d@%s', i, p.dom), p.dom,
    'mx.' || p.dom,
    CASE WHEN i % 20 = 0 THEN 'bounced' WHEN i % 7 = 0 THEN 'deferred' ELSE 'sent' END,
    CASE WHEN i % 20 = 0 THEN '5.1.1' WHEN i % 7 = 0 THEN '4.7.28' ELSE '2.0.0' END,
    CASE WHEN i % 20 = 0 THEN 550 WHEN i % 7 = 0 THEN 421 ELSE 250 END,
    CASE WHEN i % 20 = 0 THEN '550 5.1.1 user unknown' WHEN i % 7 = 0 THEN
    '421 4.7.28 rate limited' ELSE '250 2.0.0 OK' END, (i % 300) / 10.0, 1, 0,
    CASE WHEN i % 20 = 0 THEN 'userunknown' WHEN i % 7 = 0 THEN 'speeding' ELSE 'delivered' END,
    i % 20 = 0, 'bench', p.prov, CASE WHEN i % 997 = 0 THEN 'spamhaus-zen' END, 0, 1, i * 80,
    'delivery'
FROM s JOIN (SELECT 0 AS k, 'gmail.com' AS dom, 'gmail' AS prov UNION ALL
             SELECT 1, 'outlook.com', 'microsoft' UNION ALL SELECT 2, 'yahoo.com', 'yahoo'
             UNION ALL SELECT 3, 'example.net', NULL) p ON p.k = i % 4;
COMMIT;
ANALYZE;
SQL
