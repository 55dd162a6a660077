//! How the store lays values out as bytes in its BLOB columns (sketches,
//! relation summaries and passages), and how it keeps a feed line without
//! the text it also keeps. Decoders give `None` for bytes of the wrong
//! shape rather than guess.

use wiretrace_core::{ArticleId, Span};
use wiretrace_reuse::{Passage, RelationSummary};

/// A sketch's hashes, 8 bytes each, little-endian.
pub(crate) fn sketch_to_blob(s: &[u64]) -> Vec<u8> {
    s.iter().flat_map(|h| h.to_le_bytes()).collect()
}

/// A relation summary as bytes, little-endian: copy flag, the two ordered
/// coverages, then each side's token ranges (a count, then start and end).
pub(crate) fn summary_to_blob(s: &RelationSummary) -> Vec<u8> {
    let mut out = Vec::with_capacity(25 + 8 * (s.a_ranges.len() + s.b_ranges.len()));
    out.push(s.is_copy as u8);
    out.extend(s.a_ordered.to_le_bytes());
    out.extend(s.b_ordered.to_le_bytes());
    for ranges in [&s.a_ranges, &s.b_ranges] {
        out.extend((ranges.len() as u32).to_le_bytes());
        for &(start, end) in ranges {
            out.extend((start as u32).to_le_bytes());
            out.extend((end as u32).to_le_bytes());
        }
    }
    out
}

pub(crate) fn blob_to_summary(a: ArticleId, b: ArticleId, blob: &[u8]) -> Option<RelationSummary> {
    let (&flag, rest) = blob.split_first()?;
    let f64_at = |at: usize| Some(f64::from_le_bytes(rest.get(at..at + 8)?.try_into().ok()?));
    let u32_at =
        |at: usize| Some(u32::from_le_bytes(rest.get(at..at + 4)?.try_into().ok()?) as usize);
    let (a_ordered, b_ordered) = (f64_at(0)?, f64_at(8)?);
    let mut at = 16;
    let mut sides: [Vec<(usize, usize)>; 2] = Default::default();
    for side in &mut sides {
        let n = u32_at(at)?;
        at += 4;
        for _ in 0..n {
            side.push((u32_at(at)?, u32_at(at + 4)?));
            at += 8;
        }
    }
    let [a_ranges, b_ranges] = sides;
    (at == rest.len()).then_some(RelationSummary {
        a,
        b,
        is_copy: flag != 0,
        a_ordered,
        b_ordered,
        a_ranges,
        b_ranges,
    })
}

pub(crate) fn blob_to_sketch(b: &[u8]) -> Vec<u64> {
    b.chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

/// First byte of [`passages_to_blob`]'s encoding. A relation stored before
/// it holds its passages as JSON text instead.
const PASSAGES_V1: u8 = 1;
/// The encoding with each passage's paragraph count (its tenth number):
/// passages became maximal runs across paragraph breaks. Passages stored
/// as V1 ran through one paragraph each.
const PASSAGES_V2: u8 = 2;

/// A relation's passages as bytes: [`PASSAGES_V2`], their count, then each
/// passage's ten numbers (spans in `a` and `b`, token ranges in `a` and
/// `b`, tokens matched, paragraphs), all as LEB128 varints: about 15 bytes a passage
/// where JSON took 110. On the 100k bench set the relations table went from
/// 182 to 63 MB, and alignment (which writes them) 5% faster.
pub(crate) fn passages_to_blob(passages: &[Passage]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + 16 * passages.len());
    out.push(PASSAGES_V2);
    push_varint(&mut out, passages.len() as u64);
    for p in passages {
        let fields = [
            p.a.start,
            p.a.end,
            p.b.start,
            p.b.end,
            p.a_tokens.0,
            p.a_tokens.1,
            p.b_tokens.0,
            p.b_tokens.1,
            p.matched,
            p.paragraphs,
        ];
        for v in fields {
            push_varint(&mut out, v as u64);
        }
    }
    out
}

