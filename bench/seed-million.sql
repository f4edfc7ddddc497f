-- Seeds a migrated (V1 + V2) database with benchmark data, set-based (generate_series, no loops).
--
--   psql -v ON_ERROR_STOP=1 -d <db> -f bench/seed-million.sql \
--        [-v users=1000] [-v tasks=100000] [-v log_rows=1000000] [-v days=365] [-v projects=1000] [-v reset=1]
--
-- Defaults: 1,000 users, 100,000 tasks spread evenly over 1,000 projects (the default one and 999 more, every
-- fifth of them private: 200, each with an owner), 1,000,000 task_logger rows over the 365 UTC dates ending today
-- (~2,740 rows per date). The data is deterministic (hash-based, no random()), so reruns give the same rows.
-- The log goes in through the real triggers, so task_log_counts is kept exactly as the service keeps it.
-- Log ids grow with log_date, as the daily snapshot writes them.
--
-- Refuses to run on a database that already has users/tasks/log rows unless -v reset=1, which TRUNCATEs
-- users, tasks, task_logger, task_log_counts and task_log_snapshots (and every project but the default one) first.
-- Never point it at real data.

\set ON_ERROR_STOP on
\if :{?users}
\else
    \set users 1000
\endif
\if :{?tasks}
\else
    \set tasks 100000
\endif
\if :{?log_rows}
\else
    \set log_rows 1000000
\endif
\if :{?days}
\else
    \set days 365
\endif
\if :{?reset}
\else
    \set reset 0
\endif
\if :{?projects}
\else
    \set projects 1000
\endif

-- With synchronous_commit off (as a test server may run) the commit record may still be unflushed when VACUUM
-- looks at the rows; it then cannot set their hint bits, so it marks no page all-visible and every index-only
-- scan goes to the heap. A synchronous commit makes the final VACUUM leave the table as production would.
SET synchronous_commit = on;

\timing on

SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM tasks) + (SELECT count(*) FROM task_logger) > 0 AS not_empty,
       :'reset' IN ('1', 'true', 'on', 'yes') AS do_reset,
       -- One row per (task, date): a date can hold at most one row per task.
       ceil(:log_rows::numeric / :days)::bigint AS per_day,
       ceil(:log_rows::numeric / :days)::bigint > :tasks AS too_dense
\gset

\if :too_dense
    \echo 'seed-million: log_rows / days (' :per_day ') exceeds tasks (' :tasks '); (task_id, log_date) is unique.'
    SELECT 1/0 AS abort_seed;
\endif

\if :not_empty
    \if :do_reset
        TRUNCATE task_logger, task_log_counts, task_log_snapshots, tasks, project_members, user_roles, users RESTART IDENTITY;
        DELETE FROM projects WHERE NOT is_default;
        SELECT setval(pg_get_serial_sequence('projects', 'id'), 1);
    \else
        \echo 'seed-million: database already has data; pass -v reset=1 to truncate it first.'
        SELECT 1/0 AS abort_seed;
    \endif
\endif

BEGIN;

-- Users: user00001 .. ; every user has role "user", every 50th is a manager, the first is an admin.
INSERT INTO users (username, email, password_hash, created_at, updated_at)
SELECT format('user%s', lpad(g::text, 5, '0')),
       format('user%s@example.test', lpad(g::text, 5, '0')),
       '$2a$11$benchbenchbenchbenchbeuYl8z0Uq3b8Yb1x1x1x1x1x1x1x1x1x',
       now() - interval '400 days' + g * interval '1 minute',
       now() - interval '400 days' + g * interval '1 minute'
FROM generate_series(1, :users) AS g
ORDER BY g;

SELECT min(id) - 1 AS user_base FROM users \gset

INSERT INTO user_roles (user_id, role_id)
SELECT id, 1 FROM users
UNION ALL SELECT id, 2 FROM users WHERE (id - :user_base) % 50 = 0
UNION ALL SELECT id, 3 FROM users WHERE id - :user_base = 1;

-- Projects 2 .. :projects beside the default one; every fifth is private, with an owner among the users.
INSERT INTO projects (name, visibility, created_by, created_at, updated_at)
SELECT format('Project %s', g), CASE WHEN g % 5 = 0 THEN 'private' ELSE 'public' END, :user_base + 1 + g % :users,
       now() - interval '400 days', now() - interval '400 days'
FROM generate_series(2, :projects) AS g
ORDER BY g;

INSERT INTO project_members (project_id, user_id, role)
SELECT id, created_by, 'owner' FROM projects WHERE visibility = 'private';

SELECT min(id) - 2 AS project_base FROM projects WHERE NOT is_default \gset

