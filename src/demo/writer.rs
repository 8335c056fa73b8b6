//! Writing the drafts through the store's own inserts (`store::people`, `store::entries`,
//! `store::filings`, `store::totals`), inside the chunk's transaction. Every insert is either
//! looked up first or `ON CONFLICT DO NOTHING` on its natural key (ID number, filing number,
//! the entry key of the schema), so a person or a training written by an earlier run is found
//! instead of written twice; batches and findings are looked up by their deterministic source
//! and reason.

use std::collections::HashSet;

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

use super::entries::{BatchSlot, EntryDraft, PersonDraft};
use super::filings::{self, Catalogue};
use super::world::World;
use crate::domain::{Entry, FilingFacts, FilingStatus, Person};
use crate::store::filings::Decided;
use crate::store::{self, entries, people, totals};

/// Rows counted by kind: what a run added, or what its data set holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counts {
    pub people: u64,
    pub entries: u64,
    pub filings: u64,
    pub evidence: u64,
    pub findings: u64,
    pub batches: u64,
    pub approvals: u64,
}

impl Counts {
    pub(crate) fn any(&self) -> bool {
        self.people
            + self.entries
            + self.filings
            + self.evidence
            + self.findings
            + self.batches
            + self.approvals
            > 0
    }
}

/// What the chunks of one run share: the rows of the catalogue's filings and of the batches.
#[derive(Debug, Default)]
pub(crate) struct Links {
    /// Per catalogue item: its row and the facts the database holds for it (R4.3), `None`
    /// where the number belongs to a foreign filing.
    filings: Vec<Option<(i64, FilingFacts)>>,
    review: Option<i64>,
    paper: Option<i64>,
}

/// One chunk's transaction: what it adds, and the run's totals as it goes.
pub(crate) struct Chunk<'t, 'c, 'w, 'r, 'l> {
    tx: &'t Transaction<'c>,
    world: &'w World<'r>,
    seed: u64,
    links: &'l mut Links,
    /// What this chunk wrote.
    pub added: Counts,
    /// What the run's data set holds so far (people, entries, filings).
    pub count: &'l mut Counts,
    review_rows: u64,
    paper_rows: u64,
    /// New people resolved but not yet written: written together (see [`GROUP`]).
    pending: Vec<PersonDraft>,
    /// Their ID numbers, which the database cannot see yet.
    pending_ids: HashSet<String>,
    /// A bulk load (`super::BULK`): the trigger that skips a second copy of a training is set
    /// aside, so a person met again is compared here.
    bulk: bool,
    /// Where written drafts go to be freed: the thread that allocated them, when there is one
    /// (freeing another thread's allocations took a tenth of the writer's time in `malloc`).
    dispose: &'l mut dyn FnMut(Vec<PersonDraft>),
}

/// New people written together: their rows, entries, evidence and totals each take a few
/// statements for the whole group, so SQLite's per-statement work (a journal of the pages a
/// statement changes, the full-text index's flush at every statement) is done once for many
/// rows. Ids come out as one person at a time would give them.
const GROUP: usize = 64;

impl<'t, 'c, 'w, 'r, 'l> Chunk<'t, 'c, 'w, 'r, 'l> {
    pub(crate) fn new(
        tx: &'t Transaction<'c>,
        world: &'w World<'r>,
        seed: u64,
        links: &'l mut Links,
        count: &'l mut Counts,
        bulk: bool,
        dispose: &'l mut dyn FnMut(Vec<PersonDraft>),
    ) -> Self {
        Chunk {
            tx,
            world,
            seed,
            links,
            added: Counts::default(),
            count,
            review_rows: 0,
            paper_rows: 0,
            pending: Vec::new(),
            pending_ids: HashSet::new(),
            bulk,
            dispose,
        }
    }

