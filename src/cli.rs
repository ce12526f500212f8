//! Command-line flags (clap) and their translation into a validated [`Config`]; the commands
//! themselves, mapped to exit codes.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{Config, EventTime, Filter};
use crate::correlate::{timeline, CorrelateOptions};
use crate::error::ConfigError;
use crate::grammar::{check, Grammar};
use crate::host::HostId;
use crate::parse::eventlog::EventTz;
use crate::pipeline;
use crate::report::color::{self, ColorWhen};
use crate::report::manifest::RunInfo;
use crate::report::{json, Outputs, StdoutFormat};

/// Exit code: the run completed (with or without findings).
pub const EXIT_OK: u8 = 0;
/// Exit code: findings were found and `--fail-on-findings` was given.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code: a usage error, or an input could not be read completely.
pub const EXIT_ERROR: u8 = 2;

const EXIT_CODES_HELP: &str = "Exit codes:\n  0  the run completed (with or without findings); explain: the text was classified\n  1  findings were found and --fail-on-findings was given; explain: nothing matched\n  2  usage error, or an input could not be read completely (named in the problems)";

#[derive(Debug, Parser)]
#[command(name = "fbscope", version = crate::version::LONG, about = "Find, classify and explain Exchange federated free/busy failures in IIS, HTTPERR and event logs", after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read logs (files, folders, globs, .gz, .zip) and report free/busy failures.
    #[command(after_help = EXIT_CODES_HELP)]
    Analyze(Box<AnalyzeArgs>),
    /// Explain one error message, event (General text), IIS log line or Test-* output: prints
    /// the taxonomy id first, then why and what to do. Exit 0 when classified, 1 when not.
    Explain(ExplainArgs),
    /// Work with the rule files.
    Grammars {
        #[command(subcommand)]
        command: GrammarsCommand,
    },
    /// Print a shell completion script (bash: `fbscope completions bash >
    /// /etc/bash_completion.d/fbscope`; PowerShell: `fbscope completions powershell >> $PROFILE`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) on stdout, or with --dir write fbscope.1 and a page per
    /// command (fbscope-analyze.1, ...) there.
    Man {
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum GrammarsCommand {
    /// Load and compile every rule and run its examples; prints N/M passed.
    Check {
        /// Extra rule files (a file named like a shipped one replaces it).
        #[arg(long, value_name = "DIR")]
        grammars: Option<PathBuf>,
        /// The real-case corpus to run as well (default: ./tests/cases when present, as in a
        /// checkout of fbscope).
        #[arg(long, value_name = "DIR")]
        cases: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The text to explain; read from stdin when absent or "-".
    #[arg(value_name = "TEXT")]
    pub text: Option<String>,
    /// Time zone of pasted local event times (Event Viewer General text, CSV): an IANA
    /// name, a Windows zone name ("W. Europe Standard Time", with its daylight saving time),
    /// UTC or an offset (+01:00). Without it they are read as UTC and explain says so.
    #[arg(long = "event-tz", value_name = "ZONE")]
    pub event_tz: Option<String>,
    /// Extra rule files (a file named like a shipped one replaces it).
    #[arg(long, value_name = "DIR")]
    pub grammars: Option<PathBuf>,
}

/// Largest text `explain` reads from stdin: a pasted event or a short export, not a log.
const EXPLAIN_MAX_BYTES: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Csv,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Log files, directories (searched recursively), globs, .gz files or .zip bundles.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<String>,
    /// Write findings.csv, summary.csv, inventory.csv and rejected.txt here (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// What to print on stdout: a summary table, a JSON document, or the findings CSV.
    #[arg(long, value_enum, default_value = "table")]
    pub format: FormatArg,
    /// Worker threads (default: all cores). Output is identical for any value.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Only free/busy requests at or after this UTC time (2026-03-02T09:00:00Z, 2026-03-02
    /// 09:00:00, 2026-03-02) or this long ago (-3d, 12h, 90m). IIS logs named u_exYYMMDD[HH]
    /// outside the window are not read at all (pruned, and counted).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only free/busy requests at or before this UTC time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<String>,
    /// Only these servers (repeatable).
    #[arg(long = "server", value_name = "NAME")]
    pub servers: Vec<String>,
    /// Server name for inputs whose path and fields do not name one.
    #[arg(long, value_name = "NAME")]
    pub server_name: Option<String>,
    /// Extra rule files (a file named like a shipped one replaces it).
    #[arg(long, value_name = "DIR")]
    pub grammars: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Exit with code 1 when there are findings (for scripts).
    #[arg(long)]
    pub fail_on_findings: bool,
    /// Bytes per unit of parallel work (for testing chunk boundaries).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub chunk_size: Option<usize>,
    /// Time zone of event exports with local times (Event Viewer CSV/TXT, General text):
    /// an IANA name (Europe/Berlin), a Windows zone name as Get-TimeZone or tzutil /g print it
    /// ("W. Europe Standard Time": mapped to its IANA zone by the Unicode CLDR table, so
    /// daylight saving time applies per date), UTC or a fixed offset (+01:00, no DST).
    /// PATH=ZONE sets it for the
    /// inputs under PATH or matching the glob PATH (repeatable). Without it, those times are
    /// read as UTC and the reports say so. EVTX and XML carry UTC already.
    #[arg(long = "event-tz", value_name = "[PATH=]ZONE")]
    pub event_tz: Vec<String>,
    /// Day/month order of numeric dates in event exports (3/4/2026); by default decided per
    /// file from all its dates.
    #[arg(long, value_name = "dmy|mdy")]
    pub date_order: Option<String>,
    /// Timeline bucket (1m, 5m, 15m, 1h, 1d); by default chosen from the span (at most 300).
    #[arg(long, value_name = "WIDTH")]
    pub bucket: Option<String>,
    /// Findings of one category on one server further apart than this start a new incident
    /// (minutes, or 30s / 15m / 2h).
    #[arg(long, value_name = "DURATION", default_value = "15m")]
    pub incident_gap: String,
    /// How far apart the two sides of a failure may be (clock skew and window) and still be
    /// linked (minutes, or 90s / 5m).
    #[arg(long, value_name = "DURATION", default_value = "5m")]
    pub skew: String,
    /// HOST=SERVER: requests to HOST are answered by SERVER (links requester and responder
    /// incidents when the IIS logs do not name the host in cs-host; repeatable).
    #[arg(long = "host-map", value_name = "HOST=SERVER")]
    pub host_map: Vec<String>,
    /// Findings each incident keeps as examples for the reports.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub examples: usize,
    /// Severity colours in the terminal summary: auto (only on a terminal, and not when
    /// NO_COLOR is set to a non-empty value or TERM=dumb), always, never. Files never get them.
    #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
    pub color: ColorArg,
    /// Start the CSV files under --out with a UTF-8 byte order mark, so that Excel opening
    /// one by double-click reads it as UTF-8 and keeps non-ASCII text (names, messages).
    /// Off by default: a BOM becomes part of the first column's name for tools that do not
    /// expect one. The CSV on stdout (--format csv) never gets one.
    #[arg(long)]
    pub csv_bom: bool,
    /// List the inputs in run.json by size and modification time only, without their
    /// SHA-256: hashing reads every input once more (about 2 s of CPU per 2 GB), which a
    /// quick look at a large bundle may skip; a post-mortem should keep it.
    #[arg(long)]
    pub no_hash: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    Auto,
    Always,
    Never,
}

impl From<ColorArg> for ColorWhen {
    fn from(c: ColorArg) -> Self {
        match c {
            ColorArg::Auto => ColorWhen::Auto,
            ColorArg::Always => ColorWhen::Always,
            ColorArg::Never => ColorWhen::Never,
        }
    }
}

/// Parses `90s`, `15m`, `2h`, `1d` or a bare number of minutes into seconds.
fn parse_duration(flag: &'static str, value: &str) -> Result<i64, ConfigError> {
    let v = value.trim();
    let (digits, unit) = match v.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => v.split_at(i),
        None => (v, "m"),
    };
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match digits.parse::<i64>() {
        Ok(n) if scale > 0 => Ok(n.saturating_mul(scale)),
        _ => Err(ConfigError::BadDuration {
            flag,
            value: value.to_owned(),
        }),
    }
}

