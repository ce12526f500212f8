//! IIS W3C extended logs and HTTP.sys HTTPERR logs (the same directive format).

pub mod header;
pub mod layout;
pub mod record;
pub mod scan;
pub mod split;
