//! The waiting side of `--wait` (`taskdb::db::listen`), called as a library: LISTEN on a
//! dedicated connection, deadlines, bursts, polling when listening is off or impossible, and
//! re-opening a lost connection. Deadlines are generous; nothing is timed.

use std::collections::HashMap;
use std::time::Duration;

use taskdb::db::listen::{WaitMode, Waiter, Wake};
use taskdb::options::{ColorChoice, GlobalOpts};
use taskdb::output::Output;
use taskdb::settings::Settings;
use tokio::time::Instant;

use crate::support::pg::free_port;
use crate::support::{block_on, Sandbox, TestDb, TestPg};

/// Long enough never to be reached when the wake is due; reaching it fails the test.
const GENEROUS: Duration = Duration::from_secs(30);

struct Vars(HashMap<&'static str, String>);

impl taskdb::platform::Env for Vars {
    fn get(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
}

fn global() -> GlobalOpts {
    GlobalOpts {
        database_url: None,
        config: Some("/dev/null".into()),
        format: None,
        quiet: false,
        verbose: 2,
        yes: false,
        color: ColorChoice::Never,
        actor: None,
        read_only: false,
    }
}

/// A waiter on `db` with these extra settings (`TASKDB_LISTEN_URL`, `TASKDB_POLL_INTERVAL`).
async fn waiter(db: &TestDb, vars: &[(&'static str, String)]) -> Waiter {
    let mut env: HashMap<&'static str, String> = vars.iter().cloned().collect();
    env.insert("DATABASE_URL", db.url());
    let settings = Settings::load_with(&global(), &Vars(env)).unwrap();
    let out = Output::new(&global());
    let spec = taskdb::db::resolve(&settings, &out).await.unwrap();
    Waiter::open(&spec, &settings, &out).await.unwrap()
}

/// Another session, as the schema's trigger or another worker would be.
async fn session(db: &TestDb) -> tokio_postgres::Client {
    connect(&db.url()).await
}

async fn connect(conninfo: &str) -> tokio_postgres::Client {
    let (client, connection) = tokio_postgres::connect(conninfo, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
}

/// `pg_notify('taskdb_ready', '')`, committed.
async fn notify(client: &tokio_postgres::Client) {
    client
        .batch_execute("SELECT pg_notify('taskdb_ready', '')")
        .await
        .unwrap();
}

fn soon() -> Instant {
    Instant::now() + Duration::from_millis(300)
}

fn far() -> Instant {
    Instant::now() + GENEROUS
}

fn assert_listening(w: &Waiter) {
    match w.mode() {
        WaitMode::Listen { target } => assert!(target.contains("postgres@"), "{target}"),
        other => panic!("expected LISTEN, got {other}"),
    }
    assert!(w
        .mode()
        .to_string()
        .starts_with("LISTEN taskdb_ready on a dedicated connection to "));
}

fn poll_reason(w: &Waiter) -> String {
    match w.mode() {
        WaitMode::Poll { reason, .. } => reason.clone(),
        other => panic!("expected polling, got {other}"),
    }
}

#[test]
fn a_notification_wakes_the_waiter_and_silence_reaches_the_deadline() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let mut w = waiter(&db, &[]).await;
        assert_listening(&w);
        let other = session(&db).await;

        // Nothing sent: the deadline.
        assert_eq!(w.wait(soon()).await, Wake::Deadline);
        // Another channel is not ours.
        other.batch_execute("NOTIFY somebody_else").await.unwrap();
        assert_eq!(w.wait(soon()).await, Wake::Deadline);

        // Sent before the wait: still heard.
        notify(&other).await;
        assert_eq!(w.wait(far()).await, Wake::Notified);
        // Sent while waiting.
        let later = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            notify(&other).await;
            other
        });
        assert_eq!(w.wait(far()).await, Wake::Notified);
        let other = later.await.unwrap();

        // A notification in a rolled-back transaction is never sent.
        other
            .batch_execute("BEGIN; SELECT pg_notify('taskdb_ready', ''); ROLLBACK")
            .await
            .unwrap();
        assert_eq!(w.wait(soon()).await, Wake::Deadline);
        // A deadline already past returns at once.
        assert_eq!(w.wait(Instant::now()).await, Wake::Deadline);
    });
}

