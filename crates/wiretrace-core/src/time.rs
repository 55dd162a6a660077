//! Lenient parsing of the date formats found in news metadata and feeds.

use crate::ArticleId;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
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

/// Years a publication date may have: four digits, with a year's room on
/// either side for the dates a timeline resolves from it ("next year").
const YEARS: std::ops::RangeInclusive<i32> = 1001..=9998;

/// Parses RFC 3339, RFC 2822, ISO dates with or without time or zone, and
/// "September 2, 2025"-style dates. Times without a zone are taken as UTC.
/// A time or zone that is there but cannot be read (`T25:00`, `+99:00`)
/// makes the whole unreadable, not midnight of the day; so does a year
/// outside [`YEARS`].
pub fn parse_datetime(s: &str) -> Option<DateTime<FixedOffset>> {
    parse_any_year(s).filter(|d| YEARS.contains(&d.year()))
}

fn parse_any_year(s: &str) -> Option<DateTime<FixedOffset>> {
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
    // "2025-09-03T14:05:00 GMT", "2019-11-20T10:43Z": UTC named after an
    // ISO time the forms above do not read.
    if s.get(4..5) == Some("-") {
        if let Some(t) = [" GMT", " UTC", " Z", "Z", "z"]
            .iter()
            .find_map(|z| s.strip_suffix(z))
        {
            if let Some(d) = parse_any_year(t) {
                return Some(d);
            }
        }
    }
    let date_part = s.get(..10).unwrap_or(s);
    // What follows a date is no time: a time that failed above (`T25:00`,
    // `+99:00`) makes no midnight.
    let after = s.get(10..).unwrap_or("").trim_start();
    let time_follows =
        after.starts_with(['T', 't']) || after.starts_with(|c: char| c.is_ascii_digit());
    for f in ["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d"] {
        if let Ok(d) = NaiveDate::parse_from_str(if f == "%Y%m%d" { s } else { date_part }, f) {
            if time_follows && f != "%Y%m%d" {
                return None;
            }
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
            "2025-09-03T14:05:00 GMT",
            "2025-09-03T14:05Z",
            "3 Sep 2025 14:05 GMT",
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
        // A time or zone out of range is no date, not midnight.
        for s in [
            "2025-09-03T25:00",
            "2025-09-03T25:00:00Z",
            "2025-09-03T10:00:00+99:00",
            "2025-09-03T10:61",
            "2025-09-03 24:30:00",
            "9999-12-31T10:00:00Z",
            "0001-01-01",
        ] {
            assert_eq!(parse_datetime(s), None, "{s}");
        }
        assert_eq!(parse_datetime(""), None);
    }
}
