//! Input discovery and decoding: paths → inputs (files, `.gz`, zip entries) → bytes.
//!
//! This is the one door for bytes coming in: everything that opens a file or decodes an
//! archive lives here, with the limits that keep hostile input bounded.

pub mod chunk;
pub mod decode;
pub mod discover;
pub mod evidence;
pub mod limits;
pub mod origin;
pub mod sniff;
pub mod stream;
pub mod tarball;
pub mod zipdir;

pub use discover::{discover, Discovery};
pub use origin::{Input, Origin};
pub use sniff::Format;
