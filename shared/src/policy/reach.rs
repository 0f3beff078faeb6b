//! The access model of R2 and R15: the verdict stored on every closure edge.
//!
//! For an organization A above D (or A = D), `reach(A, D)` is
//! - `Full` when D is accessible from A (R2): no organization X below A down to and including D
//!   has `parent_has_access = false`, and no organization strictly between A and D has
//!   `parent_has_access_to_descendants = false`;
//! - `Listed` when the only thing in the way is D's own `parent_has_access = false`: A's members
//!   may see that D exists in filter results with `include_organizations_with_no_access` (R15),
//!   but never D's data;
//! - `None` otherwise.
//!
//! Parents and flags never change after creation, so verdicts are computed once, when D is
//! created, from its parent's ancestor list, and an access check is one GetItem of the edge.

use serde::{Deserialize, Serialize};

use crate::model::org::AncestorRef;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reach {
    Full,
    Listed,
    None,
}

/// One closure edge to be written for a new organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EdgeVerdict {
    pub ancestor_id: String,
    /// Levels between ancestor and descendant (0 for the self edge).
    pub distance: usize,
    pub reach: Reach,
}

/// The edges of a new organization `new_id` whose chain of ancestors is `chain` (root first,
/// parent last), with its own `parent_has_access` flag. Includes the self edge (distance 0).
pub fn edges_for_new_org(new_id: &str, chain: &[AncestorRef], parent_has_access: bool) -> Vec<EdgeVerdict> {
    let mut out = Vec::with_capacity(chain.len() + 1);
    out.push(EdgeVerdict { ancestor_id: new_id.to_string(), distance: 0, reach: Reach::Full });
    // Walk up from the parent, accumulating the blockers between the ancestor and the new org.
    let mut no_access_between = false; // some X strictly between A and D has parent_has_access = false
    let mut desc_block_between = false; // some X strictly between A and D blocks descendants
    for (i, a) in chain.iter().enumerate().rev() {
        let distance = chain.len() - i;
        let reach = if desc_block_between || no_access_between {
            Reach::None
        } else if !parent_has_access {
            Reach::Listed
        } else {
            Reach::Full
        };
        out.push(EdgeVerdict { ancestor_id: a.organization_id.clone(), distance, reach });
        // `a` is strictly between its own ancestors and the new org.
        no_access_between |= !a.parent_has_access;
        desc_block_between |= !a.parent_has_access_to_descendants;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anc(id: &str, pha: bool, phad: bool) -> AncestorRef {
        AncestorRef { organization_id: id.into(), parent_has_access: pha, parent_has_access_to_descendants: phad }
    }

    fn reach_of(edges: &[EdgeVerdict], id: &str) -> Reach {
        edges.iter().find(|e| e.ancestor_id == id).unwrap().reach
    }

    /// Reference: R2 evaluated literally over the whole chain.
    fn reference(chain: &[AncestorRef], new_pha: bool, from: usize) -> Reach {
        // nodes strictly below `from`: chain[from+1..] then the new org
        let below: Vec<(bool, bool)> =
            chain[from + 1..].iter().map(|a| (a.parent_has_access, a.parent_has_access_to_descendants)).collect();
        let no_access_between = below.iter().any(|(pha, _)| !pha);
        let desc_block = below.iter().any(|(_, phad)| !phad);
        if !no_access_between && !desc_block && new_pha {
            Reach::Full
        } else if !no_access_between && !desc_block {
            Reach::Listed
        } else {
            Reach::None
        }
    }

    #[test]
    fn plain_chain_is_fully_reachable() {
        let chain = vec![anc("r", true, true), anc("a", true, true)];
        let e = edges_for_new_org("n", &chain, true);
        assert_eq!(e.len(), 3);
        assert_eq!(reach_of(&e, "n"), Reach::Full);
        assert_eq!(reach_of(&e, "a"), Reach::Full);
        assert_eq!(reach_of(&e, "r"), Reach::Full);
        assert_eq!(e.iter().find(|x| x.ancestor_id == "r").unwrap().distance, 2);
    }

    #[test]
    fn own_no_access_is_listed_for_every_ancestor_above_clear_path() {
        let chain = vec![anc("r", true, true), anc("a", true, true)];
        let e = edges_for_new_org("n", &chain, false);
        assert_eq!(reach_of(&e, "a"), Reach::Listed);
        assert_eq!(reach_of(&e, "r"), Reach::Listed);
        assert_eq!(reach_of(&e, "n"), Reach::Full);
    }

    #[test]
    fn descendants_flag_blocks_only_strictly_below() {
        // a blocks its parent from its descendants: r sees a, not a's children; a sees its children.
        let chain = vec![anc("r", true, true), anc("a", true, false)];
        let e = edges_for_new_org("n", &chain, true);
        assert_eq!(reach_of(&e, "a"), Reach::Full);
        assert_eq!(reach_of(&e, "r"), Reach::None);
    }

    #[test]
    fn no_access_blocks_everything_below_too() {
        let chain = vec![anc("r", true, true), anc("a", false, true), anc("b", true, true)];
        let e = edges_for_new_org("n", &chain, true);
        assert_eq!(reach_of(&e, "b"), Reach::Full);
        assert_eq!(reach_of(&e, "a"), Reach::Full);
        assert_eq!(reach_of(&e, "r"), Reach::None);
    }

    #[test]
    fn matches_reference_on_every_small_chain() {
        // every flag combination over chains of depth 1..=4
        for depth in 1..=4usize {
            for bits in 0..(1u32 << (2 * depth + 1)) {
                let chain: Vec<AncestorRef> = (0..depth)
                    .map(|i| anc(&format!("c{i}"), bits & (1 << (2 * i)) != 0, bits & (1 << (2 * i + 1)) != 0))
                    .collect();
                let new_pha = bits & (1 << (2 * depth)) != 0;
                let e = edges_for_new_org("n", &chain, new_pha);
                for (i, a) in chain.iter().enumerate() {
                    assert_eq!(
                        reach_of(&e, &a.organization_id),
                        reference(&chain, new_pha, i),
                        "depth {depth} bits {bits:b} from {i}"
                    );
                }
            }
        }
    }
}
