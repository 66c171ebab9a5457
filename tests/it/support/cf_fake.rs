//! A stateful in-process fake of the parts of the Cloudflare v4 API taskdb uses, with the real
//! envelopes, response shapes and error codes (see the Cloudflare section of the README).
//!
//! It runs on 127.0.0.1:0 in a background thread with its own tokio runtime. Every request is
//! logged (method, path, time) so tests can count writes and check waits; faults can be injected
//! (5xx, 429 with Retry-After, 403) and the token can be account-owned.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Value};

pub const TOKEN: &str = "cf-test-token-Zm9vYmFyc2VjcmV0MTIzNDU2";
pub const ACCOUNT: &str = "0123456789abcdef0123456789abcdef";
pub const ZONE_ID: &str = "fedcba9876543210fedcba9876543210";
pub const ZONE: &str = "example.com";
pub const CONNECTOR_TOKEN_PREFIX: &str = "connector-token-secret-";
pub const CLIENT_SECRET_PREFIX: &str = "access-client-secret-";

#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub at: Instant,
}

#[derive(Debug, Clone)]
struct Fault {
    method: String,
    path_contains: String,
    status: u16,
    retry_after: Option<u64>,
    /// The error item's message (default: a generic one for the status).
    message: Option<String>,
    remaining: u32,
}

#[derive(Default)]
struct Inner {
    log: Vec<Logged>,
    /// (path part, seconds, remaining): answer that late.
    delays: Vec<(String, u64, u32)>,
    faults: Vec<Fault>,
    denied: Vec<(String, String)>,
    account_owned_token: bool,
    /// Access apps listed like the 2024 API: all at once, no `result_info`.
    apps_unpaginated: bool,
    hidden_zones: HashSet<String>,
    /// Accounts the token sees besides [`ACCOUNT`] (`GET /accounts`).
    other_accounts: Vec<String>,
    /// The next tunnel POST finds the name taken by a concurrent run (409).
    tunnel_race: bool,
    tunnels: Vec<Value>,
    configs: BTreeMap<String, Value>,
    connectors: BTreeMap<String, Vec<Value>>,
    dns: Vec<Value>,
    apps: Vec<Value>,
    policies: BTreeMap<String, Vec<Value>>,
    service_tokens: Vec<Value>,
    rulesets: BTreeMap<String, Value>,
    settings: BTreeMap<String, Value>,
    /// Settings the zone's plan locks: PATCH answers 1057. `true`: GET says `editable: false`;
    /// `false`: GET still says `editable: true` (the API is not always that candid).
    locked_settings: BTreeMap<String, bool>,
    seq: u64,
}

impl Inner {
    fn next_hex(&mut self) -> String {
        self.seq += 1;
        format!("{:032x}", 0xabc0_0000_0000u64 + self.seq)
    }
}

type Shared = Arc<Mutex<Inner>>;

pub struct CfFake {
    pub url: String,
    inner: Shared,
}

const NOW: &str = "2026-01-01T00:00:00Z";

