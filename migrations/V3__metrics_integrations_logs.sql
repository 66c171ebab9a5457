-- V3__metrics_integrations_logs.sql -- metrics, external integrations and API access logs.
--
-- Creates
--   function ensure_monthly_partitions(p_table regclass, p_months_ahead integer DEFAULT 2)
--            RETURNS SETOF text  -- names of the partitions it created (nothing when up to date)
--       For a table RANGE-partitioned on one timestamptz column: creates the DEFAULT partition
--       <table>_default if the table has none, then <table>_pYYYYMM for the current UTC month and
--       the next p_months_ahead months (bounds are UTC month starts). Rows that had landed in the
--       default partition for such a month are moved into the new partition. Idempotent;
--       concurrent callers are serialised by a transaction advisory lock. `taskdb maintain`
--       calls it for system_metrics and api_access_logs; this migration calls it once (2 ahead).
--       Bad arguments: SQLSTATE 22023.
--   function drop_monthly_partitions_before(p_table regclass, p_cutoff timestamptz)
--            RETURNS SETOF text  -- names of the partitions it dropped
--       Drops the <table>_pYYYYMM partitions whose whole month lies before p_cutoff (never one
--       that holds a row at or after the cutoff). Used by cleanup_old_data (V5). Bad arguments: 22023.
--   table system_metrics   PARTITION BY RANGE (recorded_at)
--       id bigint identity, metric_name text (not blank), metric_value double precision (finite),
--       metric_type text default 'gauge' (gauge | counter | histogram | timer),
--       metric_unit text null (bytes | seconds | milliseconds | count | percent |
--       requests_per_second | errors_per_minute), component text, source_system text,
--       tags jsonb object, metric_metadata jsonb object, recorded_at timestamptz default now().
--       PK (id, recorded_at).
--   table external_integrations
--       id uuid PK, integration_type text (codegen | github | linear | claude | webhook | slack |
--       email), integration_name text UNIQUE (functions look integrations up by name),
--       configuration jsonb object (never put secrets here), status text default 'active'
--       (active | inactive | error | maintenance), health_check_url text, health_status text
--       default 'unknown' (healthy | unhealthy | unknown | timeout), last_health_check timestamptz,
--       rate_limit_per_minute int default 60 (1..10000), current_usage int >= 0 (calls in the
--       current window; may exceed the limit: logging a call never fails because of the limit),
--       usage_reset_at timestamptz (end of the current 1-minute window), last_used_at,
--       created_at, updated_at.
--   table api_access_logs  PARTITION BY RANGE (occurred_at)
--       id bigint identity, occurred_at timestamptz default now(),
--       integration_id uuid -> external_integrations ON DELETE SET NULL,
--       task_id uuid -> tasks ON DELETE SET NULL, endpoint text (not blank),
--       method text (GET | POST | PUT | DELETE | PATCH | HEAD | OPTIONS), request_headers jsonb,
--       request_body jsonb, response_status int null (100..599; NULL = no response),
--       response_headers jsonb, response_body jsonb, response_time_ms int >= 0,
--       correlation_id text, user_id text, error_message text (unbounded, deliberately not
--       indexed), retry_count int >= 0. PK (id, occurred_at).
--   partitions <table>_default and <table>_pYYYYMM (current month + 2) for both partitioned tables.

CREATE FUNCTION ensure_monthly_partitions(p_table regclass, p_months_ahead integer DEFAULT 2)
    RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_schema   text;
    v_name     text;
    v_key      text;
    v_defid    oid;
    v_default  regclass;
    v_cols     text;
    v_base     timestamp;
    v_part     text;
    v_lit_from text;
    v_lit_to   text;
    v_has_rows boolean;
