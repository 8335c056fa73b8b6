//! Deterministic, realistic demo data (`jijiao demo`), near the floor at province scale.
//!
//! One seed gives one data set: people in the 14 divisions and the provincial units, each with
//! six past years and the current year of training entries in every form (R3) and every state
//! (R5.1), programme filings in every status (R4.2), paper history (migrated), shortfalls,
//! failed assessments, filings approved too late (R4.3), a falsification finding (R5.3) and a
//! pending import batch for review, and a pending verification batch (R6).
//!
//! The parts, each in its module: the data tables (`names`, `places`, `units`, read once from
//! `data/demo/`), the careers (`careers`), the run's fixed parts (`world`), the filings
//! (`filings`), the people (`personas`), their entries drafted as the database holds them on the
//! day of the run (`entries`), the writer (`writer`), resuming (`progress`) and the pending
//! verification batch (`batches`). The entry point is [`crate::service::demo`], which checks the
//! actor's role (R5.5): like `import`, this module sits beside the services and writes only
//! through the store's own inserts, each chunk one transaction with its audit record.
//!
//! Determinism: the generator is a splitmix64 of this module's own (`rng`), so the data never
//! changes with a dependency upgrade. Person `i` depends only on the seed, `i` and the year of
//! `actor.today()` (so `--people 100` is the first hundred of `--people 300`); the filings depend
//! only on the year, and are shared by every seed. Dates derive from the actor's clock, so the
//! data looks current in any year; entries of the current year appear once they have ended, so a
//! run on a later day of the same year only adds the trainings that ended meanwhile.
//!
//! Speed: people are drafted on a second thread (drafting reads no database) while this one
//! writes them with cached statements; every [`Options::chunk`] people are committed, their
//! audit record with them, and the write-ahead log is checkpointed, so it stays bounded by what
//! one chunk writes. A run killed at any moment continues, run again, after its last committed
//! chunk and ends with the data set of an uninterrupted run (`progress`).
//!
//! A new file (no people, no entries) is loaded in bulk ([`Load`], [`BULK`]): with its first
//! chunk the people's secondary indexes, the review queue's and the readings', the trigger that
//! looks for a second copy of each training, the full-text index's upkeep, the triggers that
//! fill the people's short-search tables and those that count providers and yearly totals are
//! set aside (`store::bulk`, from their definitions in `sqlite_master`), and after the last
//! chunk they are built once, a sort, a replay in key order, a rebuild and a count instead of
//! millions of insertions at random places. References are not looked up row by row
//! meanwhile; the tables are checked once before the file is declared whole.
//! Cut off in between, the file records what it lacks and the next open puts it back; the run
//! then continues through the indexes. The data written is the same either way, row for row.

mod batches;
mod careers;
mod entries;
mod filings;
mod names;
mod personas;
mod places;
mod progress;
mod rng;
mod table;
mod units;
mod world;
mod writer;

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::sync::mpsc::{channel, sync_channel};

use rusqlite::Connection;

use crate::service::{Actor, Result, ServiceError};
use crate::store::audit::{self, Record};
use crate::store::bulk;
use crate::store::reference::{self, Reference};
use crate::store::{Store, StoreError};

pub use table::DataError;

use entries::PersonDraft;
use filings::Catalogue;
use world::World;
use writer::{Chunk, Counts, Links};

/// What a demo data set holds, whether written by this run or already there.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoSummary {
    pub people: u64,
    pub entries: u64,
    pub filings: u64,
}

/// People per committed chunk unless told otherwise: about 220 000 entries and half a million
/// evidence rows, a write-ahead log of roughly 150 MB between checkpoints.
pub const DEFAULT_CHUNK: u32 = 10_000;

/// How a run writes (not what: the data set depends only on the seed, the people and the day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// People per transaction, at least 1: the write-ahead log holds at most one chunk's pages,
    /// and a killed run loses at most one chunk of work.
    pub chunk: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            chunk: DEFAULT_CHUNK,
        }
    }
}

