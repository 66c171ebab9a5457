//! A TCP port forwarding every connection to a test database's server (its Unix socket),
//! counting the connections, and able to cut them: the database "goes away" for everything
//! connected through it (open connections are closed, new ones are closed at once) until it
//! is restored.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use super::TestDb;

pub struct Proxy {
    port: u16,
    accepted: Arc<AtomicUsize>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    cut: bool,
    /// Both ends of every forwarded connection, to close on a cut.
    open: Vec<(TcpStream, UnixStream)>,
}

impl Proxy {
    /// Forward to `db`'s server.
    pub fn to(db: &TestDb) -> Proxy {
        let url = db.url();
        let dir = url
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("host="))
            .expect("the test server's socket directory");
        let port_of_server = url
            .split_whitespace()
            .find_map(|kv| kv.strip_prefix("port="))
            .unwrap_or("5432");
        let socket = PathBuf::from(dir).join(format!(".s.PGSQL.{port_of_server}"));
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let state = Arc::new(Mutex::new(State::default()));
        let (count, shared) = (accepted.clone(), state.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                count.fetch_add(1, Ordering::SeqCst);
                let mut st = shared.lock().unwrap();
                let server = match UnixStream::connect(&socket) {
                    Ok(server) if !st.cut => server,
                    _ => {
                        let _ = client.shutdown(Shutdown::Both);
                        continue;
                    }
                };
                st.open
                    .push((client.try_clone().unwrap(), server.try_clone().unwrap()));
                drop(st);
                let (mut c_in, mut s_out) =
                    (client.try_clone().unwrap(), server.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c_in, &mut s_out);
                    let _ = s_out.shutdown(Shutdown::Write);
                });
                let (mut s_in, mut c_out) = (server, client);
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut s_in, &mut c_out);
                    let _ = c_out.shutdown(Shutdown::Write);
                });
            }
        });
        Proxy {
            port,
            accepted,
            state,
        }
    }

    /// A URL for `db` through the proxy.
    pub fn url(&self, db: &TestDb) -> String {
        format!(
            "postgresql://postgres@127.0.0.1:{}/{}?sslmode=disable",
            self.port, db.name
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Connections accepted so far. A sentinel connection of our own goes through the same
    /// accept queue after every connection made before, so once it is counted they all are.
    pub fn settled_count(&self) -> usize {
        let before = self.accepted.load(Ordering::SeqCst);
        let sentinel = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        while self.accepted.load(Ordering::SeqCst) == before {
            std::thread::yield_now();
        }
        drop(sentinel);
        let after = self.accepted.load(Ordering::SeqCst);
        self.accepted.fetch_sub(1, Ordering::SeqCst);
        after - 1
    }

    /// The database goes away: close every forwarded connection (both ends: the client reads
    /// end-of-file, the server's backend ends) and close new ones at once, until
    /// [`Proxy::restore`].
    pub fn cut(&self) {
        let mut st = self.state.lock().unwrap();
        st.cut = true;
        for (client, server) in st.open.drain(..) {
            let _ = client.shutdown(Shutdown::Both);
            let _ = server.shutdown(Shutdown::Both);
        }
    }

    /// The database is back: forward new connections again.
    pub fn restore(&self) {
        self.state.lock().unwrap().cut = false;
    }
}
