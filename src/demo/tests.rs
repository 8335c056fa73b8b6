//! The demo's data set: what it holds, that a seed always gives it, and that it resumes.
use std::collections::BTreeSet;

use rusqlite::types::Value;

use chrono::Datelike;
use sha2::{Digest, Sha256};

use super::batches::{DEMO_APPLICANTS, DEMO_DEPARTMENT};
use super::*;
use crate::domain::{EntryState, FilingStatus, Form, IdNumber, TitleLevel, UnitKind};
use crate::service::demo::generate;
use crate::service::{batches, check};
use crate::store::entries;

fn actor_at(rfc3339: &str) -> Actor {
    Actor::new(
        "demo",
        chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap(),
    )
}

fn actor() -> Actor {
    actor_at("2017-07-15T10:00:00+08:00")
}

fn demo(people: u32, seed: u64) -> (Store, DemoSummary) {
    let mut store = Store::open_in_memory().unwrap();
    let summary = generate(&mut store, &actor(), people, seed).unwrap();
    (store, summary)
}

fn count(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn strings(store: &Store, sql: &str) -> BTreeSet<String> {
    let mut stmt = store.conn().prepare(sql).unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Every column of every row of `sql`, hashed.
fn digest(store: &Store, sql: &str) -> String {
    let mut stmt = store.conn().prepare(sql).unwrap();
    let n = stmt.column_count();
    let mut rows = stmt.query([]).unwrap();
    let mut h = Sha256::new();
    while let Some(r) = rows.next().unwrap() {
        for i in 0..n {
            let v: Value = r.get(i).unwrap();
            h.update(format!("{v:?}\u{1f}").as_bytes());
        }
        h.update(b"\x1e");
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

const TABLES: &[&str] = &[
    "people",
    "entries",
    "entry_evidence",
    "filings",
    "findings",
    "import_batches",
    "audit",
];

fn table_counts(store: &Store) -> Vec<i64> {
    TABLES
        .iter()
        .map(|t| count(store, &format!("SELECT count(*) FROM {t}")))
        .collect()
}

#[test]
fn the_same_seed_twice_adds_nothing_and_reports_the_same_counts() {
    let mut store = Store::open_in_memory().unwrap();
    let first = generate(&mut store, &actor(), 300, 2017).unwrap();
    let tables = table_counts(&store);
    let second = generate(&mut store, &actor(), 300, 2017).unwrap();
    assert_eq!(first, second);
    assert_eq!(table_counts(&store), tables, "{TABLES:?}");
    assert_eq!(first.people, 300);
    assert_eq!(
        count(&store, "SELECT count(*) FROM people") as u64,
        first.people
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM entries") as u64,
        first.entries
    );
    assert_eq!(
        count(&store, "SELECT count(*) FROM filings") as u64,
        first.filings
    );
    // One audit record for the run that wrote, none for the run that did not (R5.5).
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM audit WHERE action = 'demo.generate'"
        ),
        1
    );
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
    // A later day of the same year adds only trainings that ended meanwhile.
    let later = actor_at("2017-07-16T09:00:00+08:00");
    let third = generate(&mut store, &later, 300, 2017).unwrap();
    assert_eq!(third.people, 300);
    assert!(third.entries >= first.entries);
    assert!(third.entries - first.entries < 20, "{first:?} {third:?}");
}

#[test]
fn r6_a_pending_verification_batch_is_left_for_screen_4_once() {
    let mut store = Store::open_in_memory().unwrap();
    generate(&mut store, &actor(), 300, 2017).unwrap();
    generate(&mut store, &actor(), 300, 2017).unwrap();
    let (batches, applicants, verified): (i64, i64, i64) = store
        .conn()
        .query_row(
            "SELECT (SELECT count(*) FROM verification_batches),
                    (SELECT count(*) FROM batch_applicants),
                    (SELECT count(*) FROM batch_applicants WHERE verdict IS NOT NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(batches, 1, "a re-run finds the batch instead of adding one");
    assert!(applicants > 0 && applicants <= DEMO_APPLICANTS as i64);
    assert_eq!(verified, 0, "pending: the clerk verifies it");
}

/// Issue 9: a demo killed after the pending batch was created but before its applicants
/// were added (two transactions) ends, when run again, with the batch of an uninterrupted
/// run instead of an empty batch forever.
#[test]
fn r6_a_run_killed_between_creating_the_pending_batch_and_filling_it_is_completed_by_the_next() {
    let applicants = "SELECT group_concat(id_number, ' ') FROM (SELECT p.id_number
                      FROM batch_applicants a JOIN people p ON p.id = a.person_id
                      ORDER BY a.id)";
    let (whole, _) = demo(120, 7);
    let expected: String = whole
        .conn()
        .query_row(applicants, [], |r| r.get(0))
        .unwrap();
    assert!(!expected.is_empty());

    // What a run killed at that moment left: everything but the applicants.
    let mut store = Store::open_in_memory().unwrap();
    let reference = Reference::load(&store).unwrap();
    let bases = reference::bases(store.conn()).unwrap();
    let world = World::new(&reference, tables().unwrap(), bases, &actor()).unwrap();
    let catalogue = Catalogue::build(&world);
    write(
        &mut store,
        &actor(),
        &world,
        &catalogue,
        120,
        7,
        &Options::default(),
        Load::default(),
        false,
        &mut |_, _| {},
    )
    .unwrap();
    let office = reference.office("长沙").cloned().unwrap();
    let req = batches::Request::named(DEMO_DEPARTMENT, &office, 2017);
    batches::create(&mut store, &actor(), &req)
        .unwrap()
        .unwrap();
    let left: i64 = count(&store, "SELECT count(*) FROM batch_applicants");
    assert_eq!(left, 0, "the state a kill at that moment leaves");

    generate(&mut store, &actor(), 120, 7).unwrap();
    let resumed: String = store
        .conn()
        .query_row(applicants, [], |r| r.get(0))
        .unwrap();
    assert_eq!(resumed, expected);
    assert_eq!(
        count(&store, "SELECT count(*) FROM verification_batches"),
        1
    );
    assert_eq!(table_counts(&store), table_counts(&whole), "{TABLES:?}");
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
}

#[test]
fn filings_pending_at_the_first_run_are_approved_by_a_later_one() {
    let mut store = Store::open_in_memory().unwrap();
    generate(&mut store, &actor_at("2017-02-01T09:00:00+08:00"), 50, 5).unwrap();
    let pending = "SELECT count(*) FROM filings WHERE status = 'pending'";
    assert!(count(&store, pending) > 5);
    generate(&mut store, &actor(), 50, 5).unwrap();
    let (fresh, _) = demo(50, 5);
    let statuses = "SELECT filing_no || status || coalesce(approved_on, '') FROM filings";
    assert_eq!(strings(&store, statuses), strings(&fresh, statuses));
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM filings WHERE status = 'approved' AND decided_by IS NULL"
        ),
        0
    );
}

#[test]
fn two_databases_with_the_same_seed_hold_identical_data() {
    let (a, sa) = demo(120, 7);
    let (b, sb) = demo(120, 7);
    assert_eq!(sa, sb);
    for sql in [
        "SELECT * FROM people ORDER BY id_number",
        "SELECT * FROM entries ORDER BY id",
        "SELECT * FROM entry_evidence ORDER BY entry_id, code",
        "SELECT * FROM filings ORDER BY filing_no",
        "SELECT * FROM findings ORDER BY id",
        "SELECT * FROM import_batches ORDER BY id",
    ] {
        assert_eq!(digest(&a, sql), digest(&b, sql), "{sql}");
    }
}

#[test]
fn a_different_seed_adds_different_people_and_shares_the_filings() {
    let mut store = Store::open_in_memory().unwrap();
    let a = generate(&mut store, &actor(), 100, 1).unwrap();
    let b = generate(&mut store, &actor(), 100, 2).unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM people"), 200);
    assert_eq!(a.filings, b.filings);
    assert_eq!(
        count(&store, "SELECT count(*) FROM entries") as u64,
        a.entries + b.entries
    );
}

#[test]
fn fewer_people_are_the_first_of_more() {
    let (small, _) = demo(40, 2017);
    let (large, _) = demo(120, 2017);
    let ids = |s: &Store| strings(s, "SELECT id_number FROM people");
    assert!(ids(&small).is_subset(&ids(&large)));
}

#[test]
fn every_form_state_status_and_unit_kind_occurs() {
    let (store, _) = demo(300, 2017);
    let forms = strings(&store, "SELECT DISTINCT form FROM entries");
    for f in Form::ALL {
        assert!(forms.contains(f.code()), "no {f:?} in {forms:?}");
    }
    let states = strings(&store, "SELECT DISTINCT state FROM entries");
    for s in EntryState::ALL {
        assert!(states.contains(s.code()), "no {s:?} in {states:?}");
    }
    let statuses = strings(&store, "SELECT DISTINCT status FROM filings");
    for s in FilingStatus::ALL {
        assert!(statuses.contains(s.code()), "no {s:?} in {statuses:?}");
    }
    let kinds = strings(&store, "SELECT DISTINCT unit_kind FROM people");
    for k in UnitKind::ALL {
        assert!(kinds.contains(k.code()), "no {k:?} in {kinds:?}");
    }
    let levels = strings(&store, "SELECT DISTINCT title_level FROM people");
    assert_eq!(levels.len(), TitleLevel::ALL.len(), "{levels:?}");
    // Every division and the provincial units.
    assert_eq!(
        count(&store, "SELECT count(DISTINCT city_code) FROM people"),
        15
    );
    for sql in [
        // Non-public people have the place that keeps their personnel file.
        "SELECT count(*) FROM people WHERE unit_kind = 'non_public' AND file_location = ''",
        "SELECT count(*) FROM people WHERE unit_kind <> 'non_public' AND file_location <> ''",
        "SELECT count(*) FROM people WHERE title = '' OR series = '' OR phone = ''",
        "SELECT count(*) FROM people WHERE initials = ''",
        // Every person has the search keys of name and unit (R1.2).
        "SELECT count(*) FROM people WHERE name_key IN ('', ' ') OR unit_key IN ('', ' ')",
        // Approved filings have a date, others none; decided ones say who and when, refused
        // ones why.
        "SELECT count(*) FROM filings WHERE (status = 'approved') <> (approved_on IS NOT NULL)",
        "SELECT count(*) FROM filings WHERE (status = 'pending') <> (decided_by IS NULL)
            OR (status = 'pending') <> (decided_at IS NULL)
            OR (status = 'rejected') <> (reason <> '')",
        "SELECT count(*) FROM filings WHERE programme NOT LIKE '%\n%' OR schedule = ''
            OR contact = '' OR trainees = '' OR place = '' OR applicant_unit = ''",
        // Refusals carry a reason; nothing else does.
        "SELECT count(*) FROM entries WHERE (state = 'refused') <> (reason <> '')",
        "SELECT count(*) FROM entries WHERE (state = 'registered') <> (registered_at IS NOT NULL)",
        "SELECT count(*) FROM entries WHERE state IN ('sealed', 'registered') AND NOT migrated
            AND sealed_at IS NULL",
        // Nothing after today; every time stored as seconds (migration 25).
        "SELECT count(*) FROM entries WHERE end_date > '2017-07-15'
            OR created_at > unixepoch('2017-07-15T10:00:00+08:00')
            OR updated_at > unixepoch('2017-07-15T10:00:00+08:00')
            OR typeof(created_at) <> 'integer' OR typeof(updated_at) <> 'integer'
            OR typeof(coalesce(sealed_at, 0)) <> 'integer'
            OR typeof(coalesce(registered_at, 0)) <> 'integer'",
        // A failed assessment is never registered (R5.2).
        "SELECT count(*) FROM entries WHERE result = 'fail' AND state = 'registered'",
        // Public hours on a filing approved after the start are never registered (R4.3).
        "SELECT count(*) FROM entries e JOIN filings f ON f.id = e.filing_id
            WHERE e.category = 'public' AND e.state = 'registered'
              AND (f.approved_on IS NULL OR f.approved_on > e.start_date)",
        "SELECT count(*) FROM entries WHERE category = 'public' AND NOT migrated
            AND filing_id IS NULL",
    ] {
        assert_eq!(count(&store, sql), 0, "{sql}");
    }
    for sql in [
        "SELECT count(*) FROM entries e JOIN filings f ON f.id = e.filing_id
            WHERE e.category = 'public' AND f.approved_on > e.start_date",
        "SELECT count(*) FROM entries WHERE result = 'fail'",
        "SELECT count(*) FROM entries WHERE migrated AND state = 'registered'",
        "SELECT count(*) FROM entries WHERE category = 'professional' AND filing_id IS NULL
            AND state = 'registered' AND confirmed",
        "SELECT count(*) FROM entries WHERE category = 'professional'
            AND filing_id IS NOT NULL",
        "SELECT count(*) FROM entries WHERE hours_tenths % 10 <> 0",
    ] {
        assert!(count(&store, sql) > 0, "{sql}");
    }
    // Five-plus years for everybody.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM (SELECT person_id FROM entries GROUP BY person_id
                HAVING count(DISTINCT year) < 5)"
        ),
        0
    );
    // Providers: the seven bases and others.
    let bases = count(
        &store,
        "SELECT count(DISTINCT provider) FROM entries WHERE provider IN (SELECT name FROM bases)",
    );
    assert!(bases >= 6, "{bases}");
    assert!(count(&store, "SELECT count(DISTINCT provider) FROM entries") > bases);
}

