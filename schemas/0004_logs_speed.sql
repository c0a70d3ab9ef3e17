-- mailaudit database, migration 0004: MTA logs stored faster, same answers.
-- A delivery line used to be stored twice, as a log_events row and as a
-- deliveries row. Now it is stored once: the tables are log_lines (lines
-- that are not a delivery of their own) and log_deliveries (one row per
-- delivery, carrying the columns of its own line too), and log_events and
-- deliveries become views over them with exactly their former columns,
-- values and ids. The indexes are cut to what ingest and the views need.
--
-- What changed, column by column:
-- * log_events (now a view): every column as before. Its rows are the rows
--   of log_lines, then the log_deliveries rows that carry their own line
--   (ev_log_file_id not NULL), whose id is log_deliveries.log_event_id; the
--   ids are those the table had (one sequence over both, in file order).
--   Ask for ORDER BY id when the order matters: the view lists log_lines
--   rows first.
-- * deliveries (now a view): every column as before; log_event_id is
--   still a log_events id (no longer declared REFERENCES: a view cannot be
--   referenced).
-- * delivery_outcomes, message_deliveries: unchanged definitions, over the
--   deliveries view.
-- * time (both tables) is an INTEGER, UTC seconds since 1970; the views
--   give it as before, ISO 8601 text (strftime; narrower rows, and no text
--   to build per row when storing). Filter on the tables' integer when a
--   query must not compute the text for every row.
-- * log_lines.log_file_id and log_deliveries.ev_log_file_id hold a
--   log_files id but are not declared REFERENCES: the writer takes them
--   from the row it inserted, and a declared key costs a lookup per row.
-- * log_queue (new table): the first Message-ID and sender known for a
--   queue id whose message a later run may still deliver (see below); it
--   answers what the index log_events_queue was kept for, with a row per
--   such message instead of an index entry per line.
-- * Indexes: log_events_queue is dropped (see log_queue); deliveries_queue
--   is kept, on log_deliveries(queue_id, recipient); deliveries_message_id
--   is dropped (message_deliveries joins through messages_message_id; a
--   lookup of deliveries by Message-ID reads the table).
--
-- Rows of a database from before this migration are moved over as they
-- were: its log_events rows into log_lines (the delivery lines included)
-- and its deliveries rows into log_deliveries with ev_log_file_id NULL;
-- log_queue gets, per queue id of its lines, the first Message-ID and
-- sender they carried.

-- One row per meaningful log line that is not stored as the line of a
-- delivery (below): the columns are those of log_events (0002).
CREATE TABLE log_lines (
    id            INTEGER PRIMARY KEY,    -- log_events.id: one sequence with log_deliveries.log_event_id
    log_file_id   INTEGER NOT NULL,       -- log_files.id
    offset        INTEGER NOT NULL,
    time          INTEGER,                -- UTC, seconds since 1970 (log_events.time is its ISO 8601 text)
    time_text     TEXT,
    mta           TEXT NOT NULL,
    host          TEXT,
    component     TEXT,
    pid           INTEGER,
    kind          TEXT NOT NULL,
    queue_id      TEXT,
    session_id    TEXT,
    client_ip     TEXT,
    client_name   TEXT,
    helo          TEXT,
    sasl_user     TEXT,
    sender        TEXT,
    recipient     TEXT,
    orig_recipient TEXT,
    relay_host    TEXT,
    relay_ip      TEXT,
    status        TEXT,
    dsn           TEXT,
    reply_code    INTEGER,
    reply_text    TEXT,
    size          INTEGER,
    message_id    TEXT
);
INSERT INTO log_lines
SELECT id, log_file_id, offset, CAST(strftime('%s', time) AS INTEGER), time_text, mta, host,
       component, pid, kind, queue_id, session_id, client_ip, client_name, helo, sasl_user,
       sender, recipient, orig_recipient, relay_host, relay_ip, status, dsn, reply_code,
       reply_text, size, message_id
FROM log_events;

-- One row per recipient per delivery attempt (and per SMTP-time refusal):
-- the columns of deliveries (0002), then the line it came from when that
-- line is stored here and not in log_lines (a delivery line, a refusal, an
-- expiry naming its recipient). The ev_ columns are NULL otherwise (an
-- expiry without recipients gives several deliveries of one log_lines row).
CREATE TABLE log_deliveries (
    id            INTEGER PRIMARY KEY,    -- deliveries.id
    log_event_id  INTEGER NOT NULL,       -- log_events.id of the line
    time          INTEGER,                -- UTC, seconds since 1970 (deliveries.time is its ISO 8601 text)
    mta           TEXT NOT NULL,
    host          TEXT,
    queue_id      TEXT,
    message_id    TEXT,
    sender        TEXT,
    recipient     TEXT,
    recipient_domain TEXT,
    relay_host    TEXT,
    relay_ip      TEXT,
    status        TEXT NOT NULL,
    dsn           TEXT,
    reply_code    INTEGER,
    reply_text    TEXT,
    delay         REAL,
    attempt       INTEGER,
    local         INTEGER NOT NULL,
    reason        TEXT,
    hard          INTEGER NOT NULL,
    reason_rule   TEXT,
    provider      TEXT,
    blocklist     TEXT,
    blocklist_misconfig INTEGER NOT NULL,
    client_ip     TEXT,
    sasl_user     TEXT,
    -- the line, when stored here (log_events columns not shared with the delivery)
    ev_log_file_id INTEGER,               -- log_files.id; NULL: the line is a log_lines row
    ev_offset     INTEGER,
    ev_time_text  TEXT,
    ev_component  TEXT,
    ev_pid        INTEGER,
    ev_kind       TEXT,                   -- delivery | reject | smtp | expired
    ev_session_id TEXT,
    ev_client_name TEXT,
    ev_helo       TEXT,
    ev_orig_recipient TEXT,
    ev_size       INTEGER,
    ev_flags      INTEGER                 -- which shared columns the line itself had: 1 message_id,
                                          -- 2 sender, 4 status (else NULL in log_events)
);
INSERT INTO log_deliveries(id, log_event_id, time, mta, host, queue_id, message_id, sender,
    recipient, recipient_domain, relay_host, relay_ip, status, dsn, reply_code, reply_text, delay,
    attempt, local, reason, hard, reason_rule, provider, blocklist, blocklist_misconfig,
    client_ip, sasl_user)
