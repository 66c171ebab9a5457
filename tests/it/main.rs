//! The integration tests: the real binary against a real PostgreSQL (see support/pg.rs).

#![allow(clippy::unwrap_used)]

mod support;

mod backup;
mod backup_encrypted;
mod bench;
mod claim_plan;
mod cli;
mod cloudflare;
mod config;
mod connect;
mod failover;
mod generated;
mod graph_scale;
mod harness;
mod health;
mod health_ops;
mod health_patroni;
mod health_security;
mod hostile;
mod leases;
mod limits;
mod listen;
mod local;
mod maintain;
mod mcp;
mod metrics;
mod migrate;
mod pooling;
mod roles;
mod schema_sql;
mod signals;
mod standby;
mod startup;
mod taskmaster;
mod tasks;
mod worker;
mod workflows;
