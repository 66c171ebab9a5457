-- tests/sql/claim_fast_path.sql -- V15: tasks.has_children (the children's trigger only for
-- parents), tasks.holder_role (who claimed, as a database role), claim_tasks with generic plans.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/claim_fast_path.sql

-- has_children: set when a task gets a child (insert, reparent, several levels in one
-- statement), never cleared; the children still follow their parent's in_progress-ness.
DO $$
DECLARE
    p  tasks := create_task('fast parent');
    q  tasks := create_task('fast other parent');
    c  tasks := create_task('fast child', p_parent_task_id => p.id);
    a  uuid := gen_random_uuid();
    b  uuid := gen_random_uuid();
    d  uuid := gen_random_uuid();
BEGIN
    ASSERT (SELECT has_children FROM tasks WHERE id = p.id), 'parent marked on insert';
    ASSERT NOT (SELECT has_children FROM tasks WHERE id = c.id), 'a leaf is not';
    ASSERT NOT (SELECT has_children FROM tasks WHERE id = q.id), 'q has none yet';
    UPDATE tasks SET parent_task_id = q.id WHERE id = c.id;
    ASSERT (SELECT has_children FROM tasks WHERE id = q.id), 'marked on reparent';
    ASSERT (SELECT has_children FROM tasks WHERE id = p.id), 'never cleared';

    -- The parent's claim still starts the child (the trigger fires for parents).
    PERFORM update_task_status(q.id, 'in_progress');
    ASSERT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'child follows its parent';
    PERFORM update_task_status(q.id, 'review');
    ASSERT NOT (SELECT parent_in_progress FROM tasks WHERE id = c.id), 'and back';

    -- Three levels in one INSERT, children before parents in the VALUES list, then a
    -- reparenting UPDATE touching a child and its parent in one statement (a BEFORE trigger
    -- updating another row of the statement would fail here).
    INSERT INTO tasks (id, title, parent_task_id)
    VALUES (d, 'fast grandchild', NULL), (a, 'fast root', NULL), (b, 'fast middle', a);
    UPDATE tasks SET parent_task_id = CASE id WHEN d THEN b ELSE parent_task_id END,
                     title = title || '.'
     WHERE id IN (b, d);
    ASSERT (SELECT array_agg(has_children ORDER BY title) FROM tasks WHERE id IN (a, b, d))
           = ARRAY[false, true, true], 'grandchild leaf; middle and root parents';
    ASSERT (SELECT count(*) FROM audit_log
             WHERE record_id IN (a::text, b::text) AND 'has_children' = ANY (changed_fields)) = 0,
           'has_children is not audited';
END
$$;

-- holder_role: the claiming session's role, whatever holder name it gives; cleared when the
-- task leaves in_progress by any path.
DO $$
DECLARE
    t  tasks := create_task('fast holder', p_priority => 10, p_tags => ARRAY['fast-holder-tag']);
    u  tasks := create_task('fast holder 2', p_priority => 10, p_tags => ARRAY['fast-holder-tag']);
    r  tasks;
BEGIN
    SELECT * INTO r FROM claim_tasks('someone-else', interval '5 minutes', 'fast-holder-tag');
    ASSERT r.id IN (t.id, u.id), 'claimed one of the tag';
    ASSERT r.holder_role = session_user AND r.assigned_to = 'someone-else', 'role recorded beside the name';
    PERFORM release_task(r.id, 'someone-else');
    ASSERT (SELECT holder_role IS NULL AND status = 'pending' FROM tasks WHERE id = r.id), 'cleared on release';
    SELECT * INTO r FROM claim_tasks('someone-else', NULL, 'fast-holder-tag');
    ASSERT r.holder_role = session_user, 'also without a lease';
    PERFORM update_task_status(r.id, 'completed');
    ASSERT (SELECT holder_role IS NULL FROM tasks WHERE id = r.id), 'cleared on completion';
END
$$;

-- Generic plans: many claims in one session (plpgsql switches plans after five) still claim
-- in Task Master's order, batches of more than one included, tag or not.
DO $$
DECLARE
    v_ids   uuid[] := '{}';
    v_got   uuid[] := '{}';
    v_batch uuid[];
    i       integer;
BEGIN
    FOR i IN 1..12 LOOP
        v_ids := v_ids || (create_task('fast order ' || i, p_priority => 10,
                                       p_tags => ARRAY['fast-order', 'other'],
                                       p_type => 'fast_order')).id;
    END LOOP;
    FOR i IN 1..8 LOOP
        v_got := v_got || ARRAY(SELECT id FROM claim_tasks('fast-agent', interval '1 minute',
                                                          'fast-order', 1, 3, 'fast_order'));
    END LOOP;
    SELECT array_agg(id) INTO v_batch FROM claim_tasks('fast-agent', interval '1 minute',
                                                       'fast-order', 3, 3, 'fast_order');
    v_got := v_got || v_batch;
    ASSERT cardinality(v_batch) = 3, 'a batch of three';
    ASSERT v_got = v_ids[1:11], format('claimed in creation order (equal priority): %s', v_got);
    ASSERT (SELECT count(*) FROM claim_tasks('fast-agent', interval '1 minute', 'other', 5, 3, 'fast_order')) = 1,
           'the last one, by its second tag';
END
$$;
