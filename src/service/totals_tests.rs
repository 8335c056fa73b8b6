//! Issue 10: the per-person, per-year totals (`store::totals`) are a cache of what `check`
//! computes from the entries (R2.1, R4.3, R5.2, R6.4). These tests hold the two equal for every
//! person and year: on the demo data set, and after random sequences of everything that changes
//! what counts — decisions and their undo, evidence, corrections, new entries, paper history,
//! and filings approved, re-dated, rejected or returned to pending by an edit.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::check::check;
use super::fixtures::{actor, source, table};
use super::review::Decision;
use super::{Actor, ServiceError, decision, demo, filings, import, records, review};
use crate::domain::{Category, Hours};
use crate::store::{Store, entries, totals};

/// Every person's totals, year by year, equal `check`'s sums from the entries, over every year
/// any entry of theirs has (and one either side); and no row exists outside those years.
fn assert_totals_equal_check(store: &Store, context: &str) {
    let people: Vec<(i64, String, Option<i32>, Option<i32>)> = store
        .conn()
        .prepare(
            "SELECT p.id, p.id_number, min(e.year), max(e.year)
             FROM people p LEFT JOIN entries e ON e.person_id = p.id GROUP BY p.id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (person_id, id_number, first, last) in people {
        let kept = totals::of_person(store.conn(), person_id, i32::MIN, i32::MAX).unwrap();
        let (Some(first), Some(last)) = (first, last) else {
            assert!(
                kept.is_empty(),
                "{context}: {id_number} has no entries: {kept:?}"
            );
            continue;
        };
        let (from, to) = (first - 1, last + 1);
        let v = check(store, &id_number, from, to).unwrap().verification;
        for y in &v.years {
            let row = kept.iter().find(|t| t.year == y.year);
            let (public, professional) =
                row.map_or((Hours::ZERO, Hours::ZERO), |t| (t.public, t.professional));
            assert_eq!(
                (public, professional),
                (y.public, y.professional),
                "{context}: {id_number} in {}",
                y.year
            );
            if let Some(t) = row {
                assert!(t.public != Hours::ZERO || t.professional != Hours::ZERO);
            }
        }
        assert!(
            kept.iter().all(|t| (from..=to).contains(&t.year)),
            "{context}: {id_number} has a row for a year without entries: {kept:?}"
        );
    }
    assert_counts_equal_rows(store, context);
}

/// The people counted by year, city (and kind) and hours equal a count of the totals' rows
/// (migrations 22 and 23): kept by the triggers, or by an import's `hour_counts` beside them.
fn assert_counts_equal_rows(store: &Store, context: &str) {
    let rows = |sql: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = store.conn().prepare(sql).unwrap();
        let n = stmt.column_count();
        stmt.query_map([], |r| (0..n).map(|i| r.get(i)).collect())
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(
        rows("SELECT * FROM totals_by_hours ORDER BY 1, 2, 3, 4"),
        rows(
            "SELECT t.year, p.city_code, t.public_tenths, t.professional_tenths, count(*)
             FROM person_year_totals t JOIN people p ON p.id = t.person_id
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"
        ),
        "{context}: totals_by_hours"
    );
    assert_eq!(
        rows("SELECT * FROM totals_by_kind ORDER BY 1, 2, 3, 4, 5"),
        rows(
            "SELECT t.year, p.city_code, p.unit_kind, t.public_tenths, t.professional_tenths,
                    count(*)
             FROM person_year_totals t JOIN people p ON p.id = t.person_id
             GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5"
        ),
        "{context}: totals_by_kind"
    );
}

/// The demo data set holds every form, state, filing status, late approval, failed assessment
/// and paper history: the totals the demo writes equal `check` for every person and year, and
/// so do those a schema-11 database gets when it is opened by this version (the migration's
/// rebuild).
#[test]
fn r6_4_the_demos_totals_equal_check_for_every_person_and_year() {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &actor("demo"), 200, 2017).unwrap();
    let rows: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM person_year_totals", [], |r| r.get(0))
        .unwrap();
    assert!(rows > 500, "{rows}");
    assert_totals_equal_check(&store, "demo");

    // The same data in a database from before the table: the first open fills it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    store.backup_to(&path).unwrap();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(
            // Schema 23's report figures and schema 18's kept groups and batch counts back to
            // none, schema 24's sets and schema 15's evidence back to schema 1's table of texts, and so on down to
            // schema 11.
            "DROP TRIGGER report_kept_moved; DROP TRIGGER people_by_kind_insert;
             DROP TRIGGER people_by_kind_delete; DROP TRIGGER totals_by_kind_insert;
             DROP TRIGGER totals_by_kind_delete; DROP TRIGGER totals_by_kind_update;
             DROP TRIGGER pending_kept_insert; DROP TRIGGER pending_kept_delete;
             DROP TRIGGER pending_kept_update; DROP TABLE people_by_kind; DROP TABLE totals_by_kind;
             DROP TABLE pending_by_kind; DROP TABLE pending_by_person;
             DROP TRIGGER review_queue_groups_insert; DROP TRIGGER review_queue_groups_delete;
             DROP TRIGGER review_queue_groups_update; DROP TABLE review_queue_groups;
             DROP TRIGGER batch_counts_batch; DROP TRIGGER batch_counts_batch_delete;
             DROP TRIGGER batch_counts_insert; DROP TRIGGER batch_counts_delete;
             DROP TRIGGER batch_counts_update; DROP TABLE batch_counts;
             DROP INDEX verification_batches_order;
             CREATE TABLE evidence_texts (entry_id INTEGER NOT NULL REFERENCES entries (id),
                 code TEXT NOT NULL, received_by TEXT NOT NULL, received_at TEXT NOT NULL,
                 PRIMARY KEY (entry_id, code)) WITHOUT ROWID;
             INSERT INTO evidence_texts SELECT * FROM entry_evidence;
             DROP VIEW entry_evidence; DROP VIEW evidence_received;
             DROP TABLE evidence_sets; DROP TABLE evidence_pieces;
             DROP TABLE evidence_codes; DROP TABLE logins;
             ALTER TABLE evidence_texts RENAME TO entry_evidence;
             DROP TABLE entry_providers; DROP TRIGGER entry_providers_insert;
             DROP TRIGGER entry_providers_update; DROP TRIGGER entry_providers_delete;
             DROP TRIGGER entries_same_training; DROP TRIGGER entries_same_training_update;
             DROP INDEX people_uninitialled;
             DROP INDEX people_report;
             DROP INDEX people_city_order; CREATE INDEX people_city ON people (city_code, unit_kind);
             DROP TABLE card_prints;
             DROP TRIGGER people_prefixes_insert; DROP TRIGGER people_prefixes_update;
             DROP TRIGGER people_prefixes_delete; DROP TABLE people_prefixes;
             DROP INDEX people_unit_order; CREATE INDEX people_unit_key ON people (unit_key);
             DROP TRIGGER totals_by_hours_moved; DROP TRIGGER people_count_insert;
             DROP TRIGGER people_count_delete; DROP TRIGGER people_blocked_found;
             DROP TRIGGER people_blocked_changed; DROP TRIGGER people_blocked_unfound;
             DROP TRIGGER people_blocked_renamed; DROP TRIGGER people_blocked_gone;
             DROP TABLE totals_by_hours; DROP TABLE people_count; DROP TABLE people_blocked;
             DROP TABLE person_year_totals; PRAGMA user_version = 11;
             DELETE FROM meta WHERE key = 'totals_rebuild';
             DROP TRIGGER batch_applicants_sort_insert; DROP TRIGGER batch_applicants_sort_person;
             DROP INDEX batch_applicants_by_name; DROP INDEX batch_applicants_by_verdict;
             DROP INDEX batch_applicants_by_state;
             ALTER TABLE batch_applicants DROP COLUMN verdict_rank;
             ALTER TABLE batch_applicants DROP COLUMN state_rank;
             ALTER TABLE batch_applicants DROP COLUMN sort_name;
             ALTER TABLE batch_applicants DROP COLUMN sort_id_number;",
        )
        .unwrap();
    }
    let reopened = Store::open(&path).unwrap();
    let rebuilt: i64 = reopened
        .conn()
        .query_row("SELECT count(*) FROM person_year_totals", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rebuilt, rows);
    assert_totals_equal_check(&reopened, "migrated");
    let pending: i64 = reopened
        .conn()
        .query_row(
            "SELECT count(*) FROM meta WHERE key = 'totals_rebuild'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pending, 0, "rebuilt once, not at every open");
}

