//! Reports: the one door for bytes out. Findings stream in through [`Outputs`] (the
//! pipeline's [`FindingSink`]), which fans each one out to the sorted findings rows and the
//! correlator; at the end every report is written from them. Files under `--out` are written
//! atomically; stdout gets the summary, JSON or findings CSV.

pub mod atomic;
pub mod background;
pub mod color;
pub mod correlation;
pub mod csv;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod manifest;
pub mod rejected;
pub mod render;
pub mod sorted;
pub mod table;
pub mod verdict;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::analysis::Analysis;
use crate::correlate::{CorrelateOptions, Correlation, Correlator, Series, SeriesKey};
use crate::error::ReportError;
use crate::finding::{Finding, Side};
use crate::grammar::{CategoryId, Taxonomy};
use crate::pipeline::FindingSink;

use self::render::{RowKinds, RowRenderer};
use self::sorted::{Row, SortedRows};
use atomic::AtomicFile;
use background::BackgroundFile;

/// What goes to stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StdoutFormat {
    Table,
    Json,
    Csv,
}

/// The open outputs of a run.
pub struct Outputs<'t> {
    taxonomy: &'t Taxonomy,
    dir: Option<PathBuf>,
    stdout: Option<Box<dyn Write + 't>>,
    rows: SortedRows,
    renderer: RowRenderer,
    correlator: Correlator,
    /// Start the CSV files under `--out` with a UTF-8 byte order mark (`--csv-bom`).
    csv_bom: bool,
}

/// The UTF-8 byte order mark: how Excel, opening a CSV by double-click, knows it is UTF-8
/// (without it, it reads the ANSI code page and garbles every non-ASCII character).
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Creates a CSV report file, starting it with [`UTF8_BOM`] when `bom`.
fn create_csv(dir: &Path, name: &str, bom: bool) -> Result<AtomicFile, ReportError> {
    let mut f = AtomicFile::create(dir, name)?;
    if bom {
        f.write_all(UTF8_BOM).map_err(io_err(dir.join(name)))?;
    }
    Ok(f)
}

/// What [`Outputs::finish`] leaves for the caller to print.
pub struct Finished {
    pub correlation: Correlation,
    /// The terminal summary (also written as `summary.txt`).
    pub summary: String,
}

fn csv_err(path: &Path) -> impl Fn(::csv::Error) -> ReportError + '_ {
    move |source| ReportError::Csv {
        path: path.to_owned(),
        source,
    }
}

fn io_err(path: PathBuf) -> impl Fn(std::io::Error) -> ReportError {
    move |source| ReportError::Io {
        path: path.clone(),
        source,
    }
}

/// The manifest of a run in `--out`, written after every report (see [`manifest`]).
pub const MANIFEST_FILE: &str = "run.json";

/// The report files of `--out`, in the order the summary names them (before the manifest).
pub const REPORT_FILES: [&str; 10] = [
    "summary.txt",
    "report.html",
    "incidents.csv",
    "findings.csv",
    "findings.jsonl",
    "timeline.csv",
    "coverage.csv",
    "summary.csv",
    "inventory.csv",
    "rejected.txt",
];

impl<'t> Outputs<'t> {
    /// Prepares outputs before any input is read, so an unwritable `--out` fails at once.
    pub fn open(
        taxonomy: &'t Taxonomy,
        dir: Option<&Path>,
        format: StdoutFormat,
        stdout: Box<dyn Write + 't>,
        correlate: &CorrelateOptions,
    ) -> Result<Self, ReportError> {
        if let Some(dir) = dir {
            let stale = atomic::prepare_dir(dir)?;
            if stale > 0 {
                eprintln!("fbscope: removed {stale} temporary file(s) an interrupted run left in the output folder");
            }
        }
        Ok(Outputs {
            taxonomy,
            dir: dir.map(Path::to_owned),
            stdout: (format == StdoutFormat::Csv).then_some(stdout),
            rows: SortedRows::new(dir),
            renderer: RowRenderer::new(Self::kinds(dir.is_some(), format == StdoutFormat::Csv)),
            correlator: Correlator::new(correlate),
            csv_bom: false,
        })
    }

    /// Starts the CSV files under `--out` (not the CSV on stdout) with a UTF-8 byte order
    /// mark, for Excel.
    pub fn with_csv_bom(mut self, bom: bool) -> Self {
        self.csv_bom = bom;
        self
    }

    /// The rows written: both under `--out`, CSV alone for CSV on standard output.
    fn kinds(dir: bool, csv_stdout: bool) -> RowKinds {
        match (dir, csv_stdout) {
            (true, _) => RowKinds::CsvAndJson,
            (false, true) => RowKinds::Csv,
            (false, false) => RowKinds::None,
        }
    }

