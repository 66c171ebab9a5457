-- V13__cycle_check_linear.sql -- the dependency cycle check costs time and memory linear in
-- the part of the graph it has to look at, whatever the shape of the graph or the statistics.
--
-- Creates
--   function dependency_reach(p_from uuid[]) RETURNS uuid[]: every task reachable from p_from
--       along 'blocks' edges, each once, one index lookup per node (the only plan allowed).
--   function dependency_cycle(p_src uuid[], p_dst uuid[]) RETURNS uuid[]: given the 'blocks'
--       edges p_src[i] -> p_dst[i] that a statement added, returns one cycle of the current
--       graph that runs through them (task ids in dependency order, the first one the source
--       of a new edge), or NULL. One walk collects what the new edges' targets reach (R, every
--       node once); when no new edge starts inside R there is no cycle. Otherwise Kahn's
--       topological sort over the edges inside R, on integer arrays, decides; the nodes it
--       cannot order all have an unordered predecessor, so walking predecessors from any of
--       them closes a cycle. Time and memory O(|R| + edges inside R).
--   function raise_dependency_cycle_path(p_path uuid[]) RETURNS void: raises TD001 worded as
--       before ('dependency cycle: #4 -> #9 -> #2 -> #4', DETAIL the task uuids, HINT); a cycle
--       longer than 24 tasks is shown as its first 16 and last 6 with the count between, so a
--       100,000-task cycle makes a short message.
--   function refuse_dependency_cycles(p_src uuid[], p_dst uuid[]) RETURNS void: takes the graph
--       lock, then raises through raise_dependency_cycle_path when dependency_cycle finds one;
--       what both statement triggers call.
--   function task_dependencies_check_changed_edges(): AFTER UPDATE statement trigger (deps_old,
--       deps_new): the edges that became 'blocks' edges, checked as new ones.
--   trigger task_dependencies_acyclic_update (AFTER UPDATE, per statement)
-- Replaces
--   function task_dependencies_check_new_edges() (V12): calls refuse_dependency_cycles once.
--   function refresh_open_blockers(uuid[]) (V9, V11): the blocker's status by primary key per
--       edge instead of a join; SET enable_nestloop = on (the importer turns it off).
-- Drops
--   trigger task_dependencies_prevent_cycle (BEFORE UPDATE, per row) and its function (V4),
--   function raise_dependency_cycle(uuid, uuid, uuid, uuid) (V12).
--
-- Why: V12's query walked everything reachable from every new edge separately, keeping
-- (origin, node) pairs: a statement adding a chain of N edges made N^2/2 rows. A 4,000-deep
-- chain took 56 s and 1.1 GB in one backend; 100,000 made the backend OOM and the postmaster
-- restart every session. The row-level UPDATE check had the same cost per updated row, and
-- naming a long cycle scanned arrays once per step (quadratic too).
-- Plans: every function here runs with plan_cache_mode = force_custom_plan, so a plan cached
-- for a one-edge call in a long session is never reused for a 100,000-edge one (the planner
-- sees the real array sizes), and the walks keep V11's enable_seqscan = off.
-- Concurrency is unchanged: the graph lock is taken before the check, the check is a new
-- statement (under READ COMMITTED it sees what the lock's previous holder committed; under
-- REPEATABLE READ the second writer fails with 40001).

CREATE FUNCTION dependency_reach(p_from uuid[]) RETURNS uuid[]
    LANGUAGE sql
    STABLE
    SET search_path FROM CURRENT
    SET enable_seqscan = off
    SET enable_nestloop = on
    SET enable_hashjoin = off
    SET enable_mergejoin = off
    SET plan_cache_mode = force_custom_plan
AS $$
    -- Each step looks up the edges of the nodes found in the last one through the primary
    -- key: no estimate can turn a step into a scan of the whole table (one per level of a
    -- 100,000-deep chain); the settings leave no other plan either.
    -- (OFFSET 0 keeps the lookup a subquery run per node: it cannot be turned around.)
    WITH RECURSIVE reach(node) AS (
        SELECT DISTINCT d FROM unnest(p_from) AS d
        UNION
        SELECT x.depends_on_task_id
          FROM reach r
         CROSS JOIN LATERAL (SELECT e.depends_on_task_id FROM task_dependencies e
                              WHERE e.task_id = r.node AND e.dependency_type = 'blocks'
                             OFFSET 0) AS x
    )
    SELECT array_agg(node) FROM reach
