//! Reports: the one door for bytes out. Files under `--out` are written atomically; stdout
//! gets the table, JSON or findings CSV.

pub mod atomic;
pub mod csv;
pub mod json;
pub mod rejected;
pub mod table;
pub mod verdict;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::ReportError;
use crate::finding::Finding;
use crate::grammar::Taxonomy;
use crate::pipeline::Analysis;

use self::csv::FindingsCsv;
use atomic::AtomicFile;

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
    findings_file: Option<FindingsCsv<AtomicFile>>,
    findings_stdout: Option<FindingsCsv<Box<dyn Write + 't>>>,
}

fn csv_err(path: &Path) -> impl Fn(::csv::Error) -> ReportError + '_ {
    move |source| ReportError::Csv {
        path: path.to_owned(),
        source,
    }
}

impl<'t> Outputs<'t> {
    /// Prepares outputs before any input is read, so an unwritable `--out` fails at once.
    pub fn open(
        taxonomy: &'t Taxonomy,
        dir: Option<&Path>,
        format: StdoutFormat,
        stdout: Box<dyn Write + 't>,
    ) -> Result<Self, ReportError> {
        let findings_file = match dir {
            Some(dir) => {
                let stale = atomic::prepare_dir(dir)?;
                if stale > 0 {
                    eprintln!("fbscope: removed {stale} temporary file(s) an interrupted run left in the output folder");
                }
                let file = AtomicFile::create(dir, "findings.csv")?;
                Some(FindingsCsv::new(file).map_err(csv_err(dir))?)
            }
            None => None,
        };
        let findings_stdout = match format {
            StdoutFormat::Csv => {
                Some(FindingsCsv::new(stdout).map_err(csv_err(Path::new("<stdout>")))?)
            }
            _ => None,
        };
        Ok(Outputs {
            taxonomy,
            dir: dir.map(Path::to_owned),
            findings_file,
            findings_stdout,
        })
    }

    /// Writes one finding wherever findings go.
    pub fn finding(&mut self, f: &Finding, file: &str) -> Result<(), ReportError> {
        if let Some(w) = &mut self.findings_file {
            w.write(f, file, self.taxonomy)
                .map_err(csv_err(Path::new("findings.csv")))?;
        }
        if let Some(w) = &mut self.findings_stdout {
            w.write(f, file, self.taxonomy)
                .map_err(csv_err(Path::new("<stdout>")))?;
        }
        Ok(())
    }

    /// Writes the summary files and commits everything.
    pub fn finish(self, analysis: &Analysis) -> Result<(), ReportError> {
        if let Some(w) = self.findings_stdout {
            w.finish().map_err(csv_err(Path::new("<stdout>")))?;
        }
        let (Some(dir), Some(findings)) = (self.dir, self.findings_file) else {
            return Ok(());
        };
        let summary = AtomicFile::create(&dir, "summary.csv")?;
        let summary = csv::write_summary(summary, &analysis.aggregates, self.taxonomy)
            .map_err(csv_err(&dir))?;
        let inventory = AtomicFile::create(&dir, "inventory.csv")?;
        let inventory = csv::write_inventory(inventory, &analysis.inputs).map_err(csv_err(&dir))?;
        let mut summary_txt = AtomicFile::create(&dir, "summary.txt")?;
        summary_txt
            .write_all(table::render(analysis, self.taxonomy).as_bytes())
            .map_err(|source| ReportError::Io {
                path: dir.join("summary.txt"),
                source,
            })?;
        let rejected = AtomicFile::create(&dir, "rejected.txt")?;
        let rejected = rejected::write_rejected(rejected, &analysis.inputs).map_err(|source| {
            ReportError::Io {
                path: dir.join("rejected.txt"),
                source,
            }
        })?;
        findings.finish().map_err(csv_err(&dir))?.commit()?;
        summary.commit()?;
        inventory.commit()?;
        summary_txt.commit()?;
        rejected.commit()
    }
}
