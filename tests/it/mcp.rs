//! `taskdb mcp` driven by an MCP client from the same SDK (rmcp), the server in a child process
//! over stdio against a real test database: the handshake and the tool list, an agent's loop
//! (claim, heartbeat, complete, the audit row), reading (list, search, show, resources),
//! refusals that carry the CLI's message while the server keeps serving, the database going
//! away and coming back, read-only mode and `--tools`, what the agent role may not do, and
//! eight servers claiming at once.

use std::collections::BTreeSet;
use std::process::Command;

use rmcp::model::{CallToolRequestParams, CallToolResult, ReadResourceRequestParams};
use rmcp::service::RunningService;
use rmcp::transport::TokioChildProcess;
use rmcp::{RoleClient, ServiceExt};
use serde_json::{json, Value};

use crate::roles::{lacks, url_as, Logins};
use crate::support::{block_on, Proxy, Sandbox, TestDb, TestPg};

type Client = RunningService<RoleClient, ()>;

/// `taskdb mcp ARGS` on `url` as `actor`, its stderr kept in the sandbox (`mcp-ACTOR.log`).
fn server_cmd(sb: &Sandbox, url: &str, actor: &str, args: &[&str]) -> Command {
    let mut cmd = sb.std_cmd();
    cmd.env("DATABASE_URL", url)
        .env("TASKDB_ACTOR", actor)
        .arg("-v")
        .arg("mcp")
        .args(args);
    cmd
}

/// A client session with `taskdb mcp ARGS`.
pub(crate) async fn connect(sb: &Sandbox, url: &str, actor: &str, args: &[&str]) -> Client {
    let log = std::fs::File::create(sb.path().join(format!("mcp-{actor}.log"))).unwrap();
    let cmd = tokio::process::Command::from(server_cmd(sb, url, actor, args));
    let (transport, _) = TokioChildProcess::builder(cmd).stderr(log).spawn().unwrap();
    ().serve(transport).await.unwrap()
}

pub(crate) async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let args = args.as_object().cloned().unwrap_or_default();
    client
        .call_tool(CallToolRequestParams::new(tool.to_string()).with_arguments(args))
        .await
        .unwrap_or_else(|e| panic!("{tool}: protocol error {e}"))
}

