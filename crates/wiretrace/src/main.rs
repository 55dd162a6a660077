//! `wiretrace`: turns a stream of news pages into stories with provenance.
//!
//! A thin binary: argument parsing and output. The work is done by the stage
//! crates (extract, reuse, stories), read from and written to a store, and
//! composed in [`pipeline`].

mod demo;
mod follow;
mod output;
mod quotes;

use anyhow::{bail, Context, Result};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use wiretrace_core::ArticleId;
use wiretrace_ingest::Limits;
use wiretrace_pipeline::pipeline;
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
/// peak memory 3% higher; `extract` over the 2,298 pages of
/// `scripts/bench-extract`: a tenth of its CPU time). A server keeps
/// mimalloc's default.
fn keep_freed_memory() {
    // SAFETY: sets an option mimalloc reads whenever it schedules a purge.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
}

/// Hands memory freed by a request back to the system after 1 ms instead
/// of mimalloc's 1,000: a server's requests come in bursts on many threads,
/// and under 64 clients on the 100k store the pages kept between them held
/// the server's RSS at 466-530 MB; with 1 ms it stays at 380 MB, for the
/// same requests per second.
fn return_freed_memory_soon() {
    // SAFETY: as in `keep_freed_memory`.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1) };
}

/// Exit code of `refresh --if-analysed` when an analysis is pending
/// (sysexits' EX_TEMPFAIL).
const EXIT_TRY_LATER: u8 = 75;

/// Exit code when the command worked but some inputs were rejected.
const EXIT_REJECTED: u8 = 3;

/// The store used when `--db` (and `WIRETRACE_DB`) name none.
const DEFAULT_DB: &str = "wiretrace.db";

/// Where `wiretrace demo` builds its store unless told otherwise.
const DEFAULT_DEMO_DB: &str = "wiretrace-demo.db";

