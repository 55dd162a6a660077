//! Arbitrary bytes as a stored HTTP response: a body within the limit or a
//! reason, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match wiretrace_ingest::http::parse_response(data, 1 << 20) {
        Ok(r) => assert!(r.body.len() <= 1 << 20),
        Err(why) => assert!(!why.is_empty()),
    }
});
