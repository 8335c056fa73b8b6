//! A session left open while the clock moves on: every decision carries the time it was made
//! (R5.5), and a certificate issued after midnight is dated the day it was issued (R7.4).

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset};
use ratatui::crossterm::event::KeyCode;

use crate::config::Config;
use crate::i18n::Lang;
use crate::service::Clock;
use crate::service::batches::tests::{batch_of_six, bureau};
use crate::tui::testing::Driver;

fn at(s: &str) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(s).expect("a test time")
}

/// A clock the test moves by hand.
fn manual(start: &str) -> (Clock, Arc<Mutex<DateTime<FixedOffset>>>) {
    let now = Arc::new(Mutex::new(at(start)));
    let hand = now.clone();
    (Clock::from_fn(move || *hand.lock().expect("clock")), now)
}

fn config(dir: &std::path::Path) -> Config {
    let mut c = Config::default();
    c.office.name = "长沙".into();
    c.office.phone = "0731-88888888".into();
    c.office
        .clerk_names
        .insert("wangfang".into(), "王芳".into());
    c.printer.destination = format!("file:{}", dir.join("printed.txt").display());
    c.printer.encoding = "utf-8".into();
    c
}

fn audit_times(d: &Driver, action: &str) -> Vec<String> {
    let conn = d.app.store().conn();
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT at FROM audit WHERE user = 'wangfang' AND action = ?1 ORDER BY id",
        )
        .expect("query");
    stmt.query_map([action], |r| r.get(0))
        .expect("rows")
        .collect::<rusqlite::Result<Vec<String>>>()
        .expect("times")
}

#[test]
fn r5_5_r7_4_a_session_open_across_midnight_stamps_each_decision_when_it_is_made() {
    let dir = tempfile::tempdir().expect("dir");
    let mut store = bureau();
    batch_of_six(&mut store);
    let mut d = Driver::new(store, Lang::Zh);
    d.app.set_config(config(dir.path()));
    let (clock, hand) = manual("2017-07-15T23:58:00+08:00");
    d.app.set_clock(clock);

    // Verify the batch two minutes before midnight.
    d.key(KeyCode::Char('4'))
        .key(KeyCode::Enter)
        .key(KeyCode::Char('c'));
    assert!(
        d.app.message().starts_with("已验证 6 人"),
        "{}",
        d.app.message()
    );

    // Accept the passing ones a minute and a half later.
    *hand.lock().unwrap() = at("2017-07-15T23:59:30+08:00");
    d.key(KeyCode::Char('T')).keys("合格").key(KeyCode::Enter);
    d.key(KeyCode::Char('a'));
    assert!(
        d.app.message().starts_with("已通过 3 人"),
        "{}",
        d.app.message()
    );

    // Issue after midnight: the certificates are the new day's.
    *hand.lock().unwrap() = at("2017-07-16T00:01:05+08:00");
    d.key(KeyCode::Char('T')).keys("通过").key(KeyCode::Enter);
    d.key(KeyCode::Char('i'));
    d.key(KeyCode::Char('y'));
    assert!(
        d.app.message().starts_with("已出具 3 份"),
        "{}",
        d.app.message()
    );

    assert_eq!(
        audit_times(&d, "batch.verify"),
        ["2017-07-15T23:58:00+08:00"]
    );
    assert_eq!(
        audit_times(&d, "applicant.accept"),
        ["2017-07-15T23:59:30+08:00"]
    );
    assert_eq!(
        audit_times(&d, "certificate.issue"),
        ["2017-07-16T00:01:05+08:00"]
    );
    let issued_on: Vec<String> = {
        let conn = d.app.store().conn();
        let mut stmt = conn
            .prepare("SELECT DISTINCT issued_on FROM certificates")
            .expect("query");
        stmt.query_map([], |r| r.get(0))
            .expect("rows")
            .collect::<rusqlite::Result<_>>()
            .expect("dates")
    };
    assert_eq!(issued_on, ["2017-07-16"]);

    // The certificate text says the day it was issued, not the day the session began.
    d.key(KeyCode::Char('v')).key(KeyCode::Char('G'));
    assert!(d.shows("二〇一七年七月十六日"), "{}", d.screen());
}

/// R2.1 A person's years left on screen across midnight into a new year: the next poll reads
/// them again on the new day's clock, so the new year (and the five a verification reads) is
/// shown without reopening the person.
#[test]
fn r2_1_a_person_left_open_past_new_year_shows_the_new_year() {
    let store = crate::service::fixtures::store_with(&[
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,60,合格,学习证明材料",
    ]);
    let mut d = Driver::new(store, Lang::Zh);
    let (clock, hand) = manual("2017-12-31T23:59:00+08:00");
    d.app.set_clock(clock);
    d.key(KeyCode::Enter);
    assert!(d.shows("2017  "), "{}", d.screen());
    assert!(!d.shows("2018  "), "{}", d.screen());
    assert!(!d.app.tick(), "nothing changed yet");
    *hand.lock().unwrap() = at("2018-01-01T00:00:30+08:00");
    assert!(d.app.tick(), "the new day is read");
    d.draw();
    assert!(d.shows("2018  "), "{}", d.screen());
    assert!(!d.app.tick(), "and read once");
}
