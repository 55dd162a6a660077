//! # wiretrace-reuse
//!
//! Text reuse between articles, the heart of wiretrace:
//!
//! - [`doc`]: an article's body as matching tokens ([`Doc`]);
//! - [`fingerprint`]: word n-gram hashes, and the sampled *sketch* of a doc;
//! - [`index`]: an incremental candidate index: a new doc is matched against
//!   the docs already indexed without recomputing them;
//! - [`align`]: local alignment of two docs into shared [`Passage`]s with code
//!   point offsets, seeded by shared n-grams and extended across small edits
//!   (spelling variants, a changed number, an inserted word);
//! - [`pairs`]: alignment of candidate pairs by the batch, exact copies
//!   aligned once;
//! - [`furniture`]: text one site prints on many of its pages, which links
//!   none of them;
//! - [`kind`]: container pages (galleries, video pages, paywall stubs,
//!   aggregator lists), which are articles of no family;
//! - [`family`]: copy families (docs that are the same text), version
//!   chains (versions of one text re-filed through the day) and the source
//!   of each copy, with the reasons for it.
//!
//! Every result is a function of the docs alone, never of the order they
//! arrived in: pair relations depend only on the pair, families are connected
//! components with a deterministic choice of original.
//!
//! This crate does no I/O; the store keeps its results.

pub mod align;
pub mod diff;
pub mod doc;
pub mod family;
pub mod fingerprint;
pub mod furniture;
pub mod index;
pub mod kind;
pub mod pairs;
pub mod provenance;

pub use align::{align, PairRelation, Passage};
pub use doc::{content_key, Doc, DocCache};
pub use family::{
    clock_doubt, families, group, group_given_sources, site_record, source_sites, ClockDoubt, Edge,
    FamilyAssignment, FamilyNote, Grouping, MemberInfo, RelationSummary, SiteRecord,
};
pub use fingerprint::Sketch;
pub use furniture::{is_furniture_ngram, shares_only_furniture, Furniture};
pub use index::{CandidateIndex, Evidence};
pub use kind::{page_kind, PageKind};
pub use pairs::PairAligner;
pub use provenance::{directed_passages, DirectedPassage};
