-- V1__core_tasks.down.sql -- reverts V1__core_tasks.sql.
-- Dropping a table also drops its indexes, constraints, triggers and identity sequence.
-- pg_trgm is dropped only if V1 created it (recognised by the comment V1 put on it).

DROP TABLE task_contexts;
DROP TABLE task_dependencies;
DROP TABLE task_status_transitions;
DROP TABLE tasks;
DROP FUNCTION set_updated_at();
DROP FUNCTION current_actor();

DO $$
BEGIN
    IF EXISTS (SELECT 1
                 FROM pg_extension e
                WHERE e.extname = 'pg_trgm'
                  AND obj_description(e.oid, 'pg_extension') LIKE 'taskdb: created by migration V1%') THEN
        DROP EXTENSION pg_trgm;
    END IF;
END
$$;
