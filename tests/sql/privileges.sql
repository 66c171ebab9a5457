-- tests/sql/privileges.sql -- least privilege (V16): who may execute, read and write what; the
-- functions that run as their owner and their pinned search_path; row-level security on tasks;
-- the audit trail's session_role. A later migration that adds a table or a function, or
-- re-creates one of these functions (CREATE OR REPLACE resets SECURITY DEFINER), fails here
-- until it grants and pins what it must.

-- The group roles: NOLOGIN, nothing special, agent and operator members of reader.
DO $$
BEGIN
    ASSERT (SELECT count(*) FROM pg_roles
             WHERE rolname IN ('taskdb_reader', 'taskdb_agent', 'taskdb_operator')
               AND NOT rolcanlogin AND NOT rolsuper AND NOT rolbypassrls
               AND NOT rolcreaterole AND NOT rolcreatedb) = 3, 'three plain NOLOGIN group roles';
    ASSERT pg_has_role('taskdb_agent', 'taskdb_reader', 'USAGE')
       AND pg_has_role('taskdb_operator', 'taskdb_reader', 'USAGE'), 'agent and operator read';
    ASSERT NOT pg_has_role('taskdb_agent', 'taskdb_operator', 'MEMBER')
       AND NOT pg_has_role('taskdb_reader', 'taskdb_agent', 'MEMBER'), 'no other membership';
END
$$;

-- Functions: none executable by PUBLIC; every one by the operator.
DO $$
DECLARE
    v text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO v
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
       AND (has_function_privilege('public', p.oid, 'EXECUTE')
            OR NOT has_function_privilege('taskdb_operator', p.oid, 'EXECUTE'));
    ASSERT v IS NULL, 'executable by PUBLIC, or not by taskdb_operator: ' || v;
END
$$;

-- Running as the owner: exactly these, each with search_path pinned (pg_catalog first, pg_temp
-- last), and only these of them executable by an agent.
DO $$
DECLARE
    v_definer text[] := ARRAY[
        'audit_row_change()', 'audit_statement_change()', 'audit_task_update()',
        'claim_tasks(text,interval,text,integer,integer,text)',
        'cleanup_old_data(integer,integer,integer)',
        'create_workflow(uuid,text,integer,integer,integer,jsonb)',
        'drop_monthly_partitions_before(regclass,timestamp with time zone)',
        'ensure_monthly_partitions(regclass,integer)',
        'finish_task_attempt(uuid,text,integer,boolean,text,jsonb,integer)',
        'heartbeat_task(uuid,text,interval,integer)',
        'log_api_call(text,text,text,integer,integer,uuid,text,text,text,integer)',
        'record_metric(text,double precision,text,text,jsonb,text,text,jsonb,timestamp with time zone)',
        'release_task(uuid,text,text,integer)',
        'update_task_status(uuid,text,text)',
        'update_workflow_status(uuid,text,text)',
        'update_workflow_step(uuid,text,text,jsonb,text)'];
    v_agent text[] := ARRAY[
        'claim_tasks(text,interval,text,integer,integer,text)',
        'create_workflow(uuid,text,integer,integer,integer,jsonb)',
        'finish_task_attempt(uuid,text,integer,boolean,text,jsonb,integer)',
        'heartbeat_task(uuid,text,interval,integer)',
        'log_api_call(text,text,text,integer,integer,uuid,text,text,text,integer)',
        'record_metric(text,double precision,text,text,jsonb,text,text,jsonb,timestamp with time zone)',
        'release_task(uuid,text,text,integer)',
        'update_task_status(uuid,text,text)',
        'update_workflow_status(uuid,text,text)',
        'update_workflow_step(uuid,text,text,jsonb,text)'];
    v_got   text[];
    v_bad   text;
