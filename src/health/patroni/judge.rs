//! From what Patroni reported to a state: a leader must be running (CRITICAL otherwise); a
//! replica that is not streaming, too few streaming replicas (`patroni_replicas`), lag
//! (`patroni_lag`), a paused cluster, synchronous mode off (or on without a synchronous
//! standby) and a timeline that changed since the last recorded run are WARNINGs (lag may be
//! CRITICAL), each with its reason and a hint.

use serde_json::json;

use super::{Facts, Member};
use crate::health::{ProbeResult, State, Unit};
use crate::settings::thresholds::Thresholds;

/// The leader's timeline the last `health --record` run stored, and how long ago.
#[derive(Debug, Clone, Copy)]
pub struct Previous {
    pub timeline: f64,
    pub secs_ago: f64,
}

/// One finding: its state, reason and hint.
struct Finding {
    state: State,
    reason: String,
    hint: Option<&'static str>,
}

/// Whether a replica streams WAL from the leader: running, and in the leader's replication
/// list (or, when that list could not be read, with a known lag).
fn streams(f: &Facts, m: &Member) -> bool {
    matches!(m.state.as_str(), "running" | "streaming")
        && match &f.streaming {
            Some(names) => names.contains(&m.name),
            None => m.lag_bytes().is_some(),
        }
}

/// The probe's result from `f`, judged by `t`, with the timeline compared to `previous`.
pub fn judge(f: &Facts, t: &Thresholds, previous: Option<Previous>) -> ProbeResult {
    let mut r = ProbeResult::new("patroni", Unit::Bytes);
    let mut found = Vec::new();
    let leader = f.leader();
    let replicas: Vec<&Member> = f.members.iter().filter(|m| !m.is_leader()).collect();
    let streaming: Vec<&Member> = replicas.iter().copied().filter(|m| streams(f, m)).collect();
    leader_findings(f, leader, &mut found);
    for m in replicas.iter().filter(|m| !streams(f, m)) {
        let reason = if matches!(m.state.as_str(), "running" | "streaming") {
            format!(
                "replica {} is {} but not streaming from the leader",
                m.name, m.state
            )
        } else {
            format!("replica {} is {}", m.name, m.state)
        };
        found.push(Finding {
            state: State::Warning,
            reason,
            hint: Some("start it or read its Patroni log: each missing replica is one failover candidate fewer"),
        });
    }
    let n = streaming.len() as f64;
    let breach = State::from(t.breach("patroni_replicas", n));
    if breach > State::Ok {
        found.push(Finding {
            state: breach,
            reason: format!("{n} replica(s) streaming"),
            hint: Some("without a streaming replica Patroni has nothing to promote"),
        });
    }
    let max_lag = streaming
        .iter()
        .filter_map(|m| m.lag_bytes())
        .reduce(f64::max);
    if let Some(lag) = max_lag {
        let (warn, crit) = t.get("patroni_lag");
        (r.warn, r.crit) = (warn, crit);
        let breach = State::from(t.breach("patroni_lag", lag));
        if breach > State::Ok {
            found.push(Finding {
                state: breach,
                reason: format!("a replica is {} behind the leader", Unit::Bytes.show(lag)),
                hint: Some("a replica further behind than maximum_lag_on_failover is not promoted"),
            });
        }
    }
    r.value = max_lag.or(leader.map(|_| 0.0));
    mode_findings(f, &mut found);
    timeline_finding(leader, previous, &mut found);
    finish(&mut r, f, leader, &streaming, replicas.len(), found);
    r
}

