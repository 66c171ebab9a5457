-- tests/sql/dependencies.sql -- task_dependencies: constraints and cycle prevention (TD001).
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/dependencies.sql
-- The concurrent case (two transactions each adding half of a cycle) needs two connections;
-- see tests/sql/README.md.

-- "#a -> #b -> ..." (with the U+2192 arrow) for a list of tasks, as the cycle message spells it.
CREATE FUNCTION pg_temp.chain(VARIADIC p_ids uuid[]) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg('#' || t.short_id, ' ' || chr(8594) || ' ' ORDER BY u.ord)
      FROM unnest(p_ids) WITH ORDINALITY AS u(id, ord) JOIN tasks t ON t.id = u.id
$$;

CREATE FUNCTION pg_temp.dep(p_task uuid, p_on uuid, p_type text DEFAULT 'blocks') RETURNS text LANGUAGE sql AS $$
    SELECT format('INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) VALUES (%L, %L, %L)',
                  p_task, p_on, p_type)
$$;

-- Basic rules: default type, self-dependency, duplicates, unknown type, missing task, cascade.
DO $$
DECLARE
    a uuid := (create_task('dep a')).id;
    b uuid := (create_task('dep b')).id;
BEGIN
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (a, b);
    ASSERT (SELECT dependency_type FROM task_dependencies WHERE task_id = a AND depends_on_task_id = b) = 'blocks',
        'default type is blocks';
    ASSERT (SELECT created_at FROM task_dependencies WHERE task_id = a AND depends_on_task_id = b) IS NOT NULL, 'created_at';
    PERFORM pg_temp.expect_error(pg_temp.dep(a, a), '23514');
    PERFORM pg_temp.expect_error(pg_temp.dep(a, b), '23505');
    PERFORM pg_temp.expect_error(pg_temp.dep(b, a, 'depends_on'), '23514');
    PERFORM pg_temp.expect_error(pg_temp.dep(a, gen_random_uuid()), '23503');
    DELETE FROM tasks WHERE id = b;
    ASSERT NOT EXISTS (SELECT 1 FROM task_dependencies WHERE task_id = a), 'ON DELETE CASCADE';
END
$$;

-- Two-task cycle.
DO $$
DECLARE
    a uuid := (create_task('cyc2 a')).id;
    b uuid := (create_task('cyc2 b')).id;
BEGIN
    EXECUTE pg_temp.dep(a, b);
    PERFORM pg_temp.expect_error(pg_temp.dep(b, a), 'TD001', 'dependency cycle: ' || pg_temp.chain(b, a, b));
END
$$;

-- Review #10: A->B, B->C, C->A was accepted by the prototype. Here the closing edge is refused
-- and the message names the whole cycle starting at the new edge.
DO $$
DECLARE
    a uuid := (create_task('cyc3 a')).id;
    b uuid := (create_task('cyc3 b')).id;
    c uuid := (create_task('cyc3 c')).id;
    d uuid := (create_task('cyc3 d')).id;
BEGIN
    EXECUTE pg_temp.dep(a, b);
    EXECUTE pg_temp.dep(b, c);
    PERFORM pg_temp.expect_error(pg_temp.dep(c, a), 'TD001', 'dependency cycle: ' || pg_temp.chain(c, a, b, c));
    -- four long, and the graph is unchanged by the refused insert
    EXECUTE pg_temp.dep(c, d);
    PERFORM pg_temp.expect_error(pg_temp.dep(d, a), 'TD001', 'dependency cycle: ' || pg_temp.chain(d, a, b, c, d));
    ASSERT NOT EXISTS (SELECT 1 FROM task_dependencies WHERE task_id IN (c, d) AND depends_on_task_id = a),
        'refused edges not stored';
    -- the same edges in the harmless direction are fine
    EXECUTE pg_temp.dep(a, d);
END
$$;

-- Any depth: a chain of 200 tasks; closing it is refused. The message names the first 16 and
-- the last 6 tasks of the cycle, the count between, and the first again (V13: a 100,000-task
-- cycle makes a short message too).
DO $$
DECLARE
    ids uuid[];
    msg text;
BEGIN
    SELECT array_agg((create_task('chain ' || i)).id ORDER BY i) INTO ids FROM generate_series(1, 200) AS i;
    INSERT INTO task_dependencies (task_id, depends_on_task_id)
    SELECT ids[i], ids[i + 1] FROM generate_series(1, 199) AS i;
    BEGIN
        EXECUTE pg_temp.dep(ids[200], ids[1]);
        RAISE EXCEPTION 'closing a 200-long chain was accepted';
    EXCEPTION WHEN SQLSTATE 'TD001' THEN
        GET STACKED DIAGNOSTICS msg = MESSAGE_TEXT;
    END;
    ASSERT cardinality(string_to_array(msg, chr(8594))) = 24, 'cycle shortened to its ends: ' || msg;
    ASSERT msg LIKE '% ... (178 more) ... %', 'count of the tasks left out: ' || msg;
    ASSERT msg LIKE 'dependency cycle: ' || pg_temp.chain(ids[200], ids[1], ids[2]) || '%', 'starts at the new edge: ' || msg;
    ASSERT msg LIKE '%' || pg_temp.chain(ids[199], ids[200]), 'ends where it started: ' || msg;
END
$$;

-- Many paths, no false positive: 8 layers of 12 tasks, every task depending on every task of
-- the next layer (12^7 distinct paths from top to bottom). The check visits each edge once, so
-- this finishes at once; a path-enumerating check would not finish at all.
DO $$
DECLARE
    ids uuid[];
    top uuid;
    bottom uuid;
