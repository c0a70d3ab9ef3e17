-- mailaudit database, migration 0004: MTA logs stored faster, same answers.
-- A delivery line used to be stored twice, as a log_events row and as a
-- deliveries row. Now it is stored once: the tables are log_lines (lines
-- that are not a delivery of their own) and log_deliveries (one row per
-- delivery, carrying the columns of its own line too), and log_events and
-- deliveries become views over them with exactly their former columns,
-- values and ids; the indexes on them are replaced by two small tables.
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
--   referenced). attempt is counted as rows are stored, across runs too
--   (log_queue_rcpt), so a log read in several runs numbers its attempts as
--   one read does; it is NULL only for the recipients of a message beyond
--   what ingest keeps in memory (100,000 recipients).
-- * delivery_outcomes: the same rows (each recipient's last attempt),
--   computed with a window function; message_deliveries: unchanged.
-- * time (both tables) is an INTEGER, UTC seconds since 1970; the views
--   give it as before, ISO 8601 text (strftime; narrower rows, and no text
--   to build per row when storing). Filter on the tables' integer when a
--   query must not compute the text for every row.
-- * log_lines.log_file_id and log_deliveries.ev_log_file_id hold a
--   log_files id but are not declared REFERENCES: the writer takes them
--   from the row it inserted, and a declared key costs a lookup per row.
-- * log_queue, log_queue_rcpt (new tables): what is known of a message a
--   later run may still deliver (first Message-ID and sender; attempts and
--   last status per recipient). They answer what the indexes were kept for
--   (a retry or an expiry in a later run), with rows for the messages still
--   queued instead of an index entry per line and per delivery.
-- * Indexes: log_events_queue, deliveries_queue and deliveries_message_id
--   are dropped. Lookups of log_events or deliveries by queue id or
--   Message-ID read the tables; message_deliveries joins through
--   messages_message_id.
--
-- Rows of a database from before this migration are moved over as they
-- were: its log_events rows into log_lines (the delivery lines included)
-- and its deliveries rows into log_deliveries with ev_log_file_id NULL;
-- log_queue gets a row per queue id of its lines, with the first
-- Message-ID and sender they carried, and log_queue_rcpt a row per
-- recipient of it with its attempts.

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

-- What is known of a queued message that a later run may still deliver:
-- ingest carries a message's Message-ID, sender and per-recipient attempts
-- from line to line in memory, and writes them here for the messages still
-- queued when it commits or stops, forgotten by its bounded memory, or that
-- left the queue with a delivery still lacking its Message-ID or sender. A
-- run that meets a message whose arrival it did not read (a retry days
-- later, an expiry) reads them back; after each run, the deliveries still
-- lacking a Message-ID or sender take them from here (the first row of the
-- queue id having one). One row per message and moment written.
CREATE TABLE log_queue (
    id            INTEGER PRIMARY KEY,
    host          TEXT,                   -- the logging host
    queue_id      TEXT NOT NULL,
    message_id    TEXT,                   -- first Message-ID known for the message, without <>
    sender        TEXT                    -- first envelope sender known for it ('' = null sender)
);
-- Per recipient of a log_queue row: its attempts so far (a later row of the
-- same queue id and recipient replaces an earlier one).
CREATE TABLE log_queue_rcpt (
    id            INTEGER PRIMARY KEY,
    queue_row     INTEGER NOT NULL,       -- log_queue.id
    recipient     TEXT,                   -- NULL: the deliveries without recipient
    attempts      INTEGER NOT NULL,       -- deliveries to it so far (refusals included)
    status        TEXT NOT NULL,          -- the status of the last one
    last_delivery_id INTEGER NOT NULL     -- the id of the last one (deliveries.id)
);
INSERT INTO log_queue(host, queue_id, message_id, sender)
SELECT k.host, k.queue_id,
       (SELECT e.message_id FROM log_events e WHERE e.queue_id = k.queue_id AND e.host IS k.host
        AND e.message_id IS NOT NULL ORDER BY e.id LIMIT 1),
       (SELECT e.sender FROM log_events e WHERE e.queue_id = k.queue_id AND e.host IS k.host
        AND e.sender IS NOT NULL ORDER BY e.id LIMIT 1)
FROM (SELECT host, queue_id, min(id) AS first FROM log_events WHERE queue_id IS NOT NULL
      GROUP BY host, queue_id) k
ORDER BY k.first;
CREATE INDEX log_queue_queue ON log_queue(queue_id);
-- (status and id of each group's last delivery: SQLite takes bare columns from the max() row)
INSERT INTO log_queue_rcpt(queue_row, recipient, attempts, status, last_delivery_id)
SELECT (SELECT q.id FROM log_queue q WHERE q.queue_id = d.queue_id AND q.host IS d.host),
       d.recipient, count(*), d.status, max(d.id)
FROM deliveries d WHERE d.queue_id IS NOT NULL
GROUP BY d.queue_id, d.host, d.recipient
ORDER BY max(d.id);
CREATE INDEX log_queue_rcpt_row ON log_queue_rcpt(queue_row);

DROP VIEW delivery_outcomes;
DROP VIEW message_deliveries;
DROP TABLE deliveries;
DROP TABLE log_events;

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

-- Each recipient's final outcome, as in 0002: the last attempt per (host,
-- queue id, recipient); a refusal at SMTP time has no queue id and stands
-- alone. (Computed with a window over all deliveries rather than a lookup
-- per row: there is no index on the queue id.)
CREATE VIEW delivery_outcomes AS
SELECT id, log_event_id, time, mta, host, queue_id, message_id, sender, recipient,
       recipient_domain, relay_host, relay_ip, status, dsn, reply_code, reply_text, delay,
       attempt, local, reason, hard, reason_rule, provider, blocklist, blocklist_misconfig,
       client_ip, sasl_user
FROM (SELECT d.*, max(d.id) OVER (PARTITION BY d.queue_id, d.host, d.recipient) AS last_id
      FROM deliveries d)
WHERE queue_id IS NULL OR id = last_id;

CREATE VIEW message_deliveries AS
SELECT m.id AS message_rowid, m.subject, m.from_address, m.from_domain, d.*
FROM deliveries d JOIN messages m ON m.message_id = d.message_id;
