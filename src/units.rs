//! Parsing and printing of the quantities operators type: durations (`30s`, `5m`, `1h`, `2d`),
//! byte sizes (`16MB`, PostgreSQL's 1024-based units) and ratios (`0.8` or `80%`).
//! Errors are plain strings so each caller can choose its exit code.

use std::time::Duration;

/// `90`, `90s`, `5m`, `1h30m`, `2d`, `1w` (a bare number is seconds). Must be > 0 unless `allow_zero`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration".into());
    }
    if t.starts_with('-') {
        return Err(format!("{text:?} is negative; durations must be positive"));
    }
    if let Ok(secs) = t.parse::<f64>() {
        return finite_secs(secs, text);
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_end == 0 {
            return Err(bad_duration(text));
        }
        let number: f64 = rest[..num_end].parse().map_err(|_| bad_duration(text))?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match rest[..unit_end].trim() {
            "ms" => 0.001,
            "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
            "h" | "hour" | "hours" => 3600.0,
            "d" | "day" | "days" => 86_400.0,
            "w" | "week" | "weeks" => 604_800.0,
            _ => return Err(bad_duration(text)),
        };
        total += number * factor;
        rest = &rest[unit_end..];
    }
    finite_secs(total, text)
}

/// `10s`, `2m`, `500ms`, `1h`: a whole number and one unit (a bare number is seconds), as
/// `taskdb bench` takes them. Stricter than [`parse_duration`] (no fractions, no compounds, no
/// days) and with its own messages, which `bench`'s errors have always printed.
pub fn parse_whole_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 10s, 2m or 500ms"))?;
    let too_long = || format!("{text:?} is too long");
    let d = match unit {
        "ms" => Duration::from_millis(n),
        "s" | "" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.checked_mul(60).ok_or_else(too_long)?),
        "h" => Duration::from_secs(n.checked_mul(3600).ok_or_else(too_long)?),
        _ => return Err(format!("{text:?} has an unknown unit (use ms, s, m or h)")),
    };
    Ok(d)
}

fn finite_secs(secs: f64, text: &str) -> Result<Duration, String> {
    if !secs.is_finite() || !(0.0..=1e12).contains(&secs) {
        return Err(bad_duration(text));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn bad_duration(text: &str) -> String {
    format!("{text:?} is not a duration (examples: 90s, 5m, 1h, 2d, 1w)")
}

/// `1048576`, `512kB`, `16MB`, `1GB`, `2TB` (1024-based, as PostgreSQL) and `MiB`-style aliases.
pub fn parse_bytes(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let bad = || format!("{text:?} is not a size (examples: 1048576, 512kB, 16MB, 1GB)");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    if split == 0 {
        return Err(bad());
    }
    let number: f64 = t[..split].parse().map_err(|_| bad())?;
    let factor = match t[split..].trim() {
        "" | "B" | "b" => 1.0,
        "kB" | "KB" | "k" | "K" | "KiB" => 1024.0,
        "MB" | "M" | "MiB" => 1024.0 * 1024.0,
        "GB" | "G" | "GiB" => 1024.0 * 1024.0 * 1024.0,
        "TB" | "T" | "TiB" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    Ok(number * factor)
}

/// `0.8` or `80%` → 0.8; must lie in 0..=1.
pub fn parse_ratio(text: &str) -> Result<f64, String> {
    let t = text.trim();
    let value = if let Some(p) = t.strip_suffix('%') {
        p.trim().parse::<f64>().map(|v| v / 100.0)
    } else {
        t.parse::<f64>()
    }
    .map_err(|_| format!("{text:?} is not a ratio (examples: 0.8, 80%)"))?;
    if !(0.0..=1.0).contains(&value) {
        return Err(format!(
            "{text:?} is outside 0..1 (write a fraction like 0.8 or a percentage like 80%)"
        ));
    }
    Ok(value)
}

/// `--since`/`--until`: a duration back from `now` (`90m`, `2d`) or an RFC 3339 time.
pub fn parse_point_in_time(
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::DateTime<chrono::Utc>, String> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(t.with_timezone(&chrono::Utc));
    }
    match parse_duration(text) {
        Ok(d) => chrono::Duration::from_std(d)
            .ok()
            .and_then(|d| now.checked_sub_signed(d))
            .ok_or_else(|| format!("{text:?} reaches too far back")),
        Err(_) => Err(format!(
            "{text:?} is neither a duration back from now (e.g. 90m, 2d) nor an RFC 3339 time (e.g. 2026-11-01T00:00:00Z)"
        )),
    }
}

/// A human duration: `850ms`, `42s`, `5m12s`, `3h04m`, `2d03h`.
pub fn format_duration(secs: f64) -> String {
    if !secs.is_finite() {
        return "-".into();
    }
    if secs < 1.0 {
        return format!("{:.0}ms", secs * 1000.0);
    }
    let s = secs.round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// A duration as the workflow step timeline prints it: `5.2s` (tenths under a minute),
/// `2m 5s`, `1h 2m` (truncated, spaced, no days). Not [`format_duration`]'s style
/// (`5s`, `2m05s`, `1h02m`): `workflow show` has always printed this one.
pub fn format_duration_spaced(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1}s")
    } else if secs < 3600.0 {
        format!("{}m {}s", (secs / 60.0) as u64, (secs % 60.0) as u64)
    } else {
        format!(
            "{}h {}m",
            (secs / 3600.0) as u64,
            ((secs % 3600.0) / 60.0) as u64
        )
    }
}

/// How [`format_bytes_as`] labels a byte count. Both styles divide by 1024 per step; they
/// differ in the labels and in how many decimals they print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteLabels {
    /// PostgreSQL's `pg_size_pretty` labels (`bytes`, `kB`, `MB`, … meaning 1024-based units, as
    /// in postgresql.conf): whole numbers from 100 up and for whole values, else one decimal.
    /// Health output uses these.
    Postgres,
    /// IEC labels (`B`, `KiB`, `MiB`, `GiB`, `TiB`): always one decimal above bytes. Backup
    /// output uses these.
    Iec,
}

