-- mailaudit database, migration 0008: indexes for `mailaudit report`
-- (schemas/report.md). Nothing is added or changed but indexes, so a report
-- over an older database is the same, only slower.

-- The open-relay signs (report: infrastructure) read only the lines of
-- unauthenticated clients: the accepted RCPTs (by time, for the period) and
-- the client/queued lines of queued messages (by queue id, to find their
-- deliveries). Partial indexes: a few lines of a log, not all of it.
CREATE INDEX log_lines_open_rcpt ON log_lines(time)
    WHERE kind = 'rcpt' AND sasl_user IS NULL AND client_ip IS NOT NULL;
CREATE INDEX log_lines_open_client ON log_lines(queue_id)
    WHERE kind IN ('client', 'queued') AND sasl_user IS NULL AND client_ip IS NOT NULL;

-- A report for a period (--since/--until: the daily report of a cron job)
-- reads that period's messages and deliveries, not the whole database.
-- A message's time is its arrival, else its Date (as in the report).
CREATE INDEX messages_time ON messages(coalesce(arrival, date));
CREATE INDEX log_deliveries_time ON log_deliveries(time);
