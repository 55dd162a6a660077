//! Lenient parsing of the date formats found in news metadata and feeds.

use crate::ArticleId;
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The order wiretrace takes articles in by time: dated ones by instant,
/// undated ones last. Stages add their own tie-breaks (usually the id).
pub fn time_order(published: Option<DateTime<FixedOffset>>) -> (bool, i64) {
    (published.is_none(), published.map_or(0, |d| d.timestamp()))
}

/// An article's place in publication order: [`time_order`], ties by id.
/// What a resumable stage records as how far it has got.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ArrivalKey {
    order: (bool, i64),
    pub id: ArticleId,
}

impl ArrivalKey {
    pub fn of(published: Option<DateTime<FixedOffset>>, id: &ArticleId) -> Self {
        ArrivalKey {
            order: time_order(published),
            id: id.clone(),
        }
    }

    /// The publication time in seconds since the epoch; `None` if undated.
    pub fn timestamp(&self) -> Option<i64> {
        (!self.order.0).then_some(self.order.1)
    }
}

/// Parses RFC 3339, RFC 2822, ISO dates with or without time or zone, and
/// "September 2, 2025"-style dates. Times without a zone are taken as UTC.
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    let s = s.trim();
    if s.is_empty() || s.len() > 80 {
        return None;
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(s) {
        return Some(d);
    }
    if let Ok(d) = DateTime::parse_from_rfc2822(s) {
        return Some(d);
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M%z",
        "%Y-%m-%d %H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S %z",
    ] {
        if let Ok(d) = DateTime::parse_from_str(s, f) {
            return Some(d);
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(d) = NaiveDateTime::parse_from_str(s, f) {
            return Some(utc(d));
        }
    }
    let date_part = s.get(..10).unwrap_or(s);
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(if f == "%Y%m%d" { s } else { date_part }, f) {
            return d.and_hms_opt(0, 0, 0).map(utc);
        }
    }
    let cleaned: String = s
        .replace(',', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for f in [
        "%B %d %Y",
        "%b %d %Y",
        "%d %B %Y",
        "%d %b %Y",
        "%A %B %d %Y",
        "%a %b %d %Y",
    ] {
        if let Ok(d) = NaiveDate::parse_from_str(&cleaned, f) {
            return d.and_hms_opt(0, 0, 0).map(utc);
        }
    }
    None
}

fn utc(d: NaiveDateTime) -> DateTime<FixedOffset> {
    Utc.from_utc_datetime(&d).fixed_offset()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_common_forms() {
        for s in [
            "2025-09-03T14:05:00Z",
            "2025-09-03T14:05:00-06:00",
            "2025-09-03T14:05:00.123+0000",
            "Wed, 03 Sep 2025 14:05:00 GMT",
            "2025-09-03 14:05:00",
            "2025-09-03",
            "September 3, 2025",
            "3 Sep 2025",
        ] {
            let d = parse_datetime(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(d.date_naive().to_string(), "2025-09-03", "{s}");
        }
        assert_eq!(parse_datetime("yesterday"), None);
        assert_eq!(parse_datetime(""), None);
    }
}
