//! Resource limits on input decoding. Each is hit only by hostile or broken input, and every
//! hit is reported as a problem of that input, never silently.

/// Largest decompressed size of one `.gz` file or archive entry. Real IIS logs roll over
/// daily and reach a few GiB on the busiest front ends; 64 GiB leaves room for those while
/// stopping a decompression bomb long before it fills a disk-sized stream.
pub const MAX_EXPANDED_BYTES: u64 = 64 << 30;

/// Largest expansion ratio past the first [`RATIO_GRACE_BYTES`]. Text logs compress 10–30×
/// with deflate; bombs reach 1000× and more.
pub const MAX_EXPANSION_RATIO: u64 = 200;

/// Output allowed before the ratio is checked (small inputs can have odd ratios).
pub const RATIO_GRACE_BYTES: u64 = 16 << 20;

/// Bytes read to detect an input's format.
pub const SNIFF_BYTES: usize = 64 << 10;

/// Target size of one unit of parallel work: large enough to amortize the per-chunk setup,
/// small enough that two threads get many chunks of one file and memory stays bounded
/// (chunks in flight × this).
pub const CHUNK_BYTES: usize = 4 << 20;

/// Nested archives are opened up to this depth (a zip inside a zip inside the bundle).
pub const MAX_ARCHIVE_DEPTH: usize = 3;

/// Largest nested archive read into memory to be opened (a nested zip needs random access).
pub const MAX_NESTED_ARCHIVE_BYTES: u64 = 512 << 20;

/// All nested archives held in memory at once (they stay for the whole run, as their
/// members are read later): a bundle of many inner zips cannot take more than this. Real
/// bundles nest one zip per server, well below it.
pub const MAX_NESTED_TOTAL_BYTES: u64 = 1 << 30;

/// Longest W3C line accepted as a record. IIS truncates its own lines far below this (long
/// query strings run to a few KiB); longer ones are garbage (a NUL-filled region left by a
/// crash) or an attack and are rejected. Readers keep at most one byte more of a line than
/// this, skipping and counting the rest, so memory stays bounded by it.
pub const MAX_LINE_BYTES: usize = 1 << 20;