/// How a run uses the machine (not what it writes: tests compare the data of every choice).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    /// Load a new file in bulk (the default): into a database without people or entries, the
    /// secondary indexes and the triggers a load has no use for are set aside and built once
    /// at the end (`store::bulk`, [`BULK`]). `false` writes through every index, row by row.
    pub bulk: bool,
    /// Threads, 1 or 2 (more count as 2): with 2, people are drafted on a second thread while
    /// this one writes, and a bulk load's `CREATE INDEX` sorts on two; with 1, all on this one.
    pub threads: u32,
}

impl Default for Load {
    fn default() -> Load {
        Load {
            bulk: true,
            threads: 2,
        }
    }
}

/// What a bulk load sets aside (`store::bulk`): the secondary indexes of the tables whose rows
/// arrive in no order of theirs (people by name, unit and city; the review queue by provider
/// and name; the readings by person; SQLite keeps UNIQUE and PRIMARY KEY constraints, so an ID
/// number still cannot be written twice), the trigger that looks for a second copy of every
/// training written (the writer writes a new person's trainings once each, `distinct` in
/// [`writer`], and compares what a person met again already has), the trigger that looks for a
/// piece of evidence received twice by an entry (R3: the load writes one set per new entry,
/// [`crate::store::entries::add_evidence_rows`], and an entry met again goes through
/// `add_evidence`, which reads what it holds), and the full-text index's upkeep, flushed and
/// merged after every statement, rebuilt from `people` at the end.
///
/// Replayed once at the end (`replayed`): the triggers that fill the people's short-search
/// tables (`people_prefixes`, `people_readings`, R1.2), run over `people` in the order of the
/// table they fill (by name for the prefixes, whose key starts with the prefix and the name; by
/// id for the readings) instead of at random places of a table that outgrows the page cache at
/// a million people (measured at 100 000 people, with the references below: 42.5 → 32.0 s of
/// CPU before the replay's own cost). Checked once at the end (`checked`): the references of
/// the tables the load writes, which it does not look up row by row (see `Settings::apply`).
///
/// Counted once at the end (`counted`): the providers' counter (`entry_providers`, what review
/// completion offers), kept by its trigger with an upsert for each of the 21 million entries
/// at a million people, and the People list's yearly counts (`totals_by_hours`,
/// `totals_by_kind`, R2.1), a lookup of the person and an upsert for each of some 6.6 million
/// yearly totals, each insert in a statement journal for its triggers (together a fifth of the
/// writer at 100 000 people). They are counted from their keys on the reader beside the last
/// transaction, as the references are checked, and written by the writer before the mark goes
/// (in that transaction when there is no reader, or when a killed load is put back). Counted
/// by `GROUP BY`, in the last transaction or on the reader, it gained nothing (BENCHMARKS.md,
/// the fourth round's summary and "Demo, round 4"); `demo::tests` hold a load through the
/// triggers and one without, and a killed load, to the same tables.
///
/// Kept: `entries`' own indexes, which a load fills in their order (person, then year; a
/// hundred filings), so keeping them costs less than reading the whole table again to build
/// them (measured at 100 000 people: 1.8 s of 8.9 while writing, against 1.3 s to build them
/// after, and the table is 5 GB at a million); and the triggers that fill tables (the review
/// queue's rows, the readings and units, the people's and the pending entries' counts, a few
/// upserts for each person or pending entry), whose one definition is the trigger.
pub(crate) const BULK: bulk::Plan<'static> = bulk::Plan {
    indexed: &["people", "review_queue", "people_readings"],
    triggers: &[
        "entries_same_training",
        "people_fts_insert",
        "evidence_sets_once",
    ],
    rebuild: &["people_fts"],
    replayed: &[
        ("people_prefixes_insert", "name, id_number"),
        ("people_readings_insert", "id"),
    ],
    counted: &[
        bulk::Recount {
            trigger: "entry_providers_insert",
            table: "entry_providers",
            keys: "SELECT provider FROM entries",
        },
        bulk::Recount {
            trigger: "totals_by_hours_insert",
            table: "totals_by_hours",
            keys: "SELECT t.year, p.city_code, t.public_tenths, t.professional_tenths
                   FROM person_year_totals t JOIN people p ON p.id = t.person_id",
        },
        bulk::Recount {
            trigger: "totals_by_kind_insert",
            table: "totals_by_kind",
            keys: "SELECT t.year, p.city_code, p.unit_kind, t.public_tenths,
                          t.professional_tenths
                   FROM person_year_totals t JOIN people p ON p.id = t.person_id",
        },
    ],
    checked: &[
        "people",
        "entries",
        "evidence_sets",
        "evidence_pieces",
        "person_year_totals",
        "findings",
    ],
};

