//! `wiretrace`: turns a stream of news pages into stories with provenance.
//!
//! A thin binary: argument parsing and output. The work is done by the stage
//! crates (extract, reuse, stories), read from and written to a store, and
//! composed in [`pipeline`].

mod backlog;
mod demo;
mod output;
mod pipeline;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use wiretrace_core::ArticleId;
use wiretrace_ingest::Limits;
use wiretrace_store::{SqliteStore, Store};

// Extraction, sketching and alignment allocate many small, short-lived
// strings and vectors from several threads at once; mimalloc takes about a
// fifth off the ingest's CPU time that glibc's allocator spent on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` (its place in `mi_option_e`, the
/// same in mimalloc 2 and 3; the binding names no constant for it).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps memory freed during a batch job for reuse instead of handing it
/// back to the system a second later: an ingest frees and takes again
/// hundreds of megabytes (docs, chunks of relations), and the kernel
/// zeroes every page it hands out again (at 100,000 articles: 6% less CPU,
/// peak memory 3% higher). A server keeps mimalloc's default.
fn keep_freed_memory() {
    // SAFETY: sets an option mimalloc reads whenever it schedules a purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Exit code when the command worked but some inputs were rejected.
const EXIT_REJECTED: u8 = 3;

#[derive(Parser)]
#[command(
    name = "wiretrace",
    version,
    about = "Turns a stream of news pages into stories with provenance: clean articles, syndicated copies, shared passages and their sources, stories with timelines."
)]
struct Cli {
    /// The store (an SQLite file, created if missing).
    #[arg(
        long,
        global = true,
        env = "WIRETRACE_DB",
        default_value = "wiretrace.db"
    )]
    db: PathBuf,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest files, directories (recursively), JSONL feeds (.jsonl, .jsonl.gz) or `-` (JSONL on stdin).
    ///
    /// Exit code 0 when every item was stored, 3 when some were rejected
    /// (listed by `wiretrace rejected`), 1 on a fatal error.
    Ingest {
        #[arg(required = true)]
        inputs: Vec<String>,
        /// Largest page file or JSON line accepted, in bytes.
        #[arg(long, default_value_t = Limits::default().max_item_bytes)]
        max_item_bytes: u64,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Store the articles, their copy families and shared passages, and
        /// leave the stories and the full-text search behind: the next
        /// command that reads them (or the next ingest without this) brings
        /// them up to date. For deduplicating a corpus in bulk.
        #[arg(long)]
        no_stories: bool,
    },
    /// Extract articles from files without storing them: one JSON object per input, in input order.
    Extract {
        #[arg(required = true)]
        inputs: Vec<String>,
        #[arg(long, value_enum, default_value_t = ExtractFormat::Json)]
        format: ExtractFormat,
        #[arg(long, default_value_t = Limits::default().max_item_bytes)]
        max_item_bytes: u64,
    },
    /// List stories, latest first.
    Stories {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One story: its articles in time order.
    Story {
        id: String,
        /// Show why each article joined the story.
        #[arg(long)]
        why: bool,
    },
    /// One article: metadata and clean text.
    Article {
        id: String,
        /// Say why its family's original is the source (the lead in time,
        /// a clock shown wrong, an agency's own copy, the text) and where
        /// it stands in a version chain.
        #[arg(long)]
        why: bool,
    },
    /// The passages two articles share, side by side, differences marked.
    Compare { a: String, b: String },
    /// Export as JSON Lines (schemas in docs/export.md).
    Export {
        #[arg(long, value_enum)]
        what: ExportWhat,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Inputs that could not be stored, with the reason.
    Rejected,
    /// Build a store from the demo corpus shipped with wiretrace and show its stories.
    Demo {
        /// Where to build the demo store (replaced if it exists).
        #[arg(long, default_value = "wiretrace-demo.db")]
        demo_db: PathBuf,
    },
    /// Serve the store: a JSON API under /api/ and pages to browse stories, articles and shared passages.
    Serve {
        /// Address to listen on; loopback unless told otherwise (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: std::net::SocketAddr,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ExtractFormat {
    Json,
    Text,
    Markdown,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportWhat {
    Articles,
    Copies,
    Passages,
    Stories,
    Rejected,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("WIRETRACE_LOG"))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not for a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("wiretrace: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn open(db: &std::path::Path) -> Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("opening store {}", db.display()))
}

/// [`open`], with the stories and the full-text index brought up to date
/// if an `ingest --no-stories` left them behind (one lookup otherwise).
fn open_current(db: &std::path::Path) -> Result<SqliteStore> {
    let mut store = open(db)?;
    if store.stories_behind()?.is_some() {
        pipeline::analyse(&mut store, true)?;
    }
    Ok(store)
}

fn run(cli: Cli) -> Result<ExitCode> {
    let out = &mut std::io::stdout().lock();
    match cli.command {
        Command::Ingest {
            inputs,
            max_item_bytes,
            quiet,
            no_stories,
        } => {
            keep_freed_memory();
            let mut store = open(&cli.db)?;
            let summary = pipeline::ingest(&mut store, &inputs, Limits { max_item_bytes }, quiet)?;
            tracing::info!(items = summary.items, "ingested");
            pipeline::analyse(&mut store, !no_stories)?;
            output::ingest_summary(out, &summary, &store, cli.json)?;
            return Ok(if summary.rejected > 0 {
                ExitCode::from(EXIT_REJECTED)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Extract {
            inputs,
            format,
            max_item_bytes,
        } => {
            let failed = output::extract(
                out,
                &inputs,
                Limits { max_item_bytes },
                matches!(format, ExtractFormat::Json),
                matches!(format, ExtractFormat::Markdown),
            )?;
            return Ok(if failed {
                ExitCode::from(EXIT_REJECTED)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Stories { limit } => {
            output::stories(out, &open_current(&cli.db)?, limit, cli.json)?
        }
        Command::Story { id, why } => {
            let store = open_current(&cli.db)?;
            let Some(story) = store.story(&id)? else {
                bail!("no story {id:?} (see `wiretrace stories`)")
            };
            output::story(out, &store, &story, why, cli.json)?;
        }
        Command::Article { id, why } => {
            let store = open_current(&cli.db)?;
            let Some(a) = store.article(&ArticleId(id.clone()))? else {
                bail!("no article {id:?}")
            };
            output::article(out, &store, &a, why, cli.json)?;
        }
        Command::Compare { a, b } => {
            let store = open(&cli.db)?;
            output::compare(out, &store, &ArticleId(a), &ArticleId(b), cli.json)?;
        }
        Command::Export { what, out: path } => {
            let store = open_current(&cli.db)?;
            match path {
                Some(p) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(&p)
                            .with_context(|| format!("creating {}", p.display()))?,
                    );
                    output::export(&mut f, &store, what)?;
                    f.flush()?;
                }
                None => output::export(out, &store, what)?,
            }
        }
        Command::Rejected => output::rejected(out, &open(&cli.db)?, cli.json)?,
        Command::Serve { addr } => {
            drop(open_current(&cli.db)?);
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime.block_on(wiretrace_server::serve(cli.db.clone(), addr))?;
        }
        Command::Demo { demo_db } => {
            let store = demo::build(&demo_db)?;
            writeln!(
                out,
                "Demo store built at {} from {} articles written for wiretrace.\n",
                demo_db.display(),
                store.stats()?.articles
            )?;
            output::stories(out, &store, 50, cli.json)?;
            writeln!(out, "\nNext: wiretrace --db {} story <ID>   (or: article, compare, export --what passages)", demo_db.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purge_delay_option_is_the_one_set() {
        // Option 15 must be the purge delay: its default (1000 ms in
        // mimalloc 3) tells it from its neighbours, whose defaults are 0,
        // 1 or 100. A mimalloc that renumbered its options fails here.
        let before = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
            assert_eq!(before, 1000);
        }
        keep_freed_memory();
        let after = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(after, -1);
    }
}
