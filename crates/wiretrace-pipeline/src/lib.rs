//! The pipeline as a library: the composition of wiretrace's stages
//! (ingest into a store, then reuse relations, copy families and stories),
//! called by the `wiretrace` binary, the Python bindings and the Spark job
//! alike, so none of them holds stage logic of its own.

mod backlog;
pub mod export;
pub mod import;
pub mod lower;
pub mod pipeline;
pub mod spark;
