-- tests/sql/tasks.sql -- tasks table, status transitions, create_task, update_task_status,
-- get_task_hierarchy, calculate_task_completion, parent cycles.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/tasks.sql
-- Any failed check raises an exception, so the run exits non-zero. Safe to run more than once.

-- pg_temp.expect_error(sql, sqlstate[, message LIKE pattern]): the statement must fail with
-- exactly that SQLSTATE (and message). Lives in the session's temporary schema only.
-- create_task: defaults, short ids, actor, Task Master fields kept losslessly.
DO $$
DECLARE
    t  tasks;
    t2 tasks;
    k  text := 'taskmaster:master:' || gen_random_uuid();
BEGIN
    PERFORM set_config('taskdb.actor', 'tester', true);
    t := create_task('Set up database schema');
    ASSERT t.id IS NOT NULL AND t.short_id IS NOT NULL, 'ids assigned';
    ASSERT t.status = 'pending' AND t.priority = 5 AND t.type = 'general', 'defaults';
    ASSERT t.tags = '{}' AND t.metadata = '{}' AND t.requirements = '[]', 'empty defaults';
    ASSERT t.completed_at IS NULL AND t.started_at IS NULL, 'no timestamps yet';
    ASSERT t.created_by = 'tester', 'created_by from taskdb.actor, got ' || t.created_by;

    t2 := create_task(p_title => 'Implement next', p_description => 'Pick the next ready task.',
                      p_details => E'Priority desc,\nfewest deps.', p_test_strategy => '',
                      p_tags => ARRAY['cli', 'core'], p_complexity => 7, p_priority => 8,
                      p_metadata => '{"taskmaster": {"priority": "high", "estimatedHours": 3, "files": ["a.rs"]}}',
                      p_acceptance_criteria => '["returns 2.2"]', p_external_key => k,
                      p_depends_on => ARRAY[t.id]);
    ASSERT t2.short_id > t.short_id, 'short ids increase';
    ASSERT t2.details = E'Priority desc,\nfewest deps.' AND t2.test_strategy = '', 'details/test_strategy kept (empty string is not NULL)';
    ASSERT t2.metadata #>> '{taskmaster,files,0}' = 'a.rs', 'unknown keys kept in metadata';
    ASSERT t2.external_key = k AND t2.tags = ARRAY['cli', 'core'] AND t2.complexity = 7, 'fields kept';
    ASSERT (SELECT dependency_type FROM task_dependencies WHERE task_id = t2.id AND depends_on_task_id = t.id) = 'blocks',
        'p_depends_on creates a blocks dependency';
    ASSERT (SELECT short_id FROM tasks WHERE external_key = k) = t2.short_id, 'lookup by external_key';

    PERFORM pg_temp.expect_error(format('SELECT create_task(%L, p_external_key => %L)', 'dup', k), '23505');
    PERFORM pg_temp.expect_error(format('SELECT create_task(%L, p_parent_task_id => %L)', 'orphan', gen_random_uuid()),
                                 'TD020', 'parent task % not found');
    PERFORM pg_temp.expect_error(format('SELECT create_task(%L, p_depends_on => ARRAY[%L::uuid])', 'x', gen_random_uuid()),
                                 'TD020', 'dependency task(s) not found: %');
END
$$;

-- Review #18: task types used by the prototype's own tests are accepted; the type stays a
-- lower-case identifier. Values are checked by named CHECK constraints (23514).
DO $$
BEGIN
    PERFORM create_task('typed', p_type => 'integration_test');
    PERFORM create_task('typed', p_type => 'bug');
    PERFORM pg_temp.expect_error($q$SELECT create_task('typed', p_type => 'Bad Type')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('   ')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('p', p_priority => 11)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('p', p_priority => -1)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('c', p_complexity => 0)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('c', p_complexity => 11)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('t', p_tags => ARRAY['a', NULL])$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('m', p_metadata => '[]')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT create_task('r', p_requirements => '{}')$q$, '23514');
    PERFORM pg_temp.expect_error($q$INSERT INTO tasks (title, status) VALUES ('s', 'done')$q$, '23514');
    PERFORM pg_temp.expect_error($q$INSERT INTO tasks (title, estimated_hours) VALUES ('h', -1)$q$, '23514');
    PERFORM pg_temp.expect_error($q$INSERT INTO tasks (title, external_key) VALUES ('k', ' ')$q$, '23514');
