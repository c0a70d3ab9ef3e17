-- mailaudit database, migration 0003: DKIM verdicts and the DNS answers they
-- were reached with. Times are ISO 8601 UTC.

-- One row per DKIM-Signature (or legacy DomainKey-Signature) field of a
-- stored message, in header order. Re-verifying a message (ingest
-- --reverify) replaces its rows.
CREATE TABLE dkim_signatures (
    message_id       INTEGER NOT NULL REFERENCES messages(id),
    position         INTEGER NOT NULL,   -- 0-based among the message's signature fields, topmost first
    legacy           INTEGER NOT NULL,   -- 1: a DomainKey-Signature (RFC 4870), listed, not verified
    domain           TEXT,               -- d= (lowercase); NULL when the signature could not be read
    selector         TEXT,               -- s= (lowercase)
    algorithm        TEXT,               -- a= as written: rsa-sha256 | ed25519-sha256 | rsa-sha1 | ...
    canonicalization TEXT,               -- c= normalised header/body: relaxed/simple ...
    headers          TEXT,               -- h= as written, names joined with ':' (over-signed names repeated)
    auid             TEXT,               -- i= decoded
    body_length      INTEGER,            -- l= (NULL: the whole body is signed)
    body_bytes       INTEGER,            -- length of the canonical body as received (NULL when not computed)
    body_partial     INTEGER NOT NULL,   -- 1: l= signs less than the whole body (the rest is unsigned, spoofable)
    signed_at        TEXT,               -- t=
    expires_at       TEXT,               -- x=
    judged_at        TEXT,               -- the time t= and x= were judged at
    judged_by        TEXT,               -- where that time came from: arrival (topmost Received) | date (Date header) | now | given (--at)
    key_type         TEXT,               -- k= of the key used: rsa | ed25519; NULL when no key was decoded
    key_bits         INTEGER,            -- size of the public key (NULL when no key was decoded)
    key_testing      INTEGER NOT NULL,   -- 1: the key record has t=y (testing)
    key_record       TEXT,               -- the TXT record text used (strings joined)
    key_source       TEXT,               -- snapshot | db | live | none: where the key record came from
    result           TEXT NOT NULL,      -- RFC 8601: pass | fail | policy | neutral | temperror | permerror
    reason           TEXT,               -- why, for every non-pass (vocabulary: README "DKIM reasons"), with its detail ("syntax error in tag h")
    detail           TEXT,               -- diagnosis for a post-mortem (footer added, l= spoofable, would verify but for the key size, ...)
    crypto_ok        INTEGER NOT NULL,   -- 1: the body hash and signature verified (also for a policy result)
    from_relation    TEXT NOT NULL,      -- d= against the From domain: same | parent | child | none
    PRIMARY KEY (message_id, position)
) WITHOUT ROWID; -- one B-tree, rows appended in message order; no other index (reports scan)

-- Every DNS answer a verification used, one row per record (a negative
-- answer is one row with data NULL), with where it came from and when. A
-- later `ingest --dns-from-db` (or `check --dns-from-db`) answers from these
-- rows — for each (qname, qtype) the answer fetched last — so verdicts can
-- be reproduced after the records changed.
CREATE TABLE dns_records (
    id           INTEGER PRIMARY KEY,
    qname        TEXT NOT NULL,     -- the name asked, lowercase, no trailing dot
    qtype        TEXT NOT NULL,     -- A | AAAA | MX | TXT | PTR | CNAME | NS | SPF
    rcode        TEXT NOT NULL,     -- ok | nxdomain | nodata | tempfail
    answer_sha   TEXT NOT NULL,     -- SHA-256 over the whole answer (rcode and every record in order): rows of one answer share it
    position     INTEGER NOT NULL,  -- 0-based index of the record in the answer (0 for a negative answer)
    ttl          INTEGER,
    pref         INTEGER,           -- MX preference
    data         TEXT,              -- the record: address, target name, or TXT strings joined; NULL for a negative answer
    cname        TEXT,              -- the name the records belong to after CNAMEs, when different
    error        TEXT,              -- tempfail: why
    source       TEXT NOT NULL,     -- snapshot | db | live
    fetched_at   TEXT NOT NULL,     -- when the answer was first obtained (live) or first used (snapshot)
    last_used_at TEXT NOT NULL,     -- when a run last used it
    UNIQUE (qname, qtype, answer_sha, position)
);
