//! Writing the drafts through the store's own inserts (`store::people`, `store::entries`,
//! `store::filings`, `store::totals`), inside the chunk's transaction. Every insert is either
//! looked up first or `ON CONFLICT DO NOTHING` on its natural key (ID number, filing number,
//! the entry key of the schema), so a person or a training written by an earlier run is found
//! instead of written twice; batches and findings are looked up by their deterministic source
//! and reason.

use rusqlite::Transaction;
use sha2::{Digest, Sha256};

use super::entries::{BatchSlot, EntryDraft, PersonDraft};
use crate::domain::Entry;
use super::filings::{self, Catalogue};
use super::world::World;
use crate::domain::{FilingFacts, FilingStatus};
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
}

impl<'t, 'c, 'w, 'r, 'l> Chunk<'t, 'c, 'w, 'r, 'l> {
    pub(crate) fn new(
        tx: &'t Transaction<'c>,
        world: &'w World<'r>,
        seed: u64,
        links: &'l mut Links,
        count: &'l mut Counts,
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
    /// their yearly totals (R2.1); a person an earlier run wrote gets only the entries they lack.
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
            match people::find_by_id_number(self.tx, &id_number)? {
                None => {
                    let id = people::insert(self.tx, &persona.person, &self.world.now)?;
                    self.added.people += 1;
                    found = Some((id, true));
                    break;
                }
                Some((id, p)) if p.name == persona.person.name => {
                    found = Some((id, false));
                    break;
                }
                Some(_) => {
                    if persona.next_id_number().is_none() {
                        break;
                    }
                }
            }
        }
        let Some((person_id, new)) = found else {
            return Ok(());
        };
        self.count.people += 1;

        let written = if new {
            self.new_entries(person_id, persona.registrar, &drafts)?
        } else {
            self.missing_entries(person_id, persona.registrar, &drafts)?
        };
        // R2.1 The person's totals, once their entries are all in.
        if new {
            let links = &self.links.filings;
            let rows = written.iter().filter_map(|&k| {
                let d = drafts.get(k)?;
                let facts = d
                    .filing
                    .and_then(|i| links.get(i))
                    .and_then(|l| l.as_ref())
                    .map(|l| &l.1);
                Some((&d.entry, facts))
            });
            totals::insert_new_person(self.tx, person_id, rows)?;
        } else if !written.is_empty() {
            totals::refresh_person(self.tx, person_id)?;
        }
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

    /// Every entry of a person written just now, their evidence and findings, several rows a
    /// statement. The same training twice is one row (the natural key), as a re-run would
    /// leave it. Returns the drafts written, by index.
    fn new_entries(
        &mut self,
        person_id: i64,
        registrar: &str,
        drafts: &[EntryDraft],
    ) -> store::Result<Vec<usize>> {
        let mut keep: Vec<usize> = Vec::with_capacity(drafts.len());
        for (k, d) in drafts.iter().enumerate() {
            if !keep
                .iter()
                .filter_map(|&j| drafts.get(j))
                .any(|o| same_key(&o.entry, &d.entry))
            {
                keep.push(k);
            }
        }
        let mut rows = Vec::with_capacity(keep.len());
        for &k in &keep {
            if let Some(d) = drafts.get(k) {
                let batch_id = self.batch_of(d.batch)?;
                rows.push(self.row(person_id, batch_id, d));
            }
        }
        let ids = entries::insert_reviewed_new(self.tx, &rows)?;
        drop(rows);
        let mut received = Vec::new();
        for (&k, &id) in keep.iter().zip(&ids) {
            let Some(d) = drafts.get(k) else { continue };
            self.count.entries += 1;
            self.counted(d.batch);
            if let Some(ev) = &d.evidence {
                received.extend(ev.codes.iter().map(|code| entries::Received {
                    entry_id: id,
                    code,
                    by: &ev.by,
                    at: &ev.at,
                }));
            }
            if let Some(reason) = &d.finding {
                people::add_finding(
                    self.tx,
                    person_id,
                    Some(id),
                    reason,
                    registrar,
                    &d.updated_at,
                )?;
                self.added.findings += 1;
            }
        }
        self.added.evidence += entries::add_evidence_rows(self.tx, &received)? as u64;
        Ok(keep)
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
        for (k, d) in drafts.iter().enumerate() {
            let batch_id = self.batch_of(d.batch)?;
            let inserted = entries::insert_reviewed(self.tx, &self.row(person_id, batch_id, d))?;
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
