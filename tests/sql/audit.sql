-- tests/sql/audit.sql -- audit_log written by trigger for tasks, task_dependencies, workflows and
-- external_integrations; actor from taskdb.actor.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/audit.sql

-- Review #1 / #16: plain inserts into the audited tables work (the prototype's audit trigger
-- broke every insert) and each one is audited under the real table name.
DO $$
DECLARE
    t tasks;
    w workflows;
    a audit_log;
BEGIN
    PERFORM set_config('taskdb.actor', 'ci-bot', true);
    INSERT INTO tasks (title) VALUES ('audited insert') RETURNING * INTO t;
    INSERT INTO task_contexts (task_id, context_type, context_data) VALUES (t.id, 'requirement', '{"text": "x"}');
    INSERT INTO workflows (task_id) VALUES (t.id) RETURNING * INTO w;

    SELECT * INTO a FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text;
    ASSERT a.action = 'INSERT' AND a.old_values IS NULL AND a.changed_fields IS NULL, 'insert row';
    ASSERT a.new_values ->> 'title' = 'audited insert' AND (a.new_values ->> 'short_id')::bigint = t.short_id,
        'whole new row stored';
    ASSERT NOT a.new_values ? 'updated_at', 'updated_at is never audited';
    ASSERT a.actor = 'ci-bot' AND a.occurred_at = now(), 'actor and time';
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'workflows' AND record_id = w.id::text AND action = 'INSERT'),
        'workflow insert audited';
    ASSERT NOT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'task_contexts'), 'task_contexts are not audited';
END
$$;

-- Actor falls back to current_user when taskdb.actor is unset or empty.
DO $$
DECLARE
    t tasks;
BEGIN
    PERFORM set_config('taskdb.actor', '', true);
    t := create_task('no actor');
    ASSERT (SELECT actor FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text) = current_user,
        'fallback to current_user';
    ASSERT t.created_by = current_user, 'created_by fallback';
    ASSERT current_actor() = current_user, 'current_actor()';
    PERFORM set_config('taskdb.actor', 'operator@example', true);
    ASSERT current_actor() = 'operator@example', 'current_actor() reads the setting';
END
$$;

-- UPDATE: only changed columns, sorted field list; no-op updates write nothing; DELETE keeps the row.
DO $$
DECLARE
    t tasks := create_task('to update', p_priority => 3);
    a audit_log;
    n bigint;
BEGIN
    PERFORM set_config('taskdb.actor', 'alice', true);
    UPDATE tasks SET priority = 9, assigned_to = 'agent-7', title = title WHERE id = t.id;
    SELECT * INTO a FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text AND action = 'UPDATE'
     ORDER BY id DESC LIMIT 1;
    ASSERT a.changed_fields = ARRAY['assigned_to', 'priority'], 'changed fields: ' || a.changed_fields::text;
    ASSERT a.old_values = '{"priority": 3, "assigned_to": null}', 'old values: ' || a.old_values::text;
    ASSERT a.new_values = '{"priority": 9, "assigned_to": "agent-7"}', 'new values: ' || a.new_values::text;
    ASSERT a.actor = 'alice', 'actor';

    SELECT count(*) INTO n FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text;
    UPDATE tasks SET title = title WHERE id = t.id;          -- only updated_at changes
    ASSERT (SELECT count(*) FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text) = n,
        'no-op update not audited';

    PERFORM update_task_status(t.id, 'in_progress');
    SELECT * INTO a FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text ORDER BY id DESC LIMIT 1;
    ASSERT a.changed_fields = ARRAY['started_at', 'status'] AND a.new_values ->> 'status' = 'in_progress', 'status change';

    DELETE FROM tasks WHERE id = t.id;
    SELECT * INTO a FROM audit_log WHERE table_name = 'tasks' AND record_id = t.id::text ORDER BY id DESC LIMIT 1;
    ASSERT a.action = 'DELETE' AND a.new_values IS NULL AND a.old_values ->> 'title' = 'to update', 'delete row';
END
$$;

