//! Arbitrary bytes as an HTML page: decoding and extraction never panic, and
//! every body span lies inside the text on char boundaries.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_extract::{extract_html_bytes, Hints};

fuzz_target!(|data: &[u8]| {
    if let Ok(article) = extract_html_bytes(data, &Hints::default(), "fuzz.html") {
        let chars = article.text.chars().count();
        for p in &article.body {
            assert!(
                p.start <= p.end && p.end <= chars,
                "span {p:?} outside {chars} chars"
            );
        }
    }
});
