//! Metrics fixtures more than one test module uses: old monthly partitions with rows, and a
//! strict reader of the Prometheus text format (health and metrics dumps are checked with it).

use std::collections::{BTreeSet, HashMap};

use super::TestDb;

/// Past-month partitions named as ensure_monthly_partitions names them, for months -4..-2.
const OLD_PARTITIONS: &str = "DO $$
DECLARE m date; n text;
BEGIN
  FOR i IN 2..4 LOOP
    m := (date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => i))::date;
    n := 'system_metrics_p' || to_char(m, 'YYYYMM');
    EXECUTE format('CREATE TABLE %I PARTITION OF system_metrics FOR VALUES FROM (%L) TO (%L)',
                   n, m::timestamp AT TIME ZONE 'UTC', (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
    INSERT INTO system_metrics (metric_name, metric_value, recorded_at)
    VALUES ('old', i, (m + interval '14 days')::timestamp AT TIME ZONE 'UTC');
  END LOOP;
END $$";

/// The name of `system_metrics`' partition for the month `months_back` months ago (UTC).
pub fn month_name(c: &mut postgres::Client, months_back: i32) -> String {
    c.query_one(
        "SELECT 'system_metrics_p' || to_char(date_trunc('month', now() AT TIME ZONE 'UTC') - make_interval(months => $1), 'YYYYMM')",
        &[&months_back],
    )
    .unwrap()
    .get(0)
}

/// Rows in old months: partitions of their own for months -4..-2 (their names are returned),
/// and last month's rows in the DEFAULT partition.
pub fn seed_months(db: &TestDb) -> Vec<String> {
    let mut c = db.client();
    c.batch_execute(OLD_PARTITIONS).unwrap();
    // Last month (no partition of its own: it lands in the DEFAULT partition): one row early in
    // the month (older than 30 days), plus a recent row.
    c.batch_execute(
        "INSERT INTO system_metrics (metric_name, metric_value, recorded_at) VALUES
           ('old', 1, date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' - interval '1 month' + interval '1 hour'),
           ('recent', 1, now() - interval '1 day')",
    )
    .unwrap();
    (2..=4).map(|i| month_name(&mut c, i)).collect()
}

/// A strict reader of the Prometheus text exposition format (what node_exporter's textfile
/// collector accepts): HELP/TYPE at most once and before the samples, families contiguous,
/// valid names and escaped labels, no timestamps, no duplicate series, final newline.
/// Returns series → value.
pub fn parse_prometheus(text: &str) -> HashMap<String, f64> {
    assert!(text.ends_with('\n'), "must end with a newline");
    let name_ok = |n: &str| {
        !n.is_empty()
            && n.chars().enumerate().all(|(i, c)| {
                c.is_ascii_alphabetic() || c == '_' || c == ':' || (i > 0 && c.is_ascii_digit())
            })
    };
    let mut help = BTreeSet::new();
    let mut typed = HashMap::new();
    let mut finished = BTreeSet::new();
    let mut current: Option<String> = None;
    let mut series = HashMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let name = rest.split(' ').next().unwrap();
            assert!(name_ok(name), "bad name in {line}");
            assert!(help.insert(name.to_string()), "second HELP for {name}");
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap().to_string();
            let kind = parts.next().unwrap();
            assert!(parts.next().is_none(), "junk after TYPE: {line}");
            assert!(
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(&kind),
                "{line}"
            );
            assert!(
                !finished.contains(&name) && current.as_deref() != Some(&name),
                "TYPE after samples of {name}"
            );
            assert!(
                typed.insert(name, kind.to_string()).is_none(),
                "second TYPE: {line}"
            );
            continue;
        }
        assert!(!line.starts_with('#'), "unexpected comment {line}");
        assert!(!line.trim().is_empty(), "blank line");
        // name, optional {labels}, one space, value; nothing after (no timestamps).
        let (name, rest) = match line.find(['{', ' ']) {
            Some(i) => line.split_at(i),
            None => panic!("no value: {line}"),
        };
        assert!(name_ok(name), "bad metric name in {line}");
        let (labels, value) = if let Some(inner) = rest.strip_prefix('{') {
            // Walk the label set honouring escapes.
            let mut chars = inner.char_indices();
            let mut in_quotes = false;
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' if in_quotes => {
                        let (_, e) = chars.next().unwrap();
                        assert!(matches!(e, '\\' | '"' | 'n'), "bad escape in {line}");
                    }
                    '"' => in_quotes = !in_quotes,
                    '}' if !in_quotes => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.unwrap_or_else(|| panic!("unclosed labels: {line}"));
            let labels = &inner[..end];
            for pair in labels.split("\",").filter(|p| !p.is_empty()) {
                let (k, v) = pair
                    .split_once('=')
                    .unwrap_or_else(|| panic!("bad label {pair} in {line}"));
                assert!(name_ok(k), "bad label name {k}");
                assert!(v.starts_with('"'), "unquoted label value in {line}");
            }
            (format!("{{{labels}}}"), inner[end + 1..].to_string())
        } else {
            (String::new(), rest.to_string())
        };
        let value = value
            .strip_prefix(' ')
            .unwrap_or_else(|| panic!("no space before value: {line}"));
        assert!(
            !value.contains(' '),
            "timestamp or junk after the value: {line}"
        );
        let v: f64 = match value {
            "NaN" => f64::NAN,
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line}")),
        };
        let family = name.to_string();
        if current.as_deref() != Some(&family) {
            if let Some(prev) = current.take() {
                finished.insert(prev);
            }
            assert!(!finished.contains(&family), "family {family} is split");
            current = Some(family.clone());
        }
        assert!(typed.contains_key(&family), "sample before TYPE: {line}");
        assert!(
            series.insert(format!("{name}{labels}"), v).is_none(),
            "duplicate series {line}"
        );
    }
    series
}
