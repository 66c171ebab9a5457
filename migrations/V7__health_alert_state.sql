-- V7__health_alert_state.sql -- what `taskdb health` last announced, so that a cron job running
-- every minute alerts on state changes only, at most once per cooldown for the same state.
--
-- Creates
--   table health_alert_state
--       channel text PK     -- 'webhook:<first 16 hex of sha256(url)>' (the URL itself may hold a token)
--       last_state text      -- OK | WARNING | CRITICAL | UNKNOWN: the state last announced
--                               (or deliberately not announced because of the cooldown)
--       sent jsonb object    -- state -> RFC 3339 time an alert for that state was last sent
--       updated_at timestamptz
--   `taskdb health` locks the channel's row (SELECT … FOR UPDATE) while it decides and sends,
--   so two overlapping runs cannot both alert.

CREATE TABLE health_alert_state (
    channel    text        NOT NULL,
    last_state text        NOT NULL DEFAULT 'OK',
    sent       jsonb       NOT NULL DEFAULT '{}',
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT health_alert_state_pkey PRIMARY KEY (channel),
    CONSTRAINT health_alert_state_channel_not_blank CHECK (btrim(channel) <> ''),
    CONSTRAINT health_alert_state_last_state_valid CHECK (last_state IN ('OK', 'WARNING', 'CRITICAL', 'UNKNOWN')),
    CONSTRAINT health_alert_state_sent_is_object CHECK (jsonb_typeof(sent) = 'object')
);
COMMENT ON TABLE health_alert_state IS
    'Alert cooldown state of taskdb health: last announced state and when each state was last sent, per webhook.';