/// One thing a clerk does that may change what counts. Indexes pick among the entries,
/// filings and people there are at that moment (modulo their number).
#[derive(Debug, Clone)]
enum Op {
    /// R5.1, R5.3 seal / register (confirmed or not) / refuse / falsified.
    Decide { entry: usize, kind: u8 },
    /// The clerk's last decision of any kind, undone (R5.5).
    Undo,
    /// R3 One evidence item received or withdrawn.
    Evidence {
        entry: usize,
        item: usize,
        received: bool,
    },
    /// R5.1 A correction of an undecided entry: year, hours, category, filing link.
    Correct {
        entry: usize,
        year: i32,
        tenths: i64,
        public: bool,
        filing: Option<usize>,
    },
    /// R5.1 A new recorded entry.
    Record {
        person: usize,
        year: i32,
        tenths: i64,
        public: bool,
        filing: Option<usize>,
    },
    /// Paper history (`import entries --registered`).
    Paper {
        person: usize,
        year: i32,
        tenths: i64,
        public: bool,
        filing: Option<usize>,
    },
    /// R4.2 Approve on a date (days before today), perhaps re-dating an approval (R4.3).
    Approve { filing: usize, days_ago: u64 },
    /// R4.2 不予备案.
    Reject { filing: usize },
    /// R4.2, R4.3 An edit of the category or the dates returns an approval to pending.
    EditFiling { filing: usize, flip_category: bool },
}

