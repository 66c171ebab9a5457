-- V13__cycle_check_linear.down.sql -- back to V12: the per-statement check of new edges with
-- one walk per edge, the row-level check on UPDATE (function bodies as V12 left them).
DROP TRIGGER task_dependencies_acyclic_update ON task_dependencies;
DROP FUNCTION task_dependencies_check_changed_edges();

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

CREATE OR REPLACE FUNCTION task_dependencies_check_new_edges() RETURNS trigger
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

CREATE FUNCTION task_dependencies_prevent_cycle() RETURNS trigger
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
COMMENT ON FUNCTION task_dependencies_prevent_cycle() IS
    'BEFORE INSERT/UPDATE on task_dependencies: refuses a blocks edge closing a cycle (SQLSTATE TD001).';
CREATE TRIGGER task_dependencies_prevent_cycle BEFORE UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION task_dependencies_prevent_cycle();

DROP FUNCTION refuse_dependency_cycles(uuid[], uuid[]);
DROP FUNCTION raise_dependency_cycle_path(uuid[]);
DROP FUNCTION dependency_cycle(uuid[], uuid[]);
DROP FUNCTION dependency_reach(uuid[]);

-- V9's recount with V11's setting.
CREATE OR REPLACE FUNCTION refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
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
