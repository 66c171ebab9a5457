-- V4__audit_and_rules.sql -- audit trail and the business-rule triggers.
--
-- Creates
--   table audit_log(id bigint identity PK, table_name text, record_id text,
--                   action text ('INSERT' | 'UPDATE' | 'DELETE'), old_values jsonb,
--                   new_values jsonb, changed_fields text[], actor text, occurred_at timestamptz)
--       INSERT: new_values = whole row, old_values NULL, changed_fields NULL.
--       DELETE: old_values = whole row, new_values NULL, changed_fields NULL.
--       UPDATE: old_values/new_values hold ONLY the changed columns; changed_fields lists them
--               (sorted). An UPDATE that changes nothing audited writes no row.
--       record_id: the row's id as text; for task_dependencies '<task_id>:<depends_on_task_id>'.
--       actor: current_actor() = setting taskdb.actor, else current_user.
--       Columns never audited: updated_at everywhere; workflows.step_log (the step timeline is
--       its own history); external_integrations.current_usage, usage_reset_at, last_used_at,
--       last_health_check (per-call bookkeeping).
--   table task_graph_locks(graph text PK, version bigint): one row per graph ('dependencies',
--       'hierarchy'). The cycle triggers UPDATE (upsert) that row before looking at the graph, so
--       two transactions changing the same graph are serialised: under READ COMMITTED the second
--       waits for the first to commit and then sees its rows (its next statement takes a fresh
--       snapshot); under REPEATABLE READ / SERIALIZABLE the second fails with 40001
--       (serialization_failure) and must be retried. This is why a row lock is used rather than
--       an advisory lock: an advisory lock alone cannot make an older snapshot see new rows.
--   functions audit_row_change(), lock_task_graph(text), task_dependencies_prevent_cycle(),
--       tasks_prevent_parent_cycle(), tasks_status_guard(), workflows_status_guard(),
--       allowed_task_transitions(from_status text) RETURNS text[]      (for clients too)
--       allowed_workflow_transitions(from_status text) RETURNS text[]  (for clients too)
--   triggers
--       tasks:                 tasks_status_guard (BEFORE INSERT OR UPDATE OF status),
--                              tasks_prevent_parent_cycle (BEFORE UPDATE OF parent_task_id),
--                              tasks_audit (AFTER INSERT/UPDATE/DELETE)
--       task_dependencies:     task_dependencies_prevent_cycle (BEFORE INSERT OR UPDATE),
--                              task_dependencies_audit (AFTER ...)
--       workflows:             workflows_status_guard (BEFORE INSERT OR UPDATE OF status),
--                              workflows_audit (AFTER ...)
--       external_integrations: external_integrations_audit (AFTER ...)
--
-- Custom SQLSTATEs raised here (class 'TD', taskdb):
--   TD001  dependency cycle among 'blocks' dependencies.
--          Message: 'dependency cycle: #4 -> #9 -> #2 -> #4' (arrow is U+2192 in UTF8 databases,
--          '->' otherwise); read "#4 depends on #9, which depends on #2, which depends on #4".
--          DETAIL lists the same cycle as task uuids.
--   TD002  task hierarchy (parent_task_id) cycle. Message: 'task hierarchy cycle: #5 -> #7 -> #5'
--          (each task is followed by its parent).
--   TD010  task status change not in task_status_transitions.
--          Message: 'invalid transition completed -> pending (allowed from completed: in_progress)'.
--          DETAIL: 'task #<short_id> (<uuid>)'.
--   TD011  workflow status change not in workflow_status_transitions.
--          Message: 'invalid workflow transition completed -> running (allowed from completed: none)'.
--   TD012  workflow retry (failed/timeout -> running) refused: retry_count >= max_retries.
-- Unknown status values are left to the CHECK constraints (SQLSTATE 23514).

CREATE TABLE audit_log (
    id             bigint      GENERATED ALWAYS AS IDENTITY,
    table_name     text        NOT NULL,
    record_id      text        NOT NULL,
    action         text        NOT NULL,
    old_values     jsonb,
    new_values     jsonb,
    changed_fields text[],
    actor          text        NOT NULL DEFAULT current_actor(),
    occurred_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT audit_log_pkey PRIMARY KEY (id),
    CONSTRAINT audit_log_action_valid CHECK (action IN ('INSERT', 'UPDATE', 'DELETE')),
    CONSTRAINT audit_log_values_match_action CHECK (
        CASE action
            WHEN 'INSERT' THEN old_values IS NULL AND new_values IS NOT NULL
            WHEN 'DELETE' THEN old_values IS NOT NULL AND new_values IS NULL
            ELSE old_values IS NOT NULL AND new_values IS NOT NULL AND changed_fields IS NOT NULL
        END)
);
COMMENT ON TABLE audit_log IS
    'Row changes of tasks, task_dependencies, workflows and external_integrations (written by trigger).';
