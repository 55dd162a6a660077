//! # wiretrace-stories
//!
//! Groups articles into *stories* (one real-world event or development)
//! online: articles are taken in publication order and each joins the most
//! similar live story, or starts a new one. Copies of one family always share
//! a story and count once in its profile, so a wire story reprinted fifty
//! times does not drag the story's centre.
//!
//! An article's profile weights its title and lead above its tail and capitalised
//! names above common words (TF-IDF over the articles being clustered).
//! Stories go dormant when nothing joins them for [`Config::window_days`].
//!
//! Input: articles, their copy families, and which pairs share passages (the
//! reuse stage's results). Output: one [`Assignment`] per article, with the
//! reason it joined, and a [`Story`] summary per story. No I/O.

mod clusterer;
mod profile;
pub mod timeline;
mod undated;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use wiretrace_core::{
    time::{time_order, ArrivalKey},
    Article, ArticleId,
};
use wiretrace_reuse::FamilyAssignment;

pub use clusterer::{story_id, Clusterer, Event};
pub use profile::{article_terms, Profile, Vocabulary};
pub use timeline::{tellers, timeline, DatedEvent};

/// Tunable parameters of the online clustering.
#[derive(Debug, Clone)]
pub struct Config {
    /// Cosine similarity to a story's profile needed to join it.
    pub threshold: f64,
    /// Similarity credited to an article that shares a passage with a member.
    pub passage_link: f64,
    /// A story takes no article published more than this many days after its
    /// last one.
    pub window_days: i64,
    /// Similarity is scaled by `1 / (1 + gap / time_scale_days)`, the gap
    /// being the days since the story's latest article: the reports of one
    /// event come out together, while a saga's next event comes days later.
    pub time_scale_days: f64,
    /// The time factor where either time is unknown (an undated article).
    pub undated_factor: f64,
    /// Two stories whose profiles are this similar (time-scaled likewise)
    /// are merged after the online pass; above 1, never.
    pub merge_threshold: f64,
    /// A group of undated articles joins a story only if the story's mean
    /// cosine to its articles is at least this share of theirs to the rest
    /// of the group (see [`Clusterer::settle_undated`]). Chosen on the
    /// even ECB+ topics, where 0.5 to 0.75 score alike.
    pub undated_closeness: f64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            threshold: 0.12,
            passage_link: 0.5,
            window_days: 7,
            time_scale_days: 5.0,
            undated_factor: 0.5,
            merge_threshold: 0.2,
            undated_closeness: 0.6,
        }
    }
}

impl Config {
    /// The defaults, overridden for evaluation runs by the settings `var`
    /// gives: `WIRETRACE_STORY_THRESHOLD` (cosine needed to join a story),
    /// `WIRETRACE_STORY_TIME_SCALE` (days), `WIRETRACE_STORY_UNDATED` (the
    /// time factor of an unknown gap) and `WIRETRACE_STORY_MERGE`. The
    /// caller reads them (from the environment, at the program's edge).
    pub fn with_settings(var: impl Fn(&str) -> Option<String>) -> Config {
        let var = |name: &str| var(name).and_then(|v| v.parse::<f64>().ok());
        let mut c = Config::default();
        if let Some(t) = var("WIRETRACE_STORY_THRESHOLD") {
            c.threshold = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_TIME_SCALE") {
            c.time_scale_days = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_UNDATED") {
            c.undated_factor = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_MERGE") {
            c.merge_threshold = t;
        }
        if let Some(t) = var("WIRETRACE_STORY_CLOSENESS") {
            c.undated_closeness = t;
        }
        c
    }
}

/// Why an article is in its story.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub id: ArticleId,
    pub story: String,
    /// Similarity to the story when the article joined (1 for a copy, 0 for
    /// the article that started the story).
    pub similarity: f64,
    pub reason: String,
}

/// A story's summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Story {
    pub id: String,
    pub headline: Option<String>,
    pub first_seen: Option<DateTime<FixedOffset>>,
    pub last_seen: Option<DateTime<FixedOffset>>,
    /// Members in time order.
    pub articles: Vec<ArticleId>,
    pub outlets: Vec<String>,
}