BEGIN
    IF p_table IS NULL THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: table must not be NULL' USING ERRCODE = '22023';
    END IF;
    IF p_months_ahead IS NULL OR p_months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: months_ahead must be between 0 and 120, got %',
            coalesce(p_months_ahead::text, 'NULL') USING ERRCODE = '22023';
    END IF;

    SELECT n.nspname, c.relname, a.attname, pt.partdefid
      INTO v_schema, v_name, v_key, v_defid
      FROM pg_class c
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
     WHERE c.oid = p_table
       AND pt.partstrat = 'r'
       AND pt.partnatts = 1
       AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'ensure_monthly_partitions: % is not range-partitioned on a single timestamptz column',
            p_table USING ERRCODE = '22023';
    END IF;

    -- One maintainer at a time per table (taskdb maintain may run on several hosts).
    PERFORM pg_advisory_xact_lock(hashtextextended('taskdb.ensure_monthly_partitions:' || p_table::oid::text, 0));
    -- Re-read the default partition now that we hold the lock.
    SELECT pt.partdefid INTO v_defid FROM pg_partitioned_table pt WHERE pt.partrelid = p_table;

    IF v_defid = 0 THEN
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s DEFAULT', v_schema, v_name || '_default', p_table);
        RETURN NEXT v_name || '_default';
        SELECT pt.partdefid INTO v_defid FROM pg_partitioned_table pt WHERE pt.partrelid = p_table;
    END IF;
    v_default := v_defid::regclass;

    SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY a.attnum)
      INTO v_cols
      FROM pg_attribute a
     WHERE a.attrelid = p_table AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '';

    v_base := date_trunc('month', now() AT TIME ZONE 'UTC');
    FOR i IN 0 .. p_months_ahead LOOP
        v_part := v_name || '_p' || to_char(v_base + make_interval(months => i), 'YYYYMM');
        CONTINUE WHEN EXISTS (SELECT 1
                                FROM pg_inherits inh
                               WHERE inh.inhparent = p_table
                                 AND inh.inhrelid = to_regclass(format('%I.%I', v_schema, v_part)));
        v_lit_from := to_char(v_base + make_interval(months => i), 'YYYY-MM-DD HH24:MI:SS') || '+00';
        v_lit_to   := to_char(v_base + make_interval(months => i + 1), 'YYYY-MM-DD HH24:MI:SS') || '+00';

        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1 AND %I < $2)', v_default, v_key, v_key)
           INTO v_has_rows
          USING v_lit_from::timestamptz, v_lit_to::timestamptz;

        IF v_has_rows THEN
            -- Rows for this month sit in the default partition: creating the partition directly
            -- would fail, so take the default out, create the month, move its rows, put it back.
            EXECUTE format('ALTER TABLE %s DETACH PARTITION %s', p_table, v_default);
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           v_schema, v_part, p_table, v_lit_from, v_lit_to);
            EXECUTE format('INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE SELECT %s FROM %s WHERE %I >= $1 AND %I < $2',
                           p_table, v_cols, v_cols, v_default, v_key, v_key)
              USING v_lit_from::timestamptz, v_lit_to::timestamptz;
            EXECUTE format('DELETE FROM %s WHERE %I >= $1 AND %I < $2', v_default, v_key, v_key)
              USING v_lit_from::timestamptz, v_lit_to::timestamptz;
            EXECUTE format('ALTER TABLE %s ATTACH PARTITION %s DEFAULT', p_table, v_default);
        ELSE
            EXECUTE format('CREATE TABLE %I.%I PARTITION OF %s FOR VALUES FROM (%L) TO (%L)',
                           v_schema, v_part, p_table, v_lit_from, v_lit_to);
        END IF;
        RETURN NEXT v_part;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION ensure_monthly_partitions(regclass, integer) IS
    'Create the DEFAULT partition and monthly (UTC) partitions from this month to months_ahead; returns names created.';

CREATE FUNCTION drop_monthly_partitions_before(p_table regclass, p_cutoff timestamptz)
    RETURNS SETOF text
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    v_name      text;
    v_part      record;
    v_month_end timestamptz;
    v_newer     boolean;
    v_key       text;
