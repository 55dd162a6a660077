//! What a new user meets in the first hour: a mistyped store, a closed
//! pipe, a folder with stray files, an ingest that was interrupted.

mod common;
use common::*;
use std::path::Path;

/// A store with the demo corpus in it.
fn demo_store(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("demo.db");
    wiretrace(&db)
        .args(["ingest", "--quiet"])
        .args(demo_inputs())
        .assert()
        .success();
    db
}

fn run(db: &Path, args: &[&str]) -> std::process::Output {
    wiretrace(db).args(args).output().unwrap()
}

const READ_COMMANDS: &[&[&str]] = &[
    &["stories"],
    &["story", "s-1"],
    &["article", "a-1"],
    &["compare", "a-1", "a-2"],
    &["export", "--what", "articles"],
    &["rejected"],
];

#[test]
fn read_commands_refuse_a_store_that_is_not_there_and_create_none() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mistyped.db");
    for args in READ_COMMANDS {
        let out = run(&db, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            stderr.contains("no store at") && stderr.contains("mistyped.db"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("ingest") && stderr.contains("demo"),
            "{args:?}: {stderr}"
        );
        assert!(!db.exists(), "{args:?} created {}", db.display());
    }
    // `wiretrace stories` in a folder where `demo` built its store says so.
    std::fs::copy(demo_store(dir.path()), dir.path().join("wiretrace-demo.db")).unwrap();
    let out = assert_cmd::Command::cargo_bin("wiretrace")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("WIRETRACE_DB")
        .arg("stories")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--db wiretrace-demo.db"), "{stderr}");
    assert!(!dir.path().join("wiretrace.db").exists());
}

#[test]
fn a_file_that_is_not_a_wiretrace_store_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "shopping: bread, milk\n").unwrap();
    let other = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&other).unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Ada');",
        )
        .unwrap();
    }
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    for file in [&notes, &other, &empty] {
        let before = std::fs::read(file).unwrap();
        for args in READ_COMMANDS {
            let out = run(file, args);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{args:?} on {file:?}");
            assert!(
                stderr.contains("not a wiretrace store"),
                "{args:?}: {stderr}"
            );
        }
        if file != &empty {
            // Nor does an ingest write into another program's file.
            let out = wiretrace(file)
                .args(["ingest", "--quiet"])
                .args(demo_inputs())
                .output()
                .unwrap();
            assert!(!out.status.success());
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.contains("not a wiretrace store"), "{stderr}");
        }
        assert_eq!(std::fs::read(file).unwrap(), before, "{file:?} changed");
        let mut wal = file.as_os_str().to_owned();
        wal.push("-wal");
        assert!(!Path::new(&wal).exists());
    }
}

#[test]
fn demo_builds_where_db_says_and_replaces_only_a_demo_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("mine.db");
    let run_demo = |db: &Path| {
        assert_cmd::Command::cargo_bin("wiretrace")
            .unwrap()
            .current_dir(dir.path())
            .env_remove("WIRETRACE_DB")
            .arg("--db")
            .arg(db)
            .arg("demo")
            .output()
            .unwrap()
    };
    let out = run_demo(&db);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("wiretrace-demo.db").exists());
    assert!(String::from_utf8_lossy(&out.stdout).contains("Port Aldren dockworkers walk out"));
    assert_eq!(export(&db, "articles").len(), 8);
    // Again: its own store is replaced.
    assert!(run_demo(&db).status.success());
    // A store of the user's own is not.
    let own = dir.path().join("own.db");
    ingest_quietly(&own, &demo_inputs()[1]);
    let out = run_demo(&own);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a demo store"));
    assert_eq!(export(&own, "articles").len(), 3);
}

