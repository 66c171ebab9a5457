-- V9__task_readiness.sql -- each task counts its unfinished blocking dependencies, so "ready"
-- is an index lookup instead of a dependency probe per candidate.
--
-- Creates
--   column tasks.open_blockers integer NOT NULL DEFAULT 0 (CHECK >= 0): how many of the task's
--       'blocks' dependencies are not 'completed'. A task is ready when it is pending and
--       open_blockers = 0. Derived data, written by the triggers below (an importer may
--       pre-fill it for tasks it inserts together with their edges: the edges' recount then
--       finds nothing to rewrite; `taskdb maintain` recounts any count left wrong). An UPDATE
--       that changes nothing else neither bumps updated_at nor writes audit_log, and the
--       column is never copied into audit_log.
--   index tasks_ready_idx (priority DESC, short_id) WHERE status = 'pending' AND open_blockers = 0
--   function refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid: recounts those tasks;
--       rows whose count is already right are not written, the others are returned.
--   function task_dependencies_refresh_blockers(): AFTER INSERT / UPDATE / DELETE statement
--       trigger on task_dependencies (transition tables deps_new / deps_old) recounting the
--       tasks whose edges changed; TRUNCATE sets every count to 0.
--   function tasks_refresh_dependents(): AFTER UPDATE OF status row trigger on tasks, when a task
--       becomes or stops being 'completed': recounts the tasks depending on it.
-- Replaces (V1 / V8: same functions, new WHEN conditions and audit arguments)
--   triggers tasks_set_updated_at, tasks_audit, tasks_audit_insert, tasks_audit_delete
--
-- Why: profiled under `taskdb bench`, claiming the next task or listing ready tasks walked the
-- pending tasks in priority order and ran the dependency probe for each blocked one it passed
-- (~3 us each): 0.3-0.6 ms per claim with a few hundred blocked tasks near the top, growing with
-- the backlog. With the count, the walk skips nothing.
--
-- Concurrency: a recount must see every committed change to the edges and to the statuses it
-- counts. Both kinds of change take lock_task_graph('dependencies') (the row lock the cycle
-- trigger already takes for new 'blocks' edges) before recounting: under READ COMMITTED the
-- later transaction waits for the earlier one to commit and its recount (a new statement, so a
-- new snapshot) sees it; under REPEATABLE READ / SERIALIZABLE the later one fails with 40001
-- and must be retried, as for the cycle check. The price: completing (or reopening) tasks
-- serialises with other completions and dependency changes until commit.

ALTER TABLE tasks ADD COLUMN open_blockers integer NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD CONSTRAINT tasks_open_blockers_non_negative CHECK (open_blockers >= 0);
COMMENT ON COLUMN tasks.open_blockers IS
    'Blocking dependencies not yet completed (kept by triggers); ready = pending and 0.';

CREATE INDEX tasks_ready_idx ON tasks (priority DESC, short_id)
    WHERE status = 'pending' AND open_blockers = 0;

CREATE FUNCTION refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    UPDATE tasks t
       SET open_blockers = c.n
      FROM (SELECT x.id,
                   (SELECT count(*)::integer
                      FROM task_dependencies e
                      JOIN tasks d ON d.id = e.depends_on_task_id
                     WHERE e.task_id = x.id AND e.dependency_type = 'blocks'
                       AND d.status <> 'completed') AS n
              FROM (SELECT DISTINCT u.id FROM unnest(p_task_ids) AS u(id)) AS x) AS c
     WHERE t.id = c.id AND t.open_blockers <> c.n
    RETURNING t.id
$$;
COMMENT ON FUNCTION refresh_open_blockers(uuid[]) IS
    'Recounts tasks.open_blockers of the given tasks; writes and returns only those whose count changed.';

-- Existing tasks get their counts.
SELECT count(*) FROM refresh_open_blockers(ARRAY(SELECT id FROM tasks));

CREATE FUNCTION task_dependencies_refresh_blockers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE tasks SET open_blockers = 0 WHERE open_blockers <> 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.task_id) INTO v_ids FROM deps_new AS n WHERE n.dependency_type = 'blocks';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(o.task_id) INTO v_ids FROM deps_old AS o WHERE o.dependency_type = 'blocks';
    ELSE
        SELECT array_agg(c.task_id) INTO v_ids
          FROM (SELECT n.task_id FROM deps_new AS n
                UNION
                SELECT o.task_id FROM deps_old AS o) AS c;
    END IF;
    IF v_ids IS NOT NULL THEN
        PERFORM lock_task_graph('dependencies');
        PERFORM refresh_open_blockers(v_ids);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION task_dependencies_refresh_blockers() IS
    'AFTER INSERT/UPDATE/DELETE/TRUNCATE statement trigger on task_dependencies: keeps tasks.open_blockers.';

CREATE TRIGGER task_dependencies_blockers_insert AFTER INSERT ON task_dependencies
    REFERENCING NEW TABLE AS deps_new
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_refresh_blockers();
CREATE TRIGGER task_dependencies_blockers_update AFTER UPDATE ON task_dependencies
    REFERENCING OLD TABLE AS deps_old NEW TABLE AS deps_new
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_refresh_blockers();
CREATE TRIGGER task_dependencies_blockers_delete AFTER DELETE ON task_dependencies
    REFERENCING OLD TABLE AS deps_old
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_refresh_blockers();
CREATE TRIGGER task_dependencies_blockers_truncate AFTER TRUNCATE ON task_dependencies
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_refresh_blockers();

CREATE FUNCTION tasks_refresh_dependents() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    -- Locked before looking for dependents, so that a dependency added concurrently is either
    -- committed and seen here, or waits for this transaction and then sees the new status.
    PERFORM lock_task_graph('dependencies');
    PERFORM refresh_open_blockers(ARRAY(
        SELECT e.task_id FROM task_dependencies e
         WHERE e.depends_on_task_id = NEW.id AND e.dependency_type = 'blocks'));
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks_refresh_dependents() IS
    'AFTER UPDATE OF status on tasks, when completed-ness changes: recounts open_blockers of the dependents.';

CREATE TRIGGER tasks_refresh_dependents AFTER UPDATE OF status ON tasks
    FOR EACH ROW
    WHEN ((OLD.status = 'completed') IS DISTINCT FROM (NEW.status = 'completed'))
    EXECUTE FUNCTION tasks_refresh_dependents();

-- The count is derived data: its own updates are not edits of the task.
DROP TRIGGER tasks_set_updated_at ON tasks;
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW WHEN (OLD.open_blockers = NEW.open_blockers)
    EXECUTE FUNCTION set_updated_at();

DROP TRIGGER tasks_audit ON tasks;
DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit_delete ON tasks;
CREATE TRIGGER tasks_audit AFTER UPDATE ON tasks
    FOR EACH ROW WHEN (OLD.open_blockers = NEW.open_blockers)
    EXECUTE FUNCTION audit_row_change('id', 'open_blockers');
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers');
