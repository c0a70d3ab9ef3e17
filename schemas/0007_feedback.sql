-- mailaudit database, migration 0007: feedback that mailbox providers send
-- back. When `ingest` stores a message it also recognises and decodes, in
-- any source (.eml, mbox, Maildir, hMailServer Data):
--   * DMARC aggregate reports (RFC 7489 appendix C and RFC 9990 XML, attached
--     as .xml, .xml.gz or .zip, or as the whole body) -> dmarc_reports,
--     dmarc_report_rows;
--   * complaint and DMARC failure reports (RFC 5965 ARF, RFC 6591
--     auth-failure, Microsoft JMRP) -> feedback_reports;
--   * SMTP TLS reports (RFC 8460 JSON, usually gzip) -> tlsrpt_reports,
--     tlsrpt_policies, tlsrpt_failures;
--   * bounce messages (RFC 3464 DSNs and the common non-standard bounces)
--     -> bounce_messages, bounce_recipients, and so rows of `deliveries`
--     with source = 'bounce'; auto-replies are recorded in bounce_messages
--     with kind = 'autoreply' and are not deliveries.
-- The carrier message is stored in `messages` as any other message; the rows
-- here point to it. Times are ISO 8601 UTC text, as in the other tables.

-- The Feedback-ID header (Gmail's feedback loop, "a:b:c:SenderId"), for
-- grouping messages into campaigns; NULL when absent.
ALTER TABLE messages ADD COLUMN feedback_id TEXT;
-- What the message is as feedback: dmarc-aggregate | dmarc-failure |
-- complaint | tlsrpt | bounce | autoreply; NULL for ordinary mail.
ALTER TABLE messages ADD COLUMN feedback_kind TEXT;
-- The List-Id header's identifier (the part in <>, else the value), NULL
-- when absent: the first choice of a campaign key (README "Campaigns").
ALTER TABLE messages ADD COLUMN list_id TEXT;
-- The first of X-Campaign, X-Campaign-ID, X-CampaignID, X-Campaign-Name,
-- X-Mailgun-Campaign-Id (ESPs' campaign headers), NULL when none.
ALTER TABLE messages ADD COLUMN campaign_id TEXT;

-- One row per DMARC aggregate report. The same report (same reporter
-- org_name, report_id and policy domain) received twice, or re-ingested, is
-- stored once: the first message that carried it keeps it.
CREATE TABLE dmarc_reports (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id), -- the message that carried it
    part          TEXT,              -- MIME path of the attachment, e.g. "1.2" ("1": the body)
    file_name     TEXT,              -- the attachment's name; for a ZIP, "name.zip:member.xml"
    org_name      TEXT,              -- report_metadata/org_name: the reporter (google.com, Outlook.com, ...)
    email         TEXT,              -- report_metadata/email
    extra_contact_info TEXT,
    report_id     TEXT,
    date_begin    TEXT,              -- date_range begin (ISO 8601 UTC)
    date_end      TEXT,              -- date_range end
    version       TEXT,              -- <version> ("1.0" in RFC 9990 reports; often absent)
    generator     TEXT,              -- RFC 9990 report_metadata/generator
    errors        TEXT,              -- report_metadata/error values joined by "; "
    domain        TEXT,              -- policy_published: the domain the report is about
    adkim         TEXT,              -- r | s
    aspf          TEXT,              -- r | s
    p             TEXT,              -- none | quarantine | reject: the policy as the reporter saw it
    sp            TEXT,
    np            TEXT,              -- RFC 9990
    pct           INTEGER,           -- NULL when absent (RFC 9990 dropped it)
    fo            TEXT,
    testing       TEXT,              -- RFC 9990 t= (y | n)
    discovery_method TEXT,           -- RFC 9990: psl | treewalk
    n_rows        INTEGER NOT NULL,  -- rows in dmarc_report_rows
    first_row     INTEGER,           -- the report's rows are dmarc_report_rows.id first_row..last_row
    last_row      INTEGER,           -- (written in one go, so contiguous; NULL when it has none)
    n_messages    INTEGER NOT NULL,  -- sum of their counts
    status        TEXT NOT NULL,     -- complete | limit (a ceiling stopped it: rows so far kept) | malformed (XML error: rows before it kept)
    error         TEXT,              -- what stopped it and where, NULL when complete
    UNIQUE (org_name, report_id, domain)
);
CREATE INDEX dmarc_reports_message ON dmarc_reports(message_id);

-- One row per <record> of an aggregate report.
CREATE TABLE dmarc_report_rows (
    id            INTEGER PRIMARY KEY,
    report        INTEGER NOT NULL,  -- dmarc_reports.id (no REFERENCES clause: rows are written
                                     -- at hundreds of thousands per second, without a lookup each)
    source_ip     TEXT,              -- the sending IP the receiver saw
    count         INTEGER,           -- messages from it in the period (NULL when missing or invalid)
    disposition   TEXT,              -- policy applied: none | quarantine | reject
    dkim          TEXT,              -- DMARC's DKIM verdict (aligned pass?): pass | fail
    spf           TEXT,              -- DMARC's SPF verdict (aligned pass?): pass | fail
    reasons       TEXT,              -- policy override reasons "type" or "type: comment", joined by "; "
    header_from   TEXT,
    envelope_from TEXT,
    envelope_to   TEXT,
    dkim_domain   TEXT,              -- the first auth_results/dkim: d=
    dkim_selector TEXT,
    dkim_result   TEXT,              -- its raw result: pass | fail | none | neutral | policy | temperror | permerror
    spf_domain    TEXT,              -- the first auth_results/spf
    spf_scope     TEXT,              -- mfrom | helo
    spf_result    TEXT,
    more_auth     TEXT               -- further auth results, "dkim d=x.example s=s2 fail; spf d=... pass", NULL when none
);
-- No index on `report`: rows are written at hundreds of thousands per
-- second and read by joining to dmarc_reports (its primary key); the rows of
-- one report are the id range first_row..last_row of dmarc_reports.

-- One row per complaint or DMARC failure report (ARF, RFC 5965/6591).
CREATE TABLE feedback_reports (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL UNIQUE REFERENCES messages(id), -- the report message
    format        TEXT NOT NULL,     -- arf | jmrp | other (see README "Feedback")
    evidence      TEXT,              -- why it was taken as a report
    feedback_type TEXT,              -- abuse | fraud | virus | other | not-spam | auth-failure (DMARC ruf) ...; NULL when the report omits it
    reporter      TEXT,              -- the mailbox provider that sent it (gmail, microsoft, yahoo, ...), from the report's sender, else NULL
    user_agent    TEXT,
    version       TEXT,
    original_mail_from TEXT,
    original_rcpt_to TEXT,           -- all values, ", "-joined
    arrival_date  TEXT,              -- ISO 8601 UTC; NULL when absent or unparsable
    source_ip     TEXT,
    reported_domain TEXT,
    reported_uri  TEXT,
    reporting_mta TEXT,
    incidents     INTEGER NOT NULL,
    authentication_results TEXT,
    auth_failure  TEXT,              -- RFC 6591: dmarc | spf | signature | bodyhash | revoked | adsp
    delivery_result TEXT,            -- RFC 6591: delivered | spam | policy | reject | other
    dkim_domain   TEXT,
    dkim_identity TEXT,
    dkim_selector TEXT,
    identity_alignment TEXT,         -- RFC 7489: none | spf | dkim | "dkim, spf"
    orig_message_id TEXT,            -- Message-ID of the reported message (without <>): links to messages.message_id
    orig_from     TEXT,
    orig_to       TEXT,
    orig_subject  TEXT,
    orig_date     TEXT,              -- as written
    orig_feedback_id TEXT,           -- its Feedback-ID header
    orig_list_id  TEXT
);
CREATE INDEX feedback_reports_orig ON feedback_reports(orig_message_id);

-- Complaints joined to the reported message when it is in the database
-- (original NULL otherwise).
CREATE VIEW complaints AS
SELECT f.*, (SELECT m.id FROM messages m WHERE m.message_id = f.orig_message_id
             ORDER BY m.id LIMIT 1) AS original
FROM feedback_reports f WHERE f.feedback_type IS NOT 'auth-failure' AND f.feedback_type IS NOT 'not-spam';

-- One row per SMTP TLS report (RFC 8460); duplicates (same organisation and
-- report-id) stored once.
CREATE TABLE tlsrpt_reports (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL REFERENCES messages(id),
    part          TEXT,
    file_name     TEXT,
    organization_name TEXT,
    contact_info  TEXT,
    report_id     TEXT,
    date_begin    TEXT,
    date_end      TEXT,
    problems      TEXT,              -- missing or ill-typed fields, NULL when none
    UNIQUE (organization_name, report_id)
);
CREATE TABLE tlsrpt_policies (
    id            INTEGER PRIMARY KEY,
    report        INTEGER NOT NULL REFERENCES tlsrpt_reports(id),
    policy_type   TEXT,              -- sts | tlsa | no-policy-found
    policy_domain TEXT,
    policy_string TEXT,              -- the policy lines joined by newlines
    mx_host       TEXT,              -- MTA-STS mx patterns, ", "-joined
    total_successful INTEGER,        -- sessions that negotiated TLS per the policy
    total_failure INTEGER            -- sessions that failed
);
CREATE INDEX tlsrpt_policies_report ON tlsrpt_policies(report);
CREATE TABLE tlsrpt_failures (
    id            INTEGER PRIMARY KEY,
    policy        INTEGER NOT NULL REFERENCES tlsrpt_policies(id),
    result_type   TEXT,              -- starttls-not-supported | certificate-expired | certificate-host-mismatch | sts-policy-invalid | validation-failure ...
    sending_mta_ip TEXT,
    receiving_mx_hostname TEXT,
    receiving_mx_helo TEXT,
    receiving_ip  TEXT,
    failed_session_count INTEGER,
    additional_information TEXT,
    failure_reason_code TEXT
);
CREATE INDEX tlsrpt_failures_policy ON tlsrpt_failures(policy);

-- One row per bounce message or auto-reply.
CREATE TABLE bounce_messages (
    id            INTEGER PRIMARY KEY,
    message_id    INTEGER NOT NULL UNIQUE REFERENCES messages(id), -- the bounce itself
    kind          TEXT NOT NULL,     -- bounce | autoreply
    format        TEXT NOT NULL,     -- rfc3464 | hmailserver | exchange | office365 | gmail | qmail | postfix | exim | sendmail | yahoo | ... | autoreply
    evidence      TEXT,              -- why it was taken as one
    reporting_mta TEXT,
    arrival_date  TEXT,              -- as written
    original_envelope_id TEXT,
    orig_message_id TEXT,            -- Message-ID of the returned original (without <>), when included
    orig_from     TEXT,
    orig_to       TEXT,
    orig_subject  TEXT,
    n_recipients  INTEGER NOT NULL,  -- rows in bounce_recipients
    dropped_recipients INTEGER NOT NULL -- recipients past the ceiling (DSN_MAX_RCPT)
);
CREATE INDEX bounce_messages_orig ON bounce_messages(orig_message_id);

-- One row per recipient a bounce reports on (auto-replies: the address that
-- replied, action 'delivered').
CREATE TABLE bounce_recipients (
    id            INTEGER PRIMARY KEY,
    bounce        INTEGER NOT NULL REFERENCES bounce_messages(id),
    time          INTEGER,           -- Last-Attempt-Date, else the bounce's Date (Unix seconds)
    recipient     TEXT,              -- Final-Recipient address
    recipient_domain TEXT,
    original_recipient TEXT,
    action        TEXT,              -- failed | delayed | delivered | relayed | expanded (as the DSN says)
    status        TEXT NOT NULL,     -- in the deliveries vocabulary: bounced | expired | deferred | sent
    dsn           TEXT,              -- enhanced status code, e.g. 5.1.1
    reply_code    INTEGER,
    reply_text    TEXT,              -- Diagnostic-Code text (or the reply quoted by a non-standard bounce)
    diagnostic_type TEXT,            -- smtp | x-unix | ...
    remote_mta    TEXT,
    will_retry_until TEXT,
    reason        TEXT,              -- Sisimai reason word, from the same tables as the logs (logs/classify.c)
    hard          INTEGER NOT NULL,
    reason_rule   TEXT,
    provider      TEXT,              -- recipient's mailbox provider
    blocklist     TEXT,
    blocklist_misconfig INTEGER NOT NULL
);
CREATE INDEX bounce_recipients_bounce ON bounce_recipients(bounce);

-- `deliveries` now also holds the recipients of bounce messages: a new
-- column `source` says 'log' (a line of an MTA log) or 'bounce' (a bounce
-- message); `bounce_message` is then the messages.id of the bounce. Bounce
-- rows have negative ids (-bounce_recipients.id) so that ids stay unique,
-- mta 'bounce', host the Reporting-MTA, message_id the returned original's
-- Message-ID, sender its From, relay_host the Remote-MTA; queue_id, delay,
-- attempt, client_ip and sasl_user are NULL. A rejection seen both in the
-- log and in the bounce it caused appears twice, once per source: count one
-- source at a time.
DROP VIEW message_deliveries;
DROP VIEW delivery_outcomes;
DROP VIEW deliveries;

CREATE VIEW deliveries AS
SELECT id, log_event_id, strftime('%Y-%m-%dT%H:%M:%SZ', time, 'unixepoch') AS time, mta, host,
       queue_id, message_id, sender, recipient, recipient_domain, relay_host, relay_ip, status,
       dsn, reply_code, reply_text, delay, attempt, local, reason, hard, reason_rule, provider,
       blocklist, blocklist_misconfig, client_ip, sasl_user, 'log' AS source,
       NULL AS bounce_message
FROM log_deliveries
UNION ALL
SELECT -r.id, NULL, strftime('%Y-%m-%dT%H:%M:%SZ', r.time, 'unixepoch'), 'bounce', b.reporting_mta,
       NULL, b.orig_message_id, b.orig_from, r.recipient, r.recipient_domain, r.remote_mta, NULL,
       r.status, r.dsn, r.reply_code, r.reply_text, NULL, NULL, 0, r.reason, r.hard,
       r.reason_rule, r.provider, r.blocklist, r.blocklist_misconfig, NULL, NULL, 'bounce',
       b.message_id
FROM bounce_recipients r JOIN bounce_messages b ON b.id = r.bounce
WHERE b.kind = 'bounce';

CREATE VIEW delivery_outcomes AS
SELECT id, log_event_id, time, mta, host, queue_id, message_id, sender, recipient,
       recipient_domain, relay_host, relay_ip, status, dsn, reply_code, reply_text, delay,
       attempt, local, reason, hard, reason_rule, provider, blocklist, blocklist_misconfig,
       client_ip, sasl_user, source, bounce_message
FROM (SELECT d.*, max(d.id) OVER (PARTITION BY d.queue_id, d.host, d.recipient) AS last_id
      FROM deliveries d)
WHERE queue_id IS NULL OR id = last_id;

CREATE VIEW message_deliveries AS
SELECT m.id AS message_rowid, m.subject, m.from_address, m.from_domain, d.*
FROM deliveries d JOIN messages m ON m.message_id = d.message_id;
