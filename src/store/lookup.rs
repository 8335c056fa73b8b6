//! Small lookups behind the register forms: completion of providers and filings as the clerk
//! types (at most a handful of rows, by index where a prefix allows), and "same as the previous
//! one". Nothing here reads a whole table.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::Result;
use crate::domain::{Category, Entry, FilingFacts, FilingStatus};

/// `LIKE` treats % and _ as wildcards; a clerk's text is literal.
fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The upper bound of a prefix range: every string that starts with `prefix` sorts below it, so
/// `col >= prefix AND col < upper` walks the column's (binary) index.
fn prefix_upper(prefix: &str) -> String {
    format!("{prefix}\u{10FFFF}")
}

/// Providers for completion: the continuing-education bases (R4.1) and the providers already
/// named in entries, those starting with `text` first, then those containing it.
pub fn providers(conn: &Connection, text: &str, limit: usize) -> Result<Vec<String>> {
    let text = text.trim();
    if text.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    let add = |names: Vec<String>, out: &mut Vec<String>| {
        for n in names {
            if out.len() < limit && !out.contains(&n) {
                out.push(n);
            }
        }
    };
    let upper = prefix_upper(text);
    let bases: Vec<String> = conn
        .prepare_cached(
            "SELECT DISTINCT name FROM bases WHERE name >= ?1 AND name < ?2 ORDER BY name",
        )?
        .query_map(params![text, upper], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    add(bases, &mut out);
    let used: Vec<String> = conn
        .prepare_cached(
            "SELECT provider FROM entry_providers WHERE provider >= ?1 AND provider < ?2
             ORDER BY provider LIMIT ?3",
        )?
        .query_map(params![text, upper, limit as i64], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    add(used, &mut out);
    if out.len() < limit {
        let pattern = like_escape(text);
        let bases: Vec<String> = conn
            .prepare_cached(
                "SELECT DISTINCT name FROM bases WHERE name LIKE '%' || ?1 || '%' ESCAPE '\\'
                 ORDER BY name",
            )?
            .query_map([&pattern], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        add(bases, &mut out);
    }
    if out.len() < limit {
        // The distinct providers (schema 14's `entry_providers`), not every entry: a few
        // thousand providers, millions of entries.
        let pattern = like_escape(text);
        let used: Vec<String> = conn
            .prepare_cached(
                "SELECT provider FROM entry_providers
                 WHERE provider LIKE '%' || ?1 || '%' ESCAPE '\\' ORDER BY provider LIMIT ?2",
            )?
            .query_map(params![pattern, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        add(used, &mut out);
    }
    Ok(out)
}

/// A filing as the entry form shows it: enough to say whether public hours count (R4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilingHit {
    pub id: i64,
    pub filing_no: String,
    pub name: String,
    pub category: Category,
    pub status: FilingStatus,
    pub approved_on: Option<NaiveDate>,
}

impl FilingHit {
    pub fn facts(&self) -> FilingFacts {
        FilingFacts {
            category: self.category,
            status: self.status,
            approved_on: self.approved_on,
        }
    }
}

const FILING_HIT: &str = "SELECT id, filing_no, name, category, status, approved_on FROM filings";

fn filing_hit(r: &rusqlite::Row<'_>) -> rusqlite::Result<FilingHit> {
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{what} {v}").into(),
        )
    };
    let category: String = r.get(3)?;
    let status: String = r.get(4)?;
    let approved: Option<String> = r.get(5)?;
    Ok(FilingHit {
        id: r.get(0)?,
        filing_no: r.get(1)?,
        name: r.get(2)?,
        category: Category::parse(&category).ok_or_else(|| bad("category", &category))?,
        status: FilingStatus::parse(&status).ok_or_else(|| bad("status", &status))?,
        approved_on: approved
            .as_deref()
            .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()),
    })
}

/// Filings whose number starts with `text` (by the unique index), then those whose training
/// name contains it.
pub fn filings(conn: &Connection, text: &str, limit: usize) -> Result<Vec<FilingHit>> {
    let text = text.trim();
    if text.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut out: Vec<FilingHit> = conn
        .prepare_cached(&format!(
            "{FILING_HIT} WHERE filing_no >= ?1 AND filing_no < ?2 ORDER BY filing_no LIMIT ?3"
        ))?
        .query_map(params![text, prefix_upper(text), limit as i64], filing_hit)?
        .collect::<rusqlite::Result<_>>()?;
    if out.len() < limit {
        let by_name: Vec<FilingHit> = conn
            .prepare_cached(&format!(
                "{FILING_HIT} WHERE name LIKE '%' || ?1 || '%' ESCAPE '\\'
                    OR filing_no LIKE '%' || ?1 || '%' ESCAPE '\\'
                 ORDER BY start_date DESC, filing_no LIMIT ?2"
            ))?
            .query_map(params![like_escape(text), limit as i64], filing_hit)?
            .collect::<rusqlite::Result<_>>()?;
        for f in by_name {
            if out.len() < limit && !out.iter().any(|o| o.id == f.id) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

pub fn filing_by_id(conn: &Connection, id: i64) -> Result<Option<FilingHit>> {
    Ok(conn
        .prepare_cached(&format!("{FILING_HIT} WHERE id = ?1"))?
        .query_row([id], filing_hit)
        .optional()?)
}

/// What a typed filing number or name refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilingMatch {
    One(FilingHit),
    /// Several filings fit the text; the clerk should type more or pick one.
    Several(usize),
    None,
}

/// The filing the clerk means: its exact number, else the one filing whose name is exactly the
/// text, else the one filing the text completes to.
pub fn find_filing(conn: &Connection, text: &str) -> Result<FilingMatch> {
    let text = text.trim();
    if let Some(hit) = conn
        .prepare_cached(&format!("{FILING_HIT} WHERE filing_no = ?1"))?
        .query_row([text], filing_hit)
        .optional()?
    {
        return Ok(FilingMatch::One(hit));
    }
    let named: Vec<FilingHit> = conn
        .prepare_cached(&format!("{FILING_HIT} WHERE name = ?1 LIMIT 2"))?
        .query_map([text], filing_hit)?
        .collect::<rusqlite::Result<_>>()?;
    if let [one] = named.as_slice() {
        return Ok(FilingMatch::One(one.clone()));
    }
    let mut hits = filings(conn, text, 2)?;
    Ok(match hits.len() {
        0 => FilingMatch::None,
        1 => FilingMatch::One(hits.remove(0)),
        n => FilingMatch::Several(n),
    })
}

/// Does the office (city code, R1.4) exist?
pub fn office_exists(conn: &Connection, code: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM offices WHERE code = ?1)")?
        .query_row([code], |r| r.get(0))?)
}

/// How many of the newest audit rows "same as the previous one" looks through: the clerk's
/// previous save is among the last few rows unless a large import ran in between.
const RECENT_AUDIT_ROWS: i64 = 5000;

/// The subject of the newest audit row with `action` by `user` written at or after `since`
/// (the session's start), among the recent rows of the trail.
pub fn last_subject(
    conn: &Connection,
    user: &str,
    actions: &[&str],
    since: &str,
) -> Result<Option<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT subject, action FROM audit
         WHERE id > (SELECT coalesce(max(id), 0) FROM audit) - ?1
           AND user = ?2 AND at >= ?3
         ORDER BY id DESC",
    )?;
    let mut rows = stmt.query(params![RECENT_AUDIT_ROWS, user, since])?;
    while let Some(r) = rows.next()? {
        let action: String = r.get(1)?;
        if actions.contains(&action.as_str()) {
            return Ok(Some(r.get(0)?));
        }
    }
    Ok(None)
}

