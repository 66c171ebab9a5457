-- V2__workflows.sql -- workflow runs attached to tasks.
--
-- Creates
--   table workflows
--   table workflow_status_transitions (allowed workflow status changes, as data)
--
-- workflows columns
--   id uuid PK default gen_random_uuid()   short_id bigint identity, unique (what people type)
--   task_id uuid -> tasks(id) ON DELETE CASCADE, nullable (maintenance workflows need no task).
--       At most one *active* (initialized/running) workflow per task (unique partial index).
--   workflow_type text not null default 'standard':
--       standard | hotfix | rollback | deployment | validation | cleanup
--   status text not null default 'initialized':
--       initialized | running | completed | failed | cancelled | timeout
--   current_step text          name of the step last reported
--   steps_total int null       declared number of steps (> 0); when set, the workflow completes by
--                              itself once steps_completed reaches it (update_workflow_step)
--   steps_completed int        number of DISTINCT step names finished as completed or skipped,
--                              0 <= steps_completed <= steps_total
--   step_log jsonb array       timeline, one object per step run:
--       {"name": text, "status": "running"|"completed"|"failed"|"skipped", "attempt": int
--        (= retry_count at the time), "started_at": timestamptz, "finished_at": timestamptz|null,
--        "result": jsonb|null, "error": text|null}
--   error_log jsonb array      one object per problem or reason:
--       {"at": timestamptz, "status": text, "step": text|null, "message": text, "attempt": int}
--   retry_count int            retries used so far (0 <= retry_count <= max_retries)
--   max_retries int            default 3 (0..100)
--   timeout_minutes int        default 60 (1..1440); a running workflow whose started_at is older
--                              than this is "stuck" (see timeout_stuck_workflows() in V5)
--   validation_results jsonb object, metadata jsonb object
--   codegen_pr_url text, claude_session_id text
--   created_by text default current_actor(), created_at, updated_at
--   started_at   start of the CURRENT attempt (set by trigger on every change to running)
--   completed_at set by trigger when the workflow reaches a terminal status (completed, failed,
--                cancelled, timeout), cleared on retry. CHECK: non-NULL exactly when terminal.
--
-- workflow_status_transitions(from_status, to_status, is_retry): enforced on every UPDATE of
-- workflows.status by the V4 trigger workflows_status_guard (SQLSTATE TD011). Rows:
--   initialized -> running, failed, cancelled
--   running     -> completed, failed, cancelled, timeout
--   failed      -> running   (is_retry)
--   timeout     -> running   (is_retry)
--   completed, cancelled: terminal, no way out.
-- A retry is refused with SQLSTATE TD012 when retry_count >= max_retries; otherwise the trigger
-- increments retry_count.

