-- V16__least_privilege.sql -- least privilege: group roles with exactly the grants each job needs,
-- writes of agents only through the schema's functions, row-level security on tasks, and an audit
-- trail that records who really connected.
--
-- Creates
--   group roles (NOLOGIN, cluster-wide, created once per cluster: the role running this
--   migration needs CREATEROLE the first time; later databases of the cluster reuse them):
--     taskdb_reader    reads every table (integration secrets excepted: external_integrations
--                      is readable column by column, all but `configuration`), the read-only
--                      functions; writes nothing.
--     taskdb_agent     member of taskdb_reader; writes only through SECURITY DEFINER functions:
--                      claim_tasks, heartbeat_task, release_task, finish_task_attempt,
--                      update_task_status (the last four only on tasks it holds: tasks.holder_role
--                      = session_user, else TD030), record_metric, log_api_call, create_workflow,
--                      update_workflow_step, update_workflow_status. No table privilege beyond
--                      reading: no INSERT, UPDATE, DELETE, TRUNCATE, no DDL.
--     taskdb_operator  member of taskdb_reader; SELECT, INSERT, UPDATE, DELETE on the data tables
--                      (tasks, task_dependencies, task_contexts, workflows, system_metrics,
--                      api_access_logs, external_integrations with its secrets, health_alert_state,
--                      task_graph_locks), sequences, EXECUTE on every function of the schema. Only
--                      reads audit_log and the transition tables; no TRUNCATE (it fires no audit
--                      trigger); owns nothing, so no DDL.
--   Login roles join one of them (`taskdb role create NAME --kind …`). The schema owner (the role
--   `taskdb migrate` runs as) keeps DDL and bypasses row-level security (not FORCEd).
--   functions agent_session() (session_user is an agent: member of taskdb_agent, not of
--       taskdb_operator) and agent_must_hold(tasks) (TD030 unless an agent session holds the task).
--   row-level security on tasks: policies tasks_read (SELECT, the three group roles) and
--       tasks_operator (ALL, taskdb_operator). Agents have no UPDATE privilege at all: "only the
--       tasks it holds" is enforced by the functions; the policies are defense in depth.
--   column audit_log.session_role name DEFAULT session_user: the role that really connected (also
--       inside a SECURITY DEFINER function), next to the claimed actor (taskdb.actor, which any
--       client can set). NULL on rows written before V16 (not known); required on new rows
--       (CHECK audit_log_session_role_set, NOT VALID so old rows stay as they were).
-- Changes
--   REVOKE CREATE on the schema from PUBLIC; REVOKE EXECUTE on the schema's functions from PUBLIC
--       (and by default on functions the migrating role creates later), then GRANT EXECUTE to the
--       roles that need it. A trigger function needs no EXECUTE privilege to fire.
--   SECURITY DEFINER with search_path pinned to pg_catalog, <schema>, pg_temp (ALTER FUNCTION,
--       bodies unchanged) for the agents' functions above, the audit trigger functions
--       (audit_row_change, audit_statement_change, audit_task_update: nobody but the owner may
--       insert into audit_log, so an operator cannot forge or erase the trail), and the upkeep
--       functions that need ownership (ensure_monthly_partitions, drop_monthly_partitions_before,
--       cleanup_old_data: `taskdb maintain` / `metrics prune` under the operator role).
--   current_actor(): falls back to session_user (was current_user, which inside a SECURITY
--       DEFINER function is the owner).
--   held_task(), update_task_status(): refuse an agent session that does not hold the task.
--
-- Why: every client used to connect as the owner or a superuser, and could drop tables, rewrite
-- any task or act under another name (the actor is a session setting).

-- The group roles: cluster-wide, so created only when missing; another database of the cluster
-- may be creating them at the same time (duplicate_object / unique_violation: it won).
DO $$
DECLARE
    v_role text;
    v_about text;
    r      record;
