-- V14__task_leases.sql -- claims with leases for fleets of agents: a claimed task is held until
-- its lease ends; the holder extends it (heartbeat), hands it back (release) or finishes it; an
-- expired lease makes the task claimable again at the next claim, and a task whose attempts keep
-- expiring or failing stops at max_attempts (failed, with a note) instead of being claimed forever.
-- Claims choose through one index, whatever the number of tasks that are not claimable, and a
-- task becoming claimable wakes waiting agents (NOTIFY taskdb_ready, at most once per transaction).
--
-- Creates
--   columns on tasks:
--     attempts integer NOT NULL DEFAULT 0: claims so far (a claim is an attempt; it counts at
--         claim time, so an agent that dies mid-task has used one).
--     max_attempts integer (NULL: the claimant's default, `[tasks] max_attempts`), 1..1000.
--     lease_expires_at timestamptz: the holder (assigned_to) holds the task until then; NULL
--         when not leased (no lease asked for, or not in_progress: the status guard clears it).
--     last_outcome text: what ended the last attempt ('lease of … expired …', 'released …',
--         'attempt 2 failed: …', 'gave up …'); shown by `task show`, recorded in audit_log.
--     parent_short_id bigint, parent_in_progress boolean, blocking_dependencies integer: derived
--         (triggers keep them), so that Task Master's order of `next` is one index's order:
--         subtasks of in-progress tasks first, priority, fewer blocking dependencies, parent id,
--         id.
--   indexes tasks_claim_idx / tasks_running_idx (that order; the claimable pending tasks / the
--       in-progress candidates that `task next` adds; disjoint, so a claim cannot pick the wider
--       one and filter), tasks_claim_tag_idx (the claimable tasks by their first tag, in that
--       order) and tasks_claim_more_tags_gin (by their other tags), so `--tag T` reads only
--       T's candidates, and most of them (a task's tag is usually its only one, as in Task
--       Master) in order; in-progress candidates are few, as many as tasks being worked on,
--       and are read through tasks_running_idx), tasks_lease_expiry_idx.
--   functions claim_tasks, heartbeat_task, release_task, finish_task_attempt, expire_leases,
--       and the trigger functions tasks_parent_state, tasks_children_parent_state,
--       tasks_notify_ready, tasks_notify_ready_insert.
-- Replaces
--   refresh_open_blockers(uuid[]): also counts blocking_dependencies.
--   task_dependencies_refresh_blockers(): TRUNCATE also zeroes blocking_dependencies.
--   tasks_status_guard(): also clears lease_expires_at when a task leaves in_progress.
--   create_task(…): the new task arrives with its open_blockers and blocking_dependencies, so a
--       task created blocked is not announced as claimable.
--   triggers tasks_audit (now audit_task_update(), a column-by-column diff) and
--       tasks_set_updated_at: UPDATE OF the task's own columns, so the
--       derived columns and a heartbeat (an UPDATE of lease_expires_at alone) are not edits; a
--       claim, release, expiry or give-up changes status and is audited as before.
--
-- Why: a claim used to sort every ready task by a correlated dependency count (~150 ms on 20,000
-- tasks under load), ran two statements, a second context row and a full-row diff; nothing
-- watched a claimed task, so a dead agent's task stayed in_progress forever.

ALTER TABLE tasks
    ADD COLUMN attempts integer NOT NULL DEFAULT 0,
    ADD COLUMN max_attempts integer,
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN last_outcome text,
    ADD COLUMN parent_short_id bigint,
    ADD COLUMN parent_in_progress boolean NOT NULL DEFAULT false,
    ADD COLUMN blocking_dependencies integer NOT NULL DEFAULT 0,
    ADD CONSTRAINT tasks_attempts_non_negative CHECK (attempts >= 0),
    ADD CONSTRAINT tasks_max_attempts_range CHECK (max_attempts BETWEEN 1 AND 1000),
    ADD CONSTRAINT tasks_lease_only_in_progress CHECK (lease_expires_at IS NULL OR status = 'in_progress'),
    ADD CONSTRAINT tasks_blocking_dependencies_non_negative CHECK (blocking_dependencies >= 0);
