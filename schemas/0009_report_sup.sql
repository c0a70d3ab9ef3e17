-- mailaudit database, migration 0009: one more index for `mailaudit report`
-- (schemas/report.md). Only an index: a report over an older database is the
-- same, only slower.

-- Each recipient's final outcome leaves out the attempts a later attempt of
-- the same (queue id, host, recipient) superseded (the retried deferrals).
-- Over the whole database the report finds them in one pass over this index,
-- whose entries come sorted by that key and then by id: an entry followed by
-- one with the same key was superseded. Without it, two passes over the
-- deliveries (README, "Performance").
CREATE INDEX log_deliveries_sup ON log_deliveries(queue_id, host, recipient)
    WHERE queue_id IS NOT NULL;
