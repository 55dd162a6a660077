//! Arbitrary bytes as one JSON line of a feed: an article or a rejection with
//! a reason, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(rejection) = wiretrace_ingest::record::convert_record("fuzz.jsonl:1", data) {
        assert!(!rejection.reason.is_empty());
    }
});
