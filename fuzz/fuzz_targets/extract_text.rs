//! Arbitrary bytes as scraped plain text: never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_extract::{extract_text_bytes, Hints};

fuzz_target!(|data: &[u8]| {
    let _ = extract_text_bytes(data, &Hints::default(), "fuzz.txt");
});
