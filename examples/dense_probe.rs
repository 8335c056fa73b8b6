//! Times the People list's queries (`store::search`) on a database: first page, the page after
//! it, the page before that one, the last page (`G`) and the capped count, each the median of
//! five runs after one warm-up. `cargo run --release --example dense_probe -- FILE [TEXT…]`.
use std::time::Instant;

use jijiao::store::Store;
use jijiao::store::search::{PeopleQuery, PeopleState, Seek, count_people_capped, people_page};

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

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let store = Store::open_reader(std::path::Path::new(&args[0])).expect("open");
    let c = store.conn();
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
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    for t in texts {
        let (text, state) = match t.split_once("short") {
            Some((pre, y)) => (
                pre.trim_end_matches('+').to_string(),
                PeopleState::ShortIn(y.parse().unwrap()),
            ),
            None => (t.clone(), PeopleState::All),
        };
        queries.push((
            t,
            PeopleQuery {
                text,
                state,
                ..PeopleQuery::default()
            },
        ));
    }
    println!("| query | first | after | before | last | count | n |");
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
        println!(
            "| {label} | {t_first:.2} | {t_after:.2} | {t_before:.2} | {t_last:.2} | {t_count:.2} | {n} |"
        );
    }
}
