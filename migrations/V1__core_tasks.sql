-- V1__core_tasks.sql -- extensions, shared helpers and the core task tables.
--
-- Creates
--   extension pg_trgm          (only if absent; marked with a comment so the down script drops
--                               it only when this migration created it)
--   function  current_actor()  text: current_setting('taskdb.actor', true), else current_user.
--                               taskdb runs `SET taskdb.actor = '<who>'` per session (--actor).
--   function  set_updated_at() trigger function: NEW.updated_at := now() (BEFORE UPDATE)
--   table     tasks
--   table     task_status_transitions  (the allowed task status changes, as data)
--   table     task_dependencies
--   table     task_contexts
--
-- tasks columns
--   id uuid PK default gen_random_uuid()     short_id bigint identity, unique (what people type: 42)
--   external_key text unique, nullable       e.g. 'taskmaster:<tag>:<id>' for imported tasks
--   title text not null (not blank)          description text        details text   test_strategy text
--   type text not null default 'general'     open vocabulary, lower snake_case (e.g. general, bug_fix,
--                                            feature, enhancement, refactor, documentation, test,
--                                            deployment, integration_test, bug)
--   status text not null default 'pending'   pending | in_progress | review | blocked | deferred |
--                                            completed | failed | cancelled
--   priority smallint not null default 5     0..10 (10 = most urgent)
--   complexity smallint null                 1..10
--   tags text[] not null default '{}'        no NULL elements
--   requirements, acceptance_criteria, affected_files  jsonb arrays, not null, default '[]'
--   metadata jsonb object not null default '{}'  (unknown Task Master keys live here)
--   estimated_hours, actual_hours numeric(8,2) >= 0
--   parent_task_id uuid -> tasks(id) ON DELETE SET NULL (never itself)
--   assigned_to text    created_by text not null default current_actor()
--   repository_url text, branch_name text, pr_number int > 0
--   linear_issue_id text, github_issue_number int > 0, codegen_session_id text
--   created_at, updated_at (maintained by trigger), started_at, completed_at timestamptz
--   Invariant: completed_at IS NOT NULL exactly when status = 'completed' (CHECK); the status
--   trigger of V4 sets started_at/completed_at, so clients never set them by hand.
--
-- task_status_transitions(from_status, to_status): the only status changes an UPDATE may make
-- (enforced by the V4 trigger tasks_status_guard, SQLSTATE TD010). Rows:
--   pending     -> in_progress, blocked, deferred, completed, cancelled
--   (pending -> completed: Task Master users mark tasks done directly)
--   in_progress -> pending, review, blocked, deferred, completed, failed, cancelled
--   review      -> in_progress, blocked, completed, failed, cancelled
--   blocked     -> pending, in_progress, deferred, cancelled
--   deferred    -> pending, in_progress, cancelled
--   completed   -> in_progress                       (reopen)
--   failed      -> pending, in_progress, cancelled   (retry)
--   cancelled   -> pending                           (revive)
-- An INSERT may use any status (imports); only changes are checked.
--
-- task_dependencies(task_id, depends_on_task_id, dependency_type, created_at):
--   "task_id depends on depends_on_task_id". dependency_type 'blocks' (default; the other task
--   must be done first) or 'related' (informational). PK (task_id, depends_on_task_id); no
--   self-dependency; both FKs ON DELETE CASCADE. Cycles among 'blocks' edges are refused by the
--   V4 trigger (SQLSTATE TD001).
--
-- task_contexts: free-form context documents attached to a task (requirements, AI interactions,
-- status-change notes written by update_task_status, ...).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
        CREATE EXTENSION pg_trgm;
        COMMENT ON EXTENSION pg_trgm IS 'taskdb: created by migration V1 (trigram search on tasks); dropped by V1 down';
    END IF;
END
$$;

CREATE FUNCTION current_actor() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(current_setting('taskdb.actor', true), ''), current_user::text)
$$;
COMMENT ON FUNCTION current_actor() IS
    'Who is acting: the session setting taskdb.actor (set by taskdb --actor), else current_user.';

CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql
AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION set_updated_at() IS 'BEFORE UPDATE trigger: keeps updated_at current.';