fn text(r: &CallToolResult) -> String {
    r.content
        .iter()
        .filter_map(|c| c.as_text().map(|t| t.text.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The structured result of a call that must have succeeded.
#[track_caller]
pub(crate) fn ok(r: CallToolResult) -> Value {
    assert_ne!(r.is_error, Some(true), "tool error: {}", text(&r));
    r.structured_content.expect("structured content")
}

/// The one line of a call that must have failed as a tool error.
#[track_caller]
pub(crate) fn refused(r: CallToolResult) -> String {
    assert_eq!(r.is_error, Some(true), "not refused: {r:?}");
    assert!(r.structured_content.is_none());
    let line = text(&r);
    assert!(!line.contains('\n'), "one line: {line:?}");
    line
}

/// What the CLI says (after `error: `) when it refuses `args` with exit 2.
fn cli_refusal(sb: &Sandbox, args: &[&str]) -> String {
    let ran = sb.taskdb(args).refused(2, "");
    ran.stderr_line()["error: ".len()..].to_string()
}

fn create(sb: &Sandbox, args: &[&str]) -> i64 {
    let mut all = vec!["task", "create"];
    all.extend_from_slice(args);
    sb.taskdb(&all).ok().text().trim().parse().unwrap()
}

#[test]
fn the_handshake_lists_every_tool_with_schemas_and_honest_hints() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    block_on(async {
        let client = connect(&sb, &db.url(), "agent-1", &[]).await;
        let info = client.peer_info().expect("the server's info");
        assert_eq!(
            info.server_info.as_ref().map(|i| i.name.as_str()),
            Some("taskdb")
        );
        assert!(info.capabilities.tools.is_some() && info.capabilities.resources.is_some());
        let tools = client.list_all_tools().await.unwrap();
        let names: BTreeSet<String> = tools.iter().map(|t| t.name.to_string()).collect();
        let expected: BTreeSet<String> = [
            "next_task",
            "show_task",
            "list_tasks",
            "create_task",
            "set_task_status",
            "heartbeat",
            "release_task",
            "add_dependency",
            "remove_dependency",
            "record_workflow_step",
            "health_summary",
        ]
        .map(String::from)
        .into();
        assert_eq!(names, expected);
        for t in &tools {
            let input = Value::Object((*t.input_schema).clone());
            assert_eq!(input["type"], "object", "{}: {input}", t.name);
            assert!(input["properties"].is_object(), "{}: {input}", t.name);
            let output =
                Value::Object((**t.output_schema.as_ref().expect("output schema")).clone());
            assert_eq!(output["type"], "object", "{}: {output}", t.name);
            assert!(t.description.as_deref().is_some_and(|d| d.len() > 40));
            let hints = t.annotations.as_ref().expect("annotations");
            let reads = ["show_task", "list_tasks", "health_summary"].contains(&t.name.as_ref());
            assert_eq!(hints.read_only_hint, Some(reads), "{}", t.name);
            assert_eq!(hints.open_world_hint, Some(false), "{}", t.name);
        }
        let schema = |name: &str| {
            let t = tools.iter().find(|t| t.name == name).unwrap();
            Value::Object((*t.input_schema).clone())
        };
        for arg in ["claim", "tag", "lease", "wait_seconds"] {
            assert!(schema("next_task")["properties"][arg].is_object(), "{arg}");
        }
        assert_eq!(schema("show_task")["required"], json!(["id"]));
        client.cancel().await.unwrap();
    });
}

#[test]
fn an_agent_claims_heartbeats_and_completes_a_task_and_the_audit_log_has_it() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let low = create(&sb, &["Write the docs", "--priority", "low"]);
    let high = create(
        &sb,
        &["Fix login redirect", "--priority", "high", "-d", "302 loop"],
    );
    block_on(async {
        let client = connect(&sb, &db.url(), "agent-1", &[]).await;
        let next = ok(call(&client, "next_task", json!({})).await);
        assert_eq!(next["claimed"], false);
        assert_eq!(next["task"]["short_id"], high);
        assert_eq!(next["task"]["status"], "pending", "looking claims nothing");

        let r = call(&client, "next_task", json!({"claim": true, "lease": "15m"})).await;
        assert!(text(&r).contains("Fix login redirect") && text(&r).contains("302 loop"));
        let claimed = ok(r);
        assert_eq!(claimed["claimed"], true);
        let task = &claimed["task"];
        assert_eq!(task["short_id"], high);
        assert_eq!(task["status"], "in_progress");
        assert_eq!(task["assigned_to"], "agent-1");
        assert_eq!(task["attempts"], 1);
        let leased = task["lease_expires_at"].as_str().unwrap().to_string();

        let beat = ok(call(&client, "heartbeat", json!({"id": high, "extend": "2h"})).await);
        assert!(beat["lease_expires_at"].as_str().unwrap() > leased.as_str());

        let done = ok(call(
            &client,
            "set_task_status",
            json!({"id": format!("#{high}"), "status": "done", "note": "fixed in abc123"}),
        )
        .await);
        assert_eq!(done["previous_status"], "in_progress");
        assert_eq!(done["task"]["status"], "completed");

        // The other task is the next one now.
        let next = ok(call(&client, "next_task", json!({})).await);
        assert_eq!(next["task"]["short_id"], low);
        client.cancel().await.unwrap();
    });
    let history = sb.taskdb(&["task", "history", &high.to_string()]).ok_json();
    let completed = history
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["new_values"]["status"] == "completed")
        .unwrap_or_else(|| panic!("no audit row for the completion: {history:#}"));
    assert_eq!(completed["actor"], "agent-1");
    assert_eq!(completed["old_values"]["status"], "in_progress");
}

