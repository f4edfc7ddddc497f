-- A task's project by its id from the index alone: the change feed checks each change's task against the projects
-- the caller may read now, and a page deep in the feed otherwise read a heap page for every one of its tasks.
CREATE INDEX ix_tasks_project_of ON tasks (id) INCLUDE (project_id);
