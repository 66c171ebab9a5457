-- tests/sql/leases.sql -- V14: claims with leases and the derived columns that keep next's order
-- in an index. Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/leases.sql

-- Derived columns follow the parent and the edges: parent_short_id / parent_in_progress on
-- insert, reparent and the parent's status changes; blocking_dependencies on insert, retype,
-- delete and TRUNCATE of edges.
DO $$
DECLARE
    p  tasks := create_task('lease parent');
    q  tasks := create_task('lease other parent');
    c  tasks := create_task('lease child', p_parent_task_id => p.id);
    d  tasks := create_task('lease dep');
BEGIN
    ASSERT (SELECT parent_short_id FROM tasks WHERE id = c.id) = p.short_id, 'parent id copied';
    ASSERT NOT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'parent pending';
    PERFORM update_task_status(p.id, 'in_progress');
    ASSERT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'parent started';
    UPDATE tasks SET parent_task_id = q.id WHERE id = c.id;
    ASSERT (SELECT (parent_short_id, parent_in_progress) FROM tasks WHERE id = c.id)
           = (q.short_id, false), 'reparented under a pending task';
    UPDATE tasks SET parent_task_id = NULL WHERE id = c.id;
    ASSERT (SELECT (parent_short_id, parent_in_progress) FROM tasks WHERE id = c.id)
           IS NOT DISTINCT FROM (NULL::bigint, false), 'top-level again';
    UPDATE tasks SET parent_task_id = p.id WHERE id = c.id;
    ASSERT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'under the started parent';
    PERFORM update_task_status(p.id, 'review');
    ASSERT NOT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'parent left in_progress';

    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (c.id, d.id), (c.id, q.id);
    ASSERT (SELECT (blocking_dependencies, open_blockers) FROM tasks WHERE id = c.id) = (2, 2), 'two edges';
    UPDATE task_dependencies SET dependency_type = 'related' WHERE task_id = c.id AND depends_on_task_id = q.id;
    ASSERT (SELECT (blocking_dependencies, open_blockers) FROM tasks WHERE id = c.id) = (1, 1), 'one blocks';
    PERFORM update_task_status(d.id, 'completed');
    ASSERT (SELECT (blocking_dependencies, open_blockers) FROM tasks WHERE id = c.id) = (1, 0), 'blocker done';
    DELETE FROM task_dependencies WHERE task_id = c.id AND depends_on_task_id = d.id;
    ASSERT (SELECT blocking_dependencies FROM tasks WHERE id = c.id) = 0, 'edge removed';
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (c.id, d.id);
    ASSERT (SELECT blocking_dependencies FROM tasks WHERE id = c.id) = 1, 'edge back';
    TRUNCATE task_dependencies;
    ASSERT NOT EXISTS (SELECT 1 FROM tasks WHERE blocking_dependencies <> 0 OR open_blockers <> 0),
        'TRUNCATE zeroes the counts';
    -- create_task counts the edges it adds, so the task arrives with them.
    ASSERT (SELECT (blocking_dependencies, open_blockers) FROM create_task('lease born blocked',
            p_depends_on => ARRAY[q.id, d.id, q.id])) = (2, 1), 'created with its counts';
END
$$;

-- Claims, leases and attempts.
DO $$
DECLARE
    a tasks := create_task('lease a', p_priority => 10);
    v tasks;
