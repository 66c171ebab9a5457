-- V12__cycle_check_per_statement.sql -- new dependency edges are checked for cycles once per
-- statement instead of once per row.
--
-- Creates
--   function raise_dependency_cycle(p_task uuid, p_dep uuid, p_skip_task uuid DEFAULT NULL,
--       p_skip_dep uuid DEFAULT NULL) RETURNS void: raises TD001 naming the cycle that the edge
--       p_task -> p_dep closes, worded as V4's trigger did ('dependency cycle: #4 -> #9 -> #2 ->
--       #4', DETAIL the task uuids, HINT); the skip edge (one being replaced) is not walked.
--   function task_dependencies_check_new_edges(): AFTER INSERT ... FOR EACH STATEMENT trigger
--       (transition table deps_new). Takes lock_task_graph('dependencies') once, then one
--       recursive query finds, among the statement's new 'blocks' edges t -> d, one whose task t
--       is reachable from d (the graph before the statement is acyclic, so any cycle runs
--       through a new edge); that edge's cycle is reported.
--   trigger task_dependencies_acyclic_insert (AFTER INSERT, per statement)
-- Replaces
--   trigger task_dependencies_prevent_cycle: now BEFORE UPDATE only (re-pointed or re-typed
--       edges are still checked row by row, the replaced edge left out of the walk).
--   function task_dependencies_prevent_cycle() (V4, V11's setting kept): decides with a plain
--       reachability query and leaves the naming of the cycle to raise_dependency_cycle, so
--       the message is built in one place for both triggers.
--   function create_task(...) (V5): inserts its dependencies only when it has some, since the
--       statement triggers on task_dependencies also run for an empty statement (3 trigger
--       calls, ~30 us, on every task created without dependencies). Same signature, same result.
--
-- Why: per row, a bulk insert of N edges took the graph lock and ran the walk N times through
-- PL/pgSQL: 2.6 s of a 100,000-task Task Master import. The work of the walks themselves is the
-- same (each new edge explores what its target reaches), now done in one set-based query.
-- Concurrency is unchanged: the rows are in the table when the check runs, the graph lock
-- serialises concurrent checks, and the walk (a new statement) sees what the lock's previous
-- holder committed; under REPEATABLE READ the second writer still fails with 40001.

CREATE FUNCTION raise_dependency_cycle(p_task uuid, p_dep uuid,
                                       p_skip_task uuid DEFAULT NULL, p_skip_dep uuid DEFAULT NULL)
    RETURNS void
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
AS $$
DECLARE
    v_arrow  text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_nodes  uuid[];
    v_preds  uuid[];
    v_path   uuid[];
    v_cur    uuid;
    v_steps  integer := 0;
    v_msg    text;
    v_detail text;
BEGIN
    -- What p_dep reaches along 'blocks' edges, one predecessor per (node, predecessor) pair.
    WITH RECURSIVE reach(node, pred) AS (
        SELECT p_dep, NULL::uuid
        UNION
        SELECT d.depends_on_task_id, d.task_id
          FROM reach r
          JOIN task_dependencies d ON d.task_id = r.node
         WHERE d.dependency_type = 'blocks'
           AND r.node <> p_task
           AND (d.task_id, d.depends_on_task_id) IS DISTINCT FROM (p_skip_task, p_skip_dep)
    )
    SELECT array_agg(r.node), array_agg(r.pred) INTO v_nodes, v_preds FROM reach r;

    -- Walk back from p_task to p_dep to name the cycle.
    v_cur := p_task;
    v_path := ARRAY[p_task];
    WHILE v_cur <> p_dep AND v_steps <= cardinality(v_nodes) LOOP
        v_steps := v_steps + 1;
        SELECT u.p INTO v_cur
          FROM unnest(v_nodes, v_preds) AS u(n, p)
         WHERE u.n = v_cur AND u.p IS NOT NULL AND u.p <> ALL (v_path)
         LIMIT 1;
        EXIT WHEN v_cur IS NULL;
        v_path := v_cur || v_path;
    END LOOP;
    v_path := p_task || v_path;   -- task -> depends_on -> ... -> task

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
COMMENT ON FUNCTION raise_dependency_cycle(uuid, uuid, uuid, uuid) IS
    'Raises TD001 naming the cycle closed by the blocks edge p_task -> p_dep (the edge p_skip_task -> p_skip_dep, being replaced, left out).';

CREATE FUNCTION task_dependencies_check_new_edges() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
AS $$
DECLARE
    v_task uuid;
    v_dep  uuid;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM deps_new n WHERE n.dependency_type = 'blocks') THEN
        RETURN NULL;
    END IF;
    PERFORM lock_task_graph('dependencies');
    WITH RECURSIVE reach(origin, first, node) AS (
        SELECT n.task_id, n.depends_on_task_id, n.depends_on_task_id
          FROM deps_new n
         WHERE n.dependency_type = 'blocks'
        UNION
        SELECT r.origin, r.first, e.depends_on_task_id
          FROM reach r
          JOIN task_dependencies e ON e.task_id = r.node
         WHERE e.dependency_type = 'blocks'
           AND r.node <> r.origin
    )
    SELECT r.origin, r.first INTO v_task, v_dep
      FROM reach r
     WHERE r.node = r.origin
     LIMIT 1;
    IF FOUND THEN
        PERFORM raise_dependency_cycle(v_task, v_dep);
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION task_dependencies_check_new_edges() IS
    'AFTER INSERT statement trigger on task_dependencies: refuses new blocks edges that close a cycle (TD001).';

CREATE OR REPLACE FUNCTION task_dependencies_prevent_cycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
AS $$
DECLARE
    v_old_task uuid;
    v_old_dep  uuid;
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

    -- Does depends_on_task_id reach task_id along 'blocks' edges, the replaced edge left out?
    IF EXISTS (
        WITH RECURSIVE reach(node) AS (
            SELECT NEW.depends_on_task_id
            UNION
            SELECT d.depends_on_task_id
              FROM reach r
              JOIN task_dependencies d ON d.task_id = r.node
             WHERE d.dependency_type = 'blocks'
               AND r.node <> NEW.task_id
               AND (d.task_id, d.depends_on_task_id) IS DISTINCT FROM (v_old_task, v_old_dep)
        )
        SELECT 1 FROM reach WHERE node = NEW.task_id
    ) THEN
        PERFORM raise_dependency_cycle(NEW.task_id, NEW.depends_on_task_id, v_old_task, v_old_dep);
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER task_dependencies_prevent_cycle ON task_dependencies;
CREATE TRIGGER task_dependencies_prevent_cycle BEFORE UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION task_dependencies_prevent_cycle();
CREATE TRIGGER task_dependencies_acyclic_insert AFTER INSERT ON task_dependencies
    REFERENCING NEW TABLE AS deps_new
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_check_new_edges();

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
COMMENT ON FUNCTION create_task(text, text, text, integer, text, uuid, jsonb, jsonb, text, text, text[],
                                integer, jsonb, jsonb, text, uuid[], numeric) IS
    'Create a pending task (optionally with blocks-dependencies); returns the row.';
