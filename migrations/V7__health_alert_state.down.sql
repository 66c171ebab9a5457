-- V7__health_alert_state.down.sql -- reverts V7__health_alert_state.sql.
DROP TABLE health_alert_state;