BEGIN
    -- Everything else out of the way: only a is claimable.
    UPDATE tasks SET status = 'deferred' WHERE id <> a.id AND status = 'pending';
    PERFORM pg_temp.expect_error($q$SELECT claim_tasks('', interval '1 minute')$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT claim_tasks('w', interval '0 seconds')$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT claim_tasks('w', NULL, NULL, 0)$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT claim_tasks('w', NULL, NULL, 1, 0)$q$, '22023');
    SELECT * INTO v FROM claim_tasks('w1', interval '1 hour');
    ASSERT v.id = a.id AND v.status = 'in_progress' AND v.assigned_to = 'w1' AND v.attempts = 1
           AND v.lease_expires_at > now(), 'claimed with a lease';
    ASSERT NOT EXISTS (SELECT 1 FROM claim_tasks('w2', interval '1 hour')), 'nothing else';
    PERFORM pg_temp.expect_error(format('SELECT heartbeat_task(%L, %L, interval %L)', a.id, 'w2', '1 hour'),
                                 'TD030', 'task #' || a.short_id || ' is not held by w2');
    PERFORM pg_temp.expect_error(format('SELECT release_task(%L, %L)', a.id, 'w2'), 'TD030');
    PERFORM pg_temp.expect_error(format('SELECT release_task(%L, %L, NULL, 2)', a.id, 'w1'), 'TD030');
    PERFORM pg_temp.expect_error(format('SELECT finish_task_attempt(%L, %L, 2, true)', a.id, 'w1'), 'TD030');
    PERFORM pg_temp.expect_error(format('SELECT heartbeat_task(%L, %L, interval %L)', gen_random_uuid(), 'w1', '1 hour'),
                                 'TD020');
    -- The lease ends (moved into the past): the next claim hands it back and takes it.
    UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = a.id;
    SELECT * INTO v FROM claim_tasks('w2', interval '1 hour', NULL, 1, 2);
    ASSERT v.id = a.id AND v.assigned_to = 'w2' AND v.attempts = 2, 'a new attempt';
    ASSERT v.last_outcome LIKE 'the lease of w1 expired at % (attempt 1 of 2)', v.last_outcome;
    -- A failed run at max attempts gives the task up.
    v := finish_task_attempt(a.id, 'w2', 2, false, 'exit status 3', '{"exit_code": 3}', 2);
    ASSERT v.status = 'failed' AND v.assigned_to IS NULL AND v.lease_expires_at IS NULL, 'given up';
    ASSERT v.last_outcome = 'gave up after 2 attempt(s), the last by w2 failed: exit status 3', v.last_outcome;
    ASSERT (SELECT context_data ->> 'exit_code' FROM task_contexts
             WHERE task_id = a.id AND context_type = 'error') = '3', 'the run is kept';
    -- Leaving in_progress by any path ends the lease.
    PERFORM update_task_status(a.id, 'in_progress');
    UPDATE tasks SET lease_expires_at = now() + interval '1 hour' WHERE id = a.id;
    PERFORM update_task_status(a.id, 'review');
    ASSERT (SELECT lease_expires_at FROM tasks WHERE id = a.id) IS NULL, 'lease ended with in_progress';
    PERFORM pg_temp.expect_error(
        format('UPDATE tasks SET lease_expires_at = now() WHERE id = %L', a.id), '23514');
END
$$;

-- The tasks audit trigger (audit_task_update) writes what the generic diff wrote: the changed
-- columns in name order, their old and new values as to_jsonb renders them.
DO $$
DECLARE
    t tasks := create_task('audit eq');
    o tasks;
    n tasks;
    a audit_log;
BEGIN
    SELECT * INTO o FROM tasks WHERE id = t.id;
    UPDATE tasks SET title = 'audit eq 2', tags = ARRAY['x'], metadata = '{"k": [1, "é"]}',
                     estimated_hours = 1.5, priority = 9, started_at = now()
     WHERE id = t.id;
    SELECT * INTO n FROM tasks WHERE id = t.id;
    SELECT * INTO a FROM audit_log WHERE record_id = t.id::text AND action = 'UPDATE' ORDER BY id DESC LIMIT 1;
    ASSERT a.changed_fields = ARRAY['estimated_hours', 'metadata', 'priority', 'started_at', 'tags', 'title'],
        a.changed_fields::text;
    ASSERT a.new_values = (SELECT jsonb_object_agg(k, to_jsonb(n) -> k) FROM unnest(a.changed_fields) AS k),
        'new values as to_jsonb renders them';
    ASSERT a.old_values = (SELECT jsonb_object_agg(k, to_jsonb(o) -> k) FROM unnest(a.changed_fields) AS k),
        'old values as to_jsonb renders them';
    -- Nothing audited changed: no row.
    UPDATE tasks SET title = title WHERE id = t.id;
    ASSERT (SELECT count(*) FROM audit_log WHERE record_id = t.id::text AND action = 'UPDATE') = 1, 'no-op update';
END
$$;

-- Every column of tasks is either audited (compared in audit_task_update and named in the
-- tasks_audit trigger's UPDATE OF list) or one of the derived/bookkeeping columns.
DO $$
DECLARE
    v_src     text := pg_get_functiondef('audit_task_update'::regproc);
    v_missing text;
BEGIN
    SELECT string_agg(a.attname, ', ') INTO v_missing
      FROM pg_attribute a
     WHERE a.attrelid = 'tasks'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname NOT IN ('updated_at', 'open_blockers', 'blocking_dependencies',
                             'parent_short_id', 'parent_in_progress', 'has_children',
                             -- the claim's database role: audit_log records the session's
                             'holder_role')
       AND (position(format('NEW.%s IS DISTINCT FROM OLD.%s', a.attname, a.attname) IN v_src) = 0
            -- lease_expires_at alone (a heartbeat) is not an edit: audited with a claim,
            -- release or expiry, which name other columns too.
            OR (a.attname <> 'lease_expires_at'
                AND NOT EXISTS (SELECT 1 FROM pg_trigger tg
                                 WHERE tg.tgrelid = 'tasks'::regclass AND tg.tgname = 'tasks_audit'
                                   AND a.attnum = ANY (tg.tgattr::smallint[]))));
    ASSERT v_missing IS NULL, 'tasks columns not audited: ' || v_missing;
END
$$;
