//! Web archives: WARC (0.17 to 1.1) and ARC files, uncompressed or gzipped
//! one record per gzip member (as Heritrix, wget and Common Crawl write
//! them), or in one gzip stream.
//!
//! Each record becomes an item: an HTML `response` (or `resource`) record a
//! [`Item::Fetched`] page with its URL, crawl time and HTTP charset; any
//! other record (requests, metadata, DNS, images, feeds, redirects) an
//! [`Item::Skipped`] with what it was; a record that cannot be read a
//! rejection naming its offset in the file. A truncated gzip member or
//! record ends the file with a rejection; the items before it stand.
//!
//! Why not a WARC crate: the maintained one reads WARC only, not ARC, and
//! stops at the first malformed record, while wget's WARCs and the 0.17
//! drafts differ from the standard in small ways a reader must take in.

use chrono::{DateTime, FixedOffset, NaiveDateTime};
use flate2::bufread::GzDecoder;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use wiretrace_core::{time::parse_datetime, Rejection};

use super::Limits;
use crate::http::{is_html, parse_response};
use crate::{FetchedPage, Item};

/// Which archive format a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Warc,
    Arc,
}

/// The longest header line or header block read before a record is called
/// malformed: real ones are under a kilobyte.
const MAX_HEADER_BYTES: u64 = 64 * 1024;

/// Counts the bytes read from the file, so records can be named by offset.
struct Counting<R> {
    inner: R,
    count: u64,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        Ok(n)
    }
}

type FileReader = BufReader<Counting<Box<dyn Read + Send>>>;

impl Counting<Box<dyn Read + Send>> {
    fn position(reader: &FileReader) -> u64 {
        reader.get_ref().count - reader.buffer().len() as u64
    }
}

enum State {
    /// Between gzip members, or reading an uncompressed file.
    File(FileReader),
    /// Inside one gzip member that started at `offset` in the file.
    Member {
        member: Box<BufReader<GzDecoder<FileReader>>>,
        offset: u64,
        records: u32,
    },
    Done,
}

/// The records of one archive file, as items.
pub struct ArchiveSource {
    name: String,
    format: Format,
    gz: bool,
    state: State,
}

impl ArchiveSource {
    pub(super) fn file(name: String, file: File, format: Format, gz: bool) -> Self {
        Self::from_reader(&name, Box::new(file), format, gz)
    }

    /// Records from any reader (tests, stdin).
    pub fn from_reader(name: &str, reader: Box<dyn Read + Send>, format: Format, gz: bool) -> Self {
        let reader = BufReader::with_capacity(
            64 * 1024,
            Counting {
                inner: reader,
                count: 0,
            },
        );
        ArchiveSource {
            name: name.to_string(),
            format,
            gz,
            state: State::File(reader),
        }
    }

    /// The next record as an item; `None` at the end of the file.
    pub fn next_item(&mut self, limits: Limits) -> Option<Item> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return None,
                State::File(mut reader) if self.gz => {
                    match reader.fill_buf() {
                        Ok([]) => return None,
                        Ok(_) => {}
                        Err(e) => return Some(self.reject_at(0, &format!("read error: {e}"))),
                    }
                    let offset = Counting::position(&reader);
                    self.state = State::Member {
                        member: Box::new(BufReader::new(GzDecoder::new(reader))),
                        offset,
                        records: 0,
                    };
                }
                State::File(mut reader) => {
                    // Named by where the record itself starts, past the
                    // blank lines that end the one before.
                    match skip_separators(&mut reader) {
                        Ok(true) => {}
                        Ok(false) => return None,
                        Err(e) => {
                            let at = Counting::position(&reader);
                            return Some(self.reject_at(at, &format!("read error: {e}")));
                        }
                    }
                    let offset = Counting::position(&reader);
                    let item = self.read_record(&mut reader, &format!("at byte {offset}"), limits);
                    if let Some(item) = item {
                        if !matches!(&item, Item::Rejected(_)) {
                            self.state = State::File(reader);
                        }
                        return Some(item);
                    }
                    return None;
                }
                State::Member {
                    mut member,
                    offset,
                    records,
                } => {
                    // A member usually holds one record; name later ones by
                    // their place in it.
                    let place = match records {
                        0 => format!("at byte {offset}"),
                        n => format!("at byte {offset}, record {} of its gzip member", n + 1),
                    };
                    let item = self.read_record(&mut member, &place, limits);
                    match item {
                        Some(Item::Rejected(r)) => return Some(Item::Rejected(r)),
                        Some(item) => {
                            self.state = State::Member {
                                member,
                                offset,
                                records: records + 1,
                            };
                            return Some(item);
                        }
                        None => {
                            // The member ended cleanly: on to the next one.
                            self.state = State::File(member.into_inner().into_inner());
                        }
                    }
                }
            }
        }
    }

    fn reject_at(&self, offset: u64, why: &str) -> Item {
        Item::Rejected(Rejection::new(
            format!("{} at byte {offset}", self.name),
            why.to_string(),
        ))
    }

    /// One record from `r`, found at `place` in the file ("at byte N");
    /// `None` at a clean end. A rejection ends the file.
    fn read_record(&self, r: &mut dyn BufRead, place: &str, limits: Limits) -> Option<Item> {
        let input = format!("{} {place}", self.name);
        let fail = |why: String| {
            Some(Item::Rejected(Rejection::new(
                input.clone(),
                format!("{why}; the rest of {} was not read", self.name),
            )))
        };
        let first = match skip_blank_lines(r) {
            Ok(None) => return None,
            Ok(Some(line)) => line,
            Err(e) => return fail(read_error(self.gz, &e)),
        };
        let record = match self.format {
            Format::Warc => read_warc(r, &first, limits),
            Format::Arc => read_arc(r, &first, limits),
        };
        let record = match record {
            Ok(rec) => rec,
            Err(RecordError::Io(e)) => return fail(read_error(self.gz, &e)),
            Err(RecordError::Malformed(why)) => return fail(why),
        };
        Some(record.into_item(input, limits))
    }
}

