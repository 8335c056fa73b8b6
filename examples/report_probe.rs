//! Times screen 5's levels of groups (issue 10/11) on a database: the province's cities and
//! one city's kinds of unit, each read from the figures migration 23 keeps
//! (`service::report::annual_page`, what the screen calls) and by the pass over people that
//! read them before (`annual_page_read`), median of five after one warm-up, wall and this
//! thread's CPU; and checks the two give the same groups.
//! `cargo run --release --example report_probe -- FILE [YEAR…]` (2016 when none).
//!
//! Opening the file migrates it (a schema-22 file gains migration 23's kept tables, filled in
//! the migration's transaction): the time of that open is printed first.
use std::time::Instant;

use jijiao::service::report::{AnnualQuery, Level, annual_page, annual_page_read};
use jijiao::store::Store;
use jijiao::store::reference::Reference;
use jijiao::store::report::Scope;

/// This thread's time on a CPU so far, in ns (`/proc/thread-self/schedstat`): on a machine
/// shared with other builds, wall time measures them too.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// (wall ms, CPU ms), medians of five runs after a warm-up.
fn median(mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut runs: Vec<(f64, f64)> = (0..5)
        .map(|_| {
            let (t, c) = (Instant::now(), cpu_ns());
            f();
            (
                t.elapsed().as_secs_f64() * 1000.0,
                (cpu_ns() - c) as f64 / 1e6,
            )
        })
        .collect();
    runs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let wall = runs[2].0;
    runs.sort_by(|a, b| a.1.total_cmp(&b.1));
    (wall, runs[2].1)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: report_probe FILE [YEAR…]");
        std::process::exit(2);
    };
    let mut years: Vec<i32> = args.filter_map(|a| a.parse().ok()).collect();
    if years.is_empty() {
        years.push(2016);
    }
    let (t, c) = (Instant::now(), cpu_ns());
    let store = match Store::open(std::path::Path::new(&path)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot open {path}: {e}");
            std::process::exit(2);
        }
    };
    println!(
        "open (with any migration): {:.0} ms wall, {:.0} ms CPU",
        t.elapsed().as_secs_f64() * 1000.0,
        (cpu_ns() - c) as f64 / 1e6
    );
    let reference = match Reference::load(&store) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("cannot read the reference data: {e}");
            std::process::exit(2);
        }
    };
    let conn = store.conn();
    for year in years {
        let q = AnnualQuery {
            year,
            city_code: None,
            unit_kind: None,
        };
        let all = Scope::default();
        let read = |level, within: &Scope| {
            annual_page_read(conn, &reference, &q, level, within, None, usize::MAX)
                .unwrap_or_default()
        };
        let kept = |level, within: &Scope| {
            annual_page(conn, &reference, &q, level, within, None, usize::MAX).unwrap_or_default()
        };
        let (t, c) = (Instant::now(), cpu_ns());
        let cities = kept(Level::City, &all);
        println!(
            "{year}: cities kept, first read of the process: {:.2} ms wall {:.2} ms CPU",
            t.elapsed().as_secs_f64() * 1000.0,
            (cpu_ns() - c) as f64 / 1e6
        );
        let same = cities == read(Level::City, &all);
        println!(
            "{year}: {} cities, kept equal to the pass: {same}",
            cities.len()
        );
        let (w, c) = median(|| drop(kept(Level::City, &all)));
        println!("  cities, kept:   {w:9.2} ms wall {c:9.2} ms CPU");
        let (w, c) = median(|| drop(read(Level::City, &all)));
        println!("  cities, pass:   {w:9.2} ms wall {c:9.2} ms CPU");
        if let Some(biggest) = cities.iter().max_by_key(|g| g.figures.people) {
            let within = biggest.scope();
            let same = kept(Level::Kind, &within) == read(Level::Kind, &within);
            println!(
                "  {} ({} people): kinds kept equal to the pass: {same}",
                biggest.city_code, biggest.figures.people
            );
            let (w, c) = median(|| drop(kept(Level::Kind, &within)));
            println!("  kinds, kept:    {w:9.2} ms wall {c:9.2} ms CPU");
            let (w, c) = median(|| drop(read(Level::Kind, &within)));
            println!("  kinds, pass:    {w:9.2} ms wall {c:9.2} ms CPU");
        }
    }
}
