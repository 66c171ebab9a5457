//! What `taskdb tunnel deploy` leaves on this host: the tunnel's name (by default `taskdb`),
//! the account, zone and ids it used, the connector token, the Access service token's
//! credentials — under `$XDG_STATE_HOME/taskdb/`, each secret in its own 0600 file. `tunnel
//! status/token/delete` and the `health` tunnel probe read it so they need no flags; the API
//! stays the truth.

use std::path::PathBuf;

use anyhow::Result;
use serde::{Deserialize, Serialize};

use crate::platform::{state_home, write_private_file, ProcessEnv};

/// The tunnel `taskdb tunnel deploy` creates unless told otherwise.
pub const DEFAULT_TUNNEL_NAME: &str = "taskdb";

/// What deploy remembers locally so status/token/delete need no flags. Always re-checked
/// against the API.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct LocalState {
    pub name: String,
    pub hostname: Option<String>,
    pub account_id: Option<String>,
    pub zone_id: Option<String>,
    pub tunnel_id: Option<String>,
    /// The Access service token deploy created (a pre-existing one is never deleted).
    pub service_token: Option<String>,
}

fn taskdb_state_dir() -> PathBuf {
    state_home(&ProcessEnv).join("taskdb")
}

pub fn state_path(name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("tunnel-{name}.json"))
}

pub fn default_token_path(name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("tunnel-{name}.token"))
}

pub fn default_service_token_path(token_name: &str) -> PathBuf {
    taskdb_state_dir().join(format!("access-service-token-{token_name}.json"))
}

pub fn read_state(name: &str) -> Option<LocalState> {
    let text =
        crate::limits::read_to_string(state_path(name), crate::limits::SMALL_FILE, "state files")
            .ok()?;
    serde_json::from_str(&text).ok()
}

/// The account `tunnel deploy` recorded for tunnel `name` on this host (for `health`).
pub fn deployed_account(name: &str) -> Option<String> {
    read_state(name).and_then(|s| s.account_id)
}

pub fn write_state(state: &LocalState) -> Result<()> {
    let text = serde_json::to_vec_pretty(state)?;
    write_private_file(&state_path(&state.name), &text)
}