pub(crate) fn blob_to_passages(blob: &[u8]) -> Option<Vec<Passage>> {
    let (&version, mut rest) = blob.split_first()?;
    let fields = match version {
        PASSAGES_V1 => 9,
        PASSAGES_V2 => 10,
        _ => return None,
    };
    let n = read_varint(&mut rest)?;
    // Each number takes a byte at least: a count beyond that is damage.
    if n > (rest.len() / fields) as u64 {
        return None;
    }
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        let mut f = [1usize; 10];
        for v in &mut f[..fields] {
            *v = usize::try_from(read_varint(&mut rest)?).ok()?;
        }
        let span = |start: usize, end: usize| (start <= end).then_some(Span { start, end });
        out.push(Passage {
            a: span(f[0], f[1])?,
            b: span(f[2], f[3])?,
            a_tokens: (f[4], f[5]),
            b_tokens: (f[6], f[7]),
            matched: f[8],
            paragraphs: f[9],
        });
    }
    rest.is_empty().then_some(out)
}

fn push_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push(v as u8 | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Reads one varint off the front of `bytes`; `None` if it is cut short or
/// overflows 64 bits.
fn read_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        // Past 64 bits, or a needless zero byte (each value has one
        // encoding, so bytes that decode re-encode to themselves).
        if (shift == 63 && byte > 1) || (shift > 0 && byte == 0) {
            return None;
        }
        v |= u64::from(byte & 0x7F) << shift;
        if byte < 0x80 {
            return Some(v);
        }
    }
    None
}

/// A feed line (JSON) holds its article's text as a JSON string, and the
/// store keeps that text already: at 100,000 feed articles the lines were
/// 184 MB of a 650 MB store. So the line is kept without it, with the byte
/// offset where it stood: `Some((line without the text, offset))` when
/// `original` holds `text` as JSON writes it, else `None` (an HTML page, a
/// text the extractor changed, a string escaped another way), and the line
/// is kept whole. [`restore_text`] gives back `original` byte for byte.
pub(crate) fn elide_text(original: &str, text: &str) -> Option<(String, usize)> {
    if text.is_empty() {
        return None;
    }
    let quoted = serde_json::to_string(text).ok()?;
    let at = find_long(original, &quoted)?;
    let mut kept = String::with_capacity(original.len() - quoted.len());
    kept.push_str(&original[..at]);
    kept.push_str(&original[at + quoted.len()..]);
    Some((kept, at))
}

/// Where `needle` first occurs in `hay`, found by its first bytes and then
/// compared whole: `str::find` builds a searcher for the whole needle
/// (here an article's text, thousands of bytes), which cost more than the
/// search: 2% of an ingest's profile.
fn find_long(hay: &str, needle: &str) -> Option<usize> {
    let (hay, needle) = (hay.as_bytes(), needle.as_bytes());
    let head = &needle[..needle.len().min(32)];
    memchr::memmem::find_iter(hay, head).find(|&at| hay[at..].starts_with(needle))
}