    /// R4.2 The catalogue's filings, with the office's decisions: written when new, found when
    /// an earlier run wrote them, approved when they were pending then and their approval date
    /// has come (R4.3: the totals of the people with entries on them are refreshed).
    pub(crate) fn filings(&mut self, catalogue: &Catalogue) -> store::Result<()> {
        let world = self.world;
        let now = &world.now;
        self.links.filings.clear();
        let mut found = 0;
        for (i, p) in catalogue.items.iter().enumerate() {
            let f = &p.filing;
            let decision = filings::decision(world, i, f);
            let decided = decision.as_ref().map(|d| Decided {
                by: d.by,
                at: &d.at,
                reason: d.reason,
            });
            let link = match store::filings::insert_with(self.tx, f, decided, now, true)? {
                Some(id) => {
                    self.added.filings += 1;
                    Some((id, f.facts()))
                }
                None => match store::filings::find_by_no(self.tx, &f.filing_no)? {
                    Some((id, old)) if old.name == f.name => {
                        // Written while pending by an earlier run, approved since.
                        let approve = (old.status == FilingStatus::Pending)
                            .then_some(f.approved_on.zip(decided))
                            .flatten();
                        let mut facts = old.facts();
                        if let Some((on, decided)) = approve {
                            let done = store::filings::approve_if_pending(
                                self.tx,
                                id,
                                &on.to_string(),
                                decided,
                                now,
                            )?;
                            if done {
                                self.added.approvals += 1;
                                facts = f.facts();
                                // R4.3 Entries of earlier runs linked to it may count now.
                                totals::refresh_filing(self.tx, id)?;
                            }
                        }
                        Some((id, facts))
                    }
                    _ => None,
                },
            };
            found += u64::from(link.is_some());
            self.links.filings.push(link);
        }
        // Counted afresh by every run: a resumed run's count starts from its record.
        self.count.filings = found;
        Ok(())
    }

    /// Write one person and their entries: a new person gets every entry, their evidence and
    /// their yearly totals (R2.1), with the next [`GROUP`] of new people; a person an earlier run
    /// wrote gets only the entries they lack, at once.
    pub(crate) fn person(&mut self, draft: PersonDraft) -> store::Result<()> {
        let PersonDraft {
            mut persona,
            entries: drafts,
        } = draft;
        // The person's row: new, already written by an earlier run, or, when another person
        // holds the number, the next free sequence number.
        let mut found = None;
        for _ in 0..500 {
            let id_number = persona.person.id_number.as_str().to_string();
            if self.pending_ids.contains(&id_number) {
                // Held by a new person of the group: write the group, so the lookup sees them.
                self.flush()?;
            }
            match people::find_by_id_number(self.tx, &id_number)? {
                None => {
                    found = Some(None);
                    break;
                }
                Some((id, p)) if p.name == persona.person.name => {
                    found = Some(Some(id));
                    break;
                }
                Some(_) => {
                    if persona.next_id_number().is_none() {
                        break;
                    }
                }
            }
        }
        match found {
            // No free number is left for them: not in the data set.
            None => {}
            Some(None) => {
                self.pending_ids
                    .insert(persona.person.id_number.as_str().to_string());
                self.pending.push(PersonDraft {
                    persona,
                    entries: drafts,
                });
                if self.pending.len() >= GROUP {
                    self.flush()?;
                }
            }
            Some(Some(person_id)) => {
                // Those before them first, so that rows keep the order of people.
                self.flush()?;
                self.count.people += 1;
                let written = self.missing_entries(person_id, persona.registrar, &drafts)?;
                // R2.1 Their totals, when any entry of theirs was added.
                if !written.is_empty() {
                    totals::refresh_person(self.tx, person_id)?;
                }
            }
        }
        Ok(())
    }

    /// Write the group of new people: their rows, every entry of theirs (the same training
    /// twice is one row, the natural key, as a re-run would leave it), the evidence, findings
    /// and yearly totals (R2.1, from the entries as written).
    fn flush(&mut self) -> store::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let group = std::mem::take(&mut self.pending);
        self.pending_ids.clear();
        let persons: Vec<&Person> = group.iter().map(|d| &d.persona.person).collect();
        let person_ids = people::insert_rows(self.tx, &persons, &self.world.now)?;
        drop(persons);
        self.added.people += person_ids.len() as u64;
        self.count.people += person_ids.len() as u64;

