//! The lower layers one item at a time, for callers that build their own
//! pipeline (the Python bindings' `extract`, `sketch` and `align`): the
//! same stage functions `ingest` runs, on a page or a text given in memory.

use wiretrace_core::{Article, Rejection};
use wiretrace_extract::{extract_html_bytes, extract_text_bytes, Hints};
use wiretrace_reuse::{Doc, PairRelation, Sketch};

/// Whether bytes given without a file name are an HTML page rather than
/// scraped text: the first character past a byte order mark and white
/// space opens a tag (`<!DOCTYPE`, `<html>`, `<p>`, a comment).
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'<')
}

/// Extracts one page or text (told apart by [`looks_like_html`]); `url`
/// is where it was found, `input` names it in a rejection.
pub fn extract(bytes: Vec<u8>, url: Option<String>, input: &str) -> Result<Article, Rejection> {
    let hints = Hints {
        url,
        ..Hints::default()
    };
    let r = match looks_like_html(&bytes) {
        true => extract_html_bytes(bytes, &hints, input),
        false => extract_text_bytes(bytes, &hints, input),
    };
    r.map_err(|e| Rejection::new(input, e.to_string()))
}

/// The sketch ingest takes of a text (its body's sampled n-gram hashes).
pub fn sketch(text: &str, input: &str) -> Result<Sketch, Rejection> {
    Ok(Sketch::of_article(&extract(
        text.as_bytes().to_vec(),
        None,
        input,
    )?))
}

/// The passages two texts share, as the analysis aligns a candidate pair:
/// spans are code point offsets into each text as given.
pub fn align(a: &str, b: &str) -> Result<PairRelation, Rejection> {
    let doc = |text: &str, input: &str| -> Result<Doc, Rejection> {
        let article = extract_text_bytes(text.as_bytes(), &Hints::default(), input)
            .map_err(|e| Rejection::new(input, e.to_string()))?;
        Ok(Doc::from_article(&article))
    };
    Ok(wiretrace_reuse::align(
        &doc(a, "text_a")?,
        &doc(b, "text_b")?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_told_from_text_by_its_first_tag() {
        assert!(looks_like_html(b"\xef\xbb\xbf  <!DOCTYPE html><p>x</p>"));
        assert!(looks_like_html(b"\n<html>"));
        assert!(!looks_like_html(b"Strike ends <b>today</b>"));
        assert!(!looks_like_html(b""));
    }

    #[test]
    fn align_finds_a_shared_paragraph_at_code_point_offsets() {
        let shared = "The harbour workers of Port Velen voted on Tuesday to end a strike that had kept ships waiting at anchor for eleven days.";
        let a =
            format!("Élan — {shared}\n\nOther text entirely here about the weather in the hills.");
        let b = format!("Before the quote came a line of its own.\n\n{shared}");
        let r = align(&a, &b).unwrap();
        assert_eq!(r.passages.len(), 1, "{r:?}");
        let p = &r.passages[0];
        let cut = |t: &str, s: wiretrace_core::Span| {
            t.chars()
                .skip(s.start)
                .take(s.end - s.start)
                .collect::<String>()
        };
        assert!(cut(&a, p.a).contains("voted on Tuesday"));
        assert_eq!(cut(&a, p.a), cut(&b, p.b));
    }

    #[test]
    fn empty_text_is_rejected_naming_it() {
        let e = sketch("", "mine").unwrap_err();
        assert_eq!(e.input, "mine");
    }
}
