-- The schema after all migrations: `pg_dump --schema-only --no-owner --no-privileges
-- --no-tablespaces` of a freshly migrated database, without refinery's history table and the
-- monthly partitions (<table>_pYYYYMM, named after the month the migration ran), and without
-- pg_dump's version header, SET lines and \restrict keys. Generated; do not edit. Regenerate
-- with: TASKDB_UPDATE_GENERATED=1 cargo test --test it generated

--
-- Name: pg_trgm; Type: EXTENSION; Schema: -; Owner: -
--

CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

--
-- Name: EXTENSION pg_trgm; Type: COMMENT; Schema: -; Owner: -
--

COMMENT ON EXTENSION pg_trgm IS 'taskdb: created by migration V1 (trigram search on tasks); dropped by V1 down';

--
-- Name: current_actor(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.current_actor() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
    SELECT coalesce(nullif(current_setting('taskdb.actor', true), ''), session_user::text)
$$;

--
-- Name: FUNCTION current_actor(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.current_actor() IS 'Who is acting: the session setting taskdb.actor (set by taskdb --actor), else session_user.';

--
-- Name: tasks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.tasks (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    short_id bigint NOT NULL,
    external_key text,
    title text NOT NULL,
    description text,
    details text,
    test_strategy text,
    type text DEFAULT 'general'::text NOT NULL,
    status text DEFAULT 'pending'::text NOT NULL,
    priority smallint DEFAULT 5 NOT NULL,
    complexity smallint,
    tags text[] DEFAULT '{}'::text[] NOT NULL,
    requirements jsonb DEFAULT '[]'::jsonb NOT NULL,
    acceptance_criteria jsonb DEFAULT '[]'::jsonb NOT NULL,
    affected_files jsonb DEFAULT '[]'::jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    estimated_hours numeric(8,2),
    actual_hours numeric(8,2),
    parent_task_id uuid,
    assigned_to text,
    created_by text DEFAULT public.current_actor() NOT NULL,
    repository_url text,
    branch_name text,
    pr_number integer,
    linear_issue_id text,
    github_issue_number integer,
    codegen_session_id text,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    open_blockers integer DEFAULT 0 NOT NULL,
    attempts integer DEFAULT 0 NOT NULL,
    max_attempts integer,
    lease_expires_at timestamp with time zone,
    last_outcome text,
    parent_short_id bigint,
    parent_in_progress boolean DEFAULT false NOT NULL,
    blocking_dependencies integer DEFAULT 0 NOT NULL,
    has_children boolean DEFAULT false NOT NULL,
    holder_role name,
    CONSTRAINT tasks_acceptance_criteria_is_array CHECK ((jsonb_typeof(acceptance_criteria) = 'array'::text)),
    CONSTRAINT tasks_affected_files_is_array CHECK ((jsonb_typeof(affected_files) = 'array'::text)),
    CONSTRAINT tasks_attempts_non_negative CHECK ((attempts >= 0)),
    CONSTRAINT tasks_blocking_dependencies_non_negative CHECK ((blocking_dependencies >= 0)),
    CONSTRAINT tasks_completed_after_started CHECK ((completed_at >= started_at)),
    CONSTRAINT tasks_completed_at_iff_completed CHECK (((status = 'completed'::text) = (completed_at IS NOT NULL))),
    CONSTRAINT tasks_complexity_range CHECK (((complexity >= 1) AND (complexity <= 10))),
    CONSTRAINT tasks_external_key_not_blank CHECK ((btrim(external_key) <> ''::text)),
    CONSTRAINT tasks_github_issue_number_positive CHECK ((github_issue_number > 0)),
    CONSTRAINT tasks_hours_non_negative CHECK (((estimated_hours >= (0)::numeric) AND (actual_hours >= (0)::numeric))),
    CONSTRAINT tasks_lease_only_in_progress CHECK (((lease_expires_at IS NULL) OR (status = 'in_progress'::text))),
    CONSTRAINT tasks_max_attempts_range CHECK (((max_attempts >= 1) AND (max_attempts <= 1000))),
    CONSTRAINT tasks_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT tasks_not_own_parent CHECK ((parent_task_id <> id)),
    CONSTRAINT tasks_open_blockers_non_negative CHECK ((open_blockers >= 0)),
    CONSTRAINT tasks_pr_number_positive CHECK ((pr_number > 0)),
    CONSTRAINT tasks_priority_range CHECK (((priority >= 0) AND (priority <= 10))),
    CONSTRAINT tasks_requirements_is_array CHECK ((jsonb_typeof(requirements) = 'array'::text)),
    CONSTRAINT tasks_status_valid CHECK ((status = ANY (ARRAY['pending'::text, 'in_progress'::text, 'review'::text, 'blocked'::text, 'deferred'::text, 'completed'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT tasks_tags_no_nulls CHECK ((array_position(tags, NULL::text) IS NULL)),
    CONSTRAINT tasks_title_not_blank CHECK ((btrim(title) <> ''::text)),
    CONSTRAINT tasks_type_format CHECK ((type ~ '^[a-z][a-z0-9_]{0,49}$'::text))
);

--
-- Name: TABLE tasks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.tasks IS 'Units of work. short_id is the number people type; external_key identifies imported tasks.';

--
-- Name: COLUMN tasks.external_key; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.external_key IS 'Stable key of an imported task, e.g. taskmaster:<tag>:<id>; NULL for native tasks.';

--
-- Name: COLUMN tasks.metadata; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.metadata IS 'Free-form JSON object; importers keep unknown source keys here.';

--
-- Name: COLUMN tasks.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.started_at IS 'Set by trigger the first time status becomes in_progress (or review).';

--
-- Name: COLUMN tasks.completed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.completed_at IS 'Set by trigger when status becomes completed; NULL otherwise.';

--
-- Name: COLUMN tasks.open_blockers; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.open_blockers IS 'Blocking dependencies not yet completed (kept by triggers); ready = pending and 0.';

--
-- Name: COLUMN tasks.attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.attempts IS 'Claims so far (each claim is an attempt).';

--
-- Name: COLUMN tasks.max_attempts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.max_attempts IS 'Attempts before the task is given up (failed); NULL: the claimant''s default.';

--
-- Name: COLUMN tasks.lease_expires_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.lease_expires_at IS 'The holder (assigned_to) holds the in_progress task until then; NULL: no lease.';

--
-- Name: COLUMN tasks.last_outcome; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.last_outcome IS 'What ended the last attempt (expiry, release, failure, give-up, completion).';

--
-- Name: COLUMN tasks.parent_short_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.parent_short_id IS 'The parent''s short id (kept by triggers), for the order of next.';

--
-- Name: COLUMN tasks.parent_in_progress; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.parent_in_progress IS 'The parent is in_progress (kept by triggers): a subtask is a candidate of next only then.';

--
-- Name: COLUMN tasks.blocking_dependencies; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.blocking_dependencies IS 'Number of blocking dependencies (kept by triggers), the tie-break of next.';

--
-- Name: COLUMN tasks.has_children; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.has_children IS 'The task has (or had) subtasks (kept by triggers; never cleared): whether its status change must update them.';

--
-- Name: COLUMN tasks.holder_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.tasks.holder_role IS 'The database role (session_user) that claimed the in_progress task; NULL when not claimed.';

--
-- Name: agent_must_hold(public.tasks); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.agent_must_hold(p_task public.tasks) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    IF agent_session() AND p_task.holder_role IS DISTINCT FROM session_user THEN
        RAISE EXCEPTION 'task #% is not held by %', p_task.short_id, session_user
            USING ERRCODE = 'TD030',
                  DETAIL = CASE
                      WHEN p_task.status <> 'in_progress' THEN format('it is %s', p_task.status)
                      WHEN p_task.holder_role IS NULL THEN
                          format('it is held by %s, claimed by no agent role', coalesce(p_task.assigned_to, 'nobody'))
                      ELSE format('it is held by %s (as %s, attempt %s)', p_task.holder_role,
                                  coalesce(p_task.assigned_to, 'nobody'), p_task.attempts) END,
                  HINT = 'an agent may change only the tasks it claimed';
    END IF;
END
$$;

--
-- Name: FUNCTION agent_must_hold(p_task public.tasks); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.agent_must_hold(p_task public.tasks) IS 'Raises TD030 when the session is an agent''s (agent_session()) and the task is not held by its role (tasks.holder_role).';

--
-- Name: agent_session(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.agent_session() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
    SELECT pg_has_role(session_user, 'taskdb_agent', 'MEMBER')
       AND NOT pg_has_role(session_user, 'taskdb_operator', 'MEMBER')
$$;

--
-- Name: FUNCTION agent_session(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.agent_session() IS 'true when the connected role (session_user) is an agent: a member of taskdb_agent and not of taskdb_operator (superusers are members of both).';

--
-- Name: allowed_task_transitions(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.allowed_task_transitions(p_from_status text) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path TO '$user', 'public'
    AS $$
    SELECT coalesce(array_agg(tr.to_status ORDER BY array_position(
               ARRAY['pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled'],
               tr.to_status)), '{}')
      FROM task_status_transitions tr
     WHERE tr.from_status = p_from_status
$$;

--
-- Name: FUNCTION allowed_task_transitions(p_from_status text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.allowed_task_transitions(p_from_status text) IS 'Statuses a task may move to from the given status (from task_status_transitions), in vocabulary order.';

--
-- Name: allowed_workflow_transitions(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.allowed_workflow_transitions(p_from_status text) RETURNS text[]
    LANGUAGE sql STABLE
    SET search_path TO '$user', 'public'
    AS $$
    SELECT coalesce(array_agg(tr.to_status ORDER BY array_position(
               ARRAY['initialized', 'running', 'completed', 'failed', 'cancelled', 'timeout'],
               tr.to_status)), '{}')
      FROM workflow_status_transitions tr
     WHERE tr.from_status = p_from_status
$$;

--
-- Name: FUNCTION allowed_workflow_transitions(p_from_status text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.allowed_workflow_transitions(p_from_status text) IS 'Statuses a workflow may move to from the given status (from workflow_status_transitions), in vocabulary order.';

--
-- Name: audit_row_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_row_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v_keys      text[] := string_to_array(coalesce(TG_ARGV[0], 'id'), ',');
    v_ignored   text[] := ARRAY['updated_at'] || TG_ARGV[1:TG_NARGS - 1];
    v_old       jsonb;
    v_new       jsonb;
    v_changed   text[];
    v_record_id text;
BEGIN
    IF TG_OP = 'UPDATE' THEN
        v_new := to_jsonb(NEW);
        v_record_id := concat_ws(':', v_new ->> v_keys[1], v_new ->> v_keys[2], v_new ->> v_keys[3]);
        v_new := v_new - v_ignored;
        v_old := to_jsonb(OLD) - v_ignored;
        IF v_new = v_old THEN
            RETURN NULL;   -- nothing audited changed
        END IF;
        SELECT array_agg(n.key ORDER BY n.key), jsonb_object_agg(n.key, v_old -> n.key),
               jsonb_object_agg(n.key, n.value)
          INTO v_changed, v_old, v_new
          FROM jsonb_each(v_new) AS n
         WHERE n.value IS DISTINCT FROM v_old -> n.key;
    ELSIF TG_OP = 'INSERT' THEN
        v_new := to_jsonb(NEW);
        v_record_id := concat_ws(':', v_new ->> v_keys[1], v_new ->> v_keys[2], v_new ->> v_keys[3]);
        v_new := v_new - v_ignored;
    ELSE
        v_old := to_jsonb(OLD);
        v_record_id := concat_ws(':', v_old ->> v_keys[1], v_old ->> v_keys[2], v_old ->> v_keys[3]);
        v_old := v_old - v_ignored;
    END IF;

    INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, changed_fields, actor)
    VALUES (TG_TABLE_NAME, v_record_id, TG_OP, v_old, v_new, v_changed, current_actor());
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION audit_row_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_row_change() IS 'AFTER row trigger writing audit_log. Args: key columns (comma-separated), then columns to ignore.';

--
-- Name: audit_statement_change(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_statement_change() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v_keys    text[] := string_to_array(coalesce(TG_ARGV[0], 'id'), ',');
    v_ignored text[] := ARRAY['updated_at'] || TG_ARGV[1:TG_NARGS - 1];
    v_actor   text := current_actor();
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO audit_log (table_name, record_id, action, new_values, actor)
        SELECT TG_TABLE_NAME,
               concat_ws(':', r.j ->> v_keys[1], r.j ->> v_keys[2], r.j ->> v_keys[3]),
               'INSERT', r.j - v_ignored, v_actor
          FROM (SELECT to_jsonb(n) AS j FROM audit_new AS n) AS r;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO audit_log (table_name, record_id, action, old_values, actor)
        SELECT TG_TABLE_NAME,
               concat_ws(':', r.j ->> v_keys[1], r.j ->> v_keys[2], r.j ->> v_keys[3]),
               'DELETE', r.j - v_ignored, v_actor
          FROM (SELECT to_jsonb(o) AS j FROM audit_old AS o) AS r;
    END IF;
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION audit_statement_change(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_statement_change() IS 'AFTER INSERT/DELETE statement trigger writing audit_log from the transition table (audit_new/audit_old). Args as audit_row_change().';

--
-- Name: audit_task_update(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.audit_task_update() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v_fields text[] := '{}';
    v_old    jsonb := '{}';
    v_new    jsonb := '{}';
BEGIN
    IF NEW.acceptance_criteria IS DISTINCT FROM OLD.acceptance_criteria THEN
        v_fields := v_fields || 'acceptance_criteria'::text;
        v_old := v_old || jsonb_build_object('acceptance_criteria', OLD.acceptance_criteria);
        v_new := v_new || jsonb_build_object('acceptance_criteria', NEW.acceptance_criteria);
    END IF;
    IF NEW.actual_hours IS DISTINCT FROM OLD.actual_hours THEN
        v_fields := v_fields || 'actual_hours'::text;
        v_old := v_old || jsonb_build_object('actual_hours', OLD.actual_hours);
        v_new := v_new || jsonb_build_object('actual_hours', NEW.actual_hours);
    END IF;
    IF NEW.affected_files IS DISTINCT FROM OLD.affected_files THEN
        v_fields := v_fields || 'affected_files'::text;
        v_old := v_old || jsonb_build_object('affected_files', OLD.affected_files);
        v_new := v_new || jsonb_build_object('affected_files', NEW.affected_files);
    END IF;
    IF NEW.assigned_to IS DISTINCT FROM OLD.assigned_to THEN
        v_fields := v_fields || 'assigned_to'::text;
        v_old := v_old || jsonb_build_object('assigned_to', OLD.assigned_to);
        v_new := v_new || jsonb_build_object('assigned_to', NEW.assigned_to);
    END IF;
    IF NEW.attempts IS DISTINCT FROM OLD.attempts THEN
        v_fields := v_fields || 'attempts'::text;
        v_old := v_old || jsonb_build_object('attempts', OLD.attempts);
        v_new := v_new || jsonb_build_object('attempts', NEW.attempts);
    END IF;
    IF NEW.branch_name IS DISTINCT FROM OLD.branch_name THEN
        v_fields := v_fields || 'branch_name'::text;
        v_old := v_old || jsonb_build_object('branch_name', OLD.branch_name);
        v_new := v_new || jsonb_build_object('branch_name', NEW.branch_name);
    END IF;
    IF NEW.codegen_session_id IS DISTINCT FROM OLD.codegen_session_id THEN
        v_fields := v_fields || 'codegen_session_id'::text;
        v_old := v_old || jsonb_build_object('codegen_session_id', OLD.codegen_session_id);
        v_new := v_new || jsonb_build_object('codegen_session_id', NEW.codegen_session_id);
    END IF;
    IF NEW.completed_at IS DISTINCT FROM OLD.completed_at THEN
        v_fields := v_fields || 'completed_at'::text;
        v_old := v_old || jsonb_build_object('completed_at', OLD.completed_at);
        v_new := v_new || jsonb_build_object('completed_at', NEW.completed_at);
    END IF;
    IF NEW.complexity IS DISTINCT FROM OLD.complexity THEN
        v_fields := v_fields || 'complexity'::text;
        v_old := v_old || jsonb_build_object('complexity', OLD.complexity);
        v_new := v_new || jsonb_build_object('complexity', NEW.complexity);
    END IF;
    IF NEW.created_at IS DISTINCT FROM OLD.created_at THEN
        v_fields := v_fields || 'created_at'::text;
        v_old := v_old || jsonb_build_object('created_at', OLD.created_at);
        v_new := v_new || jsonb_build_object('created_at', NEW.created_at);
    END IF;
    IF NEW.created_by IS DISTINCT FROM OLD.created_by THEN
        v_fields := v_fields || 'created_by'::text;
        v_old := v_old || jsonb_build_object('created_by', OLD.created_by);
        v_new := v_new || jsonb_build_object('created_by', NEW.created_by);
    END IF;
    IF NEW.description IS DISTINCT FROM OLD.description THEN
        v_fields := v_fields || 'description'::text;
        v_old := v_old || jsonb_build_object('description', OLD.description);
        v_new := v_new || jsonb_build_object('description', NEW.description);
    END IF;
    IF NEW.details IS DISTINCT FROM OLD.details THEN
        v_fields := v_fields || 'details'::text;
        v_old := v_old || jsonb_build_object('details', OLD.details);
        v_new := v_new || jsonb_build_object('details', NEW.details);
    END IF;
    IF NEW.estimated_hours IS DISTINCT FROM OLD.estimated_hours THEN
        v_fields := v_fields || 'estimated_hours'::text;
        v_old := v_old || jsonb_build_object('estimated_hours', OLD.estimated_hours);
        v_new := v_new || jsonb_build_object('estimated_hours', NEW.estimated_hours);
    END IF;
    IF NEW.external_key IS DISTINCT FROM OLD.external_key THEN
        v_fields := v_fields || 'external_key'::text;
        v_old := v_old || jsonb_build_object('external_key', OLD.external_key);
        v_new := v_new || jsonb_build_object('external_key', NEW.external_key);
    END IF;
    IF NEW.github_issue_number IS DISTINCT FROM OLD.github_issue_number THEN
        v_fields := v_fields || 'github_issue_number'::text;
        v_old := v_old || jsonb_build_object('github_issue_number', OLD.github_issue_number);
        v_new := v_new || jsonb_build_object('github_issue_number', NEW.github_issue_number);
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id THEN
        v_fields := v_fields || 'id'::text;
        v_old := v_old || jsonb_build_object('id', OLD.id);
        v_new := v_new || jsonb_build_object('id', NEW.id);
    END IF;
    IF NEW.last_outcome IS DISTINCT FROM OLD.last_outcome THEN
        v_fields := v_fields || 'last_outcome'::text;
        v_old := v_old || jsonb_build_object('last_outcome', OLD.last_outcome);
        v_new := v_new || jsonb_build_object('last_outcome', NEW.last_outcome);
    END IF;
    IF NEW.lease_expires_at IS DISTINCT FROM OLD.lease_expires_at THEN
        v_fields := v_fields || 'lease_expires_at'::text;
        v_old := v_old || jsonb_build_object('lease_expires_at', OLD.lease_expires_at);
        v_new := v_new || jsonb_build_object('lease_expires_at', NEW.lease_expires_at);
    END IF;
    IF NEW.linear_issue_id IS DISTINCT FROM OLD.linear_issue_id THEN
        v_fields := v_fields || 'linear_issue_id'::text;
        v_old := v_old || jsonb_build_object('linear_issue_id', OLD.linear_issue_id);
        v_new := v_new || jsonb_build_object('linear_issue_id', NEW.linear_issue_id);
    END IF;
    IF NEW.max_attempts IS DISTINCT FROM OLD.max_attempts THEN
        v_fields := v_fields || 'max_attempts'::text;
        v_old := v_old || jsonb_build_object('max_attempts', OLD.max_attempts);
        v_new := v_new || jsonb_build_object('max_attempts', NEW.max_attempts);
    END IF;
    IF NEW.metadata IS DISTINCT FROM OLD.metadata THEN
        v_fields := v_fields || 'metadata'::text;
        v_old := v_old || jsonb_build_object('metadata', OLD.metadata);
        v_new := v_new || jsonb_build_object('metadata', NEW.metadata);
    END IF;
    IF NEW.parent_task_id IS DISTINCT FROM OLD.parent_task_id THEN
        v_fields := v_fields || 'parent_task_id'::text;
        v_old := v_old || jsonb_build_object('parent_task_id', OLD.parent_task_id);
        v_new := v_new || jsonb_build_object('parent_task_id', NEW.parent_task_id);
    END IF;
    IF NEW.pr_number IS DISTINCT FROM OLD.pr_number THEN
        v_fields := v_fields || 'pr_number'::text;
        v_old := v_old || jsonb_build_object('pr_number', OLD.pr_number);
        v_new := v_new || jsonb_build_object('pr_number', NEW.pr_number);
    END IF;
    IF NEW.priority IS DISTINCT FROM OLD.priority THEN
        v_fields := v_fields || 'priority'::text;
        v_old := v_old || jsonb_build_object('priority', OLD.priority);
        v_new := v_new || jsonb_build_object('priority', NEW.priority);
    END IF;
    IF NEW.repository_url IS DISTINCT FROM OLD.repository_url THEN
        v_fields := v_fields || 'repository_url'::text;
        v_old := v_old || jsonb_build_object('repository_url', OLD.repository_url);
        v_new := v_new || jsonb_build_object('repository_url', NEW.repository_url);
    END IF;
    IF NEW.requirements IS DISTINCT FROM OLD.requirements THEN
        v_fields := v_fields || 'requirements'::text;
        v_old := v_old || jsonb_build_object('requirements', OLD.requirements);
        v_new := v_new || jsonb_build_object('requirements', NEW.requirements);
    END IF;
    IF NEW.short_id IS DISTINCT FROM OLD.short_id THEN
        v_fields := v_fields || 'short_id'::text;
        v_old := v_old || jsonb_build_object('short_id', OLD.short_id);
        v_new := v_new || jsonb_build_object('short_id', NEW.short_id);
    END IF;
    IF NEW.started_at IS DISTINCT FROM OLD.started_at THEN
        v_fields := v_fields || 'started_at'::text;
        v_old := v_old || jsonb_build_object('started_at', OLD.started_at);
        v_new := v_new || jsonb_build_object('started_at', NEW.started_at);
    END IF;
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        v_fields := v_fields || 'status'::text;
        v_old := v_old || jsonb_build_object('status', OLD.status);
        v_new := v_new || jsonb_build_object('status', NEW.status);
    END IF;
    IF NEW.tags IS DISTINCT FROM OLD.tags THEN
        v_fields := v_fields || 'tags'::text;
        v_old := v_old || jsonb_build_object('tags', OLD.tags);
        v_new := v_new || jsonb_build_object('tags', NEW.tags);
    END IF;
    IF NEW.test_strategy IS DISTINCT FROM OLD.test_strategy THEN
        v_fields := v_fields || 'test_strategy'::text;
        v_old := v_old || jsonb_build_object('test_strategy', OLD.test_strategy);
        v_new := v_new || jsonb_build_object('test_strategy', NEW.test_strategy);
    END IF;
    IF NEW.title IS DISTINCT FROM OLD.title THEN
        v_fields := v_fields || 'title'::text;
        v_old := v_old || jsonb_build_object('title', OLD.title);
        v_new := v_new || jsonb_build_object('title', NEW.title);
    END IF;
    IF NEW.type IS DISTINCT FROM OLD.type THEN
        v_fields := v_fields || 'type'::text;
        v_old := v_old || jsonb_build_object('type', OLD.type);
        v_new := v_new || jsonb_build_object('type', NEW.type);
    END IF;
    IF cardinality(v_fields) = 0 THEN
        RETURN NULL;   -- nothing audited changed
    END IF;
    INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, changed_fields, actor)
    VALUES (TG_TABLE_NAME, NEW.id::text, 'UPDATE', v_old, v_new, v_fields, current_actor());
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION audit_task_update(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.audit_task_update() IS 'AFTER UPDATE row trigger on tasks writing audit_log: the task''s own columns compared one by one (derived columns, updated_at and open_blockers are not audited).';

--
-- Name: calculate_task_completion(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.calculate_task_completion(p_task_id uuid) RETURNS numeric
    LANGUAGE plpgsql STABLE
    SET search_path TO '$user', 'public'
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

--
-- Name: FUNCTION calculate_task_completion(p_task_id uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.calculate_task_completion(p_task_id uuid) IS 'Percent complete: 100 if completed, else completed share of non-cancelled descendants (0 for a leaf).';

--
-- Name: check_rate_limit(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.check_rate_limit(p_integration_name text) RETURNS boolean
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
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

--
-- Name: FUNCTION check_rate_limit(p_integration_name text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.check_rate_limit(p_integration_name text) IS 'true if another call fits in the integration''s current 1-minute window.';

--
-- Name: claim_tasks(text, interval, text, integer, integer, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.claim_tasks(p_holder text, p_lease interval, p_tag text DEFAULT NULL::text, p_limit integer DEFAULT 1, p_max_attempts integer DEFAULT 3, p_type text DEFAULT NULL::text) RETURNS SETOF public.tasks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
BEGIN
    IF p_holder IS NULL OR btrim(p_holder) = '' THEN
        RAISE EXCEPTION 'a claim needs a holder' USING ERRCODE = '22023';
    END IF;
    IF p_lease IS NOT NULL AND p_lease <= interval '0' THEN
        RAISE EXCEPTION 'a lease must be longer than zero (got %)', p_lease USING ERRCODE = '22023';
    END IF;
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'a claim takes 1 to 1000 tasks (got %)', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF p_max_attempts IS NULL OR p_max_attempts NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'max attempts must be 1 to 1000 (got %)', coalesce(p_max_attempts::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;

    -- Expired leases first (an index probe when there are none), so no cron is needed.
    IF EXISTS (SELECT 1 FROM tasks x WHERE x.lease_expires_at < now()) THEN
        PERFORM expire_leases(p_max_attempts);
    END IF;

    IF p_tag IS NULL THEN
        RETURN QUERY
        WITH c AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder, holder_role = session_user,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
             WHERE t.id = ANY (ARRAY(SELECT c.id FROM c))
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    ELSE
        -- The best p_limit tasks whose first tag is p_tag (in order, from tasks_claim_tag_idx)
        -- and the best p_limit of those carrying it further on (from tasks_claim_more_tags_gin,
        -- sorted: priority + 0 keeps the planner off tasks_claim_idx, whose walk would read
        -- other tags' tasks), each locked; the best p_limit of both are claimed (the others
        -- stay locked until this short transaction ends).
        RETURN QUERY
        WITH first AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[1] = p_tag
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.tags[1], t.parent_in_progress DESC, t.priority DESC,
                      t.blocking_dependencies, t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        further AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[2:] @> ARRAY[p_tag] AND cardinality(t.tags) > 1
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority + 0 DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        c AS MATERIALIZED (
            SELECT x.id FROM tasks x
             WHERE x.id IN (SELECT f.id FROM first f UNION ALL SELECT m.id FROM further m)
             ORDER BY x.parent_in_progress DESC, x.priority DESC, x.blocking_dependencies,
                      x.parent_short_id, x.short_id
             LIMIT p_limit),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder, holder_role = session_user,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
             WHERE t.id = ANY (ARRAY(SELECT c.id FROM c))
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    END IF;
END
$$;

--
-- Name: FUNCTION claim_tasks(p_holder text, p_lease interval, p_tag text, p_limit integer, p_max_attempts integer, p_type text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.claim_tasks(p_holder text, p_lease interval, p_tag text, p_limit integer, p_max_attempts integer, p_type text) IS 'Claims up to p_limit claimable tasks (tag p_tag and type p_type, if given) in Task Master''s order for p_holder (holder_role: the session''s role), with a lease of p_lease (NULL: none); expired leases are handed back first. Returns the claimed tasks.';

--
-- Name: cleanup_old_data(integer, integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.cleanup_old_data(p_audit_days integer DEFAULT 90, p_metrics_days integer DEFAULT 30, p_api_log_days integer DEFAULT 7) RETURNS TABLE(table_name text, deleted_rows bigint, dropped_partitions text[])
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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

--
-- Name: FUNCTION cleanup_old_data(p_audit_days integer, p_metrics_days integer, p_api_log_days integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.cleanup_old_data(p_audit_days integer, p_metrics_days integer, p_api_log_days integer) IS 'Retention: delete old audit_log/system_metrics/api_access_logs rows (dropping whole old partitions).';

--
-- Name: create_task(text, text, text, integer, text, uuid, jsonb, jsonb, text, text, text[], integer, jsonb, jsonb, text, uuid[], numeric); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.create_task(p_title text, p_description text DEFAULT NULL::text, p_type text DEFAULT 'general'::text, p_priority integer DEFAULT 5, p_assigned_to text DEFAULT NULL::text, p_parent_task_id uuid DEFAULT NULL::uuid, p_requirements jsonb DEFAULT '[]'::jsonb, p_metadata jsonb DEFAULT '{}'::jsonb, p_details text DEFAULT NULL::text, p_test_strategy text DEFAULT NULL::text, p_tags text[] DEFAULT '{}'::text[], p_complexity integer DEFAULT NULL::integer, p_acceptance_criteria jsonb DEFAULT '[]'::jsonb, p_affected_files jsonb DEFAULT '[]'::jsonb, p_external_key text DEFAULT NULL::text, p_depends_on uuid[] DEFAULT '{}'::uuid[], p_estimated_hours numeric DEFAULT NULL::numeric) RETURNS public.tasks
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v_task    tasks;
    v_missing text;
    v_open    integer;
    v_total   integer;
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

    -- The task arrives with its dependency counts as its edges will make them, so it is not
    -- announced as claimable (NOTIFY taskdb_ready) when it is blocked, and the edges' recount
    -- finds nothing to rewrite (it corrects a blocker completed in between).
    SELECT count(*) FILTER (WHERE t.status <> 'completed'), count(*)
      INTO v_open, v_total
      FROM (SELECT DISTINCT d FROM unnest(coalesce(p_depends_on, '{}')) AS d) AS x
      JOIN tasks t ON t.id = x.d;

    INSERT INTO tasks (title, description, type, priority, assigned_to, parent_task_id,
                       requirements, metadata, details, test_strategy, tags, complexity,
                       acceptance_criteria, affected_files, external_key, estimated_hours,
                       open_blockers, blocking_dependencies)
    VALUES (p_title, p_description, coalesce(p_type, 'general'), coalesce(p_priority, 5),
            p_assigned_to, p_parent_task_id, coalesce(p_requirements, '[]'),
            coalesce(p_metadata, '{}'), p_details, p_test_strategy, coalesce(p_tags, '{}'),
            p_complexity, coalesce(p_acceptance_criteria, '[]'), coalesce(p_affected_files, '[]'),
            p_external_key, p_estimated_hours, v_open, v_total)
    RETURNING * INTO v_task;

    -- Skipped when there is nothing to insert: the statement triggers on task_dependencies
    -- (audit, open-blocker recount, cycle check) would run for an empty statement.
    IF cardinality(p_depends_on) > 0 THEN
        INSERT INTO task_dependencies (task_id, depends_on_task_id)
        SELECT DISTINCT v_task.id, d
          FROM unnest(p_depends_on) AS d;
    END IF;

    RETURN v_task;
END
$$;

--
-- Name: FUNCTION create_task(p_title text, p_description text, p_type text, p_priority integer, p_assigned_to text, p_parent_task_id uuid, p_requirements jsonb, p_metadata jsonb, p_details text, p_test_strategy text, p_tags text[], p_complexity integer, p_acceptance_criteria jsonb, p_affected_files jsonb, p_external_key text, p_depends_on uuid[], p_estimated_hours numeric); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.create_task(p_title text, p_description text, p_type text, p_priority integer, p_assigned_to text, p_parent_task_id uuid, p_requirements jsonb, p_metadata jsonb, p_details text, p_test_strategy text, p_tags text[], p_complexity integer, p_acceptance_criteria jsonb, p_affected_files jsonb, p_external_key text, p_depends_on uuid[], p_estimated_hours numeric) IS 'Create a pending task (optionally with blocks-dependencies); returns the row.';

--
-- Name: workflows; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.workflows (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    short_id bigint NOT NULL,
    task_id uuid,
    workflow_type text DEFAULT 'standard'::text NOT NULL,
    status text DEFAULT 'initialized'::text NOT NULL,
    current_step text,
    steps_total integer,
    steps_completed integer DEFAULT 0 NOT NULL,
    step_log jsonb DEFAULT '[]'::jsonb NOT NULL,
    error_log jsonb DEFAULT '[]'::jsonb NOT NULL,
    retry_count integer DEFAULT 0 NOT NULL,
    max_retries integer DEFAULT 3 NOT NULL,
    timeout_minutes integer DEFAULT 60 NOT NULL,
    validation_results jsonb DEFAULT '{}'::jsonb NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    codegen_pr_url text,
    claude_session_id text,
    created_by text DEFAULT public.current_actor() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    CONSTRAINT workflows_completed_at_iff_terminal CHECK (((status = ANY (ARRAY['completed'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text])) = (completed_at IS NOT NULL))),
    CONSTRAINT workflows_current_step_not_blank CHECK ((btrim(current_step) <> ''::text)),
    CONSTRAINT workflows_error_log_is_array CHECK ((jsonb_typeof(error_log) = 'array'::text)),
    CONSTRAINT workflows_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT workflows_retries_range CHECK ((((max_retries >= 0) AND (max_retries <= 100)) AND ((retry_count >= 0) AND (retry_count <= max_retries)))),
    CONSTRAINT workflows_running_has_started_at CHECK (((status <> 'running'::text) OR (started_at IS NOT NULL))),
    CONSTRAINT workflows_status_valid CHECK ((status = ANY (ARRAY['initialized'::text, 'running'::text, 'completed'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text]))),
    CONSTRAINT workflows_step_log_is_array CHECK ((jsonb_typeof(step_log) = 'array'::text)),
    CONSTRAINT workflows_steps_completed_range CHECK (((steps_completed >= 0) AND (steps_completed <= steps_total))),
    CONSTRAINT workflows_steps_total_positive CHECK ((steps_total > 0)),
    CONSTRAINT workflows_timeout_range CHECK (((timeout_minutes >= 1) AND (timeout_minutes <= 1440))),
    CONSTRAINT workflows_type_valid CHECK ((workflow_type = ANY (ARRAY['standard'::text, 'hotfix'::text, 'rollback'::text, 'deployment'::text, 'validation'::text, 'cleanup'::text]))),
    CONSTRAINT workflows_validation_results_is_object CHECK ((jsonb_typeof(validation_results) = 'object'::text))
);

--
-- Name: TABLE workflows; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.workflows IS 'Workflow runs (usually for one task); status changes follow workflow_status_transitions.';

--
-- Name: COLUMN workflows.steps_completed; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.workflows.steps_completed IS 'Distinct step names finished as completed or skipped.';

--
-- Name: COLUMN workflows.step_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.workflows.step_log IS 'Timeline: [{name,status,attempt,started_at,finished_at,result,error}, ...]';

--
-- Name: COLUMN workflows.error_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.workflows.error_log IS 'Problems and reasons: [{at,status,step,message,attempt}, ...]';

--
-- Name: COLUMN workflows.started_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.workflows.started_at IS 'Start of the current attempt (reset on retry).';

--
-- Name: COLUMN workflows.completed_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.workflows.completed_at IS 'When a terminal status (completed/failed/cancelled/timeout) was reached.';

--
-- Name: create_workflow(uuid, text, integer, integer, integer, jsonb); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.create_workflow(p_task_id uuid, p_workflow_type text DEFAULT 'standard'::text, p_steps_total integer DEFAULT NULL::integer, p_timeout_minutes integer DEFAULT 60, p_max_retries integer DEFAULT 3, p_metadata jsonb DEFAULT '{}'::jsonb) RETURNS public.workflows
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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

--
-- Name: FUNCTION create_workflow(p_task_id uuid, p_workflow_type text, p_steps_total integer, p_timeout_minutes integer, p_max_retries integer, p_metadata jsonb); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.create_workflow(p_task_id uuid, p_workflow_type text, p_steps_total integer, p_timeout_minutes integer, p_max_retries integer, p_metadata jsonb) IS 'Create an initialized workflow; returns the row.';

--
-- Name: dependency_cycle(uuid[], uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.dependency_cycle(p_src uuid[], p_dst uuid[]) RETURNS uuid[]
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    SET enable_seqscan TO 'off'
    SET enable_nestloop TO 'on'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION dependency_cycle(p_src uuid[], p_dst uuid[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.dependency_cycle(p_src uuid[], p_dst uuid[]) IS 'One cycle (task ids in dependency order) through the new blocks edges p_src[i] -> p_dst[i], or NULL; linear in what their targets reach.';

--
-- Name: dependency_reach(uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.dependency_reach(p_from uuid[]) RETURNS uuid[]
    LANGUAGE sql STABLE
    SET search_path TO '$user', 'public'
    SET enable_seqscan TO 'off'
    SET enable_nestloop TO 'on'
    SET enable_hashjoin TO 'off'
    SET enable_mergejoin TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION dependency_reach(p_from uuid[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.dependency_reach(p_from uuid[]) IS 'Every task reachable from p_from along blocks edges (p_from included), each once.';

--
-- Name: drop_monthly_partitions_before(regclass, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.drop_monthly_partitions_before(p_table regclass, p_cutoff timestamp with time zone) RETURNS SETOF text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    v_name      text;
    v_part      record;
    v_month_end timestamptz;
    v_newer     boolean;
    v_key       text;
BEGIN
    IF p_table IS NULL OR p_cutoff IS NULL THEN
        RAISE EXCEPTION 'drop_monthly_partitions_before: arguments must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT c.relname, a.attname
      INTO v_name, v_key
      FROM pg_class c
      JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
     WHERE c.oid = p_table AND pt.partstrat = 'r' AND pt.partnatts = 1
       AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'drop_monthly_partitions_before: % is not range-partitioned on a single timestamptz column',
            p_table USING ERRCODE = '22023';
    END IF;

    PERFORM pg_advisory_xact_lock(hashtextextended('taskdb.ensure_monthly_partitions:' || p_table::oid::text, 0));

    FOR v_part IN
        SELECT c.oid::regclass AS rel, c.relname::text AS relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = p_table
           AND left(c.relname, length(v_name) + 2) = v_name || '_p'
           AND substr(c.relname, length(v_name) + 3) ~ '^[0-9]{6}$'
         ORDER BY c.relname
    LOOP
        v_month_end := (to_date(right(v_part.relname, 6), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN v_month_end > p_cutoff;
        -- Belt and braces: never drop a partition holding rows at or after the cutoff.
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1)', v_part.rel, v_key)
           INTO v_newer USING p_cutoff;
        CONTINUE WHEN v_newer;
        EXECUTE format('DROP TABLE %s', v_part.rel);
        RETURN NEXT v_part.relname;
    END LOOP;
    RETURN;
END
$_$;

--
-- Name: FUNCTION drop_monthly_partitions_before(p_table regclass, p_cutoff timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.drop_monthly_partitions_before(p_table regclass, p_cutoff timestamp with time zone) IS 'Drop <table>_pYYYYMM partitions whose month ends at or before the cutoff; returns names dropped.';

--
-- Name: ensure_monthly_partitions(regclass, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.ensure_monthly_partitions(p_table regclass, p_months_ahead integer DEFAULT 2) RETURNS SETOF text
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $_$
DECLARE
    v_schema   text;
    v_name     text;
    v_key      text;
    v_defid    oid;
    v_default  regclass;
    v_cols     text;
    v_base     timestamp;
    v_part     text;
    v_lit_from text;
    v_lit_to   text;
    v_has_rows boolean;
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: table must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_months_ahead IS NULL OR p_months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: months_ahead must be between 0 and 120, got %',
            coalesce(p_months_ahead::text, 'NULL') USING ERRCODE = '22023';
    END IF;

    SELECT n.nspname, c.relname, a.attname, pt.partdefid
      INTO v_schema, v_name, v_key, v_defid
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
     WHERE c.oid = p_table
       AND pt.partstrat = 'r'
       AND pt.partnatts = 1
       AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: % is not range-partitioned on a single timestamptz column',
            p_table USING ERRCODE = '22023';
    END IF;

    -- One maintainer at a time per table (taskdb maintain may run on several hosts).
    PERFORM pg_advisory_xact_lock(hashtextextended('taskdb.ensure_monthly_partitions:' || p_table::oid::text, 0));
    -- Re-read the default partition now that we hold the lock.
    SELECT pt.partdefid INTO v_defid FROM pg_partitioned_table pt WHERE pt.partrelid = p_table;

    IF v_defid = 0 THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', v_schema, v_name || '_default', p_table);
        RETURN NEXT v_name || '_default';
        SELECT pt.partdefid INTO v_defid FROM pg_partitioned_table pt WHERE pt.partrelid = p_table;
    END IF;
    v_default := v_defid::regclass;

    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    v_base := date_trunc('month', now() AT TIME ZONE 'UTC');
    FOR i IN 0 .. p_months_ahead LOOP
        v_part := v_name || '_p' || to_char(v_base + make_interval(months => i), 'YYYYMM');
        CONTINUE WHEN EXISTS (SELECT 1
                                FROM pg_inherits inh
                               WHERE inh.inhparent = p_table
                                 AND inh.inhrelid = to_regclass(format('%I.%I', v_schema, v_part)));
        v_lit_from := to_char(v_base + make_interval(months => i), 'YYYY-MM-DD HH24:MI:SS') || '+00';
        v_lit_to   := to_char(v_base + make_interval(months => i + 1), 'YYYY-MM-DD HH24:MI:SS') || '+00';

        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1 AND %I < $2)', v_default, v_key, v_key)
           INTO v_has_rows
          USING v_lit_from::timestamptz, v_lit_to::timestamptz;

        IF v_has_rows THEN
            -- Rows for this month sit in the default partition: creating the partition directly
            -- would fail, so take the default out, create the month, move its rows, put it back.
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', p_table, v_default);
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           v_schema, v_part, p_table, v_lit_from, v_lit_to);
            EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s WHERE %I >= $1 AND %I < $2',
                           p_table, v_cols, v_cols, v_default, v_key, v_key)
              USING v_lit_from::timestamptz, v_lit_to::timestamptz;
            EXECUTE format('DELETE FROM %s WHERE %I >= $1 AND %I < $2', v_default, v_key, v_key)
              USING v_lit_from::timestamptz, v_lit_to::timestamptz;
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', p_table, v_default);
        ELSE
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           v_schema, v_part, p_table, v_lit_from, v_lit_to);
        END IF;
        RETURN NEXT v_part;
    END LOOP;
    RETURN;
END
$_$;

--
-- Name: FUNCTION ensure_monthly_partitions(p_table regclass, p_months_ahead integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.ensure_monthly_partitions(p_table regclass, p_months_ahead integer) IS 'Create the DEFAULT partition and monthly (UTC) partitions from this month to months_ahead; returns names created.';

--
-- Name: expire_leases(integer, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.expire_leases(p_max_attempts integer DEFAULT 3, p_limit integer DEFAULT 1000) RETURNS SETOF public.tasks
    LANGUAGE sql
    SET search_path TO '$user', 'public'
    AS $$
    WITH x AS MATERIALIZED (
        SELECT t.id FROM tasks t
         WHERE t.lease_expires_at < now()
         ORDER BY t.lease_expires_at
         LIMIT greatest(p_limit, 0)
           FOR NO KEY UPDATE SKIP LOCKED),
    u AS (
        UPDATE tasks t
           SET status = CASE WHEN t.attempts >= coalesce(t.max_attempts, p_max_attempts)
                             THEN 'failed' ELSE 'pending' END,
               assigned_to = NULL,
               last_outcome = CASE
                   WHEN t.attempts >= coalesce(t.max_attempts, p_max_attempts)
                   THEN format('gave up after %s attempt(s): the lease of %s expired at %s',
                               t.attempts, t.assigned_to,
                               to_char(t.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
                   ELSE format('the lease of %s expired at %s (attempt %s of %s)',
                               t.assigned_to,
                               to_char(t.lease_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                               t.attempts, coalesce(t.max_attempts, p_max_attempts)) END
          FROM x
         WHERE t.id = x.id AND t.lease_expires_at < now()
        RETURNING t.*)
    SELECT * FROM u ORDER BY u.short_id
$$;

--
-- Name: FUNCTION expire_leases(p_max_attempts integer, p_limit integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.expire_leases(p_max_attempts integer, p_limit integer) IS 'Hands tasks whose lease ended back (pending), or gives them up (failed) once they used max_attempts (default p_max_attempts); returns them.';

--
-- Name: finish_task_attempt(uuid, text, integer, boolean, text, jsonb, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.finish_task_attempt(p_task_id uuid, p_holder text, p_attempt integer, p_succeeded boolean, p_note text DEFAULT NULL::text, p_details jsonb DEFAULT '{}'::jsonb, p_max_attempts integer DEFAULT 3) RETURNS public.tasks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v   tasks;
    v_max integer;
BEGIN
    v := held_task(p_task_id, p_holder, p_attempt);
    v_max := coalesce(v.max_attempts, p_max_attempts);
    IF p_succeeded THEN
        UPDATE tasks t
           SET status = 'completed',
               last_outcome = format('completed by %s on attempt %s', p_holder, t.attempts)
         WHERE t.id = p_task_id RETURNING * INTO v;
    ELSE
        UPDATE tasks t
           SET status = CASE WHEN t.attempts >= v_max THEN 'failed' ELSE 'pending' END,
               assigned_to = NULL,
               last_outcome = CASE WHEN t.attempts >= v_max
                                   THEN format('gave up after %s attempt(s), the last by %s failed',
                                               t.attempts, p_holder)
                                   ELSE format('attempt %s of %s by %s failed', t.attempts, v_max,
                                               p_holder) END
                              || coalesce(': ' || nullif(p_note, ''), '')
         WHERE t.id = p_task_id RETURNING * INTO v;
    END IF;
    INSERT INTO task_contexts (task_id, context_type, context_data)
    VALUES (p_task_id, CASE WHEN p_succeeded THEN 'completion' ELSE 'error' END,
            coalesce(p_details, '{}') || jsonb_build_object(
                'attempt', p_attempt, 'holder', p_holder, 'succeeded', p_succeeded,
                'outcome', v.last_outcome));
    RETURN v;
END
$$;

--
-- Name: FUNCTION finish_task_attempt(p_task_id uuid, p_holder text, p_attempt integer, p_succeeded boolean, p_note text, p_details jsonb, p_max_attempts integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.finish_task_attempt(p_task_id uuid, p_holder text, p_attempt integer, p_succeeded boolean, p_note text, p_details jsonb, p_max_attempts integer) IS 'The holder ends attempt p_attempt: completed, or failed (pending again, or failed once max attempts are used); records a run context. TD030 for anyone else.';

--
-- Name: get_task_hierarchy(uuid); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.get_task_hierarchy(p_root uuid) RETURNS TABLE(task_id uuid, short_id bigint, parent_task_id uuid, title text, status text, priority smallint, depth integer, path bigint[])
    LANGUAGE plpgsql STABLE
    SET search_path TO '$user', 'public'
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

--
-- Name: FUNCTION get_task_hierarchy(p_root uuid); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.get_task_hierarchy(p_root uuid) IS 'A task and all its descendants with depth (root = 0) and path (short_ids from the root), depth-first.';

--
-- Name: heartbeat_task(uuid, text, interval, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.heartbeat_task(p_task_id uuid, p_holder text, p_extend interval, p_attempt integer DEFAULT NULL::integer) RETURNS public.tasks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v tasks;
BEGIN
    IF p_extend IS NULL OR p_extend <= interval '0' THEN
        RAISE EXCEPTION 'a lease must be longer than zero (got %)', coalesce(p_extend::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    PERFORM held_task(p_task_id, p_holder, p_attempt);
    -- Only lease_expires_at is named: a heartbeat is not an edit (no audit row, no updated_at).
    UPDATE tasks t SET lease_expires_at = now() + p_extend WHERE t.id = p_task_id RETURNING * INTO v;
    RETURN v;
END
$$;

--
-- Name: FUNCTION heartbeat_task(p_task_id uuid, p_holder text, p_extend interval, p_attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.heartbeat_task(p_task_id uuid, p_holder text, p_extend interval, p_attempt integer) IS 'Extends the holder''s lease to now() + p_extend; TD030 for anyone else (or another attempt).';

--
-- Name: held_task(uuid, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.held_task(p_task_id uuid, p_holder text, p_attempt integer) RETURNS public.tasks
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v tasks;
BEGIN
    SELECT * INTO v FROM tasks t WHERE t.id = p_task_id FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'task % not found', p_task_id USING ERRCODE = 'TD020';
    END IF;
    PERFORM agent_must_hold(v);
    IF v.status <> 'in_progress' OR v.assigned_to IS DISTINCT FROM p_holder
       OR (p_attempt IS NOT NULL AND v.attempts <> p_attempt) THEN
        PERFORM lease_refusal(v, p_holder);
    END IF;
    RETURN v;
END
$$;

--
-- Name: FUNCTION held_task(p_task_id uuid, p_holder text, p_attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.held_task(p_task_id uuid, p_holder text, p_attempt integer) IS 'The task, locked, if p_holder holds it (and, given p_attempt, in that attempt) and, in an agent''s session, its role does; TD030 otherwise.';

--
-- Name: lease_refusal(public.tasks, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.lease_refusal(p_task public.tasks, p_holder text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    RAISE EXCEPTION 'task #% is not held by %', p_task.short_id, p_holder
        USING ERRCODE = 'TD030',
              DETAIL = CASE
                  WHEN p_task.status <> 'in_progress' THEN format('it is %s', p_task.status)
                  WHEN p_task.assigned_to IS NULL THEN 'it is in_progress, held by nobody'
                  ELSE format('it is held by %s (attempt %s)', p_task.assigned_to, p_task.attempts) END,
              HINT = 'only the holder (--assign, or the actor) may extend, release or finish a claim';
END
$$;

--
-- Name: FUNCTION lease_refusal(p_task public.tasks, p_holder text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.lease_refusal(p_task public.tasks, p_holder text) IS 'Raises TD030: the task is not held by p_holder.';

--
-- Name: lock_task_graph(text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.lock_task_graph(p_graph text) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM task_graph_locks l
                WHERE l.graph = p_graph AND l.xmin = xid(pg_current_xact_id())) THEN
        RETURN;   -- this transaction already holds the row lock and made its bump
    END IF;
    INSERT INTO task_graph_locks AS l (graph, version) VALUES (p_graph, 1)
    ON CONFLICT (graph) DO UPDATE SET version = l.version + 1;
END
$$;

--
-- Name: FUNCTION lock_task_graph(p_graph text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.lock_task_graph(p_graph text) IS 'Row-locks (and bumps, once per transaction) task_graph_locks[graph] until the end of the transaction.';

--
-- Name: log_api_call(text, text, text, integer, integer, uuid, text, text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.log_api_call(p_integration_name text, p_endpoint text, p_method text, p_response_status integer DEFAULT NULL::integer, p_response_time_ms integer DEFAULT NULL::integer, p_task_id uuid DEFAULT NULL::uuid, p_user_id text DEFAULT NULL::text, p_error_message text DEFAULT NULL::text, p_correlation_id text DEFAULT NULL::text, p_retry_count integer DEFAULT 0) RETURNS bigint
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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

--
-- Name: FUNCTION log_api_call(p_integration_name text, p_endpoint text, p_method text, p_response_status integer, p_response_time_ms integer, p_task_id uuid, p_user_id text, p_error_message text, p_correlation_id text, p_retry_count integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.log_api_call(p_integration_name text, p_endpoint text, p_method text, p_response_status integer, p_response_time_ms integer, p_task_id uuid, p_user_id text, p_error_message text, p_correlation_id text, p_retry_count integer) IS 'Record an external API call and count it in the integration''s rate window; returns the log id.';

--
-- Name: raise_dependency_cycle_path(uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.raise_dependency_cycle_path(p_path uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION raise_dependency_cycle_path(p_path uuid[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.raise_dependency_cycle_path(p_path uuid[]) IS 'Raises TD001 naming the cycle p_path (task ids in dependency order); long cycles are shortened.';

--
-- Name: record_metric(text, double precision, text, text, jsonb, text, text, jsonb, timestamp with time zone); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.record_metric(p_name text, p_value double precision, p_component text DEFAULT NULL::text, p_type text DEFAULT 'gauge'::text, p_tags jsonb DEFAULT '{}'::jsonb, p_unit text DEFAULT NULL::text, p_source_system text DEFAULT NULL::text, p_metadata jsonb DEFAULT '{}'::jsonb, p_recorded_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS bigint
    LANGUAGE sql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
    INSERT INTO system_metrics (metric_name, metric_value, component, metric_type, tags, metric_unit,
                                source_system, metric_metadata, recorded_at)
    VALUES (p_name, p_value, p_component, coalesce(p_type, 'gauge'), coalesce(p_tags, '{}'), p_unit,
            p_source_system, coalesce(p_metadata, '{}'), coalesce(p_recorded_at, now()))
    RETURNING id
$$;

--
-- Name: FUNCTION record_metric(p_name text, p_value double precision, p_component text, p_type text, p_tags jsonb, p_unit text, p_source_system text, p_metadata jsonb, p_recorded_at timestamp with time zone); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.record_metric(p_name text, p_value double precision, p_component text, p_type text, p_tags jsonb, p_unit text, p_source_system text, p_metadata jsonb, p_recorded_at timestamp with time zone) IS 'Insert one metric sample; returns its id.';

--
-- Name: refresh_open_blockers(uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refresh_open_blockers(p_task_ids uuid[]) RETURNS SETOF uuid
    LANGUAGE sql
    SET search_path TO '$user', 'public'
    SET enable_seqscan TO 'off'
    SET enable_nestloop TO 'on'
    AS $$
    UPDATE tasks t
       SET open_blockers = c.open, blocking_dependencies = c.total
      FROM (SELECT x.id, n.open, n.total
              FROM (SELECT DISTINCT u.id FROM unnest(p_task_ids) AS u(id)) AS x
             CROSS JOIN LATERAL (
                   SELECT (count(*) FILTER (
                              WHERE (SELECT d.status FROM tasks d WHERE d.id = e.depends_on_task_id)
                                    <> 'completed'))::integer AS open,
                          count(*)::integer AS total
                     FROM task_dependencies e
                    WHERE e.task_id = x.id AND e.dependency_type = 'blocks') AS n) AS c
     WHERE t.id = c.id AND (t.open_blockers <> c.open OR t.blocking_dependencies <> c.total)
    RETURNING t.id
$$;

--
-- Name: FUNCTION refresh_open_blockers(p_task_ids uuid[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refresh_open_blockers(p_task_ids uuid[]) IS 'Recounts tasks.open_blockers and blocking_dependencies of the given tasks; writes and returns only those whose counts changed.';

--
-- Name: refuse_dependency_cycles(uuid[], uuid[]); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.refuse_dependency_cycles(p_src uuid[], p_dst uuid[]) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION refuse_dependency_cycles(p_src uuid[], p_dst uuid[]); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.refuse_dependency_cycles(p_src uuid[], p_dst uuid[]) IS 'Takes the graph lock and raises TD001 when the new blocks edges p_src[i] -> p_dst[i] close a cycle.';

--
-- Name: release_task(uuid, text, text, integer); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.release_task(p_task_id uuid, p_holder text, p_note text DEFAULT NULL::text, p_attempt integer DEFAULT NULL::integer) RETURNS public.tasks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
    AS $$
DECLARE
    v tasks;
BEGIN
    PERFORM held_task(p_task_id, p_holder, p_attempt);
    UPDATE tasks t
       SET status = 'pending', assigned_to = NULL,
           last_outcome = format('released by %s on attempt %s', p_holder, t.attempts)
                          || coalesce(': ' || nullif(p_note, ''), '')
     WHERE t.id = p_task_id
    RETURNING * INTO v;
    RETURN v;
END
$$;

--
-- Name: FUNCTION release_task(p_task_id uuid, p_holder text, p_note text, p_attempt integer); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.release_task(p_task_id uuid, p_holder text, p_note text, p_attempt integer) IS 'The holder hands the task back (pending); TD030 for anyone else (or, given p_attempt, another attempt).';

--
-- Name: set_updated_at(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
    AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;

--
-- Name: FUNCTION set_updated_at(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current.';

--
-- Name: task_dependencies_check_changed_edges(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_dependencies_check_changed_edges() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    SET enable_nestloop TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION task_dependencies_check_changed_edges(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.task_dependencies_check_changed_edges() IS 'AFTER UPDATE statement trigger on task_dependencies: refuses re-pointed or re-typed edges that close a cycle (TD001).';

--
-- Name: task_dependencies_check_new_edges(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_dependencies_check_new_edges() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    SET plan_cache_mode TO 'force_custom_plan'
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

--
-- Name: FUNCTION task_dependencies_check_new_edges(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.task_dependencies_check_new_edges() IS 'AFTER INSERT statement trigger on task_dependencies: refuses new blocks edges that close a cycle (TD001).';

--
-- Name: task_dependencies_refresh_blockers(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.task_dependencies_refresh_blockers() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        UPDATE tasks SET open_blockers = 0, blocking_dependencies = 0
         WHERE open_blockers <> 0 OR blocking_dependencies <> 0;
        RETURN NULL;
    ELSIF TG_OP = 'INSERT' THEN
        SELECT array_agg(n.task_id) INTO v_ids FROM deps_new AS n WHERE n.dependency_type = 'blocks';
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(o.task_id) INTO v_ids FROM deps_old AS o WHERE o.dependency_type = 'blocks';
    ELSE
        SELECT array_agg(c.task_id) INTO v_ids
          FROM (SELECT n.task_id FROM deps_new AS n
                UNION
                SELECT o.task_id FROM deps_old AS o) AS c;
    END IF;
    IF v_ids IS NOT NULL THEN
        PERFORM lock_task_graph('dependencies');
        PERFORM refresh_open_blockers(v_ids);
    END IF;
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION task_dependencies_refresh_blockers(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.task_dependencies_refresh_blockers() IS 'AFTER INSERT/UPDATE/DELETE/TRUNCATE statement trigger on task_dependencies: keeps tasks.open_blockers.';

--
-- Name: tasks_children_parent_state(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_children_parent_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    UPDATE tasks c SET parent_in_progress = (NEW.status = 'in_progress')
     WHERE c.parent_task_id = NEW.id AND c.parent_in_progress IS DISTINCT FROM (NEW.status = 'in_progress');
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION tasks_children_parent_state(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_children_parent_state() IS 'AFTER UPDATE OF status on tasks, when in_progress-ness changes: updates the children''s parent_in_progress.';

--
-- Name: tasks_mark_parent(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_mark_parent() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    UPDATE tasks p SET has_children = true
     WHERE p.id = NEW.parent_task_id AND NOT p.has_children;
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION tasks_mark_parent(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_mark_parent() IS 'AFTER INSERT / UPDATE OF parent_task_id on tasks, for subtasks: sets the parent''s has_children.';

--
-- Name: tasks_notify_ready(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_notify_ready() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    PERFORM pg_notify('taskdb_ready', '');
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION tasks_notify_ready(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_notify_ready() IS 'AFTER UPDATE row trigger on tasks, when a task becomes claimable: NOTIFY taskdb_ready.';

--
-- Name: tasks_notify_ready_insert(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_notify_ready_insert() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM ready_new n
                WHERE n.status = 'pending' AND n.open_blockers = 0
                  AND (n.parent_task_id IS NULL OR n.parent_in_progress)) THEN
        PERFORM pg_notify('taskdb_ready', '');
    END IF;
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION tasks_notify_ready_insert(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_notify_ready_insert() IS 'AFTER INSERT statement trigger on tasks: NOTIFY taskdb_ready once when a claimable task was inserted.';

--
-- Name: tasks_parent_state(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_parent_state() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    IF NEW.parent_task_id IS NULL THEN
        NEW.parent_short_id := NULL;
        NEW.parent_in_progress := false;
    ELSE
        SELECT p.short_id, p.status = 'in_progress'
          INTO NEW.parent_short_id, NEW.parent_in_progress
          FROM tasks p WHERE p.id = NEW.parent_task_id;
        NEW.parent_in_progress := coalesce(NEW.parent_in_progress, false);
    END IF;
    RETURN NEW;
END
$$;

--
-- Name: FUNCTION tasks_parent_state(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_parent_state() IS 'BEFORE INSERT / UPDATE OF parent_task_id on tasks: copies the parent''s short id and whether it is in_progress.';

--
-- Name: tasks_prevent_parent_cycle(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_prevent_parent_cycle() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v_arrow text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_path  uuid[];
    v_cur   uuid;
    v_msg   text;
BEGIN
    -- A task being its own parent is refused by CHECK tasks_not_own_parent.
    IF NEW.parent_task_id IS NULL OR NEW.parent_task_id = NEW.id THEN
        RETURN NEW;
    END IF;

    PERFORM lock_task_graph('hierarchy');

    v_path := ARRAY[NEW.id, NEW.parent_task_id];
    v_cur := NEW.parent_task_id;
    LOOP
        SELECT t.parent_task_id INTO v_cur FROM tasks t WHERE t.id = v_cur;
        EXIT WHEN v_cur IS NULL;
        IF v_cur = NEW.id THEN
            v_path := v_path || v_cur;
            SELECT string_agg('#' || t.short_id::text, v_arrow ORDER BY u.ord)
              INTO v_msg
              FROM unnest(v_path) WITH ORDINALITY AS u(id, ord)
              JOIN tasks t ON t.id = u.id;
            RAISE EXCEPTION 'task hierarchy cycle: %', v_msg
                USING ERRCODE = 'TD002',
                      DETAIL = 'each task is followed by its parent; a task cannot be its own ancestor',
                      TABLE = 'tasks', COLUMN = 'parent_task_id';
        END IF;
        EXIT WHEN v_cur = ANY (v_path);   -- pre-existing cycle elsewhere: not ours to report
        v_path := v_path || v_cur;
    END LOOP;
    RETURN NEW;
END
$$;

--
-- Name: FUNCTION tasks_prevent_parent_cycle(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_prevent_parent_cycle() IS 'BEFORE UPDATE OF parent_task_id on tasks: refuses making a task its own ancestor (SQLSTATE TD002).';

--
-- Name: tasks_refresh_dependents(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_refresh_dependents() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
BEGIN
    -- Locked before looking for dependents, so that a dependency added concurrently is either
    -- committed and seen here, or waits for this transaction and then sees the new status.
    PERFORM lock_task_graph('dependencies');
    PERFORM refresh_open_blockers(ARRAY(
        SELECT e.task_id FROM task_dependencies e
         WHERE e.depends_on_task_id = NEW.id AND e.dependency_type = 'blocks'));
    RETURN NULL;
END
$$;

--
-- Name: FUNCTION tasks_refresh_dependents(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_refresh_dependents() IS 'AFTER UPDATE OF status on tasks, when completed-ness changes: recounts open_blockers of the dependents.';

--
-- Name: tasks_status_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.tasks_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v_arrow   text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_allowed text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                        WHERE tr.from_status = OLD.status AND tr.to_status = NEW.status) THEN
            IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                            WHERE NEW.status IN (tr.from_status, tr.to_status)) THEN
                RETURN NEW;   -- not a status at all: CHECK tasks_status_valid reports it (23514)
            END IF;
            v_allowed := nullif(array_to_string(allowed_task_transitions(OLD.status), ', '), '');
            RAISE EXCEPTION 'invalid transition %', format('%s%s%s (allowed from %s: %s)',
                      OLD.status, v_arrow, NEW.status, OLD.status, coalesce(v_allowed, 'none'))
                USING ERRCODE = 'TD010',
                      DETAIL = format('task #%s (%s)', NEW.short_id, NEW.id),
                      TABLE = 'tasks', COLUMN = 'status';
        END IF;
    END IF;

    IF NEW.status = 'completed' THEN
        IF TG_OP = 'INSERT' OR OLD.status <> 'completed' THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' THEN
        NEW.completed_at := NULL;
    END IF;

    IF NEW.status = 'in_progress' AND NEW.started_at IS NULL THEN
        NEW.started_at := now();
    END IF;
    -- A lease holds an in-progress task; leaving in_progress (by any path) ends it.
    IF NEW.status <> 'in_progress' THEN
        NEW.lease_expires_at := NULL;
        NEW.holder_role := NULL;
    END IF;
    RETURN NEW;
END
$$;

--
-- Name: FUNCTION tasks_status_guard(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.tasks_status_guard() IS 'BEFORE INSERT/UPDATE OF status on tasks: enforces task_status_transitions (TD010), sets started_at/completed_at.';

--
-- Name: timeout_stuck_workflows(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.timeout_stuck_workflows() RETURNS SETOF public.workflows
    LANGUAGE sql
    SET search_path TO '$user', 'public'
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

--
-- Name: FUNCTION timeout_stuck_workflows(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.timeout_stuck_workflows() IS 'Mark running workflows past their timeout as timeout; returns them.';

--
-- Name: update_task_status(uuid, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_task_status(p_task_id uuid, p_new_status text, p_note text DEFAULT NULL::text) RETURNS public.tasks
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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
    PERFORM agent_must_hold(v_old);

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

--
-- Name: FUNCTION update_task_status(p_task_id uuid, p_new_status text, p_note text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.update_task_status(p_task_id uuid, p_new_status text, p_note text) IS 'Change a task''s status along task_status_transitions (TD010 if refused); logs a status_change context. An agent only on a task it holds (TD030).';

--
-- Name: update_workflow_status(uuid, text, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_workflow_status(p_workflow_id uuid, p_new_status text, p_reason text DEFAULT NULL::text) RETURNS public.workflows
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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

--
-- Name: FUNCTION update_workflow_status(p_workflow_id uuid, p_new_status text, p_reason text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.update_workflow_status(p_workflow_id uuid, p_new_status text, p_reason text) IS 'Complete/fail/cancel/timeout/retry a workflow along workflow_status_transitions; reason goes to error_log.';

--
-- Name: update_workflow_step(uuid, text, text, jsonb, text); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.update_workflow_step(p_workflow_id uuid, p_step_name text, p_step_status text, p_result jsonb DEFAULT NULL::jsonb, p_error text DEFAULT NULL::text) RETURNS public.workflows
    LANGUAGE plpgsql SECURITY DEFINER
    SET search_path TO 'pg_catalog', 'public', 'pg_temp'
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

--
-- Name: FUNCTION update_workflow_step(p_workflow_id uuid, p_step_name text, p_step_status text, p_result jsonb, p_error text); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.update_workflow_step(p_workflow_id uuid, p_step_name text, p_step_status text, p_result jsonb, p_error text) IS 'Record a step (running/completed/failed/skipped); a failed step fails the workflow, reaching steps_total completes it.';

--
-- Name: workflows_status_guard(); Type: FUNCTION; Schema: public; Owner: -
--

CREATE FUNCTION public.workflows_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO '$user', 'public'
    AS $$
DECLARE
    v_arrow    text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_terminal text[] := ARRAY['completed', 'failed', 'cancelled', 'timeout'];
    v_is_retry boolean;
    v_allowed  text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        SELECT tr.is_retry INTO v_is_retry
          FROM workflow_status_transitions tr
         WHERE tr.from_status = OLD.status AND tr.to_status = NEW.status;
        IF NOT FOUND THEN
            IF NOT EXISTS (SELECT 1 FROM workflow_status_transitions tr
                            WHERE NEW.status IN (tr.from_status, tr.to_status)) THEN
                RETURN NEW;   -- not a status at all: CHECK workflows_status_valid reports it (23514)
            END IF;
            v_allowed := nullif(array_to_string(allowed_workflow_transitions(OLD.status), ', '), '');
            RAISE EXCEPTION 'invalid workflow transition %', format('%s%s%s (allowed from %s: %s)',
                      OLD.status, v_arrow, NEW.status, OLD.status, coalesce(v_allowed, 'none'))
                USING ERRCODE = 'TD011',
                      DETAIL = format('workflow #%s (%s)', NEW.short_id, NEW.id),
                      TABLE = 'workflows', COLUMN = 'status';
        END IF;
        IF v_is_retry THEN
            IF OLD.retry_count >= NEW.max_retries THEN
                RAISE EXCEPTION 'workflow #% has no retries left (% of % used)',
                          NEW.short_id, OLD.retry_count, NEW.max_retries
                    USING ERRCODE = 'TD012',
                          DETAIL = format('workflow #%s (%s)', NEW.short_id, NEW.id),
                          HINT = 'raise max_retries or create a new workflow',
                          TABLE = 'workflows', COLUMN = 'retry_count';
            END IF;
            NEW.retry_count := OLD.retry_count + 1;
        END IF;
    END IF;

    IF NEW.status = 'running' THEN
        IF TG_OP = 'INSERT' THEN
            NEW.started_at := coalesce(NEW.started_at, now());
        ELSIF OLD.status <> 'running' THEN
            NEW.started_at := now();      -- start of this attempt
        END IF;
        NEW.completed_at := NULL;
    ELSIF NEW.status = ANY (v_terminal) THEN
        IF TG_OP = 'INSERT' OR NOT (OLD.status = ANY (v_terminal)) THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    END IF;
    RETURN NEW;
END
$$;

--
-- Name: FUNCTION workflows_status_guard(); Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON FUNCTION public.workflows_status_guard() IS 'BEFORE INSERT/UPDATE OF status on workflows: enforces workflow_status_transitions (TD011), retries (TD012), timestamps.';

--
-- Name: api_access_logs; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_access_logs (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    integration_id uuid,
    task_id uuid,
    endpoint text NOT NULL,
    method text NOT NULL,
    request_headers jsonb,
    request_body jsonb,
    response_status integer,
    response_headers jsonb,
    response_body jsonb,
    response_time_ms integer,
    correlation_id text,
    user_id text,
    error_message text,
    retry_count integer DEFAULT 0 NOT NULL,
    CONSTRAINT api_access_logs_endpoint_not_blank CHECK ((btrim(endpoint) <> ''::text)),
    CONSTRAINT api_access_logs_method_valid CHECK ((method = ANY (ARRAY['GET'::text, 'POST'::text, 'PUT'::text, 'DELETE'::text, 'PATCH'::text, 'HEAD'::text, 'OPTIONS'::text]))),
    CONSTRAINT api_access_logs_response_time_non_negative CHECK ((response_time_ms >= 0)),
    CONSTRAINT api_access_logs_retry_count_non_negative CHECK ((retry_count >= 0)),
    CONSTRAINT api_access_logs_status_range CHECK (((response_status >= 100) AND (response_status <= 599)))
)
PARTITION BY RANGE (occurred_at);

--
-- Name: TABLE api_access_logs; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.api_access_logs IS 'One row per external API call; monthly partitions (UTC) plus a DEFAULT partition.';

--
-- Name: api_access_logs_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.api_access_logs_default (
    id bigint NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    integration_id uuid,
    task_id uuid,
    endpoint text NOT NULL,
    method text NOT NULL,
    request_headers jsonb,
    request_body jsonb,
    response_status integer,
    response_headers jsonb,
    response_body jsonb,
    response_time_ms integer,
    correlation_id text,
    user_id text,
    error_message text,
    retry_count integer DEFAULT 0 NOT NULL,
    CONSTRAINT api_access_logs_endpoint_not_blank CHECK ((btrim(endpoint) <> ''::text)),
    CONSTRAINT api_access_logs_method_valid CHECK ((method = ANY (ARRAY['GET'::text, 'POST'::text, 'PUT'::text, 'DELETE'::text, 'PATCH'::text, 'HEAD'::text, 'OPTIONS'::text]))),
    CONSTRAINT api_access_logs_response_time_non_negative CHECK ((response_time_ms >= 0)),
    CONSTRAINT api_access_logs_retry_count_non_negative CHECK ((retry_count >= 0)),
    CONSTRAINT api_access_logs_status_range CHECK (((response_status >= 100) AND (response_status <= 599)))
);

--
-- Name: api_access_logs_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.api_access_logs ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.api_access_logs_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: audit_log; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.audit_log (
    id bigint NOT NULL,
    table_name text NOT NULL,
    record_id text NOT NULL,
    action text NOT NULL,
    old_values jsonb,
    new_values jsonb,
    changed_fields text[],
    actor text DEFAULT public.current_actor() NOT NULL,
    occurred_at timestamp with time zone DEFAULT now() NOT NULL,
    session_role name DEFAULT SESSION_USER,
    CONSTRAINT audit_log_action_valid CHECK ((action = ANY (ARRAY['INSERT'::text, 'UPDATE'::text, 'DELETE'::text]))),
    CONSTRAINT audit_log_values_match_action CHECK (
CASE action
    WHEN 'INSERT'::text THEN ((old_values IS NULL) AND (new_values IS NOT NULL))
    WHEN 'DELETE'::text THEN ((old_values IS NOT NULL) AND (new_values IS NULL))
    ELSE ((old_values IS NOT NULL) AND (new_values IS NOT NULL) AND (changed_fields IS NOT NULL))
END)
);

--
-- Name: TABLE audit_log; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.audit_log IS 'Row changes of tasks, task_dependencies, workflows and external_integrations (written by trigger).';

--
-- Name: COLUMN audit_log.record_id; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.record_id IS 'Primary key as text; task_dependencies: <task_id>:<depends_on_task_id>.';

--
-- Name: COLUMN audit_log.old_values; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.old_values IS 'DELETE: whole row; UPDATE: changed columns only; INSERT: NULL.';

--
-- Name: COLUMN audit_log.new_values; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.new_values IS 'INSERT: whole row; UPDATE: changed columns only; DELETE: NULL.';

--
-- Name: COLUMN audit_log.session_role; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.audit_log.session_role IS 'The role that connected (session_user); actor is what the client claims (taskdb.actor). NULL: written before V16.';

--
-- Name: audit_log_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.audit_log ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.audit_log_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: external_integrations; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.external_integrations (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    integration_type text NOT NULL,
    integration_name text NOT NULL,
    configuration jsonb DEFAULT '{}'::jsonb NOT NULL,
    status text DEFAULT 'active'::text NOT NULL,
    health_check_url text,
    health_status text DEFAULT 'unknown'::text NOT NULL,
    last_health_check timestamp with time zone,
    rate_limit_per_minute integer DEFAULT 60 NOT NULL,
    current_usage integer DEFAULT 0 NOT NULL,
    usage_reset_at timestamp with time zone DEFAULT (now() + '00:01:00'::interval) NOT NULL,
    last_used_at timestamp with time zone,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT external_integrations_configuration_is_object CHECK ((jsonb_typeof(configuration) = 'object'::text)),
    CONSTRAINT external_integrations_health_valid CHECK ((health_status = ANY (ARRAY['healthy'::text, 'unhealthy'::text, 'unknown'::text, 'timeout'::text]))),
    CONSTRAINT external_integrations_name_not_blank CHECK ((btrim(integration_name) <> ''::text)),
    CONSTRAINT external_integrations_rate_limit_range CHECK (((rate_limit_per_minute >= 1) AND (rate_limit_per_minute <= 10000))),
    CONSTRAINT external_integrations_status_valid CHECK ((status = ANY (ARRAY['active'::text, 'inactive'::text, 'error'::text, 'maintenance'::text]))),
    CONSTRAINT external_integrations_type_valid CHECK ((integration_type = ANY (ARRAY['codegen'::text, 'github'::text, 'linear'::text, 'claude'::text, 'webhook'::text, 'slack'::text, 'email'::text]))),
    CONSTRAINT external_integrations_usage_non_negative CHECK ((current_usage >= 0))
);

--
-- Name: TABLE external_integrations; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.external_integrations IS 'External services (Codegen, GitHub, Linear, Claude, ...) with a fixed 1-minute rate window.';

--
-- Name: COLUMN external_integrations.current_usage; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_integrations.current_usage IS 'Calls logged in the current window (may exceed the limit; logging never fails).';

--
-- Name: COLUMN external_integrations.usage_reset_at; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON COLUMN public.external_integrations.usage_reset_at IS 'End of the current rate-limit window.';

--
-- Name: health_alert_state; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.health_alert_state (
    channel text NOT NULL,
    last_state text DEFAULT 'OK'::text NOT NULL,
    sent jsonb DEFAULT '{}'::jsonb NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT health_alert_state_channel_not_blank CHECK ((btrim(channel) <> ''::text)),
    CONSTRAINT health_alert_state_last_state_valid CHECK ((last_state = ANY (ARRAY['OK'::text, 'WARNING'::text, 'CRITICAL'::text, 'UNKNOWN'::text]))),
    CONSTRAINT health_alert_state_sent_is_object CHECK ((jsonb_typeof(sent) = 'object'::text))
);

--
-- Name: TABLE health_alert_state; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.health_alert_state IS 'Alert cooldown state of taskdb health: last announced state and when each state was last sent, per webhook.';

--
-- Name: system_metrics; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.system_metrics (
    id bigint NOT NULL,
    metric_name text NOT NULL,
    metric_value double precision NOT NULL,
    metric_type text DEFAULT 'gauge'::text NOT NULL,
    metric_unit text,
    component text,
    source_system text,
    tags jsonb DEFAULT '{}'::jsonb NOT NULL,
    metric_metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT system_metrics_metadata_is_object CHECK ((jsonb_typeof(metric_metadata) = 'object'::text)),
    CONSTRAINT system_metrics_name_valid CHECK (((btrim(metric_name) <> ''::text) AND (char_length(metric_name) <= 200))),
    CONSTRAINT system_metrics_tags_is_object CHECK ((jsonb_typeof(tags) = 'object'::text)),
    CONSTRAINT system_metrics_type_valid CHECK ((metric_type = ANY (ARRAY['gauge'::text, 'counter'::text, 'histogram'::text, 'timer'::text]))),
    CONSTRAINT system_metrics_unit_valid CHECK ((metric_unit = ANY (ARRAY['bytes'::text, 'seconds'::text, 'milliseconds'::text, 'count'::text, 'percent'::text, 'requests_per_second'::text, 'errors_per_minute'::text]))),
    CONSTRAINT system_metrics_value_finite CHECK ((metric_value <> ALL (ARRAY['NaN'::double precision, 'Infinity'::double precision, '-Infinity'::double precision])))
)
PARTITION BY RANGE (recorded_at);

--
-- Name: TABLE system_metrics; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.system_metrics IS 'Time series of system metrics; monthly partitions (UTC) plus a DEFAULT partition.';

--
-- Name: system_metrics_default; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.system_metrics_default (
    id bigint NOT NULL,
    metric_name text NOT NULL,
    metric_value double precision NOT NULL,
    metric_type text DEFAULT 'gauge'::text NOT NULL,
    metric_unit text,
    component text,
    source_system text,
    tags jsonb DEFAULT '{}'::jsonb NOT NULL,
    metric_metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    recorded_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT system_metrics_metadata_is_object CHECK ((jsonb_typeof(metric_metadata) = 'object'::text)),
    CONSTRAINT system_metrics_name_valid CHECK (((btrim(metric_name) <> ''::text) AND (char_length(metric_name) <= 200))),
    CONSTRAINT system_metrics_tags_is_object CHECK ((jsonb_typeof(tags) = 'object'::text)),
    CONSTRAINT system_metrics_type_valid CHECK ((metric_type = ANY (ARRAY['gauge'::text, 'counter'::text, 'histogram'::text, 'timer'::text]))),
    CONSTRAINT system_metrics_unit_valid CHECK ((metric_unit = ANY (ARRAY['bytes'::text, 'seconds'::text, 'milliseconds'::text, 'count'::text, 'percent'::text, 'requests_per_second'::text, 'errors_per_minute'::text]))),
    CONSTRAINT system_metrics_value_finite CHECK ((metric_value <> ALL (ARRAY['NaN'::double precision, 'Infinity'::double precision, '-Infinity'::double precision])))
);

--
-- Name: system_metrics_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.system_metrics ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.system_metrics_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: task_contexts; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_contexts (
    id uuid DEFAULT gen_random_uuid() NOT NULL,
    task_id uuid NOT NULL,
    context_type text NOT NULL,
    context_data jsonb NOT NULL,
    context_version integer DEFAULT 1 NOT NULL,
    is_active boolean DEFAULT true NOT NULL,
    metadata jsonb DEFAULT '{}'::jsonb NOT NULL,
    created_by text DEFAULT public.current_actor() NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    updated_at timestamp with time zone DEFAULT now() NOT NULL,
    expires_at timestamp with time zone,
    CONSTRAINT task_contexts_expiry_after_creation CHECK ((expires_at > created_at)),
    CONSTRAINT task_contexts_metadata_is_object CHECK ((jsonb_typeof(metadata) = 'object'::text)),
    CONSTRAINT task_contexts_type_valid CHECK ((context_type = ANY (ARRAY['requirement'::text, 'codebase'::text, 'ai_interaction'::text, 'validation'::text, 'workflow'::text, 'status_change'::text, 'completion'::text, 'dependency_parent'::text, 'dependency_child'::text, 'error'::text, 'performance'::text, 'external_api'::text, 'note'::text]))),
    CONSTRAINT task_contexts_version_positive CHECK ((context_version > 0))
);

--
-- Name: TABLE task_contexts; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.task_contexts IS 'Context documents attached to a task (requirements, AI interactions, notes, ...).';

--
-- Name: task_dependencies; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_dependencies (
    task_id uuid NOT NULL,
    depends_on_task_id uuid NOT NULL,
    dependency_type text DEFAULT 'blocks'::text NOT NULL,
    created_at timestamp with time zone DEFAULT now() NOT NULL,
    CONSTRAINT task_dependencies_no_self CHECK ((task_id <> depends_on_task_id)),
    CONSTRAINT task_dependencies_type_valid CHECK ((dependency_type = ANY (ARRAY['blocks'::text, 'related'::text])))
);

--
-- Name: TABLE task_dependencies; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.task_dependencies IS 'task_id depends on depends_on_task_id. blocks = must finish first (acyclic); related = informational.';

--
-- Name: task_graph_locks; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_graph_locks (
    graph text NOT NULL,
    version bigint DEFAULT 0 NOT NULL,
    CONSTRAINT task_graph_locks_graph_valid CHECK ((graph = ANY (ARRAY['dependencies'::text, 'hierarchy'::text])))
);

--
-- Name: TABLE task_graph_locks; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.task_graph_locks IS 'Serialises changes to the dependency graph and the task hierarchy (row updated by the cycle triggers).';

--
-- Name: task_status_transitions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.task_status_transitions (
    from_status text NOT NULL,
    to_status text NOT NULL,
    CONSTRAINT task_status_transitions_from_valid CHECK ((from_status = ANY (ARRAY['pending'::text, 'in_progress'::text, 'review'::text, 'blocked'::text, 'deferred'::text, 'completed'::text, 'failed'::text, 'cancelled'::text]))),
    CONSTRAINT task_status_transitions_not_same CHECK ((from_status <> to_status)),
    CONSTRAINT task_status_transitions_to_valid CHECK ((to_status = ANY (ARRAY['pending'::text, 'in_progress'::text, 'review'::text, 'blocked'::text, 'deferred'::text, 'completed'::text, 'failed'::text, 'cancelled'::text])))
);

--
-- Name: TABLE task_status_transitions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.task_status_transitions IS 'Allowed task status changes (from_status -> to_status); enforced on every UPDATE of tasks.status.';

--
-- Name: tasks_short_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.tasks ALTER COLUMN short_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.tasks_short_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: workflow_status_transitions; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.workflow_status_transitions (
    from_status text NOT NULL,
    to_status text NOT NULL,
    is_retry boolean DEFAULT false NOT NULL,
    CONSTRAINT workflow_status_transitions_from_valid CHECK ((from_status = ANY (ARRAY['initialized'::text, 'running'::text, 'completed'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text]))),
    CONSTRAINT workflow_status_transitions_not_same CHECK ((from_status <> to_status)),
    CONSTRAINT workflow_status_transitions_to_valid CHECK ((to_status = ANY (ARRAY['initialized'::text, 'running'::text, 'completed'::text, 'failed'::text, 'cancelled'::text, 'timeout'::text])))
);

--
-- Name: TABLE workflow_status_transitions; Type: COMMENT; Schema: public; Owner: -
--

COMMENT ON TABLE public.workflow_status_transitions IS 'Allowed workflow status changes; is_retry rows consume one of max_retries.';

--
-- Name: workflows_short_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

ALTER TABLE public.workflows ALTER COLUMN short_id ADD GENERATED ALWAYS AS IDENTITY (
    SEQUENCE NAME public.workflows_short_id_seq
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1
);

--
-- Name: api_access_logs_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_access_logs ATTACH PARTITION public.api_access_logs_default DEFAULT;

--
-- Name: system_metrics_default; Type: TABLE ATTACH; Schema: public; Owner: -
--

ALTER TABLE ONLY public.system_metrics ATTACH PARTITION public.system_metrics_default DEFAULT;

--
-- Name: api_access_logs api_access_logs_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_access_logs
    ADD CONSTRAINT api_access_logs_pkey PRIMARY KEY (id, occurred_at);

--
-- Name: api_access_logs_default api_access_logs_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.api_access_logs_default
    ADD CONSTRAINT api_access_logs_default_pkey PRIMARY KEY (id, occurred_at);

--
-- Name: audit_log audit_log_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.audit_log
    ADD CONSTRAINT audit_log_pkey PRIMARY KEY (id);

--
-- Name: audit_log audit_log_session_role_set; Type: CHECK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.audit_log
    ADD CONSTRAINT audit_log_session_role_set CHECK ((session_role IS NOT NULL)) NOT VALID;

--
-- Name: external_integrations external_integrations_name_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_integrations
    ADD CONSTRAINT external_integrations_name_key UNIQUE (integration_name);

--
-- Name: external_integrations external_integrations_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.external_integrations
    ADD CONSTRAINT external_integrations_pkey PRIMARY KEY (id);

--
-- Name: health_alert_state health_alert_state_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.health_alert_state
    ADD CONSTRAINT health_alert_state_pkey PRIMARY KEY (channel);

--
-- Name: system_metrics system_metrics_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.system_metrics
    ADD CONSTRAINT system_metrics_pkey PRIMARY KEY (id, recorded_at);

--
-- Name: system_metrics_default system_metrics_default_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.system_metrics_default
    ADD CONSTRAINT system_metrics_default_pkey PRIMARY KEY (id, recorded_at);

--
-- Name: task_contexts task_contexts_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_contexts
    ADD CONSTRAINT task_contexts_pkey PRIMARY KEY (id);

--
-- Name: task_dependencies task_dependencies_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_dependencies
    ADD CONSTRAINT task_dependencies_pkey PRIMARY KEY (task_id, depends_on_task_id);

--
-- Name: task_graph_locks task_graph_locks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_graph_locks
    ADD CONSTRAINT task_graph_locks_pkey PRIMARY KEY (graph);

--
-- Name: task_status_transitions task_status_transitions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_status_transitions
    ADD CONSTRAINT task_status_transitions_pkey PRIMARY KEY (from_status, to_status);

--
-- Name: tasks tasks_external_key_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_external_key_key UNIQUE (external_key);

--
-- Name: tasks tasks_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_pkey PRIMARY KEY (id);

--
-- Name: tasks tasks_short_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_short_id_key UNIQUE (short_id);

--
-- Name: workflow_status_transitions workflow_status_transitions_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workflow_status_transitions
    ADD CONSTRAINT workflow_status_transitions_pkey PRIMARY KEY (from_status, to_status);

--
-- Name: workflows workflows_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workflows
    ADD CONSTRAINT workflows_pkey PRIMARY KEY (id);

--
-- Name: workflows workflows_short_id_key; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workflows
    ADD CONSTRAINT workflows_short_id_key UNIQUE (short_id);

--
-- Name: api_access_logs_integration_occurred_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_integration_occurred_idx ON ONLY public.api_access_logs USING btree (integration_id, occurred_at);

--
-- Name: api_access_logs_default_integration_id_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_default_integration_id_occurred_at_idx ON public.api_access_logs_default USING btree (integration_id, occurred_at);

--
-- Name: api_access_logs_occurred_brin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_occurred_brin ON ONLY public.api_access_logs USING brin (occurred_at);

--
-- Name: api_access_logs_default_occurred_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_default_occurred_at_idx ON public.api_access_logs_default USING brin (occurred_at);

--
-- Name: api_access_logs_task_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_task_id_idx ON ONLY public.api_access_logs USING btree (task_id) WHERE (task_id IS NOT NULL);

--
-- Name: api_access_logs_default_task_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX api_access_logs_default_task_id_idx ON public.api_access_logs_default USING btree (task_id) WHERE (task_id IS NOT NULL);

--
-- Name: audit_log_occurred_brin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_occurred_brin ON public.audit_log USING brin (occurred_at);

--
-- Name: audit_log_record_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX audit_log_record_idx ON public.audit_log USING btree (table_name, record_id text_pattern_ops, occurred_at);

--
-- Name: system_metrics_name_recorded_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX system_metrics_name_recorded_idx ON ONLY public.system_metrics USING btree (metric_name, recorded_at);

--
-- Name: system_metrics_default_metric_name_recorded_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX system_metrics_default_metric_name_recorded_at_idx ON public.system_metrics_default USING btree (metric_name, recorded_at);

--
-- Name: system_metrics_recorded_brin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX system_metrics_recorded_brin ON ONLY public.system_metrics USING brin (recorded_at);

--
-- Name: system_metrics_default_recorded_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX system_metrics_default_recorded_at_idx ON public.system_metrics_default USING brin (recorded_at);

--
-- Name: task_contexts_task_id_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX task_contexts_task_id_created_idx ON public.task_contexts USING btree (task_id, created_at);

--
-- Name: task_dependencies_depends_on_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX task_dependencies_depends_on_idx ON public.task_dependencies USING btree (depends_on_task_id);

--
-- Name: tasks_active_status_priority_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_active_status_priority_idx ON public.tasks USING btree (status, priority DESC, short_id) WHERE (status <> ALL (ARRAY['completed'::text, 'cancelled'::text]));

--
-- Name: tasks_assigned_to_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_assigned_to_idx ON public.tasks USING btree (assigned_to) WHERE (assigned_to IS NOT NULL);

--
-- Name: tasks_claim_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_claim_idx ON public.tasks USING btree (parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id) WHERE ((status = 'pending'::text) AND (open_blockers = 0) AND ((parent_task_id IS NULL) OR parent_in_progress));

--
-- Name: tasks_claim_more_tags_gin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_claim_more_tags_gin ON public.tasks USING gin ((tags[2:])) WHERE ((status = 'pending'::text) AND (open_blockers = 0) AND ((parent_task_id IS NULL) OR parent_in_progress) AND (cardinality(tags) > 1));

--
-- Name: tasks_claim_tag_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_claim_tag_idx ON public.tasks USING btree ((tags[1]), parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id) WHERE ((status = 'pending'::text) AND (open_blockers = 0) AND ((parent_task_id IS NULL) OR parent_in_progress));

--
-- Name: tasks_created_at_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_created_at_idx ON public.tasks USING btree (created_at);

--
-- Name: tasks_description_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_description_trgm ON public.tasks USING gin (description public.gin_trgm_ops);

--
-- Name: tasks_lease_expiry_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_lease_expiry_idx ON public.tasks USING btree (lease_expires_at) WHERE (lease_expires_at IS NOT NULL);

--
-- Name: tasks_metadata_gin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_metadata_gin ON public.tasks USING gin (metadata);

--
-- Name: tasks_parent_task_id_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_parent_task_id_idx ON public.tasks USING btree (parent_task_id) WHERE (parent_task_id IS NOT NULL);

--
-- Name: tasks_ready_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_ready_idx ON public.tasks USING btree (priority DESC, short_id) WHERE ((status = 'pending'::text) AND (open_blockers = 0));

--
-- Name: tasks_requirements_gin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_requirements_gin ON public.tasks USING gin (requirements);

--
-- Name: tasks_running_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_running_idx ON public.tasks USING btree (parent_in_progress DESC, priority DESC, blocking_dependencies, parent_short_id, short_id) WHERE ((status = 'in_progress'::text) AND (open_blockers = 0) AND ((parent_task_id IS NULL) OR parent_in_progress));

--
-- Name: tasks_tags_gin; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_tags_gin ON public.tasks USING gin (tags);

--
-- Name: tasks_title_trgm; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX tasks_title_trgm ON public.tasks USING gin (title public.gin_trgm_ops);

--
-- Name: workflows_one_active_per_task; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX workflows_one_active_per_task ON public.workflows USING btree (task_id) WHERE (status = ANY (ARRAY['initialized'::text, 'running'::text]));

--
-- Name: workflows_running_started_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX workflows_running_started_idx ON public.workflows USING btree (started_at) WHERE (status = 'running'::text);

--
-- Name: workflows_status_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX workflows_status_created_idx ON public.workflows USING btree (status, created_at);

--
-- Name: workflows_task_id_created_idx; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX workflows_task_id_created_idx ON public.workflows USING btree (task_id, created_at);

--
-- Name: api_access_logs_default_integration_id_occurred_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.api_access_logs_integration_occurred_idx ATTACH PARTITION public.api_access_logs_default_integration_id_occurred_at_idx;

--
-- Name: api_access_logs_default_occurred_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.api_access_logs_occurred_brin ATTACH PARTITION public.api_access_logs_default_occurred_at_idx;

--
-- Name: api_access_logs_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.api_access_logs_pkey ATTACH PARTITION public.api_access_logs_default_pkey;

--
-- Name: api_access_logs_default_task_id_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.api_access_logs_task_id_idx ATTACH PARTITION public.api_access_logs_default_task_id_idx;

--
-- Name: system_metrics_default_metric_name_recorded_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.system_metrics_name_recorded_idx ATTACH PARTITION public.system_metrics_default_metric_name_recorded_at_idx;

--
-- Name: system_metrics_default_pkey; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.system_metrics_pkey ATTACH PARTITION public.system_metrics_default_pkey;

--
-- Name: system_metrics_default_recorded_at_idx; Type: INDEX ATTACH; Schema: public; Owner: -
--

ALTER INDEX public.system_metrics_recorded_brin ATTACH PARTITION public.system_metrics_default_recorded_at_idx;

--
-- Name: external_integrations external_integrations_audit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER external_integrations_audit AFTER UPDATE ON public.external_integrations FOR EACH ROW EXECUTE FUNCTION public.audit_row_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');

--
-- Name: external_integrations external_integrations_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER external_integrations_audit_delete AFTER DELETE ON public.external_integrations REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');

--
-- Name: external_integrations external_integrations_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER external_integrations_audit_insert AFTER INSERT ON public.external_integrations REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');

--
-- Name: external_integrations external_integrations_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER external_integrations_set_updated_at BEFORE UPDATE ON public.external_integrations FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: task_contexts task_contexts_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_contexts_set_updated_at BEFORE UPDATE ON public.task_contexts FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: task_dependencies task_dependencies_acyclic_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_acyclic_insert AFTER INSERT ON public.task_dependencies REFERENCING NEW TABLE AS deps_new FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_check_new_edges();

--
-- Name: task_dependencies task_dependencies_acyclic_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_acyclic_update AFTER UPDATE ON public.task_dependencies REFERENCING OLD TABLE AS deps_old NEW TABLE AS deps_new FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_check_changed_edges();

--
-- Name: task_dependencies task_dependencies_audit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_audit AFTER UPDATE ON public.task_dependencies FOR EACH ROW EXECUTE FUNCTION public.audit_row_change('task_id,depends_on_task_id');

--
-- Name: task_dependencies task_dependencies_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_audit_delete AFTER DELETE ON public.task_dependencies REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('task_id,depends_on_task_id');

--
-- Name: task_dependencies task_dependencies_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_audit_insert AFTER INSERT ON public.task_dependencies REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('task_id,depends_on_task_id');

--
-- Name: task_dependencies task_dependencies_blockers_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_blockers_delete AFTER DELETE ON public.task_dependencies REFERENCING OLD TABLE AS deps_old FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_refresh_blockers();

--
-- Name: task_dependencies task_dependencies_blockers_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_blockers_insert AFTER INSERT ON public.task_dependencies REFERENCING NEW TABLE AS deps_new FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_refresh_blockers();

--
-- Name: task_dependencies task_dependencies_blockers_truncate; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_blockers_truncate AFTER TRUNCATE ON public.task_dependencies FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_refresh_blockers();

--
-- Name: task_dependencies task_dependencies_blockers_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER task_dependencies_blockers_update AFTER UPDATE ON public.task_dependencies REFERENCING OLD TABLE AS deps_old NEW TABLE AS deps_new FOR EACH STATEMENT EXECUTE FUNCTION public.task_dependencies_refresh_blockers();

--
-- Name: tasks tasks_audit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_audit AFTER UPDATE OF id, short_id, external_key, title, description, details, test_strategy, type, status, priority, complexity, tags, requirements, acceptance_criteria, affected_files, metadata, estimated_hours, actual_hours, parent_task_id, assigned_to, created_by, repository_url, branch_name, pr_number, linear_issue_id, github_issue_number, codegen_session_id, created_at, started_at, completed_at, attempts, max_attempts, last_outcome ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.audit_task_update();

--
-- Name: tasks tasks_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_audit_delete AFTER DELETE ON public.tasks REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'open_blockers', 'blocking_dependencies', 'parent_short_id', 'parent_in_progress', 'has_children', 'holder_role');

--
-- Name: tasks tasks_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_audit_insert AFTER INSERT ON public.tasks REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'open_blockers', 'blocking_dependencies', 'parent_short_id', 'parent_in_progress', 'has_children', 'holder_role');

--
-- Name: tasks tasks_children_parent_state; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_children_parent_state AFTER UPDATE OF status ON public.tasks FOR EACH ROW WHEN ((new.has_children AND ((old.status = 'in_progress'::text) IS DISTINCT FROM (new.status = 'in_progress'::text)))) EXECUTE FUNCTION public.tasks_children_parent_state();

--
-- Name: tasks tasks_mark_parent_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_mark_parent_insert AFTER INSERT ON public.tasks FOR EACH ROW WHEN ((new.parent_task_id IS NOT NULL)) EXECUTE FUNCTION public.tasks_mark_parent();

--
-- Name: tasks tasks_mark_parent_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_mark_parent_update AFTER UPDATE OF parent_task_id ON public.tasks FOR EACH ROW WHEN (((new.parent_task_id IS NOT NULL) AND (new.parent_task_id IS DISTINCT FROM old.parent_task_id))) EXECUTE FUNCTION public.tasks_mark_parent();

--
-- Name: tasks tasks_notify_ready; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_notify_ready AFTER UPDATE ON public.tasks FOR EACH ROW WHEN (((new.status = 'pending'::text) AND (new.open_blockers = 0) AND ((new.parent_task_id IS NULL) OR new.parent_in_progress) AND (NOT ((old.status = 'pending'::text) AND (old.open_blockers = 0) AND ((old.parent_task_id IS NULL) OR old.parent_in_progress))))) EXECUTE FUNCTION public.tasks_notify_ready();

--
-- Name: tasks tasks_notify_ready_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_notify_ready_insert AFTER INSERT ON public.tasks REFERENCING NEW TABLE AS ready_new FOR EACH STATEMENT EXECUTE FUNCTION public.tasks_notify_ready_insert();

--
-- Name: tasks tasks_parent_state_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_parent_state_insert BEFORE INSERT ON public.tasks FOR EACH ROW WHEN ((new.parent_task_id IS NOT NULL)) EXECUTE FUNCTION public.tasks_parent_state();

--
-- Name: tasks tasks_parent_state_update; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_parent_state_update BEFORE UPDATE OF parent_task_id ON public.tasks FOR EACH ROW WHEN ((new.parent_task_id IS DISTINCT FROM old.parent_task_id)) EXECUTE FUNCTION public.tasks_parent_state();

--
-- Name: tasks tasks_prevent_parent_cycle; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_prevent_parent_cycle BEFORE UPDATE OF parent_task_id ON public.tasks FOR EACH ROW WHEN (((new.parent_task_id IS NOT NULL) AND (new.parent_task_id IS DISTINCT FROM old.parent_task_id))) EXECUTE FUNCTION public.tasks_prevent_parent_cycle();

--
-- Name: tasks tasks_refresh_dependents; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_refresh_dependents AFTER UPDATE OF status ON public.tasks FOR EACH ROW WHEN (((old.status = 'completed'::text) IS DISTINCT FROM (new.status = 'completed'::text))) EXECUTE FUNCTION public.tasks_refresh_dependents();

--
-- Name: tasks tasks_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE OF id, short_id, external_key, title, description, details, test_strategy, type, status, priority, complexity, tags, requirements, acceptance_criteria, affected_files, metadata, estimated_hours, actual_hours, parent_task_id, assigned_to, created_by, repository_url, branch_name, pr_number, linear_issue_id, github_issue_number, codegen_session_id, created_at, started_at, completed_at, attempts, max_attempts, last_outcome ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: tasks tasks_status_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER tasks_status_guard BEFORE INSERT OR UPDATE OF status ON public.tasks FOR EACH ROW EXECUTE FUNCTION public.tasks_status_guard();

--
-- Name: workflows workflows_audit; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER workflows_audit AFTER UPDATE ON public.workflows FOR EACH ROW EXECUTE FUNCTION public.audit_row_change('id', 'step_log');

--
-- Name: workflows workflows_audit_delete; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER workflows_audit_delete AFTER DELETE ON public.workflows REFERENCING OLD TABLE AS audit_old FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'step_log');

--
-- Name: workflows workflows_audit_insert; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER workflows_audit_insert AFTER INSERT ON public.workflows REFERENCING NEW TABLE AS audit_new FOR EACH STATEMENT EXECUTE FUNCTION public.audit_statement_change('id', 'step_log');

--
-- Name: workflows workflows_set_updated_at; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER workflows_set_updated_at BEFORE UPDATE ON public.workflows FOR EACH ROW EXECUTE FUNCTION public.set_updated_at();

--
-- Name: workflows workflows_status_guard; Type: TRIGGER; Schema: public; Owner: -
--

CREATE TRIGGER workflows_status_guard BEFORE INSERT OR UPDATE OF status ON public.workflows FOR EACH ROW EXECUTE FUNCTION public.workflows_status_guard();

--
-- Name: api_access_logs api_access_logs_integration_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.api_access_logs
    ADD CONSTRAINT api_access_logs_integration_id_fkey FOREIGN KEY (integration_id) REFERENCES public.external_integrations(id) ON DELETE SET NULL;

--
-- Name: api_access_logs api_access_logs_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE public.api_access_logs
    ADD CONSTRAINT api_access_logs_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE SET NULL;

--
-- Name: task_contexts task_contexts_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_contexts
    ADD CONSTRAINT task_contexts_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;

--
-- Name: task_dependencies task_dependencies_depends_on_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_dependencies
    ADD CONSTRAINT task_dependencies_depends_on_task_id_fkey FOREIGN KEY (depends_on_task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;

--
-- Name: task_dependencies task_dependencies_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.task_dependencies
    ADD CONSTRAINT task_dependencies_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;

--
-- Name: tasks tasks_parent_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.tasks
    ADD CONSTRAINT tasks_parent_task_id_fkey FOREIGN KEY (parent_task_id) REFERENCES public.tasks(id) ON DELETE SET NULL;

--
-- Name: workflows workflows_task_id_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.workflows
    ADD CONSTRAINT workflows_task_id_fkey FOREIGN KEY (task_id) REFERENCES public.tasks(id) ON DELETE CASCADE;

--
-- Name: tasks; Type: ROW SECURITY; Schema: public; Owner: -
--

ALTER TABLE public.tasks ENABLE ROW LEVEL SECURITY;

--
-- Name: tasks tasks_operator; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tasks_operator ON public.tasks TO taskdb_operator USING (true) WITH CHECK (true);

--
-- Name: tasks tasks_read; Type: POLICY; Schema: public; Owner: -
--

CREATE POLICY tasks_read ON public.tasks FOR SELECT TO taskdb_reader, taskdb_agent, taskdb_operator USING (true);