CREATE TABLE tasks (
    id                  uuid        NOT NULL DEFAULT gen_random_uuid(),
    short_id            bigint      GENERATED ALWAYS AS IDENTITY,
    external_key        text,
    title               text        NOT NULL,
    description         text,
    details             text,
    test_strategy       text,
    type                text        NOT NULL DEFAULT 'general',
    status              text        NOT NULL DEFAULT 'pending',
    priority            smallint    NOT NULL DEFAULT 5,
    complexity          smallint,
    tags                text[]      NOT NULL DEFAULT '{}',
    requirements        jsonb       NOT NULL DEFAULT '[]',
    acceptance_criteria jsonb       NOT NULL DEFAULT '[]',
    affected_files      jsonb       NOT NULL DEFAULT '[]',
    metadata            jsonb       NOT NULL DEFAULT '{}',
    estimated_hours     numeric(8,2),
    actual_hours        numeric(8,2),
    parent_task_id      uuid,
    assigned_to         text,
    created_by          text        NOT NULL DEFAULT current_actor(),
    repository_url      text,
    branch_name         text,
    pr_number           integer,
    linear_issue_id     text,
    github_issue_number integer,
    codegen_session_id  text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    completed_at        timestamptz,
    CONSTRAINT tasks_pkey PRIMARY KEY (id),
    CONSTRAINT tasks_short_id_key UNIQUE (short_id),
    CONSTRAINT tasks_external_key_key UNIQUE (external_key),
    CONSTRAINT tasks_parent_task_id_fkey FOREIGN KEY (parent_task_id)
        REFERENCES tasks (id) ON DELETE SET NULL,
    CONSTRAINT tasks_title_not_blank CHECK (btrim(title) <> ''),
    CONSTRAINT tasks_external_key_not_blank CHECK (btrim(external_key) <> ''),
    CONSTRAINT tasks_type_format CHECK (type ~ '^[a-z][a-z0-9_]{0,49}$'),
    CONSTRAINT tasks_status_valid CHECK (status IN
        ('pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled')),
    CONSTRAINT tasks_priority_range CHECK (priority BETWEEN 0 AND 10),
    CONSTRAINT tasks_complexity_range CHECK (complexity BETWEEN 1 AND 10),
    CONSTRAINT tasks_tags_no_nulls CHECK (array_position(tags, NULL) IS NULL),
    CONSTRAINT tasks_requirements_is_array CHECK (jsonb_typeof(requirements) = 'array'),
    CONSTRAINT tasks_acceptance_criteria_is_array CHECK (jsonb_typeof(acceptance_criteria) = 'array'),
    CONSTRAINT tasks_affected_files_is_array CHECK (jsonb_typeof(affected_files) = 'array'),
    CONSTRAINT tasks_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT tasks_hours_non_negative CHECK (estimated_hours >= 0 AND actual_hours >= 0),
    CONSTRAINT tasks_not_own_parent CHECK (parent_task_id <> id),
    CONSTRAINT tasks_pr_number_positive CHECK (pr_number > 0),
    CONSTRAINT tasks_github_issue_number_positive CHECK (github_issue_number > 0),
    CONSTRAINT tasks_completed_at_iff_completed CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
    CONSTRAINT tasks_completed_after_started CHECK (completed_at >= started_at)
);
COMMENT ON TABLE tasks IS 'Units of work. short_id is the number people type; external_key identifies imported tasks.';
COMMENT ON COLUMN tasks.external_key IS 'Stable key of an imported task, e.g. taskmaster:<tag>:<id>; NULL for native tasks.';
COMMENT ON COLUMN tasks.metadata IS 'Free-form JSON object; importers keep unknown source keys here.';
COMMENT ON COLUMN tasks.completed_at IS 'Set by trigger when status becomes completed; NULL otherwise.';
COMMENT ON COLUMN tasks.started_at IS 'Set by trigger the first time status becomes in_progress (or review).';

CREATE INDEX tasks_parent_task_id_idx ON tasks (parent_task_id) WHERE parent_task_id IS NOT NULL;
CREATE INDEX tasks_active_status_priority_idx ON tasks (status, priority DESC, short_id)
    WHERE status NOT IN ('completed', 'cancelled');
CREATE INDEX tasks_assigned_to_idx ON tasks (assigned_to) WHERE assigned_to IS NOT NULL;
CREATE INDEX tasks_created_at_idx ON tasks (created_at);
CREATE INDEX tasks_tags_gin ON tasks USING gin (tags);
CREATE INDEX tasks_metadata_gin ON tasks USING gin (metadata);
CREATE INDEX tasks_requirements_gin ON tasks USING gin (requirements);
CREATE INDEX tasks_title_trgm ON tasks USING gin (title gin_trgm_ops);
CREATE INDEX tasks_description_trgm ON tasks USING gin (description gin_trgm_ops);

CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE task_status_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    CONSTRAINT task_status_transitions_pkey PRIMARY KEY (from_status, to_status),
    CONSTRAINT task_status_transitions_from_valid CHECK (from_status IN
        ('pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled')),
    CONSTRAINT task_status_transitions_to_valid CHECK (to_status IN
        ('pending', 'in_progress', 'review', 'blocked', 'deferred', 'completed', 'failed', 'cancelled')),
    CONSTRAINT task_status_transitions_not_same CHECK (from_status <> to_status)
);
COMMENT ON TABLE task_status_transitions IS
    'Allowed task status changes (from_status -> to_status); enforced on every UPDATE of tasks.status.';

INSERT INTO task_status_transitions (from_status, to_status) VALUES
    ('pending',     'in_progress'),
    ('pending',     'blocked'),
    ('pending',     'deferred'),
    ('pending',     'completed'),
    ('pending',     'cancelled'),
    ('in_progress', 'pending'),
    ('in_progress', 'review'),
    ('in_progress', 'blocked'),
    ('in_progress', 'deferred'),
    ('in_progress', 'completed'),
    ('in_progress', 'failed'),
    ('in_progress', 'cancelled'),
    ('review',      'in_progress'),
    ('review',      'blocked'),
    ('review',      'completed'),
    ('review',      'failed'),
    ('review',      'cancelled'),
    ('blocked',     'pending'),
    ('blocked',     'in_progress'),
    ('blocked',     'deferred'),
    ('blocked',     'cancelled'),
    ('deferred',    'pending'),
    ('deferred',    'in_progress'),
    ('deferred',    'cancelled'),
    ('completed',   'in_progress'),
    ('failed',      'pending'),
    ('failed',      'in_progress'),
    ('failed',      'cancelled'),
    ('cancelled',   'pending');

CREATE TABLE task_dependencies (
    task_id            uuid        NOT NULL,
    depends_on_task_id uuid        NOT NULL,
    dependency_type    text        NOT NULL DEFAULT 'blocks',
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT task_dependencies_pkey PRIMARY KEY (task_id, depends_on_task_id),
    CONSTRAINT task_dependencies_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE CASCADE,
    CONSTRAINT task_dependencies_depends_on_task_id_fkey FOREIGN KEY (depends_on_task_id)
        REFERENCES tasks (id) ON DELETE CASCADE,
    CONSTRAINT task_dependencies_type_valid CHECK (dependency_type IN ('blocks', 'related')),
    CONSTRAINT task_dependencies_no_self CHECK (task_id <> depends_on_task_id)
);
COMMENT ON TABLE task_dependencies IS
    'task_id depends on depends_on_task_id. blocks = must finish first (acyclic); related = informational.';

CREATE INDEX task_dependencies_depends_on_idx ON task_dependencies (depends_on_task_id);

CREATE TABLE task_contexts (
    id              uuid        NOT NULL DEFAULT gen_random_uuid(),
    task_id         uuid        NOT NULL,
    context_type    text        NOT NULL,
    context_data    jsonb       NOT NULL,
    context_version integer     NOT NULL DEFAULT 1,
    is_active       boolean     NOT NULL DEFAULT true,
    metadata        jsonb       NOT NULL DEFAULT '{}',
    created_by      text        NOT NULL DEFAULT current_actor(),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    CONSTRAINT task_contexts_pkey PRIMARY KEY (id),
    CONSTRAINT task_contexts_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE CASCADE,
    CONSTRAINT task_contexts_type_valid CHECK (context_type IN
        ('requirement', 'codebase', 'ai_interaction', 'validation', 'workflow', 'status_change',
         'completion', 'dependency_parent', 'dependency_child', 'error', 'performance',
         'external_api', 'note')),
    CONSTRAINT task_contexts_version_positive CHECK (context_version > 0),
    CONSTRAINT task_contexts_metadata_is_object CHECK (jsonb_typeof(metadata) = 'object'),
    CONSTRAINT task_contexts_expiry_after_creation CHECK (expires_at > created_at)
);
COMMENT ON TABLE task_contexts IS 'Context documents attached to a task (requirements, AI interactions, notes, ...).';

CREATE INDEX task_contexts_task_id_created_idx ON task_contexts (task_id, created_at);

CREATE TRIGGER task_contexts_set_updated_at BEFORE UPDATE ON task_contexts
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();