impl ByteLabels {
    fn names(self) -> &'static [&'static str] {
        match self {
            ByteLabels::Postgres => &["bytes", "kB", "MB", "GB", "TB", "PB"],
            ByteLabels::Iec => &["B", "KiB", "MiB", "GiB", "TiB"],
        }
    }
}

/// A human size: the one byte formatter, in either labelling style.
pub fn format_bytes_as(bytes: f64, labels: ByteLabels) -> String {
    let names = labels.names();
    let mut value = bytes;
    let mut unit = 0;
    while value.abs() >= 1024.0 && unit < names.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let whole = unit == 0
        || (labels == ByteLabels::Postgres && (value.abs() >= 100.0 || value.fract() == 0.0));
    if whole {
        format!("{value:.0} {}", names[unit])
    } else {
        format!("{value:.1} {}", names[unit])
    }
}

/// A human size like PostgreSQL's `pg_size_pretty`: `512 bytes`, `16 MB`, `1.5 GB`.
pub fn format_bytes(bytes: f64) -> String {
    format_bytes_as(bytes, ByteLabels::Postgres)
}

/// A human size in IEC units: `512 B`, `1.5 KiB`, `16.0 MiB`.
pub fn format_bytes_iec(bytes: u64) -> String {
    format_bytes_as(bytes as f64, ByteLabels::Iec)
}

const MIB_BYTES: u64 = 1024 * 1024;

/// `256 MiB`, or bytes when not a whole number of MiB.
pub fn size_text(bytes: u64) -> String {
    if bytes >= MIB_BYTES && bytes.is_multiple_of(MIB_BYTES) {
        format!("{} MiB", bytes / MIB_BYTES)
    } else {
        format!("{bytes} bytes")
    }
}

/// What a probe's headline value measures; decides parsing of thresholds and printing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Seconds,
    Bytes,
    Ratio,
    Count,
}