-- task_dependencies: record_id is '<task_id>:<depends_on_task_id>'; cascaded deletes are audited.
DO $$
DECLARE
    a uuid := (create_task('aud dep a')).id;
    b uuid := (create_task('aud dep b')).id;
BEGIN
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (a, b);
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'task_dependencies'
                    AND record_id = a || ':' || b AND action = 'INSERT'), 'dependency insert';
    UPDATE task_dependencies SET dependency_type = 'related' WHERE task_id = a;
    ASSERT (SELECT changed_fields FROM audit_log WHERE table_name = 'task_dependencies' AND record_id = a || ':' || b
             AND action = 'UPDATE') = ARRAY['dependency_type'], 'dependency update';
    DELETE FROM tasks WHERE id = b;
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'task_dependencies'
                    AND record_id = a || ':' || b AND action = 'DELETE'), 'cascaded delete audited';
END
$$;

-- workflows: step_log is not copied into the audit (the timeline is its own history), the rest is.
DO $$
DECLARE
    w workflows := create_workflow((create_task('aud wf')).id, p_steps_total => 2);
    a audit_log;
BEGIN
    w := update_workflow_step(w.id, 'build', 'completed');
    SELECT * INTO a FROM audit_log WHERE table_name = 'workflows' AND record_id = w.id::text AND action = 'UPDATE'
     ORDER BY id DESC LIMIT 1;
    ASSERT a.changed_fields = ARRAY['current_step', 'steps_completed'], 'changed: ' || a.changed_fields::text;
    ASSERT NOT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'workflows' AND record_id = w.id::text
                        AND (new_values ? 'step_log' OR old_values ? 'step_log')), 'step_log never audited';
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE table_name = 'workflows' AND record_id = w.id::text
                    AND changed_fields @> ARRAY['status'] AND new_values ->> 'status' = 'running'), 'start audited';
END
$$;

-- external_integrations: configuration/status changes are audited, per-call usage bookkeeping is not.
DO $$
DECLARE
    v_name text := 'audit-gh-' || gen_random_uuid();
    v_id   uuid;
    n      bigint;
BEGIN
    INSERT INTO external_integrations (integration_type, integration_name, configuration)
    VALUES ('github', v_name, '{"api_url": "https://api.github.com"}') RETURNING id INTO v_id;
    SELECT count(*) INTO n FROM audit_log WHERE table_name = 'external_integrations' AND record_id = v_id::text;
    ASSERT n = 1, 'insert audited';
    PERFORM log_api_call(v_name, '/repos', 'GET', 200, 12);
    PERFORM log_api_call(v_name, '/repos', 'GET', 200, 15);
    ASSERT (SELECT count(*) FROM audit_log WHERE table_name = 'external_integrations' AND record_id = v_id::text) = 1,
        'usage counters not audited';
    UPDATE external_integrations SET status = 'maintenance' WHERE integration_name = v_name;
    ASSERT (SELECT changed_fields FROM audit_log WHERE table_name = 'external_integrations' AND record_id = v_id::text
             AND action = 'UPDATE') = ARRAY['status'], 'status change audited';
END
$$;

-- audit_log constraints
DO $$
BEGIN
    PERFORM pg_temp.expect_error(
        $q$INSERT INTO audit_log (table_name, record_id, action, new_values) VALUES ('tasks', 'x', 'TRUNCATE', '{}')$q$, '23514');
    PERFORM pg_temp.expect_error(
        $q$INSERT INTO audit_log (table_name, record_id, action) VALUES ('tasks', 'x', 'INSERT')$q$, '23514');
END
$$;

-- Multi-row statements (V8 audits INSERT/DELETE once per statement from the transition table):
-- one audit row per row, in the statement's order, each with its own record id; an upsert
-- audits its inserted rows as INSERT and its conflicting rows as UPDATE; an empty statement
-- writes nothing.
DO $$
DECLARE
    v_before bigint := (SELECT coalesce(max(id), 0) FROM audit_log);
    v_ids    uuid[];
    v_name   text := 'audit-multi-' || gen_random_uuid();
