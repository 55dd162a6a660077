//! # wiretrace-py
//!
//! The `wiretrace._wiretrace` extension module behind the Python package
//! `wiretrace` (`python/wiretrace`). Marshalling only: every result comes
//! from `wiretrace-pipeline` (the composition the CLI runs) and the rows
//! are its export rows (`docs/export.md`), handed over as dicts. The GIL
//! is released while Rust works; a bad item is an exception (or, in a
//! batch, a rejection) that names it.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyIterator, PyString};
use pythonize::{depythonize, pythonize};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};
use wiretrace_core::{ArticleId, Rejection};
use wiretrace_ingest::Item;
use wiretrace_pipeline::{export, lower, pipeline};
use wiretrace_store::{SqliteStore, Store as _};

// The same allocator as the CLI: extraction and alignment allocate many
// small, short-lived strings from several threads at once.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

create_exception!(
    _wiretrace,
    WiretraceError,
    PyException,
    "An error of wiretrace: a store that cannot be opened or written."
);
create_exception!(
    _wiretrace,
    RejectedError,
    WiretraceError,
    "An item wiretrace cannot take; the message names the item and says why."
);

fn failed(e: anyhow::Error) -> PyErr {
    WiretraceError::new_err(format!("{e:#}"))
}

fn rejected(r: Rejection) -> PyErr {
    RejectedError::new_err(format!("{}: {}", r.input, r.reason))
}

/// A serde value as a Python object (dicts, lists, str, int, float, None).
fn to_py<'py>(py: Python<'py>, v: &impl Serialize) -> PyResult<Bound<'py, PyAny>> {
    Ok(pythonize(py, v)?)
}

/// Bytes from `str` (UTF-8) or `bytes` (decoded as a page would be).
fn bytes_of(x: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<u8>> {
    if let Ok(s) = x.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes().to_vec());
    }
    if let Ok(b) = x.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be str or bytes, not {}",
        x.get_type().name()?
    )))
}

/// Extracts the article from one HTML page or scraped text.
#[pyfunction]
#[pyo3(signature = (html_or_text, url=None))]
fn extract<'py>(
    py: Python<'py>,
    html_or_text: &Bound<'py, PyAny>,
    url: Option<String>,
) -> PyResult<Bound<'py, PyAny>> {
    let bytes = bytes_of(html_or_text, "html_or_text")?;
    let input = url.clone().unwrap_or_else(|| "<python>".into());
    let article = py
        .detach(|| lower::extract(bytes, url, &input))
        .map_err(rejected)?;
    to_py(py, &export::ArticleRow::of(&article))
}

/// The sketch ingest takes of a text: its body's sampled n-gram hashes.
#[pyfunction]
fn sketch<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    let text = text.to_owned();
    let s = py
        .detach(|| lower::sketch(&text, "text"))
        .map_err(rejected)?;
    #[derive(Serialize)]
    struct SketchRow {
        hashes: Vec<u64>,
        tokens: u32,
    }
    to_py(
        py,
        &SketchRow {
            hashes: s.hashes,
            tokens: s.tokens,
        },
    )
}

/// The passages two texts share, at code point offsets into each.
#[pyfunction]
fn align<'py>(py: Python<'py>, text_a: &str, text_b: &str) -> PyResult<Bound<'py, PyAny>> {
    let (a, b) = (text_a.to_owned(), text_b.to_owned());
    let r = py.detach(|| lower::align(&a, &b)).map_err(rejected)?;
    #[derive(Serialize)]
    struct PassageRow {
        a_start: usize,
        a_end: usize,
        b_start: usize,
        b_end: usize,
        matched: usize,
    }
    #[derive(Serialize)]
    struct Alignment {
        passages: Vec<PassageRow>,
        a_coverage: f64,
        b_coverage: f64,
        copy: bool,
    }
    let out = Alignment {
        passages: r
            .passages
            .iter()
            .map(|p| PassageRow {
                a_start: p.a.start,
                a_end: p.a.end,
                b_start: p.b.start,
                b_end: p.b.end,
                matched: p.matched,
            })
            .collect(),
        a_coverage: r.a_coverage,
        b_coverage: r.b_coverage,
        copy: r.is_copy(),
    };
    to_py(py, &out)
}

