//! Stable article ids and content hashes.

use serde::{Deserialize, Serialize};
use std::fmt;
use xxhash_rust::xxh3::{xxh3_128, xxh3_64};

use crate::text::normalize_text;

/// A stable article id. Given ids are kept as they are; otherwise `u` followed
/// by 16 hex digits of the canonical URL's hash, or `c` followed by 16 hex
/// digits of the clean text's hash.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ArticleId(pub String);

impl ArticleId {
    /// The id for an item: its given id, else its canonical URL, else its content.
    pub fn derive(given: Option<&str>, canonical_url: Option<&str>, clean_text: &str) -> Self {
        if let Some(id) = given.map(str::trim).filter(|s| !s.is_empty()) {
            return ArticleId(id.to_string());
        }
        if let Some(url) = canonical_url {
            return ArticleId(format!("u{:016x}", xxh3_64(url.as_bytes())));
        }
        ArticleId(format!(
            "c{:016x}",
            xxh3_64(normalize_text(clean_text).as_bytes())
        ))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArticleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ArticleId {
    fn from(s: &str) -> Self {
        ArticleId(s.to_string())
    }
}

/// A hash of the normalised clean text, for exact-duplicate and revision checks.
pub fn content_hash(clean_text: &str) -> String {
    format!("{:032x}", xxh3_128(normalize_text(clean_text).as_bytes()))
}

/// Query parameters that only track where a reader came from.
const TRACKING_PARAMS: &[&str] = &[
    "fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref", "ref_src",
    "smid", "sr_share", "taid", "ito", "_ga", "igshid",
];

/// The canonical form of a URL: scheme and host lower-cased, default port,
/// fragment, tracking parameters (`utm_*`, `fbclid`, ...) and a trailing slash
/// dropped. `None` when the string is not an absolute http(s) URL.
pub fn canonical_url(raw: &str) -> Option<String> {
    let mut url = url::Url::parse(raw.trim()).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    url.set_fragment(None);
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| {
            let k = k.to_ascii_lowercase();
            !k.starts_with("utm_") && !TRACKING_PARAMS.contains(&k.as_str())
        })
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if kept.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut().clear().extend_pairs(kept);
    }
    // The url crate already drops default ports; a trailing slash is not part
    // of the article's identity.
    let path = url.path().trim_end_matches('/').to_string();
    url.set_path(&path);
    let mut s = url.to_string();
    if s.ends_with('/') {
        s.pop();
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_url_drops_tracking_and_fragment() {
        assert_eq!(
            canonical_url("HTTPS://News.Example.com/a/b/?utm_source=x&id=3#top").as_deref(),
            Some("https://news.example.com/a/b?id=3")
        );
        assert_eq!(
            canonical_url("https://x.example/").as_deref(),
            Some("https://x.example")
        );
        assert_eq!(canonical_url("not a url"), None);
        assert_eq!(canonical_url("ftp://x.example/a"), None);
    }

    #[test]
    fn ids_prefer_given_then_url_then_content() {
        assert_eq!(
            ArticleId::derive(Some(" a1 "), Some("https://x"), "t").0,
            "a1"
        );
        let u = ArticleId::derive(None, Some("https://x.example/a"), "t");
        assert!(u.0.starts_with('u') && u.0.len() == 17);
        let c1 = ArticleId::derive(None, None, "Same  text");
        let c2 = ArticleId::derive(None, None, "same text");
        assert!(c1.0.starts_with('c'));
        assert_eq!(c1, c2, "content ids ignore case and spacing");
    }
}