#[test]
fn reading_lists_pages_searches_shows_and_serves_resources() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let a = create(&sb, &["Login page redirects twice", "--tag", "web"]);
    let b = create(&sb, &["Database backup rotation", "--tag", "ops"]);
    let c = create(
        &sb,
        &[
            "Login form validation",
            "--tag",
            "web",
            "--depends-on",
            &a.to_string(),
        ],
    );
    sb.taskdb(&["workflow", "create", &c.to_string(), "--steps", "2"])
        .ok();
    block_on(async {
        let client = connect(&sb, &db.url(), "reader", &[]).await;
        let ids = |page: &Value| -> Vec<i64> {
            page["tasks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["short_id"].as_i64().unwrap())
                .collect()
        };
        let web = ok(call(&client, "list_tasks", json!({"tags": ["web"]})).await);
        assert_eq!(ids(&web), vec![a, c]);
        let ready = ok(call(&client, "list_tasks", json!({"ready": true})).await);
        assert_eq!(ids(&ready), vec![a, b], "c waits for a");

        let first = ok(call(&client, "list_tasks", json!({"limit": 2})).await);
        assert_eq!(
            (ids(&first), first["more"].clone()),
            (vec![a, b], json!(true))
        );
        let after = first["next_after"].clone();
        let second = ok(call(&client, "list_tasks", json!({"limit": 2, "after": after})).await);
        assert_eq!(
            (ids(&second), second["more"].clone()),
            (vec![c], json!(false))
        );

        let found = ok(call(&client, "list_tasks", json!({"search": "login"})).await);
        assert_eq!(
            ids(&found).iter().copied().collect::<BTreeSet<_>>(),
            [a, c].into()
        );

        let r = call(&client, "show_task", json!({"id": c.to_string()})).await;
        assert!(
            text(&r).starts_with(&format!("# #{c} Login form validation")),
            "{}",
            text(&r)
        );
        let doc = ok(r);
        assert_eq!(doc["dependencies"][0]["short_id"], a);
        assert_eq!(doc["workflows"][0]["short_id"], 1);
        let step = ok(call(
            &client,
            "record_workflow_step",
            json!({"workflow": 1, "step": "build", "result": {"artifact": "app.tar"}}),
        )
        .await);
        assert_eq!(
            (step["status"].as_str(), step["steps_completed"].as_i64()),
            (Some("running"), Some(1))
        );

        let resources = client.list_resources(None).await.unwrap();
        assert!(resources.resources.iter().any(|r| r.uri == "tasks://ready"));
        let templates = client.list_resource_templates(None).await.unwrap();
        assert!(templates
            .resource_templates
            .iter()
            .any(|t| t.uri_template == "task://{id}"));
        let read = client
            .read_resource(ReadResourceRequestParams::new(format!("task://{c}")))
            .await
            .unwrap();
        let texts: Vec<(Option<String>, String)> = read
            .contents
            .iter()
            .map(|c| match c {
                rmcp::model::ResourceContents::TextResourceContents {
                    mime_type, text, ..
                } => (mime_type.clone(), text.clone()),
                other => panic!("not text: {other:?}"),
            })
            .collect();
        assert_eq!(texts[0].0.as_deref(), Some("application/json"));
        let json_doc: Value = serde_json::from_str(&texts[0].1).unwrap();
        assert_eq!(
            json_doc,
            sb.taskdb(&["task", "show", &c.to_string()]).ok_json()
        );
        assert_eq!(texts[1].0.as_deref(), Some("text/markdown"));
        assert!(texts[1]
            .1
            .contains(&format!("## Depends on\n\n- #{a} [pending]")));
        let ready = client
            .read_resource(ReadResourceRequestParams::new("tasks://ready"))
            .await
            .unwrap();
        assert!(format!("{ready:?}").contains("Database backup rotation"));
        let missing = client
            .read_resource(ReadResourceRequestParams::new("task://999"))
            .await
            .unwrap_err();
        assert!(
            missing.to_string().contains("task #999 not found"),
            "{missing}"
        );

        let health = ok(call(&client, "health_summary", json!({})).await);
        let checks = health["checks"].as_array().unwrap();
        let connect = checks.iter().find(|c| c["name"] == "connect").unwrap();
        assert_eq!(connect["state"], "OK");
        let order = ["OK", "WARNING", "UNKNOWN", "CRITICAL"];
        let rank = |s: &Value| order.iter().position(|o| s == o).unwrap();
        let worst = checks.iter().map(|c| rank(&c["state"])).max().unwrap();
        assert_eq!(rank(&health["state"]), worst, "{health:#}");
        client.cancel().await.unwrap();
    });
}