fn read_error(gz: bool, e: &io::Error) -> String {
    if gz {
        format!("truncated or corrupt gzip: {e}")
    } else {
        format!("read error: {e}")
    }
}

enum RecordError {
    Io(io::Error),
    Malformed(String),
}

impl From<io::Error> for RecordError {
    fn from(e: io::Error) -> Self {
        RecordError::Io(e)
    }
}

/// A record's parts that matter here.
struct Record {
    /// `response`, `resource`, `request`, `revisit`, ... (ARC: `response`,
    /// or `warcinfo` for its `filedesc` header).
    kind: String,
    url: Option<String>,
    date: Option<DateTime<FixedOffset>>,
    /// Whether the block is an HTTP message (`application/http`, or an ARC
    /// record of an `http(s)` URL).
    http: bool,
    /// The block's own media type (for `resource` records).
    media_type: Option<String>,
    /// `WARC-Refers-To-Target-URI`, for revisits.
    refers_to: Option<String>,
    /// `None` when over the size limit (the block was read past, not kept).
    block: Option<Vec<u8>>,
    block_len: u64,
}

impl Record {
    fn into_item(self, input: String, limits: Limits) -> Item {
        let skip = |kind: String, reason: String| Item::Skipped {
            input: input.clone(),
            kind,
            reason,
        };
        let Some(url) = self.url.clone() else {
            return skip(self.kind.clone(), format!("{} record", self.kind));
        };
        match self.kind.as_str() {
            "response" | "resource" => {}
            "revisit" => {
                let of = self.refers_to.as_deref().unwrap_or(url.as_str());
                return skip(
                    "revisit".into(),
                    format!("revisit of {of} (repeats a response)"),
                );
            }
            kind => return skip(kind.into(), format!("{kind} record")),
        }
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            let scheme = url.split(':').next().unwrap_or("").to_string();
            return skip(scheme, format!("{} of {url} (not a web page)", self.kind));
        }
        let Some(block) = self.block else {
            return Item::Rejected(Rejection::new(
                input,
                format!(
                    "record of {} bytes over the limit of {} bytes (see --max-item-bytes)",
                    self.block_len, limits.max_item_bytes
                ),
            ));
        };
        let (bytes, charset) = if self.http {
            let resp = match parse_response(&block, limits.max_item_bytes) {
                Ok(r) => r,
                Err(why) => return Item::Rejected(Rejection::new(input, format!("{url}: {why}"))),
            };
            if !(200..300).contains(&resp.status) {
                let to = resp
                    .location
                    .map(|l| format!(" to {l}"))
                    .unwrap_or_default();
                return skip(
                    format!("HTTP {}", resp.status),
                    format!("HTTP {}{to}", resp.status),
                );
            }
            if !is_html(resp.media_type.as_deref()) {
                let media = resp.media_type.unwrap_or_else(|| "no media type".into());
                return skip(media.clone(), format!("{media}, not a page"));
            }
            (resp.body, resp.charset)
        } else {
            let (media, charset) = self
                .media_type
                .as_deref()
                .map(crate::http::content_type)
                .unwrap_or((None, None));
            if !is_html(media.as_deref()) {
                let media = media.unwrap_or_else(|| "no media type".into());
                return skip(media.clone(), format!("{media}, not a page"));
            }
            (block, charset)
        };
        Item::Fetched {
            input,
            page: FetchedPage {
                url,
                fetched: self.date,
                charset,
                bytes,
            },
        }
    }
}

