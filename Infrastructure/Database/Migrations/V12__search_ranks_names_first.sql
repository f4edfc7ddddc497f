-- Search weighs a word of the name (A) above one of the description (B), so a task named by the word ranks above one
-- that mentions it once in a long description. PostgreSQL 15 cannot change a generated column's expression: the
-- column and its index are made again (the column keeps its name, so task_changes still leaves it out of the audit).
DROP INDEX ix_tasks_search;
ALTER TABLE tasks DROP COLUMN search;
ALTER TABLE tasks ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', task_name), 'A') || setweight(to_tsvector('simple', coalesce(description, '')), 'B')) STORED;
-- Without a pending list, as V11 explains.
CREATE INDEX ix_tasks_search ON tasks USING gin (search) WITH (fastupdate = off);