#[test]
fn evidence_is_complete_past_recorded_and_partial_before() {
    let (store, _) = demo(300, 2017);
    let reference = Reference::load(&store).unwrap();
    let mut stmt = store
        .conn()
        .prepare("SELECT id, form, state FROM entries")
        .unwrap();
    let rows: Vec<(i64, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let mut partial = 0;
    for (id, form, state) in rows {
        let list = reference.checklist(Form::parse(&form).unwrap()).unwrap();
        let have = entries::evidence(store.conn(), id).unwrap();
        assert!(
            have.iter().all(|c| list.option(c).is_some()),
            "{id} {have:?}"
        );
        match EntryState::parse(&state).unwrap() {
            EntryState::Recorded => {
                assert!(!list.is_complete(&have), "{id}");
                partial += usize::from(!have.is_empty());
            }
            _ => assert!(list.is_complete(&have), "{id} {state} {have:?}"),
        }
    }
    assert!(partial > 0);
}

#[test]
fn some_pass_the_five_years_before_2017_some_are_short_and_some_are_blocked() {
    let (store, _) = demo(300, 2017);
    let ids = strings(&store, "SELECT id_number FROM people");
    let (mut pass, mut short, mut blocked) = (0, 0, 0);
    for id in &ids {
        let r = check::check(&store, id, 2012, 2016).unwrap();
        let v = &r.verification;
        if v.blocked {
            blocked += 1;
        } else if v.pass() {
            pass += 1;
        } else if v.years.iter().any(|y| !y.shortfalls.is_empty()) {
            short += 1;
        }
    }
    assert!(blocked >= 1, "{blocked}");
    // Most people pass.
    assert!(pass > ids.len() / 2, "{pass} of {}", ids.len());
    assert!(short >= 1, "{short}");
    // A blocked person has a finding tied to a refused entry (R5.3).
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM findings f JOIN entries e ON e.id = f.entry_id
                WHERE e.state <> 'refused' OR e.person_id <> f.person_id"
        ),
        0
    );
}

