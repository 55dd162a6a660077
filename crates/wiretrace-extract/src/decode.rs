//! Bytes to text: BOM, declared charset, UTF-8, else detection (chardetng);
//! binary and undecodable input refused with a reason, never a panic.
//!
//! NUL bytes are control characters like the others: an input is binary when
//! over one character in a hundred of its text (judged on its first and last
//! 32 KiB when longer) is one, wherever they are. A text that passes has its
//! few NULs dropped here, wherever they are (as HTML5 parsers drop them from
//! text), and is marked `lossy`.

use encoding_rs::{Encoding, UTF_8};
use wiretrace_core::text::count_bytes;

use crate::ExtractError;

/// How much of an HTML page is scanned for a `<meta charset>`.
const META_PRESCAN_BYTES: usize = 4096;

/// Text decoded from bytes, with the encoding used.
#[derive(Debug, Clone)]
pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    /// Whether some bytes were invalid in that encoding and replaced.
    pub lossy: bool,
}

/// Decodes `bytes`. `is_html` enables the `<meta charset>` prescan;
/// `declared` is a charset named by the transport (e.g. HTTP headers).
pub fn decode(
    bytes: &[u8],
    is_html: bool,
    declared: Option<&str>,
) -> Result<Decoded, ExtractError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ExtractError::Empty);
    }
    let (encoding, body) = if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        (enc, &bytes[bom_len..])
    } else {
        // Valid UTF-8 with non-ASCII bytes is almost never another encoding by
        // accident, while wrong charset declarations are common: UTF-8 wins.
        if let Ok(text) = std::str::from_utf8(bytes) {
            check_text(text)?;
            return Ok(without_nul(Decoded {
                text: text.to_string(),
                encoding: UTF_8.name(),
                lossy: false,
            }));
        }
        let declared = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
        let meta = if is_html { meta_charset(bytes) } else { None };
        (declared.or(meta).unwrap_or_else(|| detect(bytes)), bytes)
    };
    let (text, lossy) = encoding.decode_without_bom_handling(body);
    check_text(&text)?;
    Ok(without_nul(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        lossy,
    }))
}

/// Drops the NULs of a text judged to be text (see the module comment).
fn without_nul(mut d: Decoded) -> Decoded {
    if memchr::memchr(0, d.text.as_bytes()).is_some() {
        d.text.retain(|c| c != '\0');
        d.lossy = true;
    }
    d
}

/// As [`decode`], taking the bytes: valid UTF-8 (most pages) becomes the
/// text without a copy.
pub fn decode_owned(
    bytes: Vec<u8>,
    is_html: bool,
    declared: Option<&str>,
) -> Result<Decoded, ExtractError> {
    if Encoding::for_bom(&bytes).is_some() {
        return decode(&bytes, is_html, declared);
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            check_text(&text)?;
            Ok(without_nul(Decoded {
                text,
                encoding: UTF_8.name(),
                lossy: false,
            }))
        }
        Err(not_utf8) => decode(not_utf8.as_bytes(), is_html, declared),
    }
}

/// How many bytes on each side of a non-ASCII byte the detector reads.
const DETECT_CONTEXT: usize = 24;

/// The encoding of bytes that are not UTF-8 and declare none. chardetng
/// judges an encoding by its non-ASCII bytes and the letters beside them, and
/// reads every byte it is given (most of a page's time when fed a whole page
/// of markup): it is given only the stretches around non-ASCII bytes, each
/// starting and ending on ASCII, joined by a space.
fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new();
    let mut window: Option<(usize, usize)> = None;
    for (at, _) in bytes.iter().enumerate().filter(|(_, b)| !b.is_ascii()) {
        let end = (at + DETECT_CONTEXT + 1).min(bytes.len());
        window = match window {
            Some((start, last)) if at <= last + DETECT_CONTEXT => Some((start, end)),
            Some((start, last)) => {
                det.feed(&bytes[start..last], false);
                det.feed(b" ", false);
                Some((at - DETECT_CONTEXT, end))
            }
            None => Some((at.saturating_sub(DETECT_CONTEXT), end)),
        };
    }
    if let Some((start, end)) = window {
        det.feed(&bytes[start..end], false);
    }
    det.feed(&[], true);
    det.guess(None, true)
}