impl Unit {
    /// Nagios perfdata unit of measure.
    pub fn uom(self) -> &'static str {
        match self {
            Unit::Seconds => "s",
            Unit::Bytes => "B",
            Unit::Ratio | Unit::Count => "",
        }
    }

    pub fn show(self, value: f64) -> String {
        match self {
            Unit::Seconds => format_duration(value),
            Unit::Bytes => format_bytes(value),
            Unit::Ratio => format!("{:.1}%", value * 100.0),
            Unit::Count => format!("{value:.0}"),
        }
    }

    /// The unit stored in `system_metrics.metric_unit` (whose CHECK has no "ratio": ratios are
    /// stored without a unit, their names end in `_ratio`).
    pub fn metric_unit(self) -> Option<&'static str> {
        match self {
            Unit::Seconds => Some("seconds"),
            Unit::Bytes => Some("bytes"),
            Unit::Ratio => None,
            Unit::Count => Some("count"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert_eq!(parse_duration("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert!(parse_duration("-5d").unwrap_err().contains("negative"));
        assert!(parse_duration("yesterday-ish").is_err());
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("m").is_err());
    }

    #[test]
    fn whole_durations() {
        assert_eq!(
            parse_whole_duration("10s").unwrap(),
            Duration::from_secs(10)
        );
        assert_eq!(
            parse_whole_duration("500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert_eq!(
            parse_whole_duration("2m").unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(parse_whole_duration("7").unwrap(), Duration::from_secs(7));
        assert!(parse_whole_duration("soon").is_err());
        assert!(parse_whole_duration("5x")
            .unwrap_err()
            .contains("unknown unit"));
        assert!(parse_whole_duration("-5s").is_err());
        assert!(parse_whole_duration("1.5s").is_err());
        // Past u64 seconds: refused, not a multiplication overflow (a panic in debug builds).
        assert!(parse_whole_duration("18446744073709551615m")
            .unwrap_err()
            .contains("too long"));
        assert!(parse_whole_duration("18446744073709551615h").is_err());
    }

    #[test]
    fn points_in_time() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(
            parse_point_in_time("1h", now).unwrap().to_rfc3339(),
            "2026-11-25T11:00:00+00:00"
        );
        assert_eq!(
            parse_point_in_time("2026-11-01T00:00:00+01:00", now)
                .unwrap()
                .to_rfc3339(),
            "2026-10-31T23:00:00+00:00"
        );
        assert!(parse_point_in_time("yesterday-ish", now)
            .unwrap_err()
            .contains("neither"));
    }

    #[test]
    fn sizes_and_ratios() {
        assert_eq!(parse_bytes("16MB").unwrap(), 16.0 * 1024.0 * 1024.0);
        assert_eq!(parse_bytes("1024").unwrap(), 1024.0);
        assert!(parse_bytes("lots").is_err());
        assert_eq!(parse_ratio("80%").unwrap(), 0.8);
        assert_eq!(parse_ratio("0.25").unwrap(), 0.25);
        assert!(parse_ratio("80").is_err());
        assert!(parse_ratio("abc").is_err());
    }

    #[test]
    fn formatting() {
        assert_eq!(format_duration(0.0123), "12ms");
        assert_eq!(format_duration(62.0), "1m02s");
        assert_eq!(format_duration(90_000.0), "1d01h");
        assert_eq!(format_duration_spaced(5.25), "5.2s");
        assert_eq!(format_duration_spaced(125.0), "2m 5s");
        assert_eq!(format_duration_spaced(3725.0), "1h 2m");
        assert_eq!(format_bytes(512.0), "512 bytes");
        assert_eq!(format_bytes(16.0 * 1024.0 * 1024.0), "16 MB");
        assert_eq!(format_bytes(1.5 * 1024.0 * 1024.0 * 1024.0), "1.5 GB");
        assert_eq!(format_bytes(150.0 * 1024.0 * 1024.0 + 1.0), "150 MB");
        assert_eq!(format_bytes_iec(512), "512 B");
        assert_eq!(format_bytes_iec(1536), "1.5 KiB");
        assert_eq!(format_bytes_iec(16 * 1024 * 1024), "16.0 MiB");
        assert_eq!(format_bytes_iec(150 * 1024 * 1024 + 1), "150.0 MiB");
        assert_eq!(format_bytes_iec(u64::MAX), "16777216.0 TiB");
    }
}
