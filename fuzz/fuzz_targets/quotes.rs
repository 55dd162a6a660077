//! Arbitrary text, cut into paragraphs at blank lines, through the quotes
//! stage: never a panic, every span inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_core::join_paragraphs;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let paras: Vec<&str> = s.split("\n\n").collect();
    let (text, body) = join_paragraphs(&paras);
    let n = text.chars().count();
    let q = wiretrace_quotes::analyze_text(&text, &body);
    for a in &q.attributions {
        for sp in a.content.iter().chain(&a.source).chain(&a.cue) {
            assert!(sp.start <= sp.end && sp.end <= n);
        }
    }
});