COMMENT ON COLUMN audit_log.record_id IS 'Primary key as text; task_dependencies: <task_id>:<depends_on_task_id>.';
COMMENT ON COLUMN audit_log.old_values IS 'DELETE: whole row; UPDATE: changed columns only; INSERT: NULL.';
COMMENT ON COLUMN audit_log.new_values IS 'INSERT: whole row; UPDATE: changed columns only; DELETE: NULL.';

CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id, occurred_at);
CREATE INDEX audit_log_occurred_brin ON audit_log USING brin (occurred_at);

-- Trigger arguments: 1st = comma-separated key columns forming record_id (default 'id');
-- further arguments = columns left out of the audit (updated_at is always left out).
CREATE FUNCTION audit_row_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_keys      text[] := string_to_array(coalesce(TG_ARGV[0], 'id'), ',');
    v_ignored   text[] := ARRAY['updated_at'];
    v_old       jsonb;
    v_new       jsonb;
    v_changed   text[];
    v_record_id text;
BEGIN
    FOR i IN 1 .. TG_NARGS - 1 LOOP
        v_ignored := v_ignored || TG_ARGV[i];
    END LOOP;

    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        v_old := to_jsonb(OLD) - v_ignored;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        v_new := to_jsonb(NEW) - v_ignored;
    END IF;

    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
          INTO v_changed
          FROM jsonb_each(v_new) AS n
         WHERE n.value IS DISTINCT FROM v_old -> n.key;
        IF cardinality(v_changed) = 0 THEN
            RETURN NULL;
        END IF;
        SELECT jsonb_object_agg(o.key, o.value) INTO v_old FROM jsonb_each(v_old) AS o WHERE o.key = ANY (v_changed);
        SELECT jsonb_object_agg(n.key, n.value) INTO v_new FROM jsonb_each(v_new) AS n WHERE n.key = ANY (v_changed);
    END IF;

    SELECT string_agg(CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END ->> k.col,
                      ':' ORDER BY k.ord)
      INTO v_record_id
      FROM unnest(v_keys) WITH ORDINALITY AS k(col, ord);

    INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, changed_fields, actor)
    VALUES (TG_TABLE_NAME, v_record_id, TG_OP, v_old, v_new, v_changed, current_actor());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit_row_change() IS
    'AFTER row trigger writing audit_log. Args: key columns (comma-separated), then columns to ignore.';

CREATE TABLE task_graph_locks (
    graph   text   NOT NULL,
    version bigint NOT NULL DEFAULT 0,
    CONSTRAINT task_graph_locks_pkey PRIMARY KEY (graph),
    CONSTRAINT task_graph_locks_graph_valid CHECK (graph IN ('dependencies', 'hierarchy'))
);
COMMENT ON TABLE task_graph_locks IS
    'Serialises changes to the dependency graph and the task hierarchy (row updated by the cycle triggers).';
INSERT INTO task_graph_locks (graph) VALUES ('dependencies'), ('hierarchy');

CREATE FUNCTION lock_task_graph(p_graph text) RETURNS void
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    INSERT INTO task_graph_locks AS l (graph, version) VALUES (p_graph, 1)
    ON CONFLICT (graph) DO UPDATE SET version = l.version + 1
$$;
COMMENT ON FUNCTION lock_task_graph(text) IS
    'Row-locks (and bumps) task_graph_locks[graph] until the end of the transaction.';

CREATE FUNCTION task_dependencies_prevent_cycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow    text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_old_task uuid;
    v_old_dep  uuid;
    v_nodes    uuid[];
    v_preds    uuid[];
    v_path     uuid[];
    v_cur      uuid;
    v_steps    integer := 0;
    v_msg      text;
    v_detail   text;