#[test]
fn a_burst_wakes_once_then_the_queue_is_empty() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let mut w = waiter(&db, &[]).await;
        let other = session(&db).await;
        for _ in 0..100 {
            notify(&other).await; // 100 transactions
        }
        assert_eq!(w.wait(far()).await, Wake::Notified);
        assert_eq!(w.wait(soon()).await, Wake::Deadline, "drained");
        // Still listening after the drain.
        notify(&other).await;
        assert_eq!(w.wait(far()).await, Wake::Notified);
        assert_eq!(w.wait(soon()).await, Wake::Deadline);
    });
}

#[test]
fn a_cancelled_wait_loses_no_notification() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let mut w = waiter(&db, &[]).await;
        let other = session(&db).await;
        notify(&other).await;
        // Time for the driver to queue it (if it has not, the wait below still hears it).
        tokio::time::sleep(Duration::from_millis(100)).await;
        // One poll takes the notification and starts the round trip that drains the queue;
        // then the wait is dropped, as a `select!` whose other branch won would drop it.
        {
            let mut cancelled = std::pin::pin!(w.wait(far()));
            assert!(futures_util::poll!(cancelled.as_mut()).is_pending());
        }
        assert_eq!(w.wait(far()).await, Wake::Notified);
        assert_eq!(w.wait(soon()).await, Wake::Deadline);
    });
}

#[test]
fn listen_url_off_polls() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let vars = [
            ("TASKDB_LISTEN_URL", "off".to_string()),
            ("TASKDB_POLL_INTERVAL", "100ms".to_string()),
        ];
        let mut w = waiter(&db, &vars).await;
        assert_eq!(
            w.mode(),
            &WaitMode::Poll {
                interval: Duration::from_millis(100),
                reason: "listen_url is off, from env TASKDB_LISTEN_URL".into()
            }
        );
        assert_eq!(
            w.mode().to_string(),
            "polling every 100ms (listen_url is off, from env TASKDB_LISTEN_URL)"
        );
        // Notifications are not heard; ticks come, and the deadline when it is nearer.
        notify(&session(&db).await).await;
        assert_eq!(w.wait(far()).await, Wake::PollTick);
        assert_eq!(w.wait(Instant::now()).await, Wake::Deadline);
        assert!(matches!(w.mode(), WaitMode::Poll { .. }));
    });
}

#[test]
fn an_unreachable_listen_url_falls_back_to_polling_with_the_reason() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let port = free_port();
        let url = format!("postgres://postgres:hunter2@127.0.0.1:{port}/x?sslmode=disable");
        let vars = [
            ("TASKDB_LISTEN_URL", url),
            ("TASKDB_POLL_INTERVAL", "100ms".to_string()),
        ];
        let mut w = waiter(&db, &vars).await;
        let reason = poll_reason(&w);
        assert!(
            reason.contains(&format!("connection refused by 127.0.0.1:{port}")),
            "{reason}"
        );
        assert!(!w.mode().to_string().contains("hunter2"), "{}", w.mode());
        assert_eq!(w.wait(far()).await, Wake::PollTick);
    });
}

#[test]
fn a_listen_url_that_does_not_parse_is_a_usage_error() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let mut env = HashMap::from([
            ("DATABASE_URL", db.url()),
            (
                "TASKDB_LISTEN_URL",
                "postgres://u:hunter2@h/d?bogus=1".to_string(),
            ),
        ]);
        env.insert("TASKDB_POLL_INTERVAL", "1s".into());
        let settings = Settings::load_with(&global(), &Vars(env)).unwrap();
        let out = Output::new(&global());
        let spec = taskdb::db::resolve(&settings, &out).await.unwrap();
        let err = match Waiter::open(&spec, &settings, &out).await {
            Ok(w) => panic!("opened: {}", w.mode()),
            Err(e) => e,
        };
        let text = format!("{err:#}");
        assert!(text.starts_with("listen_url: "), "{text}");
        assert!(text.contains("env TASKDB_LISTEN_URL"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert_eq!(taskdb::exit::code_for(&err), taskdb::exit::Exit::USAGE);
    });
}

