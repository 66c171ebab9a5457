-- V10__audit_log_record_index_any_collation.sql -- the audit history of a task is an index
-- lookup whatever the database's collation.
--
-- Replaces
--   index audit_log_record_idx (table_name, record_id, occurred_at)                      (V4)
--      by audit_log_record_idx (table_name, record_id text_pattern_ops, occurred_at)
--
-- Why: `task show` / `task history` read a task's rows as
--   (table_name = 'tasks' AND record_id = <id>)
--   OR (table_name = 'task_dependencies' AND record_id LIKE '<id>:%')
-- A LIKE prefix can use a btree index on text only under the C collation or with the
-- text_pattern_ops operator class. Under any other collation (en_US.UTF-8, C.UTF-8: what most
-- servers use) the planner fell back to reading audit_log backwards in full: 145 ms per
-- `task show` with 190,000 audit rows instead of 0.1 ms. text_pattern_ops also serves the
-- equality lookups. Rebuilding the index blocks writes to audit_log for as long as it takes
-- (about 1 s per million rows here).

DROP INDEX audit_log_record_idx;
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id text_pattern_ops, occurred_at);
