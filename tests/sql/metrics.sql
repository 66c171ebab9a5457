-- tests/sql/metrics.sql -- system_metrics, external_integrations, api_access_logs, monthly
-- partitions, rate limiting, retention.
-- Run on a freshly migrated database:
--   psql -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/metrics.sql

-- Partitions exist: DEFAULT plus current month and the next two (UTC), for both tables.
DO $$
DECLARE
    tbl  text;
    base timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
BEGIN
    FOREACH tbl IN ARRAY ARRAY['system_metrics', 'api_access_logs'] LOOP
        PERFORM ensure_monthly_partitions(tbl::regclass, 2);   -- what `taskdb maintain` does
        ASSERT (SELECT partdefid <> 0 FROM pg_partitioned_table WHERE partrelid = tbl::regclass), tbl || ' has a default';
        FOR i IN 0 .. 2 LOOP
            ASSERT EXISTS (SELECT 1 FROM pg_inherits
                            WHERE inhparent = tbl::regclass
                              AND inhrelid = to_regclass(tbl || '_p' || to_char(base + make_interval(months => i), 'YYYYMM'))),
                tbl || ' month +' || i;
        END LOOP;
        ASSERT NOT EXISTS (SELECT 1 FROM ensure_monthly_partitions(tbl::regclass, 2)), 'second call creates nothing';
    END LOOP;
    PERFORM pg_temp.expect_error($q$SELECT ensure_monthly_partitions('tasks', 2)$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT ensure_monthly_partitions('system_metrics', -1)$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT ensure_monthly_partitions('system_metrics', NULL)$q$, '22023');
END
$$;

-- record_metric lands in this month's partition; far past/future rows go to DEFAULT, never fail.
DO $$
DECLARE
    v_id bigint;
    part text;
BEGIN
    v_id := record_metric('db.response_time', 12.5, 'database', 'timer', '{"host": "a"}', 'milliseconds');
    SELECT tableoid::regclass::text INTO part FROM system_metrics WHERE id = v_id;
    ASSERT part = 'system_metrics_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM'), 'current partition, got ' || part;
    ASSERT (SELECT metric_type = 'timer' AND metric_unit = 'milliseconds' AND tags ->> 'host' = 'a' AND metric_value = 12.5
              FROM system_metrics WHERE id = v_id), 'values stored';
    ASSERT record_metric('queue.depth', 3) > v_id, 'positional seed-style call';

    v_id := record_metric('old.sample', 1, p_recorded_at => '1999-12-31T23:00:00Z');
    ASSERT (SELECT tableoid::regclass::text FROM system_metrics WHERE id = v_id) = 'system_metrics_default', 'past -> default';
    v_id := record_metric('future.sample', 1, p_recorded_at => '2999-01-01T00:00:00Z');
    ASSERT (SELECT tableoid::regclass::text FROM system_metrics WHERE id = v_id) = 'system_metrics_default', 'future -> default';
    DELETE FROM system_metrics WHERE id = v_id;

    PERFORM pg_temp.expect_error($q$SELECT record_metric('x', 1, NULL, 'summary')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT record_metric('x', 'NaN')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT record_metric('x', 'Infinity')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT record_metric('x', 1, p_unit => 'parsecs')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT record_metric(' ', 1)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT record_metric('x', 1, p_tags => '[]')$q$, '23514');
END
$$;

-- Rows that landed in DEFAULT move into the month's partition when it is created later.
DO $$
DECLARE
    base  timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
    ts    timestamptz := (base + interval '5 months' + interval '14 days') AT TIME ZONE 'UTC';
    m_id  bigint;
    l_id  bigint;
    want  text := to_char(base + interval '5 months', 'YYYYMM');
BEGIN
    m_id := record_metric('later.sample', 7, p_recorded_at => ts);
    INSERT INTO api_access_logs (endpoint, method, occurred_at) VALUES ('/later', 'GET', ts) RETURNING id INTO l_id;
    PERFORM ensure_monthly_partitions('system_metrics', 5);
    PERFORM ensure_monthly_partitions('api_access_logs', 5);
    ASSERT (SELECT tableoid::regclass::text FROM system_metrics WHERE id = m_id) = 'system_metrics_p' || want,
        'metric moved out of default';
    ASSERT (SELECT tableoid::regclass::text FROM api_access_logs WHERE id = l_id) = 'api_access_logs_p' || want,
        'log moved out of default';
    ASSERT (SELECT count(*) FROM system_metrics WHERE id = m_id) = 1, 'moved, not copied';
    ASSERT (SELECT partdefid <> 0 FROM pg_partitioned_table WHERE partrelid = 'system_metrics'::regclass),
        'default partition re-attached';
    ASSERT (SELECT metric_value FROM system_metrics WHERE id = m_id) = 7, 'row intact';
