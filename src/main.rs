use std::process::ExitCode;

/// mimalloc for the program's allocations and, by the crate's `override` feature, for the
/// bundled SQLite's `malloc`/`free` too: an import or a demo allocates and frees the text of
/// every value bound and every row read, and glibc's allocator was a tenth of their time
/// (BENCHMARKS.md, "Import, round 5").
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    jijiao::store::configure_process();
    jijiao::cli::main()
}