#[test]
fn refusals_carry_the_cli_message_and_the_server_keeps_serving() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let one = create(&sb, &["one"]);
    let two = create(&sb, &["two", "--depends-on", &one.to_string()]);
    let before = db.counts();
    let cases: Vec<(&str, Value, Vec<String>)> = vec![
        (
            "show_task",
            json!({"id": 999}),
            vec!["task", "show", "999"]
                .into_iter()
                .map(String::from)
                .collect(),
        ),
        (
            "show_task",
            json!({"id": "abc"}),
            ["task", "show", "abc"].map(String::from).to_vec(),
        ),
        (
            "set_task_status",
            json!({"id": one, "status": "finished"}),
            ["task", "status", &one.to_string(), "finished"]
                .map(String::from)
                .to_vec(),
        ),
        (
            "set_task_status",
            json!({"id": one, "status": "review"}),
            ["task", "status", &one.to_string(), "review"]
                .map(String::from)
                .to_vec(),
        ),
        (
            "add_dependency",
            json!({"id": one, "depends_on": two}),
            ["task", "deps", "add", &one.to_string(), &two.to_string()]
                .map(String::from)
                .to_vec(),
        ),
        (
            "heartbeat",
            json!({"id": one}),
            ["task", "heartbeat", &one.to_string(), "--assign", "agent-1"]
                .map(String::from)
                .to_vec(),
        ),
        (
            "create_task",
            json!({"title": "two\nlines"}),
            ["task", "create", "two\nlines"].map(String::from).to_vec(),
        ),
    ];
    block_on(async {
        let client = connect(&sb, &db.url(), "agent-1", &[]).await;
        for (tool, args, cli) in &cases {
            let line = refused(call(&client, tool, args.clone()).await);
            let cli: Vec<&str> = cli.iter().map(String::as_str).collect();
            assert_eq!(line, cli_refusal(&sb, &cli), "{tool} {args}");
        }
        assert!(refused(
            call(
                &client,
                "add_dependency",
                json!({"id": one, "depends_on": two})
            )
            .await
        )
        .contains("cycle"));
        // Arguments the schema does not allow: a tool error too, not a protocol failure.
        let wrong = refused(call(&client, "show_task", json!({"id": 1, "verbose": true})).await);
        assert!(wrong.contains("unknown field"), "{wrong}");
        let wrong = refused(call(&client, "list_tasks", json!({"limit": 1000})).await);
        assert_eq!(wrong, "limit must be 1 to 200");
        // An unknown tool is a protocol error (JSON-RPC invalid params).
        let unknown = client
            .call_tool(CallToolRequestParams::new("drop_database"))
            .await
            .unwrap_err();
        assert!(unknown.to_string().contains("tool not found"), "{unknown}");
        // Still serving, and nothing was written.
        let page = ok(call(&client, "list_tasks", json!({})).await);
        assert_eq!(page["tasks"].as_array().unwrap().len(), 2);
        client.cancel().await.unwrap();
    });
    assert_eq!(db.counts(), before);
}

