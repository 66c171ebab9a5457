//! One module per noun. Each owns its clap `Args` and a `run` function; `cli` dispatches to them.

pub mod backup;
pub mod bench;
pub mod config;
pub mod health;
pub mod local;
pub mod maintain;
pub mod mcp;
pub mod metrics;
pub mod migrate;
pub mod role;
pub mod task;
pub mod tunnel;
pub mod waf;
pub mod worker;
pub mod workflow;
