-- V11__graph_queries_use_indexes.down.sql -- back to the functions' V4/V9 settings.
ALTER FUNCTION refresh_open_blockers(uuid[]) RESET enable_seqscan;
ALTER FUNCTION task_dependencies_prevent_cycle() RESET enable_seqscan;