/// The original that [`elide_text`] kept as `kept` and `at`, given the
/// stored text; `None` when `at` is not a place in `kept`.
pub(crate) fn restore_text(kept: &str, at: usize, text: &str) -> Option<String> {
    if !kept.is_char_boundary(at) {
        return None;
    }
    let quoted = serde_json::to_string(text).ok()?;
    let mut original = String::with_capacity(kept.len() + quoted.len());
    original.push_str(&kept[..at]);
    original.push_str(&quoted);
    original.push_str(&kept[at..]);
    Some(original)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn passage() -> impl Strategy<Value = Passage> {
        let span = (0usize..1 << 40, 0usize..100_000).prop_map(|(s, n)| Span::new(s, s + n));
        let range = (0usize..1_000_000, 0usize..10_000);
        (
            span.clone(),
            span,
            range.clone(),
            range,
            any::<usize>(),
            1usize..50,
        )
            .prop_map(|(a, b, at, bt, matched, paragraphs)| Passage {
                a,
                b,
                a_tokens: (at.0, at.0 + at.1),
                b_tokens: (bt.0, bt.0 + bt.1),
                matched,
                paragraphs,
            })
    }

    proptest! {
        #[test]
        fn a_feed_line_comes_back_byte_for_byte(
            text in "[a-zé\"\\\\\n\t\u{1}ж\u{2028} ]{1,40}",
            before in "[a-z,: \"]{0,12}",
            after in "[a-z,: \"}]{0,12}",
        ) {
            let quoted = serde_json::to_string(&text).unwrap();
            let line = format!("{{{before}\"text\": {quoted}{after}}}");
            let (kept, at) = elide_text(&line, &text).expect("the line holds the text");
            prop_assert_eq!(kept.len() + quoted.len(), line.len());
            prop_assert_eq!(restore_text(&kept, at, &text), Some(line));
        }

        #[test]
        fn finding_by_the_head_finds_what_find_finds(hay in "[ab\"é]{0,120}", needle in "[ab\"é]{1,60}") {
            prop_assert_eq!(find_long(&hay, &needle), hay.find(needle.as_str()));
            let doubled = format!("{hay}{needle}{needle}");
            prop_assert_eq!(find_long(&doubled, &needle), doubled.find(needle.as_str()));
        }

        #[test]
        fn a_line_that_holds_the_text_otherwise_is_kept_whole(text in "[a-z]{1,20}") {
            // A feed may write letters as \u escapes, which serde_json does
            // not: the text is not found, and the line is kept whole.
            let escaped: String = text.chars().map(|c| format!("\\u{:04x}", c as u32)).collect();
            let line = format!("{{\"text\": \"{escaped}\"}}");
            prop_assert_eq!(elide_text(&line, &text), None);
        }
    }

    #[test]
    fn an_offset_inside_a_character_is_refused() {
        assert_eq!(restore_text("{\"a\": \"ж\"}", 8, "x"), None);
        assert_eq!(restore_text("{}", 3, "x"), None);
        assert_eq!(restore_text("{}", 1, "x").as_deref(), Some("{\"x\"}"));
    }

    proptest! {
        #[test]
        fn passages_come_back_as_they_were_stored(passages in proptest::collection::vec(passage(), 0..8)) {
            let blob = passages_to_blob(&passages);
            prop_assert_eq!(blob_to_passages(&blob), Some(passages.clone()));
            // Cut short anywhere, or with a byte more, the bytes are refused.
            for end in 0..blob.len() {
                prop_assert_eq!(blob_to_passages(&blob[..end]), None);
            }
            let mut longer = blob.clone();
            longer.push(0);
            prop_assert_eq!(blob_to_passages(&longer), None);
        }

        #[test]
        fn damaged_passages_are_refused_not_read_wrong(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            // Whatever the bytes, decoding ends; what it gives re-encodes to
            // them (or, read from the older encoding, to what reads the same).
            if let Some(passages) = blob_to_passages(&bytes) {
                let again = passages_to_blob(&passages);
                if bytes[0] == PASSAGES_V2 {
                    prop_assert_eq!(again, bytes);
                } else {
                    prop_assert_eq!(blob_to_passages(&again), Some(passages));
                }
            }
        }
    }

    #[test]
    fn a_backwards_span_or_an_overlong_varint_is_refused() {
        // One passage whose `a` span ends before it starts.
        let mut blob = vec![PASSAGES_V1, 1, 5, 4];
        blob.extend([0; 7]);
        assert_eq!(blob_to_passages(&blob), None);
        let mut ok = vec![PASSAGES_V1, 1, 4, 5];
        ok.extend([0; 7]);
        // A passage stored before paragraph counts ran through one paragraph.
        let read = blob_to_passages(&ok).expect("a V1 passage");
        assert_eq!((read.len(), read[0].paragraphs), (1, 1));
        // Eleven bytes of varint: more than 64 bits.
        assert_eq!(read_varint(&mut &[0xFF; 10][..]), None);
        assert_eq!(
            read_varint(&mut &[0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01][..]),
            Some(u64::MAX)
        );
    }
}