#[test]
fn every_id_number_validates_and_belongs_to_hunan() {
    let (store, _) = demo(300, 2017);
    let mut stmt = store
        .conn()
        .prepare("SELECT id_number, city_code FROM people")
        .unwrap();
    let rows: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(rows.len(), 300);
    for (id, _) in &rows {
        let parsed = IdNumber::parse(id).unwrap();
        assert!(parsed.region_code().starts_with("43"), "{id}");
        let age = 2017 - parsed.birth_date().year();
        assert!((28..=58).contains(&age), "{id}");
    }
}

#[test]
fn a_pending_batch_from_one_provider_waits_for_review() {
    let (store, _) = demo(300, 2017);
    let batch: i64 = count(
        &store,
        "SELECT id FROM import_batches WHERE source = 'demo-seed-2017-2017'",
    );
    let rows = count(
        &store,
        &format!("SELECT rows FROM import_batches WHERE id = {batch}"),
    );
    assert!(rows > 0);
    assert_eq!(
        count(
            &store,
            &format!("SELECT count(*) FROM entries WHERE batch_id = {batch}")
        ),
        rows
    );
    assert_eq!(
        count(
            &store,
            &format!("SELECT count(DISTINCT provider) FROM entries WHERE batch_id = {batch}")
        ),
        1
    );
    assert_eq!(
        count(
            &store,
            &format!(
                "SELECT count(*) FROM entries WHERE batch_id = {batch}
                    AND (state NOT IN ('recorded', 'evidence_complete') OR year <> 2017)"
            )
        ),
        0
    );
}

