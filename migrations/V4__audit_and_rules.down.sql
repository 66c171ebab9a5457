-- V4__audit_and_rules.down.sql -- reverts V4__audit_and_rules.sql.
DROP TRIGGER external_integrations_audit ON external_integrations;
DROP TRIGGER workflows_audit ON workflows;
DROP TRIGGER task_dependencies_audit ON task_dependencies;
DROP TRIGGER tasks_audit ON tasks;
DROP TRIGGER workflows_status_guard ON workflows;
DROP TRIGGER tasks_status_guard ON tasks;
DROP TRIGGER tasks_prevent_parent_cycle ON tasks;
DROP TRIGGER task_dependencies_prevent_cycle ON task_dependencies;

DROP FUNCTION workflows_status_guard();
DROP FUNCTION tasks_status_guard();
DROP FUNCTION allowed_workflow_transitions(text);
DROP FUNCTION allowed_task_transitions(text);
DROP FUNCTION tasks_prevent_parent_cycle();
DROP FUNCTION task_dependencies_prevent_cycle();
DROP FUNCTION lock_task_graph(text);
DROP FUNCTION audit_row_change();

DROP TABLE task_graph_locks;
DROP TABLE audit_log;