#[test]
fn a_store_that_cannot_be_written_is_read() {
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let expected = run(&db, &["--json", "stories"]).stdout;
    assert!(!expected.is_empty());
    let ro = dir.path().join("readonly");
    std::fs::create_dir(&ro).unwrap();
    let copy = ro.join("w.db");
    std::fs::copy(&db, &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o444)).unwrap();
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("wiretrace"));
    cmd.arg("--db").arg(&copy).args(["--json", "stories"]);
    cmd.env_remove("WIRETRACE_DB");
    // Root writes where the mode says no one may: run as nobody.
    let as_root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    if as_root {
        cmd.uid(65534).gid(65534);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, expected);
    // The server reads it too.
    let mut serve = std::process::Command::new(assert_cmd::cargo::cargo_bin("wiretrace"));
    serve
        .arg("--db")
        .arg(&copy)
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("WIRETRACE_DB")
        .stdout(std::process::Stdio::piped());
    if as_root {
        serve.uid(65534).gid(65534);
    }
    let mut server = serve.spawn().unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let base = line.trim().strip_prefix("listening on ").map(String::from);
    let status = base.map(|b| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent()
            .get(format!("{b}/api/stories"))
            .call()
            .map(|r| r.status().as_u16())
    });
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(matches!(status, Some(Ok(200))), "{line:?}: {status:?}");
    assert_eq!(
        std::fs::read_dir(&ro).unwrap().count(),
        1,
        "nothing written beside it"
    );
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    for args in [
        &["export", "--what", "articles"][..],
        &["stories"],
        &["--json", "stories"],
    ] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("wiretrace"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The reader goes away before anything is written.
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: {stderr}");
    }
}

const STORY_TEXT: &str = "Ferry service resumes on the coast\n\nThe ferry between Oskar and Lund resumed service on Monday after a week of storms, the operator said.\n\nPassengers queued from dawn, and the first crossing left on time.\n";

#[test]
fn stray_files_in_a_folder_are_skipped_and_counted_and_links_followed() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pages");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("ferry.txt"), STORY_TEXT).unwrap();
    std::fs::write(folder.join("README.md"), "# My scrape\n").unwrap();
    std::fs::write(folder.join("photo.png"), b"\x89PNG\r\n\x1a\n").unwrap();
    let elsewhere = dir.path().join("elsewhere.txt");
    std::fs::write(&elsewhere, STORY_TEXT.replace("Monday", "Tuesday")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, folder.join("linked.txt")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.txt"), folder.join("dangling.txt")).unwrap();
    let fifo = folder.join("pipe.txt");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());

    let db = dir.path().join("w.db");
    let out = wiretrace(&db)
        .args(["ingest", "--quiet"])
        .arg(&folder)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("skipped: 4 files not news input"),
        "{stdout}"
    );
    for (name, why) in [
        ("README.md", "not news input"),
        ("photo.png", "not news input"),
        ("dangling.txt", "dangling symbolic link"),
        ("pipe.txt", "named pipe"),
    ] {
        assert!(
            stdout.lines().any(|l| l.contains(name) && l.contains(why)),
            "{name}: {stdout}"
        );
    }
    assert!(stdout.contains("2 items: 2 ingested"), "{stdout}");
    assert!(export(&db, "rejected").is_empty());
    let inputs: Vec<String> = export(&db, "articles")
        .iter()
        .map(|a| a["input"].as_str().unwrap().to_string())
        .collect();
    assert!(
        inputs.iter().any(|i| i.ends_with("linked.txt")),
        "{inputs:?}"
    );

    let out = wiretrace(&db)
        .args(["--json", "ingest", "--quiet"])
        .arg(&folder)
        .output()
        .unwrap();
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["skipped"].as_array().unwrap().len(), 4, "{summary}");
}

#[test]
fn an_input_that_does_not_exist_or_is_a_web_address_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("w.db");
    for input in [
        dir.path().join("no-such-folder").display().to_string(),
        "https://news.example/story".to_string(),
    ] {
        for command in ["ingest", "extract"] {
            let out = wiretrace(&db).args([command, &input]).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {input}: {stderr}");
            assert!(stderr.contains(&input), "{stderr}");
        }
    }
    assert!(!db.exists());
}