/// The data tables of `data/demo/`, read once.
pub(crate) struct Tables {
    pub names: names::Names,
    pub cities: Vec<places::CityInfo>,
    pub units: units::Units,
}

fn tables() -> std::result::Result<&'static Tables, DataError> {
    static TABLES: OnceLock<std::result::Result<Tables, DataError>> = OnceLock::new();
    TABLES
        .get_or_init(|| {
            Ok(Tables {
                names: names::Names::builtin()?,
                cities: places::builtin()?,
                units: units::Units::builtin()?,
            })
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn broken(e: DataError) -> ServiceError {
    ServiceError::Store(StoreError::Reference(e.to_string()))
}

/// Fill the database with the data set of `seed`: `people` people, their entries and the
/// filings they link to, then the pending verification batch. `progress(people done, people)`
/// is called once per person, from the resume point up to `people`; it must be cheap. The caller
/// has checked the actor's role ([`crate::service::demo`]).
///
/// Errors: a database error (nothing of the chunk under way is written, the chunks before it
/// stay and a new run continues after them), or [`StoreError::Reference`] for a data table of
/// `data/demo/` that does not read.
pub(crate) fn run(
    store: &mut Store,
    actor: &Actor,
    people: u32,
    seed: u64,
    options: &Options,
    load: Load,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary> {
    let tables = tables().map_err(broken)?;
    let reference = Reference::load(store)?;
    let bases = reference::bases(store.conn())?;
    let world = World::new(&reference, tables, bases, actor).map_err(broken)?;
    let catalogue = Catalogue::build(&world);

    // A bulk load of this file cut off earlier in this process (a new process's open has put
    // it back already): its indexes first, then the run resumes through them.
    bulk::restore_if_pending(store)?;
    let bulk = load.bulk && is_new(store.conn())?;
    let settings = Settings::apply(store.conn(), bulk, load.threads)?;
    let mut result = write(
        store, actor, &world, &catalogue, people, seed, options, load, bulk, progress,
    );
    if bulk && result.is_ok() {
        // Every chunk is committed: the indexes and the search table, once, each checkpointed
        // so the log holds one index at a time. Cut off here, the next open finishes it.
        if let Err(e) = put_back(store, load) {
            result = Err(e);
        }
    }
    let restored = settings.restore(store.conn());
    let summary = result?;
    restored?;
    batches::pending_batch(store, actor)?;
    Ok(summary)
}

/// Put back what the bulk load set aside. With two threads and a file, the references are
/// checked and the tables of counts counted on a reader connection on the second thread while
/// this one replays the triggers and rebuilds the full-text index (at 100 000 people, 2.1 s of
/// CPU reading against 2.0 s of replays and rebuild), instead of after them; a database in
/// memory has no log for a reader to read beside the writer.
fn put_back(store: &mut Store, load: Load) -> Result<()> {
    let file = store.conn().path().is_some_and(|p| !p.is_empty());
    let reader = if load.threads >= 2 && file {
        Some(store.reader()?)
    } else {
        None
    };
    let Some(reader) = reader else {
        bulk::restore(store, &mut |conn| checkpoint(conn))?;
        return Ok(());
    };
    std::thread::scope(|scope| -> Result<()> {
        let running = std::cell::RefCell::new(None);
        let mut reader = Some(reader);
        let mut start = |set: &bulk::SetAside| {
            if let Some(r) = reader.take() {
                let set = set.clone();
                let read = scope.spawn(move || bulk::read_beside(r.conn(), &set));
                *running.borrow_mut() = Some(read);
            }
        };
        // A reading that did not end (its thread panicked) is made again by the restore.
        let mut result = || {
            let check = running.borrow_mut().take()?;
            check.join().ok()
        };
        let mut references = bulk::References::Elsewhere {
            start: &mut start,
            result: &mut result,
        };
        bulk::restore_checking(store, &mut |conn| checkpoint(conn), &mut references)?;
        Ok(())
    })
}

/// Whether the database holds no people and no entries: a new file, which the run may load in
/// bulk. Nobody works in such a file yet, so nothing reads it while its indexes are away.
fn is_new(conn: &Connection) -> Result<bool> {
    Ok(bulk::all_empty(conn, &["people", "entries"])?)
}

/// The connection's settings while the demo writes, and what they were.
struct Settings {
    cache_size: i64,
    /// `temp_store` before, when the demo changed it.
    temp_store: Option<i64>,
    journal_size_limit: i64,
    /// `synchronous`, `threads` and `foreign_keys` before, when a bulk load changed them.
    bulk: Option<(i64, i64, i64)>,
}

impl Settings {
    /// The page cache holds the indexes' hot pages (entries by provider, by state: a few hundred
    /// insertion points) instead of spilling them to the log and reading them back: with
    /// SQLite's default 2 MiB, 100 000 people took about twice as long; beyond 128 MiB nothing
    /// is gained. The log file is cut back to 64 MiB whenever it is reset after a checkpoint.
    /// The statement cache is not put back (rusqlite cannot tell its size). Temporary files,
    /// where SQLite spills a statement's journal of the pages it changes past 64 KiB (every
    /// insert of entries has one: it fires a trigger), stay in memory: at a million people they
    /// were over 100 s of system time. Changing `temp_store` drops the connection's temporary
    /// tables, so it is changed only through `audit::keeping_key`, which puts the audit key
    /// back (the demo's records would otherwise go unkeyed) and changes nothing when the
    /// temporary schema holds anything else.
    ///
    /// A bulk load of a new file also writes without waiting for the disk (`synchronous =
    /// OFF`): the file is the run's own until it ends (no clerk has anything in it, and nothing
    /// reads it while its indexes are away), a killed process loses nothing the system has
    /// been handed, and what a crash of the whole machine could damage is synthetic data that
    /// the same seed writes again. The run ends by putting `synchronous` back and flushing the
    /// file to the disk ([`Settings::restore`]). Its `CREATE INDEX` sorts on `threads` threads
    /// (SQLite's sorter hands part of the sort to a helper thread): the second core, idle once
    /// the drafting is done.
    ///
    /// Nor are its references looked up row by row (`foreign_keys = OFF`: four lookups for
    /// every entry, three for every piece of evidence, a tenth of the load): the tables of
    /// [`BULK`]'s `checked` are checked whole once the last chunk is in, before the mark goes
    /// (`store::bulk`), so a dangling reference still fails the run, and a run cut off is
    /// checked when its file is put back.
    fn apply(conn: &Connection, bulk: bool, threads: u32) -> Result<Settings> {
        let get = |name: &str| -> Result<i64> {
            Ok(conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))?)
        };
        let mut before = Settings {
            cache_size: get("cache_size")?,
            temp_store: None,
            journal_size_limit: get("journal_size_limit")?,
            bulk: None,
        };
        if bulk {
            before.bulk = Some((get("synchronous")?, get("threads")?, get("foreign_keys")?));
            conn.pragma_update(None, "foreign_keys", "OFF")?;
            conn.pragma_update(None, "synchronous", "OFF")?;
            conn.pragma_update(None, "threads", i64::from(threads.clamp(1, 2)))?;
        }
        conn.pragma_update(None, "cache_size", -128 * 1024)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        let temp_store = get("temp_store")?;
        let memory = |c: &Connection| Ok(c.pragma_update(None, "temp_store", 2)?);
        if audit::keeping_key(conn, memory)? {
            before.temp_store = Some(temp_store);
        }
        // The writer's statements (several sizes of the bulk inserts, the lookups, the audit)
        // outnumber rusqlite's default cache of 16, which would prepare them again and again.
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        Ok(before)
    }

    fn restore(&self, conn: &Connection) -> Result<()> {
        conn.pragma_update(None, "cache_size", self.cache_size)?;
        conn.pragma_update(None, "journal_size_limit", self.journal_size_limit)?;
        if let Some((synchronous, threads, foreign_keys)) = self.bulk {
            conn.pragma_update(None, "foreign_keys", foreign_keys)?;
            conn.pragma_update(None, "synchronous", synchronous)?;
            conn.pragma_update(None, "threads", threads)?;
            // What was written without waiting for the disk reaches it before the run ends.
            bulk::sync_to_disk(conn)?;
        }
        if let Some(setting) = self.temp_store {
            let back = |c: &Connection| Ok(c.pragma_update(None, "temp_store", setting)?);
            audit::keeping_key(conn, back)?;
        }
        Ok(())
    }
}

/// Prepared statements the connection keeps while the demo writes (and after: a larger cache
/// costs nothing when unused).
const STATEMENT_CACHE: usize = 64;

/// People drafted per message from the drafting thread.
const DRAFT_BATCH: u32 = 64;

/// Write people `0..people` of `seed` in chunks, from where an earlier run of the same day got.
/// With `bulk`, the first chunk sets aside what [`BULK`] names, in its own transaction, and the
/// caller puts it back once every chunk is in.
#[allow(clippy::too_many_arguments)]
fn write(
    store: &mut Store,
    actor: &Actor,
    world: &World<'_>,
    catalogue: &Catalogue,
    people: u32,
    seed: u64,
    options: &Options,
    load: Load,
    bulk: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary> {
    let day = world.today.to_string();
    let resume = progress::resume_point(store.conn(), seed, &day)?;
    let total = people as usize;
    if let Some(r) = resume.filter(|r| r.done == people) {
        // This day's data set of exactly these people is complete.
        progress(total, total);
        return Ok(summary(&r.count));
    }
    // Continue after the last chunk; more people done than asked for are counted again (a
    // visit that writes nothing), since the record counts only all of them.
    let (start, mut count) = match resume {
        Some(r) if r.done < people => (r.done, r.count),
        _ => (0, Counts::default()),
    };
    let chunk = options.chunk.max(1);
    let batch_provider = catalogue.batch_provider(world.year);
    let mut links = Links::default();

    std::thread::scope(|scope| -> Result<()> {
        let provider = batch_provider.as_str();
        // People `i..` in batches of DRAFT_BATCH, in order.
        let drafter = move |mut i: u32| {
            move || {
                (i < people).then(|| {
                    let end = people.min(i.saturating_add(DRAFT_BATCH));
                    let drafts: Vec<Option<PersonDraft>> = (i..end)
                        .map(|k| entries::draft(world, catalogue, provider, seed, k))
                        .collect();
                    i = end;
                    drafts
                })
            }
        };
        type Next<'a> = Box<dyn FnMut() -> Option<Vec<Option<PersonDraft>>> + 'a>;
        type Dispose<'a> = Box<dyn FnMut(Vec<PersonDraft>) + 'a>;
        let (mut next, mut dispose): (Next<'_>, Dispose<'_>) = if load.threads >= 2 {
            // Drafting reads no database: a second thread drafts while this one writes, a
            // bounded queue ahead (the drafts of 16 × 64 people, a few MB), and frees what was
            // written (sent back: the allocator works fastest where it allocated).
            let (send, receive) = sync_channel::<Vec<Option<PersonDraft>>>(16);
            let (give_back, written) = channel::<Vec<PersonDraft>>();
            let mut draft = drafter(start);
            scope.spawn(move || {
                while let Some(drafts) = draft() {
                    while let Ok(done) = written.try_recv() {
                        drop(done);
                    }
                    // The writer stopped (an error): nothing more is wanted.
                    if send.send(drafts).is_err() {
                        return;
                    }
                }
            });
            (
                Box::new(move || receive.recv().ok()),
                // Once the drafter has ended, what is sent back is freed here.
                Box::new(move |done| drop(give_back.send(done))),
            )
        } else {
            (Box::new(drafter(start)), Box::new(drop))
        };
        let mut queue: VecDeque<Option<PersonDraft>> = VecDeque::new();
        let mut at = start;
        let mut first = true;
        progress(at as usize, total);
        while first || at < people {
            // Chunks end at multiples of the chunk size, wherever a run starts, so a resumed
            // run commits the same chunks as an uninterrupted one.
            let end = people.min((at / chunk).saturating_add(1).saturating_mul(chunk));
            let tx = store.write()?;
            let before = audit::last_ids(&tx)?;
            if first && bulk {
                // With the first chunk's rows: cut off before its commit, nothing is set aside.
                bulk::set_aside(&tx, &BULK)?;
            }
            let mut c = Chunk::new(
                &tx,
                world,
                seed,
                &mut links,
                &mut count,
                bulk,
                &mut *dispose,
            );
            if first {
                c.filings(catalogue)?;
                first = false;
            }
            for i in at..end {
                if queue.is_empty() {
                    match next() {
                        Some(drafts) => queue.extend(drafts),
                        None => break,
                    }
                }
                if let Some(Some(draft)) = queue.pop_front() {
                    c.person(draft)?;
                }
                progress(i as usize + 1, total);
            }
            c.finish()?;
            let added = c.added;
            drop(c);
            if added.any() {
                let rows = audit::written_rows(before, audit::last_ids(&tx)?);
                let after = progress::ChunkRecord {
                    seed,
                    people_requested: people,
                    year: world.year,
                    day: &day,
                    chunk: (at, end),
                    count: &count,
                    added: &added,
                    rows,
                }
                .to_json();
                // Demo data is bulk synthetic data: one audit record summarises each chunk
                // instead of one record per row (R5.5 is about clerks' decisions, and a
                // million-person demo would otherwise bury them).
                audit::append(
                    &tx,
                    &Record {
                        at: &world.now,
                        user: &actor.user,
                        action: progress::ACTION,
                        subject: &progress::subject(seed),
                        before: None,
                        after: Some(&after),
                    },
                )?;
            }
            tx.commit()?;
            checkpoint(store.conn());
            at = end;
        }
        Ok(())
    })?;
    Ok(summary(&count))
}

/// Copy the chunk just committed from the write-ahead log into the database, so that the next
/// chunk reuses the log from its start: the log never holds more than about one chunk. PASSIVE
/// never waits for a reader (a clerk's open interface): pages a reader still needs stay in the
/// log until a later chunk's checkpoint. A failure here loses nothing, so it is not an error.
fn checkpoint(conn: &Connection) {
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

fn summary(count: &Counts) -> DemoSummary {
    DemoSummary {
        people: count.people,
        entries: count.entries,
        filings: count.filings,
    }
}

#[cfg(test)]
mod tests;
