//! `taskdb tunnel` and `taskdb waf` against the stateful fake of the Cloudflare v4 API.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::cf_fake::{self, CfFake};
use crate::support::{Ran, Sandbox};

const HOST: &str = "db.example.com";

/// `taskdb <args>` against the fake. Secrets never reach the terminal, whatever happened (the
/// connector token does with `--stdout`, which asks for it).
fn cf(sb: &Sandbox, fake: &CfFake, args: &[&str]) -> Ran {
    let r = sb.taskdb(args).envs(fake.env()).run();
    for secret in [
        cf_fake::TOKEN,
        cf_fake::CLIENT_SECRET_PREFIX,
        cf_fake::CONNECTOR_TOKEN_PREFIX,
    ] {
        if !(args.contains(&"--stdout") && secret == cf_fake::CONNECTOR_TOKEN_PREFIX) {
            r.lacks(secret);
        }
    }
    r
}

fn deploy_args() -> Vec<&'static str> {
    vec![
        "-v",
        "tunnel",
        "deploy",
        "--hostname",
        HOST,
        "--access-allow-email",
        "ops@example.com",
        "--access-service-token",
        "ci",
    ]
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn tunnel_id(fake: &CfFake) -> String {
    let t = fake.live_tunnels();
    assert_eq!(t.len(), 1, "{t:?}");
    t[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn fresh_deploy_then_rerun_makes_no_writes() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let r = cf(&sb, &fake, &deploy_args());
    r.ok();

    // 1. a remotely-managed tunnel.
    let id = tunnel_id(&fake);
    assert_eq!(fake.live_tunnels()[0]["config_src"], "cloudflare");
    // 2. tcp:// ingress, integer timeouts, catch-all last.
    let cfg = fake.config(&id).unwrap();
    let ingress = cfg["config"]["ingress"].as_array().unwrap();
    assert_eq!(ingress[0]["hostname"], HOST);
    assert_eq!(ingress[0]["service"], "tcp://127.0.0.1:5432");
    assert!(ingress[0]["originRequest"]["connectTimeout"].is_u64());
    assert_eq!(
        ingress.last().unwrap(),
        &json!({"service": "http_status:404"})
    );
    // 3. the proxied CNAME.
    let dns = fake.dns();
    assert_eq!(dns.len(), 1);
    assert_eq!(dns[0]["type"], "CNAME");
    assert_eq!(dns[0]["content"], format!("{id}.cfargotunnel.com"));
    assert_eq!(dns[0]["proxied"], true);
    // 4. Access app, policies (emails + service token), service token.
    let apps = fake.apps();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["domain"], HOST);
    assert_eq!(apps[0]["type"], "self_hosted");
    let policies = fake.policies(apps[0]["id"].as_str().unwrap());
    assert_eq!(policies.len(), 2);
    let tokens = fake.service_tokens();
    assert_eq!(tokens.len(), 1);
    let svc = policies
        .iter()
        .find(|p| p["decision"] == "non_identity")
        .unwrap();
    assert_eq!(
        svc["include"][0]["service_token"]["token_id"],
        tokens[0]["id"]
    );
    let allow = policies.iter().find(|p| p["decision"] == "allow").unwrap();
    assert_eq!(allow["include"][0]["email"]["email"], "ops@example.com");
    // The service token's secret went to a 0600 file, nowhere else.
    let st_file = sb.path().join("state/taskdb/access-service-token-ci.json");
    assert_eq!(mode(&st_file), 0o600);
    let st: Value = serde_json::from_str(&std::fs::read_to_string(&st_file).unwrap()).unwrap();
    assert_eq!(st["client_secret"], tokens[0]["client_secret"]);
    // 5. the connector token in a 0600 file.
    let token_file = sb.path().join("state/taskdb/tunnel-taskdb.token");
    assert_eq!(mode(&token_file), 0o600);
    assert_eq!(
        std::fs::read_to_string(&token_file).unwrap().trim(),
        format!("{}{id}", cf_fake::CONNECTOR_TOKEN_PREFIX)
    );
    // 6. what to run next.
    r.stdout_contains(&format!(
        "cloudflared tunnel --no-autoupdate run --token-file {}",
        token_file.display()
    ))
    .stdout_contains("[Service]")
    .stdout_contains("cloudflared access tcp --hostname db.example.com --url localhost:15432")
    .stdout_contains("psql -h localhost -p 15432");

    // Again: only reads.
    fake.clear_log();
    let r = cf(&sb, &fake, &deploy_args());
    r.ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert!(!fake.requests().is_empty());
    r.stderr_contains("nothing changed");

    // JSON output: the plan, all unchanged.
    let r = cf(
        &sb,
        &fake,
        &[&["--format", "json"][..], &deploy_args()[1..]].concat(),
    );
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["tunnel_id"], id.as_str());
    assert!(v["plan"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["action"] == "unchanged"));
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[test]
fn dry_run_writes_nothing() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let mut args = deploy_args();
    args.push("--dry-run");
    let r = cf(&sb, &fake, &args);
    r.ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    r.stdout_contains("create")
        .stdout_contains("tunnel configuration");
    assert!(!sb.path().join("state/taskdb/tunnel-taskdb.token").exists());

    let r = cf(
        &sb,
        &fake,
        &["waf", "apply", "--zone", "example.com", "--dry-run"],
    );
    r.ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    r.stdout_contains("taskdb:owasp")
        .stdout_contains("min_tls_version");
}