COMMENT ON COLUMN tasks.attempts IS 'Claims so far (each claim is an attempt).';
COMMENT ON COLUMN tasks.max_attempts IS 'Attempts before the task is given up (failed); NULL: the claimant''s default.';
COMMENT ON COLUMN tasks.lease_expires_at IS 'The holder (assigned_to) holds the in_progress task until then; NULL: no lease.';
COMMENT ON COLUMN tasks.last_outcome IS 'What ended the last attempt (expiry, release, failure, give-up, completion).';
COMMENT ON COLUMN tasks.parent_short_id IS 'The parent''s short id (kept by triggers), for the order of next.';
COMMENT ON COLUMN tasks.parent_in_progress IS 'The parent is in_progress (kept by triggers): a subtask is a candidate of next only then.';
COMMENT ON COLUMN tasks.blocking_dependencies IS 'Number of blocking dependencies (kept by triggers), the tie-break of next.';

-- Derived columns of existing rows.
UPDATE tasks t
   SET parent_short_id = p.short_id, parent_in_progress = (p.status = 'in_progress')
  FROM tasks p
 WHERE p.id = t.parent_task_id;
UPDATE tasks t
   SET blocking_dependencies = c.n
  FROM (SELECT e.task_id, count(*)::integer AS n FROM task_dependencies e
         WHERE e.dependency_type = 'blocks' GROUP BY e.task_id) AS c
 WHERE t.id = c.task_id;

-- The order of next, over the candidates of a claim and of `task next`.
CREATE INDEX tasks_claim_idx ON tasks
    (parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id)
    WHERE status = 'pending' AND open_blockers = 0 AND (parent_task_id IS NULL OR parent_in_progress);
CREATE INDEX tasks_running_idx ON tasks
    (parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id)
    WHERE status = 'in_progress' AND open_blockers = 0 AND (parent_task_id IS NULL OR parent_in_progress);
CREATE INDEX tasks_claim_tag_idx ON tasks
    ((tags[1]), parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id)
    WHERE status = 'pending' AND open_blockers = 0 AND (parent_task_id IS NULL OR parent_in_progress);
CREATE INDEX tasks_claim_more_tags_gin ON tasks USING gin ((tags[2:]))
    WHERE status = 'pending' AND open_blockers = 0 AND (parent_task_id IS NULL OR parent_in_progress)
      AND cardinality(tags) > 1;
CREATE INDEX tasks_lease_expiry_idx ON tasks (lease_expires_at) WHERE lease_expires_at IS NOT NULL;

-- ---------------------------------------------------------------------------------------------
-- Derived columns: parent state and dependency count.

CREATE FUNCTION tasks_parent_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF NEW.parent_task_id IS NULL THEN
        NEW.parent_short_id := NULL;
        NEW.parent_in_progress := false;
    ELSE
        SELECT p.short_id, p.status = 'in_progress'
          INTO NEW.parent_short_id, NEW.parent_in_progress
          FROM tasks p WHERE p.id = NEW.parent_task_id;
        NEW.parent_in_progress := coalesce(NEW.parent_in_progress, false);
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION tasks_parent_state() IS
    'BEFORE INSERT / UPDATE OF parent_task_id on tasks: copies the parent''s short id and whether it is in_progress.';

CREATE TRIGGER tasks_parent_state_insert BEFORE INSERT ON tasks
    FOR EACH ROW WHEN (NEW.parent_task_id IS NOT NULL)
    EXECUTE FUNCTION tasks_parent_state();
CREATE TRIGGER tasks_parent_state_update BEFORE UPDATE OF parent_task_id ON tasks
    FOR EACH ROW WHEN (NEW.parent_task_id IS DISTINCT FROM OLD.parent_task_id)
    EXECUTE FUNCTION tasks_parent_state();

CREATE FUNCTION tasks_children_parent_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE tasks c SET parent_in_progress = (NEW.status = 'in_progress')
     WHERE c.parent_task_id = NEW.id AND c.parent_in_progress IS DISTINCT FROM (NEW.status = 'in_progress');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks_children_parent_state() IS
    'AFTER UPDATE OF status on tasks, when in_progress-ness changes: updates the children''s parent_in_progress.';

CREATE TRIGGER tasks_children_parent_state AFTER UPDATE OF status ON tasks
    FOR EACH ROW WHEN ((OLD.status = 'in_progress') IS DISTINCT FROM (NEW.status = 'in_progress'))
    EXECUTE FUNCTION tasks_children_parent_state();

CREATE OR REPLACE FUNCTION refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
    SET enable_nestloop = on
