//! Archives as real tools write them (tests/fixtures/archives, made by its make_archives.sh
//! from samples/EXCH01): zip members compressed by 7-Zip with Deflate64, BZip2 and LZMA, and
//! GNU tar's .tar and .tgz. Each must give what the plain folder gives, member by member,
//! with the server and site its path names.

use crate::util::{analyze_to, col, read_csv, root};

/// (member path inside the archive, findings) as the plain samples give them.
fn plain() -> Vec<(String, String)> {
    let out = tempfile::tempdir().unwrap();
    let dir = root().join("samples/EXCH01").display().to_string();
    let rows = inventory(out.path(), &dir);
    rows.into_iter()
        .filter(|(file, ..)| file.contains("/W3SVC"))
        .map(|(file, _, _, findings)| {
            let at = file.find("EXCH01/").expect("sample path");
            (file[at..].to_owned(), findings)
        })
        .collect()
}

/// (file, server, site, findings) of every inventory row.
fn inventory(out: &std::path::Path, input: &str) -> Vec<(String, String, String, String)> {
    let (code, _) = analyze_to(out, &[input.to_owned()], &["--threads", "1"]);
    assert_eq!(code, 0, "{input}");
    let rows = read_csv(&out.join("inventory.csv"));
    let h = &rows[0];
    rows[1..]
        .iter()
        .map(|r| {
            let cell = |name| r[col(h, name)].clone();
            (cell("file"), cell("server"), cell("site"), cell("findings"))
        })
        .collect()
}

#[test]
fn archives_written_by_7zip_and_gnu_tar_read_like_the_folder_they_hold() {
    let expected = plain();
    assert_eq!(expected.len(), 2, "{expected:?}");
    for name in [
        "EXCH01-Deflate64.zip",
        "EXCH01-BZip2.zip",
        "EXCH01-LZMA.zip",
        "EXCH01.tar",
        "EXCH01.tgz",
    ] {
        let out = tempfile::tempdir().unwrap();
        let archive = root().join("tests/fixtures/archives").join(name);
        let rows = inventory(out.path(), &archive.display().to_string());
        let members: Vec<(String, String)> = rows
            .iter()
            .map(|(file, server, site, findings)| {
                let member = file.split_once('!').map_or("", |(_, m)| m);
                assert_eq!(server, "EXCH01", "{file}");
                assert!(member.contains(&format!("/{site}/")), "{file}: site {site}");
                (member.to_owned(), findings.clone())
            })
            .collect();
        assert_eq!(members, expected, "{name}");
    }
}