/// The order articles are taken in: dated ones by time, then undated; ties by id.
pub fn arrival_order(articles: &[&Article]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..articles.len()).collect();
    order.sort_by_cached_key(|&i| ArrivalKey::of(articles[i].published, &articles[i].id));
    order
}

/// An article's weighted terms (see [`article_terms`]).
pub type Terms = Vec<(String, f64)>;

/// Articles whose terms are computed in parallel ahead of being taken.
pub const TERMS_AHEAD: usize = 4_096;

/// The stories' assignments and summaries, built up from [`Event`]s.
#[derive(Debug, Default)]
pub struct Outcome {
    pub assignments: Vec<Assignment>,
    pub stories: Vec<Story>,
    members: HashMap<String, Vec<usize>>,
    /// Where each story's summary is in `stories`.
    summary_at: HashMap<String, usize>,
}

impl Outcome {
    /// An outcome that goes on from a [`Checkpoint`]'s assignments.
    pub fn resuming(assignments: Vec<Assignment>) -> Self {
        let mut o = Outcome::default();
        o.apply(assignments.into_iter().map(Event::Placed).collect());
        o
    }

    pub fn apply(&mut self, events: Vec<Event>) {
        for e in events {
            match e {
                Event::Placed(a) => {
                    let at = self.assignments.len();
                    self.members.entry(a.story.clone()).or_default().push(at);
                    self.assignments.push(a);
                }
                Event::Merged {
                    gone,
                    into,
                    similarity,
                } => {
                    let moved = self.members.remove(&gone).unwrap_or_default();
                    let why = format!(
                        "; its story {gone} merged into {into} (similarity {similarity:.2})"
                    );
                    for &m in &moved {
                        self.assignments[m].story = into.clone();
                        self.assignments[m].reason.push_str(&why);
                    }
                    self.members.entry(into).or_default().extend(moved);
                }
                Event::Closed(story) => self.report(story),
            }
        }
    }

    /// Records a story's summary, replacing one reported before.
    fn report(&mut self, story: Story) {
        match self.summary_at.get(&story.id) {
            Some(&at) => self.stories[at] = story,
            None => {
                self.summary_at.insert(story.id.clone(), self.stories.len());
                self.stories.push(story);
            }
        }
    }

    /// Reports again those of the dormant stories named in `ids` that this
    /// run has not reported: an undated article an earlier run placed in
    /// one is taken again, and may have gone elsewhere this time.
    pub fn restate(&mut self, clusterer: &Clusterer, ids: &HashSet<String>) {
        let missing: HashSet<String> = ids
            .iter()
            .filter(|id| !self.summary_at.contains_key(*id))
            .cloned()
            .collect();
        for story in clusterer.dormant_summaries(&missing) {
            self.report(story);
        }
    }

    /// Places the undated articles `clusterer` holds
    /// ([`Clusterer::settle_undated`]), adds the summaries of the stories
    /// still live, and orders the stories by first article.
    pub fn finish(
        mut self,
        clusterer: &mut Clusterer,
        config: &Config,
    ) -> (Vec<Assignment>, Vec<Story>) {
        self.apply(clusterer.settle_undated(config));
        for story in clusterer.live_summaries() {
            self.report(story);
        }
        self.stories.sort_by(|x, y| {
            (time_order(x.first_seen), &x.id).cmp(&(time_order(y.first_seen), &y.id))
        });
        (self.assignments, self.stories)
    }
}

/// Where a later run of the clustering resumes: the state after every
/// article up to `frontier` in arrival order, and the assignments of the articles of the stories still live
/// then, which a later merge may move. `config` names the settings it was
/// made with: under others it does not apply.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub config: String,
    pub frontier: Option<ArrivalKey>,
    pub clusterer: Clusterer,
    pub assignments: Vec<Assignment>,
}

/// Changes when the clustering rules change, so that a checkpoint made under
/// older rules is not resumed (the store replays from the first article).
const RULES_VERSION: u32 = 5;

fn rules_tag(config: &Config) -> String {
    format!("rules {RULES_VERSION}; {config:?}")
}

