-- tests/sql/workflows.sql -- workflows: creation, steps, transitions (TD011), retries (TD012),
-- timeouts. Run on a freshly migrated database: psql -v ON_ERROR_STOP=1 -f tests/sql/workflows.sql

-- create_workflow defaults and argument handling.
DO $$
DECLARE
    t tasks := create_task('wf defaults');
    w workflows;
BEGIN
    w := create_workflow(t.id);
    ASSERT w.status = 'initialized' AND w.workflow_type = 'standard' AND w.short_id IS NOT NULL, 'defaults';
    ASSERT w.retry_count = 0 AND w.max_retries = 3 AND w.timeout_minutes = 60 AND w.steps_total IS NULL, 'limits';
    ASSERT w.steps_completed = 0 AND w.step_log = '[]' AND w.error_log = '[]' AND w.validation_results = '{}', 'empty logs';
    ASSERT w.started_at IS NULL AND w.completed_at IS NULL, 'not started';
    PERFORM update_workflow_status(w.id, 'cancelled', 'test over');
    w := create_workflow(t.id, 'deployment', 0);   -- the prototype's "0 steps" means unknown
    ASSERT w.steps_total IS NULL AND w.workflow_type = 'deployment', 'steps_total 0 -> NULL';
    PERFORM update_workflow_status(w.id, 'cancelled');
    w := create_workflow(NULL, 'cleanup');
    ASSERT w.task_id IS NULL, 'workflow without task';
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L)', gen_random_uuid()), 'TD020');
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L, %L)', t.id, 'nightly'), '23514');
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L, p_timeout_minutes => 0)', t.id), '23514');
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L, p_max_retries => -1)', t.id), '23514');
END
$$;

-- Review #5: at most one active (initialized/running) workflow per task.
DO $$
DECLARE
    t  tasks := create_task('wf one active');
    w1 workflows;
    w2 workflows;
BEGIN
    w1 := create_workflow(t.id);
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L)', t.id), '23505');
    PERFORM update_workflow_step(w1.id, 'build', 'running');
    PERFORM pg_temp.expect_error(format('SELECT create_workflow(%L)', t.id), '23505');
    PERFORM update_workflow_status(w1.id, 'completed');
    w2 := create_workflow(t.id);
    ASSERT w2.id <> w1.id, 'a new workflow once the first is finished';
END
$$;

-- Review #17: a workflow completes when its declared steps are done, whatever they are called.
DO $$
DECLARE
    w workflows;
BEGIN
    w := create_workflow((create_task('wf one step')).id, p_steps_total => 1);
    w := update_workflow_step(w.id, 'final', 'completed', '{"ok": true}');
    ASSERT w.status = 'completed' AND w.steps_completed = 1 AND w.completed_at IS NOT NULL, 'one call completes it';
    ASSERT w.started_at IS NOT NULL AND w.current_step = 'final', 'started and current step';

    w := create_workflow((create_task('wf one step b')).id, p_steps_total => 1);
    w := update_workflow_step(w.id, 'build', 'completed');
    ASSERT w.status = 'completed', 'name does not matter';
END
$$;

-- Step timeline: running -> completed closes the open entry; skipped counts; completion at total.
DO $$
DECLARE
    w  workflows;
    e  jsonb;
BEGIN
    w := create_workflow((create_task('wf steps')).id, p_steps_total => 3);
    w := update_workflow_step(w.id, 'checkout', 'running');
    ASSERT w.status = 'running' AND w.started_at IS NOT NULL AND w.current_step = 'checkout', 'started';
    ASSERT jsonb_array_length(w.step_log) = 1 AND w.step_log -> 0 ->> 'status' = 'running', 'open entry';
    w := update_workflow_step(w.id, 'checkout', 'running');
    ASSERT jsonb_array_length(w.step_log) = 1, 'running twice does not duplicate the entry';
    w := update_workflow_step(w.id, 'checkout', 'completed', '{"sha": "abc"}');
    e := w.step_log -> 0;
    ASSERT jsonb_array_length(w.step_log) = 1 AND e ->> 'status' = 'completed', 'entry closed';
    ASSERT e ->> 'finished_at' IS NOT NULL AND e -> 'result' ->> 'sha' = 'abc' AND (e ->> 'attempt')::int = 0,
        'finished_at, result, attempt';
    ASSERT w.steps_completed = 1 AND w.status = 'running', 'one of three';
    w := update_workflow_step(w.id, 'lint', 'skipped');
    ASSERT w.steps_completed = 2 AND w.status = 'running', 'skipped counts as done';
    w := update_workflow_step(w.id, 'checkout', 'completed');
    ASSERT w.steps_completed = 2, 'the same step again is not counted twice';
    w := update_workflow_step(w.id, 'test', 'completed');
    ASSERT w.status = 'completed' AND w.steps_completed = 3 AND w.completed_at IS NOT NULL, 'completed at total';
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_step(%L, %L, %L)', w.id, 'deploy', 'running'), 'TD011',
        'workflow #% is completed: steps can be recorded only while it is initialized or running');
END
$$;

-- A failed step fails the workflow and is logged; retries are counted and limited.
DO $$
DECLARE
    w     workflows;
    arrow text := ' ' || chr(8594) || ' ';