impl AnalyzeArgs {
    /// Validates the correlation flags.
    pub fn correlate_options(&self) -> Result<CorrelateOptions, ConfigError> {
        let bucket = match &self.bucket {
            None => None,
            Some(b) => Some(timeline::parse_bucket(b).ok_or(ConfigError::BadBucket(b.clone()))?),
        };
        let mut host_map = Vec::new();
        for pair in &self.host_map {
            match pair.split_once('=') {
                Some((h, s)) if !h.trim().is_empty() && !s.trim().is_empty() => {
                    host_map.push((h.trim().to_ascii_lowercase(), HostId::resolve(s)))
                }
                _ => return Err(ConfigError::BadHostMap(pair.clone())),
            }
        }
        Ok(CorrelateOptions {
            incident_gap: parse_duration("incident-gap", &self.incident_gap)?,
            skew: parse_duration("skew", &self.skew)?,
            bucket,
            host_map,
            examples: self.examples.max(1),
        })
    }

    /// Validates the flags into a configuration.
    pub fn to_config(&self) -> Result<Config, ConfigError> {
        if self.paths.is_empty() {
            return Err(ConfigError::NoInputs);
        }
        let mut config = Config::new(self.paths.clone());
        if let Some(n) = self.threads {
            if n == 0 {
                return Err(ConfigError::BadThreads);
            }
            config.set_threads(n);
        }
        let time = |flag, v: &Option<String>| match v {
            None => Ok(None),
            Some(s) => crate::time::parse_user_time(s)
                .map(Some)
                .ok_or(ConfigError::BadTime {
                    flag,
                    value: s.clone(),
                }),
        };
        config.filter = Filter {
            since: time("since", &self.since)?,
            until: time("until", &self.until)?,
            servers: self.servers.iter().map(|s| HostId::resolve(s)).collect(),
        };
        if let (Some(s), Some(u)) = (config.filter.since, config.filter.until) {
            if s > u {
                return Err(ConfigError::InvertedWindow {
                    since: crate::time::format_utc(s),
                    until: crate::time::format_utc(u),
                });
            }
        }
        config.server_name = self.server_name.clone();
        config.grammar_dir = self.grammars.clone();
        config.out_dir = self.out.clone();
        config.hash_inputs = !self.no_hash;
        config.progress = !self.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr());
        if let Some(c) = self.chunk_size {
            config.chunk_bytes = c.max(1);
        }
        config.event_time = self.event_time()?;
        Ok(config)
    }

    fn event_time(&self) -> Result<EventTime, ConfigError> {
        let mut time = EventTime::default();
        let mut plain: Option<&str> = None;
        for value in &self.event_tz {
            let zone_of = |z: &str| {
                EventTz::parse(z).map_err(|reason| ConfigError::BadEventTz {
                    value: value.clone(),
                    reason,
                })
            };
            match value.rsplit_once('=') {
                Some((path, zone)) if !path.trim().is_empty() => {
                    time.per_path.push((path.trim().to_owned(), zone_of(zone)?));
                }
                _ => {
                    let zone = value.trim_start_matches('=');
                    if let Some(first) = plain {
                        return Err(ConfigError::TwoEventTz {
                            first: first.to_owned(),
                            second: zone.to_owned(),
                        });
                    }
                    time.zone = zone_of(zone)?;
                    plain = Some(zone);
                }
            }
        }
        if let Some(order) = &self.date_order {
            time.date_order = Some(order.parse().map_err(|reason| ConfigError::BadDateOrder {
                value: order.clone(),
                reason,
            })?);
        }
        Ok(time)
    }
}

