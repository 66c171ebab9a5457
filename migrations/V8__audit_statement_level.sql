-- V8__audit_statement_level.sql -- cheaper audit: one statement per INSERT/DELETE, one query per UPDATE.
--
-- Replaces
--   function audit_row_change()                          (V4; same arguments, same rows written)
--   triggers tasks_audit, task_dependencies_audit, workflows_audit, external_integrations_audit
--       (V4: AFTER INSERT OR UPDATE OR DELETE ... FOR EACH ROW)
-- Creates
--   function audit_statement_change(): AFTER ... FOR EACH STATEMENT trigger function that writes
--       one audit_log row per row of the statement's transition table (new rows for INSERT, old
--       rows for DELETE) with a single INSERT ... SELECT. Same arguments as audit_row_change().
--   triggers, per audited table <t>:
--       <t>_audit         AFTER UPDATE FOR EACH ROW  -> audit_row_change(...)
--       <t>_audit_insert  AFTER INSERT FOR EACH STATEMENT REFERENCING NEW TABLE AS audit_new
--       <t>_audit_delete  AFTER DELETE FOR EACH STATEMENT REFERENCING OLD TABLE AS audit_old
--       (PostgreSQL allows transition tables only on single-event triggers, hence three.)
--
-- Why: profiled with pg_stat_statements + track_functions, V4's row trigger ran five queries per
-- row (the changed-field list, two jsonb_object_agg, the record id, the INSERT): about 90 us of
-- every task write, and per row of a bulk insert (Task Master import) the single largest cost.
-- Now an INSERT or DELETE of N rows costs one INSERT ... SELECT, and an UPDATE costs one diff
-- query plus the INSERT. What is written is unchanged (tests/sql/audit.sql): whole row for
-- INSERT/DELETE, only the changed columns for UPDATE with changed_fields sorted, no row for an
-- UPDATE that changes nothing audited, updated_at and the per-table ignored columns left out,
-- record_id = key columns joined by ':', actor = current_actor(). Rows of one statement are
-- audited in the order the statement produced them, after the statement, as before.
-- Record ids are built from at most three key columns (the audited tables use one or two).

CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
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
COMMENT ON FUNCTION audit_row_change() IS
    'AFTER row trigger writing audit_log. Args: key columns (comma-separated), then columns to ignore.';

CREATE FUNCTION audit_statement_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
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
COMMENT ON FUNCTION audit_statement_change() IS
    'AFTER INSERT/DELETE statement trigger writing audit_log from the transition table (audit_new/audit_old). Args as audit_row_change().';

DROP TRIGGER tasks_audit ON tasks;
DROP TRIGGER task_dependencies_audit ON task_dependencies;
DROP TRIGGER workflows_audit ON workflows;
DROP TRIGGER external_integrations_audit ON external_integrations;

CREATE TRIGGER tasks_audit AFTER UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id');

CREATE TRIGGER task_dependencies_audit AFTER UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('task_id,depends_on_task_id');
CREATE TRIGGER task_dependencies_audit_insert AFTER INSERT ON task_dependencies REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('task_id,depends_on_task_id');
CREATE TRIGGER task_dependencies_audit_delete AFTER DELETE ON task_dependencies REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('task_id,depends_on_task_id');

CREATE TRIGGER workflows_audit AFTER UPDATE ON workflows
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'step_log');
CREATE TRIGGER workflows_audit_insert AFTER INSERT ON workflows REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'step_log');
CREATE TRIGGER workflows_audit_delete AFTER DELETE ON workflows REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'step_log');

CREATE TRIGGER external_integrations_audit AFTER UPDATE ON external_integrations
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');
CREATE TRIGGER external_integrations_audit_insert AFTER INSERT ON external_integrations REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');
CREATE TRIGGER external_integrations_audit_delete AFTER DELETE ON external_integrations REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');