impl CfFake {
    pub fn start() -> CfFake {
        let mut inner = Inner::default();
        for (id, value) in [
            ("ssl", json!("full")),
            ("min_tls_version", json!("1.0")),
            ("tls_1_3", json!("on")),
            ("always_use_https", json!("off")),
            (
                "security_header",
                json!({"strict_transport_security": {"enabled": false, "max_age": 0,
                    "include_subdomains": false, "preload": false, "nosniff": false}}),
            ),
        ] {
            inner.settings.insert(id.to_string(), value);
        }
        let inner = Arc::new(Mutex::new(inner));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind fake");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}/client/v4", listener.local_addr().expect("addr"));
        let state = inner.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("fake runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
                let app = Router::new().fallback(handle).with_state(state);
                let _ = axum::serve(listener, app).await;
            });
        });
        CfFake { url, inner }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `taskdb tunnel deploy --hostname db.example.com` (Access for ops@example.com) from
    /// `sb`, against the fake: the tunnel `taskdb`, recorded in the sandbox's state directory.
    pub fn deploy_tunnel(&self, sb: &super::Sandbox) {
        sb.taskdb(&[
            "tunnel",
            "deploy",
            "--hostname",
            "db.example.com",
            "--access-allow-email",
            "ops@example.com",
        ])
        .envs(self.env())
        .ok();
    }

    /// The variables that point a command at the fake, with the right token and a short retry
    /// backoff (for [`super::Taskdb::envs`]).
    pub fn env(&self) -> [(&'static str, String); 3] {
        [
            ("CLOUDFLARE_BASE_URL", self.url.clone()),
            ("CLOUDFLARE_API_TOKEN", TOKEN.to_string()),
            ("TASKDB_CLOUDFLARE_RETRY_BASE_MS", "5".to_string()),
        ]
    }

    pub fn requests(&self) -> Vec<Logged> {
        self.lock().log.clone()
    }

    /// How many requests went to a path containing `part`.
    pub fn count(&self, method: &str, part: &str) -> usize {
        self.lock()
            .log
            .iter()
            .filter(|l| l.method == method && l.path.contains(part))
            .count()
    }

    /// Method and path of every request that is not a GET.
    pub fn writes(&self) -> Vec<String> {
        self.lock()
            .log
            .iter()
            .filter(|l| l.method != "GET")
            .map(|l| format!("{} {}", l.method, l.path))
            .collect()
    }

    pub fn clear_log(&self) {
        self.lock().log.clear();
    }

    /// The next `times` requests matching fail with `status` (a 5xx envelope).
    pub fn fail(&self, method: &str, path_contains: &str, status: u16, times: u32) {
        self.lock().faults.push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            status,
            retry_after: None,
            message: None,
            remaining: times,
        });
    }

    /// The next matching request fails with `status` and an error item saying `message` (an
    /// API that echoes the token, or sends terminal escapes).
    pub fn fail_saying(&self, method: &str, path_contains: &str, status: u16, message: &str) {
        self.lock().faults.push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            status,
            retry_after: None,
            message: Some(message.into()),
            remaining: 1,
        });
    }

    /// The next `times` matching requests get 429 with `Retry-After: secs`.
    pub fn rate_limit(&self, method: &str, path_contains: &str, secs: u64, times: u32) {
        self.lock().faults.push(Fault {
            method: method.into(),
            path_contains: path_contains.into(),
            status: 429,
            retry_after: Some(secs),
            message: None,
            remaining: times,
        });
    }

    /// The next `times` requests to a path containing `part` are answered `secs` late.
    pub fn delay(&self, part: &str, secs: u64, times: u32) {
        self.lock().delays.push((part.into(), secs, times));
    }

    /// Matching requests get 403 9109 (the token lacks the permission).
    pub fn deny(&self, method: &str, path_contains: &str) {
        self.lock()
            .denied
            .push((method.into(), path_contains.into()));
    }

    pub fn apps_unpaginated(&self) {
        self.lock().apps_unpaginated = true;
    }

    pub fn account_owned_token(&self) {
        self.lock().account_owned_token = true;
    }

    /// The token sees one more account (`GET /accounts`), where nothing is deployed.
    pub fn add_account(&self, id: &str) {
        self.lock().other_accounts.push(id.to_string());
    }

    pub fn hide_zone(&self, name: &str) {
        self.lock().hidden_zones.insert(name.into());
    }

    pub fn race_next_tunnel_create(&self) {
        self.lock().tunnel_race = true;
    }

    pub fn add_dns(&self, record_type: &str, name: &str, content: &str) {
        let mut s = self.lock();
        let id = s.next_hex();
        s.dns.push(
            json!({"id": id, "type": record_type, "name": name, "content": content,
            "proxied": false, "ttl": 1, "proxiable": true, "created_on": NOW, "modified_on": NOW}),
        );
    }

    /// Access applications of other people, enough to need a second page.
    pub fn add_foreign_apps(&self, n: usize) {
        let mut s = self.lock();
        for i in 0..n {
            s.apps.push(
                json!({"id": uuid::Uuid::new_v4().to_string(), "type": "self_hosted",
                "name": format!("other app {i}"), "domain": format!("app{i}.example.com"),
                "aud": format!("{i:064x}"), "session_duration": "24h"}),
            );
        }
    }

    /// A service token someone created elsewhere.
    pub fn add_service_token(&self, name: &str) {
        let mut s = self.lock();
        let client_id = format!("{}.access", s.next_hex());
        s.service_tokens
            .push(json!({"id": uuid::Uuid::new_v4().to_string(), "name": name,
            "client_id": client_id, "duration": "8760h", "created_at": NOW}));
    }

    pub fn add_rule(&self, phase: &str, rule: Value) {
        let mut s = self.lock();
        let id = s.next_hex();
        let rs = s.rulesets.entry(phase.to_string()).or_insert_with(|| {
            json!({"id": id, "name": "default", "kind": "zone", "phase": phase, "version": "1",
                   "last_updated": NOW, "rules": []})
        });
        let mut rule = rule;
        rule["version"] = json!("1");
        rule["last_updated"] = json!(NOW);
        rs["rules"].as_array_mut().expect("rules").push(rule);
    }

    /// A cloudflared connector attached to the tunnel (as if it were running).
    pub fn add_connector(&self, tunnel_id: &str) {
        let mut s = self.lock();
        let client = uuid::Uuid::new_v4().to_string();
        let conn = json!({"colo_name": "DFW", "id": uuid::Uuid::new_v4().to_string(),
            "is_pending_reconnect": false, "client_id": client, "client_version": "2025.1.0",
            "opened_at": "2026-01-01T10:00:00Z", "origin_ip": "198.51.100.1"});
        // A connector that has applied the latest configuration.
        let version = s
            .configs
            .get(tunnel_id)
            .and_then(|c| c["version"].as_i64())
            .unwrap_or(0);
        let connector = json!({"id": client, "features": ["allow_remote_config"],
            "version": "2025.1.0", "arch": "linux_amd64", "config_version": version,
            "run_at": NOW, "conns": [conn.clone()]});
        s.connectors
            .entry(tunnel_id.to_string())
            .or_default()
            .push(connector);
        for t in s.tunnels.iter_mut().filter(|t| t["id"] == tunnel_id) {
            t["status"] = json!("healthy");
            if let Some(list) = t["connections"].as_array_mut() {
                list.push(conn.clone());
            }
        }
    }

    /// Delete a tunnel behind taskdb's back (as the dashboard would: DNS and Access stay).
    pub fn delete_tunnel_elsewhere(&self, tunnel_id: &str) {
        let mut s = self.lock();
        s.connectors.remove(tunnel_id);
        for t in s.tunnels.iter_mut().filter(|t| t["id"] == tunnel_id) {
            t["deleted_at"] = json!(NOW);
        }
    }

    pub fn set_setting(&self, id: &str, value: Value) {
        self.lock().settings.insert(id.into(), value);
    }

    /// Lock a setting as a plan would (`announced`: GET reports `editable: false`).
    pub fn lock_setting(&self, id: &str, announced: bool) {
        self.lock().locked_settings.insert(id.into(), announced);
    }

    pub fn live_tunnels(&self) -> Vec<Value> {
        self.lock()
            .tunnels
            .iter()
            .filter(|t| t["deleted_at"].is_null())
            .cloned()
            .collect()
    }
    pub fn config(&self, tunnel_id: &str) -> Option<Value> {
        self.lock().configs.get(tunnel_id).cloned()
    }
    pub fn dns(&self) -> Vec<Value> {
        self.lock().dns.clone()
    }
    pub fn apps(&self) -> Vec<Value> {
        self.lock().apps.clone()
    }
    pub fn policies(&self, app_id: &str) -> Vec<Value> {
        self.lock()
            .policies
            .get(app_id)
            .cloned()
            .unwrap_or_default()
    }
    pub fn service_tokens(&self) -> Vec<Value> {
        self.lock().service_tokens.clone()
    }
    pub fn rules(&self, phase: &str) -> Vec<Value> {
        self.lock()
            .rulesets
            .get(phase)
            .and_then(|r| r["rules"].as_array().cloned())
            .unwrap_or_default()
    }
    pub fn setting(&self, id: &str) -> Value {
        self.lock().settings.get(id).cloned().unwrap_or(Value::Null)
    }
}