#[test]
fn deploy_failing_at_dns_is_completed_by_the_next_run() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.fail("POST", "/dns_records", 500, 1);
    cf(&sb, &fake, &deploy_args())
        .expect_exit(1)
        .stderr_contains("cloudflare: 10013")
        .stderr_contains("(POST /zones/");
    assert_eq!(fake.live_tunnels().len(), 1);
    assert!(fake.dns().is_empty());

    fake.clear_log();
    cf(&sb, &fake, &deploy_args()).ok();
    let id = tunnel_id(&fake);
    assert_eq!(fake.dns()[0]["content"], format!("{id}.cfargotunnel.com"));
    // Only the missing step was written: no second tunnel, app or token.
    let writes = fake.writes();
    assert_eq!(
        writes,
        vec![format!("POST /zones/{}/dns_records", cf_fake::ZONE_ID)]
    );
    assert_eq!(fake.apps().len(), 1);
    assert_eq!(fake.service_tokens().len(), 1);
}

#[test]
fn name_conflict_409_converges() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.race_next_tunnel_create();
    cf(&sb, &fake, &deploy_args()).ok();
    let id = tunnel_id(&fake);
    assert_eq!(fake.count("POST", "/cfd_tunnel"), 1);
    assert_eq!(fake.dns()[0]["content"], format!("{id}.cfargotunnel.com"));
}

#[test]
fn retry_after_is_honoured() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.rate_limit("GET", "/user/tokens/verify", 1, 1);
    cf(&sb, &fake, &["waf", "status", "--zone", "example.com"]).ok();
    let verify: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|l| l.path == "/user/tokens/verify")
        .collect();
    assert_eq!(verify.len(), 2);
    let waited = verify[1].at.duration_since(verify[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
}

#[test]
fn a_request_without_answer_times_out_and_is_retried() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.delay("/user/tokens/verify", 5, 1);
    sb.taskdb(&["-v", "waf", "status", "--zone", "example.com"])
        .envs(fake.env())
        .env("TASKDB_CLOUDFLARE_TIMEOUT_SECS", "1")
        .expect_exit(0)
        .stderr_contains("retrying");
    assert_eq!(fake.count("GET", "/user/tokens/verify"), 2);
}

#[test]
fn server_errors_are_retried_then_given_up() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    // Transient: two 503s, then fine.
    fake.fail("GET", "/rulesets/phases/http_ratelimit", 503, 2);
    cf(&sb, &fake, &["waf", "status", "--zone", "example.com"]).ok();

    // Persistent: 1 try + 4 retries, then a clear error naming the call.
    fake.clear_log();
    fake.fail(
        "GET",
        "/rulesets/phases/http_request_firewall_managed",
        503,
        100,
    );
    cf(&sb, &fake, &["waf", "status", "--zone", "example.com"])
        .expect_exit(1)
        .stderr_contains("cloudflare: 10013 Service temporarily unavailable (GET /zones/");
    assert_eq!(fake.count("GET", "http_request_firewall_managed"), 5);
}

#[test]
fn unauthorized_and_forbidden_are_explained_without_the_token() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    // A wrong token: 401 at verification, nothing else attempted.
    let r = sb
        .taskdb(&["-vv", "tunnel", "deploy", "--hostname", HOST, "--no-access"])
        .envs(fake.env())
        .env("CLOUDFLARE_API_TOKEN", "wrong-token-value-123")
        .expect_exit(1);
    assert!(
        r.all()
            .contains("cloudflare: 1000 Invalid API Token (GET /user/tokens/verify)"),
        "{r}"
    );
    r.lacks("wrong-token-value-123");
    assert_eq!(fake.writes(), Vec::<String>::new());

    // A token without DNS Write: 403 names the permission.
    fake.deny("POST", "/dns_records");
    cf(
        &sb,
        &fake,
        &["-vv", "tunnel", "deploy", "--hostname", HOST, "--no-access"],
    )
    .expect_exit(1)
    .stderr_contains("9109 Unauthorized to access requested resource")
    .stderr_contains("\"Zone: DNS Edit\"");
}

