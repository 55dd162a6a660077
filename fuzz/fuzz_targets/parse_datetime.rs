//! Arbitrary strings as dates (feeds, meta tags, datelines): never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|s: &str| {
    let _ = wiretrace_core::time::parse_datetime(s);
    let _ = wiretrace_extract::date_in_url(s);
});