AS $$
    UPDATE tasks t
       SET open_blockers = c.open, blocking_dependencies = c.total
      FROM (SELECT x.id, n.open, n.total
              FROM (SELECT DISTINCT u.id FROM unnest(p_task_ids) AS u(id)) AS x
             CROSS JOIN LATERAL (
                   SELECT (count(*) FILTER (
                              WHERE (SELECT d.status FROM tasks d WHERE d.id = e.depends_on_task_id)
                                    <> 'completed'))::integer AS open,
                          count(*)::integer AS total
                     FROM task_dependencies e
                    WHERE e.task_id = x.id AND e.dependency_type = 'blocks') AS n) AS c
     WHERE t.id = c.id AND (t.open_blockers <> c.open OR t.blocking_dependencies <> c.total)
    RETURNING t.id
$$;
COMMENT ON FUNCTION refresh_open_blockers(uuid[]) IS
    'Recounts tasks.open_blockers and blocking_dependencies of the given tasks; writes and returns only those whose counts changed.';

-- TRUNCATE of task_dependencies: no task has dependencies any more.
CREATE OR REPLACE FUNCTION task_dependencies_refresh_blockers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE tasks SET open_blockers = 0, blocking_dependencies = 0
         WHERE open_blockers <> 0 OR blocking_dependencies <> 0;
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

-- ---------------------------------------------------------------------------------------------
-- Edits vs derived data: only an UPDATE naming one of the task's own columns is an edit (audited,
-- bumps updated_at). Not: open_blockers, blocking_dependencies, parent_short_id,
-- parent_in_progress (derived), lease_expires_at alone (a heartbeat), updated_at.

