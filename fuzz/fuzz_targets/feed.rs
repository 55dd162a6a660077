//! Arbitrary bytes as a feed (RSS, Atom, JSON Feed): entries within the
//! limit, each an item that converts or is refused, or a reason; never a
//! panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_ingest::listing::{entry_item, read_listing, MAX_FEED_ENTRIES, MAX_SITEMAP_URLS};

fuzz_target!(|data: &[u8]| {
    match read_listing(data) {
        Ok(l) => {
            assert!(l.entries.len() <= MAX_FEED_ENTRIES.max(MAX_SITEMAP_URLS));
            for (i, e) in l.entries.iter().enumerate() {
                let item = entry_item(format!("fuzz:entry {i}"), e, l.kind);
                if let Ok(a) = wiretrace_ingest::convert(item) {
                    assert!(a.check().is_ok());
                }
            }
        }
        Err(why) => assert!(!why.is_empty()),
    }
});