CREATE TABLE workflows (
    id                 uuid        NOT NULL DEFAULT gen_random_uuid(),
    short_id           bigint      GENERATED ALWAYS AS IDENTITY,
    task_id            uuid,
    workflow_type      text        NOT NULL DEFAULT 'standard',
    status             text        NOT NULL DEFAULT 'initialized',
    current_step       text,
    steps_total        integer,
    steps_completed    integer     NOT NULL DEFAULT 0,
    step_log           jsonb       NOT NULL DEFAULT '[]',
    error_log          jsonb       NOT NULL DEFAULT '[]',
    retry_count        integer     NOT NULL DEFAULT 0,
    max_retries        integer     NOT NULL DEFAULT 3,
    timeout_minutes    integer     NOT NULL DEFAULT 60,
    validation_results jsonb       NOT NULL DEFAULT '{}',
    metadata           jsonb       NOT NULL DEFAULT '{}',
    codegen_pr_url     text,
    claude_session_id  text,
    created_by         text        NOT NULL DEFAULT current_actor(),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    started_at         timestamptz,
    completed_at       timestamptz,
    CONSTRAINT workflows_pkey PRIMARY KEY (id),
    CONSTRAINT workflows_short_id_key UNIQUE (short_id),
    CONSTRAINT workflows_task_id_fkey FOREIGN KEY (task_id) REFERENCES tasks (id) ON DELETE CASCADE,
    CONSTRAINT workflows_type_valid CHECK (workflow_type IN
        ('standard', 'hotfix', 'rollback', 'deployment', 'validation', 'cleanup')),
    CONSTRAINT workflows_status_valid CHECK (status IN
        ('initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout')),
    CONSTRAINT workflows_current_step_not_blank CHECK (btrim(current_step) <> ''),
    CONSTRAINT workflows_steps_total_positive CHECK (steps_total > 0),
    CONSTRAINT workflows_steps_completed_range CHECK (steps_completed >= 0 AND steps_completed <= steps_total),
    CONSTRAINT workflows_step_log_is_array CHECK (jsonb_typeof(step_log) = 'array'),
    CONSTRAINT workflows_error_log_is_array CHECK (jsonb_typeof(error_log) = 'array'),
    CONSTRAINT workflows_validation_results_is_object CHECK (jsonb_typeof(validation_results) = 'object'),
    CONSTRAINT workflows_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT workflows_retries_range CHECK (max_retries BETWEEN 0 AND 100 AND retry_count BETWEEN 0 AND max_retries),
    CONSTRAINT workflows_timeout_range CHECK (timeout_minutes BETWEEN 1 AND 1440),
    CONSTRAINT workflows_running_has_started_at CHECK (status <> 'running' OR started_at IS NOT NULL),
    CONSTRAINT workflows_completed_at_iff_terminal CHECK (
        (status IN ('completed', 'failed', 'cancelled', 'timeout')) = (completed_at IS NOT NULL))
);
COMMENT ON TABLE workflows IS 'Workflow runs (usually for one task); status changes follow workflow_status_transitions.';
COMMENT ON COLUMN workflows.steps_completed IS 'Distinct step names finished as completed or skipped.';
COMMENT ON COLUMN workflows.step_log IS 'Timeline: [{name,status,attempt,started_at,finished_at,result,error}, ...]';
COMMENT ON COLUMN workflows.error_log IS 'Problems and reasons: [{at,status,step,message,attempt}, ...]';
COMMENT ON COLUMN workflows.started_at IS 'Start of the current attempt (reset on retry).';
COMMENT ON COLUMN workflows.completed_at IS 'When a terminal status (completed/failed/cancelled/timeout) was reached.';

CREATE INDEX workflows_task_id_created_idx ON workflows (task_id, created_at);
CREATE UNIQUE INDEX workflows_one_active_per_task ON workflows (task_id)
    WHERE status IN ('initialized', 'running');
CREATE INDEX workflows_status_created_idx ON workflows (status, created_at);
CREATE INDEX workflows_running_started_idx ON workflows (started_at) WHERE status = 'running';

CREATE TRIGGER workflows_set_updated_at BEFORE UPDATE ON workflows
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE workflow_status_transitions (
    from_status text    NOT NULL,
    to_status   text    NOT NULL,
    is_retry    boolean NOT NULL DEFAULT false,
    CONSTRAINT workflow_status_transitions_pkey PRIMARY KEY (from_status, to_status),
    CONSTRAINT workflow_status_transitions_from_valid CHECK (from_status IN
        ('initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout')),
    CONSTRAINT workflow_status_transitions_to_valid CHECK (to_status IN
        ('initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout')),
    CONSTRAINT workflow_status_transitions_not_same CHECK (from_status <> to_status)
);
COMMENT ON TABLE workflow_status_transitions IS
    'Allowed workflow status changes; is_retry rows consume one of max_retries.';

INSERT INTO workflow_status_transitions (from_status, to_status, is_retry) VALUES
    ('initialized', 'running',   false),
    ('initialized', 'failed',    false),
    ('initialized', 'cancelled', false),
    ('running',     'completed', false),
    ('running',     'failed',    false),
    ('running',     'cancelled', false),
    ('running',     'timeout',   false),
    ('failed',      'running',   true),
    ('timeout',     'running',   true);
