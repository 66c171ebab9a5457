-- V15__claim_fast_path.down.sql -- back to V14: claims planned per call, the children's trigger
-- on every change of in_progress-ness, no holder_role.

DROP TRIGGER tasks_audit_insert ON tasks;
DROP TRIGGER tasks_audit_delete ON tasks;
CREATE TRIGGER tasks_audit_insert AFTER INSERT ON tasks REFERENCING NEW TABLE AS audit_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress');
CREATE TRIGGER tasks_audit_delete AFTER DELETE ON tasks REFERENCING OLD TABLE AS audit_old
    FOR EACH STATEMENT EXECUTE FUNCTION audit_statement_change('id', 'open_blockers',
        'blocking_dependencies', 'parent_short_id', 'parent_in_progress');

DROP TRIGGER tasks_children_parent_state ON tasks;
CREATE TRIGGER tasks_children_parent_state AFTER UPDATE OF status ON tasks
    FOR EACH ROW WHEN ((OLD.status = 'in_progress') IS DISTINCT FROM (NEW.status = 'in_progress'))
    EXECUTE FUNCTION tasks_children_parent_state();

DROP TRIGGER tasks_mark_parent_insert ON tasks;
DROP TRIGGER tasks_mark_parent_update ON tasks;
DROP FUNCTION tasks_mark_parent();

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
    END IF;
    RETURN NEW;
END
$$;

ALTER TABLE tasks DROP COLUMN has_children, DROP COLUMN holder_role;

CREATE OR REPLACE FUNCTION claim_tasks(p_holder text, p_lease interval, p_tag text DEFAULT NULL,
                            p_limit integer DEFAULT 1, p_max_attempts integer DEFAULT 3,
                            p_type text DEFAULT NULL)
    RETURNS SETOF tasks
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
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
               SET status = 'in_progress', assigned_to = p_holder,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
              FROM c WHERE t.id = c.id
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
               SET status = 'in_progress', assigned_to = p_holder,
                   lease_expires_at = now() + p_lease, attempts = t.attempts + 1
              FROM c WHERE t.id = c.id
            RETURNING t.*)
        SELECT * FROM u
         ORDER BY u.parent_in_progress DESC, u.priority DESC, u.blocking_dependencies,
                  u.parent_short_id, u.short_id;
    END IF;
END
$$;
COMMENT ON FUNCTION claim_tasks(text, interval, text, integer, integer, text) IS
    'Claims up to p_limit claimable tasks (tag p_tag and type p_type, if given) in Task Master''s order for p_holder, with a lease of p_lease (NULL: none); expired leases are handed back first. Returns the claimed tasks.';