fn leader_findings(f: &Facts, leader: Option<&Member>, found: &mut Vec<Finding>) {
    match leader {
        None => found.push(Finding {
            state: State::Critical,
            reason: format!(
                "no leader: no member may accept writes ({})",
                f.members
                    .iter()
                    .map(|m| format!("{} {} {}", m.name, m.role, m.state))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            hint: Some("a failover takes about the ttl (patronictl list; patronictl history)"),
        }),
        Some(l) if !matches!(l.state.as_str(), "running" | "streaming") => found.push(Finding {
            state: State::Critical,
            reason: format!("the leader {} is {}", l.name, l.state),
            hint: Some("read the leader's Patroni and PostgreSQL logs"),
        }),
        Some(_) => {}
    }
}

fn mode_findings(f: &Facts, found: &mut Vec<Finding>) {
    if f.paused {
        found.push(Finding {
            state: State::Warning,
            reason: "cluster management is paused: no automatic failover".into(),
            hint: Some("patronictl resume --wait"),
        });
    }
    if !f.synchronous_mode {
        found.push(Finding {
            state: State::Warning,
            reason: "synchronous_mode is off: a failover can lose commits the old leader acknowledged (a claim, a completion)".into(),
            hint: Some("patronictl edit-config -s synchronous_mode=true --force"),
        });
    } else if !f.members.iter().any(|m| m.role == "sync_standby") {
        found.push(Finding {
            state: State::Warning,
            reason: "synchronous_mode is on but no replica is a synchronous standby: the leader commits alone, and a failover can lose commits".into(),
            hint: Some("start a replica; Patroni makes it the synchronous standby"),
        });
    }
}

fn timeline_finding(leader: Option<&Member>, previous: Option<Previous>, found: &mut Vec<Finding>) {
    let (Some(now), Some(before)) = (leader.and_then(|l| l.timeline), previous) else {
        return;
    };
    if now as f64 != before.timeline {
        found.push(Finding {
            state: State::Warning,
            reason: format!(
                "the timeline changed from {} to {now} since the last recorded run ({} ago): a failover or switchover happened",
                before.timeline,
                Unit::Seconds.show(before.secs_ago)
            ),
            hint: Some("patronictl history says when; clients reconnect by themselves; the next --record run clears this"),
        });
    }
}

/// State, message, hint, details and samples from the findings.
fn finish(
    r: &mut ProbeResult,
    f: &Facts,
    leader: Option<&Member>,
    streaming: &[&Member],
    replicas: usize,
    found: Vec<Finding>,
) {
    let summary = format!(
        "leader {}, {} of {replicas} replica(s) streaming{}, synchronous mode {}{}",
        leader.map_or("none".to_string(), |l| match l.timeline {
            Some(tl) => format!("{} (timeline {tl})", l.name),
            None => l.name.clone(),
        }),
        streaming.len(),
        r.value
            .filter(|_| !streaming.is_empty())
            .map(|v| format!(", max lag {}", Unit::Bytes.show(v)))
            .unwrap_or_default(),
        if f.synchronous_mode { "on" } else { "off" },
        if f.paused { ", paused" } else { "" }
    );
    let mut hints: Vec<&str> = Vec::new();
    for x in &found {
        r.raise(x.state);
        if let Some(h) = x.hint.filter(|h| !hints.contains(h)) {
            hints.push(h);
        }
    }
    r.message = if found.is_empty() {
        summary
    } else {
        let reasons: Vec<&str> = found.iter().map(|x| x.reason.as_str()).collect();
        format!("{} ({summary})", reasons.join("; "))
    };
    r.hint = (!hints.is_empty()).then(|| hints.join("; "));
    r.details = json!({
        "url": f.url,
        "scope": f.scope,
        "leader": leader.map(|l| l.name.clone()),
        "timeline": leader.and_then(|l| l.timeline),
        "paused": f.paused,
        "synchronous_mode": f.synchronous_mode,
        "members": f.members.iter().map(|m| json!({
            "name": m.name, "role": m.role, "state": m.state, "timeline": m.timeline,
            "lag_bytes": m.lag_bytes(), "streaming": !m.is_leader() && streams(f, m),
        })).collect::<Vec<_>>(),
    });
    samples(r, f, leader, streaming);
}

fn samples(r: &mut ProbeResult, f: &Facts, leader: Option<&Member>, streaming: &[&Member]) {
    let scope = vec![("scope", f.scope.clone().unwrap_or_default())];
    let flag = |b: bool| if b { 1.0 } else { 0.0 };
    r.sample(
        "patroni_leader",
        "1 when the Patroni cluster has a running leader",
        Unit::Count,
        scope.clone(),
        flag(leader.is_some_and(|l| matches!(l.state.as_str(), "running" | "streaming"))),
    );
    r.sample(
        "patroni_paused",
        "1 when Patroni's cluster management is paused (no automatic failover)",
        Unit::Count,
        scope.clone(),
        flag(f.paused),
    );
    r.sample(
        "patroni_synchronous_mode",
        "1 when Patroni's synchronous_mode is on",
        Unit::Count,
        scope.clone(),
        flag(f.synchronous_mode),
    );
    r.sample(
        "patroni_replicas_streaming",
        "Replicas streaming WAL from the leader",
        Unit::Count,
        scope.clone(),
        streaming.len() as f64,
    );
    if let Some(tl) = leader.and_then(|l| l.timeline) {
        r.sample(
            "patroni_timeline",
            "The leader's timeline (it grows with each failover or switchover)",
            Unit::Count,
            scope.clone(),
            tl as f64,
        );
    }
    for m in streaming {
        if let Some(lag) = m.lag_bytes() {
            let mut labels = scope.clone();
            labels.push(("member", m.name.clone()));
            r.sample(
                "patroni_replica_lag_bytes",
                "Bytes of WAL a replica is behind the leader",
                Unit::Bytes,
                labels,
                lag,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, role: &str, state: &str, lag: serde_json::Value) -> Member {
        Member {
            name: name.into(),
            role: role.into(),
            state: state.into(),
            api_url: None,
            timeline: Some(2),
            lag: Some(lag),
        }
    }

    fn healthy() -> Facts {
        Facts {
            url: "http://a:8008".into(),
            scope: Some("s".into()),
            members: vec![
                member("pg0", "leader", "running", serde_json::Value::Null),
                member("pg1", "sync_standby", "running", json!(0)),
                member("pg2", "replica", "running", json!(2048)),
            ],
            paused: false,
            synchronous_mode: true,
            streaming: Some(vec!["pg1".into(), "pg2".into()]),
        }
    }

    fn t() -> Thresholds {
        Thresholds::defaults()
    }

    #[test]
    fn a_healthy_cluster_is_ok_with_its_summary_and_samples() {
        let r = judge(&healthy(), &t(), None);
        assert_eq!(r.state, State::Ok, "{}", r.message);
        assert_eq!(r.value, Some(2048.0));
        assert!(
            r.message
                .starts_with("leader pg0 (timeline 2), 2 of 2 replica(s) streaming"),
            "{}",
            r.message
        );
        assert!(r.hint.is_none());
        let names: Vec<&str> = r.samples.iter().map(|s| s.name).collect();
        assert!(
            names.contains(&"patroni_timeline") && names.contains(&"patroni_replica_lag_bytes")
        );
    }

    #[test]
    fn no_leader_is_critical() {
        let mut f = healthy();
        f.members.remove(0);
        let r = judge(&f, &t(), None);
        assert_eq!(r.state, State::Critical);
        assert!(r.message.starts_with("no leader"), "{}", r.message);
    }

    #[test]
    fn each_degradation_is_a_warning_with_its_reason_and_hint() {
        type Change = Box<dyn Fn(&mut Facts)>;
        let cases: Vec<(&str, Change, &str, &str)> = vec![
            (
                "paused",
                Box::new(|f| f.paused = true),
                "paused",
                "patronictl resume",
            ),
            (
                "async",
                Box::new(|f| {
                    f.synchronous_mode = false;
                    f.members[1].role = "replica".into();
                }),
                "synchronous_mode is off",
                "synchronous_mode=true",
            ),
            (
                "no sync standby",
                Box::new(|f| f.members[1].role = "replica".into()),
                "no replica is a synchronous standby",
                "start a replica",
            ),
            (
                "stopped",
                Box::new(|f| {
                    f.members[2].state = "stopped".into();
                    f.members[2].lag = Some(json!("unknown"));
                }),
                "replica pg2 is stopped",
                "failover candidate",
            ),
            (
                "not streaming",
                Box::new(|f| f.streaming = Some(vec!["pg1".into()])),
                "pg2 is running but not streaming",
                "Patroni log",
            ),
            (
                "lag",
                Box::new(|f| f.members[2].lag = Some(json!(8 * 1024 * 1024))),
                "behind the leader",
                "maximum_lag_on_failover",
            ),
        ];
        for (what, change, reason, hint) in cases {
            let mut f = healthy();
            change(&mut f);
            let r = judge(&f, &t(), None);
            assert_eq!(r.state, State::Warning, "{what}: {}", r.message);
            assert!(r.message.contains(reason), "{what}: {}", r.message);
            assert!(
                r.hint.as_deref().unwrap_or("").contains(hint),
                "{what}: {:?}",
                r.hint
            );
        }
    }

    #[test]
    fn a_timeline_change_since_the_last_recorded_run_warns() {
        let same = Previous {
            timeline: 2.0,
            secs_ago: 60.0,
        };
        assert_eq!(judge(&healthy(), &t(), Some(same)).state, State::Ok);
        let before = Previous {
            timeline: 1.0,
            secs_ago: 60.0,
        };
        let r = judge(&healthy(), &t(), Some(before));
        assert_eq!(r.state, State::Warning);
        assert!(
            r.message.contains("timeline changed from 1 to 2"),
            "{}",
            r.message
        );
    }

    #[test]
    fn too_few_streaming_replicas_follow_the_threshold() {
        let mut f = healthy();
        f.streaming = Some(Vec::new());
        let r = judge(&f, &t(), None);
        assert!(
            r.message.contains("0 replica(s) streaming"),
            "{}",
            r.message
        );
        assert_eq!(r.state, State::Warning);
    }
}
