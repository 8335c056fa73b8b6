//! `cargo bench`: the real program measured at province scale (issue 10, point 4).
//!
//! Builds (once, cached under `target/bench-cache/` by size and seed) demo databases of the sizes
//! in `JIJIAO_BENCH_SIZES` (default `10000,100000`), drives the interface in a pseudo-terminal of
//! 80×24 key by key, runs `check`, `issue` and the imports, and prints each figure beside its
//! floor; the same table goes to `target/bench-results.md`. Method and results: `BENCHMARKS.md`.

#[path = "harness/mod.rs"]
mod harness;

use std::path::PathBuf;

fn main() {
    // `cargo bench` passes `--bench`; a filter argument means "not this benchmark's run".
    if std::env::args().skip(1).any(|a| !a.starts_with('-')) {
        return;
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let cfg = harness::Config::from_env(env!("CARGO_BIN_EXE_jijiao").as_ref(), &target);
    eprintln!(
        "bench: sizes {:?}, seed {}, cache {}",
        cfg.sizes,
        cfg.seed,
        cfg.cache.display()
    );
    let report = harness::run(&cfg);
    print!("{}", harness::table(&report));
    let out = target.join("bench-results.md");
    match std::fs::write(&out, harness::markdown(&report)) {
        Ok(()) => eprintln!("bench: results written to {}", out.display()),
        Err(e) => eprintln!("bench: cannot write {}: {e}", out.display()),
    }
}