#[test]
fn any_day_of_any_year_works() {
    for day in [
        "2030-01-01T08:00:00+08:00",
        "2024-02-29T23:59:59+08:00",
        "2031-12-31T12:00:00Z",
    ] {
        let mut store = Store::open_in_memory().unwrap();
        let a = actor_at(day);
        let s = generate(&mut store, &a, 30, 3).unwrap();
        assert_eq!(s.people, 30, "{day}");
        assert!(s.entries > 30 * 5 * 3, "{day} {s:?}");
        let statuses = strings(&store, "SELECT DISTINCT status FROM filings");
        assert_eq!(statuses.len(), 3, "{day} {statuses:?}");
        let today = a.today().to_string();
        assert_eq!(
            count(
                &store,
                &format!("SELECT count(*) FROM entries WHERE end_date > '{today}'")
            ),
            0,
            "{day}"
        );
        assert_eq!(generate(&mut store, &a, 30, 3).unwrap(), s, "{day}");
    }
}

/// Every row of the data tables, hashed table by table (the trail aside: chunked runs write a
/// record per chunk).
fn data_digests(store: &Store) -> Vec<String> {
    [
        "SELECT * FROM people ORDER BY id",
        "SELECT * FROM entries ORDER BY id",
        "SELECT * FROM entry_evidence ORDER BY entry_id, code",
        "SELECT * FROM filings ORDER BY id",
        "SELECT * FROM findings ORDER BY id",
        "SELECT * FROM import_batches ORDER BY id",
        "SELECT * FROM person_year_totals ORDER BY person_id, year",
        "SELECT * FROM review_queue ORDER BY entry_id",
        "SELECT * FROM batch_applicants ORDER BY id",
    ]
    .iter()
    .map(|sql| digest(store, sql))
    .collect()
}

