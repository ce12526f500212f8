//! Turning command-line paths (files, directories, globs) into a sorted list of inputs,
//! opening zip archives (also nested ones) into their members.

use std::collections::HashMap;

use crate::host::HostId;
use std::fs::File;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use walkdir::WalkDir;

use super::evidence::SourceFile;
use super::limits::{
    MAX_ARCHIVE_DEPTH, MAX_EXPANDED_BYTES, MAX_EXPANSION_RATIO, MAX_NESTED_ARCHIVE_BYTES,
    MAX_NESTED_TOTAL_BYTES, RATIO_GRACE_BYTES,
};
use super::origin::{ArcBytes, Codec, Container, Input, Origin};
use super::stream::{is_stream_path, Stream};
use super::tarball::{self, is_tar, TAR_HEADER_BYTES};
use super::zipdir;
use crate::error::{InputError, MISSING};
use crate::problem::{Problem, Severity};

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZIP_MAGIC: [u8; 4] = *b"PK\x03\x04";

/// The inputs found, and the problems met while looking.
#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub problems: Vec<Problem>,
    /// The files (and streams) the arguments led to, in the order found: an archive is one.
    pub sources: Vec<SourceFile>,
    /// Bytes of nested archives held in memory (see [`MAX_NESTED_TOTAL_BYTES`]).
    nested_in_memory: u64,
    /// The expansion budget of the outermost zip being opened (shared by the archives
    /// nested in it).
    budget: ExpansionBudget,
    /// A zip is being opened: a zip met now is nested in it and shares its budget. A zip in a
    /// tar that no zip holds is outermost (a tar's entries are not compressed by the tar).
    in_zip: bool,
}

/// How much the members of one archive (its nested archives included) may expand to,
/// from the sizes its directory declares. Each member is also bounded as it is read, but a
/// thousand members each under the per-member grace would still expand without limit;
/// the budget is checked before anything is read, so the result is the same for any
/// `--threads`. The sizes declared are held to: a member that decodes to more fails.
#[derive(Debug, Default)]
struct ExpansionBudget {
    limit: u64,
    spent: u64,
}

impl ExpansionBudget {
    /// For a top-level archive of `stored` bytes: the ratio limit past the grace, at most
    /// the limit of one member.
    fn for_archive(stored: u64) -> Self {
        let limit = stored
            .saturating_mul(MAX_EXPANSION_RATIO)
            .clamp(RATIO_GRACE_BYTES, MAX_EXPANDED_BYTES);
        ExpansionBudget { limit, spent: 0 }
    }

    /// Takes `declared` bytes from the budget; `false` when they do not fit. The first
    /// member always fits: alone, it is bounded as it is read.
    fn take(&mut self, declared: u64) -> bool {
        let fits = self.spent == 0 || self.spent.saturating_add(declared) <= self.limit;
        if fits {
            self.spent = self.spent.saturating_add(declared);
        }
        fits
    }
}

/// Expands `paths` into inputs. `fallback_server` names the server of inputs whose path does
/// not say it. Fails only when nothing at all was found.
pub fn discover(paths: &[String], fallback_server: Option<&str>) -> Result<Discovery, InputError> {
    discover_excluding(paths, fallback_server, None)
}

