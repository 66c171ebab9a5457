-- tests/sql/readiness.sql -- tasks.open_blockers (V9): the count of a task's unfinished blocking
-- dependencies, kept by triggers through every way edges and statuses change.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/readiness.sql
-- The concurrent cases (an edge added while its target is completed) need two connections:
-- tests/it/schema_sql.rs.

-- Every task's count equals a recount from the edges (the invariant the triggers keep).
CREATE FUNCTION pg_temp.assert_counts_consistent(p_what text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_bad text;
BEGIN
    SELECT string_agg(format('#%s has %s, recount %s', t.short_id, t.open_blockers, c.n), '; ')
      INTO v_bad
      FROM tasks t
      CROSS JOIN LATERAL (SELECT count(*) AS n FROM task_dependencies e JOIN tasks d ON d.id = e.depends_on_task_id
                           WHERE e.task_id = t.id AND e.dependency_type = 'blocks' AND d.status <> 'completed') c
     WHERE t.open_blockers <> c.n;
    ASSERT v_bad IS NULL, p_what || ': ' || v_bad;
END
$$;

CREATE FUNCTION pg_temp.blockers(p_id uuid) RETURNS integer LANGUAGE sql AS $$
    SELECT open_blockers FROM tasks WHERE id = p_id
$$;

-- Edges and statuses: insert, complete, reopen, related edges, type changes, re-pointing,
-- deleting an edge, deleting a blocker (cascade), create_task with dependencies.
DO $$
DECLARE
    a uuid := (create_task('ready a')).id;
    b uuid := (create_task('ready b')).id;
    c uuid := (create_task('ready c')).id;
    d uuid;
BEGIN
    ASSERT pg_temp.blockers(c) = 0, 'new task';
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (c, a), (c, b);
    ASSERT pg_temp.blockers(c) = 2, 'two open blockers, one statement';
    PERFORM update_task_status(a, 'completed');
    ASSERT pg_temp.blockers(c) = 1, 'a completed';
    PERFORM update_task_status(a, 'in_progress');
    ASSERT pg_temp.blockers(c) = 2, 'a reopened';
    PERFORM update_task_status(a, 'review');
    ASSERT pg_temp.blockers(c) = 2, 'a still not completed';
    PERFORM update_task_status(a, 'completed');
    PERFORM update_task_status(b, 'cancelled');
    ASSERT pg_temp.blockers(c) = 1, 'a cancelled blocker still blocks (only completed unblocks)';
    UPDATE task_dependencies SET dependency_type = 'related' WHERE task_id = c AND depends_on_task_id = b;
    ASSERT pg_temp.blockers(c) = 0, 'related edges do not block';
    UPDATE task_dependencies SET dependency_type = 'blocks' WHERE task_id = c AND depends_on_task_id = b;
    ASSERT pg_temp.blockers(c) = 1, 'blocks again';
    d := (create_task('ready d')).id;
    UPDATE task_dependencies SET depends_on_task_id = d WHERE task_id = c AND depends_on_task_id = a;
    ASSERT pg_temp.blockers(c) = 2, 're-pointed from completed a to pending d';
    DELETE FROM task_dependencies WHERE task_id = c AND depends_on_task_id = b;
    ASSERT pg_temp.blockers(c) = 1, 'edge deleted';
    DELETE FROM tasks WHERE id = d;
    ASSERT pg_temp.blockers(c) = 0, 'blocker deleted (cascade)';
    ASSERT pg_temp.blockers((create_task('ready e', p_depends_on => ARRAY[a, b, c])).id) = 2,
        'create_task with dependencies: b and c open, a completed';
    PERFORM pg_temp.assert_counts_consistent('after the single steps');
END
$$;

-- The count is derived: its changes are neither edits (updated_at) nor audited, and it is never
-- copied into audit_log; a blocker's completion is still audited on the blocker.
DO $$
DECLARE
    a tasks := create_task('derived a');
    b tasks := create_task('derived b');
    n bigint;
    v_updated timestamptz;
BEGIN
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (b.id, a.id);
    SELECT updated_at INTO v_updated FROM tasks WHERE id = b.id;
    SELECT count(*) INTO n FROM audit_log WHERE table_name = 'tasks' AND record_id = b.id::text;
    PERFORM update_task_status(a.id, 'completed');
    ASSERT pg_temp.blockers(b.id) = 0, 'unblocked';
    ASSERT (SELECT updated_at FROM tasks WHERE id = b.id) = v_updated, 'updated_at untouched';
    ASSERT (SELECT count(*) FROM audit_log WHERE table_name = 'tasks' AND record_id = b.id::text) = n,
        'no audit row for the recount';
    ASSERT NOT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'tasks' AND record_id IN (a.id::text, b.id::text)
                        AND (new_values ? 'open_blockers' OR old_values ? 'open_blockers')), 'never audited';
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'tasks' AND record_id = a.id::text
                    AND action = 'UPDATE' AND new_values ->> 'status' = 'completed'), 'the completion is audited';
END
$$;

-- Bulk: many edges and many status changes in single statements (Task Master import's shape),
-- then a fan-in task, then every edge removed at once.
DO $$
DECLARE
    v_ids uuid[];
    v_hub uuid := (create_task('bulk hub')).id;
BEGIN
    SELECT array_agg(id ORDER BY short_id) INTO v_ids
      FROM (SELECT (create_task('bulk ' || i)).id, i AS short_id FROM generate_series(1, 50) AS i) s;
    INSERT INTO task_dependencies (task_id, depends_on_task_id)
    SELECT v_ids[i + 1], v_ids[i] FROM generate_series(1, 49) AS i;
    INSERT INTO task_dependencies (task_id, depends_on_task_id) SELECT v_hub, id FROM unnest(v_ids) AS id;
    ASSERT pg_temp.blockers(v_hub) = 50, 'fan-in';
    UPDATE tasks SET status = 'completed' WHERE id = ANY (v_ids[1:20]);
    ASSERT pg_temp.blockers(v_hub) = 30, 'twenty completed in one statement';
    ASSERT pg_temp.blockers(v_ids[21]) = 0 AND pg_temp.blockers(v_ids[22]) = 1, 'chain';
    PERFORM pg_temp.assert_counts_consistent('after bulk changes');
    DELETE FROM task_dependencies WHERE task_id = v_hub;
    ASSERT pg_temp.blockers(v_hub) = 0, 'all edges removed in one statement';
END
$$;

-- Ready tasks are found through tasks_ready_idx.
DO $$
DECLARE
    v_plan text := '';
    v_line text;
BEGIN
    SET LOCAL enable_seqscan = off;
    FOR v_line IN EXECUTE 'EXPLAIN SELECT short_id FROM tasks WHERE status = ''pending'' AND open_blockers = 0
                           ORDER BY priority DESC, short_id LIMIT 1' LOOP
        v_plan := v_plan || v_line || ' ';
    END LOOP;
    ASSERT v_plan LIKE '%tasks_ready_idx%', 'plan: ' || v_plan;
    PERFORM pg_temp.expect_error('UPDATE tasks SET open_blockers = -1 WHERE id = (SELECT id FROM tasks LIMIT 1)', '23514');
END
$$;

-- TRUNCATE of the edges resets every count (TRUNCATE fires no row or DELETE triggers).
BEGIN;
TRUNCATE task_dependencies;
DO $$
BEGIN
    ASSERT NOT EXISTS (SELECT 1 FROM tasks WHERE open_blockers <> 0), 'all zero after TRUNCATE';
    PERFORM pg_temp.assert_counts_consistent('after TRUNCATE');
END
$$;
ROLLBACK;