-- Tasks: priorities LOW 30% / MEDIUM 40% / HIGH 20% / CRITICAL 10%; 80% active; 90% assigned, spread over
-- all users (a user holds ~90 tasks); a third have no description.
INSERT INTO tasks (task_name, description, status, priority, assigned_user_id, created_by, created_at, updated_at, project_id)
SELECT format('Task %s', g),
       CASE WHEN g % 3 = 0 THEN NULL ELSE format('Description of task %s: %s', g, repeat('lorem ipsum ', 1 + g % 8)) END,
       g % 5 <> 0,
       CASE WHEN h < 30 THEN 'LOW' WHEN h < 70 THEN 'MEDIUM' WHEN h < 90 THEN 'HIGH' ELSE 'CRITICAL' END,
       CASE WHEN g % 10 = 7 THEN NULL ELSE :user_base + 1 + abs(hashint8(-g)) % :users END,
       :user_base + 1 + g % :users,
       now() - interval '400 days' + g * (interval '360 days' / :tasks),
       now() - interval '30 days' + g * (interval '30 days' / :tasks),
       CASE WHEN g % :projects = 0 THEN 1 ELSE :project_base + 1 + g % :projects END
FROM generate_series(1, :tasks) AS g,
     LATERAL (SELECT abs(hashint8(g)) % 100 AS h) AS hh
ORDER BY g;

SELECT min(id) - 1 AS task_base FROM tasks \gset

-- Labels: five a project (label-0 .. label-4), each task carrying one of its project's (the k-th of task id mod 5), so
-- ?label=label-3 selects a fifth of the tasks; run.sh walks its cursors deep.
INSERT INTO labels (project_id, name) SELECT p.id, format('label-%s', k) FROM projects p, generate_series(0, 4) AS k ORDER BY p.id, k;
UPDATE tasks t SET label_ids = ARRAY[l.id], label_keys = ARRAY[lower(l.name)]
FROM labels l WHERE l.project_id = t.project_id AND l.name = format('label-%s', t.id % 5);

-- Comments: 200 on each of the first 50 tasks (run.sh reads random pages of them).
INSERT INTO task_comments (task_id, author_id, body, created_at, updated_at)
SELECT :task_base + 1 + g / 200, :user_base + 1 + g % :users, format('Comment %s: %s', g, repeat('looks good ', 1 + g % 5)),
       now() - interval '10 days' + g * interval '1 second', now() - interval '10 days' + g * interval '1 second'
FROM generate_series(0, 50 * 200 - 1) AS g
ORDER BY g;

-- The log: row i (0-based) goes to date index d = i / per_day (oldest first, so ids grow with the date) and
-- to task ((k * 1000003 + d * 7919) mod tasks) + 1, k = i mod per_day. 1000003 is a prime above any sane
-- task count, so it is coprime to it and k -> task is one-to-one within a date: (task_id, log_date) is unique.
-- Each row snapshots its task's priority; ~12% of rows are inactive (status false), as when a task was
-- closed that day.
INSERT INTO task_logger (task_id, log_date, status, priority, assigned_user_id, project_id)
SELECT t.id, r.log_date, abs(hashint8(r.i)) % 100 >= 12, t.priority, t.assigned_user_id, t.project_id
FROM (
    SELECT i,
           (now() AT TIME ZONE 'utc')::date - (:days - 1) + (i / :per_day)::int AS log_date,
           :task_base + 1 + ((i % :per_day) * 1000003 + (i / :per_day) * 7919) % :tasks AS task_id
    FROM generate_series(0::bigint, :log_rows - 1) AS i
) AS r
JOIN tasks t ON t.id = r.task_id
ORDER BY r.i;

-- The snapshot worker's bookkeeping: every seeded date counts as taken.
INSERT INTO task_log_snapshots (log_date, taken_at, rows_written)
SELECT log_date, log_date + time '00:05', sum(entries) FROM task_log_counts GROUP BY log_date;

COMMIT;

-- Steady state: statistics plus the visibility map that autovacuum would set on an insert-only table.
VACUUM (ANALYZE) users, user_roles, projects, project_members, tasks, labels, task_comments, task_logger, task_log_counts, task_log_snapshots;

\timing off
SELECT (SELECT count(*) FROM users) AS users,
       (SELECT count(*) FROM projects) AS projects,
       (SELECT count(*) FROM projects WHERE visibility = 'private') AS private_projects,
       (SELECT count(*) FROM tasks) AS tasks,
       (SELECT count(*) FILTER (WHERE status) FROM tasks) AS active_tasks,
       (SELECT count(*) FROM task_logger) AS log_rows,
       (SELECT sum(entries) FROM task_log_counts) AS counted_rows,
       (SELECT count(DISTINCT log_date) FROM task_log_counts) AS dates,
       (SELECT min(log_date) FROM task_log_counts) AS first_date,
       (SELECT max(log_date) FROM task_log_counts) AS last_date;
