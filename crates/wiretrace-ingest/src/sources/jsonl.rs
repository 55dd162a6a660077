//! JSON Lines feeds: one article per line, from a file, a gzipped file or stdin.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use wiretrace_core::Rejection;

use super::Limits;
use crate::Item;

/// A stream of lines, each an item named `name:line N`.
pub struct LineSource {
    name: String,
    reader: Box<dyn BufRead + Send>,
    line_no: usize,
    gz: bool,
    done: bool,
    /// Whether a line was read yet (the first tells HTML from JSON Lines).
    started: bool,
}

impl LineSource {
    pub(super) fn file(name: String, file: File, gz: bool) -> Self {
        let reader: Box<dyn BufRead + Send> = if gz {
            Box::new(BufReader::new(MultiGzDecoder::new(file)))
        } else {
            Box::new(BufReader::new(file))
        };
        LineSource {
            name,
            reader,
            line_no: 0,
            gz,
            done: false,
            started: false,
        }
    }

    /// Lines from any reader (standard input, tests).
    pub fn from_reader(name: &str, reader: impl Read + Send + 'static, gz: bool) -> Self {
        let reader: Box<dyn BufRead + Send> = if gz {
            Box::new(BufReader::new(MultiGzDecoder::new(reader)))
        } else {
            Box::new(BufReader::new(reader))
        };
        LineSource {
            name: name.into(),
            reader,
            line_no: 0,
            gz,
            done: false,
            started: false,
        }
    }

    /// The next non-blank line as an item; `None` at the end.
    pub fn next_item(&mut self, limits: Limits) -> Option<Item> {
        loop {
            if self.done {
                return None;
            }
            match self.skip_blank() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    let input = format!("{}:line {}", self.name, self.line_no + 1);
                    return Some(self.read_error(&input, e));
                }
            }
            self.line_no += 1;
            let input = format!("{}:line {}", self.name, self.line_no);
            if !std::mem::replace(&mut self.started, true) {
                if let Some(item) = self.markup_instead() {
                    return Some(item);
                }
            }
            let mut line = Vec::new();
            let read = (&mut self.reader)
                .take(limits.max_item_bytes.saturating_add(1))
                .read_until(b'\n', &mut line);
            match read {
                Ok(0) => {
                    self.done = true;
                    return None;
                }
                Ok(_) if line.len() as u64 > limits.max_item_bytes && !line.ends_with(b"\n") => {
                    // Skip the rest of the oversized line, then report it.
                    if let Err(e) = skip_line(&mut self.reader) {
                        self.done = true;
                        return Some(self.read_error(&input, e));
                    }
                    return Some(Item::Rejected(Rejection::new(
                        input,
                        format!(
                            "line longer than the limit of {} bytes (see --max-item-bytes)",
                            limits.max_item_bytes
                        ),
                    )));
                }
                Ok(_) => {
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(Item::Record { input, line });
                }
                Err(e) => {
                    self.done = true;
                    return Some(self.read_error(&input, e));
                }
            }
        }
    }

    /// Passes over whitespace up to the next line that holds something,
    /// counting the lines passed: no item is made for a blank line, so a
    /// stream of them costs no more than reading it. `false` at the end.
    fn skip_blank(&mut self) -> std::io::Result<bool> {
        loop {
            let buf = self.reader.fill_buf()?;
            if buf.is_empty() {
                return Ok(false);
            }
            let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            self.line_no += buf[..blank].iter().filter(|&&b| b == b'\n').count();
            let more = blank < buf.len();
            self.reader.consume(blank);
            if more {
                return Ok(true);
            }
        }
    }

    /// A feed whose first line is markup (a web page piped into
    /// `ingest -`) is refused once, whole: one "malformed JSON" for each of
    /// its lines would bury the reason.
    fn markup_instead(&mut self) -> Option<Item> {
        let buf = self.reader.fill_buf().ok()?;
        if buf.first() != Some(&b'<') {
            return None;
        }
        self.done = true;
        let what = if self.name == "-" {
            "stdin"
        } else {
            self.name.as_str()
        };
        Some(Item::Rejected(Rejection::new(
            self.name.clone(),
            format!(
                "{what} holds HTML or XML, not JSON Lines (one JSON object a line): save a page as a .html file and ingest that file"
            ),
        )))
    }

    fn read_error(&self, input: &str, e: std::io::Error) -> Item {
        let what = if self.gz {
            "truncated or corrupt gzip"
        } else {
            "read error"
        };
        Item::Rejected(Rejection::new(
            input,
            format!("{what}: {e}; the rest of {} was not read", self.name),
        ))
    }
}

fn skip_line(r: &mut dyn BufRead) -> std::io::Result<()> {
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            r.consume(i + 1);
            return Ok(());
        }
        let n = buf.len();
        r.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{write::GzEncoder, Compression};
    use std::io::Write;

    fn drain(mut src: LineSource, limits: Limits) -> Vec<Item> {
        std::iter::from_fn(|| src.next_item(limits)).collect()
    }

    #[test]
    fn oversized_lines_are_rejected_and_the_rest_goes_on() {
        let data = format!("{{\"a\":1}}\n{}\n\n{{\"b\":2}}\n", "x".repeat(100));
        let items = drain(
            LineSource::from_reader("f", std::io::Cursor::new(data.into_bytes()), false),
            Limits { max_item_bytes: 50 },
        );
        assert_eq!(items.len(), 3);
        assert!(
            matches!(&items[1], Item::Rejected(r) if r.input == "f:line 2" && r.reason.contains("longer than"))
        );
        assert!(matches!(&items[2], Item::Record { input, .. } if input == "f:line 4"));
    }

    #[test]
    fn blank_lines_are_passed_over_and_counted() {
        let data = format!(
            "\n  \n{{\"a\":1}}\n{}\n\r\n  {{\"b\":2}}\n",
            "\n".repeat(100_000)
        );
        let items = drain(
            LineSource::from_reader("f", std::io::Cursor::new(data.into_bytes()), false),
            Limits::default(),
        );
        let inputs: Vec<&str> = items.iter().map(Item::input).collect();
        assert_eq!(inputs, ["f:line 3", "f:line 100006"]);
    }

    #[test]
    fn a_page_in_place_of_json_lines_is_refused_once() {
        let page = "\n<!doctype html>\n<html><head><title>T</title></head>\n<body><p>Text</p></body>\n</html>\n";
        let items = drain(
            LineSource::from_reader("-", std::io::Cursor::new(page.as_bytes().to_vec()), false),
            Limits::default(),
        );
        assert_eq!(items.len(), 1);
        assert!(
            matches!(&items[0], Item::Rejected(r) if r.input == "-" && r.reason.contains("not JSON Lines")),
            "{items:?}"
        );
    }

    #[test]
    fn truncated_gzip_keeps_what_was_read_and_says_so() {
        let mut enc = GzEncoder::new(Vec::new(), Compression::default());
        for i in 0..2000 {
            writeln!(
                enc,
                "{{\"id\": {i}, \"text\": \"line {i} with some words in it\"}}"
            )
            .unwrap();
        }
        let gz = enc.finish().unwrap();
        let cut = gz[..gz.len() / 2].to_vec();
        let items = drain(
            LineSource::from_reader("f.jsonl.gz", std::io::Cursor::new(cut), true),
            Limits::default(),
        );
        let last = items.last().unwrap();
        assert!(
            matches!(last, Item::Rejected(r) if r.reason.contains("truncated or corrupt gzip")),
            "{last:?}"
        );
        assert!(items.len() > 100);
    }
}
