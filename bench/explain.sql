-- EXPLAIN (ANALYZE, BUFFERS) of the daily-log list and entry queries, in the shape ListTaskLog and
-- GetTaskLogEntry send for filters the counts cannot serve (PageSql, a plain OFFSET; lists filtered only by date,
-- status or priority jump to their date first, as bench/pgbench/list-*.sql show), with CountByCountsSql /
-- CountRowsSql and their {0} join and {1} WHERE filled in
-- as the handler does; parameters as literals of the types Npgsql sends: int LIMIT, bigint OFFSET, date, bool,
-- text, bigint). Npgsql without auto-prepare sends unnamed statements, which PostgreSQL plans with the actual
-- values (custom plans), as literals are planned here.
--
--   psql -d <seeded db> -f bench/explain.sql [-v date=2026-06-01] [-v from=... -v to=...] [-v user_id=2]
--        [-v task_id=12345] [-v entry_id=500000]
--
-- Defaults pick values that exist in bench/seed-million.sql's data: the date is the middle one of the
-- 365 seeded dates (~2,740 rows), the range is the 30 newest dates.

\if :{?date}
\else
    SELECT ((now() AT TIME ZONE 'utc')::date - 182)::text AS date \gset
\endif
\if :{?to}
\else
    SELECT ((now() AT TIME ZONE 'utc')::date)::text AS to \gset
\endif
\if :{?from}
\else
    SELECT (:'to'::date - 29)::text AS from \gset
\endif
\if :{?user_id}
\else
    \set user_id 2
\endif
\if :{?task_id}
\else
    \set task_id 12345
\endif
\if :{?entry_id}
\else
    \set entry_id 500000
\endif
\if :{?idle_user_id}
\else
    -- An assignee with no tasks (a new user, or any id that holds none): the worst case of the JOIN shape.
    \set idle_user_id 0
\endif

\pset pager off
\echo '== date=' :date ' from=' :from ' to=' :to ' user_id=' :user_id ' task_id=' :task_id ' entry_id=' :entry_id ' idle_user_id=' :idle_user_id

\echo '== a. page 1, per_page 10, no filters'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== a. total, no filters (CountByCountsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT coalesce(sum(entries), 0)::bigint FROM task_log_counts l ;

\echo '== b. page 5000, per_page 10, no filters'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 49990
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== c. date filter, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.log_date = :'date'::date
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== c. date filter, page 100'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.log_date = :'date'::date
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 990
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== c. total, date filter (CountByCountsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT coalesce(sum(entries), 0)::bigint FROM task_log_counts l WHERE l.log_date = :'date'::date;

\echo '== d. from/to (30 days), page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.log_date >= :'from'::date AND l.log_date <= :'to'::date
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== d. total, from/to (CountByCountsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT coalesce(sum(entries), 0)::bigint FROM task_log_counts l WHERE l.log_date >= :'from'::date AND l.log_date <= :'to'::date;

\echo '== e. status=false, priority=HIGH, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.status = false AND l.priority = 'HIGH'::text
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== e. total, status=false, priority=HIGH (CountByCountsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT coalesce(sum(entries), 0)::bigint FROM task_log_counts l  WHERE l.status = false AND l.priority = 'HIGH'::text;

\echo '== f. assigned_user_id, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l JOIN tasks t ON t.id = l.task_id
    WHERE t.assigned_user_id = :user_id::bigint
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== f. total, assigned_user_id (CountRowsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT count(*) FROM task_logger l JOIN tasks t ON t.id = l.task_id WHERE t.assigned_user_id = :user_id::bigint;

\echo '== f. assigned_user_id of a user with no tasks, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l JOIN tasks t ON t.id = l.task_id
    WHERE t.assigned_user_id = :idle_user_id::bigint
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== f''. PROPOSED assignee filter (no JOIN; the user''s task ids as an array), page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.task_id = ANY (ARRAY(SELECT t.id FROM tasks t WHERE t.assigned_user_id = :user_id::bigint))
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== f''. PROPOSED assignee filter, user with no tasks, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.task_id = ANY (ARRAY(SELECT t.id FROM tasks t WHERE t.assigned_user_id = :idle_user_id::bigint))
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== f''. PROPOSED total, assignee (CountRowsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT count(*) FROM task_logger l  WHERE l.task_id = ANY (ARRAY(SELECT t.id FROM tasks t WHERE t.assigned_user_id = :user_id::bigint));

\echo '== g. task_id, page 1'
EXPLAIN (ANALYZE, BUFFERS)
WITH page AS (
    SELECT l.id FROM task_logger l 
    WHERE l.task_id = :task_id::bigint
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET 0
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC;

\echo '== g. total, task_id (CountRowsSql)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT count(*) FROM task_logger l  WHERE l.task_id = :task_id::bigint;

\echo '== h. entry by id (GetTaskLogEntry)'
EXPLAIN (ANALYZE, BUFFERS)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user,
       t.created_at, t.updated_at
FROM task_logger l
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
WHERE l.id = :entry_id::bigint;