BEGIN
    FOR v_role, v_about IN VALUES
        ('taskdb_reader', 'taskdb: reads tasks, workflows, metrics and the audit trail; writes nothing'),
        ('taskdb_agent', 'taskdb: claims and works on tasks through the schema''s functions'),
        ('taskdb_operator', 'taskdb: reads and writes all data (no DDL)')
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', v_role);
                EXECUTE format('COMMENT ON ROLE %I IS %L', v_role, v_about);
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
                WHEN insufficient_privilege THEN
                    RAISE EXCEPTION 'cannot create the group role %: the role running migrations (%) lacks CREATEROLE',
                              v_role, current_user
                        USING ERRCODE = '42501',
                              HINT = 'once per cluster, as a superuser: CREATE ROLE taskdb_reader NOLOGIN; '
                                  || 'CREATE ROLE taskdb_agent NOLOGIN IN ROLE taskdb_reader; '
                                  || 'CREATE ROLE taskdb_operator NOLOGIN IN ROLE taskdb_reader; then migrate again';
            END;
        END IF;
    END LOOP;
    FOR r IN SELECT rolname FROM pg_roles
              WHERE rolname IN ('taskdb_reader', 'taskdb_agent', 'taskdb_operator')
                AND (rolcanlogin OR rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb)
    LOOP
        RAISE EXCEPTION 'role % exists with LOGIN, SUPERUSER, BYPASSRLS, CREATEROLE or CREATEDB', r.rolname
            USING ERRCODE = '42501',
                  HINT = format('taskdb''s group roles must be plain NOLOGIN roles: ALTER ROLE %I NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB', r.rolname);
    END LOOP;
    FOREACH v_role IN ARRAY ARRAY['taskdb_agent', 'taskdb_operator'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_auth_members m
                        WHERE m.roleid = 'taskdb_reader'::regrole AND m.member = v_role::regrole) THEN
            BEGIN
                EXECUTE format('GRANT taskdb_reader TO %I', v_role);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;
            END;
        END IF;
    END LOOP;
END
$$;

-- The audit trail records the role that connected, whatever actor the client claims.
ALTER TABLE audit_log
    ADD COLUMN session_role name DEFAULT session_user,
    ADD CONSTRAINT audit_log_session_role_set CHECK (session_role IS NOT NULL) NOT VALID;
COMMENT ON COLUMN audit_log.session_role IS
    'The role that connected (session_user); actor is what the client claims (taskdb.actor). NULL: written before V16.';

CREATE OR REPLACE FUNCTION current_actor() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(current_setting('taskdb.actor', true), ''), session_user::text)
$$;
COMMENT ON FUNCTION current_actor() IS
    'Who is acting: the session setting taskdb.actor (set by taskdb --actor), else session_user.';

CREATE FUNCTION agent_session() RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog
AS $$
    SELECT pg_has_role(session_user, 'taskdb_agent', 'MEMBER')
       AND NOT pg_has_role(session_user, 'taskdb_operator', 'MEMBER')
$$;
COMMENT ON FUNCTION agent_session() IS
    'true when the connected role (session_user) is an agent: a member of taskdb_agent and not of taskdb_operator (superusers are members of both).';

CREATE FUNCTION agent_must_hold(p_task tasks) RETURNS void
    LANGUAGE plpgsql STABLE
    SET search_path FROM CURRENT
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
COMMENT ON FUNCTION agent_must_hold(tasks) IS
    'Raises TD030 when the session is an agent''s (agent_session()) and the task is not held by its role (tasks.holder_role).';

CREATE OR REPLACE FUNCTION held_task(p_task_id uuid, p_holder text, p_attempt integer)
    RETURNS tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
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
COMMENT ON FUNCTION held_task(uuid, text, integer) IS
    'The task, locked, if p_holder holds it (and, given p_attempt, in that attempt) and, in an agent''s session, its role does; TD030 otherwise.';

CREATE OR REPLACE FUNCTION update_task_status(p_task_id uuid, p_new_status text, p_note text DEFAULT NULL)
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
COMMENT ON FUNCTION update_task_status(uuid, text, text) IS
    'Change a task''s status along task_status_transitions (TD010 if refused); logs a status_change context. An agent only on a task it holds (TD030).';