#[test]
fn reads_after_an_interrupted_ingest_finish_the_analysis_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let whole = demo_store(dir.path());
    let expected = export(&whole, "stories");
    let cut = dir.path().join("cut.db");
    std::fs::copy(&whole, &cut).unwrap();
    {
        // As an ingest killed once its articles were stored leaves it:
        // every article waiting for its analysis, nothing derived yet.
        let conn = rusqlite::Connection::open(&cut).unwrap();
        conn.execute_batch(
            "INSERT INTO pending_analysis SELECT id FROM articles;
             DELETE FROM relations; DELETE FROM families; DELETE FROM story_members;
             DELETE FROM stories; DELETE FROM story_outlets; DELETE FROM checkpoints;",
        )
        .unwrap();
    }
    // What a server asks while an ingest runs beside it: nothing is done,
    // the ingest finishes its own analysis.
    let out = run(&cut, &["refresh", "--if-analysed"]);
    assert!(
        out.status.code() == Some(75) && out.stderr.is_empty(),
        "{out:?}"
    );
    let pending: i64 = rusqlite::Connection::open(&cut)
        .unwrap()
        .query_row("SELECT count(*) FROM pending_analysis", [], |r| r.get(0))
        .unwrap();
    assert_eq!(pending, 8);
    let out = run(&cut, &["stories"]);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("8 articles stored by an ingest that stopped before analysing them"),
        "{stderr}"
    );
    assert!(
        stdout.contains("Port Aldren dockworkers walk out"),
        "{stdout}"
    );
    assert_eq!(export(&cut, "stories"), expected);
    // Done once: the next read says nothing.
    let out = run(&cut, &["stories"]);
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_commands_agree_with_each_other_and_with_the_api() {
    let dir = tempfile::tempdir().unwrap();
    // `--json demo` prints JSON only.
    let db = dir.path().join("d.db");
    let out = run(&db, &["--json", "demo"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.is_empty());
    for line in stdout.lines() {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
    }
    // `--json` where it would do nothing is refused.
    for args in [
        &["--json", "export", "--what", "articles"][..],
        &["--json", "serve"],
    ] {
        let out = run(&db, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--json does nothing"));
    }
    // `help --help` is help.
    let out = run(&db, &["help", "--help"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage"));
    // Every argument and option says what it is.
    for command in [
        "ingest", "extract", "stories", "story", "article", "compare", "export", "demo", "serve",
    ] {
        let help = String::from_utf8(run(&db, &[command, "--help"]).stdout).unwrap();
        let options = help.split("Options:").nth(1).unwrap_or("");
        let arguments = help
            .split("Arguments:")
            .nth(1)
            .map_or("", |a| a.split("Options:").next().unwrap());
        for section in [arguments, options] {
            let lines: Vec<&str> = section.lines().collect();
            for (k, line) in lines.iter().enumerate() {
                let line = line.trim();
                if !(line.starts_with('-') || line.starts_with('<')) {
                    continue;
                }
                // Help on the same line, or on the next, indented further.
                let same = line.split("  ").filter(|p| !p.trim().is_empty()).count() > 1;
                let next = lines.get(k + 1).map(|l| l.trim()).unwrap_or("");
                let below = !next.is_empty() && !next.starts_with('-') && !next.starts_with('<');
                assert!(same || below, "{command}: no help for {line:?}\n{help}");
            }
        }
    }
    // `compare` names the id it cannot find, and only that one.
    let out = run(&db, &["compare", "nope", "mpa-2025-0304-strike"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("\"nope\"") && !stderr.contains("mpa-2025-0304-strike"),
        "{stderr}"
    );
    // `story <article id>` points to the article's story.
    let story = export(&db, "stories")
        .into_iter()
        .find(|s| s["id"] == "mpa-2025-0304-strike")
        .unwrap()["story"]
        .as_str()
        .unwrap()
        .to_string();
    let out = run(&db, &["story", "mpa-2025-0304-strike"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("wiretrace story {story}")));
    // The story's JSON says `reason` and `Z`, as the API does.
    let json: serde_json::Value =
        serde_json::from_slice(&run(&db, &["--json", "story", &story]).stdout).unwrap();
    let first = &json["articles"][0];
    assert!(
        first.get("reason").is_some() && first.get("why").is_none(),
        "{first}"
    );
    let feed = dir.path().join("utc.jsonl");
    std::fs::write(&feed, "{\"id\": \"utc-1\", \"published\": \"2025-03-03T10:00:00+00:00\", \"title\": \"Ferry resumes\", \"text\": \"The ferry between Oskar and Lund resumed service on Monday after a week of storms.\"}\n").unwrap();
    // Counts agree with their nouns.
    let one = dir.path().join("one.db");
    let out = run(&one, &["ingest", "--quiet", feed.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("1 item: 1 ingested (0 exact duplicates)"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "store: 1 article, 1 copy family, 1 story, 0 passages aligned between related pairs"
        ),
        "{stdout}"
    );
    let article: serde_json::Value =
        serde_json::from_slice(&run(&one, &["--json", "article", "utc-1"]).stdout).unwrap();
    assert_eq!(article["published"], "2025-03-03T10:00:00Z");
    // Times are shown to the second.
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, "{\"id\": 1}\n").unwrap();
    run(&one, &["ingest", "--quiet", bad.to_str().unwrap()]);
    let listed = String::from_utf8(run(&one, &["rejected"]).stdout).unwrap();
    let when = regex::Regex::new(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\b").unwrap();
    assert!(
        when.is_match(&listed) && !listed.contains("+00:00"),
        "{listed}"
    );
    let at = &export(&one, "rejected")[0]["at"];
    assert!(!at.as_str().unwrap().contains('.'), "{at}");
    // A page piped into `ingest -` is refused once, as a whole.
    let out = wiretrace(&one)
        .args(["ingest", "--quiet", "-"])
        .write_stdin("<!doctype html>\n<html>\n<head><title>x</title></head>\n<body><p>A page.</p></body>\n</html>\n")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("not JSON Lines") && stdout.matches("rejected -").count() == 1,
        "{stdout}"
    );
}

#[test]
fn a_port_in_use_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = demo_store(dir.path());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    for addr in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        port.to_string(),
    ] {
        let out = run(&db, &["serve", "--addr", &addr]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{addr}: {stderr}");
        assert!(
            stderr.contains(&format!("127.0.0.1:{port}")),
            "{addr}: {stderr}"
        );
    }
}

#[test]
fn an_article_without_site_or_date_reads_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("pages");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("ferry.txt"), STORY_TEXT).unwrap();
    let db = dir.path().join("w.db");
    ingest_quietly(&db, &folder);
    let stories = String::from_utf8(run(&db, &["stories"]).stdout).unwrap();
    assert!(
        stories.contains("site unknown") && stories.contains("undated"),
        "{stories}"
    );
    let story = export(&db, "stories")[0]["story"]
        .as_str()
        .unwrap()
        .to_string();
    let shown = String::from_utf8(run(&db, &["story", &story]).stdout).unwrap();
    assert!(shown.contains("undated; outlets: site unknown"), "{shown}");
    assert!(
        !shown.contains("undated – undated") && !shown.contains(": ,"),
        "{shown}"
    );
    let row = shown
        .lines()
        .find(|l| l.contains("Ferry service") && l.contains('┆'))
        .unwrap();
    assert!(
        row.contains("site unknown") && row.contains("undated"),
        "{row}"
    );
    let article = String::from_utf8(
        run(
            &db,
            &[
                "article",
                export(&db, "articles")[0]["id"].as_str().unwrap(),
            ],
        )
        .stdout,
    )
    .unwrap();
    assert!(
        article.contains("site: site unknown") && article.contains("published: undated"),
        "{article}"
    );
}