/// One JSON-RPC exchange with `taskdb mcp` by hand: the lines go in on stdin, which then
/// closes; every line the server wrote on stdout must be a JSON-RPC message, and it ends 0.
#[test]
fn garbage_on_stdin_is_answered_or_ignored_and_stdout_carries_only_protocol() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let init = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "by-hand", "version": "1"}}});
    let lines = [
        "this is not JSON".to_string(),
        "{\"jsonrpc\": \"2.0\", \"id\": 0, \"method\": \"tools/list\"".to_string(),
        init.to_string(),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
               "params": {"name": "show_task", "arguments": {"id": [1, 2]}}})
        .to_string(),
        json!({"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}).to_string(),
        json!({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
               "params": {"name": "list_tasks", "arguments": {}}})
        .to_string(),
    ];
    let ran = sb
        .taskdb(&["-v", "mcp"])
        .env("TASKDB_ACTOR", "raw")
        .stdin(lines.join("\n") + "\n")
        .timeout(std::time::Duration::from_secs(120))
        .ok();
    let mut replies = std::collections::BTreeMap::new();
    for line in ran.text().lines() {
        let msg: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert_eq!(msg["jsonrpc"], "2.0", "{msg}");
        if let Some(id) = msg["id"].as_i64() {
            replies.insert(id, msg);
        }
    }
    assert_eq!(
        replies[&1]["result"]["serverInfo"]["name"], "taskdb",
        "{replies:?}"
    );
    assert_eq!(replies[&2]["result"]["isError"], true, "{}", replies[&2]);
    assert_eq!(replies[&3]["error"]["code"], -32601, "{}", replies[&3]);
    assert_eq!(
        replies[&4]["result"]["structuredContent"]["tasks"],
        json!([])
    );
    ran.stderr_contains("taskdb mcp: serving").no_panic();
}

/// The 2026-07-28 revision has no `initialize`: a client discovers the server, then every
/// request carries the protocol version and the client's capabilities in `_meta`.
#[test]
fn the_2026_revision_discovers_then_calls_without_a_handshake() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    create(&sb, &["found without a handshake"]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
        "io.modelcontextprotocol/clientInfo": {"name": "by-hand", "version": "1"}});
    let lines = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"_meta": meta,
               "name": "list_tasks", "arguments": {}}}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "resources/read", "params": {"_meta": meta,
               "uri": "task://999"}}),
    ];
    let input: String = lines.iter().map(|l| format!("{l}\n")).collect();
    let ran = sb.taskdb(&["mcp"]).stdin(input).ok();
    let replies: Vec<Value> = ran
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let reply = |id: i64| {
        replies
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no reply {id}: {replies:?}"))
    };
    assert!(reply(1)["result"]["supportedVersions"]
        .as_array()
        .unwrap()
        .contains(&json!("2026-07-28")));
    let tasks = &reply(2)["result"]["structuredContent"]["tasks"];
    assert_eq!(tasks[0]["title"], "found without a handshake");
    // A missing resource is "invalid params" in this revision.
    assert_eq!(reply(3)["error"]["code"], -32602);
    assert_eq!(reply(3)["error"]["message"], "task #999 not found");
}

#[test]
fn the_database_going_away_gives_tool_errors_then_the_session_recovers() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    create(&sb, &["survivor"]);
    let proxy = Proxy::to(&db);
    block_on(async {
        let client = connect(&sb, &proxy.url(&db), "agent-1", &[]).await;
        assert_eq!(
            ok(call(&client, "list_tasks", json!({})).await)["tasks"][0]["title"],
            "survivor"
        );
        proxy.cut();
        for _ in 0..2 {
            let line = refused(call(&client, "list_tasks", json!({})).await);
            assert!(!line.is_empty());
        }
        proxy.restore();
        let page = ok(call(&client, "list_tasks", json!({})).await);
        assert_eq!(page["tasks"][0]["title"], "survivor");
        // A server restart ends the session's backend: the next calls reconnect.
        terminate_sessions(&db, "taskdb");
        let mut answers = Vec::new();
        for _ in 0..2 {
            let r = call(&client, "show_task", json!({"id": 1})).await;
            answers.push((r.is_error, text(&r)));
        }
        assert_ne!(
            answers[1].0,
            Some(true),
            "not back after a restart: {answers:?}"
        );
        client.cancel().await.unwrap();
    });
}

#[test]
fn after_a_failover_the_session_reconnects_to_the_next_host() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    create(&sb, &["replicated"]);
    let (primary, standby) = (Proxy::to(&db), Proxy::to(&db));
    let url = format!(
        "host=127.0.0.1,127.0.0.1 port={},{} user=postgres dbname={} sslmode=disable",
        primary.port(),
        standby.port(),
        db.name
    );
    block_on(async {
        let client = connect(&sb, &url, "agent-1", &[]).await;
        ok(call(&client, "list_tasks", json!({})).await);
        let via_standby = standby.settled_count();
        primary.cut();
        let mut answers = Vec::new();
        for _ in 0..2 {
            answers.push(call(&client, "list_tasks", json!({})).await.is_error);
        }
        assert_ne!(answers[1], Some(true), "no failover: {answers:?}");
        assert!(
            standby.settled_count() > via_standby,
            "the new session is the second host's"
        );
        client.cancel().await.unwrap();
    });
}