BEGIN
    w := create_workflow((create_task('wf fail')).id, p_steps_total => 2, p_max_retries => 1);
    w := update_workflow_step(w.id, 'build', 'completed');
    w := update_workflow_step(w.id, 'test', 'running');
    w := update_workflow_step(w.id, 'test', 'failed', NULL, '3 tests failed');
    ASSERT w.status = 'failed' AND w.completed_at IS NOT NULL, 'failed step fails the workflow';
    ASSERT w.step_log -> 1 ->> 'status' = 'failed' AND w.step_log -> 1 ->> 'error' = '3 tests failed', 'step entry';
    ASSERT w.error_log -> 0 ->> 'message' = '3 tests failed' AND w.error_log -> 0 ->> 'step' = 'test', 'error_log entry';
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_step(%L, %L, %L)', w.id, 'test', 'running'), 'TD011');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'completed'), 'TD011',
        'invalid workflow transition failed' || arrow || 'completed (allowed from failed: running)');

    -- retry: failed -> running, counts a retry, new attempt, completed_at cleared
    UPDATE workflows SET started_at = now() - interval '1 hour' WHERE id = w.id;
    w := update_workflow_status(w.id, 'running', 'flaky runner');
    ASSERT w.status = 'running' AND w.retry_count = 1 AND w.completed_at IS NULL, 'retried';
    ASSERT w.started_at = now(), 'started_at is the start of this attempt';
    ASSERT w.error_log -> 1 ->> 'message' = 'flaky runner', 'reason logged';
    w := update_workflow_step(w.id, 'test', 'running');
    ASSERT (w.step_log -> 2 ->> 'attempt')::int = 1, 'new attempt, new entry';
    w := update_workflow_step(w.id, 'test', 'failed');
    ASSERT w.status = 'failed' AND w.error_log -> 2 ->> 'message' = 'step test failed', 'default message';
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'running'), 'TD012',
        'workflow #% has no retries left (1 of 1 used)');
    -- plain UPDATEs obey the same rules
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET status = %L WHERE id = %L', 'running', w.id), 'TD012');
    -- raising max_retries allows another retry
    UPDATE workflows SET max_retries = 2 WHERE id = w.id;
    w := update_workflow_status(w.id, 'running');
    ASSERT w.retry_count = 2, 'retry after raising the limit';
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET retry_count = 5 WHERE id = %L', w.id), '23514');
END
$$;

-- Illegal transitions and bad arguments.
DO $$
DECLARE
    w     workflows;
    arrow text := ' ' || chr(8594) || ' ';
BEGIN
    ASSERT allowed_workflow_transitions('initialized') = ARRAY['running', 'failed', 'cancelled'], 'from initialized';
    ASSERT allowed_workflow_transitions('completed') = '{}', 'completed is terminal';
    ASSERT (SELECT count(*) FROM workflow_status_transitions) = 9, 'nine transitions';

    w := create_workflow((create_task('wf illegal')).id);
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'completed'), 'TD011',
        'invalid workflow transition initialized' || arrow || 'completed (allowed from initialized: running, failed, cancelled)');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'initialized'), 'TD011');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'done'), '22023');
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET status = %L WHERE id = %L', 'done', w.id), '23514');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_step(%L, %L, %L)', w.id, 'x', 'finished'), '22023');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_step(%L, %L, %L)', w.id, ' ', 'running'), '22023');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_step(%L, %L, %L)', gen_random_uuid(), 'x', 'running'), 'TD021');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', gen_random_uuid(), 'running'), 'TD021');

    w := update_workflow_status(w.id, 'running');
    w := update_workflow_status(w.id, 'completed');
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'running'), 'TD011',
        'invalid workflow transition completed' || arrow || 'running (allowed from completed: none)');
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET status = %L WHERE id = %L', 'running', w.id), 'TD011');
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET completed_at = NULL WHERE id = %L', w.id), '23514');
    PERFORM pg_temp.expect_error(format('UPDATE workflows SET steps_total = 1, steps_completed = 2 WHERE id = %L', w.id), '23514');

    w := create_workflow(NULL);
    w := update_workflow_status(w.id, 'cancelled', 'not needed');
    ASSERT w.completed_at IS NOT NULL AND w.started_at IS NULL, 'cancelled before start';
    PERFORM pg_temp.expect_error(format('SELECT update_workflow_status(%L, %L)', w.id, 'running'), 'TD011');
END
$$;

-- Stuck detection: running longer than timeout_minutes -> timeout (and retry is possible).
DO $$
DECLARE
    w  workflows;
    w2 workflows;
    n  integer;
BEGIN
    w := create_workflow((create_task('wf stuck')).id, p_timeout_minutes => 30);
    w := update_workflow_step(w.id, 'deploy', 'running');
    w2 := create_workflow((create_task('wf busy')).id, p_timeout_minutes => 30);
    w2 := update_workflow_step(w2.id, 'deploy', 'running');
    UPDATE workflows SET started_at = now() - interval '31 minutes' WHERE id = w.id;
    UPDATE workflows SET started_at = now() - interval '29 minutes' WHERE id = w2.id;

    SELECT count(*) INTO n FROM timeout_stuck_workflows() s WHERE s.id IN (w.id, w2.id);
    ASSERT n = 1, 'exactly the stuck one';
    SELECT * INTO w FROM workflows WHERE id = w.id;
    ASSERT w.status = 'timeout' AND w.completed_at IS NOT NULL, 'timed out';
    ASSERT w.error_log -> 0 ->> 'status' = 'timeout' AND w.error_log -> 0 ->> 'step' = 'deploy', 'logged';
    ASSERT (SELECT status FROM workflows WHERE id = w2.id) = 'running', 'the other still runs';
    w := update_workflow_status(w.id, 'running');
    ASSERT w.retry_count = 1 AND w.status = 'running', 'timeout -> running is a retry';
END
$$;

-- Deleting a task deletes its workflows.
DO $$
DECLARE
    t tasks := create_task('wf cascade');
    w workflows := create_workflow(t.id);
BEGIN
    DELETE FROM tasks WHERE id = t.id;
    ASSERT NOT EXISTS (SELECT 1 FROM workflows WHERE id = w.id), 'ON DELETE CASCADE';
END
$$;