/// Finds `charset=...` in the first bytes of an HTML page.
fn meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        while i < lower.len() && lower[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < lower.len() && lower[i] == b'=' {
            i += 1;
            while i < lower.len()
                && (lower[i].is_ascii_whitespace() || lower[i] == b'"' || lower[i] == b'\'')
            {
                i += 1;
            }
            let start = i;
            while i < lower.len()
                && (lower[i].is_ascii_alphanumeric() || b"-_:.".contains(&lower[i]))
            {
                i += 1;
            }
            if let Some(enc) = Encoding::for_label(&lower[start..i]) {
                // A page that says UTF-16 in ASCII bytes is not UTF-16.
                return Some(if enc.is_ascii_compatible() {
                    enc
                } else {
                    UTF_8
                });
            }
        }
        from += pos + 1;
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Texts longer than this are judged on their first and last halves of it:
/// binary data does not hide behind 32 KiB of text at both ends, and the
/// check then costs the same on a page of any size.
const TEXT_CHECK_BYTES: usize = 64 * 1024;

/// Refuses text that decoded into mostly control or replacement characters.
fn check_text(text: &str) -> Result<(), ExtractError> {
    if text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    let (sample, what) = if text.len() <= TEXT_CHECK_BYTES {
        (Counts::of(text.as_bytes()), "characters")
    } else {
        let mut head = TEXT_CHECK_BYTES / 2;
        while !text.is_char_boundary(head) {
            head -= 1;
        }
        let mut tail = text.len() - TEXT_CHECK_BYTES / 2;
        while !text.is_char_boundary(tail) {
            tail += 1;
        }
        let (a, b) = (
            Counts::of(&text.as_bytes()[..head]),
            Counts::of(&text.as_bytes()[tail..]),
        );
        (
            Counts {
                total: a.total + b.total,
                control: a.control + b.control,
                replaced: a.replaced + b.replaced,
            },
            "characters sampled at its start and end",
        )
    };
    let Counts {
        total,
        control,
        replaced,
    } = sample;
    if control * 100 > total {
        return Err(ExtractError::Binary(format!(
            "{control} of {total} {what} are control characters: binary data, not text"
        )));
    }
    if replaced * 20 > total {
        return Err(ExtractError::Binary(format!(
            "{replaced} of {total} {what} could not be decoded"
        )));
    }
    Ok(())
}

/// Characters, control characters and replacement characters in UTF-8.
struct Counts {
    total: usize,
    control: usize,
    replaced: usize,
}

impl Counts {
    // Counted on bytes, which is many times faster than decoding chars:
    // characters are the bytes that do not continue one, C0 controls are
    // single bytes, C1 controls (U+0080..U+009F) are 0xC2 then 0x80..0x9F.
    fn of(b: &[u8]) -> Counts {
        let total = count_bytes(b, |x| (x as i8) >= -0x40);
        let c0 = count_bytes(b, |x| {
            (x < 0x20 && !matches!(x, b'\n' | b'\r' | b'\t' | 0x0c)) || x == 0x7f
        });
        let c1 = memchr::memchr_iter(0xC2, b)
            .filter(|&i| b.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
            .count();
        let replaced = memchr::memmem::find_iter(b, "\u{FFFD}".as_bytes()).count();
        Counts {
            total,
            control: c0 + c1,
            replaced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn decoding_owned_bytes_is_decoding_borrowed_ones(
            bytes in proptest::collection::vec(
                prop_oneof![Just(b' '), Just(b'a'), Just(0u8), Just(0xC2), Just(0x85), Just(0xE9), Just(0xEF), Just(0xBB), Just(0xBF), any::<u8>()],
                0..64,
            ),
            is_html in any::<bool>(),
        ) {
            let borrowed = decode(&bytes, is_html, None);
            let owned = decode_owned(bytes, is_html, None);
            prop_assert_eq!(format!("{borrowed:?}"), format!("{owned:?}"));
        }
    }

    #[test]
    fn utf8_passes_through() {
        let d = decode("Mexico’s “red line”".as_bytes(), false, None).unwrap();
        assert_eq!(d.text, "Mexico’s “red line”");
        assert_eq!(d.encoding, "UTF-8");
    }

    #[test]
    fn declared_latin1_page_is_decoded() {
        let mut page = b"<html><head><meta charset=\"ISO-8859-1\"></head><body><p>Caf".to_vec();
        page.extend([
            0xE9, b' ', b'M', b'a', b'r', 0xED, b'a', b'<', b'/', b'p', b'>',
        ]);
        let d = decode(&page, true, None).unwrap();
        assert!(d.text.contains("Café María"), "{}", d.text);
        assert_eq!(d.encoding, "windows-1252");
    }

    #[test]
    fn undeclared_legacy_bytes_are_detected() {
        let bytes = b"Le minist\xe8re a annonc\xe9 que la gr\xe8ve continuerait jusqu'\xe0 jeudi.";
        let d = decode(bytes, false, None).unwrap();
        assert!(d.text.contains("ministère"), "{}", d.text);
    }

    #[test]
    fn legacy_bytes_far_apart_in_long_markup_are_detected() {
        // The detector reads only around non-ASCII bytes: words split at
        // stretch boundaries and markup between them change nothing.
        let markup = "<div class=\"x\"><a href=\"/a\">link</a></div>\n".repeat(400);
        let words: [&[u8]; 4] = [b"minist\xe8re", b"annonc\xe9", b"gr\xe8ve", b"\xe0 jeudi"];
        let mut bytes = Vec::new();
        for w in words {
            bytes.extend_from_slice(markup.as_bytes());
            bytes.extend_from_slice(b"<p>Le ");
            bytes.extend_from_slice(w);
            bytes.extend_from_slice(b" continuerait.</p>");
        }
        let d = decode(&bytes, true, None).unwrap();
        assert_eq!(d.encoding, "windows-1252");
        assert!(d.text.contains("ministère") && d.text.contains("à jeudi"));
        // Cyrillic in windows-1251, with markup between the words.
        let mut ru = Vec::new();
        for w in [
            &b"\xcf\xf0\xe0\xe2\xe8\xf2\xe5\xeb\xfc\xf1\xf2\xe2\xee"[..],
            b"\xee\xe1\xfa\xff\xe2\xe8\xeb\xee",
        ] {
            ru.extend_from_slice(markup.as_bytes());
            ru.extend_from_slice(w);
            ru.push(b' ');
        }
        assert_eq!(decode(&ru, true, None).unwrap().encoding, "windows-1251");
    }

    #[test]
    fn binary_and_empty_are_refused() {
        assert!(matches!(decode(b"", false, None), Err(ExtractError::Empty)));
        assert!(matches!(
            decode(b" \n\t ", false, None),
            Err(ExtractError::Empty)
        ));
        assert!(matches!(
            decode(b"PK\x03\x04\x00\x00abc", false, None),
            Err(ExtractError::Binary(_))
        ));
        let noise: Vec<u8> = (0..2000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 1)
            .collect();
        assert!(matches!(
            decode(&noise, false, None),
            Err(ExtractError::Binary(_))
        ));
    }

    #[test]
    fn control_and_replacement_characters_are_counted_as_characters() {
        // 5 C1 controls (two bytes each) in 100 characters: over 1 in 100.
        let c1 = format!("{}{}", "\u{85}".repeat(5), "é".repeat(95));
        assert!(matches!(check_text(&c1), Err(ExtractError::Binary(_))));
        let c1_few = format!("\u{85}{}", "é".repeat(99));
        assert!(check_text(&c1_few).is_ok(), "1 in 100 is tolerated");
        // 6 replacement characters (three bytes each) in 100: over 1 in 20.
        let lossy = format!("{}{}", "\u{FFFD}".repeat(6), "a".repeat(94));
        assert!(matches!(check_text(&lossy), Err(ExtractError::Binary(_))));
        let lossy_few = format!("{}{}", "\u{FFFD}".repeat(5), "a".repeat(95));
        assert!(check_text(&lossy_few).is_ok());
        assert!(check_text("tab\tand\nnewlines\r\x0c are text").is_ok());
        // A long text is judged on its ends: controls there are found,
        // a few in the middle do not count against it.
        let prose = "Plain prose, with commas. ".repeat(4000);
        let binary_tail = format!("{prose}{}", "\x01\x02".repeat(2000));
        assert!(
            matches!(check_text(&binary_tail), Err(ExtractError::Binary(e)) if e.contains("sampled"))
        );
        let noisy_middle = format!("{prose}{}{prose}", "\x01".repeat(2000));
        assert!(check_text(&noisy_middle).is_ok());
        let blank_ends = format!("{}word{}", " ".repeat(40_000), " ".repeat(40_000));
        assert!(
            check_text(&blank_ends).is_ok(),
            "text between long blank ends is text"
        );
    }

    #[test]
    fn a_nul_counts_as_a_control_character_wherever_it_is() {
        let prose =
            "The harbour board met on Tuesday and voted to keep the night ferry. ".repeat(200);
        let early = format!("<p>A\0{prose}</p>");
        let late = format!("<p>A{prose}\0</p>");
        for page in [&early, &late] {
            let d = decode(page.as_bytes(), true, None).unwrap();
            assert_eq!(
                d.text,
                format!("<p>A{prose}</p>"),
                "a stray NUL is no reason to refuse a page, and is dropped"
            );
            assert!(d.lossy);
            let owned = decode_owned(page.as_bytes().to_vec(), true, None).unwrap();
            assert_eq!(owned.text, d.text);
        }
        let utf16_without_bom: Vec<u8> = "Ferry news"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert!(
            matches!(decode(&utf16_without_bom, false, None), Err(ExtractError::Binary(e)) if e.contains("control characters"))
        );
        let noisy = format!("{}{}", "\0".repeat(20), &prose[..1000]);
        assert!(matches!(
            decode(noisy.as_bytes(), false, None),
            Err(ExtractError::Binary(_))
        ));
    }

    #[test]
    fn bom_wins() {
        let mut b = vec![0xFF, 0xFE];
        for c in "Hi".encode_utf16() {
            b.extend(c.to_le_bytes());
        }
        assert_eq!(decode(&b, false, None).unwrap().text, "Hi");
    }
}
