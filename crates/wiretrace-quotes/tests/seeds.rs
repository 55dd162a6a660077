//! The seed pair from ../shared/seeds (AFP's report of a meeting and a
//! republished preview of it), extracted as the pipeline does: each quotation
//! goes to its speaker, and Marco Rubio is one entity with his aliases.

use std::path::{Path, PathBuf};
use wiretrace_quotes::{analyze, EntityKind, Quotes, Speaker};

fn seeds_or_skip(test: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/seeds");
    if !p.is_dir() {
        eprintln!("SKIPPED {test}: ../shared (evaluation data) is not beside this checkout");
        return None;
    }
    Some(p)
}

fn seed(dir: &Path, prefix: &str) -> (String, Quotes) {
    let entry = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .expect("seed present");
    let bytes = std::fs::read(&entry).unwrap();
    let name = entry.display().to_string();
    let article = wiretrace_extract::extract_text_bytes(bytes, &Default::default(), &name)
        .expect("seed extracts");
    let q = analyze(&article);
    (article.text, q)
}

fn speaker_of(text: &str, q: &Quotes, words: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let a = q
        .attributions
        .iter()
        .find(|a| {
            a.content.iter().any(|s| {
                chars[s.start..s.end]
                    .iter()
                    .collect::<String>()
                    .contains(words)
            })
        })
        .unwrap_or_else(|| panic!("no attribution holds {words:?}"));
    match &a.speaker {
        Speaker::Named { name, .. } => name.clone(),
        other => panic!("{words:?} has speaker {other:?}"),
    }
}

#[test]
fn seed_quotes_go_to_their_speakers_and_rubio_is_one_entity() {
    let Some(dir) = seeds_or_skip("seed_quotes") else {
        return;
    };
    let (t0, q0) = seed(&dir, "000_");
    let (t1, q1) = seed(&dir, "001_");
    assert_eq!(
        speaker_of(&t0, &q0, "they murdered 11 people without due process"),
        "Diosdado Cabello"
    );
    assert_eq!(
        speaker_of(
            &t0,
            &q0,
            "self-determination, non-intervention and peaceful solution of controversies"
        ),
        "Juan Ramon de la Fuente"
    );
    assert_eq!(
        speaker_of(&t0, &q0, "If you're on a boat full of cocaine"),
        "Marco Rubio"
    );
    assert_eq!(
        speaker_of(&t1, &q1, "We don’t accept subordination"),
        "Claudia Sheinbaum"
    );
    assert_eq!(
        speaker_of(
            &t1,
            &q1,
            "been very clear that he’s going to use the full power of America"
        ),
        "Marco Rubio"
    );
    for q in [&q0, &q1] {
        let rubio: Vec<_> = q
            .entities
            .iter()
            .filter(|e| e.name == "Marco Rubio")
            .collect();
        assert_eq!(rubio.len(), 1, "{:?}", q.entities);
        assert_eq!(rubio[0].kind, EntityKind::Person);
        assert!(
            rubio[0].aliases.iter().any(|a| a == "Rubio"),
            "{:?}",
            rubio[0]
        );
        assert!(
            rubio[0]
                .titles
                .iter()
                .any(|t| t.contains("Secretary of State")),
            "{:?}",
            rubio[0]
        );
        assert!(!q.entities.iter().any(|e| e.name == "Rubio"));
    }
}