BEGIN
    -- 'related' edges never block; a self-dependency is refused by CHECK task_dependencies_no_self.
    IF NEW.dependency_type <> 'blocks' OR NEW.task_id = NEW.depends_on_task_id THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.dependency_type = 'blocks' AND OLD.task_id = NEW.task_id
           AND OLD.depends_on_task_id = NEW.depends_on_task_id THEN
            RETURN NEW;
        END IF;
        v_old_task := OLD.task_id;
        v_old_dep := OLD.depends_on_task_id;
    END IF;

    PERFORM lock_task_graph('dependencies');

    -- Everything reachable from depends_on_task_id along 'blocks' edges, with one predecessor
    -- per (node, predecessor) pair; UNION keeps this linear in the number of edges.
    WITH RECURSIVE reach(node, pred) AS (
        SELECT NEW.depends_on_task_id, NULL::uuid
        UNION
        SELECT d.depends_on_task_id, d.task_id
          FROM reach r
          JOIN task_dependencies d ON d.task_id = r.node
         WHERE d.dependency_type = 'blocks'
           AND r.node <> NEW.task_id
           AND (d.task_id, d.depends_on_task_id) IS DISTINCT FROM (v_old_task, v_old_dep)
    )
    SELECT array_agg(r.node), array_agg(r.pred) INTO v_nodes, v_preds FROM reach r;

    IF NOT (NEW.task_id = ANY (v_nodes)) THEN
        RETURN NEW;
    END IF;

    -- Walk back from task_id to depends_on_task_id to name the cycle.
    v_cur := NEW.task_id;
    v_path := ARRAY[NEW.task_id];
    WHILE v_cur <> NEW.depends_on_task_id AND v_steps <= cardinality(v_nodes) LOOP
        v_steps := v_steps + 1;
        SELECT u.p INTO v_cur
          FROM unnest(v_nodes, v_preds) AS u(n, p)
         WHERE u.n = v_cur AND u.p IS NOT NULL AND u.p <> ALL (v_path)
         LIMIT 1;
        EXIT WHEN v_cur IS NULL;
        v_path := v_cur || v_path;
    END LOOP;
    v_path := NEW.task_id || v_path;   -- task -> depends_on -> ... -> task

    SELECT string_agg('#' || coalesce(t.short_id::text, '?'), v_arrow ORDER BY u.ord),
           string_agg(u.id::text, v_arrow ORDER BY u.ord)
      INTO v_msg, v_detail
      FROM unnest(v_path) WITH ORDINALITY AS u(id, ord)
      LEFT JOIN tasks t ON t.id = u.id;

    RAISE EXCEPTION 'dependency cycle: %', v_msg
        USING ERRCODE = 'TD001',
              DETAIL = 'cycle (task ids): ' || v_detail,
              HINT = 'a task cannot depend, directly or through other tasks, on itself; remove a dependency of the cycle first',
              TABLE = 'task_dependencies';
END
$$;
COMMENT ON FUNCTION task_dependencies_prevent_cycle() IS
    'BEFORE INSERT/UPDATE on task_dependencies: refuses a blocks edge closing a cycle (SQLSTATE TD001).';

CREATE TRIGGER task_dependencies_prevent_cycle BEFORE INSERT OR UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION task_dependencies_prevent_cycle();

CREATE FUNCTION tasks_prevent_parent_cycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_path  uuid[];
    v_cur   uuid;
    v_msg   text;
BEGIN
    -- A task being its own parent is refused by CHECK tasks_not_own_parent.
    IF NEW.parent_task_id IS NULL OR NEW.parent_task_id = NEW.id THEN
        RETURN NEW;
    END IF;

    PERFORM lock_task_graph('hierarchy');

    v_path := ARRAY[NEW.id, NEW.parent_task_id];
    v_cur := NEW.parent_task_id;
    LOOP
        SELECT t.parent_task_id INTO v_cur FROM tasks t WHERE t.id = v_cur;
        EXIT WHEN v_cur IS NULL;
        IF v_cur = NEW.id THEN
            v_path := v_path || v_cur;
            SELECT string_agg('#' || t.short_id::text, v_arrow ORDER BY u.ord)
              INTO v_msg
              FROM unnest(v_path) WITH ORDINALITY AS u(id, ord)
              JOIN tasks t ON t.id = u.id;
            RAISE EXCEPTION 'task hierarchy cycle: %', v_msg
                USING ERRCODE = 'TD002',
                      DETAIL = 'each task is followed by its parent; a task cannot be its own ancestor',
                      TABLE = 'tasks', COLUMN = 'parent_task_id';
        END IF;
        EXIT WHEN v_cur = ANY (v_path);   -- pre-existing cycle elsewhere: not ours to report
        v_path := v_path || v_cur;
    END LOOP;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION tasks_prevent_parent_cycle() IS
    'BEFORE UPDATE OF parent_task_id on tasks: refuses making a task its own ancestor (SQLSTATE TD002).';

