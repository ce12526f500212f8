//! Severity colours in the terminal summary (`--color auto|always|never`, `NO_COLOR`).
//!
//! The summary is rendered as plain text (it is also `summary.txt`, and its lines are
//! wrapped by character count); colour is laid over it only where it is printed, and only
//! on fixed tokens fbscope writes itself: the `[severity]` of each failure heading and the
//! `failed:` of an input problem. Log text in the summary has passed the terminal
//! sanitizer, so it holds no escape sequence of its own. The bytes go out through
//! `anstream`, which on a legacy Windows console turns the styles into console calls.

use std::ffi::OsStr;
use std::io::Write;
use std::sync::OnceLock;

use anstyle::{AnsiColor, Style};
use regex::Regex;

/// When to colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorWhen {
    /// When the output is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
    #[default]
    Auto,
    /// Always (also into a pipe or a file; overrides `NO_COLOR`, as an explicit flag does).
    Always,
    Never,
}

impl ColorWhen {
    /// Resolves the choice for an output: whether it `is_terminal`, and the values of the
    /// `NO_COLOR` and `TERM` variables (<https://no-color.org>: present and not empty turns
    /// colour off).
    pub fn wanted(self, is_terminal: bool, no_color: Option<&OsStr>, term: Option<&OsStr>) -> bool {
        match self {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                is_terminal
                    && no_color.is_none_or(OsStr::is_empty)
                    && term.is_none_or(|t| t != "dumb")
            }
        }
    }

    /// [`ColorWhen::wanted`] for an output, from this process's environment.
    pub fn wanted_for(self, is_terminal: bool) -> bool {
        let no_color = std::env::var_os("NO_COLOR");
        let term = std::env::var_os("TERM");
        self.wanted(is_terminal, no_color.as_deref(), term.as_deref())
    }
}

/// The style of a taxonomy severity.
fn severity_style(severity: &str) -> Style {
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    match severity {
        "critical" => red.bold(),
        "error" => red,
        "warning" => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        _ => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
    }
}

/// `  3. category-id [severity] ...`: a failure heading of the verdict.
fn heading() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^  \d+\. \S+ \[([a-z]+)\]").expect("valid pattern"))
}

/// The summary with its severity tokens styled (ANSI SGR sequences).
pub fn paint(summary: &str) -> String {
    let mut out = String::with_capacity(summary.len() + 256);
    for line in summary.split_inclusive('\n') {
        if let Some(sev) = heading().captures(line).and_then(|c| c.get(1)) {
            let style = severity_style(sev.as_str());
            out.push_str(&line[..sev.start() - 1]);
            out.push_str(&format!("{style}[{}]{style:#}", sev.as_str()));
            out.push_str(&line[sev.end() + 1..]);
        } else if let Some(rest) = line.strip_prefix("  failed: ") {
            let style = severity_style("error");
            out.push_str(&format!("  {style}failed:{style:#} {rest}"));
        } else {
            out.push_str(line);
        }
    }
    out
}

/// Writes the summary to `out`, coloured when `color` (through `anstream`, so a Windows
/// console without ANSI support gets console colours instead of escape codes).
pub fn write_summary<W: anstream::stream::RawStream + anstream::stream::AsLockedWrite>(
    out: W,
    summary: &str,
    color: bool,
) -> std::io::Result<()> {
    if color {
        let mut stream = anstream::AutoStream::always(out);
        stream.write_all(paint(summary).as_bytes())?;
        stream.flush()
    } else {
        let mut out = out;
        out.write_all(summary.as_bytes())?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color_or_a_dumb_term() {
        let auto = ColorWhen::Auto;
        assert!(auto.wanted(true, None, Some(OsStr::new("xterm-256color"))));
        assert!(!auto.wanted(false, None, None));
        assert!(!auto.wanted(true, Some(OsStr::new("1")), None));
        assert!(
            auto.wanted(true, Some(OsStr::new("")), None),
            "empty NO_COLOR is unset"
        );
        assert!(!auto.wanted(true, None, Some(OsStr::new("dumb"))));
        assert!(ColorWhen::Always.wanted(false, Some(OsStr::new("1")), None));
        assert!(!ColorWhen::Never.wanted(true, None, None));
    }

    #[test]
    fn only_severities_and_failed_problems_are_painted() {
        let plain = "Verdict: 1\n\n  1. token-processing [critical] 09:31:44Z: stale [error]\n     fix: x [warning]\n  failed: a.zip: damaged\n  note: b.log: skipped\n";
        let painted = paint(plain);
        assert!(
            painted.contains(
                "  1. token-processing \x1b[1m\x1b[31m[critical]\x1b[0m 09:31:44Z: stale [error]\n"
            ),
            "{painted:?}"
        );
        assert!(painted.contains("     fix: x [warning]\n"));
        assert!(painted.contains("  \x1b[31mfailed:\x1b[0m a.zip: damaged\n"));
        assert!(painted.contains("  note: b.log: skipped\n"));
        let stripped: String = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(stripped, plain);
    }
}
