//! Runs the stage over plain texts, outside the pipeline.
//!
//! `quotes predict TEXT_DIR [--rules|--learned|--filtered|--mixed|--tagger|--ensemble]` prints one JSON row per
//! attribution for every `*.txt` in `TEXT_DIR` (the format of
//! `../shared/bench/quotes_score.py`: each non-empty line of a text is a
//! paragraph of its body; `--rules` leaves out the cue words learned from
//! PolNeAR train, `--learned`, `--filtered` and `--mixed` choose a `Lexicon`).
//! `quotes candidates TEXT_DIR` prints every attribution the rules propose
//! to the learned filter, with its features (what `scripts/learn-quotes`
//! trains the filter on).
//! `quotes tokens TEXT_DIR [--stacked]` prints every token's span and the
//! tagger's features of it, one line each (what `scripts/learn-quotes`
//! trains the tagger on; `--stacked`: with the rules' labels of it).
//! `quotes entities TEXT_DIR` prints the entities of each text, one JSON row
//! each.
//! `quotes bench TEXT_DIR... [--abe GROUND_TRUTH_JSON] [--rounds N] [--rules|--learned|--filtered|--mixed|--tagger|--ensemble]` prints
//! the stage's articles per second over those texts (I/O and parsing left
//! out of the timing).

use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;
use std::time::Instant;
use wiretrace_core::Span;
use wiretrace_quotes::Lexicon;

/// Each non-empty line of `text` as a paragraph span (code points, trimmed).
fn lines_as_body(text: &str) -> Vec<Span> {
    let mut spans = Vec::new();
    let mut pos = 0;
    for line in text.split('\n') {
        let n = line.chars().count();
        let lead = line.chars().take_while(|c| c.is_whitespace()).count();
        let trail = line.chars().rev().take_while(|c| c.is_whitespace()).count();
        if lead < n {
            spans.push(Span::new(pos + lead, pos + n - trail));
        }
        pos += n + 1;
    }
    spans
}

fn texts(dir: &Path) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| {
            let p = e.ok()?.path();
            (p.extension()? == "txt").then_some(p)
        })
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            let text =
                std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (name, text)
        })
        .collect();
    v.sort();
    v
}

fn span_json(s: Span) -> Value {
    json!([s.start, s.end])
}

/// The lexicon a flag names (`--rules`, `--learned`, `--filtered`,
/// `--mixed`), else the default.
fn lexicon_of(args: &[String]) -> Lexicon {
    let has = |f: &str| args.iter().any(|a| a == f);
    if has("--rules") {
        Lexicon::Rules
    } else if has("--learned") {
        Lexicon::Learned
    } else if has("--filtered") {
        Lexicon::Filtered
    } else if has("--mixed") {
        Lexicon::Mixed
    } else if has("--tagger") {
        Lexicon::Tagger
    } else if has("--ensemble") {
        Lexicon::Ensemble
    } else {
        Lexicon::default()
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("predict") => {
            let dir = args
                .get(1)
                .expect("usage: quotes predict TEXT_DIR [--rules]");
            let lexicon = lexicon_of(&args);
            for (name, text) in texts(Path::new(dir)) {
                let q = wiretrace_quotes::analyze_with(&text, &lines_as_body(&text), lexicon);
                for a in q.attributions {
                    let row = json!({
                        "doc": name,
                        "content": a.content.iter().map(|s| span_json(*s)).collect::<Vec<_>>(),
                        "source": a.source.map(span_json),
                        "cue": a.cue.map(span_json),
                        "speaker": a.speaker,
                    });
                    println!("{row}");
                }
            }
        }
        Some("candidates") => {
            let dir = args.get(1).expect("usage: quotes candidates TEXT_DIR");
            for (name, text) in texts(Path::new(dir)) {
                for (a, feats) in wiretrace_quotes::candidates(&text, &lines_as_body(&text)) {
                    let row = json!({
                        "doc": name,
                        "content": a.content.iter().map(|s| span_json(*s)).collect::<Vec<_>>(),
                        "source": a.source.map(span_json),
                        "cue": a.cue.map(span_json),
                        "features": feats,
                    });
                    println!("{row}");
                }
            }
        }
        Some("tokens") => {
            let dir = args.get(1).expect("usage: quotes tokens TEXT_DIR");
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let stacked = args.iter().any(|a| a == "--stacked");
            for (name, text) in texts(Path::new(dir)) {
                for (span, feats) in
                    wiretrace_quotes::tagger_rows(&text, &lines_as_body(&text), stacked)
                {
                    writeln!(
                        out,
                        "{name}\t{}\t{}\t{}",
                        span.start,
                        span.end,
                        feats.join("\t")
                    )
                    .expect("write");
                }
            }
        }
        Some("entities") => {
            let dir = args.get(1).expect("usage: quotes entities TEXT_DIR");
            for (name, text) in texts(Path::new(dir)) {
                let q = wiretrace_quotes::analyze_text(&text, &lines_as_body(&text));
                for e in q.entities {
                    println!("{}", json!({"doc": name, "entity": e}));
                }
            }
        }
        Some("bench") => {
            let mut docs: Vec<String> = Vec::new();
            let mut rounds = 3;
            let mut it = args[1..].iter();
            while let Some(a) = it.next() {
                match a.as_str() {
                    "--abe" => {
                        let p = it.next().expect("--abe FILE");
                        let gt: Value =
                            serde_json::from_str(&std::fs::read_to_string(p).expect("read --abe"))
                                .expect("ground truth JSON");
                        if let Some(m) = gt.as_object() {
                            for v in m.values() {
                                if let Some(b) = v["articleBody"].as_str() {
                                    docs.push(b.to_string());
                                }
                            }
                        }
                    }
                    "--rounds" => {
                        rounds = it.next().and_then(|r| r.parse().ok()).expect("--rounds N")
                    }
                    flag if flag.starts_with("--") => {}
                    dir => docs.extend(texts(Path::new(dir)).into_iter().map(|(_, t)| t)),
                }
            }
            let lexicon = lexicon_of(&args);
            let bodies: Vec<Vec<Span>> = docs.iter().map(|t| lines_as_body(t)).collect();
            let chars: usize = docs.iter().map(|t| t.chars().count()).sum();
            let mut best = f64::MAX;
            let mut found = 0;
            for _ in 0..rounds {
                let t0 = Instant::now();
                found = 0;
                for (t, b) in docs.iter().zip(&bodies) {
                    found += wiretrace_quotes::analyze_with(t, b, lexicon)
                        .attributions
                        .len();
                }
                best = best.min(t0.elapsed().as_secs_f64());
            }
            println!(
                "{} articles ({:.1} M chars), {} attributions: {:.0} articles/s ({:.1} MB/s), best of {} rounds",
                docs.len(),
                chars as f64 / 1e6,
                found,
                docs.len() as f64 / best,
                docs.iter().map(String::len).sum::<usize>() as f64 / best / 1e6,
                rounds
            );
        }
        _ => {
            eprintln!("usage: quotes predict TEXT_DIR [--rules|--learned|--filtered|--mixed|--tagger|--ensemble] | quotes candidates TEXT_DIR | quotes tokens TEXT_DIR [--stacked] | quotes entities TEXT_DIR | quotes bench TEXT_DIR... [--abe GROUND_TRUTH_JSON] [--rounds N] [--rules|--learned|--filtered|--mixed|--tagger|--ensemble]");
            std::process::exit(2);
        }
    }
}
