//! The taxonomy: the public list of failure categories, in precedence order.

pub use crate::finding::CategoryId;
use crate::finding::Phase;

/// One taxonomy entry.
#[derive(Debug, Clone)]
pub struct Category {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub phase: Phase,
    pub other_side: OtherSide,
    pub remediation: String,
    pub references: Vec<String>,
    /// A requester failure of this category can be a clock skew (the token's time refused).
    pub clock_sensitive: bool,
    /// Set on the category the correlator raises from clock-offset evidence: the skew beyond
    /// which tokens are refused (seconds).
    pub clock_tolerance_s: Option<i64>,
}

/// What the responder's logs can show of a requester's failure of a category
/// (`other_side` in taxonomy.toml, where each value is explained).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherSide {
    /// The failure happens before any request is sent.
    None,
    /// The request never reached the responder: silence in its logs is expected.
    NotArrived,
    /// The responder answered: its logs must show the request.
    Answered,
    /// The request may or may not have reached it: absence is not judged.
    Maybe,
}

impl OtherSide {
    pub const NAMES: [&'static str; 4] = ["none", "not-arrived", "answered", "maybe"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "not-arrived" => Some(Self::NotArrived),
            "answered" => Some(Self::Answered),
            "maybe" => Some(Self::Maybe),
            _ => None,
        }
    }

    /// Can a responder incident be the other side of this requester failure?
    pub fn reaches_responder(self) -> bool {
        matches!(self, Self::Answered | Self::Maybe)
    }
}

/// All categories, in the order that decides precedence.
#[derive(Debug, Clone, Default)]
pub struct Taxonomy {
    categories: Vec<Category>,
}

/// The id every free/busy failure falls back to.
pub const UNCLASSIFIED: &str = "unclassified";

impl Taxonomy {
    pub(super) fn push(&mut self, category: Category) {
        self.categories.push(category);
    }

    pub fn find(&self, id: &str) -> Option<CategoryId> {
        self.categories
            .iter()
            .position(|c| c.id == id)
            .map(|i| CategoryId(i as u16))
    }

    /// The category raised from clock-offset evidence, with its tolerance (seconds).
    pub fn clock_skew(&self) -> Option<(CategoryId, i64)> {
        self.categories
            .iter()
            .enumerate()
            .find_map(|(i, c)| c.clock_tolerance_s.map(|t| (CategoryId(i as u16), t)))
    }

    pub fn get(&self, id: CategoryId) -> &Category {
        &self.categories[usize::from(id.0)]
    }

    pub fn unclassified(&self) -> CategoryId {
        // Loading guarantees it exists (grammar::load checks).
        self.find(UNCLASSIFIED).unwrap_or(CategoryId(0))
    }

    pub fn len(&self) -> usize {
        self.categories.len()
    }

    pub fn is_empty(&self) -> bool {
        self.categories.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (CategoryId, &Category)> {
        self.categories
            .iter()
            .enumerate()
            .map(|(i, c)| (CategoryId(i as u16), c))
    }
}
