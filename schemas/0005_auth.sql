-- mailaudit database, migration 0005: the rest of the authentication
-- picture of each stored message (DKIM is in 0003): the envelope rebuilt
-- from the trace headers, SPF for both identities, iprev and the HELO
-- checks, DMARC, ARC, what the receivers claimed against what we find, and
-- the bulk-sender requirements. Re-verifying a message (ingest --reverify)
-- replaces all its rows. Times are ISO 8601 UTC.

-- One row per SPF identity checked (helo, mailfrom) per message.
-- (WITHOUT ROWID tables here: one B-tree per table, rows written in key order.)
CREATE TABLE spf_results (
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    identity         TEXT NOT NULL,   -- mailfrom | helo
    ip               TEXT,            -- client IP checked
    ip_source        TEXT,            -- where the IP came from: received (the entry hop) | received-spf | authentication-results | log (the MTA log session that queued the Message-ID) | override (check --ip) | NULL unknown
    helo             TEXT,            -- HELO name used
    helo_source      TEXT,            -- same vocabulary as ip_source
    mail_from        TEXT,            -- MAIL FROM used ('' = null sender)
    mail_from_source TEXT,            -- same vocabulary, plus return-path
    sender           TEXT,            -- the identity evaluated (postmaster@HELO for the null sender)
    domain           TEXT,            -- the domain checked
    result           TEXT NOT NULL,   -- RFC 8601: pass | fail | softfail | neutral | none | temperror | permerror
    reason           TEXT,            -- for none/neutral/errors: why ("no SPF record", "more than 10 DNS-querying terms", "no DNS source", ...)
    mechanism        TEXT,            -- the term that decided, as written ("-all", "ip4:192.0.2.0/24", "include:...")
    explanation      TEXT,            -- exp= text of a fail
    record           TEXT,            -- the SPF record of the domain
    lookups          INTEGER,         -- DNS-querying terms evaluated
    void_lookups     INTEGER,         -- of which NXDOMAIN or empty
    sender_id_record TEXT,            -- a legacy Sender ID record (spf2.0/...) of the domain (mailfrom row only)
    PRIMARY KEY (message_id, identity)
) WITHOUT ROWID;

-- One row per message: reverse DNS of the client and the HELO checks.
CREATE TABLE iprev_results (
    message_id        INTEGER PRIMARY KEY REFERENCES messages(id),
    ip                TEXT,
    result            TEXT NOT NULL,  -- RFC 8601 iprev: pass (PTR forward-confirmed) | fail | temperror | permerror | none (no IP)
    reason            TEXT,
    ptr_names         TEXT,           -- PTR names found, joined with ' '
    confirmed_name    TEXT,           -- the PTR name that resolves back to the IP
    rdns_recorded     TEXT,           -- the name the receiver recorded in its Received header (then)
    received_by       TEXT,           -- the receiving host of the entry hop
    tls               INTEGER,        -- 1: the entry hop used TLS; NULL: no entry hop found
    helo              TEXT,
    helo_fqdn         INTEGER NOT NULL,
    helo_ip_literal   INTEGER NOT NULL,
    helo_resolves     INTEGER NOT NULL,
    helo_points_to_ip INTEGER NOT NULL,
    helo_matches_ptr  INTEGER NOT NULL,
    helo_reason       TEXT            -- the HELO verdict in words
);

-- One row per message: DMARC (RFC 9989).
CREATE TABLE dmarc_results (
    message_id    INTEGER PRIMARY KEY REFERENCES messages(id),
    from_domain   TEXT,
    result        TEXT NOT NULL,   -- pass | fail | none | temperror | permerror (several From domains)
    reason        TEXT,
    method        TEXT NOT NULL,   -- how organizational domains were found: tree walk (RFC 9989) | public suffix list (RFC 7489)
    policy_domain TEXT,            -- where the record was found
    org_domain    TEXT,            -- organizational domain of the From domain
    record        TEXT,
    policy        TEXT,            -- policy that applies: none | quarantine | reject
    policy_tag    TEXT,            -- the tag that gave it: p | sp | np
    disposition   TEXT,            -- what the policy asks for this message (t=y lowers it one step)
    testing       INTEGER NOT NULL,-- t=y
    pct           INTEGER,         -- RFC 7489 pct= when present
    adkim         TEXT,            -- r | s
    aspf          TEXT,            -- r | s
    spf_aligned   INTEGER NOT NULL,-- SPF passed for a domain aligned with From
    dkim_aligned  INTEGER NOT NULL,-- a DKIM signature passed for a domain aligned with From
    dkim_domain   TEXT,            -- the aligned passing d=
    rua           TEXT,
    queries       INTEGER          -- DNS queries the evaluation made
);