fn chunks_of(chunk: u32) -> Options {
    Options { chunk }
}

#[test]
fn the_chunk_size_changes_how_it_is_written_not_what() {
    let (whole, summary) = demo(90, 3);
    let mut store = Store::open_in_memory().unwrap();
    let chunked = crate::service::demo::generate_with(
        &mut store,
        &actor(),
        90,
        3,
        &chunks_of(13),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(chunked, summary);
    assert_eq!(data_digests(&store), data_digests(&whole));
    // R5.5 One record per chunk that wrote (7 chunks, the last of 12 people), each stating
    // exactly the rows it wrote: the trail verifies.
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM audit WHERE action = 'demo.generate'"
        ),
        7
    );
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
    let last = progress::resume_point(store.conn(), 3, "2017-07-15")
        .unwrap()
        .unwrap();
    assert_eq!(last.done, 90);
    assert_eq!(
        (last.count.people, last.count.entries),
        (90, summary.entries)
    );
    // Another day has no resume point: everybody is visited again.
    assert_eq!(
        progress::resume_point(store.conn(), 3, "2017-07-16").unwrap(),
        None
    );
}

/// A run that fails in the middle of a chunk (here: a panic from its progress callback, as a
/// crash would stop it) keeps the chunks before it, whole, and loses the one under way; run
/// again, it continues after the last chunk and ends with the data of an uninterrupted run.
#[test]
fn a_run_stopped_inside_a_chunk_resumes_after_the_last_one_committed() {
    let (whole, summary) = demo(50, 4);
    let mut store = Store::open_in_memory().unwrap();
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::service::demo::generate_with(
            &mut store,
            &actor(),
            50,
            4,
            &chunks_of(10),
            &mut |done, _| assert!(done < 35, "stopped at person 35"),
        )
    }));
    assert!(stopped.is_err());
    assert_eq!(count(&store, "SELECT count(*) FROM people"), 30);
    assert_eq!(
        count(
            &store,
            "SELECT count(*) FROM audit WHERE action = 'demo.generate'"
        ),
        3
    );
    let mut visited = Vec::new();
    let again = crate::service::demo::generate_with(
        &mut store,
        &actor(),
        50,
        4,
        &chunks_of(10),
        &mut |done, _| visited.push(done),
    )
    .unwrap();
    assert_eq!(
        visited.first(),
        Some(&30),
        "continues after the third chunk"
    );
    assert_eq!(again, summary);
    assert_eq!(data_digests(&store), data_digests(&whole));
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
}

