//! Times the People list's queries (`store::search`) on a database: first page, the page after
//! it, the page before that one, the last page (`G`) and the capped count, each the median of
//! five runs after one warm-up. `cargo run --release --example dense_probe -- FILE [QUERY…]`,
//! each QUERY being parts joined by `+`: `short2016` (short in that year), `blocked`,
//! `city430100`, anything else the search text (`张+short2017`).
//!
//! `… -- --refresh N FILE` instead times the yearly totals' upkeep (R2.1): in one transaction,
//! rolled back, `totals::refresh_person` for N people spread over the file, as every decision
//! on an entry calls it, with their sums unchanged and with every year written anew; prints
//! microseconds per person.
//!
//! `… -- --queue N FILE` instead turns N pages of the review queue (R5.1) as `j` past the last
//! row does (`review_queue_page` after the last key shown, one more row than the page), each
//! timed alone, after the plan SQLite chose for it: where a slow page turn's time goes.
use std::time::Instant;

use jijiao::store::search::{PeopleQuery, PeopleState, Seek, count_people_capped, people_page};
use jijiao::store::{Store, totals};

fn median(mut f: impl FnMut()) -> f64 {
    f();
    let mut v: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    v.sort_by(|a, b| a.total_cmp(b));
    v[2]
}

/// This thread's time on a CPU so far, in ns (`/proc/thread-self/schedstat`): on a machine
/// shared with other builds, wall time measures them too.
fn cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The upkeep of the totals for `n` people spread over the file, in µs per person.
fn refresh(n: i64, path: &str) {
    let mut store = Store::open(std::path::Path::new(path)).expect("open");
    let (lo, hi): (i64, i64) = store
        .conn()
        .query_row("SELECT min(id), max(id) FROM people", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .expect("ids");
    let step = ((hi - lo) / n.max(1)).max(1);
    // Unchanged: what a decision that changes no sum costs. Written anew: each person's rows
    // deleted first (not timed), so that every year is written again, as a rebuild does.
    for (label, anew) in [("unchanged", false), ("written anew", true)] {
        for round in 0..3 {
            let tx = store.write().expect("write");
            let mut elapsed = std::time::Duration::ZERO;
            let mut cpu = 0u64;
            let mut deleting = 0u64;
            let mut done = 0;
            let mut id = lo + round;
            while id <= hi && done < n {
                if anew {
                    let c = cpu_ns();
                    tx.execute("DELETE FROM person_year_totals WHERE person_id = ?1", [id])
                        .expect("delete");
                    deleting += cpu_ns() - c;
                }
                let (t, c) = (Instant::now(), cpu_ns());
                totals::refresh_person(&tx, id).expect("refresh");
                elapsed += t.elapsed();
                cpu += cpu_ns() - c;
                id += step;
                done += 1;
            }
            let us = elapsed.as_secs_f64() * 1e6 / done as f64;
            let cpu_us = cpu as f64 / 1e3 / done as f64;
            let delete_us = deleting as f64 / 1e3 / done as f64;
            println!(
                "{label}, round {round}: {done} people, {us:.1} µs per person ({cpu_us:.1} µs of \
                 CPU; deleting the rows first: {delete_us:.1} µs of CPU)"
            );
            tx.rollback().expect("rollback");
        }
    }
}

/// N pages of the review queue from its first, each read after the last key of the one
/// before, in ms; then the plan of the statement.
fn queue(n: usize, path: &str) {
    use jijiao::store::search::{self, QueueKey};
    let store = Store::open_reader(std::path::Path::new(path)).expect("open");
    let c = store.conn();
    let mut seek: Seek<QueueKey> = Seek::First;
    let mut times = Vec::new();
    for i in 0..n {
        let (t, cpu) = (Instant::now(), cpu_ns());
        let page = search::review_queue_page(c, "", &seek, 17).expect("page");
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let cpu_ms = (cpu_ns() - cpu) as f64 / 1e6;
        let Some(last) = page.last() else { break };
        println!(
            "page {i}: {ms:.2} ms ({cpu_ms:.2} ms CPU), last {}",
            last.person_name
        );
        times.push(ms);
        seek = Seek::After(last.queue_key());
    }
    times.sort_by(|a, b| a.total_cmp(b));
    if let Some(max) = times.last() {
        println!("median {:.2} ms, max {max:.2} ms", times[times.len() / 2]);
    }
    if let Seek::After(k) = &seek {
        let plan: Vec<String> = c
            .prepare(
                "EXPLAIN QUERY PLAN SELECT q.entry_id FROM review_queue q
                 CROSS JOIN people p ON p.id = q.person_id CROSS JOIN entries e ON e.id = q.entry_id
                 WHERE (q.batch_rank, q.provider, q.person_name, q.entry_id) > (?1, ?2, ?3, ?4)
                 ORDER BY q.batch_rank, q.provider, q.person_name, q.entry_id LIMIT 18",
            )
            .expect("plan")
            .query_map(
                rusqlite::params![k.batch_rank, k.provider, k.person_name, k.id],
                |r| r.get::<_, String>(3),
            )
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("plan");
        println!("plan: {}", plan.join(" / "));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args[0] == "--refresh" {
        return refresh(args[1].parse().expect("N"), &args[2]);
    }
    if args[0] == "--queue" {
        return queue(args[1].parse().expect("N"), &args[2]);
    }
    let store = Store::open_reader(std::path::Path::new(&args[0])).expect("open");
    let c = store.conn();
    // To compare settings of the reading connection: PROBE_CACHE_KIB, PROBE_MMAP_BYTES.
    for (var, pragma) in [
        ("PROBE_CACHE_KIB", "cache_size"),
        ("PROBE_MMAP_BYTES", "mmap_size"),
    ] {
        if let Ok(v) = std::env::var(var) {
            let v: i64 = v.parse().expect(var);
            let v = if pragma == "cache_size" { -v } else { v };
            c.pragma_update(None, pragma, v).expect(pragma);
        }
    }
    let mut queries: Vec<(String, PeopleQuery)> = Vec::new();
    let texts: Vec<String> = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        [
            "张",
            "王",
            "李",
            "刘",
            "z",
            "zw",
            "l",
            "lj",
            "w",
            "wf",
            "c",
            "cy",
            "1",
            "19",
            "198",
            "1985",
            "19850",
            "198503",
            "医院",
            "医",
            "鬯",
            "short2017",
            "short2016",
            "张+short2017",
            "z+short2016",
            "blocked",
            "张+blocked",
            "city430100+short2016",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for t in texts {
        let mut q = PeopleQuery::default();
        for part in t.split('+') {
            if let Some(y) = part.strip_prefix("short") {
                q.state = PeopleState::ShortIn(y.parse().expect("short YEAR"));
            } else if part == "blocked" {
                q.state = PeopleState::Blocked;
            } else if let Some(c) = part.strip_prefix("city") {
                q.city_code = Some(c.to_string());
            } else {
                q.text = part.to_string();
            }
        }
        queries.push((t, q));
    }
    println!("| query | first | after | before | last | count (its CPU) | n |");
    println!("|---|---|---|---|---|---|---|");
    for (label, q) in &queries {
        let first = people_page(c, q, &Seek::First, 17).unwrap();
        let t_first = median(|| {
            people_page(c, q, &Seek::First, 17).unwrap();
        });
        let (t_after, t_before) = match first.last() {
            Some(k) => {
                let k = k.key();
                let after = people_page(c, q, &Seek::After(k.clone()), 17).unwrap();
                let ta = median(|| {
                    people_page(c, q, &Seek::After(k.clone()), 17).unwrap();
                });
                let tb = match after.last() {
                    Some(b) => {
                        let b = b.key();
                        median(|| {
                            people_page(c, q, &Seek::Before(b.clone()), 17).unwrap();
                        })
                    }
                    None => f64::NAN,
                };
                (ta, tb)
            }
            None => (f64::NAN, f64::NAN),
        };
        let t_last = median(|| {
            people_page(c, q, &Seek::Last, 17).unwrap();
        });
        let n = count_people_capped(c, q).unwrap();
        let t_count = median(|| {
            count_people_capped(c, q).unwrap();
        });
        // On a machine shared with other builds, wall time measures them too: the count's
        // CPU time beside it (median of five as well).
        let mut cpu: Vec<u64> = (0..5)
            .map(|_| {
                let c0 = cpu_ns();
                count_people_capped(c, q).unwrap();
                cpu_ns() - c0
            })
            .collect();
        cpu.sort_unstable();
        let cpu_count = cpu[2] as f64 / 1e6;
        println!(
            "| {label} | {t_first:.2} | {t_after:.2} | {t_before:.2} | {t_last:.2} | {t_count:.2} ({cpu_count:.2} CPU) | {n} |"
        );
    }
}
