-- V10__audit_log_record_index_any_collation.down.sql -- back to V4's index.
DROP INDEX audit_log_record_idx;
CREATE INDEX audit_log_record_idx ON audit_log (table_name, record_id, occurred_at);