/// End the backends of `db` whose application_name is `app` (what a server restart does to
/// the sessions); on a thread of its own, as the blocking client cannot run inside the test's
/// runtime.
fn terminate_sessions(db: &TestDb, app: &str) {
    std::thread::scope(|s| s.spawn(|| terminate(db, app)).join().unwrap());
}

fn terminate(db: &TestDb, app: &str) {
    let ended: i64 = db
        .client()
        .query_one(
            "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
              WHERE datname = current_database() AND application_name = $1) t",
            &[&app],
        )
        .unwrap()
        .get(0);
    assert!(ended > 0, "no session of {app} to end");
}

#[test]
fn read_only_serves_the_reading_tools_and_tools_picks_some() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    create(&sb, &["look but do not touch"]);
    block_on(async {
        let client = connect(&sb, &db.url(), "viewer", &["--read-only"]).await;
        let tools = client.list_all_tools().await.unwrap();
        let names: BTreeSet<String> = tools.iter().map(|t| t.name.to_string()).collect();
        let reading: BTreeSet<String> = ["health_summary", "list_tasks", "next_task", "show_task"]
            .map(String::from)
            .into();
        assert_eq!(names, reading);
        assert!(tools
            .iter()
            .all(|t| t.annotations.as_ref().unwrap().read_only_hint == Some(true)));
        let next = tools.iter().find(|t| t.name == "next_task").unwrap();
        assert!(!next.input_schema["properties"]
            .as_object()
            .unwrap()
            .contains_key("claim"));
        let next = ok(call(&client, "next_task", json!({})).await);
        assert_eq!(next["task"]["status"], "pending");
        assert!(
            refused(call(&client, "next_task", json!({"claim": true})).await).contains("claim")
        );
        let missing = client
            .call_tool(CallToolRequestParams::new("create_task"))
            .await
            .unwrap_err();
        assert!(missing.to_string().contains("tool not found"), "{missing}");
        client.cancel().await.unwrap();

        let client = connect(
            &sb,
            &db.url(),
            "picker",
            &["--tools", "show_task,list_tasks"],
        )
        .await;
        let names: BTreeSet<String> = client
            .list_all_tools()
            .await
            .unwrap()
            .iter()
            .map(|t| t.name.to_string())
            .collect();
        assert_eq!(names, ["list_tasks", "show_task"].map(String::from).into());
        client.cancel().await.unwrap();
    });
    sb.taskdb(&["mcp", "--tools", "drop_table"])
        .refused(2, "--tools \"drop_table\": no such tool");
    sb.taskdb(&["mcp", "--read-only", "--tools", "create_task"])
        .refused(
            2,
            "--tools create_task: it writes, and --read-only serves only",
        );
}

