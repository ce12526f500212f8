//! Tells the tests whether the shared third-party corpus (`../shared/corpus`) is beside the
//! crate: with it they run, without it they are listed as ignored ("needs ../shared/corpus")
//! instead of passing without reading anything.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(corpus)");
    println!("cargo::rerun-if-changed=../shared/corpus");
    if std::path::Path::new("../shared/corpus").is_dir() {
        println!("cargo::rustc-cfg=corpus");
    }
}