/// [`discover`], leaving out what lies in the folder `out` (the run's own `--out`: its old
/// reports and temp files are not evidence, even when it sits inside an input folder).
pub fn discover_excluding(
    paths: &[String],
    fallback_server: Option<&str>,
    out: Option<&Path>,
) -> Result<Discovery, InputError> {
    let mut found = Discovery::default();
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    let out = out.and_then(|o| std::fs::canonicalize(o).ok());
    let mut out_skipped = 0usize;
    for arg in paths {
        if arg == STDIN_ARG {
            found.sources.push(stream_source(STDIN_DISPLAY));
            add_stream(Stream::stdin(), STDIN_DISPLAY.to_owned(), &mut found);
            continue;
        }
        for file in expand(arg, &mut found.problems) {
            // Overlapping arguments (a folder and a file in it, `dir dir/*`) or two links to
            // one file would count its lines and findings twice.
            let identity = std::fs::canonicalize(&file).unwrap_or_else(|_| file.clone());
            if out.as_ref().is_some_and(|o| identity.starts_with(o)) {
                out_skipped += 1;
                continue;
            }
            if let Some(first) = seen.get(&identity) {
                found.problems.push(Problem::note(
                    display_path(&file),
                    format!("the same file as {first}: read once"),
                ));
                continue;
            }
            seen.insert(identity, display_path(&file));
            add_file(&file, &mut found);
        }
    }
    if out_skipped > 0 {
        let out = out.as_deref().map_or_else(String::new, display_path);
        found.problems.push(Problem::note(
            out,
            format!("skipped: {out_skipped} file(s) in the --out folder (fbscope's own reports are not evidence)"),
        ));
    }
    found.inputs.sort_by(|a, b| a.display.cmp(&b.display));
    found.sources.sort_by(|a, b| a.display.cmp(&b.display));
    for input in &mut found.inputs {
        let (server, site) = identity_from_path(&input.display);
        input.server = HostId::resolve(server.or(fallback_server).unwrap_or_default());
        input.site = site.unwrap_or_default();
    }
    if found.inputs.is_empty() {
        if let Some(missing) = all_missing(&found.problems) {
            return Err(InputError::Missing(missing));
        }
        // The problems met say why (a refused archive, a path that does not exist): they
        // go with the error, which is all that is printed.
        let mut what = paths.join(" ");
        for p in found.problems.iter().take(10) {
            // One line each: a newline in a name must not forge lines of the message.
            let shown = crate::sanitize::name_text(&p.to_string()).into_owned();
            what += &format!("\n  {}: {shown}", p.severity_str());
        }
        return Err(InputError::NothingFound(what));
    }
    Ok(found)
}

/// The paths, when every problem met is a path that does not exist: then that is the whole
/// error, each path said once.
fn all_missing(problems: &[Problem]) -> Option<Vec<String>> {
    let missing = |p: &&Problem| p.severity == Severity::Failed && p.message == MISSING;
    if problems.is_empty() || !problems.iter().all(|p| missing(&p)) {
        return None;
    }
    let shown = problems
        .iter()
        .map(|p| crate::sanitize::name_text(&p.input).into_owned());
    Some(shown.collect())
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The argument that names standard input.
pub const STDIN_ARG: &str = "-";
/// How standard input is shown in reports.
pub const STDIN_DISPLAY: &str = "<stdin>";

/// One argument → the files it names.
fn expand(arg: &str, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let path = Path::new(arg);
    if path.is_dir() {
        return walk(path, problems);
    }
    match path.try_exists() {
        Ok(true) => return vec![path.to_owned()],
        // Unknown (a folder on the way cannot be searched): the OS says why.
        Err(e) if !has_glob_chars(arg) => {
            problems.push(Problem::failed(arg, e.to_string()));
            return Vec::new();
        }
        _ if !has_glob_chars(arg) => {
            problems.push(Problem::failed(arg, MISSING));
            return Vec::new();
        }
        _ => {}
    }
    match glob::glob(arg) {
        Ok(paths) => {
            let (mut files, mut matched) = (Vec::new(), 0);
            for p in paths {
                matched += 1;
                match p {
                    Ok(p) if p.is_dir() => files.extend(walk(&p, problems)),
                    Ok(p) => files.push(p),
                    Err(e) => problems.push(Problem::failed(arg, e.to_string())),
                }
            }
            if matched == 0 {
                problems.push(Problem::note(
                    arg,
                    "warning: the pattern matches no file: nothing read for it",
                ));
            }
            files
        }
        Err(e) => {
            problems.push(Problem::failed(arg, format!("bad glob pattern: {e}")));
            Vec::new()
        }
    }
}

/// All files below a directory. Symlinks are followed (bundles are often assembled with
/// them), except into `/proc` or `/sys` and to a folder that holds the walk's root or the link
/// (a loop): those are listed as skipped. Pipes, sockets and devices met in a walk are listed
/// as skipped too (opening a FIFO nobody writes would wait forever).
fn walk(dir: &Path, problems: &mut Vec<Problem>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let root = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    let walker = WalkDir::new(dir).follow_links(true).sort_by_file_name();
    let mut entries = walker.into_iter();
    while let Some(entry) = entries.next() {
        let e = match entry {
            Ok(e) => e,
            Err(e) => {
                problems.push(walk_error(dir, &e));
                continue;
            }
        };
        if let Some(why) = not_followed(&e, &root) {
            problems.push(Problem::note(display_path(e.path()), why));
            if e.file_type().is_dir() {
                entries.skip_current_dir();
            }
        } else if e.file_type().is_file() {
            files.push(e.into_path());
        } else if !e.file_type().is_dir() {
            problems.push(Problem::note(
                display_path(e.path()),
                "skipped: not a regular file (a pipe, socket or device); name it alone to read it as a stream",
            ));
        }
    }
    files
}

/// A link into the system's views of processes and devices: `/proc/self/root` is the whole
/// file system, `/proc/self/cwd` wherever fbscope runs, and `/proc/kmsg` never ends.
const SYSTEM_LINK: &str =
    "skipped: a link into /proc or /sys (process and kernel information, not logs): not followed";
/// A link to a folder that holds the walk's root or the link itself: followed, the walk would
/// go round (a loop) or out of the tree (`ln -s .. up`).
const LOOP_LINK: &str = "skipped: a link to a folder that holds it or the folder walked (a symbolic link loop): not followed";

/// Why an entry met in a walk is not followed or entered, if it is not.
fn not_followed(e: &walkdir::DirEntry, root: &Path) -> Option<&'static str> {
    if e.depth() == 0 {
        return None;
    }
    if e.path_is_symlink() {
        return refused_link(e.path(), root);
    }
    // `fbscope analyze /` itself comes to /proc without a link.
    (e.file_type().is_dir() && is_system_view(&std::fs::canonicalize(e.path()).ok()?))
        .then_some("skipped: /proc or /sys (process and kernel information, not logs): not entered")
}

