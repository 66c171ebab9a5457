-- tests/sql/schema.sql -- catalog checks: the contract the Rust client relies on, and the
-- prototype's schema defects staying absent.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/schema.sql

-- Every function the client calls exists with this exact signature.
DO $$
DECLARE
    sig text;
BEGIN
    FOREACH sig IN ARRAY ARRAY[
        'current_actor()',
        'allowed_task_transitions(text)',
        'allowed_workflow_transitions(text)',
        'ensure_monthly_partitions(regclass, integer)',
        'drop_monthly_partitions_before(regclass, timestamptz)',
        'create_task(text, text, text, integer, text, uuid, jsonb, jsonb, text, text, text[], integer, jsonb, jsonb, text, uuid[], numeric)',
        'update_task_status(uuid, text, text)',
        'get_task_hierarchy(uuid)',
        'calculate_task_completion(uuid)',
        'create_workflow(uuid, text, integer, integer, integer, jsonb)',
        'update_workflow_step(uuid, text, text, jsonb, text)',
        'update_workflow_status(uuid, text, text)',
        'timeout_stuck_workflows()',
        'record_metric(text, double precision, text, text, jsonb, text, text, jsonb, timestamptz)',
        'log_api_call(text, text, text, integer, integer, uuid, text, text, text, integer)',
        'check_rate_limit(text)',
        'cleanup_old_data(integer, integer, integer)'
    ] LOOP
        ASSERT to_regprocedure(sig) IS NOT NULL, 'missing function ' || sig;
    END LOOP;
END
$$;

-- Fixed column decisions.
DO $$
DECLARE
    want text[] := ARRAY[
        'tasks.id uuid', 'tasks.short_id bigint', 'tasks.external_key text', 'tasks.details text',
        'tasks.test_strategy text', 'tasks.tags text[]', 'tasks.metadata jsonb', 'tasks.parent_task_id uuid',
        'tasks.assigned_to text', 'tasks.priority smallint', 'tasks.complexity smallint', 'tasks.status text',
        'tasks.created_at timestamp with time zone', 'tasks.updated_at timestamp with time zone',
        'tasks.started_at timestamp with time zone', 'tasks.completed_at timestamp with time zone',
        'tasks.created_by text',
        'task_dependencies.task_id uuid', 'task_dependencies.depends_on_task_id uuid',
        'task_dependencies.dependency_type text', 'task_dependencies.created_at timestamp with time zone',
        'workflows.id uuid', 'workflows.short_id bigint', 'workflows.task_id uuid', 'workflows.steps_total integer',
        'workflows.steps_completed integer', 'workflows.current_step text', 'workflows.error_log jsonb',
        'workflows.retry_count integer', 'workflows.max_retries integer', 'workflows.timeout_minutes integer',
        'workflows.validation_results jsonb', 'workflows.step_log jsonb',
        'audit_log.id bigint', 'audit_log.table_name text', 'audit_log.record_id text', 'audit_log.action text',
        'audit_log.old_values jsonb', 'audit_log.new_values jsonb', 'audit_log.changed_fields text[]',
        'audit_log.actor text', 'audit_log.occurred_at timestamp with time zone',
        'system_metrics.recorded_at timestamp with time zone', 'api_access_logs.occurred_at timestamp with time zone'];
    col text;
BEGIN
    FOREACH col IN ARRAY want LOOP
        ASSERT EXISTS (SELECT 1 FROM pg_attribute a
                        WHERE a.attrelid = to_regclass(split_part(col, '.', 1))
                          AND a.attname = split_part(split_part(col, '.', 2), ' ', 1)
                          AND NOT a.attisdropped
                          AND format_type(a.atttypid, a.atttypmod) = substr(col, strpos(col, ' ') + 1)),
            'missing or mistyped column ' || col;
    END LOOP;
    ASSERT (SELECT attidentity FROM pg_attribute WHERE attrelid = 'tasks'::regclass AND attname = 'short_id') = 'a',
        'tasks.short_id is GENERATED ALWAYS AS IDENTITY';
    ASSERT (SELECT attidentity FROM pg_attribute WHERE attrelid = 'workflows'::regclass AND attname = 'short_id') = 'a',
        'workflows.short_id is GENERATED ALWAYS AS IDENTITY';
    ASSERT (SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'system_metrics'::regclass) = 'r', 'metrics partitioned';
    ASSERT (SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'api_access_logs'::regclass) = 'r', 'logs partitioned';
