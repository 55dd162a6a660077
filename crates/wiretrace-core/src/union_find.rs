//! The root lookup of a union-find forest, shared by the stages that group
//! (copy families, story merges).

/// The root of `x` in the forest `parent`, halving paths on the way.
pub fn find_root(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roots_follow_chains_and_halve_them() {
        let mut parent = vec![0, 0, 1, 2, 4];
        assert_eq!(find_root(&mut parent, 3), 0);
        assert_eq!(find_root(&mut parent, 4), 4);
        assert!(parent[3] < 3, "path halved: {parent:?}");
    }
}
