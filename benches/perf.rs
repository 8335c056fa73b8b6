//! Timings of the work clerks wait for, on a demo database of N people (default 100 000).
//! Method and results: benches/README.md. Run: `cargo bench --bench perf [-- PEOPLE]`.

use std::time::{Duration, Instant};

use jijiao::service::Actor;
use jijiao::service::check::check;
use jijiao::service::demo;
use jijiao::store::Store;
use jijiao::store::search::{self, PeopleQuery, PeopleState};

fn time<T>(label: &str, runs: u32, mut f: impl FnMut() -> T) -> T {
    let mut best = Duration::MAX;
    let mut total = Duration::ZERO;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        out = Some(f());
        let e = t.elapsed();
        best = best.min(e);
        total += e;
    }
    println!(
        "{label:<48} best {:>10.3} ms   mean {:>10.3} ms   ({runs} runs)",
        best.as_secs_f64() * 1e3,
        total.as_secs_f64() * 1e3 / f64::from(runs)
    );
    out.expect("at least one run")
}

fn main() {
    let people: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("jijiao-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("bench.sqlite");
    let mut store = Store::open(&path).expect("open");
    let actor = Actor::new(
        "bench",
        chrono::DateTime::parse_from_rfc3339("2017-07-15T10:00:00+08:00").expect("date"),
    );
    println!(
        "jijiao benchmarks: {people} people, database {}",
        path.display()
    );
    let summary = time(&format!("demo --people {people}"), 1, || {
        demo::generate(&mut store, &actor, people, 2017).expect("demo")
    });
    println!(
        "  → {} people, {} entries, {} filings",
        summary.people, summary.entries, summary.filings
    );
    time("demo again (idempotent: writes nothing)", 1, || {
        demo::generate(&mut store, &actor, people, 2017).expect("demo")
    });

    let conn = store.conn();
    let q = |text: &str| PeopleQuery {
        text: text.into(),
        ..PeopleQuery::default()
    };
    time(
        "people: first page, no search (count + 20 rows)",
        20,
        || {
            (
                search::count_people(conn, &PeopleQuery::default()).expect("count"),
                search::people(conn, &PeopleQuery::default(), 0, 20).expect("page"),
            )
        },
    );
    time("people: page 2000 (offset 40 000)", 20, || {
        search::people(conn, &PeopleQuery::default(), 40_000, 20).expect("page")
    });
    for text in ["张", "zw", "1231", "医院"] {
        time(
            &format!("people: search {text:?} (count + 20 rows)"),
            20,
            || {
                (
                    search::count_people(conn, &q(text)).expect("count"),
                    search::people(conn, &q(text), 0, 20).expect("page"),
                )
            },
        );
    }
    let short = PeopleQuery {
        state: PeopleState::ShortIn(2016),
        ..PeopleQuery::default()
    };
    time("people: filter short in 2016 (count + 20 rows)", 5, || {
        (
            search::count_people(conn, &short).expect("count"),
            search::people(conn, &short, 0, 20).expect("page"),
        )
    });
    time("review queue: count + first page of 20", 20, || {
        (
            search::count_review_queue(conn, "").expect("count"),
            search::review_queue(conn, "", 0, 20).expect("page"),
        )
    });
    let ids: Vec<String> = search::people(conn, &PeopleQuery::default(), 0, 100)
        .expect("people")
        .into_iter()
        .map(|p| p.id_number)
        .collect();
    time("check: 100 people, five years each", 3, || {
        for id in &ids {
            check(&store, id, 2012, 2016).expect("check");
        }
    });
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
}