END
$$;

-- Review #4: no index predicate or expression depends on the clock.
DO $$
BEGIN
    ASSERT NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                        WHERE c.relnamespace = current_schema()::regnamespace
                          AND (pg_get_expr(i.indpred, i.indrelid) ~* '(now|current_timestamp|clock_timestamp)'
                               OR pg_get_expr(i.indexprs, i.indrelid) ~* '(now|current_timestamp|clock_timestamp)')),
        'an index uses the clock';
END
$$;

-- No redundant index pairs: a non-unique index whose key columns are a leading prefix of
-- another index on the same table, with the same method and predicate.
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s is a prefix of %s', a.indexrelid::regclass, b.indexrelid::regclass), '; ')
      INTO bad
      FROM pg_index a
      JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
      JOIN pg_class ca ON ca.oid = a.indexrelid
      JOIN pg_class cb ON cb.oid = b.indexrelid
      JOIN pg_class t ON t.oid = a.indrelid
     WHERE t.relnamespace = current_schema()::regnamespace
       AND NOT t.relispartition
       AND NOT a.indisunique
       AND ca.relam = cb.relam
       AND pg_get_expr(a.indpred, a.indrelid) IS NOT DISTINCT FROM pg_get_expr(b.indpred, b.indrelid)
       AND a.indnkeyatts <= b.indnkeyatts
       AND (string_to_array(a.indkey::text, ' '))[1:a.indnkeyatts]
           = (string_to_array(b.indkey::text, ' '))[1:a.indnkeyatts]
       AND (a.indnkeyatts < b.indnkeyatts OR a.indexrelid > b.indexrelid);
    ASSERT bad IS NULL, 'redundant indexes: ' || bad;
END
$$;

-- Every foreign key is backed by an index starting with its columns (deletes of tasks stay cheap).
DO $$
DECLARE
    bad text;
BEGIN
    SELECT string_agg(format('%s on %s', con.conname, con.conrelid::regclass), '; ')
      INTO bad
      FROM pg_constraint con
      JOIN pg_class t ON t.oid = con.conrelid
     WHERE con.contype = 'f'
       AND t.relnamespace = current_schema()::regnamespace
       AND NOT t.relispartition
       AND NOT EXISTS (SELECT 1 FROM pg_index i
                        WHERE i.indrelid = con.conrelid
                          AND (string_to_array(i.indkey::text, ' ')::int2[])[1:cardinality(con.conkey)] = con.conkey);
    ASSERT bad IS NULL, 'foreign keys without an index: ' || bad;
END
$$;

-- Every table has a primary key; the monitoring extension the prototype created without
-- shared_preload_libraries is not installed; the triggers the prototype forgot are attached.
DO $$
DECLARE
    trg text;
BEGIN
    ASSERT NOT EXISTS (SELECT 1 FROM pg_class c
                        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
                          AND NOT c.relispartition
                          AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')),
        'a table without primary key';
    ASSERT NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'), 'pg_stat_statements installed';
    ASSERT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'), 'pg_trgm missing';
    FOREACH trg IN ARRAY ARRAY[
        'tasks.tasks_set_updated_at', 'tasks.tasks_status_guard', 'tasks.tasks_prevent_parent_cycle', 'tasks.tasks_audit',
        'task_contexts.task_contexts_set_updated_at',
        'task_dependencies.task_dependencies_acyclic_insert', 'task_dependencies.task_dependencies_acyclic_update',
        'task_dependencies.task_dependencies_audit',
        'workflows.workflows_set_updated_at', 'workflows.workflows_status_guard', 'workflows.workflows_audit',
        'external_integrations.external_integrations_set_updated_at', 'external_integrations.external_integrations_audit'
    ] LOOP
        ASSERT EXISTS (SELECT 1 FROM pg_trigger
                        WHERE tgrelid = to_regclass(split_part(trg, '.', 1)) AND tgname = split_part(trg, '.', 2)
                          AND tgenabled <> 'D'),
            'trigger missing or disabled: ' || trg;
    END LOOP;
END
$$;