// ---- responses ------------------------------------------------------------------------------------

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"success": true, "errors": [], "messages": [], "result": result})),
    )
        .into_response()
}

fn ok_list(items: Vec<Value>, query: &BTreeMap<String, String>) -> Response {
    let per_page: usize = query
        .get("per_page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
        .max(1);
    let page: usize = query
        .get("page")
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    let total = items.len();
    let pages = total.div_ceil(per_page).max(1);
    let count = total.saturating_sub((page - 1) * per_page).min(per_page);
    let slice: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * per_page)
        .take(per_page)
        .collect();
    (
        StatusCode::OK,
        axum::Json(
            json!({"success": true, "errors": [], "messages": [], "result": slice,
            "result_info": {"page": page, "per_page": per_page, "count": count,
                            "total_count": total, "total_pages": pages}}),
        ),
    )
        .into_response()
}

fn err(status: u16, code: u32, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        axum::Json(
            json!({"success": false, "errors": [{"code": code, "message": message}],
                          "messages": [], "result": null}),
        ),
    )
        .into_response()
}

fn not_found(path: &str) -> Response {
    err(
        404,
        7003,
        &format!("Could not route to {path}, perhaps your object identifier is invalid?"),
    )
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- the handler ----------------------------------------------------------------------------------

async fn handle(
    State(state): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = uri.path().to_string();
    let path = full.strip_prefix("/client/v4").unwrap_or(&full).to_string();
    let query = parse_query(uri.query().unwrap_or(""));
    let delay = {
        let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
        // Logged on arrival: a client that gives up still counts.
        s.log.push(Logged {
            method: method.to_string(),
            path: path.clone(),
            at: Instant::now(),
        });
        let found = s
            .delays
            .iter_mut()
            .find(|(part, _, left)| *left > 0 && path.contains(part.as_str()));
        found.map(|d| {
            d.2 -= 1;
            d.1
        })
    };
    if let Some(secs) = delay {
        tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
    }
    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());

    // Injected faults.
    if let Some(f) = s
        .faults
        .iter_mut()
        .find(|f| f.remaining > 0 && f.method == method.as_str() && path.contains(&f.path_contains))
    {
        f.remaining -= 1;
        let mut resp = if let Some(message) = &f.message {
            err(f.status, 10000, message)
        } else if f.status == 429 {
            err(
                429,
                971,
                "Please wait and consider throttling your request speed",
            )
        } else {
            err(f.status, 10013, "Service temporarily unavailable")
        };
        if let Some(secs) = f.retry_after {
            resp.headers_mut()
                .insert("retry-after", secs.to_string().parse().expect("header"));
        }
        return resp;
    }

    // Authentication.
    let auth_ok = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {TOKEN}"));
    let is_verify = path.ends_with("/tokens/verify");
    if !auth_ok {
        return if is_verify {
            err(401, 1000, "Invalid API Token")
        } else {
            err(401, 10000, "Authentication error")
        };
    }
    if s.denied
        .iter()
        .any(|(m, p)| m == method.as_str() && path.contains(p.as_str()))
    {
        return err(403, 9109, "Unauthorized to access requested resource");
    }

    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return err(400, 6007, "Malformed JSON in request body"),
        }
    };
    let seg: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    route(&mut s, &method, &path, &seg, &query, body)
}