CREATE TRIGGER tasks_prevent_parent_cycle BEFORE UPDATE OF parent_task_id ON tasks
    FOR EACH ROW
    WHEN (NEW.parent_task_id IS NOT NULL AND NEW.parent_task_id IS DISTINCT FROM OLD.parent_task_id)
    EXECUTE FUNCTION tasks_prevent_parent_cycle();

CREATE FUNCTION allowed_task_transitions(p_from_status text) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $$
    SELECT coalesce(array_agg(tr.to_status ORDER BY array_position(
               ARRAY['pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled'],
               tr.to_status)), '{}')
      FROM task_status_transitions tr
     WHERE tr.from_status = p_from_status
$$;
COMMENT ON FUNCTION allowed_task_transitions(text) IS
    'Statuses a task may move to from the given status (from task_status_transitions), in vocabulary order.';

CREATE FUNCTION allowed_workflow_transitions(p_from_status text) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path FROM CURRENT
AS $$
    SELECT coalesce(array_agg(tr.to_status ORDER BY array_position(
               ARRAY['initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout'],
               tr.to_status)), '{}')
      FROM workflow_status_transitions tr
     WHERE tr.from_status = p_from_status
$$;
COMMENT ON FUNCTION allowed_workflow_transitions(text) IS
    'Statuses a workflow may move to from the given status (from workflow_status_transitions), in vocabulary order.';

CREATE FUNCTION tasks_status_guard() RETURNS trigger
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
COMMENT ON FUNCTION tasks_status_guard() IS
    'BEFORE INSERT/UPDATE OF status on tasks: enforces task_status_transitions (TD010), sets started_at/completed_at.';

CREATE TRIGGER tasks_status_guard BEFORE INSERT OR UPDATE OF status ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_status_guard();

CREATE FUNCTION workflows_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow    text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_terminal text[] := ARRAY['completed', 'failed', 'cancelled', 'timeout'];
    v_is_retry boolean;
    v_allowed  text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT tr.is_retry INTO v_is_retry
          FROM workflow_status_transitions tr
         WHERE tr.from_status = OLD.status AND tr.to_status = NEW.status;
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM workflow_status_transitions tr
                            WHERE NEW.status IN (tr.from_status, tr.to_status)) THEN
                RETURN NEW;   -- not a status at all: CHECK workflows_status_valid reports it (23514)
            END IF;
            v_allowed := nullif(array_to_string(allowed_workflow_transitions(OLD.status), ', '), '');
            RAISE EXCEPTION 'invalid workflow transition %', format('%s%s%s (allowed from %s: %s)',
                      OLD.status, v_arrow, NEW.status, OLD.status, coalesce(v_allowed, 'none'))
                USING ERRCODE = 'TD011',
                      DETAIL = format('workflow #%s (%s)', NEW.short_id, NEW.id),
                      TABLE = 'workflows', COLUMN = 'status';
        END IF;
        IF v_is_retry THEN
            IF OLD.retry_count >= NEW.max_retries THEN
                RAISE EXCEPTION 'workflow #% has no retries left (% of % used)',
                          NEW.short_id, OLD.retry_count, NEW.max_retries
                    USING ERRCODE = 'TD012',
                          DETAIL = format('workflow #%s (%s)', NEW.short_id, NEW.id),
                          HINT = 'raise max_retries or create a new workflow',
                          TABLE = 'workflows', COLUMN = 'retry_count';
            END IF;
            NEW.retry_count := OLD.retry_count + 1;
        END IF;
    END IF;

    IF NEW.status = 'running' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.started_at := coalesce(NEW.started_at, now());
        ELSIF OLD.status <> 'running' THEN
            NEW.started_at := now();      -- start of this attempt
        END IF;
        NEW.completed_at := NULL;
    ELSIF NEW.status = ANY (v_terminal) THEN
        IF TG_OP = 'INSERT' OR NOT (OLD.status = ANY (v_terminal)) THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION workflows_status_guard() IS
    'BEFORE INSERT/UPDATE OF status on workflows: enforces workflow_status_transitions (TD011), retries (TD012), timestamps.';

CREATE TRIGGER workflows_status_guard BEFORE INSERT OR UPDATE OF status ON workflows
    FOR EACH ROW EXECUTE FUNCTION workflows_status_guard();

CREATE TRIGGER tasks_audit AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER task_dependencies_audit AFTER INSERT OR UPDATE OR DELETE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('task_id,depends_on_task_id');
CREATE TRIGGER workflows_audit AFTER INSERT OR UPDATE OR DELETE ON workflows
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'step_log');
CREATE TRIGGER external_integrations_audit AFTER INSERT OR UPDATE OR DELETE ON external_integrations
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');