END
$$;

-- Review #18: inserting a completed task (an import) does not need completed_at; the trigger
-- sets it. completed_at without status completed is refused.
DO $$
DECLARE
    t tasks;
BEGIN
    INSERT INTO tasks (title, status) VALUES ('imported done', 'completed') RETURNING * INTO t;
    ASSERT t.completed_at IS NOT NULL, 'completed_at set on insert';
    INSERT INTO tasks (title, status, completed_at) VALUES ('imported done', 'completed', '2025-07-01T10:00:00Z')
        RETURNING * INTO t;
    ASSERT t.completed_at = '2025-07-01T10:00:00Z', 'explicit completed_at kept';
    INSERT INTO tasks (title, status) VALUES ('imported wip', 'in_progress') RETURNING * INTO t;
    ASSERT t.started_at IS NOT NULL, 'started_at set for in_progress insert';
    PERFORM pg_temp.expect_error(
        $q$INSERT INTO tasks (title, status, completed_at) VALUES ('bad', 'pending', now())$q$, '23514');
    PERFORM pg_temp.expect_error(
        $q$INSERT INTO tasks (title, status, started_at, completed_at) VALUES ('bad', 'completed', now(), now() - interval '1 day')$q$,
        '23514');
END
$$;

-- Status transitions (task_status_transitions), timestamps and messages.
DO $$
DECLARE
    t       tasks;
    arrow   text := ' ' || chr(8594) || ' ';
    started timestamptz;
BEGIN
    ASSERT allowed_task_transitions('completed') = ARRAY['in_progress'], 'completed -> in_progress only';
    ASSERT allowed_task_transitions('pending') = ARRAY['in_progress', 'blocked', 'deferred', 'completed', 'cancelled'],
        'pending transitions in vocabulary order';
    ASSERT (SELECT count(*) FROM task_status_transitions) = 29, 'transition table has 29 rows';

    t := create_task('transitions');
    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, %L)', t.id, 'review'), 'TD010',
        'invalid transition pending' || arrow || 'review (allowed from pending: in_progress, blocked, deferred, completed, cancelled)');

    t := update_task_status(t.id, 'in_progress', 'picked up');
    ASSERT t.status = 'in_progress' AND t.started_at IS NOT NULL AND t.completed_at IS NULL, 'in progress';
    started := t.started_at;
    ASSERT (SELECT context_data ->> 'note' FROM task_contexts
             WHERE task_id = t.id AND context_type = 'status_change' AND context_data ->> 'to' = 'in_progress')
           = 'picked up', 'status change note recorded as context';

    t := update_task_status(t.id, 'review');
    t := update_task_status(t.id, 'completed');
    ASSERT t.completed_at IS NOT NULL AND t.started_at = started, 'completed_at set, started_at kept';

    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, %L)', t.id, 'pending'), 'TD010',
        'invalid transition completed' || arrow || 'pending (allowed from completed: in_progress)');
    -- the rule holds for plain UPDATEs too, not only for the function
    PERFORM pg_temp.expect_error(format('UPDATE tasks SET status = %L WHERE id = %L', 'pending', t.id), 'TD010',
        'invalid transition completed' || arrow || 'pending%');
    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, %L)', t.id, 'completed'), 'TD010',
        'invalid transition completed' || arrow || 'completed%');
    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, %L)', t.id, 'done'), '22023');
    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, NULL)', t.id), '22023');
    PERFORM pg_temp.expect_error(format('UPDATE tasks SET status = %L WHERE id = %L', 'done', t.id), '23514');
    PERFORM pg_temp.expect_error(format('UPDATE tasks SET completed_at = NULL WHERE id = %L', t.id), '23514');
    PERFORM pg_temp.expect_error(format('SELECT update_task_status(%L, %L)', gen_random_uuid(), 'pending'),
        'TD020', 'task % not found');

    -- reopen: completed -> in_progress clears completed_at, keeps the first start
    t := update_task_status(t.id, 'in_progress', 'regression found');
    ASSERT t.completed_at IS NULL AND t.started_at = started, 'reopened';

    -- UPDATE that leaves status alone is not a transition
    UPDATE tasks SET title = 'renamed', status = status WHERE id = t.id;

    t := update_task_status(t.id, 'failed');
    t := update_task_status(t.id, 'pending');
    t := update_task_status(t.id, 'cancelled');
    t := update_task_status(t.id, 'pending');
    t := update_task_status(t.id, 'deferred');
    t := update_task_status(t.id, 'in_progress');
    t := update_task_status(t.id, 'blocked');
    t := update_task_status(t.id, 'cancelled');
    ASSERT t.status = 'cancelled' AND t.completed_at IS NULL, 'walked the table';
