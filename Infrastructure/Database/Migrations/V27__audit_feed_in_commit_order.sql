-- The audit feed in commit order (docs/reliability.md, "The change feed"): each entry keeps the transaction that wrote it,
-- the feed walks (txid, id) and stops below the oldest transaction still running, so an entry committed late (an import's
-- batch, a worker's) is never behind a cursor already handed out. Entries written before share this migration's txid.
ALTER TABLE task_audit ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX ix_task_audit_txid ON task_audit (txid, id);
