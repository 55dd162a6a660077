//! Helpers shared by the integration tests, which drive the real binary.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

pub fn wiretrace(db: &Path) -> Command {
    let mut c = Command::cargo_bin("wiretrace").expect("binary built");
    c.arg("--db").arg(db).env_remove("WIRETRACE_DB");
    c
}

/// Ingests `input` into `db` without a progress bar; every item must be
/// stored.
pub fn ingest_quietly(db: &Path, input: &Path) {
    wiretrace(db)
        .args(["ingest", "--quiet"])
        .arg(input)
        .assert()
        .success();
}

/// Ingests `inputs` into `db`: the JSON summary and the exit code.
pub fn ingest_json(db: &Path, inputs: &[&Path]) -> (Value, i32) {
    let out = wiretrace(db)
        .args(["--json", "ingest", "--quiet"])
        .args(inputs)
        .output()
        .expect("runs");
    let summary = String::from_utf8_lossy(&out.stdout);
    let line = summary.lines().last().unwrap_or_else(|| {
        panic!(
            "no summary; stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (
        serde_json::from_str(line).expect("summary is JSON"),
        out.status.code().unwrap_or(-1),
    )
}

/// What a command that must succeed prints on stdout.
pub fn stdout_of(db: &Path, args: &[&str]) -> String {
    let out = wiretrace(db).args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf8")
}

/// `../shared` beside the checkout, where CI puts the evaluation data.
pub fn shared() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    p.join("seeds")
        .is_dir()
        .then(|| p.canonicalize().expect("shared path"))
}

/// Skips a test (returning `None`) with a message when `../shared` is absent.
pub fn shared_or_skip(test: &str) -> Option<PathBuf> {
    let s = shared();
    if s.is_none() {
        eprintln!("SKIPPED {test}: ../shared (evaluation data) is not beside this checkout");
    }
    s
}

pub fn export(db: &Path, what: &str) -> Vec<Value> {
    let out = wiretrace(db)
        .args(["export", "--what", what])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "export failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("utf8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect()
}

pub fn demo_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("demo")
}

/// Code point offset of `needle` in `hay`.
pub fn char_offset(hay: &str, needle: &str) -> Option<usize> {
    hay.find(needle).map(|b| hay[..b].chars().count())
}

/// The demo corpus's inputs (its folders, without its README).
pub fn demo_inputs() -> [PathBuf; 2] {
    [demo_corpus().join("feeds"), demo_corpus().join("sites")]
}

/// A server on a free loopback port, stopped when dropped.
pub struct Server {
    child: Child,
    pub base: String,
}

impl Server {
    pub fn start(db: &Path) -> Server {
        Self::start_with(db, &[])
    }

    /// [`Server::start`], with more options of `serve`.
    pub fn start_with(db: &Path, options: &[&str]) -> Server {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wiretrace"))
            .arg("--db")
            .arg(db)
            .args(["serve", "--addr", "127.0.0.1:0"])
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start wiretrace serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Server { child, base }
    }

    /// Status, content type and body of a GET.
    pub fn get(&self, path: &str) -> (u16, String, String) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut r = agent.get(format!("{}{path}", self.base)).call().unwrap();
        let status = r.status().as_u16();
        let ctype = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        (status, ctype, r.body_mut().read_to_string().unwrap())
    }

    pub fn json(&self, path: &str) -> (u16, serde_json::Value) {
        let (status, ctype, body) = self.get(path);
        assert!(ctype.starts_with("application/json"), "{path}: {ctype}");
        (status, serde_json::from_str(&body).unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