BEGIN
    PERFORM set_config('taskdb.actor', 'bulk-bot', true);
    WITH ins AS (
        INSERT INTO tasks (title, priority) SELECT 'bulk ' || i, i FROM generate_series(1, 3) AS i RETURNING id, short_id
    ) SELECT array_agg(id ORDER BY short_id) INTO v_ids FROM ins;
    ASSERT (SELECT array_agg(record_id ORDER BY id) FROM audit_log WHERE id > v_before AND table_name = 'tasks')
           = v_ids::text[], 'one INSERT row per task, in order';
    ASSERT (SELECT bool_and(action = 'INSERT' AND actor = 'bulk-bot' AND old_values IS NULL
                            AND changed_fields IS NULL AND NOT new_values ? 'updated_at'
                            AND new_values ->> 'title' LIKE 'bulk %')
              FROM audit_log WHERE id > v_before), 'whole rows, actor, no updated_at';

    v_before := (SELECT max(id) FROM audit_log);
    INSERT INTO task_dependencies (task_id, depends_on_task_id) VALUES (v_ids[2], v_ids[1]), (v_ids[3], v_ids[2]);
    ASSERT (SELECT array_agg(record_id ORDER BY id) FROM audit_log WHERE id > v_before)
           = ARRAY[v_ids[2] || ':' || v_ids[1], v_ids[3] || ':' || v_ids[2]], 'two-column record ids';

    v_before := (SELECT max(id) FROM audit_log);
    DELETE FROM tasks WHERE id = ANY (v_ids[1:2]);
    ASSERT (SELECT count(*) FROM audit_log WHERE id > v_before AND table_name = 'tasks' AND action = 'DELETE'
               AND old_values ->> 'title' IN ('bulk 1', 'bulk 2')) = 2, 'both deletes audited';
    ASSERT (SELECT count(*) FROM audit_log WHERE id > v_before AND table_name = 'task_dependencies'
               AND action = 'DELETE') = 2, 'cascaded dependency deletes audited';

    v_before := (SELECT max(id) FROM audit_log);
    DELETE FROM tasks WHERE false;
    INSERT INTO tasks (title) SELECT 'never' WHERE false;
    ASSERT NOT EXISTS (SELECT 1 FROM audit_log WHERE id > v_before), 'empty statements write nothing';

    INSERT INTO external_integrations (integration_type, integration_name) VALUES ('webhook', v_name);
    v_before := (SELECT max(id) FROM audit_log);
    INSERT INTO external_integrations (integration_type, integration_name)
    VALUES ('webhook', v_name), ('webhook', v_name || '-2')
    ON CONFLICT (integration_name) DO UPDATE SET status = 'maintenance';
    ASSERT (SELECT array_agg(action || ':' || coalesce(changed_fields::text, '-') ORDER BY id)
              FROM audit_log WHERE id > v_before) = ARRAY['UPDATE:{status}', 'INSERT:-'],
        'upsert: update audited per row, insert per statement: '
        || (SELECT array_agg(action ORDER BY id) FROM audit_log WHERE id > v_before)::text;
END
$$;

-- A task's history (tasks rows by id, task_dependencies rows by '<id>:' prefix) is an index
-- lookup under any collation (V10: text_pattern_ops), not a scan of the whole audit log.
DO $$
DECLARE
    v_id   text := (create_task('history plan')).id::text;
    v_plan text := '';
    v_line text;
BEGIN
    SET LOCAL enable_seqscan = off;
    FOR v_line IN EXECUTE format(
        'EXPLAIN SELECT id FROM audit_log
          WHERE (table_name = %L AND record_id = %L) OR (table_name = %L AND record_id LIKE %L)
          ORDER BY id DESC LIMIT 5', 'tasks', v_id, 'task_dependencies', v_id || ':%') LOOP
        v_plan := v_plan || v_line || ' ';
    END LOOP;
    ASSERT v_plan LIKE '%Index Cond: ((table_name = ''task_dependencies''::text) AND (record_id ~>=~%', 'plan: ' || v_plan;
END
$$;
