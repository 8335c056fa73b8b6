//! R5.5 The interface under configured roles: a login in no role reads everything and writes
//! nothing, told so on the status line and by each refused key; a clerk may not seal; the maker
//! of an entry is told why it was skipped.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;

use crate::i18n::Lang;
use crate::service::authz::{Grants, Role};
use crate::service::fixtures::{actor, store_with};
use crate::store::Store;
use crate::tui::App;
use crate::tui::testing::Driver;

const COMPLETE: &str =
    "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料";

/// The real `App` at 80×24 for `login` holding `roles` (roles configured, no small-office
/// policy).
fn as_login(store: Store, lang: Lang, login: &str, roles: &[Role]) -> Driver {
    let who = actor(login).with_grants(Grants::only(roles, false));
    let mut app = App::new(
        store,
        who,
        lang,
        "/var/lib/jijiao/jijiao.sqlite".into(),
        "长沙".into(),
        (80, 24),
    )
    .expect("app");
    app.theme = crate::tui::theme::Theme::plain();
    let term = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    let mut d = Driver {
        app,
        term,
        wait: true,
    };
    d.draw();
    d
}

fn one(store: &Store, sql: &str) -> i64 {
    store.conn().query_row(sql, [], |r| r.get(0)).unwrap()
}

fn status_line(d: &Driver) -> String {
    d.screen().lines().next().unwrap_or_default().to_string()
}

#[test]
fn r5_5_a_login_in_no_role_sees_read_only_and_every_write_is_refused_with_the_reason() {
    for lang in [Lang::Zh, Lang::En] {
        let store = store_with(&[COMPLETE]);
        let audit = one(&store, "SELECT count(*) FROM audit");
        let mut d = as_login(store, lang, "visitor", &[]);
        let status = status_line(&d);
        let mark = lang.pick("只读", "read-only");
        assert!(
            status.contains(&format!("visitor {mark}")),
            "{status}\n{}",
            d.screen()
        );
        // The people list reads as for anyone.
        assert!(d.shows("张伟"), "{}", d.screen());

        // On the review queue, a seal is refused, saying why and what role it needs.
        d.key(KeyCode::Char('2'));
        assert!(d.shows("张伟"), "{}", d.screen());
        d.key(KeyCode::Char('s'));
        let message = d.app.message().to_string();
        match lang {
            Lang::Zh => assert!(
                message.contains("只能查阅") && message.contains("审核员"),
                "{message}"
            ),
            Lang::En => assert!(
                message.contains("may only read") && message.contains("reviewer role"),
                "{message}"
            ),
        }
        assert!(message.contains("R5.5"), "{message}");
        // The refusal is on screen, whole enough to read, at 80×24.
        assert!(
            d.shows(lang.pick("只能查阅", "may only read")),
            "{}",
            d.screen()
        );
        assert_eq!(
            one(
                d.app.store(),
                "SELECT count(*) FROM entries WHERE state = 'sealed'"
            ),
            0
        );
        assert_eq!(one(d.app.store(), "SELECT count(*) FROM audit"), audit);
    }
}

#[test]
fn r5_5_a_clerk_cannot_seal_and_the_status_line_is_not_read_only() {
    let store = store_with(&[COMPLETE]);
    let mut d = as_login(store, Lang::Zh, "lina", &[Role::Clerk]);
    assert!(!status_line(&d).contains("只读"), "{}", status_line(&d));
    d.key(KeyCode::Char('2')).key(KeyCode::Char('s'));
    assert!(
        d.app
            .message()
            .contains("lina 没有审核员角色，不能初审盖章"),
        "{}",
        d.app.message()
    );
    assert_eq!(
        one(
            d.app.store(),
            "SELECT count(*) FROM entries WHERE state = 'sealed'"
        ),
        0
    );
}

#[test]
fn r5_5_the_reviewer_who_imported_an_entry_is_told_it_was_skipped_as_their_own() {
    // `store_with` imports as the login "clerk"; here that login also reviews.
    let store = store_with(&[COMPLETE]);
    let mut d = as_login(store, Lang::En, "clerk", &[Role::Clerk, Role::Reviewer]);
    d.key(KeyCode::Char('2')).key(KeyCode::Char('s'));
    let message = d.app.message().to_string();
    assert!(
        message.contains("recorded or imported by clerk"),
        "{message}"
    );
    assert!(message.contains("maker–checker"), "{message}");
    assert_eq!(
        one(
            d.app.store(),
            "SELECT count(*) FROM entries WHERE state = 'sealed'"
        ),
        0
    );
}
