-- mailaudit database, migration 0010: one more index for `mailaudit report`
-- (schemas/report.md). Only an index: a report over an older database is the
-- same, only slower.

-- The open-relay signs judge recipients against the local domains, which
-- the report infers from the whole database when --local-domain is not given:
-- the domains of the mailboxes copies were found in and of the deliveries the
-- MTA made locally (report/openrelay.c). Without this index every report,
-- a day's too, read all of log_deliveries for the few local ones: 0.3 s of a
-- 2 s daily report on the bench database. Only local deliveries are in it
-- (none on a server that only sends).
CREATE INDEX log_deliveries_local ON log_deliveries(recipient_domain) WHERE local = 1;
