//! Where items come from. One file per kind of source: [`files`] for pages
//! and the walk of directories, [`jsonl`] for feeds (files, gzip, stdin),
//! [`archive`] for web archives (WARC, ARC). A new input format is a new
//! file here.

pub mod archive;
pub mod files;
pub mod jsonl;

use std::collections::VecDeque;
use std::path::PathBuf;

use crate::Item;
use archive::ArchiveSource;
use jsonl::LineSource;

/// Size limits that keep one item from exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest page file, or JSON line, in bytes (after decompression).
    pub max_item_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_item_bytes: 16 * 1024 * 1024,
        }
    }
}

/// An entry of a folder that is not read, and why: a file that is no news
/// input (a README, an image), a named pipe, a dangling link. Not a
/// rejection: the user named the folder, not the file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub input: String,
    pub reason: String,
}

/// An input the user named, or one found in a directory.
#[derive(Debug, Clone)]
enum Input {
    Stdin,
    Path(PathBuf),
}

/// Streams the items of a list of inputs, in order.
pub struct ItemReader {
    queue: VecDeque<Input>,
    lines: Option<LineSource>,
    archive: Option<ArchiveSource>,
    limits: Limits,
    /// Items found while expanding directories (unsupported files), waiting
    /// to be reported.
    early: VecDeque<Item>,
    /// Entries of the folders walked so far that were skipped.
    skipped: Vec<Skipped>,
}

impl ItemReader {
    pub fn new(inputs: &[String], limits: Limits) -> Self {
        let queue = inputs
            .iter()
            .map(|s| {
                if s == "-" {
                    Input::Stdin
                } else {
                    Input::Path(PathBuf::from(s))
                }
            })
            .collect();
        ItemReader {
            queue,
            lines: None,
            archive: None,
            limits,
            early: VecDeque::new(),
            skipped: Vec::new(),
        }
    }

    /// The entries of folders skipped since the last call (see [`Skipped`]).
    pub fn take_skipped(&mut self) -> Vec<Skipped> {
        std::mem::take(&mut self.skipped)
    }
}

impl Iterator for ItemReader {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.early.pop_front() {
                return Some(item);
            }
            if let Some(src) = &mut self.lines {
                match src.next_item(self.limits) {
                    Some(item) => return Some(item),
                    None => self.lines = None,
                }
            }
            if let Some(src) = &mut self.archive {
                match src.next_item(self.limits) {
                    Some(item) => return Some(item),
                    None => self.archive = None,
                }
            }
            match self.queue.pop_front()? {
                Input::Stdin => match files::stdin() {
                    files::Opened::Lines(src) => self.lines = Some(src),
                    files::Opened::Archive(src) => self.archive = Some(src),
                    files::Opened::Item(item) => return Some(item),
                    files::Opened::Items(items) => self.early.extend(items),
                },
                Input::Path(p) if p.is_dir() => {
                    let (files, skipped, problems) = files::walk(&p);
                    self.skipped.extend(skipped);
                    self.early.extend(problems);
                    for f in files.into_iter().rev() {
                        self.queue.push_front(Input::Path(f));
                    }
                }
                Input::Path(p) => match files::open(&p, self.limits) {
                    files::Opened::Item(item) => return Some(item),
                    files::Opened::Items(items) => self.early.extend(items),
                    files::Opened::Lines(src) => self.lines = Some(src),
                    files::Opened::Archive(src) => self.archive = Some(src),
                },
            }
        }
    }
}