/// Issue 11: an API error that echoes the token or carries terminal escapes is printed with the
/// token masked and the escapes made visible.
#[test]
fn api_error_text_is_masked_and_escaped() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    fake.fail_saying(
        "GET",
        "/cfd_tunnel",
        400,
        &format!(
            "bad token {} \x1b]0;owned\x07\x1b[2J\u{9b}31m\nsecond line",
            cf_fake::TOKEN
        ),
    );
    // `cf` also checks that the token is nowhere in stdout or stderr.
    let r = cf(&sb, &fake, &["tunnel", "status"]);
    r.expect_exit(1);
    assert!(
        !r.all().chars().any(|c| c.is_control() && c != '\n'),
        "raw control characters: {:?}",
        r.all()
    );
    r.stderr_contains(
        "cloudflare: 10000 bad token ******** \\x1b]0;owned\\x07\\x1b[2J\\u{9b}31m\\nsecond line (GET ",
    )
    .stderr_line();
}

#[test]
fn account_owned_tokens_verify_at_the_account() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.account_owned_token();
    cf(
        &sb,
        &fake,
        &["tunnel", "deploy", "--hostname", HOST, "--no-access"],
    )
    .ok();
    assert_eq!(
        fake.count(
            "GET",
            &format!("/accounts/{}/tokens/verify", cf_fake::ACCOUNT)
        ),
        1
    );
    assert!(fake.apps().is_empty());
}

#[test]
fn zone_not_visible_to_the_token() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.hide_zone("example.com");
    cf(
        &sb,
        &fake,
        &["tunnel", "deploy", "--hostname", HOST, "--no-access"],
    )
    .expect_exit(1)
    .stderr_contains("no Cloudflare zone for db.example.com is visible to this token")
    .stderr_contains("tried db.example.com, example.com");
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[test]
fn foreign_dns_record_is_refused_unless_forced() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.add_dns("A", HOST, "192.0.2.10");
    cf(&sb, &fake, &deploy_args())
        .expect_exit(1)
        .stderr_contains("A -> 192.0.2.10")
        .stderr_contains("--force");
    // Found while planning: nothing at all was written.
    assert_eq!(fake.writes(), Vec::<String>::new());

    let mut args = deploy_args();
    args.push("--force");
    cf(&sb, &fake, &args).ok();
    let dns = fake.dns();
    assert_eq!(dns.len(), 1);
    assert_eq!(dns[0]["type"], "CNAME");
}

#[test]
fn bad_deploy_flags_exit_2_without_calls() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    for (args, msg) in [
        (vec!["--hostname", HOST], "say who may connect"),
        (
            vec!["--hostname", "db.example.com:5432", "--no-access"],
            "--hostname",
        ),
        (
            vec![
                "--hostname",
                HOST,
                "--no-access",
                "--service",
                "postgresql://localhost:5432",
            ],
            "tcp://HOST:PORT",
        ),
        (
            vec![
                "--hostname",
                HOST,
                "--no-access",
                "--service",
                "tcp://localhost",
            ],
            "port",
        ),
        (
            vec!["--hostname", HOST, "--access-allow-email", "nobody"],
            "not an email",
        ),
    ] {
        cf(&sb, &fake, &[&["tunnel", "deploy"][..], &args].concat())
            .expect_exit(2)
            .stderr_contains(msg)
            .stderr_line();
    }
    assert!(fake.requests().is_empty());
}

