-- mailaudit database, migration 0001: sources, messages and what was parsed
-- from them. Every column is documented here: users query this database with
-- sqlite3. Times are ISO 8601 UTC text ("2025-04-01T10:00:00Z"); sizes are
-- bytes; booleans are 0/1. Identifiers (id) are SQLite rowids.
--
-- Idempotence: a message is identified by the SHA-256 of its raw bytes
-- (messages.sha256); each place it was found is a row of `sightings`.
-- A source file whose path, size and mtime are unchanged since a completed
-- read is skipped without being opened.

-- One row per `mailaudit` run that wrote to the database.
CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    command       TEXT NOT NULL,          -- "ingest"
    version       TEXT NOT NULL,          -- mailaudit version that ran
    started_at    TEXT NOT NULL,          -- when the run began
    finished_at   TEXT,                   -- when it ended; NULL if it was interrupted
    files_seen    INTEGER NOT NULL DEFAULT 0, -- files found under the given paths
    files_skipped INTEGER NOT NULL DEFAULT 0, -- unchanged since a completed read, not opened
    files_failed  INTEGER NOT NULL DEFAULT 0, -- could not be read (see sources.error)
    messages_new  INTEGER NOT NULL DEFAULT 0, -- messages stored for the first time
    messages_seen INTEGER NOT NULL DEFAULT 0, -- messages read, including ones already stored
    bytes_read    INTEGER NOT NULL DEFAULT 0  -- uncompressed bytes read
);

-- One row per input file ever read (by absolute path).
CREATE TABLE sources (
    id          INTEGER PRIMARY KEY,
    path        TEXT NOT NULL UNIQUE,     -- absolute path of the file
    format      TEXT NOT NULL,            -- what its content is: message | mbox | log | empty | unknown
    container   TEXT NOT NULL,            -- where it sits: file | maildir | hmail_account | hmail_public | hmail_queue | mbox
    compressed  INTEGER NOT NULL,         -- 1 when the file is gzip-compressed (read transparently)
    size        INTEGER NOT NULL,         -- size on disk when last read
    mtime_ns    INTEGER NOT NULL,         -- modification time (ns since the epoch) when last read
    status      TEXT NOT NULL,            -- reading (interrupted or in progress) | done | error
    error       TEXT,                     -- why it could not be read (status error), else NULL
    n_messages  INTEGER NOT NULL DEFAULT 0, -- messages found in it at the last read
    bytes_read  INTEGER NOT NULL DEFAULT 0, -- uncompressed bytes read at the last read
    first_read  TEXT NOT NULL,            -- first time it was read
    last_read   TEXT NOT NULL,            -- last time it was read
    run_id      INTEGER REFERENCES runs(id) -- the run that last read it
);

-- One row per distinct message (distinct raw bytes).
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    sha256          TEXT NOT NULL UNIQUE, -- SHA-256 of the raw message bytes (lowercase hex): its identity
    size            INTEGER NOT NULL,     -- raw size in bytes
    message_id      TEXT,                 -- Message-ID without <>, NULL when absent
    subject         TEXT,                 -- Subject, RFC 2047 decoded to UTF-8
    from_address    TEXT,                 -- first From addr-spec as written
    from_name       TEXT,                 -- its display name, decoded
    from_domain     TEXT,                 -- its domain, lowercased (the domain DMARC aligns with)
    return_path     TEXT,                 -- Return-Path address; '' for the null sender <>; NULL when absent
    to_addresses    TEXT,                 -- To and Cc addresses joined by ", " (see table addresses for each)
    date            TEXT,                 -- Date header in UTC; NULL when absent or unparseable
    date_tz         INTEGER,              -- the Date header's zone, minutes east of UTC
    arrival         TEXT,                 -- topmost Received date (else Date): when the mail arrived
    placement       TEXT NOT NULL,        -- inbox | spam | unknown, decided at the first sighting (see sightings)
    placement_evidence TEXT,              -- what decided it, e.g. folder:Junk, header:X-Spam-Flag=YES, gmail-label:Spam
    gmail_labels    TEXT,                 -- X-Gmail-Labels value (Google Takeout), NULL when absent
    n_parts         INTEGER NOT NULL,     -- MIME nodes (containers and leaves)
    n_attachments   INTEGER NOT NULL,     -- leaves that are attachments
    n_received      INTEGER NOT NULL,     -- Received header fields
    n_anomalies     INTEGER NOT NULL,     -- rows in anomalies for this message (plus any dropped past the ceiling)
    header_block    BLOB NOT NULL,        -- the raw header block, byte-exact (for rules and re-verification)
    first_source_id INTEGER NOT NULL REFERENCES sources(id), -- where it was first found
    first_offset    INTEGER NOT NULL,     -- byte offset there
    run_id          INTEGER REFERENCES runs(id) -- the run that stored it
);
CREATE INDEX messages_from_domain ON messages(from_domain);
CREATE INDEX messages_message_id ON messages(message_id);