/// Consumes the blank lines between records; `false` at the end.
fn skip_separators(r: &mut dyn BufRead) -> io::Result<bool> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        let more = blank < buf.len();
        r.consume(blank);
        if more {
            return Ok(true);
        }
    }
}

/// Reads the first non-blank line (records are separated by blank lines);
/// `None` at the end of the stream.
fn skip_blank_lines(r: &mut dyn BufRead) -> io::Result<Option<String>> {
    loop {
        let mut line = Vec::new();
        if r.take(MAX_HEADER_BYTES).read_until(b'\n', &mut line)? == 0 {
            return Ok(None);
        }
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Ok(Some(String::from_utf8_lossy(&line).trim_end().to_string()));
        }
    }
}

fn read_line(r: &mut dyn BufRead) -> Result<Option<String>, RecordError> {
    let mut line = Vec::new();
    if r.take(MAX_HEADER_BYTES).read_until(b'\n', &mut line)? == 0 {
        return Ok(None);
    }
    if !line.ends_with(b"\n") {
        return Err(RecordError::Malformed(
            "header line too long or cut off".into(),
        ));
    }
    Ok(Some(String::from_utf8_lossy(&line).trim_end().to_string()))
}

/// Reads a block of `len` bytes: kept when within the limit, read past
/// otherwise. A block that ends early is an error.
fn read_block(
    r: &mut dyn BufRead,
    len: u64,
    limits: Limits,
) -> Result<Option<Vec<u8>>, RecordError> {
    if len > limits.max_item_bytes {
        let skipped = io::copy(&mut r.take(len), &mut io::sink())?;
        if skipped < len {
            return Err(RecordError::Malformed(format!(
                "record cut off: {skipped} of {len} bytes"
            )));
        }
        return Ok(None);
    }
    let mut block = Vec::with_capacity(len as usize);
    r.take(len).read_to_end(&mut block)?;
    if (block.len() as u64) < len {
        return Err(RecordError::Malformed(format!(
            "record cut off: {} of {len} bytes",
            block.len()
        )));
    }
    Ok(Some(block))
}

fn read_warc(r: &mut dyn BufRead, first: &str, limits: Limits) -> Result<Record, RecordError> {
    if !first.starts_with("WARC/") {
        return Err(RecordError::Malformed(format!(
            "not a WARC record (starts {:?})",
            first.chars().take(40).collect::<String>()
        )));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut read = 0u64;
    loop {
        let line =
            read_line(r)?.ok_or_else(|| RecordError::Malformed("record headers cut off".into()))?;
        read += line.len() as u64;
        if read > MAX_HEADER_BYTES {
            return Err(RecordError::Malformed("record headers too long".into()));
        }
        if line.is_empty() {
            break;
        }
        match line.split_once(':') {
            Some((k, v)) => fields.push((k.trim().to_ascii_lowercase(), v.trim().to_string())),
            // A folded continuation line belongs to the field before it.
            None if line.starts_with([' ', '\t']) => {
                if let Some(last) = fields.last_mut() {
                    last.1.push(' ');
                    last.1.push_str(line.trim());
                }
            }
            None => {
                return Err(RecordError::Malformed(format!(
                    "malformed WARC header line {:?}",
                    line.chars().take(60).collect::<String>()
                )))
            }
        }
    }
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let len: u64 = field("content-length")
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| RecordError::Malformed("WARC record without a Content-Length".into()))?;
    let media_type = field("content-type");
    let http = media_type
        .as_deref()
        .is_some_and(|m| m.to_ascii_lowercase().starts_with("application/http"));
    // WARC 0.17 put angle brackets around the URI; 1.0 forbids them.
    let url = field("warc-target-uri")
        .map(|u| u.trim_start_matches('<').trim_end_matches('>').to_string());
    let block = read_block(r, len, limits)?;
    Ok(Record {
        kind: field("warc-type").unwrap_or_default().to_ascii_lowercase(),
        url,
        date: field("warc-date").as_deref().and_then(parse_datetime),
        http,
        media_type,
        refers_to: field("warc-refers-to-target-uri"),
        block,
        block_len: len,
    })
}

