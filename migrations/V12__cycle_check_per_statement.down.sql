-- V12__cycle_check_per_statement.down.sql -- back to V4's row-level check on INSERT and UPDATE.
DROP TRIGGER task_dependencies_acyclic_insert ON task_dependencies;
DROP TRIGGER task_dependencies_prevent_cycle ON task_dependencies;
CREATE TRIGGER task_dependencies_prevent_cycle BEFORE INSERT OR UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION task_dependencies_prevent_cycle();
DROP FUNCTION task_dependencies_check_new_edges();
-- V4's task_dependencies_prevent_cycle (with V11's setting).
CREATE OR REPLACE FUNCTION task_dependencies_prevent_cycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
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
DROP FUNCTION raise_dependency_cycle(uuid, uuid, uuid, uuid);

-- V5's create_task.
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

    INSERT INTO task_dependencies (task_id, depends_on_task_id)
    SELECT DISTINCT v_task.id, d
      FROM unnest(coalesce(p_depends_on, '{}')) AS d;

    RETURN v_task;
END
$$;
COMMENT ON FUNCTION create_task(text, text, text, integer, text, uuid, jsonb, jsonb, text, text, text[],
                                integer, jsonb, jsonb, text, uuid[], numeric) IS
    'Create a pending task (optionally with blocks-dependencies); returns the row.';