END
$$;

-- Review #11 and #9: with a limit of 3, three calls fit, the fourth check says no, and logging
-- the fourth call still works (nothing is rolled back). check_rate_limit runs without the
-- prototype's "ambiguous column" error.
DO $$
DECLARE
    v_name text := 'codegen-' || gen_random_uuid();
    v_ids  bigint[] := '{}';
BEGIN
    INSERT INTO external_integrations (integration_type, integration_name, rate_limit_per_minute)
    VALUES ('codegen', v_name, 3);
    FOR i IN 1 .. 3 LOOP
        ASSERT check_rate_limit(v_name), 'call ' || i || ' fits';
        v_ids := v_ids || log_api_call(v_name, '/v1/tasks', 'POST', 201, 40 + i);
    END LOOP;
    ASSERT NOT check_rate_limit(v_name), 'fourth call does not fit';
    v_ids := v_ids || log_api_call(v_name, '/v1/tasks', 'POST', 429, 5, p_error_message => 'rate limited');
    ASSERT (SELECT count(*) FROM api_access_logs WHERE id = ANY (v_ids)) = 4, 'all four calls logged';
    ASSERT (SELECT current_usage FROM external_integrations WHERE integration_name = v_name) = 4, 'usage counted';
    ASSERT (SELECT last_used_at IS NOT NULL FROM external_integrations WHERE integration_name = v_name), 'last_used_at';
    ASSERT (SELECT count(DISTINCT integration_id) FROM api_access_logs WHERE id = ANY (v_ids)) = 1, 'linked to integration';

    -- window over: allowed again, and the next call starts a new window
    UPDATE external_integrations SET usage_reset_at = now() - interval '1 second' WHERE integration_name = v_name;
    ASSERT check_rate_limit(v_name), 'new window';
    PERFORM log_api_call(v_name, '/v1/tasks', 'GET', 200, 10);
    ASSERT (SELECT current_usage = 1 AND usage_reset_at > clock_timestamp()
              FROM external_integrations WHERE integration_name = v_name), 'counter reset';

    PERFORM pg_temp.expect_error($q$SELECT check_rate_limit('no-such-integration')$q$, 'TD022');
    PERFORM pg_temp.expect_error($q$SELECT log_api_call('no-such-integration', '/x', 'GET')$q$, 'TD022');
END
$$;

-- Review #15 and #12: HEAD/OPTIONS accepted everywhere, methods upper-cased; a very long error
-- message is stored (no btree index on it); status and method vocabulary enforced.
DO $$
DECLARE
    v_id   bigint;
    t      tasks := create_task('api log task');
    big    text := (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 400) AS i);  -- 12800 chars
BEGIN
    PERFORM log_api_call(NULL, '/health', 'HEAD', 200, 1);
    PERFORM log_api_call(NULL, '/v1', 'OPTIONS', 204, 1);
    v_id := log_api_call(NULL, '/v1', 'get', NULL, NULL, t.id, 'user-1', big, 'corr-1', 2);
    ASSERT (SELECT method = 'GET' AND error_message = big AND correlation_id = 'corr-1' AND retry_count = 2
                   AND response_status IS NULL AND task_id = t.id
              FROM api_access_logs WHERE id = v_id), 'stored';
    v_id := log_api_call(NULL, '/v1', 'GET');
    ASSERT (SELECT correlation_id IS NOT NULL FROM api_access_logs WHERE id = v_id), 'correlation id generated';
    PERFORM pg_temp.expect_error($q$SELECT log_api_call(NULL, '/x', 'TRACE')$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT log_api_call(NULL, '/x', 'GET', 99)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT log_api_call(NULL, '/x', 'GET', 600)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT log_api_call(NULL, '/x', 'GET', 200, -1)$q$, '23514');
    PERFORM pg_temp.expect_error($q$SELECT log_api_call(NULL, ' ', 'GET')$q$, '23514');
    -- deleting the task keeps the log, unlinked
    DELETE FROM tasks WHERE id = t.id;
    ASSERT (SELECT count(*) FROM api_access_logs WHERE task_id IS NULL AND correlation_id = 'corr-1') >= 1, 'SET NULL';
END
$$;