$$;
COMMENT ON FUNCTION dependency_reach(uuid[]) IS
    'Every task reachable from p_from along blocks edges (p_from included), each once.';

CREATE FUNCTION dependency_cycle(p_src uuid[], p_dst uuid[]) RETURNS uuid[]
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_seqscan = off
    SET enable_nestloop = on
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_nodes  uuid[];      -- R: node i of the subgraph is v_nodes[i]
    v_n      integer;
    v_es     integer[];   -- edges inside R, sorted by source: v_es[k] -> v_ed[k]
    v_ed     integer[];
    v_edst   uuid[];
    v_m      integer;
    v_off    integer[];   -- the edges leaving node i are v_off[i] .. v_off[i + 1] - 1
    v_roff   integer[];   -- the edges entering node i are v_rsrc[v_roff[i] .. v_roff[i + 1] - 1]
    v_rsrc   integer[];
    v_fill   integer[];
    v_indeg  integer[];
    v_queue  integer[];
    v_head   integer := 1;
    v_tail   integer := 0;
    v_seen   integer[];
    v_walk   integer[];
    v_steps  integer := 0;
    v_cycle  uuid[];
    v_start  integer;
    v_x      integer;
    v_y      integer;
    v_k      integer;
BEGIN
    IF coalesce(cardinality(p_src), 0) = 0 THEN
        RETURN NULL;
    END IF;

    v_nodes := dependency_reach(p_dst);

    -- A cycle through a new edge t -> d needs t reachable from d: none is, none can exist.
    IF NOT EXISTS (SELECT 1 FROM unnest(v_nodes) AS r(node)
                     JOIN (SELECT DISTINCT s FROM unnest(p_src) AS s) AS s ON s.s = r.node) THEN
        RETURN NULL;
    END IF;

    v_n := cardinality(v_nodes);
    -- The edges inside R (R is closed under its edges), then their targets as node numbers.
    -- Two statements, so the join of the two number lists (sizes known to the planner) never
    -- rides on an estimate of how many edges are 'blocks' (a stale one made it a nested loop
    -- over 100,000 x 100,000 rows).
    -- OFFSET 0: one primary-key lookup per node of R, whatever the table's statistics say.
    SELECT coalesce(array_agg(a.i ORDER BY a.i, x.dep), '{}'),
           coalesce(array_agg(x.dep ORDER BY a.i, x.dep), '{}')
      INTO v_es, v_edst
      FROM unnest(v_nodes) WITH ORDINALITY AS a(node, i)
     CROSS JOIN LATERAL (SELECT e.depends_on_task_id AS dep FROM task_dependencies e
                          WHERE e.task_id = a.node AND e.dependency_type = 'blocks'
                         OFFSET 0) AS x;
    v_m := cardinality(v_es);
    SELECT coalesce(array_agg(b.i ORDER BY d.k), '{}') INTO v_ed
      FROM unnest(v_edst) WITH ORDINALITY AS d(node, k)
      JOIN unnest(v_nodes) WITH ORDINALITY AS b(node, i) ON b.node = d.node;
    IF cardinality(v_ed) <> v_m THEN
        RAISE EXCEPTION 'dependency_cycle: the graph changed during the check (internal error)';
    END IF;

    -- Offsets of each node's outgoing and incoming edges (counting sort), in-degrees.
    v_off := array_fill(0, ARRAY[v_n + 1]);
    v_roff := array_fill(0, ARRAY[v_n + 1]);
    v_indeg := array_fill(0, ARRAY[v_n]);
    FOR v_k IN 1 .. v_m LOOP
        v_off[v_es[v_k] + 1] := v_off[v_es[v_k] + 1] + 1;
        v_roff[v_ed[v_k] + 1] := v_roff[v_ed[v_k] + 1] + 1;
        v_indeg[v_ed[v_k]] := v_indeg[v_ed[v_k]] + 1;
    END LOOP;
    v_off[1] := 1;
    v_roff[1] := 1;
    FOR v_x IN 2 .. v_n + 1 LOOP
        v_off[v_x] := v_off[v_x] + v_off[v_x - 1];
        v_roff[v_x] := v_roff[v_x] + v_roff[v_x - 1];
    END LOOP;
    v_rsrc := array_fill(0, ARRAY[greatest(v_m, 1)]);
    v_fill := v_roff;
    FOR v_k IN 1 .. v_m LOOP
        v_rsrc[v_fill[v_ed[v_k]]] := v_es[v_k];
        v_fill[v_ed[v_k]] := v_fill[v_ed[v_k]] + 1;
    END LOOP;

    -- Kahn: order every node whose predecessors are all ordered.
    v_queue := array_fill(0, ARRAY[v_n]);
    FOR v_x IN 1 .. v_n LOOP
        IF v_indeg[v_x] = 0 THEN
            v_tail := v_tail + 1;
            v_queue[v_tail] := v_x;
        END IF;
    END LOOP;
    WHILE v_head <= v_tail LOOP
        v_x := v_queue[v_head];
        v_head := v_head + 1;
        FOR v_k IN v_off[v_x] .. v_off[v_x + 1] - 1 LOOP
            v_y := v_ed[v_k];
            v_indeg[v_y] := v_indeg[v_y] - 1;
            IF v_indeg[v_y] = 0 THEN
                v_tail := v_tail + 1;
                v_queue[v_tail] := v_y;
            END IF;
        END LOOP;
    END LOOP;
    IF v_tail = v_n THEN
        RETURN NULL;
    END IF;

    -- Unordered nodes (in-degree still > 0) each have an unordered predecessor: walk
    -- predecessors until a node repeats. v_walk[j + 1] -> v_walk[j] are edges.
    v_x := 1;
    WHILE v_indeg[v_x] = 0 LOOP
        v_x := v_x + 1;
    END LOOP;
    v_seen := array_fill(0, ARRAY[v_n]);
    v_walk := array_fill(0, ARRAY[v_n]);
    LOOP
        v_steps := v_steps + 1;
        v_seen[v_x] := v_steps;
        v_walk[v_steps] := v_x;
        v_y := NULL;
        FOR v_k IN v_roff[v_x] .. v_roff[v_x + 1] - 1 LOOP
            IF v_indeg[v_rsrc[v_k]] > 0 THEN
                v_y := v_rsrc[v_k];
                EXIT;
            END IF;
        END LOOP;
        IF v_y IS NULL THEN
            RAISE EXCEPTION 'dependency_cycle: no unordered predecessor (internal error)';
        END IF;
        EXIT WHEN v_seen[v_y] > 0;
        v_x := v_y;
    END LOOP;
    -- v_y = v_walk[s] closes it: v_walk[s] -> v_walk[steps] -> ... -> v_walk[s + 1] -> v_walk[s].
    v_start := v_seen[v_y];
    v_cycle := ARRAY[v_nodes[v_walk[v_start]]];
    FOR v_k IN REVERSE v_steps .. v_start + 1 LOOP
        v_cycle := v_cycle || v_nodes[v_walk[v_k]];
    END LOOP;

    -- Start at the source of a new edge (the old graph was acyclic, so one is on the cycle),
    -- so that adding t -> d reads 'dependency cycle: t -> d -> ... -> t'.
    SELECT c.ord INTO v_k
      FROM unnest(v_cycle) WITH ORDINALITY AS c(node, ord)
      JOIN unnest(p_src, p_dst) AS e(s, d) ON e.s = c.node
     WHERE e.d = v_cycle[c.ord % cardinality(v_cycle) + 1]
     ORDER BY c.ord
     LIMIT 1;
    IF v_k IS NOT NULL AND v_k > 1 THEN
        v_cycle := v_cycle[v_k:] || v_cycle[:v_k - 1];
    END IF;
    RETURN v_cycle;