/// Rows handed out one at a time (read with the GIL released, converted
/// to dicts as they are taken).
#[pyclass(module = "wiretrace._wiretrace")]
struct Rows {
    rows: RowKind,
}

/// Rows kept as values, or articles kept as read (an article row's
/// `stripped` lines keep their fields in the order `export` writes them).
enum RowKind {
    Values(std::vec::IntoIter<serde_json::Value>),
    Articles(std::vec::IntoIter<wiretrace_core::Article>),
}

#[pymethods]
impl Rows {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &mut self.rows {
            RowKind::Values(rows) => rows.next().map(|v| to_py(py, &v)).transpose(),
            RowKind::Articles(rows) => rows
                .next()
                .map(|a| to_py(py, &export::ArticleRow::of(&a)))
                .transpose(),
        }
    }

    fn __len__(&self) -> usize {
        match &self.rows {
            RowKind::Values(rows) => rows.len(),
            RowKind::Articles(rows) => rows.len(),
        }
    }
}

fn rows<T: Serialize>(all: Vec<T>) -> PyResult<Rows> {
    let values = all
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| WiretraceError::new_err(e.to_string()))?;
    Ok(Rows {
        rows: RowKind::Values(values.into_iter()),
    })
}

/// The items of a Python iterable as feed records, taken on the ingest's
/// reading thread (which holds the GIL only while it takes one).
struct PyItems {
    iter: Py<PyIterator>,
    name: String,
    taken: u64,
    /// An exception the iterable raised: the ingest stops there and
    /// raises it once what came before is stored.
    raised: std::sync::Arc<Mutex<Option<PyErr>>>,
}

thread_local! {
    /// Set on an ingest's reading thread while it runs the iterable's
    /// code: the store is locked by that ingest, so the iterable reading
    /// it would wait for ever.
    static IN_INGEST: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

impl Iterator for PyItems {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        Python::attach(|py| {
            IN_INGEST.set(true);
            let next = self.iter.bind(py).clone().next();
            IN_INGEST.set(false);
            let next = next?;
            self.taken += 1;
            let input = format!("{}:line {}", self.name, self.taken);
            let obj = match next {
                Ok(obj) => obj,
                Err(e) => {
                    *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    return None;
                }
            };
            Some(record(&obj, input))
        })
    }
}

impl pipeline::ItemSource for PyItems {}

/// One item of an iterable as a feed record: a dict with the fields of a
/// JSONL line (`id`, `url`, `site`, `published`, `title`, `text`, `html`).
fn record(obj: &Bound<'_, PyAny>, input: String) -> Item {
    if !obj.is_instance_of::<pyo3::types::PyDict>() {
        let kind = obj
            .get_type()
            .name()
            .map_or_else(|_| "?".into(), |n| n.to_string());
        return Item::Rejected(Rejection::new(
            input,
            format!("not a dict (a feed record) but a {kind}"),
        ));
    }
    match depythonize::<serde_json::Value>(obj) {
        Ok(v) => Item::Record {
            input,
            line: serde_json::to_vec(&v).expect("a JSON value serialises"),
        },
        Err(e) => Item::Rejected(Rejection::new(
            input,
            format!("a value is not JSON (str, number, bool, None, list, dict): {e}"),
        )),
    }
}

/// A wiretrace store (an SQLite file), created when missing.
#[pyclass(module = "wiretrace._wiretrace")]
struct Store {
    inner: Mutex<SqliteStore>,
    path: PathBuf,
}