/// The listening session's backend, seen from another session.
async fn listener_pid(other: &tokio_postgres::Client) -> i32 {
    other
        .query_one(
            "SELECT pid FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = 'taskdb listen'",
            &[],
        )
        .await
        .unwrap()
        .get(0)
}

#[test]
fn a_lost_connection_is_reopened_and_reported() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let mut w = waiter(&db, &[]).await;
        let other = session(&db).await;
        let pid = listener_pid(&other).await;
        other
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
        assert_eq!(w.wait(far()).await, Wake::Reconnected);
        assert_listening(&w);
        assert_ne!(listener_pid(&other).await, pid);
        notify(&other).await;
        assert_eq!(w.wait(far()).await, Wake::Notified);
    });
}

#[test]
fn a_connection_that_cannot_be_reopened_falls_back_to_polling() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let vars = [("TASKDB_POLL_INTERVAL", "100ms".to_string())];
        let mut w = waiter(&db, &vars).await;
        let admin = connect(&TestPg::get().conninfo("postgres")).await;
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} WITH ALLOW_CONNECTIONS false",
                db.name
            ))
            .await
            .unwrap();
        let pid: i32 = admin
            .query_one(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'taskdb listen'",
                &[&db.name],
            )
            .await
            .unwrap()
            .get(0);
        admin
            .execute("SELECT pg_terminate_backend($1)", &[&pid])
            .await
            .unwrap();
        // Three tries (about 2.5 s), then polling, said once.
        assert_eq!(w.wait(far()).await, Wake::PollTick);
        let reason = poll_reason(&w);
        assert!(
            reason
                .starts_with("the listening connection was lost and 3 tries to re-open it failed"),
            "{reason}"
        );
        assert!(
            reason.contains("is not currently accepting connections"),
            "{reason}"
        );
        assert_eq!(w.wait(far()).await, Wake::PollTick);
        admin
            .batch_execute(&format!(
                "ALTER DATABASE {} WITH ALLOW_CONNECTIONS true",
                db.name
            ))
            .await
            .unwrap();
    });
}

/// `config show` row `key`: (value, source).
fn shown(v: &serde_json::Value, key: &str) -> (String, String) {
    let row = v
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["key"] == key)
        .unwrap_or_else(|| panic!("no {key} in {v}"));
    (
        row["value"].as_str().unwrap().to_string(),
        row["source"].as_str().unwrap().to_string(),
    )
}

#[test]
fn config_show_names_the_listen_settings_and_bad_values_are_refused() {
    let sb = Sandbox::new();
    let show = || sb.taskdb(&["--format", "json", "config", "show"]);
    let v = show().ok().json();
    assert_eq!(
        shown(&v, "database.listen_url"),
        ("(the database URL)".into(), "default".into())
    );
    assert_eq!(
        shown(&v, "database.poll_interval"),
        ("1s".into(), "default".into())
    );

    // From the environment: the password is never shown.
    let r = show()
        .env(
            "TASKDB_LISTEN_URL",
            "postgres://app:hunter2@db1:5432/taskdb",
        )
        .env("TASKDB_POLL_INTERVAL", "250ms")
        .ok();
    assert!(!r.all().contains("hunter2"), "{r}");
    let v = r.json();
    assert_eq!(
        shown(&v, "database.listen_url"),
        (
            "postgres://app:********@db1:5432/taskdb".into(),
            "env TASKDB_LISTEN_URL".into()
        )
    );
    assert_eq!(
        shown(&v, "database.poll_interval"),
        ("250ms".into(), "env TASKDB_POLL_INTERVAL".into())
    );

    // From the file, below the environment.
    let cfg = sb.path().join("c.toml");
    std::fs::write(
        &cfg,
        "[database]\nlisten_url = \"off\"\npoll_interval = \"2s\"\n",
    )
    .unwrap();
    let v = show().env("TASKDB_CONFIG", &cfg).ok().json();
    assert_eq!(shown(&v, "database.listen_url").0, "off");
    assert!(shown(&v, "database.poll_interval").1.starts_with("file "));
    let v = show()
        .env("TASKDB_CONFIG", &cfg)
        .env("TASKDB_POLL_INTERVAL", "3s")
        .ok()
        .json();
    assert_eq!(shown(&v, "database.poll_interval").0, "3s");

    // A busy loop or a nap is refused, from either place: one line, exit 2.
    show()
        .env("TASKDB_POLL_INTERVAL", "1ms")
        .refused(2, "TASKDB_POLL_INTERVAL: \"1ms\" is too short");
    std::fs::write(&cfg, "[database]\npoll_interval = \"1h\"\n").unwrap();
    show()
        .env("TASKDB_CONFIG", &cfg)
        .refused(2, ":2: key `database.poll_interval`: \"1h\" is too long");
}