-- Who may do what. The schema is where tasks lives (public unless migrated elsewhere).
DO $$
DECLARE
    v_schema  text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.oid = 'tasks'::regclass);
    v_definer text[] := ARRAY[
        -- the agents' writes
        'claim_tasks(text, interval, text, integer, integer, text)',
        'heartbeat_task(uuid, text, interval, integer)',
        'release_task(uuid, text, text, integer)',
        'finish_task_attempt(uuid, text, integer, boolean, text, jsonb, integer)',
        'update_task_status(uuid, text, text)',
        'record_metric(text, double precision, text, text, jsonb, text, text, jsonb, timestamptz)',
        'log_api_call(text, text, text, integer, integer, uuid, text, text, text, integer)',
        'create_workflow(uuid, text, integer, integer, integer, jsonb)',
        'update_workflow_step(uuid, text, text, jsonb, text)',
        'update_workflow_status(uuid, text, text)',
        -- the audit trail: only the owner inserts into audit_log
        'audit_row_change()',
        'audit_statement_change()',
        'audit_task_update()',
        -- upkeep that needs ownership (partitions)
        'ensure_monthly_partitions(regclass, integer)',
        'drop_monthly_partitions_before(regclass, timestamptz)',
        'cleanup_old_data(integer, integer, integer)'];
    v_agent   text[] := v_definer[1:10];
    v_reader  text[] := ARRAY[
        'current_actor()',
        'allowed_task_transitions(text)',
        'allowed_workflow_transitions(text)',
        'calculate_task_completion(uuid)',
        'get_task_hierarchy(uuid)',
        'check_rate_limit(text)'];
    v_fn      text;
    v_cols    text;
    v_table   text;
BEGIN
    EXECUTE format('REVOKE CREATE ON SCHEMA %I FROM PUBLIC', v_schema);
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO taskdb_reader', v_schema);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO taskdb_reader', current_database());

    -- Functions: nobody by default (PUBLIC had EXECUTE on all), then each role what it needs.
    -- The extension's functions (pg_trgm) are left as the extension made them.
    FOR v_fn IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
         WHERE p.pronamespace = v_schema::regnamespace AND p.prokind IN ('f', 'p')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', v_fn);
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO taskdb_operator', v_fn);
    END LOOP;
    ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
    FOREACH v_fn IN ARRAY v_definer LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY DEFINER SET search_path = pg_catalog, %I, pg_temp',
                       v_fn, v_schema);
    END LOOP;
    FOREACH v_fn IN ARRAY v_agent LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO taskdb_agent', v_fn);
    END LOOP;
    FOREACH v_fn IN ARRAY v_reader LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO taskdb_reader', v_fn);
    END LOOP;

    -- Tables: readers read everything but the integrations' configuration (secrets).
    FOREACH v_table IN ARRAY ARRAY['tasks', 'task_dependencies', 'task_contexts', 'task_status_transitions',
                                   'workflows', 'workflow_status_transitions', 'system_metrics',
                                   'api_access_logs', 'audit_log', 'health_alert_state', 'task_graph_locks'] LOOP
        EXECUTE format('GRANT SELECT ON TABLE %I TO taskdb_reader', v_table);
    END LOOP;
    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum) INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = 'external_integrations'::regclass AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname <> 'configuration';
    EXECUTE format('GRANT SELECT (%s) ON TABLE external_integrations TO taskdb_reader', v_cols);
    -- refinery's history: `migrate status` and the health probe read it.
    IF to_regclass('refinery_schema_history') IS NOT NULL THEN
        GRANT SELECT ON TABLE refinery_schema_history TO taskdb_reader;
    END IF;

    -- Operators: the data, not the rules (transitions), not the trail (audit_log), no TRUNCATE.
    FOREACH v_table IN ARRAY ARRAY['tasks', 'task_dependencies', 'task_contexts', 'workflows',
                                   'system_metrics', 'api_access_logs', 'external_integrations',
                                   'health_alert_state', 'task_graph_locks'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO taskdb_operator', v_table);
    END LOOP;
    EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO taskdb_operator', v_schema);
END
$$;

-- Row-level security on tasks. The owner (migrations, SECURITY DEFINER functions) bypasses it;
-- agents have no UPDATE privilege, so the policies are a second wall behind the functions.
ALTER TABLE tasks ENABLE ROW LEVEL SECURITY;
CREATE POLICY tasks_read ON tasks FOR SELECT TO taskdb_reader, taskdb_agent, taskdb_operator USING (true);
CREATE POLICY tasks_operator ON tasks FOR ALL TO taskdb_operator USING (true) WITH CHECK (true);
