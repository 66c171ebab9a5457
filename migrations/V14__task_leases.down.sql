-- V14__task_leases.down.sql -- back to V13: no leases, next's order computed per query.

DROP FUNCTION finish_task_attempt(uuid, text, integer, boolean, text, jsonb, integer);
DROP FUNCTION release_task(uuid, text, text, integer);
DROP FUNCTION heartbeat_task(uuid, text, interval, integer);
DROP FUNCTION claim_tasks(text, interval, text, integer, integer, text);
DROP FUNCTION held_task(uuid, text, integer);
DROP FUNCTION lease_refusal(tasks, text);
DROP FUNCTION expire_leases(integer, integer);

CREATE OR REPLACE FUNCTION create_task(
    p_title               text,
    p_description         text    DEFAULT NULL,
    p_type                text    DEFAULT 'general',
    p_priority            integer DEFAULT 5,
    p_assigned_to         text    DEFAULT NULL,
    p_parent_task_id      uuid    DEFAULT NULL,
    p_requirements        jsonb   DEFAULT '[]',
    p_metadata            jsonb   DEFAULT '{}',
    p_details             text    DEFAULT NULL,
    p_test_strategy       text    DEFAULT NULL,
    p_tags                text[]  DEFAULT '{}',
    p_complexity          integer DEFAULT NULL,
    p_acceptance_criteria jsonb   DEFAULT '[]',
    p_affected_files      jsonb   DEFAULT '[]',
    p_external_key        text    DEFAULT NULL,
    p_depends_on          uuid[]  DEFAULT '{}',
    p_estimated_hours     numeric DEFAULT NULL
) RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_task    tasks;
    v_missing text;
BEGIN
    IF p_parent_task_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_parent_task_id) THEN
        RAISE EXCEPTION 'parent task % not found', p_parent_task_id
            USING ERRCODE = 'TD020', COLUMN = 'parent_task_id';
    END IF;
    SELECT string_agg(d::text, ', ')
      INTO v_missing
      FROM unnest(coalesce(p_depends_on, '{}')) AS d
     WHERE d IS NULL OR NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = d);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'dependency task(s) not found: %', v_missing
            USING ERRCODE = 'TD020', COLUMN = 'depends_on_task_id';
    END IF;

    INSERT INTO tasks (title, description, type, priority, assigned_to, parent_task_id,
                       requirements, metadata, details, test_strategy, tags, complexity,
                       acceptance_criteria, affected_files, external_key, estimated_hours)
    VALUES (p_title, p_description, coalesce(p_type, 'general'), coalesce(p_priority, 5),
            p_assigned_to, p_parent_task_id, coalesce(p_requirements, '[]'),
            coalesce(p_metadata, '{}'), p_details, p_test_strategy, coalesce(p_tags, '{}'),
            p_complexity, coalesce(p_acceptance_criteria, '[]'), coalesce(p_affected_files, '[]'),
            p_external_key, p_estimated_hours)
    RETURNING * INTO v_task;

    -- Skipped when there is nothing to insert: the statement triggers on task_dependencies
    -- (audit, open-blocker recount, cycle check) would run for an empty statement.
    IF cardinality(p_depends_on) > 0 THEN
        INSERT INTO task_dependencies (task_id, depends_on_task_id)
        SELECT DISTINCT v_task.id, d
          FROM unnest(p_depends_on) AS d;
    END IF;

    RETURN v_task;
END
$$;

DROP TRIGGER tasks_notify_ready_insert ON tasks;
DROP FUNCTION tasks_notify_ready_insert();
DROP TRIGGER tasks_notify_ready ON tasks;
DROP FUNCTION tasks_notify_ready();

DROP TRIGGER tasks_children_parent_state ON tasks;
DROP FUNCTION tasks_children_parent_state();
DROP TRIGGER tasks_parent_state_update ON tasks;
DROP TRIGGER tasks_parent_state_insert ON tasks;
DROP FUNCTION tasks_parent_state();

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
DROP FUNCTION audit_task_update();
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers');

CREATE OR REPLACE FUNCTION tasks_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow   text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_allowed text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                        WHERE tr.from_status = OLD.status AND tr.to_status = NEW.status) THEN
            IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                            WHERE NEW.status IN (tr.from_status, tr.to_status)) THEN
                RETURN NEW;   -- not a status at all: CHECK tasks_status_valid reports it (23514)
            END IF;
            v_allowed := nullif(array_to_string(allowed_task_transitions(OLD.status), ', '), '');
            RAISE EXCEPTION 'invalid transition %', format('%s%s%s (allowed from %s: %s)',
                      OLD.status, v_arrow, NEW.status, OLD.status, coalesce(v_allowed, 'none'))
                USING ERRCODE = 'TD010',
                      DETAIL = format('task #%s (%s)', NEW.short_id, NEW.id),
                      TABLE = 'tasks', COLUMN = 'status';
        END IF;
    END IF;

    IF NEW.status = 'completed' THEN
        IF TG_OP = 'INSERT' OR OLD.status <> 'completed' THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' THEN
        NEW.completed_at := NULL;
    END IF;

    IF NEW.status = 'in_progress' AND NEW.started_at IS NULL THEN
        NEW.started_at := now();
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION task_dependencies_refresh_blockers() RETURNS trigger
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

CREATE OR REPLACE FUNCTION refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
    SET enable_nestloop = on
AS $$
    UPDATE tasks t
       SET open_blockers = c.n
      FROM (SELECT x.id,
                   (SELECT count(*)::integer
                      FROM task_dependencies e
                     WHERE e.task_id = x.id AND e.dependency_type = 'blocks'
                       AND (SELECT d.status FROM tasks d WHERE d.id = e.depends_on_task_id)
                           <> 'completed') AS n
              FROM (SELECT DISTINCT u.id FROM unnest(p_task_ids) AS u(id)) AS x) AS c
     WHERE t.id = c.id AND t.open_blockers <> c.n
    RETURNING t.id
$$;
COMMENT ON FUNCTION refresh_open_blockers(uuid[]) IS
    'Recounts tasks.open_blockers of the given tasks; writes and returns only those whose count changed.';

DROP INDEX tasks_lease_expiry_idx;
DROP INDEX tasks_claim_more_tags_gin;
DROP INDEX tasks_claim_tag_idx;
DROP INDEX tasks_running_idx;
DROP INDEX tasks_claim_idx;

ALTER TABLE tasks
    DROP CONSTRAINT tasks_blocking_dependencies_non_negative,
    DROP CONSTRAINT tasks_lease_only_in_progress,
    DROP CONSTRAINT tasks_max_attempts_range,
    DROP CONSTRAINT tasks_attempts_non_negative,
    DROP COLUMN blocking_dependencies,
    DROP COLUMN parent_in_progress,
    DROP COLUMN parent_short_id,
    DROP COLUMN last_outcome,
    DROP COLUMN lease_expires_at,
    DROP COLUMN max_attempts,
    DROP COLUMN attempts;
