-- V3__metrics_integrations_logs.down.sql -- reverts V3__metrics_integrations_logs.sql.
-- Dropping a partitioned table drops all of its partitions (including ones created later by
-- ensure_monthly_partitions / taskdb maintain), their indexes and the identity sequence.
DROP TABLE api_access_logs;
DROP TABLE external_integrations;
DROP TABLE system_metrics;
DROP FUNCTION drop_monthly_partitions_before(regclass, timestamptz);
DROP FUNCTION ensure_monthly_partitions(regclass, integer);
