-- V5__functions.down.sql -- reverts V5__functions.sql.
DROP FUNCTION cleanup_old_data(integer, integer, integer);
DROP FUNCTION check_rate_limit(text);
DROP FUNCTION log_api_call(text, text, text, integer, integer, uuid, text, text, text, integer);
DROP FUNCTION record_metric(text, double precision, text, text, jsonb, text, text, jsonb, timestamptz);
DROP FUNCTION timeout_stuck_workflows();
DROP FUNCTION update_workflow_status(uuid, text, text);
DROP FUNCTION update_workflow_step(uuid, text, text, jsonb, text);
DROP FUNCTION create_workflow(uuid, text, integer, integer, integer, jsonb);
DROP FUNCTION calculate_task_completion(uuid);
DROP FUNCTION get_task_hierarchy(uuid);
DROP FUNCTION update_task_status(uuid, text, text);
DROP FUNCTION create_task(text, text, text, integer, text, uuid, jsonb, jsonb, text, text, text[],
                          integer, jsonb, jsonb, text, uuid[], numeric);