BEGIN
    SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) INTO v_got
      FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.prosecdef;
    ASSERT v_got = (SELECT array_agg(x ORDER BY x) FROM unnest(v_definer) x),
        format('SECURITY DEFINER functions: %s', v_got);
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO v_bad
      FROM pg_proc p
     WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace
       AND NOT coalesce('search_path=pg_catalog, public, pg_temp' = ANY (p.proconfig), false);
    ASSERT v_bad IS NULL, 'SECURITY DEFINER without a pinned search_path: ' || v_bad;
    SELECT array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) INTO v_got
      FROM pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace
       AND has_function_privilege('taskdb_agent', p.oid, 'EXECUTE')
       AND NOT has_function_privilege('taskdb_reader', p.oid, 'EXECUTE');
    ASSERT v_got = (SELECT array_agg(x ORDER BY x) FROM unnest(v_agent) x),
        format('what only agents (of non-operators) may execute: %s', v_got);
END
$$;

-- Tables: the reader reads every one (external_integrations but its configuration); neither
-- reader nor agent writes any; the operator writes the data, not the trail nor the rules, and
-- truncates nothing; nobody but the owner creates in the schema.
DO $$
DECLARE
    v text;
BEGIN
    SELECT string_agg(c.relname, ', ') INTO v
      FROM pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND NOT has_table_privilege('taskdb_reader', c.oid, 'SELECT')
       AND c.relname <> 'external_integrations';
    ASSERT v IS NULL, 'not readable by taskdb_reader: ' || v;
    ASSERT has_any_column_privilege('taskdb_reader', 'external_integrations', 'SELECT')
       AND NOT has_column_privilege('taskdb_reader', 'external_integrations', 'configuration', 'SELECT')
       AND NOT has_column_privilege('taskdb_agent', 'external_integrations', 'configuration', 'SELECT')
       AND has_column_privilege('taskdb_operator', 'external_integrations', 'configuration', 'SELECT'),
        'integration secrets: operators only';
    SELECT string_agg(format('%s %s %s', r, c.relname, p), ', ') INTO v
      FROM pg_class c
     CROSS JOIN unnest(ARRAY['taskdb_reader', 'taskdb_agent']) r
     CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
       AND has_table_privilege(r, c.oid, p);
    ASSERT v IS NULL, 'readers and agents write: ' || v;
    SELECT string_agg(format('%s %s', c.relname, p), ', ') INTO v
      FROM pg_class c
     CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
       AND has_table_privilege('taskdb_operator', c.oid, p)
           <> (p <> 'TRUNCATE' AND c.relname NOT IN ('audit_log', 'task_status_transitions',
                                                     'workflow_status_transitions',
                                                     'refinery_schema_history'));
    ASSERT v IS NULL, 'operator privileges differ from the data tables'' CRUD: ' || v;
    ASSERT NOT has_schema_privilege('public', 'public', 'CREATE')
       AND NOT has_schema_privilege('taskdb_operator', 'public', 'CREATE')
       AND NOT has_schema_privilege('taskdb_agent', 'public', 'CREATE')
       AND has_schema_privilege('taskdb_reader', 'public', 'USAGE'), 'CREATE on the schema';
END
$$;

-- Row-level security on tasks (not forced: the owner and its functions bypass it).
DO $$
BEGIN
    ASSERT (SELECT relrowsecurity AND NOT relforcerowsecurity FROM pg_class WHERE oid = 'tasks'::regclass),
        'RLS enabled, not forced';
    ASSERT (SELECT array_agg(format('%s:%s', polname, polcmd) ORDER BY polname) FROM pg_policy
             WHERE polrelid = 'tasks'::regclass) = ARRAY['tasks_operator:*', 'tasks_read:r'],
        'policies';
END
$$;

-- The audit trail: the connected role next to the claimed actor, also through a definer
-- function (where current_user is the owner); current_actor() falls back to session_user.
DO $$
DECLARE
    t tasks;
BEGIN
    PERFORM set_config('taskdb.actor', 'claimed-name', true);
    t := create_task('privileges: audited');
    PERFORM update_task_status(t.id, 'in_progress');
    ASSERT (SELECT array_agg(format('%s/%s', actor, session_role) ORDER BY id) FROM audit_log
             WHERE table_name = 'tasks' AND record_id = t.id::text)
         = ARRAY['claimed-name/' || session_user, 'claimed-name/' || session_user], 'actor and role';
    PERFORM set_config('taskdb.actor', '', true);
    ASSERT current_actor() = session_user::text, 'current_actor() falls back to session_user';
    ASSERT NOT agent_session(), 'a superuser is no agent';
END
$$;
