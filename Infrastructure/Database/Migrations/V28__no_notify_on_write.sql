-- Writes no longer NOTIFY: a notifying transaction holds PostgreSQL's global notify lock from its pre-commit to the
-- end of its commit (the WAL flush included), so every write committed one at a time. The outbox relays and the
-- change streams poll instead (Outbox:PollIntervalMilliseconds, Changes:WakePollMilliseconds).
DROP TRIGGER outbox_notify ON outbox_messages;
DROP FUNCTION outbox_notify();
DROP TRIGGER changes_notify ON changes;
DROP FUNCTION changes_notify();
