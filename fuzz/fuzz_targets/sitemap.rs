//! Arbitrary bytes inside a sitemap's and a sitemap index's root element:
//! URLs within the limit, or a reason; never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_ingest::listing::{read_listing, MAX_SITEMAP_URLS};

fuzz_target!(|data: &[u8]| {
    for (open, close) in [
        (&b"<urlset xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\">"[..], &b"</urlset>"[..]),
        (&b"<sitemapindex>"[..], &b"</sitemapindex>"[..]),
    ] {
        let doc = [open, data, close].concat();
        match read_listing(&doc) {
            Ok(l) => assert!(l.entries.len() <= MAX_SITEMAP_URLS),
            Err(why) => assert!(!why.is_empty()),
        }
    }
    let _ = read_listing(data);
});