-- ---------------------------------------------------------------------------------------------
-- The audit row of a task UPDATE, without turning both whole rows into JSON and diffing them:
-- the columns are compared one by one, in name order (so changed_fields, old_values and
-- new_values are exactly what audit_row_change wrote). A claim's audit row cost more than the
-- rest of the claim; this is a fraction of it. A column added to tasks must be added here (and
-- to the trigger's UPDATE OF list): tests/sql/leases.sql checks both lists against the table.
CREATE FUNCTION audit_task_update() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_fields text[] := '{}';
    v_old    jsonb := '{}';
    v_new    jsonb := '{}';
BEGIN
    IF NEW.acceptance_criteria IS DISTINCT FROM OLD.acceptance_criteria THEN
        v_fields := v_fields || 'acceptance_criteria'::text;
        v_old := v_old || jsonb_build_object('acceptance_criteria', OLD.acceptance_criteria);
        v_new := v_new || jsonb_build_object('acceptance_criteria', NEW.acceptance_criteria);
    END IF;
    IF NEW.actual_hours IS DISTINCT FROM OLD.actual_hours THEN
        v_fields := v_fields || 'actual_hours'::text;
        v_old := v_old || jsonb_build_object('actual_hours', OLD.actual_hours);
        v_new := v_new || jsonb_build_object('actual_hours', NEW.actual_hours);
    END IF;
    IF NEW.affected_files IS DISTINCT FROM OLD.affected_files THEN
        v_fields := v_fields || 'affected_files'::text;
        v_old := v_old || jsonb_build_object('affected_files', OLD.affected_files);
        v_new := v_new || jsonb_build_object('affected_files', NEW.affected_files);
    END IF;
    IF NEW.assigned_to IS DISTINCT FROM OLD.assigned_to THEN
        v_fields := v_fields || 'assigned_to'::text;
        v_old := v_old || jsonb_build_object('assigned_to', OLD.assigned_to);
        v_new := v_new || jsonb_build_object('assigned_to', NEW.assigned_to);
    END IF;
    IF NEW.attempts IS DISTINCT FROM OLD.attempts THEN
        v_fields := v_fields || 'attempts'::text;
        v_old := v_old || jsonb_build_object('attempts', OLD.attempts);
        v_new := v_new || jsonb_build_object('attempts', NEW.attempts);
    END IF;
    IF NEW.branch_name IS DISTINCT FROM OLD.branch_name THEN
        v_fields := v_fields || 'branch_name'::text;
        v_old := v_old || jsonb_build_object('branch_name', OLD.branch_name);
        v_new := v_new || jsonb_build_object('branch_name', NEW.branch_name);
    END IF;
    IF NEW.codegen_session_id IS DISTINCT FROM OLD.codegen_session_id THEN
        v_fields := v_fields || 'codegen_session_id'::text;
        v_old := v_old || jsonb_build_object('codegen_session_id', OLD.codegen_session_id);
        v_new := v_new || jsonb_build_object('codegen_session_id', NEW.codegen_session_id);
    END IF;
    IF NEW.completed_at IS DISTINCT FROM OLD.completed_at THEN
        v_fields := v_fields || 'completed_at'::text;
        v_old := v_old || jsonb_build_object('completed_at', OLD.completed_at);
        v_new := v_new || jsonb_build_object('completed_at', NEW.completed_at);
    END IF;
    IF NEW.complexity IS DISTINCT FROM OLD.complexity THEN
        v_fields := v_fields || 'complexity'::text;
        v_old := v_old || jsonb_build_object('complexity', OLD.complexity);
        v_new := v_new || jsonb_build_object('complexity', NEW.complexity);
    END IF;
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        v_fields := v_fields || 'created_at'::text;
        v_old := v_old || jsonb_build_object('created_at', OLD.created_at);
        v_new := v_new || jsonb_build_object('created_at', NEW.created_at);
    END IF;
    IF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        v_fields := v_fields || 'created_by'::text;
        v_old := v_old || jsonb_build_object('created_by', OLD.created_by);
        v_new := v_new || jsonb_build_object('created_by', NEW.created_by);
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        v_fields := v_fields || 'description'::text;
        v_old := v_old || jsonb_build_object('description', OLD.description);
        v_new := v_new || jsonb_build_object('description', NEW.description);
    END IF;
    IF NEW.details IS DISTINCT FROM OLD.details THEN
        v_fields := v_fields || 'details'::text;
        v_old := v_old || jsonb_build_object('details', OLD.details);
        v_new := v_new || jsonb_build_object('details', NEW.details);
    END IF;
    IF NEW.estimated_hours IS DISTINCT FROM OLD.estimated_hours THEN
        v_fields := v_fields || 'estimated_hours'::text;
        v_old := v_old || jsonb_build_object('estimated_hours', OLD.estimated_hours);
        v_new := v_new || jsonb_build_object('estimated_hours', NEW.estimated_hours);
    END IF;
    IF NEW.external_key IS DISTINCT FROM OLD.external_key THEN
        v_fields := v_fields || 'external_key'::text;
        v_old := v_old || jsonb_build_object('external_key', OLD.external_key);
        v_new := v_new || jsonb_build_object('external_key', NEW.external_key);
    END IF;
    IF NEW.github_issue_number IS DISTINCT FROM OLD.github_issue_number THEN
        v_fields := v_fields || 'github_issue_number'::text;
        v_old := v_old || jsonb_build_object('github_issue_number', OLD.github_issue_number);
        v_new := v_new || jsonb_build_object('github_issue_number', NEW.github_issue_number);
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        v_fields := v_fields || 'id'::text;
        v_old := v_old || jsonb_build_object('id', OLD.id);
        v_new := v_new || jsonb_build_object('id', NEW.id);
    END IF;
    IF NEW.last_outcome IS DISTINCT FROM OLD.last_outcome THEN
        v_fields := v_fields || 'last_outcome'::text;
        v_old := v_old || jsonb_build_object('last_outcome', OLD.last_outcome);
        v_new := v_new || jsonb_build_object('last_outcome', NEW.last_outcome);
    END IF;
    IF NEW.lease_expires_at IS DISTINCT FROM OLD.lease_expires_at THEN
        v_fields := v_fields || 'lease_expires_at'::text;
        v_old := v_old || jsonb_build_object('lease_expires_at', OLD.lease_expires_at);
        v_new := v_new || jsonb_build_object('lease_expires_at', NEW.lease_expires_at);
    END IF;
    IF NEW.linear_issue_id IS DISTINCT FROM OLD.linear_issue_id THEN
        v_fields := v_fields || 'linear_issue_id'::text;
        v_old := v_old || jsonb_build_object('linear_issue_id', OLD.linear_issue_id);
        v_new := v_new || jsonb_build_object('linear_issue_id', NEW.linear_issue_id);
    END IF;
    IF NEW.max_attempts IS DISTINCT FROM OLD.max_attempts THEN
        v_fields := v_fields || 'max_attempts'::text;
        v_old := v_old || jsonb_build_object('max_attempts', OLD.max_attempts);
        v_new := v_new || jsonb_build_object('max_attempts', NEW.max_attempts);
    END IF;
    IF NEW.metadata IS DISTINCT FROM OLD.metadata THEN
        v_fields := v_fields || 'metadata'::text;
        v_old := v_old || jsonb_build_object('metadata', OLD.metadata);
        v_new := v_new || jsonb_build_object('metadata', NEW.metadata);
    END IF;
    IF NEW.parent_task_id IS DISTINCT FROM OLD.parent_task_id THEN
        v_fields := v_fields || 'parent_task_id'::text;
        v_old := v_old || jsonb_build_object('parent_task_id', OLD.parent_task_id);
        v_new := v_new || jsonb_build_object('parent_task_id', NEW.parent_task_id);
    END IF;
    IF NEW.pr_number IS DISTINCT FROM OLD.pr_number THEN
        v_fields := v_fields || 'pr_number'::text;
        v_old := v_old || jsonb_build_object('pr_number', OLD.pr_number);
        v_new := v_new || jsonb_build_object('pr_number', NEW.pr_number);
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
        v_fields := v_fields || 'priority'::text;
        v_old := v_old || jsonb_build_object('priority', OLD.priority);
        v_new := v_new || jsonb_build_object('priority', NEW.priority);
    END IF;
    IF NEW.repository_url IS DISTINCT FROM OLD.repository_url THEN
        v_fields := v_fields || 'repository_url'::text;
        v_old := v_old || jsonb_build_object('repository_url', OLD.repository_url);
        v_new := v_new || jsonb_build_object('repository_url', NEW.repository_url);
    END IF;
    IF NEW.requirements IS DISTINCT FROM OLD.requirements THEN
        v_fields := v_fields || 'requirements'::text;
        v_old := v_old || jsonb_build_object('requirements', OLD.requirements);
        v_new := v_new || jsonb_build_object('requirements', NEW.requirements);
    END IF;
    IF NEW.short_id IS DISTINCT FROM OLD.short_id THEN
        v_fields := v_fields || 'short_id'::text;
        v_old := v_old || jsonb_build_object('short_id', OLD.short_id);
        v_new := v_new || jsonb_build_object('short_id', NEW.short_id);
    END IF;
    IF NEW.started_at IS DISTINCT FROM OLD.started_at THEN
        v_fields := v_fields || 'started_at'::text;
        v_old := v_old || jsonb_build_object('started_at', OLD.started_at);
        v_new := v_new || jsonb_build_object('started_at', NEW.started_at);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        v_fields := v_fields || 'status'::text;
        v_old := v_old || jsonb_build_object('status', OLD.status);
        v_new := v_new || jsonb_build_object('status', NEW.status);
    END IF;
    IF NEW.tags IS DISTINCT FROM OLD.tags THEN
        v_fields := v_fields || 'tags'::text;
        v_old := v_old || jsonb_build_object('tags', OLD.tags);
        v_new := v_new || jsonb_build_object('tags', NEW.tags);
    END IF;
    IF NEW.test_strategy IS DISTINCT FROM OLD.test_strategy THEN
        v_fields := v_fields || 'test_strategy'::text;
        v_old := v_old || jsonb_build_object('test_strategy', OLD.test_strategy);
        v_new := v_new || jsonb_build_object('test_strategy', NEW.test_strategy);
    END IF;
    IF NEW.title IS DISTINCT FROM OLD.title THEN
        v_fields := v_fields || 'title'::text;
        v_old := v_old || jsonb_build_object('title', OLD.title);
        v_new := v_new || jsonb_build_object('title', NEW.title);
    END IF;
    IF NEW.type IS DISTINCT FROM OLD.type THEN
        v_fields := v_fields || 'type'::text;
        v_old := v_old || jsonb_build_object('type', OLD.type);
        v_new := v_new || jsonb_build_object('type', NEW.type);
    END IF;
    IF cardinality(v_fields) = 0 THEN
        RETURN NULL;   -- nothing audited changed
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, changed_fields, actor)
    VALUES (TG_TABLE_NAME, NEW.id::text, 'UPDATE', v_old, v_new, v_fields, current_actor());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit_task_update() IS
    'AFTER UPDATE row trigger on tasks writing audit_log: the task''s own columns compared one by one (derived columns, updated_at and open_blockers are not audited).';