#[test]
fn status_token_and_delete_in_order_idempotently() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    let id = tunnel_id(&fake);
    fake.add_connector(&id);

    let r = cf(&sb, &fake, &["--format", "json", "tunnel", "status"]);
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["tunnel_id"], id.as_str());
    assert_eq!(v["hostname"], HOST);
    assert_eq!(v["status"], "healthy");
    assert_eq!(v["ready"], true);
    assert_eq!(v["connections"][0]["colo"], "DFW");
    assert_eq!(v["connections"][0]["client_version"], "2025.1.0");
    assert_eq!(v["dns_record"]["content"], format!("{id}.cfargotunnel.com"));
    assert_eq!(v["access_application"]["domain"], HOST);
    cf(&sb, &fake, &["tunnel", "status"])
        .stdout_contains("DFW")
        .stdout_contains("(catch-all) -> http_status:404");

    // token: to a file, or explicitly to stdout.
    let tf = sb.path().join("conn.token");
    cf(
        &sb,
        &fake,
        &["tunnel", "token", "--token-file", tf.to_str().unwrap()],
    )
    .ok();
    assert_eq!(mode(&tf), 0o600);
    // Issue 11: over an existing world-readable file the token still ends up 0600 …
    std::fs::set_permissions(&tf, std::fs::Permissions::from_mode(0o644)).unwrap();
    cf(
        &sb,
        &fake,
        &["tunnel", "token", "--token-file", tf.to_str().unwrap()],
    )
    .ok();
    assert_eq!(mode(&tf), 0o600);
    // … and a symlink is refused, leaving what it points to untouched.
    let elsewhere = sb.path().join("elsewhere");
    std::fs::write(&elsewhere, "not a token\n").unwrap();
    std::fs::set_permissions(&elsewhere, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = sb.path().join("link.token");
    std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
    let r = cf(
        &sb,
        &fake,
        &["tunnel", "token", "--token-file", link.to_str().unwrap()],
    );
    r.expect_exit(2).stderr_line();
    r.stderr_contains("symbolic link");
    assert_eq!(
        std::fs::read_to_string(&elsewhere).unwrap(),
        "not a token\n"
    );
    assert_eq!(mode(&elsewhere), 0o644);
    let r = cf(&sb, &fake, &["tunnel", "token", "--stdout"]);
    assert_eq!(
        r.stdout.trim(),
        format!("{}{id}", cf_fake::CONNECTOR_TOKEN_PREFIX)
    );

    // No terminal and no --yes: refused, nothing deleted.
    fake.clear_log();
    cf(&sb, &fake, &["tunnel", "delete"]).expect_exit(2);
    assert_eq!(fake.writes(), Vec::<String>::new());
    // --dry-run: the plan only.
    cf(&sb, &fake, &["tunnel", "delete", "--dry-run"]).ok();
    assert_eq!(fake.writes(), Vec::<String>::new());

    cf(&sb, &fake, &["tunnel", "delete", "--yes"]).ok();
    let writes = fake.writes();
    let kinds: Vec<&str> = writes
        .iter()
        .map(|w| {
            if w.contains("/dns_records/") {
                "dns"
            } else if w.contains("/access/apps/") {
                "app"
            } else if w.contains("/service_tokens/") {
                "service token"
            } else if w.ends_with("/configurations") {
                "config"
            } else if w.ends_with("/connections") {
                "connections"
            } else if w.starts_with("DELETE") && w.contains("/cfd_tunnel/") {
                "tunnel"
            } else {
                "other"
            }
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "dns",
            "app",
            "service token",
            "config",
            "connections",
            "tunnel"
        ],
        "{writes:?}"
    );
    assert!(fake.live_tunnels().is_empty());
    assert!(fake.dns().is_empty() && fake.apps().is_empty());

    // Again: nothing left, success, no writes.
    fake.clear_log();
    cf(
        &sb,
        &fake,
        &["tunnel", "delete", "--yes", "--hostname", HOST],
    )
    .ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[test]
fn without_local_state_the_tokens_only_account_is_used_and_a_second_delete_succeeds() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    let state = sb.path().join("state/taskdb/tunnel-taskdb.json");
    assert!(state.is_file(), "deploy records the tunnel on this host");
    // Another host (no state file): status and token find the account through the token.
    let elsewhere = Sandbox::new();
    let v: Value = serde_json::from_str(
        &cf(&elsewhere, &fake, &["--format", "json", "tunnel", "status"])
            .ok()
            .stdout,
    )
    .unwrap();
    assert_eq!(v["exists"], true, "{v}");
    assert_eq!(v["hostname"], HOST, "{v}");
    assert!(
        fake.requests()
            .iter()
            .any(|l| l.method == "GET" && l.path == "/accounts"),
        "the token's accounts were listed"
    );
    let r = cf(&elsewhere, &fake, &["tunnel", "token", "--stdout"]);
    r.ok();
    assert!(r.stdout.starts_with(cf_fake::CONNECTOR_TOKEN_PREFIX), "{r}");

    cf(&sb, &fake, &["tunnel", "delete", "--yes"]).ok();
    assert!(fake.live_tunnels().is_empty());
    assert!(!state.exists(), "delete removes the state file");
    // Run again on the same host, the state file gone: nothing to delete, success, no writes.
    fake.clear_log();
    cf(&sb, &fake, &["tunnel", "delete", "--yes"])
        .ok()
        .stderr_contains("nothing to delete");
    assert_eq!(fake.writes(), Vec::<String>::new());
    cf(&sb, &fake, &["tunnel", "status"])
        .ok()
        .stdout_contains("not deployed");

    // A token that sees two accounts: taskdb will not guess.
    fake.add_account("fedcba9876543210fedcba9876543210");
    let r = cf(&sb, &fake, &["tunnel", "delete", "--yes"]);
    r.refused(2, "this token sees 2 accounts")
        .stderr_contains(cf_fake::ACCOUNT)
        .stderr_contains("CLOUDFLARE_ACCOUNT_ID");
    // CLOUDFLARE_ACCOUNT_ID settles it.
    sb.taskdb(&["tunnel", "delete", "--yes"])
        .envs(fake.env())
        .env("CLOUDFLARE_ACCOUNT_ID", cf_fake::ACCOUNT)
        .ok();
    // An account-owned token cannot list accounts: the same refusal, saying why.
    fake.account_owned_token();
    cf(&sb, &fake, &["tunnel", "status"])
        .refused(2, "cannot tell which Cloudflare account to use")
        .stderr_contains("1001");
}

