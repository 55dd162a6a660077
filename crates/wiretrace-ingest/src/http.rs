//! An HTTP response as a crawler stored it: status line, headers, body.
//!
//! Web archives keep responses as they came over the wire, so the body may
//! still be in chunked transfer coding and compressed (`Content-Encoding`).
//! [`parse_response`] undoes both, within a byte limit that holds for what
//! a decompression produces (a gzip bomb stops at the limit), and reports a
//! reason for anything it cannot read. Pure: bytes in, bytes out.

use std::io::Read;

/// A response's parts that decide whether and how to read it as a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    /// The media type without parameters, lower case (`text/html`).
    pub media_type: Option<String>,
    /// `charset=` of the `Content-Type` header, as given.
    pub charset: Option<String>,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// The body with transfer and content codings undone.
    pub body: Vec<u8>,
}

/// Headers read at most: a real response has a few dozen.
const MAX_HEADERS: usize = 256;

/// Reads a stored response. `limit` bounds the decoded body.
pub fn parse_response(raw: &[u8], limit: u64) -> Result<Response, String> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Response::new(&mut headers);
    let head_len = match parsed.parse(raw) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Err("HTTP headers end early".into()),
        Err(e) => return Err(format!("malformed HTTP response: {e}")),
    };
    let status = parsed.code.unwrap_or(0);
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .filter(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| String::from_utf8_lossy(h.value).trim().to_string())
            .next_back()
    };
    let (media_type, charset) = header("content-type")
        .map(|ct| content_type(&ct))
        .unwrap_or((None, None));
    let location = header("location");
    let mut body = raw[head_len..].to_vec();
    if header("transfer-encoding").is_some_and(|t| t.to_ascii_lowercase().contains("chunked")) {
        body = dechunk(&body, limit)?;
    }
    if let Some(coding) = header("content-encoding") {
        body = decode_content(body, &coding.to_ascii_lowercase(), limit)?;
    }
    Ok(Response {
        status,
        media_type,
        charset,
        location,
        body,
    })
}

/// `text/html; charset=UTF-8` → (`text/html`, `UTF-8`).
pub fn content_type(value: &str) -> (Option<String>, Option<String>) {
    let mut parts = value.split(';');
    let media = parts
        .next()
        .map(|m| m.trim().to_ascii_lowercase())
        .filter(|m| !m.is_empty());
    let charset = parts.find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    });
    (media, charset)
}

/// Whether a media type is a page wiretrace reads.
pub fn is_html(media_type: Option<&str>) -> bool {
    matches!(media_type, Some("text/html" | "application/xhtml+xml"))
}

/// Undoes chunked transfer coding. A body that ends inside a chunk is an
/// error: the page is incomplete.
fn dechunk(mut raw: &[u8], limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(raw.len());
    loop {
        let line_end = raw
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("chunked body ends before its last chunk")?;
        let line = String::from_utf8_lossy(&raw[..line_end]);
        let size_text = line.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("bad chunk size {size_text:?} in chunked body"))?;
        raw = &raw[line_end + 1..];
        if size == 0 {
            return Ok(out);
        }
        if raw.len() < size {
            return Err("chunked body ends inside a chunk".into());
        }
        if (out.len() + size) as u64 > limit {
            return Err(format!("body over the limit of {limit} bytes"));
        }
        out.extend_from_slice(&raw[..size]);
        raw = &raw[size..];
        // The chunk's own line end.
        raw = raw
            .strip_prefix(b"\r\n")
            .or_else(|| raw.strip_prefix(b"\n"))
            .unwrap_or(raw);
    }
}

/// Undoes `Content-Encoding` (`gzip`, `x-gzip`, `deflate`, `br`; `identity`
/// and none pass through), reading at most `limit` bytes out.
fn decode_content(body: Vec<u8>, coding: &str, limit: u64) -> Result<Vec<u8>, String> {
    let reader: Box<dyn Read + '_> = match coding.trim() {
        "" | "identity" | "none" => return Ok(body),
        "gzip" | "x-gzip" => Box::new(flate2::read::MultiGzDecoder::new(&body[..])),
        // Servers send `deflate` as zlib (RFC 9110) or, wrongly, raw deflate.
        "deflate" if body.first().is_some_and(|b| b & 0x0f == 8) => {
            Box::new(flate2::read::ZlibDecoder::new(&body[..]))
        }
        "deflate" => Box::new(flate2::read::DeflateDecoder::new(&body[..])),
        "br" => Box::new(brotli_decompressor::Decompressor::new(&body[..], 4096)),
        other => return Err(format!("unsupported Content-Encoding {other:?}")),
    };
    let mut out = Vec::new();
    reader
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|e| format!("corrupt {coding} body: {e}"))?;
    if out.len() as u64 > limit {
        return Err(format!(
            "{coding} body decompresses past the limit of {limit} bytes (see --max-item-bytes)"
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_status_type_and_charset() {
        let r = parse_response(
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=\"ISO-8859-1\"\r\n\r\n<p>x</p>",
            1000,
        )
        .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.media_type.as_deref(), Some("text/html"));
        assert_eq!(r.charset.as_deref(), Some("ISO-8859-1"));
        assert_eq!(r.body, b"<p>x</p>");
    }

    #[test]
    fn undoes_chunks_then_gzip() {
        let page = b"<html><body><p>Harbour strike ends</p></body></html>";
        let z = gzip(page);
        let mut raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\nContent-Type: text/html\r\n\r\n".to_vec();
        let (a, b) = z.split_at(10);
        for part in [a, b] {
            raw.extend(format!("{:x}\r\n", part.len()).as_bytes());
            raw.extend(part);
            raw.extend(b"\r\n");
        }
        raw.extend(b"0\r\n\r\n");
        assert_eq!(parse_response(&raw, 1000).unwrap().body, page);
    }

    #[test]
    fn a_gzip_bomb_stops_at_the_limit() {
        let z = gzip(&vec![b'a'; 1 << 20]);
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n".to_vec();
        raw.extend(z);
        let e = parse_response(&raw, 1000).unwrap_err();
        assert!(e.contains("limit of 1000"), "{e}");
    }

    #[test]
    fn brotli_and_deflate_are_read() {
        let page = b"<p>Ferry services resume on Thursday</p>";
        let mut br = Vec::new();
        {
            let mut w = brotli_writer(&mut br);
            w.write_all(page).unwrap();
        }
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n\r\n".to_vec();
        raw.extend(&br);
        assert_eq!(parse_response(&raw, 1000).unwrap().body, page);

        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        z.write_all(page).unwrap();
        let mut raw = b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n\r\n".to_vec();
        raw.extend(z.finish().unwrap());
        assert_eq!(parse_response(&raw, 1000).unwrap().body, page);
    }

    fn brotli_writer(out: &mut Vec<u8>) -> impl Write + '_ {
        brotli::CompressorWriter::new(out, 4096, 5, 22)
    }

    #[test]
    fn a_truncated_chunk_is_an_error() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n20\r\nonly a few bytes";
        assert!(parse_response(raw, 1000)
            .unwrap_err()
            .contains("inside a chunk"));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_response(b"\x00\x01 not http", 1000).is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Type", 1000).is_err());
    }
}