DROP TRIGGER tasks_audit ON tasks;
CREATE TRIGGER tasks_audit AFTER UPDATE OF
        id, short_id, external_key, title, description, details, test_strategy, type, status,
        priority, complexity, tags, requirements, acceptance_criteria, affected_files, metadata,
        estimated_hours, actual_hours, parent_task_id, assigned_to, created_by, repository_url,
        branch_name, pr_number, linear_issue_id, github_issue_number, codegen_session_id,
        created_at, started_at, completed_at, attempts, max_attempts, last_outcome
    ON tasks FOR EACH ROW
    EXECUTE FUNCTION audit_task_update();
DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit_delete ON tasks;
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress');

DROP TRIGGER tasks_set_updated_at ON tasks;
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE OF
        id, short_id, external_key, title, description, details, test_strategy, type, status,
        priority, complexity, tags, requirements, acceptance_criteria, affected_files, metadata,
        estimated_hours, actual_hours, parent_task_id, assigned_to, created_by, repository_url,
        branch_name, pr_number, linear_issue_id, github_issue_number, codegen_session_id,
        created_at, started_at, completed_at, attempts, max_attempts, last_outcome
    ON tasks FOR EACH ROW
    EXECUTE FUNCTION set_updated_at();

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
    -- A lease holds an in-progress task; leaving in_progress (by any path) ends it.
    IF NEW.status <> 'in_progress' THEN
        NEW.lease_expires_at := NULL;
    END IF;
    RETURN NEW;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- Waking waiting agents. NOTIFY takes a cluster-wide lock at commit, so only changes that make a
