-- Undo V6: back to V4's lock_task_graph (one version bump per call).

CREATE OR REPLACE FUNCTION lock_task_graph(p_graph text) RETURNS void
    LANGUAGE sql
    SET search_path FROM CURRENT
AS $$
    INSERT INTO task_graph_locks AS l (graph, version) VALUES (p_graph, 1)
    ON CONFLICT (graph) DO UPDATE SET version = l.version + 1
$$;
COMMENT ON FUNCTION lock_task_graph(text) IS
    'Row-locks (and bumps) task_graph_locks[graph] until the end of the transaction.';
