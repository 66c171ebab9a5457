-- tests/sql/lib/setup.sql -- loaded before every tests/sql/*.sql file, in the same psql session:
--   psql -X -v ON_ERROR_STOP=1 -f tests/sql/lib/setup.sql -f tests/sql/<area>.sql
-- Turns assertions on and defines pg_temp.expect_error(sql, sqlstate, message LIKE pattern).

SET plpgsql.check_asserts = on;
SET client_min_messages = warning;

CREATE FUNCTION pg_temp.expect_error(p_sql text, p_sqlstate text, p_like text DEFAULT NULL)
    RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    v_state text;
    v_msg   text;
BEGIN
    BEGIN
        EXECUTE p_sql;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS v_state = RETURNED_SQLSTATE, v_msg = MESSAGE_TEXT;
        IF v_state IS DISTINCT FROM p_sqlstate THEN
            RAISE EXCEPTION 'expected SQLSTATE % but got % (%) from: %', p_sqlstate, v_state, v_msg, p_sql;
        END IF;
        IF p_like IS NOT NULL AND v_msg NOT LIKE p_like THEN
            RAISE EXCEPTION 'SQLSTATE % as expected, but message "%" does not match "%"', v_state, v_msg, p_like;
        END IF;
        RETURN;
    END;
    RAISE EXCEPTION 'expected SQLSTATE % but statement succeeded: %', p_sqlstate, p_sql;
END
$$;
