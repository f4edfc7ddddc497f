-- CSV imports: the import, its file (stored in PostgreSQL, in chunks), its row errors, and the link
-- from each imported task back to its row.

CREATE TABLE imports (
    id               uuid        PRIMARY KEY,
    requested_by     bigint      NOT NULL REFERENCES users (id),
    file_name        text        NOT NULL,
    source           text        NOT NULL CHECK (source IN ('upload', 'message')),
    mode             text        NOT NULL CHECK (mode IN ('partial', 'atomic', 'dry_run')),
    status           text        NOT NULL DEFAULT 'queued'
                                 CHECK (status IN ('queued', 'running', 'succeeded', 'partially_succeeded', 'failed')),
    idempotency_key  text,
    file_bytes       bigint      NOT NULL DEFAULT 0,
    rows_total       bigint      NOT NULL DEFAULT 0,
    rows_processed   bigint      NOT NULL DEFAULT 0,
    tasks_created    bigint      NOT NULL DEFAULT 0,
    rows_failed      bigint      NOT NULL DEFAULT 0,
    -- The last data row whose outcome is committed: a restarted worker resumes after it.
    checkpoint_row   bigint      NOT NULL DEFAULT 0,
    failure          text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz
);

-- A retried upload with the same Idempotency-Key returns the first import.
CREATE UNIQUE INDEX ux_imports_idempotency ON imports (requested_by, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- The concurrency limit counts a user's unfinished imports; the worker's recovery sweep finds them too.
CREATE INDEX ix_imports_unfinished ON imports (requested_by) WHERE status IN ('queued', 'running');

-- The uploaded file, in order. PostgreSQL rather than a directory: every API and worker instance reaches it
-- without a shared disk, it is written in the same transaction as the import row, and it is backed up with
-- the data it produces.
CREATE TABLE import_files (
    import_id uuid    NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    chunk_no  integer NOT NULL,
    data      bytea   NOT NULL,
    PRIMARY KEY (import_id, chunk_no)
);

CREATE TABLE import_errors (
    import_id   uuid   NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number  bigint NOT NULL,
    column_name text   NOT NULL,
    code        text   NOT NULL,
    message     text   NOT NULL,
    value       text,
    PRIMARY KEY (import_id, row_number, column_name)
);

-- Which import row made a task. Unique, so no row can land twice whatever happens to a worker.
ALTER TABLE tasks ADD COLUMN import_id uuid, ADD COLUMN import_row bigint;
CREATE UNIQUE INDEX ux_tasks_import_row ON tasks (import_id, import_row) WHERE import_id IS NOT NULL;

-- The audit's field list leaves out bookkeeping, now including the import link.
CREATE OR REPLACE FUNCTION task_changes(old_row tasks, new_row tasks) RETURNS jsonb LANGUAGE sql STABLE AS $$
    SELECT coalesce(jsonb_object_agg(f.key, jsonb_build_object('old', f.old_value, 'new', f.new_value)), '{}'::jsonb)
    FROM (
        SELECT coalesce(n.key, o.key) AS key, o.value AS old_value, n.value AS new_value
        FROM jsonb_each(coalesce(to_jsonb(new_row), '{}') - '{id,version,created_at,updated_at,created_by,import_id,import_row}'::text[]) n
        FULL JOIN jsonb_each(coalesce(to_jsonb(old_row), '{}') - '{id,version,created_at,updated_at,created_by,import_id,import_row}'::text[]) o
            ON o.key = n.key
    ) f
    WHERE coalesce(f.old_value, 'null') IS DISTINCT FROM coalesce(f.new_value, 'null')
$$;