/// A TCP proxy to the test server that drops every NotificationResponse (`A`) the server
/// sends: LISTEN is accepted and nothing arrives, as through a transaction-pooling PgBouncer.
/// Returns its port.
async fn deaf_proxy(db: &TestDb) -> u16 {
    let config: tokio_postgres::Config = db.url().parse().unwrap();
    let host = config.get_hosts()[0].clone();
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let own_port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (from_client, to_client) = client.into_split();
            match &host {
                tokio_postgres::config::Host::Tcp(h) => {
                    let server = tokio::net::TcpStream::connect((h.as_str(), port)).await;
                    let (from_server, to_server) = server.unwrap().into_split();
                    tokio::spawn(relay(from_client, to_server, from_server, to_client));
                }
                tokio_postgres::config::Host::Unix(dir) => {
                    let socket = dir.join(format!(".s.PGSQL.{port}"));
                    let server = tokio::net::UnixStream::connect(socket).await;
                    let (from_server, to_server) = server.unwrap().into_split();
                    tokio::spawn(relay(from_client, to_server, from_server, to_client));
                }
            }
        }
    });
    own_port
}

/// Pass the client's bytes on; pass the server's messages on but its notifications.
async fn relay(
    mut from_client: impl tokio::io::AsyncRead + Unpin,
    mut to_server: impl tokio::io::AsyncWrite + Unpin,
    mut from_server: impl tokio::io::AsyncRead + Unpin,
    mut to_client: impl tokio::io::AsyncWrite + Unpin,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let up = tokio::io::copy(&mut from_client, &mut to_server);
    // The server's messages: a type byte and a length that counts itself.
    let down = async {
        let mut head = [0u8; 5];
        while from_server.read_exact(&mut head).await.is_ok() {
            let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]);
            let mut body = vec![0u8; (len as usize).saturating_sub(4)];
            if from_server.read_exact(&mut body).await.is_err() {
                break;
            }
            if head[0] != b'A'
                && (to_client.write_all(&head).await.is_err()
                    || to_client.write_all(&body).await.is_err())
            {
                break;
            }
        }
    };
    tokio::select! {
        _ = up => {}
        () = down => {}
    }
}

#[test]
fn a_connection_that_accepts_listen_but_delivers_nothing_falls_back_to_polling() {
    let db = TestPg::get().fresh_db();
    block_on(async {
        let port = deaf_proxy(&db).await;
        let deaf = format!(
            "host=127.0.0.1 port={port} user=postgres dbname={} sslmode=disable",
            db.name
        );
        let mut w = waiter(&db, &[("TASKDB_LISTEN_URL", deaf.clone())]).await;
        let reason = poll_reason(&w);
        assert!(
            reason.starts_with("a test notification from another connection did not arrive within 2s: this connection cannot LISTEN (a transaction-pooling PgBouncer?)"),
            "{reason}"
        );
        assert_eq!(w.wait(far()).await, Wake::PollTick);
        // The proxy passes everything else: the same URL works as the main connection.
        let direct = connect(&deaf).await;
        direct.batch_execute("SELECT 1").await.unwrap();
    });
}
