-- V9__task_readiness.down.sql -- back to V8: no open_blockers; V1/V8's tasks triggers.
DROP TRIGGER tasks_audit_delete ON tasks;
DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit ON tasks;
CREATE TRIGGER tasks_audit AFTER UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION audit_row_change('id');
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id');

DROP TRIGGER tasks_set_updated_at ON tasks;
CREATE TRIGGER tasks_set_updated_at BEFORE UPDATE ON tasks
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DROP TRIGGER tasks_refresh_dependents ON tasks;
DROP FUNCTION tasks_refresh_dependents();
DROP TRIGGER task_dependencies_blockers_truncate ON task_dependencies;
DROP TRIGGER task_dependencies_blockers_delete ON task_dependencies;
DROP TRIGGER task_dependencies_blockers_update ON task_dependencies;
DROP TRIGGER task_dependencies_blockers_insert ON task_dependencies;
DROP FUNCTION task_dependencies_refresh_blockers();
DROP FUNCTION refresh_open_blockers(uuid[]);
DROP INDEX tasks_ready_idx;
ALTER TABLE tasks DROP COLUMN open_blockers;