END
$$;
COMMENT ON FUNCTION dependency_cycle(uuid[], uuid[]) IS
    'One cycle (task ids in dependency order) through the new blocks edges p_src[i] -> p_dst[i], or NULL; linear in what their targets reach.';

CREATE FUNCTION raise_dependency_cycle_path(p_path uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_arrow  text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_len    integer := cardinality(p_path);
    v_shown  uuid[];
    v_msg    text;
    v_detail text;
BEGIN
    -- The path closed on its first task; long ones shortened to their ends.
    IF v_len > 24 THEN
        v_shown := p_path[1:16] || NULL::uuid || p_path[v_len - 5:v_len] || p_path[1];
    ELSE
        v_shown := p_path || p_path[1];
    END IF;
    SELECT string_agg(CASE WHEN u.id IS NULL THEN format('... (%s more) ...', v_len - 22)
                           ELSE '#' || coalesce(t.short_id::text, '?') END, v_arrow ORDER BY u.ord),
           string_agg(coalesce(u.id::text, format('... (%s more) ...', v_len - 22)), v_arrow ORDER BY u.ord)
      INTO v_msg, v_detail
      FROM unnest(v_shown) WITH ORDINALITY AS u(id, ord)
      LEFT JOIN tasks t ON t.id = u.id;

    RAISE EXCEPTION 'dependency cycle: %', v_msg
        USING ERRCODE = 'TD001',
              DETAIL = 'cycle (task ids): ' || v_detail,
              HINT = 'a task cannot depend, directly or through other tasks, on itself; remove a dependency of the cycle first',
              TABLE = 'task_dependencies';
END
$$;
COMMENT ON FUNCTION raise_dependency_cycle_path(uuid[]) IS
    'Raises TD001 naming the cycle p_path (task ids in dependency order); long cycles are shortened.';

CREATE FUNCTION refuse_dependency_cycles(p_src uuid[], p_dst uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_cycle uuid[];
BEGIN
    IF p_src IS NULL THEN
        RETURN;
    END IF;
    PERFORM lock_task_graph('dependencies');
    v_cycle := dependency_cycle(p_src, p_dst);
    IF v_cycle IS NOT NULL THEN
        PERFORM raise_dependency_cycle_path(v_cycle);
    END IF;
END
$$;
COMMENT ON FUNCTION refuse_dependency_cycles(uuid[], uuid[]) IS
    'Takes the graph lock and raises TD001 when the new blocks edges p_src[i] -> p_dst[i] close a cycle.';

CREATE OR REPLACE FUNCTION task_dependencies_check_new_edges() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_src uuid[];
    v_dst uuid[];
BEGIN
    SELECT array_agg(n.task_id), array_agg(n.depends_on_task_id) INTO v_src, v_dst
      FROM deps_new n
     WHERE n.dependency_type = 'blocks';
    PERFORM refuse_dependency_cycles(v_src, v_dst);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION task_dependencies_check_new_edges() IS
    'AFTER INSERT statement trigger on task_dependencies: refuses new blocks edges that close a cycle (TD001).';

CREATE FUNCTION task_dependencies_check_changed_edges() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET enable_nestloop = off
    SET plan_cache_mode = force_custom_plan
AS $$
DECLARE
    v_src uuid[];
    v_dst uuid[];
BEGIN
    -- Only edges that were not blocking before the statement can close a cycle (the graph
    -- before it was acyclic; removed or unchanged edges cannot). A hash anti-join: a nested
    -- loop over two 300,000-row transition tables would be quadratic.
    SELECT array_agg(n.task_id), array_agg(n.depends_on_task_id) INTO v_src, v_dst
      FROM deps_new n
     WHERE n.dependency_type = 'blocks'
       AND NOT EXISTS (SELECT 1 FROM deps_old o
                        WHERE o.task_id = n.task_id AND o.depends_on_task_id = n.depends_on_task_id
                          AND o.dependency_type = 'blocks');
    PERFORM refuse_dependency_cycles(v_src, v_dst);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION task_dependencies_check_changed_edges() IS
    'AFTER UPDATE statement trigger on task_dependencies: refuses re-pointed or re-typed edges that close a cycle (TD001).';

DROP TRIGGER task_dependencies_prevent_cycle ON task_dependencies;
DROP FUNCTION task_dependencies_prevent_cycle();
DROP FUNCTION raise_dependency_cycle(uuid, uuid, uuid, uuid);
CREATE TRIGGER task_dependencies_acyclic_update AFTER UPDATE ON task_dependencies
    REFERENCING OLD TABLE AS deps_old NEW TABLE AS deps_new
    FOR EACH STATEMENT EXECUTE FUNCTION task_dependencies_check_changed_edges();

-- The open-blocker recount looks each blocker's status up by primary key (a scalar subquery
-- per edge, not a join the planner could turn into a scan of tasks per counted task when its
-- statistics are stale), and keeps nested loops allowed whatever the calling session set:
-- the importer turns them off for its own bulk joins.
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
