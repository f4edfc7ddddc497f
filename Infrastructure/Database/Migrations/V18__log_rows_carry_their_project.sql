-- Each log row carries its task's project (written with the row, moved with the task by the trigger below, as the
-- assignee is since V6). A caller's hidden projects are then left out by a column of the row, and counted by an index
-- of their own: the list's total for such a caller is the counts' total less the hidden projects' rows, not a count
-- of every row it may see.
ALTER TABLE task_logger ADD COLUMN project_id bigint;
UPDATE task_logger l SET project_id = t.project_id FROM tasks t WHERE t.id = l.task_id;
CREATE INDEX ix_task_logger_project_date ON task_logger (project_id, log_date) INCLUDE (status, priority);

-- Writers name the column; a row written without it (a script, a restore) takes the task's project.
CREATE FUNCTION task_logger_fill_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.project_id INTO NEW.project_id FROM tasks t WHERE t.id = NEW.task_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER task_logger_fill_project BEFORE INSERT ON task_logger
    FOR EACH ROW WHEN (NEW.project_id IS NULL) EXECUTE FUNCTION task_logger_fill_project();

-- A moved task's rows move with it (the counts by status and priority do not change: task_log_counted_updated).
CREATE FUNCTION tasks_move_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE task_logger SET project_id = NEW.project_id WHERE task_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_move_project AFTER UPDATE OF project_id ON tasks
    FOR EACH ROW WHEN (OLD.project_id IS DISTINCT FROM NEW.project_id) EXECUTE FUNCTION tasks_move_project();
