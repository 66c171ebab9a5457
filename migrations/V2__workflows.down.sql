-- V2__workflows.down.sql -- reverts V2__workflows.sql.
DROP TABLE workflow_status_transitions;
DROP TABLE workflows;
