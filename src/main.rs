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
    fbscope::panics::install_hook();
    // A panic is a bug; it still ends the run with the documented "did not complete" code
    // (its message was printed by the hook, temp files were removed as the stack unwound).
    match std::panic::catch_unwind(|| fbscope::cli::run(cli)) {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(e)) => {
            let error: &(dyn std::error::Error + 'static) = e.as_ref();
            // A reader that closed stdout (`| head`) wanted no more: not an error.
            if fbscope::error::is_broken_pipe(error) {
                return ExitCode::from(fbscope::cli::EXIT_OK);
            }
            // Errors quote paths and file contents: no escape sequence reaches the terminal.
            let message = fbscope::error::chain_message(error);
            let message = fbscope::sanitize::terminal_lines(&message);
            eprintln!("fbscope: error: {message}");
            ExitCode::from(fbscope::cli::EXIT_ERROR)
        }
        Err(_) => ExitCode::from(fbscope::cli::EXIT_ERROR),
    }
}
