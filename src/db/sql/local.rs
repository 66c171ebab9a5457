//! The settings every transaction of a connection runs with — who acts (`taskdb.actor`, read
//! by the audit trigger), `jit = off`, read-only (`taskdb mcp --read-only`) and what a command
//! adds (a health run's timeouts) — as `SET LOCAL` statements sent with the transaction's
//! `BEGIN`, never once per session: behind a transaction pooler (PgBouncer
//! `pool_mode=transaction`) a session setting stays on whichever server connection it was run
//! on, for the next client, and is missing from the next transaction of this one.

use postgres_protocol::escape::escape_literal;

#[derive(Debug, Clone)]
pub struct Local {
    /// `SET LOCAL …; SET LOCAL …` (no trailing semicolon).
    sets: String,
    /// `BEGIN; ` and [`Local::sets`]: how a transaction starts.
    begin: String,
    /// The settings as `set_config(…, false)` calls, for a session held as a whole.
    session: String,
    settings: Vec<(String, String)>,
}

impl Local {
    /// The settings of every connection: `actor` and JIT off. JIT off because taskdb's
    /// statements are meant to take milliseconds, and on tables without statistics (right
    /// after a bulk load) the planner's guesses cross jit_above_cost, so that `task show`
    /// spent 40 ms compiling what runs in 0.2 ms.
    pub fn new(actor: &str) -> Local {
        let mut local = Local {
            sets: String::new(),
            begin: String::new(),
            session: String::new(),
            settings: vec![
                ("jit".to_string(), "off".to_string()),
                ("taskdb.actor".to_string(), actor.to_string()),
            ],
        };
        local.render();
        local
    }

    /// No settings at all (statements then need nothing around them).
    pub fn none() -> Local {
        let mut local = Local {
            sets: String::new(),
            begin: String::new(),
            session: String::new(),
            settings: Vec::new(),
        };
        local.render();
        local
    }

    pub fn is_empty(&self) -> bool {
        self.settings.is_empty()
    }

    /// Set (or replace) one setting for every later transaction.
    pub fn set(&mut self, name: &str, value: &str) {
        match self.settings.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = value.to_string(),
            None => self.settings.push((name.to_string(), value.to_string())),
        }
        self.render();
    }

    fn render(&mut self) {
        // Names are taskdb's own constants, never input; values are quoted.
        self.sets = self
            .settings
            .iter()
            .map(|(name, value)| format!("SET LOCAL {name} = {}", escape_literal(value).trim()))
            .collect::<Vec<_>>()
            .join("; ");
        self.begin = if self.sets.is_empty() {
            "BEGIN".to_string()
        } else {
            format!("BEGIN; {}", self.sets)
        };
        self.session = format!(
            "SELECT {}",
            self.settings
                .iter()
                .map(|(name, value)| {
                    // A session's lasting read-only mode is its default for each transaction.
                    let name = match name.as_str() {
                        "transaction_read_only" => "default_transaction_read_only",
                        other => other,
                    };
                    format!(
                        "set_config({}, {}, false)",
                        escape_literal(name).trim(),
                        escape_literal(value).trim()
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        );
    }

    /// What starts a transaction: `BEGIN` and the settings, one simple-protocol message.
    pub fn begin(&self) -> &str {
        &self.begin
    }

    /// `script` after the settings, one simple-protocol message: its statements and the
    /// settings share the message's implicit transaction.
    pub fn around_script(&self, script: &str) -> String {
        if self.sets.is_empty() {
            script.to_string()
        } else {
            format!("{}; {script}", self.sets)
        }
    }

    /// The settings for the whole session (`set_config(…, false)`), for a session held as such.
    pub fn for_session(&self) -> &str {
        &self.session
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_set_locally_with_quoted_values() {
        let mut l = Local::new("ann's \\ bot");
        assert_eq!(
            l.begin(),
            "BEGIN; SET LOCAL jit = 'off'; SET LOCAL taskdb.actor = E'ann''s \\\\ bot'"
        );
        l.set("statement_timeout", "5000ms");
        l.set("taskdb.actor", "bob");
        assert_eq!(
            l.around_script("SELECT 1"),
            "SET LOCAL jit = 'off'; SET LOCAL taskdb.actor = 'bob'; \
             SET LOCAL statement_timeout = '5000ms'; SELECT 1"
        );
        assert_eq!(
            l.for_session(),
            "SELECT set_config('jit', 'off', false), set_config('taskdb.actor', 'bob', false), \
             set_config('statement_timeout', '5000ms', false)"
        );
    }

    #[test]
    fn without_settings_statements_go_as_they_are() {
        let l = Local::none();
        assert!(l.is_empty());
        assert_eq!(l.begin(), "BEGIN");
        assert_eq!(l.around_script("SELECT 1"), "SELECT 1");
    }
}
