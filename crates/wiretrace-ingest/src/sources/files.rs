//! Page files (`.html`, `.htm`, `.txt`, optionally `.gz`), feeds and web
//! archives by their names, standard input by its first bytes, and
//! directory walks.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use wiretrace_core::Rejection;

use super::archive::{self, ArchiveSource};
use super::jsonl::LineSource;
use super::{Limits, Skipped};
use crate::{Item, PageKind};

/// What a file name says it holds.
enum Format {
    Page(PageKind),
    Feed,
    Archive(archive::Format),
    /// An RSS, Atom or JSON feed, or a sitemap (see [`crate::listing`]).
    Listing,
}

/// The format of a file from its name, and whether it is gzipped.
fn format_of(path: &Path) -> Option<(Format, bool)> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let (stem, gz) = match name.strip_suffix(".gz") {
        Some(s) => (s.to_string(), true),
        None => (name, false),
    };
    let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
    let f = match ext {
        "html" | "htm" | "xhtml" | "shtml" => Format::Page(PageKind::Html),
        "txt" | "text" => Format::Page(PageKind::Text),
        "jsonl" | "ndjson" => Format::Feed,
        "warc" => Format::Archive(archive::Format::Warc),
        "arc" => Format::Archive(archive::Format::Arc),
        "rss" | "atom" | "rdf" | "xml" | "json" => Format::Listing,
        _ => return None,
    };
    Some((f, gz))
}

pub(super) enum Opened {
    Item(Item),
    /// The entries of a feed or sitemap, each an item.
    Items(Vec<Item>),
    Lines(LineSource),
    Archive(ArchiveSource),
}

/// Standard input: a WARC (plain or gzipped) by its first bytes, else JSON
/// Lines.
pub(super) fn stdin() -> Opened {
    let mut reader = BufReader::new(std::io::stdin());
    let head = reader.fill_buf().map(|b| b.to_vec()).unwrap_or_default();
    let gz = head.starts_with(&[0x1f, 0x8b]);
    if gz || head.starts_with(b"WARC/") {
        Opened::Archive(ArchiveSource::from_reader(
            "-",
            Box::new(reader),
            archive::Format::Warc,
            gz,
        ))
    } else {
        Opened::Lines(LineSource::from_reader("-", reader, false))
    }
}

fn display(path: &Path) -> String {
    path.display().to_string()
}

/// Opens one named file: a page becomes one item, a feed a line source.
pub(super) fn open(path: &Path, limits: Limits) -> Opened {
    let input = display(path);
    let reject = |why: String| Opened::Item(Item::Rejected(Rejection::new(&input, why)));
    let Some((format, gz)) = format_of(path) else {
        return reject(
            "unsupported file type (expected .html, .htm, .txt, .jsonl, .ndjson, .warc, .arc, feeds and sitemaps .rss, .atom, .rdf, .xml, .json, optionally .gz)"
                .into(),
        );
    };
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) => return reject(format!("cannot open: {e}")),
    };
    match format {
        Format::Feed => Opened::Lines(LineSource::file(input, file, gz)),
        Format::Archive(f) => Opened::Archive(ArchiveSource::file(input, file, f, gz)),
        Format::Listing => match read_bounded(file, gz, limits) {
            Ok(bytes) => Opened::Items(listing_items(&input, &bytes)),
            Err(why) => reject(why),
        },
        Format::Page(kind) => match read_bounded(file, gz, limits) {
            Ok(bytes) => Opened::Item(Item::Page { input, kind, bytes }),
            Err(why) => reject(why),
        },
    }
}