impl Checkpoint {
    pub fn take(
        config: &Config,
        frontier: Option<ArrivalKey>,
        clusterer: &Clusterer,
        outcome: &Outcome,
    ) -> Self {
        let live = clusterer.live_ids();
        Checkpoint {
            config: rules_tag(config),
            frontier,
            clusterer: clusterer.clone(),
            assignments: outcome
                .assignments
                .iter()
                .filter(|a| live.contains(a.story.as_str()))
                .cloned()
                .collect(),
        }
    }

    /// Whether this checkpoint was made under `config` and these rules.
    pub fn fits(&self, config: &Config) -> bool {
        self.config == rules_tag(config)
    }

    /// The checkpoint as bytes to keep: a format tag, then postcard. JSON
    /// was 125 MB at 100,000 articles, written and read back on every
    /// ingest; postcard keeps numbers binary.
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serialising plain owned data into a Vec cannot fail.
        postcard::to_extend(self, CHECKPOINT_FORMAT.to_vec()).expect("a checkpoint serialises")
    }

    /// The checkpoint kept as [`Checkpoint::to_bytes`] made it; `None` for
    /// bytes in another format (an older wiretrace's) or damaged ones, so
    /// the caller replays from the first article instead.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        postcard::from_bytes(bytes.strip_prefix(CHECKPOINT_FORMAT)?).ok()
    }
}

/// What a kept checkpoint starts with (see [`Checkpoint::to_bytes`]).
const CHECKPOINT_FORMAT: &[u8] = b"wiretrace checkpoint/postcard 1\n";

/// Clusters `articles` into stories from scratch: they are taken in
/// [`arrival_order`] by a fresh [`Clusterer`]. `families` gives each
/// article's copy family (articles missing from it are their own family);
/// `links` lists pairs that share a passage.
pub fn cluster(
    articles: &[&Article],
    families: &[FamilyAssignment],
    links: &[(ArticleId, ArticleId)],
    config: &Config,
) -> (Vec<Assignment>, Vec<Story>) {
    let mut clusterer = Clusterer::default();
    let mut outcome = Outcome::default();
    let order: Vec<&Article> = arrival_order(articles)
        .into_iter()
        .map(|i| articles[i])
        .collect();
    let mut input = StoryInput::new(families, links);
    for chunk in order.chunks(TERMS_AHEAD) {
        for (a, terms) in input.terms_ahead(chunk) {
            outcome.apply(input.add(&mut clusterer, a, terms, config));
        }
    }
    outcome.finish(&mut clusterer, config)
}

/// What the clustering needs to know of the reuse stage's results: each
/// article's copy family and the articles it shares a passage with.
pub struct StoryInput<'a> {
    family_of: HashMap<&'a ArticleId, &'a ArticleId>,
    linked: HashMap<&'a ArticleId, Vec<ArticleId>>,
    /// Families whose first member has been seen (later members are copies).
    seen: HashSet<ArticleId>,
}

impl<'a> StoryInput<'a> {
    pub fn new(families: &'a [FamilyAssignment], links: &'a [(ArticleId, ArticleId)]) -> Self {
        let mut linked: HashMap<&ArticleId, Vec<ArticleId>> = HashMap::new();
        for (a, b) in links {
            linked.entry(a).or_default().push(b.clone());
            linked.entry(b).or_default().push(a.clone());
        }
        StoryInput {
            family_of: families.iter().map(|f| (&f.id, &f.family)).collect(),
            linked,
            seen: Default::default(),
        }
    }