fn route(
    s: &mut Inner,
    method: &Method,
    path: &str,
    seg: &[&str],
    q: &BTreeMap<String, String>,
    body: Value,
) -> Response {
    let m = method.as_str();
    match (m, seg) {
        ("GET", ["user", "tokens", "verify"]) => {
            if s.account_owned_token {
                return err(401, 1000, "Invalid API Token");
            }
            verified()
        }
        ("GET", ["accounts", a, "tokens", "verify"]) => {
            if *a == ACCOUNT && s.account_owned_token {
                verified()
            } else {
                err(401, 1000, "Invalid API Token")
            }
        }
        ("GET", ["accounts"]) => {
            if s.account_owned_token {
                return err(
                    400,
                    1001,
                    "List accounts endpoint does not support account owned tokens.",
                );
            }
            let mut accounts = vec![json!({"id": ACCOUNT, "name": "Test account"})];
            for id in &s.other_accounts {
                accounts.push(json!({"id": id, "name": "Another account"}));
            }
            ok_list(accounts, q)
        }
        ("GET", ["zones"]) => {
            let name = q.get("name").cloned().unwrap_or_default();
            let zones: Vec<Value> = [zone_json()]
                .into_iter()
                .filter(|_| !s.hidden_zones.contains(ZONE))
                .filter(|z| name.is_empty() || z["name"] == name.as_str())
                .collect();
            ok_list(zones, q)
        }
        ("GET", ["zones", id]) => {
            if *id == ZONE_ID && !s.hidden_zones.contains(ZONE) {
                ok(zone_json())
            } else {
                not_found(path)
            }
        }
        (_, ["accounts", a, ..]) if *a != ACCOUNT => {
            err(403, 9109, "Unauthorized to access requested resource")
        }
        (_, ["zones", z, ..]) if *z != ZONE_ID || s.hidden_zones.contains(ZONE) => {
            err(403, 9109, "Unauthorized to access requested resource")
        }
        // ---- tunnels
        ("GET", ["accounts", _, "cfd_tunnel"]) => {
            let list: Vec<Value> = s
                .tunnels
                .iter()
                .filter(|t| q.get("name").is_none_or(|n| t["name"] == n.as_str()))
                .filter(|t| match q.get("is_deleted").map(String::as_str) {
                    Some("false") => t["deleted_at"].is_null(),
                    Some("true") => !t["deleted_at"].is_null(),
                    _ => true,
                })
                .cloned()
                .collect();
            ok_list(list, q)
        }
        ("POST", ["accounts", _, "cfd_tunnel"]) => {
            let name = body["name"].as_str().unwrap_or_default().to_string();
            if name.is_empty() {
                return err(400, 1001, "tunnel name is required");
            }
            if s.tunnel_race {
                s.tunnel_race = false;
                let t = new_tunnel(&name, body["config_src"].as_str());
                s.tunnels.push(t);
            }
            if s.tunnels
                .iter()
                .any(|t| t["name"] == name.as_str() && t["deleted_at"].is_null())
            {
                return err(
                    409,
                    1013,
                    "You already have a tunnel with this name. Delete the existing tunnel, or choose a different name for your new tunnel",
                );
            }
            let t = new_tunnel(&name, body["config_src"].as_str());
            s.tunnels.push(t.clone());
            ok(t)
        }
        ("GET", ["accounts", _, "cfd_tunnel", id]) => match live_tunnel(s, id) {
            Some(t) => ok(t),
            None => not_found(path),
        },
        ("DELETE", ["accounts", _, "cfd_tunnel", id]) => {
            if live_tunnel(s, id).is_none() {
                return not_found(path);
            }
            if s.connectors.get(*id).is_some_and(|c| !c.is_empty()) {
                return err(
                    400,
                    1022,
                    "Cannot delete tunnel because it has active connections",
                );
            }
            let mut result = Value::Null;
            for t in s.tunnels.iter_mut().filter(|t| t["id"] == *id) {
                t["deleted_at"] = json!(NOW);
                result = t.clone();
            }
            ok(result)
        }
        (_, ["accounts", _, "cfd_tunnel", id, rest]) => {
            let id = id.to_string();
            if live_tunnel(s, &id).is_none() {
                return not_found(path);
            }
            match (m, *rest) {
                ("GET", "configurations") => ok(s.configs.get(&id).cloned().unwrap_or_else(|| {
                    json!({"tunnel_id": id, "account_id": ACCOUNT, "version": 0, "config": null,
                              "source": "cloudflare", "created_at": NOW})
                })),
                ("PUT", "configurations") => {
                    if let Err(why) = check_tunnel_config(&body["config"]) {
                        return err(400, 1055, &why);
                    }
                    let version = s
                        .configs
                        .get(&id)
                        .and_then(|c| c["version"].as_i64())
                        .unwrap_or(0)
                        + 1;
                    let cfg = json!({"tunnel_id": id, "account_id": ACCOUNT, "version": version,
                        "config": body["config"], "source": "cloudflare", "created_at": NOW});
                    s.configs.insert(id, cfg.clone());
                    ok(cfg)
                }
                ("GET", "token") => ok(json!(format!("{CONNECTOR_TOKEN_PREFIX}{id}"))),
                ("GET", "connections") => ok(Value::Array(
                    s.connectors.get(&id).cloned().unwrap_or_default(),
                )),
                ("DELETE", "connections") => {
                    s.connectors.remove(&id);
                    // Like the real API (cloudflare-go's empty.json): no `result` key at all.
                    (
                        StatusCode::OK,
                        axum::Json(json!({"success": true, "errors": [], "messages": []})),
                    )
                        .into_response()
                }
                _ => not_found(path),
            }
        }
        // ---- DNS
        ("GET", ["zones", _, "dns_records"]) => {
            let list: Vec<Value> = s
                .dns
                .iter()
                .filter(|r| q.get("name").is_none_or(|n| r["name"] == n.as_str()))
                .filter(|r| q.get("type").is_none_or(|t| r["type"] == t.as_str()))
                .cloned()
                .collect();
            ok_list(list, q)
        }
        ("POST", ["zones", _, "dns_records"]) => {
            let name = body["name"].as_str().unwrap_or_default();
            let rtype = body["type"].as_str().unwrap_or_default();
            if name.is_empty() || rtype.is_empty() || body["content"].as_str().is_none() {
                return err(400, 9000, "DNS name, type and content are required");
            }
            if s.dns.iter().any(|r| {
                r["name"] == name
                    && ["A", "AAAA", "CNAME"].contains(&r["type"].as_str().unwrap_or(""))
            }) {
                return err(
                    400,
                    81053,
                    "An A, AAAA, or CNAME record with that host already exists.",
                );
            }
            let mut rec = body.clone();
            rec["id"] = json!(s.next_hex());
            rec["proxiable"] = json!(true);
            rec["created_on"] = json!(NOW);
            rec["modified_on"] = json!(NOW);
            s.dns.push(rec.clone());
            ok(rec)
        }
        (_, ["zones", _, "dns_records", id]) => {
            let Some(pos) = s.dns.iter().position(|r| r["id"] == *id) else {
                return not_found(path);
            };
            match m {
                "GET" => ok(s.dns[pos].clone()),
                "PATCH" => {
                    if let (Some(rec), Some(patch)) = (s.dns[pos].as_object_mut(), body.as_object())
                    {
                        for (k, v) in patch {
                            rec.insert(k.clone(), v.clone());
                        }
                    }
                    ok(s.dns[pos].clone())
                }
                "DELETE" => {
                    s.dns.remove(pos);
                    ok(json!({"id": id}))
                }
                _ => not_found(path),
            }
        }
        // ---- Access
        ("GET", ["accounts", _, "access", "apps"]) if s.apps_unpaginated => {
            ok(Value::Array(s.apps.clone()))
        }
        ("GET", ["accounts", _, "access", "apps"]) => ok_list(s.apps.clone(), q),
        ("POST", ["accounts", _, "access", "apps"]) => {
            if body["type"] != "self_hosted" || body["domain"].as_str().is_none() {
                return err(
                    400,
                    12130,
                    "access.api.error.invalid_request: type and domain are required",
                );
            }
            let mut app = body.clone();
            app["id"] = json!(uuid::Uuid::new_v4().to_string());
            app["aud"] = json!(format!("{:064x}", s.seq + 7));
            app["created_at"] = json!(NOW);
            s.apps.push(app.clone());
            ok(app)
        }
        (_, ["accounts", _, "access", "apps", id]) => {
            let Some(pos) = s.apps.iter().position(|a| a["id"] == *id) else {
                return not_found(path);
            };
            match m {
                "GET" => ok(s.apps[pos].clone()),
                "PUT" => {
                    let mut app = body.clone();
                    app["id"] = s.apps[pos]["id"].clone();
                    app["aud"] = s.apps[pos]["aud"].clone();
                    s.apps[pos] = app.clone();
                    ok(app)
                }
                "DELETE" => {
                    s.apps.remove(pos);
                    s.policies.remove(*id);
                    ok(json!({"id": id}))
                }
                _ => not_found(path),
            }
        }
        (_, ["accounts", _, "access", "apps", app, "policies", rest @ ..]) => {
            let app = app.to_string();
            if !s.apps.iter().any(|a| a["id"] == app.as_str()) {
                return not_found(path);
            }
            match (m, rest) {
                ("GET", []) => ok_list(s.policies.get(&app).cloned().unwrap_or_default(), q),
                ("POST", []) => {
                    if body["name"].as_str().is_none() || body["decision"].as_str().is_none() {
                        return err(400, 12130, "name, decision and include are required");
                    }
                    let mut p = body.clone();
                    p["id"] = json!(uuid::Uuid::new_v4().to_string());
                    s.policies.entry(app).or_default().push(p.clone());
                    ok(p)
                }
                ("PUT", [pid]) | ("DELETE", [pid]) => {
                    let list = s.policies.entry(app).or_default();
                    let Some(pos) = list.iter().position(|p| p["id"] == *pid) else {
                        return not_found(path);
                    };
                    if m == "DELETE" {
                        list.remove(pos);
                        ok(json!({"id": pid}))
                    } else {
                        let mut p = body.clone();
                        p["id"] = json!(pid);
                        list[pos] = p.clone();
                        ok(p)
                    }
                }
                _ => not_found(path),
            }
        }
        ("GET", ["accounts", _, "access", "service_tokens"]) => {
            // The secret is never listed.
            let list: Vec<Value> = s
                .service_tokens
                .iter()
                .map(|t| {
                    let mut t = t.clone();
                    if let Some(o) = t.as_object_mut() {
                        o.remove("client_secret");
                    }
                    t
                })
                .collect();
            ok_list(list, q)
        }
        ("POST", ["accounts", _, "access", "service_tokens"]) => {
            let id = uuid::Uuid::new_v4().to_string();
            let tok = json!({"id": id, "name": body["name"], "client_id": format!("{}.access", s.next_hex()),
                "client_secret": format!("{CLIENT_SECRET_PREFIX}{}", s.next_hex()),
                "duration": body["duration"], "created_at": NOW});
            s.service_tokens.push(tok.clone());
            ok(tok)
        }
        ("DELETE", ["accounts", _, "access", "service_tokens", id]) => {
            let before = s.service_tokens.len();
            s.service_tokens.retain(|t| t["id"] != *id);
            if s.service_tokens.len() == before {
                not_found(path)
            } else {
                ok(json!({"id": id}))
            }
        }
        // ---- rulesets
        ("GET", ["zones", _, "rulesets", "phases", phase, "entrypoint"]) => {
            match s.rulesets.get(*phase) {
                Some(r) => ok(r.clone()),
                None => err(404, 10003, "could not find entrypoint ruleset in the phase"),
            }
        }
        ("PUT", ["zones", _, "rulesets", "phases", phase, "entrypoint"]) => {
            if let Some(obj) = body.as_object() {
                if let Some(k) = obj
                    .keys()
                    .find(|k| !["rules", "description"].contains(&k.as_str()))
                {
                    return err(400, 20021, &format!("invalid JSON: unknown field {k}"));
                }
            }
            let Some(rules) = body["rules"].as_array() else {
                return err(400, 20021, "rules are required");
            };
            let mut stored = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                if r.get("last_updated").is_some() || r.get("version").is_some() {
                    return err(
                        400,
                        20021,
                        &format!("rules[{i}]: read-only field in request"),
                    );
                }
                if r["expression"].as_str().is_none_or(str::is_empty)
                    || r["action"].as_str().is_none()
                {
                    return err(
                        400,
                        20021,
                        &format!("rules[{i}]: expression and action are required"),
                    );
                }
                if *phase == "http_ratelimit" {
                    let ch = &r["ratelimit"]["characteristics"];
                    if !ch
                        .as_array()
                        .is_some_and(|a| a.iter().any(|c| c == "cf.colo.id"))
                    {
                        return err(
                            400,
                            20120,
                            "ratelimit characteristics must include cf.colo.id",
                        );
                    }
                }
                let mut r = r.clone();
                if r.get("id").is_none() {
                    r["id"] = json!(s.next_hex());
                }
                r["version"] = json!("1");
                r["last_updated"] = json!(NOW);
                stored.push(r);
            }
            let id = s.next_hex();
            let rs = s.rulesets.entry(phase.to_string()).or_insert_with(|| {
                json!({"id": id, "name": "zone", "kind": "zone", "phase": phase, "version": "0"})
            });
            rs["rules"] = Value::Array(stored);
            let v = rs["version"]
                .as_str()
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(0)
                + 1;
            rs["version"] = json!(v.to_string());
            rs["last_updated"] = json!(NOW);
            ok(rs.clone())
        }
        // ---- zone settings
        (_, ["zones", _, "settings", id]) => {
            let id = id.to_string();
            if !s.settings.contains_key(&id) {
                return not_found(path);
            }
            let locked = s.locked_settings.get(&id).copied();
            if m == "PATCH" {
                let Some(value) = body.get("value") else {
                    return err(400, 1007, "Invalid value for zone setting");
                };
                if locked.is_some() {
                    return err(400, 1057, &format!("{id} cannot be modified for this zone"));
                }
                s.settings.insert(id.clone(), value.clone());
            } else if m != "GET" {
                return not_found(path);
            }
            let editable = locked != Some(true);
            ok(
                json!({"id": id, "value": s.settings[&id], "editable": editable, "modified_on": NOW}),
            )
        }
        _ => not_found(path),
    }
}

