-- V12__cycle_check_per_statement.down.sql -- back to V4's row-level check on INSERT and UPDATE.
DROP TRIGGER task_dependencies_acyclic_insert ON task_dependencies;
DROP TRIGGER task_dependencies_prevent_cycle ON task_dependencies;
CREATE TRIGGER task_dependencies_prevent_cycle BEFORE INSERT OR UPDATE ON task_dependencies
    FOR EACH ROW EXECUTE FUNCTION task_dependencies_prevent_cycle();
DROP FUNCTION task_dependencies_check_new_edges();
DROP FUNCTION raise_dependency_cycle(uuid, uuid);

-- V5's create_task.
CREATE OR REPLACE FUNCTION create_task(
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
