//! What a panic prints. A panic in fbscope is a bug: the message says so and what to send,
//! cleaned for the terminal (it can quote input). A panic that a caller expects and turns
//! into a rejection (the `evtx` crate on some hostile files) prints nothing.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};

thread_local! {
    /// Set while [`quietly`] runs a closure on this thread.
    static EXPECTED: Cell<bool> = const { Cell::new(false) };
}

/// Installs the panic message for the whole process.
pub fn install_hook() {
    panic::set_hook(Box::new(|info| {
        if EXPECTED.with(Cell::get) {
            return;
        }
        let at = info
            .location()
            .map_or_else(String::new, |l| format!(" at {}:{}", l.file(), l.line()));
        let payload = info.payload();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        eprintln!(
            "fbscope: internal error{at}: {}\n\
             This is a bug in fbscope; please report it with the command line and, if you can, \
             the input that caused it.",
            crate::sanitize::terminal(&what)
        );
    }));
}

/// Runs `f`, catching a panic without a message: for calls into code known to panic on
/// some inputs, whose caller reports the failure itself.
pub fn quietly<R>(f: impl FnOnce() -> R) -> std::thread::Result<R> {
    let before = EXPECTED.with(|e| e.replace(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    EXPECTED.with(|e| e.set(before));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quietly_catches_and_restores_the_flag() {
        assert!(quietly(|| panic!("expected")).is_err());
        assert_eq!(quietly(|| 7).unwrap(), 7);
        assert!(!EXPECTED.with(Cell::get));
    }
}
