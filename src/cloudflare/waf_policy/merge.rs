//! The merge of taskdb's rules into a phase's current rule list: foreign rules stay as they are
//! and where they are; taskdb's are updated in place, created at the end, or deleted.

use serde_json::Value;

use super::OWNED_PREFIX;
use crate::cloudflare::plan::{self, Action, PlanItem};

/// True for a rule taskdb owns.
pub fn is_owned(rule: &Value) -> bool {
    let starts = |k: &str| {
        rule.get(k)
            .and_then(Value::as_str)
            .is_some_and(|s| s.starts_with(OWNED_PREFIX))
    };
    starts("ref") || starts("description")
}

fn rule_ref(rule: &Value) -> Option<&str> {
    rule.get("ref").and_then(Value::as_str)
}

/// The outcome of merging taskdb's rules into a phase's current rule list.
#[derive(Debug)]
pub struct Merge {
    /// The full list to PUT (foreign rules unchanged and in place).
    pub rules: Vec<Value>,
    pub items: Vec<PlanItem>,
    pub changed: bool,
}

/// Fields the API adds to rules that must not be sent back.
const READ_ONLY: &[&str] = &["version", "last_updated", "categories"];

fn strip_read_only(rule: &Value) -> Value {
    let mut r = rule.clone();
    if let Some(obj) = r.as_object_mut() {
        for k in READ_ONLY {
            obj.remove(*k);
        }
    }
    r
}

/// Merge `desired` (taskdb's rules) into `current` (the phase's whole list): foreign rules are
/// kept as they are and where they are; taskdb's are updated in place (keeping their id),
/// created at the end, or deleted.
pub fn merge(phase: &str, current: &[Value], desired: &[Value]) -> Merge {
    let resource = format!("rule ({phase})");
    let mut items = Vec::new();
    for want in desired {
        let name = rule_ref(want).unwrap_or("?").to_string();
        let existing = current
            .iter()
            .find(|r| is_owned(r) && rule_ref(r) == rule_ref(want));
        match existing {
            Some(cur) => {
                let changes = plan::diff("", cur, want);
                let action = if changes.is_empty() {
                    Action::Unchanged
                } else {
                    Action::Update
                };
                items.push(PlanItem::new(&resource, name, action, changes));
            }
            None => {
                let summary = vec![
                    format!("action: {}", plan::show(&want["action"])),
                    format!("expression: {}", plan::show(&want["expression"])),
                ];
                items.push(PlanItem::new(&resource, name, Action::Create, summary));
            }
        }
    }
    for cur in current.iter().filter(|r| is_owned(r)) {
        let gone = !desired.iter().any(|w| rule_ref(w) == rule_ref(cur));
        if gone {
            let name = rule_ref(cur)
                .or_else(|| cur.get("description").and_then(Value::as_str))
                .unwrap_or("?");
            items.push(PlanItem::new(&resource, name, Action::Delete, vec![]));
        }
    }

    // The list to send: every rule where it was (foreign ones untouched, taskdb's replaced by
    // their new version keeping their id), then taskdb's new rules at the end.
    let mut rules = Vec::new();
    let mut placed = vec![false; desired.len()];
    for cur in current {
        if !is_owned(cur) {
            rules.push(strip_read_only(cur));
            continue;
        }
        let wanted = desired
            .iter()
            .position(|w| rule_ref(w) == rule_ref(cur))
            .filter(|&i| !placed[i]);
        if let Some(i) = wanted {
            placed[i] = true;
            let mut send = desired[i].clone();
            if let (Some(id), Some(obj)) = (cur.get("id"), send.as_object_mut()) {
                obj.insert("id".into(), id.clone());
            }
            rules.push(send);
        }
    }
    for (i, want) in desired.iter().enumerate() {
        if !placed[i] {
            rules.push(want.clone());
        }
    }
    let changed = items.iter().any(PlanItem::is_write);
    Merge {
        rules,
        items,
        changed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudflare::rulesets::PHASE_CUSTOM;
    use crate::cloudflare::waf_policy::parse;
    use serde_json::json;

    #[test]
    fn merge_keeps_foreign_rules_and_ids() {
        let p = parse("hostnames = [\"db.example.com\"]\n[rules]\nblocked_ips = [\"192.0.2.1\"]\n")
            .unwrap();
        let desired = p.rules_for(PHASE_CUSTOM);
        let foreign = json!({"id": "f1", "ref": "theirs", "description": "office", "expression": "true",
                             "action": "log", "version": "3", "last_updated": "x"});
        let m = merge(PHASE_CUSTOM, std::slice::from_ref(&foreign), &desired);
        assert!(m.changed);
        assert_eq!(m.rules.len(), 2);
        assert_eq!(m.rules[0]["id"], "f1");
        assert!(m.rules[0].get("version").is_none());
        // Deployed as desired (plus API fields): unchanged, no write.
        let mut deployed = desired[0].clone();
        deployed["id"] = json!("mine");
        deployed["version"] = json!("1");
        let m = merge(PHASE_CUSTOM, &[foreign.clone(), deployed.clone()], &desired);
        assert!(!m.changed, "{:?}", m.items);
        // An update keeps every rule's position (a foreign rule after ours stays after it).
        let mut old = deployed.clone();
        old["expression"] = json!("(ip.src in {192.0.2.2})");
        let later = json!({"id": "f2", "ref": "later", "expression": "true", "action": "log"});
        let m = merge(
            PHASE_CUSTOM,
            &[foreign.clone(), old, later.clone()],
            &desired,
        );
        assert!(m.changed);
        let ids: Vec<&str> = m.rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(ids, vec!["f1", "mine", "f2"]);
        assert_eq!(m.rules[1]["expression"], desired[0]["expression"]);
        // A rule taskdb no longer wants is deleted; the foreign one stays.
        let m = merge(PHASE_CUSTOM, &[foreign, deployed], &[]);
        assert!(m.changed);
        assert_eq!(m.rules.len(), 1);
        assert_eq!(m.items[0].action, Action::Delete);
    }
}