fn verified() -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"success": true, "errors": [],
            "messages": [{"code": 10000, "message": "This API Token is valid and active"}],
            "result": {"id": "f267e341f3dd4697bd3b9f71dd96247f", "status": "active"}})),
    )
        .into_response()
}

fn zone_json() -> Value {
    json!({"id": ZONE_ID, "name": ZONE, "status": "active", "paused": false, "type": "full",
           "account": {"id": ACCOUNT, "name": "Test account"},
           "name_servers": ["a.ns.cloudflare.com", "b.ns.cloudflare.com"],
           "created_on": NOW, "modified_on": NOW, "activated_on": NOW})
}

fn new_tunnel(name: &str, config_src: Option<&str>) -> Value {
    json!({"id": uuid::Uuid::new_v4().to_string(), "account_tag": ACCOUNT, "name": name,
           "created_at": NOW, "deleted_at": null, "connections": [], "conns_active_at": null,
           "conns_inactive_at": NOW, "tun_type": "cfd_tunnel", "metadata": {}, "status": "inactive",
           "remote_config": config_src == Some("cloudflare"),
           "config_src": config_src.unwrap_or("local")})
}

fn live_tunnel(s: &Inner, id: &str) -> Option<Value> {
    s.tunnels
        .iter()
        .find(|t| t["id"] == id && t["deleted_at"].is_null())
        .cloned()
}

