//! The test harness itself: a fresh database per test, isolated from every other test.

use crate::support::{Sandbox, TestPg};

#[test]
fn each_test_gets_its_own_empty_database() {
    let pg = TestPg::get();
    let a = pg.fresh_db();
    let b = pg.fresh_db();
    assert_ne!(a.name, b.name);
    a.client()
        .batch_execute("CREATE TABLE only_in_a (x int)")
        .unwrap();
    let n: i64 = b
        .client()
        .query_one(
            "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(n, 0);
    // The binary gets the database through DATABASE_URL.
    let sb = Sandbox::new();
    sb.taskdb(&["--format", "json", "config", "show"])
        .db(&a)
        .run()
        .stdout_contains(&a.name);
}