    fn push(&mut self, f: &Finding, file: &str) -> Result<(), ReportError> {
        let rendered = self.renderer.render(f, file, self.taxonomy);
        self.push_row(Row::of(f, rendered))
    }

    fn push_row(&mut self, row: Row) -> Result<(), ReportError> {
        // The spill folder is named only when a run could not be written (not per finding).
        let dir = &self.dir;
        self.rows.push(row).map_err(|source| ReportError::Io {
            path: dir.clone().unwrap_or_else(std::env::temp_dir),
            source,
        })
    }

    /// Correlates, then writes every report and commits them, the manifest last.
    pub fn finish(
        mut self,
        analysis: &mut Analysis,
        opts: &CorrelateOptions,
        run: &manifest::RunInfo,
    ) -> Result<Finished, ReportError> {
        let correlator = std::mem::take(&mut self.correlator);
        let (correlation, raised) = correlator.finish(analysis, self.taxonomy, opts);
        for f in &raised {
            analysis.aggregates.add(f);
            analysis.totals.findings += 1;
            self.push(f, "correlation")?;
        }
        let out_dir = self.dir.clone();
        let summary = table::render(analysis, &correlation, self.taxonomy, out_dir.as_deref());
        let Some(dir) = out_dir else {
            self.write_findings(&correlation, None)?;
            return Ok(Finished {
                correlation,
                summary,
            });
        };
        let files = self.write_findings(&correlation, Some(&dir))?;
        let mut pending = files;
        pending.extend(write_reports(
            &dir,
            analysis,
            &correlation,
            self.taxonomy,
            &summary,
            self.csv_bom,
        )?);
        // Everything is complete before anything is renamed into place; the manifest,
        // naming each file with its digest, goes last.
        atomic::commit_set(&dir, pending, |reports| {
            manifest::render(&manifest::document(analysis, &correlation, run, reports))
        })?;
        Ok(Finished {
            correlation,
            summary,
        })
    }

    /// Merges the sorted rows into `findings.csv`, `findings.jsonl` and stdout.
    fn write_findings(
        &mut self,
        correlation: &Correlation,
        dir: Option<&Path>,
    ) -> Result<Vec<AtomicFile>, ReportError> {
        let in_background = |file: AtomicFile| {
            let path = file.path().to_owned();
            BackgroundFile::spawn(file).map_err(io_err(path))
        };
        let mut files = match dir {
            Some(d) => Some((
                in_background(create_csv(d, "findings.csv", self.csv_bom)?)?,
                in_background(AtomicFile::create(d, "findings.jsonl")?)?,
            )),
            None => None,
        };
        let header = csv::findings_header();
        let stdout_err = |source| ReportError::Io {
            path: PathBuf::from("<stdout>"),
            source,
        };
        // Error paths are built only on an error: this loop runs once per finding.
        let file_err = |f: &BackgroundFile| {
            let path = f.path().to_owned();
            move |source| ReportError::Io { path, source }
        };
        if let Some((csv_file, _)) = &mut files {
            csv_file
                .write_all(&header)
                .map_err(|e| file_err(csv_file)(e))?;
        }
        write_stdout(&mut self.stdout, &header).map_err(stdout_err)?;
        let index = correlation.index();
        let rows = std::mem::replace(&mut self.rows, SortedRows::new(None));
        let spill_err = |source| ReportError::Io {
            path: dir.map_or_else(std::env::temp_dir, Path::to_owned),
            source,
        };
        let (mut csv_line, mut json_line) = (Vec::new(), Vec::new());
        for row in rows.finish().map_err(spill_err)? {
            let row = row.map_err(spill_err)?;
            let incident = incident_of(&index, &row);
            let precise = (row.key.time != i64::MAX).then_some((row.key.time, row.subsec));
            let position = row.key.position;
            let r = &row.rendered;
            csv::with_incident(
                (&r.csv, r.csv_split),
                position,
                incident,
                row.request_id,
                row.record_id,
                precise,
                &mut csv_line,
            );
            if let Some((csv_file, json_file)) = &mut files {
                csv_file
                    .write_all(&csv_line)
                    .map_err(|e| file_err(csv_file)(e))?;
                jsonl::with_incident(
                    (&r.json, r.json_split),
                    position,
                    incident,
                    row.request_id,
                    row.record_id,
                    precise,
                    &mut json_line,
                );
                json_file
                    .write_all(&json_line)
                    .map_err(|e| file_err(json_file)(e))?;
            }
            write_stdout(&mut self.stdout, &csv_line).map_err(stdout_err)?;
        }
        if let Some(out) = &mut self.stdout {
            if let Err(e) = out.flush() {
                closed_pipe_or(e, &mut self.stdout).map_err(stdout_err)?;
            }
        }
        let Some((csv_file, json_file)) = files else {
            return Ok(Vec::new());
        };
        let finish = |f: BackgroundFile| {
            let path = f.path().to_owned();
            f.finish().map_err(io_err(path))
        };
        Ok(vec![finish(csv_file)?, finish(json_file)?])
    }
}

