//! A Patroni cluster for the failover tests: etcd and three Patroni-managed PostgreSQL nodes on
//! 127.0.0.1 at free ports (`ttl` 20, `loop_wait` 2, `retry_timeout` 5, `synchronous_mode` on,
//! `use_pg_rewind`), as the `postgres` user when running as root. One per test process, started
//! by the first test that asks ([`Patroni::get`]); a watchdog stops it when the test process
//! ends, however it ends: Patroni with SIGTERM (it stops its PostgreSQL), then any postmaster
//! left (`pg_ctl -m immediate`), then etcd, then the directory goes. Its directory starts with
//! `taskdb-test-pg-`, like the shared cluster's, so `.ci/run` finds anything left running.
//!
//! Tests hold [`Patroni::exclusive`] (they run one at a time: most of them disturb the
//! cluster), which first restores a healthy cluster — a leader and two replicas streaming,
//! synchronous mode on, not paused — should an earlier test have failed halfway.

use std::collections::HashSet;
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::pg::{as_server_user, bindir, free_port, is_root, new_server_dir, spawn_detached};
use super::Ran;

/// The cluster's superuser password (md5 over TCP; trust over the Unix socket).
pub const PASSWORD: &str = "postgres";

pub struct Patroni {
    pub dir: PathBuf,
    pub nodes: Vec<Node>,
    etcd_port: u16,
    bindir: PathBuf,
    lock: Mutex<()>,
}

pub struct Node {
    pub name: String,
    pub pg_port: u16,
    pub api_port: u16,
}

static CLUSTER: OnceLock<Patroni> = OnceLock::new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

pub(super) fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `count` distinct free ports on 127.0.0.1.
fn free_ports(count: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    let mut seen = HashSet::new();
    while ports.len() < count {
        let p = free_port();
        if seen.insert(p) {
            ports.push(p);
        }
    }
    ports
}

/// A plain HTTP/1.0 request to 127.0.0.1:`port`: (status, body), None when nothing answers.
pub fn http(port: u16, method: &str, path: &str) -> Option<(u16, String)> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    s.read_to_string(&mut text).ok()?;
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string())?;
    Some((status, body))
}