#[test]
fn lists_are_paginated() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.add_foreign_apps(130);
    cf(&sb, &fake, &deploy_args()).ok();
    assert_eq!(fake.apps().len(), 131);
    // taskdb's application is on the second page: found, not created again.
    fake.clear_log();
    cf(&sb, &fake, &deploy_args()).ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(fake.apps().len(), 131);
}

#[test]
fn an_endpoint_that_ignores_paging_is_read_once() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.apps_unpaginated();
    // 99 + taskdb's = exactly one full page of 100, repeated for every `page`.
    fake.add_foreign_apps(99);
    cf(&sb, &fake, &deploy_args()).ok();
    fake.clear_log();
    cf(&sb, &fake, &deploy_args()).ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    assert_eq!(fake.apps().len(), 100);
    // The list twice (page 2 repeats page 1: stop), then taskdb's app's policies once.
    assert_eq!(fake.count("GET", "/access/apps"), 2 + 1);
    assert_eq!(fake.count("GET", "/policies"), 1);
}

#[test]
fn a_new_hostname_replaces_the_old_one() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    let mut args = deploy_args();
    args[4] = "pg.example.com";
    cf(&sb, &fake, &args).ok();
    let id = tunnel_id(&fake);
    let dns = fake.dns();
    assert_eq!(dns.len(), 1, "{dns:?}");
    assert_eq!(dns[0]["name"], "pg.example.com");
    let apps = fake.apps();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0]["domain"], "pg.example.com");
    assert_eq!(
        fake.config(&id).unwrap()["config"]["ingress"][0]["hostname"],
        "pg.example.com"
    );
}

#[test]
fn unreachable_api_and_missing_tunnel_fail_clearly() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    // Nothing deployed yet.
    cf(&sb, &fake, &["tunnel", "token", "--hostname", HOST])
        .expect_exit(1)
        .stderr_contains("tunnel taskdb does not exist");
    cf(&sb, &fake, &["tunnel", "status", "--hostname", HOST])
        .ok()
        .stdout_contains("not deployed");
    // No API token at all: bad input.
    sb.taskdb(&["tunnel", "deploy", "--hostname", HOST, "--no-access"])
        .expect_exit(2)
        .stderr_contains("no Cloudflare API token");

    // A closed port: retried, then one clear line naming the call.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    sb.taskdb(&["waf", "status", "--zone", "example.com"])
        .envs(fake.env())
        .env(
            "CLOUDFLARE_BASE_URL",
            format!("http://127.0.0.1:{port}/client/v4"),
        )
        .expect_exit(1)
        .stderr_contains("cloudflare: request failed:")
        .stderr_contains("(GET /user/tokens/verify)")
        .stderr_lacks(cf_fake::TOKEN)
        .stderr_line();
}

#[test]
fn waf_policy_hostnames_must_be_in_the_zone() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let policy = sb.path().join("waf.toml");
    std::fs::write(
        &policy,
        "hostnames = [\"db.example.com\", \"db.other.org\"]\n",
    )
    .unwrap();
    cf(
        &sb,
        &fake,
        &["waf", "apply", "--policy", policy.to_str().unwrap()],
    )
    .expect_exit(2)
    .stderr_contains("db.other.org is not in zone example.com");
    assert_eq!(fake.writes(), Vec::<String>::new());
}

