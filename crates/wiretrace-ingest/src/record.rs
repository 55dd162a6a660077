//! One JSON line of a feed: `id`, `url`, `site`, `published` (RFC 3339),
//! `title`, and `text` and/or `html`.

use serde::Deserialize;
use wiretrace_core::{time::parse_datetime, Article, Rejection};
use wiretrace_extract::{extract_html, extract_text, Hints};

#[derive(Debug, Deserialize)]
struct Record {
    id: Option<serde_json::Value>,
    url: Option<String>,
    site: Option<String>,
    published: Option<String>,
    title: Option<String>,
    text: Option<String>,
    html: Option<String>,
}

/// Converts one JSON line into an article. With both `text` and `html`, the
/// text is the article (offsets count into it) and the page adds metadata.
pub fn convert_record(input: &str, line: &[u8]) -> Result<Article, Rejection> {
    let reject = |why: String| Rejection::new(input, why);
    let line = std::str::from_utf8(line).map_err(|e| reject(format!("not UTF-8 JSON: {e}")))?;
    let rec: Record =
        serde_json::from_str(line).map_err(|e| reject(format!("malformed JSON: {e}")))?;
    let published = match rec
        .published
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(p) => Some(parse_datetime(p).ok_or_else(|| {
            reject(format!(
                "published: cannot read {p:?} as a date (RFC 3339 expected)"
            ))
        })?),
        None => None,
    };
    let id = match rec.id {
        Some(serde_json::Value::String(s)) => Some(s),
        // An integer is kept as written. Any other number would be kept as
        // a float: ids past 2^64 would collide, and `1.0` with "1.0".
        Some(serde_json::Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        Some(serde_json::Value::Number(n)) => {
            return Err(reject(format!(
                "id {n} is a number that is not an integer of 64 bits: write it as a string (\"{n}\" is kept as written)"
            )))
        }
        Some(serde_json::Value::Null) | None => None,
        Some(other) => {
            return Err(reject(format!(
                "id must be a string or number, not {other}"
            )))
        }
    };
    let hints = Hints {
        id,
        url: rec.url,
        site: rec.site,
        published,
        title: rec.title.filter(|t| !t.trim().is_empty()),
    };
    let result = match (
        rec.text.filter(|t| !t.trim().is_empty()),
        rec.html.filter(|h| !h.trim().is_empty()),
    ) {
        (Some(text), Some(html)) => extract_text(&text, &hints, input).map(|mut a| {
            if let Ok(page) = extract_html(&html, &hints, input) {
                a.title = a.title.or(page.title);
                a.byline = page.byline;
                a.published = a.published.or(page.published);
                a.updated = page.updated;
                a.site = hints.site.clone().or(page.site).or(a.site);
                a.language = page.language.or(a.language);
            }
            a
        }),
        (Some(text), None) => extract_text(&text, &hints, input),
        (None, Some(html)) => extract_html(&html, &hints, input),
        (None, None) => return Err(reject("record has neither \"text\" nor \"html\"".into())),
    };
    let mut a = result.map_err(|e| reject(e.to_string()))?;
    a.original = line.to_string();
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_feed_line() {
        let a = convert_record("f:line 1", br#"{"id": 7, "url": "https://n.example/a", "site": "n.example", "published": "2025-09-03T10:00:00Z", "title": "T", "text": "A paragraph long enough to be the article body, with words."}"#).unwrap();
        assert_eq!(a.id.0, "7");
        assert_eq!(
            a.published.unwrap().to_rfc3339(),
            "2025-09-03T10:00:00+00:00"
        );
        assert_eq!(a.site.as_deref(), Some("n.example"));
    }

    #[test]
    fn ids_are_kept_as_written_or_refused() {
        let id = |json: &str| {
            convert_record("f:line 1", format!(r#"{{"id": {json}, "text": "A paragraph long enough to be the article body, with words."}}"#).as_bytes())
                .map(|a| a.id.0)
                .map_err(|e| e.reason)
        };
        assert_eq!(id("18446744073709551615").unwrap(), "18446744073709551615");
        assert_eq!(id("-7").unwrap(), "-7");
        assert_eq!(id(r#""1.0""#).unwrap(), "1.0");
        // Past 2^64 (two of them would be one float) and fractions refused.
        for refused in ["18446744073709551616", "18446744073709551617", "1.0", "1e3"] {
            let e = id(refused).unwrap_err();
            assert!(e.contains("write it as a string"), "{refused}: {e}");
        }
    }

    #[test]
    fn explains_bad_lines() {
        let e = convert_record("f:line 2", b"{\"id\": 1, \"text\": ").unwrap_err();
        assert!(e.reason.starts_with("malformed JSON"), "{}", e.reason);
        assert_eq!(e.input, "f:line 2");
        let e = convert_record("f:line 3", br#"{"id": "x"}"#).unwrap_err();
        assert!(e.reason.contains("neither"));
        let e = convert_record(
            "f:line 4",
            br#"{"text": "Body text here.", "published": "someday"}"#,
        )
        .unwrap_err();
        assert!(e.reason.contains("published"));
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn arbitrary_lines_never_panic(line in proptest::collection::vec(any::<u8>(), 0..500)) {
            let _ = convert_record("f:line 1", &line);
        }

        #[test]
        fn arbitrary_records_never_panic(text in "\\PC{0,300}", title in proptest::option::of("\\PC{0,40}"), published in proptest::option::of("\\PC{0,30}")) {
            let line = serde_json::json!({"text": text, "title": title, "published": published}).to_string();
            if let Ok(a) = convert_record("f:line 1", line.as_bytes()) {
                prop_assert!(a.check().is_ok());
            }
        }
    }
}
