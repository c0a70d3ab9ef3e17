-- mailaudit database, migration 0002: MTA logs. What every recipient's
-- delivery attempts were (deliveries), the meaningful log lines they came
-- from (log_events), and how far each log file has been read (log_files).
-- Times are ISO 8601 UTC; zone-less log formats (hMailServer, classic syslog,
-- Exim without log_timezone) are read in the --log-tz zone (default UTC) and
-- the zone used is kept in log_files.tz_offset_min.

-- One row per log file content, identified by its first bytes (not its path:
-- maillog renamed to maillog.1 is the same file and is not read twice).
CREATE TABLE log_files (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id), -- the path it was last read under
    format        TEXT NOT NULL,          -- hmailserver | postfix | exim | sendmail | iis | exchange
    head_len      INTEGER NOT NULL,       -- how many first bytes head_sha256 covers (up to 4096)
    head_sha256   TEXT NOT NULL,          -- SHA-256 of those bytes (uncompressed): the file's identity
    device        INTEGER,                -- st_dev when last read
    inode         INTEGER,                -- st_ino when last read
    compressed    INTEGER NOT NULL,       -- 1 for a gzip file (read whole, never resumed)
    bytes_done    INTEGER NOT NULL,       -- uncompressed bytes consumed: complete lines only; the next run resumes here
    tz_offset_min INTEGER NOT NULL,       -- --log-tz used for zone-less timestamps, minutes east of UTC
    lines_total   INTEGER NOT NULL DEFAULT 0, -- complete lines read
    lines_event   INTEGER NOT NULL DEFAULT 0, -- lines that gave events
    lines_ignored INTEGER NOT NULL DEFAULT 0, -- lines of the MTA with nothing modelled
    lines_foreign INTEGER NOT NULL DEFAULT 0, -- lines of other programs (syslog), skipped
    lines_bad     INTEGER NOT NULL DEFAULT 0, -- malformed, truncated or binary lines (examples in anomalies)
    first_time    TEXT,                   -- first timestamp read
    last_time     TEXT,                   -- last timestamp read
    UNIQUE (head_len, head_sha256)
);

-- One row per meaningful log line (or per recipient of a multi-recipient line).
-- Session chatter is counted in log_files but not stored: lines that carry
-- nothing modelled (kind other), connects and disconnects, and the individual
-- SMTP commands of hMailServer/IIS sessions. (A session refused outright
-- before any recipient is kept, as kind smtp, with a delivery row.)
CREATE TABLE log_events (
    id            INTEGER PRIMARY KEY,
    log_file_id   INTEGER NOT NULL REFERENCES log_files(id),
    offset        INTEGER NOT NULL,       -- byte offset of the line in the (uncompressed) file
    time          TEXT,                   -- UTC
    time_text     TEXT,                   -- the timestamp as written
    mta           TEXT NOT NULL,          -- hmailserver | postfix | exim | sendmail | iis | exchange
    host          TEXT,                   -- logging host / server name
    component     TEXT,                   -- program or log category: postfix/smtp, SMTPC, exim, sm-mta ...
    pid           INTEGER,
    kind          TEXT NOT NULL,          -- client | auth | reject | rcpt | message-id | queued | delivery | expired | dsn | removed | smtp | warning
    queue_id      TEXT,                   -- the MTA's message id (Postfix QID, Exim id, Sendmail qid, Exchange internal id, hMailServer message id)
    session_id    TEXT,                   -- SMTP session (hMailServer, IIS), smtpd pid (Postfix)
    client_ip     TEXT,
    client_name   TEXT,
    helo          TEXT,
    sasl_user     TEXT,                   -- authenticated user; NULL = not authenticated
    sender        TEXT,                   -- envelope sender ('' = null sender)
    recipient     TEXT,
    orig_recipient TEXT,
    relay_host    TEXT,
    relay_ip      TEXT,
    status        TEXT,                   -- sent | deferred | bounced | expired | rejected, for delivery-like events
    dsn           TEXT,                   -- enhanced status code
    reply_code    INTEGER,                -- SMTP reply code
    reply_text    TEXT,                   -- the reply or reason as logged
    size          INTEGER,
    message_id    TEXT                    -- Message-ID without <>
);
CREATE INDEX log_events_queue ON log_events(queue_id);

-- One row per recipient per delivery attempt (and per SMTP-time refusal).
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    log_event_id  INTEGER NOT NULL REFERENCES log_events(id), -- the line it came from
    time          TEXT,                   -- UTC time of the attempt
    mta           TEXT NOT NULL,
    host          TEXT,                   -- the MTA host that logged it
    queue_id      TEXT,
    message_id    TEXT,                   -- Message-ID when known (from the line or the queue id's other lines); joins messages.message_id
    sender        TEXT,                   -- envelope sender when known ('' = null sender)
    recipient     TEXT,                   -- the recipient; NULL for a message-level event without recipients
    recipient_domain TEXT,                -- lowercased domain of the recipient
    relay_host    TEXT,                   -- next hop host ("local" or the transport for local delivery)
    relay_ip      TEXT,
    status        TEXT NOT NULL,          -- sent | deferred | bounced | expired | rejected (SMTP-time refusal, e.g. NOQUEUE reject)
    dsn           TEXT,                   -- enhanced status code (5.7.1)
    reply_code    INTEGER,                -- SMTP reply code (550)
    reply_text    TEXT,                   -- the remote reply or the MTA's reason
    delay         REAL,                   -- seconds from arrival to this attempt, when logged
    attempt       INTEGER,                -- 1 for the first attempt of this queue id and recipient, 2 for the next...
    local         INTEGER NOT NULL,       -- 1 when delivered into a local mailbox
    reason        TEXT,                   -- bounce reason (Sisimai vocabulary: userunknown, blocked, spamdetected, ...; delivered for sent)
    hard          INTEGER NOT NULL,       -- 1 for a permanent failure (remove the address), 0 otherwise
    reason_rule   TEXT,                   -- the classification table entry that decided the reason
    provider      TEXT,                   -- mailbox provider of the recipient: gmail | microsoft | yahoo | apple | ...; NULL unknown
    blocklist     TEXT,                   -- blocklist named in the reply (spamhaus-zen, barracuda, ...), NULL none
    blocklist_misconfig INTEGER NOT NULL, -- 1 when the reply is the receiver's resolver misconfiguration, not a listing
    client_ip     TEXT,                   -- for rejected: the client that was refused
    sasl_user     TEXT                    -- for rejected/accepted inbound: the authenticated user
);
CREATE INDEX deliveries_queue ON deliveries(queue_id, recipient);
CREATE INDEX deliveries_message_id ON deliveries(message_id);

-- Each recipient's final outcome: the last attempt per (host, queue id, recipient);
-- a refusal at SMTP time has no queue id and stands alone.
CREATE VIEW delivery_outcomes AS
SELECT d.* FROM deliveries d
WHERE d.queue_id IS NULL
   OR d.id = (SELECT max(d2.id) FROM deliveries d2
              WHERE d2.queue_id = d.queue_id AND d2.host IS d.host AND d2.recipient IS d.recipient);

-- Deliveries of the messages stored from mailboxes: a campaign's seed copies
-- and its logs meet here (joined on the Message-ID).
CREATE VIEW message_deliveries AS
SELECT m.id AS message_rowid, m.subject, m.from_address, m.from_domain, d.*
FROM deliveries d JOIN messages m ON m.message_id = d.message_id;
