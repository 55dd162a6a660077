//! Passages with a direction: which article each reused text came from.
//!
//! Every stored relation is symmetric; here each passage gets a source and a
//! destination, and passages that only repeat what the family original
//! already explains are left out:
//! - inside a copy family, a passage is reported between the original and a
//!   copy (two copies share text because both copy the original);
//! - across families, a passage involving a copy is left out when the copy's
//!   original shares the same text with the other article.

use std::collections::HashMap;
use wiretrace_core::{ArticleId, Span};

use crate::align::PairRelation;
use crate::family::FamilyAssignment;

/// A passage from its source article to the article that reuses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectedPassage {
    pub src: ArticleId,
    pub src_span: Span,
    pub dst: ArticleId,
    pub dst_span: Span,
}

/// Orders articles as likely sources: earlier publication first, undated
/// last, then by id. Supplied by the caller from article metadata, as
/// [`wiretrace_core::time::time_order`] gives it.
pub type SourceKey = (bool, i64);

fn overlap(x: Span, y: Span) -> usize {
    x.end.min(y.end).saturating_sub(x.start.max(y.start))
}

/// The directed, non-redundant passages of `relations`.
pub fn directed_passages(
    relations: &[PairRelation],
    families: &[FamilyAssignment],
    when: &HashMap<ArticleId, SourceKey>,
) -> Vec<DirectedPassage> {
    let family: HashMap<&ArticleId, &ArticleId> =
        families.iter().map(|f| (&f.id, &f.family)).collect();
    let family_of = |id: &'_ ArticleId| -> ArticleId {
        family.get(id).map_or_else(|| id.clone(), |f| (*f).clone())
    };
    let by_pair: HashMap<(&ArticleId, &ArticleId), &PairRelation> =
        relations.iter().map(|r| ((&r.a, &r.b), r)).collect();
    // The passages `orig` shares with `other`, as spans on `other`'s side.
    let shared_on = |orig: &ArticleId, other: &ArticleId| -> Vec<Span> {
        if let Some(r) = by_pair.get(&(orig, other)) {
            r.passages.iter().map(|p| p.b).collect()
        } else if let Some(r) = by_pair.get(&(other, orig)) {
            r.passages.iter().map(|p| p.a).collect()
        } else {
            Vec::new()
        }
    };
    let key = |id: &ArticleId| (when.get(id).copied().unwrap_or((true, 0)), id.clone());

    let mut out = Vec::new();
    for r in relations {
        let (fa, fb) = (family_of(&r.a), family_of(&r.b));
        let a_first = if fa == fb {
            // Only original ↔ copy inside a family.
            if r.a == fa {
                true
            } else if r.b == fa {
                false
            } else {
                continue;
            }
        } else {
            key(&r.a) <= key(&r.b)
        };
        for p in &r.passages {
            if fa != fb {
                // A copy's passage with another family is the original's, if
                // the original shares it too.
                let explained =
                    |copy: &ArticleId, orig: &ArticleId, other: &ArticleId, span: Span| {
                        copy != orig
                            && shared_on(orig, other)
                                .iter()
                                .any(|s| overlap(*s, span) * 2 >= span.len())
                    };
                if explained(&r.a, &fa, &r.b, p.b) || explained(&r.b, &fb, &r.a, p.a) {
                    continue;
                }
            }
            out.push(if a_first {
                DirectedPassage {
                    src: r.a.clone(),
                    src_span: p.a,
                    dst: r.b.clone(),
                    dst_span: p.b,
                }
            } else {
                DirectedPassage {
                    src: r.b.clone(),
                    src_span: p.b,
                    dst: r.a.clone(),
                    dst_span: p.a,
                }
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::Passage;

    type SpanPair = ((usize, usize), (usize, usize));

    fn rel(a: &str, b: &str, spans: &[SpanPair]) -> PairRelation {
        PairRelation {
            a: ArticleId(a.into()),
            b: ArticleId(b.into()),
            passages: spans
                .iter()
                .map(|&((a0, a1), (b0, b1))| Passage {
                    a: Span::new(a0, a1),
                    b: Span::new(b0, b1),
                    a_tokens: (0, 0),
                    b_tokens: (0, 0),
                    matched: 0,
                    paragraphs: 1,
                })
                .collect(),
            a_coverage: 0.0,
            b_coverage: 0.0,
        }
    }

    fn fam(id: &str, family: &str) -> FamilyAssignment {
        FamilyAssignment {
            id: ArticleId(id.into()),
            family: ArticleId(family.into()),
            source: (id != family).then(|| ArticleId(family.into())),
        }
    }

    #[test]
    fn passages_are_credited_to_family_originals() {
        // o is the original of c1 and c2; x (another family) quotes a paragraph of o.
        let rels = vec![
            rel("c1", "c2", &[((0, 100), (0, 100))]),
            rel("c1", "o", &[((0, 100), (0, 100))]),
            rel("c2", "o", &[((0, 100), (0, 100))]),
            rel("o", "x", &[((10, 40), (500, 530))]),
            rel("c1", "x", &[((10, 40), (500, 530))]),
        ];
        let fams = vec![fam("o", "o"), fam("c1", "o"), fam("c2", "o"), fam("x", "x")];
        let when = HashMap::from([
            (ArticleId("x".into()), (false, 10)),
            (ArticleId("o".into()), (false, 2)),
            (ArticleId("c1".into()), (false, 1)),
        ]);
        let got: Vec<(String, String)> = directed_passages(&rels, &fams, &when)
            .into_iter()
            .map(|p| (p.src.0, p.dst.0))
            .collect();
        assert_eq!(
            got,
            [
                ("o".to_string(), "c1".to_string()),
                ("o".into(), "c2".into()),
                ("o".into(), "x".into())
            ]
        );
    }
}