fn op() -> impl Strategy<Value = Op> {
    let year = 2012..=2017i32;
    let tenths = prop_oneof![Just(300i64), Just(600), 1..=400i64];
    let filing = proptest::option::of(0..200usize);
    prop_oneof![
        4 => (0..5000usize, 0..5u8).prop_map(|(entry, kind)| Op::Decide { entry, kind }),
        2 => Just(Op::Undo),
        1 => (0..5000usize, 0..4usize, any::<bool>())
            .prop_map(|(entry, item, received)| Op::Evidence { entry, item, received }),
        1 => (0..5000usize, year.clone(), tenths.clone(), any::<bool>(), filing.clone())
            .prop_map(|(entry, year, tenths, public, filing)| Op::Correct {
                entry, year, tenths, public, filing
            }),
        1 => (0..50usize, year.clone(), tenths.clone(), any::<bool>(), filing.clone())
            .prop_map(|(person, year, tenths, public, filing)| Op::Record {
                person, year, tenths, public, filing
            }),
        1 => (0..50usize, year, tenths, any::<bool>(), filing)
            .prop_map(|(person, year, tenths, public, filing)| Op::Paper {
                person, year, tenths, public, filing
            }),
        2 => (0..200usize, 0..2500u64).prop_map(|(filing, days_ago)| Op::Approve { filing, days_ago }),
        1 => (0..200usize).prop_map(|filing| Op::Reject { filing }),
        1 => (0..200usize, any::<bool>())
            .prop_map(|(filing, flip_category)| Op::EditFiling { filing, flip_category }),
    ]
}

