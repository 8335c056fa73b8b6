//! Notes (备注) kept with a record: the free-text column nearly every Chinese roster carries.
//! One table for every kind of record, keyed by the subject the audit trail uses
//! (`person:430102…`, `filing:湘人社…`, `entry:17`), so a record's note and its history read
//! the same name.

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::Result;

/// The note of `subject`, `None` when it has none.
pub fn get(conn: &Connection, subject: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT note FROM notes WHERE subject = ?1")?
        .query_row([subject], |r| r.get(0))
        .optional()?)
}

/// Sets the note of `subject` to `note` (already cleaned text) and returns the note it replaced,
/// `Some("")` when there was none; `None` when the note was already `note`, so nothing was
/// written.
pub fn set(
    tx: &Transaction<'_>,
    subject: &str,
    note: &str,
    user: &str,
    now: &str,
) -> Result<Option<String>> {
    let old = get(tx, subject)?;
    if old.as_deref() == Some(note) {
        return Ok(None);
    }
    tx.prepare_cached(
        "INSERT INTO notes (subject, note, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (subject) DO UPDATE SET note = ?2, updated_by = ?3, updated_at = ?4",
    )?
    .execute(params![subject, note, user, now])?;
    Ok(Some(old.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[test]
    fn a_note_is_set_replaced_and_left_alone_when_the_same() {
        let mut store = Store::open_in_memory().unwrap();
        let tx = store.write().unwrap();
        assert_eq!(
            set(&tx, "person:1", "退休返聘", "wangfang", "t1").unwrap(),
            Some(String::new())
        );
        assert_eq!(
            set(&tx, "person:1", "退休返聘", "lijun", "t2").unwrap(),
            None
        );
        assert_eq!(
            set(&tx, "person:1", "调往株洲", "lijun", "t3").unwrap(),
            Some("退休返聘".to_string())
        );
        assert_eq!(get(&tx, "person:1").unwrap().as_deref(), Some("调往株洲"));
        assert_eq!(get(&tx, "person:2").unwrap(), None);
    }
}
