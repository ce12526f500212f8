//! End-to-end throughput and memory benchmark of `fbscope analyze` on one large IIS log.
//!
//! ```text
//! cargo run --release --example gen-iis -- --bytes 2G --out /tmp/big.log
//! cargo run --release --example bench-iis -- /tmp/big.log
//! ```
//! Prints, per thread count: the best and median wall time of five runs, MB/s, lines/s, the
//! findings found, and the ratio to the best of three `wc -l` on the same (page-cached) file;
//! then the 1→2 thread speed-up (best times) and the peak resident memory of this process
//! (Linux: VmHWM; elsewhere "n/a"). The analysis runs in-process with the same library call
//! the CLI makes, full line accounting and classification included.
//!
//! When `rg` (ripgrep: `cargo install ripgrep`) and `mawk` (`apt install mawk`) are on the
//! PATH it also times the fastest correct answer an engineer types by hand, best of three:
//! `rg -i -N '^#Fields|wssecurity' FILE | mawk -f by_hour.awk` (WSSecurity failures per hour,
//! following `#Fields` changes; the script is [`BY_HOUR_AWK`]), and prints fbscope's ratio
//! to it.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use fbscope::config::Config;
use fbscope::grammar::Grammar;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(file) = args.first() else {
        eprintln!("usage: bench-iis FILE [THREADS...]   (default threads: 1 2)");
        std::process::exit(2);
    };
    let threads: Vec<usize> = match args[1..]
        .iter()
        .map(|a| a.parse())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(t) if !t.is_empty() => t,
        Ok(_) => vec![1, 2],
        Err(e) => {
            eprintln!("bad thread count: {e}");
            std::process::exit(2);
        }
    };
    let size = std::fs::metadata(file)
        .map(|m| m.len())
        .unwrap_or_else(|e| {
            eprintln!("{file}: {e}");
            std::process::exit(2)
        });
    warm_page_cache(Path::new(file));
    let wc = time_wc(file);
    let grammar = Grammar::embedded().expect("shipped grammars compile");
    println!("file: {file} ({:.2} GB)", size as f64 / 1e9);
    if let Some(wc) = wc {
        println!(
            "wc -l: {:.3} s ({:.0} MB/s)",
            wc.as_secs_f64(),
            size as f64 / 1e6 / wc.as_secs_f64()
        );
    }
    let mut walls = Vec::new();
    for &t in &threads {
        let mut runs: Vec<Duration> = (0..RUNS).map(|_| run_once(file, t, &grammar)).collect();
        runs.sort();
        report(t, runs[0], runs[RUNS / 2], size, wc);
        walls.push((t, runs[0]));
    }
    if let (Some(&(1, one)), Some(&(2, two))) = (
        walls.iter().find(|w| w.0 == 1),
        walls.iter().find(|w| w.0 == 2),
    ) {
        println!(
            "speed-up 1 -> 2 threads: {:.2}x",
            one.as_secs_f64() / two.as_secs_f64()
        );
    }
    match time_rg_mawk(file) {
        Some(pipe) => {
            println!(
                "rg | mawk: {:.3} s ({:.0} MB/s)",
                pipe.as_secs_f64(),
                size as f64 / 1e6 / pipe.as_secs_f64()
            );
            for (t, best) in &walls {
                println!(
                    "threads {t}: {:.2}x the rg | mawk pipeline",
                    best.as_secs_f64() / pipe.as_secs_f64()
                );
            }
        }
        None => println!("rg | mawk: n/a (rg or mawk not on the PATH)"),
    }
    println!("peak RSS: {}", peak_rss().unwrap_or_else(|| "n/a".into()));
}

/// WSSecurity failures (status 400 and up) per hour, with the columns taken from each
/// `#Fields` line: what an engineer writes to answer the question by hand.
pub const BY_HOUR_AWK: &str = r#"/^#[Ff]ields:/ { delete col; for (i = 2; i <= NF; i++) col[$i] = i - 1; next }
/^#/ { next }
("sc-status" in col) && $(col["sc-status"]) >= 400 {
  split($(col["time"]), t, ":"); n[$(col["date"]) " " t[1]]++
}
END { for (h in n) print h, n[h] }
"#;

