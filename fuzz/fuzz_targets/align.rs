//! Two arbitrary texts: alignment never panics, passages lie inside both
//! texts, and aligning (b, a) finds the mirror of aligning (a, b).
#![no_main]
use libfuzzer_sys::fuzz_target;
use wiretrace_extract::{extract_text, Hints};
use wiretrace_reuse::{align::align, doc::Doc};

fuzz_target!(|pair: (&str, &str)| {
    let article = |text: &str, id: &str| {
        let hints = Hints {
            id: Some(id.into()),
            ..Hints::default()
        };
        extract_text(text, &hints, id)
    };
    let (Ok(a), Ok(b)) = (article(pair.0, "a"), article(pair.1, "b")) else {
        return;
    };
    let (da, db) = (Doc::from_article(&a), Doc::from_article(&b));
    let r = align(&da, &db);
    let (na, nb) = (a.text.chars().count(), b.text.chars().count());
    for p in &r.passages {
        assert!(
            p.a.start < p.a.end && p.a.end <= na,
            "{p:?} outside a ({na})"
        );
        assert!(
            p.b.start < p.b.end && p.b.end <= nb,
            "{p:?} outside b ({nb})"
        );
    }
    let back = align(&db, &da);
    assert_eq!(
        back.passages.len(),
        r.passages.len(),
        "alignment is not symmetric"
    );
});