#[test]
fn fewer_people_after_more_are_counted_again_and_nothing_is_added() {
    let mut store = Store::open_in_memory().unwrap();
    generate(&mut store, &actor(), 60, 5).unwrap();
    let tables = table_counts(&store);
    let fewer = generate(&mut store, &actor(), 40, 5).unwrap();
    let (_, alone) = demo(40, 5);
    assert_eq!(fewer, alone, "the first 40 of the 60, counted");
    assert_eq!(table_counts(&store), tables, "{TABLES:?}");
}

#[test]
fn a_broken_data_table_is_refused_before_anything_is_written() {
    // The tables of data/demo/ are built in; this is what a bad edit of one would say.
    let e = table::DataError::new("units.csv", 4, "four fields expected");
    let ServiceError::Store(StoreError::Reference(m)) = broken(e) else {
        panic!("a reference-data error");
    };
    assert_eq!(m, "data/demo/units.csv:4: four fields expected");
    assert!(tables().is_ok());
}

/// R5.5 The connection's audit key (a temporary table, `audit::use_key`) survives the demo's
/// settings (`temp_store`, which drops temporary tables), so its records extend a keyed trail
/// instead of breaking it; another temporary table keeps the setting as it was.
#[test]
fn r5_5_the_demo_keeps_the_connections_audit_key() {
    let mut store = Store::open_in_memory().unwrap();
    let setting = |s: &Store| count(s, "PRAGMA temp_store");
    let before = setting(&store);
    let key = audit::AuditKey::from_bytes([7; 32]);
    audit::use_key(store.conn(), Some(&key), "/tmp/audit.key").unwrap();
    audit::require_key(store.conn()).unwrap();
    generate(&mut store, &actor(), 20, 1).unwrap();
    let required: bool = store
        .conn()
        .query_row("SELECT required FROM temp.jijiao_audit_key", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(
        required,
        "a system install's connection still refuses to write without it"
    );
    assert_eq!(setting(&store), before, "temp_store is put back");
    let (kept, path) = audit::key_of(store.conn()).unwrap();
    assert_eq!(kept.map(|k| k.id()), Some(key.id()));
    assert_eq!(path.as_deref(), Some("/tmp/audit.key"));
    // The chain is keyed from the demo's first record on, with this key.
    let (_, key_id) = audit::marker(store.conn()).unwrap().expect("a keyed trail");
    assert_eq!(key_id, key.id());
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
}

#[test]
fn a_temporary_table_of_someone_else_keeps_temp_store_as_it_was() {
    let mut store = Store::open_in_memory().unwrap();
    store
        .conn()
        .execute_batch(
            "CREATE TEMP TABLE screen_marks (id INTEGER); INSERT INTO screen_marks VALUES (1);",
        )
        .unwrap();
    generate(&mut store, &actor(), 5, 1).unwrap();
    assert_eq!(count(&store, "SELECT count(*) FROM temp.screen_marks"), 1);
}

/// Every index and trigger of the schema with its definition.
fn schema_objects(store: &Store) -> BTreeSet<String> {
    strings(
        store,
        "SELECT type || ' ' || name || ': ' || sql FROM sqlite_master
         WHERE type IN ('index', 'trigger') AND sql IS NOT NULL",
    )
}

/// SQLite's check that every index holds exactly its table's rows, and FTS5's that the
/// full-text index holds exactly `people`'s text: what a clerk's search and lists rely on.
fn assert_indexes_agree(store: &Store) {
    let ok: String = store
        .conn()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    store
        .conn()
        .execute(
            "INSERT INTO people_fts (people_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the full-text index agrees with people");
}

/// The whole database but the full-text index's own pages: the data tables, the derived ones
/// (queue, readings, units, providers, totals) and the trail, record for record.
fn everything(store: &Store) -> Vec<String> {
    let mut all = data_digests(store);
    for sql in [
        "SELECT * FROM people_readings ORDER BY reading, person_id",
        "SELECT * FROM people_prefixes ORDER BY prefix, name, id_number",
        "SELECT * FROM people_units ORDER BY unit_key",
        "SELECT * FROM entry_providers ORDER BY provider",
        // R2.1 The People list's "short this year" counts, kept by year, city and hours.
        "SELECT * FROM totals_by_hours ORDER BY 1, 2, 3, 4",
        "SELECT * FROM totals_by_kind ORDER BY 1, 2, 3, 4, 5",
        "SELECT * FROM evidence_received ORDER BY entry_id, code_id",
        // R3 As stored (migration 24): what was received together is one set either way.
        "SELECT * FROM evidence_sets ORDER BY entry_id, clerk_id, received_at",
        "SELECT * FROM evidence_pieces ORDER BY entry_id, code_id",
        "SELECT * FROM audit ORDER BY id",
    ] {
        all.push(digest(store, sql));
    }
    all
}

fn load(bulk: bool, threads: u32) -> Load {
    Load { bulk, threads }
}

/// Issue 10.3: loading a new file in bulk (indexes set aside and built after) and on one or two
/// threads changes how long it takes, not one row of what is written, the trail included; and
/// the file ends with every index and trigger of the schema, each agreeing with its table.
/// A file on two threads is put back with the references checked and the providers counted
/// on a reader beside the last transaction (`put_back`); the others in that transaction.
#[test]
fn a_bulk_load_on_one_or_two_threads_writes_what_a_load_through_every_index_writes() {
    let fresh = Store::open_in_memory().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut results = Vec::new();
    for (how, file) in [
        (load(false, 2), false),
        (load(true, 1), false),
        (load(true, 2), false),
        (load(true, 2), true),
        (load(false, 1), false),
    ] {
        let mut store = if file {
            Store::open(&dir.path().join("bulk.sqlite")).unwrap()
        } else {
            Store::open_in_memory().unwrap()
        };
        let summary = crate::service::demo::generate_loading(
            &mut store,
            &actor(),
            130,
            6,
            &chunks_of(40),
            how,
            &mut |_, _| {},
        )
        .unwrap();
        assert_eq!(schema_objects(&store), schema_objects(&fresh), "{how:?}");
        assert_eq!(bulk::pending(store.conn()).unwrap(), None, "{how:?}");
        assert_indexes_agree(&store);
        assert_eq!(audit::verify(store.conn()).unwrap().1, None);
        results.push(((how, file), summary, everything(&store), providers(&store)));
    }
    let (_, summary, expected, providers) = &results[0];
    assert_eq!(summary.people, 130);
    // What completion offers a clerk typing a provider: every provider, counted.
    assert!(providers.len() > 5, "{providers:?}");
    let counted: i64 = providers.iter().map(|(_, n)| n).sum();
    assert_eq!(counted as u64, summary.entries);
    for (how, s, got, p) in &results[1..] {
        assert_eq!(s, summary, "{how:?}");
        assert_eq!(p, providers, "{how:?}");
        assert_eq!(got, expected, "{how:?}");
    }
}

/// The providers' counter (`entry_providers`), what review completion offers.
fn providers(store: &Store) -> Vec<(String, i64)> {
    store
        .conn()
        .prepare("SELECT provider, entries FROM entry_providers ORDER BY provider")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The first chunk of a new file sets aside what `BULK` names, committed with its rows: seen
/// from another connection while the run goes on (the people of the second chunk).
#[test]
fn a_new_file_is_loaded_with_its_indexes_set_aside_and_an_old_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let seen = |bulk_file: bool| {
        // A file: its log lets another connection read while the run writes.
        let mut store = Store::open(&dir.path().join(format!("{bulk_file}.sqlite"))).unwrap();
        if !bulk_file {
            generate(&mut store, &actor(), 5, 99).unwrap();
        }
        let reader = store.reader().unwrap();
        let mut during = None;
        crate::service::demo::generate_with(
            &mut store,
            &actor(),
            30,
            6,
            &chunks_of(10),
            &mut |done, _| {
                if done == 15 {
                    let has = |name: &str| {
                        count(
                            &reader,
                            &format!("SELECT count(*) FROM sqlite_master WHERE name = '{name}'"),
                        )
                    };
                    during = Some((
                        has("people_order"),
                        has("people_fts_insert"),
                        has("entries_same_training"),
                        has("entries_person_year"),
                        bulk::pending(reader.conn()).unwrap().is_some(),
                    ));
                }
            },
        )
        .unwrap();
        during.unwrap()
    };
    // Set aside: the people's indexes, the full-text upkeep, the duplicate check; entries' own
    // indexes stay.
    assert_eq!(seen(true), (0, 0, 0, 1, true));
    assert_eq!(seen(false), (1, 1, 1, 1, false));
}

/// A bulk load that stops in the middle of a chunk keeps the chunks before it and what it set
/// aside; run again, it first puts every index back, then continues after the last chunk, and
/// ends with the database of an uninterrupted run.
#[test]
fn a_bulk_load_stopped_inside_a_chunk_resumes_with_every_index_back() {
    let (whole, summary) = demo(50, 4);
    let mut store = Store::open_in_memory().unwrap();
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::service::demo::generate_with(
            &mut store,
            &actor(),
            50,
            4,
            &chunks_of(10),
            &mut |done, _| assert!(done < 35, "stopped at person 35"),
        )
    }));
    assert!(stopped.is_err());
    assert_eq!(count(&store, "SELECT count(*) FROM people"), 30);
    assert!(
        bulk::pending(store.conn()).unwrap().is_some(),
        "cut off in the bulk phase"
    );
    let again = generate(&mut store, &actor(), 50, 4).unwrap();
    assert_eq!(again, summary);
    assert_eq!(schema_objects(&store), schema_objects(&whole));
    assert_eq!(bulk::pending(store.conn()).unwrap(), None);
    assert_indexes_agree(&store);
    assert_eq!(data_digests(&store), data_digests(&whole));
    // The tables of counts, their triggers set aside with the first chunk, are counted again
    // when the load is put back: as a load through their triggers keeps them.
    let mut through = Store::open_in_memory().unwrap();
    crate::service::demo::generate_loading(
        &mut through,
        &actor(),
        50,
        4,
        &chunks_of(10),
        load(false, 1),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(providers(&store), providers(&through));
    for (counts, sql) in [
        (
            "totals_by_hours",
            "SELECT * FROM totals_by_hours ORDER BY 1, 2, 3, 4",
        ),
        (
            "totals_by_kind",
            "SELECT * FROM totals_by_kind ORDER BY 1, 2, 3, 4, 5",
        ),
    ] {
        assert!(count(&through, &format!("SELECT count(*) FROM {counts}")) > 10);
        assert_eq!(digest(&store, sql), digest(&through, sql), "{counts}");
    }
    assert_eq!(audit::verify(store.conn()).unwrap().1, None);
}