/// The entry `user` made last at or after `since` (RFC 3339), for "same as the previous entry":
/// one keyed in (`entry.create`, subject `entry:N`) or the last one an import of theirs created
/// (`import.entries`, whose record names the range it created, `created: [first, last]`), among
/// the recent rows of the trail. `None` when neither is there.
pub fn last_entry_made(conn: &Connection, user: &str, since: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT action, subject, after FROM audit
         WHERE id > (SELECT coalesce(max(id), 0) FROM audit) - ?1
           AND user = ?2 AND at >= ?3
           AND action IN ('entry.create', 'import.entries')
         ORDER BY id DESC",
    )?;
    let mut rows = stmt.query(params![RECENT_AUDIT_ROWS, user, since])?;
    while let Some(r) = rows.next()? {
        let action: String = r.get(0)?;
        let found = if action == "entry.create" {
            let subject: String = r.get(1)?;
            subject
                .strip_prefix("entry:")
                .and_then(|n| n.parse::<i64>().ok())
        } else {
            // An import that only changed entries created none: look further back.
            let after: Option<String> = r.get(2)?;
            after
                .and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
                .and_then(|v| v["created"][1].as_i64())
        };
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The person's most recent entry (latest end date), for "same as the previous entry".
pub fn latest_entry_of(conn: &Connection, person_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM entries WHERE person_id = ?1
             ORDER BY end_date DESC, id DESC LIMIT 1",
        )?
        .query_row([person_id], |r| r.get(0))
        .optional()?)
}

/// An entry to copy into a new one: whose it is, its fields, its filing number.
#[derive(Debug, Clone)]
pub struct EntryCopy {
    pub person_id: i64,
    pub entry: Entry,
    pub filing_no: Option<String>,
}

