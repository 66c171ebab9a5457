-- V15__claim_fast_path.sql -- claims without planning each time, the children's trigger only
-- for tasks that have children, and the database role that made each claim.
--
-- Measured (perf, 8 clients claiming): a quarter of a claim's server time went to planning the
-- claim's statement again on every call (plpgsql kept custom plans, as a generic plan with
-- `LIMIT p_limit` guesses 10% of the table), and the AFTER trigger updating the children's
-- parent_in_progress ran a query on every claim although most tasks have no children.
--
-- Creates
--   columns on tasks:
--     has_children boolean NOT NULL DEFAULT false: set (never cleared) when a task gets a
--         child, so tasks_children_parent_state fires only for tasks that may have children
--         (true for a task whose children were all moved or deleted costs one empty query).
--     holder_role name: the database role (session_user) that claimed the in_progress task;
--         cleared with the lease when the task leaves in_progress. Least privilege checks it
--         (an agent may change only the tasks it holds).
--   trigger tasks_mark_parent (AFTER INSERT / UPDATE OF parent_task_id, row, only for
--       subtasks): sets the parent's has_children. AFTER, not BEFORE: a BEFORE trigger updating
--       another row of the same statement makes that statement fail when it reaches the row.
-- Replaces
--   claim_tasks(…): the same claims, with generic plans (SET plan_cache_mode; the claimed rows
--       are updated through `id = ANY (ARRAY(…))`, an index probe whatever the row estimate),
--       and records holder_role.
--   tasks_status_guard(): also clears holder_role when a task leaves in_progress.
--   trigger tasks_children_parent_state: WHEN also requires NEW.has_children.
--   triggers tasks_audit_insert / tasks_audit_delete: has_children and holder_role are derived,
--       not part of the audited row (like open_blockers).

ALTER TABLE tasks
    ADD COLUMN has_children boolean NOT NULL DEFAULT false,
    ADD COLUMN holder_role name;
COMMENT ON COLUMN tasks.has_children IS 'The task has (or had) subtasks (kept by triggers; never cleared): whether its status change must update them.';
COMMENT ON COLUMN tasks.holder_role IS 'The database role (session_user) that claimed the in_progress task; NULL when not claimed.';

UPDATE tasks p SET has_children = true
 WHERE EXISTS (SELECT 1 FROM tasks c WHERE c.parent_task_id = p.id);

CREATE FUNCTION tasks_mark_parent() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    UPDATE tasks p SET has_children = true
     WHERE p.id = NEW.parent_task_id AND NOT p.has_children;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION tasks_mark_parent() IS
    'AFTER INSERT / UPDATE OF parent_task_id on tasks, for subtasks: sets the parent''s has_children.';

CREATE TRIGGER tasks_mark_parent_insert AFTER INSERT ON tasks
    FOR EACH ROW WHEN (NEW.parent_task_id IS NOT NULL)
    EXECUTE FUNCTION tasks_mark_parent();
CREATE TRIGGER tasks_mark_parent_update AFTER UPDATE OF parent_task_id ON tasks
    FOR EACH ROW WHEN (NEW.parent_task_id IS NOT NULL
                       AND NEW.parent_task_id IS DISTINCT FROM OLD.parent_task_id)
    EXECUTE FUNCTION tasks_mark_parent();

DROP TRIGGER tasks_children_parent_state ON tasks;
CREATE TRIGGER tasks_children_parent_state AFTER UPDATE OF status ON tasks
    FOR EACH ROW WHEN (NEW.has_children
                       AND (OLD.status = 'in_progress') IS DISTINCT FROM (NEW.status = 'in_progress'))
    EXECUTE FUNCTION tasks_children_parent_state();

DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit_delete ON tasks;
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress', 'has_children',
        'holder_role');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress', 'has_children',
        'holder_role');