END
$$;

-- Review #16: updated_at is maintained by trigger.
DO $$
DECLARE
    t tasks;
BEGIN
    t := create_task('updated_at');
    UPDATE tasks SET updated_at = '2000-01-01', assigned_to = 'agent-1' WHERE id = t.id RETURNING * INTO t;
    ASSERT t.updated_at = now(), 'updated_at overwritten by trigger';
END
$$;

-- Review #7: get_task_hierarchy works (path/depth types consistent) and orders depth-first.
DO $$
DECLARE
    r  tasks;
    a  tasks;
    b  tasks;
    a1 tasks;
    n  integer;
    rec record;
BEGIN
    r := create_task('root');
    a := create_task('a', p_parent_task_id => r.id);
    b := create_task('b', p_parent_task_id => r.id);
    a1 := create_task('a1', p_parent_task_id => a.id);

    SELECT count(*) INTO n FROM get_task_hierarchy(r.id);
    ASSERT n = 4, 'four nodes, got ' || n;
    ASSERT (SELECT array_agg(h.short_id ORDER BY h.ord)
              FROM get_task_hierarchy(r.id)
                   WITH ORDINALITY AS h(task_id, short_id, parent_task_id, title, status, priority, depth, path, ord))
           = ARRAY[r.short_id, a.short_id, a1.short_id, b.short_id], 'depth-first order';
    SELECT * INTO rec FROM get_task_hierarchy(r.id) h WHERE h.task_id = a1.id;
    ASSERT rec.depth = 2 AND rec.path = ARRAY[r.short_id, a.short_id, a1.short_id] AND rec.parent_task_id = a.id,
        'depth and path of grandchild';
    SELECT * INTO rec FROM get_task_hierarchy(r.id) h WHERE h.task_id = r.id;
    ASSERT rec.depth = 0 AND rec.path = ARRAY[r.short_id], 'root row';
    ASSERT (SELECT count(*) FROM get_task_hierarchy(a1.id)) = 1, 'leaf hierarchy is itself';
    PERFORM pg_temp.expect_error(format('SELECT * FROM get_task_hierarchy(%L)', gen_random_uuid()), 'TD020');
END
$$;

-- calculate_task_completion
DO $$
DECLARE
    p  tasks;
    c1 tasks;
    c2 tasks;
    c3 tasks;
    g1 tasks;
    leaf tasks;