/// Why the symbolic link `link` is not followed, if it is not. Its own target is judged
/// before it is resolved (resolved, `/proc/self/root` is `/`), then where it resolves to.
fn refused_link(link: &Path, root: &Path) -> Option<&'static str> {
    if link_target(link).is_some_and(|t| is_system_view(&t)) {
        return Some(SYSTEM_LINK);
    }
    let resolved = std::fs::canonicalize(link).ok()?;
    if is_system_view(&resolved) {
        return Some(SYSTEM_LINK);
    }
    let folder = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
    let holds = |p: &Path| p.starts_with(&resolved);
    (holds(root) || folder.as_deref().is_some_and(holds)).then_some(LOOP_LINK)
}

/// Where a link points, its folder resolved but not its last component.
fn link_target(link: &Path) -> Option<PathBuf> {
    let joined = link.parent()?.join(std::fs::read_link(link).ok()?);
    match (joined.parent(), joined.file_name()) {
        (Some(dir), Some(name)) => Some(std::fs::canonicalize(dir).ok()?.join(name)),
        _ => std::fs::canonicalize(&joined).ok(), // `..`, `/`
    }
}

/// Is `path` in `/proc` or `/sys` (on systems that have them)?
fn is_system_view(path: &Path) -> bool {
    cfg!(unix) && (path.starts_with("/proc") || path.starts_with("/sys"))
}

/// A walk error as a problem: a loop is a note (the rest is read), anything else a failure.
fn walk_error(dir: &Path, e: &walkdir::Error) -> Problem {
    let at = e.path().map_or_else(|| display_path(dir), display_path);
    if e.loop_ancestor().is_some() {
        return Problem::note(at, LOOP_LINK);
    }
    let why = e
        .io_error()
        .map_or_else(|| e.to_string(), |io| io.to_string());
    Problem::failed(at, why)
}

