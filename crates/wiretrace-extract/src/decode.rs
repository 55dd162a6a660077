//! Bytes to text: BOM, declared charset, UTF-8, else detection (chardetng);
//! binary and undecodable input refused with a reason, never a panic.

use encoding_rs::{Encoding, UTF_8};

use crate::ExtractError;

/// How much of an HTML page is scanned for a `<meta charset>`.
const META_PRESCAN_BYTES: usize = 4096;
/// How much is scanned for NUL bytes to call an input binary.
const BINARY_SCAN_BYTES: usize = 8192;

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
        let head = &bytes[..bytes.len().min(BINARY_SCAN_BYTES)];
        if head.contains(&0) {
            return Err(ExtractError::Binary(
                "NUL bytes: this is a binary file, not text".into(),
            ));
        }
        let declared = declared.and_then(|l| Encoding::for_label(l.trim().as_bytes()));
        let meta = if is_html { meta_charset(bytes) } else { None };
        // Valid UTF-8 with non-ASCII bytes is almost never another encoding by
        // accident, while wrong charset declarations are common: UTF-8 wins.
        let enc = if std::str::from_utf8(bytes).is_ok() {
            UTF_8
        } else {
            declared.or(meta).unwrap_or_else(|| detect(bytes))
        };
        (enc, bytes)
    };
    let (text, lossy) = encoding.decode_without_bom_handling(body);
    check_text(&text)?;
    Ok(Decoded {
        text: text.into_owned(),
        encoding: encoding.name(),
        lossy,
    })
}

fn detect(bytes: &[u8]) -> &'static Encoding {
    let mut det = chardetng::EncodingDetector::new();
    det.feed(bytes, true);
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

/// Refuses text that decoded into mostly control or replacement characters.
fn check_text(text: &str) -> Result<(), ExtractError> {
    let mut total = 0usize;
    let mut control = 0usize;
    let mut replaced = 0usize;
    for c in text.chars() {
        total += 1;
        if c == '\u{FFFD}' {
            replaced += 1;
        } else if c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{0C}') {
            control += 1;
        }
    }
    if total == 0 || text.trim().is_empty() {
        return Err(ExtractError::Empty);
    }
    if control * 100 > total {
        return Err(ExtractError::Binary(format!(
            "{control} of {total} characters are control characters: binary data, not text"
        )));
    }
    if replaced * 20 > total {
        return Err(ExtractError::Binary(format!(
            "{replaced} of {total} characters could not be decoded"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn bom_wins() {
        let mut b = vec![0xFF, 0xFE];
        for c in "Hi".encode_utf16() {
            b.extend(c.to_le_bytes());
        }
        assert_eq!(decode(&b, false, None).unwrap().text, "Hi");
    }
}