#[test]
fn changed_access_flags_update_only_the_policies() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    let app_id = fake.apps()[0]["id"].as_str().unwrap().to_string();

    // Another email: one PUT of taskdb's allow policy.
    fake.clear_log();
    let mut args = deploy_args();
    args.extend(["--access-allow-email", "dba@example.com"]);
    cf(&sb, &fake, &args).ok();
    let writes = fake.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(writes[0].starts_with(&format!(
        "PUT /accounts/{}/access/apps/{app_id}/policies/",
        cf_fake::ACCOUNT
    )));
    let allow = fake
        .policies(&app_id)
        .into_iter()
        .find(|p| p["decision"] == "allow")
        .unwrap();
    assert_eq!(allow["include"][1]["email"]["email"], "dba@example.com");

    // No more service token: its policy goes (the token itself stays), foreign policies stay.
    fake.clear_log();
    cf(
        &sb,
        &fake,
        &[
            "tunnel",
            "deploy",
            "--hostname",
            HOST,
            "--access-allow-email",
            "ops@example.com",
        ],
    )
    .ok();
    let writes = fake.writes();
    assert_eq!(writes.len(), 2, "{writes:?}");
    assert_eq!(fake.policies(&app_id).len(), 1);
    assert_eq!(fake.service_tokens().len(), 1);
}

#[test]
fn a_service_token_taskdb_did_not_create_is_used_and_never_deleted() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.add_service_token("ci");
    let r = cf(&sb, &fake, &deploy_args());
    r.ok();
    assert_eq!(fake.service_tokens().len(), 1);
    // Its secret is not ours to know: deploy says so.
    r.stderr_contains("Cloudflare shows it only at creation");
    let app_id = fake.apps()[0]["id"].as_str().unwrap().to_string();
    let svc = fake
        .policies(&app_id)
        .into_iter()
        .find(|p| p["decision"] == "non_identity")
        .unwrap();
    assert_eq!(
        svc["include"][0]["service_token"]["token_id"],
        fake.service_tokens()[0]["id"]
    );

    cf(&sb, &fake, &["tunnel", "delete", "--yes"]).ok();
    assert!(fake.live_tunnels().is_empty());
    assert_eq!(fake.service_tokens().len(), 1);
}

#[test]
fn settings_from_the_config_file_and_token_file() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let cfg = sb.path().join("taskdb.toml");
    std::fs::write(
        &cfg,
        format!(
            "[cloudflare]\napi_token = \"{}\"\naccount_id = \"{}\"\nzone_id = \"{}\"\nbase_url = \"{}\"\n",
            cf_fake::TOKEN,
            cf_fake::ACCOUNT,
            cf_fake::ZONE_ID,
            fake.url
        ),
    )
    .unwrap();
    sb.taskdb(&["-vv", "tunnel", "deploy", "--hostname", HOST, "--no-access"])
        .env("TASKDB_CLOUDFLARE_RETRY_BASE_MS", "5")
        .expect_exit(0)
        .lacks(cf_fake::TOKEN);
    // The zone id was given: no lookup by name.
    let reqs = fake.requests();
    assert!(reqs
        .iter()
        .any(|l| l.path == format!("/zones/{}", cf_fake::ZONE_ID)));
    assert!(!reqs.iter().any(|l| l.path == "/zones"));

    // --api-token-file beats a wrong CLOUDFLARE_API_TOKEN.
    let tf = sb.path().join("api.token");
    std::fs::write(&tf, format!("{}\n", cf_fake::TOKEN)).unwrap();
    sb.taskdb(&["tunnel", "status", "--api-token-file", tf.to_str().unwrap()])
        .envs(fake.env())
        .env("CLOUDFLARE_API_TOKEN", "wrong")
        .expect_exit(0)
        .stdout_contains(HOST);
}

#[test]
fn delete_cleans_up_after_a_tunnel_deleted_elsewhere() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    cf(&sb, &fake, &deploy_args()).ok();
    fake.delete_tunnel_elsewhere(&tunnel_id(&fake));
    // Someone else's record on another name is not touched.
    fake.add_dns("CNAME", "www.example.com", "example.com");
    cf(&sb, &fake, &["tunnel", "delete", "--yes"]).ok();
    let dns = fake.dns();
    assert_eq!(dns.len(), 1, "{dns:?}");
    assert_eq!(dns[0]["name"], "www.example.com");
    assert!(fake.apps().is_empty());
}

/// `waf status --format json` with the policy file.
fn waf_status(sb: &Sandbox, fake: &CfFake, policy: &str) -> Value {
    let r = cf(
        sb,
        fake,
        &["--format", "json", "waf", "status", "--policy", policy],
    );
    r.json()
}

