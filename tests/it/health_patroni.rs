//! `health`'s `patroni` probe: against the Patroni test cluster (healthy, paused, a replica
//! stopped, synchronous mode off), and without one (not configured, nothing answering, a bad
//! URL).

use crate::support::patroni::{probe_result as patroni, Patroni};
use crate::support::pg::free_port;
use crate::support::{Ran, Sandbox, TestPg};

#[track_caller]
fn warns(ran: &Ran, reason: &str, hint: &str) {
    ran.expect_exit(1);
    let p = patroni(ran);
    assert_eq!(p["state"], "WARNING", "{ran}");
    assert!(p["message"].as_str().unwrap().contains(reason), "{ran}");
    assert!(p["hint"].as_str().unwrap_or("").contains(hint), "{ran}");
}

#[test]
fn the_patroni_probe_on_a_healthy_a_paused_a_degraded_and_an_asynchronous_cluster() {
    let cluster = Patroni::get();
    let _one_at_a_time = cluster.exclusive();
    let sb = Sandbox::new();
    let probe = || {
        sb.taskdb(&["--format", "json", "health", "--check", "patroni"])
            .args(["--patroni-url", &cluster.api_urls()])
            .url(cluster.url("postgres"))
            .run()
    };

    let ran = probe();
    ran.expect_exit(0);
    let p = patroni(&ran);
    assert_eq!(p["state"], "OK", "{ran}");
    let leader = cluster.leader().unwrap();
    assert_eq!(p["details"]["leader"], cluster.nodes[leader].name.as_str());
    assert_eq!(p["details"]["synchronous_mode"], true);
    let members = p["details"]["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    let streaming = members.iter().filter(|m| m["streaming"] == true).count();
    assert_eq!(streaming, 2, "{ran}");
    assert!(
        p["message"]
            .as_str()
            .unwrap()
            .contains("2 of 2 replica(s) streaming"),
        "{ran}"
    );

    cluster.patronictl(&["pause", "--wait"]);
    warns(
        &probe(),
        "paused: no automatic failover",
        "patronictl resume",
    );
    cluster.patronictl(&["resume", "--wait"]);

    let replica = (leader + 1) % cluster.nodes.len();
    cluster.stop_node(replica);
    let name = &cluster.nodes[replica].name;
    warns(
        &probe(),
        &format!("replica {name} is stopped"),
        "failover candidate",
    );
    cluster.start_node(replica);
    cluster.heal();

    cluster.patronictl(&["edit-config", "-s", "synchronous_mode=false", "--force"]);
    warns(
        &probe(),
        "synchronous_mode is off: a failover can lose commits",
        "synchronous_mode=true",
    );
    cluster.heal();
    probe().expect_exit(0);
}

#[test]
fn the_patroni_probe_runs_only_when_configured_and_says_why_it_cannot_ask() {
    let db = TestPg::get().fresh_db();
    let sb = Sandbox::on(&db);
    // Not configured: not part of a default run; asked for, UNKNOWN with what to set.
    let ran = sb.taskdb(&["--format", "json", "health"]).run();
    let names: Vec<String> = ran.json()["probes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.contains(&"connections".to_string()), "{ran}");
    assert!(!names.contains(&"patroni".to_string()), "{ran}");
    let ran = sb
        .taskdb(&["--format", "json", "health", "--check", "patroni"])
        .run();
    ran.expect_exit(3);
    let p = patroni(&ran);
    assert_eq!(p["state"], "UNKNOWN");
    assert!(
        p["hint"].as_str().unwrap().contains("--patroni-url"),
        "{ran}"
    );

    // Nothing answers: UNKNOWN, naming the URL.
    let closed = free_port();
    let url = format!("http://127.0.0.1:{closed}");
    let ran = sb
        .taskdb(&["--format", "json", "health", "--patroni-url", &url])
        .run();
    ran.expect_exit(3);
    let p = patroni(&ran);
    assert_eq!(p["state"], "UNKNOWN");
    let message = p["message"].as_str().unwrap();
    assert!(
        message.starts_with("could not ask Patroni: no Patroni REST API answered")
            && message.contains(&format!("127.0.0.1:{closed}")),
        "{ran}"
    );

    // A URL that is not http(s): a health usage error, before anything runs.
    sb.taskdb(&["health", "--patroni-url", "db1:8008"])
        .refused(3, "must start with http:// or https://");
    let config = sb.path().join("bad.toml");
    std::fs::write(&config, "[health]\npatroni_url = \"db1:8008\"\n").unwrap();
    sb.taskdb(&["--config", config.to_str().unwrap(), "health"])
        .refused(3, "health.patroni_url");
}
