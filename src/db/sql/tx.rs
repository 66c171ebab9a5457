//! A transaction on a [`Db`]: `BEGIN` with the connection's settings, sent at once and read
//! with the end; statements through the [`Db`] it derefs to (they run in it as they are);
//! committed, rolled back, or rolled back when dropped unfinished.

use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use bytes::Buf;
use futures_util::FutureExt as _;
use tokio_postgres::{CopyInSink, Error};

use super::Db;

type Pending<'a> = Pin<Box<dyn Future<Output = Result<(), Error>> + Send + 'a>>;

/// An open transaction; statements go through the [`Db`] it derefs to.
pub struct Tx<'a> {
    db: &'a Db,
    /// The answer to `BEGIN; SET LOCAL …`, read at the end (in a mutex only to be `Sync`).
    begin: Mutex<Option<Pending<'a>>>,
    /// Committed or rolled back (or the attempt sent): nothing to do when dropped.
    done: bool,
}

impl<'a> Tx<'a> {
    pub(super) fn begin(db: &'a mut Db) -> Tx<'a> {
        db.in_tx.store(true, Ordering::Relaxed);
        let db: &'a Db = db;
        let mut begin: Pending<'a> = Box::pin(db.client.batch_execute(db.local.begin()));
        // The first poll sends the request (its answer is read later); it cannot be ready yet
        // unless the connection is gone, which the answer then says.
        let begin = match (&mut begin).now_or_never() {
            Some(Err(e)) => Some(Box::pin(std::future::ready(Err(e))) as Pending<'a>),
            Some(Ok(())) => None,
            None => Some(begin),
        };
        Tx {
            db,
            begin: Mutex::new(begin),
            done: false,
        }
    }

    /// Commit. An error from `BEGIN`, a statement or the commit itself means nothing was.
    pub async fn commit(self) -> Result<(), Error> {
        self.end("COMMIT").await
    }

    /// Roll back.
    pub async fn rollback(self) -> Result<(), Error> {
        self.end("ROLLBACK").await
    }

    /// End a transaction that only read: roll back without waiting for the answer (the
    /// next request on the connection comes after it).
    pub fn close(self) {}

    async fn end(mut self, how: &str) -> Result<(), Error> {
        self.done = true;
        let begin = self.begin.get_mut().ok().and_then(Option::take);
        let (began, ended) = futures_util::join!(
            async {
                match begin {
                    Some(f) => f.await,
                    None => Ok(()),
                }
            },
            self.db.client.batch_execute(how),
        );
        began.and(ended)
    }

    /// `COPY … FROM STDIN` in this transaction. (tokio-postgres prepares the COPY as a named
    /// statement: inside a transaction the server connection stays this client's, and the
    /// statement is closed before the transaction ends.)
    pub async fn copy_in<U>(&self, sql: &str) -> Result<CopyInSink<U>, Error>
    where
        U: Buf + 'static + Send,
    {
        self.db.client.copy_in(sql).await
    }
}

impl Deref for Tx<'_> {
    type Target = Db;
    fn deref(&self) -> &Db {
        self.db
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            // Sent by the first poll (as tokio-postgres' own transactions do on drop); queued
            // before anything the connection is asked later. Its answer is not waited for.
            let _ = self.db.client.batch_execute("ROLLBACK").now_or_never();
        }
        self.db.in_tx.store(false, Ordering::Relaxed);
    }
}
