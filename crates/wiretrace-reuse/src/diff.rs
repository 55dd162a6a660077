//! Word-level differences inside an aligned passage, for showing a reader
//! what a copy changed.

use wiretrace_core::token_key;

/// One run of words of a word-level diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Same(String),
    Removed(String),
    Added(String),
}

/// Longest passage (in words, per side) that gets a word diff; longer ones
/// are shown whole, as the quadratic table would cost too much.
pub const MAX_DIFF_WORDS: usize = 3000;

fn key(word: &str) -> String {
    token_key(word.trim_matches(|c: char| !c.is_alphanumeric()))
}

/// The word-level diff of `a` into `b` (longest common subsequence of
/// words compared by matching key, so case, accents and punctuation do not
/// count as changes).
pub fn word_diff(a: &str, b: &str) -> Vec<Change> {
    let wa: Vec<&str> = a.split_whitespace().collect();
    let wb: Vec<&str> = b.split_whitespace().collect();
    if wa.len() > MAX_DIFF_WORDS || wb.len() > MAX_DIFF_WORDS {
        return vec![Change::Removed(a.to_string()), Change::Added(b.to_string())];
    }
    let ka: Vec<String> = wa.iter().map(|w| key(w)).collect();
    let kb: Vec<String> = wb.iter().map(|w| key(w)).collect();
    let (n, m) = (wa.len(), wb.len());
    // lcs[i][j]: LCS length of ka[i..] and kb[j..].
    let mut lcs = vec![0u32; (n + 1) * (m + 1)];
    let at = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[at(i, j)] = if ka[i] == kb[j] {
                lcs[at(i + 1, j + 1)] + 1
            } else {
                lcs[at(i + 1, j)].max(lcs[at(i, j + 1)])
            };
        }
    }
    let mut out: Vec<Change> = Vec::new();
    let mut push = |c: Change| match (out.last_mut(), c) {
        (Some(Change::Same(s)), Change::Same(w))
        | (Some(Change::Removed(s)), Change::Removed(w))
        | (Some(Change::Added(s)), Change::Added(w)) => {
            s.push(' ');
            s.push_str(&w);
        }
        (_, c) => out.push(c),
    };
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && ka[i] == kb[j] {
            push(Change::Same(wb[j].to_string()));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[at(i, j + 1)] >= lcs[at(i + 1, j)]) {
            push(Change::Added(wb[j].to_string()));
            j += 1;
        } else {
            push(Change::Removed(wa[i].to_string()));
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_spelling_and_insertions() {
        let d = word_diff(
            "does not recognize the legitimacy of Ostrov, a firebrand",
            "does not recognise the legitimacy of President Anton Ostrov, a firebrand",
        );
        assert_eq!(
            d,
            vec![
                Change::Same("does not".into()),
                Change::Added("recognise".into()),
                Change::Removed("recognize".into()),
                Change::Same("the legitimacy of".into()),
                Change::Added("President Anton".into()),
                Change::Same("Ostrov, a firebrand".into()),
            ]
        );
    }
}