BEGIN
    IF p_table IS NULL OR p_cutoff IS NULL THEN
        RAISE EXCEPTION 'drop_monthly_partitions_before: arguments must not be NULL' USING ERRCODE = '22023';
    END IF;
    SELECT c.relname, a.attname
      INTO v_name, v_key
      FROM pg_class c
      JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
      JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = pt.partattrs[0]
     WHERE c.oid = p_table AND pt.partstrat = 'r' AND pt.partnatts = 1
       AND a.atttypid = 'timestamptz'::regtype;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'drop_monthly_partitions_before: % is not range-partitioned on a single timestamptz column',
            p_table USING ERRCODE = '22023';
    END IF;

    PERFORM pg_advisory_xact_lock(hashtextextended('taskdb.ensure_monthly_partitions:' || p_table::oid::text, 0));

    FOR v_part IN
        SELECT c.oid::regclass AS rel, c.relname::text AS relname
          FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = p_table
           AND left(c.relname, length(v_name) + 2) = v_name || '_p'
           AND substr(c.relname, length(v_name) + 3) ~ '^[0-9]{6}$'
         ORDER BY c.relname
    LOOP
        v_month_end := (to_date(right(v_part.relname, 6), 'YYYYMM') + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        CONTINUE WHEN v_month_end > p_cutoff;
        -- Belt and braces: never drop a partition holding rows at or after the cutoff.
        EXECUTE format('SELECT EXISTS (SELECT 1 FROM %s WHERE %I >= $1)', v_part.rel, v_key)
           INTO v_newer USING p_cutoff;
        CONTINUE WHEN v_newer;
        EXECUTE format('DROP TABLE %s', v_part.rel);
        RETURN NEXT v_part.relname;
    END LOOP;
    RETURN;
END
$$;
COMMENT ON FUNCTION drop_monthly_partitions_before(regclass, timestamptz) IS
    'Drop <table>_pYYYYMM partitions whose month ends at or before the cutoff; returns names dropped.';

CREATE TABLE system_metrics (
    id              bigint           GENERATED ALWAYS AS IDENTITY,
    metric_name     text             NOT NULL,
    metric_value    double precision NOT NULL,
    metric_type     text             NOT NULL DEFAULT 'gauge',
    metric_unit     text,
    component       text,
    source_system   text,
    tags            jsonb            NOT NULL DEFAULT '{}',
    metric_metadata jsonb            NOT NULL DEFAULT '{}',
    recorded_at     timestamptz      NOT NULL DEFAULT now(),
    CONSTRAINT system_metrics_pkey PRIMARY KEY (id, recorded_at),
    CONSTRAINT system_metrics_name_valid CHECK (btrim(metric_name) <> '' AND char_length(metric_name) <= 200),
    CONSTRAINT system_metrics_value_finite CHECK (metric_value NOT IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8)),
    CONSTRAINT system_metrics_type_valid CHECK (metric_type IN ('gauge', 'counter', 'histogram', 'timer')),
    CONSTRAINT system_metrics_unit_valid CHECK (metric_unit IN
        ('bytes', 'seconds', 'milliseconds', 'count', 'percent', 'requests_per_second', 'errors_per_minute')),
    CONSTRAINT system_metrics_tags_is_object CHECK (jsonb_typeof(tags) = 'object'),
    CONSTRAINT system_metrics_metadata_is_object CHECK (jsonb_typeof(metric_metadata) = 'object')
) PARTITION BY RANGE (recorded_at);
COMMENT ON TABLE system_metrics IS 'Time series of system metrics; monthly partitions (UTC) plus a DEFAULT partition.';

CREATE INDEX system_metrics_name_recorded_idx ON system_metrics (metric_name, recorded_at);
CREATE INDEX system_metrics_recorded_brin ON system_metrics USING brin (recorded_at);