/// An ARC record: one header line (`URL IP DATE TYPE LENGTH`, or the ten
/// fields of ARC 2 with the length last), then `LENGTH` bytes.
fn read_arc(r: &mut dyn BufRead, first: &str, limits: Limits) -> Result<Record, RecordError> {
    let fields: Vec<&str> = first.split_whitespace().collect();
    let malformed = || {
        RecordError::Malformed(format!(
            "malformed ARC header {:?}",
            first.chars().take(80).collect::<String>()
        ))
    };
    if fields.len() < 5 {
        return Err(malformed());
    }
    let len: u64 = fields[fields.len() - 1].parse().map_err(|_| malformed())?;
    let url = fields[0].to_string();
    let date = NaiveDateTime::parse_from_str(fields[2], "%Y%m%d%H%M%S")
        .ok()
        .map(|d| d.and_utc().fixed_offset());
    let block = read_block(r, len, limits)?;
    let kind = if url.starts_with("filedesc:") {
        "warcinfo"
    } else {
        "response"
    };
    Ok(Record {
        kind: kind.into(),
        http: url.starts_with("http://") || url.starts_with("https://"),
        url: Some(url),
        date,
        media_type: Some(fields[3].to_string()),
        refers_to: None,
        block,
        block_len: len,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn warc_record(kind: &str, uri: &str, content_type: &str, block: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: 2026-03-04T05:06:07Z\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
            block.len()
        )
        .into_bytes();
        r.extend(block);
        r.extend(b"\r\n\r\n");
        r
    }

    fn page(body: &str) -> Vec<u8> {
        format!("HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body><p>{body}</p></body></html>").into_bytes()
    }

    fn gz(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn items(bytes: Vec<u8>, format: Format, gz: bool) -> Vec<Item> {
        let mut src =
            ArchiveSource::from_reader("t.warc", Box::new(io::Cursor::new(bytes)), format, gz);
        std::iter::from_fn(|| src.next_item(Limits::default())).collect()
    }

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Item::Fetched { input, page } => format!("page {} ({input})", page.url),
                Item::Skipped { input, reason, .. } => format!("skip {reason} ({input})"),
                Item::Rejected(r) => format!("reject {}: {}", r.input, r.reason),
                _ => "other".into(),
            })
            .collect()
    }

    fn sample() -> Vec<Vec<u8>> {
        vec![
            warc_record(
                "warcinfo",
                "",
                "application/warc-fields",
                b"software: test\r\n",
            ),
            warc_record(
                "request",
                "https://news.example/a",
                "application/http;msgtype=request",
                b"GET /a HTTP/1.1\r\n\r\n",
            ),
            warc_record(
                "response",
                "https://news.example/a",
                "application/http;msgtype=response",
                &page("Harbour pilots end their strike"),
            ),
            warc_record(
                "response",
                "https://news.example/logo.png",
                "application/http;msgtype=response",
                b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG",
            ),
            warc_record(
                "response",
                "https://news.example/old",
                "application/http;msgtype=response",
                b"HTTP/1.1 301 Moved\r\nLocation: https://news.example/a\r\n\r\n",
            ),
        ]
    }

    #[test]
    fn plain_and_per_record_gzip_read_alike() {
        let plain: Vec<u8> = sample().concat();
        let gzipped: Vec<u8> = sample().iter().map(|r| gz(r)).collect::<Vec<_>>().concat();
        let whole_gzip = gz(&plain);
        let expect = |s: &[String]| {
            assert_eq!(s.len(), 5, "{s:?}");
            assert!(s[0].starts_with("skip warcinfo"), "{s:?}");
            assert!(s[1].starts_with("skip request record"), "{s:?}");
            assert!(s[2].starts_with("page https://news.example/a"), "{s:?}");
            assert!(s[3].contains("image/png, not a page"), "{s:?}");
            assert!(s[4].contains("HTTP 301 to https://news.example/a"), "{s:?}");
        };
        expect(&summary(&items(plain, Format::Warc, false)));
        let g = summary(&items(gzipped.clone(), Format::Warc, true));
        expect(&g);
        // Per-record gzip: each record is named by its member's offset.
        let second_member_at = gz(&sample()[0]).len();
        assert!(
            g[1].ends_with(&format!("(t.warc at byte {second_member_at})")),
            "{g:?}"
        );
        expect(&summary(&items(whole_gzip, Format::Warc, true)));
    }

    #[test]
    fn the_page_keeps_url_date_and_charset() {
        let it = items(sample()[2].clone(), Format::Warc, false);
        let Item::Fetched { page, input } = &it[0] else {
            panic!("{:?}", summary(&it))
        };
        assert_eq!(input, "t.warc at byte 0");
        assert_eq!(page.url, "https://news.example/a");
        assert_eq!(page.charset.as_deref(), Some("utf-8"));
        assert_eq!(
            page.fetched.unwrap().to_rfc3339(),
            "2026-03-04T05:06:07+00:00"
        );
        assert!(String::from_utf8_lossy(&page.bytes).contains("Harbour pilots"));
    }

    #[test]
    fn a_truncated_record_is_rejected_with_its_offset_after_the_good_ones() {
        let mut bytes: Vec<u8> = sample()[..3].concat();
        let cut_at = bytes.len();
        let last = &sample()[2];
        bytes.extend(&last[..last.len() - 40]);
        let s = summary(&items(bytes.clone(), Format::Warc, false));
        assert_eq!(s.len(), 4, "{s:?}");
        assert!(s[2].starts_with("page"), "{s:?}");
        assert!(s[3].contains(&format!("at byte {cut_at}")), "{s:?}");
        assert!(s[3].contains("cut off"), "{s:?}");
        // The same, gzipped per record, with the last member cut short.
        let mut gzipped: Vec<u8> = sample()[..3]
            .iter()
            .map(|r| gz(r))
            .collect::<Vec<_>>()
            .concat();
        let cut_at = gzipped.len();
        let g = gz(last);
        gzipped.extend(&g[..g.len() / 2]);
        let s = summary(&items(gzipped, Format::Warc, true));
        assert_eq!(s.len(), 4, "{s:?}");
        assert!(s[3].contains(&format!("at byte {cut_at}")), "{s:?}");
    }

    #[test]
    fn arc_records_are_read() {
        let body = page("Ferry timetable changes");
        let mut arc =
            b"filedesc://t.arc 0.0.0.0 20260304050607 text/plain 9\n1 0 test\n\n".to_vec();
        arc.extend(
            format!(
                "https://news.example/b 10.0.0.1 20260304050607 text/html {}\n",
                body.len()
            )
            .as_bytes(),
        );
        arc.extend(&body);
        arc.extend(b"\n");
        let s = summary(&items(arc, Format::Arc, false));
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].starts_with("skip warcinfo"), "{s:?}");
        assert!(s[1].starts_with("page https://news.example/b"), "{s:?}");
    }

    #[test]
    fn garbage_is_rejected_not_a_panic() {
        for bytes in [
            b"hello world\n".to_vec(),
            b"WARC/1.0\r\nContent-Length: x\r\n\r\n".to_vec(),
            vec![0x1f, 0x8b, 0, 1, 2],
        ] {
            let s = items(bytes, Format::Warc, false);
            assert_eq!(s.len(), 1);
            assert!(matches!(s[0], Item::Rejected(_)));
        }
    }
}