/// Writes to stdout while it is open. A reader that closed it (`| head`) wanted no more:
/// stdout is dropped and the reports under `--out` are still written.
fn write_stdout(stdout: &mut Option<Box<dyn Write + '_>>, bytes: &[u8]) -> std::io::Result<()> {
    match stdout {
        Some(out) => match out.write_all(bytes) {
            Err(e) => closed_pipe_or(e, stdout),
            ok => ok,
        },
        None => Ok(()),
    }
}

/// `Ok` (and stdout closed) for a broken pipe, else the error.
fn closed_pipe_or(
    e: std::io::Error,
    stdout: &mut Option<Box<dyn Write + '_>>,
) -> std::io::Result<()> {
    if e.kind() != std::io::ErrorKind::BrokenPipe {
        return Err(e);
    }
    *stdout = None;
    Ok(())
}

fn incident_of(index: &crate::correlate::IncidentIndex, row: &Row) -> Option<u32> {
    if row.key.time == i64::MAX {
        return None;
    }
    let key = SeriesKey {
        category: CategoryId(row.facts.category),
        side: if row.facts.side == Side::Requester as u8 {
            Side::Requester
        } else {
            Side::Responder
        },
        server: row.key.server.clone(),
    };
    index.find(&key, row.key.time)
}

impl FindingSink for Outputs<'_> {
    fn finding(&mut self, f: &Finding, file: &str) -> Result<(), ReportError> {
        self.correlator.add(f);
        // Rows are formatted and sorted only for a findings file or CSV on stdout: a run
        // printing the table or JSON without --out needs the correlator's counts alone.
        if self.rows() == RowKinds::None {
            return Ok(());
        }
        self.push(f, file)
    }

    fn rows(&self) -> RowKinds {
        Self::kinds(self.dir.is_some(), self.stdout.is_some())
    }

    fn series(&self) -> Option<Series> {
        Some(self.correlator.empty_series())
    }

    fn folded(&mut self, series: Series, rows: Vec<Row>, base: u64) -> Result<(), ReportError> {
        self.correlator.merge(series, base);
        for mut row in rows {
            row.key.position += base;
            self.push_row(row)?;
        }
        Ok(())
    }
}

/// Writes every report but the findings files, uncommitted.
fn write_reports(
    dir: &Path,
    analysis: &Analysis,
    correlation: &Correlation,
    taxonomy: &Taxonomy,
    summary: &str,
    bom: bool,
) -> Result<Vec<AtomicFile>, ReportError> {
    let mut files = Vec::new();
    let f = create_csv(dir, "summary.csv", bom)?;
    files.push(csv::write_summary(f, &analysis.aggregates, taxonomy).map_err(csv_err(dir))?);
    let f = create_csv(dir, "inventory.csv", bom)?;
    files.push(csv::write_inventory(f, &analysis.inputs).map_err(csv_err(dir))?);
    let f = create_csv(dir, "incidents.csv", bom)?;
    files.push(correlation::write_incidents(f, correlation, taxonomy).map_err(csv_err(dir))?);
    let f = create_csv(dir, "timeline.csv", bom)?;
    files.push(correlation::write_timeline(f, correlation, taxonomy).map_err(csv_err(dir))?);
    let f = create_csv(dir, "coverage.csv", bom)?;
    files.push(correlation::write_coverage(f, correlation).map_err(csv_err(dir))?);
    let f = AtomicFile::create(dir, "rejected.txt")?;
    files.push(
        rejected::write_rejected(f, &analysis.inputs).map_err(io_err(dir.join("rejected.txt")))?,
    );
    let mut f = AtomicFile::create(dir, "summary.txt")?;
    f.write_all(crate::sanitize::file_text(summary).as_bytes())
        .map_err(io_err(dir.join("summary.txt")))?;
    files.push(f);
    let mut f = AtomicFile::create(dir, "report.html")?;
    f.write_all(html::render(analysis, correlation, taxonomy).as_bytes())
        .map_err(io_err(dir.join("report.html")))?;
    files.push(f);
    Ok(files)
}