/// Runs a parsed command line; returns the exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Analyze(args) => analyze(&args),
        Command::Explain(args) => explain(&args),
        Command::Grammars {
            command: GrammarsCommand::Check { grammars, cases },
        } => grammars_check(grammars, cases),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir.as_deref()),
    }
}

fn completions(shell: clap_complete::Shell) -> anyhow::Result<u8> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Into memory first: clap_complete panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "fbscope", &mut script);
    let mut out = std::io::stdout().lock();
    out.write_all(&script)?;
    out.flush()?;
    Ok(EXIT_OK)
}

fn man(dir: Option<&std::path::Path>) -> anyhow::Result<u8> {
    let cmd = <Cli as clap::CommandFactory>::command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(cmd, dir))
                .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(EXIT_OK)
}

fn load_grammar(dir: Option<&std::path::Path>) -> anyhow::Result<Grammar> {
    Grammar::with_dir(dir).map_err(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        anyhow::anyhow!(
            "the grammar files have {} error(s):\n  {}",
            list.len(),
            list.join("\n  ")
        )
    })
}

fn analyze(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let config = args.to_config()?;
    let correlate = args.correlate_options()?;
    for note in &config.notes {
        eprintln!("fbscope: note: {note}");
    }
    let grammar = load_grammar(config.grammar_dir.as_deref())?;
    let format = match args.format {
        FormatArg::Table => StdoutFormat::Table,
        FormatArg::Json => StdoutFormat::Json,
        FormatArg::Csv => StdoutFormat::Csv,
    };
    crate::report::atomic::remove_temps_on_interrupt();
    let stdout = Box::new(std::io::BufWriter::new(std::io::stdout().lock()));
    let mut outputs = Outputs::open(
        &grammar.taxonomy,
        config.out_dir_hint(&args.out),
        format,
        stdout,
        &correlate,
    )?
    .with_csv_bom(args.csv_bom);
    let mut analysis = pipeline::analyze(&config, &grammar, &mut outputs)?;
    let run = RunInfo::from_env(config.filter.since, config.filter.until);
    let finished = outputs.finish(&mut analysis, &correlate, &run)?;
    let printed = print_result(args, format, &analysis, &finished, &grammar);
    // A reader that closed stdout (`| head`) wanted no more; the run itself completed (its
    // reports are committed): it ends with the run's own code.
    match printed {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other?,
    }
    Ok(if analysis.any_input_failed() {
        EXIT_ERROR
    } else if args.fail_on_findings && analysis.totals.findings > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Prints what `--format` asks for on stdout (the summary goes to stderr with `csv`).
fn print_result(
    args: &AnalyzeArgs,
    format: StdoutFormat,
    analysis: &pipeline::Analysis,
    finished: &crate::report::Finished,
    grammar: &Grammar,
) -> std::io::Result<()> {
    let color = ColorWhen::from(args.color);
    let mut out = std::io::stdout().lock();
    match format {
        StdoutFormat::Table => {
            let wanted = color.wanted_for(out.is_terminal());
            color::write_summary(&mut out, &finished.summary, wanted)?;
        }
        StdoutFormat::Json => {
            json::write_document(&mut out, analysis, &finished.correlation, &grammar.taxonomy)?;
        }
        StdoutFormat::Csv => {
            if !args.quiet {
                let err = std::io::stderr().lock();
                let wanted = color.wanted_for(err.is_terminal());
                color::write_summary(err, &finished.summary, wanted)?;
            }
        }
    }
    out.flush()
}

fn explain(args: &ExplainArgs) -> anyhow::Result<u8> {
    let grammar = load_grammar(args.grammars.as_deref())?;
    let text = match args.text.as_deref() {
        Some(t) if t != "-" => t.to_owned(),
        _ => read_stdin()?,
    };
    let mut events = crate::parse::eventlog::EventParseOptions::default();
    if let Some(zone) = &args.event_tz {
        events.tz = EventTz::parse(zone)
            .map_err(|reason| anyhow::anyhow!("--event-tz {zone:?}: {reason}"))?;
    }
    let explanation = crate::explain::explain_with(&grammar, &text, &events);
    let mut out = std::io::stdout().lock();
    out.write_all(explanation.render(&grammar).as_bytes())?;
    out.flush()?;
    Ok(if explanation.classified() {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}

fn read_stdin() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(EXPLAIN_MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > EXPLAIN_MAX_BYTES {
        anyhow::bail!(
            "explain reads at most {EXPLAIN_MAX_BYTES} bytes; give one event or message (use analyze for logs)"
        );
    }
    Ok(decode_text(&bytes))
}

/// UTF-8 (BOM dropped) or UTF-16LE with BOM, as Windows tools paste; invalid bytes replaced.
fn decode_text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    String::from_utf8_lossy(bytes).into_owned()
}

fn grammars_check(dir: Option<PathBuf>, cases_dir: Option<PathBuf>) -> anyhow::Result<u8> {
    let grammar = load_grammar(dir.as_deref())?;
    let mut out = std::io::stdout().lock();
    // Every regex, not only those the examples reach (`analyze` compiles them on first use).
    if let Err(errors) = grammar.compile_patterns() {
        for e in &errors {
            writeln!(out, "FAIL {}", crate::sanitize::terminal(&e.to_string()))?;
        }
        out.flush()?;
        return Ok(EXIT_ERROR);
    }
    let results = check::run(&grammar);
    let passed = results.iter().filter(|r| r.passed).count();
    for r in results.iter().filter(|r| !r.passed) {
        use crate::sanitize::terminal;
        writeln!(
            out,
            "FAIL {} ({}): {}\n     {}",
            terminal(&r.rule),
            terminal(&r.origin),
            terminal(&r.message),
            terminal(&r.input)
        )?;
    }
    writeln!(
        out,
        "{}/{} examples passed ({} categories, {} web rules, {} event rules)",
        passed,
        results.len(),
        grammar.taxonomy.len(),
        grammar.iis_rules.len(),
        grammar.event_rules.len()
    )?;
    let cases_ok = check_cases(&mut out, &grammar, cases_dir)?;
    out.flush()?;
    Ok(if passed == results.len() && cases_ok {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}

/// Runs the real-case corpus when given or found; prints `cases: N/M passed (F files)`.
fn check_cases(
    out: &mut dyn Write,
    grammar: &Grammar,
    dir: Option<PathBuf>,
) -> anyhow::Result<bool> {
    use crate::grammar::cases;
    use crate::sanitize::terminal;
    let dir = match dir {
        Some(d) => d,
        None => {
            let d = PathBuf::from(cases::DEFAULT_DIR);
            if !d.is_dir() {
                writeln!(
                    out,
                    "cases: none ({} not found; --cases DIR runs a corpus)",
                    d.display()
                )?;
                return Ok(true);
            }
            d
        }
    };
    let files = cases::load_dir(&dir).map_err(|e| anyhow::anyhow!("case corpus: {e}"))?;
    let problems = cases::validate(grammar, &files);
    for p in &problems {
        writeln!(out, "BAD  {}", terminal(p))?;
    }
    let outcomes = cases::run(grammar, &files);
    let passed = outcomes.iter().filter(|o| o.passed).count();
    for o in outcomes.iter().filter(|o| !o.passed) {
        writeln!(
            out,
            "FAIL {}: expected {}, got {}",
            terminal(&o.name),
            o.expected,
            o.got
        )?;
    }
    writeln!(
        out,
        "cases: {passed}/{} passed ({} files in {})",
        outcomes.len(),
        files.len(),
        dir.display()
    )?;
    Ok(problems.is_empty() && passed == outcomes.len())
}