-- task claimable notify; PostgreSQL folds identical notifications of one transaction into one.

CREATE FUNCTION tasks_notify_ready() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    PERFORM pg_notify('taskdb_ready', '');
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks_notify_ready() IS
    'AFTER UPDATE row trigger on tasks, when a task becomes claimable: NOTIFY taskdb_ready.';

CREATE TRIGGER tasks_notify_ready AFTER UPDATE ON tasks
    FOR EACH ROW
    WHEN (NEW.status = 'pending' AND NEW.open_blockers = 0
          AND (NEW.parent_task_id IS NULL OR NEW.parent_in_progress)
          AND NOT (OLD.status = 'pending' AND OLD.open_blockers = 0
                   AND (OLD.parent_task_id IS NULL OR OLD.parent_in_progress)))
    EXECUTE FUNCTION tasks_notify_ready();

CREATE FUNCTION tasks_notify_ready_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ready_new n
                WHERE n.status = 'pending' AND n.open_blockers = 0
                  AND (n.parent_task_id IS NULL OR n.parent_in_progress)) THEN
        PERFORM pg_notify('taskdb_ready', '');
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks_notify_ready_insert() IS
    'AFTER INSERT statement trigger on tasks: NOTIFY taskdb_ready once when a claimable task was inserted.';

CREATE TRIGGER tasks_notify_ready_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS ready_new
    FOR EACH STATEMENT EXECUTE FUNCTION tasks_notify_ready_insert();

-- create_task: a task created with dependencies arrives with its counts (see above).
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
    v_open    integer;
    v_total   integer;
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

    -- The task arrives with its dependency counts as its edges will make them, so it is not
    -- announced as claimable (NOTIFY taskdb_ready) when it is blocked, and the edges' recount
    -- finds nothing to rewrite (it corrects a blocker completed in between).
    SELECT count(*) FILTER (WHERE t.status <> 'completed'), count(*)
      INTO v_open, v_total
      FROM (SELECT DISTINCT d FROM unnest(coalesce(p_depends_on, '{}')) AS d) AS x
      JOIN tasks t ON t.id = x.d;

    INSERT INTO tasks (title, description, type, priority, assigned_to, parent_task_id,
                       requirements, metadata, details, test_strategy, tags, complexity,
                       acceptance_criteria, affected_files, external_key, estimated_hours,
                       open_blockers, blocking_dependencies)
    VALUES (p_title, p_description, coalesce(p_type, 'general'), coalesce(p_priority, 5),
            p_assigned_to, p_parent_task_id, coalesce(p_requirements, '[]'),
            coalesce(p_metadata, '{}'), p_details, p_test_strategy, coalesce(p_tags, '{}'),
            p_complexity, coalesce(p_acceptance_criteria, '[]'), coalesce(p_affected_files, '[]'),
            p_external_key, p_estimated_hours, v_open, v_total)
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

-- ---------------------------------------------------------------------------------------------
-- Leases.