#[cfg(test)]
mod robustness {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any bytes, in any of the four readings: items or rejections, and
        /// an end (every item consumes input).
        #[test]
        fn arbitrary_archives_end_without_panic(
            data in proptest::collection::vec(any::<u8>(), 0..2000),
            arc in any::<bool>(),
            gz in any::<bool>(),
        ) {
            let format = if arc { Format::Arc } else { Format::Warc };
            let mut src = ArchiveSource::from_reader("p.warc", Box::new(io::Cursor::new(data.clone())), format, gz);
            let mut n = 0;
            while let Some(item) = src.next_item(Limits::default()) {
                n += 1;
                prop_assert!(n <= data.len() + 1);
                if let Item::Rejected(r) = item {
                    prop_assert!(!r.reason.is_empty());
                }
            }
        }

        /// A record header with any Content-Length and fields never panics.
        #[test]
        fn arbitrary_warc_headers(len in any::<u64>(), kind in "[a-z]{0,10}", uri in "\\PC{0,30}", tail in proptest::collection::vec(any::<u8>(), 0..300)) {
            let mut data = format!("WARC/1.0\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nContent-Length: {len}\r\n\r\n").into_bytes();
            data.extend(tail);
            let mut src = ArchiveSource::from_reader("p.warc", Box::new(io::Cursor::new(data)), Format::Warc, false);
            while src.next_item(Limits::default()).is_some() {}
        }
    }
}
