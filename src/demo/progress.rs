//! Resuming: every chunk of people is one transaction whose audit record (R5.5) states how far
//! the run has got (`done`, the people of the seed written for this day) and what its data set
//! holds so far. The record is committed with the rows it describes, so it is exactly as far as
//! the database got: a run killed at any moment (`kill -9`) and started again with the same
//! seed on the same day continues after the last committed chunk, and the chunks it writes are
//! the chunks an uninterrupted run writes, record for record.

use serde_json::{Value, json};

use super::writer::Counts;
use crate::store::{self, audit};
use rusqlite::Connection;

/// The action of the demo's audit records (`service::audit` excuses the rows they state).
pub(crate) const ACTION: &str = "demo.generate";

/// The subject of the records of `seed`.
pub(crate) fn subject(seed: u64) -> String {
    format!("demo:seed-{seed}")
}

/// How far an earlier run of a seed got on a day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Resume {
    /// People `0..done` of the seed are written with every entry reported by that day.
    pub done: u32,
    /// What the data set of people `0..done` holds: people, entries and filings.
    pub count: Counts,
}

/// The point the last record of `seed` states for `day` (`YYYY-MM-DD`), if it is of that day.
/// Records of another day, of an older jijiao (no `done`) or none at all give `None`: the run
/// then visits every person, which is correct, only slower.
pub(crate) fn resume_point(
    conn: &Connection,
    seed: u64,
    day: &str,
) -> store::Result<Option<Resume>> {
    let Some(record) = audit::last_record(conn, &subject(seed), &[ACTION])? else {
        return Ok(None);
    };
    let Some(after) = record
        .after
        .as_deref()
        .and_then(|a| serde_json::from_str::<Value>(a).ok())
    else {
        return Ok(None);
    };
    if after.get("day").and_then(Value::as_str) != Some(day) {
        return Ok(None);
    }
    let number = |key: &str| after.get(key).and_then(Value::as_u64);
    let Some(done) = number("done").and_then(|d| u32::try_from(d).ok()) else {
        return Ok(None);
    };
    Ok(Some(Resume {
        done,
        count: Counts {
            people: number("people").unwrap_or(0),
            entries: number("entries").unwrap_or(0),
            filings: number("filings").unwrap_or(0),
            ..Counts::default()
        },
    }))
}

/// What a chunk's record states.
pub(crate) struct ChunkRecord<'a> {
    pub seed: u64,
    pub people_requested: u32,
    pub year: i32,
    pub day: &'a str,
    /// The people of the seed this chunk visited, `from..to`.
    pub chunk: (u32, u32),
    pub count: &'a Counts,
    pub added: &'a Counts,
    /// `audit::written_rows` of the chunk.
    pub rows: Value,
}

impl ChunkRecord<'_> {
    /// The record's `after` JSON. It holds nothing of the moment it was written, so an
    /// interrupted and resumed run records exactly what an uninterrupted one does.
    pub(crate) fn to_json(&self) -> String {
        json!({
            "seed": self.seed,
            "people_requested": self.people_requested,
            "year": self.year,
            "day": self.day,
            "chunk": [self.chunk.0, self.chunk.1],
            "done": self.chunk.1,
            "people": self.count.people,
            "entries": self.count.entries,
            "filings": self.count.filings,
            "added": {
                "people": self.added.people,
                "entries": self.added.entries,
                "evidence": self.added.evidence,
                "filings": self.added.filings,
                "filings_approved": self.added.approvals,
                "findings": self.added.findings,
                "batches": self.added.batches,
            },
            // R5.5 Which rows this chunk wrote (ids first..=last of each table, the write lock
            // held throughout): only these may lack a record of their own in `audit verify`.
            "rows": self.rows,
        })
        .to_string()
    }
}
