//! The review queue beyond its pages (`search::review_queue` lists those): the facts the rules
//! need for a set of entries, the groups (import batch and provider) a page shows, and the ids
//! a pattern marks across the whole queue. Ids are read in chunks, never the whole table.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params_from_iter, types::Value};

use super::{Result, search};
use crate::domain::{AssessmentResult, Category, EntryState, FilingFacts, FilingStatus};

/// States of entries that wait for review (R5.1), as `search::review_queue` selects them.
const WAITING: &str = "e.state IN ('recorded', 'evidence_complete', 'sealed')";

/// SQLite's default limit on parameters is high, but an `IN` list of a few hundred keeps each
/// statement small.
const CHUNK: usize = 400;

/// `LIKE` treats % and _ as wildcards; a clerk's text is literal (as in `search`).
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// What the rules look at for an entry waiting in the queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueFacts {
    pub id: i64,
    pub person_id: i64,
    pub state: EntryState,
    pub category: Category,
    pub start_date: NaiveDate,
    pub result: AssessmentResult,
    pub migrated: bool,
    /// The filing the entry links to, if any (R4.3, R4.4).
    pub filing: Option<FilingFacts>,
}

impl QueueFacts {
    /// R4.3, R4.4 Whether and why its hours are recognised.
    pub fn recognition(&self) -> crate::domain::Recognition {
        crate::domain::filing::recognise(
            self.category,
            self.start_date,
            self.filing.as_ref(),
            self.migrated,
        )
    }
}

fn conversion(what: &str, v: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        0,
        rusqlite::types::Type::Text,
        format!("{what} {v}").into(),
    )
}

fn parsed<T>(r: &rusqlite::Row<'_>, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let s: String = r.get(i)?;
    parse(&s).ok_or_else(|| conversion("code", &s))
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// The facts of these entries, by id (entries that no longer exist are absent).
pub fn facts(conn: &Connection, ids: &[i64]) -> Result<HashMap<i64, QueueFacts>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT e.id, e.person_id, e.state, e.category, e.start_date, e.result, e.migrated,
                    f.category, f.status, f.approved_on
             FROM entries e LEFT JOIN filings f ON f.id = e.filing_id
             WHERE e.id IN ({marks})"
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(chunk.iter()), |r| {
            let start: String = r.get(4)?;
            let filing = match r.get::<_, Option<String>>(7)? {
                None => None,
                Some(c) => Some(FilingFacts {
                    category: Category::parse(&c).ok_or_else(|| conversion("category", &c))?,
                    status: parsed(r, 8, FilingStatus::parse)?,
                    approved_on: r.get::<_, Option<String>>(9)?.as_deref().and_then(day),
                }),
            };
            Ok(QueueFacts {
                id: r.get(0)?,
                person_id: r.get(1)?,
                state: parsed(r, 2, EntryState::parse)?,
                category: parsed(r, 3, Category::parse)?,
                start_date: day(&start).ok_or_else(|| conversion("date", &start))?,
                result: parsed(r, 5, AssessmentResult::parse)?,
                migrated: r.get(6)?,
                filing,
            })
        })?;
        for row in rows {
            let f = row?;
            out.insert(f.id, f);
        }
    }
    Ok(out)
}

/// Which entries of the queue a pattern marks. Every part that is set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Parts of the provider's name.
    pub providers: Vec<String>,
    /// One import batch; `Some(None)` is the entries keyed in by hand (no batch).
    pub batch: Option<Option<i64>>,
    pub state: Option<EntryState>,
}

