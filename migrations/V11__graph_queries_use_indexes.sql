-- V11__graph_queries_use_indexes.sql -- the dependency-graph queries of the triggers always walk
-- the indexes.
--
-- Changes (function settings only; bodies unchanged)
--   function task_dependencies_prevent_cycle()  (V4)  SET enable_seqscan = off
--   function refresh_open_blockers(uuid[])       (V9)  SET enable_seqscan = off
--
-- Why: both look up a few edges per task (task_dependencies_pkey, task_dependencies_depends_on_idx,
-- tasks_pkey), which is right at any table size. PL/pgSQL and SQL functions keep their plans for
-- the session, and a plan made while task_dependencies was nearly empty -- the first rows of a
-- bulk insert such as a Task Master import -- scans the whole table per lookup once it has grown,
-- turning a 100,000-edge insert quadratic. taskdb's importer used to switch sequential scans off
-- around its INSERT, which every other bulk client would have had to know, and which also steered
-- the INSERT's own join into rescanning its staging table (a re-import of 20,000 unchanged tasks
-- took 11 s). Scoped to the functions, the setting holds for every client and nothing else.

ALTER FUNCTION task_dependencies_prevent_cycle() SET enable_seqscan = off;
ALTER FUNCTION refresh_open_blockers(uuid[]) SET enable_seqscan = off;