/// What cloudflared enforces on a remote configuration.
fn check_tunnel_config(cfg: &Value) -> Result<(), String> {
    let ingress = cfg["ingress"]
        .as_array()
        .filter(|a| !a.is_empty())
        .ok_or("ingress must have at least one rule")?;
    for (i, rule) in ingress.iter().enumerate() {
        let last = i + 1 == ingress.len();
        let catch_all = rule["hostname"]
            .as_str()
            .is_none_or(|h| h.is_empty() || h == "*")
            && rule.get("path").is_none();
        if last && !catch_all {
            return Err("The last ingress rule must match all URLs".into());
        }
        if !last && catch_all {
            return Err(format!("rule {i} is a catch-all but not last"));
        }
        let service = rule["service"].as_str().ok_or("service is required")?;
        if let Some(rest) = service.split_once("://").map(|(_, r)| r) {
            if rest.contains('/') {
                return Err("ingress rules don't support proxying to a different path".into());
            }
        }
        if let Some(o) = rule["originRequest"].as_object() {
            for (k, v) in o {
                if (k.ends_with("Timeout") || k == "tcpKeepAlive") && !v.is_i64() && !v.is_u64() {
                    return Err(format!(
                        "originRequest.{k} must be an integer number of seconds"
                    ));
                }
            }
        }
    }
    Ok(())
}