-- Every place a message was found: a file, an mbox offset, a folder, an account.
CREATE TABLE sightings (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    source_id   INTEGER NOT NULL REFERENCES sources(id),
    offset      INTEGER NOT NULL,         -- byte offset of the message in the (uncompressed) source; 0 for a one-message file
    length      INTEGER NOT NULL,         -- bytes of the message there (after mbox unquoting)
    folder      TEXT,                     -- folder or mailbox name (Maildir folder, mbox file name), NULL when unknown
    account     TEXT,                     -- account (hMailServer local part), NULL when unknown
    domain      TEXT,                     -- mailbox domain (hMailServer), NULL when unknown
    maildir_flags TEXT,                   -- Maildir flags (e.g. "RS"), NULL elsewhere
    placement   TEXT NOT NULL,            -- inbox | spam | unknown for this copy
    placement_evidence TEXT,              -- what decided it
    UNIQUE (source_id, offset)
);
CREATE INDEX sightings_message ON sightings(message_id);

-- The addresses of From, To, Cc, Reply-To and Return-Path, in order.
CREATE TABLE addresses (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    field       TEXT NOT NULL,            -- from | to | cc | reply-to | return-path
    position    INTEGER NOT NULL,         -- 0-based order within the field
    name        TEXT,                     -- display name, decoded
    address     TEXT NOT NULL,            -- addr-spec as written ('' for <>)
    domain      TEXT,                     -- domain lowercased
    grp         TEXT,                     -- RFC 5322 group name, if any
    PRIMARY KEY (message_id, field, position)
) WITHOUT ROWID;

-- The MIME tree, one row per node (containers and leaves), in document order.
CREATE TABLE parts (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    path          TEXT NOT NULL,          -- "1" is the root; children of P are P.1, P.2...; the body of message/rfc822 P is P.1
    depth         INTEGER NOT NULL,       -- 0 for the root
    content_type  TEXT NOT NULL,          -- lowercased type/subtype (defaulted per RFC 2045 when absent)
    charset       TEXT,                   -- lowercased charset parameter
    transfer_encoding TEXT,               -- Content-Transfer-Encoding, lowercased; NULL when absent
    disposition   TEXT,                   -- inline | attachment | NULL
    filename      TEXT,                   -- decoded file name (RFC 2231/2047), NULL when none
    size          INTEGER,                -- decoded bytes (leaves); NULL for containers
    sha256        TEXT,                   -- SHA-256 of the decoded bytes (leaves); NULL for containers
    detected_type TEXT,                   -- type from the bytes: pe, elf, zip, ooxml, pdf, png, ... (leaves)
    is_attachment INTEGER NOT NULL,       -- 1 when treated as an attachment
    UNIQUE (message_id, path)
);

-- Members of ZIP (and OOXML) attachments, from the central directory.
CREATE TABLE archive_members (
    part_id     INTEGER NOT NULL REFERENCES parts(id),
    position    INTEGER NOT NULL,         -- 0-based order in the central directory
    name        TEXT NOT NULL,            -- member path as stored
    size        INTEGER NOT NULL,         -- uncompressed size claimed
    compressed_size INTEGER NOT NULL,     -- compressed size
    encrypted   INTEGER NOT NULL,         -- 1 when the member is encrypted
    is_dir      INTEGER NOT NULL,         -- 1 for a directory entry
    PRIMARY KEY (part_id, position)
) WITHOUT ROWID;

-- Links found in HTML parts (href and the visible text).
CREATE TABLE links (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    position    INTEGER NOT NULL,         -- 0-based order over the whole message
    part_path   TEXT NOT NULL,            -- the HTML part it came from
    href        TEXT NOT NULL,
    text        TEXT,                     -- visible text of the link
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

-- Images referenced by HTML parts.
CREATE TABLE images (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    position    INTEGER NOT NULL,
    part_path   TEXT NOT NULL,
    src         TEXT NOT NULL,
    kind        TEXT NOT NULL,            -- remote | cid | data | other
    width       INTEGER,                  -- from attributes or style; NULL when absent
    height      INTEGER,
    tracking_pixel INTEGER NOT NULL,      -- 1 for a remote image of at most 2x2 pixels or hidden
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID;

-- The Received chain: hop 0 is the topmost header (the last hop, nearest the mailbox).
CREATE TABLE received (
    message_id  INTEGER NOT NULL REFERENCES messages(id),
    hop         INTEGER NOT NULL,
    from_helo   TEXT,                     -- name the client gave in HELO/EHLO
    from_rdns   TEXT,                     -- reverse-DNS name recorded by the receiver
    from_ip     TEXT,                     -- client IP (v4 or v6)
    by_host     TEXT,                     -- receiving host
    with_proto  TEXT,                     -- SMTP, ESMTP, ESMTPS, ESMTPSA, LMTP, ...
    tls         INTEGER NOT NULL,         -- 1 when the hop is known to have used TLS
    tls_detail  TEXT,                     -- protocol/cipher as recorded
    smtp_id     TEXT,                     -- the receiver's queue id
    for_addr    TEXT,                     -- the "for" recipient
    date        TEXT,                     -- the hop's date, UTC; NULL when unparseable
    parsed      INTEGER NOT NULL,         -- 0 when the header could not be parsed
    raw         TEXT NOT NULL,            -- the unfolded header value
    PRIMARY KEY (message_id, hop)
) WITHOUT ROWID;

-- Anomalies: what was malformed, on a message (message_id) or on a source file (source_id).
-- code is a stable name such as mime.unclosed (list: `mailaudit check --list-anomalies`).
CREATE TABLE anomalies (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER REFERENCES messages(id),
    source_id   INTEGER REFERENCES sources(id),
    code        TEXT NOT NULL,
    detail      TEXT
);
CREATE INDEX anomalies_message ON anomalies(message_id);
CREATE INDEX anomalies_source ON anomalies(source_id);
