//! Folding a chunk's findings on the worker that finds them: each finding, as the scanner
//! makes it, goes into the chunk's aggregates and, for a sink that folds, its series and
//! rows, and is dropped there; the merge then adds per chunk what would otherwise be per
//! finding, on one thread. Every capped set keeps its smallest members, so chunks folded
//! apart merge into exactly what one serial fold gives (see `correlate::series`).

use super::exchange::RequestIndex;
use super::Context;
use crate::aggregate::Aggregates;
use crate::correlate::Series;
use crate::finding::Finding;
use crate::report::render::{RowKinds, RowRenderer};
use crate::report::sorted::Row;

/// What the web pass's sink takes from the workers.
pub(super) struct Wants {
    pub(super) rows: RowKinds,
    /// The sink's empty series, when it takes findings folded per chunk.
    pub(super) series: Option<Series>,
    /// Keep the IIS failures' request ids (an HttpProxy log is there to join them).
    pub(super) request_ids: bool,
}

/// A unit's findings as its worker folded them, positions counted from the unit's first
/// line: the merge then adds per unit what would otherwise be per finding, on one thread.
#[derive(Default)]
pub(super) struct Folded {
    pub(super) count: usize,
    pub(super) aggregates: Aggregates,
    /// (request id, position) of the IIS failures, for the HttpProxy join.
    pub(super) request_ids: Vec<(u128, u64)>,
    /// The findings' series and rows, for a sink that folds ([`super::FindingSink::series`]).
    pub(super) series: Option<Series>,
    pub(super) rows: Vec<Row>,
    /// The findings themselves, for a sink that does not.
    pub(super) findings: Vec<Finding>,
}

/// Folds a unit's findings on the worker, each as the scanner makes it: aggregates always;
/// then either the sink's series and rows (the finding is dropped here) or the finding,
/// kept for the sink.
pub(super) struct Folder<'w> {
    folded: Folded,
    renderer: Option<RowRenderer>,
    wants: &'w Wants,
    file: &'w str,
    taxonomy: &'w crate::grammar::Taxonomy,
}

impl<'w> Folder<'w> {
    pub(super) fn new(wants: &'w Wants, file: &'w str, ctx: &'w Context<'_>) -> Self {
        Folder {
            folded: Folded {
                series: wants.series.clone(),
                ..Folded::default()
            },
            renderer: (wants.rows != RowKinds::None).then(|| RowRenderer::new(wants.rows)),
            wants,
            file,
            taxonomy: &ctx.grammar.taxonomy,
        }
    }

    /// What the unit's findings folded into.
    pub(super) fn finish(self) -> Folded {
        self.folded
    }

    fn add(&mut self, f: Finding) {
        let folded = &mut self.folded;
        folded.count += 1;
        folded.aggregates.add(&f);
        if let Some(id) = RequestIndex::id_of(&f).filter(|_| self.wants.request_ids) {
            folded.request_ids.push((id, f.position));
        }
        let Some(series) = &mut folded.series else {
            folded.findings.push(f);
            return;
        };
        series.add(&f);
        if let Some(renderer) = &mut self.renderer {
            folded
                .rows
                .push(Row::of(&f, renderer.render(&f, self.file, self.taxonomy)));
        }
    }
}

impl Extend<Finding> for Folder<'_> {
    fn extend<I: IntoIterator<Item = Finding>>(&mut self, findings: I) {
        findings.into_iter().for_each(|f| self.add(f));
    }
}