fn read_magic(mut r: impl Read) -> std::io::Result<[u8; 4]> {
    let mut magic = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match r.read(&mut magic[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(magic)
}

/// A path as reports show it: with `/` between components on every system, so that reports,
/// snapshots and scripts that match on paths are the same on Windows as on Linux.
fn display_path(path: &Path) -> String {
    let shown = path.display().to_string();
    if cfg!(windows) {
        shown.replace('\\', "/")
    } else {
        shown // a backslash is an ordinary file-name character here
    }
}

fn add_file(path: &Path, found: &mut Discovery) {
    let display = display_path(path);
    if is_stream_path(path) {
        found.sources.push(stream_source(&display));
        match Stream::open(path) {
            Ok(stream) => add_stream(stream, display, found),
            Err(e) => found.problems.push(Problem::failed(display, e.to_string())),
        }
        return;
    }
    let opened = File::open(path).and_then(|f| {
        let meta = f.metadata()?;
        Ok((read_magic(f)?, meta.len(), meta.modified().ok()))
    });
    let (magic, len, modified) = match opened {
        Ok(v) => v,
        Err(e) => return found.problems.push(Problem::failed(display, e.to_string())),
    };
    found.sources.push(SourceFile {
        display: display.clone(),
        path: Some(path.to_owned()),
        size: Some(len),
        modified,
    });
    if magic == ZIP_MAGIC {
        match File::open(path) {
            Ok(f) => add_archive(f, Container::Disk(path.to_owned()), &display, 1, found),
            Err(e) => found.problems.push(Problem::failed(display, e.to_string())),
        }
        return;
    }
    let input = Input {
        modified,
        ..Input::file(display, path.to_owned(), false, len)
    };
    // Depth 0, as a stream's: a tar's entries are then at 1, as a zip's members are (a tar
    // of collector zips holding zips is three archives deep, as a zip of them is).
    add_member(input, 0, found);
}

fn stream_source(display: &str) -> SourceFile {
    SourceFile {
        display: display.to_owned(),
        path: None,
        size: None,
        modified: None,
    }
}

/// Standard input or a pipe: read once, as a stream (a zip needs random access, so a zip
/// arriving this way is read into memory like a nested one).
fn add_stream(stream: Arc<Stream>, display: String, found: &mut Discovery) {
    let input = Input {
        origin: Origin::Stream(stream),
        ..Input::file(display, PathBuf::new(), false, 0)
    };
    add_member(input, 0, found);
}

/// Adds a zip's members; the outermost zip (on disk, in memory from a stream, or in a tar
/// no zip holds) starts the expansion budget that the archives nested in it share.
fn add_archive<R: Read + std::io::Seek>(
    mut reader: R,
    container: Container,
    display: &str,
    depth: usize,
    found: &mut Discovery,
) {
    let outer = !std::mem::replace(&mut found.in_zip, true);
    if outer {
        let stored = reader.seek(std::io::SeekFrom::End(0)).unwrap_or(0);
        found.budget = ExpansionBudget::for_archive(stored);
    }
    add_zip_members(reader, container, display, depth, found);
    if outer {
        found.in_zip = false;
    }
}

fn add_zip_members<R: Read + std::io::Seek>(
    mut reader: R,
    container: Container,
    display: &str,
    depth: usize,
    found: &mut Discovery,
) {
    let names = zipdir::central_names(&mut reader);
    let mut archive = match zip::ZipArchive::new(reader) {
        Ok(a) => a,
        Err(e) => {
            return found.problems.push(Problem::failed(
                display,
                format!("not a readable zip archive: {e}"),
            ))
        }
    };
    report_duplicates(display, names.as_deref(), found);
    let extents = zipdir::Extents::of(&mut archive);
    let (mut files, mut folders) = (0usize, 0usize);
    for i in 0..archive.len() {
        let member = match archive.by_index_raw(i) {
            Ok(m) => m,
            Err(e) => {
                found
                    .problems
                    .push(Problem::failed(display, format!("zip member {i}: {e}")));
                continue;
            }
        };
        if member.is_dir() {
            folders += 1;
            continue;
        }
        files += 1;
        let name = format!("{display}!{}", member.name());
        if let Err(why) = readable(&member, extents.overlap(i)) {
            found.problems.push(Problem::failed(name, why));
            continue;
        }
        if !found.budget.take(member.size()) {
            let why = format!(
                "the archive's members would expand to more than {} bytes ({MAX_EXPANSION_RATIO}:1 \
                 of its size): not read (a zip bomb, or extract it and pass the folder)",
                found.budget.limit
            );
            found.problems.push(Problem::failed(name, why));
            continue;
        }
        let origin = Origin::Member {
            container: container.clone(),
            data_start: member.data_start(),
            compressed_size: member.compressed_size(),
            codec: Codec::of_zip(member.compression(), member.size()).unwrap_or(Codec::Stored),
            check: Some((member.crc32(), member.size())),
        };
        let input = Input {
            origin,
            ..Input::file(name, PathBuf::new(), false, member.compressed_size())
        };
        drop(member);
        add_member(input, depth, found);
    }
    if files == 0 {
        let what = match folders {
            0 => "the archive is empty: nothing to read".to_owned(),
            n => format!("the archive holds only folders ({n}), no file: nothing to read"),
        };
        found.problems.push(Problem::failed(display, what));
    }
}

/// Why a zip member cannot be read, if it cannot: each is missing evidence (a failure).
fn readable<R: Read>(
    member: &zip::read::ZipFile<'_, R>,
    overlap: Option<usize>,
) -> Result<(), String> {
    if member.encrypted() {
        return Err("encrypted zip member: not read (fbscope takes no passwords); extract it with its password and pass the file".into());
    }
    if let Some(other) = overlap {
        return Err(format!(
            "zip member's data overlaps member {other}'s (the overlapping-entries zip bomb): not read"
        ));
    }
    match Codec::of_zip(member.compression(), member.size()) {
        Some(_) => Ok(()),
        None => Err(format!(
            "zip compression {:?} is not read (fbscope reads stored, deflate, deflate64, bzip2, zstd and LZMA members): extract the archive and pass the folder",
            member.compression()
        )),
    }
}

/// Members that share a name: the zip reader keeps only the last of them, so the others
/// would be lost without a word; each name is a failed input.
fn report_duplicates(display: &str, names: Option<&[String]>, found: &mut Discovery) {
    let Some(names) = names else { return };
    let mut count: HashMap<&str, usize> = HashMap::new();
    for n in names {
        *count.entry(n.as_str()).or_default() += 1;
    }
    let mut dups: Vec<(&str, usize)> = count.into_iter().filter(|&(_, c)| c > 1).collect();
    dups.sort_unstable();
    for (name, n) in dups {
        found.problems.push(Problem::failed(
            format!("{display}!{name}"),
            format!(
                "the archive holds {n} members with this name: only the last is read, {} not (extract them under distinct names)",
                n - 1
            ),
        ));
    }
}

/// Looks at an input's first bytes: a nested zip or a tar (plain or gzip-compressed) is
/// opened, gzip is flagged; anything else is an input.
fn add_member(mut input: Input, depth: usize, found: &mut Discovery) {
    let head = match input
        .open_raw()
        .and_then(|r| read_head(r, TAR_HEADER_BYTES))
    {
        Ok(h) => h,
        Err(e) => {
            return found
                .problems
                .push(Problem::failed(input.display, e.to_string()))
        }
    };
    input.gzip = head.starts_with(&GZIP_MAGIC);
    // A tar, or a gzip whose decoded bytes are one (.tar.gz, .tgz).
    let tar = || {
        is_tar(&head)
            || input.gzip
                && input
                    .open()
                    .and_then(|r| read_head(r, TAR_HEADER_BYTES))
                    .is_ok_and(|h| is_tar(&h))
    };
    let kind = if head.starts_with(&ZIP_MAGIC) {
        Some(Nested::Zip)
    } else if tar() {
        Some(Nested::Tar)
    } else {
        None
    };
    let Some(kind) = kind else {
        found.inputs.push(input);
        return;
    };
    if depth >= MAX_ARCHIVE_DEPTH {
        let msg = format!("nested archive deeper than {MAX_ARCHIVE_DEPTH} levels: not opened");
        return found.problems.push(Problem::failed(input.display, msg));
    }
    if let (Nested::Tar, Origin::File(path), false) = (&kind, &input.origin, input.gzip) {
        // A plain tar on disk is read where it lies, like a zip.
        let path = path.clone();
        return match File::open(&path) {
            Ok(f) => add_tar(f, Container::Disk(path), &input.display, depth, found),
            Err(e) => found
                .problems
                .push(Problem::failed(input.display, e.to_string())),
        };
    }
    match read_nested(&input, MAX_NESTED_TOTAL_BYTES - found.nested_in_memory) {
        Ok(bytes) => {
            let (size, inputs_before) = (bytes.len() as u64, found.inputs.len());
            found.nested_in_memory += size;
            let bytes = Arc::new(bytes);
            let cursor = Cursor::new(ArcBytes(bytes.clone()));
            let container = Container::Memory(bytes);
            match kind {
                Nested::Zip => add_archive(cursor, container, &input.display, depth + 1, found),
                Nested::Tar => add_tar(cursor, container, &input.display, depth, found),
            }
            if found.inputs.len() == inputs_before {
                // Nothing refers to the bytes (a broken or empty inner archive): they are freed.
                found.nested_in_memory -= size;
            }
        }
        Err(msg) => found.problems.push(Problem::failed(input.display, msg)),
    }
}

/// The archives opened inside other inputs.
enum Nested {
    Zip,
    Tar,
}

/// Adds a tar's entries (each looked at again: a zip or `.gz` inside is opened).
fn add_tar<R: Read + std::io::Seek>(
    reader: R,
    container: Container,
    display: &str,
    depth: usize,
    found: &mut Discovery,
) {
    let listed = tarball::entries(reader, &container, display);
    found.problems.extend(listed.problems);
    for input in listed.inputs {
        add_member(input, depth + 1, found);
    }
}

/// Up to `n` first bytes.
fn read_head(r: impl Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Reads a nested archive into memory, if it fits both the size limit for one and the
/// `room` left of the budget for all.
fn read_nested(input: &Input, room: u64) -> Result<Vec<u8>, String> {
    let cap = MAX_NESTED_ARCHIVE_BYTES.min(room);
    let mut bytes = Vec::new();
    let reader = input.open().map_err(|e| e.to_string())?;
    reader
        .take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 <= cap {
        return Ok(bytes);
    }
    Err(if cap == MAX_NESTED_ARCHIVE_BYTES {
        format!("nested archive larger than {MAX_NESTED_ARCHIVE_BYTES} bytes: not opened")
    } else {
        format!(
            "nested archives held in memory would pass {MAX_NESTED_TOTAL_BYTES} bytes: not \
             opened (unzip the bundle and pass the folder)"
        )
    })
}

/// Server and IIS site from a path, in the layouts real bundles have:
/// - `.../<SERVER>/W3SVC1/u_ex*.log`, `.../<SERVER>/HTTPERR/...` (hand-made bundles);
/// - CSS-Exchange's ExchangeLogCollector: `<SERVER>-<Md>.zip` holding `<SERVER>/IIS_W3SVC1_Logs`,
///   `IIS_W3SVC2_Logs`, `HTTPERR_Logs` (each possibly zipped again, `IIS_W3SVC1_Logs.zip`) and
///   `Windows_Event_Logs/Windows-Logs/...`; the server folder may be missing inside the zip
///   (`ZipFile.CreateFromDirectory` leaves the base folder out), then the zip's name says it;
/// - a server's own tree: `<SERVER>/[C$/]inetpub/logs/LogFiles/W3SVC1/...`.
pub fn identity_from_path(display: &str) -> (Option<&str>, Option<String>) {
    let parts: Vec<&str> = display
        .split(['/', '\\', '!'])
        .filter(|p| !p.is_empty())
        .collect();
    let Some(i) = parts.iter().rposition(|p| log_dir(p).is_some()) else {
        return (None, None);
    };
    let site = match log_dir(parts[i]) {
        Some(LogDir::Site(n)) => Some(format!("W3SVC{n}")),
        _ => None,
    };
    (server_before(&parts, i), site)
}

/// A folder that holds one kind of log.
#[derive(Debug, PartialEq, Eq)]
enum LogDir<'a> {
    /// `W3SVC<n>` or the collector's `IIS_W3SVC<n>_Logs`: the IIS site's number.
    Site(&'a str),
    /// `HTTPERR` or `HTTPERR_Logs`.
    HttpErr,
    /// The collector's `Windows_Event_Logs`.
    Events,
}

fn log_dir(part: &str) -> Option<LogDir<'_>> {
    let name = strip_suffix_ci(part, ".zip").unwrap_or(part);
    let collector = strip_prefix_ci(name, "iis_").and_then(|n| strip_suffix_ci(n, "_logs"));
    let site = collector.unwrap_or(name);
    if let Some(n) = strip_prefix_ci(site, "w3svc") {
        if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) {
            return Some(LogDir::Site(n));
        }
    }
    let plain = strip_suffix_ci(name, "_logs").unwrap_or(name);
    if plain.eq_ignore_ascii_case("httperr") {
        return Some(LogDir::HttpErr);
    }
    name.eq_ignore_ascii_case("windows_event_logs")
        .then_some(LogDir::Events)
}

/// The server of an event export whose records do not name it (Event Viewer CSV/TXT have no
/// Computer column): `<SERVER>_Application.xml` as ExchangeLogCollector names its exports, or
/// the folder it sits in when that looks like a host name (starts with a letter, has a digit
/// or a '-': `FABRIKAM-EX01/Application.csv`, not `logs/` or `2026-03-02/`).
pub fn server_from_event_file(display: &str) -> HostId {
    let mut parts = display.rsplit(['/', '\\', '!']).filter(|p| !p.is_empty());
    let file = parts.next().unwrap_or_default();
    if let Some((server, _)) = file.split_once('_') {
        if looks_like_host(server) {
            return HostId::resolve(server);
        }
    }
    HostId::resolve(
        parts
            .next()
            .filter(|dir| looks_like_host(dir))
            .unwrap_or_default(),
    )
}

fn looks_like_host(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.contains(|c: char| c.is_ascii_digit() || c == '-')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The server named before the log folder at `i`: the folder above it (past an
/// `inetpub/logs/LogFiles` chain and a drive share, and past log folders of an outer
/// layer), or the collector zip's `<SERVER>-<Md>.zip` name.
fn server_before<'a>(parts: &[&'a str], i: usize) -> Option<&'a str> {
    let mut j = i;
    let is = |k: usize, name: &str| parts[k].eq_ignore_ascii_case(name);
    if j >= 3 && is(j - 1, "logfiles") && is(j - 2, "logs") && is(j - 3, "inetpub") {
        j -= 3;
        if j > 0 && is_drive(parts[j - 1]) {
            j -= 1;
        }
    }
    while j > 0 && log_dir(parts[j - 1]).is_some() {
        j -= 1;
    }
    let candidate = parts.get(j.checked_sub(1)?)?;
    if is_generic_dir(candidate) {
        return None;
    }
    Some(collector_zip_server(candidate).unwrap_or(candidate))
}