#[derive(Parser)]
#[command(
    name = "wiretrace",
    version,
    about = "Turns a stream of news pages into stories with provenance: clean articles, syndicated copies, shared passages and their sources, stories with timelines."
)]
struct Cli {
    /// The store, an SQLite file [default: wiretrace.db]. `ingest` creates
    /// it if missing; the other commands read an existing one (`demo`
    /// builds its store there when given).
    #[arg(long, global = true, env = "WIRETRACE_DB", value_name = "FILE")]
    db: Option<PathBuf>,
    /// Print JSON (one object a line) instead of tables.
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
    /// (listed by `wiretrace rejected`), 2 when an input does not exist,
    /// 1 on a fatal error. Files in a folder that are no news input (a
    /// README, images) are skipped and counted.
    Ingest {
        /// Files, folders (walked recursively) or `-` for JSON Lines on stdin.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// Largest page file or JSON line accepted, in bytes.
        #[arg(long, default_value_t = Limits::default().max_item_bytes, value_parser = item_bytes)]
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
    /// Watch feeds, sitemaps and pages: poll each on its own schedule, fetch and store new articles as they come.
    ///
    /// SOURCES is a file of URLs, one a line (`#` comments). Each source
    /// is polled with conditional GET and waits longer while it has nothing
    /// new or fails; each new article page is fetched (obeying robots.txt,
    /// one request per host per `--host-delay`) and stored with its fetch
    /// time as `first_seen`. The state is kept in the store: stopped by
    /// Ctrl-C, SIGTERM or a crash, the next run resumes without fetching a
    /// stored page again.
    Follow {
        /// The file of feed, sitemap or page URLs.
        #[arg(value_name = "SOURCES")]
        sources: PathBuf,
        /// Do one round and exit (for cron).
        #[arg(long)]
        once: bool,
        /// Wait between polls of a source that had news (e.g. 15m, 90s).
        #[arg(long, default_value = "15m", value_parser = duration_arg)]
        interval: std::time::Duration,
        /// Longest wait between polls of a quiet or failing source.
        #[arg(long, default_value = "6h", value_parser = duration_arg)]
        max_interval: std::time::Duration,
        /// Contact for site owners, put in the User-Agent (an e-mail or URL).
        #[arg(long)]
        contact: Option<String>,
        /// Least time between two requests to one host.
        #[arg(long, default_value = "1s", value_parser = duration_arg)]
        host_delay: std::time::Duration,
        /// Longest time one response may take, body included.
        #[arg(long, default_value = "30s", value_parser = duration_arg)]
        timeout: std::time::Duration,
        /// Largest response body read, in bytes.
        #[arg(long, default_value_t = 8 << 20, value_parser = item_bytes)]
        max_page_bytes: u64,
        /// Redirects followed, at most.
        #[arg(long, default_value_t = 5)]
        max_redirects: u32,
        /// Append progress lines to this file too.
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// No progress on the terminal.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Extract articles from files without storing them: one JSON object per input, in input order.
    ///
    /// With `--db PATH` given, the site templates learned in that store are
    /// applied too: a page's lines that its site repeats on its stored
    /// pages are stripped (reason "site template").
    Extract {
        /// Files, folders (walked recursively) or `-` for JSON Lines on stdin.
        #[arg(required = true, value_name = "INPUT")]
        inputs: Vec<String>,
        /// What to print for each article (`--json` is `--format json`).
        #[arg(long, value_enum)]
        format: Option<ExtractFormat>,
        /// Largest page file or JSON line accepted, in bytes.
        #[arg(long, default_value_t = Limits::default().max_item_bytes, value_parser = item_bytes)]
        max_item_bytes: u64,
    },
    /// List stories, latest first.
    Stories {
        /// How many stories to list.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// One story: its articles in time order.
    Story {
        /// The story's id (`wiretrace stories` lists them), or an article's.
        id: String,
        /// Show why each article joined the story.
        #[arg(long)]
        why: bool,
    },
    /// One article: metadata, clean text, and who said what in it.
    Article {
        /// The article's id (its story lists it).
        id: String,
        /// Say why its family's original is the source (the lead in time,
        /// a clock shown wrong, an agency's own copy, the text) and where
        /// it stands in a version chain.
        #[arg(long)]
        why: bool,
    },
    /// Who said what: each quotation (quoted or reported speech) once,
    /// however many articles carry it, with its speaker, its first reporter
    /// and how many carry it, in the order of their first report.
    Quotes {
        /// Only quotations carried by this story's articles.
        #[arg(long)]
        story: Option<String>,
        /// Only this speaker (a name or alias, or part of one; any case).
        #[arg(long)]
        speaker: Option<String>,
        /// Only quotations that name this entity (a name or alias, or part
        /// of one; any case).
        #[arg(long)]
        entity: Option<String>,
    },
    /// The passages two articles share, side by side, differences marked.
    Compare {
        /// The first article's id.
        a: String,
        /// The second article's id.
        b: String,
    },
    /// Export as JSON Lines (schemas in docs/export.md); always JSON.
    Export {
        /// What to export.
        #[arg(long, value_enum)]
        what: ExportWhat,
        /// Write to this file instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Load the output of the Spark job (`python -m wiretrace.spark --out DIR`) into the store.
    ///
    /// Stores the job's articles (as extracted, their site templates
    /// applied) and aligned pairs without aligning anything again, then
    /// groups the families and (unless --no-stories) clusters the stories
    /// as an ingest would: `serve` and the other commands then work on the
    /// job's results.
    Import {
        /// The job's output folder (its `store/` and `rejected.jsonl`).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// No progress bar.
        #[arg(long, short)]
        quiet: bool,
        /// Leave the stories and the full-text search behind (see `ingest`).
        #[arg(long)]
        no_stories: bool,
    },
    /// Inputs that could not be stored, with the reason.
    Rejected,
    /// Build a store from the demo corpus shipped with wiretrace and show its stories.
    Demo {
        /// Where to build the demo store (replaced if it is one already);
        /// `--db` given on the command line says the same.
        #[arg(long, default_value = DEFAULT_DEMO_DB, value_name = "FILE")]
        demo_db: PathBuf,
    },
    /// Serve the store: a JSON API under /api/ and pages to browse stories, articles and shared passages.
    Serve {
        /// Address to listen on: HOST:PORT, or a PORT alone (on 127.0.0.1);
        /// loopback unless told otherwise (port 0: any free port).
        #[arg(long, default_value = "127.0.0.1:8080", value_parser = listen_address)]
        addr: std::net::SocketAddr,
        /// How often to look whether the store changed (an ingest beside
        /// the server), to bring who said what up to date; in seconds.
        #[arg(long, default_value_t = 5, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
        refresh_every: u64,
    },
    /// Bring what is derived from the whole store up to date now: finish an
    /// analysis an interrupted ingest left behind, and derive who said what
    /// (otherwise done by the first command that reads it). `serve` runs it
    /// before listening and whenever the store changes.
    Refresh {
        /// Do nothing while an analysis is pending (an ingest is running,
        /// or stopped before it), instead of finishing it, and exit with
        /// code 75 (try again later): what a server asks while an ingest
        /// runs beside it.
        #[arg(long)]
        if_analysed: bool,
    },
}

/// `--addr`: `HOST:PORT` (a name is resolved, `localhost` included) or a
/// port alone, on the loopback address.
fn listen_address(s: &str) -> std::result::Result<std::net::SocketAddr, String> {
    use std::net::ToSocketAddrs;
    if let Ok(port) = s.parse::<u16>() {
        return Ok(std::net::SocketAddr::from(([127, 0, 0, 1], port)));
    }
    if let Ok(a) = s.parse() {
        return Ok(a);
    }
    match s.to_socket_addrs() {
        // (IPv4 first: `localhost` is 127.0.0.1, as the default address.)
        Ok(addrs) => {
            let addrs: Vec<_> = addrs.collect();
            addrs
                .iter()
                .find(|a| a.is_ipv4())
                .or(addrs.first())
                .copied()
                .ok_or_else(|| format!("{s:?} names no address"))
        }
        Err(e) => Err(format!(
            "{s:?} is not HOST:PORT or a port (e.g. 127.0.0.1:8080, localhost:8080, 8080): {e}"
        )),
    }
}

/// `--max-item-bytes`: a byte count from 1 byte to 1 TiB (reading takes
/// one more byte than the limit to see an item over it).
fn item_bytes(s: &str) -> std::result::Result<u64, String> {
    const MAX: u64 = 1 << 40;
    let n: u64 = s
        .parse()
        .map_err(|e| format!("{s:?} is not a number of bytes: {e}"))?;
    if n == 0 || n > MAX {
        return Err(format!("must be from 1 to {MAX} bytes (1 TiB)"));
    }
    Ok(n)
}

/// A duration: a number with `ms`, `s`, `m`, `h` or `d` (seconds alone).
fn duration_arg(s: &str) -> std::result::Result<std::time::Duration, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (n, unit) = t.split_at(split);
    let n: f64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration (e.g. 500ms, 30s, 15m, 6h)"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "" | "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => return Err(format!("{s:?}: unknown unit {unit:?} (ms, s, m, h, d)")),
    };
    std::time::Duration::try_from_secs_f64(secs).map_err(|e| format!("{s:?}: {e}"))
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
    Quotes,
    Entities,
    Rejected,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("WIRETRACE_LOG"))
        .with_writer(std::io::stderr)
        // Colour codes only for a terminal, not for a log file.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let matches = Cli::command().get_matches_from(help_args(std::env::args_os()));
    let db_on_command_line =
        matches.value_source("db") == Some(clap::parser::ValueSource::CommandLine);
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    match run(cli, db_on_command_line) {
        Ok(code) => code,
        // A reader that went away (`| head`): stop quietly, as Unix tools do.
        Err(e) if broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wiretrace: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// `wiretrace help --help` (or `-h`) is `wiretrace help`: clap's `help`
/// command takes no options, and refusing one there helps nobody.
fn help_args(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let args: Vec<_> = args.collect();
    // The command: the first argument that is neither an option nor the
    // value of `--db` (the one global option that takes a value).
    let mut command = None;
    let mut i = 1;
    while i < args.len() {
        match args[i].to_string_lossy() {
            a if a == "--db" => i += 2,
            a if a.starts_with('-') => i += 1,
            _ => {
                command = Some(i);
                break;
            }
        }
    }
    match command {
        Some(c) if args[c] == "help" => args
            .iter()
            .enumerate()
            .filter(|&(j, a)| j <= c || !(a == "--help" || a == "-h"))
            .map(|(_, a)| a.clone())
            .collect(),
        _ => args,
    }
}

/// Whether an error comes of writing to a closed pipe.
fn broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .and_then(|j| j.io_error_kind())
                == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Stops with a usage error (exit code 2), as clap does for its own.
fn usage_error(message: impl std::fmt::Display) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ValueValidation, message)
        .exit()
}

/// Refuses inputs that name nothing to read: a path that does not exist,
/// or a web address (wiretrace reads files; it downloads nothing).
fn check_inputs(inputs: &[String]) {
    for i in inputs.iter().filter(|i| *i != "-") {
        let lower = i.to_ascii_lowercase();
        if ["http://", "https://", "ftp://", "www."]
            .iter()
            .any(|p| lower.starts_with(p))
        {
            usage_error(format!(
                "{i:?} is a web address: ingest reads files and folders (save the page or feed and give its path, or list the URL in a file for `wiretrace follow`)"
            ));
        }
        if std::fs::metadata(i).is_err() {
            let why = match std::fs::symlink_metadata(i) {
                Ok(_) => "is a symbolic link to nothing",
                Err(_) => "does not exist",
            };
            usage_error(format!("input {i:?} {why}"));
        }
    }
}

/// Opens the store `ingest` writes, creating it if missing.
fn open(db: &Path) -> Result<SqliteStore> {
    SqliteStore::open(db).with_context(|| format!("opening store {}", db.display()))
}

/// Opens the store a reading command reads: it must exist (a mistyped
/// `--db` must not make an empty store) and be a wiretrace store.
fn open_existing(db: &Path) -> Result<SqliteStore> {
    if std::fs::symlink_metadata(db).is_err() {
        let demo = if db == Path::new(DEFAULT_DB) && Path::new(DEFAULT_DEMO_DB).is_file() {
            format!(" (`wiretrace demo` built {DEFAULT_DEMO_DB} here: add --db {DEFAULT_DEMO_DB})")
        } else {
            String::new()
        };
        bail!(
            "no store at {}{demo}: `wiretrace --db {} ingest <files or folders>` makes one, `wiretrace demo` builds one from the demo corpus",
            db.display(),
            db.display()
        );
    }
    SqliteStore::open_existing(db).with_context(|| format!("opening store {}", db.display()))
}

/// [`open_existing`], with the analysis finished where an ingest left it
/// behind: stopped before it (killed, interrupted), or told to leave the
/// stories (`--no-stories`). A store that cannot be written is read as it
/// stands, with a warning saying how to finish it.
fn open_current(db: &Path) -> Result<SqliteStore> {
    let mut store = open_existing(db)?;
    let pending = store.pending_count()?;
    let stories_behind = store.stories_behind()?.is_some();
    if pending == 0 && !stories_behind {
        return Ok(store);
    }
    let what = match pending {
        0 => {
            "the stories and the search index are behind (an ingest with --no-stories)".to_string()
        }
        n => format!(
            "{} stored by an ingest that stopped before analysing {}",
            output::count(n, "article", "articles"),
            if n == 1 { "it" } else { "them" }
        ),
    };
    if store.is_read_only() {
        eprintln!(
            "wiretrace: warning: {what}; this store is read-only, so it is shown as it stands. To finish the analysis, copy the store where it can be written and run any command that reads it (e.g. `wiretrace --db COPY stories`)."
        );
        return Ok(store);
    }
    eprintln!("wiretrace: {what}: finishing the analysis first");
    pipeline::analyse(&mut store, true, false)?;
    Ok(store)
}

/// The server's [`wiretrace_server::refresh::Refresh`]: `wiretrace
/// refresh` on the same store, as a process of its own. Deriving who said
/// what holds every article's findings at once (about 1.2 GB at 100,000
/// articles); in a process of its own, that memory goes back to the system
/// when it ends, and the server's stays what its requests need.
fn refresh_in_a_process(db: &Path) -> Result<wiretrace_server::refresh::Refresh> {
    let exe = std::env::current_exe().context("finding this program to refresh the store")?;
    let db = db.to_path_buf();
    Ok(std::sync::Arc::new(move |finish: bool| {
        let status = std::process::Command::new(&exe)
            .arg("--db")
            .arg(&db)
            .arg("refresh")
            .args((!finish).then_some("--if-analysed"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status()?;
        if status.success() {
            Ok(true)
        } else if status.code() == Some(EXIT_TRY_LATER.into()) {
            Ok(false)
        } else {
            Err(std::io::Error::other(format!(
                "`wiretrace --db {} refresh` failed ({status})",
                db.display()
            )))
        }
    }))
}

/// [`open_current`], with who said what brought up to date (see
/// `quotes::bring_up_to_date`); a read-only store is shown as it stands.
fn open_quotes(db: &Path) -> Result<SqliteStore> {
    open_quotes_saying(db, true)
}

/// [`open_quotes`]; `warn`: say when a read-only store leaves it as it is.
fn open_quotes_saying(db: &Path, warn: bool) -> Result<SqliteStore> {
    let mut store = open_current(db)?;
    if store.is_read_only() {
        if !warn {
            return Ok(store);
        }
        eprintln!(
            "wiretrace: warning: this store is read-only: who said what is shown as last derived"
        );
        return Ok(store);
    }
    quotes::bring_up_to_date(&mut store)?;
    Ok(store)
}

fn run(cli: Cli, db_on_command_line: bool) -> Result<ExitCode> {
    // Tables and texts for people go through `Printable`: ingested text
    // may hold escape sequences a terminal would act on.
    let (mut raw, mut terminal) = (
        std::io::stdout().lock(),
        output::Printable(std::io::stdout().lock()),
    );
    let out: &mut dyn Write = if cli.json { &mut raw } else { &mut terminal };
    let db = cli.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB));
    let json_ignored = |command: &str, instead: &str| {
        if cli.json {
            usage_error(format!("--json does nothing for `{command}`: {instead}"));
        }
    };
    match cli.command {
        Command::Ingest {
            inputs,
            max_item_bytes,
            quiet,
            no_stories,
        } => {
            check_inputs(&inputs);
            keep_freed_memory();
            let mut store = open(&db)?;
            let behind = store.pending_count()?;
            if behind > 0 && !quiet {
                eprintln!(
                    "wiretrace: {} from an earlier ingest wait for their analysis: it is done with this one's",
                    output::count(behind, "article", "articles")
                );
            }
            let summary = pipeline::ingest(&mut store, &inputs, Limits { max_item_bytes }, quiet)?;
            tracing::info!(items = summary.items, "ingested");
            pipeline::analyse(&mut store, !no_stories, quiet)?;
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
            let format = match (format, cli.json) {
                (None, _) | (Some(ExtractFormat::Json), true) => ExtractFormat::Json,
                (Some(f), false) => f,
                (Some(_), true) => usage_error("--json asks for --format json, not another format"),
            };
            check_inputs(&inputs);
            keep_freed_memory();
            // Block-buffered: a line-buffered stdout writes each page's
            // JSON line (its whole source) with a system call of its own.
            let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let mut terminal = output::Printable(std::io::stdout().lock());
            let out: &mut dyn Write = match format {
                ExtractFormat::Json => &mut stdout,
                _ => &mut terminal,
            };
            // Site templates come from a store named on the command line;
            // `extract` needs none, so a missing one is said, not fatal.
            let templates = match db_on_command_line {
                true if !db.exists() => {
                    eprintln!(
                        "wiretrace: no store at {}: extracting without site templates",
                        db.display()
                    );
                    None
                }
                true => pipeline::learn_templates(&mut open_existing(&db)?)?.map(|(t, _)| t),
                false => None,
            };
            let failed = output::extract(
                out,
                &inputs,
                templates.as_ref(),
                Limits { max_item_bytes },
                matches!(format, ExtractFormat::Json),
                matches!(format, ExtractFormat::Markdown),
            )?;
            out.flush()?;
            return Ok(if failed {
                ExitCode::from(EXIT_REJECTED)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Stories { limit } => output::stories(out, &open_current(&db)?, limit, cli.json)?,
        Command::Story { id, why } => {
            let store = open_current(&db)?;
            let Some(story) = store.story(&id)? else {
                if let Some(a) = store.assignment(&ArticleId(id.clone()))? {
                    bail!(
                        "no story {id:?}: that is an article, in story {0} (wiretrace story {0})",
                        a.story
                    )
                }
                bail!("no story {id:?} (see `wiretrace stories`)")
            };
            output::story(out, &store, &story, why, cli.json)?;
        }
        Command::Article { id, why } => {
            let store = open_quotes_saying(&db, false)?;
            let Some(a) = store.article(&ArticleId(id.clone()))? else {
                if store.story(&id)?.is_some() {
                    bail!("no article {id:?}: that is a story (wiretrace story {id})")
                }
                bail!("no article {id:?}")
            };
            output::article(out, &store, &a, why, cli.json)?;
        }
        Command::Quotes {
            story,
            speaker,
            entity,
        } => {
            let store = open_quotes(&db)?;
            if let Some(id) = &story {
                if store.story(id)?.is_none() {
                    bail!("no story {id:?} (see `wiretrace stories`)")
                }
            }
            let query = wiretrace_store::QuoteQuery {
                story,
                speaker,
                entity,
                ..Default::default()
            };
            quotes::quotes(out, &store, query, cli.json)?
        }
        Command::Compare { a, b } => {
            let store = open_current(&db)?;
            output::compare(out, &store, &ArticleId(a), &ArticleId(b), cli.json)?;
        }
        Command::Export { what, out: path } => {
            json_ignored("export", "it always writes JSON Lines");
            let store = match what {
                ExportWhat::Quotes | ExportWhat::Entities => open_quotes(&db)?,
                _ => open_current(&db)?,
            };
            match path {
                Some(p) => {
                    let mut f = std::io::BufWriter::new(
                        std::fs::File::create(&p)
                            .with_context(|| format!("creating {}", p.display()))?,
                    );
                    output::export(&mut f, &store, what)?;
                    f.flush()?;
                }
                None => output::export(&mut std::io::stdout().lock(), &store, what)?,
            }
        }
        Command::Import {
            dir,
            quiet,
            no_stories,
        } => {
            let mut store = open(&db)?;
            let s = wiretrace_pipeline::import::import(&mut store, &dir, !no_stories, quiet)?;
            match cli.json {
                true => writeln!(out, "{}", serde_json::to_string(&s)?)?,
                false => writeln!(
                    out,
                    "imported {} articles, {} aligned pairs and {} rejected inputs from {}",
                    s.articles,
                    s.relations,
                    s.rejected,
                    dir.display()
                )?,
            }
        }
        Command::Rejected => output::rejected(out, &open_existing(&db)?, cli.json)?,
        Command::Follow {
            sources,
            once,
            interval,
            max_interval,
            contact,
            host_delay,
            timeout,
            max_page_bytes,
            max_redirects,
            log,
            quiet,
        } => {
            let mut store = open(&db)?;
            let opts = follow::FollowOptions {
                sources,
                once,
                interval,
                max_interval,
                fetch: wiretrace_ingest::fetch::FetchConfig {
                    contact,
                    max_bytes: max_page_bytes,
                    timeout,
                    max_redirects,
                    host_delay,
                },
                log,
                quiet,
            };
            let summary = follow::run(&mut store, &opts)?;
            if cli.json {
                writeln!(out, "{}", serde_json::to_string(&summary)?)?;
            } else {
                writeln!(
                    out,
                    "{} rounds: {} sources polled ({} not modified, {} failed); {} new pages found, {} fetched, {} stored, {} failed, {} forbidden by robots.txt",
                    summary.rounds, summary.polled, summary.not_modified, summary.sources_failed,
                    summary.found, summary.fetched, summary.stored, summary.failed, summary.forbidden
                )?;
            }
        }
        Command::Serve {
            addr,
            refresh_every,
        } => {
            json_ignored("serve", "its API under /api/ answers in JSON");
            drop(open_existing(&db)?);
            return_freed_memory_soon();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            runtime
                .block_on(wiretrace_server::serve(
                    db.clone(),
                    addr,
                    Some((
                        refresh_in_a_process(&db)?,
                        std::time::Duration::from_secs(refresh_every),
                    )),
                ))
                .with_context(|| format!("serving on {addr}"))?;
        }
        Command::Refresh { if_analysed } => {
            json_ignored("refresh", "it prints nothing but warnings");
            if if_analysed {
                let store = open_existing(&db)?;
                if store.pending_count()? > 0 || store.stories_behind()?.is_some() {
                    return Ok(ExitCode::from(EXIT_TRY_LATER));
                }
            }
            drop(open_quotes(&db)?);
        }
        Command::Demo { demo_db } => {
            let demo_db = if db_on_command_line { db } else { demo_db };
            let store = demo::build(&demo_db)?;
            let articles = store.stats()?.articles;
            // (With --json, stdout holds the stories' JSON lines only.)
            let mut stderr = std::io::stderr();
            let note: &mut dyn Write = if cli.json { &mut stderr } else { &mut *out };
            writeln!(
                note,
                "Demo store built at {} from {} written for wiretrace.\n",
                demo_db.display(),
                output::count(articles, "article", "articles"),
            )?;
            output::stories(out, &store, 50, cli.json)?;
            let note: &mut dyn Write = if cli.json { &mut stderr } else { &mut *out };
            writeln!(note, "\nNext: wiretrace --db {} story <ID>   (or: article, compare, export --what passages)", demo_db.display())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_addresses_as_people_write_them() {
        let loopback = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        assert_eq!(listen_address("8081"), Ok(loopback(8081)));
        assert_eq!(listen_address("localhost:8081"), Ok(loopback(8081)));
        assert_eq!(listen_address("127.0.0.1:0"), Ok(loopback(0)));
        assert_eq!(
            listen_address("[::1]:8081"),
            Ok("[::1]:8081".parse().unwrap())
        );
        for bad in ["", "localhost", "99999", "http://localhost:8081"] {
            assert!(listen_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn help_takes_help_as_itself() {
        let args = |a: &[&str]| a.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert_eq!(
            help_args(args(&["wiretrace", "help", "--help"]).into_iter()),
            args(&["wiretrace", "help"])
        );
        assert_eq!(
            help_args(args(&["wiretrace", "--json", "help", "ingest", "-h"]).into_iter()),
            args(&["wiretrace", "--json", "help", "ingest"])
        );
        assert_eq!(
            help_args(args(&["wiretrace", "--db", "x.db", "help", "--help"]).into_iter()),
            args(&["wiretrace", "--db", "x.db", "help"])
        );
        let other = args(&["wiretrace", "ingest", "--help"]);
        assert_eq!(help_args(other.clone().into_iter()), other);
    }

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
        return_freed_memory_soon();
        let served = unsafe { libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY) };
        assert_eq!(served, 1);
    }
}