pub fn entry_to_copy(conn: &Connection, entry_id: i64) -> Result<Option<EntryCopy>> {
    let Some(rec) = super::entries::get(conn, entry_id)? else {
        return Ok(None);
    };
    let filing_no = match rec.filing_id {
        Some(id) => filing_by_id(conn, id)?.map(|f| f.filing_no),
        None => None,
    };
    Ok(Some(EntryCopy {
        person_id: rec.person_id,
        entry: rec.entry,
        filing_no,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::fixtures::{actor, source, store_with, table};
    use crate::service::import;

    const CLASS: &str =
        "公需,培训班,保密意识和保密常识教育,长沙市委党校,2017-05-10,2017-05-12,30,合格,";

    #[test]
    fn providers_complete_from_bases_and_entries_prefix_first() {
        let store = store_with(&[CLASS]);
        let c = store.conn();
        assert_eq!(providers(c, "湖南师", 10).unwrap(), vec!["湖南师范大学"]);
        let cs = providers(c, "长沙", 10).unwrap();
        assert!(cs.iter().all(|p| p.starts_with("长沙")), "{cs:?}");
        assert!(
            cs.contains(&"长沙环境保护职业技术学院".to_string()),
            "a base: {cs:?}"
        );
        assert!(
            cs.contains(&"长沙市委党校".to_string()),
            "used in an entry: {cs:?}"
        );
        // Substring, after the prefix matches.
        assert!(
            providers(c, "党校", 10)
                .unwrap()
                .contains(&"长沙市委党校".to_string())
        );
        assert!(providers(c, "", 10).unwrap().is_empty());
        assert_eq!(providers(c, "大学", 1).unwrap().len(), 1);
        // Wildcards are literal.
        assert!(providers(c, "%", 10).unwrap().is_empty());
    }

    #[test]
    fn filings_by_any_part_of_the_number() {
        let mut store = store_with(&[]);
        import::filings(
            &mut store,
            &actor("clerk"),
            &table(
                "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期",
                &["湘人社专技备〔2017〕017号,保密意识培训班,公需,长沙市委党校,长沙市委党校,2017-05-10,2017-05-12,已备案,2017-05-01"],
            ),
            &source(),
            false,
        )
        .unwrap();
        let hits = filings(store.conn(), "2017〕017", 10).unwrap();
        assert_eq!(
            hits.len(),
            1,
            "the distinctive end of a long number finds it"
        );
    }

    #[test]
    fn filings_by_number_prefix_or_name_and_the_one_meant() {
        let mut store = store_with(&[]);
        import::filings(
            &mut store,
            &actor("clerk"),
            &table(
                "备案编号,培训名称,科目类别,申报单位,培训机构,开始日期,结束日期,状态,备案日期",
                &[
                    "XJ2017-001,保密意识和保密常识教育培训班,公需,长沙市委党校,长沙市委党校,2017-05-10,2017-05-12,已备案,2017-05-01",
                    "XJ2017-002,临床护理新进展研修班,专业,湖南省人民医院,湖南省人民医院,2017-06-01,2017-06-03,待审,",
                ],
            ),
            &source(),
            false,
        )
        .unwrap();
        let c = store.conn();
        let hits = filings(c, "XJ2017", 10).unwrap();
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].status, FilingStatus::Approved);
        assert_eq!(filings(c, "护理", 10).unwrap()[0].filing_no, "XJ2017-002");
        assert!(
            matches!(find_filing(c, "XJ2017-001").unwrap(), FilingMatch::One(f) if f.name.starts_with("保密"))
        );
        assert!(
            matches!(find_filing(c, "保密").unwrap(), FilingMatch::One(f) if f.filing_no == "XJ2017-001")
        );
        assert_eq!(find_filing(c, "XJ2017").unwrap(), FilingMatch::Several(2));
        assert_eq!(find_filing(c, "nothing").unwrap(), FilingMatch::None);
    }

    #[test]
    fn the_clerks_last_save_in_this_session() {
        let mut store = store_with(&[CLASS]);
        // A roster's entries are one import record (R5.5); the clerk's save is the entry form's.
        let imported = crate::store::entries::get(store.conn(), 1)
            .unwrap()
            .unwrap();
        let entry = crate::domain::Entry {
            content: "另一门课程".into(),
            ..imported.entry
        };
        crate::service::records::add_entry(
            &mut store,
            &actor("clerk"),
            imported.person_id,
            entry,
            None,
        )
        .unwrap();
        let c = store.conn();
        let since = actor("clerk").stamp();
        let last = last_subject(c, "clerk", &["entry.create"], &since).unwrap();
        assert!(last.is_some_and(|s| s.starts_with("entry:")));
        assert_eq!(
            last_subject(c, "lijun", &["entry.create"], &since).unwrap(),
            None
        );
        assert_eq!(
            last_subject(c, "clerk", &["entry.create"], "2099-01-01").unwrap(),
            None,
            "rows from before the session do not count"
        );
        let person: i64 = c
            .query_row("SELECT id FROM people", [], |r| r.get(0))
            .unwrap();
        let id = latest_entry_of(c, person).unwrap().unwrap();
        let copy = entry_to_copy(c, id).unwrap().unwrap();
        assert_eq!(copy.entry.provider, "长沙市委党校");
        assert_eq!((copy.person_id, copy.filing_no), (person, None));
    }
}