/// `EXCH01-1202.zip` (or `EXCH01-1202-1.zip`, the collector's second run that day) → `EXCH01`,
/// `EXCH01.zip` → `EXCH01`; a folder name (no `.zip`) is kept whole.
fn collector_zip_server(part: &str) -> Option<&str> {
    let stem = strip_suffix_ci(part, ".zip")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((head, last)) = stem.rsplit_once('-') else {
        return Some(stem);
    };
    let server = match head.rsplit_once('-') {
        Some((server, md)) if digits(md) && digits(last) => server,
        _ if digits(last) && (2..=4).contains(&last.len()) => head,
        _ => return Some(stem),
    };
    (!server.is_empty()).then_some(server)
}

/// `C$`, `D$`, `C:` between a server folder and `inetpub`.
fn is_drive(part: &str) -> bool {
    let b = part.as_bytes();
    b.len() == 2 && b[0].is_ascii_alphabetic() && matches!(b[1], b'$' | b':')
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    let tail = s.get(cut..)?;
    tail.eq_ignore_ascii_case(suffix).then(|| &s[..cut])
}

/// Folder names that sit between a server folder and its logs and are not server names.
fn is_generic_dir(name: &str) -> bool {
    ["logfiles", "logs", "iis", "inetpub", "."]
        .iter()
        .any(|g| name.eq_ignore_ascii_case(g))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_archives_past_the_memory_budget_are_not_opened() {
        let inner = Input::from_bytes("outer.zip!inner.zip", vec![b'P'; 4096]);
        assert_eq!(read_nested(&inner, 4096).unwrap().len(), 4096);
        let refused = read_nested(&inner, 4095).unwrap_err();
        assert!(
            refused.starts_with(&format!(
                "nested archives held in memory would pass {MAX_NESTED_TOTAL_BYTES} bytes"
            )),
            "{refused}"
        );
    }

    #[test]
    fn non_ascii_folder_names_are_not_sites_and_do_not_panic() {
        assert_eq!(identity_from_path("Журнал/u_ex1.log"), (None, None));
        assert_eq!(
            identity_from_path("SRV/W3SVé/x.log"),
            (None, None),
            "a multi-byte character across the prefix's end"
        );
        assert_eq!(identity_from_path("ééé/x"), (None, None));
    }

    #[test]
    fn event_exports_name_their_server_by_file_or_folder() {
        let s = server_from_event_file;
        assert_eq!(s("samples/FABRIKAM-EX01/Application.csv"), "FABRIKAM-EX01");
        assert_eq!(s("bundle.zip!EXCH01_Application.xml"), "EXCH01");
        assert_eq!(s(r"C:\logs\ex02.contoso.com\app.evtx"), "EX02");
        assert_eq!(s("samples/Application.csv"), "");
        assert_eq!(s("2026-03-02/Application.csv"), "");
        assert_eq!(s("Application.csv"), "");
    }

    #[test]
    fn reads_server_and_site_from_paths() {
        assert_eq!(
            identity_from_path("bundle/EXCH01/W3SVC1/u_ex260302.log"),
            (Some("EXCH01"), Some("W3SVC1".to_owned()))
        );
        assert_eq!(
            identity_from_path("b.zip!EXCH02/HTTPERR/httperr1.log"),
            (Some("EXCH02"), None)
        );
        assert_eq!(
            identity_from_path(r"C:\logs\x\w3svc2\u_ex.log"),
            (Some("x"), Some("W3SVC2".to_owned()))
        );
        assert_eq!(
            identity_from_path("LogFiles/W3SVC1/u.log"),
            (None, Some("W3SVC1".to_owned()))
        );
        assert_eq!(identity_from_path("u_ex.log"), (None, None));
    }

    #[test]
    fn reads_server_and_site_from_collector_and_inetpub_layouts() {
        let id = |p| identity_from_path(p);
        let site = |n: &str| Some(n.to_owned());
        assert_eq!(
            id("b/EXCH01-1202.zip!EXCH01/IIS_W3SVC1_Logs/u_ex260302.log"),
            (Some("EXCH01"), site("W3SVC1"))
        );
        assert_eq!(
            id("EXCH01-1202.zip!EXCH01/IIS_W3SVC2_Logs.zip!u_ex260302.log"),
            (Some("EXCH01"), site("W3SVC2"))
        );
        assert_eq!(
            id("EXCH01-1202.zip!IIS_W3SVC2_Logs.zip!W3SVC2/u_ex260302.log"),
            (Some("EXCH01"), site("W3SVC2")),
            "no server folder inside: the zip's name says it"
        );
        assert_eq!(
            id("EX-2019-1202-1.zip!HTTPERR_Logs/httperr1.log"),
            (Some("EX-2019"), None)
        );
        assert_eq!(
            id("EXCH01-1202.zip!EXCH01/Windows_Event_Logs/Windows-Logs/Application.evtx"),
            (Some("EXCH01"), None)
        );
        assert_eq!(
            id("EXCH02/inetpub/logs/LogFiles/W3SVC1/u_ex260302.log"),
            (Some("EXCH02"), site("W3SVC1"))
        );
        assert_eq!(
            id("EXCH03/C$/inetpub/logs/LogFiles/W3SVC2/u_ex260302.log"),
            (Some("EXCH03"), site("W3SVC2"))
        );
        assert_eq!(
            id("inetpub/logs/LogFiles/W3SVC1/u.log"),
            (None, site("W3SVC1"))
        );
        assert_eq!(
            id("bundle.zip!W3SVC1/u.log"),
            (Some("bundle"), site("W3SVC1"))
        );
    }
}