fn alive(pid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

fn signal(pid: i32, sig: i32) {
    // SAFETY: kill(2) on a process this harness started.
    unsafe {
        libc::kill(pid, sig);
    }
}

/// The pid in a pid file (a postmaster.pid's first line), if it is there.
fn pid_in(file: &Path) -> Option<i32> {
    std::fs::read_to_string(file)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "patroni test cluster: gave up waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

impl Patroni {
    /// The cluster of this test process, started on first use.
    pub fn get() -> &'static Patroni {
        CLUSTER.get_or_init(Patroni::start)
    }

    fn start() -> Patroni {
        assert!(
            found("patroni") && found("patronictl") && found("etcd"),
            "patroni or etcd not found: apt-get install patroni etcd-server"
        );
        let (dir, _) = new_server_dir("taskdb-test-pg-patroni-");
        let ports = free_ports(8);
        let cluster = Patroni {
            dir,
            etcd_port: ports[0],
            nodes: (0..3)
                .map(|i| Node {
                    name: format!("pg{i}"),
                    pg_port: ports[2 + 2 * i],
                    api_port: ports[3 + 2 * i],
                })
                .collect(),
            bindir: bindir(),
            lock: Mutex::new(()),
        };
        // The watchdog first, so nothing started below outlives this process.
        cluster.spawn_watchdog();
        cluster.start_etcd(ports[1]);
        for i in 0..3 {
            cluster.write_config(i);
        }
        std::fs::create_dir(cluster.dir.join("data")).expect("data dir");
        super::pg::chown_to_postgres(&cluster.dir);
        // All three at once: any may win the leader race.
        for i in 0..3 {
            cluster.start_node(i);
        }
        wait_for(180, "a leader and two streaming replicas", || {
            cluster.healthy()
        });
        cluster
    }

    fn start_etcd(&self, peer_port: u16) {
        let (client, peer) = (
            format!("http://127.0.0.1:{}", self.etcd_port),
            format!("http://127.0.0.1:{peer_port}"),
        );
        let d = self.dir.display();
        let script = format!(
            "etcd --name e0 --data-dir {d}/etcd --listen-client-urls {client} \
             --advertise-client-urls {client} --listen-peer-urls {peer} \
             --initial-advertise-peer-urls {peer} --initial-cluster e0={peer} \
             --initial-cluster-state new >{d}/etcd.log 2>&1 </dev/null & echo $! >{d}/etcd.pid"
        );
        let ok = Command::new("sh").args(["-c", &script]).status();
        assert!(ok.is_ok_and(|s| s.success()), "start etcd");
        wait_for(60, "etcd", || {
            http(self.etcd_port, "GET", "/health").is_some_and(|(code, _)| code == 200)
        });
    }

    fn write_config(&self, i: usize) {
        let n = &self.nodes[i];
        let d = self.dir.display();
        // fsync off: the tests kill processes, never the machine, so the OS keeps every write.
        let yaml = format!(
            r#"scope: taskdb-test
name: {name}
restapi: {{listen: 127.0.0.1:{api}, connect_address: 127.0.0.1:{api}}}
etcd3: {{hosts: 127.0.0.1:{etcd}}}
bootstrap:
  dcs:
    ttl: 20
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters: {{max_connections: 100, fsync: 'off'}}
  initdb: [{{encoding: UTF8}}, data-checksums, {{auth-host: md5}}, {{auth-local: trust}}]
postgresql:
  listen: 127.0.0.1:{pg}
  connect_address: 127.0.0.1:{pg}
  data_dir: {d}/data/{name}
  bin_dir: {bin}
  pgpass: {d}/pgpass-{name}
  authentication:
    superuser: {{username: postgres, password: {PASSWORD}}}
    replication: {{username: replicator, password: rep-pass}}
    rewind: {{username: rewind_user, password: rewind-pass}}
  parameters: {{unix_socket_directories: '{d}'}}
  pg_hba:
  - local all all trust
  - host replication replicator 127.0.0.1/32 md5
  - host all all 127.0.0.1/32 md5
"#,
            name = n.name,
            api = n.api_port,
            pg = n.pg_port,
            etcd = self.etcd_port,
            bin = self.bindir.display(),
        );
        std::fs::write(self.config(i), yaml).expect("write patroni config");
    }

    fn config(&self, i: usize) -> PathBuf {
        self.dir.join(format!("{}.yml", self.nodes[i].name))
    }

    fn pid_file(&self, i: usize) -> PathBuf {
        self.dir.join(format!("{}.pid", self.nodes[i].name))
    }

    fn data(&self, i: usize) -> PathBuf {
        self.dir.join("data").join(&self.nodes[i].name)
    }

    /// Start node `i`'s Patroni (in the background; its pid goes to `<name>.pid`).
    pub fn start_node(&self, i: usize) {
        let script = format!(
            "patroni {cfg} >>{d}/{name}.log 2>&1 </dev/null & echo $! >{pid}",
            cfg = self.config(i).display(),
            d = self.dir.display(),
            name = self.nodes[i].name,
            pid = self.pid_file(i).display()
        );
        let ok = as_server_user(Path::new("sh"))
            .args(["-c", &script])
            .status();
        assert!(ok.is_ok_and(|s| s.success()), "start patroni {i}");
    }

    /// Whether node `i`'s Patroni runs.
    fn node_alive(&self, i: usize) -> bool {
        pid_in(&self.pid_file(i)).is_some_and(alive)
    }

    /// Stop node `i`'s Patroni gracefully (SIGTERM: it stops its PostgreSQL) and wait for it.
    pub fn stop_node(&self, i: usize) {
        if let Some(pid) = pid_in(&self.pid_file(i)) {
            signal(pid, libc::SIGTERM);
            wait_for(60, "patroni to stop", || !alive(pid));
        }
    }

    /// SIGKILL the leader's Patroni and postmaster at once (killing only Patroni would leave a
    /// writable primary behind); its index.
    pub fn kill_leader(&self) -> usize {
        let leader = self.leader().expect("a leader to kill");
        let postmaster = pid_in(&self.data(leader).join("postmaster.pid"));
        if let Some(pid) = pid_in(&self.pid_file(leader)) {
            signal(pid, libc::SIGKILL);
        }
        if let Some(pid) = postmaster {
            signal(pid, libc::SIGKILL);
        }
        leader
    }

    /// `GET /cluster` from the first node that answers.
    pub fn cluster(&self) -> Option<Value> {
        self.nodes.iter().find_map(|n| {
            let (code, body) = http(n.api_port, "GET", "/cluster")?;
            (code == 200).then(|| serde_json::from_str(&body).ok())?
        })
    }

    /// The node holding the leader lock with a running PostgreSQL.
    pub fn leader(&self) -> Option<usize> {
        let cluster = self.cluster()?;
        let name = cluster["members"]
            .as_array()?
            .iter()
            .find(|m| m["role"] == "leader" && m["state"] == "running")?["name"]
            .as_str()?
            .to_string();
        self.nodes.iter().position(|n| n.name == name)
    }

    /// A leader, two replicas streaming from it, one of them the synchronous standby,
    /// synchronous mode on, not paused.
    pub fn healthy(&self) -> bool {
        let (Some(cluster), Some(leader)) = (self.cluster(), self.leader()) else {
            return false;
        };
        let members = cluster["members"].as_array().cloned().unwrap_or_default();
        let sync = members.iter().any(|m| m["role"] == "sync_standby");
        let all_running = members.len() == self.nodes.len()
            && members
                .iter()
                .all(|m| m["state"] == "running" || m["state"] == "streaming");
        let config = http(self.nodes[leader].api_port, "GET", "/config")
            .and_then(|(_, b)| serde_json::from_str::<Value>(&b).ok());
        let status = http(self.nodes[leader].api_port, "GET", "/patroni")
            .and_then(|(_, b)| serde_json::from_str::<Value>(&b).ok());
        let streaming = status
            .as_ref()
            .and_then(|s| s["replication"].as_array().cloned())
            .map_or(0, |r| {
                r.iter().filter(|x| x["state"] == "streaming").count()
            });
        cluster["pause"] != true
            && all_running
            && sync
            && streaming == 2
            && config.is_some_and(|c| c["synchronous_mode"] == true)
    }

    /// Bring the cluster back to [`Patroni::healthy`]: restart stopped nodes, resume, turn
    /// synchronous mode on, and wait.
    pub fn heal(&self) {
        if self.healthy() {
            return;
        }
        for i in 0..self.nodes.len() {
            if !self.node_alive(i) {
                self.start_node(i);
            }
        }
        wait_for(120, "a leader", || self.leader().is_some());
        if self.cluster().is_some_and(|c| c["pause"] == true) {
            self.patronictl(&["resume", "--wait"]);
        }
        self.patronictl(&["edit-config", "-s", "synchronous_mode=true", "--force"]);
        wait_for(180, "a healthy cluster", || self.healthy());
    }

    /// Run the cluster's tests one at a time, from a healthy cluster. (A test that panicked
    /// while holding it leaves the lock poisoned: that is fine, `heal` repairs the cluster.)
    pub fn exclusive(&self) -> MutexGuard<'_, ()> {
        let guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        self.heal();
        guard
    }

    /// `patronictl -c <node 0's config> ARGS` (the scope and DCS come from the file); it must
    /// succeed.
    pub fn patronictl(&self, args: &[&str]) -> Output {
        let out = Command::new("patronictl")
            .arg("-c")
            .arg(self.config(0))
            .args(args)
            .output()
            .expect("run patronictl");
        assert!(
            out.status.success(),
            "patronictl {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// Every node's REST API, comma-separated (for `--patroni-url`).
    pub fn api_urls(&self) -> String {
        self.nodes
            .iter()
            .map(|n| format!("http://127.0.0.1:{}", n.api_port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// A connection string over all three nodes that finds the leader.
    pub fn url(&self, dbname: &str) -> String {
        self.url_starting_with(0, dbname)
    }

    /// [`Patroni::url`] with node `first` listed first, the others after it in order.
    pub fn url_starting_with(&self, first: usize, dbname: &str) -> String {
        let order = std::iter::once(first).chain((0..self.nodes.len()).filter(|i| *i != first));
        let ports: Vec<String> = order.map(|i| self.nodes[i].pg_port.to_string()).collect();
        format!(
            "host=127.0.0.1,127.0.0.1,127.0.0.1 port={} user=postgres password={PASSWORD} \
             dbname={dbname} target_session_attrs=read-write sslmode=disable connect_timeout=3",
            ports.join(",")
        )
    }

    /// A connection string to node `i` alone (whatever its role).
    pub fn node_url(&self, i: usize, dbname: &str) -> String {
        format!(
            "host=127.0.0.1 port={} user=postgres password={PASSWORD} dbname={dbname} \
             sslmode=disable connect_timeout=3",
            self.nodes[i].pg_port
        )
    }

    /// A client of the leader (wherever it is now).
    pub fn client(&self, dbname: &str) -> postgres::Client {
        postgres::Client::connect(&self.url(dbname), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connect to the patroni leader, {dbname}: {e}"))
    }

    /// A fresh database for one test (made on the leader, replicated); dropped on drop.
    pub fn fresh_db(&'static self) -> PatroniDb {
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let name = format!("p_{}_{n}", std::process::id());
        self.client("postgres")
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create a database on the patroni leader");
        PatroniDb {
            cluster: self,
            name,
        }
    }

    /// Stop everything once this test process has exited, however it exits.
    fn spawn_watchdog(&self) {
        let d = self.dir.display();
        let pg_ctl = self.bindir.join("pg_ctl");
        let as_postgres = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        let script = format!(
            "while kill -0 {pid} 2>/dev/null; do sleep 0.2; done; \
             for f in {d}/pg?.pid; do [ -f \"$f\" ] && kill -TERM \"$(cat \"$f\")\" 2>/dev/null; done; \
             for _ in $(seq 75); do up=0; for f in {d}/pg?.pid; do \
               [ -f \"$f\" ] && kill -0 \"$(cat \"$f\")\" 2>/dev/null && up=1; done; \
               [ $up = 0 ] && break; sleep 0.2; done; \
             for f in {d}/pg?.pid; do [ -f \"$f\" ] && kill -KILL \"$(cat \"$f\")\" 2>/dev/null; done; \
             for data in {d}/data/pg?; do \
               [ -f \"$data/postmaster.pid\" ] && {as_postgres}{pg_ctl} -D \"$data\" -m immediate -w stop; done; \
             kill -TERM \"$(cat {d}/etcd.pid)\" 2>/dev/null; sleep 1; kill -KILL \"$(cat {d}/etcd.pid)\" 2>/dev/null; \
             rm -rf {d}",
            pid = std::process::id(),
            pg_ctl = pg_ctl.display(),
        );
        spawn_detached(&script);
    }
}

/// The `patroni` probe's result in a `health --format json` run.
pub fn probe_result(ran: &Ran) -> Value {
    let doc = ran.json();
    doc["probes"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "patroni").cloned())
        .unwrap_or_else(|| ran.fail("no patroni probe in the report"))
}

/// One test's database on the Patroni cluster.
pub struct PatroniDb {
    pub cluster: &'static Patroni,
    pub name: String,
}

impl PatroniDb {
    /// The multi-host connection string (finds the leader).
    pub fn url(&self) -> String {
        self.cluster.url(&self.name)
    }

    /// A client of the leader.
    pub fn client(&self) -> postgres::Client {
        self.cluster.client(&self.name)
    }
}

impl Drop for PatroniDb {
    fn drop(&mut self) {
        if let Ok(mut c) = postgres::Client::connect(&self.cluster.url("postgres"), postgres::NoTls)
        {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