-- One row per message with ARC headers: the chain.
CREATE TABLE arc_results (
    message_id  INTEGER PRIMARY KEY REFERENCES messages(id),
    result      TEXT NOT NULL,     -- none | pass | fail (the cv of the chain)
    n_sets      INTEGER NOT NULL,  -- highest instance seen
    oldest_pass INTEGER,           -- RFC 8617 oldest-pass (0: every AMS verified), NULL unless pass
    reason      TEXT,              -- why the chain failed ("AMS i=2 body hash mismatch")
    sealed_at   TEXT               -- t= of the last seal
);

-- One row per ARC instance of a message.
CREATE TABLE arc_sets (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL REFERENCES messages(id),
    instance        INTEGER NOT NULL, -- i=
    ams_result      TEXT,             -- pass | fail | ... of the ARC-Message-Signature
    ams_domain      TEXT,
    ams_selector    TEXT,
    as_result       TEXT,             -- of the ARC-Seal
    as_domain       TEXT,
    as_selector     TEXT,
    cv              TEXT,             -- cv= as written
    aar_authserv_id TEXT,             -- who added this instance
    aar_results     TEXT,             -- what that hop recorded (the ARC-Authentication-Results text)
    reason          TEXT,             -- this set's first problem
    UNIQUE (message_id, instance)
);

-- One row per claim a receiver wrote in Authentication-Results,
-- ARC-Authentication-Results or Received-SPF, with our finding beside it.
CREATE TABLE auth_claims (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages(id),
    field        INTEGER NOT NULL,  -- index of the header field (0 = topmost)
    source       TEXT NOT NULL,     -- authentication-results | arc-authentication-results | received-spf
    arc_instance INTEGER,           -- i= of an ARC-Authentication-Results
    authserv_id  TEXT,              -- the receiver that wrote it
    method       TEXT NOT NULL,     -- spf | dkim | dmarc | arc | iprev | auth | compauth | ...
    result       TEXT NOT NULL,     -- as the receiver wrote it
    reason       TEXT,              -- reason= of the claim
    comment      TEXT,              -- the comment after the result (Microsoft and Gmail put reasons there)
    properties   TEXT,              -- ptype.property=value pairs joined with '; '
    ours         TEXT,              -- our result for the same thing
    verdict      TEXT NOT NULL,     -- same | different | not compared
    cause        TEXT               -- different: the likely cause (key rotated or removed since arrival, record changed, message modified after the receiver, we lack the DNS answer); not compared: why
);
CREATE INDEX auth_claims_message ON auth_claims(message_id);

-- The bulk-sender requirements (Gmail/Yahoo 2024) of each message, stored as
-- one row per message (a JSON array of [requirement, status, evidence]) and
-- read through the view `requirements` below.
CREATE TABLE requirement_sets (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id),
    checks     TEXT NOT NULL      -- JSON: [["spf_pass","pass","spf=pass for ..."], ...]
);

-- One row per bulk-sender requirement per message.
--   message_id   the message
--   requirement  spf_pass | dkim_pass | dmarc_record | dmarc_pass | one_click_unsubscribe | unsubscribe | message_id | single_from | ptr_fcrdns | tls | dkim_key_1024 | gmail_from
--   status       pass | fail | unknown (evidence missing: no DNS source, no entry hop)
--   evidence     what decided it
CREATE VIEW requirements AS
    SELECT r.message_id AS message_id,
           json_extract(j.value, '$[0]') AS requirement,
           json_extract(j.value, '$[1]') AS status,
           json_extract(j.value, '$[2]') AS evidence
    FROM requirement_sets r, json_each(r.checks) j;