impl Store {
    fn lock(&self) -> MutexGuard<'_, SqliteStore> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Refuses to wait for the store from inside an ingest's iterable.
    fn not_in_ingest() -> PyResult<()> {
        match IN_INGEST.get() {
            true => Err(WiretraceError::new_err(
                "the store is busy with the ingest this iterable feeds: read it once ingest returns",
            )),
            false => Ok(()),
        }
    }

    /// The store with any analysis an ingest left behind finished, then
    /// `read` of it, with the GIL released.
    fn read<T: Send>(
        &self,
        py: Python<'_>,
        read: impl FnOnce(&SqliteStore) -> anyhow::Result<T> + Send,
    ) -> PyResult<T> {
        Self::not_in_ingest()?;
        py.detach(|| {
            let mut store = self.lock();
            if (store.pending_count()? > 0 || store.stories_behind()?.is_some())
                && !store.is_read_only()
            {
                pipeline::analyse(&mut *store, true, true)?;
            }
            read(&store)
        })
        .map_err(failed)
    }
}

#[pymethods]
impl Store {
    #[new]
    fn new(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let store = py.detach(|| SqliteStore::open(&path)).map_err(|e| {
            WiretraceError::new_err(format!("opening store {}: {e}", path.display()))
        })?;
        Ok(Store {
            inner: Mutex::new(store),
            path,
        })
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    /// Leaves the store as it is (every ingest has committed by then).
    fn __exit__(
        &self,
        _kind: &Bound<'_, PyAny>,
        _value: &Bound<'_, PyAny>,
        _traceback: &Bound<'_, PyAny>,
    ) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!("wiretrace.Store({:?})", self.path.display().to_string())
    }

    /// Ingests feed records (dicts), then brings copies, passages and
    /// (unless `stories` is false) stories up to date. Returns the summary.
    #[pyo3(signature = (items, name="<python>".to_string(), stories=true))]
    fn ingest<'py>(
        &self,
        py: Python<'py>,
        items: &Bound<'py, PyAny>,
        name: String,
        stories: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        Self::not_in_ingest()?;
        let iter = items.try_iter()?.unbind();
        let raised = std::sync::Arc::new(Mutex::new(None));
        let source_raised = raised.clone();
        let summary = py
            .detach(|| -> anyhow::Result<_> {
                let mut store = self.lock();
                let source = move || PyItems {
                    iter,
                    name,
                    taken: 0,
                    raised: source_raised,
                };
                let summary = pipeline::ingest_from(&mut *store, source, true)?;
                pipeline::analyse(&mut *store, stories, true)?;
                Ok(summary)
            })
            .map_err(failed)?;
        if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        to_py(py, &summary)
    }

    /// Every stored article, as `export --what articles` rows, by id.
    fn articles(&self, py: Python<'_>) -> PyResult<Rows> {
        let all = self.read(py, |s| Ok(s.articles()?))?;
        Ok(Rows {
            rows: RowKind::Articles(all.into_iter()),
        })
    }

    /// One article as an `articles` row; KeyError when there is none.
    fn article<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        let key = ArticleId(id.clone());
        match self.read(py, |s| Ok(s.article(&key)?))? {
            Some(a) => to_py(py, &export::ArticleRow::of(&a)),
            None => Err(PyKeyError::new_err(format!("no article {id:?}"))),
        }
    }

    /// Every story, latest first: id, headline, first and last seen,
    /// articles (ids in time order), outlets.
    fn stories(&self, py: Python<'_>) -> PyResult<Rows> {
        rows(self.read(py, |s| Ok(s.stories()?))?)
    }

    /// One story (as `stories()` gives them); KeyError when there is none.
    fn story<'py>(&self, py: Python<'py>, id: String) -> PyResult<Bound<'py, PyAny>> {
        match self.read(py, |s| Ok(s.story(&id)?))? {
            Some(story) => to_py(py, &story),
            None => Err(PyKeyError::new_err(format!("no story {id:?}"))),
        }
    }

    /// Every article's copy family and source (`copies` rows), by id.
    fn copies(&self, py: Python<'_>) -> PyResult<Rows> {
        rows(self.read(py, |s| export::copies(s))?)
    }

    /// Every passage reused, from its source (`passages` rows).
    fn passages(&self, py: Python<'_>) -> PyResult<Rows> {
        rows(self.read(py, |s| export::passages(s))?)
    }

    /// Every article's story (`stories` export rows: `id`, `story`).
    fn assignments(&self, py: Python<'_>) -> PyResult<Rows> {
        rows(self.read(py, |s| export::stories(s))?)
    }

    /// Inputs that could not be stored, with the reason (`rejected` rows).
    fn rejected(&self, py: Python<'_>) -> PyResult<Rows> {
        rows(self.read(py, |s| export::rejected(s))?)
    }
}

