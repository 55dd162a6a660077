//! Arbitrary bytes as a web archive (WARC and ARC, plain and gzipped): pages,
//! skipped records or rejections with a reason, never a panic, and a reader
//! that ends.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_ingest::sources::archive::{ArchiveSource, Format};
use wiretrace_ingest::{Item, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_item_bytes: 1 << 20,
    };
    for format in [Format::Warc, Format::Arc] {
        for gz in [false, true] {
            let mut src = ArchiveSource::from_reader(
                "fuzz.warc",
                Box::new(std::io::Cursor::new(data.to_vec())),
                format,
                gz,
            );
            // Every record consumes input, so there are at most as many items
            // as bytes (plus one).
            for _ in 0..=data.len() + 1 {
                match src.next_item(limits) {
                    None => break,
                    Some(Item::Rejected(r)) => assert!(!r.reason.is_empty()),
                    Some(_) => {}
                }
            }
        }
    }
});
