//! R5.5 The audit trail: one row per write, appended in the writer's transaction, each row
//! hashed together with the previous row's hash so that an altered or deleted row is found by
//! `jijiao audit verify`.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};

use super::Result;

/// What a write did, for the audit row.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub at: &'a str,
    pub user: &'a str,
    /// e.g. `person.create`, `entry.register`, `import.entries`.
    pub action: &'a str,
    /// e.g. `person:430102199001011234`, `entry:42`.
    pub subject: &'a str,
    pub before: Option<&'a str>,
    pub after: Option<&'a str>,
}

const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn hash(prev: &str, id: i64, r: &Record<'_>) -> String {
    let mut h = Sha256::new();
    for part in [
        prev,
        &id.to_string(),
        r.at,
        r.user,
        r.action,
        r.subject,
        r.before.unwrap_or("\u{0}"),
        r.after.unwrap_or("\u{0}"),
    ] {
        // Length-prefix each part so that moving text between fields changes the hash.
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Append a record inside the caller's write transaction.
pub fn append(tx: &Transaction<'_>, r: &Record<'_>) -> Result<i64> {
    let last: Option<(i64, String)> = tx
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    let (id, prev) = match last {
        Some((id, h)) => (id + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let h = hash(&prev, id, r);
    tx.execute(
        "INSERT INTO audit (id, at, user, action, subject, before, after, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            id, r.at, r.user, r.action, r.subject, r.before, r.after, prev, h
        ],
    )?;
    Ok(id)
}

/// One row of the trail as a person's history shows it, with what its subject names: an
/// entry's content and start date, a filing's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRow {
    /// As recorded: RFC 3339 with the clerk's offset.
    pub at: String,
    pub user: String,
    /// e.g. `entry.register`.
    pub action: String,
    /// e.g. `entry:42`.
    pub subject: String,
    /// The JSON recorded after the write (an evidence code, a reason, an approval date).
    pub after: Option<String>,
    /// The entry the row is about: its content and start date.
    pub entry: Option<(String, String)>,
    /// The filing the row is about: its number and training name.
    pub filing: Option<(String, String)>,
    /// The verification batch of the applicant the row is about (R6).
    pub batch: Option<i64>,
}

/// R5.5 The trail about one person, newest first, at most `limit` rows: their own record
/// (`person:ID-NUMBER`), their entries, and the decisions on the filings their entries link to
/// (an approval decides whether public hours count, R4.3). Each row through the subject index.
pub fn about_person(
    conn: &Connection,
    id_number: &str,
    person_id: i64,
    limit: i64,
) -> Result<Vec<HistoryRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, a.user, a.action, a.subject, a.after, e.content, e.start_date,
                f.filing_no, f.name, ba.batch_id
         FROM audit a
         LEFT JOIN entries e
           ON a.subject LIKE 'entry:%' AND e.id = CAST(substr(a.subject, 7) AS INTEGER)
         LEFT JOIN filings f
           ON a.subject LIKE 'filing:%' AND f.filing_no = substr(a.subject, 8)
         LEFT JOIN batch_applicants ba
           ON a.subject LIKE 'applicant:%' AND ba.id = CAST(substr(a.subject, 11) AS INTEGER)
         WHERE a.subject = ?1
            OR a.subject IN (SELECT 'entry:' || id FROM entries WHERE person_id = ?2)
            OR (a.subject IN (SELECT 'filing:' || fl.filing_no FROM entries en
                              JOIN filings fl ON fl.id = en.filing_id
                              WHERE en.person_id = ?2)
                AND a.action NOT IN ('filing.create', 'filing.update'))
            OR a.subject IN (SELECT 'applicant:' || id FROM batch_applicants
                             WHERE person_id = ?2)
            OR a.subject IN (SELECT 'certificate:' || number FROM certificates
                             WHERE person_id = ?2)
         ORDER BY a.id DESC LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(
            params![format!("person:{id_number}"), person_id, limit],
            |r| {
                let entry: Option<String> = r.get(5)?;
                let filing: Option<String> = r.get(7)?;
                Ok(HistoryRow {
                    at: r.get(0)?,
                    user: r.get(1)?,
                    action: r.get(2)?,
                    subject: r.get(3)?,
                    after: r.get(4)?,
                    entry: match entry {
                        Some(content) => Some((content, r.get(6)?)),
                        None => None,
                    },
                    filing: match filing {
                        Some(no) => Some((no, r.get(8)?)),
                        None => None,
                    },
                    batch: r.get(9)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The first problem found in the trail, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// A row's content does not match its hash.
    Altered(i64),
    /// A row is missing between two others, or its chain link is wrong.
    Broken(i64),
}

/// Walk the whole trail (this is the one place a full scan is the point).
pub fn verify(conn: &rusqlite::Connection) -> Result<(u64, Option<Tamper>)> {
    let mut stmt = conn.prepare(
        "SELECT id, at, user, action, subject, before, after, prev_hash, hash FROM audit ORDER BY id",
    )?;
    let mut rows = stmt.query([])?;
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id = 1i64;
    let mut n = 0u64;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let at: String = row.get(1)?;
        let user: String = row.get(2)?;
        let action: String = row.get(3)?;
        let subject: String = row.get(4)?;
        let before: Option<String> = row.get(5)?;
        let after: Option<String> = row.get(6)?;
        let prev: String = row.get(7)?;
        let stored: String = row.get(8)?;
        if id != expected_id || prev != expected_prev {
            return Ok((n, Some(Tamper::Broken(id))));
        }
        let rec = Record {
            at: &at,
            user: &user,
            action: &action,
            subject: &subject,
            before: before.as_deref(),
            after: after.as_deref(),
        };
        if hash(&prev, id, &rec) != stored {
            return Ok((n, Some(Tamper::Altered(id))));
        }
        expected_prev = stored;
        expected_id += 1;
        n += 1;
    }
    Ok((n, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    fn rec<'a>(subject: &'a str, after: &'a str) -> Record<'a> {
        Record {
            at: "2017-07-15T09:00:00+08:00",
            user: "wangfang",
            action: "person.create",
            subject,
            before: None,
            after: Some(after),
        }
    }

    #[test]
    fn r5_5_an_intact_trail_verifies_and_an_edit_is_found() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        append(&tx, &rec("person:1", "{\"name\":\"张伟\"}")).unwrap();
        append(&tx, &rec("person:2", "{\"name\":\"李娜\"}")).unwrap();
        append(&tx, &rec("person:3", "{\"name\":\"王芳\"}")).unwrap();
        tx.commit().unwrap();
        assert_eq!(verify(store.conn()).unwrap(), (3, None));

        store
            .conn()
            .execute("UPDATE audit SET user = 'someone' WHERE id = 2", [])
            .unwrap();
        assert_eq!(verify(store.conn()).unwrap().1, Some(Tamper::Altered(2)));
    }

    #[test]
    fn r5_5_a_deleted_row_breaks_the_chain() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        for i in 0..3 {
            append(&tx, &rec(&format!("person:{i}"), "{}")).unwrap();
        }
        tx.commit().unwrap();
        store
            .conn()
            .execute("DELETE FROM audit WHERE id = 2", [])
            .unwrap();
        assert_eq!(verify(store.conn()).unwrap().1, Some(Tamper::Broken(3)));
    }

    /// R5.5 A person's trail: their record, their entries, the decisions on the filings their
    /// entries link to (not the filing's edits, and nobody else's entries), newest first.
    #[test]
    fn r5_5_about_person_gathers_the_trail_of_one_person() {
        use crate::service::filings::{approve, sample_filing, save_filing};
        use crate::service::fixtures::{ZHANG, actor, store_with};
        let mut store = store_with(&[
            "公需,培训班,保密意识和保密常识教育,湖南师范大学,2017-08-01,2017-08-03,30,合格,",
        ]);
        let a = actor("lisi");
        let fid = save_filing(&mut store, &a, &sample_filing("2017-001")).unwrap();
        store
            .conn()
            .execute("UPDATE entries SET filing_id = ?1", [fid])
            .unwrap();
        approve(
            &mut store,
            &a,
            &[fid],
            chrono::NaiveDate::from_ymd_opt(2017, 7, 10).unwrap(),
        )
        .unwrap();
        let tx = store.write().unwrap();
        append(&tx, &rec("entry:999", "{}")).unwrap();
        tx.commit().unwrap();
        let (pid, _) = crate::store::people::find_by_id_number(store.conn(), ZHANG)
            .unwrap()
            .unwrap();
        let rows = about_person(store.conn(), ZHANG, pid, 50).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.action.as_str()).collect();
        assert_eq!(actions, ["filing.approve", "entry.create", "person.create"]);
        assert_eq!(
            rows[0].filing,
            Some(("2017-001".to_string(), "2017年公需科目培训班".to_string()))
        );
        assert_eq!(
            rows[1].entry,
            Some((
                "保密意识和保密常识教育".to_string(),
                "2017-08-01".to_string()
            ))
        );
        assert_eq!(about_person(store.conn(), ZHANG, pid, 1).unwrap().len(), 1);
    }
}