/// The ids of every waiting entry that matches the search `text` (as the paged queue searches:
/// `search::queue_search_clause`) and `filter`, in queue order.
pub fn ids(conn: &Connection, text: &str, filter: &QueueFilter) -> Result<Vec<i64>> {
    let (raw, folded) = search::queue_search_args(text);
    let mut args = vec![Value::Text(raw), Value::Text(folded)];
    let mut clauses = vec![WAITING.to_string(), search::queue_search_clause(1, 2)];
    for p in &filter.providers {
        args.push(Value::Text(like_escape(p.trim())));
        clauses.push(format!(
            "e.provider LIKE '%' || ?{} || '%' ESCAPE '\\'",
            args.len()
        ));
    }
    match filter.batch {
        None => {}
        Some(None) => clauses.push("e.batch_id IS NULL".into()),
        Some(Some(b)) => {
            args.push(Value::Integer(b));
            clauses.push(format!("e.batch_id = ?{}", args.len()));
        }
    }
    if let Some(s) = filter.state {
        args.push(Value::Text(s.code().into()));
        clauses.push(format!("e.state = ?{}", args.len()));
    }
    let sql = format!(
        "SELECT e.id FROM {} WHERE {} ORDER BY {}",
        search::QUEUE_FROM,
        clauses.join(" AND "),
        search::QUEUE_ORDER
    );
    let mut stmt = conn.prepare(&sql)?;
    let ids = stmt
        .query_map(params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<i64>>>()?;
    Ok(ids)
}

/// Of these ids, the ones still in the queue *and* found by the search `text` as the paged
/// queue finds them ([`search::queue_search_clause`]): read at a refresh, so that a row another
/// clerk moved on, or changed so that the search no longer finds it (a person renamed), loses
/// its mark — a decision on the marks never acts on a row the list does not show.
pub fn still_listed(conn: &Connection, text: &str, ids: &[i64]) -> Result<Vec<i64>> {
    let (raw, folded) = search::queue_search_args(text);
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = super::numbered_params(3, chunk.len());
        let sql = format!(
            "SELECT q.entry_id FROM {} WHERE q.entry_id IN ({marks}) AND {}",
            search::QUEUE_MATCH_FROM,
            search::queue_search_clause(1, 2)
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut args = vec![Value::Text(raw.clone()), Value::Text(folded.clone())];
        args.extend(chunk.iter().map(|&id| Value::Integer(id)));
        let rows = stmt.query_map(params_from_iter(args), |r| r.get(0))?;
        for id in rows {
            out.push(id?);
        }
    }
    Ok(out)
}

/// One group of the queue: an import batch and a provider (R5.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub batch_id: Option<i64>,
    pub provider: String,
    /// The roster file the batch came from.
    pub source: Option<String>,
    /// When the batch was imported (RFC 3339).
    pub made_at: Option<String>,
    /// Waiting entries of the group that match the search.
    pub waiting: usize,
}

/// The groups with these keys (the ones a page shows), with how many entries each has waiting
/// that match the search `text`. A group whose provider matches (or any group, without text)
/// has every waiting entry matching: the number `review_queue_groups` keeps (migration 21), one
/// lookup. Any other group counts the entries whose person matches, from the people the text
/// finds when they are few ([`search::queue_people`]), else along the group's range of
/// `review_queue_order`.
pub fn groups(conn: &Connection, text: &str, keys: &[(Option<i64>, String)]) -> Result<Vec<Group>> {
    let (raw, folded) = search::queue_search_args(text);
    let people = if folded.is_empty() {
        None
    } else {
        Some(search::queue_people(conn, text)?)
    };
    let mut kept = conn.prepare_cached(
        "SELECT waiting FROM review_queue_groups WHERE batch_rank = -coalesce(?1, 0) AND provider = ?2",
    )?;
    let mut provider_matches =
        conn.prepare_cached(&format!("SELECT {}", search::queue_provider_match("?1", 2)))?;
    let mut batch =
        conn.prepare_cached("SELECT source, made_at FROM import_batches WHERE id = ?1")?;
    let mut out = Vec::with_capacity(keys.len());
    for (batch_id, provider) in keys {
        let all = match &people {
            None => true,
            Some(_) => {
                provider_matches.query_row(rusqlite::params![provider, raw], |r| r.get(0))?
            }
        };
        let waiting: i64 = match &people {
            Some(people) if !all => {
                let mut args = vec![Value::Text(raw.clone()), Value::Text(folded.clone())];
                let from = people.from(&mut args);
                args.push(Value::Integer(-batch_id.unwrap_or(0)));
                args.push(Value::Text(provider.clone()));
                let n = args.len();
                conn.prepare_cached(&format!(
                    "SELECT count(*) FROM {from}
                     WHERE q.batch_rank = ?{} AND q.provider = ?{n} AND {}",
                    n - 1,
                    search::queue_person_match(2)
                ))?
                .query_row(params_from_iter(args), |r| r.get(0))?
            }
            _ => kept
                .query_row(rusqlite::params![batch_id, provider], |r| r.get(0))
                .optional()?
                .unwrap_or(0),
        };
        let (source, made_at) = match batch_id {
            None => (None, None),
            Some(b) => batch
                .query_row([b], |r| Ok((Some(r.get(0)?), Some(r.get(1)?))))
                .optional()?
                .unwrap_or((None, None)),
        };
        out.push(Group {
            batch_id: *batch_id,
            provider: provider.clone(),
            source,
            made_at,
            waiting: waiting as usize,
        });
    }
    Ok(out)
}