BEGIN
    leaf := create_task('leaf');
    ASSERT calculate_task_completion(leaf.id) = 0, 'pending leaf is 0';
    PERFORM update_task_status(leaf.id, 'in_progress');
    PERFORM update_task_status(leaf.id, 'completed');
    ASSERT calculate_task_completion(leaf.id) = 100, 'completed leaf is 100';

    p := create_task('parent');
    c1 := create_task('c1', p_parent_task_id => p.id);
    c2 := create_task('c2', p_parent_task_id => p.id);
    c3 := create_task('c3', p_parent_task_id => p.id);
    g1 := create_task('g1', p_parent_task_id => c1.id);
    ASSERT calculate_task_completion(p.id) = 0, 'nothing done';
    PERFORM update_task_status(g1.id, 'in_progress');
    PERFORM update_task_status(g1.id, 'completed');
    ASSERT calculate_task_completion(p.id) = 25, 'one of four descendants: ' || calculate_task_completion(p.id);
    ASSERT calculate_task_completion(c1.id) = 100, 'c1: its only descendant is done';
    PERFORM update_task_status(c3.id, 'cancelled');
    ASSERT round(calculate_task_completion(p.id), 2) = 33.33, 'cancelled descendants left out: ' || calculate_task_completion(p.id);
    PERFORM update_task_status(c1.id, 'in_progress');
    PERFORM update_task_status(c1.id, 'completed');
    ASSERT round(calculate_task_completion(p.id), 2) = 66.67, 'two of three';
    PERFORM update_task_status(p.id, 'in_progress');
    PERFORM update_task_status(p.id, 'completed');
    ASSERT calculate_task_completion(p.id) = 100, 'a completed task is 100';
    PERFORM pg_temp.expect_error(format('SELECT calculate_task_completion(%L)', gen_random_uuid()), 'TD020');
END
$$;

-- Task hierarchy cycles (parent_task_id), any depth: TD002; self-parent: CHECK 23514.
DO $$
DECLARE
    a tasks;
    b tasks;
    c tasks;
    arrow text := ' ' || chr(8594) || ' ';
BEGIN
    a := create_task('ha');
    b := create_task('hb', p_parent_task_id => a.id);
    c := create_task('hc', p_parent_task_id => b.id);
    PERFORM pg_temp.expect_error(format('UPDATE tasks SET parent_task_id = %L WHERE id = %L', c.id, a.id), 'TD002',
        format('task hierarchy cycle: #%s%s#%s%s#%s%s#%s', a.short_id, arrow, c.short_id, arrow, b.short_id, arrow, a.short_id));
    PERFORM pg_temp.expect_error(format('UPDATE tasks SET parent_task_id = %L WHERE id = %L', a.id, a.id), '23514');
    -- moving a subtree elsewhere is fine
    UPDATE tasks SET parent_task_id = NULL WHERE id = b.id;
    UPDATE tasks SET parent_task_id = c.id WHERE id = a.id;
    ASSERT (SELECT parent_task_id FROM tasks WHERE id = a.id) = c.id, 'moved';
    -- deleting a parent keeps the children (parent_task_id becomes NULL)
    DELETE FROM tasks WHERE id = c.id;
    ASSERT (SELECT parent_task_id FROM tasks WHERE id = a.id) IS NULL, 'ON DELETE SET NULL';
END
$$;

-- Trigram search and the active-task listing work.
DO $$
DECLARE
    t tasks;
BEGIN
    t := create_task('Configure Cloudflare tunnel for postgres', p_description => 'cloudflared ingress rules');
    ASSERT EXISTS (SELECT 1 FROM tasks WHERE title % 'cloudflare tunel' AND id = t.id), 'similarity search finds a typo';
    ASSERT EXISTS (SELECT 1 FROM tasks WHERE description ILIKE '%ingress%' AND id = t.id), 'ILIKE search';
    ASSERT EXISTS (SELECT 1 FROM tasks WHERE status NOT IN ('completed', 'cancelled') AND status = 'pending'
                    ORDER BY priority DESC, short_id LIMIT 1), 'next-task style query';
END
$$;
