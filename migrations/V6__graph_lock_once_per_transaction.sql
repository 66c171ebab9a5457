-- V6__graph_lock_once_per_transaction.sql -- lock_task_graph bumps its row once per transaction.
--
-- Replaces
--   function lock_task_graph(p_graph text) RETURNS void   (V4)
--
-- V4's version upserts task_graph_locks[graph] on every call, i.e. once per inserted
-- dependency row. Inside one transaction every such UPDATE adds a version of the same row, and
-- each next UPDATE has to walk that growing chain: inserting N dependencies in one transaction
-- (a Task Master import) costs O(N^2) -- 20,000 calls took 2.6 s, 100,000 would take minutes.
--
-- The serialisation the cycle triggers rely on needs the row lock, held to the end of the
-- transaction, and one version bump made by this transaction (so that a concurrent REPEATABLE
-- READ / SERIALIZABLE transaction touching the same graph fails with 40001). Both exist after
-- the first call, so later calls in the same transaction return at once. A bump made inside a
-- subtransaction carries the subtransaction's xid: it is not recognised and the function bumps
-- again (correct, only slower), and a bump rolled back with its savepoint is not visible.
-- Behaviour seen by clients is unchanged.

CREATE OR REPLACE FUNCTION lock_task_graph(p_graph text) RETURNS void
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM task_graph_locks l
                WHERE l.graph = p_graph AND l.xmin = xid(pg_current_xact_id())) THEN
        RETURN;   -- this transaction already holds the row lock and made its bump
    END IF;
    INSERT INTO task_graph_locks AS l (graph, version) VALUES (p_graph, 1)
    ON CONFLICT (graph) DO UPDATE SET version = l.version + 1;
END
$$;
COMMENT ON FUNCTION lock_task_graph(text) IS
    'Row-locks (and bumps, once per transaction) task_graph_locks[graph] until the end of the transaction.';
