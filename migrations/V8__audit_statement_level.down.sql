-- V8__audit_statement_level.down.sql -- back to V4's row-level audit triggers and function.
DROP TRIGGER external_integrations_audit_delete ON external_integrations;
DROP TRIGGER external_integrations_audit_insert ON external_integrations;
DROP TRIGGER external_integrations_audit ON external_integrations;
DROP TRIGGER workflows_audit_delete ON workflows;
DROP TRIGGER workflows_audit_insert ON workflows;
DROP TRIGGER workflows_audit ON workflows;
DROP TRIGGER task_dependencies_audit_delete ON task_dependencies;
DROP TRIGGER task_dependencies_audit_insert ON task_dependencies;
DROP TRIGGER task_dependencies_audit ON task_dependencies;
DROP TRIGGER tasks_audit_delete ON tasks;
DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit ON tasks;
DROP FUNCTION audit_statement_change();

CREATE OR REPLACE FUNCTION audit_row_change() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_keys      text[] := string_to_array(coalesce(TG_ARGV[0], 'id'), ',');
    v_ignored   text[] := ARRAY['updated_at'];
    v_old       jsonb;
    v_new       jsonb;
    v_changed   text[];
    v_record_id text;
BEGIN
    FOR i IN 1 .. TG_NARGS - 1 LOOP
        v_ignored := v_ignored || TG_ARGV[i];
    END LOOP;

    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        v_old := to_jsonb(OLD) - v_ignored;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        v_new := to_jsonb(NEW) - v_ignored;
    END IF;

    IF TG_OP = 'UPDATE' THEN
        SELECT coalesce(array_agg(n.key ORDER BY n.key), '{}')
          INTO v_changed
          FROM jsonb_each(v_new) AS n
         WHERE n.value IS DISTINCT FROM v_old -> n.key;
        IF cardinality(v_changed) = 0 THEN
            RETURN NULL;
        END IF;
        SELECT jsonb_object_agg(o.key, o.value) INTO v_old FROM jsonb_each(v_old) AS o WHERE o.key = ANY (v_changed);
        SELECT jsonb_object_agg(n.key, n.value) INTO v_new FROM jsonb_each(v_new) AS n WHERE n.key = ANY (v_changed);
    END IF;

    SELECT string_agg(CASE WHEN TG_OP = 'DELETE' THEN to_jsonb(OLD) ELSE to_jsonb(NEW) END ->> k.col,
                      ':' ORDER BY k.ord)
      INTO v_record_id
      FROM unnest(v_keys) WITH ORDINALITY AS k(col, ord);

    INSERT INTO audit_log (table_name, record_id, action, old_values, new_values, changed_fields, actor)
    VALUES (TG_TABLE_NAME, v_record_id, TG_OP, v_old, v_new, v_changed, current_actor());
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION audit_row_change() IS
    'AFTER row trigger writing audit_log. Args: key columns (comma-separated), then columns to ignore.';

CREATE TRIGGER tasks_audit AFTER INSERT OR UPDATE OR DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER task_dependencies_audit AFTER INSERT OR UPDATE OR DELETE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('task_id,depends_on_task_id');
CREATE TRIGGER workflows_audit AFTER INSERT OR UPDATE OR DELETE ON workflows
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'step_log');
CREATE TRIGGER external_integrations_audit AFTER INSERT OR UPDATE OR DELETE ON external_integrations
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id', 'current_usage', 'usage_reset_at', 'last_used_at', 'last_health_check');