/// The analysis in phases for a distributed job (`wiretrace.spark`): each
/// function is one step of the library's pipeline on a batch of items,
/// pairs, hosts or components, called from a partition with the GIL
/// released; the job only moves data between them. Hashes are `int`s of
/// 64 bits, signed (as Spark's `long`).
mod phases {
    use super::*;
    use std::collections::{HashMap, HashSet};
    use wiretrace_pipeline::spark;

    /// A prepared article (a dict), or the reason it was rejected.
    type PreparedOrReason<'py> = (Option<Bound<'py, PyAny>>, Option<String>);

    /// `(article, host, keys, tokens, host_template)`.
    type ToApplyRow = (String, Option<String>, Vec<i64>, u32, Vec<i64>);

    fn bad(e: String) -> PyErr {
        WiretraceError::new_err(e)
    }

    /// Converts feed lines, each `(input, line)`: for each, the prepared
    /// article (a dict: `id`, `article`, `host`, `keys`, `sketch`,
    /// `tokens`, `site`, `content_hash`) or `None`, and the reason it was
    /// rejected or `None`.
    #[pyfunction]
    pub fn prepare_records<'py>(
        py: Python<'py>,
        items: Vec<(String, Vec<u8>)>,
    ) -> PyResult<Vec<PreparedOrReason<'py>>> {
        let out: Vec<Result<spark::Prepared, Rejection>> = py.detach(|| {
            items
                .iter()
                .map(|(input, line)| spark::prepare_record(input, line))
                .collect()
        });
        out.into_iter()
            .map(|r| match r {
                Ok(p) => Ok((Some(to_py(py, &p)?), None)),
                Err(e) => Ok((None, Some(e.reason))),
            })
            .collect()
    }

    /// The items of one input file that is not a JSON Lines feed (a web
    /// archive, a page, a feed or sitemap), read as `wiretrace ingest`
    /// reads it, prepared in batches.
    #[pyclass(module = "wiretrace._wiretrace.phases", unsendable)]
    pub struct FileItems(spark::FileItems);

    #[pymethods]
    impl FileItems {
        #[new]
        fn new(path: String) -> Self {
            FileItems(spark::FileItems::open(&path))
        }

        /// Up to `n` more items: `(number, input, prepared or None,
        /// reason or None)`, as `prepare_records` gives them; an empty
        /// list when the file is done.
        fn next_batch<'py>(
            &mut self,
            py: Python<'py>,
            n: usize,
        ) -> PyResult<Vec<(u64, String, PreparedOrReason<'py>)>> {
            let inner = &mut self.0;
            let batch = py.detach(|| inner.next_batch(n));
            batch
                .into_iter()
                .map(|(k, input, r)| match r {
                    Ok(p) => Ok((k, input, (Some(to_py(py, &p)?), None))),
                    Err(e) => Ok((k, input, (None, Some(e.reason)))),
                })
                .collect()
        }

        /// Items of the file that are no news page, so far.
        #[getter]
        fn skipped(&self) -> u64 {
            self.0.skipped
        }
    }

    /// Of the items given one id (their content hashes, in input order),
    /// the index of the one the store keeps.
    #[pyfunction]
    pub fn kept_revision(hashes: Vec<String>) -> usize {
        let refs: Vec<&str> = hashes.iter().map(String::as_str).collect();
        spark::kept_revision(&refs)
    }

    /// One host's template from its pages' line keys, sorted.
    #[pyfunction]
    pub fn host_template(py: Python<'_>, pages: Vec<Vec<i64>>) -> Vec<i64> {
        py.detach(|| spark::host_template(&pages))
    }

    /// The keys common to enough hosts' templates, sorted.
    #[pyfunction]
    pub fn common_keys(py: Python<'_>, templates: Vec<Vec<i64>>) -> Vec<i64> {
        py.detach(|| spark::common_keys(&templates))
    }

    /// Applies each article's host template: rows of `(article, host,
    /// keys, tokens, host_template)` with the keys common to hosts and the
    /// run's ingest time; for each, `(article, member, articles_row,
    /// stored)` as JSON strings (`stored`: what `wiretrace import` reads).
    #[pyfunction]
    pub fn apply_templates(
        py: Python<'_>,
        rows: Vec<ToApplyRow>,
        common: Vec<i64>,
        seen: String,
    ) -> PyResult<Vec<(String, String, String, String)>> {
        py.detach(|| {
            rows.iter()
                .map(|(article, host, keys, tokens, template)| {
                    let a = spark::apply_template(
                        spark::ToApply {
                            article,
                            host: host.as_deref(),
                            keys,
                            tokens: *tokens,
                        },
                        template,
                        &common,
                        &seen,
                    )?;
                    Ok((a.article, a.member, a.row, a.stored))
                })
                .collect::<Result<Vec<_>, String>>()
        })
        .map_err(bad)
    }

    /// What the corpus says of n-grams held by more than `MAX_POSTINGS`
    /// articles and of sites: `(frequent, site_pages)`, `frequent` as
    /// `{hash: (holders, the one site of them all or None)}`.
    #[pyclass(module = "wiretrace._wiretrace.phases", frozen)]
    pub struct CorpusCounts(spark::CorpusCounts);

    #[pymethods]
    impl CorpusCounts {
        #[new]
        fn new(
            frequent: HashMap<i64, (usize, Option<String>)>,
            site_pages: HashMap<String, usize>,
        ) -> Self {
            CorpusCounts(spark::CorpusCounts {
                frequent: frequent.into_iter().map(|(h, v)| (h as u64, v)).collect(),
                site_pages: site_pages.into_iter().collect(),
            })
        }
    }

    /// The pairs worth aligning of a candidate component, from rows of
    /// `(key, id, sketch, site)`: the keys of their first and second
    /// articles (`a` the smaller id), packed as `local_stars` packs them.
    #[pyfunction]
    pub fn component_pairs<'py>(
        py: Python<'py>,
        articles: Vec<(i64, String, Vec<i64>, Option<String>)>,
        corpus: &CorpusCounts,
    ) -> (Bound<'py, PyBytes>, Bound<'py, PyBytes>) {
        let pairs = py.detach(|| {
            let mut articles: Vec<spark::ComponentSketch> = articles
                .into_iter()
                .map(|(key, id, sketch, site)| spark::ComponentSketch {
                    key,
                    id,
                    sketch,
                    site,
                })
                .collect();
            spark::component_pairs(&mut articles, &corpus.0)
        });
        let (a, b): (Vec<i64>, Vec<i64>) = pairs.into_iter().unzip();
        (PyBytes::new(py, &pack(a)), PyBytes::new(py, &pack(b)))
    }

    /// Longs packed little-endian, as numpy's `tobytes` gives them.
    fn pack(x: Vec<i64>) -> Vec<u8> {
        x.into_iter().flat_map(i64::to_le_bytes).collect()
    }

    fn unpack(bytes: &[u8]) -> PyResult<Vec<i64>> {
        if !bytes.len().is_multiple_of(8) {
            return Err(bad("packed longs must be 8 bytes each".into()));
        }
        Ok(bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    /// Aligns pairs, the keys of their two articles packed in `a` and `b`,
    /// given the articles they name, rows of `(key, article, sketch,
    /// tokens)`: for each relation kept, `(index of its pair, id_a, id_b,
    /// relation and its summary as JSON, whether it may join the two into
    /// one family)`.
    #[pyfunction]
    pub fn align_keyed_pairs(
        py: Python<'_>,
        articles: Vec<(i64, String, Vec<i64>, u32)>,
        a: &[u8],
        b: &[u8],
    ) -> PyResult<Vec<AlignedRow>> {
        let (a, b) = (unpack(a)?, unpack(b)?);
        if a.len() != b.len() {
            return Err(bad("as many second articles as first".into()));
        }
        let pairs: Vec<(i64, i64)> = a.into_iter().zip(b).collect();
        py.detach(|| {
            let articles: Vec<spark::KeyedArticle> = articles
                .into_iter()
                .map(|(key, article, sketch, tokens)| spark::KeyedArticle {
                    key,
                    article,
                    sketch,
                    tokens,
                })
                .collect();
            spark::align_keyed_pairs(&articles, &pairs).map(|found| {
                found
                    .into_iter()
                    .map(|r| (r.pair, r.a, r.b, r.relation, r.summary, r.may_join))
                    .collect()
            })
        })
        .map_err(bad)
    }

    /// What `align_keyed_pairs` gives of a relation: its pair's index, its
    /// two ids, the relation and its summary (JSON) and whether it may
    /// join a family.
    type AlignedRow = (usize, String, String, String, String, bool);

    type ComponentFindingsRow = (Vec<(Vec<String>, Vec<String>)>, Vec<(String, u32, u32)>);

    /// A candidate component analysed in one piece (its pairs found,
    /// aligned and grouped), from rows of `(key, id, sketch, site, tokens,
    /// article or None, member)`: `(families, site_records)`, families as
    /// `(members, relations)` (JSON), phase 1's site records as `(site,
    /// originals, copies)`.
    #[pyfunction]
    pub fn whole_component(
        py: Python<'_>,
        articles: Vec<WholeRow>,
        corpus: &CorpusCounts,
    ) -> PyResult<ComponentFindingsRow> {
        py.detach(|| {
            let articles = articles
                .into_iter()
                .map(
                    |(key, id, sketch, site, tokens, article, member)| spark::ComponentArticle {
                        sketch: spark::ComponentSketch {
                            key,
                            id,
                            sketch,
                            site,
                        },
                        tokens,
                        article,
                        member,
                    },
                )
                .collect();
            let f = spark::whole_component(articles, &corpus.0)?;
            Ok((f.families, f.site_records))
        })
        .map_err(bad)
    }

    type WholeRow = (
        i64,
        String,
        Vec<i64>,
        Option<String>,
        u32,
        Option<String>,
        String,
    );

    /// The stars of the components of edges `a[i] - b[i]` (longs packed
    /// little-endian in bytes, as numpy's `tobytes` gives them): `(v,
    /// least)` packed the same way, for each vertex not the least of its
    /// component.
    #[pyfunction]
    pub fn local_stars<'py>(
        py: Python<'py>,
        a: &[u8],
        b: &[u8],
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let (a, b) = (unpack(a)?, unpack(b)?);
        if a.len() != b.len() {
            return Err(bad("as many ends as starts".into()));
        }
        let (v, r) = py.detach(|| spark::local_stars(&a, &b));
        Ok((PyBytes::new(py, &pack(v)), PyBytes::new(py, &pack(r))))
    }

    /// The source sites of the summed records.
    #[pyfunction]
    pub fn source_sites(records: Vec<(String, u32, u32)>) -> Vec<String> {
        let mut s: Vec<String> = spark::source_sites(&records).into_iter().collect();
        s.sort();
        s
    }

    /// Phase 2 as the export writes it: the `copies` and `passages` lines
    /// (JSON, the export's own form) of each component `(members,
    /// relations)`.
    #[pyfunction]
    pub fn component_lines(
        py: Python<'_>,
        components: Vec<(Vec<String>, Vec<String>)>,
        source_sites: Vec<String>,
    ) -> PyResult<(Vec<String>, Vec<String>)> {
        let sites: HashSet<String> = source_sites.into_iter().collect();
        py.detach(|| {
            let (mut copies, mut passages) = (Vec::new(), Vec::new());
            for (m, r) in &components {
                let (c, p) = spark::component_lines(m, r, &sites)?;
                copies.extend(c);
                passages.extend(p);
            }
            Ok((copies, passages))
        })
        .map_err(bad)
    }

    /// Phase 1 of one join component, from its members and the summaries
    /// of the relations inside it (JSON): `(site, originals, copies)`.
    #[pyfunction]
    pub fn join_site_records(
        py: Python<'_>,
        members: Vec<String>,
        summaries: Vec<String>,
    ) -> PyResult<Vec<(String, u32, u32)>> {
        py.detach(|| spark::join_site_records(&members, &summaries))
            .map_err(bad)
    }

    /// Phase 2 of one join component: its `copies` lines (JSON), from its
    /// members and the summaries of the relations inside it.
    #[pyfunction]
    pub fn join_copies(
        py: Python<'_>,
        members: Vec<String>,
        summaries: Vec<String>,
        source_sites: Vec<String>,
    ) -> PyResult<Vec<String>> {
        let sites: HashSet<String> = source_sites.into_iter().collect();
        py.detach(|| spark::join_copies(&members, &summaries, &sites))
            .map_err(bad)
    }

    /// The `passages` lines (JSON) of relations grouped by their pair of
    /// families, from the relations (JSON) and, for each article they
    /// name, `(family, member)`: its family's id and its member (JSON).
    #[pyfunction]
    pub fn family_pair_passages(
        py: Python<'_>,
        relations: Vec<String>,
        members: Vec<(String, String)>,
    ) -> PyResult<Vec<String>> {
        py.detach(|| spark::family_pair_passages(&relations, &members))
            .map_err(bad)
    }

    pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add_function(wrap_pyfunction!(join_site_records, m)?)?;
        m.add_function(wrap_pyfunction!(join_copies, m)?)?;
        m.add_function(wrap_pyfunction!(family_pair_passages, m)?)?;
        m.add_function(wrap_pyfunction!(prepare_records, m)?)?;
        m.add_function(wrap_pyfunction!(kept_revision, m)?)?;
        m.add_function(wrap_pyfunction!(host_template, m)?)?;
        m.add_function(wrap_pyfunction!(common_keys, m)?)?;
        m.add_function(wrap_pyfunction!(apply_templates, m)?)?;
        m.add_function(wrap_pyfunction!(source_sites, m)?)?;
        m.add_function(wrap_pyfunction!(component_lines, m)?)?;
        m.add_function(wrap_pyfunction!(component_pairs, m)?)?;
        m.add_function(wrap_pyfunction!(align_keyed_pairs, m)?)?;
        m.add_function(wrap_pyfunction!(whole_component, m)?)?;
        m.add_function(wrap_pyfunction!(local_stars, m)?)?;
        m.add_class::<CorpusCounts>()?;
        m.add_class::<FileItems>()?;
        m.add("MAX_POSTINGS", spark::MAX_POSTINGS)?;
        Ok(())
    }
}

#[pymodule]
fn _wiretrace(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(extract, m)?)?;
    m.add_function(wrap_pyfunction!(sketch, m)?)?;
    m.add_function(wrap_pyfunction!(align, m)?)?;
    m.add_class::<Store>()?;
    m.add_class::<Rows>()?;
    m.add("WiretraceError", m.py().get_type::<WiretraceError>())?;
    m.add("RejectedError", m.py().get_type::<RejectedError>())?;
    let spark = PyModule::new(m.py(), "wiretrace._wiretrace.phases")?;
    phases::register(&spark)?;
    m.add("phases", &spark)?;
    Ok(())
}