-- external_integrations constraints
DO $$
BEGIN
    PERFORM pg_temp.expect_error($q$INSERT INTO external_integrations (integration_type, integration_name) VALUES ('jira', 'j')$q$, '23514');
    PERFORM pg_temp.expect_error($q$INSERT INTO external_integrations (integration_type, integration_name, rate_limit_per_minute) VALUES ('github', 'g0', 0)$q$, '23514');
    PERFORM pg_temp.expect_error($q$INSERT INTO external_integrations (integration_type, integration_name, health_status) VALUES ('github', 'g1', 'ok')$q$, '23514');
    INSERT INTO external_integrations (integration_type, integration_name) VALUES ('slack', 'dup-' || txid_current());
    PERFORM pg_temp.expect_error(format($q$INSERT INTO external_integrations (integration_type, integration_name) VALUES ('email', %L)$q$,
                                        'dup-' || txid_current()), '23505');
END
$$;

-- cleanup_old_data: drops whole old monthly partitions, deletes older rows, keeps recent ones.
CREATE TABLE IF NOT EXISTS system_metrics_p200001 PARTITION OF system_metrics
    FOR VALUES FROM ('2000-01-01 00:00:00+00') TO ('2000-02-01 00:00:00+00');
DO $$
DECLARE
    r        record;
    keep_m   bigint;
    keep_l   bigint;
    keep_a   bigint;
BEGIN
    PERFORM record_metric('ancient', 1, p_recorded_at => '2000-01-15T00:00:00Z');
    PERFORM record_metric('old', 1, p_recorded_at => now() - interval '40 days');
    keep_m := record_metric('fresh', 1);
    INSERT INTO api_access_logs (endpoint, method, occurred_at) VALUES ('/old', 'GET', now() - interval '10 days');
    INSERT INTO api_access_logs (endpoint, method) VALUES ('/fresh', 'GET') RETURNING id INTO keep_l;
    INSERT INTO audit_log (table_name, record_id, action, new_values, occurred_at)
    VALUES ('tasks', 'old', 'INSERT', '{}', now() - interval '100 days');
    INSERT INTO audit_log (table_name, record_id, action, new_values) VALUES ('tasks', 'fresh', 'INSERT', '{}')
    RETURNING id INTO keep_a;

    FOR r IN SELECT * FROM cleanup_old_data() LOOP
        CASE r.table_name
            WHEN 'system_metrics' THEN
                ASSERT 'system_metrics_p200001' = ANY (r.dropped_partitions), 'old partition dropped: ' || r.dropped_partitions::text;
                ASSERT r.deleted_rows >= 1, 'old metric deleted';
            WHEN 'api_access_logs' THEN
                ASSERT r.deleted_rows >= 1 AND r.dropped_partitions = '{}', 'old log deleted';
            WHEN 'audit_log' THEN
                ASSERT r.deleted_rows >= 1, 'old audit row deleted';
        END CASE;
    END LOOP;
    ASSERT to_regclass('system_metrics_p200001') IS NULL, 'partition gone';
    ASSERT NOT EXISTS (SELECT 1 FROM system_metrics WHERE recorded_at < now() - interval '30 days'), 'metrics trimmed';
    ASSERT NOT EXISTS (SELECT 1 FROM api_access_logs WHERE occurred_at < now() - interval '7 days'), 'logs trimmed';
    ASSERT NOT EXISTS (SELECT 1 FROM audit_log WHERE occurred_at < now() - interval '90 days'), 'audit trimmed';
    ASSERT EXISTS (SELECT 1 FROM system_metrics WHERE id = keep_m), 'fresh metric kept';
    ASSERT EXISTS (SELECT 1 FROM api_access_logs WHERE id = keep_l), 'fresh log kept';
    ASSERT EXISTS (SELECT 1 FROM audit_log WHERE id = keep_a), 'fresh audit kept';
    -- current partitions are never dropped
    ASSERT to_regclass('system_metrics_p' || to_char(now() AT TIME ZONE 'UTC', 'YYYYMM')) IS NOT NULL, 'current kept';

    ASSERT (SELECT array_agg(c.table_name) FROM cleanup_old_data(NULL, 30, NULL) c) = ARRAY['system_metrics'],
        'NULL skips a table';
    PERFORM pg_temp.expect_error($q$SELECT * FROM cleanup_old_data(0)$q$, '22023');
    PERFORM pg_temp.expect_error($q$SELECT drop_monthly_partitions_before('tasks', now())$q$, '22023');
END
$$;
