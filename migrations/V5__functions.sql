-- V5__functions.sql -- the functions clients call.
--
-- Tasks
--   create_task(p_title text, p_description text = NULL, p_type text = 'general',
--               p_priority integer = 5, p_assigned_to text = NULL, p_parent_task_id uuid = NULL,
--               p_requirements jsonb = '[]', p_metadata jsonb = '{}', p_details text = NULL,
--               p_test_strategy text = NULL, p_tags text[] = '{}', p_complexity integer = NULL,
--               p_acceptance_criteria jsonb = '[]', p_affected_files jsonb = '[]',
--               p_external_key text = NULL, p_depends_on uuid[] = '{}',
--               p_estimated_hours numeric = NULL)
--       RETURNS tasks (the new row). Status 'pending'. p_depends_on adds 'blocks' dependencies.
--       NULL for a defaulted argument means the default. Missing parent/dependency: TD020.
--       Value errors come from the table's CHECK constraints (23514), duplicate external_key 23505.
--   update_task_status(p_task_id uuid, p_new_status text, p_note text = NULL) RETURNS tasks
--       Locks the task, changes the status (the V4 trigger enforces task_status_transitions and
--       sets started_at/completed_at) and records a task_contexts row of type 'status_change'
--       with {"from","to","note","actor"}. Unknown status: 22023. Missing task: TD020.
--       Refused change (including "already in that status"): TD010, message
--       'invalid transition completed -> pending (allowed from completed: in_progress)'.
--   get_task_hierarchy(p_root uuid) RETURNS TABLE(task_id uuid, short_id bigint,
--       parent_task_id uuid, title text, status text, priority smallint, depth integer,
--       path bigint[])
--       The root (depth 0, path {root short_id}) and all its descendants, depth-first, siblings
--       by short_id; path = short_ids from the root. Missing root: TD020.
--   calculate_task_completion(p_task_id uuid) RETURNS numeric (0.00 .. 100.00)
--       100 if the task itself is completed; otherwise the percentage of its descendants (any
--       depth) that are completed, cancelled descendants left out of the count; 0 for a task
--       without (non-cancelled) descendants. Missing task: TD020.
-- Workflows
--   create_workflow(p_task_id uuid, p_workflow_type text = 'standard', p_steps_total integer = NULL,
--                   p_timeout_minutes integer = 60, p_max_retries integer = 3, p_metadata jsonb = '{}')
--       RETURNS workflows (status 'initialized'). p_task_id may be NULL; missing task: TD020.
--       p_steps_total 0 is treated as NULL (unknown). A second active workflow for the same
--       task violates unique index workflows_one_active_per_task (23505).
--   update_workflow_step(p_workflow_id uuid, p_step_name text, p_step_status text,
--                        p_result jsonb = NULL, p_error text = NULL) RETURNS workflows
--       p_step_status: running | completed | failed | skipped (else 22023); blank name 22023.
--       Only while the workflow is initialized or running (else TD011); an initialized workflow
--       starts running. 'running' opens a step_log entry; completed/failed/skipped close the
--       open entry of that name in the current attempt (or add a finished one). current_step :=
--       the step. steps_completed := distinct step names completed or skipped. A failed step
--       appends to error_log and fails the workflow; reaching steps_total completes it.
--       Missing workflow: TD021.
--   update_workflow_status(p_workflow_id uuid, p_new_status text, p_reason text = NULL)
--       RETURNS workflows. Complete / fail / cancel / timeout / retry (= 'running' from failed or
--       timeout). p_reason is appended to error_log as {"at","status","step","message","attempt"}.
--       Unknown status 22023, missing workflow TD021, refused change TD011 (also for "already in
--       that status"), no retries left TD012.
--   timeout_stuck_workflows() RETURNS SETOF workflows
--       Moves every running workflow whose started_at + timeout_minutes is past to 'timeout'
--       (with an error_log entry) and returns those rows. For `taskdb maintain` / health.
-- Metrics and integrations
--   record_metric(p_name text, p_value double precision, p_component text = NULL,
--                 p_type text = 'gauge', p_tags jsonb = '{}', p_unit text = NULL,
--                 p_source_system text = NULL, p_metadata jsonb = '{}',
--                 p_recorded_at timestamptz = NULL (now)) RETURNS bigint (system_metrics.id)
--   log_api_call(p_integration_name text, p_endpoint text, p_method text,
--                p_response_status integer = NULL, p_response_time_ms integer = NULL,
--                p_task_id uuid = NULL, p_user_id text = NULL, p_error_message text = NULL,
--                p_correlation_id text = NULL (a new uuid), p_retry_count integer = 0)
--       RETURNS bigint (api_access_logs.id). Always records the call (never fails because of the
--       rate limit). With an integration name: counts the call in that integration's 1-minute
--       window (starting a new window if the old one ended) and sets last_used_at; unknown
--       name: TD022. p_method is upper-cased.
--   check_rate_limit(p_integration_name text) RETURNS boolean
--       true when one more call fits in the current window (current_usage < rate_limit_per_minute,
--       or the window has ended). Read-only, advisory (check, then call, then log_api_call).
--       Unknown name: TD022.
--   cleanup_old_data(p_audit_days integer = 90, p_metrics_days integer = 30,
--                    p_api_log_days integer = 7)
--       RETURNS TABLE(table_name text, deleted_rows bigint, dropped_partitions text[])
--       Deletes audit_log, system_metrics and api_access_logs rows older than the given number
--       of days; for the partitioned tables whole monthly partitions that are entirely older are
--       dropped first (their rows are not counted in deleted_rows). A NULL argument skips that
--       table; a value < 1 is 22023.
--
-- Custom SQLSTATEs raised here (see V4 for TD001, TD002, TD010, TD011, TD012):
--   TD020 task not found          TD021 workflow not found          TD022 integration not found

CREATE FUNCTION create_task(
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

CREATE FUNCTION update_task_status(p_task_id uuid, p_new_status text, p_note text DEFAULT NULL)
    RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_old   tasks;
    v_new   tasks;
BEGIN
    IF p_new_status IS NULL OR p_new_status NOT IN
       ('pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled') THEN
        RAISE EXCEPTION 'unknown task status %', coalesce(quote_literal(p_new_status), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'valid statuses: pending, in_progress, review, blocked, deferred, completed, failed, cancelled';
    END IF;

    SELECT * INTO v_old FROM tasks t WHERE t.id = p_task_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % not found', p_task_id USING ERRCODE = 'TD020';
    END IF;

    IF v_old.status = p_new_status THEN
        RAISE EXCEPTION 'invalid transition %', format('%s%s%s (allowed from %s: %s)',
                  v_old.status, v_arrow, p_new_status, v_old.status,
                  coalesce(nullif(array_to_string(allowed_task_transitions(v_old.status), ', '), ''), 'none'))
            USING ERRCODE = 'TD010',
                  DETAIL = format('task #%s (%s) is already %s', v_old.short_id, v_old.id, v_old.status),
                  TABLE = 'tasks', COLUMN = 'status';
    END IF;

    UPDATE tasks t SET status = p_new_status WHERE t.id = p_task_id RETURNING * INTO v_new;

    INSERT INTO task_contexts (task_id, context_type, context_data)
    VALUES (p_task_id, 'status_change',
            jsonb_build_object('from', v_old.status, 'to', p_new_status, 'note', p_note,
                               'actor', current_actor()));
    RETURN v_new;
END
$$;
COMMENT ON FUNCTION update_task_status(uuid, text, text) IS
    'Change a task''s status along task_status_transitions (TD010 if refused); logs a status_change context.';

CREATE FUNCTION get_task_hierarchy(p_root uuid)
    RETURNS TABLE (task_id uuid, short_id bigint, parent_task_id uuid, title text, status text,
                   priority smallint, depth integer, path bigint[])
    LANGUAGE plpgsql STABLE
    SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
BEGIN
    IF NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_root) THEN
        RAISE EXCEPTION 'task % not found', p_root USING ERRCODE = 'TD020';
    END IF;
    RETURN QUERY
    WITH RECURSIVE tree (id, short_id, parent_task_id, title, status, priority, depth, path) AS (
        SELECT t.id, t.short_id, t.parent_task_id, t.title, t.status, t.priority,
               0, ARRAY[t.short_id]
          FROM tasks t
         WHERE t.id = p_root
        UNION ALL
        SELECT c.id, c.short_id, c.parent_task_id, c.title, c.status, c.priority,
               tr.depth + 1, tr.path || c.short_id
          FROM tree tr
          JOIN tasks c ON c.parent_task_id = tr.id
         WHERE c.short_id <> ALL (tr.path)
    )
    SELECT tr.id, tr.short_id, tr.parent_task_id, tr.title, tr.status, tr.priority, tr.depth, tr.path
      FROM tree tr
     ORDER BY tr.path;
END
$$;
COMMENT ON FUNCTION get_task_hierarchy(uuid) IS
    'A task and all its descendants with depth (root = 0) and path (short_ids from the root), depth-first.';

CREATE FUNCTION calculate_task_completion(p_task_id uuid) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_status text;
    v_total  bigint;
    v_done   bigint;
BEGIN
    SELECT t.status INTO v_status FROM tasks t WHERE t.id = p_task_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % not found', p_task_id USING ERRCODE = 'TD020';
    END IF;
    IF v_status = 'completed' THEN
        RETURN 100.00;
    END IF;

    WITH RECURSIVE descendants (id, status, path) AS (
        SELECT c.id, c.status, ARRAY[c.id]
          FROM tasks c
         WHERE c.parent_task_id = p_task_id
        UNION ALL
        SELECT c.id, c.status, d.path || c.id
          FROM descendants d
          JOIN tasks c ON c.parent_task_id = d.id
         WHERE c.id <> ALL (d.path)
    )
    SELECT count(*) FILTER (WHERE d.status <> 'cancelled'),
           count(*) FILTER (WHERE d.status = 'completed')
      INTO v_total, v_done
      FROM descendants d;

    IF v_total = 0 THEN
        RETURN 0.00;
    END IF;
    RETURN round(100.0 * v_done / v_total, 2);
END
$$;
COMMENT ON FUNCTION calculate_task_completion(uuid) IS
    'Percent complete: 100 if completed, else completed share of non-cancelled descendants (0 for a leaf).';

CREATE FUNCTION create_workflow(
    p_task_id         uuid,
    p_workflow_type   text    DEFAULT 'standard',
    p_steps_total     integer DEFAULT NULL,
    p_timeout_minutes integer DEFAULT 60,
    p_max_retries     integer DEFAULT 3,
    p_metadata        jsonb   DEFAULT '{}'
) RETURNS workflows
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_workflow workflows;
BEGIN
    IF p_task_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = p_task_id) THEN
        RAISE EXCEPTION 'task % not found', p_task_id USING ERRCODE = 'TD020', COLUMN = 'task_id';
    END IF;
    INSERT INTO workflows (task_id, workflow_type, steps_total, timeout_minutes, max_retries, metadata)
    VALUES (p_task_id, coalesce(p_workflow_type, 'standard'), nullif(p_steps_total, 0),
            coalesce(p_timeout_minutes, 60), coalesce(p_max_retries, 3), coalesce(p_metadata, '{}'))
    RETURNING * INTO v_workflow;
    RETURN v_workflow;
END
$$;
COMMENT ON FUNCTION create_workflow(uuid, text, integer, integer, integer, jsonb) IS
    'Create an initialized workflow; returns the row.';

CREATE FUNCTION update_workflow_step(
    p_workflow_id uuid,
    p_step_name   text,
    p_step_status text,
    p_result      jsonb DEFAULT NULL,
    p_error       text  DEFAULT NULL
) RETURNS workflows
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_wf     workflows;
    v_idx    integer;
    v_entry  jsonb;
    v_log    jsonb;
    v_errors jsonb;
    v_done   integer;
    v_status text;
BEGIN
    IF p_step_name IS NULL OR btrim(p_step_name) = '' THEN
        RAISE EXCEPTION 'step name must not be blank' USING ERRCODE = '22023';
    END IF;
    IF p_step_status IS NULL OR p_step_status NOT IN ('running', 'completed', 'failed', 'skipped') THEN
        RAISE EXCEPTION 'unknown step status %', coalesce(quote_literal(p_step_status), 'NULL')
            USING ERRCODE = '22023', HINT = 'valid step statuses: running, completed, failed, skipped';
    END IF;

    SELECT * INTO v_wf FROM workflows w WHERE w.id = p_workflow_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workflow % not found', p_workflow_id USING ERRCODE = 'TD021';
    END IF;
    IF v_wf.status NOT IN ('initialized', 'running') THEN
        RAISE EXCEPTION 'workflow #% is %: steps can be recorded only while it is initialized or running',
                  v_wf.short_id, v_wf.status
            USING ERRCODE = 'TD011', DETAIL = format('workflow #%s (%s)', v_wf.short_id, v_wf.id),
                  TABLE = 'workflows', COLUMN = 'status';
    END IF;
    IF v_wf.status = 'initialized' THEN
        UPDATE workflows w SET status = 'running' WHERE w.id = v_wf.id RETURNING * INTO v_wf;
    END IF;

    -- The open entry of this step in the current attempt, if any (0-based index).
    SELECT max(e.ord)::integer - 1
      INTO v_idx
      FROM jsonb_array_elements(v_wf.step_log) WITH ORDINALITY AS e(el, ord)
     WHERE e.el ->> 'name' = p_step_name
       AND e.el ->> 'status' = 'running'
       AND (e.el ->> 'attempt')::integer = v_wf.retry_count;

    IF p_step_status = 'running' THEN
        IF v_idx IS NULL THEN
            v_log := v_wf.step_log || jsonb_build_array(jsonb_build_object(
                'name', p_step_name, 'status', 'running', 'attempt', v_wf.retry_count,
                'started_at', now(), 'finished_at', NULL, 'result', p_result, 'error', NULL));
        ELSE
            v_log := v_wf.step_log;
        END IF;
    ELSIF v_idx IS NULL THEN
        v_log := v_wf.step_log || jsonb_build_array(jsonb_build_object(
            'name', p_step_name, 'status', p_step_status, 'attempt', v_wf.retry_count,
            'started_at', now(), 'finished_at', now(), 'result', p_result, 'error', p_error));
    ELSE
        v_entry := (v_wf.step_log -> v_idx) || jsonb_build_object(
            'status', p_step_status, 'finished_at', now(),
            'result', coalesce(p_result, v_wf.step_log -> v_idx -> 'result'), 'error', p_error);
        v_log := jsonb_set(v_wf.step_log, ARRAY[v_idx::text], v_entry);
    END IF;

    v_errors := v_wf.error_log;
    IF p_step_status = 'failed' THEN
        v_errors := v_errors || jsonb_build_array(jsonb_build_object(
            'at', now(), 'status', 'failed', 'step', p_step_name,
            'message', coalesce(p_error, format('step %s failed', p_step_name)),
            'attempt', v_wf.retry_count));
    END IF;

    SELECT count(DISTINCT e.el ->> 'name')
      INTO v_done
      FROM jsonb_array_elements(v_log) AS e(el)
     WHERE e.el ->> 'status' IN ('completed', 'skipped');

    v_status := CASE
        WHEN p_step_status = 'failed' THEN 'failed'
        WHEN v_wf.steps_total IS NOT NULL AND v_done >= v_wf.steps_total THEN 'completed'
        ELSE 'running'
    END;

    UPDATE workflows w
       SET step_log = v_log,
           error_log = v_errors,
           current_step = p_step_name,
           steps_completed = v_done,
           status = v_status
     WHERE w.id = v_wf.id
    RETURNING * INTO v_wf;
    RETURN v_wf;
END
$$;
COMMENT ON FUNCTION update_workflow_step(uuid, text, text, jsonb, text) IS
    'Record a step (running/completed/failed/skipped); a failed step fails the workflow, reaching steps_total completes it.';

CREATE FUNCTION update_workflow_status(p_workflow_id uuid, p_new_status text, p_reason text DEFAULT NULL)
    RETURNS workflows
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_wf    workflows;
BEGIN
    IF p_new_status IS NULL OR p_new_status NOT IN
       ('initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout') THEN
        RAISE EXCEPTION 'unknown workflow status %', coalesce(quote_literal(p_new_status), 'NULL')
            USING ERRCODE = '22023',
                  HINT = 'valid statuses: initialized, running, completed, failed, cancelled, timeout';
    END IF;

    SELECT * INTO v_wf FROM workflows w WHERE w.id = p_workflow_id FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'workflow % not found', p_workflow_id USING ERRCODE = 'TD021';
    END IF;
    IF v_wf.status = p_new_status THEN
        RAISE EXCEPTION 'invalid workflow transition %', format('%s%s%s (allowed from %s: %s)',
                  v_wf.status, v_arrow, p_new_status, v_wf.status,
                  coalesce(nullif(array_to_string(allowed_workflow_transitions(v_wf.status), ', '), ''), 'none'))
            USING ERRCODE = 'TD011',
                  DETAIL = format('workflow #%s (%s) is already %s', v_wf.short_id, v_wf.id, v_wf.status),
                  TABLE = 'workflows', COLUMN = 'status';
    END IF;

    UPDATE workflows w
       SET status = p_new_status,
           error_log = CASE WHEN p_reason IS NULL THEN w.error_log
                            ELSE w.error_log || jsonb_build_array(jsonb_build_object(
                                     'at', now(), 'status', p_new_status, 'step', w.current_step,
                                     'message', p_reason, 'attempt', w.retry_count))
                       END
     WHERE w.id = p_workflow_id
    RETURNING * INTO v_wf;
    RETURN v_wf;
END
$$;
COMMENT ON FUNCTION update_workflow_status(uuid, text, text) IS
    'Complete/fail/cancel/timeout/retry a workflow along workflow_status_transitions; reason goes to error_log.';

CREATE FUNCTION timeout_stuck_workflows() RETURNS SETOF workflows
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    UPDATE workflows w
       SET status = 'timeout',
           error_log = w.error_log || jsonb_build_array(jsonb_build_object(
               'at', now(), 'status', 'timeout', 'step', w.current_step,
               'message', format('not finished within %s minutes of its start', w.timeout_minutes),
               'attempt', w.retry_count))
     WHERE w.status = 'running'
       AND w.started_at < now() - make_interval(mins => w.timeout_minutes)
    RETURNING w.*
$$;
COMMENT ON FUNCTION timeout_stuck_workflows() IS
    'Mark running workflows past their timeout as timeout; returns them.';

CREATE FUNCTION record_metric(
    p_name          text,
    p_value         double precision,
    p_component     text        DEFAULT NULL,
    p_type          text        DEFAULT 'gauge',
    p_tags          jsonb       DEFAULT '{}',
    p_unit          text        DEFAULT NULL,
    p_source_system text        DEFAULT NULL,
    p_metadata      jsonb       DEFAULT '{}',
    p_recorded_at   timestamptz DEFAULT NULL
) RETURNS bigint
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    INSERT INTO system_metrics (metric_name, metric_value, component, metric_type, tags, metric_unit,
                                source_system, metric_metadata, recorded_at)
    VALUES (p_name, p_value, p_component, coalesce(p_type, 'gauge'), coalesce(p_tags, '{}'), p_unit,
            p_source_system, coalesce(p_metadata, '{}'), coalesce(p_recorded_at, now()))
    RETURNING id
$$;
COMMENT ON FUNCTION record_metric(text, double precision, text, text, jsonb, text, text, jsonb, timestamptz) IS
    'Insert one metric sample; returns its id.';

CREATE FUNCTION log_api_call(
    p_integration_name text,
    p_endpoint         text,
    p_method           text,
    p_response_status  integer DEFAULT NULL,
    p_response_time_ms integer DEFAULT NULL,
    p_task_id          uuid    DEFAULT NULL,
    p_user_id          text    DEFAULT NULL,
    p_error_message    text    DEFAULT NULL,
    p_correlation_id   text    DEFAULT NULL,
    p_retry_count      integer DEFAULT 0
) RETURNS bigint
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_now         timestamptz := clock_timestamp();
    v_integration uuid;
    v_id          bigint;
BEGIN
    IF p_integration_name IS NOT NULL THEN
        UPDATE external_integrations ei
           SET current_usage  = CASE WHEN ei.usage_reset_at <= v_now THEN 1 ELSE ei.current_usage + 1 END,
               usage_reset_at = CASE WHEN ei.usage_reset_at <= v_now THEN v_now + interval '1 minute'
                                     ELSE ei.usage_reset_at END,
               last_used_at   = v_now
         WHERE ei.integration_name = p_integration_name
        RETURNING ei.id INTO v_integration;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'integration % not found', quote_literal(p_integration_name) USING ERRCODE = 'TD022';
        END IF;
    END IF;

    INSERT INTO api_access_logs (integration_id, task_id, endpoint, method, response_status,
                                 response_time_ms, correlation_id, user_id, error_message, retry_count)
    VALUES (v_integration, p_task_id, p_endpoint, upper(p_method), p_response_status,
            p_response_time_ms, coalesce(p_correlation_id, gen_random_uuid()::text), p_user_id,
            p_error_message, coalesce(p_retry_count, 0))
    RETURNING id INTO v_id;
    RETURN v_id;
END
$$;
COMMENT ON FUNCTION log_api_call(text, text, text, integer, integer, uuid, text, text, text, integer) IS
    'Record an external API call and count it in the integration''s rate window; returns the log id.';

CREATE FUNCTION check_rate_limit(p_integration_name text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_ok boolean;
BEGIN
    SELECT CASE WHEN ei.usage_reset_at <= clock_timestamp() THEN true
                ELSE ei.current_usage < ei.rate_limit_per_minute END
      INTO v_ok
      FROM external_integrations ei
     WHERE ei.integration_name = p_integration_name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'integration % not found', coalesce(quote_literal(p_integration_name), 'NULL')
            USING ERRCODE = 'TD022';
    END IF;
    RETURN v_ok;
END
$$;
COMMENT ON FUNCTION check_rate_limit(text) IS
    'true if another call fits in the integration''s current 1-minute window.';

CREATE FUNCTION cleanup_old_data(
    p_audit_days   integer DEFAULT 90,
    p_metrics_days integer DEFAULT 30,
    p_api_log_days integer DEFAULT 7
) RETURNS TABLE (table_name text, deleted_rows bigint, dropped_partitions text[])
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
#variable_conflict use_column
DECLARE
    v_cutoff timestamptz;
    v_count  bigint;
BEGIN
    IF p_audit_days < 1 OR p_metrics_days < 1 OR p_api_log_days < 1 THEN
        RAISE EXCEPTION 'retention must be at least 1 day (got audit %, metrics %, api logs %)',
                  coalesce(p_audit_days::text, 'skip'), coalesce(p_metrics_days::text, 'skip'),
                  coalesce(p_api_log_days::text, 'skip')
            USING ERRCODE = '22023';
    END IF;

    IF p_audit_days IS NOT NULL THEN
        v_cutoff := now() - make_interval(days => p_audit_days);
        DELETE FROM audit_log a WHERE a.occurred_at < v_cutoff;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := 'audit_log';
        deleted_rows := v_count;
        dropped_partitions := '{}';
        RETURN NEXT;
    END IF;

    IF p_metrics_days IS NOT NULL THEN
        v_cutoff := now() - make_interval(days => p_metrics_days);
        dropped_partitions := ARRAY(SELECT drop_monthly_partitions_before('system_metrics'::regclass, v_cutoff));
        DELETE FROM system_metrics m WHERE m.recorded_at < v_cutoff;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := 'system_metrics';
        deleted_rows := v_count;
        RETURN NEXT;
    END IF;

    IF p_api_log_days IS NOT NULL THEN
        v_cutoff := now() - make_interval(days => p_api_log_days);
        dropped_partitions := ARRAY(SELECT drop_monthly_partitions_before('api_access_logs'::regclass, v_cutoff));
        DELETE FROM api_access_logs l WHERE l.occurred_at < v_cutoff;
        GET DIAGNOSTICS v_count = ROW_COUNT;
        table_name := 'api_access_logs';
        deleted_rows := v_count;
        RETURN NEXT;
    END IF;
    RETURN;
END
$$;
COMMENT ON FUNCTION cleanup_old_data(integer, integer, integer) IS
    'Retention: delete old audit_log/system_metrics/api_access_logs rows (dropping whole old partitions).';
