//! The review queue at province scale (issue 10): the search by provider and person, its pages
//! and its counts against the plain statement that compares every waiting entry; the plans that
//! make them lookups; the kept groups (migration 21) against the queue they count.

use std::collections::BTreeMap;

use rusqlite::{Connection, params_from_iter, types::Value};

use super::groups;
use crate::service::demo;
use crate::service::fixtures::actor;
use crate::store::Store;
use crate::store::search::{
    self, COUNT_CAP, Count, QueueKey, QueuePeople, Seek, queue_group_rest_sql, queue_groups_sql,
    queue_people, queue_person_sql, queue_search_args, queue_search_clause,
};

fn demo_store(people: u32) -> Store {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &actor("demo"), people, 2017).unwrap();
    store
}

/// One waiting entry as the plain statement finds it: its id and its group.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Found {
    id: i64,
    batch_id: Option<i64>,
    provider: String,
}

/// R5.1 The queue as it was read before any of its indexes: every entry of `entries` (not
/// `review_queue`) in a waiting state, compared with the search clause on the entry's own
/// provider and person, sorted by batch (newest first), provider, name, entry.
fn by_brute_force(c: &Connection, text: &str) -> Vec<Found> {
    let (raw, folded) = queue_search_args(text);
    c.prepare(&format!(
        "SELECT e.id, e.batch_id, e.provider FROM entries e NOT INDEXED
             JOIN people p NOT INDEXED ON p.id = e.person_id
         WHERE e.state IN ('recorded', 'evidence_complete', 'sealed') AND {}
         ORDER BY coalesce(e.batch_id, 0) DESC, e.provider, p.name, e.id",
        queue_search_clause(1, 2).replace("q.provider", "e.provider")
    ))
    .unwrap()
    .query_map(rusqlite::params![raw, folded], |r| {
        Ok(Found {
            id: r.get(0)?,
            batch_id: r.get(1)?,
            provider: r.get(2)?,
        })
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn ids(found: &[Found]) -> Vec<i64> {
    found.iter().map(|f| f.id).collect()
}

/// Every page of the search read forward by key, `size` at a time, as ids.
fn forward(c: &Connection, text: &str, size: usize) -> Vec<i64> {
    let mut out = Vec::new();
    let mut seek = Seek::First;
    loop {
        let page = search::review_queue_page(c, text, &seek, size).unwrap();
        assert!(page.len() <= size);
        out.extend(page.iter().map(|e| e.id));
        match page.last() {
            Some(last) if page.len() == size => seek = Seek::After(last.queue_key()),
            _ => return out,
        }
    }
}

/// Every page read backward by key from the end (`G`, then `k` past the top of each page).
fn backward(c: &Connection, text: &str, size: usize) -> Vec<i64> {
    let mut out: Vec<i64> = Vec::new();
    let mut seek = Seek::Last;
    loop {
        let page = search::review_queue_page(c, text, &seek, size).unwrap();
        assert!(page.len() <= size);
        let mut ids: Vec<i64> = page.iter().map(|e| e.id).collect();
        ids.extend(out);
        out = ids;
        match page.first() {
            Some(first) if page.len() == size => seek = Seek::Before(first.queue_key()),
            _ => return out,
        }
    }
}

/// A character that is part of some waiting entry's provider and the first of the name of
/// another waiting entry's person whose provider lacks it: a search for it merges both streams.
fn char_in_both(c: &Connection) -> Option<String> {
    let all = by_brute_force(c, "");
    let names: Vec<(String, String)> = c
        .prepare(
            "SELECT p.name, q.provider FROM review_queue q JOIN people p ON p.id = q.person_id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for f in &all {
        for ch in f.provider.chars() {
            let s = ch.to_string();
            if names
                .iter()
                .any(|(n, p)| n.starts_with(&s) && !p.contains(&s))
            {
                return Some(s);
            }
        }
    }
    None
}

/// R5.1, R1.2 The queue's search as the clerk types it — by provider (one and two characters,
/// a part in the middle, the whole name), by person (a surname, two characters of a name,
/// pinyin initials in any case and width, ID fragments of one to six digits), text that both
/// finds providers and people, and text that matches nothing (with `LIKE` wildcards taken
/// literally) — lists exactly the entries, in exactly the order, that comparing every waiting
/// entry lists: page by page forward at three sizes and backward from the end; the title's
/// count and each group header's count agree with it.
#[test]
fn r5_1_the_queue_search_finds_what_comparing_every_waiting_entry_finds() {
    let store = demo_store(300);
    let c = store.conn();
    let all = by_brute_force(c, "");
    assert!(
        all.len() > 60,
        "the demo leaves entries waiting: {}",
        all.len()
    );
    let provider = all[all.len() / 2].provider.clone();
    let p: Vec<char> = provider.chars().collect();
    let (name, id_number): (String, String) = c
        .query_row(
            "SELECT p.name, p.id_number FROM review_queue q JOIN people p ON p.id = q.person_id
             ORDER BY q.entry_id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let n: Vec<char> = name.chars().collect();
    let initials = crate::domain::initials::initials(&name);
    let first_reading = initials.split(' ').next().unwrap_or_default().to_string();
    let wide: String = first_reading
        .chars()
        .map(|ch| char::from_u32(ch as u32 - 'a' as u32 + 'ａ' as u32).unwrap_or(ch))
        .collect();
    let both = char_in_both(c).expect("the demo has a character in a provider and a name");
    let texts: Vec<String> = vec![
        String::new(),
        p[0].to_string(),
        p[..2].iter().collect(),
        p[1..p.len().min(4)].iter().collect(),
        provider.clone(),
        "大学".into(),
        "医院".into(),
        "医".into(),
        n[0].to_string(),
        n[..2].iter().collect(),
        first_reading.clone(),
        first_reading.to_uppercase(),
        wide,
        first_reading[..1].to_string(),
        "1".into(),
        "19".into(),
        id_number[6..10].to_string(),
        id_number[10..16].to_string(),
        both.clone(),
        "鬯".into(),
        "鬯鬯".into(),
        "鬯鬯鬯".into(),
        "%".into(),
        "_".into(),
        "没有此机构".into(),
    ];
    let mut empty = 0;
    for t in &texts {
        let want = by_brute_force(c, t);
        let want_ids = ids(&want);
        empty += usize::from(want.is_empty());
        for size in [1, 7, 17] {
            assert_eq!(forward(c, t, size), want_ids, "{t:?} forward by {size}");
        }
        assert_eq!(backward(c, t, 5), want_ids, "{t:?} backward");
        assert_eq!(
            search::count_review_queue_capped(c, t).unwrap(),
            Count::capped(want.len()),
            "{t:?}"
        );
        assert_eq!(search::count_review_queue(c, t).unwrap(), want.len());
        // Each group's header counts the group's entries that match.
        let mut per_group: BTreeMap<(Option<i64>, String), usize> = BTreeMap::new();
        for f in &want {
            *per_group
                .entry((f.batch_id, f.provider.clone()))
                .or_default() += 1;
        }
        let keys: Vec<(Option<i64>, String)> = per_group.keys().cloned().collect();
        for g in groups(c, t, &keys).unwrap() {
            assert_eq!(
                g.waiting,
                per_group[&(g.batch_id, g.provider.clone())],
                "{t:?}: {} {}",
                g.batch_id.unwrap_or(0),
                g.provider
            );
        }
    }
    assert_eq!(empty, 6, "the six texts that match nothing, and only those");
    // The text found in both a provider and a name lists entries of both kinds, merged.
    let merged = by_brute_force(c, &both);
    assert!(merged.iter().any(|f| f.provider.contains(&both)), "{both}");
    assert!(merged.iter().any(|f| !f.provider.contains(&both)), "{both}");
}

/// A page from any key (`Seek::From`, as a refresh reads the page on screen) starts at that
/// entry, and the page before a key ends just before it, across group and batch boundaries.
#[test]
fn keyset_pages_start_and_end_at_their_key_across_group_boundaries() {
    let store = demo_store(200);
    let c = store.conn();
    for t in ["", "医", "大学", "z"] {
        let want = ids(&by_brute_force(c, t));
        let rows = search::review_queue(c, t, 0, 100_000).unwrap();
        let keys: Vec<QueueKey> = rows.iter().map(|e| e.queue_key()).collect();
        let mut crossed = 0;
        for (i, k) in keys.iter().enumerate() {
            let from = search::review_queue_page(c, t, &Seek::From(k.clone()), 3).unwrap();
            let from: Vec<i64> = from.iter().map(|e| e.id).collect();
            assert_eq!(from, want[i..(i + 3).min(want.len())], "{t:?} from {i}");
            let before = search::review_queue_page(c, t, &Seek::Before(k.clone()), 3).unwrap();
            let before: Vec<i64> = before.iter().map(|e| e.id).collect();
            assert_eq!(before, want[i.saturating_sub(3)..i], "{t:?} before {i}");
            if i > 0
                && (keys[i - 1].batch_rank, &keys[i - 1].provider) != (k.batch_rank, &k.provider)
            {
                crossed += 1;
            }
        }
        assert!(crossed > 0 || want.len() < 2, "{t:?} spans groups");
    }
}

/// The queue's title counts a search past the cap as "10 000+" from the kept group sizes,
/// without counting entry by entry, and exactly below it.
#[test]
fn a_provider_search_is_counted_from_the_kept_groups() {
    let store = demo_store(150);
    let c = store.conn();
    let provider: String = c
        .query_row(
            "SELECT provider FROM review_queue_groups ORDER BY waiting DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let want = by_brute_force(c, &provider).len();
    assert_eq!(
        search::count_review_queue_capped(c, &provider).unwrap(),
        Count::Exact(want)
    );
    // Past the cap: make the group hold more than COUNT_CAP (the count reads the kept number).
    c.execute(
        "UPDATE review_queue_groups SET waiting = ?1 WHERE provider = ?2",
        rusqlite::params![COUNT_CAP as i64 + 1, provider],
    )
    .unwrap();
    assert_eq!(
        search::count_review_queue_capped(c, &provider).unwrap(),
        Count::Over
    );
}

fn plan(c: &Connection, sql: &str, args: Vec<Value>) -> String {
    let mut stmt = c.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    let rows = stmt
        .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    rows.join("\n")
}

/// Whether a plan reads every waiting entry (a scan of `review_queue`, in any index).
fn scans_queue(plan: &str) -> bool {
    plan.lines().any(|l| l.starts_with("SCAN q"))
}

/// A search by provider reads the groups in their key order and each matching group's range of
/// `review_queue_order`, from the key on, with no sort; a search by person reads the people
/// search's indexes and their entries by `review_queue_person`, never the whole queue; a text
/// of digits too common to narrow (`1`) reads the queue in its order, unsorted.
#[test]
fn the_queue_search_reads_its_indexes_not_every_waiting_entry() {
    let store = demo_store(200);
    let c = store.conn();
    c.execute_batch("ANALYZE").unwrap();
    let key = search::review_queue(c, "", 20, 1)
        .unwrap()
        .remove(0)
        .queue_key();
    for seek in [
        Seek::First,
        Seek::After(key.clone()),
        Seek::Before(key.clone()),
        Seek::Last,
    ] {
        let (sql, args) = queue_groups_sql("大学", &seek, 18);
        let p = plan(c, &sql, args);
        assert!(
            p.lines()
                .any(|l| l.starts_with("SCAN g") || l.starts_with("SEARCH g")),
            "{seek:?}: {p}"
        );
        assert!(p.contains("review_queue_order"), "{seek:?}: {p}");
        assert!(!p.contains("TEMP B-TREE"), "{seek:?}: {p}");
        assert!(!scans_queue(&p), "{seek:?}: {p}");
    }
    for (op, dir) in [(">", ""), (">=", ""), ("<", " DESC")] {
        let args = vec![
            Value::Integer(key.batch_rank),
            Value::Text(key.provider.clone()),
            Value::Text(key.person_name.clone()),
            Value::Integer(key.id),
            Value::Integer(18),
        ];
        let p = plan(c, &queue_group_rest_sql(op, dir), args);
        assert!(
            p.contains("SEARCH q USING COVERING INDEX review_queue_order"),
            "{p}"
        );
        assert!(!p.contains("TEMP B-TREE"), "{p}");
    }
    for (t, index) in [
        ("张", "people_key"),
        ("zw", "people_readings"),
        ("1985", "people_fts"),
    ] {
        let people = queue_people(c, t).unwrap();
        assert!(matches!(people, QueuePeople::Few { .. }), "{t}");
        let (raw, folded) = queue_search_args(t);
        let (sql, args) = queue_person_sql(&raw, &folded, &people, &Seek::After(key.clone()), 18);
        let p = plan(c, &sql, args);
        assert!(p.contains(index), "{t}: {p}");
        assert!(p.contains("review_queue_person"), "{t}: {p}");
        assert!(!scans_queue(&p), "{t}: {p}");
    }
    let people = queue_people(c, "1").unwrap();
    assert!(matches!(people, QueuePeople::Many));
    let (sql, args) = queue_person_sql("1", "1", &people, &Seek::After(key), 18);
    let p = plan(c, &sql, args);
    assert!(p.contains("review_queue_order"), "{p}");
    assert!(!p.contains("TEMP B-TREE"), "{p}");
}

/// A group of the queue: its batch rank, provider and waiting entries.
type GroupRow = (i64, String, i64);

/// `review_queue_groups` as kept, and the groups of the waiting entries counted from
/// `entries`: one row per (batch, provider) with its waiting entries, none empty.
fn groups_as_counted(c: &Connection) -> (Vec<GroupRow>, Vec<GroupRow>) {
    let read = |sql: &str| -> Vec<GroupRow> {
        c.prepare(sql)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    (
        read("SELECT batch_rank, provider, waiting FROM review_queue_groups ORDER BY 1, 2"),
        read(
            "SELECT -coalesce(batch_id, 0), provider, count(*) FROM entries
             WHERE state IN ('recorded', 'evidence_complete', 'sealed') GROUP BY 1, 2 ORDER BY 1, 2",
        ),
    )
}

/// R5.1 The kept group sizes follow every write to the queue: decisions that take entries out
/// (seal keeps them, register and refuse take them out), their undo, a corrected provider, an
/// entry deleted; each time the groups equal the waiting entries counted.
#[test]
fn r5_1_the_kept_groups_follow_every_decision_and_correction() {
    use crate::service::review::{self, Decision};
    let mut store = demo_store(150);
    let clerk = actor("wangfang");
    let (kept, counted) = groups_as_counted(store.conn());
    assert_eq!(kept, counted, "as generated");
    let waiting = ids(&by_brute_force(store.conn(), ""));
    let some: Vec<i64> = waiting.iter().step_by(3).copied().collect();
    for decision in [
        Decision::Seal,
        Decision::Register { confirm: true },
        Decision::Refuse {
            reason: "材料不实".into(),
        },
    ] {
        review::decide(&mut store, &clerk, &some, &decision, &mut |_, _| {}).unwrap();
        let (kept, counted) = groups_as_counted(store.conn());
        assert_eq!(kept, counted, "after {decision:?}");
    }
    crate::service::decision::undo_last(&mut store, &clerk).unwrap();
    let (kept, counted) = groups_as_counted(store.conn());
    assert_eq!(kept, counted, "after undo");
    let c = store.conn();
    let left = ids(&by_brute_force(c, ""));
    c.execute(
        "UPDATE entries SET provider = '湖南省新机构' WHERE id = ?1",
        [left[0]],
    )
    .unwrap();
    c.execute(
        "DELETE FROM evidence_received WHERE entry_id = ?1",
        [left[1]],
    )
    .unwrap();
    c.execute("DELETE FROM entries WHERE id = ?1", [left[1]])
        .unwrap();
    let (kept, counted) = groups_as_counted(c);
    assert_eq!(kept, counted, "after a correction and a deletion");
    assert_eq!(
        search::count_review_queue_capped(c, "新机构").unwrap(),
        Count::Exact(1)
    );
}

/// A database of schema 20 (before migration 21) gets its groups and batch counts from the
/// rows it holds when it is opened.
#[test]
fn migration_21_fills_the_groups_and_batch_counts_from_the_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let mut store = Store::open(&path).unwrap();
        demo::generate(&mut store, &actor("demo"), 120, 2017).unwrap();
        store
            .conn()
            .execute_batch(
                "DROP TRIGGER review_queue_groups_insert; DROP TRIGGER review_queue_groups_delete;
                 DROP TRIGGER review_queue_groups_update; DROP TABLE review_queue_groups;
                 DROP TRIGGER batch_counts_batch; DROP TRIGGER batch_counts_batch_delete;
                 DROP TRIGGER batch_counts_insert; DROP TRIGGER batch_counts_delete;
                 DROP TRIGGER batch_counts_update; DROP TABLE batch_counts;
                 DROP INDEX verification_batches_order; PRAGMA user_version = 20;",
            )
            .unwrap();
        crate::store::tests::step_back_below_24(store.conn());
    }
    let store = Store::open(&path).unwrap();
    let c = store.conn();
    let (kept, counted) = groups_as_counted(c);
    assert!(!kept.is_empty());
    assert_eq!(kept, counted);
    let batches: Vec<i64> = c
        .prepare("SELECT id FROM verification_batches")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(!batches.is_empty(), "the demo makes a batch");
    for b in batches {
        assert_eq!(
            crate::store::batches::counts(c, b).unwrap(),
            crate::store::batches::tests::counts_summed(c, b),
            "batch {b}"
        );
    }
}