fn ids(store: &Store, sql: &str) -> Vec<i64> {
    store
        .conn()
        .prepare(sql)
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn pick(list: &[i64], i: usize) -> Option<i64> {
    (!list.is_empty()).then(|| list[i % list.len()])
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A roster row of one entry (the entries columns of `fixtures::store_with`, with a filing).
fn paper_row(id_number: &str, year: i32, tenths: i64, public: bool, filing_no: &str) -> String {
    format!(
        "{id_number},{},远程教育,保密常识{tenths},湖南省人事考试院,{year}-03-01,{year}-03-02,{}.{},合格,,{filing_no}",
        if public {
            "公需科目"
        } else {
            "专业科目"
        },
        tenths / 10,
        tenths % 10
    )
}

/// Do `op`; a refusal (a rule said no) is fine and writes nothing, a database error is not.
fn apply(store: &mut Store, clerk: &Actor, archivist: &Actor, op: &Op) {
    let entries_ = ids(store, "SELECT id FROM entries ORDER BY id");
    let filings_ = ids(store, "SELECT id FROM filings ORDER BY id");
    let people_ = ids(store, "SELECT id FROM people ORDER BY id");
    let filing_of = |f: &Option<usize>| f.and_then(|i| pick(&filings_, i));
    let result: super::Result<()> = match op {
        Op::Decide { entry, kind } => {
            let Some(id) = pick(&entries_, *entry) else {
                return;
            };
            let d = match kind {
                0 => Decision::Seal,
                1 => Decision::Register { confirm: false },
                2 => Decision::Register { confirm: true },
                3 => Decision::Refuse {
                    reason: "材料不实".into(),
                },
                _ => Decision::Falsified {
                    reason: "伪造结业证明".into(),
                },
            };
            // Seal first, so a registration has something to register now and then.
            if matches!(d, Decision::Register { .. }) {
                let _ = review::decide(store, clerk, &[id], &Decision::Seal, &mut |_, _| {});
            }
            review::decide(store, clerk, &[id], &d, &mut |_, _| {}).map(drop)
        }
        Op::Undo => decision::undo_last(store, clerk).map(drop),
        Op::Evidence {
            entry,
            item,
            received,
        } => {
            let Some(id) = pick(&entries_, *entry) else {
                return;
            };
            let rec = entries::get(store.conn(), id).unwrap().unwrap();
            let reference = crate::store::reference::Reference::load(store).unwrap();
            let codes = reference
                .checklist(rec.entry.form)
                .map(|l| l.all_codes().into_iter().collect::<Vec<_>>())
                .unwrap_or_default();
            let Some(code) = codes.get(item % codes.len().max(1)) else {
                return;
            };
            review::set_evidence(store, clerk, id, code, *received).map(drop)
        }
        Op::Correct {
            entry,
            year,
            tenths,
            public,
            filing,
        } => {
            let Some(id) = pick(&entries_, *entry) else {
                return;
            };
            let rec = entries::get(store.conn(), id).unwrap().unwrap();
            let start = date(*year, 4, 1);
            let new = crate::domain::Entry {
                year: *year,
                category: if *public {
                    Category::Public
                } else {
                    Category::Professional
                },
                start_date: start,
                end_date: start,
                hours: Hours::from_tenths(*tenths),
                ..rec.entry.clone()
            };
            records::update_entry(
                store,
                clerk,
                id,
                &rec.entry,
                rec.filing_id,
                new,
                filing_of(filing),
            )
            .map(drop)
        }
        Op::Record {
            person,
            year,
            tenths,
            public,
            filing,
        } => {
            let Some(pid) = pick(&people_, *person) else {
                return;
            };
            let start = date(*year, 9, 1);
            let e = crate::domain::Entry {
                year: *year,
                category: if *public {
                    Category::Public
                } else {
                    Category::Professional
                },
                form: crate::domain::Form::Distance,
                content: format!("网络课程{tenths}"),
                provider: "湖南省人事考试院".into(),
                start_date: start,
                end_date: start,
                hours: Hours::from_tenths(*tenths),
                result: crate::domain::AssessmentResult::Pass,
                state: crate::domain::EntryState::Recorded,
                migrated: false,
            };
            records::add_entry(store, clerk, pid, e, filing_of(filing)).map(drop)
        }
        Op::Paper {
            person,
            year,
            tenths,
            public,
            filing,
        } => {
            let Some(pid) = pick(&people_, *person) else {
                return;
            };
            let id_number: String = store
                .conn()
                .query_row("SELECT id_number FROM people WHERE id = ?1", [pid], |r| {
                    r.get(0)
                })
                .unwrap();
            let filing_no: String = filing_of(filing)
                .map(|f| {
                    store
                        .conn()
                        .query_row("SELECT filing_no FROM filings WHERE id = ?1", [f], |r| {
                            r.get(0)
                        })
                        .unwrap()
                })
                .unwrap_or_default();
            import::entries(
                store,
                archivist,
                &table(
                    "身份证号,科目类别,学习形式,培训内容,施教机构,开始日期,结束日期,学时,考核结果,已交材料,备案编号",
                    &[&paper_row(&id_number, *year, *tenths, *public, &filing_no)],
                ),
                &source(),
                true,
                false,
            )
            .map(drop)
        }
        Op::Approve { filing, days_ago } => {
            let Some(id) = pick(&filings_, *filing) else {
                return;
            };
            let on = clerk.today() - Days::new(*days_ago);
            filings::approve(store, clerk, &[id], on).map(drop)
        }
        Op::Reject { filing } => {
            let Some(id) = pick(&filings_, *filing) else {
                return;
            };
            filings::reject(store, clerk, &[id], "培训方案不完整").map(drop)
        }
        Op::EditFiling {
            filing,
            flip_category,
        } => {
            let Some(id) = pick(&filings_, *filing) else {
                return;
            };
            let no: String = store
                .conn()
                .query_row("SELECT filing_no FROM filings WHERE id = ?1", [id], |r| {
                    r.get(0)
                })
                .unwrap();
            let (_, f) = crate::store::filings::find_by_no(store.conn(), &no)
                .unwrap()
                .unwrap();
            let edited = if *flip_category {
                crate::domain::Filing {
                    category: match f.category {
                        Category::Public => Category::Professional,
                        Category::Professional => Category::Public,
                    },
                    ..f.clone()
                }
            } else {
                crate::domain::Filing {
                    start_date: f.start_date - Days::new(1),
                    ..f.clone()
                }
            };
            filings::update_filing(store, clerk, &f, &edited).map(drop)
        }
    };
    match result {
        Ok(()) => {}
        Err(ServiceError::Store(e)) => panic!("{op:?}: {e}"),
        // A rule refused it (R4.3, R5.1, R5.5 …): nothing written, which the check below shows.
        Err(_) => {}
    }
}

/// A small demo data set to start from: every state and filing status, a few people.
fn start() -> Store {
    let mut store = Store::open_in_memory().unwrap();
    demo::generate(&mut store, &actor("demo"), 16, 11).unwrap();
    store
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// After every step of a random sequence of decisions, undo, corrections, new entries,
    /// paper history and filing changes, the totals equal `check` for every person and year.
    #[test]
    fn totals_equal_check_after_any_sequence_of_changes(ops in proptest::collection::vec(op(), 1..25)) {
        let mut store = start();
        let clerk = actor("reviewer");
        let archivist = actor("archivist");
        assert_totals_equal_check(&store, "start");
        for (i, op) in ops.iter().enumerate() {
            apply(&mut store, &clerk, &archivist, op);
            assert_totals_equal_check(&store, &format!("after step {i}: {op:?}"));
        }
    }
}

/// R6.4 A batch verified from the totals stores, for every applicant, exactly the table and
/// verdict `check` gives from the entries: passing, short and blocked (R5.3) alike.
#[test]
fn r6_4_a_batch_verified_from_the_totals_stores_what_check_says() {
    use crate::domain::batch::Verdict;
    let mut store = Store::open_in_memory().unwrap();
    let clerk = actor("wangfang");
    demo::generate(&mut store, &actor("demo"), 150, 2017).unwrap();
    let reference = crate::store::reference::Reference::load(&store).unwrap();
    let office = reference.office("长沙").unwrap().clone();
    let req = super::batches::Request::named("长沙市教育局", &office, 2017);
    let batch = super::batches::create(&mut store, &clerk, &req)
        .unwrap()
        .unwrap();
    let people = ids(&store, "SELECT id FROM people ORDER BY id");
    super::batches::add_people(&mut store, &clerk, batch.id, &people).unwrap();
    let verified = super::batches::verify(&mut store, &clerk, batch.id, &mut |_, _| {}).unwrap();
    assert!(
        verified.pass > 0 && verified.short > 0 && verified.blocked > 0,
        "{verified:?}"
    );
    let stored: Vec<(String, String, String)> = store
        .conn()
        .prepare(
            "SELECT p.id_number, a.verdict, a.verification FROM batch_applicants a
             JOIN people p ON p.id = a.person_id WHERE a.batch_id = ?1",
        )
        .unwrap()
        .query_map([batch.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(stored.len(), people.len());
    for (id_number, verdict, json) in stored {
        let r = check(&store, &id_number, 2012, 2016).unwrap();
        assert_eq!(verdict, Verdict::of(&r.verification).code(), "{id_number}");
        assert_eq!(json, super::check::to_json(&r).to_string(), "{id_number}");
    }
}

/// Issue 10.3: the demo commits its people in chunks and writes a new person's totals from the
/// entries it just wrote (`totals::insert_new_person`), and a run on a later day adds only the
/// trainings that ended meanwhile to people it finds (`totals::refresh_person`): both equal
/// `check` for every person and year, whatever the chunk size, and a resumed run equals one
/// that was never stopped.
#[test]
fn r2_1_the_totals_of_a_chunked_and_resumed_demo_equal_check() {
    let small = demo::Options { chunk: 7 };
    let mut store = Store::open_in_memory().unwrap();
    // The first 35 people in chunks of 7, then the run of 60 that continues after them.
    demo::generate_with(&mut store, &actor("demo"), 35, 2017, &small, &mut |_, _| {}).unwrap();
    let summary =
        demo::generate_with(&mut store, &actor("demo"), 60, 2017, &small, &mut |_, _| {}).unwrap();
    assert_eq!(summary.people, 60);
    assert_totals_equal_check(&store, "chunks of 7");

    let mut whole = Store::open_in_memory().unwrap();
    let once = demo::generate(&mut whole, &actor("demo"), 60, 2017).unwrap();
    assert_eq!(summary, once, "a resumed run reports what one run does");
    let totals = "SELECT person_id, year, public_tenths, professional_tenths
                  FROM person_year_totals ORDER BY person_id, year";
    let rows = |s: &Store| -> Vec<(i64, i32, i64, i64)> {
        s.conn()
            .prepare(totals)
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
    };
    assert_eq!(rows(&store), rows(&whole));

    // Three months later the same people get the trainings reported since.
    let later = Actor::new(
        "demo",
        chrono::DateTime::parse_from_rfc3339("2017-10-20T10:00:00+08:00").unwrap(),
    );
    let before: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM entries", [], |r| r.get(0))
        .unwrap();
    let after = demo::generate_with(&mut store, &later, 60, 2017, &small, &mut |_, _| {}).unwrap();
    assert_eq!(after.people, 60);
    assert!(after.entries as i64 > before, "{after:?} after {before}");
    assert_totals_equal_check(&store, "a later day");
}