const POLICY: &str = r#"
hostnames = ["db.example.com"]

[managed]
paranoia_level = 2
score_threshold = 25

[rules]
allow_ips = ["203.0.113.0/24", "2001:db8::/32"]
blocked_countries = ["KP"]
blocked_ips = ["192.0.2.66"]

[rate_limit]
requests = 100
period = 60
"#;

#[test]
fn waf_apply_keeps_foreign_rules_and_is_idempotent() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let foreign_custom = json!({"id": "aaaa0000aaaa0000aaaa0000aaaa0001", "ref": "office-vpn",
        "description": "allow the office", "expression": "(ip.src eq 198.51.100.7)",
        "action": "skip", "action_parameters": {"ruleset": "current"}, "enabled": true});
    let foreign_rl = json!({"id": "aaaa0000aaaa0000aaaa0000aaaa0002", "ref": "api-limit",
        "description": "api", "expression": "(http.request.uri.path wildcard \"/api/*\")",
        "action": "block", "enabled": true,
        "ratelimit": {"characteristics": ["cf.colo.id", "ip.src"], "period": 10,
                      "requests_per_period": 50, "mitigation_timeout": 10}});
    fake.add_rule("http_request_firewall_custom", foreign_custom.clone());
    fake.add_rule("http_ratelimit", foreign_rl.clone());
    let policy = sb.path().join("waf.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let p = policy.to_str().unwrap();

    let r = cf(&sb, &fake, &["waf", "apply", "--policy", p]);
    r.ok();
    let custom = fake.rules("http_request_firewall_custom");
    assert_eq!(custom.len(), 4, "{custom:?}");
    assert_eq!(custom[0]["id"], foreign_custom["id"]);
    assert_eq!(
        custom[0]["action_parameters"],
        foreign_custom["action_parameters"]
    );
    assert!(custom[1]["expression"]
        .as_str()
        .unwrap()
        .contains("not (ip.src in {203.0.113.0/24 2001:db8::/32})"));
    assert!(custom.iter().any(|r| r["ref"] == "taskdb:blocked-countries"
        && r["expression"]
            .as_str()
            .unwrap()
            .contains("ip.src.country in {\"KP\"}")));
    let rl = fake.rules("http_ratelimit");
    assert_eq!(rl.len(), 2);
    assert_eq!(rl[0]["id"], foreign_rl["id"]);
    assert_eq!(rl[1]["ratelimit"]["requests_per_period"], 100);
    assert_eq!(rl[1]["ratelimit"]["period"], 60);
    let managed = fake.rules("http_request_firewall_managed");
    assert_eq!(managed.len(), 2);
    assert_eq!(
        managed[1]["action_parameters"]["overrides"]["rules"][0]["score_threshold"],
        25
    );
    assert_eq!(fake.setting("ssl"), "strict");
    assert_eq!(fake.setting("min_tls_version"), "1.2");
    assert_eq!(fake.setting("always_use_https"), "on");
    assert_eq!(
        fake.setting("security_header")["strict_transport_security"]["max_age"],
        31536000
    );

    // Unchanged policy: no write.
    fake.clear_log();
    cf(&sb, &fake, &["waf", "apply", "--policy", p]).ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    let v = waf_status(&sb, &fake, p);
    assert_eq!(v["in_sync"], true, "{v}");

    // Drift: someone lowered the SSL mode; status shows it, apply fixes only that.
    fake.set_setting("ssl", json!("flexible"));
    let v = waf_status(&sb, &fake, p);
    assert_eq!(v["in_sync"], false);
    assert_eq!(v["drift"][0]["name"], "ssl");
    assert_eq!(v["drift"][0]["changes"][0], "ssl: flexible -> strict");
    assert_eq!(fake.writes(), Vec::<String>::new());

    // A changed rate: one PUT of the rate-limit phase (+ the ssl fix), foreign rule kept.
    std::fs::write(&policy, POLICY.replace("requests = 100", "requests = 50")).unwrap();
    cf(&sb, &fake, &["waf", "apply", "--policy", p]).ok();
    assert_eq!(
        fake.writes(),
        vec![
            format!(
                "PUT /zones/{}/rulesets/phases/http_ratelimit/entrypoint",
                cf_fake::ZONE_ID
            ),
            format!("PATCH /zones/{}/settings/ssl", cf_fake::ZONE_ID),
        ]
    );
    let rl = fake.rules("http_ratelimit");
    assert_eq!(rl[0]["id"], foreign_rl["id"]);
    assert_eq!(rl[1]["ratelimit"]["requests_per_period"], 50);
}

