//! Copy families and sources.
//!
//! A family is a connected component of the "is a copy of" relation. Its
//! original is the member published first (undated members last), then the
//! one with the least boilerplate stripped, then the longest, then the
//! smallest id: a total order, so the result never depends on arrival order.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use wiretrace_core::ArticleId;

/// What family building needs to know of each article.
#[derive(Debug, Clone)]
pub struct MemberInfo {
    pub id: ArticleId,
    pub published: Option<DateTime<FixedOffset>>,
    pub stripped: usize,
    pub tokens: usize,
}

/// One article's family, named by the family's original, and the article it
/// was copied from (`None` for the original itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyAssignment {
    pub id: ArticleId,
    pub family: ArticleId,
    pub source: Option<ArticleId>,
}

/// Whether `x` is a more likely original than `y`.
pub fn precedes(x: &MemberInfo, y: &MemberInfo) -> std::cmp::Ordering {
    let time = |m: &MemberInfo| (m.published.is_none(), m.published.map(|d| d.timestamp()));
    time(x)
        .cmp(&time(y))
        .then(x.stripped.cmp(&y.stripped))
        .then(y.tokens.cmp(&x.tokens))
        .then(x.id.cmp(&y.id))
}

fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

/// Families of `members` given copy edges between member indices. Every
/// member gets an assignment; a member with no copy is its own family.
pub fn families(members: &[MemberInfo], copy_edges: &[(usize, usize)]) -> Vec<FamilyAssignment> {
    let mut parent: Vec<usize> = (0..members.len()).collect();
    for &(a, b) in copy_edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut original: Vec<usize> = (0..members.len()).collect();
    for i in 0..members.len() {
        let r = find(&mut parent, i);
        if precedes(&members[i], &members[original[r]]).is_lt() {
            original[r] = i;
        }
    }
    (0..members.len())
        .map(|i| {
            let o = original[find(&mut parent, i)];
            FamilyAssignment {
                id: members[i].id.clone(),
                family: members[o].id.clone(),
                source: (o != i).then(|| members[o].id.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::time::parse_datetime;

    fn m(id: &str, date: Option<&str>, stripped: usize) -> MemberInfo {
        MemberInfo {
            id: ArticleId(id.into()),
            published: date.and_then(parse_datetime),
            stripped,
            tokens: 100,
        }
    }

    #[test]
    fn earliest_member_is_the_source_whatever_the_order() {
        let ms = vec![
            m("x", Some("2025-01-02"), 3),
            m("y", Some("2025-01-01"), 0),
            m("z", None, 0),
            m("solo", None, 0),
        ];
        let f = families(&ms, &[(0, 1), (2, 0)]);
        assert_eq!(f[0].family.0, "y");
        assert_eq!(f[0].source.as_ref().unwrap().0, "y");
        assert_eq!(f[1].source, None);
        assert_eq!(f[2].source.as_ref().unwrap().0, "y");
        assert_eq!(f[3].family.0, "solo");
        let mut rev = ms.clone();
        rev.reverse();
        let g = families(&rev, &[(3, 2), (1, 3)]);
        for a in &f {
            assert!(g.contains(a));
        }
    }
}