CREATE OR REPLACE FUNCTION tasks_status_guard() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_arrow   text := CASE WHEN getdatabaseencoding() = 'UTF8' THEN ' ' || chr(8594) || ' ' ELSE ' -> ' END;
    v_allowed text;
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                        WHERE tr.from_status = OLD.status AND tr.to_status = NEW.status) THEN
            IF NOT EXISTS (SELECT 1 FROM task_status_transitions tr
                            WHERE NEW.status IN (tr.from_status, tr.to_status)) THEN
                RETURN NEW;   -- not a status at all: CHECK tasks_status_valid reports it (23514)
            END IF;
            v_allowed := nullif(array_to_string(allowed_task_transitions(OLD.status), ', '), '');
            RAISE EXCEPTION 'invalid transition %', format('%s%s%s (allowed from %s: %s)',
                      OLD.status, v_arrow, NEW.status, OLD.status, coalesce(v_allowed, 'none'))
                USING ERRCODE = 'TD010',
                      DETAIL = format('task #%s (%s)', NEW.short_id, NEW.id),
                      TABLE = 'tasks', COLUMN = 'status';
        END IF;
    END IF;

    IF NEW.status = 'completed' THEN
        IF TG_OP = 'INSERT' OR OLD.status <> 'completed' THEN
            NEW.completed_at := coalesce(NEW.completed_at, now());
        END IF;
    ELSIF TG_OP = 'UPDATE' AND OLD.status = 'completed' THEN
        NEW.completed_at := NULL;
    END IF;

    IF NEW.status = 'in_progress' AND NEW.started_at IS NULL THEN
        NEW.started_at := now();
    END IF;
    -- A lease holds an in-progress task; leaving in_progress (by any path) ends it.
    IF NEW.status <> 'in_progress' THEN
        NEW.lease_expires_at := NULL;
        NEW.holder_role := NULL;
    END IF;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION claim_tasks(p_holder text, p_lease interval, p_tag text DEFAULT NULL,
                            p_limit integer DEFAULT 1, p_max_attempts integer DEFAULT 3,
                            p_type text DEFAULT NULL)
    RETURNS SETOF tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
    SET plan_cache_mode TO force_generic_plan
AS $$
BEGIN
    IF p_holder IS NULL OR btrim(p_holder) = '' THEN
        RAISE EXCEPTION 'a claim needs a holder' USING ERRCODE = '22023';
    END IF;
    IF p_lease IS NOT NULL AND p_lease <= interval '0' THEN
        RAISE EXCEPTION 'a lease must be longer than zero (got %)', p_lease USING ERRCODE = '22023';
    END IF;
    IF p_limit IS NULL OR p_limit NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'a claim takes 1 to 1000 tasks (got %)', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;
    IF p_max_attempts IS NULL OR p_max_attempts NOT BETWEEN 1 AND 1000 THEN
        RAISE EXCEPTION 'max attempts must be 1 to 1000 (got %)', coalesce(p_max_attempts::text, 'NULL')
            USING ERRCODE = '22023';
    END IF;

    -- Expired leases first (an index probe when there are none), so no cron is needed.
    IF EXISTS (SELECT 1 FROM tasks x WHERE x.lease_expires_at < now()) THEN
        PERFORM expire_leases(p_max_attempts);
    END IF;

    IF p_tag IS NULL THEN
        RETURN QUERY
        WITH c AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder, holder_role = session_user,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
             WHERE t.id = ANY (ARRAY(SELECT c.id FROM c))
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    ELSE
        -- The best p_limit tasks whose first tag is p_tag (in order, from tasks_claim_tag_idx)
        -- and the best p_limit of those carrying it further on (from tasks_claim_more_tags_gin,
        -- sorted: priority + 0 keeps the planner off tasks_claim_idx, whose walk would read
        -- other tags' tasks), each locked; the best p_limit of both are claimed (the others
        -- stay locked until this short transaction ends).
        RETURN QUERY
        WITH first AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[1] = p_tag
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.tags[1], t.parent_in_progress DESC, t.priority DESC,
                      t.blocking_dependencies, t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        further AS MATERIALIZED (
            SELECT t.id FROM tasks t
             WHERE t.tags[2:] @> ARRAY[p_tag] AND cardinality(t.tags) > 1
               AND t.status = 'pending' AND t.open_blockers = 0
               AND (t.parent_task_id IS NULL OR t.parent_in_progress)
               AND (p_type IS NULL OR t.type = p_type)
             ORDER BY t.parent_in_progress DESC, t.priority + 0 DESC, t.blocking_dependencies,
                      t.parent_short_id, t.short_id
             LIMIT p_limit
               FOR NO KEY UPDATE SKIP LOCKED),
        c AS MATERIALIZED (
            SELECT x.id FROM tasks x
             WHERE x.id IN (SELECT f.id FROM first f UNION ALL SELECT m.id FROM further m)
             ORDER BY x.parent_in_progress DESC, x.priority DESC, x.blocking_dependencies,
                      x.parent_short_id, x.short_id
             LIMIT p_limit),
        u AS (
            UPDATE tasks t
               SET status = 'in_progress', assigned_to = p_holder, holder_role = session_user,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
             WHERE t.id = ANY (ARRAY(SELECT c.id FROM c))
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    END IF;
END
$$;
COMMENT ON FUNCTION claim_tasks(text, interval, text, integer, integer, text) IS
    'Claims up to p_limit claimable tasks (tag p_tag and type p_type, if given) in Task Master''s order for p_holder (holder_role: the session''s role), with a lease of p_lease (NULL: none); expired leases are handed back first. Returns the claimed tasks.';