#[cfg(test)]
#[path = "queue_tests.rs"]
mod scale_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::store_with;
    use crate::store::search;

    const COMPLETE: &str =
        "专业,远程教育,临床新进展,湖南人才市场有限公司,2016-04-01,2016-04-30,90,合格,学习证明材料";
    const BARE: &str =
        "专业,学术会议,学术年会,湖南省医学会,2016-05-01,2016-05-02,12,合格,学术会议邀请函";

    #[test]
    fn ids_agree_with_the_paged_queue() {
        let store = store_with(&[COMPLETE, BARE]);
        let c = store.conn();
        for text in ["", "人才", "张", "1231002", "没有", "zw", "ＺＷ", "lw", "%"] {
            let paged: Vec<i64> = search::review_queue(c, text, 0, 100)
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect();
            assert_eq!(
                ids(c, text, &QueueFilter::default()).unwrap(),
                paged,
                "{text}"
            );
            assert_eq!(search::count_review_queue(c, text).unwrap(), paged.len());
        }
    }

    /// R1.2 The queue finds a person as People search does: by pinyin initials (either reading
    /// of a heteronym), in any width and case; the groups count the same entries.
    #[test]
    fn the_queue_finds_people_by_pinyin_initials() {
        let store = store_with(&[COMPLETE, BARE]);
        let c = store.conn();
        for text in ["zw", "ZW", "ｚｗ", "z"] {
            assert_eq!(search::count_review_queue(c, text).unwrap(), 2, "{text}");
            assert_eq!(ids(c, text, &QueueFilter::default()).unwrap().len(), 2);
        }
        assert_eq!(search::count_review_queue(c, "wz").unwrap(), 0);
        let g = groups(c, "zw", &[(Some(1), "湖南省医学会".into())]).unwrap();
        assert_eq!(g[0].waiting, 1);
        let g = groups(c, "lw", &[(Some(1), "湖南省医学会".into())]).unwrap();
        assert_eq!(g[0].waiting, 0);
    }

    #[test]
    fn a_filter_narrows_by_provider_state_and_batch() {
        let store = store_with(&[COMPLETE, BARE]);
        let c = store.conn();
        let all = ids(c, "", &QueueFilter::default()).unwrap();
        let f = facts(c, &all).unwrap();
        let complete: Vec<i64> = all
            .iter()
            .copied()
            .filter(|id| f[id].state == EntryState::EvidenceComplete)
            .collect();
        let by_state = QueueFilter {
            state: Some(EntryState::EvidenceComplete),
            ..QueueFilter::default()
        };
        assert_eq!(ids(c, "", &by_state).unwrap(), complete);
        let by_provider = QueueFilter {
            providers: vec!["医学".into()],
            ..QueueFilter::default()
        };
        assert_eq!(ids(c, "", &by_provider).unwrap().len(), 1);
        let hand = QueueFilter {
            batch: Some(None),
            ..QueueFilter::default()
        };
        assert!(ids(c, "", &hand).unwrap().is_empty());
        let literal = QueueFilter {
            providers: vec!["%".into()],
            ..QueueFilter::default()
        };
        assert!(ids(c, "", &literal).unwrap().is_empty(), "% is literal");
    }

    #[test]
    fn r4_4_facts_give_the_recognition_of_each_entry() {
        let store = store_with(&[COMPLETE]);
        let c = store.conn();
        let all = ids(c, "", &QueueFilter::default()).unwrap();
        let f = facts(c, &all).unwrap();
        assert!(f[&all[0]].recognition().needs_confirmation());
        let g = groups(c, "", &[(Some(1), "湖南人才市场有限公司".into())]).unwrap();
        assert_eq!(g[0].waiting, 1);
        assert_eq!(g[0].source.as_deref(), Some("test.csv"));
    }
}
