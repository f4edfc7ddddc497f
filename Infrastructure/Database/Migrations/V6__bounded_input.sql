-- A row error keeps a bounded prefix of the offending cell; value_length is the cell's full length.
ALTER TABLE import_errors ADD COLUMN value_length integer;
UPDATE import_errors SET value_length = length(value), value = left(value, 200) WHERE length(value) > 200;

-- The list's assignee filter reads the log by its own index, whatever the assignee owns: each log row carries its
-- task's current assignee (written with the row, and moved with the task by the trigger below).
ALTER TABLE task_logger ADD COLUMN assigned_user_id bigint;
UPDATE task_logger l SET assigned_user_id = t.assigned_user_id FROM tasks t WHERE t.id = l.task_id;
CREATE INDEX ix_task_logger_assignee_date_id ON task_logger (assigned_user_id, log_date, id);

-- Writers name the column; a row written without it (a script, a restore) takes the task's assignee.
CREATE FUNCTION task_logger_fill_assignee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT t.assigned_user_id INTO NEW.assigned_user_id FROM tasks t WHERE t.id = NEW.task_id;
    RETURN NEW;
END
$$;
CREATE TRIGGER task_logger_fill_assignee BEFORE INSERT ON task_logger
    FOR EACH ROW WHEN (NEW.assigned_user_id IS NULL) EXECUTE FUNCTION task_logger_fill_assignee();

CREATE FUNCTION tasks_move_assignee() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE task_logger SET assigned_user_id = NEW.assigned_user_id WHERE task_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER tasks_move_assignee AFTER UPDATE OF assigned_user_id ON tasks
    FOR EACH ROW WHEN (OLD.assigned_user_id IS DISTINCT FROM NEW.assigned_user_id) EXECUTE FUNCTION tasks_move_assignee();
