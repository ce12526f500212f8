//! The `fbscope` binary: parse flags, run, map the result to an exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match fbscope::cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            let code = if e.use_stderr() {
                fbscope::cli::EXIT_ERROR
            } else {
                fbscope::cli::EXIT_OK
            };
            return ExitCode::from(code);
        }
    };
    match fbscope::cli::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("fbscope: error: {e:#}");
            ExitCode::from(fbscope::cli::EXIT_ERROR)
        }
    }
}
