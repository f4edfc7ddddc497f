-- ListChanges after a position deep in the feed, as ChangeFeed builds it for ?limit=100 and a member (not an admin):
-- the horizon and the page in one statement, each change checked against the projects the caller may read now.
-- run.sh passes -D txid (the seeded changes' transaction), seq_lo, seq_hi and uid.
\set seq random(:seq_lo, :seq_hi)
WITH h AS MATERIALIZED (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon,
           coalesce((SELECT (:txid::text::xid8, :seq::bigint) < (r.purged_txid, r.purged_seq) FROM change_retention r), false) AS gone,
           EXISTS (SELECT 1 FROM changes x WHERE x.txid >= pg_snapshot_xmin(pg_current_snapshot())) AS held
)
SELECT h.horizon::text::bigint AS horizon, h.gone, h.held, f.*
FROM h LEFT JOIN LATERAL (
    SELECT c.txid::text::bigint AS txid, c.seq, CASE WHEN s.removed THEN 'task.removed' ELSE c.type END AS type,
           c.occurred_at, c.actor_id, c.project_id, c.task_id,
           CASE WHEN s.removed THEN jsonb_build_object('id', c.task_id)::text ELSE c.data::text END AS data
    FROM changes c
    CROSS JOIN LATERAL (SELECT
        (EXISTS (SELECT 1 FROM projects p WHERE p.id = c.project_id AND (p.visibility = 'public'
                 OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)))
         AND NOT EXISTS (SELECT 1 FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = c.task_id AND NOT (p.visibility = 'public'
                 OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)))) AS sees_new,
        (c.from_project_id IS NOT NULL AND c.from_project_id IS DISTINCT FROM c.project_id
         AND EXISTS (SELECT 1 FROM projects p WHERE p.id = c.from_project_id AND (p.visibility = 'public'
                 OR EXISTS (SELECT 1 FROM project_members pm WHERE pm.project_id = p.id AND pm.user_id = :uid)))) AS sees_old OFFSET 0) v
    CROSS JOIN LATERAL (SELECT v.sees_old AND NOT v.sees_new AS removed) s
    WHERE NOT h.gone AND (c.txid, c.seq) > (:txid::text::xid8, :seq::bigint) AND c.txid < h.horizon
      AND (v.sees_new OR s.removed
           OR (c.type = 'project.member_removed' AND c.member_id = :uid)
           OR (c.type = 'project.deleted' AND (c.data->>'visibility' = 'public' OR :uid = ANY(c.readers))))
    ORDER BY c.txid, c.seq
    LIMIT 101
) f ON true;