CREATE FUNCTION expire_leases(p_max_attempts integer DEFAULT 3, p_limit integer DEFAULT 1000)
    RETURNS SETOF tasks
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    WITH x AS MATERIALIZED (
        SELECT t.id FROM tasks t
         WHERE t.lease_expires_at < now()
         ORDER BY t.lease_expires_at
         LIMIT greatest(p_limit, 0)
           FOR NO KEY UPDATE SKIP LOCKED),
    u AS (
        UPDATE tasks t
           SET status = CASE WHEN t.attempts >= coalesce(t.max_attempts, p_max_attempts)
                             THEN 'failed' ELSE 'pending' END,
               assigned_to = NULL,
               last_outcome = CASE
                   WHEN t.attempts >= coalesce(t.max_attempts, p_max_attempts)
                   THEN format('gave up after %s attempt(s): the lease of %s expired at %s',
                               t.attempts, t.assigned_to,
                               to_char(t.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                   ELSE format('the lease of %s expired at %s (attempt %s of %s)',
                               t.assigned_to,
                               to_char(t.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                               t.attempts, coalesce(t.max_attempts, p_max_attempts)) END
          FROM x
         WHERE t.id = x.id AND t.lease_expires_at < now()
        RETURNING t.*)
    SELECT * FROM u ORDER BY u.short_id
$$;
COMMENT ON FUNCTION expire_leases(integer, integer) IS
    'Hands tasks whose lease ended back (pending), or gives them up (failed) once they used max_attempts (default p_max_attempts); returns them.';

CREATE FUNCTION lease_refusal(p_task tasks, p_holder text) RETURNS void
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    RAISE EXCEPTION 'task #% is not held by %', p_task.short_id, p_holder
        USING ERRCODE = 'TD030',
              DETAIL = CASE
                  WHEN p_task.status <> 'in_progress' THEN format('it is %s', p_task.status)
                  WHEN p_task.assigned_to IS NULL THEN 'it is in_progress, held by nobody'
                  ELSE format('it is held by %s (attempt %s)', p_task.assigned_to, p_task.attempts) END,
              HINT = 'only the holder (--assign, or the actor) may extend, release or finish a claim';
END
$$;
COMMENT ON FUNCTION lease_refusal(tasks, text) IS 'Raises TD030: the task is not held by p_holder.';

CREATE FUNCTION held_task(p_task_id uuid, p_holder text, p_attempt integer) RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v tasks;
BEGIN
    SELECT * INTO v FROM tasks t WHERE t.id = p_task_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % not found', p_task_id USING ERRCODE = 'TD020';
    END IF;
    IF v.status <> 'in_progress' OR v.assigned_to IS DISTINCT FROM p_holder
       OR (p_attempt IS NOT NULL AND v.attempts <> p_attempt) THEN
        PERFORM lease_refusal(v, p_holder);
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION held_task(uuid, text, integer) IS
    'The task, locked, if p_holder holds it (and, given p_attempt, in that attempt); TD030 otherwise.';

CREATE FUNCTION claim_tasks(p_holder text, p_lease interval, p_tag text DEFAULT NULL,
                            p_limit integer DEFAULT 1, p_max_attempts integer DEFAULT 3,
                            p_type text DEFAULT NULL)
    RETURNS SETOF tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF p_holder IS NULL OR btrim(p_holder) = '' THEN
        RAISE EXCEPTION 'a claim needs a holder' USING ERRCODE = '22023';
    END IF;
    IF p_lease IS NOT NULL AND p_lease <= interval '0' THEN
        RAISE EXCEPTION 'a lease must be longer than zero (got %)', p_lease USING ERRCODE = '22023';
    END IF;
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'a claim takes 1 to 1000 tasks (got %)', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF p_max_attempts IS NULL OR p_max_attempts NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'max attempts must be 1 to 1000 (got %)', coalesce(p_max_attempts::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;

    -- Expired leases first (an index probe when there are none), so no cron is needed.
    IF EXISTS (SELECT 1 FROM tasks x WHERE x.lease_expires_at < now()) THEN
        PERFORM expire_leases(p_max_attempts);
    END IF;

    IF p_tag IS NULL THEN
        RETURN QUERY
        WITH c AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
              FROM c WHERE t.id = c.id
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    ELSE
        -- The best p_limit tasks whose first tag is p_tag (in order, from tasks_claim_tag_idx)
        -- and the best p_limit of those carrying it further on (from tasks_claim_more_tags_gin,
        -- sorted: priority + 0 keeps the planner off tasks_claim_idx, whose walk would read
        -- other tags' tasks), each locked; the best p_limit of both are claimed (the others
        -- stay locked until this short transaction ends).
        RETURN QUERY
        WITH first AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[1] = p_tag
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.tags[1], t.parent_in_progress DESC, t.priority DESC,
                      t.blocking_dependencies, t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        further AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[2:] @> ARRAY[p_tag] AND cardinality(t.tags) > 1
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority + 0 DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        c AS MATERIALIZED (
            SELECT x.id FROM tasks x
             WHERE x.id IN (SELECT f.id FROM first f UNION ALL SELECT m.id FROM further m)
             ORDER BY x.parent_in_progress DESC, x.priority DESC, x.blocking_dependencies,
                      x.parent_short_id, x.short_id
             LIMIT p_limit),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
              FROM c WHERE t.id = c.id
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    END IF;
END
$$;
COMMENT ON FUNCTION claim_tasks(text, interval, text, integer, integer, text) IS
    'Claims up to p_limit claimable tasks (tag p_tag and type p_type, if given) in Task Master''s order for p_holder, with a lease of p_lease (NULL: none); expired leases are handed back first. Returns the claimed tasks.';

CREATE FUNCTION heartbeat_task(p_task_id uuid, p_holder text, p_extend interval,
                               p_attempt integer DEFAULT NULL) RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v tasks;
BEGIN
    IF p_extend IS NULL OR p_extend <= interval '0' THEN
        RAISE EXCEPTION 'a lease must be longer than zero (got %)', coalesce(p_extend::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    PERFORM held_task(p_task_id, p_holder, p_attempt);
    -- Only lease_expires_at is named: a heartbeat is not an edit (no audit row, no updated_at).
    UPDATE tasks t SET lease_expires_at = now() + p_extend WHERE t.id = p_task_id RETURNING * INTO v;
    RETURN v;
END
$$;
COMMENT ON FUNCTION heartbeat_task(uuid, text, interval, integer) IS
    'Extends the holder''s lease to now() + p_extend; TD030 for anyone else (or another attempt).';

CREATE FUNCTION release_task(p_task_id uuid, p_holder text, p_note text DEFAULT NULL,
                             p_attempt integer DEFAULT NULL) RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v tasks;
BEGIN
    PERFORM held_task(p_task_id, p_holder, p_attempt);
    UPDATE tasks t
       SET status = 'pending', assigned_to = NULL,
           last_outcome = format('released by %s on attempt %s', p_holder, t.attempts)
                          || coalesce(': ' || nullif(p_note, ''), '')
     WHERE t.id = p_task_id
    RETURNING * INTO v;
    RETURN v;
END
$$;
COMMENT ON FUNCTION release_task(uuid, text, text, integer) IS
    'The holder hands the task back (pending); TD030 for anyone else (or, given p_attempt, another attempt).';

CREATE FUNCTION finish_task_attempt(p_task_id uuid, p_holder text, p_attempt integer,
                                    p_succeeded boolean, p_note text DEFAULT NULL,
                                    p_details jsonb DEFAULT '{}', p_max_attempts integer DEFAULT 3)
    RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v   tasks;
    v_max integer;
BEGIN
    v := held_task(p_task_id, p_holder, p_attempt);
    v_max := coalesce(v.max_attempts, p_max_attempts);
    IF p_succeeded THEN
        UPDATE tasks t
           SET status = 'completed',
               last_outcome = format('completed by %s on attempt %s', p_holder, t.attempts)
         WHERE t.id = p_task_id RETURNING * INTO v;
    ELSE
        UPDATE tasks t
           SET status = CASE WHEN t.attempts >= v_max THEN 'failed' ELSE 'pending' END,
               assigned_to = NULL,
               last_outcome = CASE WHEN t.attempts >= v_max
                                   THEN format('gave up after %s attempt(s), the last by %s failed',
                                               t.attempts, p_holder)
                                   ELSE format('attempt %s of %s by %s failed', t.attempts, v_max,
                                               p_holder) END
                              || coalesce(': ' || nullif(p_note, ''), '')
         WHERE t.id = p_task_id RETURNING * INTO v;
    END IF;
    INSERT INTO task_contexts (task_id, context_type, context_data)
    VALUES (p_task_id, CASE WHEN p_succeeded THEN 'completion' ELSE 'error' END,
            coalesce(p_details, '{}') || jsonb_build_object(
                'attempt', p_attempt, 'holder', p_holder, 'succeeded', p_succeeded,
                'outcome', v.last_outcome));
    RETURN v;
END
$$;
COMMENT ON FUNCTION finish_task_attempt(uuid, text, integer, boolean, text, jsonb, integer) IS
    'The holder ends attempt p_attempt: completed, or failed (pending again, or failed once max attempts are used); records a run context. TD030 for anyone else.';