#[test]
fn under_the_agent_role_a_forbidden_call_is_a_tool_error_naming_what_is_missing() {
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut logins = Logins::new(&db);
    let a = logins.create(&sb, &db, "mcp_a", "agent");
    let b = logins.create(&sb, &db, "mcp_b", "agent");
    let one = create(&sb, &["one"]);
    let two = create(&sb, &["two"]);
    let cli_as = |role: &str, args: &[&str], code: i32| {
        let ran = sb.taskdb(args).url(url_as(&db, role)).refused(code, "");
        ran.stderr_line()["error: ".len()..].to_string()
    };
    let denied_create = cli_as(&b, &["task", "create", "mine"], 5);
    let link = ["task", "deps", "add", &two.to_string(), &one.to_string()].map(String::from);
    let denied_link = cli_as(&b, &link.each_ref().map(String::as_str), 5);
    block_on(async {
        let agent_a = connect(&sb, &url_as(&db, &a), "worker-a", &[]).await;
        let agent_b = connect(&sb, &url_as(&db, &b), "worker-b", &[]).await;
        // What an agent may: claim, heartbeat, read.
        let claimed = ok(call(&agent_a, "next_task", json!({"claim": true})).await);
        assert_eq!(claimed["task"]["short_id"], one);
        ok(call(&agent_a, "heartbeat", json!({"id": one})).await);
        ok(call(&agent_b, "show_task", json!({"id": one})).await);
        let before = db_counts(&db);
        // What it may not: the privilege it lacks, named with its role, as the CLI says it.
        let line = refused(call(&agent_b, "create_task", json!({"title": "mine"})).await);
        assert_eq!(line, denied_create);
        assert!(line.contains(&lacks(&b)), "{line}");
        let line = refused(
            call(
                &agent_b,
                "add_dependency",
                json!({"id": two, "depends_on": one}),
            )
            .await,
        );
        assert_eq!(line, denied_link);
        // Another agent's task: the holder check's line.
        let not_held = cli_as(&b, &["task", "status", &one.to_string(), "completed"], 2);
        let line = refused(
            call(
                &agent_b,
                "set_task_status",
                json!({"id": one, "status": "completed"}),
            )
            .await,
        );
        assert_eq!(line, not_held);
        assert!(line.contains(&format!("held by {a}")), "{line}");
        let line = refused(call(&agent_b, "release_task", json!({"id": one})).await);
        assert!(
            line.starts_with(&format!("task #{one} is not held by {b}")),
            "{line}"
        );
        assert_eq!(db_counts(&db), before);
        // And the holder still can.
        let done = ok(call(
            &agent_a,
            "set_task_status",
            json!({"id": one, "status": "completed"}),
        )
        .await);
        assert_eq!(done["task"]["status"], "completed");
        agent_a.cancel().await.unwrap();
        agent_b.cancel().await.unwrap();
    });
}

/// [`TestDb::counts`] from inside the test's runtime (the blocking client needs its own
/// thread there).
fn db_counts(db: &TestDb) -> (i64, i64, i64, i64) {
    std::thread::scope(|s| s.spawn(|| db.counts()).join().unwrap())
}

#[test]
fn eight_servers_claiming_at_once_never_hand_out_a_task_twice() {
    const TASKS: usize = 40;
    let db = TestPg::get().migrated_db();
    let sb = Sandbox::on(&db);
    let mut c = db.client();
    for i in 0..TASKS {
        c.execute("SELECT create_task(p_title => $1)", &[&format!("job {i}")])
            .unwrap();
    }
    let claims: Vec<(String, i64)> = block_on(async {
        let mut clients = Vec::new();
        for i in 0..8 {
            let actor = format!("agent-{i}");
            clients.push((connect(&sb, &db.url(), &actor, &[]).await, actor));
        }
        let runs = clients.iter().map(|(client, actor)| async move {
            let mut mine = Vec::new();
            loop {
                let next = ok(call(client, "next_task", json!({"claim": true})).await);
                match next["task"]["short_id"].as_i64() {
                    Some(id) => mine.push((actor.clone(), id)),
                    None => return mine,
                }
            }
        });
        let all = futures_util::future::join_all(runs).await.concat();
        for (client, _) in clients {
            client.cancel().await.unwrap();
        }
        all
    });
    let ids: BTreeSet<i64> = claims.iter().map(|(_, id)| *id).collect();
    assert_eq!(
        claims.len(),
        TASKS,
        "every claim is a different task: {claims:?}"
    );
    assert_eq!(ids.len(), TASKS);
    let holders: Vec<(i64, String, i32)> = db
        .client()
        .query(
            "SELECT short_id, assigned_to, attempts FROM tasks ORDER BY short_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (id, holder, attempts) in holders {
        let claimer = claims
            .iter()
            .find(|(_, c)| *c == id)
            .map(|(a, _)| a.clone());
        assert_eq!(Some(holder), claimer, "task #{id}");
        assert_eq!(attempts, 1, "task #{id}");
    }
}