SELECT id, log_event_id, CAST(strftime('%s', time) AS INTEGER), mta, host, queue_id, message_id,
       sender, recipient, recipient_domain, relay_host, relay_ip, status, dsn, reply_code,
       reply_text, delay, attempt, local, reason, hard, reason_rule, provider, blocklist,
       blocklist_misconfig, client_ip, sasl_user
FROM deliveries;

-- The first Message-ID and sender known for a (host, queue id), for the
-- deliveries that lack them: ingest carries them from a message's earlier
-- lines in memory, and writes a row here for the messages still queued when
-- it commits or stops (a later run delivers them), forgotten by its bounded
-- memory, or that left the queue with a delivery still lacking them. After
-- each run the deliveries still lacking them take them from here (the first
-- row of the queue id having one).
CREATE TABLE log_queue (
    id            INTEGER PRIMARY KEY,
    host          TEXT,                   -- the logging host
    queue_id      TEXT NOT NULL,
    message_id    TEXT,                   -- first Message-ID seen on the message's lines, without <>
    sender        TEXT                    -- first envelope sender seen on them ('' = null sender)
);
INSERT INTO log_queue(host, queue_id, message_id, sender)
SELECT k.host, k.queue_id,
       (SELECT e.message_id FROM log_events e WHERE e.queue_id = k.queue_id AND e.host IS k.host
        AND e.message_id IS NOT NULL ORDER BY e.id LIMIT 1),
       (SELECT e.sender FROM log_events e WHERE e.queue_id = k.queue_id AND e.host IS k.host
        AND e.sender IS NOT NULL ORDER BY e.id LIMIT 1)
FROM (SELECT host, queue_id, min(id) AS first FROM log_events
      WHERE queue_id IS NOT NULL AND (message_id IS NOT NULL OR sender IS NOT NULL)
      GROUP BY host, queue_id) k
ORDER BY k.first;
CREATE INDEX log_queue_queue ON log_queue(queue_id);

DROP VIEW delivery_outcomes;
DROP VIEW message_deliveries;
DROP TABLE deliveries;
DROP TABLE log_events;

CREATE INDEX deliveries_queue ON log_deliveries(queue_id, recipient);

CREATE VIEW log_events AS
SELECT id, log_file_id, offset, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch') AS time,
       time_text, mta, host, component, pid, kind, queue_id, session_id, client_ip, client_name,
       helo, sasl_user, sender, recipient, orig_recipient, relay_host, relay_ip, status, dsn,
       reply_code, reply_text, size, message_id
FROM log_lines
UNION ALL
SELECT log_event_id, ev_log_file_id, ev_offset, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch'),
       ev_time_text, mta, host, ev_component, ev_pid, ev_kind, queue_id, ev_session_id,
       client_ip, ev_client_name, ev_helo, sasl_user,
       CASE WHEN ev_flags & 2 THEN sender END, recipient, ev_orig_recipient, relay_host, relay_ip,
       CASE WHEN ev_flags & 4 THEN status END, dsn, reply_code, reply_text, ev_size,
       CASE WHEN ev_flags & 1 THEN message_id END
FROM log_deliveries WHERE ev_log_file_id IS NOT NULL;

CREATE VIEW deliveries AS
SELECT id, log_event_id, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch') AS time, mta, host,
       queue_id, message_id, sender, recipient, recipient_domain, relay_host, relay_ip, status,
       dsn, reply_code, reply_text, delay, attempt, local, reason, hard, reason_rule, provider,
       blocklist, blocklist_misconfig, client_ip, sasl_user
FROM log_deliveries;

-- As in 0002.
CREATE VIEW delivery_outcomes AS
SELECT d.* FROM deliveries d
WHERE d.queue_id IS NULL
   OR d.id = (SELECT max(d2.id) FROM deliveries d2
              WHERE d2.queue_id = d.queue_id AND d2.host IS d.host AND d2.recipient IS d.recipient);

CREATE VIEW message_deliveries AS
SELECT m.id AS message_rowid, m.subject, m.from_address, m.from_domain, d.*
FROM deliveries d JOIN messages m ON m.message_id = d.message_id;