        let keeps: Vec<Vec<usize>> = group.iter().map(|d| distinct(&d.entries)).collect();
        let mut rows = Vec::new();
        for ((d, &person_id), keep) in group.iter().zip(&person_ids).zip(&keeps) {
            for e in keep.iter().filter_map(|&k| d.entries.get(k)) {
                let batch_id = self.batch_of(e.batch)?;
                rows.push(self.row(person_id, batch_id, e));
            }
        }
        let entry_ids = entries::insert_reviewed_new(self.tx, &rows)?;
        drop(rows);

        let mut ids = entry_ids.into_iter();
        let mut received = Vec::new();
        for ((d, &person_id), keep) in group.iter().zip(&person_ids).zip(&keeps) {
            let mut written = Vec::with_capacity(keep.len());
            for e in keep.iter().filter_map(|&k| d.entries.get(k)) {
                let Some(id) = ids.next() else { break };
                written.push(e);
                self.count.entries += 1;
                self.counted(e.batch);
                if let Some(ev) = &e.evidence {
                    received.extend(ev.codes.iter().map(|code| entries::Received {
                        entry_id: id,
                        code,
                        by: &ev.by,
                        at: &ev.at,
                    }));
                }
                if let Some(reason) = &e.finding {
                    people::add_finding(
                        self.tx,
                        person_id,
                        Some(id),
                        reason,
                        d.persona.registrar,
                        &e.updated_at,
                    )?;
                    self.added.findings += 1;
                }
            }
            let links = &self.links.filings;
            let rows = written.into_iter().map(|e| {
                let facts = e
                    .filing
                    .and_then(|i| links.get(i))
                    .and_then(|l| l.as_ref())
                    .map(|l| &l.1);
                (&e.entry, facts)
            });
            totals::insert_new_person(self.tx, person_id, rows)?;
        }
        self.added.evidence += entries::add_evidence_rows(self.tx, &received)? as u64;
        drop(received);
        (self.dispose)(group);
        Ok(())
    }

    /// The link of a draft to its filing's row.
    fn filing_id(&self, d: &EntryDraft) -> Option<i64> {
        d.filing
            .and_then(|i| self.links.filings.get(i))
            .and_then(|l| l.as_ref())
            .map(|l| l.0)
    }

    /// The row of `d` for person `person_id` in batch `batch_id`.
    fn row<'d>(
        &self,
        person_id: i64,
        batch_id: Option<i64>,
        d: &'d EntryDraft,
    ) -> entries::Reviewed<'d> {
        entries::Reviewed {
            person_id,
            entry: &d.entry,
            filing_id: self.filing_id(d),
            batch_id,
            confirmed: d.confirmed,
            reason: d.reason,
            sealed: d.sealed.as_ref().map(|(by, at)| (*by, at.as_str())),
            registered: d
                .registered
                .as_ref()
                .map(|(by, at)| (by.as_str(), at.as_str())),
            created_at: &d.created_at,
            updated_at: &d.updated_at,
        }
    }

    fn batch_of(&mut self, slot: BatchSlot) -> store::Result<Option<i64>> {
        match slot {
            BatchSlot::None => Ok(None),
            slot => Ok(Some(self.batch(slot)?)),
        }
    }

    fn counted(&mut self, slot: BatchSlot) {
        self.added.entries += 1;
        match slot {
            BatchSlot::Review => self.review_rows += 1,
            BatchSlot::Paper => self.paper_rows += 1,
            BatchSlot::None => {}
        }
    }

    /// The entries a person written by an earlier run lacks (a later day's trainings), row by
    /// row, skipping what is there; a finding only where the person has none with its reason.
    /// Returns the drafts written, by index.
    fn missing_entries(
        &mut self,
        person_id: i64,
        registrar: &str,
        drafts: &[EntryDraft],
    ) -> store::Result<Vec<usize>> {
        let mut written = Vec::new();
        // In a bulk load the schema no longer skips a training the person has (the trigger is
        // set aside), so it is skipped here, from their entries read once: what the trigger
        // would have refused, row for row. Only a person met twice in one new file comes here
        // (an ID number and a name drawn twice), a handful in a million.
        let mut held: Option<Vec<Entry>> = if self.bulk {
            let all = entries::for_person(self.tx, person_id, i32::MIN, i32::MAX)?;
            Some(all.into_iter().map(|(_, e, _)| e).collect())
        } else {
            None
        };
        for (k, d) in drafts.iter().enumerate() {
            let batch_id = self.batch_of(d.batch)?;
            let inserted = match &mut held {
                Some(held) if held.iter().any(|h| same_key(h, &d.entry)) => None,
                Some(held) => {
                    let id = entries::insert_reviewed(self.tx, &self.row(person_id, batch_id, d))?;
                    held.push(d.entry.clone());
                    id
                }
                None => entries::insert_reviewed(self.tx, &self.row(person_id, batch_id, d))?,
            };
            self.count.entries += 1;
            if let Some(id) = inserted {
                written.push(k);
                self.counted(d.batch);
                if let Some(ev) = &d.evidence {
                    let n = entries::add_evidence(self.tx, id, &ev.codes, &ev.by, &ev.at)?;
                    self.added.evidence += n as u64;
                }
            }
            if let Some(reason) = &d.finding
                && !people::finding_exists(self.tx, person_id, reason)?
            {
                let entry_id = match inserted {
                    Some(id) => Some(id),
                    None => entries::id_by_key(self.tx, person_id, &d.entry)?,
                };
                people::add_finding(
                    self.tx,
                    person_id,
                    entry_id,
                    reason,
                    registrar,
                    &d.updated_at,
                )?;
                self.added.findings += 1;
            }
        }
        Ok(written)
    }

    /// The import batch of `slot`, created when first needed; named by seed and year so a later
    /// run finds it.
    fn batch(&mut self, slot: BatchSlot) -> store::Result<i64> {
        let paper = slot == BatchSlot::Paper;
        let (kind, suffix) = if paper {
            ("entries.registered", "-paper")
        } else {
            ("entries", "")
        };
        let known = if paper {
            self.links.paper
        } else {
            self.links.review
        };
        if let Some(id) = known {
            return Ok(id);
        }
        let source = format!("demo-seed-{}-{}{suffix}", self.seed, self.world.year);
        let id = match entries::batch_by_source(self.tx, kind, &source)? {
            Some(id) => id,
            None => {
                let sha: String = Sha256::digest(format!("jijiao demo {kind} {source}").as_bytes())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                self.added.batches += 1;
                entries::insert_batch(
                    self.tx,
                    kind,
                    &source,
                    &sha,
                    0,
                    &self.world.user,
                    &self.world.now,
                )?
            }
        };
        if paper {
            self.links.paper = Some(id);
        } else {
            self.links.review = Some(id);
        }
        Ok(id)
    }

    /// Count the chunk's rows into its batches.
    pub(crate) fn finish(&mut self) -> store::Result<()> {
        self.flush()?;
        for (id, rows) in [
            (self.links.review, self.review_rows),
            (self.links.paper, self.paper_rows),
        ] {
            if let (Some(id), true) = (id, rows > 0) {
                entries::add_batch_rows(self.tx, id, rows)?;
            }
        }
        Ok(())
    }
}

/// The indexes of `drafts` without a second row of the same training (the first is kept).
fn distinct(drafts: &[EntryDraft]) -> Vec<usize> {
    let mut keep: Vec<usize> = Vec::with_capacity(drafts.len());
    for (k, d) in drafts.iter().enumerate() {
        let seen = keep
            .iter()
            .filter_map(|&j| drafts.get(j))
            .any(|o| same_key(&o.entry, &d.entry));
        if !seen {
            keep.push(k);
        }
    }
    keep
}

/// Whether two entries are the same training of a person: the natural key of the schema.
fn same_key(a: &Entry, b: &Entry) -> bool {
    a.start_date == b.start_date
        && a.end_date == b.end_date
        && a.hours == b.hours
        && a.category == b.category
        && a.form == b.form
        && a.content == b.content
        && a.provider == b.provider
}