/// A person met a second time in one new file (an ID number and a name drawn twice) gets no
/// second copy of a training, as the set-aside trigger would have refused it: the writer
/// compares what they have.
#[test]
fn a_person_met_twice_in_a_bulk_load_gets_no_second_copy_of_a_training() {
    let entries_of_first = |bulk: bool| -> (i64, i64) {
        let mut store = Store::open_in_memory().unwrap();
        let reference = Reference::load(&store).unwrap();
        let bases = reference::bases(store.conn()).unwrap();
        let world = World::new(&reference, tables().unwrap(), bases, &actor()).unwrap();
        let catalogue = Catalogue::build(&world);
        let provider = catalogue.batch_provider(world.year);
        let tx = store.write().unwrap();
        if bulk {
            bulk::set_aside(&tx, &BULK).unwrap();
        }
        let mut links = Links::default();
        let mut count_ = Counts::default();
        let mut dispose = drop;
        let mut c = Chunk::new(&tx, &world, 6, &mut links, &mut count_, bulk, &mut dispose);
        c.filings(&catalogue).unwrap();
        for _ in 0..2 {
            let d = super::entries::draft(&world, &catalogue, &provider, 6, 3).unwrap();
            c.person(d).unwrap();
            // The group is written, so the second visit finds the person in the database.
            c.finish().unwrap();
        }
        drop(c);
        let counts = tx
            .query_row(
                "SELECT count(*), count(DISTINCT person_id || category || form || start_date
                     || end_date || hours_tenths || content || provider) FROM entries",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        tx.commit().unwrap();
        counts
    };
    let (rows, distinct) = entries_of_first(true);
    assert!(rows > 10, "{rows}");
    assert_eq!(rows, distinct, "no training twice");
    assert_eq!(entries_of_first(true), entries_of_first(false));
}