#[test]
fn waf_apply_leaves_settings_the_plan_locks_applies_the_rest_and_exits_1() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    fake.lock_setting("min_tls_version", true); // GET says editable: false
    fake.lock_setting("always_use_https", false); // only the PATCH is refused (1057)
    let policy = sb.path().join("waf.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let p = policy.to_str().unwrap();

    // Dry run: the announced one is planned as "not editable", with a warning; exit 0.
    let r = cf(
        &sb,
        &fake,
        &[
            "--format",
            "json",
            "waf",
            "apply",
            "--policy",
            p,
            "--dry-run",
        ],
    );
    r.ok();
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let action_of = |name: &str| {
        v["plan"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .map(|i| i["action"].clone())
    };
    assert_eq!(action_of("min_tls_version"), Some(json!("not_editable")));
    assert_eq!(action_of("ssl"), Some(json!("update")));
    r.stderr_contains("min_tls_version (is 1.0, the policy wants 1.2)");
    assert_eq!(fake.writes(), Vec::<String>::new());

    // Apply: everything else is written, the locked two are left, one error line, exit 1.
    let r = cf(&sb, &fake, &["waf", "apply", "--policy", p]);
    r.expect_exit(1);
    let error_lines: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(error_lines.len(), 1, "{r}");
    assert!(
        error_lines[0].contains("min_tls_version (is 1.0, the policy wants 1.2)")
            && error_lines[0].contains("always_use_https (is off, the policy wants on)")
            && error_lines[0].contains("skip_settings"),
        "{r}"
    );
    assert_eq!(fake.setting("ssl"), "strict");
    assert_eq!(
        fake.setting("security_header")["strict_transport_security"]["max_age"],
        31536000
    );
    assert_eq!(fake.setting("min_tls_version"), "1.0");
    assert_eq!(fake.setting("always_use_https"), "off");
    assert_eq!(fake.rules("http_ratelimit").len(), 1);
    assert!(!fake
        .writes()
        .iter()
        .any(|w| w.ends_with("/settings/min_tls_version")));

    // Status shows the locked setting as drift that cannot be written.
    let v = waf_status(&sb, &fake, p);
    assert_eq!(v["in_sync"], false);
    let locked: Vec<&Value> = v["settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["editable"] == false)
        .collect();
    assert_eq!(locked.len(), 1);
    assert_eq!(locked[0]["id"], "min_tls_version");

    // Told to leave them alone, the policy is applied: exit 0, no writes.
    std::fs::write(
        &policy,
        format!("{POLICY}\n[tls]\nskip_settings = [\"min_tls_version\", \"always_use_https\"]\n"),
    )
    .unwrap();
    fake.clear_log();
    cf(&sb, &fake, &["waf", "apply", "--policy", p]).ok();
    assert_eq!(fake.writes(), Vec::<String>::new());
    std::fs::write(&policy, "[tls]\nskip_settings = [\"ipv6\"]\n").unwrap();
    cf(&sb, &fake, &["waf", "apply", "--policy", p])
        .expect_exit(2)
        .stderr_contains("tls.skip_settings");
}

#[test]
fn bad_policy_files_exit_2_naming_file_line_and_key() {
    let sb = Sandbox::new();
    let fake = CfFake::start();
    let cases = [
        ("not toml = = [", "policy file"),
        (
            "[rate_limit]\nrequests = 10\nburst = 5\n",
            ":3: key `rate_limit.burst`",
        ),
        (
            "hostnames = [\"db.example.com\"]\n[rules]\nallow_ips = [\"10.0.0.0/33\"]\n",
            ":3: key `rules.allow_ips`",
        ),
        (
            "[rules]\nblocked_countries = [\"KP\", \"QQ\"]\n",
            ":2: key `rules.blocked_countries`",
        ),
        (
            "[rate_limit]\n\nrequests = -100\n",
            ":3: key `rate_limit.requests`",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = sb.path().join(format!("p{i}.toml"));
        std::fs::write(&path, text).unwrap();
        cf(
            &sb,
            &fake,
            &[
                "waf",
                "apply",
                "--zone",
                "example.com",
                "--policy",
                path.to_str().unwrap(),
            ],
        )
        .expect_exit(2)
        .stderr_contains(&format!("p{i}.toml"))
        .stderr_contains(want)
        .stderr_line();
    }
    cf(
        &sb,
        &fake,
        &["waf", "apply", "--policy", "/nonexistent/waf.toml"],
    )
    .expect_exit(2);
    // Validated before any call.
    assert!(fake.requests().is_empty());
}