BEGIN
    SELECT array_agg((create_task('layer ' || i)).id ORDER BY i) INTO ids FROM generate_series(0, 95) AS i;
    INSERT INTO task_dependencies (task_id, depends_on_task_id)
    SELECT ids[l * 12 + x + 1], ids[(l + 1) * 12 + y + 1]
      FROM generate_series(0, 6) AS l, generate_series(0, 11) AS x, generate_series(0, 11) AS y;
    top := ids[1];
    bottom := ids[96];
    EXECUTE pg_temp.dep(top, bottom);   -- a shortcut in the same direction is not a cycle
    PERFORM pg_temp.expect_error(pg_temp.dep(bottom, top), 'TD001', 'dependency cycle: %');
END
$$;

-- 'related' edges never block, so they never form a cycle; turning one into 'blocks' is checked.
DO $$
DECLARE
    a uuid := (create_task('rel a')).id;
    b uuid := (create_task('rel b')).id;
    c uuid := (create_task('rel c')).id;
BEGIN
    EXECUTE pg_temp.dep(a, b);
    EXECUTE pg_temp.dep(b, a, 'related');
    EXECUTE pg_temp.dep(b, c);
    EXECUTE pg_temp.dep(c, a, 'related');
    PERFORM pg_temp.expect_error(
        format('UPDATE task_dependencies SET dependency_type = %L WHERE task_id = %L AND depends_on_task_id = %L', 'blocks', c, a),
        'TD001', 'dependency cycle: ' || pg_temp.chain(c, a, b, c));
    PERFORM pg_temp.expect_error(
        format('UPDATE task_dependencies SET dependency_type = %L WHERE task_id = %L AND depends_on_task_id = %L', 'blocks', b, a),
        'TD001', 'dependency cycle: ' || pg_temp.chain(b, a, b));
END
$$;

-- Re-pointing an edge: the edge being replaced does not count (a -> b becomes b -> a).
DO $$
DECLARE
    a uuid := (create_task('flip a')).id;
    b uuid := (create_task('flip b')).id;
BEGIN
    EXECUTE pg_temp.dep(a, b);
    UPDATE task_dependencies SET task_id = b, depends_on_task_id = a WHERE task_id = a AND depends_on_task_id = b;
    ASSERT EXISTS (SELECT 1 FROM task_dependencies WHERE task_id = b AND depends_on_task_id = a), 'flipped';
END
$$;

-- The graph lock row exists and is bumped by dependency inserts.
DO $$
DECLARE
    v0 bigint := (SELECT version FROM task_graph_locks WHERE graph = 'dependencies');
BEGIN
    EXECUTE pg_temp.dep((create_task('lock a')).id, (create_task('lock b')).id);
    ASSERT (SELECT version FROM task_graph_locks WHERE graph = 'dependencies') > v0, 'lock row updated';
END
$$;

-- The graph queries of the triggers walk the indexes whatever plan a session cached while the
-- table was small (V11), and are planned for the arrays they get, never from a plan cached for
-- a small call (V13): a bulk insert stays linear.
DO $$
BEGIN
    ASSERT (SELECT bool_and('enable_seqscan=off' = ANY (proconfig)) FROM pg_proc
             WHERE oid IN ('refresh_open_blockers(uuid[])'::regprocedure,
                           'dependency_cycle(uuid[], uuid[])'::regprocedure)),
        'graph functions keep enable_seqscan=off';
    ASSERT (SELECT bool_and('plan_cache_mode=force_custom_plan' = ANY (proconfig)) FROM pg_proc
             WHERE oid IN ('dependency_cycle(uuid[], uuid[])'::regprocedure,
                           'raise_dependency_cycle_path(uuid[])'::regprocedure,
                           'refuse_dependency_cycles(uuid[], uuid[])'::regprocedure,
                           'task_dependencies_check_new_edges()'::regprocedure,
                           'task_dependencies_check_changed_edges()'::regprocedure)),
        'cycle check functions plan every call for its own arrays';
END
$$;

-- One statement, many edges (V12 checks new edges per statement): a cycle made only of the
-- statement's own rows, or closed through existing edges, is refused and nothing of the
-- statement stays; an acyclic batch goes in whole.
DO $$
DECLARE
    a uuid := (create_task('batch a')).id;
    b uuid := (create_task('batch b')).id;
    c uuid := (create_task('batch c')).id;
    d uuid := (create_task('batch d')).id;
BEGIN
    PERFORM pg_temp.expect_error(
        format('INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (%L, %L), (%L, %L), (%L, %L)',
               a, b, b, c, c, a),
        'TD001', 'dependency cycle: %');
    ASSERT NOT EXISTS (SELECT 1 FROM task_dependencies WHERE task_id IN (a, b, c)), 'nothing of the batch stays';
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (a, b), (b, c);
    PERFORM pg_temp.expect_error(
        format('INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type) VALUES (%L, %L, %L), (%L, %L, %L)',
               d, a, 'blocks', c, a, 'blocks'),
        'TD001', 'dependency cycle: ' || pg_temp.chain(c, a, b, c));
    ASSERT NOT EXISTS (SELECT 1 FROM task_dependencies WHERE task_id IN (c, d)), 'the good row of the batch is rolled back too';
    INSERT INTO task_dependencies (task_id, depends_on_task_id, dependency_type)
    VALUES (d, a, 'blocks'), (c, a, 'related');
    ASSERT (SELECT count(*) FROM task_dependencies WHERE task_id IN (a, b, c, d)) = 4, 'acyclic batch inserted';
END
$$;