/// The items of a feed or sitemap file: one per entry, and a rejection for
/// the entries past the limit, or for the whole file if it is none.
pub(crate) fn listing_items(input: &str, bytes: &[u8]) -> Vec<Item> {
    match crate::listing::read_listing(bytes) {
        Err(why) => vec![Item::Rejected(Rejection::new(input, why))],
        Ok(l) => {
            let mut items: Vec<Item> = l
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    crate::listing::entry_item(format!("{input}:entry {}", i + 1), e, l.kind)
                })
                .collect();
            if l.dropped > 0 {
                items.push(Item::Rejected(Rejection::new(
                    input,
                    format!(
                        "{} entries past the first {} of this {} were not read (the limit of one {})",
                        l.dropped,
                        l.entries.len(),
                        l.kind.as_str(),
                        l.kind.as_str()
                    ),
                )));
            }
            items
        }
    }
}

/// A file's bytes, gunzipped if `gz`, refused past the item size limit.
fn read_bounded(file: File, gz: bool, limits: Limits) -> Result<Vec<u8>, String> {
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if !gz && size > limits.max_item_bytes {
        return Err(format!(
            "file too large: {size} bytes (limit {} bytes, see --max-item-bytes)",
            limits.max_item_bytes
        ));
    }
    let reader: Box<dyn Read> = if gz {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    // Sized for the file, so that reading it copies nothing twice
    // (a gzip's size is only a hint of what it holds).
    let hint = if gz { size.saturating_mul(4) } else { size + 1 };
    let mut bytes = Vec::with_capacity(hint.min(limits.max_item_bytes.saturating_add(1)) as usize);
    match reader
        .take(limits.max_item_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
    {
        Ok(_) if bytes.len() as u64 > limits.max_item_bytes => Err(format!(
            "decompressed size over the limit of {} bytes (see --max-item-bytes)",
            limits.max_item_bytes
        )),
        Ok(_) => Ok(bytes),
        Err(e) if gz => Err(format!("truncated or corrupt gzip: {e}")),
        Err(e) => Err(format!("cannot read: {e}")),
    }
}

/// Whether a file's name says it holds news input wiretrace reads.
pub(super) fn is_news_input(path: &Path) -> bool {
    format_of(path).is_some()
}

/// The files under a directory, sorted by path; the entries that are no
/// news input, each with why (skipped, not rejected: a folder of pages may
/// hold a README or images); and a rejection for each entry that cannot
/// be read. Hidden files and directories are passed over; symbolic links
/// are followed.
pub(super) fn walk(dir: &Path) -> (Vec<PathBuf>, Vec<Skipped>, Vec<Item>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut problems = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let mut skip = |path: &Path, reason: &str| {
        skipped.push(Skipped {
            input: display(path),
            reason: reason.into(),
        })
    };
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                if is_news_input(e.path()) {
                    files.push(e.into_path());
                } else {
                    skip(e.path(), NOT_NEWS_INPUT);
                }
            }
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => skip(e.path(), not_a_file(&e.file_type())),
            Err(e) if e.loop_ancestor().is_some() => skip(
                e.path().unwrap_or(dir),
                "a symbolic link that loops back to a folder above it",
            ),
            Err(e)
                if e.path().is_some_and(|p| {
                    p.symlink_metadata()
                        .is_ok_and(|m| m.file_type().is_symlink())
                        && std::fs::metadata(p).is_err()
                }) =>
            {
                skip(
                    e.path().unwrap_or(dir),
                    "a dangling symbolic link (its target does not exist)",
                )
            }
            Err(e) => {
                let input = e.path().map_or_else(|| display(dir), display);
                problems.push(Item::Rejected(Rejection::new(
                    input,
                    format!("cannot read: {e}"),
                )));
            }
        }
    }
    (files, skipped, problems)
}

/// Why a file a folder holds was skipped for its name.
const NOT_NEWS_INPUT: &str =
    "not news input (wiretrace reads .html, .htm, .txt, .jsonl, .ndjson, .warc, .arc, .rss, .atom, .rdf, .xml, .json, optionally .gz)";

/// Why an entry that is neither a file nor a folder was skipped.
fn not_a_file(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO), not a file";
        }
        if t.is_socket() {
            return "a socket, not a file";
        }
        if t.is_block_device() || t.is_char_device() {
            return "a device, not a file";
        }
    }
    let _ = t;
    "not a regular file"
}