    fn family<'b>(&self, a: &'b Article) -> &'b ArticleId
    where
        'a: 'b,
    {
        self.family_of.get(&a.id).copied().unwrap_or(&a.id)
    }

    /// Pairs each article of `chunk` (in arrival order) with its terms,
    /// computed in parallel for the first member of each family only: the
    /// others are copies and are placed by their family.
    pub fn terms_ahead<'b>(&mut self, chunk: &[&'b Article]) -> Vec<(&'b Article, Option<Terms>)>
    where
        'a: 'b,
    {
        use rayon::prelude::*;
        let needed: Vec<bool> = chunk
            .iter()
            .map(|a| {
                let family = self.family(a).clone();
                self.seen.insert(family)
            })
            .collect();
        chunk
            .par_iter()
            .zip(needed)
            .map(|(a, need)| (*a, need.then(|| article_terms(a))))
            .collect()
    }

    /// Takes one article into `clusterer`.
    pub fn add(
        &self,
        clusterer: &mut Clusterer,
        a: &Article,
        terms: Option<Vec<(String, f64)>>,
        config: &Config,
    ) -> Vec<Event> {
        let linked = self.linked.get(&a.id).map_or(&[][..], |v| v.as_slice());
        clusterer.add(a, self.family(a), linked, terms, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wiretrace_core::{time::parse_datetime, InputFormat};

    fn art(id: &str, date: &str, title: &str, paras: &[&str]) -> Article {
        let mut a = Article::from_paragraphs(ArticleId(id.into()), paras, InputFormat::Text, id);
        a.published = parse_datetime(date);
        a.title = Some(title.into());
        a
    }

    fn strike(id: &str, date: &str) -> Article {
        art(id, date, "Dockworkers strike at Port Aldren", &["Dockworkers at Port Aldren walked out on Tuesday over pay, union leader Mara Lindqvist said.", "The Port Aldren Authority said its offer stood."])
    }

    /// A report of a strike at `port`, worded like every other one but
    /// for the port and who is quoted.
    fn port_strike(id: &str, date: &str, port: &str, who: &str) -> Article {
        art(id, date, &format!("Dockworkers strike at Port {port}"), &[&format!("Dockworkers at Port {port} walked out on Tuesday over pay, {who} said, and pickets gathered at the gates before dawn."), "Managers said the offer stood and talks would resume."])
    }

    fn tram() -> Article {
        art("tram", "2025-03-05", "Veldt approves tram line", &["Veldt city council approved a tram extension to the airport, mayor Oskar Fenn said.", "The line opens in 2029."])
    }

    fn story_of<'a>(a: &'a [Assignment], id: &str) -> &'a str {
        &a.iter().find(|x| x.id.0 == id).unwrap().story
    }

    #[test]
    fn related_reports_share_a_story_and_unrelated_ones_do_not() {
        let arts = [
            strike("s1", "2025-03-04"),
            strike("s2", "2025-03-05"),
            tram(),
        ];
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, stories) = cluster(&refs, &[], &[], &Config::default());
        assert_eq!(story_of(&a, "s1"), story_of(&a, "s2"));
        assert_ne!(story_of(&a, "s1"), story_of(&a, "tram"));
        assert_eq!(stories.len(), 2);
        let s = stories.iter().find(|s| s.articles.len() == 2).unwrap();
        assert_eq!(
            s.headline.as_deref(),
            Some("Dockworkers strike at Port Aldren")
        );
        assert!(s.first_seen < s.last_seen);
    }

    #[test]
    fn strikes_at_different_ports_on_one_day_are_different_stories() {
        // Twelve ports, one strike each, reported in the same words: only
        // the names tell them apart. Port Aldren's strike has two reports.
        // The clustering is online: which words are common it learns from
        // the articles before, so the store first holds a month of strikes
        // elsewhere (a fresh store's first articles cannot know that
        // "dockworkers" names a kind of event rather than this one).
        let earlier = [
            "Mirel",
            "Nansk",
            "Orrin",
            "Pell",
            "Quarry Bay",
            "Rusk",
            "Sallow",
            "Tarn",
            "Ulmer",
            "Vance",
            "Wend",
            "Yarrow",
        ];
        let mut arts: Vec<Article> = earlier
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let date = format!("2025-02-{:02}T08:00:00Z", 1 + k);
                port_strike(&format!("before-{k}"), &date, p, "the union")
            })
            .collect();
        let ports = [
            "Aldren", "Brisk", "Colm", "Dunmere", "Eskar", "Falloway", "Gint", "Hollin", "Ivra",
            "Jessup", "Korrin", "Lusk",
        ];
        arts.extend(ports.iter().enumerate().map(|(k, p)| {
            // Port Aldren's report quotes the union's leader, whom its
            // follow-up names too: two details of this strike (one name
            // alone could be a coincidence).
            let who = if k == 0 {
                "union leader Mara Lindqvist"
            } else {
                "the union"
            };
            let date = format!("2025-03-04T{:02}:00:00Z", 6 + k);
            port_strike(&format!("port-{k}"), &date, p, who)
        }));
        arts.push(art("port-0-again", "2025-03-04T20:00:00Z", "Port Aldren strike enters second shift", &["Pickets at Port Aldren gathered at the gates as dockworkers stayed out over pay, Mara Lindqvist said."]));
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        assert_eq!(story_of(&a, "port-0"), story_of(&a, "port-0-again"));
        let march: HashSet<&str> = a
            .iter()
            .filter(|x| x.id.0.starts_with("port-"))
            .map(|x| x.story.as_str())
            .collect();
        assert_eq!(march.len(), ports.len(), "{a:#?}");
    }

    #[test]
    fn a_name_two_events_share_by_chance_does_not_join_them() {
        // A week of strikes, each at its own port; two of them on one day
        // quote spokespeople who happen to share a surname. Reported in the
        // same words, they are still two strikes.
        let ports = [
            "Mirel", "Nansk", "Orrin", "Pell", "Rusk", "Sallow", "Tarn", "Ulmer",
        ];
        let mut arts: Vec<Article> = ports
            .iter()
            .enumerate()
            .map(|(k, p)| {
                let date = format!("2025-03-{:02}T08:00:00Z", 1 + k / 2);
                port_strike(&format!("strike-{k}"), &date, p, "the union")
            })
            .collect();
        arts.push(port_strike(
            "aldren",
            "2025-03-05T08:00:00Z",
            "Aldren",
            "spokesman Jonas Brekke",
        ));
        arts.push(port_strike(
            "brisk",
            "2025-03-05T09:00:00Z",
            "Brisk",
            "spokeswoman Ilse Brekke",
        ));
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        assert_ne!(story_of(&a, "aldren"), story_of(&a, "brisk"), "{a:#?}");
    }

    #[test]
    fn a_checkpoint_comes_back_from_its_bytes_and_other_bytes_are_refused() {
        let config = Config::default();
        let arts = [
            strike("s1", "2025-03-04"),
            strike("s2", "2025-03-05"),
            tram(),
        ];
        let input = StoryInput::new(&[], &[]);
        let (mut clusterer, mut outcome) = (Clusterer::default(), Outcome::default());
        for a in &arts {
            outcome.apply(input.add(&mut clusterer, a, None, &config));
        }
        let frontier = Some(ArrivalKey::of(arts[2].published, &arts[2].id));
        let bytes = Checkpoint::take(&config, frontier, &clusterer, &outcome).to_bytes();
        let back = Checkpoint::from_bytes(&bytes).expect("its own bytes");
        assert!(back.fits(&config));
        assert_eq!(back.assignments.len(), 3);
        assert_eq!(back.to_bytes(), bytes);
        // A JSON checkpoint (an older wiretrace's), or a cut one, means replay.
        assert!(Checkpoint::from_bytes(&serde_json::to_vec(&back).unwrap()).is_none());
        assert!(Checkpoint::from_bytes(&bytes[..bytes.len() - 1]).is_none());
    }

    #[test]
    fn a_story_goes_dormant_after_its_window() {
        let arts = [strike("old", "2019-03-04"), strike("new", "2025-03-04")];
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        assert_ne!(story_of(&a, "old"), story_of(&a, "new"));
    }

    #[test]
    fn an_undated_report_finds_its_story_after_the_story_went_dormant() {
        let mut undated = strike("undated", "");
        undated.published = None;
        let mut arts = vec![strike("s1", "2025-03-04"), strike("s2", "2025-03-05")];
        // A month of other news: the strike's story closes long before the
        // newest dated article, and undated articles are taken after it.
        arts.extend((0..30).map(|d| {
            let mut t = tram();
            t.id = ArticleId(format!("tram-{d}"));
            t.published = parse_datetime(&format!("2025-04-{:02}", d + 1));
            t
        }));
        arts.push(undated);
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, stories) = cluster(&refs, &[], &[], &Config::default());
        assert_eq!(story_of(&a, "undated"), story_of(&a, "s1"));
        let why = &a.iter().find(|x| x.id.0 == "undated").unwrap().reason;
        assert!(why.contains("gone dormant"), "{why}");
        // The story's summary lists it, once.
        let strike_story = stories.iter().find(|s| s.id == "s-s1").unwrap();
        assert_eq!(strike_story.articles.len(), 3, "{strike_story:?}");
        assert_eq!(stories.iter().filter(|s| s.id == "s-s1").count(), 1);
        // A dated report a month on is a new story: dormant stories take
        // undated articles only.
        let mut late = strike("late", "2025-05-20");
        late.title = Some("Dockworkers strike again at Port Aldren".into());
        let mut with_late = arts.clone();
        with_late.push(late);
        let refs: Vec<&Article> = with_late.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        assert_ne!(story_of(&a, "late"), story_of(&a, "s1"));
    }

    /// A month of town-council news from other towns, so that the names
    /// of one event are rare in the collection (specific).
    fn council_month() -> Vec<Article> {
        let towns = ["Veldt", "Ostra", "Kemble", "Lorn", "Marrow", "Nisk"];
        (0..36)
            .map(|k| {
                let town = towns[k % towns.len()];
                let mut a = art(
                    &format!("council-{k:02}"),
                    &format!("2025-02-{:02}T10:00:00Z", 1 + k % 28),
                    &format!("{town} council debates budget item {k}"),
                    &[&format!("The {town} council debated item {k} of its budget on Monday, its clerk said."), "A vote is due next month."],
                );
                a.site = Some("council-wire".into());
                a
            })
            .collect()
    }

    /// Dated reports of a strike at Port Aldren that recall an earlier
    /// strike at Port Brisk, and undated reports of that Brisk strike
    /// (ids `brisk-0`..), each of which alone is like the Aldren story.
    fn two_strikes(brisk_ids: &[&str]) -> Vec<Article> {
        let mut arts = council_month();
        let recall = "It follows a walkout at Port Brisk, where dockworkers led by shop steward Olav Renn stopped work over pay.";
        arts.push(art("aldren-1", "2025-03-04T08:00:00Z", "Dockworkers strike at Port Aldren", &["Dockworkers at Port Aldren walked out on Tuesday over pay, union leader Mara Lindqvist said.", "The Port Aldren Authority said its offer of four percent stood, and that ferries to Skellig Island would still sail from the north pier.", "Lindqvist said the Aldren crane drivers would join the pickets at dawn.", recall]));
        arts.push(art("aldren-2", "2025-03-04T12:00:00Z", "Port Aldren walkout enters its first night", &["Pickets stayed at the gates of Port Aldren as the walkout over pay went on, Mara Lindqvist said.", "Crane drivers joined them, and the Port Aldren Authority kept its four percent offer on the table; the Skellig Island ferries sailed.", recall]));
        let brisk = [
            ("Port Brisk dockworkers stop work", "Dockworkers at Port Brisk stopped work over pay, shop steward Olav Renn said, and harbour master Tove Aske closed the Brisk quays."),
            ("Brisk quays shut as dockworkers walk out", "Harbour master Tove Aske shut the quays at Port Brisk after dockworkers walked out, Olav Renn said."),
            ("Olav Renn leads Port Brisk walkout", "Shop steward Olav Renn led dockworkers off the Brisk quays over pay; Tove Aske said ships would wait."),
            ("Ships wait off Port Brisk", "Ships waited off Port Brisk as Olav Renn's dockworkers stayed out and Tove Aske kept the quays shut."),
        ];
        for (id, (title, text)) in brisk_ids.iter().zip(brisk) {
            let mut a = art(id, "", title, &[text]);
            a.published = None;
            arts.push(a);
        }
        arts
    }

    #[test]
    fn undated_reports_of_another_event_make_their_own_story() {
        // Named in any order, they are grouped the same: together, apart
        // from the story that recalls their event.
        for ids in [
            ["brisk-0", "brisk-1", "brisk-2", "brisk-3"],
            ["z-brisk", "a-brisk", "m-brisk", "b-brisk"],
        ] {
            let arts = two_strikes(&ids);
            let refs: Vec<&Article> = arts.iter().collect();
            let (a, _) = cluster(&refs, &[], &[], &Config::default());
            let brisk: HashSet<&str> = ids.iter().map(|id| story_of(&a, id)).collect();
            assert_eq!(brisk.len(), 1, "{a:#?}");
            assert_ne!(story_of(&a, ids[0]), story_of(&a, "aldren-1"), "{a:#?}");
        }
    }

    #[test]
    fn undated_reports_of_a_dated_story_join_it_together() {
        let mut arts = council_month();
        arts.push(strike("s1", "2025-03-04T08:00:00Z"));
        arts.push(strike("s2", "2025-03-04T12:00:00Z"));
        let undated = [
            ("u-1", "Port Aldren dockworkers stay out", "Dockworkers at Port Aldren stayed out over pay, Mara Lindqvist said, and the Port Aldren Authority said its offer stood."),
            ("u-2", "Mara Lindqvist: Port Aldren strike goes on", "Union leader Mara Lindqvist said the Port Aldren walkout over pay would go on."),
            ("u-3", "Port Aldren Authority stands by offer", "The Port Aldren Authority said its pay offer stood as dockworkers walked out, Mara Lindqvist said."),
        ];
        for (id, title, text) in undated {
            let mut a = art(id, "", title, &[text]);
            a.published = None;
            arts.push(a);
        }
        let refs: Vec<&Article> = arts.iter().collect();
        let (a, _) = cluster(&refs, &[], &[], &Config::default());
        for id in ["u-1", "u-2", "u-3"] {
            assert_eq!(story_of(&a, id), story_of(&a, "s1"), "{a:#?}");
        }
    }

    #[test]
    fn copies_follow_their_family_and_order_does_not_matter() {
        let mut copy = tram();
        copy.id = ArticleId("tram-copy".into());
        copy.title = Some("Something else entirely".into());
        copy.published = parse_datetime("2025-03-06");
        let fams = vec![FamilyAssignment {
            id: ArticleId("tram-copy".into()),
            family: ArticleId("tram".into()),
            source: Some(ArticleId("tram".into())),
        }];
        let arts = [strike("s1", "2025-03-04"), tram(), copy];
        let forward: Vec<&Article> = arts.iter().collect();
        let backward: Vec<&Article> = arts.iter().rev().collect();
        let (a, _) = cluster(&forward, &fams, &[], &Config::default());
        let (mut b, _) = cluster(&backward, &fams, &[], &Config::default());
        assert_eq!(story_of(&a, "tram-copy"), story_of(&a, "tram"));
        assert!(a
            .iter()
            .find(|x| x.id.0 == "tram-copy")
            .unwrap()
            .reason
            .starts_with("copy of tram"));
        b.sort_by(|x, y| x.id.cmp(&y.id));
        let mut a = a;
        a.sort_by(|x, y| x.id.cmp(&y.id));
        assert_eq!(a, b);
    }

    #[test]
    fn stories_that_turn_out_to_be_one_are_merged() {
        let (a, b) = (
            strike("a", "2025-03-04T08:00:00Z"),
            strike("b", "2025-03-04T09:00:00Z"),
        );
        let refs = [&a, &b];
        // Nothing joins online, so each article starts a story...
        let apart = Config {
            threshold: 1.1,
            merge_threshold: 2.0,
            ..Config::default()
        };
        assert_eq!(cluster(&refs, &[], &[], &apart).1.len(), 2);
        // ...and the merge pass finds they are one.
        let merged = Config {
            merge_threshold: 0.5,
            ..apart
        };
        let (assignments, stories) = cluster(&refs, &[], &[], &merged);
        assert_eq!(stories.len(), 1);
        assert_eq!(stories[0].id, "s-a");
        assert_eq!(stories[0].articles.len(), 2);
        let b_why = &assignments.iter().find(|x| x.id.0 == "b").unwrap().reason;
        assert!(b_why.contains("merged into s-a"), "{b_why}");
    }
}
