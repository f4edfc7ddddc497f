-- ListTaskLog with ?date=D&page=P&per_page=10: PageByCountsSql + CountByCountsSql filtered by the date, one round trip.
-- D is one of the :days newest UTC dates, P one of the first :pages pages of that date (run.sh passes both).
\set d random(0, :days - 1)
\set page random(1, :pages)
\set off (:page - 1) * 10
WITH counted AS (
    SELECT l.log_date, sum(l.entries) AS entries FROM task_log_counts l
    WHERE l.log_date = (now() AT TIME ZONE 'utc')::date - :d GROUP BY l.log_date
), running AS (
    SELECT log_date, entries, sum(entries) OVER (ORDER BY log_date DESC) AS through FROM counted
), target AS (
    SELECT log_date, through - entries AS before FROM running WHERE through > :off ORDER BY log_date DESC LIMIT 1
), page AS (
    SELECT l.id FROM task_logger l
    WHERE l.log_date = (now() AT TIME ZONE 'utc')::date - :d AND l.log_date <= (SELECT log_date FROM target)
    ORDER BY l.log_date DESC, l.id DESC
    LIMIT 10 OFFSET (SELECT :off - before FROM target)
)
SELECT l.id, l.task_id, l.log_date, l.status, l.priority,
       t.task_name, t.description, t.assigned_user_id, u.username AS assigned_user
FROM page
JOIN task_logger l ON l.id = page.id
JOIN tasks t ON t.id = l.task_id
LEFT JOIN users u ON u.id = t.assigned_user_id
ORDER BY l.log_date DESC, l.id DESC \;
SELECT coalesce(sum(entries), 0)::bigint FROM task_log_counts l WHERE l.log_date = (now() AT TIME ZONE 'utc')::date - :d;