CREATE TABLE external_integrations (
    id                    uuid        NOT NULL DEFAULT gen_random_uuid(),
    integration_type      text        NOT NULL,
    integration_name      text        NOT NULL,
    configuration         jsonb       NOT NULL DEFAULT '{}',
    status                text        NOT NULL DEFAULT 'active',
    health_check_url      text,
    health_status         text        NOT NULL DEFAULT 'unknown',
    last_health_check     timestamptz,
    rate_limit_per_minute integer     NOT NULL DEFAULT 60,
    current_usage         integer     NOT NULL DEFAULT 0,
    usage_reset_at        timestamptz NOT NULL DEFAULT now() + interval '1 minute',
    last_used_at          timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT external_integrations_pkey PRIMARY KEY (id),
    CONSTRAINT external_integrations_name_key UNIQUE (integration_name),
    CONSTRAINT external_integrations_name_not_blank CHECK (btrim(integration_name) <> ''),
    CONSTRAINT external_integrations_type_valid CHECK (integration_type IN
        ('codegen', 'github', 'linear', 'claude', 'webhook', 'slack', 'email')),
    CONSTRAINT external_integrations_status_valid CHECK (status IN ('active', 'inactive', 'error', 'maintenance')),
    CONSTRAINT external_integrations_health_valid CHECK (health_status IN ('healthy', 'unhealthy', 'unknown', 'timeout')),
    CONSTRAINT external_integrations_configuration_is_object CHECK (jsonb_typeof(configuration) = 'object'),
    CONSTRAINT external_integrations_rate_limit_range CHECK (rate_limit_per_minute BETWEEN 1 AND 10000),
    CONSTRAINT external_integrations_usage_non_negative CHECK (current_usage >= 0)
);
COMMENT ON TABLE external_integrations IS 'External services (Codegen, GitHub, Linear, Claude, ...) with a fixed 1-minute rate window.';
COMMENT ON COLUMN external_integrations.current_usage IS 'Calls logged in the current window (may exceed the limit; logging never fails).';
COMMENT ON COLUMN external_integrations.usage_reset_at IS 'End of the current rate-limit window.';

CREATE TRIGGER external_integrations_set_updated_at BEFORE UPDATE ON external_integrations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at();

CREATE TABLE api_access_logs (
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    occurred_at      timestamptz NOT NULL DEFAULT now(),
    integration_id   uuid,
    task_id          uuid,
    endpoint         text        NOT NULL,
    method           text        NOT NULL,
    request_headers  jsonb,
    request_body     jsonb,
    response_status  integer,
    response_headers jsonb,
    response_body    jsonb,
    response_time_ms integer,
    correlation_id   text,
    user_id          text,
    error_message    text,
    retry_count      integer     NOT NULL DEFAULT 0,
    CONSTRAINT api_access_logs_pkey PRIMARY KEY (id, occurred_at),
    CONSTRAINT api_access_logs_integration_id_fkey FOREIGN KEY (integration_id)
        REFERENCES external_integrations (id) ON DELETE SET NULL,
    CONSTRAINT api_access_logs_task_id_fkey FOREIGN KEY (task_id)
        REFERENCES tasks (id) ON DELETE SET NULL,
    CONSTRAINT api_access_logs_endpoint_not_blank CHECK (btrim(endpoint) <> ''),
    CONSTRAINT api_access_logs_method_valid CHECK (method IN ('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS')),
    CONSTRAINT api_access_logs_status_range CHECK (response_status BETWEEN 100 AND 599),
    CONSTRAINT api_access_logs_response_time_non_negative CHECK (response_time_ms >= 0),
    CONSTRAINT api_access_logs_retry_count_non_negative CHECK (retry_count >= 0)
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE api_access_logs IS 'One row per external API call; monthly partitions (UTC) plus a DEFAULT partition.';

CREATE INDEX api_access_logs_integration_occurred_idx ON api_access_logs (integration_id, occurred_at);
CREATE INDEX api_access_logs_task_id_idx ON api_access_logs (task_id) WHERE task_id IS NOT NULL;
CREATE INDEX api_access_logs_occurred_brin ON api_access_logs USING brin (occurred_at);

DO $$
BEGIN
    PERFORM ensure_monthly_partitions('system_metrics'::regclass, 2);
    PERFORM ensure_monthly_partitions('api_access_logs'::regclass, 2);
END
$$;
