-- V16__least_privilege.down.sql -- back to V15: no row-level security, no grants to taskdb's
-- group roles in this database, functions executable by PUBLIC and running as their caller.
-- CREATE on the schema stays revoked from PUBLIC (PostgreSQL 15's default for new databases).
-- The group roles are cluster-wide: dropped only when nothing of any database depends on them
-- and no other role is a member (login roles made by `taskdb role create` keep them).

DROP POLICY tasks_operator ON tasks;
DROP POLICY tasks_read ON tasks;
ALTER TABLE tasks DISABLE ROW LEVEL SECURITY;

DO $$
DECLARE
    v_schema  text := (SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        WHERE c.oid = 'tasks'::regclass);
    v_fn      text;
    v_role    text;
BEGIN
    -- Every SECURITY DEFINER function of the schema is one V16 made so (a later migration's
    -- down script has run before this one). FROM CURRENT, as they were created: the
    -- migration's search_path.
    FOR v_fn IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
         WHERE p.pronamespace = v_schema::regnamespace AND p.prosecdef
    LOOP
        EXECUTE format('ALTER FUNCTION %s SECURITY INVOKER SET search_path FROM CURRENT', v_fn);
    END LOOP;
    ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC;
    FOR v_fn IN
        SELECT p.oid::regprocedure::text FROM pg_proc p
         WHERE p.pronamespace = v_schema::regnamespace AND p.prokind IN ('f', 'p')
           AND NOT EXISTS (SELECT 1 FROM pg_depend d
                            WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', v_fn);
    END LOOP;
    FOREACH v_role IN ARRAY ARRAY['taskdb_reader', 'taskdb_agent', 'taskdb_operator'] LOOP
        CONTINUE WHEN NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = v_role);
        EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM %I', v_schema, v_role);
        EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM %I', v_schema, v_role);
        EXECUTE format('REVOKE ALL ON ALL FUNCTIONS IN SCHEMA %I FROM %I', v_schema, v_role);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM %I', v_schema, v_role);
        EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), v_role);
        -- Column privileges (external_integrations) are not covered by REVOKE ON ALL TABLES.
        EXECUTE format('REVOKE SELECT (%s) ON TABLE external_integrations FROM %I',
                       (SELECT string_agg(quote_ident(a.attname), ', ') FROM pg_attribute a
                         WHERE a.attrelid = 'external_integrations'::regclass AND a.attnum > 0
                           AND NOT a.attisdropped), v_role);
    END LOOP;
    IF to_regclass('refinery_schema_history') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'taskdb_reader') THEN
        REVOKE ALL ON TABLE refinery_schema_history FROM taskdb_reader;
    END IF;
END
$$;

DROP FUNCTION agent_must_hold(tasks);
DROP FUNCTION agent_session();

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
    IF v.status <> 'in_progress' OR v.assigned_to IS DISTINCT FROM p_holder
       OR (p_attempt IS NOT NULL AND v.attempts <> p_attempt) THEN
        PERFORM lease_refusal(v, p_holder);
    END IF;
    RETURN v;
END
$$;
COMMENT ON FUNCTION held_task(uuid, text, integer) IS
    'The task, locked, if p_holder holds it (and, given p_attempt, in that attempt); TD030 otherwise.';

CREATE OR REPLACE FUNCTION current_actor() RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT coalesce(nullif(current_setting('taskdb.actor', true), ''), current_user::text)
$$;
COMMENT ON FUNCTION current_actor() IS
    'Who is acting: the session setting taskdb.actor (set by taskdb --actor), else current_user.';

ALTER TABLE audit_log DROP COLUMN session_role;

-- The group roles, if this was the last database using them. DROP ROLE fails while another
-- database still grants them something (dependent_objects_still_exist): they stay.
DO $$
DECLARE
    v_role text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                                               JOIN pg_roles u ON u.oid = m.member
                WHERE g.rolname IN ('taskdb_reader', 'taskdb_agent', 'taskdb_operator')
                  AND u.rolname NOT IN ('taskdb_reader', 'taskdb_agent', 'taskdb_operator')) THEN
        RETURN;   -- login roles still belong to them
    END IF;
    FOREACH v_role IN ARRAY ARRAY['taskdb_agent', 'taskdb_operator', 'taskdb_reader'] LOOP
        BEGIN
            EXECUTE format('DROP ROLE IF EXISTS %I', v_role);
        EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
            NULL;
        END;
    END LOOP;
END
$$;