/// Best of three runs of the `rg | mawk` pipeline, when both tools exist.
fn time_rg_mawk(file: &str) -> Option<Duration> {
    let found = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    };
    // mawk prints its version with -W version.
    let mawk = Command::new("mawk")
        .args(["-W", "version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found("rg") || !mawk {
        return None;
    }
    let script = std::env::temp_dir().join(format!("fbscope-by-hour-{}.awk", std::process::id()));
    std::fs::write(&script, BY_HOUR_AWK).ok()?;
    let pipeline = r#"rg -i -N '^#Fields|wssecurity' "$1" | mawk -f "$2" > /dev/null"#;
    let best = (0..3)
        .filter_map(|_| {
            let started = Instant::now();
            let ok = Command::new("sh")
                .args(["-c", pipeline, "sh", file])
                .arg(&script)
                .status()
                .ok()?
                .success();
            ok.then(|| started.elapsed())
        })
        .min();
    let _ = std::fs::remove_file(&script);
    best
}

/// Runs per thread count; the best is reported with the median beside it.
const RUNS: usize = 5;

static TOTALS: std::sync::OnceLock<fbscope::tally::Tally> = std::sync::OnceLock::new();
static FINDINGS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn run_once(file: &str, threads: usize, grammar: &Grammar) -> Duration {
    let mut config = Config::new(vec![file.to_owned()]);
    config.threads = threads;
    let mut findings = 0u64;
    let started = Instant::now();
    let analysis = fbscope::pipeline::analyze(
        &config,
        grammar,
        &mut |_: &fbscope::finding::Finding, _: &str| {
            findings += 1;
            Ok(())
        },
    )
    .expect("analysis runs");
    let wall = started.elapsed();
    assert!(analysis.totals.is_balanced(), "every line accounted");
    let first = TOTALS.get_or_init(|| analysis.totals.clone());
    assert_eq!(
        first, &analysis.totals,
        "same counts for every run and thread count"
    );
    FINDINGS.store(findings, std::sync::atomic::Ordering::Relaxed);
    wall
}

fn report(threads: usize, best: Duration, median: Duration, size: u64, wc: Option<Duration>) {
    let t = TOTALS.get().expect("ran");
    let secs = best.as_secs_f64();
    let findings = FINDINGS.load(std::sync::atomic::Ordering::Relaxed);
    let ratio = wc.map_or_else(
        || "n/a".into(),
        |w| format!("{:.2}x wc -l", secs / w.as_secs_f64()),
    );
    println!(
        "threads {threads}: best {secs:.3} s (median {:.3} s), {:.0} MB/s, {:.1} M lines/s, {} lines, {} rejected, {findings} findings, {ratio}",
        median.as_secs_f64(),
        size as f64 / 1e6 / secs,
        t.lines as f64 / 1e6 / secs,
        t.lines,
        t.rejected
    );
}

/// Reads the file once so every run (and `wc -l`) sees it page-cached.
fn warm_page_cache(path: &Path) {
    use std::io::Read;
    let mut buf = vec![0u8; 1 << 20];
    if let Ok(mut f) = std::fs::File::open(path) {
        while matches!(f.read(&mut buf), Ok(n) if n > 0) {}
    }
}

/// Best of three `wc -l` runs, when `wc` exists.
fn time_wc(file: &str) -> Option<Duration> {
    (0..3)
        .filter_map(|_| {
            let started = Instant::now();
            let ok = Command::new("wc")
                .arg("-l")
                .arg(file)
                .output()
                .ok()?
                .status
                .success();
            ok.then(|| started.elapsed())
        })
        .min()
}

/// Peak resident set size of this process (Linux `VmHWM`).
fn peak_rss() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}
